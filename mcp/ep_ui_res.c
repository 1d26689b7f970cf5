/* ep_ui_res: the views as MCP Apps resources and /ui/ pages (see ep_ui_res.h, docs/ui.md). */
#include "ep_ui_res.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_env.h"
#include "ep_ui.h"
#include "ep_util.h"

/* Tools whose results a view shows (the map is reached from the network page). */
static const struct {
    const char *tool, *uri;
} tool_views[] = {
    {"map_political_network", EP_UI_RES_PREFIX "network"},
    {"assess_mep_influence", EP_UI_RES_PREFIX "scorecard"},
    {"analyze_coalition_dynamics", EP_UI_RES_PREFIX "coalition"},
    {"generate_political_landscape", EP_UI_RES_PREFIX "hemicycle"},
    {"analyze_policy_area", EP_UI_RES_PREFIX "policy-area"},
};

static const char *const view_desc[EP_UI_NVIEW] = {
    "Interactive co-voting network of the MEPs: pan, zoom, hover for centralities, filter by "
    "group or country, search by name, an MEP's ego network, communities",
    "Interactive political map (two main dimensions of the votes): hover, select groups, click "
    "an MEP for the scorecard",
    "MEP scorecard: influence dimensions, agreement with each group, defections with titles "
    "(query mep_id)",
    "Group-pair agreement heatmap; a cell lists the votes behind it",
    "Hemicycle: seats per group, the seats of selected groups against the majority, the minimal "
    "winning coalitions and how often each won together",
    "Policy area (query subject or concept): each group's cohesion in the area against overall, "
    "pair agreement in the area against overall, top defectors, split delegations, the votes",
};

const char *ep_ui_res_tool_uri(const char *tool)
{
    for (size_t k = 0; tool && k < sizeof tool_views / sizeof tool_views[0]; k++)
        if (strcmp(tool, tool_views[k].tool) == 0)
            return tool_views[k].uri;
    return NULL;
}

int ep_ui_res_match(const char *uri)
{
    return uri && strncmp(uri, EP_UI_RES_PREFIX, strlen(EP_UI_RES_PREFIX)) == 0;
}

const char *ep_ui_res_tool_for(const char *s)
{
    if (!s)
        return NULL;
    if (ep_ui_res_match(s))
        s += strlen(EP_UI_RES_PREFIX);
    size_t nl = strcspn(s, "?");
    for (int v = 0; v < EP_UI_NVIEW; v++)
        if (strlen(ep_ui_views[v].name) == nl && strncmp(s, ep_ui_views[v].name, nl) == 0)
            return ep_ui_views[v].tool;
    return NULL;
}

/* _meta of a view resource: {ui: {csp: {connectDomains: [], resourceDomains: []},
 * prefersBorder: true}}: the pages fetch nothing; the host's bridge is their only channel. */
static json_t *res_meta(void)
{
    return json_pack("{s:{s:{s:[], s:[]}, s:b}}", "ui", "csp", "connectDomains", "resourceDomains",
                     "prefersBorder", 1);
}

int ep_ui_res_list(json_t *arr, struct ep_error *err)
{
    for (int v = 0; v < EP_UI_NVIEW; v++) {
        char uri[64], title[128];
        snprintf(uri, sizeof uri, "%s%s", EP_UI_RES_PREFIX, ep_ui_views[v].name);
        snprintf(title, sizeof title, "View: %s", ep_ui_views[v].title);
        json_t *r =
            json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "uri", uri, "name", uri + 5, "title", title,
                      "description", view_desc[v], "mimeType", EP_UI_RES_MIME, "_meta", res_meta());
        if (!r || json_array_append_new(arr, r))
            return ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    return 0;
}

/* The page of spec over a fresh analysis environment of s into b. */
static int render(struct ep_store *s, const char *spec, struct ep_buf *b, struct ep_error *err)
{
    struct ep_ui_req q;
    int rc = ep_ui_parse(spec, &q, err);
    if (rc)
        return rc;
    struct ep_env env;
    if ((rc = ep_env_init(&env, s, err)))
        return rc;
    rc = ep_ui_render(&env, &q, b, err);
    ep_env_close(&env);
    /* a window without votes or an MEP without positions: nothing to show at this URI */
    return rc == EP_EUNAVAIL ? EP_ENOTFOUND : rc;
}

int ep_ui_res_read(struct ep_store *s, const char *uri, json_t **result, struct ep_error *err)
{
    *result = NULL;
    if (!ep_ui_res_match(uri))
        return ep_error_set(err, EP_ENOTFOUND, "resource %s not found: not a view", uri);
    struct ep_buf b;
    ep_buf_init(&b, 0);
    int rc = render(s, uri + strlen(EP_UI_RES_PREFIX), &b, err);
    if (!rc) {
        json_t *t = json_stringn(b.data, b.len);
        *result = t ? json_pack("{s:[{s:s, s:s, s:o, s:o}]}", "contents", "uri", uri, "mimeType",
                                EP_UI_RES_MIME, "text", t, "_meta", res_meta())
                    : NULL;
        if (!*result)
            rc = ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    ep_buf_free(&b);
    return rc;
}

int ep_ui_res_page(struct ep_store *s, const char *spec, char **html, size_t *n,
                   struct ep_error *err)
{
    *html = NULL;
    *n = 0;
    struct ep_buf b;
    ep_buf_init(&b, 0);
    int rc = render(s, spec, &b, err);
    if (!rc) {
        *n = b.len;
        *html = ep_buf_steal(&b);
        if (!*html)
            rc = ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    ep_buf_free(&b);
    return rc;
}
