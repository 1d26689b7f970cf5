/* ep_tools_intel: the five intelligence tools (assess_mep_influence, analyze_coalition_dynamics,
 * map_political_network, detect_voting_anomalies, generate_political_risk_assessment).
 *
 * Each row composes stats/ and graph/ over an analysis window (tools/ep_tools_window.h) and
 * returns a structured result with "window", "methodology" and "provenance". Dimensions, formulas,
 * weights and thresholds are documented in docs/tools-intel.md.
 *
 * Expensive per-window intermediates (vote and group statistics, per-MEP figures, the co-voting
 * graph, periods, trends, influence scores) are kept with the window in the window cache of the
 * call's analysis environment (ctx->env, analysis/ep_env.h), keyed by the store's content and
 * the window, so that several tools on the same window share them. Like all tool code the
 * handlers run on one thread at a time (the MCP core's execution mutex). */
#ifndef EP_TOOLS_INTEL_H
#define EP_TOOLS_INTEL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ep_artefact.h"
#include "ep_tools.h"

/* The static rows (5); *n receives their count. Register with ep_tools_register. */
const struct ep_tool *ep_tools_intel_rows(size_t *n);

/* ---- documents (tools/ep_artefact.h: struct ep_doc_sink): the one path that renders both the
 * tools' formats files and `epintel report`'s. Each computes what it is not given over ctx's
 * environment, with args' window (and the tool's other arguments), then hands each file of
 * fmts (EP_FMT_* bits; JSON ignored) to sink. */

/* The dimension bars (PNG, "dimensions-ID") and the MEP scorecard (PDF, "scorecard-ID") of
 * mep_id, from its typed scorecard, profile and report over the window of args. */
int ep_tools_doc_influence(struct ep_tool_ctx *ctx, json_t *args, int64_t mep_id, unsigned fmts,
                           struct ep_doc_sink *sink, struct ep_error *err);
/* The same files as the artefacts of a tool result res (res["artefacts"]). */
int ep_tools_render_influence(struct ep_tool_ctx *ctx, json_t *args, int64_t mep_id,
                              unsigned fmts, json_t *res, struct ep_error *err);
/* The cohesion and agreement charts (PNG) and the coalition report or, briefing != 0, the
 * political risk briefing (PDF), computed over the window of args. */
int ep_tools_doc_coalition(struct ep_tool_ctx *ctx, json_t *args, int briefing, unsigned fmts,
                           struct ep_doc_sink *sink, struct ep_error *err);
/* The network GraphML, the network drawing and the political map (PNG) of map_political_network
 * over args (its schema's defaults filled in: the tool must be registered). EP_EUNAVAIL when
 * the window is too short for the political map. */
int ep_tools_doc_network(struct ep_tool_ctx *ctx, json_t *args, unsigned fmts,
                         struct ep_doc_sink *sink, struct ep_error *err);

#endif
