/* ep_era2026: the MCP revision 2026-07-28 beside the 2025 ones (see ep_era2026.h). */
#include "ep_era2026.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_util.h"

static const char *const era_versions[] = {EP_MCP_MODERN_VERSION, "2025-11-25", "2025-06-18",
                                           "2025-03-26"};
static const char *const era_levels[] = {"debug", "info",     "notice", "warning",
                                         "error", "critical", "alert",  "emergency"};

int ep_era2026_is_modern(json_t *msg)
{
    json_t *meta = json_object_get(json_object_get(msg, "params"), "_meta");
    return json_is_object(meta) && json_object_get(meta, EP_META_PROTOCOL_VERSION) != NULL;
}

json_t *ep_era2026_supported(void)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < sizeof era_versions / sizeof *era_versions; i++)
        json_array_append_new(a, json_string(era_versions[i]));
    return a;
}

int ep_era2026_check_meta(json_t *params, char *why, size_t n, json_t **data)
{
    *data = NULL;
    json_t *meta = json_object_get(params, "_meta");
    json_t *pv = json_object_get(meta, EP_META_PROTOCOL_VERSION);
    if (!json_is_string(pv)) {
        snprintf(why, n,
                 "Invalid params: _meta[\"" EP_META_PROTOCOL_VERSION
                 "\"] must be a string such as \"" EP_MCP_MODERN_VERSION "\"");
        return -32602;
    }
    const char *v = json_string_value(pv);
    if (strcmp(v, EP_MCP_MODERN_VERSION) != 0) {
        snprintf(why, n,
                 "Unsupported protocol version \"%.40s\": per-request _meta serves "
                 "" EP_MCP_MODERN_VERSION "; the 2025 versions (2025-11-25, 2025-06-18, 2025-03-26) "
                 "are served after an initialize request without this _meta",
                 v);
        *data = json_pack("{s:o,s:s}", "supported", ep_era2026_supported(), "requested", v);
        return EP_MCP_UNSUPPORTED_VERSION;
    }
    if (!json_is_object(json_object_get(meta, EP_META_CLIENT_CAPS))) {
        snprintf(why, n,
                 "Invalid params: _meta[\"" EP_META_CLIENT_CAPS
                 "\"] is required on every " EP_MCP_MODERN_VERSION
                 " request: an object such as {} (no optional capabilities)");
        return -32602;
    }
    json_t *ci = json_object_get(meta, EP_META_CLIENT_INFO);
    if (ci && (!json_is_object(ci) || !json_is_string(json_object_get(ci, "name")) ||
               !json_is_string(json_object_get(ci, "version")))) {
        snprintf(why, n,
                 "Invalid params: _meta[\"" EP_META_CLIENT_INFO
                 "\"] must be an object with string name and version");
        return -32602;
    }
    if (ep_era2026_log_level(params) == -2) {
        snprintf(why, n,
                 "Invalid params: _meta[\"" EP_META_LOG_LEVEL
                 "\"] must be one of debug, info, notice, warning, error, critical, alert, "
                 "emergency");
        return -32602;
    }
    return 0;
}

int ep_era2026_log_level(json_t *params)
{
    json_t *l = json_object_get(json_object_get(params, "_meta"), EP_META_LOG_LEVEL);
    if (!l)
        return -1;
    const char *s = json_string_value(l);
    for (int i = 0; s && i < (int)(sizeof era_levels / sizeof *era_levels); i++)
        if (strcmp(s, era_levels[i]) == 0)
            return i;
    return -2;
}

int ep_era2026_client_has(json_t *params, const char *name)
{
    json_t *caps = json_object_get(json_object_get(params, "_meta"), EP_META_CLIENT_CAPS);
    if (strchr(name, '/'))
        return json_is_object(json_object_get(json_object_get(caps, "extensions"), name));
    return json_object_get(caps, name) != NULL;
}

int ep_era2026_cacheable(const char *method)
{
    static const char *const ms[] = {"server/discover", "tools/list",
                                     "prompts/list",    "resources/list",
                                     "resources/read",  "resources/templates/list"};
    for (size_t i = 0; method && i < sizeof ms / sizeof *ms; i++)
        if (strcmp(method, ms[i]) == 0)
            return 1;
    return 0;
}

long ep_era2026_ttl_ms(const char *method)
{
    if (strcmp(method, "resources/list") == 0 || strcmp(method, "resources/read") == 0)
        return EP_ERA2026_TTL_DATA_MS;
    return EP_ERA2026_TTL_STATIC_MS;
}

/* The members a 2026-era result gets (new object). */
static json_t *era_members(const char *method, const char *name, const char *version,
                           int private_scope)
{
    json_t *m = json_pack("{s:s,s:{s:{s:s,s:s}}}", "resultType", "complete", "_meta",
                          EP_META_SERVER_INFO, "name", name, "version", version);
    if (m && ep_era2026_cacheable(method)) {
        json_object_set_new(m, "ttlMs", json_integer(ep_era2026_ttl_ms(method)));
        json_object_set_new(m, "cacheScope", json_string(private_scope ? "private" : "public"));
    }
    return m;
}

int ep_era2026_decorate(json_t *result, const char *method, const char *server_name,
                        const char *server_version, int private_scope)
{
    json_t *m = era_members(method, server_name, server_version, private_scope);
    if (!m)
        return -1;
    json_t *meta = json_object_get(result, "_meta");
    if (json_is_object(meta)) /* keep the result's own _meta keys */
        json_object_update_missing(json_object_get(m, "_meta"), meta);
    if (json_is_string(json_object_get(result, "resultType"))) /* e.g. "task" (Tasks extension) */
        json_object_del(m, "resultType");
    int rc = json_object_update(result, m);
    json_decref(m);
    return rc ? -1 : 0;
}

char *ep_era2026_prefix(const char *method, const char *server_name, const char *server_version,
                        int private_scope, size_t *len)
{
    json_t *m = era_members(method, server_name, server_version, private_scope);
    char *t = m ? json_dumps(m, JSON_COMPACT) : NULL; /* "{...}" */
    json_decref(m);
    if (!t)
        return NULL;
    size_t n = strlen(t);
    t[n - 1] = ','; /* "{...," */
    *len = n;
    return t;
}

char *ep_era2026_decorate_raw(const char *raw, size_t rawlen, const char *method,
                              const char *server_name, const char *server_version,
                              int private_scope, size_t *outlen)
{
    if (rawlen < 2 || raw[0] != '{')
        return NULL;
    size_t pl = 0;
    char *pre = ep_era2026_prefix(method, server_name, server_version, private_scope, &pl);
    if (!pre)
        return NULL;
    int empty = rawlen == 2 && raw[1] == '}';
    size_t n = pl - (empty ? 1 : 0) + rawlen - 1;
    char *out = malloc(n + 1);
    if (out) {
        memcpy(out, pre, pl - (empty ? 1 : 0));
        memcpy(out + pl - (empty ? 1 : 0), raw + 1, rawlen - 1);
        out[n] = 0;
        *outlen = n;
    }
    free(pre);
    return out;
}

static int b64v(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

char *ep_era2026_header_decode(const char *v, size_t *len)
{
    size_t n = strlen(v);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (!(c == '\t' || (c >= 0x20 && c <= 0x7e)))
            return NULL;
    }
    static const char pre[] = "=?base64?", suf[] = "?=";
    size_t pl = sizeof pre - 1, sl = sizeof suf - 1;
    if (n < pl + sl || memcmp(v, pre, pl) != 0 || memcmp(v + n - sl, suf, sl) != 0) {
        char *o = strdup(v);
        if (o)
            *len = n;
        return o;
    }
    const char *b = v + pl;
    size_t bn = n - pl - sl;
    if (bn % 4)
        return NULL;
    char *o = malloc(bn / 4 * 3 + 1);
    if (!o)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < bn; i += 4) {
        int q[4];
        for (int j = 0; j < 4; j++)
            q[j] = b[i + j] == '=' && i + 4 == bn && j >= 2 ? -2 : b64v((unsigned char)b[i + j]);
        if (q[0] < 0 || q[1] < 0 || q[2] == -1 || q[3] == -1 || (q[2] == -2 && q[3] != -2)) {
            free(o);
            return NULL;
        }
        o[k++] = (char)(q[0] << 2 | q[1] >> 4);
        if (q[2] >= 0)
            o[k++] = (char)((q[1] & 15) << 4 | q[2] >> 2);
        if (q[3] >= 0)
            o[k++] = (char)((q[2] & 3) << 6 | q[3]);
    }
    o[k] = 0;
    if (!ep_utf8_valid(o, k)) {
        free(o);
        return NULL;
    }
    *len = k;
    return o;
}

int ep_era2026_check_headers(json_t *msg, const char *h_version, const char *h_method,
                             const char *h_name, char *why, size_t n)
{
    json_t *params = json_object_get(msg, "params");
    const char *method = json_string_value(json_object_get(msg, "method"));
    const char *bv =
        json_string_value(json_object_get(json_object_get(params, "_meta"), EP_META_PROTOCOL_VERSION));
    int is_request = json_object_get(msg, "id") != NULL;
    if (!h_version) {
        snprintf(why, n,
                 "Header mismatch: the MCP-Protocol-Version header is required (send "
                 "MCP-Protocol-Version: %.40s, the _meta version)",
                 bv ? bv : EP_MCP_MODERN_VERSION);
        return EP_MCP_HEADER_MISMATCH;
    }
    if (!bv || strcmp(h_version, bv) != 0) {
        snprintf(why, n,
                 "Header mismatch: MCP-Protocol-Version header value '%.40s' does not match "
                 "the body's _meta[\"" EP_META_PROTOCOL_VERSION "\"] '%.40s'",
                 h_version, bv ? bv : "(not a string)");
        return EP_MCP_HEADER_MISMATCH;
    }
    if (!h_method && is_request) {
        snprintf(why, n, "Header mismatch: the Mcp-Method header is required (send Mcp-Method: %.100s)",
                 method ? method : "the request's method");
        return EP_MCP_HEADER_MISMATCH;
    }
    if (h_method && (!method || strcmp(h_method, method) != 0)) {
        snprintf(why, n,
                 "Header mismatch: Mcp-Method header value '%.100s' does not match body value "
                 "'%.100s'",
                 h_method, method ? method : "");
        return EP_MCP_HEADER_MISMATCH;
    }
    const char *field = NULL;
    if (method && (strcmp(method, "tools/call") == 0 || strcmp(method, "prompts/get") == 0))
        field = "name";
    else if (method && strcmp(method, "resources/read") == 0)
        field = "uri";
    if (!field || !is_request)
        return 0;
    json_t *bvv = json_object_get(params, field);
    if (!h_name) {
        snprintf(why, n,
                 "Header mismatch: the Mcp-Name header is required for %s (send params.%s, "
                 "base64-encoded as =?base64?...?= when it is not plain ASCII)",
                 method, field);
        return EP_MCP_HEADER_MISMATCH;
    }
    size_t dl = 0;
    char *d = ep_era2026_header_decode(h_name, &dl);
    if (!d) {
        snprintf(why, n,
                 "Header mismatch: the Mcp-Name header holds characters a header may not, or a "
                 "malformed =?base64?...?= value");
        return EP_MCP_HEADER_MISMATCH;
    }
    int same = json_is_string(bvv) && json_string_length(bvv) == dl &&
               memcmp(json_string_value(bvv), d, dl) == 0;
    if (!same)
        snprintf(why, n,
                 "Header mismatch: Mcp-Name header value '%.100s' does not match body value "
                 "params.%s '%.100s'",
                 d, field, json_is_string(bvv) ? json_string_value(bvv) : "(not a string)");
    free(d);
    return same ? 0 : EP_MCP_HEADER_MISMATCH;
}
