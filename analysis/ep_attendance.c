/* ep_attendance: participation rankings, trends and drops. See ep_attendance.h. */
#include "ep_attendance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_model.h"
#include "ep_stats.h"

int ep_att_value(const struct ep_att_cell *c, double *x)
{
    if (c->eligible <= 0 || c->unknown > 0)
        return 0;
    *x = (double)c->cast / (double)c->eligible;
    return 1;
}

void ep_attendance_init(struct ep_attendance *out)
{
    memset(out, 0, sizeof *out);
}

void ep_attendance_free(struct ep_attendance *out)
{
    free(out->key);
    free(out->country);
    free(out->total);
    free(out->pt);
    free(out->parl);
    free(out->rank);
    free(out->drop);
    ep_attendance_init(out);
}

/* The entity of every MEP for by country (index into o->country), else -1 (MEP: itself). */
static void country_entities(struct ep_win *w, struct ep_attendance *o, int *ent)
{
    const struct ep_matrix *m = w->m;
    for (int i = 0; i < m->n_mep; i++) {
        if (!w->country[i][0]) {
            ent[i] = -1;
            continue;
        }
        int k = 0;
        while (k < o->n_entity && strcmp(o->country[k], w->country[i]) != 0)
            k++;
        if (k == o->n_entity) {
            snprintf(o->country[k], sizeof o->country[k], "%s", w->country[i]);
            o->key[k] = k;
            o->n_entity++;
        }
        ent[i] = k;
    }
}

static void add_cell(struct ep_att_cell *c, uint8_t pos)
{
    c->eligible++;
    c->cast += pos >= EP_POS_FOR && pos <= EP_POS_ABSTENTION;
}

static int tally(struct ep_win *w, struct ep_attendance *o, const int *ent, struct ep_error *err)
{
    const struct ep_matrix *m = w->m;
    const struct ep_stats_periods *per = &w->per[o->p.period];
    size_t np = (size_t)o->n_period;
    o->total = calloc((size_t)(o->n_entity > 0 ? o->n_entity : 1), sizeof *o->total);
    o->pt = calloc((size_t)(o->n_entity > 0 ? o->n_entity : 1) * np, sizeof *o->pt);
    o->parl = calloc(np > 0 ? np : 1, sizeof *o->parl);
    if (!o->total || !o->pt || !o->parl)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    size_t ne = (size_t)o->n_entity;
    for (int v = 0; v < m->n_vote; v++) {
        int k = per->period_of[v], unk = !m->dnv_known[v];
        const uint8_t *row = m->pos + (size_t)v * (size_t)m->n_mep;
        const uint8_t *grow = m->grp + (size_t)v * (size_t)m->n_mep;
        struct ep_att_cell *pk = o->pt + (size_t)k * ne; /* period-major: one row per vote */
        for (int i = 0; i < m->n_mep; i++) {
            if (row[i] == EP_POS_NONE)
                continue;
            add_cell(&o->parl[k], row[i]);
            int e = o->p.by == EP_ATT_BY_MEP     ? i
                    : o->p.by == EP_ATT_BY_GROUP ? (grow[i] < m->n_grp ? grow[i] : -1)
                                                 : ent[i];
            if (e >= 0)
                add_cell(&pk[e], row[i]);
        }
        o->parl[k].unknown += unk;
        /* a vote with an unknown did-not-vote list makes every entity's figure unknown */
        for (int e = 0; unk && e < o->n_entity; e++)
            pk[e].unknown++;
    }
    for (int k = 0; k < o->n_period; k++)
        for (size_t e = 0; e < ne; e++) {
            const struct ep_att_cell *c = &o->pt[(size_t)k * ne + e];
            o->total[e].cast += c->cast;
            o->total[e].eligible += c->eligible;
            o->total[e].unknown += c->unknown;
        }
    return 0;
}

static int by_part(const void *x, const void *y, void *ctx)
{
    const struct ep_att_cell *t = ctx, *a = &t[*(const int *)x], *b = &t[*(const int *)y];
    long long l = (long long)a->cast * b->eligible, r = (long long)b->cast * a->eligible;
    if (l != r)
        return l > r ? -1 : 1;
    if (a->eligible != b->eligible)
        return a->eligible > b->eligible ? -1 : 1;
    return (*(const int *)x > *(const int *)y) - (*(const int *)x < *(const int *)y);
}

static int by_drop(const void *x, const void *y)
{
    const struct ep_att_drop *a = x, *b = y;
    if (a->drop != b->drop)
        return a->drop > b->drop ? -1 : 1;
    return (a->entity > b->entity) - (a->entity < b->entity);
}

static int rank_and_drop(struct ep_attendance *o, struct ep_error *err)
{
    size_t ne = (size_t)o->n_entity;
    o->rank = malloc((ne > 0 ? ne : 1) * sizeof *o->rank);
    o->drop = malloc((ne > 0 ? ne : 1) * sizeof *o->drop);
    if (!o->rank || !o->drop)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    double x;
    for (int e = 0; e < o->n_entity; e++)
        if (ep_att_value(&o->total[e], &x))
            o->rank[o->n_rank++] = e;
    qsort_r(o->rank, (size_t)o->n_rank, sizeof *o->rank, by_part, o->total);
    o->drop_ok = o->n_period >= 2;
    if (!o->drop_ok)
        return 0;
    int half = (o->n_period + 1) / 2;
    for (int e = 0; e < o->n_entity; e++) {
        struct ep_att_drop d = {.entity = e};
        for (int k = 0; k < o->n_period; k++) {
            const struct ep_att_cell *c = &o->pt[(size_t)k * ne + (size_t)e];
            struct ep_att_cell *h = k < half ? &d.first : &d.second;
            h->cast += c->cast;
            h->eligible += c->eligible;
            h->unknown += c->unknown;
        }
        if (d.first.eligible < o->p.min_eligible || d.second.eligible < o->p.min_eligible ||
            !ep_att_value(&d.first, &d.before) || !ep_att_value(&d.second, &d.after))
            continue;
        d.drop = d.before - d.after;
        if (d.drop >= o->p.drop_min && d.drop > 0)
            o->drop[o->n_drop++] = d;
    }
    qsort(o->drop, (size_t)o->n_drop, sizeof *o->drop, by_drop);
    return 0;
}

int ep_attendance_compute(struct ep_win *w, const struct ep_att_params *p, struct ep_run *r,
                          struct ep_attendance *out, struct ep_error *err)
{
    ep_attendance_init(out);
    out->win = w;
    out->p = *p;
    const struct ep_matrix *m = w->m;
    int rc = ep_run_stage(r, "participation per period", err);
    if (!rc)
        rc = ep_win_need_per(w, p->period, err);
    if (!rc)
        rc = ep_win_need_names(w, err);
    int *ent = NULL;
    if (!rc) {
        out->n_period = w->per[p->period].n;
        size_t n = (size_t)(m->n_mep > EP_MATRIX_MAX_GROUPS ? m->n_mep : EP_MATRIX_MAX_GROUPS);
        out->key = calloc(n, sizeof *out->key);
        out->country = calloc(n, sizeof *out->country);
        ent = calloc(n, sizeof *ent);
        if (!out->key || !out->country || !ent)
            rc = ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    if (!rc) {
        if (p->by == EP_ATT_BY_COUNTRY) {
            country_entities(w, out, ent);
        } else {
            out->n_entity = p->by == EP_ATT_BY_MEP ? m->n_mep : m->n_grp;
            for (int e = 0; e < out->n_entity; e++)
                out->key[e] = e;
        }
        rc = tally(w, out, ent, err);
    }
    free(ent);
    if (!rc)
        rc = ep_run_stage(r, "rankings and drops", err);
    if (!rc)
        rc = rank_and_drop(out, err);
    if (!rc && !out->drop_ok)
        ep_run_too_short(r, p->period == EP_PERIOD_MONTH ? "months" : "sittings", out->n_period, 2,
                         "who dropped (participation in the first and the second half)");
    if (rc)
        ep_attendance_free(out);
    return rc;
}
