/* ep_policy_area: see ep_policy_area.h. */
#include "ep_policy_area.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_graph.h"
#include "ep_query_topics.h"
#include "ep_stats.h"
#include "ep_util.h"

int ep_policy_area_overall(struct ep_win *all, struct ep_pa_overall *out, struct ep_error *err)
{
    memset(out, 0, sizeof *out);
    int rc = ep_win_need_gs(all, err);
    if (rc)
        return rc;
    const struct ep_matrix *m = all->m;
    out->n_grp = m->n_grp;
    out->votes = m->n_vote;
    for (int g = 0; g < m->n_grp; g++)
        snprintf(out->code[g], sizeof out->code[g], "%s", m->grp_code[g]);
    for (int a = 0; a < m->n_grp; a++)
        for (int b = 0; b < m->n_grp; b++) {
            size_t k = (size_t)a * (size_t)m->n_grp + (size_t)b;
            out->ok[a * EP_MATRIX_MAX_GROUPS + b] = all->gs.pair_ok[k];
            out->share[a * EP_MATRIX_MAX_GROUPS + b] = all->gs.pair_share[k];
        }
    return EP_OK;
}

static int overall_index(const struct ep_pa_overall *all, const char *code)
{
    for (int g = 0; g < all->n_grp; g++)
        if (!strcmp(all->code[g], code))
            return g;
    return -1;
}

static int cmp_def(const void *x, const void *y)
{
    const struct ep_pa_defector *a = x, *b = y;
    if (a->rate != b->rate)
        return a->rate < b->rate ? 1 : -1;
    if (a->defections != b->defections)
        return b->defections - a->defections;
    return a->mep_id < b->mep_id ? -1 : a->mep_id > b->mep_id;
}

static int cmp_del(const void *x, const void *y)
{
    const struct ep_pa_delegation *a = x, *b = y;
    int ao = a->votes > 0, bo = b->votes > 0;
    if (ao != bo)
        return bo - ao; /* rated first */
    if (ao && a->rate != b->rate)
        return a->rate < b->rate ? 1 : -1;
    if (a->splits != b->splits)
        return b->splits - a->splits;
    return strcmp(a->country, b->country);
}

static int cmp_maj(const void *x, const void *y)
{
    const struct ep_pa_majority *a = x, *b = y;
    if (a->votes != b->votes)
        return b->votes - a->votes;
    return a->mask < b->mask ? -1 : a->mask > b->mask;
}

void ep_policy_area_free(struct ep_policy_area *r)
{
    if (!r)
        return;
    free(r->votes);
    free(r->pairs);
    free(r->def);
    free(r->del);
    free(r->maj);
    memset(r, 0, sizeof *r);
}

/* Per country of the window: members with a cast vote, votes with >= 2 cast, splits. */
static int delegations(struct ep_win *w, struct ep_policy_area *out, struct ep_error *err)
{
    const struct ep_matrix *m = w->m;
    int *cidx = malloc((size_t)m->n_mep * sizeof *cidx);
    struct ep_pa_delegation *del = calloc((size_t)m->n_mep + 1, sizeof *del);
    int32_t *cnt = NULL;
    if (!cidx || !del) {
        free(cidx);
        free(del);
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    int nc = 0;
    for (int i = 0; i < m->n_mep; i++) {
        cidx[i] = -1;
        if (!w->country[i][0])
            continue; /* no known country: in no delegation */
        int c;
        for (c = 0; c < nc; c++)
            if (!strcmp(del[c].country, w->country[i]))
                break;
        if (c == nc)
            snprintf(del[nc++].country, sizeof del[0].country, "%s", w->country[i]);
        cidx[i] = c;
    }
    cnt = calloc((size_t)(nc ? nc : 1) * 4, sizeof *cnt);
    uint8_t *voted = calloc((size_t)m->n_mep + 1, 1);
    if (!cnt || !voted) {
        free(cidx);
        free(del);
        free(cnt);
        free(voted);
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    for (int v = 0; v < m->n_vote; v++) {
        memset(cnt, 0, (size_t)nc * 4 * sizeof *cnt);
        const uint8_t *pos = m->pos + (size_t)v * (size_t)m->n_mep;
        for (int i = 0; i < m->n_mep; i++) {
            if (cidx[i] < 0 || pos[i] < EP_POS_FOR || pos[i] > EP_POS_ABSTENTION)
                continue;
            cnt[cidx[i] * 4 + pos[i]]++;
            voted[i] = 1;
        }
        for (int c = 0; c < nc; c++) {
            int32_t *k = cnt + c * 4;
            int cast = k[1] + k[2] + k[3], options = (k[1] > 0) + (k[2] > 0) + (k[3] > 0);
            if (cast >= 2) {
                del[c].votes++;
                del[c].splits += options >= 2;
            }
        }
    }
    for (int i = 0; i < m->n_mep; i++)
        if (cidx[i] >= 0 && voted[i])
            del[cidx[i]].members++;
    int kept = 0;
    for (int c = 0; c < nc; c++) {
        if (!del[c].members)
            continue;
        del[kept] = del[c];
        del[kept].rate = del[kept].votes > 0 ? (double)del[kept].splits / del[kept].votes : -1.0;
        kept++;
    }
    qsort(del, (size_t)kept, sizeof *del, cmp_del);
    out->del = del;
    out->n_del = kept;
    free(cidx);
    free(cnt);
    free(voted);
    return EP_OK;
}

int ep_policy_area_compute(struct ep_win *w, const struct ep_pa_overall *all,
                           const struct ep_pa_params *p, struct ep_policy_area *out,
                           struct ep_error *err)
{
    memset(out, 0, sizeof *out);
    int rc;
    if ((rc = ep_win_need_vs(w, err)) || (rc = ep_win_need_gs(w, err)) ||
        (rc = ep_win_need_mf(w, err)) || (rc = ep_win_need_names(w, err)))
        return rc;
    const struct ep_matrix *m = w->m;
    const int G = m->n_grp;
    out->n_vote = m->n_vote;
    out->n_grp = G;

    /* groups */
    for (int g = 0; g < G; g++) {
        struct ep_pa_group *o = &out->g[g];
        const struct ep_stats_group *s = &w->gs.g[g];
        snprintf(o->code, sizeof o->code, "%s", m->grp_code[g]);
        o->votes_cast = s->n_vote_cast;
        o->ai_ok = s->ai_ok;
        o->ai_mean = s->ai_mean;
        o->rice_ok = s->rice_ok;
        o->rice_mean = s->rice_mean;
        o->part_ok = s->part_ok;
        o->participation = s->participation;
        for (int v = 0; v < m->n_vote; v++) {
            int gp = w->vs.vg[(size_t)v * (size_t)G + (size_t)g].pos;
            if (gp >= 0 && gp <= EP_GPOS_TIE)
                o->pos[gp]++;
        }
    }

    /* votes: totals, each group's position, the first `limit` with titles */
    int limit = p->limit < out->n_vote ? p->limit : out->n_vote;
    out->votes = calloc((size_t)(limit ? limit : 1), sizeof *out->votes);
    struct ep_pa_majority *maj = calloc((size_t)m->n_vote + 1, sizeof *maj);
    if (!out->votes || !maj) {
        free(maj);
        ep_policy_area_free(out);
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    for (int v = 0; v < m->n_vote; v++) {
        int y = 0, n = 0, a = 0;
        for (int g = 0; g < G; g++) {
            const struct ep_stats_vg *x = &w->vs.vg[(size_t)v * (size_t)G + (size_t)g];
            y += x->y;
            n += x->n;
            a += x->a;
        }
        /* cast votes without a group count in the totals too */
        const uint8_t *pos = m->pos + (size_t)v * (size_t)m->n_mep;
        const uint8_t *grp = m->grp + (size_t)v * (size_t)m->n_mep;
        for (int i = 0; i < m->n_mep; i++)
            if (grp[i] == EP_GRP_NONE) {
                y += pos[i] == EP_POS_FOR;
                n += pos[i] == EP_POS_AGAINST;
                a += pos[i] == EP_POS_ABSTENTION;
            }
        if (v < limit) {
            struct ep_pa_vote *o = &out->votes[v];
            o->id = m->vote_id[v];
            ep_date_format(m->vote_day[v], o->date);
            o->y = y;
            o->n = n;
            o->a = a;
            for (int g = 0; g < G; g++)
                o->gpos[g] = w->vs.vg[(size_t)v * (size_t)G + (size_t)g].pos;
            if ((rc = ep_query_vote_brief(w->store, o->id, o->title, sizeof o->title, o->result,
                                          sizeof o->result, err))) {
                free(maj);
                ep_policy_area_free(out);
                return rc;
            }
            out->n_listed++;
        }
        if (y == n)
            continue; /* undecided between FOR and AGAINST */
        out->decided++;
        int win = y > n ? EP_GPOS_FOR : EP_GPOS_AGAINST;
        uint32_t mask = 0;
        for (int g = 0; g < G; g++)
            if (w->vs.vg[(size_t)v * (size_t)G + (size_t)g].pos == win)
                mask |= 1u << g;
        int k;
        for (k = 0; k < out->n_maj; k++)
            if (maj[k].mask == mask)
                break;
        if (k == out->n_maj)
            maj[out->n_maj++].mask = mask;
        maj[k].votes++;
    }
    qsort(maj, (size_t)out->n_maj, sizeof *maj, cmp_maj);
    out->maj = maj;

    /* pairs: area against overall */
    out->pairs = calloc((size_t)G * (size_t)G / 2 + 1, sizeof *out->pairs);
    if (!out->pairs) {
        ep_policy_area_free(out);
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    for (int a = 0; a < G; a++)
        for (int b = a + 1; b < G; b++) {
            struct ep_pa_pair *o = &out->pairs[out->n_pair++];
            size_t k = (size_t)a * (size_t)G + (size_t)b;
            o->a = a;
            o->b = b;
            o->common = w->gs.pair_common[k];
            o->area_ok = w->gs.pair_ok[k];
            o->area = o->area_ok ? w->gs.pair_share[k] : -1.0;
            int oa = overall_index(all, m->grp_code[a]), ob = overall_index(all, m->grp_code[b]);
            o->all_ok = oa >= 0 && ob >= 0 && all->ok[oa * EP_MATRIX_MAX_GROUPS + ob];
            o->all = o->all_ok ? all->share[oa * EP_MATRIX_MAX_GROUPS + ob] : -1.0;
        }

    /* defectors */
    out->def = calloc((size_t)m->n_mep + 1, sizeof *out->def);
    if (!out->def) {
        ep_policy_area_free(out);
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    int nd = 0;
    for (int i = 0; i < m->n_mep; i++) {
        const struct ep_stats_mepfig *f = &w->mf[i];
        if (!f->loy_ok || f->loy_den < p->min_votes || f->loy_den <= 0)
            continue;
        struct ep_pa_defector *d = &out->def[nd++];
        d->mep_id = m->mep_id[i];
        snprintf(d->name, sizeof d->name, "%s", w->name[i]);
        snprintf(d->country, sizeof d->country, "%s", w->country[i]);
        int g = ep_win_modal_group(w, i);
        snprintf(d->group, sizeof d->group, "%s", g >= 0 && g < G ? m->grp_code[g] : "");
        d->defections = f->n_defect;
        d->counted = f->loy_den;
        d->rate = (double)f->n_defect / f->loy_den;
    }
    qsort(out->def, (size_t)nd, sizeof *out->def, cmp_def);
    out->n_def_ranked = nd;
    out->n_def = nd < p->top ? nd : p->top;

    rc = delegations(w, out, err);
    if (rc)
        ep_policy_area_free(out);
    return rc;
}
