/* test_graph: co-voting network on small constructed matrices, hand-computed expectations
 * (docs/methodology.md, "Co-voting network"). */
#include "ep_testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ep_graph.h"
#include "ep_matrix.h"
#include "ep_model.h"

#define EPS 1e-9
#define near(a, b) assert_true(fabs((a) - (b)) < EPS)
#define near_tol(a, b, t) assert_true(fabs((a) - (b)) < (t))

/* Votes as strings (one char per MEP: Y N A D '.'), fixed group per MEP. */
static void mk(struct ep_matrix *m, int n_mep, int n_vote, const char *const *votes, const int *grp,
               int n_grp)
{
    assert_int_equal(ep_matrix_alloc(m, n_mep, n_vote, NULL), 0);
    const char *codes[4] = {"A", "B", "C", "D"};
    for (int g = 0; g < n_grp; g++)
        assert_int_equal(ep_matrix_group_index(m, codes[g]), g);
    for (int i = 0; i < n_mep; i++)
        m->mep_id[i] = 100 + i;
    for (int v = 0; v < n_vote; v++) {
        m->vote_id[v] = v + 1;
        m->vote_day[v] = 19000 + v;
        for (int i = 0; i < n_mep; i++) {
            char c = votes[v][i];
            int p = c == 'Y'   ? EP_POS_FOR
                    : c == 'N' ? EP_POS_AGAINST
                    : c == 'A' ? EP_POS_ABSTENTION
                    : c == 'D' ? EP_POS_DID_NOT_VOTE
                               : EP_POS_NONE;
            ep_matrix_set(m, v, i, p, p == EP_POS_NONE ? -1 : grp[i]);
        }
    }
}

/* Reference agreement straight from pos[] (independent of the bit-plane kernel). */
static void agree(const struct ep_matrix *m, uint32_t **same, uint32_t **both)
{
    int n = m->n_mep;
    *same = calloc((size_t)n * (size_t)n, sizeof **same);
    *both = calloc((size_t)n * (size_t)n, sizeof **both);
    assert_non_null(*same);
    assert_non_null(*both);
    for (int v = 0; v < m->n_vote; v++)
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) {
                int a = m->pos[(size_t)v * n + i], b = m->pos[(size_t)v * n + j];
                if (a < 1 || a > 3 || b < 1 || b > 3)
                    continue;
                (*both)[i * n + j]++;
                (*same)[i * n + j] += a == b;
            }
}

static int build(const struct ep_matrix *m, const struct ep_graph_params *p,
                 const struct ep_graph_hooks *h, struct ep_graph *g)
{
    uint32_t *same, *both;
    agree(m, &same, &both);
    struct ep_error err = {0};
    int rc = ep_graph_build(m, same, both, p, h, g, &err);
    if (rc && rc != EP_ECANCELED)
        fprintf(stderr, "build: %s\n", err.msg);
    free(same);
    free(both);
    return rc;
}

/* Edge weight of nodes a, b (or -1 when no edge). */
static double edge_w(const struct ep_graph *g, int a, int b)
{
    igraph_integer_t eid;
    if (igraph_get_eid(&g->g, &eid, a, b, 0, 0) != IGRAPH_SUCCESS || eid < 0)
        return -1;
    return VECTOR(g->weight)[eid];
}

/* ---- two cliques ----------------------------------------------------------------------------
 * MEPs 0-2 (group A) and 3-5 (group B); votes 0-9 A = Y, B = N; votes 10-11 everyone Y.
 * MEP 6 never casts (D on every vote): not a node.
 * Weights: within a bloc 12/12 = 1; across 2/12 = 1/6 (both cast 12 >= min_common 10).
 * m = 6·1 + 9·(1/6) = 7.5; strength = 2 + 3/6 = 2.5 per node; each bloc: L_c = 3, d_c = 7.5.
 * Q = 2·[3/7.5 − (7.5/15)²] = 2·(0.4 − 0.25) = 0.3 (by group and for the detected split). */
static void mk_cliques(struct ep_matrix *m)
{
    const char *votes[12];
    for (int v = 0; v < 12; v++)
        votes[v] = v < 10 ? "YYYNNND" : "YYYYYYD";
    const int grp[7] = {0, 0, 0, 1, 1, 1, 1};
    mk(m, 7, 12, votes, grp, 2);
}

static void test_cliques(void **state)
{
    (void)state;
    struct ep_matrix m;
    mk_cliques(&m);
    struct ep_graph g;
    assert_int_equal(build(&m, NULL, NULL, &g), 0);
    assert_int_equal(g.n_node, 6);  /* MEP 6 never cast */
    assert_int_equal(g.n_edge, 15); /* 6·5/2, all pairs share 12 >= 10 votes */
    near(edge_w(&g, 0, 1), 1.0);
    near(edge_w(&g, 0, 3), 2.0 / 12.0);
    near(g.node[0].strength, 2.5);
    assert_int_equal(g.node[0].degree, 5);
    assert_int_equal(g.node[5].mep, 5);
    assert_int_equal(g.node[4].grp, 1);
    assert_true(g.modularity_group_ok);
    near(g.modularity_group, 0.3);
    assert_true(g.modularity_ok);
    assert_int_equal(g.n_comm, 2);
    near(g.modularity, 0.3);
    assert_int_equal(g.node[0].community, 0);
    assert_int_equal(g.node[3].community, 1);
    /* symmetric graph: equal PageRank 1/6, eigenvector centrality 1 (scaled) */
    for (int k = 0; k < 6; k++) {
        near_tol(g.node[k].pagerank, 1.0 / 6.0, 1e-9);
        near_tol(g.node[k].eigen, 1.0, 1e-9);
    }
    /* threshold 0.8: the 6 within-bloc edges, 2 components of 3 */
    assert_int_equal(g.thr_edges, 6);
    assert_int_equal(g.thr_components, 2);
    assert_int_equal(g.thr_largest, 3);
    assert_int_equal(g.n_faction, 0);
    /* modularity of a given partition: all in one -> 0 */
    int one[6] = {0};
    double q = 1;
    assert_int_equal(ep_graph_modularity(&g, one, 1.0, &q, NULL), 0);
    near(q, 0.0);
    ep_graph_free(&g);
    ep_graph_free(&g); /* safe twice */

    /* min_common above the 12 common votes: no edges, modularity unavailable (never 0) */
    struct ep_graph_params p;
    ep_graph_params_default(&p);
    p.min_common = 13;
    assert_int_equal(build(&m, &p, NULL, &g), 0);
    assert_int_equal(g.n_edge, 0);
    assert_false(g.modularity_ok);
    assert_false(g.modularity_group_ok);
    near(g.modularity, EP_GRAPH_UNDEF);
    assert_false(g.node[0].bridge_ok);
    ep_graph_free(&g);
    ep_matrix_free(&m);
}

/* ---- three blocs, group A split ------------------------------------------------------------
 * MEPs 0-2 and 3-5 are group A, 6-8 group B. Bloc P1 (0-2) votes Y on votes 0-3, P2 (3-5) on
 * 4-7, P3 (6-8) on 8-11, N elsewhere. Within a bloc w = 1; across blocs they agree on the 4
 * votes where both say N: w = 4/12 = 1/3.
 * m = 9·1 + 27·(1/3) = 18; strength = 2 + 6/3 = 4; per bloc L = 3, d = 12.
 * Detected (3 blocs): Q = 3·[3/18 − (12/36)²] = 3·(1/6 − 1/9) = 1/6.
 * By group (A = 0-5, B = 6-8): A: L = 3+3+9/3 = 9, d = 24; B: L = 3, d = 12:
 * Q = 9/18 − (24/36)² + 3/18 − (12/36)² = 0.5 − 0.4444 + 0.1667 − 0.1111 = 1/9. */
static void mk_blocs(struct ep_matrix *m)
{
    const char *votes[12];
    for (int v = 0; v < 12; v++)
        votes[v] = v < 4 ? "YYYNNNNNN" : v < 8 ? "NNNYYYNNN" : "NNNNNNYYY";
    const int grp[9] = {0, 0, 0, 0, 0, 0, 1, 1, 1};
    mk(m, 9, 12, votes, grp, 2);
}

static void test_blocs_factions(void **state)
{
    (void)state;
    struct ep_matrix m;
    mk_blocs(&m);
    struct ep_graph_params p;
    ep_graph_params_default(&p);
    p.top_k = 4;
    for (int algo = 0; algo < 2; algo++) {
        p.algo = algo;
        struct ep_graph g;
        assert_int_equal(build(&m, &p, NULL, &g), 0);
        near(edge_w(&g, 0, 3), 1.0 / 3.0);
        near(g.node[0].strength, 4.0);
        assert_int_equal(g.n_comm, 3);
        near_tol(g.modularity, 1.0 / 6.0, 1e-12);
        near_tol(g.modularity_group, 1.0 / 9.0, 1e-12);
        /* factions: A's 6 members split 3 + 3 over two communities (50% each >= 10%) */
        assert_int_equal(g.n_faction, 2);
        assert_int_equal(g.faction[0].grp, 0);
        assert_int_equal(g.faction[0].members, 3);
        near(g.faction[0].share, 0.5);
        assert_int_not_equal(g.faction[0].community, g.faction[1].community);
        /* bridge (top-4 edges, ties by lower neighbour index):
         * MEP 0: 1, 2 (w 1) then 3, 4 (w 1/3, group A) -> outside 0 -> 0.
         * MEP 6: 7, 8 (w 1) then 0, 1 (w 1/3, group A) -> (2/3)/(2 + 2/3) = 0.25 */
        near(g.node[0].bridge, 0.0);
        assert_true(g.node[0].bridge_ok);
        near(g.node[6].bridge, 0.25);
        /* backbone: within-bloc edges (9) + for each node its two lowest-index other-bloc
         * neighbours: 0,1,2 -> {3,4}; 3,4,5 -> {0,1}; 6,7,8 -> {0,1}. Union of cross edges:
         * 0-3,0-4,1-3,1-4,2-3,2-4,3-0..(dup),5-0,5-1,6-0,6-1,7-0,7-1,8-0,8-1 = 14 -> 23 */
        assert_int_equal(g.backbone_edges, 23);
        assert_int_equal(g.thr_components, 3);
        ep_graph_free(&g);
    }
    ep_matrix_free(&m);
}

/* ---- betweenness on distance 1 − w ----------------------------------------------------------
 * Three MEPs with agreement arrays given directly: w01 = 9/10, w12 = 9/10, w02 = 5/10.
 * Distances 0.1, 0.1, 0.5: the shortest 0–2 path runs through 1 (0.2 < 0.5), so betweenness
 * is 1 for MEP 1 and 0 for the others. */
static void test_betweenness(void **state)
{
    (void)state;
    const char *votes[10];
    for (int v = 0; v < 10; v++)
        votes[v] = "YYY";
    const int grp[3] = {0, 0, 1};
    struct ep_matrix m;
    mk(&m, 3, 10, votes, grp, 2);
    uint32_t both[9] = {10, 10, 10, 10, 10, 10, 10, 10, 10};
    uint32_t same[9] = {10, 9, 5, 9, 10, 9, 5, 9, 10};
    struct ep_graph g;
    assert_int_equal(ep_graph_build(&m, same, both, NULL, NULL, &g, NULL), 0);
    assert_int_equal(g.n_edge, 3);
    near(g.node[1].betweenness, 1.0);
    near(g.node[0].betweenness, 0.0);
    near(g.node[2].betweenness, 0.0);
    /* MEP 1's strength 1.8 is the largest: highest eigenvector centrality (scaled to 1) */
    near(g.node[1].eigen, 1.0);
    assert_true(g.node[0].eigen < 1.0);
    near(g.node[1].strength, 1.8);
    ep_graph_free(&g);
    ep_matrix_free(&m);
}

/* ---- centralities on demand ------------------------------------------------------------------
 * A build with centralities = 0 leaves eigenvector, PageRank and betweenness undefined, keeps
 * everything else, and ep_graph_centralities then fills exactly the values of a full build
 * (three blocs: every node's three values; the path graph above: betweenness 1 for MEP 1). */
static void test_centralities_on_demand(void **state)
{
    (void)state;
    struct ep_matrix m;
    mk_blocs(&m);
    struct ep_graph_params p;
    ep_graph_params_default(&p);
    p.top_k = 4;
    struct ep_graph full, lazy;
    assert_int_equal(build(&m, &p, NULL, &full), 0);
    assert_true(full.have_centralities);
    p.centralities = 0;
    assert_int_equal(build(&m, &p, NULL, &lazy), 0);
    assert_false(lazy.have_centralities);
    assert_int_equal(lazy.n_comm, 3);
    assert_int_equal(lazy.backbone_edges, 23);
    near_tol(lazy.modularity, 1.0 / 6.0, 1e-12);
    for (int k = 0; k < 9; k++) {
        near(lazy.node[k].eigen, EP_GRAPH_UNDEF);
        near(lazy.node[k].pagerank, EP_GRAPH_UNDEF);
        near(lazy.node[k].betweenness, EP_GRAPH_UNDEF);
        assert_int_equal(lazy.node[k].community, full.node[k].community);
    }
    struct ep_error err = {0};
    assert_int_equal(ep_graph_centralities(&lazy, NULL, &err), 0);
    assert_true(lazy.have_centralities);
    for (int k = 0; k < 9; k++) {
        assert_true(lazy.node[k].eigen > 0);
        assert_true(lazy.node[k].eigen == full.node[k].eigen);
        assert_true(lazy.node[k].pagerank == full.node[k].pagerank);
        assert_true(lazy.node[k].betweenness == full.node[k].betweenness);
    }
    assert_int_equal(ep_graph_centralities(&lazy, NULL, &err), 0); /* no-op the second time */
    ep_graph_free(&full);
    ep_graph_free(&lazy);
    assert_int_equal(ep_graph_centralities(&lazy, NULL, &err), EP_EINVAL); /* freed: no graph */
    ep_matrix_free(&m);

    const char *votes[10];
    for (int v = 0; v < 10; v++)
        votes[v] = "YYY";
    const int grp[3] = {0, 0, 1};
    mk(&m, 3, 10, votes, grp, 2);
    uint32_t both[9] = {10, 10, 10, 10, 10, 10, 10, 10, 10};
    uint32_t same[9] = {10, 9, 5, 9, 10, 9, 5, 9, 10};
    ep_graph_params_default(&p);
    p.centralities = 0;
    assert_int_equal(ep_graph_build(&m, same, both, &p, NULL, &lazy, NULL), 0);
    assert_int_equal(ep_graph_centralities(&lazy, NULL, &err), 0);
    near(lazy.node[1].betweenness, 1.0);
    near(lazy.node[0].betweenness, 0.0);
    near(lazy.node[1].eigen, 1.0);
    ep_graph_free(&lazy);
    ep_matrix_free(&m);
}

/* ---- modal group ---------------------------------------------------------------------------- */
static void test_modal_group(void **state)
{
    (void)state;
    struct ep_matrix m;
    assert_int_equal(ep_matrix_alloc(&m, 2, 4, NULL), 0);
    ep_matrix_group_index(&m, "A");
    ep_matrix_group_index(&m, "B");
    /* MEP 0: A, A, B, B -> 2:2 tie -> the later group B. MEP 1: B, B, B, A -> B (3 > 1). */
    const int g0[4] = {0, 0, 1, 1}, g1[4] = {1, 1, 1, 0};
    for (int v = 0; v < 4; v++) {
        ep_matrix_set(&m, v, 0, EP_POS_FOR, g0[v]);
        ep_matrix_set(&m, v, 1, EP_POS_FOR, g1[v]);
    }
    assert_int_equal(ep_graph_modal_group(&m, 0), 1);
    assert_int_equal(ep_graph_modal_group(&m, 1), 1);
    ep_matrix_free(&m);
}

/* ---- hooks ------------------------------------------------------------------------------------
 */
struct prog {
    int calls;
    double last;
    int monotone;
};

static void on_prog(void *ctx, double pct, const char *what)
{
    struct prog *p = ctx;
    (void)what;
    if (pct + 1e-9 < p->last)
        p->monotone = 0;
    p->last = pct;
    p->calls++;
}

static void test_hooks(void **state)
{
    (void)state;
    struct ep_matrix m;
    mk_blocs(&m);
    struct prog pr = {0, 0, 1};
    volatile int cancel = 0;
    struct ep_graph_hooks h = {on_prog, &cancel, &pr};
    struct ep_graph g;
    assert_int_equal(build(&m, NULL, &h, &g), 0);
    assert_true(pr.calls >= 5);
    near(pr.last, 100.0);
    int comm[9];
    for (int k = 0; k < 9; k++)
        comm[k] = g.node[k].community;
    ep_graph_free(&g);
    /* deterministic: same seed, same communities */
    assert_int_equal(build(&m, NULL, NULL, &g), 0);
    for (int k = 0; k < 9; k++)
        assert_int_equal(g.node[k].community, comm[k]);
    ep_graph_free(&g);
    cancel = 1;
    assert_int_equal(build(&m, NULL, &h, &g), EP_ECANCELED);
    assert_int_equal(g.n_node, 0); /* freed on error */
    ep_matrix_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cliques),     cmocka_unit_test(test_blocs_factions),
        cmocka_unit_test(test_betweenness), cmocka_unit_test(test_modal_group),
        cmocka_unit_test(test_hooks),       cmocka_unit_test(test_centralities_on_demand),
    };
    ep_graph_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
