/* ep_landscape: the political landscape of a window (docs/tools-intel.md,
 * generate_political_landscape): seats per group on a date, the effective number of groups by
 * seats and by votes, majority arithmetic (the minimal winning coalitions of groups by seats and
 * how often each actually won together on the window's votes), and the bloc structure of the
 * co-voting network (analysis/ep_network.h: its communities and their group composition). */
#ifndef EP_LANDSCAPE_H
#define EP_LANDSCAPE_H

#include <stdint.h>

#include "ep_error.h"
#include "ep_matrix.h"
#include "ep_network.h"
#include "ep_run.h"
#include "ep_window.h"

#define EP_LAND_MAX_COAL 64 /* minimal winning coalitions kept */

struct ep_landscape_params {
    int32_t day;    /* seats on the window's last vote on or before this day; -1 = last vote */
    int min_common; /* network edges (default 10) */
};

struct ep_land_coal {
    uint32_t mask;  /* bit g = group index g of the matrix */
    int seats;
    int aligned;    /* decided votes where every member group had the same non-tie position */
    int won;        /* of them, that position was the winning side */
};

/* Ownership: win is borrowed; coal and net's arrays are owned (ep_landscape_free). */
struct ep_landscape {
    struct ep_win *win;
    int seat_vote;                   /* the vote the seats are counted on */
    int seats[EP_MATRIX_MAX_GROUPS]; /* members of each group on that vote */
    int seats_nogroup;               /* MEPs with a mandate but no group that day */
    int total, majority;             /* seats with a group; floor(total / 2) + 1 */
    int enp_seats_ok, enp_votes_ok;
    double enp_seats, enp_votes;
    int actors;    /* groups that can join a coalition: seats > 0, not NI */
    int decided;   /* votes with FOR != AGAINST (totals of MEPs with a group) */
    int n_coal;    /* minimal winning coalitions (kept up to EP_LAND_MAX_COAL) */
    int coal_total;
    struct ep_land_coal *coal; /* most wins first, then fewer seats, then mask */
    struct ep_network net;     /* the blocs: net.comm when net.weighted */
};

void ep_landscape_init(struct ep_landscape *out);
void ep_landscape_free(struct ep_landscape *out);
/* Stages "seats and fragmentation", "majority arithmetic", then ep_network_compute's stages.
 * EP_EINVAL when p->day is before the window's first vote. */
int ep_landscape_compute(struct ep_win *w, const struct ep_landscape_params *p, struct ep_run *r,
                         struct ep_landscape *out, struct ep_error *err);

#endif
