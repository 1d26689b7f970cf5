/* ep_mep_report: the report on one MEP (see ep_mep_report.h). */
#include "ep_mep_report.h"

#include <string.h>

void ep_mep_report_init(struct ep_mep_report *r)
{
    memset(r, 0, sizeof *r);
    ep_patterns_init(&r->patterns);
}

void ep_mep_report_free(struct ep_mep_report *r)
{
    if (!r)
        return;
    ep_patterns_free(&r->patterns);
    ep_query_memberships_free(r->memberships, r->n_memberships);
    ep_mep_report_init(r);
}

int ep_mep_report_compute(const struct ep_patterns_window *w, int64_t id, struct ep_mep_report *r,
                          struct ep_error *err)
{
    ep_mep_report_init(r);
    struct ep_patterns_params p = {
        .kind = EP_PATTERNS_MEP, .mep_id = id, .include_votes = 1, .limit = EP_MEP_REPORT_LIMIT};
    int rc = ep_patterns_compute(w, &p, &r->patterns, err);
    if (rc)
        return rc;
    /* the history is a section of its own: a failure to read it leaves it out */
    r->memberships_ok =
        ep_query_memberships(w->store, id, &r->memberships, &r->n_memberships, NULL) == 0;
    return 0;
}
