/* ep_committee_activity: per responsible committee, the votes of its procedures (HowTheyVote's
 * responsible_committee_votes), their results, the span from the first to the last vote, and
 * each group's cohesion on the votes with per-MEP positions: the product behind
 * analyze_committee_activity.
 *
 * Votes, results and span count every stored vote in [from, to] (with or without positions);
 * cohesion uses the votes of the analysis window (the same dates) that have positions: a
 * group's Agreement Index mean and Rice mean over the committee's votes where the group cast
 * a vote (the per-vote figures of ep_stats_votes, as ep_stats_groups averages them). Rosters
 * (committee members) are not in the store: reported unavailable with the reason. The result
 * owns its memory (ep_committee_activity_free). */
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

struct ep_ca_committee {
    struct ep_committee_votes q; /* votes, results, first/last date, votes with positions */
    int span_days;               /* last - first (0 for a single day); -1 without votes */
    int cohesion_votes;          /* votes of the committee in the window's matrix */
    int n_grp;
    struct ep_ca_group g[EP_MATRIX_MAX_GROUPS];
};

struct ep_committee_activity {
    int n;
    struct ep_ca_committee *c; /* by votes descending, then code */
};

/* code NULL = every committee with a vote in [from, to] (NULL = open). w (may be NULL when the
 * dates hold no vote with positions) is the analysis window over the same dates. */
int ep_committee_activity_compute(struct ep_store *s, struct ep_win *w, const char *code,
                                  const char *from, const char *to,
                                  struct ep_committee_activity *out, struct ep_error *err);
void ep_committee_activity_free(struct ep_committee_activity *r);

#endif
