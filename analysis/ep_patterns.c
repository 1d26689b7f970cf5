/* ep_patterns: voting patterns of one MEP or one group (see ep_patterns.h). */
#include "ep_patterns.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_model.h"
#include "ep_positions.h"
#include "ep_query.h"
#include "ep_util.h"
#include "ep_window.h"

static int oom(struct ep_error *err)
{
    return ep_error_set(err, EP_ENOMEM, "out of memory");
}

static void measure_ok(struct ep_measure *x, double value)
{
    x->ok = 1;
    x->value = value;
    x->reason[0] = 0;
}

static void measure_no(struct ep_measure *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void measure_no(struct ep_measure *x, const char *fmt, ...)
{
    x->ok = 0;
    x->value = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->reason, sizeof x->reason, fmt, ap);
    va_end(ap);
}

void ep_patterns_span_of(const struct ep_matrix *m, struct ep_patterns_span *out)
{
    memset(out, 0, sizeof *out);
    if (m->n_vote > 0) {
        ep_date_format(m->vote_day[0], out->from);
        ep_date_format(m->vote_day[m->n_vote - 1], out->to);
        for (int v = 0; v < m->n_vote; v++)
            if (v == 0 || m->vote_day[v] != m->vote_day[v - 1])
                out->sittings++;
    }
    out->votes = m->n_vote;
    out->meps = m->n_mep;
    out->synthetic = m->synthetic;
}

const char *ep_patterns_alpha_reason(int units, int n_vote, char *buf, size_t n)
{
    if (units < EP_STATS_ALPHA_MIN_UNITS && n_vote < EP_STATS_ALPHA_MIN_UNITS)
        snprintf(buf, n,
                 "the window is too short: %d vote%s, alpha needs at least %d votes with at least "
                 "2 cast values (over a single vote alpha is 0 by construction)",
                 n_vote, n_vote == 1 ? "" : "s", EP_STATS_ALPHA_MIN_UNITS);
    else if (units < EP_STATS_ALPHA_MIN_UNITS)
        snprintf(buf, n,
                 "%d of the window's %d votes ha%s at least 2 cast values; alpha needs at least %d "
                 "(over a single vote alpha is 0 by construction)",
                 units, n_vote, units == 1 ? "s" : "ve", EP_STATS_ALPHA_MIN_UNITS);
    else
        snprintf(buf, n,
                 "every cast value over the %d votes is the same option: no expected "
                 "disagreement, alpha is 0/0",
                 units);
    return buf;
}

void ep_patterns_init(struct ep_patterns *p)
{
    memset(p, 0, sizeof *p);
    p->mep.last_group = -1;
}

static void votes_free(struct ep_patterns_votes *l)
{
    for (int k = 0; l->items && k < l->n; k++) {
        free(l->items[k].title);
        free(l->items[k].procedure);
        free(l->items[k].result);
    }
    free(l->items);
    memset(l, 0, sizeof *l);
}

void ep_patterns_free(struct ep_patterns *p)
{
    if (!p)
        return;
    free(p->mep.agree);
    votes_free(&p->mep.defection_votes);
    votes_free(&p->mep.cross_party_votes);
    votes_free(&p->mep.abstention_votes);
    votes_free(&p->mep.missed_votes);
    free(p->group.agree);
    free(p->group.rebels);
    votes_free(&p->group.votes);
    ep_patterns_init(p);
}

/* ---- listed votes ------------------------------------------------------------------------ */

struct ctx {
    const struct ep_patterns_window *w;
    struct ep_query *q;
};

static char *dup_nonempty(const char *s, int *bad)
{
    if (!s || !*s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *bad = 1;
    return d;
}

/* The vote-table fields of matrix vote v into r. */
static int vote_ref(struct ctx *c, int v, struct ep_patterns_vote *r)
{
    const struct ep_matrix *m = c->w->m;
    r->vote_id = m->vote_id[v];
    ep_date_format(m->vote_day[v], r->date);
    struct ep_query_vote row;
    const char *title = "";
    int bad = 0;
    if (ep_query_vote(c->q, r->vote_id, &row, NULL) == 1) {
        title = ep_query_vote_title(&row);
        r->procedure = dup_nonempty(row.procedure_reference, &bad);
        r->result = dup_nonempty(row.result, &bad);
    }
    r->title = strdup(title);
    return bad || !r->title ? EP_ENOMEM : 0;
}

/* The listed matrix votes (the first limit of n), with the MEP's and their group's positions
 * when mep >= 0. */
static int vote_list(struct ctx *c, const int *votes, int n, int limit, int mep,
                     struct ep_patterns_votes *out)
{
    const struct ep_matrix *m = c->w->m;
    const struct ep_stats_votes *vs = c->w->vs;
    int k_max = n < limit ? n : limit;
    out->total = n;
    out->items = calloc((size_t)(k_max > 0 ? k_max : 1), sizeof *out->items);
    if (!out->items)
        return EP_ENOMEM;
    for (int k = 0; k < k_max; k++) {
        struct ep_patterns_vote *r = &out->items[k];
        int v = votes[k];
        out->n = k + 1;
        r->group = -1;
        if (vote_ref(c, v, r))
            return EP_ENOMEM;
        if (mep < 0)
            continue;
        size_t cell = (size_t)v * (size_t)m->n_mep + (size_t)mep;
        int own = m->grp[cell];
        r->with_mep = 1;
        r->mep_position = m->pos[cell];
        if (own >= m->n_grp)
            continue;
        r->group = own;
        r->group_position = vs->vg[(size_t)v * (size_t)vs->n_grp + (size_t)own].pos;
        for (int g = 0; g < m->n_grp; g++)
            if (g != own && vs->vg[(size_t)v * (size_t)vs->n_grp + (size_t)g].pos == m->pos[cell])
                r->same_mask |= 1u << g;
    }
    return 0;
}

/* ---- an MEP ------------------------------------------------------------------------------ */

static int mep_votes(struct ctx *c, const struct ep_stats_mep *st, int i, int limit,
                     struct ep_patterns_mep *o)
{
    const struct ep_matrix *m = c->w->m;
    if (vote_list(c, st->defect_votes, st->n_defect, limit, i, &o->defection_votes) ||
        vote_list(c, st->cross_votes, st->cross_n, limit, i, &o->cross_party_votes))
        return EP_ENOMEM;
    /* the votes behind the abstention share and participation */
    /* calloc, though only [0, na) and [0, nm) are read: gcc 12's analyser cannot relate na and
     * nm to what the loop wrote */
    int *abst = calloc((size_t)(m->n_vote ? m->n_vote : 1), sizeof *abst);
    int *missed = calloc((size_t)(m->n_vote ? m->n_vote : 1), sizeof *missed);
    int na = 0, nm = 0, rc = 0;
    if (!abst || !missed)
        rc = EP_ENOMEM;
    for (int v = 0; !rc && v < m->n_vote; v++) {
        int p = m->pos[(size_t)v * (size_t)m->n_mep + (size_t)i];
        if (p == EP_POS_ABSTENTION)
            abst[na++] = v;
        else if (p == EP_POS_DID_NOT_VOTE)
            missed[nm++] = v;
    }
    if (!rc && (vote_list(c, abst, na, limit, i, &o->abstention_votes) ||
                vote_list(c, missed, nm, limit, -1, &o->missed_votes)))
        rc = EP_ENOMEM;
    free(abst);
    free(missed);
    return rc;
}

/* Fill the figures of MEP i (a matrix index) from the stats. */
static void mep_figures(const struct ep_matrix *m, const struct ep_stats_mep *st, int i,
                        struct ep_patterns_mep *o)
{
    int unk = ep_matrix_mep_dnv_unknown(m, i, 0, m->n_vote);
    if (unk) {
        ep_dnv_reason(o->participation.reason, sizeof o->participation.reason, unk, m->n_vote);
    } else if (st->part_ok)
        measure_ok(&o->participation, st->participation);
    else
        measure_no(&o->participation, "no eligible votes in the window");
    o->cast = st->cast;
    o->eligible = st->eligible;
    o->n_for = st->n_for;
    o->n_against = st->n_against;
    o->n_abst = st->n_abst;
    o->n_dnv = st->n_dnv;
    if (st->loyalty_ok)
        measure_ok(&o->loyalty, st->loyalty);
    else
        measure_no(&o->loyalty,
                   "no cast vote of this MEP where their group had a non-tie position (%d cast)",
                   st->cast);
    o->loyalty_matching = st->loyalty_num;
    o->loyalty_counted = st->loyalty_den;
    o->defections = st->n_defect;
    if (st->abst_ok)
        measure_ok(&o->abstention, st->abst_share);
    else
        measure_no(&o->abstention, "the MEP cast no vote in the window");
    if (st->cross_ok)
        measure_ok(&o->cross_party, st->cross_share);
    else
        measure_no(&o->cross_party,
                   "no cast vote of this MEP where their group had a non-tie position");
    o->cross_votes = st->cross_n;
    for (int g = 0; g < m->n_grp; g++) {
        struct ep_patterns_agree *a = &o->agree[g];
        a->group = g;
        if (st->grp_den[g] > 0)
            measure_ok(&a->share, st->grp_share[g]);
        else
            measure_no(&a->share, "no vote cast by the MEP where %s had a non-tie position",
                       m->grp_code[g]);
        a->agree = st->grp_agree[g];
        a->counted = st->grp_den[g];
    }
    o->n_agree = m->n_grp;
}

static int mep_compute(struct ctx *c, const struct ep_patterns_params *p, struct ep_patterns *out,
                       struct ep_error *err)
{
    struct ep_patterns_mep *o = &out->mep;
    const struct ep_matrix *m = c->w->m;
    int64_t id = p->mep_id;
    o->id = id;
    struct ep_query_mep row;
    int rc = ep_query_mep(c->q, id, &row, err);
    if (rc < 0)
        return rc;
    o->named = rc == 1;
    if (o->named) {
        const char *fn = row.first_name ? row.first_name : "";
        snprintf(o->name, sizeof o->name, "%s%s%s", fn, *fn ? " " : "",
                 row.last_name ? row.last_name : "");
        snprintf(o->country, sizeof o->country, "%s", row.country_code ? row.country_code : "");
    } else {
        /* named only by votes or memberships: analysed with what is known */
        int k = ep_positions_mep_known(c->w->positions, c->w->store, id, err);
        if (k < 0)
            return k;
        if (k == 0) {
            return ep_error_set(err, EP_ENOTFOUND,
                                "argument \"mep_id\": no MEP with id %lld in the store",
                                (long long)id);
        }
        snprintf(o->name, sizeof o->name, "MEP %lld", (long long)id);
    }
    int i = m->n_vote ? ep_matrix_mep_index(m, id) : -1;
    if (!m->n_vote)
        snprintf(out->reason, sizeof out->reason, "%s", c->w->why ? c->w->why : "");
    else if (i < 0)
        snprintf(out->reason, sizeof out->reason,
                 "MEP %lld held no mandate on any roll-call vote with positions in the window",
                 (long long)id);
    if (i < 0) {
        measure_no(&o->participation, "%s", out->reason);
        measure_no(&o->loyalty, "%s", out->reason);
        measure_no(&o->abstention, "%s", out->reason);
        measure_no(&o->cross_party, "%s", out->reason);
        return 0;
    }
    o->in_window = 1;
    struct ep_stats_mep st;
    rc = ep_stats_mep_compute(m, c->w->vs, i, &st, err);
    if (rc)
        return rc;
    /* groups held in the window, with the number of eligible votes in each */
    int held[EP_MATRIX_MAX_GROUPS] = {0};
    for (int v = 0; v < m->n_vote; v++) {
        size_t cell = (size_t)v * (size_t)m->n_mep + (size_t)i;
        if (m->pos[cell] != EP_POS_NONE && m->grp[cell] < m->n_grp) {
            held[m->grp[cell]]++;
            o->last_group = m->grp[cell];
        }
    }
    for (int g = 0; g < m->n_grp; g++)
        if (held[g]) {
            o->held_group[o->n_held] = g;
            o->held_votes[o->n_held++] = held[g];
        }
    o->agree = calloc((size_t)(m->n_grp ? m->n_grp : 1), sizeof *o->agree);
    if (!o->agree)
        rc = oom(err);
    if (!rc)
        mep_figures(m, &st, i, o);
    if (!rc && p->include_votes && mep_votes(c, &st, i, p->limit, o))
        rc = oom(err);
    ep_stats_mep_free(&st);
    return rc;
}

/* ---- a group ----------------------------------------------------------------------------- */

static int rebel_cmp(const void *x, const void *y)
{
    const struct ep_patterns_rebel *p = x, *q = y;
    if (p->rate != q->rate)
        return p->rate < q->rate ? 1 : -1;
    if (p->defections != q->defections)
        return q->defections - p->defections;
    return p->mep - q->mep;
}

/* The members of group g and their defections while in it; the first limit ranked are named. */
static int group_rebels(struct ctx *c, int g, int limit, struct ep_patterns_group *o)
{
    const struct ep_matrix *m = c->w->m;
    const struct ep_stats_votes *vs = c->w->vs;
    int G = m->n_grp, V = m->n_vote, N = m->n_mep;
    struct ep_patterns_rebel *rb = calloc((size_t)(N ? N : 1), sizeof *rb);
    if (!rb)
        return EP_ENOMEM;
    int n_ranked = 0;
    for (int i = 0; i < N; i++) {
        int in = 0, counted = 0, def = 0;
        for (int v = 0; v < V; v++) {
            size_t cell = (size_t)v * (size_t)N + (size_t)i;
            if (m->grp[cell] != g || m->pos[cell] == EP_POS_NONE)
                continue;
            in = 1;
            int p = m->pos[cell];
            if (p == EP_POS_DID_NOT_VOTE)
                continue;
            int gp = vs->vg[(size_t)v * (size_t)G + (size_t)g].pos;
            if (gp == EP_GPOS_NONE || gp == EP_GPOS_TIE)
                continue;
            counted++;
            def += p != gp;
        }
        o->members += in;
        if (!in)
            continue;
        if (counted < EP_PATTERNS_MIN_REBEL_VOTES) {
            o->not_ranked_few++;
            continue;
        }
        rb[n_ranked++] = (struct ep_patterns_rebel){.mep_id = m->mep_id[i],
                                                    .mep = i,
                                                    .defections = def,
                                                    .counted = counted,
                                                    .rate = (double)def / (double)counted};
    }
    qsort(rb, (size_t)n_ranked, sizeof *rb, rebel_cmp);
    o->ranked = n_ranked;
    o->rebels_ok = n_ranked > 0;
    if (!o->rebels_ok)
        snprintf(o->rebels_reason, sizeof o->rebels_reason,
                 "no member cast %d or more votes where the group had a non-tie position",
                 EP_PATTERNS_MIN_REBEL_VOTES);
    o->n_rebels = n_ranked < limit ? n_ranked : limit;
    for (int k = 0; k < o->n_rebels; k++) {
        struct ep_query_mep row;
        if (ep_query_mep(c->q, rb[k].mep_id, &row, NULL) == 1) {
            const char *fn = row.first_name ? row.first_name : "";
            snprintf(rb[k].name, sizeof rb[k].name, "%s%s%s", fn, *fn ? " " : "",
                     row.last_name ? row.last_name : "");
            snprintf(rb[k].country, sizeof rb[k].country, "%s",
                     row.country_code ? row.country_code : "");
        }
    }
    o->rebels = rb;
    return 0;
}

struct ai_vote {
    int v;
    double ai;
};

static int ai_cmp(const void *x, const void *y)
{
    const struct ai_vote *p = x, *q = y;
    if (p->ai != q->ai)
        return p->ai < q->ai ? -1 : 1;
    return p->v - q->v;
}

/* The group's votes with an Agreement Index, least cohesive first. */
static int group_votes(struct ctx *c, int g, int limit, struct ep_patterns_group *o)
{
    const struct ep_matrix *m = c->w->m;
    const struct ep_stats_votes *vs = c->w->vs;
    int G = m->n_grp, V = m->n_vote;
    struct ai_vote *av = malloc((size_t)(V ? V : 1) * sizeof *av);
    int *order = calloc((size_t)(V ? V : 1), sizeof *order);
    int n = 0, rc = 0;
    if (!av || !order)
        rc = EP_ENOMEM;
    for (int v = 0; !rc && v < V; v++) {
        const struct ep_stats_vg *vg = &vs->vg[(size_t)v * (size_t)G + (size_t)g];
        if (vg->ai_ok)
            av[n++] = (struct ai_vote){v, vg->ai};
    }
    if (!rc) {
        qsort(av, (size_t)n, sizeof *av, ai_cmp);
        for (int k = 0; k < n; k++)
            order[k] = av[k].v;
        rc = vote_list(c, order, n, limit, -1, &o->votes);
        for (int k = 0; !rc && k < o->votes.n && k < n; k++)
            o->votes.items[k].vg = vs->vg[(size_t)av[k].v * (size_t)G + (size_t)g];
    }
    free(av);
    free(order);
    return rc;
}

static void group_figures(const struct ep_matrix *m, const struct ep_stats_votes *vs,
                          const struct ep_stats_groups *gs, int g, struct ep_patterns_group *o)
{
    int G = m->n_grp, V = m->n_vote;
    o->cohesion = gs->g[g];
    if (!o->cohesion.alpha_ok)
        ep_patterns_alpha_reason(o->cohesion.alpha_units, V, o->alpha_reason,
                                 sizeof o->alpha_reason);
    long sum_t = 0, sum_d = 0, sum_a = 0;
    for (int v = 0; v < V; v++) {
        const struct ep_stats_vg *vg = &vs->vg[(size_t)v * (size_t)G + (size_t)g];
        sum_t += vg->y + vg->n + vg->a;
        sum_d += vg->d;
        sum_a += vg->a;
    }
    int unk = ep_matrix_dnv_unknown(m, 0, V);
    if (unk)
        ep_dnv_reason(o->participation.reason, sizeof o->participation.reason, unk, V);
    else if (o->cohesion.part_ok)
        measure_ok(&o->participation, o->cohesion.participation);
    else
        measure_no(&o->participation, "the group had no members on the window's votes");
    o->part_cast = sum_t;
    o->part_possible = sum_t + sum_d;
    if (sum_t > 0)
        measure_ok(&o->abstention, (double)sum_a / (double)sum_t);
    else
        measure_no(&o->abstention, "no member of the group cast a vote in the window");
    o->abstentions = sum_a;
    o->n_agree = 0;
    for (int h = 0; h < G; h++) {
        if (h == g)
            continue;
        struct ep_patterns_agree *a = &o->agree[o->n_agree++];
        size_t k = (size_t)g * (size_t)G + (size_t)h;
        a->group = h;
        if (gs->pair_ok[k])
            measure_ok(&a->share, gs->pair_share[k]);
        else
            measure_no(&a->share, "no vote where both %s and %s had a non-tie position", o->code,
                       m->grp_code[h]);
        a->agree = gs->pair_agree[k];
        a->counted = gs->pair_common[k];
    }
}

static int group_compute(struct ctx *c, const struct ep_patterns_params *p, struct ep_patterns *out,
                         struct ep_error *err)
{
    struct ep_patterns_group *o = &out->group;
    const struct ep_matrix *m = c->w->m;
    snprintf(o->code, sizeof o->code, "%s", p->group ? p->group : "");
    int rc = ep_query_group_label(c->w->store, o->code, o->label, sizeof o->label, err);
    if (rc < 0)
        return rc;
    int g = -1;
    for (int h = 0; m->n_vote && h < m->n_grp && g < 0; h++)
        if (strcmp(m->grp_code[h], o->code) == 0)
            g = h;
    if (!m->n_vote)
        snprintf(out->reason, sizeof out->reason, "%s", c->w->why ? c->w->why : "");
    else if (g < 0)
        snprintf(out->reason, sizeof out->reason, "group %s had no members on the window's votes",
                 o->code);
    if (g < 0) {
        measure_no(&o->participation, "%s", out->reason);
        measure_no(&o->abstention, "%s", out->reason);
        snprintf(o->rebels_reason, sizeof o->rebels_reason, "%s", out->reason);
        return 0;
    }
    o->in_window = 1;
    struct ep_stats_groups gs;
    rc = ep_stats_groups_compute(m, c->w->vs, &gs, err);
    if (rc)
        return rc;
    o->agree = calloc((size_t)(m->n_grp ? m->n_grp : 1), sizeof *o->agree);
    if (!o->agree)
        rc = oom(err);
    if (!rc)
        group_figures(m, c->w->vs, &gs, g, o);
    ep_stats_groups_free(&gs);
    if (!rc && group_rebels(c, g, p->limit, o))
        rc = oom(err);
    if (!rc && p->include_votes && group_votes(c, g, p->limit, o))
        rc = oom(err);
    return rc;
}

int ep_patterns_compute(const struct ep_patterns_window *w, const struct ep_patterns_params *p,
                        struct ep_patterns *out, struct ep_error *err)
{
    ep_patterns_init(out);
    if (!w || !w->m || !p || (p->kind != EP_PATTERNS_MEP && p->kind != EP_PATTERNS_GROUP))
        return ep_error_set(err, EP_EINVAL, "voting patterns: give an MEP or a group");
    if (w->m->n_vote && !w->vs)
        return ep_error_set(err, EP_EINVAL,
                            "voting patterns: the window's vote figures are "
                            "missing");
    out->kind = p->kind;
    out->include_votes = p->include_votes;
    out->limit = p->limit;
    out->n_grp = w->m->n_grp;
    memcpy(out->grp_code, w->m->grp_code, sizeof out->grp_code);
    ep_patterns_span_of(w->m, &out->span);
    struct ctx c = {.w = w};
    int rc = ep_query_open(w->store, &c.q, err);
    if (rc)
        return rc;
    rc = p->kind == EP_PATTERNS_MEP ? mep_compute(&c, p, out, err) : group_compute(&c, p, out, err);
    ep_query_close(c.q);
    if (rc)
        ep_patterns_free(out);
    return rc;
}
