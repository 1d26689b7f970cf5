/* ep_anomalies: voting anomalies. See ep_anomalies.h. */
#include "ep_anomalies.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_util.h"

const char *const ep_anom_measure_name[4] = {"defection_rate", "abstention_rate",
                                             "participation_rate", "cohesion_ai"};
const char *const ep_anom_kind_name[4] = {"defection_surge", "abstention_spike",
                                          "participation_drop", "cohesion_break"};
static const int kind_sign[4] = {+1, +1, -1, -1};

void ep_anomalies_init(struct ep_anomalies *out)
{
    memset(out, 0, sizeof *out);
}

void ep_anomalies_free(struct ep_anomalies *out)
{
    free(out->alert);
    free(out->series);
    ep_anomalies_init(out);
}

void ep_period_str(const struct ep_stats_periods *p, int k, char out[11])
{
    if (p->kind == EP_PERIOD_SITTING)
        ep_date_format(p->key[k], out);
    else
        snprintf(out, 11, "%04d-%02d", (int)(p->key[k] / 100) % 10000, (int)(p->key[k] % 100));
}

static struct ep_anomaly_alert *new_alert(struct ep_anomalies *a)
{
    if (a->n_alert == a->cap_alert) {
        int cap = a->cap_alert ? 2 * a->cap_alert : 64;
        struct ep_anomaly_alert *n = realloc(a->alert, (size_t)cap * sizeof *n);
        if (!n)
            return NULL;
        a->alert = n;
        a->cap_alert = cap;
    }
    struct ep_anomaly_alert *x = &a->alert[a->n_alert++];
    memset(x, 0, sizeof *x);
    return x;
}

static struct ep_anomaly_series *new_series(struct ep_anomalies *a, int etype, const char *entity,
                                            int meas, int status)
{
    if (a->n_series == a->cap_series) {
        int cap = a->cap_series ? 2 * a->cap_series : 16;
        struct ep_anomaly_series *n = realloc(a->series, (size_t)cap * sizeof *n);
        if (!n)
            return NULL;
        a->series = n;
        a->cap_series = cap;
    }
    struct ep_anomaly_series *s = &a->series[a->n_series++];
    memset(s, 0, sizeof *s);
    s->etype = etype;
    s->entity = entity;
    s->meas = meas;
    s->status = status;
    return s;
}

/* One entity's series: its outliers in the alert's direction become alerts; the series itself
 * is recorded when record_series. pvotes/pnv (may be NULL) are the votes of each period. */
struct emit {
    int etype;
    const char *entity;
    int mep, grp, meas, record_series;
    const struct ep_stats_periods *p;
    const int *const *pvotes;
    const int *pnv;
};

static int emit_alert(struct ep_anomalies *a, const struct emit *e,
                      const struct ep_stats_outliers *ol, const struct ep_stats_outlier *o,
                      int fr, int fc)
{
    const struct ep_matrix *m = a->win->m;
    double zr = o->z_robust, zc = o->classic_ok ? o->z_classic : 0;
    struct ep_anomaly_alert *x = new_alert(a);
    if (!x)
        return EP_ENOMEM;
    x->etype = e->etype;
    x->entity = e->entity;
    x->mep = e->mep;
    x->grp = e->grp;
    x->meas = e->meas;
    x->z = fr && (!fc || fabs(zr) >= fabs(zc)) ? zr : zc;
    x->z_robust = zr;
    x->z_classic = zc;
    x->classic_ok = o->classic_ok;
    x->by_robust = fr;
    x->by_classic = fc;
    x->value = o->x;
    x->baseline_median = ol->median;
    ep_period_str(e->p, o->point, x->date);
    const int *vv;
    int nv;
    if (e->pvotes) {
        vv = e->pvotes[o->point];
        nv = e->pnv[o->point];
    } else if ((e->meas == 0 || e->meas == 1) && o->n_hits > 0) {
        vv = o->hits;
        nv = o->n_hits;
    } else {
        vv = o->votes;
        nv = o->n_votes;
    }
    x->votes_total = nv;
    for (int k = 0; k < nv && k < EP_ANOM_MAX_VOTES; k++)
        x->votes[x->n_votes++] = m->vote_id[vv[k]];
    return 0;
}

static int emit_alerts(struct ep_anomalies *a, const struct emit *e,
                       const struct ep_stats_outliers *ol)
{
    int meas = e->meas, nal = 0;
    if (meas == EP_MEASURE_PARTICIPATION && a->dnv_unk) {
        /* a participation series over votes where who did not vote is unknown would read
         * 100 %: not a baseline */
        if (!e->record_series)
            return 0;
        struct ep_anomaly_series *s =
            new_series(a, e->etype, e->entity, meas, EP_ANOM_SERIES_UNAVAILABLE);
        if (!s)
            return EP_ENOMEM;
        ep_dnv_reason(s->reason, sizeof s->reason, a->dnv_unk, a->win->m->n_vote);
        return 0;
    }
    for (int k = 0; ol->status == EP_OUTLIERS_OK && k < ol->n; k++) {
        const struct ep_stats_outlier *o = &ol->o[k];
        double zr = o->z_robust, zc = o->classic_ok ? o->z_classic : 0;
        int fr = (o->flags & EP_OUTLIER_ROBUST) && zr * kind_sign[meas] > 0;
        int fc = (o->flags & EP_OUTLIER_CLASSIC) && o->classic_ok && zc * kind_sign[meas] > 0;
        if (!fr && !fc)
            continue;
        /* an MEP's defection or abstention "surge" needs >= EP_ANOM_MIN_HITS such votes in
         * the sitting: one or two votes against a zero baseline give huge z-scores but no
         * story */
        if (e->mep >= 0 && (meas == 0 || meas == 1) && o->n_hits < EP_ANOM_MIN_HITS) {
            a->n_suppressed++;
            continue;
        }
        nal++;
        if (emit_alert(a, e, ol, o, fr, fc))
            return EP_ENOMEM;
    }
    if (!e->record_series)
        return 0;
    int too_few = ol->status == EP_OUTLIERS_TOO_FEW;
    struct ep_anomaly_series *s = new_series(
        a, e->etype, e->entity, meas, too_few ? EP_ANOM_SERIES_TOO_FEW : EP_ANOM_SERIES_OK);
    if (!s)
        return EP_ENOMEM;
    s->n_obs = ol->n_obs;
    if (too_few) {
        a->n_short++;
        snprintf(s->reason, sizeof s->reason,
                 "series too short: %d defined sittings, at least %d needed for a baseline",
                 ol->n_obs, a->op.min_obs);
    } else {
        s->median = ol->median;
        s->scale = ol->scale;
        s->alerts = nal;
    }
    return 0;
}

static int baseline_alerts(struct ep_anomalies *a, int entity, int idx, int meas,
                           const char *ename, struct ep_error *err)
{
    struct ep_win *w = a->win;
    struct ep_stats_baseline b;
    memset(&b, 0, sizeof b);
    int rc = ep_stats_baseline(w->m, &w->vs, &w->per[EP_PERIOD_SITTING], entity, idx, meas,
                               &a->op, &b, err);
    if (!rc) {
        struct emit e = {entity == EP_ENTITY_MEP ? EP_ANOM_MEP : EP_ANOM_GROUP,
                         ename,
                         entity == EP_ENTITY_MEP ? idx : -1,
                         entity == EP_ENTITY_GROUP ? idx : -1,
                         meas,
                         1,
                         &w->per[EP_PERIOD_SITTING],
                         NULL,
                         NULL};
        if (emit_alerts(a, &e, &b.outliers))
            rc = ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    ep_stats_baseline_free(&b);
    return rc;
}

/* The Parliament as a whole: participation and abstention per sitting. */
static int parliament(struct ep_anomalies *a, struct ep_error *err)
{
    const struct ep_win *w = a->win;
    const struct ep_matrix *m = w->m;
    const struct ep_stats_periods *ps = &w->per[EP_PERIOD_SITTING];
    int np = ps->n, rc = 0;
    size_t n1 = (size_t)(np > 0 ? np : 1);
    double *x = calloc(n1 * 2, sizeof *x);
    uint8_t *ok = calloc(n1 * 2, 1);
    const int **pv = calloc(n1, sizeof *pv);
    int *pn = calloc(n1, sizeof *pn);
    if (!x || !ok || !pv || !pn) {
        free(x);
        free(ok);
        free(pv);
        free(pn);
        ep_error_set(err, EP_ENOMEM, "out of memory");
        return EP_ENOMEM;
    }
    for (int k = 0; k < np; k++) {
        long long T = 0, D = 0, Ab = 0;
        for (int q = ps->start[k]; q < ps->start[k + 1]; q++) {
            const struct ep_stats_vg *vg = w->vs.vg + (size_t)ps->vote[q] * (size_t)m->n_grp;
            for (int g = 0; g < m->n_grp; g++) {
                T += vg[g].y + vg[g].n + vg[g].a;
                D += vg[g].d;
                Ab += vg[g].a;
            }
        }
        pv[k] = ps->vote + ps->start[k];
        pn[k] = ps->start[k + 1] - ps->start[k];
        ok[k] = T + D > 0;
        x[k] = ok[k] ? (double)T / (double)(T + D) : EP_STATS_UNDEF;
        ok[np + k] = T > 0;
        x[np + k] = T > 0 ? (double)Ab / (double)T : EP_STATS_UNDEF;
    }
    for (int s = 0; !rc && s < 2; s++) {
        struct ep_stats_outliers ol;
        memset(&ol, 0, sizeof ol);
        rc = ep_stats_outliers_find(x + (size_t)s * (size_t)np, ok + (size_t)s * (size_t)np, np,
                                    &a->op, &ol, err);
        struct emit e = {EP_ANOM_PARLIAMENT, "European Parliament", -1, -1, s == 0 ? 2 : 1, 1,
                         ps, pv, pn};
        if (!rc && emit_alerts(a, &e, &ol))
            rc = ep_error_set(err, EP_ENOMEM, "out of memory");
        ep_stats_outliers_free(&ol);
    }
    free(x);
    free(ok);
    free(pv);
    free(pn);
    return rc;
}

/* Every MEP's defection baseline (series summarised, not listed). */
static int mep_scan(struct ep_anomalies *a, struct ep_run *r, struct ep_error *err)
{
    struct ep_win *w = a->win;
    const struct ep_matrix *m = w->m;
    const struct ep_stats_periods *ps = &w->per[EP_PERIOD_SITTING];
    int np = ps->n, before = a->n_alert, rc;
    if ((rc = ep_run_stage(r, "MEP defection baselines", err)) ||
        (rc = ep_win_need_mser(w, r->cancelled, err)))
        return rc;
    for (int i = 0; i < m->n_mep && !rc; i++) {
        if (i % 64 == 0 && r->cancelled && *r->cancelled)
            return ep_error_set(err, EP_ECANCELED, "detect_voting_anomalies: cancelled");
        struct ep_stats_outliers ol;
        memset(&ol, 0, sizeof ol);
        rc = ep_stats_outliers_find(w->mser_x + (size_t)i * (size_t)np,
                                    w->mser_ok + (size_t)i * (size_t)np, np, &a->op, &ol, err);
        if (!rc && ol.n_obs > 0) {
            a->scan_checked++;
            if (ol.status == EP_OUTLIERS_TOO_FEW)
                a->scan_too_short++;
            for (int k = 0; k < ol.n && !rc; k++) {
                struct ep_stats_outlier *o = &ol.o[k];
                rc = ep_stats_series_votes(m, &w->vs, ps, EP_ENTITY_MEP, i, EP_MEASURE_DEFECTION,
                                           o->point, &o->votes, &o->n_votes, &o->hits, &o->n_hits,
                                           err);
            }
            struct emit e = {EP_ANOM_MEP, w->name[i], i, -1, 0, 0, ps, NULL, NULL};
            if (!rc && emit_alerts(a, &e, &ol))
                rc = ep_error_set(err, EP_ENOMEM, "out of memory");
        }
        ep_stats_outliers_free(&ol);
    }
    a->scanned = 1;
    a->scan_alerts = a->n_alert - before;
    return rc;
}

/* |z| as the result prints it (6 decimals): the order of the alerts. */
static double abs_z6(double z)
{
    if (!isfinite(z))
        return 0;
    return fabs(round(z * 1e6) / 1e6);
}

static int cmp_alert(const void *x, const void *y)
{
    const struct ep_anomaly_alert *a = *(const struct ep_anomaly_alert *const *)x,
                                  *b = *(const struct ep_anomaly_alert *const *)y;
    double za = abs_z6(a->z), zb = abs_z6(b->z);
    if (za != zb)
        return za < zb ? 1 : -1;
    return (a > b) - (a < b); /* detection order */
}

static int sort_alerts(struct ep_anomalies *a, struct ep_error *err)
{
    size_t n = (size_t)a->n_alert;
    const struct ep_anomaly_alert **pv = malloc((n > 0 ? n : 1) * sizeof *pv);
    struct ep_anomaly_alert *sorted = malloc((n > 0 ? n : 1) * sizeof *sorted);
    if (!pv || !sorted) {
        free(pv);
        free(sorted);
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    for (size_t k = 0; k < n; k++)
        pv[k] = &a->alert[k];
    qsort(pv, n, sizeof *pv, cmp_alert);
    for (size_t k = 0; k < n; k++)
        sorted[k] = *pv[k];
    free(pv);
    free(a->alert);
    a->alert = sorted;
    a->cap_alert = (int)n;
    return 0;
}

int ep_anomalies_compute(struct ep_win *w, const struct ep_anomalies_params *p, struct ep_run *r,
                         struct ep_anomalies *out, struct ep_error *err)
{
    ep_anomalies_init(out);
    out->win = w;
    out->op = p->op;
    out->dnv_unk = ep_matrix_dnv_unknown(w->m, 0, w->m->n_vote);
    const struct ep_matrix *m = w->m;
    int rc;
    if ((rc = ep_run_stage(r, "vote statistics and sittings", err)) ||
        (rc = ep_win_need_vs(w, err)) || (rc = ep_win_need_per(w, EP_PERIOD_SITTING, err)) ||
        (rc = ep_win_need_names(w, err)))
        return rc;
    if ((rc = ep_run_stage(r, "baselines and robust z-scores", err)))
        return rc;
    if (p->scope == EP_ANOM_MEP) {
        for (int meas = 0; meas < 3 && !rc; meas++)
            rc = baseline_alerts(out, EP_ENTITY_MEP, p->mep, meas, w->name[p->mep], err);
    } else if (p->scope == EP_ANOM_GROUP) {
        for (int meas = 0; meas < 4 && !rc; meas++)
            rc = baseline_alerts(out, EP_ENTITY_GROUP, p->grp, meas, m->grp_code[p->grp], err);
    } else {
        rc = parliament(out, err);
        for (int g = 0; g < m->n_grp && !rc; g++)
            for (int meas = 0; meas < 4 && !rc; meas++)
                rc = baseline_alerts(out, EP_ENTITY_GROUP, g, meas, m->grp_code[g], err);
        if (!rc)
            rc = mep_scan(out, r, err);
    }
    if (!rc && !(rc = ep_run_stage(r, "result", err)))
        rc = sort_alerts(out, err);
    if (!rc && w->per[EP_PERIOD_SITTING].n < p->op.min_obs)
        ep_run_too_short(r, "sittings", w->per[EP_PERIOD_SITTING].n, p->op.min_obs,
                         "baselines and outliers (every series)");
    if (rc)
        ep_anomalies_free(out);
    return rc;
}
