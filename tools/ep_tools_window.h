/* ep_tools_window: the analysis window arguments shared by every analytic tool, and the tools'
 * access to the window cache of the call's analysis environment (analysis/ep_env.h).
 *
 * Window arguments (in each analytic tool's tools/schemas/NAME.json inputSchema "properties"):
 *   from, to   YYYY-MM-DD (inclusive), term 9|10, sittings [YYYY-MM-DD, ...] (≤ 200).
 *   subject | concept | committee | geo_area   a topic filter (at most one): only the votes
 *              carrying that OEIL subject (or a code below it), EuroVoc concept, responsible
 *              committee or geographic area (engine/ep_query_topics.h).
 * All optional: the default window is every vote with per-MEP positions in the store.
 *
 * The environment's cache keeps the last EP_WIN_CACHE windows (keyed by the window and the
 * store's content version), so repeated calls on the same window do not reload from SQLite.
 * Like all tool code it runs under the MCP core's execution mutex (one thread at a time). */
#ifndef EP_TOOLS_WINDOW_H
#define EP_TOOLS_WINDOW_H

#include <jansson.h>

#include "ep_error.h"
#include "ep_env.h"
#include "ep_matrix.h"
#include "ep_stats.h"
#include "ep_store.h"

struct ep_tools_window {
    struct ep_window w;
    char from[11], to[11];
    const char *sittings[201];
    char sitting_buf[200][11];
    char topic_code[33]; /* w.topic_code points here */
};

/* Read the window arguments (already schema-validated) from args (borrowed, may be NULL). */
int ep_tools_window_from_args(json_t *args, struct ep_tools_window *tw, struct ep_error *err);

struct ep_tool_ctx;

/* The window of the call's environment (ctx->env over ctx->store), loaded or from the cache:
 * *win is borrowed (analysis/ep_window.h). EP_EINVAL when no store is open or the topic
 * filter's code is not in the store (the message names it), EP_EUNAVAIL (with a message that
 * says which dates have positions) when the window holds no roll-call votes with positions,
 * EP_ENOTFOUND when the topic filter leaves no such vote (the message says how many votes of
 * the store carry the topic, and how many of them have positions). */
int ep_tools_win(struct ep_tool_ctx *ctx, const struct ep_tools_window *tw, struct ep_win **win,
                 struct ep_error *err);

/* The matrix of that window. *m is borrowed: valid until the next ep_tools_win/ep_tools_matrix
 * call on the same environment. */
int ep_tools_matrix(struct ep_tool_ctx *ctx, const struct ep_tools_window *tw,
                    const struct ep_matrix **m, struct ep_error *err);

/* The per-vote group figures (ep_stats_votes_compute) of a matrix held by the environment's
 * cache, computed on first use and kept with it: *vs is a borrowed view with the matrix's
 * lifetime (never pass it to ep_stats_votes_free). EP_ENOTFOUND when m is not one of the
 * cache's matrices. */
int ep_tools_matrix_votes(struct ep_tool_ctx *ctx, const struct ep_matrix *m,
                          struct ep_stats_votes *vs, struct ep_error *err);

/* New object describing the window actually covered: first and last vote date (null when the
 * window holds no vote: ep_tools_window_date), term asked,
 * number of votes, MEPs and sittings, and whether the data is synthetic; with a topic filter,
 * filter: {kind, code, votes} (votes = the window's votes, all of which carry the topic). */
json_t *ep_tools_window_json(const struct ep_tools_window *tw, const struct ep_matrix *m);

#endif
