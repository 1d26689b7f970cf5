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
 * cold, p50 and max.
 *
 *   bench_topics --rosters PLAIN ROSTERS [N=15]
 *
 * The three tools that read committee rosters (analyze_committee_activity, network_analysis,
 * get_committee_info) on ROSTERS, a store with committee memberships (bench/rosters.sh makes one:
 * the bundled data synced from tests/srv_epapi.c, which serves the CONSTRUCTED roster of
 * tests/data/rosters/), against the same calls on PLAIN (the bundled data without rosters), in
 * the same process and run: p50 of each and the ratio ROSTERS / PLAIN. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_env.h"
#include "ep_store.h"
#include "ep_tools.h"
#include "ep_tools_basic.h"
#include "ep_tools_intel.h"
#include "ep_tools_toolkit.h"
#include "ep_tools_topics.h"
#include "ep_util.h"

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static struct ep_tools *Tools; /* the tool table of the run */

typedef const struct ep_tool *(*ep_rows_fn)(size_t *n);

struct side {
    struct ep_store *s;
    struct ep_env env;
};

/* p50 (ms) of reps calls of tool(args) on side x. */
static double p50_ms(struct side *x, const char *tool, const char *args_json, int reps, int *fail)
{
    double t[64] = {0};
    reps = reps > 64 ? 64 : reps;
    for (int k = 0; k < reps; k++) {
        struct ep_tool_ctx ctx = {0};
        ctx.store = x->s;
        ctx.env = &x->env;
        struct ep_error err = {0};
        json_t *args = json_loads(args_json, 0, NULL), *res = NULL;
        ep_tools_cache_clear(Tools);
        double t0 = ep_now();
        if (ep_tools_call(Tools, &ctx, tool, args, &res, &err)) {
            fprintf(stderr, "%s %s: %s\n", tool, args_json, err.msg);
            *fail = 1;
        }
        t[k] = ep_now() - t0;
        json_decref(res);
        json_decref(args);
    }
    qsort(t, (size_t)reps, sizeof *t, cmp_d);
    return t[reps / 2] * 1e3;
}

static int bench_rosters(const char *plain, const char *rosters, int reps)
{
    struct side sd[2];
    const char *path[2] = {plain, rosters};
    struct ep_error err = {0};
    if (ep_tools_init(&Tools, &err)) {
        fprintf(stderr, "bench_topics: %s\n", err.msg);
        return 1;
    }
    for (int i = 0; i < 2; i++) {
        sd[i].s = NULL;
        if (ep_store_open(path[i], 0, &sd[i].s, &err) ||
            ep_store_ensure_default(sd[i].s, NULL, NULL, &err) ||
            ep_env_init(&sd[i].env, sd[i].s, &err)) {
            fprintf(stderr, "bench_topics: %s: %s\n", path[i], err.msg);
            return 1;
        }
    }
    static const ep_rows_fn fams[] = {ep_tools_basic_rows, ep_tools_topics_rows,
                                      ep_tools_toolkit_rows};
    for (size_t f = 0; f < sizeof fams / sizeof fams[0]; f++) {
        size_t n;
        const struct ep_tool *rows = fams[f](&n);
        if (ep_tools_register(Tools, rows, n, &err)) {
            fprintf(stderr, "bench_topics: %s\n", err.msg);
            return 1;
        }
    }
    static const struct {
        const char *tool, *args;
    } calls[] = {
        {"analyze_committee_activity", "{\"committee\": \"ECON\"}"},
        {"analyze_committee_activity", "{}"},
        {"network_analysis", "{\"mep_id\": 840}"},
        {"get_committee_info", "{\"code\": \"ECON\"}"},
    };
    printf("rosters %s vs plain %s, %d runs per call, p50\n", rosters, plain, reps);
    int fail = 0;
    for (size_t c = 0; c < sizeof calls / sizeof calls[0]; c++) {
        /* interleaved, each side warmed by a first call (the window's caches) */
        p50_ms(&sd[0], calls[c].tool, calls[c].args, 1, &fail);
        p50_ms(&sd[1], calls[c].tool, calls[c].args, 1, &fail);
        double a = p50_ms(&sd[0], calls[c].tool, calls[c].args, reps, &fail);
        double b = p50_ms(&sd[1], calls[c].tool, calls[c].args, reps, &fail);
        printf("%-28s %-26s plain %7.2f ms   rosters %7.2f ms   ratio %5.2f\n", calls[c].tool,
               calls[c].args, a, b, a > 0 ? b / a : 0);
    }
    for (int i = 0; i < 2; i++) {
        ep_env_close(&sd[i].env);
        ep_store_close(sd[i].s);
    }
    ep_tools_close(Tools);
    return fail;
}

int main(int argc, char **argv)
{
    if (argc >= 4 && strcmp(argv[1], "--rosters") == 0)
        return bench_rosters(argv[2], argv[3], argc > 4 ? (int)strtol(argv[4], NULL, 10) : 15);
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
        {"analyze_policy_area", pa},          {"analyze_committee_activity", ca},
        {"analyze_committee_activity", "{}"}, {"analyze_coalition_dynamics", "{}"},
        {"analyze_coalition_dynamics", cf},   {"analyze_coalition_dynamics", sf},
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
