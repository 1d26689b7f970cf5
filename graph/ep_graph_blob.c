/* ep_graph_blob: struct ep_graph <-> derived-result payload. See ep_graph_blob.h. */
#include "ep_graph_blob.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_model.h"

#define GRAPH_BLOB_MAX_NODES (1 << 20)

void ep_graph_blob_kind(const struct ep_graph_params *p, char *out, size_t n)
{
    snprintf(out, n, "graph|mc=%d|k=%d|thr=%.17g|algo=%d|res=%.17g|fs=%.17g|seed=%llu|eps=%.17g",
             p->min_common < 1 ? 1 : p->min_common, p->top_k, p->threshold, p->algo,
             p->resolution, p->faction_share, (unsigned long long)p->seed, p->eps_distance);
}

static int put_node(struct ep_buf *b, const struct ep_graph_node *nd)
{
    int32_t iv[6] = {nd->mep, nd->grp, nd->cast, nd->degree, nd->bridge_ok, nd->community};
    double dv[5] = {nd->strength, nd->eigen, nd->pagerank, nd->betweenness, nd->bridge};
    int rc = ep_blob_put(b, iv, sizeof iv);
    return rc ? rc : ep_blob_put(b, dv, sizeof dv);
}

int ep_graph_blob_write(const void *res, struct ep_buf *out)
{
    const struct ep_graph_blob *gb = res;
    const struct ep_graph *g = gb->g;
    if (!g || !g->have_graph || g->n_node > GRAPH_BLOB_MAX_NODES)
        return EP_EINVAL;
    int32_t hdr[17] = {gb->n_mep,         gb->n_grp,         g->n_node,
                       g->n_edge,         g->min_common,     g->top_k,
                       g->algo,           g->n_comm,         g->modularity_ok,
                       g->modularity_group_ok, g->backbone_edges, g->have_centralities,
                       g->thr_edges,      g->thr_components, g->thr_largest,
                       g->thr_components_nontrivial, g->n_faction};
    double dh[4] = {g->modularity, g->modularity_group, g->eps_distance, g->threshold};
    int rc = ep_blob_put(out, hdr, sizeof hdr);
    if (!rc)
        rc = ep_blob_put(out, dh, sizeof dh);
    for (int k = 0; k < g->n_node && !rc; k++)
        rc = put_node(out, &g->node[k]);
    if (rc)
        return rc;
    igraph_vector_int_t ev;
    if (igraph_vector_int_init(&ev, 0))
        return EP_ENOMEM;
    if (igraph_get_edgelist(&g->g, &ev, 0) || igraph_ecount(&g->g) != g->n_edge ||
        igraph_vector_size(&g->weight) != g->n_edge) {
        igraph_vector_int_destroy(&ev);
        return EP_EINTERNAL;
    }
    for (int e = 0; e < 2 * g->n_edge && !rc; e++)
        rc = ep_blob_put_i32(out, (int32_t)VECTOR(ev)[e]);
    igraph_vector_int_destroy(&ev);
    if (!rc)
        rc = ep_blob_put(out, VECTOR(g->weight), (size_t)g->n_edge * sizeof(double));
    if (!rc)
        rc = ep_blob_put(out, g->in_bb, (size_t)g->n_edge);
    for (int f = 0; f < g->n_faction && !rc; f++) {
        const struct ep_graph_faction *fa = &g->faction[f];
        int32_t iv[3] = {fa->grp, fa->community, fa->members};
        rc = ep_blob_put(out, iv, sizeof iv);
        if (!rc)
            rc = ep_blob_put_f64(out, fa->share);
    }
    return rc;
}

/* Nodes and the header's counts, checked against the matrix shape. */
static int read_nodes(struct ep_blob_reader *r, const struct ep_graph_blob *gb, struct ep_graph *g)
{
    g->node = calloc((size_t)(g->n_node > 0 ? g->n_node : 1), sizeof *g->node);
    if (!g->node)
        return EP_ENOMEM;
    for (int k = 0; k < g->n_node; k++) {
        struct ep_graph_node *nd = &g->node[k];
        int32_t iv[6];
        double dv[5];
        if (ep_blob_get(r, iv, sizeof iv) || ep_blob_get(r, dv, sizeof dv))
            return EP_EPARSE;
        *nd = (struct ep_graph_node){.mep = iv[0], .grp = iv[1], .cast = iv[2], .degree = iv[3],
                                     .bridge_ok = iv[4], .community = iv[5], .strength = dv[0],
                                     .eigen = dv[1], .pagerank = dv[2], .betweenness = dv[3],
                                     .bridge = dv[4]};
        if (nd->mep < 0 || nd->mep >= gb->n_mep ||
            !(nd->grp == EP_GRP_NONE || (nd->grp >= 0 && nd->grp < gb->n_grp)) ||
            nd->community < 0 || nd->community >= g->n_comm || nd->degree < 0 || nd->cast < 0)
            return EP_EPARSE;
    }
    return EP_OK;
}

static int read_edges(struct ep_blob_reader *r, struct ep_graph *g)
{
    igraph_vector_int_t ev;
    if (igraph_vector_int_init(&ev, 2 * (igraph_integer_t)g->n_edge))
        return EP_ENOMEM;
    int rc = EP_OK;
    for (int e = 0; e < 2 * g->n_edge && !rc; e++) {
        int32_t x = ep_blob_get_i32(r);
        if (r->bad || x < 0 || x >= g->n_node)
            rc = EP_EPARSE;
        VECTOR(ev)[e] = x;
    }
    if (!rc && igraph_vector_init(&g->weight, g->n_edge))
        rc = EP_ENOMEM;
    if (rc) {
        igraph_vector_int_destroy(&ev);
        return rc;
    }
    if (ep_blob_get(r, VECTOR(g->weight), (size_t)g->n_edge * sizeof(double)) ||
        igraph_create(&g->g, &ev, g->n_node, IGRAPH_UNDIRECTED)) {
        igraph_vector_destroy(&g->weight);
        igraph_vector_int_destroy(&ev);
        return EP_EPARSE;
    }
    igraph_vector_int_destroy(&ev);
    g->have_graph = 1;
    g->in_bb = malloc((size_t)(g->n_edge > 0 ? g->n_edge : 1));
    if (!g->in_bb)
        return EP_ENOMEM;
    return ep_blob_get(r, g->in_bb, (size_t)g->n_edge);
}

static int read_factions(struct ep_blob_reader *r, const struct ep_graph_blob *gb,
                         struct ep_graph *g)
{
    if (g->n_faction == 0)
        return EP_OK;
    g->faction = calloc((size_t)g->n_faction, sizeof *g->faction);
    if (!g->faction)
        return EP_ENOMEM;
    for (int f = 0; f < g->n_faction; f++) {
        int32_t iv[3];
        if (ep_blob_get(r, iv, sizeof iv))
            return EP_EPARSE;
        g->faction[f] = (struct ep_graph_faction){iv[0], iv[1], iv[2], ep_blob_get_f64(r)};
        if (iv[0] < 0 || iv[0] >= gb->n_grp || iv[1] < 0 || iv[1] >= g->n_comm || iv[2] < 0)
            return EP_EPARSE;
    }
    return EP_OK;
}

int ep_graph_blob_read(const unsigned char *p, size_t n, void *res)
{
    struct ep_graph_blob *gb = res;
    struct ep_graph *g = gb->g;
    memset(g, 0, sizeof *g);
    ep_graph_init();
    struct ep_blob_reader r;
    ep_blob_reader_init(&r, p, n);
    int32_t h[17];
    double dh[4];
    if (ep_blob_get(&r, h, sizeof h) || ep_blob_get(&r, dh, sizeof dh))
        return EP_EPARSE;
    long long max_edges = (long long)h[2] * ((long long)h[2] - 1) / 2;
    if (h[0] != gb->n_mep || h[1] != gb->n_grp || h[2] < 0 || h[2] > GRAPH_BLOB_MAX_NODES ||
        h[2] > gb->n_mep || h[3] < 0 || h[3] > max_edges || h[7] < 0 || h[7] > h[2] ||
        h[16] < 0 || h[16] > h[7] * (gb->n_grp > 0 ? gb->n_grp : 1))
        return EP_EPARSE;
    g->n_node = h[2];
    g->n_edge = h[3];
    g->min_common = h[4];
    g->top_k = h[5];
    g->algo = h[6];
    g->n_comm = h[7];
    g->modularity_ok = h[8];
    g->modularity_group_ok = h[9];
    g->backbone_edges = h[10];
    g->have_centralities = h[11];
    g->thr_edges = h[12];
    g->thr_components = h[13];
    g->thr_largest = h[14];
    g->thr_components_nontrivial = h[15];
    g->n_faction = h[16];
    g->modularity = dh[0];
    g->modularity_group = dh[1];
    g->eps_distance = dh[2];
    g->threshold = dh[3];
    int rc = read_nodes(&r, gb, g);
    if (!rc)
        rc = read_edges(&r, g);
    if (!rc)
        rc = read_factions(&r, gb, g);
    if (!rc)
        rc = ep_blob_reader_end(&r);
    if (rc)
        ep_graph_free(g);
    return rc;
}
