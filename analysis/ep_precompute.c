/* ep_precompute: derived data built ahead of the first call. See ep_precompute.h. */
#include "ep_precompute.h"

#include "ep_derived.h"
#include "ep_graph.h"
#include "ep_window.h"

static void step(ep_precompute_progress_fn progress, void *ctx, int k, int n, const char *what)
{
    if (progress)
        progress(ctx, k, n, what);
}

int ep_precompute_window(struct ep_store *s, const struct ep_window *w,
                         ep_precompute_progress_fn progress, void *ctx, struct ep_error *err)
{
    static const struct ep_window all = {0};
    enum { N = 8 };
    struct ep_wincache c;
    struct ep_win *e = NULL;
    ep_wincache_init(&c);
    step(progress, ctx, 0, N, "vote matrix");
    int rc = ep_wincache_get(&c, s, w ? w : &all, &e, err);
    if (!rc) {
        step(progress, ctx, 1, N, "vote and group figures");
        rc = ep_win_need_gs(e, err);
    }
    if (!rc) {
        step(progress, ctx, 2, N, "fragmentation");
        rc = ep_win_need_frag(e, err);
    }
    if (!rc) {
        step(progress, ctx, 3, N, "MEP participation and loyalty");
        rc = ep_win_need_mf(e, err);
    }
    if (!rc) {
        step(progress, ctx, 4, N, "Parliament alpha");
        rc = ep_win_need_palpha(e, err);
    }
    if (!rc) {
        step(progress, ctx, 5, N, "MEP defection baselines");
        rc = ep_win_need_mser(e, NULL, err);
    }
    if (!rc) {
        step(progress, ctx, 6, N, "co-voting network, communities and centralities");
        rc = ep_win_need_graph(e, 10, EP_GRAPH_LOUVAIN, 1, NULL, err);
    }
    if (!rc) {
        step(progress, ctx, 7, N, "vote figures");
        rc = ep_win_need_vs(e, err); /* kept by the steps above only when computed there */
    }
    if (!rc)
        step(progress, ctx, N, N, "done");
    ep_wincache_free(&c);
    return rc;
}

long long ep_precompute_default_cells(struct ep_store *s)
{
    return ep_derived_default_cells(s);
}
