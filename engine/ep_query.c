/* ep_query: the store's read queries for the analysis and tool layers (see ep_query.h). */
#include "ep_query.h"

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_epapi.h"
#include "ep_store.h"
#include "ep_store_db.h"
#include "ep_util.h"

const char *ep_query_errmsg(struct ep_store *s)
{
    return s ? sqlite3_errmsg(ep_store_db(s)) : "no store";
}

int ep_query_db_error(struct ep_store *s, struct ep_error *err, const char *what)
{
    ep_error_set(err, EP_EDB, "%s: %s", what, ep_query_errmsg(s));
    return EP_EDB;
}

static int prepare(struct ep_store *s, const char *sql, sqlite3_stmt **q, struct ep_error *err,
                   const char *what)
{
    *q = NULL;
    if (!s) {
        ep_error_set(err, EP_EUNAVAIL, "no store is open");
        return EP_EUNAVAIL;
    }
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

/* A copy of a text column, NULL for NULL or ""; *bad set when out of memory. */
static char *dup_text(const char *t, int *bad)
{
    if (!t || !*t)
        return NULL;
    char *d = strdup(t);
    if (!d)
        *bad = 1;
    return d;
}

/* ---- the look-up handle ---------------------------------------------------------------- */

enum { Q_MEP, Q_VOTE, Q_SITTING_REF, Q_N };

static const char *const handle_sql[Q_N] = {
    [Q_MEP] = "SELECT first_name, last_name, country_code FROM member WHERE id = ?1",
    [Q_VOTE] = ("SELECT title, rcv_title, procedure_title, procedure_reference, result,"
                " substr(timestamp, 1, 10) FROM vote WHERE id = ?1"),
    [Q_SITTING_REF] = "SELECT reference FROM sitting WHERE date = ?1",
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

/* Run statement k of the handle (prepared on first use) on id, or on text when not NULL: 1
 * with *st on its first row, 0 when it has none, EP_EDB on error (err says what failed). */
static int handle_row(struct ep_query *q, int k, int64_t id, const char *text, sqlite3_stmt **st,
                      struct ep_error *err, const char *what)
{
    *st = NULL;
    if (!q->st[k] && prepare(q->s, handle_sql[k], &q->st[k], err, what))
        return EP_EDB;
    sqlite3_reset(q->st[k]);
    if (text)
        sqlite3_bind_text(q->st[k], 1, text, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_int64(q->st[k], 1, id);
    int r = sqlite3_step(q->st[k]);
    if (r == SQLITE_DONE)
        return 0;
    if (r != SQLITE_ROW)
        return ep_query_db_error(q->s, err, what);
    *st = q->st[k];
    return 1;
}

int ep_query_mep(struct ep_query *q, int64_t id, struct ep_query_mep *out, struct ep_error *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st;
    int r = handle_row(q, Q_MEP, id, NULL, &st, err, "looking up the MEP");
    if (r != 1)
        return r;
    out->first_name = col_text(st, 0);
    out->last_name = col_text(st, 1);
    out->country_code = col_text(st, 2);
    return 1;
}

int ep_query_vote(struct ep_query *q, int64_t id, struct ep_query_vote *out, struct ep_error *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st;
    int r = handle_row(q, Q_VOTE, id, NULL, &st, err, "looking up the vote");
    if (r != 1)
        return r;
    out->title = col_text(st, 0);
    out->rcv_title = col_text(st, 1);
    out->procedure_title = col_text(st, 2);
    out->procedure_reference = col_text(st, 3);
    out->result = col_text(st, 4);
    out->date = col_text(st, 5);
    return 1;
}

int ep_query_sitting_ref(struct ep_query *q, const char *date, char *out, size_t n,
                         struct ep_error *err)
{
    out[0] = 0;
    sqlite3_stmt *st;
    int r = handle_row(q, Q_SITTING_REF, 0, date, &st, err, "reading the sitting's reference");
    if (r != 1)
        return r;
    const char *t = col_text(st, 0);
    if (!t || !*t)
        return 0;
    snprintf(out, n, "%s", t);
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
    int rc = prepare(s, "SELECT COALESCE(label, official_label, code) FROM grp WHERE code = ?", &q,
                     err, "looking up the group");
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
    for (size_t i = 0; v && i < n; i++) {
        free(v[i].group);
        free(v[i].group_label);
    }
    free(v);
}

int ep_query_memberships(struct ep_store *s, int64_t id, struct ep_query_membership **out,
                         size_t *n, struct ep_error *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *q;
    int rc = prepare(s,
                     "SELECT ms.group_code, ms.term, ms.start_date, ms.end_date, g.label"
                     " FROM membership ms LEFT JOIN grp g ON g.code = ms.group_code"
                     " WHERE ms.member_id = ?1 ORDER BY ms.start_date, ms.group_code",
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
        int bad = 0;
        r->group_label = dup_text(col_text(q, 4), &bad);
        if (bad) {
            rc = ep_error_set(err, EP_ENOMEM, "out of memory");
            break;
        }
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

void ep_query_mep_profile_free(struct ep_query_mep_profile *p)
{
    if (!p)
        return;
    char **f[] = {&p->first_name, &p->last_name, &p->country, &p->country_label, &p->date_of_birth,
                  &p->email,      &p->facebook,  &p->twitter, &p->current_group};
    for (size_t k = 0; k < sizeof f / sizeof f[0]; k++)
        free(*f[k]);
    memset(p, 0, sizeof *p);
}

int ep_query_mep_profile(struct ep_store *s, int64_t id, struct ep_query_mep_profile *out,
                         struct ep_error *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *q;
    /* one row whether or not the members table has the MEP */
    int rc = prepare(s,
                     "SELECT m.first_name, m.last_name, m.country_code, c.label,"
                     " m.date_of_birth, m.email, m.facebook, m.twitter,"
                     " (SELECT group_code FROM membership ms WHERE ms.member_id = ?1"
                     "  AND ms.end_date IS NULL ORDER BY ms.start_date DESC LIMIT 1),"
                     " m.id IS NOT NULL,"
                     " EXISTS(SELECT 1 FROM membership WHERE member_id = ?1),"
                     " (SELECT kind FROM unit WHERE id = m.unit_id) = 'rcv-xml'"
                     " FROM (SELECT 1) LEFT JOIN member m ON m.id = ?1"
                     " LEFT JOIN country c ON c.code = m.country_code",
                     &q, err, "reading the MEP");
    if (rc)
        return rc;
    sqlite3_bind_int64(q, 1, id);
    if (sqlite3_step(q) != SQLITE_ROW) {
        rc = ep_query_db_error(s, err, "reading the MEP");
        sqlite3_finalize(q);
        return rc;
    }
    char **f[] = {&out->first_name,    &out->last_name,     &out->country,
                  &out->country_label, &out->date_of_birth, &out->email,
                  &out->facebook,      &out->twitter,       &out->current_group};
    int bad = 0;
    for (int k = 0; k < 9; k++)
        *f[k] = dup_text(col_text(q, k), &bad);
    out->has_current = sqlite3_column_type(q, 8) != SQLITE_NULL;
    out->in_members = sqlite3_column_int(q, 9);
    out->in_memberships = sqlite3_column_int(q, 10);
    out->rcv_named = sqlite3_column_int(q, 11);
    sqlite3_finalize(q);
    if (bad) {
        ep_query_mep_profile_free(out);
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    }
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
    /* *n first: gcc 12's analyser drops what it knows of *out on a later write to *n (they
     * might alias, to it) and then reports the titles leaked */
    *n = k;
    *out = v;
    return 0;
}

/* ---- row cursors ------------------------------------------------------------------------- */

struct ep_query_rows {
    struct ep_store *s;
    sqlite3_stmt *q;
    const char *what; /* for errors: "listing votes" */
};

int ep_query_rows_next(struct ep_query_rows *r, struct ep_error *err)
{
    int st = sqlite3_step(r->q);
    if (st == SQLITE_ROW)
        return 1;
    if (st == SQLITE_DONE)
        return 0;
    return ep_query_db_error(r->s, err, r->what);
}

void ep_query_rows_close(struct ep_query_rows *r)
{
    if (!r)
        return;
    sqlite3_finalize(r->q);
    free(r);
}

const char *ep_query_col_text(const struct ep_query_rows *r, int col)
{
    return col_text(r->q, col);
}

int64_t ep_query_col_int(const struct ep_query_rows *r, int col)
{
    return sqlite3_column_int64(r->q, col);
}

double ep_query_col_double(const struct ep_query_rows *r, int col)
{
    return sqlite3_column_double(r->q, col);
}

int ep_query_col_is_null(const struct ep_query_rows *r, int col)
{
    return sqlite3_column_type(r->q, col) == SQLITE_NULL;
}

int ep_query_col_is_int(const struct ep_query_rows *r, int col)
{
    return sqlite3_column_type(r->q, col) == SQLITE_INTEGER;
}

/* A cursor over sql (prepared, not yet bound): *out owns q. */
static int rows_open(struct ep_store *s, const char *sql, const char *what,
                     struct ep_query_rows **out, struct ep_error *err)
{
    *out = NULL;
    struct ep_query_rows *r = calloc(1, sizeof *r);
    if (!r) {
        ep_error_set(err, EP_ENOMEM, "out of memory");
        return EP_ENOMEM;
    }
    int rc = prepare(s, sql, &r->q, err, what);
    if (rc) {
        free(r);
        return rc;
    }
    r->s = s;
    r->what = what;
    *out = r;
    return 0;
}

static void bind_text_opt(sqlite3_stmt *q, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(q, i, v, -1, SQLITE_TRANSIENT);
}

/* The single integer of a one-row query into *out. */
static int scalar(struct ep_query_rows *r, long *out, struct ep_error *err)
{
    int rc = ep_query_rows_next(r, err);
    if (rc == 0)
        rc = ep_query_db_error(r->s, err, r->what);
    if (rc > 0) {
        *out = (long)sqlite3_column_int64(r->q, 0);
        rc = 0;
    }
    ep_query_rows_close(r);
    return rc;
}

int ep_query_has_table(struct ep_store *s, const char *name)
{
    sqlite3_stmt *q = NULL;
    int found = 0;
    if (s && sqlite3_prepare_v2(ep_store_db(s),
                                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
                                -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
        found = sqlite3_step(q) == SQLITE_ROW;
    }
    sqlite3_finalize(q);
    return found;
}

int ep_query_meps(struct ep_store *s, const char *active_on, const int64_t *term,
                  const char *country, struct ep_query_rows **out, struct ep_error *err)
{
    int rc = rows_open(s,
                       "SELECT m.id, m.first_name, m.last_name, m.country_code, m.date_of_birth,"
                       " (SELECT ms.group_code FROM membership ms WHERE ms.member_id = m.id"
                       "   AND (?1 IS NULL OR (ms.start_date <= ?1 AND (ms.end_date IS NULL"
                       "        OR ms.end_date >= ?1)))"
                       "   AND (?2 IS NULL OR ms.term = ?2) ORDER BY ms.start_date DESC LIMIT 1),"
                       " (SELECT group_concat(term) FROM (SELECT DISTINCT term FROM membership"
                       "   WHERE member_id = m.id AND term IS NOT NULL ORDER BY term)),"
                       " EXISTS(SELECT 1 FROM membership ms WHERE ms.member_id = m.id"
                       "   AND ms.end_date IS NULL)"
                       " FROM member m WHERE (?3 IS NULL OR m.country_code = ?3)"
                       " ORDER BY m.last_name COLLATE NOCASE, m.first_name COLLATE NOCASE, m.id",
                       "listing MEPs", out, err);
    if (rc)
        return rc;
    bind_text_opt((*out)->q, 1, active_on);
    if (term)
        sqlite3_bind_int64((*out)->q, 2, *term);
    bind_text_opt((*out)->q, 3, country);
    return 0;
}

#define VOTE_COLS                                                                                  \
    "v.id, v.timestamp, v.sitting_date, v.title, v.description, v.reference,"                      \
    " v.procedure_reference, v.procedure_title, v.procedure_type, v.procedure_stage, v.result,"    \
    " v.is_main, v.count_for, v.count_against, v.count_abstention, v.count_did_not_vote,"          \
    " v.pos_unit_id IS NOT NULL, v.rcv_title, v.rcv_description"

/* " WHERE ..." of a vote filter (named parameters, bound by vote_bind). */
static int vote_where(const struct ep_query_vote_filter *f, struct ep_buf *w)
{
    int bad = ep_buf_printf(w, " WHERE 1") != 0;
    if (f->sitting)
        bad |= ep_buf_printf(w, " AND v.sitting_date = :sitting") != 0;
    if (f->from)
        bad |= ep_buf_printf(w, " AND v.sitting_date >= :from") != 0;
    if (f->to)
        bad |= ep_buf_printf(w, " AND v.sitting_date <= :to") != 0;
    if (f->procedure)
        bad |= ep_buf_printf(w, " AND v.procedure_reference = :procedure") != 0;
    if (f->result)
        bad |= ep_buf_printf(w, " AND v.result = :result") != 0;
    if (f->has_vote_id)
        bad |= ep_buf_printf(w, " AND v.id = :vote_id") != 0;
    if (f->main_only)
        bad |= ep_buf_printf(w, " AND v.is_main = 1") != 0;
    if (f->with_positions >= 0)
        bad |= ep_buf_printf(w, " AND v.pos_unit_id IS %s",
                             f->with_positions ? "NOT NULL" : "NULL") != 0;
    if (f->match)
        bad |= ep_buf_printf(w, " AND v.id IN (SELECT rowid FROM search WHERE search MATCH"
                                " :match AND kind = 'vote')") != 0;
    return bad ? EP_ENOMEM : 0;
}

static void bind_name_text(sqlite3_stmt *q, const char *name, const char *v)
{
    int i = sqlite3_bind_parameter_index(q, name);
    if (i > 0 && v)
        sqlite3_bind_text(q, i, v, -1, SQLITE_TRANSIENT);
}

static void bind_name_int(sqlite3_stmt *q, const char *name, long long v)
{
    int i = sqlite3_bind_parameter_index(q, name);
    if (i > 0)
        sqlite3_bind_int64(q, i, v);
}

static void vote_bind(sqlite3_stmt *q, const struct ep_query_vote_filter *f)
{
    bind_name_text(q, ":sitting", f->sitting);
    bind_name_text(q, ":from", f->from);
    bind_name_text(q, ":to", f->to);
    bind_name_text(q, ":procedure", f->procedure);
    bind_name_text(q, ":result", f->result);
    if (f->has_vote_id)
        bind_name_int(q, ":vote_id", f->vote_id);
    bind_name_text(q, ":match", f->match);
}

/* A cursor over "SELECT head FROM vote v WHERE <f> tail". */
static int votes_open(struct ep_store *s, const struct ep_query_vote_filter *f, const char *head,
                      const char *tail, const char *what, struct ep_query_rows **out,
                      struct ep_error *err)
{
    struct ep_buf w, sql;
    ep_buf_init(&w, 0);
    ep_buf_init(&sql, 0);
    int rc = vote_where(f, &w);
    if (!rc && ep_buf_printf(&sql, "SELECT %s FROM vote v%s%s", head, w.data, tail))
        rc = EP_ENOMEM;
    if (rc) {
        ep_error_set(err, EP_ENOMEM, "out of memory");
        rc = EP_ENOMEM;
    } else
        rc = rows_open(s, sql.data, what, out, err);
    if (!rc)
        vote_bind((*out)->q, f);
    ep_buf_free(&w);
    ep_buf_free(&sql);
    return rc;
}

int ep_query_votes_count(struct ep_store *s, const struct ep_query_vote_filter *f, long *total,
                         struct ep_error *err)
{
    struct ep_query_rows *r;
    int rc = votes_open(s, f, "COUNT(*)", "", "counting votes", &r, err);
    return rc ? rc : scalar(r, total, err);
}

int ep_query_votes(struct ep_store *s, const struct ep_query_vote_filter *f, int asc, int limit,
                   int offset, struct ep_query_rows **out, struct ep_error *err)
{
    /* sitting_date first: the vote_sitting index then serves ORDER BY ... LIMIT */
    const char *tail = asc ? " ORDER BY v.sitting_date ASC, v.timestamp ASC, v.id ASC"
                             " LIMIT :limit OFFSET :offset"
                           : " ORDER BY v.sitting_date DESC, v.timestamp DESC, v.id DESC"
                             " LIMIT :limit OFFSET :offset";
    int rc = votes_open(s, f, VOTE_COLS, tail, "listing votes", out, err);
    if (rc)
        return rc;
    bind_name_int((*out)->q, ":limit", limit);
    bind_name_int((*out)->q, ":offset", offset);
    return 0;
}

int ep_query_procedure_votes(struct ep_store *s, const char *procedure, int limit, int offset,
                             struct ep_query_rows **out, struct ep_error *err)
{
    int rc = rows_open(s,
                       "SELECT " VOTE_COLS " FROM vote v WHERE v.procedure_reference = ?1"
                       " ORDER BY v.timestamp, v.id LIMIT ?2 OFFSET ?3",
                       "listing the procedure's votes", out, err);
    if (rc)
        return rc;
    sqlite3_bind_text((*out)->q, 1, procedure, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int((*out)->q, 2, limit);
    sqlite3_bind_int((*out)->q, 3, offset);
    return 0;
}

void ep_query_procedure_free(struct ep_query_procedure *p)
{
    if (!p)
        return;
    free(p->first_date);
    free(p->last_date);
    free(p->title);
    free(p->type);
    free(p->stage);
    free(p->latest_main_result);
    memset(p, 0, sizeof *p);
}

int ep_query_procedure(struct ep_store *s, const char *procedure, struct ep_query_procedure *out,
                       struct ep_error *err)
{
    memset(out, 0, sizeof *out);
    struct ep_query_rows *r;
    int rc = rows_open(s,
                       "SELECT COUNT(*), SUM(is_main = 1), SUM(pos_unit_id IS NOT NULL),"
                       " SUM(result = 'ADOPTED'), SUM(result = 'REJECTED'), SUM(result IS NULL),"
                       " MIN(sitting_date), MAX(sitting_date),"
                       " (SELECT procedure_title FROM vote WHERE procedure_reference = ?1"
                       "  AND COALESCE(procedure_title, '') != '' ORDER BY timestamp DESC LIMIT 1),"
                       " (SELECT procedure_type FROM vote WHERE procedure_reference = ?1"
                       "  AND COALESCE(procedure_type, '') != '' ORDER BY timestamp DESC LIMIT 1),"
                       " (SELECT procedure_stage FROM vote WHERE procedure_reference = ?1"
                       "  AND COALESCE(procedure_stage, '') != '' ORDER BY timestamp DESC LIMIT 1),"
                       " (SELECT result FROM vote WHERE procedure_reference = ?1 AND is_main = 1"
                       "  AND result IS NOT NULL ORDER BY timestamp DESC LIMIT 1)"
                       " FROM vote WHERE procedure_reference = ?1",
                       "reading the procedure", &r, err);
    if (rc)
        return rc;
    sqlite3_bind_text(r->q, 1, procedure, -1, SQLITE_TRANSIENT);
    rc = ep_query_rows_next(r, err);
    if (rc == 0)
        rc = ep_query_db_error(s, err, "reading the procedure");
    if (rc > 0) {
        long *n[] = {&out->votes,   &out->main_votes, &out->with_positions,
                     &out->adopted, &out->rejected,   &out->without_result};
        for (int k = 0; k < 6; k++)
            *n[k] = (long)sqlite3_column_int64(r->q, k);
        /* field by field, not through a table of their addresses: gcc 12's analyser loses
         * copies stored through a pointer picked at a computed index, reporting them leaked */
        int bad = 0;
        out->first_date = dup_text(col_text(r->q, 6), &bad);
        out->last_date = dup_text(col_text(r->q, 7), &bad);
        out->title = dup_text(col_text(r->q, 8), &bad);
        out->type = dup_text(col_text(r->q, 9), &bad);
        out->stage = dup_text(col_text(r->q, 10), &bad);
        out->latest_main_result = dup_text(col_text(r->q, 11), &bad);
        rc = bad ? ep_error_set(err, EP_ENOMEM, "out of memory") : 0;
    }
    ep_query_rows_close(r);
    if (rc)
        ep_query_procedure_free(out);
    return rc;
}

int ep_query_search_count(struct ep_store *s, const char *match, const char *kind, long *total,
                          struct ep_error *err)
{
    struct ep_query_rows *r;
    int rc = rows_open(s,
                       "SELECT COUNT(*) FROM search WHERE search MATCH ?1"
                       " AND (?2 IS NULL OR kind = ?2)",
                       "full-text search", &r, err);
    if (rc)
        return rc;
    sqlite3_bind_text(r->q, 1, match, -1, SQLITE_TRANSIENT);
    bind_text_opt(r->q, 2, kind);
    return scalar(r, total, err);
}

int ep_query_search(struct ep_store *s, const char *match, const char *kind, int limit, int offset,
                    struct ep_query_rows **out, struct ep_error *err)
{
    int rc = rows_open(s,
                       ep_query_has_table(s, "document")
                           ? "SELECT search.kind, search.ref, search.title,"
                             " snippet(search, -1, '**', '**', '...', 16),"
                             " bm25(search, 0.0, 0.0, 10.0, 1.0, 4.0) AS r,"
                             " COALESCE(v.sitting_date, d.date)"
                             " FROM search LEFT JOIN vote v ON search.kind = 'vote'"
                             "  AND v.id = search.rowid"
                             " LEFT JOIN document d ON search.kind <> 'vote'"
                             "  AND d.rowid = search.rowid - ?5"
                             " WHERE search MATCH ?1 AND (?2 IS NULL OR search.kind = ?2)"
                             " ORDER BY r, search.rowid DESC LIMIT ?3 OFFSET ?4"
                           : "SELECT search.kind, search.ref, search.title,"
                             " snippet(search, -1, '**', '**', '...', 16),"
                             " bm25(search, 0.0, 0.0, 10.0, 1.0, 4.0) AS r, v.sitting_date"
                             " FROM search LEFT JOIN vote v ON search.kind = 'vote'"
                             "  AND v.id = search.rowid"
                             " WHERE search MATCH ?1 AND (?2 IS NULL OR search.kind = ?2)"
                             " ORDER BY r, search.rowid DESC LIMIT ?3 OFFSET ?4",
                       "full-text search", out, err);
    if (rc)
        return rc;
    sqlite3_stmt *q = (*out)->q;
    sqlite3_bind_text(q, 1, match, -1, SQLITE_TRANSIENT);
    bind_text_opt(q, 2, kind);
    sqlite3_bind_int(q, 3, limit);
    sqlite3_bind_int(q, 4, offset);
    if (sqlite3_bind_parameter_count(q) >= 5)
        sqlite3_bind_int64(q, 5, EP_SEARCH_DOC_BASE);
    return 0;
}

int ep_query_committees(struct ep_store *s, const char *code, struct ep_query_rows **out,
                        struct ep_error *err)
{
    int rc = rows_open(s,
                       "SELECT code, label, abbreviation FROM committee"
                       " WHERE (?1 IS NULL OR code = ?1) ORDER BY code",
                       "listing committees", out, err);
    if (!rc)
        bind_text_opt((*out)->q, 1, code);
    return rc;
}

long ep_query_questions_stored(struct ep_store *s)
{
    if (!ep_query_has_table(s, "question"))
        return 0;
    sqlite3_stmt *q;
    long n = 0;
    if (sqlite3_prepare_v2(ep_store_db(s), "SELECT COUNT(*) FROM question", -1, &q, NULL) ==
        SQLITE_OK) {
        if (sqlite3_step(q) == SQLITE_ROW)
            n = (long)sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
    }
    return n;
}

/* A cursor over "SELECT head FROM question q WHERE <f> tail" (parameters ?1..?4 bound). */
static int questions_open(struct ep_store *s, const struct ep_query_question_filter *f,
                          const char *head, const char *tail, struct ep_query_rows **out,
                          struct ep_error *err)
{
    /* an author is the first author (author_id) or a co-author (question_author, schema 5) */
    char sql[768];
    snprintf(sql, sizeof sql, "SELECT %s%s%s", head,
             " FROM question q WHERE (?1 IS NULL OR q.author_id = ?1 OR EXISTS (SELECT 1 FROM"
             " question_author a WHERE a.question_id = q.id AND a.member_id = ?1))"
             " AND (?2 IS NULL OR date >= ?2)"
             " AND (?3 IS NULL OR date <= ?3) AND (?4 IS NULL OR instr(lower(title), lower(?4)) "
             "> 0)",
             tail);
    struct ep_error e2 = {0};
    if (rows_open(s, sql, "listing questions", out, &e2)) {
        ep_error_set(err, EP_EUNAVAIL,
                     "the question table does not have the expected shape (id, date, title, "
                     "author_id, addressee, answer_date): %s",
                     ep_query_errmsg(s));
        return EP_EUNAVAIL;
    }
    sqlite3_stmt *q = (*out)->q;
    if (f->author)
        sqlite3_bind_int64(q, 1, *f->author);
    bind_text_opt(q, 2, f->from);
    bind_text_opt(q, 3, f->to);
    bind_text_opt(q, 4, f->keyword);
    return 0;
}

int ep_query_questions_count(struct ep_store *s, const struct ep_query_question_filter *f,
                             long *total, struct ep_error *err)
{
    struct ep_query_rows *r;
    int rc = questions_open(s, f, "COUNT(*)", "", &r, err);
    if (rc)
        return rc;
    *total = ep_query_rows_next(r, NULL) > 0 ? (long)sqlite3_column_int64(r->q, 0) : 0;
    ep_query_rows_close(r);
    return 0;
}

int ep_query_questions(struct ep_store *s, const struct ep_query_question_filter *f, int limit,
                       int offset, struct ep_query_rows **out, struct ep_error *err)
{
    int rc = questions_open(s, f,
                            "id, date, title, author_id, addressee, answer_date,"
                            " answer_id IS NOT NULL OR answer_date IS NOT NULL",
                            " ORDER BY date DESC, id LIMIT ?5 OFFSET ?6", out, err);
    if (rc)
        return rc;
    sqlite3_bind_int((*out)->q, 5, limit);
    sqlite3_bind_int((*out)->q, 6, offset);
    return 0;
}
