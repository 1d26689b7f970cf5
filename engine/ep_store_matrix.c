/* ep_store_load_matrix: a window of the store into the bit-plane vote matrix. */
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "ep_store.h"
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

static int append_where(struct ep_buf *sql, const struct ep_window *w, struct ep_error *err)
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
    if (from)
        ep_buf_printf(sql, " AND sitting_date >= '%s'", from);
    if (to)
        ep_buf_printf(sql, " AND sitting_date <= '%s'", to);
    if (w && w->sittings) {
        ep_buf_printf(sql, " AND sitting_date IN (");
        for (int i = 0; w->sittings[i]; i++) {
            if (!ep_date_valid(w->sittings[i]))
                return ep_error_set(err, EP_EINVAL, "invalid sitting date \"%s\": use YYYY-MM-DD",
                                    w->sittings[i]);
            ep_buf_printf(sql, "%s'%s'", i ? "," : "", w->sittings[i]);
        }
        ep_buf_printf(sql, ")");
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

static int load_matrix_sql(struct ep_store *s, const struct ep_window *w, struct ep_matrix *m,
                           struct ep_error *err)
{
    sqlite3 *db = ep_store_db(s);
    memset(m, 0, sizeof *m);
    int rc = EP_OK;
    struct ep_buf sql;
    ep_buf_init(&sql, 0);
    struct vrow *votes = NULL, *by_id = NULL;
    struct mship *ms = NULL;
    int64_t *ids = NULL;
    uint8_t *bare = NULL;
    size_t nv = 0, av = 0, nms = 0, ams = 0, nids = 0, aids = 0;
    sqlite3_stmt *q = NULL;

    ep_buf_printf(&sql, "SELECT id, sitting_date FROM vote WHERE pos_unit_id IS NOT NULL");
    rc = append_where(&sql, w, err);
    if (rc)
        goto out;
    ep_buf_printf(&sql, " ORDER BY timestamp, id");
    if (sqlite3_prepare_v2(db, sql.data, -1, &q, NULL) != SQLITE_OK) {
        rc = ep_error_set(err, EP_EDB, "loading votes: %s", sqlite3_errmsg(db));
        goto out;
    }
    while (sqlite3_step(q) == SQLITE_ROW) {
        if (nv == av) {
            av = av ? av * 2 : 1024;
            struct vrow *p = realloc(votes, av * sizeof *p);
            if (!p) {
                rc = ep_error_set(err, EP_ENOMEM, "out of memory");
                goto out;
            }
            votes = p;
        }
        votes[nv].id = sqlite3_column_int64(q, 0);
        votes[nv].day = ep_date_days((const char *)sqlite3_column_text(q, 1));
        nv++;
    }
    sqlite3_finalize(q);
    q = NULL;
    if (nv == 0) {
        rc = ep_error_set(err, EP_EUNAVAIL,
                          "no roll-call votes with per-MEP positions in this window; the store "
                          "has positions for the dates listed by `epintel info`");
        goto out;
    }
    int32_t dmin = INT32_MAX, dmax = INT32_MIN;
    for (size_t v = 0; v < nv; v++) {
        if (votes[v].day < dmin)
            dmin = votes[v].day;
        if (votes[v].day > dmax)
            dmax = votes[v].day;
    }

    /* Memberships overlapping the window. */
    if (sqlite3_prepare_v2(db, "SELECT member_id, group_code, start_date, end_date FROM membership",
                           -1, &q, NULL) != SQLITE_OK) {
        rc = ep_error_set(err, EP_EDB, "loading memberships: %s", sqlite3_errmsg(db));
        goto out;
    }
    while (sqlite3_step(q) == SQLITE_ROW) {
        int32_t st = ep_date_days((const char *)sqlite3_column_text(q, 2));
        int32_t en = sqlite3_column_type(q, 3) == SQLITE_NULL
                         ? INT32_MAX
                         : ep_date_days((const char *)sqlite3_column_text(q, 3));
        if (st == INT32_MIN || en == INT32_MIN || st > dmax || en < dmin)
            continue;
        if (nms == ams) {
            ams = ams ? ams * 2 : 1024;
            struct mship *p = realloc(ms, ams * sizeof *p);
            if (!p) {
                rc = ep_error_set(err, EP_ENOMEM, "out of memory");
                goto out;
            }
            ms = p;
        }
        ms[nms].member = sqlite3_column_int64(q, 0);
        ms[nms].start = st;
        ms[nms].end = en;
        snprintf(ms[nms].group, sizeof ms[nms].group, "%s",
                 (const char *)sqlite3_column_text(q, 1));
        nms++;
    }
    sqlite3_finalize(q);
    q = NULL;
    if (nms > 1) /* ms is NULL when no membership overlaps: qsort needs a valid pointer */
        qsort(ms, nms, sizeof *ms, cmp_mship);

    /* Candidate MEP ids: members active on at least one vote day, plus listed voters. */
    for (size_t k = 0; k < nms; k++) {
        int hit = 0;
        for (size_t v = 0; v < nv && !hit; v++)
            hit = ms[k].start <= votes[v].day && votes[v].day <= ms[k].end;
        if (!hit)
            continue;
        if (nids == aids) {
            aids = aids ? aids * 2 : 1024;
            int64_t *p = realloc(ids, aids * sizeof *p);
            if (!p) {
                rc = ep_error_set(err, EP_ENOMEM, "out of memory");
                goto out;
            }
            ids = p;
        }
        ids[nids++] = ms[k].member;
    }
    by_id = malloc(nv * sizeof *by_id);
    if (!by_id) {
        rc = ep_error_set(err, EP_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t v = 0; v < nv; v++) {
        by_id[v].id = votes[v].id;
        by_id[v].day = (int32_t)v; /* reused as the matrix index */
    }
    qsort(by_id, nv, sizeof *by_id, cmp_vrow_id);

    ep_buf_reset(&sql);
    ep_buf_printf(&sql,
                  "SELECT DISTINCT p.member_id FROM position p JOIN vote v ON v.id = p.vote_id"
                  " WHERE v.pos_unit_id IS NOT NULL");
    rc = append_where(&sql, w, err);
    if (rc)
        goto out;
    if (sqlite3_prepare_v2(db, sql.data, -1, &q, NULL) != SQLITE_OK) {
        rc = ep_error_set(err, EP_EDB, "loading voters: %s", sqlite3_errmsg(db));
        goto out;
    }
    while (sqlite3_step(q) == SQLITE_ROW) {
        if (nids == aids) {
            aids = aids ? aids * 2 : 1024;
            int64_t *p = realloc(ids, aids * sizeof *p);
            if (!p) {
                rc = ep_error_set(err, EP_ENOMEM, "out of memory");
                goto out;
            }
            ids = p;
        }
        ids[nids++] = sqlite3_column_int64(q, 0);
    }
    sqlite3_finalize(q);
    q = NULL;
    if (nids > 1) /* ids is NULL when there is no candidate: qsort needs a valid pointer */
        qsort(ids, nids, sizeof *ids, cmp_i64);
    size_t u = 0;
    for (size_t k = 0; k < nids; k++)
        if (u == 0 || ids[u - 1] != ids[k])
            ids[u++] = ids[k];
    nids = u;

    rc = ep_matrix_alloc(m, (int)nids, (int)nv, err);
    if (rc)
        goto out;
    if (nids) /* ids may be NULL when nids is 0 */
        memcpy(m->mep_id, ids, nids * sizeof *ids);
    for (size_t v = 0; v < nv; v++) {
        m->vote_id[v] = votes[v].id;
        m->vote_day[v] = votes[v].day;
    }
    /* Memberships → DID_NOT_VOTE + group for every eligible (vote, MEP). */
    for (size_t k = 0; k < nms;) {
        size_t hi = k;
        while (hi < nms && ms[hi].member == ms[k].member)
            hi++;
        int i = ep_matrix_mep_index(m, ms[k].member);
        if (i >= 0) {
            for (size_t v = 0; v < nv; v++) {
                const struct mship *a = active(ms + k, hi - k, votes[v].day);
                if (a) {
                    int g = ep_matrix_group_index(m, a->group);
                    if (g < 0) {
                        rc = ep_error_set(err, EP_ELIMIT, "more than %d political groups",
                                          EP_MATRIX_MAX_GROUPS);
                        goto out;
                    }
                    ep_matrix_set(m, (int)v, i, EP_POS_DID_NOT_VOTE, g);
                }
            }
        }
        k = hi;
    }
    /* Cast positions. */
    ep_buf_reset(&sql);
    ep_buf_printf(&sql, "SELECT p.vote_id, p.member_id, p.pos, p.group_code FROM position p"
                        " JOIN vote v ON v.id = p.vote_id WHERE v.pos_unit_id IS NOT NULL");
    rc = append_where(&sql, w, err);
    if (rc)
        goto out;
    if (sqlite3_prepare_v2(db, sql.data, -1, &q, NULL) != SQLITE_OK) {
        rc = ep_error_set(err, EP_EDB, "loading positions: %s", sqlite3_errmsg(db));
        goto out;
    }
    /* Who did not vote is known on a vote whose source listed it (DID_NOT_VOTE rows: collected
     * in dnv_known) or whose voters all have a membership that day (else bare[v]). */
    bare = calloc(nv + 1, 1);
    if (!bare) {
        rc = ep_error_set(err, EP_ENOMEM, "out of memory");
        goto out;
    }
    memset(m->dnv_known, 0, nv);
    while (sqlite3_step(q) == SQLITE_ROW) {
        struct vrow key = {.id = sqlite3_column_int64(q, 0)};
        struct vrow *hit = bsearch(&key, by_id, nv, sizeof *by_id, cmp_vrow_id);
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
                goto out;
            }
        }
        ep_matrix_set(m, v, i, sqlite3_column_int(q, 2), g);
    }
    sqlite3_finalize(q);
    q = NULL;
    for (size_t v = 0; v < nv; v++)
        m->dnv_known[v] = m->dnv_known[v] || !bare[v];
    {
        sqlite3_stmt *syn;
        if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'synthetic'", -1, &syn,
                               NULL) == SQLITE_OK) {
            if (sqlite3_step(syn) == SQLITE_ROW)
                m->synthetic = sqlite3_column_int(syn, 0);
            sqlite3_finalize(syn);
        }
    }
out:
    if (q)
        sqlite3_finalize(q);
    if (rc)
        ep_matrix_free(m);
    ep_buf_free(&sql);
    free(votes);
    free(by_id);
    free(ms);
    free(ids);
    free(bare);
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
    if (!found || sqlite3_blob_open(db, "main", "matrix_cache", "blob", rowid, 0, &b) != SQLITE_OK) {
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
            sqlite3_exec(db, ok ? "RELEASE snap_write" : "ROLLBACK TO snap_write; RELEASE snap_write",
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
