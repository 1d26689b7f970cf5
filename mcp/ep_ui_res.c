/* ep_ui_res: the views as MCP Apps resources and /ui/ pages (see ep_ui_res.h, docs/ui.md). */
#include "ep_ui_res.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_env.h"
#include "ep_tools.h"
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
 * prefersBorder: true}}: the pages fetch nothing; the host's bridge is their only channel
 * (the /ui/ pages of the HTTP server POST tool calls to the same origin's /mcp instead). */
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

/* ---- the page cache -------------------------------------------------------------------------
 * A page depends only on its request (view, window, MEP, topic, /ui/ or ui://) and the store's
 * content (ep_tools_store_marker: path, unit count, last unit id; an ingest or sync changes
 * it), so the last UI_CACHE_SLOTS pages are kept under that key, as the tools' results are
 * (EPINTEL_NO_RESULT_CACHE=1 turns both off). The network page takes about 1.3 s to build on the
 * bundled data (layout and centralities) and is then sent from here. */
#define UI_CACHE_SLOTS 8
/* One cached page: its key and bytes in one allocation (data: key, NUL, page). */
struct ui_cached {
    size_t n;           /* page bytes */
    unsigned long used; /* ui_tick when last used */
    char *html;         /* into data */
    char data[];        /* key, NUL, page */
};
struct ep_ui_res_cache {
    struct ui_cached *slot[UI_CACHE_SLOTS];
    unsigned long tick, hits, misses;
    pthread_mutex_t mu;
};

int ep_ui_res_cache_init(struct ep_ui_res_cache **out, struct ep_error *err)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return ep_error_set(err, EP_ENOMEM, "out of memory creating the page cache");
    pthread_mutex_init(&(*out)->mu, NULL);
    return 0;
}

void ep_ui_res_cache_close(struct ep_ui_res_cache *c)
{
    if (!c)
        return;
    ep_ui_res_cache_clear(c);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

/* A copy of the cached page of key into b; 1 when found. */
static int cache_get(struct ep_ui_res_cache *c, const char *key, struct ep_buf *b)
{
    int hit = 0, bad = 0;
    pthread_mutex_lock(&c->mu);
    for (int i = 0; i < UI_CACHE_SLOTS && !hit; i++)
        if (c->slot[i] && strcmp(c->slot[i]->data, key) == 0) {
            hit = 1;
            c->slot[i]->used = ++c->tick;
            bad = ep_buf_append(b, c->slot[i]->html, c->slot[i]->n) != 0;
        }
    if (hit && !bad)
        c->hits++;
    else
        c->misses++;
    pthread_mutex_unlock(&c->mu);
    return hit && !bad;
}

/* Keep a copy of the page (n bytes) under key in the least recently used slot. */
static void cache_put(struct ep_ui_res_cache *c, const char *key, const char *html, size_t n)
{
    size_t kn = strlen(key) + 1;
    struct ui_cached *e = malloc(sizeof *e + kn + n);
    if (!e)
        return; /* out of memory: the page is only not kept */
    memcpy(e->data, key, kn);
    e->html = e->data + kn;
    memcpy(e->html, html, n);
    e->n = n;
    pthread_mutex_lock(&c->mu);
    int slot = 0;
    for (int i = 0; i < UI_CACHE_SLOTS; i++) {
        if (c->slot[i] && strcmp(c->slot[i]->data, key) == 0) {
            slot = i;
            break;
        }
        if (!c->slot[i] || (c->slot[slot] && c->slot[i]->used < c->slot[slot]->used))
            slot = i;
    }
    e->used = ++c->tick;
    free(c->slot[slot]);
    c->slot[slot] = e;
    pthread_mutex_unlock(&c->mu);
}

void ep_ui_res_cache_stats(struct ep_ui_res_cache *c, unsigned long *hits, unsigned long *misses)
{
    *hits = *misses = 0;
    if (!c)
        return;
    pthread_mutex_lock(&c->mu);
    *hits = c->hits;
    *misses = c->misses;
    pthread_mutex_unlock(&c->mu);
}

void ep_ui_res_cache_clear(struct ep_ui_res_cache *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->mu);
    for (int i = 0; i < UI_CACHE_SLOTS; i++) {
        free(c->slot[i]);
        c->slot[i] = NULL;
    }
    c->hits = c->misses = 0;
    pthread_mutex_unlock(&c->mu);
}

/* The page of spec over a fresh analysis environment of s into b (from the cache when the
 * same request met the same store content). http: the page is served under /ui/. */
static int render(struct ep_ui_res_cache *c, struct ep_store *s, const char *spec, int http,
                  struct ep_buf *b, struct ep_error *err)
{
    struct ep_ui_req q;
    int rc = ep_ui_parse(spec, &q, err);
    if (rc)
        return rc;
    q.http = http;
    char key[4400];
    int off = snprintf(key, sizeof key, "%d|%d|%s|%s|%lld|%d|%s|%s|", q.view, q.http, q.from, q.to,
                       (long long)q.mep_id, q.topic_kind, q.topic, q.date);
    ep_tools_store_marker(s, key + off, sizeof key - (size_t)off);
    int use_cache = c && !getenv("EPINTEL_NO_RESULT_CACHE");
    if (use_cache && cache_get(c, key, b))
        return 0;
    struct ep_env env;
    if ((rc = ep_env_init(&env, s, err)))
        return rc;
    size_t len0 = b->len;
    rc = ep_ui_render(&env, &q, b, err);
    ep_env_close(&env);
    if (!rc && use_cache)
        cache_put(c, key, b->data + len0, b->len - len0);
    /* a window without votes or an MEP without positions: nothing to show at this URI */
    return rc == EP_EUNAVAIL ? EP_ENOTFOUND : rc;
}

int ep_ui_res_read(struct ep_ui_res_cache *c, struct ep_store *s, const char *uri, json_t **result,
                   struct ep_error *err)
{
    *result = NULL;
    if (!ep_ui_res_match(uri))
        return ep_error_set(err, EP_ENOTFOUND, "resource %s not found: not a view", uri);
    struct ep_buf b;
    ep_buf_init(&b, 0);
    int rc = render(c, s, uri + strlen(EP_UI_RES_PREFIX), 0, &b, err);
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

int ep_ui_res_page(struct ep_ui_res_cache *c, struct ep_store *s, const char *spec, char **html,
                   size_t *n, struct ep_error *err)
{
    *html = NULL;
    *n = 0;
    struct ep_buf b;
    ep_buf_init(&b, 0);
    int rc = render(c, s, spec, 1, &b, err);
    if (!rc) {
        *n = b.len;
        *html = ep_buf_steal(&b);
        if (!*html)
            rc = ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    ep_buf_free(&b);
    return rc;
}
