/* ep_tools_intel_int: what the intelligence tools' two files share: the handlers (defined in
 * ep_tools_intel_map.c, named in the row table of ep_tools_intel.c). Internal to tools/. */
#ifndef EP_TOOLS_INTEL_INT_H
#define EP_TOOLS_INTEL_INT_H

#include <jansson.h>
#include <stdint.h>

#include "ep_error.h"
#include "ep_tools.h"

int tool_assess_mep_influence(struct ep_tool_ctx *ctx, json_t *args, json_t **result,
                              struct ep_error *err);
int tool_analyze_coalition_dynamics(struct ep_tool_ctx *ctx, json_t *args, json_t **result,
                                    struct ep_error *err);
int tool_map_political_network(struct ep_tool_ctx *ctx, json_t *args, json_t **result,
                               struct ep_error *err);
int tool_detect_voting_anomalies(struct ep_tool_ctx *ctx, json_t *args, json_t **result,
                                 struct ep_error *err);
int tool_generate_political_risk_assessment(struct ep_tool_ctx *ctx, json_t *args,
                                            json_t **result, struct ep_error *err);

/* The computations behind the documents (tools/ep_artefact.c), as the tools make them:
 * analyze_coalition_dynamics (briefing 0, with the groups of args) or
 * generate_political_risk_assessment (1); map_political_network (*w: its window, borrowed
 * from the env's cache; fmts for the political map's note). progress 0: the caller reports it. */
int ep_tools_coal_or_risk_result(struct ep_tool_ctx *ctx, json_t *args, int briefing,
                                 int progress, json_t **result, struct ep_error *err);
struct ep_win;
int ep_tools_map_result(struct ep_tool_ctx *ctx, json_t *args, unsigned fmts, int progress,
                        struct ep_win **w, json_t **result, struct ep_error *err);
/* The tools' files (formats) into res["artefacts"]: map_political_network's over its window w,
 * the coalition report's or (briefing) the risk briefing's. */
int ep_tools_render_map(struct ep_tool_ctx *ctx, struct ep_win *w, json_t *args, unsigned fmts,
                        json_t *res, struct ep_error *err);
int ep_tools_render_coalition(struct ep_tool_ctx *ctx, json_t *args, unsigned fmts, json_t *res,
                              int briefing, struct ep_error *err);

/* The typed products behind the documents' charts, over the window of args (window keys; the
 * groups argument for the coalition), as the tools compute them: analyze_coalition_dynamics'
 * coalition and assess_mep_influence's scorecard of mep_id. *out is the caller's to free
 * (ep_coalition_free / ep_influence_free, also after an error); its window is borrowed from
 * the env's cache (valid until the next window of that env). Progress is the caller's. */
struct ep_coalition;
struct ep_influence;
int ep_tools_coalition_compute(struct ep_tool_ctx *ctx, json_t *args, struct ep_coalition *out,
                               struct ep_error *err);
int ep_tools_influence_compute(struct ep_tool_ctx *ctx, json_t *args, int64_t mep_id,
                               struct ep_influence *out, struct ep_error *err);

#endif
