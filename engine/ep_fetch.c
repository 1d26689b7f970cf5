/* ep_fetch: rate limit -> cache -> breaker -> fetch with retry -> audit. See ep_fetch.h. */
#include "ep_fetch.h"

#include "ep_curl.h"
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ep_trace.h"
#include "ep_util.h"

#ifndef EP_VERSION
#define EP_VERSION "0"
#endif

#define HASH_BUCKETS 4096u

struct endpoint {
    char *name;
    int state, fails;
    int trial_running; /* half-open: a trial request is in flight */
    double opened_at;
    double tokens, refilled_at;
    double ttl;
    int has_ttl;
    long requests, failures, hits, misses, revalidated, stale;
    struct endpoint *next;
};

struct mem_entry {
    char *url;
    long status;
    char *etag, *last_modified;
    double fetched_at;
    char *body;
    size_t len, cost;
    struct mem_entry *prev, *next; /* LRU: head = most recent */
    struct mem_entry *hnext;
};

struct ep_fetch {
    struct ep_fetch_opts o;
    char *base;
    char *base_shown; /* base with its credentials redacted (ep_url_redact), for messages */
    char *audit_path;
    FILE *audit;
    int own_audit;
    struct ep_fetch_clock clock;
    struct endpoint *eps;
    size_t n_eps;
    struct mem_entry *buckets[HASH_BUCKETS];
    struct mem_entry *lru_head, *lru_tail;
    size_t mem_bytes, mem_entries;
    CURLM *multi;
    uint64_t rng;
    struct ep_fetch_totals tot;
    sqlite3_stmt *st_get, *st_put, *st_touch;
};

/* ---- clock --------------------------------------------------------------------------- */

static double real_now(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void real_sleep(void *ctx, double s)
{
    (void)ctx;
    if (s <= 0)
        return;
    struct timespec ts = {(time_t)s, (long)((s - floor(s)) * 1e9)};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
    }
}

static double now_of(const struct ep_fetch *f)
{
    return f->clock.now(f->clock.ctx);
}

static double rand01(struct ep_fetch *f)
{
    /* xorshift64* */
    uint64_t x = f->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    f->rng = x;
    return (double)((x * 0x2545F4914F6CDD1DULL) >> 11) / 9007199254740992.0;
}

/* ---- setup --------------------------------------------------------------------------- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;
static void curl_init(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static const char cache_ddl[] =
    "CREATE TABLE IF NOT EXISTS http_cache(url TEXT PRIMARY KEY, dataset TEXT,"
    " status INTEGER NOT NULL, etag TEXT, last_modified TEXT, fetched_at REAL NOT NULL,"
    " body BLOB, bytes INTEGER NOT NULL DEFAULT 0)";

static int db_prepare(struct ep_fetch *f, struct ep_error *err)
{
    sqlite3 *db = f->o.db;
    char *msg = NULL;
    if (sqlite3_exec(db, cache_ddl, NULL, NULL, &msg) != SQLITE_OK) {
        ep_error_set(err, EP_EDB, "http cache table: %s", msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return EP_EDB;
    }
    if (sqlite3_prepare_v2(db,
                           "SELECT status, etag, last_modified, fetched_at, body FROM http_cache"
                           " WHERE url = ?",
                           -1, &f->st_get, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "INSERT OR REPLACE INTO http_cache(url, dataset, status, etag,"
                           " last_modified, fetched_at, body, bytes) VALUES(?,?,?,?,?,?,?,?)",
                           -1, &f->st_put, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "UPDATE http_cache SET fetched_at = ? WHERE url = ?", -1,
                           &f->st_touch, NULL) != SQLITE_OK)
        return ep_error_set(err, EP_EDB, "http cache statements: %s", sqlite3_errmsg(db));
    return 0;
}

int ep_fetch_new(const struct ep_fetch_opts *opts, struct ep_fetch **out, struct ep_error *err)
{
    *out = NULL;
    pthread_once(&curl_once, curl_init);
    if (curl_init_rc != CURLE_OK)
        return ep_error_set(err, EP_EINTERNAL, "libcurl init: %s",
                            curl_easy_strerror(curl_init_rc));
    struct ep_fetch *f = calloc(1, sizeof *f);
    if (!f)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    if (opts)
        f->o = *opts;
    struct ep_fetch_opts *o = &f->o;
    if (o->connect_timeout_ms <= 0)
        o->connect_timeout_ms = 15000;
    if (o->timeout_ms <= 0)
        o->timeout_ms = 120000;
    if (o->feed_timeout_ms <= 0)
        o->feed_timeout_ms = 200000;
    if (o->max_retries == 0)
        o->max_retries = 3;
    else if (o->max_retries < 0)
        o->max_retries = 0;
    if (o->backoff_base <= 0)
        o->backoff_base = 0.2;
    if (o->retry_after_max <= 0)
        o->retry_after_max = 120;
    if (o->breaker_threshold <= 0)
        o->breaker_threshold = 5;
    if (o->breaker_cooldown <= 0)
        o->breaker_cooldown = 30;
    if (o->bucket_capacity <= 0)
        o->bucket_capacity = 500;
    if (o->bucket_period <= 0)
        o->bucket_period = 300;
    if (o->mem_cache_bytes == 0)
        o->mem_cache_bytes = (size_t)64 << 20;
    if (o->max_body == 0)
        o->max_body = (size_t)256 << 20;
    if (o->parallel <= 0)
        o->parallel = 8;
    if (o->default_ttl <= 0)
        o->default_ttl = 3600;
    if (o->clock)
        f->clock = *o->clock;
    else
        f->clock = (struct ep_fetch_clock){NULL, real_now, real_sleep};
    o->clock = NULL;

    const char *base = o->base_url;
    if (!base || !*base)
        base = getenv("EP_API_URL");
    if (!base || !*base)
        base = EP_FETCH_DEFAULT_URL;
    if (strncmp(base, "http://", 7) != 0 && strncmp(base, "https://", 8) != 0) {
        ep_fetch_free(f);
        return ep_error_set(err, EP_EINVAL,
                            "API base URL '%s' must start with http:// or https:// (set "
                            "EP_API_URL or the --api-url option)",
                            base);
    }
    size_t bl = strlen(base);
    f->base = malloc(bl + 2);
    if (!f->base) {
        ep_fetch_free(f);
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    memcpy(f->base, base, bl + 1);
    if (base[bl - 1] != '/') {
        f->base[bl] = '/';
        f->base[bl + 1] = 0;
    }
    o->base_url = f->base;
    if (!(f->base_shown = ep_url_redact(f->base))) {
        ep_fetch_free(f);
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    }

    if (o->audit) {
        f->audit = o->audit;
    } else if (o->audit_path && *o->audit_path) {
        struct ep_error e = {0};
        f->audit = ep_log_open(o->audit_path, &e);
        if (!f->audit) {
            ep_fetch_free(f);
            return ep_error_set(err, e.code, "audit log %s", e.msg);
        }
        f->own_audit = 1;
    }
    o->audit_path = NULL;

    f->rng = o->seed ? o->seed : (uint64_t)(now_of(f) * 1e6);
    f->rng = f->rng * 0x9E3779B97F4A7C15ULL + 1;

    f->multi = curl_multi_init();
    if (!f->multi) {
        ep_fetch_free(f);
        return ep_error_set(err, EP_EINTERNAL, "curl_multi_init failed");
    }
    curl_multi_setopt(f->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 64L);
    curl_multi_setopt(f->multi, CURLMOPT_MAXCONNECTS, 64L);

    if (o->db) {
        int rc = db_prepare(f, err);
        if (rc) {
            ep_fetch_free(f);
            return rc;
        }
    }
    *out = f;
    return 0;
}

static void mem_entry_free(struct mem_entry *e)
{
    if (!e)
        return;
    free(e->url);
    free(e->etag);
    free(e->last_modified);
    free(e->body);
    free(e);
}

void ep_fetch_free(struct ep_fetch *f)
{
    if (!f)
        return;
    sqlite3_finalize(f->st_get);
    sqlite3_finalize(f->st_put);
    sqlite3_finalize(f->st_touch);
    if (f->multi)
        curl_multi_cleanup(f->multi);
    for (struct mem_entry *e = f->lru_head; e;) {
        struct mem_entry *nx = e->next;
        mem_entry_free(e);
        e = nx;
    }
    for (struct endpoint *p = f->eps; p;) {
        struct endpoint *nx = p->next;
        free(p->name);
        free(p);
        p = nx;
    }
    if (f->own_audit && f->audit)
        fclose(f->audit);
    free(f->base);
    free(f->base_shown);
    free(f);
}

sqlite3 *ep_fetch_cache_db(const struct ep_fetch *f)
{
    return f ? f->o.db : NULL;
}

const char *ep_fetch_base_url(const struct ep_fetch *f)
{
    return f->base_shown;
}

/* ---- endpoints: token bucket and breaker ---------------------------------------------- */

static struct endpoint *endpoint_get(struct ep_fetch *f, const char *name, size_t n)
{
    for (struct endpoint *p = f->eps; p; p = p->next)
        if (strlen(p->name) == n && memcmp(p->name, name, n) == 0)
            return p;
    struct endpoint *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->name = strndup(name, n);
    if (!p->name) {
        free(p);
        return NULL;
    }
    p->tokens = f->o.bucket_capacity;
    p->refilled_at = now_of(f);
    /* append, so that ep_fetch_endpoint_stats indexes stay stable */
    struct endpoint **pp = &f->eps;
    while (*pp)
        pp = &(*pp)->next;
    *pp = p;
    f->n_eps++;
    return p;
}

static struct endpoint *endpoint_for(struct ep_fetch *f, const struct ep_fetch_req *req)
{
    if (req->endpoint && *req->endpoint)
        return endpoint_get(f, req->endpoint, strlen(req->endpoint));
    const char *p = req->path ? req->path : "";
    while (*p == '/')
        p++;
    size_t n = strcspn(p, "/?");
    return endpoint_get(f, n ? p : "-", n ? n : 1);
}

int ep_fetch_set_ttl(struct ep_fetch *f, const char *dataset, double ttl, struct ep_error *err)
{
    if (!dataset || !*dataset)
        return ep_error_set(err, EP_EINVAL, "cache TTL: empty dataset name");
    struct endpoint *p = endpoint_get(f, dataset, strlen(dataset));
    if (!p)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    p->ttl = ttl;
    p->has_ttl = 1;
    return 0;
}

static double ttl_of(const struct ep_fetch *f, const struct endpoint *p)
{
    return p->has_ttl ? p->ttl : f->o.default_ttl;
}

static void bucket_refill(struct ep_fetch *f, struct endpoint *p, double now)
{
    double rate = f->o.bucket_capacity / f->o.bucket_period;
    if (now > p->refilled_at) {
        p->tokens += (now - p->refilled_at) * rate;
        if (p->tokens > f->o.bucket_capacity)
            p->tokens = f->o.bucket_capacity;
    }
    p->refilled_at = now;
}

/* Breaker state as of now (an open breaker whose cool-down passed reads half-open). */
static int breaker_now(const struct ep_fetch *f, const struct endpoint *p, double now)
{
    if (p->state == EP_BREAKER_OPEN && now - p->opened_at >= f->o.breaker_cooldown)
        return EP_BREAKER_HALF_OPEN;
    return p->state;
}

const char *ep_fetch_breaker_name(int state)
{
    switch (state) {
    case EP_BREAKER_OPEN: return "open";
    case EP_BREAKER_HALF_OPEN: return "half-open";
    default: return "closed";
    }
}

static void breaker_failure(struct ep_fetch *f, struct endpoint *p, double now)
{
    p->fails++;
    p->failures++;
    if (p->state == EP_BREAKER_HALF_OPEN ||
        (p->state == EP_BREAKER_CLOSED && p->fails >= f->o.breaker_threshold)) {
        p->state = EP_BREAKER_OPEN;
        p->opened_at = now;
    }
}

static void breaker_success(struct endpoint *p)
{
    p->fails = 0;
    p->state = EP_BREAKER_CLOSED;
}

/* ---- memory cache -------------------------------------------------------------------- */

static unsigned url_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h % HASH_BUCKETS;
}

static struct mem_entry *mem_find(struct ep_fetch *f, const char *url)
{
    for (struct mem_entry *e = f->buckets[url_hash(url)]; e; e = e->hnext)
        if (strcmp(e->url, url) == 0)
            return e;
    return NULL;
}

static void lru_unlink(struct ep_fetch *f, struct mem_entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        f->lru_head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        f->lru_tail = e->prev;
    e->prev = e->next = NULL;
}

static void lru_push_front(struct ep_fetch *f, struct mem_entry *e)
{
    e->next = f->lru_head;
    e->prev = NULL;
    if (f->lru_head)
        f->lru_head->prev = e;
    f->lru_head = e;
    if (!f->lru_tail)
        f->lru_tail = e;
}

static void mem_remove(struct ep_fetch *f, struct mem_entry *e)
{
    struct mem_entry **pp = &f->buckets[url_hash(e->url)];
    while (*pp && *pp != e)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = e->hnext;
    lru_unlink(f, e);
    f->mem_bytes -= e->cost;
    f->mem_entries--;
    mem_entry_free(e);
}

/* Store a copy (failure to allocate just means no memory caching). */
static void mem_put(struct ep_fetch *f, const char *url, long status, const char *etag,
                    const char *lm, double fetched_at, const char *body, size_t len)
{
    struct mem_entry *old = mem_find(f, url);
    if (old)
        mem_remove(f, old);
    size_t cost = len + strlen(url) + sizeof(struct mem_entry) + 64;
    if (cost > f->o.mem_cache_bytes)
        return;
    struct mem_entry *e = calloc(1, sizeof *e);
    if (!e)
        return;
    e->url = strdup(url);
    e->etag = ep_strdup0(etag);
    e->last_modified = ep_strdup0(lm);
    e->body = malloc(len + 1);
    if (!e->url || (etag && !e->etag) || (lm && !e->last_modified) || !e->body) {
        mem_entry_free(e);
        return;
    }
    if (len)
        memcpy(e->body, body, len);
    e->body[len] = 0;
    e->len = len;
    e->cost = cost;
    e->status = status;
    e->fetched_at = fetched_at;
    while (f->lru_tail && f->mem_bytes + cost > f->o.mem_cache_bytes)
        mem_remove(f, f->lru_tail);
    unsigned h = url_hash(url);
    e->hnext = f->buckets[h];
    f->buckets[h] = e;
    lru_push_front(f, e);
    f->mem_bytes += cost;
    f->mem_entries++;
}

/* ---- cache lookups across both tiers --------------------------------------------------- */

struct cached {
    int found;
    long status;
    char *etag, *last_modified, *body;
    size_t len;
    double fetched_at;
};

static void cached_free(struct cached *c)
{
    free(c->etag);
    free(c->last_modified);
    free(c->body);
    memset(c, 0, sizeof *c);
}

static int cache_get(struct ep_fetch *f, const char *url, struct cached *c)
{
    memset(c, 0, sizeof *c);
    struct mem_entry *e = mem_find(f, url);
    if (e) {
        lru_unlink(f, e);
        lru_push_front(f, e);
        c->etag = ep_strdup0(e->etag);
        c->last_modified = ep_strdup0(e->last_modified);
        c->body = malloc(e->len + 1);
        if (!c->body || (e->etag && !c->etag) || (e->last_modified && !c->last_modified)) {
            cached_free(c);
            return EP_ENOMEM;
        }
        memcpy(c->body, e->body, e->len + 1);
        c->len = e->len;
        c->status = e->status;
        c->fetched_at = e->fetched_at;
        c->found = 1;
        return 0;
    }
    if (!f->st_get)
        return 0;
    sqlite3_stmt *st = f->st_get;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, url, -1, SQLITE_STATIC);
    int rc = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        c->status = sqlite3_column_int(st, 0);
        c->etag = ep_strdup0((const char *)sqlite3_column_text(st, 1));
        c->last_modified = ep_strdup0((const char *)sqlite3_column_text(st, 2));
        c->fetched_at = sqlite3_column_double(st, 3);
        const void *b = sqlite3_column_blob(st, 4);
        int n = sqlite3_column_bytes(st, 4);
        c->body = malloc((size_t)n + 1);
        if (!c->body) {
            rc = EP_ENOMEM;
        } else {
            if (n)
                memcpy(c->body, b, (size_t)n);
            c->body[n] = 0;
            c->len = (size_t)n;
            c->found = 1;
            mem_put(f, url, c->status, c->etag, c->last_modified, c->fetched_at, c->body, c->len);
        }
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc)
        cached_free(c);
    return rc;
}

static void cache_put(struct ep_fetch *f, const char *url, const char *dataset, long status,
                      const char *etag, const char *lm, double at, const char *body, size_t len)
{
    mem_put(f, url, status, etag, lm, at, body, len);
    if (!f->st_put)
        return;
    sqlite3_stmt *st = f->st_put;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, url, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, dataset, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, status);
    sqlite3_bind_text(st, 4, etag, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, lm, -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 6, at);
    sqlite3_bind_blob64(st, 7, body ? body : "", len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 8, (sqlite3_int64)len);
    (void)sqlite3_step(st); /* a failing disk tier only loses caching */
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

static void cache_touch(struct ep_fetch *f, const char *url, double at)
{
    struct mem_entry *e = mem_find(f, url);
    if (e)
        e->fetched_at = at;
    if (!f->st_touch)
        return;
    sqlite3_reset(f->st_touch);
    sqlite3_bind_double(f->st_touch, 1, at);
    sqlite3_bind_text(f->st_touch, 2, url, -1, SQLITE_STATIC);
    (void)sqlite3_step(f->st_touch);
    sqlite3_reset(f->st_touch);
    sqlite3_clear_bindings(f->st_touch);
}

/* ---- one request in flight ------------------------------------------------------------- */

enum { SLOT_PENDING, SLOT_RUNNING, SLOT_DONE };

struct slot {
    struct ep_fetch *f;
    const struct ep_fetch_req *req;
    struct ep_fetch_result *res;
    struct endpoint *ep;
    struct cached c; /* candidate for revalidation or stale serving */
    int state, attempt, trial;
    double not_before, t_start, t_attempt;
    CURL *easy;
    struct curl_slist *hdrs;
    struct ep_buf body;
    char errbuf[CURL_ERROR_SIZE];
    char *etag, *last_modified;
    double retry_after; /* seconds, < 0 none */
    long content_length;
    int encoded;
    char why[512];   /* last failure */
    double deadline; /* f's clock; 0 = none (req->budget_s) */
    char *url;       /* the full URL requested, credentials included: for libcurl and the cache
                        keys only; messages and the audit show res->url (redacted) */
    /* downloads to a file (req->dest) */
    int fd;                       /* dest.part, or -1 */
    char *part, *partv;           /* dest.part and the file holding its validator */
    long long have;               /* bytes of dest.part before this attempt */
    long long wrote;              /* bytes this attempt wrote to it */
    long hstatus;                 /* status of the response being received */
    long long cr_start, cr_total; /* its Content-Range, -1 = none */
    int body_mode;                /* 0 undecided, 1 to the file, 2 to memory (an error answer) */
    int io_errno;                 /* a write to the file failed */
    int range_bad;                /* a 206 not for the range asked */
    struct ep_trace_span span;    /* the request's span, retries included (ep_trace.h) */
};

static void json_str(FILE *out, const char *s)
{
    fputc('"', out);
    for (; s && *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(out, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(out, "\\u%04x", ch);
        else
            fputc(ch, out);
    }
    fputc('"', out);
}

static void audit(struct slot *s, long status, const char *cache, const char *outcome,
                  const char *error)
{
    struct ep_fetch *f = s->f;
    double now = now_of(f);
    if (ep_trace_event(&s->span, strcmp(outcome, "rejected") == 0 ? "breaker_open" : "attempt")) {
        ep_trace_event_int(&s->span, "epintel.fetch.attempt", s->attempt);
        if (status)
            ep_trace_event_int(&s->span, "http.response.status_code", status);
        ep_trace_event_str(&s->span, "epintel.fetch.outcome", outcome);
        ep_trace_event_str(&s->span, "epintel.fetch.breaker",
                           ep_fetch_breaker_name(breaker_now(f, s->ep, now)));
        if (error && *error)
            ep_trace_event_str(&s->span, "error.message", error);
    }
    if (!f->audit)
        return;
    time_t t = (time_t)real_now(NULL);
    struct tm tm;
    char ts[32];
    gmtime_r(&t, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    double lat = s->t_attempt > 0 ? (now - s->t_attempt) * 1000.0 : 0.0;
    fprintf(f->audit, "{\"ts\":\"%s\",\"endpoint\":", ts);
    json_str(f->audit, s->ep->name);
    fputs(",\"url\":", f->audit);
    json_str(f->audit, s->res->url);
    fprintf(f->audit,
            ",\"status\":%ld,\"attempt\":%d,\"latency_ms\":%.1f,\"cache\":\"%s\","
            "\"breaker\":\"%s\",\"outcome\":\"%s\"",
            status, s->attempt, lat, cache, ep_fetch_breaker_name(breaker_now(f, s->ep, now)),
            outcome);
    if (error && *error) {
        fputs(",\"error\":", f->audit);
        json_str(f->audit, error);
    }
    if (s->span.ctx.valid) {
        char tid[33], sid[17];
        ep_trace_hex(s->span.ctx.trace_id, 16, tid);
        ep_trace_hex(s->span.ctx.span_id, 8, sid);
        fprintf(f->audit, ",\"trace_id\":\"%s\",\"span_id\":\"%s\"", tid, sid);
    }
    fputs("}\n", f->audit);
    fflush(f->audit);
}

/* The validator of dest.part: "E<etag>" or "L<last-modified>", or "" when it has none. */
static int partv_read(const struct slot *s, char *out, size_t n)
{
    out[0] = 0;
    FILE *fp = fopen(s->partv, "re");
    if (!fp)
        return 0;
    size_t got = fread(out, 1, n - 1, fp);
    fclose(fp);
    out[got] = 0;
    return got > 1 && (out[0] == 'E' || out[0] == 'L');
}

/* The response starts a new body in dest.part: empty it and record its validator first, so
 * that whatever a kill leaves in dest.part is of the response the validator names. */
static int part_restart(struct slot *s)
{
    s->have = 0;
    if (ftruncate(s->fd, 0) != 0)
        return errno;
    unlink(s->partv);
    const char *v = s->etag ? s->etag : s->last_modified;
    if (!v || strncmp(v, "W/", 2) == 0) /* weak ETags cannot validate a range */
        v = s->last_modified;
    if (v && *v) {
        char line[1100];
        int m = snprintf(line, sizeof line, "%c%s", v == s->etag ? 'E' : 'L', v);
        if (m > 0 && (size_t)m < sizeof line &&
            ep_write_file_atomic(s->partv, line, (size_t)m, NULL) != 0)
            return EIO;
    }
    return 0;
}

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    struct slot *s = ud;
    size_t k = sz * n;
    if (s->req->dest && s->body_mode == 0) {
        if (s->hstatus == 206 && s->cr_start == s->have) {
            s->body_mode = 1;
            s->res->resumed_from = s->have;
        } else if (s->hstatus == 206) {
            s->range_bad = 1;
            snprintf(s->errbuf, sizeof s->errbuf, "answer for bytes from %lld, asked from %lld",
                     s->cr_start, s->have);
            return 0;
        } else if (s->hstatus == 200) {
            if ((s->io_errno = part_restart(s)) != 0)
                return 0;
            s->body_mode = 1;
        } else {
            s->body_mode = 2;
        }
    }
    if (s->body_mode == 1) {
        for (size_t done = 0; done < k;) {
            ssize_t w = pwrite(s->fd, p + done, k - done, (off_t)(s->have + s->wrote));
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                s->io_errno = w < 0 ? errno : EIO;
                return 0;
            }
            done += (size_t)w;
            s->wrote += w;
        }
        if (s->req->progress) {
            long long total = s->cr_total >= 0        ? s->cr_total
                              : s->content_length >= 0 ? s->have + s->content_length
                                                      : -1;
            s->req->progress(s->req->progress_ctx, s->have + s->wrote, total);
        }
        return k;
    }
    if (ep_buf_append(&s->body, p, k))
        return 0; /* too large: CURLE_WRITE_ERROR */
    return k;
}

static char *header_value(const char *p, size_t n, const char *name)
{
    size_t nl = strlen(name);
    if (n <= nl || strncasecmp(p, name, nl) != 0 || p[nl] != ':')
        return NULL;
    p += nl + 1;
    n -= nl + 1;
    while (n && (*p == ' ' || *p == '\t')) {
        p++;
        n--;
    }
    while (n && (p[n - 1] == '\r' || p[n - 1] == '\n' || p[n - 1] == ' '))
        n--;
    return strndup(p, n);
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
    struct slot *s = ud;
    size_t k = sz * n;
    if (k >= 5 && strncmp(p, "HTTP/", 5) == 0) { /* a new response (e.g. after a redirect) */
        const char *sp = memchr(p, ' ', k);
        s->hstatus = sp ? strtol(sp + 1, NULL, 10) : 0;
        s->cr_start = s->cr_total = -1;
        s->body_mode = 0;
        free(s->etag);
        free(s->last_modified);
        s->etag = s->last_modified = NULL;
        s->retry_after = -1;
        s->content_length = -1;
        s->encoded = 0;
        return k;
    }
    char *v;
    if ((v = header_value(p, k, "ETag"))) {
        free(s->etag);
        s->etag = v;
    } else if ((v = header_value(p, k, "Last-Modified"))) {
        free(s->last_modified);
        s->last_modified = v;
    } else if ((v = header_value(p, k, "Retry-After"))) {
        char *end = NULL;
        double secs = strtod(v, &end);
        if (end != v && *end == 0 && secs >= 0) {
            s->retry_after = secs;
        } else {
            time_t when = curl_getdate(v, NULL);
            if (when > 0) {
                double d = (double)when - real_now(NULL);
                s->retry_after = d > 0 ? d : 0;
            }
        }
        free(v);
    } else if ((v = header_value(p, k, "Content-Length"))) {
        s->content_length = strtol(v, NULL, 10);
        free(v);
    } else if ((v = header_value(p, k, "Content-Range"))) {
        /* "bytes A-B/TOTAL" (TOTAL may be "*") */
        char *e1 = NULL, *e2 = NULL, *e3 = NULL;
        if (strncmp(v, "bytes ", 6) == 0) {
            long long a = strtoll(v + 6, &e1, 10);
            if (e1 != v + 6 && *e1 == '-') {
                (void)strtoll(e1 + 1, &e2, 10);
                if (e2 != e1 + 1 && *e2 == '/') {
                    long long t = strtoll(e2 + 1, &e3, 10);
                    s->cr_start = a;
                    s->cr_total = e3 != e2 + 1 ? t : -1;
                }
            }
        }
        free(v);
    } else if ((v = header_value(p, k, "Content-Encoding"))) {
        s->encoded = strcasecmp(v, "identity") != 0;
        free(v);
    }
    return k;
}

static int build_url(struct ep_fetch *f, const struct ep_fetch_req *req, char **out)
{
    const char *path = req->path ? req->path : "";
    while (*path == '/')
        path++;
    struct ep_buf b;
    ep_buf_init(&b, 0);
    int rc = ep_buf_printf(&b, "%s%s", f->base, path);
    int has_q = strchr(path, '?') != NULL;
    if (!rc && req->query && *req->query) {
        rc = ep_buf_printf(&b, "%c%s", has_q ? '&' : '?', req->query);
        has_q = 1;
    }
    if (!rc && !req->dest)
        rc = ep_buf_printf(&b, "%cformat=application%%2Fld%%2Bjson", has_q ? '&' : '?');
    if (rc) {
        ep_buf_free(&b);
        return EP_ENOMEM;
    }
    *out = ep_buf_steal(&b);
    return *out ? 0 : EP_ENOMEM;
}

static int start_attempt(struct slot *s)
{
    struct ep_fetch *f = s->f;
    ep_buf_reset(&s->body);
    free(s->etag);
    free(s->last_modified);
    s->etag = s->last_modified = NULL;
    s->retry_after = -1;
    s->content_length = -1;
    s->encoded = 0;
    s->errbuf[0] = 0;
    curl_slist_free_all(s->hdrs);
    s->hdrs = NULL;
    s->hstatus = 0;
    s->cr_start = s->cr_total = -1;
    s->body_mode = 0;
    s->wrote = 0;
    s->io_errno = 0;
    s->range_bad = 0;
    struct curl_slist *h =
        curl_slist_append(NULL, s->req->dest ? "Accept: */*" : "Accept: application/ld+json");
    if (!h)
        return EP_ENOMEM;
    s->hdrs = h;
    if (s->req->dest) {
        if (s->fd < 0)
            s->fd = open(s->part, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        struct stat sb;
        if (s->fd < 0 || fstat(s->fd, &sb) != 0)
            return EP_EIO;
        s->have = sb.st_size;
        char v[1100], line[1200];
        if (s->have > 0 && partv_read(s, v, sizeof v)) {
            snprintf(line, sizeof line, "Range: bytes=%lld-", s->have);
            if (!(h = curl_slist_append(s->hdrs, line)))
                return EP_ENOMEM;
            s->hdrs = h;
            snprintf(line, sizeof line, "If-Range: %s", v + 1);
            if (!(h = curl_slist_append(s->hdrs, line)))
                return EP_ENOMEM;
            s->hdrs = h;
        } else {
            if (s->have > 0 && ftruncate(s->fd, 0) != 0) /* no validator: cannot resume */
                return EP_EIO;
            s->have = 0;
            const char *inm = s->req->if_none_match, *ims = s->req->if_modified_since;
            if (inm && *inm) {
                snprintf(line, sizeof line, "If-None-Match: %s", inm);
                if (!(h = curl_slist_append(s->hdrs, line)))
                    return EP_ENOMEM;
                s->hdrs = h;
            }
            if (ims && *ims) {
                snprintf(line, sizeof line, "If-Modified-Since: %s", ims);
                if (!(h = curl_slist_append(s->hdrs, line)))
                    return EP_ENOMEM;
                s->hdrs = h;
            }
        }
    }
    if (s->span.ctx.valid) { /* W3C Trace Context: the upstream's parent is this request's span */
        char line[EP_TRACE_STATE_MAX + 16], tp[56];
        ep_trace_format(&s->span.ctx, tp);
        snprintf(line, sizeof line, "traceparent: %s", tp);
        if (!(h = curl_slist_append(s->hdrs, line)))
            return EP_ENOMEM;
        s->hdrs = h;
        if (s->span.ctx.state[0]) {
            snprintf(line, sizeof line, "tracestate: %s", s->span.ctx.state);
            if (!(h = curl_slist_append(s->hdrs, line)))
                return EP_ENOMEM;
            s->hdrs = h;
        }
    }
    if (s->c.found && s->c.etag) {
        char line[1024];
        snprintf(line, sizeof line, "If-None-Match: %s", s->c.etag);
        if (!(h = curl_slist_append(s->hdrs, line)))
            return EP_ENOMEM;
        s->hdrs = h;
    }
    if (s->c.found && s->c.last_modified) {
        char line[256];
        snprintf(line, sizeof line, "If-Modified-Since: %s", s->c.last_modified);
        if (!(h = curl_slist_append(s->hdrs, line)))
            return EP_ENOMEM;
        s->hdrs = h;
    }
    CURL *e = s->easy;
    if (!e) {
        e = curl_easy_init();
        if (!e)
            return EP_ENOMEM;
        s->easy = e;
    } else {
        curl_easy_reset(e);
    }
    curl_easy_setopt(e, CURLOPT_URL, s->url);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "epintel/" EP_VERSION);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, s->hdrs);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, f->o.connect_timeout_ms);
    if (s->req->dest) {
        /* a large file: no limit on the whole transfer, but on a stall (under 1 byte/s for a
         * quarter of the request timeout, at least 10 s); no content encoding (ranges are of
         * the file as it is) */
        long stall = f->o.timeout_ms / 4000;
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, stall < 10 ? 10L : stall);
    } else {
        curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS,
                         s->req->feed ? f->o.feed_timeout_ms : f->o.timeout_ms);
    }
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, s);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, s->errbuf);
    curl_easy_setopt(e, CURLOPT_PRIVATE, s);
    if (curl_multi_add_handle(f->multi, e) != CURLM_OK)
        return EP_EINTERNAL;
    s->attempt++;
    s->res->attempts = s->attempt;
    s->t_attempt = now_of(f);
    s->state = SLOT_RUNNING;
    s->ep->requests++;
    f->tot.requests++;
    if (s->attempt > 1)
        f->tot.retries++;
    return 0;
}

/* End the request's span with what the result says. */
static void span_end(struct slot *s)
{
    struct ep_trace_span *sp = &s->span;
    const struct ep_fetch_result *r = s->res;
    if (sp->recording) {
        ep_trace_attr_str(sp, "http.request.method", "GET");
        ep_trace_attr_str(sp, "url.full", r->url);
        ep_trace_attr_str(sp, "epintel.fetch.endpoint", s->ep->name);
        ep_trace_attr_int(sp, "epintel.fetch.attempts", s->attempt);
        if (r->status)
            ep_trace_attr_int(sp, "http.response.status_code", r->status);
        ep_trace_attr_str(sp, "epintel.fetch.cache", r->cache ? r->cache : "miss");
        ep_trace_attr_str(sp, "epintel.fetch.breaker",
                          ep_fetch_breaker_name(breaker_now(s->f, s->ep, now_of(s->f))));
        ep_trace_attr_bool(sp, "epintel.fetch.degraded", r->degraded);
        if (r->rc)
            ep_trace_error(sp, r->err.msg);
    }
    ep_trace_end(sp);
}

static void finish(struct slot *s)
{
    struct ep_fetch *f = s->f;
    s->state = SLOT_DONE;
    s->res->latency_ms = (now_of(f) - s->t_start) * 1000.0;
    if (s->trial)
        s->ep->trial_running = 0;
    s->trial = 0;
    if (s->res->rc)
        f->tot.errors++;
    span_end(s);
}

/* Hand the body in s->body (or the cached copy) to the result and parse it if asked. */
static void serve_body(struct slot *s, const char *body, size_t len)
{
    struct ep_fetch_result *r = s->res;
    r->body = malloc(len + 1);
    if (!r->body) {
        r->rc = ep_error_set(&r->err, EP_ENOMEM, "out of memory for %s", r->url);
        return;
    }
    if (len)
        memcpy(r->body, body, len);
    r->body[len] = 0;
    r->len = len;
    if (s->req->json && len) {
        json_error_t je;
        r->json = json_loadb(r->body, len, 0, &je);
        if (!r->json)
            r->rc =
                ep_error_set(&r->err, EP_EPARSE, "malformed JSON from %s: line %d column %d: %s",
                             r->url, je.line, je.column, je.text);
    }
}

/* The upstream failed for good: serve the stale copy, or fail saying why. */
static void fail_upstream(struct slot *s, int code)
{
    struct ep_fetch *f = s->f;
    struct ep_fetch_result *r = s->res;
    if (s->c.found && code == EP_EUNAVAIL) {
        r->status = s->c.status;
        r->cache = "stale";
        r->degraded = 1;
        r->age = now_of(f) - s->c.fetched_at;
        s->ep->stale++;
        f->tot.stale++;
        serve_body(s, s->c.body, s->c.len);
        if (!r->rc)
            ep_error_set(&r->err, EP_EUNAVAIL,
                         "degraded: served a cached copy %.0f s old because the upstream is "
                         "unavailable: %s",
                         r->age, s->why);
    } else {
        r->rc = ep_error_set(&r->err, code, "%s%s",
                             code == EP_EUNAVAIL ? "upstream unavailable: " : "", s->why);
    }
    finish(s);
}

static int transient_status(long st)
{
    return st == 408 || st == 429 || st == 500 || st == 502 || st == 503 || st == 504;
}

static int transient_curl(CURLcode c)
{
    switch (c) {
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_BAD_CONTENT_ENCODING: return 1;
    default: return 0;
    }
}

static void fail_upstream(struct slot *s, int code);

/* A download to dest ended with a 2xx, a 416, a mismatched range or a failed write. Returns 1
 * when the slot is finished (the file in place, or a permanent error), 0 for a transient
 * failure (s->errbuf says what), which the caller retries. */
static int dest_done(struct slot *s, CURLcode cc, long status)
{
    struct ep_fetch_result *r = s->res;
    if (s->io_errno) {
        snprintf(s->why, sizeof s->why, "%s: writing %s: %s", r->url, s->part,
                 strerror(s->io_errno));
        audit(s, status, "bypass", "fail", s->why);
        fail_upstream(s, EP_EIO);
        return 1;
    }
    if (s->range_bad || status == 416) { /* the partial file does not fit: start over */
        if (status == 416)
            snprintf(s->errbuf, sizeof s->errbuf, "HTTP 416 for bytes from %lld", s->have);
        if (ftruncate(s->fd, 0) != 0) {
            s->io_errno = errno;
            return dest_done(s, cc, status);
        }
        unlink(s->partv);
        return 0;
    }
    if (s->body_mode == 0 && (s->io_errno = part_restart(s)) != 0) /* an empty 200 */
        return dest_done(s, cc, status);
    long long size = s->have + s->wrote;
    long long want = s->cr_total >= 0 ? s->cr_total : s->req->expect_size;
    if (s->req->expect_size > 0 && s->cr_total >= 0 && s->cr_total != s->req->expect_size)
        want = s->req->expect_size;
    if (want > 0 && size < want) {
        snprintf(s->errbuf, sizeof s->errbuf, "body truncated: %lld of %lld bytes", size, want);
        return 0;
    }
    if (want > 0 && size > want) {
        snprintf(s->why, sizeof s->why, "%s: %lld bytes, expected %lld; the partial file was removed",
                 r->url, size, want);
        if (ftruncate(s->fd, 0) != 0) {
            /* reported below anyway */
        }
        unlink(s->partv);
        audit(s, status, "bypass", "fail", s->why);
        fail_upstream(s, EP_EPARSE);
        return 1;
    }
    if (fdatasync(s->fd) != 0 || close(s->fd) != 0) {
        s->fd = -1;
        s->io_errno = errno;
        return dest_done(s, cc, status);
    }
    s->fd = -1;
    if (rename(s->part, s->req->dest) != 0) {
        s->io_errno = errno;
        return dest_done(s, cc, status);
    }
    unlink(s->partv);
    breaker_success(s->ep);
    r->status = 200;
    r->cache = "bypass";
    r->bytes = size;
    r->etag = ep_strdup0(s->etag);
    r->last_modified = ep_strdup0(s->last_modified);
    audit(s, status, "bypass", "ok", NULL);
    finish(s);
    return 1;
}

static void on_done(struct slot *s, CURLcode cc)
{
    struct ep_fetch *f = s->f;
    struct ep_fetch_result *r = s->res;
    long status = 0;
    curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
    curl_multi_remove_handle(f->multi, s->easy);
    double now = now_of(f);
    int transient = 0;

    size_t got = s->body_mode == 1 ? (size_t)s->wrote : s->body.len;
    if (cc == CURLE_OK && !s->encoded && s->content_length >= 0 &&
        (size_t)s->content_length != got && status != 304 && status != 204) {
        cc = CURLE_PARTIAL_FILE;
        snprintf(s->errbuf, sizeof s->errbuf, "body truncated: %zu of %ld bytes", got,
                 s->content_length);
    }
    if (s->req->dest && (s->io_errno || s->range_bad || status == 416 ||
                         (cc == CURLE_OK && status >= 200 && status < 300))) {
        if (dest_done(s, cc, status))
            return;
        cc = CURLE_PARTIAL_FILE; /* transient: the retry resumes or starts over */
    }
    if (cc != CURLE_OK) {
        if (cc == CURLE_WRITE_ERROR && s->body.len + CURL_MAX_WRITE_SIZE > f->o.max_body) {
            snprintf(s->why, sizeof s->why, "%s: body larger than %zu bytes", r->url,
                     f->o.max_body);
            audit(s, status, "miss", "fail", s->why);
            r->rc = ep_error_set(&r->err, EP_ELIMIT, "%s", s->why);
            finish(s);
            return;
        }
        snprintf(s->why, sizeof s->why, "%s: %s", r->url,
                 s->errbuf[0] ? s->errbuf : curl_easy_strerror(cc));
        transient = transient_curl(cc);
        if (!transient) {
            audit(s, status, "miss", "fail", s->why);
            fail_upstream(s, EP_EIO);
            return;
        }
    } else if (status == 304 && s->req->dest) {
        breaker_success(s->ep);
        r->status = 304;
        r->cache = "revalidated";
        s->ep->revalidated++;
        f->tot.revalidated++;
        audit(s, status, "revalidated", "ok", NULL);
        finish(s);
        return;
    } else if (status == 304 && s->c.found) {
        breaker_success(s->ep);
        cache_touch(f, s->url, now);
        s->c.fetched_at = now;
        r->status = s->c.status;
        r->cache = "revalidated";
        s->ep->revalidated++;
        f->tot.revalidated++;
        audit(s, status, "revalidated", "ok", NULL);
        serve_body(s, s->c.body, s->c.len);
        finish(s);
        return;
    } else if (status >= 200 && status < 300) {
        breaker_success(s->ep);
        r->status = status;
        r->cache = s->req->no_cache ? "bypass" : "miss";
        if (!s->req->no_cache) {
            s->ep->misses++;
            f->tot.misses++;
        }
        if (status == 204 || s->body.len == 0) {
            audit(s, status, r->cache, "ok", NULL);
            finish(s);
            return;
        }
        serve_body(s, s->body.data, s->body.len);
        if (r->rc) {
            audit(s, status, r->cache, "fail", r->err.msg);
            finish(s);
            return;
        }
        if (!s->req->no_cache && status == 200 && ttl_of(f, s->ep) >= 0)
            cache_put(f, s->url, s->ep->name, status, s->etag, s->last_modified, now, s->body.data,
                      s->body.len);
        audit(s, status, r->cache, "ok", NULL);
        finish(s);
        return;
    } else if (transient_status(status)) {
        transient = 1;
        snprintf(s->why, sizeof s->why, "%s: HTTP %ld", r->url, status);
    } else {
        /* permanent: an answer from a working upstream, never retried */
        breaker_success(s->ep);
        r->status = status;
        r->cache = s->req->no_cache ? "bypass" : "miss";
        int code = status == 404 || status == 410 ? EP_ENOTFOUND
                   : status >= 500                ? EP_EUNAVAIL
                                                  : EP_EINVAL;
        snprintf(s->why, sizeof s->why, "%s: HTTP %ld%s", r->url, status,
                 status == 401 || status == 403 ? " (access denied)"
                 : status == 404                ? " (not found)"
                 : status == 400                ? " (bad request)"
                                                : "");
        audit(s, status, r->cache, "fail", s->why);
        r->rc = ep_error_set(&r->err, code, "%s", s->why);
        finish(s);
        return;
    }

    /* transient failure */
    (void)transient;
    breaker_failure(f, s->ep, now);
    if (s->trial) {
        s->ep->trial_running = 0;
        s->trial = 0;
    }
    int last = s->attempt > f->o.max_retries || s->ep->state == EP_BREAKER_OPEN;
    audit(s, status, last ? (s->c.found ? "stale" : "miss") : "miss", last ? "fail" : "retry",
          s->why);
    if (last) {
        size_t l = strlen(s->why);
        snprintf(s->why + l, sizeof s->why - l, " (after %d attempt%s%s)", s->attempt,
                 s->attempt == 1 ? "" : "s",
                 s->ep->state == EP_BREAKER_OPEN ? "; circuit breaker now open" : "");
        fail_upstream(s, EP_EUNAVAIL);
        return;
    }
    double delay = f->o.backoff_base * pow(2.0, s->attempt - 1) * (1.0 + 0.5 * rand01(f));
    if (s->retry_after >= 0 && (status == 429 || status == 503)) {
        double ra = s->retry_after < f->o.retry_after_max ? s->retry_after : f->o.retry_after_max;
        if (ra > delay)
            delay = ra;
    }
    s->not_before = now + delay;
    s->state = SLOT_PENDING;
    if (ep_trace_event(&s->span, "retry")) {
        ep_trace_event_int(&s->span, "epintel.fetch.next_attempt", s->attempt + 1);
        ep_trace_event_double(&s->span, "epintel.fetch.delay_s", delay);
    }
}

/* Breaker check and token take; returns 1 to start now, 0 to wait (not_before set), -1 when
 * the slot was finished (breaker open). */
static int admit(struct slot *s, double now)
{
    struct ep_fetch *f = s->f;
    struct endpoint *ep = s->ep;
    int st = breaker_now(f, ep, now);
    if (st == EP_BREAKER_OPEN) {
        snprintf(s->why, sizeof s->why,
                 "%s: circuit breaker open for endpoint '%s' after %d consecutive failures "
                 "(retry in %.0f s)",
                 s->res->url, ep->name, ep->fails, f->o.breaker_cooldown - (now - ep->opened_at));
        s->t_attempt = 0;
        audit(s, 0, s->c.found ? "stale" : "miss", "rejected", s->why);
        fail_upstream(s, EP_EUNAVAIL);
        return -1;
    }
    if (st == EP_BREAKER_HALF_OPEN) {
        if (ep->trial_running) {
            s->not_before = now + 0.01;
            return 0;
        }
        ep->state = EP_BREAKER_HALF_OPEN;
    }
    bucket_refill(f, ep, now);
    if (ep->tokens < 1.0) {
        double rate = f->o.bucket_capacity / f->o.bucket_period;
        s->not_before = now + (1.0 - ep->tokens) / rate;
        return 0;
    }
    ep->tokens -= 1.0;
    if (ep->state == EP_BREAKER_HALF_OPEN) {
        ep->trial_running = 1;
        s->trial = 1;
    }
    return 1;
}

static void slot_cleanup(struct slot *s)
{
    if (s->span.recording && s->ep)
        span_end(s); /* not completed (ep_fetch_many says so in its result) */
    else
        ep_trace_end(&s->span);
    if (s->easy) {
        if (s->state == SLOT_RUNNING)
            curl_multi_remove_handle(s->f->multi, s->easy);
        curl_easy_cleanup(s->easy);
    }
    curl_slist_free_all(s->hdrs);
    ep_buf_free(&s->body);
    free(s->etag);
    free(s->last_modified);
    free(s->url);
    cached_free(&s->c);
    if (s->fd >= 0) {
        struct stat sb;
        if (fstat(s->fd, &sb) == 0 && sb.st_size == 0) { /* nothing to resume: no litter */
            unlink(s->part);
            unlink(s->partv);
        }
        close(s->fd);
    }
    free(s->part);
    free(s->partv);
}

void ep_fetch_result_free(struct ep_fetch_result *r)
{
    if (!r)
        return;
    free(r->url);
    free(r->body);
    free(r->etag);
    free(r->last_modified);
    json_decref(r->json);
    memset(r, 0, sizeof *r);
}

static int run(struct ep_fetch *f, struct slot *sl, size_t n, int parallel)
{
    size_t done = 0, running = 0;
    for (size_t i = 0; i < n; i++)
        if (sl[i].state == SLOT_DONE)
            done++;
    /* Bounded: every pass either starts, completes or waits; attempts per slot are capped. */
    while (done < n) {
        double now = now_of(f);
        double next_wake = -1;
        /* requests past their deadline end now, running or waiting to retry */
        for (size_t i = 0; i < n; i++) {
            struct slot *s = &sl[i];
            if (s->state == SLOT_DONE || s->deadline <= 0)
                continue;
            if (now < s->deadline) {
                if (next_wake < 0 || s->deadline < next_wake)
                    next_wake = s->deadline;
                continue;
            }
            if (s->state == SLOT_RUNNING) {
                curl_multi_remove_handle(f->multi, s->easy);
                curl_easy_cleanup(s->easy);
                s->easy = NULL;
                running--;
            }
            snprintf(s->why, sizeof s->why,
                     "%s: no answer within the call's deadline of %.0f s (the server's "
                     "--tool-timeout)",
                     s->res->url, s->req->budget_s);
            audit(s, 0, "miss", "fail", s->why);
            fail_upstream(s, EP_EUNAVAIL);
            done++;
        }
        if (done >= n)
            break;
        for (size_t i = 0; i < n && (int)running < parallel; i++) {
            struct slot *s = &sl[i];
            if (s->state != SLOT_PENDING)
                continue;
            if (s->not_before > now) {
                if (next_wake < 0 || s->not_before < next_wake)
                    next_wake = s->not_before;
                continue;
            }
            int a = admit(s, now);
            if (a < 0) {
                done++;
                continue;
            }
            if (a == 0) {
                if (next_wake < 0 || s->not_before < next_wake)
                    next_wake = s->not_before;
                continue;
            }
            int rc = start_attempt(s);
            if (rc) {
                s->res->rc =
                    ep_error_set(&s->res->err, rc, "%s: could not start the request", s->res->url);
                if (s->trial)
                    s->ep->trial_running = 0;
                finish(s);
                done++;
                continue;
            }
            running++;
        }
        if (running == 0) {
            if (done >= n)
                break;
            if (next_wake > now)
                f->clock.sleep(f->clock.ctx, next_wake - now);
            continue;
        }
        int still = 0;
        if (curl_multi_perform(f->multi, &still) != CURLM_OK)
            return EP_EINTERNAL;
        CURLMsg *m;
        int q, finished = 0;
        while ((m = curl_multi_info_read(f->multi, &q))) {
            if (m->msg != CURLMSG_DONE)
                continue;
            struct slot *s = NULL;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
            if (!s)
                continue;
            on_done(s, m->data.result);
            running--;
            finished++;
            if (s->state == SLOT_DONE)
                done++;
        }
        /* A transfer ended: start the next requests now (top of the loop) rather than after
         * waiting on the others, which kept a freed connection idle for up to a whole request
         * (a sync at 50 ms latency ran its 8 connections at about 60%). */
        if (running > 0 && !finished) {
            int wait_ms = 100;
            if (next_wake > 0) {
                double d = (next_wake - now_of(f)) * 1000.0;
                if (d < wait_ms)
                    wait_ms = d < 1 ? 1 : (int)d;
            }
            curl_multi_poll(f->multi, NULL, 0, wait_ms, NULL);
        }
    }
    return 0;
}

int ep_fetch_many(struct ep_fetch *f, const struct ep_fetch_req *reqs, size_t n, int parallel,
                  struct ep_fetch_result *res, struct ep_error *err)
{
    if (!f || (n && (!reqs || !res)))
        return ep_error_set(err, EP_EINVAL, "ep_fetch_many: missing argument");
    if (parallel <= 0)
        parallel = f->o.parallel;
    struct slot *sl = calloc(n ? n : 1, sizeof *sl);
    if (!sl)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    double t0 = now_of(f);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        struct slot *s = &sl[i];
        memset(&res[i], 0, sizeof res[i]);
        s->f = f;
        s->req = &reqs[i];
        s->res = &res[i];
        s->t_start = t0;
        s->deadline = reqs[i].budget_s > 0 ? t0 + reqs[i].budget_s : 0;
        s->retry_after = -1;
        s->fd = -1;
        ep_buf_init(&s->body, f->o.max_body);
        res[i].cache = "miss";
        if (reqs[i].dest) {
            size_t dl = strlen(reqs[i].dest);
            s->part = malloc(dl + 8);
            s->partv = malloc(dl + 8);
            if (!s->part || !s->partv) {
                res[i].rc = ep_error_set(&res[i].err, EP_ENOMEM, "out of memory");
                s->state = SLOT_DONE;
                continue;
            }
            snprintf(s->part, dl + 8, "%s.part", reqs[i].dest);
            snprintf(s->partv, dl + 8, "%s.part.v", reqs[i].dest);
        }
        if (build_url(f, &reqs[i], &s->url) || !(res[i].url = ep_url_redact(s->url)) ||
            !(s->ep = endpoint_for(f, &reqs[i]))) {
            res[i].rc = ep_error_set(&res[i].err, EP_ENOMEM, "out of memory");
            s->state = SLOT_DONE;
            continue;
        }
        char sname[96];
        snprintf(sname, sizeof sname, "GET %s", s->ep->name);
        ep_trace_begin(&s->span, sname, EP_TRACE_CLIENT, NULL, 0); /* child of the current */
        if (reqs[i].no_cache || reqs[i].dest || ttl_of(f, s->ep) < 0) {
            res[i].cache = "bypass";
            continue;
        }
        if (cache_get(f, s->url, &s->c)) {
            res[i].rc = ep_error_set(&res[i].err, EP_ENOMEM, "out of memory");
            s->state = SLOT_DONE;
            continue;
        }
        if (s->c.found && t0 - s->c.fetched_at < ttl_of(f, s->ep)) {
            res[i].status = s->c.status;
            res[i].cache = "hit";
            res[i].age = t0 - s->c.fetched_at;
            s->ep->hits++;
            f->tot.hits++;
            serve_body(s, s->c.body, s->c.len);
            finish(s);
        }
    }
    int mrc = run(f, sl, n, parallel);
    if (mrc)
        rc = ep_error_set(err, mrc, "libcurl multi interface failed");
    for (size_t i = 0; i < n; i++) {
        if (sl[i].state != SLOT_DONE && !res[i].rc)
            res[i].rc = ep_error_set(&res[i].err, EP_EINTERNAL, "%s: not completed",
                                     res[i].url ? res[i].url : "?");
        slot_cleanup(&sl[i]);
        if (!rc && res[i].rc) {
            rc = res[i].rc;
            if (err) {
                *err = res[i].err;
            }
        }
    }
    free(sl);
    return rc;
}

int ep_fetch_get(struct ep_fetch *f, const struct ep_fetch_req *req, struct ep_fetch_result *res,
                 struct ep_error *err)
{
    return ep_fetch_many(f, req, 1, 1, res, err);
}

int ep_fetch_pages(struct ep_fetch *f, const char *path, const char *query, long limit,
                   long max_pages, int parallel, ep_fetch_page_fn page_cb, void *ctx,
                   struct ep_error *err)
{
    if (limit <= 0 || !page_cb)
        return ep_error_set(err, EP_EINVAL, "ep_fetch_pages: limit must be > 0");
    if (parallel <= 0)
        parallel = f->o.parallel;
    if (max_pages <= 0)
        max_pages = 100000;
    struct ep_fetch_req *reqs = calloc((size_t)parallel, sizeof *reqs);
    struct ep_fetch_result *res = calloc((size_t)parallel, sizeof *res);
    char(*qs)[1024] = calloc((size_t)parallel, sizeof *qs);
    int rc = 0, end = 0;
    if (!reqs || !res || !qs) {
        rc = ep_error_set(err, EP_ENOMEM, "out of memory");
        goto out;
    }
    for (long page = 0; !end && page < max_pages;) {
        int k = 0;
        for (; k < parallel && page + k < max_pages; k++) {
            long off = (page + k) * limit;
            snprintf(qs[k], sizeof qs[k], "%s%soffset=%ld&limit=%ld", query ? query : "",
                     query && *query ? "&" : "", off, limit);
            reqs[k] = (struct ep_fetch_req){.path = path, .query = qs[k], .json = 1};
        }
        (void)ep_fetch_many(f, reqs, (size_t)k, parallel, res, NULL);
        for (int i = 0; i < k; i++) {
            struct ep_fetch_result *r = &res[i];
            if (end) {
                ep_fetch_result_free(r);
                continue;
            }
            if (r->rc == EP_ENOTFOUND || (!r->rc && (r->status == 204 || !r->json))) {
                end = 1; /* past the end */
            } else if (r->rc) {
                if (err)
                    *err = r->err;
                rc = r->rc;
                end = 1;
            } else {
                json_t *data = json_object_get(r->json, "data");
                if (!json_is_array(data)) {
                    rc =
                        ep_error_set(err, EP_EPARSE, "%s: no \"data\" array in the answer", r->url);
                    end = 1;
                } else {
                    size_t cnt = json_array_size(data);
                    if (cnt > 0) {
                        rc = page_cb(ctx, (page + i) * limit, r->json, err);
                        if (rc)
                            end = 1;
                    }
                    if ((long)cnt < limit)
                        end = 1;
                }
            }
            ep_fetch_result_free(r);
        }
        page += k;
    }
out:
    free(reqs);
    free(res);
    free(qs);
    return rc;
}

/* ---- health ------------------------------------------------------------------------- */

size_t ep_fetch_endpoint_count(const struct ep_fetch *f)
{
    return f->n_eps;
}

int ep_fetch_endpoint_stats(struct ep_fetch *f, size_t i, struct ep_fetch_endpoint_stats *out)
{
    struct endpoint *p = f->eps;
    for (size_t k = 0; p && k < i; k++)
        p = p->next;
    if (!p)
        return EP_ENOTFOUND;
    double now = now_of(f);
    bucket_refill(f, p, now);
    *out = (struct ep_fetch_endpoint_stats){
        .endpoint = p->name,
        .breaker = breaker_now(f, p, now),
        .consecutive_failures = p->fails,
        .tokens = p->tokens,
        .requests = p->requests,
        .failures = p->failures,
        .hits = p->hits,
        .misses = p->misses,
        .revalidated = p->revalidated,
        .stale = p->stale,
    };
    return 0;
}

int ep_fetch_breaker_state(struct ep_fetch *f, const char *endpoint)
{
    for (struct endpoint *p = f->eps; p; p = p->next)
        if (strcmp(p->name, endpoint) == 0)
            return breaker_now(f, p, now_of(f));
    return EP_BREAKER_CLOSED;
}

void ep_fetch_totals(const struct ep_fetch *f, struct ep_fetch_totals *out)
{
    *out = f->tot;
    out->mem_cache_bytes = f->mem_bytes;
    out->mem_cache_entries = f->mem_entries;
}
