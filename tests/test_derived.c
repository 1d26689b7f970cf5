/* Derived results persisted in the store (engine/ep_derived.h, graph/ep_graph_blob.h,
 * stats/ep_stats_blob.h) on the bundled real data: every payload read back equals the freshly
 * computed result field by field (doubles bit for bit), through the store and through the
 * analysis window cache; an ingest invalidates the rows; a damaged or truncated row is detected,
 * dropped and recomputed, never used; readers on several connections at once see whole rows. */
#include <math.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_derived.h"
#include "ep_graph.h"
#include "ep_graph_blob.h"
#include "ep_model.h"
#include "ep_precompute.h"
#include "ep_stats.h"
#include "ep_stats_blob.h"
#include "ep_store.h"
#include "ep_store_db.h"
#include "ep_synth.h"
#include "ep_testutil.h"
#include "ep_util.h"
#include "ep_window.h"

static struct ep_store *S; /* the bundled dataset */
static struct ep_matrix M; /* its default window */
static char *Dir;
static char Path[1200];
static const char *const WIN = "||0|"; /* ep_derived_window_key of the default window */

static int setup(void **state)
{
    (void)state;
    struct ep_error err = {0};
    Dir = ep_test_tmpdir();
    snprintf(Path, sizeof Path, "%s/derived.db", Dir);
    struct ep_window w = {0};
    if (ep_store_open(Path, 0, &S, &err) || ep_store_ensure_default(S, NULL, NULL, &err) ||
        ep_store_load_matrix(S, &w, &M, &err)) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ep_matrix_free(&M);
    ep_store_close(S);
    ep_test_system("rm -rf '%s'", Dir);
    free(Dir);
    return 0;
}

static long long scalar(struct ep_store *s, const char *sql)
{
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(ep_store_db(s), sql, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    long long v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return v;
}

static void exec_sql(struct ep_store *s, const char *sql)
{
    assert_int_equal(sqlite3_exec(ep_store_db(s), sql, NULL, NULL, NULL), SQLITE_OK);
}

/* doubles compared bit for bit */
#define assert_same_f64(a, b)                                                                   \
    do {                                                                                        \
        double a_ = (a), b_ = (b);                                                              \
        assert_memory_equal(&a_, &b_, sizeof a_);                                               \
    } while (0)

/* ---- the graph ----------------------------------------------------------------------------- */

/* cent_tol: 0 = every field bit for bit; > 0 = eigenvector centrality and PageRank within that
 * relative tolerance. ARPACK (eigenvector centrality) draws its start vector from a seed it
 * keeps and advances from call to call, and PRPACK (PageRank) sums in parallel, so two
 * computations of the same graph differ in the last bits of both (the JSON's rounding hides
 * it); a stored graph is the one place where they are reused exactly. */
static void assert_graph_eq(const struct ep_graph *a, const struct ep_graph *b, double cent_tol)
{
    assert_int_equal(a->n_node, b->n_node);
    assert_int_equal(a->n_edge, b->n_edge);
    assert_int_equal(a->min_common, b->min_common);
    assert_int_equal(a->top_k, b->top_k);
    assert_int_equal(a->algo, b->algo);
    assert_int_equal(a->n_comm, b->n_comm);
    assert_int_equal(a->modularity_ok, b->modularity_ok);
    assert_same_f64(a->modularity, b->modularity);
    assert_int_equal(a->modularity_group_ok, b->modularity_group_ok);
    assert_same_f64(a->modularity_group, b->modularity_group);
    assert_int_equal(a->backbone_edges, b->backbone_edges);
    assert_same_f64(a->eps_distance, b->eps_distance);
    assert_int_equal(a->have_centralities, b->have_centralities);
    assert_same_f64(a->threshold, b->threshold);
    assert_int_equal(a->thr_edges, b->thr_edges);
    assert_int_equal(a->thr_components, b->thr_components);
    assert_int_equal(a->thr_largest, b->thr_largest);
    assert_int_equal(a->thr_components_nontrivial, b->thr_components_nontrivial);
    for (int k = 0; k < a->n_node; k++) {
        const struct ep_graph_node *x = &a->node[k], *y = &b->node[k];
        assert_int_equal(x->mep, y->mep);
        assert_int_equal(x->grp, y->grp);
        assert_int_equal(x->cast, y->cast);
        assert_int_equal(x->degree, y->degree);
        assert_same_f64(x->strength, y->strength);
        if (cent_tol > 0) {
            assert_true(fabs(x->eigen - y->eigen) <= cent_tol * fabs(x->eigen));
            assert_true(fabs(x->pagerank - y->pagerank) <= cent_tol * fabs(x->pagerank));
        } else {
            assert_same_f64(x->eigen, y->eigen);
            assert_same_f64(x->pagerank, y->pagerank);
        }
        assert_same_f64(x->betweenness, y->betweenness);
        assert_int_equal(x->bridge_ok, y->bridge_ok);
        assert_same_f64(x->bridge, y->bridge);
        assert_int_equal(x->community, y->community);
    }
    assert_int_equal(a->have_graph, 1);
    assert_int_equal(b->have_graph, 1);
    assert_int_equal(igraph_ecount(&a->g), a->n_edge);
    assert_int_equal(igraph_ecount(&b->g), b->n_edge);
    for (int e = 0; e < a->n_edge; e++) {
        igraph_integer_t a0, a1, b0, b1;
        assert_int_equal(igraph_edge(&a->g, e, &a0, &a1), 0);
        assert_int_equal(igraph_edge(&b->g, e, &b0, &b1), 0);
        assert_int_equal(a0, b0);
        assert_int_equal(a1, b1);
        assert_same_f64(VECTOR(a->weight)[e], VECTOR(b->weight)[e]);
        assert_int_equal(a->in_bb[e], b->in_bb[e]);
    }
    assert_int_equal(a->n_faction, b->n_faction);
    for (int f = 0; f < a->n_faction; f++) {
        assert_int_equal(a->faction[f].grp, b->faction[f].grp);
        assert_int_equal(a->faction[f].community, b->faction[f].community);
        assert_int_equal(a->faction[f].members, b->faction[f].members);
        assert_same_f64(a->faction[f].share, b->faction[f].share);
    }
}

static void assert_same_graph(const struct ep_graph *a, const struct ep_graph *b)
{
    assert_graph_eq(a, b, 0);
}

static void compute_graph(int centralities, struct ep_graph *g)
{
    struct ep_graph_params p;
    ep_graph_params_default(&p);
    p.centralities = centralities;
    struct ep_error err = {0};
    assert_int_equal(ep_graph_compute(&M, &p, NULL, 0, g, &err), 0);
}

static void graph_kind(char *kind, size_t n)
{
    struct ep_graph_params p;
    ep_graph_params_default(&p);
    ep_graph_blob_kind(&p, kind, n);
}

/* Payload and store round trips of the graph with its centralities; a graph stored without
 * them, read back and completed, equals a build with them. */
static void test_graph_round_trip(void **state)
{
    (void)state;
    struct ep_graph g, back;
    compute_graph(1, &g);
    assert_true(g.n_node > 600 && g.n_edge > 100000 && g.n_faction >= 0 && g.n_comm > 1);
    struct ep_graph_blob gb = {&g, M.n_mep, M.n_grp}, bb = {&back, M.n_mep, M.n_grp};
    struct ep_buf b;
    ep_buf_init(&b, 0);
    assert_int_equal(ep_graph_blob_write(&gb, &b), 0);
    assert_int_equal(ep_graph_blob_read((const unsigned char *)b.data, b.len, &bb), 0);
    assert_same_graph(&g, &back);
    ep_graph_free(&back);

    /* a shape that is not the matrix's is refused */
    struct ep_graph_blob other = {&back, M.n_mep + 1, M.n_grp};
    assert_int_equal(ep_graph_blob_read((const unsigned char *)b.data, b.len, &other),
                     EP_EPARSE);
    assert_int_equal(back.have_graph, 0);
    /* every truncation is refused */
    for (size_t cut = 0; cut < b.len; cut += 1 + b.len / 97)
        assert_int_equal(ep_graph_blob_read((const unsigned char *)b.data, cut, &bb), EP_EPARSE);
    ep_buf_free(&b);

    char kind[256];
    graph_kind(kind, sizeof kind);
    assert_int_equal(ep_derived_save(S, WIN, kind, ep_graph_blob_write, &gb), 0);
    assert_int_equal(ep_derived_load(S, WIN, kind, ep_graph_blob_read, &bb), 1);
    assert_same_graph(&g, &back);
    ep_graph_free(&back);

    struct ep_graph bare;
    compute_graph(0, &bare);
    assert_int_equal(bare.have_centralities, 0);
    gb.g = &bare;
    assert_int_equal(ep_derived_save(S, WIN, kind, ep_graph_blob_write, &gb), 0);
    assert_int_equal(ep_derived_load(S, WIN, kind, ep_graph_blob_read, &bb), 1);
    assert_int_equal(back.have_centralities, 0);
    struct ep_error err = {0};
    assert_int_equal(ep_graph_centralities(&back, NULL, &err), 0);
    assert_graph_eq(&g, &back, 1e-9);
    ep_graph_free(&back);
    ep_graph_free(&bare);
    ep_graph_free(&g);
}

/* ---- statistics ---------------------------------------------------------------------------- */

static void assert_same_votes(const struct ep_stats_votes *a, const struct ep_stats_votes *b)
{
    assert_int_equal(a->n_vote, b->n_vote);
    assert_int_equal(a->n_grp, b->n_grp);
    for (size_t c = 0; c < (size_t)a->n_vote * (size_t)a->n_grp; c++) {
        const struct ep_stats_vg *x = &a->vg[c], *y = &b->vg[c];
        assert_int_equal(x->y, y->y);
        assert_int_equal(x->n, y->n);
        assert_int_equal(x->a, y->a);
        assert_int_equal(x->d, y->d);
        assert_int_equal(x->pos, y->pos);
        assert_int_equal(x->ai_ok, y->ai_ok);
        assert_int_equal(x->rice_ok, y->rice_ok);
        assert_same_f64(x->ai, y->ai);
        assert_same_f64(x->rice, y->rice);
    }
}

static void assert_same_groups(const struct ep_stats_groups *a, const struct ep_stats_groups *b)
{
    assert_int_equal(a->n_grp, b->n_grp);
    for (int g = 0; g < a->n_grp; g++) {
        const struct ep_stats_group *x = &a->g[g], *y = &b->g[g];
        assert_int_equal(x->n_vote_present, y->n_vote_present);
        assert_int_equal(x->n_vote_cast, y->n_vote_cast);
        assert_int_equal(x->n_tie, y->n_tie);
        assert_int_equal(x->ai_ok, y->ai_ok);
        assert_same_f64(x->ai_mean, y->ai_mean);
        assert_same_f64(x->ai_median, y->ai_median);
        assert_int_equal(x->rice_ok, y->rice_ok);
        assert_int_equal(x->rice_n, y->rice_n);
        assert_same_f64(x->rice_mean, y->rice_mean);
        assert_int_equal(x->alpha_ok, y->alpha_ok);
        assert_int_equal(x->alpha_units, y->alpha_units);
        assert_same_f64(x->alpha, y->alpha);
        assert_int_equal(x->part_ok, y->part_ok);
        assert_same_f64(x->participation, y->participation);
    }
    size_t GG = (size_t)a->n_grp * (size_t)a->n_grp;
    assert_memory_equal(a->pair_agree, b->pair_agree, GG * sizeof *a->pair_agree);
    assert_memory_equal(a->pair_common, b->pair_common, GG * sizeof *a->pair_common);
    assert_memory_equal(a->pair_share, b->pair_share, GG * sizeof *a->pair_share);
    assert_memory_equal(a->pair_ok, b->pair_ok, GG * sizeof *a->pair_ok);
}

/* Store round trip of one stats result: save, load, and the loaded copy (into `back`). */
static void through_store(const char *kind, ep_derived_write_fn wr, ep_derived_read_fn rd,
                          void *res, void *back)
{
    struct ep_stats_blob sb = {&M, res}, bb = {&M, back};
    assert_int_equal(ep_derived_save(S, WIN, kind, wr, &sb), 0);
    assert_int_equal(ep_derived_load(S, WIN, kind, rd, &bb), 1);
}

static void test_stats_round_trip(void **state)
{
    (void)state;
    struct ep_error err = {0};
    struct ep_stats_votes vs, vs2;
    assert_int_equal(ep_stats_votes_compute(&M, &vs, &err), 0);
    through_store("t-votes", ep_stats_votes_blob_write, ep_stats_votes_blob_read, &vs, &vs2);
    assert_same_votes(&vs, &vs2);

    struct ep_stats_groups gs, gs2;
    assert_int_equal(ep_stats_groups_compute(&M, &vs, &gs, &err), 0);
    through_store("t-groups", ep_stats_groups_blob_write, ep_stats_groups_blob_read, &gs, &gs2);
    assert_same_groups(&gs, &gs2);

    struct ep_stats_frag fr, fr2;
    assert_int_equal(ep_stats_fragmentation(&M, &fr, &err), 0);
    through_store("t-frag", ep_stats_frag_blob_write, ep_stats_frag_blob_read, &fr, &fr2);
    assert_int_equal(fr.seats_ok, fr2.seats_ok);
    assert_int_equal(fr.votes_ok, fr2.votes_ok);
    assert_same_f64(fr.enp_seats, fr2.enp_seats);
    assert_same_f64(fr.enp_votes, fr2.enp_votes);
    assert_memory_equal(fr.seats, fr2.seats, sizeof fr.seats);
    assert_memory_equal(fr.cast, fr2.cast, sizeof fr.cast);

    struct ep_stats_palpha pa = {0, 0, 0, 0}, pa2;
    pa.rc = ep_stats_parliament_alpha(&M, &pa.value, &pa.units, &pa.coders, NULL);
    assert_int_equal(pa.rc, 0);
    assert_true(pa.units > 200 && pa.coders > 600);
    through_store("t-palpha", ep_stats_palpha_blob_write, ep_stats_palpha_blob_read, &pa, &pa2);
    assert_int_equal(pa2.rc, 0);
    assert_same_f64(pa.value, pa2.value);
    assert_int_equal(pa.units, pa2.units);
    assert_int_equal(pa.coders, pa2.coders);

    /* a payload of another matrix shape is refused */
    struct ep_matrix other = M;
    other.n_vote = M.n_vote - 1;
    struct ep_stats_blob sb = {&M, &vs}, ob = {&other, &vs2};
    struct ep_buf b;
    ep_buf_init(&b, 0);
    assert_int_equal(ep_stats_votes_blob_write(&sb, &b), 0);
    ep_stats_votes_free(&vs2);
    assert_int_equal(ep_stats_votes_blob_read((const unsigned char *)b.data, b.len, &ob),
                     EP_EPARSE);
    assert_null(vs2.vg);
    ep_buf_free(&b);

    ep_stats_votes_free(&vs);
    ep_stats_groups_free(&gs);
    ep_stats_groups_free(&gs2);
}

/* Through the analysis window cache: a cold cache computes and saves, a second cold cache (a
 * fresh process) loads every figure from the store, equal to the computed ones. */
static void test_window_cache_loads(void **state)
{
    (void)state;
    exec_sql(S, "DELETE FROM derived");
    struct ep_error err = {0};
    struct ep_window w = {0};
    struct ep_wincache c1, c2;
    struct ep_win *a, *b;
    ep_wincache_init(&c1);
    ep_wincache_init(&c2);
    assert_int_equal(ep_wincache_get(&c1, S, &w, &a, &err), 0);
    assert_int_equal(ep_win_need_mf(a, &err), 0);
    assert_int_equal(ep_win_need_gs(a, &err), 0);
    assert_int_equal(ep_win_need_frag(a, &err), 0);
    assert_int_equal(ep_win_need_mser(a, NULL, &err), 0);
    assert_int_equal(ep_win_need_graph(a, 10, EP_GRAPH_LOUVAIN, 1, NULL, &err), 0);
    assert_int_equal(ep_win_need_palpha(a, &err), 0);
    /* votes, mepfig, groups, frag, mser, graph, palpha */
    assert_int_equal(scalar(S, "SELECT COUNT(*) FROM derived WHERE window = '||0|'"), 7);
    long long rows = 0, bytes = 0;
    assert_int_equal(ep_derived_stats(S, &rows, &bytes, &err), 0);
    assert_int_equal(rows, 7);
    assert_int_equal(bytes, scalar(S, "SELECT SUM(length(data)) FROM derived"));

    assert_int_equal(ep_wincache_get(&c2, S, &w, &b, &err), 0);
    assert_int_equal(ep_win_need_mf(b, &err), 0);
    assert_int_equal(b->have_vs, 0); /* loaded: the vote figures were not needed */
    assert_int_equal(ep_win_need_graph(b, 10, EP_GRAPH_LOUVAIN, 1, NULL, &err), 0);
    assert_int_equal(ep_win_need_gs(b, &err), 0);
    assert_int_equal(ep_win_need_frag(b, &err), 0);
    assert_int_equal(ep_win_need_mser(b, NULL, &err), 0);
    assert_int_equal(ep_win_need_palpha(b, &err), 0);
    assert_int_equal(a->palpha.rc, b->palpha.rc);
    assert_same_f64(a->palpha.value, b->palpha.value);
    assert_int_equal(a->palpha.units, b->palpha.units);
    assert_int_equal(a->palpha.coders, b->palpha.coders);
    for (int i = 0; i < M.n_mep; i++) {
        const struct ep_stats_mepfig *x = &a->mf[i], *y = &b->mf[i];
        assert_int_equal(x->part_ok, y->part_ok);
        assert_int_equal(x->loy_ok, y->loy_ok);
        assert_int_equal(x->dnv_unk, y->dnv_unk);
        assert_int_equal(x->eligible, y->eligible);
        assert_int_equal(x->cast, y->cast);
        assert_int_equal(x->loy_num, y->loy_num);
        assert_int_equal(x->loy_den, y->loy_den);
        assert_int_equal(x->n_defect, y->n_defect);
        assert_same_f64(x->participation, y->participation);
        assert_same_f64(x->loyalty, y->loyalty);
    }
    assert_same_graph(&a->g, &b->g);
    assert_int_equal(b->have_vs, 0); /* nothing loaded needed the vote figures */
    assert_int_equal(ep_win_need_vs(b, &err), 0);
    assert_same_votes(&a->vs, &b->vs);
    assert_same_groups(&a->gs, &b->gs);
    assert_memory_equal(&a->frag.cast, &b->frag.cast, sizeof a->frag.cast);
    assert_same_f64(a->frag.enp_votes, b->frag.enp_votes);
    int ns = a->per[EP_PERIOD_SITTING].n;
    assert_true(ns > 1);
    assert_memory_equal(a->mser_x, b->mser_x, (size_t)M.n_mep * (size_t)ns * sizeof(double));
    assert_memory_equal(a->mser_ok, b->mser_ok, (size_t)M.n_mep * (size_t)ns);
    ep_wincache_free(&c1);
    ep_wincache_free(&c2);
}

/* ---- damage -------------------------------------------------------------------------------- */

/* Damage the stored graph row: 0 flips one payload byte, 1 cuts its last 7 bytes, 2 keeps
 * the envelope only (24 bytes). */
static void damage_graph_row(int how)
{
    sqlite3 *db = ep_store_db(S);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT data FROM derived WHERE kind LIKE 'graph|%'",
                                        -1, &q, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    size_t n = (size_t)sqlite3_column_bytes(q, 0);
    unsigned char *b = malloc(n);
    assert_non_null(b);
    memcpy(b, sqlite3_column_blob(q, 0), n);
    sqlite3_finalize(q);
    assert_true(n > 2000);
    if (how == 0)
        b[1000] ^= 0x10;
    size_t keep = how == 1 ? n - 7 : how == 2 ? 24 : n;
    assert_int_equal(sqlite3_prepare_v2(db, "UPDATE derived SET data = ?1 WHERE kind LIKE 'graph|%'",
                                        -1, &q, NULL),
                     SQLITE_OK);
    sqlite3_bind_blob(q, 1, b, (int)keep, SQLITE_TRANSIENT);
    assert_int_equal(sqlite3_step(q), SQLITE_DONE);
    sqlite3_finalize(q);
    free(b);
}

/* A flipped byte in the payload, a truncated row and a payload that passes the checksum but
 * does not parse are each detected: the row is dropped and the result recomputed, equal to a
 * fresh computation, then stored intact again. */
static void test_damage_detected(void **state)
{
    (void)state;
    struct ep_graph ref, back;
    memset(&back, 0, sizeof back);
    compute_graph(0, &ref);
    struct ep_graph_blob gb = {&ref, M.n_mep, M.n_grp}, bb = {&back, M.n_mep, M.n_grp};
    char kind[256];
    graph_kind(kind, sizeof kind);
    for (int d = 0; d < 3; d++) {
        assert_int_equal(ep_derived_save(S, WIN, kind, ep_graph_blob_write, &gb), 0);
        damage_graph_row(d);
        assert_int_equal(ep_derived_load(S, WIN, kind, ep_graph_blob_read, &bb), 0);
        assert_int_equal(back.have_graph, 0);
        assert_int_equal(scalar(S, "SELECT COUNT(*) FROM derived WHERE kind LIKE 'graph|%'"), 0);
    }

    /* through the window cache: damaged, then recomputed and stored again */
    struct ep_error err = {0};
    struct ep_window w = {0};
    struct ep_wincache c;
    struct ep_win *e;
    assert_int_equal(ep_derived_save(S, WIN, kind, ep_graph_blob_write, &gb), 0);
    damage_graph_row(0);
    ep_wincache_init(&c);
    assert_int_equal(ep_wincache_get(&c, S, &w, &e, &err), 0);
    assert_int_equal(ep_win_need_graph(e, 10, EP_GRAPH_LOUVAIN, 0, NULL, &err), 0);
    assert_same_graph(&ref, &e->g);
    ep_wincache_free(&c);
    assert_int_equal(ep_derived_load(S, WIN, kind, ep_graph_blob_read, &bb), 1);
    assert_same_graph(&ref, &back);
    ep_graph_free(&back);

    /* checksum right, payload wrong: a votes payload read as a graph */
    struct ep_stats_votes vs;
    assert_int_equal(ep_stats_votes_compute(&M, &vs, &err), 0);
    struct ep_stats_blob sb = {&M, &vs};
    assert_int_equal(ep_derived_save(S, WIN, kind, ep_stats_votes_blob_write, &sb), 0);
    assert_int_equal(ep_derived_load(S, WIN, kind, ep_graph_blob_read, &bb), 0);
    assert_int_equal(scalar(S, "SELECT COUNT(*) FROM derived WHERE kind LIKE 'graph|%'"), 0);
    ep_stats_votes_free(&vs);
    ep_graph_free(&ref);
}

/* ---- invalidation -------------------------------------------------------------------------- */

/* A store filled with the bundled files but the last roll-call file: rows saved for its
 * content are not used after that file is ingested, and the next save drops them. */
static void test_invalidated_by_ingest(void **state)
{
    (void)state;
    static const char *const files[] = {
        "htv/countries.csv.gz", "htv/groups.csv.gz", "htv/members.csv.gz",
        "htv/group_memberships.csv.gz", "rcv/PV-9-2024-01-15-RCV_EN.xml.gz",
        "rcv/PV-9-2024-01-16-RCV_EN.xml.gz"};
    char path[1300];
    snprintf(path, sizeof path, "%s/inval.db", Dir);
    struct ep_store *s;
    struct ep_error err = {0};
    struct ep_ingest_report rep;
    assert_int_equal(ep_store_open(path, 0, &s, &err), 0);
    for (size_t i = 0; i < sizeof files / sizeof *files; i++)
        assert_int_equal(ep_store_ingest_file(s, ep_test_fixture(files[i]), 0, NULL, NULL, &rep,
                                              &err),
                         0);
    char c1[256], c2[256];
    assert_int_equal(ep_derived_content(s, c1, sizeof c1, &err), 0);
    struct ep_window w = {0};
    struct ep_matrix m1, m2;
    assert_int_equal(ep_store_load_matrix(s, &w, &m1, &err), 0);
    struct ep_stats_votes vs1, vs2, back;
    assert_int_equal(ep_stats_votes_compute(&m1, &vs1, &err), 0);
    struct ep_stats_blob b1 = {&m1, &vs1}, bb1 = {&m1, &back};
    assert_int_equal(ep_derived_save(s, WIN, "votes", ep_stats_votes_blob_write, &b1), 0);
    assert_int_equal(ep_derived_load(s, WIN, "votes", ep_stats_votes_blob_read, &bb1), 1);
    ep_stats_votes_free(&back);

    assert_int_equal(ep_store_ingest_file(s, ep_test_fixture("rcv/PV-9-2024-01-17-RCV_EN.xml.gz"),
                                          0, NULL, NULL, &rep, &err),
                     0);
    assert_int_equal(rep.skipped, 0);
    assert_int_equal(ep_derived_content(s, c2, sizeof c2, &err), 0);
    assert_string_not_equal(c1, c2);
    assert_int_equal(ep_store_load_matrix(s, &w, &m2, &err), 0);
    assert_true(m2.n_vote > m1.n_vote);
    struct ep_stats_blob bb2 = {&m2, &back};
    assert_int_equal(ep_derived_load(s, WIN, "votes", ep_stats_votes_blob_read, &bb2), 0);
    assert_int_equal(ep_stats_votes_compute(&m2, &vs2, &err), 0);
    struct ep_stats_blob b2 = {&m2, &vs2};
    assert_int_equal(ep_derived_save(s, WIN, "votes", ep_stats_votes_blob_write, &b2), 0);
    assert_int_equal(scalar(s, "SELECT COUNT(*) FROM derived"), 1);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(ep_store_db(s), "SELECT content FROM derived", -1, &q,
                                        NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(q, 0), c2);
    sqlite3_finalize(q);
    assert_int_equal(ep_derived_load(s, WIN, "votes", ep_stats_votes_blob_read, &bb2), 1);
    assert_same_votes(&vs2, &back);
    ep_stats_votes_free(&back);
    ep_stats_votes_free(&vs1);
    ep_stats_votes_free(&vs2);
    ep_matrix_free(&m1);
    ep_matrix_free(&m2);
    ep_store_close(s);
}

/* ---- concurrent readers -------------------------------------------------------------------- */

struct reader {
    const struct ep_stats_votes *ref;
    int loads, misses, differ;
};

/* Each reader opens its own connection to the store and loads the vote figures 20 times while
 * the main connection rewrites the row. */
static void *read_loop(void *arg)
{
    struct reader *r = arg;
    struct ep_store *s;
    struct ep_error err = {0};
    if (ep_store_open(Path, EP_STORE_READONLY, &s, &err)) {
        r->misses = -1;
        return NULL;
    }
    for (int k = 0; k < 20; k++) {
        struct ep_stats_votes back;
        struct ep_stats_blob bb = {&M, &back};
        if (!ep_derived_load(s, WIN, "c-votes", ep_stats_votes_blob_read, &bb)) {
            r->misses++;
            continue;
        }
        r->loads++;
        size_t cells = (size_t)back.n_vote * (size_t)back.n_grp;
        for (size_t c = 0; c < cells; c++)
            if (back.vg[c].y != r->ref->vg[c].y || back.vg[c].n != r->ref->vg[c].n ||
                back.vg[c].a != r->ref->vg[c].a || back.vg[c].d != r->ref->vg[c].d) {
                r->differ++;
                break;
            }
        ep_stats_votes_free(&back);
    }
    ep_store_close(s);
    return NULL;
}

static void test_concurrent_readers(void **state)
{
    (void)state;
    struct ep_error err = {0};
    struct ep_stats_votes vs;
    assert_int_equal(ep_stats_votes_compute(&M, &vs, &err), 0);
    struct ep_stats_blob sb = {&M, &vs};
    assert_int_equal(ep_derived_save(S, WIN, "c-votes", ep_stats_votes_blob_write, &sb), 0);
    enum { N = 4 };
    pthread_t t[N];
    struct reader r[N];
    for (int i = 0; i < N; i++) {
        r[i] = (struct reader){&vs, 0, 0, 0};
        assert_int_equal(pthread_create(&t[i], NULL, read_loop, &r[i]), 0);
    }
    int saved = 0;
    for (int k = 0; k < 10; k++)
        saved += ep_derived_save(S, WIN, "c-votes", ep_stats_votes_blob_write, &sb) == 0;
    for (int i = 0; i < N; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    assert_true(saved > 0);
    for (int i = 0; i < N; i++) {
        assert_int_equal(r[i].misses, 0); /* WAL: a reader sees the last committed row */
        assert_int_equal(r[i].loads, 20);
        assert_int_equal(r[i].differ, 0);
    }
    ep_stats_votes_free(&vs);
}

/* ep_precompute_window stores every per-window result of the default window, with progress
 * through every step; a fresh window cache then computes none of them. */
static void count_steps(void *ctx, int k, int n, const char *what)
{
    int *steps = ctx;
    assert_true(k >= 0 && k <= n && what && what[0]);
    assert_int_equal(k, *steps); /* in order, none skipped */
    (*steps)++;
}

static void test_precompute(void **state)
{
    (void)state;
    exec_sql(S, "DELETE FROM derived");
    struct ep_error err = {0};
    int steps = 0;
    assert_int_equal(ep_precompute_window(S, NULL, count_steps, &steps, &err), 0);
    assert_int_equal(steps, 9);
    assert_int_equal(scalar(S, "SELECT COUNT(*) FROM derived WHERE window = '||0|'"), 7);
    long long cells = ep_precompute_default_cells(S);
    assert_true(cells >= (long long)M.n_mep * M.n_vote);
    assert_true(cells < EP_PRECOMPUTE_MIN_CELLS); /* so ingest of the bundled data skips it */

    struct ep_window w = {0};
    struct ep_wincache c;
    struct ep_win *e;
    ep_wincache_init(&c);
    assert_int_equal(ep_wincache_get(&c, S, &w, &e, &err), 0);
    assert_int_equal(ep_win_need_mf(e, &err), 0);
    assert_int_equal(ep_win_need_gs(e, &err), 0);
    assert_int_equal(ep_win_need_mser(e, NULL, &err), 0);
    assert_int_equal(ep_win_need_graph(e, 10, EP_GRAPH_LOUVAIN, 1, NULL, &err), 0);
    assert_int_equal(e->have_vs, 0); /* all loaded: nothing needed the vote figures */
    assert_int_equal(e->g.have_centralities, 1);
    ep_wincache_free(&c);
}


/* ---- dated windows cut from the whole store's window ------------------------------------- */

static void assert_same_matrix(const struct ep_matrix *a, const struct ep_matrix *b)
{
    assert_int_equal(a->n_mep, b->n_mep);
    assert_int_equal(a->n_vote, b->n_vote);
    assert_int_equal(a->n_words, b->n_words);
    assert_int_equal(a->n_grp, b->n_grp);
    assert_int_equal(a->synthetic, b->synthetic);
    for (int g = 0; g < a->n_grp; g++)
        assert_string_equal(a->grp_code[g], b->grp_code[g]);
    size_t cells = (size_t)a->n_mep * (size_t)a->n_vote;
    size_t words = (size_t)a->n_mep * (size_t)a->n_words;
    assert_memory_equal(a->mep_id, b->mep_id, (size_t)a->n_mep * sizeof *a->mep_id);
    assert_memory_equal(a->vote_id, b->vote_id, (size_t)a->n_vote * sizeof *a->vote_id);
    assert_memory_equal(a->vote_day, b->vote_day, (size_t)a->n_vote * sizeof *a->vote_day);
    assert_memory_equal(a->dnv_known, b->dnv_known, (size_t)a->n_vote);
    assert_memory_equal(a->pos, b->pos, cells);
    assert_memory_equal(a->grp, b->grp, cells);
    for (int k = 0; k < 3; k++)
        assert_memory_equal(a->plane[k], b->plane[k], words * sizeof(uint64_t));
}

/* A dated window of the cache (cut out of the whole store's window, analysis/ep_window.c) equals
 * the same window loaded from the tables (ep_store_load_matrix), cell by cell, group numbers
 * and all, on the bundled positions (seven sittings, 2024-01-15 .. 2024-04-23): so every figure
 * computed on it is the SQL-loaded window's. Bad dates and empty windows fail alike. */
static void test_dated_window_cut(void **state)
{
    (void)state;
    static const char *two[] = {"2024-01-17", "2024-02-27", NULL};
    static const char *bad_sitting[] = {"2024-02-30x", NULL};
    static const char *none_sitting[] = {"2024-01-18", NULL};
    const struct ep_window ws[] = {
        {.from = "2024-01-25", .to = "2024-04-23"}, /* early_warning's 90-day window */
        {.from = "2023-10-27", .to = "2024-01-24"}, /* its previous window */
        {.from = "2024-02-08"},
        {.to = "2024-02-08"},
        {.from = "2024-01-16", .to = "2024-02-26"},
        {.term = 9},
        {.term = 9, .from = "2024-02-01"},
        {.sittings = two},
        {.from = "2024-02-01", .sittings = two},
        {.from = "2024-01-16", .to = "2024-04-23", .topic_kind = EP_TOPIC_COMMITTEE,
         .topic_code = "ENVI"}, /* a filtered window: cut from a cut */
    };
    for (size_t k = 0; k < sizeof ws / sizeof ws[0]; k++) {
        struct ep_error e1 = {0}, e2 = {0};
        struct ep_wincache c;
        ep_wincache_init(&c);
        struct ep_win *w = NULL;
        struct ep_matrix sql;
        memset(&sql, 0, sizeof sql);
        assert_int_equal(ep_store_load_matrix(S, &ws[k], &sql, &e1), 0);
        assert_int_equal(ep_wincache_get(&c, S, &ws[k], &w, &e2), 0);
        assert_true(sql.n_vote > 0 && sql.n_mep > 0);
        assert_same_matrix(&sql, w->m);
        ep_matrix_free(&sql);
        ep_wincache_free(&c);
    }
    const struct ep_window fail[] = {
        {.from = "2024-05-01"},                      /* no votes after the last sitting */
        {.from = "2024-01-18", .to = "2024-02-07"},  /* none between two sittings */
        {.sittings = none_sitting},                  /* a day without votes */
        {.term = 8},                                 /* a term without positions */
        {.from = "2024-13-01"},                      /* bad dates */
        {.to = "yesterday"},
        {.sittings = bad_sitting},
        {.term = 7},                                 /* an unknown term */
    };
    for (size_t k = 0; k < sizeof fail / sizeof fail[0]; k++) {
        struct ep_error e1 = {0}, e2 = {0};
        struct ep_wincache c;
        ep_wincache_init(&c);
        struct ep_win *w = NULL;
        struct ep_matrix sql;
        memset(&sql, 0, sizeof sql);
        int r1 = ep_store_load_matrix(S, &fail[k], &sql, &e1);
        int r2 = ep_wincache_get(&c, S, &fail[k], &w, &e2);
        assert_true(r1 == EP_EUNAVAIL || r1 == EP_EINVAL);
        assert_int_equal(r1, r2);
        assert_string_equal(e1.msg, e2.msg);
        assert_null(w);
        ep_matrix_free(&sql);
        ep_wincache_free(&c);
    }
}


static int gen_synth(void *ctx, const struct ep_sink *sink, struct ep_error *err)
{
    return ep_synth_generate(ctx, 1000, 1100, 42, sink, err);
}

/* In a fresh process a dated window reads its own rows of the whole store's packed snapshot
 * (ep_store_load_matrix_days) instead of the whole matrix: equal to the SQL load cell by cell,
 * on a synthetic store large enough to keep a snapshot (1,000 MEPs x 1,100 votes), and the
 * whole window is not loaded for it. */
static void test_dated_window_rows(void **state)
{
    (void)state;
    char path[1300];
    snprintf(path, sizeof path, "%s/rows.db", Dir);
    struct ep_store *s = NULL;
    struct ep_error err = {0};
    struct ep_synth_params p;
    ep_synth_default_params(&p);
    assert_int_equal(ep_store_open(path, 0, &s, &err), 0);
    assert_int_equal(
        ep_store_ingest_generated(s, "synthetic", "synthetic", "k1", gen_synth, &p, NULL, &err), 0);
    struct ep_matrix all;
    assert_int_equal(ep_store_load_matrix(s, NULL, &all, &err), 0); /* writes the snapshot */
    assert_int_equal(scalar(s, "SELECT COUNT(*) FROM matrix_cache"), 1);
    char d[6][11];
    const int at[6] = {150, 700, 900, 1099, 3, 555};
    for (int k = 0; k < 6; k++)
        ep_date_format(all.vote_day[at[k]], d[k]);
    const char *sits[] = {d[4], d[5], d[3], NULL};
    const struct ep_window ws[] = {
        {.from = d[0], .to = d[1]}, {.from = d[2]}, {.to = d[0]}, {.sittings = sits},
        {.from = d[0], .sittings = sits},
    };
    for (size_t k = 0; k < sizeof ws / sizeof ws[0]; k++) {
        struct ep_wincache c;
        ep_wincache_init(&c);
        struct ep_win *w = NULL;
        struct ep_matrix sql;
        assert_int_equal(ep_store_load_matrix(s, &ws[k], &sql, &err), 0);
        assert_int_equal(ep_wincache_get(&c, s, &ws[k], &w, &err), 0);
        assert_true(sql.n_vote > 0 && sql.n_vote < all.n_vote);
        assert_same_matrix(&sql, w->m);
        int used = 0;
        for (int i = 0; i < EP_WIN_CACHE; i++)
            used += c.e[i] && c.e[i]->used;
        assert_int_equal(used, 1); /* the window alone: the whole one was not loaded */
        ep_matrix_free(&sql);
        ep_wincache_free(&c);
    }
    struct ep_wincache c;
    ep_wincache_init(&c);
    struct ep_win *w = NULL;
    struct ep_error e = {0};
    const struct ep_window after = {.from = "2031-01-01"};
    assert_int_equal(ep_wincache_get(&c, s, &after, &w, &e), EP_EUNAVAIL);
    assert_string_equal(e.msg, EP_STORE_NO_WINDOW_VOTES);
    ep_wincache_free(&c);
    ep_matrix_free(&all);
    ep_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_graph_round_trip),   cmocka_unit_test(test_stats_round_trip),
        cmocka_unit_test(test_window_cache_loads), cmocka_unit_test(test_damage_detected),
        cmocka_unit_test(test_invalidated_by_ingest), cmocka_unit_test(test_concurrent_readers),
        cmocka_unit_test(test_precompute),         cmocka_unit_test(test_dated_window_cut),
        cmocka_unit_test(test_dated_window_rows),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
