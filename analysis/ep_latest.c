#include "ep_latest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_fetch.h"
#include "ep_store.h"
#include "ep_util.h"

const char *const ep_latest_fetch_name[5] = {"not_requested", "ingested", "already_stored",
                                             "not_published", "failed"};

void ep_latest_init(struct ep_latest *out)
{
    memset(out, 0, sizeof *out);
}

void ep_latest_free(struct ep_latest *out)
{
    if (!out)
        return;
    ep_query_sitting_votes_free(out->vote, out->n_vote);
    free(out->pos_index);
    ep_positions_release(out->pos);
    ep_latest_init(out);
}

/* Fetch PV-{term}-{date}-RCV_EN.xml and ingest it; the outcome goes into out. */
static int fetch_xml(struct ep_env *env, const struct ep_latest_params *p, const char *date,
                     struct ep_latest *out, struct ep_error *err)
{
    struct ep_fetch *f = p->doceo, *own = NULL;
    const char *base = p->base_url ? p->base_url : getenv("EP_DOCEO_URL");
    if (!base || !*base)
        base = EP_LATEST_DOCEO_URL;
    char path[96];
    snprintf(path, sizeof path, "doceo/document/PV-%d-%s-RCV_EN.xml", p->term, date);
    const char *b = f ? ep_fetch_base_url(f) : base;
    size_t bl = strlen(b);
    snprintf(out->fetch_url, sizeof out->fetch_url, "%s%s%s", b,
             bl && b[bl - 1] == '/' ? "" : "/", path);
    out->fetch_status = EP_LATEST_FETCH_FAILED;
    struct ep_error e = {0};
    if (!f) {
        struct ep_fetch_opts o = {.base_url = base, .max_retries = 2, .timeout_ms = 60000};
        if (ep_fetch_new(&o, &own, &e)) {
            snprintf(out->fetch_detail, sizeof out->fetch_detail, "%s", e.msg);
            return 0;
        }
        f = own;
    }
    struct ep_fetch_req q = {.path = path, .endpoint = "doceo", .no_cache = 1};
    struct ep_fetch_result r = {0};
    int rc = ep_fetch_get(f, &q, &r, &e);
    if (rc == EP_ENOTFOUND || (!rc && r.status == 404)) {
        out->fetch_status = EP_LATEST_FETCH_NOT_PUBLISHED;
        snprintf(out->fetch_detail, sizeof out->fetch_detail,
                 "the server answered 404: the roll-call XML of %s is not published (yet)", date);
        rc = 0;
    } else if (rc || !r.body) {
        snprintf(out->fetch_detail, sizeof out->fetch_detail, "%s",
                 rc ? e.msg : "the server sent no body");
        rc = 0;
    } else {
        char dir[4100];
        snprintf(dir, sizeof dir, "%s.doceo", ep_store_path(env->store));
        snprintf(out->fetch_file, sizeof out->fetch_file, "%s/PV-%d-%s-RCV_EN.xml", dir, p->term,
                 date);
        struct ep_ingest_report rep;
        memset(&rep, 0, sizeof rep);
        if (ep_mkdirs(dir, &e) || ep_write_file_atomic(out->fetch_file, r.body, r.len, &e) ||
            ep_store_ingest_file(env->store, out->fetch_file, 0, NULL, NULL, &rep, &e)) {
            snprintf(out->fetch_detail, sizeof out->fetch_detail, "%s", e.msg);
        } else if (rep.skipped) {
            out->fetch_status = EP_LATEST_FETCH_STORED;
            snprintf(out->fetch_detail, sizeof out->fetch_detail,
                     "the store already held this file (same content): nothing changed");
        } else {
            out->fetch_status = EP_LATEST_FETCH_INGESTED;
            out->fetch_records = rep.records;
            snprintf(out->fetch_detail, sizeof out->fetch_detail,
                     "ingested %ld records (votes and positions)", rep.records);
        }
    }
    ep_fetch_result_free(&r);
    ep_fetch_free(own);
    (void)err;
    return rc;
}

int ep_latest_compute(struct ep_env *env, const struct ep_latest_params *p, struct ep_latest *out,
                      struct ep_error *err)
{
    ep_latest_init(out);
    if (!env || !env->store)
        return ep_error_set(err, EP_EINVAL, "no store is open");
    int rc = 0;
    if (p->date)
        snprintf(out->date, sizeof out->date, "%s", p->date);
    else if ((rc = ep_query_dataset_date(env->store, out->date, err)))
        return rc;
    if (!out->date[0])
        return ep_error_set(err, EP_EUNAVAIL,
                            "the store holds no vote: ingest or sync data first (epintel ingest, "
                            "epintel sync)");
    if (p->fetch && (rc = fetch_xml(env, p, out->date, out, err)))
        return rc;
    if ((rc = ep_query_sitting_counts(env->store, out->date, &out->counts, err)))
        return rc;
    if (out->counts.total == 0)
        return ep_error_set(err, EP_EUNAVAIL, "no vote of the store was held on %s", out->date);
    if ((rc = ep_query_sitting_votes(env->store, out->date, p->limit, &out->vote, &out->n_vote,
                                     err)))
        return rc;
    if ((rc = ep_positions_acquire(&env->positions, env->store, &out->pos, err)))
        goto fail;
    out->pos_index = calloc((size_t)(out->n_vote > 0 ? out->n_vote : 1), sizeof *out->pos_index);
    if (!out->pos_index) {
        rc = ep_error_set(err, EP_ENOMEM, "out of memory");
        goto fail;
    }
    for (int k = 0; k < out->n_vote; k++)
        out->pos_index[k] = ep_positions_vote_index(out->pos, out->vote[k].id);
    const struct ep_positions *ps = out->pos;
    if (ps->n_days > 0) {
        const struct ep_positions_day *d = &ps->days[ps->n_days - 1];
        snprintf(out->pos_date, sizeof out->pos_date, "%s", d->date);
        out->pos_date_votes = d->n_votes;
    }
    return 0;
fail:
    ep_latest_free(out);
    return rc;
}
