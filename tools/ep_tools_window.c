#include "ep_tools_window.h"
#include "ep_tools_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_htv.h"
#include "ep_model.h"
#include "ep_query_topics.h"
#include "ep_tools.h"
#include "ep_util.h"

/* The topic filter arguments (at most one of them). */
static int topic_from_args(json_t *args, struct ep_tools_window *tw, struct ep_error *err)
{
    static const int kinds[] = {EP_TOPIC_SUBJECT, EP_TOPIC_CONCEPT, EP_TOPIC_COMMITTEE,
                                EP_TOPIC_GEO};
    const char *first = NULL;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        const char *name = ep_topic_kind_arg(kinds[i]);
        json_t *v = json_object_get(args, name);
        if (!v || json_is_null(v))
            continue;
        const char *code = json_string_value(v);
        if (first)
            return ep_error_set(err, EP_EINVAL,
                                "arguments \"%s\" and \"%s\": give one topic filter at most",
                                first, name);
        first = name;
        if (!code || !ep_htv_topic_code_valid(kinds[i], code))
            return ep_error_set(err, EP_EINVAL, "argument \"%s\": \"%s\" is not a valid %s code%s",
                                name, code ? code : "(not a string)", ep_topic_kind_what(kinds[i]),
                                kinds[i] == EP_TOPIC_SUBJECT
                                    ? " (digits and dots, e.g. 4.60 or 6.10.04)"
                                    : " (1 to 32 letters, digits, '.', '_' or '-')");
        snprintf(tw->topic_code, sizeof tw->topic_code, "%s", code);
        tw->w.topic_kind = kinds[i];
        tw->w.topic_code = tw->topic_code;
    }
    return EP_OK;
}

int ep_tools_window_from_args(json_t *args, struct ep_tools_window *tw, struct ep_error *err)
{
    memset(tw, 0, sizeof *tw);
    if (!args)
        return EP_OK;
    const char *from = json_string_value(json_object_get(args, "from"));
    const char *to = json_string_value(json_object_get(args, "to"));
    if (from) {
        snprintf(tw->from, sizeof tw->from, "%s", from);
        tw->w.from = tw->from;
    }
    if (to) {
        snprintf(tw->to, sizeof tw->to, "%s", to);
        tw->w.to = tw->to;
    }
    if (from && to && strcmp(from, to) > 0)
        return ep_error_set(err, EP_EINVAL,
                            "argument \"from\" (%s) is after \"to\" (%s): swap them", from, to);
    json_t *term = json_object_get(args, "term");
    if (json_is_integer(term))
        tw->w.term = (int)json_integer_value(term);
    json_t *sit = json_object_get(args, "sittings");
    if (json_is_array(sit)) {
        size_t n = json_array_size(sit);
        if (n > 200)
            return ep_error_set(err, EP_EINVAL, "argument \"sittings\": at most 200 dates");
        for (size_t i = 0; i < n; i++) {
            const char *d = json_string_value(json_array_get(sit, i));
            if (!d || !ep_date_valid(d))
                return ep_error_set(err, EP_EINVAL,
                                    "argument \"sittings[%zu]\": must be a date YYYY-MM-DD", i);
            snprintf(tw->sitting_buf[i], sizeof tw->sitting_buf[i], "%s", d);
            tw->sittings[i] = tw->sitting_buf[i];
        }
        tw->sittings[n] = NULL;
        tw->w.sittings = tw->sittings;
    }
    return topic_from_args(args, tw, err);
}

int ep_tools_win(struct ep_tool_ctx *ctx, const struct ep_tools_window *tw, struct ep_win **win,
                 struct ep_error *err)
{
    *win = NULL;
    if (!ctx || !ctx->store)
        return ep_error_set(err, EP_EINVAL, "no store is open");
    if (!ctx->env)
        return ep_error_set(err, EP_EINTERNAL, "no analysis environment attached to the call");
    if (!tw->w.topic_kind)
        return ep_env_window(ctx->env, &tw->w, win, err);
    /* a topic filter: its code must be stored, and it must leave votes */
    char label[256];
    long votes = 0, votes_pos = 0;
    int rc = ep_query_topic(ctx->store, tw->w.topic_kind, tw->w.topic_code, label, sizeof label,
                            NULL, NULL, err);
    if (rc == EP_ENOTFOUND)
        err->code = rc = EP_EINVAL; /* an argument to fix */
    if (rc)
        return rc;
    rc = ep_env_window(ctx->env, &tw->w, win, err);
    if (rc == EP_EUNAVAIL) { /* say how many votes carry the topic */
        int qrc = ep_query_topic(ctx->store, tw->w.topic_kind, tw->w.topic_code, label,
                                 sizeof label, &votes, &votes_pos, err);
        if (qrc)
            return qrc;
    }
    if (rc == EP_EUNAVAIL)
        return ep_error_set(err, EP_ENOTFOUND,
                            "the %s filter \"%s\"%s%s%s leaves no vote with per-MEP positions "
                            "in the window: %ld vote%s in the store carry it, %ld of them with "
                            "positions%s",
                            ep_topic_kind_what(tw->w.topic_kind), tw->w.topic_code,
                            label[0] ? " (" : "", label, label[0] ? ")" : "", votes,
                            votes == 1 ? "" : "s", votes_pos,
                            votes_pos ? " (outside the window's dates: widen from, to, term or "
                                        "sittings)"
                                      : "");
    return rc;
}

int ep_tools_matrix(struct ep_tool_ctx *ctx, const struct ep_tools_window *tw,
                    const struct ep_matrix **m, struct ep_error *err)
{
    struct ep_win *w = NULL;
    int rc = ep_tools_win(ctx, tw, &w, err);
    *m = rc || !w ? NULL : w->m;
    return rc;
}

int ep_tools_matrix_votes(struct ep_tool_ctx *ctx, const struct ep_matrix *m,
                          struct ep_stats_votes *vs, struct ep_error *err)
{
    struct ep_win *w = ctx && ctx->env ? ep_wincache_find(&ctx->env->windows, m) : NULL;
    if (!w)
        return ep_error_set(err, EP_ENOTFOUND, "matrix not held by the window cache");
    int rc = ep_win_need_vs(w, err);
    if (rc)
        return rc;
    *vs = w->vs;
    return EP_OK;
}

json_t *ep_tools_window_json(const struct ep_tools_window *tw, const struct ep_matrix *m)
{
    char from[11] = "", to[11] = "";
    int sittings = 0;
    if (m->n_vote > 0) {
        ep_date_format(m->vote_day[0], from);
        ep_date_format(m->vote_day[m->n_vote - 1], to);
        for (int v = 0; v < m->n_vote; v++)
            if (v == 0 || m->vote_day[v] != m->vote_day[v - 1])
                sittings++;
    }
    json_t *o = json_pack("{s:o, s:o, s:o, s:i, s:i, s:i, s:b}", "from",
                          ep_tools_window_date(from), "to", ep_tools_window_date(to), "term",
                          tw->w.term ? json_integer(tw->w.term) : json_null(), "votes", m->n_vote,
                          "meps", m->n_mep, "sittings", sittings, "synthetic", m->synthetic);
    if (o && tw->w.topic_kind)
        json_object_set_new(o, "filter",
                            json_pack("{s:s, s:s, s:i}", "kind",
                                      ep_topic_kind_arg(tw->w.topic_kind), "code",
                                      tw->w.topic_code, "votes", m->n_vote));
    return o;
}
