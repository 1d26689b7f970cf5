/* A pass-through tool call (tools/ep_tools_epapi.c) cold against warm, in the same run.
 *
 *   bench_epapi_tools BASE_URL STORE.db [CALLS]
 *
 * BASE_URL is an EP API server (bench/bench_epapi_tools.sh starts tests/srv_epapi with a fixed
 * latency per request). Each pass makes CALLS (default 20) calls of get_speeches with distinct
 * pages (offset k * 20, limit 20):
 *   cold         every call fetched from the upstream (fresh pipeline, result cache off);
 *   warm memory  the same calls again: the fetch pipeline's in-memory cache;
 *   warm disk    a new pipeline (empty memory cache): the store's http_cache table;
 *   warm result  the tool result cache (the calls made once more with it on).
 * Prints the median and mean per call of each pass and its ratio to the cold pass. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_graph.h"
#include "ep_stats.h"
#include "ep_store.h"
#include "ep_tools.h"
#include "ep_tools_all.h"
#include "ep_tools_epapi.h"
#include "ep_util.h"

static struct ep_tools *Tools; /* the tool table of the run */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

struct pass {
    const char *name;
    double median, mean;
    long upstream; /* upstream requests during the pass */
};

static int run(struct ep_tool_ctx *ctx, int calls, const char *name, struct pass *out,
               const char *want_cache)
{
    double *ms = calloc((size_t)calls, sizeof *ms);
    if (!ms)
        return -1;
    struct ep_fetch *f = NULL;
    struct ep_error err = {0};
    if (ep_tools_epapi_fetch(Tools, ctx->store, &f, &err)) {
        fprintf(stderr, "bench: %s\n", err.msg);
        free(ms);
        return -1;
    }
    struct ep_fetch_totals t0, t1;
    ep_fetch_totals(f, &t0);
    double sum = 0;
    for (int k = 0; k < calls; k++) {
        char args[96];
        snprintf(args, sizeof args, "{\"offset\":%d,\"limit\":20}", k * 20);
        json_t *a = json_loads(args, 0, NULL), *r = NULL;
        double t = ep_now();
        int rc = ep_tools_call(Tools, ctx, "get_speeches", a, &r, &err);
        ms[k] = (ep_now() - t) * 1000.0;
        sum += ms[k];
        const char *cache =
            json_string_value(json_object_get(json_object_get(r, "source"), "cache"));
        if (rc || (want_cache && (!cache || strcmp(cache, want_cache) != 0))) {
            fprintf(stderr, "bench: %s call %d: %s (cache %s, expected %s)\n", name, k,
                    rc ? err.msg : "ok", cache ? cache : "-", want_cache ? want_cache : "-");
            json_decref(a);
            json_decref(r);
            free(ms);
            return -1;
        }
        json_decref(a);
        json_decref(r);
    }
    ep_fetch_totals(f, &t1);
    qsort(ms, (size_t)calls, sizeof *ms, cmp_double);
    out->name = name;
    out->median = calls % 2 ? ms[calls / 2] : (ms[calls / 2 - 1] + ms[calls / 2]) / 2;
    out->mean = sum / calls;
    out->upstream = t1.requests - t0.requests;
    free(ms);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_epapi_tools BASE_URL STORE.db [CALLS]\n");
        return 2;
    }
    int calls = argc > 3 ? atoi(argv[3]) : 20;
    if (calls < 1 || calls > 1000) {
        fprintf(stderr, "bench: CALLS must be 1..1000\n");
        return 2;
    }
    struct ep_error err = {0};
    if (ep_tools_init(&Tools, &err)) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return 1;
    }
    struct ep_store *s = NULL;
    ep_stats_init();
    ep_graph_init();
    if (ep_store_open(argv[2], 0, &s, &err) || ep_tools_register_all(Tools, &err)) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return 1;
    }
    struct ep_fetch_opts o = {.base_url = argv[1], .bucket_capacity = 100000000};
    struct ep_tool_ctx ctx = {.store = s};
    struct pass p[4];
    int rc = ep_tools_epapi_configure(Tools, &o, &err);
    setenv("EPINTEL_NO_RESULT_CACHE", "1", 1);
    if (!rc)
        rc = run(&ctx, calls, "cold (upstream)", &p[0], "miss");
    if (!rc)
        rc = run(&ctx, calls, "warm: memory cache", &p[1], "hit");
    if (!rc) {
        ep_tools_epapi_reset(Tools); /* a new pipeline: only the disk tier is warm */
        rc = run(&ctx, calls, "warm: disk cache", &p[2], "hit");
    }
    if (!rc) {
        unsetenv("EPINTEL_NO_RESULT_CACHE");
        rc = run(&ctx, calls, "(filling the result cache)", &p[3], NULL);
    }
    if (!rc)
        rc = run(&ctx, calls, "warm: tool result cache", &p[3], NULL);
    if (rc) {
        ep_tools_epapi_configure(Tools, NULL, NULL);
        ep_tools_cleanup(Tools);
        ep_store_close(s);
        return 1;
    }
    printf("get_speeches, %d calls per pass (distinct pages of 20), upstream %s\n", calls, argv[1]);
    printf("  %-26s %10s %10s %10s %9s\n", "pass", "median ms", "mean ms", "vs cold", "upstream");
    for (int i = 0; i < 4; i++)
        printf("  %-26s %10.3f %10.3f %9.0fx %9ld\n", p[i].name, p[i].median, p[i].mean,
               p[0].median / (p[i].median > 0 ? p[i].median : 1e-9), p[i].upstream);
    ep_tools_epapi_configure(Tools, NULL, NULL);
    ep_tools_close(Tools);
    ep_store_close(s);
    return 0;
}
