/* ep_synth: synthetic full-term roll-call data, calibrated from real data.
 *
 * Synthetic data is for benchmarks and tests only and is marked as such everywhere: member ids
 * start at EP_SYNTH_MEMBER_ID0 and vote ids at EP_SYNTH_VOTE_ID0 (both far outside the EP's
 * ranges), names are "Synthetic MEP 000123", country "XXX", group labels "(synthetic) ...",
 * vote titles "Synthetic vote N", and matrices built here have synthetic = 1.
 *
 * Model (one vote at a time):
 *  - each group g has an ideal point (x_g, y_g) on a left-right x pro/anti-EU plane;
 *  - each vote has a latent direction theta and cut-point c; a group's side is
 *    sign(x_g cos theta + y_g sin theta - c), and a per-vote flip says which side is FOR;
 *  - a vote is "consensual" (the three largest groups take the same position) with probability
 *    consensual_share, otherwise contested; (theta, c) are redrawn until the vote is of the
 *    drawn kind, so coalitions follow from the ideal points;
 *  - a group instead takes ABSTENTION as its line with probability group_abstain;
 *  - each MEP has a participation and a loyalty probability drawn once from a Beta
 *    distribution with the group's mean and spread; on each vote the MEP participates with the
 *    participation probability, follows the group line with the loyalty probability, and
 *    otherwise picks one of the two other options (ABSTENTION with probability
 *    defect_abstain when it is one of them).
 * Every draw comes from the seed through splitmix64/xoshiro256**: same seed, same data, on any
 * platform. */
#ifndef EP_SYNTH_H
#define EP_SYNTH_H

#include <stdint.h>

#include "ep_error.h"
#include "ep_matrix.h"
#include "ep_model.h"

#define EP_SYNTH_MAX_GROUPS 16
#define EP_SYNTH_MEMBER_ID0 INT64_C(9000000)
#define EP_SYNTH_VOTE_ID0 INT64_C(90000000)
#define EP_SYNTH_TERM_START "2019-07-15"
#define EP_SYNTH_TERM_END "2024-04-25"

struct ep_synth_group {
    char code[16];             /* canonical group code */
    double seat_share;         /* share of MEPs (modal group), sums to 1 over groups */
    double participation_mean; /* mean over MEPs of cast / eligible votes */
    double participation_sd;   /* spread of that figure across the group's MEPs */
    double loyalty_mean;       /* mean over MEPs of the share of cast votes = group position */
    double loyalty_sd;         /* spread across MEPs */
    double group_abstain;      /* share of the group's non-tie positions that are ABSTENTION */
    double x, y;               /* ideal point: left(-1)..right(+1), pro-EU(+1)..anti-EU(-1) */
};

struct ep_synth_params {
    int n_grp;
    struct ep_synth_group grp[EP_SYNTH_MAX_GROUPS];
    /* Indices into grp[] of the three largest groups (by seat share); -1 when fewer. */
    int big[3];
    /* Share of votes (with a non-tie position for each of the big three) on which the big
     * three take the same position. */
    double consensual_share;
    /* Share of those consensual votes on which the common position is FOR. */
    double consensual_for;
    /* Share of all cast votes that are ABSTENTION (descriptive; follows from the rest). */
    double abstention_share;
    /* Share of defections (cast votes differing from the group's non-tie position) that are
     * ABSTENTION, when ABSTENTION is one of the two alternatives. */
    double defect_abstain;
    /* Mean participation over all MEPs (descriptive). */
    double participation_mean;
    /* Mean loyalty over all MEPs (descriptive). */
    double loyalty_mean;
    /* Sizes of the calibration source (0 for the built-in defaults' source, see .c). */
    int src_mep, src_vote;
};

/* Figures measured on the real data (the seven term-9 sittings, 266 votes, 715 MEPs). */
void ep_synth_default_params(struct ep_synth_params *p);

/* Compute the parameters from a matrix (groups from m->grp, positions from m->pos). Ideal
 * points are taken from a built-in table for known group codes (unknown codes get a point on
 * the unit circle). Groups without MEPs are left out. */
int ep_synth_calibrate(const struct ep_matrix *real, struct ep_synth_params *p,
                       struct ep_error *err);

/* Emit a synthetic term through sink: a country (XXX), groups, members, memberships (whole
 * term 9), sittings (four days a week, about 12 sessions a year between EP_SYNTH_TERM_START and
 * EP_SYNTH_TERM_END), vote topics (OEIL subjects "1".."8" with "N.10".."N.40" below each, and
 * eight committees, labelled "(synthetic)"), votes (with counts), each vote's subjects and
 * responsible committee (runs of 1 to 8 votes share them; about 95 % of the votes have a
 * subject and 74 % a committee, the shares of the bundled data; drawn from a stream of their
 * own, so the positions do not depend on them) and cast positions (FOR/AGAINST/ABSTENTION
 * only).
 * n_mep >= 1, n_vote >= 0. */
int ep_synth_generate(const struct ep_synth_params *p, int n_mep, int n_vote, uint64_t seed,
                      const struct ep_sink *sink, struct ep_error *err);

/* Build the same data (same seed, same positions) directly into m, which this function
 * allocates (free with ep_matrix_free()). Non-cast cells are DID_NOT_VOTE; m->synthetic = 1. */
int ep_synth_fill_matrix(const struct ep_synth_params *p, int n_mep, int n_vote, uint64_t seed,
                         struct ep_matrix *m, struct ep_error *err);

#endif
