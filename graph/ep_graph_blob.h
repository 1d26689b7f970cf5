/* ep_graph_blob: a built co-voting graph (struct ep_graph: nodes with their centralities and
 * communities, the weighted edge list, the backbone, modularities, factions, the threshold
 * graph) as a payload for the store's derived results (engine/ep_derived.h), and back.
 *
 * The graph read back is equal field by field to the one written (doubles bit for bit), and its
 * igraph_t is rebuilt from the same edge list in the same order, so edge ids, GraphML export and
 * a later ep_graph_centralities give what the original gives. */
#ifndef EP_GRAPH_BLOB_H
#define EP_GRAPH_BLOB_H

#include <stddef.h>

#include "ep_derived.h"
#include "ep_graph.h"

/* What ep_graph_blob_write/read take as `res`: the graph (borrowed; read fills it, and it must
 * then be freed with ep_graph_free) and the matrix shape it belongs to, which read checks every
 * node against (node.mep < n_mep, node.grp < n_grp or EP_GRP_NONE). */
struct ep_graph_blob {
    struct ep_graph *g;
    int n_mep, n_grp;
};

/* The derived-results kind of a graph built with p: "graph|" and every parameter that shapes
 * it except `centralities` (a stored graph says whether it has them). */
void ep_graph_blob_kind(const struct ep_graph_params *p, char *out, size_t n);

int ep_graph_blob_write(const void *res, struct ep_buf *out);          /* ep_derived_write_fn */
int ep_graph_blob_read(const unsigned char *p, size_t n, void *res); /* ep_derived_read_fn */

#endif
