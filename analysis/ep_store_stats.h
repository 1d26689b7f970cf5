/* ep_store_stats: what the store holds (get_all_generated_stats): the totals of every table, the
 * votes and sittings per calendar year and per parliamentary term (with and without per-MEP
 * positions), and per political group its MEPs and memberships (per term) and the positions its
 * members cast. Everything is counted from the store (engine/ep_store_query.h,
 * engine/ep_query_signals.h) and the positions snapshot (analysis/ep_positions.h). */
#ifndef EP_STORE_STATS_H
#define EP_STORE_STATS_H

#include "ep_env.h"
#include "ep_error.h"
#include "ep_query_signals.h"
#include "ep_store_query.h"

struct ep_store_stats_params {
    /* The parliamentary term of a YYYY-MM-DD date (0 when none): the tools layer's rule
     * (ep_tools_term_of), so that every tool agrees on the boundaries. */
    int (*term_of)(const char *date);
};

/* Votes and sittings of one year or term. */
struct ep_store_stats_span {
    int key;                /* the year, or the term (0 = a date outside every known term) */
    char from[11], to[11];  /* first and last sitting date */
    long votes, votes_with_positions, main_votes, main_known;
    long sittings, sittings_with_positions;
};

/* One group: its memberships (SQL) and what its members cast (positions snapshot). */
struct ep_store_stats_group {
    struct ep_qs_group g;
    int in_positions;        /* the group appears beside stored positions */
    long long cast_for, cast_against, cast_abstention, did_not_vote;
    long votes_present;      /* votes with positions on which >= 1 member had a position */
};

/* Ownership: year, term and group are owned (ep_store_stats_free). */
struct ep_store_stats {
    struct ep_store_info info;
    struct ep_qs_records records;
    int n_year, n_term, n_group;
    struct ep_store_stats_span *year, *term;
    struct ep_store_stats_group *group;
    long votes_outside_sittings; /* votes whose sitting date is not a valid date */
    int synthetic;
};

void ep_store_stats_init(struct ep_store_stats *out);
void ep_store_stats_free(struct ep_store_stats *out);

/* The overview of env's store. EP_EDB, EP_ENOMEM. */
int ep_store_stats_compute(struct ep_env *env, const struct ep_store_stats_params *p,
                           struct ep_store_stats *out, struct ep_error *err);

#endif
