/* ep_tools_signals: the signal and overview tools of issue 18, part B: get_latest_votes,
 * get_all_generated_stats, sentiment_tracker, early_warning_system, correlate_intelligence,
 * monitor_legislative_pipeline, analyze_legislative_effectiveness. Each handler maps the
 * validated arguments to an analysis/ product's parameters, calls its compute function and
 * maps the typed result to JSON (tools/ep_json.h). Schemas: tools/schemas/NAME.json; formulas:
 * docs/tools-intel.md. Like all tool code the handlers run on one thread at a time. */
#ifndef EP_TOOLS_SIGNALS_H
#define EP_TOOLS_SIGNALS_H

#include <stddef.h>

#include "ep_tools.h"

/* The static rows; *n receives their count (the handlers read every default from the schema:
 * ep_tools_call fills them in for every row). */
const struct ep_tool *ep_tools_signals_rows(size_t *n);

#endif
