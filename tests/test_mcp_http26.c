/* MCP 2026-07-28 over HTTP on the real server (`epintel serve --http`):
 * - the audit, quotas and roles are the same for a 2026-07-28 stateless request as for a 2025
 *   session request: API keys, one daily quota spent from both eras, the 403 of a tool the role
 *   may not call, tools/list filtered by role (and marked cacheScope "private"), 401 without a
 *   key, and one audit line per request naming the principal, its role and the protocol;
 * - a task created on one replica is polled on another, which finishes it after the first was
 *   killed with SIGKILL (two servers on one store);
 * - with --state redis://, a daily quota of Q over 3 replicas admits exactly Q (the real
 *   redis-server on a free loopback port); Redis killed: 503 naming it (fail closed); Redis back:
 *   served again;
 * - with --state redis:// and --rate-per-minute N over 3 replicas: exactly N admitted; a key
 *   revoked with `epintel auth key revoke --state` refused by every replica within 1 s; Redis
 *   down: 503 for the rate check, served again when it is back;
 * - with --state redis://, two replicas on separate store files share their tasks: created on
 *   one, cancelled, polled and finished on the other, still there after both restarted;
 * - a replica killed with SIGKILL under load: every reply a client received has its audit
 *   line. */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ep_auth.h"
#include "ep_testutil.h"
#include "ep_util.h"

static char *dir;
static __thread int port; /* the server the calling thread talks to */
static int keep_raw;      /* one thread at a time: keep the body of each post in last_raw */
static char *last_raw;    /* (owned) */

struct resp {
    long status;
    struct ep_buf body;
};

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    struct resp *r = ud;
    return ep_buf_append(&r->body, p, sz * n) ? 0 : sz * n;
}

/* POST body to /mcp with Authorization authz (NULL = none), the session sid (NULL = none) and,
 * for a 2026 request, its headers (method, and name when not NULL). */
static json_t *post(const char *authz, const char *sid, const char *m26, const char *name,
                    const char *body, long *status)
{
    struct resp r = {0};
    ep_buf_init(&r.body, 0);
    CURL *c = curl_easy_init();
    char url[128], a[256], s[128], pm[128], pn[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/mcp", port);
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    h = curl_slist_append(h, "Accept: application/json, text/event-stream");
    if (authz) {
        snprintf(a, sizeof a, "Authorization: %s", authz);
        h = curl_slist_append(h, a);
    }
    if (sid) {
        snprintf(s, sizeof s, "Mcp-Session-Id: %s", sid);
        h = curl_slist_append(h, s);
    }
    if (m26) {
        h = curl_slist_append(h, "MCP-Protocol-Version: 2026-07-28");
        snprintf(pm, sizeof pm, "Mcp-Method: %s", m26);
        h = curl_slist_append(h, pm);
        if (name) {
            snprintf(pn, sizeof pn, "Mcp-Name: %s", name);
            h = curl_slist_append(h, pn);
        }
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 20000L);
    *status = 0; /* no answer (the server is gone): 0 */
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    json_t *v = json_loadb(r.body.data ? r.body.data : "", r.body.len, 0, NULL);
    if (keep_raw) {
        free(last_raw);
        last_raw = strndup(r.body.data ? r.body.data : "", r.body.len);
    }
    ep_buf_free(&r.body);
    return v;
}

#define META26                                                                                     \
    "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","                       \
    "\"io.modelcontextprotocol/clientCapabilities\":{}}"

static const char call26[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{"
                             "\"name\":\"get_meps\",\"arguments\":{\"limit\":1}," META26 "}}";
static const char call25[] = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{"
                             "\"name\":\"get_meps\",\"arguments\":{\"limit\":1}}}";

/* Open a 2025-11-25 session for authz; its id in sid. */
static void session(const char *authz, char sid[80])
{
    /* the session id comes back in a header: read it with a header callback */
    CURL *c = curl_easy_init();
    char url[128], a[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/mcp", port);
    snprintf(a, sizeof a, "Authorization: %s", authz);
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    h = curl_slist_append(h, "Accept: application/json, text/event-stream");
    h = curl_slist_append(h, a);
    struct resp r = {0};
    ep_buf_init(&r.body, 0);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS,
                     "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{"
                     "\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{"
                     "\"name\":\"t\",\"version\":\"1\"}}}");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    assert_int_equal(ep_buf_putc(&r.body, 0), 0);
    const char *p = strcasestr(r.body.data, "Mcp-Session-Id: ");
    assert_non_null(p);
    snprintf(sid, 80, "%.32s", p + 16);
    ep_buf_free(&r.body);
    long st = 0;
    json_decref(post(authz, sid, NULL, NULL,
                     "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", &st));
    assert_int_equal(st, 202);
}

/* --rate-per-minute for the servers started next (NULL = none) */
static const char *serve_rate;

/* Start `epintel serve --http` on db (port file pf, artefacts in out_dir) with an auth config and
 * an audit file (NULL = none); its port. */
static int serve(const char *db, const char *pf, const char *out_dir, const char *auth,
                 const char *audit, const char *state, pid_t *pid)
{
    unlink(pf);
    *pid = fork();
    assert_true(*pid >= 0);
    if (*pid == 0) {
        const char *argv[20] = {"epintel",     "--db",        db, "serve",     "--http",
                                "127.0.0.1:0", "--port-file", pf, "--out-dir", out_dir};
        int k = 10;
        if (auth) {
            argv[k++] = "--auth-config";
            argv[k++] = auth;
        }
        if (audit) {
            argv[k++] = "--audit-file";
            argv[k++] = audit;
        }
        if (state) {
            argv[k++] = "--state";
            argv[k++] = state;
        }
        if (serve_rate) {
            argv[k++] = "--rate-per-minute";
            argv[k++] = serve_rate;
        }
        execv(EP_TEST_BIN, (char *const *)argv);
        _exit(127);
    }
    int p = ep_test_wait_port_file(pf, *pid, 200);
    assert_true(p > 0);
    return p;
}

/* Stop a replica started by serve with SIGTERM: it must exit 0. */
static void stop_replica(pid_t pid)
{
    int ws = -1;
    kill(pid, SIGTERM);
    waitpid(pid, &ws, 0);
    assert_true(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
}

/* Kill a child with sig and reap it. */
static void kill_wait(pid_t pid, int sig)
{
    int ws;
    kill(pid, sig);
    waitpid(pid, &ws, 0);
}

/* Three replicas on db sharing state (port files DIR/<tag>.0..2): their pids and ports. */
static void serve3(const char *db, const char *tag, const char *out_dir, const char *auth,
                   const char *state, pid_t pid[3], int ports[3])
{
    for (int i = 0; i < 3; i++) {
        char pf[600];
        snprintf(pf, sizeof pf, "%s/%s.%d", dir, tag, i);
        ports[i] = serve(db, pf, out_dir, auth, NULL, state, &pid[i]);
    }
}

/* The bundled store at db (`epintel info` builds it). */
static void make_store(const char *db)
{
    assert_int_equal(ep_test_system("'%s' --quiet --db '%s' info >/dev/null 2>&1", EP_TEST_BIN, db),
                     0);
}

/* A synthetic store at db: 300 MEPs x 3,000 votes from the bundled data (DIR/real.db). */
static void make_synth(const char *db)
{
    assert_int_equal(
        ep_test_system("'%s' --quiet --db '%s/real.db' info >/dev/null 2>&1 && "
                       "'%s' --quiet --db '%s' synth --real-db '%s/real.db' --meps 300 "
                       "--votes 3000 --seed 1 >/dev/null 2>&1",
                       EP_TEST_BIN, dir, EP_TEST_BIN, db, dir),
        0);
}

static int err_code(json_t *v)
{
    return (int)json_integer_value(json_object_get(json_object_get(v, "error"), "code"));
}

static void test_roles_quota_audit_both_eras(void **state)
{
    (void)state;
    char cfg[600], db[600], pf[600], audit[600];
    snprintf(cfg, sizeof cfg, "%s/auth.json", dir);
    snprintf(db, sizeof db, "%s/store.db", dir);
    snprintf(pf, sizeof pf, "%s/port", dir);
    snprintf(audit, sizeof audit, "%s/audit.log", dir);
    char dv[65], dm[65];
    ep_auth_key_digest("viewer-secret-26", dv);
    ep_auth_key_digest("metered-secret-26", dm);
    FILE *f = fopen(cfg, "w");
    assert_non_null(f);
    fprintf(f,
            "{\"resource\":\"http://127.0.0.1/mcp\",\"authorization_servers\":["
            "\"https://as.example\"],\"roles\":{\"viewer\":{\"scope\":\"v\",\"tools\":["
            "\"get_meps\"]},\"metered\":{\"scope\":\"m\",\"tools\":[\"get_meps\"],"
            "\"daily_quota\":3}},\"api_keys\":[{\"id\":\"v26\",\"sha256\":\"%s\",\"role\":"
            "\"viewer\"},{\"id\":\"m26\",\"sha256\":\"%s\",\"role\":\"metered\"}]}",
            dv, dm);
    fclose(f);
    make_store(db);
    char out[600];
    snprintf(out, sizeof out, "%s/out", dir);
    pid_t pid;
    port = serve(db, pf, out, cfg, audit, NULL, &pid);
    const char *vk = "Bearer viewer-secret-26", *mk = "Bearer metered-secret-26";
    long st = 0;

    /* 401 without a key, in the 2026 era as in 2025 */
    json_t *v = post(NULL, NULL, "tools/call", "get_meps", call26, &st);
    assert_int_equal(st, 401);
    json_decref(v);
    /* the role allows get_meps, not map_political_network: 403 in both eras */
    v = post(vk, NULL, "tools/call", "get_meps", call26, &st);
    assert_int_equal(st, 200);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(v, "result"), "resultType")), "complete");
    json_decref(v);
    v = post(vk, NULL, "tools/call", "map_political_network",
             "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"map_political_network\",\"arguments\":{}," META26 "}}",
             &st);
    assert_int_equal(st, 403);
    json_decref(v);
    char vsid[80];
    session(vk, vsid);
    v = post(vk, vsid, NULL, NULL,
             "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"map_political_network\",\"arguments\":{}}}",
             &st);
    assert_int_equal(st, 403);
    json_decref(v);
    /* tools/list shows the role's tools only, and says the list is private to the caller */
    v = post(vk, NULL, "tools/list", NULL,
             "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/list\",\"params\":{" META26 "}}",
             &st);
    assert_int_equal(st, 200);
    json_t *res = json_object_get(v, "result");
    assert_int_equal(json_array_size(json_object_get(res, "tools")), 1);
    assert_string_equal(json_string_value(json_object_get(res, "cacheScope")), "private");
    json_decref(v);

    /* one daily quota of 3 for the principal, spent from both eras: 2 + 1, then 429 in each */
    char msid[80];
    session(mk, msid);
    for (int i = 0; i < 2; i++) {
        v = post(mk, msid, NULL, NULL, call25, &st);
        assert_int_equal(st, 200);
        json_decref(v);
    }
    v = post(mk, NULL, "tools/call", "get_meps", call26, &st);
    assert_int_equal(st, 200);
    json_decref(v);
    v = post(mk, NULL, "tools/call", "get_meps", call26, &st);
    assert_int_equal(st, 429);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_object_get(v, "error"), "data"), "quota")),
                        "daily_quota");
    assert_int_equal(err_code(v), -32600);
    json_decref(v);
    v = post(mk, msid, NULL, NULL, call25, &st);
    assert_int_equal(st, 429);
    json_decref(v);

    stop_replica(pid);

    /* the audit: one line per /mcp request; the 2026 ones name their protocol and no session */
    f = fopen(audit, "r");
    assert_non_null(f);
    char line[4096];
    int n26 = 0, n25 = 0, denied26 = 0, quota26 = 0;
    while (fgets(line, sizeof line, f)) {
        json_t *a = json_loads(line, 0, NULL);
        assert_non_null(a);
        const char *proto = json_string_value(json_object_get(a, "protocol"));
        const char *principal = json_string_value(json_object_get(a, "principal"));
        long status = (long)json_integer_value(json_object_get(a, "status"));
        if (proto && strcmp(proto, "2026-07-28") == 0) {
            n26++;
            assert_string_equal(json_string_value(json_object_get(a, "session")), "");
            assert_true(strcmp(principal, "key:v26") == 0 || strcmp(principal, "key:m26") == 0);
            assert_string_equal(json_string_value(json_object_get(a, "role")),
                                strcmp(principal, "key:v26") == 0 ? "viewer" : "metered");
            denied26 += status == 403;
            quota26 += status == 429;
        } else if (proto && strcmp(proto, "2025-11-25") == 0) {
            n25++;
            assert_int_equal(strlen(json_string_value(json_object_get(a, "session"))), 32);
        }
        json_decref(a);
    }
    fclose(f);
    /* 2026: the viewer's call, its 403 and its list; the metered call and its 429 */
    assert_int_equal(n26, 5);
    assert_int_equal(denied26, 1);
    assert_int_equal(quota26, 1);
    /* 2025: per session initialize and initialized; the metered session's 2 calls and its 429
     * (the viewer's 403 in its session is refused before the session is looked up: no protocol) */
    assert_int_equal(n25, 7);
}

#define META26T                                                                                    \
    "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","                       \
    "\"io.modelcontextprotocol/clientCapabilities\":{\"extensions\":{"                             \
    "\"io.modelcontextprotocol/tasks\":{}}}}"

static void test_task_across_replicas(void **state)
{
    (void)state;
    char db[600], pfa[600], pfb[600], out[600];
    snprintf(db, sizeof db, "%s/synth.db", dir);
    snprintf(pfa, sizeof pfa, "%s/port.a", dir);
    snprintf(pfb, sizeof pfb, "%s/port.b", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    /* a synthetic store (300 MEPs x 3,000 votes from the bundled data) on which rendering the
     * network takes about 2 s: long enough to kill its replica mid-run */
    make_synth(db);
    pid_t a, b;
    int pa = serve(db, pfa, out, NULL, NULL, NULL, &a),
        pb = serve(db, pfb, out, NULL, NULL, NULL, &b);
    long st = 0;
    port = pa;
    json_t *v =
        post(NULL, NULL, "tools/call", "map_political_network",
             "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{"
             "\"name\":\"map_political_network\",\"arguments\":{\"formats\":[\"graphml\"]}," META26T
             "}}",
             &st);
    assert_int_equal(st, 200);
    json_t *r = json_object_get(v, "result");
    assert_string_equal(json_string_value(json_object_get(r, "resultType")), "task");
    char id[64], get[600];
    snprintf(id, sizeof id, "%s", json_string_value(json_object_get(r, "taskId")));
    json_decref(v);
    kill_wait(a, SIGKILL); /* replica A dies with the task running */
    /* B answers for it at once (the store is shared), and finishes it once A's lease ran out */
    port = pb;
    snprintf(get, sizeof get,
             "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tasks/get\",\"params\":{\"taskId\":"
             "\"%s\"," META26T "}}",
             id);
    const char *status = "";
    int runs = 0;
    json_t *last = NULL;
    for (int i = 0; i < 300; i++) { /* at most 30 s */
        json_decref(last);
        last = post(NULL, NULL, "tasks/get", NULL, get, &st);
        assert_int_equal(st, 200);
        r = json_object_get(last, "result");
        status = json_string_value(json_object_get(r, "status"));
        runs = (int)json_integer_value(
            json_object_get(json_object_get(r, "_meta"), "io.epintel/runs"));
        if (strcmp(status, "working") != 0)
            break;
        usleep(100000);
    }
    assert_string_equal(status, "completed");
    json_t *tr = json_object_get(r, "result");
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(tr, "structuredContent"), "nodes")),
        300);
    /* its artefact is a resource link that B serves */
    const char *uri = NULL;
    size_t i;
    json_t *c;
    json_array_foreach(
        json_object_get(tr, "content"), i,
        c) if (strcmp(json_string_value(json_object_get(c, "type")), "resource_link") == 0) uri =
        json_string_value(json_object_get(c, "uri"));
    assert_non_null(uri);
    char rd[800];
    snprintf(rd, sizeof rd,
             "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"resources/read\",\"params\":{"
             "\"uri\":\"%s\"," META26T "}}",
             uri);
    json_t *rr = post(NULL, NULL, "resources/read", uri, rd, &st);
    assert_int_equal(st, 200);
    assert_non_null(strstr(
        json_string_value(json_object_get(
            json_array_get(json_object_get(json_object_get(rr, "result"), "contents"), 0), "text")),
        "<graphml"));
    json_decref(rr);
    json_decref(last);
    assert_int_equal(runs, 2); /* started on A, run again from the start on B */
    stop_replica(b);
}

/* A free loopback TCP port (bound and released). */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t n = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &n), 0);
    close(fd);
    return ntohs(a.sin_port);
}

/* Start redis-server on rport (no persistence); its pid once it accepts connections. */
static pid_t start_redis(int rport)
{
    char ps[16];
    snprintf(ps, sizeof ps, "%d", rport);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 1);
        execlp("redis-server", "redis-server", "--port", ps, "--bind", "127.0.0.1", "--save", "",
               "--appendonly", "no", (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 100; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET,
                                .sin_port = htons((uint16_t)rport),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        int ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
        close(fd);
        if (ok)
            return pid;
        usleep(50000);
    }
    fail_msg("redis-server did not start on port %d", rport);
    return -1;
}

/* A redis-server of a test: started on a free loopback port, and again on the same one after
 * kill_wait(rd.pid, ...). */
struct redis {
    int port;
    pid_t pid;
    char url[64]; /* the --state URL */
};
static void redis_start(struct redis *rd)
{
    if (!rd->port) {
        rd->port = free_port();
        snprintf(rd->url, sizeof rd->url, "redis://127.0.0.1:%d/0", rd->port);
    }
    rd->pid = start_redis(rd->port);
}

/* Two replicas A and B on separate copies of one store (DIR/<tag>a.db, made by make, copied to
 * DIR/<tag>b.db: different paths, same content), sharing a Redis started here; with audit, their
 * audit files DIR/audit.<tag>a and DIR/audit.<tag>b. */
struct pair {
    char dba[600], dbb[600], pfa[600], pfb[600], aua[600], aub[600], out[600];
    struct redis rd;
    pid_t a, b;
    int pa, pb;
};
static void pair_start(struct pair *p, const char *tag, void (*make)(const char *db), int audit)
{
    memset(p, 0, sizeof *p);
    snprintf(p->dba, sizeof p->dba, "%s/%sa.db", dir, tag);
    snprintf(p->dbb, sizeof p->dbb, "%s/%sb.db", dir, tag);
    snprintf(p->pfa, sizeof p->pfa, "%s/port.%sa", dir, tag);
    snprintf(p->pfb, sizeof p->pfb, "%s/port.%sb", dir, tag);
    snprintf(p->aua, sizeof p->aua, "%s/audit.%sa", dir, tag);
    snprintf(p->aub, sizeof p->aub, "%s/audit.%sb", dir, tag);
    snprintf(p->out, sizeof p->out, "%s/out", dir);
    make(p->dba);
    assert_int_equal(ep_test_system("cp '%s' '%s'", p->dba, p->dbb), 0);
    redis_start(&p->rd);
    p->pa = serve(p->dba, p->pfa, p->out, NULL, audit ? p->aua : NULL, p->rd.url, &p->a);
    p->pb = serve(p->dbb, p->pfb, p->out, NULL, audit ? p->aub : NULL, p->rd.url, &p->b);
}

struct burst {
    int port;
    const char *authz;
    int ok, over, other;
};

/* Six calls to one replica with b->authz (NULL: the metered key). */
static void *burst_main(void *arg)
{
    struct burst *b = arg;
    port = b->port;
    for (int i = 0; i < 6; i++) {
        long st = 0;
        json_decref(post(b->authz ? b->authz : "Bearer metered-secret-26", NULL, "tools/call",
                         "get_meps", call26, &st));
        if (st == 200)
            b->ok++;
        else if (st == 429)
            b->over++;
        else
            b->other++;
    }
    return NULL;
}

/* Run six calls with authz on each of the 3 replicas at once: the counts of 200, 429 and other. */
static void bursts(const int ports[3], const char *authz, int *ok, int *over, int *other)
{
    struct burst b[3];
    pthread_t th[3];
    for (int i = 0; i < 3; i++) {
        b[i] = (struct burst){.port = ports[i], .authz = authz};
        assert_int_equal(pthread_create(&th[i], NULL, burst_main, &b[i]), 0);
    }
    *ok = *over = *other = 0;
    for (int i = 0; i < 3; i++) {
        pthread_join(th[i], NULL);
        *ok += b[i].ok;
        *over += b[i].over;
        *other += b[i].other;
    }
}

static void test_redis_quota_replicas(void **state)
{
    (void)state;
    char cfg[600], db[600], out[600];
    snprintf(cfg, sizeof cfg, "%s/auth5.json", dir);
    snprintf(db, sizeof db, "%s/redis.db", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    char dm[65];
    ep_auth_key_digest("metered-secret-26", dm);
    FILE *f = fopen(cfg, "w");
    assert_non_null(f);
    fprintf(f,
            "{\"resource\":\"http://127.0.0.1/mcp\",\"authorization_servers\":["
            "\"https://as.example\"],\"roles\":{\"metered\":{\"scope\":\"m\",\"tools\":["
            "\"get_meps\"],\"daily_quota\":5}},\"api_keys\":[{\"id\":\"m26\",\"sha256\":\"%s\","
            "\"role\":\"metered\"}]}",
            dm);
    fclose(f);
    make_store(db);
    struct redis rd = {0};
    redis_start(&rd);
    pid_t rep[3];
    int ports[3];
    serve3(db, "rport", out, cfg, rd.url, rep, ports);
    /* 18 calls at once over the 3 replicas, one principal with a quota of 5: exactly 5 pass */
    int ok, over, other;
    bursts(ports, NULL, &ok, &over, &other);
    assert_int_equal(ok, 5);
    assert_int_equal(over, 13);
    assert_int_equal(other, 0);
    /* Redis gone: the quota cannot be checked, the call is refused with 503 naming it */
    kill_wait(rd.pid, SIGKILL);
    port = ports[1];
    long st = 0;
    json_t *v = post("Bearer metered-secret-26", NULL, "tools/call", "get_meps", call26, &st);
    assert_int_equal(st, 503);
    assert_non_null(
        strstr(json_string_value(json_object_get(json_object_get(v, "error"), "message")),
               "Redis at 127.0.0.1:"));
    json_decref(v);
    /* Redis back (empty: no persistence here): served again within a few seconds */
    redis_start(&rd);
    for (int i = 0; i < 50 && st != 200; i++) {
        usleep(100000);
        json_decref(post("Bearer metered-secret-26", NULL, "tools/call", "get_meps", call26, &st));
    }
    assert_int_equal(st, 200);
    for (int i = 0; i < 3; i++)
        stop_replica(rep[i]);
    kill_wait(rd.pid, SIGTERM);
}

/* The message of a JSON-RPC error reply ("" when there is none). */
static const char *err_msg(json_t *v)
{
    const char *m = json_string_value(json_object_get(json_object_get(v, "error"), "message"));
    return m ? m : "";
}

/* With --state redis:// and --rate-per-minute 5 over 3 replicas: exactly 5 calls of a principal
 * in the minute; a key revoked with `epintel auth key revoke --state` is refused by every
 * replica within EP_STATE_REVOKED_MAX_AGE_S (1 s), without SIGHUP; Redis down: 503 naming it for
 * the rate check (fail closed); Redis back: served again. */
static void test_redis_rate_revoke_replicas(void **state)
{
    (void)state;
    char cfg[600], db[600], out[600];
    snprintf(cfg, sizeof cfg, "%s/auth_rate.json", dir);
    snprintf(db, sizeof db, "%s/rate.db", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    char da[65], dg[65];
    ep_auth_key_digest("rated-secret-26", da);
    ep_auth_key_digest("gone-secret-26", dg);
    FILE *f = fopen(cfg, "w");
    assert_non_null(f);
    fprintf(f,
            "{\"resource\":\"http://127.0.0.1/mcp\",\"authorization_servers\":["
            "\"https://as.example\"],\"roles\":{\"user\":{\"scope\":\"u\",\"tools\":["
            "\"get_meps\"]}},\"api_keys\":[{\"id\":\"rated\",\"sha256\":\"%s\",\"role\":\"user\"},"
            "{\"id\":\"gone\",\"sha256\":\"%s\",\"role\":\"user\"}]}",
            da, dg);
    fclose(f);
    make_store(db);
    struct redis rd = {0};
    redis_start(&rd);
    pid_t rep[3];
    int ports[3];
    serve_rate = "5";
    serve3(db, "rate", out, cfg, rd.url, rep, ports);
    serve_rate = NULL;
    /* 18 calls at once over the 3 replicas, 5 per minute: exactly 5 pass (per process: 15) */
    int ok, over, other;
    bursts(ports, "Bearer rated-secret-26", &ok, &over, &other);
    assert_int_equal(ok, 5);
    assert_int_equal(over, 13);
    assert_int_equal(other, 0);
    long st = 0;
    port = ports[2];
    json_t *v = post("Bearer rated-secret-26", NULL, "tools/call", "get_meps", call26, &st);
    assert_int_equal(st, 429);
    assert_non_null(strstr(err_msg(v), "the limit is 5 per minute"));
    json_decref(v);

    /* the other key is served by each replica; revoked (shared state, no SIGHUP): refused by
     * each within 1 s */
    for (int i = 0; i < 3; i++) {
        port = ports[i];
        json_decref(post("Bearer gone-secret-26", NULL, "tools/call", "get_meps", call26, &st));
        assert_int_equal(st, 200);
    }
    assert_int_equal(ep_test_system("'%s' auth key revoke --config '%s' gone --state '%s' "
                                    "2>/dev/null",
                                    EP_TEST_BIN, cfg, rd.url),
                     0);
    /* the bound: 1 s after the revocation returned, every replica refuses the key */
    usleep(1050000);
    for (int i = 0; i < 3; i++) {
        port = ports[i];
        v = post("Bearer gone-secret-26", NULL, "tools/call", "get_meps", call26, &st);
        assert_int_equal(st, 401);
        assert_non_null(strstr(err_msg(v), "revoked API key"));
        json_decref(v);
    }
    /* the key that was not revoked still authenticates (its window is full: 429, not 401) */
    port = ports[0];
    json_decref(post("Bearer rated-secret-26", NULL, "tools/call", "get_meps", call26, &st));
    assert_int_equal(st, 429);

    /* Redis gone (fail closed, 503 naming it, for any request): right after a request that read
     * the revoked keys (1 s after the last read, so it did), the rate window cannot be checked;
     * 1 s later the revoked keys cannot be either */
    static const char list26[] =
        "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\",\"params\":{" META26 "}}";
    port = ports[1];
    usleep(1050000);
    json_decref(post("Bearer rated-secret-26", NULL, "tools/list", NULL, list26, &st));
    assert_int_equal(st, 429);
    kill_wait(rd.pid, SIGKILL);
    v = post("Bearer rated-secret-26", NULL, "tools/list", NULL, list26, &st);
    assert_int_equal(st, 503);
    assert_non_null(strstr(err_msg(v), "Redis at 127.0.0.1:"));
    assert_non_null(strstr(err_msg(v), "the rate limit cannot be checked"));
    json_decref(v);
    usleep(1050000);
    v = post("Bearer rated-secret-26", NULL, "tools/list", NULL, list26, &st);
    assert_int_equal(st, 503);
    assert_non_null(strstr(err_msg(v), "Redis at 127.0.0.1:"));
    assert_non_null(strstr(err_msg(v), "revoked keys cannot be checked"));
    json_decref(v);
    /* Redis back (empty: no persistence here, so the window starts again): served */
    redis_start(&rd);
    for (int i = 0; i < 50 && st != 200; i++) {
        usleep(100000);
        json_decref(post("Bearer rated-secret-26", NULL, "tools/call", "get_meps", call26, &st));
    }
    assert_int_equal(st, 200);
    for (int i = 0; i < 3; i++)
        stop_replica(rep[i]);
    kill_wait(rd.pid, SIGTERM);
}

/* GET /metrics of the current port: the value of the sample named metric (-1 when absent). */
static long metric(const char *name)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "curl -s http://127.0.0.1:%d/metrics", port);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[512];
    long v = -1;
    size_t n = strlen(name);
    while (fgets(line, sizeof line, p))
        if (strncmp(line, name, n) == 0 && line[n] == ' ')
            v = strtol(line + n + 1, NULL, 10);
    pclose(p);
    return v;
}

/* The "cache" member of the last line of an audit file ("" when it has none). */
static char *last_audit_cache(const char *audit, char out[16])
{
    FILE *f = fopen(audit, "r");
    assert_non_null(f);
    char line[4096], last[4096] = "";
    while (fgets(line, sizeof line, f))
        snprintf(last, sizeof last, "%s", line);
    fclose(f);
    json_t *v = json_loads(last, 0, NULL);
    assert_non_null(v);
    const char *c = json_string_value(json_object_get(v, "cache"));
    snprintf(out, 16, "%s", c ? c : "");
    json_decref(v);
    return out;
}

/* With --state redis://, the result cache is shared: two replicas on separate copies of the
 * bundled store (different paths, same content). A call computed by A is stored in Redis; B
 * answers it from Redis (its audit line says "cache":"redis", its /metrics count the hit), byte
 * for byte what A sent; A answers it again from its own cache ("local"). A 2025-11-25 session on
 * B is answered from Redis too (the same bytes in that era's shape). Redis down: B computes the
 * call (200, no cache in its audit line), the same bytes again, and counts the error (fail
 * open). */
static void test_result_cache_redis_replicas(void **state)
{
    (void)state;
    struct pair two;
    pair_start(&two, "rc", make_store, 1);
    const char *aua = two.aua, *aub = two.aub;
    pid_t a = two.a, b = two.b;
    int pa = two.pa, pb = two.pb;
    char c[16];
    static const char call[] =
        "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{"
        "\"name\":\"get_meps\",\"arguments\":{\"limit\":3,\"country\":\"FIN\"}," META26 "}}";
    long st = 0;
    keep_raw = 1;
    /* computed by A, stored in Redis */
    port = pa;
    json_t *v = post(NULL, NULL, "tools/call", "get_meps", call, &st);
    assert_int_equal(st, 200);
    assert_int_equal(
        json_array_size(json_object_get(
            json_object_get(json_object_get(v, "result"), "structuredContent"), "meps")),
        3);
    json_decref(v);
    char *ra = strdup(last_raw);
    assert_string_equal(last_audit_cache(aua, c), "");
    assert_int_equal(metric("epintel_shared_cache_stores_total"), 1);
    assert_int_equal(metric("epintel_shared_cache_hits_total"), 0);
    /* served by B from Redis: the same bytes */
    port = pb;
    json_decref(post(NULL, NULL, "tools/call", "get_meps", call, &st));
    assert_int_equal(st, 200);
    assert_string_equal(last_raw, ra);
    assert_string_equal(last_audit_cache(aub, c), "redis");
    assert_int_equal(metric("epintel_shared_cache_hits_total"), 1);
    assert_int_equal(metric("epintel_shared_cache_stores_total"), 0);
    assert_int_equal(metric("epintel_tool_cache_misses_total"), 0); /* B ran nothing */
    /* A again: its own cache */
    port = pa;
    json_decref(post(NULL, NULL, "tools/call", "get_meps", call, &st));
    assert_string_equal(last_raw, ra);
    assert_string_equal(last_audit_cache(aua, c), "local");
    /* a 2025-11-25 session on B: from Redis as well */
    port = pb;
    char sid[80];
    session("Bearer none", sid);
    v = post("Bearer none", sid, NULL, NULL,
             "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{"
             "\"name\":\"get_meps\",\"arguments\":{\"country\":\"FIN\",\"limit\":3}}}",
             &st);
    assert_int_equal(st, 200);
    assert_int_equal(
        json_array_size(json_object_get(
            json_object_get(json_object_get(v, "result"), "structuredContent"), "meps")),
        3);
    json_decref(v);
    assert_string_equal(last_audit_cache(aub, c), "redis");
    assert_int_equal(metric("epintel_shared_cache_hits_total"), 2);

    /* Redis gone: B computes it (fail open), the same bytes, and counts the error */
    kill_wait(two.rd.pid, SIGKILL);
    json_decref(post(NULL, NULL, "tools/call", "get_meps", call, &st));
    assert_int_equal(st, 200);
    assert_string_equal(last_raw, ra);
    assert_string_equal(last_audit_cache(aub, c), "");
    assert_true(metric("epintel_shared_cache_errors_total") >= 1);
    assert_int_equal(metric("epintel_tool_cache_misses_total"), 1);
    free(ra);
    keep_raw = 0;
    free(last_raw);
    last_raw = NULL;
    stop_replica(a);
    stop_replica(b);
}

/* A task method (tasks/get or tasks/cancel) on the current port: its result object (owned by
 * *reply, to be freed) or NULL. */
static json_t *task_rpc(const char *method, const char *id, json_t **reply)
{
    char body[600];
    snprintf(
        body, sizeof body,
        "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"%s\",\"params\":{\"taskId\":\"%s\"," META26T
        "}}",
        method, id);
    long st = 0;
    *reply = post(NULL, NULL, method, NULL, body, &st);
    assert_int_equal(st, 200);
    return json_object_get(*reply, "result");
}

/* Create a map_political_network task on the current port: its id into id. */
static void task_create(char id[64])
{
    long st = 0;
    json_t *v =
        post(NULL, NULL, "tools/call", "map_political_network",
             "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{"
             "\"name\":\"map_political_network\",\"arguments\":{\"formats\":[\"graphml\"]}," META26T
             "}}",
             &st);
    assert_int_equal(st, 200);
    json_t *r = json_object_get(v, "result");
    assert_string_equal(json_string_value(json_object_get(r, "resultType")), "task");
    snprintf(id, 64, "%s", json_string_value(json_object_get(r, "taskId")));
    json_decref(v);
}

/* With --state redis://, two replicas on separate store files (copies of one synthetic store)
 * share their tasks through Redis: a task created on A is cancelled on B (A sees it cancelled),
 * another is polled on B until A finished it, its result read on B; both replicas stopped and
 * one started again: both tasks are still there (in Redis), and a 2025-11-25 session there
 * lists them, newest first. */
static void test_task_redis_replicas(void **state)
{
    (void)state;
    struct pair two;
    pair_start(&two, "t", make_synth, 0);
    pid_t a = two.a, b = two.b;
    int pa = two.pa, pb = two.pb;
    char t1[64], t2[64];
    /* created on A (about 1.5 s of work on a cold store), cancelled at once on B, which did not
     * create it (2026-07-28: an empty acknowledgement); A sees it cancelled */
    port = pa;
    task_create(t2);
    port = pb;
    json_t *rep;
    json_t *r = task_rpc("tasks/cancel", t2, &rep);
    assert_non_null(r);
    json_decref(rep);
    port = pa;
    r = task_rpc("tasks/get", t2, &rep);
    assert_non_null(r);
    assert_non_null(json_string_value(json_object_get(r, "status")));
    assert_string_equal(json_string_value(json_object_get(r, "status")), "cancelled");
    json_decref(rep);
    task_create(t1);
    /* polled on B until A finished it */
    port = pb;
    const char *status = "";
    for (int i = 0; i < 300; i++) { /* at most 30 s */
        r = task_rpc("tasks/get", t1, &rep);
        status = json_string_value(json_object_get(r, "status"));
        assert_non_null(status);
        if (strcmp(status, "working") != 0)
            break;
        json_decref(rep);
        usleep(100000);
    }
    assert_string_equal(status, "completed");
    json_t *tr = json_object_get(r, "result");
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(tr, "structuredContent"), "nodes")),
        300);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(r, "_meta"), "io.epintel/runs")),
        1); /* run once, by A */
    json_decref(rep);
    stop_replica(a);
    stop_replica(b);
    /* both stopped; B started again on its own store: the tasks are still there */
    pb = serve(two.dbb, two.pfb, two.out, NULL, NULL, two.rd.url, &b);
    port = pb;
    r = task_rpc("tasks/get", t1, &rep);
    assert_string_equal(json_string_value(json_object_get(r, "status")), "completed");
    json_decref(rep);
    r = task_rpc("tasks/get", t2, &rep);
    assert_string_equal(json_string_value(json_object_get(r, "status")), "cancelled");
    json_decref(rep);
    /* a 2025-11-25 session lists them (from Redis), newest first */
    char sid[80];
    session("Bearer none", sid);
    long st = 0;
    json_t *lv = post("Bearer none", sid, NULL, NULL,
                      "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tasks/list\"}", &st);
    assert_int_equal(st, 200);
    json_t *tasks = json_object_get(json_object_get(lv, "result"), "tasks");
    assert_int_equal(json_array_size(tasks), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(tasks, 0), "taskId")), t1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(tasks, 1), "taskId")), t2);
    json_decref(lv);
    stop_replica(b);
    kill_wait(two.rd.pid, SIGTERM);
}

struct loader {
    int port;
    volatile int *stop;
    int received; /* complete 200 replies */
    int odd;      /* replies that are not results */
};

static void *loader_main(void *arg)
{
    struct loader *l = arg;
    port = l->port;
    while (!*l->stop) {
        long st = 0;
        json_t *v = post(NULL, NULL, "tools/call", "get_meps", call26, &st);
        if (st == 200 && json_object_get(v, "result"))
            l->received++;
        else if (st != 0)
            l->odd++; /* e.g. the same JSON-RPC id as another client's request in flight */
        json_decref(v);
        if (st == 0)
            break; /* the server is gone */
    }
    return NULL;
}

static void test_audit_kill9(void **state)
{
    (void)state;
    char db[600], pf[600], out[600], audit[600];
    snprintf(db, sizeof db, "%s/k9.db", dir);
    snprintf(pf, sizeof pf, "%s/port.k9", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    snprintf(audit, sizeof audit, "%s/audit.k9", dir);
    make_store(db);
    pid_t pid;
    int p = serve(db, pf, out, NULL, audit, NULL, &pid);
    volatile int stop = 0;
    struct loader l[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        l[i] = (struct loader){.port = p, .stop = &stop};
        assert_int_equal(pthread_create(&th[i], NULL, loader_main, &l[i]), 0);
    }
    usleep(500000);
    kill_wait(pid, SIGKILL); /* under load */
    stop = 1;
    int received = 0, odd = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        received += l[i].received;
        odd += l[i].odd;
    }
    /* four clients sending the same id at once are four exchanges, not a duplicate */
    assert_int_equal(odd, 0);
    FILE *f = fopen(audit, "r");
    assert_non_null(f);
    char line[4096];
    int lines = 0;
    while (fgets(line, sizeof line, f))
        lines += strstr(line, "\"status\":200") && strstr(line, "\"protocol\":\"2026-07-28\"");
    fclose(f);
    assert_true(received > 0);
    /* each reply was logged before it was sent; a line more is a request whose reply was lost */
    if (lines < received)
        fail_msg("%d replies received, %d audit lines", received, lines);
}

static int setup(void **state)
{
    (void)state;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    dir = ep_test_tmpdir();
    return dir ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ep_test_system("rm -rf '%s'", dir);
    free(dir);
    curl_global_cleanup();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roles_quota_audit_both_eras),
        cmocka_unit_test(test_task_across_replicas),
        cmocka_unit_test(test_redis_quota_replicas),
        cmocka_unit_test(test_redis_rate_revoke_replicas),
        cmocka_unit_test(test_task_redis_replicas),
        cmocka_unit_test(test_result_cache_redis_replicas),
        cmocka_unit_test(test_audit_kill9),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
