/* ep_stats_series: periods (sittings, months), per-period series, robust outliers, trends.
 * Definitions: docs/methodology.md, "Baselines and outliers". */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ep_model.h"
#include "ep_stats.h"

/* Days since 1970-01-01 -> year*100 + month (H. Hinnant's civil_from_days). */
static int32_t month_key(int32_t days)
{
    long z = (long)days + 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long y = yoe + era * 400;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    long mo = mp < 10 ? mp + 3 : mp - 9;
    if (mo <= 2)
        y++;
    return (int32_t)(y * 100 + mo);
}

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

void ep_stats_periods_free(struct ep_stats_periods *p)
{
    if (!p)
        return;
    free(p->key);
    free(p->start);
    free(p->vote);
    free(p->period_of);
    memset(p, 0, sizeof *p);
}

int ep_stats_periods_compute(const struct ep_matrix *m, int kind, struct ep_stats_periods *out,
                             struct ep_error *err)
{
    memset(out, 0, sizeof *out);
    if (!m || (kind != EP_PERIOD_SITTING && kind != EP_PERIOD_MONTH))
        return ep_error_set(err, EP_EINVAL, "periods: kind must be SITTING or MONTH");
    int V = m->n_vote;
    size_t vs = (size_t)(V > 0 ? V : 1);
    int32_t *keys = malloc(vs * sizeof *keys);
    out->kind = kind;
    out->key = malloc(vs * sizeof *out->key);
    out->start = calloc(vs + 1, sizeof *out->start);
    out->vote = malloc(vs * sizeof *out->vote);
    out->period_of = malloc(vs * sizeof *out->period_of);
    if (!keys || !out->key || !out->start || !out->vote || !out->period_of) {
        free(keys);
        ep_stats_periods_free(out);
        return ep_error_set(err, EP_ENOMEM, "periods: out of memory");
    }
    for (int v = 0; v < V; v++)
        keys[v] = kind == EP_PERIOD_SITTING ? m->vote_day[v] : month_key(m->vote_day[v]);
    memcpy(out->key, keys, vs * sizeof *keys);
    qsort(out->key, (size_t)V, sizeof *out->key, cmp_i32);
    int n = 0;
    for (int v = 0; v < V; v++)
        if (n == 0 || out->key[n - 1] != out->key[v])
            out->key[n++] = out->key[v];
    out->n = n;
    for (int v = 0; v < V; v++) {
        int32_t *hit = bsearch(&keys[v], out->key, (size_t)n, sizeof *out->key, cmp_i32);
        out->period_of[v] = (int)(hit - out->key);
        out->start[out->period_of[v] + 1]++;
    }
    for (int k = 0; k < n; k++)
        out->start[k + 1] += out->start[k];
    int *fill = calloc((size_t)(n > 0 ? n : 1), sizeof *fill);
    if (!fill) {
        free(keys);
        ep_stats_periods_free(out);
        return ep_error_set(err, EP_ENOMEM, "periods: out of memory");
    }
    for (int v = 0; v < V; v++) {
        int k = out->period_of[v];
        out->vote[out->start[k] + fill[k]++] = v;
    }
    free(fill);
    free(keys);
    return EP_OK;
}

/* Contribution of vote v to a series point: num/den counts, and for AI the vote's AI in val. */
static void contrib(const struct ep_matrix *m, const struct ep_stats_votes *vs, int entity, int idx,
                    int measure, int v, long *num, long *den, double *val)
{
    int G = m->n_grp;
    const struct ep_stats_vg *row = &vs->vg[(size_t)v * (size_t)G];
    *num = *den = 0;
    *val = 0;
    if (entity == EP_ENTITY_MEP) {
        size_t cell = (size_t)v * (size_t)m->n_mep + (size_t)idx;
        int p = m->pos[cell];
        int cast = p >= EP_POS_FOR && p <= EP_POS_ABSTENTION;
        switch (measure) {
        case EP_MEASURE_DEFECTION: {
            int own = m->grp[cell];
            if (!cast || own >= G)
                return;
            int op = row[own].pos;
            if (op == EP_GPOS_NONE || op == EP_GPOS_TIE)
                return;
            *den = 1;
            *num = op != p;
            return;
        }
        case EP_MEASURE_ABSTENTION:
            *den = cast;
            *num = p == EP_POS_ABSTENTION;
            return;
        case EP_MEASURE_PARTICIPATION:
            *den = p != EP_POS_NONE;
            *num = cast;
            return;
        default: return;
        }
    }
    const struct ep_stats_vg *c = &row[idx];
    long t = (long)c->y + c->n + c->a;
    switch (measure) {
    case EP_MEASURE_DEFECTION:
        if (c->pos == EP_GPOS_NONE || c->pos == EP_GPOS_TIE)
            return;
        *den = t;
        *num = t - (c->pos == EP_GPOS_FOR ? c->y : c->pos == EP_GPOS_AGAINST ? c->n : c->a);
        return;
    case EP_MEASURE_ABSTENTION:
        *den = t;
        *num = c->a;
        return;
    case EP_MEASURE_PARTICIPATION:
        *den = t + c->d;
        *num = t;
        return;
    case EP_MEASURE_COHESION_AI:
        if (c->ai_ok) {
            *den = 1;
            *val = c->ai;
        }
        return;
    default: return;
    }
}

static int series_args(const struct ep_matrix *m, const struct ep_stats_votes *vs,
                       const struct ep_stats_periods *p, int entity, int idx, int measure,
                       struct ep_error *err)
{
    if (!m || !vs || !p || vs->n_vote != m->n_vote || vs->n_grp != m->n_grp ||
        (p->n > 0 && p->start[p->n] != m->n_vote))
        return ep_error_set(err, EP_EINVAL, "series: inputs do not match the matrix");
    if (entity == EP_ENTITY_MEP) {
        if (idx < 0 || idx >= m->n_mep)
            return ep_error_set(err, EP_EINVAL, "series: MEP index %d out of range", idx);
        if (measure < EP_MEASURE_DEFECTION || measure > EP_MEASURE_PARTICIPATION)
            return ep_error_set(err, EP_EINVAL,
                                "series: measure %d is not defined for an MEP (cohesion is a "
                                "group measure)",
                                measure);
    } else if (entity == EP_ENTITY_GROUP) {
        if (idx < 0 || idx >= m->n_grp)
            return ep_error_set(err, EP_EINVAL, "series: group index %d out of range", idx);
        if (measure < EP_MEASURE_DEFECTION || measure > EP_MEASURE_COHESION_AI)
            return ep_error_set(err, EP_EINVAL, "series: unknown measure %d", measure);
    } else {
        return ep_error_set(err, EP_EINVAL, "series: unknown entity %d", entity);
    }
    return EP_OK;
}

void ep_stats_series_free(struct ep_stats_series *s)
{
    if (!s)
        return;
    free(s->x);
    free(s->ok);
    free(s->num);
    free(s->den);
    *s = (struct ep_stats_series){0}; /* idempotent: a second free is harmless */
}

int ep_stats_series_compute(const struct ep_matrix *m, const struct ep_stats_votes *vs,
                            const struct ep_stats_periods *p, int entity, int idx, int measure,
                            struct ep_stats_series *out, struct ep_error *err)
{
    memset(out, 0, sizeof *out);
    int rc = series_args(m, vs, p, entity, idx, measure, err);
    if (rc)
        return rc;
    size_t n = (size_t)(p->n > 0 ? p->n : 1);
    /* Every point is written below; calloc (not malloc) lets gcc's analyser see x defined
     * where it cannot relate the loop's bound to out->n. */
    out->x = calloc(n, sizeof *out->x);
    out->ok = calloc(n, sizeof *out->ok);
    out->num = calloc(n, sizeof *out->num);
    out->den = calloc(n, sizeof *out->den);
    if (!out->x || !out->ok || !out->num || !out->den) {
        ep_stats_series_free(out);
        return ep_error_set(err, EP_ENOMEM, "series: out of memory");
    }
    out->n = p->n;
    for (int k = 0; k < p->n; k++) {
        long num = 0, den = 0;
        double sum = 0;
        for (int j = p->start[k]; j < p->start[k + 1]; j++) {
            long a, b;
            double val;
            contrib(m, vs, entity, idx, measure, p->vote[j], &a, &b, &val);
            num += a;
            den += b;
            sum += val;
        }
        out->num[k] = (int32_t)num;
        out->den[k] = (int32_t)den;
        out->ok[k] = den > 0;
        out->x[k] = den == 0                            ? EP_STATS_UNDEF
                    : measure == EP_MEASURE_COHESION_AI ? sum / (double)den
                                                        : (double)num / (double)den;
    }
    return EP_OK;
}

int ep_stats_series_votes(const struct ep_matrix *m, const struct ep_stats_votes *vs,
                          const struct ep_stats_periods *p, int entity, int idx, int measure, int k,
                          int **votes, int *n_votes, int **hits, int *n_hits, struct ep_error *err)
{
    *votes = *hits = NULL;
    *n_votes = *n_hits = 0;
    int rc = series_args(m, vs, p, entity, idx, measure, err);
    if (rc)
        return rc;
    if (k < 0 || k >= p->n)
        return ep_error_set(err, EP_EINVAL, "series: point %d out of range", k);
    int len = p->start[k + 1] - p->start[k];
    int *a = malloc((size_t)(len > 0 ? len : 1) * sizeof *a);
    int *b = malloc((size_t)(len > 0 ? len : 1) * sizeof *b);
    if (!a || !b) {
        free(a);
        free(b);
        return ep_error_set(err, EP_ENOMEM, "series: out of memory");
    }
    int na = 0, nb = 0;
    for (int j = p->start[k]; j < p->start[k + 1]; j++) {
        long num, den;
        double val;
        contrib(m, vs, entity, idx, measure, p->vote[j], &num, &den, &val);
        if (den > 0)
            a[na++] = p->vote[j];
        if (num > 0)
            b[nb++] = p->vote[j];
    }
    if (na == 0) {
        free(a);
        a = NULL;
    }
    if (nb == 0) {
        free(b);
        b = NULL;
    }
    *votes = a;
    *n_votes = na;
    *hits = b;
    *n_hits = nb;
    return EP_OK;
}

/* ---- outliers ------------------------------------------------------------------------------ */

void ep_stats_outlier_params_default(struct ep_stats_outlier_params *p)
{
    p->threshold = 3.5;
    p->min_obs = 8;
    p->classic_min = 30;
}

void ep_stats_outliers_free(struct ep_stats_outliers *o)
{
    if (!o)
        return;
    for (int k = 0; k < o->n; k++) {
        free(o->o[k].votes);
        free(o->o[k].hits);
    }
    free(o->o);
    memset(o, 0, sizeof *o);
}

int ep_stats_outliers_find(const double *x, const uint8_t *ok, int n,
                           const struct ep_stats_outlier_params *p, struct ep_stats_outliers *out,
                           struct ep_error *err)
{
    memset(out, 0, sizeof *out);
    out->median = out->mad = out->meanad = out->mean = out->sd = EP_STATS_UNDEF;
    struct ep_stats_outlier_params def;
    if (!p) {
        ep_stats_outlier_params_default(&def);
        p = &def;
    }
    if (n < 0 || (n > 0 && !x) || !(p->threshold > 0) || !isfinite(p->threshold) ||
        p->min_obs < 3 || p->classic_min < 3)
        return ep_error_set(err, EP_EINVAL,
                            "outliers: need threshold > 0, min_obs >= 3, classic_min >= 3");
    double *buf = malloc((size_t)(n > 0 ? n : 1) * sizeof *buf);
    if (!buf)
        return ep_error_set(err, EP_ENOMEM, "outliers: out of memory");
    int m = 0;
    double sum = 0;
    for (int k = 0; k < n; k++) {
        if ((ok && !ok[k]) || !isfinite(x[k]))
            continue;
        buf[m++] = x[k];
        sum += x[k];
    }
    out->n_obs = m;
    if (m > 0) {
        ep_stats_median(buf, (size_t)m, &out->median);
        double ad = 0;
        for (int k = 0; k < m; k++) {
            buf[k] = fabs(buf[k] - out->median);
            ad += buf[k];
        }
        out->meanad = ad / m;
        ep_stats_median(buf, (size_t)m, &out->mad);
        out->mean = sum / m;
    }
    free(buf);
    if (m < p->min_obs) {
        out->status = EP_OUTLIERS_TOO_FEW;
        return EP_OK;
    }
    double ss = 0;
    for (int k = 0; k < n; k++)
        if ((!ok || ok[k]) && isfinite(x[k]))
            ss += (x[k] - out->mean) * (x[k] - out->mean);
    out->sd = sqrt(ss / (m - 1));
    out->classic_ok = m >= p->classic_min && out->sd > 0;
    double scale;
    if (out->mad > 0) {
        out->scale = EP_SCALE_MAD;
        scale = 1.4826 * out->mad;
    } else if (out->meanad > 0) {
        out->scale = EP_SCALE_MEANAD;
        scale = 1.253314 * out->meanad;
    } else {
        out->scale = EP_SCALE_CONSTANT;
        scale = 0;
    }
    out->o = calloc((size_t)m, sizeof *out->o);
    if (!out->o)
        return ep_error_set(err, EP_ENOMEM, "outliers: out of memory");
    for (int k = 0; k < n; k++) {
        if ((ok && !ok[k]) || !isfinite(x[k]))
            continue;
        double zr = scale > 0 ? (x[k] - out->median) / scale : 0;
        double zc = out->classic_ok ? (x[k] - out->mean) / out->sd : EP_STATS_UNDEF;
        int flags = (fabs(zr) > p->threshold ? EP_OUTLIER_ROBUST : 0) |
                    (out->classic_ok && fabs(zc) > p->threshold ? EP_OUTLIER_CLASSIC : 0);
        if (!flags)
            continue;
        struct ep_stats_outlier *o = &out->o[out->n++];
        o->point = k;
        o->x = x[k];
        o->z_robust = zr;
        o->classic_ok = out->classic_ok;
        o->z_classic = zc;
        o->flags = flags;
    }
    return EP_OK;
}

void ep_stats_baseline_free(struct ep_stats_baseline *b)
{
    if (!b)
        return;
    ep_stats_series_free(&b->series);
    ep_stats_outliers_free(&b->outliers);
}

int ep_stats_baseline(const struct ep_matrix *m, const struct ep_stats_votes *vs,
                      const struct ep_stats_periods *p, int entity, int idx, int measure,
                      const struct ep_stats_outlier_params *op, struct ep_stats_baseline *out,
                      struct ep_error *err)
{
    memset(out, 0, sizeof *out);
    out->entity = entity;
    out->idx = idx;
    out->measure = measure;
    int rc = ep_stats_series_compute(m, vs, p, entity, idx, measure, &out->series, err);
    if (!rc)
        rc = ep_stats_outliers_find(out->series.x, out->series.ok, out->series.n, op,
                                    &out->outliers, err);
    for (int k = 0; !rc && k < out->outliers.n; k++) {
        struct ep_stats_outlier *o = &out->outliers.o[k];
        rc = ep_stats_series_votes(m, vs, p, entity, idx, measure, o->point, &o->votes, &o->n_votes,
                                   &o->hits, &o->n_hits, err);
    }
    if (rc)
        ep_stats_baseline_free(out);
    return rc;
}

/* ---- trends ------------------------------------------------------------------------------- */

void ep_stats_trends_free(struct ep_stats_trends *t)
{
    if (!t)
        return;
    free(t->key);
    free(t->ai);
    free(t->participation);
    free(t->ai_ok);
    free(t->part_ok);
    free(t->n_vote_cast);
    memset(t, 0, sizeof *t);
}

int ep_stats_trends_compute(const struct ep_matrix *m, const struct ep_stats_votes *vs,
                            const struct ep_stats_periods *p, struct ep_stats_trends *out,
                            struct ep_error *err)
{
    memset(out, 0, sizeof *out);
    if (!m || !vs || !p || vs->n_vote != m->n_vote || vs->n_grp != m->n_grp ||
        (p->n > 0 && p->start[p->n] != m->n_vote))
        return ep_error_set(err, EP_EINVAL, "trends: inputs do not match the matrix");
    int G = m->n_grp;
    size_t cells = (size_t)(p->n > 0 ? p->n : 1) * (size_t)(G > 0 ? G : 1);
    out->key = malloc((size_t)(p->n > 0 ? p->n : 1) * sizeof *out->key);
    out->ai = malloc(cells * sizeof *out->ai);
    out->participation = malloc(cells * sizeof *out->participation);
    out->ai_ok = calloc(cells, 1);
    out->part_ok = calloc(cells, 1);
    out->n_vote_cast = calloc(cells, sizeof *out->n_vote_cast);
    if (!out->key || !out->ai || !out->participation || !out->ai_ok || !out->part_ok ||
        !out->n_vote_cast) {
        ep_stats_trends_free(out);
        return ep_error_set(err, EP_ENOMEM, "trends: out of memory");
    }
    out->n = p->n;
    out->n_grp = G;
    out->kind = p->kind;
    for (int k = 0; k < p->n; k++) {
        out->key[k] = p->key[k];
        for (int g = 0; g < G; g++) {
            double ai = 0;
            long t = 0, td = 0;
            int nai = 0;
            for (int j = p->start[k]; j < p->start[k + 1]; j++) {
                const struct ep_stats_vg *c = &vs->vg[(size_t)p->vote[j] * (size_t)G + g];
                if (c->ai_ok) {
                    ai += c->ai;
                    nai++;
                }
                t += (long)c->y + c->n + c->a;
                td += (long)c->y + c->n + c->a + c->d;
            }
            size_t cell = (size_t)k * (size_t)G + (size_t)g;
            out->n_vote_cast[cell] = nai;
            out->ai_ok[cell] = nai > 0;
            out->ai[cell] = nai > 0 ? ai / nai : EP_STATS_UNDEF;
            out->part_ok[cell] = td > 0;
            out->participation[cell] = td > 0 ? (double)t / (double)td : EP_STATS_UNDEF;
        }
    }
    return EP_OK;
}
