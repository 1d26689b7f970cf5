/* ep_sitting_report: the report on one sitting day (see ep_sitting_report.h). */
#include "ep_sitting_report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_model.h"
#include "ep_positions.h"
#include "ep_stats.h"
#include "ep_window.h"

void ep_sitting_report_init(struct ep_sitting_report *r)
{
    memset(r, 0, sizeof *r);
}

void ep_sitting_report_free(struct ep_sitting_report *r)
{
    if (!r)
        return;
    free(r->groups);
    for (int k = 0; r->votes && k < r->n_votes; k++) {
        free(r->votes[k].row.title);
        free(r->votes[k].row.procedure);
        free(r->votes[k].row.result);
    }
    free(r->votes);
    ep_sitting_report_init(r);
}

/* Each group present that day, and the day's attendance. */
static int day_figures(const struct ep_patterns_window *w, struct ep_sitting_report *r,
                       struct ep_error *err)
{
    const struct ep_matrix *m = w->m;
    struct ep_stats_groups gs;
    int rc = ep_stats_groups_compute(m, w->vs, &gs, err);
    if (rc)
        return rc;
    r->groups = calloc((size_t)(m->n_grp ? m->n_grp : 1), sizeof *r->groups);
    if (!r->groups) {
        ep_stats_groups_free(&gs);
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    for (int g = 0; g < m->n_grp; g++) {
        const struct ep_stats_group *sg = &gs.g[g];
        if (!sg->n_vote_present)
            continue;
        struct ep_sitting_group *o = &r->groups[r->n_groups++];
        o->group = g;
        o->ai_ok = sg->ai_ok;
        o->ai_mean = sg->ai_mean;
        o->ai_median = sg->ai_median;
        o->ai_votes = sg->n_vote_cast;
        struct ep_measure *p = &o->participation;
        if (r->dnv_unknown)
            snprintf(p->reason, sizeof p->reason,
                     "who did not vote is unknown on %d of the %d votes (see attendance)",
                     r->dnv_unknown, m->n_vote);
        else if (sg->part_ok) {
            p->ok = 1;
            p->value = sg->participation;
        } else
            snprintf(p->reason, sizeof p->reason, "no member that day");
        o->tie_votes = sg->n_tie;
    }
    ep_stats_groups_free(&gs);
    for (int i = 0; i < m->n_mep; i++) {
        int has = 0, cast = 0;
        for (int v = 0; v < m->n_vote; v++) {
            int p = m->pos[(size_t)v * (size_t)m->n_mep + (size_t)i];
            has |= p != EP_POS_NONE;
            cast |= p >= EP_POS_FOR && p <= EP_POS_ABSTENTION;
        }
        r->mandate += has;
        r->present += cast;
    }
    r->attendance_ok = !r->dnv_unknown && r->mandate > 0;
    if (r->attendance_ok)
        r->attendance = (double)r->present / r->mandate;
    return 0;
}

/* The day's votes, main votes first, with each group's position where the vote has positions. */
static int day_votes(const struct ep_patterns_window *w, struct ep_sitting_report *r,
                     struct ep_error *err)
{
    const struct ep_matrix *m = w->m;
    struct ep_query_sitting_vote *rows = NULL;
    int n = 0;
    int rc = ep_query_sitting_votes(w->store, r->date, EP_SITTING_REPORT_LIMIT, &rows, &n, err);
    if (rc)
        return rc;
    r->votes = calloc((size_t)(n ? n : 1), sizeof *r->votes);
    if (!r->votes) {
        ep_query_sitting_votes_free(rows, n);
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    for (int k = 0; k < n; k++) {
        struct ep_sitting_vote *o = &r->votes[k];
        o->row = rows[k]; /* the strings move to the report */
        int v = -1;
        for (int j = 0; j < m->n_vote; j++)
            if (m->vote_id[j] == o->row.id)
                v = j;
        memset(o->gpos, -1, sizeof o->gpos);
        if (v < 0)
            continue;
        o->has_positions = 1;
        for (int g = 0; g < m->n_grp; g++) {
            const struct ep_stats_vg *vg = &w->vs->vg[(size_t)v * (size_t)w->vs->n_grp + g];
            if (vg->y + vg->n + vg->a + vg->d > 0)
                o->gpos[g] = (signed char)vg->pos;
        }
    }
    r->n_votes = n;
    free(rows);
    return 0;
}

int ep_sitting_report_compute(const struct ep_patterns_window *w, const char *date,
                              struct ep_sitting_report *r, struct ep_error *err)
{
    ep_sitting_report_init(r);
    if (!w || !w->m || !date)
        return ep_error_set(err, EP_EINVAL, "sitting report: no window or date");
    snprintf(r->date, sizeof r->date, "%s", date);
    int rc = ep_query_sitting_counts(w->store, date, &r->counts, err);
    if (rc)
        return rc;
    if (r->counts.total == 0)
        return ep_error_set(err, EP_ENOTFOUND,
                            "argument \"id\": no votes on %s in the store (see "
                            "get_plenary_sessions for the sitting dates)",
                            date);
    rc = ep_query_sitting_reference(w->store, date, r->reference, sizeof r->reference, err);
    if (rc < 0)
        return rc;
    const struct ep_matrix *m = w->m;
    r->n_grp = m->n_grp;
    memcpy(r->grp_code, m->grp_code, sizeof r->grp_code);
    ep_patterns_span_of(m, &r->span);
    r->has_positions = m->n_vote > 0;
    if (!r->has_positions)
        snprintf(r->why, sizeof r->why,
                 "no per-MEP positions stored for %s (%d votes with official counts only)", date,
                 r->counts.total);
    else if (!w->vs)
        return ep_error_set(err, EP_EINVAL, "sitting report: the day's vote figures are missing");
    /* participation and attendance need who did not vote */
    r->dnv_unknown = m->n_vote ? ep_matrix_dnv_unknown(m, 0, m->n_vote) : 0;
    if (r->dnv_unknown)
        ep_dnv_reason(r->dnv_reason, sizeof r->dnv_reason, r->dnv_unknown, m->n_vote);
    if (r->has_positions && (rc = day_figures(w, r, err)))
        goto fail;
    if ((rc = day_votes(w, r, err)))
        goto fail;
    return 0;
fail:
    ep_sitting_report_free(r);
    return rc;
}
