/* ep_http: MCP Streamable HTTP transport (see ep_http.h, docs/http.md). */
#include "ep_http.h"

#include "ep_crypto.h"
#include "ep_mhd.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "ep_auth.h"
#include "ep_era2026.h"
#include "ep_state.h"
#include "ep_store.h"
#include "ep_trace.h"
#include "ep_ui_res.h"
#include "ep_util.h"

#define EP_HTTP_SSE_BACKLOG ((size_t)64 << 20)   /* unsent SSE bytes per stream */
#define EP_HTTP_REPLAY_EVENTS 128                /* replay log per SSE stream: events ... */
#define EP_HTTP_REPLAY_BYTES ((size_t)256 << 10) /* ... and bytes */
#define EP_HTTP_STREAMS_KEPT 4                   /* POST streams a session keeps logs of */
#define EP_HTTP_MAX_STAT 64
#define EP_HTTP_MAX_TOOLS 128

static const double ep_http_buckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                         0.5,   1,    2.5,   5,    10,  30};
#define NBUCKETS ((int)(sizeof ep_http_buckets / sizeof ep_http_buckets[0]))

enum {
    REJ_BODY,
    REJ_HOST,
    REJ_SESSIONS,
    REJ_CALLS,
    REJ_SESSION_MISSING,
    REJ_SESSION_UNKNOWN,
    REJ_VERSION,
    REJ_TIMEOUT,
    REJ_BAD_REQUEST,
    REJ_UNAUTHENTICATED,
    REJ_FORBIDDEN,
    REJ_RATE,
    REJ_QUOTA,
    REJ_N
};
static const char *const ep_http_rej_names[REJ_N] = {
    "body_too_large",  "host_origin",      "max_sessions",  "max_tool_calls", "session_missing",
    "session_unknown", "protocol_version", "timeout",       "bad_request",    "unauthenticated",
    "forbidden",       "rate_limited",     "quota_exceeded"};

struct http;

/* What a refused upload may still send before its connection is closed instead of answered. */
#define EP_HTTP_DRAIN_MAX ((size_t)64 << 20)

/* One TCP connection, from accept to close (MHD_OPTION_NOTIFY_CONNECTION): whether a request's
 * headers are being awaited, and since when, so that the server's watchdog can cut off a client
 * that sends its headers too slowly (slowloris). Listed in http.conns under http.cmu. */
struct conn {
    struct conn *prev, *next;
    int fd;
    double wait_since;   /* > 0: awaiting a request's headers since then (ep_now) */
    double upload_since; /* > 0: a request's body is arriving since then */
    int answered;        /* the watchdog answered the request itself (408): MHD must not */
};

/* One SSE stream's replay log (resumability): every event gets the id "K-N" (K = the stream's
 * number in the session, 0 for the GET stream; N = 1, 2, ...), and the last events are kept so
 * that GET /mcp with Last-Event-ID can replay what a client missed and go on with the stream.
 * The logged events (ev, head, n, bytes, gone_global) are under h->rmu, a leaf lock; they are
 * also on one list of all logged events of the server in the order they were logged, so that
 * the bound over all streams (--max-replay-bytes) drops the oldest first. The rest is under
 * the session's mu. */
struct stream;
struct sse_ev {
    unsigned long seq;
    char *data; /* the JSON message */
    size_t len;
    struct sse_ev *gprev, *gnext; /* the server's list of logged events, oldest first */
    struct stream *st;
};
struct stream {
    struct http *h;
    unsigned long gone_global; /* last event dropped for the global bound (0 = none) */
    int id;
    int refs;  /* the session's list + each request delivering it */
    int ended; /* the final message was logged (POST streams) */
    unsigned long next_seq;
    struct sse_ev ev[EP_HTTP_REPLAY_EVENTS]; /* ring: n events from head */
    int head, n;
    size_t bytes;
    struct req *reader; /* the connection delivering it now, or NULL */
};

struct sess {
    char id[33];
    struct http *h;
    struct ep_mcp_server *srv;
    pthread_mutex_t mu; /* get_req, the streams */
    struct req *get_req;
    struct stream get_log;                        /* stream 0: the GET stream */
    struct stream *streams[EP_HTTP_STREAMS_KEPT]; /* streamed POSTs, oldest first */
    int nstreams, next_stream;
    int refs; /* under h->mu: 1 for the table + 1 per HTTP request using it */
    int in_table;
    time_t last_used;
    unsigned long
        use_seq;     /* under h->mu: h->use_seq at its last use (orders uses within a second) */
    char owner[128]; /* principal that created it ("" without authentication) */
    int modern;      /* serves the principal's 2026-07-28 requests: never named to a client (no
                        Mcp-Session-Id), found by owner alone; holds no protocol state */
    char out_dir[PATH_MAX]; /* its tools' artefacts: the principal's own folder (out_dir_for) */
};

/* One HTTP request (the MHD connection's con_cls and, for POST, the core's origin). */
struct req {
    struct http *h;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int refs; /* 1 for MHD until the request completes, + 1 while the core owes a final reply */
    int gone; /* MHD finished with it */
    char method[8];
    int status;
    double t0;
    struct sess *sess; /* ref held until completion */
    /* POST body */
    struct ep_buf body;
    int body_rejected;
    int upload_done; /* the whole request (body included) has been read */
    /* a refusal decided while the body was still arriving: libmicrohttpd sends no response
     * queued mid-upload, so the rest of the body is read and dropped (up to EP_HTTP_DRAIN_MAX
     * bytes, else the connection is closed) and the refusal answered when it has all come */
    json_t *batch_ids; /* a batch POST: the ids of its requests, so that a refusal of the whole
                          batch answers an array, one error per request (JSON-RPC 2.0 §6) */
    unsigned pending_status;
    char pending_msg[200];
    size_t drained;
    /* outgoing stream */
    struct ep_buf sse;
    size_t off;
    int final;             /* the core delivered its last message */
    int nonlast;           /* messages before the last one */
    char *last;            /* the final message (JSON), NULL if none */
    int is_get;            /* GET stream of sess */
    int sse_ok;            /* the client accepts an SSE reply */
    int prime;             /* the session speaks 2025-11-25: SSE streams start with a priming
                              event (an id and empty data) */
    int modern;            /* a 2026-07-28 request: no session, its SSE events carry no id (no
                              resumption), closing its stream cancels it */
    struct stream *stream; /* the SSE stream it delivers (ref held), or NULL */
    int overflow;
    time_t last_write;
    /* metrics */
    char tool[64];
    int counts_call;
    const char *www_auth; /* WWW-Authenticate value for a 401/403 (static or in wbuf) */
    int retry_after;      /* Retry-After seconds for a 429/503 (0 = 1) */
    char wbuf[1600];
    struct ep_auth_principal who;
    int is_mcp;
    int audited; /* its audit line is written (audit_before_reply) */
    /* audit */
    char principal[128];
    char roles[256];
    char args_digest[17];
    char rpc_outcome[8];
    char cache[8]; /* answered from a result cache: "local" or "redis" (ep_mcp cache_note) */
    char client[64];
    struct ep_trace_span span; /* the request's span (ep_trace.h): its trace id is audited */
};

struct stat_row {
    char method[8];
    int status;
    unsigned long n;
};

struct tool_hist {
    char name[64];
    unsigned long b[NBUCKETS + 1];
    unsigned long n;
    double sum;
};

struct http {
    struct ep_http_options o;
    struct MHD_Daemon *d;
    int port;
    pthread_mutex_t cmu;           /* conns */
    struct conn *conns;            /* open connections (struct conn) */
    unsigned long header_timeouts; /* connections closed for slow headers */
    char **hosts;
    int nhosts;
    pthread_mutex_t mu; /* sessions, counters below */
    pthread_cond_t cv;
    struct sess **sessions;
    int nsessions;
    int calls_active;
    int posts_active;
    volatile int stopping;
    unsigned long sessions_created, sessions_expired, sessions_evicted;
    unsigned long use_seq; /* sessions' uses, counted (sess.use_seq) */
    unsigned long rej[REJ_N];
    struct stat_row stats[EP_HTTP_MAX_STAT];
    int nstats;
    struct tool_hist tools[EP_HTTP_MAX_TOOLS];
    int ntools;
    /* /healthz cache */
    char data_date[11];
    time_t data_checked;
    time_t started;
    /* authentication (NULL = off); readers hold alock shared, SIGHUP reload exclusive */
    pthread_rwlock_t alock;
    struct ep_auth *auth;
    long rate_per_min;
    struct rate_slot *rates;
    FILE *audit;
    long audit_max;
    unsigned long audit_seq;
    pthread_mutex_t audit_mu;
    /* daily quotas (ep_auth.h), flushed to the store every second; NULL without auth */
    struct ep_quota *quota;
    struct ep_state *state; /* --state: the quota counters in Redis instead (NULL = none) */
    /* upstream (EP API) metrics text, as last read under the execution mutex; under mu */
    struct ep_buf upstream;
    /* every stream's replay log (struct stream): the events in logging order, their bytes */
    pthread_mutex_t rmu;
    struct sse_ev *ghead, *gtail;
    size_t replay_bytes;
    unsigned long replay_evicted; /* events dropped for max_replay_bytes */
};

/* Requests per principal: a sliding one-minute window estimated from this minute's and the
 * previous minute's counts. Open addressing on the principal id; under h->mu. */
#define EP_HTTP_RATE_SLOTS 4096
struct rate_slot {
    char id[128];
    long minute;
    unsigned long cur, prev;
};

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

void ep_http_options_init(struct ep_http_options *o)
{
    memset(o, 0, sizeof *o);
    o->addr = "127.0.0.1";
    o->max_body = (size_t)4 << 20;
    o->max_header = (size_t)32 << 10;
    o->io_timeout_s = 30;
    o->header_timeout_s = 10;
    o->max_connections_per_ip = 128;
    o->request_timeout_s = 60;
    o->session_idle_s = 1800;
    o->max_sessions = 256;
    o->max_sessions_per_principal = 16;
    o->max_connections = 512;
    o->max_tool_calls = 16;
    o->gzip_min = 1024;
    o->max_replay_bytes = (size_t)64 << 20;
    ep_mcp_options_init(&o->mcp);
}

/* ------------------------------------------------------------------ metrics */

static void count_reject(struct http *h, int why)
{
    pthread_mutex_lock(&h->mu);
    h->rej[why]++;
    pthread_mutex_unlock(&h->mu);
}

static void count_request(struct http *h, const char *method, int status)
{
    pthread_mutex_lock(&h->mu);
    int i;
    for (i = 0; i < h->nstats; i++)
        if (h->stats[i].status == status && strcmp(h->stats[i].method, method) == 0)
            break;
    if (i == h->nstats && h->nstats < EP_HTTP_MAX_STAT) {
        snprintf(h->stats[i].method, sizeof h->stats[i].method, "%s", method);
        h->stats[i].status = status;
        h->nstats++;
    }
    if (i < h->nstats)
        h->stats[i].n++;
    pthread_mutex_unlock(&h->mu);
}

static void count_latency(struct http *h, const char *tool, double secs)
{
    pthread_mutex_lock(&h->mu);
    int i;
    for (i = 0; i < h->ntools; i++)
        if (strcmp(h->tools[i].name, tool) == 0)
            break;
    if (i == h->ntools && h->ntools < EP_HTTP_MAX_TOOLS) {
        snprintf(h->tools[i].name, sizeof h->tools[i].name, "%s", tool);
        h->ntools++;
    }
    if (i < h->ntools) {
        struct tool_hist *t = &h->tools[i];
        int b = 0;
        while (b < NBUCKETS && secs > ep_http_buckets[b])
            b++;
        t->b[b]++;
        t->n++;
        t->sum += secs;
    }
    pthread_mutex_unlock(&h->mu);
}

static void metrics_text(struct http *h, struct ep_buf *b)
{
    /* the pipeline is used under its own lock: read it when no pass-through call holds it,
     * else show the last reading (a scrape never waits for a tool) */
    struct ep_buf up;
    ep_buf_init(&up, 0);
    int fresh = h->o.metrics ? h->o.metrics(h->o.metrics_ctx, &up) : 0;
    pthread_mutex_lock(&h->cmu);
    unsigned long header_timeouts = h->header_timeouts;
    pthread_mutex_unlock(&h->cmu);
    pthread_mutex_lock(&h->mu);
    if (fresh) {
        ep_buf_free(&h->upstream);
        h->upstream = up;
    } else {
        ep_buf_free(&up);
    }
    if (h->upstream.len)
        ep_buf_append(b, h->upstream.data, h->upstream.len);
    ep_trace_metrics(b); /* the span exporter's counters, with --otlp */
    ep_buf_printf(b, "# HELP epintel_http_requests_total HTTP requests by method and status.\n"
                     "# TYPE epintel_http_requests_total counter\n");
    for (int i = 0; i < h->nstats; i++)
        ep_buf_printf(b, "epintel_http_requests_total{method=\"%s\",status=\"%d\"} %lu\n",
                      h->stats[i].method, h->stats[i].status, h->stats[i].n);
    ep_buf_printf(b, "# HELP epintel_tool_call_seconds tools/call latency by tool.\n"
                     "# TYPE epintel_tool_call_seconds histogram\n");
    for (int i = 0; i < h->ntools; i++) {
        struct tool_hist *t = &h->tools[i];
        unsigned long cum = 0;
        for (int k = 0; k < NBUCKETS; k++) {
            cum += t->b[k];
            ep_buf_printf(b, "epintel_tool_call_seconds_bucket{tool=\"%s\",le=\"%g\"} %lu\n",
                          t->name, ep_http_buckets[k], cum);
        }
        ep_buf_printf(b, "epintel_tool_call_seconds_bucket{tool=\"%s\",le=\"+Inf\"} %lu\n", t->name,
                      t->n);
        ep_buf_printf(b, "epintel_tool_call_seconds_sum{tool=\"%s\"} %.6f\n", t->name, t->sum);
        ep_buf_printf(b, "epintel_tool_call_seconds_count{tool=\"%s\"} %lu\n", t->name, t->n);
    }
    ep_buf_printf(b,
                  "# HELP epintel_sessions Open MCP sessions.\n# TYPE epintel_sessions gauge\n"
                  "epintel_sessions %d\n"
                  "# HELP epintel_sessions_created_total Sessions created.\n"
                  "# TYPE epintel_sessions_created_total counter\n"
                  "epintel_sessions_created_total %lu\n"
                  "# HELP epintel_sessions_expired_total Sessions closed for idleness.\n"
                  "# TYPE epintel_sessions_expired_total counter\n"
                  "epintel_sessions_expired_total %lu\n"
                  "# HELP epintel_sessions_evicted_total Idle sessions closed to make room "
                  "(--max-sessions-per-principal).\n"
                  "# TYPE epintel_sessions_evicted_total counter\n"
                  "epintel_sessions_evicted_total %lu\n"
                  "# HELP epintel_http_header_timeouts_total Connections closed because a "
                  "request's headers took longer than --header-timeout.\n"
                  "# TYPE epintel_http_header_timeouts_total counter\n"
                  "epintel_http_header_timeouts_total %lu\n"
                  "# HELP epintel_tool_calls_active tools/call requests in progress.\n"
                  "# TYPE epintel_tool_calls_active gauge\n"
                  "epintel_tool_calls_active %d\n"
                  "# HELP epintel_http_rejections_total Requests refused by a limit or check.\n"
                  "# TYPE epintel_http_rejections_total counter\n",
                  h->nsessions, h->sessions_created, h->sessions_expired, h->sessions_evicted,
                  header_timeouts, h->calls_active);
    for (int i = 0; i < REJ_N; i++)
        ep_buf_printf(b, "epintel_http_rejections_total{reason=\"%s\"} %lu\n", ep_http_rej_names[i],
                      h->rej[i]);
    pthread_mutex_unlock(&h->mu);
    pthread_mutex_lock(&h->rmu);
    size_t rb = h->replay_bytes;
    unsigned long re = h->replay_evicted;
    pthread_mutex_unlock(&h->rmu);
    ep_buf_printf(b,
                  "# HELP epintel_sse_replay_bytes SSE replay data kept over all streams.\n"
                  "# TYPE epintel_sse_replay_bytes gauge\n"
                  "epintel_sse_replay_bytes %zu\n"
                  "# HELP epintel_sse_replay_evicted_total SSE events dropped for "
                  "--max-replay-bytes.\n"
                  "# TYPE epintel_sse_replay_evicted_total counter\n"
                  "epintel_sse_replay_evicted_total %lu\n",
                  rb, re);
    struct ep_tools_cache_stats cs = {0};
    ep_tools_cache_stats(h->o.mcp.tools, &cs);
    ep_buf_printf(
        b,
        "# HELP epintel_tool_cache_hits_total tools/call answered from the result cache.\n"
        "# TYPE epintel_tool_cache_hits_total counter\n"
        "epintel_tool_cache_hits_total %lu\n"
        "# HELP epintel_tool_cache_misses_total Cacheable calls that ran the tool.\n"
        "# TYPE epintel_tool_cache_misses_total counter\n"
        "epintel_tool_cache_misses_total %lu\n"
        "# HELP epintel_tool_cache_evictions_total Entries dropped for space.\n"
        "# TYPE epintel_tool_cache_evictions_total counter\n"
        "epintel_tool_cache_evictions_total %lu\n"
        "# HELP epintel_tool_cache_entries Entries in the result cache.\n"
        "# TYPE epintel_tool_cache_entries gauge\n"
        "epintel_tool_cache_entries %lu\n"
        "# HELP epintel_tool_cache_bytes Bytes held by the result cache.\n"
        "# TYPE epintel_tool_cache_bytes gauge\n"
        "epintel_tool_cache_bytes %zu\n",
        cs.hits, cs.misses, cs.evictions, cs.entries, cs.bytes);
    if (h->state) { /* --state: the result cache the replicas share */
        struct ep_state_cache_stats ss;
        ep_state_cache_stats(h->state, &ss);
        ep_buf_printf(
            b,
            "# HELP epintel_shared_cache_hits_total tools/call answered from the result cache "
            "in Redis (--state).\n"
            "# TYPE epintel_shared_cache_hits_total counter\n"
            "epintel_shared_cache_hits_total %lu\n"
            "# HELP epintel_shared_cache_misses_total Shared cache look-ups that found nothing.\n"
            "# TYPE epintel_shared_cache_misses_total counter\n"
            "epintel_shared_cache_misses_total %lu\n"
            "# HELP epintel_shared_cache_stores_total Results stored in the shared cache.\n"
            "# TYPE epintel_shared_cache_stores_total counter\n"
            "epintel_shared_cache_stores_total %lu\n"
            "# HELP epintel_shared_cache_too_large_total Results kept local only (over %d "
            "bytes).\n"
            "# TYPE epintel_shared_cache_too_large_total counter\n"
            "epintel_shared_cache_too_large_total %lu\n"
            "# HELP epintel_shared_cache_errors_total Shared cache look-ups or stores Redis did "
            "not answer (the result was computed: fail open).\n"
            "# TYPE epintel_shared_cache_errors_total counter\n"
            "epintel_shared_cache_errors_total %lu\n",
            ss.hits, ss.misses, ss.stores, EP_STATE_CACHE_MAX_BYTES, ss.too_large, ss.errors);
    }
}

/* ---------------------------------------------------------------- requests */

static struct req *req_new(struct http *h, const char *method)
{
    struct req *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->h = h;
    r->refs = 1;
    r->t0 = now_s();
    snprintf(r->method, sizeof r->method, "%s", method);
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    ep_buf_init(&r->body, h->o.max_body);
    ep_buf_init(&r->sse, EP_HTTP_SSE_BACKLOG);
    return r;
}

static void req_free(struct req *r)
{
    ep_trace_end(&r->span); /* ended in on_completed; this frees what an unended one holds */
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cv);
    ep_buf_free(&r->body);
    ep_buf_free(&r->sse);
    free(r->last);
    json_decref(r->batch_ids);
    free(r);
}

/* Drop one reference (r->mu not held). */
static void req_unref(struct req *r)
{
    pthread_mutex_lock(&r->mu);
    int last = --r->refs == 0;
    pthread_mutex_unlock(&r->mu);
    if (last)
        req_free(r);
}

/* Append one SSE event with id "stream-seq", or without an id for stream < 0 (r->mu held). */
static void sse_event(struct req *r, int stream, unsigned long seq, const char *json, size_t len)
{
    if (r->overflow)
        return;
    if ((stream >= 0 ? ep_buf_printf(&r->sse, "id: %d-%lu\nevent: message\ndata: ", stream, seq)
                     : ep_buf_printf(&r->sse, "event: message\ndata: ")) ||
        ep_buf_append(&r->sse, json, len) || ep_buf_append(&r->sse, "\n\n", 2))
        r->overflow = 1; /* the client does not read: end the stream */
}

/* The priming event of a 2025-11-25 stream (an event id and an empty data field): the id to
 * resume from when the connection is lost before any message (r->mu held). */
static void sse_prime(struct req *r, int stream, unsigned long seq)
{
    if (r->prime && ep_buf_printf(&r->sse, "id: %d-%lu\ndata: \n\n", stream, seq))
        r->overflow = 1;
}

/* End r's stream once its buffered bytes are sent (NULL is fine; r->mu not held). */
static void req_finish(struct req *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->mu);
    r->final = 1;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

/* ------------------------------------------------------------- replay logs */

/* Forget st's oldest logged event (h->rmu held); global: for the bound over all streams. */
static void stream_drop_oldest(struct stream *st, int global)
{
    struct http *h = st->h;
    struct sse_ev *o = &st->ev[st->head];
    if (o->gprev)
        o->gprev->gnext = o->gnext;
    else
        h->ghead = o->gnext;
    if (o->gnext)
        o->gnext->gprev = o->gprev;
    else
        h->gtail = o->gprev;
    o->gprev = o->gnext = NULL;
    h->replay_bytes -= o->len;
    st->bytes -= o->len;
    if (global) {
        st->gone_global = o->seq;
        h->replay_evicted++;
    }
    free(o->data);
    o->data = NULL;
    st->head = (st->head + 1) % EP_HTTP_REPLAY_EVENTS;
    st->n--;
}

static void stream_clear(struct stream *st)
{
    pthread_mutex_lock(&st->h->rmu);
    while (st->n)
        stream_drop_oldest(st, 0);
    pthread_mutex_unlock(&st->h->rmu);
}

/* Drop one reference (sess->mu held). */
static void stream_unref(struct stream *st)
{
    if (st && --st->refs == 0) {
        stream_clear(st);
        free(st);
    }
}

/* Log one message of st (h->rmu held): within the stream's own bounds, and within
 * max_replay_bytes over all streams by dropping the oldest events of the server (so the
 * oldest streams lose theirs first). A message larger than that bound is not logged, and
 * neither is anything before it in st (a resume from before it is refused, never a gap). */
static void stream_log(struct stream *st, unsigned long seq, const char *json, size_t len)
{
    struct http *h = st->h;
    while (st->n && (st->n == EP_HTTP_REPLAY_EVENTS || st->bytes + len > EP_HTTP_REPLAY_BYTES))
        stream_drop_oldest(st, 0);
    char *copy = len <= h->o.max_replay_bytes ? malloc(len + 1) : NULL;
    if (!copy) {
        while (st->n)
            stream_drop_oldest(st, 1);
        st->gone_global = seq;
        h->replay_evicted++;
        return;
    }
    while (h->ghead && h->replay_bytes + len > h->o.max_replay_bytes)
        stream_drop_oldest(h->ghead->st, 1); /* the oldest event is its stream's oldest */
    memcpy(copy, json, len);
    copy[len] = 0;
    struct sse_ev *e = &st->ev[(st->head + st->n) % EP_HTTP_REPLAY_EVENTS];
    e->seq = seq;
    e->data = copy;
    e->len = len;
    e->st = st;
    e->gnext = NULL;
    e->gprev = h->gtail;
    if (h->gtail)
        h->gtail->gnext = e;
    else
        h->ghead = e;
    h->gtail = e;
    st->n++;
    st->bytes += len;
    h->replay_bytes += len;
}

/* Log one message of st and hand it to its reader (sess->mu held). Returns its seq. */
static unsigned long stream_event(struct stream *st, const char *json, size_t len, int last)
{
    unsigned long seq = st->next_seq++;
    pthread_mutex_lock(&st->h->rmu);
    stream_log(st, seq, json, len);
    pthread_mutex_unlock(&st->h->rmu);
    if (last)
        st->ended = 1;
    struct req *rd = st->reader;
    if (rd) {
        pthread_mutex_lock(&rd->mu);
        sse_event(rd, st->id, seq, json, len);
        if (last)
            rd->final = 1;
        pthread_cond_broadcast(&rd->cv);
        pthread_mutex_unlock(&rd->mu);
    }
    return seq;
}

/* A new stream for a POST of s, kept in the session's list (sess->mu held); NULL on ENOMEM. */
static struct stream *stream_new(struct sess *s)
{
    struct stream *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    st->h = s->h;
    st->id = ++s->next_stream;
    st->next_seq = 1;
    st->refs = 1;
    if (s->nstreams == EP_HTTP_STREAMS_KEPT) { /* forget the oldest log */
        stream_unref(s->streams[0]);
        memmove(s->streams, s->streams + 1, (EP_HTTP_STREAMS_KEPT - 1) * sizeof *s->streams);
        s->nstreams--;
    }
    s->streams[s->nstreams++] = st;
    return st;
}

/* ---------------------------------------------------------------- sessions */

static void sess_free(struct sess *s)
{
    ep_mcp_server_free(s->srv); /* in-flight calls were cancelled; waits for them */
    for (int i = 0; i < s->nstreams; i++)
        stream_unref(s->streams[i]);
    stream_clear(&s->get_log);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

static void sess_unref(struct http *h, struct sess *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&h->mu);
    int last = --s->refs == 0;
    pthread_mutex_unlock(&h->mu);
    if (last)
        sess_free(s);
}

/* Remove from the table (h->mu held); the caller drops the table's reference afterwards. */
static void sess_detach_locked(struct http *h, struct sess *s)
{
    for (int i = 0; i < h->nsessions; i++)
        if (h->sessions[i] == s) {
            h->sessions[i] = h->sessions[--h->nsessions];
            break;
        }
    s->in_table = 0;
}

/* Close: cancel its calls and end its GET stream (no locks held). */
static void sess_close(struct sess *s)
{
    ep_mcp_cancel_all(s->srv);
    pthread_mutex_lock(&s->mu);
    req_finish(s->get_req);
    pthread_mutex_unlock(&s->mu);
}

/* A reference to f (may be NULL) for a request, and its use counted (h->mu held). */
static void sess_use_locked(struct http *h, struct sess *f)
{
    if (!f)
        return;
    f->refs++;
    f->last_used = time(NULL);
    f->use_seq = ++h->use_seq;
}

/* The session with this id that owner may use (owner "" = no authentication). */
static struct sess *sess_find(struct http *h, const char *id, const char *owner)
{
    struct sess *f = NULL;
    size_t n = strlen(id);
    pthread_mutex_lock(&h->mu);
    for (int i = 0; i < h->nsessions && !f; i++)
        if (n == 32 && !h->sessions[i]->modern && CRYPTO_memcmp(h->sessions[i]->id, id, 32) == 0 &&
            strcmp(h->sessions[i]->owner, owner) == 0)
            f = h->sessions[i];
    sess_use_locked(h, f);
    pthread_mutex_unlock(&h->mu);
    return f;
}

/* The server that answers owner's 2026-07-28 requests (a new reference): any request of the
 * principal may use it, so nothing but the principal (its artefacts' folder) ties a request to
 * it; created on first use, expired when idle like a session. NULL with *full as in
 * sess_create. */
static struct sess *sess_create(struct http *h, const char *owner, int modern, int *full);
static struct sess *sess_modern(struct http *h, const char *owner, int *full)
{
    struct sess *f = NULL;
    pthread_mutex_lock(&h->mu);
    for (int i = 0; i < h->nsessions && !f; i++)
        if (h->sessions[i]->modern && strcmp(h->sessions[i]->owner, owner) == 0)
            f = h->sessions[i];
    sess_use_locked(h, f);
    pthread_mutex_unlock(&h->mu);
    return f ? f : sess_create(h, owner, 1, full);
}

/* The core's tools/list filter (ep_mcp_options.tool_visible): origin is the POST's struct
 * req, alive while the core handles it; a principal sees the tools its roles may call (the
 * same check as the 403 of tools/call). */
static int http_tool_visible(void *vctx, void *origin, const char *tool)
{
    struct http *h = vctx;
    const struct req *r = origin;
    pthread_rwlock_rdlock(&h->alock);
    int ok = !h->auth || (r && ep_auth_tool_allowed(h->auth, &r->who, tool));
    pthread_rwlock_unlock(&h->alock);
    return ok;
}

/* The core's writer: origin is a struct req (POST) or NULL (session-level messages go to the
 * session's GET stream, if one is open). Never fails: a gone client only loses messages. */
static int http_write(void *wctx, void *origin, const char *json, size_t len, int last)
{
    struct sess *s = wctx;
    struct req *r = origin;
    if (!r) { /* logged for a resume even while no GET stream is open */
        pthread_mutex_lock(&s->mu);
        if (json) {
            s->get_log.reader = s->get_req;
            stream_event(&s->get_log, json, len, 0);
        }
        pthread_mutex_unlock(&s->mu);
        return 0;
    }
    if (last) {
        /* the call's slot is free before its reply can reach the client, so a client that
         * sends the next call as soon as it has the reply is never refused for this one */
        pthread_mutex_lock(&r->mu);
        int counted = r->counts_call;
        r->counts_call = 0;
        pthread_mutex_unlock(&r->mu);
        if (counted) {
            pthread_mutex_lock(&r->h->mu);
            r->h->calls_active--;
            pthread_mutex_unlock(&r->h->mu);
        }
    }
    char *final = json && last ? strndup(json, len) : NULL; /* the reply r keeps */
    /* an SSE reply (a message before the last one, and the client accepts SSE) becomes a
     * logged stream; a JSON reply (the common case) never touches the SSE buffers */
    pthread_mutex_lock(&s->mu);
    if (json && !last && !r->modern && !r->stream && r->sse_ok &&
        (r->stream = stream_new(s)) != NULL) {
        r->stream->refs++;
        r->stream->reader = r;
        pthread_mutex_lock(&r->mu);
        sse_prime(r, r->stream->id, 0); /* "K-0": resume from the start */
        pthread_mutex_unlock(&r->mu);
    }
    if (json && r->stream)
        stream_event(r->stream, json, len, last);
    if (last && r->stream && !json) /* cancelled: no response */
        req_finish(r->stream->reader);
    if (last && r->stream) {
        r->stream->ended = 1; /* nothing more for it: its log stays with the session */
        if (r->stream->reader == r)
            r->stream->reader = NULL;
        stream_unref(r->stream);
        r->stream = NULL;
    }
    pthread_mutex_unlock(&s->mu);
    pthread_mutex_lock(&r->mu);
    if (json && r->modern && r->sse_ok && (!last || r->nonlast > 0))
        sse_event(r, -1, 0, json, len); /* 2026-07-28: a stream of this request only, no ids */
    if (json) {
        if (last) {
            free(r->last);
            r->last = final;
            final = NULL;
        } else {
            r->nonlast++;
        }
    }
    int free_it = 0;
    char tool[sizeof r->tool];
    double t0 = r->t0;
    struct http *h = r->h;
    if (last) {
        /* copy what the metrics need: r may be freed as soon as r->mu is released */
        memcpy(tool, r->tool, sizeof tool);
        r->final = 1;
        free_it = --r->refs == 0;
    }
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    if (last && tool[0])
        count_latency(h, tool, now_s() - t0);
    if (free_it)
        req_free(r);
    free(final);
    return 0;
}

/* The folder where a principal's tools write artefacts and from which its resources/read of
 * ep://artefacts/NAME reads: <out-dir>/principals/<SHA-256 of the principal id, 32 hex>, so that
 * one principal never reads another's files. Without authentication (one principal), the
 * out-dir itself. */
static void out_dir_for(const struct http *h, const char *owner, char *out, size_t n)
{
    const char *base = h->o.mcp.ctx.out_dir;
    if (!base || !*base || !owner || !*owner) {
        snprintf(out, n, "%s", base ? base : "");
        return;
    }
    unsigned char d[32];
    unsigned int dl = 0;
    char hex[33] = "";
    if (EVP_Digest(owner, strlen(owner), d, &dl, EVP_sha256(), NULL))
        for (int i = 0; i < 16; i++)
            snprintf(hex + 2 * i, 3, "%02x", d[i]);
    snprintf(out, n, "%s/principals/%s", base, hex);
}

/* The core's note that a request was answered from a result cache (before its reply is
 * written, so before the audit line that says so). */
static void http_cache_note(void *origin, const char *where)
{
    struct req *r = origin;
    if (r)
        snprintf(r->cache, sizeof r->cache, "%s", where);
}

static struct sess *sess_create(struct http *h, const char *owner, int modern, int *full)
{
    *full = 0;
    struct sess *s = calloc(1, sizeof *s);
    unsigned char rnd[16];
    if (!s || RAND_bytes(rnd, sizeof rnd) != 1) {
        free(s);
        return NULL;
    }
    for (int i = 0; i < 16; i++)
        snprintf(s->id + 2 * i, 3, "%02x", rnd[i]);
    s->h = h;
    s->get_log.next_seq = 1;
    s->get_log.refs = 1; /* embedded: never freed by stream_unref */
    s->get_log.h = h;
    snprintf(s->owner, sizeof s->owner, "%s", owner);
    s->modern = modern;
    pthread_mutex_init(&s->mu, NULL);
    struct ep_error err = {0};
    struct ep_mcp_options mo = h->o.mcp;
    mo.tool_visible = http_tool_visible;
    mo.tool_visible_ctx = h;
    mo.cache_private = h->o.auth_config != NULL; /* lists and reads depend on the roles */
    mo.principal = s->owner;                     /* its tasks are the principal's */
    mo.rcache = h->state;                        /* --state: the result cache the replicas share */
    mo.cache_note = http_cache_note;
    out_dir_for(h, owner, s->out_dir, sizeof s->out_dir);
    mo.ctx.out_dir = s->out_dir[0] ? s->out_dir : NULL;
    if (ep_mcp_server_new(&mo, &s->srv, &err)) {
        pthread_mutex_destroy(&s->mu);
        free(s);
        return NULL;
    }
    ep_mcp_set_writer(s->srv, http_write, s);
    pthread_mutex_lock(&h->mu);
    /* Room: a principal (with authentication) holds at most max_sessions_per_principal; at
     * that limit its own oldest idle session (no request in flight, no open GET stream) is
     * closed for the new one, and with none idle the new one is refused (*full = 2). So one
     * principal cannot take the server's max_sessions (*full = 1 when they are all taken):
     * other principals' sessions are never closed for it. */
    struct sess *evict = NULL;
    int mine = 0;
    for (int i = 0; *owner && i < h->nsessions; i++) {
        struct sess *o = h->sessions[i];
        if (strcmp(o->owner, owner))
            continue;
        mine++;
        if (o->refs == 1 && (!evict || o->use_seq < evict->use_seq))
            evict = o;
    }
    if (!*owner || mine < h->o.max_sessions_per_principal)
        evict = NULL;
    if (h->stopping || (!evict && h->nsessions >= h->o.max_sessions))
        *full = 1;
    else if (*owner && mine >= h->o.max_sessions_per_principal && !evict)
        *full = 2;
    if (*full) {
        pthread_mutex_unlock(&h->mu);
        sess_free(s);
        return NULL;
    }
    if (evict) {
        sess_detach_locked(h, evict);
        h->sessions_evicted++;
    }
    h->sessions[h->nsessions++] = s;
    s->in_table = 1;
    s->refs = 2; /* table + caller */
    s->last_used = time(NULL);
    s->use_seq = ++h->use_seq;
    h->sessions_created++;
    pthread_mutex_unlock(&h->mu);
    if (evict) {
        sess_close(evict);
        sess_unref(h, evict);
    }
    return s;
}

/* Remove a session from the table and drop the table's reference. */
static void sess_end(struct http *h, struct sess *s)
{
    pthread_mutex_lock(&h->mu);
    int was = s->in_table;
    if (was)
        sess_detach_locked(h, s);
    pthread_mutex_unlock(&h->mu);
    if (!was)
        return;
    sess_close(s);
    sess_unref(h, s);
}

/* ---------------------------------------------------------------- replies */

static int gzip_buf(const char *in, size_t n, char **out, size_t *outn)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    uLong bound = deflateBound(&z, (uLong)n);
    char *buf = malloc(bound);
    if (!buf) {
        deflateEnd(&z);
        return -1;
    }
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)n;
    z.next_out = (Bytef *)buf;
    z.avail_out = (uInt)bound;
    int rc = deflate(&z, Z_FINISH);
    *outn = z.total_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END) {
        free(buf);
        return -1;
    }
    *out = buf;
    return 0;
}

static int header_has(struct MHD_Connection *c, const char *name, const char *token)
{
    const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
    return v && strcasestr(v, token) != NULL;
}

static void audit(struct http *h, struct req *r);

/* An /mcp request's audit line is written before its reply is queued: a client never holds a
 * reply whose line a crash (kill -9) could still lose. */
static void audit_before_reply(struct req *r, unsigned status)
{
    if (!r->is_mcp || r->audited)
        return;
    r->status = (int)status;
    r->audited = 1;
    audit(r->h, r);
}

static enum MHD_Result send_body(struct req *r, struct MHD_Connection *c, unsigned status,
                                 const char *ctype, const char *body, size_t n, const char *sid)
{
    char *gz = NULL;
    size_t gzn = 0;
    int zip = n >= r->h->o.gzip_min && header_has(c, "Accept-Encoding", "gzip") &&
              gzip_buf(body, n, &gz, &gzn) == 0;
    struct MHD_Response *resp =
        zip ? MHD_create_response_from_buffer(gzn, gz, MHD_RESPMEM_MUST_FREE)
            : MHD_create_response_from_buffer(n, (void *)(uintptr_t)body, MHD_RESPMEM_MUST_COPY);
    if (!resp) {
        free(gz);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", ctype);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    if (n >= r->h->o.gzip_min)
        MHD_add_response_header(resp, "Vary", "Accept-Encoding");
    if (zip)
        MHD_add_response_header(resp, "Content-Encoding", "gzip");
    if (sid)
        MHD_add_response_header(resp, "Mcp-Session-Id", sid);
    if (r->www_auth)
        MHD_add_response_header(resp, "WWW-Authenticate", r->www_auth);
    if (status == MHD_HTTP_TOO_MANY_REQUESTS || status == MHD_HTTP_SERVICE_UNAVAILABLE) {
        char ra[24];
        snprintf(ra, sizeof ra, "%d", r->retry_after > 0 ? r->retry_after : 1);
        MHD_add_response_header(resp, "Retry-After", ra);
    }
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(resp, "Allow", "GET, POST, DELETE");
    audit_before_reply(r, status);
    enum MHD_Result ret = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    r->status = (int)status;
    return ret;
}

/* An HTTP error with a JSON-RPC error body: message msg, error.data data (stolen, may be
 * NULL), id (may be NULL). */
/* The JSON-RPC error body of a refusal (data stolen): one error object, or for a batch an array
 * with the same error for each of its requests' ids. Caller frees; NULL when out of memory. */
static char *error_text(const struct req *r, int code, json_t *id, json_t *data, const char *msg)
{
    size_t n = json_array_size(r->batch_ids);
    json_t *all = n ? json_array() : NULL;
    json_t *e = NULL;
    for (size_t i = 0; i < (n ? n : 1); i++) {
        json_t *eid = n ? json_array_get(r->batch_ids, i) : id;
        e = json_pack("{s:s,s:O,s:{s:i,s:s}}", "jsonrpc", "2.0", "id", eid ? eid : json_null(),
                      "error", "code", code, "message", msg);
        if (e && data)
            json_object_set(json_object_get(e, "error"), "data", data);
        if (all)
            json_array_append_new(all, e);
    }
    json_decref(data);
    json_t *out = all ? all : e;
    char *t = out ? json_dumps(out, JSON_COMPACT) : NULL;
    json_decref(out);
    return t;
}

static enum MHD_Result send_error_msg(struct req *r, struct MHD_Connection *c, unsigned status,
                                      int code, json_t *id, json_t *data, const char *msg)
{
    char *t = error_text(r, code, id, data, msg);
    enum MHD_Result ret =
        send_body(r, c, status, "application/json", t ? t : "{}", t ? strlen(t) : 2, NULL);
    free(t);
    return ret;
}

/* The same with the message formatted and no error.data. */
static enum MHD_Result send_error(struct req *r, struct MHD_Connection *c, unsigned status,
                                  int code, json_t *id, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
static enum MHD_Result send_error(struct req *r, struct MHD_Connection *c, unsigned status,
                                  int code, json_t *id, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return send_error_msg(r, c, status, code, id, NULL, msg);
}

/* SSE content reader: blocks (thread per connection) until bytes, the end, or shutdown. */
static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    struct req *r = cls;
    struct http *h = r->h;
    pthread_mutex_lock(&r->mu);
    for (;;) {
        if (r->off < r->sse.len) {
            size_t n = r->sse.len - r->off;
            if (n > max)
                n = max;
            memcpy(buf, r->sse.data + r->off, n);
            r->off += n;
            if (r->off == r->sse.len) {
                ep_buf_reset(&r->sse);
                r->off = 0;
            }
            r->last_write = time(NULL);
            pthread_mutex_unlock(&r->mu);
            return (ssize_t)n;
        }
        if (r->final || r->overflow || h->stopping) {
            pthread_mutex_unlock(&r->mu);
            return MHD_CONTENT_READER_END_OF_STREAM;
        }
        if (r->is_get && time(NULL) - r->last_write >= 15) {
            /* keep-alive comment: detects a gone client, keeps proxies open */
            static const char ka[] = ": keep-alive\n\n";
            size_t n = sizeof ka - 1 < max ? sizeof ka - 1 : max;
            memcpy(buf, ka, n);
            r->last_write = time(NULL);
            pthread_mutex_unlock(&r->mu);
            return (ssize_t)n;
        }
        struct timespec dl;
        clock_gettime(CLOCK_REALTIME, &dl);
        dl.tv_sec += 1;
        pthread_cond_timedwait(&r->cv, &r->mu, &dl);
    }
}

static enum MHD_Result send_sse(struct req *r, struct MHD_Connection *c, const char *sid)
{
    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, sse_read, r, NULL);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", "text/event-stream");
    MHD_add_response_header(resp, "Cache-Control", "no-cache");
    if (sid)
        MHD_add_response_header(resp, "Mcp-Session-Id", sid);
    audit_before_reply(r, MHD_HTTP_OK);
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    r->status = MHD_HTTP_OK;
    return ret;
}

/* ------------------------------------------------------------ validation */

/* Host and Origin against the allow-list; 1 = allowed. */
static int host_ok(struct http *h, const char *v, int is_origin)
{
    if (!v)
        return is_origin; /* no Origin: not a browser; Host is required by HTTP/1.1 */
    if (is_origin) {
        if (strncasecmp(v, "http://", 7) == 0)
            v += 7;
        else if (strncasecmp(v, "https://", 8) == 0)
            v += 8;
        else
            return 0;
    }
    size_t n = strlen(v);
    if (n && v[n - 1] == '/')
        n--;
    for (int i = 0; i < h->nhosts; i++)
        if (strlen(h->hosts[i]) == n && strncasecmp(h->hosts[i], v, n) == 0)
            return 1;
    return 0;
}

static int version_ok(const char *v)
{
    static const char *const ok[] = {"2025-03-26", "2025-06-18", "2025-11-25"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (strcmp(v, ok[i]) == 0)
            return 1;
    return 0;
}

/* What a POST body holds. */
struct peek {
    int requests;   /* messages with method and id */
    int initialize; /* the single message is an initialize request */
    int tool_calls; /* requests that reach data: tools/call, and resources/list, resources/read,
                       prompts/get, completion/complete (charged to quotas like a tools/call) */
    char tool[64];
    char denied[160]; /* first tool the principal may not call, and which method needed it */
    json_t *first_id; /* borrowed from the parsed value */
    json_t *first_args;
    const struct ep_auth *auth;
    const struct ep_auth_principal *who;
    const struct ep_mcp_provider *prov; /* names the tool a resource, prompt or completion runs */
};

/* Methods other than tools/call that reach the store's data through the provider. */
static int data_method(const char *m)
{
    static const char *const ms[] = {"resources/list", "resources/read", "prompts/get",
                                     "completion/complete"};
    for (size_t i = 0; i < sizeof ms / sizeof *ms; i++)
        if (strcmp(m, ms[i]) == 0)
            return 1;
    return 0;
}

static void peek_one(json_t *m, struct peek *p)
{
    const char *method = json_string_value(json_object_get(m, "method"));
    json_t *id = json_object_get(m, "id");
    if (!method || !id)
        return;
    p->requests++;
    if (!p->first_id)
        p->first_id = id;
    if (strcmp(method, "tools/call") == 0) {
        p->tool_calls++;
        const char *n = json_string_value(json_object_get(json_object_get(m, "params"), "name"));
        if (n && !p->tool[0]) {
            snprintf(p->tool, sizeof p->tool, "%s", n);
            p->first_args = json_object_get(json_object_get(m, "params"), "arguments");
        }
        if (n && p->auth && !p->denied[0] && !ep_auth_tool_allowed(p->auth, p->who, n))
            snprintf(p->denied, sizeof p->denied, "%s", n);
    } else if (data_method(method)) {
        /* one authorisation and quota check for every method that reaches data: the role must
         * allow the tool whose data it reads (a rendered artefact names none: it is read from
         * the caller's own folder) */
        p->tool_calls++;
        json_t *params = json_object_get(m, "params");
        const char *t =
            p->prov && p->prov->tool_for ? p->prov->tool_for(p->prov->ctx, method, params) : NULL;
        if (!p->tool[0])
            snprintf(p->tool, sizeof p->tool, "%s", t ? t : method);
        if (t && p->auth && !p->denied[0] && !ep_auth_tool_allowed(p->auth, p->who, t))
            snprintf(p->denied, sizeof p->denied, "%s (which %s needs)", t, method);
    }
}

/* ------------------------------------------------- authentication, rate, audit */

static void client_addr(struct MHD_Connection *c, char *out, size_t n)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    out[0] = 0;
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  (socklen_t)n);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                  (socklen_t)n);
}

/* 1 when id may not make another request now (sliding minute); *retry in seconds. With
 * --state, the window is Redis's (shared by the replicas, exact): EP_EUNAVAIL when it cannot be
 * checked (err says why). */
static int rate_exceeded(struct http *h, const char *id, int *retry, struct ep_error *err)
{
    if (h->rate_per_min > 0 && h->state)
        return ep_state_rate_admit(h->state, id, h->rate_per_min, retry, err);
    if (h->rate_per_min <= 0 || !h->rates)
        return 0;
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    long minute = (long)(t.tv_sec / 60);
    double frac = (double)(t.tv_sec % 60) / 60.0;
    unsigned long hsh = 5381;
    for (const char *p = id; *p; p++)
        hsh = hsh * 33 + (unsigned char)*p;
    int over = 0;
    pthread_mutex_lock(&h->mu);
    struct rate_slot *slot = NULL;
    for (int k = 0; k < EP_HTTP_RATE_SLOTS && !slot; k++) {
        struct rate_slot *cand = &h->rates[(hsh + (unsigned long)k) % EP_HTTP_RATE_SLOTS];
        if (cand->id[0] == 0 || strcmp(cand->id, id) == 0 || cand->minute < minute - 1)
            slot = cand;
    }
    if (slot) {
        if (strcmp(slot->id, id) != 0) {
            memset(slot, 0, sizeof *slot);
            snprintf(slot->id, sizeof slot->id, "%s", id);
            slot->minute = minute;
        }
        if (slot->minute != minute) {
            slot->prev = slot->minute == minute - 1 ? slot->cur : 0;
            slot->cur = 0;
            slot->minute = minute;
        }
        double est = (double)slot->prev * (1.0 - frac) + (double)slot->cur;
        over = est + 1 > (double)h->rate_per_min;
        if (!over)
            slot->cur++;
        *retry = (int)(60 - t.tv_sec % 60);
    }
    pthread_mutex_unlock(&h->mu);
    return over;
}

/* Authentication and rate limit for /mcp. Returns 1 (with *ret) when the request is refused. */
static int mcp_admit(struct req *r, struct MHD_Connection *c, enum MHD_Result *ret)
{
    struct http *h = r->h;
    client_addr(c, r->client, sizeof r->client);
    pthread_rwlock_rdlock(&h->alock);
    if (h->auth) {
        struct ep_error e = {0};
        const char *az = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
        struct ep_trace_span as;
        ep_trace_begin(&as, "auth", EP_TRACE_INTERNAL, &r->span.ctx, 0);
        int refused = ep_auth_authenticate(h->auth, az, time(NULL), &r->who, &e) != 0;
        ep_trace_attr_str(&as, "epintel.auth.outcome", refused ? "refused" : "accepted");
        ep_trace_attr_str(&as, "epintel.auth.credential",
                          !az                                  ? "none"
                          : strncasecmp(az, "Bearer ", 7) == 0 ? "bearer"
                                                               : "other");
        if (refused)
            ep_trace_error(&as, e.msg);
        else
            ep_trace_attr_str(&as, "epintel.auth.roles", r->who.role_names);
        ep_trace_end(&as);
        if (refused) {
            for (char *q = e.msg; *q; q++)
                if (*q == '"' || *q == '\\' || (unsigned char)*q < 0x20)
                    *q = '\'';
            const char *res = ep_auth_resource(h->auth);
            const char *sl = strstr(res, "://");
            sl = sl ? strchr(sl + 3, '/') : NULL;
            int blen = sl ? (int)(sl - res) : (int)strlen(res);
            snprintf(
                r->wbuf, sizeof r->wbuf,
                "Bearer resource_metadata=\"%.*s/.well-known/oauth-protected-resource\"%s%.200s%s",
                blen > 300 ? 300 : blen, res,
                az ? ", error=\"invalid_token\", error_description=\"" : "", az ? e.msg : "",
                az ? "\"" : "");
            pthread_rwlock_unlock(&h->alock);
            r->www_auth = r->wbuf;
            count_reject(h, REJ_UNAUTHENTICATED);
            *ret = send_error(r, c, MHD_HTTP_UNAUTHORIZED, EP_MCP_INVALID_REQUEST, NULL,
                              "Unauthorized: %s", e.msg);
            return 1;
        }
    }
    pthread_rwlock_unlock(&h->alock);
    struct ep_error se = {0};
    int revoked = h->state && r->who.key_sha256[0]
                      ? ep_state_key_revoked(h->state, r->who.key_sha256, &se)
                      : 0;
    if (revoked > 0) { /* revoked on another replica (epintel auth key revoke --state) */
        snprintf(r->wbuf, sizeof r->wbuf,
                 "Bearer error=\"invalid_token\", error_description=\"revoked API key\"");
        r->www_auth = r->wbuf;
        count_reject(h, REJ_UNAUTHENTICATED);
        *ret = send_error(r, c, MHD_HTTP_UNAUTHORIZED, EP_MCP_INVALID_REQUEST, NULL,
                          "Unauthorized: revoked API key");
        return 1;
    }
    snprintf(r->principal, sizeof r->principal, "%s", r->who.id[0] ? r->who.id : r->client);
    snprintf(r->roles, sizeof r->roles, "%s", r->who.role_names);
    int retry = 1;
    int over = revoked < 0 ? revoked : rate_exceeded(h, r->principal, &retry, &se);
    if (over < 0) { /* fail closed: the shared state cannot tell */
        count_reject(h, revoked < 0 ? REJ_UNAUTHENTICATED : REJ_RATE);
        r->retry_after = 1;
        *ret = send_error(r, c, MHD_HTTP_SERVICE_UNAVAILABLE, EP_MCP_INTERNAL_ERROR, NULL,
                          "Service Unavailable: %s; %s cannot be checked, so requests are "
                          "refused until it is back (retry shortly)",
                          se.msg, revoked < 0 ? "revoked keys" : "the rate limit");
        return 1;
    }
    if (over) {
        count_reject(h, REJ_RATE);
        r->retry_after = retry;
        *ret = send_error(r, c, MHD_HTTP_TOO_MANY_REQUESTS, EP_MCP_INVALID_REQUEST, NULL,
                          "Too many requests: the limit is %ld per minute; retry in %d s",
                          h->rate_per_min, retry);
        return 1;
    }
    return 0;
}

/* The request's Host and Origin are allowed (DNS rebinding protection, for /mcp and /metrics). */
static int host_origin_ok(struct http *h, struct MHD_Connection *c)
{
    return host_ok(h, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host"), 0) &&
           host_ok(h, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin"), 1);
}

static enum MHD_Result refuse_host(struct req *r, struct MHD_Connection *c)
{
    count_reject(r->h, REJ_HOST);
    return send_error(r, c, MHD_HTTP_FORBIDDEN, EP_MCP_INVALID_REQUEST, NULL,
                      "Forbidden: Host/Origin not allowed (DNS rebinding protection); allow it "
                      "with --allow-origin");
}

/* /metrics: the Host/Origin check of /mcp (a page in a browser must not read it through DNS
 * rebinding), and with an auth config naming "metrics_role", a principal holding that role.
 * (/healthz has neither: probes send any Host, and it tells only readiness and the data date.) */
static enum MHD_Result on_metrics(struct req *r, struct MHD_Connection *c);
static enum MHD_Result metrics_admit(struct req *r, struct MHD_Connection *c)
{
    struct http *h = r->h;
    if (!host_origin_ok(h, c))
        return refuse_host(r, c);
    pthread_rwlock_rdlock(&h->alock);
    int needs = h->auth && ep_auth_metrics_needs_role(h->auth);
    pthread_rwlock_unlock(&h->alock);
    enum MHD_Result ret;
    if (needs && mcp_admit(r, c, &ret))
        return ret;
    pthread_rwlock_rdlock(&h->alock);
    int ok = !needs || (h->auth && ep_auth_metrics_allowed(h->auth, &r->who));
    pthread_rwlock_unlock(&h->alock);
    if (!ok) {
        count_reject(h, REJ_FORBIDDEN);
        return send_error(r, c, MHD_HTTP_FORBIDDEN, EP_MCP_INVALID_REQUEST, NULL,
                          "Forbidden: /metrics needs the role named by metrics_role in the auth "
                          "config; your roles: %s",
                          r->who.role_names[0] ? r->who.role_names : "none");
    }
    return on_metrics(r, c);
}

/* ------------------------------------------------------------ daily quotas */

/* Charge n tools/call to r's principal. 0 = admitted; 1 = over its role's daily quota, with
 * *ret sent (429, Retry-After = seconds to the next UTC day, a JSON body naming the quota). */
static int quota_admit(struct req *r, struct MHD_Connection *c, int n, json_t *rid,
                       enum MHD_Result *ret)
{
    struct http *h = r->h;
    if ((!h->quota && !h->state) || n <= 0)
        return 0;
    char role[32] = "";
    pthread_rwlock_rdlock(&h->alock);
    long limit = h->auth ? ep_auth_daily_quota(h->auth, &r->who, role, sizeof role) : -1;
    pthread_rwlock_unlock(&h->alock);
    if (limit < 0)
        return 0;
    time_t now = time(NULL);
    long used = 0;
    int over;
    if (h->state) { /* shared by the replicas; unknown when Redis is down: refused (fail closed) */
        struct ep_error e = {0};
        over = ep_state_quota_charge(h->state, r->principal, limit, n, now, &used, &e);
        if (over < 0) {
            count_reject(h, REJ_QUOTA);
            r->retry_after = 1;
            *ret = send_error(r, c, MHD_HTTP_SERVICE_UNAVAILABLE, EP_MCP_INTERNAL_ERROR, rid,
                              "Service Unavailable: %s; the daily quota cannot be checked, so "
                              "data requests are refused until it is back (retry shortly)",
                              e.msg);
            return 1;
        }
    } else {
        over = ep_quota_charge(h->quota, r->principal, limit, n, now, &used);
    }
    if (!over)
        return 0;
    count_reject(h, REJ_QUOTA);
    int retry = ep_quota_reset_in(now);
    char reset[24];
    time_t next = now + retry;
    struct tm tm;
    gmtime_r(&next, &tm);
    strftime(reset, sizeof reset, "%Y-%m-%dT%H:%M:%SZ", &tm);
    char msg[256];
    snprintf(msg, sizeof msg,
             "Daily quota exceeded: role %s allows %ld data requests (tools/call, resources/list, "
             "resources/read, prompts/get, completion/complete) per UTC day (used %ld); it "
             "resets at %s, in %d s",
             role, limit, used, reset, retry);
    json_t *data = json_pack("{s:s,s:s,s:I,s:I,s:s,s:i}", "quota", "daily_quota", "role", role,
                             "limit", (json_int_t)limit, "used", (json_int_t)used, "resets_at",
                             reset, "retry_after_s", retry);
    char *t = error_text(r, EP_MCP_INVALID_REQUEST, rid, data, msg);
    r->retry_after = retry;
    *ret = send_body(r, c, MHD_HTTP_TOO_MANY_REQUESTS, "application/json", t ? t : "{}",
                     t ? strlen(t) : 2, NULL);
    free(t);
    return 1;
}

static enum MHD_Result on_resource_metadata(struct req *r, struct MHD_Connection *c)
{
    struct http *h = r->h;
    pthread_rwlock_rdlock(&h->alock);
    json_t *m = h->auth ? ep_auth_resource_metadata(h->auth) : NULL;
    pthread_rwlock_unlock(&h->alock);
    if (!m)
        return send_error(r, c, MHD_HTTP_NOT_FOUND, EP_MCP_INVALID_REQUEST, NULL,
                          "Not found: this server has no authentication configured");
    char *t = json_dumps(m, JSON_COMPACT);
    json_decref(m);
    enum MHD_Result ret =
        send_body(r, c, MHD_HTTP_OK, "application/json", t ? t : "{}", t ? strlen(t) : 2, NULL);
    free(t);
    return ret;
}

/* One JSON line per /mcp request; credentials and arguments never appear. */
static void audit(struct http *h, struct req *r)
{
    if (!h->audit)
        return;
    char ts[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    pthread_mutex_lock(&h->audit_mu);
    json_t *o =
        json_pack("{s:s,s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:s,s:I,s:s}", "time", ts, "request",
                  (json_int_t)++h->audit_seq, "principal", r->principal, "role", r->roles, "http",
                  r->method, "tool", r->tool, "args_sha256", r->args_digest, "outcome",
                  r->rpc_outcome[0] ? r->rpc_outcome : "-", "status", r->status ? r->status : 499,
                  "client", r->client, "latency_ms", (json_int_t)((now_s() - r->t0) * 1000),
                  "session", r->sess && !r->sess->modern ? r->sess->id : "");
    /* the request's protocol: 2026-07-28, or its session's version (none before it is known) */
    const char *pver = r->modern ? EP_MCP_MODERN_VERSION
                       : r->sess ? ep_mcp_protocol_version(r->sess->srv)
                                 : NULL;
    if (o && pver)
        json_object_set_new(o, "protocol", json_string(pver));
    if (o && r->cache[0]) /* answered from the process's result cache, or the shared one */
        json_object_set_new(o, "cache", json_string(r->cache));
    if (o && r->span.ctx.valid) { /* the request's trace (W3C traceparent, or a new one) */
        char tid[33];
        ep_trace_hex(r->span.ctx.trace_id, 16, tid);
        json_object_set_new(o, "trace_id", json_string(tid));
    }
    char *line = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (line) {
        fprintf(h->audit, "%s\n", line);
        fflush(h->audit);
        free(line);
    }
    if (h->audit_max > 0 && ftell(h->audit) > h->audit_max) {
        char old[4096];
        snprintf(old, sizeof old, "%s.1", h->o.audit_file);
        fclose(h->audit);
        rename(h->o.audit_file, old);
        struct ep_error e = {0};
        if (!(h->audit = ep_log_open(h->o.audit_file, &e)))
            fprintf(stderr, "epintel: audit file after rotation: %s; auditing stops\n", e.msg);
    }
    pthread_mutex_unlock(&h->audit_mu);
}

/* -------------------------------------------------------------- handlers */

static enum MHD_Result on_health(struct req *r, struct MHD_Connection *c);
static enum MHD_Result on_ui(struct req *r, struct MHD_Connection *c, const char *view);

/* 1 when the client closed c's connection (an orderly shutdown: a read would return 0). */
static int peer_gone(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    char b;
    return ci && recv(ci->connect_fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

/* 1 when the session negotiated 2025-11-25, whose SSE streams start with a priming event. */
static int primes(struct sess *s)
{
    const char *v = ep_mcp_protocol_version(s->srv);
    return v && strcmp(v, "2025-11-25") == 0;
}

/* What the POST body v holds (methods, tools, ids, the caller's permission: struct peek), and
 * the audit fields of r (a digest of the first call's arguments, the tool). */
static void post_peek(struct req *r, json_t *v, struct peek *pk)
{
    struct http *h = r->h;
    pthread_rwlock_rdlock(&h->alock);
    if (h->auth) {
        pk->auth = h->auth;
        pk->who = &r->who;
    }
    if (json_is_array(v)) {
        size_t i;
        json_t *m;
        json_array_foreach(v, i, m)
        {
            peek_one(m, pk);
            json_t *id = json_object_get(m, "id");
            if (json_object_get(m, "method") && id) {
                if (!r->batch_ids)
                    r->batch_ids = json_array();
                json_array_append(r->batch_ids, id);
            }
        }
    } else if (json_is_object(v)) {
        peek_one(v, pk);
        const char *method = json_string_value(json_object_get(v, "method"));
        pk->initialize = pk->requests && strcmp(method, "initialize") == 0;
    }
    pthread_rwlock_unlock(&h->alock);
    if (pk->first_args) { /* audit: a digest of the arguments, never the arguments */
        char *a = json_dumps(pk->first_args, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
        unsigned char d[32];
        unsigned int dl = 0;
        if (a && EVP_Digest(a, strlen(a), d, &dl, EVP_sha256(), NULL))
            for (int i = 0; i < 8; i++)
                snprintf(r->args_digest + 2 * i, 3, "%02x", d[i]);
        free(a);
    }
    snprintf(r->tool, sizeof r->tool, "%s", pk->tool);
}

/* 2026-07-28: one request whose _meta names its version, headers that match its body. *modern
 * = 1 for such a request; the JSON-RPC code of a refusal (0: none) with its message in why and
 * its data (owned, may be NULL) in *mdata. pv: the MCP-Protocol-Version header (may be NULL). */
static int post_era(struct MHD_Connection *c, json_t *v, const char *pv, int *modern,
                    json_t **mdata, char *why, size_t size)
{
    int mcode = 0;
    *modern = json_is_object(v) && ep_era2026_is_modern(v);
    if (*modern) {
        mcode = ep_era2026_check_headers(
            v, pv, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Mcp-Method"),
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Mcp-Name"), why, size);
        if (!mcode)
            mcode = ep_era2026_check_meta(json_object_get(v, "params"), why, size, mdata);
    } else if (pv && strcmp(pv, EP_MCP_MODERN_VERSION) == 0) {
        size_t i;
        json_t *m;
        json_array_foreach(v, i, m) *modern |= ep_era2026_is_modern(m);
        mcode = *modern ? EP_MCP_INVALID_REQUEST : EP_MCP_INVALID_PARAMS;
        snprintf(why, size, "%s",
                 *modern ? "Invalid Request: a " EP_MCP_MODERN_VERSION
                           " POST body is one JSON-RPC message, not a batch"
                         : "Invalid params: an MCP-Protocol-Version: " EP_MCP_MODERN_VERSION
                           " request must carry params._meta[\"" EP_META_PROTOCOL_VERSION
                           "\"] and [\"" EP_META_CLIENT_CAPS "\"]");
    }
    return mcode;
}

/* The request's session: for 2026-07-28 (modern) the principal's stateless one, for initialize a
 * new one (*created = 1), else the one its Mcp-Session-Id names for this principal. NULL when
 * refused, with the error response sent (*ret). */
static struct sess *post_session(struct req *r, struct MHD_Connection *c, int modern,
                                 int initialize, json_t *rid, int *created, enum MHD_Result *ret)
{
    struct http *h = r->h;
    struct sess *s = NULL;
    if (modern || initialize) {
        int full;
        s = modern ? sess_modern(h, r->who.id, &full) : sess_create(h, r->who.id, 0, &full);
        if (!s && full == 2) {
            count_reject(h, REJ_SESSIONS);
            *ret = send_error(r, c, MHD_HTTP_TOO_MANY_REQUESTS, EP_MCP_INTERNAL_ERROR, rid,
                              "Too many sessions for %s (limit %d per principal, all busy): "
                              "close one (DELETE /mcp) or retry when one is idle",
                              r->who.id, h->o.max_sessions_per_principal);
            return NULL;
        }
        if (!s) {
            count_reject(h, REJ_SESSIONS);
            *ret = send_error(r, c,
                              full ? MHD_HTTP_SERVICE_UNAVAILABLE : MHD_HTTP_INTERNAL_SERVER_ERROR,
                              EP_MCP_INTERNAL_ERROR, rid,
                              full ? "Too many sessions (limit %d, all busy): close idle sessions "
                                     "(DELETE /mcp) or retry later"
                                   : "cannot create a session (limit %d)",
                              h->o.max_sessions);
            return NULL;
        }
        *created = !modern;
    } else {
        const char *sid = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Mcp-Session-Id");
        if (!sid) {
            count_reject(h, REJ_SESSION_MISSING);
            *ret = send_error(r, c, MHD_HTTP_BAD_REQUEST, EP_MCP_INVALID_REQUEST, rid,
                              "Bad Request: Mcp-Session-Id header is required (send initialize "
                              "first)");
            return NULL;
        }
        s = sess_find(h, sid, r->who.id);
        if (!s) {
            count_reject(h, REJ_SESSION_UNKNOWN);
            *ret = send_error(r, c, MHD_HTTP_NOT_FOUND, EP_MCP_INVALID_REQUEST, rid,
                              "Session not found: it ended or expired; initialize a new one");
            return NULL;
        }
    }
    return s;
}

/* Hand the body to the session's server and answer with what it replies: one JSON body, an SSE
 * stream (sse_ok and progress before the reply), 202 for notifications only, 503 when the
 * server stops. Ends a session whose initialize failed. */
static enum MHD_Result post_reply(struct req *r, struct MHD_Connection *c, struct sess *s,
                                  int sse_ok, int modern, int created, int requests)
{
    struct http *h = r->h;
    const char *body = r->body.data ? r->body.data : "";
    size_t len = r->body.len;
    enum MHD_Result ret;
    pthread_mutex_lock(&h->mu);
    h->posts_active++;
    pthread_mutex_unlock(&h->mu);
    int prime = primes(s);
    pthread_mutex_lock(&r->mu);
    r->refs++; /* the core's final reply */
    r->sse_ok = sse_ok;
    r->prime = prime;
    r->modern = modern;
    pthread_mutex_unlock(&r->mu);
    /* the request's span is the parent of what the core starts for it (tool spans; the core
     * copies it into each job) */
    const struct ep_trace_ctx *tprev = ep_trace_swap(&r->span.ctx);
    ep_mcp_handle(s->srv, body, len, r);
    ep_trace_swap(tprev);

    pthread_mutex_lock(&r->mu);
    int cancelled = 0;
    while (!r->final && (r->nonlast == 0 || !sse_ok)) {
        struct timespec dl;
        clock_gettime(CLOCK_REALTIME, &dl);
        dl.tv_sec += 1;
        if (pthread_cond_timedwait(&r->cv, &r->mu, &dl) == ETIMEDOUT && modern && !cancelled &&
            peer_gone(c)) {
            /* 2026-07-28: a client that hung up has cancelled its request */
            cancelled = 1;
            pthread_mutex_unlock(&r->mu);
            ep_mcp_cancel_origin(s->srv, r);
            pthread_mutex_lock(&r->mu);
        }
    }
    int stream = r->nonlast > 0 && sse_ok;
    char *last = r->last;
    r->last = NULL;
    if (!stream) {
        ep_buf_reset(&r->sse);
        r->off = 0;
    }
    pthread_mutex_unlock(&r->mu);

    snprintf(r->rpc_outcome, sizeof r->rpc_outcome, "%s",
             !last                                 ? "-"
             : strstr(last, "\"isError\":true")    ? "isError"
             : strstr(last, "\"error\":{\"code\"") ? "error"
                                                   : "ok");
    const char *sid = created ? s->id : NULL;
    if (created && !(last && strstr(last, "\"result\""))) {
        sid = NULL; /* initialize failed: no session */
        sess_end(h, s);
    }
    unsigned st = MHD_HTTP_OK;
    const char *ec = last && modern ? strstr(last, "\"error\":{\"code\":") : NULL;
    if (ec) { /* 2026-07-28: an unknown method is a 404, a protocol-level refusal a 400 */
        long code = strtol(ec + 16, NULL, 10);
        if (code == EP_MCP_METHOD_NOT_FOUND)
            st = MHD_HTTP_NOT_FOUND;
        else if (code <= EP_MCP_HEADER_MISMATCH && code >= EP_MCP_UNSUPPORTED_VERSION)
            st = MHD_HTTP_BAD_REQUEST;
    }
    if (stream)
        ret = send_sse(r, c, sid);
    else if (last)
        ret = send_body(r, c, st, "application/json", last, strlen(last), sid);
    else if (requests && h->stopping)
        ret = send_error(r, c, MHD_HTTP_SERVICE_UNAVAILABLE, EP_MCP_INTERNAL_ERROR, NULL,
                         "the server is shutting down");
    else
        ret = send_body(r, c, MHD_HTTP_ACCEPTED, "application/json", "", 0, NULL);
    free(last);
    pthread_mutex_lock(&h->mu);
    h->posts_active--;
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
    return ret;
}

static enum MHD_Result on_post(struct req *r, struct MHD_Connection *c)
{
    struct http *h = r->h;
    if (!header_has(c, "Content-Type", "application/json")) {
        count_reject(h, REJ_BAD_REQUEST);
        return send_error(r, c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, EP_MCP_INVALID_REQUEST, NULL,
                          "POST bodies must be JSON (Content-Type: application/json)");
    }
    const char *acc = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept");
    int sse_ok = !acc || strcasestr(acc, "text/event-stream") || strstr(acc, "*/*");
    int json_ok = !acc || strcasestr(acc, "application/json") || strstr(acc, "*/*");
    if (!sse_ok && !json_ok) {
        count_reject(h, REJ_BAD_REQUEST);
        return send_error(r, c, MHD_HTTP_NOT_ACCEPTABLE, EP_MCP_INVALID_REQUEST, NULL,
                          "Accept must include application/json and text/event-stream");
    }
    const char *body = r->body.data ? r->body.data : "";
    size_t len = r->body.len;
    if (!ep_utf8_valid(body, len)) {
        count_reject(h, REJ_BAD_REQUEST);
        return send_error(r, c, MHD_HTTP_BAD_REQUEST, EP_MCP_PARSE_ERROR, NULL,
                          "Parse error: the body is not valid UTF-8");
    }
    json_error_t je;
    json_t *v = json_loadb(body, len, JSON_DECODE_ANY, &je);
    if (!v) {
        count_reject(h, REJ_BAD_REQUEST);
        return send_error(r, c, MHD_HTTP_BAD_REQUEST, EP_MCP_PARSE_ERROR, NULL,
                          "Parse error: %s (line %d, column %d)", je.text, je.line, je.column);
    }
    struct peek pk = {.prov = h->o.mcp.provider};
    post_peek(r, v, &pk);
    json_t *rid = pk.first_id ? json_incref(pk.first_id) : NULL;
    /* 2026-07-28: one request whose _meta names its version, headers that match its body */
    const char *pv = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "MCP-Protocol-Version");
    int modern = 0;
    json_t *mdata = NULL;
    char mwhy[512] = "";
    int mcode = post_era(c, v, pv, &modern, &mdata, mwhy, sizeof mwhy);
    json_decref(v);
    r->modern = modern; /* before any refusal: the audit names the protocol */
    enum MHD_Result ret;
    if (mcode) {
        count_reject(h, mcode == EP_MCP_UNSUPPORTED_VERSION ? REJ_VERSION : REJ_BAD_REQUEST);
        ret = send_error_msg(r, c, MHD_HTTP_BAD_REQUEST, mcode, rid, mdata, mwhy);
        json_decref(rid);
        return ret;
    }
    if (pk.denied[0]) {
        count_reject(h, REJ_FORBIDDEN);
        r->www_auth = "Bearer error=\"insufficient_scope\"";
        ret = send_error(r, c, MHD_HTTP_FORBIDDEN, EP_MCP_INVALID_REQUEST, rid,
                         "Forbidden: your role (%s) may not call %s",
                         r->who.role_names[0] ? r->who.role_names : "none", pk.denied);
        json_decref(rid);
        return ret;
    }

    if (!modern && pv && !pk.initialize && !version_ok(pv)) {
        count_reject(h, REJ_VERSION);
        ret = send_error(r, c, MHD_HTTP_BAD_REQUEST, EP_MCP_INVALID_REQUEST, rid,
                         "Bad Request: unsupported MCP-Protocol-Version \"%.40s\" (supported: "
                         "2026-07-28 with per-request _meta; 2025-03-26, 2025-06-18, 2025-11-25 "
                         "after initialize)",
                         pv);
        json_decref(rid);
        return ret;
    }
    int created = 0;
    struct sess *s = post_session(r, c, modern, pk.initialize, rid, &created, &ret);
    if (!s) {
        json_decref(rid);
        return ret;
    }
    r->sess = s; /* reference released when the request completes */
    if (pk.tool_calls) {
        pthread_mutex_lock(&h->mu);
        int over = h->calls_active >= h->o.max_tool_calls;
        if (!over)
            h->calls_active++;
        pthread_mutex_unlock(&h->mu);
        if (over) {
            count_reject(h, REJ_CALLS);
            ret = send_error(r, c, MHD_HTTP_TOO_MANY_REQUESTS, EP_MCP_INTERNAL_ERROR, rid,
                             "Too many concurrent tool calls (limit %d); retry shortly",
                             h->o.max_tool_calls);
            json_decref(rid);
            if (created)
                sess_end(h, s);
            return ret;
        }
        r->counts_call = 1;
        snprintf(r->tool, sizeof r->tool, "%s", pk.tool);
        if (quota_admit(r, c, pk.tool_calls, rid, &ret)) {
            r->counts_call = 0;
            pthread_mutex_lock(&h->mu);
            h->calls_active--;
            pthread_mutex_unlock(&h->mu);
            json_decref(rid);
            if (created)
                sess_end(h, s);
            return ret;
        }
    }
    json_decref(rid);

    return post_reply(r, c, s, sse_ok, modern, created, pk.requests);
}

/* GET /mcp with Last-Event-ID "K-N": replay the events of stream K after N, then go on with
 * the stream (K = 0: the session's GET stream; K > 0: a streamed POST reply whose connection
 * was lost, until its final message). */
static enum MHD_Result on_resume(struct req *r, struct MHD_Connection *c, struct sess *s,
                                 const char *lei)
{
    struct http *h = r->h;
    char *end = NULL;
    errno = 0;
    long k = strtol(lei, &end, 10);
    unsigned long n = 0;
    int ok = end != lei && *end == '-' && k >= 0 && k <= INT_MAX && errno == 0;
    if (ok) {
        const char *p = end + 1;
        ok = *p >= '0' && *p <= '9';
        n = strtoul(p, &end, 10);
        ok = ok && *end == 0 && errno == 0;
    }
    if (!ok) {
        count_reject(h, REJ_BAD_REQUEST);
        return send_error(r, c, MHD_HTTP_BAD_REQUEST, EP_MCP_INVALID_REQUEST, NULL,
                          "Bad Request: Last-Event-ID \"%.40s\" is not an event id of this "
                          "session (they look like 3-12: stream 3, event 12)",
                          lei);
    }
    int prime = primes(s);
    pthread_mutex_lock(&s->mu);
    struct stream *st = k == 0 ? &s->get_log : NULL;
    for (int i = 0; i < s->nstreams && !st; i++)
        if (s->streams[i]->id == k)
            st = s->streams[i];
    const char *why = NULL;
    char msg[400];
    json_t *data = NULL;
    unsigned status = MHD_HTTP_CONFLICT;
    pthread_mutex_lock(&h->rmu); /* held through the replay: nothing is dropped meanwhile */
    unsigned long oldest = st && st->n ? st->ev[st->head].seq : st ? st->next_seq : 0;
    if (!st) {
        status = MHD_HTTP_NOT_FOUND;
        snprintf(msg, sizeof msg,
                 "stream %ld is no longer kept (a session keeps the last %d streamed replies)", k,
                 EP_HTTP_STREAMS_KEPT);
        why = msg;
    } else if (n >= st->next_seq) {
        status = MHD_HTTP_BAD_REQUEST;
        snprintf(msg, sizeof msg, "stream %ld has sent only %lu events", k, st->next_seq - 1);
        why = msg;
    } else if (n + 1 < oldest) {
        status = MHD_HTTP_GONE;
        int global = st->gone_global > n;
        char bound[200];
        if (global)
            snprintf(bound, sizeof bound,
                     "were dropped: the server keeps at most %zu bytes of replay data over all "
                     "sessions (--max-replay-bytes) and drops the oldest first",
                     h->o.max_replay_bytes);
        else
            snprintf(bound, sizeof bound,
                     "are no longer kept (the last %d events or %zu KiB of a stream are)",
                     EP_HTTP_REPLAY_EVENTS, EP_HTTP_REPLAY_BYTES >> 10);
        snprintf(msg, sizeof msg,
                 "events %lu to %lu of stream %ld %s. Re-send the request%s, or open a new GET "
                 "stream without Last-Event-ID",
                 n + 1, oldest - 1, k, bound, global ? " (a new request id)" : "");
        data =
            json_pack("{s:s,s:I,s:I,s:I}", "reason",
                      global ? "max_replay_bytes" : "stream_replay_window", "stream", (json_int_t)k,
                      "first_missing", (json_int_t)n + 1, "last_missing", (json_int_t)(oldest - 1));
        if (data && global)
            json_object_set_new(data, "max_replay_bytes",
                                json_integer((json_int_t)h->o.max_replay_bytes));
        why = msg;
    }
    if (!why) {
        /* the client says it lost the stream: a connection still delivering it ends */
        req_finish(k == 0 ? s->get_req : st->reader);
        pthread_mutex_lock(&r->mu);
        r->prime = prime;
        sse_prime(r, (int)k, n); /* resuming again from here loses nothing */
        for (int i = 0; i < st->n; i++) {
            const struct sse_ev *e = &st->ev[(st->head + i) % EP_HTTP_REPLAY_EVENTS];
            if (e->seq > n)
                sse_event(r, (int)k, e->seq, e->data, e->len);
        }
        r->last_write = time(NULL);
        if (k == 0) {
            s->get_req = r;
            r->is_get = 1;
        } else {
            r->final = st->ended; /* ended: the replay is all there is */
            st->refs++;
            r->stream = st;
        }
        pthread_mutex_unlock(&r->mu);
        st->reader = r;
    }
    pthread_mutex_unlock(&h->rmu);
    pthread_mutex_unlock(&s->mu);
    if (why) {
        count_reject(h, REJ_BAD_REQUEST);
        char full[sizeof msg + 32];
        snprintf(full, sizeof full, "Cannot resume: %s", why);
        return send_error_msg(r, c, status, EP_MCP_INVALID_REQUEST, NULL, data, full);
    }
    return send_sse(r, c, NULL);
}

/* A GET or DELETE that names protocol 2026-07-28, which has neither (405). */
static int modern_header(struct MHD_Connection *c)
{
    const char *pv = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "MCP-Protocol-Version");
    return pv && strcmp(pv, EP_MCP_MODERN_VERSION) == 0;
}

static enum MHD_Result refuse_modern(struct req *r, struct MHD_Connection *c)
{
    count_reject(r->h, REJ_BAD_REQUEST);
    return send_error(r, c, MHD_HTTP_METHOD_NOT_ALLOWED, EP_MCP_INVALID_REQUEST, NULL,
                      "Method not allowed: protocol " EP_MCP_MODERN_VERSION
                      " has no sessions and no GET stream; POST each request to /mcp");
}

static enum MHD_Result on_get(struct req *r, struct MHD_Connection *c)
{
    struct http *h = r->h;
    if (!header_has(c, "Accept", "text/event-stream")) {
        count_reject(h, REJ_BAD_REQUEST);
        return send_error(r, c, MHD_HTTP_NOT_ACCEPTABLE, EP_MCP_INVALID_REQUEST, NULL,
                          "GET /mcp opens an SSE stream: Accept must include "
                          "text/event-stream");
    }
    const char *sid = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Mcp-Session-Id");
    if (!sid && modern_header(c))
        return refuse_modern(r, c);
    if (!sid) {
        count_reject(h, REJ_SESSION_MISSING);
        return send_error(r, c, MHD_HTTP_BAD_REQUEST, EP_MCP_INVALID_REQUEST, NULL,
                          "Bad Request: Mcp-Session-Id header is required");
    }
    struct sess *s = sess_find(h, sid, r->who.id);
    if (!s) {
        count_reject(h, REJ_SESSION_UNKNOWN);
        return send_error(r, c, MHD_HTTP_NOT_FOUND, EP_MCP_INVALID_REQUEST, NULL,
                          "Session not found: it ended or expired; initialize a new one");
    }
    r->sess = s;
    const char *lei = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Last-Event-ID");
    if (lei)
        return on_resume(r, c, s, lei);
    int prime = primes(s);
    pthread_mutex_lock(&s->mu);
    int busy = s->get_req != NULL;
    if (!busy) {
        s->get_req = r;
        s->get_log.reader = r;
        r->is_get = 1;
        r->last_write = time(NULL);
        pthread_mutex_lock(&r->mu);
        r->prime = prime;
        sse_prime(r, 0, s->get_log.next_seq - 1); /* the events so far are not replayed */
        pthread_mutex_unlock(&r->mu);
    }
    pthread_mutex_unlock(&s->mu);
    if (busy)
        return send_error(r, c, MHD_HTTP_CONFLICT, EP_MCP_INVALID_REQUEST, NULL,
                          "this session already has an open GET stream");
    return send_sse(r, c, NULL);
}

static enum MHD_Result on_delete(struct req *r, struct MHD_Connection *c)
{
    struct http *h = r->h;
    const char *sid = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Mcp-Session-Id");
    if (!sid && modern_header(c))
        return refuse_modern(r, c);
    if (!sid) {
        count_reject(h, REJ_SESSION_MISSING);
        return send_error(r, c, MHD_HTTP_BAD_REQUEST, EP_MCP_INVALID_REQUEST, NULL,
                          "Bad Request: Mcp-Session-Id header is required");
    }
    struct sess *s = sess_find(h, sid, r->who.id);
    if (!s) {
        count_reject(h, REJ_SESSION_UNKNOWN);
        return send_error(r, c, MHD_HTTP_NOT_FOUND, EP_MCP_INVALID_REQUEST, NULL,
                          "Session not found");
    }
    r->sess = s;
    sess_end(h, s);
    return send_body(r, c, MHD_HTTP_OK, "application/json", "{}", 2, NULL);
}

/* MHD_OPTION_NOTIFY_CONNECTION: list each connection while it is open; it awaits the
 * headers of its first request from the start. */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    struct http *h = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        struct conn *k = calloc(1, sizeof *k);
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (!k || !ci) {
            free(k);
            return;
        }
        k->fd = ci->connect_fd;
        k->wait_since = ep_now();
        pthread_mutex_lock(&h->cmu);
        k->next = h->conns;
        if (h->conns)
            h->conns->prev = k;
        h->conns = k;
        pthread_mutex_unlock(&h->cmu);
        *socket_context = k;
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context) {
        struct conn *k = *socket_context;
        pthread_mutex_lock(&h->cmu);
        if (k->prev)
            k->prev->next = k->next;
        else
            h->conns = k->next;
        if (k->next)
            k->next->prev = k->prev;
        pthread_mutex_unlock(&h->cmu);
        free(k);
        *socket_context = NULL;
    }
}

static struct conn *conn_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

/* The connection c's headers are complete (awaiting = 0; with_body: its body is to come), or it
 * awaits the next request's (awaiting = 1, after a request ended). */
static void conn_awaits(struct http *h, struct MHD_Connection *c, int awaiting, int with_body)
{
    struct conn *k = conn_of(c);
    if (!k)
        return;
    pthread_mutex_lock(&h->cmu);
    k->wait_since = awaiting ? ep_now() : 0;
    k->upload_since = !awaiting && with_body ? ep_now() : 0;
    if (awaiting)
        k->answered = 0;
    pthread_mutex_unlock(&h->cmu);
}

/* c's request has been read whole. 1 when the watchdog already answered it (408): then the
 * request gets no other response. */
static int conn_read_whole(struct http *h, struct MHD_Connection *c)
{
    struct conn *k = conn_of(c);
    if (!k)
        return 0;
    pthread_mutex_lock(&h->cmu);
    k->upload_since = 0;
    int answered = k->answered;
    pthread_mutex_unlock(&h->cmu);
    return answered;
}

/* From the watchdog (once a second), for what libmicrohttpd cannot do itself:
 * - a connection that has awaited a request's headers for longer than header_timeout_s is shut
 *   down (slowloris);
 * - a request whose body has not all come within request_timeout_s is answered 408 with its
 *   JSON body, written to the socket here (libmicrohttpd calls the handler only when data
 *   arrives, and a client that stopped sending sends none), then shut down.
 * Its connection thread then sees the end of the stream and closes it (the fd stays valid
 * until NOTIFY_CLOSED, which takes cmu first). */
static void watch_connections(struct http *h)
{
    double now = ep_now();
    int timeouts = 0;
    char body[256], resp[512];
    int bn = snprintf(body, sizeof body,
                      "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":%d,\"message\":"
                      "\"the request body took longer than %d s\"}}",
                      EP_MCP_INVALID_REQUEST, h->o.request_timeout_s);
    int rn = snprintf(resp, sizeof resp,
                      "HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json\r\n"
                      "Connection: close\r\nContent-Length: %d\r\n\r\n%s",
                      bn, body);
    pthread_mutex_lock(&h->cmu);
    for (struct conn *k = h->conns; k; k = k->next) {
        if (k->wait_since > 0 && now - k->wait_since > h->o.header_timeout_s) {
            shutdown(k->fd, SHUT_RDWR);
            k->wait_since = 0;
            h->header_timeouts++;
        } else if (k->upload_since > 0 && now - k->upload_since > h->o.request_timeout_s) {
            k->answered = 1;
            k->upload_since = 0;
            if (send(k->fd, resp, (size_t)rn, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
                /* the client is gone: nothing to tell it */
            }
            shutdown(k->fd, SHUT_RDWR);
            timeouts++;
        }
    }
    pthread_mutex_unlock(&h->cmu);
    while (timeouts-- > 0)
        count_reject(h, REJ_TIMEOUT);
}

static enum MHD_Result add_header_bytes(void *cls, enum MHD_ValueKind kind, const char *key,
                                        const char *value)
{
    (void)kind;
    *(size_t *)cls += strlen(key) + (value ? strlen(value) : 0) + 4; /* ": " and CRLF */
    return MHD_YES;
}

/* The size of a request's header block as sent (request line and header lines). */
static size_t header_bytes(struct MHD_Connection *c, const char *method, const char *url)
{
    size_t n = strlen(method) + strlen(url) + 12;
    MHD_get_connection_values(c, MHD_HEADER_KIND, add_header_bytes, &n);
    return n;
}

/* ------------------------------------------------------------------ tracing */

struct tstate {
    struct ep_buf b;
    int bad; /* out of memory: not passed on */
};

static enum MHD_Result join_tracestate(void *cls, enum MHD_ValueKind kind, const char *key,
                                       const char *value)
{
    (void)kind;
    struct tstate *t = cls;
    if (value && *value && strcasecmp(key, "tracestate") == 0 &&
        ((t->b.len && ep_buf_putc(&t->b, ',')) || ep_buf_append(&t->b, value, strlen(value)))) {
        t->bad = 1;
        return MHD_NO;
    }
    return MHD_YES;
}

/* Start r's span: a child of the request's W3C traceparent when it has a valid one, else the
 * root of a new trace (a malformed header is ignored, as the specification asks). Several
 * tracestate headers are one list, joined with commas. */
static void trace_request(struct req *r, struct MHD_Connection *c, const char *method,
                          const char *url)
{
    struct tstate t = {.bad = 0};
    ep_buf_init(&t.b, 0);
    MHD_get_connection_values(c, MHD_HEADER_KIND, join_tracestate, &t);
    struct ep_trace_ctx in;
    ep_trace_parse(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "traceparent"),
                   t.bad ? NULL : t.b.data, &in);
    ep_buf_free(&t.b);
    /* the name: the method and the path's first segment (bounded: /mcp, /healthz, ...) */
    const char *p = url && url[0] == '/' ? url : "/";
    const char *q = strpbrk(p + 1, "/?");
    int n = q ? (int)(q - p) : (int)strlen(p);
    char name[80];
    snprintf(name, sizeof name, "%s %.*s", method, n > 60 ? 60 : n, p);
    ep_trace_begin(&r->span, name, EP_TRACE_SERVER, &in, 1);
    ep_trace_attr_str(&r->span, "http.request.method", method);
    ep_trace_attr_str(&r->span, "url.path", p);
    ep_trace_attr_bool(&r->span, "epintel.trace.incoming_parent", in.valid);
}

/* End r's span with the response's facts. */
static void trace_request_end(struct req *r)
{
    struct ep_trace_span *sp = &r->span;
    int status = r->status ? r->status : 499;
    ep_trace_attr_int(sp, "http.response.status_code", status);
    if (r->tool[0])
        ep_trace_attr_str(sp, "epintel.tool", r->tool);
    if (r->rpc_outcome[0])
        ep_trace_attr_str(sp, "epintel.rpc.outcome", r->rpc_outcome);
    if (status >= 500) {
        char m[32];
        snprintf(m, sizeof m, "HTTP %d", status);
        ep_trace_error(sp, m);
    }
    ep_trace_end(sp);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    struct http *h = cls;
    struct req *r = *con_cls;
    if (!r) {
        conn_awaits(h, c, 0, strcmp(method, "POST") == 0); /* its headers are complete */
        r = req_new(h, method);
        if (!r)
            return MHD_NO;
        *con_cls = r;
        trace_request(r, c, method, url);
        size_t hb = header_bytes(c, method, url);
        if (hb > h->o.max_header) {
            r->body_rejected = 1;
            count_reject(h, REJ_BAD_REQUEST);
            return send_error(r, c, MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE,
                              EP_MCP_INVALID_REQUEST, NULL,
                              "Request header fields of %zu bytes exceed the limit of %zu bytes "
                              "(--max-header-bytes)",
                              hb, h->o.max_header);
        }
        if (strcmp(url, "/mcp") == 0 && strcmp(method, "POST") == 0) {
            const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
            if (cl && strtoull(cl, NULL, 10) > h->o.max_body) {
                r->body_rejected = 1;
                count_reject(h, REJ_BODY);
                return send_error(r, c, MHD_HTTP_CONTENT_TOO_LARGE, EP_MCP_INVALID_REQUEST, NULL,
                                  "Request body of %s bytes exceeds the limit of %zu bytes "
                                  "(--max-body-bytes)",
                                  cl, h->o.max_body);
            }
        }
        /* answer from the next call: a response queued in this first call (before MHD has
         * read the whole request) makes MHD close the connection (no keep-alive) */
        return MHD_YES;
    }
    if (!*upload_data_size && !r->upload_done) {
        r->upload_done = 1;
        if (conn_read_whole(h, c))
            return MHD_NO; /* the watchdog answered it (408) and closed the connection */
    }
    if (r->body_rejected) {
        if (*upload_data_size) { /* drain the rest of a refused body, within bounds */
            r->drained += *upload_data_size;
            *upload_data_size = 0;
            return r->drained > EP_HTTP_DRAIN_MAX || now_s() - r->t0 > 2.0 * h->o.request_timeout_s
                       ? MHD_NO
                       : MHD_YES;
        }
        if (r->pending_status) { /* the body has all come: answer the refusal */
            unsigned st = r->pending_status;
            r->pending_status = 0;
            return send_error(r, c, st, EP_MCP_INVALID_REQUEST, NULL, "%s", r->pending_msg);
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (now_s() - r->t0 > h->o.request_timeout_s) {
            r->body_rejected = 1;
            *upload_data_size = 0;
            count_reject(h, REJ_TIMEOUT);
            r->pending_status = MHD_HTTP_REQUEST_TIMEOUT;
            snprintf(r->pending_msg, sizeof r->pending_msg,
                     "the request body took longer than %d s", h->o.request_timeout_s);
            return MHD_YES;
        }
        if (ep_buf_append(&r->body, upload_data, *upload_data_size)) {
            r->body_rejected = 1;
            *upload_data_size = 0;
            count_reject(h, REJ_BODY);
            r->pending_status = MHD_HTTP_CONTENT_TOO_LARGE;
            snprintf(r->pending_msg, sizeof r->pending_msg,
                     "Request body exceeds the limit of %zu bytes (--max-body-bytes)",
                     h->o.max_body);
            return MHD_YES;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (strcmp(url, "/healthz") == 0 && strcmp(method, "GET") == 0)
        return on_health(r, c);
    if (strcmp(url, "/metrics") == 0 && strcmp(method, "GET") == 0)
        return metrics_admit(r, c);
    /* RFC 9728: the metadata path, or it followed by the resource's path (/mcp); nothing else */
    if ((strcmp(url, "/.well-known/oauth-protected-resource") == 0 ||
         strcmp(url, "/.well-known/oauth-protected-resource/mcp") == 0) &&
        strcmp(method, "GET") == 0)
        return on_resource_metadata(r, c);
    if (strncmp(url, "/ui/", 4) == 0 && strcmp(method, "GET") == 0)
        return on_ui(r, c, url + 4); /* the views (ep_ui_res.h) */
    if (strcmp(url, "/mcp") != 0)
        return send_error(r, c, MHD_HTTP_NOT_FOUND, EP_MCP_INVALID_REQUEST, NULL,
                          "Not found: the MCP endpoint is /mcp");
    if (!host_origin_ok(h, c))
        return refuse_host(r, c);
    r->is_mcp = 1;
    enum MHD_Result ret;
    if (mcp_admit(r, c, &ret))
        return ret;
    if (strcmp(method, "POST") == 0)
        return on_post(r, c);
    if (strcmp(method, "GET") == 0)
        return on_get(r, c);
    if (strcmp(method, "DELETE") == 0)
        return on_delete(r, c);
    return send_error(r, c, MHD_HTTP_METHOD_NOT_ALLOWED, EP_MCP_INVALID_REQUEST, NULL,
                      "Method not allowed: use POST, GET or DELETE on /mcp");
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)toe;
    struct http *h = cls;
    conn_awaits(h, c, 1, 0); /* a kept-alive connection now awaits its next request */
    struct req *r = *con_cls;
    if (!r)
        return;
    *con_cls = NULL;
    count_request(h, r->method, r->status ? r->status : 499);
    if (r->is_mcp && !r->audited) /* no reply was queued (e.g. the client left): 499 */
        audit(h, r);
    trace_request_end(r);
    struct sess *s = r->sess;
    if (s && r->modern) {
        /* 2026-07-28: a response stream closed before its response is that request's
         * cancellation; its work stops and nothing more is sent for it */
        pthread_mutex_lock(&r->mu);
        int open = !r->final;
        pthread_mutex_unlock(&r->mu);
        if (open)
            ep_mcp_cancel_origin(s->srv, r);
    }
    if (s) {
        pthread_mutex_lock(&s->mu);
        if (r->is_get && s->get_req == r)
            s->get_req = NULL;
        if (s->get_log.reader == r)
            s->get_log.reader = NULL;
        if (r->stream && r->stream->reader == r)
            r->stream->reader = NULL; /* later events wait in the log for a resume */
        if (r->stream && strcmp(r->method, "GET") == 0) {
            stream_unref(r->stream); /* a resumed stream's reference (a POST's goes at its
                                        last message, in http_write) */
            r->stream = NULL;
        }
        pthread_mutex_unlock(&s->mu);
    }
    pthread_mutex_lock(&r->mu);
    r->gone = 1;
    pthread_mutex_unlock(&r->mu);
    req_unref(r);
    sess_unref(h, s);
}

/* ---------------------------------------------------- /ui/: the views (ep_ui_res.h) */

struct ui_q {
    struct ep_ui_res_cache *ui;
    struct ep_store *store;
    const char *spec;
    char *html;
    size_t n;
    int rc;
    struct ep_error err;
};

static void ui_render(void *arg)
{
    struct ui_q *q = arg;
    q->rc = ep_ui_res_page(q->ui, q->store, q->spec, &q->html, &q->n, &q->err);
}

/* One query argument appended to the page spec (ep_ui_parse checks keys and values). */
static enum MHD_Result ui_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                              const char *value)
{
    (void)kind;
    struct ep_buf *b = cls;
    return ep_buf_printf(b, "%c%s=%s", b->len && memchr(b->data, '?', b->len) ? '&' : '?', key,
                         value ? value : "")
               ? MHD_NO
               : MHD_YES;
}

/* GET /ui/<view>?query: the authentication, rate limit and Host check of /mcp, the role must
 * allow the tool the view shows, and the page counts against the daily quota. The page's tool
 * calls are ordinary POST /mcp requests (ep_ui_res.h). */
static enum MHD_Result on_ui(struct req *r, struct MHD_Connection *c, const char *view)
{
    struct http *h = r->h;
    if (!host_origin_ok(h, c))
        return refuse_host(r, c);
    enum MHD_Result ret;
    if (mcp_admit(r, c, &ret))
        return ret;
    const char *tool = ep_ui_res_tool_for(view);
    if (!tool)
        return send_error(r, c, MHD_HTTP_NOT_FOUND, EP_MCP_INVALID_REQUEST, NULL,
                          "Not found: the views are /ui/network, /ui/map, /ui/scorecard, "
                          "/ui/coalition, /ui/hemicycle and /ui/policy-area");
    pthread_rwlock_rdlock(&h->alock);
    int allowed = !h->auth || ep_auth_tool_allowed(h->auth, &r->who, tool);
    pthread_rwlock_unlock(&h->alock);
    if (!allowed)
        return send_error(r, c, MHD_HTTP_FORBIDDEN, EP_MCP_INVALID_REQUEST, NULL,
                          "Forbidden: your role (%s) may not call %s, whose results this view "
                          "shows",
                          r->who.role_names[0] ? r->who.role_names : "none", tool);
    if (quota_admit(r, c, 1, NULL, &ret)) /* a page is one data request of the daily quota */
        return ret;
    if (!h->o.store)
        return send_error(r, c, MHD_HTTP_SERVICE_UNAVAILABLE, EP_MCP_INVALID_REQUEST, NULL,
                          "no store is open");
    struct ep_buf spec;
    ep_buf_init(&spec, 2048);
    if (ep_buf_append(&spec, view, strlen(view)) ||
        MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, ui_arg, &spec) < 0 ||
        ep_buf_putc(&spec, 0)) {
        ep_buf_free(&spec);
        return send_error(r, c, MHD_HTTP_BAD_REQUEST, EP_MCP_INVALID_REQUEST, NULL,
                          "the query is too long: the keys are from, to, mep_id, subject, "
                          "concept and date");
    }
    struct ui_q q = {h->o.ui, h->o.store, spec.data, NULL, 0, 0, {0}};
    ep_mcp_with_exec_lock(ui_render, &q);
    ep_buf_free(&spec);
    if (q.rc)
        return send_error(r, c,
                          q.rc == EP_ENOTFOUND ? MHD_HTTP_NOT_FOUND
                          : q.rc == EP_EINVAL  ? MHD_HTTP_BAD_REQUEST
                                               : MHD_HTTP_INTERNAL_SERVER_ERROR,
                          EP_MCP_INVALID_REQUEST, NULL, "%s", q.err.msg);
    ret = send_body(r, c, MHD_HTTP_OK, "text/html; charset=utf-8", q.html, q.n, NULL);
    free(q.html);
    return ret;
}

/* ---------------------------------------------------- /healthz, /metrics */

struct date_q {
    struct http *h;
    char out[11];
};

/* Under the execution mutex: refresh the cached dataset date every 30 s, copy it out (the
 * cache itself under h->mu, so that a health check that does not get the execution mutex can
 * read it). */
static void read_date(void *arg)
{
    struct date_q *q = arg;
    struct http *h = q->h;
    time_t now = time(NULL);
    pthread_mutex_lock(&h->mu);
    int stale = now - h->data_checked >= 30;
    pthread_mutex_unlock(&h->mu);
    char d[11] = "";
    int got = stale && h->o.store && ep_store_dataset_date(h->o.store, d) == 0;
    pthread_mutex_lock(&h->mu);
    if (got)
        memcpy(h->data_date, d, sizeof d);
    if (stale)
        h->data_checked = now;
    memcpy(q->out, h->data_date, sizeof q->out);
    pthread_mutex_unlock(&h->mu);
}

/* The dataset date for /healthz without ever waiting on tool execution: refreshed when the
 * execution mutex is free, else the last one read (at start at the latest). */
static void health_date(struct http *h, struct date_q *q)
{
    if (ep_mcp_try_exec_lock(read_date, q))
        return;
    pthread_mutex_lock(&h->mu);
    memcpy(q->out, h->data_date, sizeof q->out);
    pthread_mutex_unlock(&h->mu);
}

static enum MHD_Result on_health(struct req *r, struct MHD_Connection *c)
{
    struct http *h = r->h;
    time_t now = time(NULL);
    struct date_q q = {.h = h};
    health_date(h, &q);
    const char *date = q.out;
    int ready = date[0] != 0 && !h->stopping;
    json_t *o = json_pack("{s:s,s:b,s:I}", "status", h->stopping ? "stopping" : "ok", "ready",
                          ready, "uptime_s", (json_int_t)(now - h->started));
    if (o && date[0]) {
        json_object_set_new(o, "data_date", json_string(date));
        struct tm tm = {0};
        if (strptime(date, "%Y-%m-%d", &tm)) {
            time_t t = timegm(&tm);
            json_object_set_new(o, "data_age_days", json_integer((json_int_t)((now - t) / 86400)));
        }
    }
    pthread_mutex_lock(&h->mu);
    int ns = h->nsessions;
    pthread_mutex_unlock(&h->mu);
    if (o)
        json_object_set_new(o, "sessions", json_integer(ns));
    char *t = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    enum MHD_Result ret = send_body(r, c, ready ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE,
                                    "application/json", t ? t : "{}", t ? strlen(t) : 2, NULL);
    free(t);
    return ret;
}

static enum MHD_Result on_metrics(struct req *r, struct MHD_Connection *c)
{
    struct ep_buf b;
    ep_buf_init(&b, 0);
    metrics_text(r->h, &b);
    enum MHD_Result ret = send_body(r, c, MHD_HTTP_OK, "text/plain; version=0.0.4",
                                    b.data ? b.data : "", b.len, NULL);
    ep_buf_free(&b);
    return ret;
}

/* ------------------------------------------------------------- lifecycle */

static int add_host(struct http *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int add_host(struct http *h, const char *fmt, ...)
{
    char **n = realloc(h->hosts, (size_t)(h->nhosts + 1) * sizeof *n);
    if (!n)
        return -1;
    h->hosts = n;
    va_list ap;
    va_start(ap, fmt);
    int rc = vasprintf(&h->hosts[h->nhosts], fmt, ap);
    va_end(ap);
    if (rc < 0)
        return -1;
    h->nhosts++;
    return 0;
}

static void expire_sessions(struct http *h)
{
    time_t now = time(NULL);
    for (;;) {
        struct sess *victim = NULL;
        pthread_mutex_lock(&h->mu);
        for (int i = 0; i < h->nsessions && !victim; i++) {
            struct sess *s = h->sessions[i];
            if (s->refs == 1 && now - s->last_used > h->o.session_idle_s)
                victim = s;
        }
        if (victim) {
            sess_detach_locked(h, victim);
            h->sessions_expired++;
        }
        pthread_mutex_unlock(&h->mu);
        if (!victim)
            return;
        sess_close(victim);
        sess_unref(h, victim);
    }
}

/* Written as every output file is: atomically, and only to a regular file or a new path (a
 * FIFO, a device, a folder or a symbolic link is refused and left as it was). */
static int write_port_file(const char *path, int port, struct ep_error *err)
{
    char line[32];
    int n = snprintf(line, sizeof line, "%d\n", port);
    int rc = ep_write_file_atomic(path, line, (size_t)n, err);
    return rc ? ep_error_prefix(err, "--port-file: ") : 0;
}

/* Serve until SIGINT or SIGTERM (SIGHUP reloads the auth config), housekeeping every second;
 * then stop accepting and let in-flight POSTs finish (up to 10 s). */
static void serve_until_signal(struct http *h, sigset_t *set)
{
    for (;;) {
        struct timespec ts = {1, 0};
        int sig = sigtimedwait(set, NULL, &ts);
        if (sig == SIGINT || sig == SIGTERM)
            break;
        if (sig == SIGHUP && h->o.auth_config) {
            struct ep_auth *na = NULL;
            struct ep_error e = {0};
            if (ep_auth_load(h->o.auth_config, &na, &e)) {
                fprintf(stderr, "epintel: SIGHUP: keeping the previous auth config: %s\n", e.msg);
            } else {
                pthread_rwlock_wrlock(&h->alock);
                struct ep_auth *old = h->auth;
                h->auth = na;
                pthread_rwlock_unlock(&h->alock);
                ep_auth_free(old);
                fprintf(stderr, "epintel: SIGHUP: auth config reloaded\n");
            }
        }
        expire_sessions(h);
        watch_connections(h);
        ep_quota_flush(h->quota); /* bounded loss window: counts of the last second */
    }
    fprintf(stderr, "epintel: stopping: finishing in-flight requests\n");
    MHD_quiesce_daemon(h->d); /* no new connections */
    pthread_mutex_lock(&h->mu);
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += 10;
    while (h->posts_active > 0)
        if (pthread_cond_timedwait(&h->cv, &h->mu, &dl) != 0)
            break;
    h->stopping = 1;
    pthread_mutex_unlock(&h->mu);
}

/* Close every session (cancelling what still runs), stop the daemon, write the last quota
 * counts, close the shared state and free h. */
static void http_close(struct http *h)
{
    /* close every session: cancel what still runs, end the streams */
    for (;;) {
        pthread_mutex_lock(&h->mu);
        h->stopping = 1;
        struct sess *s = h->nsessions ? h->sessions[0] : NULL;
        if (s)
            sess_detach_locked(h, s);
        pthread_mutex_unlock(&h->mu);
        if (!s)
            break;
        sess_close(s);
        sess_unref(h, s);
    }
    if (h->d)
        MHD_stop_daemon(h->d);
    ep_quota_close(h->quota); /* writes the last counts */
    ep_state_close(h->state);
    for (int i = 0; i < h->nhosts; i++)
        free(h->hosts[i]);
    free(h->hosts);
    free(h->sessions);
    ep_auth_free(h->auth);
    free(h->rates);
    ep_buf_free(&h->upstream);
    if (h->audit)
        fclose(h->audit);
    pthread_rwlock_destroy(&h->alock);
    pthread_mutex_destroy(&h->audit_mu);
    pthread_mutex_destroy(&h->cmu);
    pthread_mutex_destroy(&h->mu);
    pthread_mutex_destroy(&h->rmu);
    pthread_cond_destroy(&h->cv);
    free(h);
}

int ep_http_serve(const struct ep_http_options *o, struct ep_error *err)
{
    struct http *h = calloc(1, sizeof *h);
    if (!h)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    h->o = *o;
    if (h->o.max_sessions < 1)
        h->o.max_sessions = 1;
    if (h->o.max_tool_calls < 1)
        h->o.max_tool_calls = 1;
    h->started = time(NULL);
    ep_buf_init(&h->upstream, 0);
    pthread_mutex_init(&h->mu, NULL);
    pthread_mutex_init(&h->rmu, NULL);
    pthread_cond_init(&h->cv, NULL);
    pthread_rwlock_init(&h->alock, NULL);
    pthread_mutex_init(&h->audit_mu, NULL);
    pthread_mutex_init(&h->cmu, NULL);
    struct date_q q0 = {.h = h}; /* /healthz's first answer needs no execution mutex */
    ep_mcp_with_exec_lock(read_date, &q0);
    h->rate_per_min = h->o.rate_per_minute;
    h->audit_max = h->o.audit_max_bytes > 0 ? h->o.audit_max_bytes : 10L << 20;
    h->sessions = calloc((size_t)h->o.max_sessions, sizeof *h->sessions);
    int rc = 0;

    struct sockaddr_in a4;
    struct sockaddr_in6 a6;
    memset(&a4, 0, sizeof a4);
    memset(&a6, 0, sizeof a6);
    const char *addr = h->o.addr ? h->o.addr : "127.0.0.1";
    char host6[64];
    int v6 = addr[0] == '[';
    if (v6) {
        size_t n = strcspn(addr + 1, "]");
        if (n >= sizeof host6)
            n = sizeof host6 - 1;
        memcpy(host6, addr + 1, n);
        host6[n] = 0;
        a6.sin6_family = AF_INET6;
        a6.sin6_port = htons((uint16_t)h->o.port);
        if (inet_pton(AF_INET6, host6, &a6.sin6_addr) != 1)
            rc = ep_error_set(err, EP_EINVAL, "bad IPv6 address %s", addr);
    } else {
        a4.sin_family = AF_INET;
        a4.sin_port = htons((uint16_t)h->o.port);
        if (inet_pton(AF_INET, addr, &a4.sin_addr) != 1)
            rc = ep_error_set(err, EP_EINVAL, "bad IPv4 address %s (use a numeric address)", addr);
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGPIPE);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    if (!rc && h->o.auth_config)
        rc = ep_auth_load(h->o.auth_config, &h->auth, err);
    int loopback = strcmp(addr, "127.0.0.1") == 0 || strncmp(addr, "127.", 4) == 0 ||
                   strcmp(addr, "[::1]") == 0;
    if (!rc && !h->auth && !loopback)
        rc = ep_error_set(err, EP_EINVAL,
                          "binding %s (not loopback) needs authentication: pass --auth-config",
                          addr);
    if (!rc && h->rate_per_min > 0 && !(h->rates = calloc(EP_HTTP_RATE_SLOTS, sizeof *h->rates)))
        rc = ep_error_set(err, EP_ENOMEM, "out of memory");
    if (!rc && h->auth) {
        const char *qpath = h->o.store ? ep_store_path(h->o.store) : NULL;
        if (!qpath)
            fprintf(stderr, "epintel: no store: daily quota counts are kept in memory only\n");
        rc = ep_quota_open(qpath, time(NULL), &h->quota, err);
    }
    if (!rc && h->o.state_url)
        rc = ep_state_open(h->o.state_url, &h->state, err);
    if (!rc && h->o.audit_file && !(h->audit = ep_log_open(h->o.audit_file, err)))
        rc = err->code;
    if (!rc && !h->sessions)
        rc = ep_error_set(err, EP_ENOMEM, "out of memory");
    if (!rc) {
        unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                         MHD_USE_ITC | MHD_USE_POLL | (v6 ? MHD_USE_IPv6 : 0);
        h->d = MHD_start_daemon(
            flags, (uint16_t)h->o.port, NULL, NULL, on_request, h, MHD_OPTION_SOCK_ADDR,
            v6 ? (struct sockaddr *)&a6 : (struct sockaddr *)&a4, MHD_OPTION_NOTIFY_COMPLETED,
            on_completed, h, MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
            MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)h->o.max_connections_per_ip,
            /* the pool holds 4 x the header limit, so that a header block over the limit is
             * still read and refused by header_bytes below with a JSON 431; only one over 4 x
             * gets libmicrohttpd's own (HTML) 431 */
            MHD_OPTION_CONNECTION_MEMORY_LIMIT, 4 * h->o.max_header, MHD_OPTION_CONNECTION_TIMEOUT,
            (unsigned)h->o.io_timeout_s, MHD_OPTION_CONNECTION_LIMIT,
            (unsigned)h->o.max_connections, MHD_OPTION_END);
        if (!h->d)
            rc = ep_error_set(err, EP_EIO, "cannot listen on %s:%d (address in use?)", addr,
                              h->o.port);
    }
    if (!rc) {
        const union MHD_DaemonInfo *di = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
        h->port = di ? di->port : h->o.port;
        if (add_host(h, "localhost:%d", h->port) || add_host(h, "127.0.0.1:%d", h->port) ||
            add_host(h, "[::1]:%d", h->port))
            rc = ep_error_set(err, EP_ENOMEM, "out of memory");
        for (int i = 0; !rc && i < h->o.n_allow_hosts; i++) {
            const char *v = h->o.allow_hosts[i];
            if (strncasecmp(v, "http://", 7) == 0)
                v += 7;
            else if (strncasecmp(v, "https://", 8) == 0)
                v += 8;
            if (add_host(h, "%s", v))
                rc = ep_error_set(err, EP_ENOMEM, "out of memory");
        }
        if (!rc && h->o.port_file)
            rc = write_port_file(h->o.port_file, h->port, err);
    }
    if (!rc) {
        fprintf(stderr, "epintel: MCP over HTTP on http://%s:%d/mcp\n", addr, h->port);
        serve_until_signal(h, &set);
    }
    http_close(h);
    return rc;
}
