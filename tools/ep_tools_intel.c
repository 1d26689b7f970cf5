/* ep_tools_intel: the five intelligence tools. See ep_tools_intel.h and docs/tools-intel.md. */
#include "ep_tools_intel.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_artefact.h"
#include "ep_env.h"
#include "ep_influence.h"
#include "ep_query_intel.h"
#include "ep_run.h"
#include "ep_graph.h"
#include "ep_model.h"
#include "ep_report.h"
#include "ep_stats.h"
#include "ep_store.h"
#include "ep_tools_common.h"
#include "ep_tools_window.h"
#include "ep_util.h"


/* ---- small JSON helpers ------------------------------------------------------------------ */

/* A finite number rounded to 6 decimals, or null (never NaN/Inf). */
static json_t *jr(double x)
{
    if (!isfinite(x))
        return json_null();
    double r = round(x * 1e6) / 1e6;
    if (r == 0)
        r = 0; /* no -0 */
    return json_real(r);
}

static json_t *jru(int ok, double x)
{
    return ok ? jr(x) : json_null();
}

static void put(json_t *o, const char *k, json_t *v, int *bad)
{
    if (!v) {
        *bad = 1;
        return;
    }
    if (!o || json_object_set_new(o, k, v))
        *bad = 1;
}

static void add(json_t *a, json_t *v, int *bad)
{
    if (!v) {
        *bad = 1;
        return;
    }
    if (!a || json_array_append_new(a, v))
        *bad = 1;
}

static json_t *jstrs(const char *const *s)
{
    json_t *a = json_array();
    for (int i = 0; a && s && s[i]; i++)
        if (json_array_append_new(a, json_string(s[i]))) {
            json_decref(a);
            return NULL;
        }
    return a;
}

static json_t *unavail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static json_t *unavail(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return ep_tools_unavailable(buf);
}

static double clamp01(double x)
{
    return x < 0 ? 0 : (x > 1 ? 1 : x);
}

/* ---- the run: progress and cancellation between stages (analysis/ep_run.h) ----------------- */

/* A run of tool over the call's context: its progress, cancellation and deadline. */
static void run_init(struct ep_run *r, const struct ep_tool_ctx *ctx, const char *tool, int n)
{
    memset(r, 0, sizeof *r);
    r->tool = tool;
    r->n = n;
    if (ctx) {
        r->progress = ctx->progress;
        r->pctx = ctx->pctx;
        r->cancelled = ctx->cancelled;
        r->deadline = ctx->deadline;
    }
}

/* The result's window_too_short block (NULL when every measure had its minimum). */
static json_t *short_json(const struct ep_run *r, int *bad)
{
    if (r->n_short == 0)
        return NULL;
    json_t *a = json_array();
    for (int k = 0; k < r->n_short; k++) {
        const struct ep_run_short *s = &r->shortm[k];
        add(a,
            json_pack("{s:s, s:s, s:I, s:I}", "measure", s->measure, "unit", s->unit, "have",
                      (json_int_t)s->have, "minimum", (json_int_t)s->minimum),
            bad);
    }
    char note[300];
    snprintf(note, sizeof note,
             "the window is too short for %d measure%s: each is unavailable (null or "
             "available: false) with its reason; widen the window (from, to, sittings) to at "
             "least the minimum listed",
             r->n_short, r->n_short == 1 ? "" : "s");
    return json_pack("{s:s, s:o}", "note", note, "measures", a);
}

/* ---- the window (analysis/ep_window.h) --------------------------------------------------- */

enum { D_CENT = EP_INFL_CENT, D_BRIDGE = EP_INFL_BRIDGE, D_LOYAL = EP_INFL_LOYAL,
       D_PART = EP_INFL_PART, D_PIVOT = EP_INFL_PIVOT, D_ROLES = EP_INFL_ROLES,
       N_DIM = EP_INFL_NDIM };

/* Window arguments -> the window of the call's environment (loaded or from its cache). */
static int win_get(struct ep_tool_ctx *ctx, json_t *args, struct ep_tools_window *tw,
                   struct ep_win **out, struct ep_error *err)
{
    *out = NULL;
    if (!ctx || !ctx->store) {
        ep_error_set(err, EP_EINVAL, "no store is open");
        return EP_EINVAL;
    }
    int rc = ep_tools_window_from_args(args, tw, err);
    if (rc)
        return rc;
    return ep_tools_win(ctx, tw, out, err);
}

/* The graph with the run's progress and cancellation hooks. */
static int need_graph_algo(struct ep_win *w, struct ep_run *r, int min_common, int algo, int cent,
                           struct ep_error *err)
{
    struct ep_graph_hooks h = ep_run_graph_hooks(r);
    return ep_win_need_graph(w, min_common, algo, cent, &h, err);
}

/* The graph with the default community detection (Louvain). */
static int need_graph(struct ep_win *w, struct ep_run *r, int min_common, int cent, struct ep_error *err)
{
    return need_graph_algo(w, r, min_common, EP_GRAPH_LOUVAIN, cent, err);
}

/* ---- shared result pieces ---------------------------------------------------------------- */

static const char *grp_code(const struct ep_matrix *m, int g)
{
    return g >= 0 && g < m->n_grp ? m->grp_code[g] : NULL;
}

/* {mep_id, name, group, country} (+ value when has_value). */
static json_t *mep_json(struct ep_win *w, int i, int has_value, double value)
{
    int g = ep_win_modal_group(w, i);
    const char *gc = grp_code(w->m, g);
    json_t *o = json_pack("{s:I, s:s, s:o, s:o}", "mep_id", (json_int_t)w->m->mep_id[i], "name",
                          w->name[i], "group", gc ? json_string(gc) : json_null(), "country",
                          w->country[i][0] ? json_string(w->country[i]) : json_null());
    if (o && has_value) {
        int bad = 0;
        put(o, "value", jr(value), &bad);
        if (bad) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

static json_t *methodology(struct ep_win *w, const char *formula, const char *const *inputs,
                           const char *const *limits)
{
    return json_pack("{s:s, s:o, s:{s:i, s:i, s:i}, s:o}", "formula", formula, "inputs",
                     jstrs(inputs), "coverage", "votes", w->m->n_vote, "meps", w->n_active,
                     "sittings", w->n_sittings, "limits", jstrs(limits));
}

/* Add window, methodology and provenance to res. */
static int finish(struct ep_tool_ctx *ctx, struct ep_run *r, struct ep_tools_window *tw, struct ep_win *w, json_t *res,
                  json_t *meth, int bad, json_t **result, struct ep_error *err)
{
    put(res, "window", ep_tools_window_json(tw, w->m), &bad);
    if (r->n_short > 0)
        put(res, "window_too_short", short_json(r, &bad), &bad);
    put(res, "methodology", meth, &bad);
    if (bad) {
        json_decref(res);
        return ep_error_set(err, EP_ENOMEM, "out of memory while building the result");
    }
    int rc = ep_run_stage(r, "provenance", err);
    if (!rc)
        rc = ep_tools_add_provenance(ctx->store, res, err);
    if (rc) {
        json_decref(res);
        return rc;
    }
    *result = res;
    return 0;
}

/* 1 when the co-voting network has edges with a positive total weight. */
static int graph_weighted(const struct ep_graph *g)
{
    double t = 0;
    for (int k = 0; k < g->n_node; k++)
        t += g->node[k].strength;
    return g->n_edge > 0 && t > 0;
}

/* {"available": false, "reason", "minimum_common_votes"} for a measure that needs the co-voting
 * network to have edge weight (communities, modularity, centralities, factions). When the window
 * has fewer votes than an edge needs, the measure joins window_too_short. */
static json_t *no_edges(struct ep_run *r, const struct ep_win *w, const struct ep_graph *g,
                        const char *measure)
{
    char why[400];
    ep_run_no_edges(r, w, g, measure, why, sizeof why);
    json_t *o = ep_tools_unavailable(why);
    if (o && json_object_set_new(o, "minimum_common_votes", json_integer(g->min_common))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---- rendered files (formats; tools/ep_artefact.h) ------------------------------------------ */

/* One rendered file into a: render() filled b, or failed with rc. */
static int add_file(struct ep_artefacts *a, int rc, unsigned fmt, const char *stem,
                    const char *title, struct ep_buf *b, struct ep_error *err)
{
    if (rc == 0)
        rc = ep_artefacts_add(a, fmt, stem, title, b, err);
    ep_buf_reset(b);
    return rc;
}

/* map_political_network: GraphML of the network; PNGs of the network drawing and of the
 * political map. The graph is the window's (w->g, with its centralities). */
static int render_map(struct ep_tool_ctx *ctx, struct ep_win *w, json_t *args, unsigned fmts,
                      json_t *res, struct ep_error *err)
{
    struct ep_artefacts a;
    int rc = ep_artefacts_begin(&a, ctx, args, err);
    if (rc)
        return rc;
    struct ep_buf b;
    ep_buf_init(&b, 0);
    char no_map[EP_ERROR_MSG_MAX] = "";
    if (fmts & EP_FMT_GRAPHML) {
        json_t *nl = json_array();
        int bad = !nl;
        for (int k = 0; k < w->g.n_node && !bad; k++)
            add(nl, mep_json(w, w->g.node[k].mep, 0, 0), &bad);
        rc = bad ? ep_error_set(err, EP_ENOMEM, "out of memory")
                 : ep_report_graphml(&w->g, w->m, nl, &b, err);
        json_decref(nl);
        rc = add_file(&a, rc, EP_FMT_GRAPHML, "network", "Co-voting network (GraphML)", &b, err);
    }
    if (rc == 0 && (fmts & EP_FMT_PNG)) {
        rc = ep_report_png_network(&w->g, w->m, res, NULL, &b, err);
        rc = add_file(&a, rc, EP_FMT_PNG, "network", "Co-voting network", &b, err);
        struct ep_stats_map_params mpp;
        struct ep_stats_map mp = {0};
        ep_stats_map_params_default(&mpp);
        if (rc == 0)
            rc = ep_stats_map_compute(w->m, &mpp, &mp, err);
        if (rc == EP_EUNAVAIL) {
            /* too few MEPs with enough cast votes (a short window): no map, said so below */
            snprintf(no_map, sizeof no_map, "%s", err->msg);
            rc = 0;
        } else {
            if (rc == 0)
                rc = ep_report_png_map(&mp, w->m, res, NULL, &b, err);
            rc = add_file(&a, rc, EP_FMT_PNG, "political-map", "Political map", &b, err);
        }
        ep_stats_map_free(&mp);
    }
    ep_buf_free(&b);
    if (rc) {
        ep_artefacts_abort(&a);
        return rc;
    }
    rc = ep_artefacts_finish(&a, res, err);
    if (rc == 0 && no_map[0]) {
        json_t *u = json_pack("[{s:s, s:s, s:s}]", "stem", "political-map", "format", "png",
                              "reason", no_map);
        if (!u || json_object_set_new(json_object_get(res, "artefacts"), "unavailable", u))
            rc = ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    return rc;
}

/* assess_mep_influence: the dimension bars (PNG) and the MEP scorecard (PDF, which also needs
 * get_mep_details and generate_report {kind: mep} over the same window). */
static int render_influence(struct ep_tool_ctx *ctx, json_t *args, unsigned fmts, json_t *res,
                            struct ep_error *err)
{
    long long id = (long long)json_integer_value(json_object_get(args, "mep_id"));
    char stem[64], title[160];
    json_t *det = NULL, *rep = NULL;
    struct ep_artefacts a;
    int rc = ep_artefacts_begin(&a, ctx, args, err);
    if (rc)
        return rc;
    struct ep_buf b;
    ep_buf_init(&b, 0);
    if (fmts & EP_FMT_PNG) {
        snprintf(stem, sizeof stem, "dimensions-%lld", id);
        snprintf(title, sizeof title, "Influence dimensions of MEP %lld", id);
        rc = ep_report_png_dimensions(res, NULL, &b, err);
        rc = add_file(&a, rc, EP_FMT_PNG, stem, title, &b, err);
    }
    if (rc == 0 && (fmts & EP_FMT_PDF)) {
        rc = ep_artefact_call(ctx, "get_mep_details", json_pack("{s:I}", "id", (json_int_t)id),
                              &det, err);
        json_t *ra = ep_artefact_window_args(args);
        char ids[32];
        snprintf(ids, sizeof ids, "%lld", id);
        if (ra && (json_object_set_new(ra, "kind", json_string("mep")) ||
                   json_object_set_new(ra, "id", json_string(ids)))) {
            json_decref(ra);
            ra = NULL;
        }
        if (rc == 0)
            rc = ep_artefact_call(ctx, "generate_report", ra, &rep, err);
        else
            json_decref(ra);
        if (rc == 0)
            rc = ep_report_pdf_scorecard(res, det, rep, &b, err);
        snprintf(stem, sizeof stem, "scorecard-%lld", id);
        snprintf(title, sizeof title, "MEP scorecard %lld", id);
        rc = add_file(&a, rc, EP_FMT_PDF, stem, title, &b, err);
    }
    json_decref(det);
    json_decref(rep);
    ep_buf_free(&b);
    if (rc) {
        ep_artefacts_abort(&a);
        return rc;
    }
    return ep_artefacts_finish(&a, res, err);
}

/* analyze_coalition_dynamics (coal = res) and generate_political_risk_assessment (risk = res;
 * the coalition result over the same window is computed for the charts): the cohesion and
 * agreement charts (PNG) and the coalition report or the risk briefing (PDF). */
static int render_coalition(struct ep_tool_ctx *ctx, json_t *args, unsigned fmts, json_t *res,
                            int briefing, struct ep_error *err)
{
    json_t *coal = NULL;
    struct ep_artefacts a;
    int rc = ep_artefacts_begin(&a, ctx, args, err);
    if (rc)
        return rc;
    if (briefing)
        rc = ep_artefact_call(ctx, "analyze_coalition_dynamics", ep_artefact_window_args(args),
                              &coal, err);
    else
        coal = json_incref(res);
    struct ep_buf b;
    ep_buf_init(&b, 0);
    if (rc == 0 && (fmts & EP_FMT_PNG)) {
        rc = ep_report_png_cohesion(coal, 0, NULL, &b, err);
        rc = add_file(&a, rc, EP_FMT_PNG, "cohesion", "Group cohesion per sitting", &b, err);
        if (rc == 0)
            rc = ep_report_png_heatmap(coal, NULL, &b, err);
        rc = add_file(&a, rc, EP_FMT_PNG, "agreement", "Group-pair agreement", &b, err);
    }
    if (rc == 0 && (fmts & EP_FMT_PDF)) {
        rc = briefing ? ep_report_pdf_briefing(res, coal, &b, err)
                      : ep_report_pdf_coalition(coal, &b, err);
        rc = add_file(&a, rc, EP_FMT_PDF, briefing ? "risk-briefing" : "coalition-report",
                      briefing ? "Political risk briefing" : "Coalition report", &b, err);
    }
    json_decref(coal);
    ep_buf_free(&b);
    if (rc) {
        ep_artefacts_abort(&a);
        return rc;
    }
    return ep_artefacts_finish(&a, res, err);
}

static json_t *vote_ids(const struct ep_matrix *m, const int *v, int n, int cap)
{
    json_t *a = json_array();
    for (int k = 0; a && k < n && k < cap; k++)
        if (json_array_append_new(a, json_integer((json_int_t)m->vote_id[v[k]]))) {
            json_decref(a);
            return NULL;
        }
    return a;
}

/* Matrix index of mep_id, or an error naming the argument. */
static int find_mep(struct ep_tool_ctx *ctx, struct ep_win *w, int64_t id, const char *arg, int *idx,
                    struct ep_error *err)
{
    *idx = ep_matrix_mep_index(w->m, id);
    if (*idx >= 0)
        return 0;
    char name[200] = "";
    int k = ep_query_member_name(ctx->store, id, name, sizeof name, err);
    if (k < 0)
        return k;
    if (k == 0) { /* named only by votes or memberships (not in the members table) */
        k = ep_tools_mep_known(ctx->store, id, err);
        if (k < 0)
            return k;
        snprintf(name, sizeof name, "not in the members table");
    }
    if (k == 0)
        return ep_error_set(err, EP_ENOTFOUND,
                            "argument \"%s\": no MEP with id %lld in the store (use an EP "
                            "member id, e.g. from the MEP search tool)",
                            arg, (long long)id);
    return ep_error_set(err, EP_EUNAVAIL,
                        "argument \"%s\": MEP %lld (%s) held no mandate on any vote of the window "
                        "(%d votes); choose a window when they were an MEP",
                        arg, (long long)id, name, w->m->n_vote);
}

/* Matrix index of a group argument: resolved by the shared rule (any case, EP labels; unknown
 * group: EP_EINVAL listing the known ones), then looked up in the window. */
static int find_group(struct ep_store *s, const struct ep_matrix *m, const char *arg_value,
                      const char *arg, struct ep_error *err)
{
    char code[64];
    if (!arg_value)
        return ep_error_set(err, EP_EINVAL, "argument \"%s\" must be a group code", arg);
    int rc = ep_tools_resolve_group(s, arg, arg_value, code, sizeof code, err);
    if (rc)
        return rc;
    for (int g = 0; g < m->n_grp; g++)
        if (strcmp(m->grp_code[g], code) == 0)
            return g;
    char known[600] = "";
    size_t k = 0;
    for (int g = 0; g < m->n_grp && k < sizeof known; g++)
        k += (size_t)snprintf(known + k, sizeof known - k, "%s%s", g ? ", " : "", m->grp_code[g]);
    return ep_error_set(err, EP_ENOTFOUND,
                        "argument \"%s\": group \"%s\" has no member in the window (groups: %s)",
                        arg, code, known);
}

static void day_str(int32_t day, char out[11])
{
    ep_date_format(day, out);
}

static void period_str(const struct ep_stats_periods *p, int k, char out[11])
{
    if (p->kind == EP_PERIOD_SITTING)
        ep_date_format(p->key[k], out);
    else
        snprintf(out, 11, "%04d-%02d", (int)(p->key[k] / 100) % 10000, (int)(p->key[k] % 100));
}

/* The full input/output schemas are long string literals (longer than the 4095 characters C99
 * guarantees; GCC and Clang accept any length). */
#pragma GCC diagnostic ignored "-Woverlength-strings"

/* ---- schema fragments -------------------------------------------------------------------- */

#define S_NUM "{\"type\":\"number\"}"
#define S_NNUM "{\"type\":[\"number\",\"null\"]}"
#define S_PCT "{\"type\":\"number\",\"minimum\":0,\"maximum\":100}"
#define S_UNIT "{\"type\":\"number\",\"minimum\":0,\"maximum\":1}"
#define S_NUNIT "{\"type\":[\"number\",\"null\"],\"minimum\":0,\"maximum\":1}"
#define S_INT "{\"type\":\"integer\"}"
#define S_NINT "{\"type\":[\"integer\",\"null\"]}"
#define S_STR "{\"type\":\"string\"}"
#define S_NSTR "{\"type\":[\"string\",\"null\"]}"
#define S_BOOL "{\"type\":\"boolean\"}"
#define S_OBJ "{\"type\":\"object\"}"
#define S_ARR(x) "{\"type\":\"array\",\"items\":" x "}"
#define S_STRS S_ARR(S_STR)
#define S_INTS S_ARR(S_INT)
#define S_MEP_PROPS                                                                                \
    "\"mep_id\":" S_INT ",\"name\":" S_STR ",\"group\":" S_NSTR ",\"country\":" S_NSTR
#define S_MEP                                                                                      \
    "{\"type\":\"object\",\"required\":[\"mep_id\",\"name\",\"group\",\"country\"],"               \
    "\"properties\":{" S_MEP_PROPS "}}"
#define S_MEPVAL                                                                                   \
    "{\"type\":\"object\",\"required\":[\"mep_id\",\"name\",\"group\",\"country\",\"value\"],"     \
    "\"properties\":{" S_MEP_PROPS ",\"value\":" S_NUM "}}"
#define S_METH                                                                                     \
    "{\"type\":\"object\",\"required\":[\"formula\",\"inputs\",\"coverage\",\"limits\"],"          \
    "\"properties\":{\"formula\":" S_STR ",\"inputs\":" S_STRS ",\"coverage\":{\"type\":"          \
    "\"object\",\"required\":[\"votes\",\"meps\",\"sittings\"],\"properties\":{\"votes\":" S_INT   \
    ",\"meps\":" S_INT ",\"sittings\":" S_INT "}},\"limits\":" S_STRS "}}"
#define S_DIM(extra)                                                                               \
    "{\"type\":\"object\",\"required\":[\"available\"],\"properties\":{\"available\":" S_BOOL      \
    ",\"reason\":" S_STR extra "}}"
#define S_SHORT                                                                                    \
    "{\"type\":\"object\",\"required\":[\"note\",\"measures\"],\"properties\":{\"note\":" S_STR   \
    ",\"measures\":{\"type\":\"array\",\"minItems\":1,\"items\":{\"type\":\"object\","             \
    "\"required\":[\"measure\",\"unit\",\"have\",\"minimum\"],\"properties\":{\"measure\":" S_STR   \
    ",\"unit\":" S_STR ",\"have\":" S_INT ",\"minimum\":" S_INT "}}}}}"
#define S_COMMON                                                                                   \
    "\"window\":" EP_TOOLS_WINDOW_SCHEMA ",\"window_too_short\":" S_SHORT                          \
    ",\"methodology\":" S_METH                                                                     \
    ",\"provenance\":" EP_TOOLS_PROVENANCE_SCHEMA ",\"artefacts\":" EP_ARTEFACT_SCHEMA
#define S_COMMON_REQ "\"window\",\"methodology\",\"provenance\""
#define S_WEIGHTS                                                                                  \
    "{\"type\":\"object\",\"required\":[\"nominal\",\"effective\",\"renormalised\",\"dropped\"],"  \
    "\"properties\":{\"nominal\":" S_OBJ ",\"effective\":" S_OBJ ",\"renormalised\":" S_BOOL       \
    ",\"dropped\":" S_STRS ",\"note\":" S_STR "}}"
#define ANNOT 1, 1, 0

/* ==== 1. assess_mep_influence ============================================================= */

static const char IN_INFLUENCE[] =
    "{\"type\":\"object\",\"properties\":{"
    "\"mep_id\":{\"type\":\"integer\",\"minimum\":1,\"description\":\"EP member "
    "id\"}," EP_TOOLS_WINDOW_PROPS "," EP_ARTEFACT_FORMATS_PROP
    "},\"required\":[\"mep_id\"],\"additionalProperties\":false}";

#define S_IDIM                                                                                     \
    S_DIM(",\"value\":" S_NUM ",\"percentile\":" S_PCT ",\"weight\":" S_UNIT ",\"peers\":" S_INT   \
          ",\"definition\":" S_STR ",\"figures\":" S_OBJ ",\"minimum_common_votes\":" S_INT)

static const char OUT_INFLUENCE[] =
    "{\"type\":\"object\",\"required\":[" S_COMMON_REQ
    ",\"mep\",\"dimensions\",\"weights\",\"composite\",\"rank\",\"n\",\"percentile_definition\"],"
    "\"properties\":{" S_COMMON ",\"mep\":" S_MEP ",\"dimensions\":{\"type\":\"object\","
    "\"required\":[\"network_centrality\",\"bridge_score\",\"loyalty\",\"participation\","
    "\"pivotal_votes\",\"roles\"],\"properties\":{\"network_centrality\":" S_IDIM
    ",\"bridge_score\":" S_IDIM ",\"loyalty\":" S_IDIM ",\"participation\":" S_IDIM
    ",\"pivotal_votes\":" S_IDIM ",\"roles\":" S_IDIM "}},\"weights\":" S_WEIGHTS
    ",\"composite\":" S_PCT ",\"rank\":{\"type\":\"integer\",\"minimum\":1},\"n\":" S_INT
    ",\"percentile_definition\":" S_STR "}}";

static const char *const dim_def[N_DIM] = {
    "weighted eigenvector centrality in the co-voting network (graph/, max 1)",
    "share of the MEP's top-20 edge weight going to MEPs of another modal group",
    "share of cast votes equal to the own group's non-tie position",
    "cast votes / eligible votes",
    ("votes where the MEP voted with their group's winning position and the group's votes in that "
     "position exceeded the margin |FOR - AGAINST| (without them the outcome would reverse)"),
    "rapporteurships, shadow rapporteurships and roles (chairs, coordinators)",
};

/* The figures object of an available dimension. */
static json_t *influence_figures(const struct ep_influence *o, int d, int *bad)
{
    const struct ep_win *w = o->win;
    const struct ep_graph_node *nd = &w->g.node[o->node];
    const struct ep_mepfig *f = &w->mf[o->mep];
    const struct ep_matrix *m = w->m;
    json_t *fig = json_object();
    switch (d) {
    case D_CENT:
        put(fig, "eigenvector", jr(nd->eigen), bad);
        put(fig, "pagerank", jr(nd->pagerank), bad);
        put(fig, "strength", jr(nd->strength), bad);
        put(fig, "degree", json_integer(nd->degree), bad);
        put(fig, "betweenness_backbone", jr(nd->betweenness >= 0 ? nd->betweenness : 0), bad);
        put(fig, "nodes", json_integer(w->g.n_node), bad);
        put(fig, "edges", json_integer(w->g.n_edge), bad);
        break;
    case D_BRIDGE:
        put(fig, "bridge_score", jr(nd->bridge), bad);
        put(fig, "top_k", json_integer(w->g.top_k), bad);
        put(fig, "modal_group",
            grp_code(m, nd->grp) ? json_string(grp_code(m, nd->grp)) : json_null(), bad);
        break;
    case D_LOYAL:
        put(fig, "votes_with_group", json_integer(f->loy_num), bad);
        put(fig, "votes_considered", json_integer(f->loy_den), bad);
        put(fig, "defections", json_integer(f->n_defect), bad);
        break;
    case D_PART:
        put(fig, "cast", json_integer(f->cast), bad);
        put(fig, "eligible", json_integer(f->eligible), bad);
        break;
    case D_PIVOT: {
        json_t *ex = json_array();
        for (int k = 0; k < o->n_example; k++)
            add(ex, json_integer((json_int_t)o->example_vote[k]), bad);
        put(fig, "pivotal_votes", json_integer(w->mep_piv[o->mep]), bad);
        put(fig, "group_pivotal_votes", json_integer(o->group_pivotal), bad);
        put(fig, "decided_votes", json_integer(w->decided), bad);
        put(fig, "example_vote_ids", ex, bad);
        break;
    }
    default: break;
    }
    return fig;
}

/* dimensions and weights of the scorecard into res. */
static void influence_dims_json(const struct ep_influence *o, json_t *res, int *bad)
{
    json_t *dims = json_object(), *nom = json_object(), *eff = json_object(),
           *dropped = json_array();
    for (int d = 0; d < N_DIM; d++) {
        const struct ep_influence_dim *x = &o->dim[d];
        const char *name = ep_influence_dim_name[d];
        put(nom, name, jr(ep_influence_dim_weight[d]), bad);
        json_t *dj;
        if (!x->available) {
            dj = ep_tools_unavailable(x->reason);
            if (x->no_edges)
                put(dj, "minimum_common_votes", json_integer(o->win->g.min_common), bad);
            put(dj, "definition", json_string(dim_def[d]), bad);
            add(dropped, json_string(name), bad);
        } else {
            put(eff, name, jr(x->weight), bad);
            dj = json_pack("{s:b, s:o, s:o, s:o, s:i, s:s, s:o}", "available", 1, "value",
                           jr(x->value), "percentile", jr(x->percentile), "weight",
                           jr(x->weight), "peers", x->peers, "definition", dim_def[d], "figures",
                           influence_figures(o, d, bad));
        }
        put(dims, name, dj, bad);
    }
    put(res, "dimensions", dims, bad);
    int renorm = json_array_size(dropped) > 0;
    char note[400];
    snprintf(note, sizeof note,
             renorm ? "%zu dimension(s) without data dropped; the remaining weights were divided "
                      "by their sum %.2f so that they add up to 1"
                    : "all dimensions available; nominal weights used (%zu dropped, sum %.2f)",
             json_array_size(dropped), o->weight_sum);
    json_t *wt = json_object();
    put(wt, "nominal", nom, bad);
    put(wt, "effective", eff, bad);
    put(wt, "renormalised", json_boolean(renorm), bad);
    put(wt, "dropped", dropped, bad);
    put(wt, "note", json_string(note), bad);
    put(res, "weights", wt, bad);
}

static int tool_assess_mep_influence(struct ep_tool_ctx *ctx, json_t *args, json_t **result,
                                     struct ep_error *err)
{
    struct ep_run r;
    run_init(&r, ctx, "assess_mep_influence", 8);
    unsigned fmts;
    if (ep_artefact_formats(args, EP_FMT_JSON | EP_FMT_PNG | EP_FMT_PDF, "assess_mep_influence",
                            &fmts, err))
        return EP_EINVAL;
    struct ep_tools_window tw;
    struct ep_win *w = NULL;
    int rc = ep_run_stage(&r, "loading the window", err);
    if (!rc)
        rc = win_get(ctx, args, &tw, &w, err);
    if (rc)
        return rc;
    int64_t id = (int64_t)json_integer_value(json_object_get(args, "mep_id"));
    struct ep_influence_params p;
    if ((rc = find_mep(ctx, w, id, "mep_id", &p.mep, err)))
        return rc;
    struct ep_influence o;
    if ((rc = ep_influence_compute(w, &p, &r, &o, err)))
        return rc;
    int bad = 0;
    json_t *res = json_object();
    put(res, "mep", mep_json(w, o.mep, 0, 0), &bad);
    influence_dims_json(&o, res, &bad);
    put(res, "composite", jr(o.composite), &bad);
    put(res, "rank", json_integer(o.rank), &bad);
    put(res, "n", json_integer(o.n), &bad);
    put(res, "percentile_definition",
        json_string("percentile = 100 * (peers with a strictly lower value + half of the peers "
                    "with an equal value, the MEP included) / peers; peers = MEPs with at least "
                    "one cast vote in the window for whom the dimension is defined"),
        &bad);
    ep_influence_free(&o);
    static const char *const inputs[] = {
        "vote matrix of the window (per-MEP positions, group on each vote's date)",
        "co-voting network (edges with >= 10 common votes, w = same/both)",
        "stats/ per-MEP participation and loyalty, per-vote group positions", NULL};
    static const char *const limits[] = {
        "roles and rapporteurships: " EP_ROLES_REASON,
        "pivotality uses a simple majority of FOR vs AGAINST; qualified majorities are ignored",
        "percentiles are relative to the MEPs of the same window", NULL};
    json_t *meth =
        methodology(w,
                    "composite = sum_d w_d * percentile_d / sum_d w_d over available dimensions d; "
                    "rank = 1 + number of MEPs with a strictly higher composite",
                    inputs, limits);
    rc = finish(ctx, &r, &tw, w, res, meth, bad, result, err);
    if (rc == 0 && fmts != EP_FMT_JSON && (rc = render_influence(ctx, args, fmts, *result, err))) {
        json_decref(*result);
        *result = NULL;
    }
    return rc;
}

/* ==== 2. analyze_coalition_dynamics ======================================================== */

static const char IN_COALITION[] =
    "{\"type\":\"object\",\"properties\":{" EP_TOOLS_WINDOW_PROPS
    ",\"groups\":{\"type\":\"array\",\"items\":{\"type\":\"string\",\"minLength\":1,"
    "\"maxLength\":15},\"minItems\":1,\"maxItems\":32,\"description\":\"Only these political "
    "group codes (e.g. EPP, SD); default all\"}," EP_ARTEFACT_FORMATS_PROP
    "},\"additionalProperties\":false}";

#define S_TPOINT                                                                                   \
    "{\"type\":\"object\",\"required\":[\"period\",\"ai\",\"participation\",\"votes\"],"           \
    "\"properties\":{\"period\":" S_STR ",\"ai\":" S_NUNIT ",\"participation\":" S_NUNIT           \
    ",\"votes\":" S_INT "}}"
#define S_PAIR                                                                                     \
    "{\"type\":\"object\",\"required\":[\"a\",\"b\",\"agreement\",\"common_votes\"],"              \
    "\"properties\":{\"a\":" S_STR ",\"b\":" S_STR ",\"agreement\":" S_UNIT                        \
    ",\"common_votes\":" S_INT ",\"agreeing_votes\":" S_INT ",\"volatility\":" S_NNUM "}}"

#define S_PARL                                                                                     \
    "{\"type\":\"object\",\"required\":[\"alpha\"],\"properties\":{\"alpha\":" S_DIM(             \
        ",\"value\":{\"type\":\"number\",\"maximum\":1},\"units\":" S_INT ",\"coders\":" S_INT    \
        ",\"minimum_units\":" S_INT ",\"definition\":" S_STR) "}}"

static const char OUT_COALITION[] =
    "{\"type\":\"object\",\"required\":[" S_COMMON_REQ
    ",\"groups\",\"parliament\",\"pair_agreement\",\"alliances\",\"factions\","
    "\"stability\"],"
    "\"properties\":{" S_COMMON ",\"groups\":" S_ARR(
        "{\"type\":\"object\",\"required\":[\"group\",\"seats_at_last_vote\","
        "\"votes_cast\",\"ties\","
        "\"cohesion\",\"trend\"],\"properties\":{\"group\":" S_STR ",\"seats_at_last_vote\":" S_INT
        ",\"votes_cast\":" S_INT ",\"ties\":" S_INT ",\"cohesion\":{\"type\":\"object\","
        "\"required\":[\"ai_mean\",\"ai_median\",\"rice_mean\","
        "\"alpha\",\"participation\"],"
        "\"properties\":{\"ai_mean\":" S_NUNIT ",\"ai_median\":" S_NUNIT ",\"rice_mean\":" S_NUNIT
        ",\"alpha\":" S_NNUM ",\"alpha_units\":" S_INT ",\"alpha_minimum_units\":" S_INT
        ",\"alpha_reason\":" S_STR ",\"participation\":" S_NUNIT
        ",\"participation_reason\":" S_STR "}},"
        "\"trend\":{\"type\":\"object\",\"required\":[\"by_"
        "sitting\",\"by_month\","
        "\"ai_slope_per_sitting\"],\"properties\":{\"by_"
        "sitting\":" S_ARR(S_TPOINT) ",\"by_month\":" S_ARR(
            S_TPOINT) ",\"ai_slope_per_sitting\":" S_NNUM ",\"ai_slope_reason\":" S_STR
                      "}}}}") ",\"parliament\":" S_PARL ",\"pair_agreement\":{\"type\":"
                              "\"object\",\"required\":[\"groups\","
                              "\"agreement\","
                              "\"common_votes\",\"pairs\"],"
                              "\"properties\":{\"groups\":" S_STRS
                              ",\"agreement\":" S_ARR(S_ARR(S_NUNIT)) ",\"common_votes\":" S_ARR(S_INTS) ",\"pairs\":" S_ARR(
                                  S_PAIR) "}},"
                                          "\"alliances\":{\"type\":"
                                          "\"object\",\"required\":"
                                          "[\"most_reliable\","
                                          "\"least_reliable\","
                                          "\"min_common_votes\"],"
                                          "\"properties\":{\"most_"
                                          "reliable\":" S_ARR(S_PAIR) ",\"least_reliable\":" S_ARR(
                                              S_PAIR) ",\"min_"
                                                      "common_"
                                                      "votes\""
                                                      ":" S_INT ",\"note\""
                                                      ":" S_STR ",\"reason\":" S_STR "}},"
                                                      "\"factions\""
                                                      ":" S_DIM(
                                                          ",\"algor"
                                                          "ithm\""
                                                          ":" S_STR ",\"commu"
                                                          "nities\""
                                                          ":" S_INT ",\"modul"
                                                          "arity\""
                                                          ":" S_NNUM ",\"modul"
                                                          "arity_"
                                                          "by_"
                                                          "group\""
                                                          ":" S_NNUM ",\"items"
                                                          "\""
                                                          ":" S_ARR(
                                                              "{\"t"
                                                              "ype"
                                                              "\":"
                                                              "\"ob"
                                                              "ject"
                                                              "\","
                                                              "\"re"
                                                              "quir"
                                                              "ed\""
                                                              ":["
                                                              "\"gr"
                                                              "oup"
                                                              "\","
                                                              "\"co"
                                                              "mmun"
                                                              "ity"
                                                              "\","
                                                              "\"me"
                                                              "mber"
                                                              "s\","
                                                              "\"sh"
                                                              "are"
                                                              "\"],"
                                                              "\"pr"
                                                              "oper"
                                                              "ties"
                                                              "\":{"
                                                              "\"gr"
                                                              "oup"
                                                              "\""
                                                              ":" S_STR ",\"c"
                                                              "ommu"
                                                              "nity"
                                                              "\""
                                                              ":" S_INT ",\"m"
                                                              "embe"
                                                              "rs\""
                                                              ":" S_INT ",\"s"
                                                              "hare"
                                                              "\""
                                                              ":" S_UNIT
                                                              "}}") ",\"definition\""
                                                                    ":" S_STR ",\"minimum_common_votes\":" S_INT) ",\"stabi"
                                                                               "lity\""
                                                                               ":" S_DIM(
                                                                                   ",\"value\""
                                                                                   ":" S_UNIT
                                                                                   ",\"formula\""
                                                                                   ":" S_STR
                                                                                   ",\"pairs\""
                                                                                   ":" S_INT
                                                                                   ",\"periods\""
                                                                                   ":" S_INT
                                                                                   ",\"mean_"
                                                                                   "volatility\""
                                                                                   ":" S_NUM
                                                                                   ",\"minimum_sittings\":" S_INT) "}}";

#define COAL_MIN_COMMON 10 /* alliances: pairs with at least this many common votes */
#define STAB_MIN_VOTES 5   /* stability: a sitting counts for a pair with >= 5 common votes */

struct pairrow {
    int a, b, agree, common;
    double share, vol;
    int vol_ok, periods;
};

static int cmp_pair_desc(const void *x, const void *y)
{
    const struct pairrow *p = x, *q = y;
    if (p->share != q->share)
        return p->share < q->share ? 1 : -1;
    return q->common - p->common;
}

static json_t *pair_json(const struct ep_matrix *m, const struct pairrow *p)
{
    json_t *o =
        json_pack("{s:s, s:s, s:o, s:i, s:i}", "a", m->grp_code[p->a], "b", m->grp_code[p->b],
                  "agreement", jr(p->share), "common_votes", p->common, "agreeing_votes", p->agree);
    if (o && p->vol_ok)
        json_object_set_new(o, "volatility", jr(p->vol));
    return o;
}

/* OLS slope of the defined points y[k] against k. */
static int slope(const double *y, const uint8_t *ok, int stride, int n, double *out)
{
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    int c = 0;
    for (int k = 0; k < n; k++)
        if (ok[(size_t)k * (size_t)stride]) {
            double v = y[(size_t)k * (size_t)stride];
            sx += k;
            sy += v;
            sxx += (double)k * k;
            sxy += k * v;
            c++;
        }
    double den = c * sxx - sx * sx;
    if (c < 2 || den <= 0)
        return EP_EUNAVAIL;
    *out = (c * sxy - sx * sy) / den;
    return isfinite(*out) ? 0 : EP_EUNAVAIL;
}

static json_t *trend_json(const struct ep_matrix *m, const struct ep_stats_trends *t,
                          const struct ep_stats_periods *p, int g, int *bad)
{
    json_t *a = json_array();
    for (int k = 0; k < t->n; k++) {
        char ps[11];
        period_str(p, k, ps);
        size_t c = (size_t)k * (size_t)t->n_grp + (size_t)g;
        /* participation needs who did not vote on every vote of the period (null otherwise) */
        int unk = 0;
        for (int j = p->start[k]; j < p->start[k + 1] && !unk; j++)
            unk = !m->dnv_known[p->vote[j]];
        json_t *o = json_pack("{s:s, s:o, s:o, s:i}", "period", ps, "ai",
                              jru(t->ai_ok[c], t->ai[c]), "participation",
                              jru(t->part_ok[c] && !unk, t->participation[c]), "votes",
                              t->n_vote_cast[c]);
        add(a, o, bad);
    }
    return a;
}

/* alpha_reason and alpha_minimum_units beside a cohesion block's alpha (null when unavailable);
 * the measure joins window_too_short when the window itself has fewer votes than the minimum. */
static void alpha_fields(struct ep_run *r, json_t *coh, const char *who, int ok, int units,
                         int n_vote, int *bad)
{
    put(coh, "alpha_minimum_units", json_integer(EP_STATS_ALPHA_MIN_UNITS), bad);
    if (ok)
        return;
    char why[256];
    put(coh, "alpha_reason", json_string(ep_tools_alpha_reason(units, n_vote, why, sizeof why)),
        bad);
    if (n_vote < EP_STATS_ALPHA_MIN_UNITS) /* not when the group is too small for the window */
        ep_run_too_short(r, "votes with >= 2 cast values", units, EP_STATS_ALPHA_MIN_UNITS, "alpha of %s",
                  who);
}

/* The whole Parliament as one body: Krippendorff's alpha with every MEP who cast as a coder. */
static json_t *parliament_json(struct ep_run *r, const struct ep_matrix *m, int *bad)
{
    double a = 0;
    int units = 0, coders = 0;
    json_t *al;
    if (ep_stats_parliament_alpha(m, &a, &units, &coders, NULL) == EP_OK) {
        al = json_pack("{s:b, s:o}", "available", 1, "value", jr(a));
    } else {
        char why[256];
        al = ep_tools_unavailable(ep_tools_alpha_reason(units, m->n_vote, why, sizeof why));
        if (m->n_vote < EP_STATS_ALPHA_MIN_UNITS)
            ep_run_too_short(r, "votes with >= 2 cast values", units, EP_STATS_ALPHA_MIN_UNITS,
                      "parliament.alpha");
    }
    put(al, "units", json_integer(units), bad);
    put(al, "coders", json_integer(coders), bad);
    put(al, "minimum_units", json_integer(EP_STATS_ALPHA_MIN_UNITS), bad);
    put(al, "definition",
        json_string("Krippendorff's alpha (nominal) of the whole Parliament: units = votes, "
                    "coders = every MEP who cast FOR, AGAINST or ABSTENTION (any group or none), "
                    "did-not-vote = missing; votes with fewer than 2 cast values are dropped"),
        bad);
    return json_pack("{s:o}", "alpha", al);
}

static int t_coalition(struct ep_tool_ctx *ctx, json_t *args, json_t **result, struct ep_error *err)
{
    struct ep_run r;
    run_init(&r, ctx, "analyze_coalition_dynamics", 7);
    unsigned fmts;
    if (ep_artefact_formats(args, EP_FMT_JSON | EP_FMT_PNG | EP_FMT_PDF,
                            "analyze_coalition_dynamics", &fmts, err))
        return EP_EINVAL;
    struct ep_tools_window tw;
    struct ep_win *w = NULL;
    int rc = ep_run_stage(&r, "loading the window", err);
    if (!rc)
        rc = win_get(ctx, args, &tw, &w, err);
    if (rc)
        return rc;
    const struct ep_matrix *m = w->m;
    int ng = m->n_grp;
    uint8_t sel[EP_MATRIX_MAX_GROUPS];
    memset(sel, 0, sizeof sel);
    json_t *ga = json_object_get(args, "groups");
    if (json_is_array(ga)) {
        for (size_t k = 0; k < json_array_size(ga); k++) {
            char an[32];
            snprintf(an, sizeof an, "groups[%zu]", k);
            int g = find_group(ctx->store, m, json_string_value(json_array_get(ga, k)), an, err);
            if (g < 0)
                return g;
            sel[g] = 1;
        }
    } else
        memset(sel, 1, sizeof sel);
    if ((rc = ep_run_stage(&r, "group cohesion and pair agreement", err)) || (rc = ep_win_need_gs(w, err)) ||
        (rc = ep_win_need_frag(w, err)))
        return rc;
    if ((rc = ep_run_stage(&r, "trends per sitting and month", err)) ||
        (rc = ep_win_need_tr(w, EP_PERIOD_SITTING, err)) || (rc = ep_win_need_tr(w, EP_PERIOD_MONTH, err)))
        return rc;
    if ((rc = ep_run_stage(&r, "co-voting network and factions", err)) ||
        (rc = need_graph(w, &r, 10, 0, err)))
        return rc;
    if ((rc = ep_run_stage(&r, "alliances and stability", err)))
        return rc;

    int bad = 0;
    json_t *res = json_object();
    /* groups */
    json_t *garr = json_array();
    const struct ep_stats_trends *ts = &w->tr[EP_PERIOD_SITTING], *tm = &w->tr[EP_PERIOD_MONTH];
    /* group participation needs who did not vote on every vote of the window */
    int dnv_unk = ep_tools_dnv_unknown(m, 0, m->n_vote);
    char dnv_why[600] = "";
    if (dnv_unk)
        ep_tools_dnv_reason(dnv_why, sizeof dnv_why, dnv_unk, m->n_vote);
    for (int g = 0; g < ng; g++) {
        if (!sel[g])
            continue;
        const struct ep_stats_group *s = &w->gs.g[g];
        json_t *coh = json_pack("{s:o, s:o, s:o, s:o, s:i, s:o}", "ai_mean",
                                jru(s->ai_ok, s->ai_mean), "ai_median", jru(s->ai_ok, s->ai_median),
                                "rice_mean", jru(s->rice_ok, s->rice_mean), "alpha",
                                jru(s->alpha_ok, s->alpha), "alpha_units", s->alpha_units,
                                "participation", jru(s->part_ok && !dnv_unk, s->participation));
        alpha_fields(&r, coh, m->grp_code[g], s->alpha_ok, s->alpha_units, m->n_vote, &bad);
        if (dnv_unk)
            put(coh, "participation_reason", json_string(dnv_why), &bad);
        double sl = 0;
        int slok = slope(ts->ai + g, ts->ai_ok + g, ts->n_grp, ts->n, &sl) == 0;
        json_t *tr = json_object();
        put(tr, "by_sitting", trend_json(m, ts, &w->per[EP_PERIOD_SITTING], g, &bad), &bad);
        put(tr, "by_month", trend_json(m, tm, &w->per[EP_PERIOD_MONTH], g, &bad), &bad);
        put(tr, "ai_slope_per_sitting", jru(slok, sl), &bad);
        if (!slok)
            put(tr, "ai_slope_reason",
                json_string("the slope needs at least 2 sittings with a defined Agreement Index "
                            "for the group"),
                &bad);
        json_t *o = json_pack("{s:s, s:i, s:i, s:i, s:o, s:o}", "group", m->grp_code[g],
                              "seats_at_last_vote", (int)w->frag.seats[g], "votes_cast",
                              s->n_vote_cast, "ties", s->n_tie,
                              "cohesion", coh, "trend", tr);
        add(garr, o, &bad);
    }
    put(res, "groups", garr, &bad);
    if (ts->n < 2)
        ep_run_too_short(&r, "sittings", ts->n, 2, "groups[].trend.ai_slope_per_sitting");
    put(res, "parliament", parliament_json(&r, m, &bad), &bad);

    /* pair matrix and per-sitting pair agreement for the stability figure */
    const struct ep_stats_periods *ps = &w->per[EP_PERIOD_SITTING];
    int np = ps->n;
    struct pairrow *pairs = calloc((size_t)(ng * ng > 0 ? ng * ng : 1), sizeof *pairs);
    int32_t *pc = calloc((size_t)(np > 0 ? np : 1) * 2, sizeof *pc);
    if (!pairs || !pc) {
        free(pairs);
        free(pc);
        json_decref(res);
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    int npair = 0;
    json_t *pm = json_object(), *codes = json_array(), *agm = json_array(), *cmm = json_array(),
           *plist = json_array();
    for (int a = 0; a < ng; a++) {
        if (!sel[a])
            continue;
        add(codes, json_string(m->grp_code[a]), &bad);
        json_t *ra = json_array(), *rc2 = json_array();
        for (int b = 0; b < ng; b++) {
            if (!sel[b])
                continue;
            size_t c = (size_t)a * (size_t)ng + (size_t)b;
            add(ra, jru(w->gs.pair_ok[c], w->gs.pair_share[c]), &bad);
            add(rc2, json_integer(w->gs.pair_common[c]), &bad);
            if (b <= a || !w->gs.pair_ok[c])
                continue;
            struct pairrow *p = &pairs[npair++];
            p->a = a;
            p->b = b;
            p->agree = w->gs.pair_agree[c];
            p->common = w->gs.pair_common[c];
            p->share = w->gs.pair_share[c];
            /* volatility: population sd over sittings of the pair's agreement */
            memset(pc, 0, (size_t)(np > 0 ? np : 1) * 2 * sizeof *pc);
            for (int v = 0; v < m->n_vote; v++) {
                const struct ep_stats_vg *vg = w->vs.vg + (size_t)v * (size_t)ng;
                int pa = vg[a].pos, pb = vg[b].pos;
                if (pa == EP_GPOS_NONE || pa == EP_GPOS_TIE || pb == EP_GPOS_NONE ||
                    pb == EP_GPOS_TIE)
                    continue;
                int k = ps->period_of[v];
                pc[2 * k]++;
                pc[2 * k + 1] += pa == pb;
            }
            double s1 = 0, s2 = 0;
            int cnt = 0;
            for (int k = 0; k < np; k++)
                if (pc[2 * k] >= STAB_MIN_VOTES) {
                    double x = (double)pc[2 * k + 1] / pc[2 * k];
                    s1 += x;
                    s2 += x * x;
                    cnt++;
                }
            p->periods = cnt;
            if (cnt >= 2) {
                double mean = s1 / cnt, var = s2 / cnt - mean * mean;
                p->vol = sqrt(var > 0 ? var : 0);
                p->vol_ok = isfinite(p->vol);
            }
        }
        add(agm, ra, &bad);
        add(cmm, rc2, &bad);
    }
    for (int k = 0; k < npair; k++)
        add(plist, pair_json(m, &pairs[k]), &bad);
    put(pm, "groups", codes, &bad);
    put(pm, "agreement", agm, &bad);
    put(pm, "common_votes", cmm, &bad);
    put(pm, "pairs", plist, &bad);
    put(res, "pair_agreement", pm, &bad);

    /* alliances */
    struct pairrow *rel = malloc((size_t)(npair > 0 ? npair : 1) * sizeof *rel);
    int nrel = 0;
    for (int k = 0; rel && k < npair; k++)
        if (pairs[k].common >= COAL_MIN_COMMON)
            rel[nrel++] = pairs[k];
    if (rel)
        qsort(rel, (size_t)nrel, sizeof *rel, cmp_pair_desc);
    else
        bad = 1;
    json_t *most = json_array(), *least = json_array();
    for (int k = 0; k < nrel && k < 5; k++)
        add(most, pair_json(m, &rel[k]), &bad);
    for (int k = 0; k < nrel && k < 5; k++)
        add(least, pair_json(m, &rel[nrel - 1 - k]), &bad);
    json_t *al = json_object();
    put(al, "most_reliable", most, &bad);
    put(al, "least_reliable", least, &bad);
    put(al, "min_common_votes", json_integer(COAL_MIN_COMMON), &bad);
    if (m->n_vote < COAL_MIN_COMMON) {
        char why[200];
        snprintf(why, sizeof why,
                 "the window is too short: %d vote%s, a ranked pair needs at least %d common "
                 "votes",
                 m->n_vote, m->n_vote == 1 ? "" : "s", COAL_MIN_COMMON);
        put(al, "reason", json_string(why), &bad);
        ep_run_too_short(&r, "votes", m->n_vote, COAL_MIN_COMMON, "alliances");
    }
    put(al, "note",
        json_string("pairs ranked by agreement (share of common non-tie votes with the same "
                    "position); least reliable = lowest agreement; ties by more common votes"),
        &bad);
    put(res, "alliances", al, &bad);

    /* stability */
    double vs_sum = 0;
    int vs_n = 0;
    for (int k = 0; k < npair; k++)
        if (pairs[k].vol_ok) {
            vs_sum += pairs[k].vol;
            vs_n++;
        }
    const char *sform = "stability = 1 - 2 * mean over group pairs of sd_s(agreement_s), where "
                        "agreement_s is the pair's agreement in sitting s (sittings with >= 5 "
                        "common non-tie votes; pairs with >= 2 such sittings); sd is the "
                        "population standard deviation, at most 0.5 for shares, so the figure "
                        "lies in 0..1 (1 = every alliance equally strong in every sitting)";
    json_t *st;
    if (vs_n > 0) {
        double mv = vs_sum / vs_n;
        st = json_pack("{s:b, s:o, s:s, s:i, s:i, s:o}", "available", 1, "value",
                       jr(clamp01(1 - 2 * mv)), "formula", sform, "pairs", vs_n, "periods", np,
                       "mean_volatility", jr(mv));
    } else {
        st = unavail("no group pair has at least 2 sittings with >= %d common non-tie votes "
                     "(%d sitting%s in the window)",
                     STAB_MIN_VOTES, np, np == 1 ? "" : "s");
        put(st, "formula", json_string(sform), &bad);
        put(st, "minimum_sittings", json_integer(2), &bad);
        if (np < 2)
            ep_run_too_short(&r, "sittings", np, 2, "stability");
    }
    put(res, "stability", st, &bad);
    free(rel);
    free(pairs);
    free(pc);

    /* factions */
    const struct ep_graph *gr = &w->g;
    json_t *fa;
    const char *fdef = "a faction is a detected community (Louvain, weighted, resolution 1) that "
                       "holds >= 10% of a group's MEPs while at least one other community also "
                       "does: the group is split between communities";
    if (gr->n_edge == 0 || !gr->modularity_ok) {
        fa = no_edges(&r, w, gr, "factions");
        put(fa, "definition", json_string(fdef), &bad);
    } else {
        json_t *items = json_array();
        for (int k = 0; k < gr->n_faction; k++) {
            const struct ep_graph_faction *f = &gr->faction[k];
            if (f->grp < 0 || f->grp >= ng || !sel[f->grp])
                continue;
            add(items,
                json_pack("{s:s, s:i, s:i, s:o}", "group", m->grp_code[f->grp], "community",
                          f->community, "members", f->members, "share", jr(f->share)),
                &bad);
        }
        fa = json_pack("{s:b, s:s, s:i, s:o, s:o, s:o, s:s}", "available", 1, "algorithm",
                       gr->algo == EP_GRAPH_LEIDEN ? "leiden" : "louvain", "communities",
                       gr->n_comm, "modularity", jru(gr->modularity_ok, gr->modularity),
                       "modularity_by_group", jru(gr->modularity_group_ok, gr->modularity_group),
                       "items", items, "definition", fdef);
    }
    put(res, "factions", fa, &bad);

    if ((rc = ep_run_stage(&r, "result", err))) {
        json_decref(res);
        return rc;
    }
    static const char *const inputs[] = {
        "per vote and group: Y, N, A, D and the group position (TIE explicit)",
        ("per group: mean and median Agreement Index, mean Rice, Krippendorff's alpha (nominal), "
         "participation"),
        "group-pair agreement over votes where both have a non-tie position",
        "co-voting network communities (Louvain)", NULL};
    static const char *const limits[] = {
        "TIE and NONE positions are left out of pair agreement",
        "trends are unweighted means of per-vote AI in each sitting or month",
        "stability needs at least 2 sittings with 5 common votes per pair", NULL};
    json_t *meth = methodology(
        w,
        "AI = (max(Y,N,A) - (T - max)/2) / T; Rice = |Y - N|/(Y + N); alpha = 1 - (n - 1) * "
        "sum_u[(m_u^2 - sum_c n_uc^2)/(m_u - 1)] / (n^2 - sum_c n_c^2); pair agreement = same "
        "positions / common non-tie votes; stability = 1 - 2 * mean pair sd over sittings",
        inputs, limits);
    rc = finish(ctx, &r, &tw, w, res, meth, bad, result, err);
    if (rc == 0 && fmts != EP_FMT_JSON &&
        (rc = render_coalition(ctx, args, fmts, *result, 0, err))) {
        json_decref(*result);
        *result = NULL;
    }
    return rc;
}

/* ==== 3. map_political_network ============================================================ */

static const char IN_MAP[] =
    "{\"type\":\"object\",\"properties\":{" EP_TOOLS_WINDOW_PROPS
    ",\"min_common_votes\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":100000,\"default\":10,"
    "\"description\":\"An edge needs at least this many votes both MEPs cast\"},"
    "\"top\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":100,\"default\":10,\"description\":"
    "\"How many MEPs to list per centrality\"},"
    "\"community_algorithm\":{\"type\":\"string\",\"enum\":[\"louvain\",\"leiden\"],\"default\":"
    "\"louvain\",\"description\":\"Community detection: Louvain (igraph multilevel) or Leiden "
    "(modularity objective), both at resolution 1 with a fixed seed\"},"
    "\"include_nodes\":{\"type\":\"boolean\",\"default\":false,\"description\":\"Return every node "
    "(at most 1000) with its centralities and community\"}," EP_ARTEFACT_FORMATS_PROP
    "},\"additionalProperties\":false}";

#define S_NODE                                                                                     \
    "{\"type\":\"object\",\"required\":[\"mep_id\",\"name\",\"group\",\"country\",\"degree\","     \
    "\"strength\",\"eigenvector\",\"pagerank\",\"betweenness\",\"bridge_score\",\"community\"],"   \
    "\"properties\":{" S_MEP_PROPS ",\"cast\":" S_INT ",\"degree\":" S_INT ",\"strength\":" S_NUM  \
    ",\"eigenvector\":" S_NNUM ",\"pagerank\":" S_NNUM ",\"betweenness\":" S_NNUM                  \
    ",\"bridge_score\":" S_NNUM ",\"community\":" S_NINT "}}"

static const char
    OUT_MAP
        [] =
            "{\"type\":\"object\",\"required\":[" S_COMMON_REQ
            ",\"nodes\",\"edges\",\"density\",\"min_common_votes\",\"modularity\",\"communities\","
            "\"modal_groups\",\"top\","
            "\"group_bridges\",\"threshold_graph\",\"betweenness_backbone\",\"artefacts\"],"
            "\"properties\":{" S_COMMON ",\"nodes\":" S_INT ",\"edges\":" S_INT
            ",\"density\":" S_NNUM ",\"min_common_votes\":" S_INT
            ",\"modularity\":{\"type\":\"object\",\"required\":["
            "\"detected\",\"by_group\",\"algorithm\"],\"properties\":{\"detected\":" S_NNUM
            ",\"by_group\":" S_NNUM ",\"algorithm\":" S_STR ",\"resolution\":" S_NUM
            ",\"reason\":" S_STR ",\"minimum_common_votes\":" S_INT "}},"
            "\"modal_groups\":" S_ARR(
                "{\"type\":\"object\",\"required\":[\"group\",\"nodes_with_modal_group\"],"
                "\"properties\":{\"group\":" S_NSTR ",\"nodes_with_modal_group\":" S_INT "}}") ","
            "\"communities\":{\"type\":\"object\",\"required\":[\"available\"],"
            "\"properties\":{\"available\":" S_BOOL ",\"reason\":" S_STR
            ",\"minimum_common_votes\":" S_INT ","
            "\"count\":" S_INT ",\"items\":" S_ARR(
                "{\"type\":\"object\",\"required\":[\"community\",\"size\",\"groups\"],"
                "\"properties\":{"
                "\"community\":" S_INT ",\"size\":" S_INT ",\"groups\":" S_ARR(
                    "{\"type\":\"object\",\"required\":[\"group\",\"nodes_with_modal_group\"],"
                    "\"properties\":{\"group\":" S_NSTR ",\"nodes_with_modal_group\":" S_INT
                    "}}") "}}") "}},"
                                "\"top\":{\"type\":\"object\",\"required\":[\"available\"],"
                                "\"properties\":{\"available\":" S_BOOL ",\"reason\":" S_STR
                                ",\"minimum_common_votes\":" S_INT ","
                                "\"eigenvector\":" S_ARR(S_MEPVAL) ",\"pagerank\":" S_ARR(S_MEPVAL) ",\"strength\":" S_ARR(S_MEPVAL) ",\"betweenness\":" S_ARR(
                                    S_MEPVAL) ",\"bridge_score\":" S_ARR(S_MEPVAL) "}},"
                                                                                   "\"group_"
                                                                                   "bridges\""
                                                                                   ":" S_ARR(
                                                                                       "{\"type\":"
                                                                                       "\"object\","
                                                                                       "\"required"
                                                                                       "\":[\"a\","
                                                                                       "\"b\","
                                                                                       "\"edges\","
                                                                                       "\"mean_"
                                                                                       "weight\","
                                                                                       "\"strong_"
                                                                                       "edges\"],"
                                                                                       "\"propertie"
                                                                                       "s\":{"
                                                                                       "\"a\""
                                                                                       ":" S_STR
                                                                                       ",\"b\""
                                                                                       ":" S_STR
                                                                                       ",\"edges\""
                                                                                       ":" S_INT
                                                                                       ",\"mean_"
                                                                                       "weight\""
                                                                                       ":" S_UNIT
                                                                                       ",\"strong_"
                                                                                       "edges\""
                                                                                       ":" S_INT
                                                                                       "}}") ",\"th"
                                                                                             "resho"
                                                                                             "ld_"
                                                                                             "graph"
                                                                                             "\":{"
                                                                                             "\"typ"
                                                                                             "e\":"
                                                                                             "\"obj"
                                                                                             "ect\""
                                                                                             ",\"re"
                                                                                             "quire"
                                                                                             "d\":["
                                                                                             "\"thr"
                                                                                             "eshol"
                                                                                             "d\","
                                                                                             "\"edg"
                                                                                             "es\","
                                                                                             "\"com"
                                                                                             "ponen"
                                                                                             "ts\","
                                                                                             "\"non"
                                                                                             "trivi"
                                                                                             "al_"
                                                                                             "compo"
                                                                                             "nents"
                                                                                             "\","
                                                                                             "\"lar"
                                                                                             "gest_"
                                                                                             "compo"
                                                                                             "nent"
                                                                                             "\"],"
                                                                                             "\"pro"
                                                                                             "perti"
                                                                                             "es\":"
                                                                                             "{"
                                                                                             "\"thr"
                                                                                             "eshol"
                                                                                             "d\""
                                                                                             ":" S_NUM
                                                                                             ",\"ed"
                                                                                             "ges\""
                                                                                             ":" S_INT
                                                                                             ",\"co"
                                                                                             "mpone"
                                                                                             "nts\""
                                                                                             ":" S_INT
                                                                                             ",\"no"
                                                                                             "ntriv"
                                                                                             "ial_"
                                                                                             "compo"
                                                                                             "nents"
                                                                                             "\""
                                                                                             ":" S_INT
                                                                                             ",\"la"
                                                                                             "rgest"
                                                                                             "_comp"
                                                                                             "onent"
                                                                                             "\""
                                                                                             ":" S_INT
                                                                                             "}},"
                                                                                             "\"bet"
                                                                                             "weenn"
                                                                                             "ess_"
                                                                                             "backb"
                                                                                             "one\""
                                                                                             ":{"
                                                                                             "\"typ"
                                                                                             "e\":"
                                                                                             "\"obj"
                                                                                             "ect\""
                                                                                             ",\"re"
                                                                                             "quire"
                                                                                             "d\":["
                                                                                             "\"met"
                                                                                             "hod\""
                                                                                             ",\"k"
                                                                                             "\","
                                                                                             "\"edg"
                                                                                             "es\","
                                                                                             "\"dis"
                                                                                             "tance"
                                                                                             "\"],"
                                                                                             "\"pro"
                                                                                             "perti"
                                                                                             "es\":"
                                                                                             "{\"me"
                                                                                             "thod"
                                                                                             "\""
                                                                                             ":" S_STR
                                                                                             ",\"k"
                                                                                             "\""
                                                                                             ":" S_INT
                                                                                             ",\"ed"
                                                                                             "ges\""
                                                                                             ":" S_INT
                                                                                             ",\"di"
                                                                                             "stanc"
                                                                                             "e\""
                                                                                             ":" S_STR
                                                                                             "}},"
                                                                                             "\"node_list\":" S_ARR(
                                                                                                 S_NODE) ",\"nodes_truncated\":" S_BOOL
                                                                                                         "}}";

#define MAP_MAX_NODES 1000

enum { C_EIGEN, C_PAGERANK, C_STRENGTH, C_BETWEEN, C_BRIDGE, N_CENT };

static double cent_val(const struct ep_graph_node *nd, int c, int *ok)
{
    double x = 0;
    switch (c) {
    case C_EIGEN: x = nd->eigen; break;
    case C_PAGERANK: x = nd->pagerank; break;
    case C_STRENGTH: x = nd->strength; break;
    case C_BETWEEN: x = nd->betweenness; break;
    default:
        x = nd->bridge;
        if (!nd->bridge_ok)
            x = -1;
    }
    *ok = x >= 0 && isfinite(x);
    return x;
}

static const struct ep_graph *sort_g;
static int sort_c;
static int cmp_node_cent(const void *x, const void *y)
{
    int a = *(const int *)x, b = *(const int *)y, oa, ob;
    double va = cent_val(&sort_g->node[a], sort_c, &oa),
           vb = cent_val(&sort_g->node[b], sort_c, &ob);
    if (!oa)
        va = -1;
    if (!ob)
        vb = -1;
    if (va != vb)
        return va < vb ? 1 : -1;
    return a - b;
}

static int t_map(struct ep_tool_ctx *ctx, json_t *args, json_t **result, struct ep_error *err)
{
    struct ep_run r;
    run_init(&r, ctx, "map_political_network", 5);
    unsigned fmts;
    if (ep_artefact_formats(args, EP_FMT_JSON | EP_FMT_GRAPHML | EP_FMT_PNG,
                            "map_political_network", &fmts, err))
        return EP_EINVAL;
    struct ep_tools_window tw;
    struct ep_win *w = NULL;
    int rc = ep_run_stage(&r, "loading the window", err);
    if (!rc)
        rc = win_get(ctx, args, &tw, &w, err);
    if (rc)
        return rc;
    json_t *j;
    int min_common =
        (j = json_object_get(args, "min_common_votes")) ? (int)json_integer_value(j) : 10;
    int top = (j = json_object_get(args, "top")) ? (int)json_integer_value(j) : 10;
    int incl = json_is_true(json_object_get(args, "include_nodes"));
    const char *algo_name = json_string_value(json_object_get(args, "community_algorithm"));
    int algo = algo_name && strcmp(algo_name, "leiden") == 0 ? EP_GRAPH_LEIDEN : EP_GRAPH_LOUVAIN;
    if ((rc = ep_run_stage(&r, "co-voting network (kernel, centralities, communities)", err)) ||
        (rc = need_graph_algo(w, &r, min_common, algo, 1, err)))
        return rc;
    if ((rc = ep_run_stage(&r, "names and rankings", err)) || (rc = ep_win_need_names(w, err)))
        return rc;
    const struct ep_matrix *m = w->m;
    const struct ep_graph *g = &w->g;
    int n = g->n_node, ng = m->n_grp, bad = 0;
    json_t *res = json_object();
    put(res, "nodes", json_integer(n), &bad);
    put(res, "edges", json_integer(g->n_edge), &bad);
    put(res, "density", n >= 2 ? jr(2.0 * g->n_edge / ((double)n * (n - 1))) : json_null(), &bad);
    put(res, "min_common_votes", json_integer(g->min_common), &bad);
    json_t *mod =
        json_pack("{s:o, s:o, s:s, s:f}", "detected", jru(g->modularity_ok, g->modularity),
                  "by_group", jru(g->modularity_group_ok, g->modularity_group), "algorithm",
                  g->algo == EP_GRAPH_LEIDEN ? "leiden" : "louvain", "resolution", 1.0);
    /* without edge weight there is no modularity, no community structure (Louvain would return
     * one singleton per MEP) and no centrality ranking (every strength 0, PageRank uniform) */
    int has_w = graph_weighted(g);
    json_t *ne_mod = NULL, *ne_comm = NULL, *ne_top = NULL;
    if (!has_w) {
        ne_mod = no_edges(&r, w, g, "modularity");
        ne_comm = no_edges(&r, w, g, "communities");
        ne_top = no_edges(&r, w, g, "top (centrality rankings)");
        if (!ne_mod || !ne_comm || !ne_top)
            bad = 1;
        put(mod, "reason", json_incref(json_object_get(ne_mod, "reason")), &bad);
        put(mod, "minimum_common_votes", json_integer(g->min_common), &bad);
        json_decref(ne_mod);
    } else if (!g->modularity_ok || !g->modularity_group_ok)
        put(mod, "reason", json_string("igraph could not compute the modularity"), &bad);
    put(res, "modularity", mod, &bad);

    /* communities: size and group composition (groups sorted by members) */
    int nc = g->n_comm;
    int *cg = calloc((size_t)(nc > 0 ? nc : 1) * (EP_MATRIX_MAX_GROUPS + 1), sizeof *cg);
    int *idx = malloc((size_t)(n > 0 ? n : 1) * sizeof *idx);
    if (!cg || !idx) {
        free(cg);
        free(idx);
        json_decref(res);
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    for (int k = 0; k < n; k++) {
        int c = g->node[k].community,
            gg = g->node[k].grp < ng ? g->node[k].grp : EP_MATRIX_MAX_GROUPS;
        if (c >= 0 && c < nc)
            cg[(size_t)c * (EP_MATRIX_MAX_GROUPS + 1) + (size_t)gg]++;
    }
    json_t *citems = json_array();
    for (int c = 0; has_w && c < nc; c++) {
        int *row = cg + (size_t)c * (EP_MATRIX_MAX_GROUPS + 1), size = 0;
        for (int x = 0; x <= EP_MATRIX_MAX_GROUPS; x++)
            size += row[x];
        json_t *gl = json_array();
        uint8_t done[EP_MATRIX_MAX_GROUPS + 1] = {0};
        for (;;) {
            int best = -1;
            for (int x = 0; x <= EP_MATRIX_MAX_GROUPS; x++)
                if (!done[x] && row[x] > 0 && (best < 0 || row[x] > row[best]))
                    best = x;
            if (best < 0)
                break;
            done[best] = 1;
            const char *code = best < ng ? m->grp_code[best] : NULL;
            add(gl,
                json_pack("{s:o, s:i}", "group", code ? json_string(code) : json_null(),
                          "nodes_with_modal_group", row[best]),
                &bad);
        }
        add(citems, json_pack("{s:i, s:i, s:o}", "community", c, "size", size, "groups", gl), &bad);
    }
    if (has_w) {
        put(res, "communities",
            json_pack("{s:b, s:i, s:o}", "available", 1, "count", nc, "items", citems), &bad);
    } else {
        json_decref(citems);
        put(res, "communities", ne_comm, &bad);
    }
    /* nodes per modal group over the whole network (a node's group is the one it held longest in
     * the window), largest first: not seats, not members in the window */
    {
        int per[EP_MATRIX_MAX_GROUPS + 1] = {0};
        for (int k = 0; k < n; k++)
            per[g->node[k].grp >= 0 && g->node[k].grp < ng ? g->node[k].grp
                                                             : EP_MATRIX_MAX_GROUPS]++;
        json_t *mg = json_array();
        uint8_t done[EP_MATRIX_MAX_GROUPS + 1] = {0};
        for (;;) {
            int best = -1;
            for (int x = 0; x <= EP_MATRIX_MAX_GROUPS; x++)
                if (!done[x] && per[x] > 0 && (best < 0 || per[x] > per[best]))
                    best = x;
            if (best < 0)
                break;
            done[best] = 1;
            add(mg,
                json_pack("{s:o, s:i}", "group",
                          best < ng ? json_string(m->grp_code[best]) : json_null(),
                          "nodes_with_modal_group", per[best]),
                &bad);
        }
        put(res, "modal_groups", mg, &bad);
    }
    free(cg);

    /* top MEPs per centrality */
    static const char *const cname[N_CENT] = {"eigenvector", "pagerank", "strength", "betweenness",
                                              "bridge_score"};
    json_t *topo = has_w ? json_pack("{s:b}", "available", 1) : ne_top;
    for (int c = 0; has_w && c < N_CENT; c++) {
        for (int k = 0; k < n; k++)
            idx[k] = k;
        sort_g = g;
        sort_c = c;
        qsort(idx, (size_t)n, sizeof *idx, cmp_node_cent);
        json_t *a = json_array();
        for (int k = 0; k < n && k < top; k++) {
            int ok;
            double x = cent_val(&g->node[idx[k]], c, &ok);
            if (!ok)
                break;
            add(a, mep_json(w, g->node[idx[k]].mep, 1, x), &bad);
        }
        put(topo, cname[c], a, &bad);
    }
    put(res, "top", topo, &bad);
    free(idx);

    /* bridges between groups: cross-group edges by modal group pair */
    if ((rc = ep_run_stage(&r, "bridges between groups", err))) {
        json_decref(res);
        return rc;
    }
    size_t gp = (size_t)EP_MATRIX_MAX_GROUPS * EP_MATRIX_MAX_GROUPS;
    int *ecnt = calloc(gp, sizeof *ecnt), *estr = calloc(gp, sizeof *estr);
    double *ew = calloc(gp, sizeof *ew);
    if (!ecnt || !estr || !ew) {
        free(ecnt);
        free(estr);
        free(ew);
        json_decref(res);
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    if (g->have_graph) {
        igraph_integer_t ne = igraph_ecount(&g->g);
        for (igraph_integer_t e = 0; e < ne; e++) {
            int a = g->node[IGRAPH_FROM(&g->g, e)].grp, b = g->node[IGRAPH_TO(&g->g, e)].grp;
            if (a >= ng || b >= ng || a == b)
                continue;
            if (a > b) {
                int t = a;
                a = b;
                b = t;
            }
            double wt = VECTOR(g->weight)[e];
            size_t c = (size_t)a * EP_MATRIX_MAX_GROUPS + (size_t)b;
            ecnt[c]++;
            ew[c] += wt;
            estr[c] += wt >= g->threshold;
        }
    }
    json_t *gb = json_array();
    for (int a = 0; a < ng; a++)
        for (int b = a + 1; b < ng; b++) {
            size_t c = (size_t)a * EP_MATRIX_MAX_GROUPS + (size_t)b;
            if (!ecnt[c])
                continue;
            add(gb,
                json_pack("{s:s, s:s, s:i, s:o, s:i}", "a", m->grp_code[a], "b", m->grp_code[b],
                          "edges", ecnt[c], "mean_weight", jr(clamp01(ew[c] / ecnt[c])),
                          "strong_edges", estr[c]),
                &bad);
        }
    free(ecnt);
    free(estr);
    free(ew);
    put(res, "group_bridges", gb, &bad);
    put(res, "threshold_graph",
        json_pack("{s:o, s:i, s:i, s:i, s:i}", "threshold", jr(g->threshold), "edges", g->thr_edges,
                  "components", g->thr_components, "nontrivial_components",
                  g->thr_components_nontrivial, "largest_component", g->thr_largest),
        &bad);
    put(res, "betweenness_backbone",
        json_pack("{s:s, s:i, s:i, s:s}", "method",
                  "union of each MEP's top-k strongest edges (ties to the lower neighbour index); "
                  "betweenness on the full dense graph is O(V*E) and is not computed",
                  "k", g->top_k, "edges", g->backbone_edges, "distance",
                  "1 - w (w = 1 edges get 1e-6)"),
        &bad);
    put(res, "artefacts",
        ep_tools_unavailable("no files requested: pass formats [\"graphml\", \"png\"] for the "
                             "network GraphML and the network and political-map PNGs"),
        &bad);
    if (incl) {
        json_t *nl = json_array();
        for (int k = 0; k < n && k < MAP_MAX_NODES; k++) {
            const struct ep_graph_node *nd = &g->node[k];
            json_t *o = mep_json(w, nd->mep, 0, 0);
            put(o, "cast", json_integer(nd->cast), &bad);
            put(o, "degree", json_integer(nd->degree), &bad);
            put(o, "strength", jr(nd->strength), &bad);
            put(o, "eigenvector", has_w && nd->eigen >= 0 ? jr(nd->eigen) : json_null(), &bad);
            put(o, "pagerank", has_w && nd->pagerank >= 0 ? jr(nd->pagerank) : json_null(), &bad);
            put(o, "betweenness",
                has_w && nd->betweenness >= 0 ? jr(nd->betweenness) : json_null(), &bad);
            put(o, "bridge_score", jru(nd->bridge_ok && nd->bridge >= 0, nd->bridge), &bad);
            put(o, "community", has_w ? json_integer(nd->community) : json_null(), &bad);
            add(nl, o, &bad);
        }
        put(res, "node_list", nl, &bad);
        put(res, "nodes_truncated", json_boolean(n > MAP_MAX_NODES), &bad);
    }
    static const char *const inputs[] = {
        "bit-plane agreement kernel: same = popcount(F_i&F_j) + popcount(A_i&A_j) + "
        "popcount(B_i&B_j), both = popcount(C_i&C_j)",
        "nodes: MEPs with >= 1 cast vote; modal group and country as attributes", NULL};
    static const char *const limits[] = {
        "betweenness is computed on the top-k backbone, not on the dense graph",
        "communities come from Louvain with a fixed seed (42); other seeds may differ slightly",
        "GraphML and PNG files only on request (formats)", NULL};
    json_t *meth = methodology(
        w,
        "w(i,j) = same/both for pairs with both >= min_common_votes; strength = sum w; "
        "eigenvector centrality (weighted, max 1); PageRank (damping 0.85); betweenness on "
        "distances 1 - w over the backbone; bridge = share of top-k weight to other groups; "
        "Newman weighted modularity at resolution 1",
        inputs, limits);
    if (fmts & EP_FMT_PNG) {
        struct ep_stats_map_params mpp;
        ep_stats_map_params_default(&mpp);
        if (m->n_vote < mpp.min_cast)
            ep_run_too_short(&r, "votes", m->n_vote, mpp.min_cast,
                      "political-map (MEPs need %d cast votes)", mpp.min_cast);
    }
    rc = finish(ctx, &r, &tw, w, res, meth, bad, result, err);
    if (rc == 0 && fmts != EP_FMT_JSON && (rc = render_map(ctx, w, args, fmts, *result, err))) {
        json_decref(*result);
        *result = NULL;
    }
    return rc;
}

/* ==== 4. detect_voting_anomalies =========================================================== */

static const char IN_ANOM[] =
    "{\"type\":\"object\",\"properties\":{" EP_TOOLS_WINDOW_PROPS
    ",\"scope\":{\"type\":\"string\",\"enum\":[\"mep\",\"group\",\"parliament\"],\"default\":"
    "\"parliament\",\"description\":\"Whose baseline to check\"},"
    "\"mep_id\":{\"type\":\"integer\",\"minimum\":1,\"description\":\"EP member id (scope mep)\"},"
    "\"group\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":15,\"description\":\"Group code "
    "(scope group)\"},"
    "\"threshold\":{\"type\":\"number\",\"minimum\":1,\"maximum\":20,\"default\":3.5,"
    "\"description\":\"|z| above this flags a sitting\"},"
    "\"min_observations\":{\"type\":\"integer\",\"minimum\":3,\"maximum\":1000,\"default\":8,"
    "\"description\":\"Fewest defined sittings a baseline needs\"}},"
    "\"additionalProperties\":false}";

#define S_ALERT                                                                                    \
    "{\"type\":\"object\",\"required\":[\"entity_type\",\"entity\",\"kind\",\"measure\","          \
    "\"severity\",\"z\",\"value\",\"baseline_median\",\"date\",\"votes\",\"votes_total\"],"        \
    "\"properties\":{\"entity_type\":{\"type\":\"string\",\"enum\":[\"mep\",\"group\","            \
    "\"parliament\"]},\"entity\":" S_STR ",\"mep_id\":" S_INT ",\"group\":" S_NSTR                 \
    ",\"kind\":{\"type\":\"string\",\"enum\":[\"defection_surge\",\"abstention_spike\","           \
    "\"participation_drop\",\"cohesion_break\"]},\"measure\":" S_STR                               \
    ",\"severity\":{\"type\":\"string\",\"enum\":[\"high\",\"medium\"]},\"z\":" S_NUM              \
    ",\"z_robust\":" S_NUM ",\"z_classic\":" S_NNUM ",\"flagged_by\":" S_STRS ",\"value\":" S_NUM  \
    ",\"baseline_median\":" S_NUM ",\"date\":" S_STR ",\"votes\":" S_INTS                          \
    ",\"votes_total\":" S_INT "}}"
#define S_SERIES                                                                                   \
    "{\"type\":\"object\",\"required\":[\"entity_type\",\"entity\",\"measure\",\"status\","        \
    "\"observations\",\"minimum\"],\"properties\":{\"entity_type\":" S_STR ",\"entity\":" S_STR    \
    ",\"measure\":" S_STR ",\"status\":{\"type\":\"string\",\"enum\":[\"ok\","                     \
    "\"too_few_observations\",\"unavailable\"]},\"observations\":" S_INT ",\"minimum\":" S_INT                     \
    ",\"median\":" S_NNUM ",\"scale\":" S_STR ",\"alerts\":" S_INT ",\"reason\":" S_STR "}}"

static const char OUT_ANOM[] =
    "{\"type\":\"object\",\"required\":[" S_COMMON_REQ
    ",\"scope\",\"threshold\",\"min_observations\",\"severity_rule\",\"alerts\",\"alerts_total\","
    "\"series\",\"summary\"],\"properties\":{" S_COMMON
    ",\"scope\":{\"type\":\"string\",\"enum\":[\"mep\",\"group\",\"parliament\"]},"
    "\"entity\":" S_OBJ ",\"threshold\":" S_NUM ",\"min_observations\":" S_INT
    ",\"severity_rule\":" S_STR
    ",\"alerts\":" S_ARR(S_ALERT) ",\"alerts_total\":" S_INT ",\"series\":" S_ARR(
        S_SERIES) ",\"summary\":{\"type\":\"object\",\"required\":[\"series\","
                  "\"series_too_short\",\"alerts\",\"note\"],\"properties\":{\"series\":" S_INT
                  ",\"suppressed_low_evidence\":" S_INT ",\"series_too_short\":" S_INT
                  ",\"alerts\":" S_INT ",\"note\":" S_STR "}},"
                  "\"mep_scan\":" S_DIM(",\"meps_checked\":" S_INT ",\"too_short\":" S_INT
                                        ",\"alerts\":" S_INT ",\"measure\":" S_STR) "}}";

#define ANOM_MAX_ALERTS 200
#define ANOM_MAX_VOTES 50
#define SEV_HIGH 5.0
#define ANOM_MIN_HITS 3

struct anom_ctx {
    struct ep_win *w;
    struct ep_stats_outlier_params op;
    json_t *alerts, *series;
    int n_series, n_short, n_alerts, n_suppressed;
    int bad;
    int dnv_unk; /* votes of the window where who did not vote is unknown */
};

static const char *const measure_name[4] = {"defection_rate", "abstention_rate",
                                            "participation_rate", "cohesion_ai"};
static const char *const kind_name[4] = {"defection_surge", "abstention_spike",
                                         "participation_drop", "cohesion_break"};
static const int kind_sign[4] = {+1, +1, -1, -1};

static const char *scale_name(int s)
{
    return s == EP_SCALE_MAD ? "1.4826*MAD" : s == EP_SCALE_MEANAD ? "1.253314*MeanAD" : "constant";
}

/* Turn one outlier list into alerts. votes/hits arrays (may be NULL) come with the outliers. */
static void emit_alerts(struct anom_ctx *a, const char *etype, const char *entity, int mep, int grp,
                        int meas, const struct ep_stats_outliers *ol,
                        const struct ep_stats_series *se, const struct ep_stats_periods *p,
                        const int *const *pvotes, const int *pnv, int record_series)
{
    const struct ep_matrix *m = a->w->m;
    int nal = 0;
    if (meas == EP_MEASURE_PARTICIPATION && a->dnv_unk) {
        /* a participation series over votes where who did not vote is unknown would read
         * 100 %: not a baseline */
        if (!record_series)
            return;
        char why[600];
        ep_tools_dnv_reason(why, sizeof why, a->dnv_unk, m->n_vote);
        a->n_series++;
        add(a->series,
            json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:s}", "entity_type", etype, "entity",
                      entity, "measure", measure_name[meas], "status", "unavailable",
                      "observations", 0, "minimum", a->op.min_obs, "reason", why),
            &a->bad);
        return;
    }
    for (int k = 0; ol->status == EP_OUTLIERS_OK && k < ol->n; k++) {
        const struct ep_stats_outlier *o = &ol->o[k];
        double zr = o->z_robust, zc = o->classic_ok ? o->z_classic : 0;
        int fr = (o->flags & EP_OUTLIER_ROBUST) && zr * kind_sign[meas] > 0;
        int fc = (o->flags & EP_OUTLIER_CLASSIC) && o->classic_ok && zc * kind_sign[meas] > 0;
        if (!fr && !fc)
            continue;
        double z = fr && (!fc || fabs(zr) >= fabs(zc)) ? zr : zc;
        /* an MEP's defection or abstention "surge" needs >= ANOM_MIN_HITS such votes in the
         * sitting: one or two votes against a zero baseline give huge z-scores but no story */
        if (mep >= 0 && (meas == 0 || meas == 1) && o->n_hits < ANOM_MIN_HITS) {
            a->n_suppressed++;
            continue;
        }
        nal++;
        a->n_alerts++;
        char date[11];
        period_str(p, o->point, date);
        const int *vv;
        int nv;
        if (pvotes) {
            vv = pvotes[o->point];
            nv = pnv[o->point];
        } else if ((meas == 0 || meas == 1) && o->n_hits > 0) {
            vv = o->hits;
            nv = o->n_hits;
        } else {
            vv = o->votes;
            nv = o->n_votes;
        }
        json_t *fl = json_array();
        if (fr)
            add(fl, json_string("robust"), &a->bad);
        if (fc)
            add(fl, json_string("classic"), &a->bad);
        json_t *al =
            json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:o, s:i}",
                      "entity_type", etype, "entity", entity, "kind", kind_name[meas], "measure",
                      measure_name[meas], "severity", fabs(z) >= SEV_HIGH ? "high" : "medium", "z",
                      jr(z), "z_robust", jr(zr), "z_classic", jru(o->classic_ok, zc), "flagged_by",
                      fl, "value", jr(o->x), "baseline_median", jr(ol->median), "date", date,
                      "votes", vote_ids(m, vv, nv, ANOM_MAX_VOTES), "votes_total", nv);
        if (al && mep >= 0)
            put(al, "mep_id", json_integer((json_int_t)m->mep_id[mep]), &a->bad);
        if (al && grp >= 0)
            put(al, "group", json_string(m->grp_code[grp]), &a->bad);
        add(a->alerts, al, &a->bad);
    }
    (void)se;
    if (!record_series)
        return;
    a->n_series++;
    json_t *s;
    if (ol->status == EP_OUTLIERS_TOO_FEW) {
        a->n_short++;
        char why[200];
        snprintf(why, sizeof why,
                 "series too short: %d defined sittings, at least %d needed for a baseline",
                 ol->n_obs, a->op.min_obs);
        s = json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:s}", "entity_type", etype, "entity", entity,
                      "measure", measure_name[meas], "status", "too_few_observations",
                      "observations", ol->n_obs, "minimum", a->op.min_obs, "reason", why);
    } else {
        s = json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:o, s:s, s:i}", "entity_type", etype,
                      "entity", entity, "measure", measure_name[meas], "status", "ok",
                      "observations", ol->n_obs, "minimum", a->op.min_obs, "median", jr(ol->median),
                      "scale", scale_name(ol->scale), "alerts", nal);
    }
    add(a->series, s, &a->bad);
}

static int baseline_alerts(struct anom_ctx *a, int entity, int idx, int meas, const char *etype,
                           const char *ename, int record_series, struct ep_error *err)
{
    struct ep_win *w = a->w;
    struct ep_stats_baseline b;
    memset(&b, 0, sizeof b);
    int rc = ep_stats_baseline(w->m, &w->vs, &w->per[EP_PERIOD_SITTING], entity, idx, meas, &a->op,
                               &b, err);
    if (rc) {
        ep_stats_baseline_free(&b);
        return rc;
    }
    emit_alerts(a, etype, ename, entity == EP_ENTITY_MEP ? idx : -1,
                entity == EP_ENTITY_GROUP ? idx : -1, meas, &b.outliers, &b.series,
                &w->per[EP_PERIOD_SITTING], NULL, NULL, record_series);
    ep_stats_baseline_free(&b);
    return 0;
}

static int cmp_alert(const void *x, const void *y)
{
    json_t *a = *(json_t *const *)x, *b = *(json_t *const *)y;
    double za = fabs(json_real_value(json_object_get(a, "z")));
    double zb = fabs(json_real_value(json_object_get(b, "z")));
    return (za < zb) - (za > zb);
}

static int t_anomalies(struct ep_tool_ctx *ctx, json_t *args, json_t **result, struct ep_error *err)
{
    struct ep_run r;
    run_init(&r, ctx, "detect_voting_anomalies", 6);
    struct ep_tools_window tw;
    struct ep_win *w = NULL;
    int rc = ep_run_stage(&r, "loading the window", err);
    if (!rc)
        rc = win_get(ctx, args, &tw, &w, err);
    if (rc)
        return rc;
    const struct ep_matrix *m = w->m;
    const char *scope = json_string_value(json_object_get(args, "scope"));
    if (!scope)
        scope = "parliament";
    struct anom_ctx a;
    memset(&a, 0, sizeof a);
    a.w = w;
    a.dnv_unk = ep_tools_dnv_unknown(m, 0, m->n_vote);
    ep_stats_outlier_params_default(&a.op);
    json_t *j;
    if ((j = json_object_get(args, "threshold")))
        a.op.threshold = json_number_value(j);
    if ((j = json_object_get(args, "min_observations")))
        a.op.min_obs = (int)json_integer_value(j);
    int mep = -1, grp = -1;
    if (strcmp(scope, "mep") == 0) {
        if (!json_is_integer(json_object_get(args, "mep_id")))
            return ep_error_set(err, EP_EINVAL,
                                "argument \"mep_id\" is required when scope is \"mep\"");
        if ((rc = find_mep(ctx, w, (int64_t)json_integer_value(json_object_get(args, "mep_id")),
                           "mep_id", &mep, err)))
            return rc;
    } else if (strcmp(scope, "group") == 0) {
        const char *gc = json_string_value(json_object_get(args, "group"));
        if (!gc)
            return ep_error_set(err, EP_EINVAL,
                                "argument \"group\" is required when scope is \"group\"");
        if ((grp = find_group(ctx->store, m, gc, "group", err)) < 0)
            return grp;
    }
    if ((rc = ep_run_stage(&r, "vote statistics and sittings", err)) || (rc = ep_win_need_vs(w, err)) ||
        (rc = ep_win_need_per(w, EP_PERIOD_SITTING, err)) || (rc = ep_win_need_names(w, err)))
        return rc;
    if ((rc = ep_run_stage(&r, "baselines and robust z-scores", err)))
        return rc;
    a.alerts = json_array();
    a.series = json_array();
    json_t *res = json_object(), *ent = NULL, *scan = NULL;
    const struct ep_stats_periods *ps = &w->per[EP_PERIOD_SITTING];
    if (mep >= 0) {
        for (int meas = 0; meas < 3 && !rc; meas++)
            rc = baseline_alerts(&a, EP_ENTITY_MEP, mep, meas, "mep", w->name[mep], 1, err);
        ent = mep_json(w, mep, 0, 0);
    } else if (grp >= 0) {
        for (int meas = 0; meas < 4 && !rc; meas++)
            rc = baseline_alerts(&a, EP_ENTITY_GROUP, grp, meas, "group", m->grp_code[grp], 1, err);
        ent = json_pack("{s:s}", "group", m->grp_code[grp]);
    } else {
        /* parliament as a whole: participation and abstention per sitting */
        int np = ps->n;
        double *x = calloc((size_t)(np > 0 ? np : 1) * 2, sizeof *x);
        uint8_t *ok = calloc((size_t)(np > 0 ? np : 1) * 2, 1);
        const int **pv = calloc((size_t)(np > 0 ? np : 1), sizeof *pv);
        int *pn = calloc((size_t)(np > 0 ? np : 1), sizeof *pn);
        if (!x || !ok || !pv || !pn)
            rc = ep_error_set(err, EP_ENOMEM, "out of memory");
        for (int k = 0; !rc && x && ok && pv && pn && k < np; k++) {
            long long T = 0, D = 0, Ab = 0;
            for (int q = ps->start[k]; q < ps->start[k + 1]; q++) {
                const struct ep_stats_vg *vg = w->vs.vg + (size_t)ps->vote[q] * (size_t)m->n_grp;
                for (int g = 0; g < m->n_grp; g++) {
                    T += vg[g].y + vg[g].n + vg[g].a;
                    D += vg[g].d;
                    Ab += vg[g].a;
                }
            }
            pv[k] = ps->vote + ps->start[k];
            pn[k] = ps->start[k + 1] - ps->start[k];
            ok[k] = T + D > 0;
            x[k] = ok[k] ? (double)T / (double)(T + D) : EP_STATS_UNDEF;
            ok[np + k] = T > 0;
            x[np + k] = T > 0 ? (double)Ab / (double)T : EP_STATS_UNDEF;
        }
        for (int s = 0; !rc && s < 2; s++) {
            struct ep_stats_outliers ol;
            memset(&ol, 0, sizeof ol);
            rc = ep_stats_outliers_find(x + (size_t)s * (size_t)np, ok + (size_t)s * (size_t)np, np,
                                        &a.op, &ol, err);
            if (!rc)
                emit_alerts(&a, "parliament", "European Parliament", -1, -1, s == 0 ? 2 : 1, &ol,
                            NULL, ps, pv, pn, 1);
            ep_stats_outliers_free(&ol);
        }
        free(x);
        free(ok);
        free(pv);
        free(pn);
        for (int g = 0; g < m->n_grp && !rc; g++)
            for (int meas = 0; meas < 4 && !rc; meas++)
                rc = baseline_alerts(&a, EP_ENTITY_GROUP, g, meas, "group", m->grp_code[g], 1, err);
        /* every MEP's defection baseline (series summarised, not listed) */
        if (!rc && !(rc = ep_run_stage(&r, "MEP defection baselines", err)) &&
            !(rc = ep_win_need_mser(w, ctx->cancelled, err))) {
            int checked = 0, before = a.n_alerts, shorts = 0;
            for (int i = 0; i < m->n_mep && !rc; i++) {
                if (i % 64 == 0 && ctx->cancelled && *ctx->cancelled)
                    rc = ep_error_set(err, EP_ECANCELED, "detect_voting_anomalies: cancelled");
                if (rc)
                    break;
                struct ep_stats_outliers ol;
                memset(&ol, 0, sizeof ol);
                rc = ep_stats_outliers_find(w->mser_x + (size_t)i * (size_t)np,
                                            w->mser_ok + (size_t)i * (size_t)np, np, &a.op, &ol,
                                            err);
                if (!rc && ol.n_obs > 0) {
                    checked++;
                    if (ol.status == EP_OUTLIERS_TOO_FEW)
                        shorts++;
                    for (int k = 0; k < ol.n && !rc; k++) {
                        struct ep_stats_outlier *o = &ol.o[k];
                        rc = ep_stats_series_votes(m, &w->vs, ps, EP_ENTITY_MEP, i,
                                                   EP_MEASURE_DEFECTION, o->point, &o->votes,
                                                   &o->n_votes, &o->hits, &o->n_hits, err);
                    }
                    if (!rc)
                        emit_alerts(&a, "mep", w->name[i], i, -1, 0, &ol, NULL, ps, NULL, NULL, 0);
                }
                ep_stats_outliers_free(&ol);
            }
            scan = json_pack("{s:b, s:s, s:i, s:i, s:i}", "available", 1, "measure",
                             "defection_rate per sitting of every MEP", "meps_checked", checked,
                             "too_short", shorts, "alerts", a.n_alerts - before);
        }
    }
    if (rc) {
        json_decref(res);
        json_decref(ent);
        json_decref(scan);
        json_decref(a.alerts);
        json_decref(a.series);
        return rc;
    }
    if ((rc = ep_run_stage(&r, "result", err))) {
        json_decref(res);
        json_decref(ent);
        json_decref(scan);
        json_decref(a.alerts);
        json_decref(a.series);
        return rc;
    }
    /* sort alerts by |z|, keep the first ANOM_MAX_ALERTS */
    size_t na = json_array_size(a.alerts);
    json_t **av = malloc((na > 0 ? na : 1) * sizeof *av);
    json_t *sorted = json_array();
    if (!av)
        a.bad = 1;
    for (size_t k = 0; av && k < na; k++)
        av[k] = json_array_get(a.alerts, k);
    if (av)
        qsort(av, na, sizeof *av, cmp_alert);
    for (size_t k = 0; av && k < na && k < ANOM_MAX_ALERTS; k++)
        add(sorted, json_incref(av[k]), &a.bad);
    free(av);
    json_decref(a.alerts);
    int bad = a.bad;
    put(res, "scope", json_string(scope), &bad);
    if (ent)
        put(res, "entity", ent, &bad);
    put(res, "threshold", jr(a.op.threshold), &bad);
    put(res, "min_observations", json_integer(a.op.min_obs), &bad);
    char rule[600];
    snprintf(rule, sizeof rule,
             "a sitting is flagged when |z| > %.2f in the alert's direction (defections and "
             "abstentions up, participation and cohesion down); severity high when |z| >= %.1f, "
             "else medium; z = the robust z (median/MAD), or the classic z when only it flags; "
             "an MEP's defection or abstention alert also needs >= %d such votes in the sitting",
             a.op.threshold, SEV_HIGH, ANOM_MIN_HITS);
    put(res, "severity_rule", json_string(rule), &bad);
    put(res, "alerts", sorted, &bad);
    put(res, "alerts_total", json_integer(a.n_alerts), &bad);
    put(res, "series", a.series, &bad);
    char note[400];
    if (a.n_series > 0 && a.n_short == a.n_series)
        snprintf(note, sizeof note,
                 "every series is too short for a baseline: %d sittings in the window, at least "
                 "%d defined sittings needed; widen the window or lower min_observations",
                 ps->n, a.op.min_obs);
    else
        snprintf(note, sizeof note,
                 "%d alert(s) over %d series (%d too short: fewer than %d "
                 "defined sittings)",
                 a.n_alerts, a.n_series, a.n_short, a.op.min_obs);
    put(res, "summary",
        json_pack("{s:i, s:i, s:i, s:i, s:s}", "series", a.n_series, "series_too_short", a.n_short,
                  "alerts", a.n_alerts, "suppressed_low_evidence", a.n_suppressed, "note", note),
        &bad);
    if (ps->n < a.op.min_obs)
        ep_run_too_short(&r, "sittings", ps->n, a.op.min_obs, "baselines and outliers (every series)");
    if (scan)
        put(res, "mep_scan", scan, &bad);
    else if (strcmp(scope, "parliament") != 0)
        put(res, "mep_scan", ep_tools_unavailable("only with scope \"parliament\""), &bad);
    static const char *const inputs[] = {
        "per-sitting series per entity: defection rate, abstention rate, participation, "
        "cohesion (group mean AI)",
        "parliament: sums over all groups of T, D and A per sitting", NULL};
    static const char *const limits[] = {
        "a baseline needs min_observations defined sittings; shorter series give no alerts",
        "the MEP scan checks defection surges only; alerts list at most 200, votes at most 50",
        NULL};
    json_t *meth = methodology(
        w,
        "robust z = (x - median) / (1.4826 * MAD) over the entity's own per-sitting series "
        "(MeanAD fallback when MAD = 0); classic z = (x - mean)/sd added when >= 30 points",
        inputs, limits);
    return finish(ctx, &r, &tw, w, res, meth, bad, result, err);
}

/* ==== 5. generate_political_risk_assessment =============================================== */

static const char IN_RISK[] = "{\"type\":\"object\",\"properties\":{" EP_TOOLS_WINDOW_PROPS
                              "," EP_ARTEFACT_FORMATS_PROP "},\"additionalProperties\":false}";

#define S_RDIM                                                                                     \
    S_DIM(",\"value\":" S_UNIT ",\"weight\":" S_UNIT ",\"normalisation\":" S_STR                   \
          ",\"definition\":" S_STR ",\"evidence\":" S_OBJ ",\"minimum_sittings\":" S_INT)

static const char OUT_RISK[] =
    "{\"type\":\"object\",\"required\":[" S_COMMON_REQ
    ",\"level\",\"composite\",\"thresholds\",\"weights\",\"dimensions\",\"normalisation\"],"
    "\"properties\":{" S_COMMON ",\"level\":{\"type\":\"string\",\"enum\":[\"LOW\",\"MODERATE\","
    "\"HIGH\",\"CRITICAL\"]},\"composite\":" S_UNIT ",\"thresholds\":{\"type\":\"object\","
    "\"required\":[\"MODERATE\",\"HIGH\",\"CRITICAL\",\"rule\"],\"properties\":{\"MODERATE\":" S_NUM
    ",\"HIGH\":" S_NUM ",\"CRITICAL\":" S_NUM ",\"rule\":" S_STR "}},\"weights\":" S_WEIGHTS
    ",\"dimensions\":{\"type\":\"object\",\"required\":[\"declining_cohesion\",\"fragmentation\","
    "\"defection_surges\",\"close_votes\",\"swing_pivotality\"],\"properties\":{"
    "\"declining_cohesion\":" S_RDIM ",\"fragmentation\":" S_RDIM ",\"defection_surges\":" S_RDIM
    ",\"close_votes\":" S_RDIM ",\"swing_pivotality\":" S_RDIM "}},\"normalisation\":" S_STR "}}";

enum { R_COH, R_FRAG, R_DEF, R_CLOSE, R_SWING, N_RDIM };
static const char *const rdim_name[N_RDIM] = {
    "declining_cohesion", "fragmentation", "defection_surges", "close_votes", "swing_pivotality"};
static const double rdim_weight[N_RDIM] = {0.25, 0.20, 0.20, 0.20, 0.15};
static const char *const rdim_norm[N_RDIM] = {
    "clamp(decline / 0.10, 0, 1): a seat-weighted AI drop of 0.10 or more between the first and "
    "the second half of the window's sittings is maximal risk",
    "mean of clamp((ENP_seats - 2)/6), clamp((ENP_votes - 2)/6) and clamp(Q_detected / 0.3)",
    "clamp(flagged share / 0.05, 0, 1): 5% or more of the group-sittings flagged is maximal risk",
    "clamp(close share / 0.20, 0, 1): 20% or more of the votes close is maximal risk",
    "clamp(swing share / 0.50, 0, 1): a swing group pivotal on half of the decided votes or more "
    "is maximal risk",
};
static const char *const rdim_def[N_RDIM] = {
    "decline = sum_g seats_g * (AI_g first half - AI_g second half) / sum_g seats_g, AI_g = mean "
    "per-vote Agreement Index of group g over the votes of each half of the sittings",
    "effective number of groups (Laakso-Taagepera) by seats on the last vote and by votes cast; "
    "modularity of the detected communities of the co-voting network",
    "share of (group, sitting) points of the groups' defection-rate series flagged upward by the "
    "robust z (> 3.5, >= 8 sittings)",
    "share of votes whose margin |FOR - AGAINST| is under 5% of the votes cast (FOR + AGAINST + "
    "ABSTENTION)",
    "share of decided votes (FOR != AGAINST) on which a swing group (not one of the two largest "
    "by seats) was pivotal: it voted with the winning side and its votes there exceeded the "
    "margin",
};

static const char *risk_level(double c)
{
    return c >= 0.75 ? "CRITICAL" : c >= 0.5 ? "HIGH" : c >= 0.25 ? "MODERATE" : "LOW";
}

static int vote_title(struct ep_store *s, sqlite3_stmt **q, int64_t id, char *out, size_t n)
{
    out[0] = 0;
    if (!*q && sqlite3_prepare_v2(ep_store_db(s), "SELECT title FROM vote WHERE id = ?1", -1, q,
                                  NULL) != SQLITE_OK)
        return EP_EDB;
    sqlite3_reset(*q);
    sqlite3_bind_int64(*q, 1, id);
    if (sqlite3_step(*q) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(*q, 0);
        snprintf(out, n, "%s", t ? t : "");
    }
    return 0;
}

static int t_risk(struct ep_tool_ctx *ctx, json_t *args, json_t **result, struct ep_error *err)
{
    struct ep_run r;
    run_init(&r, ctx, "generate_political_risk_assessment", 8);
    unsigned fmts;
    if (ep_artefact_formats(args, EP_FMT_JSON | EP_FMT_PNG | EP_FMT_PDF,
                            "generate_political_risk_assessment", &fmts, err))
        return EP_EINVAL;
    struct ep_tools_window tw;
    struct ep_win *w = NULL;
    int rc = ep_run_stage(&r, "loading the window", err);
    if (!rc)
        rc = win_get(ctx, args, &tw, &w, err);
    if (rc || !w)
        return rc ? rc : EP_EINTERNAL;
    const struct ep_matrix *m = w->m;
    int ng = m->n_grp, bad = 0;
    if ((rc = ep_run_stage(&r, "vote and group statistics", err)) || (rc = ep_win_need_gs(w, err)) ||
        (rc = ep_win_need_frag(w, err)) || (rc = ep_win_need_per(w, EP_PERIOD_SITTING, err)))
        return rc;
    if ((rc = ep_run_stage(&r, "pivotal and close votes", err)) || (rc = ep_win_need_piv(w, err)))
        return rc;
    if ((rc = ep_run_stage(&r, "co-voting network", err)) || (rc = need_graph(w, &r, 10, 0, err)))
        return rc;
    if ((rc = ep_run_stage(&r, "dimensions", err)))
        return rc;
    double val[N_RDIM];
    int ok[N_RDIM];
    json_t *ev[N_RDIM];
    char why[N_RDIM][300];
    int min_sit[N_RDIM]; /* the dimension's minimum number of sittings, when it is below it */
    memset(ok, 0, sizeof ok);
    memset(min_sit, 0, sizeof min_sit);
    for (int d = 0; d < N_RDIM; d++) {
        ev[d] = json_object();
        why[d][0] = 0;
    }
    const struct ep_stats_periods *ps = &w->per[EP_PERIOD_SITTING];

    /* declining cohesion */
    if (ps->n < 2) {
        snprintf(why[R_COH], sizeof why[R_COH],
                 "the window is too short: %d sitting, at least 2 needed to compare halves",
                 ps->n);
        min_sit[R_COH] = 2;
        ep_run_too_short(&r, "sittings", ps->n, 2, "declining_cohesion");
    } else {
        int half = (ps->n + 1) / 2; /* sittings [0, half) vs [half, n) */
        double num = 0, den = 0;
        json_t *pg = json_array();
        for (int g = 0; g < ng; g++) {
            double s[2] = {0, 0};
            int c[2] = {0, 0};
            for (int k = 0; k < ps->n; k++)
                for (int q = ps->start[k]; q < ps->start[k + 1]; q++) {
                    const struct ep_stats_vg *vg =
                        w->vs.vg + (size_t)ps->vote[q] * (size_t)ng + (size_t)g;
                    if (vg->ai_ok) {
                        s[k >= half] += vg->ai;
                        c[k >= half]++;
                    }
                }
            if (!c[0] || !c[1])
                continue;
            double a0 = s[0] / c[0], a1 = s[1] / c[1];
            num += w->frag.seats[g] * (a0 - a1);
            den += w->frag.seats[g];
            add(pg,
                json_pack("{s:s, s:o, s:o, s:i}", "group", m->grp_code[g], "ai_first_half", jr(a0),
                          "ai_second_half", jr(a1), "seats", (int)w->frag.seats[g]),
                &bad);
        }
        if (den > 0) {
            double dec = num / den;
            ok[R_COH] = 1;
            val[R_COH] = clamp01(dec / 0.10);
            char h0[11], h1[11];
            day_str(ps->key[half], h1);
            day_str(ps->key[0], h0);
            put(ev[R_COH], "decline", jr(dec), &bad);
            put(ev[R_COH], "first_half_from", json_string(h0), &bad);
            put(ev[R_COH], "second_half_from", json_string(h1), &bad);
            put(ev[R_COH], "groups", pg, &bad);
        } else {
            json_decref(pg);
            snprintf(why[R_COH], sizeof why[R_COH],
                     "no group with seats cast votes in both halves of the window");
        }
    }

    /* fragmentation */
    {
        double s = 0;
        int c = 0;
        if (w->frag.seats_ok) {
            s += clamp01((w->frag.enp_seats - 2) / 6);
            c++;
            put(ev[R_FRAG], "enp_seats", jr(w->frag.enp_seats), &bad);
        }
        if (w->frag.votes_ok) {
            s += clamp01((w->frag.enp_votes - 2) / 6);
            c++;
            put(ev[R_FRAG], "enp_votes", jr(w->frag.enp_votes), &bad);
        }
        if (w->g.modularity_ok) {
            s += clamp01(w->g.modularity / 0.3);
            c++;
            put(ev[R_FRAG], "modularity_detected", jr(w->g.modularity), &bad);
            put(ev[R_FRAG], "communities", json_integer(w->g.n_comm), &bad);
        }
        if (w->g.modularity_group_ok)
            put(ev[R_FRAG], "modularity_by_group", jr(w->g.modularity_group), &bad);
        if (!w->g.modularity_ok) {
            json_t *ne = no_edges(&r, w, &w->g, "fragmentation: modularity component");
            put(ev[R_FRAG], "modularity_reason", json_incref(json_object_get(ne, "reason")), &bad);
            json_decref(ne);
        }
        if (c) {
            ok[R_FRAG] = 1;
            val[R_FRAG] = s / c;
            put(ev[R_FRAG], "components_used", json_integer(c), &bad);
        } else
            snprintf(why[R_FRAG], sizeof why[R_FRAG],
                     "no seats, no cast votes and no network modularity in the window");
    }

    /* defection surges: group defection-rate baselines */
    {
        struct ep_stats_outlier_params op;
        ep_stats_outlier_params_default(&op);
        int pts = 0, flagged = 0, too_few = 0, nser = 0;
        json_t *fl = json_array();
        for (int g = 0; g < ng && !rc; g++) {
            struct ep_stats_baseline b;
            memset(&b, 0, sizeof b);
            rc = ep_stats_baseline(m, &w->vs, ps, EP_ENTITY_GROUP, g, EP_MEASURE_DEFECTION, &op, &b,
                                   err);
            if (!rc) {
                nser++;
                if (b.outliers.status == EP_OUTLIERS_TOO_FEW)
                    too_few++;
                else {
                    pts += b.outliers.n_obs;
                    for (int k = 0; k < b.outliers.n; k++) {
                        const struct ep_stats_outlier *o = &b.outliers.o[k];
                        if (!((o->flags & EP_OUTLIER_ROBUST) && o->z_robust > 0))
                            continue;
                        flagged++;
                        char d[11];
                        day_str(ps->key[o->point], d);
                        add(fl,
                            json_pack("{s:s, s:s, s:o, s:o, s:o}", "group", m->grp_code[g], "date",
                                      d, "z", jr(o->z_robust), "defection_rate", jr(o->x), "votes",
                                      vote_ids(m, o->hits, o->n_hits, 20)),
                            &bad);
                    }
                }
            }
            ep_stats_baseline_free(&b);
        }
        if (rc) {
            json_decref(fl);
            for (int d = 0; d < N_RDIM; d++)
                json_decref(ev[d]);
            return rc;
        }
        if (pts > 0) {
            ok[R_DEF] = 1;
            val[R_DEF] = clamp01((double)flagged / pts / 0.05);
            put(ev[R_DEF], "flagged_points", json_integer(flagged), &bad);
            put(ev[R_DEF], "points", json_integer(pts), &bad);
            put(ev[R_DEF], "series_too_short", json_integer(too_few), &bad);
            put(ev[R_DEF], "surges", fl, &bad);
        } else {
            json_decref(fl);
            snprintf(why[R_DEF], sizeof why[R_DEF],
                     "every group's defection series is too short: %d sittings, at least %d "
                     "needed for a baseline",
                     ps->n, op.min_obs);
            if (ps->n < op.min_obs) {
                min_sit[R_DEF] = op.min_obs;
                ep_run_too_short(&r, "sittings", ps->n, op.min_obs, "defection_surges");
            }
        }
    }

    /* close votes */
    {
        int withcast = 0, close = 0;
        json_t *cl = json_array();
        sqlite3_stmt *q = NULL;
        for (int v = 0; v < m->n_vote; v++) {
            int cast = w->F[v] + w->A[v] + w->Ab[v];
            if (cast <= 0)
                continue;
            withcast++;
            int margin = abs(w->F[v] - w->A[v]);
            if (margin >= 0.05 * cast)
                continue;
            close++;
            if (json_array_size(cl) >= 50)
                continue;
            char d[11], title[300];
            day_str(m->vote_day[v], d);
            if (vote_title(ctx->store, &q, m->vote_id[v], title, sizeof title))
                title[0] = 0;
            add(cl,
                json_pack("{s:I, s:s, s:s, s:i, s:i, s:i, s:i, s:o}", "vote_id",
                          (json_int_t)m->vote_id[v], "date", d, "title", title, "for", w->F[v],
                          "against", w->A[v], "abstention", w->Ab[v], "margin", margin,
                          "margin_share", jr((double)margin / cast)),
                &bad);
        }
        if (q)
            sqlite3_finalize(q);
        if (withcast > 0) {
            ok[R_CLOSE] = 1;
            val[R_CLOSE] = clamp01((double)close / withcast / 0.20);
            put(ev[R_CLOSE], "close_votes", json_integer(close), &bad);
            put(ev[R_CLOSE], "votes", json_integer(withcast), &bad);
            put(ev[R_CLOSE], "share", jr((double)close / withcast), &bad);
            put(ev[R_CLOSE], "listed", cl, &bad);
        } else {
            json_decref(cl);
            snprintf(why[R_CLOSE], sizeof why[R_CLOSE], "no vote with cast votes in the window");
        }
    }

    /* swing-group pivotality */
    {
        int big[2] = {-1, -1};
        for (int g = 0; g < ng; g++) {
            if (w->frag.seats[g] <= 0)
                continue;
            if (big[0] < 0 || w->frag.seats[g] > w->frag.seats[big[0]]) {
                big[1] = big[0];
                big[0] = g;
            } else if (big[1] < 0 || w->frag.seats[g] > w->frag.seats[big[1]])
                big[1] = g;
        }
        if (w->decided == 0) {
            snprintf(why[R_SWING], sizeof why[R_SWING],
                     "no decided vote (FOR != AGAINST) in the window");
        } else {
            int swing = 0;
            for (int v = 0; v < m->n_vote; v++)
                for (int g = 0; g < ng; g++)
                    if (g != big[0] && g != big[1] && w->gpiv[(size_t)v * (size_t)ng + (size_t)g]) {
                        swing++;
                        break;
                    }
            ok[R_SWING] = 1;
            val[R_SWING] = clamp01((double)swing / w->decided / 0.5);
            json_t *pg = json_array(), *bg = json_array();
            for (int g = 0; g < ng; g++)
                add(pg,
                    json_pack("{s:s, s:i, s:o, s:b}", "group", m->grp_code[g], "pivotal_votes",
                              (int)w->grp_piv[g], "share", jr((double)w->grp_piv[g] / w->decided),
                              "swing", g != big[0] && g != big[1]),
                    &bad);
            for (int k = 0; k < 2; k++)
                if (big[k] >= 0)
                    add(bg, json_string(m->grp_code[big[k]]), &bad);
            put(ev[R_SWING], "decided_votes", json_integer(w->decided), &bad);
            put(ev[R_SWING], "swing_pivotal_votes", json_integer(swing), &bad);
            put(ev[R_SWING], "share", jr((double)swing / w->decided), &bad);
            put(ev[R_SWING], "largest_groups", bg, &bad);
            put(ev[R_SWING], "groups", pg, &bad);
        }
    }

    if ((rc = ep_run_stage(&r, "composite", err))) {
        for (int d = 0; d < N_RDIM; d++)
            json_decref(ev[d]);
        return rc;
    }
    double ws = 0, s = 0;
    for (int d = 0; d < N_RDIM; d++)
        if (ok[d]) {
            ws += rdim_weight[d];
            s += rdim_weight[d] * val[d];
        }
    double comp = ws > 0 ? s / ws : 0;
    json_t *res = json_object(), *dims = json_object(), *nom = json_object(), *eff = json_object(),
           *dropped = json_array();
    for (int d = 0; d < N_RDIM; d++) {
        put(nom, rdim_name[d], jr(rdim_weight[d]), &bad);
        json_t *o;
        if (ok[d]) {
            double we = rdim_weight[d] / ws;
            put(eff, rdim_name[d], jr(we), &bad);
            o = json_pack("{s:b, s:o, s:o, s:s, s:s, s:o}", "available", 1, "value", jr(val[d]),
                          "weight", jr(we), "normalisation", rdim_norm[d], "definition",
                          rdim_def[d], "evidence", ev[d]);
        } else {
            json_decref(ev[d]);
            o = ep_tools_unavailable(why[d]);
            put(o, "definition", json_string(rdim_def[d]), &bad);
            put(o, "normalisation", json_string(rdim_norm[d]), &bad);
            if (min_sit[d])
                put(o, "minimum_sittings", json_integer(min_sit[d]), &bad);
            add(dropped, json_string(rdim_name[d]), &bad);
        }
        put(dims, rdim_name[d], o, &bad);
    }
    if (ws <= 0) {
        json_decref(res);
        json_decref(dims);
        json_decref(nom);
        json_decref(eff);
        json_decref(dropped);
        return ep_error_set(err, EP_EUNAVAIL, "no risk dimension has data in the window (%d votes)",
                            m->n_vote);
    }
    int renorm = json_array_size(dropped) > 0;
    char note[300];
    snprintf(note, sizeof note,
             renorm ? "%zu dimension(s) without data dropped; remaining weights divided by their "
                      "sum %.2f"
                    : "all dimensions available (%zu dropped, weight sum %.2f)",
             json_array_size(dropped), ws);
    json_t *wt = json_object();
    put(wt, "nominal", nom, &bad);
    put(wt, "effective", eff, &bad);
    put(wt, "renormalised", json_boolean(renorm), &bad);
    put(wt, "dropped", dropped, &bad);
    put(wt, "note", json_string(note), &bad);
    put(res, "level", json_string(risk_level(comp)), &bad);
    put(res, "composite", jr(comp), &bad);
    put(res, "thresholds",
        json_pack("{s:f, s:f, s:f, s:s}", "MODERATE", 0.25, "HIGH", 0.5, "CRITICAL", 0.75, "rule",
                  "LOW if composite < 0.25, MODERATE if < 0.50, HIGH if < 0.75, else CRITICAL"),
        &bad);
    put(res, "weights", wt, &bad);
    put(res, "dimensions", dims, &bad);
    put(res, "normalisation",
        json_string("parliament-level dimensions have no peers in the same window, so each is "
                    "mapped to 0..1 on the fixed scale stated in its 'normalisation' field "
                    "(instead of a percentile rank among peers)"),
        &bad);
    static const char *const inputs[] = {
        "per vote and group counts and positions; per-vote totals FOR/AGAINST/ABSTENTION",
        "group seats on the last vote; votes cast per group", "co-voting network modularity",
        "per-sitting group defection series with robust z-scores", NULL};
    static const char *const limits[] = {
        "simple majority (FOR vs AGAINST) is assumed; qualified majorities are ignored",
        "fixed scales are judgement calls documented in docs/tools-intel.md",
        "defection surges need >= 8 sittings; shorter windows drop that dimension", NULL};
    json_t *meth = methodology(
        w, "composite = sum_d w_d * r_d / sum_d w_d over available dimensions, r_d in 0..1", inputs,
        limits);
    if ((rc = ep_run_stage(&r, "result", err))) {
        json_decref(res);
        json_decref(meth);
        return rc;
    }
    rc = finish(ctx, &r, &tw, w, res, meth, bad, result, err);
    if (rc == 0 && fmts != EP_FMT_JSON &&
        (rc = render_coalition(ctx, args, fmts, *result, 1, err))) {
        json_decref(*result);
        *result = NULL;
    }
    return rc;
}

/* ==== the rows ============================================================================ */

static const struct ep_tool rows[] = {
    {"assess_mep_influence", "Assess MEP influence",
     "Influence scorecard of one MEP in a window: network centrality, bridge score, loyalty, "
     "participation and pivotal votes, each a percentile among the window's MEPs, with weights, "
     "a composite and the rank among all MEPs.",
     IN_INFLUENCE, OUT_INFLUENCE, ANNOT, 3600, tool_assess_mep_influence},
    {"analyze_coalition_dynamics", "Analyze coalition dynamics",
     "Group cohesion (Agreement Index, Rice, Krippendorff's alpha) with trends per sitting and "
     "month, the whole Parliament's alpha, the group-pair agreement matrix, the most and least "
     "reliable alliances, factions from community detection and a coalition stability figure. "
     "Measures the window is too short for are unavailable and listed in window_too_short.",
     IN_COALITION, OUT_COALITION, ANNOT, 3600, t_coalition},
    {"map_political_network", "Map the political network",
     "The co-voting network of a window: size, modularity (detected and by group), communities, "
     "the top MEPs by each centrality, bridges between groups and the w >= 0.8 threshold graph.",
     IN_MAP, OUT_MAP, ANNOT, 3600, t_map},
    {"detect_voting_anomalies", "Detect voting anomalies",
     "Defection surges, abstention spikes, participation drops and cohesion breaks of an MEP, a "
     "group or the whole Parliament against its own per-sitting baseline (robust z-scores), "
     "each with a severity, the z-score, the sitting and the votes behind it.",
     IN_ANOM, OUT_ANOM, ANNOT, 3600, t_anomalies},
    {"generate_political_risk_assessment", "Generate a political risk assessment",
     "Composite political risk of a window from declining cohesion, fragmentation, defection "
     "surges, close votes and swing-group pivotality, with a level (LOW, MODERATE, HIGH, "
     "CRITICAL), the thresholds and per-dimension evidence.",
     IN_RISK, OUT_RISK, ANNOT, 3600, t_risk},
};

const struct ep_tool *ep_tools_intel_rows(size_t *n)
{
    if (n)
        *n = sizeof rows / sizeof rows[0];
    return rows;
}
