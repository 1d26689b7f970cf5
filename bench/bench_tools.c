/* bench_tools: time the five intelligence tools through the tool table (ep_tools_call, with
 * input and output schema validation) on a store.
 *
 *   bench_tools STORE [N=7] [--dump DIR]
 *
 * STORE is a store path (an empty one is filled from the bundled data; a synthetic store comes
 * from `epintel --db X synth ...`). Each tool runs N times on the default window (every vote
 * with positions); the first call is cold for the per-window caches the tools share. Prints the
 * cold time, p50 and max per tool, the time per stage of the cold call (from the progress
 * callback), and the peak RSS (getrusage ru_maxrss). --dump DIR writes each result as JSON. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "ep_env.h"
#include "ep_store.h"
#include "ep_store_db.h"
#include "ep_tools.h"
#include "ep_tools_intel.h"
#include "ep_util.h"

#define MAX_STAGES 64

struct stages {
    int n;
    double t0, last;
    char what[MAX_STAGES][96];
    double dt[MAX_STAGES];
    double rss[MAX_STAGES]; /* peak RSS (MB) when the step started */
};

static double peak_rss_mb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024.0;
}

static void on_progress(void *p, double done, double total, const char *msg)
{
    (void)total;
    struct stages *s = p;
    double now = ep_now();
    (void)done; /* every report closes the previous step (igraph's reports included) */
    if (s->n >= MAX_STAGES)
        return;
    if (s->n > 0)
        s->dt[s->n - 1] += now - s->last;
    s->last = now;
    /* repeated messages (igraph's percentage reports) extend the current step */
    if (s->n > 0 && strcmp(s->what[s->n - 1], msg ? msg : "?") == 0)
        return;
    snprintf(s->what[s->n], sizeof s->what[s->n], "%s", msg ? msg : "?");
    s->rss[s->n] = peak_rss_mb();
    s->dt[s->n] = 0;
    s->n++;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static struct ep_tools *Tools; /* the tool table of the run */

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_tools STORE [N=7] [--dump DIR]\n");
        return 2;
    }
    int reps = 7;
    const char *dump = NULL;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--dump") == 0 && i + 1 < argc)
            dump = argv[++i];
        else
            reps = atoi(argv[i]);
    }
    if (reps < 1 || reps > 1000)
        reps = 7;
    struct ep_error err = {0};
    if (ep_tools_init(&Tools, &err)) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return 1;
    }
    struct ep_store *s = NULL;
    if (ep_store_open(argv[1], 0, &s, &err) || ep_store_ensure_default(s, NULL, NULL, &err)) {
        fprintf(stderr, "bench_tools: %s\n", err.msg);
        return 1;
    }
    struct ep_env env; /* one window cache for every call, as in a server */
    ep_env_init(&env, s, NULL);
    size_t nrows;
    const struct ep_tool *rows = ep_tools_intel_rows(&nrows);
    if (ep_tools_register(Tools, rows, nrows, &err)) {
        fprintf(stderr, "bench_tools: %s\n", err.msg);
        return 1;
    }
    /* an MEP for assess_mep_influence: the lowest id among the voters of the first vote with
     * positions (cheap: no aggregate over the position table) */
    long long mep = 0;
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(ep_store_db(s),
                           "SELECT MIN(member_id) FROM position WHERE vote_id = (SELECT vote_id "
                           "FROM position LIMIT 1)",
                           -1, &q, NULL) == SQLITE_OK) {
        if (sqlite3_step(q) == SQLITE_ROW)
            mep = sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
    }
    char margs[64];
    snprintf(margs, sizeof margs, "{\"mep_id\": %lld}", mep);
    struct {
        const char *tool, *args;
    } calls[] = {
        {"map_political_network", "{}"},
        {"assess_mep_influence", margs},
        {"analyze_coalition_dynamics", "{}"},
        {"detect_voting_anomalies", "{}"},
        {"generate_political_risk_assessment", "{}"},
    };
    printf("store %s, %d runs per tool (run 1 is cold for the per-window caches)\n", argv[1], reps);
    int fail = 0;
    for (size_t c = 0; c < sizeof calls / sizeof calls[0]; c++) {
        double *t = calloc((size_t)reps, sizeof *t);
        struct stages st;
        memset(&st, 0, sizeof st);
        for (int k = 0; k < reps && t; k++) {
            struct ep_tool_ctx ctx = {0};
            ctx.store = s;
            ctx.env = &env;
            struct stages tmp;
            memset(&tmp, 0, sizeof tmp);
            ctx.progress = on_progress;
            ctx.pctx = &tmp;
            json_t *args = json_loads(calls[c].args, 0, NULL), *res = NULL;
            double t0 = ep_now();
            tmp.t0 = tmp.last = t0;
            int rc = ep_tools_call(Tools, &ctx, calls[c].tool, args, &res, &err);
            double t1 = ep_now();
            if (tmp.n > 0)
                tmp.dt[tmp.n - 1] += t1 - tmp.last;
            t[k] = t1 - t0;
            if (k == 0)
                st = tmp;
            if (rc) {
                fprintf(stderr, "%s: %d %s\n", calls[c].tool, rc, err.msg);
                fail = 1;
            } else if (dump && k == 0) {
                char path[1024];
                snprintf(path, sizeof path, "%s/%s.json", dump, calls[c].tool);
                json_dump_file(res, path, JSON_INDENT(1) | JSON_SORT_KEYS);
            }
            json_decref(res);
            json_decref(args);
        }
        if (!t)
            return 1;
        double cold = t[0];
        qsort(t, (size_t)reps, sizeof *t, cmp_d);
        printf("%-36s cold %8.1f ms   p50 %8.1f ms   max %8.1f ms\n", calls[c].tool, cold * 1e3,
               t[reps / 2] * 1e3, t[reps - 1] * 1e3);
        struct rusage ru1;
        getrusage(RUSAGE_SELF, &ru1);
        printf("    (peak RSS so far %.1f MB)\n", ru1.ru_maxrss / 1024.0);
        for (int k = 0; k < st.n; k++)
            printf("    %-54s %8.1f ms  (peak RSS at start %.0f MB)\n", st.what[k], st.dt[k] * 1e3,
                   st.rss[k]);
        free(t);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak RSS %.1f MB\n", ru.ru_maxrss / 1024.0);
    ep_env_close(&env);
    ep_tools_close(Tools);
    ep_store_close(s);
    return fail;
}
