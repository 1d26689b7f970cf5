/* The daily-quota check of `serve --http`: in the process (ep_quota_charge, the default) against
 * Redis on loopback (ep_state_quota_charge, --state redis://), in one run, interleaved in rounds.
 * Goal: Redis adds at most 0.2 ms at p50. usage: bench_state redis://127.0.0.1:PORT/0 [n] */
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
    double *a = malloc(sizeof *a * (size_t)n), *b = malloc(sizeof *b * (size_t)n);
    long used;
    int ka = 0, kb = 0;
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
                return 1;
            }
            b[kb++] = (ep_now() - t0) * 1e3;
        }
    }
    double a50 = q(a, n, 0.5), a99 = q(a, n, 0.99), b50 = q(b, n, 0.5), b99 = q(b, n, 0.99);
    printf("daily quota check, %d each, interleaved:\n", n);
    printf("  in the process  p50 %.4f ms  p99 %.4f ms\n", a50, a99);
    printf("  Redis (loopback) p50 %.4f ms  p99 %.4f ms\n", b50, b99);
    printf("  added by Redis at p50: %.3f ms (goal <= 0.2 ms)\n", b50 - a50);
    free(a);
    free(b);
    ep_state_close(st);
    ep_quota_close(mem);
    return 0;
}
