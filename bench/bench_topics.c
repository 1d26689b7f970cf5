/* bench_topics: time the vote-topic tools and the topic filter through the tool table
 * (ep_tools_call, with input and output schema validation) on a store, against the unfiltered
 * call of the same tool measured in the same run (the ratio is the filter's cost or saving).
 *
 *   bench_topics STORE [N=7] [SUBJECT=4] [COMMITTEE=LIBE]
 *
 * STORE is a store path (an empty one is filled from the bundled data; a synthetic term comes
 * from `epintel --db X synth ...`, whose subjects are 1..8 with N.10..N.40 below, and whose
 * committees include LIBE). Each call runs N times in one process (one analysis environment,
 * as in a server): run 1 is cold for the per-window caches; the tools' result cache is cleared
 * before every run, so p50 is the computation over warm windows, not a cached answer. Prints
 * cold, p50 and max. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_env.h"
#include "ep_store.h"
#include "ep_tools.h"
#include "ep_tools_intel.h"
#include "ep_tools_topics.h"
#include "ep_util.h"

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static struct ep_tools *Tools; /* the tool table of the run */

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_topics STORE [N=7] [SUBJECT=4] [COMMITTEE=LIBE]\n");
        return 2;
    }
    int reps = argc > 2 ? atoi(argv[2]) : 7;
    if (reps < 1 || reps > 1000)
        reps = 7;
    const char *subject = argc > 3 ? argv[3] : "4", *committee = argc > 4 ? argv[4] : "LIBE";
    struct ep_error err = {0};
    if (ep_tools_init(&Tools, &err)) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return 1;
    }
    struct ep_store *s = NULL;
    double t_open = ep_now();
    if (ep_store_open(argv[1], 0, &s, &err) || ep_store_ensure_default(s, NULL, NULL, &err)) {
        fprintf(stderr, "bench_topics: %s\n", err.msg);
        return 1;
    }
    t_open = ep_now() - t_open;
    struct ep_env env;
    ep_env_init(&env, s, NULL);
    size_t n;
    const struct ep_tool *rows = ep_tools_intel_rows(&n);
    int rc = ep_tools_register(Tools, rows, n, &err);
    rows = ep_tools_topics_rows(&n);
    if (rc || ep_tools_register(Tools, rows, n, &err)) {
        fprintf(stderr, "bench_topics: %s\n", err.msg);
        return 1;
    }
    char pa[128], ca[128], cf[128], sf[128];
    snprintf(pa, sizeof pa, "{\"subject\": \"%s\"}", subject);
    snprintf(ca, sizeof ca, "{\"committee\": \"%s\"}", committee);
    snprintf(cf, sizeof cf, "{\"committee\": \"%s\"}", committee);
    snprintf(sf, sizeof sf, "{\"subject\": \"%s\"}", subject);
    struct {
        const char *tool, *args;
    } calls[] = {
        {"analyze_policy_area", pa},
        {"analyze_committee_activity", ca},
        {"analyze_committee_activity", "{}"},
        {"analyze_coalition_dynamics", "{}"},
        {"analyze_coalition_dynamics", cf},
        {"analyze_coalition_dynamics", sf},
    };
    printf("store %s (opened in %.1f ms), %d runs per call (run 1 is cold)\n", argv[1],
           t_open * 1e3, reps);
    int fail = 0;
    double *t = calloc((size_t)reps, sizeof *t);
    for (size_t c = 0; c < sizeof calls / sizeof calls[0] && t; c++) {
        for (int k = 0; k < reps; k++) {
            struct ep_tool_ctx ctx = {0};
            ctx.store = s;
            ctx.env = &env;
            json_t *args = json_loads(calls[c].args, 0, NULL), *res = NULL;
            ep_tools_cache_clear(Tools);
            double t0 = ep_now();
            if (ep_tools_call(Tools, &ctx, calls[c].tool, args, &res, &err)) {
                fprintf(stderr, "%s %s: %s\n", calls[c].tool, calls[c].args, err.msg);
                fail = 1;
            }
            t[k] = ep_now() - t0;
            json_decref(res);
            json_decref(args);
        }
        double cold = t[0];
        qsort(t, (size_t)reps, sizeof *t, cmp_d);
        printf("%-28s %-26s cold %8.1f ms   p50 %8.1f ms   max %8.1f ms\n", calls[c].tool,
               calls[c].args, cold * 1e3, t[reps / 2] * 1e3, t[reps - 1] * 1e3);
    }
    free(t);
    ep_env_close(&env);
    ep_tools_close(Tools);
    ep_store_close(s);
    return fail;
}
