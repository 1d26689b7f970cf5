/* ep_mep_report: the report on one MEP (generate_report kind "mep"): the MEP's voting patterns
 * over the window with the votes behind them (ep_patterns.h, at most EP_MEP_REPORT_LIMIT votes
 * a list) and the MEP's group membership history.
 *
 * The result owns all its memory (ep_mep_report_free); it borrows nothing. */
#ifndef EP_MEP_REPORT_H
#define EP_MEP_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "ep_error.h"
#include "ep_patterns.h"
#include "ep_query.h"

#define EP_MEP_REPORT_LIMIT 50

struct ep_mep_report {
    struct ep_patterns patterns; /* kind EP_PATTERNS_MEP, include_votes */
    int memberships_ok;          /* the membership history could be read */
    size_t n_memberships;
    struct ep_query_membership *memberships; /* owned, by start date */
};

void ep_mep_report_init(struct ep_mep_report *r);
void ep_mep_report_free(struct ep_mep_report *r);

/* The report on MEP id over w. EP_ENOTFOUND when no stored source names the MEP. r is
 * initialised here. */
int ep_mep_report_compute(const struct ep_patterns_window *w, int64_t id, struct ep_mep_report *r,
                          struct ep_error *err);

#endif
