/* ep_report_policy: the policy-area briefing PDF (analyze_policy_area's formats ["pdf"] and
 * `epintel report policy-area`), rendered from the typed result of analysis/ep_policy_area.h
 * (no JSON). The renderer is report/ep_report_policy.inc, compiled inside report/ep_report_pdf.c
 * with the other documents' page, table and paragraph helpers.
 *
 * Everything is borrowed for the call. A figure without data (ok = 0, or a zero denominator) is
 * printed as "n/a", never as 0. Deterministic: the dates printed come from the struct. */
#ifndef EP_REPORT_POLICY_H
#define EP_REPORT_POLICY_H

#include "ep_error.h"
#include "ep_policy_area.h"
#include "ep_util.h"

struct ep_report_policy {
    const char *kind;                     /* "subject" or "concept" */
    const char *code, *label;             /* label may be NULL */
    const char *from, *to, *dataset_date; /* the area's first and last vote; "?" when unknown */
    int sittings, synthetic;              /* of the area's votes */
    int overall_votes;                    /* votes of the window without the filter */
    int min_votes;                        /* counted votes a defector needs */
    const struct ep_policy_area *r;       /* the area (required) */
};

/* The briefing: title, window, filter and vote counts, group positions and cohesion, pair
 * agreement in the area against overall, top defectors, split delegations, majorities, the
 * votes listed with titles, methodology and data credits. 0 or a negative EP_E* code. */
int ep_report_pdf_policy(const struct ep_report_policy *p, struct ep_buf *out,
                         struct ep_error *err);

#endif
