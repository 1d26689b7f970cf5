/* The tool-table result cache: hits for identical calls within the TTL, misses for other
 * arguments, no caching for rows with TTL 0 or that are not read-only, and deep copies out. */
#include <stdlib.h>
#include <string.h>

#include "ep_testutil.h"
#include "ep_tools.h"

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

static int call(const char *name, const char *args)
{
    json_t *a = json_loads(args, 0, NULL), *r = NULL;
    struct ep_error err = {0};
    assert_int_equal(ep_tools_call(NULL, name, a, &r, &err), 0);
    int v = (int)json_integer_value(json_object_get(r, "runs"));
    json_object_set_new(r, "runs", json_integer(-1)); /* callers own a copy: must not leak back */
    json_decref(r);
    json_decref(a);
    return v;
}

static void test_cache(void **state)
{
    (void)state;
    struct ep_error err = {0};
    assert_int_equal(ep_tools_register(rows, 3, &err), 0);
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
    ep_tools_cache_stats(&st);
    assert_int_equal(st.hits, 2);
    assert_int_equal(st.entries, 2);
    ep_tools_cache_clear();
    assert_int_equal(call("cached", "{\"x\": 1}"), 7);
    setenv("EPINTEL_NO_RESULT_CACHE", "1", 1);
    assert_int_equal(call("cached", "{\"x\": 1}"), 8);
    unsetenv("EPINTEL_NO_RESULT_CACHE");
    /* invalid arguments are never served from the cache */
    json_t *a = json_loads("{\"x\": \"one\"}", 0, NULL), *r = NULL;
    assert_int_equal(ep_tools_call(NULL, "cached", a, &r, &err), EP_EINVAL);
    json_decref(a);
    ep_tools_cleanup();
    ep_tools_cache_clear();
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_cache)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
