/* ep_anomalies: voting anomalies of a window against each entity's own per-sitting baseline
 * (docs/tools-intel.md, detect_voting_anomalies): defection surges, abstention spikes,
 * participation drops and cohesion breaks of the Parliament, a group or an MEP, and with the
 * Parliament scope a scan of every MEP's defection baseline. */
#ifndef EP_ANOMALIES_H
#define EP_ANOMALIES_H

#include <stdint.h>

#include "ep_error.h"
#include "ep_run.h"
#include "ep_stats.h"
#include "ep_window.h"

#define EP_ANOM_MAX_ALERTS 200 /* alerts a result lists (the largest |z| first) */
#define EP_ANOM_MAX_VOTES 50   /* votes an alert lists */
#define EP_ANOM_SEV_HIGH 5.0   /* |z| from which an alert is "high" */
#define EP_ANOM_MIN_HITS 3     /* an MEP's surge needs this many defections in the sitting */

/* Measures in the order of the result's names (defection, abstention, participation, AI). */
extern const char *const ep_anom_measure_name[4];
extern const char *const ep_anom_kind_name[4];

enum { EP_ANOM_PARLIAMENT, EP_ANOM_GROUP, EP_ANOM_MEP };
enum { EP_ANOM_SERIES_OK, EP_ANOM_SERIES_TOO_FEW, EP_ANOM_SERIES_UNAVAILABLE };

struct ep_anomalies_params {
    int scope; /* EP_ANOM_PARLIAMENT, EP_ANOM_GROUP, EP_ANOM_MEP */
    int mep;   /* matrix index (scope MEP) */
    int grp;   /* group index (scope GROUP) */
    struct ep_stats_outlier_params op; /* threshold and min_obs (ep_stats defaults) */
};

struct ep_anomaly_alert {
    int etype;          /* EP_ANOM_PARLIAMENT, EP_ANOM_GROUP, EP_ANOM_MEP */
    const char *entity; /* borrowed: the MEP's name, the group code or the Parliament */
    int mep, grp;       /* matrix indices or -1 */
    int meas;
    double z, z_robust, z_classic; /* z = the robust z, or the classic z when only it flags */
    int classic_ok, by_robust, by_classic;
    double value, baseline_median;
    char date[11];
    int n_votes;       /* votes listed (<= EP_ANOM_MAX_VOTES) */
    int votes_total;
    int64_t votes[EP_ANOM_MAX_VOTES];
};

struct ep_anomaly_series {
    int etype;
    const char *entity; /* borrowed */
    int meas, status, n_obs, scale, alerts;
    double median;
    char reason[600]; /* status != OK */
};

/* Ownership: win is borrowed (the env's window cache); alert and series are owned
 * (ep_anomalies_free). alert[] is sorted by |z| descending (ties in detection order) and holds
 * every alert (n_alert = alerts_total; a result lists the first EP_ANOM_MAX_ALERTS). */
struct ep_anomalies {
    struct ep_win *win;
    struct ep_stats_outlier_params op;
    int n_alert, cap_alert;
    struct ep_anomaly_alert *alert;
    int n_series, cap_series, n_short, n_suppressed;
    struct ep_anomaly_series *series;
    int dnv_unk; /* votes of the window where who did not vote is unknown */
    /* the MEP scan (scope Parliament) */
    int scanned, scan_checked, scan_too_short, scan_alerts;
};

void ep_anomalies_init(struct ep_anomalies *out);
void ep_anomalies_free(struct ep_anomalies *out);

/* Anomalies of window w: stages "vote statistics and sittings", "baselines and robust
 * z-scores", ("MEP defection baselines" with scope Parliament), "result" of run r. */
int ep_anomalies_compute(struct ep_win *w, const struct ep_anomalies_params *p, struct ep_run *r,
                         struct ep_anomalies *out, struct ep_error *err);

/* The date (sitting) or month of period k into out. */
void ep_period_str(const struct ep_stats_periods *p, int k, char out[11]);

#endif
