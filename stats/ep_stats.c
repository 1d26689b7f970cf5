/* ep_stats: formula functions, per vote/group counts, group summaries, fragmentation, per MEP.
 * Definitions: docs/methodology.md. */
#include "ep_stats.h"

#include "ep_gsl.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ep_model.h"

void ep_stats_init(void)
{
    gsl_set_error_handler_off();
}

/* ---- formulas ---------------------------------------------------------------------------- */

int ep_stats_position(int y, int n, int a)
{
    if (y + n + a <= 0)
        return EP_GPOS_NONE;
    int mx = y > n ? y : n;
    mx = mx > a ? mx : a;
    int k = (y == mx) + (n == mx) + (a == mx);
    if (k > 1)
        return EP_GPOS_TIE;
    return y == mx ? EP_GPOS_FOR : n == mx ? EP_GPOS_AGAINST : EP_GPOS_ABSTENTION;
}

const char *ep_stats_gpos_name(int gpos)
{
    switch (gpos) {
    case EP_GPOS_FOR: return "FOR";
    case EP_GPOS_AGAINST: return "AGAINST";
    case EP_GPOS_ABSTENTION: return "ABSTENTION";
    case EP_GPOS_TIE: return "TIE";
    default: return "NONE";
    }
}

int ep_stats_ai(int y, int n, int a, double *out)
{
    if (y < 0 || n < 0 || a < 0)
        return EP_EINVAL;
    long t = (long)y + n + a;
    if (t == 0)
        return EP_EUNAVAIL;
    long mx = y > n ? y : n;
    mx = mx > a ? mx : a;
    *out = ((double)mx - 0.5 * (double)(t - mx)) / (double)t;
    return EP_OK;
}

int ep_stats_rice(int y, int n, double *out)
{
    if (y < 0 || n < 0)
        return EP_EINVAL;
    if (y + n == 0)
        return EP_EUNAVAIL;
    *out = fabs((double)y - (double)n) / ((double)y + (double)n);
    return EP_OK;
}

int ep_stats_kalpha_nominal(const uint32_t *counts, int n_units, int n_values, double *out,
                            int *n_units_used, struct ep_error *err)
{
    if (n_units < 0 || n_values <= 0 || (n_units > 0 && !counts))
        return ep_error_set(err, EP_EINVAL, "alpha: bad table size %d x %d", n_units, n_values);
    double *nc = calloc((size_t)n_values, sizeof *nc);
    if (!nc)
        return ep_error_set(err, EP_ENOMEM, "alpha: out of memory");
    double obs = 0, n = 0; /* Σ_u (m_u² − Σ_c n_uc²)/(m_u − 1), Σ m_u */
    int used = 0;
    for (int u = 0; u < n_units; u++) {
        const uint32_t *row = counts + (size_t)u * (size_t)n_values;
        double mu = 0, sq = 0;
        for (int c = 0; c < n_values; c++) {
            mu += row[c];
            sq += (double)row[c] * (double)row[c];
        }
        if (mu < 2)
            continue; /* unpairable unit */
        used++;
        obs += (mu * mu - sq) / (mu - 1);
        n += mu;
        for (int c = 0; c < n_values; c++)
            nc[c] += row[c];
    }
    double sqc = 0;
    for (int c = 0; c < n_values; c++)
        sqc += nc[c] * nc[c];
    free(nc);
    if (n_units_used)
        *n_units_used = used;
    double exp_d = n * n - sqc;
    if (used == 0)
        return ep_error_set(err, EP_EUNAVAIL, "alpha: no unit has two or more values");
    if (used < EP_STATS_ALPHA_MIN_UNITS)
        return ep_error_set(err, EP_EUNAVAIL,
                            "alpha: %d pairable unit, at least %d needed (over one unit alpha is "
                            "0 by construction)",
                            used, EP_STATS_ALPHA_MIN_UNITS);
    if (exp_d <= 0)
        return ep_error_set(err, EP_EUNAVAIL,
                            "alpha: every value is identical (expected disagreement 0)");
    *out = 1.0 - (n - 1) * obs / exp_d;
    return EP_OK;
}

int ep_stats_parliament_alpha(const struct ep_matrix *m, double *out, int *units, int *coders,
                              struct ep_error *err)
{
    if (units)
        *units = 0;
    if (coders)
        *coders = 0;
    if (!m || m->n_vote < 0 || m->n_mep < 0)
        return ep_error_set(err, EP_EINVAL, "parliament alpha: no matrix");
    int V = m->n_vote, M = m->n_mep;
    uint32_t *tab = calloc((size_t)(V > 0 ? V : 1) * 3, sizeof *tab);
    uint8_t *coded = calloc((size_t)(M > 0 ? M : 1), 1);
    if (!tab || !coded) {
        free(tab);
        free(coded);
        return ep_error_set(err, EP_ENOMEM, "parliament alpha: out of memory");
    }
    for (int v = 0; v < V; v++) {
        const uint8_t *row = m->pos + (size_t)v * (size_t)M;
        uint32_t *t = tab + (size_t)v * 3;
        for (int i = 0; i < M; i++)
            if (row[i] >= EP_POS_FOR && row[i] <= EP_POS_ABSTENTION)
                t[row[i] - EP_POS_FOR]++;
        if (t[0] + t[1] + t[2] < 2)
            continue;
        for (int i = 0; i < M; i++)
            if (row[i] >= EP_POS_FOR && row[i] <= EP_POS_ABSTENTION)
                coded[i] = 1;
    }
    int nc = 0;
    for (int i = 0; i < M; i++)
        nc += coded[i];
    if (coders)
        *coders = nc;
    int rc = ep_stats_kalpha_nominal(tab, V, 3, out, units, err);
    free(tab);
    free(coded);
    return rc;
}

int ep_stats_enp(const double *x, int k, double *out)
{
    double s = 0, s2 = 0;
    for (int i = 0; i < k; i++) {
        if (!isfinite(x[i]) || x[i] < 0)
            return EP_EINVAL;
        s += x[i];
    }
    if (s <= 0)
        return EP_EUNAVAIL;
    for (int i = 0; i < k; i++)
        s2 += (x[i] / s) * (x[i] / s);
    *out = 1.0 / s2;
    return EP_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int ep_stats_median(double *x, size_t n, double *out)
{
    if (n == 0)
        return EP_EUNAVAIL;
    qsort(x, n, sizeof *x, cmp_double);
    *out = n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
    return EP_OK;
}

/* ---- per vote and group ------------------------------------------------------------------ */

int ep_stats_votes_compute(const struct ep_matrix *m, struct ep_stats_votes *out,
                           struct ep_error *err)
{
    memset(out, 0, sizeof *out);
    if (!m || m->n_grp < 0 || m->n_grp > EP_MATRIX_MAX_GROUPS)
        return ep_error_set(err, EP_EINVAL, "vote stats: bad matrix");
    int G = m->n_grp > 0 ? m->n_grp : 1;
    out->vg = calloc((size_t)m->n_vote * (size_t)G, sizeof *out->vg);
    if (!out->vg && m->n_vote > 0)
        return ep_error_set(err, EP_ENOMEM, "vote stats: out of memory");
    out->n_vote = m->n_vote;
    out->n_grp = m->n_grp;
    for (int v = 0; v < m->n_vote; v++) {
        const uint8_t *pos = m->pos + (size_t)v * (size_t)m->n_mep;
        const uint8_t *grp = m->grp + (size_t)v * (size_t)m->n_mep;
        struct ep_stats_vg *row = out->vg + (size_t)v * (size_t)G;
        for (int i = 0; i < m->n_mep; i++) {
            int g = grp[i];
            if (g == EP_GRP_NONE || g >= m->n_grp)
                continue;
            switch (pos[i]) {
            case EP_POS_FOR: row[g].y++; break;
            case EP_POS_AGAINST: row[g].n++; break;
            case EP_POS_ABSTENTION: row[g].a++; break;
            case EP_POS_DID_NOT_VOTE: row[g].d++; break;
            default: break;
            }
        }
        for (int g = 0; g < m->n_grp; g++) {
            struct ep_stats_vg *c = &row[g];
            c->pos = (uint8_t)ep_stats_position(c->y, c->n, c->a);
            c->ai = c->rice = EP_STATS_UNDEF;
            c->ai_ok = ep_stats_ai(c->y, c->n, c->a, &c->ai) == EP_OK;
            c->rice_ok = ep_stats_rice(c->y, c->n, &c->rice) == EP_OK;
        }
    }
    return EP_OK;
}

void ep_stats_votes_free(struct ep_stats_votes *vs)
{
    if (!vs)
        return;
    free(vs->vg);
    memset(vs, 0, sizeof *vs);
}

/* ---- per group ---------------------------------------------------------------------------- */

static int vs_check(const struct ep_matrix *m, const struct ep_stats_votes *vs,
                    struct ep_error *err)
{
    if (!m || !vs || vs->n_vote != m->n_vote || vs->n_grp != m->n_grp ||
        (m->n_vote > 0 && m->n_grp > 0 && !vs->vg))
        return ep_error_set(err, EP_EINVAL, "vote stats do not match the matrix");
    return EP_OK;
}

void ep_stats_groups_free(struct ep_stats_groups *gs)
{
    if (!gs)
        return;
    free(gs->g);
    free(gs->pair_agree);
    free(gs->pair_common);
    free(gs->pair_share);
    free(gs->pair_ok);
    memset(gs, 0, sizeof *gs);
}

int ep_stats_groups_compute(const struct ep_matrix *m, const struct ep_stats_votes *vs,
                            struct ep_stats_groups *out, struct ep_error *err)
{
    memset(out, 0, sizeof *out);
    int rc = vs_check(m, vs, err);
    if (rc)
        return rc;
    int G = m->n_grp, V = m->n_vote;
    size_t GG = (size_t)(G > 0 ? G : 1) * (size_t)(G > 0 ? G : 1);
    out->n_grp = G;
    out->g = calloc((size_t)(G > 0 ? G : 1), sizeof *out->g);
    out->pair_agree = calloc(GG, sizeof *out->pair_agree);
    out->pair_common = calloc(GG, sizeof *out->pair_common);
    out->pair_share = calloc(GG, sizeof *out->pair_share);
    out->pair_ok = calloc(GG, sizeof *out->pair_ok);
    double *ai = malloc((size_t)(V > 0 ? V : 1) * sizeof *ai);
    uint32_t *tab = malloc((size_t)(V > 0 ? V : 1) * 3 * sizeof *tab);
    if (!out->g || !out->pair_agree || !out->pair_common || !out->pair_share || !out->pair_ok ||
        !ai || !tab) {
        rc = ep_error_set(err, EP_ENOMEM, "group stats: out of memory");
        goto out;
    }
    for (int g = 0; g < G; g++) {
        struct ep_stats_group *s = &out->g[g];
        double ai_sum = 0, rice_sum = 0;
        long t_sum = 0, td_sum = 0;
        int nai = 0, nu = 0;
        for (int v = 0; v < V; v++) {
            const struct ep_stats_vg *c = &vs->vg[(size_t)v * (size_t)G + (size_t)g];
            long t = (long)c->y + c->n + c->a;
            if (t + c->d > 0)
                s->n_vote_present++;
            t_sum += t;
            td_sum += t + c->d;
            if (c->pos == EP_GPOS_TIE)
                s->n_tie++;
            if (c->ai_ok) {
                ai[nai++] = c->ai;
                ai_sum += c->ai;
            }
            if (c->rice_ok) {
                s->rice_n++;
                rice_sum += c->rice;
            }
            if (t >= 2) { /* only pairable units enter alpha */
                tab[nu * 3 + 0] = (uint32_t)c->y;
                tab[nu * 3 + 1] = (uint32_t)c->n;
                tab[nu * 3 + 2] = (uint32_t)c->a;
                nu++;
            }
        }
        s->n_vote_cast = nai;
        s->ai_mean = s->ai_median = s->rice_mean = s->alpha = s->participation = EP_STATS_UNDEF;
        if (nai > 0) {
            s->ai_ok = 1;
            s->ai_mean = ai_sum / nai;
            ep_stats_median(ai, (size_t)nai, &s->ai_median);
        }
        if (s->rice_n > 0) {
            s->rice_ok = 1;
            s->rice_mean = rice_sum / s->rice_n;
        }
        if (td_sum > 0) {
            s->part_ok = 1;
            s->participation = (double)t_sum / (double)td_sum;
        }
        double alpha = EP_STATS_UNDEF;
        if (ep_stats_kalpha_nominal(tab, nu, 3, &alpha, &s->alpha_units, NULL) == EP_OK) {
            s->alpha_ok = 1;
            s->alpha = alpha;
        }
    }
    for (int v = 0; v < V; v++) {
        const struct ep_stats_vg *row = &vs->vg[(size_t)v * (size_t)G];
        for (int a = 0; a < G; a++) {
            int pa = row[a].pos;
            if (pa == EP_GPOS_NONE || pa == EP_GPOS_TIE)
                continue;
            for (int b = a + 1; b < G; b++) {
                int pb = row[b].pos;
                if (pb == EP_GPOS_NONE || pb == EP_GPOS_TIE)
                    continue;
                out->pair_common[a * G + b]++;
                if (pa == pb)
                    out->pair_agree[a * G + b]++;
            }
        }
    }
    for (int a = 0; a < G; a++) {
        for (int b = a; b < G; b++) {
            size_t ab = (size_t)a * (size_t)G + (size_t)b, ba = (size_t)b * (size_t)G + (size_t)a;
            if (a == b) {
                /* a group always agrees with itself on its non-tie votes */
                int n = 0;
                for (int v = 0; v < V; v++) {
                    int p = vs->vg[(size_t)v * (size_t)G + (size_t)a].pos;
                    n += p != EP_GPOS_NONE && p != EP_GPOS_TIE;
                }
                out->pair_common[ab] = out->pair_agree[ab] = n;
            }
            out->pair_common[ba] = out->pair_common[ab];
            out->pair_agree[ba] = out->pair_agree[ab];
            out->pair_ok[ab] = out->pair_ok[ba] = out->pair_common[ab] > 0;
            out->pair_share[ab] = out->pair_share[ba] =
                out->pair_common[ab] > 0
                    ? (double)out->pair_agree[ab] / (double)out->pair_common[ab]
                    : EP_STATS_UNDEF;
        }
    }
out:
    free(ai);
    free(tab);
    if (rc)
        ep_stats_groups_free(out);
    return rc;
}

int ep_stats_fragmentation(const struct ep_matrix *m, struct ep_stats_frag *out,
                           struct ep_error *err)
{
    memset(out, 0, sizeof *out);
    out->enp_seats = out->enp_votes = EP_STATS_UNDEF;
    if (!m || m->n_grp > EP_MATRIX_MAX_GROUPS)
        return ep_error_set(err, EP_EINVAL, "fragmentation: bad matrix");
    int G = m->n_grp;
    for (int v = 0; v < m->n_vote; v++) {
        const uint8_t *pos = m->pos + (size_t)v * (size_t)m->n_mep;
        const uint8_t *grp = m->grp + (size_t)v * (size_t)m->n_mep;
        for (int i = 0; i < m->n_mep; i++)
            if (grp[i] < G && pos[i] >= EP_POS_FOR && pos[i] <= EP_POS_ABSTENTION)
                out->cast[grp[i]]++;
    }
    if (m->n_vote > 0) {
        size_t v = (size_t)m->n_vote - 1;
        for (int i = 0; i < m->n_mep; i++) {
            uint8_t g = m->grp[v * (size_t)m->n_mep + (size_t)i];
            if (g < G && m->pos[v * (size_t)m->n_mep + (size_t)i] != EP_POS_NONE)
                out->seats[g]++;
        }
    }
    double xs[EP_MATRIX_MAX_GROUPS], xv[EP_MATRIX_MAX_GROUPS];
    for (int g = 0; g < G; g++) {
        xs[g] = out->seats[g];
        xv[g] = (double)out->cast[g];
    }
    out->seats_ok = ep_stats_enp(xs, G, &out->enp_seats) == EP_OK;
    out->votes_ok = ep_stats_enp(xv, G, &out->enp_votes) == EP_OK;
    if (!out->seats_ok)
        out->enp_seats = EP_STATS_UNDEF;
    if (!out->votes_ok)
        out->enp_votes = EP_STATS_UNDEF;
    return EP_OK;
}

/* ---- per MEP ------------------------------------------------------------------------------ */

void ep_stats_mep_free(struct ep_stats_mep *s)
{
    if (!s)
        return;
    free(s->defect_votes);
    free(s->cross_votes);
    free(s->grp_agree);
    free(s->grp_den);
    free(s->grp_share);
    memset(s, 0, sizeof *s);
}

static double ratio_or_undef(long num, long den, int *ok)
{
    *ok = den > 0;
    return den > 0 ? (double)num / (double)den : EP_STATS_UNDEF;
}

int ep_stats_mep_compute(const struct ep_matrix *m, const struct ep_stats_votes *vs, int mep,
                         struct ep_stats_mep *out, struct ep_error *err)
{
    memset(out, 0, sizeof *out);
    int rc = vs_check(m, vs, err);
    if (rc)
        return rc;
    if (mep < 0 || mep >= m->n_mep)
        return ep_error_set(err, EP_EINVAL, "MEP index %d out of range 0..%d", mep, m->n_mep - 1);
    int G = m->n_grp, V = m->n_vote;
    size_t Gs = (size_t)(G > 0 ? G : 1);
    out->mep = mep;
    out->n_grp = G;
    out->grp_agree = calloc(Gs, sizeof *out->grp_agree);
    out->grp_den = calloc(Gs, sizeof *out->grp_den);
    out->grp_share = calloc(Gs, sizeof *out->grp_share);
    out->defect_votes = malloc((size_t)(V > 0 ? V : 1) * sizeof *out->defect_votes);
    out->cross_votes = malloc((size_t)(V > 0 ? V : 1) * sizeof *out->cross_votes);
    if (!out->grp_agree || !out->grp_den || !out->grp_share || !out->defect_votes ||
        !out->cross_votes) {
        ep_stats_mep_free(out);
        return ep_error_set(err, EP_ENOMEM, "MEP stats: out of memory");
    }
    int ni = -1; /* NI is not a party group: it does not count as "another group" */
    for (int g = 0; g < G; g++)
        if (strcmp(m->grp_code[g], "NI") == 0)
            ni = g;
    for (int v = 0; v < V; v++) {
        size_t cell = (size_t)v * (size_t)m->n_mep + (size_t)mep;
        int p = m->pos[cell];
        if (p == EP_POS_NONE)
            continue;
        out->eligible++;
        switch (p) {
        case EP_POS_FOR: out->n_for++; break;
        case EP_POS_AGAINST: out->n_against++; break;
        case EP_POS_ABSTENTION: out->n_abst++; break;
        default: out->n_dnv++; continue;
        }
        const struct ep_stats_vg *row = &vs->vg[(size_t)v * Gs];
        for (int g = 0; g < G; g++) {
            int gp = row[g].pos;
            if (gp == EP_GPOS_NONE || gp == EP_GPOS_TIE)
                continue;
            out->grp_den[g]++;
            out->grp_agree[g] += gp == p;
        }
        int own = m->grp[cell];
        if (own >= G)
            continue;
        int op = row[own].pos;
        if (op == EP_GPOS_NONE || op == EP_GPOS_TIE)
            continue;
        out->loyalty_den++;
        if (op == p) {
            out->loyalty_num++;
            continue;
        }
        out->defect_votes[out->n_defect++] = v;
        for (int g = 0; g < G; g++) {
            if (g == own || g == ni)
                continue;
            if (row[g].pos == p) {
                out->cross_votes[out->cross_n++] = v;
                break;
            }
        }
    }
    /* shrink the vote lists to their size (a full ranking keeps one per MEP) */
    int *dv =
        realloc(out->defect_votes, (size_t)(out->n_defect > 0 ? out->n_defect : 1) * sizeof *dv);
    if (dv)
        out->defect_votes = dv;
    int *cv = realloc(out->cross_votes, (size_t)(out->cross_n > 0 ? out->cross_n : 1) * sizeof *cv);
    if (cv)
        out->cross_votes = cv;
    out->cast = out->n_for + out->n_against + out->n_abst;
    out->participation = ratio_or_undef(out->cast, out->eligible, &out->part_ok);
    out->abst_share = ratio_or_undef(out->n_abst, out->cast, &out->abst_ok);
    out->loyalty = ratio_or_undef(out->loyalty_num, out->loyalty_den, &out->loyalty_ok);
    out->cross_share = ratio_or_undef(out->cross_n, out->loyalty_den, &out->cross_ok);
    for (int g = 0; g < G; g++) {
        int ok;
        out->grp_share[g] = ratio_or_undef(out->grp_agree[g], out->grp_den[g], &ok);
    }
    return EP_OK;
}
