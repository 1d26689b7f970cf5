/* ep_tools_signals: rows and handlers of the signal and overview tools (ep_tools_signals.h). */
#include "ep_tools_signals.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ep_correlate.h"
#include "ep_early_warning.h"
#include "ep_env.h"
#include "ep_json.h"
#include "ep_latest.h"
#include "ep_legislative.h"
#include "ep_query.h"
#include "ep_query_topics.h"
#include "ep_run.h"
#include "ep_sentiment.h"
#include "ep_store_stats.h"
#include "ep_tools_common.h"
#include "ep_tools_window.h"

/* ---- shared pieces ------------------------------------------------------------------------ */

static int no_store(const struct ep_tool_ctx *ctx, struct ep_error *err)
{
    if (!ctx || !ctx->store || !ctx->env)
        return ep_error_set(err, EP_EINVAL, "no store is open");
    return 0;
}

/* A run of tool over the call's context: its progress, cancellation and deadline. */
static void run_of(struct ep_run *r, const struct ep_tool_ctx *ctx, const char *tool, int n)
{
    memset(r, 0, sizeof *r);
    r->tool = tool;
    r->n = n;
    r->progress = ctx->progress;
    r->pctx = ctx->pctx;
    r->cancelled = ctx->cancelled;
    r->deadline = ctx->deadline;
}

/* The date argument name of args, checked as a calendar date (NULL when absent). */
static int date_arg(json_t *args, const char *name, const char **out, struct ep_error *err)
{
    *out = json_string_value(json_object_get(args, name));
    if (*out && !ep_date_valid(*out))
        return ep_error_set(err, EP_EINVAL, "argument \"%s\": \"%s\" is not a valid date", name,
                            *out);
    return 0;
}

/* Add the provenance and hand res over (freed on failure). */
/* The topic filter of args (at most one of subject, concept, committee, geo_area) checked on
 * the current window from..to like every analytic tool's (ep_tools_win): an unknown code is
 * EP_EINVAL naming it, a filter that leaves no vote with positions there EP_ENOTFOUND with the
 * counts. tw->w.topic_kind stays 0 without a filter. */
static int topic_filter(struct ep_tool_ctx *ctx, json_t *args, const char *to, int days,
                        struct ep_tools_window *tw, struct ep_error *err)
{
    json_t *a = json_object();
    static const char *const names[] = {"subject", "concept", "committee", "geo_area"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        json_t *v = json_object_get(args, names[i]);
        if (v)
            json_object_set(a, names[i], v);
    }
    int rc = a ? ep_tools_window_from_args(a, tw, err)
               : ep_error_set(err, EP_ENOMEM, "out of memory");
    json_decref(a);
    if (rc || !tw->w.topic_kind)
        return rc;
    char pf[11], pt[11];
    if ((rc = ep_ew_windows(ctx->env, to, days, tw->from, tw->to, pf, pt, err)))
        return rc;
    tw->w.from = tw->from;
    tw->w.to = tw->to;
    struct ep_win *w;
    return ep_tools_win(ctx, tw, &w, err);
}

/* correlate_intelligence's subjects (mep_ids, groups) as corr_subjects checks them. */
struct signal_subjects {
    int64_t ids[10];
    char codes[10][32];
    const char *gp[10];
    int n_mep, n_group;
};

static int corr_subjects(struct ep_tool_ctx *ctx, json_t *args, int64_t *ids, int *n_id,
                         char (*codes)[32], const char **gp, int *n_g, struct ep_error *err);

/* The arguments the signal tools share, checked in this order: the store open, the reference
 * date "to" (*to; NULL = the latest date with positions), subj (correlate_intelligence's
 * subjects, when given), then the topic filter into *kind and *code (0 and NULL without one).
 * With days > 0 the filter is checked on the window of days ending on to (topic_filter); with
 * days 0 (sentiment_tracker: spans of its own) only its code must be stored. */
static int signal_window(struct ep_tool_ctx *ctx, json_t *args, int days,
                         struct signal_subjects *subj, const char **to, struct ep_tools_window *tw,
                         int *kind, const char **code, struct ep_error *err)
{
    int rc = no_store(ctx, err);
    if (!rc)
        rc = date_arg(args, "to", to, err);
    if (!rc && subj)
        rc = corr_subjects(ctx, args, subj->ids, &subj->n_mep, subj->codes, subj->gp,
                           &subj->n_group, err);
    if (!rc && days > 0)
        rc = topic_filter(ctx, args, *to, days, tw, err);
    if (!rc && days <= 0 && !(rc = ep_tools_window_from_args(args, tw, err)) &&
        tw->w.topic_kind) { /* the code must be stored */
        char label[8];
        rc = ep_query_topic(ctx->store, tw->w.topic_kind, tw->w.topic_code, label, sizeof label,
                            NULL, NULL, err);
        if (rc == EP_ENOTFOUND)
            err->code = rc = EP_EINVAL;
    }
    *kind = rc ? 0 : tw->w.topic_kind;
    *code = rc ? NULL : tw->w.topic_code;
    return rc;
}

/* window.filter {kind, code, votes} of a window with a topic filter (issue 18). */
static void filter_put(json_t *j, const struct ep_tools_window *tw, int available, int votes,
                       int *bad)
{
    if (tw->w.topic_kind && available)
        ep_json_put(j, "filter",
                    json_pack("{s:s, s:s, s:i}", "kind", ep_topic_kind_arg(tw->w.topic_kind),
                              "code", tw->w.topic_code, "votes", votes),
                    bad);
}

static int done(struct ep_tool_ctx *ctx, json_t *res, int bad, json_t **result,
                struct ep_error *err)
{
    int rc = bad ? ep_error_set(err, EP_ENOMEM, "out of memory while building the result")
                 : ep_tools_env_add_provenance(ctx->env, res, err);
    if (rc) {
        json_decref(res);
        return rc;
    }
    *result = res;
    return 0;
}

/* ==== 14. get_latest_votes ================================================================ */

static json_t *latest_vote_json(const struct ep_latest *o, int k, int *bad)
{
    const struct ep_query_sitting_vote *v = &o->vote[k];
    json_t *counts = v->has_counts ? json_pack("{s:i, s:i, s:i}", "for", v->count_for, "against",
                                               v->count_against, "abstention", v->count_abstention)
                                   : json_null();
    json_t *j = json_pack("{s:I, s:s, s:o, s:o, s:o, s:o, s:b}", "vote_id", (json_int_t)v->id,
                          "title", v->title, "procedure", ep_json_str_or_null(v->procedure),
                          "result", ep_json_str_or_null(v->result), "main",
                          v->main < 0 ? json_null() : json_boolean(v->main), "counts", counts,
                          "positions_stored", o->pos_index[k] >= 0);
    if (j && o->pos_index[k] >= 0)
        ep_json_put(j, "groups", ep_tools_breakdown_json(o->pos, o->pos_index[k]), bad);
    if (!j)
        *bad = 1;
    return j;
}

static int tool_get_latest_votes(struct ep_tool_ctx *ctx, json_t *args, json_t **result,
                                 struct ep_error *err)
{
    int rc = no_store(ctx, err);
    if (rc)
        return rc;
    struct ep_latest_params p = {
        .date = json_string_value(json_object_get(args, "date")),
        .limit = (int)json_integer_value(json_object_get(args, "limit")),
        .fetch = json_is_true(json_object_get(args, "fetch_xml")),
    };
    if (p.date && !ep_date_valid(p.date))
        return ep_error_set(err, EP_EINVAL, "argument \"date\": \"%s\" is not a valid date",
                            p.date);
    char date[11] = "";
    if (p.fetch) {
        /* the file name needs the sitting's term: the date asked, else the latest sitting */
        if (!p.date) {
            if ((rc = ep_query_dataset_date(ctx->store, date, err)))
                return rc;
            p.date = date[0] ? date : NULL;
        }
        p.term = p.date ? ep_tools_term_of(p.date) : 0;
        if (p.date && !p.term)
            return ep_error_set(err, EP_EINVAL,
                                "argument \"fetch_xml\": %s is before term 9 (2019-07-02); the "
                                "roll-call XML is fetched for terms 9 and 10 only",
                                p.date);
    }
    struct ep_latest o;
    if ((rc = ep_latest_compute(ctx->env, &p, &o, err)))
        return rc;
    int bad = 0, term = ep_tools_term_of(o.date);
    json_t *res = json_object(), *votes = json_array();
    ep_json_put(res, "sitting",
        json_pack("{s:s, s:o, s:i, s:i, s:i, s:i, s:i, s:i, s:i}", "date", o.date, "term",
                  term ? json_integer(term) : json_null(), "votes", o.counts.total,
                  "votes_with_positions", o.counts.with_positions, "main_votes", o.counts.main,
                  "main_known", o.counts.main_known, "adopted", o.counts.adopted, "rejected",
                  o.counts.rejected, "result_known", o.counts.result_known),
        &bad);
    for (int k = 0; k < o.n_vote; k++)
        ep_json_add(votes, latest_vote_json(&o, k, &bad), &bad);
    ep_json_put(res, "votes", votes, &bad);
    ep_json_put(res, "listed", json_integer(o.n_vote), &bad);
    ep_json_put(res, "limit", json_integer(p.limit), &bad);
    ep_json_put(res, "latest_with_positions",
                o.pos_date[0] ? json_pack("{s:s, s:i}", "date", o.pos_date, "votes",
                                          o.pos_date_votes)
                              : json_null(),
                &bad);
    json_t *xml = json_pack("{s:s}", "status", ep_latest_fetch_name[o.fetch_status]);
    if (o.fetch_status != EP_LATEST_FETCH_NONE) {
        ep_json_put(xml, "url", json_string(o.fetch_url), &bad);
        ep_json_put(xml, "detail", json_string(o.fetch_detail), &bad);
        if (o.fetch_file[0])
            ep_json_put(xml, "file", json_string(o.fetch_file), &bad);
        if (o.fetch_status == EP_LATEST_FETCH_INGESTED)
            ep_json_put(xml, "records", json_integer(o.fetch_records), &bad);
    } else {
        ep_json_put(xml, "detail",
                    json_string("not requested: fetch_xml: true fetches the sitting's DOCEO "
                                "roll-call XML and ingests its per-MEP positions"),
                    &bad);
    }
    ep_json_put(res, "xml", xml, &bad);
    char note[400];
    snprintf(note, sizeof note,
             "%d of the sitting's %d votes have per-MEP positions in the store; counts and "
             "results are the official ones where the source gave them (null when unknown)",
             o.counts.with_positions, o.counts.total);
    ep_json_put(res, "note", json_string(note), &bad);
    ep_latest_free(&o);
    return done(ctx, res, bad, result, err);
}

/* ==== 15. get_all_generated_stats ========================================================= */

static json_t *count_or_null(long v)
{
    return v < 0 ? json_null() : json_integer(v);
}

static json_t *span_json(const struct ep_store_stats_span *x, const char *key, json_t *keyval)
{
    return json_pack("{s:o, s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:i}", key, keyval, "from",
                     x->from, "to", x->to, "votes", (int)x->votes, "votes_with_positions",
                     (int)x->votes_with_positions, "main_votes", (int)x->main_votes, "main_known",
                     (int)x->main_known, "sittings", (int)x->sittings, "sittings_with_positions",
                     (int)x->sittings_with_positions);
}

static json_t *stats_group_json(const struct ep_store_stats_group *x)
{
    json_t *pos = x->in_positions
                      ? json_pack("{s:I, s:I, s:I, s:I, s:i}", "for", (json_int_t)x->cast_for,
                                  "against", (json_int_t)x->cast_against, "abstention",
                                  (json_int_t)x->cast_abstention, "did_not_vote",
                                  (json_int_t)x->did_not_vote, "votes_present",
                                  (int)x->votes_present)
                      : json_null();
    return json_pack("{s:s, s:o, s:i, s:i, s:i, s:i, s:i, s:o}", "group", x->g.code, "label",
                     x->g.label[0] ? json_string(x->g.label) : json_null(), "meps",
                     (int)x->g.meps, "memberships", (int)x->g.memberships, "meps_term_9",
                     (int)x->g.meps_term[0], "meps_term_10", (int)x->g.meps_term[1],
                     "open_memberships", (int)x->g.open, "positions", pos);
}

static int tool_get_all_generated_stats(struct ep_tool_ctx *ctx, json_t *args, json_t **result,
                                        struct ep_error *err)
{
    (void)args;
    int rc = no_store(ctx, err);
    if (rc)
        return rc;
    struct ep_store_stats_params p = {.term_of = ep_tools_term_of};
    struct ep_store_stats o;
    if ((rc = ep_store_stats_compute(ctx->env, &p, &o, err)))
        return rc;
    int bad = 0;
    json_t *res = json_object(), *tot = json_object();
    for (int k = 0; k < EP_STORE_INFO_COUNTS; k++)
        if (o.info.counts[k].label)
            ep_json_put(tot, o.info.counts[k].label, count_or_null(o.info.counts[k].value), &bad);
    ep_json_put(tot, "questions", count_or_null(o.records.questions), &bad);
    ep_json_put(tot, "procedures", count_or_null(o.records.procedures), &bad);
    ep_json_put(tot, "procedure_events", count_or_null(o.records.events), &bad);
    ep_json_put(tot, "documents", count_or_null(o.records.documents), &bad);
    ep_json_put(tot, "speeches", count_or_null(o.records.speeches), &bad);
    ep_json_put(res, "totals", tot, &bad);
    ep_json_put(res, "ranges",
        json_pack("{s:o, s:o, s:o, s:o}", "votes_from", ep_tools_window_date(o.info.votes_from),
                  "votes_to", ep_tools_window_date(o.info.votes_to), "positions_from",
                  ep_tools_window_date(o.info.positions_from), "positions_to",
                  ep_tools_window_date(o.info.positions_to)),
        &bad);
    json_t *ya = json_array(), *ta = json_array(), *ga = json_array();
    for (int k = 0; k < o.n_year; k++)
        ep_json_add(ya, span_json(&o.year[k], "year", json_integer(o.year[k].key)), &bad);
    for (int k = 0; k < o.n_term; k++)
        ep_json_add(ta,
                    span_json(&o.term[k], "term",
                              o.term[k].key ? json_integer(o.term[k].key) : json_null()),
                    &bad);
    for (int k = 0; k < o.n_group; k++)
        ep_json_add(ga, stats_group_json(&o.group[k]), &bad);
    ep_json_put(res, "by_year", ya, &bad);
    ep_json_put(res, "by_term", ta, &bad);
    ep_json_put(res, "by_group", ga, &bad);
    ep_json_put(res, "votes_without_valid_date", json_integer(o.votes_outside_sittings), &bad);
    ep_json_put(res, "schema_version", count_or_null(o.info.schema_version), &bad);
    ep_json_put(res, "synthetic", json_boolean(o.synthetic), &bad);
    ep_json_put(res, "note",
        json_string("counted from the store as it is now: a total is null when its table is "
                    "missing or unreadable; by_term uses term 9 = 2019-07-02..2024-07-15, term "
                    "10 from 2024-07-16 (null = before term 9); a group's positions are those "
                    "its members cast on the votes with per-MEP positions (null when the group "
                    "has none)"),
        &bad);
    ep_store_stats_free(&o);
    return done(ctx, res, bad, result, err);
}

/* ==== 10. sentiment_tracker =============================================================== */

static const char sentiment_cohesion[] =
    "sum_g seats_g * AI_g / sum_g seats_g over the groups with a cast vote in the span; AI_g = "
    "the group's mean per-vote Agreement Index (max(Y,N,A) - (T - max)/2) / T; seats_g = its "
    "members on the span's last vote";
static const char sentiment_polarisation[] =
    "1 - sum_{a<b} seats_a*seats_b*agree_ab / sum_{a<b} seats_a*seats_b over the group pairs "
    "with a defined agreement; agree_ab = share of the votes where both groups had a non-tie "
    "position on which the positions were the same";
static const char sentiment_honest[] =
    "no text sentiment is computed or claimed: no speech, debate or document text is read. "
    "This tool reports what the peer server computes under this name, on the recorded votes: "
    "how united the groups vote (cohesion, 0..1) and how far apart they vote (polarisation, "
    "0..1), over the 30, 90 and 365 days ending on the reference date";

static json_t *sentiment_span_json(const struct ep_sentiment_span *x, int *bad)
{
    json_t *j = json_pack("{s:i, s:s, s:s, s:b}", "days", x->days, "from", x->from, "to", x->to,
                          "available", x->available);
    if (!j) {
        *bad = 1;
        return NULL;
    }
    if (!x->available) {
        ep_json_put(j, "reason", json_string(x->reason), bad);
        return j;
    }
    json_t *ga = json_array();
    for (int g = 0; g < x->n_group; g++) {
        const struct ep_sentiment_group *y = &x->group[g];
        ep_json_add(ga,
                    json_pack("{s:s, s:i, s:o, s:i}", "group", y->code, "seats", y->seats,
                              "agreement_index", ep_json_real_if(y->ai_ok, y->ai), "votes",
                              y->votes),
                    bad);
    }
    ep_json_put(j, "first_vote_date", json_string(x->first), bad);
    ep_json_put(j, "last_vote_date", json_string(x->last), bad);
    ep_json_put(j, "votes", json_integer(x->votes), bad);
    ep_json_put(j, "sittings", json_integer(x->sittings), bad);
    ep_json_put(j, "meps", json_integer(x->meps), bad);
    ep_json_put(j, "cohesion", ep_json_real_if(x->coh_ok, x->cohesion), bad);
    ep_json_put(j, "polarisation", ep_json_real_if(x->pol_ok, x->polarisation), bad);
    ep_json_put(j, "group_pairs", json_integer(x->pairs), bad);
    ep_json_put(j, "groups", ga, bad);
    return j;
}

static int tool_sentiment_tracker(struct ep_tool_ctx *ctx, json_t *args, json_t **result,
                                  struct ep_error *err)
{
    const char *to, *code;
    int kind;
    struct ep_tools_window tw; /* for the topic filter (the schema has no other window argument) */
    int rc = signal_window(ctx, args, 0, NULL, &to, &tw, &kind, &code, err);
    if (rc)
        return rc;
    struct ep_run r;
    run_of(&r, ctx, "sentiment_tracker", EP_SENTIMENT_SPANS);
    struct ep_sentiment o;
    if ((rc = ep_sentiment_compute(ctx->env, to, kind, code, &r, &o, err)))
        return rc;
    const struct ep_sentiment_span *year = &o.span[EP_SENTIMENT_SPANS - 1];
    if (o.topic_kind && year->votes == 0) {
        ep_sentiment_free(&o);
        return ep_error_set(err, EP_ENOTFOUND,
                            "the %s filter \"%s\" leaves no vote with per-MEP positions in the "
                            "%d days ending on %s: %d votes with positions in the store carry it "
                            "(give another reference date \"to\" or another code)",
                            ep_topic_kind_what(o.topic_kind), o.topic_code, year->days, o.to,
                            o.topic_votes);
    }
    int bad = 0;
    json_t *res = json_object(), *spans = json_array();
    ep_json_put(res, "reference_date", json_string(o.to), &bad);
    json_t *win = json_pack("{s:s, s:s, s:i}", "from", year->from, "to", year->to, "votes",
                            year->votes);
    if (win && o.topic_kind)
        ep_json_put(win, "filter",
                    json_pack("{s:s, s:s, s:i}", "kind", ep_topic_kind_arg(o.topic_kind), "code",
                              o.topic_code, "votes", year->votes),
                    &bad);
    ep_json_put(res, "window", win, &bad);
    for (int k = 0; k < EP_SENTIMENT_SPANS; k++)
        ep_json_add(spans, sentiment_span_json(&o.span[k], &bad), &bad);
    ep_json_put(res, "spans", spans, &bad);
    ep_json_put(res, "shifts",
        json_pack("{s:o, s:o, s:o, s:o}", "cohesion_30_vs_365",
                  ep_json_real_if(o.coh_shift_ok[0], o.coh_shift[0]), "cohesion_90_vs_365",
                  ep_json_real_if(o.coh_shift_ok[1], o.coh_shift[1]), "polarisation_30_vs_365",
                  ep_json_real_if(o.pol_shift_ok[0], o.pol_shift[0]), "polarisation_90_vs_365",
                  ep_json_real_if(o.pol_shift_ok[1], o.pol_shift[1])),
        &bad);
    ep_json_put(res, "measures",
                json_pack("{s:s, s:s}", "cohesion", sentiment_cohesion, "polarisation",
                          sentiment_polarisation),
                &bad);
    ep_json_put(res, "no_text_sentiment", json_string(sentiment_honest), &bad);
    ep_sentiment_free(&o);
    return done(ctx, res, bad, result, err);
}

/* ==== 8. early_warning_system ============================================================= */

static json_t *ew_signal_json(const struct ep_ew_signal *x, int *bad)
{
    char ev[600];
    if (x->source == EP_EW_RISK)
        snprintf(ev, sizeof ev,
                 "risk dimension %s = %.3f on its 0..1 scale, at or above %.2f (%s from %.2f); "
                 "generate_political_risk_assessment on the same window lists its evidence",
                 x->kind, x->value, x->threshold, x->severity == EP_EW_HIGH ? "high" : "medium",
                 x->severity == EP_EW_HIGH ? EP_EW_RISK_HIGH : EP_EW_RISK_MEDIUM);
    else
        snprintf(ev, sizeof ev,
                 "%s of %s on %s: %.4f against a baseline median of %.4f over its own sittings, "
                 "z = %.2f beyond the threshold %.2f; %d vote(s) behind it "
                 "(detect_voting_anomalies lists them)",
                 x->kind, x->entity, x->date, x->observed, x->baseline, x->value, x->threshold,
                 x->votes);
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:s}", "source",
                          x->source == EP_EW_RISK ? "risk" : "anomaly", "kind", x->kind, "entity",
                          x->entity, "severity", x->severity == EP_EW_HIGH ? "high" : "medium",
                          "value", ep_json_real(x->value), "threshold", ep_json_real(x->threshold),
                          "evidence", ev);
    if (j && x->source == EP_EW_ANOMALY) {
        ep_json_put(j, "date", json_string(x->date), bad);
        ep_json_put(j, "observed", ep_json_real(x->observed), bad);
        ep_json_put(j, "baseline_median", ep_json_real(x->baseline), bad);
        ep_json_put(j, "votes", json_integer(x->votes), bad);
        if (x->mep_id)
            ep_json_put(j, "mep_id", json_integer((json_int_t)x->mep_id), bad);
    }
    if (!j)
        *bad = 1;
    return j;
}

static json_t *ew_window_json(const struct ep_ew_window *x, const struct ep_tools_window *tw)
{
    json_t *j = json_pack("{s:s, s:s, s:b}", "from", x->from, "to", x->to, "available",
                          x->available);
    int bad = 0;
    filter_put(j, tw, x->available, x->votes, &bad);
    if (x->available) {
        ep_json_put(j, "votes", json_integer(x->votes), &bad);
        ep_json_put(j, "sittings", json_integer(x->sittings), &bad);
    } else {
        ep_json_put(j, "reason", json_string(x->reason), &bad);
    }
    if (bad) {
        json_decref(j);
        return NULL;
    }
    return j;
}

static void ew_current_json(const struct ep_early_warning *o, json_t *res, int *bad)
{
    const struct ep_ew_window *c = &o->cur;
    ep_json_put(res, "level", c->risk_ok ? json_string(ep_risk_level(c->composite)) : json_null(),
                bad);
    ep_json_put(res, "composite", ep_json_real_if(c->risk_ok, c->composite), bad);
    json_t *risk = json_pack("{s:b}", "available", c->risk_ok);
    if (!c->risk_ok)
        ep_json_put(risk, "reason", json_string(c->risk_reason), bad);
    ep_json_put(res, "risk", risk, bad);
    json_t *w = json_array(), *dims = json_object();
    for (int k = 0; k < c->n_signal; k++)
        ep_json_add(w, ew_signal_json(&c->signal[k], bad), bad);
    ep_json_put(res, "warnings", w, bad);
    ep_json_put(res, "warnings_total", json_integer(c->signals_total), bad);
    for (int d = 0; d < EP_RISK_NDIM; d++) {
        const struct ep_risk_dim *x = &c->dim[d];
        json_t *dj = json_pack("{s:b, s:o}", "available", c->risk_ok && x->available, "value",
                               ep_json_real_if(c->risk_ok && x->available, x->value));
        if (!(c->risk_ok && x->available))
            ep_json_put(dj, "reason", json_string(c->risk_ok ? x->reason : c->risk_reason), bad);
        ep_json_put(dims, ep_risk_dim_name[d], dj, bad);
    }
    ep_json_put(res, "dimensions", dims, bad);
    json_t *an = json_pack("{s:b}", "available", c->anom_ok);
    if (c->anom_ok) {
        ep_json_put(an, "alerts", json_integer(c->alerts_total), bad);
        ep_json_put(an, "series_too_short", json_integer(c->series_short), bad);
    } else {
        ep_json_put(an, "reason", json_string(c->anom_reason), bad);
    }
    ep_json_put(res, "anomalies", an, bad);
}

static json_t *ew_changes_json(const struct ep_early_warning *o, int *bad)
{
    const struct ep_ew_window *c = &o->cur, *v = &o->prev;
    json_t *ch = json_pack("{s:b}", "available", v->available);
    if (!v->available) {
        ep_json_put(ch, "reason", json_string(v->reason), bad);
        return ch;
    }
    ep_json_put(ch, "composite_delta", ep_json_real_if(o->composite_delta_ok, o->composite_delta),
                bad);
    ep_json_put(ch, "level_before",
                v->risk_ok ? json_string(ep_risk_level(v->composite)) : json_null(), bad);
    ep_json_put(ch, "level_now",
                c->risk_ok ? json_string(ep_risk_level(c->composite)) : json_null(), bad);
    json_t *dd = json_object(), *nw = json_array(), *rs = json_array();
    for (int d = 0; d < EP_RISK_NDIM; d++)
        ep_json_put(dd, ep_risk_dim_name[d], ep_json_real_if(o->dim_delta_ok[d], o->dim_delta[d]),
                    bad);
    for (int k = 0; k < o->n_new; k++)
        ep_json_add(nw, ew_signal_json(&c->signal[o->new_signal[k]], bad), bad);
    for (int k = 0; k < o->n_resolved; k++)
        ep_json_add(rs, ew_signal_json(&v->signal[o->resolved_signal[k]], bad), bad);
    ep_json_put(ch, "dimensions", dd, bad);
    ep_json_put(ch, "new_warnings", nw, bad);
    ep_json_put(ch, "resolved_warnings", rs, bad);
    ep_json_put(ch, "warnings_before", json_integer(v->signals_total), bad);
    return ch;
}

static int tool_early_warning_system(struct ep_tool_ctx *ctx, json_t *args, json_t **result,
                                     struct ep_error *err)
{
    struct ep_early_warning_params p = {
        .days = (int)json_integer_value(json_object_get(args, "days"))};
    struct ep_tools_window tw;
    int rc = signal_window(ctx, args, p.days, NULL, &p.to, &tw, &p.topic_kind, &p.topic_code, err);
    if (rc)
        return rc;
    struct ep_run r;
    run_of(&r, ctx, "early_warning_system", 20);
    struct ep_early_warning *o = malloc(sizeof *o);
    if (!o)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    if ((rc = ep_early_warning_compute(ctx->env, &p, &r, o, err))) {
        free(o);
        return rc;
    }
    int bad = 0;
    json_t *res = json_object();
    ep_json_put(res, "window", ew_window_json(&o->cur, &tw), &bad);
    ep_json_put(res, "previous_window", ew_window_json(&o->prev, &tw), &bad);
    ew_current_json(o, res, &bad);
    ep_json_put(res, "thresholds",
        json_pack("{s:o, s:o, s:o, s:o, s:s}", "risk_medium", ep_json_real(EP_EW_RISK_MEDIUM),
                  "risk_high", ep_json_real(EP_EW_RISK_HIGH), "anomaly_z",
                  ep_json_real(o->z_threshold), "anomaly_z_high", ep_json_real(o->z_high), "rule",
                  "a risk dimension (0..1) is a warning at >= risk_medium, high at >= "
                  "risk_high; an anomaly (robust z of a per-sitting series) is a warning when "
                  "|z| > anomaly_z in its direction, high at |z| >= anomaly_z_high"),
        &bad);
    ep_json_put(res, "changes", ew_changes_json(o, &bad), &bad);
    ep_early_warning_free(o);
    free(o);
    return done(ctx, res, bad, result, err);
}

/* ==== 9. correlate_intelligence =========================================================== */

static json_t *corr_fig_json(const struct ep_corr_subject *s, const struct ep_corr_fig *f,
                             int *bad)
{
    json_t *j = json_pack("{s:b, s:i, s:o, s:o, s:o}", "present", f->present, "votes_cast",
                          f->cast, "loyalty", ep_json_real_if(f->loy_ok, f->loyalty),
                          "participation", ep_json_real_if(f->part_ok, f->participation),
                          "anomalies", f->anom_ok ? json_integer(f->anomalies) : json_null());
    if (!j) {
        *bad = 1;
        return NULL;
    }
    if (!s->is_group) {
        ep_json_put(j, "influence_composite", ep_json_real_if(f->infl_ok, f->composite), bad);
        ep_json_put(j, "influence_rank", f->infl_ok ? json_integer(f->rank) : json_null(), bad);
        ep_json_put(j, "influence_of", f->infl_ok ? json_integer(f->n) : json_null(), bad);
        if (f->present && !f->infl_ok)
            ep_json_put(j, "influence_reason", json_string(f->infl_reason), bad);
    } else {
        ep_json_put(j, "agreement_index", ep_json_real_if(f->ai_ok, f->ai), bad);
        ep_json_put(j, "closest_group", f->ally_ok ? json_string(f->ally) : json_null(), bad);
        ep_json_put(j, "closest_group_agreement", ep_json_real_if(f->ally_ok, f->ally_share),
                    bad);
    }
    return j;
}

static json_t *corr_subject_json(const struct ep_corr_subject *s, int *bad)
{
    json_t *al = json_array();
    for (int k = 0; k < s->n_alert; k++) {
        const struct ep_corr_alert *a = &s->alert[k];
        ep_json_add(al,
                    json_pack("{s:s, s:o, s:s, s:s}", "kind", a->kind, "confidence",
                              ep_json_real(a->confidence), "confidence_level",
                              a->confidence >= 0.8   ? "high"
                              : a->confidence >= 0.4 ? "medium"
                                                     : "low",
                              "detail", a->detail),
                    bad);
    }
    json_t *j = json_pack("{s:s, s:s, s:o, s:o, s:o}", "type", s->is_group ? "group" : "mep",
                          "name", s->name[0] ? s->name : "(unnamed)", "current",
                          corr_fig_json(s, &s->fig[0], bad), "previous",
                          corr_fig_json(s, &s->fig[1], bad), "alerts", al);
    if (j && s->is_group)
        ep_json_put(j, "group", json_string(s->code), bad);
    else if (j)
        ep_json_put(j, "mep_id", json_integer((json_int_t)s->mep_id), bad);
    if (!j)
        *bad = 1;
    return j;
}

static json_t *corr_window_json(const struct ep_correlate *o, int k,
                                const struct ep_tools_window *tw)
{
    json_t *j = json_pack("{s:s, s:s, s:b}", "from", o->from[k], "to", o->to[k], "available",
                          o->window_ok[k]);
    int bad = 0;
    filter_put(j, tw, o->window_ok[k], o->votes[k], &bad);
    if (o->window_ok[k]) {
        ep_json_put(j, "votes", json_integer(o->votes[k]), &bad);
        ep_json_put(j, "sittings", json_integer(o->sittings[k]), &bad);
    } else {
        ep_json_put(j, "reason", json_string(o->window_reason[k]), &bad);
    }
    if (bad) {
        json_decref(j);
        return NULL;
    }
    return j;
}

/* data_age: the current window's last vote against today and the store's latest vote. */
static json_t *corr_age_json(struct ep_tool_ctx *ctx, const struct ep_correlate *o,
                             struct ep_error *err)
{
    char dataset[11] = "", today[11];
    if (ep_query_dataset_date(ctx->store, dataset, err))
        return NULL;
    int32_t now = (int32_t)(time(NULL) / 86400), last = ep_date_days(o->last_vote);
    ep_date_format(now, today);
    json_t *ds = dataset[0] ? json_string(dataset) : json_null();
    json_t *behind = dataset[0] ? json_integer(ep_date_days(dataset) - last) : json_null();
    return json_pack("{s:s, s:o, s:s, s:i, s:o}", "last_vote_date", o->last_vote,
                     "dataset_date", ds, "as_of", today, "age_days", (int)(now - last),
                     "days_behind_dataset", behind);
}

/* The subjects of args: MEP ids checked against the store, group codes resolved. */
static int corr_subjects(struct ep_tool_ctx *ctx, json_t *args, int64_t *ids, int *n_id,
                         char (*codes)[32], const char **gp, int *n_g, struct ep_error *err)
{
    json_t *a = json_object_get(args, "mep_ids"), *g = json_object_get(args, "groups"), *v;
    size_t i;
    *n_id = *n_g = 0;
    if (!a && !g)
        return ep_error_set(err, EP_EINVAL,
                            "give \"mep_ids\" (EP ids of MEPs) or \"groups\" (group codes), or "
                            "both");
    json_array_foreach(a, i, v)
    {
        int64_t id = (int64_t)json_integer_value(v);
        int known = ep_tools_env_mep_known(ctx->env, id, err);
        if (known < 0)
            return known;
        if (!known)
            return ep_error_set(err, EP_EINVAL, "argument \"mep_ids\": no MEP with id %lld",
                                (long long)id);
        ids[(*n_id)++] = id;
    }
    json_array_foreach(g, i, v)
    {
        int rc = ep_tools_env_resolve_group(ctx->env, "groups", json_string_value(v),
                                            codes[*n_g], sizeof codes[*n_g], err);
        if (rc)
            return rc;
        gp[*n_g] = codes[*n_g];
        (*n_g)++;
    }
    return 0;
}

static int tool_correlate_intelligence(struct ep_tool_ctx *ctx, json_t *args, json_t **result,
                                       struct ep_error *err)
{
    struct signal_subjects sj;
    struct ep_correlate_params p = {.days = (int)json_integer_value(json_object_get(args, "days")),
                                    .mep_ids = sj.ids, .groups = sj.gp};
    struct ep_tools_window tw;
    int rc = signal_window(ctx, args, p.days, &sj, &p.to, &tw, &p.topic_kind, &p.topic_code, err);
    if (rc)
        return rc;
    p.n_mep = sj.n_mep;
    p.n_group = sj.n_group;
    struct ep_run r;
    run_of(&r, ctx, "correlate_intelligence", 4 * (p.n_mep + p.n_group) + 2);
    struct ep_correlate *o = malloc(sizeof *o);
    if (!o)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    if ((rc = ep_correlate_compute(ctx->env, &p, &r, o, err))) {
        free(o);
        return rc;
    }
    int bad = 0;
    json_t *res = json_object(), *subj = json_array();
    ep_json_put(res, "window", corr_window_json(o, 0, &tw), &bad);
    ep_json_put(res, "previous_window", corr_window_json(o, 1, &tw), &bad);
    for (int k = 0; k < o->n_subject; k++)
        ep_json_add(subj, corr_subject_json(&o->subject[k], &bad), &bad);
    ep_json_put(res, "subjects", subj, &bad);
    ep_json_put(res, "alerts_total", json_integer(o->alerts_total), &bad);
    ep_json_put(res, "thresholds",
        json_pack("{s:o, s:o, s:o, s:o, s:o, s:i, s:s}", "influence_rise_points",
                  ep_json_real(EP_CORR_INFL_RISE), "influence_drop_points",
                  ep_json_real(EP_CORR_INFL_DROP), "loyalty_fall",
                  ep_json_real(EP_CORR_LOYALTY_FALL), "loyalty_drop",
                  ep_json_real(EP_CORR_LOYALTY_DROP), "cohesion_drop",
                  ep_json_real(EP_CORR_COHESION_DROP), "votes_for_full_confidence",
                  EP_CORR_FULL_VOTES, "rule",
                  "changes are current minus previous window; rising_influence_falling_loyalty "
                  "needs both; confidence = min(1, votes cast in the weaker window / "
                  "votes_for_full_confidence), high >= 0.8, medium >= 0.4"),
        &bad);
    json_t *age = bad ? NULL : corr_age_json(ctx, o, err);
    free(o);
    if (!age) {
        json_decref(res);
        return bad ? ep_error_set(err, EP_ENOMEM, "out of memory") : EP_EDB;
    }
    ep_json_put(res, "data_age", age, &bad);
    return done(ctx, res, bad, result, err);
}

/* ==== 12. monitor_legislative_pipeline ==================================================== */

static json_t *pipe_stalled_json(const struct ep_pipe_stalled *x)
{
    return json_pack("{s:s, s:o, s:o, s:o, s:s, s:s, s:i}", "procedure", x->procedure,
                     "reference", x->reference[0] ? json_string(x->reference) : json_null(),
                     "title", x->title[0] ? json_string(x->title) : json_null(), "stage",
                     x->stage[0] ? json_string(x->stage) : json_null(), "last_event",
                     x->last_event, "last_event_type", x->last_type, "idle_days", x->idle_days);
}

static int tool_monitor_legislative_pipeline(struct ep_tool_ctx *ctx, json_t *args,
                                             json_t **result, struct ep_error *err)
{
    struct ep_pipeline_params p = {
        .stalled_days = (int)json_integer_value(json_object_get(args, "stalled_days"))};
    int rc = no_store(ctx, err);
    if (!rc)
        rc = date_arg(args, "as_of", &p.as_of, err);
    if (rc)
        return rc;
    struct ep_pipeline *o = malloc(sizeof *o);
    if (!o)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    if ((rc = ep_pipeline_compute(ctx->env, &p, o, err))) {
        free(o);
        return rc;
    }
    int bad = 0;
    json_t *res = json_object();
    ep_json_put(res, "available", json_boolean(o->available), &bad);
    ep_json_put(res, "store",
        json_pack("{s:o, s:o, s:i}", "procedures", count_or_null(o->procedures),
                  "procedure_events", count_or_null(o->events), "procedures_with_events",
                  o->with_events),
        &bad);
    ep_json_put(res, "stalled_days", json_integer(p.stalled_days), &bad);
    if (!o->available) {
        ep_json_put(res, "reason", json_string(o->reason), &bad);
        ep_json_put(res, "how_to_get", json_string(EP_PIPE_SYNC_HINT), &bad);
    } else {
        json_t *st = json_array(), *sl = json_array();
        for (int k = 0; k < o->n_stage; k++)
            ep_json_add(st,
                        json_pack("{s:s, s:i, s:o, s:o}", "stage", o->stage[k].type, "spans",
                                  o->stage[k].n, "median_days", ep_json_real(o->stage[k].median),
                                  "p95_days", ep_json_real(o->stage[k].p95)),
                        &bad);
        for (int k = 0; k < o->n_stalled; k++)
            ep_json_add(sl, pipe_stalled_json(&o->stalled[k]), &bad);
        ep_json_put(res, "as_of", json_string(o->as_of), &bad);
        ep_json_put(res, "events_from", json_string(o->first_event), &bad);
        ep_json_put(res, "events_to", json_string(o->last_event), &bad);
        ep_json_put(res, "stages", st, &bad);
        ep_json_put(res, "procedure_duration",
            json_pack("{s:i, s:o, s:o}", "procedures", o->total_n, "median_days",
                      ep_json_real_if(o->total_n > 0, o->total_median), "p95_days",
                      ep_json_real_if(o->total_n > 0, o->total_p95)),
            &bad);
        ep_json_put(res, "stalled", sl, &bad);
        ep_json_put(res, "stalled_total", json_integer(o->stalled_total), &bad);
        ep_json_put(res, "definitions",
            json_string("a procedure's dated events in order; the days from an event to the "
                        "next are time spent in the stage the event opened (its activity "
                        "type); per stage the median and the nearest-rank 95th percentile; "
                        "procedure_duration: first to last event of procedures with >= 2 "
                        "events; stalled: latest event more than stalled_days before as_of "
                        "(a procedure closed without a closing event in the store shows as "
                        "stalled too)"),
            &bad);
    }
    free(o);
    return done(ctx, res, bad, result, err);
}

/* ==== 13. analyze_legislative_effectiveness =============================================== */

static json_t *eff_type_json(const struct ep_eff_type *t, int with_type)
{
    json_t *j = json_pack(
        "{s:i, s:i, s:i, s:i, s:i, s:o, s:i, s:o}", "procedures", t->procedures,
        "with_main_result", t->with_main_result, "adopted", t->adopted, "rejected", t->rejected,
        "no_main_result", t->no_main_result, "adoption_rate",
        ep_json_real_if(t->with_main_result > 0,
                        t->with_main_result ? (double)t->adopted / t->with_main_result : 0),
        "span_procedures", t->span_n, "median_span_days",
        ep_json_real_if(t->span_n > 0, t->span_median));
    if (j && with_type &&
        json_object_set_new(j, "procedure_type", t->type[0] ? json_string(t->type) : json_null())) {
        json_decref(j);
        return NULL;
    }
    return j;
}

static int tool_analyze_legislative_effectiveness(struct ep_tool_ctx *ctx, json_t *args,
                                                  json_t **result, struct ep_error *err)
{
    (void)args;
    int rc = no_store(ctx, err);
    if (rc)
        return rc;
    struct ep_effectiveness *o = malloc(sizeof *o);
    if (!o)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    if ((rc = ep_effectiveness_compute(ctx->env, o, err))) {
        free(o);
        return rc;
    }
    int bad = 0;
    json_t *res = json_object(), *types = json_array();
    ep_json_put(res, "rapporteurs",
        json_pack("{s:b, s:s, s:s}", "available", o->rapporteurs_available, "reason",
                  o->rapporteurs_reason, "how_to_get",
                  "no source that epintel ingests or syncs today records rapporteurs; the procedure "
                  "outcomes below are what the votes say"),
        &bad);
    ep_json_put(res, "procedures", json_integer(o->procedures), &bad);
    ep_json_put(res, "all", eff_type_json(&o->all, 0), &bad);
    for (int k = 0; k < o->n_type; k++)
        ep_json_add(types, eff_type_json(&o->type[k], 1), &bad);
    ep_json_put(res, "by_procedure_type", types, &bad);
    ep_json_put(res, "definitions",
        json_string("procedures = distinct procedure references of the stored votes; the "
                    "outcome of a procedure is the result of its latest main vote (is_main), "
                    "no_main_result when it has none with a stored result; adoption_rate = "
                    "adopted / (adopted + rejected); span = days from its first to its last "
                    "vote, median over the procedures voted on two or more days"),
        &bad);
    free(o);
    return done(ctx, res, bad, result, err);
}

/* ==== the rows ============================================================================ */

static const struct ep_tool rows[] = {
    {"get_latest_votes", "Get the latest votes",
     "The latest sitting in the store (or the sitting of `date`): every vote with its official "
     "counts and result, and for votes with per-MEP positions each group's breakdown; the "
     "latest sitting with positions. With fetch_xml: true the sitting's DOCEO roll-call XML is "
     "fetched through the fetch pipeline and ingested first (this writes the store).",
     NULL, NULL, 0, 0, 1, 0, tool_get_latest_votes},
    {"get_all_generated_stats", "Get all generated statistics",
     "An overview of what the store holds: the totals of every table, votes and sittings per "
     "year and per parliamentary term (with and without per-MEP positions), and per political "
     "group its MEPs, memberships per term and the positions its members cast.",
     NULL, NULL, 1, 1, 0, 3600, tool_get_all_generated_stats},
    {"sentiment_tracker", "Track cohesion and polarisation (no text sentiment)",
     "What the peer server calls sentiment, computed honestly on the votes: the Parliament's "
     "seat-weighted group cohesion (Agreement Index) and polarisation (1 - seat-weighted group "
     "pair agreement) over the 30, 90 and 365 days ending on a date, and the shift of the short "
     "spans against the year, optionally on the votes of one topic (subject, concept, committee "
     "or geo_area). No text sentiment is computed or claimed.",
     NULL, NULL, 1, 1, 0, 3600, tool_sentiment_tracker},
    {"early_warning_system", "Early warning system",
     "The risk dimensions and the Parliament-scope voting anomalies of a window (the `days` "
     "days ending on `to`) combined into warnings, each with its severity, evidence and the "
     "threshold that raised it, and what changed since the previous window of equal length: "
     "the composite's change, new and resolved warnings.",
     NULL, NULL, 1, 1, 0, 3600, tool_early_warning_system},
    {"correlate_intelligence", "Correlate intelligence signals",
     "For given MEPs (mep_ids) or groups: influence, loyalty, participation, anomalies and the "
     "closest group by agreement in a window and in the previous window of equal length, "
     "joined into alerts such as rising influence with falling loyalty, each with its "
     "confidence (from the votes behind it) and the data's age.",
     NULL, NULL, 1, 1, 0, 3600, tool_correlate_intelligence},
    {"monitor_legislative_pipeline", "Monitor the legislative pipeline",
     "From the synced procedure events: the days each stage takes (median and 95th percentile), "
     "each procedure's duration and the stalled files (no event for stalled_days). Where the "
     "store has no events the result is unavailable, with the reason and the sync command.",
     NULL, NULL, 1, 1, 0, 3600, tool_monitor_legislative_pipeline},
    {"analyze_legislative_effectiveness", "Analyze legislative effectiveness",
     "Rapporteurships and their outcomes where the store names rapporteurs (no stored source "
     "does today: unavailable, with the reason), and what the votes say: per procedure type, "
     "the outcome of each procedure's latest main vote, the adoption rate and the days from "
     "first to last vote.",
     NULL, NULL, 1, 1, 0, 3600, tool_analyze_legislative_effectiveness},
};

const struct ep_tool *ep_tools_signals_rows(size_t *n)
{
    if (n)
        *n = sizeof rows / sizeof rows[0];
    return rows;
}
