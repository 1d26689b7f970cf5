/* Helpers shared by the cmocka suites. */
#ifndef EP_TESTUTIL_H
#define EP_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the includes above first */
#include <cmocka.h>

/* Path under ../shared/data/real (env EP_REAL_DATA overrides). Returns a static buffer
 * that the next call reuses. */
const char *ep_test_real(const char *rel);
/* Path under the source tree's fixtures/. Static buffer, reused. */
const char *ep_test_fixture(const char *rel);
/* Fresh empty temporary directory (removed by the OS's tmp cleaning; tests may rm it). Caller
 * frees. */
char *ep_test_tmpdir(void);
/* Run a shell command, return its exit status (or -1). */
int ep_test_system(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
