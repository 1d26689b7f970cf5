/* ep_coalition: coalition dynamics. See ep_coalition.h. */
#include "ep_coalition.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_patterns.h"
#include "ep_stats.h"


const char ep_coal_formula[] =
    "AI = (max(Y,N,A) - (T - max)/2) / T; Rice = |Y - N|/(Y + N); alpha = 1 - (n - 1) * "
    "sum_u[(m_u^2 - sum_c n_uc^2)/(m_u - 1)] / (n^2 - sum_c n_c^2); pair agreement = same "
    "positions / common non-tie votes; stability = 1 - 2 * mean pair sd over sittings";
const char *const ep_coal_limits[] = {
    "TIE and NONE positions are left out of pair agreement",
    "trends are unweighted means of per-vote AI in each sitting or month",
    "stability needs at least 2 sittings with 5 common votes per pair", NULL};
const char ep_coal_stability_formula[] =
    "stability = 1 - 2 * mean over group pairs of sd_s(agreement_s), where agreement_s is the "
    "pair's agreement in sitting s (sittings with >= 5 common non-tie votes; pairs with >= 2 "
    "such sittings); sd is the population standard deviation, at most 0.5 for shares, so the "
    "figure lies in 0..1 (1 = every alliance equally strong in every sitting)";
const char ep_coal_faction_definition[] =
    "a faction is a detected community (Louvain, weighted, resolution 1) that holds >= 10% of a "
    "group's MEPs while at least one other community also does: the group is split between "
    "communities";

void ep_coalition_init(struct ep_coalition *out)
{
    memset(out, 0, sizeof *out);
}

void ep_coalition_free(struct ep_coalition *out)
{
    free(out->pair);
    free(out->rel);
    ep_coalition_init(out);
}

int ep_slope(const double *y, const uint8_t *ok, int stride, int n, double *out)
{
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    int c = 0;
    for (int k = 0; k < n; k++)
        if (ok[(size_t)k * (size_t)stride]) {
            double v = y[(size_t)k * (size_t)stride];
            sx += k;
            sy += v;
            sxx += (double)k * k;
            sxy += k * v;
            c++;
        }
    double den = c * sxx - sx * sx;
    if (c < 2 || den <= 0)
        return EP_EUNAVAIL;
    *out = (c * sxy - sx * sy) / den;
    return isfinite(*out) ? 0 : EP_EUNAVAIL;
}

/* Per group: alpha reason and the AI slope; the window-too-short measures in result order. */
static void groups(struct ep_coalition *o, struct ep_run *r)
{
    struct ep_win *w = o->win;
    const struct ep_matrix *m = w->m;
    const struct ep_stats_trends *ts = &w->tr[EP_PERIOD_SITTING];
    o->dnv_unk = ep_matrix_dnv_unknown(m, 0, m->n_vote);
    if (o->dnv_unk)
        ep_dnv_reason(o->dnv_why, sizeof o->dnv_why, o->dnv_unk, m->n_vote);
    for (int g = 0; g < m->n_grp; g++) {
        if (!o->sel[g])
            continue;
        const struct ep_stats_group *s = &w->gs.g[g];
        struct ep_coalition_group *x = &o->group[o->n_group++];
        x->g = g;
        if (!s->alpha_ok) {
            ep_patterns_alpha_reason(s->alpha_units, m->n_vote, x->alpha_reason, sizeof x->alpha_reason);
            if (m->n_vote < EP_STATS_ALPHA_MIN_UNITS) /* not when the group is too small */
                ep_run_too_short(r, "votes with >= 2 cast values", s->alpha_units,
                                 EP_STATS_ALPHA_MIN_UNITS, "alpha of %s", m->grp_code[g]);
        }
        x->slope_ok = ep_slope(ts->ai + g, ts->ai_ok + g, ts->n_grp, ts->n, &x->slope) == 0;
    }
    if (ts->n < 2)
        ep_run_too_short(r, "sittings", ts->n, 2, "groups[].trend.ai_slope_per_sitting");
    ep_win_need_palpha(o->win, NULL); /* kept with the window, persisted (ep_derived) */
    o->parl_ok = w->palpha.rc == EP_OK;
    o->parl_alpha = w->palpha.value;
    o->parl_units = w->palpha.units;
    o->parl_coders = w->palpha.coders;
    if (!o->parl_ok) {
        ep_patterns_alpha_reason(o->parl_units, m->n_vote, o->parl_reason, sizeof o->parl_reason);
        if (m->n_vote < EP_STATS_ALPHA_MIN_UNITS)
            ep_run_too_short(r, "votes with >= 2 cast values", o->parl_units,
                             EP_STATS_ALPHA_MIN_UNITS, "parliament.alpha");
    }
}

/* Volatility of pair p: population sd over sittings of its agreement (pc: 2 * np scratch). */
static void pair_volatility(const struct ep_win *w, struct ep_coalition_pair *p, int32_t *pc)
{
    const struct ep_matrix *m = w->m;
    const struct ep_stats_periods *ps = &w->per[EP_PERIOD_SITTING];
    int np = ps->n, ng = m->n_grp, a = p->a, b = p->b;
    memset(pc, 0, (size_t)(np > 0 ? np : 1) * 2 * sizeof *pc);
    for (int v = 0; v < m->n_vote; v++) {
        const struct ep_stats_vg *vg = w->vs.vg + (size_t)v * (size_t)ng;
        int pa = vg[a].pos, pb = vg[b].pos;
        if (pa == EP_GPOS_NONE || pa == EP_GPOS_TIE || pb == EP_GPOS_NONE || pb == EP_GPOS_TIE)
            continue;
        int k = ps->period_of[v];
        pc[2 * k]++;
        pc[2 * k + 1] += pa == pb;
    }
    double s1 = 0, s2 = 0;
    int cnt = 0;
    for (int k = 0; k < np; k++)
        if (pc[2 * k] >= EP_COAL_STAB_MIN_VOTES) {
            double x = (double)pc[2 * k + 1] / pc[2 * k];
            s1 += x;
            s2 += x * x;
            cnt++;
        }
    p->periods = cnt;
    if (cnt >= 2) {
        double mean = s1 / cnt, var = s2 / cnt - mean * mean;
        p->vol = sqrt(var > 0 ? var : 0);
        p->vol_ok = isfinite(p->vol);
    }
}

static int cmp_pair_desc(const void *x, const void *y)
{
    const struct ep_coalition_pair *p = x, *q = y;
    if (p->share != q->share)
        return p->share < q->share ? 1 : -1;
    return q->common - p->common;
}

/* Pairs, alliances and stability. */
static int pairs(struct ep_coalition *o, struct ep_run *r, struct ep_error *err)
{
    const struct ep_win *w = o->win;
    const struct ep_matrix *m = w->m;
    int ng = m->n_grp, np = w->per[EP_PERIOD_SITTING].n;
    o->pair = calloc((size_t)(ng * ng > 0 ? ng * ng : 1), sizeof *o->pair);
    int32_t *pc = calloc((size_t)(np > 0 ? np : 1) * 2, sizeof *pc);
    if (!o->pair || !pc) {
        free(pc);
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    for (int a = 0; a < ng; a++)
        for (int b = a + 1; o->sel[a] && b < ng; b++) {
            size_t c = (size_t)a * (size_t)ng + (size_t)b;
            if (!o->sel[b] || !w->gs.pair_ok[c])
                continue;
            struct ep_coalition_pair *p = &o->pair[o->n_pair++];
            p->a = a;
            p->b = b;
            p->agree = w->gs.pair_agree[c];
            p->common = w->gs.pair_common[c];
            p->share = w->gs.pair_share[c];
            pair_volatility(w, p, pc);
        }
    free(pc);
    o->rel = malloc((size_t)(o->n_pair > 0 ? o->n_pair : 1) * sizeof *o->rel);
    if (!o->rel)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    for (int k = 0; k < o->n_pair; k++)
        if (o->pair[k].common >= EP_COAL_MIN_COMMON)
            o->rel[o->n_rel++] = o->pair[k];
    qsort(o->rel, (size_t)o->n_rel, sizeof *o->rel, cmp_pair_desc);
    if (m->n_vote < EP_COAL_MIN_COMMON) {
        o->alliances_short = 1;
        ep_run_too_short(r, "votes", m->n_vote, EP_COAL_MIN_COMMON, "alliances");
    }
    double vs_sum = 0;
    for (int k = 0; k < o->n_pair; k++)
        if (o->pair[k].vol_ok) {
            vs_sum += o->pair[k].vol;
            o->stab_pairs++;
        }
    o->n_periods = np;
    if (o->stab_pairs > 0) {
        o->stab_ok = 1;
        o->mean_volatility = vs_sum / o->stab_pairs;
        double s = 1 - 2 * o->mean_volatility;
        o->stability = s < 0 ? 0 : (s > 1 ? 1 : s);
    } else if (np < 2)
        ep_run_too_short(r, "sittings", np, 2, "stability");
    return 0;
}

int ep_coalition_compute(struct ep_win *w, const struct ep_coalition_params *p, struct ep_run *r,
                         struct ep_coalition *out, struct ep_error *err)
{
    ep_coalition_init(out);
    struct ep_graph_hooks h = ep_run_graph_hooks(r);
    int rc;
    if ((rc = ep_run_stage(r, "group cohesion and pair agreement", err)) ||
        (rc = ep_win_need_gs(w, err)) || (rc = ep_win_need_frag(w, err)))
        return rc;
    if ((rc = ep_run_stage(r, "trends per sitting and month", err)) ||
        (rc = ep_win_need_tr(w, EP_PERIOD_SITTING, err)) ||
        (rc = ep_win_need_tr(w, EP_PERIOD_MONTH, err)))
        return rc;
    if ((rc = ep_run_stage(r, "co-voting network and factions", err)) ||
        (rc = ep_win_need_graph(w, EP_COAL_MIN_COMMON, EP_GRAPH_LOUVAIN, 0, &h, err)))
        return rc;
    if ((rc = ep_run_stage(r, "alliances and stability", err)))
        return rc;
    out->win = w;
    memcpy(out->sel, p->sel, sizeof out->sel);
    groups(out, r);
    if ((rc = pairs(out, r, err))) {
        ep_coalition_free(out);
        return rc;
    }
    const struct ep_graph *gr = &w->g;
    out->factions_ok = !(gr->n_edge == 0 || !gr->modularity_ok);
    if (!out->factions_ok)
        ep_run_no_edges(r, w, gr, "factions", out->factions_reason, sizeof out->factions_reason);
    if ((rc = ep_run_stage(r, "result", err))) {
        ep_coalition_free(out);
        return rc;
    }
    return 0;
}
