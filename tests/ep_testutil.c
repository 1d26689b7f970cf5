#include "ep_testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#ifndef EP_REAL_DATA
#define EP_REAL_DATA "../shared/data/real"
#endif

const char *ep_test_real(const char *rel)
{
    static char buf[4096];
    const char *base = getenv("EP_REAL_DATA");
    snprintf(buf, sizeof buf, "%s/%s", base && *base ? base : EP_REAL_DATA, rel);
    return buf;
}

const char *ep_test_fixture(const char *rel)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s", EP_SOURCE_FIXTURES, rel);
    return buf;
}

char *ep_test_tmpdir(void)
{
    const char *t = getenv("TMPDIR");
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/epintel-test-XXXXXX", t && *t ? t : "/tmp");
    char *d = mkdtemp(tmpl);
    return d ? strdup(d) : NULL;
}

int ep_test_system(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int st = system(cmd);
    if (st == -1 || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st);
}
