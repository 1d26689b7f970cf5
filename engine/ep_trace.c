/* ep_trace: W3C Trace Context and OTLP/HTTP JSON export. See ep_trace.h. */
#include "ep_trace.h"

#include "ep_crypto.h"
#include "ep_curl.h"
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "ep_util.h"

/* ---- ids and the W3C header ---------------------------------------------------------------- */

static const char hexd[] = "0123456789abcdef";

void ep_trace_hex(const unsigned char *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hexd[b[i] >> 4];
        out[2 * i + 1] = hexd[b[i] & 15];
    }
    out[2 * n] = 0;
}

/* Lowercase hex only (W3C: uppercase is invalid). */
static int unhex(const char *p, size_t n, unsigned char *out)
{
    for (size_t i = 0; i < 2 * n; i++) {
        char c = p[i];
        int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (v < 0)
            return -1;
        if (out) {
            if (i % 2 == 0)
                out[i / 2] = (unsigned char)(v << 4);
            else
                out[i / 2] |= (unsigned char)v;
        }
    }
    return 0;
}

static int all_zero(const unsigned char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return 0;
    return 1;
}

int ep_trace_parse(const char *tp, const char *ts, struct ep_trace_ctx *out)
{
    memset(out, 0, offsetof(struct ep_trace_ctx, state) + 1);
    if (!tp)
        return 0;
    while (*tp == ' ' || *tp == '\t') /* optional white space around a header value */
        tp++;
    size_t n = strlen(tp);
    while (n && (tp[n - 1] == ' ' || tp[n - 1] == '\t'))
        n--;
    unsigned char ver;
    if (n < 55 || unhex(tp, 1, &ver) || tp[2] != '-' || tp[35] != '-' || tp[52] != '-')
        return 0;
    if (ver == 0xff || (ver == 0 && n != 55) || (ver > 0 && n > 55 && tp[55] != '-'))
        return 0;
    struct ep_trace_ctx c;
    memset(&c, 0, sizeof c);
    if (unhex(tp + 3, 16, c.trace_id) || unhex(tp + 36, 8, c.span_id) ||
        unhex(tp + 53, 1, &c.flags) || all_zero(c.trace_id, 16) || all_zero(c.span_id, 8))
        return 0;
    if (ver > 0)
        c.flags &= 1; /* a later version's other flags are not ours to pass on */
    c.valid = 1;
    if (ts) {
        while (*ts == ' ' || *ts == '\t')
            ts++;
        size_t m = strlen(ts);
        while (m && (ts[m - 1] == ' ' || ts[m - 1] == '\t'))
            m--;
        int ok = m <= EP_TRACE_STATE_MAX;
        for (size_t i = 0; ok && i < m; i++)
            ok = ts[i] >= 0x20 && ts[i] <= 0x7e;
        if (ok) {
            memcpy(c.state, ts, m);
            c.state[m] = 0;
        }
    }
    memcpy(out, &c, offsetof(struct ep_trace_ctx, state) + strlen(c.state) + 1);
    return 1;
}

void ep_trace_format(const struct ep_trace_ctx *c, char out[56])
{
    memcpy(out, "00-", 3);
    ep_trace_hex(c->trace_id, 16, out + 3);
    out[35] = '-';
    ep_trace_hex(c->span_id, 8, out + 36);
    out[52] = '-';
    ep_trace_hex(&c->flags, 1, out + 53);
}

/* n random bytes, never all zero (an all-zero id is invalid). From a per-thread pool refilled
 * by RAND_bytes (one call per 32 ids, not one per id). */
static void random_id(unsigned char *out, size_t n)
{
    static _Thread_local unsigned char pool[256];
    static _Thread_local size_t left;
    do {
        if (left < n) {
            if (RAND_bytes(pool, (int)sizeof pool) != 1) {
                size_t got = 0;
                while (got < sizeof pool) {
                    ssize_t k = getrandom(pool + got, sizeof pool - got, 0);
                    if (k > 0)
                        got += (size_t)k;
                    else if (errno != EINTR)
                        break;
                }
            }
            left = sizeof pool;
        }
        memcpy(out, pool + sizeof pool - left, n);
        left -= n;
    } while (all_zero(out, n));
}

/* ---- the exporter's state -------------------------------------------------------------------- */

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int running;  /* under mu: spans are accepted */
    int stopping; /* under mu */
    double deadline;
    pthread_t th;
    json_t **q; /* ring of spans (OTLP JSON objects), cap qmax */
    size_t qhead, qn, qmax, batch_max;
    long delay_ms, timeout_ms;
    char *url;
    char service[128];
    struct ep_trace_stats st;
} X = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static _Thread_local const struct ep_trace_ctx *current;
static const struct ep_trace_ctx *fallback; /* ep_trace_set_default (atomic) */

void ep_trace_set_default(const struct ep_trace_ctx *c)
{
    __atomic_store_n(&fallback, c, __ATOMIC_RELEASE);
}

const struct ep_trace_ctx *ep_trace_current(void)
{
    return current;
}

const struct ep_trace_ctx *ep_trace_swap(const struct ep_trace_ctx *c)
{
    const struct ep_trace_ctx *prev = current;
    current = c;
    return prev;
}

/* X.running as the hot path reads it: without the lock (a span begun while the exporter
 * starts or stops is recorded or not; either is right) */
static int on_flag;

int ep_trace_enabled(void)
{
    return __atomic_load_n(&on_flag, __ATOMIC_ACQUIRE);
}

static long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* ---- spans ----------------------------------------------------------------------------------- */

void ep_trace_begin(struct ep_trace_span *s, const char *name, int kind,
                    const struct ep_trace_ctx *parent, int root)
{
    s->ctx.valid = 0;
    s->ctx.state[0] = 0;
    s->has_parent = 0;
    s->recording = 0;
    s->attrs = s->events = NULL;
    s->status = 0;
    s->status_msg[0] = 0;
    s->kind = kind;
    snprintf(s->name, sizeof s->name, "%s", name ? name : "");
    if (!parent)
        parent = current ? current : __atomic_load_n(&fallback, __ATOMIC_ACQUIRE);
    int on = ep_trace_enabled();
    if (parent && parent->valid) {
        memcpy(s->ctx.trace_id, parent->trace_id, 16);
        memcpy(s->parent, parent->span_id, 8);
        s->has_parent = 1;
        s->ctx.flags = parent->flags;
        memcpy(s->ctx.state, parent->state, strlen(parent->state) + 1);
    } else if (root || on) {
        random_id(s->ctx.trace_id, 16);
        s->ctx.flags = 1; /* every request is sampled */
    } else {
        return;
    }
    random_id(s->ctx.span_id, 8);
    s->ctx.valid = 1;
    s->start_ns = now_ns();
    if (on && (s->ctx.flags & 1)) {
        s->attrs = json_array();
        s->events = json_array();
        s->recording = s->attrs && s->events;
    }
}

static void kv(json_t *attrs, const char *key, const char *type, json_t *v)
{
    if (!attrs || !v) {
        json_decref(v);
        return;
    }
    json_array_append_new(attrs, json_pack("{s:s,s:{s:o}}", "key", key, "value", type, v));
}

void ep_trace_kv_str(json_t *attrs, const char *key, const char *v)
{
    if (attrs)
        kv(attrs, key, "stringValue", json_string(v ? v : ""));
}

void ep_trace_kv_int(json_t *attrs, const char *key, long long v)
{
    char t[24];
    snprintf(t, sizeof t, "%lld", v); /* OTLP JSON: 64-bit integers are strings */
    if (attrs)
        kv(attrs, key, "intValue", json_string(t));
}

void ep_trace_kv_double(json_t *attrs, const char *key, double v)
{
    if (attrs)
        kv(attrs, key, "doubleValue", json_real(v));
}

void ep_trace_attr_str(struct ep_trace_span *s, const char *key, const char *v)
{
    if (s->recording)
        ep_trace_kv_str(s->attrs, key, v);
}

void ep_trace_attr_int(struct ep_trace_span *s, const char *key, long long v)
{
    if (s->recording)
        ep_trace_kv_int(s->attrs, key, v);
}

void ep_trace_attr_bool(struct ep_trace_span *s, const char *key, int v)
{
    if (s->recording)
        kv(s->attrs, key, "boolValue", json_boolean(v));
}

void ep_trace_attr_double(struct ep_trace_span *s, const char *key, double v)
{
    if (s->recording)
        ep_trace_kv_double(s->attrs, key, v);
}

static json_t *nanos(long long ns)
{
    char t[24];
    snprintf(t, sizeof t, "%lld", ns);
    return json_string(t);
}

json_t *ep_trace_event(struct ep_trace_span *s, const char *name)
{
    if (!s->recording)
        return NULL;
    json_t *a = json_array();
    json_t *e = a ? json_pack("{s:o,s:s,s:o}", "timeUnixNano", nanos(now_ns()), "name", name,
                              "attributes", a)
                  : NULL;
    if (!e)
        return NULL;
    json_array_append_new(s->events, e);
    return a;
}

void ep_trace_error(struct ep_trace_span *s, const char *msg)
{
    s->status = 2;
    snprintf(s->status_msg, sizeof s->status_msg, "%s", msg ? msg : "");
}

/* Take a span into the queue (steals it); 0 when the queue was full (then the caller drops it). */
static int enqueue(json_t *span)
{
    pthread_mutex_lock(&X.mu);
    int ok = X.running && !X.stopping && X.qn < X.qmax;
    if (ok) {
        X.q[(X.qhead + X.qn) % X.qmax] = span;
        X.qn++;
        if (X.qn >= X.batch_max)
            pthread_cond_signal(&X.cv);
    } else if (X.stopping) {
        X.st.dropped_stop++;
    } else if (X.running) {
        X.st.dropped_full++;
    }
    pthread_mutex_unlock(&X.mu);
    return ok;
}

void ep_trace_end(struct ep_trace_span *s)
{
    if (!s->ctx.valid || !s->recording) {
        json_decref(s->attrs);
        json_decref(s->events);
        s->attrs = s->events = NULL;
        s->recording = 0;
        return;
    }
    char tid[33], sid[17], pid[17];
    ep_trace_hex(s->ctx.trace_id, 16, tid);
    ep_trace_hex(s->ctx.span_id, 8, sid);
    ep_trace_hex(s->parent, 8, pid);
    json_t *o =
        json_pack("{s:s,s:s,s:s,s:i,s:o,s:o,s:o,s:o}", "traceId", tid, "spanId", sid, "name",
                  s->name, "kind", s->kind, "startTimeUnixNano", nanos(s->start_ns),
                  "endTimeUnixNano", nanos(now_ns()), "attributes", s->attrs, "events", s->events);
    s->attrs = s->events = NULL;
    s->recording = 0;
    if (!o)
        return;
    if (s->has_parent)
        json_object_set_new(o, "parentSpanId", json_string(pid));
    if (s->ctx.state[0])
        json_object_set_new(o, "traceState", json_string(s->ctx.state));
    json_object_set_new(o, "status",
                        s->status == 2 ? json_pack("{s:i,s:s}", "code", 2, "message", s->status_msg)
                                       : json_object());
    if (!enqueue(o))
        json_decref(o);
}

/* ---- export ---------------------------------------------------------------------------------- */

static size_t on_reply(char *p, size_t sz, size_t n, void *ud)
{
    struct ep_buf *b = ud;
    size_t k = sz * n;
    if (ep_buf_append(b, p, k)) /* beyond the cap: the rest is not needed */
        return k;
    return k;
}

/* POST one batch (steals the spans); updates the counters. */
static void post_batch(CURL *e, json_t **spans, size_t n, long timeout_ms)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, spans[i]);
    json_t *doc = json_pack("{s:[{s:{s:[{s:s,s:{s:s}},{s:s,s:{s:s}}]},s:[{s:{s:s,s:s},s:o}]}]}",
                            "resourceSpans", "resource", "attributes", "key", "service.name",
                            "value", "stringValue", X.service, "key", "service.version", "value",
                            "stringValue", EP_VERSION, "scopeSpans", "scope", "name", "epintel",
                            "version", EP_VERSION, "spans", arr);
    char *body = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    long status = 0;
    struct ep_buf reply;
    ep_buf_init(&reply, 64 << 10);
    CURLcode cc = CURLE_OUT_OF_MEMORY;
    if (body) {
        struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
        curl_easy_setopt(e, CURLOPT_URL, X.url);
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(e, CURLOPT_USERAGENT, "epintel/" EP_VERSION);
        curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_reply);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, &reply);
        cc = curl_easy_perform(e);
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, NULL);
        curl_slist_free_all(h);
        free(body);
    }
    unsigned long long rejected = 0;
    int ok = cc == CURLE_OK && status >= 200 && status < 300;
    if (ok && reply.len) { /* OTLP partial success: some spans refused */
        json_t *r = json_loadb(reply.data, reply.len, 0, NULL);
        json_t *rs = json_object_get(json_object_get(r, "partialSuccess"), "rejectedSpans");
        long long k = json_is_string(rs)    ? atoll(json_string_value(rs))
                      : json_is_integer(rs) ? (long long)json_integer_value(rs)
                                            : 0;
        rejected = k > 0 && (size_t)k <= n ? (unsigned long long)k : 0;
        json_decref(r);
    }
    ep_buf_free(&reply);
    pthread_mutex_lock(&X.mu);
    X.st.batches++;
    if (ok) {
        X.st.exported += n - rejected;
        X.st.rejected += rejected;
    } else {
        X.st.failed_batches++;
        X.st.dropped_error += n;
    }
    pthread_mutex_unlock(&X.mu);
}

static void *exporter(void *arg)
{
    (void)arg;
    CURL *e = curl_easy_init();
    json_t **batch = calloc(X.batch_max, sizeof *batch);
    pthread_mutex_lock(&X.mu);
    for (;;) {
        if (!X.stopping && X.qn < X.batch_max) {
            struct timespec dl;
            clock_gettime(CLOCK_REALTIME, &dl);
            dl.tv_sec += X.delay_ms / 1000;
            dl.tv_nsec += (X.delay_ms % 1000) * 1000000L;
            if (dl.tv_nsec >= 1000000000L) {
                dl.tv_sec++;
                dl.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&X.cv, &X.mu, &dl);
        }
        if (X.qn == 0) {
            if (X.stopping)
                break;
            continue;
        }
        long timeout = X.timeout_ms;
        if (X.stopping) {
            double left = X.deadline - ep_now();
            if (left <= 0.001 || !e || !batch) {
                X.st.dropped_stop += X.qn;
                while (X.qn) {
                    json_decref(X.q[X.qhead]);
                    X.qhead = (X.qhead + 1) % X.qmax;
                    X.qn--;
                }
                break;
            }
            if (left * 1000 < (double)timeout)
                timeout = (long)(left * 1000) + 1;
        }
        if (!e || !batch) { /* out of memory at the start: nothing can be sent */
            X.st.dropped_error += X.qn;
            while (X.qn) {
                json_decref(X.q[X.qhead]);
                X.qhead = (X.qhead + 1) % X.qmax;
                X.qn--;
            }
            continue;
        }
        size_t n = 0;
        while (X.qn && n < X.batch_max) {
            batch[n++] = X.q[X.qhead];
            X.qhead = (X.qhead + 1) % X.qmax;
            X.qn--;
        }
        pthread_mutex_unlock(&X.mu);
        post_batch(e, batch, n, timeout);
        pthread_mutex_lock(&X.mu);
    }
    pthread_mutex_unlock(&X.mu);
    free(batch);
    if (e)
        curl_easy_cleanup(e);
    return NULL;
}

/* A positive integer from an environment variable, else def; -1 when set but not one. */
static long env_num(const char *name, long def, long hi)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return def;
    char *end = NULL;
    errno = 0;
    long n = strtol(v, &end, 10);
    return *end || errno || n < 1 || n > hi ? -1 : n;
}

int ep_trace_start(const char *url, struct ep_error *err)
{
    if (!url || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) ||
        strlen(url) > 2000)
        return ep_error_set(err, EP_EINVAL,
                            "OTLP endpoint \"%.200s\": needs an http:// or https:// URL, the "
                            "collector's OTLP/HTTP base (e.g. http://127.0.0.1:4318); spans go "
                            "to URL/v1/traces",
                            url ? url : "");
    static const struct {
        const char *name;
        long def, hi;
    } vars[] = {{"OTEL_BSP_MAX_QUEUE_SIZE", 2048, 1 << 20},
                {"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 512, 1 << 20},
                {"OTEL_BSP_SCHEDULE_DELAY", 1000, 3600000},
                {"OTEL_EXPORTER_OTLP_TIMEOUT", 10000, 3600000}};
    long v[4];
    for (int i = 0; i < 4; i++)
        if ((v[i] = env_num(vars[i].name, vars[i].def, vars[i].hi)) < 0)
            return ep_error_set(err, EP_EINVAL, "%s=\"%.40s\": needs a whole number from 1 to %ld",
                                vars[i].name, getenv(vars[i].name), vars[i].hi);
    pthread_mutex_lock(&X.mu);
    int busy = X.running;
    pthread_mutex_unlock(&X.mu);
    if (busy)
        return ep_error_set(err, EP_EINVAL, "the trace exporter is already running");
    size_t ul = strlen(url);
    while (ul > 0 && url[ul - 1] == '/')
        ul--;
    char *full = malloc(ul + 16);
    json_t **q = calloc((size_t)v[0], sizeof *q);
    if (!full || !q) {
        free(full);
        free(q);
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    memcpy(full, url, ul);
    memcpy(full + ul, "/v1/traces", 11);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        free(full);
        free(q);
        return ep_error_set(err, EP_EIO, "libcurl could not be initialised");
    }
    const char *svc = getenv("OTEL_SERVICE_NAME");
    pthread_mutex_lock(&X.mu);
    X.url = full;
    X.q = q;
    X.qmax = (size_t)v[0];
    X.batch_max = (size_t)v[1] < X.qmax ? (size_t)v[1] : X.qmax;
    X.delay_ms = v[2];
    X.timeout_ms = v[3];
    X.qhead = X.qn = 0;
    snprintf(X.service, sizeof X.service, "%s", svc && *svc ? svc : "epintel");
    memset(&X.st, 0, sizeof X.st);
    X.stopping = 0;
    X.running = 1;
    int rc = pthread_create(&X.th, NULL, exporter, NULL);
    if (!rc)
        __atomic_store_n(&on_flag, 1, __ATOMIC_RELEASE);
    else {
        X.running = 0;
        X.url = NULL;
        X.q = NULL;
    }
    pthread_mutex_unlock(&X.mu);
    if (rc) {
        free(full);
        free(q);
        curl_global_cleanup();
        return ep_error_set(err, EP_EIO, "cannot start the trace exporter thread: %s",
                            strerror(rc));
    }
    return 0;
}

void ep_trace_stop(double wait_s)
{
    pthread_mutex_lock(&X.mu);
    if (!X.running || X.stopping) {
        pthread_mutex_unlock(&X.mu);
        return;
    }
    X.stopping = 1;
    __atomic_store_n(&on_flag, 0, __ATOMIC_RELEASE);
    X.deadline = ep_now() + (wait_s > 0 ? wait_s : 0);
    pthread_cond_signal(&X.cv);
    pthread_mutex_unlock(&X.mu);
    pthread_join(X.th, NULL);
    pthread_mutex_lock(&X.mu);
    X.running = 0;
    X.stopping = 0;
    free(X.q);
    free(X.url);
    X.q = NULL;
    X.url = NULL;
    X.qn = 0;
    pthread_mutex_unlock(&X.mu);
    curl_global_cleanup();
}

void ep_trace_stats(struct ep_trace_stats *out)
{
    pthread_mutex_lock(&X.mu);
    *out = X.st;
    out->enabled = X.running;
    out->queued = X.qn;
    pthread_mutex_unlock(&X.mu);
}

int ep_trace_metrics(struct ep_buf *b)
{
    struct ep_trace_stats s;
    ep_trace_stats(&s);
    if (!s.enabled)
        return 0;
    int rc = ep_buf_printf(
        b,
        "# HELP epintel_trace_spans_exported_total Spans the OTLP collector accepted.\n"
        "# TYPE epintel_trace_spans_exported_total counter\n"
        "epintel_trace_spans_exported_total %llu\n"
        "# HELP epintel_trace_spans_dropped_total Spans not exported: the queue was full, the "
        "export failed, the collector rejected them, or the shutdown wait ran out.\n"
        "# TYPE epintel_trace_spans_dropped_total counter\n"
        "epintel_trace_spans_dropped_total{reason=\"queue_full\"} %llu\n"
        "epintel_trace_spans_dropped_total{reason=\"export_failed\"} %llu\n"
        "epintel_trace_spans_dropped_total{reason=\"rejected\"} %llu\n"
        "epintel_trace_spans_dropped_total{reason=\"shutdown\"} %llu\n"
        "# HELP epintel_trace_export_batches_total OTLP export requests, by outcome.\n"
        "# TYPE epintel_trace_export_batches_total counter\n"
        "epintel_trace_export_batches_total{outcome=\"ok\"} %llu\n"
        "epintel_trace_export_batches_total{outcome=\"failed\"} %llu\n"
        "# HELP epintel_trace_queue_spans Spans waiting for export.\n"
        "# TYPE epintel_trace_queue_spans gauge\n"
        "epintel_trace_queue_spans %zu\n",
        s.exported, s.dropped_full, s.dropped_error, s.rejected, s.dropped_stop,
        s.batches - s.failed_batches, s.failed_batches, s.queued);
    return rc ? EP_ENOMEM : 0;
}
