/* ep_tools_intel_int: what the intelligence tools' two files share: the handlers (defined in
 * ep_tools_intel_map.c, named in the row table of ep_tools_intel.c). Internal to tools/. */
#ifndef EP_TOOLS_INTEL_INT_H
#define EP_TOOLS_INTEL_INT_H

#include <jansson.h>

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

#endif
