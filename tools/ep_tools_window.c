#include "ep_tools_window.h"
#include "ep_tools_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_tools.h"
#include "ep_util.h"

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
    return EP_OK;
}

int ep_tools_win(struct ep_tool_ctx *ctx, const struct ep_tools_window *tw, struct ep_win **win,
                 struct ep_error *err)
{
    *win = NULL;
    if (!ctx || !ctx->store)
        return ep_error_set(err, EP_EINVAL, "no store is open");
    if (!ctx->env)
        return ep_error_set(err, EP_EINTERNAL, "no analysis environment attached to the call");
    return ep_env_window(ctx->env, &tw->w, win, err);
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
    return json_pack("{s:o, s:o, s:o, s:i, s:i, s:i, s:b}", "from", ep_tools_window_date(from),
                     "to", ep_tools_window_date(to), "term",
                     tw->w.term ? json_integer(tw->w.term) : json_null(), "votes", m->n_vote,
                     "meps", m->n_mep, "sittings", sittings, "synthetic", m->synthetic);
}
