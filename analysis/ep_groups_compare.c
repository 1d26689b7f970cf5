/* ep_groups_compare: groups side by side. See ep_groups_compare.h. */
#include "ep_groups_compare.h"

#include <stdlib.h>
#include <string.h>

#include "ep_model.h"
#include "ep_stats.h"

void ep_groups_compare_init(struct ep_groups_compare *out)
{
    memset(out, 0, sizeof *out);
}

void ep_groups_compare_free(struct ep_groups_compare *out)
{
    free(out->close);
    ep_groups_compare_init(out);
}

static int members(struct ep_win *w, struct ep_groups_compare *o, struct ep_error *err)
{
    const struct ep_matrix *m = w->m;
    /* the groups each MEP held on some vote of the window, in one pass in memory order */
    uint32_t *held = calloc((size_t)(m->n_mep > 0 ? m->n_mep : 1), sizeof *held);
    if (!held)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    for (int v = 0; v < m->n_vote; v++) {
        const uint8_t *grow = m->grp + (size_t)v * (size_t)m->n_mep;
        for (int i = 0; i < m->n_mep; i++)
            if (grow[i] < EP_MATRIX_MAX_GROUPS)
                held[i] |= 1u << grow[i];
    }
    for (int k = 0; k < o->p.n_group; k++) {
        o->g[k].seats_last = w->frag.seats[o->p.grp[k]];
        for (int i = 0; i < m->n_mep; i++)
            o->g[k].members += (held[i] >> o->p.grp[k]) & 1u;
    }
    free(held);
    return 0;
}

static int close_votes(struct ep_win *w, struct ep_groups_compare *o, struct ep_error *err)
{
    const struct ep_matrix *m = w->m;
    o->close = malloc((size_t)(m->n_vote > 0 ? m->n_vote : 1) * sizeof *o->close);
    if (!o->close)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    for (int v = 0; v < m->n_vote; v++) {
        int cast = w->F[v] + w->A[v] + w->Ab[v];
        if (cast <= 0)
            continue;
        o->with_cast++;
        if (abs(w->F[v] - w->A[v]) >= EP_GCMP_CLOSE_SHARE * cast)
            continue;
        o->close[o->n_close++] = v;
        int win = w->F[v] > w->A[v] ? EP_GPOS_FOR : w->A[v] > w->F[v] ? EP_GPOS_AGAINST : 0;
        for (int k = 0; k < o->p.n_group; k++) {
            int pos = w->vs.vg[(size_t)v * (size_t)w->vs.n_grp + (size_t)o->p.grp[k]].pos;
            o->g[k].close_tie += pos == EP_GPOS_TIE;
            if (!win || pos == EP_GPOS_TIE || pos == EP_GPOS_NONE)
                continue;
            o->g[k].close_decided++;
            o->g[k].close_won += pos == win;
        }
    }
    return 0;
}

int ep_groups_compare_compute(struct ep_win *w, const struct ep_gcmp_params *p, struct ep_run *r,
                              struct ep_groups_compare *out, struct ep_error *err)
{
    ep_groups_compare_init(out);
    out->win = w;
    out->p = *p;
    const struct ep_matrix *m = w->m;
    int rc = ep_run_stage(r, "group statistics", err);
    if (!rc)
        rc = ep_win_need_vs(w, err);
    if (!rc)
        rc = ep_win_need_gs(w, err);
    if (!rc)
        rc = ep_win_need_frag(w, err);
    if (rc)
        return rc;
    if ((rc = members(w, out, err)))
        return rc;
    out->dnv_unknown = ep_matrix_dnv_unknown(m, 0, m->n_vote);
    if (m->n_vote < EP_STATS_ALPHA_MIN_UNITS)
        ep_run_too_short(r, "votes", m->n_vote, EP_STATS_ALPHA_MIN_UNITS,
                         "Krippendorff's alpha (groups)");
    if ((rc = ep_run_stage(r, "close votes", err)) || (rc = ep_win_need_piv(w, err)))
        return rc;
    if ((rc = close_votes(w, out, err)))
        ep_groups_compare_free(out);
    return rc;
}
