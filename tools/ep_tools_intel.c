/* ep_tools_intel: the five intelligence tools' row table (schemas: tools/schemas/NAME.json; the
 * handlers are in ep_tools_intel_map.c). See ep_tools_intel.h and docs/tools-intel.md. */
#include "ep_tools_intel.h"

#include "ep_tools_intel_int.h"

#define ANNOT 1, 1, 0

/* ==== the rows ============================================================================ */

static const struct ep_tool rows[] = {
    {"assess_mep_influence", "Assess MEP influence",
     "Influence scorecard of one MEP in a window: network centrality, bridge score, loyalty, "
     "participation and pivotal votes, each a percentile among the window's MEPs, with weights, "
     "a composite and the rank among all MEPs.",
     NULL, NULL, ANNOT, 3600, tool_assess_mep_influence},
    {"analyze_coalition_dynamics", "Analyze coalition dynamics",
     "Group cohesion (Agreement Index, Rice, Krippendorff's alpha) with trends per sitting and "
     "month, the whole Parliament's alpha, the group-pair agreement matrix, the most and least "
     "reliable alliances, factions from community detection and a coalition stability figure. "
     "Measures the window is too short for are unavailable and listed in window_too_short.",
     NULL, NULL, ANNOT, 3600, tool_analyze_coalition_dynamics},
    {"map_political_network", "Map the political network",
     "The co-voting network of a window: size, modularity (detected and by group), communities, "
     "the top MEPs by each centrality, bridges between groups and the w >= 0.8 threshold graph.",
     NULL, NULL, ANNOT, 3600, tool_map_political_network},
    {"detect_voting_anomalies", "Detect voting anomalies",
     "Defection surges, abstention spikes, participation drops and cohesion breaks of an MEP, a "
     "group or the whole Parliament against its own per-sitting baseline (robust z-scores), "
     "each with a severity, the z-score, the sitting and the votes behind it.",
     NULL, NULL, ANNOT, 3600, tool_detect_voting_anomalies},
    {"generate_political_risk_assessment", "Generate a political risk assessment",
     "Composite political risk of a window from declining cohesion, fragmentation, defection "
     "surges, close votes and swing-group pivotality, with a level (LOW, MODERATE, HIGH, "
     "CRITICAL), the thresholds and per-dimension evidence.",
     NULL, NULL, ANNOT, 3600, tool_generate_political_risk_assessment},
};

const struct ep_tool *ep_tools_intel_rows(size_t *n)
{
    if (n)
        *n = sizeof rows / sizeof rows[0];
    return rows;
}
