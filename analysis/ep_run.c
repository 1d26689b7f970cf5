/* ep_run: stages, progress and the too-short list. See ep_run.h. */
#include "ep_run.h"

#include <stdarg.h>
#include <stdio.h>

#include "ep_util.h"
#include "ep_window.h"

int ep_run_stage(struct ep_run *r, const char *what, struct ep_error *err)
{
    if (r->cancelled && *r->cancelled)
        return ep_error_set(err, EP_ECANCELED, "%s: cancelled before stage \"%s\"", r->tool, what);
    if (r->deadline > 0 && ep_now() > r->deadline)
        return ep_error_set(err, EP_EUNAVAIL,
                            "%s: the call's deadline (the server's --tool-timeout) passed before "
                            "stage \"%s\"; retry, narrow the window, or raise --tool-timeout",
                            r->tool, what);
    if (r->progress)
        r->progress(r->pctx, r->k, r->n, what);
    r->k++;
    return 0;
}

void ep_run_too_short(struct ep_run *r, const char *unit, long have, long minimum,
                      const char *fmt, ...)
{
    if (r->n_short >= EP_RUN_MAX_SHORT)
        return;
    struct ep_run_short *s = &r->shortm[r->n_short++];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->measure, sizeof s->measure, fmt, ap);
    va_end(ap);
    s->unit = unit;
    s->have = have;
    s->minimum = minimum;
}

/* graph/ hook: igraph's percentage inside the current stage [k-1, k]. */
static void graph_progress(void *c, double pct, const char *what)
{
    struct ep_run *r = c;
    if (r->progress) {
        double done = (r->k - 1) + (pct < 0 ? 0 : pct > 100 ? 100 : pct) / 100.0;
        r->progress(r->pctx, done, r->n, what);
    }
}

struct ep_graph_hooks ep_run_graph_hooks(struct ep_run *r)
{
    struct ep_graph_hooks h = {graph_progress, r->cancelled, r};
    return h;
}

void ep_run_no_edges(struct ep_run *r, const struct ep_win *w, const struct ep_graph *g,
                     const char *measure, char *why, size_t n)
{
    int v = w->m->n_vote;
    if (v < g->min_common) {
        snprintf(why, n,
                 "the window is too short: %d vote%s, an edge of the co-voting network needs at "
                 "least %d common votes of two MEPs, and this measure needs edges",
                 v, v == 1 ? "" : "s", g->min_common);
        ep_run_too_short(r, "votes", v, g->min_common, "%s", measure);
    } else if (g->n_edge == 0)
        snprintf(why, n,
                 "the co-voting network has no edge: no pair of MEPs cast %d common votes, and "
                 "this measure needs edges",
                 g->min_common);
    else
        snprintf(why, n,
                 "every edge of the co-voting network has weight 0 (no pair of MEPs with %d "
                 "common votes ever voted the same way), and this measure needs edge weight",
                 g->min_common);
}
