/* ep_tools_analysis: the analytic basic tools analyze_voting_patterns and generate_report.
 *
 *   size_t n; const struct ep_tool *rows = ep_tools_analysis_rows(&n);
 *   ep_tools_register(ts, rows, n, &err);
 *
 * analyze_voting_patterns {mep_id | group, window, include_votes, limit}: per-MEP or per-group
 * measures from stats/ep_stats.h over a window (tools/ep_tools_window.h), each with the counts
 * behind it and, on request, the votes behind it. generate_report {kind, id, window}: an MEP,
 * group or sitting report as structured JSON plus a Markdown rendering. Definitions follow
 * docs/methodology.md; a measure without data is {"available": false, "reason": ...}.
 * Every handler needs ctx->store and runs on the caller's thread. */
#ifndef EP_TOOLS_ANALYSIS_H
#define EP_TOOLS_ANALYSIS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ep_tools.h"

/* The static rows (borrowed, valid for the life of the process); *n gets their number. */
const struct ep_tool *ep_tools_analysis_rows(size_t *n);

/* generate_report {kind: "mep", id: mep_id}'s result (without files) over the window of args
 * (borrowed), computed directly, for a document that shows it (the MEP scorecard) without
 * calling the tool by name. *result is a new reference. Errors as the tool's. */
int ep_tools_mep_report_result(struct ep_tool_ctx *ctx, json_t *args, int64_t mep_id,
                               json_t **result, struct ep_error *err);
/* The same report as the typed analysis/ result (ep_mep_report_free), for the scorecard PDF. */
struct ep_mep_report;
int ep_tools_mep_report_typed(struct ep_tool_ctx *ctx, json_t *args, int64_t mep_id,
                              struct ep_mep_report *out, struct ep_error *err);

#endif
