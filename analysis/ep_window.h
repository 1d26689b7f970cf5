/* ep_window: the analysis window cache shared by every product.
 *
 * A window (engine's struct ep_window: from, to, term, sittings) is loaded once into a vote
 * matrix and kept, with every per-window figure a product has asked for (per-vote group
 * figures, group cohesion, fragmentation, period series, trends, the co-voting graph, MEP
 * names, per-MEP participation and loyalty, pivotal votes, per-sitting defection series,
 * influence dimensions), in a struct ep_win. The cache holds the last EP_WIN_CACHE windows,
 * keyed by the window and the store's content marker (an ingest invalidates them), and is
 * owned by a struct ep_env (analysis/ep_env.h): no process-global state.
 *
 * Ownership: a struct ep_win and everything it holds belong to the cache. A pointer obtained
 * from ep_wincache_get (and every array in it) is borrowed: valid until the next
 * ep_wincache_get on the same cache (which may evict it), ep_wincache_clear or
 * ep_wincache_free. The ep_win_need_* functions fill the entry's lazily computed figures and
 * keep them with it. Not thread-safe: callers serialize (the MCP core's execution lock). */
#ifndef EP_WINDOW_H
#define EP_WINDOW_H

#include <stddef.h>
#include <stdint.h>

#include "ep_error.h"
#include "ep_graph.h"
#include "ep_matrix.h"
#include "ep_stats.h"
#include "ep_stats_blob.h"
#include "ep_store.h"

#define EP_WIN_CACHE 3

/* Per-MEP participation and loyalty over the whole window (ep_stats_mep_compute): struct
 * ep_stats_mepfig, defined in stats/ep_stats_blob.h, which persists it; this name is kept for
 * the products that use it. */
#define ep_mepfig ep_stats_mepfig

/* The influence dimensions, in the order of the scorecard (analysis/ep_influence.h). */
enum { EP_INFL_CENT, EP_INFL_BRIDGE, EP_INFL_LOYAL, EP_INFL_PART, EP_INFL_PIVOT, EP_INFL_ROLES,
       EP_INFL_NDIM };

struct ep_win {
    int used;
    char key[2600];
    unsigned long tick;
    struct ep_store *store; /* borrowed */
    char dwin[2600];        /* the window's key for derived results (engine/ep_derived.h) */
    struct ep_matrix mat;   /* the window's votes (owned) */
    const struct ep_matrix *m; /* = &mat */
    int n_active;   /* MEPs with at least one cast vote */
    int n_sittings; /* distinct vote days */

    int have_vs;
    struct ep_stats_votes vs;
    int have_gs;
    struct ep_stats_groups gs;
    int have_frag;
    struct ep_stats_frag frag;
    int have_per[2];
    struct ep_stats_periods per[2];
    int have_tr[2];
    struct ep_stats_trends tr[2];

    int have_graph, graph_min_common;
    struct ep_graph g;
    int *node_of; /* [n_mep] node index in g or -1 */

    int have_names;
    char **name;        /* [n_name] "First Last" */
    int n_name;
    char (*country)[8]; /* [n_mep] "" when unknown */

    int have_mf;
    struct ep_stats_mepfig *mf; /* [n_mep] */

    int have_piv;
    int decided;         /* votes with FOR != AGAINST */
    int32_t *F, *A, *Ab; /* [n_vote] totals */
    uint8_t *gpiv;       /* [n_vote*n_grp] group g pivotal on v */
    int32_t *mep_piv;    /* [n_mep] */
    int32_t *grp_piv;    /* [EP_MATRIX_MAX_GROUPS] */

    int have_palpha; /* Krippendorff's alpha of the whole Parliament */
    struct ep_stats_palpha palpha;

    int have_mser;    /* per-sitting defection series of every MEP */
    double *mser_x;   /* [n_mep * n_sitting] */
    uint8_t *mser_ok; /* [n_mep * n_sitting] */

    /* influence dimensions of the graph's nodes (ep_influence_need; dropped with the graph) */
    int have_infl;
    double *val[EP_INFL_NDIM], *pct[EP_INFL_NDIM]; /* [n_node] */
    uint8_t *ok[EP_INFL_NDIM];
    int peers[EP_INFL_NDIM];
    double *composite; /* [n_node], -1 when no dimension is available */
    int *rank;         /* [n_node] */
};

struct ep_wincache {
    struct ep_win *e[EP_WIN_CACHE]; /* owned, NULL until used */
    unsigned long tick;
};

void ep_wincache_init(struct ep_wincache *c);
/* Drop every window (the cache stays usable). */
void ep_wincache_clear(struct ep_wincache *c);
void ep_wincache_free(struct ep_wincache *c);

/* The window w of store s, loaded or from the cache. *out is borrowed (see above).
 * EP_EUNAVAIL when the window holds no roll-call votes with positions (ep_store_load_matrix). */
int ep_wincache_get(struct ep_wincache *c, struct ep_store *s, const struct ep_window *w,
                    struct ep_win **out, struct ep_error *err);
/* The cached window whose matrix is m, or NULL. */
struct ep_win *ep_wincache_find(struct ep_wincache *c, const struct ep_matrix *m);

/* Lazily computed figures, kept with the window (0 or a negative EP_E* code). */
int ep_win_need_vs(struct ep_win *w, struct ep_error *err);
int ep_win_need_gs(struct ep_win *w, struct ep_error *err);
int ep_win_need_frag(struct ep_win *w, struct ep_error *err);
int ep_win_need_per(struct ep_win *w, int kind, struct ep_error *err);
int ep_win_need_tr(struct ep_win *w, int kind, struct ep_error *err);
/* The co-voting graph with min_common and community algorithm algo (rebuilt when either
 * differs from the kept one, which drops the influence figures); cent = 1 also fills the
 * centralities. h (borrowed, may be NULL) reports progress and cancellation. */
int ep_win_need_graph(struct ep_win *w, int min_common, int algo, int cent,
                      const struct ep_graph_hooks *h, struct ep_error *err);
/* Names and countries of every MEP of the window (store look-up, engine/ep_query_intel.h). */
int ep_win_need_names(struct ep_win *w, struct ep_error *err);
int ep_win_need_mf(struct ep_win *w, struct ep_error *err);
/* Vote totals and pivotal groups and MEPs (docs/methodology.md, "Pivotal votes"). */
int ep_win_need_piv(struct ep_win *w, struct ep_error *err);
/* Krippendorff's alpha of the whole Parliament (ep_stats_parliament_alpha; palpha.rc says
 * whether it is available). */
int ep_win_need_palpha(struct ep_win *w, struct ep_error *err);
/* Per-sitting defection series of every MEP; cancelled (borrowed, may be NULL) is polled. */
int ep_win_need_mser(struct ep_win *w, volatile int *cancelled, struct ep_error *err);

/* Why participation is unknown: `unknown` of the `total` votes have no did-not-vote list
 * (text into buf[n]). */
void ep_dnv_reason(char *buf, size_t n, int unknown, int total);

/* Drop the influence figures (analysis/ep_influence.h). */
void ep_win_free_influence(struct ep_win *w);

/* The MEP's group: the graph node's when the graph holds the MEP, else the modal group. */
int ep_win_modal_group(const struct ep_win *w, int i);

#endif
