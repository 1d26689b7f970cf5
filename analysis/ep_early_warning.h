/* ep_early_warning: the anomaly and risk signals of a window combined into one list of
 * warnings, each with its severity, evidence and the threshold that raised it, and what changed
 * since the previous window of equal length (docs/tools-intel.md, early_warning_system).
 *
 * The window is the `days` days ending on `to` (default: the latest date with per-MEP
 * positions); the previous window is the `days` days before it. Each is computed with the risk
 * assessment (ep_risk_compute) and the Parliament-scope anomaly detector (ep_anomalies_compute)
 * and its figures are copied into the result, so it holds nothing borrowed. */
#ifndef EP_EARLY_WARNING_H
#define EP_EARLY_WARNING_H

#include <stdint.h>

#include "ep_env.h"
#include "ep_error.h"
#include "ep_risk.h"
#include "ep_run.h"

#define EP_EW_RISK_MEDIUM 0.5  /* a risk dimension at or above this value is a warning */
#define EP_EW_RISK_HIGH 0.75   /* ... of high severity */
#define EP_EW_MAX_SIGNALS 100  /* warnings kept per window (risk first, then |z| descending) */

enum { EP_EW_MEDIUM = 0, EP_EW_HIGH = 1 };
enum { EP_EW_RISK = 0, EP_EW_ANOMALY = 1 };

struct ep_ew_signal {
    int source;         /* EP_EW_RISK or EP_EW_ANOMALY */
    char kind[64];      /* the risk dimension's name, or the anomaly's kind */
    char entity[160];   /* "Parliament", a group code or an MEP's name */
    int64_t mep_id;     /* 0 unless the entity is an MEP */
    int severity;       /* EP_EW_MEDIUM or EP_EW_HIGH */
    double value;       /* the dimension's 0..1 value, or the anomaly's z */
    double threshold;   /* what raised it: EP_EW_RISK_MEDIUM, or the detector's |z| threshold */
    char date[11];      /* the sitting of an anomaly ("" for a risk dimension) */
    double observed, baseline; /* an anomaly's value and its baseline median */
    int votes;          /* an anomaly's votes behind it */
};

struct ep_ew_window {
    char from[11], to[11];
    int available; /* the window holds votes with positions */
    char reason[400];
    int votes, sittings;
    int risk_ok;
    char risk_reason[EP_ERROR_MSG_MAX];
    double composite;
    struct ep_risk_dim dim[EP_RISK_NDIM];
    int anom_ok;
    char anom_reason[EP_ERROR_MSG_MAX];
    int alerts_total, series_short; /* anomaly alerts; series below the detector's minimum */
    int n_signal, signals_total;
    struct ep_ew_signal signal[EP_EW_MAX_SIGNALS];
};

struct ep_early_warning_params {
    const char *to; /* NULL = the latest date with positions */
    int days;       /* >= 1 */
    int topic_kind; /* a topic filter on both windows (struct ep_window), 0 = none */
    const char *topic_code;
};

struct ep_early_warning {
    int days;
    double z_threshold; /* the anomaly detector's |z| threshold */
    double z_high;      /* |z| from which an anomaly is of high severity */
    struct ep_ew_window cur, prev;
    /* what changed (current minus previous), when both are defined */
    int composite_delta_ok;
    double composite_delta;
    int dim_delta_ok[EP_RISK_NDIM];
    double dim_delta[EP_RISK_NDIM];
    int n_new;         /* signals of the current window whose (kind, entity) the previous lacks */
    int new_signal[EP_EW_MAX_SIGNALS]; /* indices into cur.signal */
    int n_resolved;    /* signals of the previous window gone in the current one */
    int resolved_signal[EP_EW_MAX_SIGNALS]; /* indices into prev.signal */
};

void ep_early_warning_init(struct ep_early_warning *out);
void ep_early_warning_free(struct ep_early_warning *out);

/* The window of `days` days ending on `to` and the one before it: from/to of each into the
 * caller's buffers. `to` NULL = the latest date with positions of env's store (EP_EUNAVAIL when
 * it has none). */
int ep_ew_windows(struct ep_env *env, const char *to, int days, char cur_from[11],
                  char cur_to[11], char prev_from[11], char prev_to[11], struct ep_error *err);

/* The warnings of p's window and the previous one (stages of run r). */
int ep_early_warning_compute(struct ep_env *env, const struct ep_early_warning_params *p,
                             struct ep_run *r, struct ep_early_warning *out,
                             struct ep_error *err);

#endif
