/* ep_era2026: what the MCP revision 2026-07-28 ("modern", stateless) adds beside the 2025
 * ("legacy", initialize-based) revisions, as pure helpers for the core (ep_mcp.c) and the HTTP
 * transport (ep_http.c). See docs/protocol.md.
 *
 * A 2026-era request carries its protocol version, client capabilities and (optionally) client
 * info and log level in params._meta under the io.modelcontextprotocol/ keys; no initialize, no
 * session. Over HTTP it also carries MCP-Protocol-Version, Mcp-Method and (for tools/call,
 * resources/read, prompts/get) Mcp-Name headers that must match the body.
 *
 * Typical use (the core, for one incoming request object msg):
 *
 *     if (ep_era2026_is_modern(msg)) {
 *         char why[300]; json_t *data = NULL;
 *         int code = ep_era2026_check_meta(json_object_get(msg, "params"), why, sizeof why,
 *                                          &data);
 *         if (code) -> JSON-RPC error {code, why, data}
 *         ...dispatch..., then ep_era2026_decorate(result, method, ...) on the result
 *     }
 */
#ifndef EP_ERA2026_H
#define EP_ERA2026_H

#include <jansson.h>
#include <stddef.h>

#define EP_MCP_MODERN_VERSION "2026-07-28"
#define EP_META_PROTOCOL_VERSION "io.modelcontextprotocol/protocolVersion"
#define EP_META_CLIENT_INFO "io.modelcontextprotocol/clientInfo"
#define EP_META_CLIENT_CAPS "io.modelcontextprotocol/clientCapabilities"
#define EP_META_LOG_LEVEL "io.modelcontextprotocol/logLevel"
#define EP_META_SERVER_INFO "io.modelcontextprotocol/serverInfo"

/* Error codes of 2026-07-28 (basic/index "Error Codes"). */
enum {
    EP_MCP_HEADER_MISMATCH = -32020,
    EP_MCP_MISSING_CLIENT_CAPABILITY = -32021,
    EP_MCP_UNSUPPORTED_VERSION = -32022,
};

/* Cache hints of the cacheable results (server/utilities/caching): how long a client may keep
 * the lists. The tool, prompt and template lists are fixed for the life of the process; the
 * resource list and contents follow the store, which a sync may change. */
#define EP_ERA2026_TTL_STATIC_MS 3600000
#define EP_ERA2026_TTL_DATA_MS 60000

/* 1 when msg is a JSON-RPC request or notification object whose params._meta holds the
 * io.modelcontextprotocol/protocolVersion key (of any type): it is served as 2026-07-28. */
int ep_era2026_is_modern(json_t *msg);

/* The protocol versions this server supports, newest first (new array): the modern one, served
 * per request, and the legacy ones, served after initialize. */
json_t *ep_era2026_supported(void);

/* Check the per-request _meta of a modern request (params borrowed, may be NULL). Returns 0 when
 * it is complete and names 2026-07-28; else the JSON-RPC code (-32602 for a missing or mistyped
 * required field, -32022 for another version) with a message saying what to fix in why and, for
 * -32022, *data = {supported, requested} (new reference; else NULL). */
int ep_era2026_check_meta(json_t *params, char *why, size_t n, json_t **data);

/* The log level index (0 = debug .. 7 = emergency) a modern request asked for with
 * io.modelcontextprotocol/logLevel; -1 when absent (then no notifications/message is sent for
 * it) and -2 when present but not a level name. */
int ep_era2026_log_level(json_t *params);

/* 1 when the request's per-request client capabilities declare name (e.g. "elicitation") or,
 * with a "/" in name, the extension name under capabilities.extensions. */
int ep_era2026_client_has(json_t *params, const char *name);

/* 1 when method's result is cacheable in 2026-07-28 (ttlMs and cacheScope required). */
int ep_era2026_cacheable(const char *method);

/* The cache lifetime (ms) epintel gives method's result. */
long ep_era2026_ttl_ms(const char *method);

/* Turn a result object (borrowed, modified in place) into its 2026-07-28 shape: resultType
 * "complete" (unless it has one, e.g. "task"), _meta.io.modelcontextprotocol/serverInfo {name,
 * version}, and for a cacheable method ttlMs and cacheScope ("private" when private_scope, else
 * "public"). 0, or -1 when out of memory. */
int ep_era2026_decorate(json_t *result, const char *method, const char *server_name,
                        const char *server_version, int private_scope);

/* Those members as the head of a serialized result: "{" + members + "," (new malloc'd text,
 * *len its length; NULL when out of memory). A non-empty serialized result "{...}" becomes the
 * 2026 one by replacing its "{" with this. */
char *ep_era2026_prefix(const char *method, const char *server_name, const char *server_version,
                        int private_scope, size_t *len);

/* The same for a result already serialized as a JSON object (raw, rawlen bytes, starting with
 * '{'): a new malloc'd text with the same members first inserted (*outlen set); NULL when out of
 * memory or raw is not an object text. */
char *ep_era2026_decorate_raw(const char *raw, size_t rawlen, const char *method,
                              const char *server_name, const char *server_version,
                              int private_scope, size_t *outlen);

/* Decode an Mcp-Name or Mcp-Param-* header value: the value itself, or the UTF-8 text of a
 * "=?base64?...?=" sentinel. New malloc'd NUL-terminated text with *len its length; NULL when the
 * value holds characters a header value may not (RFC 9110 field-value: visible ASCII, space,
 * tab) or a malformed sentinel. */
char *ep_era2026_header_decode(const char *v, size_t *len);

/* Check the standard request headers of a modern HTTP POST against its body (msg, one request
 * object): MCP-Protocol-Version (required, equal to the _meta version), Mcp-Method (required
 * for requests, equal to method), Mcp-Name (required for tools/call, resources/read and
 * prompts/get, equal to params.name or params.uri after decoding). A header passed as NULL is
 * missing. Returns 0, or EP_MCP_HEADER_MISMATCH with why naming the header and what to send. */
int ep_era2026_check_headers(json_t *msg, const char *h_version, const char *h_method,
                             const char *h_name, char *why, size_t n);

#endif
