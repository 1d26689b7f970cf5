/* ep_query: the store's read queries for the analysis and tool layers (see ep_query.h). */
#include "ep_query.h"

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_store.h"
#include "ep_util.h"

const char *ep_query_errmsg(struct ep_store *s)
{
    return s ? sqlite3_errmsg(ep_store_db(s)) : "no store";
}

int ep_query_db_error(struct ep_store *s, struct ep_error *err, const char *what)
{
    return ep_error_set(err, EP_EDB, "%s: %s", what, ep_query_errmsg(s));
}

static int prepare(struct ep_store *s, const char *sql, sqlite3_stmt **q, struct ep_error *err,
                   const char *what)
{
    *q = NULL;
    if (!s)
        return ep_error_set(err, EP_EUNAVAIL, "no store is open");
    if (sqlite3_prepare_v2(ep_store_db(s), sql, -1, q, NULL) != SQLITE_OK)
        return ep_query_db_error(s, err, what);
    return 0;
}

static const char *col_text(sqlite3_stmt *q, int i)
{
    return (const char *)sqlite3_column_text(q, i);
}

/* Copy a nullable date column into out[11] ("" for NULL). */
static void col_date(sqlite3_stmt *q, int i, char out[11])
{
    const char *d = col_text(q, i);
    snprintf(out, 11, "%s", d ? d : "");
}

/* ---- the look-up handle ---------------------------------------------------------------- */

enum { Q_MEP, Q_VOTE, Q_N };

static const char *const handle_sql[Q_N] = {
    [Q_MEP] = "SELECT first_name, last_name, country_code FROM member WHERE id = ?1",
    [Q_VOTE] = "SELECT title, rcv_title, procedure_title, procedure_reference, result,"
               " substr(timestamp, 1, 10) FROM vote WHERE id = ?1",
};

struct ep_query {
    struct ep_store *s;
    sqlite3_stmt *st[Q_N];
};

int ep_query_open(struct ep_store *s, struct ep_query **out, struct ep_error *err)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    (*out)->s = s;
    return 0;
}

void ep_query_close(struct ep_query *q)
{
    if (!q)
        return;
    for (int k = 0; k < Q_N; k++)
        sqlite3_finalize(q->st[k]);
    free(q);
}

/* Statement k of the handle, reset and bound to id; NULL on error (err filled). */
static sqlite3_stmt *handle_stmt(struct ep_query *q, int k, int64_t id, struct ep_error *err,
                                 const char *what)
{
    if (!q->st[k] && prepare(q->s, handle_sql[k], &q->st[k], err, what))
        return NULL;
    sqlite3_reset(q->st[k]);
    sqlite3_bind_int64(q->st[k], 1, id);
    return q->st[k];
}

int ep_query_mep(struct ep_query *q, int64_t id, struct ep_query_mep *out, struct ep_error *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = handle_stmt(q, Q_MEP, id, err, "looking up the MEP");
    if (!st)
        return EP_EDB;
    int r = sqlite3_step(st);
    if (r == SQLITE_DONE)
        return 0;
    if (r != SQLITE_ROW)
        return ep_query_db_error(q->s, err, "looking up the MEP");
    out->first_name = col_text(st, 0);
    out->last_name = col_text(st, 1);
    out->country_code = col_text(st, 2);
    return 1;
}

int ep_query_vote(struct ep_query *q, int64_t id, struct ep_query_vote *out, struct ep_error *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = handle_stmt(q, Q_VOTE, id, err, "looking up the vote");
    if (!st)
        return EP_EDB;
    int r = sqlite3_step(st);
    if (r == SQLITE_DONE)
        return 0;
    if (r != SQLITE_ROW)
        return ep_query_db_error(q->s, err, "looking up the vote");
    out->title = col_text(st, 0);
    out->rcv_title = col_text(st, 1);
    out->procedure_title = col_text(st, 2);
    out->procedure_reference = col_text(st, 3);
    out->result = col_text(st, 4);
    out->date = col_text(st, 5);
    return 1;
}

const char *ep_query_vote_title(const struct ep_query_vote *v)
{
    return v->title             ? v->title
           : v->rcv_title       ? v->rcv_title
           : v->procedure_title ? v->procedure_title
                                : "";
}

/* ---- MEPs and groups ------------------------------------------------------------------- */

int ep_query_mep_known(struct ep_store *s, int64_t id, struct ep_error *err)
{
    sqlite3_stmt *q;
    int rc = prepare(s,
                     "SELECT EXISTS(SELECT 1 FROM member WHERE id = ?1),"
                     " EXISTS(SELECT 1 FROM membership WHERE member_id = ?1)",
                     &q, err, "looking up the MEP");
    if (rc)
        return rc;
    sqlite3_bind_int64(q, 1, id);
    int known = -1;
    if (sqlite3_step(q) == SQLITE_ROW)
        known = sqlite3_column_int(q, 0) ? 1 : sqlite3_column_int(q, 1) ? 2 : 0;
    if (known < 0)
        rc = ep_query_db_error(s, err, "looking up the MEP");
    sqlite3_finalize(q);
    return rc ? rc : known;
}

void ep_query_strings_free(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

int ep_query_known_groups(struct ep_store *s, char ***out, size_t *n, struct ep_error *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *q;
    int rc = prepare(s, "SELECT code FROM grp UNION SELECT group_code FROM membership", &q, err,
                     "listing groups");
    if (rc)
        return rc;
    size_t k = 0, a = 0;
    char **v = NULL;
    int st;
    while ((st = sqlite3_step(q)) == SQLITE_ROW) {
        const char *c = col_text(q, 0);
        if (!c)
            continue;
        if (k == a) {
            a = a ? 2 * a : 32;
            char **more = realloc(v, a * sizeof *v);
            if (!more) {
                rc = ep_error_set(err, EP_ENOMEM, "out of memory");
                break;
            }
            v = more;
        }
        if (!(v[k] = strdup(c))) {
            rc = ep_error_set(err, EP_ENOMEM, "out of memory");
            break;
        }
        k++;
    }
    if (!rc && st != SQLITE_DONE)
        rc = ep_query_db_error(s, err, "listing groups");
    sqlite3_finalize(q);
    if (rc) {
        ep_query_strings_free(v, k);
        return rc;
    }
    *out = v;
    *n = k;
    return 0;
}

int ep_query_group_label(struct ep_store *s, const char *code, char *out, size_t n,
                         struct ep_error *err)
{
    out[0] = 0;
    sqlite3_stmt *q;
    int rc = prepare(s, "SELECT COALESCE(label, official_label, code) FROM grp WHERE code = ?",
                     &q, err, "looking up the group");
    if (rc)
        return rc;
    sqlite3_bind_text(q, 1, code, -1, SQLITE_STATIC);
    int st = sqlite3_step(q), found = 0;
    if (st == SQLITE_ROW) {
        snprintf(out, n, "%s", col_text(q, 0));
        found = 1;
    } else if (st != SQLITE_DONE)
        rc = ep_query_db_error(s, err, "looking up the group");
    sqlite3_finalize(q);
    return rc ? rc : found;
}

void ep_query_memberships_free(struct ep_query_membership *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i].group);
    free(v);
}

int ep_query_memberships(struct ep_store *s, int64_t id, struct ep_query_membership **out,
                         size_t *n, struct ep_error *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *q;
    int rc = prepare(s,
                     "SELECT group_code, term, start_date, end_date FROM membership"
                     " WHERE member_id = ? ORDER BY start_date, group_code",
                     &q, err, "listing memberships");
    if (rc)
        return rc;
    sqlite3_bind_int64(q, 1, id);
    struct ep_query_membership *v = NULL;
    size_t k = 0, a = 0;
    int st;
    while ((st = sqlite3_step(q)) == SQLITE_ROW) {
        if (k == a) {
            a = a ? 2 * a : 8;
            struct ep_query_membership *more = realloc(v, a * sizeof *v);
            if (!more) {
                rc = ep_error_set(err, EP_ENOMEM, "out of memory");
                break;
            }
            v = more;
        }
        struct ep_query_membership *r = &v[k];
        memset(r, 0, sizeof *r);
        const char *g = col_text(q, 0);
        if (!(r->group = strdup(g ? g : ""))) {
            rc = ep_error_set(err, EP_ENOMEM, "out of memory");
            break;
        }
        k++;
        r->has_term = sqlite3_column_type(q, 1) != SQLITE_NULL;
        r->term = r->has_term ? sqlite3_column_int(q, 1) : 0;
        col_date(q, 2, r->start);
        col_date(q, 3, r->end);
    }
    if (!rc && st != SQLITE_DONE)
        rc = ep_query_db_error(s, err, "listing memberships");
    sqlite3_finalize(q);
    if (rc) {
        ep_query_memberships_free(v, k);
        return rc;
    }
    *out = v;
    *n = k;
    return 0;
}

/* ---- the dataset ----------------------------------------------------------------------- */

int ep_query_dataset_date(struct ep_store *s, char out[11], struct ep_error *err)
{
    out[0] = '\0';
    sqlite3_stmt *q;
    int rc = prepare(s,
                     "SELECT sitting_date FROM vote WHERE sitting_date IS NOT NULL"
                     " GROUP BY sitting_date ORDER BY sitting_date DESC",
                     &q, err, "reading the dataset date");
    if (rc)
        return rc;
    int st;
    while ((st = sqlite3_step(q)) == SQLITE_ROW) {
        const char *d = col_text(q, 0);
        if (d && ep_date_valid(d)) {
            memcpy(out, d, 10);
            out[10] = '\0';
            break;
        }
    }
    if (st != SQLITE_ROW && st != SQLITE_DONE)
        rc = ep_query_db_error(s, err, "reading the dataset date");
    sqlite3_finalize(q);
    return rc;
}

int ep_query_positions_span(struct ep_store *s, char from[11], char to[11], struct ep_error *err)
{
    from[0] = to[0] = '\0';
    sqlite3_stmt *q;
    int rc = prepare(s, "SELECT DISTINCT sitting_date FROM vote WHERE pos_unit_id IS NOT NULL", &q,
                     err, "reading the positions window");
    if (rc)
        return rc;
    int32_t dmin = INT32_MAX, dmax = INT32_MIN;
    int st;
    while ((st = sqlite3_step(q)) == SQLITE_ROW) {
        int32_t d = ep_date_days(col_text(q, 0));
        dmin = d < dmin ? d : dmin;
        dmax = d > dmax ? d : dmax;
    }
    if (st != SQLITE_DONE)
        rc = ep_query_db_error(s, err, "reading the positions window");
    sqlite3_finalize(q);
    if (!rc && dmin <= dmax) {
        ep_date_format(dmin, from);
        ep_date_format(dmax, to);
    }
    return rc;
}

int ep_query_synthetic(struct ep_store *s, int *out, struct ep_error *err)
{
    *out = 0;
    sqlite3_stmt *q;
    int rc = prepare(s, "SELECT value FROM meta WHERE key = 'synthetic'", &q, err,
                     "reading the synthetic flag");
    if (rc)
        return rc;
    if (sqlite3_step(q) == SQLITE_ROW)
        *out = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    return 0;
}

void ep_query_change_key(struct ep_store *s, struct ep_query_change_key *out)
{
    sqlite3 *db = ep_store_db(s);
    out->changes = (long long)sqlite3_total_changes64(db);
    out->version = -1;
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db, "PRAGMA data_version", -1, &q, NULL) != SQLITE_OK)
        return;
    if (sqlite3_step(q) == SQLITE_ROW)
        out->version = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
}

/* ---- sittings -------------------------------------------------------------------------- */

int ep_query_sittings(struct ep_store *s, struct ep_query_sitting **out, int *n,
                      struct ep_error *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *q;
    int rc = prepare(s,
                     "SELECT sitting_date, COUNT(*), SUM(pos_unit_id IS NOT NULL),"
                     " SUM(COALESCE(is_main, 0) != 0), SUM(is_main IS NOT NULL) FROM vote"
                     " WHERE sitting_date IS NOT NULL GROUP BY sitting_date"
                     " ORDER BY sitting_date",
                     &q, err, "listing sittings");
    if (rc)
        return rc;
    struct ep_query_sitting *v = NULL;
    int k = 0, alloc = 0, st;
    while ((st = sqlite3_step(q)) == SQLITE_ROW) {
        const char *d = col_text(q, 0);
        if (!d || !ep_date_valid(d))
            continue;
        if (k == alloc) {
            alloc = alloc ? alloc * 2 : 512;
            struct ep_query_sitting *t = realloc(v, (size_t)alloc * sizeof *t);
            if (!t) {
                rc = ep_error_set(err, EP_ENOMEM, "out of memory");
                break;
            }
            v = t;
        }
        struct ep_query_sitting *e = &v[k++];
        memcpy(e->date, d, 10);
        e->date[10] = '\0';
        e->votes = sqlite3_column_int(q, 1);
        e->with_positions = sqlite3_column_int(q, 2);
        e->main_votes = sqlite3_column_int(q, 3);
        e->main_known = sqlite3_column_int(q, 4);
    }
    if (!rc && st != SQLITE_DONE)
        rc = ep_query_db_error(s, err, "listing sittings");
    sqlite3_finalize(q);
    if (rc) {
        free(v);
        return rc;
    }
    *out = v;
    *n = k;
    return 0;
}

int ep_query_sitting_counts(struct ep_store *s, const char *date,
                            struct ep_query_sitting_counts *out, struct ep_error *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *q;
    int rc = prepare(s,
                     "SELECT COUNT(*), SUM(pos_unit_id IS NOT NULL), SUM(is_main = 1),"
                     " SUM(result = 'ADOPTED'), SUM(result = 'REJECTED'),"
                     " SUM(is_main IS NOT NULL), SUM(COALESCE(result, '') != '') FROM vote"
                     " WHERE sitting_date = ?",
                     &q, err, "counting the sitting's votes");
    if (rc)
        return rc;
    sqlite3_bind_text(q, 1, date, -1, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW) {
        out->total = sqlite3_column_int(q, 0);
        out->with_positions = sqlite3_column_int(q, 1);
        out->main = sqlite3_column_int(q, 2);
        out->adopted = sqlite3_column_int(q, 3);
        out->rejected = sqlite3_column_int(q, 4);
        out->main_known = sqlite3_column_int(q, 5);
        out->result_known = sqlite3_column_int(q, 6);
    } else
        rc = ep_query_db_error(s, err, "counting the sitting's votes");
    sqlite3_finalize(q);
    return rc;
}

int ep_query_sitting_reference(struct ep_store *s, const char *date, char *out, size_t n,
                               struct ep_error *err)
{
    out[0] = 0;
    sqlite3_stmt *q;
    int rc = prepare(s, "SELECT reference FROM sitting WHERE date = ?", &q, err,
                     "reading the sitting's reference");
    if (rc)
        return rc;
    sqlite3_bind_text(q, 1, date, -1, SQLITE_STATIC);
    int found = 0;
    if (sqlite3_step(q) == SQLITE_ROW && col_text(q, 0)) {
        snprintf(out, n, "%s", col_text(q, 0));
        found = 1;
    }
    sqlite3_finalize(q);
    return found;
}

static char *dup_or_null(const char *s, int *bad)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *bad = 1;
    return d;
}

void ep_query_sitting_votes_free(struct ep_query_sitting_vote *v, int n)
{
    for (int i = 0; v && i < n; i++) {
        free(v[i].title);
        free(v[i].procedure);
        free(v[i].result);
    }
    free(v);
}

int ep_query_sitting_votes(struct ep_store *s, const char *date, int limit,
                           struct ep_query_sitting_vote **out, int *n, struct ep_error *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *q;
    int rc = prepare(s,
                     "SELECT id, COALESCE(title, rcv_title, procedure_title, ''),"
                     " procedure_reference, result, is_main, count_for, count_against,"
                     " count_abstention FROM vote WHERE sitting_date = ? ORDER BY is_main = 1"
                     " DESC, timestamp, id LIMIT ?",
                     &q, err, "listing the sitting's votes");
    if (rc)
        return rc;
    sqlite3_bind_text(q, 1, date, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 2, limit);
    struct ep_query_sitting_vote *v = calloc((size_t)(limit > 0 ? limit : 1), sizeof *v);
    if (!v) {
        sqlite3_finalize(q);
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    int k = 0, bad = 0, st = SQLITE_DONE;
    while (k < limit && (st = sqlite3_step(q)) == SQLITE_ROW) {
        struct ep_query_sitting_vote *r = &v[k++];
        r->id = sqlite3_column_int64(q, 0);
        r->title = dup_or_null(col_text(q, 1) ? col_text(q, 1) : "", &bad);
        r->procedure = dup_or_null(col_text(q, 2), &bad);
        r->result = dup_or_null(col_text(q, 3), &bad);
        r->main = sqlite3_column_type(q, 4) == SQLITE_NULL ? -1 : sqlite3_column_int(q, 4) == 1;
        r->has_counts = sqlite3_column_type(q, 5) != SQLITE_NULL;
        r->count_for = sqlite3_column_int(q, 5);
        r->count_against = sqlite3_column_int(q, 6);
        r->count_abstention = sqlite3_column_int(q, 7);
    }
    if (k < limit && st != SQLITE_DONE && !bad)
        rc = ep_query_db_error(s, err, "listing the sitting's votes");
    sqlite3_finalize(q);
    if (bad)
        rc = ep_error_set(err, EP_ENOMEM, "out of memory");
    if (rc) {
        ep_query_sitting_votes_free(v, k);
        return rc;
    }
    *out = v;
    *n = k;
    return 0;
}
