/* Helpers shared by the cmocka suites. */
#ifndef EP_TESTUTIL_H
#define EP_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the includes above first */
#include <cmocka.h>

/* Path under the real data the build unpacked from fixtures/ and tests/data/ (scripts/testdata;
 * build/<type>/testdata, env EP_REAL_DATA overrides), in the layout ep-rcv-xml/,
 * howtheyvote/, ep-open-data-api/. Returns a static buffer that the next call reuses. */
const char *ep_test_real(const char *rel);
/* Path under the source tree's fixtures/. Static buffer, reused. */
const char *ep_test_fixture(const char *rel);
/* Path under the source tree's tests/data/ (small files cut or built for one test, each with its
 * provenance in tests/data/README.md). Static buffer, reused. */
const char *ep_test_data(const char *rel);
/* Fresh empty temporary directory (removed by the OS's tmp cleaning; tests may rm it). Caller
 * frees. */
char *ep_test_tmpdir(void);
/* Run a shell command, return its exit status (or -1). */
int ep_test_system(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- the bundled store for a suite's setup ---------------------------------------------- */
struct ep_store;
struct ep_env;
struct ep_tool;
/* A tool family's row table (ep_tools_basic_rows, ep_tools_intel_rows, ...). */
typedef const struct ep_tool *(*ep_test_rows_fn)(size_t *n);
/* A suite's store: a fresh temporary folder (*dir, owned), the default store (the bundled data,
 * ep_store_ensure_default) opened in it as the file named file, its analysis environment *env
 * (when env is not NULL), and the tools of every row table of rows registered (rows: a
 * NULL-terminated list, or NULL for none) into tools. Returns 0, or -1 with the reason on stderr.
 * Undo with ep_test_store_close. */
struct ep_tools;
int ep_test_store_open(const char *file, char **dir, struct ep_store **store, struct ep_env *env,
                       const ep_test_rows_fn *rows, struct ep_tools *tools);
/* A suite's tool table: `static struct ep_tools *Tools`, made before main runs and closed at
 * exit (each suite has its own; ep_tools.h must be included). */
#define EP_TEST_TOOLS                                                                              \
    static struct ep_tools *Tools;                                                                 \
    __attribute__((constructor)) static void ep_test_tools_open(void)                              \
    {                                                                                              \
        if (ep_tools_init(&Tools, NULL))                                                           \
            abort();                                                                               \
    }                                                                                              \
    __attribute__((destructor)) static void ep_test_tools_close(void)                              \
    {                                                                                              \
        ep_tools_close(Tools);                                                                     \
    }
/* Close env (when not NULL) and store, remove the folder dir and free it. */
void ep_test_store_close(char *dir, struct ep_store *store, struct ep_env *env);

/* Start the helper program NAME built next to the tests (tests/srv_*.c: $EP_BUILD/NAME, else the
 * test binary's folder) with "--port-file DIR/port", and wait (up to 30 s) until it writes its
 * port. The child gets SIGTERM if the test dies. Returns the pid and fills *port, or -1 (the
 * reason on stderr). Stop it with ep_test_stop_server. */
#include <sys/types.h>
/* Wait up to tenths/10 s for a server to write its port to the file pf (as --port-file does).
 * Returns the port, or 0 if none came in time or the child pid (when > 0) exited first. */
int ep_test_wait_port_file(const char *pf, pid_t pid, int tenths);
pid_t ep_test_start_server(const char *name, const char *dir, int *port);
/* SIGTERM, wait up to 5 s, then SIGKILL. pid <= 0 is ignored. */
void ep_test_stop_server(pid_t pid);

/* One HTTP request with libcurl (e.g. to a test server's control routes): method "GET",
 * "POST", "DELETE"; json is the body or NULL. Returns the response body (static buffer, reused
 * by the next call); fails the test when the request cannot be made. */
const char *ep_test_http(const char *method, const char *url, const char *json);

#endif
