/* ep_tools_topics: the tools over the vote topics (OEIL subjects, EuroVoc concepts,
 * responsible committees): analyze_policy_area and analyze_committee_activity. Register with
 *   size_t n; const struct ep_tool *rows = ep_tools_topics_rows(&n);
 *   ep_tools_register(rows, n, &err);
 * Schemas in tools/schemas/NAME.json; formulas in docs/tools-intel.md. */
#ifndef EP_TOOLS_TOPICS_H
#define EP_TOOLS_TOPICS_H

#include <stddef.h>

#include "ep_tools.h"

const struct ep_tool *ep_tools_topics_rows(size_t *n);

#endif
