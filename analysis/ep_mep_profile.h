/* ep_mep_profile: the profile of one MEP (get_mep_details): what the store says of the person
 * (members table, country, memberships, or only what the roll-call positions say), and their
 * participation and loyalty over the votes with per-MEP positions in an optional date range.
 *
 * Definitions (docs/methodology.md): participation = cast / eligible votes; loyalty = the share
 * of the MEP's cast votes equal to their group's non-tie position on that date (TIE votes are
 * counted apart, never broken). A figure without data has ok = 0 and the reason, never 0.
 *
 * The result owns all its memory (ep_mep_profile_free); it borrows nothing. */
#ifndef EP_MEP_PROFILE_H
#define EP_MEP_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "ep_error.h"
#include "ep_patterns.h"
#include "ep_positions.h"
#include "ep_query.h"

/* Defection vote ids listed at most. */
#define EP_MEP_PROFILE_MAX_DEFECTIONS 50

struct ep_mep_profile_params {
    int64_t id;
    const char *from, *to; /* YYYY-MM-DD inclusive, NULL = unbounded (from <= to checked by the
                              caller) */
};

struct ep_mep_profile {
    int64_t id;
    struct ep_query_mep_profile row; /* the members-table row and flags */
    /* what the votes say (when the members table does not name the MEP, or only as a roll-call
     * file printed the name) */
    int show_from_votes;
    int from_votes;                                 /* votes with a position */
    char from_votes_first[11], from_votes_last[11]; /* "" when none */
    char from_votes_group[16];                      /* group on the last of them, "" when none */
    size_t n_memberships;
    struct ep_query_membership *memberships; /* owned, by start date */
    /* the votes with positions in the range */
    char from[11], to[11]; /* first and last day of them, "" when none */
    int votes;
    struct ep_measure participation;
    int eligible, cast, n_for, n_against, n_abst, n_dnv;
    struct ep_measure loyalty;
    int loyalty_votes, matching, defections, ties;
    int n_defection_ids; /* the first defections (at most EP_MEP_PROFILE_MAX_DEFECTIONS) */
    int64_t defection_ids[EP_MEP_PROFILE_MAX_DEFECTIONS];
};

void ep_mep_profile_init(struct ep_mep_profile *r);
void ep_mep_profile_free(struct ep_mep_profile *r);

/* The profile of p->id from s and its positions snapshot (cache c). EP_ENOTFOUND when no stored
 * source names the MEP (members, memberships, roll-call positions). r is initialised here. */
int ep_mep_profile_compute(struct ep_positions_cache *c, struct ep_store *s,
                           const struct ep_mep_profile_params *p, struct ep_mep_profile *r,
                           struct ep_error *err);

#endif
