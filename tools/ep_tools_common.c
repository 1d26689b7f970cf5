/* ep_tools_common: shared result helpers and the per-store positions snapshot. */
#include "ep_tools_common.h"
#include "ep_tools.h"

#include "ep_stats.h"
#include "ep_window.h"

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ep_model.h"
#include "ep_store.h"

/* ---- provenance ------------------------------------------------------------------------ */

static long long data_version(sqlite3 *db);

/* The provenance fields straight from SQL, with the snapshot's definitions (snap_sittings,
 * snap_days): the dataset date is the last valid sitting date of the vote table, the positions
 * window the first and last day of the votes with positions, synthetic the meta flag. Used when
 * no current snapshot exists, so that a tool that needs only the provenance does not load the
 * whole store's matrix. */
static int prov_sql(struct ep_store *s, char date[11], char from[11], char to[11], int *synthetic)
{
    sqlite3 *db = ep_store_db(s);
    sqlite3_stmt *q = NULL;
    date[0] = from[0] = to[0] = '\0';
    *synthetic = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT sitting_date FROM vote WHERE sitting_date IS NOT NULL"
                           " GROUP BY sitting_date ORDER BY sitting_date DESC",
                           -1, &q, NULL) != SQLITE_OK)
        return EP_EDB;
    int st;
    while ((st = sqlite3_step(q)) == SQLITE_ROW) {
        const char *d = (const char *)sqlite3_column_text(q, 0);
        if (d && ep_date_valid(d)) {
            memcpy(date, d, 10);
            date[10] = '\0';
            break;
        }
    }
    sqlite3_finalize(q);
    if (st != SQLITE_ROW && st != SQLITE_DONE)
        return EP_EDB;
    if (sqlite3_prepare_v2(db,
                           "SELECT DISTINCT sitting_date FROM vote WHERE pos_unit_id IS NOT NULL",
                           -1, &q, NULL) != SQLITE_OK)
        return EP_EDB;
    int32_t dmin = INT32_MAX, dmax = INT32_MIN;
    while ((st = sqlite3_step(q)) == SQLITE_ROW) {
        int32_t d = ep_date_days((const char *)sqlite3_column_text(q, 0));
        dmin = d < dmin ? d : dmin;
        dmax = d > dmax ? d : dmax;
    }
    sqlite3_finalize(q);
    if (st != SQLITE_DONE)
        return EP_EDB;
    if (dmin <= dmax) {
        ep_date_format(dmin, from);
        ep_date_format(dmax, to);
    }
    if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'synthetic'", -1, &q, NULL) ==
        SQLITE_OK) {
        if (sqlite3_step(q) == SQLITE_ROW)
            *synthetic = sqlite3_column_int(q, 0);
        sqlite3_finalize(q);
    }
    return 0;
}

/* The current snapshot of s when one is built and up to date (a counted reference), else NULL:
 * never builds one. */
static struct ep_tools_pos *snap_peek(struct ep_store *s);

/* prov_sql's answer for one store content (ep_tools_store_marker): the positions window scans
 * the vote table, which a basic tool should not pay on every call. */
static struct {
    pthread_mutex_t mu;
    char marker[4200];
    char date[11], from[11], to[11];
    int synthetic;
} prov_memo = {.mu = PTHREAD_MUTEX_INITIALIZER};

static int prov_cached(struct ep_store *s, char date[11], char from[11], char to[11],
                       int *synthetic)
{
    char marker[sizeof prov_memo.marker];
    ep_tools_store_marker(s, marker, sizeof marker);
    pthread_mutex_lock(&prov_memo.mu);
    int hit = strcmp(prov_memo.marker, marker) == 0;
    if (hit) {
        memcpy(date, prov_memo.date, 11);
        memcpy(from, prov_memo.from, 11);
        memcpy(to, prov_memo.to, 11);
        *synthetic = prov_memo.synthetic;
    }
    pthread_mutex_unlock(&prov_memo.mu);
    if (hit)
        return 0;
    int rc = prov_sql(s, date, from, to, synthetic);
    if (rc)
        return rc;
    pthread_mutex_lock(&prov_memo.mu);
    memcpy(prov_memo.marker, marker, sizeof marker);
    memcpy(prov_memo.date, date, 11);
    memcpy(prov_memo.from, from, 11);
    memcpy(prov_memo.to, to, 11);
    prov_memo.synthetic = *synthetic;
    pthread_mutex_unlock(&prov_memo.mu);
    return 0;
}

json_t *ep_tools_provenance(struct ep_store *s)
{
    if (!s)
        return NULL;
    char date[11], from[11], to[11];
    int synthetic;
    struct ep_tools_pos *p = snap_peek(s);
    if (p) {
        memcpy(date, p->dataset_date, 11);
        memcpy(from, p->pos_from, 11);
        memcpy(to, p->pos_to, 11);
        synthetic = p->synthetic;
        ep_tools_pos_release(p);
    } else if (prov_cached(s, date, from, to, &synthetic)) {
        return NULL;
    }
    json_t *o = json_pack("{s:[s,s]}", "sources", "Source: European Parliament",
                          "Data: HowTheyVote.eu (ODbL)");
    json_t *win = from[0] ? json_pack("{s:s,s:s}", "from", from, "to", to) : json_null();
    if (!o || !win || json_object_set_new(o, "positions_window", win) ||
        json_object_set_new(o, "dataset_date", date[0] ? json_string(date) : json_null()) ||
        json_object_set_new(o, "synthetic", json_boolean(synthetic))) {
        if (!o)
            json_decref(win);
        json_decref(o);
        o = NULL;
    }
    return o;
}

int ep_tools_add_provenance(struct ep_store *s, json_t *obj, struct ep_error *err)
{
    json_t *p = ep_tools_provenance(s);
    if (!p)
        return ep_error_set(err, EP_EDB, "could not read the dataset provenance from the store");
    if (json_object_set_new(obj, "provenance", p))
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    return 0;
}

json_t *ep_tools_window_date(const char *date)
{
    return date && *date ? json_string(date) : json_null();
}

json_t *ep_tools_unavailable(const char *reason)
{
    return json_pack("{s:b,s:s}", "available", 0, "reason", reason ? reason : "not available");
}

const char *ep_tools_alpha_reason(int units, int n_vote, char *buf, size_t n)
{
    if (units < EP_STATS_ALPHA_MIN_UNITS && n_vote < EP_STATS_ALPHA_MIN_UNITS)
        snprintf(buf, n,
                 "the window is too short: %d vote%s, alpha needs at least %d votes with at least "
                 "2 cast values (over a single vote alpha is 0 by construction)",
                 n_vote, n_vote == 1 ? "" : "s", EP_STATS_ALPHA_MIN_UNITS);
    else if (units < EP_STATS_ALPHA_MIN_UNITS)
        snprintf(buf, n,
                 "%d of the window's %d votes ha%s at least 2 cast values; alpha needs at least %d "
                 "(over a single vote alpha is 0 by construction)",
                 units, n_vote, units == 1 ? "s" : "ve", EP_STATS_ALPHA_MIN_UNITS);
    else
        snprintf(buf, n,
                 "every cast value over the %d votes is the same option: no expected "
                 "disagreement, alpha is 0/0",
                 units);
    return buf;
}

/* ---- positions ------------------------------------------------------------------------- */

/* The METHODS tie rule and the Agreement Index live in stats/; these wrappers keep the tool
 * layer's names. EP_TOOLS_GPOS_* and EP_GPOS_* share their values (checked below). */
_Static_assert((int)EP_TOOLS_GPOS_FOR == (int)EP_GPOS_FOR &&
                   (int)EP_TOOLS_GPOS_AGAINST == (int)EP_GPOS_AGAINST &&
                   (int)EP_TOOLS_GPOS_ABSTENTION == (int)EP_GPOS_ABSTENTION &&
                   (int)EP_TOOLS_GPOS_TIE == (int)EP_GPOS_TIE &&
                   (int)EP_TOOLS_GPOS_NONE == (int)EP_GPOS_NONE,
               "group position codes differ between tools/ and stats/");

int ep_tools_group_position(int y, int n, int a)
{
    return ep_stats_position(y, n, a);
}

const char *ep_tools_gpos_name(int gpos)
{
    switch (gpos) {
    case EP_TOOLS_GPOS_FOR: return "FOR";
    case EP_TOOLS_GPOS_AGAINST: return "AGAINST";
    case EP_TOOLS_GPOS_ABSTENTION: return "ABSTENTION";
    case EP_TOOLS_GPOS_TIE: return "TIE";
    default: return "NONE";
    }
}

const char *ep_tools_pos_name(int pos)
{
    switch (pos) {
    case EP_POS_FOR: return "FOR";
    case EP_POS_AGAINST: return "AGAINST";
    case EP_POS_ABSTENTION: return "ABSTENTION";
    case EP_POS_DID_NOT_VOTE: return "DID_NOT_VOTE";
    default: return NULL;
    }
}

int ep_tools_agreement_index(int y, int n, int a, double *ai)
{
    return ep_stats_ai(y, n, a, ai) == EP_OK ? EP_OK : EP_EUNAVAIL;
}

/* ---- snapshot -------------------------------------------------------------------------- */

static pthread_mutex_t snap_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ep_tools_pos *snap_cur;

static void snap_free(struct ep_tools_pos *p)
{
    if (!p)
        return;
    ep_matrix_free(&p->m);
    free(p->counts);
    free(p->vote_sorted);
    free(p->vote_sorted_index);
    free(p->days);
    free(p->sittings);
    free(p->key_path);
    free(p);
}

static int cmp_vote_pair(const void *x, const void *y)
{
    const int64_t *a = x, *b = y;
    return (a[0] > b[0]) - (a[0] < b[0]);
}

static int snap_sort_votes(struct ep_tools_pos *p)
{
    size_t nv = p->m.n_vote > 0 ? (size_t)p->m.n_vote : 0;
    size_t alloc = nv ? nv : 1;
    p->vote_sorted = malloc(alloc * sizeof *p->vote_sorted);
    p->vote_sorted_index = malloc(alloc * sizeof *p->vote_sorted_index);
    int64_t *pairs = malloc(2 * alloc * sizeof *pairs);
    if (!p->vote_sorted || !p->vote_sorted_index || !pairs) {
        free(pairs);
        return EP_ENOMEM;
    }
    for (size_t v = 0; v < nv; v++) {
        pairs[2 * v] = p->m.vote_id[v];
        pairs[2 * v + 1] = (int64_t)v;
    }
    qsort(pairs, nv, 2 * sizeof *pairs, cmp_vote_pair);
    for (size_t v = 0; v < nv; v++) {
        p->vote_sorted[v] = pairs[2 * v];
        p->vote_sorted_index[v] = (int)pairs[2 * v + 1];
    }
    free(pairs);
    return 0;
}

static int snap_days(struct ep_tools_pos *p)
{
    const struct ep_matrix *m = &p->m;
    int32_t *dl = malloc((size_t)(m->n_vote ? m->n_vote : 1) * sizeof *dl);
    if (!dl)
        return EP_ENOMEM;
    int nd = 0;
    for (int v = 0; v < m->n_vote; v++) {
        int32_t d = m->vote_day[v];
        int k = 0;
        while (k < nd && dl[k] < d)
            k++;
        if (k < nd && dl[k] == d)
            continue;
        memmove(dl + k + 1, dl + k, (size_t)(nd - k) * sizeof *dl);
        dl[k] = d;
        nd++;
    }
    p->days = calloc((size_t)(nd ? nd : 1), sizeof *p->days);
    uint8_t *seen = calloc((size_t)(m->n_mep ? m->n_mep : 1), 1);
    if (!p->days || !seen) {
        free(dl);
        free(seen);
        return EP_ENOMEM;
    }
    for (int k = 0; k < nd; k++) {
        struct ep_tools_day *day = &p->days[k];
        ep_date_format(dl[k], day->date);
        memset(seen, 0, (size_t)m->n_mep);
        day->first_vote = -1;
        for (int v = 0; v < m->n_vote; v++) {
            if (m->vote_day[v] != dl[k])
                continue;
            if (day->first_vote < 0)
                day->first_vote = v;
            day->n_votes++;
            day->dnv_unknown += !m->dnv_known[v];
            const uint8_t *row = m->pos + (size_t)v * (size_t)m->n_mep;
            for (int i = 0; i < m->n_mep; i++) {
                if (row[i] == EP_POS_NONE)
                    continue;
                seen[i] |= 1;
                if (row[i] != EP_POS_DID_NOT_VOTE)
                    seen[i] |= 2;
            }
        }
        for (int i = 0; i < m->n_mep; i++) {
            day->mandate += (seen[i] & 1) != 0;
            day->present += (seen[i] & 2) != 0;
        }
    }
    p->n_days = nd;
    free(dl);
    free(seen);
    if (nd) {
        memcpy(p->pos_from, p->days[0].date, 11);
        memcpy(p->pos_to, p->days[nd - 1].date, 11);
    }
    return 0;
}

static int snap_sittings(struct ep_store *s, struct ep_tools_pos *p, struct ep_error *err)
{
    sqlite3 *db = ep_store_db(s);
    sqlite3_stmt *q = NULL;
    int rc = 0, n = 0, alloc = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT sitting_date, COUNT(*), SUM(pos_unit_id IS NOT NULL),"
                           " SUM(COALESCE(is_main, 0) != 0), SUM(is_main IS NOT NULL) FROM vote"
                           " WHERE sitting_date IS NOT NULL GROUP BY sitting_date"
                           " ORDER BY sitting_date",
                           -1, &q, NULL) != SQLITE_OK)
        return ep_tools_db_error(s, err, "listing sittings");
    int st;
    while ((st = sqlite3_step(q)) == SQLITE_ROW) {
        const char *d = (const char *)sqlite3_column_text(q, 0);
        if (!d || !ep_date_valid(d))
            continue;
        if (n == alloc) {
            alloc = alloc ? alloc * 2 : 512;
            struct ep_tools_sitting *t = realloc(p->sittings, (size_t)alloc * sizeof *t);
            if (!t) {
                rc = ep_error_set(err, EP_ENOMEM, "out of memory");
                goto out;
            }
            p->sittings = t;
        }
        struct ep_tools_sitting *e = &p->sittings[n++];
        memcpy(e->date, d, 10);
        e->date[10] = '\0';
        e->votes = sqlite3_column_int(q, 1);
        e->with_positions = sqlite3_column_int(q, 2);
        e->main_votes = sqlite3_column_int(q, 3);
        e->main_known = sqlite3_column_int(q, 4);
    }
    if (st != SQLITE_DONE) {
        rc = ep_tools_db_error(s, err, "listing sittings");
        goto out;
    }
    p->n_sittings = n;
    if (n)
        memcpy(p->dataset_date, p->sittings[n - 1].date, 11);
out:
    sqlite3_finalize(q);
    return rc;
}

static long long data_version(sqlite3 *db)
{
    sqlite3_stmt *q;
    long long v = -1;
    if (sqlite3_prepare_v2(db, "PRAGMA data_version", -1, &q, NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_step(q) == SQLITE_ROW)
        v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return v;
}

static int snap_build(struct ep_store *s, struct ep_tools_pos **out, struct ep_error *err)
{
    *out = NULL;
    struct ep_tools_pos *p = calloc(1, sizeof *p);
    if (!p) {
        ep_error_set(err, EP_ENOMEM, "out of memory");
        return EP_ENOMEM;
    }
    struct ep_error lerr = {0};
    int rc = ep_store_load_matrix(s, NULL, &p->m, &lerr);
    if (rc == EP_EUNAVAIL) {
        /* a store without positions: the snapshot holds the sittings only */
        memset(&p->m, 0, sizeof p->m);
    } else if (rc) {
        if (err)
            *err = lerr;
        goto fail;
    }
    const struct ep_matrix *m = &p->m;
    size_t nc = (size_t)m->n_vote * (size_t)(m->n_grp ? m->n_grp : 1);
    p->counts = calloc(nc ? nc : 1, sizeof *p->counts);
    if (!p->counts) {
        rc = ep_error_set(err, EP_ENOMEM, "out of memory");
        goto fail;
    }
    for (int v = 0; v < m->n_vote; v++) {
        const uint8_t *pos = m->pos + (size_t)v * (size_t)m->n_mep;
        const uint8_t *grp = m->grp + (size_t)v * (size_t)m->n_mep;
        struct ep_tools_counts *c = p->counts + (size_t)v * (size_t)m->n_grp;
        for (int i = 0; i < m->n_mep; i++) {
            if (grp[i] == EP_GRP_NONE || grp[i] >= m->n_grp)
                continue;
            switch (pos[i]) {
            case EP_POS_FOR: c[grp[i]].y++; break;
            case EP_POS_AGAINST: c[grp[i]].n++; break;
            case EP_POS_ABSTENTION: c[grp[i]].a++; break;
            case EP_POS_DID_NOT_VOTE: c[grp[i]].d++; break;
            default: break;
            }
        }
    }
    if (snap_sort_votes(p) || snap_days(p)) {
        rc = ep_error_set(err, EP_ENOMEM, "out of memory");
        goto fail;
    }
    rc = snap_sittings(s, p, err);
    if (rc)
        goto fail;
    p->synthetic = m->synthetic;
    *out = p;
    return 0;
fail:
    snap_free(p);
    return rc;
}

int ep_tools_pos_acquire(struct ep_store *s, struct ep_tools_pos **out, struct ep_error *err)
{
    *out = NULL;
    if (!s) {
        ep_error_set(err, EP_EUNAVAIL, "no store is open");
        return EP_EUNAVAIL;
    }
    sqlite3 *db = ep_store_db(s);
    const char *path = ep_store_path(s);
    int rc = 0;
    pthread_mutex_lock(&snap_lock);
    long long changes = (long long)sqlite3_total_changes64(db);
    long long version = data_version(db);
    struct ep_tools_pos *c = snap_cur;
    if (c && c->key_db == (void *)db && c->key_changes == changes && c->key_version == version &&
        strcmp(c->key_path, path ? path : "") == 0) {
        c->refs++;
        *out = c;
        goto out;
    }
    struct ep_tools_pos *fresh = NULL;
    rc = snap_build(s, &fresh, err);
    if (!rc && !fresh)
        rc = EP_EINTERNAL;
    if (rc)
        goto out;
    fresh->key_path = strdup(path ? path : "");
    if (!fresh->key_path) {
        snap_free(fresh);
        ep_error_set(err, EP_ENOMEM, "out of memory");
        rc = EP_ENOMEM;
        goto out;
    }
    fresh->key_db = (void *)db;
    fresh->key_changes = changes;
    fresh->key_version = version;
    fresh->refs = 2; /* the cache and the caller */
    if (c) {
        c->stale = 1;
        if (--c->refs == 0)
            snap_free(c);
    }
    snap_cur = fresh;
    *out = fresh;
out:
    pthread_mutex_unlock(&snap_lock);
    return rc;
}

static struct ep_tools_pos *snap_peek(struct ep_store *s)
{
    sqlite3 *db = ep_store_db(s);
    const char *path = ep_store_path(s);
    pthread_mutex_lock(&snap_lock);
    struct ep_tools_pos *c = snap_cur;
    if (c && c->key_db == (void *)db && c->key_changes == (long long)sqlite3_total_changes64(db) &&
        c->key_version == data_version(db) && strcmp(c->key_path, path ? path : "") == 0)
        c->refs++;
    else
        c = NULL;
    pthread_mutex_unlock(&snap_lock);
    return c;
}

void ep_tools_pos_release(struct ep_tools_pos *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&snap_lock);
    if (--p->refs == 0)
        snap_free(p);
    pthread_mutex_unlock(&snap_lock);
}

void ep_tools_common_reset(void)
{
    pthread_mutex_lock(&snap_lock);
    struct ep_tools_pos *c = snap_cur;
    snap_cur = NULL;
    if (c) {
        c->stale = 1;
        if (--c->refs == 0)
            snap_free(c);
    }
    pthread_mutex_unlock(&snap_lock);
}

int ep_tools_pos_vote_index(const struct ep_tools_pos *p, int64_t vote_id)
{
    int lo = 0, hi = p->m.n_vote;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (p->vote_sorted[mid] < vote_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < p->m.n_vote && p->vote_sorted[lo] == vote_id ? p->vote_sorted_index[lo] : -1;
}

int ep_tools_pos_day_index(const struct ep_tools_pos *p, const char *date)
{
    if (!date)
        return -1;
    for (int k = 0; k < p->n_days; k++)
        if (strncmp(p->days[k].date, date, 10) == 0)
            return k;
    return -1;
}

json_t *ep_tools_breakdown_json(const struct ep_tools_pos *p, int v)
{
    const struct ep_matrix *m = &p->m;
    json_t *arr = json_array();
    if (!arr || v < 0 || v >= m->n_vote)
        return arr;
    int order[EP_MATRIX_MAX_GROUPS];
    int ng = m->n_grp < EP_MATRIX_MAX_GROUPS ? m->n_grp : EP_MATRIX_MAX_GROUPS;
    for (int g = 0; g < ng; g++) {
        int k = g;
        while (k > 0 && strcmp(m->grp_code[order[k - 1]], m->grp_code[g]) > 0) {
            order[k] = order[k - 1];
            k--;
        }
        order[k] = g;
    }
    const struct ep_tools_counts *c = p->counts + (size_t)v * (size_t)m->n_grp;
    for (int k = 0; k < ng; k++) {
        int g = order[k];
        const struct ep_tools_counts *x = &c[g];
        if (x->y + x->n + x->a + x->d == 0)
            continue;
        json_t *o = json_pack("{s:s,s:i,s:i,s:i,s:i,s:s}", "group", m->grp_code[g], "Y", x->y, "N",
                              x->n, "A", x->a, "D", x->d, "position",
                              ep_tools_gpos_name(ep_tools_group_position(x->y, x->n, x->a)));
        double ai;
        if (o && ep_tools_agreement_index(x->y, x->n, x->a, &ai) == 0 &&
            json_object_set_new(o, "agreement_index", json_real(ai))) {
            json_decref(o);
            o = NULL;
        }
        if (!o || json_array_append_new(arr, o)) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

int ep_tools_group_breakdown(struct ep_store *s, int64_t vote_id, json_t **out,
                             struct ep_error *err)
{
    *out = NULL;
    struct ep_tools_pos *p = NULL;
    int rc = ep_tools_pos_acquire(s, &p, err);
    if (rc || !p)
        return rc ? rc : EP_EINTERNAL;
    int v = ep_tools_pos_vote_index(p, vote_id);
    if (v >= 0) {
        *out = ep_tools_breakdown_json(p, v);
        if (!*out)
            rc = ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    ep_tools_pos_release(p);
    return rc;
}

/* ---- misc ------------------------------------------------------------------------------- */

static int word_byte(unsigned char c)
{
    return c >= 0x80 || isalnum(c);
}

int ep_tools_fts_query(const char *text, int any, struct ep_buf *out)
{
    int terms = 0;
    const unsigned char *p = (const unsigned char *)(text ? text : "");
    while (*p && terms < 32) {
        while (*p && isspace(*p))
            p++;
        const unsigned char *chunk = p;
        while (*p && !isspace(*p))
            p++;
        /* one chunk (no spaces) = one phrase of its words, e.g. 2022/0099(COD) */
        int words = 0, prefix = 0;
        size_t start = out->len;
        for (const unsigned char *q = chunk; q < p;) {
            if (!word_byte(*q)) {
                q++;
                continue;
            }
            const unsigned char *w = q;
            while (q < p && word_byte(*q))
                q++;
            if (words == 0) {
                if (terms && ep_buf_printf(out, "%s", any ? " OR " : " "))
                    return terms;
                if (ep_buf_putc(out, '"'))
                    return terms;
            } else if (ep_buf_putc(out, ' ')) {
                return terms;
            }
            if (ep_buf_append(out, w, (size_t)(q - w)))
                return terms;
            words++;
            prefix = q < p && *q == '*';
        }
        if (words) {
            if (ep_buf_putc(out, '"') || (prefix && ep_buf_putc(out, '*'))) {
                out->len = start;
                out->data[start] = '\0';
                return terms;
            }
            terms++;
        }
    }
    return terms;
}

/* U+00C0..U+00FF and U+0100..U+017F folded to an ASCII base letter ('.' = keep). */
static const char fold_latin1[] =
    "aaaaaaaceeeeiiiidnooooo.ouuuuytsaaaaaaaceeeeiiiidnooooo.ouuuuyty";
static const char fold_exta[] = "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiiiijjkkklllllll"
                                "lllnnnnnnnnnoooooooorrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";
_Static_assert(sizeof fold_latin1 == 65 && sizeof fold_exta == 129, "fold tables");

int ep_tools_fold(const char *text, struct ep_buf *out)
{
    const unsigned char *p = (const unsigned char *)(text ? text : "");
    while (*p) {
        unsigned c = *p;
        if (c < 0x80) {
            if (ep_buf_putc(out, (char)tolower((int)c)))
                return EP_ENOMEM;
            p++;
            continue;
        }
        size_t len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
        size_t k = 1;
        while (k < len && (p[k] & 0xC0) == 0x80)
            k++;
        if (k != len) {
            len = 1;
        }
        char f = 0;
        if (len == 2) {
            unsigned cp = ((c & 0x1Fu) << 6) | (p[1] & 0x3Fu);
            if (cp >= 0xC0 && cp <= 0xFF)
                f = fold_latin1[cp - 0xC0];
            else if (cp >= 0x100 && cp <= 0x17F)
                f = fold_exta[cp - 0x100];
            else if (cp >= 0x218 && cp <= 0x21B) /* Romanian comma-below s, t */
                f = cp < 0x21A ? 's' : 't';
            if (f == '.')
                f = 0;
        }
        if (f ? ep_buf_putc(out, f) : ep_buf_append(out, p, len))
            return EP_ENOMEM;
        p += len;
    }
    return 0;
}

int ep_tools_db_error(struct ep_store *s, struct ep_error *err, const char *what)
{
    return ep_error_set(err, EP_EDB, "%s: %s", what,
                        s ? sqlite3_errmsg(ep_store_db(s)) : "no store");
}

/* ---- MEPs -------------------------------------------------------------------------------- */

int ep_tools_mep_known(struct ep_store *s, int64_t id, struct ep_error *err)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(ep_store_db(s),
                           "SELECT EXISTS(SELECT 1 FROM member WHERE id = ?1),"
                           " EXISTS(SELECT 1 FROM membership WHERE member_id = ?1)",
                           -1, &q, NULL) != SQLITE_OK)
        return ep_tools_db_error(s, err, "looking up the MEP");
    sqlite3_bind_int64(q, 1, id);
    int known = -1;
    if (sqlite3_step(q) == SQLITE_ROW)
        known = sqlite3_column_int(q, 0) ? 1 : sqlite3_column_int(q, 1) ? 2 : 0;
    sqlite3_finalize(q);
    if (known < 0)
        return ep_tools_db_error(s, err, "looking up the MEP");
    if (known)
        return known;
    struct ep_tools_pos *p = NULL;
    int rc = ep_tools_pos_acquire(s, &p, err);
    if (rc)
        return rc;
    known = p->m.n_mep && ep_matrix_mep_index(&p->m, id) >= 0 ? 2 : 0;
    ep_tools_pos_release(p);
    return known;
}

/* ---- did-not-vote coverage ------------------------------------------------------------- */

int ep_tools_dnv_unknown(const struct ep_matrix *m, int v0, int v1)
{
    return ep_matrix_dnv_unknown(m, v0, v1);
}

int ep_tools_mep_dnv_unknown(const struct ep_matrix *m, int i, int v0, int v1)
{
    return ep_matrix_mep_dnv_unknown(m, i, v0, v1);
}

void ep_tools_dnv_reason(char *buf, size_t n, int unknown, int total)
{
    ep_dnv_reason(buf, n, unknown, total);
}

/* ---- group codes --------------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Known group codes into *known (sorted, duplicates kept): the groups table and memberships,
 * plus the positions' groups (the snapshot's matrix) when with_votes. */
static int known_groups(struct ep_store *s, int with_votes, char ***known, size_t *nk,
                        struct ep_error *err)
{
    size_t n = 0, a = 32;
    char **k = calloc(a, sizeof *k);
    struct ep_tools_pos *p = NULL;
    sqlite3_stmt *q = NULL;
    int rc = 0;
    if (!k)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    if (with_votes && (rc = ep_tools_pos_acquire(s, &p, err)))
        goto out;
    if (sqlite3_prepare_v2(ep_store_db(s),
                           "SELECT code FROM grp UNION SELECT group_code FROM membership", -1, &q,
                           NULL) != SQLITE_OK) {
        rc = ep_tools_db_error(s, err, "listing groups");
        goto out;
    }
    int st, g = 0;
    for (;;) {
        const char *c;
        if (p && g < p->m.n_grp)
            c = p->m.grp_code[g++];
        else if ((st = sqlite3_step(q)) == SQLITE_ROW)
            c = (const char *)sqlite3_column_text(q, 0);
        else if (st == SQLITE_DONE)
            break;
        else {
            rc = ep_tools_db_error(s, err, "listing groups");
            goto out;
        }
        if (!c || !*c)
            continue;
        if (n == a) {
            char **more = realloc(k, 2 * a * sizeof *k);
            if (!more) {
                rc = ep_error_set(err, EP_ENOMEM, "out of memory");
                goto out;
            }
            k = more;
            a *= 2;
        }
        if (!(k[n] = strdup(c))) {
            rc = ep_error_set(err, EP_ENOMEM, "out of memory");
            goto out;
        }
        n++;
    }
    if (n > 1)
        qsort(k, n, sizeof *k, cmp_str);
out:
    sqlite3_finalize(q);
    ep_tools_pos_release(p);
    if (rc) {
        for (size_t i = 0; i < n; i++)
            free(k[i]);
        free(k);
        return rc;
    }
    *known = k;
    *nk = n;
    return 0;
}

int ep_tools_resolve_group(struct ep_store *s, const char *argname, const char *arg, char *code,
                           size_t n, struct ep_error *err)
{
    if (!s)
        return ep_error_set(err, EP_EUNAVAIL, "no store");
    const char *canon = ep_group_canonical(arg);
    int rc = 0;
    /* the tables first; the positions' groups (which need the store's snapshot) only when the
     * tables do not name it */
    for (int with_votes = 0; with_votes < 2; with_votes++) {
        char **known = NULL;
        size_t nk = 0;
        rc = known_groups(s, with_votes, &known, &nk, err);
        if (rc)
            return rc;
        const char *hit = NULL;
        for (size_t k = 0; k < nk && !hit; k++)
            if (strcmp(known[k], arg) == 0 || (canon && strcmp(known[k], canon) == 0))
                hit = known[k];
        for (size_t k = 0; k < nk && !hit; k++)
            if (strcasecmp(known[k], arg) == 0)
                hit = known[k];
        if (hit) {
            if (strlen(hit) >= n)
                rc = ep_error_set(err, EP_ELIMIT, "group code \"%s\" is too long", hit);
            else
                memcpy(code, hit, strlen(hit) + 1);
        } else if (with_votes) {
            struct ep_buf list;
            ep_buf_init(&list, 0);
            for (size_t k = 0; k < nk; k++)
                if (!k || strcmp(known[k], known[k - 1]) != 0)
                    ep_buf_printf(&list, "%s%s", list.len ? ", " : "", known[k]);
            rc = ep_error_set(err, EP_EINVAL,
                              "argument \"%s\": unknown group \"%s\"; known: %s (any case, or "
                              "the EP's label such as PPE or S&D)",
                              argname, arg,
                              list.len ? list.data : "none (the store names no group)");
            ep_buf_free(&list);
        }
        for (size_t k = 0; k < nk; k++)
            free(known[k]);
        free(known);
        if (hit || rc)
            return rc;
    }
    return rc;
}

int ep_tools_term_of(const char *date)
{
    if (!date || !ep_date_valid(date))
        return 0;
    if (strncmp(date, "2024-07-16", 10) >= 0)
        return 10;
    if (strncmp(date, "2019-07-02", 10) >= 0)
        return 9;
    if (strncmp(date, "2014-07-01", 10) >= 0)
        return 8;
    return 0;
}
