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

#include "ep_tools.h"

/* The static rows; *n receives their count. Register with ep_tools_register_with(...,
 * EP_TOOLS_REG_DEFAULTS) (the handlers read their schema defaults from args). */
const struct ep_tool *ep_tools_toolkit_rows(size_t *n);

#endif
