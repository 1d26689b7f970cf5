/* ep_ui: the interactive views (issue 21) as self-contained HTML pages: inline CSS, inline SVG
 * generated here as markup, the data of the view as one inline JSON block, and one small script
 * of the project's own (ui/assets/ep_ui.js, embedded at build time). No framework, no CDN, no
 * network: inside an MCP Apps host the page talks to the server only through the host's
 * postMessage bridge (tools/call, resources/read); under /ui/ of the HTTP server (req.http) it
 * POSTs its tool calls to the same origin's /mcp and uses plain links for the rest. Every chart
 * has its data table under it, and keyboard controls. See docs/ui.md.
 *
 * The figures come from the typed analysis/ results (ep_network, ep_stats_map, ep_influence,
 * ep_mep_report, ep_coalition, ep_landscape) over a window of the env's store, never from tool
 * JSON.
 *
 * Views (names as in ui://epintel/<name> and /ui/<name>):
 *   network    co-voting network explorer (map_political_network)
 *   map        political map: the two main dimensions of the votes (map_political_network)
 *   scorecard  one MEP: influence dimensions, agreement with each group, defections
 *              (assess_mep_influence); needs mep_id
 *   coalition  group-pair agreement heatmap with drill-down (analyze_coalition_dynamics)
 *   hemicycle  seats per group on the window's last vote, seat arithmetic of selected groups and
 *              the minimal winning coalitions (generate_political_landscape, ep_landscape)
 *   policy-area  one OEIL subject or EuroVoc concept: group cohesion and pair agreement in the
 *              area against overall, defectors, split delegations, the area's votes
 *              (analyze_policy_area, ep_policy_area); default: the top-level subject with the
 *              most votes with positions in the store
 * Query keys: from, to (YYYY-MM-DD, inclusive; default: every vote with positions), mep_id,
 * subject (an OEIL subject code), concept (a EuroVoc concept id), date (hemicycle: the seats on
 * the window's last vote on or before it, as generate_political_landscape's date).
 *
 * Not thread-safe (igraph, the env's window cache): callers serialize, as for the tools. */
#ifndef EP_UI_H
#define EP_UI_H

#include <stddef.h>
#include <stdint.h>

#include "ep_env.h"
#include "ep_error.h"
#include "ep_util.h"

enum {
    EP_UI_NETWORK,
    EP_UI_MAP,
    EP_UI_SCORECARD,
    EP_UI_COALITION,
    EP_UI_HEMICYCLE,
    EP_UI_POLICY,
    EP_UI_NVIEW
};

struct ep_ui_view_info {
    const char *name;  /* "network", ... */
    const char *title; /* "Co-voting network explorer", ... */
    const char *tool;  /* the tool whose result the view shows */
};
extern const struct ep_ui_view_info ep_ui_views[EP_UI_NVIEW];

/* One page request: a view and its parameters. */
struct ep_ui_req {
    int view;
    char from[11], to[11]; /* "" = open end */
    int64_t mep_id;        /* scorecard; 0 = none */
    int topic_kind;        /* policy-area: EP_TOPIC_SUBJECT or _CONCEPT; 0 = the default */
    char topic[33];        /* its code */
    char date[11];         /* hemicycle: seats on the window's last vote on or before it ("" =
                              the window's last vote) */
    int http;              /* set by the caller, not parsed: the page is served under /ui/ of the
                              HTTP server, so its script may call tools by POSTing JSON-RPC to the
                              same origin's /mcp (CSP connect-src 'self'; data "mcp": "../mcp") */
};

/* Parse "<view>[?key=value&...]" (the part after ui://epintel/ or /ui/) into q. EP_ENOTFOUND
 * for an unknown view, EP_EINVAL naming the bad key or value. */
int ep_ui_parse(const char *s, struct ep_ui_req *q, struct ep_error *err);

/* The page of q over env's store into out (appended; the caller owns out). The scorecard
 * without mep_id is a page that waits for the host's tool input (MCP) and says so. Errors:
 * EP_EUNAVAIL when the window holds no votes with positions, EP_ENOTFOUND for an MEP not in
 * the window, EP_ENOMEM. */
int ep_ui_render(struct ep_env *env, const struct ep_ui_req *q, struct ep_buf *out,
                 struct ep_error *err);

/* The Content-Security-Policy the pages need (no network, inline script and style only). */
extern const char ep_ui_csp[];
/* The same for a page served under /ui/ (req.http): connect-src 'self' added, for /mcp. */
extern const char ep_ui_csp_http[];

#endif
