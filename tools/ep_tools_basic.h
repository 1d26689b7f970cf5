/* ep_tools_basic: eight of the ten basic tools, on the store (get_meps, get_mep_details,
 * get_plenary_sessions, get_voting_records, search_documents, get_committee_info,
 * get_parliamentary_questions, track_legislation). Register them with
 *   size_t n; const struct ep_tool *rows = ep_tools_basic_rows(&n);
 *   ep_tools_register(ts, rows, n, &err);
 * Every handler needs ctx->store. Every result carries "provenance" (ep_tools_common.h). */
#ifndef EP_TOOLS_BASIC_H
#define EP_TOOLS_BASIC_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "ep_tools.h"

/* The static rows (borrowed, valid for the life of the process); *n gets their number. */
const struct ep_tool *ep_tools_basic_rows(size_t *n);

/* get_mep_details' result for MEP id over every vote with positions (no date range), computed
 * directly (analysis/ep_mep_profile.h), for a product that shows it (the scorecard PDF) without
 * calling the tool by name. *result is a new reference. Errors as the tool's. */
int ep_tools_mep_details_result(struct ep_tool_ctx *ctx, int64_t id, json_t **result,
                                struct ep_error *err);

#endif
