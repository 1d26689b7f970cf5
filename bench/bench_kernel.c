/* bench_kernel: pairwise agreement, bit-plane kernel against the plain reference.
 *
 * Synthetic 720 MEPs x 20,000 votes (ep_synth_fill_matrix with ep_synth_default_params, seed
 * 1). The reference runs once; the kernel runs N times per row (median reported): the best
 * code path this CPU has (AVX-512 VPOPCNTDQ or scalar popcnt) on 1 thread and on all CPUs,
 * and the scalar popcnt path on all CPUs.
 * Timings are reported as ratios against the reference measured in the same run.
 *
 * usage: bench_kernel [n_mep] [n_vote] [repeats] [noref]
 *   noref skips the reference (hours at whole-history size, 750 x 70,000: bench/history.sh);
 *   the rows are then checked against the first row's result. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ep_matrix.h"
#include "ep_synth.h"
#include "ep_util.h"

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int n_mep = argc > 1 ? atoi(argv[1]) : 720;
    int n_vote = argc > 2 ? atoi(argv[2]) : 20000;
    int reps = argc > 3 ? atoi(argv[3]) : 9;
    int noref = argc > 4 && strcmp(argv[4], "noref") == 0;
    if (n_mep < 1 || n_vote < 1 || reps < 1 || reps > 1000) {
        fprintf(stderr, "usage: bench_kernel [n_mep>=1] [n_vote>=1] [repeats 1..1000]\n");
        return 2;
    }
    struct ep_synth_params p;
    struct ep_matrix m;
    struct ep_error err = {0};
    ep_synth_default_params(&p);
    double t0 = ep_now();
    if (ep_synth_fill_matrix(&p, n_mep, n_vote, 1, &m, &err)) {
        fprintf(stderr, "bench_kernel: %s\n", err.msg);
        return 1;
    }
    double t_gen = ep_now() - t0;
    size_t cells = (size_t)n_mep * (size_t)n_mep;
    uint32_t *rs = malloc(cells * 4), *rb = malloc(cells * 4), *ks = malloc(cells * 4),
             *kb = malloc(cells * 4);
    double *t = malloc(sizeof(double) * (size_t)reps);
    if (!rs || !rb || !ks || !kb || !t) {
        fprintf(stderr, "bench_kernel: out of memory\n");
        return 1;
    }
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    printf("bench_kernel: synthetic %d MEPs x %d votes (generated in %.0f ms), %ld CPUs, "
           "%d kernel runs per row\n",
           n_mep, n_vote, t_gen * 1e3, ncpu, reps);

    t0 = ep_now();
    if (!noref && ep_kernel_agree_ref(&m, rs, rb, &err)) {
        fprintf(stderr, "bench_kernel: %s\n", err.msg);
        return 1;
    }
    double t_ref = ep_now() - t0;

    printf("%-30s %12s %12s %10s %8s\n", "implementation", "median ms", "min ms", "ref/this",
           "equal");
    if (noref)
        printf("%-30s %12s %12s %10s %8s\n", "reference (pos[] loop)", "skipped", "-", "-", "-");
    else
        printf("%-30s %12.1f %12.1f %10.2f %8s\n", "reference (pos[] loop)", t_ref * 1e3,
               t_ref * 1e3, 1.0, "-");
    /* rows: best code path on 1 thread and on all CPUs, then the scalar popcnt path
     * (EP_KERNEL_ISA=popcnt) on all CPUs */
    static const int threads[3] = {1, 0, 0};
    static const char *isa[3] = {NULL, NULL, "popcnt"};
    const char *isa0 = getenv("EP_KERNEL_ISA");
    int fail = 0;
    for (int k = 0; k < 3; k++) {
        int ok = 1;
        if (isa[k])
            setenv("EP_KERNEL_ISA", isa[k], 1);
        for (int r = 0; r < reps; r++) {
            memset(ks, 0, cells * 4);
            memset(kb, 0, cells * 4);
            t0 = ep_now();
            if (ep_kernel_agree(&m, ks, kb, threads[k], &err)) {
                fprintf(stderr, "bench_kernel: %s\n", err.msg);
                return 1;
            }
            t[r] = ep_now() - t0;
            if (noref && k == 0 && r == 0) { /* the first row's result stands for the reference */
                memcpy(rs, ks, cells * 4);
                memcpy(rb, kb, cells * 4);
            }
            ok &= memcmp(ks, rs, cells * 4) == 0 && memcmp(kb, rb, cells * 4) == 0;
        }
        qsort(t, (size_t)reps, sizeof *t, cmp_d);
        double med = t[reps / 2];
        char name[64];
        snprintf(name, sizeof name, "kernel %s, %ld thread%s", isa[k] ? isa[k] : "best",
                 threads[k] ? 1L : ncpu, (threads[k] ? 1L : ncpu) == 1 ? "" : "s");
        if (noref)
            printf("%-30s %12.1f %12.1f %10s %8s\n", name, med * 1e3, t[0] * 1e3, "-",
                   ok ? "yes" : "NO");
        else
            printf("%-30s %12.1f %12.1f %10.1f %8s\n", name, med * 1e3, t[0] * 1e3, t_ref / med,
                   ok ? "yes" : "NO");
        fail |= !ok;
        if (isa[k]) {
            if (isa0)
                setenv("EP_KERNEL_ISA", isa0, 1);
            else
                unsetenv("EP_KERNEL_ISA");
        }
    }
    free(rs);
    free(rb);
    free(ks);
    free(kb);
    free(t);
    ep_matrix_free(&m);
    return fail ? 1 : 0;
}
