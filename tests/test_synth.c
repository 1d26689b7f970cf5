/* Tests for ep_synth: determinism, counts and id ranges, sink == matrix, calibration on a
 * hand-built matrix and on the real term-9 data, and generated figures near their targets. */
#include "ep_testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_matrix.h"
#include "ep_model.h"
#include "ep_synth.h"
#include "ep_util.h"

/* ---- a recording sink ---- */

struct rec {
    int n_mep, n_vote;
    int members, groups, memberships, countries, sittings, votes, positions;
    int bad; /* count of checks that failed inside callbacks */
    char first_bad[256];
    uint64_t hash;
    uint8_t *pos; /* [n_vote * n_mep], DID_NOT_VOTE by default */
    int64_t *member_ids;
    int32_t sit_days[1024];
    int64_t last_vote_id;
    char last_ts[32];
};

static void rec_bad(struct rec *r, const char *what)
{
    if (!r->bad++)
        snprintf(r->first_bad, sizeof r->first_bad, "%s", what);
}

static void hash_bytes(struct rec *r, const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t k = 0; k < n; k++)
        r->hash = (r->hash ^ c[k]) * UINT64_C(1099511628211);
}

static void hash_str(struct rec *r, const char *s)
{
    if (s)
        hash_bytes(r, s, strlen(s) + 1);
}

static int on_member(void *ctx, const struct ep_member *m, struct ep_error *err)
{
    struct rec *r = ctx;
    char name[128];
    snprintf(name, sizeof name, "%s %s", m->first_name, m->last_name);
    char want[64];
    snprintf(want, sizeof want, "Synthetic MEP %06d", (int)(m->id - EP_SYNTH_MEMBER_ID0));
    if (m->id < EP_SYNTH_MEMBER_ID0 || m->id >= EP_SYNTH_MEMBER_ID0 + r->n_mep)
        rec_bad(r, "member id out of the synthetic range");
    else if (r->member_ids[m->id - EP_SYNTH_MEMBER_ID0])
        rec_bad(r, "member emitted twice");
    else
        r->member_ids[m->id - EP_SYNTH_MEMBER_ID0] = m->id;
    if (strcmp(name, want) != 0)
        rec_bad(r, "member name");
    if (!m->country || strcmp(m->country, "XXX") != 0)
        rec_bad(r, "member country");
    hash_bytes(r, &m->id, sizeof m->id);
    hash_str(r, name);
    r->members++;
    return 0;
}

static int on_group(void *ctx, const struct ep_group *g, struct ep_error *err)
{
    struct rec *r = ctx;
    if (strncmp(g->label, "(synthetic) ", 12) != 0 ||
        strncmp(g->official_label, "(synthetic) ", 12) != 0)
        rec_bad(r, "group label");
    hash_str(r, g->code);
    r->groups++;
    return 0;
}

static int on_membership(void *ctx, const struct ep_membership *m, struct ep_error *err)
{
    struct rec *r = ctx;
    if (m->member_id < EP_SYNTH_MEMBER_ID0 || m->member_id >= EP_SYNTH_MEMBER_ID0 + r->n_mep ||
        !r->member_ids[m->member_id - EP_SYNTH_MEMBER_ID0])
        rec_bad(r, "membership before its member");
    if (strcmp(m->start_date, EP_SYNTH_TERM_START) > 0 ||
        (m->end_date && strcmp(m->end_date, EP_SYNTH_TERM_END) < 0))
        rec_bad(r, "membership does not cover the term");
    hash_bytes(r, &m->member_id, sizeof m->member_id);
    hash_str(r, m->group_code);
    r->memberships++;
    return 0;
}

static int on_country(void *ctx, const struct ep_country *c, struct ep_error *err)
{
    struct rec *r = ctx;
    if (strcmp(c->code, "XXX") != 0)
        rec_bad(r, "country");
    r->countries++;
    return 0;
}

static int on_sitting(void *ctx, const struct ep_sitting *s, struct ep_error *err)
{
    struct rec *r = ctx;
    int32_t d = ep_date_days(s->date);
    int wd = (int)(((d % 7) + 7 + 3) % 7); /* 0 = Monday (1970-01-01 was a Thursday) */
    if (strcmp(s->date, EP_SYNTH_TERM_START) < 0 || strcmp(s->date, EP_SYNTH_TERM_END) > 0)
        rec_bad(r, "sitting outside the term");
    if (wd > 3)
        rec_bad(r, "sitting not Monday..Thursday");
    if (r->sittings > 0 && d <= r->sit_days[r->sittings - 1])
        rec_bad(r, "sittings not increasing");
    if (r->sittings < 1024)
        r->sit_days[r->sittings] = d;
    hash_str(r, s->date);
    r->sittings++;
    return 0;
}

static int on_vote(void *ctx, const struct ep_vote *v, struct ep_error *err)
{
    struct rec *r = ctx;
    if (v->id != EP_SYNTH_VOTE_ID0 + r->votes)
        rec_bad(r, "vote id not in sequence from EP_SYNTH_VOTE_ID0");
    char want[64];
    snprintf(want, sizeof want, "Synthetic vote %d", r->votes + 1);
    if (strcmp(v->title, want) != 0)
        rec_bad(r, "vote title");
    if (strncmp(v->timestamp, v->sitting_date, 10) != 0)
        rec_bad(r, "timestamp not on the sitting");
    int found = 0;
    int32_t d = ep_date_days(v->sitting_date);
    for (int k = 0; k < r->sittings && k < 1024; k++)
        found |= r->sit_days[k] == d;
    if (!found)
        rec_bad(r, "vote on an unknown sitting");
    if (strcmp(v->timestamp, r->last_ts) <= 0)
        rec_bad(r, "timestamps not increasing");
    snprintf(r->last_ts, sizeof r->last_ts, "%s", v->timestamp);
    if (v->count_for + v->count_against + v->count_abstention + v->count_did_not_vote != r->n_mep)
        rec_bad(r, "vote counts do not add up");
    r->last_vote_id = v->id;
    hash_bytes(r, &v->id, sizeof v->id);
    hash_str(r, v->timestamp);
    r->votes++;
    return 0;
}

static int on_position(void *ctx, const struct ep_position *p, struct ep_error *err)
{
    struct rec *r = ctx;
    if (p->vote_id != r->last_vote_id)
        rec_bad(r, "position not after its vote");
    int64_t i = p->member_id - EP_SYNTH_MEMBER_ID0;
    if (i < 0 || i >= r->n_mep || !r->member_ids[i])
        rec_bad(r, "position of a member not emitted");
    else if (p->pos < EP_POS_FOR || p->pos > EP_POS_ABSTENTION)
        rec_bad(r, "position not cast");
    else
        r->pos[(size_t)(p->vote_id - EP_SYNTH_VOTE_ID0) * (size_t)r->n_mep + (size_t)i] =
            (uint8_t)p->pos;
    hash_bytes(r, &p->vote_id, sizeof p->vote_id);
    hash_bytes(r, &p->member_id, sizeof p->member_id);
    hash_bytes(r, &p->pos, sizeof p->pos);
    r->positions++;
    return 0;
}

static void rec_init(struct rec *r, int n_mep, int n_vote)
{
    memset(r, 0, sizeof *r);
    r->n_mep = n_mep;
    r->n_vote = n_vote;
    r->hash = UINT64_C(1469598103934665603);
    r->pos = malloc((size_t)n_mep * (size_t)n_vote + 1);
    memset(r->pos, EP_POS_DID_NOT_VOTE, (size_t)n_mep * (size_t)n_vote + 1);
    r->member_ids = calloc((size_t)n_mep, sizeof *r->member_ids);
    assert_non_null(r->pos);
    assert_non_null(r->member_ids);
}

static void rec_free(struct rec *r)
{
    free(r->pos);
    free(r->member_ids);
}

static int run_sink(struct rec *r, int n_mep, int n_vote, uint64_t seed)
{
    struct ep_synth_params p;
    ep_synth_default_params(&p);
    struct ep_sink s = {.ctx = r,
                        .member = on_member,
                        .group = on_group,
                        .membership = on_membership,
                        .country = on_country,
                        .sitting = on_sitting,
                        .vote = on_vote,
                        .position = on_position};
    struct ep_error err = {0};
    rec_init(r, n_mep, n_vote);
    int rc = ep_synth_generate(&p, n_mep, n_vote, seed, &s, &err);
    if (rc)
        fprintf(stderr, "generate: %s\n", err.msg);
    return rc;
}

/* ---- tests ---- */

static void test_counts_and_ids(void **state)
{
    struct rec r;
    assert_int_equal(run_sink(&r, 120, 700, 7), 0);
    if (r.bad)
        fprintf(stderr, "first failed check: %s (%d)\n", r.first_bad, r.bad);
    assert_int_equal(r.bad, 0);
    assert_int_equal(r.members, 120);
    assert_int_equal(r.memberships, 120);
    assert_int_equal(r.votes, 700);
    assert_int_equal(r.groups, 8);
    assert_int_equal(r.countries, 1);
    /* about 12 four-day sessions a year over 2019-07-15 .. 2024-04-25 */
    assert_true(r.sittings >= 4 * 50 && r.sittings <= 4 * 64);
    assert_int_equal(r.sit_days[0], ep_date_days(EP_SYNTH_TERM_START));
    assert_int_equal(r.sit_days[r.sittings - 1], ep_date_days(EP_SYNTH_TERM_END));
    assert_true(r.positions > 0 && r.positions < 120 * 700);
    rec_free(&r);
}

static void test_determinism(void **state)
{
    struct rec a, b, c;
    assert_int_equal(run_sink(&a, 50, 300, 42), 0);
    assert_int_equal(run_sink(&b, 50, 300, 42), 0);
    assert_int_equal(run_sink(&c, 50, 300, 43), 0);
    assert_true(a.hash == b.hash);
    assert_memory_equal(a.pos, b.pos, 50 * 300);
    assert_true(a.hash != c.hash);
    assert_true(memcmp(a.pos, c.pos, 50 * 300) != 0);
    rec_free(&a);
    rec_free(&b);
    rec_free(&c);

    struct ep_synth_params p;
    ep_synth_default_params(&p);
    struct ep_matrix m1, m2, m3;
    assert_int_equal(ep_synth_fill_matrix(&p, 80, 500, 1, &m1, NULL), 0);
    assert_int_equal(ep_synth_fill_matrix(&p, 80, 500, 1, &m2, NULL), 0);
    assert_int_equal(ep_synth_fill_matrix(&p, 80, 500, 2, &m3, NULL), 0);
    assert_int_equal(m1.synthetic, 1);
    assert_memory_equal(m1.pos, m2.pos, 80 * 500);
    assert_memory_equal(m1.plane[0], m2.plane[0], sizeof(uint64_t) * 80 * (size_t)m1.n_words);
    assert_true(memcmp(m1.pos, m3.pos, 80 * 500) != 0);
    ep_matrix_free(&m1);
    ep_matrix_free(&m2);
    ep_matrix_free(&m3);
}

static void test_sink_equals_matrix(void **state)
{
    int n = 90, nv = 400;
    struct rec r;
    assert_int_equal(run_sink(&r, n, nv, 99), 0);
    struct ep_synth_params p;
    ep_synth_default_params(&p);
    struct ep_matrix m;
    assert_int_equal(ep_synth_fill_matrix(&p, n, nv, 99, &m, NULL), 0);
    assert_memory_equal(r.pos, m.pos, (size_t)n * (size_t)nv);
    for (int i = 0; i < n; i++)
        assert_true(m.mep_id[i] == EP_SYNTH_MEMBER_ID0 + i);
    for (int v = 0; v < nv; v++) {
        assert_true(m.vote_id[v] == EP_SYNTH_VOTE_ID0 + v);
        if (v)
            assert_true(m.vote_day[v] >= m.vote_day[v - 1]);
        for (int i = 0; i < n; i++)
            assert_true(m.grp[(size_t)v * n + i] < m.n_grp);
    }
    rec_free(&r);
    ep_matrix_free(&m);
}

/* 6 MEPs in two groups over 4 votes, figures worked out by hand. */
static void test_calibrate_hand(void **state)
{
    struct ep_matrix m;
    assert_int_equal(ep_matrix_alloc(&m, 6, 4, NULL), 0);
    int a = ep_matrix_group_index(&m, "EPP"), b = ep_matrix_group_index(&m, "SD");
    enum { F = EP_POS_FOR, A = EP_POS_AGAINST, X = EP_POS_ABSTENTION, D = EP_POS_DID_NOT_VOTE };
    /* MEPs 0..3 EPP, 4..5 SD */
    static const int P[4][6] = {
        {F, F, F, A, F, F}, /* EPP FOR (3:1), SD FOR */
        {A, A, D, A, X, A}, /* EPP AGAINST, SD tie (X:A 1:1) */
        {F, F, F, F, A, A}, /* EPP FOR, SD AGAINST */
        {X, X, F, D, D, D}, /* EPP ABSTENTION, SD no cast vote */
    };
    for (int v = 0; v < 4; v++)
        for (int i = 0; i < 6; i++)
            ep_matrix_set(&m, v, i, P[v][i], i < 4 ? a : b);
    struct ep_synth_params p;
    struct ep_error err = {0};
    assert_int_equal(ep_synth_calibrate(&m, &p, &err), 0);
    assert_int_equal(p.n_grp, 2);
    assert_string_equal(p.grp[0].code, "EPP");
    assert_string_equal(p.grp[1].code, "SD");
    assert_float_equal(p.grp[0].seat_share, 4.0 / 6, 1e-12);
    /* participation: EPP 4/4, 4/4, 3/4, 3/4 -> mean 0.875; SD 3/4, 3/4 */
    assert_float_equal(p.grp[0].participation_mean, 0.875, 1e-12);
    assert_float_equal(p.grp[1].participation_mean, 0.75, 1e-12);
    assert_float_equal(p.grp[1].participation_sd, 0.0, 1e-12);
    /* EPP non-tie positions: F, A, F, X -> group_abstain 1/4; SD: F, A -> 0 */
    assert_float_equal(p.grp[0].group_abstain, 0.25, 1e-12);
    assert_float_equal(p.grp[1].group_abstain, 0.0, 1e-12);
    /* cast 6 + 5 + 6 + 3 = 20, ABSTENTION 3 */
    assert_float_equal(p.abstention_share, 3.0 / 20, 1e-12);
    /* defections against a FOR/AGAINST line: only MEP 3 on vote 0 (AGAINST), no abstention */
    assert_float_equal(p.defect_abstain, 0.0, 1e-12);
    /* big three: EPP, SD (only two groups). Votes with both non-tie: v0 (F,F), v2 (F,A). */
    assert_int_equal(p.big[0], 0);
    assert_int_equal(p.big[1], 1);
    assert_int_equal(p.big[2], -1);
    assert_float_equal(p.consensual_share, 0.5, 1e-12);
    assert_float_equal(p.consensual_for, 1.0, 1e-12);
    /* loyalty needs >= 10 votes per MEP: none here, so the figures default to 1 */
    assert_float_equal(p.grp[0].loyalty_mean, 1.0, 1e-12);
    ep_matrix_free(&m);

    /* errors */
    assert_int_equal(ep_synth_calibrate(NULL, &p, &err), EP_EINVAL);
    struct ep_matrix e;
    assert_int_equal(ep_matrix_alloc(&e, 0, 0, NULL), 0);
    assert_int_equal(ep_synth_calibrate(&e, &p, &err), EP_EINVAL);
    ep_matrix_free(&e);
    ep_synth_default_params(&p);
    assert_int_equal(ep_synth_fill_matrix(&p, 0, 10, 1, &e, &err), EP_EINVAL);
    p.n_grp = 0;
    assert_int_equal(ep_synth_fill_matrix(&p, 10, 10, 1, &e, &err), EP_EINVAL);
}

/* Generate with the defaults, recalibrate: the figures come back near their targets. */
static void test_roundtrip(void **state)
{
    struct ep_synth_params p, q;
    ep_synth_default_params(&p);
    struct ep_matrix m;
    struct ep_error err = {0};
    assert_int_equal(ep_synth_fill_matrix(&p, 720, 3000, 2024, &m, &err), 0);
    assert_int_equal(ep_synth_calibrate(&m, &q, &err), 0);
    assert_int_equal(q.n_grp, p.n_grp);
    double want_part = 0.0, want_loy = 0.0;
    for (int g = 0; g < p.n_grp; g++) {
        const struct ep_synth_group *a = &p.grp[g], *b = &q.grp[g];
        assert_string_equal(a->code, b->code);
        fprintf(stderr,
                "  %-10s seat %.3f/%.3f part %.3f/%.3f (sd %.3f/%.3f) loy %.3f/%.3f (sd "
                "%.3f/%.3f) gab %.3f/%.3f\n",
                a->code, a->seat_share, b->seat_share, a->participation_mean, b->participation_mean,
                a->participation_sd, b->participation_sd, a->loyalty_mean, b->loyalty_mean,
                a->loyalty_sd, b->loyalty_sd, a->group_abstain, b->group_abstain);
        assert_float_equal(a->seat_share, b->seat_share, 0.01);
        assert_float_equal(a->participation_mean, b->participation_mean, 0.03);
        assert_float_equal(a->participation_sd, b->participation_sd, 0.03);
        if (a->seat_share >= 0.08) /* >= ~58 MEPs: a stable group majority */
            assert_float_equal(a->loyalty_mean, b->loyalty_mean, 0.03);
        want_part += a->seat_share * a->participation_mean;
        want_loy += a->seat_share * a->loyalty_mean;
    }
    fprintf(stderr,
            "  overall part %.3f/%.3f loy %.3f/%.3f cons %.3f/%.3f consfor %.3f/%.3f abst "
            "%.3f/%.3f defab %.3f/%.3f\n",
            want_part, q.participation_mean, want_loy, q.loyalty_mean, p.consensual_share,
            q.consensual_share, p.consensual_for, q.consensual_for, p.abstention_share,
            q.abstention_share, p.defect_abstain, q.defect_abstain);
    assert_float_equal(q.participation_mean, want_part, 0.03);
    assert_float_equal(q.loyalty_mean, want_loy, 0.03);
    assert_float_equal(q.consensual_share, p.consensual_share, 0.05);
    assert_float_equal(q.consensual_for, p.consensual_for, 0.05);
    assert_float_equal(q.abstention_share, p.abstention_share, 0.03);
    assert_float_equal(q.defect_abstain, p.defect_abstain, 0.05);
    ep_matrix_free(&m);
}

/* ---- the real term-9 data: member_votes_subset.csv into a matrix ---- */

struct row {
    int64_t vote, mep;
    int pos;
    char grp[16];
};

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int64_t *uniq(int64_t *v, size_t n, size_t *out)
{
    qsort(v, n, sizeof *v, cmp_i64);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!k || v[k - 1] != v[i])
            v[k++] = v[i];
    *out = k;
    return v;
}

static int idx_of(const int64_t *v, size_t n, int64_t x)
{
    const int64_t *p = bsearch(&x, v, n, sizeof *v, cmp_i64);
    return p ? (int)(p - v) : -1;
}

/* Fills m from the real member_votes_subset.csv (the build unpacks it; a missing file fails). */
static void load_real(struct ep_matrix *m)
{
    struct ep_buf b;
    struct ep_error err = {0};
    ep_buf_init(&b, 0);
    if (ep_read_file(ep_test_real("howtheyvote/member_votes_subset.csv"), 0, &b, &err))
        fail_msg("%s", err.msg);
    size_t cap = 200000, n = 0;
    struct row *rows = malloc(cap * sizeof *rows);
    assert_non_null(rows);
    char *save = NULL;
    char *line = strtok_r(b.data, "\n", &save); /* header */
    assert_non_null(line);
    assert_non_null(strstr(line, "vote_id,member_id,position"));
    while ((line = strtok_r(NULL, "\n", &save))) {
        char pos[32], country[8], grp[16];
        long long v, mep;
        if (sscanf(line, "%lld,%lld,%31[^,],%7[^,],%15[^,\r]", &v, &mep, pos, country, grp) != 5)
            continue;
        if (n == cap) {
            cap *= 2;
            rows = realloc(rows, cap * sizeof *rows);
            assert_non_null(rows);
        }
        rows[n].vote = v;
        rows[n].mep = mep;
        rows[n].pos = ep_pos_parse(pos);
        snprintf(rows[n].grp, sizeof rows[n].grp, "%s", grp);
        n++;
    }
    ep_buf_free(&b);
    int64_t *vs = malloc(n * sizeof *vs), *ms = malloc(n * sizeof *ms);
    assert_non_null(vs);
    assert_non_null(ms);
    for (size_t k = 0; k < n; k++) {
        vs[k] = rows[k].vote;
        ms[k] = rows[k].mep;
    }
    size_t nv, nm;
    uniq(vs, n, &nv);
    uniq(ms, n, &nm);
    assert_int_equal(ep_matrix_alloc(m, (int)nm, (int)nv, NULL), 0);
    memcpy(m->mep_id, ms, nm * sizeof *ms);
    memcpy(m->vote_id, vs, nv * sizeof *vs);
    for (size_t k = 0; k < n; k++) {
        int g = ep_matrix_group_index(m, rows[k].grp);
        assert_true(g >= 0 && rows[k].pos >= EP_POS_FOR);
        ep_matrix_set(m, idx_of(vs, nv, rows[k].vote), idx_of(ms, nm, rows[k].mep), rows[k].pos, g);
    }
    free(vs);
    free(ms);
    free(rows);
}

static void test_calibrate_real(void **state)
{
    struct ep_matrix m;
    load_real(&m);
    assert_int_equal(m.n_vote, 266);
    assert_int_equal(m.n_mep, 715);
    struct ep_synth_params q, d;
    struct ep_error err = {0};
    assert_int_equal(ep_synth_calibrate(&m, &q, &err), 0);
    ep_synth_default_params(&d);
    fprintf(stderr, "measured on the real data (%d MEPs, %d votes):\n", q.src_mep, q.src_vote);
    for (int g = 0; g < q.n_grp; g++)
        fprintf(stderr, "        {\"%s\", %.4f, %.4f, %.4f, %.4f, %.4f, %.4f},\n", q.grp[g].code,
                q.grp[g].seat_share, q.grp[g].participation_mean, q.grp[g].participation_sd,
                q.grp[g].loyalty_mean, q.grp[g].loyalty_sd, q.grp[g].group_abstain);
    fprintf(stderr, "    cons %.4f consfor %.4f abst %.4f defab %.4f part %.4f loy %.4f\n",
            q.consensual_share, q.consensual_for, q.abstention_share, q.defect_abstain,
            q.participation_mean, q.loyalty_mean);

    /* sensible: eight term-9 groups, EPP largest, shares sum to 1, high loyalty */
    assert_int_equal(q.n_grp, 8);
    double sum = 0.0;
    for (int g = 0; g < q.n_grp; g++) {
        sum += q.grp[g].seat_share;
        assert_true(q.grp[g].participation_mean > 0.5 && q.grp[g].participation_mean < 1.0);
        assert_true(q.grp[g].loyalty_mean > 0.6 && q.grp[g].loyalty_mean <= 1.0);
    }
    assert_float_equal(sum, 1.0, 1e-9);
    assert_string_equal(q.grp[q.big[0]].code, "EPP");
    assert_string_equal(q.grp[q.big[1]].code, "SD");
    assert_string_equal(q.grp[q.big[2]].code, "RENEW");
    /* whole-file figures from the README: 154,619 cast of 187,516; 10,785 ABSTENTION */
    assert_float_equal(q.abstention_share, 10785.0 / 154619.0, 1e-9);
    assert_true(q.participation_mean > 0.75 && q.participation_mean < 0.9);
    assert_true(q.consensual_share > 0.4 && q.consensual_share < 0.9);

    /* the defaults are these measurements */
    assert_int_equal(d.n_grp, q.n_grp);
    for (int g = 0; g < d.n_grp; g++) {
        int k = 0;
        while (k < q.n_grp && strcmp(q.grp[k].code, d.grp[g].code) != 0)
            k++;
        assert_true(k < q.n_grp);
        assert_float_equal(d.grp[g].seat_share, q.grp[k].seat_share, 1e-4);
        assert_float_equal(d.grp[g].participation_mean, q.grp[k].participation_mean, 1e-4);
        assert_float_equal(d.grp[g].participation_sd, q.grp[k].participation_sd, 1e-4);
        assert_float_equal(d.grp[g].loyalty_mean, q.grp[k].loyalty_mean, 1e-4);
        assert_float_equal(d.grp[g].loyalty_sd, q.grp[k].loyalty_sd, 1e-4);
        assert_float_equal(d.grp[g].group_abstain, q.grp[k].group_abstain, 1e-4);
    }
    assert_float_equal(d.consensual_share, q.consensual_share, 1e-4);
    assert_float_equal(d.consensual_for, q.consensual_for, 1e-4);
    assert_float_equal(d.abstention_share, q.abstention_share, 1e-4);
    assert_float_equal(d.defect_abstain, q.defect_abstain, 1e-4);
    assert_float_equal(d.participation_mean, q.participation_mean, 1e-4);
    assert_float_equal(d.loyalty_mean, q.loyalty_mean, 1e-4);
    ep_matrix_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_and_ids),     cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_sink_equals_matrix), cmocka_unit_test(test_calibrate_hand),
        cmocka_unit_test(test_roundtrip),          cmocka_unit_test(test_calibrate_real),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
