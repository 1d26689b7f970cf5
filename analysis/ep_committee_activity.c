/* ep_committee_activity: see ep_committee_activity.h. */
#include "ep_committee_activity.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_stats.h"
#include "ep_util.h"

void ep_committee_activity_free(struct ep_committee_activity *r)
{
    if (!r)
        return;
    for (int k = 0; r->c && k < r->n; k++) {
        free(r->c[k].members);
        free(r->c[k].seats);
    }
    free(r->c);
    free(r->idle);
    memset(r, 0, sizeof *r);
}

struct vidx {
    int64_t id;
    int v;
};

static int cmp_vidx(const void *x, const void *y)
{
    const struct vidx *a = x, *b = y;
    return a->id < b->id ? -1 : a->id > b->id;
}

static int find_vote(const struct vidx *ix, int n, int64_t id)
{
    int lo = 0, hi = n - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (ix[mid].id == id)
            return ix[mid].v;
        if (ix[mid].id < id)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

/* Group cohesion of committee c over its votes (ids[n]) in the window's matrix. */
static void cohesion(struct ep_win *w, const struct vidx *ix, const int64_t *ids, int n,
                     struct ep_ca_committee *c)
{
    const struct ep_matrix *m = w->m;
    const int G = m->n_grp;
    double ai[EP_MATRIX_MAX_GROUPS] = {0}, rice[EP_MATRIX_MAX_GROUPS] = {0};
    c->n_grp = G;
    for (int g = 0; g < G; g++)
        snprintf(c->g[g].code, sizeof c->g[g].code, "%s", m->grp_code[g]);
    for (int k = 0; k < n; k++) {
        int v = find_vote(ix, m->n_vote, ids[k]);
        if (v < 0)
            continue; /* outside the window's matrix */
        c->cohesion_votes++;
        for (int g = 0; g < G; g++) {
            const struct ep_stats_vg *x = &w->vs.vg[(size_t)v * (size_t)G + (size_t)g];
            if (x->ai_ok) {
                c->g[g].votes++;
                ai[g] += x->ai;
            }
            if (x->rice_ok) {
                c->g[g].rice_votes++;
                rice[g] += x->rice;
            }
        }
    }
    for (int g = 0; g < G; g++) {
        struct ep_ca_group *o = &c->g[g];
        o->ai_ok = o->votes > 0;
        o->ai_mean = o->ai_ok ? ai[g] / o->votes : -1.0;
        o->rice_ok = o->rice_votes > 0;
        o->rice_mean = o->rice_ok ? rice[g] / o->rice_votes : -1.0;
    }
}

/* Seats by group of c's roster: distinct MEPs per group, apart those with SUBSTITUTE rows only
 * (the rows are sorted by role, so a member's first row decides). */
static int seats(struct ep_ca_committee *c, struct ep_error *err)
{
    struct ep_ca_seats *t = calloc((size_t)(c->n_members ? c->n_members : 1), sizeof *t);
    if (!t)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    int nt = 0;
    for (int k = 0; k < c->n_members; k++) {
        const struct ep_cmember *r = &c->members[k];
        int seen = 0;
        for (int j = 0; j < k && !seen; j++)
            seen = c->members[j].member_id == r->member_id &&
                   strcmp(c->members[j].group, r->group) == 0;
        if (seen)
            continue;
        int g = 0;
        while (g < nt && strcmp(t[g].group, r->group) != 0)
            g++;
        if (g == nt)
            snprintf(t[nt++].group, sizeof t[0].group, "%s", r->group);
        if (strcmp(r->role, "SUBSTITUTE") == 0)
            t[g].substitutes++;
        else
            t[g].seats++;
    }
    c->seats = t;
    c->n_seats = nt;
    return EP_OK;
}

static int cmp_seats(const void *x, const void *y)
{
    const struct ep_ca_seats *a = x, *b = y;
    if (a->seats != b->seats)
        return b->seats - a->seats;
    return strcmp(a->group, b->group);
}

/* Participation of c's roster MEPs and of the others on c's votes (ids[n]) in the matrix. */
static int participation(const struct ep_win *w, const struct vidx *ix, const int64_t *ids, int n,
                         struct ep_ca_committee *c, struct ep_error *err)
{
    const struct ep_matrix *m = w->m;
    unsigned char *in = calloc((size_t)(m->n_mep ? m->n_mep : 1), 1);
    int *mi = malloc((size_t)(c->n_members ? c->n_members : 1) * sizeof *mi);
    int *d0 = malloc((size_t)(c->n_members ? c->n_members : 1) * 2 * sizeof *d0);
    if (!in || !mi || !d0) {
        free(in);
        free(mi);
        free(d0);
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    for (int r = 0; r < c->n_members; r++) {
        mi[r] = ep_matrix_mep_index(m, c->members[r].member_id);
        d0[2 * r] = ep_date_days(c->members[r].start);
        d0[2 * r + 1] = c->members[r].end[0] ? ep_date_days(c->members[r].end) : INT32_MAX;
    }
    for (int k = 0; k < n; k++) {
        int v = find_vote(ix, m->n_vote, ids[k]);
        if (v < 0)
            continue;
        c->part_votes++;
        int day = m->vote_day[v];
        for (int r = 0; r < c->n_members; r++)
            if (mi[r] >= 0 && d0[2 * r] <= day && day <= d0[2 * r + 1])
                in[mi[r]] = 1;
        const uint8_t *pos = m->pos + (size_t)v * (size_t)m->n_mep;
        for (int i = 0; i < m->n_mep; i++) {
            if (pos[i] < 1 || pos[i] > 4)
                continue;
            struct ep_ca_part *p = in[i] ? &c->roster : &c->others;
            p->entitled++;
            p->cast += pos[i] <= 3;
        }
        for (int r = 0; r < c->n_members; r++)
            if (mi[r] >= 0)
                in[mi[r]] = 0;
    }
    free(in);
    free(mi);
    free(d0);
    return EP_OK;
}

/* The committees with a roster in the dates and no vote in them (known committees only). */
static int idle_rosters(struct ep_store *s, const char *code, const char *from, const char *to,
                        struct ep_committee_activity *out, struct ep_error *err)
{
    struct ep_cmember *rows = NULL;
    int n = 0;
    int rc = ep_query_committee_members(s, code, 0, from, to, &rows, &n, err);
    if (rc)
        return rc;
    out->idle = calloc((size_t)(n ? n : 1), sizeof *out->idle);
    if (!out->idle) {
        free(rows);
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    for (int k = 0; k < n; k++) {
        const struct ep_cmember *r = &rows[k];
        if (!r->known)
            continue;
        int listed = 0;
        for (int j = 0; j < out->n && !listed; j++)
            listed = strcmp(out->c[j].q.code, r->committee) == 0;
        if (listed)
            continue;
        struct ep_ca_idle *x = out->n_idle ? &out->idle[out->n_idle - 1] : NULL;
        if (!x || strcmp(x->code, r->committee) != 0) {
            x = &out->idle[out->n_idle++];
            snprintf(x->code, sizeof x->code, "%s", r->committee);
        }
        int seen = 0;
        for (int j = 0; j < k && !seen; j++)
            seen =
                strcmp(rows[j].committee, r->committee) == 0 && rows[j].member_id == r->member_id;
        x->members += !seen;
    }
    free(rows);
    return EP_OK;
}

/* Committee c's roster, seats and participation (the store holds memberships). */
static int roster(struct ep_store *s, const struct ep_win *w, const struct vidx *ix,
                  const int64_t *ids, int n, const char *from, const char *to,
                  struct ep_ca_committee *c, struct ep_error *err)
{
    int rc = ep_query_committee_members(s, c->q.code, 0, from, to, &c->members, &c->n_members, err);
    if (!rc && c->n_members > 0)
        rc = seats(c, err);
    if (!rc && c->n_seats > 1)
        qsort(c->seats, (size_t)c->n_seats, sizeof *c->seats, cmp_seats);
    if (!rc && w && n > 0 && c->n_members > 0)
        rc = participation(w, ix, ids, n, c, err);
    return rc;
}

int ep_committee_activity_compute(struct ep_store *s, struct ep_win *w, const char *code,
                                  const char *from, const char *to,
                                  struct ep_committee_activity *out, struct ep_error *err)
{
    memset(out, 0, sizeof *out);
    struct ep_committee_votes *rows = NULL;
    int n = 0;
    int rc = ep_query_committee_votes(s, code, from, to, &rows, &n, err);
    if (rc)
        return rc;
    out->c = calloc((size_t)(n ? n : 1), sizeof *out->c);
    struct vidx *ix = NULL;
    if (!out->c) {
        free(rows);
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    out->n = n;
    if (w) {
        if ((rc = ep_win_need_vs(w, err)))
            goto out;
        ix = malloc((size_t)(w->m->n_vote ? w->m->n_vote : 1) * sizeof *ix);
        if (!ix) {
            rc = ep_error_set(err, EP_ENOMEM, "out of memory");
            goto out;
        }
        for (int v = 0; v < w->m->n_vote; v++)
            ix[v] = (struct vidx){w->m->vote_id[v], v};
        qsort(ix, (size_t)w->m->n_vote, sizeof *ix, cmp_vidx);
    }
    if ((rc = ep_query_committee_membership_count(s, &out->memberships, &out->memberships_unknown,
                                                  err)))
        goto out;
    for (int k = 0; k < n && !rc; k++) {
        struct ep_ca_committee *c = &out->c[k];
        c->q = rows[k];
        c->span_days =
            c->q.first[0] && c->q.last[0] ? ep_date_days(c->q.last) - ep_date_days(c->q.first) : -1;
        int64_t *ids = NULL;
        int nids = 0;
        if (w && c->q.votes_pos > 0 &&
            !(rc = ep_query_committee_vote_ids(s, c->q.code, from, to, &ids, &nids, err)))
            cohesion(w, ix, ids, nids, c);
        if (!rc && out->memberships > 0)
            rc = roster(s, w, ix, ids, nids, from, to, c, err);
        free(ids);
    }
    if (!rc && out->memberships > 0)
        rc = idle_rosters(s, code, from, to, out, err);
out:
    free(ix);
    free(rows);
    if (rc)
        ep_committee_activity_free(out);
    return rc;
}
