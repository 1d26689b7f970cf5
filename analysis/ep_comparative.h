/* ep_comparative: MEPs compared on their votes (docs/tools-intel.md, comparative_intelligence):
 * 2 to 10 MEPs side by side (pairwise agreement, shared votes, the votes where they differ) and
 * "the MEPs who vote most like X" (top k by agreement among MEPs with a minimum of common votes).
 *
 * Agreement is the co-voting network's edge weight (docs/methodology.md): over the votes both
 * MEPs cast (FOR, AGAINST or ABSTENTION), the share where they cast the same option, from the
 * matrix's bit planes (ep_cmp_agree). */
#ifndef EP_COMPARATIVE_H
#define EP_COMPARATIVE_H

#include <stdint.h>

#include "ep_error.h"
#include "ep_matrix.h"
#include "ep_run.h"
#include "ep_window.h"

#define EP_CMP_MAX_MEPS 10

/* same = votes where MEPs i and j (matrix indices) cast the same option, both = votes both
 * cast: the kernel's same/both of one pair (engine/ep_matrix.h). */
void ep_cmp_agree(const struct ep_matrix *m, int i, int j, int *same, int *both);

/* The modal group of every MEP of m into out[n_mep] (ep_graph_modal_group's definition: the
 * group held on most of the votes with a mandate, a tie to the group held on the later vote;
 * EP_GRP_NONE when none), in one pass over the votes in memory order (a call of
 * ep_graph_modal_group per MEP walks the matrix by columns). 0 or EP_ENOMEM. */
int ep_cmp_modal_groups(const struct ep_matrix *m, int *out, struct ep_error *err);

struct ep_cmp_params {
    int n_mep;
    int mep[EP_CMP_MAX_MEPS]; /* matrix indices of the MEPs compared (0 or 2..10) */
    int like;                 /* matrix index of X for "most like X", or -1 */
    int top;                  /* k */
    int min_common;           /* common votes a candidate needs */
    int max_differ;           /* differing votes kept per pair */
    const char *like_measure; /* the ranking's name in window_too_short (NULL: "most similar
                                 MEPs") */
};

struct ep_cmp_pair {
    int a, b;         /* indices into params.mep (a < b) */
    int both, same;   /* shared (both cast) and agreeing votes */
    int ok;           /* both > 0 */
    double agreement; /* same / both */
    int n_differ;     /* both cast, different options */
    int n_kept;       /* differing votes kept (<= max_differ), ascending */
    int *differ;      /* [n_kept] vote indices, borrowed from ep_comparative.differ_all */
};

struct ep_cmp_like {
    int mep; /* matrix index */
    int both, same;
    double agreement;
};

/* Ownership: win is borrowed (the env's window cache); pair, differ_all and like are owned
 * (ep_comparative_free); each pair's differ points into differ_all. */
struct ep_comparative {
    struct ep_win *win;
    struct ep_cmp_params p;
    int cast[EP_CMP_MAX_MEPS], eligible[EP_CMP_MAX_MEPS];
    int n_pair;
    struct ep_cmp_pair *pair; /* [n_mep (n_mep - 1) / 2], order (0,1), (0,2), ... */
    int *differ_all;          /* every pair's differ: max_differ slots per pair, owned */
    /* most like X (p.like >= 0) */
    int like_cast;
    int like_candidates; /* MEPs with >= min_common votes in common with X */
    int n_like;          /* listed: min(top, candidates) */
    struct ep_cmp_like *like;
};

void ep_comparative_init(struct ep_comparative *out);
void ep_comparative_free(struct ep_comparative *out);
/* Stages "pairwise agreement", "most similar MEPs" of run r; a window with fewer votes than
 * min_common is recorded as too short for the ranking. */
int ep_comparative_compute(struct ep_win *w, const struct ep_cmp_params *p, struct ep_run *r,
                           struct ep_comparative *out, struct ep_error *err);

#endif
