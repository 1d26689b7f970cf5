/* ep_group_report: the report on one political group (see ep_group_report.h). */
#include "ep_group_report.h"

void ep_group_report_init(struct ep_group_report *r)
{
    ep_patterns_init(&r->patterns);
}

void ep_group_report_free(struct ep_group_report *r)
{
    if (r)
        ep_patterns_free(&r->patterns);
}

int ep_group_report_compute(const struct ep_patterns_window *w, const char *code,
                            struct ep_group_report *r, struct ep_error *err)
{
    ep_group_report_init(r);
    struct ep_patterns_params p = {.kind = EP_PATTERNS_GROUP,
                                   .group = code,
                                   .include_votes = 1,
                                   .limit = EP_GROUP_REPORT_LIMIT};
    return ep_patterns_compute(w, &p, &r->patterns, err);
}
