#include "ep_sentiment.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ep_positions.h"
#include "ep_util.h"
#include "ep_window.h"

const int ep_sentiment_days[EP_SENTIMENT_SPANS] = {30, 90, 365};

void ep_sentiment_init(struct ep_sentiment *out)
{
    memset(out, 0, sizeof *out);
}

void ep_sentiment_free(struct ep_sentiment *out)
{
    (void)out; /* nothing owned */
}

/* Cohesion and polarisation of window w into x. */
static int span_figures(struct ep_win *w, struct ep_sentiment_span *x, struct ep_error *err)
{
    int rc = ep_win_need_vs(w, err);
    if (!rc)
        rc = ep_win_need_gs(w, err);
    if (!rc)
        rc = ep_win_need_frag(w, err);
    if (rc)
        return rc;
    const struct ep_matrix *m = w->m;
    x->votes = m->n_vote;
    x->sittings = w->n_sittings;
    x->meps = w->n_active;
    ep_date_format(m->vote_day[0], x->first);
    ep_date_format(m->vote_day[m->n_vote - 1], x->last);
    double num = 0, den = 0;
    x->n_group = m->n_grp;
    for (int g = 0; g < m->n_grp; g++) {
        struct ep_sentiment_group *y = &x->group[g];
        snprintf(y->code, sizeof y->code, "%s", m->grp_code[g]);
        y->seats = w->frag.seats[g];
        y->ai_ok = w->gs.g[g].ai_ok;
        y->ai = w->gs.g[g].ai_mean;
        y->votes = w->gs.g[g].n_vote_cast;
        if (y->ai_ok && y->seats > 0) {
            num += y->seats * y->ai;
            den += y->seats;
        }
    }
    if (den > 0) {
        x->coh_ok = 1;
        x->cohesion = num / den;
    }
    num = den = 0;
    for (int a = 0; a < m->n_grp; a++)
        for (int b = a + 1; b < m->n_grp; b++) {
            size_t k = (size_t)a * (size_t)m->n_grp + (size_t)b;
            double wt = (double)w->frag.seats[a] * w->frag.seats[b];
            if (!w->gs.pair_ok[k] || wt <= 0)
                continue;
            num += wt * w->gs.pair_share[k];
            den += wt;
            x->pairs++;
        }
    if (den > 0) {
        x->pol_ok = 1;
        x->polarisation = 1 - num / den;
    }
    return 0;
}

int ep_sentiment_compute(struct ep_env *env, const char *to, struct ep_run *r,
                         struct ep_sentiment *out, struct ep_error *err)
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
    int32_t day = ep_date_days(out->to);
    for (int k = 0; k < EP_SENTIMENT_SPANS && !rc; k++) {
        struct ep_sentiment_span *x = &out->span[k];
        x->days = ep_sentiment_days[k];
        snprintf(x->to, sizeof x->to, "%s", out->to);
        ep_date_format(day - x->days + 1, x->from);
        char what[64];
        snprintf(what, sizeof what, "the last %d days", x->days);
        if ((rc = ep_run_stage(r, what, err)))
            break;
        struct ep_window wd = {.from = x->from, .to = x->to};
        struct ep_win *w = NULL;
        struct ep_error e = {0};
        int wrc = ep_env_window(env, &wd, &w, &e);
        if (wrc == EP_EUNAVAIL) {
            snprintf(x->reason, sizeof x->reason,
                     "no roll-call vote with per-MEP positions from %s to %s", x->from, x->to);
            continue;
        }
        if (wrc) {
            if (err)
                *err = e;
            rc = wrc;
            break;
        }
        x->available = 1;
        rc = span_figures(w, x, err);
    }
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
