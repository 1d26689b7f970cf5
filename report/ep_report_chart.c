/* PNG charts with cairo: network drawing, cohesion over time, pair-agreement heatmap, political
 * map, MEP dimension bars, drawn from the typed results (analysis/ep_coalition.h,
 * ep_influence.h, the graph, the map); no JSON is read here. A real that decides a pixel or a
 * label is rounded as the tools' JSON rounds it (ep_round6), so the charts are those the JSON
 * results would give. Text goes through cairo's FreeType/fontconfig backend in DejaVu Sans.
 *
 * Group colours (0xRRGGBB), the official colours of the groups where they have one:
 *   EPP #3399FF, SD #FF0000, RENEW #FFD700, GREEN_EFA #009900, GUE_NGL #990000, ECR #0054A5,
 *   ID #2B3856, PFE #202A62 (darker navy, distinct from ID), ESN #6B4226, NI #999999,
 *   anything else #BBBBBB. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_anomalies.h"
#include "ep_report_int.h"

#define FONT "DejaVu Sans"

static const struct {
    const char *code;
    unsigned rgb;
} Colors[] = {
    {"EPP", 0x3399FF},     {"SD", 0xFF0000},  {"RENEW", 0xFFD700}, {"GREEN_EFA", 0x009900},
    {"GUE_NGL", 0x990000}, {"ECR", 0x0054A5}, {"ID", 0x2B3856},    {"PFE", 0x202A62},
    {"ESN", 0x6B4226},     {"NI", 0x999999},
};

unsigned ep_report_group_color(const char *code)
{
    if (code)
        for (size_t i = 0; i < sizeof Colors / sizeof Colors[0]; i++)
            if (strcmp(code, Colors[i].code) == 0)
                return Colors[i].rgb;
    return 0xBBBBBB;
}

/* The footer's date and synthetic flag: prov's (NULL: "unknown", not synthetic) or the
 * window's matrix. */
static const char *prov_date(const struct ep_positions_prov *prov)
{
    return prov && prov->dataset_date[0] ? prov->dataset_date : "unknown";
}

static int prov_synthetic(const struct ep_positions_prov *prov, const struct ep_matrix *m)
{
    return (prov && prov->synthetic) || (m && m->synthetic);
}

/* A real as the JSON gives it (ep_round6) when ok and finite, else none. */
static double json_real_or(int ok, double x, double none)
{
    return ok && isfinite(x) ? ep_round6(x) : none;
}

static cairo_status_t png_sink(void *closure, const unsigned char *data, unsigned int n)
{
    return ep_buf_append(closure, data, n) ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

int ep_report_i_png_write(cairo_surface_t *s, struct ep_buf *out, struct ep_error *err)
{
    cairo_surface_flush(s);
    cairo_status_t st = cairo_surface_write_to_png_stream(s, png_sink, out);
    if (st != CAIRO_STATUS_SUCCESS)
        return ep_error_set(err, EP_EIO, "PNG encoding failed: %s", cairo_status_to_string(st));
    return 0;
}

/* ---- drawing helpers ------------------------------------------------------------------------ */

static void rgb(cairo_t *cr, unsigned c)
{
    cairo_set_source_rgb(cr, ((c >> 16) & 255) / 255.0, ((c >> 8) & 255) / 255.0,
                         (c & 255) / 255.0);
}

static void rgba(cairo_t *cr, unsigned c, double a)
{
    cairo_set_source_rgba(cr, ((c >> 16) & 255) / 255.0, ((c >> 8) & 255) / 255.0,
                          (c & 255) / 255.0, a);
}

static void font(cairo_t *cr, double size, int bold)
{
    cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

/* align: 0 left, 1 centre, 2 right; baseline at y. Returns the text width. */
static double text(cairo_t *cr, double x, double y, int align, const char *s)
{
    cairo_text_extents_t te;
    cairo_text_extents(cr, s, &te);
    double dx = align == 1 ? -te.x_advance / 2 : align == 2 ? -te.x_advance : 0;
    cairo_move_to(cr, x + dx, y);
    cairo_show_text(cr, s);
    return te.x_advance;
}

struct frame {
    double x0, y0, x1, y1; /* plot area */
    double s;              /* scale: 1 at 1400 px width */
};

/* Background, title, subtitle and the footer (attribution + dataset date). */
static void chart_frame(cairo_t *cr, int w, int h, const char *title, const char *subtitle,
                        const char *date, int synthetic, struct frame *f)
{
    double s = w / 1400.0;
    if (s < 0.5)
        s = 0.5;
    f->s = s;
    rgb(cr, 0xFFFFFF);
    cairo_paint(cr);
    rgb(cr, 0x1F2A44);
    font(cr, 30 * s, 1);
    text(cr, 40 * s, 52 * s, 0, title);
    if (subtitle) {
        rgb(cr, 0x5A6275);
        font(cr, 18 * s, 0);
        text(cr, 40 * s, 82 * s, 0, subtitle);
    }
    rgb(cr, 0x1F2A44);
    cairo_rectangle(cr, 40 * s, 96 * s, w - 80 * s, 2 * s);
    cairo_fill(cr);
    rgb(cr, 0x6B7280);
    font(cr, 14 * s, 0);
    char foot[256];
    snprintf(foot, sizeof foot, "%s Dataset date: %s.%s", EP_REPORT_ATTRIBUTION, date,
             synthetic ? " SYNTHETIC DATA: generated votes, not real positions." : "");
    text(cr, 40 * s, h - 20 * s, 0, foot);
    if (synthetic) {
        font(cr, 16 * s, 1);
        cairo_text_extents_t te;
        cairo_text_extents(cr, "SYNTHETIC DATA", &te);
        rgb(cr, 0xB91C1C);
        cairo_rectangle(cr, w - 40 * s - te.x_advance - 20 * s, 26 * s, te.x_advance + 20 * s,
                        32 * s);
        cairo_fill(cr);
        rgb(cr, 0xFFFFFF);
        text(cr, w - 50 * s, 48 * s, 2, "SYNTHETIC DATA");
    }
    f->x0 = 40 * s;
    f->y0 = 120 * s;
    f->x1 = w - 40 * s;
    f->y1 = h - 50 * s;
}

static void legend_item(cairo_t *cr, double x, double y, double s, unsigned c, const char *label,
                        int line)
{
    rgb(cr, c);
    if (line) {
        cairo_set_line_width(cr, 4 * s);
        cairo_move_to(cr, x, y - 6 * s);
        cairo_line_to(cr, x + 24 * s, y - 6 * s);
        cairo_stroke(cr);
    } else {
        cairo_arc(cr, x + 8 * s, y - 6 * s, 7 * s, 0, 2 * M_PI);
        cairo_fill(cr);
    }
    rgb(cr, 0x1F2A44);
    font(cr, 15 * s, 0);
    text(cr, x + 32 * s, y, 0, label);
}

/* "Nice" tick step for a range. */
static double tick_step(double range, int want)
{
    double raw = range / (want > 0 ? want : 5);
    double p = pow(10, floor(log10(raw)));
    double m = raw / p;
    return (m < 1.5 ? 1 : m < 3 ? 2 : m < 7 ? 5 : 10) * p;
}

/* Axes with grid lines over [xlo,xhi] x [ylo,yhi] mapped to the box; xticks 0 skips x labels. */
static void axes(cairo_t *cr, const struct frame *b, double xlo, double xhi, double ylo, double yhi,
                 int xticks, const char *xfmt, const char *yfmt, const char *xlabel,
                 const char *ylabel)
{
    double s = b->s;
    char t[64];
    cairo_set_line_width(cr, 1 * s);
    font(cr, 14 * s, 0);
    double ys = tick_step(yhi - ylo, 5);
    long y0k = (long)ceil(ylo / ys - 1e-9), y1k = (long)floor(yhi / ys + 1e-9);
    for (long k = y0k; yfmt && k <= y1k && k - y0k < 100; k++) {
        double v = (double)k * ys;
        double y = b->y1 - (v - ylo) / (yhi - ylo) * (b->y1 - b->y0);
        rgb(cr, 0xE5E7EB);
        cairo_move_to(cr, b->x0, y);
        cairo_line_to(cr, b->x1, y);
        cairo_stroke(cr);
        rgb(cr, 0x4B5563);
        snprintf(t, sizeof t, yfmt, fabs(v) < 1e-12 ? 0.0 : v);
        text(cr, b->x0 - 8 * s, y + 5 * s, 2, t);
    }
    if (xticks) {
        double xs = tick_step(xhi - xlo, 6);
        long x0k = (long)ceil(xlo / xs - 1e-9), x1k = (long)floor(xhi / xs + 1e-9);
        for (long k = x0k; k <= x1k && k - x0k < 100; k++) {
            double v = (double)k * xs;
            double x = b->x0 + (v - xlo) / (xhi - xlo) * (b->x1 - b->x0);
            rgb(cr, 0xE5E7EB);
            cairo_move_to(cr, x, b->y0);
            cairo_line_to(cr, x, b->y1);
            cairo_stroke(cr);
            rgb(cr, 0x4B5563);
            snprintf(t, sizeof t, xfmt, fabs(v) < 1e-12 ? 0.0 : v);
            text(cr, x, b->y1 + 22 * s, 1, t);
        }
    }
    rgb(cr, 0x374151);
    cairo_set_line_width(cr, 1.5 * s);
    cairo_move_to(cr, b->x0, b->y0);
    cairo_line_to(cr, b->x0, b->y1);
    cairo_line_to(cr, b->x1, b->y1);
    cairo_stroke(cr);
    font(cr, 16 * s, 1);
    if (xlabel)
        text(cr, (b->x0 + b->x1) / 2, b->y1 + 50 * s, 1, xlabel);
    if (ylabel) {
        cairo_save(cr);
        cairo_translate(cr, b->x0 - 62 * s, (b->y0 + b->y1) / 2);
        cairo_rotate(cr, -M_PI / 2);
        text(cr, 0, 0, 1, ylabel);
        cairo_restore(cr);
    }
}

struct canvas {
    cairo_surface_t *s;
    cairo_t *cr;
    int w, h;
};

static int canvas_open(struct canvas *c, int w, int h, int rgb24, struct ep_error *err)
{
    if (w < 200 || h < 150 || w > 8000 || h > 8000)
        return ep_error_set(err, EP_EINVAL, "chart size %dx%d out of range 200x150..8000x8000", w,
                            h);
    c->w = w;
    c->h = h;
    c->s = cairo_image_surface_create(rgb24 ? CAIRO_FORMAT_RGB24 : CAIRO_FORMAT_ARGB32, w, h);
    c->cr = cairo_create(c->s);
    if (cairo_status(c->cr) != CAIRO_STATUS_SUCCESS) {
        cairo_destroy(c->cr);
        cairo_surface_destroy(c->s);
        c->cr = NULL;
        c->s = NULL;
        return ep_error_set(err, EP_ENOMEM, "cairo: cannot create a %dx%d surface", w, h);
    }
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_set_font_options(c->cr, fo);
    cairo_font_options_destroy(fo);
    return 0;
}

static int canvas_close(struct canvas *c, int rc, struct ep_buf *out, struct ep_error *err)
{
    if (!c->cr)
        return rc ? rc : ep_error_set(err, EP_EINTERNAL, "cairo: no surface");
    if (rc == 0 && cairo_status(c->cr) != CAIRO_STATUS_SUCCESS)
        rc = ep_error_set(err, EP_EINTERNAL, "cairo: %s",
                          cairo_status_to_string(cairo_status(c->cr)));
    if (rc == 0)
        rc = ep_report_i_png_write(c->s, out, err);
    cairo_destroy(c->cr);
    cairo_surface_destroy(c->s);
    return rc;
}

static void dims(const struct ep_report_png_opts *o, int dw, int dh, int *w, int *h)
{
    *w = o && o->width > 0 ? o->width : dw;
    *h = o && o->height > 0 ? o->height : dh;
}

/* ---- (1) network ---------------------------------------------------------------------------- */

#define NET_K 5

static const char *grp_code(const struct ep_matrix *m, int grp)
{
    return grp >= 0 && grp < m->n_grp && grp != EP_GRP_NONE ? m->grp_code[grp] : "NI";
}

/* The backbone: union of each node's NET_K strongest edges (ties to the lower edge id). */
static int backbone(const struct ep_graph *g, igraph_vector_int_t *edges, igraph_vector_t *w,
                    struct ep_error *err)
{
    int n = g->n_node, ne = g->n_edge;
    int *top = calloc((size_t)n * NET_K + 1, sizeof(int));
    int *cnt = calloc((size_t)n, sizeof(int));
    unsigned char *keep = calloc((size_t)ne + 1, 1);
    int rc = 0;
    if (!top || !cnt || !keep) {
        rc = ep_error_set(err, EP_ENOMEM, "network drawing: out of memory");
        goto out;
    }
    for (int e = 0; e < ne; e++) {
        igraph_integer_t a, b;
        igraph_edge(&g->g, e, &a, &b);
        double we = VECTOR(g->weight)[e];
        igraph_integer_t ends[2] = {a, b};
        for (int t = 0; t < 2; t++) {
            int v = (int)ends[t], *tv = top + (size_t)v * NET_K;
            int c = cnt[v];
            if (c == NET_K && VECTOR(g->weight)[tv[c - 1]] >= we)
                continue;
            int pos = c < NET_K ? c : NET_K - 1;
            while (pos > 0 && VECTOR(g->weight)[tv[pos - 1]] < we) {
                tv[pos] = tv[pos - 1];
                pos--;
            }
            tv[pos] = e;
            if (c < NET_K)
                cnt[v]++;
        }
    }
    for (int v = 0; v < n; v++)
        for (int t = 0; t < cnt[v]; t++)
            keep[top[(size_t)v * NET_K + t]] = 1;
    for (int e = 0; e < ne; e++) {
        if (!keep[e])
            continue;
        igraph_integer_t a, b;
        igraph_edge(&g->g, e, &a, &b);
        double we = VECTOR(g->weight)[e];
        if (igraph_vector_int_push_back(edges, a) || igraph_vector_int_push_back(edges, b) ||
            igraph_vector_push_back(w, we)) {
            rc = ep_error_set(err, EP_ENOMEM, "network drawing: out of memory");
            goto out;
        }
    }
out:
    free(top);
    free(cnt);
    free(keep);
    return rc;
}

static int layout(const struct ep_graph *g, igraph_vector_int_t *edges, igraph_vector_t *w,
                  igraph_matrix_t *xy, struct ep_error *err)
{
    igraph_t lg;
    if (igraph_create(&lg, edges, g->n_node, IGRAPH_UNDIRECTED))
        return ep_error_set(err, EP_EINTERNAL, "network drawing: igraph_create failed");
    /* Attraction grows steeply with agreement so that groups separate. */
    igraph_vector_t aw;
    igraph_integer_t m = igraph_vector_size(w);
    int rc = 0;
    if (igraph_vector_init(&aw, m)) {
        igraph_destroy(&lg);
        return ep_error_set(err, EP_ENOMEM, "network drawing: out of memory");
    }
    for (igraph_integer_t i = 0; i < m; i++) {
        double x = VECTOR(*w)[i];
        VECTOR(aw)[i] = x > 0 ? pow(x, 4) : 1e-3;
    }
    igraph_rng_seed(igraph_rng_default(), 20240115);
    if (igraph_layout_fruchterman_reingold(&lg, xy, 0, 500, sqrt((double)g->n_node),
                                           IGRAPH_LAYOUT_AUTOGRID, m ? &aw : NULL, NULL, NULL, NULL,
                                           NULL))
        rc = ep_error_set(err, EP_EINTERNAL, "network drawing: layout failed");
    igraph_vector_destroy(&aw);
    igraph_destroy(&lg);
    return rc;
}

int ep_report_png_network(const struct ep_graph *g, const struct ep_matrix *m,
                          const struct ep_positions_prov *prov,
                          const struct ep_report_png_opts *o, struct ep_buf *out,
                          struct ep_error *err)
{
    if (!g || !m || !g->have_graph || !out)
        return ep_error_set(err, EP_EINVAL, "network drawing: no graph");
    if (g->n_node < 1)
        return ep_error_set(err, EP_EUNAVAIL, "network drawing: the graph has no nodes");
    ep_graph_init();
    int w, h;
    dims(o, 1600, 1200, &w, &h);
    igraph_vector_int_t edges;
    igraph_vector_t wt;
    igraph_matrix_t xy;
    igraph_vector_int_init(&edges, 0);
    igraph_vector_init(&wt, 0);
    igraph_matrix_init(&xy, 0, 0);
    struct canvas c = {0};
    int rc = backbone(g, &edges, &wt, err);
    if (rc == 0)
        rc = layout(g, &edges, &wt, &xy, err);
    if (rc == 0)
        rc = canvas_open(&c, w, h, 0, err);
    if (rc)
        goto out;
    cairo_t *cr = c.cr;
    char sub[256];
    snprintf(sub, sizeof sub,
             "%d MEPs, %d co-voting edges; drawn: each MEP's %d strongest ties (%d edges); node "
             "size = eigenvector centrality",
             g->n_node, g->n_edge, NET_K, (int)igraph_vector_size(&wt));
    struct frame f;
    chart_frame(cr, w, h, "Co-voting network of the European Parliament", sub, prov_date(prov),
                prov_synthetic(prov, m), &f);
    double s = f.s;
    /* legend column on the right */
    double lx = f.x1 - 230 * s;
    double px0 = f.x0 + 10 * s, px1 = lx - 30 * s, py0 = f.y0 + 10 * s, py1 = f.y1 - 10 * s;
    double xmin = 1e300, xmax = -1e300, ymin = 1e300, ymax = -1e300;
    double emin = 1e300, emax = -1e300;
    for (int k = 0; k < g->n_node; k++) {
        double x = MATRIX(xy, k, 0), y = MATRIX(xy, k, 1);
        xmin = fmin(xmin, x);
        xmax = fmax(xmax, x);
        ymin = fmin(ymin, y);
        ymax = fmax(ymax, y);
        emin = fmin(emin, g->node[k].eigen);
        emax = fmax(emax, g->node[k].eigen);
    }
    double sx = (px1 - px0) / fmax(xmax - xmin, 1e-9), sy = (py1 - py0) / fmax(ymax - ymin, 1e-9);
    double sc = fmin(sx, sy);
    double ox = px0 + ((px1 - px0) - (xmax - xmin) * sc) / 2,
           oy = py0 + ((py1 - py0) - (ymax - ymin) * sc) / 2;
#define PX(k) (ox + (MATRIX(xy, (k), 0) - xmin) * sc)
#define PY(k) (oy + (MATRIX(xy, (k), 1) - ymin) * sc)
    cairo_set_line_width(cr, 0.6 * s);
    rgba(cr, 0x6B7280, 0.18);
    for (igraph_integer_t e = 0; e < igraph_vector_size(&wt); e++) {
        igraph_integer_t a = VECTOR(edges)[2 * e], b = VECTOR(edges)[2 * e + 1];
        cairo_move_to(cr, PX(a), PY(a));
        cairo_line_to(cr, PX(b), PY(b));
    }
    cairo_stroke(cr);
    int count[EP_MATRIX_MAX_GROUPS + 1] = {0};
    cairo_set_line_width(cr, 0.8 * s);
    for (int k = 0; k < g->n_node; k++) {
        double e = emax > emin ? (g->node[k].eigen - emin) / (emax - emin) : 0.5;
        double r = (3 + 7 * e) * s;
        int gi = g->node[k].grp;
        count[gi >= 0 && gi < m->n_grp ? gi : EP_MATRIX_MAX_GROUPS]++;
        rgb(cr, ep_report_group_color(grp_code(m, gi)));
        cairo_arc(cr, PX(k), PY(k), r, 0, 2 * M_PI);
        cairo_fill_preserve(cr);
        rgba(cr, 0xFFFFFF, 0.8);
        cairo_stroke(cr);
    }
#undef PX
#undef PY
    rgb(cr, 0x1F2A44);
    font(cr, 17 * s, 1);
    double ly = f.y0 + 30 * s;
    text(cr, lx, ly, 0, "Political group (MEPs)");
    ly += 30 * s;
    for (int gi = 0; gi <= m->n_grp; gi++) {
        int idx = gi < m->n_grp ? gi : EP_MATRIX_MAX_GROUPS;
        if (!count[idx])
            continue;
        char lab[64];
        snprintf(lab, sizeof lab, "%s (%d)", gi < m->n_grp ? m->grp_code[gi] : "none", count[idx]);
        legend_item(cr, lx, ly, s, ep_report_group_color(gi < m->n_grp ? m->grp_code[gi] : NULL),
                    lab, 0);
        ly += 26 * s;
    }
    ly += 20 * s;
    font(cr, 17 * s, 1);
    rgb(cr, 0x1F2A44);
    text(cr, lx, ly, 0, "Node size");
    ly += 26 * s;
    font(cr, 14 * s, 0);
    const double demo[3] = {0, 0.5, 1};
    for (int i = 0; i < 3; i++) {
        double r = (3 + 7 * demo[i]) * s;
        rgb(cr, 0x9CA3AF);
        cairo_arc(cr, lx + 10 * s, ly - 5 * s, r, 0, 2 * M_PI);
        cairo_fill(cr);
        char lab[64];
        snprintf(lab, sizeof lab, "eigenvector %.2f", emin + demo[i] * (emax - emin));
        rgb(cr, 0x1F2A44);
        text(cr, lx + 32 * s, ly, 0, lab);
        ly += 26 * s;
    }
    ly += 10 * s;
    font(cr, 13 * s, 0);
    rgb(cr, 0x6B7280);
    text(cr, lx, ly, 0, "Layout: Fruchterman-Reingold,");
    text(cr, lx, ly + 18 * s, 0, "attraction w^4, fixed seed");
out:
    if (c.cr)
        rc = canvas_close(&c, rc, out, err);
    igraph_matrix_destroy(&xy);
    igraph_vector_destroy(&wt);
    igraph_vector_int_destroy(&edges);
    return rc;
}

/* ---- the coalition's figures (cohesion and agreement) ---------------------------------- */

int ep_report_i_coal_alloc(struct ep_report_i_coal *x, int ng, int np, int npair,
                           struct ep_error *err)
{
    memset(x, 0, sizeof *x);
    x->n_group = ng;
    x->n_period = np;
    x->n_pair = npair;
    size_t g = (size_t)ng + 1, p = (size_t)np + 1, q = (size_t)npair + 1;
    x->group = calloc(g, sizeof *x->group);
    x->ai_mean = calloc(g, sizeof *x->ai_mean);
    x->period = calloc(p, sizeof *x->period);
    x->ai = calloc(g * p, sizeof *x->ai);
    x->pair_group = calloc(q, sizeof *x->pair_group);
    x->agree = calloc(q * q, sizeof *x->agree);
    if (!x->group || !x->ai_mean || !x->period || !x->ai || !x->pair_group || !x->agree) {
        ep_report_i_coal_free(x);
        ep_error_set(err, EP_ENOMEM, "out of memory for a coalition chart");
        return EP_ENOMEM; /* spelt out: the analysers do not see ep_error_set's result */
    }
    return 0;
}

void ep_report_i_coal_free(struct ep_report_i_coal *x)
{
    free(x->group);
    free(x->ai_mean);
    free(x->period);
    free(x->ai);
    free(x->pair_group);
    free(x->agree);
    memset(x, 0, sizeof *x);
}

/* The figures of coal as analyze_coalition_dynamics prints them: groups[] (cohesion.ai_mean,
 * trend.by_sitting or by_month), pair_agreement (groups, agreement) and the coverage's votes. */
static int coal_of(const struct ep_coalition *coal, const struct ep_positions_prov *prov,
                   int by_month, struct ep_report_i_coal *x, struct ep_error *err)
{
    memset(x, 0, sizeof *x);
    if (!coal || !coal->win)
        return ep_error_set(err, EP_EINVAL, "coalition chart: no coalition");
    const struct ep_win *w = coal->win;
    const struct ep_matrix *m = w->m;
    int kind = by_month ? EP_PERIOD_MONTH : EP_PERIOD_SITTING;
    const struct ep_stats_trends *t = &w->tr[kind];
    int npair = 0;
    for (int a = 0; a < m->n_grp; a++)
        npair += coal->sel[a] != 0;
    int np = w->have_tr[kind] ? t->n : 0;
    int rc = ep_report_i_coal_alloc(x, coal->n_group, np, npair, err);
    if (rc)
        return rc;
    x->date = prov_date(prov);
    x->synthetic = prov_synthetic(prov, m);
    for (int k = 0; k < np; k++) {
        char ps[11];
        ep_period_str(&w->per[kind], k, ps);
        memcpy(x->period[k], ps, sizeof ps);
    }
    for (int i = 0; i < coal->n_group; i++) {
        int g = coal->group[i].g;
        const struct ep_stats_group *s = &w->gs.g[g];
        x->group[i] = m->grp_code[g];
        x->ai_mean[i] = json_real_or(s->ai_ok, s->ai_mean, NAN);
        for (int k = 0; k < np; k++) {
            size_t c = (size_t)k * (size_t)t->n_grp + (size_t)g;
            x->ai[(size_t)i * (size_t)np + (size_t)k] = json_real_or(t->ai_ok[c], t->ai[c], -1);
        }
    }
    x->votes = m->n_vote;
    int ia = 0;
    for (int a = 0; a < m->n_grp; a++) {
        if (!coal->sel[a])
            continue;
        x->pair_group[ia] = m->grp_code[a];
        int ib = 0;
        for (int b = 0; b < m->n_grp; b++) {
            if (!coal->sel[b])
                continue;
            size_t c = (size_t)a * (size_t)m->n_grp + (size_t)b;
            x->agree[(size_t)ia * (size_t)npair + (size_t)ib++] =
                json_real_or(w->gs.pair_ok[c], w->gs.pair_share[c], NAN);
        }
        ia++;
    }
    return 0;
}

/* ---- (2) cohesion over time ----------------------------------------------------------------- */

/* The group's line and points over the periods (undefined ones break the line). */
static void cohesion_line(cairo_t *cr, const struct ep_report_i_coal *x, int i,
                          const struct frame *b, double lo, double x_of0, double dx)
{
    const double *ai = x->ai + (size_t)i * (size_t)x->n_period;
    cairo_set_line_width(cr, 3 * b->s);
    rgb(cr, ep_report_group_color(x->group[i]));
    int pen = 0;
    for (int k = 0; k < x->n_period; k++) {
        if (ai[k] < 0) {
            pen = 0;
            continue;
        }
        double px = x_of0 + dx * (double)k, py = b->y1 - (ai[k] - lo) / (1.0 - lo) * (b->y1 - b->y0);
        if (pen)
            cairo_line_to(cr, px, py);
        else
            cairo_move_to(cr, px, py);
        pen = 1;
    }
    cairo_stroke(cr);
    for (int k = 0; k < x->n_period; k++) {
        if (ai[k] < 0)
            continue;
        double px = x_of0 + dx * (double)k, py = b->y1 - (ai[k] - lo) / (1.0 - lo) * (b->y1 - b->y0);
        cairo_arc(cr, px, py, 4.5 * b->s, 0, 2 * M_PI);
        cairo_fill(cr);
    }
}

static int draw_cohesion(cairo_t *cr, int w, int h, const struct ep_report_i_coal *x,
                         int by_month, struct ep_error *err)
{
    if (x->n_group == 0)
        return ep_error_set(err, EP_EINVAL, "cohesion chart: the coalition has no groups");
    size_t np = (size_t)x->n_period;
    if (np == 0)
        return ep_error_set(err, EP_EUNAVAIL, "cohesion chart: no %s trend in the result",
                            by_month ? "by_month" : "by_sitting");
    double lo = 1;
    for (size_t k = 0; k < (size_t)x->n_group * np; k++)
        if (x->ai[k] >= 0)
            lo = fmin(lo, x->ai[k]);
    lo = floor(lo * 10 - 1e-9) / 10;
    if (lo < 0)
        lo = 0;
    if (lo > 0.9)
        lo = 0.9;
    struct frame f;
    char sub[200];
    snprintf(sub, sizeof sub, "Mean Agreement Index (Hix-Noury-Roland) per group and %s, %s to %s",
             by_month ? "month" : "sitting", x->period[0], x->period[np - 1]);
    chart_frame(cr, w, h, "Group cohesion over time", sub, x->date, x->synthetic, &f);
    double s = f.s;
    struct frame b = f;
    b.x0 = f.x0 + 80 * s;
    b.x1 = f.x1 - 220 * s;
    b.y0 = f.y0 + 20 * s;
    b.y1 = f.y1 - 80 * s;
    axes(cr, &b, 0, 1, lo, 1.0, 0, "%.0f", "%.2f", by_month ? "Month" : "Sitting",
         "Agreement Index");
    double dx = np > 1 ? (b.x1 - b.x0) / (double)(np - 1) : 0;
    double x_of0 = np > 1 ? b.x0 : (b.x0 + b.x1) / 2;
    /* x labels */
    font(cr, 13 * s, 0);
    rgb(cr, 0x4B5563);
    size_t every = np > 12 ? (np + 11) / 12 : 1;
    for (size_t k = 0; k < np; k += every)
        text(cr, x_of0 + dx * (double)k, b.y1 + 22 * s, 1, x->period[k]);
    double ly = b.y0 + 10 * s;
    for (int i = 0; i < x->n_group; i++) {
        cohesion_line(cr, x, i, &b, lo, x_of0, dx);
        char lab[64];
        if (isnan(x->ai_mean[i]))
            snprintf(lab, sizeof lab, "%s  n/a", x->group[i]);
        else
            snprintf(lab, sizeof lab, "%s  %.2f", x->group[i], x->ai_mean[i]);
        legend_item(cr, b.x1 + 30 * s, ly, s, ep_report_group_color(x->group[i]), lab, 1);
        ly += 26 * s;
    }
    font(cr, 13 * s, 0);
    rgb(cr, 0x6B7280);
    text(cr, b.x1 + 30 * s, ly + 10 * s, 0, "(window mean AI)");
    return 0;
}

/* ---- (3) heatmap ---------------------------------------------------------------------------- */

static unsigned heat_color(double v)
{
    /* white (0) -> deep blue (1) */
    double t = v < 0 ? 0 : v > 1 ? 1 : v;
    int r = (int)lround(247 + (8 - 247) * t), g = (int)lround(251 + (48 - 251) * t),
        b = (int)lround(255 + (107 - 255) * t);
    return (unsigned)(r << 16 | g << 8 | b);
}

/* Row a of the matrix: its label, its colour mark, the column's rotated label, the cells. */
static void heatmap_row(cairo_t *cr, const struct ep_report_i_coal *x, size_t a, double gx,
                        double gy, double cell, double s)
{
    size_t n = (size_t)x->n_pair;
    const char *ca = x->pair_group[a];
    rgb(cr, 0x1F2A44);
    font(cr, 15 * s, 1);
    text(cr, gx - 10 * s, gy + cell * ((double)a + 0.5) + 5 * s, 2, ca);
    rgb(cr, ep_report_group_color(ca));
    cairo_rectangle(cr, gx - 6 * s, gy + cell * (double)a + 2 * s, 4 * s, cell - 4 * s);
    cairo_fill(cr);
    cairo_save(cr);
    cairo_translate(cr, gx + cell * ((double)a + 0.5) + 5 * s, gy + cell * (double)n + 12 * s);
    cairo_rotate(cr, M_PI / 4);
    rgb(cr, 0x1F2A44);
    text(cr, 0, 0, 0, ca);
    cairo_restore(cr);
    for (size_t b = 0; b < n; b++) {
        double val = x->agree[a * n + b];
        double px = gx + cell * (double)b, py = gy + cell * (double)a;
        char t[16];
        if (!isnan(val)) {
            rgb(cr, a == b ? 0xD1D5DB : heat_color(val));
            cairo_rectangle(cr, px, py, cell, cell);
            cairo_fill(cr);
            rgb(cr, a == b ? 0x6B7280 : val > 0.55 ? 0xFFFFFF : 0x111827);
            snprintf(t, sizeof t, "%.2f", val);
        } else {
            rgb(cr, 0xF3F4F6);
            cairo_rectangle(cr, px, py, cell, cell);
            cairo_fill(cr);
            rgb(cr, 0x6B7280);
            snprintf(t, sizeof t, "n/a");
        }
        font(cr, fmin(18 * s, cell * 0.25), a == b ? 0 : 1);
        text(cr, px + cell / 2, py + cell / 2 + 6 * s, 1, t);
    }
}

static int draw_heatmap(cairo_t *cr, int w, int h, const struct ep_report_i_coal *x,
                        struct ep_error *err)
{
    size_t n = (size_t)x->n_pair;
    if (n == 0)
        return ep_error_set(err, EP_EINVAL, "heatmap: the result has no pair_agreement matrix");
    struct frame f;
    char sub[200];
    snprintf(sub, sizeof sub,
             "Share of common non-tie votes on which two groups took the same position (%d votes)",
             x->votes);
    chart_frame(cr, w, h, "Group-pair agreement", sub, x->date, x->synthetic, &f);
    double s = f.s;
    double lab = 150 * s;
    double avail_w = f.x1 - f.x0 - lab - 140 * s, avail_h = f.y1 - f.y0 - lab + 60 * s;
    double cell = fmin(avail_w, avail_h) / (double)n;
    double gx = f.x0 + lab, gy = f.y0 + 20 * s;
    for (size_t a = 0; a < n; a++)
        heatmap_row(cr, x, a, gx, gy, cell, s);
    rgb(cr, 0xFFFFFF);
    cairo_set_line_width(cr, 2 * s);
    for (size_t k = 0; k <= n; k++) {
        cairo_move_to(cr, gx, gy + cell * (double)k);
        cairo_line_to(cr, gx + cell * (double)n, gy + cell * (double)k);
        cairo_move_to(cr, gx + cell * (double)k, gy);
        cairo_line_to(cr, gx + cell * (double)k, gy + cell * (double)n);
    }
    cairo_stroke(cr);
    /* colour scale */
    double bx = gx + cell * (double)n + 50 * s, by0 = gy, by1 = gy + cell * (double)n;
    for (int k = 0; k < 100; k++) {
        rgb(cr, heat_color(1.0 - k / 100.0));
        cairo_rectangle(cr, bx, by0 + (by1 - by0) * k / 100.0, 24 * s, (by1 - by0) / 100.0 + 1);
        cairo_fill(cr);
    }
    font(cr, 14 * s, 0);
    rgb(cr, 0x1F2A44);
    for (int k = 0; k <= 4; k++) {
        char t[16];
        snprintf(t, sizeof t, "%.2f", 1.0 - k * 0.25);
        text(cr, bx + 32 * s, by0 + (by1 - by0) * k / 4.0 + 5 * s, 0, t);
    }
    font(cr, 14 * s, 1);
    text(cr, bx, by0 - 8 * s, 0, "agreement");
    return 0;
}

/* Chart kind (0 cohesion, 1 heatmap) of coal as a PNG. */
static int coal_png(int kind, const struct ep_coalition *coal,
                    const struct ep_positions_prov *prov, int by_month,
                    const struct ep_report_png_opts *o, struct ep_buf *out, struct ep_error *err)
{
    int w, h;
    if (kind == 0)
        dims(o, 1400, 800, &w, &h);
    else
        dims(o, 1100, 1000, &w, &h);
    struct ep_report_i_coal x;
    int rc = coal_of(coal, prov, by_month, &x, err);
    if (rc)
        return rc;
    struct canvas c = {0};
    rc = canvas_open(&c, w, h, 0, err);
    if (rc == 0) {
        rc = kind == 0 ? draw_cohesion(c.cr, w, h, &x, by_month, err)
                       : draw_heatmap(c.cr, w, h, &x, err);
        rc = canvas_close(&c, rc, out, err);
    }
    ep_report_i_coal_free(&x);
    return rc;
}

int ep_report_png_cohesion(const struct ep_coalition *coal, const struct ep_positions_prov *prov,
                           int by_month, const struct ep_report_png_opts *o, struct ep_buf *out,
                           struct ep_error *err)
{
    return coal_png(0, coal, prov, by_month, o, out, err);
}

int ep_report_png_heatmap(const struct ep_coalition *coal, const struct ep_positions_prov *prov,
                          const struct ep_report_png_opts *o, struct ep_buf *out,
                          struct ep_error *err)
{
    return coal_png(1, coal, prov, 0, o, out, err);
}

int ep_report_i_coal_rgb(int kind, const struct ep_report_i_coal *x, int w, int h,
                         struct ep_buf *out, struct ep_error *err)
{
    struct canvas c = {0};
    int rc = canvas_open(&c, w, h, 1, err);
    if (rc)
        return rc;
    rc = kind == 0 ? draw_cohesion(c.cr, w, h, x, 0, err) : draw_heatmap(c.cr, w, h, x, err);
    if (rc == 0 && cairo_status(c.cr) != CAIRO_STATUS_SUCCESS)
        rc = ep_error_set(err, EP_EINTERNAL, "cairo: %s",
                          cairo_status_to_string(cairo_status(c.cr)));
    if (rc == 0) {
        /* RGB24 pixels are native-endian uint32 0x00RRGGBB: pack them as R, G, B bytes */
        cairo_surface_flush(c.s);
        const unsigned char *px = cairo_image_surface_get_data(c.s);
        int stride = cairo_image_surface_get_stride(c.s);
        unsigned char *line = malloc((size_t)w * 3);
        if (!line)
            rc = ep_error_set(err, EP_ENOMEM, "out of memory for a %dx%d chart", w, h);
        for (int y = 0; line && rc == 0 && y < h; y++) {
            const uint32_t *row = (const uint32_t *)(const void *)(px + (size_t)y * (size_t)stride);
            for (int k = 0; k < w; k++) {
                line[3 * k] = (unsigned char)(row[k] >> 16);
                line[3 * k + 1] = (unsigned char)(row[k] >> 8);
                line[3 * k + 2] = (unsigned char)row[k];
            }
            if (ep_buf_append(out, line, (size_t)w * 3))
                rc = ep_error_set(err, EP_ENOMEM, "out of memory for a %dx%d chart", w, h);
        }
        free(line);
    }
    cairo_destroy(c.cr);
    cairo_surface_destroy(c.s);
    return rc;
}

int ep_report_chart_rgb(int kind, const struct ep_coalition *coal,
                        const struct ep_positions_prov *prov, int w, int h, struct ep_buf *out,
                        struct ep_error *err)
{
    struct ep_report_i_coal x;
    int rc = coal_of(coal, prov, 0, &x, err);
    if (rc)
        return rc;
    rc = ep_report_i_coal_rgb(kind, &x, w, h, out, err);
    ep_report_i_coal_free(&x);
    return rc;
}

/* ---- (4) political map ---------------------------------------------------------------------- */

int ep_report_png_map(const struct ep_stats_map *mp, const struct ep_matrix *m,
                      const struct ep_positions_prov *prov, const struct ep_report_png_opts *o,
                      struct ep_buf *out, struct ep_error *err)
{
    if (!mp || !m || !out)
        return ep_error_set(err, EP_EINVAL, "political map: no map");
    if (mp->n < 1 || mp->dims < 1)
        return ep_error_set(err, EP_EUNAVAIL, "political map: the map has no points");
    int w, h;
    dims(o, 1400, 1000, &w, &h);
    struct canvas c = {0};
    int rc = canvas_open(&c, w, h, 0, err);
    if (rc)
        return rc;
    cairo_t *cr = c.cr;
    char sub[200];
    snprintf(sub, sizeof sub,
             "%d MEPs on %d roll-call votes; principal components of the centred vote matrix",
             mp->n, mp->n_vote_used);
    struct frame f;
    chart_frame(cr, w, h, "Political map", sub, prov_date(prov), prov_synthetic(prov, m), &f);
    double s = f.s;
    struct frame b = f;
    b.x0 = f.x0 + 90 * s;
    b.x1 = f.x1 - 220 * s;
    b.y0 = f.y0 + 20 * s;
    b.y1 = f.y1 - 80 * s;
    double xmin = 1e300, xmax = -1e300, ymin = 1e300, ymax = -1e300;
    for (int i = 0; i < mp->n; i++) {
        double y = mp->dims > 1 ? mp->y[i] : 0;
        xmin = fmin(xmin, mp->x[i]);
        xmax = fmax(xmax, mp->x[i]);
        ymin = fmin(ymin, y);
        ymax = fmax(ymax, y);
    }
    double padx = fmax((xmax - xmin) * 0.05, 1e-6), pady = fmax((ymax - ymin) * 0.05, 1e-6);
    xmin -= padx;
    xmax += padx;
    ymin -= pady;
    ymax += pady;
    char xl[96], yl[96];
    snprintf(xl, sizeof xl, "Dimension 1 (%.1f%% of variance)", 100 * mp->var[0]);
    if (mp->dims > 1)
        snprintf(yl, sizeof yl, "Dimension 2 (%.1f%% of variance)", 100 * mp->var[1]);
    else
        snprintf(yl, sizeof yl, "Dimension 2 (not defined)");
    axes(cr, &b, xmin, xmax, ymin, ymax, 1, "%.1f", "%.1f", xl, yl);
    int count[EP_MATRIX_MAX_GROUPS + 1] = {0};
    int *gidx = malloc(sizeof(int) * (size_t)mp->n);
    if (!gidx) {
        rc = ep_error_set(err, EP_ENOMEM, "political map: out of memory");
        goto out;
    }
    for (int i = 0; i < mp->n; i++) {
        int gi = ep_graph_modal_group(m, mp->mep[i]);
        gidx[i] = gi >= 0 && gi < m->n_grp ? gi : EP_MATRIX_MAX_GROUPS;
        count[gidx[i]]++;
    }
    cairo_set_line_width(cr, 0.8 * s);
    for (int i = 0; i < mp->n; i++) {
        double x = b.x0 + (mp->x[i] - xmin) / (xmax - xmin) * (b.x1 - b.x0);
        double y = b.y1 - ((mp->dims > 1 ? mp->y[i] : 0) - ymin) / (ymax - ymin) * (b.y1 - b.y0);
        rgba(cr,
             ep_report_group_color(gidx[i] < EP_MATRIX_MAX_GROUPS ? m->grp_code[gidx[i]] : NULL),
             0.85);
        cairo_arc(cr, x, y, 5 * s, 0, 2 * M_PI);
        cairo_fill_preserve(cr);
        rgba(cr, 0xFFFFFF, 0.9);
        cairo_stroke(cr);
    }
    free(gidx);
    rgb(cr, 0x1F2A44);
    font(cr, 17 * s, 1);
    double ly = b.y0 + 10 * s;
    text(cr, b.x1 + 30 * s, ly, 0, "Group (MEPs)");
    ly += 30 * s;
    for (int gi = 0; gi <= m->n_grp; gi++) {
        int idx = gi < m->n_grp ? gi : EP_MATRIX_MAX_GROUPS;
        if (!count[idx])
            continue;
        char lab[64];
        snprintf(lab, sizeof lab, "%s (%d)", gi < m->n_grp ? m->grp_code[gi] : "none", count[idx]);
        legend_item(cr, b.x1 + 30 * s, ly, s,
                    ep_report_group_color(gi < m->n_grp ? m->grp_code[gi] : NULL), lab, 0);
        ly += 26 * s;
    }
out:
    return canvas_close(&c, rc, out, err);
}

/* ---- (5) MEP dimension bars ----------------------------------------------------------------- */

/* The dimensions' labels, in the scorecard's order (analysis/ep_influence.h). */
static const char *const Dim_label[EP_INFL_NDIM] = {
    [EP_INFL_CENT] = "Network centrality",   [EP_INFL_BRIDGE] = "Bridge score",
    [EP_INFL_LOYAL] = "Loyalty to group",    [EP_INFL_PART] = "Participation",
    [EP_INFL_PIVOT] = "Pivotal votes",       [EP_INFL_ROLES] = "Roles and rapporteurships",
};

/* Dimension d's bar (percentile, value) or its n/a band in row yc of the plot b. */
static void dimension_bar(cairo_t *cr, const struct ep_influence_dim *di, int d,
                          const struct frame *b, double row, double yc, unsigned col)
{
    double s = b->s;
    rgb(cr, 0x1F2A44);
    font(cr, 17 * s, 1);
    text(cr, b->x0 - 14 * s, yc + 6 * s, 2, Dim_label[d]);
    if (!di->available) {
        rgb(cr, 0xF3F4F6);
        cairo_rectangle(cr, b->x0, yc - row * 0.3, b->x1 - b->x0, row * 0.6);
        cairo_fill(cr);
        rgb(cr, 0x6B7280);
        font(cr, 16 * s, 0);
        text(cr, b->x0 + 14 * s, yc + 6 * s, 0, "n/a: no data for this dimension");
        text(cr, b->x1 + 14 * s, yc + 6 * s, 0, "n/a");
        return;
    }
    double p = json_real_or(1, di->percentile, 0), v = json_real_or(1, di->value, 0);
    double bh = fmin(row * 0.6, 44 * s);
    rgb(cr, col == 0xFFD700 ? 0xE0B800 : col);
    cairo_rectangle(cr, b->x0, yc - bh / 2, (b->x1 - b->x0) * p / 100.0, bh);
    cairo_fill(cr);
    char t[128];
    if (d == EP_INFL_PIVOT)
        snprintf(t, sizeof t, "%.0f  (%.0f votes)", p, v);
    else if (d == EP_INFL_CENT)
        snprintf(t, sizeof t, "%.0f  (%.3f)", p, v);
    else
        snprintf(t, sizeof t, "%.0f  (%.1f%%)", p, 100 * v);
    rgb(cr, 0x1F2A44);
    font(cr, 16 * s, 0);
    text(cr, b->x1 + 14 * s, yc + 6 * s, 0, t);
}

int ep_report_png_dimensions(const struct ep_influence *inf, const struct ep_positions_prov *prov,
                             const struct ep_report_png_opts *o, struct ep_buf *out,
                             struct ep_error *err)
{
    if (!inf || !inf->win || inf->mep < 0 || inf->mep >= inf->win->m->n_mep)
        return ep_error_set(err, EP_EINVAL, "dimension chart: no scorecard");
    const struct ep_win *win = inf->win;
    const struct ep_matrix *m = win->m;
    int gi = ep_win_modal_group(win, inf->mep);
    const char *group = gi >= 0 && gi < m->n_grp ? m->grp_code[gi] : NULL;
    const char *name = win->have_names && win->name[inf->mep] ? win->name[inf->mep] : "?";
    const char *country =
        win->have_names && win->country[inf->mep][0] ? win->country[inf->mep] : "?";
    int w, h;
    dims(o, 1400, 800, &w, &h);
    struct canvas c = {0};
    int rc = canvas_open(&c, w, h, 0, err);
    if (rc)
        return rc;
    cairo_t *cr = c.cr;
    char title[300], sub[300];
    snprintf(title, sizeof title, "Influence profile: %s", name);
    snprintf(sub, sizeof sub,
             "%s, %s. Percentile among %d MEPs of the window; composite %.1f (rank %d of %d)",
             group ? group : "?", country, inf->n, json_real_or(1, inf->composite, 0), inf->rank,
             inf->n);
    struct frame f;
    chart_frame(cr, w, h, title, sub, prov_date(prov), prov_synthetic(prov, m), &f);
    double s = f.s;
    struct frame b = f;
    b.x0 = f.x0 + 300 * s;
    b.x1 = f.x1 - 260 * s;
    b.y0 = f.y0 + 20 * s;
    b.y1 = f.y1 - 70 * s;
    axes(cr, &b, 0, 100, 0, 1, 1, "%.0f", NULL, "Percentile (0-100)", NULL);
    double row = (b.y1 - b.y0) / (double)EP_INFL_NDIM;
    unsigned col = ep_report_group_color(group);
    for (int d = 0; d < EP_INFL_NDIM; d++)
        dimension_bar(cr, &inf->dim[d], d, &b, row, b.y0 + row * ((double)d + 0.5), col);
    double comp = json_real_or(1, inf->composite, -1);
    if (comp >= 0) {
        double x = b.x0 + (b.x1 - b.x0) * comp / 100.0;
        rgb(cr, 0x111827);
        cairo_set_line_width(cr, 2 * s);
        const double dash[2] = {8 * s, 6 * s};
        cairo_set_dash(cr, dash, 2, 0);
        cairo_move_to(cr, x, b.y0 - 6 * s);
        cairo_line_to(cr, x, b.y1);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
        font(cr, 14 * s, 1);
        char t[64];
        snprintf(t, sizeof t, "composite %.1f", comp);
        text(cr, x, b.y0 - 10 * s, 1, t);
    }
    legend_item(cr, b.x1 + 14 * s, b.y1 + 40 * s, s, col == 0xFFD700 ? 0xE0B800 : col,
                "percentile (value)", 0);
    return canvas_close(&c, rc, out, err);
}
