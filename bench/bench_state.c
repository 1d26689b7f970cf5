/* The daily-quota check of `serve --http`: in the process (ep_quota_charge, the default) against
 * Redis on loopback (ep_state_quota_charge, --state redis://), and the sliding rate-window check
 * in Redis (ep_state_rate_admit, --state with --rate-per-minute) against the same in-process
 * baseline (the embedded rate window is the same kind of work: a hash slot updated under a
 * mutex), in one run, interleaved in rounds. Goal: Redis adds at most 0.2 ms at p50. usage:
 * bench_state redis://127.0.0.1:PORT/0 [n] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ep_auth.h"
#include "ep_state.h"
#include "ep_util.h"

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double q(double *v, int n, double p)
{
    qsort(v, (size_t)n, sizeof *v, cmp);
    return v[(int)(p * (n - 1))];
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_state redis://127.0.0.1:PORT/0 [n]\n");
        return 2;
    }
    int n = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 20000;
    if (n < 1 || n > 10000000)
        n = 20000;
    struct ep_error e = {0};
    struct ep_quota *mem = NULL;
    struct ep_state *st = NULL;
    if (ep_quota_open(NULL, time(NULL), &mem, &e) || ep_state_open(argv[1], &st, &e)) {
        fprintf(stderr, "bench_state: %s\n", e.msg);
        return 1;
    }
    double *a = malloc(sizeof *a * (size_t)n), *b = malloc(sizeof *b * (size_t)n),
           *c = malloc(sizeof *c * (size_t)n);
    if (!a || !b || !c) {
        fprintf(stderr, "bench_state: out of memory\n");
        free(a);
        free(b);
        free(c);
        return 1;
    }
    long used;
    int ka = 0, kb = 0, kc = 0, retry;
    for (int round = 0; ka < n; round++) {
        for (int i = 0; i < 500 && ka < n; i++) {
            double t0 = ep_now();
            ep_quota_charge(mem, "bench", 1L << 40, 1, time(NULL), &used);
            a[ka++] = (ep_now() - t0) * 1e3;
        }
        for (int i = 0; i < 500 && kb < n; i++) {
            double t0 = ep_now();
            if (ep_state_quota_charge(st, "bench", 1L << 40, 1, time(NULL), &used, &e) < 0) {
                fprintf(stderr, "bench_state: %s\n", e.msg);
                free(a);
                free(b);
                free(c);
                return 1;
            }
            b[kb++] = (ep_now() - t0) * 1e3;
        }
        for (int i = 0; i < 500 && kc < n; i++) {
            double t0 = ep_now();
            if (ep_state_rate_admit(st, "bench-rate", 1L << 40, &retry, &e) != 0) {
                fprintf(stderr, "bench_state: %s\n", e.msg[0] ? e.msg : "rate refused");
                free(a);
                free(b);
                free(c);
                return 1;
            }
            c[kc++] = (ep_now() - t0) * 1e3;
        }
    }
    double a50 = q(a, n, 0.5), a99 = q(a, n, 0.99), b50 = q(b, n, 0.5), b99 = q(b, n, 0.99);
    printf("daily quota check, %d each, interleaved:\n", n);
    printf("  in the process  p50 %.4f ms  p99 %.4f ms\n", a50, a99);
    printf("  Redis (loopback) p50 %.4f ms  p99 %.4f ms\n", b50, b99);
    printf("  added by Redis at p50: %.3f ms (goal <= 0.2 ms)\n", b50 - a50);
    double c50 = q(c, n, 0.5), c99 = q(c, n, 0.99);
    printf("sliding rate-window check (Redis, loopback), %d, interleaved with the above:\n", n);
    printf("  Redis (loopback) p50 %.4f ms  p99 %.4f ms\n", c50, c99);
    printf("  added by Redis at p50: %.3f ms (goal <= 0.2 ms), ratio %.1fx the in-process "
           "counter\n",
           c50 - a50, a50 > 0 ? c50 / a50 : 0.0);
    free(a);
    free(b);
    free(c);
    ep_state_close(st);
    ep_quota_close(mem);
    return 0;
}
