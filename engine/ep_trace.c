/* ep_trace: W3C Trace Context and OTLP/HTTP JSON export. See ep_trace.h. */
#include "ep_trace.h"

#include "ep_crypto.h"
#include "ep_curl.h"
#include <errno.h>
#include <jansson.h>
#include <math.h>
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
    out[0] = '0';
    out[1] = '0';
    out[2] = '-';
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
    char **q; /* ring of spans (their OTLP JSON text, owned), cap qmax */
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

/* s as a JSON string (quotes included), escaped. A string that is not UTF-8 (a client's URL
 * may be anything) has its bytes above 0x7f written as '?': one bad value must not make the
 * whole batch invalid JSON, which a collector refuses. */
static int put_str(struct ep_buf *b, const char *s)
{
    if (!s)
        s = "";
    size_t n = strlen(s);
    char *t = NULL;
    if (!ep_utf8_valid(s, n)) {
        if (!(t = malloc(n + 1)))
            return EP_ENOMEM;
        memcpy(t, s, n + 1);
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)t[i] > 0x7f)
                t[i] = '?';
        s = t;
    }
    int rc = ep_buf_putc(b, '"');
    for (const char *p = s; !rc && *p;) {
        size_t run = strcspn(p, "\"\\\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f"
                                "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f");
        if (run)
            rc = ep_buf_append(b, p, run);
        p += run;
        if (!rc && *p) {
            unsigned char c = (unsigned char)*p++;
            rc = c == '"' || c == '\\' ? ep_buf_printf(b, "\\%c", c)
                                       : ep_buf_printf(b, "\\u%04x", c);
        }
    }
    free(t);
    return rc ? rc : ep_buf_putc(b, '"');
}

/* A literal (no formatting on the request's path: vfprintf was most of a span's cost). */
static int put_lit(struct ep_buf *b, const char *lit)
{
    return ep_buf_append(b, lit, strlen(lit));
}

/* v in decimal. */
static int put_ll(struct ep_buf *b, long long v)
{
    char t[24], *p = t + sizeof t;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    return ep_buf_append(b, p, (size_t)(t + sizeof t - p));
}

/* "key":"<hex of n bytes>", */
static int put_hexid(struct ep_buf *b, const char *key, const unsigned char *id, size_t n)
{
    char h[33];
    ep_trace_hex(id, n, h);
    return put_lit(b, key) || ep_buf_append(b, h, 2 * n) || ep_buf_append(b, "\",", 2);
}

/* Stop recording s (out of memory): it is not exported. */
static void unrecord(struct ep_trace_span *s)
{
    ep_buf_free(&s->j);
    ep_buf_free(&s->ev);
    s->recording = 0;
}

void ep_trace_begin(struct ep_trace_span *s, const char *name, int kind,
                    const struct ep_trace_ctx *parent, int root)
{
    s->ctx.valid = 0;
    s->ctx.state[0] = 0;
    s->has_parent = 0;
    s->recording = 0;
    s->nattrs = s->nev = s->ev_attrs = 0;
    ep_buf_init(&s->j, 0);
    ep_buf_init(&s->ev, 0);
    s->status = 0;
    s->status_msg[0] = 0;
    s->kind = kind;
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
    if (!on || !(s->ctx.flags & 1))
        return;
    /* one allocation for the usual span (its text is 300 to 700 bytes) */
    if ((s->j.data = malloc(1024)) != NULL) {
        s->j.alloc = 1024;
        s->j.data[0] = 0;
    }
    int rc = put_hexid(&s->j, "{\"traceId\":\"", s->ctx.trace_id, 16) ||
             put_hexid(&s->j, "\"spanId\":\"", s->ctx.span_id, 8);
    if (!rc && s->has_parent)
        rc = put_hexid(&s->j, "\"parentSpanId\":\"", s->parent, 8);
    if (!rc && s->ctx.state[0])
        rc = ep_buf_append(&s->j, "\"traceState\":", 13) || put_str(&s->j, s->ctx.state) ||
             ep_buf_putc(&s->j, ',');
    if (!rc)
        rc = put_lit(&s->j, "\"name\":") || put_str(&s->j, name) || put_lit(&s->j, ",\"kind\":") ||
             put_ll(&s->j, kind) || put_lit(&s->j, ",\"startTimeUnixNano\":\"") ||
             put_ll(&s->j, now_ns()) || put_lit(&s->j, "\",\"attributes\":[");
    s->recording = 1;
    if (rc)
        unrecord(s);
}

/* ,{"key":K,"value":{"TYPE": ... the value follows; the caller closes with }} */
static int kv_head(struct ep_buf *b, int n, const char *key, const char *type)
{
    return (n && ep_buf_putc(b, ',')) || ep_buf_append(b, "{\"key\":", 7) || put_str(b, key) ||
           put_lit(b, ",\"value\":{\"") || put_lit(b, type) || put_lit(b, "\":");
}

static void kv_str(struct ep_trace_span *s, struct ep_buf *b, int *n, const char *k, const char *v)
{
    if (kv_head(b, (*n)++, k, "stringValue") || put_str(b, v) || ep_buf_append(b, "}}", 2))
        unrecord(s);
}

static void kv_int(struct ep_trace_span *s, struct ep_buf *b, int *n, const char *k, long long v)
{
    /* OTLP JSON: 64-bit integers are strings */
    if (kv_head(b, (*n)++, k, "intValue") || ep_buf_putc(b, '"') || put_ll(b, v) ||
        put_lit(b, "\"}}"))
        unrecord(s);
}

static void kv_double(struct ep_trace_span *s, struct ep_buf *b, int *n, const char *k, double v)
{
    if (kv_head(b, (*n)++, k, "doubleValue") ||
        (isfinite(v) ? ep_buf_printf(b, "%.17g}}", v) : ep_buf_append(b, "\"NaN\"}}", 7)))
        unrecord(s);
}

void ep_trace_attr_str(struct ep_trace_span *s, const char *key, const char *v)
{
    if (s->recording)
        kv_str(s, &s->j, &s->nattrs, key, v);
}

void ep_trace_attr_int(struct ep_trace_span *s, const char *key, long long v)
{
    if (s->recording)
        kv_int(s, &s->j, &s->nattrs, key, v);
}

void ep_trace_attr_bool(struct ep_trace_span *s, const char *key, int v)
{
    if (s->recording &&
        (kv_head(&s->j, s->nattrs++, key, "boolValue") || put_lit(&s->j, v ? "true}}" : "false}}")))
        unrecord(s);
}

void ep_trace_attr_double(struct ep_trace_span *s, const char *key, double v)
{
    if (s->recording)
        kv_double(s, &s->j, &s->nattrs, key, v);
}

int ep_trace_event(struct ep_trace_span *s, const char *name)
{
    if (!s->recording)
        return 0;
    if ((s->nev && ep_buf_append(&s->ev, "]},", 3)) ||
        ep_buf_printf(&s->ev, "{\"timeUnixNano\":\"%lld\",\"name\":", now_ns()) ||
        put_str(&s->ev, name) || ep_buf_append(&s->ev, ",\"attributes\":[", 15)) {
        unrecord(s);
        return 0;
    }
    s->nev++;
    s->ev_attrs = 0;
    return 1;
}

void ep_trace_event_str(struct ep_trace_span *s, const char *key, const char *v)
{
    if (s->recording && s->nev)
        kv_str(s, &s->ev, &s->ev_attrs, key, v);
}

void ep_trace_event_int(struct ep_trace_span *s, const char *key, long long v)
{
    if (s->recording && s->nev)
        kv_int(s, &s->ev, &s->ev_attrs, key, v);
}

void ep_trace_event_double(struct ep_trace_span *s, const char *key, double v)
{
    if (s->recording && s->nev)
        kv_double(s, &s->ev, &s->ev_attrs, key, v);
}

void ep_trace_error(struct ep_trace_span *s, const char *msg)
{
    s->status = 2;
    snprintf(s->status_msg, sizeof s->status_msg, "%s", msg ? msg : "");
}

/* Take a span's text into the queue (steals it); 0 when it was not taken (the caller frees). */
static int enqueue(char *span)
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
    if (!s->recording) {
        ep_buf_free(&s->j);
        ep_buf_free(&s->ev);
        return;
    }
    s->recording = 0;
    struct ep_buf *b = &s->j;
    int rc = ep_buf_append(b, "],\"events\":[", 12) ||
             (s->nev && (ep_buf_append(b, s->ev.data, s->ev.len) || ep_buf_append(b, "]}", 2))) ||
             put_lit(b, "],\"endTimeUnixNano\":\"") || put_ll(b, now_ns()) ||
             put_lit(b, "\",\"status\":{");
    if (!rc && s->status == 2)
        rc = ep_buf_append(b, "\"code\":2,\"message\":", 20) || put_str(b, s->status_msg);
    if (!rc)
        rc = ep_buf_append(b, "}}", 2);
    ep_buf_free(&s->ev);
    char *text = rc ? NULL : ep_buf_steal(b);
    ep_buf_free(b);
    if (text && !enqueue(text))
        free(text);
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

/* libcurl's progress callback: a POST still running when the shutdown wait has run out is
 * aborted, so ep_trace_stop waits no longer than it says. */
static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)ud;
    (void)dt;
    (void)dn;
    (void)ut;
    (void)un;
    pthread_mutex_lock(&X.mu);
    int late = X.stopping && ep_now() >= X.deadline;
    pthread_mutex_unlock(&X.mu);
    return late;
}

/* POST one batch (steals the spans); updates the counters. */
static void post_batch(CURL *e, char **spans, size_t n, long timeout_ms)
{
    struct ep_buf doc;
    ep_buf_init(&doc, 0);
    int brc = ep_buf_printf(&doc, "{\"resourceSpans\":[{\"resource\":{\"attributes\":["
                                  "{\"key\":\"service.name\",\"value\":{\"stringValue\":") ||
              put_str(&doc, X.service) ||
              ep_buf_printf(&doc,
                            "}},{\"key\":\"service.version\",\"value\":{\"stringValue\":"
                            "\"%s\"}}]},\"scopeSpans\":[{\"scope\":{\"name\":\"epintel\","
                            "\"version\":\"%s\"},\"spans\":[",
                            EP_VERSION, EP_VERSION);
    for (size_t i = 0; i < n; i++) {
        if (!brc && i)
            brc = ep_buf_putc(&doc, ',');
        if (!brc)
            brc = ep_buf_append(&doc, spans[i], strlen(spans[i]));
        free(spans[i]);
    }
    if (!brc)
        brc = ep_buf_append(&doc, "]}]}]}", 6);
    char *body = brc ? NULL : ep_buf_steal(&doc);
    ep_buf_free(&doc);
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
        curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
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
        long long k = json_is_string(rs)    ? strtoll(json_string_value(rs), NULL, 10)
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
    char **batch = calloc(X.batch_max, sizeof *batch);
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
                    free(X.q[X.qhead]);
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
                free(X.q[X.qhead]);
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
    char **q = calloc((size_t)v[0], sizeof *q);
    if (!full || !q) {
        free(full);
        free(q);
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    snprintf(full, ul + 16, "%.*s/v1/traces", (int)ul, url);
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
