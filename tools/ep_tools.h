/* ep_tools: the tool table. One row per tool, declared as data: name, title, description,
 * input and output JSON Schemas, annotations, result cache TTL and handler. One central step
 * (ep_tools_call) validates the arguments against the inputSchema before any handler runs.
 * mcp/ and cli/ are two front ends over this table. */
#ifndef EP_TOOLS_H
#define EP_TOOLS_H

#include <jansson.h>

#include "ep_error.h"

struct ep_store;
struct ep_env;

/* The server-level object: the tool registry, the tools' result cache (its lock, clock and
 * stats) and the EP Open Data API tool rows and pipeline (ep_tools_epapi.h). A front end creates
 * one with ep_tools_init, registers the rows it serves into it and passes it down (the MCP
 * server's options, each call's ep_tool_ctx); ep_tools_close releases it. Two objects in one
 * process are independent: each has its own tools, cache and pipeline. */
struct ep_tools;
/* *out: a new empty object (owned by the caller: ep_tools_close). EP_ENOMEM. */
int ep_tools_init(struct ep_tools **out, struct ep_error *err);
/* Drop the rows, the cache and the EP API pipeline, and free ts. NULL is fine. */
void ep_tools_close(struct ep_tools *ts);

/* Per-call context, filled by the front end. */
struct ep_tool_ctx {
    struct ep_store *store; /* borrowed */
    struct ep_env *env;     /* borrowed: the analysis environment of store (analysis/ep_env.h);
                               NULL = one made for the call (no cache across calls) */
    const char *out_dir;    /* where artefacts go */
    /* Progress: done/total (total <= 0 if unknown), message may be NULL. May be NULL. */
    void (*progress)(void *pctx, double done, double total, const char *message);
    void *pctx;
    /* Log to the client (level as in MCP: "debug", "info", "warning", "error"). May be NULL. */
    void (*log)(void *pctx, const char *level, const char *message);
    volatile int *cancelled; /* set non-zero by the front end to cancel; may be NULL */
    double deadline;         /* ep_now() time by which the call must end, 0 = none: upstream
                                requests stop then (ep_fetch_req.budget_s) and the call fails
                                with EP_EUNAVAIL naming the deadline */
    /* Set by ep_tools_call for the handler (callers leave it NULL): the arguments as the caller
     * gave them (borrowed), before the schema's defaults were filled in. For what must not
     * depend on the defaults (artefact names) or a default that depends on another argument. */
    json_t *args_given;
    /* Set by ep_tools_call for the handler (callers leave it NULL): the object the tool was
     * called through (borrowed), for a handler that needs the registry (a tool's defaults) or
     * the EP API pipeline. */
    struct ep_tools *tools;
};

/* Handler: args is validated against the inputSchema and holds, for every top-level property
 * the caller left out whose schema has a "default", that default (ep_schema_with_defaults):
 * defaults are written once, in the schema, and handlers do not restate them (borrowed). On success *result is a new
 * reference to the structuredContent object (must match outputSchema). On a domain failure
 * return a negative EP_E* code with err filled: the front end turns it into an isError
 * result. */
typedef int (*ep_tool_fn)(struct ep_tool_ctx *ctx, json_t *args, json_t **result,
                          struct ep_error *err);

struct ep_tool {
    const char *name, *title, *description;
    /* JSON text. NULL input_schema: both come from tools/schemas/NAME.json, embedded at
     * build time (ep_schema_embedded), output_schema too unless the row sets it. */
    const char *input_schema;
    const char *output_schema;
    int read_only, idempotent, open_world;
    int cache_ttl_s;
    ep_tool_fn fn;
};

/* Register rows (the table is not built in: each front end registers the rows it serves,
 * e.g. the real tool rows from the CLI, test rows from tests and fuzzers). Every row's
 * schemas are parsed (json_loads) and checked with ep_schema_check_supported; inputSchema must
 * be an object schema with "type": "object"; names must be unique across all registered rows.
 * Either every row of the call is registered or none is: on failure EP_EINVAL names the tool
 * and the offending keyword. Rows are copied, but the strings and handlers they point to are
 * borrowed and must outlive the registration (use static tables). May be called several
 * times; not thread-safe: register before serving. (This replaces the former ep_tools_init.) */
int ep_tools_register(struct ep_tools *ts, const struct ep_tool *rows, size_t n,
                      struct ep_error *err);
/* The same, except that the schemas are parsed and checked on first use (tools/list, a call,
 * ep_tools_input_schema, ep_tools_verify) rather than now: a server answers initialize without
 * parsing about 500 KB of schema text it may not need yet. A row whose schema fails then
 * reports the EP_EINVAL message above on every use. Used by ep_tools_register_all; the tests
 * run ep_tools_verify over the real table. */
int ep_tools_register_lazy(struct ep_tools *ts, const struct ep_tool *rows, size_t n,
                           struct ep_error *err);
/* ep_tools_register with options (flags OR-ed):
 * EP_TOOLS_REG_LAZY     parse the schemas on first use (as ep_tools_register_lazy);
 * EP_TOOLS_REG_COMPACT  the rows' schema texts are compact JSON, exactly what
 *                       json_dumps(JSON_COMPACT) gives for them (e.g. assembled from generated
 *                       compact pieces; the tests check it for the real table):
 *                       ep_tools_schema_text hands them out as they are (embedded schemas are
 *                       known to be compact without this flag);
 *                       (Every row's handler gets the schema's defaults filled in: see
 *                       ep_tool_fn.) */
enum { EP_TOOLS_REG_LAZY = 1, EP_TOOLS_REG_COMPACT = 2 };
int ep_tools_register_with(struct ep_tools *ts, const struct ep_tool *rows, size_t n,
                           unsigned flags, struct ep_error *err);
/* Parse every schema not parsed yet; the first failure's EP_EINVAL, or 0. */
int ep_tools_verify(struct ep_tools *ts, struct ep_error *err);
/* Drop every row registered in ts and its parsed schemas (the object stays usable: register
 * again). Pointers from ep_tools_at/find die. NULL is fine. */
void ep_tools_cleanup(struct ep_tools *ts);

size_t ep_tools_count(const struct ep_tools *ts);
const struct ep_tool *ep_tools_at(const struct ep_tools *ts, size_t i);
const struct ep_tool *ep_tools_find(const struct ep_tools *ts, const char *name);

/* 1 when the tool must run under the front end's execution mutex (it uses the store's
 * connection, igraph, GSL, or the MCP core's client requests, which release that mutex while
 * they wait): every tool but the EP Open Data API pass-through ones, which touch only their
 * pipeline and serialize on its own lock (ep_tools_epapi_lock). Unknown names: 1. */
int ep_tools_exclusive(struct ep_tools *ts, const char *name);
/* Parsed schemas (borrowed; valid until ep_tools_cleanup; parsed now if registered lazily).
 * t must come from ep_tools_at/find; output schema is NULL when the row has none, and both are
 * NULL for a row whose schema does not parse. Thread-safe. */
json_t *ep_tools_input_schema(const struct ep_tool *t);
json_t *ep_tools_output_schema(const struct ep_tool *t);

/* A schema as compact JSON text, exactly json_dumps(schema, JSON_COMPACT) of the parsed schema
 * (output 0: inputSchema, 1: outputSchema), and its length in *len (may be NULL). Embedded
 * schemas (tools/schemas/) and rows registered with EP_TOOLS_REG_COMPACT are handed out
 * without parsing (tools/list splices them); others are parsed and serialized once. Borrowed,
 * valid until ep_tools_cleanup; NULL when the row has no such schema or it does not parse.
 * Thread-safe. */
const char *ep_tools_schema_text(const struct ep_tool *t, int output, size_t *len);

/* args (NULL = {}) with the defaults of tool name's inputSchema filled in, as ep_tools_call
 * hands them to the handler, for a caller that runs the tool's computation directly: new
 * reference; NULL when no such tool is registered, its schema fails, or out of memory. */
json_t *ep_tools_args_with_defaults(struct ep_tools *ts, const char *name, json_t *args);
/* args[name], else the "default" of property name in t's inputSchema, else NULL (borrowed):
 * a handler reads a default from its schema instead of restating it. */
json_t *ep_tools_arg(const struct ep_tool *t, json_t *args, const char *name);

/* Validate args (NULL = {}) and run the tool. EP_ENOTFOUND for an unknown tool, EP_EINVAL
 * with a message naming the bad argument and what is allowed, or the handler's code. */
int ep_tools_call(struct ep_tools *ts, struct ep_tool_ctx *ctx, const char *name, json_t *args,
                  json_t **result, struct ep_error *err);
/* (ep_tools_call also checks the handler's result against the outputSchema: a mismatch is a
 * bug in the tool and returns EP_EINTERNAL naming the tool and the path; *result stays NULL.
 * A handler that returns 0 without a result object is reported the same way. Handlers run on
 * the caller's thread; ctx may be NULL for a default empty context.) */

/* Paging helpers for list tools. Reads integer "offset" (>= 0) and "limit" (1..500) from a
 * handler's args (borrowed), where the schema's defaults are filled in. EP_EINVAL when one is
 * missing (a schema without its default) or out of range (normally the inputSchema already
 * rejects that). */
int ep_tools_page_args(json_t *args, int *offset, int *limit);
/* New object {key: items, total, offset, limit, hasMore} where hasMore is
 * offset + size(items) < total. items_stolen is stolen (also on failure); NULL on ENOMEM. */
json_t *ep_tools_page_result(const char *key, json_t *items_stolen, long total, int offset,
                             int limit);

/* Result cache (see ep_tools.c): rows with cache_ttl_s > 0 that are read-only and idempotent
 * have their results kept for that many seconds, keyed by tool, canonical arguments and the
 * store's content; EPINTEL_NO_RESULT_CACHE=1 turns it off (benchmarks of the computation).
 * A result with "degraded": true (a stale upstream copy) is never kept. Each object (ep_tools_init)
 * has its own cache. */
struct ep_tools_cache_stats {
    unsigned long hits, misses, evictions, entries;
    size_t bytes;
};
void ep_tools_cache_stats(struct ep_tools *ts, struct ep_tools_cache_stats *out);
void ep_tools_cache_clear(struct ep_tools *ts);

/* The canonical text of a call's arguments (compact, keys sorted; NULL or null = "{}"), as the
 * cache keys them. Caller frees; NULL on ENOMEM. */
char *ep_tools_canonical_args(json_t *args);

/* The store's content marker into out: path, unit count and last unit id (SQL on the caller's
 * thread). An ingest or sync changes it; results derived from the store's content stay valid
 * while it is unchanged. Empty-store form for s == NULL. */
struct ep_store;
void ep_tools_store_marker(struct ep_store *s, char *out, size_t n);

/* A front end's serialized form of a cached result (e.g. the MCP core's CallToolResult JSON),
 * immutable and reference-counted: data[len] is NUL. */
struct ep_tools_blob {
    int refs; /* atomic */
    size_t len;
    char data[];
};
void ep_tools_blob_unref(struct ep_tools_blob *b); /* NULL is fine */

/* Fast path, thread-safe, no execution lock and no SQL: the blob attached to the cached result
 * of tool name with canonical arguments canon (from ep_tools_canonical_args; arguments that
 * were valid when the result was stored), if the entry is live, belongs to the current data
 * generation and that generation was confirmed by an ep_tools_call within the last second
 * (or, while the first caller past that second is confirming it, within two). New reference
 * (ep_tools_blob_unref), or NULL: then call ep_tools_call (which re-reads the store's content
 * marker, so an ingest by another process is seen within 2 s). Counts a hit in the stats; a
 * NULL counts nothing. */
struct ep_tools_blob *ep_tools_cache_peek(struct ep_tools *ts, const char *name, const char *canon);
/* Attach bytes (len, copied) as the serialized form of the result that ep_tools_call just
 * returned for (name, canon), if that entry is still cached for the current generation and
 * has no blob yet. Counted in the cache's byte bound; dropped with the entry. */
void ep_tools_cache_attach(struct ep_tools *ts, const char *name, const char *canon,
                           const char *bytes, size_t len);
/* Re-read the store's content marker (SQL, caller's thread) and confirm the current data
 * generation, as an ep_tools_call does first: a following ep_tools_cache_peek then serves the
 * entries of that generation (the MCP core, before it asks the replicas' shared cache). */
void ep_tools_cache_confirm(struct ep_tools *ts, const struct ep_tool_ctx *ctx);
/* Tests: the clock the cache uses for TTLs and the confirmation window (seconds, monotonic;
 * NULL = ep_now). */
void ep_tools_cache_set_clock(struct ep_tools *ts, double (*now)(void));

#endif
