/* ep_tools: the tool table. One row per tool, declared as data: name, title, description,
 * input and output JSON Schemas, annotations, result cache TTL and handler. One central step
 * (ep_tools_call) validates the arguments against the inputSchema before any handler runs.
 * mcp/ and cli/ are two front ends over this table. */
#ifndef EP_TOOLS_H
#define EP_TOOLS_H

#include <jansson.h>

#include "ep_error.h"

struct ep_store;

/* Per-call context, filled by the front end. */
struct ep_tool_ctx {
    struct ep_store *store;        /* borrowed */
    const char *out_dir;           /* where artefacts go */
    /* Progress: done/total (total <= 0 if unknown), message may be NULL. May be NULL. */
    void (*progress)(void *pctx, double done, double total, const char *message);
    void *pctx;
    /* Log to the client (level as in MCP: "debug", "info", "warning", "error"). May be NULL. */
    void (*log)(void *pctx, const char *level, const char *message);
    volatile int *cancelled;       /* set non-zero by the front end to cancel; may be NULL */
};

/* Handler: args is validated against the inputSchema (borrowed). On success *result is a new
 * reference to the structuredContent object (must match outputSchema). On a domain failure
 * return a negative EP_E* code with err filled: the front end turns it into an isError
 * result. */
typedef int (*ep_tool_fn)(struct ep_tool_ctx *ctx, json_t *args, json_t **result,
                          struct ep_error *err);

struct ep_tool {
    const char *name, *title, *description;
    const char *input_schema;  /* JSON text */
    const char *output_schema; /* JSON text */
    int read_only, idempotent, open_world;
    int cache_ttl_s;
    ep_tool_fn fn;
};

/* Parse and check every row's schemas once (ep_schema_check_supported). Returns EP_EINVAL
 * naming the tool and the unsupported keyword when a row uses more than the validator
 * supports. Idempotent. */
int ep_tools_init(struct ep_error *err);
void ep_tools_cleanup(void);

size_t ep_tools_count(void);
const struct ep_tool *ep_tools_at(size_t i);
const struct ep_tool *ep_tools_find(const char *name);
/* Parsed schemas (borrowed; valid after ep_tools_init). */
json_t *ep_tools_input_schema(const struct ep_tool *t);
json_t *ep_tools_output_schema(const struct ep_tool *t);

/* Validate args (NULL = {}) and run the tool. EP_ENOTFOUND for an unknown tool, EP_EINVAL
 * with a message naming the bad argument and what is allowed, or the handler's code. */
int ep_tools_call(struct ep_tool_ctx *ctx, const char *name, json_t *args, json_t **result,
                  struct ep_error *err);

#endif
