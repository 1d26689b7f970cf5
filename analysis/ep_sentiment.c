#include "ep_sentiment.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <stdlib.h>

#include "ep_positions.h"
#include "ep_query_topics.h"
#include "ep_stats.h"
#include "ep_util.h"

const int ep_sentiment_days[EP_SENTIMENT_SPANS] = {30, 90, 365};

void ep_sentiment_init(struct ep_sentiment *out)
{
    memset(out, 0, sizeof *out);
}

void ep_sentiment_free(struct ep_sentiment *out)
{
    (void)out; /* nothing owned */
}

/* 1 when vote v of the snapshot is kept (keep NULL: every vote). */
static int kept(const uint64_t *keep, int v)
{
    return !keep || (keep[v / 64] >> (v % 64) & 1);
}

/* 1 when MEP i cast a vote in [v0, v1) of m (any bit of its three planes there) among the kept
 * votes (keep: a bitmap over m's votes, NULL = all). */
static int cast_in(const struct ep_matrix *m, const uint64_t *keep, int i, int v0, int v1)
{
    size_t o = (size_t)i * (size_t)m->n_words;
    for (int w = v0 / 64; w <= (v1 - 1) / 64; w++) {
        uint64_t bits = m->plane[0][o + (size_t)w] | m->plane[1][o + (size_t)w] |
                        m->plane[2][o + (size_t)w];
        if (w == v0 / 64)
            bits &= ~0ULL << (v0 % 64);
        if (w == (v1 - 1) / 64 && v1 % 64)
            bits &= ~0ULL >> (64 - v1 % 64);
        if (keep)
            bits &= keep[w];
        if (bits)
            return 1;
    }
    return 0;
}

/* Cohesion and polarisation of the snapshot's votes [v0, v1) into x, from the per-vote group
 * counts (the figures ep_stats_votes_compute and ep_stats_groups_compute give on a window of
 * those votes: AI and position of each group on each vote, seats on the last vote). */
static void span_figures(const struct ep_positions *ps, const uint64_t *keep, int v0, int v1,
                         struct ep_sentiment_span *x)
{
    const struct ep_matrix *m = &ps->m;
    int G = m->n_grp < EP_MATRIX_MAX_GROUPS ? m->n_grp : EP_MATRIX_MAX_GROUPS;
    double ai_sum[EP_MATRIX_MAX_GROUPS] = {0};
    int32_t agree[EP_MATRIX_MAX_GROUPS][EP_MATRIX_MAX_GROUPS],
        common[EP_MATRIX_MAX_GROUPS][EP_MATRIX_MAX_GROUPS];
    memset(agree, 0, sizeof agree);
    memset(common, 0, sizeof common);
    x->votes = 0;
    int vlast = v0;
    for (int v = v0; v < v1; v++) {
        if (!kept(keep, v))
            continue;
        x->votes++;
        vlast = v;
        const struct ep_positions_counts *c = &ps->counts[(size_t)v * (size_t)m->n_grp];
        int pos[EP_MATRIX_MAX_GROUPS];
        for (int g = 0; g < G; g++) {
            double ai;
            pos[g] = ep_stats_position(c[g].y, c[g].n, c[g].a);
            if (ep_stats_ai(c[g].y, c[g].n, c[g].a, &ai) == 0) {
                ai_sum[g] += ai;
                x->group[g].votes++;
            }
        }
        for (int a = 0; a < G; a++) {
            if (pos[a] == EP_GPOS_NONE || pos[a] == EP_GPOS_TIE)
                continue;
            for (int b = a + 1; b < G; b++) {
                if (pos[b] == EP_GPOS_NONE || pos[b] == EP_GPOS_TIE)
                    continue;
                common[a][b]++;
                agree[a][b] += pos[a] == pos[b];
            }
        }
    }
    const struct ep_positions_counts *last = &ps->counts[(size_t)vlast * (size_t)m->n_grp];
    double num = 0, den = 0;
    for (int g = 0; g < G; g++) {
        struct ep_sentiment_group *y = &x->group[x->n_group];
        int seats = last[g].y + last[g].n + last[g].a + last[g].d;
        if (!y->votes && !seats)
            continue; /* the group has no member in the span */
        snprintf(y->code, sizeof y->code, "%s", m->grp_code[g]);
        y->seats = seats;
        if ((y->ai_ok = y->votes > 0))
            y->ai = ai_sum[g] / y->votes;
        if (y->ai_ok && seats > 0) {
            num += seats * y->ai;
            den += seats;
        }
        x->n_group++;
    }
    if (den > 0) {
        x->coh_ok = 1;
        x->cohesion = num / den;
    }
    num = den = 0;
    for (int a = 0; a < G; a++)
        for (int b = a + 1; b < G; b++) {
            double wt = (double)(last[a].y + last[a].n + last[a].a + last[a].d) *
                        (last[b].y + last[b].n + last[b].a + last[b].d);
            if (!common[a][b] || wt <= 0)
                continue;
            num += wt * agree[a][b] / common[a][b];
            den += wt;
            x->pairs++;
        }
    if (den > 0) {
        x->pol_ok = 1;
        x->polarisation = 1 - num / den;
    }
    for (int i = 0; i < m->n_mep; i++)
        x->meps += cast_in(m, keep, i, v0, v1);
}

/* The bitmap over the snapshot's votes of those that carry the topic; *n_kept their number. */
static int topic_keep(struct ep_env *env, const struct ep_positions *ps, int kind,
                      const char *code, uint64_t **keep, int *n_kept, struct ep_error *err)
{
    int64_t *ids = NULL;
    int n = 0;
    int rc = ep_query_topic_vote_ids(env->store, kind, code, &ids, &n, err);
    if (rc)
        return rc;
    const struct ep_matrix *m = &ps->m;
    *keep = calloc((size_t)(m->n_vote + 63) / 64 + 1, sizeof **keep);
    if (!*keep) {
        free(ids);
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    *n_kept = 0;
    /* both id lists ascending: one merge */
    for (int k = 0, j = 0; k < n && j < m->n_vote;) {
        if (ps->vote_sorted[j] < ids[k]) {
            j++;
        } else if (ps->vote_sorted[j] > ids[k]) {
            k++;
        } else {
            int v = ps->vote_sorted_index[j];
            (*keep)[v / 64] |= 1ULL << (v % 64);
            (*n_kept)++;
            j++;
            k++;
        }
    }
    free(ids);
    return 0;
}

int ep_sentiment_compute(struct ep_env *env, const char *to, int topic_kind,
                         const char *topic_code, struct ep_run *r, struct ep_sentiment *out,
                         struct ep_error *err)
{
    ep_sentiment_init(out);
    if (!env || !env->store)
        return ep_error_set(err, EP_EINVAL, "no store is open");
    int rc = 0;
    if (to) {
        snprintf(out->to, sizeof out->to, "%s", to);
    } else {
        struct ep_positions_prov prov;
        if ((rc = ep_positions_provenance(&env->positions, env->store, &prov, err)))
            return rc;
        if (!prov.pos_to[0])
            return ep_error_set(err, EP_EUNAVAIL,
                                "the store holds no roll-call votes with per-MEP positions: "
                                "ingest roll-call XML or sync (epintel ingest, epintel sync)");
        snprintf(out->to, sizeof out->to, "%s", prov.pos_to);
    }
    struct ep_positions *ps = NULL;
    if ((rc = ep_positions_acquire(&env->positions, env->store, &ps, err)))
        return rc;
    uint64_t *keep = NULL;
    int n_kept = 0;
    if (topic_kind && (rc = topic_keep(env, ps, topic_kind, topic_code, &keep, &n_kept, err))) {
        ep_positions_release(ps);
        return rc;
    }
    out->topic_kind = topic_kind;
    if (topic_kind)
        snprintf(out->topic_code, sizeof out->topic_code, "%s", topic_code);
    out->topic_votes = n_kept;
    int32_t day = ep_date_days(out->to);
    for (int k = 0; k < EP_SENTIMENT_SPANS && !rc; k++) {
        struct ep_sentiment_span *x = &out->span[k];
        x->days = ep_sentiment_days[k];
        memcpy(x->to, out->to, sizeof x->to);
        ep_date_format(day - x->days + 1, x->from);
        char what[64];
        snprintf(what, sizeof what, "the last %d days", x->days);
        if ((rc = ep_run_stage(r, what, err)))
            break;
        /* the position days of the span: their votes are one run of the snapshot's matrix;
         * with a topic filter, the days with a kept vote */
        int d0 = -1, d1 = -1, days = 0;
        for (int d = 0; d < ps->n_days; d++)
            if (strcmp(ps->days[d].date, x->from) >= 0 && strcmp(ps->days[d].date, x->to) <= 0) {
                int any = !keep;
                for (int v = ps->days[d].first_vote;
                     !any && v < ps->days[d].first_vote + ps->days[d].n_votes; v++)
                    any = kept(keep, v);
                if (!any)
                    continue;
                if (d0 < 0)
                    d0 = d;
                d1 = d;
                days++;
            }
        if (d0 < 0) {
            char reason[sizeof x->reason];
            if (keep)
                snprintf(reason, sizeof reason,
                         "no roll-call vote with per-MEP positions carrying the %s %s from %s "
                         "to %s",
                         ep_topic_kind_what(topic_kind), out->topic_code, x->from, x->to);
            else
                snprintf(reason, sizeof reason,
                         "no roll-call vote with per-MEP positions from %s to %s", x->from,
                         x->to);
            memcpy(x->reason, reason, sizeof reason);
            continue;
        }
        x->available = 1;
        x->sittings = days;
        snprintf(x->first, sizeof x->first, "%s", ps->days[d0].date);
        snprintf(x->last, sizeof x->last, "%s", ps->days[d1].date);
        span_figures(ps, keep, ps->days[d0].first_vote, ps->days[d1].first_vote + ps->days[d1].n_votes,
                     x);
    }
    free(keep);
    ep_positions_release(ps);
    if (rc)
        return rc;
    const struct ep_sentiment_span *year = &out->span[EP_SENTIMENT_SPANS - 1];
    for (int k = 0; k < 2; k++) {
        const struct ep_sentiment_span *x = &out->span[k];
        if ((out->coh_shift_ok[k] = x->coh_ok && year->coh_ok))
            out->coh_shift[k] = x->cohesion - year->cohesion;
        if ((out->pol_shift_ok[k] = x->pol_ok && year->pol_ok))
            out->pol_shift[k] = x->polarisation - year->polarisation;
    }
    return 0;
}
