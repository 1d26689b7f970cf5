/* ep_committee_activity: per responsible committee, the votes of its procedures (HowTheyVote's
 * responsible_committee_votes), their results, the span from the first to the last vote, and
 * each group's cohesion on the votes with per-MEP positions: the product behind
 * analyze_committee_activity.
 *
 * Votes, results and span count every stored vote in [from, to] (with or without positions);
 * cohesion uses the votes of the analysis window (the same dates) that have positions: a
 * group's Agreement Index mean and Rice mean over the committee's votes where the group cast
 * a vote (the per-vote figures of ep_stats_votes, as ep_stats_groups averages them).
 *
 * Rosters, where the store holds committee memberships (synced from the EP API): per committee
 * the memberships overlapping [from, to] (members with role, group, country and dates), the
 * seats by group (distinct MEPs with a role other than SUBSTITUTE; substitutes apart), and the
 * participation of the roster's MEPs on the committee's votes with positions in the window
 * against the other MEPs' on the same votes: on vote v (day d) an MEP is a roster MEP when one
 * of their memberships of the committee covers d; over the votes, cast = FOR, AGAINST or
 * ABSTENTION, entitled = cast or DID_NOT_VOTE (the rows of member_vote), rate = sum cast / sum
 * entitled, pooled over the votes. The result owns its memory (ep_committee_activity_free). */
#ifndef EP_COMMITTEE_ACTIVITY_H
#define EP_COMMITTEE_ACTIVITY_H

#include "ep_error.h"
#include "ep_matrix.h"
#include "ep_query_topics.h"
#include "ep_window.h"

struct ep_ca_group {
    char code[16];
    int votes; /* committee votes where the group cast a vote (T > 0) */
    int ai_ok, rice_ok, rice_votes;
    double ai_mean, rice_mean;
};

/* Seats of one group on a committee's roster over the dates. */
struct ep_ca_seats {
    char group[16];  /* "" = no group known */
    int seats;       /* distinct MEPs with a role other than SUBSTITUTE */
    int substitutes; /* distinct MEPs with only SUBSTITUTE memberships */
};

/* Participation of a set of MEPs on a committee's votes (see the header comment). */
struct ep_ca_part {
    long cast, entitled;
};

struct ep_ca_committee {
    struct ep_committee_votes q; /* votes, results, first/last date, votes with positions */
    int span_days;               /* last - first (0 for a single day); -1 without votes */
    int cohesion_votes;          /* votes of the committee in the window's matrix */
    int n_grp;
    struct ep_ca_group g[EP_MATRIX_MAX_GROUPS];
    /* roster (only when the store holds committee memberships) */
    int n_members;
    struct ep_cmember *members; /* owned; memberships overlapping the dates */
    int n_seats;
    struct ep_ca_seats *seats; /* owned; by seats descending, then group */
    int part_votes;            /* votes of the participation figures (0: none) */
    struct ep_ca_part roster, others;
};

/* A committee with a roster in the dates but no vote in them. */
struct ep_ca_idle {
    char code[33];
    int members; /* distinct MEPs */
};

struct ep_committee_activity {
    int n;
    struct ep_ca_committee *c; /* by votes descending, then code */
    /* rosters: the store's committee memberships (0 = none: rosters unavailable) */
    long memberships, memberships_unknown;
    int n_idle;
    struct ep_ca_idle *idle; /* owned; known committees only, by code */
};

/* code NULL = every committee with a vote in [from, to] (NULL = open). w (may be NULL when the
 * dates hold no vote with positions) is the analysis window over the same dates. */
int ep_committee_activity_compute(struct ep_store *s, struct ep_win *w, const char *code,
                                  const char *from, const char *to,
                                  struct ep_committee_activity *out, struct ep_error *err);
void ep_committee_activity_free(struct ep_committee_activity *r);

#endif
