/* ep_tools_epapi: pass-through tools generated from the EP Open Data API endpoint table, and
 * get_server_health (see ep_tools_epapi.h). */
#include "ep_tools_epapi.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ep_epapi.h"
#include "ep_json.h"
#include "ep_schema.h"
#include "ep_store.h"
#include "ep_store_query.h"
#include "ep_util.h"

/* ---- the generated parameter table -------------------------------------------------------- */

struct epapi_param {
    const char *path, *name;
    int in_path, required;
    const char *schema; /* JSON Schema text of the tool argument */
};

static const struct epapi_param params[] = {
#include "ep_epapi_params.inc"
};
#define N_PARAMS (sizeof params / sizeof params[0])

static const struct epapi_param *param_find(const char *path, const char *name, size_t len)
{
    for (size_t i = 0; i < N_PARAMS; i++)
        if (strcmp(params[i].path, path) == 0 && strlen(params[i].name) == len &&
            strncmp(params[i].name, name, len) == 0)
            return &params[i];
    return NULL;
}

/* ---- exclusions and names ------------------------------------------------------------------ */

static const char *const excluded[][2] = {
    {"meps", "get_meps (basic tool: store-backed, filled by sync)"},
    {"meps/{mep-id}", "get_mep_details (basic tool: store-backed, filled by sync)"},
    {"parliamentary-questions", "get_parliamentary_questions (basic tool)"},
};

const char *ep_tools_epapi_excluded(const char *path)
{
    for (size_t i = 0; path && i < sizeof excluded / sizeof excluded[0]; i++)
        if (strcmp(excluded[i][0], path) == 0)
            return excluded[i][1];
    return NULL;
}

/* The peer EP MCP server's name where it differs from the table's for the same endpoint. */
static const char *const peer_names[][2] = {
    {"procedures/{process-id}/events/{event-id}", "get_procedure_event_by_id"},
};

static const char *tool_name(const struct ep_epapi_endpoint *e)
{
    for (size_t i = 0; i < sizeof peer_names / sizeof peer_names[0]; i++)
        if (strcmp(peer_names[i][0], e->path) == 0)
            return peer_names[i][1];
    return e->tool;
}

/* kebab-case API name -> snake_case argument name */
static void arg_name(const char *api, size_t len, char *out, size_t size)
{
    size_t k = 0;
    for (size_t i = 0; i < len && k + 1 < size; i++)
        out[k++] = api[i] == '-' ? '_' : api[i];
    out[k] = 0;
}

/* ---- rows --------------------------------------------------------------------------------- */

#define MAX_ROWS 64

struct row {
    const struct ep_epapi_endpoint *e;
    int paged;
    char *title, *description, *input;
};

/* The pipeline a tool object's pass-through tools use. */
struct pipeline {
    struct ep_fetch *f;
    struct sqlite3 *db; /* our own connection to the store file (disk cache tier) */
    char *path;         /* the store file it belongs to ("" = none) */
    FILE *audit;        /* opened from $EPINTEL_FETCH_AUDIT */
    struct ep_fetch_opts opts;
    char *base_url, *audit_path;
    int configured;
};

/* One tool object's EP API state (ep_tools_epapi_slot): its rows and its pipeline. */
struct ep_tools_epapi {
    struct ep_tool tool_rows[MAX_ROWS];
    struct row rowdata[MAX_ROWS];
    size_t n_rows;
    struct pipeline P;
    /* The pipeline's own lock (recursive: the public functions below take it, and call each
     * other); it also guards building the rows. The pass-through tools run under it and not
     * under the MCP core's execution mutex (they touch neither the store's connection nor
     * igraph or GSL), so a slow upstream holds back only other upstream calls. */
    pthread_mutex_t mu;
};

/* ts's state, made on first use (thread-safe: the first to store it wins); NULL on ENOMEM. */
static struct ep_tools_epapi *state(struct ep_tools *ts)
{
    if (!ts)
        return NULL;
    struct ep_tools_epapi **slot = ep_tools_epapi_slot(ts);
    struct ep_tools_epapi *ea = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (ea)
        return ea;
    struct ep_tools_epapi *fresh = calloc(1, sizeof *fresh);
    if (!fresh)
        return NULL;
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&fresh->mu, &a);
    pthread_mutexattr_destroy(&a);
    if (__atomic_compare_exchange_n(slot, &ea, fresh, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        return fresh;
    pthread_mutex_destroy(&fresh->mu);
    free(fresh);
    return ea; /* another thread's */
}

static int epapi_call(size_t i, struct ep_tool_ctx *ctx, json_t *args, json_t **result,
                      struct ep_error *err);

/* One handler per row index (the table's handler signature carries no row): h<b><k> serves
 * row b * 8 + k. */
#define H(b, k)                                                                                    \
    static int h##b##k(struct ep_tool_ctx *c, json_t *a, json_t **r, struct ep_error *e)           \
    {                                                                                              \
        return epapi_call((b)*8 + (k), c, a, r, e);                                                \
    }
#define H8(b) H(b, 0) H(b, 1) H(b, 2) H(b, 3) H(b, 4) H(b, 5) H(b, 6) H(b, 7)
H8(0)
H8(1)
H8(2)
H8(3)
H8(4)
H8(5)
H8(6)
H8(7)
#undef H
#undef H8
#define P8(b) h##b##0, h##b##1, h##b##2, h##b##3, h##b##4, h##b##5, h##b##6, h##b##7
static const ep_tool_fn handlers[MAX_ROWS] = {P8(0), P8(1), P8(2), P8(3),
                                              P8(4), P8(5), P8(6), P8(7)};
#undef P8

/* The row's inputSchema as JSON text, put together from the generated table's schema texts
 * (no parse and dump at start: ep_tools parses it on first use, and the tests check that it
 * parses for every row). Argument names are the API's kebab-case names in snake case. */
static int build_input(struct row *r, struct ep_error *err)
{
    const struct ep_epapi_endpoint *e = r->e;
    struct ep_buf props, req;
    ep_buf_init(&props, 1 << 20);
    ep_buf_init(&req, 1 << 16);
    int rc = 0;
    char an[96];
    /* path placeholders, in template order */
    for (const char *p = strchr(e->path, '{'); p && !rc; p = strchr(p + 1, '{')) {
        const char *close = strchr(p, '}');
        const struct epapi_param *pp =
            close ? param_find(e->path, p + 1, (size_t)(close - p - 1)) : NULL;
        if (!pp) {
            rc = ep_error_set(err, EP_EINTERNAL, "%s: placeholder %s not in the spec table",
                              e->path, p);
            break;
        }
        arg_name(pp->name, strlen(pp->name), an, sizeof an);
        if (ep_buf_printf(&props, "%s\"%s\":%s", props.len ? "," : "", an, pp->schema) ||
            ep_buf_printf(&req, "%s\"%s\"", req.len ? "," : "", an))
            rc = ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    /* query parameters the table lists */
    for (const char *q = e->params; *q && !rc;) {
        size_t len = strcspn(q, ",");
        const struct epapi_param *pp = param_find(e->path, q, len);
        if (!pp) {
            rc = ep_error_set(err, EP_EINTERNAL, "%s: query parameter %.*s not in the spec table",
                              e->path, (int)len, q);
            break;
        }
        const char *ps = pp->schema;
        if (strcmp(pp->name, "offset") == 0)
            ps = "{\"type\":\"integer\",\"minimum\":0,\"maximum\":1000000000,\"default\":0,"
                 "\"description\":\"Items to skip (paging; default 0).\"}";
        else if (strcmp(pp->name, "limit") == 0)
            ps = "{\"type\":\"integer\",\"minimum\":1,\"maximum\":500,\"default\":50,"
                 "\"description\":\"Items per page (1..500, default 50).\"}";
        arg_name(pp->name, len, an, sizeof an);
        if (ep_buf_printf(&props, "%s\"%s\":%s", props.len ? "," : "", an, ps))
            rc = ep_error_set(err, EP_ENOMEM, "out of memory");
        else if (pp->required && ep_buf_printf(&req, "%s\"%s\"", req.len ? "," : "", an))
            rc = ep_error_set(err, EP_ENOMEM, "out of memory");
        if (strcmp(pp->name, "limit") == 0)
            r->paged = 1;
        q += len;
        if (*q == ',')
            q++;
    }
    if (!rc) {
        struct ep_buf s;
        ep_buf_init(&s, 1 << 20);
        if (ep_buf_printf(&s,
                          "{\"type\":\"object\",\"properties\":{%.*s},\"required\":[%.*s],"
                          "\"additionalProperties\":false}",
                          (int)props.len, props.len ? props.data : "", (int)req.len,
                          req.len ? req.data : "") ||
            !(r->input = ep_buf_steal(&s)))
            rc = ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    ep_buf_free(&props);
    ep_buf_free(&req);
    return rc;
}

static void rows_free(struct ep_tools_epapi *ea)
{
    for (size_t i = 0; i < MAX_ROWS; i++) {
        free(ea->rowdata[i].title);
        free(ea->rowdata[i].description);
        free(ea->rowdata[i].input);
    }
    memset(ea->rowdata, 0, sizeof ea->rowdata);
    memset(ea->tool_rows, 0, sizeof ea->tool_rows);
    ea->n_rows = 0;
}

static int tool_health(struct ep_tool_ctx *ctx, json_t *args, json_t **result,
                       struct ep_error *err);

static int rows_build(struct ep_tools_epapi *ea, struct ep_error *err)
{
    size_t n = 0;
    const struct ep_epapi_endpoint *t = ep_epapi_endpoints(&n);
    /* the one outputSchema of every pass-through tool: tools/schemas/ep_api_passthrough.json */
    const struct ep_schema_text *pt = ep_schema_embedded("ep_api_passthrough");
    if (!pt || !pt->output)
        return ep_error_set(err, EP_EINTERNAL,
                            "tools/schemas/ep_api_passthrough.json was not embedded");
    int rc = 0;
    size_t k = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        if (!t[i].path) {
            rc = ep_error_set(err, EP_EINTERNAL, "endpoint %zu of the table has no path", i);
            break;
        }
        if (ep_tools_epapi_excluded(t[i].path))
            continue;
        if (k + 1 >= MAX_ROWS) {
            rc = ep_error_set(err, EP_EINTERNAL, "more than %d endpoints: raise MAX_ROWS",
                              MAX_ROWS - 1);
            break;
        }
        struct row *r = &ea->rowdata[k];
        r->e = &t[i];
        rc = build_input(r, err);
        if (rc)
            break;
        struct ep_buf d;
        ep_buf_init(&d, 1 << 16);
        ep_buf_printf(&d,
                      "%s%s Pass-through to GET %s of the EP Open Data API v2: the JSON-LD items "
                      "of its data array as published, through epintel's fetch pipeline (rate "
                      "limit, cache, circuit breaker, retry). %s",
                      t[i].summary,
                      t[i].summary[0] && t[i].summary[strlen(t[i].summary) - 1] == '.' ? "" : ".",
                      t[i].path,
                      t[i].feed   ? "A feed: items published or updated in the timeframe."
                      : r->paged  ? "Paged with offset/limit; hasMore says a full page came back."
                      : t[i].item ? "One resource by id; 404 upstream is an error."
                                  : "");
        if (ep_buf_printf(&d,
                          " Data cached %d s; a stale copy served when the upstream fails "
                          "is marked degraded with its age.",
                          t[i].ttl_s)) {
            ep_buf_free(&d);
            rc = ep_error_set(err, EP_ENOMEM, "out of memory");
            break;
        }
        r->description = ep_buf_steal(&d);
        struct ep_buf ti;
        ep_buf_init(&ti, 512);
        ep_buf_printf(&ti, "EP API: %s", t[i].path);
        r->title = ep_buf_steal(&ti);
        if (!r->title || !r->description) {
            rc = ep_error_set(err, EP_ENOMEM, "out of memory");
            break;
        }
        ea->tool_rows[k] = (struct ep_tool){.name = tool_name(&t[i]),
                                            .title = r->title,
                                            .description = r->description,
                                            .input_schema = r->input,
                                            .output_schema = pt->output,
                                            .read_only = 1,
                                            .idempotent = 1,
                                            .open_world = 1,
                                            .cache_ttl_s = t[i].ttl_s,
                                            .fn = handlers[k]};
        k++;
    }
    if (!rc) {
        ea->tool_rows[k] = (struct ep_tool){
            .name = "get_server_health",
            .title = "Server health: data age, breakers, caches, last sync",
            .description =
                "Health of epintel's data pipeline, with real figures only: the age of each "
                "dataset in the store (units by kind, with the sync checkpoints), the circuit "
                "breaker state and request/cache counts of every EP Open Data API endpoint "
                "this process has used, the fetch cache and tool result cache hit rates, and "
                "the last sync. Makes no upstream request.",
            /* schemas: tools/schemas/get_server_health.json */
            .read_only = 1,
            .idempotent = 0,
            .open_world = 0,
            .cache_ttl_s = 0,
            .fn = tool_health};
        ea->n_rows = k + 1;
    } else {
        rows_free(ea);
    }
    return rc;
}

const struct ep_tool *ep_tools_epapi_rows(struct ep_tools *ts, size_t *n, struct ep_error *err)
{
    struct ep_tools_epapi *ea = state(ts);
    *n = 0;
    if (!ea) {
        ep_error_set(err, EP_ENOMEM, "out of memory building the EP API tools");
        return NULL;
    }
    pthread_mutex_lock(&ea->mu);
    int rc = ea->n_rows ? 0 : rows_build(ea, err);
    pthread_mutex_unlock(&ea->mu);
    *n = rc ? 0 : ea->n_rows;
    return rc ? NULL : ea->tool_rows;
}

const char *ep_tools_epapi_endpoint_of(struct ep_tools *ts, const char *tool)
{
    struct ep_tools_epapi *ea =
        ts ? __atomic_load_n(ep_tools_epapi_slot(ts), __ATOMIC_ACQUIRE) : NULL;
    for (size_t i = 0; ea && tool && i + 1 < ea->n_rows; i++)
        if (strcmp(ea->tool_rows[i].name, tool) == 0)
            return ea->rowdata[i].e->path;
    return NULL;
}

/* ---- the pipeline --------------------------------------------------------------------------- */

int ep_tools_epapi_lock(struct ep_tools *ts, int try_only)
{
    struct ep_tools_epapi *ea = state(ts);
    if (!ea)
        return 0;
    if (try_only)
        return pthread_mutex_trylock(&ea->mu) == 0;
    pthread_mutex_lock(&ea->mu);
    return 1;
}

void ep_tools_epapi_unlock(struct ep_tools *ts)
{
    struct ep_tools_epapi *ea = state(ts);
    if (ea)
        pthread_mutex_unlock(&ea->mu);
}

static void reset_locked(struct ep_tools_epapi *ea)
{
    ep_fetch_free(ea->P.f);
    ea->P.f = NULL;
    if (ea->P.db)
        ep_store_close_side(ea->P.db);
    ea->P.db = NULL;
    if (ea->P.audit)
        fclose(ea->P.audit);
    ea->P.audit = NULL;
    free(ea->P.path);
    ea->P.path = NULL;
}

void ep_tools_epapi_reset(struct ep_tools *ts)
{
    struct ep_tools_epapi *ea = state(ts);
    if (!ea)
        return;
    pthread_mutex_lock(&ea->mu);
    reset_locked(ea);
    pthread_mutex_unlock(&ea->mu);
}

void ep_tools_epapi_free(struct ep_tools_epapi *ea)
{
    if (!ea)
        return;
    reset_locked(ea);
    free(ea->P.base_url);
    free(ea->P.audit_path);
    rows_free(ea);
    pthread_mutex_destroy(&ea->mu);
    free(ea);
}

struct ep_fetch *ep_tools_epapi_current(struct ep_tools *ts)
{
    struct ep_tools_epapi *ea = state(ts);
    return ea ? ea->P.f : NULL;
}

int ep_tools_epapi_configure(struct ep_tools *ts, const struct ep_fetch_opts *o,
                             struct ep_error *err)
{
    if (o && o->db)
        return ep_error_set(err, EP_EINVAL, "ep_tools_epapi_configure: db must be NULL");
    struct ep_tools_epapi *ea = state(ts);
    if (!ea)
        return ep_error_set(err, EP_ENOMEM, "out of memory configuring the EP API pipeline");
    pthread_mutex_lock(&ea->mu);
    reset_locked(ea);
    free(ea->P.base_url);
    free(ea->P.audit_path);
    ea->P.base_url = ea->P.audit_path = NULL;
    memset(&ea->P.opts, 0, sizeof ea->P.opts);
    ea->P.configured = o != NULL;
    if (o) {
        ea->P.opts = *o;
        ea->P.base_url = o->base_url ? ep_strdup0(o->base_url) : NULL;
        ea->P.audit_path = o->audit_path ? ep_strdup0(o->audit_path) : NULL;
        ea->P.opts.base_url = ea->P.base_url;
        ea->P.opts.audit_path = ea->P.audit_path;
    }
    pthread_mutex_unlock(&ea->mu);
    ep_tools_cache_clear(ts); /* results may come from another upstream now */
    return 0;
}

static int fetch_locked(struct ep_tools_epapi *ea, struct ep_store *s, struct ep_fetch **out,
                        struct ep_error *err);

int ep_tools_epapi_fetch(struct ep_tools *ts, struct ep_store *s, struct ep_fetch **out,
                         struct ep_error *err)
{
    struct ep_tools_epapi *ea = state(ts);
    if (!ea)
        return ep_error_set(err, EP_ENOMEM, "out of memory creating the EP API pipeline");
    pthread_mutex_lock(&ea->mu);
    int rc = fetch_locked(ea, s, out, err);
    pthread_mutex_unlock(&ea->mu);
    return rc;
}

static int fetch_locked(struct ep_tools_epapi *ea, struct ep_store *s, struct ep_fetch **out,
                        struct ep_error *err)
{
    const char *path = s ? ep_store_path(s) : "";
    if (!path || strcmp(path, ":memory:") == 0)
        path = "";
    if (ea->P.f && ea->P.path && strcmp(ea->P.path, path) == 0) {
        *out = ea->P.f;
        return 0;
    }
    reset_locked(ea);
    struct ep_fetch_opts o = ea->P.opts;
    struct ep_error side_err = {0};
    if (*path && ep_store_open_side(s, &ea->P.db, &side_err) == 0)
        o.db = ea->P.db; /* else (read-only or missing file): memory cache only */
    /* the fetch audit log: a private regular file (ep_log_open: O_NOFOLLOW, 0600); a path that
     * cannot be one is an error naming it, not a silent loss of the audit */
    const char *ap = getenv("EPINTEL_FETCH_AUDIT");
    if (!o.audit && !o.audit_path && ap && *ap) {
        struct ep_error e = {0};
        if (!(ea->P.audit = ep_log_open(ap, &e))) {
            reset_locked(ea);
            return ep_error_set(err, e.code, "EPINTEL_FETCH_AUDIT: %s", e.msg);
        }
        o.audit = ea->P.audit;
    }
    int rc = ep_fetch_new(&o, &ea->P.f, err);
    if (rc && o.db) { /* e.g. the cache table cannot be created: go on without a disk tier */
        ep_store_close_side(ea->P.db);
        ea->P.db = NULL;
        o.db = NULL;
        rc = ep_fetch_new(&o, &ea->P.f, err);
    }
    if (!rc) {
        size_t n = 0;
        const struct ep_epapi_endpoint *t = ep_epapi_endpoints(&n);
        for (size_t i = 0; i < n && !rc; i++)
            rc = ep_fetch_set_ttl(ea->P.f, t[i].path, t[i].ttl_s, err);
    }
    if (!rc && !(ea->P.path = ep_strdup0(path)))
        rc = ep_error_set(err, EP_ENOMEM, "out of memory");
    if (rc) {
        reset_locked(ea);
        return rc;
    }
    *out = ea->P.f;
    return 0;
}

/* ---- the pass-through call ------------------------------------------------------------------ */

/* RFC 3986: unreserved characters stay, everything else is %XX. */
static int put_escaped(struct ep_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    int rc = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p && !rc; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~", *p))
            rc = ep_buf_putc(b, (char)*p);
        else
            rc = ep_buf_printf(b, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
    }
    return rc;
}

/* A scalar argument as query text. */
static int put_scalar(struct ep_buf *b, json_t *v)
{
    char num[64];
    if (json_is_integer(v)) {
        snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return put_escaped(b, num);
    }
    if (json_is_real(v)) {
        snprintf(num, sizeof num, "%.17g", json_real_value(v));
        return put_escaped(b, num);
    }
    if (json_is_boolean(v))
        return put_escaped(b, json_is_true(v) ? "true" : "false");
    return put_escaped(b, json_string_value(v) ? json_string_value(v) : "");
}

static int build_query(const struct row *r, json_t *args, long offset, long limit, struct ep_buf *q)
{
    int rc = 0;
    char an[96];
    for (const char *p = r->e->params; *p && !rc;) {
        size_t len = strcspn(p, ",");
        arg_name(p, len, an, sizeof an);
        json_t *v = json_object_get(args, an);
        int is_off = len == 6 && strncmp(p, "offset", 6) == 0;
        int is_lim = len == 5 && strncmp(p, "limit", 5) == 0;
        if (is_off || is_lim) {
            rc = ep_buf_printf(q, "%s%.*s=%ld", q->len ? "&" : "", (int)len, p,
                               is_off ? offset : limit);
        } else if (v) {
            rc = ep_buf_printf(q, "%s%.*s=", q->len ? "&" : "", (int)len, p);
            if (json_is_array(v)) {
                size_t k;
                json_t *x;
                json_array_foreach(v, k, x)
                {
                    if (!rc && k)
                        rc = ep_buf_append(q, "%2C", 3); /* form, explode=false */
                    if (!rc)
                        rc = put_scalar(q, x);
                }
            } else if (!rc) {
                rc = put_scalar(q, v);
            }
        }
        p += len;
        if (*p == ',')
            p++;
    }
    return rc ? EP_ENOMEM : 0;
}

static int epapi_call_locked(struct ep_tools_epapi *ea, size_t i, struct ep_tool_ctx *ctx,
                             json_t *args, json_t **result, struct ep_error *err);

/* A pass-through call: under the pipeline's lock for its whole length (the pipeline, its
 * connection and its base URL string are used throughout). */
static int epapi_call(size_t i, struct ep_tool_ctx *ctx, json_t *args, json_t **result,
                      struct ep_error *err)
{
    struct ep_tools_epapi *ea = state(ctx ? ctx->tools : NULL);
    if (!ea)
        return ep_error_set(err, EP_EINTERNAL, "pass-through handler %zu called without its tools",
                            i);
    pthread_mutex_lock(&ea->mu);
    int rc = epapi_call_locked(ea, i, ctx, args, result, err);
    pthread_mutex_unlock(&ea->mu);
    return rc;
}

/* ctx is not NULL (epapi_call checked it). */
static int epapi_call_locked(struct ep_tools_epapi *ea, size_t i, struct ep_tool_ctx *ctx,
                             json_t *args, json_t **result, struct ep_error *err)
{
    if (i >= ea->n_rows || !ea->rowdata[i].e)
        return ep_error_set(err, EP_EINTERNAL, "pass-through handler %zu has no row", i);
    const struct row *r = &ea->rowdata[i];
    const struct ep_epapi_endpoint *e = r->e;
    const char *name = ea->tool_rows[i].name;
    const struct ep_tool *self = ep_tools_find(ctx->tools, name);

    /* path: placeholders in order from the arguments (schema-validated) */
    const char *vals[8];
    char valbuf[8][64];
    size_t nv = 0;
    char an[96];
    for (const char *p = strchr(e->path, '{'); p && nv < 8; p = strchr(p + 1, '{')) {
        const char *close = strchr(p, '}');
        arg_name(p + 1, close ? (size_t)(close - p - 1) : 0, an, sizeof an);
        json_t *v = json_object_get(args, an);
        if (json_is_integer(v)) {
            snprintf(valbuf[nv], sizeof valbuf[nv], "%" JSON_INTEGER_FORMAT, json_integer_value(v));
            vals[nv] = valbuf[nv];
        } else {
            vals[nv] = json_string_value(v);
        }
        if (!vals[nv])
            return ep_error_set(err, EP_EINVAL, "%s: argument \"%s\" is required", name, an);
        nv++;
    }
    char path[1024];
    int rc = ep_epapi_endpoint_path(e, vals, nv, path, sizeof path, err);
    if (rc)
        return rc;

    /* offset and limit: the caller's, else the inputSchema's defaults */
    long offset = 0, limit = 0;
    if (r->paged) {
        json_t *o = self ? ep_tools_arg(self, args, "offset") : NULL;
        json_t *l = self ? ep_tools_arg(self, args, "limit") : NULL;
        if (!json_is_integer(o) || !json_is_integer(l))
            return ep_error_set(err, EP_EINTERNAL,
                                "%s: the inputSchema has no default offset/limit", name);
        offset = (long)json_integer_value(o);
        limit = (long)json_integer_value(l);
    }
    struct ep_buf q;
    ep_buf_init(&q, 1 << 16);
    /* the upstream's parameters as the caller gave them: the upstream applies its own
     * defaults (the schema documents them), and the URL stays the cache key it was */
    if (build_query(r, ctx->args_given ? ctx->args_given : args, offset, limit, &q)) {
        ep_buf_free(&q);
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    struct ep_fetch *f = NULL;
    rc = fetch_locked(ea, ctx->store, &f, err);
    if (rc) {
        ep_buf_free(&q);
        return rc;
    }
    struct ep_fetch_req req = {.path = path,
                               .query = q.len ? q.data : NULL,
                               .endpoint = e->path,
                               .feed = e->feed,
                               .json = 1};
    if (ctx->deadline > 0) { /* what is left of the call's deadline, at least 1 ms */
        double left = ctx->deadline - ep_now();
        req.budget_s = left > 0.001 ? left : 0.001;
    }
    struct ep_fetch_result res = {0};
    struct ep_error ferr = {0};
    rc = ep_fetch_get(f, &req, &res, &ferr);
    ep_buf_free(&q);
    const char *upstream = ep_fetch_base_url(f);
    int empty = 0;
    if (rc == EP_ENOTFOUND && !e->item) {
        empty = 1; /* a list or feed past its end, or with nothing in it */
        rc = 0;
    } else if (rc == EP_ENOTFOUND) {
        rc = ep_error_set(err, EP_ENOTFOUND,
                          "%s: the EP Open Data API (%s) has no such resource: %s (HTTP 404); "
                          "check the id",
                          name, upstream, res.url ? res.url : path);
    } else if (rc == EP_EUNAVAIL) {
        rc = ep_error_set(err, EP_EUNAVAIL,
                          "%s: the EP Open Data API (%s) is unavailable and no cached copy "
                          "exists: %s",
                          name, upstream, ferr.msg);
    } else if (rc == EP_EINVAL) {
        rc = ep_error_set(err, EP_EINVAL, "%s: the EP Open Data API (%s) rejected the request: %s",
                          name, upstream, ferr.msg);
    } else if (rc) {
        rc = ep_error_set(err, rc, "%s: EP Open Data API (%s): %s", name, upstream, ferr.msg);
    }
    if (rc) {
        ep_fetch_result_free(&res);
        return rc;
    }
    if (res.status == 204 || !res.json)
        empty = 1;
    json_t *data = NULL;
    if (!empty) {
        json_t *d = json_object_get(res.json, "data");
        if (json_is_array(d))
            data = json_incref(d);
        else if (d)
            data = json_pack("[O]", d);
        else if (json_is_array(res.json))
            data = json_incref(res.json);
        else
            data = json_pack("[O]", res.json);
    } else {
        data = json_array();
    }
    size_t count = json_array_size(data);
    int constructed = json_is_true(json_object_get(res.json, "epintel:constructed"));
    json_t *src = json_pack("{s:s,s:s,s:i,s:f}", "upstream", upstream, "cache",
                            res.cache ? res.cache : "miss", "attempts", res.attempts, "age_s",
                            res.age > 0 ? res.age : 0.0);
    if (src && res.degraded)
        json_object_set_new(src, "warning", json_string(res.err.msg));
    json_t *out =
        json_pack("{s:s,s:s,s:i,s:o,s:I,s:o,s:o,s:b,s:b,s:b,s:o}", "endpoint", e->path, "url",
                  res.url ? res.url : path, "status",
                  (int)(res.status ? res.status : (empty ? 404 : 200)), "data", data, "count",
                  (json_int_t)count, "offset", r->paged ? json_integer(offset) : json_null(),
                  "limit", r->paged ? json_integer(limit) : json_null(), "hasMore",
                  r->paged && !empty && (long)count >= limit, "constructed", constructed,
                  "degraded", res.degraded, "source", src);
    ep_fetch_result_free(&res);
    if (!out)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    *result = out;
    return 0;
}

/* ---- get_server_health ---------------------------------------------------------------------- */

/* Seconds since an ISO-8601 UTC time "YYYY-MM-DDTHH:MM:SS[Z]" (or with a space), or -1. */
static double age_of(const char *iso, time_t now)
{
    struct tm tm = {0};
    if (!iso || strlen(iso) < 19)
        return -1;
    char buf[20];
    memcpy(buf, iso, 19);
    buf[19] = 0;
    buf[10] = 'T';
    const char *end = strptime(buf, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!end || *end)
        return -1;
    time_t t = timegm(&tm);
    return t == (time_t)-1 ? -1 : difftime(now, t);
}

static json_t *age_json(double a)
{
    return a < 0 ? json_null() : ep_json_real(a);
}

static json_t *rate(long hits, long lookups)
{
    return lookups > 0 ? ep_json_real((double)hits / (double)lookups) : json_null();
}

struct health_rows {
    json_t *ds, *cp, *last;
    double sync_age;
    time_t now;
};

static int health_kind(void *ctx, const struct ep_store_kind_row *k)
{
    struct health_rows *h = ctx;
    const char *at = k->last_ingested;
    json_array_append_new(h->ds, json_pack("{s:s,s:I,s:I,s:s,s:o}", "kind", k->kind, "units",
                                           (json_int_t)k->units, "records", (json_int_t)k->records,
                                           "last_ingested", at ? at : "", "age_s",
                                           age_json(age_of(at, h->now))));
    return 0;
}

/* the sync checkpoints (meta epapi.sync.*), and the last complete sync */
static int health_meta(void *ctx, const char *k, const char *v)
{
    struct health_rows *h = ctx;
    if (strcmp(k, "epapi.sync.last") == 0 && v && *v) {
        json_decref(h->last);
        h->last = json_string(v);
        h->sync_age = age_of(v, h->now);
    } else if (strlen(k) >= 11) {
        json_object_set_new(h->cp, k + 11, json_string(v ? v : ""));
    }
    return 0;
}

static int health_store(struct ep_store *s, json_t *out, time_t now, struct ep_error *err)
{
    struct health_rows h = {json_array(), json_object(), json_null(), -1, now};
    json_t *ddate = json_null();
    if (s) {
        int rc = ep_store_each_kind(s, health_kind, &h, err);
        if (rc) {
            json_decref(h.ds);
            json_decref(h.cp);
            ep_error_prefix(err, "get_server_health: ");
            return rc;
        }
        struct ep_error ignored = {0};
        ep_store_each_meta(s, "epapi.sync.", health_meta, &h, &ignored);
        char day[11];
        if (ep_store_dataset_date(s, day) == 0 && day[0]) {
            json_decref(ddate);
            ddate = json_string(day);
        }
    }
    json_object_set_new(out, "store", s ? json_string(ep_store_path(s)) : json_null());
    json_object_set_new(out, "datasets", h.ds);
    json_object_set_new(out, "dataset_date", ddate);
    json_object_set_new(out, "sync",
                        json_pack("{s:o,s:o,s:o}", "last", h.last, "age_s", age_json(h.sync_age),
                                  "checkpoints", h.cp));
    return 0;
}

static json_t *health_upstream(struct ep_tools_epapi *ea)
{
    struct pipeline P = ea ? ea->P : (struct pipeline){0};
    json_t *eps = json_array();
    struct ep_fetch_totals t = {0};
    if (P.f) {
        size_t n = ep_fetch_endpoint_count(P.f);
        for (size_t i = 0; i < n; i++) {
            struct ep_fetch_endpoint_stats st;
            if (ep_fetch_endpoint_stats(P.f, i, &st))
                continue;
            json_array_append_new(
                eps,
                json_pack("{s:s,s:s,s:i,s:I,s:I,s:I,s:I,s:I,s:I,s:f}", "endpoint", st.endpoint,
                          "breaker", ep_fetch_breaker_name(st.breaker), "consecutive_failures",
                          st.consecutive_failures, "requests", (json_int_t)st.requests, "failures",
                          (json_int_t)st.failures, "hits", (json_int_t)st.hits, "misses",
                          (json_int_t)st.misses, "revalidated", (json_int_t)st.revalidated, "stale",
                          (json_int_t)st.stale, "tokens", st.tokens));
        }
        ep_fetch_totals(P.f, &t);
    }
    json_t *tot = json_pack(
        "{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o}", "requests", (json_int_t)t.requests, "hits",
        (json_int_t)t.hits, "misses", (json_int_t)t.misses, "revalidated",
        (json_int_t)t.revalidated, "stale", (json_int_t)t.stale, "retries", (json_int_t)t.retries,
        "errors", (json_int_t)t.errors, "mem_cache_bytes", (json_int_t)t.mem_cache_bytes,
        "mem_cache_entries", (json_int_t)t.mem_cache_entries, "hit_rate",
        rate(t.hits + t.revalidated, t.hits + t.misses + t.revalidated + t.stale));
    return json_pack("{s:o,s:o,s:o}", "base_url",
                     P.f ? json_string(ep_fetch_base_url(P.f)) : json_null(), "endpoints", eps,
                     "totals", tot);
}

static int tool_health(struct ep_tool_ctx *ctx, json_t *args, json_t **result, struct ep_error *err)
{
    (void)args;
    time_t now = time(NULL);
    struct tm tm;
    char ts[32];
    gmtime_r(&now, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_t *out = json_pack("{s:s}", "checked_at", ts);
    if (!out)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    int rc = health_store(ctx ? ctx->store : NULL, out, now, err);
    if (rc) {
        json_decref(out);
        return rc;
    }
    struct ep_tools_epapi *ea = state(ctx ? ctx->tools : NULL);
    if (ea)
        pthread_mutex_lock(&ea->mu);
    json_object_set_new(out, "upstream", health_upstream(ea));
    if (ea)
        pthread_mutex_unlock(&ea->mu);
    struct ep_tools_cache_stats cs = {0};
    if (ctx && ctx->tools)
        ep_tools_cache_stats(ctx->tools, &cs);
    json_object_set_new(out, "result_cache",
                        json_pack("{s:I,s:I,s:I,s:I,s:I,s:o}", "hits", (json_int_t)cs.hits,
                                  "misses", (json_int_t)cs.misses, "evictions",
                                  (json_int_t)cs.evictions, "entries", (json_int_t)cs.entries,
                                  "bytes", (json_int_t)cs.bytes, "hit_rate",
                                  rate((long)cs.hits, (long)(cs.hits + cs.misses))));
    *result = out;
    return 0;
}

/* ---- metrics ----------------------------------------------------------------------------------
 */

/* Prometheus label value: backslash, quote and newline escaped. */
static void label_value(struct ep_buf *b, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\' || *v == '"')
            ep_buf_putc(b, '\\');
        if (*v == '\n')
            ep_buf_append(b, "\\n", 2);
        else
            ep_buf_putc(b, *v);
    }
}

int ep_tools_epapi_metrics(void *ctx, struct ep_buf *b)
{
    struct ep_tools *ts = ctx;
    if (!ep_tools_epapi_lock(ts, 1))
        return 0;
    struct ep_fetch *f = ep_tools_epapi_current(ts);
    size_t n = f ? ep_fetch_endpoint_count(f) : 0;
    static const char *const names[3] = {"epintel_breaker_state", "epintel_upstream_requests_total",
                                         "epintel_upstream_failures_total"};
    static const char *const help[3] = {
        "Circuit breaker per EP API endpoint: 0 closed, 1 open, 2 half-open.",
        "Requests to the EP API per endpoint.", "Failed attempts against the EP API per endpoint."};
    static const char *const type[3] = {"gauge", "counter", "counter"};
    for (int k = 0; k < 3; k++) {
        ep_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", names[k], help[k], names[k], type[k]);
        for (size_t i = 0; i < n; i++) {
            struct ep_fetch_endpoint_stats st;
            if (ep_fetch_endpoint_stats(f, i, &st))
                continue;
            ep_buf_printf(b, "%s{endpoint=\"", names[k]);
            label_value(b, st.endpoint);
            ep_buf_printf(b, "\"} %ld\n",
                          k == 0   ? (long)st.breaker
                          : k == 1 ? st.requests
                                   : st.failures);
        }
    }
    ep_tools_epapi_unlock(ts);
    return 1;
}
