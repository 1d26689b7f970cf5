/* report/ renderers on real tool results from the bundled data: canonical JSON, GraphML (xmllint,
 * igraph read-back), PNG charts (decode, size, not blank, diacritics), PDFs (pdfinfo page count,
 * pdftotext content, names with their diacritics; qpdf --check, pdftotext and pdftoppm without a
 * warning) and byte-identical output on a second rendering.
 * Set EP_REPORT_DUMP=DIR to keep the artefacts for a visual check. */
#include <cairo.h>
#include <igraph.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_artefact.h"
#include "ep_env.h"
#include "ep_graph.h"
#include "ep_provider.h"
#include "ep_report.h"
#include "ep_stats.h"
#include "ep_store.h"
#include "ep_testutil.h"
#include "ep_tools.h"
#include "ep_tools_all.h"
#include "ep_tools_intel.h"
#include "ep_tools_intel_int.h"
#include "ep_coalition.h"
#include "ep_positions.h"
#include "ep_risk.h"
#include "ep_influence.h"
#include "ep_mep_profile.h"
#include "ep_mep_report.h"
#include "ep_tools_analysis.h"
#include "ep_tools_window.h"

EP_TEST_TOOLS

#define MEP_ID 96830 /* Enikő GYŐRI (NI, HU): ő in both names, 221 cast votes in 2024 */
#define MEP_NAME "Enikő GYŐRI"

static struct ep_store *S;
static struct ep_env Env; /* S's analysis environment */
static char *Dir;
static json_t *Inf, *Details, *Report, *Net, *Coal, *Risk;
static const struct ep_matrix *M;
static struct ep_graph G;
static struct ep_stats_map Map;
static struct ep_positions_prov Prov; /* the store's provenance (the charts' footers) */

/* The typed coalition (every group) and scorecard of MEP_ID over the default window, as the
 * tools compute them (their window is borrowed from Env: computed where used). */
static void typed(struct ep_coalition *coal, struct ep_influence *inf)
{
    struct ep_tool_ctx ctx = {.store = S, .env = &Env};
    struct ep_error err = {0};
    json_t *args = json_object();
    ep_coalition_init(coal);
    ep_influence_init(inf);
    assert_int_equal(ep_tools_coalition_compute(&ctx, args, coal, &err), 0);
    assert_int_equal(ep_tools_influence_compute(&ctx, args, MEP_ID, inf, &err), 0);
    json_decref(args);
}

static json_t *call(const char *tool, const char *args_json)
{
    struct ep_tool_ctx ctx = {0};
    ctx.store = S;
    ctx.env = &Env;
    struct ep_error err = {0};
    json_t *args = json_loads(args_json, 0, NULL);
    json_t *res = NULL;
    int rc = ep_tools_call(Tools, &ctx, tool, args, &res, &err);
    json_decref(args);
    if (rc)
        fprintf(stderr, "%s: %s\n", tool, err.msg);
    return rc ? NULL : res;
}

static int setup(void **state)
{
    (void)state;
    struct ep_error err = {0};
    Dir = ep_test_tmpdir();
    char path[1024];
    snprintf(path, sizeof path, "%s/rep.db", Dir);
    if (ep_store_open(path, 0, &S, &err) || ep_store_ensure_default(S, NULL, NULL, &err) ||
        ep_env_init(&Env, S, &err) || ep_tools_register_all(Tools, &err)) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return -1;
    }
    char a[64];
    snprintf(a, sizeof a, "{\"mep_id\": %d}", MEP_ID);
    Inf = call("assess_mep_influence", a);
    snprintf(a, sizeof a, "{\"id\": %d}", MEP_ID);
    Details = call("get_mep_details", a);
    snprintf(a, sizeof a, "{\"kind\": \"mep\", \"id\": \"%d\"}", MEP_ID);
    Report = call("generate_report", a);
    Net = call("map_political_network", "{\"include_nodes\": true}");
    Coal = call("analyze_coalition_dynamics", "{}");
    Risk = call("generate_political_risk_assessment", "{}");
    if (!Inf || !Details || !Report || !Net || !Coal || !Risk)
        return -1;
    struct ep_tools_window tw;
    struct ep_tool_ctx wctx = {.store = S, .env = &Env};
    struct ep_graph_params gp;
    struct ep_stats_map_params mp;
    ep_graph_params_default(&gp);
    ep_stats_map_params_default(&mp);
    if (ep_tools_window_from_args(NULL, &tw, &err) || ep_tools_matrix(&wctx, &tw, &M, &err) ||
        ep_graph_compute(M, &gp, NULL, 0, &G, &err) || ep_stats_map_compute(M, &mp, &Map, &err) ||
        ep_positions_provenance(&Env.positions, S, &Prov, &err)) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    json_decref(Inf);
    json_decref(Details);
    json_decref(Report);
    json_decref(Net);
    json_decref(Coal);
    json_decref(Risk);
    ep_graph_free(&G);
    ep_stats_map_free(&Map);
    ep_env_close(&Env);
    ep_tools_cleanup(Tools);
    ep_store_close(S);
    ep_test_system("rm -rf '%s'", Dir);
    free(Dir);
    ep_report_cleanup(); /* cairo's and fontconfig's caches, for the leak checker */
    return 0;
}

/* Write bytes to Dir/name (and to $EP_REPORT_DUMP/name); returns the path (static). */
static const char *save(const char *name, const struct ep_buf *b)
{
    static char path[1200];
    struct ep_error err = {0};
    const char *dump = getenv("EP_REPORT_DUMP");
    if (dump) {
        snprintf(path, sizeof path, "%s/%s", dump, name);
        assert_int_equal(ep_write_file_atomic(path, b->data, b->len, &err), 0);
    }
    snprintf(path, sizeof path, "%s/%s", Dir, name);
    int rc = ep_write_file_atomic(path, b->data, b->len, &err);
    if (rc)
        fprintf(stderr, "save %s: %s\n", name, err.msg);
    assert_int_equal(rc, 0);
    return path;
}

/* ---- JSON ---- */

static void test_json_canonical(void **state)
{
    (void)state;
    struct ep_error err = {0};
    struct ep_buf a, b;
    ep_buf_init(&a, 0);
    ep_buf_init(&b, 0);
    json_t *v =
        json_pack("{s:i, s:{s:f, s:s}, s:[i,i]}", "b", 1, "a", "z", 0.5, "y", "é", "c", 2, 1);
    assert_int_equal(ep_report_json_canonical(v, 0, &a, &err), 0);
    assert_string_equal(a.data, "{\"a\":{\"y\":\"é\",\"z\":0.5},\"b\":1,\"c\":[2,1]}");
    ep_buf_reset(&a);
    assert_int_equal(ep_report_json_canonical(v, 2, &a, &err), 0);
    assert_true(a.len > 0 && a.data[a.len - 1] == '\n');
    assert_int_equal(ep_report_json_canonical(v, 9, &a, &err), EP_EINVAL);
    assert_int_equal(ep_report_json_canonical(NULL, 0, &a, &err), EP_EINVAL);
    json_decref(v);
    /* real result: twice identical, keys sorted, round trip equal */
    ep_buf_reset(&a);
    assert_int_equal(ep_report_json_canonical(Risk, 2, &a, &err), 0);
    assert_int_equal(ep_report_json_canonical(Risk, 2, &b, &err), 0);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    json_t *back = json_loads(a.data, 0, NULL);
    assert_non_null(back);
    assert_true(json_equal(back, Risk));
    json_decref(back);
    assert_true(strstr(a.data, "\"composite\"") < strstr(a.data, "\"dimensions\""));
    ep_buf_free(&a);
    ep_buf_free(&b);
}

/* ---- GraphML ---- */

static void test_graphml(void **state)
{
    (void)state;
    struct ep_error err = {0};
    struct ep_buf a, b;
    ep_buf_init(&a, 0);
    ep_buf_init(&b, 0);
    /* names and countries per matrix MEP, here from the tool's node_list */
    json_t *nodes = json_object_get(Net, "node_list");
    char **names = calloc((size_t)M->n_mep, sizeof *names);
    char(*country)[8] = calloc((size_t)M->n_mep, sizeof *country);
    assert_non_null(names);
    assert_non_null(country);
    size_t q;
    json_t *nd;
    json_array_foreach(nodes, q, nd)
    {
        int i = ep_matrix_mep_index(M, json_integer_value(json_object_get(nd, "mep_id")));
        assert_true(i >= 0);
        names[i] = (char *)json_string_value(json_object_get(nd, "name"));
        const char *c = json_string_value(json_object_get(nd, "country"));
        snprintf(country[i], sizeof country[i], "%s", c ? c : "");
    }
    assert_int_equal(ep_report_graphml(&G, M, names, country, &a, &err), 0);
    assert_int_equal(ep_report_graphml(&G, M, names, country, &b, &err), 0);
    free(names);
    free(country);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    const char *p = save("network.graphml", &a);
    assert_int_equal(ep_test_system("xmllint --noout '%s'", p), 0);
#ifdef __SANITIZE_ADDRESS__
    /* igraph 0.10's GraphML reader grows its attribute vectors one edge at a time; under ASan
     * every realloc copies, which makes reading 250k edges take many minutes. The read-back runs
     * in the non-sanitized builds. */
    ep_buf_free(&a);
    ep_buf_free(&b);
    return;
#endif
    /* read back with igraph */
    assert_int_equal((int)json_integer_value(json_object_get(Net, "nodes")), G.n_node);
    assert_int_equal((int)json_integer_value(json_object_get(Net, "edges")), G.n_edge);
    igraph_set_attribute_table(&igraph_cattribute_table);
    FILE *f = fopen(p, "r");
    assert_non_null(f);
    igraph_t rg;
    assert_int_equal(igraph_read_graph_graphml(&rg, f, 0), IGRAPH_SUCCESS);
    fclose(f);
    assert_int_equal((int)igraph_vcount(&rg), G.n_node);
    assert_int_equal((int)igraph_ecount(&rg), G.n_edge);
    assert_false(igraph_is_directed(&rg));
    /* attributes of our MEP and of every node's eigenvector */
    int found = 0;
    for (int k = 0; k < G.n_node; k++) {
        double id = VAN(&rg, "ep_id", k);
        assert_true(id == (double)M->mep_id[G.node[k].mep]);
        assert_true(fabs(VAN(&rg, "eigenvector", k) - G.node[k].eigen) < 1e-8);
        assert_int_equal((int)VAN(&rg, "community", k), G.node[k].community);
        if ((long long)id == MEP_ID) {
            found = 1;
            assert_string_equal(VAS(&rg, "name", k), MEP_NAME);
            assert_string_equal(VAS(&rg, "group", k), "NI");
            assert_string_equal(VAS(&rg, "country", k), "HUN");
        }
    }
    assert_true(found);
    double wsum = 0, wsum2 = 0;
    for (int e = 0; e < G.n_edge; e++) {
        wsum += EAN(&rg, "weight", e);
        wsum2 += VECTOR(G.weight)[e];
    }
    assert_true(fabs(wsum - wsum2) < 1e-3);
    igraph_destroy(&rg);
    igraph_set_attribute_table(NULL);
    ep_buf_free(&a);
    ep_buf_free(&b);
}

/* ---- PNG ---- */

struct rd {
    const struct ep_buf *b;
    size_t off;
};

static cairo_status_t rd_fn(void *c, unsigned char *data, unsigned int n)
{
    struct rd *r = c;
    if (r->off + n > r->b->len)
        return CAIRO_STATUS_READ_ERROR;
    memcpy(data, r->b->data + r->off, n);
    r->off += n;
    return CAIRO_STATUS_SUCCESS;
}

/* Decode, check the size, return the share of non-white pixels. */
static double png_ink(const struct ep_buf *b, int w, int h)
{
    struct rd r = {b, 0};
    cairo_surface_t *s = cairo_image_surface_create_from_png_stream(rd_fn, &r);
    assert_int_equal(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
    assert_int_equal(cairo_image_surface_get_width(s), w);
    assert_int_equal(cairo_image_surface_get_height(s), h);
    const unsigned char *px = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    long ink = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint32_t v;
            memcpy(&v, px + (size_t)y * stride + (size_t)x * 4, 4);
            if ((v & 0xFFFFFF) != 0xFFFFFF)
                ink++;
        }
    cairo_surface_destroy(s);
    return (double)ink / ((double)w * h);
}

static int render(int which, struct ep_buf *out, struct ep_error *err)
{
    struct ep_coalition coal;
    struct ep_influence inf;
    typed(&coal, &inf);
    int rc;
    switch (which) {
    case 0: rc = ep_report_png_network(&G, M, &Prov, NULL, out, err); break;
    case 1: rc = ep_report_png_cohesion(&coal, &Prov, 0, NULL, out, err); break;
    case 2: rc = ep_report_png_heatmap(&coal, &Prov, NULL, out, err); break;
    case 3: rc = ep_report_png_map(&Map, M, &Prov, NULL, out, err); break;
    default: rc = ep_report_png_dimensions(&inf, &Prov, NULL, out, err); break;
    }
    ep_coalition_free(&coal);
    ep_influence_free(&inf);
    return rc;
}

static void test_png_charts(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        int w, h;
    } C[] = {{"network.png", 1600, 1200},
             {"cohesion.png", 1400, 800},
             {"heatmap.png", 1100, 1000},
             {"map.png", 1400, 1000},
             {"dimensions.png", 1400, 800}};
    for (int i = 0; i < 5; i++) {
        struct ep_error err = {0};
        struct ep_buf a, b;
        ep_buf_init(&a, 0);
        ep_buf_init(&b, 0);
        int rc = render(i, &a, &err);
        if (rc)
            fprintf(stderr, "%s: %s\n", C[i].name, err.msg);
        assert_int_equal(rc, 0);
        assert_int_equal(render(i, &b, &err), 0);
        assert_int_equal(a.len, b.len);
        assert_memory_equal(a.data, b.data, a.len);
        save(C[i].name, &a);
        double ink = png_ink(&a, C[i].w, C[i].h);
        assert_true(ink > 0.01);
        assert_true(ink < 0.95);
        ep_buf_free(&a);
        ep_buf_free(&b);
    }
    /* explicit size */
    struct ep_error err = {0};
    struct ep_buf a;
    ep_buf_init(&a, 0);
    struct ep_report_png_opts o = {700, 400};
    struct ep_coalition coal;
    struct ep_influence inf;
    typed(&coal, &inf);
    assert_int_equal(ep_report_png_cohesion(&coal, &Prov, 1, &o, &a, &err), 0);
    assert_true(png_ink(&a, 700, 400) > 0.01);
    ep_buf_reset(&a);
    o.width = 10;
    assert_int_equal(ep_report_png_heatmap(&coal, &Prov, &o, &a, &err), EP_EINVAL);
    assert_non_null(strstr(err.msg, "chart size 10x400"));
    /* no group selected: nothing to draw, said so */
    struct ep_coalition none = coal;
    memset(none.sel, 0, sizeof none.sel);
    none.n_group = 0;
    assert_int_equal(ep_report_png_heatmap(&none, &Prov, NULL, &a, &err), EP_EINVAL);
    assert_non_null(strstr(err.msg, "no pair_agreement"));
    assert_int_equal(ep_report_png_cohesion(&none, &Prov, 0, NULL, &a, &err), EP_EINVAL);
    assert_int_equal(ep_report_png_cohesion(NULL, &Prov, 0, NULL, &a, &err), EP_EINVAL);
    assert_int_equal(ep_report_png_dimensions(NULL, &Prov, NULL, &a, &err), EP_EINVAL);
    /* The charts the PDFs embed are the PNG charts' pixels: the same drawing of the typed
     * coalition at the same size, for both kinds (PNG decoded, RGB24 0x00RRGGBB -> R, G, B). */
    for (int kind = 0; kind < 2; kind++) {
        struct ep_buf t, p;
        ep_buf_init(&t, 0);
        ep_buf_init(&p, 0);
        struct ep_report_png_opts po = {.width = 1400, .height = 700};
        assert_int_equal(ep_report_chart_rgb(kind, &coal, &Prov, 1400, 700, &t, &err), 0);
        assert_int_equal(t.len, (size_t)1400 * 700 * 3);
        assert_int_equal(kind == 0 ? ep_report_png_cohesion(&coal, &Prov, 0, &po, &p, &err)
                                   : ep_report_png_heatmap(&coal, &Prov, &po, &p, &err),
                         0);
        struct rd r = {&p, 0};
        cairo_surface_t *s = cairo_image_surface_create_from_png_stream(rd_fn, &r);
        assert_int_equal(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
        const unsigned char *px = cairo_image_surface_get_data(s);
        int stride = cairo_image_surface_get_stride(s);
        size_t diff = 0;
        for (int y = 0; y < 700; y++)
            for (int x = 0; x < 1400; x++) {
                uint32_t v;
                memcpy(&v, px + (size_t)y * stride + (size_t)x * 4, 4);
                const unsigned char *q = (const unsigned char *)t.data + ((size_t)y * 1400 + (size_t)x) * 3;
                if (q[0] != ((v >> 16) & 0xFF) || q[1] != ((v >> 8) & 0xFF) || q[2] != (v & 0xFF))
                    diff++;
            }
        assert_int_equal(diff, 0);
        cairo_surface_destroy(s);
        ep_buf_free(&t);
        ep_buf_free(&p);
    }
    ep_coalition_free(&coal);
    ep_influence_free(&inf);
    ep_buf_free(&a);
}

/* Every one of ł ő č ș ä maps to a real glyph of DejaVu Sans and leaves ink; a chart titled with
 * them renders. */
static void test_diacritics(void **state)
{
    (void)state;
    static const char *chars[] = {"ł", "ő", "č", "ș", "ä", "Ł", "Ő", "Č", "Ș", "Ä"};
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 64, 64);
    cairo_t *cr = cairo_create(s);
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, 40);
    for (size_t i = 0; i < sizeof chars / sizeof chars[0]; i++) {
        cairo_glyph_t *gl = NULL;
        int ng = 0;
        assert_int_equal(cairo_scaled_font_text_to_glyphs(cairo_get_scaled_font(cr), 0, 0, chars[i],
                                                          -1, &gl, &ng, NULL, NULL, NULL),
                         CAIRO_STATUS_SUCCESS);
        assert_int_equal(ng, 1);
        assert_true(gl[0].index != 0); /* not .notdef */
        cairo_glyph_free(gl);
        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_paint(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
        cairo_move_to(cr, 10, 48);
        cairo_show_text(cr, chars[i]);
        cairo_surface_flush(s);
        const unsigned char *px = cairo_image_surface_get_data(s);
        int ink = 0;
        for (int k = 0; k < 64 * 64; k++)
            ink += px[k * 4] < 128;
        assert_true(ink > 20);
    }
    cairo_destroy(cr);
    cairo_surface_destroy(s);
    struct ep_coalition coal;
    struct ep_influence inf;
    typed(&coal, &inf);
    char *kept = inf.win->name[inf.mep];
    inf.win->name[inf.mep] = (char *)"Bogusław Győri Čapek Ștefan Bär";
    struct ep_error err = {0};
    struct ep_buf a;
    ep_buf_init(&a, 0);
    assert_int_equal(ep_report_png_dimensions(&inf, &Prov, NULL, &a, &err), 0);
    inf.win->name[inf.mep] = kept;
    save("diacritics.png", &a);
    assert_true(png_ink(&a, 1400, 800) > 0.01);
    ep_buf_free(&a);
    ep_coalition_free(&coal);
    ep_influence_free(&inf);
}

/* ---- PDF ---- */

static int pdf_pages(const char *path)
{
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "pdfinfo '%s' 2>&1", path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[512];
    int pages = -1;
    while (fgets(line, sizeof line, p))
        if (strncmp(line, "Pages:", 6) == 0)
            pages = (int)strtol(line + 6, NULL, 10);
    assert_int_equal(pclose(p), 0);
    return pages;
}

static char *pdf_text(const char *path)
{
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 '%s' - 2>/dev/null", path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    struct ep_buf b;
    ep_buf_init(&b, 0);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, p)) > 0)
        assert_int_equal(ep_buf_append(&b, chunk, n), 0);
    assert_int_equal(pclose(p), 0);
    return ep_buf_steal(&b);
}

/* Run "pre 'path' post" with stdout discarded: it must exit 0 and print nothing on stderr, where
 * qpdf and poppler (pdftotext, pdftoppm) write their warnings, e.g. poppler's "Invalid
 * 'begincidrange' operator in ToUnicode CMap" on libharu's own ToUnicode. */
static void pdf_tool_clean(const char *name, const char *pre, const char *path, const char *post)
{
    char cmd[1600];
    snprintf(cmd, sizeof cmd, "%s '%s' %s 2>&1 >/dev/null", pre, path, post);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char msg[2048];
    size_t n = fread(msg, 1, sizeof msg - 1, p);
    msg[n] = 0;
    while (fgetc(p) != EOF) /* the rest, if any: it is not empty either way */
        ;
    int st = pclose(p);
    if (st != 0 || n > 0)
        fprintf(stderr, "%s: %s: status %d, stderr: %s\n", name, pre, st, msg);
    assert_int_equal(st, 0);
    assert_int_equal(n, 0);
}

/* qpdf --check passes and poppler extracts and renders every page without a warning. */
static void pdf_clean(const char *name, const char *path)
{
    pdf_tool_clean(name, "qpdf --check", path, "");
    pdf_tool_clean(name, "pdftotext -enc UTF-8", path, "-");
    pdf_tool_clean(name, "pdftoppm -r 20 -png", path, "");
}

static void check_pdf(const char *name, const struct ep_buf *a, const struct ep_buf *b,
                      int min_pages, int max_pages, const char **needles)
{
    assert_int_equal(a->len, b->len);
    assert_memory_equal(a->data, b->data, a->len);
    assert_memory_equal(a->data, "%PDF-", 5);
    const char *p = save(name, a);
    int pages = pdf_pages(p);
    if (pages < min_pages || pages > max_pages)
        fprintf(stderr, "%s: %d pages\n", name, pages);
    assert_true(pages >= min_pages && pages <= max_pages);
    pdf_clean(name, p);
    char *t = pdf_text(p);
    for (int i = 0; needles[i]; i++) {
        if (!strstr(t, needles[i]))
            fprintf(stderr, "%s: missing \"%s\"\n", name, needles[i]);
        assert_non_null(strstr(t, needles[i]));
    }
    free(t);
}

/* The scorecard of MEP id over the default window rendered from the typed results (as the tools
 * compute them); with_report 0: without the optional MEP report. */
static int scorecard(int64_t id, int with_report, struct ep_buf *out, struct ep_error *err)
{
    struct ep_tool_ctx ctx = {.store = S, .env = &Env};
    struct ep_influence inf;
    struct ep_mep_profile det;
    struct ep_mep_report rep;
    struct ep_positions_prov pv;
    struct ep_mep_profile_params pp = {.id = id};
    ep_influence_init(&inf);
    ep_mep_profile_init(&det);
    ep_mep_report_init(&rep);
    int rc = ep_tools_influence_compute(&ctx, NULL, id, &inf, err);
    if (rc == 0)
        rc = ep_mep_profile_compute(&Env.positions, S, &pp, &det, err);
    if (rc == 0 && with_report)
        rc = ep_tools_mep_report_typed(&ctx, NULL, id, &rep, err);
    if (rc == 0)
        rc = ep_positions_provenance(&Env.positions, S, &pv, err);
    if (rc == 0)
        rc = ep_report_pdf_scorecard(&inf, &det, with_report ? &rep : NULL, &pv, out, err);
    ep_influence_free(&inf);
    ep_mep_profile_free(&det);
    ep_mep_report_free(&rep);
    return rc;
}

static void test_pdf_scorecard(void **state)
{
    (void)state;
    struct ep_error err = {0};
    struct ep_buf a, b;
    ep_buf_init(&a, 0);
    ep_buf_init(&b, 0);
    int rc = scorecard(MEP_ID, 1, &a, &err);
    if (rc)
        fprintf(stderr, "scorecard: %s\n", err.msg);
    assert_int_equal(rc, 0);
    assert_int_equal(scorecard(MEP_ID, 1, &b, &err), 0);
    char comp[64], part[64], pct[64];
    snprintf(comp, sizeof comp, "%.1f / 100", json_real_value(json_object_get(Inf, "composite")));
    json_t *pd = json_object_get(json_object_get(Inf, "dimensions"), "participation");
    snprintf(part, sizeof part, "%.1f %%", 100 * json_real_value(json_object_get(pd, "value")));
    snprintf(pct, sizeof pct, "percentile %.0f",
             json_real_value(json_object_get(pd, "percentile")));
    const char *needles[] = {MEP_NAME,
                             comp,
                             part,
                             pct,
                             EP_REPORT_ATTRIBUTION,
                             "Dataset date: 2025-09-11",
                             "Page 1 of 2",
                             "Group history",
                             "Notable defections",
                             "Data coverage and methodology",
                             "n/a",
                             NULL};
    check_pdf("scorecard.pdf", &a, &b, 2, 2, needles);
    /* scorecard without the optional generate_report result */
    ep_buf_reset(&a);
    rc = scorecard(MEP_ID, 0, &a, &err);
    if (rc)
        fprintf(stderr, "scorecard without report: %s\n", err.msg);
    assert_int_equal(rc, 0);
    struct ep_positions_prov pv;
    assert_int_equal(ep_positions_provenance(&Env.positions, S, &pv, &err), 0);
    assert_int_equal(ep_report_pdf_scorecard(NULL, NULL, NULL, &pv, &a, &err), EP_EINVAL);
    ep_buf_free(&a);
    ep_buf_free(&b);
}

static void test_pdf_briefing(void **state)
{
    (void)state;
    struct ep_error err = {0};
    struct ep_buf a, b;
    ep_buf_init(&a, 0);
    ep_buf_init(&b, 0);
    struct ep_risk o;
    struct ep_positions_prov pv;
    struct ep_tool_ctx ctx = {.store = S, .env = &Env};
    struct ep_coalition co; /* the charts: every group over the same window */
    struct ep_influence inf;
    typed(&co, &inf);
    int rc = ep_positions_provenance(&Env.positions, S, &pv, &err);
    if (rc == 0)
        rc = ep_tools_risk_compute(&ctx, NULL, &o, &err);
    if (rc == 0)
        rc = ep_report_pdf_briefing(&o, &pv, &co, &a, &err);
    if (rc)
        fprintf(stderr, "briefing: %s\n", err.msg);
    assert_int_equal(rc, 0);
    assert_int_equal(ep_report_pdf_briefing(&o, &pv, &co, &b, &err), 0);
    assert_int_equal(ep_report_pdf_briefing(NULL, &pv, &co, &a, &err), EP_EINVAL);
    char comp[64];
    snprintf(comp, sizeof comp, "Composite risk %.3f",
             json_real_value(json_object_get(Risk, "composite")));
    const char *level = json_string_value(json_object_get(Risk, "level"));
    const char *needles[] = {"Executive summary",   comp,          level, "Close votes", "Evidence",
                             EP_REPORT_ATTRIBUTION, "Page 3 of 3", NULL};
    check_pdf("briefing.pdf", &a, &b, 3, 3, needles);
    ep_risk_free(&o);
    ep_coalition_free(&co);
    ep_influence_free(&inf);
    ep_buf_free(&a);
    ep_buf_free(&b);
}

static void test_pdf_coalition(void **state)
{
    (void)state;
    struct ep_error err = {0};
    struct ep_buf a, b;
    ep_buf_init(&a, 0);
    ep_buf_init(&b, 0);
    struct ep_coalition o;
    struct ep_positions_prov pv;
    struct ep_tool_ctx ctx = {.store = S, .env = &Env};
    int rc = ep_positions_provenance(&Env.positions, S, &pv, &err);
    if (rc == 0)
        rc = ep_tools_coalition_compute(&ctx, NULL, &o, &err);
    if (rc == 0)
        rc = ep_report_pdf_coalition(&o, &pv, &a, &err);
    if (rc)
        fprintf(stderr, "coalition: %s\n", err.msg);
    assert_int_equal(rc, 0);
    assert_int_equal(ep_report_pdf_coalition(&o, &pv, &b, &err), 0);
    /* the figures as the JSON result prints them (rounded by the same rule) */
    char most[96], groups[32];
    json_t *m0 = json_array_get(
        json_object_get(json_object_get(Coal, "alliances"), "most_reliable"), 0);
    snprintf(most, sizeof most, "Most reliable alliance: %s-%s (agreement %.3f over %d",
             json_string_value(json_object_get(m0, "a")),
             json_string_value(json_object_get(m0, "b")),
             json_real_value(json_object_get(m0, "agreement")),
             (int)json_integer_value(json_object_get(m0, "common_votes")));
    snprintf(groups, sizeof groups, "%zu groups.",
             json_array_size(json_object_get(Coal, "groups")));
    const char *needles[] = {"Coalition dynamics", "Cohesion by group", "RENEW", "0.846", most,
                             groups, "Factions", EP_REPORT_ATTRIBUTION, "Page 3 of 3", NULL};
    check_pdf("coalition.pdf", &a, &b, 3, 3, needles);
    assert_int_equal(ep_report_pdf_coalition(NULL, &pv, &b, &err), EP_EINVAL);
    ep_coalition_free(&o);
    ep_buf_free(&a);
    ep_buf_free(&b);
}

/* Scorecards of real MEPs whose names need more than Latin-1: the text poppler extracts (through
 * the fonts' ToUnicode CMaps) gives each name exactly as the bundled data spells it. */
static void test_pdf_names(void **state)
{
    (void)state;
    static const struct {
        int id;
        const char *name;
    } meps[] = {
        {124891, "Zdzisław KRASNODĘBSKI"}, /* ł, Ę */
        {23699, "Kateřina KONEČNÁ"},       /* ř, Č, Á */
        {23816, "András GYÜRK"},           /* á, Ü */
        {58766, "Nicolae ȘTEFĂNUȚĂ"},      /* Ș, Ă, Ț (comma below) */
    };
    for (size_t i = 0; i < sizeof meps / sizeof meps[0]; i++) {
        char file[64];
        struct ep_error err = {0};
        struct ep_buf b;
        ep_buf_init(&b, 0);
        int rc = scorecard(meps[i].id, 0, &b, &err);
        if (rc)
            fprintf(stderr, "scorecard %d: %s\n", meps[i].id, err.msg);
        assert_int_equal(rc, 0);
        snprintf(file, sizeof file, "scorecard-%d.pdf", meps[i].id);
        const char *p = save(file, &b);
        pdf_clean(file, p);
        char *t = pdf_text(p);
        if (!strstr(t, meps[i].name))
            fprintf(stderr, "%s: missing \"%s\"\n", file, meps[i].name);
        assert_non_null(strstr(t, meps[i].name));
        free(t);
        ep_buf_free(&b);
    }
}

/* ---- tools' formats: files in the output directory, resource links, resources/read -------- */

static json_t *call_out(const char *out_dir, const char *tool, const char *args_json, int *rc,
                        char *msg)
{
    struct ep_tool_ctx ctx = {0};
    ctx.store = S;
    ctx.out_dir = out_dir;
    struct ep_error err = {0};
    json_t *args = json_loads(args_json, 0, NULL);
    assert_non_null(args);
    json_t *res = NULL;
    *rc = ep_tools_call(Tools, &ctx, tool, args, &res, &err);
    json_decref(args);
    if (msg)
        snprintf(msg, EP_ERROR_MSG_MAX, "%s", err.msg);
    return res;
}

/* Item i of res.artefacts.items: its format and the file's bytes (checked against size). */
static json_t *item(json_t *res, size_t i, const char *format, const char *dir, struct ep_buf *b)
{
    json_t *items = json_object_get(json_object_get(res, "artefacts"), "items");
    json_t *it = json_array_get(items, i);
    assert_non_null(it);
    assert_string_equal(json_string_value(json_object_get(it, "format")), format);
    const char *name = json_string_value(json_object_get(it, "name"));
    char path[1400], uri[300];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(uri, sizeof uri, "ep://artefacts/%s", name);
    assert_string_equal(json_string_value(json_object_get(it, "uri")), uri);
    ep_buf_reset(b);
    assert_int_equal(ep_read_file(path, 0, b, NULL), 0);
    assert_int_equal((long long)b->len, (long long)json_integer_value(json_object_get(it, "size")));
    return it;
}

static void test_tool_formats(void **state)
{
    (void)state;
    char out[1100], msg[EP_ERROR_MSG_MAX];
    snprintf(out, sizeof out, "%s/out", Dir);
    int rc;
    struct ep_buf b, c;
    ep_buf_init(&b, 0);
    ep_buf_init(&c, 0);

    /* default: json only, no files, map says why */
    json_t *r = call_out(out, "map_political_network", "{}", &rc, msg);
    assert_int_equal(rc, 0);
    assert_false(json_is_true(json_object_get(json_object_get(r, "artefacts"), "available")));
    json_decref(r);
    assert_int_not_equal(ep_test_system("test -e '%s'", out), 0);

    /* map: GraphML (reads back: xmllint) + network and political-map PNGs (decode, not blank) */
    r = call_out(out, "map_political_network", "{\"formats\": [\"json\", \"graphml\", \"png\"]}",
                 &rc, msg);
    if (rc)
        fprintf(stderr, "map: %s\n", msg);
    assert_int_equal(rc, 0);
    assert_int_equal(json_array_size(json_object_get(json_object_get(r, "artefacts"), "items")), 3);
    json_t *it = item(r, 0, "graphml", out, &b);
    assert_string_equal(json_string_value(json_object_get(it, "mimeType")),
                        "application/graphml+xml");
    assert_non_null(strstr(b.data, "<graphml"));
    assert_int_equal(ep_test_system("xmllint --noout '%s/%s'", out,
                                    json_string_value(json_object_get(it, "name"))),
                     0);
    it = item(r, 1, "png", out, &b);
    assert_string_equal(json_string_value(json_object_get(it, "mimeType")), "image/png");
    assert_true(png_ink(&b, 1600, 1200) > 0.01);
    /* the same bytes as the renderer called directly on the same graph */
    assert_int_equal(ep_report_png_network(&G, M, &Prov, NULL, &c, NULL), 0);
    assert_int_equal(b.len, c.len);
    assert_memory_equal(b.data, c.data, b.len);
    ep_buf_reset(&c);
    it = item(r, 2, "png", out, &b);
    assert_true(png_ink(&b, 1400, 1000) > 0.01);
    assert_non_null(strstr(json_string_value(json_object_get(it, "name")), "political-map-"));

    /* resource links, and the inline cap: PNGs inlined under the cap, none over it */
    json_t *content = json_array();
    ep_artefact_content(r, out, EP_ARTEFACT_INLINE_DEFAULT, content);
    assert_int_equal(json_array_size(content), 5); /* 3 links + 2 images */
    json_t *blk = json_array_get(content, 0);
    assert_string_equal(json_string_value(json_object_get(blk, "type")), "resource_link");
    assert_string_equal(json_string_value(json_object_get(blk, "mimeType")),
                        "application/graphml+xml");
    assert_true(json_integer_value(json_object_get(blk, "size")) > 1000000);
    blk = json_array_get(content, 2);
    assert_string_equal(json_string_value(json_object_get(blk, "type")), "image");
    assert_string_equal(json_string_value(json_object_get(blk, "mimeType")), "image/png");
    size_t png_len = json_integer_value(json_object_get(json_array_get(content, 1), "size"));
    assert_int_equal(strlen(json_string_value(json_object_get(blk, "data"))),
                     (png_len + 2) / 3 * 4);
    json_array_clear(content);
    ep_artefact_content(r, out, png_len - 1, content); /* network.png is just over the cap */
    assert_int_equal(json_array_size(content), 4);     /* 3 links + political-map */
    json_array_clear(content);
    ep_artefact_content(r, out, 1000, content);
    assert_int_equal(json_array_size(content), 3); /* links only */
    for (size_t i = 0; i < 3; i++)
        assert_string_equal(json_string_value(json_object_get(json_array_get(content, i), "type")),
                            "resource_link");
    json_decref(content);
    setenv("EPINTEL_INLINE_MAX_BYTES", "4096", 1);
    assert_int_equal(ep_artefact_inline_max(), 4096);
    unsetenv("EPINTEL_INLINE_MAX_BYTES");
    assert_int_equal(ep_artefact_inline_max(), (size_t)8 << 20);

    /* resources/read of an artefact (the MCP core reads it from the session's output
     * directory): the right mimeType, text or base64 blob */
    struct ep_error err = {0};
    json_t *rd = NULL;
    const char *uri = json_string_value(json_object_get(it, "uri"));
    assert_int_equal(ep_artefact_read(out, uri, &rd, &err), 0);
    json_t *c0 = json_array_get(json_object_get(rd, "contents"), 0);
    assert_string_equal(json_string_value(json_object_get(c0, "mimeType")), "image/png");
    assert_string_equal(json_string_value(json_object_get(c0, "uri")), uri);
    assert_int_equal(strlen(json_string_value(json_object_get(c0, "blob"))), (b.len + 2) / 3 * 4);
    assert_memory_equal(json_string_value(json_object_get(c0, "blob")), "iVBORw0KGgo", 11);
    json_decref(rd);
    it = item(r, 0, "graphml", out, &b);
    assert_int_equal(
        ep_artefact_read(out, json_string_value(json_object_get(it, "uri")), &rd, &err), 0);
    c0 = json_array_get(json_object_get(rd, "contents"), 0);
    assert_string_equal(json_string_value(json_object_get(c0, "mimeType")),
                        "application/graphml+xml");
    assert_int_equal(json_string_length(json_object_get(c0, "text")), b.len);
    json_decref(rd);

    /* traversal and other names are refused with a clear error; unknown names are not found */
    static const char *const bad[] = {"ep://artefacts/../rep.db",
                                      "ep://artefacts/../../etc/passwd",
                                      "ep://artefacts/sub/x.png",
                                      "ep://artefacts/.hidden.png",
                                      "ep://artefacts/%2e%2e/x.pdf",
                                      "ep://artefacts/x.db",
                                      NULL};
    for (int i = 0; bad[i]; i++) {
        rd = NULL;
        assert_int_equal(ep_artefact_read(out, bad[i], &rd, &err), EP_EINVAL);
        assert_null(rd);
        assert_non_null(strstr(err.msg, "refused"));
    }
    assert_int_equal(ep_artefact_read(out, "ep://artefacts/none-0.pdf", &rd, &err),
                     EP_ENOTFOUND);
    /* a symbolic link planted in the directory is not followed */
    assert_int_equal(ep_test_system("ln -s '%s/rep.db' '%s/link-1.pdf'", Dir, out), 0);
    assert_int_not_equal(ep_artefact_read(out, "ep://artefacts/link-1.pdf", &rd, &err), 0);
    assert_null(rd);

    /* byte-identical rerun: same names, same bytes, files not rewritten (same mtime) */
    char before[64], after[64];
    it = item(r, 1, "png", out, &b);
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "stat -c %%Y.%%y '%s/%s'", out,
             json_string_value(json_object_get(it, "name")));
    FILE *p = popen(cmd, "r");
    assert_non_null(fgets(before, sizeof before, p));
    pclose(p);
    json_t *r2 =
        call_out(out, "map_political_network", "{\"formats\": [\"png\", \"graphml\"]}", &rc, msg);
    assert_int_equal(rc, 0);
    assert_true(json_equal(json_object_get(r, "artefacts"), json_object_get(r2, "artefacts")));
    item(r2, 1, "png", out, &c);
    assert_int_equal(b.len, c.len);
    assert_memory_equal(b.data, c.data, b.len);
    p = popen(cmd, "r");
    assert_non_null(fgets(after, sizeof after, p));
    pclose(p);
    assert_string_equal(before, after);
    json_decref(r2);
    json_decref(r);

    /* influence: dimension bars + the 2-page scorecard; risk briefing and coalition report */
    char a[128];
    snprintf(a, sizeof a, "{\"mep_id\": %d, \"formats\": [\"pdf\", \"png\"]}", MEP_ID);
    r = call_out(out, "assess_mep_influence", a, &rc, msg);
    if (rc)
        fprintf(stderr, "influence: %s\n", msg);
    assert_int_equal(rc, 0);
    item(r, 0, "png", out, &b);
    assert_true(png_ink(&b, 1400, 800) > 0.01);
    it = item(r, 1, "pdf", out, &b);
    assert_string_equal(json_string_value(json_object_get(it, "mimeType")), "application/pdf");
    snprintf(cmd, sizeof cmd, "%s/%s", out, json_string_value(json_object_get(it, "name")));
    assert_int_equal(pdf_pages(cmd), 2);
    char *t = pdf_text(cmd);
    assert_non_null(strstr(t, MEP_NAME));
    assert_non_null(strstr(t, EP_REPORT_ATTRIBUTION));
    free(t);
    json_decref(r);
    snprintf(a, sizeof a, "{\"kind\": \"mep\", \"id\": \"%d\", \"formats\": [\"pdf\"]}", MEP_ID);
    r = call_out(out, "generate_report", a, &rc, msg);
    assert_int_equal(rc, 0);
    assert_true(json_is_true(json_object_get(json_object_get(r, "pdf"), "available")));
    it = item(r, 0, "pdf", out, &c);
    assert_int_equal(b.len, c.len); /* the same scorecard as through assess_mep_influence */
    assert_memory_equal(b.data, c.data, b.len);
    json_decref(r);
    r = call_out(out, "generate_political_risk_assessment", "{\"formats\": [\"pdf\"]}", &rc, msg);
    assert_int_equal(rc, 0);
    it = item(r, 0, "pdf", out, &b);
    snprintf(cmd, sizeof cmd, "%s/%s", out, json_string_value(json_object_get(it, "name")));
    assert_int_equal(pdf_pages(cmd), 3);
    ep_buf_reset(&c);
    {
        struct ep_risk o;
        struct ep_positions_prov pv;
        struct ep_tool_ctx ctx = {.store = S, .env = &Env};
        assert_int_equal(ep_positions_provenance(&Env.positions, S, &pv, NULL), 0);
        struct ep_coalition co;
        struct ep_influence inf;
        typed(&co, &inf);
        assert_int_equal(ep_tools_risk_compute(&ctx, NULL, &o, NULL), 0);
        assert_int_equal(ep_report_pdf_briefing(&o, &pv, &co, &c, NULL), 0); /* = direct */
        ep_risk_free(&o);
        ep_coalition_free(&co);
        ep_influence_free(&inf);
    }
    assert_int_equal(b.len, c.len);
    assert_memory_equal(b.data, c.data, b.len);
    ep_buf_reset(&c);
    json_decref(r);
    r = call_out(out, "analyze_coalition_dynamics", "{\"formats\": [\"png\", \"pdf\"]}", &rc, msg);
    assert_int_equal(rc, 0);
    item(r, 0, "png", out, &b);
    assert_true(png_ink(&b, 1400, 800) > 0.01);
    item(r, 1, "png", out, &b);
    assert_true(png_ink(&b, 1100, 1000) > 0.01);
    it = item(r, 2, "pdf", out, &b);
    snprintf(cmd, sizeof cmd, "%s/%s", out, json_string_value(json_object_get(it, "name")));
    assert_int_equal(pdf_pages(cmd), 3);
    {
        struct ep_coalition o;
        struct ep_positions_prov pv;
        struct ep_tool_ctx ctx = {.store = S, .env = &Env};
        assert_int_equal(ep_positions_provenance(&Env.positions, S, &pv, NULL), 0);
        assert_int_equal(ep_tools_coalition_compute(&ctx, NULL, &o, NULL), 0);
        ep_buf_reset(&c);
        assert_int_equal(ep_report_pdf_coalition(&o, &pv, &c, NULL), 0); /* = direct */
        assert_int_equal(b.len, c.len);
        assert_memory_equal(b.data, c.data, b.len);
        ep_coalition_free(&o);
    }
    json_decref(r);

    /* refusals name what to fix */
    r = call_out(out, "map_political_network", "{\"formats\": [\"pdf\"]}", &rc, msg);
    assert_int_equal(rc, EP_EINVAL);
    assert_null(r);
    assert_non_null(strstr(msg, "renders json, graphml, png"));
    r = call_out(out, "generate_report",
                 "{\"kind\": \"group\", \"id\": \"EPP\", \"formats\": "
                 "[\"png\"]}",
                 &rc, msg);
    assert_int_equal(rc, EP_EINVAL);
    assert_non_null(strstr(msg, "kind \"mep\""));
    r = call_out(NULL, "analyze_coalition_dynamics", "{\"formats\": [\"pdf\"]}", &rc, msg);
    assert_int_equal(rc, EP_EINVAL);
    assert_non_null(strstr(msg, "--out-dir"));
    r = call_out(out, "analyze_coalition_dynamics", "{\"formats\": [\"svg\"]}", &rc, msg);
    assert_int_equal(rc, EP_EINVAL); /* the inputSchema's enum */
    /* a name with a path never reaches the file system */
    struct ep_artefacts set;
    struct ep_tool_ctx ctx = {.store = S, .out_dir = out};
    assert_int_equal(ep_artefacts_begin(&set, &ctx, NULL, &err), 0);
    assert_int_equal(ep_artefacts_add(&set, EP_FMT_PNG, "../escape", NULL, &b, &err), EP_EINVAL);
    assert_non_null(strstr(err.msg, "refused"));
    ep_artefacts_abort(&set);
    assert_int_not_equal(ep_test_system("ls '%s'/escape-* 2>/dev/null", Dir), 0);
    ep_buf_free(&b);
    ep_buf_free(&c);
}

static void test_font_path(void **state)
{
    (void)state;
    const char *p = NULL;
    struct ep_error err = {0};
    assert_int_equal(ep_report_font_path(0, &p, &err), 0);
    assert_non_null(strstr(p, "DejaVuSans"));
    FILE *f = fopen(p, "rb");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(ep_report_font_path(1, &p, &err), 0);
    assert_non_null(strstr(p, "Bold"));
    assert_int_equal(ep_report_group_color("EPP"), 0x3399FF);
    assert_int_equal(ep_report_group_color("nope"), 0xBBBBBB);
    assert_int_equal(ep_report_group_color(NULL), 0xBBBBBB);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_font_path),    cmocka_unit_test(test_json_canonical),
        cmocka_unit_test(test_graphml),      cmocka_unit_test(test_png_charts),
        cmocka_unit_test(test_diacritics),   cmocka_unit_test(test_pdf_scorecard),
        cmocka_unit_test(test_pdf_briefing), cmocka_unit_test(test_pdf_coalition),
        cmocka_unit_test(test_pdf_names),    cmocka_unit_test(test_tool_formats),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
