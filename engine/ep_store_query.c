/* ep_store_query: the front ends' store queries (see ep_store_query.h). */
#include "ep_store_query.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_store.h"
#include "ep_store_db.h"
#include "ep_util.h"

static int db_err(sqlite3 *db, struct ep_error *err, const char *what)
{
    return ep_error_set(err, EP_EDB, "%s: %s", what, sqlite3_errmsg(db));
}

static const char *text_or(sqlite3_stmt *q, int col, const char *dflt)
{
    const char *t = (const char *)sqlite3_column_text(q, col);
    return t ? t : dflt;
}

/* ---- read transactions ---------------------------------------------------------------------- */

int ep_store_read_begin(struct ep_store *s)
{
    sqlite3 *db = s ? ep_store_db(s) : NULL;
    return db && sqlite3_get_autocommit(db) &&
           sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
}

void ep_store_read_end(struct ep_store *s)
{
    sqlite3 *db = s ? ep_store_db(s) : NULL;
    if (db && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

/* ---- content -------------------------------------------------------------------------------- */

static long scalar(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *q;
    long v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK) {
        if (sqlite3_step(q) == SQLITE_ROW)
            v = (long)sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
    }
    return v;
}

void ep_store_info(struct ep_store *s, struct ep_store_info *out)
{
    static const struct {
        const char *label, *sql;
    } counts[EP_STORE_INFO_COUNTS] = {
        {"members", "SELECT COUNT(*) FROM member"},
        {"groups", "SELECT COUNT(*) FROM grp"},
        {"memberships", "SELECT COUNT(*) FROM membership"},
        {"countries", "SELECT COUNT(*) FROM country"},
        {"committees", "SELECT COUNT(*) FROM committee"},
        {"sittings", "SELECT COUNT(*) FROM sitting"},
        {"votes", "SELECT COUNT(*) FROM vote"},
        {"votes_with_positions", "SELECT COUNT(*) FROM vote WHERE pos_unit_id IS NOT NULL"},
        {"positions_cast", "SELECT COALESCE(SUM(n), 0) FROM vote_positions"},
        {"meps_who_voted",
         "SELECT COUNT(DISTINCT member_id) FROM position WHERE pos BETWEEN 1 AND 3"},
        {"search_documents", "SELECT COUNT(*) FROM search"},
        {"units", "SELECT COUNT(*) FROM unit"},
    };
    static const char *const range_sql[4] = {
        "SELECT MIN(sitting_date) FROM vote", "SELECT MAX(sitting_date) FROM vote",
        "SELECT MIN(sitting_date) FROM vote WHERE pos_unit_id IS NOT NULL",
        "SELECT MAX(sitting_date) FROM vote WHERE pos_unit_id IS NOT NULL"};
    sqlite3 *db = ep_store_db(s);
    char *range[4] = {out->votes_from, out->votes_to, out->positions_from, out->positions_to};
    for (int k = 0; k < 4; k++) {
        sqlite3_stmt *q;
        range[k][0] = 0;
        if (sqlite3_prepare_v2(db, range_sql[k], -1, &q, NULL) == SQLITE_OK) {
            if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) == SQLITE_TEXT)
                snprintf(range[k], 11, "%s", (const char *)sqlite3_column_text(q, 0));
            sqlite3_finalize(q);
        }
    }
    out->schema_version = scalar(db, "PRAGMA user_version");
    for (int k = 0; k < EP_STORE_INFO_COUNTS; k++) {
        out->counts[k].label = counts[k].label;
        out->counts[k].value = scalar(db, counts[k].sql);
    }
}

int ep_store_each_unit(struct ep_store *s, int (*fn)(void *ctx, const struct ep_store_unit_row *u),
                       void *ctx, struct ep_error *err)
{
    sqlite3 *db = ep_store_db(s);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db,
                           "SELECT path, kind, records, warnings, COALESCE(ingested_at, '') "
                           "FROM unit ORDER BY id",
                           -1, &q, NULL) != SQLITE_OK)
        return db_err(db, err, "listing the units");
    int rc = 0, st;
    while (!rc && (st = sqlite3_step(q)) == SQLITE_ROW) {
        struct ep_store_unit_row u = {text_or(q, 0, ""), text_or(q, 1, ""), text_or(q, 4, ""),
                                      sqlite3_column_int64(q, 2), sqlite3_column_int64(q, 3)};
        rc = fn(ctx, &u);
    }
    if (!rc && st != SQLITE_DONE)
        rc = db_err(db, err, "listing the units");
    sqlite3_finalize(q);
    return rc;
}

int ep_store_each_kind(struct ep_store *s, int (*fn)(void *ctx, const struct ep_store_kind_row *k),
                       void *ctx, struct ep_error *err)
{
    sqlite3 *db = ep_store_db(s);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db,
                           "SELECT kind, COUNT(*), COALESCE(SUM(records), 0), MAX(ingested_at) "
                           "FROM unit GROUP BY kind ORDER BY kind",
                           -1, &q, NULL) != SQLITE_OK)
        return db_err(db, err, "counting the units per kind");
    int rc = 0;
    while (!rc && sqlite3_step(q) == SQLITE_ROW) {
        struct ep_store_kind_row k = {text_or(q, 0, ""), text_or(q, 3, NULL),
                                      sqlite3_column_int64(q, 1), sqlite3_column_int64(q, 2)};
        rc = fn(ctx, &k);
    }
    sqlite3_finalize(q);
    return rc;
}

int ep_store_each_meta(struct ep_store *s, const char *prefix,
                       int (*fn)(void *ctx, const char *key, const char *value), void *ctx,
                       struct ep_error *err)
{
    sqlite3 *db = ep_store_db(s);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db, "SELECT key, value FROM meta WHERE key LIKE ?1 || '%' ORDER BY key",
                           -1, &q, NULL) != SQLITE_OK)
        return db_err(db, err, "reading meta");
    sqlite3_bind_text(q, 1, prefix ? prefix : "", -1, SQLITE_TRANSIENT);
    int rc = 0;
    while (!rc && sqlite3_step(q) == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(q, 0);
        if (k)
            rc = fn(ctx, k, (const char *)sqlite3_column_text(q, 1));
    }
    sqlite3_finalize(q);
    return rc;
}

int ep_store_count_units_except(struct ep_store *s, const char *kind, long *out,
                                struct ep_error *err)
{
    sqlite3 *db = ep_store_db(s);
    sqlite3_stmt *q;
    *out = 0;
    if (sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM unit WHERE kind <> ?1", -1, &q, NULL) !=
        SQLITE_OK)
        return db_err(db, err, "counting the units");
    sqlite3_bind_text(q, 1, kind ? kind : "", -1, SQLITE_TRANSIENT);
    if (sqlite3_step(q) == SQLITE_ROW)
        *out = (long)sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return 0;
}

/* ---- epintel sql ---------------------------------------------------------------------------- */

int ep_store_sql(struct ep_store *s, const char *query,
                 int (*header)(void *ctx, int ncol, const char *const *names),
                 int (*row)(void *ctx, int ncol, const char *const *values), void *ctx,
                 struct ep_error *err)
{
    sqlite3 *db = ep_store_db(s);
    sqlite3_stmt *st = NULL;
    const char *tail = NULL;
    int rc = 0;
    if (sqlite3_prepare_v2(db, query, -1, &st, &tail) != SQLITE_OK)
        rc = ep_error_set(err, EP_EDB, "%s", sqlite3_errmsg(db));
    else if (!st)
        rc = ep_error_set(err, EP_EINVAL, "the query holds no statement");
    else if (tail && tail[strspn(tail, " \t\r\n;")])
        rc =
            ep_error_set(err, EP_EINVAL, "one statement at a time (more follows: \"%.40s\")", tail);
    else if (!sqlite3_stmt_readonly(st))
        rc = ep_error_set(err, EP_EINVAL, "only statements that read are run (this one writes)");
    if (rc) {
        sqlite3_finalize(st);
        return rc;
    }
    int ncol = sqlite3_column_count(st);
    const char **v = calloc((size_t)ncol + 1, sizeof *v);
    if (!v) {
        sqlite3_finalize(st);
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    if (header) {
        for (int c = 0; c < ncol; c++)
            v[c] = sqlite3_column_name(st, c);
        rc = header(ctx, ncol, v);
    }
    int step = SQLITE_DONE;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        for (int c = 0; c < ncol; c++)
            v[c] = (const char *)sqlite3_column_text(st, c);
        rc = row(ctx, ncol, v);
    }
    if (!rc && step != SQLITE_DONE)
        rc = ep_error_set(err, EP_EDB, "%s", sqlite3_errmsg(db));
    free(v);
    sqlite3_finalize(st);
    return rc;
}

/* ---- the MCP provider ------------------------------------------------------------------------ */

static int exists(struct ep_store *s, const char *sql, const char *text, int64_t id)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(ep_store_db(s), sql, -1, &q, NULL) != SQLITE_OK)
        return -1;
    if (text)
        sqlite3_bind_text(q, 1, text, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_int64(q, 1, id);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int ep_store_vote_exists(struct ep_store *s, int64_t id)
{
    return exists(s, "SELECT 1 FROM vote WHERE id = ?", NULL, id);
}

int ep_store_sitting_exists(struct ep_store *s, const char *date)
{
    return exists(s, "SELECT 1 FROM vote WHERE sitting_date = ?", date ? date : "", 0);
}

int ep_store_each_resource(struct ep_store *s, long offset, int limit,
                           int (*fn)(void *ctx, int kind, const char *key, const char *name),
                           void *ctx, struct ep_error *err)
{
    sqlite3 *db = ep_store_db(s);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(
            db,
            "SELECT k, key, name FROM ("
            " SELECT 0 AS k, code AS key, COALESCE(label, code) AS name FROM grp"
            " UNION ALL SELECT 1, sitting_date, COUNT(*) || ' roll-call votes with positions'"
            "  FROM vote WHERE pos_unit_id IS NOT NULL GROUP BY sitting_date"
            " UNION ALL SELECT 2, id, TRIM(COALESCE(first_name, '') || ' ' ||"
            "  COALESCE(last_name, '')) FROM member"
            "  WHERE id IN (SELECT member_id FROM membership))"
            " ORDER BY k, key LIMIT ? OFFSET ?",
            -1, &q, NULL) != SQLITE_OK)
        return db_err(db, err, "listing resources");
    sqlite3_bind_int(q, 1, limit);
    sqlite3_bind_int64(q, 2, offset);
    int rc = 0, st;
    while (!rc && (st = sqlite3_step(q)) == SQLITE_ROW)
        rc = fn(ctx, sqlite3_column_int(q, 0), text_or(q, 1, ""), text_or(q, 2, ""));
    if (!rc && st != SQLITE_DONE)
        rc = db_err(db, err, "listing resources");
    sqlite3_finalize(q);
    return rc;
}

/* value with LIKE's wildcards and the escape character escaped (ESCAPE '\') */
static int like_escape(const char *s, struct ep_buf *out)
{
    for (; *s; s++) {
        if ((*s == '%' || *s == '_' || *s == '\\') && ep_buf_putc(out, '\\'))
            return EP_ENOMEM;
        if (ep_buf_putc(out, *s))
            return EP_ENOMEM;
    }
    return 0;
}

int ep_store_complete(struct ep_store *s, enum ep_store_completion kind, const char *value,
                      int (*fn)(void *ctx, const char *v), void *ctx, struct ep_error *err)
{
    static const char *const sql[] = {
        [EP_COMPLETE_MEP_ID] =
            "SELECT CAST(id AS TEXT) FROM member WHERE CAST(id AS TEXT) LIKE ? || '%' "
            "ESCAPE '\\' AND id IN (SELECT member_id FROM membership) ORDER BY id",
        [EP_COMPLETE_MEP_NAME] =
            "SELECT CAST(id AS TEXT) FROM member WHERE (COALESCE(first_name, '') "
            "|| ' ' || COALESCE(last_name, '') LIKE '%' || ?1 || '%' ESCAPE '\\' OR "
            "COALESCE(last_name, '') || ' ' || COALESCE(first_name, '') LIKE '%' || "
            "?1 || '%' ESCAPE '\\') ORDER BY last_name, first_name, id",
        [EP_COMPLETE_GROUP_CODE] =
            "SELECT code FROM grp WHERE code LIKE ? || '%' ESCAPE '\\' ORDER BY code",
        [EP_COMPLETE_GROUP_LABEL] =
            "SELECT code FROM grp WHERE label LIKE '%' || ?1 || '%' ESCAPE '\\' OR "
            "short_label LIKE '%' || ?1 || '%' ESCAPE '\\' ORDER BY code",
        [EP_COMPLETE_SITTING] =
            "SELECT sitting_date FROM vote WHERE sitting_date LIKE ? || '%' ESCAPE '\\' "
            "GROUP BY sitting_date ORDER BY MAX(pos_unit_id IS NOT NULL) DESC, "
            "sitting_date DESC",
        [EP_COMPLETE_PROCEDURE] =
            "SELECT DISTINCT procedure_reference FROM vote WHERE procedure_reference "
            "LIKE ? || '%' ESCAPE '\\' ORDER BY procedure_reference DESC",
        [EP_COMPLETE_VOTE] = "SELECT CAST(id AS TEXT) FROM vote WHERE pos_unit_id IS NOT NULL AND "
                             "CAST(id AS TEXT) LIKE ? || '%' ESCAPE '\\' ORDER BY id",
    };
    if ((unsigned)kind >= sizeof sql / sizeof sql[0])
        return ep_error_set(err, EP_EINVAL, "unknown completion kind %d", (int)kind);
    struct ep_buf esc;
    ep_buf_init(&esc, 0);
    if (like_escape(value ? value : "", &esc)) {
        ep_buf_free(&esc);
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    sqlite3 *db = ep_store_db(s);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db, sql[kind], -1, &q, NULL) != SQLITE_OK) {
        ep_buf_free(&esc);
        return db_err(db, err, "completing");
    }
    sqlite3_bind_text(q, 1, esc.data ? esc.data : "", -1, SQLITE_TRANSIENT);
    ep_buf_free(&esc);
    int rc = 0, st;
    while (!rc && (st = sqlite3_step(q)) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(q, 0);
        if (v)
            rc = fn(ctx, v);
    }
    if (!rc && st != SQLITE_DONE)
        rc = db_err(db, err, "completing");
    sqlite3_finalize(q);
    return rc;
}

/* ---- daily quotas --------------------------------------------------------------------------- */

struct ep_store_quota {
    struct ep_store *s;
    sqlite3_stmt *get, *put;
};

int ep_store_quota_open(const char *path, const char *prune_before, struct ep_store_quota **out,
                        struct ep_error *err)
{
    *out = NULL;
    struct ep_store_quota *q = calloc(1, sizeof *q);
    if (!q)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    int rc = ep_store_open(path, EP_STORE_EXISTING, &q->s, err);
    sqlite3 *db = q->s ? ep_store_db(q->s) : NULL;
    sqlite3_stmt *del = NULL;
    if (!rc && (sqlite3_prepare_v2(db, "DELETE FROM quota WHERE day < ?1", -1, &del, NULL) ||
                sqlite3_bind_text(del, 1, prune_before, -1, SQLITE_TRANSIENT) ||
                sqlite3_step(del) != SQLITE_DONE))
        rc = db_err(db, err, path);
    sqlite3_finalize(del);
    if (!rc && sqlite3_prepare_v2(db, "SELECT used FROM quota WHERE principal = ? AND day = ?", -1,
                                  &q->get, NULL) != SQLITE_OK)
        rc = db_err(db, err, path);
    if (!rc && sqlite3_prepare_v2(db,
                                  "INSERT INTO quota(principal, day, used) VALUES(?, ?, ?)"
                                  " ON CONFLICT(principal, day) DO UPDATE SET used = excluded.used",
                                  -1, &q->put, NULL) != SQLITE_OK)
        rc = db_err(db, err, path);
    if (rc) {
        ep_error_prefix(err, "cannot open the store read-write for daily quotas: ");
        ep_store_quota_close(q);
        return rc;
    }
    *out = q;
    return 0;
}

void ep_store_quota_close(struct ep_store_quota *q)
{
    if (!q)
        return;
    sqlite3_finalize(q->get);
    sqlite3_finalize(q->put);
    ep_store_close(q->s);
    free(q);
}

int ep_store_quota_get(struct ep_store_quota *q, const char *principal, const char *day,
                       long long *used, struct ep_error *err)
{
    sqlite3_bind_text(q->get, 1, principal, -1, SQLITE_STATIC);
    sqlite3_bind_text(q->get, 2, day, -1, SQLITE_STATIC);
    int st = sqlite3_step(q->get), rc = 0;
    if (st == SQLITE_ROW) {
        *used = sqlite3_column_int64(q->get, 0);
        rc = 1;
    } else if (st != SQLITE_DONE) {
        rc = db_err(ep_store_db(q->s), err, "reading a quota count");
    }
    sqlite3_reset(q->get);
    sqlite3_clear_bindings(q->get);
    return rc;
}

int ep_store_quota_begin(struct ep_store_quota *q, struct ep_error *err)
{
    sqlite3 *db = ep_store_db(q->s);
    return sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK
               ? 0
               : db_err(db, err, "storing quota counts");
}

int ep_store_quota_put(struct ep_store_quota *q, const char *principal, const char *day,
                       long long used, struct ep_error *err)
{
    sqlite3_bind_text(q->put, 1, principal, -1, SQLITE_STATIC);
    sqlite3_bind_text(q->put, 2, day, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q->put, 3, used);
    int rc = sqlite3_step(q->put) == SQLITE_DONE ? 0 : db_err(ep_store_db(q->s), err, principal);
    sqlite3_reset(q->put);
    sqlite3_clear_bindings(q->put);
    return rc;
}

int ep_store_quota_commit(struct ep_store_quota *q, struct ep_error *err)
{
    sqlite3 *db = ep_store_db(q->s);
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
        return 0;
    int rc = db_err(db, err, "storing quota counts");
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}
