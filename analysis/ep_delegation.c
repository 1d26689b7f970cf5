/* ep_delegation: a country's delegation in a window. See ep_delegation.h. */
#include "ep_delegation.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_comparative.h"
#include "ep_model.h"
#include "ep_stats.h"

void ep_delegation_init(struct ep_delegation *out)
{
    memset(out, 0, sizeof *out);
}

void ep_delegation_free(struct ep_delegation *out)
{
    free(out->member);
    free(out->split);
    free(out->defector);
    ep_delegation_init(out);
}

static int members(struct ep_win *w, struct ep_delegation *o, struct ep_error *err)
{
    const struct ep_matrix *m = w->m;
    o->member = calloc((size_t)(m->n_mep > 0 ? m->n_mep : 1), sizeof *o->member);
    int *modal = calloc((size_t)(m->n_mep > 0 ? m->n_mep : 1), sizeof *modal);
    if (!o->member || !modal) {
        free(modal);
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    int rc = w->have_graph ? 0 : ep_cmp_modal_groups(m, modal, err);
    if (rc) {
        free(modal);
        return rc;
    }
    for (int i = 0; i < m->n_mep; i++) {
        if (strcmp(w->country[i], o->country) != 0)
            continue;
        const struct ep_stats_mepfig *f = &w->mf[i];
        if (f->eligible == 0)
            continue;
        struct ep_deleg_member *x = &o->member[o->n_member++];
        x->mep = i;
        x->grp = w->have_graph ? ep_win_modal_group(w, i) : modal[i];
        x->eligible = f->eligible;
        x->cast = f->cast;
        x->part_ok = f->part_ok;
        x->participation = f->participation;
    }
    free(modal);
    if (o->n_member == 0)
        return ep_error_set(err, EP_ENOTFOUND,
                            "argument \"country\": no MEP of %s held a mandate on any of the "
                            "window's %d votes",
                            o->country, m->n_vote);
    int last = m->n_vote - 1;
    for (int k = 0; k < o->n_member; k++) {
        size_t c = (size_t)last * (size_t)m->n_mep + (size_t)o->member[k].mep;
        if (m->pos[c] == EP_POS_NONE)
            continue;
        o->seats_last++;
        if (m->grp[c] < EP_MATRIX_MAX_GROUPS)
            o->seats[m->grp[c]]++;
        else
            o->seats_nogroup++;
    }
    return 0;
}

/* One vote: the delegation's counts, position, AI, Rice, split; agreement with each group;
 * each member's defection. */
static void one_vote(struct ep_win *w, struct ep_delegation *o, int v, double *ai_all,
                     uint64_t *dpos)
{
    const struct ep_matrix *m = w->m;
    const uint8_t *row = m->pos + (size_t)v * (size_t)m->n_mep;
    int c[4] = {0};
    for (int k = 0; k < o->n_member; k++) {
        uint8_t p = row[o->member[k].mep];
        if (p >= EP_POS_FOR && p <= EP_POS_ABSTENTION)
            c[p]++;
    }
    int t = c[1] + c[2] + c[3];
    double x;
    if (ep_stats_ai(c[1], c[2], c[3], &x) == 0) {
        ai_all[o->ai_n++] = x;
    }
    if (ep_stats_rice(c[1], c[2], &x) == 0) {
        o->rice_mean += x;
        o->rice_n++;
    }
    if (t >= 2) {
        o->split_den++;
        if ((c[1] > 0) + (c[2] > 0) + (c[3] > 0) >= 2)
            o->split[o->n_split++] = v;
    }
    int pos = ep_stats_position(c[1], c[2], c[3]);
    if (pos == EP_GPOS_TIE)
        o->n_tie++;
    if (pos == EP_GPOS_TIE || pos == EP_GPOS_NONE)
        return;
    o->n_decided++;
    for (int g = 0; g < m->n_grp && g < EP_MATRIX_MAX_GROUPS; g++) {
        int gp = w->vs.vg[(size_t)v * (size_t)w->vs.n_grp + (size_t)g].pos;
        if (gp == EP_GPOS_TIE || gp == EP_GPOS_NONE)
            continue;
        o->grp[g].common++;
        o->grp[g].agree += gp == pos;
    }
    /* the delegation's position as bit planes (FOR, AGAINST, ABSTENTION) for the defections */
    dpos[(size_t)(pos - EP_GPOS_FOR) * (size_t)m->n_words + (size_t)(v / 64)] |= 1ull << (v % 64);
}

/* Each member's defections from the position planes: den = votes they cast where the delegation
 * had a non-tie position, agree = those where their option was that position. */
static void defections(const struct ep_matrix *m, struct ep_delegation *o, const uint64_t *dpos)
{
    size_t nw = (size_t)m->n_words;
    const uint64_t *d0 = dpos, *d1 = dpos + nw, *d2 = dpos + 2 * nw;
    for (int k = 0; k < o->n_member; k++) {
        size_t off = (size_t)o->member[k].mep * nw;
        const uint64_t *f = m->plane[0] + off, *a = m->plane[1] + off, *b = m->plane[2] + off;
        long den = 0, agree = 0;
        for (size_t x = 0; x < nw; x++) {
            den += __builtin_popcountll((f[x] | a[x] | b[x]) & (d0[x] | d1[x] | d2[x]));
            agree += __builtin_popcountll((f[x] & d0[x]) | (a[x] & d1[x]) | (b[x] & d2[x]));
        }
        o->member[k].def_den = (int)den;
        o->member[k].n_defect = (int)(den - agree);
    }
}

static int by_defections(const void *x, const void *y, void *ctx)
{
    const struct ep_deleg_member *mem = ctx;
    const struct ep_deleg_member *a = &mem[*(const int *)x], *b = &mem[*(const int *)y];
    if (a->n_defect != b->n_defect)
        return a->n_defect > b->n_defect ? -1 : 1;
    /* then the higher share (n/den compared as fractions), then matrix order */
    long long l = (long long)a->n_defect * b->def_den, r = (long long)b->n_defect * a->def_den;
    if (l != r)
        return l > r ? -1 : 1;
    return (a->mep > b->mep) - (a->mep < b->mep);
}

int ep_delegation_compute(struct ep_win *w, const char *country, struct ep_run *r,
                          struct ep_delegation *out, struct ep_error *err)
{
    ep_delegation_init(out);
    out->win = w;
    snprintf(out->country, sizeof out->country, "%s", country);
    int rc = ep_run_stage(r, "delegation members", err);
    if (!rc)
        rc = ep_win_need_names(w, err);
    if (!rc)
        rc = ep_win_need_mf(w, err);
    if (!rc)
        rc = ep_win_need_vs(w, err);
    if (!rc)
        rc = members(w, out, err);
    if (!rc)
        rc = ep_run_stage(r, "cohesion, splits and agreement", err);
    const struct ep_matrix *m = w->m;
    double *ai = NULL;
    uint64_t *dpos = NULL;
    if (!rc) {
        dpos = calloc((size_t)(m->n_words > 0 ? m->n_words : 1) * 3, sizeof *dpos);
        size_t nv = (size_t)(m->n_vote > 0 ? m->n_vote : 1);
        ai = calloc(nv, sizeof *ai);
        out->split = malloc(nv * sizeof *out->split);
        out->defector =
            malloc((size_t)(out->n_member > 0 ? out->n_member : 1) * sizeof *out->defector);
        if (!ai || !out->split || !out->defector || !dpos)
            rc = ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    for (int v = 0; !rc && v < m->n_vote; v++)
        one_vote(w, out, v, ai, dpos);
    if (!rc)
        defections(m, out, dpos);
    free(dpos);
    if (!rc && out->ai_n > 0) {
        double s = 0;
        for (int k = 0; k < out->ai_n; k++)
            s += ai[k];
        out->ai_mean = s / out->ai_n;
        ep_stats_median(ai, (size_t)out->ai_n, &out->ai_median);
    }
    if (!rc && out->rice_n > 0)
        out->rice_mean /= out->rice_n;
    free(ai);
    if (!rc) {
        for (int k = 0; k < out->n_member; k++)
            if (out->member[k].n_defect > 0)
                out->defector[out->n_defector++] = k;
        qsort_r(out->defector, (size_t)out->n_defector, sizeof *out->defector, by_defections,
                out->member);
    }
    if (rc)
        ep_delegation_free(out);
    return rc;
}
