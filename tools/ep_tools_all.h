/* ep_tools_all: every tool row epintel serves (basic, analysis and intelligence tools, the EP
 * Open Data API pass-through tools and get_server_health), and the
 * EP resource/prompt provider, registered in one place for both front ends (mcp/ and cli/). */
#ifndef EP_TOOLS_ALL_H
#define EP_TOOLS_ALL_H

#include "ep_error.h"

/* Register all rows with ep_tools_register_lazy (schemas parsed on first use; ep_tools_verify
 * parses them all). Idempotent within a process. */
int ep_tools_register_all(struct ep_error *err);

#endif
