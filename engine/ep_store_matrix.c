/* ep_store_load_matrix: a window of the store into the bit-plane vote matrix. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_query_topics.h"
#include "ep_store.h"
#include "ep_store_db.h"
#include "ep_util.h"

struct mship {
    int64_t member;
    int32_t start, end; /* days; end = INT32_MAX when ongoing */
    char group[16];
};

struct vrow {
    int64_t id;
    int32_t day;
};

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int cmp_mship(const void *a, const void *b)
{
    const struct mship *x = a, *y = b;
    if (x->member != y->member)
        return (x->member > y->member) - (x->member < y->member);
    return (x->start > y->start) - (x->start < y->start);
}

static int cmp_vrow_id(const void *a, const void *b)
{
    const struct vrow *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

/* Term boundaries (first and last day of each parliamentary term, by constitutive sitting). */
static int term_range(int term, const char **from, const char **to)
{
    static const struct {
        int term;
        const char *from, *to;
    } t[] = {
        {8, "2014-07-01", "2019-07-01"},
        {9, "2019-07-02", "2024-07-15"},
        {10, "2024-07-16", "2029-07-15"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (t[i].term == term) {
            *from = t[i].from;
            *to = t[i].to;
            return 1;
        }
    return 0;
}

int ep_store_window_bounds(const struct ep_window *w, const char **from_out, const char **to_out,
                           struct ep_error *err)
{
    const char *from = w ? w->from : NULL, *to = w ? w->to : NULL;
    if (w && w->term) {
        const char *tf, *tt;
        if (!term_range(w->term, &tf, &tt))
            return ep_error_set(err, EP_EINVAL, "unknown term %d (known: 8, 9, 10)", w->term);
        if (!from || strcmp(tf, from) > 0)
            from = tf;
        if (!to || strcmp(tt, to) < 0)
            to = tt;
    }
    if (from && !ep_date_valid(from))
        return ep_error_set(err, EP_EINVAL, "invalid date \"%s\": use YYYY-MM-DD", from);
    if (to && !ep_date_valid(to))
        return ep_error_set(err, EP_EINVAL, "invalid date \"%s\": use YYYY-MM-DD", to);
    for (int i = 0; w && w->sittings && w->sittings[i]; i++)
        if (!ep_date_valid(w->sittings[i]))
            return ep_error_set(err, EP_EINVAL, "invalid sitting date \"%s\": use YYYY-MM-DD",
                                w->sittings[i]);
    *from_out = from;
    *to_out = to;
    return EP_OK;
}

static int append_where(struct ep_buf *sql, const struct ep_window *w, struct ep_error *err)
{
    const char *from, *to;
    int rc = ep_store_window_bounds(w, &from, &to, err);
    if (rc)
        return rc;
    if (from)
        ep_buf_printf(sql, " AND sitting_date >= '%s'", from);
    if (to)
        ep_buf_printf(sql, " AND sitting_date <= '%s'", to);
    if (w && w->sittings) {
        ep_buf_printf(sql, " AND sitting_date IN (");
        for (int i = 0; w->sittings[i]; i++)
            ep_buf_printf(sql, "%s'%s'", i ? "," : "", w->sittings[i]);
        ep_buf_printf(sql, ")");
    }
    if (w && w->topic_kind) {
        ep_buf_printf(sql, " AND ");
        return ep_topic_sql(sql, w->topic_kind, w->topic_code, err);
    }
    return EP_OK;
}

/* The membership of member (index range [lo,hi) in ms) active on day: latest start wins. */
static const struct mship *active(const struct mship *ms, size_t n, int32_t day)
{
    const struct mship *best = NULL;
    for (const struct mship *p = ms; p < ms + n; p++)
        if (p->start <= day && day <= p->end)
            best = p;
    return best;
}

/* The state of one matrix load from SQL: the window's votes (in matrix order, and by id with
 * the matrix index in .day), the memberships overlapping it and the candidate MEP ids. */
struct mload {
    sqlite3 *db;
    const struct ep_window *w;
    struct ep_buf sql;
    struct vrow *votes, *by_id;
    struct mship *ms;
    int64_t *ids;
    size_t nv, nms, nids, aids;
    int32_t dmin, dmax;
};

static int ml_push_id(struct mload *L, int64_t id, struct ep_error *err)
{
    if (L->nids == L->aids) {
        size_t a = L->aids ? L->aids * 2 : 1024;
        int64_t *p = realloc(L->ids, a * sizeof *p);
        if (!p)
            return ep_error_set(err, EP_ENOMEM, "out of memory");
        L->ids = p;
        L->aids = a;
    }
    L->ids[L->nids++] = id;
    return 0;
}

/* head, the window's WHERE, then tail, prepared. */
static int ml_prepare(struct mload *L, const char *head, const char *tail, const char *what,
                      sqlite3_stmt **q, struct ep_error *err)
{
    ep_buf_reset(&L->sql);
    ep_buf_printf(&L->sql, "%s", head);
    int rc = append_where(&L->sql, L->w, err);
    if (rc)
        return rc;
    ep_buf_printf(&L->sql, "%s", tail);
    if (sqlite3_prepare_v2(L->db, L->sql.data, -1, q, NULL) != SQLITE_OK)
        return ep_error_set(err, EP_EDB, "%s: %s", what, sqlite3_errmsg(L->db));
    return 0;
}

/* The window's votes with positions, in time order; EP_EUNAVAIL when there is none. */
static int ml_votes(struct mload *L, struct ep_error *err)
{
    sqlite3_stmt *q = NULL;
    int rc = ml_prepare(L, "SELECT id, sitting_date FROM vote WHERE pos_unit_id IS NOT NULL",
                        " ORDER BY timestamp, id", "loading votes", &q, err);
    if (rc)
        return rc;
    size_t av = 0;
    while (!rc && sqlite3_step(q) == SQLITE_ROW) {
        if (L->nv == av) {
            av = av ? av * 2 : 1024;
            struct vrow *p = realloc(L->votes, av * sizeof *p);
            if (!p) {
                rc = ep_error_set(err, EP_ENOMEM, "out of memory");
                break;
            }
            L->votes = p;
        }
        L->votes[L->nv].id = sqlite3_column_int64(q, 0);
        L->votes[L->nv].day = ep_date_days((const char *)sqlite3_column_text(q, 1));
        L->nv++;
    }
    sqlite3_finalize(q);
    if (rc)
        return rc;
    if (L->nv == 0)
        return ep_error_set(err, EP_EUNAVAIL, "%s", EP_STORE_NO_WINDOW_VOTES);
    L->dmin = INT32_MAX;
    L->dmax = INT32_MIN;
    for (size_t v = 0; v < L->nv; v++) {
        if (L->votes[v].day < L->dmin)
            L->dmin = L->votes[v].day;
        if (L->votes[v].day > L->dmax)
            L->dmax = L->votes[v].day;
    }
    return 0;
}

/* Memberships overlapping the window, sorted by member. */
static int ml_memberships(struct mload *L, struct ep_error *err)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(L->db,
                           "SELECT member_id, group_code, start_date, end_date FROM membership", -1,
                           &q, NULL) != SQLITE_OK)
        return ep_error_set(err, EP_EDB, "loading memberships: %s", sqlite3_errmsg(L->db));
    size_t ams = 0;
    int rc = 0;
    while (!rc && sqlite3_step(q) == SQLITE_ROW) {
        int32_t st = ep_date_days((const char *)sqlite3_column_text(q, 2));
        int32_t en = sqlite3_column_type(q, 3) == SQLITE_NULL
                         ? INT32_MAX
                         : ep_date_days((const char *)sqlite3_column_text(q, 3));
        if (st == INT32_MIN || en == INT32_MIN || st > L->dmax || en < L->dmin)
            continue;
        if (L->nms == ams) {
            ams = ams ? ams * 2 : 1024;
            struct mship *p = realloc(L->ms, ams * sizeof *p);
            if (!p) {
                rc = ep_error_set(err, EP_ENOMEM, "out of memory");
                break;
            }
            L->ms = p;
        }
        struct mship *x = &L->ms[L->nms++];
        x->member = sqlite3_column_int64(q, 0);
        x->start = st;
        x->end = en;
        snprintf(x->group, sizeof x->group, "%s", (const char *)sqlite3_column_text(q, 1));
    }
    sqlite3_finalize(q);
    if (!rc && L->nms > 1) /* ms is NULL when no membership overlaps: qsort needs a pointer */
        qsort(L->ms, L->nms, sizeof *L->ms, cmp_mship);
    return rc;
}

/* Candidate MEP ids (members active on at least one vote day, plus listed voters), sorted and
 * unique; and the votes by id. */
static int ml_candidates(struct mload *L, struct ep_error *err)
{
    int rc = 0;
    for (size_t k = 0; k < L->nms && !rc; k++) {
        int hit = 0;
        for (size_t v = 0; v < L->nv && !hit; v++)
            hit = L->ms[k].start <= L->votes[v].day && L->votes[v].day <= L->ms[k].end;
        if (hit)
            rc = ml_push_id(L, L->ms[k].member, err);
    }
    if (rc)
        return rc;
    L->by_id = malloc(L->nv * sizeof *L->by_id);
    if (!L->by_id)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    for (size_t v = 0; v < L->nv; v++) {
        L->by_id[v].id = L->votes[v].id;
        L->by_id[v].day = (int32_t)v; /* reused as the matrix index */
    }
    qsort(L->by_id, L->nv, sizeof *L->by_id, cmp_vrow_id);
    sqlite3_stmt *q = NULL;
    rc = ml_prepare(L,
                    "SELECT DISTINCT p.member_id FROM position p JOIN vote v ON v.id = p.vote_id"
                    " WHERE v.pos_unit_id IS NOT NULL",
                    "", "loading voters", &q, err);
    while (!rc && sqlite3_step(q) == SQLITE_ROW)
        rc = ml_push_id(L, sqlite3_column_int64(q, 0), err);
    sqlite3_finalize(q);
    if (rc)
        return rc;
    if (L->nids > 1) /* ids is NULL when there is no candidate: qsort needs a valid pointer */
        qsort(L->ids, L->nids, sizeof *L->ids, cmp_i64);
    size_t u = 0;
    for (size_t k = 0; k < L->nids; k++)
        if (u == 0 || L->ids[u - 1] != L->ids[k])
            L->ids[u++] = L->ids[k];
    L->nids = u;
    return 0;
}

/* Memberships -> DID_NOT_VOTE + group for every eligible (vote, MEP). */
static int ml_fill_memberships(struct mload *L, struct ep_matrix *m, struct ep_error *err)
{
    for (size_t k = 0; k < L->nms;) {
        size_t hi = k;
        while (hi < L->nms && L->ms[hi].member == L->ms[k].member)
            hi++;
        int i = ep_matrix_mep_index(m, L->ms[k].member);
        for (size_t v = 0; i >= 0 && v < L->nv; v++) {
            const struct mship *a = active(L->ms + k, hi - k, L->votes[v].day);
            if (!a)
                continue;
            int g = ep_matrix_group_index(m, a->group);
            if (g < 0)
                return ep_error_set(err, EP_ELIMIT, "more than %d political groups",
                                    EP_MATRIX_MAX_GROUPS);
            ep_matrix_set(m, (int)v, i, EP_POS_DID_NOT_VOTE, g);
        }
        k = hi;
    }
    return 0;
}

/* Cast positions, and which votes know who did not vote: those whose source listed it
 * (DID_NOT_VOTE rows) or whose voters all have a membership that day (else bare[v]). */
static int ml_positions(struct mload *L, struct ep_matrix *m, struct ep_error *err)
{
    sqlite3_stmt *q = NULL;
    int rc = ml_prepare(L,
                        "SELECT p.vote_id, p.member_id, p.pos, p.group_code FROM position p"
                        " JOIN vote v ON v.id = p.vote_id WHERE v.pos_unit_id IS NOT NULL",
                        "", "loading positions", &q, err);
    if (rc)
        return rc;
    size_t nv = L->nv;
    uint8_t *bare = calloc(nv + 1, 1);
    if (!bare) {
        sqlite3_finalize(q);
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    memset(m->dnv_known, 0, nv);
    while (!rc && sqlite3_step(q) == SQLITE_ROW) {
        struct vrow key = {.id = sqlite3_column_int64(q, 0)};
        struct vrow *hit = bsearch(&key, L->by_id, nv, sizeof *L->by_id, cmp_vrow_id);
        int i = ep_matrix_mep_index(m, sqlite3_column_int64(q, 1));
        if (!hit || i < 0)
            continue;
        int v = hit->day;
        size_t cell = (size_t)v * (size_t)m->n_mep + (size_t)i;
        if (sqlite3_column_int(q, 2) == EP_POS_DID_NOT_VOTE)
            m->dnv_known[v] = 1;
        else if (m->pos[cell] == EP_POS_NONE)
            bare[v] = 1;
        int g = m->grp[cell];
        if (g == EP_GRP_NONE) {
            const char *code = (const char *)sqlite3_column_text(q, 3);
            g = ep_matrix_group_index(m, code ? code : "UNKNOWN");
            if (g < 0) {
                rc = ep_error_set(err, EP_ELIMIT, "more than %d political groups",
                                  EP_MATRIX_MAX_GROUPS);
                break;
            }
        }
        ep_matrix_set(m, v, i, sqlite3_column_int(q, 2), g);
    }
    sqlite3_finalize(q);
    for (size_t v = 0; !rc && v < nv; v++)
        m->dnv_known[v] = m->dnv_known[v] || !bare[v];
    free(bare);
    return rc;
}

static int load_matrix_sql(struct ep_store *s, const struct ep_window *w, struct ep_matrix *m,
                           struct ep_error *err)
{
    memset(m, 0, sizeof *m);
    struct mload L = {.db = ep_store_db(s), .w = w};
    ep_buf_init(&L.sql, 0);
    int rc = ml_votes(&L, err);
    if (!rc)
        rc = ml_memberships(&L, err);
    if (!rc)
        rc = ml_candidates(&L, err);
    if (!rc)
        rc = ep_matrix_alloc(m, (int)L.nids, (int)L.nv, err);
    if (!rc) {
        if (L.nids) /* ids may be NULL when nids is 0 */
            memcpy(m->mep_id, L.ids, L.nids * sizeof *L.ids);
        for (size_t v = 0; v < L.nv; v++) {
            m->vote_id[v] = L.votes[v].id;
            m->vote_day[v] = L.votes[v].day;
        }
        rc = ml_fill_memberships(&L, m, err);
    }
    if (!rc)
        rc = ml_positions(&L, m, err);
    if (!rc) {
        sqlite3_stmt *syn;
        if (sqlite3_prepare_v2(L.db, "SELECT value FROM meta WHERE key = 'synthetic'", -1, &syn,
                               NULL) == SQLITE_OK) {
            if (sqlite3_step(syn) == SQLITE_ROW)
                m->synthetic = sqlite3_column_int(syn, 0);
            sqlite3_finalize(syn);
        }
    }
    if (rc)
        ep_matrix_free(m);
    ep_buf_free(&L.sql);
    free(L.votes);
    free(L.by_id);
    free(L.ms);
    free(L.ids);
    return rc;
}

/* ---- matrix snapshots ---------------------------------------------------------------------
 * Loading a full term (720 MEPs x 20,000 votes, 12 M position rows) from SQL takes seconds, so
 * large matrices are also kept packed in table matrix_cache, keyed by the window and the store's
 * content (unit count and last unit id: any ingest changes the key). A snapshot is a derived
 * cache: it is rebuilt from the tables whenever the key differs, and the last two are kept. */

#define SNAP_MAGIC 0x32504e534d504545ULL /* "EEPMSNP2": with dnv_known */
#define SNAP_MIN_CELLS 1000000

struct snap_hdr {
    uint64_t magic;
    int32_t n_mep, n_vote, n_words, n_grp, synthetic, pad;
};

static int snap_key(struct ep_store *s, const struct ep_window *w, struct ep_buf *key)
{
    sqlite3_stmt *q;
    long long units = 0, last = 0;
    if (sqlite3_prepare_v2(ep_store_db(s), "SELECT COUNT(*), COALESCE(MAX(id), 0) FROM unit", -1,
                           &q, NULL) != SQLITE_OK)
        return EP_EDB;
    if (sqlite3_step(q) == SQLITE_ROW) {
        units = sqlite3_column_int64(q, 0);
        last = sqlite3_column_int64(q, 1);
    }
    sqlite3_finalize(q);
    ep_buf_printf(key, "v2|%lld|%lld|%s|%s|%d|", units, last, w && w->from ? w->from : "",
                  w && w->to ? w->to : "", w ? w->term : 0);
    for (int i = 0; w && w->sittings && w->sittings[i]; i++)
        ep_buf_printf(key, "%s,", w->sittings[i]);
    if (w && w->topic_kind) /* unfiltered keys as before */
        ep_buf_printf(key, "|topic:%d:%s", w->topic_kind, w->topic_code ? w->topic_code : "");
    return EP_OK;
}

static size_t snap_size(const struct snap_hdr *h)
{
    size_t cells = (size_t)h->n_mep * (size_t)h->n_vote;
    size_t words = (size_t)h->n_mep * (size_t)h->n_words;
    return sizeof *h + (size_t)h->n_grp * 16 + (size_t)h->n_mep * 8 + (size_t)h->n_vote * 13 +
           3 * words * 8 + 2 * cells;
}

/* Read a snapshot straight into the matrix's arrays with incremental blob I/O: one copy of the
 * ~35 MB of a full term instead of two (sqlite3_column_blob would first assemble the whole blob
 * from its overflow pages into a buffer of its own), which is most of a cold tool call's load. */
static int snap_read(struct ep_store *s, const char *key, struct ep_matrix *m)
{
    sqlite3 *db = ep_store_db(s);
    sqlite3_stmt *q;
    sqlite3_int64 rowid = 0;
    if (sqlite3_prepare_v2(db, "SELECT rowid FROM matrix_cache WHERE key = ?1", -1, &q, NULL) !=
        SQLITE_OK)
        return EP_ENOTFOUND;
    sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
    int found = sqlite3_step(q) == SQLITE_ROW;
    if (found)
        rowid = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_blob *b = NULL;
    if (!found ||
        sqlite3_blob_open(db, "main", "matrix_cache", "blob", rowid, 0, &b) != SQLITE_OK) {
        sqlite3_blob_close(b);
        return EP_ENOTFOUND;
    }
    int rc = EP_ENOTFOUND, off = 0, ok;
    size_t n = (size_t)sqlite3_blob_bytes(b);
    struct snap_hdr h;
#define SNAP_GET(dst, len)                                                                         \
    (ok && (len) <= (size_t)INT_MAX - (size_t)off &&                                               \
             sqlite3_blob_read(b, (dst), (int)(len), off) == SQLITE_OK                             \
         ? (off += (int)(len), 1)                                                                  \
         : 0)
    ok = n >= sizeof h && n <= (size_t)INT_MAX;
    ok = SNAP_GET(&h, sizeof h);
    if (ok && h.magic == SNAP_MAGIC && h.n_mep >= 0 && h.n_vote > 0 && h.n_grp >= 0 &&
        h.n_grp <= EP_MATRIX_MAX_GROUPS && h.n_words == (h.n_vote + 63) / 64 &&
        snap_size(&h) == n && ep_matrix_alloc(m, h.n_mep, h.n_vote, NULL) == EP_OK) {
        size_t cells = (size_t)h.n_mep * (size_t)h.n_vote;
        size_t words = (size_t)h.n_mep * (size_t)h.n_words;
        m->n_grp = h.n_grp;
        m->synthetic = h.synthetic;
        for (int g = 0; g < h.n_grp; g++) {
            ok = SNAP_GET(m->grp_code[g], 16);
            m->grp_code[g][15] = '\0';
        }
        ok = SNAP_GET(m->mep_id, (size_t)h.n_mep * 8);
        ok = SNAP_GET(m->vote_id, (size_t)h.n_vote * 8);
        ok = SNAP_GET(m->vote_day, (size_t)h.n_vote * 4);
        ok = SNAP_GET(m->dnv_known, (size_t)h.n_vote);
        for (int k = 0; k < 3; k++)
            ok = SNAP_GET(m->plane[k], words * 8);
        ok = SNAP_GET(m->pos, cells);
        ok = SNAP_GET(m->grp, cells);
        if (ok)
            rc = EP_OK;
        else
            ep_matrix_free(m);
    }
#undef SNAP_GET
    sqlite3_blob_close(b);
    return rc;
}

static void snap_write(struct ep_store *s, const char *key, const struct ep_matrix *m)
{
    struct snap_hdr h = {SNAP_MAGIC, m->n_mep, m->n_vote, m->n_words, m->n_grp, m->synthetic, 0};
    size_t n = snap_size(&h);
    unsigned char *b = malloc(n), *p = b;
    if (!b)
        return;
    size_t cells = (size_t)m->n_mep * (size_t)m->n_vote;
    size_t words = (size_t)m->n_mep * (size_t)m->n_words;
    memcpy(p, &h, sizeof h);
    p += sizeof h;
    for (int g = 0; g < m->n_grp; g++, p += 16)
        memcpy(p, m->grp_code[g], 16);
    memcpy(p, m->mep_id, (size_t)m->n_mep * 8);
    p += (size_t)m->n_mep * 8;
    memcpy(p, m->vote_id, (size_t)m->n_vote * 8);
    p += (size_t)m->n_vote * 8;
    memcpy(p, m->vote_day, (size_t)m->n_vote * 4);
    p += (size_t)m->n_vote * 4;
    memcpy(p, m->dnv_known, (size_t)m->n_vote);
    p += (size_t)m->n_vote;
    for (int k = 0; k < 3; k++, p += words * 8)
        memcpy(p, m->plane[k], words * 8);
    memcpy(p, m->pos, cells);
    memcpy(p + cells, m->grp, cells);
    sqlite3 *db = ep_store_db(s);
    sqlite3_stmt *q = NULL;
    /* Best effort: a read-only or busy store simply keeps no snapshot. Inside a caller's
     * transaction (a tool call runs in one read transaction) it is a savepoint of it. */
    int nested = !sqlite3_get_autocommit(db);
    if (sqlite3_exec(db, nested ? "SAVEPOINT snap_write" : "BEGIN IMMEDIATE", NULL, NULL, NULL) ==
        SQLITE_OK) {
        int ok = sqlite3_prepare_v2(db,
                                    "INSERT OR REPLACE INTO matrix_cache(key, bytes, blob)"
                                    " VALUES(?1, ?2, ?3)",
                                    -1, &q, NULL) == SQLITE_OK;
        if (ok) {
            sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
            sqlite3_bind_int64(q, 2, (sqlite3_int64)n);
            sqlite3_bind_blob64(q, 3, b, n, SQLITE_STATIC);
            ok = sqlite3_step(q) == SQLITE_DONE;
            sqlite3_finalize(q);
        }
        if (ok)
            ok = sqlite3_exec(db,
                              "DELETE FROM matrix_cache WHERE key NOT IN (SELECT key FROM"
                              " matrix_cache ORDER BY rowid DESC LIMIT 2)",
                              NULL, NULL, NULL) == SQLITE_OK;
        if (nested)
            sqlite3_exec(db,
                         ok ? "RELEASE snap_write" : "ROLLBACK TO snap_write; RELEASE snap_write",
                         NULL, NULL, NULL);
        else
            sqlite3_exec(db, ok ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
    }
    free(b);
}

int ep_store_load_matrix(struct ep_store *s, const struct ep_window *w, struct ep_matrix *m,
                         struct ep_error *err)
{
    struct ep_buf key;
    ep_buf_init(&key, 0);
    int have_key = snap_key(s, w, &key) == EP_OK && key.data;
    if (have_key && snap_read(s, key.data, m) == EP_OK) {
        ep_buf_free(&key);
        return EP_OK;
    }
    int rc = load_matrix_sql(s, w, m, err);
    if (!rc && have_key && (size_t)m->n_mep * (size_t)m->n_vote >= SNAP_MIN_CELLS)
        snap_write(s, key.data, m);
    ep_buf_free(&key);
    return rc;
}

int ep_store_load_matrix_days(struct ep_store *s, int32_t dlo, int32_t dhi, const int32_t *days,
                              int ndays, struct ep_matrix *m, struct ep_error *err)
{
    memset(m, 0, sizeof *m);
    struct ep_buf key;
    ep_buf_init(&key, 0);
    int rc = snap_key(s, NULL, &key);
    sqlite3 *db = ep_store_db(s);
    sqlite3_stmt *q = NULL;
    sqlite3_int64 rowid = 0;
    int found = 0;
    if (!rc && key.data &&
        sqlite3_prepare_v2(db, "SELECT rowid FROM matrix_cache WHERE key = ?1", -1, &q, NULL) ==
            SQLITE_OK) {
        sqlite3_bind_text(q, 1, key.data, -1, SQLITE_STATIC);
        if ((found = sqlite3_step(q) == SQLITE_ROW))
            rowid = sqlite3_column_int64(q, 0);
    }
    sqlite3_finalize(q);
    ep_buf_free(&key);
    sqlite3_blob *b = NULL;
    if (!found || sqlite3_blob_open(db, "main", "matrix_cache", "blob", rowid, 0, &b) != SQLITE_OK) {
        sqlite3_blob_close(b);
        return EP_ENOTFOUND;
    }
    struct snap_hdr h;
    size_t n = (size_t)sqlite3_blob_bytes(b);
    int32_t *vday = NULL;
    int *sel = NULL;
    uint8_t *row = NULL;
    rc = EP_ENOTFOUND;
    if (n < sizeof h || n > (size_t)INT_MAX || sqlite3_blob_read(b, &h, sizeof h, 0) != SQLITE_OK ||
        h.magic != SNAP_MAGIC || h.n_mep < 0 || h.n_vote <= 0 || h.n_grp < 0 ||
        h.n_grp > EP_MATRIX_MAX_GROUPS || h.n_words != (h.n_vote + 63) / 64 || snap_size(&h) != n)
        goto done;
    /* offsets as snap_write lays them out */
    size_t o_grp = sizeof h, o_mep = o_grp + (size_t)h.n_grp * 16;
    size_t o_vid = o_mep + (size_t)h.n_mep * 8, o_day = o_vid + (size_t)h.n_vote * 8;
    size_t o_dnv = o_day + (size_t)h.n_vote * 4;
    size_t o_pos = o_dnv + (size_t)h.n_vote + 3 * (size_t)h.n_mep * (size_t)h.n_words * 8;
    size_t o_gcell = o_pos + (size_t)h.n_mep * (size_t)h.n_vote;
    vday = malloc((size_t)h.n_vote * sizeof *vday);
    sel = malloc((size_t)h.n_vote * sizeof *sel);
    row = malloc(2 * (size_t)(h.n_mep ? h.n_mep : 1));
    if (!vday || !sel || !row) {
        rc = ep_error_set(err, EP_ENOMEM, "out of memory");
        goto done;
    }
    if (sqlite3_blob_read(b, vday, h.n_vote * 4, (int)o_day) != SQLITE_OK)
        goto done;
    int nv = 0;
    for (int v = 0; v < h.n_vote; v++) {
        int in = vday[v] >= dlo && vday[v] <= dhi;
        if (in && days) {
            in = 0;
            for (int k = 0; k < ndays && !in; k++)
                in = days[k] == vday[v];
        }
        if (in)
            sel[nv++] = v;
    }
    if (nv == 0) {
        rc = EP_EUNAVAIL;
        goto done;
    }
    if ((rc = ep_matrix_alloc(m, h.n_mep, nv, err)))
        goto done;
    rc = EP_ENOTFOUND;
    m->n_grp = h.n_grp;
    m->synthetic = h.synthetic;
    int ok = 1;
    for (int g = 0; g < h.n_grp && ok; g++) {
        ok = sqlite3_blob_read(b, m->grp_code[g], 16, (int)(o_grp + (size_t)g * 16)) == SQLITE_OK;
        m->grp_code[g][15] = '\0';
    }
    if (ok && h.n_mep)
        ok = sqlite3_blob_read(b, m->mep_id, h.n_mep * 8, (int)o_mep) == SQLITE_OK;
    for (int k = 0; k < nv && ok; k++) {
        size_t v = (size_t)sel[k], nm = (size_t)h.n_mep;
        m->vote_day[k] = vday[v];
        ok = sqlite3_blob_read(b, &m->vote_id[k], 8, (int)(o_vid + v * 8)) == SQLITE_OK &&
             sqlite3_blob_read(b, &m->dnv_known[k], 1, (int)(o_dnv + v)) == SQLITE_OK &&
             (nm == 0 ||
              (sqlite3_blob_read(b, row, (int)nm, (int)(o_pos + v * nm)) == SQLITE_OK &&
               sqlite3_blob_read(b, row + nm, (int)nm, (int)(o_gcell + v * nm)) == SQLITE_OK));
        for (size_t i = 0; ok && i < nm; i++)
            if (row[i] != EP_POS_NONE)
                ep_matrix_set(m, k, (int)i, row[i], row[nm + i] < h.n_grp ? row[nm + i] : -1);
    }
    if (ok)
        rc = EP_OK;
    else
        ep_matrix_free(m);
done:
    sqlite3_blob_close(b);
    free(vday);
    free(sel);
    free(row);
    return rc;
}
