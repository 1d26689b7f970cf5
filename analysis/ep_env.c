/* ep_env: the analysis environment. See ep_env.h. */
#include "ep_env.h"

#include <string.h>

int ep_env_init(struct ep_env *env, struct ep_store *store, struct ep_error *err)
{
    if (!env)
        return ep_error_set(err, EP_EINVAL, "ep_env_init: no environment given");
    memset(env, 0, sizeof *env);
    env->store = store;
    ep_wincache_init(&env->windows);
    ep_positions_cache_init(&env->positions);
    return EP_OK;
}

void ep_env_close(struct ep_env *env)
{
    if (!env)
        return;
    ep_wincache_free(&env->windows);
    ep_positions_cache_free(&env->positions);
    memset(env, 0, sizeof *env);
}

void ep_env_clear(struct ep_env *env)
{
    if (!env)
        return;
    ep_wincache_clear(&env->windows);
    ep_positions_cache_clear(&env->positions);
}

int ep_env_window(struct ep_env *env, const struct ep_window *w, struct ep_win **out,
                  struct ep_error *err)
{
    *out = NULL;
    if (!env || !env->store)
        return ep_error_set(err, EP_EINVAL, "no store is open");
    return ep_wincache_get(&env->windows, env->store, w, out, err);
}
