/* ep_landscape: the political landscape. See ep_landscape.h. */
#include "ep_landscape.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_graph.h"
#include "ep_model.h"
#include "ep_stats.h"
#include "ep_util.h"

void ep_landscape_init(struct ep_landscape *out)
{
    memset(out, 0, sizeof *out);
    ep_network_init(&out->net);
}

void ep_landscape_free(struct ep_landscape *out)
{
    free(out->coal);
    ep_network_free(&out->net);
    ep_landscape_init(out);
}

static int seats(struct ep_win *w, const struct ep_landscape_params *p, struct ep_landscape *o,
                 struct ep_error *err)
{
    const struct ep_matrix *m = w->m;
    int v = m->n_vote - 1;
    if (p->day >= 0)
        while (v >= 0 && m->vote_day[v] > p->day)
            v--;
    if (v < 0) {
        char d0[11], d[11];
        ep_date_format(m->vote_day[0], d0);
        ep_date_format(p->day, d);
        return ep_error_set(err, EP_EINVAL,
                            "argument \"date\": %s is before the window's first vote (%s); give "
                            "a date on or after it",
                            d, d0);
    }
    o->seat_vote = v;
    const uint8_t *row = m->pos + (size_t)v * (size_t)m->n_mep;
    const uint8_t *grow = m->grp + (size_t)v * (size_t)m->n_mep;
    for (int i = 0; i < m->n_mep; i++) {
        if (row[i] == EP_POS_NONE)
            continue;
        if (grow[i] < m->n_grp)
            o->seats[grow[i]]++;
        else
            o->seats_nogroup++;
    }
    double x[EP_MATRIX_MAX_GROUPS];
    for (int g = 0; g < m->n_grp; g++) {
        x[g] = o->seats[g];
        o->total += o->seats[g];
    }
    o->majority = o->total / 2 + 1;
    o->enp_seats_ok = ep_stats_enp(x, m->n_grp, &o->enp_seats) == 0;
    int rc = ep_win_need_frag(w, err);
    if (rc)
        return rc;
    o->enp_votes_ok = w->frag.votes_ok;
    o->enp_votes = w->frag.enp_votes;
    return 0;
}

static int by_wins(const void *a, const void *b)
{
    const struct ep_land_coal *x = a, *y = b;
    if (x->won != y->won)
        return x->won > y->won ? -1 : 1;
    if (x->seats != y->seats)
        return x->seats < y->seats ? -1 : 1;
    return (x->mask > y->mask) - (x->mask < y->mask);
}

/* Minimal winning coalitions of the actors: subsets with >= majority seats from which no member
 * can leave without losing the majority. */
static int coalitions(struct ep_win *w, struct ep_landscape *o, struct ep_error *err)
{
    const struct ep_matrix *m = w->m;
    int act[EP_MATRIX_MAX_GROUPS], na = 0;
    for (int g = 0; g < m->n_grp; g++)
        if (o->seats[g] > 0 && strcmp(m->grp_code[g], "NI") != 0)
            act[na++] = g;
    o->actors = na;
    if (na > 16)
        return ep_error_set(err, EP_ELIMIT,
                            "majority arithmetic: %d groups hold seats; at most 16 are enumerated",
                            na);
    o->coal = calloc(EP_LAND_MAX_COAL, sizeof *o->coal);
    if (!o->coal)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    for (uint32_t s = 1; s < (1u << na); s++) {
        int sum = 0, minimal = 1;
        for (int k = 0; k < na; k++)
            if (s & (1u << k))
                sum += o->seats[act[k]];
        if (sum < o->majority)
            continue;
        for (int k = 0; k < na && minimal; k++)
            if ((s & (1u << k)) && sum - o->seats[act[k]] >= o->majority)
                minimal = 0;
        if (!minimal)
            continue;
        o->coal_total++;
        if (o->n_coal == EP_LAND_MAX_COAL)
            continue;
        struct ep_land_coal *c = &o->coal[o->n_coal++];
        c->seats = sum;
        for (int k = 0; k < na; k++)
            if (s & (1u << k))
                c->mask |= 1u << act[k];
    }
    /* how often each won together */
    for (int v = 0; v < m->n_vote; v++) {
        if (w->F[v] == w->A[v])
            continue;
        o->decided++;
        int win = w->F[v] > w->A[v] ? EP_GPOS_FOR : EP_GPOS_AGAINST;
        const struct ep_stats_vg *vg = w->vs.vg + (size_t)v * (size_t)w->vs.n_grp;
        for (int q = 0; q < o->n_coal; q++) {
            struct ep_land_coal *c = &o->coal[q];
            int pos = -1, same = 1;
            for (int g = 0; g < m->n_grp && same; g++) {
                if (!(c->mask & (1u << g)))
                    continue;
                int gp = vg[g].pos;
                if (gp == EP_GPOS_TIE || gp == EP_GPOS_NONE || (pos >= 0 && gp != pos))
                    same = 0;
                pos = gp;
            }
            if (!same)
                continue;
            c->aligned++;
            c->won += pos == win;
        }
    }
    qsort(o->coal, (size_t)o->n_coal, sizeof *o->coal, by_wins);
    return 0;
}

int ep_landscape_compute(struct ep_win *w, const struct ep_landscape_params *p, struct ep_run *r,
                         struct ep_landscape *out, struct ep_error *err)
{
    ep_landscape_init(out);
    out->win = w;
    int rc = ep_run_stage(r, "seats and fragmentation", err);
    if (!rc)
        rc = seats(w, p, out, err);
    if (!rc)
        rc = ep_run_stage(r, "majority arithmetic", err);
    if (!rc)
        rc = ep_win_need_vs(w, err);
    if (!rc)
        rc = ep_win_need_piv(w, err);
    if (!rc)
        rc = coalitions(w, out, err);
    if (!rc) {
        struct ep_network_params np = {p->min_common, EP_GRAPH_LOUVAIN, 0};
        rc = ep_network_compute(w, &np, r, &out->net, err);
    }
    if (rc)
        ep_landscape_free(out);
    return rc;
}
