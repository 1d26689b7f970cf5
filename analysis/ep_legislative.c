#include "ep_legislative.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_derived.h"
#include "ep_influence.h"
#include "ep_query_signals.h"
#include "ep_util.h"

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Median and nearest-rank 95th percentile of x[n] (sorted here), n >= 1. */
static void median_p95(int *x, int n, double *median, double *p95)
{
    qsort(x, (size_t)n, sizeof *x, cmp_int);
    int h = n / 2;
    *median = n % 2 ? (double)x[h] : (x[h - 1] + x[h]) / 2.0;
    int k = (int)ceil(0.95 * n);
    *p95 = x[(k < 1 ? 1 : k) - 1];
}

/* ---- the pipeline ---------------------------------------------------------------------- */

struct ivec {
    int *v;
    int n, cap;
};

static int ivec_push(struct ivec *a, int x)
{
    if (a->n == a->cap) {
        int cap = a->cap ? 2 * a->cap : 64;
        int *t = realloc(a->v, (size_t)cap * sizeof *t);
        if (!t)
            return EP_ENOMEM;
        a->v = t;
        a->cap = cap;
    }
    a->v[a->n++] = x;
    return 0;
}

struct pipe_walk {
    struct ep_pipeline *out;
    struct ivec dur[EP_PIPE_MAX_STAGES]; /* per stage type */
    char type[EP_PIPE_MAX_STAGES][96];
    int n_type, types_seen_over;
    struct ivec total;
    /* the procedure being read */
    char proc[64], ref[64], title[200], stage[64], first[11], last[11], last_type[96];
    int n_ev;
    /* every procedure's last event (for the stalled list, once as_of is known) */
    struct ep_pipe_stalled *procs;
    int n_proc, cap_proc;
};

static int stage_index(struct pipe_walk *w, const char *type)
{
    for (int k = 0; k < w->n_type; k++)
        if (strcmp(w->type[k], type) == 0)
            return k;
    if (w->n_type == EP_PIPE_MAX_STAGES) {
        w->types_seen_over = 1;
        return -1;
    }
    snprintf(w->type[w->n_type], sizeof w->type[0], "%s", type);
    return w->n_type++;
}

static int proc_end(struct pipe_walk *w)
{
    if (!w->n_ev)
        return 0;
    w->out->with_events++;
    if (w->n_ev >= 2 && ivec_push(&w->total, ep_date_days(w->last) - ep_date_days(w->first)))
        return EP_ENOMEM;
    if (w->n_proc == w->cap_proc) {
        int cap = w->cap_proc ? 2 * w->cap_proc : 64;
        struct ep_pipe_stalled *t = realloc(w->procs, (size_t)cap * sizeof *t);
        if (!t)
            return EP_ENOMEM;
        w->procs = t;
        w->cap_proc = cap;
    }
    struct ep_pipe_stalled *s = &w->procs[w->n_proc++];
    memset(s, 0, sizeof *s);
    snprintf(s->procedure, sizeof s->procedure, "%s", w->proc);
    snprintf(s->reference, sizeof s->reference, "%s", w->ref);
    snprintf(s->title, sizeof s->title, "%s", w->title);
    snprintf(s->stage, sizeof s->stage, "%s", w->stage);
    snprintf(s->last_event, sizeof s->last_event, "%s", w->last);
    snprintf(s->last_type, sizeof s->last_type, "%s", w->last_type);
    w->n_ev = 0;
    return 0;
}

static int on_event(void *ctx, const struct ep_qs_event *e)
{
    struct pipe_walk *w = ctx;
    if (strcmp(e->procedure_id, w->proc) != 0) {
        if (proc_end(w))
            return EP_ENOMEM;
        snprintf(w->proc, sizeof w->proc, "%s", e->procedure_id);
        snprintf(w->ref, sizeof w->ref, "%s", e->reference ? e->reference : "");
        snprintf(w->title, sizeof w->title, "%s", e->procedure_title ? e->procedure_title : "");
        snprintf(w->stage, sizeof w->stage, "%s", e->procedure_stage ? e->procedure_stage : "");
        snprintf(w->first, sizeof w->first, "%s", e->date);
    } else {
        int k = stage_index(w, w->last_type);
        if (k >= 0 && ivec_push(&w->dur[k], ep_date_days(e->date) - ep_date_days(w->last)))
            return EP_ENOMEM;
    }
    snprintf(w->last, sizeof w->last, "%s", e->date);
    snprintf(w->last_type, sizeof w->last_type, "%s", e->type && *e->type ? e->type : "(untyped)");
    w->n_ev++;
    struct ep_pipeline *o = w->out;
    if (!o->first_event[0] || strcmp(e->date, o->first_event) < 0)
        snprintf(o->first_event, sizeof o->first_event, "%s", e->date);
    if (strcmp(e->date, o->last_event) > 0)
        snprintf(o->last_event, sizeof o->last_event, "%s", e->date);
    return 0;
}

static int by_idle(const void *a, const void *b)
{
    const struct ep_pipe_stalled *x = a, *y = b;
    if (x->idle_days != y->idle_days)
        return x->idle_days < y->idle_days ? 1 : -1;
    return strcmp(x->procedure, y->procedure);
}

static int by_n(const void *a, const void *b)
{
    const struct ep_pipe_stage *x = a, *y = b;
    if (x->n != y->n)
        return x->n < y->n ? 1 : -1;
    return strcmp(x->type, y->type);
}

static void pipe_finish(struct pipe_walk *w, const struct ep_pipeline_params *p)
{
    struct ep_pipeline *o = w->out;
    for (int k = 0; k < w->n_type; k++) {
        if (!w->dur[k].n)
            continue;
        struct ep_pipe_stage *s = &o->stage[o->n_stage++];
        snprintf(s->type, sizeof s->type, "%s", w->type[k]);
        s->n = w->dur[k].n;
        median_p95(w->dur[k].v, s->n, &s->median, &s->p95);
    }
    o->stages_total = o->n_stage;
    qsort(o->stage, (size_t)o->n_stage, sizeof o->stage[0], by_n);
    if ((o->total_n = w->total.n))
        median_p95(w->total.v, w->total.n, &o->total_median, &o->total_p95);
    snprintf(o->as_of, sizeof o->as_of, "%s", p->as_of ? p->as_of : o->last_event);
    int32_t ref = ep_date_days(o->as_of);
    int n = 0;
    for (int k = 0; k < w->n_proc; k++) {
        struct ep_pipe_stalled *s = &w->procs[k];
        s->idle_days = ref - ep_date_days(s->last_event);
        if (s->idle_days > p->stalled_days)
            w->procs[n++] = *s;
    }
    o->stalled_total = n;
    qsort(w->procs, (size_t)n, sizeof *w->procs, by_idle);
    o->n_stalled = n < EP_PIPE_MAX_STALLED ? n : EP_PIPE_MAX_STALLED;
    memcpy(o->stalled, w->procs, (size_t)o->n_stalled * sizeof *w->procs);
}

void ep_pipeline_init(struct ep_pipeline *out)
{
    memset(out, 0, sizeof *out);
}

int ep_pipeline_compute(struct ep_env *env, const struct ep_pipeline_params *p,
                        struct ep_pipeline *out, struct ep_error *err)
{
    ep_pipeline_init(out);
    if (!env || !env->store)
        return ep_error_set(err, EP_EINVAL, "no store is open");
    struct ep_qs_records rec;
    int rc = ep_qs_records(env->store, &rec, err);
    if (rc)
        return rc;
    out->procedures = rec.procedures;
    out->events = rec.events;
    struct pipe_walk *w = calloc(1, sizeof *w);
    if (!w)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    w->out = out;
    rc = ep_qs_each_event(env->store, on_event, w, err);
    if (rc == EP_ENOMEM)
        ep_error_set(err, EP_ENOMEM, "out of memory");
    if (!rc && proc_end(w))
        rc = ep_error_set(err, EP_ENOMEM, "out of memory");
    if (!rc && out->with_events == 0) {
        snprintf(out->reason, sizeof out->reason,
                 "the store holds %s procedure event%s (table procedure_event) and %ld "
                 "procedure%s: days per stage and stalled files need dated events; %s",
                 rec.events < 0 ? "no" : rec.events == 0 ? "no" : "no dated",
                 rec.events == 1 ? "" : "s", rec.procedures < 0 ? 0 : rec.procedures,
                 rec.procedures == 1 ? "" : "s", EP_PIPE_SYNC_HINT);
    } else if (!rc) {
        out->available = 1;
        pipe_finish(w, p);
    }
    for (int k = 0; k < EP_PIPE_MAX_STAGES; k++)
        free(w->dur[k].v);
    free(w->total.v);
    free(w->procs);
    free(w);
    return rc;
}

/* ---- effectiveness ---------------------------------------------------------------------- */

struct eff_walk {
    struct ep_effectiveness *out;
    struct ivec span[EP_EFF_MAX_TYPES + 1]; /* [EP_EFF_MAX_TYPES] = all */
};

static void eff_count(struct ep_eff_type *t, const struct ep_qs_proc_outcome *o)
{
    t->procedures++;
    if (o->last_main_result && strcmp(o->last_main_result, "ADOPTED") == 0)
        t->adopted++;
    else if (o->last_main_result && strcmp(o->last_main_result, "REJECTED") == 0)
        t->rejected++;
    else
        t->no_main_result++;
    t->with_main_result = t->adopted + t->rejected;
}

static int on_outcome(void *ctx, const struct ep_qs_proc_outcome *o)
{
    struct eff_walk *w = ctx;
    struct ep_effectiveness *e = w->out;
    const char *type = o->type ? o->type : "";
    int k = 0;
    while (k < e->n_type && strcmp(e->type[k].type, type) != 0)
        k++;
    if (k == e->n_type) {
        if (e->n_type == EP_EFF_MAX_TYPES)
            k = -1;
        else
            snprintf(e->type[e->n_type++].type, sizeof e->type[0].type, "%s", type);
    }
    e->procedures++;
    eff_count(&e->all, o);
    int span = o->first_date && o->last_date && ep_date_valid(o->first_date) &&
                       ep_date_valid(o->last_date)
                   ? ep_date_days(o->last_date) - ep_date_days(o->first_date)
                   : -1;
    if (span > 0 && ivec_push(&w->span[EP_EFF_MAX_TYPES], span))
        return EP_ENOMEM;
    if (k < 0)
        return 0;
    eff_count(&e->type[k], o);
    if (span > 0 && ivec_push(&w->span[k], span))
        return EP_ENOMEM;
    return 0;
}

static int by_procedures(const void *a, const void *b)
{
    const struct ep_eff_type *x = a, *y = b;
    if (x->procedures != y->procedures)
        return x->procedures < y->procedures ? 1 : -1;
    return strcmp(x->type, y->type);
}

void ep_effectiveness_init(struct ep_effectiveness *out)
{
    memset(out, 0, sizeof *out);
}

/* The result is plain data (no pointers), kept whole in the store's derived results (engine/
 * ep_derived.h) for the store's content: reading the vote table's procedure columns costs
 * ~50 ms on the bundled data (they sit behind the long title and description texts of each
 * row), reading the stored result well under 1 ms. The payload is the struct's bytes, checked
 * by its size; a layout change renames the kind. */
#define EFF_KIND "effectiveness|v1"

static int eff_write(const void *res, struct ep_buf *out)
{
    return ep_blob_put(out, res, sizeof(struct ep_effectiveness));
}

static int eff_read(const unsigned char *p, size_t n, void *res)
{
    if (n != sizeof(struct ep_effectiveness))
        return EP_EPARSE;
    memcpy(res, p, n);
    const struct ep_effectiveness *e = res;
    if (e->n_type < 0 || e->n_type > EP_EFF_MAX_TYPES) {
        ep_effectiveness_init(res);
        return EP_EPARSE;
    }
    return 0;
}

int ep_effectiveness_compute(struct ep_env *env, struct ep_effectiveness *out,
                             struct ep_error *err)
{
    ep_effectiveness_init(out);
    if (!env || !env->store)
        return ep_error_set(err, EP_EINVAL, "no store is open");
    if (ep_derived_load(env->store, "", EFF_KIND, eff_read, out) == 1)
        return 0;
    snprintf(out->rapporteurs_reason, sizeof out->rapporteurs_reason,
             "%s; rapporteurships and their outcomes cannot be computed from this store",
             EP_ROLES_REASON);
    struct eff_walk *w = calloc(1, sizeof *w);
    if (!w)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    w->out = out;
    int rc = ep_qs_each_procedure_outcome(env->store, on_outcome, w, err);
    if (rc == EP_ENOMEM)
        ep_error_set(err, EP_ENOMEM, "out of memory");
    double p95;
    for (int k = 0; !rc && k <= EP_EFF_MAX_TYPES; k++) {
        struct ep_eff_type *t = k == EP_EFF_MAX_TYPES ? &out->all : &out->type[k];
        if ((t->span_n = w->span[k].n))
            median_p95(w->span[k].v, t->span_n, &t->span_median, &p95);
    }
    if (!rc)
        qsort(out->type, (size_t)out->n_type, sizeof out->type[0], by_procedures);
    for (int k = 0; k <= EP_EFF_MAX_TYPES; k++)
        free(w->span[k].v);
    free(w);
    if (!rc)
        (void)ep_derived_save(env->store, "", EFF_KIND, eff_write, out); /* best effort */
    return rc;
}
