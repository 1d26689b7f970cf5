#include "ep_store_stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_positions.h"

void ep_store_stats_init(struct ep_store_stats *out)
{
    memset(out, 0, sizeof *out);
}

void ep_store_stats_free(struct ep_store_stats *out)
{
    if (!out)
        return;
    free(out->year);
    free(out->term);
    free(out->group);
    ep_store_stats_init(out);
}

/* The span of key in a[*n] (appended in key order; keys come ascending for years, and terms
 * are few), or NULL on ENOMEM. */
static struct ep_store_stats_span *span_of(struct ep_store_stats_span **a, int *n, int key)
{
    for (int k = 0; k < *n; k++)
        if ((*a)[k].key == key)
            return &(*a)[k];
    struct ep_store_stats_span *t = realloc(*a, (size_t)(*n + 1) * sizeof *t);
    if (!t)
        return NULL;
    *a = t;
    int k = *n;
    while (k > 0 && t[k - 1].key > key) {
        t[k] = t[k - 1];
        k--;
    }
    memset(&t[k], 0, sizeof t[k]);
    t[k].key = key;
    (*n)++;
    return &t[k];
}

static void span_add(struct ep_store_stats_span *s, const struct ep_query_sitting *d)
{
    if (!s->from[0] || strcmp(d->date, s->from) < 0)
        snprintf(s->from, sizeof s->from, "%s", d->date);
    if (strcmp(d->date, s->to) > 0)
        snprintf(s->to, sizeof s->to, "%s", d->date);
    s->votes += d->votes;
    s->votes_with_positions += d->with_positions;
    s->main_votes += d->main_votes;
    s->main_known += d->main_known;
    s->sittings++;
    s->sittings_with_positions += d->with_positions > 0;
}

static int spans(const struct ep_positions *ps, const struct ep_store_stats_params *p,
                 struct ep_store_stats *out, struct ep_error *err)
{
    for (int k = 0; k < ps->n_sittings; k++) {
        const struct ep_query_sitting *d = &ps->sittings[k];
        struct ep_store_stats_span *y = span_of(&out->year, &out->n_year,
                                              (int)strtol(d->date, NULL, 10));
        struct ep_store_stats_span *t =
            y ? span_of(&out->term, &out->n_term, p->term_of ? p->term_of(d->date) : 0) : NULL;
        if (!y || !t)
            return ep_error_set(err, EP_ENOMEM, "out of memory");
        span_add(y, d);
        span_add(t, d);
    }
    return 0;
}

static int groups(struct ep_env *env, const struct ep_positions *ps, struct ep_store_stats *out,
                  struct ep_error *err)
{
    struct ep_qs_group *g = NULL;
    int n = 0;
    int rc = ep_qs_groups(env->store, &g, &n, err);
    if (rc)
        return rc;
    out->group = calloc((size_t)(n > 0 ? n : 1), sizeof *out->group);
    if (!out->group) {
        free(g);
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    out->n_group = n;
    const struct ep_matrix *m = &ps->m;
    for (int k = 0; k < n; k++) {
        struct ep_store_stats_group *x = &out->group[k];
        x->g = g[k];
        int gi = -1;
        for (int j = 0; j < m->n_grp; j++)
            if (strcmp(m->grp_code[j], g[k].code) == 0)
                gi = j;
        if (gi < 0)
            continue;
        x->in_positions = 1;
        for (int v = 0; v < m->n_vote; v++) {
            const struct ep_positions_counts *c = &ps->counts[(size_t)v * (size_t)m->n_grp + gi];
            x->cast_for += c->y;
            x->cast_against += c->n;
            x->cast_abstention += c->a;
            x->did_not_vote += c->d;
            x->votes_present += c->y + c->n + c->a + c->d > 0;
        }
    }
    free(g);
    return 0;
}

int ep_store_stats_compute(struct ep_env *env, const struct ep_store_stats_params *p,
                           struct ep_store_stats *out, struct ep_error *err)
{
    ep_store_stats_init(out);
    if (!env || !env->store)
        return ep_error_set(err, EP_EINVAL, "no store is open");
    ep_qs_totals(env->store, &out->info);
    struct ep_positions *ps = NULL;
    int rc = ep_qs_records(env->store, &out->records, err);
    if (!rc)
        rc = ep_positions_acquire(&env->positions, env->store, &ps, err);
    if (!rc)
        rc = spans(ps, p, out, err);
    if (!rc)
        rc = groups(env, ps, out, err);
    if (!rc) {
        /* what ep_qs_totals leaves to the snapshot: the MEPs with a cast vote, the ranges */
        const struct ep_matrix *m = &ps->m;
        long voted = 0;
        for (int i = 0; i < m->n_mep; i++) {
            size_t o = (size_t)i * (size_t)m->n_words;
            int any = 0;
            for (int k = 0; k < m->n_words && !any; k++)
                any = (m->plane[0][o + k] | m->plane[1][o + k] | m->plane[2][o + k]) != 0;
            voted += any;
        }
        for (int k = 0; k < EP_STORE_INFO_COUNTS; k++)
            if (out->info.counts[k].label &&
                strcmp(out->info.counts[k].label, "meps_who_voted") == 0)
                out->info.counts[k].value = voted;
        if (ps->n_sittings > 0) {
            snprintf(out->info.votes_from, sizeof out->info.votes_from, "%s", ps->sittings[0].date);
            snprintf(out->info.votes_to, sizeof out->info.votes_to, "%s",
                     ps->sittings[ps->n_sittings - 1].date);
        }
        snprintf(out->info.positions_from, sizeof out->info.positions_from, "%s", ps->pos_from);
        snprintf(out->info.positions_to, sizeof out->info.positions_to, "%s", ps->pos_to);
        out->synthetic = ps->synthetic;
        long in = 0;
        for (int k = 0; k < out->n_year; k++)
            in += out->year[k].votes;
        long total = 0;
        for (int k = 0; k < EP_STORE_INFO_COUNTS; k++)
            if (out->info.counts[k].label && strcmp(out->info.counts[k].label, "votes") == 0)
                total = out->info.counts[k].value;
        out->votes_outside_sittings = total >= in ? total - in : 0;
    }
    ep_positions_release(ps);
    if (rc)
        ep_store_stats_free(out);
    return rc;
}
