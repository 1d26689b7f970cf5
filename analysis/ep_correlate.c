#include "ep_correlate.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ep_anomalies.h"
#include "ep_coalition.h"
#include "ep_early_warning.h"
#include "ep_influence.h"
#include "ep_query_intel.h"
#include "ep_util.h"
#include "ep_window.h"

void ep_correlate_init(struct ep_correlate *out)
{
    memset(out, 0, sizeof *out);
}

void ep_correlate_free(struct ep_correlate *out)
{
    (void)out; /* everything is inline */
}

/* Anomaly alerts of one MEP (mep >= 0) or group of w: -1 when the detector had no data. */
static int anomaly_count(struct ep_win *w, int mep, int grp, struct ep_run *r,
                         struct ep_error *err, int *count)
{
    struct ep_anomalies_params p = {.scope = mep >= 0 ? EP_ANOM_MEP : EP_ANOM_GROUP,
                                    .mep = mep, .grp = grp};
    ep_stats_outlier_params_default(&p.op);
    struct ep_anomalies o;
    struct ep_error e = {0};
    int rc = ep_anomalies_compute(w, &p, r, &o, &e);
    *count = -1;
    if (rc == EP_EUNAVAIL)
        return 0;
    if (rc) {
        if (err)
            *err = e;
        return rc;
    }
    *count = o.n_alert;
    ep_anomalies_free(&o);
    return 0;
}

static int mep_fig(struct ep_win *w, struct ep_corr_subject *s, struct ep_corr_fig *f,
                   struct ep_run *r, struct ep_error *err)
{
    int i = ep_matrix_mep_index(w->m, s->mep_id);
    if (i < 0 || !w->mf[i].cast)
        return 0;
    f->present = 1;
    f->cast = w->mf[i].cast;
    if (!s->name[0] && w->name)
        snprintf(s->name, sizeof s->name, "%s", w->name[i]);
    if ((f->loy_ok = w->mf[i].loy_ok))
        f->loyalty = w->mf[i].loyalty;
    if ((f->part_ok = w->mf[i].part_ok))
        f->participation = w->mf[i].participation;
    struct ep_influence_params ip = {.mep = i};
    struct ep_influence io;
    struct ep_error e = {0};
    int rc = ep_influence_compute(w, &ip, r, &io, &e);
    if (rc == EP_EUNAVAIL) {
        snprintf(f->infl_reason, sizeof f->infl_reason, "%s", e.msg);
    } else if (rc) {
        if (err)
            *err = e;
        return rc;
    } else {
        f->infl_ok = io.composite >= 0;
        f->composite = io.composite;
        f->rank = io.rank;
        f->n = io.n;
        if (!f->infl_ok)
            snprintf(f->infl_reason, sizeof f->infl_reason,
                     "no influence dimension has data for this MEP in the window");
        ep_influence_free(&io);
    }
    int n;
    if ((rc = anomaly_count(w, i, -1, r, err, &n)))
        return rc;
    f->anom_ok = n >= 0;
    f->anomalies = n > 0 ? n : 0;
    return 0;
}

static int group_fig(struct ep_win *w, const struct ep_corr_subject *s, struct ep_corr_fig *f,
                     struct ep_run *r, struct ep_error *err)
{
    const struct ep_matrix *m = w->m;
    int g = -1;
    for (int k = 0; k < m->n_grp; k++)
        if (strcmp(m->grp_code[k], s->code) == 0)
            g = k;
    if (g < 0)
        return 0;
    struct ep_coalition_params cp;
    memset(&cp, 0, sizeof cp);
    for (int k = 0; k < m->n_grp; k++)
        cp.sel[k] = 1;
    struct ep_coalition co;
    int rc = ep_coalition_compute(w, &cp, r, &co, err);
    if (rc)
        return rc;
    const struct ep_stats_group *x = &w->gs.g[g];
    f->present = x->n_vote_cast > 0;
    f->cast = x->n_vote_cast;
    if ((f->ai_ok = x->ai_ok))
        f->ai = x->ai_mean;
    if ((f->part_ok = x->part_ok))
        f->participation = x->participation;
    for (int k = 0; k < co.n_rel && !f->ally_ok; k++) {
        const struct ep_coalition_pair *pr = &co.rel[k];
        if (pr->a != g && pr->b != g)
            continue;
        f->ally_ok = 1;
        snprintf(f->ally, sizeof f->ally, "%s", m->grp_code[pr->a == g ? pr->b : pr->a]);
        f->ally_share = pr->share;
    }
    ep_coalition_free(&co);
    int n;
    if ((rc = anomaly_count(w, -1, g, r, err, &n)))
        return rc;
    f->anom_ok = n >= 0;
    f->anomalies = n > 0 ? n : 0;
    return 0;
}

static void add_alert(struct ep_corr_subject *s, const char *kind, int votes, const char *fmt,
                      ...) __attribute__((format(printf, 4, 5)));
static void add_alert(struct ep_corr_subject *s, const char *kind, int votes, const char *fmt,
                      ...)
{
    if (s->n_alert >= EP_CORR_MAX_ALERTS)
        return;
    struct ep_corr_alert *a = &s->alert[s->n_alert++];
    snprintf(a->kind, sizeof a->kind, "%s", kind);
    double c = (double)votes / EP_CORR_FULL_VOTES;
    a->confidence = c < 1 ? c : 1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->detail, sizeof a->detail, fmt, ap);
    va_end(ap);
}

static void alerts(struct ep_corr_subject *s)
{
    const struct ep_corr_fig *c = &s->fig[0], *p = &s->fig[1];
    int both = c->cast < p->cast ? c->cast : p->cast;
    if (!s->is_group) {
        double dI = c->composite - p->composite, dL = c->loyalty - p->loyalty;
        int infl = c->infl_ok && p->infl_ok, loy = c->loy_ok && p->loy_ok;
        if (infl && loy && dI >= EP_CORR_INFL_RISE && dL <= EP_CORR_LOYALTY_FALL)
            add_alert(s, "rising_influence_falling_loyalty", both,
                      "influence composite %.1f -> %.1f (%+.1f points) while loyalty fell "
                      "%.3f -> %.3f (%+.3f)",
                      p->composite, c->composite, dI, p->loyalty, c->loyalty, dL);
        if (infl && dI <= EP_CORR_INFL_DROP)
            add_alert(s, "influence_drop", both,
                      "influence composite %.1f -> %.1f (%+.1f points)", p->composite,
                      c->composite, dI);
        if (loy && dL <= EP_CORR_LOYALTY_DROP)
            add_alert(s, "loyalty_drop", both, "loyalty %.3f -> %.3f (%+.3f)", p->loyalty,
                      c->loyalty, dL);
    } else {
        if (c->ai_ok && p->ai_ok && c->ai - p->ai <= EP_CORR_COHESION_DROP)
            add_alert(s, "cohesion_drop", both, "mean Agreement Index %.3f -> %.3f (%+.3f)",
                      p->ai, c->ai, c->ai - p->ai);
        if (c->ally_ok && p->ally_ok && strcmp(c->ally, p->ally) != 0)
            add_alert(s, "ally_shift", both,
                      "closest group by agreement was %s (%.3f), is now %s (%.3f)", p->ally,
                      p->ally_share, c->ally, c->ally_share);
    }
    if (c->anom_ok && c->anomalies > 0)
        add_alert(s, "voting_anomalies", c->cast,
                  "%d anomaly alert(s) against the subject's own per-sitting baseline in the "
                  "current window (detect_voting_anomalies lists them)",
                  c->anomalies);
}

static int window_figs(struct ep_env *env, const struct ep_correlate_params *p,
                       struct ep_correlate *out, int k, struct ep_run *r, struct ep_error *err)
{
    struct ep_window wd = {.from = out->from[k],
                           .to = out->to[k],
                           .topic_kind = p->topic_kind,
                           .topic_code = p->topic_code};
    struct ep_win *w = NULL;
    struct ep_error e = {0};
    int rc = ep_env_window(env, &wd, &w, &e);
    if (rc == EP_EUNAVAIL) {
        char reason[300];
        snprintf(reason, sizeof reason, "no roll-call vote with per-MEP positions from %s to %s%s",
                 wd.from, wd.to, p->topic_kind ? " that carries the topic filter" : "");
        memcpy(out->window_reason[k], reason, sizeof reason);
        return 0;
    }
    if (rc) {
        if (err)
            *err = e;
        return rc;
    }
    out->window_ok[k] = 1;
    out->votes[k] = w->m->n_vote;
    out->sittings[k] = w->n_sittings;
    if (k == 0)
        ep_date_format(w->m->vote_day[w->m->n_vote - 1], out->last_vote);
    if ((rc = ep_win_need_vs(w, err)) || (rc = ep_win_need_gs(w, err)) ||
        (rc = ep_win_need_mf(w, err)) || (rc = ep_win_need_names(w, err)))
        return rc;
    for (int s = 0; s < out->n_subject && !rc; s++) {
        struct ep_corr_subject *x = &out->subject[s];
        rc = x->is_group ? group_fig(w, x, &x->fig[k], r, err) : mep_fig(w, x, &x->fig[k], r, err);
    }
    return rc;
}

int ep_correlate_compute(struct ep_env *env, const struct ep_correlate_params *p,
                         struct ep_run *r, struct ep_correlate *out, struct ep_error *err)
{
    ep_correlate_init(out);
    if (p->n_mep + p->n_group < 1 || p->n_mep + p->n_group > EP_CORR_MAX_SUBJECTS)
        return ep_error_set(err, EP_EINVAL,
                            "give 1 to %d subjects in all (arguments \"mep_ids\" and \"groups\")",
                            EP_CORR_MAX_SUBJECTS);
    int rc = ep_ew_windows(env, p->to, p->days, out->from[0], out->to[0], out->from[1],
                           out->to[1], err);
    if (rc)
        return rc;
    for (int k = 0; k < p->n_mep; k++) {
        struct ep_corr_subject *s = &out->subject[out->n_subject++];
        s->mep_id = p->mep_ids[k];
        if ((rc = ep_query_member_name(env->store, s->mep_id, s->name, sizeof s->name, err)) < 0)
            return rc;
        rc = 0; /* 1 named, 0 not (then the window's name, e.g. "MEP <id>") */
    }
    for (int k = 0; k < p->n_group; k++) {
        struct ep_corr_subject *s = &out->subject[out->n_subject++];
        s->is_group = 1;
        snprintf(s->code, sizeof s->code, "%s", p->groups[k]);
        snprintf(s->name, sizeof s->name, "%s", p->groups[k]);
    }
    for (int k = 0; k < 2 && !rc; k++)
        rc = window_figs(env, p, out, k, r, err);
    if (rc)
        return rc;
    if (!out->window_ok[0])
        return ep_error_set(err, EP_EUNAVAIL, "correlate_intelligence: %s (widen \"days\" or "
                            "move \"to\")", out->window_reason[0]);
    /* without a previous window only the current window's anomalies can fire: the changes
     * need both windows' figures (their ok flags stay 0) */
    for (int s = 0; s < out->n_subject; s++) {
        alerts(&out->subject[s]);
        out->alerts_total += out->subject[s].n_alert;
    }
    return 0;
}
