/* ep_mep_profile: the profile of one MEP (see ep_mep_profile.h). */
#include "ep_mep_profile.h"

#include <stdio.h>
#include <string.h>

#include "ep_model.h"
#include "ep_stats.h"
#include "ep_util.h"
#include "ep_window.h"

void ep_mep_profile_init(struct ep_mep_profile *r)
{
    memset(r, 0, sizeof *r);
}

void ep_mep_profile_free(struct ep_mep_profile *r)
{
    if (!r)
        return;
    ep_query_mep_profile_free(&r->row);
    ep_query_memberships_free(r->memberships, r->n_memberships);
    ep_mep_profile_init(r);
}

/* What the stored votes say of MEP i (matrix index): votes with a position, first and last
 * date, the group printed or held on the last of them. */
static void from_votes(const struct ep_positions *p, int i, struct ep_mep_profile *r)
{
    const struct ep_matrix *m = &p->m;
    int first = -1, last = -1;
    for (int v = 0; i >= 0 && v < m->n_vote; v++) {
        int pos = m->pos[(size_t)v * (size_t)m->n_mep + (size_t)i];
        if (pos < EP_POS_FOR || pos > EP_POS_DID_NOT_VOTE)
            continue;
        r->from_votes++;
        first = first < 0 ? v : first;
        last = v;
    }
    if (first >= 0) {
        ep_date_format(m->vote_day[first], r->from_votes_first);
        ep_date_format(m->vote_day[last], r->from_votes_last);
    }
    int g = last >= 0 ? m->grp[(size_t)last * (size_t)m->n_mep + (size_t)i] : EP_GRP_NONE;
    if (g < m->n_grp)
        snprintf(r->from_votes_group, sizeof r->from_votes_group, "%s", m->grp_code[g]);
}

/* Counts over the votes of [from, to]: eligibility, cast options, loyalty to the group. */
static void count_votes(const struct ep_positions *p, const struct ep_mep_profile_params *pp,
                        struct ep_mep_profile *r, int *dnv_unknown)
{
    const struct ep_matrix *m = &p->m;
    int i = m->n_mep ? ep_matrix_mep_index(m, pp->id) : -1;
    int32_t dfrom = pp->from ? ep_date_days(pp->from) : INT32_MIN;
    int32_t dto = pp->to ? ep_date_days(pp->to) : INT32_MAX;
    int32_t day_from = 0, day_to = 0;
    for (int v = 0; v < m->n_vote; v++) {
        if (m->vote_day[v] < dfrom || m->vote_day[v] > dto)
            continue;
        if (!r->votes++ || m->vote_day[v] < day_from)
            day_from = m->vote_day[v];
        if (r->votes == 1 || m->vote_day[v] > day_to)
            day_to = m->vote_day[v];
        *dnv_unknown += ep_matrix_mep_dnv_unknown(m, i, v, v + 1);
        if (i < 0)
            continue;
        size_t cell = (size_t)v * (size_t)m->n_mep + (size_t)i;
        int pos = m->pos[cell];
        if (pos == EP_POS_NONE)
            continue;
        r->eligible++;
        if (pos == EP_POS_DID_NOT_VOTE) {
            r->n_dnv++;
            continue;
        }
        r->cast++;
        r->n_for += pos == EP_POS_FOR;
        r->n_against += pos == EP_POS_AGAINST;
        r->n_abst += pos == EP_POS_ABSTENTION;
        int g = m->grp[cell];
        if (g == EP_GRP_NONE || g >= m->n_grp)
            continue;
        const struct ep_positions_counts *c = &p->counts[(size_t)v * (size_t)m->n_grp + (size_t)g];
        int gp = ep_stats_position(c->y, c->n, c->a);
        if (gp == EP_GPOS_TIE) {
            r->ties++;
            continue;
        }
        if (gp == EP_GPOS_NONE)
            continue;
        r->loyalty_votes++;
        if (gp == pos) {
            r->matching++;
        } else {
            r->defections++;
            if (r->n_defection_ids < EP_MEP_PROFILE_MAX_DEFECTIONS)
                r->defection_ids[r->n_defection_ids++] = m->vote_id[v];
        }
    }
    if (r->votes) {
        ep_date_format(day_from, r->from);
        ep_date_format(day_to, r->to);
    }
}

/* Participation and loyalty from the counts, or why they are unavailable. */
static void figures(const struct ep_positions *p, struct ep_mep_profile *r, int dnv_unknown)
{
    struct ep_measure *part = &r->participation, *loy = &r->loyalty;
    if (r->votes == 0) {
        snprintf(part->reason, sizeof part->reason,
                 p->m.n_vote ? "no votes with per-MEP positions in the requested window; the "
                               "store has them from %s to %s"
                             : "the store holds no per-MEP positions%s%s",
                 p->pos_from, p->pos_to);
        memcpy(loy->reason, part->reason, sizeof loy->reason);
        return;
    }
    if (r->eligible == 0) {
        if (dnv_unknown)
            ep_dnv_reason(part->reason, sizeof part->reason, dnv_unknown, r->votes);
        else
            snprintf(part->reason, sizeof part->reason,
                     "not an MEP on any of the %d votes with per-MEP positions in the window "
                     "(%s to %s)",
                     r->votes, r->from, r->to);
        memcpy(loy->reason, part->reason, sizeof loy->reason);
        return;
    }
    if (dnv_unknown)
        ep_dnv_reason(part->reason, sizeof part->reason, dnv_unknown, r->votes);
    else {
        part->ok = 1;
        part->value = (double)r->cast / (double)r->eligible;
    }
    if (r->loyalty_votes == 0)
        snprintf(loy->reason, sizeof loy->reason,
                 r->cast ? "none of the MEP's %d cast votes had a non-tie group position"
                         : "the MEP cast no vote among %d eligible votes",
                 r->cast ? r->cast : r->eligible);
    else {
        loy->ok = 1;
        loy->value = (double)r->matching / (double)r->loyalty_votes;
    }
}

int ep_mep_profile_compute(struct ep_positions_cache *c, struct ep_store *s,
                           const struct ep_mep_profile_params *pp, struct ep_mep_profile *r,
                           struct ep_error *err)
{
    ep_mep_profile_init(r);
    r->id = pp->id;
    struct ep_positions *p = NULL;
    int rc = ep_positions_acquire(c, s, &p, err);
    if (rc)
        return rc;
    rc = ep_query_mep_profile(s, pp->id, &r->row, err);
    if (rc)
        goto out;
    int mi = p->m.n_mep ? ep_matrix_mep_index(&p->m, pp->id) : -1;
    if (!r->row.in_members && !r->row.in_memberships && mi < 0) {
        rc = ep_error_set(err, EP_ENOTFOUND,
                          "no MEP with id %lld; search with get_meps (no stored source names "
                          "it: members, memberships, roll-call positions)",
                          (long long)pp->id);
        goto out;
    }
    r->show_from_votes = !r->row.in_members || r->row.rcv_named;
    if (r->show_from_votes)
        from_votes(p, mi, r);
    rc = ep_query_memberships(s, pp->id, &r->memberships, &r->n_memberships, err);
    if (rc)
        goto out;
    int dnv_unknown = 0;
    count_votes(p, pp, r, &dnv_unknown);
    figures(p, r, dnv_unknown);
out:
    ep_positions_release(p);
    if (rc)
        ep_mep_profile_free(r);
    return rc;
}
