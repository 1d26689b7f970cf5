/* The fetch pipeline against the local EP API test server (tests/srv_epapi.c): retries of
 * transient failures, Retry-After, permanent errors not retried, the circuit breaker, stale
 * copies served degraded, ETag revalidation, the token bucket, parallel paging and malformed
 * bodies. Time runs on a fake clock where the pipeline would sleep, so every test takes
 * well under a second or two. */
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ep_fetch.h"
#include "ep_store.h"
#include "ep_store_db.h"
#include "ep_testutil.h"
#include "ep_util.h"

static pid_t srv_pid = -1;
static char base[128];
static char *tmp;

/* ---- fake clock ------------------------------------------------------------------------ */

struct fake {
    double t, slept;
};
static double fake_now(void *ctx)
{
    return ((struct fake *)ctx)->t;
}
static void fake_sleep(void *ctx, double s)
{
    struct fake *f = ctx;
    if (s > 0) {
        f->t += s;
        f->slept += s;
    }
}
static struct fake fk;
static const struct ep_fetch_clock fake_clock = {&fk, fake_now, fake_sleep};

/* ---- server control ---------------------------------------------------------------------- */

static size_t sink_body(char *p, size_t sz, size_t n, void *ud)
{
    ep_buf_append(ud, p, sz * n);
    return sz * n;
}

/* method "POST"/"GET"; returns the body (static buffer reused). */
static const char *ctl(const char *method, const char *path, const char *json)
{
    static struct ep_buf b;
    if (!b.alloc)
        ep_buf_init(&b, 0);
    ep_buf_reset(&b);
    char url[256];
    snprintf(url, sizeof url, "%s%s", base, path);
    CURL *e = curl_easy_init();
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
    if (json)
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, json);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, sink_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, 10L);
    CURLcode rc = curl_easy_perform(e);
    curl_easy_cleanup(e);
    if (rc != CURLE_OK)
        fail_msg("control request %s %s: %s", method, path, curl_easy_strerror(rc));
    return b.data ? b.data : "";
}

static void faults(const char *json)
{
    const char *r = ctl("POST", "__faults", json);
    if (!strstr(r, "\"ok\""))
        fail_msg("fault rule %s: %s", json, r);
}

static long server_requests(void)
{
    json_t *j = json_loads(ctl("GET", "__stats", NULL), 0, NULL);
    long n = (long)json_integer_value(json_object_get(j, "requests"));
    json_decref(j);
    return n;
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
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    ep_test_stop_server(srv_pid);
    ep_test_system("rm -rf '%s'", tmp);
    free(tmp);
    curl_global_cleanup();
    return 0;
}

/* ---- per-test pipeline ---------------------------------------------------------------------- */

static char *audit_buf;
static size_t audit_len;
static FILE *audit_fp;

static struct ep_fetch *pipeline(struct ep_fetch_opts *o)
{
    ctl("POST", "__faults", "{\"clear\":true}");
    fk.t = 1.0e9;
    fk.slept = 0;
    if (audit_fp)
        fclose(audit_fp);
    free(audit_buf);
    audit_buf = NULL;
    audit_fp = open_memstream(&audit_buf, &audit_len);
    struct ep_fetch_opts def = {0};
    if (!o)
        o = &def;
    o->base_url = base;
    if (!o->clock)
        o->clock = &fake_clock;
    o->audit = audit_fp;
    o->seed = 7;
    struct ep_fetch *f = NULL;
    struct ep_error err = {0};
    if (ep_fetch_new(o, &f, &err))
        fail_msg("ep_fetch_new: %s", err.msg);
    return f;
}

static const char *audit_text(void)
{
    fflush(audit_fp);
    return audit_buf ? audit_buf : "";
}

static int count_lines(const char *needle)
{
    int n = 0;
    const char *p = audit_text();
    while ((p = strstr(p, needle))) {
        n++;
        p += strlen(needle);
    }
    return n;
}

static int get(struct ep_fetch *f, const char *path, const char *query, struct ep_fetch_result *r)
{
    struct ep_fetch_req q = {.path = path, .query = query, .json = 1};
    return ep_fetch_get(f, &q, r, NULL);
}

/* ---- tests ------------------------------------------------------------------------------- */

static void test_headers_and_memory_cache(void **state)
{
    (void)state;
    struct ep_fetch *f = pipeline(NULL);
    struct ep_fetch_result r;
    assert_int_equal(get(f, "meps", "offset=0&limit=5", &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.attempts, 1);
    assert_string_equal(r.cache, "miss");
    assert_int_equal(json_array_size(json_object_get(r.json, "data")), 5);
    assert_true(json_is_true(json_object_get(r.json, "epintel:constructed")));
    ep_fetch_result_free(&r);
    json_t *st = json_loads(ctl("GET", "__stats", NULL), 0, NULL);
    json_t *last = json_object_get(st, "last");
    assert_string_equal(json_string_value(json_object_get(last, "Accept")), "application/ld+json");
    assert_string_equal(json_string_value(json_object_get(last, "format")), "application/ld+json");
    assert_true(strncmp(json_string_value(json_object_get(last, "User-Agent")), "epintel/", 8) ==
                0);
    json_decref(st);
    long before = server_requests();
    assert_int_equal(get(f, "meps", "offset=0&limit=5", &r), 0);
    assert_string_equal(r.cache, "hit");
    assert_int_equal(r.attempts, 0);
    assert_int_equal(server_requests(), before); /* control calls are not counted */
    ep_fetch_result_free(&r);
    ep_fetch_free(f);
}

static void test_retry_503_burst(void **state)
{
    (void)state;
    struct ep_fetch *f = pipeline(NULL);
    faults("{\"route\":\"meps\",\"status\":503,\"fail_first\":2}");
    struct ep_fetch_result r;
    assert_int_equal(get(f, "meps/840", NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.attempts, 3);
    /* backoff 0.2 s then 0.4 s, each with up to +50% jitter */
    assert_true(fk.slept >= 0.6 - 1e-9 && fk.slept <= 0.9 + 1e-9);
    assert_int_equal(count_lines("\"outcome\":\"retry\""), 2);
    assert_int_equal(count_lines("\"attempt\":3,"), 1);
    ep_fetch_result_free(&r);
    ep_fetch_free(f);
}

static void test_retry_after_429(void **state)
{
    (void)state;
    struct ep_fetch *f = pipeline(NULL);
    faults("{\"route\":\"meps\",\"status\":429,\"retry_after\":3,\"fail_first\":1}");
    struct ep_fetch_result r;
    assert_int_equal(get(f, "meps/840", NULL, &r), 0);
    assert_int_equal(r.attempts, 2);
    assert_true(fk.slept >= 3.0); /* Retry-After beats the 0.2 s backoff */
    assert_true(fk.slept < 3.5);
    assert_int_equal(count_lines("\"status\":429"), 1);
    ep_fetch_result_free(&r);
    ep_fetch_free(f);
}

static void test_retry_reset_and_truncated(void **state)
{
    (void)state;
    struct ep_fetch *f = pipeline(NULL);
    faults("{\"route\":\"meps\",\"reset\":true,\"fail_first\":2}");
    struct ep_fetch_result r;
    assert_int_equal(get(f, "meps/840", NULL, &r), 0);
    assert_int_equal(r.attempts, 3);
    assert_non_null(r.json);
    ep_fetch_result_free(&r);

    faults("{\"route\":\"meps\",\"truncate\":true,\"fail_first\":1}");
    assert_int_equal(get(f, "meps", "offset=0&limit=200", &r), 0);
    assert_int_equal(r.attempts, 2);
    assert_int_equal(json_array_size(json_object_get(r.json, "data")), 200);
    ep_fetch_result_free(&r);
    ep_fetch_free(f);
}

static void test_permanent_not_retried(void **state)
{
    (void)state;
    struct ep_fetch *f = pipeline(NULL);
    struct ep_fetch_result r;
    struct ep_error err = {0};
    struct ep_fetch_req q = {.path = "meps/1", .json = 1}; /* no such MEP: 404 */
    assert_int_equal(ep_fetch_get(f, &q, &r, &err), EP_ENOTFOUND);
    assert_int_equal(r.status, 404);
    assert_int_equal(r.attempts, 1);
    assert_non_null(strstr(err.msg, "/meps/1"));
    ep_fetch_result_free(&r);
    assert_int_equal(count_lines("\"status\":404,\"attempt\":1,"), 1);
    assert_int_equal(count_lines("\"attempt\":2"), 0);

    assert_int_equal(get(f, "meps", "limit=0", &r), EP_EINVAL); /* server answers 400 */
    assert_int_equal(r.status, 400);
    assert_int_equal(r.attempts, 1);
    ep_fetch_result_free(&r);

    faults("{\"route\":\"meps\",\"status\":403}");
    assert_int_equal(get(f, "meps/840", NULL, &r), EP_EINVAL);
    assert_int_equal(r.attempts, 1);
    ep_fetch_result_free(&r);
    assert_int_equal(count_lines("\"attempt\":2"), 0);
    assert_true(fk.slept == 0);
    assert_int_equal(ep_fetch_breaker_state(f, "meps"), EP_BREAKER_CLOSED);
    ep_fetch_free(f);
}

static void test_breaker_opens_and_recovers(void **state)
{
    (void)state;
    struct ep_fetch_opts o = {.max_retries = -1, .breaker_cooldown = 2.0};
    struct ep_fetch *f = pipeline(&o);
    faults("{\"route\":\"meps\",\"status\":503}");
    struct ep_fetch_result r;
    char q[64];
    for (int i = 0; i < 5; i++) {
        assert_int_equal(ep_fetch_breaker_state(f, "meps"), EP_BREAKER_CLOSED);
        snprintf(q, sizeof q, "offset=%d&limit=1", i);
        assert_int_equal(get(f, "meps", q, &r), EP_EUNAVAIL);
        assert_int_equal(r.attempts, 1);
        ep_fetch_result_free(&r);
    }
    assert_int_equal(ep_fetch_breaker_state(f, "meps"), EP_BREAKER_OPEN);
    long before = server_requests();
    struct ep_error err = {0};
    struct ep_fetch_req rq = {.path = "meps", .query = "offset=9&limit=1", .json = 1};
    assert_int_equal(ep_fetch_get(f, &rq, &r, &err), EP_EUNAVAIL);
    assert_int_equal(r.attempts, 0); /* rejected without contacting the upstream */
    assert_non_null(strstr(err.msg, "upstream unavailable"));
    assert_non_null(strstr(err.msg, "circuit breaker open"));
    ep_fetch_result_free(&r);
    assert_int_equal(server_requests(), before); /* control calls are not counted */
    /* other endpoints are not affected */
    assert_int_equal(get(f, "corporate-bodies", "offset=0&limit=1", &r), 0);
    ep_fetch_result_free(&r);

    /* half-open after the cool-down; a failing trial re-opens it */
    fk.t += 2.5;
    assert_int_equal(ep_fetch_breaker_state(f, "meps"), EP_BREAKER_HALF_OPEN);
    assert_int_equal(get(f, "meps", "offset=10&limit=1", &r), EP_EUNAVAIL);
    assert_int_equal(r.attempts, 1);
    ep_fetch_result_free(&r);
    assert_int_equal(ep_fetch_breaker_state(f, "meps"), EP_BREAKER_OPEN);

    /* upstream healthy again: after the cool-down the trial succeeds and closes it */
    ctl("POST", "__faults", "{\"clear\":true}");
    fk.t += 2.5;
    assert_int_equal(ep_fetch_breaker_state(f, "meps"), EP_BREAKER_HALF_OPEN);
    assert_int_equal(get(f, "meps", "offset=11&limit=1", &r), 0);
    ep_fetch_result_free(&r);
    assert_int_equal(ep_fetch_breaker_state(f, "meps"), EP_BREAKER_CLOSED);
    assert_true(count_lines("\"breaker\":\"open\"") >= 2);

    struct ep_fetch_endpoint_stats es;
    int found = 0;
    for (size_t i = 0; i < ep_fetch_endpoint_count(f); i++) {
        assert_int_equal(ep_fetch_endpoint_stats(f, i, &es), 0);
        if (strcmp(es.endpoint, "meps") == 0) {
            found = 1;
            assert_int_equal(es.breaker, EP_BREAKER_CLOSED);
            assert_int_equal(es.failures, 6);
        }
    }
    assert_true(found);
    ep_fetch_free(f);
}

static void test_stale_served_degraded(void **state)
{
    (void)state;
    /* the disk tier lives in the store (schema migration 3 adds http_cache) */
    char path[4096];
    snprintf(path, sizeof path, "%s/cache.db", tmp);
    struct ep_store *store = NULL;
    struct ep_error serr = {0};
    assert_int_equal(ep_store_open(path, 0, &store, &serr), 0);
    sqlite3 *db = ep_store_db(store);
    struct ep_fetch_opts o = {.db = db};
    struct ep_fetch *f = pipeline(&o);
    assert_int_equal(ep_fetch_set_ttl(f, "meps", 10, NULL), 0);
    struct ep_fetch_result r;
    assert_int_equal(get(f, "meps/1294", NULL, &r), 0);
    assert_string_equal(r.cache, "miss");
    ep_fetch_result_free(&r);

    fk.t += 100; /* stale */
    faults("{\"route\":\"meps\",\"status\":503}");
    assert_int_equal(get(f, "meps/1294", NULL, &r), 0);
    assert_int_equal(r.degraded, 1);
    assert_string_equal(r.cache, "stale");
    assert_true(r.age >= 100 && r.age < 110);
    assert_int_equal(r.attempts, 4); /* 1 + 3 retries */
    assert_non_null(strstr(r.err.msg, "upstream is unavailable"));
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(r.json, "data"), 0), "identifier")),
                        "1294");
    ep_fetch_result_free(&r);

    /* nothing cached: an error that says the upstream is unavailable and why */
    struct ep_error err = {0};
    struct ep_fetch_req q = {.path = "meps/840", .json = 1};
    assert_int_equal(ep_fetch_get(f, &q, &r, &err), EP_EUNAVAIL);
    assert_non_null(strstr(err.msg, "upstream unavailable"));
    assert_non_null(strstr(err.msg, "HTTP 503"));
    ep_fetch_result_free(&r);
    ep_fetch_free(f);

    /* the disk tier survives the process: a fresh pipeline (empty memory) hits it */
    ctl("POST", "__faults", "{\"clear\":true}");
    struct ep_fetch_opts o2 = {.db = db};
    f = pipeline(&o2);
    assert_int_equal(ep_fetch_set_ttl(f, "meps", 10, NULL), 0);
    /* fk.t was reset: the stored copy is from fk.t = 1e9, so it is fresh again */
    assert_int_equal(get(f, "meps/1294", NULL, &r), 0);
    assert_string_equal(r.cache, "hit");
    assert_int_equal(r.attempts, 0);
    ep_fetch_result_free(&r);
    ep_fetch_free(f);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM http_cache", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 1);
    sqlite3_finalize(st);
    ep_store_close(store);
}

static void test_etag_revalidation(void **state)
{
    (void)state;
    struct ep_fetch *f = pipeline(NULL);
    assert_int_equal(ep_fetch_set_ttl(f, "corporate-bodies", 5, NULL), 0);
    struct ep_fetch_result r;
    assert_int_equal(get(f, "corporate-bodies", "offset=0&limit=30", &r), 0);
    assert_string_equal(r.cache, "miss");
    char *first = strdup(r.body);
    ep_fetch_result_free(&r);
    fk.t += 6;
    assert_int_equal(get(f, "corporate-bodies", "offset=0&limit=30", &r), 0);
    assert_string_equal(r.cache, "revalidated");
    assert_int_equal(r.status, 200);
    assert_int_equal(r.attempts, 1);
    assert_string_equal(r.body, first);
    assert_non_null(r.json);
    ep_fetch_result_free(&r);
    free(first);
    assert_int_equal(count_lines("\"status\":304,\"attempt\":1,"), 1);
    assert_int_equal(count_lines("\"cache\":\"revalidated\""), 1);
    json_t *st = json_loads(ctl("GET", "__stats", NULL), 0, NULL);
    assert_true(json_integer_value(json_object_get(st, "not_modified")) >= 1);
    json_decref(st);
    /* revalidation refreshed the entry: a hit again */
    assert_int_equal(get(f, "corporate-bodies", "offset=0&limit=30", &r), 0);
    assert_string_equal(r.cache, "hit");
    ep_fetch_result_free(&r);
    ep_fetch_free(f);
}

static int count_page(void *ctx, long offset, json_t *page, struct ep_error *err)
{
    (void)offset;
    (void)err;
    json_t *data = json_object_get(page, "data");
    long *n = ctx;
    size_t i;
    json_t *v;
    json_array_foreach(data, i, v)
    {
        n[0]++;
    }
    n[1]++;
    return 0;
}

static void test_parallel_pages(void **state)
{
    (void)state;
    struct ep_fetch_opts o = {.clock = NULL};
    struct ep_fetch *f = pipeline(&o);
    long n[2] = {0, 0};
    assert_int_equal(ep_fetch_pages(f, "meps", NULL, 100, 0, 8, count_page, n, NULL), 0);
    assert_int_equal(n[0], 1268); /* every MEP of the bundled data */
    assert_int_equal(n[1], 13);

    /* 16 detail requests with 100 ms latency: 8 connections vs 1 */
    faults("{\"route\":\"meps\",\"latency_ms\":100,\"fail_rate\":0}");
    static const char *const ids[] = {"840",   "1294",  "1892",  "1917",  "1927",  "2341",
                                      "4560",  "4746",  "5729",  "22858", "23712", "23768",
                                      "23781", "23816", "23868", "24594"};
    struct ep_fetch_req q[16];
    struct ep_fetch_result r[16];
    char paths[16][32];
    for (int i = 0; i < 16; i++) {
        snprintf(paths[i], sizeof paths[i], "meps/%s", ids[i]);
        q[i] = (struct ep_fetch_req){.path = paths[i], .json = 1, .no_cache = 1};
    }
    double t0 = ep_now();
    assert_int_equal(ep_fetch_many(f, q, 16, 8, r, NULL), 0);
    double t8 = ep_now() - t0;
    for (int i = 0; i < 16; i++) {
        assert_int_equal(r[i].status, 200);
        assert_string_equal(r[i].cache, "bypass");
        ep_fetch_result_free(&r[i]);
    }
    t0 = ep_now();
    assert_int_equal(ep_fetch_many(f, q, 16, 1, r, NULL), 0);
    double t1 = ep_now() - t0;
    for (int i = 0; i < 16; i++)
        ep_fetch_result_free(&r[i]);
    print_message("16 requests at 100 ms: 8 connections %.3f s, 1 connection %.3f s\n", t8, t1);
    assert_true(t1 >= 1.6);
    assert_true(t8 * 3 < t1);
    ep_fetch_free(f);
}

static void test_malformed_json_names_url(void **state)
{
    (void)state;
    struct ep_fetch *f = pipeline(NULL);
    faults("{\"route\":\"meps\",\"malformed\":true}");
    struct ep_fetch_result r;
    struct ep_error err = {0};
    struct ep_fetch_req q = {.path = "meps", .query = "offset=0&limit=3", .json = 1};
    assert_int_equal(ep_fetch_get(f, &q, &r, &err), EP_EPARSE);
    assert_non_null(strstr(err.msg, "malformed JSON"));
    assert_non_null(strstr(err.msg, base));
    assert_non_null(strstr(err.msg, "meps?offset=0&limit=3"));
    assert_int_equal(r.attempts, 1);
    ep_fetch_result_free(&r);
    ep_fetch_free(f);
}

static void test_empty_feeds_and_past_end(void **state)
{
    (void)state;
    struct ep_fetch *f = pipeline(NULL);
    struct ep_fetch_result r;
    faults("{\"route\":\"meps\",\"empty_204\":true}");
    assert_int_equal(get(f, "meps", "offset=0&limit=10", &r), 0);
    assert_int_equal(r.status, 204);
    assert_null(r.body);
    assert_int_equal(r.attempts, 1);
    ep_fetch_result_free(&r);
    long n[2] = {0, 0};
    assert_int_equal(ep_fetch_pages(f, "meps", NULL, 10, 0, 4, count_page, n, NULL), 0);
    assert_int_equal(n[0], 0);

    faults("{\"route\":\"meps\",\"not_found\":true}");
    assert_int_equal(ep_fetch_pages(f, "meps", "x=1", 10, 0, 4, count_page, n, NULL), 0);
    assert_int_equal(n[0], 0);

    ctl("POST", "__faults", "{\"clear\":true}");
    assert_int_equal(get(f, "meps", "offset=100000&limit=10", &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_array_size(json_object_get(r.json, "data")), 0);
    ep_fetch_result_free(&r);
    /* meetings of one year, paged past the end */
    assert_int_equal(ep_fetch_pages(f, "meetings", "year=2024", 7, 0, 3, count_page, n, NULL), 0);
    assert_true(n[0] > 7);
    ep_fetch_free(f);
}

static void test_token_bucket(void **state)
{
    (void)state;
    struct ep_fetch_opts o = {.bucket_capacity = 2, .bucket_period = 10};
    struct ep_fetch *f = pipeline(&o);
    struct ep_fetch_result r;
    for (int i = 0; i < 3; i++) {
        char q[64];
        snprintf(q, sizeof q, "offset=%d&limit=1", i);
        assert_int_equal(get(f, "meps", q, &r), 0);
        ep_fetch_result_free(&r);
    }
    /* 2 tokens per 10 s: the third request waited about 5 s */
    assert_true(fk.slept >= 4.9 && fk.slept <= 5.1);
    ep_fetch_free(f);
}

static void test_base_url(void **state)
{
    (void)state;
    struct ep_fetch *f = NULL;
    struct ep_error err = {0};
    setenv("EP_API_URL", "http://127.0.0.1:9/mirror", 1);
    struct ep_fetch_opts o = {0};
    assert_int_equal(ep_fetch_new(&o, &f, &err), 0);
    assert_string_equal(ep_fetch_base_url(f), "http://127.0.0.1:9/mirror/");
    ep_fetch_free(f);
    unsetenv("EP_API_URL");
    assert_int_equal(ep_fetch_new(&o, &f, &err), 0);
    assert_string_equal(ep_fetch_base_url(f), EP_FETCH_DEFAULT_URL);
    ep_fetch_free(f);
    o.base_url = "ftp://example.org/";
    assert_int_equal(ep_fetch_new(&o, &f, &err), EP_EINVAL);
    assert_non_null(strstr(err.msg, "EP_API_URL"));
}

/* Credentials in the API URL (user-info, api_key=...) never reach messages, results, the
 * audit or the base URL shown; the fetch audit file is private (0600) and not a link. */
static void test_secrets_redacted(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"http://u:pw@h:1/p?a=1&api_key=K&token=T&x=2#f",
         "http://***@h:1/p?a=1&api_key=***&token=***&x=2#f"},
        {"https://h/p?KEY=1&keyboard=2&Sig=3", "https://h/p?KEY=***&keyboard=2&Sig=***"},
        {"http://h/a@b?password=p", "http://h/a@b?password=***"},
        {"http://h/", "http://h/"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *r = ep_url_redact(cases[i][0]);
        assert_non_null(r);
        assert_string_equal(r, cases[i][1]);
        free(r);
    }
    char secret_base[256];
    snprintf(secret_base, sizeof secret_base, "http://agent:s3cret@%s", base + strlen("http://"));
    struct ep_fetch_opts o = {0};
    struct ep_fetch *f = pipeline(&o);
    ep_fetch_free(f);
    o.base_url = secret_base;
    o.audit = audit_fp;
    struct ep_error err = {0};
    assert_int_equal(ep_fetch_new(&o, &f, &err), 0);
    assert_null(strstr(ep_fetch_base_url(f), "s3cret"));
    assert_non_null(strstr(ep_fetch_base_url(f), "***@"));
    struct ep_fetch_result r;
    struct ep_fetch_req q = {.path = "meps/1", .query = "api_key=s3cret", .json = 1};
    assert_int_equal(ep_fetch_get(f, &q, &r, &err), EP_ENOTFOUND); /* the server answered 404 */
    assert_null(strstr(err.msg, "s3cret"));
    assert_non_null(strstr(err.msg, "api_key=***"));
    assert_null(strstr(r.url, "s3cret"));
    ep_fetch_result_free(&r);
    assert_null(strstr(audit_text(), "s3cret"));
    assert_non_null(strstr(audit_text(), "://***@"));
    ep_fetch_free(f);

    /* the audit file: created 0600; a symbolic link or a FIFO in its place is refused */
    char *dir = ep_test_tmpdir(), path[600], target[600];
    snprintf(path, sizeof path, "%s/fetch.log", dir);
    snprintf(target, sizeof target, "%s/target", dir);
    struct ep_fetch_opts p = {.base_url = base, .audit_path = path};
    assert_int_equal(ep_fetch_new(&p, &f, &err), 0);
    ep_fetch_free(f);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(
        ep_test_system("rm '%s' && echo keep > '%s' && chmod 644 '%s' && ln -s '%s' '%s'", path,
                       target, target, target, path),
        0);
    struct ep_fetch_opts p2 = {.base_url = base, .audit_path = path};
    assert_int_equal(ep_fetch_new(&p2, &f, &err), EP_EINVAL);
    assert_non_null(strstr(err.msg, "symbolic link"));
    assert_int_equal(stat(target, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644); /* the link's target is untouched */
    assert_int_equal(st.st_size, 5);
    assert_int_equal(ep_test_system("rm '%s' && mkfifo '%s'", path, path), 0);
    struct ep_fetch_opts p3 = {.base_url = base, .audit_path = path};
    assert_int_equal(ep_fetch_new(&p3, &f, &err), EP_EINVAL);
    assert_non_null(strstr(err.msg, "not a regular file"));
    ep_test_system("rm -rf '%s'", dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_headers_and_memory_cache),
        cmocka_unit_test(test_retry_503_burst),
        cmocka_unit_test(test_retry_after_429),
        cmocka_unit_test(test_retry_reset_and_truncated),
        cmocka_unit_test(test_permanent_not_retried),
        cmocka_unit_test(test_breaker_opens_and_recovers),
        cmocka_unit_test(test_stale_served_degraded),
        cmocka_unit_test(test_etag_revalidation),
        cmocka_unit_test(test_parallel_pages),
        cmocka_unit_test(test_malformed_json_names_url),
        cmocka_unit_test(test_empty_feeds_and_past_end),
        cmocka_unit_test(test_token_bucket),
        cmocka_unit_test(test_base_url),
        cmocka_unit_test(test_secrets_redacted),
    };
    int rc = cmocka_run_group_tests(tests, group_setup, group_teardown);
    if (audit_fp)
        fclose(audit_fp);
    free(audit_buf);
    return rc;
}
