/* ep_legislative: the legislative pipeline (monitor_legislative_pipeline) and the legislative
 * effectiveness (analyze_legislative_effectiveness) of the store (docs/tools-intel.md).
 *
 * Pipeline: from the synced procedure events (EP Open Data API, `epintel sync --only
 * procedures`): each procedure's dated events in order; the days from an event to the next are
 * the time spent in the stage the event opened (its activity type); per stage the median and
 * the 95th percentile (nearest rank) of those days; a procedure is stalled when its latest event
 * is more than stalled_days before the reference date (the latest event of the store, or the
 * caller's). Without events the pipeline is unavailable, with the reason and the sync command.
 *
 * Effectiveness: rapporteurships need records that name rapporteurs; no source epintel stores
 * has them, so that part is always unavailable with the reason. What the votes do say is
 * computed: per procedure type, the procedures with votes, the outcome of each one's latest
 * main vote (adopted, rejected, none recorded) and the days from its first to its last vote. */
#ifndef EP_LEGISLATIVE_H
#define EP_LEGISLATIVE_H

#include "ep_env.h"
#include "ep_error.h"

#define EP_PIPE_SYNC_HINT                                                                          \
    "sync procedures and their events from the EP Open Data API: epintel sync --only procedures"
#define EP_PIPE_MAX_STAGES 64
#define EP_PIPE_MAX_STALLED 50

struct ep_pipe_stage {
    char type[96];
    int n;                 /* stage spans measured (an event followed by another) */
    double median, p95;    /* days */
};

struct ep_pipe_stalled {
    char procedure[64], reference[64], title[200], stage[64], last_event[11], last_type[96];
    int idle_days;
};

struct ep_pipeline_params {
    const char *as_of; /* reference date, NULL = the latest event date of the store */
    int stalled_days;  /* >= 1 */
};

/* Everything inline. */
struct ep_pipeline {
    int available;
    char reason[600];
    long procedures, events;  /* rows of the store's tables (-1 when a table is missing) */
    int with_events;          /* procedures with >= 1 dated event */
    char as_of[11], first_event[11], last_event[11];
    int n_stage, stages_total;
    struct ep_pipe_stage stage[EP_PIPE_MAX_STAGES]; /* by n descending, then type */
    int total_n;
    double total_median, total_p95; /* first to last event, procedures with >= 2 events */
    int stalled_total, n_stalled;
    struct ep_pipe_stalled stalled[EP_PIPE_MAX_STALLED]; /* longest idle first */
};

void ep_pipeline_init(struct ep_pipeline *out);
int ep_pipeline_compute(struct ep_env *env, const struct ep_pipeline_params *p,
                        struct ep_pipeline *out, struct ep_error *err);

#define EP_EFF_MAX_TYPES 64

struct ep_eff_type {
    char type[32];     /* procedure type (COD, INI, ...), "" when the votes give none */
    int procedures, with_main_result, adopted, rejected, no_main_result;
    int span_n;
    double span_median; /* days from the first to the last vote, procedures with >= 2 dates */
};

struct ep_effectiveness {
    int rapporteurs_available; /* always 0 today */
    char rapporteurs_reason[600];
    int procedures;
    int n_type;
    struct ep_eff_type type[EP_EFF_MAX_TYPES]; /* by procedures descending */
    struct ep_eff_type all;
};

void ep_effectiveness_init(struct ep_effectiveness *out);
int ep_effectiveness_compute(struct ep_env *env, struct ep_effectiveness *out,
                             struct ep_error *err);

#endif
