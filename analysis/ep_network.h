/* ep_network: the co-voting network of a window as a product (docs/tools-intel.md,
 * map_political_network): the graph (graph/: nodes, edges, centralities, communities,
 * threshold graph, backbone), the community composition by modal group, nodes per modal group,
 * the top MEPs per centrality, and the bridges between groups (cross-group edges). */
#ifndef EP_NETWORK_H
#define EP_NETWORK_H

#include "ep_error.h"
#include "ep_matrix.h"
#include "ep_run.h"
#include "ep_window.h"

enum { EP_CENT_EIGEN, EP_CENT_PAGERANK, EP_CENT_STRENGTH, EP_CENT_BETWEEN, EP_CENT_BRIDGE,
       EP_CENT_N };

/* Centrality names as the result prints them. */
extern const char *const ep_network_cent_name[EP_CENT_N];

struct ep_network_params {
    int min_common; /* common votes for an edge (default 10) */
    int algo;       /* EP_GRAPH_LOUVAIN or EP_GRAPH_LEIDEN */
    int top;        /* MEPs listed per centrality */
};

/* A group and a count of nodes; grp = -1 for nodes without a group. */
struct ep_network_gcount {
    int grp, nodes;
};

struct ep_network_comm {
    int size, n_groups;
    struct ep_network_gcount groups[EP_MATRIX_MAX_GROUPS + 1]; /* largest first */
};

struct ep_network_top {
    int node;
    double value;
};

struct ep_network_bridge {
    int a, b, edges, strong_edges; /* group indices a < b */
    double mean_weight;            /* clamped to 0..1 */
};

/* Ownership: win is borrowed (the env's window cache; the graph is win->g with centralities);
 * comm, top[] and bridge are owned (ep_network_free). */
struct ep_network {
    struct ep_win *win;
    int weighted;          /* the network has edges with a positive total weight */
    char no_edges_reason[400]; /* when !weighted: why communities, modularity, top are missing */
    int n_comm;            /* communities (when weighted) */
    struct ep_network_comm *comm;
    int n_modal;           /* nodes per modal group, largest first */
    struct ep_network_gcount modal[EP_MATRIX_MAX_GROUPS + 1];
    int n_top[EP_CENT_N];  /* top MEPs per centrality (when weighted) */
    struct ep_network_top *top[EP_CENT_N];
    int n_bridge;
    struct ep_network_bridge *bridge;
};

void ep_network_init(struct ep_network *out);
void ep_network_free(struct ep_network *out);

/* Value of centrality c of a node; *ok = 0 when undefined (negative or not finite). */
double ep_network_cent(const struct ep_graph_node *nd, int c, int *ok);

/* The network of window w: stages "co-voting network (kernel, centralities, communities)",
 * "names and rankings", "bridges between groups" of run r. */
int ep_network_compute(struct ep_win *w, const struct ep_network_params *p, struct ep_run *r,
                       struct ep_network *out, struct ep_error *err);

#endif
