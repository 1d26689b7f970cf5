/* ep_ego: an MEP's ego network. See ep_ego.h. */
#include "ep_ego.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_graph.h"

void ep_ego_init(struct ep_ego *out)
{
    memset(out, 0, sizeof *out);
    ep_comparative_init(&out->cmp);
    out->node = -1;
}

void ep_ego_free(struct ep_ego *out)
{
    ep_comparative_free(&out->cmp);
    free(out->cty);
    free(out->by_cty);
    ep_ego_init(out);
}

static int by_ties(const void *a, const void *b)
{
    const struct ep_ego_count *x = a, *y = b;
    if (x->ties != y->ties)
        return x->ties > y->ties ? -1 : 1;
    return (x->key > y->key) - (x->key < y->key);
}

static void count(struct ep_ego_count *c, int *n, int key, double w)
{
    int k = 0;
    while (k < *n && c[k].key != key)
        k++;
    if (k == *n)
        c[(*n)++] = (struct ep_ego_count){key, 0, 0};
    c[k].ties++;
    c[k].wsum += w;
}

static int composition(struct ep_win *w, struct ep_ego *o, struct ep_error *err)
{
    const struct ep_comparative *c = &o->cmp;
    int n = c->like_candidates;
    o->cty = calloc((size_t)(n > 0 ? n : 1), sizeof *o->cty);
    o->by_cty = calloc((size_t)(n > 0 ? n : 1), sizeof *o->by_cty);
    if (!o->cty || !o->by_cty)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    int n_by_cty = 0;
    for (int q = 0; q < n; q++) {
        const struct ep_cmp_like *t = &c->like[q];
        int g = ep_win_modal_group(w, t->mep);
        int gk = g < w->m->n_grp ? g : -1;
        count(o->by_grp, &o->n_by_grp, gk, t->agreement);
        const char *cc = w->country[t->mep];
        int k = 0;
        while (k < o->n_cty && strcmp(o->cty[k], cc) != 0)
            k++;
        if (k == o->n_cty)
            snprintf(o->cty[o->n_cty++], sizeof o->cty[0], "%s", cc);
        count(o->by_cty, &n_by_cty, k, t->agreement); /* same order: by_cty[k].key == k */
        if (gk != o->grp) {
            o->cross++;
            o->cross_w += t->agreement;
            if (o->n_cross_top < EP_EGO_CROSS_TOP)
                o->cross_top[o->n_cross_top++] = q;
        }
    }
    qsort(o->by_grp, (size_t)o->n_by_grp, sizeof o->by_grp[0], by_ties);
    qsort(o->by_cty, (size_t)o->n_cty, sizeof o->by_cty[0], by_ties);
    return 0;
}

int ep_ego_compute(struct ep_win *w, const struct ep_ego_params *p, struct ep_run *r,
                   struct ep_ego *out, struct ep_error *err)
{
    ep_ego_init(out);
    out->win = w;
    out->p = *p;
    struct ep_graph_hooks h = ep_run_graph_hooks(r);
    int rc = ep_run_stage(r, "co-voting network", err);
    if (!rc)
        rc = ep_win_need_graph(w, p->min_common, EP_GRAPH_LOUVAIN, 0, &h, err);
    if (!rc)
        rc = ep_win_need_names(w, err);
    if (rc)
        return rc;
    out->node = w->node_of[p->mep];
    if (out->node < 0)
        return ep_error_set(err, EP_EUNAVAIL,
                            "argument \"mep_id\": MEP %lld cast no vote in the window (%d votes): "
                            "they have no place in its co-voting network",
                            (long long)w->m->mep_id[p->mep], w->m->n_vote);
    int g = ep_win_modal_group(w, p->mep);
    out->grp = g < w->m->n_grp ? g : -1;
    struct ep_cmp_params cp = {0};
    cp.like = p->mep;
    cp.top = p->k;
    cp.min_common = p->min_common;
    cp.like_measure = "ties (co-voting network edges: common votes)";
    if ((rc = ep_run_stage(r, "ties", err)) ||
        (rc = ep_comparative_compute(w, &cp, r, &out->cmp, err)))
        return rc;
    if ((rc = ep_run_stage(r, "composition", err)) || (rc = composition(w, out, err)))
        ep_ego_free(out);
    return rc;
}
