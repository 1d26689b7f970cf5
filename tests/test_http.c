/* The MCP Streamable HTTP transport, end to end: `epintel serve --http 127.0.0.1:0` runs as a
 * child process (stopped by pid with SIGTERM) and libcurl talks to it over loopback. */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ep_testutil.h"
#include "ep_util.h"

static pid_t srv_pid;
static int srv_port;
static char *tmpdir;

struct resp {
    long status;
    char ctype[128];
    char sid[80];
    char cenc[32];
    struct ep_buf body;
};

static int first_event_only; /* on_body: hang up after the first SSE event */

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    struct resp *r = ud;
    if (ep_buf_append(&r->body, p, sz * n))
        return 0;
    if (first_event_only && memmem(r->body.data, r->body.len, "\n\n", 2))
        return 0; /* the client loses the connection */
    return sz * n;
}

static void copy_header(const char *line, size_t n, const char *name, char *out, size_t cap)
{
    size_t k = strlen(name);
    if (n <= k || strncasecmp(line, name, k) != 0)
        return;
    const char *v = line + k;
    size_t m = n - k;
    while (m && (*v == ' '))
        v++, m--;
    while (m && (v[m - 1] == '\r' || v[m - 1] == '\n'))
        m--;
    if (m >= cap)
        m = cap - 1;
    memcpy(out, v, m);
    out[m] = 0;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
    struct resp *r = ud;
    copy_header(p, sz * n, "Content-Type:", r->ctype, sizeof r->ctype);
    copy_header(p, sz * n, "Mcp-Session-Id:", r->sid, sizeof r->sid);
    copy_header(p, sz * n, "Content-Encoding:", r->cenc, sizeof r->cenc);
    return sz * n;
}

/* One request. hdrs: NULL-terminated extra header lines. decode: let curl gunzip. */
static CURLcode req(const char *method, const char *path, const char *body, size_t blen,
                    const char *const *hdrs, struct resp *r, long timeout_ms, int decode)
{
    memset(r, 0, sizeof *r);
    ep_buf_init(&r->body, 0);
    CURL *c = curl_easy_init();
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", srv_port, path);
    struct curl_slist *h = NULL;
    for (int i = 0; hdrs && hdrs[i]; i++)
        h = curl_slist_append(h, hdrs[i]);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)blen);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms > 0 ? timeout_ms : 20000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (decode)
        curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return rc;
}

#define CT "Content-Type: application/json"
#define ACC "Accept: application/json, text/event-stream"

/* POST a JSON-RPC message on a session (sid may be NULL). */
static CURLcode post(const char *sid, const char *json, struct resp *r)
{
    char sh[128];
    snprintf(sh, sizeof sh, "Mcp-Session-Id: %s", sid ? sid : "");
    const char *h[] = {CT, ACC, sid ? sh : NULL, NULL};
    return req("POST", "/mcp", json, strlen(json), h, r, 0, 0);
}

static json_t *body_json(struct resp *r)
{
    return json_loadb(r->body.data ? r->body.data : "", r->body.len, 0, NULL);
}

static void init_session_ver(char sid[80], const char *caps, const char *version)
{
    struct resp r;
    char m[400];
    snprintf(m, sizeof m,
             "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
             "\"protocolVersion\":\"%s\",\"capabilities\":%s,\"clientInfo\":"
             "{\"name\":\"t\",\"version\":\"1\"}}}",
             version, caps);
    assert_int_equal(post(NULL, m, &r), CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_int_equal(strlen(r.sid), 32);
    assert_non_null(strstr(r.ctype, "application/json"));
    memcpy(sid, r.sid, 80);
    ep_buf_free(&r.body);
    assert_int_equal(
        post(sid, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", &r), CURLE_OK);
    assert_int_equal(r.status, 202);
    ep_buf_free(&r.body);
}

static void init_session_caps(char sid[80], const char *caps)
{
    init_session_ver(sid, caps, "2025-11-25");
}

static void init_session(char sid[80])
{
    init_session_caps(sid, "{}");
}

static void end_session(const char *sid)
{
    char sh[4096];
    snprintf(sh, sizeof sh, "Mcp-Session-Id: %s", sid);
    const char *h[] = {sh, NULL};
    struct resp r;
    assert_int_equal(req("DELETE", "/mcp", NULL, 0, h, &r, 0, 0), CURLE_OK);
    assert_int_equal(r.status, 200);
    ep_buf_free(&r.body);
}

/* ----------------------------------------------------------------- setup */

static int start_server(void **state)
{
    (void)state;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    tmpdir = ep_test_tmpdir();
    if (ep_test_system("'%s' --quiet --db '%s/store.db' info >/dev/null 2>&1", EP_TEST_BIN,
                       tmpdir) != 0)
        return -1;
    char db[512], pf[512];
    snprintf(db, sizeof db, "%s/store.db", tmpdir);
    snprintf(pf, sizeof pf, "%s/port", tmpdir);
    srv_pid = fork();
    if (srv_pid < 0)
        return -1;
    if (srv_pid == 0) {
        /* the EP API pass-through tools meet a closed port (test_metrics_breaker) */
        setenv("EP_API_URL", "http://127.0.0.1:9/", 1);
        execl(EP_TEST_BIN, "epintel", "--db", db, "serve", "--http", "127.0.0.1:0", "--port-file",
              pf, "--conformance-fixtures", "--max-body-bytes", "65536", "--max-sessions", "16",
              "--max-header-bytes", "16384", "--max-tool-calls", "1", "--io-timeout", "2",
              "--allow-origin", "http://app.example:8443", (char *)NULL);
        _exit(127);
    }
    srv_port = ep_test_wait_port_file(pf, srv_pid, 200); /* at most 20 s */
    return srv_port ? 0 : -1;
}

static int stop_server(void **state)
{
    (void)state;
    int st = -1;
    if (srv_pid > 0) {
        kill(srv_pid, SIGTERM);
        for (int i = 0; i < 150; i++) { /* at most 15 s */
            if (waitpid(srv_pid, &st, WNOHANG) == srv_pid)
                break;
            usleep(100000);
        }
        if (waitpid(srv_pid, &st, WNOHANG) == 0) {
            kill(srv_pid, SIGKILL);
            waitpid(srv_pid, &st, 0);
            fprintf(stderr, "server did not stop on SIGTERM\n");
            st = -1;
        }
    }
    ep_test_system("rm -rf '%s'", tmpdir);
    free(tmpdir);
    curl_global_cleanup();
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* ----------------------------------------------------------------- tests */

static void test_initialize_and_json(void **state)
{
    (void)state;
    char sid[80];
    init_session(sid);
    struct resp r;
    assert_int_equal(post(sid, "{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"ping\"}", &r),
                     CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.ctype, "application/json"));
    json_t *v = body_json(&r);
    assert_string_equal(json_string_value(json_object_get(v, "id")), "a");
    assert_true(json_is_object(json_object_get(v, "result")));
    json_decref(v);
    ep_buf_free(&r.body);
    end_session(sid);
}

static void test_session_errors(void **state)
{
    (void)state;
    struct resp r;
    assert_int_equal(post(NULL, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", &r),
                     CURLE_OK);
    assert_int_equal(r.status, 400);
    ep_buf_free(&r.body);
    assert_int_equal(post("00112233445566778899aabbccddeeff",
                          "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", &r),
                     CURLE_OK);
    assert_int_equal(r.status, 404);
    ep_buf_free(&r.body);
    /* an ended session is unknown */
    char sid[80];
    init_session(sid);
    end_session(sid);
    assert_int_equal(post(sid, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", &r), CURLE_OK);
    assert_int_equal(r.status, 404);
    ep_buf_free(&r.body);
}

static void test_protocol_version(void **state)
{
    (void)state;
    char sid[80], sh[128];
    init_session(sid);
    snprintf(sh, sizeof sh, "Mcp-Session-Id: %s", sid);
    const char *bad[] = {CT, ACC, sh, "MCP-Protocol-Version: 1999-01-01", NULL};
    const char *good[] = {CT, ACC, sh, "MCP-Protocol-Version: 2025-06-18", NULL};
    const char *m = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}";
    struct resp r;
    assert_int_equal(req("POST", "/mcp", m, strlen(m), bad, &r, 0, 0), CURLE_OK);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body.data, "MCP-Protocol-Version"));
    ep_buf_free(&r.body);
    assert_int_equal(req("POST", "/mcp", m, strlen(m), good, &r, 0, 0), CURLE_OK);
    assert_int_equal(r.status, 200);
    ep_buf_free(&r.body);
    end_session(sid);
}

static void test_origin_host(void **state)
{
    (void)state;
    const char *m = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
                    "\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{"
                    "\"name\":\"t\",\"version\":\"1\"}}}";
    char goodo[128];
    snprintf(goodo, sizeof goodo, "Origin: http://localhost:%d", srv_port);
    const char *evil_origin[] = {CT, ACC, "Origin: http://evil.example.com", NULL};
    const char *evil_host[] = {CT, ACC, "Host: evil.example.com", NULL};
    const char *ok_origin[] = {CT, ACC, goodo, NULL};
    const char *extra[] = {CT, ACC, "Origin: http://app.example:8443", NULL};
    struct resp r;
    assert_int_equal(req("POST", "/mcp", m, strlen(m), evil_origin, &r, 0, 0), CURLE_OK);
    assert_int_equal(r.status, 403);
    ep_buf_free(&r.body);
    assert_int_equal(req("POST", "/mcp", m, strlen(m), evil_host, &r, 0, 0), CURLE_OK);
    assert_int_equal(r.status, 403);
    ep_buf_free(&r.body);
    assert_int_equal(req("POST", "/mcp", m, strlen(m), ok_origin, &r, 0, 0), CURLE_OK);
    assert_int_equal(r.status, 200);
    char sid[80];
    memcpy(sid, r.sid, sizeof sid);
    ep_buf_free(&r.body);
    end_session(sid);
    assert_int_equal(req("POST", "/mcp", m, strlen(m), extra, &r, 0, 0), CURLE_OK);
    assert_int_equal(r.status, 200);
    memcpy(sid, r.sid, sizeof sid);
    ep_buf_free(&r.body);
    end_session(sid);
}

static void test_body_limit(void **state)
{
    (void)state;
    char sid[80];
    init_session(sid);
    size_t n = 200000;
    char *big = malloc(n + 100);
    assert_non_null(big);
    int k = snprintf(big, n + 100, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"ping\",\"x\":\"");
    memset(big + k, 'a', n);
    strcpy(big + k + n, "\"}");
    struct resp r;
    char sh[128];
    snprintf(sh, sizeof sh, "Mcp-Session-Id: %s", sid);
    /* a well-behaved client asks first (Expect: 100-continue) and gets 413 before sending */
    const char *h[] = {CT, ACC, sh, "Expect: 100-continue", NULL};
    assert_int_equal(req("POST", "/mcp", big, strlen(big), h, &r, 0, 0), CURLE_OK);
    assert_int_equal(r.status, 413);
    json_t *v = body_json(&r);
    assert_non_null(json_object_get(v, "error"));
    json_decref(v);
    ep_buf_free(&r.body);
    free(big);
    /* the session still works */
    assert_int_equal(post(sid, "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"ping\"}", &r), CURLE_OK);
    assert_int_equal(r.status, 200);
    ep_buf_free(&r.body);
    end_session(sid);
}

static void test_header_limit(void **state)
{
    (void)state;
    size_t n = 40000;
    char *h = malloc(n + 32);
    assert_non_null(h);
    strcpy(h, "X-Big: ");
    memset(h + 7, 'b', n);
    h[7 + n] = 0;
    const char *hdrs[] = {CT, ACC, h, NULL};
    const char *m = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}";
    struct resp r;
    CURLcode rc = req("POST", "/mcp", m, strlen(m), hdrs, &r, 0, 0);
    /* 431 with the JSON-RPC body naming the limit (the server runs with 16384; a block over
     * 4 x the limit would get libmicrohttpd's own HTML 431) */
    assert_int_equal(rc, CURLE_OK);
    assert_int_equal(r.status, 431);
    if (!strstr(r.body.data, "exceed the limit of 16384 bytes (--max-header-bytes)"))
        fail_msg("431 body: %s", r.body.data);
    ep_buf_free(&r.body);
    free(h);
}

static void test_sse_and_progress(void **state)
{
    (void)state;
    char sid[80];
    init_session(sid);
    struct resp r;
    const char *call =
        "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":"
        "\"test_tool_with_progress\",\"arguments\":{},\"_meta\":{"
        "\"progressToken\":\"tok\"}}}";
    assert_int_equal(post(sid, call, &r), CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.ctype, "text/event-stream"));
    assert_int_equal(ep_buf_putc(&r.body, 0), 0);
    int events = 0;
    for (const char *p = r.body.data; (p = strstr(p, "event: message\ndata: ")); p++)
        events++;
    assert_int_equal(events, 4); /* 3 progress + the result, after the priming event */
    assert_non_null(strstr(r.body.data, "notifications/progress"));
    assert_non_null(strstr(r.body.data, "\"id\":3,\"result\""));
    ep_buf_free(&r.body);
    /* without a progress token: plain JSON */
    const char *plain = "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{"
                        "\"name\":\"test_tool_with_progress\",\"arguments\":{}}}";
    assert_int_equal(post(sid, plain, &r), CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.ctype, "application/json"));
    ep_buf_free(&r.body);
    /* a client that accepts only JSON gets JSON even when notifications were sent */
    char sh[128];
    snprintf(sh, sizeof sh, "Mcp-Session-Id: %s", sid);
    const char *jonly[] = {CT, "Accept: application/json", sh, NULL};
    assert_int_equal(req("POST", "/mcp", call, strlen(call), jonly, &r, 0, 0), CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.ctype, "application/json"));
    json_t *v = body_json(&r);
    assert_int_equal(json_integer_value(json_object_get(v, "id")), 3);
    json_decref(v);
    ep_buf_free(&r.body);
    end_session(sid);
}

/* The "id:" values of the SSE events in r, in order (at most max). */
static int event_ids(struct resp *r, char ids[][32], int max)
{
    int n = 0;
    assert_int_equal(ep_buf_putc(&r->body, 0), 0);
    r->body.len--;
    for (const char *p = r->body.data; (p = strstr(p, "id: ")) != NULL && n < max; p += 4) {
        if (p != r->body.data && p[-1] != '\n')
            continue;
        size_t k = strcspn(p + 4, "\n");
        assert_true(k < 32);
        memcpy(ids[n], p + 4, k);
        ids[n++][k] = 0;
    }
    return n;
}

/* GET with Last-Event-ID (timeout_ms 0: until the stream ends). */
static CURLcode resume(const char *sid, const char *last_id, struct resp *r, long timeout_ms)
{
    char sh[128], lh[128];
    snprintf(sh, sizeof sh, "Mcp-Session-Id: %s", sid);
    snprintf(lh, sizeof lh, "Last-Event-ID: %s", last_id);
    const char *h[] = {"Accept: text/event-stream", sh, lh, NULL};
    return req("GET", "/mcp", NULL, 0, h, r, timeout_ms, 0);
}

/* POST call, hanging up after the first SSE event of the reply; its id into first_id. */
static void post_first_event(const char *sid, const char *call, struct resp *r, char first_id[32])
{
    char ids[2][32];
    first_event_only = 1;
    assert_int_equal(post(sid, call, r), CURLE_WRITE_ERROR);
    first_event_only = 0;
    assert_int_equal(r->status, 200);
    assert_int_equal(event_ids(r, ids, 2), 1);
    memcpy(first_id, ids[0], 32);
}

struct resume_job {
    const char *sid, *last_id;
    struct resp r;
    CURLcode rc;
};

static void *resume_thread(void *arg)
{
    struct resume_job *j = arg;
    j->rc = resume(j->sid, j->last_id, &j->r, 0);
    return NULL;
}

/* Resumability: a streamed POST reply whose connection is lost after its first event is
 * replayed by GET with Last-Event-ID from the next event on (events already finished come from
 * the replay log, later ones live), ending with the response; ids go on without a gap or a
 * repeat. Bad, unknown or future ids are refused with a clear error. */
static void test_sse_resume(void **state)
{
    (void)state;
    char sid[80];
    init_session_ver(sid, "{\"sampling\":{}}", "2025-06-18"); /* no priming events */
    struct resp r;
    char ids[8][32];

    /* 1. progress 0, 50, 100 then the result; the client hangs up after the first event */
    const char *call =
        "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":"
        "\"test_tool_with_progress\",\"arguments\":{},\"_meta\":{\"progressToken\":\"t\"}}}";
    char first[32];
    post_first_event(sid, call, &r, first);
    char *dash = strchr(first, '-');
    assert_non_null(dash);
    assert_string_equal(dash, "-1");
    ep_buf_free(&r.body);
    assert_int_equal(resume(sid, first, &r, 0), CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.ctype, "text/event-stream"));
    assert_int_equal(event_ids(&r, ids, 8), 3); /* 50, 100, the result */
    for (int i = 0; i < 3; i++) {
        char want[32];
        snprintf(want, sizeof want, "%.*s-%d", (int)(dash - first), first, i + 2);
        assert_string_equal(ids[i], want);
    }
    assert_null(strstr(r.body.data, "\"progress\":0,"));
    assert_non_null(strstr(r.body.data, "\"progress\":50"));
    assert_non_null(strstr(r.body.data, "\"id\":3,\"result\""));
    ep_buf_free(&r.body);
    /* the same resume again: the log still has them */
    assert_int_equal(resume(sid, first, &r, 0), CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_int_equal(event_ids(&r, ids, 8), 3);
    ep_buf_free(&r.body);

    /* 2. a tool waiting for the client (sampling): the reply goes on live on the resumed GET */
    const char *samp =
        "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":"
        "\"test_sampling\",\"arguments\":{\"prompt\":\"hi\"}}}";
    post_first_event(sid, samp, &r, ids[0]);
    json_t *sreq = json_loads(strstr(r.body.data, "data: ") + 6, JSON_DISABLE_EOF_CHECK, NULL);
    assert_string_equal(json_string_value(json_object_get(sreq, "method")),
                        "sampling/createMessage");
    struct resume_job job = {.sid = sid, .last_id = ids[0]};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, resume_thread, &job), 0);
    char answer[512];
    snprintf(answer, sizeof answer,
             "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":{\"role\":\"assistant\",\"content\":"
             "{\"type\":\"text\",\"text\":\"ok\"},\"model\":\"m\",\"stopReason\":\"endTurn\"}}",
             (long long)json_integer_value(json_object_get(sreq, "id")));
    json_decref(sreq);
    ep_buf_free(&r.body);
    assert_int_equal(post(sid, answer, &r), CURLE_OK);
    assert_int_equal(r.status, 202);
    ep_buf_free(&r.body);
    pthread_join(th, NULL);
    assert_int_equal(job.rc, CURLE_OK);
    assert_int_equal(job.r.status, 200);
    char want[40];
    snprintf(want, sizeof want, "%.*s-2", (int)(strchr(ids[0], '-') - ids[0]), ids[0]);
    assert_int_equal(event_ids(&job.r, ids, 8), 1);
    assert_string_equal(ids[0], want);
    assert_non_null(strstr(job.r.body.data, "\"id\":4,\"result\""));
    ep_buf_free(&job.r.body);

    /* 3. refusals */
    const char *bad[] = {"x", "3", "-1-2", "1-", "1-x", "1-2-3"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(resume(sid, bad[i], &r, 0), CURLE_OK);
        assert_int_equal(r.status, 400);
        assert_non_null(strstr(r.body.data, "Last-Event-ID"));
        ep_buf_free(&r.body);
    }
    assert_int_equal(resume(sid, "99-1", &r, 0), CURLE_OK); /* no such stream */
    assert_int_equal(r.status, 404);
    assert_non_null(strstr(r.body.data, "stream 99"));
    ep_buf_free(&r.body);
    char future[40];
    snprintf(future, sizeof future, "%.*s-9", (int)(dash - first), first);
    assert_int_equal(resume(sid, future, &r, 0), CURLE_OK); /* never sent */
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body.data, "has sent only 4 events"));
    ep_buf_free(&r.body);
    /* the GET stream (0) resumes too; it stays open */
    assert_int_equal(resume(sid, "0-0", &r, 500), CURLE_OPERATION_TIMEDOUT);
    assert_int_equal(r.status, 200);
    ep_buf_free(&r.body);
    end_session(sid);
}

/* Under 2025-11-25 every SSE stream starts with a priming event (an id and an empty data
 * field): "K-0" for a streamed POST reply, resumable from there (all its events replayed); the
 * GET stream's names the last event sent on it; a resumed stream's repeats the
 * Last-Event-ID. Under 2025-06-18 there is none. */
static void test_sse_priming(void **state)
{
    (void)state;
    const char *call =
        "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":"
        "\"test_tool_with_progress\",\"arguments\":{},\"_meta\":{\"progressToken\":\"t\"}}}";
    char sid[80], ids[8][32];
    struct resp r;
    init_session(sid);
    assert_int_equal(post(sid, call, &r), CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_int_equal(event_ids(&r, ids, 8), 5);
    char *dash = strchr(ids[0], '-');
    assert_non_null(dash);
    assert_string_equal(dash, "-0");
    char prime[64];
    snprintf(prime, sizeof prime, "id: %s\ndata: \n\n", ids[0]);
    assert_int_equal(strncmp(r.body.data, prime, strlen(prime)), 0); /* the first event */
    for (int i = 1; i < 5; i++) {
        char want[40];
        snprintf(want, sizeof want, "%.*s-%d", (int)(dash - ids[0]), ids[0], i);
        assert_string_equal(ids[i], want);
    }
    ep_buf_free(&r.body);
    /* a client that lost the stream right after the priming event resumes from it */
    char first[32];
    memcpy(first, ids[0], sizeof first);
    assert_int_equal(resume(sid, first, &r, 0), CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_int_equal(event_ids(&r, ids, 8), 5); /* its priming event, then all 4 */
    assert_string_equal(ids[0], first);
    assert_int_equal(strncmp(r.body.data, prime, strlen(prime)), 0);
    assert_non_null(strstr(r.body.data, "\"progress\":0,"));
    assert_non_null(strstr(r.body.data, "\"id\":3,\"result\""));
    ep_buf_free(&r.body);
    /* the GET stream: primed with the last event id it has sent (none yet) */
    char sh[128];
    snprintf(sh, sizeof sh, "Mcp-Session-Id: %s", sid);
    const char *gh[] = {"Accept: text/event-stream", sh, NULL};
    assert_int_equal(req("GET", "/mcp", NULL, 0, gh, &r, 500, 0), CURLE_OPERATION_TIMEDOUT);
    assert_int_equal(r.status, 200);
    assert_int_equal(event_ids(&r, ids, 8), 1);
    assert_string_equal(ids[0], "0-0");
    assert_int_equal(strcmp(r.body.data, "id: 0-0\ndata: \n\n"), 0);
    ep_buf_free(&r.body);
    end_session(sid);
    /* 2025-06-18: the stream starts with the first message */
    init_session_ver(sid, "{}", "2025-06-18");
    assert_int_equal(post(sid, call, &r), CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_int_equal(event_ids(&r, ids, 8), 4);
    assert_string_equal(strchr(ids[0], '-'), "-1");
    assert_null(strstr(r.body.data, "data: \n"));
    ep_buf_free(&r.body);
    end_session(sid);
}

/* The bytes of the JSON messages of the SSE events in r. */
static size_t data_bytes(struct resp *r)
{
    size_t n = 0;
    assert_int_equal(ep_buf_putc(&r->body, 0), 0);
    r->body.len--;
    for (const char *p = r->body.data; (p = strstr(p, "\ndata: ")) != NULL; p += 7)
        n += strcspn(p + 7, "\n");
    return n;
}

/* POST call on sid as an SSE stream; its stream number into *k. */
static void post_stream(const char *sid, const char *call, int *k)
{
    struct resp r;
    char ids[8][32];
    assert_int_equal(post(sid, call, &r), CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_int_equal(event_ids(&r, ids, 8), 4);
    *k = atoi(ids[0]);
    ep_buf_free(&r.body);
}

/* --max-replay-bytes bounds the SSE replay data over all streams and sessions: with room for
 * one stream's events, a second session's two streams push the first session's events out
 * (oldest first); resuming them is refused with 410 and a body naming the bound and what to
 * do, while the newest stream still resumes. A server of its own, with a bound of 1.5 times
 * the bytes of one stream (measured on the shared server). */
static void test_replay_bound(void **state)
{
    (void)state;
    const char *call =
        "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":"
        "\"test_tool_with_progress\",\"arguments\":{},\"_meta\":{\"progressToken\":\"t\"}}}";
    char sid[80], sid2[80], ids[8][32], arg[32], pf[600], db[600], lid[40];
    struct resp r;
    init_session_ver(sid, "{}", "2025-06-18");
    assert_int_equal(post(sid, call, &r), CURLE_OK);
    size_t one = data_bytes(&r);
    assert_true(one > 100);
    ep_buf_free(&r.body);
    end_session(sid);
    size_t bound = one + one / 2;

    snprintf(arg, sizeof arg, "%zu", bound);
    snprintf(pf, sizeof pf, "%s/port.replay", tmpdir);
    snprintf(db, sizeof db, "%s/store.db", tmpdir);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        execl(EP_TEST_BIN, "epintel", "--db", db, "serve", "--http", "127.0.0.1:0", "--port-file",
              pf, "--conformance-fixtures", "--max-replay-bytes", arg, (char *)NULL);
        _exit(127);
    }
    int shared_port = srv_port;
    srv_port = ep_test_wait_port_file(pf, pid, 200); /* at most 20 s */
    assert_true(srv_port > 0);

    int ka, kb1, kb2;
    init_session_ver(sid, "{}", "2025-06-18");
    post_stream(sid, call, &ka);
    snprintf(lid, sizeof lid, "%d-0", ka); /* all of it is kept */
    assert_int_equal(resume(sid, lid, &r, 0), CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_int_equal(event_ids(&r, ids, 8), 4);
    ep_buf_free(&r.body);
    init_session_ver(sid2, "{}", "2025-06-18");
    post_stream(sid2, call, &kb1);
    post_stream(sid2, call, &kb2);
    /* the first session's events went first */
    snprintf(lid, sizeof lid, "%d-1", ka);
    assert_int_equal(resume(sid, lid, &r, 0), CURLE_OK);
    assert_int_equal(r.status, 410);
    json_t *v = body_json(&r);
    json_t *e = json_object_get(v, "error");
    assert_non_null(strstr(json_string_value(json_object_get(e, "message")), "--max-replay-bytes"));
    assert_non_null(strstr(json_string_value(json_object_get(e, "message")), "Re-send"));
    json_t *d = json_object_get(e, "data");
    assert_string_equal(json_string_value(json_object_get(d, "reason")), "max_replay_bytes");
    assert_int_equal(json_integer_value(json_object_get(d, "stream")), ka);
    assert_int_equal(json_integer_value(json_object_get(d, "first_missing")), 2);
    assert_int_equal(json_integer_value(json_object_get(d, "max_replay_bytes")), (json_int_t)bound);
    json_decref(v);
    ep_buf_free(&r.body);
    /* the newest stream's last event is still there */
    snprintf(lid, sizeof lid, "%d-3", kb2);
    assert_int_equal(resume(sid2, lid, &r, 0), CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_int_equal(event_ids(&r, ids, 8), 1);
    assert_non_null(strstr(r.body.data, "\"id\":3,\"result\""));
    ep_buf_free(&r.body);
    assert_int_equal(req("GET", "/metrics", NULL, 0, NULL, &r, 0, 0), CURLE_OK);
    assert_int_equal(ep_buf_putc(&r.body, 0), 0);
    const char *m = strstr(r.body.data, "\nepintel_sse_replay_evicted_total ");
    assert_non_null(m);
    assert_true(strtoul(m + 34, NULL, 10) >= 4);
    m = strstr(r.body.data, "\nepintel_sse_replay_bytes ");
    assert_non_null(m);
    assert_true(strtoul(m + 26, NULL, 10) <= bound);
    ep_buf_free(&r.body);
    end_session(sid);
    end_session(sid2);
    srv_port = shared_port;
    kill(pid, SIGTERM);
    int st = -1;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void test_notifications_202(void **state)
{
    (void)state;
    char sid[80];
    init_session(sid);
    struct resp r;
    assert_int_equal(post(sid,
                          "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":"
                          "{\"requestId\":99}}",
                          &r),
                     CURLE_OK);
    assert_int_equal(r.status, 202);
    ep_buf_free(&r.body);
    /* a response to a request the server never sent */
    assert_int_equal(post(sid, "{\"jsonrpc\":\"2.0\",\"id\":12345,\"result\":{}}", &r), CURLE_OK);
    assert_int_equal(r.status, 202);
    ep_buf_free(&r.body);
    end_session(sid);
}

static void test_gzip(void **state)
{
    (void)state;
    char sid[80], sh[128];
    init_session(sid);
    snprintf(sh, sizeof sh, "Mcp-Session-Id: %s", sid);
    const char *h[] = {CT, ACC, sh, NULL};
    const char *m = "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/list\"}";
    struct resp r;
    assert_int_equal(req("POST", "/mcp", m, strlen(m), h, &r, 0, 1), CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.cenc, "gzip");
    json_t *v = body_json(&r);
    assert_true(json_array_size(json_object_get(json_object_get(v, "result"), "tools")) > 10);
    json_decref(v);
    ep_buf_free(&r.body);
    /* small bodies stay plain */
    const char *p = "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"ping\"}";
    assert_int_equal(req("POST", "/mcp", p, strlen(p), h, &r, 0, 1), CURLE_OK);
    assert_string_equal(r.cenc, "");
    ep_buf_free(&r.body);
    end_session(sid);
}

static void test_health_metrics(void **state)
{
    (void)state;
    struct resp r;
    assert_int_equal(req("GET", "/healthz", NULL, 0, NULL, &r, 0, 0), CURLE_OK);
    assert_int_equal(r.status, 200);
    json_t *v = body_json(&r);
    assert_true(json_is_true(json_object_get(v, "ready")));
    assert_int_equal(strlen(json_string_value(json_object_get(v, "data_date"))), 10);
    assert_true(json_is_integer(json_object_get(v, "data_age_days")));
    json_decref(v);
    ep_buf_free(&r.body);
    assert_int_equal(req("GET", "/metrics", NULL, 0, NULL, &r, 0, 0), CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.ctype, "text/plain"));
    assert_non_null(strstr(r.body.data, "epintel_http_requests_total{method=\"POST\""));
    assert_non_null(strstr(r.body.data, "epintel_sessions "));
    assert_non_null(strstr(r.body.data, "epintel_http_rejections_total{reason=\"host_origin\"}"));
    ep_buf_free(&r.body);
    /* after a tool call its latency histogram appears */
    char sid[80];
    init_session(sid);
    assert_int_equal(post(sid,
                          "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{"
                          "\"name\":\"test_simple_text\"}}",
                          &r),
                     CURLE_OK);
    ep_buf_free(&r.body);
    end_session(sid);
    assert_int_equal(req("GET", "/metrics", NULL, 0, NULL, &r, 0, 0), CURLE_OK);
    assert_non_null(
        strstr(r.body.data, "epintel_tool_call_seconds_count{tool=\"test_simple_text\"}"));
    ep_buf_free(&r.body);
}

/* /metrics shows the circuit breaker of each EP API endpoint the server used, and its request
 * and failure counters: two calls against an unreachable upstream (4 attempts each, the
 * breaker opens at 5 consecutive failures) leave the endpoint's breaker open (1). */
static void test_metrics_breaker(void **state)
{
    (void)state;
    char sid[80];
    init_session(sid);
    struct resp r;
    for (int i = 0; i < 2; i++) {
        char call[256];
        snprintf(call, sizeof call,
                 "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\",\"params\":{"
                 "\"name\":\"get_corporate_bodies\",\"arguments\":{\"offset\":%d}}}",
                 i + 1, i);
        assert_int_equal(post(sid, call, &r), CURLE_OK);
        assert_int_equal(r.status, 200);
        assert_non_null(strstr(r.body.data, "\"isError\":true"));
        ep_buf_free(&r.body);
    }
    end_session(sid);
    assert_int_equal(req("GET", "/metrics", NULL, 0, NULL, &r, 0, 0), CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_int_equal(ep_buf_putc(&r.body, 0), 0);
    const char *m = r.body.data;
    assert_non_null(strstr(m, "# TYPE epintel_breaker_state gauge\n"));
    assert_non_null(strstr(m, "\nepintel_breaker_state{endpoint=\"corporate-bodies\"} 1\n"));
    const char *f = strstr(m, "\nepintel_upstream_failures_total{endpoint=\"corporate-bodies\"} ");
    assert_non_null(f);
    assert_true(strtol(strchr(f, '}') + 2, NULL, 10) >= 5);
    assert_non_null(strstr(m, "\nepintel_upstream_requests_total{endpoint=\"corporate-bodies\"} "));
    ep_buf_free(&r.body);
}

static unsigned long cache_hits(void)
{
    struct resp r;
    assert_int_equal(req("GET", "/metrics", NULL, 0, NULL, &r, 0, 0), CURLE_OK);
    const char *p = strstr(r.body.data, "\nepintel_tool_cache_hits_total ");
    assert_non_null(p);
    unsigned long n = strtoul(p + 31, NULL, 10);
    ep_buf_free(&r.body);
    return n;
}

/* A cached tools/call is answered with exactly the bytes of the computed answer (the stored
 * CallToolResult), counted as a cache hit in /metrics; other arguments are not. */
static void test_cached_call(void **state)
{
    (void)state;
    char sid[80];
    init_session(sid);
    static const char call[] = "{\"jsonrpc\":\"2.0\",\"id\":\"m\",\"method\":\"tools/call\","
                               "\"params\":{\"name\":\"get_meps\",\"arguments\":{\"limit\":3,"
                               "\"country\":\"LUX\"}}}";
    static const char reordered[] = "{\"jsonrpc\":\"2.0\",\"id\":\"m\",\"method\":\"tools/call\","
                                    "\"params\":{\"name\":\"get_meps\",\"arguments\":{"
                                    "\"country\":\"LUX\",\"limit\":3}}}";
    struct resp a, b;
    assert_int_equal(post(sid, call, &a), CURLE_OK);
    assert_int_equal(a.status, 200);
    assert_non_null(strstr(a.body.data, "\"structuredContent\":{\"meps\":["));
    unsigned long h0 = cache_hits();
    assert_int_equal(post(sid, reordered, &b), CURLE_OK); /* same canonical arguments */
    assert_int_equal(b.status, 200);
    assert_int_equal(b.body.len, a.body.len);
    assert_memory_equal(b.body.data, a.body.data, a.body.len);
    assert_int_equal(cache_hits(), h0 + 1);
    ep_buf_free(&b.body);
    /* other arguments: computed, not a hit */
    assert_int_equal(post(sid,
                          "{\"jsonrpc\":\"2.0\",\"id\":\"m\",\"method\":\"tools/call\","
                          "\"params\":{\"name\":\"get_meps\",\"arguments\":{\"limit\":2,"
                          "\"country\":\"LUX\"}}}",
                          &b),
                     CURLE_OK);
    assert_int_equal(b.status, 200);
    assert_int_equal(cache_hits(), h0 + 1);
    ep_buf_free(&b.body);
    ep_buf_free(&a.body);
    end_session(sid);
}

static void test_bad_json(void **state)
{
    (void)state;
    char sid[80];
    init_session(sid);
    struct resp r;
    assert_int_equal(post(sid, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"p\xff\xfe\"}", &r),
                     CURLE_OK);
    assert_int_equal(r.status, 400);
    json_t *v = body_json(&r);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(v, "error"), "code")),
                     -32700);
    json_decref(v);
    ep_buf_free(&r.body);
    /* depth bomb: 30,000 nested arrays (within the 64 KiB body limit) */
    size_t d = 30000;
    char *bomb = malloc(2 * d + 1);
    assert_non_null(bomb);
    memset(bomb, '[', d);
    memset(bomb + d, ']', d);
    bomb[2 * d] = 0;
    assert_int_equal(post(sid, bomb, &r), CURLE_OK);
    assert_true(r.status == 400 || r.status == 200);
    v = body_json(&r);
    assert_non_null(json_object_get(v, "error"));
    json_decref(v);
    ep_buf_free(&r.body);
    free(bomb);
    assert_int_equal(post(sid, "{not json", &r), CURLE_OK);
    assert_int_equal(r.status, 400);
    ep_buf_free(&r.body);
    /* still alive */
    assert_int_equal(post(sid, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"ping\"}", &r), CURLE_OK);
    assert_int_equal(r.status, 200);
    ep_buf_free(&r.body);
    end_session(sid);
}

static void test_get_stream_and_methods(void **state)
{
    (void)state;
    char sid[80], sh[128];
    init_session(sid);
    snprintf(sh, sizeof sh, "Mcp-Session-Id: %s", sid);
    const char *h[] = {"Accept: text/event-stream", sh, NULL};
    struct resp r;
    /* the stream stays open: stop reading after 700 ms */
    CURLcode rc = req("GET", "/mcp", NULL, 0, h, &r, 700, 0);
    assert_int_equal(rc, CURLE_OPERATION_TIMEDOUT);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.ctype, "text/event-stream"));
    ep_buf_free(&r.body);
    const char *noacc[] = {"Accept: application/json", sh, NULL};
    assert_int_equal(req("GET", "/mcp", NULL, 0, noacc, &r, 0, 0), CURLE_OK);
    assert_int_equal(r.status, 406);
    ep_buf_free(&r.body);
    assert_int_equal(req("PUT", "/mcp", "{}", 2, NULL, &r, 0, 0), CURLE_OK);
    assert_int_equal(r.status, 405);
    ep_buf_free(&r.body);
    assert_int_equal(req("GET", "/nope", NULL, 0, NULL, &r, 0, 0), CURLE_OK);
    assert_int_equal(r.status, 404);
    ep_buf_free(&r.body);
    const char *del[] = {NULL};
    assert_int_equal(req("DELETE", "/mcp", NULL, 0, del, &r, 0, 0), CURLE_OK);
    assert_int_equal(r.status, 400);
    ep_buf_free(&r.body);
    end_session(sid);
}

static void test_max_sessions(void **state)
{
    (void)state;
    char sids[40][80];
    int n = 0, full = 0;
    const char *m = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
                    "\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{"
                    "\"name\":\"t\",\"version\":\"1\"}}}";
    while (n < 40 && !full) {
        struct resp r;
        assert_int_equal(post(NULL, m, &r), CURLE_OK);
        if (r.status == 503)
            full = 1;
        else {
            assert_int_equal(r.status, 200);
            memcpy(sids[n++], r.sid, 80);
        }
        ep_buf_free(&r.body);
    }
    assert_true(full);
    assert_true(n <= 16);
    for (int i = 0; i < n; i++)
        end_session(sids[i]);
    /* room again */
    char sid[80];
    init_session(sid);
    end_session(sid);
}

/* ------------------------------------------- server -> client requests over stdio */

struct child {
    pid_t pid;
    FILE *in, *out; /* to the child, from the child */
};

static void spawn_stdio(struct child *c)
{
    int a[2], b[2];
    assert_int_equal(pipe(a), 0);
    assert_int_equal(pipe(b), 0);
    char db[512];
    snprintf(db, sizeof db, "%s/store.db", tmpdir);
    c->pid = fork();
    assert_true(c->pid >= 0);
    if (c->pid == 0) {
        dup2(a[0], 0);
        dup2(b[1], 1);
        close(a[1]);
        close(b[0]);
        execl(EP_TEST_BIN, "epintel", "--db", db, "serve", "--conformance-fixtures", (char *)NULL);
        _exit(127);
    }
    close(a[0]);
    close(b[1]);
    c->in = fdopen(a[1], "w");
    c->out = fdopen(b[0], "r");
}

static void send_line(struct child *c, const char *json)
{
    fputs(json, c->in);
    fputc('\n', c->in);
    fflush(c->in);
}

/* Next message from the child (bounded by the child's own timeouts and the test's 600 s). */
static json_t *read_msg(struct child *c)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, c->out);
    json_t *v = n > 0 ? json_loads(line, 0, NULL) : NULL;
    free(line);
    return v;
}

static int finish_stdio(struct child *c)
{
    fclose(c->in);
    int st = -1;
    waitpid(c->pid, &st, 0);
    fclose(c->out);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_stdio_sampling(void **state)
{
    (void)state;
    struct child c;
    spawn_stdio(&c);
    send_line(&c, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
                  "\"protocolVersion\":\"2025-11-25\",\"capabilities\":{\"sampling\":{},"
                  "\"elicitation\":{}},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}");
    json_t *v = read_msg(&c);
    assert_non_null(json_object_get(v, "result"));
    json_decref(v);
    send_line(&c, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
    send_line(&c, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{"
                  "\"name\":\"test_sampling\",\"arguments\":{\"prompt\":\"hello\"}}}");
    v = read_msg(&c);
    assert_string_equal(json_string_value(json_object_get(v, "method")), "sampling/createMessage");
    json_int_t rid = json_integer_value(json_object_get(v, "id"));
    json_decref(v);
    char resp[300];
    snprintf(resp, sizeof resp,
             "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":{\"role\":\"assistant\",\"content\":"
             "{\"type\":\"text\",\"text\":\"hi there\"},\"model\":\"m\"}}",
             (long long)rid);
    send_line(&c, resp);
    v = read_msg(&c);
    assert_int_equal(json_integer_value(json_object_get(v, "id")), 2);
    json_t *content = json_object_get(json_object_get(v, "result"), "content");
    assert_string_equal(json_string_value(json_object_get(json_array_get(content, 0), "text")),
                        "LLM response: hi there");
    json_decref(v);
    /* elicitation, then the client cancels the call: the server cancels its request and
     * sends no response for the call */
    send_line(&c, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{"
                  "\"name\":\"test_elicitation\",\"arguments\":{\"message\":\"m\"}}}");
    v = read_msg(&c);
    assert_string_equal(json_string_value(json_object_get(v, "method")), "elicitation/create");
    rid = json_integer_value(json_object_get(v, "id"));
    json_decref(v);
    send_line(&c, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{"
                  "\"requestId\":3}}");
    v = read_msg(&c);
    assert_string_equal(json_string_value(json_object_get(v, "method")), "notifications/cancelled");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(v, "params"), "requestId")),
                     rid);
    json_decref(v);
    send_line(&c, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"ping\"}");
    v = read_msg(&c);
    assert_int_equal(json_integer_value(json_object_get(v, "id")), 4); /* nothing for id 3 */
    json_decref(v);
    /* a client without the capability gets isError */
    assert_int_equal(finish_stdio(&c), 0);
    spawn_stdio(&c);
    send_line(&c, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
                  "\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{"
                  "\"name\":\"t\",\"version\":\"1\"}}}");
    json_decref(read_msg(&c));
    send_line(&c, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{"
                  "\"name\":\"test_sampling\",\"arguments\":{\"prompt\":\"x\"}}}");
    v = read_msg(&c);
    assert_true(json_is_true(json_object_get(json_object_get(v, "result"), "isError")));
    json_decref(v);
    assert_int_equal(finish_stdio(&c), 0);
}

/* --max-tool-calls 1: a call waiting for the client's elicitation answer holds the only
 * slot; a second call gets 429 until the session ends (which cancels the first). */
static void test_tool_call_limit(void **state)
{
    (void)state;
    char sid[80];
    init_session_caps(sid, "{\"elicitation\":{}}");
    char sh[128];
    snprintf(sh, sizeof sh, "Mcp-Session-Id: %s", sid);
    const char *h[] = {CT, ACC, sh, NULL};
    const char *slow = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{"
                       "\"name\":\"test_elicitation\",\"arguments\":{\"message\":\"m\"}}}";
    struct resp r;
    /* the SSE stream carries the elicitation request; stop reading after 500 ms */
    assert_int_equal(req("POST", "/mcp", slow, strlen(slow), h, &r, 500, 0),
                     CURLE_OPERATION_TIMEDOUT);
    assert_non_null(strstr(r.ctype, "text/event-stream"));
    assert_non_null(strstr(r.body.data, "elicitation/create"));
    ep_buf_free(&r.body);
    char sid2[80];
    init_session(sid2);
    const char *fast = "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{"
                       "\"name\":\"test_simple_text\"}}";
    assert_int_equal(post(sid2, fast, &r), CURLE_OK);
    assert_int_equal(r.status, 429);
    assert_non_null(strstr(r.body.data, "concurrent tool calls"));
    ep_buf_free(&r.body);
    end_session(sid); /* cancels the waiting call */
    int ok = 0;
    for (int i = 0; i < 50 && !ok; i++) { /* at most 5 s */
        assert_int_equal(post(sid2, fast, &r), CURLE_OK);
        ok = r.status == 200;
        ep_buf_free(&r.body);
        if (!ok)
            usleep(100000);
    }
    assert_true(ok);
    end_session(sid2);
}

/* A client that sends its next call as soon as it has the reply of the last one is never
 * refused by the concurrent-call limit (--max-tool-calls 1): the slot of a call is free before
 * its reply is sent, as JSON or as an SSE stream with progress. */
static void test_back_to_back_calls(void **state)
{
    (void)state;
    char sid[80];
    init_session(sid);
    const char *calls[] = {"{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{"
                           "\"name\":\"test_simple_text\"}}",
                           "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tools/call\",\"params\":{"
                           "\"name\":\"test_tool_with_progress\",\"arguments\":{},\"_meta\":{"
                           "\"progressToken\":\"t\"}}}"};
    int refused = 0, done = 0;
    for (int i = 0; i < 400; i++) { /* every 40th with progress (each takes ~150 ms) */
        struct resp r;
        assert_int_equal(post(sid, calls[i % 40 == 0], &r), CURLE_OK);
        refused += r.status == 429;
        done += r.status == 200;
        ep_buf_free(&r.body);
    }
    assert_int_equal(refused, 0);
    assert_int_equal(done, 400);
    end_session(sid);
}

/* A client that sends headers and part of the body, then stalls, is disconnected after the
 * idle timeout (--io-timeout 2). */
static void test_slow_client(void **state)
{
    (void)state;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)srv_port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    char m[256];
    int n = snprintf(m, sizeof m,
                     "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: "
                     "application/json\r\nContent-Length: 100\r\n\r\n{\"jsonrpc\"",
                     srv_port);
    assert_int_equal(write(fd, m, (size_t)n), n);
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    double t0 = (double)time(NULL);
    char buf[512];
    ssize_t k;
    while ((k = read(fd, buf, sizeof buf)) > 0) {
    }
    double waited = (double)time(NULL) - t0;
    close(fd);
    assert_true(k == 0 || (k < 0 && errno == ECONNRESET)); /* closed by the server */
    assert_true(waited <= 6);
}

/* Session churn: 1,000 sessions opened and ended one after the other; the count returns to
 * where it was (no leak of sessions or their threads). */
static void test_session_churn(void **state)
{
    (void)state;
    double t0 = (double)time(NULL);
    for (int i = 0; i < 1000 && (double)time(NULL) - t0 < 60; i++) {
        char sid[80];
        init_session(sid);
        end_session(sid);
    }
    struct resp r;
    assert_int_equal(req("GET", "/healthz", NULL, 0, NULL, &r, 0, 0), CURLE_OK);
    json_t *v = body_json(&r);
    assert_int_equal(json_integer_value(json_object_get(v, "sessions")), 0);
    json_decref(v);
    ep_buf_free(&r.body);
}

/* ------------------------------------------------- 2026-07-28 (stateless) */

#define META26                                                                                     \
    "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","                       \
    "\"io.modelcontextprotocol/clientCapabilities\":{},"                                           \
    "\"io.modelcontextprotocol/clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}"

/* POST a 2026-era message with MCP-Protocol-Version (version, NULL = none), Mcp-Method and
 * Mcp-Name (NULL = header left out) and one more header line (may be NULL). */
static CURLcode post26(const char *version, const char *method, const char *name, const char *extra,
                       const char *json, struct resp *r)
{
    char vh[128], mh[256], nh[512];
    snprintf(vh, sizeof vh, "MCP-Protocol-Version: %s", version ? version : "");
    snprintf(mh, sizeof mh, "Mcp-Method: %s", method ? method : "");
    snprintf(nh, sizeof nh, "Mcp-Name: %s", name ? name : "");
    const char *h[7] = {CT, ACC};
    int k = 2;
    if (version)
        h[k++] = vh;
    if (method)
        h[k++] = mh;
    if (name)
        h[k++] = nh;
    if (extra)
        h[k++] = extra;
    h[k] = NULL;
    return req("POST", "/mcp", json, strlen(json), h, r, 0, 0);
}

/* The JSON-RPC error code of r's body (0 when it is a result). */
static int body_code(struct resp *r)
{
    json_t *v = body_json(r);
    int c = (int)json_integer_value(json_object_get(json_object_get(v, "error"), "code"));
    json_decref(v);
    return c;
}

static void test_era2026_http(void **state)
{
    (void)state;
    struct resp r;
    /* served without initialize and without a session */
    assert_int_equal(post26("2026-07-28", "server/discover", NULL, NULL,
                            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"server/discover\","
                            "\"params\":{" META26 "}}",
                            &r),
                     CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.sid, "");
    json_t *v = body_json(&r);
    json_t *res = json_object_get(v, "result");
    assert_string_equal(json_string_value(json_object_get(res, "resultType")), "complete");
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(res, "supportedVersions"), 0)),
        "2026-07-28");
    assert_true(json_integer_value(json_object_get(res, "ttlMs")) > 0);
    assert_string_equal(json_string_value(json_object_get(res, "cacheScope")), "public");
    json_decref(v);
    ep_buf_free(&r.body);

    const char *call =
        "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{"
        "\"name\":\"get_meps\",\"arguments\":{\"country\":\"LUX\",\"limit\":1}," META26 "}}";
    assert_int_equal(post26("2026-07-28", "tools/call", "get_meps", NULL, call, &r), CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.sid, "");
    v = body_json(&r);
    res = json_object_get(v, "result");
    assert_string_equal(json_string_value(json_object_get(res, "resultType")), "complete");
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(res, "structuredContent"), "limit")), 1);
    json_decref(v);
    ep_buf_free(&r.body);
    /* Mcp-Name in the base64 sentinel form is decoded before the comparison */
    assert_int_equal(post26("2026-07-28", "tools/call", "=?base64?Z2V0X21lcHM=?=", NULL, call, &r),
                     CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_int_equal(body_code(&r), 0);
    ep_buf_free(&r.body);
    /* an Mcp-Session-Id on a 2026 request is ignored (and none is issued) */
    assert_int_equal(post26("2026-07-28", "tools/call", "get_meps",
                            "Mcp-Session-Id: 00000000000000000000000000000000", call, &r),
                     CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_int_equal(body_code(&r), 0);
    assert_string_equal(r.sid, "");
    ep_buf_free(&r.body);

    /* header checks: 400 with HeaderMismatch (-32020) */
    struct {
        const char *version, *method, *name;
    } bad[] = {
        {NULL, "tools/call", "get_meps"},                /* no MCP-Protocol-Version */
        {"2025-11-25", "tools/call", "get_meps"},        /* not the _meta version */
        {"2026-07-28", NULL, "get_meps"},                /* no Mcp-Method */
        {"2026-07-28", "tools/list", "get_meps"},        /* not the method */
        {"2026-07-28", "tools/call", NULL},              /* no Mcp-Name */
        {"2026-07-28", "tools/call", "get_votes"},       /* not the tool */
        {"2026-07-28", "tools/call", "=?base64?!!!!?="}, /* malformed sentinel */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(post26(bad[i].version, bad[i].method, bad[i].name, NULL, call, &r),
                         CURLE_OK);
        if (r.status != 400 || body_code(&r) != -32020)
            fail_msg("case %zu: %ld %.*s", i, r.status, (int)r.body.len, r.body.data);
        ep_buf_free(&r.body);
    }
    /* an unsupported version: 400 UnsupportedProtocolVersion with the supported list */
    assert_int_equal(post26("1900-01-01", "tools/list", NULL, NULL,
                            "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\",\"params\":{"
                            "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"1900-01-01\","
                            "\"io.modelcontextprotocol/clientCapabilities\":{}}}}",
                            &r),
                     CURLE_OK);
    assert_int_equal(r.status, 400);
    v = body_json(&r);
    json_t *d = json_object_get(json_object_get(v, "error"), "data");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(v, "error"), "code")),
                     -32022);
    assert_string_equal(json_string_value(json_object_get(d, "requested")), "1900-01-01");
    json_decref(v);
    ep_buf_free(&r.body);
    /* a required _meta field missing: 400 with -32602 */
    assert_int_equal(post26("2026-07-28", "tools/list", NULL, NULL,
                            "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/list\",\"params\":{"
                            "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\""
                            "}}}",
                            &r),
                     CURLE_OK);
    assert_int_equal(r.status, 400);
    assert_int_equal(body_code(&r), -32602);
    ep_buf_free(&r.body);
    /* the 2026 header on a request without the _meta: 400 */
    assert_int_equal(post26("2026-07-28", "tools/list", NULL, NULL,
                            "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/list\"}", &r),
                     CURLE_OK);
    assert_int_equal(r.status, 400);
    assert_int_equal(body_code(&r), -32602);
    assert_non_null(strstr(r.body.data, "request must carry params._meta"));
    ep_buf_free(&r.body);
    /* a batch under the 2026 header: 400 with -32600 (one message per POST) */
    assert_int_equal(post26("2026-07-28", "tools/list", NULL, NULL,
                            "[{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/list\","
                            "\"params\":{" META26 "}}]",
                            &r),
                     CURLE_OK);
    assert_int_equal(r.status, 400); /* the refusal answers each request of the batch */
    assert_non_null(strstr(r.body.data, "\"code\":-32600"));
    assert_non_null(strstr(r.body.data, "POST body is one JSON-RPC message, not a batch"));
    ep_buf_free(&r.body);
    /* unknown and removed methods: 404 with -32601 */
    const char *gone[] = {"ping", "no/such"};
    for (int i = 0; i < 2; i++) {
        char m[400];
        snprintf(m, sizeof m,
                 "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"%s\",\"params\":{" META26 "}}",
                 gone[i]);
        assert_int_equal(post26("2026-07-28", gone[i], NULL, NULL, m, &r), CURLE_OK);
        assert_int_equal(r.status, 404);
        assert_int_equal(body_code(&r), -32601);
        ep_buf_free(&r.body);
    }
    /* GET and DELETE do not exist in 2026-07-28: 405 */
    const char *gh[] = {"Accept: text/event-stream", "MCP-Protocol-Version: 2026-07-28", NULL};
    assert_int_equal(req("GET", "/mcp", NULL, 0, gh, &r, 0, 0), CURLE_OK);
    assert_int_equal(r.status, 405);
    ep_buf_free(&r.body);
    assert_int_equal(req("DELETE", "/mcp", NULL, 0, gh + 1, &r, 0, 0), CURLE_OK);
    assert_int_equal(r.status, 405);
    ep_buf_free(&r.body);

    /* progress streams as SSE scoped to the request, without event ids (no resumption) */
    const char *prog = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{"
                       "\"name\":\"test_tool_with_progress\",\"arguments\":{},\"_meta\":{"
                       "\"progressToken\":\"tok\","
                       "\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","
                       "\"io.modelcontextprotocol/clientCapabilities\":{}}}}";
    assert_int_equal(post26("2026-07-28", "tools/call", "test_tool_with_progress", NULL, prog, &r),
                     CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.ctype, "text/event-stream"));
    assert_string_equal(r.sid, "");
    assert_int_equal(ep_buf_putc(&r.body, 0), 0);
    int events = 0;
    for (const char *p = r.body.data; (p = strstr(p, "event: message\ndata: ")); p++)
        events++;
    assert_int_equal(events, 4); /* 3 progress + the result, no priming event */
    assert_null(strstr(r.body.data, "id: "));
    assert_non_null(strstr(r.body.data, "\"resultType\":\"complete\""));
    ep_buf_free(&r.body);

    /* the 2025 session flow beside it is unchanged */
    char sid[80];
    init_session(sid);
    assert_int_equal(post(sid, "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"ping\"}", &r), CURLE_OK);
    assert_int_equal(r.status, 200);
    v = body_json(&r);
    assert_null(json_object_get(json_object_get(v, "result"), "resultType"));
    json_decref(v);
    ep_buf_free(&r.body);
    end_session(sid);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_initialize_and_json),
        cmocka_unit_test(test_session_errors),
        cmocka_unit_test(test_protocol_version),
        cmocka_unit_test(test_origin_host),
        cmocka_unit_test(test_body_limit),
        cmocka_unit_test(test_header_limit),
        cmocka_unit_test(test_sse_and_progress),
        cmocka_unit_test(test_sse_resume),
        cmocka_unit_test(test_sse_priming),
        cmocka_unit_test(test_replay_bound),
        cmocka_unit_test(test_notifications_202),
        cmocka_unit_test(test_gzip),
        cmocka_unit_test(test_health_metrics),
        cmocka_unit_test(test_metrics_breaker),
        cmocka_unit_test(test_cached_call),
        cmocka_unit_test(test_bad_json),
        cmocka_unit_test(test_get_stream_and_methods),
        cmocka_unit_test(test_max_sessions),
        cmocka_unit_test(test_stdio_sampling),
        cmocka_unit_test(test_tool_call_limit),
        cmocka_unit_test(test_back_to_back_calls),
        cmocka_unit_test(test_slow_client),
        cmocka_unit_test(test_session_churn),
        cmocka_unit_test(test_era2026_http),
    };
    return cmocka_run_group_tests(tests, start_server, stop_server);
}
