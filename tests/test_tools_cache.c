/* The tool-table result cache: hits for identical calls within the TTL, misses for other
 * arguments, no caching for rows with TTL 0 or that are not read-only, and deep copies out. */
#include <stdlib.h>
#include <string.h>

#include "ep_testutil.h"
#include "ep_tools.h"

EP_TEST_TOOLS

static int runs;

static int count_tool(struct ep_tool_ctx *ctx, json_t *args, json_t **result, struct ep_error *err)
{
    (void)ctx;
    (void)err;
    runs++;
    *result = json_pack("{s:i, s:O}", "runs", runs, "args", args);
    return *result ? 0 : EP_ENOMEM;
}

static const char in_schema[] = "{\"type\": \"object\", \"properties\": {\"x\": {\"type\": "
                                "\"integer\"}}, \"additionalProperties\": false}";
static const char out_schema[] = "{\"type\": \"object\", \"required\": [\"runs\"]}";

static const struct ep_tool rows[] = {
    {"cached", "Cached", "A cached counter", in_schema, out_schema, 1, 1, 0, 60, count_tool},
    {"uncached", "Uncached", "TTL 0", in_schema, out_schema, 1, 1, 0, 0, count_tool},
    {"writer", "Writer", "not read-only", in_schema, out_schema, 0, 0, 0, 60, count_tool},
};

/* Call name in ts, expecting expect_rc; the result's "runs" (-1 on failure). */
static int call_in(struct ep_tools *ts, const char *name, const char *args, int expect_rc)
{
    json_t *a = json_loads(args, 0, NULL), *r = NULL;
    struct ep_error err = {0};
    assert_int_equal(ep_tools_call(ts, NULL, name, a, &r, &err), expect_rc);
    int v = expect_rc ? -1 : (int)json_integer_value(json_object_get(r, "runs"));
    if (r) /* callers own a copy: must not leak back */
        json_object_set_new(r, "runs", json_integer(-1));
    json_decref(r);
    json_decref(a);
    return v;
}

static int call(const char *name, const char *args)
{
    return call_in(Tools, name, args, 0);
}

static void test_cache(void **state)
{
    (void)state;
    struct ep_error err = {0};
    assert_int_equal(ep_tools_register(Tools, rows, 3, &err), 0);
    runs = 0;
    assert_int_equal(call("cached", "{\"x\": 1}"), 1);
    assert_int_equal(call("cached", "{\"x\": 1}"), 1); /* hit, and unchanged by the caller */
    assert_int_equal(call("cached", "{\"x\": 2}"), 2); /* other arguments */
    assert_int_equal(call("cached", "{\"x\": 1}"), 1);
    assert_int_equal(call("uncached", "{\"x\": 1}"), 3);
    assert_int_equal(call("uncached", "{\"x\": 1}"), 4);
    assert_int_equal(call("writer", "{\"x\": 1}"), 5);
    assert_int_equal(call("writer", "{\"x\": 1}"), 6);
    struct ep_tools_cache_stats st;
    ep_tools_cache_stats(Tools, &st);
    assert_int_equal(st.hits, 2);
    assert_int_equal(st.entries, 2);
    ep_tools_cache_clear(Tools);
    assert_int_equal(call("cached", "{\"x\": 1}"), 7);
    setenv("EPINTEL_NO_RESULT_CACHE", "1", 1);
    assert_int_equal(call("cached", "{\"x\": 1}"), 8);
    unsetenv("EPINTEL_NO_RESULT_CACHE");
    /* invalid arguments are never served from the cache */
    json_t *a = json_loads("{\"x\": \"one\"}", 0, NULL), *r = NULL;
    assert_int_equal(ep_tools_call(Tools, NULL, "cached", a, &r, &err), EP_EINVAL);
    json_decref(a);
    ep_tools_cleanup(Tools);
    ep_tools_cache_clear(Tools);
}

static double fake_now = 1000.0;
static double fake_clock(void)
{
    return fake_now;
}

/* The front end's serialized form: attached after ep_tools_call, served by ep_tools_cache_peek
 * (byte for byte) only while the entry is live, of the current data generation, and that
 * generation was confirmed within 1 s (2 s while the first later caller confirms it). */
static void test_blob_fast_path(void **state)
{
    (void)state;
    struct ep_error err = {0};
    assert_int_equal(ep_tools_register(Tools, rows, 3, &err), 0);
    ep_tools_cache_clear(Tools);
    ep_tools_cache_set_clock(Tools, fake_clock);
    runs = 0;
    json_t *args = json_loads("{\"x\": 1}", 0, NULL);
    char *canon = ep_tools_canonical_args(args);
    assert_string_equal(canon, "{\"x\":1}");
    assert_null(ep_tools_cache_peek(Tools, "cached", canon)); /* nothing cached yet */
    assert_int_equal(call("cached", "{\"x\": 1}"), 1);
    assert_null(ep_tools_cache_peek(Tools, "cached", canon)); /* cached, but no blob attached */
    struct ep_tools_cache_stats st0, st;
    ep_tools_cache_stats(Tools, &st0);
    static const char bytes[] = "{\"content\":[],\"isError\":false}";
    ep_tools_cache_attach(Tools, "cached", canon, bytes, sizeof bytes - 1);
    struct ep_tools_blob *b = ep_tools_cache_peek(Tools, "cached", canon);
    assert_non_null(b);
    assert_int_equal(b->len, sizeof bytes - 1);
    assert_memory_equal(b->data, bytes, sizeof bytes);
    ep_tools_cache_stats(Tools, &st);
    assert_int_equal(st.hits, st0.hits + 1);
    /* a second attach does not replace the first blob */
    ep_tools_cache_attach(Tools, "cached", canon, "{}", 2);
    struct ep_tools_blob *b2 = ep_tools_cache_peek(Tools, "cached", canon);
    assert_ptr_equal(b2, b);
    ep_tools_blob_unref(b2);
    /* other arguments, a row with TTL 0, a row that is not read-only: never */
    assert_null(ep_tools_cache_peek(Tools, "cached", "{\"x\":2}"));
    assert_int_equal(call("uncached", "{\"x\": 1}"), 2);
    ep_tools_cache_attach(Tools, "uncached", canon, bytes, sizeof bytes - 1);
    assert_null(ep_tools_cache_peek(Tools, "uncached", canon));
    assert_null(ep_tools_cache_peek(Tools, "writer", canon));
    assert_null(ep_tools_cache_peek(Tools, "nope", canon));

    /* 1.5 s without confirmation: the first caller is sent to confirm, the others are served */
    fake_now += 1.5;
    assert_null(ep_tools_cache_peek(Tools, "cached", canon));
    b2 = ep_tools_cache_peek(Tools, "cached", canon);
    assert_ptr_equal(b2, b);
    ep_tools_blob_unref(b2);
    /* ... but not beyond 2 s */
    fake_now += 0.6;
    assert_null(ep_tools_cache_peek(Tools, "cached", canon));
    /* ep_tools_call confirms the generation (a hit: the handler does not run) */
    assert_int_equal(call("cached", "{\"x\": 1}"), 1);
    b2 = ep_tools_cache_peek(Tools, "cached", canon);
    assert_ptr_equal(b2, b);
    ep_tools_blob_unref(b2);
    /* the TTL (60 s) ends the entry and its blob */
    fake_now += 61;
    assert_int_equal(call("cached", "{\"x\": 1}"), 3);
    assert_null(ep_tools_cache_peek(Tools, "cached", canon));
    /* a blob handed out stays valid after the entry is gone */
    assert_memory_equal(b->data, bytes, sizeof bytes);
    ep_tools_blob_unref(b);
    /* clear drops everything; EPINTEL_NO_RESULT_CACHE turns the fast path off too */
    ep_tools_cache_attach(Tools, "cached", canon, bytes, sizeof bytes - 1);
    b = ep_tools_cache_peek(Tools, "cached", canon);
    assert_non_null(b);
    ep_tools_blob_unref(b);
    setenv("EPINTEL_NO_RESULT_CACHE", "1", 1);
    assert_null(ep_tools_cache_peek(Tools, "cached", canon));
    unsetenv("EPINTEL_NO_RESULT_CACHE");
    ep_tools_cache_clear(Tools);
    assert_null(ep_tools_cache_peek(Tools, "cached", canon));
    free(canon);
    json_decref(args);
    char *empty = ep_tools_canonical_args(NULL);
    assert_string_equal(empty, "{}");
    free(empty);
    ep_tools_cache_set_clock(Tools, NULL);
    ep_tools_cleanup(Tools);
    ep_tools_cache_clear(Tools);
}

/* Two tool objects in one process are independent: each lists only its own rows, a call that
 * hits in one is a miss in the other, and closing one leaves the other working. */
static void test_two_objects(void **state)
{
    (void)state;
    struct ep_error err = {0};
    struct ep_tools *a = NULL, *b = NULL;
    assert_int_equal(ep_tools_init(&a, &err), 0);
    assert_int_equal(ep_tools_init(&b, &err), 0);
    /* a: "cached" and "uncached"; b: "cached" and "writer" */
    assert_int_equal(ep_tools_register(a, rows, 2, &err), 0);
    assert_int_equal(ep_tools_register(b, rows, 1, &err), 0);
    assert_int_equal(ep_tools_register(b, rows + 2, 1, &err), 0);
    assert_int_equal(ep_tools_count(a), 2);
    assert_int_equal(ep_tools_count(b), 2);
    assert_string_equal(ep_tools_at(a, 1)->name, "uncached");
    assert_string_equal(ep_tools_at(b, 1)->name, "writer");
    assert_null(ep_tools_find(a, "writer"));
    assert_null(ep_tools_find(b, "uncached"));
    assert_true(ep_tools_find(a, "cached") != ep_tools_find(b, "cached"));
    /* the same name registered twice in one object fails, in another it does not */
    assert_int_equal(ep_tools_register(a, rows, 1, &err), EP_EINVAL);
    assert_int_equal(call_in(a, "writer", "{}", EP_ENOTFOUND), -1);
    assert_int_equal(call_in(b, "uncached", "{}", EP_ENOTFOUND), -1);
    runs = 0;
    assert_int_equal(call_in(a, "cached", "{\"x\": 1}", 0), 1); /* miss in a */
    assert_int_equal(call_in(a, "cached", "{\"x\": 1}", 0), 1); /* hit in a */
    assert_int_equal(call_in(b, "cached", "{\"x\": 1}", 0), 2); /* a miss in b: its own cache */
    assert_int_equal(call_in(b, "cached", "{\"x\": 1}", 0), 2); /* then a hit in b */
    struct ep_tools_cache_stats sa, sb;
    ep_tools_cache_stats(a, &sa);
    ep_tools_cache_stats(b, &sb);
    assert_int_equal(sa.hits, 1);
    assert_int_equal(sa.misses, 1);
    assert_int_equal(sa.entries, 1);
    assert_int_equal(sb.hits, 1);
    assert_int_equal(sb.misses, 1);
    assert_int_equal(sb.entries, 1);
    /* clearing a's cache leaves b's */
    ep_tools_cache_clear(a);
    assert_int_equal(call_in(a, "cached", "{\"x\": 1}", 0), 3);
    assert_int_equal(call_in(b, "cached", "{\"x\": 1}", 0), 2);
    /* closing a leaves b working: its rows, its cache and new calls */
    ep_tools_close(a);
    assert_int_equal(ep_tools_count(b), 2);
    assert_int_equal(call_in(b, "cached", "{\"x\": 1}", 0), 2);
    assert_int_equal(call_in(b, "cached", "{\"x\": 2}", 0), 4);
    assert_int_equal(call_in(b, "writer", "{\"x\": 2}", 0), 5);
    ep_tools_cache_stats(b, &sb);
    assert_int_equal(sb.hits, 3);
    assert_int_equal(sb.entries, 2);
    ep_tools_close(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_cache),
                                       cmocka_unit_test(test_blob_fast_path),
                                       cmocka_unit_test(test_two_objects)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
