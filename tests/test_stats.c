/* test_stats: hand-computed expectations for every measure in stats/ (docs/methodology.md). */
#include "ep_testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ep_matrix.h"
#include "ep_model.h"
#include "ep_stats.h"

#define EPS 1e-9
#define near(a, b) assert_true(fabs((a) - (b)) < EPS)
#define near_tol(a, b, t) assert_true(fabs((a) - (b)) < (t))

/* Build a matrix from strings, one per vote, one char per MEP: Y FOR, N AGAINST, A ABSTENTION,
 * D did not vote, '.' not an MEP that day. grp[i] = group index of MEP i on every vote
 * (or grp_by_vote when not NULL: one string per vote, digit = group, '.' none). */
static void mk(struct ep_matrix *m, int n_mep, int n_vote, const char *const *votes, const int *grp,
               const char *const *grp_by_vote, const int32_t *days, const char *const *codes,
               int n_codes)
{
    assert_int_equal(ep_matrix_alloc(m, n_mep, n_vote, NULL), 0);
    for (int g = 0; g < n_codes; g++)
        assert_int_equal(ep_matrix_group_index(m, codes[g]), g);
    for (int i = 0; i < n_mep; i++)
        m->mep_id[i] = 1000 + i;
    for (int v = 0; v < n_vote; v++) {
        m->vote_id[v] = v + 1;
        m->vote_day[v] = days ? days[v] : 19000 + v;
        for (int i = 0; i < n_mep; i++) {
            char c = votes[v][i];
            int p = c == 'Y'   ? EP_POS_FOR
                    : c == 'N' ? EP_POS_AGAINST
                    : c == 'A' ? EP_POS_ABSTENTION
                    : c == 'D' ? EP_POS_DID_NOT_VOTE
                               : EP_POS_NONE;
            int g =
                grp_by_vote ? (grp_by_vote[v][i] == '.' ? -1 : grp_by_vote[v][i] - '0') : grp[i];
            ep_matrix_set(m, v, i, p, p == EP_POS_NONE ? -1 : g);
        }
    }
}

/* ---- formulas ---------------------------------------------------------------------------- */

static void test_ai(void **state)
{
    (void)state;
    double ai = 99;
    /* Y=6 N=3 A=1: T=10, max=6 -> (6 - 0.5*(10-6))/10 = (6-2)/10 = 0.4 */
    assert_int_equal(ep_stats_ai(6, 3, 1, &ai), 0);
    near(ai, 0.4);
    /* unanimous 5/0/0: (5 - 0)/5 = 1 */
    assert_int_equal(ep_stats_ai(5, 0, 0, &ai), 0);
    near(ai, 1.0);
    /* T = 1: (1 - 0)/1 = 1 */
    assert_int_equal(ep_stats_ai(0, 0, 1, &ai), 0);
    near(ai, 1.0);
    /* even three-way split 2/2/2: (2 - 0.5*4)/6 = 0 */
    assert_int_equal(ep_stats_ai(2, 2, 2, &ai), 0);
    near(ai, 0.0);
    /* T = 0: unavailable, out untouched */
    ai = 99;
    assert_int_equal(ep_stats_ai(0, 0, 0, &ai), EP_EUNAVAIL);
    near(ai, 99);
    assert_int_equal(ep_stats_ai(-1, 0, 0, &ai), EP_EINVAL);
}

static void test_rice(void **state)
{
    (void)state;
    double r = 99;
    /* |6-3|/(6+3) = 3/9 = 0.333... */
    assert_int_equal(ep_stats_rice(6, 3, &r), 0);
    near(r, 1.0 / 3.0);
    /* 5/5 split: 0 */
    assert_int_equal(ep_stats_rice(5, 5, &r), 0);
    near(r, 0.0);
    /* abstention only: Y+N = 0 unavailable */
    assert_int_equal(ep_stats_rice(0, 0, &r), EP_EUNAVAIL);
}

static void test_position(void **state)
{
    (void)state;
    assert_int_equal(ep_stats_position(6, 3, 1), EP_GPOS_FOR);
    assert_int_equal(ep_stats_position(1, 3, 1), EP_GPOS_AGAINST);
    assert_int_equal(ep_stats_position(1, 1, 3), EP_GPOS_ABSTENTION);
    assert_int_equal(ep_stats_position(3, 3, 1), EP_GPOS_TIE); /* FOR = AGAINST */
    assert_int_equal(ep_stats_position(0, 2, 2), EP_GPOS_TIE); /* AGAINST = ABST */
    assert_int_equal(ep_stats_position(1, 1, 1), EP_GPOS_TIE);
    assert_int_equal(ep_stats_position(0, 0, 0), EP_GPOS_NONE);
    assert_string_equal(ep_stats_gpos_name(EP_GPOS_TIE), "TIE");
}

/* Krippendorff (2011) "Computing Krippendorff's Alpha-Reliability", section C (nominal data,
 * 4 observers, missing values):
 *   unit:   1 2 3 4 5 6 7 8 9 10 11 12
 *   A:      1 2 3 3 2 1 4 1 2 .  .  .
 *   B:      1 2 3 3 2 2 4 1 2 5  .  3
 *   C:      . 3 3 3 2 3 4 2 2 5  1  .
 *   D:      1 2 3 3 2 4 4 1 2 5  1  .
 * Unit 12 has one value and is dropped; n = 40; published alpha = 0.743. */
static void test_kalpha_krippendorff(void **state)
{
    (void)state;
    const char *obs[4] = {"123321412...", "1233224125.3", ".3332342251.", "12332441251."};
    uint32_t tab[12 * 5] = {0};
    for (int r = 0; r < 4; r++)
        for (int u = 0; u < 12; u++)
            if (obs[r][u] != '.')
                tab[u * 5 + (obs[r][u] - '1')]++;
    double a = 0;
    int used = 0;
    assert_int_equal(ep_stats_kalpha_nominal(tab, 12, 5, &a, &used, NULL), 0);
    assert_int_equal(used, 11);
    /* By hand: n_c = (9, 13, 10, 5, 3), n = 40, Σ n_c² = 81+169+100+25+9 = 384,
     * n² − Σ n_c² = 1600 − 384 = 1216. Units with disagreement: unit 2 (2,2,3,2) and unit 8
     * (1,1,2,1): (16 − 10)/3 = 2 each; unit 6 (1,2,3,4): (16 − 4)/3 = 4; all others 0 -> Σ = 8.
     * alpha = 1 − (n − 1)·8/1216 = 1 − 312/1216 = 0.743421 */
    near_tol(a, 1.0 - 312.0 / 1216.0, 1e-12);
    near_tol(a, 0.743, 0.0005);
}

static void test_kalpha_edge(void **state)
{
    (void)state;
    /* all one value: expected disagreement 0 -> unavailable */
    uint32_t same[2 * 3] = {3, 0, 0, 2, 0, 0};
    double a = 99;
    assert_int_equal(ep_stats_kalpha_nominal(same, 2, 3, &a, NULL, NULL), EP_EUNAVAIL);
    near(a, 99);
    /* single-value units only: dropped -> unavailable */
    uint32_t lone[2 * 3] = {1, 0, 0, 0, 1, 0};
    assert_int_equal(ep_stats_kalpha_nominal(lone, 2, 3, &a, NULL, NULL), EP_EUNAVAIL);
    /* perfect agreement on differing units: alpha = 1 − 3·0/(16−8) = 1 */
    uint32_t perfect[2 * 3] = {2, 0, 0, 0, 2, 0};
    assert_int_equal(ep_stats_kalpha_nominal(perfect, 2, 3, &a, NULL, NULL), 0);
    near(a, 1.0);
    /* one pairable unit: observed = expected disagreement, alpha would be 0 whatever the votes
     * (here 1 − 2·(9 − 5)/2 / (9 − 5) = 0): below the 2-unit minimum, unavailable */
    uint32_t one[2 * 3] = {2, 1, 0, 1, 0, 0};
    int used = -1;
    a = 99;
    assert_int_equal(ep_stats_kalpha_nominal(one, 2, 3, &a, &used, NULL), EP_EUNAVAIL);
    assert_int_equal(used, 1);
    near(a, 99);
    assert_int_equal(EP_STATS_ALPHA_MIN_UNITS, 2);
}

/* Parliament alpha: every MEP who cast is a coder, with or without a group. 3 votes x 4 MEPs;
 * MEP 3 has no group on any vote. Vote 2 has one cast value and is dropped. */
static void test_parliament_alpha(void **state)
{
    (void)state;
    struct ep_matrix m;
    assert_int_equal(ep_matrix_alloc(&m, 4, 3, NULL), 0);
    int g = ep_matrix_group_index(&m, "EPP");
    /* v0: F F A F(no group); v1: A A A A(no group); v2: F, three did not vote */
    int p[3][4] = {{EP_POS_FOR, EP_POS_FOR, EP_POS_AGAINST, EP_POS_FOR},
                   {EP_POS_AGAINST, EP_POS_AGAINST, EP_POS_ABSTENTION, EP_POS_AGAINST},
                   {EP_POS_FOR, EP_POS_DID_NOT_VOTE, EP_POS_DID_NOT_VOTE, EP_POS_NONE}};
    for (int v = 0; v < 3; v++)
        for (int i = 0; i < 4; i++)
            ep_matrix_set(&m, v, i, p[v][i], i == 3 || p[v][i] == EP_POS_NONE ? EP_GRP_NONE : g);
    double a = 0;
    int units = 0, coders = 0;
    assert_int_equal(ep_stats_parliament_alpha(&m, &a, &units, &coders, NULL), 0);
    assert_int_equal(units, 2);
    assert_int_equal(coders, 4);
    /* units (3,1,0) and (0,3,1): n = 8, Σ_u (16 − 10)/3 = 2 + 2 = 4; n_c = (3, 4, 1),
     * n² − Σ n_c² = 64 − 26 = 38; alpha = 1 − 7·4/38 = 10/38 */
    near(a, 1.0 - 28.0 / 38.0);
    /* one vote: below the minimum */
    struct ep_matrix m1;
    assert_int_equal(ep_matrix_alloc(&m1, 4, 1, NULL), 0);
    for (int i = 0; i < 4; i++)
        ep_matrix_set(&m1, 0, i, p[0][i], i == 3 ? EP_GRP_NONE : g);
    a = 99;
    assert_int_equal(ep_stats_parliament_alpha(&m1, &a, &units, &coders, NULL), EP_EUNAVAIL);
    assert_int_equal(units, 1);
    assert_int_equal(coders, 4);
    near(a, 99);
    ep_matrix_free(&m1);
    ep_matrix_free(&m);
}

static void test_enp(void **state)
{
    (void)state;
    /* seats 50/30/20: 1/(0.25+0.09+0.04) = 1/0.38 = 2.631579 */
    double x[3] = {50, 30, 20}, e = 0;
    assert_int_equal(ep_stats_enp(x, 3, &e), 0);
    near(e, 1.0 / 0.38);
    near_tol(e, 2.632, 0.0005);
    double z[2] = {0, 0};
    assert_int_equal(ep_stats_enp(z, 2, &e), EP_EUNAVAIL);
    double med, v[4] = {4, 1, 3, 2};
    assert_int_equal(ep_stats_median(v, 4, &med), 0);
    near(med, 2.5); /* (2+3)/2 */
}

/* ---- a small window --------------------------------------------------------------------
 * MEPs 0-3 in group A (0), 4-6 in group B (1). Days: v0, v1 = 100 (1970-04-11), v2 = 101,
 * v3 = 130 (1970-05-11).
 *   v0: A = Y Y N A  (Y2 N1 A1: FOR, AI = (2 − 0.5·2)/4 = 0.25)   B = N N N (AGAINST, AI 1)
 *   v1: A = Y N Y N  (Y2 N2: TIE, AI = (2 − 0.5·2)/4 = 0.25)      B = Y Y D (FOR, AI 1)
 *   v2: A = N N N D  (N3 D1: AGAINST, AI 1)                      B = N Y A (TIE, AI 0)
 *   v3: A = Y Y Y N  (Y3 N1: FOR, AI = (3 − 0.5)/4 = 0.625)       B = Y Y . (FOR, AI 1) */
static const char *const W_VOTES[4] = {"YYNANNN", "YNYNYYD", "NNNDNYA", "YYYNYY."};
static const int W_GRP[7] = {0, 0, 0, 0, 1, 1, 1};
static const int32_t W_DAYS[4] = {100, 100, 101, 130};
static const char *const W_CODES[2] = {"A", "B"};

static void mk_window(struct ep_matrix *m)
{
    mk(m, 7, 4, W_VOTES, W_GRP, NULL, W_DAYS, W_CODES, 2);
}

static void test_votes_and_groups(void **state)
{
    (void)state;
    struct ep_matrix m;
    mk_window(&m);
    struct ep_stats_votes vs;
    assert_int_equal(ep_stats_votes_compute(&m, &vs, NULL), 0);
    const struct ep_stats_vg *c = &vs.vg[0 * 2 + 0];
    assert_int_equal(c->y, 2);
    assert_int_equal(c->n, 1);
    assert_int_equal(c->a, 1);
    assert_int_equal(c->d, 0);
    assert_int_equal(c->pos, EP_GPOS_FOR);
    near(c->ai, 0.25);
    near(c->rice, 1.0 / 3.0); /* |2-1|/3 */
    assert_int_equal(vs.vg[1 * 2 + 0].pos, EP_GPOS_TIE);
    assert_int_equal(vs.vg[1 * 2 + 1].d, 1);
    assert_int_equal(vs.vg[2 * 2 + 1].pos, EP_GPOS_TIE);
    near(vs.vg[2 * 2 + 1].ai, 0.0);
    near(vs.vg[3 * 2 + 0].ai, 0.625);
    /* MEP 6 is not an MEP on v3: T = 2, D = 0 */
    assert_int_equal(vs.vg[3 * 2 + 1].y + vs.vg[3 * 2 + 1].d, 2);

    struct ep_stats_groups gs;
    assert_int_equal(ep_stats_groups_compute(&m, &vs, &gs, NULL), 0);
    /* A: AI 0.25, 0.25, 1, 0.625 -> mean 2.125/4 = 0.53125; median (0.25+0.625)/2 = 0.4375 */
    near(gs.g[0].ai_mean, 0.53125);
    near(gs.g[0].ai_median, 0.4375);
    /* A Rice: 1/3, 0, 1, |3-1|/4 = 0.5 -> (1/3 + 1.5)/4 = 0.458333 */
    near(gs.g[0].rice_mean, (1.0 / 3.0 + 1.5) / 4.0);
    /* A participation: T = 4+4+3+4 = 15 over T+D = 16 -> 0.9375 */
    near(gs.g[0].participation, 0.9375);
    assert_int_equal(gs.g[0].n_tie, 1);
    /* A alpha: units (2,1,1) (2,2,0) (0,3,0) (3,1,0); n = 15;
     * Σ_u (m² − Σn²)/(m − 1) = (16−6)/3 + (16−8)/3 + 0 + (16−10)/3 = 24/3 = 8;
     * n_c = (7, 7, 1): n² − Σ n_c² = 225 − 99 = 126; alpha = 1 − 14·8/126 = 1/9 = 0.111 */
    assert_true(gs.g[0].alpha_ok);
    near(gs.g[0].alpha, 1.0 - 14.0 * 8.0 / 126.0);
    /* B: AI 1, 1, 0, 1 -> mean 0.75, median 1; participation T 3+2+3+2 = 10 / 11 */
    near(gs.g[1].ai_mean, 0.75);
    near(gs.g[1].ai_median, 1.0);
    near(gs.g[1].participation, 10.0 / 11.0);
    /* B alpha: units (0,3,0) (2,0,0) (1,1,1) (2,0,0); n = 10; Σ_u = 0 + 0 + (9−3)/2 + 0 = 3;
     * n_c = (5, 4, 1): 100 − 42 = 58; alpha = 1 − 9·3/58 = 31/58 = 0.534483 */
    near(gs.g[1].alpha, 1.0 - 27.0 / 58.0);
    /* pair A-B: v0 FOR vs AGAINST (differ), v1 A tie (skip), v2 B tie (skip), v3 FOR/FOR
     * (agree) -> 1 / 2 = 0.5 */
    assert_int_equal(gs.pair_common[0 * 2 + 1], 2);
    assert_int_equal(gs.pair_agree[1 * 2 + 0], 1);
    near(gs.pair_share[0 * 2 + 1], 0.5);
    assert_int_equal(gs.pair_common[0], 3); /* A non-tie votes: v0, v2, v3 */
    ep_stats_groups_free(&gs);

    struct ep_stats_frag fr;
    assert_int_equal(ep_stats_fragmentation(&m, &fr, NULL), 0);
    /* seats on v3: A 4, B 2 -> 1/((2/3)² + (1/3)²) = 1/(5/9) = 1.8 */
    assert_int_equal(fr.seats[0], 4);
    assert_int_equal(fr.seats[1], 2);
    near(fr.enp_seats, 1.8);
    /* votes cast: A 15, B 10 -> 1/(0.36 + 0.16) = 1/0.52 = 1.923077 */
    near(fr.enp_votes, 1.0 / 0.52);
    ep_stats_votes_free(&vs);
    ep_matrix_free(&m);
}

static void test_mep(void **state)
{
    (void)state;
    struct ep_matrix m;
    mk_window(&m);
    struct ep_stats_votes vs;
    assert_int_equal(ep_stats_votes_compute(&m, &vs, NULL), 0);
    struct ep_stats_mep s;
    /* MEP 3: v0 A vs FOR (defection; B is AGAINST -> not cross-party), v1 N (A TIE: excluded),
     * v2 did not vote, v3 N vs FOR (defection; B is FOR -> not cross-party).
     * eligible 4, cast 3 -> participation 0.75; abstention 1/3; loyalty 0/2 = 0. */
    assert_int_equal(ep_stats_mep_compute(&m, &vs, 3, &s, NULL), 0);
    assert_int_equal(s.eligible, 4);
    assert_int_equal(s.cast, 3);
    near(s.participation, 0.75);
    near(s.abst_share, 1.0 / 3.0);
    assert_int_equal(s.loyalty_den, 2);
    assert_true(s.loyalty_ok);
    near(s.loyalty, 0.0); /* defined and 0, not unavailable */
    assert_int_equal(s.n_defect, 2);
    assert_int_equal(s.defect_votes[0], 0);
    assert_int_equal(s.defect_votes[1], 3);
    assert_int_equal(s.cross_n, 0);
    near(s.cross_share, 0.0);
    ep_stats_mep_free(&s);
    /* MEP 2: v0 N vs FOR (defection, equals B's AGAINST -> cross-party), v1 Y (tie),
     * v2 N = AGAINST, v3 Y = FOR -> loyalty 2/3, cross 1/3.
     * Agreement with B: v0 N=AGAINST, v1 Y=FOR, v2 B tie skipped, v3 Y=FOR -> 3/3 = 1;
     * with A: v0 no, v1 tie skipped, v2 yes, v3 yes -> 2/3. */
    assert_int_equal(ep_stats_mep_compute(&m, &vs, 2, &s, NULL), 0);
    near(s.loyalty, 2.0 / 3.0);
    assert_int_equal(s.cross_n, 1);
    assert_int_equal(s.cross_votes[0], 0);
    near(s.cross_share, 1.0 / 3.0);
    near(s.grp_share[1], 1.0);
    near(s.grp_share[0], 2.0 / 3.0);
    assert_int_equal(s.grp_den[1], 3);
    ep_stats_mep_free(&s);
    /* MEP 6: v0 N, v1 D, v2 A (B TIE), v3 not an MEP -> eligible 3, cast 2, loyalty 1/1 */
    assert_int_equal(ep_stats_mep_compute(&m, &vs, 6, &s, NULL), 0);
    assert_int_equal(s.eligible, 3);
    assert_int_equal(s.cast, 2);
    near(s.participation, 2.0 / 3.0);
    assert_int_equal(s.loyalty_den, 1);
    near(s.loyalty, 1.0);
    ep_stats_mep_free(&s);
    assert_int_equal(ep_stats_mep_compute(&m, &vs, 7, &s, NULL), EP_EINVAL);
    ep_stats_votes_free(&vs);
    ep_matrix_free(&m);
}

static void test_mep_unavailable(void **state)
{
    (void)state;
    /* An MEP who never cast: participation 0/2 = 0 (defined), loyalty and abstention share
     * unavailable (never 0). */
    const char *const votes[2] = {"DY", "DY"};
    const int grp[2] = {0, 0};
    const char *const codes[1] = {"A"};
    struct ep_matrix m;
    mk(&m, 2, 2, votes, grp, NULL, NULL, codes, 1);
    struct ep_stats_votes vs;
    assert_int_equal(ep_stats_votes_compute(&m, &vs, NULL), 0);
    struct ep_stats_mep s;
    assert_int_equal(ep_stats_mep_compute(&m, &vs, 0, &s, NULL), 0);
    assert_true(s.part_ok);
    near(s.participation, 0.0);
    assert_false(s.loyalty_ok);
    near(s.loyalty, EP_STATS_UNDEF);
    assert_false(s.abst_ok);
    assert_false(s.cross_ok);
    ep_stats_mep_free(&s);
    ep_stats_votes_free(&vs);
    ep_matrix_free(&m);
}

static void test_periods_series_trends(void **state)
{
    (void)state;
    struct ep_matrix m;
    mk_window(&m);
    struct ep_stats_votes vs;
    assert_int_equal(ep_stats_votes_compute(&m, &vs, NULL), 0);
    struct ep_stats_periods ps, pm;
    assert_int_equal(ep_stats_periods_compute(&m, EP_PERIOD_SITTING, &ps, NULL), 0);
    assert_int_equal(ps.n, 3);
    assert_int_equal(ps.key[0], 100);
    assert_int_equal(ps.start[1], 2);
    assert_int_equal(ep_stats_periods_compute(&m, EP_PERIOD_MONTH, &pm, NULL), 0);
    /* day 100 = 1970-04-11, day 130 = 1970-05-11 */
    assert_int_equal(pm.n, 2);
    assert_int_equal(pm.key[0], 197004);
    assert_int_equal(pm.key[1], 197005);
    assert_int_equal(pm.period_of[2], 0);

    /* MEP 3 defection per sitting: day 100: v0 defect, v1 tie -> 1/1; day 101: did not vote
     * -> unavailable; day 130: v3 defect -> 1/1 */
    struct ep_stats_series s;
    assert_int_equal(
        ep_stats_series_compute(&m, &vs, &ps, EP_ENTITY_MEP, 3, EP_MEASURE_DEFECTION, &s, NULL), 0);
    assert_int_equal(s.n, 3);
    near(s.x[0], 1.0);
    assert_false(s.ok[1]);
    near(s.x[1], EP_STATS_UNDEF);
    near(s.x[2], 1.0);
    ep_stats_series_free(&s);
    /* group A defection per sitting: day 100: v0 T=4, 2 off FOR (N, A) -> 2/4 (v1 tie);
     * day 101: v2 0/3; day 130: v3 1/4 */
    assert_int_equal(
        ep_stats_series_compute(&m, &vs, &ps, EP_ENTITY_GROUP, 0, EP_MEASURE_DEFECTION, &s, NULL),
        0);
    near(s.x[0], 0.5);
    near(s.x[1], 0.0);
    near(s.x[2], 0.25);
    ep_stats_series_free(&s);
    /* cohesion is a group measure */
    assert_int_equal(
        ep_stats_series_compute(&m, &vs, &ps, EP_ENTITY_MEP, 0, EP_MEASURE_COHESION_AI, &s, NULL),
        EP_EINVAL);
    /* votes behind MEP 3's abstention point 0: cast votes v0, v1; hit v0 */
    int *vv, *hh, nv, nh;
    assert_int_equal(ep_stats_series_votes(&m, &vs, &ps, EP_ENTITY_MEP, 3, EP_MEASURE_ABSTENTION, 0,
                                           &vv, &nv, &hh, &nh, NULL),
                     0);
    assert_int_equal(nv, 2);
    assert_int_equal(nh, 1);
    assert_int_equal(hh[0], 0);
    free(vv);
    free(hh);

    /* trends per month: A April AI (0.25 + 0.25 + 1)/3 = 0.5, May 0.625;
     * B April participation (3 + 2 + 3)/(3 + 3 + 3) = 8/9 */
    struct ep_stats_trends t;
    assert_int_equal(ep_stats_trends_compute(&m, &vs, &pm, &t, NULL), 0);
    near(t.ai[0 * 2 + 0], 0.5);
    near(t.ai[1 * 2 + 0], 0.625);
    near(t.participation[0 * 2 + 1], 8.0 / 9.0);
    assert_int_equal(t.n_vote_cast[0 * 2 + 0], 3);
    ep_stats_trends_free(&t);
    ep_stats_periods_free(&ps);
    ep_stats_periods_free(&pm);
    ep_stats_votes_free(&vs);
    ep_matrix_free(&m);
}

/* ---- outliers ------------------------------------------------------------------------------ */

static void test_robust_z(void **state)
{
    (void)state;
    /* 1..9, 100: median 5.5; |x − 5.5| sorted .5 .5 1.5 1.5 2.5 2.5 3.5 3.5 4.5 94.5 -> MAD 2.5;
     * scale 1.4826·2.5 = 3.7065; z(100) = 94.5/3.7065 = 25.4958; z(1) = −4.5/3.7065 = −1.214 */
    double x[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 100};
    struct ep_stats_outliers o;
    assert_int_equal(ep_stats_outliers_find(x, NULL, 10, NULL, &o, NULL), 0);
    assert_int_equal(o.status, EP_OUTLIERS_OK);
    near(o.median, 5.5);
    near(o.mad, 2.5);
    assert_int_equal(o.scale, EP_SCALE_MAD);
    assert_false(o.classic_ok); /* n = 10 < 30 */
    assert_int_equal(o.n, 1);
    assert_int_equal(o.o[0].point, 9);
    near(o.o[0].z_robust, 94.5 / (1.4826 * 2.5));
    near_tol(o.o[0].z_robust, 25.4958, 1e-4);
    ep_stats_outliers_free(&o);

    /* MAD = 0: 5 ×8, 6: median 5, MAD 0, MeanAD = 1/9; scale 1.253314/9 = 0.139257;
     * z(6) = 9/1.253314 = 7.18096 */
    double y[9] = {5, 5, 5, 5, 5, 5, 5, 5, 6};
    assert_int_equal(ep_stats_outliers_find(y, NULL, 9, NULL, &o, NULL), 0);
    near(o.mad, 0.0);
    assert_int_equal(o.scale, EP_SCALE_MEANAD);
    assert_int_equal(o.n, 1);
    near(o.o[0].z_robust, 9.0 / 1.253314);
    ep_stats_outliers_free(&o);

    /* all equal: no spread, no outliers */
    double c[8] = {2, 2, 2, 2, 2, 2, 2, 2};
    assert_int_equal(ep_stats_outliers_find(c, NULL, 8, NULL, &o, NULL), 0);
    assert_int_equal(o.scale, EP_SCALE_CONSTANT);
    assert_int_equal(o.n, 0);
    ep_stats_outliers_free(&o);

    /* too few: 8 points of which 2 undefined -> 6 < 8 */
    uint8_t ok[8] = {1, 1, 0, 1, 1, 0, 1, 1};
    assert_int_equal(ep_stats_outliers_find(x, ok, 8, NULL, &o, NULL), 0);
    assert_int_equal(o.status, EP_OUTLIERS_TOO_FEW);
    assert_int_equal(o.n_obs, 6);
    assert_int_equal(o.n, 0);
    ep_stats_outliers_free(&o);

    /* classic z at n = 30: 0..28 and 1000; mean = (406 + 1000)/30 = 46.8667,
     * sample sd = 180.2125 -> z_classic(1000) = 5.28894; robust: median 14.5, MAD 7.5,
     * z = 985.5/(1.4826·7.5) = 88.628 */
    double w[30];
    for (int k = 0; k < 29; k++)
        w[k] = k;
    w[29] = 1000;
    assert_int_equal(ep_stats_outliers_find(w, NULL, 30, NULL, &o, NULL), 0);
    assert_true(o.classic_ok);
    assert_int_equal(o.n, 1);
    assert_int_equal(o.o[0].flags, EP_OUTLIER_ROBUST | EP_OUTLIER_CLASSIC);
    near_tol(o.o[0].z_classic, 5.28894, 1e-4);
    near_tol(o.o[0].z_robust, 88.628, 1e-3);
    ep_stats_outliers_free(&o);
}

static void test_baseline(void **state)
{
    (void)state;
    /* 3 MEPs in one group over 10 sittings (one vote each). MEP 0 votes with the group on
     * sittings 0-8 and against it on sitting 9: defection series 0 ×9, 1 -> median 0, MAD 0,
     * MeanAD 0.1, z = 1/(1.253314·0.1) = 7.979 -> point 9, vote 9. */
    const char *votes[10];
    for (int v = 0; v < 9; v++)
        votes[v] = "YYY";
    votes[9] = "NYY";
    const int grp[3] = {0, 0, 0};
    int32_t days[10];
    for (int v = 0; v < 10; v++)
        days[v] = 200 + 7 * v;
    const char *const codes[1] = {"A"};
    struct ep_matrix m;
    mk(&m, 3, 10, votes, grp, NULL, days, codes, 1);
    struct ep_stats_votes vs;
    struct ep_stats_periods ps;
    assert_int_equal(ep_stats_votes_compute(&m, &vs, NULL), 0);
    assert_int_equal(ep_stats_periods_compute(&m, EP_PERIOD_SITTING, &ps, NULL), 0);
    struct ep_stats_baseline b;
    assert_int_equal(
        ep_stats_baseline(&m, &vs, &ps, EP_ENTITY_MEP, 0, EP_MEASURE_DEFECTION, NULL, &b, NULL), 0);
    assert_int_equal(b.outliers.n, 1);
    assert_int_equal(b.outliers.o[0].point, 9);
    near(b.outliers.o[0].z_robust, 1.0 / (1.253314 * 0.1));
    assert_int_equal(b.outliers.o[0].n_hits, 1);
    assert_int_equal(b.outliers.o[0].hits[0], 9);
    assert_int_equal(b.outliers.o[0].votes[0], 9);
    ep_stats_baseline_free(&b);
    /* group cohesion: AI 1 ×9, then (2 − 0.5)/3 = 0.5 -> outlier at point 9 */
    assert_int_equal(
        ep_stats_baseline(&m, &vs, &ps, EP_ENTITY_GROUP, 0, EP_MEASURE_COHESION_AI, NULL, &b, NULL),
        0);
    assert_int_equal(b.outliers.n, 1);
    near(b.outliers.o[0].x, 0.5);
    assert_int_equal(b.outliers.o[0].n_hits, 0);
    ep_stats_baseline_free(&b);
    ep_stats_periods_free(&ps);
    ep_stats_votes_free(&vs);
    ep_matrix_free(&m);
}

/* ---- political map ------------------------------------------------------------------------- */

static void test_map_rank1(void **state)
{
    (void)state;
    /* MEPs 0-2 vote Y, 3-5 vote N on 10 votes; MEP 6 casts only 1 vote (filtered, min_cast 5).
     * Centred X rows are ±1 (vote means 0 over the kept MEPs); G = X X' has one eigenvalue
     * 6·10 = 60 = trace, u = (1,1,1,−1,−1,−1)/√6, scores σ·u = √60/√6 = ±√10 = ±3.16228.
     * Sign: all |scores| equal -> lowest index (MEP 0) is the reference and is positive. */
    const char *votes[10], *flip[10];
    for (int v = 0; v < 10; v++) {
        votes[v] = v == 0 ? "YYYNNNY" : "YYYNNND";
        flip[v] = v == 0 ? "NNNYYYN" : "NNNYYYD";
    }
    const int grp[7] = {0, 0, 0, 1, 1, 1, 1};
    const char *const codes[2] = {"A", "B"};
    struct ep_stats_map_params p = {.min_cast = 5};
    for (int f = 0; f < 2; f++) {
        struct ep_matrix m;
        mk(&m, 7, 10, f ? flip : votes, grp, NULL, NULL, codes, 2);
        struct ep_stats_map mp;
        assert_int_equal(ep_stats_map_compute(&m, &p, &mp, NULL), 0);
        assert_int_equal(mp.n, 6);
        assert_int_equal(mp.dims, 1);
        near_tol(mp.var[0], 1.0, 1e-9);
        assert_int_equal(mp.sign_ref[0], 0);
        for (int i = 0; i < 6; i++)
            near_tol(mp.x[i], i < 3 ? sqrt(10.0) : -sqrt(10.0), 1e-6);
        near(mp.var[1], EP_STATS_UNDEF); /* no second dimension */
        ep_stats_map_free(&mp);
        ep_matrix_free(&m);
    }
}

static void test_map_2d_stable(void **state)
{
    (void)state;
    /* Two-dimensional data with a missing cell; flipping every vote (Y <-> N) and reversing
     * the vote order must give identical coordinates (sign convention + order invariance). */
    const char *base[6] = {"YYYNNN", "YYNNYY", "NYYYNN", "YNYNYN", "YYDNNA", "AYNNYY"};
    char fl[6][7];
    const char *flip[6];
    for (int v = 0; v < 6; v++) {
        for (int i = 0; i < 6; i++) {
            char c = base[5 - v][i];
            fl[v][i] = c == 'Y' ? 'N' : c == 'N' ? 'Y' : c;
        }
        fl[v][6] = 0;
        flip[v] = fl[v];
    }
    const int grp[6] = {0, 0, 0, 1, 1, 1};
    const char *const codes[2] = {"A", "B"};
    struct ep_stats_map_params p = {.min_cast = 1};
    struct ep_stats_map mp[2];
    for (int f = 0; f < 2; f++) {
        struct ep_matrix m;
        mk(&m, 6, 6, f ? flip : base, grp, NULL, NULL, codes, 2);
        assert_int_equal(ep_stats_map_compute(&m, &p, &mp[f], NULL), 0);
        ep_matrix_free(&m);
    }
    assert_int_equal(mp[0].dims, 2);
    assert_true(mp[0].var[0] >= mp[0].var[1]);
    assert_true(mp[0].var[0] + mp[0].var[1] <= 1.0 + 1e-12);
    for (int i = 0; i < 6; i++) {
        near_tol(mp[0].x[i], mp[1].x[i], 1e-6);
        near_tol(mp[0].y[i], mp[1].y[i], 1e-6);
    }
    /* the reference MEP of each axis is positive */
    for (int d = 0; d < 2; d++) {
        int r = mp[0].sign_ref[d];
        assert_true((d ? mp[0].y[r] : mp[0].x[r]) > 0);
    }
    ep_stats_map_free(&mp[0]);
    ep_stats_map_free(&mp[1]);
}

/* 100 MEPs (above the 64-MEP full-solver cut-off): the subspace iteration must agree with the
 * full gsl_eigen_symmv solution, coordinates and variance shares. Pseudo-random ideal-point
 * data, 300 votes, some missing. */
static void test_map_solvers(void **state)
{
    (void)state;
    struct ep_matrix m;
    assert_int_equal(ep_matrix_alloc(&m, 100, 300, NULL), 0);
    assert_int_equal(ep_matrix_group_index(&m, "A"), 0);
    uint64_t s = 12345;
    for (int v = 0; v < 300; v++) {
        double cut = (double)(v % 17) / 8.5 - 1.0, cut2 = (double)(v % 7) / 3.5 - 1.0;
        for (int i = 0; i < 100; i++) {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            double r = (double)(s >> 11) / 9007199254740992.0;
            double x1 = (double)i / 50.0 - 1.0, x2 = (double)((i * 37) % 100) / 50.0 - 1.0;
            double u = (v % 3 ? x1 - cut : x2 - cut2) + 0.6 * (r - 0.5);
            int p = r < 0.08   ? EP_POS_DID_NOT_VOTE
                    : r > 0.95 ? EP_POS_ABSTENTION
                    : u > 0    ? EP_POS_FOR
                               : EP_POS_AGAINST;
            ep_matrix_set(&m, v, i, p, 0);
        }
    }
    struct ep_stats_map_params pa = {.min_cast = 1, .solver = EP_MAP_SOLVER_AUTO};
    struct ep_stats_map_params pf = {.min_cast = 1, .solver = EP_MAP_SOLVER_FULL};
    struct ep_stats_map a, f;
    assert_int_equal(ep_stats_map_compute(&m, &pa, &a, NULL), 0);
    assert_int_equal(ep_stats_map_compute(&m, &pf, &f, NULL), 0);
    assert_int_equal(a.n, 100);
    assert_int_equal(a.dims, 2);
    near_tol(a.var[0], f.var[0], 1e-9);
    near_tol(a.var[1], f.var[1], 1e-9);
    assert_int_equal(a.sign_ref[0], f.sign_ref[0]);
    for (int i = 0; i < 100; i++) {
        near_tol(a.x[i], f.x[i], 1e-6 * a.sv[0]);
        near_tol(a.y[i], f.y[i], 1e-6 * a.sv[0]);
    }
    ep_stats_map_free(&a);
    ep_stats_map_free(&f);
    ep_matrix_free(&m);
}

static void test_map_unavailable(void **state)
{
    (void)state;
    const char *const votes[2] = {"YD", "YD"};
    const int grp[2] = {0, 0};
    const char *const codes[1] = {"A"};
    struct ep_matrix m;
    mk(&m, 2, 2, votes, grp, NULL, NULL, codes, 1);
    struct ep_stats_map mp;
    assert_int_equal(ep_stats_map_compute(&m, NULL, &mp, NULL), EP_EUNAVAIL);
    ep_stats_map_free(&mp);
    ep_matrix_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ai),
        cmocka_unit_test(test_rice),
        cmocka_unit_test(test_position),
        cmocka_unit_test(test_kalpha_krippendorff),
        cmocka_unit_test(test_kalpha_edge),
        cmocka_unit_test(test_parliament_alpha),
        cmocka_unit_test(test_enp),
        cmocka_unit_test(test_votes_and_groups),
        cmocka_unit_test(test_mep),
        cmocka_unit_test(test_mep_unavailable),
        cmocka_unit_test(test_periods_series_trends),
        cmocka_unit_test(test_robust_z),
        cmocka_unit_test(test_baseline),
        cmocka_unit_test(test_map_rank1),
        cmocka_unit_test(test_map_2d_stable),
        cmocka_unit_test(test_map_solvers),
        cmocka_unit_test(test_map_unavailable),
    };
    ep_stats_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
