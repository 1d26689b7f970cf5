/* ep_query_topics: see ep_query_topics.h. */
#include "ep_query_topics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_htv.h"
#include "ep_model.h"
#include "ep_store.h"
#include "ep_store_db.h"

static const struct {
    int kind;
    const char *db, *arg, *what, *table, *key;
} kinds[] = {
    {EP_TOPIC_SUBJECT, "subject", "subject", "OEIL subject", "oeil_subject", "code"},
    {EP_TOPIC_CONCEPT, "concept", "concept", "EuroVoc concept", "eurovoc_concept", "id"},
    {EP_TOPIC_COMMITTEE, "committee", "committee", "committee", "committee", "code"},
    {EP_TOPIC_GEO, "geo", "geo_area", "geographic area", "geo_area", "code"},
};
#define NKINDS (sizeof kinds / sizeof kinds[0])

static int kind_index(int kind)
{
    for (size_t i = 0; i < NKINDS; i++)
        if (kinds[i].kind == kind)
            return (int)i;
    return -1;
}

const char *ep_topic_kind_db(int kind)
{
    int i = kind_index(kind);
    return i < 0 ? NULL : kinds[i].db;
}

const char *ep_topic_kind_arg(int kind)
{
    int i = kind_index(kind);
    return i < 0 ? NULL : kinds[i].arg;
}

const char *ep_topic_kind_what(int kind)
{
    int i = kind_index(kind);
    return i < 0 ? NULL : kinds[i].what;
}

/* The vote_topic condition of the topic (the code already checked). */
static int topic_where(struct ep_buf *sql, int i, const char *code)
{
    /* "6.10" and "6.10.*": one range of the index, ['6.10', '6.10/') ('/' follows '.' in
     * ASCII, and digits follow '/': "6.100" is outside), then the exact test */
    if (kinds[i].kind == EP_TOPIC_SUBJECT)
        return ep_buf_printf(sql,
                             "kind = 'subject' AND code >= '%s' AND code < '%s/' AND (code = '%s'"
                             " OR code > '%s.')",
                             code, code, code, code);
    return ep_buf_printf(sql, "kind = '%s' AND code = '%s'", kinds[i].db, code);
}

int ep_topic_sql(struct ep_buf *sql, int kind, const char *code, struct ep_error *err)
{
    int i = kind_index(kind);
    if (i < 0)
        return ep_error_set(err, EP_EINVAL, "unknown topic kind %d", kind);
    if (!ep_htv_topic_code_valid(kind, code))
        return ep_error_set(err, EP_EINVAL, "\"%s\" is not a valid %s code", code ? code : "",
                            kinds[i].what);
    /* the code passed ep_htv_topic_code_valid: letters, digits, '.', '_' and '-' only */
    int rc = ep_buf_printf(sql, "id IN (SELECT vote_id FROM vote_topic WHERE ");
    if (!rc)
        rc = topic_where(sql, i, code);
    if (!rc)
        rc = ep_buf_printf(sql, ")");
    return rc;
}

/* 0 when the table has no row, 1 when it has one or on a database error (the caller's message
 * then stays the general one). */
static int table_has_rows(sqlite3 *db, const char *table)
{
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT EXISTS(SELECT 1 FROM %s)", table);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
        return 1;
    int has = sqlite3_step(q) != SQLITE_ROW || sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    return has;
}

int ep_query_topic(struct ep_store *s, int kind, const char *code, char *label, size_t n,
                   long *votes, long *votes_pos, struct ep_error *err)
{
    if (label && n)
        label[0] = '\0';
    if (votes)
        *votes = 0;
    if (votes_pos)
        *votes_pos = 0;
    int i = kind_index(kind);
    if (i < 0)
        return ep_error_set(err, EP_EINVAL, "unknown topic kind %d", kind);
    if (!ep_htv_topic_code_valid(kind, code))
        return ep_error_set(err, EP_EINVAL, "argument \"%s\": \"%s\" is not a valid %s code%s",
                            kinds[i].arg, code ? code : "", kinds[i].what,
                            kind == EP_TOPIC_SUBJECT ? " (digits and dots, e.g. 4.60 or 6.10.04)"
                                                     : "");
    sqlite3 *db = ep_store_db(s);
    struct ep_buf sql;
    ep_buf_init(&sql, 0);
    /* the code's label, and whether it is known (a subject also by a stored descendant) */
    if (kind == EP_TOPIC_SUBJECT)
        ep_buf_printf(&sql,
                      "SELECT (SELECT label FROM oeil_subject WHERE code = ?1),"
                      " EXISTS(SELECT 1 FROM oeil_subject WHERE code >= ?1 AND code < ?1 || '/'"
                      " AND (code = ?1 OR code > ?1 || '.'))");
    else
        ep_buf_printf(&sql,
                      "SELECT (SELECT label FROM %s WHERE %s = ?1),"
                      " EXISTS(SELECT 1 FROM %s WHERE %s = ?1)",
                      kinds[i].table, kinds[i].key, kinds[i].table, kinds[i].key);
    sqlite3_stmt *q = NULL;
    int rc = EP_OK, known = 0;
    if (!sql.data || sqlite3_prepare_v2(db, sql.data, -1, &q, NULL) != SQLITE_OK) {
        rc = ep_error_set(err, EP_EDB, "looking up the %s \"%s\": %s", kinds[i].what, code,
                          sqlite3_errmsg(db));
        goto out;
    }
    sqlite3_bind_text(q, 1, code, -1, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW) {
        if (label && n && sqlite3_column_type(q, 0) == SQLITE_TEXT)
            snprintf(label, n, "%s", (const char *)sqlite3_column_text(q, 0));
        known = sqlite3_column_int(q, 1);
    }
    sqlite3_finalize(q);
    q = NULL;
    if (!known && kind != EP_TOPIC_COMMITTEE && !table_has_rows(db, kinds[i].table)) {
        /* none of that table stored (a store filled before the topic tables existed, or
         * from other sources): say which command loads it */
        const char *t = kinds[i].table;
        rc = ep_error_set(err, EP_ENOTFOUND,
                          "argument \"%s\": the store holds no %s codes at all: load them with "
                          "`epintel sync --source howtheyvote --tables %ss,%s_votes` or "
                          "`epintel ingest %ss.csv.gz %s_votes.csv.gz` (files of the HowTheyVote "
                          "export)",
                          kinds[i].arg, kinds[i].what, t, t, t, t);
        goto out;
    }
    if (!known) {
        rc = ep_error_set(err, EP_ENOTFOUND,
                          "argument \"%s\": unknown %s \"%s\": the store holds no such code "
                          "(the codes come from the HowTheyVote export's %s table)",
                          kinds[i].arg, kinds[i].what, code,
                          kind == EP_TOPIC_SUBJECT   ? "oeil_subjects"
                          : kind == EP_TOPIC_CONCEPT ? "eurovoc_concepts"
                          : kind == EP_TOPIC_GEO     ? "geo_areas"
                                                     : "committees");
        goto out;
    }
    if (!votes && !votes_pos)
        goto out; /* the check alone */
    /* the votes: from the links alone (each names a stored vote: the ingest checks it), those
     * with positions by vote_positions' key (the vote rows are large) */
    ep_buf_reset(&sql);
    ep_buf_printf(&sql, "SELECT COUNT(DISTINCT vote_id), COUNT(DISTINCT CASE WHEN vote_id IN"
                        " (SELECT vote_id FROM vote_positions) THEN vote_id END) FROM vote_topic"
                        " WHERE ");
    topic_where(&sql, i, code);
    if (!sql.data || sqlite3_prepare_v2(db, sql.data, -1, &q, NULL) != SQLITE_OK) {
        rc = ep_error_set(err, EP_EDB, "counting the votes of the %s \"%s\": %s", kinds[i].what,
                          code, sqlite3_errmsg(db));
        goto out;
    }
    if (sqlite3_step(q) == SQLITE_ROW) {
        if (votes)
            *votes = (long)sqlite3_column_int64(q, 0);
        if (votes_pos)
            *votes_pos = (long)sqlite3_column_int64(q, 1);
    }
out:
    sqlite3_finalize(q);
    ep_buf_free(&sql);
    return rc;
}

int ep_query_vote_brief(struct ep_store *s, int64_t id, char *title, size_t tn, char *result,
                        size_t rn, struct ep_error *err)
{
    title[0] = result[0] = '\0';
    sqlite3 *db = ep_store_db(s);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db,
                           "SELECT COALESCE(title, rcv_title, ''), COALESCE(result, '')"
                           " FROM vote WHERE id = ?1",
                           -1, &q, NULL) != SQLITE_OK)
        return ep_error_set(err, EP_EDB, "reading vote %lld: %s", (long long)id,
                            sqlite3_errmsg(db));
    sqlite3_bind_int64(q, 1, id);
    if (sqlite3_step(q) == SQLITE_ROW) {
        snprintf(title, tn, "%s", (const char *)sqlite3_column_text(q, 0));
        snprintf(result, rn, "%s", (const char *)sqlite3_column_text(q, 1));
    }
    sqlite3_finalize(q);
    return EP_OK;
}

static void col_text(sqlite3_stmt *q, int c, char *out, size_t n)
{
    const unsigned char *t = sqlite3_column_text(q, c);
    snprintf(out, n, "%s", t ? (const char *)t : "");
}

/* Room for one more element in *p (of *alloc, n used, size bytes each; first allocation
 * `first`). 0, or EP_ENOMEM with *p unchanged. */
static int grow(void **p, int *alloc, int n, size_t size, int first, struct ep_error *err)
{
    if (n < *alloc)
        return EP_OK;
    int a = *alloc ? *alloc * 2 : first;
    void *q = realloc(*p, (size_t)a * size);
    if (!q)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    *p = q;
    *alloc = a;
    return EP_OK;
}

/* The end of a row loop: a step that did not reach SQLITE_DONE is a database error (what);
 * on any error the rows are freed. */
static int rows_done(sqlite3 *db, sqlite3_stmt *q, int rc, int step, void **rows, int *n,
                     const char *what, struct ep_error *err)
{
    if (!rc && step != SQLITE_DONE)
        rc = ep_error_set(err, EP_EDB, "%s: %s", what, sqlite3_errmsg(db));
    sqlite3_finalize(q);
    if (rc) {
        free(*rows);
        *rows = NULL;
        *n = 0;
    }
    return rc;
}

int ep_query_committee_votes(struct ep_store *s, const char *code, const char *from, const char *to,
                             struct ep_committee_votes **rows, int *n, struct ep_error *err)
{
    *rows = NULL;
    *n = 0;
    sqlite3 *db = ep_store_db(s);
    if (code) {
        char label[8];
        long votes, votes_pos;
        int rc = ep_query_topic(s, EP_TOPIC_COMMITTEE, code, label, sizeof label, &votes,
                                &votes_pos, err);
        if (rc)
            return rc;
    }
    static const char sql[] =
        "SELECT t.code, COALESCE(c.label, ''), COUNT(*), SUM(v.result = 'ADOPTED'),"
        " SUM(v.result = 'REJECTED'), SUM(v.result = 'LAPSED'), SUM(v.result IS NULL),"
        " COUNT(DISTINCT v.procedure_reference), MIN(v.sitting_date), MAX(v.sitting_date),"
        " SUM(v.pos_unit_id IS NOT NULL)"
        " FROM vote_topic t JOIN vote v ON v.id = t.vote_id LEFT JOIN committee c ON c.code ="
        " t.code WHERE t.kind = 'committee' AND (?1 IS NULL OR t.code = ?1)"
        " AND (?2 IS NULL OR v.sitting_date >= ?2) AND (?3 IS NULL OR v.sitting_date <= ?3)"
        " GROUP BY t.code ORDER BY COUNT(*) DESC, t.code";
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
        return ep_error_set(err, EP_EDB, "reading the committees' votes: %s", sqlite3_errmsg(db));
    sqlite3_bind_text(q, 1, code, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, from, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, to, -1, SQLITE_STATIC);
    int rc = EP_OK, alloc = 0, step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        if ((rc = grow((void **)rows, &alloc, *n, sizeof **rows, 32, err)))
            break;
        struct ep_committee_votes *r = &(*rows)[(*n)++];
        memset(r, 0, sizeof *r);
        col_text(q, 0, r->code, sizeof r->code);
        col_text(q, 1, r->label, sizeof r->label);
        r->votes = (long)sqlite3_column_int64(q, 2);
        r->adopted = (long)sqlite3_column_int64(q, 3);
        r->rejected = (long)sqlite3_column_int64(q, 4);
        r->lapsed = (long)sqlite3_column_int64(q, 5);
        r->no_result = (long)sqlite3_column_int64(q, 6);
        r->procedures = (long)sqlite3_column_int64(q, 7);
        col_text(q, 8, r->first, sizeof r->first);
        col_text(q, 9, r->last, sizeof r->last);
        r->votes_pos = (long)sqlite3_column_int64(q, 10);
    }
    return rows_done(db, q, rc, step, (void **)rows, n, "reading the committees' votes", err);
}

int ep_query_committee_vote_ids(struct ep_store *s, const char *code, const char *from,
                                const char *to, int64_t **ids, int *n, struct ep_error *err)
{
    *ids = NULL;
    *n = 0;
    sqlite3 *db = ep_store_db(s);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db,
                           "SELECT t.vote_id FROM vote_topic t JOIN vote v ON v.id = t.vote_id"
                           " WHERE t.kind = 'committee' AND t.code = ?1 AND v.pos_unit_id IS NOT"
                           " NULL AND (?2 IS NULL OR v.sitting_date >= ?2) AND (?3 IS NULL OR"
                           " v.sitting_date <= ?3) ORDER BY t.vote_id",
                           -1, &q, NULL) != SQLITE_OK)
        return ep_error_set(err, EP_EDB, "reading a committee's votes: %s", sqlite3_errmsg(db));
    sqlite3_bind_text(q, 1, code, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, from, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, to, -1, SQLITE_STATIC);
    int rc = EP_OK, alloc = 0, step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        if ((rc = grow((void **)ids, &alloc, *n, sizeof **ids, 256, err)))
            break;
        (*ids)[(*n)++] = sqlite3_column_int64(q, 0);
    }
    return rows_done(db, q, rc, step, (void **)ids, n, "reading a committee's votes", err);
}

int ep_query_topic_vote_ids(struct ep_store *s, int kind, const char *code, int64_t **ids, int *n,
                            struct ep_error *err)
{
    *ids = NULL;
    *n = 0;
    int i = kind_index(kind);
    if (i < 0 || !ep_htv_topic_code_valid(kind, code))
        return ep_error_set(err, EP_EINVAL, "invalid topic %d \"%s\"", kind, code ? code : "");
    struct ep_buf sql;
    ep_buf_init(&sql, 0);
    ep_buf_printf(&sql, "SELECT DISTINCT vote_id FROM vote_topic WHERE ");
    topic_where(&sql, i, code);
    ep_buf_printf(&sql, " AND vote_id IN (SELECT vote_id FROM vote_positions) ORDER BY vote_id");
    sqlite3 *db = ep_store_db(s);
    sqlite3_stmt *q = NULL;
    if (!sql.data || sqlite3_prepare_v2(db, sql.data, -1, &q, NULL) != SQLITE_OK) {
        ep_buf_free(&sql);
        return ep_error_set(err, EP_EDB, "reading the votes of a topic: %s", sqlite3_errmsg(db));
    }
    ep_buf_free(&sql);
    int rc = EP_OK, alloc = 0, step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        if ((rc = grow((void **)ids, &alloc, *n, sizeof **ids, 256, err)))
            break;
        (*ids)[(*n)++] = sqlite3_column_int64(q, 0);
    }
    return rows_done(db, q, rc, step, (void **)ids, n, "reading the votes of a topic", err);
}

int ep_query_subject_tops(struct ep_store *s, char (*codes)[33], int max, int *n,
                          struct ep_error *err)
{
    *n = 0;
    sqlite3 *db = ep_store_db(s);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db,
                           "SELECT DISTINCT CASE WHEN instr(code, '.') > 0 THEN substr(code, 1,"
                           " instr(code, '.') - 1) ELSE code END AS top FROM oeil_subject"
                           " ORDER BY CAST(top AS INTEGER), top",
                           -1, &q, NULL) != SQLITE_OK)
        return ep_error_set(err, EP_EDB, "reading the top-level OEIL subjects: %s",
                            sqlite3_errmsg(db));
    int step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW && *n < max)
        snprintf(codes[(*n)++], 33, "%s", (const char *)sqlite3_column_text(q, 0));
    int rc = step == SQLITE_ROW || step == SQLITE_DONE
                 ? EP_OK
                 : ep_error_set(err, EP_EDB, "reading the top-level OEIL subjects: %s",
                                sqlite3_errmsg(db));
    sqlite3_finalize(q);
    return rc;
}

int ep_query_subject_list(struct ep_store *s, struct ep_subject_row **rows, int *n,
                          struct ep_error *err)
{
    *rows = NULL;
    *n = 0;
    sqlite3 *db = ep_store_db(s);
    sqlite3_stmt *q;
    /* per stored subject: the distinct votes with positions carrying it or a code below it
     * (the range of topic_where) */
    if (sqlite3_prepare_v2(db,
                           "SELECT code, label, n FROM (SELECT o.code AS code, o.label AS label,"
                           " (SELECT count(DISTINCT t.vote_id) FROM vote_topic t JOIN"
                           " vote_positions p ON p.vote_id = t.vote_id WHERE t.kind = 'subject'"
                           " AND t.code >= o.code AND t.code < o.code || '/' AND (t.code = o.code"
                           " OR t.code > o.code || '.')) AS n FROM oeil_subject o) WHERE n > 0"
                           " ORDER BY code",
                           -1, &q, NULL) != SQLITE_OK)
        return ep_error_set(err, EP_EDB, "reading the OEIL subjects: %s", sqlite3_errmsg(db));
    int step, rc = 0, alloc = 0;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        if ((rc = grow((void **)rows, &alloc, *n, sizeof **rows, 64, err)))
            break;
        struct ep_subject_row *r = &(*rows)[(*n)++];
        const char *c = (const char *)sqlite3_column_text(q, 0),
                   *l = (const char *)sqlite3_column_text(q, 1);
        snprintf(r->code, sizeof r->code, "%s", c ? c : "");
        snprintf(r->label, sizeof r->label, "%s", l ? l : "");
        r->votes_pos = (long)sqlite3_column_int64(q, 2);
        r->level = 1;
        for (const char *p = r->code; *p; p++)
            r->level += *p == '.';
    }
    return rows_done(db, q, rc, step, (void **)rows, n, "reading the OEIL subjects", err);
}

/* ---- committee memberships ---------------------------------------------------------------- */

static void col_copy(sqlite3_stmt *q, int c, char *dst, size_t n)
{
    const unsigned char *t = sqlite3_column_text(q, c);
    snprintf(dst, n, "%s", t ? (const char *)t : "");
}

int ep_query_committee_members(struct ep_store *s, const char *code, int64_t member_id,
                               const char *from, const char *to, struct ep_cmember **rows, int *n,
                               struct ep_error *err)
{
    *rows = NULL;
    *n = 0;
    sqlite3 *db = ep_store_db(s);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(
            db,
            "SELECT cm.member_id, cm.committee_code, cm.role, cm.classification, cm.start_date,"
            " COALESCE(cm.end_date, ''),"
            " TRIM(COALESCE(m.first_name, '') || ' ' || COALESCE(m.last_name, '')),"
            " COALESCE(m.country_code, ''),"
            " COALESCE((SELECT ms.group_code FROM membership ms WHERE ms.member_id = cm.member_id"
            "  AND ms.start_date <= min(COALESCE(cm.end_date, '9999-12-31'),"
            "  COALESCE(?3, '9999-12-31')) AND (ms.end_date IS NULL OR ms.end_date >="
            "  max(cm.start_date, COALESCE(?2, ''))) ORDER BY ms.start_date DESC LIMIT 1), ''),"
            " EXISTS(SELECT 1 FROM committee c WHERE c.code = cm.committee_code)"
            " FROM committee_membership cm LEFT JOIN member m ON m.id = cm.member_id"
            " WHERE (?1 IS NULL OR cm.committee_code = ?1) AND (?4 = 0 OR cm.member_id = ?4)"
            " AND (?3 IS NULL OR cm.start_date <= ?3)"
            " AND (?2 IS NULL OR cm.end_date IS NULL OR cm.end_date >= ?2)"
            " ORDER BY cm.committee_code, CASE cm.role WHEN 'CHAIR' THEN 0 WHEN 'VICE_CHAIR'"
            " THEN 1 WHEN 'MEMBER' THEN 2 WHEN 'SUBSTITUTE' THEN 3 ELSE 4 END, cm.member_id,"
            " cm.start_date",
            -1, &q, NULL) != SQLITE_OK)
        return ep_error_set(err, EP_EDB, "reading committee memberships: %s", sqlite3_errmsg(db));
    sqlite3_bind_text(q, 1, code, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, from, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, to, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 4, member_id);
    int rc = EP_OK, alloc = 0, step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        if ((rc = grow((void **)rows, &alloc, *n, sizeof **rows, 64, err)))
            break;
        struct ep_cmember *r = &(*rows)[(*n)++];
        r->member_id = sqlite3_column_int64(q, 0);
        col_copy(q, 1, r->committee, sizeof r->committee);
        col_copy(q, 2, r->role, sizeof r->role);
        col_copy(q, 3, r->classification, sizeof r->classification);
        col_copy(q, 4, r->start, sizeof r->start);
        col_copy(q, 5, r->end, sizeof r->end);
        col_copy(q, 6, r->name, sizeof r->name);
        col_copy(q, 7, r->country, sizeof r->country);
        col_copy(q, 8, r->group, sizeof r->group);
        r->known = sqlite3_column_int(q, 9);
    }
    return rows_done(db, q, rc, step, (void **)rows, n, "reading committee memberships", err);
}

int ep_query_committee_membership_count(struct ep_store *s, long *total, long *unknown,
                                        struct ep_error *err)
{
    sqlite3 *db = ep_store_db(s);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db,
                           "SELECT count(*), count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM"
                           " committee c WHERE c.code = cm.committee_code))"
                           " FROM committee_membership cm",
                           -1, &q, NULL) != SQLITE_OK)
        return ep_error_set(err, EP_EDB, "counting committee memberships: %s", sqlite3_errmsg(db));
    int rc = EP_OK;
    if (sqlite3_step(q) == SQLITE_ROW) {
        *total = (long)sqlite3_column_int64(q, 0);
        if (unknown)
            *unknown = (long)sqlite3_column_int64(q, 1);
    } else {
        rc = ep_error_set(err, EP_EDB, "counting committee memberships: %s", sqlite3_errmsg(db));
    }
    sqlite3_finalize(q);
    return rc;
}
