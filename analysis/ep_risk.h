/* ep_risk: the political risk assessment of a window (docs/tools-intel.md,
 * generate_political_risk_assessment): five dimensions mapped to 0..1 on fixed scales
 * (declining cohesion, fragmentation, defection surges, close votes, swing-group pivotality),
 * their weighted composite over the available ones and its level. */
#ifndef EP_RISK_H
#define EP_RISK_H

#include <stdint.h>

#include "ep_error.h"
#include "ep_matrix.h"
#include "ep_run.h"
#include "ep_window.h"

enum { EP_RISK_COH, EP_RISK_FRAG, EP_RISK_DEF, EP_RISK_CLOSE, EP_RISK_SWING, EP_RISK_NDIM };

#define EP_RISK_MAX_CLOSE 50 /* close votes listed */
#define EP_RISK_MAX_VOTES 20 /* votes listed per defection surge */

extern const char *const ep_risk_dim_name[EP_RISK_NDIM];
extern const double ep_risk_dim_weight[EP_RISK_NDIM];

/* The texts the generate_political_risk_assessment result (tools/) and the risk briefing
 * (report/) print: each dimension's scale and definition, the level rule, the normalisation
 * note, the methodology's formula and limits (NULL-terminated). */
extern const char *const ep_risk_dim_norm[EP_RISK_NDIM];
extern const char *const ep_risk_dim_def[EP_RISK_NDIM];
extern const char ep_risk_rule[];
extern const char ep_risk_normalisation[];
extern const char ep_risk_formula[];
extern const char *const ep_risk_limits[];

/* "LOW", "MODERATE", "HIGH" or "CRITICAL" for a composite in 0..1. */
const char *ep_risk_level(double composite);

struct ep_risk_dim {
    int available;
    double value;      /* 0..1 */
    double weight;     /* effective weight */
    int min_sittings;  /* > 0: unavailable because the window has fewer sittings */
    char reason[300];  /* when unavailable */
};

struct ep_risk_surge {
    int grp, point; /* group index, sitting index (win->per[EP_PERIOD_SITTING]) */
    double z, rate;
    int n_votes;
    int64_t votes[EP_RISK_MAX_VOTES];
};

struct ep_risk_close {
    int vote; /* matrix index */
    int margin;
    char title[300];
};

/* Ownership: win is borrowed (the env's window cache: its per-vote totals, pivotal groups,
 * fragmentation and graph are the evidence); surge is owned (ep_risk_free). */
struct ep_risk {
    struct ep_win *win;
    struct ep_risk_dim dim[EP_RISK_NDIM];
    double weight_sum, composite;
    /* declining cohesion: seat-weighted AI decline between the halves of the sittings */
    double coh_decline;
    int coh_half; /* first sitting of the second half */
    int n_coh;
    struct { int grp; double first, second; } coh[EP_MATRIX_MAX_GROUPS];
    /* fragmentation */
    int frag_components;
    int frag_mod_missing;        /* the network's modularity is unavailable */
    char frag_mod_reason[400];
    /* defection surges (group defection-rate baselines) */
    int def_points, def_flagged, def_too_few, n_surge;
    struct ep_risk_surge *surge;
    /* close votes */
    int close_votes, close_withcast, n_close;
    struct ep_risk_close close[EP_RISK_MAX_CLOSE];
    /* swing pivotality */
    int swing, big[2]; /* decided votes with a swing group pivotal; the two largest groups */
};

void ep_risk_init(struct ep_risk *out);
void ep_risk_free(struct ep_risk *out);

/* The risk assessment of window w: stages "vote and group statistics", "pivotal and close
 * votes", "co-voting network", "dimensions", "composite" of run r. EP_EUNAVAIL when no
 * dimension has data; EP_EDB reading vote titles. */
int ep_risk_compute(struct ep_win *w, struct ep_run *r, struct ep_risk *out,
                    struct ep_error *err);

#endif
