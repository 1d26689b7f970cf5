/* ep_group_report: the report on one political group (generate_report kind "group"): the
 * group's voting patterns over the window with its least cohesive votes (ep_patterns.h, at most
 * EP_GROUP_REPORT_LIMIT members or votes a list).
 *
 * The result owns all its memory (ep_group_report_free); it borrows nothing. */
#ifndef EP_GROUP_REPORT_H
#define EP_GROUP_REPORT_H

#include "ep_error.h"
#include "ep_patterns.h"

#define EP_GROUP_REPORT_LIMIT 25

struct ep_group_report {
    struct ep_patterns patterns; /* kind EP_PATTERNS_GROUP, include_votes */
};

void ep_group_report_init(struct ep_group_report *r);
void ep_group_report_free(struct ep_group_report *r);

/* The report on group code (canonical, resolved by the caller) over w. r is initialised here. */
int ep_group_report_compute(const struct ep_patterns_window *w, const char *code,
                            struct ep_group_report *r, struct ep_error *err);

#endif
