/* ep_conformance: fixtures for the MCP conformance suite (see ep_conformance.h). The texts
 * and shapes follow the suite's scenario descriptions. */
#include "ep_conformance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ep_tools.h"

/* 1x1 PNG and a 44-byte silent WAV. */
static const char ep_conf_png[] = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8Dw"
                                  "HwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
static const char ep_conf_wav[] = "UklGRiQAAABXQVZFZm10IBAAAAABAAEARKwAAIhYAQACABAAZGF0YQAAAAA=";

static void conf_sleep_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

static json_t *text_result(const char *text)
{
    return json_pack("{s:[{s:s,s:s}]}", "content", "type", "text", "text", text);
}

static int t_simple_text(struct ep_tool_ctx *ctx, json_t *args, json_t **result,
                         struct ep_error *err)
{
    (void)ctx;
    (void)args;
    *result = text_result("This is a simple text response for testing.");
    return *result ? 0 : ep_error_set(err, EP_ENOMEM, "out of memory");
}

static int t_image(struct ep_tool_ctx *ctx, json_t *args, json_t **result, struct ep_error *err)
{
    (void)ctx;
    (void)args;
    *result = json_pack("{s:[{s:s,s:s,s:s}]}", "content", "type", "image", "data", ep_conf_png,
                        "mimeType", "image/png");
    return *result ? 0 : ep_error_set(err, EP_ENOMEM, "out of memory");
}

static int t_audio(struct ep_tool_ctx *ctx, json_t *args, json_t **result, struct ep_error *err)
{
    (void)ctx;
    (void)args;
    *result = json_pack("{s:[{s:s,s:s,s:s}]}", "content", "type", "audio", "data", ep_conf_wav,
                        "mimeType", "audio/wav");
    return *result ? 0 : ep_error_set(err, EP_ENOMEM, "out of memory");
}

static int t_embedded(struct ep_tool_ctx *ctx, json_t *args, json_t **result, struct ep_error *err)
{
    (void)ctx;
    (void)args;
    *result = json_pack("{s:[{s:s,s:{s:s,s:s,s:s}}]}", "content", "type", "resource", "resource",
                        "uri", "test://embedded-resource", "mimeType", "text/plain", "text",
                        "This is an embedded resource content.");
    return *result ? 0 : ep_error_set(err, EP_ENOMEM, "out of memory");
}

static int t_mixed(struct ep_tool_ctx *ctx, json_t *args, json_t **result, struct ep_error *err)
{
    (void)ctx;
    (void)args;
    *result = json_pack("{s:[{s:s,s:s},{s:s,s:s,s:s},{s:s,s:{s:s,s:s,s:s}}]}", "content", "type",
                        "text", "text", "Multiple content types test:", "type", "image", "data",
                        ep_conf_png, "mimeType", "image/png", "type", "resource", "resource", "uri",
                        "test://mixed-content-resource", "mimeType", "application/json", "text",
                        "{\"test\":\"data\",\"value\":123}");
    return *result ? 0 : ep_error_set(err, EP_ENOMEM, "out of memory");
}

static int t_logging(struct ep_tool_ctx *ctx, json_t *args, json_t **result, struct ep_error *err)
{
    (void)args;
    static const char *const msgs[] = {"Tool execution started", "Tool processing data",
                                       "Tool execution completed"};
    for (int i = 0; i < 3; i++) {
        if (i)
            conf_sleep_ms(50);
        if (ctx->log)
            ctx->log(ctx->pctx, "info", msgs[i]);
    }
    *result = text_result("Tool with logging executed successfully");
    return *result ? 0 : ep_error_set(err, EP_ENOMEM, "out of memory");
}

static int t_error(struct ep_tool_ctx *ctx, json_t *args, json_t **result, struct ep_error *err)
{
    (void)ctx;
    (void)args;
    (void)result;
    return ep_error_set(err, EP_EUNAVAIL, "This tool intentionally returns an error for testing");
}

static int t_progress(struct ep_tool_ctx *ctx, json_t *args, json_t **result, struct ep_error *err)
{
    (void)args;
    for (int i = 0; i <= 2; i++) {
        if (i)
            conf_sleep_ms(50);
        if (ctx->progress)
            ctx->progress(ctx->pctx, i * 50.0, 100, NULL);
    }
    *result = text_result("Tool with progress executed successfully");
    return *result ? 0 : ep_error_set(err, EP_ENOMEM, "out of memory");
}

static int t_sampling(struct ep_tool_ctx *ctx, json_t *args, json_t **result, struct ep_error *err)
{
    const char *prompt = json_string_value(json_object_get(args, "prompt"));
    json_t *p = json_pack("{s:[{s:s,s:{s:s,s:s}}],s:i}", "messages", "role", "user", "content",
                          "type", "text", "text", prompt ? prompt : "", "maxTokens", 100);
    json_t *res = NULL;
    int rc = ep_mcp_client_request(ctx, "sampling/createMessage", p, "sampling", 30000, &res, err);
    json_decref(p);
    if (rc)
        return rc;
    const char *t = json_string_value(json_object_get(json_object_get(res, "content"), "text"));
    char *text = NULL;
    if (asprintf(&text, "LLM response: %s", t ? t : "") < 0)
        text = NULL;
    json_decref(res);
    *result = text ? text_result(text) : NULL;
    free(text);
    return *result ? 0 : ep_error_set(err, EP_ENOMEM, "out of memory");
}

static int elicit(struct ep_tool_ctx *ctx, const char *message, json_t *schema_stolen,
                  const char *prefix, json_t **result, struct ep_error *err)
{
    json_t *p = json_pack("{s:s,s:o}", "message", message, "requestedSchema", schema_stolen);
    json_t *res = NULL;
    int rc = ep_mcp_client_request(ctx, "elicitation/create", p, "elicitation", 30000, &res, err);
    json_decref(p);
    if (rc)
        return rc;
    const char *action = json_string_value(json_object_get(res, "action"));
    char *content =
        json_dumps(json_object_get(res, "content") ? json_object_get(res, "content") : json_null(),
                   JSON_COMPACT | JSON_ENCODE_ANY);
    char *text = NULL;
    if (asprintf(&text, "%saction=%s, content=%s", prefix, action ? action : "?",
                 content ? content : "null") < 0)
        text = NULL;
    free(content);
    json_decref(res);
    *result = text ? text_result(text) : NULL;
    free(text);
    return *result ? 0 : ep_error_set(err, EP_ENOMEM, "out of memory");
}

static int t_elicitation(struct ep_tool_ctx *ctx, json_t *args, json_t **result,
                         struct ep_error *err)
{
    const char *msg = json_string_value(json_object_get(args, "message"));
    json_t *schema =
        json_pack("{s:s,s:{s:{s:s,s:s},s:{s:s,s:s}},s:[s,s]}", "type", "object", "properties",
                  "username", "type", "string", "description", "User's response", "email", "type",
                  "string", "description", "User's email address", "required", "username", "email");
    return elicit(ctx, msg ? msg : "", schema, "User response: ", result, err);
}

static int t_elicit_defaults(struct ep_tool_ctx *ctx, json_t *args, json_t **result,
                             struct ep_error *err)
{
    (void)args;
    json_t *schema =
        json_pack("{s:s,s:{s:{s:s,s:s},s:{s:s,s:i},s:{s:s,s:f},s:{s:s,s:[s,s,s],s:s},s:{s:s,s:b}}}",
                  "type", "object", "properties", "name", "type", "string", "default", "John Doe",
                  "age", "type", "integer", "default", 30, "score", "type", "number", "default",
                  95.5, "status", "type", "string", "enum", "active", "inactive", "pending",
                  "default", "active", "verified", "type", "boolean", "default", 1);
    return elicit(ctx, "Please review and update the form fields with defaults", schema,
                  "Elicitation completed: ", result, err);
}

static int t_elicit_enums(struct ep_tool_ctx *ctx, json_t *args, json_t **result,
                          struct ep_error *err)
{
    (void)args;
    json_t *props = json_object();
    json_object_set_new(
        props, "untitledSingle",
        json_pack("{s:s,s:[s,s,s]}", "type", "string", "enum", "option1", "option2", "option3"));
    json_object_set_new(props, "titledSingle",
                        json_pack("{s:s,s:[{s:s,s:s},{s:s,s:s},{s:s,s:s}]}", "type", "string",
                                  "oneOf", "const", "value1", "title", "First Option", "const",
                                  "value2", "title", "Second Option", "const", "value3", "title",
                                  "Third Option"));
    json_object_set_new(props, "legacyEnum",
                        json_pack("{s:s,s:[s,s,s],s:[s,s,s]}", "type", "string", "enum", "opt1",
                                  "opt2", "opt3", "enumNames", "Option One", "Option Two",
                                  "Option Three"));
    json_object_set_new(props, "untitledMulti",
                        json_pack("{s:s,s:{s:s,s:[s,s,s]}}", "type", "array", "items", "type",
                                  "string", "enum", "option1", "option2", "option3"));
    json_object_set_new(props, "titledMulti",
                        json_pack("{s:s,s:{s:[{s:s,s:s},{s:s,s:s},{s:s,s:s}]}}", "type", "array",
                                  "items", "anyOf", "const", "value1", "title", "First Choice",
                                  "const", "value2", "title", "Second Choice", "const", "value3",
                                  "title", "Third Choice"));
    json_t *schema = json_pack("{s:s,s:o}", "type", "object", "properties", props);
    return elicit(ctx, "Please select options from the enum fields", schema,
                  "Elicitation completed: ", result, err);
}

static int t_schema2020(struct ep_tool_ctx *ctx, json_t *args, json_t **result,
                        struct ep_error *err)
{
    (void)ctx;
    char *a = json_dumps(args ? args : json_object(), JSON_COMPACT | JSON_SORT_KEYS);
    char *text = NULL;
    if (asprintf(&text, "Received: %s", a ? a : "{}") < 0)
        text = NULL;
    free(a);
    *result = text ? text_result(text) : NULL;
    free(text);
    return *result ? 0 : ep_error_set(err, EP_ENOMEM, "out of memory");
}

#define NOARGS "{\"type\":\"object\",\"properties\":{}}"

static const char ep_conf_schema2020_registered[] =
    "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"},\"address\":{\"type\":"
    "\"object\",\"properties\":{\"street\":{\"type\":\"string\"},\"city\":{\"type\":"
    "\"string\"}}}},\"additionalProperties\":false}";
static const char ep_conf_schema2020_listed[] =
    "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"type\":\"object\",\"$defs\":"
    "{\"address\":{\"type\":\"object\",\"properties\":{\"street\":{\"type\":\"string\"},"
    "\"city\":{\"type\":\"string\"}}}},\"properties\":{\"name\":{\"type\":\"string\"},"
    "\"address\":{\"$ref\":\"#/$defs/address\"}},\"additionalProperties\":false}";

static const struct ep_tool ep_conf_tools[] = {
    {"test_simple_text", "Simple text", "Returns a simple text response (conformance fixture).",
     NOARGS, NULL, 1, 1, 0, 0, t_simple_text},
    {"test_image_content", "Image content", "Returns a 1x1 PNG image (conformance fixture).",
     NOARGS, NULL, 1, 1, 0, 0, t_image},
    {"test_audio_content", "Audio content", "Returns a short WAV clip (conformance fixture).",
     NOARGS, NULL, 1, 1, 0, 0, t_audio},
    {"test_embedded_resource", "Embedded resource",
     "Returns an embedded text resource (conformance fixture).", NOARGS, NULL, 1, 1, 0, 0,
     t_embedded},
    {"test_multiple_content_types", "Mixed content",
     "Returns text, image and resource content (conformance fixture).", NOARGS, NULL, 1, 1, 0, 0,
     t_mixed},
    {"test_tool_with_logging", "Logging", "Sends three info log messages (conformance fixture).",
     NOARGS, NULL, 1, 1, 0, 0, t_logging},
    {"test_error_handling", "Error", "Always fails with isError (conformance fixture).", NOARGS,
     NULL, 1, 1, 0, 0, t_error},
    {"test_tool_with_progress", "Progress",
     "Reports progress 0, 50, 100 of 100 (conformance fixture).", NOARGS, NULL, 1, 1, 0, 0,
     t_progress},
    {"test_sampling", "Sampling", "Asks the client's LLM through sampling (conformance fixture).",
     "{\"type\":\"object\",\"properties\":{\"prompt\":{\"type\":\"string\",\"description\":"
     "\"The prompt to send to the LLM\"}},\"required\":[\"prompt\"]}",
     NULL, 1, 0, 1, 0, t_sampling},
    {"test_elicitation", "Elicitation", "Asks the user through elicitation (conformance fixture).",
     "{\"type\":\"object\",\"properties\":{\"message\":{\"type\":\"string\",\"description\":"
     "\"The message to show the user\"}},\"required\":[\"message\"]}",
     NULL, 1, 0, 1, 0, t_elicitation},
    {"test_elicitation_sep1034_defaults", "Elicitation defaults",
     "Elicitation with default values (SEP-1034, conformance fixture).", NOARGS, NULL, 1, 0, 1, 0,
     t_elicit_defaults},
    {"test_elicitation_sep1330_enums", "Elicitation enums",
     "Elicitation with enum schemas (SEP-1330, conformance fixture).", NOARGS, NULL, 1, 0, 1, 0,
     t_elicit_enums},
    {"json_schema_2020_12_tool", "JSON Schema 2020-12",
     "Tool with JSON Schema 2020-12 features (conformance fixture).", ep_conf_schema2020_registered,
     NULL, 1, 1, 0, 0, t_schema2020},
};

int ep_conformance_register(struct ep_tools *ts, struct ep_error *err)
{
    return ep_tools_register(ts, ep_conf_tools, sizeof ep_conf_tools / sizeof ep_conf_tools[0],
                             err);
}

/* ------------------------------------------------------------------ provider */

/* The wrapped provider of a callback's ctx (a struct ep_conformance). */
static const struct ep_mcp_provider *inner_of(void *ctx)
{
    return ((const struct ep_conformance *)ctx)->inner;
}

static int c_resources_list(void *ctx, const char *cursor, json_t **result, struct ep_error *err)
{
    (void)ctx;
    const struct ep_mcp_provider *in = inner_of(ctx);
    json_t *res = NULL;
    if (in && in->resources_list) {
        int rc = in->resources_list(in->ctx, cursor, &res, err);
        if (rc)
            return rc;
    } else {
        res = json_pack("{s:[]}", "resources");
    }
    if (!cursor) {
        json_t *fx = json_pack(
            "[{s:s,s:s,s:s,s:s},{s:s,s:s,s:s,s:s},{s:s,s:s,s:s,s:s}]", "uri", "test://static-text",
            "name", "Static text", "description", "A static text resource (conformance fixture)",
            "mimeType", "text/plain", "uri", "test://static-binary", "name", "Static binary",
            "description", "A static PNG image (conformance fixture)", "mimeType", "image/png",
            "uri", "test://watched-resource", "name", "Watched resource", "description",
            "A resource that can be subscribed to (conformance fixture)", "mimeType", "text/plain");
        json_t *arr = json_object_get(res, "resources");
        if (json_is_array(arr) && fx) {
            json_array_extend(fx, arr);
            json_object_set(res, "resources", fx);
        }
        json_decref(fx);
    }
    *result = res;
    return res ? 0 : ep_error_set(err, EP_ENOMEM, "out of memory");
}

static int c_templates_list(void *ctx, const char *cursor, json_t **result, struct ep_error *err)
{
    (void)ctx;
    const struct ep_mcp_provider *in = inner_of(ctx);
    json_t *res = NULL;
    if (in && in->resource_templates_list) {
        int rc = in->resource_templates_list(in->ctx, cursor, &res, err);
        if (rc)
            return rc;
    } else {
        res = json_pack("{s:[]}", "resourceTemplates");
    }
    json_t *arr = json_object_get(res, "resourceTemplates");
    if (!cursor && json_is_array(arr))
        json_array_insert_new(arr, 0,
                              json_pack("{s:s,s:s,s:s,s:s}", "uriTemplate",
                                        "test://template/{id}/data", "name", "Template data",
                                        "description", "Data for an id (conformance fixture)",
                                        "mimeType", "application/json"));
    *result = res;
    return res ? 0 : ep_error_set(err, EP_ENOMEM, "out of memory");
}

static int c_resource_read(void *ctx, const char *uri, json_t **result, struct ep_error *err)
{
    (void)ctx;
    json_t *c = NULL;
    static const char pre[] = "test://template/", post[] = "/data";
    size_t n = strlen(uri);
    if (strcmp(uri, "test://static-text") == 0 || strcmp(uri, "test://watched-resource") == 0) {
        c = json_pack("{s:s,s:s,s:s}", "uri", uri, "mimeType", "text/plain", "text",
                      strcmp(uri, "test://static-text") == 0
                          ? "This is the content of the static text resource."
                          : "Watched resource content.");
    } else if (strcmp(uri, "test://static-binary") == 0) {
        c = json_pack("{s:s,s:s,s:s}", "uri", uri, "mimeType", "image/png", "blob", ep_conf_png);
    } else if (n > sizeof pre - 1 + sizeof post - 1 && strncmp(uri, pre, sizeof pre - 1) == 0 &&
               strcmp(uri + n - (sizeof post - 1), post) == 0) {
        json_t *d = json_pack("{s:s%,s:b,s:s}", "id", uri + sizeof pre - 1,
                              n - (sizeof pre - 1) - (sizeof post - 1), "templateTest", 1, "data",
                              "Data for ID");
        const char *id = d ? json_string_value(json_object_get(d, "id")) : "";
        char *data = NULL;
        if (d && asprintf(&data, "Data for ID: %s", id) >= 0)
            json_object_set_new(d, "data", json_string(data));
        free(data);
        char *text = d ? json_dumps(d, JSON_COMPACT) : NULL;
        json_decref(d);
        if (text)
            c = json_pack("{s:s,s:s,s:s}", "uri", uri, "mimeType", "application/json", "text",
                          text);
        free(text);
    } else {
        const struct ep_mcp_provider *in = inner_of(ctx);
        if (in && in->resource_read)
            return in->resource_read(in->ctx, uri, result, err);
        return ep_error_set(err, EP_ENOTFOUND, "no resource %s", uri);
    }
    *result = c ? json_pack("{s:[o]}", "contents", c) : NULL;
    return *result ? 0 : ep_error_set(err, EP_ENOMEM, "out of memory");
}

static int c_prompts_list(void *ctx, const char *cursor, json_t **result, struct ep_error *err)
{
    (void)ctx;
    const struct ep_mcp_provider *in = inner_of(ctx);
    json_t *res = NULL;
    if (in && in->prompts_list) {
        int rc = in->prompts_list(in->ctx, cursor, &res, err);
        if (rc)
            return rc;
    } else {
        res = json_pack("{s:[]}", "prompts");
    }
    json_t *arr = json_object_get(res, "prompts");
    if (!cursor && json_is_array(arr)) {
        json_t *fx = json_pack(
            "[{s:s,s:s},{s:s,s:s,s:[{s:s,s:s,s:b},{s:s,s:s,s:b}]},{s:s,s:s,s:[{s:s,s:s,s:b}]},"
            "{s:s,s:s}]",
            "name", "test_simple_prompt", "description", "A simple prompt (conformance fixture)",
            "name", "test_prompt_with_arguments", "description",
            "A prompt with arguments (conformance fixture)", "arguments", "name", "arg1",
            "description", "First test argument", "required", 1, "name", "arg2", "description",
            "Second test argument", "required", 1, "name", "test_prompt_with_embedded_resource",
            "description", "A prompt with an embedded resource (conformance fixture)", "arguments",
            "name", "resourceUri", "description", "URI of the resource to embed", "required", 1,
            "name", "test_prompt_with_image", "description",
            "A prompt with an image (conformance fixture)");
        if (fx) {
            json_array_extend(fx, arr);
            json_object_set(res, "prompts", fx);
            json_decref(fx);
        }
    }
    *result = res;
    return res ? 0 : ep_error_set(err, EP_ENOMEM, "out of memory");
}

static json_t *user_text(const char *text)
{
    return json_pack("{s:s,s:{s:s,s:s}}", "role", "user", "content", "type", "text", "text", text);
}

static int c_prompt_get(void *ctx, const char *name, json_t *args, json_t **result,
                        struct ep_error *err)
{
    (void)ctx;
    json_t *msgs = NULL;
    if (strcmp(name, "test_simple_prompt") == 0) {
        msgs = json_pack("[o]", user_text("This is a simple prompt for testing."));
    } else if (strcmp(name, "test_prompt_with_arguments") == 0) {
        const char *a1 = json_string_value(json_object_get(args, "arg1"));
        const char *a2 = json_string_value(json_object_get(args, "arg2"));
        if (!a1 || !a2)
            return ep_error_set(err, EP_EINVAL,
                                "test_prompt_with_arguments needs arguments arg1 and arg2");
        char *t = NULL;
        if (asprintf(&t, "Prompt with arguments: arg1='%s', arg2='%s'", a1, a2) < 0)
            t = NULL;
        msgs = t ? json_pack("[o]", user_text(t)) : NULL;
        free(t);
    } else if (strcmp(name, "test_prompt_with_embedded_resource") == 0) {
        const char *u = json_string_value(json_object_get(args, "resourceUri"));
        if (!u)
            return ep_error_set(err, EP_EINVAL,
                                "test_prompt_with_embedded_resource needs argument resourceUri");
        msgs = json_pack("[{s:s,s:{s:s,s:{s:s,s:s,s:s}}},o]", "role", "user", "content", "type",
                         "resource", "resource", "uri", u, "mimeType", "text/plain", "text",
                         "Embedded resource content for testing.",
                         user_text("Please process the embedded resource above."));
    } else if (strcmp(name, "test_prompt_with_image") == 0) {
        msgs = json_pack("[{s:s,s:{s:s,s:s,s:s}},o]", "role", "user", "content", "type", "image",
                         "data", ep_conf_png, "mimeType", "image/png",
                         user_text("Please analyze the image above."));
    } else {
        const struct ep_mcp_provider *in = inner_of(ctx);
        if (in && in->prompt_get)
            return in->prompt_get(in->ctx, name, args, result, err);
        return ep_error_set(err, EP_EINVAL, "unknown prompt \"%s\"", name);
    }
    *result = msgs ? json_pack("{s:o}", "messages", msgs) : NULL;
    return *result ? 0 : ep_error_set(err, EP_ENOMEM, "out of memory");
}

static int c_complete(void *ctx, json_t *ref, const char *arg_name, const char *arg_value,
                      json_t *context_args, json_t **values, struct ep_error *err)
{
    (void)ctx;
    const char *n = json_string_value(json_object_get(ref, "name"));
    const char *u = json_string_value(json_object_get(ref, "uri"));
    if ((n && strncmp(n, "test_", 5) == 0) || (u && strncmp(u, "test://", 7) == 0)) {
        *values = json_array();
        if (*values && arg_value)
            json_array_append_new(*values, json_sprintf("%svalue", arg_value));
        return *values ? 0 : ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    const struct ep_mcp_provider *in = inner_of(ctx);
    if (in && in->complete)
        return in->complete(in->ctx, ref, arg_name, arg_value, context_args, values, err);
    *values = json_array();
    return 0;
}

static int c_subscribe(void *ctx, const char *uri, int on, struct ep_error *err)
{
    (void)ctx;
    (void)on;
    (void)err;
    (void)uri;
    return 0; /* subscriptions are accepted; the fixtures never change */
}

static json_t *c_tool_schema(void *ctx, const char *tool_name)
{
    (void)ctx;
    if (strcmp(tool_name, "json_schema_2020_12_tool") != 0)
        return NULL;
    return ((const struct ep_conformance *)ctx)->schema_listed;
}

void ep_conformance_provider_init(struct ep_conformance *c, const struct ep_mcp_provider *inner)
{
    memset(c, 0, sizeof *c);
    c->inner = inner;
    c->schema_listed = json_loads(ep_conf_schema2020_listed, 0, NULL);
    struct ep_mcp_provider p = {0};
    p.ctx = c;
    p.resources_list = c_resources_list;
    p.resource_templates_list = c_templates_list;
    p.resource_read = c_resource_read;
    p.prompts_list = c_prompts_list;
    p.prompt_get = c_prompt_get;
    p.complete = c_complete;
    p.resource_subscribe = c_subscribe;
    p.tool_input_schema = c_tool_schema;
    c->p = p;
}

void ep_conformance_provider_free(struct ep_conformance *c)
{
    if (!c)
        return;
    json_decref(c->schema_listed);
    c->schema_listed = NULL;
}
