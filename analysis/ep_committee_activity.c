/* ep_committee_activity: see ep_committee_activity.h. */
#include "ep_committee_activity.h"

#include <stdlib.h>
#include <string.h>

#include "ep_stats.h"
#include "ep_util.h"

void ep_committee_activity_free(struct ep_committee_activity *r)
{
    if (!r)
        return;
    free(r->c);
    memset(r, 0, sizeof *r);
}

struct vidx {
    int64_t id;
    int v;
};

static int cmp_vidx(const void *x, const void *y)
{
    const struct vidx *a = x, *b = y;
    return a->id < b->id ? -1 : a->id > b->id;
}

static int find_vote(const struct vidx *ix, int n, int64_t id)
{
    int lo = 0, hi = n - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (ix[mid].id == id)
            return ix[mid].v;
        if (ix[mid].id < id)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

/* Group cohesion of committee c over its votes in the window's matrix. */
static int cohesion(struct ep_store *s, struct ep_win *w, const struct vidx *ix, const char *from,
                    const char *to, struct ep_ca_committee *c, struct ep_error *err)
{
    const struct ep_matrix *m = w->m;
    const int G = m->n_grp;
    int64_t *ids = NULL;
    int n = 0;
    int rc = ep_query_committee_vote_ids(s, c->q.code, from, to, &ids, &n, err);
    if (rc)
        return rc;
    double ai[EP_MATRIX_MAX_GROUPS] = {0}, rice[EP_MATRIX_MAX_GROUPS] = {0};
    c->n_grp = G;
    for (int g = 0; g < G; g++)
        snprintf(c->g[g].code, sizeof c->g[g].code, "%s", m->grp_code[g]);
    for (int k = 0; k < n; k++) {
        int v = find_vote(ix, m->n_vote, ids[k]);
        if (v < 0)
            continue; /* outside the window's matrix */
        c->cohesion_votes++;
        for (int g = 0; g < G; g++) {
            const struct ep_stats_vg *x = &w->vs.vg[(size_t)v * (size_t)G + (size_t)g];
            if (x->ai_ok) {
                c->g[g].votes++;
                ai[g] += x->ai;
            }
            if (x->rice_ok) {
                c->g[g].rice_votes++;
                rice[g] += x->rice;
            }
        }
    }
    for (int g = 0; g < G; g++) {
        struct ep_ca_group *o = &c->g[g];
        o->ai_ok = o->votes > 0;
        o->ai_mean = o->ai_ok ? ai[g] / o->votes : -1.0;
        o->rice_ok = o->rice_votes > 0;
        o->rice_mean = o->rice_ok ? rice[g] / o->rice_votes : -1.0;
    }
    free(ids);
    return EP_OK;
}

int ep_committee_activity_compute(struct ep_store *s, struct ep_win *w, const char *code,
                                  const char *from, const char *to,
                                  struct ep_committee_activity *out, struct ep_error *err)
{
    memset(out, 0, sizeof *out);
    struct ep_committee_votes *rows = NULL;
    int n = 0;
    int rc = ep_query_committee_votes(s, code, from, to, &rows, &n, err);
    if (rc)
        return rc;
    out->c = calloc((size_t)(n ? n : 1), sizeof *out->c);
    struct vidx *ix = NULL;
    if (!out->c) {
        free(rows);
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    out->n = n;
    if (w) {
        if ((rc = ep_win_need_vs(w, err)))
            goto out;
        ix = malloc((size_t)(w->m->n_vote ? w->m->n_vote : 1) * sizeof *ix);
        if (!ix) {
            rc = ep_error_set(err, EP_ENOMEM, "out of memory");
            goto out;
        }
        for (int v = 0; v < w->m->n_vote; v++)
            ix[v] = (struct vidx){w->m->vote_id[v], v};
        qsort(ix, (size_t)w->m->n_vote, sizeof *ix, cmp_vidx);
    }
    for (int k = 0; k < n && !rc; k++) {
        struct ep_ca_committee *c = &out->c[k];
        c->q = rows[k];
        c->span_days = c->q.first[0] && c->q.last[0]
                           ? ep_date_days(c->q.last) - ep_date_days(c->q.first)
                           : -1;
        if (w && c->q.votes_pos > 0)
            rc = cohesion(s, w, ix, from, to, c, err);
    }
out:
    free(ix);
    free(rows);
    if (rc)
        ep_committee_activity_free(out);
    return rc;
}
