/* ep_htvsync: the HowTheyVote export's tables, downloaded and stream-ingested. See
 * ep_htvsync.h. */
#include "ep_htvsync.h"

#include "ep_crypto.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "ep_htv.h"
#include "ep_util.h"

static const struct {
    const char *name;
    int table; /* enum ep_htv_table the file must hold */
} tables[EP_HTVSYNC_NTABLES] = {
    {"countries", EP_HTV_COUNTRIES},   {"groups", EP_HTV_GROUPS},
    {"members", EP_HTV_MEMBERS},       {"group_memberships", EP_HTV_MEMBERSHIPS},
    {"committees", EP_HTV_COMMITTEES}, {"votes", EP_HTV_VOTES},
    {"member_votes", EP_HTV_MEMBER_VOTES},
    /* the vote topics: their code tables, then the links (which need the votes and codes);
     * optional in a sync of every table (EP_HTVSYNC_FIRST_TOPIC) */
    {"oeil_subjects", EP_HTV_OEIL_SUBJECTS},
    {"eurovoc_concepts", EP_HTV_EUROVOC_CONCEPTS},
    {"geo_areas", EP_HTV_GEO_AREAS},
    {"oeil_subject_votes", EP_HTV_OEIL_SUBJECT_VOTES},
    {"eurovoc_concept_votes", EP_HTV_EUROVOC_CONCEPT_VOTES},
    {"responsible_committee_votes", EP_HTV_COMMITTEE_VOTES},
    {"geo_area_votes", EP_HTV_GEO_AREA_VOTES},
};

const char *ep_htvsync_table(int i)
{
    return i >= 0 && i < EP_HTVSYNC_NTABLES ? tables[i].name : NULL;
}

int ep_htvsync_parse_tables(const char *list, unsigned *out, struct ep_error *err)
{
    *out = 0;
    const char *p = list ? list : "";
    while (*p) {
        size_t n = strcspn(p, ",");
        int found = n == 3 && strncmp(p, "all", 3) == 0;
        if (found)
            *out = (1u << EP_HTVSYNC_NTABLES) - 1;
        for (int i = 0; i < EP_HTVSYNC_NTABLES && !found; i++)
            if (strlen(tables[i].name) == n && strncmp(p, tables[i].name, n) == 0) {
                *out |= 1u << i;
                found = 1;
            }
        if (!found && n) {
            struct ep_buf known;
            ep_buf_init(&known, 0);
            for (int i = 0; i < EP_HTVSYNC_NTABLES; i++)
                ep_buf_printf(&known, "%s, ", tables[i].name);
            int rc = ep_error_set(err, EP_EINVAL, "unknown table '%.*s' (tables: %sall)", (int)n,
                                  p, known.data ? known.data : "");
            ep_buf_free(&known);
            return rc;
        }
        p += n;
        if (*p == ',')
            p++;
    }
    if (!*out)
        return ep_error_set(err, EP_EINVAL, "no table named in '%s'", list ? list : "");
    return EP_OK;
}

/* ---- the stream reader: a file inflated on a thread into a queue of blocks ------------- */

#define GZ_BLOCK ((size_t)1 << 20)
#define GZ_NBLOCKS 4
#define GZ_IN ((size_t)256 << 10)

struct ep_gzstream {
    int fd;
    char *path;
    int gzip;
    long long size;
    pthread_t tid;
    int running;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char *blk[GZ_NBLOCKS];
    size_t blen[GZ_NBLOCKS];
    int head, count; /* filled blocks, in order from head */
    size_t off;      /* the reader's offset in the head block */
    int done, stop;  /* the producer ended (rc, err) / is asked to */
    int rc;
    struct ep_error err;
    long long consumed; /* input bytes read by the producer (under mu) */
};

/* Fill one block; returns bytes, 0 at the end, negative on error (g->err set). */
struct inflater {
    z_stream z;
    unsigned char *in;
    int eof, ended;
};

static long produce(struct ep_gzstream *g, struct inflater *st, char *dst)
{
    if (!g->gzip) {
        size_t got = 0;
        while (got < GZ_BLOCK) {
            ssize_t n = read(g->fd, dst + got, GZ_BLOCK - got);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                return ep_error_set(&g->err, EP_EIO, "%s: read failed: %s", g->path,
                                    strerror(errno));
            if (n == 0)
                break;
            got += (size_t)n;
        }
        pthread_mutex_lock(&g->mu);
        g->consumed += (long long)got;
        pthread_mutex_unlock(&g->mu);
        return (long)got;
    }
    z_stream *z = &st->z;
    z->next_out = (unsigned char *)dst;
    z->avail_out = (uInt)GZ_BLOCK;
    while (z->avail_out > 0) {
        if (z->avail_in == 0 && !st->eof) {
            ssize_t n = read(g->fd, st->in, GZ_IN);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                return ep_error_set(&g->err, EP_EIO, "%s: read failed: %s", g->path,
                                    strerror(errno));
            st->eof = n == 0;
            z->next_in = st->in;
            z->avail_in = (uInt)n;
            pthread_mutex_lock(&g->mu);
            g->consumed += n;
            pthread_mutex_unlock(&g->mu);
        }
        if (st->ended) { /* after a member: another one, or the end (as gzip -d) */
            if (z->avail_in == 0 && st->eof)
                break;
            if (z->avail_in == 0)
                continue;
            if (z->next_in[0] != 0x1f)
                break; /* trailing bytes that start no member are ignored, as zlib's gzread */
            inflateReset(z);
            st->ended = 0;
        }
        uInt before = z->avail_out;
        int zr = inflate(z, Z_NO_FLUSH);
        if (zr == Z_STREAM_END) {
            st->ended = 1;
        } else if (zr == Z_BUF_ERROR || (zr == Z_OK && before == z->avail_out && !z->avail_in)) {
            if (st->eof && z->avail_in == 0)
                return ep_error_set(&g->err, EP_EPARSE,
                                    "%s: truncated gzip data (the file ends inside its "
                                    "compressed stream)",
                                    g->path);
        } else if (zr == Z_MEM_ERROR) {
            return ep_error_set(&g->err, EP_ENOMEM, "%s: out of memory", g->path);
        } else if (zr != Z_OK) {
            return ep_error_set(&g->err, EP_EPARSE, "%s: corrupt gzip data (%s)", g->path,
                                z->msg ? z->msg : "zlib error");
        }
    }
    return (long)(GZ_BLOCK - z->avail_out);
}

static void *producer(void *arg)
{
    struct ep_gzstream *g = arg;
    struct inflater st;
    memset(&st, 0, sizeof st);
    int rc = EP_OK;
    if (g->gzip) {
        st.in = malloc(GZ_IN);
        if (!st.in || inflateInit2(&st.z, 16 + MAX_WBITS) != Z_OK) {
            free(st.in);
            rc = ep_error_set(&g->err, EP_ENOMEM, "%s: out of memory", g->path);
            pthread_mutex_lock(&g->mu);
            g->rc = rc;
            g->done = 1;
            pthread_cond_broadcast(&g->cv);
            pthread_mutex_unlock(&g->mu);
            return NULL;
        }
    }
    for (;;) {
        pthread_mutex_lock(&g->mu);
        while (g->count == GZ_NBLOCKS && !g->stop)
            pthread_cond_wait(&g->cv, &g->mu);
        int slot = (g->head + g->count) % GZ_NBLOCKS;
        int stop = g->stop;
        pthread_mutex_unlock(&g->mu);
        if (stop)
            break;
        long got = produce(g, &st, g->blk[slot]);
        pthread_mutex_lock(&g->mu);
        if (got > 0) {
            g->blen[slot] = (size_t)got;
            g->count++;
        } else {
            g->rc = (int)got;
            g->done = 1;
        }
        pthread_cond_broadcast(&g->cv);
        pthread_mutex_unlock(&g->mu);
        if (got <= 0)
            break;
    }
    if (g->gzip)
        inflateEnd(&st.z);
    free(st.in);
    return NULL;
}

int ep_gzstream_open(const char *path, struct ep_gzstream **out, struct ep_error *err)
{
    *out = NULL;
    struct ep_gzstream *g = calloc(1, sizeof *g);
    if (!g || !(g->path = strdup(path))) {
        free(g);
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    g->fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    unsigned char magic[2] = {0, 0};
    if (g->fd < 0 || fstat(g->fd, &sb) != 0) {
        int e = errno;
        ep_gzstream_close(g);
        return ep_error_set(err, e == ENOENT ? EP_ENOTFOUND : EP_EIO, "%s: %s", path,
                            strerror(e));
    }
    g->size = S_ISREG(sb.st_mode) ? (long long)sb.st_size : -1;
    g->gzip = pread(g->fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    for (int i = 0; i < GZ_NBLOCKS; i++)
        if (!(g->blk[i] = malloc(GZ_BLOCK))) {
            g->running = 0;
            ep_gzstream_close(g);
            return ep_error_set(err, EP_ENOMEM, "out of memory");
        }
    if (pthread_create(&g->tid, NULL, producer, g) != 0) {
        ep_gzstream_close(g);
        return ep_error_set(err, EP_EINTERNAL, "%s: could not start the reader thread", path);
    }
    g->running = 1;
    *out = g;
    return EP_OK;
}

long ep_gzstream_read(void *ctx, char *buf, size_t cap, struct ep_error *err)
{
    struct ep_gzstream *g = ctx;
    pthread_mutex_lock(&g->mu);
    while (g->count == 0 && !g->done)
        pthread_cond_wait(&g->cv, &g->mu);
    if (g->count == 0) {
        int rc = g->rc;
        if (rc && err)
            *err = g->err;
        pthread_mutex_unlock(&g->mu);
        return rc;
    }
    int h = g->head;
    pthread_mutex_unlock(&g->mu);
    size_t n = g->blen[h] - g->off;
    if (n > cap)
        n = cap;
    memcpy(buf, g->blk[h] + g->off, n);
    g->off += n;
    if (g->off == g->blen[h]) {
        pthread_mutex_lock(&g->mu);
        g->head = (g->head + 1) % GZ_NBLOCKS;
        g->count--;
        g->off = 0;
        pthread_cond_broadcast(&g->cv);
        pthread_mutex_unlock(&g->mu);
    }
    return (long)n;
}

void ep_gzstream_pos(const struct ep_gzstream *gz, long long *done, long long *total)
{
    struct ep_gzstream *g = (struct ep_gzstream *)gz;
    if (!g) {
        *done = 0;
        *total = -1;
        return;
    }
    pthread_mutex_lock(&g->mu);
    *done = g->consumed;
    pthread_mutex_unlock(&g->mu);
    *total = g->size;
}

void ep_gzstream_close(struct ep_gzstream *g)
{
    if (!g)
        return;
    if (g->running) {
        pthread_mutex_lock(&g->mu);
        g->stop = 1;
        pthread_cond_broadcast(&g->cv);
        pthread_mutex_unlock(&g->mu);
        pthread_join(g->tid, NULL);
        pthread_mutex_destroy(&g->mu);
        pthread_cond_destroy(&g->cv);
    }
    for (int i = 0; i < GZ_NBLOCKS; i++)
        free(g->blk[i]);
    if (g->fd >= 0)
        close(g->fd);
    free(g->path);
    free(g);
}

/* ---- ingest of one table ----------------------------------------------------------------- */

struct table_gen {
    const struct ep_htvsync_opts *o;
    const char *name; /* table */
    const char *path;
    int want;         /* enum ep_htv_table */
    const struct ep_sink *inner;
    struct ep_gzstream *gz;
    long rows;
    double last_report;
};

static void report(struct table_gen *t, int force)
{
    if (!t->o->progress)
        return;
    double now = ep_now();
    if (!force && now - t->last_report < 0.25)
        return;
    t->last_report = now;
    struct ep_htvsync_progress p = {.table = t->name, .phase = "ingest", .rows = t->rows};
    ep_gzstream_pos(t->gz, &p.bytes, &p.total);
    t->o->progress(t->o->progress_ctx, &p);
}

/* The store's sink, with each record counted (and reported every 64 Ki records). */
#define COUNT(t)                                                                                   \
    do {                                                                                           \
        if ((++(t)->rows & 0xFFFF) == 0)                                                           \
            report((t), 0);                                                                        \
    } while (0)

static int w_member(void *ctx, const struct ep_member *m, struct ep_error *err)
{
    struct table_gen *t = ctx;
    COUNT(t);
    return t->inner->member(t->inner->ctx, m, err);
}
static int w_group(void *ctx, const struct ep_group *g, struct ep_error *err)
{
    struct table_gen *t = ctx;
    COUNT(t);
    return t->inner->group(t->inner->ctx, g, err);
}
static int w_membership(void *ctx, const struct ep_membership *m, struct ep_error *err)
{
    struct table_gen *t = ctx;
    COUNT(t);
    return t->inner->membership(t->inner->ctx, m, err);
}
static int w_country(void *ctx, const struct ep_country *c, struct ep_error *err)
{
    struct table_gen *t = ctx;
    COUNT(t);
    return t->inner->country(t->inner->ctx, c, err);
}
static int w_committee(void *ctx, const struct ep_committee *c, struct ep_error *err)
{
    struct table_gen *t = ctx;
    COUNT(t);
    return t->inner->committee(t->inner->ctx, c, err);
}
static int w_vote(void *ctx, const struct ep_vote *v, struct ep_error *err)
{
    struct table_gen *t = ctx;
    COUNT(t);
    return t->inner->vote(t->inner->ctx, v, err);
}
static int w_position(void *ctx, const struct ep_position *p, struct ep_error *err)
{
    struct table_gen *t = ctx;
    COUNT(t);
    return t->inner->position(t->inner->ctx, p, err);
}
static int w_topic(void *ctx, const struct ep_topic *tp, struct ep_error *err)
{
    struct table_gen *t = ctx;
    COUNT(t);
    return t->inner->topic(t->inner->ctx, tp, err);
}
static int w_topic_vote(void *ctx, const struct ep_topic_vote *tv, struct ep_error *err)
{
    struct table_gen *t = ctx;
    COUNT(t);
    return t->inner->topic_vote(t->inner->ctx, tv, err);
}
static void w_warn(void *ctx, const char *unit, long line, const char *msg)
{
    struct table_gen *t = ctx;
    if (t->inner->warn)
        t->inner->warn(t->inner->ctx, unit, line, msg);
}

/* ---- member_votes: parsed on a thread of its own --------------------------------------------
 *
 * The table's millions of rows are parsed and validated (CSV, ids, positions, group codes) on
 * a thread that queues compact records in batches, while this thread hands them to the
 * store's sink (which packs and writes them: SQLite stays on one thread). With the gzip reader
 * that is three stages on two cores. The records, their order, the warnings and every error
 * message are those of the direct parse: a parse error ends the queue after the records
 * before it; a sink error is prefixed with the record's file:line as the parser does. */

#define PQ_BATCH 8192
#define PQ_DEPTH 6
#define PQ_STRS 64

struct prec {
    int64_t vote_id, member_id;
    long line;
    signed char pos, group, country; /* string indexes, -1 = NULL */
    signed char warn;                /* 1: a warning (text in the batch's warn list) */
};

struct pbatch {
    struct prec r[PQ_BATCH];
    int n;
    /* the warnings' texts, each NUL-terminated, in the order of their records (prec.warn =
     * 1); one buffer, not a block per warning: gcc 12's analyser lost a block stored at
     * warns[nwarn] and reported it leaked */
    struct ep_buf warns;
    int nwarn;
};

static void pbatch_free(struct pbatch *b)
{
    if (!b)
        return;
    ep_buf_free(&b->warns);
    free(b);
}

/* A new, empty batch, or NULL. */
static struct pbatch *pbatch_new(void)
{
    struct pbatch *b = malloc(sizeof *b);
    if (b) {
        b->n = b->nwarn = 0;
        ep_buf_init(&b->warns, 0);
    }
    return b;
}

struct pq {
    pthread_t tid;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct pbatch *b[PQ_DEPTH];
    int head, count;
    struct pbatch *fill;  /* producer's batch being filled */
    struct pbatch *spare; /* a drained batch for the producer to reuse */
    int done, cancel, rc;
    struct ep_error err;
    int table;
    char *strs[PQ_STRS]; /* interned group and country codes (owned, read-only once added) */
    int nstrs;
    unsigned char slot[256]; /* producer's index of strs: index + 1, 0 = empty */
    /* the parse */
    struct ep_gzstream *gz;
    const char *path;
};

static int pq_intern(struct pq *q, const char *s, struct ep_error *err)
{
    if (!s)
        return -1;
    /* by the first two bytes (a handful of codes: nearly always one compare) */
    unsigned h = ((unsigned char)s[0] * 31u + (unsigned char)(s[0] ? s[1] : 0)) & 255u;
    for (; q->slot[h]; h = (h + 1) & 255u) {
        const char *a = q->strs[q->slot[h] - 1], *b = s;
        while (*a && *a == *b) { /* inline: a code of a few bytes */
            a++;
            b++;
        }
        if (*a == *b)
            return q->slot[h] - 1;
    }
    if (q->nstrs == PQ_STRS)
        return ep_error_set(err, EP_ELIMIT, "more than %d distinct group and country codes",
                            PQ_STRS) - 1000;
    char *d = strdup(s);
    if (!d)
        return ep_error_set(err, EP_ENOMEM, "out of memory") - 1000;
    pthread_mutex_lock(&q->mu); /* the consumer copies strs[] under the lock */
    q->strs[q->nstrs] = d;
    int i = q->nstrs++;
    pthread_mutex_unlock(&q->mu);
    q->slot[h] = (unsigned char)(i + 1);
    return i;
}

/* Hand the batch being filled to the consumer; wait while the queue is full. */
static int pq_push(struct pq *q)
{
    pthread_mutex_lock(&q->mu);
    while (q->count == PQ_DEPTH && !q->cancel)
        pthread_cond_wait(&q->cv, &q->mu);
    int cancel = q->cancel;
    if (!cancel) {
        q->b[(q->head + q->count) % PQ_DEPTH] = q->fill;
        q->count++;
        q->fill = q->spare;
        q->spare = NULL;
        pthread_cond_broadcast(&q->cv);
    }
    pthread_mutex_unlock(&q->mu);
    if (cancel)
        return EP_ECANCELED;
    if (!q->fill && !(q->fill = pbatch_new()))
        return EP_ENOMEM;
    q->fill->n = 0;
    q->fill->nwarn = 0;
    ep_buf_reset(&q->fill->warns);
    return EP_OK;
}

static int pq_position(void *ctx, const struct ep_position *p, struct ep_error *err)
{
    struct pq *q = ctx;
    struct pbatch *b = q->fill;
    if (b->n == PQ_BATCH || b->nwarn == 8) {
        int rc = pq_push(q);
        if (rc)
            return rc == EP_ENOMEM ? ep_error_set(err, rc, "out of memory") : rc;
        b = q->fill;
    }
    int g = pq_intern(q, p->group_code, err), c = pq_intern(q, p->country, err);
    if (g < -1 || c < -1)
        return err->code;
    b->r[b->n++] = (struct prec){.vote_id = p->vote_id,
                                 .member_id = p->member_id,
                                 .line = p->line,
                                 .pos = (signed char)p->pos,
                                 .group = (signed char)g,
                                 .country = (signed char)c};
    return EP_OK;
}

static void pq_warn(void *ctx, const char *unit, long line, const char *msg)
{
    struct pq *q = ctx;
    (void)unit;
    struct pbatch *b = q->fill;
    if ((b->n == PQ_BATCH || b->nwarn == 8) && pq_push(q))
        return;
    b = q->fill;
    if (ep_buf_append(&b->warns, msg, strlen(msg) + 1))
        return;
    b->nwarn++;
    b->r[b->n++] = (struct prec){.line = line, .warn = 1};
}

static void *pq_main(void *arg)
{
    struct pq *q = arg;
    struct ep_sink qs = {.ctx = q, .position = pq_position, .warn = pq_warn};
    long records = 0;
    struct ep_error e = {0};
    int rc = ep_htv_parse_stream(ep_gzstream_read, q->gz, q->path, &qs, &q->table, &records, &e);
    if (!rc && q->fill->n)
        rc = pq_push(q);
    pthread_mutex_lock(&q->mu);
    q->done = 1;
    q->rc = rc;
    q->err = e;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

static int wrap_sink_error(const char *unit, long line, int rc, struct ep_error *err)
{
    if (err && (err->code == EP_OK || !err->msg[0]))
        ep_error_set(err, rc, "sink rejected the member_votes record: %s", ep_strerror(rc));
    if (err) {
        err->code = rc;
        ep_error_prefix(err, "%s:%ld: ", unit, line);
    }
    return rc;
}

/* Parse t->path (member_votes) on a thread, deliver to sink here. */
static int pipelined(struct table_gen *t, const struct ep_sink *sink, int *table,
                     struct ep_error *err)
{
    struct pq *q = calloc(1, sizeof *q);
    if (!q || !(q->fill = pbatch_new())) {
        free(q);
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    q->gz = t->gz;
    q->path = t->path;
    q->table = EP_HTV_UNKNOWN;
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->cv, NULL);
    int rc = EP_OK;
    if (pthread_create(&q->tid, NULL, pq_main, q) != 0) {
        rc = ep_error_set(err, EP_EINTERNAL, "%s: could not start the parse thread", t->path);
        goto out_nothread;
    }
    for (;;) {
        pthread_mutex_lock(&q->mu);
        while (q->count == 0 && !q->done)
            pthread_cond_wait(&q->cv, &q->mu);
        if (q->count == 0) { /* done, all delivered */
            pthread_mutex_unlock(&q->mu);
            break;
        }
        struct pbatch *b = q->b[q->head];
        int nstrs = q->nstrs;
        char *strs[PQ_STRS];
        memcpy(strs, q->strs, sizeof strs);
        pthread_mutex_unlock(&q->mu);
        const char *wtext = b->warns.data; /* the next warning's text */
        for (int i = 0; i < b->n && !rc; i++) {
            const struct prec *r = &b->r[i];
            if (r->warn) {
                if (sink->warn)
                    sink->warn(sink->ctx, t->path, r->line, wtext);
                wtext += strlen(wtext) + 1;
                continue;
            }
            struct ep_position p = {.vote_id = r->vote_id,
                                    .member_id = r->member_id,
                                    .pos = r->pos,
                                    .group_code = r->group >= 0 && r->group < nstrs ? strs[(int)r->group] : NULL,
                                    .country = r->country >= 0 && r->country < nstrs ? strs[(int)r->country] : NULL,
                                    .line = r->line};
            ep_error_clear(err);
            int src = sink->position(sink->ctx, &p, err);
            if (src)
                rc = wrap_sink_error(t->path, r->line, src, err);
        }
        pthread_mutex_lock(&q->mu);
        q->head = (q->head + 1) % PQ_DEPTH;
        q->count--;
        if (!q->spare)
            q->spare = b;
        else
            pbatch_free(b);
        if (rc)
            q->cancel = 1;
        pthread_cond_broadcast(&q->cv);
        pthread_mutex_unlock(&q->mu);
        if (rc)
            break;
    }
    pthread_join(q->tid, NULL);
    if (!rc && q->rc) { /* the parse failed after the records before it were stored */
        rc = q->rc;
        if (err)
            *err = q->err;
    }
    *table = q->table;
    for (int i = 0; i < q->count; i++) { /* left after a sink error */
        pbatch_free(q->b[(q->head + i) % PQ_DEPTH]);
    }
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->cv);
out_nothread:
    pbatch_free(q->fill);
    pbatch_free(q->spare);
    for (int i = 0; i < q->nstrs; i++)
        free(q->strs[i]);
    free(q);
    return rc;
}

static int gen_table(void *ctx, const struct ep_sink *sink, struct ep_error *err)
{
    struct table_gen *t = ctx;
    t->inner = sink;
    struct ep_sink w = *sink;
    w.ctx = t;
    w.member = sink->member ? w_member : NULL;
    w.group = sink->group ? w_group : NULL;
    w.membership = sink->membership ? w_membership : NULL;
    w.country = sink->country ? w_country : NULL;
    w.committee = sink->committee ? w_committee : NULL;
    w.vote = sink->vote ? w_vote : NULL;
    w.position = sink->position ? w_position : NULL;
    w.topic = sink->topic ? w_topic : NULL;
    w.topic_vote = sink->topic_vote ? w_topic_vote : NULL;
    w.warn = w_warn;
    w.vote_title = NULL;
    int rc = ep_gzstream_open(t->path, &t->gz, err);
    if (rc)
        return rc;
    int table = EP_HTV_UNKNOWN;
    long records = 0;
    report(t, 1);
    if (t->want == EP_HTV_MEMBER_VOTES && w.position)
        rc = pipelined(t, &w, &table, err);
    else
        rc = ep_htv_parse_stream(ep_gzstream_read, t->gz, t->path, &w, &table, &records, err);
    if (!rc && table != t->want)
        rc = ep_error_set(err, EP_EPARSE, "%s: holds the %s table, not %s", t->path,
                          ep_htv_table_name(table), t->name);
    report(t, 1);
    ep_gzstream_close(t->gz);
    t->gz = NULL;
    return rc;
}

/* A table file's unit: key "howtheyvote NAME.csv.gz sha256 HEX" (HEX: the SHA-256 of the file
 * as it is, the gzip bytes of a download), kind "htv-NAME" with dashes; `ingest` of a file
 * that a sync stored (or the reverse) is then a no-op. */
static void unit_key(const char *name, const char *sha, char key[160], char kind[48])
{
    snprintf(key, 160, "howtheyvote %s.csv.gz sha256 %s", name, sha);
    snprintf(kind, 48, "htv-%s", name);
    for (char *k = kind; *k; k++)
        if (*k == '_')
            *k = '-';
}

/* ---- files ------------------------------------------------------------------------------- */

static int sha256_file(const char *path, char out[65], long long *size, struct ep_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return ep_error_set(err, e == ENOENT ? EP_ENOTFOUND : EP_EIO, "%s: %s", path,
                            strerror(e));
    }
    *size = sb.st_size;
    unsigned char md[32];
    unsigned int len = 0;
    if (sb.st_size == 0) {
        EVP_Digest("", 0, md, &len, EVP_sha256(), NULL);
    } else {
        void *m = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m == MAP_FAILED) {
            close(fd);
            return ep_error_set(err, EP_EIO, "%s: %s", path, strerror(errno));
        }
        madvise(m, (size_t)sb.st_size, MADV_SEQUENTIAL);
        EVP_Digest(m, (size_t)sb.st_size, md, &len, EVP_sha256(), NULL);
        munmap(m, (size_t)sb.st_size);
    }
    close(fd);
    for (unsigned i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    return EP_OK;
}

/* The validators of the copy in DIR, kept beside it (NAME.csv.gz.v: "etag\n" "last-modified\n"
 * "size\n"), valid only while the file has that size. */
struct validators {
    char etag[512], lm[128];
};

static void validators_read(const char *vpath, const char *file, struct validators *v)
{
    memset(v, 0, sizeof *v);
    struct stat sb;
    FILE *fp = fopen(vpath, "re");
    if (!fp)
        return;
    char size[32] = "";
    int ok = fgets(v->etag, sizeof v->etag, fp) && fgets(v->lm, sizeof v->lm, fp) &&
             fgets(size, sizeof size, fp);
    fclose(fp);
    v->etag[strcspn(v->etag, "\n")] = 0;
    v->lm[strcspn(v->lm, "\n")] = 0;
    if (!ok || stat(file, &sb) != 0 || strtoll(size, NULL, 10) != (long long)sb.st_size)
        memset(v, 0, sizeof *v);
}

static int validators_write(const char *vpath, const char *etag, const char *lm, long long size,
                            struct ep_error *err)
{
    char buf[1024];
    int n = snprintf(buf, sizeof buf, "%s\n%s\n%lld\n", etag && strlen(etag) < 500 ? etag : "",
                     lm && strlen(lm) < 120 ? lm : "", size);
    return ep_write_file_atomic(vpath, buf, (size_t)n, err);
}

/* The SHA-256 the export's SHA256SUMS lists for file, or NULL. */
static const char *sum_of(const char *sums, const char *file, char out[65])
{
    for (const char *p = sums; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        /* "<64 hex>  NAME" or "<64 hex> *NAME" (sha256sum's text and binary forms) */
        if (n > 66 && (p[64] == ' ')) {
            const char *name = p + 65;
            if (*name == ' ' || *name == '*')
                name++;
            size_t nl2 = n - (size_t)(name - p);
            if (nl2 == strlen(file) && strncmp(name, file, nl2) == 0) {
                memcpy(out, p, 64);
                out[64] = 0;
                for (int i = 0; i < 64; i++)
                    if (out[i] >= 'A' && out[i] <= 'F')
                        out[i] = (char)(out[i] - 'A' + 'a');
                return out;
            }
        }
        p += n + (nl ? 1 : 0);
    }
    return NULL;
}

struct dl_prog {
    const struct ep_htvsync_opts *o;
    const char *table;
    double last;
};

static void on_dl(void *ctx, long long done, long long total)
{
    struct dl_prog *d = ctx;
    double now = ep_now();
    if (!d->o->progress || now - d->last < 0.25)
        return;
    d->last = now;
    struct ep_htvsync_progress p = {
        .table = d->table, .phase = "download", .bytes = done, .total = total};
    d->o->progress(d->o->progress_ctx, &p);
}

/* Download DIR/FILE (or find it not modified). */
static int download(const struct ep_htvsync_opts *o, const char *file, const char *path,
                    struct ep_htvsync_table *t, struct ep_error *err)
{
    char vpath[4300];
    if (snprintf(vpath, sizeof vpath, "%s.v", path) >= (int)sizeof vpath)
        return ep_error_set(err, EP_EINVAL, "%s: path too long", path);
    struct validators v;
    validators_read(vpath, path, &v);
    struct dl_prog dp = {.o = o, .table = t->name};
    struct ep_fetch_req req = {
        .path = file,
        .endpoint = "howtheyvote",
        .dest = path,
        .if_none_match = v.etag[0] ? v.etag : NULL,
        .if_modified_since = v.lm[0] ? v.lm : NULL,
        .progress = on_dl,
        .progress_ctx = &dp,
    };
    struct ep_fetch_result res;
    int rc = ep_fetch_get(o->fetch, &req, &res, err);
    if (!rc && res.status == 304) {
        t->fetched = "not modified";
    } else if (!rc) {
        t->fetched = res.resumed_from > 0 ? "resumed" : "downloaded";
        t->resumed_from = res.resumed_from;
        rc = validators_write(vpath, res.etag, res.last_modified, res.bytes, err);
    } else {
        ep_error_prefix(err, "%s%s: ", strcmp(file, "SHA256SUMS") ? "table " : "", t->name);
    }
    ep_fetch_result_free(&res);
    return rc;
}

int ep_htvsync_run(struct ep_store *s, const struct ep_htvsync_opts *o,
                   struct ep_htvsync_summary *sum, struct ep_error *err)
{
    memset(sum, 0, sizeof *sum);
    unsigned want = o->tables ? o->tables : (1u << EP_HTVSYNC_NTABLES) - 1;
    if (!o->from_dir && (!o->fetch || !o->dir))
        return ep_error_set(err, EP_EINVAL, "howtheyvote sync: no source given");
    int rc = EP_OK;
    char *sums = NULL;
    if (!o->from_dir) {
        rc = ep_mkdirs(o->dir, err);
        if (rc)
            return rc;
        /* SHA256SUMS, where the export publishes one (conditional, as the tables) */
        char sp[4200];
        snprintf(sp, sizeof sp, "%s/SHA256SUMS", o->dir);
        struct ep_htvsync_table st = {.name = "SHA256SUMS"};
        struct ep_error e = {0};
        int src = download(o, "SHA256SUMS", sp, &st, &e);
        if (!src) {
            struct ep_buf b;
            ep_buf_init(&b, 1 << 20);
            if (ep_read_file(sp, 1 << 20, &b, &e) == EP_OK) {
                sums = ep_buf_steal(&b);
                sum->sums_published = 1;
            }
            ep_buf_free(&b);
        } else if (src == EP_ENOTFOUND) {
            unlink(sp); /* none published (any more) */
        } else {
            *err = e;
            return src;
        }
    }
    for (int i = 0; i < EP_HTVSYNC_NTABLES && !rc; i++) {
        if (!(want & (1u << i)))
            continue;
        struct ep_htvsync_table *t = &sum->t[sum->n++];
        t->name = tables[i].name;
        char file[64], path[4200];
        snprintf(file, sizeof file, "%s.csv.gz", t->name);
        /* a topic table the export does not publish is skipped when every table is wanted */
        int optional = i >= EP_HTVSYNC_FIRST_TOPIC && !o->tables;
        if (o->from_dir) {
            snprintf(path, sizeof path, "%s/%s", o->from_dir, file);
            if (access(path, F_OK) != 0) /* a plain copy will do */
                snprintf(path, sizeof path, "%s/%s.csv", o->from_dir, t->name);
            t->fetched = "local";
            if (optional && access(path, F_OK) != 0) {
                t->fetched = "not published";
                continue;
            }
        } else {
            snprintf(path, sizeof path, "%s/%s", o->dir, file);
            rc = download(o, file, path, t, err);
            if (rc == EP_ENOTFOUND && optional) {
                ep_error_clear(err);
                t->fetched = "not published";
                rc = EP_OK;
                continue;
            }
            if (rc)
                break;
        }
        char sha[65];
        rc = sha256_file(path, sha, &t->bytes, err);
        if (rc) {
            ep_error_prefix(err, "table %s: ", t->name);
            break;
        }
        char want_sha[65];
        if (sums && sum_of(sums, file, want_sha)) {
            t->checksum = 1;
            if (strcmp(want_sha, sha) != 0) {
                rc = ep_error_set(err, EP_EPARSE,
                                  "table %s: %s has SHA-256 %s but the export's SHA256SUMS "
                                  "lists %s; the file was removed (rerun to download it "
                                  "again); nothing of it is stored",
                                  t->name, path, sha, want_sha);
                unlink(path);
                break;
            }
        }
        char key[160], kind[48];
        unit_key(t->name, sha, key, kind);
        struct table_gen g = {.o = o, .name = t->name, .path = path, .want = tables[i].table};
        struct ep_ingest_report rep;
        double t0 = ep_now();
        rc = ep_store_ingest_generated(s, path, kind, key, gen_table, &g, &rep, err);
        t->seconds = ep_now() - t0;
        if (rc) {
            ep_error_prefix(err, "table %s refused, nothing of it stored: ", t->name);
            break;
        }
        t->stored = !rep.skipped;
        t->rows = rep.skipped ? 0 : rep.records;
        t->warnings = rep.warnings;
    }
    free(sums);
    return rc;
}

/* ---- epintel ingest of a large table ------------------------------------------------------ */

int ep_htvsync_streamed(const char *path, int *table)
{
    *table = EP_HTV_UNKNOWN;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    struct stat sb;
    unsigned char magic[2], isize[4];
    int gz = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size >= 18 &&
             pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b &&
             pread(fd, isize, 4, sb.st_size - 4) == 4;
    close(fd);
    if (!gz)
        return 0;
    /* the last member's size mod 2^32 (RFC 1952 ISIZE), or a file large enough that its
     * content cannot be small (a larger content with a wrapped ISIZE reads as small: it then
     * takes the buffered path, which refuses it by the limit) */
    unsigned long long n = (unsigned long long)isize[0] | (unsigned long long)isize[1] << 8 |
                           (unsigned long long)isize[2] << 16 |
                           (unsigned long long)isize[3] << 24;
    if (n <= EP_GZ_HOLD && (unsigned long long)sb.st_size <= EP_GZ_HOLD / 8)
        return 0;
    struct ep_buf head;
    ep_buf_init(&head, 0);
    if (ep_read_head(path, 64 << 10, &head, NULL) == EP_OK)
        *table = ep_htv_sniff(head.data, head.len);
    ep_buf_free(&head);
    return *table != EP_HTV_UNKNOWN;
}

int ep_htvsync_ingest_file(struct ep_store *s, const char *path, int table, int strict,
                           ep_ingest_warn_fn warn, void *warn_ctx, struct ep_ingest_report *rep,
                           struct ep_error *err)
{
    static const struct ep_htvsync_opts none;
    const char *name = ep_htv_table_name(table);
    char sha[65], key[160], kind[48];
    long long bytes = 0;
    int rc = sha256_file(path, sha, &bytes, err);
    if (rc)
        return rc;
    unit_key(name, sha, key, kind);
    struct table_gen g = {.o = &none, .name = name, .path = path, .want = table};
    return ep_store_ingest_stream(s, path, kind, key, gen_table, &g, strict, warn, warn_ctx, rep,
                                  err);
}
