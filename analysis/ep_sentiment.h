/* ep_sentiment: what the peer server calls sentiment_tracker, computed on the votes: the
 * Parliament's cohesion and polarisation over the last 30, 90 and 365 days of a reference date
 * (docs/tools-intel.md, sentiment_tracker). No text is read and no sentiment of speech is
 * claimed: "sentiment" here is only how united the groups vote and how far apart they vote.
 *
 *   cohesion     = sum_g seats_g * AI_g / sum_g seats_g over the groups with a cast vote
 *                  (AI_g: mean per-vote Agreement Index; seats_g: members on the window's last
 *                  vote);
 *   polarisation = 1 - sum_{a<b} seats_a seats_b share_ab / sum_{a<b} seats_a seats_b over the
 *                  group pairs with a defined agreement (share_ab: the share of the votes where
 *                  both had a non-tie position on which the two positions were the same).
 *
 * A topic filter (an OEIL subject with the codes below it, a EuroVoc concept, a responsible
 * committee or a geographic area: engine/ep_query_topics.h) keeps only the votes that carry the
 * topic: each span's votes, sittings (days with a kept vote), MEPs and seats (on the span's last
 * kept vote) are then those of the kept votes.
 *
 * Computed from the positions snapshot (analysis/ep_positions.h: the per-vote group counts of
 * every vote with positions), whose position days are contiguous runs of its votes: no window
 * matrix is loaded, so a fresh process pays for the snapshot alone. */
#ifndef EP_SENTIMENT_H
#define EP_SENTIMENT_H

#include "ep_env.h"
#include "ep_error.h"
#include "ep_matrix.h"
#include "ep_run.h"

#define EP_SENTIMENT_SPANS 3
extern const int ep_sentiment_days[EP_SENTIMENT_SPANS]; /* 30, 90, 365 */

struct ep_sentiment_group {
    char code[16];
    int seats;   /* members on the window's last vote */
    int ai_ok;
    double ai;   /* mean Agreement Index */
    int votes;   /* votes with a cast vote of the group */
};

struct ep_sentiment_span {
    int days;
    char from[11], to[11]; /* the span asked (to - days + 1 .. to) */
    int available;         /* the span holds votes with positions */
    char reason[300];
    char first[11], last[11]; /* first and last vote date in the span */
    int votes, sittings, meps;
    int coh_ok, pol_ok, pairs;
    double cohesion, polarisation;
    int n_group;
    struct ep_sentiment_group group[EP_MATRIX_MAX_GROUPS];
};

/* Everything is held inline (the windows it was computed on may be evicted later). */
struct ep_sentiment {
    char to[11]; /* reference date: the argument, else the latest date with positions */
    int topic_kind;      /* enum ep_topic_kind; 0 = no filter */
    char topic_code[33];
    int topic_votes;     /* with a filter: the store's votes with positions carrying it */
    struct ep_sentiment_span span[EP_SENTIMENT_SPANS];
    /* short span minus the 365-day span (30 - 365, 90 - 365), when both are defined */
    int coh_shift_ok[2], pol_shift_ok[2];
    double coh_shift[2], pol_shift[2];
};

void ep_sentiment_init(struct ep_sentiment *out);
void ep_sentiment_free(struct ep_sentiment *out);

/* The spans ending on `to` (NULL = the latest date with positions) of env's store: one stage
 * per span of run r. topic_kind (enum ep_topic_kind, 0 = none) and topic_code: the topic
 * filter (the code is the caller's to check: ep_query_topic). EP_EUNAVAIL when the store has no
 * votes with positions. */
int ep_sentiment_compute(struct ep_env *env, const char *to, int topic_kind,
                         const char *topic_code, struct ep_run *r, struct ep_sentiment *out,
                         struct ep_error *err);

#endif
