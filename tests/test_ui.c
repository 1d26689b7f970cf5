/* ui/: the interactive views' pages on the bundled data (the default store: 707 MEPs with
 * positions). The figures in the pages are checked against the analysis/ products computed
 * here independently, and the markup against its own invariants (one circle and one table row per
 * MEP, the data block parses, no "</script>" inside it, size <= 1 MB). */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ep_env.h"
#include "ep_store.h"
#include "ep_testutil.h"
#include "ep_ui.h"
#include "ep_ui_res.h"

static struct ep_store *S;
static struct ep_env Env;
static char *Dir;

static int setup(void **state)
{
    (void)state;
    return ep_test_store_open("ui.db", &Dir, &S, &Env, NULL, NULL);
}

static int teardown(void **state)
{
    (void)state;
    ep_test_store_close(Dir, S, &Env);
    return 0;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* The page of spec rendered into b (NUL-terminated); its data block parsed. */
static json_t *page(const char *spec, struct ep_buf *b)
{
    struct ep_ui_req q;
    struct ep_error err = {0};
    assert_int_equal(ep_ui_parse(spec, &q, &err), 0);
    ep_buf_init(b, 0);
    int rc = ep_ui_render(&Env, &q, b, &err);
    if (rc)
        fprintf(stderr, "%s: %s\n", spec, err.msg);
    assert_int_equal(rc, 0);
    assert_int_equal(ep_buf_putc(b, 0), 0);
    const char *s = strstr(b->data, "<script type=\"application/json\" id=\"ep-data\">");
    assert_non_null(s);
    s = strchr(s, '>') + 1;
    const char *e = strstr(s, "</script>");
    assert_non_null(e);
    json_error_t je;
    json_t *d = json_loadb(s, (size_t)(e - s), 0, &je);
    assert_non_null(d);
    /* self-contained: no URL to fetch anything from */
    assert_null(strstr(b->data, "http://"));
    assert_null(strstr(b->data, "https://"));
    assert_null(strstr(b->data, " src="));
    assert_int_equal(count(b->data, "<script"), 2);
    return d;
}

static void test_parse(void **state)
{
    (void)state;
    struct ep_ui_req q;
    struct ep_error err = {0};
    assert_int_equal(ep_ui_parse("scorecard?mep_id=96830&from=2024-01-15&to=2024-01-18", &q, &err),
                     0);
    assert_int_equal(q.view, EP_UI_SCORECARD);
    assert_int_equal(q.mep_id, 96830);
    assert_string_equal(q.from, "2024-01-15");
    assert_string_equal(q.to, "2024-01-18");
    assert_int_equal(ep_ui_parse("nope", &q, &err), EP_ENOTFOUND);
    assert_non_null(strstr(err.msg, "network, map, scorecard, coalition, hemicycle and policy-area"));
    assert_int_equal(ep_ui_parse("map?from=2024-13-01", &q, &err), EP_EINVAL);
    assert_non_null(strstr(err.msg, "from must be a date"));
    assert_int_equal(ep_ui_parse("map?x=1", &q, &err), EP_EINVAL);
    assert_non_null(strstr(err.msg, "unknown query key \"x\""));
    assert_int_equal(ep_ui_parse("scorecard?mep_id=-3", &q, &err), EP_EINVAL);
    assert_int_equal(ep_ui_parse("scorecard?mep_id=1e3", &q, &err), EP_EINVAL);
    assert_int_equal(ep_ui_parse("map?from=2024-02-01&to=2024-01-01", &q, &err), EP_EINVAL);
    assert_non_null(strstr(err.msg, "after"));
}

static void test_network(void **state)
{
    (void)state;
    struct ep_buf b;
    json_t *d = page("network", &b);
    json_t *nodes = json_object_get(d, "nodes");
    assert_int_equal(json_array_size(json_object_get(nodes, "id")), 707);
    /* one circle and one table row per MEP, one line per backbone edge */
    assert_int_equal(count(b.data, "<circle "), 707);
    assert_int_equal(count(b.data, "<tr data-i="), 707);
    size_t nb = json_array_size(json_object_get(d, "backbone"));
    assert_true(nb > 707);
    { /* one "M x yL x y" segment per backbone edge in the edges path */
        const char *p0 = strstr(b.data, "<path d=\"") + 9, *p1 = strchr(p0, '"');
        int segs = 0;
        for (const char *p = p0; p < p1; p++)
            segs += *p == 'M';
        assert_int_equal(segs, (int)(nb / 2));
    }
    assert_string_equal(json_string_value(json_object_get(json_object_get(d, "window"), "from")),
                        "2024-01-15");
    assert_true(json_is_true(json_object_get(d, "weighted")));
    assert_true(b.len <= 1000000);
    printf("network page: %zu bytes, %zu backbone edges\n", b.len, nb / 2);
    json_decref(d);
    ep_buf_free(&b);
}

static void test_map_coalition(void **state)
{
    (void)state;
    struct ep_buf b;
    json_t *d = page("map", &b);
    size_t n = json_array_size(json_object_get(json_object_get(d, "nodes"), "id"));
    assert_true(n > 600 && n <= 707);
    assert_int_equal(count(b.data, "<circle "), (int)n);
    json_decref(d);
    ep_buf_free(&b);
    d = page("coalition", &b);
    size_t ng = json_array_size(json_object_get(d, "groups"));
    size_t np = json_array_size(json_object_get(d, "pairs"));
    assert_true(ng >= 7);
    assert_true(np <= ng * (ng - 1) / 2);
    assert_int_equal(count(b.data, "class=\"cell\""), (int)(2 * np));
    json_decref(d);
    ep_buf_free(&b);
}

static void test_scorecard(void **state)
{
    (void)state;
    struct ep_buf b;
    json_t *d = page("scorecard?mep_id=96830", &b);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(d, "mep"), "id")), 96830);
    assert_int_equal(json_array_size(json_object_get(d, "dimensions")), 6);
    assert_int_equal(json_integer_value(json_object_get(d, "n")), 707);
    assert_non_null(strstr(b.data, "id=\"t-def\""));
    json_decref(d);
    ep_buf_free(&b);
    /* without an MEP: the waiting page; an MEP without positions: not found */
    d = page("scorecard", &b);
    assert_non_null(strstr(b.data, "No MEP chosen yet"));
    json_decref(d);
    ep_buf_free(&b);
    struct ep_ui_req q;
    struct ep_error err = {0};
    assert_int_equal(ep_ui_parse("scorecard?mep_id=1", &q, &err), 0);
    ep_buf_init(&b, 0);
    assert_int_equal(ep_ui_render(&Env, &q, &b, &err), EP_ENOTFOUND);
    assert_int_equal(b.len, 0);
    ep_buf_free(&b);
    /* a window without votes */
    assert_int_equal(ep_ui_parse("network?from=2030-01-01", &q, &err), 0);
    assert_int_equal(ep_ui_render(&Env, &q, &b, &err), EP_EUNAVAIL);
}

/* The hemicycle: one dot per seat with a group on the window's last vote (2024-04-23). The
 * figures, by hand in sqlite3 over the bundled store:
 *   SELECT group_code, count(*) FROM membership WHERE start_date <= '2024-04-23'
 *     AND (end_date IS NULL OR end_date >= '2024-04-23') GROUP BY group_code;
 * EPP 177, SD 140, RENEW 102, GREEN_EFA 72, ECR 68, ID 59, NI 50, GUE_NGL 37: 705 seats,
 * majority 705 / 2 + 1 = 353. */
static void test_hemicycle(void **state)
{
    (void)state;
    struct ep_buf b;
    json_t *d = page("hemicycle", &b);
    assert_int_equal(json_integer_value(json_object_get(d, "total")), 705);
    assert_int_equal(json_integer_value(json_object_get(d, "majority")), 353);
    assert_string_equal(json_string_value(json_object_get(d, "date")), "2024-04-23");
    assert_int_equal(count(b.data, "<circle "), 705);
    json_t *gs = json_object_get(d, "groups");
    assert_int_equal(json_array_size(gs), 8);
    /* the EP's seating order, left to right */
    assert_string_equal(json_string_value(json_object_get(json_array_get(gs, 0), "code")),
                        "GUE_NGL");
    assert_string_equal(json_string_value(json_object_get(json_array_get(gs, 4), "code")), "EPP");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(gs, 4), "seats")), 177);
    assert_non_null(strstr(b.data, "aria-label=\"EPP: 177 seats, 25.1 %\""));
    /* every listed coalition reaches the majority and is minimal: each member is needed */
    json_t *cs = json_object_get(d, "coalitions");
    assert_true(json_array_size(cs) > 0);
    size_t k;
    json_t *c;
    json_array_foreach(cs, k, c) {
        int sum = 0, min = 1 << 30;
        size_t i;
        json_t *g;
        json_array_foreach(json_object_get(c, "groups"), i, g) {
            int n = (int)json_integer_value(
                json_object_get(json_array_get(gs, (size_t)json_integer_value(g)), "seats"));
            sum += n;
            min = n < min ? n : min;
        }
        assert_int_equal(sum, json_integer_value(json_object_get(c, "seats")));
        assert_true(sum >= 353 && sum - min < 353);
        assert_true(json_integer_value(json_object_get(c, "won")) <=
                    json_integer_value(json_object_get(c, "aligned")));
    }
    assert_int_equal(count(b.data, "class=\"pick\""), (int)json_array_size(cs));
    json_decref(d);
    ep_buf_free(&b);
}

/* The policy-area view of OEIL subject 4 (Economic, social and territorial cohesion): 45 votes
 * with positions in the bundled store, 8 groups; EPP's Agreement Index in the area 0.764522 as
 * analyze_policy_area reports it (epintel tool analyze_policy_area --args '{"subject":"4"}').
 * One solid and one light bar per group; without a subject the page names its default. */
static void test_policy_area(void **state)
{
    (void)state;
    struct ep_ui_req q;
    struct ep_error err = {0};
    assert_int_equal(ep_ui_parse("policy-area?subject=4.x", &q, &err), EP_EINVAL);
    assert_non_null(strstr(err.msg, "OEIL subject"));
    assert_int_equal(ep_ui_parse("policy-area?subject=4&concept=12", &q, &err), EP_EINVAL);
    struct ep_buf b;
    json_t *d = page("policy-area?subject=4", &b);
    json_t *area = json_object_get(d, "area");
    assert_string_equal(json_string_value(json_object_get(area, "code")), "4");
    assert_int_equal(json_integer_value(json_object_get(area, "votes_in_window")), 45);
    json_t *gs = json_object_get(d, "groups");
    assert_int_equal(json_array_size(gs), 8);
    assert_int_equal(count(b.data, "class=\"bar area"), 8);
    assert_int_equal(count(b.data, "class=\"bar all"), 8);
    size_t k;
    json_t *g;
    int seen = 0;
    json_array_foreach(gs, k, g) {
        if (strcmp(json_string_value(json_object_get(g, "code")), "EPP") == 0) {
            assert_float_equal(json_real_value(json_object_get(g, "ai")), 0.764522, 1e-6);
            seen = 1;
        }
    }
    assert_true(seen);
    assert_non_null(strstr(b.data, "aria-label=\"EPP in the area: AI 0.765\""));
    assert_int_equal(json_array_size(json_object_get(d, "pairs")), 28);
    json_decref(d);
    ep_buf_free(&b);
    d = page("policy-area", &b);
    area = json_object_get(d, "area");
    assert_true(json_is_true(json_object_get(area, "default")));
    /* the default is the listed top-level subject with the most votes */
    long best = -1;
    json_array_foreach(json_object_get(d, "subjects"), k, g) {
        long v = (long)json_integer_value(json_object_get(g, "votes"));
        best = v > best ? v : best;
    }
    assert_int_equal(json_integer_value(json_object_get(area, "votes_with_positions")), best);
    assert_non_null(strstr(b.data, "no subject chosen"));
    json_decref(d);
    ep_buf_free(&b);
}

/* ---- /ui/ pages: the page cache, and tool calls through /mcp ------------------------------- */

/* The /ui/ page (ep_ui_res_page) may connect to its own origin (for /mcp) and names it in its
 * data; the ui:// resource fetches nothing. A second request for the same page and store content
 * comes from the cache, byte for byte; another window is built anew. */
static void test_page_cache(void **state)
{
    (void)state;
    struct ep_error err = {0};
    struct ep_ui_res_cache *c = NULL, *other = NULL;
    assert_int_equal(ep_ui_res_cache_init(&c, &err), 0);
    assert_int_equal(ep_ui_res_cache_init(&other, &err), 0);
    char *h1 = NULL, *h2 = NULL, *h3 = NULL;
    size_t n1 = 0, n2 = 0, n3 = 0;
    unsigned long hits, misses;
    assert_int_equal(ep_ui_res_page(c, S, "coalition", &h1, &n1, &err), 0);
    assert_non_null(strstr(h1, "default-src 'none'; connect-src 'self';"));
    assert_non_null(strstr(h1, "\"mcp\":\"..\\/mcp\""));
    ep_ui_res_cache_stats(c, &hits, &misses);
    assert_int_equal(hits, 0);
    assert_int_equal(misses, 1);
    assert_int_equal(ep_ui_res_page(c, S, "coalition", &h2, &n2, &err), 0);
    ep_ui_res_cache_stats(c, &hits, &misses);
    assert_int_equal(hits, 1);
    assert_int_equal(misses, 1);
    assert_int_equal(n1, n2);
    assert_memory_equal(h1, h2, n1);
    assert_int_equal(ep_ui_res_page(c, S, "coalition?from=2024-01-01", &h3, &n3, &err), 0);
    ep_ui_res_cache_stats(c, &hits, &misses);
    assert_int_equal(hits, 1);
    assert_int_equal(misses, 2);
    assert_true(n3 != n1 || memcmp(h1, h3, n1) != 0);
    json_t *res = NULL;
    /* another cache is its own: the same page is a miss there */
    char *h4 = NULL;
    size_t n4 = 0;
    assert_int_equal(ep_ui_res_page(other, S, "coalition", &h4, &n4, &err), 0);
    ep_ui_res_cache_stats(other, &hits, &misses);
    assert_int_equal(hits, 0);
    assert_int_equal(misses, 1);
    assert_int_equal(n4, n1);
    assert_memory_equal(h4, h1, n1);
    free(h4);
    ep_ui_res_cache_close(other);
    assert_int_equal(ep_ui_res_read(c, S, "ui://epintel/coalition", &res, &err), 0);
    const char *t = json_string_value(
        json_object_get(json_array_get(json_object_get(res, "contents"), 0), "text"));
    assert_non_null(t);
    assert_null(strstr(t, "connect-src"));
    assert_null(strstr(t, "\"mcp\":"));
    json_decref(res);
    free(h1);
    free(h2);
    free(h3);
    ep_ui_res_cache_close(c);
}

struct hresp {
    long status;
    struct ep_buf body;
};

static size_t hresp_body(char *p, size_t sz, size_t n, void *ud)
{
    return ep_buf_append(ud, p, sz * n) ? 0 : sz * n;
}

/* One request to the server on port: method, path, the API key (NULL: none), a body (NULL:
 * none; len -1: strlen) and, for tools/call, the 2026-07-28 headers the page's script sends. */
static void hreq(int port, const char *method, const char *path, const char *key, const char *body,
                 long len, const char *tool, struct hresp *r)
{
    CURL *c = curl_easy_init();
    assert_non_null(c);
    char url[256], h[160];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    struct curl_slist *hs = NULL;
    if (key) {
        snprintf(h, sizeof h, "Authorization: Bearer %s", key);
        hs = curl_slist_append(hs, h);
    }
    if (body) {
        hs = curl_slist_append(hs, "Content-Type: application/json");
        hs = curl_slist_append(hs, "Accept: application/json");
        hs = curl_slist_append(hs, "MCP-Protocol-Version: 2026-07-28");
        hs = curl_slist_append(hs, "Mcp-Method: tools/call");
        snprintf(h, sizeof h, "Mcp-Name: %s", tool ? tool : "");
        hs = curl_slist_append(hs, h);
        snprintf(h, sizeof h, "Origin: http://127.0.0.1:%d", port);
        hs = curl_slist_append(hs, h);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, len < 0 ? (long)strlen(body) : len);
    }
    ep_buf_init(&r->body, 0);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hs);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, hresp_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    assert_int_equal(ep_buf_putc(&r->body, 0), 0);
    curl_slist_free_all(hs);
    curl_easy_cleanup(c);
}

/* The body the page's script POSTs for a tool call (ui/assets/ep_ui.js, httpCall). */
static char *page_call(const char *tool, const char *args)
{
    char *s = NULL;
    assert_true(asprintf(&s,
                         "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{"
                         "\"name\":\"%s\",\"arguments\":%s,\"_meta\":{"
                         "\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","
                         "\"io.modelcontextprotocol/clientCapabilities\":{},"
                         "\"io.modelcontextprotocol/clientInfo\":{\"name\":\"epintel-coalition\","
                         "\"version\":\"1\"}}}}",
                         tool, args) > 0);
    return s;
}

/* A /ui/ page's tool calls on a real server with API keys: the page's request shape is
 * answered with the tool's result for a role that may call the tool, and refused with a clear
 * error for an unknown tool, bad JSON, a role without the tool, no key and an oversized body. */
static void test_ui_tool_calls(void **state)
{
    (void)state;
    char cfg[1100], pf[1100], db[1100];
    snprintf(cfg, sizeof cfg, "%s/auth.json", Dir);
    snprintf(pf, sizeof pf, "%s/port", Dir);
    snprintf(db, sizeof db, "%s/ui.db", Dir);
    FILE *f = fopen(cfg, "w");
    assert_non_null(f);
    fprintf(f, "{\"resource\":\"http://127.0.0.1/mcp\",\"authorization_servers\":"
               "[\"https://auth.example\"],\"issuer\":\"https://auth.example\","
               "\"roles\":{\"viewer\":{\"scope\":\"v\",\"tools\":[\"get_meps\"]},"
               "\"analyst\":{\"scope\":\"a\",\"tools\":[\"*\"]}},\"api_keys\":["
               /* sha256 of "ui-analyst-key" and "ui-viewer-key" */
               "{\"id\":\"analyst\",\"sha256\":"
               "\"a93788b32810caa263ecfb923ccfc741b10fb29b189aeb1042ee71af7e28bf83\","
               "\"role\":\"analyst\"},{\"id\":\"viewer\",\"sha256\":"
               "\"d6a432418b17b55a53227a7d212093de7e1436a5d64e45ae28b21b231adb4122\","
               "\"role\":\"viewer\"}]}");
    fclose(f);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        execl(EP_TEST_BIN, "epintel", "--quiet", "--db", db, "serve", "--http", "127.0.0.1:0",
              "--port-file", pf, "--auth-config", cfg, "--max-body-bytes", "4096", (char *)NULL);
        _exit(127);
    }
    int port = ep_test_wait_port_file(pf, pid, 300);
    assert_true(port > 0);
    struct hresp r;
    /* the page, then its drill-down's call, as the script sends it */
    hreq(port, "GET", "/ui/coalition", "ui-analyst-key", NULL, 0, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body.data, "connect-src 'self'"));
    ep_buf_free(&r.body);
    char *call = page_call("get_voting_records", "{\"with_positions\":true,\"limit\":3}");
    hreq(port, "POST", "/mcp", "ui-analyst-key", call, -1, "get_voting_records", &r);
    assert_int_equal(r.status, 200);
    json_t *v = json_loads(r.body.data, 0, NULL);
    assert_non_null(v);
    json_t *votes = json_object_get(
        json_object_get(json_object_get(v, "result"), "structuredContent"), "votes");
    assert_int_equal(json_array_size(votes), 3);
    assert_true(json_array_size(json_object_get(json_array_get(votes, 0), "groups")) > 0);
    json_decref(v);
    ep_buf_free(&r.body);
    /* no key: 401; a role without the tool: 403 naming the role and the tool */
    hreq(port, "POST", "/mcp", NULL, call, -1, "get_voting_records", &r);
    assert_int_equal(r.status, 401);
    ep_buf_free(&r.body);
    hreq(port, "POST", "/mcp", "ui-viewer-key", call, -1, "get_voting_records", &r);
    assert_int_equal(r.status, 403);
    assert_non_null(strstr(r.body.data, "your role (viewer) may not call get_voting_records"));
    ep_buf_free(&r.body);
    free(call);
    /* an unknown tool: an error naming it */
    call = page_call("no_such_tool", "{}");
    hreq(port, "POST", "/mcp", "ui-analyst-key", call, -1, "no_such_tool", &r);
    assert_non_null(strstr(r.body.data, "no_such_tool"));
    v = json_loads(r.body.data, 0, NULL);
    assert_true(json_object_get(v, "error") ||
                json_is_true(json_object_get(json_object_get(v, "result"), "isError")));
    json_decref(v);
    ep_buf_free(&r.body);
    free(call);
    /* bad arguments: the schema's error names the argument */
    call = page_call("get_voting_records", "{\"limit\":\"many\"}");
    hreq(port, "POST", "/mcp", "ui-analyst-key", call, -1, "get_voting_records", &r);
    assert_non_null(strstr(r.body.data, "limit"));
    assert_null(strstr(r.body.data, "\"votes\""));
    ep_buf_free(&r.body);
    free(call);
    /* bad JSON: 400, a parse error */
    hreq(port, "POST", "/mcp", "ui-analyst-key", "{\"jsonrpc\":", -1, "get_voting_records", &r);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body.data, "Parse error"));
    ep_buf_free(&r.body);
    /* a body over --max-body-bytes: 413 naming the limit */
    char *big = malloc(8192);
    assert_non_null(big);
    memset(big, ' ', 8192);
    memcpy(big, "{\"a\":1}", 7);
    hreq(port, "POST", "/mcp", "ui-analyst-key", big, 8192, "get_voting_records", &r);
    assert_int_equal(r.status, 413);
    assert_non_null(strstr(r.body.data, "--max-body-bytes"));
    ep_buf_free(&r.body);
    free(big);
    kill(pid, SIGTERM);
    int st = 0;
    waitpid(pid, &st, 0);
}

/* The hemicycle on two dates (hand-checked by SQL over membership: the members with a
 * membership spanning the day, per group), a date between two votes (the seats of the last vote
 * on or before it), a date before the window (400-style error) and the blocs (the communities of
 * the co-voting network: their sizes add up to the network's MEPs, each drawn and tabled). */
static void test_hemicycle_date_blocs(void **state)
{
    (void)state;
    static const struct {
        const char *spec, *day;
        int total, epp, sd, ni;
    } cases[] = {
        /* SELECT group_code, count(DISTINCT member_id) FROM membership WHERE start_date <= D
         * AND (end_date IS NULL OR end_date >= D) GROUP BY group_code */
        {"hemicycle?date=2024-01-16", "2024-01-16", 705, 178, 141, 51},
        {"hemicycle?date=2024-02-26", "2024-02-26", 703, 177, 139, 49},
        /* no vote with positions from 2024-01-18 to 2024-02-07: the seats of 2024-01-17 */
        {"hemicycle?date=2024-02-01", "2024-01-17", 705, 179, 141, 50},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        struct ep_buf b;
        json_t *d = page(cases[k].spec, &b);
        assert_string_equal(json_string_value(json_object_get(d, "date")), cases[k].day);
        assert_int_equal(json_integer_value(json_object_get(d, "total")), cases[k].total);
        assert_int_equal(json_integer_value(json_object_get(d, "majority")),
                         cases[k].total / 2 + 1);
        assert_int_equal(count(b.data, "<circle "), cases[k].total);
        size_t i;
        json_t *g;
        int seen = 0;
        json_array_foreach(json_object_get(d, "groups"), i, g)
        {
            const char *code = json_string_value(json_object_get(g, "code"));
            int seats = (int)json_integer_value(json_object_get(g, "seats"));
            if (strcmp(code, "EPP") == 0)
                assert_int_equal(seats, cases[k].epp), seen++;
            if (strcmp(code, "SD") == 0)
                assert_int_equal(seats, cases[k].sd), seen++;
            if (strcmp(code, "NI") == 0)
                assert_int_equal(seats, cases[k].ni), seen++;
        }
        assert_int_equal(seen, 3);
        assert_string_equal(json_string_value(json_object_get(json_object_get(d, "args"), "date")),
                            strstr(cases[k].spec, "=") + 1);
        /* the blocs: sizes add up to the network's MEPs; one bar and one table row each */
        json_t *bl = json_object_get(json_object_get(d, "blocs"), "communities");
        assert_true(json_array_size(bl) >= 2);
        int sum = 0;
        json_array_foreach(bl, i, g)
        {
            int size = (int)json_integer_value(json_object_get(g, "size")), in = 0;
            size_t j;
            json_t *x;
            json_array_foreach(json_object_get(g, "groups"), j, x) in +=
                (int)json_integer_value(json_object_get(x, "nodes"));
            assert_int_equal(in, size);
            sum += size;
        }
        assert_int_equal(sum, 707);
        assert_int_equal(count(b.data, "class=\"bloc\""), (int)json_array_size(bl));
        json_decref(d);
        ep_buf_free(&b);
    }
    struct ep_ui_req q;
    struct ep_error err = {0};
    assert_int_equal(ep_ui_parse("hemicycle?date=2024-01-01", &q, &err), 0);
    struct ep_buf b;
    ep_buf_init(&b, 0);
    assert_int_equal(ep_ui_render(&Env, &q, &b, &err), EP_EINVAL);
    assert_non_null(strstr(err.msg, "before the window's first vote"));
    ep_buf_free(&b);
    assert_int_equal(ep_ui_parse("network?date=2024-02-01", &q, &err), EP_EINVAL);
    assert_non_null(strstr(err.msg, "hemicycle only"));
    assert_int_equal(ep_ui_parse("hemicycle?date=2024-02-30", &q, &err), EP_EINVAL);
}

/* The policy-area picker lists the sub-levels: each top-level subject followed by the codes
 * below it with votes with positions, indented by level; a sub-level's page selects it. Counts
 * hand-checked by SQL: count(DISTINCT vote_id) FROM vote_topic WHERE kind = 'subject' AND (code
 * = C OR code LIKE 'C.%') AND vote_id IN (SELECT vote_id FROM vote_positions). */
static void test_policy_sublevels(void **state)
{
    (void)state;
    struct ep_buf b;
    json_t *d = page("policy-area?subject=2.50.04", &b);
    json_t *area = json_object_get(d, "area");
    assert_string_equal(json_string_value(json_object_get(area, "code")), "2.50.04");
    assert_int_equal(json_integer_value(json_object_get(area, "votes_with_positions")), 9);
    static const struct {
        const char *code;
        int level, votes;
    } want[] = {{"2.50.04", 3, 9}, {"2.50.04.02", 4, 3}, {"3.10", 2, 2}, {"1.20", 2, 10}};
    json_t *subs = json_object_get(d, "subjects");
    int found = 0;
    char top[40] = "-";
    size_t k;
    json_t *x;
    json_array_foreach(subs, k, x)
    {
        const char *c = json_string_value(json_object_get(x, "code"));
        int level = (int)json_integer_value(json_object_get(x, "level"));
        /* in tree order: each code below the last top-level one listed */
        assert_true(level >= 1);
        if (level == 1)
            snprintf(top, sizeof top, "%s.", c);
        else
            assert_int_equal(strncmp(c, top, strlen(top)), 0);
        for (size_t w = 0; w < sizeof want / sizeof want[0]; w++)
            if (strcmp(c, want[w].code) == 0) {
                assert_int_equal(level, want[w].level);
                assert_int_equal(json_integer_value(json_object_get(x, "votes")), want[w].votes);
                found++;
            }
    }
    assert_int_equal(found, 4);
    /* one option per listed subject, the area's selected; no "(this area)" entry */
    const char *sel = strstr(b.data, "<select id=\"subject\">");
    assert_non_null(sel);
    const char *end = strstr(sel, "</select>");
    int opts = 0;
    for (const char *p = strstr(sel, "<option "); p && p < end; p = strstr(p + 1, "<option "))
        opts++;
    assert_int_equal(opts, (int)json_array_size(subs));
    assert_non_null(strstr(sel, "<option value=\"2.50.04\" data-level=\"3\" selected>"));
    assert_null(strstr(sel, "(this area)"));
    json_decref(d);
    ep_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_network),
        cmocka_unit_test(test_map_coalition),
        cmocka_unit_test(test_scorecard),
        cmocka_unit_test(test_hemicycle),
        cmocka_unit_test(test_policy_area),
        cmocka_unit_test(test_page_cache),
        cmocka_unit_test(test_ui_tool_calls),
        cmocka_unit_test(test_hemicycle_date_blocs),
        cmocka_unit_test(test_policy_sublevels),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
