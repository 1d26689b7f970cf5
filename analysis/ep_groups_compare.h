/* ep_groups_compare: 2 or more political groups side by side in a window (docs/tools-intel.md,
 * compare_political_groups): seats, members, cohesion (AI, Rice, Krippendorff's alpha),
 * participation and pair agreement from the window's group statistics (stats/
 * ep_stats_groups_compute, kept in win->gs, as analyze_coalition_dynamics reads them), and each
 * group's position on the close votes (|FOR - AGAINST| < 5% of the votes cast, the risk
 * assessment's definition) with how often it was on the winning side. */
#ifndef EP_GROUPS_COMPARE_H
#define EP_GROUPS_COMPARE_H

#include "ep_error.h"
#include "ep_matrix.h"
#include "ep_run.h"
#include "ep_window.h"

#define EP_GCMP_CLOSE_SHARE 0.05

struct ep_gcmp_params {
    int n_group;
    int grp[EP_MATRIX_MAX_GROUPS]; /* group indices of the matrix, in the caller's order */
};

struct ep_gcmp_group {
    int members;    /* MEPs who were members of the group on at least one vote of the window */
    int seats_last; /* members on the window's last vote (win->frag.seats) */
    /* close votes */
    int close_decided; /* close votes with a winner (FOR != AGAINST) and a non-tie position */
    int close_won;     /* of them, the group's position was the winning side */
    int close_tie;     /* close votes where the group's position was TIE */
};

/* Ownership: win is borrowed (win->gs, win->frag, win->F/A/Ab are read from it); close is
 * owned (ep_groups_compare_free). */
struct ep_groups_compare {
    struct ep_win *win;
    struct ep_gcmp_params p;
    struct ep_gcmp_group g[EP_MATRIX_MAX_GROUPS]; /* [k] for p.grp[k] */
    int dnv_unknown;  /* votes whose did-not-vote list is unknown (participation unavailable) */
    int with_cast;    /* votes with at least one cast vote */
    int n_close;      /* close votes, ascending */
    int *close;
};

void ep_groups_compare_init(struct ep_groups_compare *out);
void ep_groups_compare_free(struct ep_groups_compare *out);
/* Stages "group statistics", "close votes" of run r; the measures below their minimum (alpha:
 * 2 pairable votes) are recorded in r. */
int ep_groups_compare_compute(struct ep_win *w, const struct ep_gcmp_params *p, struct ep_run *r,
                              struct ep_groups_compare *out, struct ep_error *err);

#endif
