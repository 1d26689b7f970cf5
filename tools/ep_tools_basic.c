/* ep_tools_basic: eight basic tools over the store. See ep_tools_basic.h.
 *
 * Hot paths read the positions snapshot (ep_tools_common.h) instead of the member_vote view, and
 * use indexed queries with bound parameters only: user text never becomes SQL text. */
#include "ep_tools_basic.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_env.h"
#include "ep_epapi.h"
#include "ep_mep_profile.h"
#include "ep_model.h"
#include "ep_query.h"
#include "ep_query_topics.h"
#include "ep_tools_common.h"
#include "ep_tools_toolkit.h"
#include "ep_tools_topics.h"
#include "ep_util.h"

/* JSON text without escaping: the preprocessor turns the tokens into a string literal. */

#define ANNOT 1, 1, 0

/* ---- small helpers ---------------------------------------------------------------------- */

static const char *sarg(json_t *a, const char *k)
{
    json_t *v = json_object_get(a, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static int iarg(json_t *a, const char *k, long long *out)
{
    json_t *v = json_object_get(a, k);
    if (!json_is_integer(v))
        return 0;
    *out = json_integer_value(v);
    return 1;
}

static int barg(json_t *a, const char *k, int *out)
{
    json_t *v = json_object_get(a, k);
    if (!json_is_boolean(v))
        return 0;
    *out = json_is_true(v);
    return 1;
}

/* Text column as a JSON string, null for NULL or "". */
static json_t *jtext(const struct ep_query_rows *q, int i)
{
    const char *t = ep_query_col_text(q, i);
    if (!t || !*t)
        return json_null();
    json_t *s = json_string(t);
    return s ? s : json_null();
}

static void put(json_t *o, const char *k, json_t *v, int *bad)
{
    if (!v || json_object_set_new(o, k, v))
        *bad = 1;
}

static int nomem(struct ep_error *err)
{
    return ep_error_set(err, EP_ENOMEM, "out of memory");
}

static int need_store(struct ep_tool_ctx *ctx, struct ep_error *err)
{
    if (!ctx || !ctx->store)
        return ep_error_set(err, EP_EUNAVAIL, "no store is open: run `epintel ingest` first");
    if (!ctx->env || ctx->env->store != ctx->store)
        return ep_error_set(err, EP_EINTERNAL,
                            "the call's analysis environment is missing or belongs to another "
                            "store");
    return 0;
}

/* The end of a tool that built *res (bad: a put failed): provenance added and the result
 * handed over (*res = NULL), or the error. */
static int finish_result(struct ep_tool_ctx *ctx, int bad, json_t **res, json_t **result,
                         struct ep_error *err)
{
    if (bad)
        return nomem(err);
    int rc = ep_tools_env_add_provenance(ctx->env, *res, err);
    if (rc)
        return rc;
    *result = *res;
    *res = NULL;
    return 0;
}

/* The start of every paged tool: the store, and offset/limit from the arguments. */
static int paged_call(struct ep_tool_ctx *ctx, json_t *args, struct ep_store **s, int *offset,
                      int *limit, struct ep_error *err)
{
    int rc = need_store(ctx, err);
    if (rc)
        return rc;
    *s = ctx->store;
    if (ep_tools_page_args(args, offset, limit))
        return ep_error_set(err, EP_EINVAL, "argument \"offset\"/\"limit\" out of range");
    return 0;
}

/* Finish a paged result: wrap items, add provenance. */
static int finish_page(struct ep_tool_ctx *ctx, const char *key, json_t *items, long total,
                       int offset, int limit, json_t **result, struct ep_error *err)
{
    json_t *o = ep_tools_page_result(key, items, total, offset, limit);
    if (!o)
        return nomem(err);
    int rc = ep_tools_env_add_provenance(ctx->env, o, err);
    if (rc) {
        json_decref(o);
        return rc;
    }
    *result = o;
    return 0;
}

static int date_range_check(const char *from, const char *to, struct ep_error *err)
{
    if (from && to && strcmp(from, to) > 0)
        return ep_error_set(err, EP_EINVAL,
                            "argument \"from\" (%s) is after \"to\" (%s): give from <= to", from,
                            to);
    return 0;
}

/* ==== get_meps ============================================================================ */

static int name_matches(const char *needle_folded, const struct ep_query_rows *q,
                        struct ep_buf *tmp)
{
    ep_buf_reset(tmp);
    const char *f = ep_query_col_text(q, EP_QMEP_FIRST);
    const char *l = ep_query_col_text(q, EP_QMEP_LAST);
    if (ep_tools_fold(f ? f : "", tmp) || ep_buf_putc(tmp, ' ') || ep_tools_fold(l ? l : "", tmp) ||
        ep_buf_putc(tmp, ' ') || ep_tools_fold(f ? f : "", tmp))
        return -1;
    return strstr(tmp->data, needle_folded) != NULL;
}

static json_t *terms_json(const char *csv)
{
    json_t *a = json_array();
    const char *p = csv;
    while (a && p && *p) {
        char *end;
        long t = strtol(p, &end, 10);
        if (end == p)
            break;
        if (json_array_append_new(a, json_integer(t))) {
            json_decref(a);
            return NULL;
        }
        p = *end == ',' ? end + 1 : end;
    }
    return a;
}

static int tool_get_meps(struct ep_tool_ctx *ctx, json_t *args, json_t **result,
                         struct ep_error *err)
{
    struct ep_store *s;
    int offset, limit;
    int rc = paged_call(ctx, args, &s, &offset, &limit, err);
    if (rc)
        return rc;
    const char *country = sarg(args, "country"), *group = sarg(args, "group");
    const char *active_on = sarg(args, "active_on"), *name = sarg(args, "name");
    char gcode[64];
    if (group) {
        rc = ep_tools_env_resolve_group(ctx->env, "group", group, gcode, sizeof gcode, err);
        if (rc)
            return rc;
        group = gcode;
    }
    long long term = 0;
    int has_term = iarg(args, "term", &term);
    struct ep_query_rows *q = NULL;
    json_t *items = json_array();
    struct ep_buf needle, tmp;
    ep_buf_init(&needle, 0);
    ep_buf_init(&tmp, 0);
    long total = 0;
    if (!items) {
        rc = nomem(err);
        goto out;
    }
    if (name && ep_tools_fold(name, &needle)) {
        rc = nomem(err);
        goto out;
    }
    int64_t t64 = term;
    rc = ep_query_meps(s, active_on, has_term ? &t64 : NULL, country, &q, err);
    if (rc)
        goto out;
    int st;
    while ((st = ep_query_rows_next(q, err)) > 0) {
        const char *g = ep_query_col_text(q, EP_QMEP_GROUP);
        if ((active_on || has_term) && !g)
            continue;
        if (group && (!g || strcmp(g, group) != 0))
            continue;
        if (name) {
            int hit = name_matches(needle.data, q, &tmp);
            if (hit < 0) {
                rc = nomem(err);
                goto out;
            }
            if (!hit)
                continue;
        }
        total++;
        if (total <= offset || (long)json_array_size(items) >= limit)
            continue;
        json_t *o = json_object();
        int bad = !o;
        if (o) {
            put(o, "id", json_integer(ep_query_col_int(q, EP_QMEP_ID)), &bad);
            put(o, "first_name", jtext(q, EP_QMEP_FIRST), &bad);
            put(o, "last_name", jtext(q, EP_QMEP_LAST), &bad);
            put(o, "country", jtext(q, EP_QMEP_COUNTRY), &bad);
            put(o, "date_of_birth", jtext(q, EP_QMEP_BIRTH), &bad);
            put(o, "group", jtext(q, EP_QMEP_GROUP), &bad);
            put(o, "terms", terms_json(ep_query_col_text(q, EP_QMEP_TERMS)), &bad);
            put(o, "current", json_boolean(ep_query_col_int(q, EP_QMEP_CURRENT) != 0), &bad);
        }
        if (bad || json_array_append_new(items, o)) {
            if (bad)
                json_decref(o);
            rc = nomem(err);
            goto out;
        }
    }
    if (st < 0) {
        rc = st;
        goto out;
    }
    rc = finish_page(ctx, "meps", items, total, offset, limit, result, err);
    items = NULL;
out:
    ep_query_rows_close(q);
    json_decref(items);
    ep_buf_free(&needle);
    ep_buf_free(&tmp);
    return rc;
}

/* ==== get_mep_details ===================================================================== */

static int real_ok(json_t *o, const char *k, double v, int *bad)
{
    if (!isfinite(v)) {
        *bad = 1;
        return -1;
    }
    put(o, k, json_real(v), bad);
    return 0;
}

#define MEP_NOT_IN_MEMBERS                                                                         \
    EP_TOOLS_MEP_UNNAMED " (from_votes); whether the mandate is current is unknown"
#define MEP_NAMED_BY_RCV                                                                           \
    "named as printed in the roll-call XML (last_name): not in HowTheyVote.eu members.csv or the " \
    "EP API's MEP list, so first name, country, date of birth and contacts are unknown; what the " \
    "votes say is in from_votes"

/* Owned text as a JSON string, null when NULL. */
static json_t *jstr_or_null(const char *t)
{
    json_t *s = t ? json_string(t) : NULL;
    return s ? s : json_null();
}

/* A date ("" = none) as a JSON string or null. */
static json_t *jdate(const char *d)
{
    return ep_tools_window_date(d);
}

static json_t *profile_mep_json(const struct ep_mep_profile *r, int *bad)
{
    const struct ep_query_mep_profile *w = &r->row;
    json_t *o = json_object();
    if (!o) {
        *bad = 1;
        return NULL;
    }
    put(o, "id", json_integer(r->id), bad);
    const char *const keys[] = {"first_name",    "last_name", "country",  "country_label",
                                "date_of_birth", "email",     "facebook", "twitter"};
    const char *const vals[] = {w->first_name,    w->last_name, w->country,  w->country_label,
                                w->date_of_birth, w->email,     w->facebook, w->twitter};
    for (int k = 0; k < 8; k++)
        put(o, keys[k], jstr_or_null(vals[k]), bad);
    put(o, "current_group", jstr_or_null(w->current_group), bad);
    /* current = an open membership; unknown (null) when no membership is stored */
    put(o, "current", w->in_memberships ? json_boolean(w->has_current) : json_null(), bad);
    if (r->show_from_votes) {
        put(o, "note", json_string(w->in_members ? MEP_NAMED_BY_RCV : MEP_NOT_IN_MEMBERS), bad);
        put(o, "from_votes",
            json_pack("{s:i, s:o, s:o, s:o}", "votes", r->from_votes, "first",
                      jdate(r->from_votes_first), "last", jdate(r->from_votes_last), "last_group",
                      r->from_votes_group[0] ? json_string(r->from_votes_group) : json_null()),
            bad);
    }
    return o;
}

static json_t *profile_memberships_json(const struct ep_mep_profile *r, int *bad)
{
    json_t *arr = json_array();
    for (size_t k = 0; arr && k < r->n_memberships; k++) {
        const struct ep_query_membership *m = &r->memberships[k];
        json_t *e = json_object();
        if (!e) {
            *bad = 1;
            break;
        }
        put(e, "group", m->group[0] ? json_string(m->group) : json_null(), bad);
        put(e, "group_label", jstr_or_null(m->group_label), bad);
        put(e, "term", m->has_term ? json_integer(m->term) : json_null(), bad);
        put(e, "start", jdate(m->start), bad);
        put(e, "end", jdate(m->end), bad);
        if (json_array_append_new(arr, e))
            *bad = 1;
    }
    if (!arr)
        *bad = 1;
    return arr;
}

static json_t *profile_figures_json(const struct ep_mep_profile *r, int loyalty, int *bad)
{
    const struct ep_measure *x = loyalty ? &r->loyalty : &r->participation;
    if (!x->ok)
        return ep_tools_unavailable(x->reason);
    json_t *o;
    if (!loyalty)
        o = json_pack("{s:b,s:i,s:i,s:i,s:i,s:i,s:i}", "available", 1, "eligible", r->eligible,
                      "cast", r->cast, "for", r->n_for, "against", r->n_against, "abstention",
                      r->n_abst, "did_not_vote", r->n_dnv);
    else {
        json_t *ids = json_array();
        for (int k = 0; ids && k < r->n_defection_ids; k++)
            if (json_array_append_new(ids, json_integer(r->defection_ids[k])))
                *bad = 1;
        o = json_pack("{s:b,s:i,s:i,s:i,s:i,s:o}", "available", 1, "loyalty_votes",
                      r->loyalty_votes, "matching", r->matching, "defections", r->defections,
                      "tie_votes", r->ties, "defection_vote_ids", ids);
    }
    if (o)
        real_ok(o, "value", x->value, bad);
    return o;
}

/* get_mep_details' result for the parameters (the store and environment checked). */
static int mep_details(struct ep_tool_ctx *ctx, const struct ep_mep_profile_params *pp,
                       json_t **result, struct ep_error *err)
{
    struct ep_mep_profile r;
    int rc = ep_mep_profile_compute(&ctx->env->positions, ctx->store, pp, &r, err);
    if (rc)
        return rc;
    int bad = 0;
    json_t *res = json_object();
    if (!res) {
        ep_mep_profile_free(&r);
        return nomem(err);
    }
    put(res, "mep", profile_mep_json(&r, &bad), &bad);
    put(res, "memberships", profile_memberships_json(&r, &bad), &bad);
    /* window actually covered: first and last day of its votes, as every tool's window */
    put(res, "window",
        json_pack("{s:o, s:o, s:i}", "from", jdate(r.from), "to", jdate(r.to), "votes", r.votes),
        &bad);
    put(res, "participation", profile_figures_json(&r, 0, &bad), &bad);
    put(res, "loyalty", profile_figures_json(&r, 1, &bad), &bad);
    ep_mep_profile_free(&r);
    rc = finish_result(ctx, bad, &res, result, err);
    json_decref(res);
    return rc;
}

int ep_tools_mep_details_result(struct ep_tool_ctx *ctx, int64_t id, json_t **result,
                                struct ep_error *err)
{
    *result = NULL;
    int rc = need_store(ctx, err);
    if (rc)
        return rc;
    struct ep_mep_profile_params pp = {.id = id};
    return mep_details(ctx, &pp, result, err);
}

static int tool_get_mep_details(struct ep_tool_ctx *ctx, json_t *args, json_t **result,
                                struct ep_error *err)
{
    int rc = need_store(ctx, err);
    if (rc)
        return rc;
    long long id = 0;
    iarg(args, "id", &id);
    struct ep_mep_profile_params pp = {
        .id = id, .from = sarg(args, "from"), .to = sarg(args, "to")};
    rc = date_range_check(pp.from, pp.to, err);
    if (rc)
        return rc;
    return mep_details(ctx, &pp, result, err);
}

/* ==== get_plenary_sessions ================================================================ */

static json_t *sitting_json(const struct ep_positions *p, const struct ep_query_sitting *e,
                            struct ep_query *ref)
{
    json_t *o = json_object();
    int bad = !o;
    if (!o)
        return NULL;
    int term = ep_tools_term_of(e->date);
    put(o, "date", json_string(e->date), &bad);
    put(o, "term", term ? json_integer(term) : json_null(), &bad);
    char ref_text[256];
    int has_ref = ep_query_sitting_ref(ref, e->date, ref_text, sizeof ref_text, NULL) == 1;
    put(o, "ep_reference", has_ref ? json_string(ref_text) : json_null(), &bad);
    put(o, "votes", json_integer(e->votes), &bad);
    put(o, "main_votes", e->main_known ? json_integer(e->main_votes) : json_null(), &bad);
    put(o, "main_votes_known", json_integer(e->main_known), &bad);
    put(o, "votes_with_positions", json_integer(e->with_positions), &bad);
    int d = ep_positions_day_index(p, e->date);
    json_t *att;
    char why[600];
    if (d >= 0 && p->days[d].dnv_unknown > 0) {
        ep_tools_dnv_reason(why, sizeof why, p->days[d].dnv_unknown, p->days[d].n_votes);
        att = ep_tools_unavailable(why);
    } else if (d >= 0 && p->days[d].mandate > 0) {
        att = json_pack("{s:b,s:i,s:i}", "available", 1, "present", p->days[d].present, "mandate",
                        p->days[d].mandate);
        if (att)
            real_ok(att, "value", (double)p->days[d].present / (double)p->days[d].mandate, &bad);
    } else {
        att = ep_tools_unavailable(
            "no per-MEP roll-call positions are stored for this sitting (the bundled data has "
            "them for 7 sittings; add the sitting's EP roll-call XML with `epintel ingest`)");
    }
    put(o, "attendance", att, &bad);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int tool_get_plenary_sessions(struct ep_tool_ctx *ctx, json_t *args, json_t **result,
                                     struct ep_error *err)
{
    struct ep_store *s;
    int offset, limit;
    int rc = paged_call(ctx, args, &s, &offset, &limit, err);
    if (rc)
        return rc;
    const char *from = sarg(args, "from"), *to = sarg(args, "to"), *order = sarg(args, "order");
    int wp = -1;
    if (!barg(args, "with_positions", &wp))
        wp = -1;
    int desc = !order || strcmp(order, "desc") == 0;
    rc = date_range_check(from, to, err);
    if (rc)
        return rc;
    struct ep_positions *p = NULL;
    struct ep_query *ref = NULL;
    json_t *items = json_array();
    if (!items)
        return nomem(err);
    rc = ep_tools_pos_acquire(ctx->env, &p, err);
    if (rc)
        goto out;
    rc = ep_query_open(s, &ref, err);
    if (rc)
        goto out;
    long total = 0;
    for (int k = 0; k < p->n_sittings; k++) {
        const struct ep_query_sitting *e = &p->sittings[desc ? p->n_sittings - 1 - k : k];
        if ((from && strcmp(e->date, from) < 0) || (to && strcmp(e->date, to) > 0))
            continue;
        if (wp >= 0 && (e->with_positions > 0) != wp)
            continue;
        total++;
        if (total <= offset || (long)json_array_size(items) >= limit)
            continue;
        json_t *o = sitting_json(p, e, ref);
        if (!o || json_array_append_new(items, o)) {
            rc = nomem(err);
            goto out;
        }
    }
    rc = finish_page(ctx, "sittings", items, total, offset, limit, result, err);
    items = NULL;
out:
    ep_query_close(ref);
    ep_tools_pos_release(p);
    json_decref(items);
    return rc;
}

/* ==== votes: shared row -> JSON ============================================================ */

struct vote_opts {
    int positions; /* add every MEP's position */
    long long mep; /* > 0: add that MEP's position */
    char (*country)[8]; /* by_country: each MEP's country (ep_tools_toolkit.h), owned */
};

static json_t *positions_json(const struct ep_positions *p, int v)
{
    const struct ep_matrix *m = &p->m;
    json_t *arr = json_array();
    const uint8_t *pos = m->pos + (size_t)v * (size_t)m->n_mep;
    const uint8_t *grp = m->grp + (size_t)v * (size_t)m->n_mep;
    for (int i = 0; arr && i < m->n_mep; i++) {
        const char *name = ep_tools_pos_name(pos[i]);
        if (!name)
            continue;
        json_t *o = json_pack("{s:I,s:s?,s:s}", "mep_id", (json_int_t)m->mep_id[i], "group",
                              grp[i] < m->n_grp ? m->grp_code[grp[i]] : NULL, "position", name);
        if (!o || json_array_append_new(arr, o)) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

static json_t *mep_position_json(const struct ep_positions *p, int v, long long mep)
{
    const struct ep_matrix *m = &p->m;
    int i = m->n_mep ? ep_matrix_mep_index(m, mep) : -1;
    size_t cell = (size_t)v * (size_t)m->n_mep + (size_t)(i < 0 ? 0 : i);
    int pos = i < 0 ? EP_POS_NONE : m->pos[cell];
    const char *name = ep_tools_pos_name(pos);
    int g = i < 0 ? EP_GRP_NONE : m->grp[cell];
    const char *gname = g < m->n_grp ? m->grp_code[g] : NULL;
    json_t *gp = json_null();
    if (gname) {
        const struct ep_positions_counts *c = &p->counts[(size_t)v * (size_t)m->n_grp + (size_t)g];
        json_decref(gp);
        gp = json_string(ep_tools_gpos_name(ep_tools_group_position(c->y, c->n, c->a)));
    }
    return json_pack("{s:I,s:s?,s:s,s:o}", "mep_id", (json_int_t)mep, "group", gname, "position",
                     name ? name : "NOT_AN_MEP", "group_position", gp);
}

/* Text column i, else column j (a vote's HowTheyVote text, else the roll-call XML's). */
static json_t *jtext_or(const struct ep_query_rows *q, int i, int j)
{
    const char *t = ep_query_col_text(q, i);
    return t && *t ? jtext(q, i) : jtext(q, j);
}

/* The document reference that starts a roll-call description ("A9-0050/2023 – Jessica
 * Polfjärd – ...", "RC-B9-0124/2024 – Recital H/1") into out, or "" when it does not start with
 * one ("Wednesday's agenda – ..."). */
static void rcv_reference(const char *d, char out[32])
{
    out[0] = 0;
    if (!d)
        return;
    const char *p = d;
    if (strncmp(p, "RC-", 3) == 0)
        p += 3;
    if (!(p[0] >= 'A' && p[0] <= 'C') || !isdigit((unsigned char)p[1]))
        return;
    p++;
    while (isdigit((unsigned char)*p))
        p++;
    if (*p++ != '-')
        return;
    for (int k = 0; k < 4; k++)
        if (!isdigit((unsigned char)*p++))
            return;
    if (*p++ != '/')
        return;
    for (int k = 0; k < 4; k++)
        if (!isdigit((unsigned char)*p++))
            return;
    if (*p && *p != ' ' && *p != ',')
        return;
    size_t n = (size_t)(p - d);
    if (n >= 32)
        return;
    memcpy(out, d, n);
    out[n] = 0;
}

/* Reasons for the vote fields that the stored sources leave unknown (shown as null). */
#define WHY_MAIN                                                                                   \
    "not in the stored sources: HowTheyVote.eu's votes table says which vote is the main one, "    \
    "the roll-call XML does not"
#define WHY_RESULT                                                                                 \
    "no result is stored for this vote (HowTheyVote.eu's votes table gives results from 2024; "    \
    "the roll-call XML has none)"
#define WHY_COUNT                                                                                  \
    "no official count is stored (HowTheyVote.eu's votes table has them; the roll-call XML "       \
    "lists cast votes only, so it gives no did-not-vote count)"

static json_t *count_or_null(const struct ep_query_rows *q, int i)
{
    return ep_query_col_is_null(q, i) ? json_null() : json_integer(ep_query_col_int(q, i));
}

static json_t *vote_json(const struct ep_query_rows *q, const struct ep_positions *p,
                         const struct vote_opts *vo)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    int bad = 0;
    int64_t id = ep_query_col_int(q, EP_QV_ID);
    put(o, "id", json_integer(id), &bad);
    put(o, "timestamp", jtext(q, EP_QV_TIMESTAMP), &bad);
    put(o, "sitting_date", jtext(q, EP_QV_SITTING), &bad);
    /* HowTheyVote's text, else the roll-call XML's (title, description, and the document
     * reference its description starts with) */
    put(o, "title", jtext_or(q, EP_QV_TITLE, EP_QV_RCV_TITLE), &bad);
    put(o, "description", jtext_or(q, EP_QV_DESCRIPTION, EP_QV_RCV_DESCRIPTION), &bad);
    const char *ref = ep_query_col_text(q, EP_QV_REFERENCE);
    char rref[32] = "";
    if (!ref || !*ref)
        rcv_reference(ep_query_col_text(q, EP_QV_RCV_DESCRIPTION), rref);
    put(o, "reference",
        ref && *ref ? jtext(q, EP_QV_REFERENCE)
        : rref[0]   ? json_string(rref)
                    : json_null(),
        &bad);
    const char *pr = ep_query_col_text(q, EP_QV_PROC_REF);
    if (pr && *pr) {
        json_t *proc = json_object();
        if (proc) {
            put(proc, "reference", jtext(q, EP_QV_PROC_REF), &bad);
            put(proc, "title", jtext(q, EP_QV_PROC_TITLE), &bad);
            put(proc, "type", jtext(q, EP_QV_PROC_TYPE), &bad);
            put(proc, "stage", jtext(q, EP_QV_PROC_STAGE), &bad);
        }
        put(o, "procedure", proc, &bad);
    } else {
        put(o, "procedure", json_null(), &bad);
    }
    put(o, "result", jtext(q, EP_QV_RESULT), &bad);
    int main_known = !ep_query_col_is_null(q, EP_QV_IS_MAIN);
    put(o, "is_main",
        main_known ? json_boolean(ep_query_col_int(q, EP_QV_IS_MAIN) != 0) : json_null(), &bad);
    put(o, "counts",
        json_pack("{s:o,s:o,s:o,s:o}", "for", count_or_null(q, EP_QV_FOR), "against",
                  count_or_null(q, EP_QV_AGAINST), "abstention", count_or_null(q, EP_QV_ABSTENTION),
                  "did_not_vote", count_or_null(q, EP_QV_DID_NOT_VOTE)),
        &bad);
    /* unknown is null with its reason */
    static const char *const cname[] = {"counts.for", "counts.against", "counts.abstention",
                                        "counts.did_not_vote"};
    json_t *unk = json_object();
    if (!main_known)
        put(unk, "is_main", json_string(WHY_MAIN), &bad);
    if (!ep_query_col_text(q, EP_QV_RESULT) || !*ep_query_col_text(q, EP_QV_RESULT))
        put(unk, "result", json_string(WHY_RESULT), &bad);
    for (int k = 0; k < 4; k++)
        if (ep_query_col_is_null(q, EP_QV_FOR + k))
            put(unk, cname[k], json_string(WHY_COUNT), &bad);
    if (unk && json_object_size(unk))
        put(o, "unknown", unk, &bad);
    else
        json_decref(unk);
    int v = ep_query_col_int(q, EP_QV_HAS_POSITIONS) ? ep_positions_vote_index(p, id) : -1;
    put(o, "has_positions", json_boolean(v >= 0), &bad);
    put(o, "groups", v >= 0 ? ep_tools_breakdown_json(p, v) : json_null(), &bad);
    if (vo && vo->positions)
        put(o, "positions", v >= 0 ? positions_json(p, v) : json_null(), &bad);
    if (vo && vo->mep > 0)
        put(o, "mep_position", v >= 0 ? mep_position_json(p, v, vo->mep) : json_null(), &bad);
    if (vo && vo->country)
        put(o, "countries",
            v >= 0 ? ep_tools_country_breakdown_json(p, v, (const char(*)[8])vo->country)
                   : json_null(),
            &bad);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int member_exists(struct ep_env *env, long long id, struct ep_error *err)
{
    int k = ep_tools_env_mep_known(env, id, err);
    if (k > 0)
        return 0;
    if (k == 0)
        return ep_error_set(err, EP_ENOTFOUND,
                            "argument \"mep_id\": no MEP with id %lld; search "
                            "with get_meps",
                            id);
    return k;
}

/* ==== get_voting_records ================================================================== */

/* Longer than the 4095 characters ISO C guarantees for one literal: joined at start-up. */
/* The filters of get_voting_records from its arguments (strings borrowed from args). */
static int votes_filter(json_t *args, json_t *given, struct ep_query_vote_filter *f,
                        struct vote_opts *vo, int *limit, struct ep_error *err)
{
    const char *include = sarg(args, "include");
    if (include && strcmp(include, "positions") == 0) {
        vo->positions = 1;
        /* the schema's limit default (50) is for rows without positions: the caller's, if any */
        if (!json_object_get(given ? given : args, "limit"))
            *limit = 20;
        else if (*limit > 20)
            return ep_error_set(err, EP_EINVAL,
                                "argument \"limit\": must be at most 20 with include=positions "
                                "(every MEP's position is about 700 entries per vote), got %d",
                                *limit);
    }
    iarg(args, "mep_id", &vo->mep);
    f->sitting = sarg(args, "sitting");
    f->from = sarg(args, "from");
    f->to = sarg(args, "to");
    f->procedure = sarg(args, "procedure");
    f->result = sarg(args, "result");
    long long vote_id = 0;
    f->has_vote_id = iarg(args, "vote_id", &vote_id);
    f->vote_id = vote_id;
    barg(args, "main_only", &f->main_only);
    if (!barg(args, "with_positions", &f->with_positions))
        f->with_positions = -1;
    return date_range_check(f->from, f->to, err);
}

static int tool_get_voting_records(struct ep_tool_ctx *ctx, json_t *args, json_t **result,
                                   struct ep_error *err)
{
    struct ep_store *s;
    int offset, limit;
    int rc = paged_call(ctx, args, &s, &offset, &limit, err);
    if (rc)
        return rc;
    struct vote_opts vo = {0};
    struct ep_query_vote_filter f = {0};
    const char *keyword = sarg(args, "keyword"), *order = sarg(args, "order");
    rc = votes_filter(args, ctx->args_given, &f, &vo, &limit, err);
    if (rc)
        return rc;
    if (vo.mep > 0 && (rc = member_exists(ctx->env, vo.mep, err)))
        return rc;
    struct ep_buf match;
    ep_buf_init(&match, 0);
    struct ep_query_rows *q = NULL;
    struct ep_positions *p = NULL;
    json_t *items = json_array();
    long total = 0;
    if (!items) {
        rc = nomem(err);
        goto out;
    }
    if (keyword && ep_tools_fts_query(keyword, 0, &match) == 0) {
        rc = finish_page(ctx, "votes", items, 0, offset, limit, result, err);
        items = NULL;
        if (!rc && json_object_set_new(*result, "note",
                                       json_string("the keyword has no searchable words (letters "
                                                   "or digits); nothing matched")))
            rc = nomem(err);
        goto out;
    }
    f.match = keyword ? match.data : NULL;
    rc = ep_query_votes_count(s, &f, &total, err);
    if (!rc)
        rc = ep_tools_pos_acquire(ctx->env, &p, err);
    int by_country = 0;
    if (!rc && barg(args, "by_country", &by_country) && by_country)
        rc = ep_tools_positions_countries(s, p, &vo.country, err);
    if (!rc)
        rc = ep_query_votes(s, &f, order && strcmp(order, "asc") == 0, limit, offset, &q, err);
    if (rc)
        goto out;
    while ((rc = ep_query_rows_next(q, err)) > 0) {
        json_t *o = vote_json(q, p, &vo);
        if (!o || json_array_append_new(items, o)) {
            rc = nomem(err);
            goto out;
        }
    }
    if (rc)
        goto out;
    if (f.has_vote_id && total == 0 && !f.sitting && !f.from && !f.to && !f.procedure &&
        !f.result && !keyword && !f.main_only && f.with_positions < 0) {
        rc = ep_error_set(err, EP_ENOTFOUND,
                          "argument \"vote_id\": no vote with id %lld; find votes with "
                          "search_documents or get_voting_records filters",
                          (long long)f.vote_id);
        goto out;
    }
    rc = finish_page(ctx, "votes", items, total, offset, limit, result, err);
    items = NULL;
out:
    free(vo.country);
    ep_query_rows_close(q);
    ep_tools_pos_release(p);
    json_decref(items);
    ep_buf_free(&match);
    return rc;
}

/* ==== search_documents ==================================================================== */

static int tool_search_documents(struct ep_tool_ctx *ctx, json_t *args, json_t **result,
                                 struct ep_error *err)
{
    struct ep_store *s;
    int offset, limit;
    int rc = paged_call(ctx, args, &s, &offset, &limit, err);
    if (rc)
        return rc;
    const char *text = sarg(args, "query"), *kind = sarg(args, "kind"), *m = sarg(args, "match");
    struct ep_buf match;
    ep_buf_init(&match, 0);
    struct ep_query_rows *q = NULL;
    json_t *items = json_array();
    long total = 0;
    const char *note = NULL;
    if (!items) {
        rc = nomem(err);
        goto out;
    }
    int terms = ep_tools_fts_query(text, m && strcmp(m, "any") == 0, &match);
    if (terms == 0) {
        note = "the query has no searchable words (letters or digits); nothing matched";
    } else {
        rc = ep_query_search_count(s, match.data, kind, &total, err);
        if (!rc)
            rc = ep_query_search(s, match.data, kind, limit, offset, &q, err);
        if (rc)
            goto out;
        while ((rc = ep_query_rows_next(q, err)) > 0) {
            json_t *o = json_object();
            int bad = !o;
            double score = -ep_query_col_double(q, EP_QS_RANK);
            if (!isfinite(score))
                score = 0;
            if (o) {
                put(o, "kind", jtext(q, EP_QS_KIND), &bad);
                const char *ref = ep_query_col_text(q, EP_QS_REF);
                put(o, "ref", json_string(ref ? ref : ""), &bad);
                put(o, "title", jtext(q, EP_QS_TITLE), &bad);
                const char *sn = ep_query_col_text(q, EP_QS_SNIPPET);
                put(o, "snippet", json_string(sn ? sn : ""), &bad);
                put(o, "score", json_real(score), &bad);
                put(o, "date", jtext(q, EP_QS_DATE), &bad);
            }
            if (bad || json_array_append_new(items, o)) {
                if (bad)
                    json_decref(o);
                rc = nomem(err);
                goto out;
            }
        }
        if (rc)
            goto out;
    }
    json_t *res = NULL;
    rc = finish_page(ctx, "hits", items, total, offset, limit, &res, err);
    items = NULL;
    if (rc)
        goto out;
    if (json_object_set_new(res, "match_expression", json_string(match.data ? match.data : "")) ||
        (note && json_object_set_new(res, "note", json_string(note)))) {
        json_decref(res);
        rc = nomem(err);
        goto out;
    }
    *result = res;
out:
    ep_query_rows_close(q);
    json_decref(items);
    ep_buf_free(&match);
    return rc;
}

/* ==== get_committee_info ================================================================== */

/* get_committee_info's "members": the committee's stored memberships (every date) when a code
 * is given, the store's counts otherwise; unavailable when the store holds none. */
static int committee_members_json(struct ep_store *s, const char *code, json_t **out,
                                  struct ep_error *err)
{
    long total = 0, unknown = 0;
    int rc = ep_query_committee_membership_count(s, &total, &unknown, err);
    if (rc)
        return rc;
    if (total == 0) {
        *out = ep_tools_unavailable("committee memberships and roles are not in the store: the "
                                    "bundled HowTheyVote.eu data has no committee rosters; they "
                                    "come from the EP Open Data API sync (meps/{id} memberships "
                                    "with COMMITTEE_PARLIAMENTARY_STANDING)");
        return *out ? EP_OK : nomem(err);
    }
    if (!code) {
        *out = json_pack("{s:b, s:I, s:I, s:s}", "available", 1, "memberships",
                         (json_int_t)total, "unknown_committee", (json_int_t)unknown, "note",
                         "give a committee code to list its members");
        return *out ? EP_OK : nomem(err);
    }
    struct ep_cmember *rows = NULL;
    int n = 0;
    if ((rc = ep_query_committee_members(s, code, 0, NULL, NULL, &rows, &n, err)))
        return rc;
    json_t *items = json_array();
    int bad = !items;
    for (int k = 0; k < n && !bad; k++)
        bad = json_array_append_new(items, ep_tools_cmember_json(&rows[k])) != 0;
    free(rows);
    *out = bad ? NULL
               : json_pack("{s:b, s:i, s:o}", "available", 1, "memberships", n, "items",
                           items);
    if (bad)
        json_decref(items);
    return *out ? EP_OK : nomem(err);
}

static int tool_get_committee_info(struct ep_tool_ctx *ctx, json_t *args, json_t **result,
                                   struct ep_error *err)
{
    int rc = need_store(ctx, err);
    if (rc)
        return rc;
    struct ep_store *s = ctx->store;
    const char *code = sarg(args, "code");
    struct ep_query_rows *q = NULL;
    json_t *items = json_array(), *res = NULL;
    if (!items)
        return nomem(err);
    rc = ep_query_committees(s, code, &q, err);
    if (rc)
        goto out;
    int st;
    while ((st = ep_query_rows_next(q, err)) > 0) {
        json_t *o = json_object();
        int bad = !o;
        if (o) {
            put(o, "code", jtext(q, EP_QC_CODE), &bad);
            put(o, "label", jtext(q, EP_QC_LABEL), &bad);
            put(o, "abbreviation", jtext(q, EP_QC_ABBREVIATION), &bad);
        }
        if (bad || json_array_append_new(items, o)) {
            if (bad)
                json_decref(o);
            rc = nomem(err);
            goto out;
        }
    }
    if (st < 0) {
        rc = st;
        goto out;
    }
    if (code && json_array_size(items) == 0) {
        rc = ep_error_set(err, EP_ENOTFOUND,
                          "argument \"code\": no committee \"%s\"; call get_committee_info "
                          "without a code to list them",
                          code);
        goto out;
    }
    size_t n = json_array_size(items);
    res = json_object();
    int bad = !res;
    if (res) {
        put(res, "committees", items, &bad);
        items = NULL;
        put(res, "total", json_integer((json_int_t)n), &bad);
        json_t *members = NULL;
        rc = committee_members_json(s, code, &members, err);
        if (rc)
            goto out;
        put(res, "members", members, &bad);
    }
    rc = finish_result(ctx, bad, &res, result, err);
out:
    ep_query_rows_close(q);
    json_decref(items);
    json_decref(res);
    return rc;
}

/* ==== get_parliamentary_questions ========================================================= */

/* Shape (schema 5, filled by `epintel sync --only questions`, engine/ep_epapi.c):
 *   question(id TEXT, date TEXT, title TEXT, author_id INTEGER, addressee TEXT,
 *            answer_date TEXT, answer_id TEXT, question_type TEXT, unit_id INTEGER)
 *   question_author(question_id TEXT, member_id INTEGER, unit_id INTEGER)
 * answered = an answer is linked (answer_id) or dated. */
static const char q_unavail[] =
    "the store has no parliamentary questions: the bundled dataset (HowTheyVote.eu votes and EP "
    "roll-call files) does not include them. They come from the EP Open Data API "
    "(parliamentary-questions); run `epintel sync questions` to fetch them into the store, then "
    "call this tool again";

static int tool_get_parliamentary_questions(struct ep_tool_ctx *ctx, json_t *args, json_t **result,
                                            struct ep_error *err)
{
    struct ep_store *s;
    int offset, limit;
    int rc = paged_call(ctx, args, &s, &offset, &limit, err);
    if (rc)
        return rc;
    long long mep = 0;
    int has_mep = iarg(args, "mep_id", &mep);
    int64_t author = mep;
    struct ep_query_question_filter f = {.author = has_mep ? &author : NULL,
                                         .from = sarg(args, "from"),
                                         .to = sarg(args, "to"),
                                         .keyword = sarg(args, "keyword")};
    rc = date_range_check(f.from, f.to, err);
    if (rc)
        return rc;
    /* no table (an older schema) or an empty one: the data has to be fetched first */
    if (ep_query_questions_stored(s) == 0)
        return ep_error_set(err, EP_EUNAVAIL, "%s", q_unavail);
    struct ep_query_rows *q = NULL;
    long total = 0;
    json_t *items = json_array();
    if (!items)
        return nomem(err);
    rc = ep_query_questions_count(s, &f, &total, err);
    if (!rc)
        rc = ep_query_questions(s, &f, limit, offset, &q, err);
    if (rc)
        goto out;
    while ((rc = ep_query_rows_next(q, err)) > 0) {
        json_t *o = json_object();
        int bad = !o;
        if (o) {
            const char *id = ep_query_col_text(q, EP_QQ_ID);
            put(o, "id", json_string(id ? id : ""), &bad);
            put(o, "date", jtext(q, EP_QQ_DATE), &bad);
            put(o, "title", jtext(q, EP_QQ_TITLE), &bad);
            put(o, "author_id",
                ep_query_col_is_int(q, EP_QQ_AUTHOR)
                    ? json_integer(ep_query_col_int(q, EP_QQ_AUTHOR))
                    : json_null(),
                &bad);
            put(o, "addressee", jtext(q, EP_QQ_ADDRESSEE), &bad);
            put(o, "answer_date", jtext(q, EP_QQ_ANSWER_DATE), &bad);
            put(o, "answered", json_boolean(ep_query_col_int(q, EP_QQ_ANSWERED) != 0), &bad);
        }
        if (bad || json_array_append_new(items, o)) {
            if (bad)
                json_decref(o);
            rc = nomem(err);
            goto out;
        }
    }
    if (rc)
        goto out;
    rc = finish_page(ctx, "questions", items, total, offset, limit, result, err);
    items = NULL;
out:
    ep_query_rows_close(q);
    json_decref(items);
    return rc;
}

/* ==== track_legislation =================================================================== */

static int tool_track_legislation(struct ep_tool_ctx *ctx, json_t *args, json_t **result,
                                  struct ep_error *err)
{
    struct ep_store *s;
    int offset, limit;
    int rc = paged_call(ctx, args, &s, &offset, &limit, err);
    if (rc)
        return rc;
    const char *proc = sarg(args, "procedure");
    struct ep_query_rows *q = NULL;
    struct ep_positions *p = NULL;
    struct ep_query_procedure pr;
    json_t *items = NULL, *res = NULL, *head = NULL, *sum = NULL;
    rc = ep_query_procedure(s, proc, &pr, err);
    if (rc)
        return rc;
    long total = pr.votes;
    if (total == 0) {
        rc = ep_error_set(err, EP_ENOTFOUND,
                          "argument \"procedure\": no votes on procedure %s in the store (votes "
                          "2019-2025); find references with search_documents (e.g. the "
                          "file's title) or get_voting_records",
                          proc);
        goto out;
    }
    head = json_object();
    sum = json_object();
    int bad = !head || !sum;
    if (!bad) {
        put(head, "reference", json_string(proc), &bad);
        put(head, "title", jstr_or_null(pr.title), &bad);
        put(head, "type", jstr_or_null(pr.type), &bad);
        put(head, "stage", jstr_or_null(pr.stage), &bad);
        put(sum, "votes", json_integer(total), &bad);
        put(sum, "main_votes", json_integer(pr.main_votes), &bad);
        put(sum, "votes_with_positions", json_integer(pr.with_positions), &bad);
        put(sum, "adopted", json_integer(pr.adopted), &bad);
        put(sum, "rejected", json_integer(pr.rejected), &bad);
        put(sum, "without_result", json_integer(pr.without_result), &bad);
        put(sum, "first_date", jstr_or_null(pr.first_date), &bad);
        put(sum, "last_date", jstr_or_null(pr.last_date), &bad);
        put(sum, "latest_main_result", jstr_or_null(pr.latest_main_result), &bad);
    }
    items = json_array();
    if (bad || !items) {
        rc = nomem(err);
        goto out;
    }
    rc = ep_tools_pos_acquire(ctx->env, &p, err);
    if (!rc)
        rc = ep_query_procedure_votes(s, proc, limit, offset, &q, err);
    if (rc)
        goto out;
    while ((rc = ep_query_rows_next(q, err)) > 0) {
        json_t *o = vote_json(q, p, NULL);
        if (!o || json_array_append_new(items, o)) {
            rc = nomem(err);
            goto out;
        }
    }
    if (rc)
        goto out;
    res = ep_tools_page_result("timeline", items, total, offset, limit);
    items = NULL;
    if (!res) {
        rc = nomem(err);
        goto out;
    }
    put(res, "procedure", head, &bad);
    head = NULL;
    put(res, "summary", sum, &bad);
    sum = NULL;
    rc = finish_result(ctx, bad, &res, result, err);
out:
    ep_query_rows_close(q);
    ep_query_procedure_free(&pr);
    ep_tools_pos_release(p);
    json_decref(items);
    json_decref(res);
    json_decref(head);
    json_decref(sum);
    return rc;
}

/* ==== the table =========================================================================== */

static const struct ep_tool rows[] = {
    {"get_meps", "List MEPs",
     "Members of the European Parliament from the store, filtered by country (ISO alpha-3), "
     "political group, a date on which they held a mandate, term (9 or 10) and name "
     "(case- and accent-insensitive substring). Paged; sorted by last name. Each MEP has id, "
     "names, country, date of birth, group (on active_on, else the latest), terms and whether "
     "the mandate is current.",
     NULL, NULL, ANNOT, 3600, tool_get_meps},
    {"get_mep_details", "MEP profile, groups, participation and loyalty",
     "One MEP by EP id: profile, political-group membership history (group, term, start, end), "
     "and participation (cast / eligible votes) and loyalty (share of cast votes matching the "
     "group's non-tie position, group on the vote date) over the votes with per-MEP positions, "
     "with the counts behind each figure. Unavailable figures say why; they are never 0.",
     NULL, NULL, ANNOT, 3600, tool_get_mep_details},
    {"get_plenary_sessions", "Plenary sittings",
     "Plenary sitting days with roll-call votes in a date range: number of votes, main votes, "
     "votes with per-MEP positions, and attendance (MEPs with at least one cast vote / MEPs "
     "with a mandate that day) where positions are stored. Paged, latest first by default.",
     NULL, NULL, ANNOT, 3600, tool_get_plenary_sessions},
    {"get_voting_records", "Roll-call votes",
     "Roll-call votes filtered by sitting, date range, procedure reference, keyword (full text), "
     "result, vote id, main votes or votes with positions. Each vote has its official counts, "
     "procedure, result, and, where per-MEP positions exist, the per-group breakdown (Y, N, A, "
     "D, position, Agreement Index). include=positions adds every MEP's position (limit <= 20); "
     "mep_id adds one MEP's position on each vote. Paged, latest first by default.",
     NULL, NULL, ANNOT, 3600, tool_get_voting_records},
    {"search_documents", "Full-text search",
     "Ranked (bm25) full-text search over vote titles, descriptions and procedure titles and "
     "references (21,576 votes 2019-2025 in the bundled data) and, once synced from the EP "
     "API, document and adopted-text titles and references, with highlighted snippets. "
     "Query text is taken literally: quotes, parentheses and operators are not interpreted.",
     NULL, NULL, ANNOT, 3600, tool_search_documents},
    {"get_committee_info", "Parliamentary committees",
     "EP committees with codes and names, all or one by code, with their members, roles and dates "
     "where the store holds synced committee memberships (unavailable with the reason otherwise).",
     NULL, NULL, ANNOT, 3600, tool_get_committee_info},
    {"get_parliamentary_questions", "Parliamentary questions",
     "Written and oral parliamentary questions from the store, filtered by author, date range "
     "and title keyword. When the store has none, the call fails with a message saying how to "
     "obtain them (EP Open Data API sync).",
     NULL, NULL, ANNOT, 600, tool_get_parliamentary_questions},
    {"track_legislation", "Legislative procedure timeline",
     "The timeline of a legislative procedure's roll-call votes (e.g. 2022/0099(COD)) in time "
     "order, with stage, type, title, results, official counts, and the per-group positions "
     "where per-MEP positions exist, plus a summary. Paged.",
     NULL, NULL, ANNOT, 3600, tool_track_legislation},
};

const struct ep_tool *ep_tools_basic_rows(size_t *n)
{
    *n = sizeof rows / sizeof rows[0];
    return rows;
}
