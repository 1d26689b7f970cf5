/* ep_window: the analysis window cache. See ep_window.h. */
#include "ep_window.h"

#include "ep_query_topics.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_derived.h"
#include "ep_graph_blob.h"
#include "ep_model.h"
#include "ep_query_intel.h"
#include "ep_query_topics.h"
#include "ep_stats_blob.h"

/* ---- the cache ----------------------------------------------------------------------------- */

void ep_wincache_init(struct ep_wincache *c)
{
    memset(c, 0, sizeof *c);
}

void ep_win_free_influence(struct ep_win *w)
{
    for (int d = 0; d < EP_INFL_NDIM; d++) {
        free(w->val[d]);
        free(w->pct[d]);
        free(w->ok[d]);
        w->val[d] = w->pct[d] = NULL;
        w->ok[d] = NULL;
    }
    free(w->composite);
    free(w->rank);
    w->composite = NULL;
    w->rank = NULL;
    w->have_infl = 0;
}

static void win_free_graph(struct ep_win *w)
{
    if (w->have_graph)
        ep_graph_free(&w->g);
    free(w->node_of);
    w->node_of = NULL;
    w->have_graph = 0;
    ep_win_free_influence(w);
}

static void win_free(struct ep_win *w)
{
    if (w->have_vs)
        ep_stats_votes_free(&w->vs);
    if (w->have_gs)
        ep_stats_groups_free(&w->gs);
    for (int k = 0; k < 2; k++) {
        if (w->have_per[k])
            ep_stats_periods_free(&w->per[k]);
        if (w->have_tr[k])
            ep_stats_trends_free(&w->tr[k]);
    }
    win_free_graph(w);
    free(w->name); /* one block with its strings (ep_query_member_names) */
    free(w->country);
    free(w->mf);
    free(w->F);
    free(w->A);
    free(w->Ab);
    free(w->gpiv);
    free(w->mep_piv);
    free(w->grp_piv);
    free(w->mser_x);
    free(w->mser_ok);
    if (w->used)
        ep_matrix_free(&w->mat);
    memset(w, 0, sizeof *w);
}

void ep_wincache_clear(struct ep_wincache *c)
{
    for (int i = 0; i < EP_WIN_CACHE; i++)
        if (c->e[i])
            win_free(c->e[i]);
}

void ep_wincache_free(struct ep_wincache *c)
{
    for (int i = 0; i < EP_WIN_CACHE; i++) {
        if (c->e[i])
            win_free(c->e[i]);
        free(c->e[i]);
        c->e[i] = NULL;
    }
}

/* The key names the window and the store's content, so that an ingest invalidates it. */
static void make_key(struct ep_store *s, const struct ep_window *w, char *key, size_t n)
{
    char marker[2048];
    ep_query_content_marker(s, marker, sizeof marker);
    int k = snprintf(key, n, "%s|%s|%s|%d|", marker, w->from ? w->from : "", w->to ? w->to : "",
                     w->term);
    for (int i = 0; w->sittings && w->sittings[i] && k > 0 && (size_t)k < n; i++)
        k += snprintf(key + k, n - (size_t)k, "%s,", w->sittings[i]);
    if (w->topic_kind && k > 0 && (size_t)k < n) /* the topic filter (unfiltered keys as before) */
        snprintf(key + k, n - (size_t)k, "|topic:%d:%s", w->topic_kind,
                 w->topic_code ? w->topic_code : "");
}

/* MEPs with a cast vote and distinct vote days of a freshly loaded window. */
static void win_counts(struct ep_win *w)
{
    const struct ep_matrix *m = w->m;
    for (int i = 0; i < m->n_mep; i++) {
        const uint64_t *f = m->plane[0] + (size_t)i * (size_t)m->n_words;
        const uint64_t *a = m->plane[1] + (size_t)i * (size_t)m->n_words;
        const uint64_t *b = m->plane[2] + (size_t)i * (size_t)m->n_words;
        int any = 0;
        for (int x = 0; x < m->n_words && !any; x++)
            any = (f[x] | a[x] | b[x]) != 0;
        w->n_active += any;
    }
    for (int v = 0; v < m->n_vote; v++)
        w->n_sittings += (v == 0 || m->vote_day[v] != m->vote_day[v - 1]);
}

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The matrix of a window with a topic filter, cut out of the same window without it (loaded
 * through the cache: a large window comes from its packed snapshot, where the filtered SQL
 * load reads every position row of the topic's votes): the votes that carry the topic, in the
 * window's order; the MEPs with a cell other than NONE on one of them (those the SQL load
 * takes: a mandate on a vote date, or a listed voter); the groups seen there, in the window's
 * order. EP_EUNAVAIL when no vote of the window carries the topic. */
static int topic_subset(struct ep_wincache *c, struct ep_store *s, const struct ep_window *w,
                        struct ep_matrix *out, struct ep_error *err)
{
    struct ep_window base = *w;
    base.topic_kind = 0;
    base.topic_code = NULL;
    struct ep_win *b = NULL;
    int rc = ep_wincache_get(c, s, &base, &b, err);
    if (rc)
        return rc;
    if (!b)
        return ep_error_set(err, EP_EINTERNAL, "the unfiltered window was not loaded");
    const struct ep_matrix *m = b->m;
    int64_t *ids = NULL;
    int nids = 0;
    if ((rc = ep_query_topic_vote_ids(s, w->topic_kind, w->topic_code, &ids, &nids, err)))
        return rc;
    int *sel = malloc((size_t)(m->n_vote ? m->n_vote : 1) * sizeof *sel);
    int *keep = malloc((size_t)(m->n_mep ? m->n_mep : 1) * sizeof *keep);
    int nv = 0, nm = 0, gmap[EP_MATRIX_MAX_GROUPS];
    if (!sel || !keep) {
        rc = ep_error_set(err, EP_ENOMEM, "out of memory");
        goto done;
    }
    for (int v = 0; v < m->n_vote && nids > 0; v++)
        if (bsearch(&m->vote_id[v], ids, (size_t)nids, sizeof *ids, cmp_id))
            sel[nv++] = v;
    if (nv == 0) {
        rc = ep_error_set(err, EP_EUNAVAIL, "no vote of the window carries the topic");
        goto done;
    }
    uint8_t gused[EP_MATRIX_MAX_GROUPS] = {0};
    for (int i = 0; i < m->n_mep; i++) {
        int any = 0;
        for (int k = 0; k < nv; k++) {
            size_t cell = (size_t)sel[k] * (size_t)m->n_mep + (size_t)i;
            if (m->pos[cell] != EP_POS_NONE) {
                any = 1;
                if (m->grp[cell] < EP_MATRIX_MAX_GROUPS)
                    gused[m->grp[cell]] = 1;
            }
        }
        keep[i] = any ? nm++ : -1;
    }
    if ((rc = ep_matrix_alloc(out, nm, nv, err)))
        goto done;
    out->synthetic = m->synthetic;
    for (int g = 0; g < m->n_grp; g++)
        gmap[g] = gused[g] ? ep_matrix_group_index(out, m->grp_code[g]) : -1;
    for (int i = 0; i < m->n_mep; i++)
        if (keep[i] >= 0)
            out->mep_id[keep[i]] = m->mep_id[i];
    for (int k = 0; k < nv; k++) {
        int v = sel[k];
        out->vote_id[k] = m->vote_id[v];
        out->vote_day[k] = m->vote_day[v];
        out->dnv_known[k] = m->dnv_known[v];
        const uint8_t *pos = m->pos + (size_t)v * (size_t)m->n_mep;
        const uint8_t *grp = m->grp + (size_t)v * (size_t)m->n_mep;
        for (int i = 0; i < m->n_mep; i++)
            if (keep[i] >= 0 && pos[i] != EP_POS_NONE)
                ep_matrix_set(out, k, keep[i], pos[i],
                              grp[i] < m->n_grp ? gmap[grp[i]] : -1);
    }
done:
    free(ids);
    free(sel);
    free(keep);
    return rc;
}

/* The cached window of s with key, marked as just used, or NULL. */
static struct ep_win *win_lookup(struct ep_wincache *c, struct ep_store *s, const char *key)
{
    for (int i = 0; i < EP_WIN_CACHE; i++) {
        struct ep_win *e = c->e[i];
        if (e && e->used && e->store == s && strcmp(e->key, key) == 0) {
            e->tick = ++c->tick;
            return e;
        }
    }
    return NULL;
}

/* Whether w narrows the store by dates (from, to, term or sitting dates). */
static int win_dated(const struct ep_window *w)
{
    return w->from || w->to || w->term || w->sittings;
}

/* The matrix of a dated window without a topic filter, cut out of the whole store's window
 * (loaded through the cache: from its packed snapshot, where the SQL load of even a 90-day
 * window reads position rows for seconds in a fresh process). It equals what
 * ep_store_load_matrix builds from the tables (tests/test_derived.c compares them cell by cell):
 * the votes with a sitting date in the bounds (and among the sittings), in the store's order;
 * the MEPs with a cell other than NONE on one of them (a mandate on a vote date, or a listed
 * voter), ascending; every cell, with which votes know who did not vote; the groups numbered
 * as the SQL load numbers them, by first appearance MEP by MEP, vote by vote. Errors as
 * ep_store_load_matrix's: EP_EINVAL for a bad term or date, EP_EUNAVAIL for no votes. */
static int dated_subset(struct ep_wincache *c, struct ep_store *s, const struct ep_window *w,
                        struct ep_matrix *out, struct ep_error *err)
{
    const char *from, *to;
    int rc = ep_store_window_bounds(w, &from, &to, err);
    if (rc)
        return rc;
    int32_t dlo = from ? ep_date_days(from) : INT32_MIN, dhi = to ? ep_date_days(to) : INT32_MAX;
    int nsit = 0;
    while (w->sittings && w->sittings[nsit])
        nsit++;
    int32_t *sit = malloc((size_t)(nsit ? nsit : 1) * sizeof *sit);
    if (!sit)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    for (int k = 0; k < nsit; k++)
        sit[k] = ep_date_days(w->sittings[k]);
    /* the source: the whole store's window when it is cached (a server's later windows), else
     * the window's own rows of the whole store's snapshot (a fresh process), else the whole
     * store's window loaded (a store without a snapshot: small, or not yet built) */
    struct ep_window whole;
    memset(&whole, 0, sizeof whole);
    char wkey[sizeof c->e[0]->key];
    make_key(s, &whole, wkey, sizeof wkey);
    struct ep_win *b = win_lookup(c, s, wkey);
    struct ep_matrix rows;
    memset(&rows, 0, sizeof rows);
    int own_rows = 0;
    rc = EP_ENOTFOUND;
    if (!b && (rc = ep_store_load_matrix_days(s, dlo, dhi, w->sittings ? sit : NULL, nsit, &rows,
                                              err)) == EP_OK)
        own_rows = 1;
    if (!b && !own_rows && rc == EP_ENOTFOUND)
        rc = ep_wincache_get(c, s, &whole, &b, err);
    else if (b)
        rc = EP_OK;
    if (rc == EP_EUNAVAIL) {
        free(sit);
        return ep_error_set(err, EP_EUNAVAIL, "%s", EP_STORE_NO_WINDOW_VOTES);
    }
    if (!rc && !b && !own_rows)
        rc = ep_error_set(err, EP_EINTERNAL, "the whole store's window was not loaded");
    if (rc) {
        free(sit);
        return rc;
    }
    const struct ep_matrix *m = own_rows ? &rows : b ? b->m : NULL;
    if (!m) {
        free(sit);
        return ep_error_set(err, EP_EINTERNAL, "the whole store's window was not loaded");
    }
    int *sel = malloc((size_t)(m->n_vote ? m->n_vote : 1) * sizeof *sel);
    int *keep = malloc((size_t)(m->n_mep ? m->n_mep : 1) * sizeof *keep);
    int nv = 0, nm = 0;
    if (!sel || !keep) {
        rc = ep_error_set(err, EP_ENOMEM, "out of memory");
        goto done;
    }
    for (int v = 0; v < m->n_vote; v++) {
        int32_t d = m->vote_day[v];
        int in = own_rows || (d >= dlo && d <= dhi);
        if (in && !own_rows && w->sittings) {
            in = 0;
            for (int k = 0; k < nsit && !in; k++)
                in = sit[k] == d;
        }
        if (in)
            sel[nv++] = v;
    }
    if (nv == 0) {
        rc = ep_error_set(err, EP_EUNAVAIL, "%s", EP_STORE_NO_WINDOW_VOTES);
        goto done;
    }
    for (int i = 0; i < m->n_mep; i++) {
        int any = 0;
        for (int k = 0; k < nv && !any; k++)
            any = m->pos[(size_t)sel[k] * (size_t)m->n_mep + (size_t)i] != EP_POS_NONE;
        keep[i] = any ? nm++ : -1;
    }
    if ((rc = ep_matrix_alloc(out, nm, nv, err)))
        goto done;
    out->synthetic = m->synthetic;
    int gmap[EP_MATRIX_MAX_GROUPS];
    for (int g = 0; g < EP_MATRIX_MAX_GROUPS; g++)
        gmap[g] = -1;
    for (int i = 0; i < m->n_mep; i++) { /* group numbers: MEP by MEP, vote by vote */
        if (keep[i] < 0)
            continue;
        out->mep_id[keep[i]] = m->mep_id[i];
        for (int k = 0; k < nv; k++) {
            size_t cell = (size_t)sel[k] * (size_t)m->n_mep + (size_t)i;
            int g = m->grp[cell];
            if (m->pos[cell] != EP_POS_NONE && g < m->n_grp && gmap[g] < 0)
                gmap[g] = ep_matrix_group_index(out, m->grp_code[g]);
        }
    }
    for (int k = 0; k < nv; k++) {
        int v = sel[k];
        out->vote_id[k] = m->vote_id[v];
        out->vote_day[k] = m->vote_day[v];
        out->dnv_known[k] = m->dnv_known[v];
        const uint8_t *pos = m->pos + (size_t)v * (size_t)m->n_mep;
        const uint8_t *grp = m->grp + (size_t)v * (size_t)m->n_mep;
        for (int i = 0; i < m->n_mep; i++)
            if (keep[i] >= 0 && pos[i] != EP_POS_NONE)
                ep_matrix_set(out, k, keep[i], pos[i], grp[i] < m->n_grp ? gmap[grp[i]] : -1);
    }
done:
    ep_matrix_free(&rows);
    free(sit);
    free(sel);
    free(keep);
    return rc;
}

int ep_wincache_get(struct ep_wincache *c, struct ep_store *s, const struct ep_window *w,
                    struct ep_win **out, struct ep_error *err)
{
    *out = NULL;
    char key[sizeof c->e[0]->key];
    make_key(s, w, key, sizeof key);
    if ((*out = win_lookup(c, s, key)))
        return EP_OK;
    /* a topic filter: cut from the unfiltered window before a slot is chosen (which may be
     * that window's) */
    struct ep_matrix sub;
    memset(&sub, 0, sizeof sub);
    if (w->topic_kind || win_dated(w)) {
        int rc = w->topic_kind ? topic_subset(c, s, w, &sub, err) : dated_subset(c, s, w, &sub, err);
        if (rc) {
            ep_matrix_free(&sub);
            return rc;
        }
    }
    int victim = 0;
    for (int i = 0; i < EP_WIN_CACHE; i++) {
        struct ep_win *e = c->e[i];
        struct ep_win *v = c->e[victim];
        if (!e || !e->used || (v && v->used && e->tick < v->tick))
            victim = i;
    }
    struct ep_win *e = c->e[victim];
    if (e) {
        win_free(e);
    } else {
        /* a new slot is zeroed already (and gcc 12's analyser takes win_free's free(NULL)s of
         * a calloc'd block for double frees) */
        if (!(e = calloc(1, sizeof *e))) {
            ep_matrix_free(&sub);
            return ep_error_set(err, EP_ENOMEM, "out of memory");
        }
        c->e[victim] = e;
    }
    int rc = EP_OK;
    if (w->topic_kind || win_dated(w))
        e->mat = sub; /* moved */
    else
        rc = ep_store_load_matrix(s, w, &e->mat, err);
    if (rc) {
        ep_matrix_free(&e->mat);
        memset(e, 0, sizeof *e);
        return rc;
    }
    snprintf(e->key, sizeof e->key, "%s", key);
    ep_derived_window_key(w, e->dwin, sizeof e->dwin);
    e->store = s;
    e->used = 1;
    e->tick = ++c->tick;
    e->m = &e->mat;
    win_counts(e);
    *out = e;
    return EP_OK;
}

struct ep_win *ep_wincache_find(struct ep_wincache *c, const struct ep_matrix *m)
{
    for (int i = 0; i < EP_WIN_CACHE; i++)
        if (c->e[i] && c->e[i]->used && c->e[i]->m == m)
            return c->e[i];
    return NULL;
}

/* ---- lazily computed figures ------------------------------------------------------------- */

int ep_win_need_vs(struct ep_win *w, struct ep_error *err)
{
    if (w->have_vs)
        return 0;
    /* ep_derived (issue 17 item 6): load from the store, or compute and save */
    struct ep_stats_blob sb = {w->m, &w->vs};
    if (!ep_derived_load(w->store, w->dwin, "votes", ep_stats_votes_blob_read, &sb)) {
        int rc = ep_stats_votes_compute(w->m, &w->vs, err);
        if (rc)
            return rc;
        ep_derived_save(w->store, w->dwin, "votes", ep_stats_votes_blob_write, &sb);
    }
    w->have_vs = 1;
    return 0;
}

int ep_win_need_gs(struct ep_win *w, struct ep_error *err)
{
    if (w->have_gs)
        return 0;
    /* ep_derived (issue 17 item 6): load from the store, or compute and save */
    struct ep_stats_blob sb = {w->m, &w->gs};
    if (!ep_derived_load(w->store, w->dwin, "groups", ep_stats_groups_blob_read, &sb)) {
        int rc = ep_win_need_vs(w, err);
        if (!rc)
            rc = ep_stats_groups_compute(w->m, &w->vs, &w->gs, err);
        if (rc)
            return rc;
        ep_derived_save(w->store, w->dwin, "groups", ep_stats_groups_blob_write, &sb);
    }
    w->have_gs = 1;
    return 0;
}

int ep_win_need_frag(struct ep_win *w, struct ep_error *err)
{
    if (w->have_frag)
        return 0;
    /* ep_derived (issue 17 item 6): load from the store, or compute and save */
    struct ep_stats_blob sb = {w->m, &w->frag};
    if (!ep_derived_load(w->store, w->dwin, "frag", ep_stats_frag_blob_read, &sb)) {
        int rc = ep_stats_fragmentation(w->m, &w->frag, err);
        if (rc)
            return rc;
        ep_derived_save(w->store, w->dwin, "frag", ep_stats_frag_blob_write, &sb);
    }
    w->have_frag = 1;
    return 0;
}

int ep_win_need_per(struct ep_win *w, int kind, struct ep_error *err)
{
    if (w->have_per[kind])
        return 0;
    int rc = ep_stats_periods_compute(w->m, kind, &w->per[kind], err);
    if (rc)
        return rc;
    w->have_per[kind] = 1;
    return 0;
}

int ep_win_need_tr(struct ep_win *w, int kind, struct ep_error *err)
{
    if (w->have_tr[kind])
        return 0;
    int rc = ep_win_need_vs(w, err);
    if (!rc)
        rc = ep_win_need_per(w, kind, err);
    if (!rc)
        rc = ep_stats_trends_compute(w->m, &w->vs, &w->per[kind], &w->tr[kind], err);
    if (rc)
        return rc;
    w->have_tr[kind] = 1;
    return 0;
}

int ep_win_need_graph(struct ep_win *w, int min_common, int algo, int cent,
                      const struct ep_graph_hooks *h, struct ep_error *err)
{
    static const struct ep_graph_hooks none = {NULL, NULL, NULL};
    if (!h)
        h = &none;
    struct ep_graph_params p;
    ep_graph_params_default(&p);
    p.min_common = min_common;
    p.algo = algo;
    p.centralities = 0;
    /* ep_derived (issue 17 item 6): load from the store, or compute and save */
    char kind[256];
    ep_graph_blob_kind(&p, kind, sizeof kind);
    struct ep_graph_blob gb = {&w->g, w->m->n_mep, w->m->n_grp};
    if (!(w->have_graph && w->graph_min_common == min_common && w->g.algo == algo)) {
        win_free_graph(w);
        if (!ep_derived_load(w->store, w->dwin, kind, ep_graph_blob_read, &gb)) {
            int rc = ep_graph_compute(w->m, &p, h, 0, &w->g, err);
            if (rc) {
                ep_graph_free(&w->g);
                return rc;
            }
            ep_derived_save(w->store, w->dwin, kind, ep_graph_blob_write, &gb);
        }
        w->node_of = malloc((size_t)(w->m->n_mep > 0 ? w->m->n_mep : 1) * sizeof *w->node_of);
        if (!w->node_of) {
            ep_graph_free(&w->g);
            return ep_error_set(err, EP_ENOMEM, "out of memory");
        }
        for (int i = 0; i < w->m->n_mep; i++)
            w->node_of[i] = -1;
        for (int k = 0; k < w->g.n_node; k++)
            w->node_of[w->g.node[k].mep] = k;
        w->have_graph = 1;
        w->graph_min_common = min_common;
    }
    if (!cent || w->g.have_centralities)
        return 0;
    int rc = ep_graph_centralities(&w->g, h, err);
    if (!rc) /* ep_derived: the stored graph gains its centralities */
        ep_derived_save(w->store, w->dwin, kind, ep_graph_blob_write, &gb);
    return rc;
}

int ep_win_need_names(struct ep_win *w, struct ep_error *err)
{
    if (w->have_names)
        return 0;
    const struct ep_matrix *m = w->m;
    size_t n = (size_t)(m->n_mep > 0 ? m->n_mep : 1);
    w->country = calloc(n, sizeof *w->country);
    if (!w->country)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    int rc = ep_query_member_names(w->store, m->mep_id, m->n_mep, &w->name, w->country, err);
    if (rc)
        return rc;
    w->n_name = m->n_mep;
    w->have_names = 1;
    return 0;
}

int ep_win_need_mf(struct ep_win *w, struct ep_error *err)
{
    if (w->have_mf)
        return 0;
    const struct ep_matrix *m = w->m;
    /* ep_derived (issue 17 item 6): load from the store, or compute and save */
    struct ep_stats_mepfig_set set = {NULL};
    struct ep_stats_blob sb = {m, &set};
    if (ep_derived_load(w->store, w->dwin, "mepfig", ep_stats_mepfig_blob_read, &sb)) {
        w->mf = set.f;
        w->have_mf = 1;
        return 0;
    }
    int rc = ep_win_need_vs(w, err);
    if (rc)
        return rc;
    w->mf = calloc((size_t)(m->n_mep > 0 ? m->n_mep : 1), sizeof *w->mf);
    if (!w->mf)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    for (int i = 0; i < m->n_mep; i++) {
        struct ep_stats_mep s;
        memset(&s, 0, sizeof s);
        rc = ep_stats_mep_compute(m, &w->vs, i, &s, err);
        if (rc) {
            ep_stats_mep_free(&s);
            free(w->mf);
            w->mf = NULL;
            return rc;
        }
        struct ep_stats_mepfig *f = &w->mf[i];
        f->eligible = s.eligible;
        f->cast = s.cast;
        f->dnv_unk = ep_matrix_mep_dnv_unknown(m, i, 0, m->n_vote);
        f->part_ok = (uint8_t)(s.part_ok && !f->dnv_unk);
        f->participation = s.participation;
        f->loy_ok = (uint8_t)s.loyalty_ok;
        f->loyalty = s.loyalty;
        f->loy_num = s.loyalty_num;
        f->loy_den = s.loyalty_den;
        f->n_defect = s.n_defect;
        ep_stats_mep_free(&s);
    }
    set.f = w->mf;
    ep_derived_save(w->store, w->dwin, "mepfig", ep_stats_mepfig_blob_write, &sb);
    w->have_mf = 1;
    return 0;
}

/* Vote totals and pivotal groups. A vote is decided when FOR != AGAINST (the winning side is
 * the larger); group g is pivotal on a decided vote when its position is the winning side and
 * its members in that position c exceed the margin |FOR - AGAINST|: without those votes the
 * outcome would reverse. An MEP's pivotal vote: their group was pivotal and they voted with it. */
static void piv_vote(struct ep_win *w, int v)
{
    const struct ep_matrix *m = w->m;
    int ng = m->n_grp, nm = m->n_mep;
    const struct ep_stats_vg *vg = w->vs.vg + (size_t)v * (size_t)ng;
    int F = 0, A = 0, Ab = 0;
    for (int g = 0; g < ng; g++) {
        F += vg[g].y;
        A += vg[g].n;
        Ab += vg[g].a;
    }
    w->F[v] = F;
    w->A[v] = A;
    w->Ab[v] = Ab;
    if (F == A)
        return;
    w->decided++;
    int win = F > A ? EP_GPOS_FOR : EP_GPOS_AGAINST, margin = abs(F - A), anyp = 0;
    for (int g = 0; g < ng; g++) {
        int c = win == EP_GPOS_FOR ? vg[g].y : vg[g].n;
        if (vg[g].pos == win && c > margin) {
            w->gpiv[(size_t)v * (size_t)ng + (size_t)g] = 1;
            w->grp_piv[g]++;
            anyp = 1;
        }
    }
    if (!anyp)
        return;
    const uint8_t *pr = m->pos + (size_t)v * (size_t)nm;
    const uint8_t *gr = m->grp + (size_t)v * (size_t)nm;
    for (int i = 0; i < nm; i++)
        if (pr[i] == win && gr[i] < ng && w->gpiv[(size_t)v * (size_t)ng + gr[i]])
            w->mep_piv[i]++;
}

int ep_win_need_piv(struct ep_win *w, struct ep_error *err)
{
    if (w->have_piv)
        return 0;
    int rc = ep_win_need_vs(w, err);
    if (rc)
        return rc;
    const struct ep_matrix *m = w->m;
    int nv = m->n_vote, ng = m->n_grp, nm = m->n_mep;
    size_t v1 = (size_t)(nv > 0 ? nv : 1);
    w->F = calloc(v1, sizeof *w->F);
    w->A = calloc(v1, sizeof *w->A);
    w->Ab = calloc(v1, sizeof *w->Ab);
    w->gpiv = calloc(v1 * (size_t)(ng > 0 ? ng : 1), 1);
    w->mep_piv = calloc((size_t)(nm > 0 ? nm : 1), sizeof *w->mep_piv);
    w->grp_piv = calloc(EP_MATRIX_MAX_GROUPS, sizeof *w->grp_piv);
    if (!w->F || !w->A || !w->Ab || !w->gpiv || !w->mep_piv || !w->grp_piv)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    w->decided = 0;
    for (int v = 0; v < nv; v++)
        piv_vote(w, v);
    w->have_piv = 1;
    return 0;
}

int ep_win_need_palpha(struct ep_win *w, struct ep_error *err)
{
    (void)err;
    if (w->have_palpha)
        return 0;
    /* ep_derived (issue 17 item 6): load from the store, or compute and save */
    struct ep_stats_palpha *pa = &w->palpha;
    struct ep_stats_blob sb = {w->m, pa};
    if (!ep_derived_load(w->store, w->dwin, "palpha", ep_stats_palpha_blob_read, &sb)) {
        *pa = (struct ep_stats_palpha){0, 0, 0, 0};
        pa->rc = ep_stats_parliament_alpha(w->m, &pa->value, &pa->units, &pa->coders, NULL);
        ep_derived_save(w->store, w->dwin, "palpha", ep_stats_palpha_blob_write, &sb);
    }
    w->have_palpha = 1;
    return 0;
}

/* Per-sitting defection-rate series of every MEP (the input of the MEP scan; outliers are found
 * per call because they depend on the threshold and the minimum). */
int ep_win_need_mser(struct ep_win *w, volatile int *cancelled, struct ep_error *err)
{
    if (w->have_mser)
        return 0;
    int rc = ep_win_need_per(w, EP_PERIOD_SITTING, err);
    if (rc)
        return rc;
    const struct ep_matrix *m = w->m;
    const struct ep_stats_periods *ps = &w->per[EP_PERIOD_SITTING];
    /* ep_derived (issue 17 item 6): load from the store, or compute and save */
    struct ep_stats_grid grid = {m->n_mep, ps->n, NULL, NULL};
    struct ep_stats_blob sb = {m, &grid};
    if (ep_derived_load(w->store, w->dwin, "mser|defection|sitting", ep_stats_grid_blob_read,
                        &sb)) {
        if (grid.cols == ps->n) {
            w->mser_x = grid.x;
            w->mser_ok = grid.ok;
            w->have_mser = 1;
            return 0;
        }
        free(grid.x);
        free(grid.ok);
    }
    if ((rc = ep_win_need_vs(w, err)))
        return rc;
    size_t cells = (size_t)(m->n_mep > 0 ? m->n_mep : 1) * (size_t)(ps->n > 0 ? ps->n : 1);
    double *x = malloc(cells * sizeof *x);
    uint8_t *ok = calloc(cells, 1);
    if (!x || !ok) {
        free(x);
        free(ok);
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    for (int i = 0; i < m->n_mep && !rc; i++) {
        if (i % 64 == 0 && cancelled && *cancelled) {
            rc = ep_error_set(err, EP_ECANCELED, "cancelled while computing MEP baselines");
            break;
        }
        struct ep_stats_series se;
        memset(&se, 0, sizeof se);
        rc = ep_stats_series_compute(m, &w->vs, ps, EP_ENTITY_MEP, i, EP_MEASURE_DEFECTION, &se,
                                     err);
        if (!rc) {
            memcpy(x + (size_t)i * (size_t)ps->n, se.x, (size_t)ps->n * sizeof *x);
            memcpy(ok + (size_t)i * (size_t)ps->n, se.ok, (size_t)ps->n);
        }
        ep_stats_series_free(&se);
    }
    if (rc) {
        free(x);
        free(ok);
        return rc;
    }
    w->mser_x = x;
    w->mser_ok = ok;
    w->have_mser = 1;
    grid = (struct ep_stats_grid){m->n_mep, ps->n, x, ok};
    ep_derived_save(w->store, w->dwin, "mser|defection|sitting", ep_stats_grid_blob_write, &sb);
    return 0;
}

void ep_dnv_reason(char *buf, size_t n, int unknown, int total)
{
    snprintf(buf, n,
             "who did not vote is unknown on %d of the %d votes: their source lists cast votes "
             "only (the roll-call XML) and the stored memberships do not cover every voter on "
             "those dates; ingest HowTheyVote.eu's member_votes.csv (explicit DID_NOT_VOTE) or an "
             "up-to-date group_memberships.csv",
             unknown, total);
}

int ep_win_modal_group(const struct ep_win *w, int i)
{
    if (w->have_graph && w->node_of[i] >= 0)
        return w->g.node[w->node_of[i]].grp;
    return ep_graph_modal_group(w->m, i);
}
