/* ep_comparative: MEPs compared on their votes. See ep_comparative.h. */
#include "ep_comparative.h"

#include <stdlib.h>
#include <string.h>

#include "ep_model.h"

void ep_cmp_agree(const struct ep_matrix *m, int i, int j, int *same, int *both)
{
    const uint64_t *f = m->plane[0], *a = m->plane[1], *b = m->plane[2];
    size_t oi = (size_t)i * (size_t)m->n_words, oj = (size_t)j * (size_t)m->n_words;
    long s = 0, c = 0;
    for (int k = 0; k < m->n_words; k++) {
        uint64_t fi = f[oi + k], ai = a[oi + k], bi = b[oi + k];
        uint64_t fj = f[oj + k], aj = a[oj + k], bj = b[oj + k];
        s += __builtin_popcountll((fi & fj) | (ai & aj) | (bi & bj));
        c += __builtin_popcountll((fi | ai | bi) & (fj | aj | bj));
    }
    *same = (int)s;
    *both = (int)c;
}

int ep_cmp_modal_groups(const struct ep_matrix *m, int *out, struct ep_error *err)
{
    size_t n = (size_t)(m->n_mep > 0 ? m->n_mep : 1), ng = (size_t)(m->n_grp > 0 ? m->n_grp : 1);
    int32_t *cnt = calloc(n * ng, sizeof *cnt), *last = calloc(n * ng, sizeof *last);
    if (!cnt || !last) {
        free(cnt);
        free(last);
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    for (int v = 0; v < m->n_vote; v++) {
        const uint8_t *row = m->pos + (size_t)v * (size_t)m->n_mep;
        const uint8_t *grow = m->grp + (size_t)v * (size_t)m->n_mep;
        for (int i = 0; i < m->n_mep; i++) {
            if (row[i] == EP_POS_NONE || grow[i] >= m->n_grp)
                continue;
            size_t c = (size_t)i * ng + grow[i];
            cnt[c]++;
            last[c] = v;
        }
    }
    for (int i = 0; i < m->n_mep; i++) {
        const int32_t *ci = cnt + (size_t)i * ng, *li = last + (size_t)i * ng;
        int best = EP_GRP_NONE;
        for (int g = 0; g < m->n_grp; g++)
            if (ci[g] > 0 && (best == EP_GRP_NONE || ci[g] > ci[best] ||
                              (ci[g] == ci[best] && li[g] > li[best])))
                best = g;
        out[i] = best;
    }
    free(cnt);
    free(last);
    return 0;
}

void ep_comparative_init(struct ep_comparative *out)
{
    memset(out, 0, sizeof *out);
}

void ep_comparative_free(struct ep_comparative *out)
{
    free(out->pair);
    free(out->differ_all);
    free(out->like);
    ep_comparative_init(out);
}

/* Cast and eligible votes of MEP i (eligible: pos != NONE). */
static void cast_eligible(const struct ep_matrix *m, int i, int *cast, int *eligible)
{
    int c = 0, e = 0;
    for (int v = 0; v < m->n_vote; v++) {
        uint8_t x = m->pos[(size_t)v * (size_t)m->n_mep + (size_t)i];
        e += x != EP_POS_NONE;
        c += x == EP_POS_FOR || x == EP_POS_AGAINST || x == EP_POS_ABSTENTION;
    }
    *cast = c;
    *eligible = e;
}

/* The votes both MEPs cast with different options, ascending (up to max kept, into dv). */
static void differing(const struct ep_matrix *m, struct ep_cmp_pair *pr, int i, int j, int max,
                      int *dv)
{
    pr->n_differ = pr->both - pr->same;
    int keep = pr->n_differ < max ? pr->n_differ : max;
    if (keep <= 0)
        return;
    pr->differ = dv;
    const uint64_t *f = m->plane[0], *a = m->plane[1], *b = m->plane[2];
    size_t oi = (size_t)i * (size_t)m->n_words, oj = (size_t)j * (size_t)m->n_words;
    for (int k = 0; k < m->n_words && pr->n_kept < keep; k++) {
        uint64_t ci = f[oi + k] | a[oi + k] | b[oi + k], cj = f[oj + k] | a[oj + k] | b[oj + k];
        uint64_t same = (f[oi + k] & f[oj + k]) | (a[oi + k] & a[oj + k]) | (b[oi + k] & b[oj + k]);
        uint64_t d = ci & cj & ~same;
        while (d && pr->n_kept < keep) {
            dv[pr->n_kept++] = k * 64 + __builtin_ctzll(d);
            d &= d - 1;
        }
    }
}

static int by_agreement(const void *x, const void *y)
{
    const struct ep_cmp_like *a = x, *b = y;
    /* agreement desc (compared exactly as fractions), then more common votes, then lower index */
    long long l = (long long)a->same * b->both, r = (long long)b->same * a->both;
    if (l != r)
        return l > r ? -1 : 1;
    if (a->both != b->both)
        return a->both > b->both ? -1 : 1;
    return (a->mep > b->mep) - (a->mep < b->mep);
}

static int most_like(struct ep_win *w, struct ep_comparative *o, struct ep_error *err)
{
    const struct ep_matrix *m = w->m;
    int x = o->p.like, dummy;
    cast_eligible(m, x, &o->like_cast, &dummy);
    struct ep_cmp_like *all = malloc((size_t)(m->n_mep > 0 ? m->n_mep : 1) * sizeof *all);
    if (!all)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    int n = 0;
    for (int j = 0; j < m->n_mep; j++) {
        if (j == x)
            continue;
        int same, both;
        ep_cmp_agree(m, x, j, &same, &both);
        if (both < o->p.min_common || both == 0)
            continue;
        all[n++] = (struct ep_cmp_like){j, both, same, (double)same / both};
    }
    qsort(all, (size_t)n, sizeof *all, by_agreement);
    o->like_candidates = n;
    o->n_like = n < o->p.top ? n : o->p.top;
    o->like = all;
    return 0;
}

int ep_comparative_compute(struct ep_win *w, const struct ep_cmp_params *p, struct ep_run *r,
                           struct ep_comparative *out, struct ep_error *err)
{
    ep_comparative_init(out);
    out->win = w;
    out->p = *p;
    const struct ep_matrix *m = w->m;
    int rc = ep_run_stage(r, "pairwise agreement", err);
    if (rc)
        return rc;
    int n = p->n_mep;
    if (n >= 2) {
        size_t np = (size_t)(n * (n - 1) / 2),
               slots = (size_t)(p->max_differ > 0 ? p->max_differ : 1);
        out->pair = calloc(np, sizeof *out->pair);
        out->differ_all = malloc(np * slots * sizeof *out->differ_all);
        if (!out->pair || !out->differ_all) {
            ep_comparative_free(out);
            return ep_error_set(err, EP_ENOMEM, "out of memory");
        }
    }
    for (int a = 0; a < n; a++)
        cast_eligible(m, p->mep[a], &out->cast[a], &out->eligible[a]);
    for (int a = 0; a < n; a++)
        for (int b = a + 1; b < n; b++) {
            struct ep_cmp_pair *pr = &out->pair[out->n_pair++];
            pr->a = a;
            pr->b = b;
            ep_cmp_agree(m, p->mep[a], p->mep[b], &pr->same, &pr->both);
            pr->ok = pr->both > 0;
            pr->agreement = pr->ok ? (double)pr->same / pr->both : -1.0;
            size_t slots = (size_t)(p->max_differ > 0 ? p->max_differ : 1);
            differing(m, pr, p->mep[a], p->mep[b], p->max_differ,
                      out->differ_all + (size_t)(out->n_pair - 1) * slots);
        }
    if ((rc = ep_run_stage(r, "most similar MEPs", err))) {
        ep_comparative_free(out);
        return rc;
    }
    if (p->like >= 0) {
        if (m->n_vote < p->min_common)
            ep_run_too_short(r, "votes", m->n_vote, p->min_common, "%s",
                             p->like_measure ? p->like_measure
                                             : "most similar MEPs (common votes per candidate)");
        if ((rc = most_like(w, out, err))) {
            ep_comparative_free(out);
            return rc;
        }
    }
    return 0;
}
