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
 * c). c is caller-owned; serve &c->p; release with ep_conformance_provider_free. */
struct ep_conformance {
    struct ep_mcp_provider p;            /* the provider (p.ctx = c) */
    const struct ep_mcp_provider *inner; /* borrowed */
    json_t *schema_listed;               /* owned: the 2020-12 fixture's listed inputSchema */
};
void ep_conformance_provider_init(struct ep_conformance *c, const struct ep_mcp_provider *inner);
void ep_conformance_provider_free(struct ep_conformance *c); /* NULL is fine */

#endif
