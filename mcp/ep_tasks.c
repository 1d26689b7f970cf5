/* ep_tasks: long tools/call as protocol tasks, kept in the store (see ep_tasks.h). */
#include "ep_tasks.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "ep_era2026.h"
#include "ep_mcp.h"
#include "ep_state.h"
#include "ep_taskstore.h"
#include "ep_tools.h"
#include "ep_util.h"

struct run {
    struct run *next;
    struct ep_tasks *t;
    char id[40];
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char *final; /* the tool call's response (JSON-RPC message), owned */
    int done;    /* the core delivered its last message (final may be NULL: cancelled) */
    char progress[256];
    int progress_new;
    pthread_t th;
};

struct ep_tasks {
    struct ep_taskstore *ts; /* the rows; thread-safe (NULL with st) */
    struct ep_state *st;     /* --state: the rows in Redis instead (NULL = the store) */
    struct ep_mcp_options tmpl;
    char **tools;
    int ntools;
    char owner[33];     /* this process's (open's) lease id */
    pthread_mutex_t mu; /* runs, closing */
    pthread_cond_t cv;
    struct run *runs;
    int closing;
    pthread_t scanner;
    int scanner_started;
};

/* The row function f of engine/ep_taskstore.h, or of ep_state.h with --state. */
#define TASKS_ROWS(t, f, ...)                                                                      \
    ((t)->st ? ep_state_task_##f((t)->st, __VA_ARGS__) : ep_taskstore_##f((t)->ts, __VA_ARGS__))

/* n random bytes as 2n hex digits into out (2n + 1 bytes); 0 or -1. getrandom, not libcrypto:
 * a stdio server that never makes a task does not load it. */
static int rand_hex(char *out, size_t n)
{
    unsigned char b[32];
    if (n > sizeof b || getrandom(b, n, 0) != (ssize_t)n)
        return -1;
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
    return 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void iso(double t, char out[24])
{
    time_t s = (time_t)t;
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int ep_task_terminal(const struct ep_task_view *v)
{
    return strcmp(v->status, "completed") == 0 || strcmp(v->status, "failed") == 0 ||
           strcmp(v->status, "cancelled") == 0;
}

void ep_task_view_clear(struct ep_task_view *v)
{
    json_decref(v->result);
    json_decref(v->error);
    v->result = v->error = NULL;
}

static int listed(const struct ep_tasks *t, const char *tool)
{
    for (int i = 0; t && tool && i < t->ntools; i++)
        if (strcmp(t->tools[i], tool) == 0)
            return 1;
    return 0;
}

int ep_tasks_eligible(const struct ep_tasks *t, const char *tool, json_t *args)
{
    return t && tool && (listed(t, tool) || json_array_size(json_object_get(args, "formats")) > 0);
}

int ep_tasks_supports(const struct ep_tasks *t, const char *tool)
{
    if (!t || !tool)
        return 0;
    if (listed(t, tool))
        return 1;
    const struct ep_tool *row = ep_tools_find(t->tmpl.tools, tool);
    json_t *in = row ? ep_tools_input_schema(row) : NULL;
    return json_object_get(json_object_get(in, "properties"), "formats") != NULL;
}

/* ------------------------------------------------------------- store rows */

/* v from the stored row r (r's texts parsed). */
static void row_view(const struct ep_taskrow *r, struct ep_task_view *v)
{
    memset(v, 0, sizeof *v);
    memcpy(v->id, r->id, sizeof v->id);
    memcpy(v->status, r->status, sizeof v->status);
    memcpy(v->message, r->message, sizeof v->message);
    iso(r->created, v->created_at);
    iso(r->updated, v->updated_at);
    v->ttl_ms = r->ttl_ms;
    v->result = r->result ? json_loads(r->result, 0, NULL) : NULL;
    v->error = r->error ? json_loads(r->error, 0, NULL) : NULL;
    v->runs = r->runs;
}

/* The task id owned by principal into v: 0, EP_ENOTFOUND or EP_EIO (EP_EUNAVAIL in Redis). */
static int load_view(struct ep_tasks *t, const char *principal, const char *id,
                     struct ep_task_view *v, struct ep_error *err)
{
    struct ep_taskrow r;
    int rc = TASKS_ROWS(t, get, principal, id, &r, err);
    if (rc == EP_ENOTFOUND)
        return ep_error_set(err, EP_ENOTFOUND,
                            "unknown task \"%.60s\" (tasks are kept %ld h after creation, and only "
                            "their creator sees them)",
                            id, EP_TASKS_TTL_MS / 3600000);
    if (rc == 0)
        row_view(&r, v);
    ep_taskrow_clear(&r);
    return rc;
}

/* ------------------------------------------------------------------ runs */

/* The task server's writer: progress into the run, the response kept. */
static int run_write(void *wctx, void *origin, const char *json, size_t len, int last)
{
    struct run *r = wctx;
    (void)origin;
    pthread_mutex_lock(&r->mu);
    if (json && last) {
        free(r->final);
        r->final = strndup(json, len);
    } else if (json) {
        json_t *m = json_loadb(json, len, 0, NULL);
        json_t *p = json_object_get(m, "params");
        if (m && json_is_number(json_object_get(p, "progress"))) {
            const char *msg = json_string_value(json_object_get(p, "message"));
            double done = json_number_value(json_object_get(p, "progress"));
            json_t *tot = json_object_get(p, "total");
            if (json_is_number(tot))
                snprintf(r->progress, sizeof r->progress, "working: %g of %g%s%.200s", done,
                         json_number_value(tot), msg ? ": " : "", msg ? msg : "");
            else
                snprintf(r->progress, sizeof r->progress, "working: %g%s%.200s", done,
                         msg ? ": " : "", msg ? msg : "");
            r->progress_new = 1;
        }
        json_decref(m);
    }
    if (last) {
        r->done = 1;
        pthread_cond_broadcast(&r->cv);
    }
    pthread_mutex_unlock(&r->mu);
    return 0;
}

/* Renew r's lease with its latest progress; 1 when the task was cancelled (or taken by another
 * owner) meanwhile. */
static int run_heartbeat(struct run *r)
{
    struct ep_tasks *t = r->t;
    char msg[256] = "";
    pthread_mutex_lock(&r->mu);
    int has = r->progress_new;
    if (has)
        memcpy(msg, r->progress, sizeof msg);
    r->progress_new = 0;
    pthread_mutex_unlock(&r->mu);
    int n = TASKS_ROWS(t, renew, r->id, t->owner, has ? msg : NULL, now_s(), EP_TASKS_LEASE_S);
    return n == 0; /* -1 (a busy store): keep going, the next beat retries */
}

/* Record the outcome of a finished run (unless the task was cancelled meanwhile). */
static void run_finish(struct run *r, const char *final)
{
    struct ep_tasks *t = r->t;
    json_t *m = final ? json_loads(final, 0, NULL) : NULL;
    json_t *res = json_object_get(m, "result"), *er = json_object_get(m, "error");
    char *rt = res ? json_dumps(res, JSON_COMPACT) : NULL;
    char *et = er ? json_dumps(er, JSON_COMPACT) : NULL;
    if (!rt && !et) /* no response at all: the call was stopped */
        et = strdup("{\"code\":-32603,\"message\":\"the task's tool call ended without a "
                    "result\"}");
    const char *msg = rt ? (json_is_true(json_object_get(res, "isError"))
                                ? "completed: the tool reported an error (isError)"
                                : "completed")
                         : "failed";
    struct ep_error e = {0};
    if (TASKS_ROWS(t, finish, r->id, t->owner, rt ? "completed" : "failed", msg, rt, rt ? NULL : et,
                   now_s(), &e) < 0)
        fprintf(stderr, "epintel: task %s: its outcome could not be stored: %s\n", r->id, e.msg);
    free(rt);
    free(et);
    json_decref(m);
}

static void *run_main(void *arg)
{
    struct run *r = arg;
    struct ep_tasks *t = r->t;
    struct ep_taskcall c;
    struct ep_error e = {0};
    TASKS_ROWS(t, call, r->id, &c, &e); /* c left empty on failure: the task fails */
    const char *tool = c.tool;

    struct ep_mcp_options o = t->tmpl;
    o.tasks = NULL; /* the call runs here, inline */
    o.workers = 1;
    o.tool_timeout_s = 0; /* a task runs until done or cancelled */
    o.ctx.out_dir = c.out_dir && *c.out_dir ? c.out_dir : NULL;
    o.principal = c.principal;
    struct ep_mcp_server *srv = NULL;
    json_t *a = c.args ? json_loads(c.args, 0, NULL) : NULL;
    json_t *req =
        tool ? json_pack("{s:s,s:i,s:s,s:{s:s,s:O,s:{s:s,s:s,s:{}}}}", "jsonrpc", "2.0", "id", 1,
                         "method", "tools/call", "params", "name", tool, "arguments",
                         a ? a : json_object(), "_meta", "progressToken", r->id,
                         EP_META_PROTOCOL_VERSION, EP_MCP_MODERN_VERSION, EP_META_CLIENT_CAPS)
             : NULL;
    char *rt = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    json_decref(a);
    int abandoned = 0;
    if (rt && ep_mcp_server_new(&o, &srv, &e) == 0) {
        ep_mcp_set_writer(srv, run_write, r);
        ep_mcp_handle(srv, rt, strlen(rt), r);
        int stopped = 0;
        pthread_mutex_lock(&r->mu);
        while (!r->done) {
            struct timespec dl;
            clock_gettime(CLOCK_REALTIME, &dl);
            dl.tv_sec += 1;
            pthread_cond_timedwait(&r->cv, &r->mu, &dl); /* a second, or ep_tasks_close */
            if (r->done || stopped)
                continue;
            pthread_mutex_unlock(&r->mu);
            pthread_mutex_lock(&t->mu);
            int closing = t->closing;
            pthread_mutex_unlock(&t->mu);
            if (closing || run_heartbeat(r)) { /* stopping, or cancelled: stop the call */
                abandoned = closing;
                stopped = 1;
                ep_mcp_cancel_all(srv);
            }
            pthread_mutex_lock(&r->mu);
        }
        char *final = r->final;
        r->final = NULL;
        pthread_mutex_unlock(&r->mu);
        ep_mcp_server_free(srv);
        if (!stopped)
            run_finish(r, final);
        free(final);
    } else {
        run_finish(r, NULL);
    }
    if (abandoned) { /* give the lease back: the next process resumes it at once */
        TASKS_ROWS(t, release, r->id, t->owner);
    }
    if (rt) /* gcc 12's analyser takes a second free(NULL) in a path for a double free */
        free(rt);
    ep_taskcall_clear(&c);
    pthread_mutex_lock(&t->mu);
    for (struct run **pp = &t->runs; *pp; pp = &(*pp)->next)
        if (*pp == r) {
            *pp = r->next;
            break;
        }
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cv);
    free(r);
    return NULL;
}

/* Start running task id here (its lease is ours). */
static void run_start(struct ep_tasks *t, const char *id)
{
    struct run *r = calloc(1, sizeof *r);
    if (!r)
        return;
    r->t = t;
    snprintf(r->id, sizeof r->id, "%s", id);
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    pthread_mutex_lock(&t->mu);
    r->next = t->runs;
    t->runs = r;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&r->th, &at, run_main, r);
    pthread_attr_destroy(&at);
    if (rc != 0)
        t->runs = r->next;
    pthread_mutex_unlock(&t->mu);
    if (rc != 0) {
        pthread_mutex_destroy(&r->mu);
        pthread_cond_destroy(&r->cv);
        free(r);
    }
}

/* Take over the working tasks whose lease ran out; forget expired tasks. */
static void scan(struct ep_tasks *t)
{
    char ids[16][40];
    int n = TASKS_ROWS(t, claim, t->owner, "resumed: its previous server stopped", now_s(),
                       EP_TASKS_LEASE_S, ids, 16);
    for (int i = 0; i < n; i++)
        run_start(t, ids[i]);
}

static void *scanner_main(void *arg)
{
    struct ep_tasks *t = arg;
    pthread_mutex_lock(&t->mu);
    while (!t->closing) {
        pthread_mutex_unlock(&t->mu);
        scan(t);
        pthread_mutex_lock(&t->mu);
        struct timespec dl;
        clock_gettime(CLOCK_REALTIME, &dl);
        dl.tv_sec += 1;
        if (!t->closing)
            pthread_cond_timedwait(&t->cv, &t->mu, &dl);
    }
    pthread_mutex_unlock(&t->mu);
    return NULL;
}

/* ------------------------------------------------------------------- API */

int ep_tasks_open(const char *db_path, const struct ep_mcp_options *tmpl, const char *const *tools,
                  struct ep_tasks **out, struct ep_error *err)
{
    return ep_tasks_open_shared(db_path, NULL, tmpl, tools, out, err);
}

int ep_tasks_open_shared(const char *db_path, const char *state_url,
                         const struct ep_mcp_options *tmpl, const char *const *tools,
                         struct ep_tasks **out, struct ep_error *err)
{
    *out = NULL;
    struct ep_tasks *t = calloc(1, sizeof *t);
    if (!t || rand_hex(t->owner, 16)) {
        free(t);
        return ep_error_set(err, EP_ENOMEM, "tasks: out of memory or no random bytes");
    }
    t->tmpl = *tmpl;
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->cv, NULL);
    int n = 0;
    while (tools && tools[n])
        n++;
    /* the names in one block: the pointers, then the strings (one free in ep_tasks_close) */
    size_t bytes = ((size_t)n + 1) * sizeof *t->tools;
    for (int i = 0; i < n; i++)
        bytes += strlen(tools[i]) + 1;
    t->tools = malloc(bytes);
    int rc = t->tools ? 0 : ep_error_set(err, EP_ENOMEM, "tasks: out of memory");
    if (!rc) {
        char *p = (char *)(t->tools + n + 1);
        for (int i = 0; i < n; i++) {
            size_t len = strlen(tools[i]) + 1;
            memcpy(p, tools[i], len);
            t->tools[i] = p;
            p += len;
        }
        t->tools[n] = NULL;
        t->ntools = n;
    }
    if (!rc && state_url)
        rc = ep_state_open(state_url, &t->st, err);
    else if (!rc)
        rc = ep_taskstore_open(db_path, &t->ts, err);
    if (!rc && pthread_create(&t->scanner, NULL, scanner_main, t) != 0)
        rc = ep_error_set(err, EP_EINTERNAL, "tasks: cannot start the scanner thread");
    if (rc) {
        ep_tasks_close(t);
        return rc;
    }
    t->scanner_started = 1;
    *out = t;
    return 0;
}

void ep_tasks_close(struct ep_tasks *t)
{
    if (!t)
        return;
    pthread_mutex_lock(&t->mu);
    t->closing = 1;
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
    if (t->scanner_started)
        pthread_join(t->scanner, NULL);
    pthread_mutex_lock(&t->mu);
    for (struct run *r = t->runs; r; r = r->next) { /* wake them: they stop, give leases back */
        pthread_mutex_lock(&r->mu);
        pthread_cond_broadcast(&r->cv);
        pthread_mutex_unlock(&r->mu);
    }
    while (t->runs)
        pthread_cond_wait(&t->cv, &t->mu);
    pthread_mutex_unlock(&t->mu);
    ep_taskstore_close(t->ts);
    ep_state_close(t->st);
    free(t->tools); /* one block with the names */
    pthread_mutex_destroy(&t->mu);
    pthread_cond_destroy(&t->cv);
    free(t);
}

int ep_tasks_create(struct ep_tasks *t, const char *principal, const char *out_dir,
                    const char *tool, json_t *args, long ttl_ms, struct ep_task_view *v,
                    struct ep_error *err)
{
    char id[40] = "task-";
    if (rand_hex(id + 5, 16))
        return ep_error_set(err, EP_EINTERNAL, "tasks: no random bytes for a task id");
    if (ttl_ms <= 0 || ttl_ms > EP_TASKS_TTL_MS)
        ttl_ms = EP_TASKS_TTL_MS;
    char *at = json_dumps(args ? args : json_object(), JSON_COMPACT | JSON_SORT_KEYS);
    if (!at)
        return ep_error_set(err, EP_ENOMEM, "tasks: out of memory");
    struct ep_tasknew n = {.id = id,
                           .principal = principal ? principal : "",
                           .tool = tool,
                           .args = at,
                           .out_dir = out_dir,
                           .owner = t->owner,
                           .now = now_s(),
                           .ttl_ms = ttl_ms,
                           .lease_s = EP_TASKS_LEASE_S};
    int rc = TASKS_ROWS(t, insert, &n, err);
    if (!rc)
        rc = load_view(t, principal ? principal : "", id, v, err); /* durable: it reads back */
    free(at);
    if (!rc)
        run_start(t, id);
    return rc;
}

int ep_tasks_get(struct ep_tasks *t, const char *principal, const char *id, struct ep_task_view *v,
                 struct ep_error *err)
{
    return load_view(t, principal ? principal : "", id, v, err);
}

int ep_tasks_cancel(struct ep_tasks *t, const char *principal, const char *id,
                    struct ep_task_view *v, struct ep_error *err)
{
    const char *p = principal ? principal : "";
    int n = TASKS_ROWS(t, cancel, p, id, "cancelled by the client", now_s(), err);
    int rc = n < 0 ? n : load_view(t, p, id, v, err);
    if (!rc && n == 0)
        rc = ep_error_set(err, EP_EINVAL,
                          "task %s is already %s: only a working task can be "
                          "cancelled",
                          id, v->status);
    return rc;
}

struct list_ctx {
    json_t *(*fn)(const struct ep_task_view *v);
    json_t *items;
};

static void list_one(void *ctx, const struct ep_taskrow *r)
{
    struct list_ctx *c = ctx;
    struct ep_task_view v;
    row_view(r, &v);
    json_array_append_new(c->items, c->fn(&v));
    ep_task_view_clear(&v);
}

int ep_tasks_list(struct ep_tasks *t, const char *principal, long offset, int limit,
                  json_t *(*fn)(const struct ep_task_view *v), json_t **items, int *more,
                  struct ep_error *err)
{
    *items = json_array();
    struct list_ctx c = {fn, *items};
    return TASKS_ROWS(t, list, principal, offset, limit, list_one, &c, more, err);
}
