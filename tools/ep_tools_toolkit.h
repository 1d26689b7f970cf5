/* ep_tools_toolkit: the analyst's toolkit tools, part A (issue 18): compare_political_groups,
 * track_mep_attendance, analyze_country_delegation, generate_political_landscape,
 * comparative_intelligence and network_analysis.
 *
 * Each tool maps its validated arguments to parameters, calls its product's compute function in
 * analysis/ (ep_groups_compare, ep_attendance, ep_delegation, ep_landscape, ep_comparative,
 * ep_ego) over the window of the call's analysis environment (tools/ep_tools_window.h), and maps
 * the typed result to JSON (tools/ep_json.h) with "window", "methodology" and "provenance".
 * Schemas: tools/schemas/NAME.json. Formulas: docs/tools-intel.md, "Analyst's toolkit". */
#ifndef EP_TOOLS_TOOLKIT_H
#define EP_TOOLS_TOOLKIT_H

#include <stddef.h>

#include <jansson.h>

#include "ep_error.h"
#include "ep_tools.h"

/* The static rows; *n receives their count (the handlers read their schema defaults from args:
 * ep_tools_call fills them in for every row). */
const struct ep_tool *ep_tools_toolkit_rows(size_t *n);

/* get_voting_records' per-country breakdown (by_country): the member-table country of every MEP
 * of the positions snapshot p, as a new array [p->m.n_mep] in *country ("" when unknown; the
 * caller frees it). 0, EP_EDB or EP_ENOMEM. */
struct ep_positions;
struct ep_store;
int ep_tools_positions_countries(struct ep_store *s, const struct ep_positions *p,
                                 char (**country)[8], struct ep_error *err);
/* [{country, Y, N, A, D, position}] of vote v of p (countries in code order; MEPs without a
 * country under null), NULL on ENOMEM. The position is the group position rule (TIE explicit). */
json_t *ep_tools_country_breakdown_json(const struct ep_positions *p, int v,
                                        const char (*country)[8]);

/* The country delegation PDF (analyze_country_delegation's formats ["pdf"] and `epintel report
 * country`): the delegation of args["country"] over args' window, handed to sink as one PDF,
 * country-<code> (tools/ep_artefact.h, struct ep_doc_sink). args: the tool's arguments (its
 * schema's defaults are filled in). EP_EINVAL for an unknown country (with the known ones). */
struct ep_doc_sink;
int ep_tools_doc_country(struct ep_tool_ctx *ctx, json_t *args, struct ep_doc_sink *sink,
                         struct ep_error *err);

#endif
