/* ep_positions: the positions snapshot of a store and its cache (see ep_positions.h). */
#include "ep_positions.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_model.h"
#include "ep_store.h"
#include "ep_util.h"

/* ---- building a snapshot --------------------------------------------------------------- */

static void pos_free(struct ep_positions *p)
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

static int pos_sort_votes(struct ep_positions *p)
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

static int pos_days(struct ep_positions *p)
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
        struct ep_positions_day *day = &p->days[k];
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

static int pos_sittings(struct ep_store *s, struct ep_positions *p, struct ep_error *err)
{
    int rc = ep_query_sittings(s, &p->sittings, &p->n_sittings, err);
    if (rc)
        return rc;
    int n = p->n_sittings;
    if (n)
        memcpy(p->dataset_date, p->sittings[n - 1].date, 11);
    return 0;
}

static int pos_build(struct ep_store *s, struct ep_positions **out, struct ep_error *err)
{
    *out = NULL;
    struct ep_positions *p = calloc(1, sizeof *p);
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
        struct ep_positions_counts *c = p->counts + (size_t)v * (size_t)m->n_grp;
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
    if (pos_sort_votes(p) || pos_days(p)) {
        rc = ep_error_set(err, EP_ENOMEM, "out of memory");
        goto fail;
    }
    rc = pos_sittings(s, p, err);
    if (rc)
        goto fail;
    p->synthetic = m->synthetic;
    *out = p;
    return 0;
fail:
    pos_free(p);
    return rc;
}

/* ---- the cache ------------------------------------------------------------------------- */

void ep_positions_cache_init(struct ep_positions_cache *c)
{
    memset(c, 0, sizeof *c);
    pthread_mutex_init(&c->mu, NULL);
}

void ep_positions_cache_clear(struct ep_positions_cache *c)
{
    pthread_mutex_lock(&c->mu);
    struct ep_positions *p = c->cur;
    c->cur = NULL;
    free(c->prov_path);
    c->prov_path = NULL;
    c->prov_ok = 0;
    pthread_mutex_unlock(&c->mu);
    ep_positions_release(p);
}

void ep_positions_cache_free(struct ep_positions_cache *c)
{
    if (!c)
        return;
    ep_positions_cache_clear(c);
    pthread_mutex_destroy(&c->mu);
}

/* p is the current content of s? (under c->mu) */
static int fresh_for(const struct ep_positions *p, struct ep_store *s,
                     const struct ep_query_change_key *key, const char *path)
{
    return p && p->key_store == (const void *)s && p->key.changes == key->changes &&
           p->key.version == key->version && strcmp(p->key_path, path) == 0;
}

int ep_positions_acquire(struct ep_positions_cache *c, struct ep_store *s,
                         struct ep_positions **out, struct ep_error *err)
{
    *out = NULL;
    if (!s) {
        ep_error_set(err, EP_EUNAVAIL, "no store is open");
        return EP_EUNAVAIL;
    }
    const char *path = ep_store_path(s) ? ep_store_path(s) : "";
    int rc = 0;
    pthread_mutex_lock(&c->mu);
    struct ep_query_change_key key;
    ep_query_change_key(s, &key);
    struct ep_positions *cur = c->cur, *fresh = NULL;
    if (fresh_for(cur, s, &key, path)) {
        atomic_fetch_add(&cur->refs, 1);
        *out = cur;
        goto out;
    }
    rc = pos_build(s, &fresh, err);
    if (!rc && !fresh) {
        ep_error_set(err, EP_EINTERNAL, "the positions snapshot was not built");
        rc = EP_EINTERNAL;
    }
    if (rc)
        goto out;
    fresh->key_path = strdup(path);
    if (!fresh->key_path) {
        pos_free(fresh);
        fresh = NULL;
        ep_error_set(err, EP_ENOMEM, "out of memory");
        rc = EP_ENOMEM;
        goto out;
    }
    fresh->key_store = (const void *)s;
    fresh->key = key;
    atomic_init(&fresh->refs, 2); /* the cache and the caller */
    c->cur = fresh;
    *out = fresh;
out:
    pthread_mutex_unlock(&c->mu);
    if (fresh)
        ep_positions_release(cur); /* the cache's reference to the replaced snapshot */
    return rc;
}

struct ep_positions *ep_positions_peek(struct ep_positions_cache *c, struct ep_store *s)
{
    if (!s)
        return NULL;
    const char *path = ep_store_path(s) ? ep_store_path(s) : "";
    pthread_mutex_lock(&c->mu);
    struct ep_query_change_key key;
    ep_query_change_key(s, &key);
    struct ep_positions *p = c->cur;
    if (fresh_for(p, s, &key, path))
        atomic_fetch_add(&p->refs, 1);
    else
        p = NULL;
    pthread_mutex_unlock(&c->mu);
    return p;
}

void ep_positions_release(struct ep_positions *p)
{
    if (p && atomic_fetch_sub(&p->refs, 1) == 1)
        pos_free(p);
}

int ep_positions_provenance(struct ep_positions_cache *c, struct ep_store *s,
                            struct ep_positions_prov *out, struct ep_error *err)
{
    memset(out, 0, sizeof *out);
    if (!s)
        return ep_error_set(err, EP_EUNAVAIL, "no store is open");
    struct ep_positions *p = ep_positions_peek(c, s);
    if (p) {
        memcpy(out->dataset_date, p->dataset_date, 11);
        memcpy(out->pos_from, p->pos_from, 11);
        memcpy(out->pos_to, p->pos_to, 11);
        out->synthetic = p->synthetic;
        ep_positions_release(p);
        return 0;
    }
    const char *path = ep_store_path(s) ? ep_store_path(s) : "";
    struct ep_query_change_key key;
    pthread_mutex_lock(&c->mu);
    ep_query_change_key(s, &key);
    int hit = c->prov_ok && c->prov_store == (const void *)s &&
              c->prov_key.changes == key.changes && c->prov_key.version == key.version &&
              strcmp(c->prov_path, path) == 0;
    if (hit)
        *out = c->prov;
    pthread_mutex_unlock(&c->mu);
    if (hit)
        return 0;
    int rc = ep_query_dataset_date(s, out->dataset_date, err);
    if (!rc)
        rc = ep_query_positions_span(s, out->pos_from, out->pos_to, err);
    if (!rc)
        rc = ep_query_synthetic(s, &out->synthetic, err);
    if (rc)
        return rc;
    char *dup = strdup(path);
    pthread_mutex_lock(&c->mu);
    if (dup) {
        free(c->prov_path);
        c->prov_path = dup;
        c->prov_store = (const void *)s;
        c->prov_key = key;
        c->prov = *out;
        c->prov_ok = 1;
    }
    pthread_mutex_unlock(&c->mu);
    return 0;
}

/* ---- look-ups ---------------------------------------------------------------------------- */

int ep_positions_vote_index(const struct ep_positions *p, int64_t vote_id)
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

int ep_positions_day_index(const struct ep_positions *p, const char *date)
{
    if (!date)
        return -1;
    for (int k = 0; k < p->n_days; k++)
        if (strncmp(p->days[k].date, date, 10) == 0)
            return k;
    return -1;
}

int ep_positions_mep_known(struct ep_positions_cache *c, struct ep_store *s, int64_t id,
                           struct ep_error *err)
{
    int known = ep_query_mep_known(s, id, err);
    if (known)
        return known;
    struct ep_positions *p = NULL;
    int rc = ep_positions_acquire(c, s, &p, err);
    if (rc)
        return rc;
    known = p->m.n_mep && ep_matrix_mep_index(&p->m, id) >= 0 ? 2 : 0;
    ep_positions_release(p);
    return known;
}
