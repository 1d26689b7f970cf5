#include "ep_testutil.h"

#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ep_env.h"
#include "ep_store.h"
#include "ep_tools.h"
#include "ep_util.h"

#ifndef EP_REAL_DATA
#error "EP_REAL_DATA (the build's testdata folder, made by scripts/testdata) must be defined"
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

const char *ep_test_data(const char *rel)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s", EP_SOURCE_TESTDATA, rel);
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

int ep_test_store_open(const char *file, char **dir, struct ep_store **store, struct ep_env *env,
                       const ep_test_rows_fn *rows, struct ep_tools *tools)
{
    struct ep_error err = {0};
    *store = NULL;
    if (!(*dir = ep_test_tmpdir())) {
        fprintf(stderr, "setup: no temporary folder\n");
        return -1;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", *dir, file);
    if (ep_store_open(path, 0, store, &err) || ep_store_ensure_default(*store, NULL, NULL, &err) ||
        (env && ep_env_init(env, *store, &err))) {
        fprintf(stderr, "setup: store %s: %s\n", path, err.msg);
        return -1;
    }
    for (size_t k = 0; rows && rows[k]; k++) {
        size_t n;
        const struct ep_tool *r = rows[k](&n);
        if (ep_tools_register(tools, r, n, &err)) {
            fprintf(stderr, "setup: register: %s\n", err.msg);
            return -1;
        }
    }
    return 0;
}

void ep_test_store_close(char *dir, struct ep_store *store, struct ep_env *env)
{
    ep_env_close(env);
    ep_store_close(store);
    if (dir)
        ep_test_system("rm -rf '%s'", dir);
    free(dir);
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

int ep_test_wait_port_file(const char *pf, pid_t pid, int tenths)
{
    for (int i = 0; i < tenths * 10; i++) {
        FILE *fp = fopen(pf, "r");
        int p = 0;
        if (fp) {
            char line[32] = "";
            if (fgets(line, sizeof line, fp))
                p = (int)strtol(line, NULL, 10);
            fclose(fp);
        }
        if (p > 0)
            return p;
        siginfo_t si = {0}; /* exited? (WNOWAIT: the caller still reaps it) */
        if (pid > 0 && waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
            si.si_pid == pid)
            return 0;
        usleep(10000);
    }
    return 0;
}

pid_t ep_test_start_server(const char *name, const char *dir, int *port)
{
    char srv[8192], pf[8192];
    const char *b = getenv("EP_BUILD");
    if (b && *b) {
        snprintf(srv, sizeof srv, "%s/%s", b, name);
    } else {
        char self[4096];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        if (n <= 0)
            return -1;
        self[n] = 0;
        char *slash = strrchr(self, '/');
        if (slash)
            *slash = 0;
        snprintf(srv, sizeof srv, "%s/%s", self, name);
    }
    snprintf(pf, sizeof pf, "%s/port", dir);
    unlink(pf);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM); /* never outlive a crashed test */
        execl(srv, srv, "--port-file", pf, (char *)NULL);
        fprintf(stderr, "exec %s failed\n", srv);
        _exit(127);
    }
    /* bounded wait for the port file (a server may build its fixtures first) */
    int p = ep_test_wait_port_file(pf, pid, 300);
    if (p > 0) {
        *port = p;
        return pid;
    }
    int st;
    if (waitpid(pid, &st, WNOHANG) == pid) {
        fprintf(stderr, "%s exited before listening\n", name);
        return -1;
    }
    fprintf(stderr, "%s did not write its port within 30 s\n", name);
    ep_test_stop_server(pid);
    return -1;
}

void ep_test_stop_server(pid_t pid)
{
    if (pid <= 0)
        return;
    kill(pid, SIGTERM);
    int st;
    for (int i = 0; i < 500; i++) {
        if (waitpid(pid, &st, WNOHANG) == pid)
            return;
        usleep(10000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
}

static size_t http_sink(char *p, size_t sz, size_t n, void *ud)
{
    return ep_buf_append(ud, p, sz * n) ? 0 : sz * n;
}

const char *ep_test_http(const char *method, const char *url, const char *json)
{
    static struct ep_buf b;
    if (!b.alloc)
        ep_buf_init(&b, 0);
    ep_buf_reset(&b);
    CURL *e = curl_easy_init();
    if (!e)
        fail_msg("curl_easy_init failed");
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
    if (json)
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, json);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, http_sink);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, 10L);
    CURLcode rc = curl_easy_perform(e);
    curl_easy_cleanup(e);
    if (rc != CURLE_OK)
        fail_msg("%s %s: %s", method, url, curl_easy_strerror(rc));
    if (ep_buf_putc(&b, 0))
        fail_msg("out of memory");
    return b.data;
}
