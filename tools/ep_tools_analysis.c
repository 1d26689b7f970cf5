/* ep_tools_analysis: analyze_voting_patterns and generate_report (see ep_tools_analysis.h).
 *
 * The figures are analysis/ products (ep_patterns.h, ep_mep_report.h, ep_group_report.h,
 * ep_sitting_report.h) over the window's vote matrix; the Markdown is report/ep_report_md.c. This
 * file maps the arguments to parameters and the typed results to JSON. */
#include "ep_tools_analysis.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_artefact.h"
#include "ep_env.h"
#include "ep_group_report.h"
#include "ep_mep_report.h"
#include "ep_model.h"
#include "ep_patterns.h"
#include "ep_report.h"
#include "ep_report_md.h"
#include "ep_sitting_report.h"
#include "ep_stats.h"
#include "ep_tools_basic.h"
#include "ep_tools_common.h"
#include "ep_tools_intel.h"
#include "ep_tools_window.h"
#include "ep_util.h"

/* ---- small JSON helpers ------------------------------------------------------------------ */

/* A builder: every put records an allocation failure in bad instead of failing at once, so
 * that the handlers check once at the end. */
struct jb {
    int bad;
};

static void put(struct jb *b, json_t *o, const char *k, json_t *v)
{
    if (!o || !v || json_object_set_new(o, k, v))
        b->bad = 1;
}

static void push(struct jb *b, json_t *a, json_t *v)
{
    if (!a || !v || json_array_append_new(a, v))
        b->bad = 1;
}

/* json_real of a finite value; the stats never hand out NaN/Inf, but check anyway. */
static json_t *jreal(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

/* {"available": true, "value": x} */
static json_t *avail(double x)
{
    json_t *o = json_object();
    json_t *r = jreal(x);
    if (!o || !r || json_object_set_new(o, "available", json_true()) ||
        json_object_set_new(o, "value", r)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* A measure: {"available": true, "value": x} or {"available": false, "reason": ...}. */
static json_t *measure(const struct ep_measure *x)
{
    return x->ok ? avail(x->value) : ep_tools_unavailable(x->reason);
}

static int oom(struct ep_error *err)
{
    return ep_error_set(err, EP_ENOMEM, "out of memory");
}

/* ---- the window -------------------------------------------------------------------------- */

struct an {
    struct ep_store *s;
    struct ep_env *env;
    const struct ep_matrix *m;  /* borrowed from the window cache; n_vote 0 when unavailable */
    struct ep_stats_votes vs;   /* borrowed from the window cache (ep_tools_matrix_votes) */
    char why[EP_ERROR_MSG_MAX]; /* why the window holds no data */
    struct ep_tools_window tw;
    struct ep_patterns_window w; /* the products' view of the above */
};

static const struct ep_matrix empty_matrix;

/* Load the window and the per-vote group figures. A window without votes is not an error:
 * a->m is then the empty matrix and a->why says why. */
static int an_open(struct an *a, struct ep_tool_ctx *ctx, json_t *args, struct ep_error *err)
{
    memset(a, 0, sizeof *a);
    if (!ctx || !ctx->store || !ctx->env || ctx->env->store != ctx->store)
        return ep_error_set(err, EP_EINTERNAL,
                            "no store, or the call's analysis environment is missing or belongs "
                            "to another store");
    a->s = ctx->store;
    a->env = ctx->env;
    int rc = ep_tools_window_from_args(args, &a->tw, err);
    if (rc)
        return rc;
    a->w = (struct ep_patterns_window){
        .store = a->s, .positions = &ctx->env->positions, .m = &empty_matrix, .why = a->why};
    struct ep_error e2 = {0};
    rc = ep_tools_matrix(ctx, &a->tw, &a->m, &e2);
    if (rc == EP_EUNAVAIL) {
        a->m = &empty_matrix;
        struct ep_positions *p = NULL;
        if (ep_tools_pos_acquire(a->env, &p, NULL) == 0 && p->pos_from[0])
            snprintf(a->why, sizeof a->why,
                     "the window holds no roll-call votes with per-MEP positions; the store has "
                     "them from %s to %s (%d sittings)",
                     p->pos_from, p->pos_to, p->n_days);
        else
            snprintf(a->why, sizeof a->why, "%s", e2.msg);
        ep_tools_pos_release(p);
        return 0;
    }
    if (rc) {
        *err = e2;
        return rc;
    }
    /* the matrix's figures, kept with it by the window cache */
    rc = ep_tools_matrix_votes(ctx, a->m, &a->vs, err);
    if (rc)
        return rc;
    a->w.m = a->m;
    a->w.vs = &a->vs;
    return 0;
}

/* ---- methodology ----------------------------------------------------------------------- */
static json_t *methodology(int group)
{
    json_t *o = json_pack(
        "{s:s, s:s}", "reference",
        "docs/methodology.md (grown from METHODS.md): Hix, Noury & Roland (2005) Agreement "
        "Index; Krippendorff's alpha (nominal)",
        "group_position",
        "A group's position on a vote is the option (FOR, AGAINST, ABSTENTION) with the most "
        "of its members' votes, members counted in the group they belonged to on the vote's "
        "date. Two options tied for the maximum give TIE: such votes are left out of loyalty, "
        "defections, agreement and cross-party votes. Ties are never broken.");
    if (!o)
        return NULL;
    json_t *d =
        group ? json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "agreement_index",
                          "(max(Y,N,A) - (T - max)/2) / T per vote with T = Y+N+A > 0; mean "
                          "and median over the window's votes",
                          "rice", "|Y - N| / (Y + N), mean over votes with Y + N > 0", "alpha",
                          "Krippendorff's alpha, nominal: units = votes, values = "
                          "FOR/AGAINST/ABSTENTION, did-not-vote missing",
                          "participation", "sum of T / sum of (T + D) over the window's votes",
                          "abstention_share", "sum of A / sum of T", "rebels",
                          "defection rate of each member over the votes cast while in the "
                          "group where the group had a non-tie position; members with fewer "
                          "than 10 such votes are not ranked")
              : json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "participation",
                          "(FOR + AGAINST + ABSTENTION) / eligible votes (votes held while "
                          "the person was an MEP)",
                          "loyalty",
                          "over votes the MEP cast where their group (on that date) had a "
                          "non-tie position, the share equal to it (the MEP's own vote counts "
                          "in the position)",
                          "defection", "a cast vote that differs from the group's non-tie position",
                          "agreement",
                          "for each group, over the MEP's cast votes where that group had a "
                          "non-tie position, the share equal to the group's position",
                          "cross_party",
                          "defections whose option equals the non-tie position of at least one "
                          "other group (not the MEP's own, not NI); share over the loyalty "
                          "denominator",
                          "abstention_share", "ABSTENTION / cast votes");
    if (!d || json_object_set_new(o, "definitions", d)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---- voting patterns -> JSON ------------------------------------------------------------- */

/* {total, items, hasMore} of a vote list; MEP lists carry the MEP's and their group's
 * positions, group lists the group's counts on each vote. */
static json_t *votes_json(const struct ep_patterns *p, const struct ep_patterns_votes *l,
                          int group_counts)
{
    struct jb b = {0};
    json_t *items = json_array();
    for (int k = 0; k < l->n; k++) {
        const struct ep_patterns_vote *r = &l->items[k];
        json_t *o = json_pack("{s:I, s:s}", "vote_id", (json_int_t)r->vote_id, "date", r->date);
        if (r->procedure)
            put(&b, o, "procedure", json_string(r->procedure));
        if (r->result)
            put(&b, o, "result", json_string(r->result));
        put(&b, o, "title", json_string(r->title));
        if (r->with_mep) {
            put(&b, o, "mep_position", json_string(ep_pos_name(r->mep_position)));
            if (r->group >= 0) {
                put(&b, o, "group", json_string(p->grp_code[r->group]));
                put(&b, o, "group_position", json_string(ep_stats_gpos_name(r->group_position)));
                json_t *with = json_array();
                for (int g = 0; g < p->n_grp; g++)
                    if (r->same_mask & (1u << g))
                        push(&b, with, json_string(p->grp_code[g]));
                put(&b, o, "groups_voting_the_same", with);
            }
        }
        if (group_counts) {
            put(&b, o, "position", json_string(ep_stats_gpos_name(r->vg.pos)));
            put(&b, o, "Y", json_integer(r->vg.y));
            put(&b, o, "N", json_integer(r->vg.n));
            put(&b, o, "A", json_integer(r->vg.a));
            put(&b, o, "D", json_integer(r->vg.d));
            put(&b, o, "agreement_index", jreal(r->vg.ai));
        }
        push(&b, items, o);
    }
    json_t *o = group_counts
                    ? json_pack("{s:s, s:i, s:o, s:b}", "order", "agreement_index ascending",
                                "total", l->total, "items", items, "hasMore", l->total > l->n)
                    : json_pack("{s:i, s:o, s:b}", "total", l->total, "items", items, "hasMore",
                                l->total > l->n);
    if (b.bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* One agreement entry: the measure with its counts (counted under the name den), then the
 * group. */
static json_t *agree_json(struct jb *b, const struct ep_patterns *p,
                          const struct ep_patterns_agree *a, const char *den)
{
    json_t *o = measure(&a->share);
    if (a->share.ok) {
        put(b, o, "agree", json_integer(a->agree));
        put(b, o, den, json_integer(a->counted));
    }
    put(b, o, "group", json_string(p->grp_code[a->group]));
    return o;
}

static json_t *mep_subject(struct jb *b, const struct ep_patterns *p)
{
    const struct ep_patterns_mep *s = &p->mep;
    json_t *o =
        json_pack("{s:s, s:I, s:s}", "type", "mep", "mep_id", (json_int_t)s->id, "name", s->name);
    if (!o)
        return NULL;
    if (s->country[0])
        put(b, o, "country", json_string(s->country));
    if (!s->named)
        put(b, o, "note", json_string(EP_TOOLS_MEP_UNNAMED));
    if (!s->in_window)
        return o;
    json_t *groups = json_array();
    for (int k = 0; k < s->n_held; k++)
        push(b, groups,
             json_pack("{s:s, s:i}", "group", p->grp_code[s->held_group[k]], "votes",
                       s->held_votes[k]));
    put(b, o, "groups", groups);
    if (s->last_group >= 0)
        put(b, o, "group", json_string(p->grp_code[s->last_group]));
    return o;
}

static int mep_json(const struct ep_patterns *p, json_t *out, struct ep_error *err)
{
    struct jb b = {0};
    const struct ep_patterns_mep *s = &p->mep;
    put(&b, out, "subject", mep_subject(&b, p));
    json_t *o = measure(&s->participation);
    if (s->participation.ok) {
        put(&b, o, "cast", json_integer(s->cast));
        put(&b, o, "eligible", json_integer(s->eligible));
        put(&b, o, "for", json_integer(s->n_for));
        put(&b, o, "against", json_integer(s->n_against));
        put(&b, o, "abstention", json_integer(s->n_abst));
        put(&b, o, "did_not_vote", json_integer(s->n_dnv));
    }
    put(&b, out, "participation", o);
    o = measure(&s->loyalty);
    if (s->loyalty.ok) {
        put(&b, o, "matching", json_integer(s->loyalty_matching));
        put(&b, o, "counted", json_integer(s->loyalty_counted));
        put(&b, o, "defections", json_integer(s->defections));
    }
    put(&b, out, "loyalty", o);
    o = measure(&s->abstention);
    if (s->abstention.ok) {
        put(&b, o, "abstentions", json_integer(s->n_abst));
        put(&b, o, "cast", json_integer(s->cast));
    }
    put(&b, out, "abstention", o);
    o = measure(&s->cross_party);
    if (s->cross_party.ok) {
        put(&b, o, "votes", json_integer(s->cross_votes));
        put(&b, o, "counted", json_integer(s->loyalty_counted));
    }
    put(&b, out, "cross_party", o);
    json_t *agr = json_array();
    for (int k = 0; k < s->n_agree; k++)
        push(&b, agr, agree_json(&b, p, &s->agree[k], "counted"));
    put(&b, out, "agreement", agr);
    if (p->include_votes && s->in_window) {
        put(&b, out, "defections", votes_json(p, &s->defection_votes, 0));
        put(&b, out, "cross_party_votes", votes_json(p, &s->cross_party_votes, 0));
        put(&b, out, "abstention_votes", votes_json(p, &s->abstention_votes, 0));
        put(&b, out, "missed_votes", votes_json(p, &s->missed_votes, 0));
    }
    return b.bad ? oom(err) : 0;
}

static json_t *cohesion_json(struct jb *b, const struct ep_patterns *p)
{
    const struct ep_patterns_group *s = &p->group;
    const struct ep_stats_group *c = &s->cohesion;
    if (!s->in_window)
        return ep_tools_unavailable(p->reason);
    json_t *coh = json_object();
    put(b, coh, "available", json_boolean(c->ai_ok));
    if (!c->ai_ok)
        put(b, coh, "reason", json_string("no member of the group cast a vote in the window"));
    put(b, coh, "agreement_index",
        c->ai_ok ? json_pack("{s:b, s:o, s:o, s:i}", "available", 1, "mean", jreal(c->ai_mean),
                             "median", jreal(c->ai_median), "votes", c->n_vote_cast)
                 : ep_tools_unavailable("no vote with T > 0"));
    put(b, coh, "rice",
        c->rice_ok ? json_pack("{s:b, s:o, s:i}", "available", 1, "mean", jreal(c->rice_mean),
                               "votes", c->rice_n)
                   : ep_tools_unavailable("no vote with Y + N > 0"));
    json_t *o = c->alpha_ok ? json_pack("{s:b, s:o, s:i}", "available", 1, "value", jreal(c->alpha),
                                        "units", c->alpha_units)
                            : ep_tools_unavailable(s->alpha_reason);
    put(b, o, "minimum_units", json_integer(EP_STATS_ALPHA_MIN_UNITS));
    if (!c->alpha_ok)
        put(b, o, "units", json_integer(c->alpha_units));
    put(b, coh, "alpha", o);
    put(b, coh, "tie_votes", json_integer(c->n_tie));
    put(b, coh, "votes_present", json_integer(c->n_vote_present));
    return coh;
}

static json_t *rebels_json(struct jb *b, const struct ep_patterns_group *s)
{
    if (!s->rebels_ok)
        return ep_tools_unavailable(s->rebels_reason);
    json_t *items = json_array();
    for (int k = 0; k < s->n_rebels; k++) {
        const struct ep_patterns_rebel *r = &s->rebels[k];
        json_t *o =
            json_pack("{s:I, s:s, s:i, s:i, s:o}", "mep_id", (json_int_t)r->mep_id, "name", r->name,
                      "defections", r->defections, "counted", r->counted, "rate", jreal(r->rate));
        if (o && r->country[0])
            put(b, o, "country", json_string(r->country));
        push(b, items, o);
    }
    return json_pack("{s:b, s:i, s:i, s:i, s:o, s:b}", "available", 1, "min_votes",
                     EP_PATTERNS_MIN_REBEL_VOTES, "ranked", s->ranked, "not_ranked_few_votes",
                     s->not_ranked_few, "items", items, "hasMore", s->ranked > s->n_rebels);
}

static int group_json(const struct ep_patterns *p, json_t *out, struct ep_error *err)
{
    struct jb b = {0};
    const struct ep_patterns_group *s = &p->group;
    json_t *subj =
        json_pack("{s:s, s:s, s:s}", "type", "group", "code", s->code, "label", s->label);
    if (subj && s->in_window)
        put(&b, subj, "members_in_window", json_integer(s->members));
    put(&b, out, "subject", subj);
    put(&b, out, "cohesion", cohesion_json(&b, p));
    json_t *o = measure(&s->participation);
    if (s->participation.ok) {
        put(&b, o, "cast", json_integer(s->part_cast));
        put(&b, o, "possible", json_integer(s->part_possible));
    }
    put(&b, out, "participation", o);
    o = measure(&s->abstention);
    if (s->abstention.ok) {
        put(&b, o, "abstentions", json_integer(s->abstentions));
        put(&b, o, "cast", json_integer(s->part_cast));
    }
    put(&b, out, "abstention", o);
    json_t *agr = json_array();
    for (int k = 0; k < s->n_agree; k++)
        push(&b, agr, agree_json(&b, p, &s->agree[k], "common"));
    put(&b, out, "agreement", agr);
    put(&b, out, "rebels", rebels_json(&b, s));
    if (p->include_votes && s->in_window)
        put(&b, out, "votes", votes_json(p, &s->votes, 1));
    return b.bad ? oom(err) : 0;
}

static int patterns_json(const struct ep_patterns *p, json_t *out, struct ep_error *err)
{
    return p->kind == EP_PATTERNS_MEP ? mep_json(p, out, err) : group_json(p, out, err);
}

/* The window, methodology and provenance blocks every result ends with. */
static int finish(struct an *a, json_t *out, int group, struct ep_error *err)
{
    struct jb b = {0};
    put(&b, out, "window", ep_tools_window_json(&a->tw, a->m));
    put(&b, out, "methodology", methodology(group));
    if (b.bad)
        return oom(err);
    return ep_tools_env_add_provenance(a->env, out, err);
}

static int tool_analyze_voting_patterns(struct ep_tool_ctx *ctx, json_t *args, json_t **result,
                                        struct ep_error *err)
{
    json_t *mep = json_object_get(args, "mep_id");
    const char *group = json_string_value(json_object_get(args, "group"));
    if (!mep && !group)
        return ep_error_set(err, EP_EINVAL,
                            "arguments \"mep_id\" and \"group\" are both missing: give exactly "
                            "one (an MEP id such as 197490, or a group code such as EPP)");
    if (mep && group)
        return ep_error_set(err, EP_EINVAL,
                            "arguments \"mep_id\" and \"group\" are both given: give exactly one");
    struct an a;
    int rc = an_open(&a, ctx, args, err);
    if (rc)
        return rc;
    char code[16];
    struct ep_patterns_params pp = {
        .kind = mep ? EP_PATTERNS_MEP : EP_PATTERNS_GROUP,
        .mep_id = mep ? (int64_t)json_integer_value(mep) : 0,
        .group = code,
        .include_votes = json_is_true(json_object_get(args, "include_votes")),
        .limit = (int)json_integer_value(json_object_get(args, "limit")), /* schema default */
    };
    if (!mep && (rc = ep_tools_env_resolve_group(a.env, "group", group, code, sizeof code, err)))
        return rc;
    json_t *out = json_pack("{s:s}", "kind", mep ? "mep" : "group");
    if (!out)
        return oom(err);
    struct ep_patterns p;
    rc = ep_patterns_compute(&a.w, &pp, &p, err);
    if (!rc)
        rc = patterns_json(&p, out, err);
    if (!rc)
        rc = finish(&a, out, !mep, err);
    ep_patterns_free(&p);
    if (rc) {
        json_decref(out);
        return rc;
    }
    *result = out;
    return 0;
}

/* ---- generate_report --------------------------------------------------------------------- */

static json_t *memberships_json(const struct ep_mep_report *r)
{
    struct jb b = {0};
    json_t *arr = json_array();
    for (size_t k = 0; k < r->n_memberships; k++) {
        const struct ep_query_membership *e = &r->memberships[k];
        json_t *o = json_pack("{s:s, s:s}", "group", e->group, "start", e->start);
        put(&b, o, "term", e->has_term ? json_integer(e->term) : json_null());
        put(&b, o, "end", e->end[0] ? json_string(e->end) : json_null());
        push(&b, arr, o);
    }
    if (b.bad) {
        json_decref(arr);
        return json_array();
    }
    return arr;
}

/* The provenance the Markdown's coverage section shows. */
static int md_prov(struct an *a, struct ep_positions_prov *prov, struct ep_error *err)
{
    if (ep_positions_provenance(&a->env->positions, a->s, prov, NULL))
        return ep_error_set(err, EP_EDB, "could not read the dataset provenance from the store");
    return 0;
}

static int report_mep(struct an *a, const char *id, json_t *data, struct ep_buf *md,
                      struct ep_error *err)
{
    char *end;
    long long v = strtoll(id, &end, 10);
    if (!*id || *end || v <= 0)
        return ep_error_set(err, EP_EINVAL,
                            "argument \"id\": for kind \"mep\" give the MEP's numeric EP id, got "
                            "\"%s\"",
                            id);
    struct ep_mep_report r;
    struct ep_positions_prov prov;
    int rc = ep_mep_report_compute(&a->w, (int64_t)v, &r, err);
    if (!rc)
        rc = patterns_json(&r.patterns, data, err);
    if (!rc)
        rc = finish(a, data, 0, err);
    if (!rc)
        rc = md_prov(a, &prov, err);
    if (!rc && ep_report_md_mep(&r, &prov, md))
        rc = oom(err);
    if (!rc && json_object_set_new(data, "memberships", memberships_json(&r)))
        rc = oom(err);
    ep_mep_report_free(&r);
    return rc;
}

static int report_group(struct an *a, const char *id, json_t *data, struct ep_buf *md,
                        struct ep_error *err)
{
    char code[16];
    int rc = ep_tools_env_resolve_group(a->env, "id", id, code, sizeof code, err);
    if (rc)
        return rc;
    struct ep_group_report r;
    struct ep_positions_prov prov;
    rc = ep_group_report_compute(&a->w, code, &r, err);
    if (!rc)
        rc = patterns_json(&r.patterns, data, err);
    if (!rc)
        rc = finish(a, data, 1, err);
    if (!rc)
        rc = md_prov(a, &prov, err);
    if (!rc && ep_report_md_group(&r, &prov, md))
        rc = oom(err);
    ep_group_report_free(&r);
    return rc;
}

/* The "votes" block of a sitting: counts, with main votes and results unknown (null with the
 * reason) when no source says, never 0. */
static json_t *sitting_votes_json(struct jb *b, const struct ep_query_sitting_counts *c)
{
    json_t *vj = json_pack(
        "{s:i, s:i, s:o, s:i, s:o, s:o, s:i}", "total", c->total, "with_positions",
        c->with_positions, "main", c->main_known ? json_integer(c->main) : json_null(),
        "main_known", c->main_known, "adopted",
        c->result_known ? json_integer(c->adopted) : json_null(), "rejected",
        c->result_known ? json_integer(c->rejected) : json_null(), "result_known", c->result_known);
    if (vj && (c->main_known < c->total || c->result_known < c->total)) {
        json_t *unk = json_object();
        if (c->main_known < c->total)
            put(b, unk, "main",
                json_string("the stored sources do not say which of these votes are main votes "
                            "(HowTheyVote.eu's votes table does; the roll-call XML does not)"));
        if (c->result_known < c->total)
            put(b, unk, "result",
                json_string("no result is stored for some votes (HowTheyVote.eu's votes table "
                            "gives results from 2024; the roll-call XML has none)"));
        put(b, vj, "unknown", unk);
    }
    return vj;
}

static json_t *sitting_groups_json(struct jb *b, const struct ep_sitting_report *r)
{
    if (!r->has_positions)
        return ep_tools_unavailable(r->why);
    json_t *groups = json_array();
    for (int k = 0; k < r->n_groups; k++) {
        const struct ep_sitting_group *g = &r->groups[k];
        json_t *o = json_pack("{s:s}", "group", r->grp_code[g->group]);
        put(b, o, "agreement_index",
            g->ai_ok ? json_pack("{s:b, s:o, s:o, s:i}", "available", 1, "mean", jreal(g->ai_mean),
                                 "median", jreal(g->ai_median), "votes", g->ai_votes)
                     : ep_tools_unavailable("no member cast a vote"));
        put(b, o, "participation", measure(&g->participation));
        put(b, o, "tie_votes", json_integer(g->tie_votes));
        push(b, groups, o);
    }
    return groups;
}

static json_t *sitting_list_json(struct jb *b, const struct ep_sitting_report *r)
{
    json_t *list = json_array();
    for (int k = 0; k < r->n_votes; k++) {
        const struct ep_sitting_vote *v = &r->votes[k];
        json_t *o =
            json_pack("{s:I, s:s, s:o}", "vote_id", (json_int_t)v->row.id, "title", v->row.title,
                      "main", v->row.main < 0 ? json_null() : json_boolean(v->row.main));
        if (v->row.procedure)
            put(b, o, "procedure", json_string(v->row.procedure));
        if (v->row.result)
            put(b, o, "result", json_string(v->row.result));
        if (v->row.has_counts)
            put(b, o, "counts",
                json_pack("{s:i, s:i, s:i}", "for", v->row.count_for, "against",
                          v->row.count_against, "abstention", v->row.count_abstention));
        if (v->has_positions) {
            json_t *pos = json_object();
            for (int g = 0; g < r->n_grp; g++)
                if (v->gpos[g] >= 0)
                    put(b, pos, r->grp_code[g], json_string(ep_stats_gpos_name(v->gpos[g])));
            put(b, o, "group_positions", pos);
        }
        push(b, list, o);
    }
    return json_pack("{s:o, s:i, s:b}", "items", list, "total", r->counts.total, "hasMore",
                     r->counts.total > EP_SITTING_REPORT_LIMIT);
}

static int report_sitting(struct an *a, const char *date, json_t *data, struct ep_buf *md,
                          struct ep_error *err)
{
    struct ep_sitting_report r;
    struct ep_positions_prov prov;
    int rc = ep_sitting_report_compute(&a->w, date, &r, err);
    if (rc)
        return rc;
    struct jb b = {0};
    put(&b, data, "date", json_string(r.date));
    put(&b, data, "votes", sitting_votes_json(&b, &r.counts));
    if (r.reference[0])
        put(&b, data, "reference", json_string(r.reference));
    put(&b, data, "groups", sitting_groups_json(&b, &r));
    put(&b, data, "attendance",
        !r.has_positions  ? ep_tools_unavailable(r.why)
        : r.dnv_unknown   ? ep_tools_unavailable(r.dnv_reason)
        : r.attendance_ok ? json_pack("{s:b, s:i, s:i, s:o}", "available", 1, "present", r.present,
                                      "mandate", r.mandate, "share", jreal(r.attendance))
                          : ep_tools_unavailable(r.why));
    put(&b, data, "vote_list", sitting_list_json(&b, &r));
    put(&b, data, "window", ep_tools_window_json(&a->tw, a->m));
    rc = b.bad ? oom(err) : ep_tools_env_add_provenance(a->env, data, err);
    if (!rc)
        rc = md_prov(a, &prov, err);
    if (!rc && ep_report_md_sitting(&r, &prov, md))
        rc = oom(err);
    ep_sitting_report_free(&r);
    return rc;
}

/* The generate_report result of kind and id (without files) over the window of args. */
static int report_result(struct ep_tool_ctx *ctx, json_t *args, const char *kind,
                         const char *id, json_t **result, struct ep_error *err)
{
    int is_mep = strcmp(kind, "mep") == 0, sitting = strcmp(kind, "sitting") == 0;
    if (sitting && !ep_date_valid(id))
        return ep_error_set(err, EP_EINVAL,
                            "argument \"id\": for kind \"sitting\" give a sitting date "
                            "YYYY-MM-DD, got \"%s\"",
                            id);
    /* a sitting report covers that day (the window arguments do not apply) */
    json_t *dargs = sitting ? json_pack("{s:[s]}", "sittings", id) : NULL;
    if (sitting && !dargs)
        return oom(err);
    struct an a;
    int rc = an_open(&a, ctx, sitting ? dargs : args, err);
    json_decref(dargs);
    if (rc)
        return rc;
    struct jb b = {0};
    struct ep_buf md;
    ep_buf_init(&md, 0);
    json_t *out = json_pack("{s:s, s:s}", "kind", kind, "id", id);
    json_t *data = json_object();
    if (!out || !data)
        rc = oom(err);
    else if (is_mep)
        rc = report_mep(&a, id, data, &md, err);
    else if (strcmp(kind, "group") == 0)
        rc = report_group(&a, id, data, &md, err);
    else if (sitting)
        rc = report_sitting(&a, id, data, &md, err);
    else
        rc = ep_error_set(err, EP_EINVAL,
                          "argument \"kind\": must be one of \"mep\", \"group\", \"sitting\"");
    if (!rc && !md.data)
        rc = oom(err);
    if (rc)
        goto out;
    /* the shared blocks move to the top level */
    put(&b, out, "window", json_incref(json_object_get(data, "window")));
    put(&b, out, "provenance", json_incref(json_object_get(data, "provenance")));
    json_object_del(data, "window");
    json_object_del(data, "provenance");
    if (json_object_get(data, "methodology")) {
        put(&b, out, "methodology", json_incref(json_object_get(data, "methodology")));
        json_object_del(data, "methodology");
    } else
        put(&b, out, "methodology", methodology(1));
    put(&b, out, "data", data);
    data = NULL;
    put(&b, out, "markdown", json_string(md.data));
    put(&b, out, "pdf",
        ep_tools_unavailable(is_mep ? "not requested: pass formats [\"pdf\"] for the MEP "
                                      "scorecard PDF"
                                    : "PDF files are rendered for kind \"mep\" (the MEP "
                                      "scorecard); use the Markdown"));
    if (b.bad)
        rc = oom(err);
out:
    json_decref(data);
    ep_buf_free(&md);
    if (rc) {
        json_decref(out);
        return rc;
    }
    *result = out;
    return 0;
}

int ep_tools_mep_report_typed(struct ep_tool_ctx *ctx, json_t *args, int64_t mep_id,
                              struct ep_mep_report *out, struct ep_error *err)
{
    struct an a;
    ep_mep_report_init(out);
    int rc = an_open(&a, ctx, args, err);
    return rc ? rc : ep_mep_report_compute(&a.w, mep_id, out, err);
}

int ep_tools_mep_report_result(struct ep_tool_ctx *ctx, json_t *args, int64_t mep_id,
                               json_t **result, struct ep_error *err)
{
    char id[32];
    snprintf(id, sizeof id, "%lld", (long long)mep_id);
    return report_result(ctx, args, "mep", id, result, err);
}

static int tool_generate_report(struct ep_tool_ctx *ctx, json_t *args, json_t **result,
                                struct ep_error *err)
{
    const char *kind = json_string_value(json_object_get(args, "kind"));
    const char *id = json_string_value(json_object_get(args, "id"));
    if (!kind || !id)
        return ep_error_set(err, EP_EINVAL, "arguments \"kind\" and \"id\" are required");
    unsigned fmts;
    int is_mep = strcmp(kind, "mep") == 0;
    if (ep_artefact_formats(args, is_mep ? EP_FMT_JSON | EP_FMT_PNG | EP_FMT_PDF : EP_FMT_JSON,
                            is_mep ? "generate_report"
                                   : "generate_report for this kind (files are "
                                     "rendered for kind \"mep\")",
                            &fmts, err))
        return EP_EINVAL;
    json_t *out = NULL;
    int rc = report_result(ctx, args, kind, id, &out, err);
    /* kind "mep" files: the dimension bars (PNG) and the scorecard (PDF), the same document
     * as assess_mep_influence's (its result and get_mep_details' computed directly) */
    if (rc == 0 && fmts != EP_FMT_JSON) {
        int64_t v = (int64_t)strtoll(id, NULL, 10);
        rc = ep_tools_render_influence(ctx, args, v, fmts, out, err);
        if (rc == 0 && (fmts & EP_FMT_PDF) &&
            json_object_set_new(out, "pdf", json_pack("{s:b}", "available", 1)))
            rc = oom(err);
    }
    if (rc) {
        json_decref(out);
        return rc;
    }
    *result = out;
    return 0;
}

/* ---- the rows -------------------------------------------------------------------------- */

static const struct ep_tool rows[] = {
    {"analyze_voting_patterns", "Analyze voting patterns",
     "Voting behaviour of one MEP (mep_id) or one political group (group) over a window of "
     "roll-call votes. MEP: participation, loyalty to the own group, agreement with every group, "
     "cross-party votes and abstention share, each with its counts; include_votes lists the "
     "defections and cross-party votes. Group: cohesion (Agreement Index mean/median, Rice, "
     "Krippendorff's alpha), participation, agreement with every other group, the most "
     "rebellious members and abstention share. Figures without data are {available:false, "
     "reason}.",
     NULL, NULL, 1, 1, 0, 300, tool_analyze_voting_patterns},
    {"generate_report", "Generate a report",
     "A report on an MEP (id = EP id), a political group (id = group code) or a sitting (id = "
     "date): structured JSON (data) plus a readable Markdown rendering with tables of figures, "
     "defections, group breakdowns, data coverage and attribution. For kind \"mep\", formats "
     "[\"pdf\"] also renders the scorecard PDF and [\"png\"] the dimension chart; group and "
     "sitting reports are JSON and Markdown only.",
     NULL, NULL, 1, 1, 0, 300, tool_generate_report},
};

const struct ep_tool *ep_tools_analysis_rows(size_t *n)
{
    *n = sizeof rows / sizeof rows[0];
    return rows;
}
