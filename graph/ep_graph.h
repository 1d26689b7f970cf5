/* ep_graph: the co-voting network of a vote-matrix window (igraph 0.10).
 *
 * Nodes are the MEPs with at least one cast vote in the window; an edge joins two MEPs who both
 * cast at least min_common common votes, weighted w = same/both (docs/methodology.md). On it:
 * strength, degree, eigenvector centrality, PageRank, betweenness on a top-k backbone, bridge
 * score, Louvain or Leiden communities, modularity of the detected and of the by-group
 * partition, factions (communities that split a group) and the w >= threshold graph.
 *
 * Ownership: ep_graph_build/ep_graph_compute fill a caller-provided struct ep_graph that then
 * owns everything in it, including the igraph_t (kept for GraphML export by report/); free with
 * ep_graph_free (safe on a zeroed struct and twice). The matrix and agreement arrays are
 * borrowed for the call only.
 *
 * igraph: ep_graph_init() installs a non-aborting error handler that records igraph's message
 * (returned in struct ep_error), a warning handler that prints to stderr, and progress and
 * interruption handlers that forward to the hooks of the running call. igraph is not
 * thread-safe here: call from one thread (or under one lock). */
#ifndef EP_GRAPH_H
#define EP_GRAPH_H

#include "ep_igraph.h"
#include <stdint.h>

#include "ep_error.h"
#include "ep_matrix.h"

#define EP_GRAPH_UNDEF (-1.0)

/* Caller hooks. progress(ctx, pct 0..100, what) is called between steps and from igraph's
 * progress reports; when *cancelled becomes non-zero the computation stops at the next check
 * and returns EP_ECANCELED. Any member may be NULL. */
struct ep_graph_hooks {
    void (*progress)(void *ctx, double pct, const char *what);
    volatile int *cancelled;
    void *ctx;
};

enum ep_graph_algo { EP_GRAPH_LOUVAIN = 0, EP_GRAPH_LEIDEN = 1 };

struct ep_graph_params {
    int min_common;       /* edge needs >= this many common cast votes; default 10 (min 1) */
    int top_k;            /* backbone and bridge: each MEP's k strongest edges; default 20 */
    double threshold;     /* threshold graph keeps w >= this; default 0.8 */
    int algo;             /* enum ep_graph_algo; default Louvain */
    double resolution;    /* modularity resolution; default 1 */
    double faction_share; /* a community holds >= this share of a group; default 0.10 */
    uint64_t seed;        /* igraph RNG seed; default 42 */
    double eps_distance;  /* distance used for w = 1 edges in betweenness; default 1e-6 */
    int centralities;     /* 1 (default): build computes eigenvector, PageRank and betweenness;
                           * 0: they stay EP_GRAPH_UNDEF until ep_graph_centralities */
};
void ep_graph_params_default(struct ep_graph_params *p);

struct ep_graph_node {
    int mep;            /* index into the matrix */
    int grp;            /* modal group index, or EP_GRP_NONE when the MEP had no group */
    int cast;           /* votes cast in the window */
    int degree;         /* edges in the full graph */
    double strength;    /* Σ w over the MEP's edges (= weighted degree) */
    double eigen;       /* weighted eigenvector centrality, scaled to max 1 */
    double pagerank;    /* weighted PageRank, damping 0.85, sums to 1 */
    double betweenness; /* on the backbone, distances 1 − w, undirected (pairs counted once) */
    int bridge_ok;
    double bridge; /* share of the MEP's top-k edge weight going to other modal groups */
    int community; /* detected community index 0..n_comm-1 */
};

struct ep_graph_faction {
    int grp, community;
    int members;  /* members of grp in the community */
    double share; /* members / group's nodes */
};

struct ep_graph {
    igraph_t g;             /* vertex k = node[k]; undirected, no self-loops; owned */
    igraph_vector_t weight; /* [n_edge] w per igraph edge id; owned */
    int have_graph;
    int n_node, n_edge;
    struct ep_graph_node *node; /* [n_node], owned */
    int min_common, top_k;
    int algo;
    int n_comm;
    int modularity_ok;       /* 0 when the graph has no edge weight */
    double modularity;       /* of the detected partition */
    int modularity_group_ok; /* 0 when the graph has no edges */
    double modularity_group; /* of the partition by modal group */
    int backbone_edges;      /* edges in the top-k backbone used for betweenness */
    uint8_t *in_bb;          /* [n_edge] 1 = edge in the backbone; owned */
    double eps_distance;
    int have_centralities; /* eigen, pagerank and betweenness are filled */
    double threshold;
    int thr_edges, thr_components, thr_largest; /* components count isolated nodes too */
    int thr_components_nontrivial;              /* components with >= 2 nodes */
    int n_faction;
    struct ep_graph_faction *faction; /* [n_faction], owned */
};

/* Install the igraph handlers (idempotent; build/compute call it too). */
void ep_graph_init(void);

/* Build and analyse the graph from agreement arrays (as ep_kernel_agree fills them:
 * same/both n_mep x n_mep, symmetric). */
int ep_graph_build(const struct ep_matrix *m, const uint32_t *same, const uint32_t *both,
                   const struct ep_graph_params *p, const struct ep_graph_hooks *h,
                   struct ep_graph *out, struct ep_error *err);
/* Same, computing the agreement arrays with ep_kernel_agree (nthreads <= 0: all CPUs). */
int ep_graph_compute(const struct ep_matrix *m, const struct ep_graph_params *p,
                     const struct ep_graph_hooks *h, int nthreads, struct ep_graph *out,
                     struct ep_error *err);
void ep_graph_free(struct ep_graph *g);

/* Fill eigen, pagerank and betweenness of a graph built with params.centralities = 0 (no-op
 * when they are there already). The values equal those of a build with centralities = 1: the
 * community detection runs on its own seeded RNG before and is not affected. */
int ep_graph_centralities(struct ep_graph *g, const struct ep_graph_hooks *h, struct ep_error *err);

/* Modal group of MEP i over the window: the group held on most of the votes where the MEP was
 * an MEP; ties go to the group held on the later vote. EP_GRP_NONE when none. */
int ep_graph_modal_group(const struct ep_matrix *m, int i);

/* Weighted modularity (resolution r, undirected) of a membership on the built graph;
 * membership[k] for node k, values >= 0. EP_EUNAVAIL when the graph has no edges. */
int ep_graph_modularity(const struct ep_graph *g, const int *membership, double resolution,
                        double *out, struct ep_error *err);

#endif
