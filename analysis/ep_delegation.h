/* ep_delegation: a country's delegation in a window (docs/tools-intel.md,
 * analyze_country_delegation): its MEPs with their groups and participation, its seats per
 * group on the window's last vote, its own cohesion (Agreement Index and Rice over its members),
 * how often it splits, its agreement with each group's position, and its defectors (members
 * who voted against the delegation's own position).
 *
 * The delegation's position on a vote is the group position rule (stats/: the largest of Y, N,
 * A over its members who cast; TIE and NONE explicit) applied to the delegation. */
#ifndef EP_DELEGATION_H
#define EP_DELEGATION_H

#include "ep_error.h"
#include "ep_matrix.h"
#include "ep_run.h"
#include "ep_window.h"

struct ep_deleg_member {
    int mep;               /* matrix index */
    int grp;               /* modal group in the window, or EP_GRP_NONE */
    int eligible, cast;    /* votes with a mandate; votes cast */
    int part_ok;           /* participation known (ep_stats_mepfig) */
    double participation;  /* cast / eligible */
    int def_den, n_defect; /* votes cast where the delegation had a non-tie position; against it */
};

struct ep_deleg_group {
    int agree, common; /* votes where both had a non-tie position; the same one */
};

/* Ownership: win is borrowed (the env's window cache); member, defector and split are owned
 * (ep_delegation_free). */
struct ep_delegation {
    struct ep_win *win;
    char country[8];
    int n_member; /* MEPs of the country with a mandate on at least one vote of the window */
    struct ep_deleg_member *member;  /* [n_member], matrix order */
    int seats_last;                  /* members with a mandate on the last vote */
    int seats[EP_MATRIX_MAX_GROUPS]; /* of them, per group on that vote */
    int seats_nogroup;
    /* cohesion over votes with T > 0 (AI) and Y + N > 0 (Rice) */
    int ai_n, rice_n;
    double ai_mean, ai_median, rice_mean;
    /* splits: votes with T >= 2 (split_den) where the members who cast chose >= 2 options */
    int split_den, n_split, n_tie, n_decided; /* n_decided: non-tie, non-NONE positions */
    int *split;                               /* [n_split] vote indices, ascending */
    struct ep_deleg_group grp[EP_MATRIX_MAX_GROUPS];
    int n_defector;
    int *defector; /* [n_defector] indices into member, most defections first */
};

void ep_delegation_init(struct ep_delegation *out);
void ep_delegation_free(struct ep_delegation *out);
/* The delegation of country (a member-table country code) in window w: stages "delegation
 * members", "cohesion, splits and agreement" of run r. EP_ENOTFOUND when no MEP of the country
 * held a mandate on a vote of the window. */
int ep_delegation_compute(struct ep_win *w, const char *country, struct ep_run *r,
                          struct ep_delegation *out, struct ep_error *err);

#endif
