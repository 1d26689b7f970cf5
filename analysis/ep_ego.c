/* ep_ego: an MEP's ego network. See ep_ego.h. */
#include "ep_ego.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_graph.h"

void ep_ego_init(struct ep_ego *out)
{
    memset(out, 0, sizeof *out);
    ep_comparative_init(&out->cmp);
    out->node = -1;
}

void ep_ego_free(struct ep_ego *out)
{
    ep_comparative_free(&out->cmp);
    free(out->cty);
    free(out->by_cty);
    ep_ego_init(out);
}

static int by_ties(const void *a, const void *b)
{
    const struct ep_ego_count *x = a, *y = b;
    if (x->ties != y->ties)
        return x->ties > y->ties ? -1 : 1;
    return (x->key > y->key) - (x->key < y->key);
}

static void count(struct ep_ego_count *c, int *n, int key, double w)
{
    int k = 0;
    while (k < *n && c[k].key != key)
        k++;
    if (k == *n)
        c[(*n)++] = (struct ep_ego_count){key, 0, 0};
    c[k].ties++;
    c[k].wsum += w;
}

static int composition(struct ep_win *w, struct ep_ego *o, struct ep_error *err)
{
    const struct ep_comparative *c = &o->cmp;
    int n = c->like_candidates;
    o->cty = calloc((size_t)(n > 0 ? n : 1), sizeof *o->cty);
    o->by_cty = calloc((size_t)(n > 0 ? n : 1), sizeof *o->by_cty);
    if (!o->cty || !o->by_cty)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    int n_by_cty = 0;
    for (int q = 0; q < n; q++) {
        const struct ep_cmp_like *t = &c->like[q];
        int g = ep_win_modal_group(w, t->mep);
        int gk = g < w->m->n_grp ? g : -1;
        count(o->by_grp, &o->n_by_grp, gk, t->agreement);
        const char *cc = w->country[t->mep];
        int k = 0;
        while (k < o->n_cty && strcmp(o->cty[k], cc) != 0)
            k++;
        if (k == o->n_cty)
            snprintf(o->cty[o->n_cty++], sizeof o->cty[0], "%s", cc);
        count(o->by_cty, &n_by_cty, k, t->agreement); /* same order: by_cty[k].key == k */
        if (gk != o->grp) {
            o->cross++;
            o->cross_w += t->agreement;
            if (o->n_cross_top < EP_EGO_CROSS_TOP)
                o->cross_top[o->n_cross_top++] = q;
        }
    }
    qsort(o->by_grp, (size_t)o->n_by_grp, sizeof o->by_grp[0], by_ties);
    qsort(o->by_cty, (size_t)o->n_cty, sizeof o->by_cty[0], by_ties);
    return 0;
}

int ep_ego_compute(struct ep_win *w, const struct ep_ego_params *p, struct ep_run *r,
                   struct ep_ego *out, struct ep_error *err)
{
    ep_ego_init(out);
    out->win = w;
    out->p = *p;
    struct ep_graph_hooks h = ep_run_graph_hooks(r);
    int rc = ep_run_stage(r, "co-voting network", err);
    if (!rc)
        rc = ep_win_need_graph(w, p->min_common, EP_GRAPH_LOUVAIN, 0, &h, err);
    if (!rc)
        rc = ep_win_need_names(w, err);
    if (rc)
        return rc;
    out->node = w->node_of[p->mep];
    if (out->node < 0)
        return ep_error_set(err, EP_EUNAVAIL,
                            "argument \"mep_id\": MEP %lld cast no vote in the window (%d votes): "
                            "they have no place in its co-voting network",
                            (long long)w->m->mep_id[p->mep], w->m->n_vote);
    int g = ep_win_modal_group(w, p->mep);
    out->grp = g < w->m->n_grp ? g : -1;
    struct ep_cmp_params cp = {0};
    cp.like = p->mep;
    cp.top = p->k;
    cp.min_common = p->min_common;
    cp.like_measure = "ties (co-voting network edges: common votes)";
    if ((rc = ep_run_stage(r, "ties", err)) ||
        (rc = ep_comparative_compute(w, &cp, r, &out->cmp, err)))
        return rc;
    if ((rc = ep_run_stage(r, "composition", err)) || (rc = composition(w, out, err)))
        ep_ego_free(out);
    return rc;
}

/* ---- committee co-membership ---------------------------------------------------------------- */

void ep_ego_committees_free(struct ep_ego_committees *out)
{
    free(out->own);
    free(out->peers);
    free(out->top_peer);
    memset(out, 0, sizeof *out);
}

/* The overlap of two memberships and the window, in days: 1 when it holds a day. */
static int overlaps(const struct ep_cmember *a, const struct ep_cmember *b, int32_t w0, int32_t w1)
{
    int32_t s = w0, e = w1;
    int32_t d[4] = {ep_date_days(a->start), ep_date_days(b->start),
                    a->end[0] ? ep_date_days(a->end) : INT32_MAX,
                    b->end[0] ? ep_date_days(b->end) : INT32_MAX};
    s = d[0] > s ? d[0] : s;
    s = d[1] > s ? d[1] : s;
    e = d[2] < e ? d[2] : e;
    e = d[3] < e ? d[3] : e;
    return s <= e;
}

static int cmp_peers(const void *x, const void *y)
{
    const struct ep_ego_peer *a = x, *b = y;
    if (a->n_shared != b->n_shared)
        return b->n_shared - a->n_shared;
    /* ties by index in cmp.like: the strongest tie first (the list is ranked), no tie last */
    int ta = a->tie < 0 ? INT32_MAX : a->tie, tb = b->tie < 0 ? INT32_MAX : b->tie;
    if (ta != tb)
        return ta < tb ? -1 : 1;
    return (a->member_id > b->member_id) - (a->member_id < b->member_id);
}

/* Add peer row r (sharing committee code) to out->peers. */
static void add_peer(struct ep_ego_committees *out, const struct ep_cmember *r)
{
    int p = 0;
    while (p < out->n_peers && out->peers[p].member_id != r->member_id)
        p++;
    struct ep_ego_peer *x = &out->peers[p];
    if (p == out->n_peers) {
        out->n_peers++;
        x->member_id = r->member_id;
        snprintf(x->name, sizeof x->name, "%s", r->name);
        snprintf(x->group, sizeof x->group, "%s", r->group);
        x->tie = -1;
    }
    for (int k = 0; k < x->n_shared && k < EP_EGO_MAX_SHARED; k++)
        if (strcmp(x->shared[k], r->committee) == 0)
            return;
    if (x->n_shared < EP_EGO_MAX_SHARED)
        snprintf(x->shared[x->n_shared], sizeof x->shared[0], "%s", r->committee);
    x->n_shared++;
}

int ep_ego_committees_compute(const struct ep_ego *ego, struct ep_ego_committees *out,
                              struct ep_error *err)
{
    memset(out, 0, sizeof *out);
    const struct ep_matrix *m = ego->win->m;
    struct ep_store *s = ego->win->store;
    int rc = ep_query_committee_membership_count(s, &out->memberships, NULL, err);
    if (rc || out->memberships == 0 || m->n_vote == 0)
        return rc;
    int32_t w0 = m->vote_day[0], w1 = m->vote_day[0];
    for (int v = 1; v < m->n_vote; v++) {
        w0 = m->vote_day[v] < w0 ? m->vote_day[v] : w0;
        w1 = m->vote_day[v] > w1 ? m->vote_day[v] : w1;
    }
    ep_date_format(w0, out->from);
    ep_date_format(w1, out->to);
    int64_t id = m->mep_id[ego->p.mep];
    if ((rc = ep_query_committee_members(s, NULL, id, out->from, out->to, &out->own, &out->n_own,
                                         err)))
        return rc;
    out->top_peer = malloc((size_t)(ego->cmp.n_like ? ego->cmp.n_like : 1) * sizeof(int));
    if (!out->top_peer)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    for (int q = 0; q < ego->cmp.n_like; q++)
        out->top_peer[q] = -1;
    for (int c = 0; c < out->n_own && !rc; c++) {
        const struct ep_cmember *e = &out->own[c];
        int seen = 0; /* the ego's second membership of a committee: its members are listed */
        for (int j = 0; j < c && !seen; j++)
            seen = strcmp(out->own[j].committee, e->committee) == 0;
        if (seen)
            continue;
        struct ep_cmember *rows = NULL;
        int n = 0;
        if ((rc = ep_query_committee_members(s, e->committee, 0, out->from, out->to, &rows, &n,
                                             err)))
            break;
        void *np = realloc(out->peers, (size_t)(out->n_peers + n + 1) * sizeof *out->peers);
        if (!np) {
            free(rows);
            return ep_error_set(err, EP_ENOMEM, "out of memory");
        }
        out->peers = np;
        memset(out->peers + out->n_peers, 0, (size_t)(n + 1) * sizeof *out->peers);
        for (int r = 0; r < n; r++) {
            if (rows[r].member_id == id)
                continue;
            int shared = 0;
            for (int j = 0; j < out->n_own && !shared; j++)
                shared = strcmp(out->own[j].committee, e->committee) == 0 &&
                         overlaps(&out->own[j], &rows[r], w0, w1);
            if (shared)
                add_peer(out, &rows[r]);
        }
        free(rows);
    }
    if (rc)
        return rc;
    for (int p = 0; p < out->n_peers; p++) {
        int i = ep_matrix_mep_index(m, out->peers[p].member_id);
        for (int q = 0; i >= 0 && q < ego->cmp.like_candidates; q++)
            if (ego->cmp.like[q].mep == i) {
                out->peers[p].tie = q;
                out->peers_in_network++;
                break;
            }
    }
    if (out->n_peers > 1)
        qsort(out->peers, (size_t)out->n_peers, sizeof *out->peers, cmp_peers);
    for (int p = 0; p < out->n_peers; p++)
        if (out->peers[p].tie >= 0 && out->peers[p].tie < ego->cmp.n_like)
            out->top_peer[out->peers[p].tie] = p;
    return EP_OK;
}
