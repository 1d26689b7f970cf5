/* ep_graph: co-voting network, centralities, communities, factions. See ep_graph.h and
 * docs/methodology.md ("Co-voting network"). */
#include "ep_graph.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_model.h"

/* ---- igraph handlers -------------------------------------------------------------------- */

static char g_msg[512];                      /* last igraph error message */
static const struct ep_graph_hooks *g_hooks; /* hooks of the running call, or NULL */
static double g_lo, g_hi;                    /* overall % range of the running step */

static void on_error(const char *reason, const char *file, int line, igraph_error_t e)
{
    snprintf(g_msg, sizeof g_msg, "%s (%s:%d: %s)", reason ? reason : "?", file ? file : "?", line,
             igraph_strerror(e));
    igraph_error_handler_ignore(reason, file, line, e); /* frees igraph's temporaries */
}

static void on_warning(const char *reason, const char *file, int line)
{
    fprintf(stderr, "epintel: igraph warning: %s (%s:%d)\n", reason, file, line);
}

static int cancelled(void)
{
    return g_hooks && g_hooks->cancelled && *g_hooks->cancelled;
}

static igraph_error_t on_progress(const char *message, igraph_real_t percent, void *data)
{
    (void)data;
    if (g_hooks && g_hooks->progress && isfinite(percent))
        g_hooks->progress(g_hooks->ctx, g_lo + (g_hi - g_lo) * percent / 100.0,
                          message ? message : "");
    return cancelled() ? IGRAPH_INTERRUPTED : IGRAPH_SUCCESS;
}

static igraph_error_t on_interrupt(void *data)
{
    (void)data;
    return cancelled() ? IGRAPH_INTERRUPTED : IGRAPH_SUCCESS;
}

void ep_graph_init(void)
{
    igraph_set_error_handler(on_error);
    igraph_set_warning_handler(on_warning);
    igraph_set_progress_handler(on_progress);
    igraph_set_interruption_handler(on_interrupt);
}

static void step(double lo, double hi, const char *what)
{
    g_lo = lo;
    g_hi = hi;
    if (g_hooks && g_hooks->progress)
        g_hooks->progress(g_hooks->ctx, lo, what);
}

/* Map an igraph return code to an EP code with the recorded message. */
static int ig_fail(struct ep_error *err, igraph_error_t e, const char *what)
{
    if (e == IGRAPH_INTERRUPTED || cancelled())
        return ep_error_set(err, EP_ECANCELED, "network: cancelled during %s", what);
    if (e == IGRAPH_ENOMEM)
        return ep_error_set(err, EP_ENOMEM, "network: out of memory in %s", what);
    return ep_error_set(err, EP_EINTERNAL, "network: igraph failed in %s: %s", what,
                        g_msg[0] ? g_msg : igraph_strerror(e));
}

void ep_graph_params_default(struct ep_graph_params *p)
{
    p->min_common = 10;
    p->top_k = 20;
    p->threshold = 0.8;
    p->algo = EP_GRAPH_LOUVAIN;
    p->resolution = 1.0;
    p->faction_share = 0.10;
    p->seed = 42;
    p->eps_distance = 1e-6;
    p->centralities = 1;
}

void ep_graph_free(struct ep_graph *g)
{
    if (!g)
        return;
    if (g->have_graph) {
        igraph_destroy(&g->g);
        igraph_vector_destroy(&g->weight);
    }
    free(g->node);
    free(g->faction);
    free(g->in_bb);
    memset(g, 0, sizeof *g);
}

int ep_graph_modal_group(const struct ep_matrix *m, int i)
{
    int cnt[EP_MATRIX_MAX_GROUPS] = {0}, last[EP_MATRIX_MAX_GROUPS] = {0};
    for (int v = 0; v < m->n_vote; v++) {
        size_t c = (size_t)v * (size_t)m->n_mep + (size_t)i;
        int g = m->grp[c];
        if (m->pos[c] == EP_POS_NONE || g >= m->n_grp)
            continue;
        cnt[g]++;
        last[g] = v;
    }
    int best = EP_GRP_NONE;
    for (int g = 0; g < m->n_grp; g++)
        if (cnt[g] > 0 && (best == EP_GRP_NONE || cnt[g] > cnt[best] ||
                           (cnt[g] == cnt[best] && last[g] > last[best])))
            best = g;
    return best;
}

int ep_graph_modularity(const struct ep_graph *g, const int *membership, double resolution,
                        double *out, struct ep_error *err)
{
    if (!g || !g->have_graph || !membership)
        return ep_error_set(err, EP_EINVAL, "modularity: no graph");
    double total = 0;
    for (int e = 0; e < g->n_edge; e++)
        total += VECTOR(g->weight)[e];
    if (g->n_edge == 0 || !(total > 0))
        return ep_error_set(err, EP_EUNAVAIL, "modularity: the graph has no edge weight");
    igraph_vector_int_t mem;
    if (igraph_vector_int_init(&mem, g->n_node))
        return ep_error_set(err, EP_ENOMEM, "modularity: out of memory");
    for (int k = 0; k < g->n_node; k++) {
        if (membership[k] < 0) {
            igraph_vector_int_destroy(&mem);
            return ep_error_set(err, EP_EINVAL, "modularity: negative membership at %d", k);
        }
        VECTOR(mem)[k] = membership[k];
    }
    igraph_real_t q = 0;
    igraph_error_t e = igraph_modularity(&g->g, &mem, &g->weight, resolution, 0, &q);
    igraph_vector_int_destroy(&mem);
    if (e)
        return ig_fail(err, e, "modularity");
    if (!isfinite(q))
        return ep_error_set(err, EP_EUNAVAIL, "modularity: not finite");
    *out = q;
    return EP_OK;
}

/* ---- helpers ------------------------------------------------------------------------------ */

struct adj {
    int nb;   /* neighbour node */
    int edge; /* edge id */
    double w;
};

static int cmp_adj(const void *a, const void *b)
{
    const struct adj *x = a, *y = b;
    if (x->w != y->w)
        return x->w > y->w ? -1 : 1; /* strongest first */
    return (x->nb > y->nb) - (x->nb < y->nb);
}

/* Move the min(k, n) first entries of a[0..n) in cmp_adj order (a total order: neighbours are
 * distinct) to the front, sorted; the rest of the array is left unspecified. Same prefix as a
 * full sort, in O(n k) at worst instead of O(n log n) for the whole list. */
static void top_first(struct adj *a, int n, int k)
{
    int t = 0; /* a[0..t) holds the best so far, sorted */
    for (int j = 0; j < n; j++) {
        struct adj e = a[j];
        if (t == k && cmp_adj(&e, &a[t - 1]) >= 0)
            continue;
        int i = t < k ? t++ : t - 1; /* a free slot, or the slot of the dropped worst */
        while (i > 0 && cmp_adj(&e, &a[i - 1]) < 0) {
            a[i] = a[i - 1];
            i--;
        }
        a[i] = e;
    }
}

static int uf_find(int *parent, int x)
{
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

/* ---- centralities ----------------------------------------------------------------------- */

/* Eigenvector centrality and PageRank on the full graph, betweenness on the backbone (edges
 * flagged in g->in_bb, distance 1 - w, g->eps_distance for w = 1). Installs h for the call. */
static int centralities(struct ep_graph *g, const struct ep_graph_hooks *h, struct ep_error *err)
{
    const struct ep_graph_hooks *saved = g_hooks;
    g_hooks = h;
    int n = g->n_node, ne = g->n_edge, rc = EP_OK;
    igraph_vector_t vec, dist;
    igraph_vector_int_t ev, bev;
    int vinit = 0, dist_init = 0, ev_init = 0, bev_init = 0, bginit = 0;
    igraph_t bg;
    igraph_error_t e;
    if (cancelled()) {
        rc = ep_error_set(err, EP_ECANCELED, "network: cancelled");
        goto out;
    }
    if ((e = igraph_vector_init(&vec, n))) {
        rc = ig_fail(err, e, "centrality");
        goto out;
    }
    vinit = 1;
    if (ne > 0) {
        step(20, 35, "eigenvector centrality");
        igraph_arpack_options_t ao;
        igraph_arpack_options_init(&ao);
        igraph_real_t value;
        if ((e = igraph_eigenvector_centrality(&g->g, &vec, &value, 0, 1, &g->weight, &ao))) {
            rc = ig_fail(err, e, "eigenvector centrality");
            goto out;
        }
        for (int k = 0; k < n; k++)
            g->node[k].eigen = isfinite(VECTOR(vec)[k]) ? VECTOR(vec)[k] : EP_GRAPH_UNDEF;
    }
    step(35, 45, "PageRank");
    if (n > 0) {
        igraph_real_t value;
        if ((e = igraph_pagerank(&g->g, IGRAPH_PAGERANK_ALGO_PRPACK, &vec, &value, igraph_vss_all(),
                                 0, 0.85, ne > 0 ? &g->weight : NULL, NULL))) {
            rc = ig_fail(err, e, "PageRank");
            goto out;
        }
        for (int k = 0; k < n; k++)
            g->node[k].pagerank = isfinite(VECTOR(vec)[k]) ? VECTOR(vec)[k] : EP_GRAPH_UNDEF;
    }

    /* betweenness on the backbone, distance 1 − w (eps for w = 1) */
    step(45, 65, "betweenness (backbone)");
    int nbb = g->backbone_edges;
    if ((e = igraph_vector_int_init(&ev, 0)) == IGRAPH_SUCCESS) {
        ev_init = 1;
        e = igraph_get_edgelist(&g->g, &ev, 0);
    }
    if (e == IGRAPH_SUCCESS &&
        (e = igraph_vector_int_init(&bev, 2 * (igraph_integer_t)nbb)) == IGRAPH_SUCCESS)
        bev_init = 1;
    if (e == IGRAPH_SUCCESS && (e = igraph_vector_init(&dist, nbb)) == IGRAPH_SUCCESS)
        dist_init = 1;
    if (e) {
        rc = ig_fail(err, e, "backbone");
        goto out;
    }
    int j = 0;
    for (int k = 0; k < ne; k++) {
        if (!g->in_bb[k])
            continue;
        VECTOR(bev)[2 * j] = VECTOR(ev)[2 * k];
        VECTOR(bev)[2 * j + 1] = VECTOR(ev)[2 * k + 1];
        double d = 1.0 - VECTOR(g->weight)[k];
        VECTOR(dist)[j++] = d < g->eps_distance ? g->eps_distance : d;
    }
    if ((e = igraph_create(&bg, &bev, n, IGRAPH_UNDIRECTED))) {
        rc = ig_fail(err, e, "backbone");
        goto out;
    }
    bginit = 1;
    if ((e = igraph_betweenness(&bg, &vec, igraph_vss_all(), 0, &dist))) {
        rc = ig_fail(err, e, "betweenness");
        goto out;
    }
    for (int k = 0; k < n; k++)
        g->node[k].betweenness = isfinite(VECTOR(vec)[k]) ? VECTOR(vec)[k] : EP_GRAPH_UNDEF;
    g->have_centralities = 1;
out:
    if (vinit)
        igraph_vector_destroy(&vec);
    if (dist_init)
        igraph_vector_destroy(&dist);
    if (ev_init)
        igraph_vector_int_destroy(&ev);
    if (bev_init)
        igraph_vector_int_destroy(&bev);
    if (bginit)
        igraph_destroy(&bg);
    g_hooks = saved;
    return rc;
}

int ep_graph_centralities(struct ep_graph *g, const struct ep_graph_hooks *h, struct ep_error *err)
{
    if (!g || !g->have_graph)
        return ep_error_set(err, EP_EINVAL, "network: no graph");
    if (g->have_centralities)
        return EP_OK;
    ep_graph_init();
    g_msg[0] = 0;
    int rc = centralities(g, h, err);
    if (rc == EP_OK && h && h->progress)
        h->progress(h->ctx, 100, "done");
    return rc;
}

/* ---- build -------------------------------------------------------------------------------- */

/* The state of one ep_graph_build, shared by its steps. */
struct build {
    const struct ep_matrix *m;
    const uint32_t *same, *both;
    const struct ep_graph_params *p;
    struct ep_graph *out;
    int N, min_common;
    size_t ne;
    int *node_of;   /* [N] node index or -1 */
    int *tmp;       /* [n] scratch */
    int *adj_start; /* [n + 1] CSR */
    struct adj *adj;
    double total_w;
    igraph_vector_int_t ev; /* edge list in node indices */
    int ev_init;
};

/* Nodes: MEPs with >= 1 cast vote; modal group in one row-major pass over grp[]. */
static int build_nodes(struct build *b, struct ep_error *err)
{
    const struct ep_matrix *m = b->m;
    int N = b->N, rc = EP_OK;
    struct ep_graph *out = b->out;
    b->node_of = malloc((size_t)(N > 0 ? N : 1) * sizeof *b->node_of);
    int *castc = malloc((size_t)(N > 0 ? N : 1) * sizeof *castc);
    int *cnt = calloc((size_t)(N > 0 ? N : 1) * EP_MATRIX_MAX_GROUPS, sizeof *cnt);
    int *last = calloc((size_t)(N > 0 ? N : 1) * EP_MATRIX_MAX_GROUPS, sizeof *last);
    if (!b->node_of || !castc || !cnt || !last) {
        rc = ep_error_set(err, EP_ENOMEM, "network: out of memory");
        goto out;
    }
    for (int v = 0; v < m->n_vote; v++) {
        const uint8_t *pr = m->pos + (size_t)v * (size_t)N;
        const uint8_t *gr = m->grp + (size_t)v * (size_t)N;
        for (int i = 0; i < N; i++) {
            if (pr[i] == EP_POS_NONE || gr[i] >= m->n_grp)
                continue;
            cnt[(size_t)i * EP_MATRIX_MAX_GROUPS + gr[i]]++;
            last[(size_t)i * EP_MATRIX_MAX_GROUPS + gr[i]] = v;
        }
    }
    int n = 0;
    for (int i = 0; i < N; i++) {
        int c = 0;
        const uint64_t *f = m->plane[0] + (size_t)i * (size_t)m->n_words;
        const uint64_t *a = m->plane[1] + (size_t)i * (size_t)m->n_words;
        const uint64_t *bb = m->plane[2] + (size_t)i * (size_t)m->n_words;
        for (int w = 0; w < m->n_words; w++)
            c += __builtin_popcountll(f[w] | a[w] | bb[w]);
        castc[i] = c;
        b->node_of[i] = c > 0 ? n : -1;
        n += c > 0;
    }
    out->node = calloc((size_t)(n > 0 ? n : 1), sizeof *out->node);
    if (!out->node) {
        rc = ep_error_set(err, EP_ENOMEM, "network: out of memory");
        goto out;
    }
    out->n_node = n;
    for (int i = 0; i < N; i++) {
        int k = b->node_of[i];
        if (k < 0)
            continue;
        struct ep_graph_node *nd = &out->node[k];
        nd->mep = i;
        nd->cast = castc[i];
        nd->grp = EP_GRP_NONE;
        const int *ci = cnt + (size_t)i * EP_MATRIX_MAX_GROUPS;
        const int *li = last + (size_t)i * EP_MATRIX_MAX_GROUPS;
        for (int g = 0; g < m->n_grp; g++)
            if (ci[g] > 0 && (nd->grp == EP_GRP_NONE || ci[g] > ci[nd->grp] ||
                              (ci[g] == ci[nd->grp] && li[g] > li[nd->grp])))
                nd->grp = g;
        nd->bridge = nd->eigen = nd->pagerank = nd->betweenness = EP_GRAPH_UNDEF;
    }
out:
    free(castc);
    free(cnt);
    free(last);
    return rc;
}

/* Edges with >= min_common common votes, in (i, j) node order, and the igraph graph. */
static int build_edges(struct build *b, struct ep_error *err)
{
    int N = b->N, rc = EP_OK, winit = 0;
    const int *node_of = b->node_of;
    struct ep_graph *out = b->out;
    igraph_error_t e;
    /* count first, then fill: one allocation of the exact size */
    size_t ne = 0;
    for (int a = 0; a < N; a++) {
        if (node_of[a] < 0)
            continue;
        if ((a & 63) == 0 && cancelled())
            return ep_error_set(err, EP_ECANCELED, "network: cancelled while building edges");
        const uint32_t *brow = b->both + (size_t)a * (size_t)N;
        for (int j = a + 1; j < N; j++)
            ne += node_of[j] >= 0 && brow[j] >= (uint32_t)b->min_common;
    }
    int *ebuf = malloc((ne > 0 ? ne : 1) * 2 * sizeof *ebuf);
    if (!ebuf)
        return ep_error_set(err, EP_ENOMEM, "network: out of memory for edges");
    size_t k_e = 0;
    for (int a = 0; a < N; a++) {
        if (node_of[a] < 0)
            continue;
        const uint32_t *brow = b->both + (size_t)a * (size_t)N;
        for (int j = a + 1; j < N; j++) {
            if (node_of[j] < 0 || brow[j] < (uint32_t)b->min_common)
                continue;
            ebuf[2 * k_e] = a;
            ebuf[2 * k_e + 1] = j;
            k_e++;
        }
    }
    /* 2 * ne must fit igraph_integer_t and ne must fit int (n_edge): the smaller bound */
    const size_t max_edges = (size_t)IGRAPH_INTEGER_MAX / 2 < (size_t)INT_MAX
                                 ? (size_t)IGRAPH_INTEGER_MAX / 2
                                 : (size_t)INT_MAX;
    if (ne > max_edges) {
        rc = ep_error_set(err, EP_ELIMIT, "network: too many edges (%zu)", ne);
        goto out;
    }
    b->ne = ne;
    out->n_edge = (int)ne;
    if ((e = igraph_vector_int_init(&b->ev, (igraph_integer_t)(2 * ne)))) {
        rc = ig_fail(err, e, "edge list");
        goto out;
    }
    b->ev_init = 1;
    if ((e = igraph_vector_init(&out->weight, (igraph_integer_t)ne))) {
        rc = ig_fail(err, e, "weights");
        goto out;
    }
    winit = 1;
    for (size_t k = 0; k < ne; k++) {
        int a = ebuf[2 * k], j = ebuf[2 * k + 1];
        VECTOR(b->ev)[2 * k] = node_of[a];
        VECTOR(b->ev)[2 * k + 1] = node_of[j];
        size_t ab = (size_t)a * (size_t)N + (size_t)j;
        VECTOR(out->weight)[k] = (double)b->same[ab] / (double)b->both[ab];
    }
    if ((e = igraph_create(&out->g, &b->ev, out->n_node, IGRAPH_UNDIRECTED))) {
        rc = ig_fail(err, e, "graph creation");
        goto out;
    }
    out->have_graph = 1;
    winit = 0; /* now owned through out */
out:
    if (winit)
        igraph_vector_destroy(&out->weight);
    free(ebuf);
    return rc;
}

/* Adjacency (CSR), strength, degree; the backbone (union of each node's top-k edges) and the
 * bridge score. */
static int build_adjacency(struct build *b, struct ep_error *err)
{
    struct ep_graph *out = b->out;
    int n = out->n_node, top_k = b->p->top_k;
    size_t ne = b->ne;
    b->adj_start = calloc((size_t)n + 1, sizeof *b->adj_start);
    b->adj = calloc(2 * ne > 0 ? 2 * ne : 1, sizeof *b->adj);
    b->tmp = calloc((size_t)(n > 0 ? n : 1), sizeof *b->tmp);
    uint8_t *in_bb = calloc(ne > 0 ? ne : 1, 1);
    if (!b->adj_start || !b->adj || !b->tmp || !in_bb) {
        free(in_bb);
        return ep_error_set(err, EP_ENOMEM, "network: out of memory");
    }
    int *as = b->adj_start, *tmp = b->tmp;
    struct adj *adj = b->adj;
    for (size_t k = 0; k < ne; k++) {
        as[VECTOR(b->ev)[2 * k] + 1]++;
        as[VECTOR(b->ev)[2 * k + 1] + 1]++;
    }
    for (int k = 0; k < n; k++)
        as[k + 1] += as[k];
    for (size_t k = 0; k < ne; k++) {
        int a = (int)VECTOR(b->ev)[2 * k], j = (int)VECTOR(b->ev)[2 * k + 1];
        double w = VECTOR(out->weight)[k];
        adj[as[a] + tmp[a]++] = (struct adj){j, (int)k, w};
        adj[as[j] + tmp[j]++] = (struct adj){a, (int)k, w};
    }
    double total_w = 0;
    for (int k = 0; k < n; k++) {
        struct ep_graph_node *nd = &out->node[k];
        nd->degree = as[k + 1] - as[k];
        for (int j = as[k]; j < as[k + 1]; j++)
            nd->strength += adj[j].w;
        total_w += nd->strength;
        top_first(adj + as[k], nd->degree, top_k);
    }
    b->total_w = total_w / 2;
    for (int k = 0; k < n; k++) {
        struct ep_graph_node *nd = &out->node[k];
        int top = nd->degree < top_k ? nd->degree : top_k;
        double sum = 0, outside = 0;
        for (int j = as[k]; j < as[k] + top; j++) {
            in_bb[adj[j].edge] = 1;
            sum += adj[j].w;
            if (out->node[adj[j].nb].grp != nd->grp)
                outside += adj[j].w;
        }
        nd->bridge_ok = sum > 0;
        nd->bridge = sum > 0 ? outside / sum : EP_GRAPH_UNDEF;
    }
    for (size_t k = 0; k < ne; k++)
        out->backbone_edges += in_bb[k];
    out->eps_distance = b->p->eps_distance;
    out->in_bb = in_bb; /* owned by out */
    return EP_OK;
}

/* Membership of the community detection into mem. */
static int detect(struct build *b, igraph_vector_int_t *mem, struct ep_error *err)
{
    struct ep_graph *out = b->out;
    const struct ep_graph_params *p = b->p;
    int n = out->n_node;
    igraph_error_t e;
    igraph_rng_seed(igraph_rng_default(), (igraph_uint_t)p->seed);
    if (n > 0 && p->algo == EP_GRAPH_LOUVAIN) {
        e = igraph_community_multilevel(&out->g, &out->weight, p->resolution, mem, NULL, NULL);
    } else if (n > 0 && b->total_w > 0) {
        /* modularity objective: node weights = strengths, resolution γ/(2m) */
        igraph_vector_t nw;
        if ((e = igraph_vector_init(&nw, n)))
            return ig_fail(err, e, "Leiden");
        for (int k = 0; k < n; k++)
            VECTOR(nw)[k] = out->node[k].strength;
        igraph_integer_t nc = 0;
        igraph_real_t quality = 0;
        e = igraph_community_leiden(&out->g, &out->weight, &nw, p->resolution / (2 * b->total_w),
                                    0.01, 0, -1, mem, &nc, &quality);
        igraph_vector_destroy(&nw);
    } else {
        for (int k = 0; k < n; k++)
            VECTOR(*mem)[k] = k; /* no edge weight: singletons */
        e = IGRAPH_SUCCESS;
    }
    return e ? ig_fail(err, e, "community detection") : EP_OK;
}

/* Communities (relabelled by first appearance in node order) and the two modularities. */
static int build_communities(struct build *b, struct ep_error *err)
{
    struct ep_graph *out = b->out;
    const struct ep_graph_params *p = b->p;
    int n = out->n_node, *tmp = b->tmp, rc;
    igraph_vector_int_t mem;
    igraph_error_t e;
    if ((e = igraph_vector_int_init(&mem, n)))
        return ig_fail(err, e, "communities");
    rc = detect(b, &mem, err);
    for (int k = 0; !rc && k < n; k++)
        tmp[k] = -1;
    for (int k = 0; !rc && k < n; k++) {
        igraph_integer_t c = VECTOR(mem)[k];
        if (c < 0 || c >= n) {
            rc = ep_error_set(err, EP_EINTERNAL, "network: bad community id");
            break;
        }
        if (tmp[c] < 0)
            tmp[c] = out->n_comm++;
        out->node[k].community = tmp[c];
    }
    igraph_vector_int_destroy(&mem);
    if (rc)
        return rc;
    int *mem_grp = calloc((size_t)(n > 0 ? n : 1), sizeof *mem_grp);
    if (!mem_grp)
        return ep_error_set(err, EP_ENOMEM, "network: out of memory");
    if (b->total_w > 0) {
        for (int k = 0; k < n; k++)
            mem_grp[k] = out->node[k].community;
        if (ep_graph_modularity(out, mem_grp, p->resolution, &out->modularity, NULL) == EP_OK)
            out->modularity_ok = 1;
        for (int k = 0; k < n; k++) /* NONE is its own block */
            mem_grp[k] = out->node[k].grp == EP_GRP_NONE ? b->m->n_grp : out->node[k].grp;
        if (ep_graph_modularity(out, mem_grp, p->resolution, &out->modularity_group, NULL) == EP_OK)
            out->modularity_group_ok = 1;
        if (!out->modularity_ok)
            out->modularity = EP_GRAPH_UNDEF;
        if (!out->modularity_group_ok)
            out->modularity_group = EP_GRAPH_UNDEF;
    }
    free(mem_grp);
    return EP_OK;
}

/* Factions: communities holding >= faction_share of a group that spreads over >= 2. */
static int build_factions(struct build *b, struct ep_error *err)
{
    struct ep_graph *out = b->out;
    int n = out->n_node, *tmp = b->tmp;
    double share = b->p->faction_share;
    size_t cap_f = 0;
    for (int g = 0; g < b->m->n_grp; g++) {
        int size = 0;
        for (int c = 0; c < out->n_comm; c++)
            tmp[c] = 0;
        for (int k = 0; k < n; k++)
            if (out->node[k].grp == g) {
                size++;
                tmp[out->node[k].community]++;
            }
        if (size == 0)
            continue;
        int big = 0;
        for (int c = 0; c < out->n_comm; c++)
            big += tmp[c] > 0 && (double)tmp[c] >= share * size;
        if (big < 2)
            continue;
        for (int c = 0; c < out->n_comm; c++) {
            if (!(tmp[c] > 0 && (double)tmp[c] >= share * size))
                continue;
            if ((size_t)out->n_faction == cap_f) {
                cap_f = cap_f ? cap_f * 2 : 8;
                struct ep_graph_faction *nf = realloc(out->faction, cap_f * sizeof *out->faction);
                if (!nf)
                    return ep_error_set(err, EP_ENOMEM, "network: out of memory");
                out->faction = nf;
            }
            out->faction[out->n_faction++] =
                (struct ep_graph_faction){g, c, tmp[c], (double)tmp[c] / size};
        }
    }
    return EP_OK;
}

/* Threshold graph: union-find over edges with w >= threshold. */
static int build_threshold(struct build *b, struct ep_error *err)
{
    struct ep_graph *out = b->out;
    int n = out->n_node, *tmp = b->tmp;
    int *parent = malloc((size_t)(n > 0 ? n : 1) * sizeof *parent);
    if (!parent)
        return ep_error_set(err, EP_ENOMEM, "network: out of memory");
    for (int k = 0; k < n; k++) {
        parent[k] = k;
        tmp[k] = 0;
    }
    for (size_t k = 0; k < b->ne; k++) {
        if (!(VECTOR(out->weight)[k] >= b->p->threshold))
            continue;
        out->thr_edges++;
        int a = uf_find(parent, (int)VECTOR(b->ev)[2 * k]),
            j = uf_find(parent, (int)VECTOR(b->ev)[2 * k + 1]);
        if (a != j)
            parent[a < j ? j : a] = a < j ? a : j;
    }
    for (int k = 0; k < n; k++)
        tmp[uf_find(parent, k)]++;
    for (int k = 0; k < n; k++) {
        if (tmp[k] == 0)
            continue;
        out->thr_components++;
        out->thr_components_nontrivial += tmp[k] >= 2;
        if (tmp[k] > out->thr_largest)
            out->thr_largest = tmp[k];
    }
    free(parent);
    return EP_OK;
}

static int params_valid(const struct ep_graph_params *p)
{
    return p->top_k >= 1 && p->threshold >= 0 && p->threshold <= 1 && p->faction_share > 0 &&
           p->faction_share <= 1 && p->resolution > 0 && p->eps_distance > 0 &&
           p->eps_distance < 1 && (p->algo == EP_GRAPH_LOUVAIN || p->algo == EP_GRAPH_LEIDEN);
}

int ep_graph_build(const struct ep_matrix *m, const uint32_t *same, const uint32_t *both,
                   const struct ep_graph_params *p, const struct ep_graph_hooks *h,
                   struct ep_graph *out, struct ep_error *err)
{
    memset(out, 0, sizeof *out);
    struct ep_graph_params def;
    if (!p) {
        ep_graph_params_default(&def);
        p = &def;
    }
    if (!m || !same || !both || !params_valid(p))
        return ep_error_set(err, EP_EINVAL, "network: invalid parameters");
    ep_graph_init();
    g_hooks = h;
    g_msg[0] = 0;
    struct build b = {.m = m, .same = same, .both = both, .p = p, .out = out, .N = m->n_mep};
    b.min_common = p->min_common < 1 ? 1 : p->min_common;
    out->min_common = b.min_common;
    out->top_k = p->top_k;
    out->algo = p->algo;
    out->threshold = p->threshold;
    out->modularity = out->modularity_group = EP_GRAPH_UNDEF;
    step(0, 10, "nodes");
    int rc = build_nodes(&b, err);
    if (!rc) {
        step(10, 20, "edges");
        rc = build_edges(&b, err);
    }
    if (!rc)
        rc = build_adjacency(&b, err);
    if (!rc && p->centralities) {
        g_hooks = NULL; /* centralities() sets them itself */
        rc = centralities(out, h, err);
        g_hooks = h;
    }
    if (!rc) {
        step(65, 90, p->algo == EP_GRAPH_LEIDEN ? "Leiden communities" : "Louvain communities");
        rc = build_communities(&b, err);
    }
    if (!rc && cancelled())
        rc = ep_error_set(err, EP_ECANCELED, "network: cancelled");
    if (!rc) {
        step(90, 95, "factions");
        rc = build_factions(&b, err);
    }
    if (!rc) {
        step(95, 100, "threshold graph");
        rc = build_threshold(&b, err);
    }
    if (!rc && h && h->progress)
        h->progress(h->ctx, 100, "done");
    if (b.ev_init)
        igraph_vector_int_destroy(&b.ev);
    free(b.node_of);
    free(b.adj_start);
    free(b.adj);
    free(b.tmp);
    g_hooks = NULL;
    if (rc)
        ep_graph_free(out);
    return rc;
}
