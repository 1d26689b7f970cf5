/* ep_mcp: the MCP (Model Context Protocol) server core: JSON-RPC 2.0 framing, lifecycle,
 * version negotiation (2025 sessions after initialize; 2026-07-28 requests served statelessly
 * from their own _meta: ep_era2026.h), dispatch over the tool table (tools/ep_tools.h), logging,
 * progress, cancellation, tasks (ep_tasks.h), and delegation of resources/prompts/completions
 * to a provider. It knows
 * nothing of the transport: a transport feeds it one incoming message at a time
 * (ep_mcp_handle) and receives outgoing messages through a writer callback. ep_stdio.c is the
 * stdio transport; an HTTP transport can use the same core (one server object per session).
 *
 * Typical use (cli `epintel serve`):
 *
 *     struct ep_mcp_options o;
 *     ep_mcp_options_init(&o);
 *     o.ctx.store = store; o.ctx.out_dir = dir; o.max_message_bytes = flag_value;
 *     ep_tools_init(&tools, &err); ep_tools_register(tools, rows, n, &err);  // before the server
 *     o.tools = tools;
 *     struct ep_mcp_server *s;
 *     if (ep_mcp_server_new(&o, &s, &err) == 0) {
 *         rc = ep_mcp_serve_stdio(s, stdin, stdout, &err);   // returns on EOF
 *         ep_mcp_server_free(s);
 *     }
 *
 * tools/call results: the handler's object becomes structuredContent plus a text block with
 * the same JSON. A tool registered WITHOUT an outputSchema may instead return a complete
 * CallToolResult: an object with a "content" array (and optional "isError"), used verbatim
 * (image, audio, embedded resource content).
 *
 * Threads: ep_mcp_handle is called by one reader thread. Slow methods (tools/call and every
 * provider method) run on a pool of worker threads (options.workers, default 4) so that the
 * reader stays free for pings and cancellations; their execution is serialized by one
 * process-wide mutex (igraph/GSL/store code is single-threaded). Writes are serialized. A
 * tools/call whose result is in the tool table's cache (ep_tools_cache_peek) is answered by
 * ep_mcp_handle itself from the stored bytes, without a worker or the mutex. */
#ifndef EP_MCP_H
#define EP_MCP_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "ep_error.h"
#include "ep_tools.h"

/* JSON-RPC / MCP error codes. */
enum {
    EP_MCP_PARSE_ERROR = -32700,
    EP_MCP_INVALID_REQUEST = -32600,
    EP_MCP_METHOD_NOT_FOUND = -32601,
    EP_MCP_INVALID_PARAMS = -32602,
    EP_MCP_INTERNAL_ERROR = -32603,
    EP_MCP_RESOURCE_NOT_FOUND = -32002,
};

#define EP_MCP_DEFAULT_MAX_MESSAGE ((size_t)16 << 20)
#define EP_MCP_LATEST_VERSION "2025-11-25"

/* Optional provider of resources, prompts and completions. Every member may be NULL; the
 * matching capability is declared in initialize only when supplied (resources: resources_list
 * or resource_read; prompts: prompts_list; completions: complete). All run on a worker thread
 * under the global execution mutex.
 *
 * Each function returns 0 and sets *result to a NEW reference owned by the caller (the core),
 * or returns a negative EP_E* code with err filled (mapped by ep_mcp_rpc_code; EP_ENOTFOUND
 * from resource_read becomes -32002 "Resource not found" with data {uri}). Arguments are
 * borrowed. cursor is NULL for the first page. */
struct ep_mcp_provider {
    void *ctx;
    /* *result = {"resources":[{uri,name,title?,description?,mimeType?}...], "nextCursor"?} */
    int (*resources_list)(void *ctx, const char *cursor, json_t **result, struct ep_error *err);
    /* *result = {"resourceTemplates":[{uriTemplate,name,...}...], "nextCursor"?} */
    int (*resource_templates_list)(void *ctx, const char *cursor, json_t **result,
                                   struct ep_error *err);
    /* *result = {"contents":[{uri,mimeType,text|blob}...]}; EP_ENOTFOUND if no such uri. */
    int (*resource_read)(void *ctx, const char *uri, json_t **result, struct ep_error *err);
    /* *result = {"prompts":[{name,title?,description?,arguments?}...], "nextCursor"?} */
    int (*prompts_list)(void *ctx, const char *cursor, json_t **result, struct ep_error *err);
    /* args: object of string arguments (borrowed, never NULL). *result = {description?,
     * messages:[...]}. Unknown prompt or bad arguments: EP_EINVAL (-> -32602). */
    int (*prompt_get)(void *ctx, const char *name, json_t *args, json_t **result,
                      struct ep_error *err);
    /* ref: {"type":"ref/prompt","name":..} or {"type":"ref/resource","uri":..} (borrowed);
     * context_args: already-resolved arguments (borrowed object, never NULL).
     * *values = new array of candidate strings (the core keeps the first 100, sets total and
     * hasMore). */
    int (*complete)(void *ctx, json_t *ref, const char *arg_name, const char *arg_value,
                    json_t *context_args, json_t **values, struct ep_error *err);
    /* resources/subscribe (on = 1) and resources/unsubscribe (on = 0); declares
     * resources.subscribe. EP_ENOTFOUND for an unknown uri (-> -32002). May be NULL. */
    int (*resource_subscribe)(void *ctx, const char *uri, int on, struct ep_error *err);
    /* The inputSchema tools/list shows for a tool instead of the registered one (borrowed,
     * NULL = the registered one). Lets test fixtures show JSON Schema keywords that the
     * validator does not support ($defs, $ref); arguments are still validated against the
     * registered schema. May be NULL. */
    json_t *(*tool_input_schema)(void *ctx, const char *tool_name);
    /* The registered tool whose data a resources/list, resources/read, prompts/get or
     * completion/complete request (params borrowed) reaches, so that a transport with roles applies
     * the same check as to tools/call of that tool; NULL when it reaches no tool's data (e.g. a
     * rendered artefact, which belongs to the principal who made it, or a malformed request that
     * will be refused). May be NULL (then no tool is named). */
    const char *(*tool_for)(void *ctx, const char *method, json_t *params);
};

struct ep_state; /* ep_state.h */

struct ep_mcp_options {
    const char *name;         /* serverInfo.name, default "epintel" (borrowed) */
    const char *version;      /* serverInfo.version, default EP_VERSION (borrowed) */
    const char *title;        /* serverInfo.title, may be NULL (borrowed) */
    const char *instructions; /* initialize "instructions", may be NULL (borrowed) */
    size_t max_message_bytes; /* incoming message cap, default 16 MiB */
    int workers;              /* max concurrent slow calls, default 4 */
    int synchronous;          /* 1: run every method inline in ep_mcp_handle (fuzzing, tests
                                 that need determinism); no cancellation of running calls */
    int page_size;            /* tools/list page size, default 50 */
    int tool_timeout_s;       /* a tools/call's deadline from its arrival, waiting included
                                 (ep_tool_ctx.deadline), default 60; 0 = none */
    struct ep_tools *tools;   /* the tool table the server serves (borrowed, must outlive the
                                 server; required): its rows registered before */
    struct ep_tool_ctx ctx;   /* template for every tool call: store, out_dir (borrowed);
                                 progress/log/cancelled are set by the core */
    const struct ep_mcp_provider *provider; /* may be NULL (borrowed, must outlive server) */
    /* Which tools tools/list shows the caller: called with tool_visible_ctx, the origin of the
     * tools/list request (as passed to ep_mcp_handle) and a tool name; 0 = hidden. Pages and
     * cursors count only visible tools (every page but the last has page_size of them). NULL =
     * every tool is visible. Runs on the thread that calls ep_mcp_handle. tools/call is not
     * filtered: a transport refuses calls itself (HTTP: 403). */
    int (*tool_visible)(void *vctx, void *origin, const char *tool);
    void *tool_visible_ctx;
    int cache_private; /* 2026-07-28 cacheable results say cacheScope "private" (results depend on
                          the caller: authentication with roles), else "public" */
    struct ep_tasks *tasks; /* long tools/call as tasks (ep_tasks.h), NULL = none (borrowed) */
    const char *principal;  /* whose tasks this server creates and sees ("" or NULL: the local
                               user; HTTP: the session's principal), borrowed */
    /* --state: the result cache shared by the replicas (ep_state_cache_*; NULL = none,
     * borrowed). A cacheable tools/call that misses the process's own cache is looked up there
     * (under the execution lock: its key holds the store's content, ep_derived_content, not its
     * path), and a computed result is stored there; Redis down = computed (fail open). */
    struct ep_state *rcache;
    /* Called with the origin of a tools/call answered from a cache, where = "local" or
     * "redis", before its reply is written (HTTP: the audit line says so). May be NULL. */
    void (*cache_note)(void *origin, const char *where);
};

/* Writer: called with one compact JSON message (no newline; not NUL-terminated is allowed,
 * len given) for the incoming message identified by origin (as passed to ep_mcp_handle; NULL
 * for messages that belong to no request, e.g. server log notifications). last = 1 marks the
 * final message for that origin; when an incoming message gets no response at all
 * (notifications, cancelled requests) the writer is called once with json = NULL, len = 0,
 * last = 1 so that a transport can finish (HTTP: 202). Calls are serialized by the core and
 * may come from worker threads. Return 0, or non-zero when the peer is gone (the core then
 * stops writing and cancels in-flight calls). */
typedef int (*ep_mcp_write_fn)(void *wctx, void *origin, const char *json, size_t len, int last);

struct ep_mcp_server;

/* Fill o with the defaults above. */
void ep_mcp_options_init(struct ep_mcp_options *o);

/* Create a server (one per client session). opt is copied; borrowed pointers inside must
 * outlive the server. The tool table (opt->tools) must be registered before. Starts
 * the worker threads. Caller frees with ep_mcp_server_free. */
int ep_mcp_server_new(const struct ep_mcp_options *opt, struct ep_mcp_server **out,
                      struct ep_error *err);

/* Cancel in-flight calls (their responses are suppressed), wait for the workers, free. NULL
 * is fine. */
void ep_mcp_server_free(struct ep_mcp_server *s);

/* Set the writer (transports call this; must be set before the first ep_mcp_handle). */
void ep_mcp_set_writer(struct ep_mcp_server *s, ep_mcp_write_fn fn, void *wctx);

/* Handle one incoming message (msg borrowed, len bytes, need not be NUL-terminated). Replies
 * go through the writer, immediately or later from a worker thread. Returns 0, or EP_EIO
 * once the writer has failed. */
int ep_mcp_handle(struct ep_mcp_server *s, const char *msg, size_t len, void *origin);

/* Answer a message that the transport refused because it is larger than the cap (it read
 * only the first prefix_len bytes of total bytes, total = 0 if unknown). Replies -32600 naming
 * the limit and --max-message-bytes, echoing the id when it can be found in the prefix. */
int ep_mcp_reject_oversized(struct ep_mcp_server *s, const char *prefix, size_t prefix_len,
                            size_t total, void *origin);

/* Block until no call is queued or running. */
void ep_mcp_drain(struct ep_mcp_server *s);

/* Cancel every queued and running call; no responses will be sent for them. */
void ep_mcp_cancel_all(struct ep_mcp_server *s);

/* Cancel the calls of one incoming message (origin as passed to ep_mcp_handle): a 2026-07-28
 * HTTP request whose response stream the client closed. No response is sent for them. */
void ep_mcp_cancel_origin(struct ep_mcp_server *s, void *origin);

/* Send notifications/message to the client if initialized and level (RFC 5424 name:
 * "debug" .. "emergency") is at or above the level set by logging/setLevel (default
 * "info"). logger may be NULL. */
void ep_mcp_log(struct ep_mcp_server *s, const char *level, const char *logger, const char *fmt,
                ...) __attribute__((format(printf, 4, 5)));

/* Negotiated protocol version, or NULL before initialize (static string). */
const char *ep_mcp_protocol_version(const struct ep_mcp_server *s);

/* The message-size cap in use. */
size_t ep_mcp_max_message_bytes(const struct ep_mcp_server *s);

/* The one mapping from EP_E* codes to JSON-RPC error codes: EP_EINVAL, EP_ELIMIT -> -32602;
 * EP_ENOTFOUND -> -32002; everything else -> -32603. */
int ep_mcp_rpc_code(int ep_code);

/* Server -> client requests. From inside a tool handler that runs under tools/call (ctx is
 * the ctx the handler received), send the request {method, params} to the client (on the
 * call's stream: stdio, or the call's SSE stream over HTTP) and wait for the client's
 * response, matched by id. params is borrowed (may be NULL). capability (e.g. "sampling",
 * "elicitation"; may be NULL) must have been declared by the client in initialize, else
 * EP_EUNAVAIL. timeout_ms <= 0 uses 60 s. The global execution mutex is released while
 * waiting (other calls run meanwhile). Returns 0 and *result (new reference to the
 * response's "result"); EP_EUNAVAIL (not an MCP call, synchronous mode, capability missing),
 * EP_ECANCELED (the call was cancelled or the session closed; the client is sent
 * notifications/cancelled), EP_ELIMIT (timeout; likewise), EP_EIO (the client answered with
 * a JSON-RPC error; err carries its message). */
int ep_mcp_client_request(struct ep_tool_ctx *ctx, const char *method, json_t *params,
                          const char *capability, int timeout_ms, json_t **result,
                          struct ep_error *err);

/* Run fn(arg) under the process-wide execution mutex (for transports that read the store,
 * e.g. an HTTP health check). */
void ep_mcp_with_exec_lock(void (*fn)(void *arg), void *arg);

/* The same without waiting: 1 when fn ran, 0 when the mutex is held (a call is running). */
int ep_mcp_try_exec_lock(void (*fn)(void *arg), void *arg);

/* stdio transport (ep_stdio.c): read newline-delimited messages from in, write responses to
 * out (one compact line each, flushed) until EOF, then wait for in-flight calls and return 0
 * (EP_EIO if writing failed). Lines longer than the cap are discarded (and answered with an
 * error) without being buffered whole. If out is the process's stdout, fd 1 is redirected to
 * stderr for the duration and the protocol uses a private duplicate, so stray printf output
 * cannot corrupt the stream. SIGPIPE is ignored. in and out stay open (borrowed). */
int ep_mcp_serve_stdio(struct ep_mcp_server *s, FILE *in, FILE *out, struct ep_error *err);

#endif
