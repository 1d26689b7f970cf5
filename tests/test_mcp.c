/* Tests for the MCP core (mcp/ep_mcp.c) and the stdio transport (mcp/ep_stdio.c), with
 * small test tools of their own (the real tool rows live elsewhere). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ep_mcp.h"
#include "ep_tasks.h"
#include "ep_testutil.h"
#include "ep_tools.h"
#include "ep_tools_all.h"
#include "ep_util.h"

EP_TEST_TOOLS

#ifndef EP_SOURCE_FIXTURES
#define EP_SOURCE_FIXTURES "fixtures"
#endif

/* ---------------------------------------------------------- test tools */

static int t_echo(struct ep_tool_ctx *ctx, json_t *args, json_t **result, struct ep_error *err)
{
    const char *text = json_string_value(json_object_get(args, "text"));
    json_int_t times = json_integer_value(json_object_get(args, "times"));
    if (times <= 0)
        times = 1;
    if (ctx->log) {
        ctx->log(ctx->pctx, "info", "echo: info");
        ctx->log(ctx->pctx, "error", "echo: error");
    }
    if (strcmp(text, "fail") == 0)
        return ep_error_set(err, EP_EUNAVAIL, "no data: try another text");
    char *buf = calloc((size_t)times, strlen(text) + 1);
    for (json_int_t i = 0; i < times; i++)
        strcat(buf, text);
    *result = json_pack("{s:s}", "text", buf);
    free(buf);
    return 0;
}

static int t_slow(struct ep_tool_ctx *ctx, json_t *args, json_t **result, struct ep_error *err)
{
    json_int_t steps = json_integer_value(json_object_get(args, "steps"));
    json_int_t ms = json_integer_value(json_object_get(args, "ms"));
    for (json_int_t i = 0; i < steps; i++) {
        if (ctx->cancelled && __atomic_load_n(ctx->cancelled, __ATOMIC_SEQ_CST))
            return ep_error_set(err, EP_ECANCELED, "cancelled");
        if (ctx->progress)
            ctx->progress(ctx->pctx, (double)(i + 1), (double)steps, "working");
        if (ms)
            usleep((useconds_t)ms * 1000);
    }
    *result = json_pack("{s:I}", "done", steps);
    return 0;
}

static int t_bad(struct ep_tool_ctx *ctx, json_t *args, json_t **result, struct ep_error *err)
{
    *result = json_pack("{s:s}", "done", "not an integer");
    return 0;
}

static int t_noisy(struct ep_tool_ctx *ctx, json_t *args, json_t **result, struct ep_error *err)
{
    printf("a misbehaving library prints here\n");
    fflush(stdout);
    *result = json_object();
    return 0;
}

#define ECHO_IN                                                                                    \
    "{\"type\":\"object\",\"properties\":{\"text\":{\"type\":\"string\",\"minLength\":1,"          \
    "\"maxLength\":100,\"description\":\"text to echo\"},\"times\":{\"type\":\"integer\","         \
    "\"minimum\":1,\"maximum\":5}},\"required\":[\"text\"],\"additionalProperties\":false}"
#define ECHO_OUT                                                                                   \
    "{\"type\":\"object\",\"properties\":{\"text\":{\"type\":\"string\"}},\"required\":[\"text\"]" \
    "}"
#define SLOW_IN                                                                                    \
    "{\"type\":\"object\",\"properties\":{\"steps\":{\"type\":\"integer\",\"minimum\":1,"          \
    "\"maximum\":100000},\"ms\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":1000}},"           \
    "\"required\":[\"steps\"],\"additionalProperties\":false}"
#define SLOW_OUT                                                                                   \
    "{\"type\":\"object\",\"properties\":{\"done\":{\"type\":\"integer\"}},\"required\":["         \
    "\"done\"]}"
#define ANY_IN "{\"type\":\"object\"}"

static const struct ep_tool test_rows[] = {
    {"echo", "Echo", "Echo the text back", ECHO_IN, ECHO_OUT, 1, 1, 0, 0, t_echo},
    {"slow", "Slow", "Counts steps, reports progress, honours cancellation", SLOW_IN, SLOW_OUT, 1,
     1, 0, 0, t_slow},
    {"bad", "Bad", "Returns output that violates its outputSchema", ANY_IN, SLOW_OUT, 1, 1, 0, 0,
     t_bad},
    {"p1", "P1", "paging filler", ANY_IN, NULL, 0, 0, 1, 0, t_slow},
    {"p2", "P2", "paging filler", ANY_IN, NULL, 0, 0, 1, 0, t_slow},
    {"p3", "P3", "paging filler", ANY_IN, NULL, 0, 0, 1, 0, t_slow},
    {"p4", "P4", "paging filler", ANY_IN, NULL, 0, 0, 1, 0, t_slow},
    {"noisy", "Noisy", "Prints to stdout", ANY_IN, NULL, 1, 1, 0, 0, t_noisy},
    {"cached", "Cached", "Echo, with a result cache", ECHO_IN, ECHO_OUT, 1, 1, 0, 60, t_echo},
};
#define NROWS (sizeof test_rows / sizeof test_rows[0])

/* ------------------------------------------------------------ provider */

static int pv_list(void *ctx, const char *cursor, json_t **result, struct ep_error *err)
{
    *result = json_pack("{s:[{s:s,s:s,s:s}]}", "resources", "uri", "test://a", "name", "a",
                        "mimeType", "text/plain");
    return 0;
}

static int pv_read(void *ctx, const char *uri, json_t **result, struct ep_error *err)
{
    if (strcmp(uri, "test://a") != 0)
        return ep_error_set(err, EP_ENOTFOUND, "no resource %s", uri);
    *result = json_pack("{s:[{s:s,s:s,s:s}]}", "contents", "uri", uri, "mimeType", "text/plain",
                        "text", "hello");
    return 0;
}

static int pv_prompts(void *ctx, const char *cursor, json_t **result, struct ep_error *err)
{
    *result = json_pack("{s:[{s:s,s:[{s:s,s:b}]}]}", "prompts", "name", "brief", "arguments",
                        "name", "country", "required", 1);
    return 0;
}

static int pv_prompt_get(void *ctx, const char *name, json_t *args, json_t **result,
                         struct ep_error *err)
{
    if (strcmp(name, "brief") != 0)
        return ep_error_set(err, EP_EINVAL, "unknown prompt \"%s\"", name);
    const char *c = json_string_value(json_object_get(args, "country"));
    if (!c)
        return ep_error_set(err, EP_EINVAL, "argument \"country\" is required");
    *result = json_pack("{s:[{s:s,s:{s:s,s:s}}]}", "messages", "role", "user", "content", "type",
                        "text", "text", c);
    return 0;
}

static int pv_complete(void *ctx, json_t *ref, const char *arg, const char *value,
                       json_t *context_args, json_t **values, struct ep_error *err)
{
    static const char *const all[] = {"DE", "DK", "FR", "FI"};
    *values = json_array();
    for (size_t i = 0; i < 4; i++)
        if (strncmp(all[i], value, strlen(value)) == 0)
            json_array_append_new(*values, json_string(all[i]));
    return 0;
}

static const struct ep_mcp_provider test_provider = {
    .resources_list = pv_list,
    .resource_read = pv_read,
    .prompts_list = pv_prompts,
    .prompt_get = pv_prompt_get,
    .complete = pv_complete,
};

/* --------------------------------------------------------- capture */

static pthread_mutex_t cap_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cap_cv = PTHREAD_COND_INITIALIZER;
static json_t *cap_msgs; /* array of parsed messages in write order */
static int cap_nulls;    /* "no reply" markers */

static int cap_write(void *wctx, void *origin, const char *json, size_t len, int last)
{
    pthread_mutex_lock(&cap_mu);
    if (!json) {
        cap_nulls++;
    } else {
        assert_null(memchr(json, '\n', len));
        json_error_t je;
        json_t *v = json_loadb(json, len, JSON_DECODE_ANY, &je);
        if (!v)
            fail_msg("server wrote invalid JSON: %.*s", (int)len, json);
        json_array_append_new(cap_msgs, v);
    }
    pthread_cond_broadcast(&cap_cv);
    pthread_mutex_unlock(&cap_mu);
    return 0;
}

static struct ep_mcp_server *srv(int sync, const struct ep_mcp_provider *p, size_t max)
{
    struct ep_mcp_options o;
    ep_mcp_options_init(&o);
    o.tools = Tools;
    o.synchronous = sync;
    o.provider = p;
    o.page_size = 3;
    if (max)
        o.max_message_bytes = max;
    o.instructions = "test server";
    o.title = "Test server";
    struct ep_mcp_server *s = NULL;
    struct ep_error e = {0};
    assert_int_equal(ep_mcp_server_new(&o, &s, &e), 0);
    pthread_mutex_lock(&cap_mu);
    json_decref(cap_msgs);
    cap_msgs = json_array();
    cap_nulls = 0;
    pthread_mutex_unlock(&cap_mu);
    ep_mcp_set_writer(s, cap_write, NULL);
    return s;
}

static void sendm(struct ep_mcp_server *s, const char *msg)
{
    assert_int_equal(ep_mcp_handle(s, msg, strlen(msg), NULL), 0);
}

static size_t nmsgs(void)
{
    pthread_mutex_lock(&cap_mu);
    size_t n = json_array_size(cap_msgs);
    pthread_mutex_unlock(&cap_mu);
    return n;
}

/* Index of the response whose id equals want (borrowed JSON), waiting up to 10 s. */
static size_t wait_idv(json_t *want, json_t **out)
{
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += 10;
    pthread_mutex_lock(&cap_mu);
    for (;;) {
        size_t i;
        json_t *m;
        json_array_foreach(cap_msgs, i, m)
        {
            json_t *id = json_object_get(m, "id");
            if (id && json_equal(id, want) &&
                (json_object_get(m, "result") || json_object_get(m, "error"))) {
                *out = json_incref(m);
                pthread_mutex_unlock(&cap_mu);
                return i;
            }
        }
        if (pthread_cond_timedwait(&cap_cv, &cap_mu, &dl) == ETIMEDOUT) {
            pthread_mutex_unlock(&cap_mu);
            fail_msg("no response for id %s", json_dumps(want, JSON_ENCODE_ANY));
        }
    }
}

static json_t *wait_id(json_int_t id)
{
    json_t *m = NULL, *w = json_integer(id);
    wait_idv(w, &m);
    json_decref(w);
    return m;
}

static int err_code(json_t *m)
{
    return (int)json_integer_value(json_object_get(json_object_get(m, "error"), "code"));
}

static const char *err_msg(json_t *m)
{
    return json_string_value(json_object_get(json_object_get(m, "error"), "message"));
}

/* Send req; the answer to id must be a JSON-RPC error of code whose message contains needle
 * (NULL: any message). */
static void expect_rpc_err(struct ep_mcp_server *s, const char *req, int id, int code,
                           const char *needle)
{
    sendm(s, req);
    json_t *m = wait_id(id);
    assert_int_equal(err_code(m), code);
    if (needle)
        assert_non_null(strstr(err_msg(m), needle));
    json_decref(m);
}

static json_t *last_msg(void)
{
    pthread_mutex_lock(&cap_mu);
    json_t *m = json_incref(json_array_get(cap_msgs, json_array_size(cap_msgs) - 1));
    pthread_mutex_unlock(&cap_mu);
    return m;
}

static void init(struct ep_mcp_server *s, const char *version)
{
    char buf[300];
    snprintf(buf, sizeof buf,
             "{\"jsonrpc\":\"2.0\",\"id\":1000,\"method\":\"initialize\",\"params\":{"
             "\"protocolVersion\":\"%s\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\","
             "\"version\":\"1\"}}}",
             version);
    sendm(s, buf);
    json_t *m = wait_id(1000);
    assert_non_null(json_object_get(m, "result"));
    json_decref(m);
    sendm(s, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
}

/* -------------------------------------------------------------- tests */

static void test_parse_and_invalid(void **st)
{
    struct ep_mcp_server *s = srv(0, NULL, 0);
    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":1,");
    json_t *m = last_msg();
    assert_int_equal(err_code(m), -32700);
    assert_true(json_is_null(json_object_get(m, "id")));
    json_decref(m);

    const char *bad[] = {"42",
                         "\"x\"",
                         "null",
                         "{\"jsonrpc\":\"2.0\"}",
                         "{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"ping\"}",
                         "{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"ping\"}",
                         "{\"jsonrpc\":\"2.0\",\"id\":[1],\"method\":\"ping\"}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t n = nmsgs();
        sendm(s, bad[i]);
        assert_int_equal(nmsgs(), n + 1);
        m = last_msg();
        assert_int_equal(err_code(m), -32600);
        assert_true(json_is_null(json_object_get(m, "id")));
        json_decref(m);
    }
    expect_rpc_err(s, "{\"jsonrpc\":\"1.0\",\"id\":5,\"method\":\"ping\"}", 5, -32600, NULL);
    expect_rpc_err(s, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":7}", 6, -32600, NULL);
    /* invalid UTF-8 -> parse error */
    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"ping\",\"x\":\"\xff\xfe\"}");
    m = last_msg();
    assert_int_equal(err_code(m), -32700);
    assert_non_null(strstr(err_msg(m), "UTF-8"));
    json_decref(m);
    /* embedded NUL */
    assert_int_equal(ep_mcp_handle(s, "{\"a\":\0}", 7, NULL), 0);
    m = last_msg();
    assert_int_equal(err_code(m), -32700);
    json_decref(m);
    ep_mcp_server_free(s);
}

static void test_lifecycle(void **st)
{
    struct ep_mcp_server *s = srv(0, NULL, 0);
    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}");
    json_t *m = wait_id(1);
    assert_int_equal(err_code(m), -32600);
    assert_non_null(strstr(err_msg(m), "not initialized"));
    json_decref(m);
    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}");
    m = wait_id(2);
    assert_int_equal(json_object_size(json_object_get(m, "result")), 0);
    json_decref(m);
    expect_rpc_err(s, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"initialize\",\"params\":{}}", 3,
                   -32602, NULL);
    assert_null(ep_mcp_protocol_version(s));
    init(s, "2025-06-18");
    assert_string_equal(ep_mcp_protocol_version(s), "2025-06-18");
    expect_rpc_err(s,
                   "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"initialize\",\"params\":{"
                   "\"protocolVersion\":\"2025-06-18\"}}",
                   4, -32600, NULL);
    expect_rpc_err(s, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"no/such\"}", 5, -32601,
                   "no/such");
    expect_rpc_err(s, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"ping\",\"params\":[1]}", 6,
                   -32602, NULL);
    ep_mcp_server_free(s);
}

static void test_versions(void **st)
{
    const char *v[] = {"2025-03-26", "2025-06-18", "2025-11-25", "2024-11-05", "1999-01-01"};
    const char *want[] = {"2025-03-26", "2025-06-18", "2025-11-25", "2025-11-25", "2025-11-25"};
    for (size_t i = 0; i < 5; i++) {
        struct ep_mcp_server *s = srv(0, NULL, 0);
        char buf[200];
        snprintf(buf, sizeof buf,
                 "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
                 "\"protocolVersion\":\"%s\",\"capabilities\":{}}}",
                 v[i]);
        sendm(s, buf);
        json_t *m = wait_id(1), *r = json_object_get(m, "result");
        assert_string_equal(json_string_value(json_object_get(r, "protocolVersion")), want[i]);
        json_t *info = json_object_get(r, "serverInfo");
        assert_string_equal(json_string_value(json_object_get(info, "name")), "epintel");
        assert_string_equal(json_string_value(json_object_get(info, "version")), EP_VERSION);
        json_t *caps = json_object_get(r, "capabilities");
        assert_non_null(json_object_get(caps, "tools"));
        assert_non_null(json_object_get(caps, "logging"));
        assert_null(json_object_get(caps, "resources"));
        assert_null(json_object_get(caps, "prompts"));
        assert_null(json_object_get(caps, "completions"));
        assert_string_equal(json_string_value(json_object_get(r, "instructions")), "test server");
        json_decref(m);
        ep_mcp_server_free(s);
    }
}

static void test_notifications_and_ids(void **st)
{
    struct ep_mcp_server *s = srv(0, NULL, 0);
    init(s, "2025-11-25");
    size_t n = nmsgs();
    sendm(s, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
    sendm(s, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/whatever\",\"params\":{}}");
    sendm(s, "{\"jsonrpc\":\"2.0\",\"method\":\"ping\"}");
    sendm(s, "{\"jsonrpc\":\"2.0\",\"method\":\"tools/list\"}");
    sendm(s, "{\"jsonrpc\":\"2.0\",\"method\":\"no/such\"}");
    sendm(s, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{"
             "\"requestId\":12345}}");
    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":99,\"result\":{}}"); /* a client response */
    assert_int_equal(nmsgs(), n);

    /* ids echoed exactly: strings, 0, negative, beyond 2^53 and INT64_MAX */
    const char *ids[] = {"\"abc\"", "\"\"", "0", "-7", "9007199254740993", "9223372036854775807"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        char buf[200];
        snprintf(buf, sizeof buf, "{\"jsonrpc\":\"2.0\",\"id\":%s,\"method\":\"ping\"}", ids[i]);
        sendm(s, buf);
        json_t *m = last_msg();
        char *idtxt = json_dumps(json_object_get(m, "id"), JSON_ENCODE_ANY);
        assert_string_equal(idtxt, ids[i]);
        free(idtxt);
        json_decref(m);
    }
    ep_mcp_server_free(s);
}

static void test_oversized_and_deep(void **st)
{
    struct ep_mcp_server *s = srv(0, NULL, 200);
    init(s, "2025-11-25");
    char big[1000];
    snprintf(big, sizeof big,
             "{\"jsonrpc\":\"2.0\",\"id\":\"big\",\"method\":\"ping\","
             "\"params\":{\"pad\":\"");
    size_t l = strlen(big);
    memset(big + l, 'x', 500);
    strcpy(big + l + 500, "\"}}");
    sendm(s, big);
    json_t *m = last_msg();
    assert_int_equal(err_code(m), -32600);
    assert_string_equal(json_string_value(json_object_get(m, "id")), "big");
    assert_non_null(strstr(err_msg(m), "--max-message-bytes"));
    assert_non_null(strstr(err_msg(m), "200 bytes"));
    json_decref(m);
    ep_mcp_server_free(s);

    /* 100000 nested arrays: jansson's depth limit gives a parse error, no crash */
    s = srv(0, NULL, 0);
    size_t depth = 100000;
    char *deep = malloc(2 * depth + 1);
    memset(deep, '[', depth);
    memset(deep + depth, ']', depth);
    deep[2 * depth] = 0;
    sendm(s, deep);
    m = last_msg();
    assert_int_equal(err_code(m), -32700);
    json_decref(m);
    /* deep nesting inside tool arguments: rejected by validation, no crash */
    init(s, "2025-11-25");
    struct {
        char *p;
    } b;
    size_t d2 = 1500;
    b.p = malloc(2 * d2 + 200);
    strcpy(b.p, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":"
                "\"echo\",\"arguments\":{\"text\":");
    size_t k = strlen(b.p);
    memset(b.p + k, '[', d2);
    memset(b.p + k + d2, ']', d2);
    strcpy(b.p + k + 2 * d2, "}}}");
    sendm(s, b.p);
    m = wait_id(3);
    json_t *r = json_object_get(m, "result");
    assert_true(json_is_true(json_object_get(r, "isError")));
    json_decref(m);
    free(b.p);
    free(deep);
    ep_mcp_server_free(s);
}

static void test_batches(void **st)
{
    struct ep_mcp_server *s = srv(0, NULL, 0);
    sendm(s, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]");
    json_t *m = last_msg();
    assert_int_equal(err_code(m), -32600);
    json_decref(m);
    init(s, "2025-06-18");
    sendm(s, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]");
    m = last_msg();
    assert_int_equal(err_code(m), -32600);
    assert_non_null(strstr(err_msg(m), "2025-03-26"));
    json_decref(m);
    ep_mcp_server_free(s);

    s = srv(0, NULL, 0);
    init(s, "2025-03-26");
    sendm(s, "[]");
    m = last_msg();
    assert_int_equal(err_code(m), -32600);
    json_decref(m);
    size_t n = nmsgs();
    sendm(s, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"},"
             "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"},"
             "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"echo\",\"arguments\":{\"text\":\"hi\"}}},"
             "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"initialize\",\"params\":{"
             "\"protocolVersion\":\"2025-03-26\"}},"
             "5]");
    ep_mcp_drain(s);
    m = NULL;
    pthread_mutex_lock(&cap_mu);
    for (size_t k = n; k < json_array_size(cap_msgs); k++) {
        json_t *x = json_array_get(cap_msgs, k);
        if (json_is_array(x)) {
            assert_null(m); /* exactly one batch response */
            m = json_incref(x);
        }
    }
    pthread_mutex_unlock(&cap_mu);
    assert_true(json_is_array(m));
    assert_int_equal(json_array_size(m), 4);
    int seen = 0;
    size_t i;
    json_t *e;
    json_array_foreach(m, i, e)
    {
        json_int_t id = json_integer_value(json_object_get(e, "id"));
        if (id == 1)
            seen |= 1;
        if (id == 2 && json_is_false(json_object_get(json_object_get(e, "result"), "isError")))
            seen |= 2;
        if (id == 3 && err_code(e) == -32600)
            seen |= 4;
        if (json_is_null(json_object_get(e, "id")) && err_code(e) == -32600)
            seen |= 8;
    }
    assert_int_equal(seen, 15);
    json_decref(m);
    n = nmsgs();
    sendm(s, "[{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}]");
    assert_int_equal(nmsgs(), n);
    ep_mcp_server_free(s);
}

static void test_tools_list(void **st)
{
    struct ep_mcp_server *s = srv(0, NULL, 0);
    init(s, "2025-11-25");
    json_t *names = json_array();
    json_t *cursor = NULL;
    int pages = 0;
    for (;;) {
        char buf[200];
        if (cursor)
            snprintf(buf, sizeof buf,
                     "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/list\",\"params\":{"
                     "\"cursor\":\"%s\"}}",
                     10 + pages, json_string_value(cursor));
        else
            snprintf(buf, sizeof buf, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/list\"}",
                     10 + pages);
        sendm(s, buf);
        json_t *m = wait_id(10 + pages);
        json_t *r = json_object_get(m, "result");
        json_t *tools = json_object_get(r, "tools");
        assert_true(json_array_size(tools) <= 3);
        size_t i;
        json_t *t;
        json_array_foreach(tools, i, t)
        {
            json_array_append(names, json_object_get(t, "name"));
            assert_non_null(json_string_value(json_object_get(t, "title")));
            assert_non_null(json_string_value(json_object_get(t, "description")));
            assert_string_equal(
                json_string_value(json_object_get(json_object_get(t, "inputSchema"), "type")),
                "object");
            json_t *a = json_object_get(t, "annotations");
            assert_true(json_is_boolean(json_object_get(a, "readOnlyHint")));
            assert_true(json_is_boolean(json_object_get(a, "idempotentHint")));
            assert_true(json_is_boolean(json_object_get(a, "openWorldHint")));
            if (strcmp(json_string_value(json_object_get(t, "name")), "echo") == 0)
                assert_non_null(json_object_get(t, "outputSchema"));
        }
        json_decref(cursor);
        cursor = json_incref(json_object_get(r, "nextCursor"));
        json_decref(m);
        pages++;
        if (!cursor)
            break;
    }
    assert_int_equal(pages, (NROWS + 2) / 3);
    assert_int_equal(json_array_size(names), NROWS);
    json_decref(names);
    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":50,\"method\":\"tools/list\",\"params\":{\"cursor\":"
             "\"bogus\"}}");
    json_t *m = wait_id(50);
    assert_int_equal(err_code(m), -32602);
    json_decref(m);
    expect_rpc_err(
        s,
        "{\"jsonrpc\":\"2.0\",\"id\":51,\"method\":\"tools/list\",\"params\":{\"cursor\":"
        "\"cffff\"}}",
        51, -32602, NULL);
    ep_mcp_server_free(s);
}

/* Shapes follow the negotiated version: 2025-03-26 has no tool title (annotations.title instead),
 * no outputSchema, no structuredContent and no serverInfo.title; 2025-06-18 has them all. A
 * result cached as bytes by a 2025-06-18 session is not served to a 2025-03-26 session. */
static void test_version_shapes(void **st)
{
    const char *call = "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{"
                       "\"name\":\"cached\",\"arguments\":{\"text\":\"ab\",\"times\":2}}}";
    for (int legacy = 0; legacy < 2; legacy++) {
        struct ep_mcp_server *s = srv(0, NULL, 0);
        char buf[300];
        snprintf(buf, sizeof buf,
                 "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
                 "\"protocolVersion\":\"%s\",\"capabilities\":{},\"clientInfo\":{\"name\":"
                 "\"t\",\"version\":\"1\"}}}",
                 legacy ? "2025-03-26" : "2025-06-18");
        sendm(s, buf);
        json_t *m = wait_id(1);
        assert_int_equal(
            json_object_get(json_object_get(json_object_get(m, "result"), "serverInfo"), "title") !=
                NULL,
            !legacy);
        json_decref(m);
        sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}");
        m = wait_id(2);
        json_t *t = json_array_get(json_object_get(json_object_get(m, "result"), "tools"), 0);
        assert_string_equal(json_string_value(json_object_get(t, "name")), "echo");
        assert_int_equal(json_object_get(t, "title") != NULL, !legacy);
        assert_int_equal(json_object_get(t, "outputSchema") != NULL, !legacy);
        assert_string_equal(
            json_string_value(json_object_get(json_object_get(t, "annotations"), "title")), "Echo");
        json_decref(m);
        for (int round = 0; round < 2; round++) { /* the second call is a cache hit */
            sendm(s, call);
            m = wait_id(3);
            json_t *r = json_object_get(m, "result");
            assert_true(json_is_false(json_object_get(r, "isError")));
            assert_int_equal(json_object_get(r, "structuredContent") != NULL, !legacy);
            json_t *c0 = json_array_get(json_object_get(r, "content"), 0);
            json_t *parsed = json_loads(json_string_value(json_object_get(c0, "text")), 0, NULL);
            assert_string_equal(json_string_value(json_object_get(parsed, "text")), "abab");
            json_decref(parsed);
            json_decref(m);
            pthread_mutex_lock(&cap_mu);
            json_array_clear(cap_msgs);
            pthread_mutex_unlock(&cap_mu);
        }
        ep_mcp_server_free(s);
    }
}

/* Integers beyond int64 (jansson's range) in valid JSON: not a parse error. As the id: -32600
 * with a null id; in the params: -32602 to the request's id; in a notification: no reply. */
static void test_big_integers(void **st)
{
    struct ep_mcp_server *s = srv(0, NULL, 0);
    init(s, "2025-11-25");
    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":92233720368547758070,\"method\":\"ping\"}");
    json_t *m = last_msg();
    assert_int_equal(err_code(m), -32600);
    assert_true(json_is_null(json_object_get(m, "id")));
    assert_non_null(strstr(err_msg(m), "92233720368547758070"));
    assert_non_null(strstr(err_msg(m), "64-bit"));
    json_decref(m);
    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":\"q\",\"method\":\"tools/call\",\"params\":{"
             "\"name\":\"echo\",\"arguments\":{\"times\":-99999999999999999999}}}");
    m = last_msg();
    assert_int_equal(err_code(m), -32602);
    assert_string_equal(json_string_value(json_object_get(m, "id")), "q");
    json_decref(m);
    size_t n = nmsgs();
    sendm(s, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/x\",\"params\":{\"a\":"
             "1e999999999999999999999}}");
    sendm(s, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/x\",\"params\":{\"a\":"
             "99999999999999999999}}");
    assert_int_equal(nmsgs(), n + 1); /* 1e999...: jansson's real overflow is a parse error */
    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"ping\"}");
    m = wait_id(7);
    assert_non_null(json_object_get(m, "result"));
    json_decref(m);
    ep_mcp_server_free(s);
}

static void test_tools_call(void **st)
{
    struct ep_mcp_server *s = srv(0, NULL, 0);
    init(s, "2025-11-25");
    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"echo\",\"arguments\":{\"text\":\"ab\",\"times\":2}}}");
    json_t *m = wait_id(1), *r = json_object_get(m, "result");
    assert_true(json_is_false(json_object_get(r, "isError")));
    json_t *sc = json_object_get(r, "structuredContent");
    assert_string_equal(json_string_value(json_object_get(sc, "text")), "abab");
    json_t *c0 = json_array_get(json_object_get(r, "content"), 0);
    assert_string_equal(json_string_value(json_object_get(c0, "type")), "text");
    json_t *parsed = json_loads(json_string_value(json_object_get(c0, "text")), 0, NULL);
    assert_true(json_equal(parsed, sc));
    json_decref(parsed);
    json_decref(m);

    expect_rpc_err(s,
                   "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":"
                   "\"nope\",\"arguments\":{}}}",
                   2, -32602, "nope");

    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"echo\",\"arguments\":{\"text\":\"x\",\"times\":9}}}");
    m = wait_id(3);
    r = json_object_get(m, "result");
    assert_true(json_is_true(json_object_get(r, "isError")));
    c0 = json_array_get(json_object_get(r, "content"), 0);
    assert_string_equal(json_string_value(json_object_get(c0, "text")),
                        "argument \"times\": must be an integer between 1 and 5, got 9");
    assert_null(json_object_get(r, "structuredContent"));
    json_decref(m);

    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"echo\"}}");
    m = wait_id(4);
    r = json_object_get(m, "result");
    assert_true(json_is_true(json_object_get(r, "isError")));
    c0 = json_array_get(json_object_get(r, "content"), 0);
    assert_non_null(strstr(json_string_value(json_object_get(c0, "text")), "\"text\" is required"));
    json_decref(m);

    expect_rpc_err(s,
                   "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":"
                   "\"echo\",\"arguments\":[1]}}",
                   5, -32602, NULL);

    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"bad\"}}");
    m = wait_id(6);
    r = json_object_get(m, "result");
    assert_true(json_is_true(json_object_get(r, "isError")));
    c0 = json_array_get(json_object_get(r, "content"), 0);
    assert_non_null(strstr(json_string_value(json_object_get(c0, "text")), "outputSchema"));
    json_decref(m);

    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"echo\",\"arguments\":{\"text\":\"fail\"}}}");
    m = wait_id(7);
    r = json_object_get(m, "result");
    assert_true(json_is_true(json_object_get(r, "isError")));
    c0 = json_array_get(json_object_get(r, "content"), 0);
    assert_string_equal(json_string_value(json_object_get(c0, "text")),
                        "no data: try another text");
    json_decref(m);

    expect_rpc_err(s, "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"tools/call\"}", 8, -32602, NULL);
    ep_mcp_server_free(s);
}

static void test_progress(void **st)
{
    struct ep_mcp_server *s = srv(0, NULL, 0);
    init(s, "2025-11-25");
    size_t start = nmsgs();
    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"slow\",\"arguments\":{\"steps\":5},\"_meta\":{\"progressToken\":\"tok\"}}}");
    json_t *m, *one = json_integer(1);
    size_t at = wait_idv(one, &m);
    json_decref(one);
    json_decref(m);
    ep_mcp_drain(s);
    pthread_mutex_lock(&cap_mu);
    size_t n = json_array_size(cap_msgs);
    double last = 0;
    int count = 0;
    for (size_t i = start; i < n; i++) {
        json_t *x = json_array_get(cap_msgs, i);
        const char *meth = json_string_value(json_object_get(x, "method"));
        if (!meth || strcmp(meth, "notifications/progress") != 0)
            continue;
        assert_true(i < at); /* strictly before the response */
        json_t *p = json_object_get(x, "params");
        assert_string_equal(json_string_value(json_object_get(p, "progressToken")), "tok");
        double v = json_number_value(json_object_get(p, "progress"));
        assert_true(v > last);
        last = v;
        assert_int_equal(json_integer_value(json_object_get(p, "total")), 5);
        count++;
    }
    pthread_mutex_unlock(&cap_mu);
    assert_int_equal(count, 5);

    /* no token: no progress notifications */
    start = nmsgs();
    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"slow\",\"arguments\":{\"steps\":3}}}");
    m = wait_id(2);
    json_decref(m);
    assert_int_equal(nmsgs(), start + 1);
    ep_mcp_server_free(s);
}

static void test_cancel(void **st)
{
    struct ep_mcp_server *s = srv(0, NULL, 0);
    init(s, "2025-11-25");
    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":\"long\",\"method\":\"tools/call\",\"params\":{"
             "\"name\":\"slow\",\"arguments\":{\"steps\":100000,\"ms\":2},\"_meta\":{"
             "\"progressToken\":7}}}");
    /* a second call queues behind the first one (handlers are serialized) */
    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":\"queued\",\"method\":\"tools/call\",\"params\":{"
             "\"name\":\"slow\",\"arguments\":{\"steps\":100000,\"ms\":2}}}");
    /* wait for the first progress notification */
    for (int i = 0; i < 1000; i++) {
        json_t *m = last_msg();
        int got = m && json_object_get(m, "method");
        json_decref(m);
        if (got)
            break;
        usleep(5000);
    }
    /* the reader is free while the tool runs: ping answers */
    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}");
    json_t *m = wait_id(2);
    json_decref(m);
    /* the same id cannot be reused while in flight */
    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":\"long\",\"method\":\"tools/call\",\"params\":{"
             "\"name\":\"slow\",\"arguments\":{\"steps\":1}}}");
    json_t *w = json_string("long");
    wait_idv(w, &m);
    assert_int_equal(err_code(m), -32600);
    json_decref(m);
    sendm(s, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{"
             "\"requestId\":\"long\",\"reason\":\"user\"}}");
    sendm(s, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{"
             "\"requestId\":\"queued\"}}");
    ep_mcp_drain(s);
    size_t n = nmsgs();
    int responses = 0;
    pthread_mutex_lock(&cap_mu);
    for (size_t i = 0; i < n; i++) {
        json_t *x = json_array_get(cap_msgs, i);
        json_t *id = json_object_get(x, "id");
        if (id && json_is_string(id) && json_object_get(x, "result"))
            responses++;
    }
    pthread_mutex_unlock(&cap_mu);
    assert_int_equal(responses, 0);
    json_decref(w);
    /* the server still works */
    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"slow\",\"arguments\":{\"steps\":2}}}");
    m = wait_id(3);
    assert_true(json_is_false(json_object_get(json_object_get(m, "result"), "isError")));
    json_decref(m);
    /* freeing the server with a call in flight cancels it */
    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"slow\",\"arguments\":{\"steps\":100000,\"ms\":2}}}");
    usleep(20000);
    ep_mcp_server_free(s);
}

static int count_method(size_t from, const char *method, const char *level)
{
    int c = 0;
    pthread_mutex_lock(&cap_mu);
    for (size_t i = from; i < json_array_size(cap_msgs); i++) {
        json_t *x = json_array_get(cap_msgs, i);
        const char *m = json_string_value(json_object_get(x, "method"));
        const char *l = json_string_value(json_object_get(json_object_get(x, "params"), "level"));
        if (m && strcmp(m, method) == 0 && (!level || (l && strcmp(l, level) == 0)))
            c++;
    }
    pthread_mutex_unlock(&cap_mu);
    return c;
}

static void test_logging(void **st)
{
    struct ep_mcp_server *s = srv(0, NULL, 0);
    ep_mcp_log(s, "error", NULL, "before init %d", 1); /* not sent before initialize */
    assert_int_equal(nmsgs(), 0);
    init(s, "2025-11-25");
    size_t start = nmsgs();
    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"echo\",\"arguments\":{\"text\":\"x\"}}}");
    json_decref(wait_id(1));
    assert_int_equal(count_method(start, "notifications/message", "info"), 1);
    assert_int_equal(count_method(start, "notifications/message", "error"), 1);

    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"logging/setLevel\",\"params\":{"
             "\"level\":\"error\"}}");
    json_t *m = wait_id(2);
    assert_int_equal(json_object_size(json_object_get(m, "result")), 0);
    json_decref(m);
    start = nmsgs();
    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"echo\",\"arguments\":{\"text\":\"x\"}}}");
    json_decref(wait_id(3));
    ep_mcp_log(s, "warning", "test", "dropped");
    ep_mcp_log(s, "critical", "test", "kept %s", "too");
    assert_int_equal(count_method(start, "notifications/message", "info"), 0);
    assert_int_equal(count_method(start, "notifications/message", "warning"), 0);
    assert_int_equal(count_method(start, "notifications/message", "error"), 1);
    assert_int_equal(count_method(start, "notifications/message", "critical"), 1);

    expect_rpc_err(s,
                   "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"logging/setLevel\",\"params\":{"
                   "\"level\":\"loud\"}}",
                   4, -32602, NULL);
    ep_mcp_server_free(s);
}

static void test_provider_methods(void **st)
{
    struct ep_mcp_server *s = srv(0, &test_provider, 0);
    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
             "\"protocolVersion\":\"2025-06-18\"}}");
    json_t *m = wait_id(1);
    json_t *caps = json_object_get(json_object_get(m, "result"), "capabilities");
    assert_non_null(json_object_get(caps, "resources"));
    assert_non_null(json_object_get(caps, "prompts"));
    assert_non_null(json_object_get(caps, "completions"));
    json_decref(m);

    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"resources/list\"}");
    m = wait_id(2);
    assert_int_equal(json_array_size(json_object_get(json_object_get(m, "result"), "resources")),
                     1);
    json_decref(m);
    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"resources/read\",\"params\":{\"uri\":"
             "\"test://a\"}}");
    m = wait_id(3);
    json_t *c = json_array_get(json_object_get(json_object_get(m, "result"), "contents"), 0);
    assert_string_equal(json_string_value(json_object_get(c, "text")), "hello");
    json_decref(m);
    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"resources/read\",\"params\":{\"uri\":"
             "\"test://zzz\"}}");
    m = wait_id(4);
    assert_int_equal(err_code(m), -32002);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_object_get(m, "error"), "data"), "uri")),
                        "test://zzz");
    json_decref(m);
    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"resources/templates/list\"}");
    m = wait_id(5);
    assert_true(json_is_array(json_object_get(json_object_get(m, "result"), "resourceTemplates")));
    json_decref(m);
    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"prompts/list\"}");
    m = wait_id(6);
    assert_int_equal(json_array_size(json_object_get(json_object_get(m, "result"), "prompts")), 1);
    json_decref(m);
    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"prompts/get\",\"params\":{\"name\":"
             "\"brief\",\"arguments\":{\"country\":\"DE\"}}}");
    m = wait_id(7);
    assert_non_null(json_object_get(json_object_get(m, "result"), "messages"));
    json_decref(m);
    expect_rpc_err(s,
                   "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"prompts/get\",\"params\":{\"name\":"
                   "\"nope\"}}",
                   8, -32602, NULL);
    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"completion/complete\",\"params\":{"
             "\"ref\":{\"type\":\"ref/prompt\",\"name\":\"brief\"},\"argument\":{\"name\":"
             "\"country\",\"value\":\"D\"}}}");
    m = wait_id(9);
    json_t *comp = json_object_get(json_object_get(m, "result"), "completion");
    assert_int_equal(json_array_size(json_object_get(comp, "values")), 2);
    assert_true(json_is_false(json_object_get(comp, "hasMore")));
    json_decref(m);
    expect_rpc_err(s,
                   "{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"completion/complete\",\"params\":{"
                   "\"ref\":{\"type\":\"ref/x\"},\"argument\":{\"name\":\"a\",\"value\":\"\"}}}",
                   10, -32602, NULL);
    ep_mcp_server_free(s);

    /* without a provider those methods do not exist */
    s = srv(0, NULL, 0);
    init(s, "2025-06-18");
    expect_rpc_err(s, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"resources/list\"}", 2, -32601,
                   NULL);
    expect_rpc_err(s, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"prompts/list\"}", 3, -32601,
                   NULL);
    ep_mcp_server_free(s);
}

static void test_synchronous_mode(void **st)
{
    struct ep_mcp_server *s = srv(1, NULL, 0);
    init(s, "2025-11-25");
    size_t n = nmsgs();
    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"echo\",\"arguments\":{\"text\":\"x\"}}}");
    assert_true(nmsgs() > n); /* answered before ep_mcp_handle returned */
    json_decref(wait_id(1));
    ep_mcp_server_free(s);
}

static void test_rpc_code_map(void **st)
{
    assert_int_equal(ep_mcp_rpc_code(EP_EINVAL), -32602);
    assert_int_equal(ep_mcp_rpc_code(EP_ELIMIT), -32602);
    assert_int_equal(ep_mcp_rpc_code(EP_ENOTFOUND), -32002);
    assert_int_equal(ep_mcp_rpc_code(EP_EDB), -32603);
    assert_int_equal(ep_mcp_rpc_code(EP_EINTERNAL), -32603);
}

/* ------------------------------------------------------------- stdio */

static FILE *file_with(const char *data, size_t n)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    rewind(f);
    return f;
}

/* Read all lines of f into an array of parsed JSON values. */
static json_t *read_lines(FILE *f)
{
    json_t *arr = json_array();
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    rewind(f);
    while ((n = getline(&line, &cap, f)) > 0) {
        assert_true(line[n - 1] == '\n');
        json_error_t je;
        json_t *v = json_loadb(line, (size_t)n, JSON_DECODE_ANY, &je);
        if (!v)
            fail_msg("bad output line: %s", line);
        json_array_append_new(arr, v);
    }
    free(line);
    return arr;
}

static json_t *serve_bytes(const char *data, size_t n, size_t max)
{
    struct ep_mcp_options o;
    ep_mcp_options_init(&o);
    o.tools = Tools;
    if (max)
        o.max_message_bytes = max;
    struct ep_mcp_server *s = NULL;
    struct ep_error e = {0};
    assert_int_equal(ep_mcp_server_new(&o, &s, &e), 0);
    FILE *in = file_with(data, n), *out = tmpfile();
    assert_int_equal(ep_mcp_serve_stdio(s, in, out, &e), 0);
    ep_mcp_server_free(s);
    json_t *lines = read_lines(out);
    fclose(in);
    fclose(out);
    return lines;
}

static void test_stdio_framing(void **st)
{
    const char *init_line = "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{"
                            "\"protocolVersion\":\"2025-06-18\"}}\n";
    struct {
        char *p;
        size_t n;
    } b = {malloc(100000), 0};
    b.n = (size_t)sprintf(b.p, "%s", init_line);
    /* an oversized line (cap 300), then a blank line, CRLF, and a call; the final line has no
     * newline before EOF */
    b.n += (size_t)sprintf(b.p + b.n, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"x\":\"");
    memset(b.p + b.n, 'y', 5000);
    b.n += 5000;
    b.n += (size_t)sprintf(b.p + b.n, "\"}\n\n   \n");
    b.n += (size_t)sprintf(b.p + b.n, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}\r\n");
    b.n += (size_t)sprintf(b.p + b.n,
                           "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{"
                           "\"name\":\"slow\",\"arguments\":{\"steps\":3,\"ms\":20}}}");
    json_t *lines = serve_bytes(b.p, b.n, 300);
    assert_int_equal(json_array_size(lines), 4);
    json_t *l1 = json_array_get(lines, 1);
    assert_int_equal(json_integer_value(json_object_get(l1, "id")), 1);
    assert_int_equal(err_code(l1), -32600);
    assert_non_null(strstr(err_msg(l1), "--max-message-bytes"));
    assert_int_equal(json_integer_value(json_object_get(json_array_get(lines, 2), "id")), 2);
    /* EOF waited for the in-flight call */
    json_t *l3 = json_array_get(lines, 3);
    assert_int_equal(json_integer_value(json_object_get(l3, "id")), 3);
    json_decref(lines);
    free(b.p);

    /* empty input: clean exit, nothing written */
    lines = serve_bytes("", 0, 0);
    assert_int_equal(json_array_size(lines), 0);
    json_decref(lines);
}

/* stdout protection: serve on the real stdout (redirected to a file in a child process) while
 * a tool prints to stdout: the protocol stream must stay clean JSON lines. */
static void test_stdio_protects_stdout(void **st)
{
    char *dir = ep_test_tmpdir();
    char outp[4200], errp[4200];
    snprintf(outp, sizeof outp, "%s/out", dir);
    snprintf(errp, sizeof errp, "%s/err", dir);
    const char *input =
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
        "\"protocolVersion\":\"2025-11-25\"}}\n"
        "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":"
        "\"noisy\"}}\n";
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (!freopen(outp, "w", stdout) || !freopen(errp, "w", stderr))
            _exit(3);
        FILE *in = file_with(input, strlen(input));
        struct ep_mcp_options o;
        ep_mcp_options_init(&o);
        o.tools = Tools;
        struct ep_mcp_server *s = NULL;
        struct ep_error e = {0};
        if (ep_mcp_server_new(&o, &s, &e))
            _exit(4);
        int rc = ep_mcp_serve_stdio(s, in, stdout, &e);
        ep_mcp_server_free(s);
        printf("after serve\n"); /* fd 1 restored */
        fflush(stdout);
        _exit(rc ? 5 : 0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    FILE *f = fopen(outp, "r");
    assert_non_null(f);
    char *line = NULL;
    size_t cap = 0;
    int n = 0;
    while (getline(&line, &cap, f) > 0) {
        if (strcmp(line, "after serve\n") == 0)
            continue;
        json_t *v = json_loads(line, 0, NULL);
        if (!v)
            fail_msg("stdout was corrupted: %s", line);
        json_decref(v);
        n++;
    }
    free(line);
    fclose(f);
    assert_int_equal(n, 2);
    assert_int_equal(ep_test_system("grep -q 'misbehaving' '%s'", errp), 0);
    ep_test_system("rm -rf '%s'", dir);
    free(dir);
}

/* Golden transcript: tests/golden/stdio_basic.jsonl -> expected responses, matched by id
 * (responses with a null id in order). serverInfo.version is not compared. */
static void strip_version(json_t *m)
{
    json_t *info = json_object_get(json_object_get(m, "result"), "serverInfo");
    if (info)
        json_object_del(info, "version");
}

static void test_golden_stdio(void **st)
{
    char inp[4096], exp[4096];
    snprintf(inp, sizeof inp, "%s/../tests/golden/stdio_basic.jsonl", EP_SOURCE_FIXTURES);
    snprintf(exp, sizeof exp, "%s/../tests/golden/stdio_basic.expected.jsonl", EP_SOURCE_FIXTURES);
    FILE *fi = fopen(inp, "r"), *fe = fopen(exp, "r");
    assert_non_null(fi);
    assert_non_null(fe);
    json_t *want = read_lines(fe);
    fclose(fe);
    struct ep_mcp_options o;
    ep_mcp_options_init(&o);
    o.tools = Tools;
    o.page_size = 2;
    struct ep_mcp_server *s = NULL;
    struct ep_error e = {0};
    assert_int_equal(ep_mcp_server_new(&o, &s, &e), 0);
    FILE *out = tmpfile();
    assert_int_equal(ep_mcp_serve_stdio(s, fi, out, &e), 0);
    ep_mcp_server_free(s);
    fclose(fi);
    json_t *got = read_lines(out);
    fclose(out);
    if (getenv("EP_GOLDEN_DUMP")) {
        size_t i;
        json_t *g;
        json_array_foreach(got, i, g)
        {
            char *t = json_dumps(g, JSON_COMPACT);
            fprintf(stderr, "%s\n", t);
            free(t);
        }
    }
    assert_int_equal(json_array_size(got), json_array_size(want));
    /* lines with an id match by id; lines without one (notifications, null-id errors) match
     * any equal unmatched line, since their order against worker output is not fixed */
    char *used = calloc(json_array_size(got) + 1, 1);
    size_t i;
    json_t *w;
    json_array_foreach(got, i, w) strip_version(w);
    json_array_foreach(want, i, w)
    {
        strip_version(w);
        json_t *id = json_object_get(w, "id");
        int keyed = id && !json_is_null(id);
        json_t *match = NULL;
        size_t j;
        json_t *g;
        json_array_foreach(got, j, g)
        {
            json_t *gid = json_object_get(g, "id");
            if (used[j])
                continue;
            if (keyed ? (gid && json_equal(gid, id)) : json_equal(g, w)) {
                match = g;
                used[j] = 1;
                break;
            }
        }
        if (!match) {
            char *a = json_dumps(w, JSON_COMPACT);
            fail_msg("golden: no (equal) response for expected line %zu: %s", i + 1, a);
        }
        if (!json_equal(match, w)) {
            char *a = json_dumps(w, JSON_COMPACT), *c = json_dumps(match, JSON_COMPACT);
            fail_msg("golden line %zu differs:\nwant %s\ngot  %s", i + 1, a, c);
        }
    }
    free(used);
    json_decref(got);
    json_decref(want);
}

/* ------------------------------------ tools/list spliced from schema text */

static char *raw_out; /* the last message written, as bytes */

static int raw_write(void *wctx, void *origin, const char *json, size_t len, int last)
{
    (void)wctx;
    (void)origin;
    (void)last;
    if (json) {
        free(raw_out);
        raw_out = strndup(json, len);
    }
    return 0;
}

static json_t *no_override(void *ctx, const char *tool_name)
{
    (void)ctx;
    (void)tool_name;
    return NULL;
}

/* The bytes of tools/list (cursor NULL = first page) from a synchronous server; provider p. */
static char *list_bytes(const struct ep_mcp_provider *p, const char *version, int page,
                        const char *cursor)
{
    struct ep_mcp_options o;
    ep_mcp_options_init(&o);
    o.tools = Tools;
    o.synchronous = 1;
    o.provider = p;
    o.page_size = page;
    struct ep_mcp_server *s = NULL;
    struct ep_error e = {0};
    assert_int_equal(ep_mcp_server_new(&o, &s, &e), 0);
    ep_mcp_set_writer(s, raw_write, NULL);
    char buf[400];
    snprintf(buf, sizeof buf,
             "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
             "\"protocolVersion\":\"%s\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\","
             "\"version\":\"1\"}}}",
             version);
    sendm(s, buf);
    sendm(s, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
    if (cursor)
        snprintf(buf, sizeof buf,
                 "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\",\"params\":{"
                 "\"cursor\":\"%s\"}}",
                 cursor);
    else
        snprintf(buf, sizeof buf, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}");
    sendm(s, buf);
    ep_mcp_server_free(s);
    char *out = raw_out;
    raw_out = NULL;
    assert_non_null(out);
    return out;
}

/* On the real table (ep_tools_register_all), tools/list spliced from the embedded schema text
 * is byte for byte the page serialized from the parsed schemas (the path a provider's schema
 * override takes), in both protocol flavours, on full and partial pages. */
static void test_tools_list_spliced(void **st)
{
    (void)st;
    ep_tools_cleanup(Tools);
    struct ep_error e = {0};
    assert_int_equal(ep_tools_register_all(Tools, &e), 0);
    struct ep_mcp_provider slow = {0};
    slow.tool_input_schema = no_override;
    const char *versions[] = {"2025-06-18", "2025-03-26"};
    for (int v = 0; v < 2; v++)
        for (int k = 0; k < 3; k++) {
            int page = k == 0 ? 100 : 7;
            const char *cursor = k == 2 ? "c3c" : NULL;
            char *fast = list_bytes(NULL, versions[v], page, cursor);
            char *ref = list_bytes(&slow, versions[v], page, cursor);
            assert_string_equal(fast, ref);
            assert_non_null(strstr(fast, "\"inputSchema\":{\"type\":\"object\""));
            if (k == 1)
                assert_non_null(strstr(fast, "\"nextCursor\":\"c7\""));
            if (v == 0)
                assert_non_null(strstr(fast, "\"outputSchema\":"));
            free(fast);
            free(ref);
        }
    ep_tools_cleanup(Tools);
    assert_int_equal(ep_tools_register(Tools, test_rows, NROWS, &e), 0);
}

/* ------------------------------------------------- 2026-07-28 (stateless) */

#define META26                                                                                     \
    "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","                       \
    "\"io.modelcontextprotocol/clientCapabilities\":{},"                                           \
    "\"io.modelcontextprotocol/clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}"

/* A 2026-era result's common members: resultType and serverInfo; cacheable: ttlMs, cacheScope. */
static void assert_modern_result(json_t *m, int cacheable)
{
    json_t *r = json_object_get(m, "result");
    assert_non_null(r);
    assert_string_equal(json_string_value(json_object_get(r, "resultType")), "complete");
    json_t *si = json_object_get(json_object_get(r, "_meta"), "io.modelcontextprotocol/serverInfo");
    assert_string_equal(json_string_value(json_object_get(si, "name")), "epintel");
    assert_non_null(json_object_get(si, "version"));
    json_t *ttl = json_object_get(r, "ttlMs");
    if (cacheable) {
        assert_true(json_is_integer(ttl) && json_integer_value(ttl) >= 0);
        assert_string_equal(json_string_value(json_object_get(r, "cacheScope")), "public");
    } else {
        assert_null(ttl);
        assert_null(json_object_get(r, "cacheScope"));
    }
}

static void test_era2026_stateless(void **st)
{
    struct ep_mcp_server *s = srv(0, &test_provider, 0);
    /* no initialize: server/discover, tools/list and tools/call are served from _meta */
    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"server/discover\",\"params\":{" META26
             "}}");
    json_t *m = wait_id(1);
    assert_modern_result(m, 1);
    json_t *r = json_object_get(m, "result");
    json_t *sv = json_object_get(r, "supportedVersions");
    assert_int_equal(json_array_size(sv), 4);
    assert_string_equal(json_string_value(json_array_get(sv, 0)), "2026-07-28");
    assert_non_null(json_object_get(json_object_get(r, "capabilities"), "tools"));
    assert_false(json_is_true(json_object_get(
        json_object_get(json_object_get(r, "capabilities"), "resources"), "subscribe")));
    assert_string_equal(json_string_value(json_object_get(r, "instructions")), "test server");
    assert_null(ep_mcp_protocol_version(s)); /* no session was opened */
    json_decref(m);

    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\",\"params\":{" META26 "}}");
    m = wait_id(2);
    assert_modern_result(m, 1);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(m, "result"), "ttlMs")),
                     3600000);
    assert_int_equal(json_array_size(json_object_get(json_object_get(m, "result"), "tools")), 3);
    json_decref(m);

    /* the cached tool twice: the second answer comes from the cache's bytes, decorated too */
    for (int id = 3; id <= 4; id++) {
        char buf[400];
        snprintf(buf, sizeof buf,
                 "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\",\"params\":{\"name\":"
                 "\"cached\",\"arguments\":{\"text\":\"era\"}," META26 "}}",
                 id);
        sendm(s, buf);
        m = wait_id(id);
        assert_modern_result(m, 0);
        r = json_object_get(m, "result");
        assert_string_equal(
            json_string_value(json_object_get(json_object_get(r, "structuredContent"), "text")),
            "era");
        assert_false(json_is_true(json_object_get(r, "isError")));
        json_decref(m);
    }

    /* resources: not found is -32602 in 2026-07-28 (-32002 was retired); reads are cacheable */
    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"resources/read\",\"params\":{\"uri\":"
             "\"test://zz\"," META26 "}}");
    m = wait_id(5);
    assert_int_equal(err_code(m), -32602);
    json_decref(m);
    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"resources/read\",\"params\":{\"uri\":"
             "\"test://a\"," META26 "}}");
    m = wait_id(6);
    assert_modern_result(m, 1);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(m, "result"), "ttlMs")),
                     60000);
    json_decref(m);

    /* removed methods */
    const char *gone[] = {"ping", "logging/setLevel", "initialize", "resources/subscribe"};
    for (int i = 0; i < 4; i++) {
        char buf[400];
        snprintf(buf, sizeof buf,
                 "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"%s\",\"params\":{\"uri\":\"test://a\","
                 "\"level\":\"info\"," META26 "}}",
                 10 + i, gone[i]);
        sendm(s, buf);
        m = wait_id(10 + i);
        assert_int_equal(err_code(m), -32601);
        json_decref(m);
    }
    /* the legacy flow beside it is untouched: not initialized yet */
    expect_rpc_err(s, "{\"jsonrpc\":\"2.0\",\"id\":20,\"method\":\"tools/list\"}", 20, -32600,
                   NULL);
    init(s, "2025-06-18");
    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":21,\"method\":\"tools/list\"}");
    m = wait_id(21);
    assert_null(json_object_get(json_object_get(m, "result"), "resultType"));
    assert_null(json_object_get(json_object_get(m, "result"), "ttlMs"));
    json_decref(m);
    /* and a modern request in an initialized process is still served as modern */
    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":22,\"method\":\"tools/list\",\"params\":{" META26 "}}");
    m = wait_id(22);
    assert_modern_result(m, 1);
    json_decref(m);
    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":23,\"method\":\"server/discover\"}");
    m = wait_id(23);
    assert_int_equal(err_code(m), -32602); /* a modern-only method needs its _meta */
    json_decref(m);
    ep_mcp_server_free(s);
}

static void test_era2026_meta_errors(void **st)
{
    struct ep_mcp_server *s = srv(0, NULL, 0);
    /* an unsupported version: -32022 with the supported list and the requested one */
    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{\"_meta\":{"
             "\"io.modelcontextprotocol/protocolVersion\":\"1900-01-01\","
             "\"io.modelcontextprotocol/clientCapabilities\":{}}}}");
    json_t *m = wait_id(1);
    assert_int_equal(err_code(m), -32022);
    json_t *d = json_object_get(json_object_get(m, "error"), "data");
    assert_string_equal(json_string_value(json_object_get(d, "requested")), "1900-01-01");
    assert_string_equal(json_string_value(json_array_get(json_object_get(d, "supported"), 0)),
                        "2026-07-28");
    json_decref(m);
    /* a required field missing or mistyped: -32602 */
    const char *bad[] = {
        "{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\"}",
        "{\"io.modelcontextprotocol/protocolVersion\":20260728,"
        "\"io.modelcontextprotocol/clientCapabilities\":{}}",
        "{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","
        "\"io.modelcontextprotocol/clientCapabilities\":[]}",
        "{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","
        "\"io.modelcontextprotocol/clientCapabilities\":{},"
        "\"io.modelcontextprotocol/logLevel\":\"loud\"}",
        "{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","
        "\"io.modelcontextprotocol/clientCapabilities\":{},"
        "\"io.modelcontextprotocol/clientInfo\":{\"name\":\"x\"}}",
    };
    for (int i = 0; i < 5; i++) {
        char buf[600];
        snprintf(buf, sizeof buf,
                 "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/list\",\"params\":{\"_meta\":"
                 "%s}}",
                 2 + i, bad[i]);
        sendm(s, buf);
        m = wait_id(2 + i);
        assert_int_equal(err_code(m), -32602);
        assert_non_null(strstr(err_msg(m), "io.modelcontextprotocol/"));
        json_decref(m);
    }
    ep_mcp_server_free(s);
}

static void test_era2026_logging_progress(void **st)
{
    struct ep_mcp_server *s = srv(0, NULL, 0);
    /* no logLevel in _meta: no notifications/message at all */
    size_t start = nmsgs();
    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"echo\",\"arguments\":{\"text\":\"x\"}," META26 "}}");
    json_decref(wait_id(1));
    assert_int_equal(count_method(start, "notifications/message", NULL), 0);
    /* logLevel error: the error line only */
    start = nmsgs();
    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"echo\",\"arguments\":{\"text\":\"x\"},\"_meta\":{"
             "\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","
             "\"io.modelcontextprotocol/clientCapabilities\":{},"
             "\"io.modelcontextprotocol/logLevel\":\"error\"}}}");
    json_decref(wait_id(2));
    assert_int_equal(count_method(start, "notifications/message", "info"), 0);
    assert_int_equal(count_method(start, "notifications/message", "error"), 1);
    /* progress with the token of the request's _meta, before its response */
    start = nmsgs();
    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"slow\",\"arguments\":{\"steps\":3},\"_meta\":{\"progressToken\":\"pt\","
             "\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","
             "\"io.modelcontextprotocol/clientCapabilities\":{}}}}");
    json_t *m = wait_id(3);
    assert_modern_result(m, 0);
    json_decref(m);
    assert_int_equal(count_method(start, "notifications/progress", NULL), 3);
    /* a batch of modern requests is refused (only a 2025-03-26 session batches) */
    init(s, "2025-03-26");
    sendm(s, "[{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/list\",\"params\":{" META26
             "}}]");
    m = last_msg();
    assert_true(json_is_array(m));
    assert_int_equal(err_code(json_array_get(m, 0)), -32600);
    json_decref(m);
    ep_mcp_server_free(s);
}

/* ep_mcp_cancel_origin: a 2026-07-28 HTTP request whose stream closed is cancelled alone. */
static void test_cancel_origin(void **st)
{
    struct ep_mcp_server *s = srv(0, NULL, 0);
    int a = 0, b = 0;
    const char *slow =
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
        "\"slow\",\"arguments\":{\"steps\":100000,\"ms\":2}," META26 "}}";
    const char *echo =
        "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":"
        "\"echo\",\"arguments\":{\"text\":\"y\"}," META26 "}}";
    assert_int_equal(ep_mcp_handle(s, slow, strlen(slow), &a), 0);
    assert_int_equal(ep_mcp_handle(s, echo, strlen(echo), &b), 0);
    usleep(50000);
    double t0 = ep_now();
    ep_mcp_cancel_origin(s, &a); /* b's call, waiting for the execution lock, is not touched */
    json_decref(wait_id(2));     /* it runs once the slow call stopped at its next step */
    ep_mcp_drain(s);
    assert_true(ep_now() - t0 < 5); /* far before the slow call's 200 s */
    pthread_mutex_lock(&cap_mu);
    size_t i;
    json_t *m;
    json_array_foreach(cap_msgs, i, m)
        assert_false(json_integer_value(json_object_get(m, "id")) == 1);
    int nulls = cap_nulls;
    pthread_mutex_unlock(&cap_mu);
    assert_int_equal(nulls, 1); /* the "no reply" marker lets the transport finish */
    ep_mcp_server_free(s);
}

/* ---------------------------------------------------------------- tasks */

#define META26T                                                                                    \
    "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","                       \
    "\"io.modelcontextprotocol/clientCapabilities\":{\"extensions\":{"                             \
    "\"io.modelcontextprotocol/tasks\":{}}}}"

static const char *const task_tools[] = {"slow", NULL};

/* A server whose "slow" calls are tasks kept in db (a fresh SQLite file in dir). */
static struct ep_mcp_server *task_srv(const char *db, struct ep_tasks **t)
{
    struct ep_mcp_options o;
    ep_mcp_options_init(&o);
    o.tools = Tools;
    struct ep_error e = {0};
    if (ep_tasks_open(db, &o, task_tools, t, &e))
        fail_msg("ep_tasks_open: %s", e.msg);
    struct ep_mcp_server *s = srv(0, NULL, 0);
    ep_mcp_server_free(s); /* srv() reset the capture; the real one needs o.tasks */
    o.tasks = *t;
    o.page_size = 3;
    assert_int_equal(ep_mcp_server_new(&o, &s, &e), 0);
    ep_mcp_set_writer(s, cap_write, NULL);
    return s;
}

/* tasks/get until the task is terminal (at most 20 s); the last result (new reference). *saw:
 * a "working: N of M" status message was seen on the way. */
static json_t *poll_task(struct ep_mcp_server *s, const char *id, int modern, int *saw)
{
    static int rid = 5000;
    for (int i = 0; i < 200; i++) {
        char buf[600];
        snprintf(buf, sizeof buf,
                 "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tasks/get\",\"params\":{"
                 "\"taskId\":\"%s\"%s}}",
                 ++rid, id, modern ? "," META26T : "");
        sendm(s, buf);
        json_t *m = wait_id(rid);
        json_t *r = json_object_get(m, "result");
        assert_non_null(r);
        const char *st = json_string_value(json_object_get(r, "status"));
        const char *msg = json_string_value(json_object_get(r, "statusMessage"));
        if (saw && msg && strncmp(msg, "working: ", 9) == 0)
            *saw = 1;
        if (strcmp(st, "working") != 0)
            return m;
        json_decref(m);
        usleep(100000);
    }
    fail_msg("task %s did not finish", id);
    return NULL;
}

static void test_tasks_2026(void **st)
{
    char *dir = ep_test_tmpdir(), db[600];
    snprintf(db, sizeof db, "%s/tasks.db", dir);
    struct ep_tasks *t = NULL;
    struct ep_mcp_server *s = task_srv(db, &t);
    /* server/discover declares the extension */
    sendm(s,
          "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"server/discover\",\"params\":{" META26T "}}");
    json_t *m = wait_id(1);
    assert_non_null(json_object_get(
        json_object_get(json_object_get(json_object_get(m, "result"), "capabilities"),
                        "extensions"),
        "io.modelcontextprotocol/tasks"));
    json_decref(m);
    /* a client without the extension gets the result inline */
    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"slow\",\"arguments\":{\"steps\":2}," META26 "}}");
    m = wait_id(2);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(m, "result"), "resultType")), "complete");
    json_decref(m);
    /* with it: a task handle at once, progress in its status message, then the result */
    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"slow\",\"arguments\":{\"steps\":150,\"ms\":20}," META26T "}}");
    m = wait_id(3);
    json_t *r = json_object_get(m, "result");
    assert_string_equal(json_string_value(json_object_get(r, "resultType")), "task");
    assert_string_equal(json_string_value(json_object_get(r, "status")), "working");
    assert_true(json_integer_value(json_object_get(r, "pollIntervalMs")) > 0);
    assert_non_null(json_object_get(r, "createdAt"));
    char id[64];
    snprintf(id, sizeof id, "%s", json_string_value(json_object_get(r, "taskId")));
    json_decref(m);
    int saw = 0;
    m = poll_task(s, id, 1, &saw);
    r = json_object_get(m, "result");
    assert_string_equal(json_string_value(json_object_get(r, "status")), "completed");
    assert_string_equal(json_string_value(json_object_get(r, "resultType")), "complete");
    json_t *tr = json_object_get(r, "result"); /* what tools/call would have answered */
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(tr, "structuredContent"), "done")), 150);
    assert_true(saw); /* "working: N of 150" while it ran */
    json_decref(m);
    /* cancel: acknowledged with an empty result; the task ends cancelled, its run stops */
    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"slow\",\"arguments\":{\"steps\":100000,\"ms\":2}," META26T "}}");
    m = wait_id(4);
    snprintf(id, sizeof id, "%s",
             json_string_value(json_object_get(json_object_get(m, "result"), "taskId")));
    json_decref(m);
    char buf[600];
    snprintf(buf, sizeof buf,
             "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tasks/cancel\",\"params\":{\"taskId\":"
             "\"%s\"," META26T "}}",
             id);
    sendm(s, buf);
    m = wait_id(5);
    assert_int_equal(json_object_size(json_object_get(json_object_get(m, "result"), "_meta")), 1);
    json_decref(m);
    m = poll_task(s, id, 1, NULL);
    assert_string_equal(json_string_value(json_object_get(json_object_get(m, "result"), "status")),
                        "cancelled");
    json_decref(m);
    /* unknown task: -32602 */
    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tasks/get\",\"params\":{\"taskId\":"
             "\"task-none\"," META26T "}}");
    m = wait_id(6);
    assert_int_equal(err_code(m), -32602);
    json_decref(m);
    ep_mcp_server_free(s);
    double t0 = ep_now();
    ep_tasks_close(t); /* the cancelled run is gone already: nothing to wait for */
    assert_true(ep_now() - t0 < 3);
    ep_test_system("rm -rf '%s'", dir);
    free(dir);
}

static void test_tasks_2025(void **st)
{
    char *dir = ep_test_tmpdir(), db[600];
    snprintf(db, sizeof db, "%s/tasks.db", dir);
    struct ep_tasks *t = NULL;
    struct ep_mcp_server *s = task_srv(db, &t);
    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":1000,\"method\":\"initialize\",\"params\":{"
             "\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":"
             "\"t\",\"version\":\"1\"}}}");
    json_t *m = wait_id(1000);
    json_t *tc =
        json_object_get(json_object_get(json_object_get(m, "result"), "capabilities"), "tasks");
    assert_non_null(
        json_object_get(json_object_get(json_object_get(tc, "requests"), "tools"), "call"));
    assert_non_null(json_object_get(tc, "list"));
    json_decref(m);
    /* tools/list: slow may run as a task, echo not */
    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}");
    m = wait_id(1);
    size_t i;
    json_t *tool;
    int seen = 0;
    json_array_foreach(json_object_get(json_object_get(m, "result"), "tools"), i, tool)
    {
        const char *n = json_string_value(json_object_get(tool, "name"));
        const char *ts =
            json_string_value(json_object_get(json_object_get(tool, "execution"), "taskSupport"));
        if (strcmp(n, "slow") == 0) {
            assert_string_equal(ts, "optional");
            seen++;
        } else if (strcmp(n, "echo") == 0) {
            assert_null(ts);
            seen++;
        }
    }
    assert_int_equal(seen, 2);
    json_decref(m);
    /* a task-augmented call of a tool that does not allow it: -32601 */
    expect_rpc_err(s,
                   "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":"
                   "\"echo\",\"arguments\":{\"text\":\"x\"},\"task\":{}}}",
                   2, -32601, NULL);
    /* CreateTaskResult {task}, then tasks/result blocks until the result */
    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"slow\",\"arguments\":{\"steps\":50,\"ms\":10},\"task\":{\"ttl\":60000}}}");
    m = wait_id(3);
    json_t *task = json_object_get(json_object_get(m, "result"), "task");
    assert_string_equal(json_string_value(json_object_get(task, "status")), "working");
    assert_int_equal(json_integer_value(json_object_get(task, "ttl")), 60000);
    assert_null(json_object_get(json_object_get(m, "result"), "resultType"));
    char id[64], buf[600];
    snprintf(id, sizeof id, "%s", json_string_value(json_object_get(task, "taskId")));
    json_decref(m);
    snprintf(buf, sizeof buf,
             "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tasks/result\",\"params\":{\"taskId\":"
             "\"%s\"}}",
             id);
    sendm(s, buf);
    m = wait_id(4);
    json_t *r = json_object_get(m, "result");
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(r, "structuredContent"), "done")), 50);
    assert_null(json_object_get(r, "resultType")); /* the 2025 shape */
    assert_string_equal(
        json_string_value(json_object_get(
            json_object_get(json_object_get(r, "_meta"), "io.modelcontextprotocol/related-task"),
            "taskId")),
        id);
    json_decref(m);
    /* tasks/get, tasks/list; cancelling a completed task: -32602 */
    m = poll_task(s, id, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(json_object_get(m, "result"), "status")),
                        "completed");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(m, "result"), "ttl")),
                     60000);
    json_decref(m);
    sendm(s, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tasks/list\"}");
    m = wait_id(5);
    assert_int_equal(json_array_size(json_object_get(json_object_get(m, "result"), "tasks")), 1);
    json_decref(m);
    snprintf(buf, sizeof buf,
             "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tasks/cancel\",\"params\":{\"taskId\":"
             "\"%s\"}}",
             id);
    sendm(s, buf);
    m = wait_id(6);
    assert_int_equal(err_code(m), -32602);
    json_decref(m);
    ep_mcp_server_free(s);
    ep_tasks_close(t);
    ep_test_system("rm -rf '%s'", dir);
    free(dir);
}

/* A task outlives its process: closed while it runs (a server stopping), it is resumed by the
 * next one on the same store and finishes there. */
static void test_tasks_restart(void **st)
{
    char *dir = ep_test_tmpdir(), db[600];
    snprintf(db, sizeof db, "%s/tasks.db", dir);
    struct ep_mcp_options o;
    ep_mcp_options_init(&o);
    o.tools = Tools;
    struct ep_tasks *a = NULL, *b = NULL;
    struct ep_error e = {0};
    assert_int_equal(ep_tasks_open(db, &o, task_tools, &a, &e), 0);
    json_t *args = json_pack("{s:i,s:i}", "steps", 200, "ms", 10);
    struct ep_task_view v;
    assert_int_equal(ep_tasks_create(a, "alice", NULL, "slow", args, 0, &v, &e), 0);
    json_decref(args);
    char id[64];
    snprintf(id, sizeof id, "%s", v.id);
    ep_task_view_clear(&v);
    usleep(200000);
    ep_tasks_close(a); /* stops the run, gives the lease back; the task stays working */
    assert_int_equal(ep_tasks_open(db, &o, task_tools, &b, &e), 0);
    assert_int_equal(ep_tasks_get(b, "alice", id, &v, &e), 0);
    ep_task_view_clear(&v);
    assert_int_equal(ep_tasks_get(b, "bob", id, &v, &e), EP_ENOTFOUND); /* not another's */
    int done = 0;
    for (int i = 0; i < 200 && !done; i++) {
        assert_int_equal(ep_tasks_get(b, "alice", id, &v, &e), 0);
        done = ep_task_terminal(&v);
        if (done) {
            assert_string_equal(v.status, "completed");
            assert_int_equal(json_integer_value(json_object_get(
                                 json_object_get(v.result, "structuredContent"), "done")),
                             200);
            assert_int_equal(v.runs, 2); /* started by a, resumed by b */
        }
        ep_task_view_clear(&v);
        if (!done)
            usleep(100000);
    }
    assert_true(done);
    ep_tasks_close(b);
    ep_test_system("rm -rf '%s'", dir);
    free(dir);
}

static int setup(void **st)
{
    struct ep_error e = {0};
    if (ep_tools_register(Tools, test_rows, NROWS, &e)) {
        fprintf(stderr, "register: %s\n", e.msg);
        return -1;
    }
    return 0;
}

static int teardown(void **st)
{
    ep_tools_cleanup(Tools);
    json_decref(cap_msgs);
    cap_msgs = NULL;
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_and_invalid),
        cmocka_unit_test(test_lifecycle),
        cmocka_unit_test(test_versions),
        cmocka_unit_test(test_notifications_and_ids),
        cmocka_unit_test(test_oversized_and_deep),
        cmocka_unit_test(test_batches),
        cmocka_unit_test(test_tools_list),
        cmocka_unit_test(test_tools_call),
        cmocka_unit_test(test_version_shapes),
        cmocka_unit_test(test_big_integers),
        cmocka_unit_test(test_progress),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_logging),
        cmocka_unit_test(test_provider_methods),
        cmocka_unit_test(test_synchronous_mode),
        cmocka_unit_test(test_rpc_code_map),
        cmocka_unit_test(test_stdio_framing),
        cmocka_unit_test(test_stdio_protects_stdout),
        cmocka_unit_test(test_golden_stdio),
        cmocka_unit_test(test_tools_list_spliced),
        cmocka_unit_test(test_era2026_stateless),
        cmocka_unit_test(test_era2026_meta_errors),
        cmocka_unit_test(test_era2026_logging_progress),
        cmocka_unit_test(test_cancel_origin),
        cmocka_unit_test(test_tasks_2026),
        cmocka_unit_test(test_tasks_2025),
        cmocka_unit_test(test_tasks_restart),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
