/* ep_influence: the MEP influence scorecard (docs/tools-intel.md, assess_mep_influence):
 * six dimensions per MEP of the co-voting network (network centrality, bridge score, loyalty,
 * participation, pivotal votes, roles), their percentile ranks among the MEPs for whom each is
 * available, the weighted composite over the available dimensions and its competition rank.
 *
 * The figures are per-window and kept by the window cache (struct ep_win: val, pct, ok, peers,
 * composite, rank, all owned by the window and dropped with its graph). */
#ifndef EP_INFLUENCE_H
#define EP_INFLUENCE_H

#include "ep_error.h"
#include "ep_window.h"

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

#endif
