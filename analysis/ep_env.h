/* ep_env: the analysis environment, one per open store. It holds the store (borrowed), the
 * ONE window cache that every product shares (analysis/ep_window.h: the vote matrix of a
 * window and every figure computed on it), and a slot for the EP Open Data API fetch pipeline.
 * There is no process-global analysis state: a front end (cli/, mcp/) creates an env per store
 * with ep_env_init, passes it in struct ep_tool_ctx.env, and closes it with ep_env_close.
 *
 * Ownership: env->store and env->fetch are borrowed (they must outlive the env); the window
 * cache is owned. Not thread-safe: one thread at a time (the MCP core's execution lock). */
#ifndef EP_ENV_H
#define EP_ENV_H

#include "ep_error.h"
#include "ep_positions.h"
#include "ep_window.h"

struct ep_store;
struct ep_fetch;

struct ep_env {
    struct ep_store *store;     /* borrowed */
    struct ep_fetch *fetch;     /* borrowed, NULL until a front end sets it */
    struct ep_wincache windows; /* owned */
    struct ep_positions_cache positions; /* owned: the store's positions snapshot (ep_positions.h) */
};

/* Set up env over store (borrowed, may be NULL: then every window is EP_EINVAL "no store"). */
int ep_env_init(struct ep_env *env, struct ep_store *store, struct ep_error *err);
/* Free the cached windows and positions snapshot. env can be initialised again. NULL is fine. */
void ep_env_close(struct ep_env *env);
/* Drop every cached window and the positions snapshot (e.g. after the store changed under a
 * long-lived env; the cache
 * also notices ingests by itself through the store's content marker). */
void ep_env_clear(struct ep_env *env);

/* The window w (borrowed) of env's store, loaded or from the cache: *out is borrowed, valid
 * until the next ep_env_window on env (see ep_window.h). EP_EINVAL when env has no store,
 * EP_EUNAVAIL when the window holds no roll-call votes with positions. */
int ep_env_window(struct ep_env *env, const struct ep_window *w, struct ep_win **out,
                  struct ep_error *err);

#endif
