/* ep_influence: the MEP influence scorecard (docs/tools-intel.md, assess_mep_influence):
 * six dimensions per MEP of the co-voting network (network centrality, bridge score, loyalty,
 * participation, pivotal votes, roles), their percentile ranks among the MEPs for whom each is
 * available, the weighted composite over the available dimensions and its competition rank.
 *
 * The figures are per-window and kept by the window cache (struct ep_win: val, pct, ok, peers,
 * composite, rank, all owned by the window and dropped with its graph). */
#ifndef EP_INFLUENCE_H
#define EP_INFLUENCE_H

#include <stddef.h>
#include <stdint.h>

#include "ep_error.h"
#include "ep_run.h"
#include "ep_window.h"

/* Why the roles dimension is unavailable, on any store (not only the bundled data). */
#define EP_ROLES_REASON                                                                            \
    "the store holds no rapporteur or role records: its schema has no table for them, and "        \
    "neither HowTheyVote.eu nor the roll-call XML carry them"

/* Dimension names as the result prints them, and their nominal weights (sum 1). */
extern const char *const ep_influence_dim_name[EP_INFL_NDIM];
extern const double ep_influence_dim_weight[EP_INFL_NDIM];

/* Fill w's influence figures. Needs (the caller computes them first): the graph with
 * centralities (ep_win_need_graph, cent = 1), ep_win_need_mf and ep_win_need_piv. Percentile
 * of a value: 100 * (L + E/2) / n over the n MEPs with the dimension available (L lower, E
 * equal, the MEP included); composite = sum(w_d * pct_d) / sum(w_d) over the MEP's available
 * dimensions (-1 when none); rank = 1 + MEPs with a strictly higher composite.
 * 0 or EP_ENOMEM. */
int ep_influence_need(struct ep_win *w, struct ep_error *err);

#define EP_INFLUENCE_MIN_COMMON 10 /* common votes for an edge of the co-voting network */
#define EP_INFLUENCE_MAX_EXAMPLES 20

struct ep_influence_params {
    int mep; /* matrix index of the MEP in the window (ep_matrix_mep_index) */
};

/* One dimension of the MEP. */
struct ep_influence_dim {
    int available;
    double value, percentile; /* when available */
    double weight;            /* effective weight (nominal / sum of the available ones) */
    int peers;                /* MEPs of the window with the dimension available */
    int no_edges;   /* unavailable because the network has no edge weight (reason says so) */
    char reason[600]; /* why it is unavailable */
};

/* The scorecard of one MEP. Ownership: win is borrowed (the env's window cache: valid until
 * the next ep_env_window on that env); everything else is held inline (nothing to free, but
 * call ep_influence_free for symmetry). */
struct ep_influence {
    struct ep_win *win; /* borrowed: the window, its graph, names and per-MEP figures */
    int mep;            /* matrix index */
    int node;           /* node of the co-voting graph (win->g.node[node]) */
    struct ep_influence_dim dim[EP_INFL_NDIM];
    double weight_sum; /* nominal weights of the available dimensions */
    int n_dropped;     /* dimensions without data */
    double composite;  /* 0..100 */
    int rank, n;       /* competition rank among n MEPs (graph nodes) */
    /* pivotal-votes figures */
    int group_pivotal; /* votes on which the MEP's group was pivotal */
    int n_example;
    int64_t example_vote[EP_INFLUENCE_MAX_EXAMPLES]; /* pivotal votes of the MEP, first 20 */
};

/* The texts the assess_mep_influence result (tools/) and the MEP scorecard (report/) print: the
 * percentile's definition, the methodology's formula and limits (NULL-terminated). */
extern const char ep_influence_percentile_definition[];
extern const char ep_influence_formula[];
extern const char *const ep_influence_limits[];
/* The weights' note of o (how many dimensions were dropped, the sum the weights were divided by)
 * into t. */
void ep_influence_weights_note(const struct ep_influence *o, char *t, size_t n);

void ep_influence_init(struct ep_influence *out);
void ep_influence_free(struct ep_influence *out);

/* The scorecard of p->mep over window w: stages "vote and group statistics", "MEP
 * participation and loyalty", "pivotal votes", "co-voting network", "percentiles and
 * composite", "result" of run r. EP_EUNAVAIL when the MEP cast no vote in the window (no
 * graph node); EP_ECANCELED / EP_EUNAVAIL from the run; EP_ENOMEM, EP_EDB. */
int ep_influence_compute(struct ep_win *w, const struct ep_influence_params *p,
                         struct ep_run *r, struct ep_influence *out, struct ep_error *err);

#endif
