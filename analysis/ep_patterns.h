/* ep_patterns: voting patterns of one MEP or one political group over a window of roll-call
 * votes (the product behind analyze_voting_patterns and the MEP and group reports).
 *
 * MEP: participation, loyalty to the own group, agreement with every group, cross-party votes
 * and the abstention share, each with its counts; optionally the votes behind them. Group:
 * cohesion (Agreement Index mean/median, Rice, Krippendorff's alpha), participation, abstention
 * share, agreement with every other group, the most rebellious members; optionally its least
 * cohesive votes. Definitions: docs/methodology.md; every figure comes from stats/ep_stats.h.
 *
 * A figure that cannot be computed has ok = 0 and a reason, never 0. The result owns all its
 * memory (free with ep_patterns_free); it borrows nothing from the window or the store. */
#ifndef EP_PATTERNS_H
#define EP_PATTERNS_H

#include <stdint.h>

#include "ep_error.h"
#include "ep_matrix.h"
#include "ep_stats.h"

struct ep_store;
struct ep_positions_cache;

/* Longest reason text of an unavailable figure. */
#define EP_PATTERNS_REASON_MAX (EP_ERROR_MSG_MAX + 64)
/* Members with fewer counted votes are not ranked among the rebels. */
#define EP_PATTERNS_MIN_REBEL_VOTES 10

/* The window a product works on (borrowed, read only). */
struct ep_patterns_window {
    struct ep_store *store;               /* for names and titles */
    struct ep_positions_cache *positions; /* the store's snapshot cache: is an MEP known */
    const struct ep_matrix *m;            /* n_vote 0 when the window holds no votes */
    const struct ep_stats_votes *vs;      /* m's per-vote group figures; NULL when n_vote is 0 */
    const char *why;                      /* why the window holds no votes (when n_vote is 0) */
};

/* What a window covers: the figures every result's "window" block shows. */
struct ep_patterns_span {
    char from[11], to[11]; /* first and last vote date, "" when no vote */
    int votes, meps, sittings, synthetic;
};
void ep_patterns_span_of(const struct ep_matrix *m, struct ep_patterns_span *out);

/* A figure that may be unavailable. */
struct ep_measure {
    int ok;       /* 1: value holds the figure; 0: reason says why there is none */
    double value; /* a share in [0, 1] */
    char reason[EP_PATTERNS_REASON_MAX];
};

enum ep_patterns_kind { EP_PATTERNS_MEP = 1, EP_PATTERNS_GROUP = 2 };

struct ep_patterns_params {
    int kind;
    int64_t mep_id;    /* EP_PATTERNS_MEP */
    const char *group; /* EP_PATTERNS_GROUP: a canonical group code (resolved by the caller) */
    int include_votes; /* list the votes behind the figures */
    int limit;         /* longest vote or member list */
};

/* One listed vote. */
struct ep_patterns_vote {
    int64_t vote_id;
    char date[11];
    char *title;              /* owned, never NULL */
    char *procedure, *result; /* owned, NULL when not stored (or empty) */
    /* MEP lists (with_mep): the MEP's position and their group's on the vote */
    int with_mep;
    int mep_position;   /* EP_POS_* */
    int group;          /* index into the result's grp_code, -1 when the MEP had no group */
    int group_position; /* EP_GPOS_* of that group */
    uint32_t same_mask; /* bit g: group g's position equals the MEP's option (own group left out) */
    /* group lists */
    struct ep_stats_vg vg; /* the group's counts, position and AI on the vote */
};

struct ep_patterns_votes {
    int total;                      /* votes of the kind in the window */
    int n;                          /* listed (at most the limit) */
    struct ep_patterns_vote *items; /* owned [n] */
};

/* Agreement with one group. */
struct ep_patterns_agree {
    int group; /* index into grp_code */
    struct ep_measure share;
    int agree, counted; /* counted = the denominator ("counted" for an MEP, "common" for a group) */
};

struct ep_patterns_rebel {
    int64_t mep_id;
    int mep; /* matrix index */
    char name[256], country[8];
    int defections, counted;
    double rate;
};

struct ep_patterns_mep {
    int64_t id;
    int named; /* the members table names the MEP (else name is "MEP <id>" and country "") */
    char name[256], country[8];
    int in_window; /* the MEP held a mandate on a vote of the window */
    int n_held;    /* groups held in the window with their eligible votes (when in_window) */
    int held_group[EP_MATRIX_MAX_GROUPS], held_votes[EP_MATRIX_MAX_GROUPS];
    int last_group; /* group on the last eligible vote, -1 when none */
    struct ep_measure participation, loyalty, abstention, cross_party;
    int cast, eligible, n_for, n_against, n_abst, n_dnv; /* participation counts */
    int loyalty_matching, loyalty_counted, defections, cross_votes;
    int n_agree;
    struct ep_patterns_agree *agree; /* owned [n_agree], one per group of the window */
    /* include_votes */
    struct ep_patterns_votes defection_votes, cross_party_votes, abstention_votes, missed_votes;
};

struct ep_patterns_group {
    char code[16];
    char label[256]; /* "" when the groups table does not name it */
    int in_window;   /* the group had members on the window's votes */
    int members;     /* members on the window's votes */
    struct ep_stats_group cohesion;
    char alpha_reason[256]; /* when !cohesion.alpha_ok */
    struct ep_measure participation, abstention;
    long part_cast, part_possible, abstentions;
    int n_agree;
    struct ep_patterns_agree *agree; /* owned, every other group of the window */
    int rebels_ok;
    char rebels_reason[EP_PATTERNS_REASON_MAX];
    int ranked, not_ranked_few;
    int n_rebels;                     /* listed (at most the limit) */
    struct ep_patterns_rebel *rebels; /* owned [n_rebels], highest rate first */
    struct ep_patterns_votes votes;   /* include_votes: Agreement Index ascending */
};

struct ep_patterns {
    int kind;
    int include_votes, limit;
    char reason[EP_PATTERNS_REASON_MAX]; /* why the subject has no figures ("" when it has) */
    int n_grp;                           /* the window's groups */
    char grp_code[EP_MATRIX_MAX_GROUPS][16];
    struct ep_patterns_span span;
    struct ep_patterns_mep mep;     /* EP_PATTERNS_MEP */
    struct ep_patterns_group group; /* EP_PATTERNS_GROUP */
};

void ep_patterns_init(struct ep_patterns *p);
void ep_patterns_free(struct ep_patterns *p);

/* The voting patterns of p->mep_id or p->group over w. An MEP no stored source names is
 * EP_ENOTFOUND; a window without votes is not an error (the figures are unavailable with
 * w->why). out is initialised here. */
int ep_patterns_compute(const struct ep_patterns_window *w, const struct ep_patterns_params *p,
                        struct ep_patterns *out, struct ep_error *err);

/* Why Krippendorff's alpha is unavailable, given the number of pairable units (votes with >= 2
 * cast values) that ep_stats_kalpha_nominal kept and the window's votes. Writes into buf. */
const char *ep_patterns_alpha_reason(int units, int n_vote, char *buf, size_t n);

#endif
