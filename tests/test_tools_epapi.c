/* The EP Open Data API pass-through tools and get_server_health (tools/ep_tools_epapi.c)
 * against the local test server (tests/srv_epapi.c): the generated table against the OpenAPI
 * spec, argument validation from the spec, paging, both caches, a stale copy served degraded,
 * the breaker in get_server_health, and a clear error when the upstream is unreachable. The
 * pipeline runs on a fake clock where it would sleep or age its cache. */
#include <curl/curl.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ep_epapi.h"
#include "ep_json.h"
#include "ep_schema.h"
#include "ep_store.h"
#include "ep_store_db.h"
#include "ep_testutil.h"
#include "ep_tools.h"
#include "ep_tools_all.h"
#include "ep_tools_epapi.h"
#include "ep_tools_toolkit.h"
#include "ep_tools_signals.h"

EP_TEST_TOOLS

static pid_t srv_pid = -1;
static char base[128];
static char *tmp;
static struct ep_store *store;
static struct ep_tool_ctx ctx;

struct fake {
    double t;
};
static double fake_now(void *c)
{
    return ((struct fake *)c)->t;
}
static void fake_sleep(void *c, double s)
{
    if (s > 0)
        ((struct fake *)c)->t += s;
}
static struct fake fk;
static const struct ep_fetch_clock fake_clock = {&fk, fake_now, fake_sleep};

static const char *ctl(const char *method, const char *path, const char *json)
{
    char url[256];
    snprintf(url, sizeof url, "%s%s", base, path);
    return ep_test_http(method, url, json);
}

static long server_requests(void)
{
    json_t *j = json_loads(ctl("GET", "__stats", NULL), 0, NULL);
    long n = (long)json_integer_value(json_object_get(j, "requests"));
    json_decref(j);
    return n;
}

/* A fresh pipeline on the test server (or url), fake clock, no result cache unless asked. */
static void pipeline(const char *url, int threshold, int retries)
{
    ctl("POST", "__faults", "{\"clear\":true}");
    fk.t = 1.0e9;
    struct ep_fetch_opts o = {.base_url = url ? url : base,
                              .clock = &fake_clock,
                              .breaker_threshold = threshold,
                              .max_retries = retries,
                              .seed = 7};
    struct ep_error err = {0};
    assert_int_equal(ep_tools_epapi_configure(Tools, &o, &err), 0);
    setenv("EPINTEL_NO_RESULT_CACHE", "1", 1);
}

static int group_setup(void **state)
{
    (void)state;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    tmp = ep_test_tmpdir();
    if (!tmp)
        return -1;
    int port = 0;
    srv_pid = ep_test_start_server("srv_epapi", tmp, &port);
    if (srv_pid < 0)
        return -1;
    snprintf(base, sizeof base, "http://127.0.0.1:%d/", port);
    char path[4096];
    snprintf(path, sizeof path, "%s/tools.db", tmp);
    struct ep_error err = {0};
    if (ep_store_open(path, 0, &store, &err) || ep_tools_register_all(Tools, &err)) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return -1;
    }
    ctx.store = store;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    ep_tools_epapi_configure(Tools, NULL, NULL);
    ep_tools_cleanup(Tools);
    ep_store_close(store);
    ep_test_stop_server(srv_pid);
    ep_test_system("rm -rf '%s'", tmp);
    free(tmp);
    curl_global_cleanup();
    return 0;
}

/* Call a tool; returns its code, *out the result (or NULL), err filled on failure. */
static int call(const char *name, const char *args, json_t **out, struct ep_error *err)
{
    json_error_t je;
    json_t *a = json_loads(args, 0, &je);
    if (!a)
        fail_msg("bad test JSON %s: %s", args, je.text);
    *out = NULL;
    memset(err, 0, sizeof *err);
    int rc = ep_tools_call(Tools, &ctx, name, a, out, err);
    json_decref(a);
    return rc;
}

static json_t *call_ok(const char *name, const char *args)
{
    json_t *r;
    struct ep_error err;
    if (call(name, args, &r, &err))
        fail_msg("%s %s: %s", name, args, err.msg);
    return r;
}

static const char *str(json_t *o, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    json_t *v = o;
    for (char *save = NULL, *k = strtok_r(buf, ".", &save); k; k = strtok_r(NULL, ".", &save))
        v = json_object_get(v, k);
    return json_string_value(v);
}

/* ---- the generated table against the spec ---------------------------------------------------- */

static json_t *resolve(json_t *spec, json_t *node)
{
    while (json_is_object(node) && json_object_get(node, "$ref")) {
        char ref[256];
        snprintf(ref, sizeof ref, "%s", json_string_value(json_object_get(node, "$ref")) + 2);
        node = spec;
        for (char *save = NULL, *k = strtok_r(ref, "/", &save); k; k = strtok_r(NULL, "/", &save))
            node = json_object_get(node, k);
    }
    return node;
}

static void test_table_matches_spec(void **state)
{
    (void)state;
    /* the real table is registered lazily: every schema of every row parses and is supported */
    struct ep_error verr = {0};
    if (ep_tools_verify(Tools, &verr))
        fail_msg("%s", verr.msg);
    assert_true(ep_tools_count(Tools) >= 67);
    /* every schema text tools/list splices (embedded, or registered as compact) is exactly the
     * compact dump of the parsed schema, so the spliced page equals a serialized one */
    size_t n_embedded = 0;
    for (size_t i = 0; i < ep_tools_count(Tools); i++) {
        const struct ep_tool *t = ep_tools_at(Tools, i);
        for (int o = 0; o < 2; o++) {
            json_t *sch = o ? ep_tools_output_schema(t) : ep_tools_input_schema(t);
            size_t len = 0;
            const char *text = ep_tools_schema_text(t, o, &len);
            if (!sch) {
                assert_null(text);
                continue;
            }
            char *dump = json_dumps(sch, JSON_COMPACT);
            assert_non_null(text);
            if (strcmp(dump, text) != 0 || len != strlen(dump))
                fail_msg("%s %s: the text differs from its compact dump", t->name,
                         o ? "outputSchema" : "inputSchema");
            free(dump);
        }
        const struct ep_schema_text *emb = ep_schema_embedded(t->name);
        if (emb) {
            assert_ptr_equal(t->input_schema, emb->input);
            n_embedded++;
        }
    }
    /* every tool but the pass-through ones (schemas from the OpenAPI spec) takes its schemas
     * from tools/schemas/NAME.json: 8 basic, 2 analysis, 5 intelligence, get_server_health,
     * 2 topic tools */
    size_t n_kit = 0; /* the toolkit tools, part A (schemas in tools/schemas/ too) */
    ep_tools_toolkit_rows(&n_kit);
    size_t n_sig = 0; /* and every signal tool (ep_tools_signals.c) */
    (void)ep_tools_signals_rows(&n_sig);
    assert_int_equal(n_embedded, 18 + n_kit + n_sig);
    json_error_t je;
    json_t *spec = json_load_file(ep_test_real("ep-open-data-api/ep-openapi-spec.json"), 0, &je);
    if (!spec)
        fail_msg("spec: %s", je.text);
    json_t *paths = json_object_get(spec, "paths");
    assert_int_equal(json_object_size(paths), 55);
    size_t n_ep = 0;
    ep_epapi_endpoints(&n_ep);
    assert_int_equal(n_ep, 55);

    size_t n = 0;
    struct ep_error err = {0};
    const struct ep_tool *rows = ep_tools_epapi_rows(Tools, &n, &err);
    assert_non_null(rows);
    /* 55 GET paths - 3 served by the basic tools (get_meps, get_mep_details,
     * get_parliamentary_questions) = 52 pass-through tools, + get_server_health */
    assert_int_equal(n, 53);
    assert_string_equal(rows[n - 1].name, "get_server_health");
    assert_non_null(ep_tools_epapi_excluded("meps"));
    assert_non_null(ep_tools_epapi_excluded("meps/{mep-id}"));
    assert_non_null(ep_tools_epapi_excluded("parliamentary-questions"));
    assert_null(ep_tools_epapi_excluded("speeches"));
    /* 10 basic + 5 intelligence + 2 topic tools + 52 + health (+ the toolkit and the signal
     * tools), registered without a clash */
    assert_int_equal(ep_tools_count(Tools), 70 + n_kit + n_sig);

    size_t seen = 0, excluded = 0, feeds = 0;
    const char *key;
    json_t *item;
    json_object_foreach(paths, key, item)
    {
        const char *path = key + 1;
        if (ep_tools_epapi_excluded(path)) {
            excluded++;
            continue;
        }
        const struct ep_tool *t = NULL;
        for (size_t i = 0; i + 1 < n; i++)
            if (strcmp(ep_tools_epapi_endpoint_of(Tools, rows[i].name), path) == 0)
                t = &rows[i];
        if (!t)
            fail_msg("no tool for %s", path);
        seen++;
        assert_true(strncmp(t->name, "get_", 4) == 0);
        size_t ln = strlen(t->name);
        int is_feed = strlen(path) > 5 && strcmp(path + strlen(path) - 5, "/feed") == 0;
        if (is_feed) {
            feeds++;
            assert_true(ln > 5 && strcmp(t->name + ln - 5, "_feed") == 0);
        }
        assert_true(t->read_only && t->idempotent && t->open_world && t->cache_ttl_s > 0);
        json_t *in = json_object_get(ep_tools_input_schema(ep_tools_find(Tools, t->name)), "properties");
        assert_non_null(in);
        /* every path and query parameter of the spec, typed as the spec says */
        size_t want = 0;
        size_t k;
        json_t *p;
        json_array_foreach(json_object_get(json_object_get(item, "get"), "parameters"), k, p)
        {
            p = resolve(spec, p);
            const char *pin = json_string_value(json_object_get(p, "in"));
            const char *pname = json_string_value(json_object_get(p, "name"));
            if (strcmp(pin, "header") == 0 || strcmp(pname, "format") == 0)
                continue;
            want++;
            char an[96];
            snprintf(an, sizeof an, "%s", pname);
            for (char *c = an; *c; c++)
                if (*c == '-')
                    *c = '_';
            json_t *ps = json_object_get(in, an);
            if (!ps)
                fail_msg("%s: no argument %s for spec parameter %s", t->name, an, pname);
            json_t *ss = resolve(spec, json_object_get(p, "schema"));
            const char *st = json_string_value(json_object_get(ss, "type"));
            const char *at = json_string_value(json_object_get(ps, "type"));
            if (strcmp(pin, "path") == 0) {
                assert_true(strcmp(at, "string") == 0 || strcmp(at, "integer") == 0);
            } else if (st && strcmp(st, "array") == 0) {
                assert_string_equal(at, "array");
                json_t *e1 = json_object_get(resolve(spec, json_object_get(ss, "items")), "enum");
                json_t *e2 = json_object_get(json_object_get(ps, "items"), "enum");
                assert_int_equal(json_array_size(e1), json_array_size(e2));
            } else if (st && strcmp(st, "integer") == 0) {
                assert_string_equal(at, "integer");
            } else {
                assert_string_equal(at, "string");
                json_t *e1 = json_object_get(ss, "enum");
                assert_true(json_equal(e1, json_object_get(ps, "enum")) || !e1);
            }
        }
        if (json_object_size(in) != want)
            fail_msg("%s: %zu arguments, spec has %zu parameters", t->name, json_object_size(in),
                     want);
    }
    assert_int_equal(seen, 52);
    assert_int_equal(excluded, 3);
    assert_int_equal(feeds, 13);
    /* the peer server's names where the endpoint is the same */
    assert_string_equal(ep_tools_epapi_endpoint_of(Tools, "get_procedure_event_by_id"),
                        "procedures/{process-id}/events/{event-id}");
    assert_string_equal(ep_tools_epapi_endpoint_of(Tools, "get_meeting_decisions"),
                        "meetings/{sitting-id}/decisions");
    assert_string_equal(ep_tools_epapi_endpoint_of(Tools, "get_mep_declarations"), "meps-declarations");
    assert_string_equal(ep_tools_epapi_endpoint_of(Tools, "get_homonym_meps"), "meps/show-homonyms");
    assert_null(ep_tools_epapi_endpoint_of(Tools, "get_meps"));
    json_decref(spec);
}

/* ---- argument validation ----------------------------------------------------------------------
 */

static void expect_invalid(const char *name, const char *args, const char *needle)
{
    json_t *r;
    struct ep_error err;
    int rc = call(name, args, &r, &err);
    json_decref(r);
    if (rc != EP_EINVAL || !strstr(err.msg, needle))
        fail_msg("%s %s: rc %d \"%s\", expected EINVAL naming \"%s\"", name, args, rc, err.msg,
                 needle);
}

static void test_validation(void **state)
{
    (void)state;
    pipeline(NULL, 0, 0);
    long before = server_requests();
    expect_invalid("get_events_feed", "{\"timeframe\":\"yesterday\"}", "timeframe");
    expect_invalid("get_speeches", "{\"sitting_date\":\"2024-02-30\"}", "sitting_date");
    expect_invalid("get_speeches", "{\"activity_type\":[\"SINGING\"]}", "activity_type[0]");
    expect_invalid("get_speeches", "{\"parliamentary_term\":[8]}", "parliamentary_term[0]");
    expect_invalid("get_speeches", "{\"limit\":0}", "limit");
    expect_invalid("get_speeches", "{\"limit\":501}", "limit");
    expect_invalid("get_speeches", "{\"offset\":-1}", "offset");
    expect_invalid("get_procedures", "{\"process_type\":\"COD\"}", "process_type");
    expect_invalid("get_meeting_decisions", "{}", "sitting_id");
    expect_invalid("get_meeting_decisions", "{\"sitting_id\":\"a/b\"}", "sitting_id");
    expect_invalid("get_meeting_decisions", "{\"sitting_id\":\"..\"}", "not a valid identifier");
    expect_invalid("get_adopted_text", "{\"doc_id\":\"TA-9-2022-0201\",\"year\":2022}", "year");
    expect_invalid("get_document", "{\"doc_id\":\"A-9-2022-0275\",\"language\":\"xx\"}",
                   "language");
    assert_int_equal(server_requests(), before); /* nothing reached the upstream */
}

/* ---- paging and the query sent ------------------------------------------------------------- */

static void test_paging_and_query(void **state)
{
    (void)state;
    pipeline(NULL, 0, 0);
    /* events have no real-data route in the test server: 120 constructed items */
    json_t *r = call_ok("get_events", "{\"limit\":50}");
    assert_int_equal(json_integer_value(json_object_get(r, "count")), 50);
    assert_true(json_is_true(json_object_get(r, "hasMore")));
    assert_true(json_is_true(json_object_get(r, "constructed")));
    assert_string_equal(str(json_array_get(json_object_get(r, "data"), 0), "id"), "events-0001");
    json_decref(r);
    /* the third page holds 20 */
    r = call_ok("get_events", "{\"offset\":100,\"limit\":50,\"activity_type\":"
                              "[\"PLENARY_DEBATE_SPEECH\",\"PLENARY_VOTE\"]}");
    assert_int_equal(json_integer_value(json_object_get(r, "count")), 20);
    assert_false(json_is_true(json_object_get(r, "hasMore")));
    assert_int_equal(json_integer_value(json_object_get(r, "offset")), 100);
    json_t *d0 = json_array_get(json_object_get(r, "data"), 0);
    assert_string_equal(str(d0, "id"), "events-0101");
    /* what the server received: arrays comma-separated (form, explode=false) */
    assert_string_equal(str(d0, "epintel:query.activity-type"),
                        "PLENARY_DEBATE_SPEECH,PLENARY_VOTE");
    assert_string_equal(str(d0, "epintel:query.offset"), "100");
    assert_string_equal(str(d0, "epintel:query.limit"), "50");
    json_decref(r);
    /* past the end: an empty page, not an error */
    r = call_ok("get_events", "{\"offset\":120}");
    assert_int_equal(json_integer_value(json_object_get(r, "count")), 0);
    assert_false(json_is_true(json_object_get(r, "hasMore")));
    json_decref(r);
    /* a feed answered 404 ("no data") is an empty feed */
    ctl("POST", "__faults", "{\"route\":\"events/feed\",\"not_found\":true}");
    r = call_ok("get_events_feed", "{\"timeframe\":\"today\"}");
    assert_int_equal(json_integer_value(json_object_get(r, "count")), 0);
    assert_int_equal(json_integer_value(json_object_get(r, "status")), 404);
    assert_true(json_is_null(json_object_get(r, "offset")));
    json_decref(r);
    /* a path placeholder and real data: decisions of a sitting from the bundled roll-calls */
    r = call_ok("get_meeting_decisions",
                "{\"sitting_id\":\"MTG-PL-2024-01-16\",\"filter_output\":[\"voters\"],"
                "\"limit\":500}");
    assert_string_equal(str(r, "url") + strlen(base),
                        "meetings/MTG-PL-2024-01-16/decisions?filter-output=voters&offset=0&limit="
                        "500&format=application%2Fld%2Bjson");
    json_t *data = json_object_get(r, "data");
    int found = 0;
    size_t k;
    json_t *v;
    json_array_foreach(data, k, v)
    {
        if (strcmp(str(v, "activity_id"), "MTG-PL-2024-01-16-DEC-162974") == 0) {
            found = 1; /* vote 162974: 457 for, 92 against, 32 abstentions (test_tools_basic) */
            assert_int_equal(json_array_size(json_object_get(v, "had_voter_favor")), 457);
            assert_int_equal(json_array_size(json_object_get(v, "had_voter_against")), 92);
            assert_int_equal(json_array_size(json_object_get(v, "had_voter_abstention")), 32);
        }
    }
    assert_true(found);
    json_decref(r);
    /* an item endpoint: 404 upstream is an error naming the resource */
    json_t *x;
    struct ep_error err;
    assert_int_equal(call("get_corporate_body", "{\"body_id\":\"NOSUCHBODY\"}", &x, &err),
                     EP_ENOTFOUND);
    assert_non_null(strstr(err.msg, "corporate-bodies/NOSUCHBODY"));
    assert_non_null(strstr(err.msg, "404"));
}

/* ---- caches ------------------------------------------------------------------------------- */

static void test_cache_second_call(void **state)
{
    (void)state;
    pipeline(NULL, 0, 0);
    long before = server_requests();
    json_t *r = call_ok("get_events", "{\"limit\":5}");
    assert_string_equal(str(r, "source.cache"), "miss");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "source"), "attempts")),
                     1);
    json_decref(r);
    assert_int_equal(server_requests(), before + 1);
    /* the fetch cache (result cache off) */
    r = call_ok("get_events", "{\"limit\":5}");
    assert_string_equal(str(r, "source.cache"), "hit");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "source"), "attempts")),
                     0);
    json_decref(r);
    assert_int_equal(server_requests(), before + 1);
    /* the tool result cache */
    unsetenv("EPINTEL_NO_RESULT_CACHE");
    struct ep_tools_cache_stats a, b;
    ep_tools_cache_stats(Tools, &a);
    json_decref(call_ok("get_events", "{\"limit\":6}"));
    json_decref(call_ok("get_events", "{\"limit\":6}"));
    ep_tools_cache_stats(Tools, &b);
    assert_int_equal(b.hits, a.hits + 1);
    assert_int_equal(b.misses, a.misses + 1);
    assert_int_equal(server_requests(), before + 2);
    /* get_server_health reports both */
    r = call_ok("get_server_health", "{}");
    json_t *ev = NULL;
    size_t k;
    json_t *v;
    json_array_foreach(json_object_get(json_object_get(r, "upstream"), "endpoints"), k, v)
    {
        if (strcmp(str(v, "endpoint"), "events") == 0)
            ev = v;
    }
    assert_non_null(ev);
    assert_int_equal(json_integer_value(json_object_get(ev, "hits")), 1);
    assert_int_equal(json_integer_value(json_object_get(ev, "misses")), 2);
    assert_string_equal(str(ev, "breaker"), "closed");
    json_t *tot = json_object_get(json_object_get(r, "upstream"), "totals");
    /* 1/3 under the one rounding rule (tools/ep_json.h): 6 decimals */
    assert_true(json_real_value(json_object_get(tot, "hit_rate")) == 0.333333);
    json_t *rc = json_object_get(r, "result_cache");
    assert_int_equal(json_integer_value(json_object_get(rc, "hits")), (json_int_t)b.hits);
    assert_true(json_real_value(json_object_get(rc, "hit_rate")) ==
                ep_json_round((double)b.hits / (double)(b.hits + b.misses)));
    assert_string_equal(str(r, "upstream.base_url"), base);
    json_decref(r);
    setenv("EPINTEL_NO_RESULT_CACHE", "1", 1);
}

static void test_stale_served_degraded(void **state)
{
    (void)state;
    pipeline(NULL, 0, 0);
    json_t *r = call_ok("get_procedures", "{\"limit\":3}");
    assert_false(json_is_true(json_object_get(r, "degraded")));
    json_decref(r);
    fk.t += 4000; /* past the 1 h TTL of procedures */
    ctl("POST", "__faults", "{\"route\":\"procedures\",\"status\":503}");
    unsetenv("EPINTEL_NO_RESULT_CACHE");
    struct ep_tools_cache_stats a, b;
    ep_tools_cache_stats(Tools, &a);
    r = call_ok("get_procedures", "{\"limit\":3}");
    assert_true(json_is_true(json_object_get(r, "degraded")));
    assert_string_equal(str(r, "source.cache"), "stale");
    double age = json_real_value(json_object_get(json_object_get(r, "source"), "age_s"));
    assert_true(age >= 4000 && age < 4010); /* 4000 s plus the retries' backoff */
    assert_non_null(strstr(str(r, "source.warning"), "unavailable"));
    assert_non_null(strstr(str(r, "source.warning"), "HTTP 503"));
    assert_int_equal(json_integer_value(json_object_get(r, "count")), 3);
    json_decref(r);
    ep_tools_cache_stats(Tools, &b);
    assert_int_equal(b.entries, a.entries); /* a degraded result is not kept */
    setenv("EPINTEL_NO_RESULT_CACHE", "1", 1);
    /* no cached copy at all: the error names the upstream and why */
    json_t *x;
    struct ep_error err;
    assert_int_equal(call("get_procedures", "{\"limit\":4}", &x, &err), EP_EUNAVAIL);
    assert_non_null(strstr(err.msg, base));
    assert_non_null(strstr(err.msg, "unavailable"));
    assert_non_null(strstr(err.msg, "HTTP 503"));
}

static json_t *endpoint_health(const char *endpoint)
{
    json_t *r = call_ok("get_server_health", "{}");
    json_t *found = NULL;
    size_t k;
    json_t *v;
    json_array_foreach(json_object_get(json_object_get(r, "upstream"), "endpoints"), k, v)
    {
        if (strcmp(str(v, "endpoint"), endpoint) == 0)
            found = json_incref(v);
    }
    json_decref(r);
    if (!found)
        fail_msg("no health entry for %s", endpoint);
    return found;
}

static void test_breaker_in_health(void **state)
{
    (void)state;
    pipeline(NULL, 2, -1); /* opens after 2 failures; no retries */
    ctl("POST", "__faults", "{\"route\":\"documents\",\"status\":503}");
    json_t *x;
    struct ep_error err;
    assert_int_equal(call("get_documents", "{\"offset\":0}", &x, &err), EP_EUNAVAIL);
    json_t *h = endpoint_health("documents");
    assert_string_equal(str(h, "breaker"), "closed");
    assert_int_equal(json_integer_value(json_object_get(h, "consecutive_failures")), 1);
    json_decref(h);
    assert_int_equal(call("get_documents", "{\"offset\":50}", &x, &err), EP_EUNAVAIL);
    h = endpoint_health("documents");
    assert_string_equal(str(h, "breaker"), "open");
    assert_int_equal(json_integer_value(json_object_get(h, "failures")), 2);
    json_decref(h);
    /* open: rejected without contacting the upstream */
    long before = server_requests();
    assert_int_equal(call("get_documents", "{\"offset\":100}", &x, &err), EP_EUNAVAIL);
    assert_non_null(strstr(err.msg, "circuit breaker open"));
    assert_int_equal(server_requests(), before);
    /* other endpoints are not affected */
    json_decref(call_ok("get_events_feed", "{}"));
    fk.t += 31; /* past the 30 s cool-down */
    h = endpoint_health("documents");
    assert_string_equal(str(h, "breaker"), "half-open");
    json_decref(h);
    ctl("POST", "__faults", "{\"clear\":true}");
    json_decref(call_ok("get_documents", "{\"offset\":100}")); /* the trial succeeds */
    h = endpoint_health("documents");
    assert_string_equal(str(h, "breaker"), "closed");
    assert_int_equal(json_integer_value(json_object_get(h, "consecutive_failures")), 0);
    json_decref(h);
}

static void test_unreachable(void **state)
{
    (void)state;
    /* a port nobody listens on: bind one, then close it */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
    close(fd);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", ntohs(a.sin_port));
    pipeline(url, 0, 0);
    json_t *x;
    struct ep_error err;
    assert_int_equal(call("get_controlled_vocabularies", "{}", &x, &err), EP_EUNAVAIL);
    assert_non_null(strstr(err.msg, "get_controlled_vocabularies: the EP Open Data API"));
    assert_non_null(strstr(err.msg, url));
    assert_non_null(strstr(err.msg, "unavailable"));
    assert_non_null(strstr(err.msg, "after 4 attempts")); /* 1 + 3 retries */
}

/* ---- health: data age and the last sync --------------------------------------------------- */

static void test_health_datasets(void **state)
{
    (void)state;
    pipeline(NULL, 0, 0);
    json_t *r = call_ok("get_server_health", "{}");
    assert_int_equal(json_array_size(json_object_get(r, "datasets")), 0); /* empty store */
    assert_true(json_is_null(json_object_get(json_object_get(r, "sync"), "last")));
    json_decref(r);
    /* a sync of the corporate bodies writes store units and the last-sync time */
    struct ep_fetch_opts o = {.base_url = base, .db = ep_store_db(store)};
    struct ep_fetch *f = NULL;
    struct ep_error err = {0};
    assert_int_equal(ep_fetch_new(&o, &f, &err), 0);
    struct ep_sync_opts so = {.only = EP_SYNC_BODIES};
    struct ep_sync_summary sum;
    if (ep_epapi_sync(store, f, &so, &sum, &err))
        fail_msg("sync: %s", err.msg);
    ep_fetch_free(f);
    r = call_ok("get_server_health", "{}");
    json_t *ds = json_object_get(r, "datasets");
    assert_int_equal(json_array_size(ds), 1);
    json_t *d = json_array_get(ds, 0);
    assert_string_equal(str(d, "kind"), "epapi-bodies");
    assert_int_equal(json_integer_value(json_object_get(d, "units")), sum.units_new);
    double age = json_real_value(json_object_get(d, "age_s"));
    assert_true(age >= 0 && age < 600);
    json_t *sy = json_object_get(r, "sync");
    assert_non_null(str(sy, "last"));
    assert_true(json_real_value(json_object_get(sy, "age_s")) >= 0);
    assert_true(json_real_value(json_object_get(sy, "age_s")) < 600);
    assert_true(json_is_null(json_object_get(r, "dataset_date"))); /* no votes synced */
    json_decref(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_matches_spec),    cmocka_unit_test(test_validation),
        cmocka_unit_test(test_paging_and_query),      cmocka_unit_test(test_cache_second_call),
        cmocka_unit_test(test_stale_served_degraded), cmocka_unit_test(test_breaker_in_health),
        cmocka_unit_test(test_unreachable),           cmocka_unit_test(test_health_datasets),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
