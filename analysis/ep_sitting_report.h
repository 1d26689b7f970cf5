/* ep_sitting_report: the report on one sitting day (generate_report kind "sitting"): the day's
 * votes from the vote table (all of them, main votes first) and, when the day has per-MEP
 * positions, each group's cohesion and participation and the day's attendance.
 *
 * Main votes and results count over the votes whose source says so; with none they are unknown,
 * never 0. Participation and attendance need who did not vote (ep_positions.h).
 *
 * The result owns all its memory (ep_sitting_report_free); it borrows nothing. */
#ifndef EP_SITTING_REPORT_H
#define EP_SITTING_REPORT_H

#include "ep_error.h"
#include "ep_matrix.h"
#include "ep_patterns.h"
#include "ep_query.h"

/* Votes listed at most (main votes first). */
#define EP_SITTING_REPORT_LIMIT 50

/* One group on the day. */
struct ep_sitting_group {
    int group; /* index into grp_code */
    int ai_ok;
    double ai_mean, ai_median;
    int ai_votes;
    struct ep_measure participation;
    int tie_votes;
};

/* One listed vote: the vote-table row and, when the vote has positions, each group's position
 * (gpos[g] = EP_GPOS_*, -1 when the group had no member on it). */
struct ep_sitting_vote {
    struct ep_query_sitting_vote row;
    int has_positions;
    signed char gpos[EP_MATRIX_MAX_GROUPS];
};

struct ep_sitting_report {
    char date[11];
    struct ep_query_sitting_counts counts;
    char reference[64]; /* minutes reference, "" when none stored */
    /* per-MEP positions: none (why says so) or the day's figures */
    int has_positions;
    char why[EP_PATTERNS_REASON_MAX];
    int dnv_unknown; /* votes of the day on which who did not vote is unknown */
    char dnv_reason[600];
    int n_grp; /* the day's groups (the matrix's), for the vote table's columns */
    char grp_code[EP_MATRIX_MAX_GROUPS][16];
    int n_groups;
    struct ep_sitting_group *groups; /* owned [n_groups]: groups present that day */
    int attendance_ok;               /* present / mandate is known */
    int present, mandate;
    double attendance;
    int n_votes;
    struct ep_sitting_vote *votes; /* owned [n_votes] */
    struct ep_patterns_span span;
};

void ep_sitting_report_init(struct ep_sitting_report *r);
void ep_sitting_report_free(struct ep_sitting_report *r);

/* The report on date over w (the window of that one day: its matrix, or an empty matrix when the
 * day has no positions). EP_ENOTFOUND when the store has no vote on date. r is initialised
 * here. */
int ep_sitting_report_compute(const struct ep_patterns_window *w, const char *date,
                              struct ep_sitting_report *r, struct ep_error *err);

#endif
