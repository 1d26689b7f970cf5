/* ep_policy_area: one policy area (an OEIL subject with the codes below it, or a EuroVoc
 * concept) over a window: the product behind analyze_policy_area.
 *
 * The area's window is the analysis window with the topic filter (struct ep_window.topic_*);
 * the same window without it is "overall". From them:
 *  - the area's votes (date, title, result, totals, each group's position);
 *  - per group: cohesion in the area (Agreement Index mean, Rice mean, participation: the
 *    window's ep_stats_groups) and how often it voted FOR, AGAINST, ABSTENTION or was TIED;
 *  - per group pair: agreement in the area against overall (ep_stats_groups.pair_share of each
 *    window), and the difference;
 *  - the MEPs who defect most in the area: defections / counted votes (ep_stats_mepfig: cast
 *    votes against the own group's non-tie position), among MEPs with >= min_votes counted;
 *  - national delegations that split: a vote splits a delegation when its members' cast votes
 *    take two or more options; rate = split votes / votes with >= 2 cast members;
 *  - how the majorities were built: on each decided vote (FOR != AGAINST over all cast votes),
 *    the set of groups whose position was the winning option; the sets by frequency.
 * Figures without data have ok = 0 (never 0). The result owns its memory (ep_policy_area_free)
 * and borrows nothing. */
#ifndef EP_POLICY_AREA_H
#define EP_POLICY_AREA_H

#include <stdint.h>

#include "ep_error.h"
#include "ep_matrix.h"
#include "ep_window.h"

/* Group-pair agreement of the overall window, by group code (copied out of its window, which
 * the area's window may evict from the cache). */
struct ep_pa_overall {
    int n_grp;
    char code[EP_MATRIX_MAX_GROUPS][16];
    double share[EP_MATRIX_MAX_GROUPS * EP_MATRIX_MAX_GROUPS];
    uint8_t ok[EP_MATRIX_MAX_GROUPS * EP_MATRIX_MAX_GROUPS];
    int votes;
};
int ep_policy_area_overall(struct ep_win *all, struct ep_pa_overall *out, struct ep_error *err);

struct ep_pa_params {
    int limit;     /* votes listed (the rest counted), 1..1000 */
    int top;       /* defectors listed, 1..100 */
    int min_votes; /* counted votes an MEP needs to be ranked */
};

struct ep_pa_vote {
    int64_t id;
    char date[11], result[12];
    char title[200];
    int y, n, a;                         /* cast totals */
    uint8_t gpos[EP_MATRIX_MAX_GROUPS];  /* enum ep_stats_gpos per area group */
};

struct ep_pa_group {
    char code[16];
    int votes_cast; /* votes with T > 0 */
    int ai_ok, rice_ok, part_ok;
    double ai_mean, rice_mean, participation;
    int pos[5]; /* votes by position: NONE, FOR, AGAINST, ABSTENTION, TIE */
};

struct ep_pa_pair {
    int a, b; /* area group indexes, a < b */
    int area_ok, all_ok;
    int common; /* votes of the area where both had a non-tie position */
    double area, all;
};

struct ep_pa_defector {
    int64_t mep_id;
    char name[96], country[8], group[16];
    int defections, counted;
    double rate;
};

struct ep_pa_delegation {
    char country[8];
    int members;    /* MEPs of the country with >= 1 cast vote in the area */
    int votes;      /* votes with >= 2 cast members */
    int splits;
    double rate;    /* splits / votes; ok when votes > 0 */
};

struct ep_pa_majority {
    uint32_t mask; /* area group indexes on the winning side */
    int votes;
};

struct ep_policy_area {
    int n_vote, n_listed;
    struct ep_pa_vote *votes; /* [n_listed]: the first `limit` votes, chronological */
    int n_grp;
    struct ep_pa_group g[EP_MATRIX_MAX_GROUPS];
    int n_pair;
    struct ep_pa_pair *pairs;
    int n_def, n_def_ranked; /* listed; MEPs with >= min_votes counted */
    struct ep_pa_defector *def;
    int n_del;
    struct ep_pa_delegation *del; /* every country with >= 1 voting member, by rate desc */
    int decided;                  /* votes with FOR != AGAINST */
    int n_maj;
    struct ep_pa_majority *maj; /* by votes desc */
};

/* area: the window with the topic filter (names are loaded into it). */
int ep_policy_area_compute(struct ep_win *area, const struct ep_pa_overall *all,
                           const struct ep_pa_params *p, struct ep_policy_area *out,
                           struct ep_error *err);
void ep_policy_area_free(struct ep_policy_area *r);

#endif
