/* ep_provider: the MCP resources, prompts and completions for EP data (struct ep_mcp_provider,
 * mcp/ep_mcp.h), on a store.
 *
 * Resource templates (every read returns one application/json text content, the
 * structuredContent of a registered tool, so that the JSON shapes live in one place):
 *   ep://meps/{id}        get_mep_details {id}    (fallback: analyze_voting_patterns {mep_id})
 *   ep://votes/{id}       get_voting_records {vote_id}
 *   ep://groups/{code}    analyze_voting_patterns {group}
 *   ep://sittings/{date}  get_voting_records {sitting, limit 500}
 * (ep://artefacts/{name}, a file a tool rendered, is read by the MCP core from the session's
 * output directory: tools/ep_artefact.h.) tool_for names the tool whose role a request needs.
 * resources/list pages (opaque cursor, 100 per page) over the groups, the sittings with per-MEP
 * positions, then every MEP by id. Unknown ids and malformed URIs give EP_ENOTFOUND (-32002).
 *
 * Prompts: mep_briefing {mep_id}, coalition_analysis {from?, to?, groups?} (groups
 * comma-separated), legislative_tracking {procedure}, and issue 18's group_comparison {groups
 * (two or more, comma-separated), from?, to?}, committee_activity {committee?, from?, to?},
 * voting_patterns {mep_id | group, from?, to?}, country_delegation {country (code, ISO alpha-2
 * or name), from?, to?}; each names the tools to call with their arguments resolved. Missing or bad arguments give EP_EINVAL
 * naming them. Completions: MEP ids (id prefix, or name match returning ids), group codes,
 * sitting dates, procedure references and vote ids, for prompt arguments and template
 * variables.
 *
 * The tools must be registered (into ep_tools_provider_ctx.tools) before a resource is read. All
 * functions run under the MCP core's execution mutex; the store is used from one thread at a time.
 */
#ifndef EP_PROVIDER_H
#define EP_PROVIDER_H

#include "ep_mcp.h"
#include "ep_store.h"

/* What the provider reads: the store, and the tool table resources are read through (both
 * borrowed). Caller-owned, e.g. next to the server options. */
struct ep_ui_res_cache;
struct ep_tools_provider_ctx {
    struct ep_store *store;
    struct ep_tools *tools;
    struct ep_ui_res_cache *ui; /* the views' page cache (ep_ui_res.h), NULL = none */
};

/* Fill p (caller-owned) with the provider over c. c is borrowed and must outlive every use of
 * p; p holds no other resources (nothing to free). */
void ep_tools_provider_init(struct ep_mcp_provider *p, struct ep_tools_provider_ctx *c);

#endif
