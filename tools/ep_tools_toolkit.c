/* ep_tools_toolkit: rows and handlers of the toolkit tools, part A. See ep_tools_toolkit.h and
 * docs/tools-intel.md ("Analyst's toolkit"). */
#include "ep_tools_toolkit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_attendance.h"
#include "ep_comparative.h"
#include "ep_delegation.h"
#include "ep_ego.h"
#include "ep_groups_compare.h"
#include "ep_landscape.h"
#include "ep_report.h"
#include "ep_report_hemicycle.h"
#include "ep_artefact.h"
#include "ep_env.h"
#include "ep_json.h"
#include "ep_model.h"
#include "ep_positions.h"
#include "ep_query_intel.h"
#include "ep_query_toolkit.h"
#include "ep_query_topics.h"
#include "ep_run.h"
#include "ep_stats.h"
#include "ep_store.h"
#include "ep_tools_common.h"
#include "ep_tools_topics.h"
#include "ep_tools_window.h"
#include "ep_util.h"

#define ANNOT 1, 1, 0

/* ---- what every toolkit tool shares ------------------------------------------------------ */

/* One call: the run (progress, cancellation, too-short measures), the window and its names. */
struct kit {
    struct ep_tool_ctx *ctx;
    struct ep_run run;
    struct ep_tools_window tw;
    struct ep_win *w;
    int *modal; /* [n_mep] modal groups (kit_mep), owned, NULL until needed */
    int named;  /* MEPs named by kit_mep so far */
};

typedef int (*kit_body)(struct kit *k, struct ep_tool_ctx *ctx, json_t *args, json_t **result,
                        struct ep_error *err);

/* Run a tool's body with its call state, and free that state. */
static int kit_run(struct ep_tool_ctx *ctx, json_t *args, json_t **result, struct ep_error *err,
                   kit_body body)
{
    struct kit k;
    memset(&k, 0, sizeof k);
    int rc = body(&k, ctx, args, result, err);
    free(k.modal);
    return rc;
}

/* Start a call of tool with n_stages stages: load the window of args and its MEP names. */
static int kit_begin(struct kit *k, struct ep_tool_ctx *ctx, const char *tool, int n_stages,
                     json_t *args, struct ep_error *err)
{
    memset(k, 0, sizeof *k);
    k->ctx = ctx;
    k->run.tool = tool;
    k->run.n = n_stages + 2; /* + loading the window, provenance */
    if (!ctx || !ctx->store)
        return ep_error_set(err, EP_EINVAL, "no store is open");
    k->run.progress = ctx->progress;
    k->run.pctx = ctx->pctx;
    k->run.cancelled = ctx->cancelled;
    k->run.deadline = ctx->deadline;
    int rc = ep_run_stage(&k->run, "loading the window", err);
    if (!rc)
        rc = ep_tools_window_from_args(args, &k->tw, err);
    if (!rc)
        rc = ep_tools_win(ctx, &k->tw, &k->w, err);
    if (!rc)
        rc = ep_win_need_names(k->w, err);
    return rc;
}

static long long iarg(json_t *args, const char *name, long long dflt)
{
    json_t *v = json_object_get(args, name);
    return json_is_integer(v) ? json_integer_value(v) : dflt;
}

static const char *gcode(const struct ep_matrix *m, int g)
{
    return g >= 0 && g < m->n_grp ? m->grp_code[g] : NULL;
}

/* {mep_id, name, group (modal in the window), country}. */
static json_t *kit_mep(struct kit *k, int i)
{
    const struct ep_win *w = k->w;
    /* ep_win_modal_group walks the MEP's column of the matrix (the graph's node when the window
     * has a graph): fine for a few MEPs; from the 33rd on, every MEP's modal group once per call
     * in one pass in memory order */
    if (!k->modal && !w->have_graph && ++k->named > 32) {
        k->modal = malloc((size_t)(w->m->n_mep > 0 ? w->m->n_mep : 1) * sizeof *k->modal);
        if (k->modal && ep_cmp_modal_groups(w->m, k->modal, NULL)) {
            free(k->modal);
            k->modal = NULL;
        }
    }
    const char *g = gcode(w->m, k->modal && !w->have_graph ? k->modal[i] : ep_win_modal_group(w, i));
    return json_pack("{s:I, s:s, s:o, s:o}", "mep_id", (json_int_t)w->m->mep_id[i], "name",
                     w->name[i], "group", ep_json_str_or_null(g), "country",
                     ep_json_str_or_null(w->country[i][0] ? w->country[i] : NULL));
}

static json_t *vote_ref(const struct ep_matrix *m, int v, const char *title)
{
    char d[11];
    ep_date_format(m->vote_day[v], d);
    return json_pack("{s:I, s:s, s:s}", "vote_id", (json_int_t)m->vote_id[v], "date", d,
                     "title", title ? title : "");
}

/* Finish res: window, window_too_short, methodology {formula, inputs, coverage, limits} and
 * provenance; *result = res on success (res is released on failure). */
static int kit_finish(struct kit *k, json_t *res, const char *formula, const char *const *inputs,
                      const char *const *limits, int bad, json_t **result, struct ep_error *err)
{
    const struct ep_run *r = &k->run;
    ep_json_put(res, "window", ep_tools_window_json(&k->tw, k->w->m), &bad);
    if (r->n_short > 0) {
        json_t *a = json_array();
        for (int i = 0; i < r->n_short; i++)
            ep_json_add(a,
                        json_pack("{s:s, s:s, s:I, s:I}", "measure", r->shortm[i].measure, "unit",
                                  r->shortm[i].unit, "have", (json_int_t)r->shortm[i].have,
                                  "minimum", (json_int_t)r->shortm[i].minimum),
                        &bad);
        ep_json_put(res, "window_too_short",
                    json_pack("{s:s, s:o}", "note",
                              "the window is too short for these measures: each is unavailable "
                              "with its reason; widen the window (from, to, sittings)",
                              "measures", a),
                    &bad);
    }
    ep_json_put(res, "methodology",
                json_pack("{s:s, s:o, s:{s:i, s:i, s:i}, s:o}", "formula", formula, "inputs",
                          ep_json_strings(inputs), "coverage", "votes", k->w->m->n_vote, "meps",
                          k->w->n_active, "sittings", k->w->n_sittings, "limits",
                          ep_json_strings(limits)),
                &bad);
    if (bad) {
        json_decref(res);
        return ep_error_set(err, EP_ENOMEM, "out of memory while building the result");
    }
    int rc = ep_run_stage(&k->run, "provenance", err);
    if (!rc)
        rc = ep_tools_env_add_provenance(k->ctx->env, res, err);
    if (rc) {
        json_decref(res);
        return rc;
    }
    *result = res;
    return 0;
}

/* Matrix index of MEP id, or an error naming the argument (ep_tools_env_mep_index). */
static int kit_mep_index(struct kit *k, int64_t id, const char *arg, struct ep_error *err)
{
    return ep_tools_env_mep_index(k->ctx->env, k->w->m, id, arg, err);
}

/* Titles of the votes idx[0..n-1] (matrix indices): one block, free() it. */
static int kit_titles(struct kit *k, const int *idx, int n, char ***titles, struct ep_error *err)
{
    int64_t *ids = malloc((size_t)(n > 0 ? n : 1) * sizeof *ids);
    if (!ids)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    for (int j = 0; j < n; j++)
        ids[j] = k->w->m->vote_id[idx[j]];
    int rc = ep_query_vote_titles(k->ctx->store, ids, n, titles, err);
    free(ids);
    return rc;
}

/* ==== comparative_intelligence ============================================================= */

static const char *const pos_name[] = {"NONE", "FOR", "AGAINST", "ABSTENTION", "DID_NOT_VOTE"};

static const char *cell_pos(const struct ep_matrix *m, int v, int i)
{
    uint8_t x = m->pos[(size_t)v * (size_t)m->n_mep + (size_t)i];
    return pos_name[x <= EP_POS_DID_NOT_VOTE ? x : 0];
}

static json_t *cmp_pairs_json(struct kit *k, const struct ep_comparative *o, int *bad,
                              struct ep_error *err, int *rc)
{
    const struct ep_matrix *m = k->w->m;
    json_t *arr = json_array();
    for (int q = 0; q < o->n_pair && !*rc; q++) {
        const struct ep_cmp_pair *pr = &o->pair[q];
        int i = o->p.mep[pr->a], j = o->p.mep[pr->b];
        char **titles = NULL;
        if ((*rc = kit_titles(k, pr->differ, pr->n_kept, &titles, err)))
            break;
        json_t *diff = json_array();
        for (int d = 0; d < pr->n_kept; d++) {
            int v = pr->differ[d];
            json_t *x = vote_ref(m, v, titles[d]);
            ep_json_put(x, "positions",
                        json_pack("{s:s, s:s}", "a", cell_pos(m, v, i), "b", cell_pos(m, v, j)),
                        bad);
            ep_json_add(diff, x, bad);
        }
        free(titles);
        json_t *p = json_pack("{s:I, s:I, s:i, s:i, s:i, s:o, s:o, s:b}", "a",
                              (json_int_t)m->mep_id[i], "b", (json_int_t)m->mep_id[j],
                              "shared_votes", pr->both, "agreeing_votes", pr->same,
                              "differing_votes", pr->n_differ, "agreement",
                              ep_json_real_if(pr->ok, pr->agreement), "differ", diff,
                              "differ_truncated", pr->n_kept < pr->n_differ);
        if (p && !pr->ok)
            ep_json_put(p, "reason",
                        json_string("the two MEPs cast no vote in common in the window"), bad);
        ep_json_add(arr, p, bad);
    }
    return arr;
}

static json_t *cmp_like_json(struct kit *k, const struct ep_comparative *o, int *bad)
{
    const struct ep_win *w = k->w;
    json_t *x = json_object();
    ep_json_put(x, "mep", kit_mep(k, o->p.like), bad);
    ep_json_put(x, "cast_votes", json_integer(o->like_cast), bad);
    ep_json_put(x, "min_common_votes", json_integer(o->p.min_common), bad);
    ep_json_put(x, "candidates", json_integer(o->like_candidates), bad);
    if (o->like_candidates == 0) {
        ep_json_put(x, "available", json_false(), bad);
        char why[300];
        snprintf(why, sizeof why,
                 "no other MEP cast at least %d votes in common with MEP %lld in the window (it "
                 "has %d votes; X cast %d)",
                 o->p.min_common, (long long)w->m->mep_id[o->p.like], w->m->n_vote,
                 o->like_cast);
        ep_json_put(x, "reason", json_string(why), bad);
        return x;
    }
    ep_json_put(x, "available", json_true(), bad);
    json_t *items = json_array();
    for (int q = 0; q < o->n_like; q++) {
        const struct ep_cmp_like *l = &o->like[q];
        json_t *e = kit_mep(k, l->mep);
        ep_json_put(e, "agreement", ep_json_real(l->agreement), bad);
        ep_json_put(e, "shared_votes", json_integer(l->both), bad);
        ep_json_put(e, "agreeing_votes", json_integer(l->same), bad);
        ep_json_add(items, e, bad);
    }
    ep_json_put(x, "items", items, bad);
    return x;
}

/* The mep_ids argument into p (matrix indices); duplicates are refused. */
static int cmp_ids(struct kit *k, json_t *ids, struct ep_cmp_params *p, struct ep_error *err)
{
    for (size_t q = 0; q < json_array_size(ids); q++) {
        char an[32];
        snprintf(an, sizeof an, "mep_ids[%zu]", q);
        int64_t id = json_integer_value(json_array_get(ids, q));
        for (size_t r = 0; r < q; r++)
            if (json_integer_value(json_array_get(ids, r)) == id)
                return ep_error_set(err, EP_EINVAL,
                                    "argument \"%s\": MEP %lld is listed twice (mep_ids[%zu]); "
                                    "list each MEP once",
                                    an, (long long)id, r);
        int i = kit_mep_index(k, id, an, err);
        if (i < 0)
            return i;
        p->mep[p->n_mep++] = i;
    }
    return 0;
}

static int body_comparative_intelligence(struct kit *k, struct ep_tool_ctx *ctx, json_t *args, json_t **result,
                    struct ep_error *err)
{
    json_t *ids = json_object_get(args, "mep_ids");
    json_t *like = json_object_get(args, "like_mep_id");
    if (!ids && !like)
        return ep_error_set(err, EP_EINVAL,
                            "give \"mep_ids\" (2 to 10 MEPs to compare), \"like_mep_id\" (the MEP "
                            "whose closest voters to list), or both");
    int rc = kit_begin(k, ctx, "comparative_intelligence", 3, args, err);
    if (rc)
        return rc;
    struct ep_cmp_params p = {0};
    p.like = -1;
    p.top = (int)iarg(args, "top", 10);
    p.min_common = (int)iarg(args, "min_common_votes", 10);
    p.max_differ = (int)iarg(args, "max_differing_votes", 20);
    if ((rc = cmp_ids(k, ids, &p, err)))
        return rc;
    if (like && (p.like = kit_mep_index(k, json_integer_value(like), "like_mep_id", err)) < 0)
        return p.like;
    struct ep_comparative o;
    if ((rc = ep_comparative_compute(k->w, &p, &k->run, &o, err)))
        return rc;
    int bad = 0;
    json_t *res = json_object();
    if (p.n_mep > 0) {
        json_t *meps = json_array();
        for (int a = 0; a < p.n_mep; a++) {
            json_t *e = kit_mep(k, p.mep[a]);
            ep_json_put(e, "cast_votes", json_integer(o.cast[a]), &bad);
            ep_json_put(e, "eligible_votes", json_integer(o.eligible[a]), &bad);
            ep_json_add(meps, e, &bad);
        }
        ep_json_put(res, "meps", meps, &bad);
        ep_json_put(res, "pairs", cmp_pairs_json(k, &o, &bad, err, &rc), &bad);
    }
    if (!rc && p.like >= 0)
        ep_json_put(res, "most_similar", cmp_like_json(k, &o, &bad), &bad);
    ep_comparative_free(&o);
    if (rc) {
        json_decref(res);
        return rc;
    }
    static const char *const inputs[] = {
        "per MEP and vote: the cast option (FOR, AGAINST, ABSTENTION) from the window's matrix",
        NULL};
    static const char *const limits[] = {
        "did-not-vote and not-an-MEP cells are not votes: they count neither as agreement nor "
        "as disagreement",
        "differing votes are listed in vote order up to max_differing_votes per pair",
        "most_similar ranks by agreement, then by more shared votes, then by MEP index",
        NULL};
    return kit_finish(k, res,
                      "agreement(i, j) = same / both, same = votes where both cast the same "
                      "option, both = votes where both cast (the co-voting network's edge "
                      "weight); most_similar: MEPs with both >= min_common_votes, by agreement",
                      inputs, limits, bad, result, err);
}

static int tool_comparative_intelligence(struct ep_tool_ctx *ctx, json_t *args, json_t **result,
                    struct ep_error *err)
{
    return kit_run(ctx, args, result, err, body_comparative_intelligence);
}

/* ==== analyze_country_delegation =========================================================== */

static json_t *deleg_members_json(struct kit *k, const struct ep_delegation *o, int *bad)
{
    json_t *arr = json_array();
    for (int q = 0; q < o->n_member; q++) {
        const struct ep_deleg_member *x = &o->member[q];
        json_t *e = kit_mep(k, x->mep);
        ep_json_put(e, "cast_votes", json_integer(x->cast), bad);
        ep_json_put(e, "eligible_votes", json_integer(x->eligible), bad);
        ep_json_put(e, "participation", ep_json_real_if(x->part_ok, x->participation), bad);
        ep_json_put(e, "defections", json_integer(x->n_defect), bad);
        ep_json_put(e, "defection_share",
                    ep_json_real_if(x->def_den > 0, x->def_den ? (double)x->n_defect / x->def_den : 0),
                    bad);
        ep_json_add(arr, e, bad);
    }
    return arr;
}

static json_t *deleg_seats_json(const struct ep_delegation *o, int *bad)
{
    const struct ep_matrix *m = o->win->m;
    char d[11];
    ep_date_format(m->vote_day[m->n_vote - 1], d);
    json_t *by = json_array();
    for (int g = 0; g < m->n_grp && g < EP_MATRIX_MAX_GROUPS; g++)
        if (o->seats[g] > 0)
            ep_json_add(by, json_pack("{s:s, s:i}", "group", m->grp_code[g], "seats", o->seats[g]),
                        bad);
    return json_pack("{s:s, s:I, s:i, s:o, s:i}", "date", d, "vote_id",
                     (json_int_t)m->vote_id[m->n_vote - 1], "total", o->seats_last, "by_group",
                     by, "no_group", o->seats_nogroup);
}

static json_t *deleg_splits_json(struct kit *k, const struct ep_delegation *o, int max, int *bad,
                                 struct ep_error *err, int *rc)
{
    json_t *x = json_pack("{s:i, s:i, s:o, s:i}", "votes_considered", o->split_den,
                          "split_votes", o->n_split, "share",
                          ep_json_real_if(o->split_den > 0,
                                          o->split_den ? (double)o->n_split / o->split_den : 0),
                          "tie_votes", o->n_tie);
    if (x && o->split_den == 0)
        ep_json_put(x, "reason",
                    json_string("no vote of the window had at least two of the delegation's "
                                "members casting a vote"),
                    bad);
    int n = o->n_split < max ? o->n_split : max;
    char **titles = NULL;
    if ((*rc = kit_titles(k, o->split, n, &titles, err)))
        return x;
    json_t *ex = json_array();
    for (int q = 0; q < n; q++)
        ep_json_add(ex, vote_ref(k->w->m, o->split[q], titles[q]), bad);
    free(titles);
    ep_json_put(x, "examples", ex, bad);
    return x;
}

static json_t *deleg_groups_json(const struct ep_delegation *o, int *bad)
{
    const struct ep_matrix *m = o->win->m;
    json_t *arr = json_array();
    int order[EP_MATRIX_MAX_GROUPS], n = 0;
    for (int g = 0; g < m->n_grp && g < EP_MATRIX_MAX_GROUPS; g++) {
        /* by agreement desc (unavailable last), insertion sort */
        const struct ep_deleg_group *x = &o->grp[g];
        int j = n++;
        while (j > 0) {
            const struct ep_deleg_group *y = &o->grp[order[j - 1]];
            long long l = (long long)x->agree * y->common, r = (long long)y->agree * x->common;
            int before = x->common > 0 && (y->common == 0 || l > r);
            if (!before)
                break;
            order[j] = order[j - 1];
            j--;
        }
        order[j] = g;
    }
    for (int q = 0; q < n; q++) {
        const struct ep_deleg_group *x = &o->grp[order[q]];
        json_t *e = json_pack("{s:s, s:o, s:i, s:i}", "group", m->grp_code[order[q]], "agreement",
                              ep_json_real_if(x->common > 0,
                                              x->common ? (double)x->agree / x->common : 0),
                              "common_votes", x->common, "agreeing_votes", x->agree);
        ep_json_add(arr, e, bad);
    }
    return arr;
}

static json_t *deleg_defectors_json(struct kit *k, const struct ep_delegation *o, int top,
                                    int *bad)
{
    json_t *arr = json_array();
    for (int q = 0; q < o->n_defector && q < top; q++) {
        const struct ep_deleg_member *x = &o->member[o->defector[q]];
        json_t *e = kit_mep(k, x->mep);
        ep_json_put(e, "defections", json_integer(x->n_defect), bad);
        ep_json_put(e, "votes_considered", json_integer(x->def_den), bad);
        ep_json_put(e, "share", ep_json_real((double)x->n_defect / x->def_den), bad);
        ep_json_add(arr, e, bad);
    }
    return arr;
}

/* The delegation's votes each listed defector cast against its non-tie position: up to
 * DELEG_PDF_PER votes per defector (the latest), for the top defectors. */
#define DELEG_PDF_PER 5

/* The country delegation PDF from the typed delegation (report/ep_report.h
 * ep_report_pdf_country), handed to sink as country-<code>.pdf. */
static int deleg_pdf(struct kit *k, const struct ep_delegation *o, const char *code,
                     const char *label, int top, struct ep_doc_sink *sink, struct ep_error *err)
{
    const struct ep_matrix *m = o->win->m;
    int nd = o->n_defector < top ? o->n_defector : top;
    struct ep_report_country_member *mem = calloc((size_t)o->n_member + 1, sizeof *mem);
    struct ep_report_country_group *grp = calloc((size_t)m->n_grp + 1, sizeof *grp);
    struct ep_report_country_defection *def =
        calloc((size_t)nd * DELEG_PDF_PER + 1, sizeof *def);
    int *vidx = calloc((size_t)nd * DELEG_PDF_PER + 1, sizeof *vidx);
    char(*dates)[11] = calloc((size_t)nd * DELEG_PDF_PER + 3, sizeof *dates);
    char(*how)[48] = calloc((size_t)nd * DELEG_PDF_PER + 1, sizeof *how);
    char **titles = NULL;
    int rc = 0, n_def = 0;
    if (!mem || !grp || !def || !vidx || !dates || !how) {
        free(mem);
        free(grp);
        free(def);
        free(vidx);
        free(dates);
        free(how);
        return ep_error_set(err, EP_ENOMEM, "out of memory for the country report");
    }
    for (int q = 0; q < o->n_member; q++) {
        const struct ep_deleg_member *x = &o->member[q];
        mem[q] = (struct ep_report_country_member){k->w->name[x->mep], gcode(m, x->grp), x->cast,
                                                   x->eligible, x->part_ok, x->participation,
                                                   x->n_defect, x->def_den};
    }
    static const char *const pname[] = {"?", "FOR", "AGAINST", "ABSTENTION"};
    for (int q = 0; q < nd; q++) {
        int mi = o->defector[q], i = o->member[mi].mep, got = 0;
        for (int v = m->n_vote - 1; v >= 0 && got < DELEG_PDF_PER; v--) {
            const uint8_t *row = m->pos + (size_t)v * (size_t)m->n_mep;
            uint8_t p = row[i];
            if (p < EP_POS_FOR || p > EP_POS_ABSTENTION)
                continue;
            int c[4] = {0};
            for (int j = 0; j < o->n_member; j++) {
                uint8_t pj = row[o->member[j].mep];
                if (pj >= EP_POS_FOR && pj <= EP_POS_ABSTENTION)
                    c[pj]++;
            }
            int dp = ep_stats_position(c[1], c[2], c[3]);
            if (dp == EP_GPOS_TIE || dp == EP_GPOS_NONE || dp == p)
                continue;
            ep_date_format(m->vote_day[v], dates[n_def]);
            snprintf(how[n_def], sizeof how[n_def], "%s / %s", pname[p], pname[dp]);
            def[n_def] = (struct ep_report_country_defection){mi, dates[n_def], NULL, how[n_def]};
            vidx[n_def++] = v;
            got++;
        }
    }
    rc = kit_titles(k, vidx, n_def, &titles, err);
    for (int q = 0; rc == 0 && titles && q < n_def; q++)
        def[q].title = titles[q];
    for (int g = 0; rc == 0 && g < m->n_grp && g < EP_MATRIX_MAX_GROUPS; g++)
        grp[g] = (struct ep_report_country_group){m->grp_code[g], o->seats[g], o->grp[g].agree,
                                                  o->grp[g].common};
    char *d0 = dates[nd * DELEG_PDF_PER], *d1 = dates[nd * DELEG_PDF_PER + 1],
         *ds = dates[nd * DELEG_PDF_PER + 2], dataset[11] = "";
    struct ep_buf b;
    ep_buf_init(&b, 0);
    if (rc == 0) {
        ep_date_format(m->vote_day[0], d0);
        ep_date_format(m->vote_day[m->n_vote - 1], d1);
        ep_date_format(m->vote_day[m->n_vote - 1], ds);
        ep_store_dataset_date(k->ctx->store, dataset);
        struct ep_report_country c = {
            .code = code, .label = label[0] ? label : NULL, .from = d0, .to = d1,
            .dataset_date = dataset[0] ? dataset : "unknown", .votes = m->n_vote,
            .sittings = k->w->n_sittings, .synthetic = m->synthetic, .n_member = o->n_member,
            .member = mem, .seats_date = ds, .seats_total = o->seats_last,
            .seats_nogroup = o->seats_nogroup,
            .n_group = m->n_grp < EP_MATRIX_MAX_GROUPS ? m->n_grp : EP_MATRIX_MAX_GROUPS,
            .group = grp, .ai_n = o->ai_n, .rice_n = o->rice_n, .ai_mean = o->ai_mean,
            .ai_median = o->ai_median, .rice_mean = o->rice_mean, .split_den = o->split_den,
            .n_split = o->n_split, .n_tie = o->n_tie, .n_defector = o->n_defector,
            .defector = o->defector, .n_defection = n_def, .defection = def};
        sink->t_render = ep_now();
        rc = ep_report_pdf_country(&c, &b, err);
    }
    char stem[32], title[192];
    snprintf(stem, sizeof stem, "country-%s", code);
    snprintf(title, sizeof title, "Country delegation report %s", code);
    if (rc == 0)
        rc = ep_doc_emit(sink, rc, EP_FMT_PDF, stem, title, &b, err);
    ep_buf_free(&b);
    free(titles);
    free(mem);
    free(grp);
    free(def);
    free(vidx);
    free(dates);
    free(how);
    return rc;
}

/* The delegation result; with a sink, also its PDF (deleg_pdf). */
static int country_core(struct kit *k, struct ep_tool_ctx *ctx, json_t *args,
                        struct ep_doc_sink *sink, json_t **result, struct ep_error *err)
{
    const char *arg = json_string_value(json_object_get(args, "country"));
    char code[8], label[128], known[600];
    if (!ctx || !ctx->store)
        return ep_error_set(err, EP_EINVAL, "no store is open");
    int rc = ep_query_country_resolve(ctx->store, arg ? arg : "", code, label, sizeof label,
                                      known, sizeof known, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return ep_error_set(err, EP_EINVAL,
                            "argument \"country\": unknown country \"%s\" (give a code such as "
                            "DEU or DE, or a name); known: %s",
                            arg ? arg : "", known);
    if ((rc = kit_begin(k, ctx, "analyze_country_delegation", 3, args, err)))
        return rc;
    struct ep_delegation o;
    if ((rc = ep_delegation_compute(k->w, code, &k->run, &o, err)))
        return rc;
    if ((rc = ep_run_stage(&k->run, "result", err))) {
        ep_delegation_free(&o);
        return rc;
    }
    int bad = 0;
    json_t *res = json_object();
    ep_json_put(res, "country",
                json_pack("{s:s, s:o}", "code", code, "label",
                          ep_json_str_or_null(label[0] ? label : NULL)),
                &bad);
    ep_json_put(res, "members", deleg_members_json(k, &o, &bad), &bad);
    ep_json_put(res, "seats", deleg_seats_json(&o, &bad), &bad);
    json_t *coh = json_object();
    ep_json_put(coh, "ai_mean", ep_json_real_if(o.ai_n > 0, o.ai_mean), &bad);
    ep_json_put(coh, "ai_median", ep_json_real_if(o.ai_n > 0, o.ai_median), &bad);
    ep_json_put(coh, "ai_votes", json_integer(o.ai_n), &bad);
    ep_json_put(coh, "rice_mean", ep_json_real_if(o.rice_n > 0, o.rice_mean), &bad);
    ep_json_put(coh, "rice_votes", json_integer(o.rice_n), &bad);
    ep_json_put(res, "cohesion", coh, &bad);
    ep_json_put(res, "splits",
                deleg_splits_json(k, &o, (int)iarg(args, "max_examples", 20), &bad, err, &rc),
                &bad);
    ep_json_put(res, "agreement_with_groups", deleg_groups_json(&o, &bad), &bad);
    ep_json_put(res, "defectors", deleg_defectors_json(k, &o, (int)iarg(args, "top", 10), &bad),
                &bad);
    ep_json_put(res, "defectors_total", json_integer(o.n_defector), &bad);
    if (rc == 0 && sink)
        rc = deleg_pdf(k, &o, code, label, (int)iarg(args, "top", 10), sink, err);
    ep_delegation_free(&o);
    if (rc) {
        json_decref(res);
        return rc;
    }
    static const char *const inputs[] = {
        "members: MEPs whose member-table country is the delegation's, with a mandate on a vote "
        "of the window",
        "per vote: the delegation's Y, N, A over its members who cast, and each group's position",
        NULL};
    static const char *const limits[] = {
        "the delegation's position counts every member's own vote, as a group's does",
        "TIE and NONE positions of the delegation or a group are left out of agreement and "
        "defections",
        "a member's country is the member table's (one per person)", NULL};
    return kit_finish(k, res,
                      "delegation position = largest of Y, N, A over its members (TIE explicit); "
                      "AI = (max - (T - max)/2) / T; Rice = |Y - N| / (Y + N); split = a vote with "
                      "T >= 2 where >= 2 options were cast; agreement with g = same non-tie "
                      "position / votes where both had one; defection = a cast vote unlike the "
                      "delegation's non-tie position",
                      inputs, limits, bad, result, err);
}

/* country_core as an ep_doc_core_fn (arg: the kit). */
static int country_doc_core(void *arg, struct ep_tool_ctx *ctx, json_t *args,
                            struct ep_doc_sink *sink, json_t **result, struct ep_error *err)
{
    return country_core(arg, ctx, args, sink, result, err);
}

static int body_analyze_country_delegation(struct kit *k, struct ep_tool_ctx *ctx, json_t *args,
                                           json_t **result, struct ep_error *err)
{
    return ep_artefacts_call(ctx, args, EP_FMT_JSON | EP_FMT_PDF, "analyze_country_delegation",
                             country_doc_core, k, result, err);
}

static int tool_analyze_country_delegation(struct ep_tool_ctx *ctx, json_t *args, json_t **result,
                    struct ep_error *err)
{
    return kit_run(ctx, args, result, err, body_analyze_country_delegation);
}

int ep_tools_doc_country(struct ep_tool_ctx *ctx, json_t *args, struct ep_doc_sink *sink,
                         struct ep_error *err)
{
    struct kit k;
    memset(&k, 0, sizeof k);
    int rc = ep_doc_run(ctx, args, "analyze_country_delegation", country_doc_core, &k, sink, err);
    free(k.modal);
    return rc;
}

/* ==== compare_political_groups ============================================================= */

/* The groups argument: 2 or more distinct groups of the window, in the caller's order. */
static int kit_groups(struct kit *k, json_t *ga, struct ep_gcmp_params *p, struct ep_error *err)
{
    const struct ep_matrix *m = k->w->m;
    p->n_group = 0;
    for (size_t q = 0; q < json_array_size(ga); q++) {
        char an[32], code[64];
        snprintf(an, sizeof an, "groups[%zu]", q);
        const char *arg = json_string_value(json_array_get(ga, q));
        int rc = ep_tools_env_resolve_group(k->ctx->env, an, arg ? arg : "", code, sizeof code, err);
        if (rc)
            return rc;
        int g = 0;
        while (g < m->n_grp && strcmp(m->grp_code[g], code) != 0)
            g++;
        if (g == m->n_grp)
            return ep_error_set(err, EP_ENOTFOUND,
                                "argument \"%s\": group \"%s\" has no member in the window", an,
                                code);
        for (int j = 0; j < p->n_group; j++)
            if (p->grp[j] == g)
                return ep_error_set(err, EP_EINVAL, "argument \"%s\": group %s is listed twice",
                                    an, code);
        p->grp[p->n_group++] = g;
    }
    return 0;
}

static json_t *gcmp_group_json(const struct ep_groups_compare *o, int k, int *bad)
{
    const struct ep_win *w = o->win;
    int g = o->p.grp[k];
    const struct ep_stats_group *s = &w->gs.g[g];
    const struct ep_gcmp_group *x = &o->g[k];
    json_t *coh = json_pack("{s:o, s:o, s:o, s:o, s:i}", "ai_mean",
                            ep_json_real_if(s->ai_ok, s->ai_mean), "ai_median",
                            ep_json_real_if(s->ai_ok, s->ai_median), "rice_mean",
                            ep_json_real_if(s->rice_ok, s->rice_mean), "alpha",
                            ep_json_real_if(s->alpha_ok, s->alpha), "alpha_units", s->alpha_units);
    if (coh && !s->alpha_ok) {
        char buf[300];
        ep_json_put(coh, "alpha_reason",
                    json_string(ep_tools_alpha_reason(s->alpha_units, w->m->n_vote, buf, sizeof buf)),
                    bad);
    }
    json_t *e = json_pack("{s:s, s:i, s:i, s:i, s:i, s:o}", "group", w->m->grp_code[g],
                          "members_in_window", x->members, "seats_at_last_vote", x->seats_last,
                          "votes_with_cast", s->n_vote_cast, "tie_votes", s->n_tie, "cohesion", coh);
    int part = s->part_ok && o->dnv_unknown == 0;
    ep_json_put(e, "participation", ep_json_real_if(part, s->participation), bad);
    if (!part) {
        char buf[400];
        ep_tools_dnv_reason(buf, sizeof buf, o->dnv_unknown, w->m->n_vote);
        ep_json_put(e, "participation_reason",
                    json_string(o->dnv_unknown ? buf : "the group had no member on any vote"), bad);
    }
    ep_json_put(e, "close_votes",
                json_pack("{s:i, s:i, s:o, s:i}", "decided", x->close_decided, "won",
                          x->close_won, "won_share",
                          ep_json_real_if(x->close_decided > 0,
                                          x->close_decided ? (double)x->close_won / x->close_decided : 0),
                          "tie", x->close_tie),
                bad);
    return e;
}

static json_t *gcmp_pairs_json(const struct ep_groups_compare *o, int *bad)
{
    const struct ep_stats_groups *gs = &o->win->gs;
    json_t *arr = json_array();
    for (int a = 0; a < o->p.n_group; a++)
        for (int b = a + 1; b < o->p.n_group; b++) {
            size_t ix = (size_t)o->p.grp[a] * (size_t)gs->n_grp + (size_t)o->p.grp[b];
            ep_json_add(arr,
                        json_pack("{s:s, s:s, s:o, s:i, s:i}", "a",
                                  o->win->m->grp_code[o->p.grp[a]], "b",
                                  o->win->m->grp_code[o->p.grp[b]], "agreement",
                                  ep_json_real_if(gs->pair_ok[ix], gs->pair_share[ix]),
                                  "common_votes", gs->pair_common[ix], "agreeing_votes",
                                  gs->pair_agree[ix]),
                        bad);
        }
    return arr;
}

static json_t *gcmp_close_json(struct kit *k, const struct ep_groups_compare *o, int max, int *bad,
                               struct ep_error *err, int *rc)
{
    const struct ep_win *w = o->win;
    json_t *x = json_pack("{s:s, s:i, s:i, s:o}", "definition",
                          "|FOR - AGAINST| < 5% of FOR + AGAINST + ABSTENTION (MEPs with a group on the vote)",
                          "votes_with_cast", o->with_cast, "total", o->n_close, "share",
                          ep_json_real_if(o->with_cast > 0,
                                          o->with_cast ? (double)o->n_close / o->with_cast : 0));
    int n = o->n_close < max ? o->n_close : max;
    char **titles = NULL;
    if ((*rc = kit_titles(k, o->close, n, &titles, err)))
        return x;
    json_t *items = json_array();
    for (int q = 0; q < n; q++) {
        int v = o->close[q];
        json_t *e = vote_ref(w->m, v, titles[q]);
        const char *win = w->F[v] > w->A[v] ? "FOR" : w->A[v] > w->F[v] ? "AGAINST" : NULL;
        ep_json_put(e, "for", json_integer(w->F[v]), bad);
        ep_json_put(e, "against", json_integer(w->A[v]), bad);
        ep_json_put(e, "abstention", json_integer(w->Ab[v]), bad);
        ep_json_put(e, "winner", ep_json_str_or_null(win), bad);
        json_t *pos = json_array();
        for (int j = 0; j < o->p.n_group; j++) {
            const struct ep_stats_vg *c = &w->vs.vg[(size_t)v * (size_t)w->vs.n_grp + (size_t)o->p.grp[j]];
            ep_json_add(pos,
                        json_pack("{s:s, s:s, s:i, s:i, s:i}", "group",
                                  w->m->grp_code[o->p.grp[j]], "position",
                                  ep_stats_gpos_name(c->pos), "Y", c->y, "N", c->n, "A", c->a),
                        bad);
        }
        ep_json_put(e, "positions", pos, bad);
        ep_json_add(items, e, bad);
    }
    free(titles);
    ep_json_put(x, "items", items, bad);
    return x;
}


/* ---- compare_political_groups by policy area --------------------------------------------- */

#define GCMP_MAX_AREAS 32

/* The compared groups on one policy area: the call's window restricted to OEIL subject `code`
 * (and the codes below it). A subject with no vote of the window is an entry with votes 0 and
 * the reason; a group without a member on the area's votes is listed in groups_absent. */
static json_t *gcmp_area_json(struct kit *k, char (*gcodes)[16], int n_group, const char *code,
                              int *bad, struct ep_error *err, int *rc)
{
    struct ep_tools_window tw = k->tw; /* its date and sitting pointers stay k->tw's */
    snprintf(tw.topic_code, sizeof tw.topic_code, "%.32s", code);
    tw.w.topic_kind = EP_TOPIC_SUBJECT;
    tw.w.topic_code = tw.topic_code;
    char label[256] = "";
    json_t *o = json_pack("{s:s}", "subject", code);
    if ((*rc = ep_query_topic(k->ctx->store, EP_TOPIC_SUBJECT, code, label, sizeof label, NULL,
                              NULL, err))) {
        if (*rc == EP_ENOTFOUND) {
            char why[sizeof err->msg];
            static const char subj[] = "argument \"subject\": "; /* the window's wording */
            snprintf(why, sizeof why, "%s",
                     strncmp(err->msg, subj, sizeof subj - 1) ? err->msg
                                                              : err->msg + sizeof subj - 1);
            *rc = ep_error_set(err, EP_EINVAL, "argument \"policy_areas\": %s", why);
        }
        return o;
    }
    if (label[0])
        ep_json_put(o, "label", json_string(label), bad);
    struct ep_win *wa;
    struct ep_error e = {0};
    int r = ep_tools_win(k->ctx, &tw, &wa, &e);
    if (r == EP_ENOTFOUND) {
        ep_json_put(o, "votes", json_integer(0), bad);
        ep_json_put(o, "available", json_false(), bad);
        ep_json_put(o, "reason", json_string(e.msg), bad);
        return o;
    }
    if (r) {
        *err = e;
        *rc = r;
        return o;
    }
    ep_json_put(o, "votes", json_integer(wa->m->n_vote), bad);
    ep_json_put(o, "available", json_true(), bad);
    struct ep_gcmp_params pa = {0};
    json_t *absent = json_array();
    for (int q = 0; q < n_group; q++) {
        int g = 0;
        while (g < wa->m->n_grp && strcmp(wa->m->grp_code[g], gcodes[q]) != 0)
            g++;
        if (g < wa->m->n_grp)
            pa.grp[pa.n_group++] = g;
        else
            ep_json_add(absent, json_string(gcodes[q]), bad);
    }
    json_t *groups = json_array(), *pairs = NULL;
    if (pa.n_group > 0) {
        struct ep_run ar = {.tool = k->run.tool, .n = 2, .cancelled = k->run.cancelled,
                            .deadline = k->run.deadline};
        struct ep_groups_compare go;
        if ((*rc = ep_groups_compare_compute(wa, &pa, &ar, &go, err))) {
            json_decref(absent);
            json_decref(groups);
            return o;
        }
        for (int q = 0; q < pa.n_group; q++)
            ep_json_add(groups, gcmp_group_json(&go, q, bad), bad);
        pairs = gcmp_pairs_json(&go, bad);
        ep_groups_compare_free(&go);
    }
    ep_json_put(o, "groups", groups, bad);
    ep_json_put(o, "pair_agreement", pairs ? pairs : json_array(), bad);
    ep_json_put(o, "groups_absent", absent, bad);
    return o;
}

/* by_policy_area (or policy_areas given): one entry per top-level OEIL subject of the store, or
 * per subject asked, in that order. Leaves k->w reloaded (the areas' windows may evict it). */
static json_t *gcmp_areas_json(struct kit *k, json_t *args, const struct ep_gcmp_params *p,
                               int *bad, struct ep_error *err, int *rc)
{
    char codes[GCMP_MAX_AREAS][33], gcodes[EP_MATRIX_MAX_GROUPS][16];
    int n = 0;
    json_t *given = json_object_get(args, "policy_areas");
    if (given) {
        for (size_t i = 0; i < json_array_size(given) && n < GCMP_MAX_AREAS; i++)
            snprintf(codes[n++], sizeof codes[0], "%s",
                     json_string_value(json_array_get(given, i)));
    } else if ((*rc = ep_query_subject_tops(k->ctx->store, codes, GCMP_MAX_AREAS, &n, err))) {
        return NULL;
    }
    for (int q = 0; q < p->n_group; q++)
        snprintf(gcodes[q], sizeof gcodes[q], "%s", k->w->m->grp_code[p->grp[q]]);
    json_t *areas = json_array();
    for (int i = 0; i < n && !*rc; i++) {
        json_t *a = gcmp_area_json(k, gcodes, p->n_group, codes[i], bad, err, rc);
        if (*rc)
            json_decref(a);
        else
            ep_json_add(areas, a, bad);
    }
    if (!*rc)
        *rc = ep_tools_win(k->ctx, &k->tw, &k->w, err);
    if (*rc) {
        json_decref(areas);
        return NULL;
    }
    return json_pack("{s:s, s:o}", "areas_from",
                     given ? "the subjects asked (policy_areas)"
                           : "the store's top-level OEIL subjects",
                     "areas", areas);
}

static int body_compare_political_groups(struct kit *k, struct ep_tool_ctx *ctx, json_t *args, json_t **result,
                    struct ep_error *err)
{
    int rc = kit_begin(k, ctx, "compare_political_groups", 3, args, err);
    if (rc)
        return rc;
    struct ep_gcmp_params p;
    if ((rc = kit_groups(k, json_object_get(args, "groups"), &p, err)))
        return rc;
    struct ep_groups_compare o;
    if ((rc = ep_groups_compare_compute(k->w, &p, &k->run, &o, err)))
        return rc;
    if ((rc = ep_run_stage(&k->run, "result", err))) {
        ep_groups_compare_free(&o);
        return rc;
    }
    int bad = 0;
    json_t *res = json_object(), *groups = json_array();
    for (int q = 0; q < p.n_group; q++)
        ep_json_add(groups, gcmp_group_json(&o, q, &bad), &bad);
    ep_json_put(res, "groups", groups, &bad);
    ep_json_put(res, "pair_agreement", gcmp_pairs_json(&o, &bad), &bad);
    ep_json_put(res, "close_votes",
                gcmp_close_json(k, &o, (int)iarg(args, "max_close_votes", 20), &bad, err, &rc),
                &bad);
    ep_groups_compare_free(&o);
    json_t *ba = json_object_get(args, "by_policy_area"),
           *pa = json_object_get(args, "policy_areas");
    if (!rc && (json_is_true(ba) || pa)) {
        if (k->tw.w.topic_kind)
            rc = ep_error_set(err, EP_EINVAL,
                              "arguments \"by_policy_area\" and \"%s\": the areas are topic "
                              "filters themselves; drop \"%s\" (or the areas)",
                              ep_topic_kind_arg(k->tw.w.topic_kind),
                              ep_topic_kind_arg(k->tw.w.topic_kind));
        else
            ep_json_put(res, "by_policy_area", gcmp_areas_json(k, args, &p, &bad, err, &rc),
                        &bad);
    }
    if (rc) {
        json_decref(res);
        return rc;
    }
    static const char *const inputs[] = {
        "per vote and group: Y, N, A, D and the group position (TIE explicit), stats/",
        "per vote: FOR, AGAINST, ABSTENTION of every MEP with a group (the pivotal-vote totals)",
        NULL};
    static const char *const limits[] = {
        "TIE and NONE positions are left out of pair agreement and of the close-vote wins",
        "seats are members on the window's last vote; members_in_window counts anyone who was "
        "a member on at least one vote",
        NULL};
    return kit_finish(k, res,
                      "AI = (max(Y,N,A) - (T - max)/2) / T; Rice = |Y - N|/(Y + N); alpha = "
                      "Krippendorff nominal over votes; participation = sum T / sum (T + D); pair "
                      "agreement = same positions / common non-tie votes; close vote: |FOR - "
                      "AGAINST| < 0.05 (FOR + AGAINST + ABSTENTION); won = the group's position was "
                      "the winning side of a close vote",
                      inputs, limits, bad, result, err);
}

static int tool_compare_political_groups(struct ep_tool_ctx *ctx, json_t *args, json_t **result,
                    struct ep_error *err)
{
    return kit_run(ctx, args, result, err, body_compare_political_groups);
}

/* ==== generate_political_landscape ========================================================= */

static json_t *land_seats_json(const struct ep_landscape *o, int *bad)
{
    const struct ep_matrix *m = o->win->m;
    int order[EP_MATRIX_MAX_GROUPS], n = 0;
    for (int g = 0; g < m->n_grp; g++) { /* the EP's seating order, left to right */
        int j = n++;
        while (j > 0 && ep_report_hemicycle_rank(m->grp_code[order[j - 1]]) >
                            ep_report_hemicycle_rank(m->grp_code[g])) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = g;
    }
    json_t *by = json_array();
    for (int q = 0; q < n; q++) {
        int g = order[q];
        if (o->seats[g] <= 0)
            continue;
        ep_json_add(by,
                    json_pack("{s:s, s:i, s:o}", "group", m->grp_code[g], "seats", o->seats[g],
                              "share", ep_json_real((double)o->seats[g] / o->total)),
                    bad);
    }
    char d[11];
    ep_date_format(m->vote_day[o->seat_vote], d);
    return json_pack("{s:s, s:I, s:i, s:i, s:i, s:o}", "date", d, "vote_id",
                     (json_int_t)m->vote_id[o->seat_vote], "total", o->total, "majority",
                     o->majority, "no_group", o->seats_nogroup, "by_group", by);
}

static json_t *land_majority_json(const struct ep_landscape *o, int max, int *bad)
{
    const struct ep_matrix *m = o->win->m;
    json_t *items = json_array();
    for (int q = 0; q < o->n_coal && q < max; q++) {
        const struct ep_land_coal *c = &o->coal[q];
        json_t *gs = json_array();
        for (int g = 0; g < m->n_grp; g++)
            if (c->mask & (1u << g))
                ep_json_add(gs, json_string(m->grp_code[g]), bad);
        ep_json_add(items,
                    json_pack("{s:o, s:i, s:i, s:i, s:o}", "groups", gs, "seats", c->seats,
                              "aligned_votes", c->aligned, "won_together", c->won, "won_share",
                              ep_json_real_if(o->decided > 0,
                                              o->decided ? (double)c->won / o->decided : 0)),
                    bad);
    }
    return json_pack("{s:i, s:i, s:i, s:i, s:o, s:s}", "majority", o->majority, "actors",
                     o->actors, "decided_votes", o->decided, "minimal_winning_total",
                     o->coal_total, "items", items, "note",
                     "minimal winning coalitions of the groups holding seats (the non-attached, "
                     "NI, are not a group that joins coalitions): at least the majority of seats, "
                     "and every member needed for it");
}

static json_t *land_blocs_json(const struct ep_landscape *o, int *bad)
{
    const struct ep_network *net = &o->net;
    const struct ep_matrix *m = o->win->m;
    if (!net->weighted)
        return ep_json_unavailable(net->no_edges_reason);
    const struct ep_graph *g = &o->win->g;
    json_t *arr = json_array();
    for (int c = 0; c < net->n_comm; c++) {
        json_t *gs = json_array();
        for (int q = 0; q < net->comm[c].n_groups; q++) {
            const struct ep_network_gcount *x = &net->comm[c].groups[q];
            ep_json_add(gs,
                        json_pack("{s:o, s:i}", "group",
                                  ep_json_str_or_null(gcode(m, x->grp)), "nodes", x->nodes),
                        bad);
        }
        ep_json_add(arr, json_pack("{s:i, s:i, s:o}", "community", c, "size",
                                   net->comm[c].size, "groups", gs),
                    bad);
    }
    return json_pack("{s:b, s:o, s:o, s:i, s:o}", "available", 1, "modularity",
                     ep_json_real_if(g->modularity_ok, g->modularity), "modularity_by_group",
                     ep_json_real_if(g->modularity_group_ok, g->modularity_group), "min_common_votes",
                     g->min_common, "communities", arr);
}

static int land_render(struct ep_tool_ctx *ctx, json_t *args, const struct ep_landscape *o,
                       json_t *res, struct ep_error *err)
{
    const struct ep_matrix *m = o->win->m;
    const char *code[EP_MATRIX_MAX_GROUPS];
    for (int g = 0; g < m->n_grp; g++)
        code[g] = m->grp_code[g];
    char d[11];
    ep_date_format(m->vote_day[o->seat_vote], d);
    json_t *prov = json_object_get(res, "provenance");
    struct ep_hemicycle h = {m->n_grp, code, o->seats, d,
                             json_string_value(json_object_get(prov, "dataset_date")),
                             m->synthetic};
    struct ep_artefacts a;
    int rc = ep_artefacts_begin(&a, ctx, args, err);
    if (rc)
        return rc;
    struct ep_buf b;
    ep_buf_init(&b, 0);
    rc = ep_report_png_hemicycle(&h, NULL, &b, err);
    if (!rc)
        rc = ep_artefacts_add(&a, EP_FMT_PNG, "hemicycle", "Hemicycle: seats per group", &b, err);
    ep_buf_free(&b);
    if (rc) {
        ep_artefacts_abort(&a);
        return rc;
    }
    return ep_artefacts_finish(&a, res, err);
}

static int body_generate_political_landscape(struct kit *k, struct ep_tool_ctx *ctx, json_t *args, json_t **result,
                    struct ep_error *err)
{
    unsigned fmts;
    if (ep_artefact_formats(args, EP_FMT_JSON | EP_FMT_PNG, "generate_political_landscape", &fmts,
                            err))
        return EP_EINVAL;
    struct ep_landscape_params p = {-1, (int)iarg(args, "min_common_votes", 10)};
    const char *date = json_string_value(json_object_get(args, "date"));
    if (date && !ep_date_valid(date))
        return ep_error_set(err, EP_EINVAL, "argument \"date\": \"%s\" is not a YYYY-MM-DD date",
                            date);
    if (date)
        p.day = ep_date_days(date);
    int rc = kit_begin(k, ctx, "generate_political_landscape", 6, args, err);
    if (rc)
        return rc;
    struct ep_landscape o;
    if ((rc = ep_landscape_compute(k->w, &p, &k->run, &o, err)))
        return rc;
    if ((rc = ep_run_stage(&k->run, "result", err))) {
        ep_landscape_free(&o);
        return rc;
    }
    int bad = 0;
    json_t *res = json_object();
    ep_json_put(res, "seats", land_seats_json(&o, &bad), &bad);
    json_t *fr = json_object();
    ep_json_put(fr, "enp_seats", ep_json_real_if(o.enp_seats_ok, o.enp_seats), &bad);
    ep_json_put(fr, "enp_votes", ep_json_real_if(o.enp_votes_ok, o.enp_votes), &bad);
    ep_json_put(fr, "formula",
                json_string("ENP = 1 / sum p_g^2; by seats: p_g = seats on the date / total; by "
                            "votes: p_g = votes cast by the group's members over the window / all"),
                &bad);
    ep_json_put(res, "fragmentation", fr, &bad);
    ep_json_put(res, "majority",
                land_majority_json(&o, (int)iarg(args, "max_coalitions", 20), &bad), &bad);
    ep_json_put(res, "blocs", land_blocs_json(&o, &bad), &bad);
    static const char *const inputs[] = {
        "seats: members of each group with a mandate on the last vote on or before the date",
        "per vote: FOR and AGAINST of the MEPs with a group, and each group's position",
        "co-voting network communities (Louvain, min_common_votes)", NULL};
    static const char *const limits[] = {
        "simple majority of the seats with a group; qualified majorities are ignored",
        "a coalition won together on a decided vote when every member group had the same "
        "non-tie position and it was the winning side",
        NULL};
    if ((rc = kit_finish(k, res,
                         "ENP = 1 / sum p^2; majority = floor(seats / 2) + 1; minimal winning "
                         "coalition: seats >= majority and no member can leave without losing "
                         "it; won_share = won_together / decided votes",
                         inputs, limits, bad, result, err))) {
        ep_landscape_free(&o);
        return rc;
    }
    if (fmts & EP_FMT_PNG)
        rc = land_render(ctx, args, &o, *result, err);
    ep_landscape_free(&o);
    if (rc) {
        json_decref(*result);
        *result = NULL;
    }
    return rc;
}

static int tool_generate_political_landscape(struct ep_tool_ctx *ctx, json_t *args, json_t **result,
                    struct ep_error *err)
{
    return kit_run(ctx, args, result, err, body_generate_political_landscape);
}

/* ==== network_analysis ===================================================================== */

static json_t *ego_tie_json(struct kit *k, const struct ep_ego *o, int q, int *bad)
{
    const struct ep_cmp_like *t = &o->cmp.like[q];
    json_t *e = kit_mep(k, t->mep);
    int g = ep_win_modal_group(k->w, t->mep);
    ep_json_put(e, "weight", ep_json_real(t->agreement), bad);
    ep_json_put(e, "common_votes", json_integer(t->both), bad);
    ep_json_put(e, "agreeing_votes", json_integer(t->same), bad);
    ep_json_put(e, "same_group", json_boolean((g < k->w->m->n_grp ? g : -1) == o->grp), bad);
    return e;
}

static json_t *ego_counts_json(const struct ep_ego *o, const struct ep_ego_count *c, int n,
                               int country, int *bad)
{
    const struct ep_matrix *m = o->win->m;
    json_t *arr = json_array();
    for (int q = 0; q < n; q++) {
        const char *key = country ? (o->cty[c[q].key][0] ? o->cty[c[q].key] : NULL)
                                  : gcode(m, c[q].key);
        ep_json_add(arr,
                    json_pack("{s:o, s:i, s:o}", country ? "country" : "group",
                              ep_json_str_or_null(key), "ties", c[q].ties, "mean_weight",
                              ep_json_real(c[q].wsum / c[q].ties)),
                    bad);
    }
    return arr;
}

static int body_network_analysis(struct kit *k, struct ep_tool_ctx *ctx, json_t *args, json_t **result,
                    struct ep_error *err)
{
    int rc = kit_begin(k, ctx, "network_analysis", 6, args, err);
    if (rc)
        return rc;
    struct ep_ego_params p = {0, (int)iarg(args, "k", 10), (int)iarg(args, "min_common_votes", 10)};
    if ((p.mep = kit_mep_index(k, json_integer_value(json_object_get(args, "mep_id")), "mep_id",
                               err)) < 0)
        return p.mep;
    struct ep_ego o;
    if ((rc = ep_ego_compute(k->w, &p, &k->run, &o, err)))
        return rc;
    int bad = 0;
    const struct ep_graph_node *nd = &k->w->g.node[o.node];
    json_t *res = json_object();
    ep_json_put(res, "mep", kit_mep(k, p.mep), &bad);
    json_t *node = json_pack("{s:i, s:i, s:o, s:i}", "cast_votes", nd->cast, "degree", nd->degree,
                             "strength", ep_json_real(nd->strength), "min_common_votes",
                             p.min_common);
    int weighted = k->w->g.modularity_ok;
    ep_json_put(node, "community", weighted ? json_integer(nd->community) : json_null(), &bad);
    ep_json_put(node, "bridge_score", ep_json_real_if(nd->bridge_ok, nd->bridge), &bad);
    if (!nd->bridge_ok)
        ep_json_put(node, "bridge_reason",
                    json_string("the MEP has no tie with positive weight in the window"), &bad);
    ep_json_put(res, "node", node, &bad);
    json_t *ties = json_array();
    for (int q = 0; q < o.cmp.n_like; q++)
        ep_json_add(ties, ego_tie_json(k, &o, q, &bad), &bad);
    ep_json_put(res, "ties", ties, &bad);
    ep_json_put(res, "ties_total", json_integer(o.cmp.like_candidates), &bad);
    if (o.cmp.like_candidates == 0)
        ep_json_put(res, "ties_reason",
                    json_string("no other MEP cast min_common_votes votes in common with the MEP "
                                "in the window"),
                    &bad);
    ep_json_put(res, "composition",
                json_pack("{s:o, s:o}", "by_group",
                          ego_counts_json(&o, o.by_grp, o.n_by_grp, 0, &bad), "by_country",
                          ego_counts_json(&o, o.by_cty, o.n_cty, 1, &bad)),
                &bad);
    json_t *cross = json_array();
    for (int q = 0; q < o.n_cross_top; q++)
        ep_json_add(cross, ego_tie_json(k, &o, o.cross_top[q], &bad), &bad);
    ep_json_put(res, "bridges",
                json_pack("{s:i, s:o, s:o, s:o}", "cross_group_ties", o.cross, "cross_group_share",
                          ep_json_real_if(o.cmp.like_candidates > 0,
                                          o.cmp.like_candidates
                                              ? (double)o.cross / o.cmp.like_candidates
                                              : 0),
                          "cross_group_weight_share",
                          ep_json_real_if(nd->strength > 0,
                                          nd->strength > 0 ? o.cross_w / nd->strength : 0),
                          "strongest", cross),
                &bad);
    struct ep_ego_committees ec;
    if ((rc = ep_ego_committees_compute(&o, &ec, err))) {
        json_decref(res);
        ep_ego_free(&o);
        return rc;
    }
    ep_json_put(res, "committee_edges", ep_tools_ego_committees_json(&o, &ec, &bad), &bad);
    ep_ego_committees_free(&ec);
    ep_ego_free(&o);
    static const char *const inputs[] = {
        "per MEP pair: same and both from the vote matrix (the co-voting network's edges)",
        "graph/: the MEP's degree, strength, bridge score and Louvain community", NULL};
    static const char *const limits[] = {
        "a tie needs min_common_votes votes both MEPs cast; its weight is their agreement",
        "groups are modal groups (held longest in the window); countries the member table's",
        NULL};
    return kit_finish(k, res,
                      "weight(i, j) = same / both over votes both cast, a tie when both >= "
                      "min_common_votes; strength = sum of weights; bridge score = share of the "
                      "top-20 tie weight going to another modal group; cross_group_weight_share = "
                      "cross-group weight / strength",
                      inputs, limits, bad, result, err);
}

static int tool_network_analysis(struct ep_tool_ctx *ctx, json_t *args, json_t **result,
                    struct ep_error *err)
{
    return kit_run(ctx, args, result, err, body_network_analysis);
}

/* ==== track_mep_attendance ================================================================= */

static void period_str(int kind, int32_t key, char out[11])
{
    if (kind == EP_PERIOD_MONTH)
        snprintf(out, 11, "%04d-%02d", (int)(key / 100) % 10000, (int)(key % 100) % 100);
    else
        ep_date_format(key, out);
}

static const char *const att_unknown =
    "unknown: the period or window has a vote whose did-not-vote list is unknown (the roll-call "
    "XML without memberships), so the eligible votes are not known";

/* {cast, eligible, participation} (+ reason when unknown) into o. */
static void att_cell_put(json_t *o, const struct ep_att_cell *c, int *bad)
{
    double x = 0;
    int ok = ep_att_value(c, &x);
    ep_json_put(o, "cast", json_integer(c->cast), bad);
    ep_json_put(o, "eligible", json_integer(c->eligible), bad);
    ep_json_put(o, "participation", ep_json_real_if(ok, x), bad);
    if (!ok)
        ep_json_put(o, "reason",
                    json_string(c->eligible == 0 ? "no eligible vote (no mandate) in the period"
                                                 : att_unknown),
                    bad);
}

static json_t *att_series(const struct ep_attendance *o, const struct ep_att_cell *cells,
                          size_t stride, int *bad)
{
    const struct ep_stats_periods *per = &o->win->per[o->p.period];
    json_t *arr = json_array();
    for (int k = 0; k < o->n_period; k++) {
        char d[11];
        period_str(o->p.period, per->key[k], d);
        json_t *x = json_pack("{s:s}", "period", d);
        att_cell_put(x, &cells[(size_t)k * stride], bad);
        ep_json_add(arr, x, bad);
    }
    return arr;
}

static json_t *att_entity(struct kit *k, const struct ep_attendance *o, int e, int series,
                          int *bad)
{
    json_t *x;
    if (o->p.by == EP_ATT_BY_MEP)
        x = kit_mep(k, e);
    else if (o->p.by == EP_ATT_BY_GROUP)
        x = json_pack("{s:s}", "group", k->w->m->grp_code[e]);
    else
        x = json_pack("{s:s}", "country", o->country[e]);
    att_cell_put(x, &o->total[e], bad);
    if (series)
        ep_json_put(x, "series", att_series(o, o->pt + e, (size_t)o->n_entity, bad), bad);
    return x;
}

static json_t *att_dropped(struct kit *k, const struct ep_attendance *o, int top, int *bad)
{
    json_t *x = json_pack("{s:o, s:i, s:i}", "drop_min", ep_json_real(o->p.drop_min),
                          "min_eligible", o->p.min_eligible, "total", o->n_drop);
    if (!o->drop_ok) {
        ep_json_put(x, "available", json_false(), bad);
        ep_json_put(x, "reason",
                    json_string("the window has fewer than 2 periods: there is no first and "
                                "second half to compare"),
                    bad);
        return x;
    }
    const struct ep_stats_periods *per = &o->win->per[o->p.period];
    int half = (o->n_period + 1) / 2;
    char a[11], b[11], c[11], d[11];
    period_str(o->p.period, per->key[0], a);
    period_str(o->p.period, per->key[half - 1], b);
    period_str(o->p.period, per->key[half], c);
    period_str(o->p.period, per->key[o->n_period - 1], d);
    ep_json_put(x, "available", json_true(), bad);
    ep_json_put(x, "halves",
                json_pack("{s:{s:s, s:s, s:i}, s:{s:s, s:s, s:i}}", "first", "from", a, "to", b,
                          "periods", half, "second", "from", c, "to", d, "periods",
                          o->n_period - half),
                bad);
    json_t *items = json_array();
    for (int q = 0; q < o->n_drop && q < top; q++) {
        const struct ep_att_drop *dr = &o->drop[q];
        json_t *e = att_entity(k, o, dr->entity, 0, bad);
        ep_json_put(e, "before", ep_json_real(dr->before), bad);
        ep_json_put(e, "after", ep_json_real(dr->after), bad);
        ep_json_put(e, "drop", ep_json_real(dr->drop), bad);
        ep_json_put(e, "eligible_before", json_integer(dr->first.eligible), bad);
        ep_json_put(e, "eligible_after", json_integer(dr->second.eligible), bad);
        ep_json_add(items, e, bad);
    }
    ep_json_put(x, "items", items, bad);
    return x;
}

static int body_track_mep_attendance(struct kit *k, struct ep_tool_ctx *ctx, json_t *args, json_t **result,
                    struct ep_error *err)
{
    const char *by = json_string_value(json_object_get(args, "by"));
    const char *period = json_string_value(json_object_get(args, "period"));
    struct ep_att_params p = {0};
    p.by = by && strcmp(by, "country") == 0 ? EP_ATT_BY_COUNTRY
           : by && strcmp(by, "group") == 0 ? EP_ATT_BY_GROUP
                                             : EP_ATT_BY_MEP;
    p.period = period && strcmp(period, "month") == 0 ? EP_PERIOD_MONTH : EP_PERIOD_SITTING;
    p.min_eligible = (int)iarg(args, "min_eligible", 5);
    json_t *dm = json_object_get(args, "drop_min");
    p.drop_min = json_is_number(dm) ? json_number_value(dm) : 0.1;
    int top = (int)iarg(args, "top", 20);
    int series = !json_is_false(json_object_get(args, "series"));
    int rc = kit_begin(k, ctx, "track_mep_attendance", 3, args, err);
    if (rc)
        return rc;
    struct ep_attendance o;
    if ((rc = ep_attendance_compute(k->w, &p, &k->run, &o, err)))
        return rc;
    if ((rc = ep_run_stage(&k->run, "result", err))) {
        ep_attendance_free(&o);
        return rc;
    }
    int bad = 0;
    json_t *res = json_pack("{s:s, s:s, s:i, s:i}", "by",
                            p.by == EP_ATT_BY_MEP ? "mep" : p.by == EP_ATT_BY_GROUP ? "group" : "country",
                            "period", p.period == EP_PERIOD_MONTH ? "month" : "sitting",
                            "entities", o.n_entity, "ranked", o.n_rank);
    struct ep_att_cell all = {0};
    for (int q = 0; q < o.n_period; q++) {
        all.cast += o.parl[q].cast;
        all.eligible += o.parl[q].eligible;
        all.unknown += o.parl[q].unknown;
    }
    json_t *parl = json_object();
    att_cell_put(parl, &all, &bad);
    ep_json_put(parl, "series", att_series(&o, o.parl, 1, &bad), &bad);
    ep_json_put(res, "parliament", parl, &bad);
    json_t *hi = json_array(), *lo = json_array();
    for (int q = 0; q < o.n_rank && q < top; q++) {
        ep_json_add(hi, att_entity(k, &o, o.rank[q], series, &bad), &bad);
        ep_json_add(lo, att_entity(k, &o, o.rank[o.n_rank - 1 - q], series, &bad), &bad);
    }
    ep_json_put(res, "highest", hi, &bad);
    ep_json_put(res, "lowest", lo, &bad);
    ep_json_put(res, "dropped", att_dropped(k, &o, top, &bad), &bad);
    ep_attendance_free(&o);
    static const char *const inputs[] = {
        "per MEP and vote: whether they had a mandate (pos != NONE) and cast a vote", NULL};
    static const char *const limits[] = {
        "a group's cells are those whose group on the vote is the group; a country's are its "
        "MEPs' (member-table country)",
        "a window or period with a vote whose did-not-vote list is unknown has no participation",
        "ranking ties: more eligible votes first, then entity order", NULL};
    return kit_finish(k, res,
                      "participation = cast / eligible over the entity's cells (eligible: a "
                      "mandate that day; cast: FOR, AGAINST or ABSTENTION); drop = participation "
                      "in the first ceil(P/2) periods - in the remaining ones, listed when >= "
                      "drop_min and both halves have >= min_eligible eligible cells",
                      inputs, limits, bad, result, err);
}

static int tool_track_mep_attendance(struct ep_tool_ctx *ctx, json_t *args, json_t **result,
                    struct ep_error *err)
{
    return kit_run(ctx, args, result, err, body_track_mep_attendance);
}

/* ==== get_voting_records: the per-country breakdown ======================================= */

int ep_tools_positions_countries(struct ep_store *s, const struct ep_positions *p,
                                 char (**country)[8], struct ep_error *err)
{
    const struct ep_matrix *m = &p->m;
    *country = calloc((size_t)(m->n_mep > 0 ? m->n_mep : 1), sizeof **country);
    if (!*country)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    char **names = NULL;
    int rc = ep_query_member_names(s, m->mep_id, m->n_mep, &names, *country, err);
    free(names);
    if (rc) {
        free(*country);
        *country = NULL;
    }
    return rc;
}

json_t *ep_tools_country_breakdown_json(const struct ep_positions *p, int v,
                                        const char (*country)[8])
{
    enum { MAXC = 64 };
    const struct ep_matrix *m = &p->m;
    const char *code[MAXC];
    int c[MAXC][5], n = 0;
    memset(c, 0, sizeof c);
    const uint8_t *row = m->pos + (size_t)v * (size_t)m->n_mep;
    for (int i = 0; i < m->n_mep; i++) {
        if (row[i] == EP_POS_NONE || row[i] > EP_POS_DID_NOT_VOTE)
            continue;
        const char *cc = country[i][0] ? country[i] : NULL;
        int k = 0;
        while (k < n && !(cc == code[k] || (cc && code[k] && strcmp(cc, code[k]) == 0)))
            k++;
        if (k == n) {
            if (n == MAXC)
                continue;
            code[n++] = cc;
        }
        c[k][row[i]]++;
    }
    int order[MAXC];
    for (int k = 0; k < n; k++) { /* by code, the MEPs without a country last */
        int j = k;
        while (j > 0 && (!code[order[j - 1]] || (code[k] && strcmp(code[order[j - 1]], code[k]) > 0))) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = k;
    }
    json_t *arr = json_array();
    int bad = 0;
    for (int q = 0; q < n; q++) {
        int k = order[q];
        int pos = ep_stats_position(c[k][1], c[k][2], c[k][3]);
        ep_json_add(arr,
                    json_pack("{s:o, s:i, s:i, s:i, s:i, s:s}", "country",
                              ep_json_str_or_null(code[k]), "Y", c[k][1], "N", c[k][2], "A",
                              c[k][3], "D", c[k][4], "position", ep_stats_gpos_name(pos)),
                    &bad);
    }
    if (bad) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}

/* ==== the rows ============================================================================= */

static const struct ep_tool rows[] = {
    {"comparative_intelligence", "Compare MEPs' votes",
     "2 to 10 MEPs compared on their roll-call votes in a window: pairwise agreement (share of "
     "the votes both cast where they cast the same option), shared votes and the votes where "
     "they differ, with titles; and the MEPs who vote most like a given MEP (top k by agreement "
     "among MEPs with a minimum of common votes).",
     NULL, NULL, ANNOT, 3600, tool_comparative_intelligence},
    {"analyze_country_delegation", "Analyze a country delegation",
     "A country's MEPs in a window with their groups, participation and seats per group; the "
     "delegation's own cohesion (Agreement Index, Rice over its members), how often it splits, "
     "its agreement with each group's position and its defectors (members voting against the "
     "delegation's position). formats [\"pdf\"] adds the country delegation report (PDF).",
     NULL, NULL, ANNOT, 3600, tool_analyze_country_delegation},
    {"track_mep_attendance", "Track MEP attendance",
     "Participation (cast / eligible votes) in a window ranked by MEP, country or group, highest "
     "and lowest, with each one's trend per sitting or month, the Parliament's series, and who "
     "dropped (participation fell between the first and the second half of the periods).",
     NULL, NULL, ANNOT, 3600, tool_track_mep_attendance},
    {"compare_political_groups", "Compare political groups",
     "2 or more political groups side by side in a window: members and seats, cohesion "
     "(Agreement Index, Rice, Krippendorff's alpha), participation, their pair agreement, and "
     "each group's position on the close votes with how often it was on the winning side; with "
     "by_policy_area, the same per OEIL policy area with the votes each covers.",
     NULL, NULL, ANNOT, 3600, tool_compare_political_groups},
    {"generate_political_landscape", "Generate the political landscape",
     "The Parliament's landscape in a window: seats per group on a date, the effective number "
     "of groups by seats and by votes, the minimal winning coalitions of groups and how often "
     "each actually won together, and the blocs of the co-voting network. formats [\"png\"] "
     "adds a hemicycle PNG.",
     NULL, NULL, ANNOT, 3600, tool_generate_political_landscape},
    {"network_analysis", "Analyze an MEP's network",
     "An MEP's ego network in the co-voting network of a window: the k strongest ties (agreement "
     "with at least a minimum of common votes) with their groups and countries, the composition "
     "of all ties by group and country, the ties that bridge to other groups and the MEP's "
     "degree, strength, bridge score and community; where committee rosters are synced, the "
     "committee co-membership edges.",
     NULL, NULL, ANNOT, 3600, tool_network_analysis},
};

const struct ep_tool *ep_tools_toolkit_rows(size_t *n)
{
    if (n)
        *n = sizeof rows / sizeof rows[0];
    return rows;
}
