/* Tests for tools/ep_schema (the JSON Schema subset) and the tool-table machinery. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ep_json.h"
#include "ep_schema.h"
#include "ep_testutil.h"
#include "ep_tools.h"

EP_TEST_TOOLS

static json_t *J(const char *text)
{
    json_error_t je;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &je);
    if (!v)
        fail_msg("bad test JSON %s: %s", text, je.text);
    return v;
}

/* Validate value against schema; returns rc and copies the message into msg. */
static int check(const char *schema, const char *value, char *msg)
{
    json_t *s = J(schema), *v = J(value);
    struct ep_error e = {0};
    assert_int_equal(ep_schema_check_supported(s, &e), 0);
    int rc = ep_schema_validate(s, v, &e);
    if (msg)
        strcpy(msg, e.msg);
    json_decref(s);
    json_decref(v);
    return rc;
}

static int supported(const char *schema, char *msg)
{
    json_t *s = J(schema);
    struct ep_error e = {0};
    int rc = ep_schema_check_supported(s, &e);
    if (msg)
        strcpy(msg, e.msg);
    json_decref(s);
    return rc;
}

#define OK(s, v) assert_int_equal(check(s, v, NULL), 0)
#define BAD(s, v) assert_int_equal(check(s, v, m), EP_EINVAL)

static const char *LIMIT =
    "{\"type\":\"object\",\"properties\":{\"limit\":{\"type\":\"integer\",\"minimum\":1,"
    "\"maximum\":500}},\"additionalProperties\":false}";

static void test_type(void **st)
{
    char m[EP_ERROR_MSG_MAX];
    OK("{\"type\":\"string\"}", "\"x\"");
    BAD("{\"type\":\"string\"}", "1");
    assert_non_null(strstr(m, "must be a string, got 1"));
    OK("{\"type\":\"integer\"}", "3");
    BAD("{\"type\":\"integer\"}", "3.5");
    BAD("{\"type\":\"integer\"}", "\"3\"");
    OK("{\"type\":\"number\"}", "3");
    OK("{\"type\":\"number\"}", "3.5");
    OK("{\"type\":\"boolean\"}", "false");
    BAD("{\"type\":\"boolean\"}", "0");
    OK("{\"type\":\"null\"}", "null");
    OK("{\"type\":\"array\"}", "[]");
    BAD("{\"type\":\"object\"}", "[]");
    assert_non_null(strstr(m, "arguments: must be an object, got an array of 0 items"));
    OK("{\"type\":[\"string\",\"null\"]}", "null");
    OK("{\"type\":[\"string\",\"null\"]}", "\"a\"");
    BAD("{\"type\":[\"string\",\"null\"]}", "1");
    assert_non_null(strstr(m, "a string or null"));
    OK("{}", "{\"anything\":[1,2]}");
}

static void test_min_max(void **st)
{
    char m[EP_ERROR_MSG_MAX];
    OK(LIMIT, "{\"limit\":1}");
    OK(LIMIT, "{\"limit\":500}");
    OK(LIMIT, "{}");
    BAD(LIMIT, "{\"limit\":900}");
    assert_string_equal(m, "argument \"limit\": must be an integer between 1 and 500, got 900");
    BAD(LIMIT, "{\"limit\":0}");
    BAD(LIMIT, "{\"limit\":\"5\"}");
    assert_non_null(strstr(m, "got \"5\""));
    OK("{\"type\":\"number\",\"minimum\":0.5}", "0.5");
    BAD("{\"type\":\"number\",\"minimum\":0.5}", "0.25");
    assert_non_null(strstr(m, ">= 0.5"));
    BAD("{\"type\":\"number\",\"maximum\":2}", "2.5");
    assert_non_null(strstr(m, "<= 2"));
}

static void test_strings(void **st)
{
    char m[EP_ERROR_MSG_MAX];
    const char *s = "{\"type\":\"string\",\"minLength\":2,\"maxLength\":3}";
    OK(s, "\"ab\"");
    OK(s, "\"\\u00e9\\u00e9\\u00e9\""); /* 3 code points, 6 bytes */
    BAD(s, "\"a\"");
    assert_non_null(strstr(m, "a string of 1 characters"));
    assert_non_null(strstr(m, "of 2 to 3 characters"));
    BAD(s, "\"abcd\"");
    OK("{\"type\":\"string\",\"maxLength\":1}", "\"\\u20ac\"");
    OK("{\"type\":\"string\",\"pattern\":\"^[A-Z]{2}$\"}", "\"DE\"");
    BAD("{\"type\":\"string\",\"pattern\":\"^[A-Z]{2}$\"}", "\"DEU\"");
    assert_non_null(strstr(m, "matching /^[A-Z]{2}$/"));
    OK("{\"type\":\"string\",\"pattern\":\"[0-9]\"}", "\"ab1cd\""); /* unanchored as written */
    OK("{\"type\":\"string\",\"format\":\"date\"}", "\"2024-02-29\"");
    BAD("{\"type\":\"string\",\"format\":\"date\"}", "\"2023-02-29\"");
    assert_non_null(strstr(m, "YYYY-MM-DD"));
    BAD("{\"type\":\"string\",\"format\":\"date\"}", "\"2024-1-1\"");
    OK("{\"type\":\"string\",\"format\":\"date-time\"}", "\"whatever\"");
    OK("{\"type\":\"string\",\"format\":\"uri\"}", "\"x\"");
    /* long values are shortened in messages */
    char big[400];
    big[0] = '"';
    memset(big + 1, 'x', 300);
    strcpy(big + 301, "\"");
    BAD("{\"type\":\"string\",\"maxLength\":10}", big);
    assert_true(strlen(m) < 200);
}

static void test_enum(void **st)
{
    char m[EP_ERROR_MSG_MAX];
    const char *s = "{\"type\":\"string\",\"enum\":[\"for\",\"against\",\"abstention\"]}";
    OK(s, "\"for\"");
    BAD(s, "\"maybe\"");
    assert_non_null(strstr(m, "one of \"for\", \"against\", \"abstention\", got \"maybe\""));
    OK("{\"enum\":[1,null]}", "null");
}

static void test_objects(void **st)
{
    char m[EP_ERROR_MSG_MAX];
    const char *s = "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"},"
                    "\"b\":{\"type\":\"integer\"},\"c\":{}},\"required\":[\"a\"],"
                    "\"additionalProperties\":false}";
    OK(s, "{\"a\":\"x\"}");
    BAD(s, "{}");
    assert_string_equal(m, "argument \"a\" is required (a string)");
    BAD(s, "{\"a\":\"x\",\"foo\":1}");
    assert_string_equal(m, "argument \"foo\" is not allowed; allowed: a, b, c");
    OK("{\"type\":\"object\"}", "{\"foo\":1}"); /* additionalProperties defaults to true */
    const char *t = "{\"type\":\"object\",\"additionalProperties\":{\"type\":\"integer\"}}";
    OK(t, "{\"x\":1}");
    BAD(t, "{\"x\":\"1\"}");
    assert_non_null(strstr(m, "argument \"x\": must be an integer"));
    const char *n = "{\"type\":\"object\",\"properties\":{\"filter\":{\"type\":\"object\","
                    "\"properties\":{\"country\":{\"type\":\"string\",\"maxLength\":2}}}}}";
    BAD(n, "{\"filter\":{\"country\":\"DEU\"}}");
    assert_non_null(strstr(m, "argument \"filter.country\""));
}

static void test_arrays(void **st)
{
    char m[EP_ERROR_MSG_MAX];
    const char *s = "{\"type\":\"object\",\"properties\":{\"meps\":{\"type\":\"array\","
                    "\"items\":{\"type\":\"integer\",\"minimum\":1},\"minItems\":1,"
                    "\"maxItems\":3}}}";
    OK(s, "{\"meps\":[1,2,3]}");
    BAD(s, "{\"meps\":[1,2,0]}");
    assert_string_equal(m, "argument \"meps[2]\": must be an integer >= 1, got 0");
    BAD(s, "{\"meps\":[]}");
    assert_non_null(strstr(m, "with 1 to 3 items, got an array of 0 items"));
    BAD(s, "{\"meps\":[1,2,3,4]}");
    const char *o = "{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":"
                    "{\"id\":{\"type\":\"string\"}},\"required\":[\"id\"]}}";
    BAD(o, "[{\"id\":\"a\"},{}]");
    assert_non_null(strstr(m, "argument \"[1].id\" is required"));
}

static void test_annotations_supported(void **st)
{
    assert_int_equal(supported("{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\","
                               "\"title\":\"t\",\"description\":\"d\",\"type\":\"object\","
                               "\"properties\":{\"x\":{\"type\":\"integer\",\"default\":3,"
                               "\"examples\":[1,2]}}}",
                               NULL),
                     0);
}

static void test_unsupported(void **st)
{
    char m[EP_ERROR_MSG_MAX];
    assert_int_equal(supported("{\"type\":\"object\",\"properties\":{\"x\":{\"oneOf\":[]}}}", m),
                     EP_EINVAL);
    assert_non_null(strstr(m, "/properties/x"));
    assert_non_null(strstr(m, "\"oneOf\" is not supported"));
    assert_int_equal(supported("{\"$ref\":\"#/x\"}", m), EP_EINVAL);
    assert_int_equal(supported("{\"type\":\"float\"}", m), EP_EINVAL);
    assert_int_equal(supported("{\"type\":[]}", m), EP_EINVAL);
    assert_int_equal(supported("{\"pattern\":\"([a-z\"}", m), EP_EINVAL);
    assert_non_null(strstr(m, "POSIX"));
    assert_int_equal(supported("{\"minLength\":-1}", m), EP_EINVAL);
    assert_int_equal(supported("{\"maxItems\":1.5}", m), EP_EINVAL);
    assert_int_equal(supported("{\"minimum\":\"1\"}", m), EP_EINVAL);
    assert_int_equal(supported("{\"format\":\"email\"}", m), EP_EINVAL);
    assert_int_equal(supported("{\"items\":[{}]}", m), EP_EINVAL);
    assert_int_equal(supported("{\"additionalProperties\":1}", m), EP_EINVAL);
    assert_int_equal(supported("{\"required\":[1]}", m), EP_EINVAL);
    assert_int_equal(supported("{\"enum\":[]}", m), EP_EINVAL);
    assert_int_equal(supported("{\"properties\":{\"a\":3}}", m), EP_EINVAL);
    assert_int_equal(supported("[]", m), EP_EINVAL);
}

/* ------------------------------------------------------------ tool table */

static int t_echo(struct ep_tool_ctx *ctx, json_t *args, json_t **result, struct ep_error *err)
{
    *result = json_pack("{s:O}", "text", json_object_get(args, "text"));
    return 0;
}

static int t_wrong(struct ep_tool_ctx *ctx, json_t *args, json_t **result, struct ep_error *err)
{
    *result = json_pack("{s:{s:s}}", "stats", "n", "not a number");
    return 0;
}

static int t_fail(struct ep_tool_ctx *ctx, json_t *args, json_t **result, struct ep_error *err)
{
    return ep_error_set(err, EP_EUNAVAIL, "no data for that term");
}

static const struct ep_tool rows[] = {
    {"echo", "Echo", "Echo text",
     "{\"type\":\"object\",\"properties\":{\"text\":{\"type\":"
     "\"string\",\"default\":\"hi\"}},\"additionalProperties\":false}",
     "{\"type\":\"object\",\"properties\":{\"text\":{\"type\":\"string\"}},\"required\":[\"text\"]"
     "}",
     1, 1, 0, 0, t_echo},
    {"wrong", "Wrong", "Returns a bad shape", "{\"type\":\"object\"}",
     "{\"type\":\"object\",\"properties\":{\"stats\":{\"type\":\"object\",\"properties\":{\"n\":"
     "{\"type\":\"integer\"}}}}}",
     1, 1, 0, 0, t_wrong},
    {"fail", "Fail", "Always fails", "{\"type\":\"object\"}", NULL, 1, 1, 0, 0, t_fail},
};

static void test_register_and_call(void **st)
{
    struct ep_error e = {0};
    assert_int_equal(ep_tools_register(Tools, rows, 3, &e), 0);
    assert_int_equal(ep_tools_count(Tools), 3);
    const struct ep_tool *t = ep_tools_find(Tools, "echo");
    assert_non_null(t);
    assert_ptr_equal(ep_tools_at(Tools, 0), t);
    assert_non_null(ep_tools_input_schema(t));
    assert_non_null(ep_tools_output_schema(t));
    assert_null(ep_tools_output_schema(ep_tools_find(Tools, "fail")));
    assert_null(ep_tools_find(Tools, "nope"));

    json_t *res = NULL, *args = J("{\"text\":\"hello\"}");
    assert_int_equal(ep_tools_call(Tools, NULL, "echo", args, &res, &e), 0);
    assert_string_equal(json_string_value(json_object_get(res, "text")), "hello");
    json_decref(res);
    json_decref(args);

    args = J("{\"txt\":\"hello\"}");
    assert_int_equal(ep_tools_call(Tools, NULL, "echo", args, &res, &e), EP_EINVAL);
    assert_string_equal(e.msg, "argument \"txt\" is not allowed; allowed: text");
    assert_null(res);
    json_decref(args);

    /* NULL args = {} -> the handler gets the schema's default "hi" */
    assert_int_equal(ep_tools_call(Tools, NULL, "echo", NULL, &res, &e), 0);
    assert_string_equal(json_string_value(json_object_get(res, "text")), "hi");
    json_decref(res);

    assert_int_equal(ep_tools_call(Tools, NULL, "wrong", NULL, &res, &e), EP_EINTERNAL);
    assert_non_null(strstr(e.msg, "outputSchema"));
    assert_non_null(strstr(e.msg, "stats.n"));
    assert_null(res);

    assert_int_equal(ep_tools_call(Tools, NULL, "fail", NULL, &res, &e), EP_EUNAVAIL);
    assert_string_equal(e.msg, "no data for that term");
    assert_int_equal(ep_tools_call(Tools, NULL, "nope", NULL, &res, &e), EP_ENOTFOUND);

    volatile int cancelled = 1;
    struct ep_tool_ctx ctx = {.cancelled = &cancelled};
    args = J("{\"text\":\"x\"}");
    assert_int_equal(ep_tools_call(Tools, &ctx, "echo", args, &res, &e), EP_ECANCELED);
    json_decref(args);

    /* duplicate names, within a call and across calls; failure registers nothing */
    assert_int_equal(ep_tools_register(Tools, rows, 1, &e), EP_EINVAL);
    assert_non_null(strstr(e.msg, "\"echo\" is registered twice"));
    assert_int_equal(ep_tools_count(Tools), 3);
    ep_tools_cleanup(Tools);
    assert_int_equal(ep_tools_count(Tools), 0);
    struct ep_tool two[2] = {rows[0], rows[0]};
    assert_int_equal(ep_tools_register(Tools, two, 2, &e), EP_EINVAL);
    assert_int_equal(ep_tools_count(Tools), 0);
}

static void test_register_rejects_bad_rows(void **st)
{
    struct ep_error e = {0};
    struct ep_tool r = rows[2];
    r.input_schema = "{\"type\":\"object\",\"properties\":{\"x\":{\"anyOf\":[]}}}";
    assert_int_equal(ep_tools_register(Tools, &r, 1, &e), EP_EINVAL);
    assert_non_null(strstr(e.msg, "tool \"fail\""));
    assert_non_null(strstr(e.msg, "anyOf"));
    r.input_schema = "{\"type\":\"array\"}";
    assert_int_equal(ep_tools_register(Tools, &r, 1, &e), EP_EINVAL);
    assert_non_null(strstr(e.msg, "\"type\": \"object\""));
    r.input_schema = "{\"type\":";
    assert_int_equal(ep_tools_register(Tools, &r, 1, &e), EP_EINVAL);
    assert_non_null(strstr(e.msg, "not valid JSON"));
    r = rows[2];
    r.output_schema = "{\"type\":\"object\",\"properties\":{\"n\":{\"const\":1}}}";
    assert_int_equal(ep_tools_register(Tools, &r, 1, &e), EP_EINVAL);
    assert_non_null(strstr(e.msg, "outputSchema"));
    assert_non_null(strstr(e.msg, "const"));
    r = rows[2];
    r.fn = NULL;
    assert_int_equal(ep_tools_register(Tools, &r, 1, &e), EP_EINVAL);
    assert_int_equal(ep_tools_count(Tools), 0);
}

/* Lazily registered rows: a broken schema is not seen at registration, but every use reports
 * the same message as eager registration would, and ep_tools_verify finds it. */
static void test_register_lazy(void **st)
{
    struct ep_error e = {0};
    assert_int_equal(ep_tools_register_lazy(Tools, rows, 3, &e), 0);
    assert_non_null(ep_tools_input_schema(ep_tools_find(Tools, "echo")));
    json_t *res = NULL, *args = J("{\"text\":\"hello\"}");
    assert_int_equal(ep_tools_call(Tools, NULL, "echo", args, &res, &e), 0);
    json_decref(res);
    assert_int_equal(ep_tools_call(Tools, NULL, "wrong", NULL, &res, &e), EP_EINTERNAL);
    assert_non_null(strstr(e.msg, "stats.n"));
    assert_int_equal(ep_tools_verify(Tools, &e), 0);
    ep_tools_cleanup(Tools);

    struct ep_tool r = rows[2];
    r.input_schema = "{\"type\":";
    assert_int_equal(ep_tools_register_lazy(Tools, &r, 1, &e), 0);
    assert_int_equal(ep_tools_count(Tools), 1);
    for (int round = 0; round < 2; round++) {
        memset(&e, 0, sizeof e);
        assert_int_equal(ep_tools_call(Tools, NULL, "fail", args, &res, &e), EP_EINVAL);
        assert_null(res);
        assert_non_null(strstr(e.msg, "tool \"fail\": inputSchema is not valid JSON"));
    }
    assert_null(ep_tools_input_schema(ep_tools_find(Tools, "fail")));
    memset(&e, 0, sizeof e);
    assert_int_equal(ep_tools_verify(Tools, &e), EP_EINVAL);
    assert_non_null(strstr(e.msg, "not valid JSON"));
    ep_tools_cleanup(Tools);

    r = rows[2];
    r.output_schema = "{\"type\":\"object\",\"properties\":{\"n\":{\"const\":1}}}";
    assert_int_equal(ep_tools_register_lazy(Tools, &r, 1, &e), 0);
    assert_int_equal(ep_tools_verify(Tools, &e), EP_EINVAL);
    assert_non_null(strstr(e.msg, "outputSchema"));
    assert_non_null(strstr(e.msg, "const"));
    assert_null(ep_tools_output_schema(ep_tools_find(Tools, "fail")));
    ep_tools_cleanup(Tools);
    r.input_schema = NULL; /* a missing schema is still refused at registration */
    assert_int_equal(ep_tools_register_lazy(Tools, &r, 1, &e), EP_EINVAL);
    assert_int_equal(ep_tools_count(Tools), 0);
    json_decref(args);
}

static void test_paging_helpers(void **st)
{
    int off, lim;
    /* the schema's defaults fill them in for a handler: missing ones are refused */
    json_t *a = J("{\"limit\":50}");
    assert_int_equal(ep_tools_page_args(a, &off, &lim), EP_EINVAL);
    json_decref(a);
    a = J("{\"offset\":10,\"limit\":500}");
    assert_int_equal(ep_tools_page_args(a, &off, &lim), 0);
    assert_int_equal(off, 10);
    assert_int_equal(lim, 500);
    json_decref(a);
    a = J("{\"limit\":501}");
    assert_int_equal(ep_tools_page_args(a, &off, &lim), EP_EINVAL);
    json_decref(a);
    a = J("{\"offset\":-1}");
    assert_int_equal(ep_tools_page_args(a, &off, &lim), EP_EINVAL);
    json_decref(a);
    assert_int_equal(ep_tools_page_args(NULL, &off, &lim), EP_EINVAL);

    json_t *r = ep_tools_page_result("meps", J("[1,2]"), 5, 2, 2);
    json_t *want = J("{\"meps\":[1,2],\"total\":5,\"offset\":2,\"limit\":2,\"hasMore\":true}");
    assert_true(json_equal(r, want));
    json_decref(r);
    json_decref(want);
    r = ep_tools_page_result("meps", J("[1]"), 5, 4, 2);
    assert_true(json_is_false(json_object_get(r, "hasMore")));
    json_decref(r);
}

/* A handler that returns its arguments as it got them, and as the caller gave them. */
static int t_args(struct ep_tool_ctx *ctx, json_t *args, json_t **result, struct ep_error *err)
{
    (void)err;
    *result = json_pack("{s:O, s:O}", "args", args, "given", ctx->args_given);
    return 0;
}

/* Every row's handler gets the schema's defaults for what the caller left out, and the
 * arguments as given in ctx->args_given. ep_tools_arg reads a default from the schema. */
static void test_schema_defaults(void **st)
{
    (void)st;
    static const char in[] =
        "{\"type\":\"object\",\"properties\":{\"limit\":{\"type\":\"integer\",\"default\":50},"
        "\"order\":{\"type\":\"string\",\"enum\":[\"asc\",\"desc\"],\"default\":\"desc\"},"
        "\"q\":{\"type\":\"string\"}},\"additionalProperties\":false}";
    const struct ep_tool r[2] = {
        {"eager", "D", "d", in, NULL, 1, 1, 0, 0, t_args},
        {"lazy", "G", "g", in, NULL, 1, 1, 0, 0, t_args},
    };
    struct ep_error e = {0};
    assert_int_equal(ep_tools_register(Tools, &r[0], 1, &e), 0);
    assert_int_equal(ep_tools_register_with(Tools, &r[1], 1, EP_TOOLS_REG_LAZY, &e), 0);
    json_t *args = J("{\"limit\":7}"), *res = NULL;
    for (int k = 0; k < 2; k++) {
        assert_int_equal(ep_tools_call(Tools, NULL, k ? "lazy" : "eager", args, &res, &e), 0);
        json_t *want = J("{\"args\":{\"limit\":7,\"order\":\"desc\"},\"given\":{\"limit\":7}}");
        assert_true(json_equal(res, want));
        json_decref(want);
        json_decref(res);
        assert_int_equal(json_object_size(args), 1); /* the caller's object is untouched */
    }
    json_t *none = J("{}");
    assert_int_equal(ep_tools_call(Tools, NULL, "eager", none, &res, &e), 0);
    json_t *want = J("{\"args\":{\"limit\":50,\"order\":\"desc\"},\"given\":{}}");
    assert_true(json_equal(res, want));
    json_decref(want);
    json_decref(res);
    json_decref(none);
    const struct ep_tool *t = ep_tools_find(Tools, "lazy");
    assert_int_equal(json_integer_value(ep_tools_arg(t, args, "limit")), 7);
    assert_string_equal(json_string_value(ep_tools_arg(t, args, "order")), "desc");
    assert_null(ep_tools_arg(t, args, "q"));
    json_decref(args);
    ep_tools_cleanup(Tools);
}

/* tools/ep_json: the one rounding rule and the sticky error flag. */
static void test_json_helpers(void **state)
{
    (void)state;
    /* 6 decimals, half away from zero, no -0, non-finite = null */
    assert_true(ep_json_round(0.1234565) == round(0.1234565 * 1e6) / 1e6);
    assert_true(ep_json_round(2.0 / 3.0) == 0.666667);
    assert_true(ep_json_round(-1e-9) == 0 && !signbit(ep_json_round(-1e-9)));
    assert_true(ep_json_round(-0.0000004) == 0 && !signbit(ep_json_round(-0.0000004)));
    assert_true(ep_json_round(-2.5e-6) == -0.000003);
    json_t *v = ep_json_real(1.0 / 3.0);
    assert_true(json_is_real(v) && json_real_value(v) == 0.333333);
    json_decref(v);
    v = ep_json_real(NAN);
    assert_true(json_is_null(v));
    json_decref(v);
    v = ep_json_real(-INFINITY);
    assert_true(json_is_null(v));
    json_decref(v);
    v = ep_json_real_if(0, 1.5);
    assert_true(json_is_null(v));
    json_decref(v);
    v = ep_json_real_if(1, 1.5);
    assert_true(json_real_value(v) == 1.5);
    json_decref(v);

    int bad = 0;
    json_t *o = json_object(), *a = json_array();
    ep_json_put(o, "x", ep_json_real(0.5), &bad);
    ep_json_add(a, json_string("s"), &bad);
    assert_int_equal(bad, 0);
    ep_json_put(o, "y", NULL, &bad); /* a failed allocation upstream */
    assert_int_equal(bad, 1);
    bad = 0;
    ep_json_put(NULL, "y", json_string("released, not leaked"), &bad);
    assert_int_equal(bad, 1);
    bad = 0;
    ep_json_add(NULL, json_string("released"), &bad);
    assert_int_equal(bad, 1);
    assert_int_equal(json_object_size(o), 1);
    json_decref(o);
    json_decref(a);

    const char *names[] = {"a", "b", NULL};
    a = ep_json_strings(names);
    assert_int_equal(json_array_size(a), 2);
    assert_string_equal(json_string_value(json_array_get(a, 1)), "b");
    json_decref(a);
    a = ep_json_strings_n(names, 3);
    assert_true(json_is_null(json_array_get(a, 2)));
    json_decref(a);
    a = ep_json_strings(NULL);
    assert_int_equal(json_array_size(a), 0);
    json_decref(a);

    o = ep_json_unavailablef("%d of %d", 1, 5);
    assert_true(json_is_false(json_object_get(o, "available")));
    assert_string_equal(json_string_value(json_object_get(o, "reason")), "1 of 5");
    json_decref(o);
    o = ep_json_unavailable(NULL);
    assert_string_equal(json_string_value(json_object_get(o, "reason")), "not available");
    json_decref(o);
    o = ep_json_available(0.1234567);
    assert_true(json_is_true(json_object_get(o, "available")));
    assert_true(json_real_value(json_object_get(o, "value")) == 0.123457);
    json_decref(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_type),
        cmocka_unit_test(test_min_max),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_enum),
        cmocka_unit_test(test_objects),
        cmocka_unit_test(test_arrays),
        cmocka_unit_test(test_annotations_supported),
        cmocka_unit_test(test_unsupported),
        cmocka_unit_test(test_register_and_call),
        cmocka_unit_test(test_register_rejects_bad_rows),
        cmocka_unit_test(test_register_lazy),
        cmocka_unit_test(test_paging_helpers),
        cmocka_unit_test(test_json_helpers),
        cmocka_unit_test(test_schema_defaults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
