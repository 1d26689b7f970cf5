/* ep_taskstore: the rows of the protocol tasks (see ep_taskstore.h). */
#include "ep_taskstore.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_store.h"
#include "ep_store_db.h"

struct ep_taskstore {
    struct ep_store *s;
    sqlite3 *db; /* borrowed from s */
    pthread_mutex_t mu;
};

#define ROW_COLS "id, status, message, created, updated, ttl_ms, result, error, runs"

static int db_err(struct ep_taskstore *ts, struct ep_error *err, const char *what)
{
    return ep_error_set(err, EP_EIO, "tasks: %s: %s", what, sqlite3_errmsg(ts->db));
}

static char *dup_col(sqlite3_stmt *st, int i)
{
    const unsigned char *v = sqlite3_column_text(st, i);
    return v ? strdup((const char *)v) : NULL;
}

static void text_col(sqlite3_stmt *st, int i, char *out, size_t size)
{
    const unsigned char *v = sqlite3_column_text(st, i);
    snprintf(out, size, "%s", v ? (const char *)v : "");
}

/* r from a row of ROW_COLS. */
static void row_read(sqlite3_stmt *st, struct ep_taskrow *r)
{
    memset(r, 0, sizeof *r);
    text_col(st, 0, r->id, sizeof r->id);
    text_col(st, 1, r->status, sizeof r->status);
    text_col(st, 2, r->message, sizeof r->message);
    r->created = sqlite3_column_double(st, 3);
    r->updated = sqlite3_column_double(st, 4);
    r->ttl_ms = (long)sqlite3_column_int64(st, 5);
    r->result = dup_col(st, 6);
    r->error = dup_col(st, 7);
    r->runs = sqlite3_column_int(st, 8);
}

/* Bind text parameters p[0..n) (NULL = SQL NULL) to ?1..?n, then num to ?(n+1) and num2 to
 * ?(n+2) when the statement has them. */
static void bind_all(sqlite3_stmt *st, const char *const *p, int n, double num, double num2)
{
    for (int i = 0; i < n; i++)
        if (p[i])
            sqlite3_bind_text(st, i + 1, p[i], -1, SQLITE_TRANSIENT);
    if (sqlite3_bind_parameter_count(st) > n)
        sqlite3_bind_double(st, n + 1, num);
    if (sqlite3_bind_parameter_count(st) > n + 1)
        sqlite3_bind_double(st, n + 2, num2);
}

/* Run one INSERT/UPDATE/DELETE with text parameters p[0..n) and the numbers num, num2 (mu
 * held): the number of rows changed, or -1. */
static int exec_sql(struct ep_taskstore *ts, const char *sql, const char *const *p, int n,
                    double num, double num2)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(ts->db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    bind_all(st, p, n, num, num2);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? sqlite3_changes(ts->db) : -1;
}

int ep_taskstore_open(const char *path, struct ep_taskstore **out, struct ep_error *err)
{
    *out = NULL;
    struct ep_taskstore *ts = calloc(1, sizeof *ts);
    if (!ts)
        return ep_error_set(err, EP_ENOMEM, "tasks: out of memory");
    int rc = ep_store_open(path, 0, &ts->s, err);
    if (rc) {
        ep_error_prefix(err, "tasks: cannot open the store: ");
        free(ts);
        return rc;
    }
    ts->db = ep_store_db(ts->s);
    pthread_mutex_init(&ts->mu, NULL);
    *out = ts;
    return 0;
}

void ep_taskstore_close(struct ep_taskstore *ts)
{
    if (!ts)
        return;
    ep_store_close(ts->s);
    pthread_mutex_destroy(&ts->mu);
    free(ts);
}

void ep_taskrow_clear(struct ep_taskrow *r)
{
    free(r->result);
    free(r->error);
    r->result = r->error = NULL;
}

void ep_taskcall_clear(struct ep_taskcall *c)
{
    free(c->tool);
    free(c->args);
    free(c->out_dir);
    free(c->principal);
    memset(c, 0, sizeof *c);
}

int ep_taskstore_insert(struct ep_taskstore *ts, const struct ep_tasknew *n, struct ep_error *err)
{
    pthread_mutex_lock(&ts->mu);
    sqlite3_stmt *st = NULL;
    int rc = 0;
    if (sqlite3_prepare_v2(ts->db,
                           "INSERT INTO mcp_task(id, principal, tool, args, out_dir, status, "
                           "message, created, updated, ttl_ms, owner, lease_until) VALUES (?1, "
                           "?2, ?3, ?4, ?5, 'working', 'queued', ?6, ?6, ?7, ?8, ?6 + ?9)",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = db_err(ts, err, "creating a task");
    } else {
        const char *p[5] = {n->id, n->principal ? n->principal : "", n->tool, n->args,
                            n->out_dir ? n->out_dir : ""};
        bind_all(st, p, 5, n->now, 0);
        sqlite3_bind_int64(st, 7, n->ttl_ms);
        sqlite3_bind_text(st, 8, n->owner, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(st, 9, n->lease_s);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = db_err(ts, err, "creating a task");
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&ts->mu);
    return rc;
}

/* Run the one-row SELECT sql with text parameters p[0..n) (p[0]: the task id) under mu:
 * read(st, out) on its row. 0, EP_ENOTFOUND (no row) or EP_EIO. */
static int select_row(struct ep_taskstore *ts, const char *sql, const char *const *p, int n,
                      void (*read)(sqlite3_stmt *st, void *out), void *out, struct ep_error *err)
{
    pthread_mutex_lock(&ts->mu);
    sqlite3_stmt *st = NULL;
    int rc;
    if (sqlite3_prepare_v2(ts->db, sql, -1, &st, NULL) != SQLITE_OK) {
        rc = db_err(ts, err, "reading a task");
    } else {
        bind_all(st, p, n, 0, 0);
        int s = sqlite3_step(st);
        if (s == SQLITE_ROW) {
            read(st, out);
            rc = 0;
        } else if (s == SQLITE_DONE) {
            rc = ep_error_set(err, EP_ENOTFOUND, "unknown task \"%.60s\"", p[0]);
        } else {
            rc = db_err(ts, err, "reading a task");
        }
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&ts->mu);
    return rc;
}

static void read_row(sqlite3_stmt *st, void *out)
{
    row_read(st, out);
}

static void read_call(sqlite3_stmt *st, void *out)
{
    struct ep_taskcall *c = out;
    c->tool = dup_col(st, 0);
    c->args = dup_col(st, 1);
    c->out_dir = dup_col(st, 2);
    c->principal = dup_col(st, 3);
}

int ep_taskstore_get(struct ep_taskstore *ts, const char *principal, const char *id,
                     struct ep_taskrow *r, struct ep_error *err)
{
    memset(r, 0, sizeof *r);
    const char *p[2] = {id, principal ? principal : ""};
    return select_row(ts, "SELECT " ROW_COLS " FROM mcp_task WHERE id = ?1 AND principal = ?2", p,
                      2, read_row, r, err);
}

int ep_taskstore_call(struct ep_taskstore *ts, const char *id, struct ep_taskcall *c,
                      struct ep_error *err)
{
    memset(c, 0, sizeof *c);
    const char *p[1] = {id};
    int rc = select_row(ts, "SELECT tool, args, out_dir, principal FROM mcp_task WHERE id = ?1", p,
                        1, read_call, c, err);
    if (!rc && !(c->tool && c->args && c->out_dir && c->principal))
        rc = ep_error_set(err, EP_ENOMEM, "tasks: out of memory");
    if (rc)
        ep_taskcall_clear(c);
    return rc;
}

int ep_taskstore_renew(struct ep_taskstore *ts, const char *id, const char *owner,
                       const char *message, double now, int lease_s)
{
    pthread_mutex_lock(&ts->mu);
    const char *p[3] = {id, owner, message};
    int n = message ? exec_sql(ts,
                               "UPDATE mcp_task SET message = ?3, updated = ?4, lease_until = ?4 + "
                               "?5 WHERE id = ?1 AND owner = ?2 AND status = 'working'",
                               p, 3, now, lease_s)
                    : exec_sql(ts,
                               "UPDATE mcp_task SET lease_until = ?4 + ?5 WHERE id = ?1 AND "
                               "owner = ?2 AND status = 'working'",
                               p, 3, now, lease_s);
    pthread_mutex_unlock(&ts->mu);
    return n;
}

int ep_taskstore_finish(struct ep_taskstore *ts, const char *id, const char *owner,
                        const char *status, const char *message, const char *result,
                        const char *error, double now, struct ep_error *err)
{
    pthread_mutex_lock(&ts->mu);
    const char *p[6] = {id, owner, status, message, result, error};
    int n = exec_sql(ts,
                     "UPDATE mcp_task SET status = ?3, message = ?4, result = ?5, error = ?6, "
                     "updated = ?7, lease_until = 0 WHERE id = ?1 AND owner = ?2 AND status = "
                     "'working'",
                     p, 6, now, 0);
    if (n < 0)
        n = db_err(ts, err, "storing a task's outcome");
    pthread_mutex_unlock(&ts->mu);
    return n;
}

void ep_taskstore_release(struct ep_taskstore *ts, const char *id, const char *owner)
{
    pthread_mutex_lock(&ts->mu);
    const char *p[2] = {id, owner};
    exec_sql(ts, "UPDATE mcp_task SET lease_until = 0 WHERE id = ?1 AND owner = ?2", p, 2, 0, 0);
    pthread_mutex_unlock(&ts->mu);
}

int ep_taskstore_cancel(struct ep_taskstore *ts, const char *principal, const char *id,
                        const char *message, double now, struct ep_error *err)
{
    pthread_mutex_lock(&ts->mu);
    const char *p[3] = {id, principal ? principal : "", message};
    int n = exec_sql(ts,
                     "UPDATE mcp_task SET status = 'cancelled', message = ?3, updated = ?4, "
                     "lease_until = 0 WHERE id = ?1 AND principal = ?2 AND status = 'working'",
                     p, 3, now, 0);
    if (n < 0)
        n = db_err(ts, err, "cancelling a task");
    pthread_mutex_unlock(&ts->mu);
    return n;
}

int ep_taskstore_claim(struct ep_taskstore *ts, const char *owner, const char *message, double now,
                       int lease_s, char (*ids)[40], int max)
{
    if (!ids || max <= 0)
        return 0;
    int n = 0;
    pthread_mutex_lock(&ts->mu);
    exec_sql(ts,
             "DELETE FROM mcp_task WHERE status <> 'working' AND created + ttl_ms / 1000.0 < ?1",
             NULL, 0, now, 0);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(ts->db,
                           "SELECT id FROM mcp_task WHERE status = 'working' AND lease_until < ?1 "
                           "LIMIT ?2",
                           -1, &st, NULL) != SQLITE_OK) {
        pthread_mutex_unlock(&ts->mu);
        return -1;
    }
    sqlite3_bind_double(st, 1, now);
    sqlite3_bind_int(st, 2, max);
    while (n < max && sqlite3_step(st) == SQLITE_ROW)
        text_col(st, 0, ids[n++], sizeof ids[0]);
    sqlite3_finalize(st);
    int k = 0;
    for (int i = 0; i < n; i++) {
        /* claimed by one process only: the lease check and the update are one statement */
        const char *p[3] = {ids[i], owner, message};
        if (exec_sql(ts,
                     "UPDATE mcp_task SET owner = ?2, lease_until = ?4 + ?5, runs = runs + 1, "
                     "message = ?3 WHERE id = ?1 AND status = 'working' AND lease_until < ?4",
                     p, 3, now, lease_s) != 1)
            continue;
        if (k != i)
            memmove(ids[k], ids[i], sizeof ids[0]); /* k < i */
        k++;
    }
    pthread_mutex_unlock(&ts->mu);
    return k;
}

int ep_taskstore_list(struct ep_taskstore *ts, const char *principal, long offset, int limit,
                      void (*fn)(void *ctx, const struct ep_taskrow *r), void *ctx, int *more,
                      struct ep_error *err)
{
    *more = 0;
    pthread_mutex_lock(&ts->mu);
    sqlite3_stmt *st = NULL;
    int rc = 0;
    if (sqlite3_prepare_v2(ts->db,
                           "SELECT " ROW_COLS " FROM mcp_task WHERE principal = ?1 ORDER BY "
                           "created DESC, id LIMIT ?2 OFFSET ?3",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = db_err(ts, err, "listing tasks");
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
            struct ep_taskrow r;
            row_read(st, &r);
            fn(ctx, &r);
            ep_taskrow_clear(&r);
        }
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&ts->mu);
    return rc;
}
