/* ep_ui_res: the interactive views (ui/ep_ui.h) as MCP Apps resources (extension
 * io.modelcontextprotocol/ui) and as pages of the HTTP server's /ui/.
 *
 *   ui://epintel/network, ui://epintel/map, ui://epintel/scorecard, ui://epintel/coalition
 *   (query as in ep_ui_parse), MIME text/html;profile=mcp-app, with _meta.ui.csp (no connect
 *   or resource domains: the pages fetch nothing) on the resources/list entry and on the
 *   resources/read content.
 *
 * Tools with a view carry _meta.ui.resourceUri in tools/list (ep_ui_res_tool_uri); their
 * results are unchanged, so hosts without the extension get the same complete results.
 * Every function runs under the MCP core's execution lock (the HTTP server takes it for
 * /ui/): the store and igraph are used from one thread at a time. */
#ifndef EP_UI_RES_H
#define EP_UI_RES_H

#include <jansson.h>
#include <stddef.h>

#include "ep_error.h"
#include "ep_store.h"

#define EP_UI_RES_MIME "text/html;profile=mcp-app"
#define EP_UI_RES_PREFIX "ui://epintel/"

/* The ui:// URI of the view that shows tool's results, or NULL. */
const char *ep_ui_res_tool_uri(const char *tool);

/* 1 when uri names a view resource (starts with EP_UI_RES_PREFIX). */
int ep_ui_res_match(const char *uri);

/* The tool whose role reading the view resource uri (or the /ui/ page spec "view?...")
 * needs, or NULL when it names no view. */
const char *ep_ui_res_tool_for(const char *uri_or_spec);

/* Append the views' resources/list entries to arr (borrowed). 0 or EP_ENOMEM. */
int ep_ui_res_list(json_t *arr, struct ep_error *err);

/* The page cache: pages are cached per (request, store content marker), the last 8 of them.
 * One per server (the front end creates it and hands it to the provider and the HTTP server);
 * NULL everywhere below = no caching. */
struct ep_ui_res_cache;
int ep_ui_res_cache_init(struct ep_ui_res_cache **out, struct ep_error *err);
void ep_ui_res_cache_close(struct ep_ui_res_cache *c); /* NULL is fine */

/* resources/read of a view resource over store s (borrowed), through the page cache c: *result =
 * {"contents":[{uri, mimeType, text, _meta}]}. EP_ENOTFOUND for an unknown view, an MEP without
 * positions or a window without votes; EP_EINVAL for a bad query. */
int ep_ui_res_read(struct ep_ui_res_cache *c, struct ep_store *s, const char *uri, json_t **result,
                   struct ep_error *err);

/* The page of spec ("view?query", the part after /ui/) over s: *html (caller frees, *n
 * bytes). Its script calls tools by POSTing 2026-07-28 JSON-RPC to the same origin's /mcp
 * (CSP connect-src 'self'), so a call passes /mcp's authentication, roles, quotas, audit and
 * result cache. Errors as ep_ui_res_read. */
int ep_ui_res_page(struct ep_ui_res_cache *c, struct ep_store *s, const char *spec, char **html,
                   size_t *n, struct ep_error *err);

/* The look-ups c served (hits) and missed (misses) (0 and 0 for NULL), and emptying it (tests,
 * bench). */
void ep_ui_res_cache_stats(struct ep_ui_res_cache *c, unsigned long *hits, unsigned long *misses);
void ep_ui_res_cache_clear(struct ep_ui_res_cache *c);

#endif
