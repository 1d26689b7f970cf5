#include "ep_early_warning.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_anomalies.h"
#include "ep_positions.h"
#include "ep_util.h"
#include "ep_window.h"

void ep_early_warning_init(struct ep_early_warning *out)
{
    memset(out, 0, sizeof *out);
}

void ep_early_warning_free(struct ep_early_warning *out)
{
    (void)out; /* everything is inline */
}

int ep_ew_windows(struct ep_env *env, const char *to, int days, char cur_from[11],
                  char cur_to[11], char prev_from[11], char prev_to[11], struct ep_error *err)
{
    if (!env || !env->store)
        return ep_error_set(err, EP_EINVAL, "no store is open");
    if (days < 1)
        return ep_error_set(err, EP_EINVAL, "argument \"days\" must be at least 1");
    char last[11];
    if (to) {
        snprintf(last, sizeof last, "%s", to);
    } else {
        struct ep_positions_prov prov;
        int rc = ep_positions_provenance(&env->positions, env->store, &prov, err);
        if (rc)
            return rc;
        if (!prov.pos_to[0])
            return ep_error_set(err, EP_EUNAVAIL,
                                "the store holds no roll-call votes with per-MEP positions: "
                                "ingest roll-call XML or sync (epintel ingest, epintel sync)");
        snprintf(last, sizeof last, "%s", prov.pos_to);
    }
    int32_t d = ep_date_days(last);
    ep_date_format(d, cur_to);
    ep_date_format(d - days + 1, cur_from);
    ep_date_format(d - days, prev_to);
    ep_date_format(d - 2 * days + 1, prev_from);
    return 0;
}

static void add_signal(struct ep_ew_window *x, const struct ep_ew_signal *s)
{
    x->signals_total++;
    if (x->n_signal < EP_EW_MAX_SIGNALS)
        x->signal[x->n_signal++] = *s;
}

static int window_risk(struct ep_win *w, struct ep_run *r, struct ep_ew_window *x,
                       struct ep_error *err)
{
    struct ep_risk o;
    struct ep_error e = {0};
    int rc = ep_risk_compute(w, r, &o, &e);
    if (rc == EP_EUNAVAIL) {
        snprintf(x->risk_reason, sizeof x->risk_reason, "%s", e.msg);
        return 0;
    }
    if (rc) {
        if (err)
            *err = e;
        return rc;
    }
    x->risk_ok = 1;
    x->composite = o.composite;
    for (int d = 0; d < EP_RISK_NDIM; d++) {
        x->dim[d] = o.dim[d];
        if (!o.dim[d].available || o.dim[d].value < EP_EW_RISK_MEDIUM)
            continue;
        struct ep_ew_signal s = {.source = EP_EW_RISK, .value = o.dim[d].value,
                                 .threshold = EP_EW_RISK_MEDIUM};
        snprintf(s.kind, sizeof s.kind, "%s", ep_risk_dim_name[d]);
        snprintf(s.entity, sizeof s.entity, "Parliament");
        s.severity = o.dim[d].value >= EP_EW_RISK_HIGH ? EP_EW_HIGH : EP_EW_MEDIUM;
        add_signal(x, &s);
    }
    ep_risk_free(&o);
    return 0;
}

static int window_anomalies(struct ep_win *w, struct ep_run *r, struct ep_ew_window *x,
                            double *z_threshold, struct ep_error *err)
{
    struct ep_anomalies_params p = {.scope = EP_ANOM_PARLIAMENT, .mep = -1, .grp = -1};
    ep_stats_outlier_params_default(&p.op);
    *z_threshold = p.op.threshold;
    struct ep_anomalies o;
    struct ep_error e = {0};
    int rc = ep_anomalies_compute(w, &p, r, &o, &e);
    if (rc == EP_EUNAVAIL) {
        snprintf(x->anom_reason, sizeof x->anom_reason, "%s", e.msg);
        return 0;
    }
    if (rc) {
        if (err)
            *err = e;
        return rc;
    }
    x->anom_ok = 1;
    x->alerts_total = o.n_alert;
    x->series_short = o.n_short;
    for (int k = 0; k < o.n_alert; k++) {
        const struct ep_anomaly_alert *a = &o.alert[k];
        struct ep_ew_signal s = {.source = EP_EW_ANOMALY, .value = a->z,
                                 .threshold = p.op.threshold, .observed = a->value,
                                 .baseline = a->baseline_median, .votes = a->votes_total};
        snprintf(s.kind, sizeof s.kind, "%s", ep_anom_kind_name[a->meas]);
        snprintf(s.entity, sizeof s.entity, "%s", a->entity ? a->entity : "");
        snprintf(s.date, sizeof s.date, "%s", a->date);
        if (a->mep >= 0)
            s.mep_id = w->m->mep_id[a->mep];
        s.severity = fabs(a->z) >= EP_ANOM_SEV_HIGH ? EP_EW_HIGH : EP_EW_MEDIUM;
        add_signal(x, &s);
    }
    ep_anomalies_free(&o);
    return 0;
}

static int one_window(struct ep_env *env, const struct ep_early_warning_params *p,
                      struct ep_run *r, struct ep_ew_window *x, double *z_threshold,
                      struct ep_error *err)
{
    struct ep_window wd = {
        .from = x->from, .to = x->to, .topic_kind = p->topic_kind, .topic_code = p->topic_code};
    struct ep_win *w = NULL;
    struct ep_error e = {0};
    int rc = ep_env_window(env, &wd, &w, &e);
    if (rc == EP_EUNAVAIL) {
        char reason[sizeof x->reason];
        snprintf(reason, sizeof reason, "no roll-call vote with per-MEP positions from %s to %s%s",
                 x->from, x->to, p->topic_kind ? " that carries the topic filter" : "");
        memcpy(x->reason, reason, sizeof reason);
        return 0;
    }
    if (rc) {
        if (err)
            *err = e;
        return rc;
    }
    x->available = 1;
    x->votes = w->m->n_vote;
    x->sittings = w->n_sittings;
    rc = window_risk(w, r, x, err);
    if (!rc)
        rc = window_anomalies(w, r, x, z_threshold, err);
    return rc;
}

static int same_signal(const struct ep_ew_signal *a, const struct ep_ew_signal *b)
{
    return a->source == b->source && strcmp(a->kind, b->kind) == 0 &&
           strcmp(a->entity, b->entity) == 0;
}

static int has_signal(const struct ep_ew_window *x, const struct ep_ew_signal *s)
{
    for (int k = 0; k < x->n_signal; k++)
        if (same_signal(&x->signal[k], s))
            return 1;
    return 0;
}

int ep_early_warning_compute(struct ep_env *env, const struct ep_early_warning_params *p,
                             struct ep_run *r, struct ep_early_warning *out,
                             struct ep_error *err)
{
    ep_early_warning_init(out);
    out->days = p->days;
    out->z_high = EP_ANOM_SEV_HIGH;
    int rc = ep_ew_windows(env, p->to, p->days, out->cur.from, out->cur.to, out->prev.from,
                           out->prev.to, err);
    if (!rc)
        rc = one_window(env, p, r, &out->cur, &out->z_threshold, err);
    if (!rc)
        rc = one_window(env, p, r, &out->prev, &out->z_threshold, err);
    if (rc)
        return rc;
    if (!out->cur.available)
        return ep_error_set(err, EP_EUNAVAIL,
                            "early_warning_system: %s (widen \"days\" or move \"to\")",
                            out->cur.reason);
    const struct ep_ew_window *c = &out->cur, *v = &out->prev;
    if ((out->composite_delta_ok = c->risk_ok && v->risk_ok))
        out->composite_delta = c->composite - v->composite;
    for (int d = 0; d < EP_RISK_NDIM; d++)
        if ((out->dim_delta_ok[d] = c->risk_ok && v->risk_ok && c->dim[d].available &&
                                    v->dim[d].available))
            out->dim_delta[d] = c->dim[d].value - v->dim[d].value;
    if (v->available) {
        for (int k = 0; k < c->n_signal; k++)
            if (!has_signal(v, &c->signal[k]))
                out->new_signal[out->n_new++] = k;
        for (int k = 0; k < v->n_signal; k++)
            if (!has_signal(c, &v->signal[k]))
                out->resolved_signal[out->n_resolved++] = k;
    }
    return 0;
}
