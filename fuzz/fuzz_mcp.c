/* fuzz_mcp: libFuzzer target for the MCP core. The first byte picks the session state (0: not
 * initialized, 1-3: initialized with 2025-03-26 / 2025-06-18 / 2025-11-25); the rest is split
 * on newlines and each line is fed as one message to a fresh synchronous server with small
 * test tools and a provider registered. Every output must be one line of valid JSON. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ep_mcp.h"
#include "ep_tools.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int f_echo(struct ep_tool_ctx *ctx, json_t *args, json_t **result, struct ep_error *err)
{
    if (ctx->log)
        ctx->log(ctx->pctx, "warning", "echo");
    json_t *t = json_object_get(args, "text");
    if (json_is_string(t) && strcmp(json_string_value(t), "fail") == 0)
        return ep_error_set(err, EP_EUNAVAIL, "failing on purpose");
    *result = json_pack("{s:O*}", "text", t);
    if (!json_object_get(*result, "text"))
        json_object_set_new(*result, "text", json_string(""));
    return 0;
}

static int f_steps(struct ep_tool_ctx *ctx, json_t *args, json_t **result, struct ep_error *err)
{
    json_int_t n = json_integer_value(json_object_get(args, "steps"));
    for (json_int_t i = 0; i < n; i++)
        if (ctx->progress)
            ctx->progress(ctx->pctx, (double)i, (double)n, i % 2 ? "odd" : NULL);
    *result = json_pack("{s:I}", "done", n);
    return 0;
}

static const struct ep_tool rows[] = {
    {"echo", "Echo", "Echo",
     "{\"type\":\"object\",\"properties\":{\"text\":{\"type\":\"string\",\"maxLength\":50,"
     "\"pattern\":\"^[a-z]*$\"},\"tags\":{\"type\":\"array\",\"items\":{\"enum\":[\"a\",\"b\"]},"
     "\"maxItems\":3},\"when\":{\"type\":\"string\",\"format\":\"date\"},\"n\":{\"type\":"
     "[\"number\",\"null\"],\"minimum\":-1.5,\"maximum\":1e6}},\"additionalProperties\":false}",
     "{\"type\":\"object\",\"properties\":{\"text\":{\"type\":\"string\"}},\"required\":[\"text\"]"
     "}",
     1, 1, 0, 0, f_echo},
    {"steps", "Steps", "Progress",
     "{\"type\":\"object\",\"properties\":{\"steps\":{\"type\":\"integer\",\"minimum\":0,"
     "\"maximum\":20}},\"required\":[\"steps\"]}",
     "{\"type\":\"object\",\"properties\":{\"done\":{\"type\":\"integer\"}}}", 1, 1, 0, 0, f_steps},
};

static int p_list(void *ctx, const char *cursor, json_t **result, struct ep_error *err)
{
    *result = json_pack("{s:[]}", "resources");
    return 0;
}

static int p_read(void *ctx, const char *uri, json_t **result, struct ep_error *err)
{
    if (strcmp(uri, "test://a"))
        return ep_error_set(err, EP_ENOTFOUND, "no %s", uri);
    *result = json_pack("{s:[{s:s,s:s}]}", "contents", "uri", uri, "text", "x");
    return 0;
}

static int p_prompts(void *ctx, const char *cursor, json_t **result, struct ep_error *err)
{
    *result = json_pack("{s:[]}", "prompts");
    return 0;
}

static int p_get(void *ctx, const char *name, json_t *args, json_t **result, struct ep_error *err)
{
    return ep_error_set(err, EP_EINVAL, "unknown prompt %s", name);
}

static int p_complete(void *ctx, json_t *ref, const char *arg, const char *value, json_t *cargs,
                      json_t **values, struct ep_error *err)
{
    *values = json_pack("[s,s]", value, arg);
    return 0;
}

static const struct ep_mcp_provider provider = {.resources_list = p_list,
                                                .resource_read = p_read,
                                                .prompts_list = p_prompts,
                                                .prompt_get = p_get,
                                                .complete = p_complete};

static int check_write(void *wctx, void *origin, const char *json, size_t len, int last)
{
    if (!json)
        return 0;
    if (memchr(json, '\n', len))
        abort();
    json_t *v = json_loadb(json, len, JSON_DECODE_ANY, NULL);
    if (!v)
        abort();
    json_decref(v);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ep_tools *Tools; /* the fuzzer's tool table, for the whole run */
    static int registered;
    if (!registered) {
        struct ep_error e;
        if (ep_tools_init(&Tools, &e) ||
            ep_tools_register(Tools, rows, sizeof rows / sizeof rows[0], &e))
            abort();
        registered = 1;
    }
    if (size == 0)
        return 0;
    struct ep_mcp_options o;
    ep_mcp_options_init(&o);
    o.tools = Tools;
    o.synchronous = 1;
    o.max_message_bytes = 4096;
    o.page_size = 1;
    o.provider = (data[0] & 4) ? &provider : NULL;
    struct ep_mcp_server *s;
    struct ep_error e;
    if (ep_mcp_server_new(&o, &s, &e))
        abort();
    ep_mcp_set_writer(s, check_write, NULL);
    static const char *const versions[] = {"2025-03-26", "2025-06-18", "2025-11-25"};
    unsigned mode = data[0] & 3;
    if (mode) {
        char init[200];
        int n = snprintf(init, sizeof init,
                         "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{"
                         "\"protocolVersion\":\"%s\"}}",
                         versions[mode - 1]);
        ep_mcp_handle(s, init, (size_t)n, NULL);
    }
    const char *p = (const char *)data + 1, *end = (const char *)data + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        ep_mcp_handle(s, p, (size_t)(le - p), NULL);
        p = nl ? nl + 1 : end;
    }
    ep_mcp_drain(s);
    ep_mcp_server_free(s);
    return 0;
}
