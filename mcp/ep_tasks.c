/* ep_tasks: long tools/call as protocol tasks, kept in the store (see ep_tasks.h). */
#include "ep_tasks.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "ep_era2026.h"
#include "ep_mcp.h"
#include "ep_tools.h"
#include "ep_util.h"

/* The same DDL as the store's migration (engine/ep_store_schema.h), for a store migrated by an
 * older binary. lease_until: unix seconds until which owner runs it. */
#define TASK_DDL                                                                                   \
    "CREATE TABLE IF NOT EXISTS mcp_task(id TEXT PRIMARY KEY, principal TEXT NOT NULL,"            \
    " tool TEXT NOT NULL, args TEXT NOT NULL, out_dir TEXT NOT NULL DEFAULT '',"                   \
    " status TEXT NOT NULL, message TEXT NOT NULL DEFAULT '', result TEXT, error TEXT,"            \
    " created REAL NOT NULL, updated REAL NOT NULL, ttl_ms INTEGER NOT NULL,"                      \
    " owner TEXT NOT NULL DEFAULT '', lease_until REAL NOT NULL DEFAULT 0,"                        \
    " runs INTEGER NOT NULL DEFAULT 1);"                                                           \
    "CREATE INDEX IF NOT EXISTS mcp_task_principal ON mcp_task(principal, created);"

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
    sqlite3 *db;
    pthread_mutex_t dbmu; /* db */
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

static int db_err(struct ep_tasks *t, struct ep_error *err, const char *what)
{
    return ep_error_set(err, EP_EIO, "tasks: %s: %s", what, sqlite3_errmsg(t->db));
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
    const struct ep_tool *row = ep_tools_find(tool);
    json_t *in = row ? ep_tools_input_schema(row) : NULL;
    return json_object_get(json_object_get(in, "properties"), "formats") != NULL;
}

/* ------------------------------------------------------------- store rows */

#define VIEW_COLS "id, status, message, created, updated, ttl_ms, result, error, runs"

/* Fill v from a row of VIEW_COLS (dbmu held). */
static void row_view(sqlite3_stmt *st, struct ep_task_view *v)
{
    memset(v, 0, sizeof *v);
    snprintf(v->id, sizeof v->id, "%s", (const char *)sqlite3_column_text(st, 0));
    snprintf(v->status, sizeof v->status, "%s", (const char *)sqlite3_column_text(st, 1));
    const unsigned char *m = sqlite3_column_text(st, 2);
    snprintf(v->message, sizeof v->message, "%s", m ? (const char *)m : "");
    iso(sqlite3_column_double(st, 3), v->created_at);
    iso(sqlite3_column_double(st, 4), v->updated_at);
    v->ttl_ms = (long)sqlite3_column_int64(st, 5);
    const unsigned char *res = sqlite3_column_text(st, 6), *er = sqlite3_column_text(st, 7);
    v->result = res ? json_loads((const char *)res, 0, NULL) : NULL;
    v->error = er ? json_loads((const char *)er, 0, NULL) : NULL;
    v->runs = sqlite3_column_int(st, 8);
}

/* The row of id owned by principal into v (dbmu held): 0, EP_ENOTFOUND or EP_EIO. */
static int load_view(struct ep_tasks *t, const char *principal, const char *id,
                     struct ep_task_view *v, struct ep_error *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(t->db,
                           "SELECT " VIEW_COLS " FROM mcp_task WHERE id = ?1 AND principal = ?2",
                           -1, &st, NULL) != SQLITE_OK)
        return db_err(t, err, "reading a task");
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, principal, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        row_view(st, v);
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW)
        return 0;
    if (rc == SQLITE_DONE)
        return ep_error_set(err, EP_ENOTFOUND,
                            "unknown task \"%.60s\" (tasks are kept %ld h after creation, and only "
                            "their creator sees them)",
                            id, EP_TASKS_TTL_MS / 3600000);
    return db_err(t, err, "reading a task");
}

/* Run one UPDATE/DELETE with text parameters (NULL = SQL NULL) and a number; the number of rows
 * changed, or -1 (dbmu held). */
static int exec_sql(struct ep_tasks *t, const char *sql, const char *a, const char *b,
                    const char *c, double num)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(t->db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    const char *p[3] = {a, b, c};
    for (int i = 0; i < 3; i++)
        if (sqlite3_bind_parameter_count(st) > i)
            sqlite3_bind_text(st, i + 1, p[i], -1, SQLITE_TRANSIENT);
    if (sqlite3_bind_parameter_count(st) >= 4)
        sqlite3_bind_double(st, 4, num);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? sqlite3_changes(t->db) : -1;
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
    double now = now_s();
    pthread_mutex_lock(&t->dbmu);
    int n = has ? exec_sql(t,
                           "UPDATE mcp_task SET message = ?3, updated = ?4, lease_until = ?4 + "
                           "10 WHERE id = ?1 AND owner = ?2 AND status = 'working'",
                           r->id, t->owner, msg, now)
                : exec_sql(t,
                           "UPDATE mcp_task SET lease_until = ?4 + 10 WHERE id = ?1 AND "
                           "owner = ?2 AND status = 'working'",
                           r->id, t->owner, NULL, now);
    pthread_mutex_unlock(&t->dbmu);
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
    pthread_mutex_lock(&t->dbmu);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(t->db,
                           "UPDATE mcp_task SET status = ?3, message = ?4, result = ?5, "
                           "error = ?6, updated = ?7, lease_until = 0 WHERE id = ?1 AND "
                           "owner = ?2 AND status = 'working'",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, r->id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, t->owner, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, rt ? "completed" : "failed", -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, msg, -1, SQLITE_STATIC);
        if (rt)
            sqlite3_bind_text(st, 5, rt, -1, SQLITE_TRANSIENT);
        if (!rt && et)
            sqlite3_bind_text(st, 6, et, -1, SQLITE_TRANSIENT);
        sqlite3_bind_double(st, 7, now_s());
        if (sqlite3_step(st) != SQLITE_DONE)
            fprintf(stderr, "epintel: task %s: its outcome could not be stored: %s\n", r->id,
                    sqlite3_errmsg(t->db));
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&t->dbmu);
    free(rt);
    free(et);
    json_decref(m);
}

static void *run_main(void *arg)
{
    struct run *r = arg;
    struct ep_tasks *t = r->t;
    char *tool = NULL, *args = NULL, *out_dir = NULL, *principal = NULL;
    pthread_mutex_lock(&t->dbmu);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(t->db,
                           "SELECT tool, args, out_dir, principal FROM mcp_task WHERE id = ?1", -1,
                           &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, r->id, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) == SQLITE_ROW) {
            tool = strdup((const char *)sqlite3_column_text(st, 0));
            args = strdup((const char *)sqlite3_column_text(st, 1));
            out_dir = strdup((const char *)sqlite3_column_text(st, 2));
            principal = strdup((const char *)sqlite3_column_text(st, 3));
        }
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&t->dbmu);

    struct ep_mcp_options o = t->tmpl;
    o.tasks = NULL; /* the call runs here, inline */
    o.workers = 1;
    o.tool_timeout_s = 0; /* a task runs until done or cancelled */
    o.ctx.out_dir = out_dir && *out_dir ? out_dir : NULL;
    o.principal = principal;
    struct ep_mcp_server *srv = NULL;
    struct ep_error e = {0};
    json_t *a = args ? json_loads(args, 0, NULL) : NULL;
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
        pthread_mutex_lock(&t->dbmu);
        exec_sql(t, "UPDATE mcp_task SET lease_until = 0 WHERE id = ?1 AND owner = ?2", r->id,
                 t->owner, NULL, 0);
        pthread_mutex_unlock(&t->dbmu);
    }
    free(rt);
    free(tool);
    free(args);
    free(out_dir);
    free(principal);
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
    double now = now_s();
    char ids[16][40];
    int n = 0;
    pthread_mutex_lock(&t->dbmu);
    exec_sql(t, "DELETE FROM mcp_task WHERE status <> 'working' AND created + ttl_ms / 1000.0 < ?4",
             NULL, NULL, NULL, now);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(t->db,
                           "SELECT id FROM mcp_task WHERE status = 'working' AND lease_until < ?1 "
                           "LIMIT 16",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_double(st, 1, now);
        while (n < 16 && sqlite3_step(st) == SQLITE_ROW)
            snprintf(ids[n++], sizeof ids[0], "%s", (const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    for (int i = 0; i < n; i++) {
        /* claimed by one process only: the lease check and the update are one statement */
        if (exec_sql(t,
                     "UPDATE mcp_task SET owner = ?2, lease_until = ?4 + 10, runs = runs + 1, "
                     "message = 'resumed: its previous server stopped' WHERE id = ?1 AND status = "
                     "'working' AND lease_until < ?4",
                     ids[i], t->owner, NULL, now) != 1)
            ids[i][0] = 0;
    }
    pthread_mutex_unlock(&t->dbmu);
    for (int i = 0; i < n; i++)
        if (ids[i][0])
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
    *out = NULL;
    struct ep_tasks *t = calloc(1, sizeof *t);
    if (!t || rand_hex(t->owner, 16)) {
        free(t);
        return ep_error_set(err, EP_ENOMEM, "tasks: out of memory or no random bytes");
    }
    t->tmpl = *tmpl;
    pthread_mutex_init(&t->dbmu, NULL);
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->cv, NULL);
    int n = 0;
    while (tools && tools[n])
        n++;
    t->tools = calloc((size_t)n + 1, sizeof *t->tools);
    for (int i = 0; t->tools && i < n; i++)
        if ((t->tools[i] = strdup(tools[i])) != NULL)
            t->ntools = i + 1;
    int rc = 0;
    if (sqlite3_open_v2(db_path, &t->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        NULL) != SQLITE_OK)
        rc = ep_error_set(err, EP_EIO, "tasks: cannot open the store %s: %s", db_path,
                          t->db ? sqlite3_errmsg(t->db) : "out of memory");
    if (!rc) {
        sqlite3_busy_timeout(t->db, 10000);
        char *m = NULL;
        if (sqlite3_exec(t->db, "PRAGMA journal_mode=WAL;" TASK_DDL, NULL, NULL, &m) != SQLITE_OK)
            rc = ep_error_set(err, EP_EIO, "tasks: cannot create the task table in %s: %s", db_path,
                              m ? m : "?");
        sqlite3_free(m);
    }
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
    sqlite3_close(t->db);
    for (int i = 0; t->tools && i < t->ntools; i++)
        free(t->tools[i]);
    free(t->tools);
    pthread_mutex_destroy(&t->dbmu);
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
    double now = now_s();
    pthread_mutex_lock(&t->dbmu);
    sqlite3_stmt *st = NULL;
    int rc = 0;
    if (sqlite3_prepare_v2(t->db,
                           "INSERT INTO mcp_task(id, principal, tool, args, out_dir, status, "
                           "message, created, updated, ttl_ms, owner, lease_until) VALUES (?1, "
                           "?2, ?3, ?4, ?5, 'working', 'queued', ?6, ?6, ?7, ?8, ?6 + 10)",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = db_err(t, err, "creating a task");
    } else {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, principal ? principal : "", -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, tool, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 4, at, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 5, out_dir ? out_dir : "", -1, SQLITE_TRANSIENT);
        sqlite3_bind_double(st, 6, now);
        sqlite3_bind_int64(st, 7, ttl_ms);
        sqlite3_bind_text(st, 8, t->owner, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = db_err(t, err, "creating a task");
    }
    sqlite3_finalize(st);
    if (!rc)
        rc = load_view(t, principal ? principal : "", id, v, err); /* durable: it reads back */
    pthread_mutex_unlock(&t->dbmu);
    free(at);
    if (!rc)
        run_start(t, id);
    return rc;
}

int ep_tasks_get(struct ep_tasks *t, const char *principal, const char *id, struct ep_task_view *v,
                 struct ep_error *err)
{
    pthread_mutex_lock(&t->dbmu);
    int rc = load_view(t, principal ? principal : "", id, v, err);
    pthread_mutex_unlock(&t->dbmu);
    return rc;
}

int ep_tasks_cancel(struct ep_tasks *t, const char *principal, const char *id,
                    struct ep_task_view *v, struct ep_error *err)
{
    const char *p = principal ? principal : "";
    pthread_mutex_lock(&t->dbmu);
    int n = exec_sql(t,
                     "UPDATE mcp_task SET status = 'cancelled', message = 'cancelled by the "
                     "client', updated = ?4, lease_until = 0 WHERE id = ?1 AND principal = ?2 "
                     "AND status = 'working'",
                     id, p, NULL, now_s());
    int rc = n < 0 ? db_err(t, err, "cancelling a task") : load_view(t, p, id, v, err);
    pthread_mutex_unlock(&t->dbmu);
    if (!rc && n == 0)
        rc = ep_error_set(err, EP_EINVAL,
                          "task %s is already %s: only a working task can be "
                          "cancelled",
                          id, v->status);
    return rc;
}

int ep_tasks_list(struct ep_tasks *t, const char *principal, long offset, int limit,
                  json_t *(*fn)(const struct ep_task_view *v), json_t **items, int *more,
                  struct ep_error *err)
{
    *items = json_array();
    *more = 0;
    pthread_mutex_lock(&t->dbmu);
    sqlite3_stmt *st = NULL;
    int rc = 0;
    if (sqlite3_prepare_v2(t->db,
                           "SELECT " VIEW_COLS " FROM mcp_task WHERE principal = ?1 ORDER BY "
                           "created DESC, id LIMIT ?2 OFFSET ?3",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = db_err(t, err, "listing tasks");
    } else {
        sqlite3_bind_text(st, 1, principal ? principal : "", -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(st, 2, limit + 1);
        sqlite3_bind_int64(st, 3, offset);
        int k = 0;
        while (sqlite3_step(st) == SQLITE_ROW) {
            if (k++ == limit) {
                *more = 1;
                break;
            }
            struct ep_task_view v;
            row_view(st, &v);
            json_array_append_new(*items, fn(&v));
            ep_task_view_clear(&v);
        }
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&t->dbmu);
    return rc;
}
