/* ep_correlate: correlate_intelligence (docs/tools-intel.md): for given MEPs or groups, the
 * influence, loyalty, anomaly and coalition signals of a window and of the previous window of
 * equal length (ep_ew_windows), joined into alerts such as "rising influence with falling
 * loyalty". Each alert carries a confidence from the amount of data behind it, and the result
 * says how old the data is. Figures come from the products' compute functions
 * (ep_influence_compute, ep_anomalies_compute, ep_coalition_compute) on each window and are
 * copied here, so the result holds nothing borrowed. */
#ifndef EP_CORRELATE_H
#define EP_CORRELATE_H

#include <stdint.h>

#include "ep_env.h"
#include "ep_error.h"
#include "ep_run.h"

#define EP_CORR_MAX_SUBJECTS 20
#define EP_CORR_MAX_ALERTS 8

/* Alert thresholds (changes are current minus previous window). */
#define EP_CORR_INFL_RISE 5.0    /* composite influence percentile points */
#define EP_CORR_INFL_DROP -10.0
#define EP_CORR_LOYALTY_FALL -0.02
#define EP_CORR_LOYALTY_DROP -0.05
#define EP_CORR_COHESION_DROP -0.05
#define EP_CORR_FULL_VOTES 50    /* votes in each window for a confidence of 1 */

/* One subject's figures in one window. */
struct ep_corr_fig {
    int present; /* the MEP (group) cast a vote in the window */
    int cast;    /* votes the MEP cast (the group: votes with a cast vote of the group) */
    int infl_ok, rank, n;
    double composite; /* influence percentile composite, 0..100 */
    char infl_reason[EP_ERROR_MSG_MAX];
    int loy_ok, part_ok;
    double loyalty, participation;
    int anom_ok, anomalies; /* anomaly alerts of the subject in the window */
    int ai_ok;              /* group: mean Agreement Index */
    double ai;
    int ally_ok;            /* group: the group it agreed with most (>= 10 common votes) */
    char ally[16];
    double ally_share;
};

struct ep_corr_alert {
    char kind[48];
    double confidence; /* 0..1: min(1, votes behind the weaker window / EP_CORR_FULL_VOTES) */
    char detail[400];
};

struct ep_corr_subject {
    int is_group;
    int64_t mep_id;
    char code[16]; /* group code */
    char name[160];
    struct ep_corr_fig fig[2]; /* [0] current window, [1] previous window */
    int n_alert;
    struct ep_corr_alert alert[EP_CORR_MAX_ALERTS];
};

struct ep_correlate_params {
    const char *to; /* NULL = the latest date with positions */
    int days;
    int n_mep;
    const int64_t *mep_ids; /* borrowed */
    int n_group;
    const char *const *groups; /* canonical codes, borrowed */
    int topic_kind;            /* a topic filter on both windows (struct ep_window), 0 = none */
    const char *topic_code;
};

struct ep_correlate {
    char from[2][11], to[2][11];
    int window_ok[2];
    char window_reason[2][300];
    int votes[2], sittings[2];
    char last_vote[11]; /* the current window's last vote date */
    int n_subject;
    struct ep_corr_subject subject[EP_CORR_MAX_SUBJECTS];
    int alerts_total;
};

void ep_correlate_init(struct ep_correlate *out);
void ep_correlate_free(struct ep_correlate *out);

/* EP_EUNAVAIL when the current window has no votes with positions. */
int ep_correlate_compute(struct ep_env *env, const struct ep_correlate_params *p,
                         struct ep_run *r, struct ep_correlate *out, struct ep_error *err);

#endif
