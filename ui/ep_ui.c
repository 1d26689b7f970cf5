/* ep_ui: the interactive views as self-contained HTML pages (see ep_ui.h, docs/ui.md). */
#include "ep_ui.h"

#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_coalition.h"
#include "ep_graph.h"
#include "ep_htv.h"
#include "ep_igraph.h"
#include "ep_influence.h"
#include "ep_landscape.h"
#include "ep_mep_report.h"
#include "ep_model.h"
#include "ep_network.h"
#include "ep_patterns.h"
#include "ep_policy_area.h"
#include "ep_query_topics.h"
#include "ep_report.h"
#include "ep_report_hemicycle.h"
#include "ep_stats.h"
#include "ep_window.h"

/* ui/assets/ep_ui.js and ep_ui.css, embedded by CMake (build/ep_ui_assets.c). */
extern const char ep_ui_asset_js[];
extern const char ep_ui_asset_css[];

const struct ep_ui_view_info ep_ui_views[EP_UI_NVIEW] = {
    {"network", "Co-voting network explorer", "map_political_network"},
    {"map", "Political map", "map_political_network"},
    {"scorecard", "MEP scorecard", "assess_mep_influence"},
    {"coalition", "Coalition matrix", "analyze_coalition_dynamics"},
    {"hemicycle", "Hemicycle", "generate_political_landscape"},
    {"policy-area", "Policy area", "analyze_policy_area"},
};

#define EP_UI_CSP_REST                                                                             \
    "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "      \
    "form-action 'none'"
const char ep_ui_csp[] = "default-src 'none'; " EP_UI_CSP_REST;
const char ep_ui_csp_http[] = "default-src 'none'; connect-src 'self'; " EP_UI_CSP_REST;

/* Plot area of every chart (SVG user units). */
#define VW 1000.0
#define VH 700.0
#define PAD 20.0

/* ---- request ------------------------------------------------------------------------------ */

int ep_ui_parse(const char *s, struct ep_ui_req *q, struct ep_error *err)
{
    memset(q, 0, sizeof *q);
    q->view = -1;
    if (!s)
        s = "";
    size_t nl = strcspn(s, "?");
    for (int v = 0; v < EP_UI_NVIEW; v++)
        if (strlen(ep_ui_views[v].name) == nl && strncmp(s, ep_ui_views[v].name, nl) == 0)
            q->view = v;
    if (q->view < 0)
        return ep_error_set(
            err, EP_ENOTFOUND,
            "no view \"%.*s\": the views are network, map, scorecard, coalition, hemicycle "
            "and policy-area",
            (int)(nl > 64 ? 64 : nl), s);
    const char *p = s[nl] == '?' ? s + nl + 1 : s + nl;
    while (*p) {
        size_t kl = strcspn(p, "=&"), vl;
        const char *val = p[kl] == '=' ? p + kl + 1 : p + kl;
        vl = strcspn(val, "&");
        char v[40];
        if (vl >= sizeof v)
            return ep_error_set(err, EP_EINVAL, "query value of \"%.*s\" is too long", (int)kl, p);
        memcpy(v, val, vl);
        v[vl] = 0;
        if ((kl == 4 && strncmp(p, "from", 4) == 0) || (kl == 2 && strncmp(p, "to", 2) == 0) ||
            (kl == 4 && strncmp(p, "date", 4) == 0)) {
            if (vl != 10 || !ep_date_valid(v))
                return ep_error_set(err, EP_EINVAL, "%.*s must be a date YYYY-MM-DD, got \"%s\"",
                                    (int)kl, p, v);
            if (p[0] == 'd' && q->view != EP_UI_HEMICYCLE)
                return ep_error_set(err, EP_EINVAL,
                                    "date applies to the hemicycle only (the seats on that day)");
            memcpy(p[0] == 'd' ? q->date : p[0] == 'f' ? q->from : q->to, v, 11);
        } else if (kl == 6 && strncmp(p, "mep_id", 6) == 0) {
            char *end;
            long long id = strtoll(v, &end, 10);
            if (!vl || *end || id <= 0 || !isdigit((unsigned char)v[0]))
                return ep_error_set(err, EP_EINVAL,
                                    "mep_id must be an MEP's positive EP id, got \"%s\"", v);
            q->mep_id = id;
        } else if ((kl == 7 && strncmp(p, "subject", 7) == 0) ||
                   (kl == 7 && strncmp(p, "concept", 7) == 0)) {
            int kind = p[0] == 's' ? EP_TOPIC_SUBJECT : EP_TOPIC_CONCEPT;
            if (vl >= sizeof q->topic || !ep_htv_topic_code_valid(kind, v))
                return ep_error_set(err, EP_EINVAL, "%.*s must be %s code, got \"%s\"", (int)kl, p,
                                    kind == EP_TOPIC_SUBJECT ? "an OEIL subject (e.g. 4.60)"
                                                             : "a EuroVoc concept",
                                    v);
            if (q->topic_kind && q->topic_kind != kind)
                return ep_error_set(err, EP_EINVAL, "give subject or concept, not both");
            q->topic_kind = kind;
            memcpy(q->topic, v, vl + 1);
        } else {
            return ep_error_set(
                err, EP_EINVAL,
                "unknown query key \"%.*s\": the keys are from, to, mep_id, subject "
                "and concept",
                (int)(kl > 32 ? 32 : kl), p);
        }
        p = val + vl;
        if (*p == '&')
            p++;
    }
    if (q->from[0] && q->to[0] && strcmp(q->from, q->to) > 0)
        return ep_error_set(err, EP_EINVAL, "from (%s) is after to (%s)", q->from, q->to);
    return 0;
}

/* ---- markup helpers ----------------------------------------------------------------------- */

struct page {
    struct ep_buf *b;
    int bad;
    int http; /* served under /ui/: tool calls go to the same origin's /mcp */
};

static void put(struct page *pg, const char *s)
{
    if (ep_buf_append(pg->b, s, strlen(s)))
        pg->bad = 1;
}

static void putf(struct page *pg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct page *pg, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp || ep_buf_append(pg->b, tmp, (size_t)n))
        pg->bad = 1;
}

/* Text escaped for HTML content and attribute values. */
static void esc(struct page *pg, const char *s)
{
    for (; s && *s; s++) {
        const char *r = *s == '&'    ? "&amp;"
                        : *s == '<'  ? "&lt;"
                        : *s == '>'  ? "&gt;"
                        : *s == '"'  ? "&quot;"
                        : *s == '\'' ? "&#39;"
                                     : NULL;
        if (r ? ep_buf_append(pg->b, r, strlen(r)) : ep_buf_putc(pg->b, *s))
            pg->bad = 1;
    }
}

static void color_of(const char *code, char out[8])
{
    snprintf(out, 8, "#%06x", ep_report_group_color(code) & 0xffffffu);
}

static const char *gcode(const struct ep_matrix *m, int g)
{
    return g >= 0 && g < m->n_grp ? m->grp_code[g] : NULL;
}

/* A number for a table cell: "n/a" when !ok. */
static void cell_num(struct page *pg, int ok, double v, const char *fmt)
{
    put(pg, "<td class=\"num\">");
    if (ok && isfinite(v))
        putf(pg, fmt, v);
    else
        put(pg, "n/a");
    put(pg, "</td>");
}

static void head(struct page *pg, int view, const char *subtitle)
{
    put(pg, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<link rel=\"icon\" href=\"data:,\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"");
    put(pg, pg->http ? ep_ui_csp_http : ep_ui_csp);
    put(pg, "\"><title>epintel · ");
    esc(pg, ep_ui_views[view].title);
    put(pg, "</title><style>");
    put(pg, ep_ui_asset_css);
    putf(pg, "</style></head>\n<body><main id=\"app\" data-view=\"%s\"><header><h1>",
         ep_ui_views[view].name);
    esc(pg, ep_ui_views[view].title);
    put(pg, "</h1><nav id=\"views\" aria-label=\"Views\">");
    static const int nav[] = {EP_UI_NETWORK, EP_UI_MAP, EP_UI_COALITION, EP_UI_HEMICYCLE,
                              EP_UI_POLICY};
    for (size_t k = 0; k < sizeof nav / sizeof nav[0]; k++)
        putf(pg, "<a href=\"%s\" data-view=\"%s\"%s>%s</a>", ep_ui_views[nav[k]].name,
             ep_ui_views[nav[k]].name, nav[k] == view ? " aria-current=\"page\"" : "",
             ep_ui_views[nav[k]].title);
    put(pg, "</nav><p class=\"sub\" id=\"sub\">");
    esc(pg, subtitle);
    put(pg,
        "</p><p class=\"note\" id=\"note\" role=\"status\" aria-live=\"polite\"></p></header>\n");
}

/* The data block (JSON with '/' escaped, so no "</script>" can occur in it), the script and
 * the end of the page. data is stolen. */
static void tail(struct page *pg, json_t *data)
{
    if (data && pg->http && json_object_set_new(data, "mcp", json_string("../mcp")))
        pg->bad = 1;
    char *txt =
        data ? json_dumps(data, JSON_COMPACT | JSON_ESCAPE_SLASH | JSON_REAL_PRECISION(6)) : NULL;
    json_decref(data);
    if (!txt) {
        pg->bad = 1;
        return;
    }
    put(pg, "</main>\n<script type=\"application/json\" id=\"ep-data\">");
    put(pg, txt);
    free(txt);
    put(pg, "</script>\n<script>");
    put(pg, ep_ui_asset_js);
    put(pg, "</script></body></html>\n");
}

/* The common part of every view's data: view, args, window. */
static json_t *data_new(const struct ep_ui_req *q, const struct ep_matrix *m)
{
    struct ep_patterns_span sp;
    ep_patterns_span_of(m, &sp);
    json_t *args = json_object();
    if (args && q->from[0])
        json_object_set_new(args, "from", json_string(q->from));
    if (args && q->to[0])
        json_object_set_new(args, "to", json_string(q->to));
    if (args && q->mep_id)
        json_object_set_new(args, "mep_id", json_integer((json_int_t)q->mep_id));
    if (args && q->topic_kind)
        json_object_set_new(args, ep_topic_kind_arg(q->topic_kind), json_string(q->topic));
    if (args && q->date[0])
        json_object_set_new(args, "date", json_string(q->date));
    return json_pack("{s:s, s:s, s:s, s:o, s:{s:s, s:s, s:i, s:i, s:i, s:b}}", "view",
                     ep_ui_views[q->view].name, "tool", ep_ui_views[q->view].tool, "version",
                     EP_VERSION, "args", args ? args : json_object(), "window", "from", sp.from,
                     "to", sp.to, "votes", sp.votes, "meps", sp.meps, "sittings", sp.sittings,
                     "synthetic", sp.synthetic);
}

static void window_text(const struct ep_matrix *m, char *buf, size_t n)
{
    struct ep_patterns_span sp;
    ep_patterns_span_of(m, &sp);
    snprintf(buf, n, "Votes %s to %s: %d roll-call votes, %d sittings%s", sp.from, sp.to, sp.votes,
             sp.sittings, sp.synthetic ? " (SYNTHETIC data)" : "");
}

static void run_init(struct ep_run *r, const char *tool, int n)
{
    memset(r, 0, sizeof *r);
    r->tool = tool;
    r->n = n;
}

/* The groups of the matrix as [{code, color}] (index = group index). */
static json_t *groups_json(const struct ep_matrix *m)
{
    json_t *a = json_array();
    for (int g = 0; a && g < m->n_grp; g++) {
        char c[8];
        color_of(m->grp_code[g], c);
        json_array_append_new(a, json_pack("{s:s, s:s}", "code", m->grp_code[g], "color", c));
    }
    return a;
}

/* Scale xs/ys (n points) into the plot area (y up), keeping the aspect ratio. */
static void fit(double *xs, double *ys, int n)
{
    double x0 = 1e300, x1 = -1e300, y0 = 1e300, y1 = -1e300;
    for (int i = 0; i < n; i++) {
        x0 = fmin(x0, xs[i]), x1 = fmax(x1, xs[i]);
        y0 = fmin(y0, ys[i]), y1 = fmax(y1, ys[i]);
    }
    double sx = x1 > x0 ? (VW - 2 * PAD) / (x1 - x0) : 1,
           sy = y1 > y0 ? (VH - 2 * PAD) / (y1 - y0) : 1;
    double s = fmin(sx, sy);
    double ox = (VW - s * (x1 - x0)) / 2, oy = (VH - s * (y1 - y0)) / 2;
    for (int i = 0; i < n; i++) {
        xs[i] = n > 1 ? ox + s * (xs[i] - x0) : VW / 2;
        ys[i] = n > 1 ? VH - (oy + s * (ys[i] - y0)) : VH / 2;
    }
}

/* ---- 1. network explorer ------------------------------------------------------------------ */

/* Fruchterman-Reingold layout (fixed seed) of g's nodes on the backbone edges (g->in_bb), with
 * attraction growing steeply with agreement so that groups separate. xs, ys: [n_node]. */
static int net_layout(const struct ep_graph *g, double *xs, double *ys, struct ep_error *err)
{
    igraph_vector_int_t ed;
    igraph_vector_t aw;
    igraph_matrix_t xy;
    igraph_t lg;
    int rc = 0;
    if (igraph_vector_int_init(&ed, 0))
        return ep_error_set(err, EP_ENOMEM, "network layout: out of memory");
    if (igraph_vector_init(&aw, 0)) {
        igraph_vector_int_destroy(&ed);
        return ep_error_set(err, EP_ENOMEM, "network layout: out of memory");
    }
    if (igraph_matrix_init(&xy, 0, 0)) {
        igraph_vector_destroy(&aw);
        igraph_vector_int_destroy(&ed);
        return ep_error_set(err, EP_ENOMEM, "network layout: out of memory");
    }
    for (int e = 0; e < g->n_edge && !rc; e++) {
        if (!g->in_bb[e])
            continue;
        igraph_integer_t a, b;
        igraph_edge(&g->g, e, &a, &b);
        double x = VECTOR(g->weight)[e];
        if (igraph_vector_int_push_back(&ed, a) || igraph_vector_int_push_back(&ed, b) ||
            igraph_vector_push_back(&aw, x > 0 ? pow(x, 4) : 1e-3))
            rc = ep_error_set(err, EP_ENOMEM, "network layout: out of memory");
    }
    if (!rc && igraph_create(&lg, &ed, g->n_node, IGRAPH_UNDIRECTED))
        rc = ep_error_set(err, EP_EINTERNAL, "network layout: igraph_create failed");
    if (!rc) {
        igraph_rng_seed(igraph_rng_default(), 20240115);
        if (igraph_layout_fruchterman_reingold(
                &lg, &xy, 0, 500, sqrt((double)g->n_node), IGRAPH_LAYOUT_AUTOGRID,
                igraph_vector_size(&aw) ? &aw : NULL, NULL, NULL, NULL, NULL))
            rc = ep_error_set(err, EP_EINTERNAL, "network layout: Fruchterman-Reingold failed");
        igraph_destroy(&lg);
    }
    for (int i = 0; i < g->n_node && !rc; i++) {
        xs[i] = MATRIX(xy, i, 0);
        ys[i] = MATRIX(xy, i, 1);
    }
    igraph_matrix_destroy(&xy);
    igraph_vector_destroy(&aw);
    igraph_vector_int_destroy(&ed);
    return rc;
}

static double cent_or(const struct ep_graph_node *nd, int c, int weighted)
{
    int ok = 0;
    double v = ep_network_cent(nd, c, &ok);
    return ok && weighted ? v : NAN;
}

static int view_network(struct ep_win *w, const struct ep_ui_req *q, struct page *pg,
                        struct ep_error *err)
{
    struct ep_network_params p = {10, EP_GRAPH_LOUVAIN, 10};
    struct ep_run r;
    run_init(&r, "map_political_network", 3);
    struct ep_network o;
    int rc = ep_network_compute(w, &p, &r, &o, err);
    if (rc)
        return rc;
    const struct ep_graph *g = &w->g;
    const struct ep_matrix *m = w->m;
    int n = g->n_node;
    double *xs = calloc((size_t)n + 1, sizeof(double)), *ys = calloc((size_t)n + 1, sizeof(double));
    if (!xs || !ys)
        rc = ep_error_set(err, EP_ENOMEM, "out of memory");
    if (!rc)
        rc = net_layout(g, xs, ys, err);
    if (rc) {
        free(xs);
        free(ys);
        ep_network_free(&o);
        return rc;
    }
    fit(xs, ys, n);
    char sub[1024], wt[300];
    window_text(m, wt, sizeof wt);
    snprintf(sub, sizeof sub,
             "%s. %d MEPs, %d co-voting edges (%d common votes or more); drawn: "
             "each MEP's %d strongest ties (%d edges). Node size = eigenvector centrality.",
             wt, n, g->n_edge, g->min_common, g->top_k, g->backbone_edges);
    head(pg, EP_UI_NETWORK, sub);
    if (!o.weighted) {
        put(pg, "<p class=\"warn\">");
        esc(pg, o.no_edges_reason);
        put(pg, "</p>");
    }
    /* controls */
    put(pg, "<div class=\"controls\" role=\"toolbar\" aria-label=\"Network controls\">"
            "<label>Search <input id=\"q\" type=\"search\" placeholder=\"MEP name\" "
            "autocomplete=\"off\"></label><label>Group <select id=\"f-group\"><option "
            "value=\"\">all groups</option>");
    for (int k = 0; k < o.n_modal; k++) {
        const char *c = gcode(m, o.modal[k].grp);
        putf(pg, "<option value=\"%d\">", o.modal[k].grp);
        esc(pg, c ? c : "no group");
        putf(pg, " (%d)</option>", o.modal[k].nodes);
    }
    put(pg, "</select></label><label>Country <select id=\"f-country\"><option value=\"\">all "
            "countries</option></select></label><label><input type=\"checkbox\" id=\"t-comm\"> "
            "colour by community</label><button type=\"button\" id=\"reset\">Reset</button>"
            "<span id=\"count\" role=\"status\" aria-live=\"polite\"></span></div>\n");
    /* the chart */
    put(pg, "<figure class=\"chart\"><svg id=\"plot\" viewBox=\"0 0 1000 700\" tabindex=\"0\" "
            "role=\"img\" aria-label=\"Co-voting network: one circle per MEP; arrows pan, + and - "
            "zoom, 0 resets, n and p step through the MEPs shown, Enter shows the selected "
            "MEP's ego network, Escape clears\"><g id=\"vp\"><g class=\"edges\" id=\"edges\">"
            "<path d=\"");
    /* all backbone edges as one path (whole units: ~15 bytes an edge); the script draws an
     * ego network's edges as lines of their own */
    for (int e = 0; e < g->n_edge; e++) {
        if (!g->in_bb[e])
            continue;
        igraph_integer_t a, b;
        igraph_edge(&g->g, e, &a, &b);
        putf(pg, "M%.0f %.0fL%.0f %.0f", xs[a], ys[a], xs[b], ys[b]);
    }
    put(pg, "\"/></g><g class=\"ego\" id=\"ego-edges\"></g><g class=\"nodes\" id=\"nodes\">");
    for (int i = 0; i < n; i++) {
        const struct ep_graph_node *nd = &g->node[i];
        char c[8];
        color_of(gcode(m, nd->grp), c);
        double eig = cent_or(nd, EP_CENT_EIGEN, o.weighted);
        putf(pg, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%s\" data-i=\"%d\"/>", xs[i],
             ys[i], 3.0 + 5.0 * (isfinite(eig) ? eig : 0), c, i);
    }
    put(pg, "</g></g></svg><div id=\"tip\" class=\"tip\" role=\"tooltip\" hidden></div>"
            "<figcaption id=\"ego\" role=\"status\" aria-live=\"polite\">Hover or select an MEP; "
            "click (or Enter) shows the MEP's ego network.</figcaption></figure>\n");
    /* data table */
    putf(pg,
         "<details class=\"table\" id=\"table\"><summary>Data table: the %d MEPs</summary>"
         "<table id=\"tbl\"><thead><tr><th>MEP</th><th>Group</th><th>Country</th>"
         "<th>Degree</th><th>Eigenvector</th><th>PageRank</th><th>Betweenness</th>"
         "<th>Bridge</th><th>Community</th></tr></thead><tbody>",
         n);
    json_t *d = data_new(q, m);
    json_t *id = json_array(), *nm = json_array(), *gr = json_array(), *co = json_array(),
           *deg = json_array(), *eig = json_array(), *pr = json_array(), *bt = json_array(),
           *br = json_array(), *cm = json_array(), *ed = json_array();
    for (int i = 0; i < n; i++) {
        const struct ep_graph_node *nd = &g->node[i];
        const char *name = w->name[nd->mep], *ctry = w->country[nd->mep];
        const char *gc = gcode(m, nd->grp);
        double ce = cent_or(nd, EP_CENT_EIGEN, o.weighted),
               cp = cent_or(nd, EP_CENT_PAGERANK, o.weighted),
               cb = cent_or(nd, EP_CENT_BETWEEN, o.weighted),
               cr = nd->bridge_ok && nd->bridge >= 0 ? nd->bridge : NAN;
        putf(pg, "<tr data-i=\"%d\" tabindex=\"-1\"><td>", i);
        esc(pg, name);
        put(pg, "</td><td>");
        esc(pg, gc ? gc : "none");
        put(pg, "</td><td>");
        esc(pg, ctry[0] ? ctry : "unknown");
        putf(pg, "</td><td class=\"num\">%d</td>", nd->degree);
        cell_num(pg, isfinite(ce), ce, "%.3f");
        cell_num(pg, isfinite(cp), cp, "%.5f");
        cell_num(pg, isfinite(cb), cb, "%.4g");
        cell_num(pg, isfinite(cr), cr, "%.3f");
        if (o.weighted)
            putf(pg, "<td class=\"num\">%d</td></tr>", nd->community);
        else
            put(pg, "<td class=\"num\">n/a</td></tr>");
        json_array_append_new(id, json_integer((json_int_t)m->mep_id[nd->mep]));
        json_array_append_new(nm, json_string(name));
        json_array_append_new(gr, json_integer(nd->grp >= 0 && nd->grp < m->n_grp ? nd->grp : -1));
        json_array_append_new(co, ctry[0] ? json_string(ctry) : json_null());
        json_array_append_new(deg, json_integer(nd->degree));
        json_array_append_new(eig, isfinite(ce) ? json_real(ce) : json_null());
        json_array_append_new(pr, isfinite(cp) ? json_real(cp) : json_null());
        json_array_append_new(bt, isfinite(cb) ? json_real(cb) : json_null());
        json_array_append_new(br, isfinite(cr) ? json_real(cr) : json_null());
        json_array_append_new(cm, o.weighted ? json_integer(nd->community) : json_null());
    }
    for (int e = 0; e < g->n_edge; e++) {
        if (!g->in_bb[e])
            continue;
        igraph_integer_t a, b;
        igraph_edge(&g->g, e, &a, &b);
        json_array_append_new(ed, json_integer(a));
        json_array_append_new(ed, json_integer(b));
    }
    put(pg, "</tbody></table></details>\n");
    if (d && json_object_update_new(
                 d, json_pack("{s:o, s:{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}, s:o, "
                              "s:i, s:b}",
                              "groups", groups_json(m), "nodes", "id", id, "name", nm, "group", gr,
                              "country", co, "degree", deg, "eigenvector", eig, "pagerank", pr,
                              "betweenness", bt, "bridge", br, "community", cm, "backbone", ed,
                              "communities", o.weighted ? o.n_comm : 0, "weighted", o.weighted)))
        pg->bad = 1;
    free(xs);
    free(ys);
    ep_network_free(&o);
    tail(pg, d);
    return 0;
}

/* ---- 2. political map --------------------------------------------------------------------- */

static int view_map(struct ep_win *w, const struct ep_ui_req *q, struct page *pg,
                    struct ep_error *err)
{
    const struct ep_matrix *m = w->m;
    int rc = ep_win_need_names(w, err);
    if (rc)
        return rc;
    struct ep_stats_map_params mp;
    ep_stats_map_params_default(&mp);
    struct ep_stats_map map = {0};
    if ((rc = ep_stats_map_compute(m, &mp, &map, err)))
        return rc;
    int n = map.n;
    double *xs = calloc((size_t)n + 1, sizeof(double)), *ys = calloc((size_t)n + 1, sizeof(double));
    if (!xs || !ys) {
        free(xs);
        free(ys);
        ep_stats_map_free(&map);
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    for (int i = 0; i < n; i++) {
        xs[i] = map.x[i];
        ys[i] = map.dims >= 2 ? map.y[i] : 0;
    }
    fit(xs, ys, n);
    char sub[1024], wt[300];
    window_text(m, wt, sizeof wt);
    snprintf(sub, sizeof sub,
             "%s. %d MEPs with at least %d cast votes, placed by the two main dimensions of their "
             "votes (dimension 1: %.1f %% of the variance, dimension 2: %.1f %%).",
             wt, n, mp.min_cast, 100 * map.var[0], map.dims >= 2 ? 100 * map.var[1] : 0.0);
    head(pg, EP_UI_MAP, sub);
    /* group selection */
    int cnt[EP_MATRIX_MAX_GROUPS + 1] = {0};
    for (int i = 0; i < n; i++) {
        int g = ep_win_modal_group(w, map.mep[i]);
        cnt[g >= 0 && g < m->n_grp ? g : m->n_grp]++;
    }
    put(pg, "<fieldset class=\"controls\" id=\"groups\"><legend>Groups shown</legend>");
    for (int g = 0; g <= m->n_grp; g++) {
        if (!cnt[g])
            continue;
        char c[8];
        color_of(gcode(m, g), c);
        putf(pg,
             "<label><input type=\"checkbox\" checked value=\"%d\"><span class=\"sw\" "
             "style=\"background:%s\"></span>",
             g < m->n_grp ? g : -1, c);
        esc(pg, g < m->n_grp ? m->grp_code[g] : "no group");
        putf(pg, " (%d)</label>", cnt[g]);
    }
    put(pg, "<span id=\"count\" role=\"status\" aria-live=\"polite\"></span></fieldset>\n");
    put(pg, "<figure class=\"chart\"><svg id=\"plot\" viewBox=\"0 0 1000 700\" tabindex=\"0\" "
            "role=\"img\" aria-label=\"Political map: one circle per MEP; n and p step through "
            "the MEPs, Enter opens the selected MEP's scorecard\"><g id=\"vp\">"
            "<line class=\"axis\" x1=\"0\" y1=\"350\" x2=\"1000\" y2=\"350\"/>"
            "<line class=\"axis\" x1=\"500\" y1=\"0\" x2=\"500\" y2=\"700\"/><g id=\"nodes\" "
            "class=\"nodes\">");
    json_t *id = json_array(), *nm = json_array(), *gr = json_array(), *co = json_array(),
           *dx = json_array(), *dy = json_array();
    for (int i = 0; i < n; i++) {
        int mi = map.mep[i], g = ep_win_modal_group(w, mi);
        char c[8];
        color_of(gcode(m, g), c);
        putf(pg, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\" data-i=\"%d\"/>", xs[i],
             ys[i], c, i);
        json_array_append_new(id, json_integer((json_int_t)m->mep_id[mi]));
        json_array_append_new(nm, json_string(w->name[mi]));
        json_array_append_new(gr, json_integer(g >= 0 && g < m->n_grp ? g : -1));
        json_array_append_new(co, w->country[mi][0] ? json_string(w->country[mi]) : json_null());
        json_array_append_new(dx, json_real(map.x[i]));
        json_array_append_new(dy, map.dims >= 2 ? json_real(map.y[i]) : json_null());
    }
    put(pg, "</g></g></svg><div id=\"tip\" class=\"tip\" role=\"tooltip\" hidden></div>"
            "<figcaption id=\"ego\" role=\"status\" aria-live=\"polite\">Hover an MEP for the "
            "name; click (or Enter) opens the scorecard.</figcaption></figure>\n"
            "<section id=\"card\" class=\"card\" aria-live=\"polite\" hidden></section>\n");
    putf(pg,
         "<details class=\"table\" id=\"table\"><summary>Data table: the %d MEPs on the map"
         "</summary><table id=\"tbl\"><thead><tr><th>MEP</th><th>Group</th><th>Country</th>"
         "<th>Dimension 1</th><th>Dimension 2</th></tr></thead><tbody>",
         n);
    for (int i = 0; i < n; i++) {
        int mi = map.mep[i];
        const char *gc = gcode(m, ep_win_modal_group(w, mi));
        putf(pg, "<tr data-i=\"%d\" tabindex=\"-1\"><td>", i);
        esc(pg, w->name[mi]);
        put(pg, "</td><td>");
        esc(pg, gc ? gc : "none");
        put(pg, "</td><td>");
        esc(pg, w->country[mi][0] ? w->country[mi] : "unknown");
        put(pg, "</td>");
        cell_num(pg, 1, map.x[i], "%.3f");
        cell_num(pg, map.dims >= 2, map.y[i], "%.3f");
        put(pg, "</tr>");
    }
    put(pg, "</tbody></table></details>\n");
    json_t *d = data_new(q, m);
    if (d && json_object_update_new(
                 d, json_pack("{s:o, s:{s:o, s:o, s:o, s:o, s:o, s:o}, s:[f, f], s:i}", "groups",
                              groups_json(m), "nodes", "id", id, "name", nm, "group", gr, "country",
                              co, "x", dx, "y", dy, "variance", map.var[0],
                              map.dims >= 2 ? map.var[1] : 0.0, "dims", map.dims)))
        pg->bad = 1;
    free(xs);
    free(ys);
    ep_stats_map_free(&map);
    tail(pg, d);
    return 0;
}

/* ---- 3. MEP scorecard --------------------------------------------------------------------- */

/* Horizontal bars 0..max with labels; ok[k] = 0 draws "n/a". */
static void bars(struct page *pg, const char *id, const char *label, int n, const char *const *name,
                 const double *val, const int *ok, double max, const char *unit)
{
    double bh = 30, h = n * bh + 20;
    putf(pg,
         "<svg id=\"%s\" class=\"bars\" viewBox=\"0 0 1000 %.0f\" role=\"img\" "
         "aria-label=\"",
         id, h);
    esc(pg, label);
    put(pg, "\">");
    for (int k = 0; k < n; k++) {
        double y = 10 + k * bh;
        put(pg, "<text x=\"240\" text-anchor=\"end\" class=\"lab\" ");
        putf(pg, "y=\"%.0f\">", y + 19);
        esc(pg, name[k]);
        putf(pg, "</text><rect class=\"track\" x=\"250\" y=\"%.0f\" width=\"600\" height=\"22\"/>",
             y + 2);
        if (ok[k]) {
            double wdt = 600 * fmax(0, fmin(1, val[k] / max));
            putf(pg,
                 "<rect class=\"bar\" x=\"250\" y=\"%.0f\" width=\"%.1f\" height=\"22\"/>"
                 "<text x=\"860\" y=\"%.0f\">%.1f%s</text>",
                 y + 2, wdt, y + 19, val[k], unit);
        } else {
            putf(pg, "<text x=\"860\" y=\"%.0f\" class=\"na\">n/a</text>", y + 19);
        }
    }
    put(pg, "</svg>");
}

static int view_scorecard_empty(const struct ep_ui_req *q, struct page *pg)
{
    head(pg, EP_UI_SCORECARD,
         "Waiting for an MEP: the host passes the tool's mep_id, or open this page with "
         "?mep_id=<EP id>.");
    put(pg, "<p class=\"warn\" id=\"empty\">No MEP chosen yet.</p>");
    struct ep_matrix none = {0};
    tail(pg, data_new(q, &none));
    return 0;
}

static int view_scorecard(struct ep_env *env, struct ep_win *w, const struct ep_ui_req *q,
                          struct page *pg, struct ep_error *err)
{
    const struct ep_matrix *m = w->m;
    int mi = ep_matrix_mep_index(m, q->mep_id);
    if (mi < 0)
        return ep_error_set(err, EP_ENOTFOUND,
                            "MEP %lld has no position in the window: pick an MEP who voted",
                            (long long)q->mep_id);
    struct ep_influence_params ip = {mi};
    struct ep_run r;
    run_init(&r, "assess_mep_influence", 8);
    struct ep_influence o;
    int rc = ep_influence_compute(w, &ip, &r, &o, err);
    if (rc)
        return rc;
    if ((rc = ep_win_need_vs(w, err))) {
        ep_influence_free(&o);
        return rc;
    }
    struct ep_patterns_window pw = {env->store, &env->positions, m, &w->vs, NULL};
    struct ep_mep_report rep;
    if ((rc = ep_mep_report_compute(&pw, q->mep_id, &rep, err))) {
        ep_influence_free(&o);
        return rc;
    }
    const struct ep_patterns_mep *pm = &rep.patterns.mep;
    int g = ep_win_modal_group(w, mi);
    const char *gc = gcode(m, g);
    char sub[1024], wt[300];
    window_text(m, wt, sizeof wt);
    snprintf(sub, sizeof sub, "%s · %s · %s. %s.", w->name[mi], gc ? gc : "no group",
             w->country[mi][0] ? w->country[mi] : "country unknown", wt);
    head(pg, EP_UI_SCORECARD, sub);
    putf(pg,
         "<p class=\"kpi\" id=\"composite\">Composite influence <b>%.1f</b> / 100 · rank "
         "<b>%d</b> of %d MEPs</p>",
         o.composite, o.rank, o.n);
    /* dimensions */
    const char *dn[EP_INFL_NDIM];
    double dv[EP_INFL_NDIM];
    int dok[EP_INFL_NDIM];
    for (int k = 0; k < EP_INFL_NDIM; k++) {
        dn[k] = ep_influence_dim_name[k];
        dv[k] = o.dim[k].percentile;
        dok[k] = o.dim[k].available;
    }
    put(pg, "<section><h2>Influence dimensions (percentile among the MEPs)</h2><figure>");
    bars(pg, "dims", "Percentile of each influence dimension", EP_INFL_NDIM, dn, dv, dok, 100, "");
    put(pg, "<figcaption>Percentile 0 to 100 among the MEPs of the window for whom the "
            "dimension is defined; n/a = no data (reason in the table).</figcaption></figure>"
            "<table id=\"t-dims\"><thead><tr><th>Dimension</th><th>Value</th><th>Percentile</th>"
            "<th>Weight</th><th>Note</th></tr></thead><tbody>");
    json_t *jd = json_array();
    for (int k = 0; k < EP_INFL_NDIM; k++) {
        const struct ep_influence_dim *x = &o.dim[k];
        put(pg, "<tr><td>");
        esc(pg, dn[k]);
        put(pg, "</td>");
        cell_num(pg, x->available, x->value, "%.4g");
        cell_num(pg, x->available, x->percentile, "%.1f");
        cell_num(pg, x->available, x->weight, "%.3f");
        put(pg, "<td>");
        esc(pg, x->available ? "" : x->reason);
        put(pg, "</td></tr>");
        json_array_append_new(jd,
                              json_pack("{s:s, s:o, s:o}", "name", dn[k], "percentile",
                                        x->available ? json_real(x->percentile) : json_null(),
                                        "value", x->available ? json_real(x->value) : json_null()));
    }
    put(pg, "</tbody></table></section>");
    /* agreement with each group */
    const char *an[EP_MATRIX_MAX_GROUPS];
    double av[EP_MATRIX_MAX_GROUPS];
    int aok[EP_MATRIX_MAX_GROUPS], na = 0;
    for (int k = 0; k < pm->n_agree && na < EP_MATRIX_MAX_GROUPS; k++, na++) {
        an[na] = rep.patterns.grp_code[pm->agree[k].group];
        av[na] = 100 * pm->agree[k].share.value;
        aok[na] = pm->agree[k].share.ok;
    }
    put(pg, "<section><h2>Agreement with each group</h2><figure>");
    bars(pg, "agree", "Share of the MEP's votes equal to each group's position", na, an, av, aok,
         100, " %");
    put(pg, "<figcaption>Share of the votes the MEP cast on which the MEP's position equalled the "
            "group's majority position.</figcaption></figure><table id=\"t-agree\"><thead><tr>"
            "<th>Group</th><th>Agreement</th><th>Votes agreeing</th><th>Votes counted</th></tr>"
            "</thead><tbody>");
    json_t *ja = json_array();
    for (int k = 0; k < na; k++) {
        const struct ep_patterns_agree *x = &pm->agree[k];
        put(pg, "<tr><td>");
        esc(pg, an[k]);
        put(pg, "</td>");
        cell_num(pg, x->share.ok, 100 * x->share.value, "%.1f %%");
        putf(pg, "<td class=\"num\">%d</td><td class=\"num\">%d</td></tr>", x->agree, x->counted);
        json_array_append_new(ja, json_pack("{s:s, s:o, s:i, s:i}", "group", an[k], "share",
                                            x->share.ok ? json_real(x->share.value) : json_null(),
                                            "agree", x->agree, "counted", x->counted));
    }
    put(pg, "</tbody></table></section>");
    /* defections */
    const struct ep_patterns_votes *dv2 = &pm->defection_votes;
    putf(pg, "<section><h2>Defections from the own group (%d", dv2->total);
    if (dv2->n < dv2->total)
        putf(pg, ", the %d latest listed", dv2->n);
    put(pg, ")</h2>");
    if (!pm->loyalty.ok) {
        put(pg, "<p class=\"warn\">");
        esc(pg, pm->loyalty.reason);
        put(pg, "</p>");
    }
    put(pg, "<table id=\"t-def\"><thead><tr><th>Date</th><th>Vote</th><th>MEP</th><th>Group</th>"
            "</tr></thead><tbody>");
    for (int k = 0; k < dv2->n; k++) {
        const struct ep_patterns_vote *x = &dv2->items[k];
        putf(pg, "<tr><td>%s</td><td>", x->date);
        esc(pg, x->title);
        putf(pg, " <span class=\"id\">(vote %lld)</span></td><td>%s</td><td>%s</td></tr>",
             (long long)x->vote_id, ep_pos_name(x->mep_position),
             ep_stats_gpos_name(x->group_position));
    }
    put(pg, "</tbody></table></section>\n");
    json_t *d = data_new(q, m);
    if (d && json_object_update_new(
                 d, json_pack("{s:{s:I, s:s, s:o, s:o}, s:f, s:i, s:i, s:o, s:o, s:i}", "mep", "id",
                              (json_int_t)q->mep_id, "name", w->name[mi], "group",
                              gc ? json_string(gc) : json_null(), "country",
                              w->country[mi][0] ? json_string(w->country[mi]) : json_null(),
                              "composite", o.composite, "rank", o.rank, "n", o.n, "dimensions", jd,
                              "agreement", ja, "defections", dv2->total)))
        pg->bad = 1;
    ep_mep_report_free(&rep);
    ep_influence_free(&o);
    tail(pg, d);
    return 0;
}

/* ---- 4. coalition matrix ------------------------------------------------------------------ */

static int view_coalition(struct ep_win *w, const struct ep_ui_req *q, struct page *pg,
                          struct ep_error *err)
{
    const struct ep_matrix *m = w->m;
    struct ep_coalition_params p;
    memset(p.sel, 1, sizeof p.sel);
    struct ep_run r;
    run_init(&r, "analyze_coalition_dynamics", 8);
    struct ep_coalition o;
    int rc = ep_coalition_compute(w, &p, &r, &o, err);
    if (rc)
        return rc;
    int ng = m->n_grp;
    char sub[1024], wt[300];
    window_text(m, wt, sizeof wt);
    snprintf(sub, sizeof sub,
             "%s. Agreement of each pair of groups: the share of their common "
             "votes on which both groups' majority positions were equal.",
             wt);
    head(pg, EP_UI_COALITION, sub);
    double cs = ng ? fmin(80, 860.0 / ng) : 80, x0 = 120, y0 = 110;
    putf(pg,
         "<figure class=\"chart\"><svg id=\"plot\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
         "aria-label=\"Pair-agreement heatmap: Tab moves between the cells, Enter lists the "
         "votes behind a cell\"><g id=\"cells\">",
         x0 + cs * ng + 20, y0 + cs * ng + 20);
    for (int g = 0; g < ng; g++) {
        putf(pg, "<text class=\"lab\" x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">", x0 - 8,
             y0 + cs * g + cs / 2 + 5);
        esc(pg, m->grp_code[g]);
        putf(pg, "</text><text class=\"lab\" transform=\"translate(%.0f %.0f) rotate(-45)\">",
             x0 + cs * g + cs / 2, y0 - 8);
        esc(pg, m->grp_code[g]);
        put(pg, "</text>");
    }
    json_t *pairs = json_array();
    for (int k = 0; k < o.n_pair; k++) {
        const struct ep_coalition_pair *x = &o.pair[k];
        int sh = (int)lround(100 * x->share);
        /* light (low agreement) to dark blue (high) */
        int l = 95 - (int)lround(60 * x->share);
        for (int t = 0; t < 2; t++) {
            int a = t ? x->b : x->a, b = t ? x->a : x->b;
            putf(pg,
                 "<g class=\"cell\" tabindex=\"0\" role=\"button\" data-a=\"%s\" "
                 "data-b=\"%s\" aria-label=\"%s and %s: %d %% agreement on %d common votes\">"
                 "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                 "fill=\"hsl(215 70%% %d%%)\"/><text x=\"%.1f\" y=\"%.1f\" "
                 "text-anchor=\"middle\" class=\"%s\">%d</text></g>",
                 m->grp_code[a], m->grp_code[b], m->grp_code[a], m->grp_code[b], sh, x->common,
                 x0 + cs * b, y0 + cs * a, cs - 2, cs - 2, l, x0 + cs * b + cs / 2 - 1,
                 y0 + cs * a + cs / 2 + 5, l < 60 ? "on-dark" : "", sh);
        }
        json_array_append_new(pairs, json_pack("{s:s, s:s, s:f, s:i, s:i}", "a", m->grp_code[x->a],
                                               "b", m->grp_code[x->b], "share", x->share, "agree",
                                               x->agree, "common", x->common));
    }
    put(pg, "</g></svg><figcaption>Cells: agreement in % (darker = higher). Click a cell, or "
            "Tab to it and press Enter, for the votes behind it.</figcaption></figure>\n"
            "<section id=\"drill\" class=\"card\" aria-live=\"polite\" hidden></section>\n");
    putf(pg,
         "<details class=\"table\" id=\"table\" open><summary>Data table: the %d group "
         "pairs</summary><table id=\"tbl\"><thead><tr><th>Group A</th><th>Group B</th>"
         "<th>Agreement</th><th>Votes agreeing</th><th>Common votes</th></tr></thead><tbody>",
         o.n_pair);
    for (int k = 0; k < o.n_pair; k++) {
        const struct ep_coalition_pair *x = &o.pair[k];
        putf(pg, "<tr><td>%s</td><td>%s</td>", m->grp_code[x->a], m->grp_code[x->b]);
        cell_num(pg, 1, 100 * x->share, "%.1f %%");
        putf(pg, "<td class=\"num\">%d</td><td class=\"num\">%d</td></tr>", x->agree, x->common);
    }
    put(pg, "</tbody></table></details>\n");
    json_t *d = data_new(q, m);
    if (d && json_object_update_new(
                 d, json_pack("{s:o, s:o}", "groups", groups_json(m), "pairs", pairs)))
        pg->bad = 1;
    ep_coalition_free(&o);
    tail(pg, d);
    return 0;
}

/* ---- 5. hemicycle ------------------------------------------------------------------------- */

/* The codes of the groups in mask (bit g = group index g of m) joined by " + ". */
static void coal_names(const struct ep_matrix *m, uint32_t mask, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = 0;
    for (int g = 0; g < m->n_grp && len < n; g++)
        if (mask & (1u << g)) {
            int k = snprintf(buf + len, n - len, "%s%s", len ? " + " : "", m->grp_code[g]);
            len += k > 0 ? (size_t)k : 0;
        }
}

/* The minimal winning coalitions of o as a table (with a "Select" button each); their data
 * (groups as indices into the page's groups, at[] maps a matrix group to it). */
static json_t *hemi_coalitions(struct page *pg, const struct ep_matrix *m,
                               const struct ep_landscape *o, const int *at)
{
    /* the minimal winning coalitions */
    putf(pg, "<section><h2>Minimal winning coalitions (%d", o->coal_total);
    if (o->n_coal < o->coal_total)
        putf(pg, ", the first %d listed", o->n_coal);
    putf(pg,
         ")</h2><p class=\"sub\">Groups with at least %d seats together, every member needed; "
         "won together: decided votes of the window (%d) on which every member group took the "
         "same position and it won. NI is not a group that joins coalitions.</p>"
         "<table id=\"coal\"><thead><tr><th>Groups</th><th>Seats</th><th>Aligned votes</th>"
         "<th>Won together</th><th>Share of decided votes</th><th></th></tr></thead><tbody>",
         o->majority, o->decided);
    json_t *cj = json_array();
    for (int k = 0; k < o->n_coal; k++) {
        const struct ep_land_coal *c = &o->coal[k];
        char names[512];
        coal_names(m, c->mask, names, sizeof names);
        json_t *gi = json_array();
        for (int g = 0; g < m->n_grp; g++)
            if ((c->mask & (1u << g)) && at[g] >= 0)
                json_array_append_new(gi, json_integer(at[g]));
        put(pg, "<tr><td>");
        esc(pg, names);
        putf(pg, "</td><td class=\"num\">%d</td><td class=\"num\">%d</td><td class=\"num\">%d</td>",
             c->seats, c->aligned, c->won);
        cell_num(pg, o->decided > 0, o->decided ? 100.0 * c->won / o->decided : 0, "%.1f %%");
        putf(pg,
             "<td><button type=\"button\" class=\"pick\" data-k=\"%d\">Select</button></td></tr>",
             k);
        json_array_append_new(cj, json_pack("{s:o, s:i, s:i, s:i}", "groups", gi, "seats", c->seats,
                                            "aligned", c->aligned, "won", c->won));
    }
    put(pg, "</tbody></table></section>\n");
    return cj;
}

/* The blocs of o: the communities of the window's co-voting network (Louvain, 10 common votes
 * for an edge, as generate_political_landscape's "blocs"), each drawn as one bar of its MEPs by
 * modal group (focusable, with its composition as label and tooltip), and the table of them.
 * Their data, or NULL when the network has no edges (the page then says why). */
static json_t *hemi_blocs(struct page *pg, const struct ep_matrix *m, const struct ep_landscape *o)
{
    const struct ep_network *net = &o->net;
    put(pg, "<section><h2>Blocs of the co-voting network</h2>");
    if (!net->weighted || net->n_comm <= 0) {
        put(pg, "<p class=\"sub\">No blocs: ");
        esc(pg, net->no_edges_reason[0] ? net->no_edges_reason : "the network has no edges");
        put(pg, "</p></section>\n");
        return NULL;
    }
    int max = 1;
    for (int c = 0; c < net->n_comm; c++)
        max = net->comm[c].size > max ? net->comm[c].size : max;
    const struct ep_graph *g = &o->win->g;
    put(pg, "<p class=\"sub\">The communities (Louvain) of the window's co-voting network "
            "(MEPs tied by at least 10 common votes), each a bar of its MEPs by modal group");
    if (g->modularity_ok)
        putf(pg, "; modularity %.3f", g->modularity);
    if (g->modularity_group_ok)
        putf(pg, " (of the partition by group: %.3f)", g->modularity_group);
    const double bh = 26, gap = 10, lw = 90, bw = VW - lw - 60;
    putf(pg,
         ". Tab to a bloc for its composition.</p><svg id=\"blocs\" viewBox=\"0 0 %.0f %.0f\" "
         "role=\"group\" aria-label=\"Blocs: one bar per community, its MEPs by group; Tab "
         "moves between the blocs\">",
         VW, net->n_comm * (bh + gap) + gap);
    json_t *arr = json_array();
    for (int c = 0; c < net->n_comm; c++) {
        const struct ep_network_comm *k = &net->comm[c];
        char lab[600];
        size_t len = (size_t)snprintf(lab, sizeof lab, "Bloc %d: %d MEPs", c + 1, k->size);
        json_t *gs = json_array();
        for (int j = 0; j < k->n_groups && len < sizeof lab; j++) {
            const char *code = gcode(m, k->groups[j].grp);
            int n = snprintf(lab + len, sizeof lab - len, "%s %s %d", j ? "," : ":",
                             code ? code : "no group", k->groups[j].nodes);
            len += n > 0 ? (size_t)n : 0;
            json_array_append_new(gs, json_pack("{s:o, s:i}", "group",
                                                code ? json_string(code) : json_null(), "nodes",
                                                k->groups[j].nodes));
        }
        double y = gap + c * (bh + gap), x = lw;
        putf(pg, "<g class=\"bloc\" data-c=\"%d\" tabindex=\"0\" aria-label=\"", c);
        esc(pg, lab);
        put(pg, "\"><title>");
        esc(pg, lab);
        putf(pg, "</title><text x=\"0\" y=\"%.1f\" class=\"lab\">Bloc %d</text>", y + bh * 0.7,
             c + 1);
        for (int j = 0; j < k->n_groups; j++) {
            const char *code = gcode(m, k->groups[j].grp);
            char col[8] = "#999999";
            if (code)
                color_of(code, col);
            double wj = bw * k->groups[j].nodes / max;
            putf(pg, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.0f\" fill=\"%s\"/>", x,
                 y, wj, bh, col);
            x += wj;
        }
        putf(pg, "<text x=\"%.1f\" y=\"%.1f\" class=\"lab\">%d</text></g>", x + 6, y + bh * 0.7,
             k->size);
        json_array_append_new(arr, json_pack("{s:i, s:i, s:o, s:s}", "community", c, "size",
                                             k->size, "groups", gs, "label", lab));
    }
    put(pg, "</svg><table id=\"tbl-blocs\"><thead><tr><th>Bloc</th><th>MEPs</th><th>Groups "
            "(MEPs)</th></tr></thead><tbody>");
    for (int c = 0; c < net->n_comm; c++) {
        putf(pg, "<tr><td>%d</td><td class=\"num\">%d</td><td>", c + 1, net->comm[c].size);
        for (int j = 0; j < net->comm[c].n_groups; j++) {
            const char *code = gcode(m, net->comm[c].groups[j].grp);
            putf(pg, "%s%s %d", j ? ", " : "", code ? code : "no group",
                 net->comm[c].groups[j].nodes);
        }
        put(pg, "</td></tr>");
    }
    put(pg, "</tbody></table></section>\n");
    return json_pack("{s:o, s:o, s:o}", "communities", arr, "modularity",
                     g->modularity_ok ? json_real(g->modularity) : json_null(),
                     "modularity_by_group",
                     g->modularity_group_ok ? json_real(g->modularity_group) : json_null());
}

static int view_hemicycle(struct ep_win *w, const struct ep_ui_req *q, struct page *pg,
                          struct ep_error *err)
{
    const struct ep_matrix *m = w->m;
    struct ep_landscape_params p = {q->date[0] ? ep_date_days(q->date) : -1, 10};
    struct ep_run r;
    run_init(&r, "generate_political_landscape", 5);
    struct ep_landscape o;
    int rc = ep_landscape_compute(w, &p, &r, &o, err);
    if (rc)
        return rc;
    if (o.total <= 0) {
        ep_landscape_free(&o);
        return ep_error_set(err, EP_EUNAVAIL, "no seat with a group on the window's last vote");
    }
    /* the groups holding seats in the EP's seating order, left to right (as the tool's JSON) */
    int order[EP_MATRIX_MAX_GROUPS] = {0}, ng = 0, at[EP_MATRIX_MAX_GROUPS];
    for (int g = 0; g < EP_MATRIX_MAX_GROUPS; g++)
        at[g] = -1;
    for (int g = 0; g < m->n_grp; g++) {
        if (o.seats[g] <= 0)
            continue;
        int j = ng++, rk = ep_report_hemicycle_rank(m->grp_code[g]);
        while (j > 0 && ep_report_hemicycle_rank(m->grp_code[order[j - 1]]) > rk) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = g;
    }
    for (int k = 0; k < ng; k++)
        at[order[k]] = k;
    double *xs = malloc((size_t)o.total * sizeof(double)),
           *ys = malloc((size_t)o.total * sizeof(double)), dot = 0;
    if (!xs || !ys || ep_report_hemicycle_seats(o.total, xs, ys, &dot)) {
        free(xs);
        free(ys);
        ep_landscape_free(&o);
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    char day[11], sub[1024], wt[300];
    ep_date_format(m->vote_day[o.seat_vote], day);
    window_text(m, wt, sizeof wt);
    char on[64];
    if (q->date[0])
        snprintf(on, sizeof on, "the window's last vote on or before %s", q->date);
    else
        snprintf(on, sizeof on, "the window's last vote");
    snprintf(sub, sizeof sub,
             "%s. Seats: the members of each group with a mandate on %s (%s); %d seats with a "
             "group, a majority is %d.",
             wt, day, on, o.total, o.majority);
    head(pg, EP_UI_HEMICYCLE, sub);
    const double cx = 500, cy = 470, rad = 450;
    putf(pg,
         "<figure class=\"chart\"><svg id=\"plot\" class=\"hemi\" viewBox=\"0 0 1000 490\" "
         "role=\"group\" aria-label=\"Hemicycle: %d seats, one dot per seat, groups from the "
         "left to the right; Tab moves between the groups, Enter or Space selects a group\">"
         "<g id=\"seats\">",
         o.total);
    int s = 0;
    for (int k = 0; k < ng; k++) {
        int g = order[k];
        putf(pg,
             "<g class=\"grp\" data-g=\"%d\" tabindex=\"0\" role=\"button\" aria-pressed=\"false\" "
             "aria-label=\"%s: %d seats, %.1f %%\" fill=\"",
             k, m->grp_code[g], o.seats[g], 100.0 * o.seats[g] / o.total);
        char c[8];
        color_of(m->grp_code[g], c);
        putf(pg, "%s\">", c);
        for (int j = 0; j < o.seats[g] && s < o.total; j++, s++)
            putf(pg, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\"/>", cx + xs[s] * rad,
                 cy - ys[s] * rad, dot * rad);
        put(pg, "</g>");
    }
    free(xs);
    free(ys);
    putf(pg,
         "</g><text id=\"ctr\" x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\" class=\"ctr\">%d "
         "seats</text><text id=\"ctr2\" x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\" "
         "class=\"lab\">majority %d</text></svg><div id=\"tip\" class=\"tip\" role=\"tooltip\" "
         "hidden></div><figcaption>One dot per seat. Hover a group for its seats; click it (or "
         "Tab to it and press Enter) to add it to the coalition below.</figcaption></figure>\n",
         cx, cy - 40, o.total, cx, cy - 10, o.majority);
    putf(pg, "<p class=\"kpi\" id=\"total\" role=\"status\" aria-live=\"polite\"></p>"
             "<div class=\"controls\"><button type=\"button\" id=\"clear\">Clear the selection"
             "</button></div>\n<section><h2>Seats per group</h2><table id=\"tbl\"><thead><tr>"
             "<th>Select</th><th>Group</th><th>Seats</th><th>Share</th></tr></thead><tbody>");
    json_t *gj = json_array();
    for (int k = 0; k < ng; k++) {
        int g = order[k];
        char c[8];
        color_of(m->grp_code[g], c);
        putf(pg,
             "<tr data-g=\"%d\"><td><input type=\"checkbox\" id=\"sel-%d\" value=\"%d\" "
             "aria-label=\"select %s\"></td><td><span class=\"sw\" style=\"background:%s\">"
             "</span> %s</td><td class=\"num\">%d</td><td class=\"num\">%.1f %%</td></tr>",
             k, k, k, m->grp_code[g], c, m->grp_code[g], o.seats[g], 100.0 * o.seats[g] / o.total);
        json_array_append_new(gj, json_pack("{s:s, s:s, s:i, s:f}", "code", m->grp_code[g], "color",
                                            c, "seats", o.seats[g], "share",
                                            (double)o.seats[g] / o.total));
    }
    putf(pg,
         "</tbody><tfoot><tr><td></td><td>Total with a group</td><td class=\"num\">%d</td>"
         "<td></td></tr>",
         o.total);
    if (o.seats_nogroup)
        putf(pg,
             "<tr><td></td><td>No group that day (not counted)</td><td class=\"num\">%d</td>"
             "<td></td></tr>",
             o.seats_nogroup);
    put(pg, "</tfoot></table></section>\n");
    json_t *cj = hemi_coalitions(pg, m, &o, at);
    json_t *bj = hemi_blocs(pg, m, &o);
    json_t *d = data_new(q, m);
    if (d && json_object_update_new(
                 d, json_pack("{s:o, s:s, s:i, s:i, s:i, s:i, s:o, s:i, s:o}", "groups", gj, "date",
                              day, "total", o.total, "majority", o.majority, "no_group",
                              o.seats_nogroup, "decided", o.decided, "coalitions", cj,
                              "coalitions_total", o.coal_total, "blocs", bj ? bj : json_null())))
        pg->bad = 1;
    ep_landscape_free(&o);
    tail(pg, d);
    return 0;
}

/* ---- 6. policy area ----------------------------------------------------------------------- */

/* The top-level OEIL subjects ("1".."8") the store has, with their votes with positions. */
struct pa_subj {
    char code[4], label[160];
    long votes;
};
static int pa_subjects(struct ep_store *s, struct pa_subj *out, int *n, struct ep_error *err)
{
    *n = 0;
    for (int c = 1; c <= 9; c++) {
        struct pa_subj *x = &out[*n];
        long votes = 0;
        x->code[0] = (char)('0' + c); /* c is 1..9: one digit */
        x->code[1] = 0;
        int rc = ep_query_topic(s, EP_TOPIC_SUBJECT, x->code, x->label, sizeof x->label, &votes,
                                &x->votes, err);
        if (rc == EP_ENOTFOUND)
            continue;
        if (rc)
            return rc;
        (*n)++;
    }
    return 0;
}

/* Per-group AI of the overall window by code (copied out before the area's window is loaded). */
struct pa_all {
    struct ep_pa_overall pairs;
    double ai[EP_MATRIX_MAX_GROUPS];
    int ai_ok[EP_MATRIX_MAX_GROUPS];
};
static int pa_all_ai(const struct pa_all *a, const char *code, double *ai)
{
    for (int g = 0; g < a->pairs.n_grp; g++)
        if (!strcmp(a->pairs.code[g], code)) {
            *ai = a->ai[g];
            return a->ai_ok[g];
        }
    return 0;
}

/* The bar chart: per group its Agreement Index in the area and overall (a dashed frame for n/a). */
static json_t *pa_bars(struct page *pg, const struct ep_policy_area *r, const struct pa_all *all)
{
    const double x0 = 60, y0 = 20, h = 300, slot = (1000 - x0 - 10) / (r->n_grp ? r->n_grp : 1);
    put(pg, "<figure class=\"chart\"><svg id=\"bars\" class=\"pbars\" viewBox=\"0 0 1000 370\" "
            "role=\"group\" aria-label=\"Agreement Index per group, in the area (solid) and "
            "overall (light); Tab or the arrow keys move between the bars\">");
    for (int t = 0; t <= 4; t++)
        putf(pg,
             "<line class=\"axis\" x1=\"%.0f\" y1=\"%.1f\" x2=\"990\" y2=\"%.1f\"/><text "
             "class=\"lab\" x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">%.2f</text>",
             x0, y0 + h - t * h / 4, y0 + h - t * h / 4, x0 - 6, y0 + h - t * h / 4 + 5, t / 4.0);
    json_t *gj = json_array();
    for (int g = 0; g < r->n_grp; g++) {
        const struct ep_pa_group *x = &r->g[g];
        char c[8];
        color_of(x->code, c);
        double ov = 0, bw = slot * 0.36, bx = x0 + g * slot + slot * 0.12;
        int ook = pa_all_ai(all, x->code, &ov);
        for (int k = 0; k < 2; k++) {
            int ok = k ? ook : x->ai_ok;
            double v = k ? ov : x->ai_mean, bh = ok ? v * h : h;
            putf(pg,
                 "<rect class=\"bar %s%s\" data-g=\"%d\" tabindex=\"0\" x=\"%.1f\" y=\"%.1f\" "
                 "width=\"%.1f\" height=\"%.1f\" fill=\"%s\" aria-label=\"%s %s: AI ",
                 k ? "all" : "area", ok ? "" : " na", g, bx + k * bw, y0 + h - bh, bw, bh,
                 ok ? c : "none", x->code, k ? "overall" : "in the area");
            if (ok)
                putf(pg, "%.3f\"/>", v);
            else
                put(pg, "n/a\"/>");
        }
        putf(pg, "<text class=\"lab\" x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">", bx + bw,
             y0 + h + 22);
        esc(pg, x->code);
        put(pg, "</text>");
        json_array_append_new(
            gj, json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:i}", "code", x->code, "color", c, "ai",
                          x->ai_ok ? json_real(x->ai_mean) : json_null(), "ai_overall",
                          ook ? json_real(ov) : json_null(), "rice",
                          x->rice_ok ? json_real(x->rice_mean) : json_null(), "participation",
                          x->part_ok ? json_real(x->participation) : json_null(), "votes_cast",
                          x->votes_cast));
    }
    put(pg, "</svg><div id=\"tip\" class=\"tip\" role=\"tooltip\" hidden></div><figcaption>"
            "Agreement Index (1 = the whole group voted alike) per group: solid bar in the area, "
            "light bar over all votes of the window; a dashed frame is n/a (no vote with cast "
            "members). Hover or focus a bar for the exact figure.</figcaption></figure>\n");
    put(pg, "<details class=\"table\" id=\"table\"><summary>Data table: cohesion per group"
            "</summary><table id=\"tbl\"><thead><tr><th>Group</th><th>AI in the area</th>"
            "<th>AI overall</th><th>Rice in the area</th><th>Participation</th><th>Votes cast"
            "</th><th>FOR</th><th>AGAINST</th><th>ABSTENTION</th><th>TIE</th></tr></thead><tbody>");
    for (int g = 0; g < r->n_grp; g++) {
        const struct ep_pa_group *x = &r->g[g];
        double ov = 0;
        int ook = pa_all_ai(all, x->code, &ov);
        putf(pg, "<tr data-g=\"%d\"><td>", g);
        esc(pg, x->code);
        put(pg, "</td>");
        cell_num(pg, x->ai_ok, x->ai_mean, "%.3f");
        cell_num(pg, ook, ov, "%.3f");
        cell_num(pg, x->rice_ok, x->rice_mean, "%.3f");
        cell_num(pg, x->part_ok, 100 * x->participation, "%.1f %%");
        putf(pg,
             "<td class=\"num\">%d</td><td class=\"num\">%d</td><td class=\"num\">%d</td>"
             "<td class=\"num\">%d</td><td class=\"num\">%d</td></tr>",
             x->votes_cast, x->pos[EP_GPOS_FOR], x->pos[EP_GPOS_AGAINST],
             x->pos[EP_GPOS_ABSTENTION], x->pos[EP_GPOS_TIE]);
    }
    put(pg, "</tbody></table></details>\n");
    return gj;
}

/* Pair agreement in the area against overall: a heatmap table (cell = area %, colour by the
 * difference) and the pairs' data. */
static json_t *pa_heat(struct page *pg, const struct ep_policy_area *r)
{
    const struct ep_pa_pair *at[EP_MATRIX_MAX_GROUPS][EP_MATRIX_MAX_GROUPS] = {{NULL}};
    json_t *pj = json_array();
    for (int k = 0; k < r->n_pair; k++) {
        const struct ep_pa_pair *x = &r->pairs[k];
        at[x->a][x->b] = at[x->b][x->a] = x;
        int dok = x->area_ok && x->all_ok;
        json_array_append_new(
            pj, json_pack("{s:i, s:i, s:i, s:o, s:o, s:o}", "a", x->a, "b", x->b, "common",
                          x->common, "area", x->area_ok ? json_real(x->area) : json_null(),
                          "overall", x->all_ok ? json_real(x->all) : json_null(), "difference",
                          dok ? json_real(x->area - x->all) : json_null()));
    }
    put(pg, "<section><h2>Pair agreement in the area against overall</h2><p class=\"sub\">Cell: "
            "share of the area's votes on which both groups took the same position (of those "
            "where both had one); colour: the difference to all votes of the window (green "
            "higher, red lower). Hover or focus a cell for the figures.</p><table id=\"heat\" "
            "class=\"heat\"><thead><tr><th></th>");
    for (int b = 0; b < r->n_grp; b++) {
        put(pg, "<th>");
        esc(pg, r->g[b].code);
        put(pg, "</th>");
    }
    put(pg, "</tr></thead><tbody>");
    for (int a = 0; a < r->n_grp; a++) {
        put(pg, "<tr><th>");
        esc(pg, r->g[a].code);
        put(pg, "</th>");
        for (int b = 0; b < r->n_grp; b++) {
            const struct ep_pa_pair *x = a == b ? NULL : at[a][b];
            if (!x) {
                put(pg, "<td class=\"diag\"></td>");
                continue;
            }
            int dok = x->area_ok && x->all_ok;
            double d = dok ? x->area - x->all : 0;
            char tip[256];
            snprintf(tip, sizeof tip, "%s – %s: ", r->g[a].code, r->g[b].code);
            size_t l = strlen(tip);
            if (x->area_ok)
                snprintf(tip + l, sizeof tip - l, "%.1f %% in the area (%d common votes)",
                         100 * x->area, x->common);
            else
                snprintf(tip + l, sizeof tip - l, "n/a in the area (no common vote)");
            l = strlen(tip);
            if (x->all_ok)
                snprintf(tip + l, sizeof tip - l, ", %.1f %% overall", 100 * x->all);
            l = strlen(tip);
            if (dok)
                snprintf(tip + l, sizeof tip - l, ", %+.1f points", 100 * d);
            double al = fmin(1, fabs(d) * 4);
            putf(pg,
                 "<td class=\"num cell\" tabindex=\"0\" style=\"background:rgba(%s,%.2f)\" "
                 "data-tip=\"",
                 d >= 0 ? "26,152,80" : "215,48,39", dok ? al : 0);
            esc(pg, tip);
            put(pg, "\">");
            if (x->area_ok)
                putf(pg, "%.0f", 100 * x->area);
            else
                put(pg, "n/a");
            put(pg, "</td>");
        }
        put(pg, "</tr>");
    }
    put(pg, "</tbody></table></section>\n");
    return pj;
}

/* The top defectors and the delegations that split. */
static void pa_people(struct page *pg, const struct ep_policy_area *r, int min_votes)
{
    putf(pg,
         "<section><h2>Top defectors in the area</h2><p class=\"sub\">Cast votes against the "
         "own group's position / counted votes; %d MEPs with at least %d counted votes ranked."
         "</p><table id=\"def\"><thead><tr><th>MEP</th><th>Group</th><th>Country</th><th>"
         "Defections</th><th>Counted</th><th>Rate</th></tr></thead><tbody>",
         r->n_def_ranked, min_votes);
    for (int k = 0; k < r->n_def; k++) {
        const struct ep_pa_defector *d = &r->def[k];
        put(pg, "<tr><td>");
        esc(pg, d->name);
        put(pg, "</td><td>");
        esc(pg, d->group[0] ? d->group : "none");
        put(pg, "</td><td>");
        esc(pg, d->country[0] ? d->country : "unknown");
        putf(pg, "</td><td class=\"num\">%d</td><td class=\"num\">%d</td>", d->defections,
             d->counted);
        cell_num(pg, 1, 100 * d->rate, "%.1f %%");
        put(pg, "</tr>");
    }
    int nsplit = 0;
    for (int k = 0; k < r->n_del; k++)
        nsplit += r->del[k].splits > 0;
    putf(pg,
         "</tbody></table></section>\n<section><h2>National delegations that split</h2><p "
         "class=\"sub\">A delegation splits on a vote when its members' cast votes take two or "
         "more options; rate over the votes with at least two cast members. %d of %d "
         "delegations split at least once.</p><table id=\"del\"><thead><tr><th>Country</th>"
         "<th>Members</th><th>Votes</th><th>Splits</th><th>Rate</th></tr></thead><tbody>",
         nsplit, r->n_del);
    for (int k = 0; k < r->n_del; k++) {
        const struct ep_pa_delegation *d = &r->del[k];
        if (!d->splits)
            continue;
        put(pg, "<tr><td>");
        esc(pg, d->country);
        putf(pg,
             "</td><td class=\"num\">%d</td><td class=\"num\">%d</td><td class=\"num\">%d"
             "</td>",
             d->members, d->votes, d->splits);
        cell_num(pg, d->votes > 0, 100 * d->rate, "%.1f %%");
        put(pg, "</tr>");
    }
    put(pg, "</tbody></table></section>\n");
}

/* The area's votes with each group's position. */
static void pa_votes(struct page *pg, const struct ep_policy_area *r)
{
    static const char *const sym[] = {"–", "FOR", "AGAINST", "ABST.", "TIE"};
    putf(pg, "<section><h2>The area's votes (%d", r->n_vote);
    if (r->n_listed < r->n_vote)
        putf(pg, ", the first %d listed", r->n_listed);
    put(pg, ")</h2><table id=\"votes\"><thead><tr><th>Date</th><th>Title</th><th>Result</th>"
            "<th>FOR</th><th>AGAINST</th><th>ABST.</th>");
    for (int g = 0; g < r->n_grp; g++) {
        put(pg, "<th>");
        esc(pg, r->g[g].code);
        put(pg, "</th>");
    }
    put(pg, "</tr></thead><tbody>");
    for (int v = 0; v < r->n_listed; v++) {
        const struct ep_pa_vote *x = &r->votes[v];
        putf(pg, "<tr><td>%s</td><td>", x->date);
        esc(pg, x->title);
        put(pg, "</td><td>");
        esc(pg, x->result[0] ? x->result : "unknown");
        putf(pg, "</td><td class=\"num\">%d</td><td class=\"num\">%d</td><td class=\"num\">%d</td>",
             x->y, x->n, x->a);
        for (int g = 0; g < r->n_grp; g++)
            putf(pg, "<td class=\"gp p%d\">%s</td>", x->gpos[g],
                 x->gpos[g] <= EP_GPOS_TIE ? sym[x->gpos[g]] : "?");
        put(pg, "</tr>");
    }
    put(pg, "</tbody></table></section>\n");
}

/* The overall window's pair shares and group AIs, and the area's code (q's, else the top-level
 * subject with the most votes with positions). */
static int pa_prepare(struct ep_env *env, struct ep_win *w, const struct ep_ui_req *q,
                      struct pa_all *all, struct pa_subj *subj, int *ns, char *code, int *kind,
                      struct ep_error *err)
{
    int rc = ep_policy_area_overall(w, &all->pairs, err);
    if (rc)
        return rc;
    for (int g = 0; g < w->m->n_grp; g++) {
        all->ai[g] = w->gs.g[g].ai_mean;
        all->ai_ok[g] = w->gs.g[g].ai_ok;
    }
    if ((rc = pa_subjects(env->store, subj, ns, err)))
        return rc;
    *kind = q->topic_kind;
    if (*kind) {
        snprintf(code, 33, "%s", q->topic);
        char label[8];
        rc = ep_query_topic(env->store, *kind, code, label, sizeof label, NULL, NULL, err);
        if (rc == EP_ENOTFOUND)
            err->code = rc = EP_EINVAL;
        return rc;
    }
    int best = -1;
    for (int k = 0; k < *ns; k++)
        if (subj[k].votes > 0 && (best < 0 || subj[k].votes > subj[best].votes))
            best = k;
    if (best < 0)
        return ep_error_set(err, EP_EUNAVAIL,
                            "the store has no vote with positions carrying an OEIL subject");
    *kind = EP_TOPIC_SUBJECT;
    snprintf(code, 33, "%s", subj[best].code);
    return 0;
}

/* One option of the subject picker: the code indented by its level, its label and votes. */
static void pa_option(struct page *pg, const char *c, const char *label, int level, long votes,
                      int selected)
{
    putf(pg, "<option value=\"%s\" data-level=\"%d\"%s>", c, level, selected ? " selected" : "");
    for (int i = 1; i < level; i++)
        put(pg, "\xc2\xa0\xc2\xa0\xc2\xa0"); /* three no-break spaces per level below the top */
    putf(pg, "%s ", c);
    esc(pg, label);
    putf(pg, " (%ld votes)</option>", votes);
}

/* The subject picker: each top-level subject the store has, followed by the codes below it
 * carried by votes with positions (rows, in code order), indented by level; the current area
 * selected. Its data: [{code, label, level, votes}] in the same order. */
static json_t *pa_picker(struct page *pg, const struct pa_subj *subj, int ns,
                         const struct ep_subject_row *rows, int nr, int kind, const char *code)
{
    json_t *sj = json_array();
    int found = 0;
    for (int k = 0; k < ns; k++)
        found |= kind == EP_TOPIC_SUBJECT && strcmp(subj[k].code, code) == 0;
    for (int j = 0; j < nr; j++)
        found |= kind == EP_TOPIC_SUBJECT && rows[j].level > 1 && strcmp(rows[j].code, code) == 0;
    put(pg, "<div class=\"controls\"><label>Subject <select id=\"subject\">");
    if (!found)
        put(pg, "<option value=\"\" selected>(this area)</option>");
    for (int k = 0; k < ns; k++) {
        pa_option(pg, subj[k].code, subj[k].label, 1, subj[k].votes,
                  kind == EP_TOPIC_SUBJECT && strcmp(subj[k].code, code) == 0);
        json_array_append_new(sj, json_pack("{s:s, s:s, s:i, s:I}", "code", subj[k].code, "label",
                                            subj[k].label, "level", 1, "votes",
                                            (json_int_t)subj[k].votes));
        size_t tl = strlen(subj[k].code);
        for (int j = 0; j < nr; j++) {
            const struct ep_subject_row *r = &rows[j];
            if (r->level < 2 || strncmp(r->code, subj[k].code, tl) != 0 || r->code[tl] != '.')
                continue;
            pa_option(pg, r->code, r->label, r->level, r->votes_pos,
                      kind == EP_TOPIC_SUBJECT && strcmp(r->code, code) == 0);
            json_array_append_new(sj, json_pack("{s:s, s:s, s:i, s:I}", "code", r->code, "label",
                                                r->label, "level", r->level, "votes",
                                                (json_int_t)r->votes_pos));
        }
    }
    put(pg, "</select></label></div>\n");
    return sj;
}

static int view_policy(struct ep_env *env, struct ep_win *w, const struct ep_ui_req *q,
                       struct page *pg, struct ep_error *err)
{
    struct pa_all *all = calloc(1, sizeof *all);
    struct pa_subj subj[10];
    int ns = 0, kind = 0;
    char code[33];
    if (!all)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    int rc = pa_prepare(env, w, q, all, subj, &ns, code, &kind, err);
    struct ep_window win = {.from = q->from[0] ? q->from : NULL,
                            .to = q->to[0] ? q->to : NULL,
                            .topic_kind = kind,
                            .topic_code = code};
    struct ep_win *aw = NULL;
    char label[256] = "";
    long vs = 0, vp = 0;
    if (!rc)
        rc = ep_query_topic(env->store, kind, code, label, sizeof label, &vs, &vp, err);
    struct ep_subject_row *sub_rows = NULL;
    int n_sub = 0;
    if (!rc)
        rc = ep_query_subject_list(env->store, &sub_rows, &n_sub, err);
    if (!rc && (rc = ep_env_window(env, &win, &aw, err)) == EP_EUNAVAIL)
        rc = ep_error_set(err, EP_ENOTFOUND,
                          "the %s \"%s\" has no vote with per-MEP positions in the window (%ld "
                          "in the store carry it, %ld with positions)",
                          ep_topic_kind_what(kind), code, vs, vp);
    struct ep_pa_params p = {200, 10, 3};
    struct ep_policy_area r;
    if (!rc)
        rc = ep_policy_area_compute(aw, &all->pairs, &p, &r, err);
    if (rc) {
        free(sub_rows);
        free(all);
        return rc;
    }
    char sub[1024], wt[300];
    window_text(aw->m, wt, sizeof wt);
    snprintf(sub, sizeof sub, "%s. %s %s%s%s%s: %d votes with positions in the window%s.", wt,
             ep_topic_kind_what(kind), code, label[0] ? " (" : "", label, label[0] ? ")" : "",
             r.n_vote,
             q->topic_kind ? ""
                           : " (no subject chosen: the top-level subject with the most votes "
                             "in the store)");
    head(pg, EP_UI_POLICY, sub);
    json_t *sj = pa_picker(pg, subj, ns, sub_rows, n_sub, kind, code);
    free(sub_rows);
    json_t *gj = pa_bars(pg, &r, all), *pj = pa_heat(pg, &r);
    pa_people(pg, &r, p.min_votes);
    pa_votes(pg, &r);
    json_t *d = data_new(q, aw->m);
    if (d && json_object_update_new(
                 d, json_pack("{s:{s:s, s:s, s:s, s:b, s:I, s:i}, s:o, s:o, s:o, s:i, s:i}", "area",
                              "kind", ep_topic_kind_arg(kind), "code", code, "label", label,
                              "default", !q->topic_kind, "votes_with_positions", (json_int_t)vp,
                              "votes_in_window", r.n_vote, "groups", gj, "pairs", pj, "subjects",
                              sj, "defectors", r.n_def, "delegations", r.n_del)))
        pg->bad = 1;
    ep_policy_area_free(&r);
    free(all);
    tail(pg, d);
    return 0;
}

/* ---- entry -------------------------------------------------------------------------------- */

int ep_ui_render(struct ep_env *env, const struct ep_ui_req *q, struct ep_buf *out,
                 struct ep_error *err)
{
    if (!env || !q || !out || q->view < 0 || q->view >= EP_UI_NVIEW)
        return ep_error_set(err, EP_EINVAL, "ep_ui_render: no environment, request or buffer");
    struct page pg = {out, 0, q->http};
    size_t len0 = out->len;
    if (q->view == EP_UI_SCORECARD && !q->mep_id)
        return view_scorecard_empty(q, &pg) || pg.bad
                   ? ep_error_set(err, EP_ENOMEM, "out of memory while writing the page")
                   : 0;
    struct ep_window win = {.from = q->from[0] ? q->from : NULL, .to = q->to[0] ? q->to : NULL};
    struct ep_win *w = NULL;
    int rc = ep_env_window(env, &win, &w, err);
    if (!rc)
        rc = ep_win_need_names(w, err);
    if (rc)
        return rc;
    ep_graph_init();
    switch (q->view) {
    case EP_UI_NETWORK: rc = view_network(w, q, &pg, err); break;
    case EP_UI_MAP: rc = view_map(w, q, &pg, err); break;
    case EP_UI_SCORECARD: rc = view_scorecard(env, w, q, &pg, err); break;
    case EP_UI_HEMICYCLE: rc = view_hemicycle(w, q, &pg, err); break;
    case EP_UI_POLICY: rc = view_policy(env, w, q, &pg, err); break;
    default: rc = view_coalition(w, q, &pg, err); break;
    }
    if (!rc && pg.bad)
        rc = ep_error_set(err, EP_ENOMEM, "out of memory while writing the page");
    if (rc)
        out->len = len0;
    return rc;
}
