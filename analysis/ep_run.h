/* ep_run: one computation of a product, in stages: progress, cancellation and the deadline
 * are checked between stages, and the measures the window is too short for are collected
 * (docs/methodology.md, "Minimums") for the result's window_too_short block.
 *
 * The caller (a tool, the CLI) fills the hooks; every member may be 0/NULL. A run is plain
 * data on the caller's stack: nothing to free. */
#ifndef EP_RUN_H
#define EP_RUN_H

#include "ep_error.h"
#include "ep_graph.h"

struct ep_win;

#define EP_RUN_MAX_SHORT 48

/* A measure the window is too short for: it has `have` units where it needs `minimum`. */
struct ep_run_short {
    char measure[80];
    const char *unit; /* static text: "votes", "sittings", ... */
    long have, minimum;
};

struct ep_run {
    const char *tool; /* names the computation in messages (the tool's name) */
    int k, n;         /* stages done, stages in all */
    void (*progress)(void *pctx, double done, double total, const char *message);
    void *pctx;
    volatile int *cancelled; /* non-zero = stop at the next stage (EP_ECANCELED) */
    double deadline;         /* ep_now() time after which the next stage fails, 0 = none */
    int n_short;
    struct ep_run_short shortm[EP_RUN_MAX_SHORT];
};

/* Enter the next stage `what`: EP_ECANCELED when cancelled, EP_EUNAVAIL naming the deadline
 * when it passed, else reports progress (k of n) and returns 0. */
int ep_run_stage(struct ep_run *r, const char *what, struct ep_error *err);

/* Record a measure the window is too short for (ignored past EP_RUN_MAX_SHORT). */
void ep_run_too_short(struct ep_run *r, const char *unit, long have, long minimum,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* graph/ hooks that report igraph's progress inside the current stage and poll cancellation. */
struct ep_graph_hooks ep_run_graph_hooks(struct ep_run *r);

/* Why a measure that needs the co-voting network's edge weight (communities, modularity,
 * centralities, factions) is unavailable on w's graph g, into why[n]; when the window has fewer
 * votes than an edge needs, the measure joins the run's too-short list. */
void ep_run_no_edges(struct ep_run *r, const struct ep_win *w, const struct ep_graph *g,
                     const char *measure, char *why, size_t n);

#endif
