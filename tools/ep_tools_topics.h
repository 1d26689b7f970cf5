/* ep_tools_topics: the tools over the vote topics (OEIL subjects, EuroVoc concepts,
 * responsible committees): analyze_policy_area and analyze_committee_activity. Register with
 *   size_t n; const struct ep_tool *rows = ep_tools_topics_rows(&n);
 *   ep_tools_register(ts, rows, n, &err);
 * Schemas in tools/schemas/NAME.json; formulas in docs/tools-intel.md. */
#ifndef EP_TOOLS_TOPICS_H
#define EP_TOOLS_TOPICS_H

#include <jansson.h>
#include <stddef.h>

#include "ep_artefact.h"
#include "ep_tools.h"

const struct ep_tool *ep_tools_topics_rows(size_t *n);

struct ep_cmember;
/* One stored committee membership as JSON: {mep_id, name, role, classification, group,
 * country, start, end} (unknowns null): analyze_committee_activity's rosters,
 * get_committee_info's members and network_analysis' committee peers list them alike. New
 * reference. */
json_t *ep_tools_cmember_json(const struct ep_cmember *r);

struct ep_ego;
struct ep_ego_committees;
/* network_analysis' committee_edges of an ego network and its committee co-membership (both
 * borrowed); *bad set on a failed allocation. New reference. */
json_t *ep_tools_ego_committees_json(const struct ep_ego *ego, const struct ep_ego_committees *c,
                                     int *bad);

/* The policy-area briefing PDF (report/ep_report_policy.h) of analyze_policy_area's arguments
 * (args borrowed; the schema's defaults are filled in), handed to sink as
 * policy-<subject|concept>-<code>.pdf: the one path of the tool's formats ["pdf"] and
 * `epintel report policy-area`. Errors as the tool's (unknown code EP_EINVAL, no vote with
 * positions in the window EP_ENOTFOUND). */
int ep_tools_doc_policy(struct ep_tool_ctx *ctx, json_t *args, struct ep_doc_sink *sink,
                        struct ep_error *err);

#endif
