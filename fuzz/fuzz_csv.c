/* fuzz_csv: libFuzzer target for the CSV reader and the HowTheyVote adapter.
 * The input is parsed twice: as raw CSV (ep_csv_next until end or error) and as a
 * HowTheyVote export (ep_htv_parse_buffer with a sink that touches every string). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ep_csv.h"
#include "ep_htv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t touch(const char *s)
{
    return s ? strlen(s) : 0;
}

static int on_member(void *ctx, const struct ep_member *m, struct ep_error *err)
{
    *(size_t *)ctx += touch(m->first_name) + touch(m->last_name) + touch(m->country) +
                      touch(m->date_of_birth) + touch(m->email) + touch(m->facebook) +
                      touch(m->twitter);
    return 0;
}

static int on_group(void *ctx, const struct ep_group *g, struct ep_error *err)
{
    *(size_t *)ctx +=
        touch(g->code) + touch(g->official_label) + touch(g->label) + touch(g->short_label);
    return 0;
}

static int on_membership(void *ctx, const struct ep_membership *m, struct ep_error *err)
{
    *(size_t *)ctx += touch(m->group_code) + touch(m->start_date) + touch(m->end_date);
    return 0;
}

static int on_country(void *ctx, const struct ep_country *c, struct ep_error *err)
{
    *(size_t *)ctx += touch(c->code) + touch(c->iso_alpha_2) + touch(c->label);
    return 0;
}

static int on_committee(void *ctx, const struct ep_committee *c, struct ep_error *err)
{
    *(size_t *)ctx += touch(c->code) + touch(c->label) + touch(c->abbreviation);
    return 0;
}

static int on_vote(void *ctx, const struct ep_vote *v, struct ep_error *err)
{
    *(size_t *)ctx += touch(v->timestamp) + touch(v->sitting_date) + touch(v->title) +
                      touch(v->description) + touch(v->reference) + touch(v->procedure_reference) +
                      touch(v->procedure_title) + touch(v->procedure_type) +
                      touch(v->procedure_stage) + touch(v->result);
    /* stop on an arbitrary condition to exercise the callback-error path */
    if (v->count_for == 13)
        return ep_error_set(err, EP_ECONFLICT, "fuzz stop");
    return 0;
}

static int on_position(void *ctx, const struct ep_position *p, struct ep_error *err)
{
    *(size_t *)ctx += touch(p->group_code) + touch(p->country) + (size_t)p->pos;
    return 0;
}

static void on_warn(void *ctx, const char *unit, long line, const char *msg)
{
    *(size_t *)ctx += touch(unit) + touch(msg) + (size_t)line;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* a private copy with no terminator, so that reads past the end are caught */
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    if (size)
        memcpy(buf, data, size);

    struct ep_error err;
    struct ep_csv c;
    size_t sum = 0;
    ep_csv_init(&c, buf, size, "fuzz.csv");
    int rc;
    while ((rc = ep_csv_next(&c, &err)) == 1) {
        for (size_t i = 0; i < c.nfield; i++)
            sum += strlen(c.field[i]);
        if (c.line < 1 || c.record < 1)
            abort();
    }
    if (rc < 0 && (err.code != rc || !err.msg[0]))
        abort();
    ep_csv_free(&c);

    struct ep_sink sink = {.ctx = &sum,
                           .member = on_member,
                           .group = on_group,
                           .membership = on_membership,
                           .country = on_country,
                           .committee = on_committee,
                           .vote = on_vote,
                           .position = on_position,
                           .warn = on_warn};
    int table;
    long records;
    ep_error_clear(&err);
    rc = ep_htv_parse_buffer(buf, size, "fuzz.csv", &sink, &table, &records, &err);
    if (rc < 0 && (err.code != rc || !err.msg[0]))
        abort();
    /* the header sniff that orders files for ingest names the table the parse recognised */
    int sniffed = ep_htv_sniff(buf, size);
    if (sniffed != EP_HTV_UNKNOWN && table != EP_HTV_UNKNOWN && sniffed != table)
        abort();
    free(buf);
    return sum == (size_t)-1; /* keep sum alive */
}
