/* ep_kernel: pairwise co-voting agreement over the vote matrix's bit planes.
 *
 * same[i][j] = popcount((F_i&F_j)|(A_i&A_j)|(B_i&B_j)) (the three options are exclusive for
 * one MEP on one vote, so the OR of the three ANDs has no double counts), both[i][j] =
 * popcount(C_i&C_j) with C = F|A|B.
 *
 * Layout for the hot loop: the three planes and C are interleaved per MEP per word
 * (pk[(i*n_words + w)*4 + {F,A,B,C}]), so one MEP's data over a word range is one
 * contiguous stream. The output is tiled into TILE x TILE blocks of MEP pairs (bi <= bj); each
 * tile is one task, handed to worker threads through an atomic counter, and within a tile
 * the words are walked in chunks of CHUNK words so that the two row blocks being combined
 * (2 x TILE x CHUNK x 32 bytes = 256 KiB) stay in L2. A task writes only the cells
 * (i in bi, j in bj, i <= j) of the upper triangle; the lower half is mirrored after the
 * join, so threads never write the same cell. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ep_matrix.h"
#include "ep_model.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#define TILE 64  /* MEPs per tile side */
#define CHUNK 8  /* blocks (of 8 words, 512 votes) per pass over a tile */
#define BLOCK 32 /* uint64 per MEP per block: F[8], A[8], B[8], C[8] */
#define MAX_THREADS 256

struct kctx {
    const uint64_t *pk; /* per MEP, per block of 8 words: F[8] A[8] B[8] C[8] */
    int n, n_blocks, n_tiles, n_tasks;
    uint32_t *same, *both;
    atomic_int next;
    void (*tile)(const uint64_t *pk, int nb, int i0, int i1, int j0, int j1, int k0, int len,
                 uint32_t *acc_s, uint32_t *acc_b);
};

/* One tile: rows [i0,i1) x cols [j0,j1), words [w0,w1); accumulates into acc (TILE x TILE). */
/* Scalar tile: rows [i0,i1) x cols [j0,j1) (only j >= i), blocks [k0,k0+len); accumulates
 * into acc (TILE x TILE). Two columns per pass share the loads of row i. */
#define TILE_BODY                                                                                  \
    for (int i = i0; i < i1; i++) {                                                                \
        const uint64_t *a = pk + ((size_t)i * (size_t)nb + (size_t)k0) * BLOCK;                    \
        int jstart = j0 > i ? j0 : i;                                                              \
        uint32_t *as = acc_s + (size_t)(i - i0) * TILE;                                            \
        uint32_t *ab = acc_b + (size_t)(i - i0) * TILE;                                            \
        int j = jstart;                                                                            \
        for (; j + 1 < j1; j += 2) {                                                               \
            const uint64_t *b0 = pk + ((size_t)j * (size_t)nb + (size_t)k0) * BLOCK;               \
            const uint64_t *b1 = b0 + (size_t)nb * BLOCK;                                          \
            uint64_t s0 = 0, c0 = 0, s1 = 0, c1 = 0;                                               \
            for (int w = 0; w < len * 8; w++) {                                                    \
                int o = (w >> 3) * BLOCK + (w & 7);                                                \
                uint64_t f = a[o], g = a[o + 8], h = a[o + 16], c = a[o + 24];                     \
                s0 += (uint64_t)__builtin_popcountll((f & b0[o]) | (g & b0[o + 8]) |               \
                                                     (h & b0[o + 16]));                            \
                c0 += (uint64_t)__builtin_popcountll(c & b0[o + 24]);                              \
                s1 += (uint64_t)__builtin_popcountll((f & b1[o]) | (g & b1[o + 8]) |               \
                                                     (h & b1[o + 16]));                            \
                c1 += (uint64_t)__builtin_popcountll(c & b1[o + 24]);                              \
            }                                                                                      \
            as[j - j0] += (uint32_t)s0;                                                            \
            ab[j - j0] += (uint32_t)c0;                                                            \
            as[j + 1 - j0] += (uint32_t)s1;                                                        \
            ab[j + 1 - j0] += (uint32_t)c1;                                                        \
        }                                                                                          \
        for (; j < j1; j++) {                                                                      \
            const uint64_t *b0 = pk + ((size_t)j * (size_t)nb + (size_t)k0) * BLOCK;               \
            uint64_t s0 = 0, c0 = 0;                                                               \
            for (int w = 0; w < len * 8; w++) {                                                    \
                int o = (w >> 3) * BLOCK + (w & 7);                                                \
                s0 += (uint64_t)__builtin_popcountll((a[o] & b0[o]) | (a[o + 8] & b0[o + 8]) |     \
                                                     (a[o + 16] & b0[o + 16]));                    \
                c0 += (uint64_t)__builtin_popcountll(a[o + 24] & b0[o + 24]);                      \
            }                                                                                      \
            as[j - j0] += (uint32_t)s0;                                                            \
            ab[j - j0] += (uint32_t)c0;                                                            \
        }                                                                                          \
    }

__attribute__((target("popcnt"))) static void tile_popcnt(const uint64_t *pk, int nb, int i0,
                                                          int i1, int j0, int j1, int k0, int len,
                                                          uint32_t *acc_s, uint32_t *acc_b)
{
    TILE_BODY
}

static void tile_generic(const uint64_t *pk, int nb, int i0, int i1, int j0, int j1, int k0,
                         int len, uint32_t *acc_s, uint32_t *acc_b)
{
    TILE_BODY
}

#if defined(__x86_64__) && defined(__GNUC__)
#define HAVE_AVX512 1
/* AVX-512 VPOPCNTDQ tile: one block (8 words of each plane) per step; (x&y)|t in one
 * vpternlogq (truth table 0xEA). */
#define AVX512_TARGET __attribute__((target("avx512f,avx512vpopcntdq")))
AVX512_TARGET static void tile_avx512(const uint64_t *pk, int nb, int i0, int i1, int j0, int j1,
                                      int k0, int len, uint32_t *acc_s, uint32_t *acc_b)
{
    for (int i = i0; i < i1; i++) {
        const __m512i *a = (const __m512i *)(pk + ((size_t)i * (size_t)nb + (size_t)k0) * BLOCK);
        int jstart = j0 > i ? j0 : i;
        uint32_t *as = acc_s + (size_t)(i - i0) * TILE;
        uint32_t *ab = acc_b + (size_t)(i - i0) * TILE;
        int j = jstart;
        for (; j + 1 < j1; j += 2) {
            const __m512i *b0 =
                (const __m512i *)(pk + ((size_t)j * (size_t)nb + (size_t)k0) * BLOCK);
            const __m512i *b1 = b0 + (size_t)nb * 4;
            __m512i s0 = _mm512_setzero_si512(), c0 = s0, s1 = s0, c1 = s0;
            for (int k = 0; k < len; k++) {
                __m512i f = _mm512_load_si512(a + 4 * k), g = _mm512_load_si512(a + 4 * k + 1),
                        h = _mm512_load_si512(a + 4 * k + 2), c = _mm512_load_si512(a + 4 * k + 3);
                __m512i t0 = _mm512_and_si512(f, _mm512_load_si512(b0 + 4 * k));
                t0 = _mm512_ternarylogic_epi64(g, _mm512_load_si512(b0 + 4 * k + 1), t0, 0xEA);
                t0 = _mm512_ternarylogic_epi64(h, _mm512_load_si512(b0 + 4 * k + 2), t0, 0xEA);
                s0 = _mm512_add_epi64(s0, _mm512_popcnt_epi64(t0));
                c0 = _mm512_add_epi64(c0, _mm512_popcnt_epi64(_mm512_and_si512(
                                              c, _mm512_load_si512(b0 + 4 * k + 3))));
                __m512i t1 = _mm512_and_si512(f, _mm512_load_si512(b1 + 4 * k));
                t1 = _mm512_ternarylogic_epi64(g, _mm512_load_si512(b1 + 4 * k + 1), t1, 0xEA);
                t1 = _mm512_ternarylogic_epi64(h, _mm512_load_si512(b1 + 4 * k + 2), t1, 0xEA);
                s1 = _mm512_add_epi64(s1, _mm512_popcnt_epi64(t1));
                c1 = _mm512_add_epi64(c1, _mm512_popcnt_epi64(_mm512_and_si512(
                                              c, _mm512_load_si512(b1 + 4 * k + 3))));
            }
            as[j - j0] += (uint32_t)_mm512_reduce_add_epi64(s0);
            ab[j - j0] += (uint32_t)_mm512_reduce_add_epi64(c0);
            as[j + 1 - j0] += (uint32_t)_mm512_reduce_add_epi64(s1);
            ab[j + 1 - j0] += (uint32_t)_mm512_reduce_add_epi64(c1);
        }
        for (; j < j1; j++) {
            const __m512i *b0 =
                (const __m512i *)(pk + ((size_t)j * (size_t)nb + (size_t)k0) * BLOCK);
            __m512i s0 = _mm512_setzero_si512(), c0 = s0;
            for (int k = 0; k < len; k++) {
                __m512i t0 =
                    _mm512_and_si512(_mm512_load_si512(a + 4 * k), _mm512_load_si512(b0 + 4 * k));
                t0 = _mm512_ternarylogic_epi64(_mm512_load_si512(a + 4 * k + 1),
                                               _mm512_load_si512(b0 + 4 * k + 1), t0, 0xEA);
                t0 = _mm512_ternarylogic_epi64(_mm512_load_si512(a + 4 * k + 2),
                                               _mm512_load_si512(b0 + 4 * k + 2), t0, 0xEA);
                s0 = _mm512_add_epi64(s0, _mm512_popcnt_epi64(t0));
                c0 = _mm512_add_epi64(
                    c0, _mm512_popcnt_epi64(_mm512_and_si512(_mm512_load_si512(a + 4 * k + 3),
                                                             _mm512_load_si512(b0 + 4 * k + 3))));
            }
            as[j - j0] += (uint32_t)_mm512_reduce_add_epi64(s0);
            ab[j - j0] += (uint32_t)_mm512_reduce_add_epi64(c0);
        }
    }
}
#endif

static void run_task(struct kctx *k, int task, uint32_t *acc_s, uint32_t *acc_b)
{
    /* task -> (bi, bj) with bi <= bj, row-major over the upper triangle of tiles */
    int bi = 0, t = task, row = k->n_tiles;
    while (t >= row) {
        t -= row;
        bi++;
        row--;
    }
    int bj = bi + t;
    int i0 = bi * TILE, i1 = i0 + TILE < k->n ? i0 + TILE : k->n;
    int j0 = bj * TILE, j1 = j0 + TILE < k->n ? j0 + TILE : k->n;
    memset(acc_s, 0, sizeof(uint32_t) * TILE * TILE);
    memset(acc_b, 0, sizeof(uint32_t) * TILE * TILE);
    for (int k0 = 0; k0 < k->n_blocks; k0 += CHUNK) {
        int len = k->n_blocks - k0 < CHUNK ? k->n_blocks - k0 : CHUNK;
        k->tile(k->pk, k->n_blocks, i0, i1, j0, j1, k0, len, acc_s, acc_b);
    }
    for (int i = i0; i < i1; i++) {
        int jstart = j0 > i ? j0 : i;
        for (int j = jstart; j < j1; j++) {
            k->same[(size_t)i * (size_t)k->n + (size_t)j] =
                acc_s[(size_t)(i - i0) * TILE + (size_t)(j - j0)];
            k->both[(size_t)i * (size_t)k->n + (size_t)j] =
                acc_b[(size_t)(i - i0) * TILE + (size_t)(j - j0)];
        }
    }
}

/* Best code path this CPU runs. EP_KERNEL_ISA=generic|popcnt|avx512 caps it (for tests and
 * comparisons); a cap above what the CPU supports falls back to the best supported path. */
static void (*pick_tile(void))(const uint64_t *, int, int, int, int, int, int, int, uint32_t *,
                               uint32_t *)
{
    const char *cap = getenv("EP_KERNEL_ISA");
    int level = 2;
    if (cap && strcmp(cap, "generic") == 0)
        level = 0;
    else if (cap && strcmp(cap, "popcnt") == 0)
        level = 1;
    __builtin_cpu_init();
#ifdef HAVE_AVX512
    if (level >= 2 && __builtin_cpu_supports("avx512f") &&
        __builtin_cpu_supports("avx512vpopcntdq"))
        return tile_avx512;
#endif
    if (level >= 1 && __builtin_cpu_supports("popcnt"))
        return tile_popcnt;
    return tile_generic;
}

static void *worker(void *arg)
{
    struct kctx *k = arg;
    uint32_t acc_s[TILE * TILE], acc_b[TILE * TILE];
    for (;;) {
        int task = atomic_fetch_add(&k->next, 1);
        if (task >= k->n_tasks)
            break;
        run_task(k, task, acc_s, acc_b);
    }
    return NULL;
}

int ep_kernel_agree(const struct ep_matrix *m, uint32_t *same, uint32_t *both, int nthreads,
                    struct ep_error *err)
{
    if (!m || !same || !both)
        return ep_error_set(err, EP_EINVAL, "ep_kernel_agree: NULL argument");
    int n = m->n_mep, nw = m->n_words;
    if (n < 0 || nw < 0)
        return ep_error_set(err, EP_EINVAL, "ep_kernel_agree: negative matrix size");
    if (n == 0)
        return EP_OK;
    if (nw == 0) {
        memset(same, 0, sizeof(uint32_t) * (size_t)n * (size_t)n);
        memset(both, 0, sizeof(uint32_t) * (size_t)n * (size_t)n);
        return EP_OK;
    }
    int nb = (nw + 7) / 8;
    size_t bytes = (size_t)n * (size_t)nb * BLOCK * sizeof(uint64_t);
    uint64_t *pk = aligned_alloc(64, bytes);
    if (!pk)
        return ep_error_set(err, EP_ENOMEM, "ep_kernel_agree: out of memory for %d x %d words", n,
                            nw);
    memset(pk, 0, bytes);
    for (int i = 0; i < n; i++) {
        const uint64_t *f = m->plane[0] + (size_t)i * (size_t)nw;
        const uint64_t *a = m->plane[1] + (size_t)i * (size_t)nw;
        const uint64_t *b = m->plane[2] + (size_t)i * (size_t)nw;
        uint64_t *d = pk + (size_t)i * (size_t)nb * BLOCK;
        for (int w = 0; w < nw; w++) {
            uint64_t *o = d + (size_t)(w >> 3) * BLOCK + (w & 7);
            o[0] = f[w];
            o[8] = a[w];
            o[16] = b[w];
            o[24] = f[w] | a[w] | b[w];
        }
    }

    struct kctx k;
    k.pk = pk;
    k.n = n;
    k.n_blocks = nb;
    k.n_tiles = (n + TILE - 1) / TILE;
    k.n_tasks = k.n_tiles * (k.n_tiles + 1) / 2;
    k.same = same;
    k.both = both;
    atomic_init(&k.next, 0);
    k.tile = pick_tile();

    if (nthreads <= 0) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        nthreads = c > 0 ? (int)c : 1;
    }
    if (nthreads > MAX_THREADS)
        nthreads = MAX_THREADS;
    if (nthreads > k.n_tasks)
        nthreads = k.n_tasks;

    pthread_t tid[MAX_THREADS];
    int started = 0;
    for (int t = 1; t < nthreads; t++) {
        if (pthread_create(&tid[started], NULL, worker, &k) != 0)
            break; /* fewer threads: the calling thread and the others take the remaining tasks */
        started++;
    }
    worker(&k);
    for (int t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
    free(pk);

    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            same[(size_t)j * (size_t)n + (size_t)i] = same[(size_t)i * (size_t)n + (size_t)j];
            both[(size_t)j * (size_t)n + (size_t)i] = both[(size_t)i * (size_t)n + (size_t)j];
        }
    return EP_OK;
}

int ep_kernel_agree_ref(const struct ep_matrix *m, uint32_t *same, uint32_t *both,
                        struct ep_error *err)
{
    if (!m || !same || !both)
        return ep_error_set(err, EP_EINVAL, "ep_kernel_agree_ref: NULL argument");
    int n = m->n_mep;
    for (int i = 0; i < n; i++) {
        for (int j = i; j < n; j++) {
            uint32_t s = 0, b = 0;
            for (int v = 0; v < m->n_vote; v++) {
                int pi = m->pos[(size_t)v * (size_t)n + (size_t)i];
                int pj = m->pos[(size_t)v * (size_t)n + (size_t)j];
                if (pi >= EP_POS_FOR && pi <= EP_POS_ABSTENTION && pj >= EP_POS_FOR &&
                    pj <= EP_POS_ABSTENTION) {
                    b++;
                    if (pi == pj)
                        s++;
                }
            }
            same[(size_t)i * (size_t)n + (size_t)j] = same[(size_t)j * (size_t)n + (size_t)i] = s;
            both[(size_t)i * (size_t)n + (size_t)j] = both[(size_t)j * (size_t)n + (size_t)i] = b;
        }
    }
    return EP_OK;
}
