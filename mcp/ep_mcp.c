/* ep_mcp: MCP server core (see ep_mcp.h). */
#include "ep_mcp.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ep_artefact.h"
#include "ep_derived.h"
#include "ep_era2026.h"
#include "ep_state.h"
#include "ep_tasks.h"
#include "ep_trace.h"
#include "ep_ui_res.h"
#include "ep_util.h"

#ifndef EP_VERSION
#define EP_VERSION "0.0.0"
#endif

/* Handler execution (tools and provider) is serialized process-wide: igraph, GSL and the
 * store are used from one thread at a time. */
static pthread_mutex_t ep_mcp_exec_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const ep_mcp_versions[] = {"2025-03-26", "2025-06-18", "2025-11-25"};
static const char *const ep_mcp_levels[] = {"debug", "info",     "notice", "warning",
                                            "error", "critical", "alert",  "emergency"};
#define NLEVELS ((int)(sizeof ep_mcp_levels / sizeof ep_mcp_levels[0]))

struct batch {
    int refs; /* replies still expected + 1 for the dispatcher */
    json_t *arr;
    void *origin;
};

struct method;

struct job {
    struct job *qnext; /* run queue */
    struct job *inext; /* in-flight list */
    struct ep_mcp_server *s;
    const struct method *m;
    json_t *id, *params, *token; /* owned references; token may be NULL */
    void *origin;
    struct batch *batch;
    double last_progress;
    int progress_sent;
    int modern;             /* a 2026-07-28 request: served from its own _meta, no session */
    int log_level;          /* modern: the level its _meta asked for, -1 = no log messages */
    int responded;          /* under s->lock */
    volatile int cancelled; /* written under s->lock; the core reads it under s->lock too,
                               handlers poll it through ctx->cancelled (a benign race by
                               contract: a flag that only goes 0 -> 1) */
    /* the caller's trace context when queued (ep_trace_current) */
    struct ep_trace_ctx trace;
};

/* A server -> client request waiting for its response. */
struct pending {
    struct pending *next;
    json_int_t id;
    json_t *resp; /* the response object once it arrived (owned) */
};

struct ep_mcp_server {
    struct ep_mcp_options o;
    ep_mcp_write_fn write;
    void *wctx;
    pthread_mutex_t lock;  /* everything below */
    pthread_cond_t work;   /* workers: queue not empty or stopping */
    pthread_cond_t idle;   /* drain: active == 0 */
    pthread_mutex_t wlock; /* writes, write_failed */
    pthread_t *threads;
    int nthreads;
    struct job *qhead, *qtail, *inflight;
    int active;
    int stopping;
    int write_failed;
    const char *version; /* negotiated, static string */
    int level;           /* minimum log level index */
    json_t *client_caps; /* initialize params.capabilities (owned) or NULL */
    struct pending *pending;
    json_int_t next_req_id;
    pthread_cond_t resp;   /* a pending request got its response, or a call was cancelled */
    char *era_call_prefix; /* the 2026-07-28 head of a tools/call result (ep_era2026_prefix) */
    size_t era_call_prefix_len;
};

/* What a method handler produces: a result or an error. */
struct reply {
    json_t *result; /* new reference */
    int code;       /* JSON-RPC code when result is NULL */
    char msg[EP_ERROR_MSG_MAX + 64];
    json_t *data; /* new reference or NULL */
    int none;     /* no reply at all (cancelled) */
    char *raw;    /* instead of result: the result object already serialized (owned) */
    size_t rawlen;
};

typedef void (*method_fn)(struct ep_mcp_server *s, struct job *j, json_t *params, struct reply *r);

/* M_LEGACY: only in a 2025 session (2026-07-28 removed it); M_MODERN: only in a 2026-07-28
 * request. */
enum { M_PREINIT = 1, M_ASYNC = 2, M_LEGACY = 4, M_MODERN = 8 };

struct method {
    const char *name;
    method_fn fn;
    int flags;
    int cap; /* capability the provider must supply, CAP_NONE = always available */
};

enum { CAP_NONE, CAP_RESOURCES, CAP_PROMPTS, CAP_COMPLETIONS, CAP_SUBSCRIBE, CAP_TASKS };

/* The one place that decides which provider capabilities exist (initialize and dispatch). */
static int has_cap(const struct ep_mcp_server *s, int cap)
{
    const struct ep_mcp_provider *p = s->o.provider;
    switch (cap) {
    case CAP_NONE: return 1;
    case CAP_RESOURCES:
        return p && (p->resources_list || p->resource_read || p->resource_templates_list);
    case CAP_PROMPTS: return p && (p->prompts_list || p->prompt_get);
    case CAP_COMPLETIONS: return p && p->complete;
    case CAP_SUBSCRIBE: return has_cap(s, CAP_RESOURCES) && p->resource_subscribe;
    case CAP_TASKS: return s->o.tasks != NULL;
    }
    return 0;
}

/* ------------------------------------------------------------- helpers */

int ep_mcp_rpc_code(int ep_code)
{
    switch (ep_code) {
    case EP_EINVAL:
    case EP_ELIMIT: return EP_MCP_INVALID_PARAMS;
    case EP_ENOTFOUND: return EP_MCP_RESOURCE_NOT_FOUND;
    default: return EP_MCP_INTERNAL_ERROR;
    }
}

static void reply_err(struct reply *r, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void reply_err(struct reply *r, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->msg, sizeof r->msg, fmt, ap);
    va_end(ap);
    r->code = code;
    json_decref(r->result);
    r->result = NULL;
    free(r->raw);
    r->raw = NULL;
}

static void reply_ep(struct reply *r, int rc, const struct ep_error *e)
{
    reply_err(r, ep_mcp_rpc_code(rc), "%s", e->msg[0] ? e->msg : ep_strerror(rc));
}

static json_t *rpc_error(json_t *id, int code, const char *msg, json_t *data_stolen)
{
    json_t *err = json_pack("{s:i,s:s}", "code", code, "message", msg);
    if (err && data_stolen)
        json_object_set_new(err, "data", data_stolen);
    else
        json_decref(data_stolen);
    return json_pack("{s:s,s:O,s:o}", "jsonrpc", "2.0", "id", id ? id : json_null(), "error", err);
}

static json_t *rpc_result(json_t *id, json_t *result_stolen)
{
    return json_pack("{s:s,s:O,s:o}", "jsonrpc", "2.0", "id", id, "result", result_stolen);
}

static json_t *notification(const char *method, json_t *params_stolen)
{
    return json_pack("{s:s,s:s,s:o}", "jsonrpc", "2.0", "method", method, "params", params_stolen);
}

static int job_cancelled(struct job *j)
{
    pthread_mutex_lock(&j->s->lock);
    int c = j->cancelled;
    pthread_mutex_unlock(&j->s->lock);
    return c;
}

static void cancel_all_locked(struct ep_mcp_server *s)
{
    for (struct job *j = s->inflight; j; j = j->inext)
        if (!j->responded)
            j->cancelled = 1;
    pthread_cond_broadcast(&s->resp);
}

/* Write one serialized message (txt borrowed, NULL = "no reply" marker). */
static int emit_text(struct ep_mcp_server *s, void *origin, const char *txt, size_t len, int last)
{
    int rc = 0, failed_now = 0;
    pthread_mutex_lock(&s->wlock);
    if (s->write_failed) {
        rc = EP_EIO;
    } else if (s->write) {
        if (s->write(s->wctx, origin, txt, txt ? len : 0, last) != 0) {
            s->write_failed = 1;
            failed_now = 1;
            rc = EP_EIO;
        }
    }
    pthread_mutex_unlock(&s->wlock);
    if (failed_now) {
        pthread_mutex_lock(&s->lock);
        cancel_all_locked(s);
        pthread_mutex_unlock(&s->lock);
    }
    return rc;
}

/* Serialize and write one message (msg borrowed, NULL = "no reply" marker). */
static int emit(struct ep_mcp_server *s, void *origin, json_t *msg, int last)
{
    char *txt = NULL;
    if (msg) {
        txt = json_dumps(msg, JSON_COMPACT | JSON_ENCODE_ANY);
        if (!txt) {
            json_t *id = json_object_get(msg, "id");
            json_t *e = rpc_error(id, EP_MCP_INTERNAL_ERROR,
                                  "the response could not be encoded as JSON", NULL);
            txt = e ? json_dumps(e, JSON_COMPACT) : NULL;
            json_decref(e);
            if (!txt)
                return EP_ENOMEM;
        }
    }
    int rc = emit_text(s, origin, txt, txt ? strlen(txt) : 0, last);
    free(txt);
    return rc;
}

/* Write the final response {"jsonrpc":"2.0","id":id,"result":<head><raw>} where head + raw is
 * an already serialized result object (the same bytes json_dumps would give for the object);
 * head may be NULL (headlen 0). */
static int emit_raw_parts(struct ep_mcp_server *s, void *origin, json_t *id, const char *head,
                          size_t headlen, const char *raw, size_t rawlen)
{
    static const char a[] = "{\"jsonrpc\":\"2.0\",\"id\":", b[] = ",\"result\":";
    char *ids = json_dumps(id, JSON_COMPACT | JSON_ENCODE_ANY);
    size_t idn = ids ? strlen(ids) : 0;
    size_t n = sizeof a - 1 + idn + sizeof b - 1 + headlen + rawlen + 1;
    char *t = ids ? malloc(n + 1) : NULL;
    if (!t) {
        free(ids);
        return EP_ENOMEM;
    }
    char *p = t;
    memcpy(p, a, sizeof a - 1);
    p += sizeof a - 1;
    memcpy(p, ids, idn);
    p += idn;
    memcpy(p, b, sizeof b - 1);
    p += sizeof b - 1;
    if (headlen)
        memcpy(p, head, headlen);
    p += headlen;
    memcpy(p, raw, rawlen);
    p += rawlen;
    *p++ = '}';
    *p = 0;
    free(ids);
    int rc = emit_text(s, origin, t, n, 1);
    free(t);
    return rc;
}

static int emit_raw_result(struct ep_mcp_server *s, void *origin, json_t *id, const char *raw,
                           size_t rawlen)
{
    return emit_raw_parts(s, origin, id, NULL, 0, raw, rawlen);
}

/* Deliver the final outcome of one request (msg stolen, NULL = no reply). */
static void deliver(struct ep_mcp_server *s, void *origin, struct batch *b, json_t *msg)
{
    if (!b) {
        emit(s, origin, msg, 1);
        json_decref(msg);
        return;
    }
    json_t *flush = NULL;
    pthread_mutex_lock(&s->lock);
    if (msg)
        json_array_append_new(b->arr, msg);
    int last = --b->refs == 0;
    if (last)
        flush = b->arr;
    pthread_mutex_unlock(&s->lock);
    if (!last)
        return;
    emit(s, b->origin, json_array_size(flush) ? flush : NULL, 1);
    json_decref(flush);
    free(b);
}

static int level_index(const char *name)
{
    for (int i = 0; name && i < NLEVELS; i++)
        if (strcmp(name, ep_mcp_levels[i]) == 0)
            return i;
    return -1;
}

/* min_level: the minimum level index of the request it belongs to (a 2026-07-28 request's own
 * _meta logLevel, -1 = none asked: nothing is sent), or -2 for the session's level (2025:
 * logging/setLevel, and nothing before initialize). */
static void send_log(struct ep_mcp_server *s, void *origin, const char *level, const char *logger,
                     const char *text, int min_level)
{
    int li = level_index(level);
    if (li < 0)
        li = 1;
    int ok;
    if (min_level == -2) {
        pthread_mutex_lock(&s->lock);
        ok = s->version != NULL && li >= s->level;
        pthread_mutex_unlock(&s->lock);
    } else {
        ok = min_level >= 0 && li >= min_level;
    }
    if (!ok)
        return;
    json_t *p = json_pack("{s:s,s:s,s:s}", "level", ep_mcp_levels[li], "logger",
                          logger ? logger : "epintel", "data", text ? text : "");
    json_t *n = p ? notification("notifications/message", p) : NULL;
    if (n)
        emit(s, origin, n, 0);
    json_decref(n);
}

void ep_mcp_log(struct ep_mcp_server *s, const char *level, const char *logger, const char *fmt,
                ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *t = NULL;
    if (vasprintf(&t, fmt, ap) < 0)
        t = NULL;
    va_end(ap);
    if (t && ep_utf8_valid(t, strlen(t)))
        send_log(s, NULL, level, logger, t, -2);
    free(t);
}

/* --------------------------------------------------- tool ctx callbacks */

static void job_progress(void *pctx, double done, double total, const char *message)
{
    struct job *j = pctx;
    if (!j || !j->token || !isfinite(done) || job_cancelled(j))
        return;
    if (j->progress_sent && done <= j->last_progress)
        return; /* progress must increase */
    j->progress_sent = 1;
    j->last_progress = done;
    json_t *p = json_pack("{s:O}", "progressToken", j->token);
    if (!p)
        return;
    if (done == floor(done) && fabs(done) < 9e15)
        json_object_set_new(p, "progress", json_integer((json_int_t)done));
    else
        json_object_set_new(p, "progress", json_real(done));
    if (total > 0 && isfinite(total)) {
        if (total == floor(total) && total < 9e15)
            json_object_set_new(p, "total", json_integer((json_int_t)total));
        else
            json_object_set_new(p, "total", json_real(total));
    }
    if (message && ep_utf8_valid(message, strlen(message)))
        json_object_set_new(p, "message", json_string(message));
    json_t *n = notification("notifications/progress", p);
    if (n)
        emit(j->s, j->origin, n, 0);
    json_decref(n);
}

static void job_log(void *pctx, const char *level, const char *message)
{
    struct job *j = pctx;
    if (!j || !message || !ep_utf8_valid(message, strlen(message)) || job_cancelled(j))
        return;
    send_log(j->s, j->origin, level, "epintel", message, j->modern ? j->log_level : -2);
}

/* ------------------------------------------------------------- methods */

static int version_supported(const char *v, const char **out)
{
    for (size_t i = 0; i < sizeof ep_mcp_versions / sizeof ep_mcp_versions[0]; i++)
        if (v && strcmp(v, ep_mcp_versions[i]) == 0) {
            *out = ep_mcp_versions[i];
            return 1;
        }
    return 0;
}

/* The capabilities the server declares: in initialize (2025) or server/discover (modern = 1,
 * where resources/subscribe no longer exists). New object. */
static json_t *server_caps(const struct ep_mcp_server *s, int modern, const char *version)
{
    json_t *caps = json_pack("{s:{s:b},s:{}}", "tools", "listChanged", 0, "logging");
    if (has_cap(s, CAP_RESOURCES))
        json_object_set_new(caps, "resources",
                            json_pack("{s:b,s:b}", "subscribe",
                                      !modern && s->o.provider->resource_subscribe != NULL,
                                      "listChanged", 0));
    if (has_cap(s, CAP_PROMPTS))
        json_object_set_new(caps, "prompts", json_pack("{s:b}", "listChanged", 0));
    if (has_cap(s, CAP_COMPLETIONS))
        json_object_set_new(caps, "completions", json_object());
    if (has_cap(s, CAP_TASKS) && modern) /* the Tasks extension (SEP-2663) */
        json_object_set_new(caps, "extensions",
                            json_pack("{s:{}}", "io.modelcontextprotocol/tasks"));
    else if (has_cap(s, CAP_TASKS) && version && strcmp(version, "2025-11-25") == 0)
        json_object_set_new(
            caps, "tasks",
            json_pack("{s:{},s:{},s:{s:{s:{}}}}", "list", "cancel", "requests", "tools", "call"));
    return caps;
}

/* server/discover (2026-07-28): the versions, capabilities and instructions; serverInfo and the
 * cache hints are added to every modern result (era_finish). */
static void m_discover(struct ep_mcp_server *s, struct job *j, json_t *params, struct reply *r)
{
    r->result = json_pack("{s:o,s:o}", "supportedVersions", ep_era2026_supported(), "capabilities",
                          server_caps(s, 1, EP_MCP_MODERN_VERSION));
    if (r->result && s->o.instructions)
        json_object_set_new(r->result, "instructions", json_string(s->o.instructions));
    if (!r->result)
        reply_err(r, EP_MCP_INTERNAL_ERROR, "out of memory");
}

static void m_initialize(struct ep_mcp_server *s, struct job *j, json_t *params, struct reply *r)
{
    json_t *pv = json_object_get(params, "protocolVersion");
    if (!json_is_string(pv)) {
        reply_err(r, EP_MCP_INVALID_PARAMS,
                  "initialize: params.protocolVersion must be a string such as \"%s\"",
                  EP_MCP_LATEST_VERSION);
        return;
    }
    const char *v;
    if (!version_supported(json_string_value(pv), &v))
        v = EP_MCP_LATEST_VERSION;
    json_t *ccaps = json_object_get(params, "capabilities");
    pthread_mutex_lock(&s->lock);
    int again = s->version != NULL;
    if (!again) {
        s->version = v;
        if (json_is_object(ccaps))
            s->client_caps = json_deep_copy(ccaps);
    }
    pthread_mutex_unlock(&s->lock);
    if (again) {
        reply_err(r, EP_MCP_INVALID_REQUEST, "initialize: the session is already initialized");
        return;
    }
    json_t *caps = server_caps(s, 0, v);
    json_t *info = json_pack("{s:s,s:s}", "name", s->o.name, "version", s->o.version);
    if (s->o.title && info && strcmp(v, "2025-03-26") != 0)
        json_object_set_new(info, "title", json_string(s->o.title));
    r->result =
        json_pack("{s:s,s:o,s:o}", "protocolVersion", v, "capabilities", caps, "serverInfo", info);
    if (r->result && s->o.instructions)
        json_object_set_new(r->result, "instructions", json_string(s->o.instructions));
    if (!r->result)
        reply_err(r, EP_MCP_INTERNAL_ERROR, "out of memory");
}

static void m_ping(struct ep_mcp_server *s, struct job *j, json_t *params, struct reply *r)
{
    r->result = json_object();
}

static void m_set_level(struct ep_mcp_server *s, struct job *j, json_t *params, struct reply *r)
{
    int li = level_index(json_string_value(json_object_get(params, "level")));
    if (li < 0) {
        reply_err(r, EP_MCP_INVALID_PARAMS,
                  "logging/setLevel: params.level must be one of debug, info, notice, warning, "
                  "error, critical, alert, emergency");
        return;
    }
    pthread_mutex_lock(&s->lock);
    s->level = li;
    pthread_mutex_unlock(&s->lock);
    r->result = json_object();
}

/* Cursor: "c" + hex offset. Returns 0 and *off, or -1 when malformed. */
static int cursor_parse(json_t *c, size_t max, size_t *off)
{
    *off = 0;
    if (!c)
        return 0;
    const char *t = json_string_value(c);
    if (!t || t[0] != 'c' || !t[1] || strlen(t) > 17)
        return -1;
    size_t v = 0;
    for (const char *p = t + 1; *p; p++) {
        int d;
        if (*p >= '0' && *p <= '9')
            d = *p - '0';
        else if (*p >= 'a' && *p <= 'f')
            d = *p - 'a' + 10;
        else
            return -1;
        v = v * 16 + (size_t)d;
    }
    if (v > max)
        return -1;
    *off = v;
    return 0;
}

/* Protocol 2025-03-26 predates the `title` of tools, resources, prompts and implementations,
 * tools' outputSchema, results' structuredContent and resource_link content (all 2025-06-18):
 * a session that negotiated it gets none of them (the tool title moves to annotations.title,
 * which 2025-03-26 has). */
static int legacy(const struct ep_mcp_server *s, const struct job *j)
{
    if (j && j->modern)
        return 0;
    const char *v = s->version;
    return v && strcmp(v, "2025-03-26") == 0;
}

/* Drop "title" from every item of result[key] in a 2025-03-26 session. */
static void legacy_untitle(const struct ep_mcp_server *s, const struct job *j, json_t *result,
                           const char *key)
{
    if (!legacy(s, j))
        return;
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(result, key), i, it) json_object_del(it, "title");
}

static json_t *tool_json(const struct ep_mcp_server *s, const struct job *j,
                         const struct ep_tool *t)
{
    const struct ep_mcp_provider *p = s->o.provider;
    json_t *in = p && p->tool_input_schema ? p->tool_input_schema(p->ctx, t->name) : NULL;
    if (!in)
        in = ep_tools_input_schema(t);
    json_t *ann =
        json_pack("{s:s,s:b,s:b,s:b}", "title", t->title, "readOnlyHint", t->read_only != 0,
                  "idempotentHint", t->idempotent != 0, "openWorldHint", t->open_world != 0);
    if (legacy(s, j))
        return json_pack("{s:s,s:s,s:O,s:o}", "name", t->name, "description", t->description,
                         "inputSchema", in, "annotations", ann);
    json_t *o = json_pack("{s:s,s:s,s:s,s:O,s:o}", "name", t->name, "title", t->title,
                          "description", t->description, "inputSchema", in, "annotations", ann);
    json_t *out = ep_tools_output_schema(t);
    if (o && out)
        json_object_set(o, "outputSchema", out);
    if (o && !(j && j->modern) && s->version && strcmp(s->version, "2025-11-25") == 0 &&
        ep_tasks_supports(s->o.tasks, t->name)) /* experimental tasks of 2025-11-25 */
        json_object_set_new(o, "execution", json_pack("{s:s}", "taskSupport", "optional"));
    const char *ui = ep_ui_res_tool_uri(t->name); /* MCP Apps: the tool's view (ep_ui_res.h) */
    if (o && ui)
        json_object_set_new(o, "_meta", json_pack("{s:{s:s}}", "ui", "resourceUri", ui));
    return o;
}

/* Append a JSON string as json_dumps writes it; -1 on ENOMEM. */
static int buf_jstr(struct ep_buf *b, const char *v)
{
    json_t *js = json_string(v ? v : "");
    char *t = js ? json_dumps(js, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
    int rc = t ? ep_buf_append(b, t, strlen(t)) : -1;
    free(t);
    json_decref(js);
    return rc;
}

/* tool_json(s, t) serialized (JSON_COMPACT), spliced from the schemas' compact text
 * (ep_tools_schema_text: embedded at build time, so nothing is parsed): the same bytes, without
 * parsing and dumping ~500 KB of schemas in a cold process. 1 when the tool has no usable
 * inputSchema (tool_json gives NULL and the tool is left out), -1 on ENOMEM. */
static int tool_text(const struct ep_mcp_server *s, const struct job *j, const struct ep_tool *t,
                     struct ep_buf *b)
{
    size_t in_len = 0, out_len = 0;
    const char *in = ep_tools_schema_text(t, 0, &in_len);
    const char *out = legacy(s, j) ? NULL : ep_tools_schema_text(t, 1, &out_len);
    if (!in)
        return 1;
    int rc = ep_buf_append(b, "{\"name\":", 8) || buf_jstr(b, t->name);
    if (!legacy(s, j))
        rc = rc || ep_buf_append(b, ",\"title\":", 9) || buf_jstr(b, t->title);
    rc = rc || ep_buf_append(b, ",\"description\":", 15) || buf_jstr(b, t->description) ||
         ep_buf_append(b, ",\"inputSchema\":", 15) || ep_buf_append(b, in, in_len) ||
         ep_buf_append(b, ",\"annotations\":{\"title\":", 24) || buf_jstr(b, t->title) ||
         ep_buf_printf(b, ",\"readOnlyHint\":%s,\"idempotentHint\":%s,\"openWorldHint\":%s}",
                       t->read_only ? "true" : "false", t->idempotent ? "true" : "false",
                       t->open_world ? "true" : "false");
    if (out)
        rc = rc || ep_buf_append(b, ",\"outputSchema\":", 16) || ep_buf_append(b, out, out_len);
    if (!(j && j->modern) && s->version && strcmp(s->version, "2025-11-25") == 0 &&
        ep_tasks_supports(s->o.tasks, t->name)) /* experimental tasks of 2025-11-25 */
    {
        static const char exec[] = ",\"execution\":{\"taskSupport\":\"optional\"}";
        rc = rc || ep_buf_append(b, exec, sizeof exec - 1);
    }
    const char *ui = legacy(s, j) ? NULL : ep_ui_res_tool_uri(t->name); /* as in tool_json */
    if (ui)
        rc = rc || ep_buf_append(b, ",\"_meta\":{\"ui\":{\"resourceUri\":", 30) ||
             buf_jstr(b, ui) || ep_buf_append(b, "}}", 2);
    return rc || ep_buf_putc(b, '}') ? -1 : 0;
}

static int tool_visible(const struct ep_mcp_server *s, struct job *j, size_t i)
{
    return !s->o.tool_visible ||
           s->o.tool_visible(s->o.tool_visible_ctx, j->origin, ep_tools_at(s->o.tools, i)->name);
}

/* One page of tools/list as raw bytes: {"tools":[...],"nextCursor":"c.."} exactly as
 * json_dumps(JSON_COMPACT) of the page m_tools_list builds otherwise (test_mcp compares them). */
static void tools_list_raw(struct ep_mcp_server *s, struct job *j, size_t off, struct reply *r)
{
    size_t n = ep_tools_count(s->o.tools), i = off, listed = 0;
    struct ep_buf b;
    ep_buf_init(&b, (size_t)1 << 30);
    int rc = ep_buf_append(&b, "{\"tools\":[", 10);
    for (; i < n && listed < (size_t)s->o.page_size && !rc; i++) {
        if (!tool_visible(s, j, i))
            continue;
        size_t mark = b.len;
        if (listed && ep_buf_putc(&b, ',')) {
            rc = -1;
            break;
        }
        int t = tool_text(s, j, ep_tools_at(s->o.tools, i), &b);
        if (t < 0)
            rc = -1;
        else if (t > 0)
            b.len = mark; /* left out, as tool_json's NULL is */
        else
            listed++;
    }
    size_t next = i;
    while (next < n && !tool_visible(s, j, next))
        next++;
    rc = rc || ep_buf_putc(&b, ']');
    if (next < n)
        rc = rc || ep_buf_printf(&b, ",\"nextCursor\":\"c%zx\"", next);
    rc = rc || ep_buf_putc(&b, '}');
    if (rc) {
        ep_buf_free(&b);
        reply_err(r, EP_MCP_INTERNAL_ERROR, "out of memory");
        return;
    }
    r->rawlen = b.len;
    r->raw = ep_buf_steal(&b);
}

/* One page of the tools visible to the caller. The cursor is "c" + the hex index in the tool
 * table where the next page starts, so hidden tools take no room on a page. */
static void m_tools_list(struct ep_mcp_server *s, struct job *j, json_t *params, struct reply *r)
{
    size_t n = ep_tools_count(s->o.tools), off;
    json_t *c = json_object_get(params, "cursor");
    if (cursor_parse(json_is_null(c) ? NULL : c, n, &off)) {
        reply_err(r, EP_MCP_INVALID_PARAMS,
                  "tools/list: invalid cursor; pass the nextCursor of a previous tools/list "
                  "result, or no cursor for the first page");
        return;
    }
    const struct ep_mcp_provider *p = s->o.provider;
    if (!(p && p->tool_input_schema)) { /* no per-tool schema override: splice the text */
        tools_list_raw(s, j, off, r);
        return;
    }
    json_t *arr = json_array();
    size_t i = off, listed = 0;
    for (; i < n && listed < (size_t)s->o.page_size; i++)
        if (tool_visible(s, j, i)) {
            json_array_append_new(arr, tool_json(s, j, ep_tools_at(s->o.tools, i)));
            listed++;
        }
    size_t next = i;
    while (next < n && !tool_visible(s, j, next))
        next++;
    r->result = json_pack("{s:o}", "tools", arr);
    if (r->result && next < n) {
        char cur[32];
        snprintf(cur, sizeof cur, "c%zx", next);
        json_object_set_new(r->result, "nextCursor", json_string(cur));
    }
    if (!r->result)
        reply_err(r, EP_MCP_INTERNAL_ERROR, "out of memory");
}

/* --state: the key material of a tools/call in the result cache the replicas share, or NULL
 * when the call is not shared (no --state, a 2025-03-26 session whose bytes differ, a tool that
 * is not cacheable, a store without content marker). Execution lock held (SQL): "version, tool,
 * canonical arguments, the store's content (ep_derived_content: unit count, last unit and its
 * SHA-256, the same for every copy of the same data wherever it is)". */
static char *shared_key(struct ep_mcp_server *s, struct job *j, const char *name, json_t *args)
{
    const struct ep_tool *t = name ? ep_tools_find(s->o.tools, name) : NULL;
    if (!s->o.rcache || legacy(s, j) || !t || t->cache_ttl_s <= 0 || !t->read_only ||
        !t->idempotent || !s->o.ctx.store || getenv("EPINTEL_NO_RESULT_CACHE"))
        return NULL;
    char content[256];
    struct ep_error e = {0};
    if (ep_derived_content(s->o.ctx.store, content, sizeof content, &e))
        return NULL;
    char *canon = ep_tools_canonical_args(args);
    char *k = NULL;
    if (canon &&
        asprintf(&k, "%s\n%s\n%s\n%s", s->o.version ? s->o.version : "", name, canon, content) < 0)
        k = NULL;
    free(canon);
    return k;
}

/* A shared call's result from the process's own cache (execution lock held), its generation
 * confirmed now: 1 with r->raw set, or 0 (then ask Redis). */
static int shared_local(struct ep_tools *ts, const struct ep_tool_ctx *ctx, const char *name,
                        json_t *args, struct reply *r)
{
    ep_tools_cache_confirm(ts, ctx);
    char *canon = ep_tools_canonical_args(args);
    struct ep_tools_blob *b = canon ? ep_tools_cache_peek(ts, name, canon) : NULL;
    free(canon);
    if (b) {
        r->raw = malloc(b->len + 1);
        if (r->raw) {
            memcpy(r->raw, b->data, b->len + 1);
            r->rawlen = b->len;
        }
        ep_tools_blob_unref(b);
    }
    return r->raw != NULL;
}

/* A shared call's result from a cache, the execution lock held: the process's own, else Redis
 * (outside the execution lock: the other calls go on meanwhile). "local" or "redis" with r->raw
 * set, or NULL; *locked = 0 when it returns without the lock. */
static const char *shared_lookup(struct ep_mcp_server *s, const struct ep_tool_ctx *ctx,
                                 const char *name, json_t *args, const char *key, struct reply *r,
                                 int *locked)
{
    if (shared_local(s->o.tools, ctx, name, args, r))
        return "local";
    pthread_mutex_unlock(&ep_mcp_exec_lock);
    if (ep_state_cache_get(s->o.rcache, key, &r->raw, &r->rawlen)) {
        *locked = 0;
        return "redis";
    }
    pthread_mutex_lock(&ep_mcp_exec_lock);
    return NULL;
}

struct shared {
    char *key; /* shared_key, or NULL */
    int ttl;   /* the tool row's cache TTL */
    int store; /* the result was computed here and may be shared */
};

static void tools_call_run(struct ep_mcp_server *s, struct job *j, json_t *params, struct reply *r,
                           struct shared *sh);

/* After a computation (execution lock held): the result is shared only when the store's content
 * (another process may ingest or sync into it at any time) is still the one in the key, so that
 * the result is that content's; else sh->key is dropped. */
static void shared_recheck(struct ep_mcp_server *s, struct job *j, const char *name, json_t *args,
                           struct shared *sh)
{
    char *now = shared_key(s, j, name, args);
    if (!now || strcmp(now, sh->key) != 0) {
        free(sh->key);
        sh->key = NULL;
    }
    free(now);
}

static void m_tools_call(struct ep_mcp_server *s, struct job *j, json_t *params, struct reply *r)
{
    struct shared sh = {0};
    tools_call_run(s, j, params, r, &sh);
    if (sh.key && sh.store && r->raw)
        ep_state_cache_put(s->o.rcache, sh.key, r->raw, r->rawlen, sh.ttl);
    free(sh.key);
}

static void tools_call_run(struct ep_mcp_server *s, struct job *j, json_t *params, struct reply *r,
                           struct shared *sh)
{
    const char *name = json_string_value(json_object_get(params, "name"));
    json_t *args = json_object_get(params, "arguments");
    if (json_is_null(args))
        args = NULL;
    struct ep_tool_ctx ctx = s->o.ctx;
    ctx.progress = job_progress;
    ctx.log = job_log;
    ctx.pctx = j;
    ctx.cancelled = &j->cancelled;
    /* the deadline runs from here: the wait for the execution mutex counts */
    ctx.deadline = s->o.tool_timeout_s > 0 ? ep_now() + s->o.tool_timeout_s : 0;
    struct ep_error e = {0};
    json_t *res = NULL;
    /* the tool's span, a child of the request's; current while it runs, so that its upstream
     * requests (engine/ep_fetch.c) are its children */
    struct ep_trace_span ts;
    char tname[96];
    snprintf(tname, sizeof tname, "tools/call %s", name ? name : "");
    ep_trace_begin(&ts, tname, EP_TRACE_INTERNAL, &j->trace, 0);
    const struct ep_trace_ctx *tprev = ep_trace_swap(ts.ctx.valid ? &ts.ctx : NULL);
    /* a tool that reaches only the EP API runs beside the others, under its pipeline's lock:
     * a slow upstream holds back no store tool (ep_tools_exclusive) */
    int excl = ep_tools_exclusive(s->o.tools, name);
    if (excl)
        pthread_mutex_lock(&ep_mcp_exec_lock);
    /* the EP-API-only tools run without the execution lock, so without SQL: not shared */
    int locked = excl;
    sh->key = excl ? shared_key(s, j, name, args) : NULL;
    const char *from = sh->key ? shared_lookup(s, &ctx, name, args, sh->key, r, &locked) : NULL;
    int rc = from ? 0 : ep_tools_call(s->o.tools, &ctx, name, args, &res, &e);
    if (sh->key && !from && rc == 0)
        shared_recheck(s, j, name, args, sh);
    if (locked)
        pthread_mutex_unlock(&ep_mcp_exec_lock);
    ep_trace_swap(tprev);
    ep_trace_attr_str(&ts, "epintel.tool", name);
    if (from) { /* the bytes a computation would have given (stored in the same form) */
        ep_trace_attr_str(&ts, "epintel.tool.cache", from);
        ep_trace_end(&ts);
        if (s->o.cache_note)
            s->o.cache_note(j->origin, from);
        return;
    }
    if (sh->key && rc == 0 && !json_is_true(json_object_get(res, "degraded"))) {
        sh->ttl = ep_tools_find(s->o.tools, name)->cache_ttl_s;
        sh->store = 1; /* if it ends as bytes (r->raw) */
    }
    if (rc)
        ep_trace_error(&ts, e.msg[0] ? e.msg : ep_strerror(rc));
    ep_trace_end(&ts);
    if (job_cancelled(j)) {
        json_decref(res);
        r->none = 1;
        return;
    }
    if (rc == EP_ENOTFOUND && !ep_tools_find(s->o.tools, name)) {
        reply_err(r, EP_MCP_INVALID_PARAMS, "unknown tool \"%s\"; call tools/list for the names",
                  name);
        return;
    }
    const struct ep_tool *tool = ep_tools_find(s->o.tools, name);
    if (rc == 0 && tool && !ep_tools_output_schema(tool) &&
        json_is_array(json_object_get(res, "content"))) {
        /* a complete CallToolResult from a tool without outputSchema */
        json_t *ie = json_object_get(res, "isError");
        json_t *out = json_pack("{s:O,s:b}", "content", json_object_get(res, "content"), "isError",
                                json_is_true(ie));
        json_decref(res);
        r->raw = out ? json_dumps(out, JSON_COMPACT) : NULL;
        json_decref(out);
        if (!r->raw)
            reply_err(r, EP_MCP_INTERNAL_ERROR, "out of memory");
        else
            r->rawlen = strlen(r->raw);
    } else if (rc == 0 &&
               json_array_size(json_object_get(json_object_get(res, "artefacts"), "items"))) {
        /* rendered files: resource links, small PNGs inline (tools/ep_artefact.h); such results
         * are not cached, so they are built as JSON */
        char *dump = json_dumps(res, JSON_COMPACT);
        r->result = dump ? json_pack("{s:[{s:s,s:s}],s:b}", "content", "type", "text", "text", dump,
                                     "isError", 0)
                         : NULL;
        free(dump);
        if (!r->result) {
            json_decref(res);
            reply_err(r, EP_MCP_INTERNAL_ERROR, "tool \"%s\": result could not be encoded", name);
            return;
        }
        json_t *content = json_object_get(r->result, "content");
        ep_artefact_content(res, s->o.ctx.out_dir, ep_artefact_inline_max(), content);
        if (legacy(s, j)) { /* no resource_link content and no structuredContent in 2025-03-26 */
            json_t *link = json_string("resource_link");
            for (size_t i = json_array_size(content); i-- > 0;)
                if (json_equal(json_object_get(json_array_get(content, i), "type"), link))
                    json_array_remove(content, i);
            json_decref(link);
            json_decref(res);
            return;
        }
        json_object_set_new(r->result, "structuredContent", res);
        return;
    } else if (rc == 0) {
        /* {"content":[{"type":"text","text":<dump as a string>}],"structuredContent":<dump>,
         * "isError":false}, built from one serialization of the result */
        char *dump = json_dumps(res, JSON_COMPACT);
        json_t *str = dump ? json_stringn_nocheck(dump, strlen(dump)) : NULL;
        char *esc = str ? json_dumps(str, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
        json_decref(str);
        json_decref(res);
        int plain = legacy(s, j); /* no structuredContent in 2025-03-26 */
        if (esc && asprintf(&r->raw,
                            "{\"content\":[{\"type\":\"text\",\"text\":%s}],%s%s%s"
                            "\"isError\":false}",
                            esc, plain ? "" : "\"structuredContent\":", plain ? "" : dump,
                            plain ? "" : ",") < 0)
            r->raw = NULL;
        free(esc);
        free(dump);
        if (!r->raw) {
            reply_err(r, EP_MCP_INTERNAL_ERROR, "tool \"%s\": result could not be encoded", name);
            return;
        }
        r->rawlen = strlen(r->raw);
    } else {
        const char *text = e.msg[0] ? e.msg : ep_strerror(rc);
        r->result =
            json_pack("{s:[{s:s,s:s}],s:b}", "content", "type", "text", "text", text, "isError", 1);
        if (!r->result)
            reply_err(r, EP_MCP_INTERNAL_ERROR, "out of memory");
        return;
    }
    if (r->raw && !legacy(s, j)) { /* later identical calls are answered from these bytes
                                    * (handle_object; 2025-06-18 and later sessions) */
        char *canon = ep_tools_canonical_args(args);
        if (canon)
            ep_tools_cache_attach(s->o.tools, name, canon, r->raw, r->rawlen);
        free(canon);
    }
}

/* Provider methods. */

static int opt_cursor(json_t *params, const char **cursor, struct reply *r, const char *m)
{
    json_t *c = json_object_get(params, "cursor");
    *cursor = NULL;
    if (!c || json_is_null(c))
        return 0;
    if (!json_is_string(c)) {
        reply_err(r, EP_MCP_INVALID_PARAMS, "%s: params.cursor must be a string", m);
        return -1;
    }
    *cursor = json_string_value(c);
    return 0;
}

static void finish_provider(struct reply *r, int rc, json_t *res, struct ep_error *e, const char *m,
                            int notfound_is_resource)
{
    if (rc == 0 && !json_is_object(res)) {
        json_decref(res);
        reply_err(r, EP_MCP_INTERNAL_ERROR, "%s: the provider returned no result object", m);
        return;
    }
    if (rc) {
        json_decref(res);
        if (rc == EP_ENOTFOUND && !notfound_is_resource)
            rc = EP_EINVAL;
        reply_ep(r, rc, e);
        return;
    }
    r->result = res;
}

static void m_resources_list(struct ep_mcp_server *s, struct job *j, json_t *params,
                             struct reply *r)
{
    const char *cur;
    if (opt_cursor(params, &cur, r, "resources/list"))
        return;
    const struct ep_mcp_provider *p = s->o.provider;
    struct ep_error e = {0};
    json_t *res = NULL;
    int rc;
    if (p->resources_list) {
        pthread_mutex_lock(&ep_mcp_exec_lock);
        rc = p->resources_list(p->ctx, cur, &res, &e);
        pthread_mutex_unlock(&ep_mcp_exec_lock);
    } else {
        rc = 0;
        res = json_pack("{s:[]}", "resources");
    }
    finish_provider(r, rc, res, &e, "resources/list", 0);
    legacy_untitle(s, j, r->result, "resources");
}

static void m_templates_list(struct ep_mcp_server *s, struct job *j, json_t *params,
                             struct reply *r)
{
    const char *cur;
    if (opt_cursor(params, &cur, r, "resources/templates/list"))
        return;
    const struct ep_mcp_provider *p = s->o.provider;
    struct ep_error e = {0};
    json_t *res = NULL;
    int rc;
    if (p->resource_templates_list) {
        pthread_mutex_lock(&ep_mcp_exec_lock);
        rc = p->resource_templates_list(p->ctx, cur, &res, &e);
        pthread_mutex_unlock(&ep_mcp_exec_lock);
    } else {
        rc = 0;
        res = json_pack("{s:[]}", "resourceTemplates");
    }
    finish_provider(r, rc, res, &e, "resources/templates/list", 0);
    legacy_untitle(s, j, r->result, "resourceTemplates");
}

static void m_resources_read(struct ep_mcp_server *s, struct job *j, json_t *params,
                             struct reply *r)
{
    const char *uri = json_string_value(json_object_get(params, "uri"));
    if (!uri) {
        reply_err(r, EP_MCP_INVALID_PARAMS, "resources/read: params.uri must be a string");
        return;
    }
    const struct ep_mcp_provider *p = s->o.provider;
    struct ep_error e = {0};
    json_t *res = NULL;
    int rc;
    if (strncmp(uri, EP_ARTEFACT_URI_PREFIX, strlen(EP_ARTEFACT_URI_PREFIX)) == 0) {
        /* a rendered file, from this session's output directory (its principal's own folder
         * over HTTP with authentication); no store access, so no execution lock */
        rc = ep_artefact_read(s->o.ctx.out_dir, uri, &res, &e);
    } else if (p->resource_read) {
        pthread_mutex_lock(&ep_mcp_exec_lock);
        rc = p->resource_read(p->ctx, uri, &res, &e);
        pthread_mutex_unlock(&ep_mcp_exec_lock);
    } else {
        rc = EP_ENOTFOUND;
    }
    if (rc == EP_ENOTFOUND) {
        json_decref(res);
        reply_err(r, EP_MCP_RESOURCE_NOT_FOUND, "Resource not found: %s", uri);
        r->data = json_pack("{s:s}", "uri", uri);
        return;
    }
    finish_provider(r, rc, res, &e, "resources/read", 1);
}

static void m_prompts_list(struct ep_mcp_server *s, struct job *j, json_t *params, struct reply *r)
{
    const char *cur;
    if (opt_cursor(params, &cur, r, "prompts/list"))
        return;
    const struct ep_mcp_provider *p = s->o.provider;
    struct ep_error e = {0};
    json_t *res = NULL;
    int rc;
    if (p->prompts_list) {
        pthread_mutex_lock(&ep_mcp_exec_lock);
        rc = p->prompts_list(p->ctx, cur, &res, &e);
        pthread_mutex_unlock(&ep_mcp_exec_lock);
    } else {
        rc = 0;
        res = json_pack("{s:[]}", "prompts");
    }
    finish_provider(r, rc, res, &e, "prompts/list", 0);
    legacy_untitle(s, j, r->result, "prompts");
}

static void m_prompts_get(struct ep_mcp_server *s, struct job *j, json_t *params, struct reply *r)
{
    const char *name = json_string_value(json_object_get(params, "name"));
    json_t *args = json_object_get(params, "arguments");
    if (!name) {
        reply_err(r, EP_MCP_INVALID_PARAMS, "prompts/get: params.name must be a string");
        return;
    }
    if (args && !json_is_null(args) && !json_is_object(args)) {
        reply_err(r, EP_MCP_INVALID_PARAMS,
                  "prompts/get: params.arguments must be an object of strings");
        return;
    }
    const char *k;
    json_t *v;
    json_object_foreach(args, k, v)
    {
        if (!json_is_string(v)) {
            reply_err(r, EP_MCP_INVALID_PARAMS, "prompts/get: argument \"%s\" must be a string", k);
            return;
        }
    }
    const struct ep_mcp_provider *p = s->o.provider;
    if (!p->prompt_get) {
        reply_err(r, EP_MCP_INVALID_PARAMS, "prompts/get: unknown prompt \"%s\"", name);
        return;
    }
    json_t *own = json_is_object(args) ? json_incref(args) : json_object();
    struct ep_error e = {0};
    json_t *res = NULL;
    pthread_mutex_lock(&ep_mcp_exec_lock);
    int rc = p->prompt_get(p->ctx, name, own, &res, &e);
    pthread_mutex_unlock(&ep_mcp_exec_lock);
    json_decref(own);
    finish_provider(r, rc, res, &e, "prompts/get", 0);
}

static void subscribe(struct ep_mcp_server *s, json_t *params, struct reply *r, int on)
{
    const char *m = on ? "resources/subscribe" : "resources/unsubscribe";
    const char *uri = json_string_value(json_object_get(params, "uri"));
    if (!uri) {
        reply_err(r, EP_MCP_INVALID_PARAMS, "%s: params.uri must be a string", m);
        return;
    }
    const struct ep_mcp_provider *p = s->o.provider;
    struct ep_error e = {0};
    pthread_mutex_lock(&ep_mcp_exec_lock);
    int rc = p->resource_subscribe(p->ctx, uri, on, &e);
    pthread_mutex_unlock(&ep_mcp_exec_lock);
    if (rc == EP_ENOTFOUND) {
        reply_err(r, EP_MCP_RESOURCE_NOT_FOUND, "Resource not found: %s", uri);
        r->data = json_pack("{s:s}", "uri", uri);
        return;
    }
    finish_provider(r, rc, rc ? NULL : json_object(), &e, m, 1);
}

static void m_subscribe(struct ep_mcp_server *s, struct job *j, json_t *params, struct reply *r)
{
    subscribe(s, params, r, 1);
}

static void m_unsubscribe(struct ep_mcp_server *s, struct job *j, json_t *params, struct reply *r)
{
    subscribe(s, params, r, 0);
}

static void m_complete(struct ep_mcp_server *s, struct job *j, json_t *params, struct reply *r)
{
    json_t *ref = json_object_get(params, "ref");
    json_t *arg = json_object_get(params, "argument");
    const char *rt = json_string_value(json_object_get(ref, "type"));
    const char *an = json_string_value(json_object_get(arg, "name"));
    const char *av = json_string_value(json_object_get(arg, "value"));
    if (!rt || (strcmp(rt, "ref/prompt") && strcmp(rt, "ref/resource"))) {
        reply_err(r, EP_MCP_INVALID_PARAMS,
                  "completion/complete: params.ref.type must be \"ref/prompt\" or "
                  "\"ref/resource\"");
        return;
    }
    if (!an || !av) {
        reply_err(r, EP_MCP_INVALID_PARAMS,
                  "completion/complete: params.argument needs string name and value");
        return;
    }
    json_t *ctxargs = json_object_get(json_object_get(params, "context"), "arguments");
    json_t *own = json_is_object(ctxargs) ? json_incref(ctxargs) : json_object();
    const struct ep_mcp_provider *p = s->o.provider;
    struct ep_error e = {0};
    json_t *vals = NULL;
    pthread_mutex_lock(&ep_mcp_exec_lock);
    int rc = p->complete(p->ctx, ref, an, av, own, &vals, &e);
    pthread_mutex_unlock(&ep_mcp_exec_lock);
    json_decref(own);
    if (rc) {
        json_decref(vals);
        reply_ep(r, rc == EP_ENOTFOUND ? EP_EINVAL : rc, &e);
        return;
    }
    json_t *out = json_array();
    size_t i, total = 0;
    json_t *v;
    json_array_foreach(vals, i, v)
    {
        if (!json_is_string(v))
            continue;
        if (total < 100)
            json_array_append(out, v);
        total++;
    }
    json_decref(vals);
    r->result = json_pack("{s:{s:o,s:I,s:b}}", "completion", "values", out, "total",
                          (json_int_t)total, "hasMore", total > 100);
    if (!r->result)
        reply_err(r, EP_MCP_INTERNAL_ERROR, "out of memory");
}

/* ------------------------------------------------------------- tasks */

static const char *principal_of(const struct ep_mcp_server *s)
{
    return s->o.principal ? s->o.principal : "";
}

/* A task in its era's shape: the Tasks extension of 2026-07-28 (detailed: with the result or
 * error of a terminal task, as tasks/get gives it) or the experimental tasks of 2025-11-25. */
static json_t *task_json(const struct ep_task_view *v, int modern, int detailed)
{
    json_t *o = json_pack("{s:s,s:s,s:s,s:s}", "taskId", v->id, "status", v->status, "createdAt",
                          v->created_at, "lastUpdatedAt", v->updated_at);
    if (!o)
        return NULL;
    if (v->message[0])
        json_object_set_new(o, "statusMessage", json_string(v->message));
    json_object_set_new(o, modern ? "ttlMs" : "ttl", json_integer(v->ttl_ms));
    json_object_set_new(o, modern ? "pollIntervalMs" : "pollInterval",
                        json_integer(EP_TASKS_POLL_MS));
    if (detailed && modern && v->result && strcmp(v->status, "completed") == 0)
        json_object_set(o, "result", v->result);
    if (detailed && modern && v->error && strcmp(v->status, "failed") == 0)
        json_object_set(o, "error", v->error);
    return o;
}

static json_t *task_json_legacy(const struct ep_task_view *v)
{
    return task_json(v, 0, 0);
}

static const char *task_id_param(json_t *params, struct reply *r, const char *m)
{
    const char *id = json_string_value(json_object_get(params, "taskId"));
    if (!id)
        reply_err(r, EP_MCP_INVALID_PARAMS,
                  "%s: params.taskId must be the string a task was created with", m);
    return id;
}

/* A tools/call made a task: create it (durably) and answer its handle. */
static json_t *task_create(struct ep_mcp_server *s, int modern, const char *tool, json_t *args,
                           long ttl_ms, struct ep_error *e)
{
    struct ep_task_view v;
    if (ep_tasks_create(s->o.tasks, principal_of(s), s->o.ctx.out_dir, tool, args, ttl_ms, &v, e))
        return NULL;
    json_t *t = task_json(&v, modern, 0);
    ep_task_view_clear(&v);
    if (!t || !modern)
        return t ? json_pack("{s:o}", "task", t) : NULL;
    json_object_set_new(t, "resultType", json_string("task"));
    if (ep_era2026_decorate(t, "tools/call", s->o.name, s->o.version, s->o.cache_private)) {
        json_decref(t);
        return NULL;
    }
    return t;
}

/* The task params.taskId of the caller into v: 0, or -1 with r holding the error (-32602 for
 * an unknown task or another principal's). */
static int task_load(struct ep_mcp_server *s, json_t *params, struct reply *r, const char *m,
                     struct ep_task_view *v)
{
    const char *id = task_id_param(params, r, m);
    if (!id)
        return -1;
    struct ep_error e = {0};
    int rc = ep_tasks_get(s->o.tasks, principal_of(s), id, v, &e);
    if (rc)
        reply_ep(r, rc == EP_ENOTFOUND ? EP_EINVAL : rc, &e);
    return rc ? -1 : 0;
}

static void m_tasks_get(struct ep_mcp_server *s, struct job *j, json_t *params, struct reply *r)
{
    struct ep_task_view v;
    if (task_load(s, params, r, "tasks/get", &v))
        return;
    r->result = task_json(&v, j->modern, 1);
    if (r->result && j->modern) /* how often it was started: 1 + resumptions after a stop */
        json_object_set_new(r->result, "_meta", json_pack("{s:i}", "io.epintel/runs", v.runs));
    ep_task_view_clear(&v);
    if (!r->result)
        reply_err(r, EP_MCP_INTERNAL_ERROR, "out of memory");
}

/* 2026-07-28: an empty acknowledgement (also for a task already terminal: cancellation is
 * cooperative); 2025-11-25: the cancelled task, -32602 for a terminal one. */
static void m_tasks_cancel(struct ep_mcp_server *s, struct job *j, json_t *params, struct reply *r)
{
    const char *id = task_id_param(params, r, "tasks/cancel");
    if (!id)
        return;
    struct ep_task_view v;
    struct ep_error e = {0};
    int rc = ep_tasks_cancel(s->o.tasks, principal_of(s), id, &v, &e);
    if (rc == EP_ENOTFOUND || (rc && !(rc == EP_EINVAL && j->modern))) {
        if (rc == EP_EINVAL)
            ep_task_view_clear(&v);
        reply_ep(r, rc == EP_ENOTFOUND ? EP_EINVAL : rc, &e);
        return;
    }
    r->result = j->modern ? json_object() : task_json(&v, 0, 0);
    ep_task_view_clear(&v);
    if (!r->result)
        reply_err(r, EP_MCP_INTERNAL_ERROR, "out of memory");
}

/* 2026-07-28: epintel's tasks never ask for input (no input_required), so there is nothing to
 * update: an acknowledgement for a known task. */
static void m_tasks_update(struct ep_mcp_server *s, struct job *j, json_t *params, struct reply *r)
{
    struct ep_task_view v;
    if (task_load(s, params, r, "tasks/update", &v))
        return;
    ep_task_view_clear(&v);
    r->result = json_object();
}

/* 2025-11-25 tasks/list: the principal's tasks, newest first, 50 a page (cursor "c" + hex). */
static void m_tasks_list(struct ep_mcp_server *s, struct job *j, json_t *params, struct reply *r)
{
    size_t off;
    json_t *c = json_object_get(params, "cursor");
    if (cursor_parse(json_is_null(c) ? NULL : c, (size_t)1 << 40, &off)) {
        reply_err(r, EP_MCP_INVALID_PARAMS,
                  "tasks/list: invalid cursor; pass the nextCursor of a previous tasks/list "
                  "result, or no cursor for the first page");
        return;
    }
    json_t *items = NULL;
    int more = 0;
    struct ep_error e = {0};
    int rc = ep_tasks_list(s->o.tasks, principal_of(s), (long)off, 50, task_json_legacy, &items,
                           &more, &e);
    if (rc) {
        json_decref(items);
        reply_ep(r, rc, &e);
        return;
    }
    r->result = json_pack("{s:o}", "tasks", items);
    if (r->result && more) {
        char cur[32];
        snprintf(cur, sizeof cur, "c%zx", off + 50);
        json_object_set_new(r->result, "nextCursor", json_string(cur));
    }
    if (!r->result)
        reply_err(r, EP_MCP_INTERNAL_ERROR, "out of memory");
}

/* 2025-11-25 tasks/result: wait for a terminal status, then answer what the tools/call would
 * have answered (in the 2025 shape, with the related-task _meta), or its error. */
static void m_tasks_result(struct ep_mcp_server *s, struct job *j, json_t *params, struct reply *r)
{
    const char *id = task_id_param(params, r, "tasks/result");
    if (!id)
        return;
    struct ep_task_view v;
    struct ep_error e = {0};
    for (;;) {
        int rc = ep_tasks_get(s->o.tasks, principal_of(s), id, &v, &e);
        if (rc) {
            reply_ep(r, rc == EP_ENOTFOUND ? EP_EINVAL : rc, &e);
            return;
        }
        if (ep_task_terminal(&v))
            break;
        ep_task_view_clear(&v);
        if (job_cancelled(j)) {
            r->none = 1;
            return;
        }
        struct timespec ts = {0, 200 * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (strcmp(v.status, "completed") == 0 && json_is_object(v.result)) {
        json_t *res = json_deep_copy(v.result);
        json_object_del(res, "resultType");
        json_t *meta = json_object_get(res, "_meta");
        json_object_del(meta, EP_META_SERVER_INFO);
        if (!json_is_object(meta)) {
            meta = json_object();
            json_object_set_new(res, "_meta", meta);
        }
        json_object_set_new(meta, "io.modelcontextprotocol/related-task",
                            json_pack("{s:s}", "taskId", v.id));
        r->result = res;
    } else if (strcmp(v.status, "failed") == 0 && json_is_object(v.error)) {
        json_t *c = json_object_get(v.error, "code");
        const char *m = json_string_value(json_object_get(v.error, "message"));
        reply_err(r, json_is_integer(c) ? (int)json_integer_value(c) : EP_MCP_INTERNAL_ERROR, "%s",
                  m ? m : "the task failed");
        json_t *d = json_object_get(v.error, "data");
        r->data = d ? json_incref(d) : NULL;
    } else {
        reply_err(r, EP_MCP_INVALID_PARAMS, "task %s was %s: it has no result", v.id, v.status);
    }
    ep_task_view_clear(&v);
}

static const struct method ep_mcp_methods[] = {
    {"initialize", m_initialize, M_PREINIT | M_LEGACY, CAP_NONE},
    {"ping", m_ping, M_PREINIT | M_LEGACY, CAP_NONE},
    {"logging/setLevel", m_set_level, M_LEGACY, CAP_NONE},
    {"server/discover", m_discover, M_MODERN, CAP_NONE},
    {"tools/list", m_tools_list, 0, CAP_NONE},
    {"tools/call", m_tools_call, M_ASYNC, CAP_NONE},
    {"resources/list", m_resources_list, M_ASYNC, CAP_RESOURCES},
    {"resources/templates/list", m_templates_list, M_ASYNC, CAP_RESOURCES},
    {"resources/read", m_resources_read, M_ASYNC, CAP_RESOURCES},
    {"resources/subscribe", m_subscribe, M_ASYNC | M_LEGACY, CAP_SUBSCRIBE},
    {"resources/unsubscribe", m_unsubscribe, M_ASYNC | M_LEGACY, CAP_SUBSCRIBE},
    {"prompts/list", m_prompts_list, M_ASYNC, CAP_PROMPTS},
    {"prompts/get", m_prompts_get, M_ASYNC, CAP_PROMPTS},
    {"completion/complete", m_complete, M_ASYNC, CAP_COMPLETIONS},
    {"tasks/get", m_tasks_get, 0, CAP_TASKS},
    {"tasks/cancel", m_tasks_cancel, 0, CAP_TASKS},
    {"tasks/update", m_tasks_update, M_MODERN, CAP_TASKS},
    {"tasks/list", m_tasks_list, M_LEGACY, CAP_TASKS},
    {"tasks/result", m_tasks_result, M_ASYNC | M_LEGACY, CAP_TASKS},
};

static const struct method *method_find(struct ep_mcp_server *s, const char *name)
{
    for (size_t i = 0; i < sizeof ep_mcp_methods / sizeof ep_mcp_methods[0]; i++) {
        const struct method *m = &ep_mcp_methods[i];
        if (strcmp(m->name, name) == 0)
            return has_cap(s, m->cap) ? m : NULL;
    }
    return NULL;
}

/* ---------------------------------------------------------------- jobs */

static void job_free(struct job *j)
{
    if (!j)
        return;
    json_decref(j->id);
    json_decref(j->params);
    json_decref(j->token);
    free(j);
}

static json_t *reply_to_msg(struct job *j, struct reply *r)
{
    if (r->raw) { /* in a batch: the array is built as JSON */
        r->result = json_loadb(r->raw, r->rawlen, 0, NULL);
        free(r->raw);
        r->raw = NULL;
        if (!r->result)
            return rpc_error(j->id, EP_MCP_INTERNAL_ERROR, "out of memory", NULL);
    }
    if (r->result)
        return rpc_result(j->id, r->result);
    json_t *m = rpc_error(j->id, r->code, r->msg, r->data);
    r->data = NULL;
    return m;
}

/* Deliver reply r of job j: a result already serialized (tools/list, a cached tools/call) is
 * written as it is outside a batch, never parsed back; anything else through deliver. */
static void deliver_reply(struct ep_mcp_server *s, struct job *j, struct batch *b, struct reply *r)
{
    if (r->raw && !b) {
        int rc = emit_raw_result(s, j->origin, j->id, r->raw, r->rawlen);
        free(r->raw);
        r->raw = NULL;
        if (rc != EP_ENOMEM)
            return;
        deliver(s, j->origin, b, rpc_error(j->id, EP_MCP_INTERNAL_ERROR, "out of memory", NULL));
        return;
    }
    deliver(s, j->origin, b, reply_to_msg(j, r));
}

/* A 2026-07-28 request's reply in its era's shape: resultType, serverInfo and cache hints on a
 * result; "resource not found" is -32602 (2026-07-28 retired -32002). */
static void era_finish(struct ep_mcp_server *s, struct job *j, struct reply *r)
{
    if (!j->modern || r->none)
        return;
    const char *m = j->m->name;
    if (r->raw) {
        size_t n = 0;
        char *t = ep_era2026_decorate_raw(r->raw, r->rawlen, m, s->o.name, s->o.version,
                                          s->o.cache_private, &n);
        free(r->raw);
        r->raw = t;
        r->rawlen = n;
        if (!t)
            reply_err(r, EP_MCP_INTERNAL_ERROR, "out of memory");
    } else if (r->result) {
        if (ep_era2026_decorate(r->result, m, s->o.name, s->o.version, s->o.cache_private))
            reply_err(r, EP_MCP_INTERNAL_ERROR, "out of memory");
    } else if (r->code == EP_MCP_RESOURCE_NOT_FOUND) {
        r->code = EP_MCP_INVALID_PARAMS;
    }
}

/* Run a job to completion and deliver its reply (or nothing if cancelled). */
static void job_run(struct job *j)
{
    struct ep_mcp_server *s = j->s;
    struct reply r = {0};
    if (!job_cancelled(j)) {
        j->m->fn(s, j, j->params, &r);
        era_finish(s, j, &r);
    }
    pthread_mutex_lock(&s->lock);
    int send = !j->cancelled && !r.none;
    j->responded = 1;
    pthread_mutex_unlock(&s->lock);
    if (send) {
        deliver_reply(s, j, j->batch, &r);
        return;
    }
    json_decref(r.result);
    json_decref(r.data);
    free(r.raw);
    deliver(s, j->origin, j->batch, NULL);
}

static void job_done(struct ep_mcp_server *s, struct job *j)
{
    pthread_mutex_lock(&s->lock);
    for (struct job **pp = &s->inflight; *pp; pp = &(*pp)->inext) {
        if (*pp == j) {
            *pp = j->inext;
            break;
        }
    }
    if (--s->active == 0)
        pthread_cond_broadcast(&s->idle);
    pthread_mutex_unlock(&s->lock);
    job_free(j);
}

static void *worker_main(void *arg)
{
    struct ep_mcp_server *s = arg;
    for (;;) {
        pthread_mutex_lock(&s->lock);
        while (!s->qhead && !s->stopping)
            pthread_cond_wait(&s->work, &s->lock);
        struct job *j = s->qhead;
        if (!j) {
            pthread_mutex_unlock(&s->lock);
            return NULL;
        }
        s->qhead = j->qnext;
        if (!s->qhead)
            s->qtail = NULL;
        pthread_mutex_unlock(&s->lock);
        job_run(j);
        job_done(s, j);
    }
}

/* ------------------------------------------------------------ dispatch */

static int id_valid(json_t *id)
{
    return json_is_string(id) || json_is_integer(id);
}

static void handle_notification(struct ep_mcp_server *s, const char *method, json_t *params)
{
    if (strcmp(method, "notifications/cancelled") == 0) {
        json_t *rid = json_object_get(params, "requestId");
        if (!id_valid(rid))
            return;
        pthread_mutex_lock(&s->lock);
        for (struct job *j = s->inflight; j; j = j->inext)
            if (!j->responded && json_equal(j->id, rid))
                j->cancelled = 1;
        pthread_mutex_unlock(&s->lock);
    }
    /* notifications/initialized and anything else: nothing to do, never answered */
}

/* Handle one request/notification object; delivers exactly once to (origin, b). */
/* tools/call before a job: a malformed call or unknown tool is answered with -32602, a call that
 * becomes a task with the task, and a cached result from its bytes. 1 when answered
 * (delivered), 0 to go on. */
static int tools_call_early(struct ep_mcp_server *s, json_t *params, json_t *idv, void *origin,
                            struct batch *b, int modern)
{
    json_t *name = json_object_get(params, "name");
    json_t *args = json_object_get(params, "arguments");
    const char *bad = NULL;
    char msg[400];
    if (!json_is_string(name))
        bad = "tools/call: params.name must be a string naming a tool from tools/list";
    else if (args && !json_is_null(args) && !json_is_object(args))
        bad = "tools/call: params.arguments must be an object";
    else if (!ep_tools_find(s->o.tools, json_string_value(name))) {
        snprintf(msg, sizeof msg, "Unknown tool \"%.200s\"; call tools/list for the names",
                 json_string_value(name));
        bad = msg;
    }
    if (bad) {
        deliver(s, origin, b, rpc_error(idv, EP_MCP_INVALID_PARAMS, bad, NULL));
        return 1;
    }
    /* a task: 2026-07-28, when the client declared the extension and the server makes one
     * of this call; 2025-11-25, when the client asks (params.task) for a tool that allows */
    json_t *tk = json_object_get(params, "task");
    const char *tname = json_string_value(name);
    int want = 0;
    if (s->o.tasks && !b && modern)
        want = ep_era2026_client_has(params, "io.modelcontextprotocol/tasks") &&
               ep_tasks_eligible(s->o.tasks, tname, args);
    else if (s->o.tasks && !b && json_is_object(tk) && s->version &&
             strcmp(s->version, "2025-11-25") == 0) {
        if (!ep_tasks_supports(s->o.tasks, tname)) {
            snprintf(msg, sizeof msg,
                     "Method not found: tool \"%.200s\" does not run as a task (its "
                     "execution.taskSupport is forbidden); call it without params.task",
                     tname);
            deliver(s, origin, b, rpc_error(idv, EP_MCP_METHOD_NOT_FOUND, msg, NULL));
            return 1;
        }
        want = 1;
    }
    if (want) {
        struct ep_error e = {0};
        json_t *ttl = json_object_get(tk, "ttl");
        json_t *res = task_create(s, modern, tname, args,
                                  json_is_integer(ttl) ? (long)json_integer_value(ttl) : 0, &e);
        deliver(s, origin, b,
                res ? rpc_result(idv, res)
                    : rpc_error(idv, ep_mcp_rpc_code(e.code ? e.code : EP_ENOMEM),
                                e.msg[0] ? e.msg : "the task could not be created", NULL));
        return 1;
    }
    if (!b && (modern || !legacy(s, NULL))) {
        /* a cached result is answered here, on the reader's thread: no worker, no
         * execution lock, no SQL, no serialization of the result (the bytes are in the
         * 2025-06-18 form: a 2025-03-26 session takes the worker path; a 2026-07-28
         * request gets them with its era's members inserted) */
        char *canon = ep_tools_canonical_args(args);
        struct ep_tools_blob *hit =
            canon ? ep_tools_cache_peek(s->o.tools, json_string_value(name), canon) : NULL;
        free(canon);
        if (hit) {
            struct ep_trace_span ts; /* answered from the cache: a span saying so */
            char sname[96];
            snprintf(sname, sizeof sname, "tools/call %s", tname);
            ep_trace_begin(&ts, sname, EP_TRACE_INTERNAL, NULL, 0);
            ep_trace_attr_str(&ts, "epintel.tool", tname);
            ep_trace_attr_str(&ts, "epintel.tool.cache", "hit");
            ep_trace_end(&ts);
            if (s->o.cache_note)
                s->o.cache_note(origin, "local");
            int rc;
            if (!modern)
                rc = emit_raw_result(s, origin, idv, hit->data, hit->len);
            else if (s->era_call_prefix && hit->len > 2 && hit->data[0] == '{')
                /* the 2026 members ahead of the stored ones: no copy of the result */
                rc = emit_raw_parts(s, origin, idv, s->era_call_prefix, s->era_call_prefix_len,
                                    hit->data + 1, hit->len - 1);
            else
                rc = EP_ENOMEM; /* the prefix could not be made when the server was */
            ep_tools_blob_unref(hit);
            if (rc != EP_ENOMEM)
                return 1;
            deliver(s, origin, b, rpc_error(idv, EP_MCP_INTERNAL_ERROR, "out of memory", NULL));
            return 1;
        }
    }
    return 0;
}

/* Queue a job for an asynchronous method (or run it now in synchronous mode). */
static void job_start(struct ep_mcp_server *s, const struct method *m, json_t *idv, json_t *params,
                      void *origin, struct batch *b, int modern, int log_level)
{
    struct job *j = calloc(1, sizeof *j);
    if (!j) {
        deliver(s, origin, b, rpc_error(idv, EP_MCP_INTERNAL_ERROR, "out of memory", NULL));
        return;
    }
    j->s = s;
    j->m = m;
    j->id = json_incref(idv);
    j->params = params ? json_incref(params) : NULL;
    json_t *tok = json_object_get(json_object_get(params, "_meta"), "progressToken");
    j->token = id_valid(tok) ? json_incref(tok) : NULL;
    j->origin = origin;
    j->batch = b;
    j->modern = modern;
    j->log_level = log_level;
    const struct ep_trace_ctx *tc = ep_trace_current(); /* the worker's parent span */
    if (tc && tc->valid)
        memcpy(&j->trace, tc, offsetof(struct ep_trace_ctx, state) + strlen(tc->state) + 1);
    pthread_mutex_lock(&s->lock);
    j->inext = s->inflight;
    s->inflight = j;
    s->active++;
    if (!s->o.synchronous) {
        if (s->qtail)
            s->qtail->qnext = j;
        else
            s->qhead = j;
        s->qtail = j;
        pthread_cond_signal(&s->work);
    }
    pthread_mutex_unlock(&s->lock);
    if (s->o.synchronous) {
        job_run(j);
        job_done(s, j);
    }
}

static void handle_object(struct ep_mcp_server *s, json_t *v, void *origin, struct batch *b)
{
    struct reply r = {0};
    json_t *id = json_object_get(v, "id");
    if (!json_is_object(v)) {
        deliver(s, origin, b,
                rpc_error(NULL, EP_MCP_INVALID_REQUEST,
                          "Invalid Request: a message must be a JSON-RPC 2.0 object", NULL));
        return;
    }
    json_t *method = json_object_get(v, "method");
    if (!method && id && (json_object_get(v, "result") || json_object_get(v, "error"))) {
        /* a response to one of our requests (ep_mcp_client_request); others are dropped */
        if (json_is_integer(id)) {
            pthread_mutex_lock(&s->lock);
            for (struct pending *p = s->pending; p; p = p->next)
                if (p->id == json_integer_value(id) && !p->resp) {
                    p->resp = json_incref(v);
                    pthread_cond_broadcast(&s->resp);
                    break;
                }
            pthread_mutex_unlock(&s->lock);
        }
        deliver(s, origin, b, NULL);
        return;
    }
    json_t *idv = id_valid(id) ? id : NULL;
    if (id && !idv) {
        deliver(s, origin, b,
                rpc_error(NULL, EP_MCP_INVALID_REQUEST,
                          "Invalid Request: id must be a string or an integer", NULL));
        return;
    }
    const char *jr = json_string_value(json_object_get(v, "jsonrpc"));
    if (!jr || strcmp(jr, "2.0") != 0) {
        deliver(s, origin, b,
                rpc_error(idv, EP_MCP_INVALID_REQUEST,
                          "Invalid Request: \"jsonrpc\" must be \"2.0\"", NULL));
        return;
    }
    if (!json_is_string(method)) {
        deliver(s, origin, b,
                rpc_error(idv, EP_MCP_INVALID_REQUEST,
                          "Invalid Request: \"method\" must be a string", NULL));
        return;
    }
    const char *mname = json_string_value(method);
    json_t *params = json_object_get(v, "params");
    if (json_is_null(params))
        params = NULL;
    if (!idv) {
        if (!params || json_is_object(params))
            handle_notification(s, mname, params);
        deliver(s, origin, b, NULL);
        return;
    }
    if (params && !json_is_object(params)) {
        deliver(s, origin, b,
                rpc_error(idv, EP_MCP_INVALID_PARAMS,
                          "Invalid params: \"params\" must be an object", NULL));
        return;
    }
    /* a 2026-07-28 request: its _meta says everything (version, capabilities, log level) */
    int modern = ep_era2026_is_modern(v), log_level = -1;
    if (modern) {
        char why[400];
        json_t *data = NULL;
        int code = EP_MCP_INVALID_REQUEST;
        if (b)
            snprintf(why, sizeof why,
                     "Invalid Request: " EP_MCP_MODERN_VERSION
                     " requests cannot be part of a JSON-RPC batch; send one message at a time");
        else
            code = ep_era2026_check_meta(params, why, sizeof why, &data);
        if (code) {
            deliver(s, origin, b, rpc_error(idv, code, why, data));
            return;
        }
        log_level = ep_era2026_log_level(params);
    }
    const struct method *m = method_find(s, mname);
    if (!m || (modern && (m->flags & M_LEGACY))) {
        char msg[300];
        snprintf(msg, sizeof msg, "Method not found: %.200s%s", mname,
                 m ? " (not part of protocol " EP_MCP_MODERN_VERSION ")" : "");
        deliver(s, origin, b, rpc_error(idv, EP_MCP_METHOD_NOT_FOUND, msg, NULL));
        return;
    }
    if (!modern && (m->flags & M_MODERN)) {
        char msg[300];
        snprintf(msg, sizeof msg,
                 "Invalid params: %.100s is a " EP_MCP_MODERN_VERSION
                 " request: params._meta must carry \"" EP_META_PROTOCOL_VERSION
                 "\" and \"" EP_META_CLIENT_CAPS "\"",
                 mname);
        deliver(s, origin, b, rpc_error(idv, EP_MCP_INVALID_PARAMS, msg, NULL));
        return;
    }
    pthread_mutex_lock(&s->lock);
    int inited = s->version != NULL;
    int dup = 0;
    /* ids are the client's: a 2025 session or a stdio stream is one client; 2026-07-28 requests
     * over HTTP share a server object per principal but each is its own exchange (origin) */
    for (struct job *j = s->inflight; j && !dup; j = j->inext)
        dup = !j->responded && json_equal(j->id, idv) && (!modern || j->origin == origin);
    pthread_mutex_unlock(&s->lock);
    if (!modern && !inited && !(m->flags & M_PREINIT)) {
        deliver(s, origin, b,
                rpc_error(idv, EP_MCP_INVALID_REQUEST,
                          "Server not initialized: send \"initialize\" (and then "
                          "\"notifications/initialized\") before other requests",
                          NULL));
        return;
    }
    if (b && m->fn == m_initialize) {
        deliver(s, origin, b,
                rpc_error(idv, EP_MCP_INVALID_REQUEST,
                          "Invalid Request: initialize must not be part of a batch", NULL));
        return;
    }
    if (dup) {
        deliver(s, origin, b,
                rpc_error(idv, EP_MCP_INVALID_REQUEST,
                          "Invalid Request: this id is already used by a request in progress",
                          NULL));
        return;
    }
    if (m->fn == m_tools_call && tools_call_early(s, params, idv, origin, b, modern))
        return;
    if (!(m->flags & M_ASYNC)) {
        struct job tmp = {.s = s,
                          .m = m,
                          .id = idv,
                          .params = params,
                          .origin = origin,
                          .modern = modern,
                          .log_level = log_level};
        m->fn(s, &tmp, params, &r);
        era_finish(s, &tmp, &r);
        deliver_reply(s, &tmp, b, &r); /* tools/list's spliced page goes out as it is */
        return;
    }
    job_start(s, m, idv, params, origin, b, modern, log_level);
}

/* A message that is valid JSON but holds an integer outside -2^63..2^63-1. When the id itself
 * is that integer, the request cannot be answered by id: -32600 with a null id. Otherwise the
 * integer is in the params: -32602 to the request's id (nothing for a notification). */
static void reject_big_integer(struct ep_mcp_server *s, const char *msg, size_t len,
                               const json_error_t *je, void *origin)
{
    json_t *v = json_loadb(msg, len, JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL, NULL);
    json_t *id = json_is_object(v) ? json_object_get(v, "id") : NULL;
    char m[400];
    if (!v) {
        snprintf(m, sizeof m, "Parse error: %s (line %d, column %d)", je->text, je->line,
                 je->column);
        deliver(s, origin, NULL, rpc_error(NULL, EP_MCP_PARSE_ERROR, m, NULL));
    } else if (json_is_object(v) && !id) {
        /* a notification: no reply */
    } else if (json_is_string(id) || json_is_integer(id)) {
        snprintf(m, sizeof m,
                 "Invalid params: an integer is outside the signed 64-bit range (%.200s); "
                 "send a value within -9223372036854775808..9223372036854775807",
                 je->text);
        deliver(s, origin, NULL, rpc_error(id, EP_MCP_INVALID_PARAMS, m, NULL));
    } else {
        snprintf(m, sizeof m,
                 "Invalid Request: an integer is outside the signed 64-bit range (%.200s); an "
                 "id must be a string or an integer within -9223372036854775808.."
                 "9223372036854775807",
                 je->text);
        deliver(s, origin, NULL, rpc_error(NULL, EP_MCP_INVALID_REQUEST, m, NULL));
    }
    json_decref(v);
}

int ep_mcp_handle(struct ep_mcp_server *s, const char *msg, size_t len, void *origin)
{
    if (len > s->o.max_message_bytes)
        return ep_mcp_reject_oversized(s, msg, len > 4096 ? 4096 : len, len, origin);
    if (!ep_utf8_valid(msg, len)) {
        json_t *e =
            rpc_error(NULL, EP_MCP_PARSE_ERROR, "Parse error: message is not valid UTF-8", NULL);
        deliver(s, origin, NULL, e);
        goto out;
    }
    json_error_t je;
    json_t *v = json_loadb(msg, len, JSON_DECODE_ANY, &je);
    if (!v && strstr(je.text, "too big") && strstr(je.text, "integer")) {
        /* Valid JSON with an integer beyond int64 (jansson's range): not a parse error. */
        reject_big_integer(s, msg, len, &je, origin);
        goto out;
    }
    if (!v) {
        char m[400];
        snprintf(m, sizeof m, "Parse error: %s (line %d, column %d)", je.text, je.line, je.column);
        deliver(s, origin, NULL, rpc_error(NULL, EP_MCP_PARSE_ERROR, m, NULL));
        goto out;
    }
    if (json_is_array(v)) {
        pthread_mutex_lock(&s->lock);
        const char *ver = s->version;
        pthread_mutex_unlock(&s->lock);
        /* v is not modified below: n is the number of handle_object calls, so b->refs = n + 1
         * is released exactly once, by the last deliver() */
        const size_t n = json_array_size(v);
        if (!ver || strcmp(ver, "2025-03-26") != 0 || n == 0) {
            char m[300];
            if (n == 0)
                snprintf(m, sizeof m, "Invalid Request: empty batch");
            else
                snprintf(m, sizeof m,
                         "Invalid Request: JSON-RPC batches are supported only with protocol "
                         "version 2025-03-26 (this session: %s); send one message per line",
                         ver ? ver : "not initialized");
            deliver(s, origin, NULL, rpc_error(NULL, EP_MCP_INVALID_REQUEST, m, NULL));
            json_decref(v);
            goto out;
        }
        struct batch *b = calloc(1, sizeof *b);
        json_t *arr = json_array();
        if (!b || !arr) {
            free(b);
            json_decref(arr);
            json_decref(v);
            deliver(s, origin, NULL, rpc_error(NULL, EP_MCP_INTERNAL_ERROR, "out of memory", NULL));
            goto out;
        }
        b->arr = arr;
        b->origin = origin;
        b->refs = (int)n + 1;
        for (size_t i = 0; i < n; i++)
            handle_object(s, json_array_get(v, i), origin, b);
        deliver(s, origin, b, NULL);
    } else {
        handle_object(s, v, origin, NULL);
    }
    json_decref(v);
out:;
    pthread_mutex_lock(&s->wlock);
    int failed = s->write_failed;
    pthread_mutex_unlock(&s->wlock);
    return failed ? EP_EIO : 0;
}

/* Find a top-level "id" member in a truncated JSON text. Returns a new reference or NULL. */
static json_t *scan_id(const char *p, size_t n)
{
    size_t i = 0;
    int depth = 0;
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
        i++;
    if (i >= n || p[i] != '{')
        return NULL;
    for (; i < n; i++) {
        char c = p[i];
        if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            depth--;
        } else if (c == '"') {
            size_t st = i++;
            while (i < n && p[i] != '"')
                i += p[i] == '\\' ? 2 : 1;
            if (i >= n)
                return NULL;
            if (depth != 1 || i - st != 3 || memcmp(p + st, "\"id\"", 4) != 0)
                continue;
            size_t k = i + 1;
            while (k < n && (p[k] == ' ' || p[k] == '\t' || p[k] == '\r' || p[k] == '\n'))
                k++;
            if (k >= n || p[k] != ':')
                continue;
            k++;
            while (k < n && (p[k] == ' ' || p[k] == '\t' || p[k] == '\r' || p[k] == '\n'))
                k++;
            size_t vs = k;
            if (k < n && p[k] == '"') {
                k++;
                while (k < n && p[k] != '"')
                    k += p[k] == '\\' ? 2 : 1;
                if (k >= n)
                    return NULL;
                k++;
            } else {
                while (k < n && (p[k] == '-' || (p[k] >= '0' && p[k] <= '9')))
                    k++;
                if (k >= n) /* number may continue past the prefix */
                    return NULL;
            }
            json_t *id = json_loadb(p + vs, k - vs, JSON_DECODE_ANY, NULL);
            if (id && !id_valid(id)) {
                json_decref(id);
                id = NULL;
            }
            return id;
        }
    }
    return NULL;
}

int ep_mcp_reject_oversized(struct ep_mcp_server *s, const char *prefix, size_t prefix_len,
                            size_t total, void *origin)
{
    json_t *id = scan_id(prefix, prefix_len);
    char m[400];
    if (total)
        snprintf(m, sizeof m,
                 "Invalid Request: message of %zu bytes exceeds the limit of %zu bytes; raise "
                 "it with --max-message-bytes",
                 total, s->o.max_message_bytes);
    else
        snprintf(m, sizeof m,
                 "Invalid Request: message exceeds the limit of %zu bytes; raise it with "
                 "--max-message-bytes",
                 s->o.max_message_bytes);
    json_t *e = rpc_error(id, EP_MCP_INVALID_REQUEST, m, NULL);
    json_decref(id);
    deliver(s, origin, NULL, e);
    pthread_mutex_lock(&s->wlock);
    int failed = s->write_failed;
    pthread_mutex_unlock(&s->wlock);
    return failed ? EP_EIO : 0;
}

/* ---------------------------------------------------------- lifecycle */

void ep_mcp_options_init(struct ep_mcp_options *o)
{
    memset(o, 0, sizeof *o);
    o->name = "epintel";
    o->version = EP_VERSION;
    o->max_message_bytes = EP_MCP_DEFAULT_MAX_MESSAGE;
    o->workers = 4;
    o->page_size = 50;
    o->tool_timeout_s = 60;
}

int ep_mcp_server_new(const struct ep_mcp_options *opt, struct ep_mcp_server **out,
                      struct ep_error *err)
{
    *out = NULL;
    if (!opt || !opt->tools)
        return ep_error_set(err, EP_EINVAL,
                            "ep_mcp_server_new: options.tools is NULL (create the tool table "
                            "with ep_tools_init and register its rows first)");
    struct ep_mcp_server *s = calloc(1, sizeof *s);
    if (!s)
        return ep_error_set(err, EP_ENOMEM, "out of memory creating the MCP server");
    if (opt)
        s->o = *opt;
    else
        ep_mcp_options_init(&s->o);
    if (!s->o.name)
        s->o.name = "epintel";
    if (!s->o.version)
        s->o.version = EP_VERSION;
    if (!s->o.max_message_bytes)
        s->o.max_message_bytes = EP_MCP_DEFAULT_MAX_MESSAGE;
    if (s->o.workers <= 0)
        s->o.workers = 4;
    if (s->o.workers > 64)
        s->o.workers = 64;
    if (s->o.page_size <= 0)
        s->o.page_size = 50;
    s->level = 1; /* info */
    s->era_call_prefix = ep_era2026_prefix("tools/call", s->o.name, s->o.version,
                                           s->o.cache_private, &s->era_call_prefix_len);
    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_init(&s->wlock, NULL);
    pthread_cond_init(&s->work, NULL);
    pthread_cond_init(&s->idle, NULL);
    pthread_cond_init(&s->resp, NULL);
    s->next_req_id = 1;
    if (!s->o.synchronous) {
        s->threads = calloc((size_t)s->o.workers, sizeof *s->threads);
        if (!s->threads) {
            ep_mcp_server_free(s);
            return ep_error_set(err, EP_ENOMEM, "out of memory creating the MCP server");
        }
        for (int i = 0; i < s->o.workers; i++) {
            if (pthread_create(&s->threads[i], NULL, worker_main, s) != 0) {
                ep_mcp_server_free(s);
                return ep_error_set(err, EP_EINTERNAL, "cannot start MCP worker threads");
            }
            s->nthreads++;
        }
    }
    *out = s;
    return 0;
}

void ep_mcp_set_writer(struct ep_mcp_server *s, ep_mcp_write_fn fn, void *wctx)
{
    pthread_mutex_lock(&s->wlock);
    s->write = fn;
    s->wctx = wctx;
    s->write_failed = 0;
    pthread_mutex_unlock(&s->wlock);
}

void ep_mcp_drain(struct ep_mcp_server *s)
{
    pthread_mutex_lock(&s->lock);
    while (s->active > 0)
        pthread_cond_wait(&s->idle, &s->lock);
    pthread_mutex_unlock(&s->lock);
}

void ep_mcp_cancel_all(struct ep_mcp_server *s)
{
    pthread_mutex_lock(&s->lock);
    cancel_all_locked(s);
    pthread_mutex_unlock(&s->lock);
}

void ep_mcp_cancel_origin(struct ep_mcp_server *s, void *origin)
{
    pthread_mutex_lock(&s->lock);
    for (struct job *j = s->inflight; j; j = j->inext)
        if (!j->responded && j->origin == origin)
            j->cancelled = 1;
    pthread_cond_broadcast(&s->resp);
    pthread_mutex_unlock(&s->lock);
}

void ep_mcp_server_free(struct ep_mcp_server *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->lock);
    cancel_all_locked(s);
    s->stopping = 1;
    pthread_cond_broadcast(&s->work);
    pthread_mutex_unlock(&s->lock);
    for (int i = 0; i < s->nthreads; i++)
        pthread_join(s->threads[i], NULL);
    free(s->threads);
    pthread_mutex_destroy(&s->lock);
    pthread_mutex_destroy(&s->wlock);
    pthread_cond_destroy(&s->work);
    pthread_cond_destroy(&s->idle);
    pthread_cond_destroy(&s->resp);
    json_decref(s->client_caps);
    free(s->era_call_prefix);
    free(s);
}

const char *ep_mcp_protocol_version(const struct ep_mcp_server *s)
{
    pthread_mutex_lock((pthread_mutex_t *)&s->lock);
    const char *v = s->version;
    pthread_mutex_unlock((pthread_mutex_t *)&s->lock);
    return v;
}

size_t ep_mcp_max_message_bytes(const struct ep_mcp_server *s)
{
    return s->o.max_message_bytes;
}

/* ------------------------------------------------ server -> client requests */

void ep_mcp_with_exec_lock(void (*fn)(void *arg), void *arg)
{
    pthread_mutex_lock(&ep_mcp_exec_lock);
    fn(arg);
    pthread_mutex_unlock(&ep_mcp_exec_lock);
}

int ep_mcp_try_exec_lock(void (*fn)(void *arg), void *arg)
{
    if (pthread_mutex_trylock(&ep_mcp_exec_lock) != 0)
        return 0;
    fn(arg);
    pthread_mutex_unlock(&ep_mcp_exec_lock);
    return 1;
}

static void send_cancelled(struct job *j, json_int_t id, const char *why)
{
    json_t *n = notification("notifications/cancelled",
                             json_pack("{s:I,s:s}", "requestId", id, "reason", why));
    if (n)
        emit(j->s, j->origin, n, 0);
    json_decref(n);
}

int ep_mcp_client_request(struct ep_tool_ctx *ctx, const char *method, json_t *params,
                          const char *capability, int timeout_ms, json_t **result,
                          struct ep_error *err)
{
    *result = NULL;
    if (!ctx || ctx->progress != job_progress || !ctx->pctx)
        return ep_error_set(err, EP_EUNAVAIL,
                            "%s: requests to the client are possible only during an MCP call",
                            method);
    struct job *j = ctx->pctx;
    struct ep_mcp_server *s = j->s;
    if (j->modern)
        return ep_error_set(err, EP_EUNAVAIL,
                            "%s: protocol " EP_MCP_MODERN_VERSION
                            " has no requests from the server to the client",
                            method);
    if (s->o.synchronous)
        return ep_error_set(err, EP_EUNAVAIL, "%s: requests to the client need the threaded server",
                            method);
    struct pending p = {0};
    pthread_mutex_lock(&s->lock);
    int has = !capability || json_object_get(s->client_caps, capability) != NULL;
    if (has) {
        p.id = s->next_req_id++;
        p.next = s->pending;
        s->pending = &p;
    }
    pthread_mutex_unlock(&s->lock);
    if (!has)
        return ep_error_set(err, EP_EUNAVAIL,
                            "%s: the client did not declare the \"%s\" capability", method,
                            capability);
    json_t *req = json_pack("{s:s,s:I,s:s}", "jsonrpc", "2.0", "id", p.id, "method", method);
    if (req && params)
        json_object_set(req, "params", params);
    int rc = req ? emit(s, j->origin, req, 0) : EP_ENOMEM;
    json_decref(req);

    /* wait without the execution mutex (the handler holds it: see m_tools_call) */
    pthread_mutex_unlock(&ep_mcp_exec_lock);
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    long ms = timeout_ms > 0 ? timeout_ms : 60000;
    dl.tv_sec += ms / 1000;
    dl.tv_nsec += (ms % 1000) * 1000000L;
    if (dl.tv_nsec >= 1000000000L) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000L;
    }
    int timed_out = 0, cancelled = 0;
    pthread_mutex_lock(&s->lock);
    while (rc == 0 && !p.resp && !(cancelled = j->cancelled) && !timed_out)
        timed_out = pthread_cond_timedwait(&s->resp, &s->lock, &dl) != 0 && !p.resp;
    for (struct pending **pp = &s->pending; *pp; pp = &(*pp)->next)
        if (*pp == &p) {
            *pp = p.next;
            break;
        }
    pthread_mutex_unlock(&s->lock);
    pthread_mutex_lock(&ep_mcp_exec_lock);

    if (rc) {
        json_decref(p.resp);
        return ep_error_set(err, rc, "%s: the request could not be sent to the client", method);
    }
    if (!p.resp) {
        send_cancelled(j, p.id, cancelled ? "the tool call was cancelled" : "timed out");
        if (cancelled)
            return ep_error_set(err, EP_ECANCELED, "%s: cancelled", method);
        return ep_error_set(err, EP_ELIMIT, "%s: the client did not answer within %ld ms", method,
                            ms);
    }
    json_t *res = json_object_get(p.resp, "result");
    if (!res) {
        json_t *e = json_object_get(p.resp, "error");
        const char *m = json_string_value(json_object_get(e, "message"));
        rc = ep_error_set(err, EP_EIO, "%s: the client answered with error %lld: %s", method,
                          (long long)json_integer_value(json_object_get(e, "code")),
                          m ? m : "(no message)");
        json_decref(p.resp);
        return rc;
    }
    *result = json_incref(res);
    json_decref(p.resp);
    return 0;
}
