/* ep_rcv: streaming expat adapter for the EP roll-call XML. Contract: ep_rcv.h. */
#include "ep_rcv.h"

#include <errno.h>
#include <expat.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "ep_util.h"

#define RCV_ROOT "PV.RollCallVoteResults"
#define RCV_TEXT_MAX ((size_t)1 << 20) /* longest single text node we accept */
#define RCV_CHUNK ((size_t)1 << 16)    /* bytes fed to expat at a time */
#define RCV_NONE UINT32_MAX            /* "no string" offset */

/* One buffered position of the current vote. Strings live in rcv.strs (offsets, because the
 * buffer moves when it grows). 24 bytes: a file parsed ahead queues all its positions. */
struct rcv_pos {
    int64_t member_id;
    uint32_t line;      /* saturated at UINT32_MAX */
    uint32_t group_off; /* group code (canonical, or the raw label) in strs, or RCV_NONE */
    uint32_t name_off;  /* name in strs, or RCV_NONE */
    uint8_t pos;
};

/* A canonical group code already in the current vote's strs. */
struct rcv_canon {
    const char *code; /* static, from ep_group_canonical */
    uint32_t off;
};

enum rcv_collect {
    COLLECT_NONE = 0,
    COLLECT_DESC,
    COLLECT_MEMBER,
    COLLECT_TITLE,
};

struct rcv_pipe;

struct rcv {
    XML_Parser xp;
    const char *unit;
    const struct ep_sink *sink;
    struct rcv_pipe *pipe; /* NULL: records go to the sink directly */
    struct ep_rcv_stats stats;
    struct ep_error err; /* first error; rc says whether it is set */
    int rc;
    int is_final; /* the final XML_Parse call is running */
    int no_names; /* positions' names are not kept */

    int depth; /* element depth, root = 1 */
    int root_seen;
    int skip_depth; /* > 0: inside an ignored subtree (Intentions) that started at this depth */

    /* current vote */
    int in_vote;
    long vote_line;
    int64_t vote_id, dlv_id;
    char *timestamp;
    char sitting_date[11];
    char *description;
    int have_section[4];  /* indexed by enum ep_pos */
    int number[4];        /* Number attribute per section, -1 missing */
    long section_line[4]; /* line of each section element */
    int counted[4];       /* names counted per section */
    int section;          /* current section (EP_POS_*), 0 outside */
    uint32_t group_off; /* current group's code in strs, or RCV_NONE */
    struct rcv_canon *canon; /* canonical codes in strs */
    size_t ncanon, acanon;
    struct rcv_pos *pos;
    size_t npos, apos;
    struct rcv_pos *sort_tmp; /* merge sort scratch, apos entries */
    size_t asort_tmp;
    struct ep_buf strs; /* names and labels of the current vote, NUL-separated (< 4 GiB) */
    uint32_t *warned;   /* offsets in strs of labels already warned about in this vote */
    size_t nwarned, awarned;

    /* current member / title / description text */
    enum rcv_collect collect;
    int collect_depth; /* depth of the element being collected */
    long collect_line;
    int64_t member_id;
    int64_t title_dlv;
    struct ep_buf text;
};

/* ---- errors ---------------------------------------------------------------------------- */

static long rcv_line(const struct rcv *r)
{
    return (long)XML_GetCurrentLineNumber(r->xp);
}

/* Record the first error and stop the parser. Returns code. */
static int rcv_fail(struct rcv *r, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int rcv_fail(struct rcv *r, int code, const char *fmt, ...)
{
    if (r->rc)
        return r->rc;
    char msg[EP_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ep_error_set(&r->err, code, "%s:%ld: %s", r->unit, rcv_line(r), msg);
    r->rc = code;
    XML_StopParser(r->xp, XML_FALSE);
    return code;
}

static int rcv_oom(struct rcv *r)
{
    return rcv_fail(r, EP_ENOMEM, "out of memory");
}

/* ---- records: delivered to the sink, directly or through the pipe ------------------------ */

/* One record the parser emits, with the line the parser was at: a sink failure is reported
 * there. The sink is called by ev_deliver, on the parser's thread (ep_rcv_parse_buffer) or on
 * the caller's thread while expat runs on another (ep_rcv_parse_buffer_pipelined). */
enum rcv_ev_kind { EV_SITTING, EV_WARN, EV_VOTE, EV_TITLE, EV_END };

struct rcv_ev {
    enum rcv_ev_kind kind;
    long line;
    struct rcv_ev *next;
    struct ep_sitting sitting; /* EV_SITTING */
    struct ep_vote vote;       /* EV_VOTE, with its positions: */
    const struct rcv_pos *pos; /*   pos[npos], strings at offsets in strs */
    size_t npos;
    const char *strs;
    int64_t dlv_id;      /* EV_TITLE */
    const char *text;    /* EV_TITLE title, EV_WARN message */
    int rc;              /* EV_END: the parser's result */
    struct ep_error err; /* EV_END */
    char date[11];       /* storage of vote.sitting_date in a queued record */
    void *own[4];        /* what a queued record owns */
    /* A queued vote's copies of pos and strs. Vote records go back to the parser once
     * delivered and are reused with these buffers, so that no memory changes hands between
     * the threads (freeing another thread's blocks makes its malloc arena shrink and regrow,
     * each time with page faults and TLB shootdowns). */
    struct ep_buf pos_buf; /* pos[npos] */
    struct ep_buf strs_buf;
};

/* A failed sink callback: keep its code and message, prefixed with unit:line. */
static int ev_failed(const struct rcv_ev *ev, const char *unit, int rc, const char *what,
                     struct ep_error *err)
{
    if (rc > 0)
        rc = EP_EINTERNAL;
    if (err->code == EP_OK || err->msg[0] == '\0')
        ep_error_set(err, rc, "%s callback failed: %s", what, ep_strerror(rc));
    err->code = rc;
    ep_error_prefix(err, "%s:%ld: ", unit, ev->line);
    return rc;
}

/* Call the sink for one record. Returns 0 or the sink's error (in err, with unit:line). */
static int ev_deliver(const struct rcv_ev *ev, const char *unit, const struct ep_sink *sink,
                      struct ep_rcv_stats *stats, struct ep_error *err)
{
    int rc = 0;
    switch (ev->kind) {
    case EV_SITTING:
        if (sink->sitting && (rc = sink->sitting(sink->ctx, &ev->sitting, err)))
            return ev_failed(ev, unit, rc, "sitting", err);
        return 0;
    case EV_WARN:
        stats->warnings++;
        if (sink->warn)
            sink->warn(sink->ctx, unit, ev->line, ev->text);
        return 0;
    case EV_TITLE:
        if (sink->vote_title && (rc = sink->vote_title(sink->ctx, ev->dlv_id, ev->text, err)))
            return ev_failed(ev, unit, rc, "vote_title", err);
        return 0;
    case EV_VOTE:
        if (sink->vote && (rc = sink->vote(sink->ctx, &ev->vote, err)))
            return ev_failed(ev, unit, rc, "vote", err);
        stats->votes++;
        for (size_t i = 0; i < ev->npos; i++) {
            const struct rcv_pos *p = &ev->pos[i];
            struct ep_position ep = {
                .vote_id = ev->vote.id,
                .member_id = p->member_id,
                .pos = p->pos,
                .group_code = p->group_off == RCV_NONE ? NULL : ev->strs + p->group_off,
                .name = p->name_off == RCV_NONE ? NULL : ev->strs + p->name_off,
                .line = (long)p->line,
            };
            if (sink->position && (rc = sink->position(sink->ctx, &ep, err)))
                return ev_failed(ev, unit, rc, "position", err);
            stats->positions++;
        }
        return 0;
    case EV_END: break;
    }
    return 0;
}

static void ev_free(struct rcv_ev *ev)
{
    for (size_t i = 0; i < sizeof ev->own / sizeof ev->own[0]; i++)
        free(ev->own[i]);
    ep_buf_free(&ev->pos_buf);
    ep_buf_free(&ev->strs_buf);
    free(ev);
}

/* The queue between the parser thread and the caller's thread. */
#define RCV_PIPE_DEPTH 16 /* records in flight (a vote record holds all its positions) */
/* Records a parse started ahead may queue before its sink comes: a whole file of the EP's
 * (the largest bundled one has 64 votes, and as many titles); a vote record holds 24 bytes
 * per position (17 KB at 720 MEPs), plus the names unless the sink has no_names. */
#define RCV_AHEAD_DEPTH 1024

struct rcv_pipe {
    pthread_mutex_t mu;
    pthread_cond_t can_push, can_pop;
    struct rcv_ev *head, *tail;
    int n, depth;
    int cancel;          /* the consumer failed: the parser stops at its next record */
    struct rcv_ev *idle; /* delivered vote records, for reuse */
};

/* A delivered record (the caller's thread): a vote record goes back for reuse. */
static void pipe_recycle(struct rcv_pipe *p, struct rcv_ev *ev)
{
    if (ev->kind != EV_VOTE) {
        ev_free(ev);
        return;
    }
    for (size_t i = 0; i < sizeof ev->own / sizeof ev->own[0]; i++) {
        free(ev->own[i]);
        ev->own[i] = NULL;
    }
    pthread_mutex_lock(&p->mu);
    ev->next = p->idle;
    p->idle = ev;
    pthread_mutex_unlock(&p->mu);
}

/* A vote record for reuse (the parser's thread), or a new zeroed one; NULL: no memory. */
static struct rcv_ev *pipe_reuse(struct rcv_pipe *p)
{
    pthread_mutex_lock(&p->mu);
    struct rcv_ev *ev = p->idle;
    if (ev)
        p->idle = ev->next;
    pthread_mutex_unlock(&p->mu);
    return ev ? ev : calloc(1, sizeof *ev);
}

/* Queue ev (the parser's thread). Returns 0, or EP_ECANCELED (ev not queued) when the
 * consumer stopped. EV_END is always queued. */
static int pipe_push(struct rcv_pipe *p, struct rcv_ev *ev)
{
    pthread_mutex_lock(&p->mu);
    while (ev->kind != EV_END && p->n >= p->depth && !p->cancel)
        pthread_cond_wait(&p->can_push, &p->mu);
    if (ev->kind != EV_END && p->cancel) {
        pthread_mutex_unlock(&p->mu);
        return EP_ECANCELED;
    }
    ev->next = NULL;
    if (p->tail)
        p->tail->next = ev;
    else
        p->head = ev;
    p->tail = ev;
    p->n++;
    pthread_cond_signal(&p->can_pop);
    pthread_mutex_unlock(&p->mu);
    return 0;
}

static struct rcv_ev *pipe_pop(struct rcv_pipe *p)
{
    pthread_mutex_lock(&p->mu);
    while (!p->head)
        pthread_cond_wait(&p->can_pop, &p->mu);
    struct rcv_ev *ev = p->head;
    p->head = ev->next;
    if (!p->head)
        p->tail = NULL;
    p->n--;
    pthread_cond_signal(&p->can_push);
    pthread_mutex_unlock(&p->mu);
    return ev;
}

static void pipe_cancel(struct rcv_pipe *p)
{
    pthread_mutex_lock(&p->mu);
    p->cancel = 1;
    pthread_cond_broadcast(&p->can_push);
    pthread_mutex_unlock(&p->mu);
}

static char *dup_or_null(const char *s, int *oom)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *oom = 1;
    return d;
}

/* A queued copy of ev. The strings of a sitting, title or warning are copied; a vote's
 * positions and strings are copied into a reused record, its timestamp and description are
 * taken over from r. */
static struct rcv_ev *ev_queued(struct rcv *r, const struct rcv_ev *ev)
{
    /* kind is read once: gcc's analyser cannot tell that the writes to q (a record from the
     * idle list) leave *ev alone, and re-reading it took paths that do not exist. */
    const enum rcv_ev_kind kind = ev->kind;
    struct rcv_ev *q = kind == EV_VOTE ? pipe_reuse(r->pipe) : calloc(1, sizeof *q);
    if (!q)
        return NULL;
    struct ep_buf pos_buf = q->pos_buf;
    struct ep_buf strs_buf = q->strs_buf;
    *q = *ev;
    memset(q->own, 0, sizeof q->own);
    q->pos_buf = pos_buf;
    q->strs_buf = strs_buf;
    int oom = 0;
    switch (kind) {
    case EV_SITTING:
        q->sitting.date = q->own[0] = dup_or_null(ev->sitting.date, &oom);
        q->sitting.reference = q->own[1] = dup_or_null(ev->sitting.reference, &oom);
        break;
    case EV_WARN:
    case EV_TITLE: q->text = q->own[0] = dup_or_null(ev->text, &oom); break;
    case EV_VOTE:
        memcpy(q->date, r->sitting_date, sizeof q->date);
        q->vote.sitting_date = q->date;
        q->own[0] = r->timestamp;
        q->own[1] = r->description;
        r->timestamp = r->description = NULL;
        /* The positions and strings go into the record's own buffers (ep_buf: grown, never
         * shrunk). The positions are stored as bytes; ep_buf's block is malloc'd, so aligned. */
        ep_buf_reset(&q->pos_buf);
        ep_buf_reset(&q->strs_buf);
        if (ep_buf_append(&q->pos_buf, ev->pos, ev->npos * sizeof *ev->pos) ||
            ep_buf_append(&q->strs_buf, r->strs.data ? r->strs.data : "", r->strs.len)) {
            oom = 1;
            break;
        }
        q->pos = (const struct rcv_pos *)(const void *)q->pos_buf.data;
        q->strs = q->strs_buf.data;
        break;
    case EV_END: break;
    }
    if (oom) {
        ev_free(q);
        return NULL;
    }
    return q;
}

/* Emit one record: to the sink now, or queued for the consumer thread. Returns 0 or an error
 * (then the parser stops). */
static int rcv_emit(struct rcv *r, const struct rcv_ev *ev)
{
    int rc;
    if (!r->pipe) {
        rc = ev_deliver(ev, r->unit, r->sink, &r->stats, &r->err);
    } else {
        struct rcv_ev *q = ev_queued(r, ev);
        if (!q)
            return rcv_oom(r);
        rc = pipe_push(r->pipe, q);
        if (rc)
            ev_free(q);
    }
    if (rc) {
        r->rc = rc;
        XML_StopParser(r->xp, XML_FALSE);
    }
    return rc;
}

/* Records are queued for a sink that is not known to the parser (a parse on its own thread):
 * each one is made, whether the sink will want it or not (ev_deliver decides). */
static int rcv_queues(const struct rcv *r)
{
    return r->pipe != NULL;
}

static void rcv_warn(struct rcv *r, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void rcv_warn(struct rcv *r, long line, const char *fmt, ...)
{
    char msg[EP_ERROR_MSG_MAX];
    struct rcv_ev ev = {.kind = EV_WARN, .line = line};
    if (rcv_queues(r) || r->sink->warn) { /* else only counted */
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        ev.text = msg;
    }
    rcv_emit(r, &ev);
}

/* ---- small helpers --------------------------------------------------------------------- */

static const char *attr(const XML_Char **atts, const char *name)
{
    for (size_t i = 0; atts[i]; i += 2)
        if (strcmp(atts[i], name) == 0)
            return atts[i + 1];
    return NULL;
}

/* Strict non-negative decimal integer (digits only, no sign, no blanks). */
static int parse_i64(const char *s, int64_t *out)
{
    if (!s || !*s)
        return -1;
    int64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        int d = *p - '0';
        if (v > (INT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* In place: trim both ends and, if collapse, turn each run of whitespace into one space. */
static void normalize(struct ep_buf *b, int collapse)
{
    if (!b->data)
        return;
    size_t o = 0;
    int pending = 0;
    for (size_t i = 0; i < b->len; i++) {
        char c = b->data[i];
        if (is_space(c)) {
            if (!collapse && o > 0) {
                b->data[o++] = c;
                continue;
            }
            pending = o > 0;
            continue;
        }
        if (pending) {
            b->data[o++] = ' ';
            pending = 0;
        }
        b->data[o++] = c;
    }
    while (o > 0 && is_space(b->data[o - 1]))
        o--;
    b->data[o] = '\0';
    b->len = o;
}

/* Append s plus its NUL to strs; *off gets its offset. */
static int strs_add(struct rcv *r, const char *s, size_t n, uint32_t *off)
{
    if (n >= (size_t)RCV_NONE - r->strs.len)
        return rcv_fail(r, EP_ELIMIT, "vote %lld: its names and labels exceed 4 GiB",
                        (long long)r->vote_id);
    *off = (uint32_t)r->strs.len;
    if (ep_buf_append(&r->strs, s, n) || ep_buf_putc(&r->strs, '\0'))
        return rcv_oom(r);
    return 0;
}

/* arr (n elements of size bytes, capacity *cap) with room for one more: the same, or moved
 * (capacity doubled; first for the first allocation). NULL: no memory (the parser stops, arr
 * is unchanged). */
static void *room_for_one(struct rcv *r, void *arr, size_t n, size_t *cap, size_t size,
                          size_t first)
{
    if (n < *cap)
        return arr;
    size_t c = *cap ? *cap * 2 : first;
    void *p = realloc(arr, c * size);
    if (!p) {
        rcv_oom(r);
        return NULL;
    }
    *cap = c;
    return p;
}

static const char *strs_at(const struct rcv *r, uint32_t off)
{
    return off == RCV_NONE ? NULL : r->strs.data + off;
}

static void vote_reset(struct rcv *r)
{
    r->in_vote = 0;
    free(r->timestamp);
    free(r->description);
    r->timestamp = r->description = NULL;
    r->vote_id = r->dlv_id = -1;
    r->sitting_date[0] = '\0';
    for (int i = 0; i < 4; i++) {
        r->have_section[i] = 0;
        r->number[i] = 0;
        r->section_line[i] = 0;
        r->counted[i] = 0;
    }
    r->section = 0;
    r->group_off = RCV_NONE;
    r->npos = 0;
    r->nwarned = 0;
    r->ncanon = 0;
    ep_buf_reset(&r->strs);
}

static int section_of(const char *name)
{
    if (strcmp(name, "Result.For") == 0)
        return EP_POS_FOR;
    if (strcmp(name, "Result.Against") == 0)
        return EP_POS_AGAINST;
    if (strcmp(name, "Result.Abstention") == 0)
        return EP_POS_ABSTENTION;
    return 0;
}

static void start_collect(struct rcv *r, enum rcv_collect what)
{
    r->collect = what;
    r->collect_depth = r->depth;
    r->collect_line = rcv_line(r);
    ep_buf_reset(&r->text);
}

/* ---- element handlers ------------------------------------------------------------------ */

static void on_root(struct rcv *r, const XML_Char **atts)
{
    const char *date = attr(atts, "Sitting.Date");
    const char *ident = attr(atts, "Sitting.Identifier");
    const char *ref = attr(atts, "EP.Reference");
    struct ep_sitting s = {.date = date, .ep_id = -1, .reference = ref, .term = -1};
    if (date && !ep_date_valid(date)) {
        rcv_fail(r, EP_EPARSE, "Sitting.Date \"%s\" is not a YYYY-MM-DD date", date);
        return;
    }
    if (ident && parse_i64(ident, &s.ep_id) != 0) {
        rcv_fail(r, EP_EPARSE, "Sitting.Identifier \"%s\" is not a number", ident);
        return;
    }
    /* "P9_PV(2024)01-16" -> 9 */
    if (ref && ref[0] == 'P' && ref[1] >= '0' && ref[1] <= '9') {
        int t = 0;
        const char *p = ref + 1;
        while (*p >= '0' && *p <= '9' && t < 1000)
            t = t * 10 + (*p++ - '0');
        if (*p == '_')
            s.term = t;
    }
    if (rcv_queues(r) || r->sink->sitting) {
        struct rcv_ev ev = {.kind = EV_SITTING, .line = rcv_line(r), .sitting = s};
        rcv_emit(r, &ev);
    }
}

static void on_vote_start(struct rcv *r, const XML_Char **atts)
{
    if (r->in_vote) {
        rcv_fail(r, EP_EPARSE, "RollCallVote.Result nested inside another one");
        return;
    }
    vote_reset(r);
    r->in_vote = 1;
    r->vote_line = rcv_line(r);
    const char *id = attr(atts, "Identifier");
    const char *dlv = attr(atts, "DlvId");
    const char *date = attr(atts, "Date");
    if (!id) {
        rcv_fail(r, EP_EPARSE, "RollCallVote.Result without Identifier");
        return;
    }
    if (parse_i64(id, &r->vote_id) != 0) {
        rcv_fail(r, EP_EPARSE, "RollCallVote.Result Identifier \"%s\" is not a number", id);
        return;
    }
    if (dlv && parse_i64(dlv, &r->dlv_id) != 0) {
        rcv_fail(r, EP_EPARSE, "vote %lld: DlvId \"%s\" is not a number", (long long)r->vote_id,
                 dlv);
        return;
    }
    if (!date) {
        rcv_fail(r, EP_EPARSE, "vote %lld: RollCallVote.Result without Date",
                 (long long)r->vote_id);
        return;
    }
    if (strlen(date) < 10 || (date[10] != '\0' && date[10] != ' ' && date[10] != 'T')) {
        rcv_fail(r, EP_EPARSE, "vote %lld: Date \"%s\" is not \"YYYY-MM-DD HH:MM:SS\"",
                 (long long)r->vote_id, date);
        return;
    }
    memcpy(r->sitting_date, date, 10);
    r->sitting_date[10] = '\0';
    if (!ep_date_valid(r->sitting_date)) {
        rcv_fail(r, EP_EPARSE, "vote %lld: Date \"%s\" is not a valid date", (long long)r->vote_id,
                 date);
        return;
    }
    r->timestamp = strdup(date);
    if (!r->timestamp)
        rcv_oom(r);
}

static void on_section_start(struct rcv *r, int sec, const char *name, const XML_Char **atts)
{
    if (r->have_section[sec]) {
        rcv_fail(r, EP_EPARSE, "vote %lld: %s appears twice", (long long)r->vote_id, name);
        return;
    }
    r->have_section[sec] = 1;
    r->section = sec;
    r->section_line[sec] = rcv_line(r);
    const char *num = attr(atts, "Number");
    int64_t v;
    if (!num) {
        r->number[sec] = -1;
    } else if (parse_i64(num, &v) != 0 || v > INT32_MAX) {
        rcv_fail(r, EP_EPARSE, "vote %lld: %s Number \"%s\" is not a number", (long long)r->vote_id,
                 name, num);
    } else {
        r->number[sec] = (int)v;
    }
}

static void on_group_start(struct rcv *r, const XML_Char **atts)
{
    const char *label = attr(atts, "Identifier");
    r->group_off = RCV_NONE;
    if (!label)
        return;
    const char *canon = ep_group_canonical(label);
    if (canon) {
        for (size_t i = 0; i < r->ncanon; i++) {
            if (r->canon[i].code == canon) {
                r->group_off = r->canon[i].off;
                return;
            }
        }
        struct rcv_canon *c = room_for_one(r, r->canon, r->ncanon, &r->acanon, sizeof *c, 16);
        if (!c)
            return;
        r->canon = c;
        if (strs_add(r, canon, strlen(canon), &r->group_off))
            return;
        r->canon[r->ncanon].code = canon;
        r->canon[r->ncanon++].off = r->group_off;
        return;
    }
    for (size_t i = 0; i < r->nwarned; i++) {
        if (strcmp(r->strs.data + r->warned[i], label) == 0) {
            r->group_off = r->warned[i];
            return;
        }
    }
    if (strs_add(r, label, strlen(label), &r->group_off))
        return;
    uint32_t *w = room_for_one(r, r->warned, r->nwarned, &r->awarned, sizeof *w, 8);
    if (!w)
        return;
    r->warned = w;
    r->warned[r->nwarned++] = r->group_off;
    rcv_warn(r, rcv_line(r), "vote %lld: unknown political group \"%s\" (kept as is)",
             (long long)r->vote_id, label);
}

static void on_member_start(struct rcv *r, const XML_Char **atts)
{
    const char *pid = attr(atts, "PersId");
    start_collect(r, COLLECT_MEMBER);
    r->member_id = -1;
    if (pid && parse_i64(pid, &r->member_id) != 0)
        rcv_fail(r, EP_EPARSE, "vote %lld: PersId \"%s\" is not a number", (long long)r->vote_id,
                 pid);
    /* a missing PersId is reported at the end tag, where the member's text is known */
}

static void on_member_end(struct rcv *r)
{
    if (r->member_id < 0) {
        normalize(&r->text, 0);
        ep_error_set(&r->err, EP_EPARSE, "%s:%ld: vote %lld: member \"%s\" has no PersId", r->unit,
                     r->collect_line, (long long)r->vote_id, r->text.data ? r->text.data : "");
        r->rc = EP_EPARSE;
        XML_StopParser(r->xp, XML_FALSE);
        return;
    }
    struct rcv_pos *p = room_for_one(r, r->pos, r->npos, &r->apos, sizeof *p, 256);
    if (!p)
        return;
    r->pos = p;
    p = &r->pos[r->npos];
    p->member_id = r->member_id;
    p->pos = (uint8_t)r->section;
    p->line = r->collect_line > (long)UINT32_MAX ? UINT32_MAX : (uint32_t)r->collect_line;
    p->group_off = r->group_off;
    p->name_off = RCV_NONE;
    if (!r->no_names) {
        normalize(&r->text, 0);
        if (r->text.len && strs_add(r, r->text.data, r->text.len, &p->name_off))
            return;
    }
    r->npos++;
    r->counted[r->section]++;
}

static int pos_before(const struct rcv_pos *x, const struct rcv_pos *y)
{
    return x->member_id != y->member_id ? x->member_id < y->member_id : x->line < y->line;
}

/* Sort a[0..n) by (member, line), with tmp[n] as scratch: a bottom-up merge sort with the
 * comparison inlined (qsort's indirect calls and its own scratch allocation were a tenth of
 * the parse). Runs of 16 are sorted by insertion first. */
static void sort_pos(struct rcv_pos *a, struct rcv_pos *tmp, size_t n)
{
    enum { RUN = 16 };
    for (size_t lo = 0; lo < n; lo += RUN) {
        size_t hi = lo + RUN < n ? lo + RUN : n;
        for (size_t i = lo + 1; i < hi; i++) {
            struct rcv_pos v = a[i];
            size_t j = i;
            for (; j > lo && pos_before(&v, &a[j - 1]); j--)
                a[j] = a[j - 1];
            a[j] = v;
        }
    }
    struct rcv_pos *src = a, *dst = tmp;
    for (size_t w = RUN; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                dst[k++] = pos_before(&src[j], &src[i]) ? src[j++] : src[i++];
            while (i < mid)
                dst[k++] = src[i++];
            while (j < hi)
                dst[k++] = src[j++];
        }
        struct rcv_pos *t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, n * sizeof *a);
}

/* Sort the current vote's positions by member (the order they are emitted in: the store then
 * writes them in primary-key order) and fail if a member is listed twice. */
static int sort_positions(struct rcv *r)
{
    if (r->npos < 2)
        return 0;
    if (r->asort_tmp < r->npos) {
        free(r->sort_tmp);
        r->sort_tmp = malloc(r->apos * sizeof *r->sort_tmp);
        r->asort_tmp = r->sort_tmp ? r->apos : 0;
        if (!r->sort_tmp)
            return rcv_oom(r);
    }
    sort_pos(r->pos, r->sort_tmp, r->npos);
    for (size_t i = 1; i < r->npos; i++) {
        const struct rcv_pos *a = &r->pos[i - 1], *b = &r->pos[i];
        if (a->member_id == b->member_id) {
            const char *name = strs_at(r, b->name_off);
            ep_error_set(&r->err, EP_EPARSE,
                         "%s:%ld: vote %lld: member %lld%s%s%s is listed twice (%s at line %ld, "
                         "%s at line %ld)",
                         r->unit, (long)b->line, (long long)r->vote_id, (long long)b->member_id,
                         name ? " (" : "", name ? name : "", name ? ")" : "",
                         ep_pos_name(a->pos), (long)a->line, ep_pos_name(b->pos), (long)b->line);
            r->rc = EP_EPARSE;
            XML_StopParser(r->xp, XML_FALSE);
            return EP_EPARSE;
        }
    }
    return 0;
}

static void on_vote_end(struct rcv *r)
{
    if (sort_positions(r))
        return;
    static const char *const sec_name[4] = {"", "FOR", "AGAINST", "ABSTENTION"};
    for (int s = EP_POS_FOR; s <= EP_POS_ABSTENTION; s++) {
        if (r->number[s] >= 0 && r->number[s] != r->counted[s])
            rcv_warn(r, r->have_section[s] ? r->section_line[s] : r->vote_line,
                     "vote %lld: %s Number=\"%d\" but %d names are listed", (long long)r->vote_id,
                     sec_name[s], r->number[s], r->counted[s]);
    }
    struct rcv_ev ev = {
        .kind = EV_VOTE,
        .line = rcv_line(r),
        .vote =
            {
                .id = r->vote_id,
                .timestamp = r->timestamp,
                .sitting_date = r->sitting_date,
                .description = r->description,
                .is_main = -1,
                .count_for = r->number[EP_POS_FOR],
                .count_against = r->number[EP_POS_AGAINST],
                .count_abstention = r->number[EP_POS_ABSTENTION],
                .count_did_not_vote = -1,
                .dlv_id = r->dlv_id,
            },
        .pos = r->pos,
        .npos = r->npos,
        .strs = r->strs.data,
    };
    if (rcv_emit(r, &ev))
        return;
    vote_reset(r);
}

static void on_title_end(struct rcv *r)
{
    normalize(&r->text, 1);
    if (r->title_dlv < 0 || r->text.len == 0 || !(rcv_queues(r) || r->sink->vote_title))
        return;
    struct rcv_ev ev = {
        .kind = EV_TITLE, .line = rcv_line(r), .dlv_id = r->title_dlv, .text = r->text.data};
    rcv_emit(r, &ev);
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct rcv *r = ud;
    if (r->rc)
        return;
    r->depth++;
    if (r->skip_depth)
        return;
    if (r->depth == 1) {
        r->root_seen = 1;
        if (strcmp(name, RCV_ROOT) != 0) {
            rcv_fail(r, EP_EPARSE, "root element is %s, expected " RCV_ROOT, name);
            return;
        }
        on_root(r, atts);
        return;
    }
    if (r->collect == COLLECT_MEMBER || r->collect == COLLECT_TITLE) {
        /* nested markup inside a name or title: keep collecting its text */
        return;
    }
    if (r->collect == COLLECT_DESC)
        return; /* e.g. <a> inside the description */
    if (strcmp(name, "Intentions") == 0) {
        r->skip_depth = r->depth; /* corrections after the vote: not part of the result */
        return;
    }
    if (strcmp(name, "RollCallVote.Result") == 0) {
        on_vote_start(r, atts);
        return;
    }
    if (strcmp(name, "VoteTitle") == 0) {
        const char *dlv = attr(atts, "DlvId");
        start_collect(r, COLLECT_TITLE);
        r->title_dlv = -1;
        if (dlv && parse_i64(dlv, &r->title_dlv) != 0)
            rcv_fail(r, EP_EPARSE, "VoteTitle DlvId \"%s\" is not a number", dlv);
        return;
    }
    if (!r->in_vote)
        return;
    if (strcmp(name, "RollCallVote.Description.Text") == 0) {
        start_collect(r, COLLECT_DESC);
        return;
    }
    int sec = section_of(name);
    if (sec) {
        on_section_start(r, sec, name, atts);
        return;
    }
    if (!r->section)
        return;
    if (strcmp(name, "Result.PoliticalGroup.List") == 0) {
        on_group_start(r, atts);
        return;
    }
    if (strcmp(name, "PoliticalGroup.Member.Name") == 0)
        on_member_start(r, atts);
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    struct rcv *r = ud;
    if (r->rc)
        return;
    int d = r->depth--;
    if (r->skip_depth) {
        if (d == r->skip_depth)
            r->skip_depth = 0;
        return;
    }
    if (r->collect && d == r->collect_depth) {
        enum rcv_collect what = r->collect;
        r->collect = COLLECT_NONE;
        if (what == COLLECT_MEMBER) {
            on_member_end(r);
        } else if (what == COLLECT_TITLE) {
            on_title_end(r);
        } else {
            normalize(&r->text, 1);
            free(r->description);
            r->description = NULL;
            if (r->text.len && !(r->description = strdup(r->text.data)))
                rcv_oom(r);
        }
        return;
    }
    if (r->collect)
        return;
    if (!r->in_vote)
        return;
    if (strcmp(name, "RollCallVote.Result") == 0) {
        on_vote_end(r);
        return;
    }
    if (section_of(name)) {
        r->section = 0;
        r->group_off = RCV_NONE;
        return;
    }
    if (strcmp(name, "Result.PoliticalGroup.List") == 0) {
        r->group_off = RCV_NONE;
    }
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
    struct rcv *r = ud;
    if (r->rc || r->skip_depth || !r->collect || len <= 0)
        return;
    int rc = ep_buf_append(&r->text, s, (size_t)len);
    if (rc == EP_ELIMIT)
        rcv_fail(r, EP_ELIMIT, "text of one element is longer than the limit of %zu bytes",
                 RCV_TEXT_MAX);
    else if (rc)
        rcv_oom(r);
}

/* Entity declarations are never used by the EP files; refusing them rules out entity
 * expansion attacks. */
static void XMLCALL on_entity_decl(void *ud, const XML_Char *name, int is_param,
                                   const XML_Char *value, int value_len, const XML_Char *base,
                                   const XML_Char *system_id, const XML_Char *public_id,
                                   const XML_Char *notation)
{
    struct rcv *r = ud;
    rcv_fail(r, EP_EPARSE, "XML with entity declarations is refused (entity \"%s\"; roll-call files declare none)",
             name);
}

/* ---- driver ---------------------------------------------------------------------------- */

static int rcv_init(struct rcv *r, const char *unit, const struct ep_sink *sink)
{
    memset(r, 0, sizeof *r);
    r->unit = unit ? unit : "(buffer)";
    r->sink = sink;
    r->no_names = sink->no_names != 0;
    ep_buf_init(&r->strs, 0);
    ep_buf_init(&r->text, RCV_TEXT_MAX);
    vote_reset(r);
    r->xp = XML_ParserCreate(NULL);
    if (!r->xp)
        return ep_error_set(&r->err, EP_ENOMEM, "%s: cannot create XML parser", r->unit);
    XML_SetUserData(r->xp, r);
    XML_SetElementHandler(r->xp, on_start, on_end);
    XML_SetCharacterDataHandler(r->xp, on_text);
    XML_SetEntityDeclHandler(r->xp, on_entity_decl);
    return 0;
}

static void rcv_destroy(struct rcv *r)
{
    vote_reset(r);
    if (r->xp)
        XML_ParserFree(r->xp);
    ep_buf_free(&r->strs);
    ep_buf_free(&r->text);
    free(r->pos);
    free(r->sort_tmp);
    free(r->warned);
    free(r->canon);
}

/* The expat error, made readable. */
static int rcv_xml_error(struct rcv *r)
{
    enum XML_Error code = XML_GetErrorCode(r->xp);
    long line = (long)XML_GetCurrentLineNumber(r->xp);
    long col = (long)XML_GetCurrentColumnNumber(r->xp) + 1;
    const char *what = XML_ErrorString(code);
    if (code == XML_ERROR_INVALID_TOKEN) {
        int off = 0, size = 0;
        const char *ctx = XML_GetInputContext(r->xp, &off, &size);
        if (ctx && off >= 0 && off < size) {
            unsigned char b = (unsigned char)ctx[off];
            /* look for the first byte that is not valid UTF-8 near the error position */
            int n = size - off;
            for (int i = 0; i < n; i++) {
                unsigned char c = (unsigned char)ctx[off + i];
                if (c < 0x80)
                    continue;
                int k = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
                if (off + i + k > size || !ep_utf8_valid(ctx + off + i, (size_t)k)) {
                    return ep_error_set(&r->err, EP_EPARSE,
                                        "%s:%ld:%ld: invalid UTF-8 (byte 0x%02X): the file is "
                                        "not valid UTF-8 text",
                                        r->unit, line, col, c);
                }
                i += k - 1;
            }
            if (b < 0x20 && b != '\t' && b != '\n' && b != '\r')
                return ep_error_set(&r->err, EP_EPARSE,
                                    "%s:%ld:%ld: control character 0x%02X is not allowed in XML",
                                    r->unit, line, col, b);
        }
        return ep_error_set(&r->err, EP_EPARSE,
                            "%s:%ld:%ld: XML error: %s (malformed markup or invalid UTF-8)",
                            r->unit, line, col, what);
    }
    if (r->is_final && (code == XML_ERROR_NO_ELEMENTS || code == XML_ERROR_UNCLOSED_TOKEN ||
                        code == XML_ERROR_PARTIAL_CHAR || code == XML_ERROR_UNCLOSED_CDATA_SECTION))
        return ep_error_set(&r->err, EP_EPARSE,
                            "%s:%ld:%ld: unexpected end of file (the file is truncated or empty, "
                            "or is not XML): %s",
                            r->unit, line, col, what);
    if (r->depth == 0 && !r->root_seen)
        return ep_error_set(&r->err, EP_EPARSE,
                            "%s:%ld:%ld: XML error: %s (this does not look like an XML document; "
                            "expected <" RCV_ROOT ">)",
                            r->unit, line, col, what);
    return ep_error_set(&r->err, EP_EPARSE, "%s:%ld:%ld: XML error: %s", r->unit, line, col, what);
}

/* Feed n bytes (final: last call). Returns 0 or the error code (in r->err). */
static int rcv_feed(struct rcv *r, const char *data, size_t n, int final)
{
    do {
        size_t k = n < RCV_CHUNK ? n : RCV_CHUNK;
        int last = final && k == n;
        r->is_final = last;
        enum XML_Status st = XML_Parse(r->xp, data, (int)k, last);
        if (r->rc)
            return r->rc;
        if (st != XML_STATUS_OK)
            return r->rc = rcv_xml_error(r);
        data += k;
        n -= k;
    } while (n > 0);
    return 0;
}

static int rcv_finish(struct rcv *r, int rc, struct ep_rcv_stats *stats, struct ep_error *err)
{
    if (!rc && r->in_vote) /* cannot happen with a well-formed document; be safe */
        rc = ep_error_set(&r->err, EP_EPARSE, "%s: document ended inside a vote", r->unit);
    if (stats)
        *stats = r->stats;
    if (rc && err)
        *err = r->err;
    rcv_destroy(r);
    return rc;
}

int ep_rcv_parse_buffer(const char *data, size_t n, const char *unit, const struct ep_sink *sink,
                        struct ep_rcv_stats *stats, struct ep_error *err)
{
    static const struct ep_sink none = {0};
    struct rcv r;
    int rc = rcv_init(&r, unit, sink ? sink : &none);
    if (!rc && !data && n)
        rc = ep_error_set(&r.err, EP_EINVAL, "%s: NULL data", r.unit);
    if (!rc)
        rc = rcv_feed(&r, data ? data : "", n, 1);
    return rcv_finish(&r, rc, stats, err);
}

/* ---- a parse on its own thread, delivered on the caller's ---------------------------------- */

struct ep_rcv_ahead {
    struct rcv_pipe pipe;
    pthread_t tid;
    const char *data;
    size_t n;
    char *unit;        /* owned copy: the caller's name may go before the parser does */
    int no_names;
    struct rcv_ev end; /* the parser's result, queued last (not allocated) */
};

static void *rcv_producer(void *arg)
{
    struct ep_rcv_ahead *a = arg;
    pthread_setname_np(pthread_self(), "epintel-xml");
    /* The parser on its thread calls no sink: it queues every record (see rcv_queues), and
     * ev_deliver skips what the sink lacks. Only no_names is known now. */
    static const struct ep_sink named = {0}, nameless = {.no_names = 1};
    struct rcv r;
    int rc = rcv_init(&r, a->unit, a->no_names ? &nameless : &named);
    r.pipe = &a->pipe;
    if (!rc)
        rc = rcv_feed(&r, a->data, a->n, 1);
    a->end.kind = EV_END;
    a->end.rc = rcv_finish(&r, rc, NULL, &a->end.err);
    pipe_push(&a->pipe, &a->end);
    return NULL;
}

static int ahead_start(const char *data, size_t n, const char *unit, int depth, int no_names,
                       struct ep_rcv_ahead **out, struct ep_error *err)
{
    *out = NULL;
    if (!data && n)
        return ep_error_set(err, EP_EINVAL, "%s: NULL data", unit ? unit : "(buffer)");
    struct ep_rcv_ahead *a = calloc(1, sizeof *a);
    if (!a || !(a->unit = strdup(unit ? unit : "(buffer)"))) {
        free(a);
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    a->data = data ? data : "";
    a->n = n;
    a->pipe.depth = depth;
    a->no_names = no_names;
    if (pthread_mutex_init(&a->pipe.mu, NULL) != 0) {
        free(a->unit);
        free(a);
        return ep_error_set(err, EP_ENOMEM, "cannot create a mutex");
    }
    pthread_cond_init(&a->pipe.can_push, NULL);
    pthread_cond_init(&a->pipe.can_pop, NULL);
    int erc = pthread_create(&a->tid, NULL, rcv_producer, a);
    if (erc != 0) {
        pthread_cond_destroy(&a->pipe.can_push);
        pthread_cond_destroy(&a->pipe.can_pop);
        pthread_mutex_destroy(&a->pipe.mu);
        free(a->unit);
        free(a);
        return ep_error_set(err, EP_ENOMEM, "cannot start the parser thread: %s", strerror(erc));
    }
    *out = a;
    return 0;
}

int ep_rcv_ahead_start(const char *data, size_t n, const char *unit, unsigned flags,
                       struct ep_rcv_ahead **out, struct ep_error *err)
{
    return ahead_start(data, n, unit, RCV_AHEAD_DEPTH, (flags & EP_RCV_NO_NAMES) != 0, out, err);
}

/* Deliver a's records to sink (NULL: none, only drained), until the parser's end; after a
 * sink failure the parser is stopped and the rest dropped. Then join and free. */
static int ahead_finish(struct ep_rcv_ahead *a, const struct ep_sink *sink,
                        struct ep_rcv_stats *stats, struct ep_error *err)
{
    int rc = 0;
    struct ep_rcv_stats st = {0};
    struct ep_error cerr;
    memset(&cerr, 0, sizeof cerr);
    if (!sink)
        pipe_cancel(&a->pipe);
    for (;;) {
        struct rcv_ev *ev = pipe_pop(&a->pipe);
        if (ev->kind == EV_END)
            break;
        if (sink && !rc && (rc = ev_deliver(ev, a->unit, sink, &st, &cerr)))
            pipe_cancel(&a->pipe);
        pipe_recycle(&a->pipe, ev);
    }
    pthread_join(a->tid, NULL);
    while (a->pipe.idle) {
        struct rcv_ev *ev = a->pipe.idle;
        a->pipe.idle = ev->next;
        ev_free(ev);
    }
    if (rc && err) /* the sink's error comes first: the parser stopped after it */
        *err = cerr;
    else if (sink && (rc = a->end.rc) && err)
        *err = a->end.err;
    if (stats)
        *stats = st;
    pthread_cond_destroy(&a->pipe.can_push);
    pthread_cond_destroy(&a->pipe.can_pop);
    pthread_mutex_destroy(&a->pipe.mu);
    free(a->unit);
    free(a);
    return rc;
}

int ep_rcv_ahead_deliver(struct ep_rcv_ahead *a, const struct ep_sink *sink,
                         struct ep_rcv_stats *stats, struct ep_error *err)
{
    static const struct ep_sink none = {0};
    if (!a) {
        if (stats)
            memset(stats, 0, sizeof *stats);
        return ep_error_set(err, EP_EINVAL, "ep_rcv_ahead_deliver: no parse");
    }
    return ahead_finish(a, sink ? sink : &none, stats, err);
}

void ep_rcv_ahead_cancel(struct ep_rcv_ahead *a)
{
    if (a)
        ahead_finish(a, NULL, NULL, NULL);
}

int ep_rcv_parse_buffer_pipelined(const char *data, size_t n, const char *unit,
                                  const struct ep_sink *sink, struct ep_rcv_stats *stats,
                                  struct ep_error *err)
{
    struct ep_rcv_ahead *a = NULL;
    struct ep_error serr;
    if (data && sink)
        (void)ahead_start(data, n, unit, RCV_PIPE_DEPTH, sink->no_names, &a, &serr);
    if (!a) /* no thread: parse here */
        return ep_rcv_parse_buffer(data, n, unit, sink, stats, err);
    return ahead_finish(a, sink, stats, err);
}

int ep_rcv_parse_file(const char *path, const struct ep_sink *sink, struct ep_rcv_stats *stats,
                      struct ep_error *err)
{
    if (!path) {
        if (stats)
            memset(stats, 0, sizeof *stats);
        return ep_error_set(err, EP_EINVAL, "ep_rcv_parse_file: NULL path");
    }
    static const struct ep_sink none = {0};
    struct rcv r;
    int rc = rcv_init(&r, path, sink ? sink : &none);
    if (rc)
        return rcv_finish(&r, rc, stats, err);
    errno = 0;
    gzFile gz = gzopen(path, "rb");
    if (!gz) {
        rc = ep_error_set(&r.err, EP_EIO, "%s: cannot open: %s", path,
                          strerror(errno ? errno : ENOMEM));
        return rcv_finish(&r, rc, stats, err);
    }
    gzbuffer(gz, 1u << 17);
    char *chunk = malloc(RCV_CHUNK);
    if (!chunk) {
        gzclose(gz);
        rc = ep_error_set(&r.err, EP_ENOMEM, "%s: out of memory", path);
        return rcv_finish(&r, rc, stats, err);
    }
    for (;;) {
        int got = gzread(gz, chunk, (unsigned)RCV_CHUNK);
        if (got < 0) {
            int zerr = 0;
            const char *m = gzerror(gz, &zerr);
            rc = ep_error_set(&r.err, zerr == Z_ERRNO ? EP_EIO : EP_EPARSE, "%s:%ld: %s: %s", path,
                              (long)XML_GetCurrentLineNumber(r.xp),
                              zerr == Z_ERRNO ? "read failed" : "corrupt gzip data",
                              zerr == Z_ERRNO ? strerror(errno) : m);
            break;
        }
        if (got == 0) {
            int zerr = 0;
            const char *m = gzerror(gz, &zerr);
            if (zerr != Z_OK) {
                /* zlib reports a truncated gzip stream as EOF with Z_BUF_ERROR */
                rc = ep_error_set(&r.err, EP_EPARSE, "%s:%ld: truncated or corrupt gzip data: %s",
                                  path, (long)XML_GetCurrentLineNumber(r.xp), m);
                break;
            }
            rc = rcv_feed(&r, "", 0, 1);
            break;
        }
        rc = rcv_feed(&r, chunk, (size_t)got, 0);
        if (rc)
            break;
    }
    free(chunk);
    int zc = gzclose(gz);
    if (!rc && zc != Z_OK && zc != Z_BUF_ERROR)
        rc = ep_error_set(&r.err, EP_EIO, "%s: close failed (zlib error %d)", path, zc);
    return rcv_finish(&r, rc, stats, err);
}

/* ---- sniffing -------------------------------------------------------------------------- */

static size_t skip_past(const char *d, size_t n, size_t i, const char *end)
{
    size_t el = strlen(end);
    for (; i + el <= n; i++)
        if (memcmp(d + i, end, el) == 0)
            return i + el;
    return n;
}

int ep_xml_sniff(const char *data, size_t n)
{
    if (!data)
        return 0;
    size_t i = 0;
    if (n >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < n && is_space(data[i]))
        i++;
    return i < n && data[i] == '<';
}

int ep_rcv_sniff(const char *data, size_t n)
{
    if (!data)
        return 0;
    size_t i = 0;
    if (n >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    for (;;) {
        while (i < n && is_space(data[i]))
            i++;
        if (i + 4 <= n && memcmp(data + i, "<!--", 4) == 0) {
            i = skip_past(data, n, i + 4, "-->");
        } else if (i + 2 <= n && memcmp(data + i, "<?", 2) == 0) {
            i = skip_past(data, n, i + 2, "?>");
        } else if (i + 9 <= n && memcmp(data + i, "<!DOCTYPE", 9) == 0) {
            i = skip_past(data, n, i + 9, ">");
        } else {
            break;
        }
    }
    static const char tag[] = "<" RCV_ROOT;
    size_t tl = sizeof tag - 1;
    if (n - i < tl || memcmp(data + i, tag, tl) != 0)
        return 0;
    if (i + tl == n)
        return 1;
    char c = data[i + tl];
    return is_space(c) || c == '>' || c == '/';
}
