/* ep_coalition: coalition dynamics of a window (docs/tools-intel.md,
 * analyze_coalition_dynamics): per group cohesion (Agreement Index, Rice, Krippendorff's
 * alpha, participation) with its trend, the whole Parliament's alpha, group-pair agreement and
 * volatility, the alliances ranked by agreement, stability, and the factions (groups split
 * between communities of the co-voting network). */
#ifndef EP_COALITION_H
#define EP_COALITION_H

#include <stdint.h>

#include "ep_error.h"
#include "ep_matrix.h"
#include "ep_run.h"
#include "ep_window.h"

#define EP_COAL_MIN_COMMON 10 /* alliances: pairs with at least this many common votes */
#define EP_COAL_STAB_MIN_VOTES 5 /* stability: a sitting counts for a pair with >= 5 votes */
#define EP_COAL_MAX_ALLIANCES 5  /* most and least reliable pairs listed */

struct ep_coalition_params {
    uint8_t sel[EP_MATRIX_MAX_GROUPS]; /* 1 = group index included */
};

/* One group's figures beyond the window's ep_stats_group (win->gs.g[g]). */
struct ep_coalition_group {
    int g;                  /* group index of the matrix */
    char alpha_reason[256]; /* when win->gs.g[g].alpha_ok is 0 */
    int slope_ok;           /* AI slope per sitting (OLS over the defined sittings) */
    double slope;
};

struct ep_coalition_pair {
    int a, b, agree, common;
    double share, vol; /* agreement; population sd over sittings of the pair's agreement */
    int vol_ok, periods;
};

/* Ownership: win is borrowed (the env's window cache; the groups' cohesion, trends and periods
 * are read from it: win->gs, win->tr, win->per, win->frag, win->g); pair and rel are owned
 * (ep_coalition_free). */
struct ep_coalition {
    struct ep_win *win;
    uint8_t sel[EP_MATRIX_MAX_GROUPS];
    int dnv_unk;        /* votes of the window without a did-not-vote list */
    char dnv_why[600];  /* why group participation is unknown (dnv_unk > 0) */
    int n_group;
    struct ep_coalition_group group[EP_MATRIX_MAX_GROUPS];
    /* the whole Parliament's alpha */
    int parl_ok, parl_units, parl_coders;
    double parl_alpha;
    char parl_reason[256];
    /* pairs of selected groups with a defined agreement (a < b), in matrix order */
    int n_pair;
    struct ep_coalition_pair *pair;
    /* pairs with >= EP_COAL_MIN_COMMON common votes, by agreement desc, ties more common */
    int n_rel;
    struct ep_coalition_pair *rel;
    int alliances_short; /* the window has fewer votes than EP_COAL_MIN_COMMON */
    /* stability */
    int stab_ok, stab_pairs, n_periods;
    double stability, mean_volatility;
    /* factions: available when the network has edges and a modularity */
    int factions_ok;
    char factions_reason[400];
};

/* The texts the analyze_coalition_dynamics result (tools/) and the coalition report (report/)
 * print: the methodology's formula and limits (NULL-terminated), the stability formula and the
 * definition of a faction. */
extern const char ep_coal_formula[];
extern const char *const ep_coal_limits[];
extern const char ep_coal_stability_formula[];
extern const char ep_coal_faction_definition[];

void ep_coalition_init(struct ep_coalition *out);
void ep_coalition_free(struct ep_coalition *out);

/* Coalition dynamics of window w for the groups p->sel: stages "group cohesion and pair
 * agreement", "trends per sitting and month", "co-voting network and factions", "alliances and
 * stability", "result" of run r (window-too-short measures are added to r). */
int ep_coalition_compute(struct ep_win *w, const struct ep_coalition_params *p, struct ep_run *r,
                         struct ep_coalition *out, struct ep_error *err);

/* OLS slope of the defined points y[k * stride] (ok[k * stride]) against k: EP_EUNAVAIL with
 * fewer than 2 points or a non-finite result. */
int ep_slope(const double *y, const uint8_t *ok, int stride, int n, double *out);

#endif
