#include "ep_query_signals.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_query.h"
#include "ep_store.h"
#include "ep_store_db.h"
#include "ep_store_query.h"

static int db_error(struct ep_store *s, struct ep_error *err, const char *what)
{
    return ep_error_set(err, EP_EDB, "%s: %s", what, sqlite3_errmsg(ep_store_db(s)));
}

static const char *col_text(sqlite3_stmt *q, int c)
{
    return (const char *)sqlite3_column_text(q, c);
}

int ep_qs_groups(struct ep_store *s, struct ep_qs_group **out, int *n, struct ep_error *err)
{
    *out = NULL;
    *n = 0;
    /* one pass over membership, grouped, then joined to every code */
    static const char sql[] =
        "WITH agg AS (SELECT group_code AS code, COUNT(DISTINCT member_id) AS meps,"
        "  COUNT(*) AS rows_, COUNT(DISTINCT CASE WHEN term = 9 THEN member_id END) AS t9,"
        "  COUNT(DISTINCT CASE WHEN term = 10 THEN member_id END) AS t10,"
        "  SUM(end_date IS NULL) AS open_ FROM membership WHERE group_code <> ''"
        "  GROUP BY group_code),"
        " codes AS (SELECT code FROM agg UNION SELECT code FROM grp)"
        " SELECT c.code, COALESCE(g.label, g.official_label, ''), COALESCE(a.meps, 0),"
        "  COALESCE(a.rows_, 0), COALESCE(a.t9, 0), COALESCE(a.t10, 0), COALESCE(a.open_, 0)"
        " FROM codes c LEFT JOIN agg a ON a.code = c.code LEFT JOIN grp g ON g.code = c.code"
        " ORDER BY c.code";
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(ep_store_db(s), sql, -1, &q, NULL) != SQLITE_OK)
        return db_error(s, err, "reading the groups' memberships");
    int cap = 0, rc = 0, st;
    while ((st = sqlite3_step(q)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? 2 * cap : 16;
            struct ep_qs_group *t = realloc(*out, (size_t)cap * sizeof *t);
            if (!t) {
                rc = ep_error_set(err, EP_ENOMEM, "out of memory");
                break;
            }
            *out = t;
        }
        struct ep_qs_group *g = &(*out)[(*n)++];
        memset(g, 0, sizeof *g);
        snprintf(g->code, sizeof g->code, "%s", col_text(q, 0) ? col_text(q, 0) : "");
        snprintf(g->label, sizeof g->label, "%s", col_text(q, 1) ? col_text(q, 1) : "");
        g->meps = sqlite3_column_int64(q, 2);
        g->memberships = sqlite3_column_int64(q, 3);
        g->meps_term[0] = sqlite3_column_int64(q, 4);
        g->meps_term[1] = sqlite3_column_int64(q, 5);
        g->open = sqlite3_column_int64(q, 6);
    }
    if (!rc && st != SQLITE_DONE)
        rc = db_error(s, err, "reading the groups' memberships");
    sqlite3_finalize(q);
    if (rc) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

void ep_qs_totals(struct ep_store *s, struct ep_store_info *out)
{
    static const char *const sql[EP_STORE_INFO_COUNTS] = {
        "SELECT COUNT(*) FROM member", "SELECT COUNT(*) FROM grp",
        "SELECT COUNT(*) FROM membership", "SELECT COUNT(*) FROM country",
        "SELECT COUNT(*) FROM committee", "SELECT COUNT(*) FROM sitting",
        "SELECT COUNT(*) FROM vote", "SELECT COUNT(*) FROM vote WHERE pos_unit_id IS NOT NULL",
        "SELECT COALESCE(SUM(n), 0) FROM vote_positions", NULL,
        /* FTS5's docsize table has one row per document: counting it reads one small table
         * instead of the index (20 ms on the bundled data); the fallback when it is absent */
        "SELECT COUNT(*) FROM search_docsize", "SELECT COUNT(*) FROM unit"};
    static const char *const label[EP_STORE_INFO_COUNTS] = {
        "members", "groups", "memberships", "countries", "committees", "sittings", "votes",
        "votes_with_positions", "positions_cast", "meps_who_voted", "search_documents", "units"};
    memset(out, 0, sizeof *out);
    sqlite3 *db = ep_store_db(s);
    for (int k = -1; k < EP_STORE_INFO_COUNTS; k++) {
        long v = -1;
        sqlite3_stmt *q;
        const char *text = k < 0 ? "PRAGMA user_version" : sql[k];
        for (int attempt = 0; attempt < 2 && text && v < 0; attempt++) {
            if (sqlite3_prepare_v2(db, text, -1, &q, NULL) == SQLITE_OK) {
                if (sqlite3_step(q) == SQLITE_ROW)
                    v = (long)sqlite3_column_int64(q, 0);
                sqlite3_finalize(q);
            }
            text = k >= 0 && strcmp(label[k], "search_documents") == 0
                       ? "SELECT COUNT(*) FROM search"
                       : NULL;
        }
        if (k < 0) {
            out->schema_version = v;
        } else {
            out->counts[k].label = label[k];
            out->counts[k].value = v;
        }
    }
}

static int count_rows(struct ep_store *s, const char *table, long *out, struct ep_error *err)
{
    *out = -1;
    if (!ep_query_has_table(s, table))
        return 0;
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM \"%s\"", table);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(ep_store_db(s), sql, -1, &q, NULL) != SQLITE_OK)
        return db_error(s, err, "counting records");
    int rc = 0;
    if (sqlite3_step(q) == SQLITE_ROW)
        *out = sqlite3_column_int64(q, 0);
    else
        rc = db_error(s, err, "counting records");
    sqlite3_finalize(q);
    return rc;
}

int ep_qs_records(struct ep_store *s, struct ep_qs_records *out, struct ep_error *err)
{
    int rc = count_rows(s, "question", &out->questions, err);
    if (!rc)
        rc = count_rows(s, "procedure", &out->procedures, err);
    if (!rc)
        rc = count_rows(s, "procedure_event", &out->events, err);
    if (!rc)
        rc = count_rows(s, "document", &out->documents, err);
    if (!rc)
        rc = count_rows(s, "speech", &out->speeches, err);
    return rc;
}

int ep_qs_each_event(struct ep_store *s, int (*fn)(void *ctx, const struct ep_qs_event *e),
                     void *ctx, struct ep_error *err)
{
    if (!ep_query_has_table(s, "procedure_event"))
        return 0;
    static const char sql[] =
        "SELECT e.procedure_id, p.reference, p.title, p.stage, substr(e.date, 1, 10), e.type,"
        " e.title FROM procedure_event e LEFT JOIN procedure p ON p.id = e.procedure_id"
        " WHERE e.date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'"
        " ORDER BY e.procedure_id, e.date, e.id";
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(ep_store_db(s), sql, -1, &q, NULL) != SQLITE_OK)
        return db_error(s, err, "reading procedure events");
    int rc = 0, st;
    while ((st = sqlite3_step(q)) == SQLITE_ROW) {
        struct ep_qs_event e = {col_text(q, 0), col_text(q, 1), col_text(q, 2), col_text(q, 3),
                                col_text(q, 4), col_text(q, 5), col_text(q, 6)};
        if ((rc = fn(ctx, &e)))
            break;
    }
    if (!rc && st != SQLITE_DONE)
        rc = db_error(s, err, "reading procedure events");
    sqlite3_finalize(q);
    return rc;
}

int ep_qs_each_procedure_outcome(struct ep_store *s,
                                 int (*fn)(void *ctx, const struct ep_qs_proc_outcome *o),
                                 void *ctx, struct ep_error *err)
{
    static const char sql[] =
        "SELECT procedure_reference, MAX(procedure_type), MIN(sitting_date), MAX(sitting_date),"
        " COUNT(*), SUM(is_main = 1), SUM(is_main = 1 AND result = 'ADOPTED'),"
        " SUM(is_main = 1 AND result = 'REJECTED'), SUM(is_main = 1 AND result IS NULL),"
        " (SELECT v2.result FROM vote v2 WHERE v2.procedure_reference = v.procedure_reference"
        "   AND v2.is_main = 1 ORDER BY v2.sitting_date DESC, v2.timestamp DESC, v2.id DESC"
        "   LIMIT 1)"
        " FROM vote v WHERE procedure_reference IS NOT NULL AND procedure_reference <> ''"
        " GROUP BY procedure_reference ORDER BY 2, 1";
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(ep_store_db(s), sql, -1, &q, NULL) != SQLITE_OK)
        return db_error(s, err, "reading the procedures' votes");
    int rc = 0, st;
    while ((st = sqlite3_step(q)) == SQLITE_ROW) {
        struct ep_qs_proc_outcome o = {
            col_text(q, 0), col_text(q, 1), col_text(q, 2), col_text(q, 3),
            sqlite3_column_int64(q, 4), sqlite3_column_int64(q, 5), sqlite3_column_int64(q, 6),
            sqlite3_column_int64(q, 7), sqlite3_column_int64(q, 8), col_text(q, 9)};
        if ((rc = fn(ctx, &o)))
            break;
    }
    if (!rc && st != SQLITE_DONE)
        rc = db_error(s, err, "reading the procedures' votes");
    sqlite3_finalize(q);
    return rc;
}

/* One row (code, label) of sql with ?1 = arg: 1 found, 0 not. */
static int lookup2(struct ep_store *s, const char *sql, const char *arg, char *code, size_t csz,
                   char *label, size_t lsz, const char *what, struct ep_error *err)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(ep_store_db(s), sql, -1, &q, NULL) != SQLITE_OK)
        return db_error(s, err, what);
    sqlite3_bind_text(q, 1, arg, -1, SQLITE_TRANSIENT);
    int st = sqlite3_step(q), rc = 0;
    if (st == SQLITE_ROW) {
        snprintf(code, csz, "%s", col_text(q, 0) ? col_text(q, 0) : "");
        snprintf(label, lsz, "%s", col_text(q, 1) ? col_text(q, 1) : "");
        rc = 1;
    } else if (st != SQLITE_DONE) {
        rc = db_error(s, err, what);
    }
    sqlite3_finalize(q);
    return rc;
}

int ep_qs_country(struct ep_store *s, const char *arg, char code[8], char *label, size_t lsz,
                  struct ep_error *err)
{
    return lookup2(s,
                   "SELECT code, COALESCE(label, '') FROM country WHERE code = upper(?1) OR "
                   "iso_alpha_2 = upper(?1) OR lower(label) = lower(?1) ORDER BY code LIMIT 1",
                   arg, code, 8, label, lsz, "looking up the country", err);
}

int ep_qs_committee(struct ep_store *s, const char *arg, char code[16], char *label, size_t lsz,
                    struct ep_error *err)
{
    return lookup2(s,
                   "SELECT code, COALESCE(label, '') FROM committee WHERE code = upper(?1) OR "
                   "upper(abbreviation) = upper(?1) ORDER BY code LIMIT 1",
                   arg, code, 16, label, lsz, "looking up the committee", err);
}
