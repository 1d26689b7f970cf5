/* Tests for the pairwise agreement kernel: bit-plane kernel == plain reference, on hand-built
 * matrices with hand-computed figures, across word and tile boundaries, on random matrices
 * with several thread counts, and on a synthetic matrix. */
#include "ep_testutil.h"

#include <stdlib.h>
#include <string.h>

#include "ep_matrix.h"
#include "ep_model.h"
#include "ep_synth.h"

enum { F = EP_POS_FOR, A = EP_POS_AGAINST, X = EP_POS_ABSTENTION, D = EP_POS_DID_NOT_VOTE };

static uint64_t mix(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* Random matrix: every cell one of NONE, FOR, AGAINST, ABSTENTION, DID_NOT_VOTE. */
static void random_matrix(struct ep_matrix *m, int n, int nv, uint64_t seed)
{
    assert_int_equal(ep_matrix_alloc(m, n, nv, NULL), 0);
    int g = ep_matrix_group_index(m, "EPP");
    for (int v = 0; v < nv; v++)
        for (int i = 0; i < n; i++) {
            int p = (int)(mix(&seed) % 5);
            ep_matrix_set(m, v, i, p, p ? g : -1);
        }
}

/* Kernel with nthreads == reference, symmetric, diagonal = cast count. */
static void check_equal(const struct ep_matrix *m, int nthreads)
{
    size_t n = (size_t)m->n_mep, cells = n > 0 ? n * n : 1;
    uint32_t *s1 = calloc(cells, 4), *b1 = calloc(cells, 4), *s2 = calloc(cells, 4),
             *b2 = calloc(cells, 4);
    assert_non_null(s1);
    assert_non_null(b1);
    assert_non_null(s2);
    assert_non_null(b2);
    memset(s1, 0xAB, cells * 4); /* every cell must be written */
    memset(b1, 0xAB, cells * 4);
    struct ep_error err = {0};
    assert_int_equal(ep_kernel_agree_ref(m, s2, b2, &err), 0);
    assert_int_equal(ep_kernel_agree(m, s1, b1, nthreads, &err), 0);
    assert_memory_equal(s1, s2, n * n * 4);
    assert_memory_equal(b1, b2, n * n * 4);
    for (size_t i = 0; i < n; i++) {
        uint32_t cast = 0;
        for (int v = 0; v < m->n_vote; v++) {
            int p = m->pos[(size_t)v * n + i];
            cast += p >= F && p <= X;
        }
        assert_int_equal(b1[i * n + i], cast);
        assert_int_equal(s1[i * n + i], cast);
        for (size_t j = 0; j < n; j++) {
            assert_int_equal(s1[i * n + j], s1[j * n + i]);
            assert_true(s1[i * n + j] <= b1[i * n + j]);
        }
    }
    free(s1);
    free(b1);
    free(s2);
    free(b2);
}

static void test_hand_3x5(void **state)
{
    /* MEP 0: F F A X D
     * MEP 1: F A A D F
     * MEP 2: X F A X NONE
     * (0,1): both cast on v0..v2 -> both 3; same on v0 (F) and v2 (A) -> same 2
     * (0,2): both cast on v0..v3 -> both 4; same on v1, v2, v3 -> same 3
     * (1,2): both cast on v0..v2 -> both 3; same on v2 only -> same 1
     * diagonal: casts 4, 4, 4 */
    static const int P[3][5] = {{F, F, A, X, D}, {F, A, A, D, F}, {X, F, A, X, EP_POS_NONE}};
    static const uint32_t SAME[9] = {4, 2, 3, 2, 4, 1, 3, 1, 4};
    static const uint32_t BOTH[9] = {4, 3, 4, 3, 4, 3, 4, 3, 4};
    struct ep_matrix m;
    assert_int_equal(ep_matrix_alloc(&m, 3, 5, NULL), 0);
    for (int i = 0; i < 3; i++)
        for (int v = 0; v < 5; v++)
            ep_matrix_set(&m, v, i, P[i][v], 0);
    uint32_t s[9], b[9];
    for (int t = 1; t <= 3; t++) {
        assert_int_equal(ep_kernel_agree(&m, s, b, t, NULL), 0);
        assert_memory_equal(s, SAME, sizeof s);
        assert_memory_equal(b, BOTH, sizeof b);
    }
    assert_int_equal(ep_kernel_agree_ref(&m, s, b, NULL), 0);
    assert_memory_equal(s, SAME, sizeof s);
    assert_memory_equal(b, BOTH, sizeof b);
    ep_matrix_free(&m);
}

/* Two MEPs over 130 votes (three words): agreement only in the last bits of each word. */
static void test_hand_words(void **state)
{
    struct ep_matrix m;
    assert_int_equal(ep_matrix_alloc(&m, 2, 130, NULL), 0);
    /* MEP 0 votes FOR on 63, 64, 127, 128, 129; MEP 1 FOR on 63, 127, 129, AGAINST on 64,
     * ABSTENTION on 128: both = 5, same = 3 */
    int v0[] = {63, 64, 127, 128, 129};
    int p1[] = {F, A, F, X, F};
    for (int k = 0; k < 5; k++) {
        ep_matrix_set(&m, v0[k], 0, F, 0);
        ep_matrix_set(&m, v0[k], 1, p1[k], 0);
    }
    uint32_t s[4], b[4];
    assert_int_equal(ep_kernel_agree(&m, s, b, 2, NULL), 0);
    assert_int_equal(s[1], 3);
    assert_int_equal(b[1], 5);
    assert_int_equal(s[2], 3);
    assert_int_equal(b[2], 5);
    assert_int_equal(s[0], 5);
    assert_int_equal(b[3], 5);
    ep_matrix_free(&m);
}

static void test_word_boundaries(void **state)
{
    static const int NV[] = {1, 63, 64, 65, 127, 128, 129};
    static const int NM[] = {1, 2, 3, 65};
    for (size_t a = 0; a < sizeof NV / sizeof NV[0]; a++)
        for (size_t b = 0; b < sizeof NM / sizeof NM[0]; b++) {
            struct ep_matrix m;
            random_matrix(&m, NM[b], NV[a], (uint64_t)(a * 31 + b));
            check_equal(&m, 1);
            check_equal(&m, 2);
            ep_matrix_free(&m);
        }
}

static void test_random(void **state)
{
    /* 150 MEPs: three row tiles; 4500 votes: 71 words, more than one word chunk */
    static const int sizes[][2] = {{150, 1000}, {130, 4500}, {64, 64}, {129, 257}};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
        for (uint64_t seed = 1; seed <= 3; seed++) {
            struct ep_matrix m;
            random_matrix(&m, sizes[k][0], sizes[k][1], seed * 1000 + k);
            for (int t = 0; t <= 3; t++)
                check_equal(&m, t);
            ep_matrix_free(&m);
        }
}

static void test_synthetic(void **state)
{
    struct ep_synth_params p;
    ep_synth_default_params(&p);
    struct ep_matrix m;
    assert_int_equal(ep_synth_fill_matrix(&p, 300, 2000, 11, &m, NULL), 0);
    check_equal(&m, 0);
    check_equal(&m, 1);
    ep_matrix_free(&m);
}

/* Every code path (EP_KERNEL_ISA caps the dispatch) gives the reference's figures. */
static void test_isa_paths(void **state)
{
    static const char *ISA[] = {"generic", "popcnt", "avx512"};
    static const int sizes[][2] = {{3, 5}, {65, 129}, {70, 700}, {129, 4200}};
    for (size_t a = 0; a < 3; a++) {
        setenv("EP_KERNEL_ISA", ISA[a], 1);
        for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
            struct ep_matrix m;
            random_matrix(&m, sizes[k][0], sizes[k][1], 77 + k);
            check_equal(&m, 1);
            check_equal(&m, 2);
            ep_matrix_free(&m);
        }
    }
    unsetenv("EP_KERNEL_ISA");
}

static void test_edge_cases(void **state)
{
    struct ep_matrix m;
    uint32_t s[4] = {7, 7, 7, 7}, b[4] = {7, 7, 7, 7};
    struct ep_error err = {0};
    assert_int_equal(ep_kernel_agree(NULL, s, b, 1, &err), EP_EINVAL);
    assert_int_equal(ep_kernel_agree_ref(NULL, s, b, &err), EP_EINVAL);
    /* no votes: all zero */
    assert_int_equal(ep_matrix_alloc(&m, 2, 0, NULL), 0);
    assert_int_equal(ep_kernel_agree(&m, s, b, 1, &err), 0);
    for (int k = 0; k < 4; k++)
        assert_int_equal(s[k] + b[k], 0);
    assert_int_equal(ep_kernel_agree(&m, NULL, b, 1, &err), EP_EINVAL);
    ep_matrix_free(&m);
    /* no MEPs: nothing to do */
    assert_int_equal(ep_matrix_alloc(&m, 0, 10, NULL), 0);
    assert_int_equal(ep_kernel_agree(&m, s, b, 1, &err), 0);
    ep_matrix_free(&m);
    /* more threads than work */
    random_matrix(&m, 2, 10, 5);
    check_equal(&m, 64);
    ep_matrix_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_3x5),        cmocka_unit_test(test_hand_words),
        cmocka_unit_test(test_word_boundaries), cmocka_unit_test(test_random),
        cmocka_unit_test(test_synthetic),       cmocka_unit_test(test_isa_paths),
        cmocka_unit_test(test_edge_cases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
