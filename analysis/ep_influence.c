/* ep_influence: the MEP influence scorecard's figures. See ep_influence.h. */
#include "ep_influence.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_model.h"

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Percentile rank of x among sorted[0..n-1] (which contains x): 100 * (L + E/2) / n with L the
 * values strictly lower and E the values equal (the MEP included). */
static double pct_rank(const double *sorted, int n, double x)
{
    int lo = 0, hi = n;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (sorted[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    int L = lo;
    hi = n;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (sorted[mid] <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    int E = lo - L;
    return n > 0 ? 100.0 * (L + 0.5 * E) / n : 0;
}

const char *const ep_influence_dim_name[EP_INFL_NDIM] = {"network_centrality", "bridge_score",  "loyalty",
                                            "participation",      "pivotal_votes", "roles"};
const double ep_influence_dim_weight[EP_INFL_NDIM] = {0.25, 0.15, 0.15, 0.15, 0.20, 0.10};

const char ep_influence_percentile_definition[] =
    "percentile = 100 * (peers with a strictly lower value + half of the peers with an equal "
    "value, the MEP included) / peers; peers = MEPs with at least one cast vote in the window for "
    "whom the dimension is defined";
const char ep_influence_formula[] =
    "composite = sum_d w_d * percentile_d / sum_d w_d over available dimensions d; rank = 1 + "
    "number of MEPs with a strictly higher composite";
const char *const ep_influence_limits[] = {
    "roles and rapporteurships: " EP_ROLES_REASON,
    "pivotality uses a simple majority of FOR vs AGAINST; qualified majorities are ignored",
    "percentiles are relative to the MEPs of the same window", NULL};

void ep_influence_weights_note(const struct ep_influence *o, char *t, size_t n)
{
    size_t dropped = 0;
    for (int d = 0; d < EP_INFL_NDIM; d++)
        dropped += !o->dim[d].available;
    snprintf(t, n,
             dropped ? "%zu dimension(s) without data dropped; the remaining weights were "
                       "divided by their sum %.2f so that they add up to 1"
                     : "all dimensions available; nominal weights used (%zu dropped, sum %.2f)",
             dropped, o->weight_sum);
}

int ep_influence_need(struct ep_win *w, struct ep_error *err)
{
    if (w->have_infl)
        return 0;
    const struct ep_graph *g = &w->g;
    int n = g->n_node;
    size_t n1 = (size_t)(n > 0 ? n : 1);
    double *tmp = malloc(n1 * sizeof *tmp);
    w->composite = calloc(n1, sizeof *w->composite);
    w->rank = calloc(n1, sizeof *w->rank);
    int bad = !tmp || !w->composite || !w->rank;
    for (int d = 0; d < EP_INFL_NDIM && !bad; d++) {
        w->val[d] = calloc(n1, sizeof(double));
        w->pct[d] = calloc(n1, sizeof(double));
        w->ok[d] = calloc(n1, 1);
        bad = !w->val[d] || !w->pct[d] || !w->ok[d];
    }
    if (bad) {
        free(tmp);
        ep_win_free_influence(w); /* the partial arrays */
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    for (int k = 0; k < n; k++) {
        const struct ep_graph_node *nd = &g->node[k];
        int i = nd->mep;
        w->ok[EP_INFL_CENT][k] = g->n_edge > 0 && nd->eigen >= 0 && isfinite(nd->eigen);
        w->val[EP_INFL_CENT][k] = nd->eigen;
        w->ok[EP_INFL_BRIDGE][k] = nd->bridge_ok && nd->bridge >= 0 && isfinite(nd->bridge);
        w->val[EP_INFL_BRIDGE][k] = nd->bridge;
        w->ok[EP_INFL_LOYAL][k] = w->mf[i].loy_ok;
        w->val[EP_INFL_LOYAL][k] = w->mf[i].loyalty;
        w->ok[EP_INFL_PART][k] = w->mf[i].part_ok;
        w->val[EP_INFL_PART][k] = w->mf[i].participation;
        w->ok[EP_INFL_PIVOT][k] = w->decided > 0;
        w->val[EP_INFL_PIVOT][k] = w->mep_piv[i];
        w->ok[EP_INFL_ROLES][k] = 0;
    }
    for (int d = 0; d < EP_INFL_NDIM; d++) {
        int c = 0;
        for (int k = 0; k < n; k++)
            if (w->ok[d][k])
                tmp[c++] = w->val[d][k];
        qsort(tmp, (size_t)c, sizeof *tmp, cmp_dbl);
        w->peers[d] = c;
        for (int k = 0; k < n; k++)
            w->pct[d][k] = w->ok[d][k] ? pct_rank(tmp, c, w->val[d][k]) : 0;
    }
    for (int k = 0; k < n; k++) {
        double s = 0, ws = 0;
        for (int d = 0; d < EP_INFL_NDIM; d++)
            if (w->ok[d][k]) {
                s += ep_influence_dim_weight[d] * w->pct[d][k];
                ws += ep_influence_dim_weight[d];
            }
        w->composite[k] = ws > 0 ? s / ws : -1;
    }
    for (int k = 0; k < n; k++)
        tmp[k] = w->composite[k];
    qsort(tmp, n1 > (size_t)n ? 0 : (size_t)n, sizeof *tmp, cmp_dbl);
    for (int k = 0; k < n; k++) {
        /* competition rank: 1 + number of MEPs with a strictly higher composite */
        int lo = 0, hi = n;
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (tmp[mid] <= w->composite[k])
                lo = mid + 1;
            else
                hi = mid;
        }
        w->rank[k] = 1 + (n - lo);
    }
    free(tmp);
    w->have_infl = 1;
    return 0;
}


void ep_influence_init(struct ep_influence *out)
{
    memset(out, 0, sizeof *out);
    out->mep = out->node = -1;
}

void ep_influence_free(struct ep_influence *out)
{
    ep_influence_init(out);
}

/* 1 when the co-voting network has edges with a positive total weight. */
static int graph_weighted(const struct ep_graph *g)
{
    double t = 0;
    for (int k = 0; k < g->n_node; k++)
        t += g->node[k].strength;
    return g->n_edge > 0 && t > 0;
}

/* Why dimension d is unavailable for MEP i. */
static void dim_reason(struct ep_influence *o, struct ep_run *r, int d)
{
    struct ep_win *w = o->win;
    struct ep_influence_dim *x = &o->dim[d];
    int i = o->mep;
    if ((d == EP_INFL_CENT || d == EP_INFL_BRIDGE) && !graph_weighted(&w->g)) {
        x->no_edges = 1;
        ep_run_no_edges(r, w, &w->g, ep_influence_dim_name[d], x->reason, sizeof x->reason);
        return;
    }
    const char *why = "not available";
    switch (d) {
    case EP_INFL_CENT:
        why = "the co-voting network has no edge at this MEP (fewer than 10 common votes "
              "with every other MEP)";
        break;
    case EP_INFL_BRIDGE: why = "the MEP has no edge weight in the co-voting network"; break;
    case EP_INFL_LOYAL:
        snprintf(x->reason, sizeof x->reason,
                 "no cast vote on which the MEP's group had a non-tie position (%d cast)",
                 w->mf[i].cast);
        return;
    case EP_INFL_PART:
        if (w->mf[i].dnv_unk) {
            ep_dnv_reason(x->reason, sizeof x->reason, w->mf[i].dnv_unk, w->m->n_vote);
            return;
        }
        why = "no eligible vote";
        break;
    case EP_INFL_PIVOT: why = "no decided vote (FOR != AGAINST) in the window"; break;
    case EP_INFL_ROLES: why = EP_ROLES_REASON; break;
    }
    snprintf(x->reason, sizeof x->reason, "%s", why);
}

/* The MEP's group-pivotal votes and the first pivotal votes of their own. */
static void pivot_figures(struct ep_influence *o)
{
    const struct ep_win *w = o->win;
    const struct ep_matrix *m = w->m;
    int ng = m->n_grp, nm = m->n_mep, i = o->mep;
    for (int v = 0; v < m->n_vote; v++) {
        int g = m->grp[(size_t)v * (size_t)nm + (size_t)i];
        if (g >= ng || !w->gpiv[(size_t)v * (size_t)ng + (size_t)g])
            continue;
        o->group_pivotal++;
        int win = w->F[v] > w->A[v] ? EP_POS_FOR : EP_POS_AGAINST;
        if (m->pos[(size_t)v * (size_t)nm + (size_t)i] == win &&
            o->n_example < EP_INFLUENCE_MAX_EXAMPLES)
            o->example_vote[o->n_example++] = m->vote_id[v];
    }
}

int ep_influence_compute(struct ep_win *w, const struct ep_influence_params *p,
                         struct ep_run *r, struct ep_influence *out, struct ep_error *err)
{
    ep_influence_init(out);
    int rc, i = p->mep;
    struct ep_graph_hooks h = ep_run_graph_hooks(r);
    if ((rc = ep_run_stage(r, "vote and group statistics", err)) || (rc = ep_win_need_vs(w, err)))
        return rc;
    if ((rc = ep_run_stage(r, "MEP participation and loyalty", err)) ||
        (rc = ep_win_need_mf(w, err)))
        return rc;
    if ((rc = ep_run_stage(r, "pivotal votes", err)) || (rc = ep_win_need_piv(w, err)))
        return rc;
    if ((rc = ep_run_stage(r, "co-voting network", err)) ||
        (rc = ep_win_need_graph(w, EP_INFLUENCE_MIN_COMMON, EP_GRAPH_LOUVAIN, 1, &h, err)))
        return rc;
    if ((rc = ep_run_stage(r, "percentiles and composite", err)) ||
        (rc = ep_influence_need(w, err)) || (rc = ep_win_need_names(w, err)))
        return rc;
    if ((rc = ep_run_stage(r, "result", err)))
        return rc;
    int k = w->node_of[i];
    if (k < 0)
        return ep_error_set(err, EP_EUNAVAIL,
                            "MEP %lld (%s) cast no vote in the window (%d eligible votes): no "
                            "influence scorecard; choose a window in which they voted",
                            (long long)w->m->mep_id[i], w->name[i], w->mf[i].eligible);
    out->win = w;
    out->mep = i;
    out->node = k;
    for (int d = 0; d < EP_INFL_NDIM; d++)
        if (w->ok[d][k])
            out->weight_sum += ep_influence_dim_weight[d];
    for (int d = 0; d < EP_INFL_NDIM; d++) {
        struct ep_influence_dim *x = &out->dim[d];
        x->peers = w->peers[d];
        if (!w->ok[d][k]) {
            out->n_dropped++;
            dim_reason(out, r, d);
            continue;
        }
        x->available = 1;
        x->value = w->val[d][k];
        x->percentile = w->pct[d][k];
        x->weight = ep_influence_dim_weight[d] / out->weight_sum;
    }
    out->composite = w->composite[k];
    out->rank = w->rank[k];
    out->n = w->g.n_node;
    pivot_figures(out);
    return 0;
}
