/* srv_htv: a local HTTP server in the layout of the HowTheyVote.eu export's release files
 * (NAME.csv.gz, SHA256SUMS), with injected faults; and the writer of a synthetic export at
 * full scale.
 *
 *   srv_htv --write DIR [--meps N] [--votes M] [--seed S] [--term 9|10]
 *       writes a SYNTHETIC export into DIR in the real layout (exact HowTheyVote headers, gzip):
 *       countries, groups, members, group_memberships, committees, votes and member_votes, the
 *       last with every MEP's row on every vote: FOR / AGAINST / ABSTENTION as epintel's
 *       calibrated generator (engine/ep_synth.h) draws them, and an explicit DID_NOT_VOTE row
 *       for every other MEP, sorted by (vote_id, member_id) as the real file. Ids are in the
 *       synthetic ranges (MEPs from 9,000,000, votes from 90,000,000), names "Synthetic MEP".
 *       --term 10 moves the dates into term 10 (from 2024-07-16, memberships open-ended) and
 *       relabels the generator's ID and NI as PFE and ESN, the groups new in term 10.
 *   srv_htv --dir DIR [--port-file PATH] [--port N]
 *       serves the files of DIR at /NAME (127.0.0.1 only; port 0 = any free port, written to
 *       --port-file atomically). Stops on SIGTERM or SIGINT. Each file has an ETag (from its
 *       size, inode, mtime in ns and the current salt) and a Last-Modified; If-None-Match /
 *       If-Modified-Since give 304; "Range: bytes=N-" gives 206 unless If-Range names another
 *       validator (then 200, the whole file).
 *
 * Control (query parameters):
 *   POST /__faults?fail503=N   the next N file requests get 503 (Retry-After: 0)
 *                 &cut=B&cuts=K  the next K file bodies stop after B bytes (connection closed)
 *                 &slow=BPS      bodies are sent at about BPS bytes per second (0 = full speed)
 *                 &etag=S        a new salt: every ETag and Last-Modified changes
 *                 &only=NAME     the 503s and cuts only hit this file
 *   GET /__stats  "requests N\nfailed503 N\ncut N\nranged N\nnot_modified N\nfull N\n"
 *                 "ifrange_miss N\nbytes N\n" (ifrange_miss: a Range whose If-Range no longer
 *                 matched, answered with the whole file)
 *   DELETE /__faults  clear the faults (not the salt, nor the counters). */
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "ep_synth.h"
#include "ep_util.h"
#include "srv_util.h"

/* ---- the synthetic export ------------------------------------------------------------------- */

struct writer {
    gzFile t[7];
    int term10; /* shift the term-9 dates of the generator into term 10, relabel groups */
    int n_mep;
    char (*grp)[16]; /* group of each MEP */
    int64_t vote;    /* vote whose rows are being written, 0 none */
    int next;        /* next MEP index owed a row on that vote */
    long rows;
};
enum { W_COUNTRIES, W_GROUPS, W_MEMBERS, W_MEMBERSHIPS, W_COMMITTEES, W_VOTES, W_MV };
static const char *const wfiles[7] = {"countries",  "groups", "members",     "group_memberships",
                                      "committees", "votes",  "member_votes"};
static const char *const wheads[7] = {
    "code,iso_alpha_2,label",
    "code,official_label,label,short_label",
    "id,first_name,last_name,country_code,date_of_birth,email,facebook,twitter",
    "member_id,group_code,term,start_date,end_date",
    "code,label,abbreviation",
    "id,timestamp,display_title,reference,description,is_main,procedure_reference,"
    "procedure_title,procedure_type,procedure_stage,count_for,count_against,count_abstention,"
    "count_did_not_vote,result",
    "vote_id,member_id,position,country_code,group_code"};

/* Term 10: the generator's groups ID and NI become PFE and ESN (the groups of term 10 that
 * term 9 did not have). */
static const char *grp_of(const struct writer *w, const char *code)
{
    if (!w->term10)
        return code;
    return !strcmp(code, "ID") ? "PFE" : !strcmp(code, "NI") ? "ESN" : code;
}

/* 2019-07-15 (the generator's first sitting) + 1828 days = 2024-07-16, term 10's first day */
#define TERM10_SHIFT 1828

static int w_country(void *ctx, const struct ep_country *c, struct ep_error *err)
{
    struct writer *w = ctx;
    (void)err;
    gzprintf(w->t[W_COUNTRIES], "%s,%s,%s\n", c->code, c->iso_alpha_2, c->label);
    return 0;
}
static int w_group(void *ctx, const struct ep_group *g, struct ep_error *err)
{
    struct writer *w = ctx;
    (void)err;
    gzprintf(w->t[W_GROUPS], "%s,(synthetic) %s,(synthetic) %s,(synthetic) %s\n",
             grp_of(w, g->code), grp_of(w, g->code), grp_of(w, g->code), grp_of(w, g->code));
    return 0;
}
static int w_member(void *ctx, const struct ep_member *m, struct ep_error *err)
{
    struct writer *w = ctx;
    (void)err;
    gzprintf(w->t[W_MEMBERS], "%lld,%s,%s,%s,,,,\n", (long long)m->id, m->first_name, m->last_name,
             m->country);
    return 0;
}
static int w_membership(void *ctx, const struct ep_membership *m, struct ep_error *err)
{
    struct writer *w = ctx;
    (void)err;
    long i = (long)(m->member_id - EP_SYNTH_MEMBER_ID0);
    const char *g = grp_of(w, m->group_code);
    if (i >= 0 && i < w->n_mep)
        snprintf(w->grp[i], sizeof w->grp[i], "%s", g);
    if (w->term10)
        gzprintf(w->t[W_MEMBERSHIPS], "%lld,%s,10,2024-07-16,\n", (long long)m->member_id, g);
    else
        gzprintf(w->t[W_MEMBERSHIPS], "%lld,%s,%d,%s,%s\n", (long long)m->member_id, g, m->term,
                 m->start_date, m->end_date ? m->end_date : "");
    return 0;
}

/* DID_NOT_VOTE rows for the MEPs of the current vote before index upto */
static void w_dnv(struct writer *w, int upto)
{
    for (; w->next < upto; w->next++) {
        gzprintf(w->t[W_MV], "%lld,%lld,DID_NOT_VOTE,XXX,%s\n", (long long)w->vote,
                 (long long)(EP_SYNTH_MEMBER_ID0 + w->next), w->grp[w->next]);
        w->rows++;
    }
}

static int w_vote(void *ctx, const struct ep_vote *v, struct ep_error *err)
{
    struct writer *w = ctx;
    (void)err;
    if (w->vote)
        w_dnv(w, w->n_mep);
    w->vote = v->id;
    w->next = 0;
    char ts[32];
    snprintf(ts, sizeof ts, "%s", v->timestamp);
    if (w->term10) {
        char day[11];
        memcpy(day, ts, 10);
        day[10] = 0;
        ep_date_format(ep_date_days(day) + TERM10_SHIFT, day);
        memcpy(ts, day, 10);
    }
    gzprintf(w->t[W_VOTES], "%lld,%s,%s,,,False,,,,,%d,%d,%d,%d,%s\n", (long long)v->id, ts,
             v->title, v->count_for, v->count_against, v->count_abstention,
             v->count_did_not_vote, v->result);
    return 0;
}
static int w_position(void *ctx, const struct ep_position *p, struct ep_error *err)
{
    struct writer *w = ctx;
    (void)err;
    int i = (int)(p->member_id - EP_SYNTH_MEMBER_ID0);
    w_dnv(w, i);
    gzprintf(w->t[W_MV], "%lld,%lld,%s,XXX,%s\n", (long long)p->vote_id, (long long)p->member_id,
             p->pos == EP_POS_FOR ? "FOR" : p->pos == EP_POS_AGAINST ? "AGAINST" : "ABSTENTION",
             grp_of(w, p->group_code));
    w->rows++;
    w->next = i + 1;
    return 0;
}

static int write_export(const char *dir, int n_mep, int n_vote, uint64_t seed, int term)
{
    struct ep_error err = {0};
    if (ep_mkdirs(dir, &err)) {
        fprintf(stderr, "srv_htv: %s\n", err.msg);
        return 1;
    }
    struct writer w = {.n_mep = n_mep, .term10 = term == 10};
    w.grp = calloc((size_t)n_mep, sizeof *w.grp);
    for (int k = 0; k < 7; k++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.csv.gz", dir, wfiles[k]);
        w.t[k] = gzopen(path, "wb6");
        if (!w.t[k] || !w.grp) {
            fprintf(stderr, "srv_htv: cannot write %s\n", path);
            free(w.grp);
            return 1; /* the process ends: the files open so far go with it */
        }
        gzbuffer(w.t[k], 1 << 20);
        gzprintf(w.t[k], "%s\n", wheads[k]);
    }
    gzprintf(w.t[W_COMMITTEES], "XXX,(synthetic) Committee,XXX\n");
    struct ep_synth_params p;
    ep_synth_default_params(&p);
    struct ep_sink sink = {.ctx = &w,
                           .country = w_country,
                           .group = w_group,
                           .member = w_member,
                           .membership = w_membership,
                           .vote = w_vote,
                           .position = w_position};
    int rc = ep_synth_generate(&p, n_mep, n_vote, seed, &sink, &err);
    if (!rc && w.vote)
        w_dnv(&w, n_mep);
    for (int k = 0; k < 7; k++)
        if (gzclose(w.t[k]) != Z_OK)
            rc = rc ? rc : -1;
    free(w.grp);
    if (rc) {
        fprintf(stderr, "srv_htv: writing the export: %s\n", err.msg[0] ? err.msg : "gzip error");
        return 1;
    }
    fprintf(stderr, "srv_htv: wrote a synthetic export of %d MEPs x %d votes (%ld member_votes "
                    "rows) to %s\n",
            n_mep, n_vote, w.rows, dir);
    return 0;
}

/* ---- the server ----------------------------------------------------------------------------- */

static const char *root;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static long f503, fcut_bytes = -1, fcuts, fslow;
static char fonly[256], salt[64] = "0";
static long n_req, n_503, n_cut, n_ranged, n_304, n_full, n_ifrange_miss;
static long long n_bytes;

struct body {
    int fd;
    long long off, end; /* bytes [off, end) of the file */
    long long cut;      /* stop after this many bytes sent, -1 never */
    long long sent;
    long slow;
};

static ssize_t body_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct body *b = cls;
    (void)pos;
    if (b->off >= b->end)
        return MHD_CONTENT_READER_END_OF_STREAM;
    if (b->cut >= 0 && b->sent >= b->cut)
        return MHD_CONTENT_READER_END_WITH_ERROR; /* the transfer is cut mid-way */
    size_t n = max > 16384 ? 16384 : max;
    if ((long long)n > b->end - b->off)
        n = (size_t)(b->end - b->off);
    if (b->cut >= 0 && (long long)n > b->cut - b->sent)
        n = (size_t)(b->cut - b->sent);
    ssize_t got = pread(b->fd, buf, n, (off_t)b->off);
    if (got <= 0)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    if (b->slow > 0) {
        struct timespec ts = {0, (long)((double)got / (double)b->slow * 1e9)};
        while (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        nanosleep(&ts, NULL);
    }
    b->off += got;
    b->sent += got;
    pthread_mutex_lock(&mu);
    n_bytes += got;
    pthread_mutex_unlock(&mu);
    return got;
}

static void body_free(void *cls)
{
    struct body *b = cls;
    close(b->fd);
    free(b);
}

static enum MHD_Result text(struct MHD_Connection *c, unsigned status, const char *s)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(s), (void *)s, MHD_RESPMEM_MUST_COPY);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static long qlong(struct MHD_Connection *c, const char *k, long dflt)
{
    const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, k);
    return v ? strtol(v, NULL, 10) : dflt;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *data,
                               size_t *size, void **state)
{
    (void)cls;
    (void)version;
    (void)data;
    if (!*state) { /* headers only: wait for the (empty) body */
        *state = c;
        return MHD_YES;
    }
    *size = 0;
    if (!strcmp(url, "/__faults")) {
        pthread_mutex_lock(&mu);
        if (!strcmp(method, "DELETE")) {
            f503 = fcuts = fslow = 0;
            fcut_bytes = -1;
            fonly[0] = 0;
        } else {
            f503 = qlong(c, "fail503", f503);
            fcut_bytes = qlong(c, "cut", fcut_bytes);
            fcuts = qlong(c, "cuts", fcut_bytes >= 0 && !fcuts ? 1 : fcuts);
            fslow = qlong(c, "slow", fslow);
            const char *e = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "etag");
            if (e)
                snprintf(salt, sizeof salt, "%s", e);
            const char *o = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "only");
            if (o)
                snprintf(fonly, sizeof fonly, "%s", o);
        }
        pthread_mutex_unlock(&mu);
        return text(c, 200, "ok\n");
    }
    if (!strcmp(url, "/__stats")) {
        char s[512];
        pthread_mutex_lock(&mu);
        snprintf(s, sizeof s,
                 "requests %ld\nfailed503 %ld\ncut %ld\nranged %ld\nnot_modified %ld\nfull "
                 "%ld\nifrange_miss %ld\nbytes %lld\n",
                 n_req, n_503, n_cut, n_ranged, n_304, n_full, n_ifrange_miss, n_bytes);
        pthread_mutex_unlock(&mu);
        return text(c, 200, s);
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return text(c, 405, "method not allowed\n");
    const char *name = url + 1;
    if (!*name || strchr(name, '/') || name[0] == '.')
        return text(c, 404, "not found\n");
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", root, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        if (fd >= 0)
            close(fd);
        return text(c, 404, "not found\n");
    }
    pthread_mutex_lock(&mu);
    n_req++;
    int hit = !fonly[0] || !strcmp(fonly, name);
    int fail = hit && f503 > 0;
    long long cut = -1;
    if (fail) {
        f503--;
        n_503++;
    } else if (hit && fcuts > 0 && fcut_bytes >= 0) {
        fcuts--;
        cut = fcut_bytes;
        n_cut++;
    }
    long slow = fslow;
    char etag[160], lm[64];
    /* size, inode and mtime to the nanosecond: two files of one size written within the same
     * second (the tests' copies of an export) must not share a validator */
    snprintf(etag, sizeof etag, "\"%llx-%llx-%llx.%lx-%s\"", (unsigned long long)sb.st_size,
             (unsigned long long)sb.st_ino, (unsigned long long)sb.st_mtim.tv_sec,
             (long)sb.st_mtim.tv_nsec, salt);
    time_t mt = sb.st_mtime + 1000 * strtol(salt, NULL, 10);
    pthread_mutex_unlock(&mu);
    struct tm tm;
    gmtime_r(&mt, &tm);
    strftime(lm, sizeof lm, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (fail) {
        close(fd);
        struct MHD_Response *r = MHD_create_response_from_buffer(
            20, (void *)"service unavailable\n", MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header(r, "Retry-After", "0");
        enum MHD_Result ret = MHD_queue_response(c, 503, r);
        MHD_destroy_response(r);
        return ret;
    }
    const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
    const char *ims = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-Modified-Since");
    if ((inm && !strcmp(inm, etag)) || (!inm && ims && !strcmp(ims, lm))) {
        close(fd);
        pthread_mutex_lock(&mu);
        n_304++;
        pthread_mutex_unlock(&mu);
        struct MHD_Response *r = MHD_create_response_from_buffer(0, (void *)"",
                                                                 MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header(r, "ETag", etag);
        enum MHD_Result ret = MHD_queue_response(c, 304, r);
        MHD_destroy_response(r);
        return ret;
    }
    long long from = 0;
    const char *range = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Range");
    const char *ifr = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-Range");
    if (range && sscanf(range, "bytes=%lld-", &from) == 1 &&
        (!ifr || !strcmp(ifr, etag) || !strcmp(ifr, lm))) {
        if (from >= (long long)sb.st_size) {
            close(fd);
            return text(c, 416, "range not satisfiable\n");
        }
    } else {
        if (range && ifr) { /* the file changed since the part was fetched: all of it */
            pthread_mutex_lock(&mu);
            n_ifrange_miss++;
            pthread_mutex_unlock(&mu);
        }
        from = 0;
        range = NULL;
    }
    struct body *b = calloc(1, sizeof *b);
    if (!b) {
        close(fd);
        return MHD_NO;
    }
    *b = (struct body){.fd = fd, .off = from, .end = sb.st_size, .cut = cut, .slow = slow};
    struct MHD_Response *r = MHD_create_response_from_callback(
        (uint64_t)(sb.st_size - from), 16384, body_read, b, body_free);
    MHD_add_response_header(r, "ETag", etag);
    MHD_add_response_header(r, "Last-Modified", lm);
    MHD_add_response_header(r, "Accept-Ranges", "bytes");
    MHD_add_response_header(r, "Content-Type", "application/gzip");
    pthread_mutex_lock(&mu);
    if (range)
        n_ranged++;
    else
        n_full++;
    pthread_mutex_unlock(&mu);
    if (range) {
        char cr[96];
        snprintf(cr, sizeof cr, "bytes %lld-%lld/%lld", from, (long long)sb.st_size - 1,
                 (long long)sb.st_size);
        MHD_add_response_header(r, "Content-Range", cr);
    }
    enum MHD_Result ret = MHD_queue_response(c, range ? 206 : 200, r);
    MHD_destroy_response(r);
    return ret;
}

int main(int argc, char **argv)
{
    struct srv s = {.name = "srv_htv"};
    const char *write_dir = NULL;
    int meps = 720, votes = 3000, term = 9;
    uint64_t seed = 1;
    for (int i = 1; i < argc; i++) {
        if (srv_arg(&s, argc, argv, &i))
            continue;
        if (!strcmp(argv[i], "--dir") && i + 1 < argc)
            root = argv[++i];
        else if (!strcmp(argv[i], "--write") && i + 1 < argc)
            write_dir = argv[++i];
        else if (!strcmp(argv[i], "--meps") && i + 1 < argc)
            meps = (int)strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--votes") && i + 1 < argc)
            votes = (int)strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--term") && i + 1 < argc)
            term = (int)strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 10);
        else {
            fprintf(stderr, "usage: srv_htv --write DIR [--meps N] [--votes M] [--seed S] "
                            "[--term 9|10]\n"
                            "       srv_htv --dir DIR [--port-file PATH] [--port N]\n");
            return 2;
        }
    }
    if (write_dir)
        return write_export(write_dir, meps < 2 ? 2 : meps, votes < 1 ? 1 : votes, seed, term);
    if (!root) {
        fprintf(stderr, "srv_htv: --dir or --write is required\n");
        return 2;
    }
    srv_signals(&s);
    if (srv_start(&s, handler, NULL, 60))
        return 1;
    fprintf(stderr, "srv_htv: serving %s on http://127.0.0.1:%d/\n", root, s.port);
    srv_wait(&s);
    return 0;
}
