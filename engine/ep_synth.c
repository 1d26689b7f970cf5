/* ep_synth: synthetic full-term roll-call data calibrated from real data. See ep_synth.h. */
#include "ep_synth.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_util.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* ---- PRNG: splitmix64 to seed xoshiro256** ---- */

struct rng {
    uint64_t s[4];
};

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int k = 0; k < 4; k++)
        r->s[k] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(struct rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* Uniform in [0, 1). */
static double rng_unif(struct rng *r)
{
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

static double rng_normal(struct rng *r)
{
    double u1 = 1.0 - rng_unif(r); /* (0, 1] */
    double u2 = rng_unif(r);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/* Gamma(a, 1), Marsaglia & Tsang (2000). */
static double rng_gamma(struct rng *r, double a)
{
    if (a < 1.0) {
        double u = 1.0 - rng_unif(r);
        return rng_gamma(r, a + 1.0) * pow(u, 1.0 / a);
    }
    double d = a - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
    for (;;) {
        double x, v;
        do {
            x = rng_normal(r);
            v = 1.0 + c * x;
        } while (v <= 0.0);
        v = v * v * v;
        double u = 1.0 - rng_unif(r);
        if (u < 1.0 - 0.0331 * x * x * x * x || log(u) < 0.5 * x * x + d * (1.0 - v + log(v)))
            return d * v;
    }
}

/* A draw in [0, 1] with the given mean and standard deviation (Beta distribution). */
static double rng_beta_ms(struct rng *r, double mean, double sd)
{
    if (mean <= 0.0)
        return 0.0;
    if (mean >= 1.0)
        return 1.0;
    double maxvar = mean * (1.0 - mean);
    double var = sd * sd;
    if (!(var > 1e-9))
        return mean;
    if (var > 0.9 * maxvar)
        var = 0.9 * maxvar;
    double k = maxvar / var - 1.0;
    double x = rng_gamma(r, mean * k), y = rng_gamma(r, (1.0 - mean) * k);
    return x + y > 0.0 ? x / (x + y) : mean;
}

/* ---- ideal points ---- */

struct ideal {
    const char *code;
    double x, y;
};

/* Left(-1)..right(+1) and pro-EU(+1)..anti-EU(-1), placed by hand after the groups' usual
 * descriptions (Chapel Hill-style ordering); only the relative placement matters. */
static const struct ideal IDEALS[] = {
    {"GUE_NGL", -0.90, -0.10}, {"GREEN_EFA", -0.60, 0.60}, {"SD", -0.40, 0.70},
    {"RENEW", 0.05, 0.90},     {"EPP", 0.40, 0.65},        {"ECR", 0.70, -0.30},
    {"ID", 0.90, -0.85},       {"NI", 0.30, -0.60},        {"PFE", 0.85, -0.75},
    {"ESN", 1.00, -0.95},
};

static void ideal_point(const char *code, double *x, double *y)
{
    for (size_t k = 0; k < sizeof IDEALS / sizeof IDEALS[0]; k++)
        if (strcmp(IDEALS[k].code, code) == 0) {
            *x = IDEALS[k].x;
            *y = IDEALS[k].y;
            return;
        }
    uint64_t h = UINT64_C(1469598103934665603);
    for (const char *c = code; *c; c++)
        h = (h ^ (uint8_t)*c) * UINT64_C(1099511628211);
    double a = (double)(h % 360) * M_PI / 180.0;
    *x = 0.5 * cos(a);
    *y = 0.5 * sin(a);
}

static void set_big3(struct ep_synth_params *p)
{
    for (int k = 0; k < 3; k++)
        p->big[k] = -1;
    for (int k = 0; k < 3 && k < p->n_grp; k++) {
        int best = -1;
        for (int g = 0; g < p->n_grp; g++) {
            if (g == p->big[0] || g == p->big[1])
                continue;
            if (best < 0 || p->grp[g].seat_share > p->grp[best].seat_share)
                best = g;
        }
        p->big[k] = best;
    }
}

/* ---- defaults ---- */

void ep_synth_default_params(struct ep_synth_params *p)
{
    /* Measured with ep_synth_calibrate() on the real term-9 data: the 266 roll-call votes of
     * the seven sittings 2024-01-15/16/17, 02-08, 02-26/27 and 04-23 as loaded from
     * EP_REAL_DATA/howtheyvote/member_votes_subset.csv (derived from the EP RCV XML; 715 MEPs,
     * 187,516 rows with DID_NOT_VOTE for eligible absentees). tests/test_synth.c reloads that
     * file, recalibrates and checks these numbers. Ideal points come from the built-in table. */
    static const struct {
        const char *code;
        double seat, pm, psd, lm, lsd, gab;
    } G[] = {
        {"RENEW", 0.1427, 0.9016, 0.1287, 0.9270, 0.0857, 0.0038},
        {"EPP", 0.2587, 0.8069, 0.2216, 0.9298, 0.0557, 0.0038},
        {"SD", 0.1986, 0.8169, 0.2116, 0.9385, 0.0553, 0.0263},
        {"GREEN_EFA", 0.1021, 0.8828, 0.1581, 0.9567, 0.0348, 0.0564},
        {"ECR", 0.0951, 0.8302, 0.1953, 0.8509, 0.1282, 0.1250},
        {"GUE_NGL", 0.0531, 0.7949, 0.1976, 0.8644, 0.0792, 0.0530},
        {"NI", 0.0671, 0.7188, 0.2320, 0.6043, 0.1322, 0.0155},
        {"ID", 0.0825, 0.8001, 0.2334, 0.7569, 0.0717, 0.1483},
    };
    memset(p, 0, sizeof *p);
    p->n_grp = (int)(sizeof G / sizeof G[0]);
    for (int g = 0; g < p->n_grp; g++) {
        struct ep_synth_group *q = &p->grp[g];
        snprintf(q->code, sizeof q->code, "%s", G[g].code);
        q->seat_share = G[g].seat;
        q->participation_mean = G[g].pm;
        q->participation_sd = G[g].psd;
        q->loyalty_mean = G[g].lm;
        q->loyalty_sd = G[g].lsd;
        q->group_abstain = G[g].gab;
        ideal_point(q->code, &q->x, &q->y);
    }
    set_big3(p);
    p->consensual_share = 0.7180;
    p->consensual_for = 0.6859;
    p->abstention_share = 0.0698;
    p->defect_abstain = 0.4078;
    p->participation_mean = 0.8252;
    p->loyalty_mean = 0.8877;
    p->src_mep = 715;
    p->src_vote = 266;
}

/* ---- calibration ---- */

#define MIN_LOYALTY_VOTES 10

struct stat {
    double sum, sum2;
    int n;
};

static void stat_add(struct stat *s, double x)
{
    s->sum += x;
    s->sum2 += x * x;
    s->n++;
}

static double stat_mean(const struct stat *s)
{
    return s->n ? s->sum / s->n : 0.0;
}

static double stat_sd(const struct stat *s)
{
    if (s->n < 2)
        return 0.0;
    double m = s->sum / s->n;
    double v = (s->sum2 - s->n * m * m) / (s->n - 1);
    return v > 0.0 ? sqrt(v) : 0.0;
}

/* Group position per (vote, group): EP_POS_FOR..ABSTENTION, or 0 for tie / no cast vote. */
static uint8_t *group_positions(const struct ep_matrix *m)
{
    int n = m->n_mep, ng = m->n_grp;
    uint8_t *gp = calloc((size_t)m->n_vote * (size_t)(ng ? ng : 1) + 1, 1);
    int(*cnt)[3] = calloc((size_t)(ng ? ng : 1), sizeof *cnt);
    if (!gp || !cnt) {
        free(gp);
        free(cnt);
        return NULL;
    }
    for (int v = 0; v < m->n_vote; v++) {
        memset(cnt, 0, sizeof *cnt * (size_t)(ng ? ng : 1));
        const uint8_t *pos = m->pos + (size_t)v * (size_t)n;
        const uint8_t *grp = m->grp + (size_t)v * (size_t)n;
        for (int i = 0; i < n; i++)
            if (pos[i] >= EP_POS_FOR && pos[i] <= EP_POS_ABSTENTION && grp[i] < ng)
                cnt[grp[i]][pos[i] - 1]++;
        for (int g = 0; g < ng; g++) {
            int best = 0, tie = 0;
            for (int k = 1; k < 3; k++)
                if (cnt[g][k] > cnt[g][best])
                    best = k;
            /* a tie is any other position with the maximum count */
            for (int k = 0; k < 3; k++)
                if (k != best && cnt[g][k] == cnt[g][best])
                    tie = 1;
            gp[(size_t)v * (size_t)ng + (size_t)g] =
                (uint8_t)(cnt[g][best] == 0 || tie ? 0 : best + 1);
        }
    }
    free(cnt);
    return gp;
}

/* p's consensual_share and consensual_for from the group positions gp (nv votes x ng matrix
 * groups; map: matrix group -> p's group, or -1): the votes on which the big three share one
 * non-tie position, among those where each of them has one, and the FOR share of those. */
static void consensual_votes(const uint8_t *gp, int nv, int ng, const int *map,
                             struct ep_synth_params *p)
{
    int bg[3] = {0, 0, 0}, nb = 0;
    for (int k = 0; k < 3; k++)
        if (p->big[k] >= 0)
            for (int g = 0; g < ng; g++)
                if (map[g] == p->big[k])
                    bg[nb++] = g;
    long n_def_votes = 0, n_cons = 0, n_cons_for = 0;
    for (int v = 0; v < nv; v++) {
        const uint8_t *gpv = gp + (size_t)v * (size_t)ng;
        int ok = 1, same = 1;
        for (int k = 0; k < nb; k++) {
            if (!gpv[bg[k]])
                ok = 0;
            else if (gpv[bg[k]] != gpv[bg[0]])
                same = 0;
        }
        if (!ok || nb == 0)
            continue;
        n_def_votes++;
        if (same) {
            n_cons++;
            n_cons_for += gpv[bg[0]] == EP_POS_FOR;
        }
    }
    p->consensual_share = n_def_votes ? (double)n_cons / n_def_votes : 0.0;
    p->consensual_for = n_cons ? (double)n_cons_for / n_cons : 0.0;
}

int ep_synth_calibrate(const struct ep_matrix *real, struct ep_synth_params *p,
                       struct ep_error *err)
{
    if (!real || !p)
        return ep_error_set(err, EP_EINVAL, "ep_synth_calibrate: NULL argument");
    const struct ep_matrix *m = real;
    int n = m->n_mep, nv = m->n_vote, ng = m->n_grp;
    if (n <= 0 || nv <= 0 || ng <= 0)
        return ep_error_set(err, EP_EINVAL,
                            "ep_synth_calibrate: the matrix is empty (%d MEPs, %d votes, %d "
                            "groups); calibration needs real positions",
                            n, nv, ng);
    int rc = EP_OK;
    uint8_t *gp = group_positions(m);
    int *gcount = calloc((size_t)n * (size_t)ng, sizeof *gcount);
    int *elig = calloc((size_t)n, sizeof *elig), *cast = calloc((size_t)n, sizeof *cast);
    int *lv = calloc((size_t)n, sizeof *lv), *lm = calloc((size_t)n, sizeof *lm);
    long *gpos_n = calloc((size_t)ng, sizeof *gpos_n), *gpos_a = calloc((size_t)ng, sizeof *gpos_a);
    struct stat *ps = calloc((size_t)ng, sizeof *ps), *ls = calloc((size_t)ng, sizeof *ls);
    int *seat = calloc((size_t)ng, sizeof *seat), *map = calloc((size_t)ng, sizeof *map);
    if (!gp || !gcount || !elig || !cast || !lv || !lm || !gpos_n || !gpos_a || !ps || !ls ||
        !seat || !map) {
        rc = ep_error_set(err, EP_ENOMEM, "ep_synth_calibrate: out of memory");
        goto out;
    }

    long n_cast = 0, n_abst = 0, n_def = 0, n_def_abst = 0;
    for (int v = 0; v < nv; v++) {
        const uint8_t *pos = m->pos + (size_t)v * (size_t)n;
        const uint8_t *grp = m->grp + (size_t)v * (size_t)n;
        const uint8_t *gpv = gp + (size_t)v * (size_t)ng;
        for (int g = 0; g < ng; g++)
            if (gpv[g]) {
                gpos_n[g]++;
                gpos_a[g] += gpv[g] == EP_POS_ABSTENTION;
            }
        for (int i = 0; i < n; i++) {
            int ps_ = pos[i];
            if (ps_ < EP_POS_FOR || ps_ > EP_POS_DID_NOT_VOTE)
                continue;
            elig[i]++;
            if (grp[i] < ng)
                gcount[(size_t)i * (size_t)ng + grp[i]]++;
            if (ps_ == EP_POS_DID_NOT_VOTE)
                continue;
            cast[i]++;
            n_cast++;
            n_abst += ps_ == EP_POS_ABSTENTION;
            if (grp[i] >= ng || !gpv[grp[i]])
                continue;
            lv[i]++;
            lm[i] += gpv[grp[i]] == ps_;
            if (gpv[grp[i]] != EP_POS_ABSTENTION && gpv[grp[i]] != ps_) {
                n_def++;
                n_def_abst += ps_ == EP_POS_ABSTENTION;
            }
        }
    }

    struct stat all_p = {0}, all_l = {0};
    int n_members = 0;
    for (int i = 0; i < n; i++) {
        if (!elig[i])
            continue;
        int modal = -1;
        for (int g = 0; g < ng; g++)
            if (gcount[(size_t)i * (size_t)ng + g] > 0 &&
                (modal < 0 ||
                 gcount[(size_t)i * (size_t)ng + g] > gcount[(size_t)i * (size_t)ng + modal]))
                modal = g;
        if (modal < 0)
            continue;
        n_members++;
        seat[modal]++;
        double part = (double)cast[i] / elig[i];
        stat_add(&ps[modal], part);
        stat_add(&all_p, part);
        if (lv[i] >= MIN_LOYALTY_VOTES) {
            stat_add(&ls[modal], (double)lm[i] / lv[i]);
            stat_add(&all_l, (double)lm[i] / lv[i]);
        }
    }
    if (n_members == 0) {
        rc = ep_error_set(err, EP_EINVAL,
                          "ep_synth_calibrate: no MEP has a group and an eligible vote");
        goto out;
    }

    memset(p, 0, sizeof *p);
    for (int g = 0; g < ng; g++) {
        map[g] = -1;
        if (!seat[g])
            continue;
        if (p->n_grp >= EP_SYNTH_MAX_GROUPS) {
            rc =
                ep_error_set(err, EP_ELIMIT, "ep_synth_calibrate: more than %d groups with members",
                             EP_SYNTH_MAX_GROUPS);
            goto out;
        }
        map[g] = p->n_grp;
        struct ep_synth_group *q = &p->grp[p->n_grp++];
        snprintf(q->code, sizeof q->code, "%s", m->grp_code[g]);
        q->seat_share = (double)seat[g] / n_members;
        q->participation_mean = stat_mean(&ps[g]);
        q->participation_sd = stat_sd(&ps[g]);
        q->loyalty_mean = ls[g].n ? stat_mean(&ls[g]) : 1.0;
        q->loyalty_sd = stat_sd(&ls[g]);
        q->group_abstain = gpos_n[g] ? (double)gpos_a[g] / gpos_n[g] : 0.0;
        ideal_point(q->code, &q->x, &q->y);
    }
    set_big3(p);

    consensual_votes(gp, nv, ng, map, p);
    p->abstention_share = n_cast ? (double)n_abst / n_cast : 0.0;
    p->defect_abstain = n_def ? (double)n_def_abst / n_def : 0.0;
    p->participation_mean = stat_mean(&all_p);
    p->loyalty_mean = all_l.n ? stat_mean(&all_l) : 1.0;
    p->src_mep = n_members;
    p->src_vote = nv;

out:
    free(gp);
    free(gcount);
    free(elig);
    free(cast);
    free(lv);
    free(lm);
    free(gpos_n);
    free(gpos_a);
    free(ps);
    free(ls);
    free(seat);
    free(map);
    return rc;
}

/* ---- generation (shared by the sink and the matrix paths) ---- */

struct gen {
    const struct ep_synth_params *p;
    int n_mep, n_vote;
    uint64_t seed;
    uint8_t *mgrp; /* [n_mep] index into p->grp */
    double *part, *loy;
    int n_sit;
    int32_t *sit_day; /* [n_sit] */
    uint8_t *vpos;    /* [n_mep] positions on the current vote */
};

/* Idempotent: the pointers are cleared, so a second call is harmless. */
static void gen_free(struct gen *g)
{
    free(g->mgrp);
    free(g->part);
    free(g->loy);
    free(g->sit_day);
    free(g->vpos);
    g->mgrp = g->vpos = NULL;
    g->part = g->loy = NULL;
    g->sit_day = NULL;
}

/* Every failure returns its EP_E* code (ep_error_set's result), which the callers'
 * `if (rc) return rc;` sees guard the code that relies on valid parameters. */
static int check_params(const struct ep_synth_params *p, int n_mep, int n_vote,
                        struct ep_error *err)
{
    if (!p) {
        return ep_error_set(err, EP_EINVAL, "ep_synth: NULL parameters");
    }
    if (n_mep < 1 || n_vote < 0) {
        return ep_error_set(err, EP_EINVAL,
                            "ep_synth: need n_mep >= 1 and n_vote >= 0 (got %d, %d)", n_mep,
                            n_vote);
    }
    if (n_mep > 9999999 || n_vote > 99999999) {
        return ep_error_set(err, EP_ELIMIT, "ep_synth: at most 9999999 MEPs and 99999999 votes");
    }
    if (p->n_grp < 1 || p->n_grp > EP_SYNTH_MAX_GROUPS) {
        return ep_error_set(err, EP_EINVAL, "ep_synth: n_grp must be 1..%d (got %d)",
                            EP_SYNTH_MAX_GROUPS, p->n_grp);
    }
    double sum = 0.0;
    for (int g = 0; g < p->n_grp; g++) {
        const struct ep_synth_group *q = &p->grp[g];
        if (!q->code[0] || memchr(q->code, 0, sizeof q->code) == NULL) {
            return ep_error_set(err, EP_EINVAL, "ep_synth: group %d has no code", g);
        }
        if (!(q->seat_share >= 0.0) ||
            !(q->participation_mean >= 0.0 && q->participation_mean <= 1.0) ||
            !(q->loyalty_mean >= 0.0 && q->loyalty_mean <= 1.0) ||
            !(q->group_abstain >= 0.0 && q->group_abstain <= 1.0)) {
            return ep_error_set(err, EP_EINVAL, "ep_synth: group %s has a share outside [0, 1]",
                                q->code);
        }
        sum += q->seat_share;
    }
    if (!(sum > 0.0)) {
        return ep_error_set(err, EP_EINVAL, "ep_synth: seat shares sum to 0");
    }
    return EP_OK;
}

/* Shift group k's draws so that their mean is the target (small groups would otherwise miss
 * it by sampling noise), keeping them in [0, 1]; a few rounds absorb the clipping. */
static void recentre(double *x, const uint8_t *grp, int n, int k, double target)
{
    for (int round = 0; round < 8; round++) {
        double sum = 0.0;
        int cnt = 0;
        for (int i = 0; i < n; i++)
            if (grp[i] == k) {
                sum += x[i];
                cnt++;
            }
        if (!cnt || fabs(sum / cnt - target) < 1e-9)
            return;
        double d = target - sum / cnt;
        for (int i = 0; i < n; i++)
            if (grp[i] == k)
                x[i] = fmin(1.0, fmax(0.0, x[i] + d));
    }
}

static int gen_init(struct gen *g, const struct ep_synth_params *p, int n_mep, int n_vote,
                    uint64_t seed, struct ep_error *err)
{
    memset(g, 0, sizeof *g);
    int rc = check_params(p, n_mep, n_vote, err);
    if (rc)
        return rc;
    g->p = p;
    g->n_mep = n_mep;
    g->n_vote = n_vote;
    g->seed = seed;

    /* sittings: sessions Monday..Thursday, about 12 a year, evenly spread over the term */
    int32_t d0 = ep_date_days(EP_SYNTH_TERM_START), d1 = ep_date_days(EP_SYNTH_TERM_END);
    int32_t last_monday = d1 - 3;
    int n_sess = (int)lround(12.0 * (double)(d1 - d0) / 365.25);
    int weeks = (last_monday - d0) / 7;
    g->n_sit = 4 * n_sess;
    g->mgrp = malloc((size_t)n_mep);
    g->part = malloc(sizeof(double) * (size_t)n_mep);
    g->loy = malloc(sizeof(double) * (size_t)n_mep);
    g->sit_day = malloc(sizeof(int32_t) * (size_t)g->n_sit);
    g->vpos = malloc((size_t)n_mep);
    if (!g->mgrp || !g->part || !g->loy || !g->sit_day || !g->vpos) {
        gen_free(g);
        ep_error_set(err, EP_ENOMEM, "ep_synth: out of memory for %d MEPs", n_mep);
        return EP_ENOMEM;
    }
    for (int s = 0; s < n_sess; s++) {
        int32_t monday = d0 + 7 * (int32_t)lround((double)s * weeks / (n_sess - 1));
        for (int d = 0; d < 4; d++)
            g->sit_day[4 * s + d] = monday + d;
    }

    /* seats by largest remainder */
    double sum = 0.0;
    for (int k = 0; k < p->n_grp; k++)
        sum += p->grp[k].seat_share;
    int seats[EP_SYNTH_MAX_GROUPS], given = 0;
    double rem[EP_SYNTH_MAX_GROUPS];
    for (int k = 0; k < p->n_grp; k++) {
        double q = p->grp[k].seat_share / sum * n_mep;
        seats[k] = (int)floor(q);
        rem[k] = q - seats[k];
        given += seats[k];
    }
    while (given < n_mep) {
        int best = 0;
        for (int k = 1; k < p->n_grp; k++)
            if (rem[k] > rem[best])
                best = k;
        seats[best]++;
        rem[best] = -1.0;
        given++;
    }
    int i = 0;
    for (int k = 0; k < p->n_grp; k++)
        for (int s = 0; s < seats[k]; s++)
            g->mgrp[i++] = (uint8_t)k;

    struct rng r;
    rng_seed(&r, seed ^ UINT64_C(0x5EED0000A11CE5));
    for (int a = n_mep - 1; a > 0; a--) { /* Fisher-Yates */
        int b = (int)(rng_next(&r) % (uint64_t)(a + 1));
        uint8_t t = g->mgrp[a];
        g->mgrp[a] = g->mgrp[b];
        g->mgrp[b] = t;
    }
    for (int a = 0; a < n_mep; a++) {
        const struct ep_synth_group *q = &p->grp[g->mgrp[a]];
        g->part[a] = rng_beta_ms(&r, q->participation_mean, q->participation_sd);
        g->loy[a] = rng_beta_ms(&r, q->loyalty_mean, q->loyalty_sd);
    }
    for (int k = 0; k < p->n_grp; k++) {
        recentre(g->part, g->mgrp, n_mep, k, p->grp[k].participation_mean);
        recentre(g->loy, g->mgrp, n_mep, k, p->grp[k].loyalty_mean);
    }
    return EP_OK;
}

static int vote_sitting(const struct gen *g, int v, int *j, int *cnt)
{
    int s = (int)((int64_t)v * g->n_sit / g->n_vote);
    int64_t first = ((int64_t)s * g->n_vote + g->n_sit - 1) / g->n_sit;
    int64_t next = ((int64_t)(s + 1) * g->n_vote + g->n_sit - 1) / g->n_sit;
    *j = (int)(v - first);
    *cnt = (int)(next - first);
    return s;
}

/* Draw the group lines for vote v, then every MEP's position into g->vpos. */
static void gen_vote(struct gen *g, int v)
{
    const struct ep_synth_params *p = g->p;
    struct rng r;
    uint64_t x = g->seed ^ (UINT64_C(0xD1B54A32D192ED03) * (uint64_t)(v + 1));
    rng_seed(&r, splitmix64(&x));

    int want_cons = rng_unif(&r) < p->consensual_share;
    /* a group's ABSTENTION line is drawn once per vote, outside the search below, so that
     * group_abstain is met exactly; the search then only places the cut */
    uint8_t line[EP_SYNTH_MAX_GROUPS], abst[EP_SYNTH_MAX_GROUPS];
    for (int k = 0; k < p->n_grp; k++)
        abst[k] = rng_unif(&r) < p->grp[k].group_abstain;
    int nb = 0, nb_abst = 0;
    for (int b = 0; b < 3; b++)
        if (p->big[b] >= 0) {
            nb++;
            nb_abst += abst[p->big[b]];
        }
    /* kinds the abstentions make impossible: accept the first draw */
    int feasible = nb >= 2 && (want_cons ? (nb_abst == 0 || nb_abst == nb) : nb_abst < nb);
    for (int attempt = 0; attempt < 200; attempt++) {
        double th = rng_unif(&r) * 2.0 * M_PI, ct = cos(th), st = sin(th);
        double proj[EP_SYNTH_MAX_GROUPS], lo = 1e9, hi = -1e9, blo = 1e9, bhi = -1e9;
        for (int k = 0; k < p->n_grp; k++) {
            proj[k] = p->grp[k].x * ct + p->grp[k].y * st;
            lo = fmin(lo, proj[k]);
            hi = fmax(hi, proj[k]);
        }
        for (int b = 0; b < 3; b++)
            if (p->big[b] >= 0) {
                blo = fmin(blo, proj[p->big[b]]);
                bhi = fmax(bhi, proj[p->big[b]]);
            }
        if (blo > bhi) {
            blo = lo;
            bhi = hi;
        }
        double c = want_cons ? lo - 0.3 + rng_unif(&r) * (hi - lo + 0.6)
                             : blo + rng_unif(&r) * (bhi - blo);
        int flip = rng_unif(&r) < 0.5;
        for (int k = 0; k < p->n_grp; k++) {
            int side = (proj[k] > c) ^ flip;
            line[k] = (uint8_t)(abst[k] ? EP_POS_ABSTENTION : side ? EP_POS_FOR : EP_POS_AGAINST);
        }
        int cons = 1, first = -1;
        for (int b = 0; b < 3; b++)
            if (p->big[b] >= 0) {
                if (first < 0)
                    first = line[p->big[b]];
                else if (line[p->big[b]] != first)
                    cons = 0;
            }
        if (!feasible || cons == want_cons)
            break;
    }
    if (want_cons && p->big[0] >= 0 && line[p->big[0]] != EP_POS_ABSTENTION) {
        int want = rng_unif(&r) < p->consensual_for ? EP_POS_FOR : EP_POS_AGAINST;
        if (line[p->big[0]] != want)
            for (int k = 0; k < p->n_grp; k++)
                if (line[k] != EP_POS_ABSTENTION)
                    line[k] = (uint8_t)(line[k] == EP_POS_FOR ? EP_POS_AGAINST : EP_POS_FOR);
    }

    for (int i = 0; i < g->n_mep; i++) {
        uint8_t pos;
        if (rng_unif(&r) >= g->part[i]) {
            pos = EP_POS_DID_NOT_VOTE;
        } else {
            int l = line[g->mgrp[i]];
            double u = rng_unif(&r);
            if (u < g->loy[i])
                pos = (uint8_t)l;
            else if (l == EP_POS_ABSTENTION)
                pos = rng_unif(&r) < 0.5 ? EP_POS_FOR : EP_POS_AGAINST;
            else if (rng_unif(&r) < p->defect_abstain)
                pos = EP_POS_ABSTENTION;
            else
                pos = l == EP_POS_FOR ? EP_POS_AGAINST : EP_POS_FOR;
        }
        g->vpos[i] = pos;
    }
}

int ep_synth_fill_matrix(const struct ep_synth_params *p, int n_mep, int n_vote, uint64_t seed,
                         struct ep_matrix *m, struct ep_error *err)
{
    if (!m)
        return ep_error_set(err, EP_EINVAL, "ep_synth_fill_matrix: NULL matrix");
    struct gen g;
    int rc = gen_init(&g, p, n_mep, n_vote, seed, err);
    if (rc)
        return rc;
    rc = ep_matrix_alloc(m, n_mep, n_vote, err);
    if (rc) {
        gen_free(&g);
        return rc;
    }
    m->synthetic = 1;
    int gi[EP_SYNTH_MAX_GROUPS];
    for (int k = 0; k < p->n_grp; k++) {
        gi[k] = ep_matrix_group_index(m, p->grp[k].code);
        if (gi[k] < 0) {
            gen_free(&g);
            ep_matrix_free(m);
            return ep_error_set(err, EP_ELIMIT, "ep_synth_fill_matrix: bad group code %s",
                                p->grp[k].code);
        }
    }
    for (int i = 0; i < n_mep; i++)
        m->mep_id[i] = EP_SYNTH_MEMBER_ID0 + i;
    for (int v = 0; v < n_vote; v++) {
        int j, cnt;
        m->vote_id[v] = EP_SYNTH_VOTE_ID0 + v;
        m->vote_day[v] = g.sit_day[vote_sitting(&g, v, &j, &cnt)];
        gen_vote(&g, v);
        for (int i = 0; i < n_mep; i++)
            ep_matrix_set(m, v, i, g.vpos[i], gi[g.mgrp[i]]);
    }
    gen_free(&g);
    return EP_OK;
}

/* ---- vote topics ----
 * Synthetic OEIL subjects (8 areas "1".."8", each with 4 subjects "N.10".."N.40") and
 * responsible committees (8 codes), assigned in runs of 1 to 8 consecutive votes (the votes of
 * one file share its subjects and committee). Shares as measured on the bundled data: 252 of
 * the 266 votes have an OEIL subject, 198 a responsible committee; a vote with subjects has
 * about two (40,346 links over 20,471 votes in the export). The draws come from a stream of
 * their own (seed ^ SYNTH_TOPIC_SALT), so the positions are those of a run without topics. */
#define SYNTH_TOPIC_SALT UINT64_C(0x70b1c5e5d00d5eed)
#define SYNTH_N_AREA 8
#define SYNTH_N_SUB 4
static const char *const SYNTH_COMMITTEES[] = {"AFET", "ECON", "ENVI", "LIBE",
                                                "AGRI", "BUDG", "ITRE", "INTA"};
#define SYNTH_N_COM (int)(sizeof SYNTH_COMMITTEES / sizeof SYNTH_COMMITTEES[0])

struct topic_run {
    struct rng r;
    int left;          /* votes left in the run */
    int sub[2], nsub;  /* subject indexes area * SYNTH_N_SUB + k */
    int com;           /* committee index, -1 none */
};

static void subject_code(int idx, char out[24])
{
    snprintf(out, 24, "%d.%d0", idx / SYNTH_N_SUB + 1, idx % SYNTH_N_SUB + 1);
}

static int emit_topics(const struct ep_sink *sink, struct ep_error *err)
{
    char code[24], label[64];
    int rc = 0;
    for (int a = 0; a < SYNTH_N_AREA && sink->topic && !rc; a++) {
        snprintf(code, sizeof code, "%d", a + 1);
        snprintf(label, sizeof label, "(synthetic) policy area %d", a + 1);
        struct ep_topic t = {.kind = EP_TOPIC_SUBJECT, .code = code, .label = label};
        rc = sink->topic(sink->ctx, &t, err);
        for (int k = 0; k < SYNTH_N_SUB && !rc; k++) {
            subject_code(a * SYNTH_N_SUB + k, code);
            snprintf(label, sizeof label, "(synthetic) subject %s", code);
            t.code = code;
            rc = sink->topic(sink->ctx, &t, err);
        }
    }
    for (int c = 0; c < SYNTH_N_COM && sink->committee && !rc; c++) {
        snprintf(label, sizeof label, "(synthetic) committee %s", SYNTH_COMMITTEES[c]);
        struct ep_committee co = {SYNTH_COMMITTEES[c], label, SYNTH_COMMITTEES[c]};
        rc = sink->committee(sink->ctx, &co, err);
    }
    return rc;
}

static int emit_vote_topics(struct topic_run *t, int64_t vid, const struct ep_sink *sink,
                            struct ep_error *err)
{
    if (t->left == 0) { /* a new file */
        t->left = 1 + (int)(rng_next(&t->r) % 8);
        t->nsub = 0;
        if (rng_unif(&t->r) < 252.0 / 266.0) {
            int n = SYNTH_N_AREA * SYNTH_N_SUB;
            t->sub[t->nsub++] = (int)(rng_next(&t->r) % (uint64_t)n);
            int second = (int)(rng_next(&t->r) % (uint64_t)n);
            if (rng_unif(&t->r) < 0.5 && second != t->sub[0])
                t->sub[t->nsub++] = second;
        }
        t->com = rng_unif(&t->r) < 198.0 / 266.0 ? (int)(rng_next(&t->r) % SYNTH_N_COM) : -1;
    }
    t->left--;
    if (!sink->topic_vote)
        return 0;
    char code[24];
    int rc = 0;
    for (int k = 0; k < t->nsub && !rc; k++) {
        subject_code(t->sub[k], code);
        struct ep_topic_vote tv = {.kind = EP_TOPIC_SUBJECT, .vote_id = vid, .code = code};
        rc = sink->topic_vote(sink->ctx, &tv, err);
    }
    if (!rc && t->com >= 0) {
        struct ep_topic_vote tv = {
            .kind = EP_TOPIC_COMMITTEE, .vote_id = vid, .code = SYNTH_COMMITTEES[t->com]};
        rc = sink->topic_vote(sink->ctx, &tv, err);
    }
    return rc;
}

int ep_synth_generate(const struct ep_synth_params *p, int n_mep, int n_vote, uint64_t seed,
                      const struct ep_sink *sink, struct ep_error *err)
{
    if (!sink)
        return ep_error_set(err, EP_EINVAL, "ep_synth_generate: NULL sink");
    struct gen g;
    int rc = gen_init(&g, p, n_mep, n_vote, seed, err);
    if (rc)
        return rc;
    char a[96], b[96], c[32], d1[11], ts[48];

    if (sink->country) {
        struct ep_country co = {"XXX", "XX", "(synthetic) Nowhere"};
        if ((rc = sink->country(sink->ctx, &co, err)))
            goto out;
    }
    for (int k = 0; k < p->n_grp && sink->group; k++) {
        snprintf(a, sizeof a, "(synthetic) %s", p->grp[k].code);
        struct ep_group gr = {p->grp[k].code, a, a, a};
        if ((rc = sink->group(sink->ctx, &gr, err)))
            goto out;
    }
    for (int i = 0; i < n_mep; i++) {
        int64_t id = EP_SYNTH_MEMBER_ID0 + i;
        if (sink->member) {
            snprintf(b, sizeof b, "MEP %06d", i);
            struct ep_member mb = {
                .id = id, .first_name = "Synthetic", .last_name = b, .country = "XXX"};
            if ((rc = sink->member(sink->ctx, &mb, err)))
                goto out;
        }
        if (sink->membership) {
            struct ep_membership ms = {id, p->grp[g.mgrp[i]].code, 9, "2019-07-02", "2024-07-15"};
            if ((rc = sink->membership(sink->ctx, &ms, err)))
                goto out;
        }
    }
    for (int s = 0; s < g.n_sit && sink->sitting; s++) {
        ep_date_format(g.sit_day[s], d1);
        struct ep_sitting st = {d1, -1, NULL, 9};
        if ((rc = sink->sitting(sink->ctx, &st, err)))
            goto out;
    }
    if ((rc = emit_topics(sink, err)))
        goto out;
    struct topic_run trun = {.com = -1};
    rng_seed(&trun.r, seed ^ SYNTH_TOPIC_SALT);
    for (int v = 0; v < n_vote; v++) {
        int j, cnt;
        ep_date_format(g.sit_day[vote_sitting(&g, v, &j, &cnt)], d1);
        int sec = 9 * 3600 + (int)((int64_t)j * 28800 / cnt);
        snprintf(ts, sizeof ts, "%s %02d:%02d:%02d", d1, sec / 3600, sec / 60 % 60, sec % 60);
        gen_vote(&g, v);
        int cf = 0, ca = 0, cab = 0, cd = 0;
        for (int i = 0; i < n_mep; i++) {
            cf += g.vpos[i] == EP_POS_FOR;
            ca += g.vpos[i] == EP_POS_AGAINST;
            cab += g.vpos[i] == EP_POS_ABSTENTION;
            cd += g.vpos[i] == EP_POS_DID_NOT_VOTE;
        }
        int64_t vid = EP_SYNTH_VOTE_ID0 + v;
        if (sink->vote) {
            snprintf(c, sizeof c, "Synthetic vote %d", v + 1);
            struct ep_vote vt = {.id = vid,
                                 .timestamp = ts,
                                 .sitting_date = d1,
                                 .title = c,
                                 .result = cf > ca ? "ADOPTED" : "REJECTED",
                                 .is_main = 0,
                                 .count_for = cf,
                                 .count_against = ca,
                                 .count_abstention = cab,
                                 .count_did_not_vote = cd,
                                 .dlv_id = -1};
            if ((rc = sink->vote(sink->ctx, &vt, err)))
                goto out;
        }
        if ((rc = emit_vote_topics(&trun, vid, sink, err)))
            goto out;
        for (int i = 0; i < n_mep && sink->position; i++) {
            if (g.vpos[i] == EP_POS_DID_NOT_VOTE)
                continue;
            snprintf(a, sizeof a, "Synthetic MEP %06d", i);
            struct ep_position ps = {
                vid, EP_SYNTH_MEMBER_ID0 + i, g.vpos[i], p->grp[g.mgrp[i]].code, a, "XXX", 0};
            if ((rc = sink->position(sink->ctx, &ps, err)))
                goto out;
        }
    }
out:
    gen_free(&g);
    return rc;
}
