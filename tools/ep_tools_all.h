/* ep_tools_all: every tool row epintel serves (basic, analysis and intelligence tools, the EP
 * Open Data API pass-through tools and get_server_health), and the
 * EP resource/prompt provider, registered in one place for both front ends (mcp/ and cli/). */
#ifndef EP_TOOLS_ALL_H
#define EP_TOOLS_ALL_H

#include "ep_error.h"

/* Register all rows into ts with ep_tools_register_lazy (schemas parsed on first use;
 * ep_tools_verify parses them all). Idempotent per object. */
struct ep_tools;
int ep_tools_register_all(struct ep_tools *ts, struct ep_error *err);

#endif
