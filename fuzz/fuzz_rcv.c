/* libFuzzer target for the roll-call XML adapter: any input must give 0 or an error with a
 * message, never a crash, leak or sanitizer report. Built with -DEP_FUZZ=ON (clang). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ep_rcv.h"

/* ep_rcv.c comes from the instrumented ep_engine library (EP_FUZZ builds every layer with
 * -fsanitize=fuzzer-no-link). */

struct counts {
    long sittings, votes, positions, titles, warnings;
};

static int on_sitting(void *ctx, const struct ep_sitting *s, struct ep_error *err)
{
    struct counts *c = ctx;
    c->sittings++;
    return 0;
}

static int on_vote(void *ctx, const struct ep_vote *v, struct ep_error *err)
{
    struct counts *c = ctx;
    c->votes++;
    /* touch the strings so that the sanitizers see any dangling pointer */
    if (v->timestamp)
        c->votes += (long)strlen(v->timestamp) * 0;
    if (v->description)
        c->votes += (long)strlen(v->description) * 0;
    return 0;
}

static int on_position(void *ctx, const struct ep_position *p, struct ep_error *err)
{
    struct counts *c = ctx;
    c->positions++;
    if (p->group_code)
        c->positions += (long)strlen(p->group_code) * 0;
    if (p->name)
        c->positions += (long)strlen(p->name) * 0;
    return 0;
}

static int on_title(void *ctx, int64_t dlv, const char *title, struct ep_error *err)
{
    struct counts *c = ctx;
    c->titles += 1 + (long)strlen(title) * 0;
    return 0;
}

static void on_warn(void *ctx, const char *unit, long line, const char *msg)
{
    struct counts *c = ctx;
    c->warnings += 1 + (long)strlen(msg) * 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct counts c = {0};
    struct ep_sink sink = {
        .ctx = &c,
        .sitting = on_sitting,
        .vote = on_vote,
        .position = on_position,
        .vote_title = on_title,
        .warn = on_warn,
    };
    struct ep_rcv_stats st;
    struct ep_error err = {0};
    /* a roll-call document is XML to the sniff that picks the adapter */
    if (ep_rcv_sniff((const char *)data, size) && !ep_xml_sniff((const char *)data, size))
        __builtin_trap();
    int rc = ep_rcv_parse_buffer((const char *)data, size, "fuzz.xml", &sink, &st, &err);
    if (rc != 0 && (err.code != rc || err.msg[0] == '\0'))
        __builtin_trap(); /* every error must carry its code and a message */
    if (st.votes != c.votes || st.positions != c.positions || st.warnings != c.warnings)
        __builtin_trap();
    /* the pipelined parse (expat on a second thread) gives the same records and result */
    struct counts p = {0};
    sink.ctx = &p;
    struct ep_rcv_stats pst;
    struct ep_error perr = {0};
    int prc =
        ep_rcv_parse_buffer_pipelined((const char *)data, size, "fuzz.xml", &sink, &pst, &perr);
    if (prc != rc || memcmp(&p, &c, sizeof p) != 0 || pst.votes != st.votes ||
        pst.positions != st.positions || pst.warnings != st.warnings ||
        (rc && strcmp(perr.msg, err.msg) != 0))
        __builtin_trap();
    return 0;
}
