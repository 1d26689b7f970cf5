/* ep_tools_topics: the tools over the vote topics of the HowTheyVote export (schemas:
 * tools/schemas/NAME.json; formulas: docs/tools-intel.md, "Policy areas and committees"):
 *   analyze_policy_area        analysis/ep_policy_area.h over the window with a subject or
 *                              concept filter, against the same window without it;
 *   analyze_committee_activity analysis/ep_committee_activity.h.
 * Argument mapping, compute, JSON: nothing is computed here. */
#include "ep_tools_topics.h"

#include <stdio.h>
#include <string.h>

#include "ep_artefact.h"
#include "ep_committee_activity.h"
#include "ep_ego.h"
#include "ep_htv.h"
#include "ep_json.h"
#include "ep_model.h"
#include "ep_policy_area.h"
#include "ep_query_topics.h"
#include "ep_report_policy.h"
#include "ep_stats.h"
#include "ep_store.h"
#include "ep_tools.h"
#include "ep_tools_common.h"
#include "ep_tools_window.h"
#include "ep_util.h"

static int int_arg(json_t *args, const char *k, int dflt)
{
    json_t *v = json_object_get(args, k);
    return json_is_integer(v) ? (int)json_integer_value(v) : dflt;
}

/* Provenance into res, then *result = res (res is freed on failure). */
static int finish(struct ep_tool_ctx *ctx, json_t *res, int bad, json_t **result,
                  struct ep_error *err)
{
    int rc = bad || !res ? ep_error_set(err, EP_ENOMEM, "out of memory while building the result")
                         : ep_tools_env_add_provenance(ctx->env, res, err);
    if (rc) {
        json_decref(res);
        return rc;
    }
    *result = res;
    return EP_OK;
}

/* ==== analyze_policy_area ================================================================ */

static json_t *pa_groups(const struct ep_policy_area *r, int *bad)
{
    json_t *a = json_array();
    for (int g = 0; g < r->n_grp; g++) {
        const struct ep_pa_group *x = &r->g[g];
        json_t *o =
            json_pack("{s:s, s:i, s:o, s:o, s:o, s:{s:i, s:i, s:i, s:i}}", "group", x->code,
                      "votes_cast", x->votes_cast, "ai_mean", ep_json_real_if(x->ai_ok, x->ai_mean),
                      "rice_mean", ep_json_real_if(x->rice_ok, x->rice_mean), "participation",
                      ep_json_real_if(x->part_ok, x->participation), "positions", "FOR",
                      x->pos[EP_GPOS_FOR], "AGAINST", x->pos[EP_GPOS_AGAINST], "ABSTENTION",
                      x->pos[EP_GPOS_ABSTENTION], "TIE", x->pos[EP_GPOS_TIE]);
        ep_json_add(a, o, bad);
    }
    return a;
}

static json_t *pa_votes(const struct ep_policy_area *r, int *bad)
{
    json_t *a = json_array();
    for (int v = 0; v < r->n_listed; v++) {
        const struct ep_pa_vote *x = &r->votes[v];
        json_t *gp = json_object();
        for (int g = 0; g < r->n_grp; g++)
            ep_json_put(gp, r->g[g].code,
                        x->gpos[g] == EP_GPOS_NONE ? json_null()
                                                   : json_string(ep_stats_gpos_name(x->gpos[g])),
                        bad);
        json_t *o = json_pack("{s:I, s:s, s:s, s:o, s:{s:i, s:i, s:i}, s:o}", "vote_id",
                              (json_int_t)x->id, "date", x->date, "title", x->title, "result",
                              x->result[0] ? json_string(x->result) : json_null(), "totals", "FOR",
                              x->y, "AGAINST", x->n, "ABSTENTION", x->a, "groups", gp);
        ep_json_add(a, o, bad);
    }
    return a;
}

static json_t *pa_pairs(const struct ep_policy_area *r, int *bad)
{
    json_t *a = json_array();
    for (int k = 0; k < r->n_pair; k++) {
        const struct ep_pa_pair *x = &r->pairs[k];
        int dok = x->area_ok && x->all_ok;
        json_t *o =
            json_pack("{s:s, s:s, s:i, s:o, s:o, s:o}", "a", r->g[x->a].code, "b", r->g[x->b].code,
                      "common_votes", x->common, "area", ep_json_real_if(x->area_ok, x->area),
                      "overall", ep_json_real_if(x->all_ok, x->all), "difference",
                      ep_json_real_if(dok, x->area - x->all));
        ep_json_add(a, o, bad);
    }
    return a;
}

static json_t *pa_defectors(const struct ep_policy_area *r, int min_votes, int *bad)
{
    json_t *items = json_array();
    for (int k = 0; k < r->n_def; k++) {
        const struct ep_pa_defector *d = &r->def[k];
        json_t *o = json_pack(
            "{s:I, s:s, s:o, s:o, s:i, s:i, s:o}", "mep_id", (json_int_t)d->mep_id, "name", d->name,
            "group", ep_json_str_or_null(d->group[0] ? d->group : NULL), "country",
            ep_json_str_or_null(d->country[0] ? d->country : NULL), "defections", d->defections,
            "counted_votes", d->counted, "rate", ep_json_real(d->rate));
        ep_json_add(items, o, bad);
    }
    return json_pack("{s:i, s:i, s:o}", "minimum_votes", min_votes, "ranked", r->n_def_ranked,
                     "items", items);
}

static json_t *pa_delegations(const struct ep_policy_area *r, int *bad)
{
    json_t *a = json_array();
    for (int k = 0; k < r->n_del; k++) {
        const struct ep_pa_delegation *d = &r->del[k];
        json_t *o = json_pack("{s:s, s:i, s:i, s:i, s:o}", "country", d->country, "members",
                              d->members, "votes", d->votes, "splits", d->splits, "split_rate",
                              ep_json_real_if(d->votes > 0, d->rate));
        ep_json_add(a, o, bad);
    }
    return a;
}

static json_t *pa_majorities(const struct ep_policy_area *r, int *bad)
{
    json_t *items = json_array();
    for (int k = 0; k < r->n_maj; k++) {
        const struct ep_pa_majority *x = &r->maj[k];
        json_t *gs = json_array();
        for (int g = 0; g < r->n_grp; g++)
            if (x->mask & (1u << g))
                ep_json_add(gs, json_string(r->g[g].code), bad);
        json_t *o = json_pack("{s:o, s:i, s:o}", "groups", gs, "votes", x->votes, "share",
                              ep_json_real((double)x->votes / r->decided));
        ep_json_add(items, o, bad);
    }
    return json_pack("{s:i, s:o}", "decided_votes", r->decided, "coalitions", items);
}

/* The policy-area briefing PDF from the typed result (report/ep_report_policy.h), handed to
 * sink as policy-<kind>-<code>.pdf. w: the area's window (its dates and sittings). */
static int pa_pdf(struct ep_tool_ctx *ctx, const struct ep_tools_window *tw, const struct ep_win *w,
                  const struct ep_policy_area *r, const char *label, int overall_votes,
                  int min_votes, struct ep_doc_sink *sink, struct ep_error *err)
{
    const struct ep_matrix *m = w->m;
    char from[11] = "?", to[11] = "?", dataset[11] = "";
    if (m->n_vote > 0) {
        ep_date_format(m->vote_day[0], from);
        ep_date_format(m->vote_day[m->n_vote - 1], to);
    }
    ep_store_dataset_date(ctx->store, dataset);
    const char *kind = ep_topic_kind_arg(tw->w.topic_kind);
    struct ep_report_policy doc = {.kind = kind,
                                   .code = tw->w.topic_code,
                                   .label = label[0] ? label : NULL,
                                   .from = from,
                                   .to = to,
                                   .dataset_date = dataset[0] ? dataset : "unknown",
                                   .sittings = w->n_sittings,
                                   .synthetic = m->synthetic,
                                   .overall_votes = overall_votes,
                                   .min_votes = min_votes,
                                   .r = r};
    struct ep_buf b;
    ep_buf_init(&b, 0);
    sink->t_render = ep_now();
    int rc = ep_report_pdf_policy(&doc, &b, err);
    char stem[64], title[128];
    snprintf(stem, sizeof stem, "policy-%s-%s", kind, tw->w.topic_code);
    snprintf(title, sizeof title, "Policy-area briefing (%s %s)", kind, tw->w.topic_code);
    rc = ep_doc_emit(sink, rc, EP_FMT_PDF, stem, title, &b, err);
    ep_buf_free(&b);
    return rc;
}

/* The policy-area result; with a sink, also its briefing PDF (pa_pdf). */
static int pa_core(void *arg, struct ep_tool_ctx *ctx, json_t *args, struct ep_doc_sink *sink,
                   json_t **result, struct ep_error *err)
{
    (void)arg;
    struct ep_tools_window tw;
    int rc = ep_tools_window_from_args(args, &tw, err);
    if (rc)
        return rc;
    if (tw.w.topic_kind != EP_TOPIC_SUBJECT && tw.w.topic_kind != EP_TOPIC_CONCEPT)
        return ep_error_set(err, EP_EINVAL,
                            "give the policy area: argument \"subject\" (an OEIL subject code, "
                            "e.g. 4.60) or \"concept\" (a EuroVoc concept id)");
    struct ep_pa_params p = {.limit = int_arg(args, "limit", 50),
                             .top = int_arg(args, "top", 10),
                             .min_votes = int_arg(args, "min_votes", 3)};
    /* overall: the same window without the filter (copied out before the area's is loaded) */
    struct ep_tools_window all = tw;
    all.w.topic_kind = 0;
    all.w.topic_code = NULL; /* all.w.sittings still points into tw: the same dates */
    struct ep_win *w = NULL;
    struct ep_pa_overall overall;
    /* the area's window first: its checks (unknown code, no votes) are the errors to give */
    rc = ep_tools_win(ctx, &tw, &w, err);
    if (!rc)
        rc = ep_tools_win(ctx, &all, &w, err);
    if (!rc)
        rc = ep_policy_area_overall(w, &overall, err);
    if (!rc) /* the area's window again (checked above; usually still in the cache) */
        rc = ep_env_window(ctx->env, &tw.w, &w, err);
    if (rc)
        return rc;
    char label[256];
    long votes_store = 0, votes_pos = 0;
    rc = ep_query_topic(ctx->store, tw.w.topic_kind, tw.w.topic_code, label, sizeof label,
                        &votes_store, &votes_pos, err);
    if (rc)
        return rc;
    struct ep_policy_area r;
    rc = ep_policy_area_compute(w, &overall, &p, &r, err);
    if (rc)
        return rc;
    int bad = 0;
    json_t *res = json_object();
    json_t *area = json_pack(
        "{s:s, s:s, s:o, s:i, s:i, s:i}", "kind", ep_topic_kind_arg(tw.w.topic_kind), "code",
        tw.w.topic_code, "label", ep_json_str_or_null(label[0] ? label : NULL), "votes_in_store",
        (int)votes_store, "votes_with_positions", (int)votes_pos, "votes_in_window", r.n_vote);
    ep_json_put(res, "area", area, &bad);
    ep_json_put(res, "window", ep_tools_window_json(&tw, w->m), &bad);
    ep_json_put(res, "votes",
                json_pack("{s:i, s:i, s:o}", "total", r.n_vote, "listed", r.n_listed, "items",
                          pa_votes(&r, &bad)),
                &bad);
    ep_json_put(res, "groups", pa_groups(&r, &bad), &bad);
    ep_json_put(
        res, "pair_agreement",
        json_pack("{s:i, s:o}", "overall_votes", overall.votes, "pairs", pa_pairs(&r, &bad)), &bad);
    ep_json_put(res, "defectors", pa_defectors(&r, p.min_votes, &bad), &bad);
    ep_json_put(res, "delegations", pa_delegations(&r, &bad), &bad);
    ep_json_put(res, "majorities", pa_majorities(&r, &bad), &bad);
    static const char *const inputs[] = {
        "the window's votes carrying the subject (or a code below it) or the concept "
        "(vote_topic), with per-MEP positions",
        "overall = the same window without the topic filter", NULL};
    static const char *const limits[] = {
        "topics are those of the vote's procedure (OEIL) or of EUR-Lex (EuroVoc): not every "
        "vote has them, and a vote without a topic is never counted in an area",
        "a delegation is the MEPs of one country (member table) on the vote's date", NULL};
    ep_json_put(res, "methodology",
                json_pack("{s:s, s:o, s:o}", "formula",
                          "AI = (max(Y,N,A) - (T - max)/2) / T, mean over the area's votes with "
                          "T > 0; Rice = |Y - N| / (Y + N); pair agreement = votes where both "
                          "groups' non-tie positions agree / votes where both have one; "
                          "defection rate = cast votes against the own group's non-tie position "
                          "/ such votes (MEPs with >= min_votes); delegation split = >= 2 "
                          "options among its cast votes, rate over votes with >= 2 cast "
                          "members; majority = the groups whose position was the winning "
                          "option (FOR or AGAINST by all cast votes) on a decided vote",
                          "inputs", ep_json_strings(inputs), "limits", ep_json_strings(limits)),
                &bad);
    if (sink && !bad)
        rc = pa_pdf(ctx, &tw, w, &r, label, overall.votes, p.min_votes, sink, err);
    ep_policy_area_free(&r);
    if (rc) {
        json_decref(res);
        return rc;
    }
    return finish(ctx, res, bad, result, err);
}

static int tool_analyze_policy_area(struct ep_tool_ctx *ctx, json_t *args, json_t **result,
                                    struct ep_error *err)
{
    return ep_artefacts_call(ctx, args, EP_FMT_JSON | EP_FMT_PDF, "analyze_policy_area", pa_core,
                             NULL, result, err);
}

int ep_tools_doc_policy(struct ep_tool_ctx *ctx, json_t *args, struct ep_doc_sink *sink,
                        struct ep_error *err)
{
    return ep_doc_run(ctx, args, "analyze_policy_area", pa_core, NULL, sink, err);
}

/* ==== analyze_committee_activity ========================================================= */

json_t *ep_tools_cmember_json(const struct ep_cmember *r)
{
    return json_pack("{s:I, s:o, s:s, s:s, s:o, s:o, s:s, s:o}", "mep_id", (json_int_t)r->member_id,
                     "name", ep_json_str_or_null(r->name[0] ? r->name : NULL), "role", r->role,
                     "classification", r->classification, "group",
                     ep_json_str_or_null(r->group[0] ? r->group : NULL), "country",
                     ep_json_str_or_null(r->country[0] ? r->country : NULL), "start", r->start,
                     "end", ep_json_str_or_null(r->end[0] ? r->end : NULL));
}

static json_t *shared_json(const struct ep_ego_peer *p)
{
    json_t *a = json_array();
    for (int k = 0; k < p->n_shared && k < EP_EGO_MAX_SHARED; k++)
        json_array_append_new(a, json_string(p->shared[k]));
    return a;
}

json_t *ep_tools_ego_committees_json(const struct ep_ego *ego, const struct ep_ego_committees *c,
                                     int *bad)
{
    if (c->memberships == 0)
        return ep_json_unavailable(
            "the store holds no committee memberships (the bundled HowTheyVote.eu data has none; "
            "`epintel sync` stores them from the EP API's meps/{id}), so co-membership edges "
            "cannot be drawn");
    json_t *own = json_array(), *peers = json_array(), *top = json_array();
    for (int k = 0; k < c->n_own; k++)
        ep_json_add(own, ep_tools_cmember_json(&c->own[k]), bad);
    for (int p = 0; p < c->n_peers; p++) {
        const struct ep_ego_peer *x = &c->peers[p];
        const struct ep_cmp_like *t = x->tie >= 0 ? &ego->cmp.like[x->tie] : NULL;
        ep_json_add(peers,
                    json_pack("{s:I, s:o, s:o, s:o, s:b, s:o}", "mep_id", (json_int_t)x->member_id,
                              "name", ep_json_str_or_null(x->name[0] ? x->name : NULL), "group",
                              ep_json_str_or_null(x->group[0] ? x->group : NULL),
                              "shared_committees", shared_json(x), "tie", t != NULL, "weight",
                              t ? ep_json_real(t->agreement) : json_null()),
                    bad);
    }
    for (int q = 0; ego->cmp.like && c->top_peer && q < ego->cmp.n_like; q++) {
        int p = c->top_peer[q];
        ep_json_add(top,
                    json_pack("{s:I, s:b, s:o}", "mep_id",
                              (json_int_t)ego->win->m->mep_id[ego->cmp.like[q].mep],
                              "committee_tie", p >= 0, "shared_committees",
                              p >= 0 ? shared_json(&c->peers[p]) : json_array()),
                    bad);
    }
    return json_pack("{s:b, s:{s:s, s:s}, s:o, s:o, s:i, s:i, s:o}", "available", 1, "dates",
                     "from", c->from, "to", c->to, "committees", own, "peers", peers, "peers_total",
                     c->n_peers, "peers_in_network", c->peers_in_network, "ties", top);
}

static json_t *part_json(const struct ep_ca_part *p)
{
    return json_pack("{s:I, s:I, s:o}", "cast", (json_int_t)p->cast, "entitled",
                     (json_int_t)p->entitled, "rate",
                     ep_json_real_if(p->entitled > 0,
                                     p->entitled > 0 ? (double)p->cast / (double)p->entitled : 0));
}

/* A committee's roster in the dates: members, seats by group, participation. */
static json_t *ca_roster_json(const struct ep_ca_committee *c, int *bad)
{
    if (c->n_members == 0)
        return ep_json_unavailablef("no synced committee membership of %s overlaps the dates",
                                    c->q.code);
    json_t *ms = json_array(), *seats = json_array();
    for (int k = 0; k < c->n_members; k++)
        ep_json_add(ms, ep_tools_cmember_json(&c->members[k]), bad);
    for (int g = 0; g < c->n_seats; g++)
        ep_json_add(seats,
                    json_pack("{s:o, s:i, s:i}", "group",
                              ep_json_str_or_null(c->seats[g].group[0] ? c->seats[g].group : NULL),
                              "seats", c->seats[g].seats, "substitutes", c->seats[g].substitutes),
                    bad);
    json_t *part;
    if (c->part_votes > 0) {
        int ok = c->roster.entitled > 0 && c->others.entitled > 0;
        double d = ok ? (double)c->roster.cast / (double)c->roster.entitled -
                            (double)c->others.cast / (double)c->others.entitled
                      : 0;
        part = json_pack("{s:b, s:i, s:o, s:o, s:o}", "available", 1, "votes", c->part_votes,
                         "roster", part_json(&c->roster), "others", part_json(&c->others),
                         "difference", ep_json_real_if(ok, d));
    } else {
        part = ep_json_unavailable("none of the committee's votes in the dates has per-MEP "
                                   "positions in the store");
    }
    return json_pack("{s:b, s:o, s:o, s:o}", "available", 1, "members", ms, "seats_by_group", seats,
                     "participation", part);
}

/* The result's "rosters": what the store holds, and the rosters without votes in the dates. */
static json_t *ca_rosters_json(const struct ep_committee_activity *r, int *bad)
{
    if (r->memberships == 0)
        return ep_json_unavailable(
            "the store holds no committee memberships: the HowTheyVote export has none; they "
            "come from `epintel sync` (EP API meps/{id} memberships with a COMMITTEE_* "
            "classification)");
    json_t *idle = json_array();
    for (int k = 0; k < r->n_idle; k++)
        ep_json_add(
            idle,
            json_pack("{s:s, s:i}", "committee", r->idle[k].code, "members", r->idle[k].members),
            bad);
    return json_pack("{s:b, s:I, s:I, s:o}", "available", 1, "memberships",
                     (json_int_t)r->memberships, "unknown_committee",
                     (json_int_t)r->memberships_unknown, "without_votes", idle);
}

static int tool_analyze_committee_activity(struct ep_tool_ctx *ctx, json_t *args, json_t **result,
                                           struct ep_error *err)
{
    if (!ctx || !ctx->store)
        return ep_error_set(err, EP_EINVAL, "no store is open");
    const char *code = json_string_value(json_object_get(args, "committee"));
    const char *from = json_string_value(json_object_get(args, "from"));
    const char *to = json_string_value(json_object_get(args, "to"));
    if (code && !ep_htv_topic_code_valid(EP_TOPIC_COMMITTEE, code))
        return ep_error_set(err, EP_EINVAL,
                            "argument \"committee\": \"%s\" is not a committee code (e.g. LIBE)",
                            code);
    if (from && to && strcmp(from, to) > 0)
        return ep_error_set(err, EP_EINVAL,
                            "argument \"from\" (%s) is after \"to\" (%s): swap them", from, to);
    if (code) {
        char label[8];
        long v = 0, vp = 0;
        int rc =
            ep_query_topic(ctx->store, EP_TOPIC_COMMITTEE, code, label, sizeof label, &v, &vp, err);
        if (rc == EP_ENOTFOUND)
            err->code = rc = EP_EINVAL;
        if (rc)
            return rc;
    }
    /* the window of the same dates, for cohesion (none when it holds no vote with positions) */
    struct ep_tools_window tw;
    memset(&tw, 0, sizeof tw);
    if (from) {
        snprintf(tw.from, sizeof tw.from, "%s", from);
        tw.w.from = tw.from;
    }
    if (to) {
        snprintf(tw.to, sizeof tw.to, "%s", to);
        tw.w.to = tw.to;
    }
    struct ep_win *w = NULL;
    struct ep_error e2 = {0};
    int rc = ep_tools_win(ctx, &tw, &w, &e2);
    if (rc == EP_EUNAVAIL)
        w = NULL;
    else if (rc) {
        *err = e2;
        return rc;
    }
    struct ep_committee_activity r;
    rc = ep_committee_activity_compute(ctx->store, w, code, from, to, &r, err);
    if (rc)
        return rc;
    if (code && r.n == 0) { /* a committee asked for, with no vote in the dates: say so */
        ep_committee_activity_free(&r);
        return ep_error_set(err, EP_ENOTFOUND,
                            "committee %s has no vote in the dates %s to %s (its votes: "
                            "analyze_committee_activity without from/to)",
                            code, from ? from : "(open)", to ? to : "(open)");
    }
    int bad = 0;
    json_t *items = json_array();
    for (int k = 0; k < r.n; k++) {
        const struct ep_ca_committee *c = &r.c[k];
        json_t *coh;
        if (c->cohesion_votes > 0) {
            json_t *gs = json_array();
            for (int g = 0; g < c->n_grp; g++) {
                const struct ep_ca_group *x = &c->g[g];
                if (!x->votes && !x->rice_votes)
                    continue;
                ep_json_add(gs,
                            json_pack("{s:s, s:i, s:o, s:o}", "group", x->code, "votes", x->votes,
                                      "ai_mean", ep_json_real_if(x->ai_ok, x->ai_mean), "rice_mean",
                                      ep_json_real_if(x->rice_ok, x->rice_mean)),
                            &bad);
            }
            coh = json_pack("{s:b, s:i, s:o}", "available", 1, "votes", c->cohesion_votes, "groups",
                            gs);
        } else {
            coh = ep_json_unavailablef(
                "none of the committee's %ld votes in the dates has per-MEP positions in the "
                "store (add them with `epintel sync --source howtheyvote` or the roll-call XML)",
                c->q.votes);
        }
        json_t *o = json_pack(
            "{s:s, s:o, s:i, s:i, s:{s:i, s:i, s:i, s:i}, s:s, s:s, s:i, s:i, s:o}", "committee",
            c->q.code, "label", ep_json_str_or_null(c->q.label[0] ? c->q.label : NULL), "votes",
            (int)c->q.votes, "procedures", (int)c->q.procedures, "results", "ADOPTED",
            (int)c->q.adopted, "REJECTED", (int)c->q.rejected, "LAPSED", (int)c->q.lapsed,
            "unknown", (int)c->q.no_result, "first_vote", c->q.first, "last_vote", c->q.last,
            "span_days", c->span_days, "votes_with_positions", (int)c->q.votes_pos, "cohesion",
            coh);
        if (r.memberships > 0)
            ep_json_put(o, "roster", ca_roster_json(c, &bad), &bad);
        ep_json_add(items, o, &bad);
    }
    json_t *res = json_object();
    ep_json_put(
        res, "period",
        json_pack("{s:o, s:o}", "from", ep_json_str_or_null(from), "to", ep_json_str_or_null(to)),
        &bad);
    ep_json_put(res, "committees", items, &bad);
    ep_json_put(res, "rosters", ca_rosters_json(&r, &bad), &bad);
    static const char *const limits[] = {
        "the responsible committee is the one of the vote's procedure (HowTheyVote); votes "
        "without one (e.g. most resolutions on topical subjects) belong to no committee",
        "results before 2024 are mostly unknown in the export (counted as unknown)", NULL};
    ep_json_put(res, "methodology",
                json_pack("{s:s, s:o}", "formula",
                          "votes, results, procedures (distinct procedure references) and first/"
                          "last vote over every stored vote in the dates; span_days = last - "
                          "first; a group's AI mean = mean over the committee's votes with "
                          "positions where the group cast a vote of (max(Y,N,A) - (T - max)/2) "
                          "/ T; Rice mean likewise over votes with Y + N > 0",
                          "limits", ep_json_strings(limits)),
                &bad);
    ep_committee_activity_free(&r);
    return finish(ctx, res, bad, result, err);
}

#define ANNOT 1, 1, 0

static const struct ep_tool rows[] = {
    {"analyze_policy_area", "Analyze a policy area",
     "One policy area (an OEIL subject, with the codes below it, or a EuroVoc concept) over a "
     "window: its votes with each group's position, group cohesion in the area, group-pair "
     "agreement in the area against overall, the MEPs who defect most, the national delegations "
     "that split and how the area's majorities were built. formats [\"pdf\"] adds the "
     "policy-area briefing (PDF).",
     NULL, NULL, ANNOT, 3600, tool_analyze_policy_area},
    {"analyze_committee_activity", "Analyze committee activity",
     "Per responsible committee: the votes of its procedures, their results, the span from the "
     "first to the last vote and each group's cohesion on the votes with per-MEP positions; where "
     "rosters are synced, each committee's members, seats by group and their participation.",
     NULL, NULL, ANNOT, 3600, tool_analyze_committee_activity},
};

const struct ep_tool *ep_tools_topics_rows(size_t *n)
{
    if (n)
        *n = sizeof rows / sizeof rows[0];
    return rows;
}
