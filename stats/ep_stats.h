/* ep_stats: cohesion, positions, loyalty, participation, baselines and outliers, political map
 * and fragmentation over a vote matrix (engine/ep_matrix.h). Plain C result structs, no JSON.
 *
 * Every measure follows docs/methodology.md (grown from shared METHODS.md). A value that has no
 * data is never reported as 0: each result carries an `ok` flag (1 = defined) and, when the flag
 * is 0, the value field holds the sentinel EP_STATS_UNDEF (-1.0, outside every measure's range).
 * No result field is ever NaN or Inf.
 *
 * Ownership: every *_compute function fills a caller-provided struct that then owns its arrays;
 * release with the matching *_free (safe on a zeroed or already freed struct). Inputs (the
 * matrix, vote stats, periods) are borrowed and must outlive only the call.
 *
 * GSL: ep_stats_init() installs gsl_set_error_handler_off(); the functions that use GSL call it
 * too, so GSL never aborts. All functions run on the calling thread. */
#ifndef EP_STATS_H
#define EP_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "ep_error.h"
#include "ep_matrix.h"

#define EP_STATS_UNDEF (-1.0)

/* Install the non-aborting GSL error handler. Idempotent. */
void ep_stats_init(void);

/* ---- Formula functions on raw counts ------------------------------------------------------ */

/* Group position of a vote: the option with the largest of Y, N, A; TIE when two or more options
 * share the maximum; NONE when T = Y + N + A = 0. */
enum ep_stats_gpos {
    EP_GPOS_NONE = 0,
    EP_GPOS_FOR = 1, /* same numeric values as EP_POS_FOR/AGAINST/ABSTENTION */
    EP_GPOS_AGAINST = 2,
    EP_GPOS_ABSTENTION = 3,
    EP_GPOS_TIE = 4,
};
int ep_stats_position(int y, int n, int a);
const char *ep_stats_gpos_name(int gpos); /* "NONE", "FOR", "AGAINST", "ABSTENTION", "TIE" */

/* Agreement Index (Hix, Noury & Roland 2005): (max − ½(T − max)) / T. EP_EUNAVAIL when T = 0,
 * EP_EINVAL on a negative count. *out untouched on error. */
int ep_stats_ai(int y, int n, int a, double *out);
/* Rice index |Y − N| / (Y + N). EP_EUNAVAIL when Y + N = 0. */
int ep_stats_rice(int y, int n, double *out);
/* Krippendorff's alpha, nominal, on a units x values count table counts[u*n_values + c]
 * (n_uc). Units with fewer than 2 values are dropped. EP_EUNAVAIL when fewer than
 * EP_STATS_ALPHA_MIN_UNITS pairable units remain (over a single unit the observed and the expected
 * disagreement coincide, so alpha is 0 by construction, whatever the votes) or when expected
 * disagreement is 0 (all values identical: alpha is 0/0). n_units_used (may be NULL) receives
 * the number of pairable units. */
#define EP_STATS_ALPHA_MIN_UNITS 2
int ep_stats_kalpha_nominal(const uint32_t *counts, int n_units, int n_values, double *out,
                            int *n_units_used, struct ep_error *err);
/* Krippendorff's alpha (nominal) of the whole Parliament over the window: units = votes, coders
 * = every MEP who cast FOR, AGAINST or ABSTENTION on the vote (with or without a group), missing
 * = did not vote or not an MEP. Same minimum and unavailable cases as ep_stats_kalpha_nominal;
 * *units = pairable votes, *coders = distinct MEPs with at least one cast vote in a pairable
 * vote (both may be NULL, and are filled on EP_EUNAVAIL too). */
int ep_stats_parliament_alpha(const struct ep_matrix *m, double *out, int *units, int *coders,
                              struct ep_error *err);
/* Effective number of parties (Laakso–Taagepera): 1 / Σ p_k², p_k = x_k / Σ x. Inputs must be
 * finite and >= 0; EP_EUNAVAIL when Σ x = 0. */
int ep_stats_enp(const double *x, int k, double *out);
/* Median of x[0..n-1]; sorts x in place. EP_EUNAVAIL when n = 0. */
int ep_stats_median(double *x, size_t n, double *out);

/* ---- Per vote and group ------------------------------------------------------------------- */

struct ep_stats_vg {
    int32_t y, n, a, d; /* FOR, AGAINST, ABSTENTION, DID_NOT_VOTE members of the group */
    uint8_t pos;        /* enum ep_stats_gpos */
    uint8_t ai_ok;      /* T > 0 */
    uint8_t rice_ok;    /* Y + N > 0 */
    double ai, rice;    /* EP_STATS_UNDEF when !ok */
};

struct ep_stats_votes {
    int n_vote, n_grp;
    struct ep_stats_vg *vg; /* [v*n_grp + g], owned */
};

/* One O(n_mep·n_vote) pass over pos[]/grp[]. Cells with grp == EP_GRP_NONE are ignored. */
int ep_stats_votes_compute(const struct ep_matrix *m, struct ep_stats_votes *out,
                           struct ep_error *err);
void ep_stats_votes_free(struct ep_stats_votes *vs);

/* ---- Per group over the window ------------------------------------------------------------ */

struct ep_stats_group {
    int n_vote_present; /* votes where the group had >= 1 member (T + D > 0) */
    int n_vote_cast;    /* votes with T > 0 */
    int n_tie;          /* votes whose position was TIE */
    int ai_ok;          /* n_vote_cast > 0 */
    double ai_mean, ai_median;
    int rice_ok, rice_n; /* rice_n = votes with Y + N > 0 */
    double rice_mean;
    int alpha_ok, alpha_units; /* units with >= 2 values */
    double alpha;
    int part_ok;          /* Σ(T + D) > 0 */
    double participation; /* Σ T / Σ (T + D) over the window's votes */
};

struct ep_stats_groups {
    int n_grp;
    struct ep_stats_group *g; /* [n_grp], owned */
    /* Group-pair agreement over votes where both groups have a non-tie, non-NONE position.
     * [a*n_grp + b], symmetric; share = agree/common, EP_STATS_UNDEF (ok 0) when common = 0. */
    int32_t *pair_agree, *pair_common;
    double *pair_share;
    uint8_t *pair_ok;
};

int ep_stats_groups_compute(const struct ep_matrix *m, const struct ep_stats_votes *vs,
                            struct ep_stats_groups *out, struct ep_error *err);
void ep_stats_groups_free(struct ep_stats_groups *gs);

/* Effective number of groups. by_seats: members per group on the window's last vote (cells
 * with pos != NONE and a group); by_votes: FOR+AGAINST+ABSTENTION cast per group over the
 * window. Each EP_EUNAVAIL-safe via its ok flag. */
struct ep_stats_frag {
    int seats_ok, votes_ok;
    double enp_seats, enp_votes;
    int32_t seats[EP_MATRIX_MAX_GROUPS];
    int64_t cast[EP_MATRIX_MAX_GROUPS];
};
int ep_stats_fragmentation(const struct ep_matrix *m, struct ep_stats_frag *out,
                           struct ep_error *err);

/* ---- Per MEP ------------------------------------------------------------------------------- */

struct ep_stats_mep {
    int mep;      /* matrix index */
    int eligible; /* votes with pos != NONE */
    int n_for, n_against, n_abst, n_dnv;
    int cast;
    int part_ok;
    double participation; /* cast / eligible */
    int abst_ok;
    double abst_share; /* n_abst / cast */
    int loyalty_den, loyalty_num, loyalty_ok;
    double loyalty; /* loyalty_num / loyalty_den */
    int n_defect;
    int *defect_votes; /* [n_defect] vote indices, ascending, owned */
    /* Agreement with each group's position: over votes where the MEP cast and group g had a
     * non-tie position, the share where the MEP's option equals it. [n_grp], owned. */
    int n_grp;
    int32_t *grp_agree, *grp_den;
    double *grp_share; /* EP_STATS_UNDEF when grp_den = 0 */
    /* Cross-party votes: defections whose option equals the non-tie position of at least one
     * other group (NI excluded). Share over loyalty_den. */
    int cross_n, cross_ok;
    double cross_share;
    int *cross_votes; /* [cross_n], owned */
};

int ep_stats_mep_compute(const struct ep_matrix *m, const struct ep_stats_votes *vs, int mep,
                         struct ep_stats_mep *out, struct ep_error *err);
void ep_stats_mep_free(struct ep_stats_mep *s);

/* ---- Periods, series, baselines, outliers ------------------------------------------------- */

enum ep_stats_period_kind { EP_PERIOD_SITTING = 0, EP_PERIOD_MONTH = 1 };

/* Periods of a window: sittings (distinct vote_day) or calendar months, ascending. */
struct ep_stats_periods {
    int kind, n;
    int32_t *key;   /* [n] vote_day, or year*100 + month */
    int *start;     /* [n+1] CSR offsets into vote */
    int *vote;      /* [n_vote] vote indices grouped by period, ascending within each */
    int *period_of; /* [n_vote] period index of each vote */
};
int ep_stats_periods_compute(const struct ep_matrix *m, int kind, struct ep_stats_periods *out,
                             struct ep_error *err);
void ep_stats_periods_free(struct ep_stats_periods *p);

enum ep_stats_measure {
    EP_MEASURE_DEFECTION = 0,     /* defections / (cast with own-group non-tie position) */
    EP_MEASURE_ABSTENTION = 1,    /* abstentions / cast */
    EP_MEASURE_PARTICIPATION = 2, /* cast / eligible (group: Σ T / Σ (T + D)) */
    EP_MEASURE_COHESION_AI = 3,   /* groups only: mean AI over votes with T > 0 */
};
enum ep_stats_entity { EP_ENTITY_MEP = 0, EP_ENTITY_GROUP = 1 };

/* One value per period. For rates num/den are the counts; for AI den = votes with T > 0 and
 * num = 0. ok[k] = 0 when den = 0 (x[k] = EP_STATS_UNDEF). */
struct ep_stats_series {
    int n;
    double *x;
    uint8_t *ok;
    int32_t *num, *den;
};
int ep_stats_series_compute(const struct ep_matrix *m, const struct ep_stats_votes *vs,
                            const struct ep_stats_periods *p, int entity, int idx, int measure,
                            struct ep_stats_series *out, struct ep_error *err);
void ep_stats_series_free(struct ep_stats_series *s);
/* The votes behind point k: votes[] = the votes of period k counted in den, hits[] = those
 * counted in num (empty for AI). Both malloc'd, caller frees (NULL when the count is 0). */
int ep_stats_series_votes(const struct ep_matrix *m, const struct ep_stats_votes *vs,
                          const struct ep_stats_periods *p, int entity, int idx, int measure, int k,
                          int **votes, int *n_votes, int **hits, int *n_hits, struct ep_error *err);

struct ep_stats_outlier_params {
    double threshold; /* |z| > threshold flags a point; default 3.5 */
    int min_obs;      /* fewer defined points -> status TOO_FEW; default 8 */
    int classic_min;  /* classic z also applied when n_obs >= classic_min; default 30 */
};
void ep_stats_outlier_params_default(struct ep_stats_outlier_params *p);

enum ep_stats_outlier_status { EP_OUTLIERS_OK = 0, EP_OUTLIERS_TOO_FEW = 1 };
/* Which scale the robust z used. */
enum ep_stats_scale { EP_SCALE_MAD = 0, EP_SCALE_MEANAD = 1, EP_SCALE_CONSTANT = 2 };
#define EP_OUTLIER_ROBUST 1  /* flagged by the robust z */
#define EP_OUTLIER_CLASSIC 2 /* flagged by the classic z */

struct ep_stats_outlier {
    int point; /* index into the series */
    double x, z_robust;
    int classic_ok;
    double z_classic; /* EP_STATS_UNDEF when !classic_ok */
    int flags;        /* EP_OUTLIER_* */
    int n_votes, n_hits;
    int *votes, *hits; /* owned; filled by ep_stats_baseline, NULL from ep_stats_outliers_find */
};

struct ep_stats_outliers {
    int status, n_obs;
    double median, mad, meanad; /* of the defined points */
    int scale;                  /* enum ep_stats_scale */
    int classic_ok;
    double mean, sd;
    int n;
    struct ep_stats_outlier *o; /* [n], owned */
};
/* Robust z = (x − median) / (1.4826·MAD). MAD = 0 -> scale 1.253314·MeanAD (Iglewicz–Hoaglin);
 * both 0 -> every defined point equals the median, no outliers (scale CONSTANT). Classic
 * z = (x − mean)/sd (sample sd) added when n_obs >= classic_min and sd > 0. */
int ep_stats_outliers_find(const double *x, const uint8_t *ok, int n,
                           const struct ep_stats_outlier_params *p, struct ep_stats_outliers *out,
                           struct ep_error *err);
void ep_stats_outliers_free(struct ep_stats_outliers *o);

/* Series + outliers with each outlier's vote indices filled in. */
struct ep_stats_baseline {
    int entity, idx, measure;
    struct ep_stats_series series;
    struct ep_stats_outliers outliers;
};
int ep_stats_baseline(const struct ep_matrix *m, const struct ep_stats_votes *vs,
                      const struct ep_stats_periods *p, int entity, int idx, int measure,
                      const struct ep_stats_outlier_params *op, struct ep_stats_baseline *out,
                      struct ep_error *err);
void ep_stats_baseline_free(struct ep_stats_baseline *b);

/* Trends: per period and group, AI mean and participation (the COHESION_AI and PARTICIPATION
 * series of every group at once). Arrays [k*n_grp + g], owned. */
struct ep_stats_trends {
    int n, n_grp, kind;
    int32_t *key; /* [n], copied from the periods */
    double *ai, *participation;
    uint8_t *ai_ok, *part_ok;
    int32_t *n_vote_cast; /* votes with T > 0 */
};
int ep_stats_trends_compute(const struct ep_matrix *m, const struct ep_stats_votes *vs,
                            const struct ep_stats_periods *p, struct ep_stats_trends *out,
                            struct ep_error *err);
void ep_stats_trends_free(struct ep_stats_trends *t);

/* ---- Political map -------------------------------------------------------------------------- */

enum ep_stats_map_solver {
    EP_MAP_SOLVER_AUTO = 0, /* full GSL solver up to 64 MEPs, subspace iteration above */
    EP_MAP_SOLVER_FULL = 1, /* always the full gsl_eigen_symmv of the Gram matrix */
};
struct ep_stats_map_params {
    int min_cast; /* MEPs with fewer cast votes are left out; default 20 */
    int solver;   /* enum ep_stats_map_solver; default AUTO */
};
void ep_stats_map_params_default(struct ep_stats_map_params *p);

struct ep_stats_map {
    int n;           /* MEPs on the map */
    int *mep;        /* [n] matrix indices, ascending, owned */
    double *x, *y;   /* [n] scores on dimensions 1 and 2 (σ_k·u_k), owned */
    int n_vote_used; /* votes with >= 1 kept MEP casting */
    int dims;        /* 2, or 1/0 when the data has lower rank */
    double var[2];   /* share of total variance explained by each dimension, 0..1 */
    double sv[2];    /* singular values */
    int sign_ref[2]; /* matrix index of the reference MEP that fixed each axis's sign */
};
int ep_stats_map_compute(const struct ep_matrix *m, const struct ep_stats_map_params *p,
                         struct ep_stats_map *out, struct ep_error *err);
void ep_stats_map_free(struct ep_stats_map *mp);

#endif
