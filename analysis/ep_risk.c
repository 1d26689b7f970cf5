/* ep_risk: the political risk assessment. See ep_risk.h. */
#include "ep_risk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_query_intel.h"
#include "ep_stats.h"

const char *const ep_risk_dim_name[EP_RISK_NDIM] = {
    "declining_cohesion", "fragmentation", "defection_surges", "close_votes", "swing_pivotality"};
const double ep_risk_dim_weight[EP_RISK_NDIM] = {0.25, 0.20, 0.20, 0.20, 0.15};

const char *const ep_risk_dim_norm[EP_RISK_NDIM] = {
    "clamp(decline / 0.10, 0, 1): a seat-weighted AI drop of 0.10 or more between the first and "
    "the second half of the window's sittings is maximal risk",
    "mean of clamp((ENP_seats - 2)/6), clamp((ENP_votes - 2)/6) and clamp(Q_detected / 0.3)",
    "clamp(flagged share / 0.05, 0, 1): 5% or more of the group-sittings flagged is maximal risk",
    "clamp(close share / 0.20, 0, 1): 20% or more of the votes close is maximal risk",
    "clamp(swing share / 0.50, 0, 1): a swing group pivotal on half of the decided votes or more "
    "is maximal risk",
};
const char *const ep_risk_dim_def[EP_RISK_NDIM] = {
    "decline = sum_g seats_g * (AI_g first half - AI_g second half) / sum_g seats_g, AI_g = mean "
    "per-vote Agreement Index of group g over the votes of each half of the sittings",
    "effective number of groups (Laakso-Taagepera) by seats on the last vote and by votes cast; "
    "modularity of the detected communities of the co-voting network",
    "share of (group, sitting) points of the groups' defection-rate series flagged upward by the "
    "robust z (> 3.5, >= 8 sittings)",
    "share of votes whose margin |FOR - AGAINST| is under 5% of the votes cast (FOR + AGAINST + "
    "ABSTENTION)",
    "share of decided votes (FOR != AGAINST) on which a swing group (not one of the two largest "
    "by seats) was pivotal: it voted with the winning side and its votes there exceeded the "
    "margin",
};

const char ep_risk_rule[] =
    "LOW if composite < 0.25, MODERATE if < 0.50, HIGH if < 0.75, else CRITICAL";
const char ep_risk_normalisation[] =
    "parliament-level dimensions have no peers in the same window, so each is mapped to 0..1 on "
    "the fixed scale stated in its 'normalisation' field (instead of a percentile rank among "
    "peers)";
const char ep_risk_formula[] =
    "composite = sum_d w_d * r_d / sum_d w_d over available dimensions, r_d in 0..1";
const char *const ep_risk_limits[] = {
    "simple majority (FOR vs AGAINST) is assumed; qualified majorities are ignored",
    "fixed scales are judgement calls documented in docs/tools-intel.md",
    "defection surges need >= 8 sittings; shorter windows drop that dimension", NULL};

const char *ep_risk_level(double c)
{
    return c >= 0.75 ? "CRITICAL" : c >= 0.5 ? "HIGH" : c >= 0.25 ? "MODERATE" : "LOW";
}

void ep_risk_init(struct ep_risk *out)
{
    memset(out, 0, sizeof *out);
    out->big[0] = out->big[1] = -1;
}

void ep_risk_free(struct ep_risk *out)
{
    free(out->surge);
    ep_risk_init(out);
}

static double clamp01(double x)
{
    return x < 0 ? 0 : (x > 1 ? 1 : x);
}

/* Declining cohesion: seat-weighted AI of the first half of the sittings minus the second. */
static void cohesion(struct ep_risk *o, struct ep_run *r)
{
    const struct ep_win *w = o->win;
    const struct ep_stats_periods *ps = &w->per[EP_PERIOD_SITTING];
    struct ep_risk_dim *d = &o->dim[EP_RISK_COH];
    int ng = w->m->n_grp;
    if (ps->n < 2) {
        snprintf(d->reason, sizeof d->reason,
                 "the window is too short: %d sitting, at least 2 needed to compare halves",
                 ps->n);
        d->min_sittings = 2;
        ep_run_too_short(r, "sittings", ps->n, 2, "declining_cohesion");
        return;
    }
    int half = (ps->n + 1) / 2; /* sittings [0, half) vs [half, n) */
    double num = 0, den = 0;
    for (int g = 0; g < ng; g++) {
        double s[2] = {0, 0};
        int c[2] = {0, 0};
        for (int k = 0; k < ps->n; k++)
            for (int q = ps->start[k]; q < ps->start[k + 1]; q++) {
                const struct ep_stats_vg *vg =
                    w->vs.vg + (size_t)ps->vote[q] * (size_t)ng + (size_t)g;
                if (vg->ai_ok) {
                    s[k >= half] += vg->ai;
                    c[k >= half]++;
                }
            }
        if (!c[0] || !c[1])
            continue;
        double a0 = s[0] / c[0], a1 = s[1] / c[1];
        num += w->frag.seats[g] * (a0 - a1);
        den += w->frag.seats[g];
        o->coh[o->n_coh].grp = g;
        o->coh[o->n_coh].first = a0;
        o->coh[o->n_coh++].second = a1;
    }
    if (den > 0) {
        o->coh_decline = num / den;
        o->coh_half = half;
        d->available = 1;
        d->value = clamp01(o->coh_decline / 0.10);
    } else
        snprintf(d->reason, sizeof d->reason,
                 "no group with seats cast votes in both halves of the window");
}

/* Fragmentation: effective numbers of groups and the network's modularity. */
static void fragmentation(struct ep_risk *o, struct ep_run *r)
{
    const struct ep_win *w = o->win;
    struct ep_risk_dim *d = &o->dim[EP_RISK_FRAG];
    double s = 0;
    int c = 0;
    if (w->frag.seats_ok) {
        s += clamp01((w->frag.enp_seats - 2) / 6);
        c++;
    }
    if (w->frag.votes_ok) {
        s += clamp01((w->frag.enp_votes - 2) / 6);
        c++;
    }
    if (w->g.modularity_ok) {
        s += clamp01(w->g.modularity / 0.3);
        c++;
    } else {
        o->frag_mod_missing = 1;
        ep_run_no_edges(r, w, &w->g, "fragmentation: modularity component", o->frag_mod_reason,
                        sizeof o->frag_mod_reason);
    }
    o->frag_components = c;
    if (c) {
        d->available = 1;
        d->value = s / c;
    } else
        snprintf(d->reason, sizeof d->reason,
                 "no seats, no cast votes and no network modularity in the window");
}

/* One group's upward robust outliers of its defection-rate series. */
static int surges_of(struct ep_risk *o, int g, const struct ep_stats_baseline *b)
{
    for (int k = 0; k < b->outliers.n; k++) {
        const struct ep_stats_outlier *x = &b->outliers.o[k];
        if (!((x->flags & EP_OUTLIER_ROBUST) && x->z_robust > 0))
            continue;
        o->def_flagged++;
        struct ep_risk_surge *n = realloc(o->surge, (size_t)(o->n_surge + 1) * sizeof *n);
        if (!n)
            return EP_ENOMEM;
        o->surge = n;
        struct ep_risk_surge *s = &o->surge[o->n_surge++];
        s->grp = g;
        s->point = x->point;
        s->z = x->z_robust;
        s->rate = x->x;
        s->n_votes = 0;
        for (int v = 0; v < x->n_hits && v < EP_RISK_MAX_VOTES; v++)
            s->votes[s->n_votes++] = o->win->m->vote_id[x->hits[v]];
    }
    return 0;
}

/* Defection surges: the groups' defection-rate baselines. */
static int defections(struct ep_risk *o, struct ep_run *r, struct ep_error *err)
{
    struct ep_win *w = o->win;
    const struct ep_stats_periods *ps = &w->per[EP_PERIOD_SITTING];
    struct ep_risk_dim *d = &o->dim[EP_RISK_DEF];
    struct ep_stats_outlier_params op;
    ep_stats_outlier_params_default(&op);
    int rc = 0;
    for (int g = 0; g < w->m->n_grp && !rc; g++) {
        struct ep_stats_baseline b;
        memset(&b, 0, sizeof b);
        rc = ep_stats_baseline(w->m, &w->vs, ps, EP_ENTITY_GROUP, g, EP_MEASURE_DEFECTION, &op,
                               &b, err);
        if (!rc && b.outliers.status == EP_OUTLIERS_TOO_FEW)
            o->def_too_few++;
        else if (!rc) {
            o->def_points += b.outliers.n_obs;
            if (surges_of(o, g, &b))
                rc = ep_error_set(err, EP_ENOMEM, "out of memory");
        }
        ep_stats_baseline_free(&b);
    }
    if (rc)
        return rc;
    if (o->def_points > 0) {
        d->available = 1;
        d->value = clamp01((double)o->def_flagged / o->def_points / 0.05);
        return 0;
    }
    snprintf(d->reason, sizeof d->reason,
             "every group's defection series is too short: %d sittings, at least %d "
             "needed for a baseline",
             ps->n, op.min_obs);
    if (ps->n < op.min_obs) {
        d->min_sittings = op.min_obs;
        ep_run_too_short(r, "sittings", ps->n, op.min_obs, "defection_surges");
    }
    return 0;
}

/* Close votes: margin |FOR - AGAINST| under 5% of the votes cast. */
static void close_votes(struct ep_risk *o)
{
    const struct ep_win *w = o->win;
    const struct ep_matrix *m = w->m;
    struct ep_risk_dim *d = &o->dim[EP_RISK_CLOSE];
    for (int v = 0; v < m->n_vote; v++) {
        int cast = w->F[v] + w->A[v] + w->Ab[v];
        if (cast <= 0)
            continue;
        o->close_withcast++;
        int margin = abs(w->F[v] - w->A[v]);
        if (margin >= 0.05 * cast)
            continue;
        o->close_votes++;
        if (o->n_close >= EP_RISK_MAX_CLOSE)
            continue;
        struct ep_risk_close *c = &o->close[o->n_close++];
        c->vote = v;
        c->margin = margin;
        if (ep_query_vote_stored_title(w->store, m->vote_id[v], c->title, sizeof c->title, NULL))
            c->title[0] = 0;
    }
    if (o->close_withcast > 0) {
        d->available = 1;
        d->value = clamp01((double)o->close_votes / o->close_withcast / 0.20);
    } else
        snprintf(d->reason, sizeof d->reason, "no vote with cast votes in the window");
}

/* Swing pivotality: decided votes on which a group other than the two largest was pivotal. */
static void swing(struct ep_risk *o)
{
    const struct ep_win *w = o->win;
    const struct ep_matrix *m = w->m;
    struct ep_risk_dim *d = &o->dim[EP_RISK_SWING];
    int ng = m->n_grp, *big = o->big;
    for (int g = 0; g < ng; g++) {
        if (w->frag.seats[g] <= 0)
            continue;
        if (big[0] < 0 || w->frag.seats[g] > w->frag.seats[big[0]]) {
            big[1] = big[0];
            big[0] = g;
        } else if (big[1] < 0 || w->frag.seats[g] > w->frag.seats[big[1]])
            big[1] = g;
    }
    if (w->decided == 0) {
        snprintf(d->reason, sizeof d->reason, "no decided vote (FOR != AGAINST) in the window");
        return;
    }
    for (int v = 0; v < m->n_vote; v++)
        for (int g = 0; g < ng; g++)
            if (g != big[0] && g != big[1] && w->gpiv[(size_t)v * (size_t)ng + (size_t)g]) {
                o->swing++;
                break;
            }
    d->available = 1;
    d->value = clamp01((double)o->swing / w->decided / 0.5);
}

int ep_risk_compute(struct ep_win *w, struct ep_run *r, struct ep_risk *out,
                    struct ep_error *err)
{
    ep_risk_init(out);
    struct ep_graph_hooks h = ep_run_graph_hooks(r);
    int rc;
    if ((rc = ep_run_stage(r, "vote and group statistics", err)) ||
        (rc = ep_win_need_gs(w, err)) || (rc = ep_win_need_frag(w, err)) ||
        (rc = ep_win_need_per(w, EP_PERIOD_SITTING, err)))
        return rc;
    if ((rc = ep_run_stage(r, "pivotal and close votes", err)) || (rc = ep_win_need_piv(w, err)))
        return rc;
    if ((rc = ep_run_stage(r, "co-voting network", err)) ||
        (rc = ep_win_need_graph(w, 10, EP_GRAPH_LOUVAIN, 0, &h, err)))
        return rc;
    if ((rc = ep_run_stage(r, "dimensions", err)))
        return rc;
    out->win = w;
    cohesion(out, r);
    fragmentation(out, r);
    if ((rc = defections(out, r, err))) {
        ep_risk_free(out);
        return rc;
    }
    close_votes(out);
    swing(out);
    if ((rc = ep_run_stage(r, "composite", err))) {
        ep_risk_free(out);
        return rc;
    }
    double s = 0;
    for (int d = 0; d < EP_RISK_NDIM; d++)
        if (out->dim[d].available) {
            out->weight_sum += ep_risk_dim_weight[d];
            s += ep_risk_dim_weight[d] * out->dim[d].value;
        }
    if (out->weight_sum <= 0) {
        ep_risk_free(out);
        return ep_error_set(err, EP_EUNAVAIL, "no risk dimension has data in the window (%d votes)",
                            w->m->n_vote);
    }
    out->composite = s / out->weight_sum;
    for (int d = 0; d < EP_RISK_NDIM; d++)
        if (out->dim[d].available)
            out->dim[d].weight = ep_risk_dim_weight[d] / out->weight_sum;
    return 0;
}
