/* ep_tools_analysis: analyze_voting_patterns and generate_report (see ep_tools_analysis.h).
 *
 * Every figure comes from stats/ep_stats.h over the window's vote matrix; this file only picks
 * the figures, attaches the counts and votes behind them and renders JSON and Markdown. */
#include "ep_tools_analysis.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ep_artefact.h"
#include "ep_model.h"
#include "ep_report.h"
#include "ep_stats.h"
#include "ep_store.h"
#include "ep_tools_common.h"
#include "ep_tools_window.h"
#include "ep_util.h"

#define DEFAULT_LIMIT 20
#define REPORT_LIMIT 50
#define MIN_REBEL_VOTES 10

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

static json_t *unavailf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static json_t *unavailf(const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ep_tools_unavailable(msg);
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

static int oom(struct ep_error *err)
{
    return ep_error_set(err, EP_ENOMEM, "out of memory");
}

/* ---- store look-ups ---------------------------------------------------------------------- */

struct an {
    struct ep_store *s;
    sqlite3 *db;
    const struct ep_matrix *m; /* borrowed from the window cache; n_vote 0 when unavailable */
    struct ep_stats_votes vs; /* borrowed from the window cache (ep_tools_matrix_votes) */
    char why[EP_ERROR_MSG_MAX]; /* why the window holds no data */
    struct ep_tools_window tw;
    sqlite3_stmt *qvote, *qmember;
};

static const struct ep_matrix empty_matrix;

static void an_close(struct an *a)
{
    sqlite3_finalize(a->qvote);
    sqlite3_finalize(a->qmember);
    memset(a, 0, sizeof *a);
}

/* Load the window and the per-vote group figures. A window without votes is not an error:
 * a->m is then the empty matrix and a->why says why. */
static int an_open(struct an *a, struct ep_tool_ctx *ctx, json_t *args, struct ep_error *err)
{
    memset(a, 0, sizeof *a);
    if (!ctx || !ctx->store)
        return ep_error_set(err, EP_EINTERNAL, "no store attached to the tool context");
    a->s = ctx->store;
    a->db = ep_store_db(a->s);
    int rc = ep_tools_window_from_args(args, &a->tw, err);
    if (rc)
        return rc;
    if (sqlite3_prepare_v2(a->db,
                           "SELECT COALESCE(title, rcv_title, procedure_title, ''), "
                           "procedure_reference, result, substr(timestamp, 1, 10) FROM vote "
                           "WHERE id = ?",
                           -1, &a->qvote, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(a->db,
                           "SELECT COALESCE(first_name, ''), COALESCE(last_name, ''), "
                           "country_code FROM member WHERE id = ?",
                           -1, &a->qmember, NULL) != SQLITE_OK) {
        rc = ep_tools_db_error(a->s, err, "preparing look-ups");
        an_close(a);
        return rc;
    }
    struct ep_error e2 = {0};
    rc = ep_tools_matrix(ctx, &a->tw, &a->m, &e2);
    if (rc == EP_EUNAVAIL) {
        a->m = &empty_matrix;
        struct ep_tools_pos *p = NULL;
        if (ep_tools_pos_acquire(a->s, &p, NULL) == 0 && p->pos_from[0])
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
        an_close(a);
        return rc;
    }
    /* the matrix's figures, kept with it by the window cache */
    rc = ep_tools_matrix_votes(ctx, a->m, &a->vs, err);
    if (rc) {
        an_close(a);
        return rc;
    }
    return 0;
}

/* {vote_id, date, title, procedure?, result?} for matrix vote v. */
static json_t *vote_ref(struct an *a, int v)
{
    int64_t id = a->m->vote_id[v];
    char day[11];
    ep_date_format(a->m->vote_day[v], day);
    json_t *o = json_pack("{s:I, s:s}", "vote_id", (json_int_t)id, "date", day);
    if (!o)
        return NULL;
    sqlite3_reset(a->qvote);
    sqlite3_bind_int64(a->qvote, 1, id);
    const char *title = "";
    if (sqlite3_step(a->qvote) == SQLITE_ROW) {
        title = (const char *)sqlite3_column_text(a->qvote, 0);
        const char *proc = (const char *)sqlite3_column_text(a->qvote, 1);
        const char *res = (const char *)sqlite3_column_text(a->qvote, 2);
        if (proc && *proc && json_object_set_new(o, "procedure", json_string(proc)))
            goto fail;
        if (res && *res && json_object_set_new(o, "result", json_string(res)))
            goto fail;
    }
    if (json_object_set_new(o, "title", json_string(title ? title : "")))
        goto fail;
    sqlite3_reset(a->qvote);
    return o;
fail:
    sqlite3_reset(a->qvote);
    json_decref(o);
    return NULL;
}

/* Name and country of an MEP into out (name "" when unknown). Returns 1 when found. */
static int mep_name(struct an *a, int64_t id, char *name, size_t n, char country[8])
{
    sqlite3_reset(a->qmember);
    sqlite3_bind_int64(a->qmember, 1, id);
    int found = 0;
    name[0] = 0;
    country[0] = 0;
    if (sqlite3_step(a->qmember) == SQLITE_ROW) {
        found = 1;
        snprintf(name, n, "%s%s%s", (const char *)sqlite3_column_text(a->qmember, 0),
                 sqlite3_column_bytes(a->qmember, 0) ? " " : "",
                 (const char *)sqlite3_column_text(a->qmember, 1));
        const char *c = (const char *)sqlite3_column_text(a->qmember, 2);
        snprintf(country, 8, "%s", c ? c : "");
    }
    sqlite3_reset(a->qmember);
    return found;
}

/* Label of a group code ("" when unknown). */
static void group_label(struct an *a, const char *code, char *out, size_t n)
{
    sqlite3_stmt *q;
    out[0] = 0;
    if (sqlite3_prepare_v2(a->db,
                           "SELECT COALESCE(label, official_label, code) FROM grp "
                           "WHERE code = ?",
                           -1, &q, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_text(q, 1, code, -1, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW)
        snprintf(out, n, "%s", (const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
}

/* Canonical code of a group argument: the shared rule (ep_tools_resolve_group). */
static int resolve_group(struct an *a, const char *argname, const char *arg, char code[16],
                         struct ep_error *err)
{
    return ep_tools_resolve_group(a->s, argname, arg, code, 16, err);
}

static int matrix_group(const struct ep_matrix *m, const char *code)
{
    for (int g = 0; g < m->n_grp; g++)
        if (strcmp(m->grp_code[g], code) == 0)
            return g;
    return -1;
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

/* ---- MEP analysis ---------------------------------------------------------------------- */

/* {total, items, hasMore} of the listed matrix votes (the first limit), with the MEP's and
 * their group's positions when mep >= 0. */
static json_t *vote_list(struct an *a, const int *votes, int n, int limit, int mep)
{
    struct jb b = {0};
    json_t *items = json_array();
    for (int k = 0; k < n && k < limit; k++) {
        int v = votes[k];
        json_t *r = vote_ref(a, v);
        if (r && mep >= 0) {
            size_t cell = (size_t)v * (size_t)a->m->n_mep + (size_t)mep;
            int own = a->m->grp[cell];
            put(&b, r, "mep_position", json_string(ep_pos_name(a->m->pos[cell])));
            if (own < a->m->n_grp) {
                const struct ep_stats_vg *vg = &a->vs.vg[(size_t)v * (size_t)a->vs.n_grp + own];
                put(&b, r, "group", json_string(a->m->grp_code[own]));
                put(&b, r, "group_position", json_string(ep_stats_gpos_name(vg->pos)));
                json_t *with = json_array();
                for (int g = 0; g < a->m->n_grp; g++)
                    if (g != own &&
                        a->vs.vg[(size_t)v * (size_t)a->vs.n_grp + g].pos == a->m->pos[cell])
                        push(&b, with, json_string(a->m->grp_code[g]));
                put(&b, r, "groups_voting_the_same", with);
            }
        }
        push(&b, items, r);
    }
    json_t *o = json_pack("{s:i, s:o, s:b}", "total", n, "items", items, "hasMore", n > limit);
    if (b.bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int mep_analysis(struct an *a, int64_t id, int include_votes, int limit, json_t *out,
                        struct ep_error *err)
{
    struct jb b = {0};
    char name[256], country[8];
    int named = mep_name(a, id, name, sizeof name, country);
    if (!named) {
        /* named only by votes or memberships: analysed with what is known */
        int k = ep_tools_mep_known(a->s, id, err);
        if (k < 0)
            return k;
        if (k == 0)
            return ep_error_set(err, EP_ENOTFOUND,
                                "argument \"mep_id\": no MEP with id %lld in the store",
                                (long long)id);
        snprintf(name, sizeof name, "MEP %lld", (long long)id);
    }
    const struct ep_matrix *m = a->m;
    int i = m->n_vote ? ep_matrix_mep_index(m, id) : -1;
    json_t *subj =
        json_pack("{s:s, s:I, s:s}", "type", "mep", "mep_id", (json_int_t)id, "name", name);
    if (subj && country[0])
        put(&b, subj, "country", json_string(country));
    if (subj && !named)
        put(&b, subj, "note", json_string(EP_TOOLS_MEP_UNNAMED));
    put(&b, out, "subject", subj);

    char reason[EP_ERROR_MSG_MAX + 64] = "";
    if (!m->n_vote)
        snprintf(reason, sizeof reason, "%s", a->why);
    else if (i < 0)
        snprintf(reason, sizeof reason,
                 "MEP %lld held no mandate on any roll-call vote with positions in the window",
                 (long long)id);
    if (i < 0) {
        put(&b, out, "participation", ep_tools_unavailable(reason));
        put(&b, out, "loyalty", ep_tools_unavailable(reason));
        put(&b, out, "abstention", ep_tools_unavailable(reason));
        put(&b, out, "cross_party", ep_tools_unavailable(reason));
        put(&b, out, "agreement", json_array());
        return b.bad ? oom(err) : 0;
    }

    struct ep_stats_mep st;
    int rc = ep_stats_mep_compute(m, &a->vs, i, &st, err);
    if (rc)
        return rc;

    /* groups held in the window, with the number of eligible votes in each */
    int held[EP_MATRIX_MAX_GROUPS] = {0}, last_grp = -1;
    for (int v = 0; v < m->n_vote; v++) {
        size_t cell = (size_t)v * (size_t)m->n_mep + (size_t)i;
        if (m->pos[cell] != EP_POS_NONE && m->grp[cell] < m->n_grp) {
            held[m->grp[cell]]++;
            last_grp = m->grp[cell];
        }
    }
    json_t *groups = json_array();
    for (int g = 0; g < m->n_grp; g++)
        if (held[g])
            push(&b, groups, json_pack("{s:s, s:i}", "group", m->grp_code[g], "votes", held[g]));
    if (subj) {
        put(&b, subj, "groups", groups);
        if (last_grp >= 0)
            put(&b, subj, "group", json_string(m->grp_code[last_grp]));
    } else
        json_decref(groups);

    json_t *o;
    int unk = ep_tools_mep_dnv_unknown(m, i, 0, m->n_vote);
    if (unk) {
        ep_tools_dnv_reason(reason, sizeof reason, unk, m->n_vote);
        o = ep_tools_unavailable(reason);
    } else if (st.part_ok) {
        o = avail(st.participation);
        put(&b, o, "cast", json_integer(st.cast));
        put(&b, o, "eligible", json_integer(st.eligible));
        put(&b, o, "for", json_integer(st.n_for));
        put(&b, o, "against", json_integer(st.n_against));
        put(&b, o, "abstention", json_integer(st.n_abst));
        put(&b, o, "did_not_vote", json_integer(st.n_dnv));
    } else
        o = unavailf("no eligible votes in the window");
    put(&b, out, "participation", o);

    if (st.loyalty_ok) {
        o = avail(st.loyalty);
        put(&b, o, "matching", json_integer(st.loyalty_num));
        put(&b, o, "counted", json_integer(st.loyalty_den));
        put(&b, o, "defections", json_integer(st.n_defect));
    } else
        o = unavailf("no cast vote of this MEP where their group had a non-tie position (%d cast)",
                     st.cast);
    put(&b, out, "loyalty", o);

    if (st.abst_ok) {
        o = avail(st.abst_share);
        put(&b, o, "abstentions", json_integer(st.n_abst));
        put(&b, o, "cast", json_integer(st.cast));
    } else
        o = unavailf("the MEP cast no vote in the window");
    put(&b, out, "abstention", o);

    if (st.cross_ok) {
        o = avail(st.cross_share);
        put(&b, o, "votes", json_integer(st.cross_n));
        put(&b, o, "counted", json_integer(st.loyalty_den));
    } else
        o = unavailf("no cast vote of this MEP where their group had a non-tie position");
    put(&b, out, "cross_party", o);

    json_t *agr = json_array();
    for (int g = 0; g < m->n_grp; g++) {
        if (st.grp_den[g] > 0) {
            o = avail(st.grp_share[g]);
            put(&b, o, "agree", json_integer(st.grp_agree[g]));
            put(&b, o, "counted", json_integer(st.grp_den[g]));
        } else
            o = unavailf("no vote cast by the MEP where %s had a non-tie position", m->grp_code[g]);
        put(&b, o, "group", json_string(m->grp_code[g]));
        push(&b, agr, o);
    }
    put(&b, out, "agreement", agr);

    if (include_votes) {
        put(&b, out, "defections", vote_list(a, st.defect_votes, st.n_defect, limit, i));
        put(&b, out, "cross_party_votes", vote_list(a, st.cross_votes, st.cross_n, limit, i));
        /* the votes behind the abstention share and participation */
        int *abst = malloc((size_t)m->n_vote * sizeof *abst);
        int *missed = malloc((size_t)m->n_vote * sizeof *missed);
        int na = 0, nm = 0;
        if (!abst || !missed)
            b.bad = 1;
        for (int v = 0; abst && missed && v < m->n_vote; v++) {
            int p = m->pos[(size_t)v * (size_t)m->n_mep + (size_t)i];
            if (p == EP_POS_ABSTENTION)
                abst[na++] = v;
            else if (p == EP_POS_DID_NOT_VOTE)
                missed[nm++] = v;
        }
        if (abst && missed) {
            put(&b, out, "abstention_votes", vote_list(a, abst, na, limit, i));
            put(&b, out, "missed_votes", vote_list(a, missed, nm, limit, -1));
        }
        free(abst);
        free(missed);
    }
    ep_stats_mep_free(&st);
    return b.bad ? oom(err) : 0;
}

/* ---- group analysis -------------------------------------------------------------------- */

struct rebel {
    int mep, counted, defections;
    double rate;
};

static int rebel_cmp(const void *x, const void *y)
{
    const struct rebel *p = x, *q = y;
    if (p->rate != q->rate)
        return p->rate < q->rate ? 1 : -1;
    if (p->defections != q->defections)
        return q->defections - p->defections;
    return p->mep - q->mep;
}

struct ai_vote {
    int v;
    double ai;
};

static int ai_cmp(const void *x, const void *y)
{
    const struct ai_vote *p = x, *q = y;
    if (p->ai != q->ai)
        return p->ai < q->ai ? -1 : 1;
    return p->v - q->v;
}

static int group_analysis(struct an *a, const char *code, int include_votes, int limit, json_t *out,
                          struct ep_error *err)
{
    struct jb b = {0};
    const struct ep_matrix *m = a->m;
    char label[256];
    group_label(a, code, label, sizeof label);
    json_t *subj = json_pack("{s:s, s:s, s:s}", "type", "group", "code", code, "label", label);
    put(&b, out, "subject", subj);
    int g = m->n_vote ? matrix_group(m, code) : -1;
    char reason[EP_ERROR_MSG_MAX + 64] = "";
    if (!m->n_vote)
        snprintf(reason, sizeof reason, "%s", a->why);
    else if (g < 0)
        snprintf(reason, sizeof reason, "group %s had no members on the window's votes", code);
    if (g < 0) {
        put(&b, out, "cohesion", ep_tools_unavailable(reason));
        put(&b, out, "participation", ep_tools_unavailable(reason));
        put(&b, out, "abstention", ep_tools_unavailable(reason));
        put(&b, out, "agreement", json_array());
        put(&b, out, "rebels", ep_tools_unavailable(reason));
        return b.bad ? oom(err) : 0;
    }
    struct ep_stats_groups gs;
    int rc = ep_stats_groups_compute(m, &a->vs, &gs, err);
    if (rc)
        return rc;
    const struct ep_stats_group *sg = &gs.g[g];
    int G = m->n_grp, V = m->n_vote, N = m->n_mep;

    long sum_t = 0, sum_d = 0, sum_a = 0;
    for (int v = 0; v < V; v++) {
        const struct ep_stats_vg *vg = &a->vs.vg[(size_t)v * (size_t)G + (size_t)g];
        sum_t += vg->y + vg->n + vg->a;
        sum_d += vg->d;
        sum_a += vg->a;
    }

    /* cohesion */
    json_t *coh = json_object();
    put(&b, coh, "available", json_boolean(sg->ai_ok));
    if (!sg->ai_ok)
        put(&b, coh, "reason", json_string("no member of the group cast a vote in the window"));
    json_t *o;
    if (sg->ai_ok) {
        o = json_pack("{s:b, s:o, s:o, s:i}", "available", 1, "mean", jreal(sg->ai_mean), "median",
                      jreal(sg->ai_median), "votes", sg->n_vote_cast);
    } else
        o = unavailf("no vote with T > 0");
    put(&b, coh, "agreement_index", o);
    o = sg->rice_ok ? json_pack("{s:b, s:o, s:i}", "available", 1, "mean", jreal(sg->rice_mean),
                                "votes", sg->rice_n)
                    : unavailf("no vote with Y + N > 0");
    put(&b, coh, "rice", o);
    char why[256];
    o = sg->alpha_ok ? json_pack("{s:b, s:o, s:i}", "available", 1, "value", jreal(sg->alpha),
                                 "units", sg->alpha_units)
                     : unavailf("%s", ep_tools_alpha_reason(sg->alpha_units, V, why, sizeof why));
    put(&b, o, "minimum_units", json_integer(EP_STATS_ALPHA_MIN_UNITS));
    if (!sg->alpha_ok)
        put(&b, o, "units", json_integer(sg->alpha_units));
    put(&b, coh, "alpha", o);
    put(&b, coh, "tie_votes", json_integer(sg->n_tie));
    put(&b, coh, "votes_present", json_integer(sg->n_vote_present));
    put(&b, out, "cohesion", coh);

    int unk = ep_tools_dnv_unknown(m, 0, m->n_vote);
    if (unk) {
        char dnv_why[600];
        ep_tools_dnv_reason(dnv_why, sizeof dnv_why, unk, m->n_vote);
        o = ep_tools_unavailable(dnv_why);
    } else if (sg->part_ok) {
        o = avail(sg->participation);
        put(&b, o, "cast", json_integer(sum_t));
        put(&b, o, "possible", json_integer(sum_t + sum_d));
    } else
        o = unavailf("the group had no members on the window's votes");
    put(&b, out, "participation", o);

    if (sum_t > 0) {
        o = avail((double)sum_a / (double)sum_t);
        put(&b, o, "abstentions", json_integer(sum_a));
        put(&b, o, "cast", json_integer(sum_t));
    } else
        o = unavailf("no member of the group cast a vote in the window");
    put(&b, out, "abstention", o);

    json_t *agr = json_array();
    for (int h = 0; h < G; h++) {
        if (h == g)
            continue;
        size_t k = (size_t)g * (size_t)G + (size_t)h;
        if (gs.pair_ok[k]) {
            o = avail(gs.pair_share[k]);
            put(&b, o, "agree", json_integer(gs.pair_agree[k]));
            put(&b, o, "common", json_integer(gs.pair_common[k]));
        } else
            o = unavailf("no vote where both %s and %s had a non-tie position", code,
                         m->grp_code[h]);
        put(&b, o, "group", json_string(m->grp_code[h]));
        push(&b, agr, o);
    }
    put(&b, out, "agreement", agr);

    /* members and their defections while in the group */
    struct rebel *rb = calloc((size_t)(N ? N : 1), sizeof *rb);
    if (!rb) {
        ep_stats_groups_free(&gs);
        return oom(err);
    }
    int n_members = 0, n_ranked = 0, n_few = 0;
    for (int i = 0; i < N; i++) {
        int in = 0, counted = 0, def = 0;
        for (int v = 0; v < V; v++) {
            size_t cell = (size_t)v * (size_t)N + (size_t)i;
            if (m->grp[cell] != g || m->pos[cell] == EP_POS_NONE)
                continue;
            in = 1;
            int p = m->pos[cell];
            if (p == EP_POS_DID_NOT_VOTE)
                continue;
            int gp = a->vs.vg[(size_t)v * (size_t)G + (size_t)g].pos;
            if (gp == EP_GPOS_NONE || gp == EP_GPOS_TIE)
                continue;
            counted++;
            def += p != gp;
        }
        n_members += in;
        if (!in)
            continue;
        if (counted < MIN_REBEL_VOTES) {
            n_few++;
            continue;
        }
        rb[n_ranked++] = (struct rebel){i, counted, def, (double)def / (double)counted};
    }
    qsort(rb, (size_t)n_ranked, sizeof *rb, rebel_cmp);
    if (subj)
        put(&b, subj, "members_in_window", json_integer(n_members));
    if (n_ranked) {
        json_t *items = json_array();
        for (int k = 0; k < n_ranked && k < limit; k++) {
            char name[256], country[8];
            mep_name(a, m->mep_id[rb[k].mep], name, sizeof name, country);
            json_t *r =
                json_pack("{s:I, s:s, s:i, s:i, s:o}", "mep_id", (json_int_t)m->mep_id[rb[k].mep],
                          "name", name, "defections", rb[k].defections, "counted", rb[k].counted,
                          "rate", jreal(rb[k].rate));
            if (r && country[0])
                put(&b, r, "country", json_string(country));
            push(&b, items, r);
        }
        o = json_pack("{s:b, s:i, s:i, s:i, s:o, s:b}", "available", 1, "min_votes",
                      MIN_REBEL_VOTES, "ranked", n_ranked, "not_ranked_few_votes", n_few, "items",
                      items, "hasMore", n_ranked > limit);
    } else
        o = unavailf("no member cast %d or more votes where the group had a non-tie position",
                     MIN_REBEL_VOTES);
    put(&b, out, "rebels", o);
    free(rb);

    if (include_votes) {
        struct ai_vote *av = malloc((size_t)V * sizeof *av);
        int n = 0;
        if (!av)
            b.bad = 1;
        for (int v = 0; av && v < V; v++) {
            const struct ep_stats_vg *vg = &a->vs.vg[(size_t)v * (size_t)G + (size_t)g];
            if (vg->ai_ok)
                av[n++] = (struct ai_vote){v, vg->ai};
        }
        if (av) {
            qsort(av, (size_t)n, sizeof *av, ai_cmp);
            json_t *items = json_array();
            for (int k = 0; k < n && k < limit; k++) {
                const struct ep_stats_vg *vg = &a->vs.vg[(size_t)av[k].v * (size_t)G + (size_t)g];
                json_t *r = vote_ref(a, av[k].v);
                put(&b, r, "position", json_string(ep_stats_gpos_name(vg->pos)));
                put(&b, r, "Y", json_integer(vg->y));
                put(&b, r, "N", json_integer(vg->n));
                put(&b, r, "A", json_integer(vg->a));
                put(&b, r, "D", json_integer(vg->d));
                put(&b, r, "agreement_index", jreal(vg->ai));
                push(&b, items, r);
            }
            put(&b, out, "votes",
                json_pack("{s:s, s:i, s:o, s:b}", "order", "agreement_index ascending", "total", n,
                          "items", items, "hasMore", n > limit));
        }
        free(av);
    }
    ep_stats_groups_free(&gs);
    return b.bad ? oom(err) : 0;
}

/* ---- analyze_voting_patterns ----------------------------------------------------------- */

static int finish(struct an *a, json_t *out, int group, struct ep_error *err)
{
    struct jb b = {0};
    put(&b, out, "window", ep_tools_window_json(&a->tw, a->m));
    put(&b, out, "methodology", methodology(group));
    if (b.bad)
        return oom(err);
    return ep_tools_add_provenance(a->s, out, err);
}

static int get_limit(json_t *args, int def)
{
    json_t *l = json_object_get(args, "limit");
    return json_is_integer(l) ? (int)json_integer_value(l) : def;
}

static int analyze(struct ep_tool_ctx *ctx, json_t *args, json_t **result, struct ep_error *err)
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
    int include = json_is_true(json_object_get(args, "include_votes"));
    int limit = get_limit(args, DEFAULT_LIMIT);
    json_t *out = json_pack("{s:s}", "kind", mep ? "mep" : "group");
    if (!out) {
        an_close(&a);
        return oom(err);
    }
    if (mep)
        rc = mep_analysis(&a, (int64_t)json_integer_value(mep), include, limit, out, err);
    else {
        char code[16];
        rc = resolve_group(&a, "group", group, code, err);
        if (!rc)
            rc = group_analysis(&a, code, include, limit, out, err);
    }
    if (!rc)
        rc = finish(&a, out, !mep, err);
    an_close(&a);
    if (rc) {
        json_decref(out);
        return rc;
    }
    *result = out;
    return 0;
}

/* ---- Markdown -------------------------------------------------------------------------- */

/* Append text for a table cell: '|' escaped, line breaks as spaces, at most max bytes (cut at
 * a UTF-8 boundary, with "…" added). */
static void md_cell(struct ep_buf *o, const char *s, size_t max)
{
    if (!s)
        return;
    size_t n = strlen(s), k = 0;
    for (; k < n && k < max; k++) {
        char c = s[k];
        if (c == '|')
            ep_buf_append(o, "\\|", 2);
        else if (c == '\n' || c == '\r' || c == '\t')
            ep_buf_putc(o, ' ');
        else
            ep_buf_putc(o, c);
    }
    if (k < n) {
        while (o->len && ((unsigned char)o->data[o->len - 1] & 0xC0) == 0x80)
            o->len--;
        if (o->len && ((unsigned char)o->data[o->len - 1] & 0xC0) == 0xC0)
            o->len--;
        if (o->data)
            o->data[o->len] = 0;
        ep_buf_printf(o, "…");
    }
}

/* "12.3 %" or "unavailable (reason)". */
static void md_pct(struct ep_buf *o, json_t *blk, const char *field)
{
    if (json_is_true(json_object_get(blk, "available"))) {
        json_t *x = json_object_get(blk, field ? field : "value");
        if (json_is_number(x)) {
            ep_buf_printf(o, "%.1f %%", 100.0 * json_number_value(x));
            return;
        }
    }
    ep_buf_printf(o, "unavailable (");
    md_cell(o, json_string_value(json_object_get(blk, "reason")), 200);
    ep_buf_printf(o, ")");
}

static long jint(json_t *o, const char *k)
{
    return (long)json_integer_value(json_object_get(o, k));
}

static const char *jstr(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static void md_window(struct ep_buf *o, json_t *w)
{
    if (jint(w, "votes") > 0)
        ep_buf_printf(o, "- Window: %s to %s (%ld roll-call votes, %ld sittings)\n",
                      jstr(w, "from"), jstr(w, "to"), jint(w, "votes"), jint(w, "sittings"));
    else
        ep_buf_printf(o, "- Window: no roll-call votes with per-MEP positions\n");
}

static void md_votes_table(struct ep_buf *o, json_t *list, int mep)
{
    json_t *items = json_object_get(list, "items");
    if (!json_array_size(items)) {
        ep_buf_printf(o, "None in the window.\n\n");
        return;
    }
    if (mep)
        ep_buf_printf(o, "| Date | Vote | Title | MEP voted | Group position | Other groups with "
                         "that position |\n|---|---|---|---|---|---|\n");
    else
        ep_buf_printf(o, "| Date | Vote | Title | Position | Y | N | A | D | AI |\n"
                         "|---|---|---|---|---|---|---|---|---|\n");
    size_t k;
    json_t *r;
    json_array_foreach(items, k, r)
    {
        ep_buf_printf(o, "| %s | %ld | ", jstr(r, "date"), jint(r, "vote_id"));
        md_cell(o, jstr(r, "title"), 120);
        if (mep) {
            ep_buf_printf(o, " | %s | %s %s | ", jstr(r, "mep_position"), jstr(r, "group"),
                          jstr(r, "group_position"));
            size_t j;
            json_t *g;
            json_t *same = json_object_get(r, "groups_voting_the_same");
            json_array_foreach(same, j, g)
                ep_buf_printf(o, "%s%s", j ? ", " : "", json_string_value(g));
            ep_buf_printf(o, " |\n");
        } else
            ep_buf_printf(o, " | %s | %ld | %ld | %ld | %ld | %.3f |\n", jstr(r, "position"),
                          jint(r, "Y"), jint(r, "N"), jint(r, "A"), jint(r, "D"),
                          json_number_value(json_object_get(r, "agreement_index")));
    }
    if (json_is_true(json_object_get(list, "hasMore")))
        ep_buf_printf(o, "\n%ld in all; the first %zu are listed.\n", jint(list, "total"),
                      json_array_size(items));
    ep_buf_printf(o, "\n");
}

static void md_coverage(struct ep_buf *o, json_t *res)
{
    json_t *w = json_object_get(res, "window"), *p = json_object_get(res, "provenance");
    json_t *pw = json_object_get(p, "positions_window");
    ep_buf_printf(o, "## Data coverage\n\n");
    if (jint(w, "votes") > 0)
        ep_buf_printf(o,
                      "- Window analysed: %s to %s: %ld roll-call votes with per-MEP positions "
                      "in %ld sittings, %ld MEPs.\n",
                      jstr(w, "from"), jstr(w, "to"), jint(w, "votes"), jint(w, "sittings"),
                      jint(w, "meps"));
    else
        ep_buf_printf(o, "- The window holds no roll-call votes with per-MEP positions.\n");
    if (json_is_object(pw))
        ep_buf_printf(o,
                      "- The store holds per-MEP positions from %s to %s only; figures "
                      "outside those dates are not available.\n",
                      jstr(pw, "from"), jstr(pw, "to"));
    if (json_is_true(json_object_get(w, "synthetic")) ||
        json_is_true(json_object_get(p, "synthetic")))
        ep_buf_printf(o, "- **Synthetic data**: the store holds generated data, not real votes.\n");
    ep_buf_printf(
        o, "- Definitions: docs/methodology.md. A group's position is the option most "
           "of its members chose; tied positions (TIE) are left out, never broken.\n"
           "- A figure without data is shown as unavailable with the reason, never as 0.\n\n");
    const char *dd = json_string_value(json_object_get(p, "dataset_date"));
    ep_buf_printf(o,
                  "---\n\nSource: European Parliament. Data: HowTheyVote.eu (ODbL). Dataset "
                  "date: %s.\n",
                  dd ? dd : "unknown");
}

static void md_mep(struct ep_buf *o, json_t *res, json_t *memberships)
{
    json_t *s = json_object_get(res, "subject");
    json_t *part = json_object_get(res, "participation"), *loy = json_object_get(res, "loyalty");
    json_t *abst = json_object_get(res, "abstention"), *cp = json_object_get(res, "cross_party");
    ep_buf_printf(o, "# MEP report: ");
    md_cell(o, jstr(s, "name"), 200);
    ep_buf_printf(o, "\n\n- EP id: %ld\n", jint(s, "mep_id"));
    if (*jstr(s, "country"))
        ep_buf_printf(o, "- Country: %s\n", jstr(s, "country"));
    if (*jstr(s, "group"))
        ep_buf_printf(o, "- Political group (latest in the window): %s\n", jstr(s, "group"));
    md_window(o, json_object_get(res, "window"));
    ep_buf_printf(o, "\n");
    ep_buf_printf(o, "## Key figures\n\n");
    if (!json_is_true(json_object_get(part, "available"))) {
        ep_buf_printf(o, "Unavailable: ");
        md_cell(o, jstr(part, "reason"), 400);
        ep_buf_printf(o, ".\n\n");
        goto after_figures;
    }
    ep_buf_printf(o, "| Measure | Value | Counts |\n|---|---|---|\n");
    ep_buf_printf(o, "| Participation | ");
    md_pct(o, part, NULL);
    if (json_is_true(json_object_get(part, "available")))
        ep_buf_printf(o,
                      " | %ld cast of %ld eligible votes (%ld for, %ld against, %ld abstentions, "
                      "%ld not voted) |\n",
                      jint(part, "cast"), jint(part, "eligible"), jint(part, "for"),
                      jint(part, "against"), jint(part, "abstention"), jint(part, "did_not_vote"));
    else
        ep_buf_printf(o, " | - |\n");
    ep_buf_printf(o, "| Loyalty to own group | ");
    md_pct(o, loy, NULL);
    if (json_is_true(json_object_get(loy, "available")))
        ep_buf_printf(o, " | %ld of %ld votes with the group's position; %ld defections |\n",
                      jint(loy, "matching"), jint(loy, "counted"), jint(loy, "defections"));
    else
        ep_buf_printf(o, " | - |\n");
    ep_buf_printf(o, "| Abstention share | ");
    md_pct(o, abst, NULL);
    if (json_is_true(json_object_get(abst, "available")))
        ep_buf_printf(o, " | %ld of %ld cast votes |\n", jint(abst, "abstentions"),
                      jint(abst, "cast"));
    else
        ep_buf_printf(o, " | - |\n");
    ep_buf_printf(o, "| Cross-party votes | ");
    md_pct(o, cp, NULL);
    if (json_is_true(json_object_get(cp, "available")))
        ep_buf_printf(o, " | %ld of %ld counted votes |\n", jint(cp, "votes"), jint(cp, "counted"));
    else
        ep_buf_printf(o, " | - |\n");
    ep_buf_printf(o, "\n");
after_figures:
    ep_buf_printf(o, "## Agreement with each group\n\n");
    json_t *agr = json_object_get(res, "agreement");
    if (json_array_size(agr)) {
        ep_buf_printf(o, "Share of the MEP's cast votes equal to each group's position.\n\n"
                         "| Group | Agreement | Votes counted |\n|---|---|---|\n");
        size_t k;
        json_t *r;
        json_array_foreach(agr, k, r)
        {
            ep_buf_printf(o, "| %s | ", jstr(r, "group"));
            md_pct(o, r, NULL);
            ep_buf_printf(o, " | %ld |\n", jint(r, "counted"));
        }
        ep_buf_printf(o, "\n");
    } else
        ep_buf_printf(o, "Unavailable: no votes of this MEP in the window.\n\n");
    if (json_object_get(res, "defections")) {
        ep_buf_printf(o, "## Defections from the group's position\n\n");
        md_votes_table(o, json_object_get(res, "defections"), 1);
        ep_buf_printf(o, "## Cross-party votes\n\n");
        md_votes_table(o, json_object_get(res, "cross_party_votes"), 1);
    }
    if (json_array_size(memberships)) {
        ep_buf_printf(o, "## Group membership history\n\n| Group | Term | From | To |\n"
                         "|---|---|---|---|\n");
        size_t k;
        json_t *r;
        json_array_foreach(memberships, k, r)
        {
            json_t *t = json_object_get(r, "term");
            ep_buf_printf(o, "| %s | ", jstr(r, "group"));
            if (json_is_integer(t))
                ep_buf_printf(o, "%ld", (long)json_integer_value(t));
            ep_buf_printf(o, " | %s | %s |\n", jstr(r, "start"),
                          json_is_string(json_object_get(r, "end")) ? jstr(r, "end") : "ongoing");
        }
        ep_buf_printf(o, "\n");
    }
}

static void md_group(struct ep_buf *o, json_t *res)
{
    json_t *s = json_object_get(res, "subject"), *coh = json_object_get(res, "cohesion");
    ep_buf_printf(o, "# Group report: %s", jstr(s, "code"));
    if (*jstr(s, "label")) {
        ep_buf_printf(o, " — ");
        md_cell(o, jstr(s, "label"), 200);
    }
    ep_buf_printf(o, "\n\n- Members on the window's votes: %ld\n", jint(s, "members_in_window"));
    md_window(o, json_object_get(res, "window"));
    ep_buf_printf(o, "\n");
    ep_buf_printf(o, "## Cohesion\n\n| Measure | Value | Counts |\n|---|---|---|\n");
    json_t *ai = json_object_get(coh, "agreement_index"), *rice = json_object_get(coh, "rice"),
           *al = json_object_get(coh, "alpha");
    if (json_is_true(json_object_get(ai, "available")))
        ep_buf_printf(o,
                      "| Agreement Index (mean) | %.3f | %ld votes |\n| Agreement Index (median) "
                      "| %.3f | |\n",
                      json_number_value(json_object_get(ai, "mean")), jint(ai, "votes"),
                      json_number_value(json_object_get(ai, "median")));
    else
        ep_buf_printf(o, "| Agreement Index | unavailable | |\n");
    if (json_is_true(json_object_get(rice, "available")))
        ep_buf_printf(o, "| Rice index (mean) | %.3f | %ld votes |\n",
                      json_number_value(json_object_get(rice, "mean")), jint(rice, "votes"));
    else
        ep_buf_printf(o, "| Rice index | unavailable | |\n");
    if (json_is_true(json_object_get(al, "available")))
        ep_buf_printf(o, "| Krippendorff's alpha | %.3f | %ld votes |\n",
                      json_number_value(json_object_get(al, "value")), jint(al, "units"));
    else
        ep_buf_printf(o, "| Krippendorff's alpha | unavailable | |\n");
    ep_buf_printf(o, "| Votes with a tied position | %ld | |\n", jint(coh, "tie_votes"));
    json_t *part = json_object_get(res, "participation"), *ab = json_object_get(res, "abstention");
    ep_buf_printf(o, "| Participation | ");
    md_pct(o, part, NULL);
    ep_buf_printf(o, " | %ld of %ld possible votes cast |\n", jint(part, "cast"),
                  jint(part, "possible"));
    ep_buf_printf(o, "| Abstention share | ");
    md_pct(o, ab, NULL);
    ep_buf_printf(o, " | %ld of %ld cast |\n\n", jint(ab, "abstentions"), jint(ab, "cast"));

    ep_buf_printf(o, "## Agreement with other groups\n\n");
    json_t *agr = json_object_get(res, "agreement");
    if (json_array_size(agr)) {
        ep_buf_printf(o, "| Group | Same position | Votes in common |\n|---|---|---|\n");
        size_t k;
        json_t *r;
        json_array_foreach(agr, k, r)
        {
            ep_buf_printf(o, "| %s | ", jstr(r, "group"));
            md_pct(o, r, NULL);
            ep_buf_printf(o, " | %ld |\n", jint(r, "common"));
        }
        ep_buf_printf(o, "\n");
    } else
        ep_buf_printf(o, "Unavailable.\n\n");

    ep_buf_printf(o, "## Most rebellious members\n\n");
    json_t *rb = json_object_get(res, "rebels");
    if (json_is_true(json_object_get(rb, "available"))) {
        ep_buf_printf(
            o,
            "Defection rate over the votes cast while in the group where it had a "
            "non-tie position (at least %ld such votes).\n\n"
            "| MEP | Country | Defections | Votes counted | Rate |\n|---|---|---|---|---|\n",
            jint(rb, "min_votes"));
        size_t k;
        json_t *r;
        json_array_foreach(json_object_get(rb, "items"), k, r)
        {
            ep_buf_printf(o, "| ");
            md_cell(o, jstr(r, "name"), 120);
            ep_buf_printf(o, " (%ld) | %s | %ld | %ld | %.1f %% |\n", jint(r, "mep_id"),
                          jstr(r, "country"), jint(r, "defections"), jint(r, "counted"),
                          100.0 * json_number_value(json_object_get(r, "rate")));
        }
        ep_buf_printf(o, "\n");
    } else {
        ep_buf_printf(o, "Unavailable: ");
        md_cell(o, jstr(rb, "reason"), 300);
        ep_buf_printf(o, "\n\n");
    }
    if (json_object_get(res, "votes")) {
        ep_buf_printf(o, "## Least cohesive votes\n\n");
        md_votes_table(o, json_object_get(res, "votes"), 0);
    }
}

/* ---- generate_report ------------------------------------------------------------------- */

static json_t *memberships(struct an *a, int64_t id)
{
    sqlite3_stmt *q;
    json_t *arr = json_array();
    if (!arr || sqlite3_prepare_v2(a->db,
                                   "SELECT group_code, term, start_date, end_date FROM membership "
                                   "WHERE member_id = ? ORDER BY start_date, group_code",
                                   -1, &q, NULL) != SQLITE_OK) {
        json_decref(arr);
        return NULL;
    }
    sqlite3_bind_int64(q, 1, id);
    struct jb b = {0};
    while (sqlite3_step(q) == SQLITE_ROW) {
        json_t *r = json_pack("{s:s, s:s}", "group", (const char *)sqlite3_column_text(q, 0),
                              "start", (const char *)sqlite3_column_text(q, 2));
        put(&b, r, "term",
            sqlite3_column_type(q, 1) == SQLITE_NULL ? json_null()
                                                     : json_integer(sqlite3_column_int(q, 1)));
        put(&b, r, "end",
            sqlite3_column_type(q, 3) == SQLITE_NULL
                ? json_null()
                : json_string((const char *)sqlite3_column_text(q, 3)));
        push(&b, arr, r);
    }
    sqlite3_finalize(q);
    if (b.bad) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}

/* Sitting report: the day's votes from the vote table (all of them) and, when the day has
 * per-MEP positions, group figures from the matrix of that day (a was opened on it). */
static int sitting_report(struct an *day, const char *date, json_t *data, struct ep_buf *md,
                          struct ep_error *err)
{
    struct jb b = {0};
    struct an *a = day;
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(a->db,
                           "SELECT COUNT(*), SUM(pos_unit_id IS NOT NULL), SUM(is_main = 1), "
                           "SUM(result = 'ADOPTED'), SUM(result = 'REJECTED'), "
                           "SUM(is_main IS NOT NULL), SUM(COALESCE(result, '') != '') FROM vote "
                           "WHERE sitting_date = ?",
                           -1, &q, NULL) != SQLITE_OK)
        return ep_tools_db_error(a->s, err, "counting the sitting's votes");
    sqlite3_bind_text(q, 1, date, -1, SQLITE_STATIC);
    int total = 0, with_pos = 0, n_main = 0, adopted = 0, rejected = 0, main_known = 0,
        result_known = 0;
    if (sqlite3_step(q) == SQLITE_ROW) {
        total = sqlite3_column_int(q, 0);
        with_pos = sqlite3_column_int(q, 1);
        n_main = sqlite3_column_int(q, 2);
        adopted = sqlite3_column_int(q, 3);
        rejected = sqlite3_column_int(q, 4);
        main_known = sqlite3_column_int(q, 5);
        result_known = sqlite3_column_int(q, 6);
    }
    sqlite3_finalize(q);
    if (total == 0)
        return ep_error_set(err, EP_ENOTFOUND,
                            "argument \"id\": no votes on %s in the store (see "
                            "get_plenary_sessions for the sitting dates)",
                            date);
    put(&b, data, "date", json_string(date));
    /* main votes and results count over the votes whose source says so; with none, they are
     * unknown (null with the reason), never 0 */
    json_t *vj = json_pack("{s:i, s:i, s:o, s:i, s:o, s:o, s:i}", "total", total,
                           "with_positions", with_pos, "main",
                           main_known ? json_integer(n_main) : json_null(), "main_known",
                           main_known, "adopted", result_known ? json_integer(adopted) : json_null(),
                           "rejected", result_known ? json_integer(rejected) : json_null(),
                           "result_known", result_known);
    if (vj && (main_known < total || result_known < total)) {
        json_t *unk = json_object();
        if (main_known < total)
            put(&b, unk, "main",
                json_string("the stored sources do not say which of these votes are main votes "
                            "(HowTheyVote.eu's votes table does; the roll-call XML does not)"));
        if (result_known < total)
            put(&b, unk, "result",
                json_string("no result is stored for some votes (HowTheyVote.eu's votes table "
                            "gives results from 2024; the roll-call XML has none)"));
        put(&b, vj, "unknown", unk);
    }
    put(&b, data, "votes", vj);
    char ref[64] = "";
    if (sqlite3_prepare_v2(a->db, "SELECT reference FROM sitting WHERE date = ?", -1, &q, NULL) ==
        SQLITE_OK) {
        sqlite3_bind_text(q, 1, date, -1, SQLITE_STATIC);
        if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0))
            snprintf(ref, sizeof ref, "%s", (const char *)sqlite3_column_text(q, 0));
        sqlite3_finalize(q);
    }
    if (ref[0])
        put(&b, data, "reference", json_string(ref));

    int rc;
    json_t *groups = NULL, *attendance = NULL;
    char why[EP_ERROR_MSG_MAX + 64] = "";
    if (day->m->n_vote == 0)
        snprintf(why, sizeof why,
                 "no per-MEP positions stored for %s (%d votes with official counts only)", date,
                 total);
    struct ep_stats_groups gs = {0};
    if (!why[0] && (rc = ep_stats_groups_compute(day->m, &day->vs, &gs, err)))
        return rc;
    /* participation and attendance need who did not vote */
    int day_unk = day->m->n_vote ? ep_tools_dnv_unknown(day->m, 0, day->m->n_vote) : 0;
    char unk_why[600] = "";
    if (day_unk)
        ep_tools_dnv_reason(unk_why, sizeof unk_why, day_unk, day->m->n_vote);
    if (!why[0]) {
        groups = json_array();
        for (int g = 0; g < day->m->n_grp; g++) {
            const struct ep_stats_group *sg = &gs.g[g];
            if (!sg->n_vote_present)
                continue;
            json_t *r = json_pack("{s:s}", "group", day->m->grp_code[g]);
            put(&b, r, "agreement_index",
                sg->ai_ok
                    ? json_pack("{s:b, s:o, s:o, s:i}", "available", 1, "mean", jreal(sg->ai_mean),
                                "median", jreal(sg->ai_median), "votes", sg->n_vote_cast)
                    : unavailf("no member cast a vote"));
            put(&b, r, "participation",
                day_unk       ? unavailf("who did not vote is unknown on %d of the %d votes "
                                         "(see attendance)",
                                         day_unk, day->m->n_vote)
                : sg->part_ok ? avail(sg->participation)
                              : unavailf("no member that day"));
            put(&b, r, "tie_votes", json_integer(sg->n_tie));
            push(&b, groups, r);
        }
        int mandate = 0, present = 0;
        for (int i = 0; i < day->m->n_mep; i++) {
            int has = 0, cast = 0;
            for (int v = 0; v < day->m->n_vote; v++) {
                int p = day->m->pos[(size_t)v * (size_t)day->m->n_mep + (size_t)i];
                has |= p != EP_POS_NONE;
                cast |= p >= EP_POS_FOR && p <= EP_POS_ABSTENTION;
            }
            mandate += has;
            present += cast;
        }
        attendance = day_unk ? ep_tools_unavailable(unk_why)
                     : mandate
                         ? json_pack("{s:b, s:i, s:i, s:o}", "available", 1, "present", present,
                                     "mandate", mandate, "share", jreal((double)present / mandate))
                         : NULL;
    }
    put(&b, data, "groups", groups ? groups : ep_tools_unavailable(why));
    put(&b, data, "attendance", attendance ? attendance : ep_tools_unavailable(why));

    /* the day's votes: main votes first, then the rest, up to REPORT_LIMIT */
    json_t *list = json_array();
    if (sqlite3_prepare_v2(a->db,
                           "SELECT id, COALESCE(title, rcv_title, procedure_title, ''), "
                           "procedure_reference, result, is_main, count_for, count_against, "
                           "count_abstention FROM vote WHERE sitting_date = ? ORDER BY is_main = 1 "
                           "DESC, timestamp, id LIMIT ?",
                           -1, &q, NULL) != SQLITE_OK) {
        json_decref(list);
        ep_stats_groups_free(&gs);
        return ep_tools_db_error(a->s, err, "listing the sitting's votes");
    }
    sqlite3_bind_text(q, 1, date, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 2, REPORT_LIMIT);
    while (sqlite3_step(q) == SQLITE_ROW) {
        int64_t vid = sqlite3_column_int64(q, 0);
        json_t *r = json_pack("{s:I, s:s, s:o}", "vote_id", (json_int_t)vid, "title",
                              (const char *)sqlite3_column_text(q, 1), "main",
                              sqlite3_column_type(q, 4) == SQLITE_NULL
                                  ? json_null()
                                  : json_boolean(sqlite3_column_int(q, 4) == 1));
        if (sqlite3_column_text(q, 2))
            put(&b, r, "procedure", json_string((const char *)sqlite3_column_text(q, 2)));
        if (sqlite3_column_text(q, 3))
            put(&b, r, "result", json_string((const char *)sqlite3_column_text(q, 3)));
        if (sqlite3_column_type(q, 5) != SQLITE_NULL)
            put(&b, r, "counts",
                json_pack("{s:i, s:i, s:i}", "for", sqlite3_column_int(q, 5), "against",
                          sqlite3_column_int(q, 6), "abstention", sqlite3_column_int(q, 7)));
        int v = -1;
        for (int k = 0; k < day->m->n_vote; k++)
            if (day->m->vote_id[k] == vid)
                v = k;
        if (v >= 0) {
            json_t *pos = json_object();
            for (int g = 0; g < day->m->n_grp; g++) {
                const struct ep_stats_vg *vg = &day->vs.vg[(size_t)v * (size_t)day->vs.n_grp + g];
                if (vg->y + vg->n + vg->a + vg->d > 0)
                    put(&b, pos, day->m->grp_code[g], json_string(ep_stats_gpos_name(vg->pos)));
            }
            put(&b, r, "group_positions", pos);
        }
        push(&b, list, r);
    }
    sqlite3_finalize(q);
    put(&b, data, "vote_list",
        json_pack("{s:o, s:i, s:b}", "items", list, "total", total, "hasMore",
                  total > REPORT_LIMIT));

    /* Markdown */
    ep_buf_printf(md, "# Sitting report: %s\n\n", date);
    if (ref[0])
        ep_buf_printf(md, "- Minutes reference: %s\n", ref);
    ep_buf_printf(md, "- Votes: %d (", total);
    if (!main_known)
        ep_buf_printf(md, "main votes unknown");
    else if (main_known < total)
        ep_buf_printf(md, "%d main votes among the %d whose status is stored", n_main, main_known);
    else
        ep_buf_printf(md, "%d main votes", n_main);
    if (!result_known)
        ep_buf_printf(md, "; results unknown");
    else if (result_known < total)
        ep_buf_printf(md, "; %d adopted, %d rejected, %d without a stored result", adopted,
                      rejected, total - result_known);
    else
        ep_buf_printf(md, "; %d adopted, %d rejected", adopted, rejected);
    ep_buf_printf(md, ")\n- Votes with per-MEP positions: %d\n", with_pos);
    if (!main_known)
        ep_buf_printf(md, "- No stored source says which votes are main votes (HowTheyVote.eu's "
                          "votes table does; the roll-call XML does not).\n");
    if (!result_known)
        ep_buf_printf(md, "- No result is stored for these votes (HowTheyVote.eu's votes table "
                          "gives results from 2024; the roll-call XML has none).\n");
    if (attendance && json_is_true(json_object_get(attendance, "available")))
        ep_buf_printf(md, "- Attendance: %ld of %ld MEPs cast at least one vote\n",
                      jint(attendance, "present"), jint(attendance, "mandate"));
    else if (attendance)
        ep_buf_printf(md, "- Attendance: unavailable (%s)\n",
                      json_string_value(json_object_get(attendance, "reason")));
    ep_buf_printf(md, "\n## Groups on this day\n\n");
    if (groups) {
        ep_buf_printf(md, "| Group | Agreement Index (mean) | Participation | Tied votes |\n"
                          "|---|---|---|---|\n");
        size_t k;
        json_t *r;
        json_array_foreach(groups, k, r)
        {
            json_t *ai = json_object_get(r, "agreement_index");
            ep_buf_printf(md, "| %s | ", jstr(r, "group"));
            if (json_is_true(json_object_get(ai, "available")))
                ep_buf_printf(md, "%.3f", json_number_value(json_object_get(ai, "mean")));
            else
                ep_buf_printf(md, "unavailable");
            ep_buf_printf(md, " | ");
            md_pct(md, json_object_get(r, "participation"), NULL);
            ep_buf_printf(md, " | %ld |\n", jint(r, "tie_votes"));
        }
        ep_buf_printf(md, "\n");
    } else
        ep_buf_printf(md, "Unavailable: %s.\n\n", why);
    ep_buf_printf(md, "## Votes\n\n");
    int G = day->m->n_grp;
    ep_buf_printf(md, "| Vote | Title | Result | For | Against | Abst. |");
    for (int g = 0; g < G; g++)
        ep_buf_printf(md, " %s |", day->m->grp_code[g]);
    ep_buf_printf(md, "\n|---|---|---|---|---|---|");
    for (int g = 0; g < G; g++)
        ep_buf_printf(md, "---|");
    ep_buf_printf(md, "\n");
    size_t k;
    json_t *r;
    json_array_foreach(list, k, r)
    {
        json_t *c = json_object_get(r, "counts"), *gp = json_object_get(r, "group_positions");
        ep_buf_printf(md, "| %ld%s | ", jint(r, "vote_id"),
                      json_is_true(json_object_get(r, "main")) ? " (main)" : "");
        md_cell(md, jstr(r, "title"), 120);
        ep_buf_printf(md, " | %s | ", *jstr(r, "result") ? jstr(r, "result") : "-");
        if (c)
            ep_buf_printf(md, "%ld | %ld | %ld |", jint(c, "for"), jint(c, "against"),
                          jint(c, "abstention"));
        else
            ep_buf_printf(md, "- | - | - |");
        for (int g = 0; g < G; g++)
            ep_buf_printf(md, " %s |",
                          gp && *jstr(gp, day->m->grp_code[g]) ? jstr(gp, day->m->grp_code[g])
                                                               : "-");
        ep_buf_printf(md, "\n");
    }
    if (total > REPORT_LIMIT)
        ep_buf_printf(md,
                      "\n%d votes in all; the first %d (main votes first) are listed. "
                      "get_voting_records with this sitting lists them all.\n",
                      total, REPORT_LIMIT);
    ep_buf_printf(md, "\n");
    ep_stats_groups_free(&gs);
    return b.bad ? oom(err) : 0;
}

/* generate_report {kind: mep} files: the dimension bars (PNG) and the scorecard (PDF), from
 * assess_mep_influence and get_mep_details over the same window (tools/ep_artefact.h). */
static int render_report(struct ep_tool_ctx *ctx, json_t *args, unsigned fmts, json_t *rep,
                         struct ep_error *err)
{
    const char *id = json_string_value(json_object_get(args, "id"));
    long long v = strtoll(id ? id : "0", NULL, 10);
    char stem[64], title[160];
    json_t *inf = NULL, *det = NULL;
    struct ep_artefacts a;
    int rc = ep_artefacts_begin(&a, ctx, args, err);
    if (rc)
        return rc;
    json_t *ia = ep_artefact_window_args(args);
    if (ia && json_object_set_new(ia, "mep_id", json_integer(v))) {
        json_decref(ia);
        ia = NULL;
    }
    rc = ep_artefact_call(ctx, "assess_mep_influence", ia, &inf, err);
    struct ep_buf b;
    ep_buf_init(&b, 0);
    if (rc == 0 && (fmts & EP_FMT_PNG)) {
        snprintf(stem, sizeof stem, "dimensions-%lld", v);
        snprintf(title, sizeof title, "Influence dimensions of MEP %lld", v);
        rc = ep_report_png_dimensions(inf, NULL, &b, err);
        if (rc == 0)
            rc = ep_artefacts_add(&a, EP_FMT_PNG, stem, title, &b, err);
        ep_buf_reset(&b);
    }
    if (rc == 0 && (fmts & EP_FMT_PDF)) {
        rc = ep_artefact_call(ctx, "get_mep_details", json_pack("{s:I}", "id", (json_int_t)v), &det,
                              err);
        if (rc == 0)
            rc = ep_report_pdf_scorecard(inf, det, rep, &b, err);
        snprintf(stem, sizeof stem, "scorecard-%lld", v);
        snprintf(title, sizeof title, "MEP scorecard %lld", v);
        if (rc == 0)
            rc = ep_artefacts_add(&a, EP_FMT_PDF, stem, title, &b, err);
        if (rc == 0)
            rc = json_object_set_new(rep, "pdf", json_pack("{s:b}", "available", 1))
                     ? ep_error_set(err, EP_ENOMEM, "out of memory")
                     : 0;
    }
    json_decref(inf);
    json_decref(det);
    ep_buf_free(&b);
    if (rc) {
        ep_artefacts_abort(&a);
        return rc;
    }
    return ep_artefacts_finish(&a, rep, err);
}

static int report(struct ep_tool_ctx *ctx, json_t *args, json_t **result, struct ep_error *err)
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
    int sitting = strcmp(kind, "sitting") == 0;
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
    json_t *ms = NULL;
    if (!out || !data) {
        rc = oom(err);
        goto out;
    }
    if (strcmp(kind, "mep") == 0) {
        char *end;
        long long v = strtoll(id, &end, 10);
        if (!*id || *end || v <= 0) {
            rc = ep_error_set(err, EP_EINVAL,
                              "argument \"id\": for kind \"mep\" give the MEP's numeric EP id, "
                              "got \"%s\"",
                              id);
            goto out;
        }
        rc = mep_analysis(&a, (int64_t)v, 1, REPORT_LIMIT, data, err);
        if (!rc)
            rc = finish(&a, data, 0, err);
        if (rc)
            goto out;
        ms = memberships(&a, (int64_t)v);
        md_mep(&md, data, ms);
        put(&b, data, "memberships", ms ? ms : json_array());
        ms = NULL;
    } else if (strcmp(kind, "group") == 0) {
        char code[16];
        rc = resolve_group(&a, "id", id, code, err);
        if (rc)
            goto out;
        rc = group_analysis(&a, code, 1, REPORT_LIMIT / 2, data, err);
        if (!rc)
            rc = finish(&a, data, 1, err);
        if (rc)
            goto out;
        md_group(&md, data);
    } else if (strcmp(kind, "sitting") == 0) {
        rc = sitting_report(&a, id, data, &md, err);
        if (!rc) {
            put(&b, data, "window", ep_tools_window_json(&a.tw, a.m));
            rc = b.bad ? oom(err) : ep_tools_add_provenance(a.s, data, err);
        }
        if (rc)
            goto out;
    } else {
        rc = ep_error_set(err, EP_EINVAL,
                          "argument \"kind\": must be one of \"mep\", \"group\", \"sitting\"");
        goto out;
    }
    md_coverage(&md, data);
    if (!md.data) {
        rc = oom(err);
        goto out;
    }
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
    json_decref(ms);
    json_decref(data);
    ep_buf_free(&md);
    an_close(&a);
    if (rc == 0 && fmts != EP_FMT_JSON)
        rc = render_report(ctx, args, fmts, out, err);
    if (rc) {
        json_decref(out);
        return rc;
    }
    *result = out;
    return 0;
}

/* ---- the rows -------------------------------------------------------------------------- */

#define AVAIL_SCHEMA                                                                               \
    "{\"type\":\"object\",\"required\":[\"available\"],\"properties\":{"                           \
    "\"available\":{\"type\":\"boolean\"},\"reason\":{\"type\":\"string\"},"                       \
    "\"value\":{\"type\":\"number\",\"minimum\":0,\"maximum\":1}}}"

#define VOTE_LIST_SCHEMA                                                                           \
    "{\"type\":\"object\",\"required\":[\"total\",\"items\",\"hasMore\"],\"properties\":{"         \
    "\"total\":{\"type\":\"integer\"},\"hasMore\":{\"type\":\"boolean\"},"                         \
    "\"items\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"vote_id\","      \
    "\"date\",\"title\"],\"properties\":{\"vote_id\":{\"type\":\"integer\"},"                      \
    "\"date\":{\"type\":\"string\"},\"title\":{\"type\":\"string\"}}}}}}"

static const char analyze_in[] =
    "{\"type\":\"object\",\"properties\":{"
    "\"mep_id\":{\"type\":\"integer\",\"minimum\":1,\"description\":\"EP id of the MEP "
    "(give this or group)\"},"
    "\"group\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"description\":\"Political "
    "group code, e.g. EPP, SD, RENEW, GREEN_EFA (give this or mep_id)\"},"
    "\"include_votes\":{\"type\":\"boolean\",\"default\":false,\"description\":\"List the votes "
    "behind the figures (defections, cross-party votes, abstentions, missed votes; for a "
    "group its least cohesive votes)\"},"
    "\"limit\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":500,\"default\":20,"
    "\"description\":\"Longest vote or member list returned\"}," EP_TOOLS_WINDOW_PROPS
    "},\"additionalProperties\":false}";

static const char analyze_out[] =
    "{\"type\":\"object\",\"required\":[\"kind\",\"subject\",\"window\",\"methodology\","
    "\"provenance\"],\"properties\":{"
    "\"kind\":{\"type\":\"string\",\"enum\":[\"mep\",\"group\"]},"
    "\"subject\":{\"type\":\"object\",\"required\":[\"type\"]},"
    "\"participation\":" AVAIL_SCHEMA ",\"loyalty\":" AVAIL_SCHEMA ",\"abstention\":" AVAIL_SCHEMA
    ",\"cross_party\":" AVAIL_SCHEMA ",\"cohesion\":{\"type\":\"object\",\"required\":["
    "\"available\"]},"
    "\"agreement\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"group\","
    "\"available\"]}},"
    "\"rebels\":{\"type\":\"object\",\"required\":[\"available\"]},"
    "\"defections\":" VOTE_LIST_SCHEMA ",\"cross_party_votes\":" VOTE_LIST_SCHEMA
    ",\"abstention_votes\":" VOTE_LIST_SCHEMA ",\"missed_votes\":" VOTE_LIST_SCHEMA
    ",\"votes\":" VOTE_LIST_SCHEMA ",\"window\":" EP_TOOLS_WINDOW_SCHEMA
    ",\"methodology\":{\"type\":\"object\"},\"provenance\":" EP_TOOLS_PROVENANCE_SCHEMA "}}";

static const char report_in[] =
    "{\"type\":\"object\",\"required\":[\"kind\",\"id\"],\"properties\":{"
    "\"kind\":{\"type\":\"string\",\"enum\":[\"mep\",\"group\",\"sitting\"],\"description\":"
    "\"What the report is about\"},"
    "\"id\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"description\":\"MEP id (e.g. "
    "\\\"197490\\\"), group code (e.g. \\\"EPP\\\") or sitting date "
    "(YYYY-MM-DD)\"}," EP_TOOLS_WINDOW_PROPS "," EP_ARTEFACT_FORMATS_PROP
    "},\"additionalProperties\":false}";

static const char report_out[] =
    "{\"type\":\"object\",\"required\":[\"kind\",\"id\",\"data\",\"markdown\",\"pdf\",\"window\","
    "\"methodology\",\"provenance\"],\"properties\":{"
    "\"kind\":{\"type\":\"string\",\"enum\":[\"mep\",\"group\",\"sitting\"]},"
    "\"id\":{\"type\":\"string\"},\"data\":{\"type\":\"object\"},"
    "\"markdown\":{\"type\":\"string\"},\"pdf\":" AVAIL_SCHEMA ",\"window\":" EP_TOOLS_WINDOW_SCHEMA
    ",\"methodology\":{\"type\":\"object\"},\"artefacts\":" EP_ARTEFACT_SCHEMA
    ",\"provenance\":" EP_TOOLS_PROVENANCE_SCHEMA "}}";

static const struct ep_tool rows[] = {
    {"analyze_voting_patterns", "Analyze voting patterns",
     "Voting behaviour of one MEP (mep_id) or one political group (group) over a window of "
     "roll-call votes. MEP: participation, loyalty to the own group, agreement with every group, "
     "cross-party votes and abstention share, each with its counts; include_votes lists the "
     "defections and cross-party votes. Group: cohesion (Agreement Index mean/median, Rice, "
     "Krippendorff's alpha), participation, agreement with every other group, the most "
     "rebellious members and abstention share. Figures without data are {available:false, "
     "reason}.",
     analyze_in, analyze_out, 1, 1, 0, 300, analyze},
    {"generate_report", "Generate a report",
     "A report on an MEP (id = EP id), a political group (id = group code) or a sitting (id = "
     "date): structured JSON (data) plus a readable Markdown rendering with tables of figures, "
     "defections, group breakdowns, data coverage and attribution. For kind \"mep\", formats "
     "[\"pdf\"] also renders the scorecard PDF and [\"png\"] the dimension chart; group and "
     "sitting reports are JSON and Markdown only.",
     report_in, report_out, 1, 1, 0, 300, report},
};

const struct ep_tool *ep_tools_analysis_rows(size_t *n)
{
    *n = sizeof rows / sizeof rows[0];
    return rows;
}
