/* ep_network: the co-voting network product. See ep_network.h. */
#include "ep_network.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const ep_network_cent_name[EP_CENT_N] = {"eigenvector", "pagerank", "strength",
                                                     "betweenness", "bridge_score"};

void ep_network_init(struct ep_network *out)
{
    memset(out, 0, sizeof *out);
}

void ep_network_free(struct ep_network *out)
{
    free(out->comm);
    for (int c = 0; c < EP_CENT_N; c++)
        free(out->top[c]);
    free(out->bridge);
    ep_network_init(out);
}

double ep_network_cent(const struct ep_graph_node *nd, int c, int *ok)
{
    double x = 0;
    switch (c) {
    case EP_CENT_EIGEN: x = nd->eigen; break;
    case EP_CENT_PAGERANK: x = nd->pagerank; break;
    case EP_CENT_STRENGTH: x = nd->strength; break;
    case EP_CENT_BETWEEN: x = nd->betweenness; break;
    default:
        x = nd->bridge;
        if (!nd->bridge_ok)
            x = -1;
    }
    *ok = x >= 0 && isfinite(x);
    return x;
}

/* counts[0..EP_MATRIX_MAX_GROUPS] (the last = no group) as (group, nodes), largest first
 * (ties: lower group index first); returns the number of entries. */
static int by_size(const int *counts, int ng, struct ep_network_gcount *out)
{
    uint8_t done[EP_MATRIX_MAX_GROUPS + 1] = {0};
    int n = 0;
    for (;;) {
        int best = -1;
        for (int x = 0; x <= EP_MATRIX_MAX_GROUPS; x++)
            if (!done[x] && counts[x] > 0 && (best < 0 || counts[x] > counts[best]))
                best = x;
        if (best < 0)
            return n;
        done[best] = 1;
        out[n].grp = best < ng ? best : -1;
        out[n++].nodes = counts[best];
    }
}

static int communities(struct ep_network *o, struct ep_error *err)
{
    const struct ep_graph *g = &o->win->g;
    int ng = o->win->m->n_grp, nc = g->n_comm, n = g->n_node;
    int *cg = calloc((size_t)(nc > 0 ? nc : 1) * (EP_MATRIX_MAX_GROUPS + 1), sizeof *cg);
    o->comm = calloc((size_t)(nc > 0 ? nc : 1), sizeof *o->comm);
    if (!cg || !o->comm) {
        free(cg);
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    int per[EP_MATRIX_MAX_GROUPS + 1] = {0};
    for (int k = 0; k < n; k++) {
        int c = g->node[k].community,
            gg = g->node[k].grp < ng ? g->node[k].grp : EP_MATRIX_MAX_GROUPS;
        if (c >= 0 && c < nc)
            cg[(size_t)c * (EP_MATRIX_MAX_GROUPS + 1) + (size_t)gg]++;
        per[g->node[k].grp >= 0 && g->node[k].grp < ng ? g->node[k].grp
                                                         : EP_MATRIX_MAX_GROUPS]++;
    }
    for (int c = 0; o->weighted && c < nc; c++) {
        const int *row = cg + (size_t)c * (EP_MATRIX_MAX_GROUPS + 1);
        for (int x = 0; x <= EP_MATRIX_MAX_GROUPS; x++)
            o->comm[c].size += row[x];
        o->comm[c].n_groups = by_size(row, ng, o->comm[c].groups);
    }
    o->n_comm = o->weighted ? nc : 0;
    o->n_modal = by_size(per, ng, o->modal);
    free(cg);
    return 0;
}

static int cmp_top(const void *x, const void *y)
{
    const struct ep_network_top *a = x, *b = y;
    if (a->value != b->value)
        return a->value < b->value ? 1 : -1;
    return a->node - b->node;
}

/* The top MEPs per centrality: value desc (undefined last), ties by node index. */
static int tops(struct ep_network *o, int top, struct ep_error *err)
{
    const struct ep_graph *g = &o->win->g;
    int n = g->n_node;
    for (int c = 0; o->weighted && c < EP_CENT_N; c++) {
        struct ep_network_top *t = malloc((size_t)(n > 0 ? n : 1) * sizeof *t);
        if (!t)
            return ep_error_set(err, EP_ENOMEM, "out of memory");
        for (int k = 0; k < n; k++) {
            int ok;
            t[k].node = k;
            t[k].value = ep_network_cent(&g->node[k], c, &ok);
            if (!ok)
                t[k].value = -1;
        }
        qsort(t, (size_t)n, sizeof *t, cmp_top);
        int kept = 0;
        while (kept < n && kept < top && t[kept].value >= 0 && isfinite(t[kept].value))
            kept++;
        o->top[c] = t;
        o->n_top[c] = kept;
    }
    return 0;
}

/* Cross-group edges by modal group pair. */
static int bridges(struct ep_network *o, struct ep_error *err)
{
    const struct ep_graph *g = &o->win->g;
    int ng = o->win->m->n_grp;
    size_t gp = (size_t)EP_MATRIX_MAX_GROUPS * EP_MATRIX_MAX_GROUPS;
    int *ecnt = calloc(gp, sizeof *ecnt), *estr = calloc(gp, sizeof *estr);
    double *ew = calloc(gp, sizeof *ew);
    o->bridge = calloc(gp, sizeof *o->bridge);
    if (!ecnt || !estr || !ew || !o->bridge) {
        free(ecnt);
        free(estr);
        free(ew);
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    igraph_integer_t ne = g->have_graph ? igraph_ecount(&g->g) : 0;
    for (igraph_integer_t e = 0; e < ne; e++) {
        int a = g->node[IGRAPH_FROM(&g->g, e)].grp, b = g->node[IGRAPH_TO(&g->g, e)].grp;
        if (a >= ng || b >= ng || a == b)
            continue;
        if (a > b) {
            int t = a;
            a = b;
            b = t;
        }
        double wt = VECTOR(g->weight)[e];
        size_t c = (size_t)a * EP_MATRIX_MAX_GROUPS + (size_t)b;
        ecnt[c]++;
        ew[c] += wt;
        estr[c] += wt >= g->threshold;
    }
    for (int a = 0; a < ng; a++)
        for (int b = a + 1; b < ng; b++) {
            size_t c = (size_t)a * EP_MATRIX_MAX_GROUPS + (size_t)b;
            if (!ecnt[c])
                continue;
            struct ep_network_bridge *x = &o->bridge[o->n_bridge++];
            double mw = ew[c] / ecnt[c];
            x->a = a;
            x->b = b;
            x->edges = ecnt[c];
            x->mean_weight = mw < 0 ? 0 : (mw > 1 ? 1 : mw);
            x->strong_edges = estr[c];
        }
    free(ecnt);
    free(estr);
    free(ew);
    return 0;
}

int ep_network_compute(struct ep_win *w, const struct ep_network_params *p, struct ep_run *r,
                       struct ep_network *out, struct ep_error *err)
{
    ep_network_init(out);
    struct ep_graph_hooks h = ep_run_graph_hooks(r);
    int rc;
    if ((rc = ep_run_stage(r, "co-voting network (kernel, centralities, communities)", err)) ||
        (rc = ep_win_need_graph(w, p->min_common, p->algo, 1, &h, err)))
        return rc;
    if ((rc = ep_run_stage(r, "names and rankings", err)) || (rc = ep_win_need_names(w, err)))
        return rc;
    out->win = w;
    const struct ep_graph *g = &w->g;
    double t = 0;
    for (int k = 0; k < g->n_node; k++)
        t += g->node[k].strength;
    /* without edge weight there is no modularity, no community structure (Louvain would
     * return one singleton per MEP) and no centrality ranking (every strength 0, PageRank
     * uniform) */
    out->weighted = g->n_edge > 0 && t > 0;
    if (!out->weighted) {
        static const char *const measures[] = {"modularity", "communities",
                                               "top (centrality rankings)"};
        for (int k = 0; k < 3; k++)
            ep_run_no_edges(r, w, g, measures[k], out->no_edges_reason,
                            sizeof out->no_edges_reason);
    }
    if ((rc = communities(out, err)) || (rc = tops(out, p->top, err)) ||
        (rc = ep_run_stage(r, "bridges between groups", err)) || (rc = bridges(out, err))) {
        ep_network_free(out);
        return rc;
    }
    return 0;
}
