/* ep_artefact: rendered files in the output directory (see ep_artefact.h). */
#include "ep_artefact.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ep_env.h"
#include "ep_report.h"
#include "ep_stats.h"
#include "ep_tools_analysis.h"
#include "ep_tools_basic.h"
#include "ep_tools_intel.h"
#include "ep_tools_intel_int.h"
#include "ep_window.h"
#include "ep_coalition.h"
#include "ep_env.h"
#include "ep_positions.h"
#include "ep_risk.h"
#include "ep_influence.h"
#include "ep_mep_profile.h"
#include "ep_mep_report.h"

#define READ_MAX ((size_t)256 << 20) /* largest artefact resources/read serves */

static const struct {
    unsigned fmt;
    const char *name, *ext, *mime;
    int binary;
} FMT[] = {
    {EP_FMT_JSON, "json", "json", "application/json", 0},
    {EP_FMT_GRAPHML, "graphml", "graphml", "application/graphml+xml", 0},
    {EP_FMT_PNG, "png", "png", "image/png", 1},
    {EP_FMT_PDF, "pdf", "pdf", "application/pdf", 1},
};
#define N_FMT (sizeof FMT / sizeof FMT[0])

int ep_artefact_formats(json_t *args, unsigned allowed, const char *tool, unsigned *out,
                        struct ep_error *err)
{
    json_t *f = json_object_get(args, "formats");
    *out = EP_FMT_JSON;
    if (!f)
        return 0;
    if (!json_is_array(f) || json_array_size(f) == 0)
        return ep_error_set(err, EP_EINVAL,
                            "argument \"formats\": give a non-empty array of \"json\", "
                            "\"graphml\", \"png\", \"pdf\"");
    unsigned got = 0;
    size_t i;
    json_t *v;
    json_array_foreach(f, i, v)
    {
        const char *s = json_string_value(v);
        unsigned bit = 0;
        for (size_t k = 0; k < N_FMT && s; k++)
            if (strcmp(s, FMT[k].name) == 0)
                bit = FMT[k].fmt;
        if (!bit || !(allowed & bit)) {
            char list[64] = "";
            for (size_t k = 0; k < N_FMT; k++)
                if (allowed & FMT[k].fmt)
                    snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                             list[0] ? ", " : "", FMT[k].name);
            return ep_error_set(err, EP_EINVAL,
                                "argument \"formats\": \"%s\" is not rendered by %s; it renders "
                                "%s",
                                s ? s : "(not a string)", tool, list);
        }
        got |= bit;
    }
    *out = got | EP_FMT_JSON;
    return 0;
}

int ep_artefact_name_ok(const char *name)
{
    if (!name || !*name || name[0] == '.' || strlen(name) > 200)
        return 0;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '-' || *p == '_'))
            return 0;
    return 1;
}

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

int ep_artefacts_begin(struct ep_artefacts *a, const struct ep_tool_ctx *ctx, json_t *args,
                       struct ep_error *err)
{
    memset(a, 0, sizeof *a);
    if (!ctx || !ctx->out_dir || !*ctx->out_dir)
        return ep_error_set(err, EP_EINVAL,
                            "argument \"formats\": files need an output directory; start the "
                            "server with --out-dir DIR or set EPINTEL_OUT_DIR");
    /* the name hashes the arguments as the caller gave them, not the schema's defaults */
    if (ctx->args_given)
        args = ctx->args_given;
    json_t *copy = args ? json_deep_copy(args) : json_object();
    if (!copy)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    json_object_del(copy, "formats");
    char *canon = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(copy);
    if (!canon)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    snprintf(a->key, sizeof a->key, "%016llx", (unsigned long long)fnv1a(canon));
    free(canon);
    int rc = ep_mkdirs(ctx->out_dir, err);
    if (rc)
        return rc;
    a->items = json_array();
    if (!a->items)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    a->dir = ctx->out_dir;
    return 0;
}

static int fmt_index(unsigned fmt)
{
    for (size_t k = 0; k < N_FMT; k++)
        if (FMT[k].fmt == fmt)
            return (int)k;
    return -1;
}

/* Read path (no symlinks, regular files only) into out. */
static int read_plain(const char *path, size_t cap, struct ep_buf *out, struct ep_error *err)
{
    /* O_NONBLOCK: opening a FIFO someone planted must not wait for a writer (it would hang the
     * caller and the execution lock it may hold); it is refused below as not a regular file */
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0 && errno == ELOOP)
        return ep_error_set(err, EP_EINVAL, "%s: a symbolic link, refused", path);
    if (fd < 0)
        return ep_error_set(err, errno == ENOENT ? EP_ENOTFOUND : EP_EIO, "%s: %s", path,
                            strerror(errno));
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode))
        rc = ep_error_set(err, EP_ENOTFOUND, "%s: not a regular file", path);
    else if ((size_t)st.st_size > cap)
        rc = ep_error_set(err, EP_ELIMIT, "%s: %lld bytes, more than the %zu served", path,
                          (long long)st.st_size, cap);
    char chunk[65536];
    ssize_t n;
    while (rc == 0 && (n = read(fd, chunk, sizeof chunk)) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = ep_error_set(err, EP_EIO, "%s: %s", path, strerror(errno));
        } else if (out->len + (size_t)n > cap || ep_buf_append(out, chunk, (size_t)n)) {
            rc = ep_error_set(err, EP_ELIMIT, "%s: too large", path);
        }
    }
    close(fd);
    return rc;
}

int ep_artefacts_add(struct ep_artefacts *a, unsigned fmt, const char *stem, const char *title,
                     const struct ep_buf *bytes, struct ep_error *err)
{
    int k = fmt_index(fmt);
    char name[256], path[PATH_MAX];
    if (k < 0 || !a->items)
        return ep_error_set(err, EP_EINTERNAL, "artefact: bad format");
    snprintf(name, sizeof name, "%s-%s.%s", stem ? stem : "", a->key, FMT[k].ext);
    if (!stem || !ep_artefact_name_ok(name))
        return ep_error_set(err, EP_EINVAL,
                            "artefact name \"%s\" refused: names are letters, digits, '.', '-' "
                            "and '_' inside the output directory",
                            name);
    if (snprintf(path, sizeof path, "%s/%s", a->dir, name) >= (int)sizeof path)
        return ep_error_set(err, EP_EINVAL, "output directory path too long");
    /* rewrite only when the bytes differ (a rerun leaves the file as it was) */
    struct ep_buf old;
    ep_buf_init(&old, 0);
    int same = read_plain(path, bytes->len, &old, NULL) == 0 && old.len == bytes->len &&
               memcmp(old.data, bytes->data, bytes->len) == 0;
    ep_buf_free(&old);
    if (!same) {
        int rc = ep_write_file_atomic(path, bytes->data, bytes->len, err);
        if (rc)
            return rc;
    }
    char uri[300];
    snprintf(uri, sizeof uri, EP_ARTEFACT_URI_PREFIX "%s", name);
    json_t *it = json_pack("{s:s, s:s, s:s, s:s, s:I}", "format", FMT[k].name, "name", name, "uri",
                           uri, "mimeType", FMT[k].mime, "size", (json_int_t)bytes->len);
    if (it && title)
        json_object_set_new(it, "title", json_string(title));
    if (!it || json_array_append_new(a->items, it))
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    return 0;
}

int ep_artefacts_finish(struct ep_artefacts *a, json_t *res, struct ep_error *err)
{
    json_t *o = json_pack("{s:b, s:O}", "available", 1, "items", a->items);
    ep_artefacts_abort(a);
    if (!o || json_object_set_new(res, "artefacts", o))
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    return 0;
}

void ep_artefacts_abort(struct ep_artefacts *a)
{
    json_decref(a->items);
    a->items = NULL;
}

json_t *ep_artefact_window_args(json_t *args)
{
    static const char *const keys[] = {"from", "to", "term", "sittings"};
    json_t *o = json_object();
    for (size_t k = 0; o && k < sizeof keys / sizeof keys[0]; k++) {
        json_t *v = json_object_get(args, keys[k]);
        if (v && json_object_set(o, keys[k], v)) {
            json_decref(o);
            o = NULL;
        }
    }
    return o;
}

static int artefacts_emit(void *u, unsigned fmt, const char *stem, const char *title,
                          const struct ep_buf *bytes, struct ep_error *err)
{
    return ep_artefacts_add(u, fmt, stem, title, bytes, err);
}

void ep_artefacts_sink(struct ep_artefacts *a, struct ep_doc_sink *sink)
{
    *sink = (struct ep_doc_sink){.emit = artefacts_emit, .u = a};
}

int ep_doc_emit(struct ep_doc_sink *sink, int rc, unsigned fmt, const char *stem,
                const char *title, struct ep_buf *b, struct ep_error *err)
{
    if (rc == 0)
        rc = sink->emit(sink->u, fmt, stem, title, b, err);
    ep_buf_reset(b);
    return rc;
}

/* ---- the documents (tools/ep_tools_intel.h: ep_tools_doc_*, ep_tools_render_*) ---------- */

/* The tools' side of a document: core's files go to the call's artefacts, then
 * (*result)["artefacts"]. owned: *result is core's to build, dropped when the artefacts cannot
 * be finished. */
static int artefacts_run(struct ep_tool_ctx *ctx, json_t *args, ep_doc_core_fn core, void *core_arg,
                         json_t **result, int owned, struct ep_error *err)
{
    struct ep_artefacts a;
    int rc = ep_artefacts_begin(&a, ctx, args, err);
    if (rc)
        return rc;
    struct ep_doc_sink sink;
    ep_artefacts_sink(&a, &sink);
    rc = core(core_arg, ctx, args, &sink, result, err);
    if (rc) {
        ep_artefacts_abort(&a);
        return rc;
    }
    rc = ep_artefacts_finish(&a, *result, err);
    if (rc && owned) {
        json_decref(*result);
        *result = NULL;
    }
    return rc;
}

/* The store's provenance for the charts' footers (dataset date, synthetic). */
static int doc_prov(struct ep_tool_ctx *ctx, struct ep_positions_prov *pv, struct ep_error *err)
{
    if (!ctx || !ctx->env || !ctx->env->store)
        return ep_error_set(err, EP_EINVAL, "no store is open");
    return ep_positions_provenance(&ctx->env->positions, ctx->env->store, pv, err);
}

int ep_artefacts_call(struct ep_tool_ctx *ctx, json_t *args, unsigned allowed, const char *tool,
                      ep_doc_core_fn core, void *core_arg, json_t **result, struct ep_error *err)
{
    unsigned fmts;
    if (ep_artefact_formats(args, allowed, tool, &fmts, err))
        return EP_EINVAL;
    if (!(fmts & ~(unsigned)EP_FMT_JSON))
        return core(core_arg, ctx, args, NULL, result, err);
    return artefacts_run(ctx, args, core, core_arg, result, 1, err);
}

/* ---- map_political_network: GraphML of the network; PNGs of the network drawing and of the
 * political map. The graph is the window's (w->g, with its centralities). */

struct map_doc {
    struct ep_win *w;
    unsigned fmts;
    char no_map[EP_ERROR_MSG_MAX]; /* why the political map could not be drawn, "" = drawn */
};

static int map_doc(void *arg, struct ep_tool_ctx *ctx, json_t *args, struct ep_doc_sink *sink,
                   json_t **res, struct ep_error *err)
{
    (void)args;
    (void)res; /* the tool's result: no document reads it */
    struct map_doc *md = arg;
    struct ep_win *w = md->w;
    struct ep_buf b;
    ep_buf_init(&b, 0);
    int rc = 0;
    sink->t_render = ep_now();
    if (md->fmts & EP_FMT_GRAPHML) {
        rc = ep_win_need_names(w, err);
        if (rc == 0)
            rc = ep_report_graphml(&w->g, w->m, w->name, w->country, &b, err);
        rc = ep_doc_emit(sink, rc, EP_FMT_GRAPHML, "network", "Co-voting network (GraphML)", &b,
                         err);
    }
    struct ep_positions_prov pv;
    if (rc == 0 && (md->fmts & EP_FMT_PNG) && (rc = doc_prov(ctx, &pv, err)) == 0) {
        rc = ep_report_png_network(&w->g, w->m, &pv, NULL, &b, err);
        rc = ep_doc_emit(sink, rc, EP_FMT_PNG, "network", "Co-voting network", &b, err);
        struct ep_stats_map_params mpp;
        struct ep_stats_map mp = {0};
        ep_stats_map_params_default(&mpp);
        if (rc == 0)
            rc = ep_stats_map_compute(w->m, &mpp, &mp, err);
        if (rc == EP_EUNAVAIL) {
            /* too few MEPs with enough cast votes (a short window): no map, said so */
            snprintf(md->no_map, sizeof md->no_map, "%s", err->msg);
            rc = 0;
        } else {
            if (rc == 0)
                rc = ep_report_png_map(&mp, w->m, &pv, NULL, &b, err);
            rc = ep_doc_emit(sink, rc, EP_FMT_PNG, "political-map", "Political map", &b, err);
        }
        ep_stats_map_free(&mp);
    }
    ep_buf_free(&b);
    return rc;
}

int ep_tools_render_map(struct ep_tool_ctx *ctx, struct ep_win *w, json_t *args, unsigned fmts,
                        json_t *res, struct ep_error *err)
{
    struct map_doc md = {.w = w, .fmts = fmts};
    int rc = artefacts_run(ctx, args, map_doc, &md, &res, 0, err);
    if (rc == 0 && md.no_map[0]) {
        json_t *u = json_pack("[{s:s, s:s, s:s}]", "stem", "political-map", "format", "png",
                              "reason", md.no_map);
        if (!u || json_object_set_new(json_object_get(res, "artefacts"), "unavailable", u))
            rc = ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    return rc;
}

/* ---- assess_mep_influence and generate_report {kind: mep}: the dimension bars (PNG) and the
 * MEP scorecard (PDF, which also needs get_mep_details and generate_report {kind: mep} over the
 * same window), all computed directly (no tool is called by name). */

struct influence_doc {
    int64_t id;
    unsigned fmts;
};

/* What the MEP scorecard renders, computed over the window of args as the tools compute it:
 * the influence scorecard, the MEP's profile and report, the store's provenance. */
struct scorecard_in {
    struct ep_positions_prov pv;
    struct ep_influence inf;
    struct ep_mep_profile det;
    struct ep_mep_report rep;
};

static void scorecard_init(struct scorecard_in *in)
{
    ep_influence_init(&in->inf);
    ep_mep_profile_init(&in->det);
    ep_mep_report_init(&in->rep);
}

static void scorecard_free(struct scorecard_in *in)
{
    ep_influence_free(&in->inf);
    ep_mep_profile_free(&in->det);
    ep_mep_report_free(&in->rep);
}

static int scorecard_compute(struct ep_tool_ctx *ctx, json_t *args, int64_t id,
                             struct scorecard_in *in, struct ep_error *err)
{
    struct ep_mep_profile_params pp = {.id = id};
    int rc = ep_tools_influence_compute(ctx, args, id, &in->inf, err);
    if (rc)
        ep_error_prefix(err, "assess_mep_influence (for the document): ");
    if (rc == 0 &&
        (rc = ep_mep_profile_compute(&ctx->env->positions, ctx->store, &pp, &in->det, err)))
        ep_error_prefix(err, "get_mep_details (for the document): ");
    if (rc == 0) {
        json_t *ra = ep_artefact_window_args(args);
        rc = ra ? ep_tools_mep_report_typed(ctx, ra, id, &in->rep, err)
                : ep_error_set(err, EP_ENOMEM, "out of memory");
        json_decref(ra);
        if (rc)
            ep_error_prefix(err, "generate_report (for the document): ");
    }
    if (rc == 0)
        rc = ep_positions_provenance(&ctx->env->positions, ctx->store, &in->pv, err);
    return rc;
}

/* The dimension bars of MEP id over the window of args, from the typed scorecard. */
static int influence_png(struct ep_tool_ctx *ctx, json_t *args, int64_t id, struct ep_buf *b,
                         struct ep_error *err)
{
    struct ep_positions_prov pv;
    struct ep_influence o;
    ep_influence_init(&o);
    int rc = doc_prov(ctx, &pv, err);
    if (rc == 0)
        rc = ep_tools_influence_compute(ctx, args, id, &o, err);
    if (rc == 0)
        rc = ep_report_png_dimensions(&o, &pv, NULL, b, err);
    ep_influence_free(&o);
    return rc;
}

static int influence_doc(void *arg, struct ep_tool_ctx *ctx, json_t *args, struct ep_doc_sink *sink,
                         json_t **res, struct ep_error *err)
{
    (void)res; /* the tool's result: no document reads it */
    struct influence_doc *x = arg;
    long long id = (long long)x->id;
    char stem[64], title[160];
    struct scorecard_in in; /* the PDF's */
    scorecard_init(&in);
    int rc = 0;
    if (x->fmts & EP_FMT_PDF)
        rc = scorecard_compute(ctx, args, x->id, &in, err);
    sink->t_render = ep_now();
    struct ep_buf b;
    ep_buf_init(&b, 0);
    if (rc == 0 && (x->fmts & EP_FMT_PNG)) {
        snprintf(stem, sizeof stem, "dimensions-%lld", id);
        snprintf(title, sizeof title, "Influence dimensions of MEP %lld", id);
        rc = influence_png(ctx, args, x->id, &b, err);
        rc = ep_doc_emit(sink, rc, EP_FMT_PNG, stem, title, &b, err);
    }
    if (rc == 0 && (x->fmts & EP_FMT_PDF)) {
        rc = ep_report_pdf_scorecard(&in.inf, &in.det, &in.rep, &in.pv, &b, err);
        snprintf(stem, sizeof stem, "scorecard-%lld", id);
        snprintf(title, sizeof title, "MEP scorecard %lld", id);
        rc = ep_doc_emit(sink, rc, EP_FMT_PDF, stem, title, &b, err);
    }
    scorecard_free(&in);
    ep_buf_free(&b);
    return rc;
}

int ep_tools_doc_influence(struct ep_tool_ctx *ctx, json_t *args, int64_t mep_id, unsigned fmts,
                           struct ep_doc_sink *sink, struct ep_error *err)
{
    struct influence_doc x = {.id = mep_id, .fmts = fmts};
    return influence_doc(&x, ctx, args, sink, NULL, err);
}

int ep_tools_render_influence(struct ep_tool_ctx *ctx, json_t *args, int64_t mep_id, unsigned fmts,
                              json_t *res, struct ep_error *err)
{
    struct influence_doc x = {.id = mep_id, .fmts = fmts};
    return artefacts_run(ctx, args, influence_doc, &x, &res, 0, err);
}

/* ---- analyze_coalition_dynamics and generate_political_risk_assessment: the cohesion and
 * agreement charts (PNG) and the coalition report or the risk briefing (PDF), from the typed
 * coalition over the window (and groups) of args, computed once: the tool's own result for the
 * coalition, every group's over the same window for the risk briefing (its charts). */

struct coalition_doc {
    int briefing;
    unsigned fmts;
};

static int coalition_doc(void *arg, struct ep_tool_ctx *ctx, json_t *args, struct ep_doc_sink *sink,
                         json_t **res, struct ep_error *err)
{
    (void)res; /* the tool's result: no document reads it */
    struct coalition_doc *x = arg;
    struct ep_positions_prov pv;
    struct ep_coalition o;
    struct ep_risk r;
    ep_coalition_init(&o);
    ep_risk_init(&r);
    int rc = doc_prov(ctx, &pv, err);
    if (rc == 0 && (rc = ep_tools_coalition_compute(ctx, args, &o, err)) && x->briefing)
        ep_error_prefix(err, "analyze_coalition_dynamics (for the document): ");
    if (rc == 0 && x->briefing && (x->fmts & EP_FMT_PDF))
        rc = ep_tools_risk_compute(ctx, args, &r, err);
    sink->t_render = ep_now();
    struct ep_buf b;
    ep_buf_init(&b, 0);
    if (rc == 0 && (x->fmts & EP_FMT_PNG)) {
        rc = ep_report_png_cohesion(&o, &pv, 0, NULL, &b, err);
        rc = ep_doc_emit(sink, rc, EP_FMT_PNG, "cohesion", "Group cohesion per sitting", &b, err);
        if (rc == 0)
            rc = ep_report_png_heatmap(&o, &pv, NULL, &b, err);
        rc = ep_doc_emit(sink, rc, EP_FMT_PNG, "agreement", "Group-pair agreement", &b, err);
    }
    if (rc == 0 && (x->fmts & EP_FMT_PDF)) {
        rc = x->briefing ? ep_report_pdf_briefing(&r, &pv, &o, &b, err)
                         : ep_report_pdf_coalition(&o, &pv, &b, err);
        rc = ep_doc_emit(sink, rc, EP_FMT_PDF, x->briefing ? "risk-briefing" : "coalition-report",
                         x->briefing ? "Political risk briefing" : "Coalition report", &b, err);
    }
    ep_risk_free(&r);
    ep_coalition_free(&o);
    ep_buf_free(&b);
    return rc;
}

int ep_tools_render_coalition(struct ep_tool_ctx *ctx, json_t *args, unsigned fmts, json_t *res,
                              int briefing, struct ep_error *err)
{
    struct coalition_doc x = {.briefing = briefing, .fmts = fmts};
    return artefacts_run(ctx, args, coalition_doc, &x, &res, 0, err);
}

int ep_tools_doc_coalition(struct ep_tool_ctx *ctx, json_t *args, int briefing, unsigned fmts,
                           struct ep_doc_sink *sink, struct ep_error *err)
{
    json_t *res = NULL;
    int rc = ep_tools_coal_or_risk_result(ctx, args, briefing, 0, &res, err);
    struct coalition_doc x = {.briefing = briefing, .fmts = fmts};
    if (rc == 0)
        rc = coalition_doc(&x, ctx, args, sink, NULL, err);
    json_decref(res);
    return rc;
}

int ep_doc_run(struct ep_tool_ctx *ctx, json_t *args, const char *tool, ep_doc_core_fn core,
               void *core_arg, struct ep_doc_sink *sink, struct ep_error *err)
{
    /* the tool's arguments as its handler gets them: the schema's defaults filled in */
    json_t *a = ep_tools_args_with_defaults(ctx->tools, tool, args);
    if (!a)
        return ep_error_set(err, EP_EINTERNAL, "%s is not registered, or out of memory", tool);
    json_t *res = NULL;
    int rc = core(core_arg, ctx, a, sink, &res, err);
    json_decref(res);
    json_decref(a);
    return rc;
}

/* map_political_network's result and its files (arg: the struct map_doc). */
static int network_doc(void *arg, struct ep_tool_ctx *ctx, json_t *args, struct ep_doc_sink *sink,
                       json_t **res, struct ep_error *err)
{
    struct map_doc *md = arg;
    int rc = ep_tools_map_result(ctx, args, md->fmts, 0, &md->w, res, err);
    if (rc == 0)
        rc = map_doc(md, ctx, args, sink, NULL, err);
    if (rc == 0 && md->no_map[0])
        rc = ep_error_set(err, EP_EUNAVAIL, "%s", md->no_map);
    return rc;
}

int ep_tools_doc_network(struct ep_tool_ctx *ctx, json_t *args, unsigned fmts,
                         struct ep_doc_sink *sink, struct ep_error *err)
{
    struct map_doc md = {.fmts = fmts};
    return ep_doc_run(ctx, args, "map_political_network", network_doc, &md, sink, err);
}

/* ---- serving ------------------------------------------------------------------------------ */

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *base64(const unsigned char *p, size_t n)
{
    char *o = malloc((n + 2) / 3 * 4 + 1), *q = o;
    if (!o)
        return NULL;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
                     (i + 2 < n ? p[i + 2] : 0);
        *q++ = B64[(v >> 18) & 63];
        *q++ = B64[(v >> 12) & 63];
        *q++ = i + 1 < n ? B64[(v >> 6) & 63] : '=';
        *q++ = i + 2 < n ? B64[v & 63] : '=';
    }
    *q = 0;
    return o;
}

static int fmt_of_name(const char *name)
{
    const char *dot = strrchr(name, '.');
    for (size_t k = 0; dot && k < N_FMT; k++)
        if (strcmp(dot + 1, FMT[k].ext) == 0)
            return (int)k;
    return -1;
}

int ep_artefact_read(const char *dir, const char *uri, json_t **result, struct ep_error *err)
{
    *result = NULL;
    size_t pl = strlen(EP_ARTEFACT_URI_PREFIX);
    if (!uri || strncmp(uri, EP_ARTEFACT_URI_PREFIX, pl) != 0)
        return ep_error_set(err, EP_ENOTFOUND, "resource %s not found", uri ? uri : "(null)");
    const char *name = uri + pl;
    int k = fmt_of_name(name);
    if (!ep_artefact_name_ok(name) || k < 0)
        return ep_error_set(err, EP_EINVAL,
                            "artefact uri \"%s\" refused: give ep://artefacts/NAME with a file "
                            "name from a tool result (letters, digits, '.', '-', '_' and a "
                            ".graphml, .png, .pdf or .json extension; no paths)",
                            uri);
    if (!dir || !*dir)
        return ep_error_set(err, EP_ENOTFOUND, "resource %s not found: no output directory", uri);
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
        return ep_error_set(err, EP_EINVAL, "output directory path too long");
    struct ep_buf b;
    ep_buf_init(&b, 0);
    struct ep_error e = {0};
    int rc = read_plain(path, READ_MAX, &b, &e);
    if (rc == EP_ENOTFOUND) {
        ep_buf_free(&b);
        return ep_error_set(err, EP_ENOTFOUND,
                            "resource %s not found: no such artefact in the output directory "
                            "(call the tool with formats again to render it)",
                            uri);
    }
    if (rc) {
        ep_buf_free(&b);
        *err = e;
        return rc;
    }
    if (FMT[k].binary) {
        char *s = base64((const unsigned char *)b.data, b.len);
        *result = s ? json_pack("{s:[{s:s, s:s, s:s}]}", "contents", "uri", uri, "mimeType",
                                FMT[k].mime, "blob", s)
                    : NULL;
        free(s);
    } else {
        *result = json_pack("{s:[{s:s, s:s, s:s%}]}", "contents", "uri", uri, "mimeType",
                            FMT[k].mime, "text", b.data, b.len);
    }
    ep_buf_free(&b);
    return *result ? 0 : ep_error_set(err, EP_ENOMEM, "out of memory");
}

size_t ep_artefact_inline_max(void)
{
    const char *v = getenv("EPINTEL_INLINE_MAX_BYTES");
    if (v && *v) {
        char *end;
        errno = 0;
        unsigned long long n = strtoull(v, &end, 10);
        if (!*end && !errno && v[0] != '-')
            return (size_t)n;
    }
    return EP_ARTEFACT_INLINE_DEFAULT;
}

void ep_artefact_content(json_t *structured, const char *dir, size_t inline_max, json_t *content)
{
    json_t *items = json_object_get(json_object_get(structured, "artefacts"), "items");
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        const char *name = json_string_value(json_object_get(it, "name"));
        const char *mime = json_string_value(json_object_get(it, "mimeType"));
        json_t *link =
            json_pack("{s:s, s:O, s:O, s:O, s:O}", "type", "resource_link", "uri",
                      json_object_get(it, "uri"), "name", json_object_get(it, "name"), "mimeType",
                      json_object_get(it, "mimeType"), "size", json_object_get(it, "size"));
        if (link && json_object_get(it, "title"))
            json_object_set(link, "title", json_object_get(it, "title"));
        if (link)
            json_array_append_new(content, link);
        json_int_t size = json_integer_value(json_object_get(it, "size"));
        if (!name || !mime || strcmp(mime, "image/png") != 0 || !dir || size < 0 ||
            (size_t)size > inline_max || !ep_artefact_name_ok(name))
            continue;
        char path[PATH_MAX];
        if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
            continue;
        struct ep_buf b;
        ep_buf_init(&b, 0);
        if (read_plain(path, inline_max, &b, NULL) == 0) {
            char *s = base64((const unsigned char *)b.data, b.len);
            if (s)
                json_array_append_new(content, json_pack("{s:s, s:s, s:s}", "type", "image", "data",
                                                         s, "mimeType", "image/png"));
            free(s);
        }
        ep_buf_free(&b);
    }
}
