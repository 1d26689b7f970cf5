/* ep_influence: the MEP influence scorecard's figures. See ep_influence.h. */
#include "ep_influence.h"

#include <math.h>
#include <stdlib.h>

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

