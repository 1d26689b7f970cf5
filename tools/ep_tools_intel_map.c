/* ep_tools_intel_map: the five intelligence tools' handlers: arguments -> parameters, the
 * analysis/ product's compute function, the typed result -> JSON (tools/ep_json.h). The
 * schemas and the row table are in ep_tools_intel.c. See docs/tools-intel.md. */
#include "ep_tools_intel.h"
#include "ep_tools_intel_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_anomalies.h"
#include "ep_artefact.h"
#include "ep_coalition.h"
#include "ep_env.h"
#include "ep_influence.h"
#include "ep_json.h"
#include "ep_query_intel.h"
#include "ep_run.h"
#include "ep_graph.h"
#include "ep_model.h"
#include "ep_network.h"
#include "ep_report.h"
#include "ep_risk.h"
#include "ep_stats.h"
#include "ep_store.h"
#include "ep_tools_analysis.h"
#include "ep_tools_basic.h"
#include "ep_tools_common.h"
#include "ep_tools_window.h"
#include "ep_util.h"

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
        ep_json_add(a,
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
        ep_json_put(o, "value", ep_json_real(value), &bad);
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
                     ep_json_strings(inputs), "coverage", "votes", w->m->n_vote, "meps", w->n_active,
                     "sittings", w->n_sittings, "limits", ep_json_strings(limits));
}

/* Add window, methodology and provenance to res. */
static int finish(struct ep_tool_ctx *ctx, struct ep_run *r, struct ep_tools_window *tw, struct ep_win *w, json_t *res,
                  json_t *meth, int bad, json_t **result, struct ep_error *err)
{
    ep_json_put(res, "window", ep_tools_window_json(tw, w->m), &bad);
    if (r->n_short > 0)
        ep_json_put(res, "window_too_short", short_json(r, &bad), &bad);
    ep_json_put(res, "methodology", meth, &bad);
    if (bad) {
        json_decref(res);
        return ep_error_set(err, EP_ENOMEM, "out of memory while building the result");
    }
    int rc = ep_run_stage(r, "provenance", err);
    if (!rc)
        rc = ep_tools_env_add_provenance(ctx->env, res, err);
    if (rc) {
        json_decref(res);
        return rc;
    }
    *result = res;
    return 0;
}

/* Matrix index of a group argument: resolved by the shared rule (any case, EP labels; unknown
 * group: EP_EINVAL listing the known ones), then looked up in the window. */
static int find_group(struct ep_env *env, const struct ep_matrix *m, const char *arg_value,
                      const char *arg, struct ep_error *err)
{
    char code[64];
    if (!arg_value)
        return ep_error_set(err, EP_EINVAL, "argument \"%s\" must be a group code", arg);
    int rc = ep_tools_env_resolve_group(env, arg, arg_value, code, sizeof code, err);
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

/* ==== 1. assess_mep_influence ============================================================= */

static const char *const dim_def[N_DIM] = {
    "weighted eigenvector centrality in the co-voting network (graph/, max 1)",
    "share of the MEP's top-20 edge weight going to MEPs of another modal group",
    "share of cast votes equal to the own group's non-tie position",
    "cast votes / eligible votes",
    ("votes where the MEP voted with their group's winning position and the group's votes in that "
     "position exceeded the margin |FOR - AGAINST| (without them the outcome would reverse)"),
    "rapporteurships, shadow rapporteurships and roles (chairs, coordinators)",
};

/* The weights block of a composite: nominal and effective weights, the dimensions dropped
 * (stolen: nom, eff, dropped) and the note. */
static json_t *weights_json(json_t *nom, json_t *eff, json_t *dropped, const char *note, int *bad)
{
    json_t *wt = json_object();
    ep_json_put(wt, "nominal", nom, bad);
    ep_json_put(wt, "effective", eff, bad);
    ep_json_put(wt, "renormalised", json_boolean(json_array_size(dropped) > 0), bad);
    ep_json_put(wt, "dropped", dropped, bad);
    ep_json_put(wt, "note", json_string(note), bad);
    return wt;
}

/* The dimensions of a weighted composite (the scorecard's, the risk assessment's) with their
 * nominal weights, the effective weights of the available ones and the dropped ones. */
struct wdims {
    json_t *dims, *nom, *eff, *dropped;
};

static void wdims_init(struct wdims *x)
{
    *x = (struct wdims){json_object(), json_object(), json_object(), json_array()};
}

/* Dimension name: its JSON dj (stolen), nominal weight, and effective weight when available. */
static void wdims_add(struct wdims *x, const char *name, double nominal, int available,
                      double weight, json_t *dj, int *bad)
{
    ep_json_put(x->nom, name, ep_json_real(nominal), bad);
    if (available)
        ep_json_put(x->eff, name, ep_json_real(weight), bad);
    else
        ep_json_add(x->dropped, json_string(name), bad);
    ep_json_put(x->dims, name, dj, bad);
}

/* The figures object of an available dimension. */
static json_t *influence_figures(const struct ep_influence *o, int d, int *bad)
{
    const struct ep_win *w = o->win;
    const struct ep_graph_node *nd = &w->g.node[o->node];
    const struct ep_stats_mepfig *f = &w->mf[o->mep];
    const struct ep_matrix *m = w->m;
    json_t *fig = json_object();
    switch (d) {
    case D_CENT:
        ep_json_put(fig, "eigenvector", ep_json_real(nd->eigen), bad);
        ep_json_put(fig, "pagerank", ep_json_real(nd->pagerank), bad);
        ep_json_put(fig, "strength", ep_json_real(nd->strength), bad);
        ep_json_put(fig, "degree", json_integer(nd->degree), bad);
        ep_json_put(fig, "betweenness_backbone", ep_json_real(nd->betweenness >= 0 ? nd->betweenness : 0), bad);
        ep_json_put(fig, "nodes", json_integer(w->g.n_node), bad);
        ep_json_put(fig, "edges", json_integer(w->g.n_edge), bad);
        break;
    case D_BRIDGE:
        ep_json_put(fig, "bridge_score", ep_json_real(nd->bridge), bad);
        ep_json_put(fig, "top_k", json_integer(w->g.top_k), bad);
        ep_json_put(fig, "modal_group",
            grp_code(m, nd->grp) ? json_string(grp_code(m, nd->grp)) : json_null(), bad);
        break;
    case D_LOYAL:
        ep_json_put(fig, "votes_with_group", json_integer(f->loy_num), bad);
        ep_json_put(fig, "votes_considered", json_integer(f->loy_den), bad);
        ep_json_put(fig, "defections", json_integer(f->n_defect), bad);
        break;
    case D_PART:
        ep_json_put(fig, "cast", json_integer(f->cast), bad);
        ep_json_put(fig, "eligible", json_integer(f->eligible), bad);
        break;
    case D_PIVOT: {
        json_t *ex = json_array();
        for (int k = 0; k < o->n_example; k++)
            ep_json_add(ex, json_integer((json_int_t)o->example_vote[k]), bad);
        ep_json_put(fig, "pivotal_votes", json_integer(w->mep_piv[o->mep]), bad);
        ep_json_put(fig, "group_pivotal_votes", json_integer(o->group_pivotal), bad);
        ep_json_put(fig, "decided_votes", json_integer(w->decided), bad);
        ep_json_put(fig, "example_vote_ids", ex, bad);
        break;
    }
    default: break;
    }
    return fig;
}

/* dimensions and weights of the scorecard into res. */
static void influence_dims_json(const struct ep_influence *o, json_t *res, int *bad)
{
    struct wdims x;
    wdims_init(&x);
    for (int d = 0; d < N_DIM; d++) {
        const struct ep_influence_dim *di = &o->dim[d];
        json_t *dj;
        if (!di->available) {
            dj = ep_json_unavailable(di->reason);
            if (di->no_edges)
                ep_json_put(dj, "minimum_common_votes", json_integer(o->win->g.min_common), bad);
            ep_json_put(dj, "definition", json_string(dim_def[d]), bad);
        } else {
            dj = json_pack("{s:b, s:o, s:o, s:o, s:i, s:s, s:o}", "available", 1, "value",
                           ep_json_real(di->value), "percentile", ep_json_real(di->percentile),
                           "weight", ep_json_real(di->weight), "peers", di->peers, "definition",
                           dim_def[d], "figures", influence_figures(o, d, bad));
        }
        wdims_add(&x, ep_influence_dim_name[d], ep_influence_dim_weight[d], di->available,
                  di->weight, dj, bad);
    }
    ep_json_put(res, "dimensions", x.dims, bad);
    char note[400];
    ep_influence_weights_note(o, note, sizeof note);
    ep_json_put(res, "weights", weights_json(x.nom, x.eff, x.dropped, note, bad), bad);
}

/* The assess_mep_influence result of MEP id over the window of args (window keys only). */
static int influence_run(struct ep_tool_ctx *ctx, struct ep_run *r, json_t *args, int64_t id,
                         json_t **result, struct ep_error *err)
{
    struct ep_tools_window tw;
    struct ep_win *w = NULL;
    int rc = ep_run_stage(r, "loading the window", err);
    if (!rc)
        rc = win_get(ctx, args, &tw, &w, err);
    if (rc)
        return rc;
    struct ep_influence_params p;
    if ((p.mep = ep_tools_env_mep_index(ctx->env, w->m, id, "mep_id", err)) < 0)
        return p.mep;
    struct ep_influence o;
    if ((rc = ep_influence_compute(w, &p, r, &o, err)))
        return rc;
    int bad = 0;
    json_t *res = json_object();
    ep_json_put(res, "mep", mep_json(w, o.mep, 0, 0), &bad);
    influence_dims_json(&o, res, &bad);
    ep_json_put(res, "composite", ep_json_real(o.composite), &bad);
    ep_json_put(res, "rank", json_integer(o.rank), &bad);
    ep_json_put(res, "n", json_integer(o.n), &bad);
    ep_json_put(res, "percentile_definition", json_string(ep_influence_percentile_definition),
                &bad);
    ep_influence_free(&o);
    static const char *const inputs[] = {
        "vote matrix of the window (per-MEP positions, group on each vote's date)",
        "co-voting network (edges with >= 10 common votes, w = same/both)",
        "stats/ per-MEP participation and loyalty, per-vote group positions", NULL};
    json_t *meth = methodology(w, ep_influence_formula, inputs, ep_influence_limits);
    return finish(ctx, r, &tw, w, res, meth, bad, result, err);
}

int tool_assess_mep_influence(struct ep_tool_ctx *ctx, json_t *args, json_t **result,
                                     struct ep_error *err)
{
    struct ep_run r;
    run_init(&r, ctx, "assess_mep_influence", 8);
    unsigned fmts;
    if (ep_artefact_formats(args, EP_FMT_JSON | EP_FMT_PNG | EP_FMT_PDF, "assess_mep_influence",
                            &fmts, err))
        return EP_EINVAL;
    int64_t id = (int64_t)json_integer_value(json_object_get(args, "mep_id"));
    int rc = influence_run(ctx, &r, args, id, result, err);
    if (rc == 0 && fmts != EP_FMT_JSON &&
        (rc = ep_tools_render_influence(ctx, args, id, fmts, *result, err))) {
        json_decref(*result);
        *result = NULL;
    }
    return rc;
}

/* ==== 2. analyze_coalition_dynamics ======================================================== */

static json_t *pair_json(const struct ep_matrix *m, const struct ep_coalition_pair *p)
{
    json_t *o =
        json_pack("{s:s, s:s, s:o, s:i, s:i}", "a", m->grp_code[p->a], "b", m->grp_code[p->b],
                  "agreement", ep_json_real(p->share), "common_votes", p->common, "agreeing_votes", p->agree);
    if (o && p->vol_ok)
        json_object_set_new(o, "volatility", ep_json_real(p->vol));
    return o;
}

static json_t *trend_json(const struct ep_matrix *m, const struct ep_stats_trends *t,
                          const struct ep_stats_periods *p, int g, int *bad)
{
    json_t *a = json_array();
    for (int k = 0; k < t->n; k++) {
        char ps[11];
        ep_period_str(p, k, ps);
        size_t c = (size_t)k * (size_t)t->n_grp + (size_t)g;
        /* participation needs who did not vote on every vote of the period (null otherwise) */
        int unk = 0;
        for (int j = p->start[k]; j < p->start[k + 1] && !unk; j++)
            unk = !m->dnv_known[p->vote[j]];
        json_t *o = json_pack("{s:s, s:o, s:o, s:i}", "period", ps, "ai",
                              ep_json_real_if(t->ai_ok[c], t->ai[c]), "participation",
                              ep_json_real_if(t->part_ok[c] && !unk, t->participation[c]), "votes",
                              t->n_vote_cast[c]);
        ep_json_add(a, o, bad);
    }
    return a;
}

/* groups[] of the coalition result. */
static json_t *coal_groups_json(const struct ep_coalition *o, int *bad)
{
    const struct ep_win *w = o->win;
    const struct ep_matrix *m = w->m;
    const struct ep_stats_trends *ts = &w->tr[EP_PERIOD_SITTING], *tm = &w->tr[EP_PERIOD_MONTH];
    json_t *garr = json_array();
    for (int k = 0; k < o->n_group; k++) {
        const struct ep_coalition_group *x = &o->group[k];
        int g = x->g;
        const struct ep_stats_group *s = &w->gs.g[g];
        json_t *coh = json_pack("{s:o, s:o, s:o, s:o, s:i, s:o}", "ai_mean",
                                ep_json_real_if(s->ai_ok, s->ai_mean), "ai_median", ep_json_real_if(s->ai_ok, s->ai_median),
                                "rice_mean", ep_json_real_if(s->rice_ok, s->rice_mean), "alpha",
                                ep_json_real_if(s->alpha_ok, s->alpha), "alpha_units", s->alpha_units,
                                "participation", ep_json_real_if(s->part_ok && !o->dnv_unk, s->participation));
        ep_json_put(coh, "alpha_minimum_units", json_integer(EP_STATS_ALPHA_MIN_UNITS), bad);
        if (!s->alpha_ok)
            ep_json_put(coh, "alpha_reason", json_string(x->alpha_reason), bad);
        if (o->dnv_unk)
            ep_json_put(coh, "participation_reason", json_string(o->dnv_why), bad);
        json_t *tr = json_object();
        ep_json_put(tr, "by_sitting", trend_json(m, ts, &w->per[EP_PERIOD_SITTING], g, bad), bad);
        ep_json_put(tr, "by_month", trend_json(m, tm, &w->per[EP_PERIOD_MONTH], g, bad), bad);
        ep_json_put(tr, "ai_slope_per_sitting", ep_json_real_if(x->slope_ok, x->slope), bad);
        if (!x->slope_ok)
            ep_json_put(tr, "ai_slope_reason",
                json_string("the slope needs at least 2 sittings with a defined Agreement Index "
                            "for the group"),
                bad);
        json_t *go = json_pack("{s:s, s:i, s:i, s:i, s:o, s:o}", "group", m->grp_code[g],
                               "seats_at_last_vote", (int)w->frag.seats[g], "votes_cast",
                               s->n_vote_cast, "ties", s->n_tie, "cohesion", coh, "trend", tr);
        ep_json_add(garr, go, bad);
    }
    return garr;
}

/* The whole Parliament as one body: Krippendorff's alpha with every MEP who cast as a coder. */
static json_t *coal_parliament_json(const struct ep_coalition *o, int *bad)
{
    json_t *al = o->parl_ok ? json_pack("{s:b, s:o}", "available", 1, "value", ep_json_real(o->parl_alpha))
                            : ep_json_unavailable(o->parl_reason);
    ep_json_put(al, "units", json_integer(o->parl_units), bad);
    ep_json_put(al, "coders", json_integer(o->parl_coders), bad);
    ep_json_put(al, "minimum_units", json_integer(EP_STATS_ALPHA_MIN_UNITS), bad);
    ep_json_put(al, "definition",
        json_string("Krippendorff's alpha (nominal) of the whole Parliament: units = votes, "
                    "coders = every MEP who cast FOR, AGAINST or ABSTENTION (any group or none), "
                    "did-not-vote = missing; votes with fewer than 2 cast values are dropped"),
        bad);
    return json_pack("{s:o}", "alpha", al);
}

/* pair_agreement: the matrix of the selected groups and the defined pairs. */
static json_t *coal_pairs_json(const struct ep_coalition *o, int *bad)
{
    const struct ep_win *w = o->win;
    const struct ep_matrix *m = w->m;
    int ng = m->n_grp;
    json_t *pm = json_object(), *codes = json_array(), *agm = json_array(), *cmm = json_array(),
           *plist = json_array();
    for (int a = 0; a < ng; a++) {
        if (!o->sel[a])
            continue;
        ep_json_add(codes, json_string(m->grp_code[a]), bad);
        json_t *ra = json_array(), *rc = json_array();
        for (int b = 0; b < ng; b++) {
            if (!o->sel[b])
                continue;
            size_t c = (size_t)a * (size_t)ng + (size_t)b;
            ep_json_add(ra, ep_json_real_if(w->gs.pair_ok[c], w->gs.pair_share[c]), bad);
            ep_json_add(rc, json_integer(w->gs.pair_common[c]), bad);
        }
        ep_json_add(agm, ra, bad);
        ep_json_add(cmm, rc, bad);
    }
    for (int k = 0; k < o->n_pair; k++)
        ep_json_add(plist, pair_json(m, &o->pair[k]), bad);
    ep_json_put(pm, "groups", codes, bad);
    ep_json_put(pm, "agreement", agm, bad);
    ep_json_put(pm, "common_votes", cmm, bad);
    ep_json_put(pm, "pairs", plist, bad);
    return pm;
}

static json_t *coal_alliances_json(const struct ep_coalition *o, int *bad)
{
    const struct ep_matrix *m = o->win->m;
    json_t *most = json_array(), *least = json_array();
    for (int k = 0; k < o->n_rel && k < EP_COAL_MAX_ALLIANCES; k++)
        ep_json_add(most, pair_json(m, &o->rel[k]), bad);
    for (int k = 0; k < o->n_rel && k < EP_COAL_MAX_ALLIANCES; k++)
        ep_json_add(least, pair_json(m, &o->rel[o->n_rel - 1 - k]), bad);
    json_t *al = json_object();
    ep_json_put(al, "most_reliable", most, bad);
    ep_json_put(al, "least_reliable", least, bad);
    ep_json_put(al, "min_common_votes", json_integer(EP_COAL_MIN_COMMON), bad);
    if (o->alliances_short) {
        char why[200];
        snprintf(why, sizeof why,
                 "the window is too short: %d vote%s, a ranked pair needs at least %d common "
                 "votes",
                 m->n_vote, m->n_vote == 1 ? "" : "s", EP_COAL_MIN_COMMON);
        ep_json_put(al, "reason", json_string(why), bad);
    }
    ep_json_put(al, "note",
        json_string("pairs ranked by agreement (share of common non-tie votes with the same "
                    "position); least reliable = lowest agreement; ties by more common votes"),
        bad);
    return al;
}

static json_t *coal_stability_json(const struct ep_coalition *o, int *bad)
{
    const char *sform = ep_coal_stability_formula;
    int np = o->n_periods;
    if (o->stab_ok)
        return json_pack("{s:b, s:o, s:s, s:i, s:i, s:o}", "available", 1, "value",
                         ep_json_real(o->stability), "formula", sform, "pairs", o->stab_pairs, "periods",
                         np, "mean_volatility", ep_json_real(o->mean_volatility));
    json_t *st = ep_json_unavailablef("no group pair has at least 2 sittings with >= %d common non-tie votes "
                         "(%d sitting%s in the window)",
                         EP_COAL_STAB_MIN_VOTES, np, np == 1 ? "" : "s");
    ep_json_put(st, "formula", json_string(sform), bad);
    ep_json_put(st, "minimum_sittings", json_integer(2), bad);
    return st;
}

static json_t *coal_factions_json(const struct ep_coalition *o, int *bad)
{
    const struct ep_matrix *m = o->win->m;
    const struct ep_graph *gr = &o->win->g;
    const char *fdef = ep_coal_faction_definition;
    if (!o->factions_ok) {
        json_t *fa = ep_json_unavailable(o->factions_reason);
        ep_json_put(fa, "minimum_common_votes", json_integer(gr->min_common), bad);
        ep_json_put(fa, "definition", json_string(fdef), bad);
        return fa;
    }
    json_t *items = json_array();
    for (int k = 0; k < gr->n_faction; k++) {
        const struct ep_graph_faction *f = &gr->faction[k];
        if (f->grp < 0 || f->grp >= m->n_grp || !o->sel[f->grp])
            continue;
        ep_json_add(items,
            json_pack("{s:s, s:i, s:i, s:o}", "group", m->grp_code[f->grp], "community",
                      f->community, "members", f->members, "share", ep_json_real(f->share)),
            bad);
    }
    return json_pack("{s:b, s:s, s:i, s:o, s:o, s:o, s:s}", "available", 1, "algorithm",
                     gr->algo == EP_GRAPH_LEIDEN ? "leiden" : "louvain", "communities",
                     gr->n_comm, "modularity", ep_json_real_if(gr->modularity_ok, gr->modularity),
                     "modularity_by_group", ep_json_real_if(gr->modularity_group_ok, gr->modularity_group),
                     "items", items, "definition", fdef);
}

/* The analyze_coalition_dynamics result of o (window, methodology and provenance added). */
static int coalition_result(struct ep_tool_ctx *ctx, struct ep_run *r,
                            struct ep_tools_window *tw, const struct ep_coalition *o,
                            json_t **result, struct ep_error *err)
{
    int bad = 0;
    json_t *res = json_object();
    ep_json_put(res, "groups", coal_groups_json(o, &bad), &bad);
    ep_json_put(res, "parliament", coal_parliament_json(o, &bad), &bad);
    ep_json_put(res, "pair_agreement", coal_pairs_json(o, &bad), &bad);
    ep_json_put(res, "alliances", coal_alliances_json(o, &bad), &bad);
    ep_json_put(res, "stability", coal_stability_json(o, &bad), &bad);
    ep_json_put(res, "factions", coal_factions_json(o, &bad), &bad);
    static const char *const inputs[] = {
        "per vote and group: Y, N, A, D and the group position (TIE explicit)",
        ("per group: mean and median Agreement Index, mean Rice, Krippendorff's alpha (nominal), "
         "participation"),
        "group-pair agreement over votes where both have a non-tie position",
        "co-voting network communities (Louvain)", NULL};
    json_t *meth = methodology(o->win, ep_coal_formula, inputs, ep_coal_limits);
    return finish(ctx, r, tw, o->win, res, meth, bad, result, err);
}

/* The groups argument (NULL = every group) as a selection of the window's groups. */
static int coal_groups_arg(struct ep_tool_ctx *ctx, const struct ep_matrix *m, json_t *ga,
                           struct ep_coalition_params *p, struct ep_error *err)
{
    memset(p->sel, 0, sizeof p->sel);
    if (!json_is_array(ga)) {
        memset(p->sel, 1, sizeof p->sel);
        return 0;
    }
    for (size_t k = 0; k < json_array_size(ga); k++) {
        char an[32];
        snprintf(an, sizeof an, "groups[%zu]", k);
        int g = find_group(ctx->env, m, json_string_value(json_array_get(ga, k)), an, err);
        if (g < 0)
            return g;
        p->sel[g] = 1;
    }
    return 0;
}

/* analyze_coalition_dynamics over the window of args with the groups p (borrowed): *result. */
static int coalition_run(struct ep_tool_ctx *ctx, struct ep_run *r, json_t *args,
                         const json_t *groups, json_t **result, struct ep_error *err)
{
    struct ep_tools_window tw;
    struct ep_win *w = NULL;
    int rc = ep_run_stage(r, "loading the window", err);
    if (!rc)
        rc = win_get(ctx, args, &tw, &w, err);
    if (rc)
        return rc;
    struct ep_coalition_params p;
    if ((rc = coal_groups_arg(ctx, w->m, (json_t *)groups, &p, err)))
        return rc;
    struct ep_coalition o;
    if ((rc = ep_coalition_compute(w, &p, r, &o, err)))
        return rc;
    rc = coalition_result(ctx, r, &tw, &o, result, err);
    ep_coalition_free(&o);
    return rc;
}

/* ==== 3. map_political_network ============================================================ */

#define MAP_MAX_NODES 1000

/* modularity (with the no-edge reason), communities and modal_groups into res. */
static void map_groups_json(const struct ep_network *o, json_t *res, int *bad)
{
    const struct ep_matrix *m = o->win->m;
    const struct ep_graph *g = &o->win->g;
    json_t *mod =
        json_pack("{s:o, s:o, s:s, s:f}", "detected", ep_json_real_if(g->modularity_ok, g->modularity),
                  "by_group", ep_json_real_if(g->modularity_group_ok, g->modularity_group), "algorithm",
                  g->algo == EP_GRAPH_LEIDEN ? "leiden" : "louvain", "resolution", 1.0);
    if (!o->weighted) {
        ep_json_put(mod, "reason", json_string(o->no_edges_reason), bad);
        ep_json_put(mod, "minimum_common_votes", json_integer(g->min_common), bad);
    } else if (!g->modularity_ok || !g->modularity_group_ok)
        ep_json_put(mod, "reason", json_string("igraph could not compute the modularity"), bad);
    ep_json_put(res, "modularity", mod, bad);
    if (o->weighted) {
        json_t *citems = json_array();
        for (int c = 0; c < o->n_comm; c++) {
            const struct ep_network_comm *x = &o->comm[c];
            json_t *gl = json_array();
            for (int k = 0; k < x->n_groups; k++)
                ep_json_add(gl,
                    json_pack("{s:o, s:i}", "group",
                              x->groups[k].grp >= 0 ? json_string(m->grp_code[x->groups[k].grp])
                                                    : json_null(),
                              "nodes_with_modal_group", x->groups[k].nodes),
                    bad);
            ep_json_add(citems, json_pack("{s:i, s:i, s:o}", "community", c, "size", x->size, "groups", gl),
                bad);
        }
        ep_json_put(res, "communities",
            json_pack("{s:b, s:i, s:o}", "available", 1, "count", o->n_comm, "items", citems),
            bad);
    } else {
        json_t *ne = ep_json_unavailable(o->no_edges_reason);
        ep_json_put(ne, "minimum_common_votes", json_integer(g->min_common), bad);
        ep_json_put(res, "communities", ne, bad);
    }
    /* nodes per modal group over the whole network (a node's group is the one it held longest
     * in the window), largest first: not seats, not members in the window */
    json_t *mg = json_array();
    for (int k = 0; k < o->n_modal; k++)
        ep_json_add(mg,
            json_pack("{s:o, s:i}", "group",
                      o->modal[k].grp >= 0 ? json_string(m->grp_code[o->modal[k].grp])
                                           : json_null(),
                      "nodes_with_modal_group", o->modal[k].nodes),
            bad);
    ep_json_put(res, "modal_groups", mg, bad);
}

/* top (MEPs per centrality) and group_bridges into res. */
static void map_top_json(const struct ep_network *o, json_t *res, int *bad)
{
    struct ep_win *w = o->win;
    const struct ep_graph *g = &w->g;
    json_t *topo;
    if (o->weighted) {
        topo = json_pack("{s:b}", "available", 1);
        for (int c = 0; c < EP_CENT_N; c++) {
            json_t *a = json_array();
            for (int k = 0; k < o->n_top[c]; k++)
                ep_json_add(a, mep_json(w, g->node[o->top[c][k].node].mep, 1, o->top[c][k].value), bad);
            ep_json_put(topo, ep_network_cent_name[c], a, bad);
        }
    } else {
        topo = ep_json_unavailable(o->no_edges_reason);
        ep_json_put(topo, "minimum_common_votes", json_integer(g->min_common), bad);
    }
    ep_json_put(res, "top", topo, bad);
    json_t *gb = json_array();
    for (int k = 0; k < o->n_bridge; k++) {
        const struct ep_network_bridge *x = &o->bridge[k];
        ep_json_add(gb,
            json_pack("{s:s, s:s, s:i, s:o, s:i}", "a", w->m->grp_code[x->a], "b",
                      w->m->grp_code[x->b], "edges", x->edges, "mean_weight", ep_json_real(x->mean_weight),
                      "strong_edges", x->strong_edges),
            bad);
    }
    ep_json_put(res, "group_bridges", gb, bad);
}

/* node_list: every node (up to MAP_MAX_NODES) with its measures. */
static void map_nodes_json(const struct ep_network *o, json_t *res, int *bad)
{
    struct ep_win *w = o->win;
    const struct ep_graph *g = &w->g;
    int n = g->n_node, has_w = o->weighted;
    json_t *nl = json_array();
    for (int k = 0; k < n && k < MAP_MAX_NODES; k++) {
        const struct ep_graph_node *nd = &g->node[k];
        json_t *x = mep_json(w, nd->mep, 0, 0);
        ep_json_put(x, "cast", json_integer(nd->cast), bad);
        ep_json_put(x, "degree", json_integer(nd->degree), bad);
        ep_json_put(x, "strength", ep_json_real(nd->strength), bad);
        ep_json_put(x, "eigenvector", has_w && nd->eigen >= 0 ? ep_json_real(nd->eigen) : json_null(), bad);
        ep_json_put(x, "pagerank", has_w && nd->pagerank >= 0 ? ep_json_real(nd->pagerank) : json_null(), bad);
        ep_json_put(x, "betweenness", has_w && nd->betweenness >= 0 ? ep_json_real(nd->betweenness) : json_null(),
            bad);
        ep_json_put(x, "bridge_score", ep_json_real_if(nd->bridge_ok && nd->bridge >= 0, nd->bridge), bad);
        ep_json_put(x, "community", has_w ? json_integer(nd->community) : json_null(), bad);
        ep_json_add(nl, x, bad);
    }
    ep_json_put(res, "node_list", nl, bad);
    ep_json_put(res, "nodes_truncated", json_boolean(n > MAP_MAX_NODES), bad);
}

/* The network parameters from the arguments (defaults as in the schema). */
/* The arguments, with the schema's defaults filled in by ep_tools_call. */
static void map_params(json_t *args, struct ep_network_params *p)
{
    p->min_common = (int)json_integer_value(json_object_get(args, "min_common_votes"));
    p->top = (int)json_integer_value(json_object_get(args, "top"));
    const char *algo_name = json_string_value(json_object_get(args, "community_algorithm"));
    p->algo = algo_name && strcmp(algo_name, "leiden") == 0 ? EP_GRAPH_LEIDEN : EP_GRAPH_LOUVAIN;
}

/* The map_political_network result over the window of args (*wp: that window, borrowed from
 * the env's cache); fmts for the political map's note. */
static int map_run(struct ep_tool_ctx *ctx, struct ep_run *r, json_t *args, unsigned fmts,
                   struct ep_win **wp, json_t **result, struct ep_error *err)
{
    struct ep_tools_window tw;
    struct ep_win *w = NULL;
    int rc = ep_run_stage(r, "loading the window", err);
    if (!rc)
        rc = win_get(ctx, args, &tw, &w, err);
    if (rc)
        return rc;
    struct ep_network_params p;
    map_params(args, &p);
    struct ep_network o;
    if ((rc = ep_network_compute(w, &p, r, &o, err)))
        return rc;
    const struct ep_matrix *m = w->m;
    const struct ep_graph *g = &w->g;
    int n = g->n_node, bad = 0;
    json_t *res = json_object();
    ep_json_put(res, "nodes", json_integer(n), &bad);
    ep_json_put(res, "edges", json_integer(g->n_edge), &bad);
    ep_json_put(res, "density", n >= 2 ? ep_json_real(2.0 * g->n_edge / ((double)n * (n - 1))) : json_null(), &bad);
    ep_json_put(res, "min_common_votes", json_integer(g->min_common), &bad);
    map_groups_json(&o, res, &bad);
    map_top_json(&o, res, &bad);
    ep_json_put(res, "threshold_graph",
        json_pack("{s:o, s:i, s:i, s:i, s:i}", "threshold", ep_json_real(g->threshold), "edges", g->thr_edges,
                  "components", g->thr_components, "nontrivial_components",
                  g->thr_components_nontrivial, "largest_component", g->thr_largest),
        &bad);
    ep_json_put(res, "betweenness_backbone",
        json_pack("{s:s, s:i, s:i, s:s}", "method",
                  "union of each MEP's top-k strongest edges (ties to the lower neighbour index); "
                  "betweenness on the full dense graph is O(V*E) and is not computed",
                  "k", g->top_k, "edges", g->backbone_edges, "distance",
                  "1 - w (w = 1 edges get 1e-6)"),
        &bad);
    ep_json_put(res, "artefacts",
        ep_json_unavailable("no files requested: pass formats [\"graphml\", \"png\"] for the "
                             "network GraphML and the network and political-map PNGs"),
        &bad);
    if (json_is_true(json_object_get(args, "include_nodes")))
        map_nodes_json(&o, res, &bad);
    ep_network_free(&o);
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
            ep_run_too_short(r, "votes", m->n_vote, mpp.min_cast,
                             "political-map (MEPs need %d cast votes)", mpp.min_cast);
    }
    *wp = w;
    return finish(ctx, r, &tw, w, res, meth, bad, result, err);
}

int tool_map_political_network(struct ep_tool_ctx *ctx, json_t *args, json_t **result,
                               struct ep_error *err)
{
    struct ep_run r;
    run_init(&r, ctx, "map_political_network", 5);
    unsigned fmts;
    if (ep_artefact_formats(args, EP_FMT_JSON | EP_FMT_GRAPHML | EP_FMT_PNG,
                            "map_political_network", &fmts, err))
        return EP_EINVAL;
    struct ep_win *w = NULL;
    int rc = map_run(ctx, &r, args, fmts, &w, result, err);
    if (rc == 0 && fmts != EP_FMT_JSON && (rc = ep_tools_render_map(ctx, w, args, fmts, *result, err))) {
        json_decref(*result);
        *result = NULL;
    }
    return rc;
}


int ep_tools_map_result(struct ep_tool_ctx *ctx, json_t *args, unsigned fmts, int progress,
                        struct ep_win **w, json_t **result, struct ep_error *err)
{
    struct ep_run r;
    run_init(&r, ctx, "map_political_network", 5);
    if (!progress)
        r.progress = NULL; /* the caller reports progress */
    return map_run(ctx, &r, args, fmts, w, result, err);
}

/* ==== 4. detect_voting_anomalies =========================================================== */

static const char *scale_name(int s)
{
    return s == EP_SCALE_MAD ? "1.4826*MAD" : s == EP_SCALE_MEANAD ? "1.253314*MeanAD" : "constant";
}

static const char *const etype_name[3] = {"parliament", "group", "mep"};

static json_t *anom_alert_json(const struct ep_anomalies *o, const struct ep_anomaly_alert *x,
                               int *bad)
{
    const struct ep_matrix *m = o->win->m;
    json_t *fl = json_array(), *votes = json_array();
    if (x->by_robust)
        ep_json_add(fl, json_string("robust"), bad);
    if (x->by_classic)
        ep_json_add(fl, json_string("classic"), bad);
    for (int k = 0; k < x->n_votes; k++)
        ep_json_add(votes, json_integer((json_int_t)x->votes[k]), bad);
    json_t *al = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:o, s:i}", "entity_type",
        etype_name[x->etype], "entity", x->entity, "kind", ep_anom_kind_name[x->meas], "measure",
        ep_anom_measure_name[x->meas], "severity", fabs(x->z) >= EP_ANOM_SEV_HIGH ? "high" : "medium",
        "z", ep_json_real(x->z), "z_robust", ep_json_real(x->z_robust), "z_classic", ep_json_real_if(x->classic_ok, x->z_classic),
        "flagged_by", fl, "value", ep_json_real(x->value), "baseline_median", ep_json_real(x->baseline_median), "date",
        x->date, "votes", votes, "votes_total", x->votes_total);
    if (al && x->mep >= 0)
        ep_json_put(al, "mep_id", json_integer((json_int_t)m->mep_id[x->mep]), bad);
    if (al && x->grp >= 0)
        ep_json_put(al, "group", json_string(m->grp_code[x->grp]), bad);
    return al;
}

static json_t *anom_series_json(const struct ep_anomalies *o, const struct ep_anomaly_series *x)
{
    const char *et = etype_name[x->etype], *mn = ep_anom_measure_name[x->meas];
    if (x->status == EP_ANOM_SERIES_UNAVAILABLE)
        return json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:s}", "entity_type", et, "entity",
                         x->entity, "measure", mn, "status", "unavailable", "observations", 0,
                         "minimum", o->op.min_obs, "reason", x->reason);
    if (x->status == EP_ANOM_SERIES_TOO_FEW)
        return json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:s}", "entity_type", et, "entity",
                         x->entity, "measure", mn, "status", "too_few_observations",
                         "observations", x->n_obs, "minimum", o->op.min_obs, "reason", x->reason);
    return json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:o, s:s, s:i}", "entity_type", et, "entity",
                     x->entity, "measure", mn, "status", "ok", "observations", x->n_obs, "minimum",
                     o->op.min_obs, "median", ep_json_real(x->median), "scale", scale_name(x->scale),
                     "alerts", x->alerts);
}

/* alerts, series and summary into res. */
static void anom_lists_json(const struct ep_anomalies *o, json_t *res, int *bad)
{
    json_t *alerts = json_array(), *series = json_array();
    for (int k = 0; k < o->n_alert && k < EP_ANOM_MAX_ALERTS; k++)
        ep_json_add(alerts, anom_alert_json(o, &o->alert[k], bad), bad);
    for (int k = 0; k < o->n_series; k++)
        ep_json_add(series, anom_series_json(o, &o->series[k]), bad);
    ep_json_put(res, "alerts", alerts, bad);
    ep_json_put(res, "alerts_total", json_integer(o->n_alert), bad);
    ep_json_put(res, "series", series, bad);
    char note[400];
    if (o->n_series > 0 && o->n_short == o->n_series)
        snprintf(note, sizeof note,
                 "every series is too short for a baseline: %d sittings in the window, at least "
                 "%d defined sittings needed; widen the window or lower min_observations",
                 o->win->per[EP_PERIOD_SITTING].n, o->op.min_obs);
    else
        snprintf(note, sizeof note,
                 "%d alert(s) over %d series (%d too short: fewer than %d "
                 "defined sittings)",
                 o->n_alert, o->n_series, o->n_short, o->op.min_obs);
    ep_json_put(res, "summary",
        json_pack("{s:i, s:i, s:i, s:i, s:s}", "series", o->n_series, "series_too_short",
                  o->n_short, "alerts", o->n_alert, "suppressed_low_evidence", o->n_suppressed,
                  "note", note),
        bad);
}

/* The scope arguments: scope, mep_id or group, threshold, min_observations. */
static int anom_params(struct ep_tool_ctx *ctx, struct ep_win *w, json_t *args, const char *scope,
                       struct ep_anomalies_params *p, struct ep_error *err)
{
    memset(p, 0, sizeof *p);
    p->mep = p->grp = -1;
    ep_stats_outlier_params_default(&p->op); /* classic_min */
    /* the schema's defaults are filled in by ep_tools_call */
    p->op.threshold = json_number_value(json_object_get(args, "threshold"));
    p->op.min_obs = (int)json_integer_value(json_object_get(args, "min_observations"));
    if (strcmp(scope, "mep") == 0) {
        p->scope = EP_ANOM_MEP;
        if (!json_is_integer(json_object_get(args, "mep_id")))
            return ep_error_set(err, EP_EINVAL,
                                "argument \"mep_id\" is required when scope is \"mep\"");
        p->mep = ep_tools_env_mep_index(
            ctx->env, w->m, (int64_t)json_integer_value(json_object_get(args, "mep_id")), "mep_id",
            err);
        return p->mep < 0 ? p->mep : 0;
    }
    if (strcmp(scope, "group") == 0) {
        p->scope = EP_ANOM_GROUP;
        const char *gc = json_string_value(json_object_get(args, "group"));
        if (!gc)
            return ep_error_set(err, EP_EINVAL,
                                "argument \"group\" is required when scope is \"group\"");
        p->grp = find_group(ctx->env, w->m, gc, "group", err);
        return p->grp < 0 ? p->grp : 0;
    }
    p->scope = EP_ANOM_PARLIAMENT;
    return 0;
}

int tool_detect_voting_anomalies(struct ep_tool_ctx *ctx, json_t *args, json_t **result,
                                        struct ep_error *err)
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
    const char *scope = json_string_value(json_object_get(args, "scope")); /* schema default */
    if (!scope)
        return ep_error_set(err, EP_EINVAL, "argument \"scope\" is missing");
    struct ep_anomalies_params p;
    if ((rc = anom_params(ctx, w, args, scope, &p, err)))
        return rc;
    struct ep_anomalies o;
    if ((rc = ep_anomalies_compute(w, &p, &r, &o, err)))
        return rc;
    int bad = 0;
    json_t *res = json_object();
    ep_json_put(res, "scope", json_string(scope), &bad);
    if (p.scope == EP_ANOM_MEP)
        ep_json_put(res, "entity", mep_json(w, p.mep, 0, 0), &bad);
    else if (p.scope == EP_ANOM_GROUP)
        ep_json_put(res, "entity", json_pack("{s:s}", "group", w->m->grp_code[p.grp]), &bad);
    ep_json_put(res, "threshold", ep_json_real(o.op.threshold), &bad);
    ep_json_put(res, "min_observations", json_integer(o.op.min_obs), &bad);
    char rule[600];
    snprintf(rule, sizeof rule,
             "a sitting is flagged when |z| > %.2f in the alert's direction (defections and "
             "abstentions up, participation and cohesion down); severity high when |z| >= %.1f, "
             "else medium; z = the robust z (median/MAD), or the classic z when only it flags; "
             "an MEP's defection or abstention alert also needs >= %d such votes in the sitting",
             o.op.threshold, EP_ANOM_SEV_HIGH, EP_ANOM_MIN_HITS);
    ep_json_put(res, "severity_rule", json_string(rule), &bad);
    anom_lists_json(&o, res, &bad);
    if (o.scanned)
        ep_json_put(res, "mep_scan",
            json_pack("{s:b, s:s, s:i, s:i, s:i}", "available", 1, "measure",
                      "defection_rate per sitting of every MEP", "meps_checked", o.scan_checked,
                      "too_short", o.scan_too_short, "alerts", o.scan_alerts),
            &bad);
    else if (strcmp(scope, "parliament") != 0)
        ep_json_put(res, "mep_scan", ep_json_unavailable("only with scope \"parliament\""), &bad);
    ep_anomalies_free(&o);
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

/* The evidence object of an available risk dimension. */
static json_t *risk_evidence(const struct ep_risk *o, int d, int *bad)
{
    const struct ep_win *w = o->win;
    const struct ep_matrix *m = w->m;
    const struct ep_stats_periods *ps = &w->per[EP_PERIOD_SITTING];
    json_t *ev = json_object();
    char day[11];
    if (d == EP_RISK_COH) {
        json_t *pg = json_array();
        for (int k = 0; k < o->n_coh; k++)
            ep_json_add(pg,
                json_pack("{s:s, s:o, s:o, s:i}", "group", m->grp_code[o->coh[k].grp],
                          "ai_first_half", ep_json_real(o->coh[k].first), "ai_second_half",
                          ep_json_real(o->coh[k].second), "seats", (int)w->frag.seats[o->coh[k].grp]),
                bad);
        char h0[11];
        day_str(ps->key[o->coh_half], day);
        day_str(ps->key[0], h0);
        ep_json_put(ev, "decline", ep_json_real(o->coh_decline), bad);
        ep_json_put(ev, "first_half_from", json_string(h0), bad);
        ep_json_put(ev, "second_half_from", json_string(day), bad);
        ep_json_put(ev, "groups", pg, bad);
    } else if (d == EP_RISK_DEF) {
        json_t *fl = json_array();
        for (int k = 0; k < o->n_surge; k++) {
            const struct ep_risk_surge *x = &o->surge[k];
            json_t *votes = json_array();
            for (int v = 0; v < x->n_votes; v++)
                ep_json_add(votes, json_integer((json_int_t)x->votes[v]), bad);
            day_str(ps->key[x->point], day);
            ep_json_add(fl,
                json_pack("{s:s, s:s, s:o, s:o, s:o}", "group", m->grp_code[x->grp], "date", day,
                          "z", ep_json_real(x->z), "defection_rate", ep_json_real(x->rate), "votes", votes),
                bad);
        }
        ep_json_put(ev, "flagged_points", json_integer(o->def_flagged), bad);
        ep_json_put(ev, "points", json_integer(o->def_points), bad);
        ep_json_put(ev, "series_too_short", json_integer(o->def_too_few), bad);
        ep_json_put(ev, "surges", fl, bad);
    } else if (d == EP_RISK_CLOSE) {
        json_t *cl = json_array();
        for (int k = 0; k < o->n_close; k++) {
            int v = o->close[k].vote, margin = o->close[k].margin;
            int cast = w->F[v] + w->A[v] + w->Ab[v];
            day_str(m->vote_day[v], day);
            ep_json_add(cl,
                json_pack("{s:I, s:s, s:s, s:i, s:i, s:i, s:i, s:o}", "vote_id",
                          (json_int_t)m->vote_id[v], "date", day, "title", o->close[k].title,
                          "for", w->F[v], "against", w->A[v], "abstention", w->Ab[v], "margin",
                          margin, "margin_share", ep_json_real((double)margin / cast)),
                bad);
        }
        ep_json_put(ev, "close_votes", json_integer(o->close_votes), bad);
        ep_json_put(ev, "votes", json_integer(o->close_withcast), bad);
        ep_json_put(ev, "share", ep_json_real((double)o->close_votes / o->close_withcast), bad);
        ep_json_put(ev, "listed", cl, bad);
    } else if (d == EP_RISK_SWING) {
        json_t *pg = json_array(), *bg = json_array();
        for (int g = 0; g < m->n_grp; g++)
            ep_json_add(pg,
                json_pack("{s:s, s:i, s:o, s:b}", "group", m->grp_code[g], "pivotal_votes",
                          (int)w->grp_piv[g], "share", ep_json_real((double)w->grp_piv[g] / w->decided),
                          "swing", g != o->big[0] && g != o->big[1]),
                bad);
        for (int k = 0; k < 2; k++)
            if (o->big[k] >= 0)
                ep_json_add(bg, json_string(m->grp_code[o->big[k]]), bad);
        ep_json_put(ev, "decided_votes", json_integer(w->decided), bad);
        ep_json_put(ev, "swing_pivotal_votes", json_integer(o->swing), bad);
        ep_json_put(ev, "share", ep_json_real((double)o->swing / w->decided), bad);
        ep_json_put(ev, "largest_groups", bg, bad);
        ep_json_put(ev, "groups", pg, bad);
    }
    return ev;
}

/* The fragmentation evidence (kept also when the dimension has no data, as before). */
static json_t *risk_frag_evidence(const struct ep_risk *o, int *bad)
{
    const struct ep_win *w = o->win;
    json_t *ev = json_object();
    if (w->frag.seats_ok)
        ep_json_put(ev, "enp_seats", ep_json_real(w->frag.enp_seats), bad);
    if (w->frag.votes_ok)
        ep_json_put(ev, "enp_votes", ep_json_real(w->frag.enp_votes), bad);
    if (w->g.modularity_ok) {
        ep_json_put(ev, "modularity_detected", ep_json_real(w->g.modularity), bad);
        ep_json_put(ev, "communities", json_integer(w->g.n_comm), bad);
    }
    if (w->g.modularity_group_ok)
        ep_json_put(ev, "modularity_by_group", ep_json_real(w->g.modularity_group), bad);
    if (o->frag_mod_missing)
        ep_json_put(ev, "modularity_reason", json_string(o->frag_mod_reason), bad);
    if (o->frag_components)
        ep_json_put(ev, "components_used", json_integer(o->frag_components), bad);
    return ev;
}

/* level, composite, thresholds, weights and dimensions into res. */
static void risk_json(const struct ep_risk *o, json_t *res, int *bad)
{
    struct wdims x;
    wdims_init(&x);
    for (int d = 0; d < EP_RISK_NDIM; d++) {
        const struct ep_risk_dim *di = &o->dim[d];
        json_t *dj;
        if (di->available) {
            json_t *ev = d == EP_RISK_FRAG ? risk_frag_evidence(o, bad) : risk_evidence(o, d, bad);
            dj = json_pack("{s:b, s:o, s:o, s:s, s:s, s:o}", "available", 1, "value",
                           ep_json_real(di->value), "weight", ep_json_real(di->weight),
                           "normalisation", ep_risk_dim_norm[d], "definition", ep_risk_dim_def[d], "evidence",
                           ev);
        } else {
            dj = ep_json_unavailable(di->reason);
            ep_json_put(dj, "definition", json_string(ep_risk_dim_def[d]), bad);
            ep_json_put(dj, "normalisation", json_string(ep_risk_dim_norm[d]), bad);
            if (di->min_sittings)
                ep_json_put(dj, "minimum_sittings", json_integer(di->min_sittings), bad);
        }
        wdims_add(&x, ep_risk_dim_name[d], ep_risk_dim_weight[d], di->available, di->weight, dj,
                  bad);
    }
    char note[300];
    snprintf(note, sizeof note,
             json_array_size(x.dropped)
                 ? "%zu dimension(s) without data dropped; remaining weights divided by their "
                   "sum %.2f"
                 : "all dimensions available (%zu dropped, weight sum %.2f)",
             json_array_size(x.dropped), o->weight_sum);
    json_t *wt = weights_json(x.nom, x.eff, x.dropped, note, bad);
    ep_json_put(res, "level", json_string(ep_risk_level(o->composite)), bad);
    ep_json_put(res, "composite", ep_json_real(o->composite), bad);
    ep_json_put(res, "thresholds",
        json_pack("{s:f, s:f, s:f, s:s}", "MODERATE", 0.25, "HIGH", 0.5, "CRITICAL", 0.75, "rule",
                  ep_risk_rule),
        bad);
    ep_json_put(res, "weights", wt, bad);
    ep_json_put(res, "dimensions", x.dims, bad);
}

/* The generate_political_risk_assessment result over the window of args. */
static int risk_run(struct ep_tool_ctx *ctx, struct ep_run *r, json_t *args, json_t **result,
                    struct ep_error *err)
{
    struct ep_tools_window tw;
    struct ep_win *w = NULL;
    int rc = ep_run_stage(r, "loading the window", err);
    if (!rc)
        rc = win_get(ctx, args, &tw, &w, err);
    if (rc || !w)
        return rc ? rc : EP_EINTERNAL;
    struct ep_risk o;
    if ((rc = ep_risk_compute(w, r, &o, err)))
        return rc;
    int bad = 0;
    json_t *res = json_object();
    risk_json(&o, res, &bad);
    ep_risk_free(&o);
    ep_json_put(res, "normalisation", json_string(ep_risk_normalisation), &bad);
    static const char *const inputs[] = {
        "per vote and group counts and positions; per-vote totals FOR/AGAINST/ABSTENTION",
        "group seats on the last vote; votes cast per group", "co-voting network modularity",
        "per-sitting group defection series with robust z-scores", NULL};
    json_t *meth = methodology(w, ep_risk_formula, inputs, ep_risk_limits);
    if ((rc = ep_run_stage(r, "result", err))) {
        json_decref(res);
        json_decref(meth);
        return rc;
    }
    return finish(ctx, r, &tw, w, res, meth, bad, result, err);
}

int ep_tools_coal_or_risk_result(struct ep_tool_ctx *ctx, json_t *args, int briefing,
                                 int progress, json_t **result, struct ep_error *err)
{
    struct ep_run r;
    run_init(&r, ctx,
             briefing ? "generate_political_risk_assessment" : "analyze_coalition_dynamics",
             briefing ? 8 : 7);
    if (!progress)
        r.progress = NULL; /* the caller reports progress */
    return briefing ? risk_run(ctx, &r, args, result, err)
                    : coalition_run(ctx, &r, args, json_object_get(args, "groups"), result, err);
}

int ep_tools_risk_compute(struct ep_tool_ctx *ctx, json_t *args, struct ep_risk *out,
                        struct ep_error *err)
{
    struct ep_run r;
    run_init(&r, ctx, "generate_political_risk_assessment", 8);
    r.progress = NULL;
    struct ep_tools_window tw;
    struct ep_win *w = NULL;
    ep_risk_init(out);
    int rc = win_get(ctx, args, &tw, &w, err);
    return rc ? rc : ep_risk_compute(w, &r, out, err);
}

/* The two tools: the result, then the files of formats (render_coalition). */
static int coal_or_risk_tool(struct ep_tool_ctx *ctx, json_t *args, int briefing,
                             json_t **result, struct ep_error *err)
{
    unsigned fmts;
    if (ep_artefact_formats(args, EP_FMT_JSON | EP_FMT_PNG | EP_FMT_PDF,
                            briefing ? "generate_political_risk_assessment"
                                     : "analyze_coalition_dynamics",
                            &fmts, err))
        return EP_EINVAL;
    int rc = ep_tools_coal_or_risk_result(ctx, args, briefing, 1, result, err);
    if (rc == 0 && fmts != EP_FMT_JSON &&
        (rc = ep_tools_render_coalition(ctx, args, fmts, *result, briefing, err))) {
        json_decref(*result);
        *result = NULL;
    }
    return rc;
}

int tool_analyze_coalition_dynamics(struct ep_tool_ctx *ctx, json_t *args, json_t **result,
                                    struct ep_error *err)
{
    return coal_or_risk_tool(ctx, args, 0, result, err);
}

int tool_generate_political_risk_assessment(struct ep_tool_ctx *ctx, json_t *args,
                                            json_t **result, struct ep_error *err)
{
    return coal_or_risk_tool(ctx, args, 1, result, err);
}


/* ==== the typed products behind the documents (tools/ep_artefact.c) ======================= */

int ep_tools_coalition_compute(struct ep_tool_ctx *ctx, json_t *args, struct ep_coalition *out,
                               struct ep_error *err)
{
    struct ep_run r;
    run_init(&r, ctx, "analyze_coalition_dynamics", 7);
    r.progress = NULL; /* the caller reports progress */
    ep_coalition_init(out);
    struct ep_tools_window tw;
    struct ep_win *w = NULL;
    int rc = win_get(ctx, args, &tw, &w, err);
    if (rc)
        return rc;
    struct ep_coalition_params p;
    if ((rc = coal_groups_arg(ctx, w->m, json_object_get(args, "groups"), &p, err)))
        return rc;
    return ep_coalition_compute(w, &p, &r, out, err);
}

int ep_tools_influence_compute(struct ep_tool_ctx *ctx, json_t *args, int64_t mep_id,
                               struct ep_influence *out, struct ep_error *err)
{
    struct ep_run r;
    run_init(&r, ctx, "assess_mep_influence", 8);
    r.progress = NULL; /* the caller reports progress */
    ep_influence_init(out);
    struct ep_tools_window tw;
    struct ep_win *w = NULL;
    int rc = win_get(ctx, args, &tw, &w, err);
    if (rc)
        return rc;
    struct ep_influence_params p;
    if ((p.mep = ep_tools_env_mep_index(ctx->env, w->m, mep_id, "mep_id", err)) < 0)
        return p.mep;
    return ep_influence_compute(w, &p, &r, out, err);
}
