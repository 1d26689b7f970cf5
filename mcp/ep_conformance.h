/* ep_conformance: test-only fixtures for the official MCP conformance suite
 * (@modelcontextprotocol/conformance): the tools, resources and prompts its server scenarios
 * call by name (test_simple_text, test://static-text, test_simple_prompt, ...). Registered
 * only by `epintel serve --conformance-fixtures`; production never shows them. */
#ifndef EP_CONFORMANCE_H
#define EP_CONFORMANCE_H

#include "ep_error.h"
#include "ep_mcp.h"

/* Register the fixture tools in the tool table (after the real ones; names are disjoint). */
struct ep_tools;
int ep_conformance_register(struct ep_tools *ts, struct ep_error *err);

/* A provider that serves the fixture resources, templates, prompts, completions and
 * subscriptions and delegates everything else to inner (may be NULL; borrowed, must outlive
 * the result). Returns a static object: one per process. */
const struct ep_mcp_provider *ep_conformance_provider(const struct ep_mcp_provider *inner);

#endif
