/* ep_fetch: the resilient fetch pipeline for the EP Open Data API v2.
 *
 * One request goes through: rate limit (token bucket per endpoint) -> cache (in-memory LRU
 * bounded by bytes, then the disk tier in SQLite) -> circuit breaker (per endpoint) -> fetch
 * with retry (libcurl multi interface, keep-alive, gzip) -> audit (one JSON line per upstream
 * request).
 *
 * - Base URL: opts.base_url, else $EP_API_URL, else https://data.europarl.europa.eu/api/v2/.
 * - Every request sends User-Agent "epintel/VERSION", Accept: application/ld+json and the query
 *   parameter format=application/ld+json.
 * - Transient failures (timeouts, connection errors, 408, 429, 500, 502, 503, 504, truncated
 *   bodies: CURLE_PARTIAL_FILE or a Content-Length mismatch) are retried at most max_retries times
 * with backoff base * 2^(attempt-1) plus up to 50% jitter; a 429's Retry-After (seconds) replaces
 * the backoff when longer (capped by retry_after_max). Permanent failures (400, 401, 403, 404, any
 * other 4xx) are answered at once.
 * - The breaker counts consecutive transient failures (each failed attempt) per endpoint; at
 *   breaker_threshold it opens and rejects requests without contacting the upstream; after
 *   breaker_cooldown seconds it half-opens and lets one trial request through: success
 *   closes it, failure re-opens it.
 * - Cache: successful (200) bodies are kept by URL. A fresh entry (age < TTL of its dataset)
 *   is a "hit" and sends no request. A stale entry is revalidated with If-None-Match /
 *   If-Modified-Since when it has an ETag / Last-Modified: 304 = "revalidated". When the
 *   upstream fails (after retries, or the breaker is open) and a stale entry exists, it is
 *   served with degraded = 1 and its age; otherwise the call fails with EP_EUNAVAIL and a
 *   message saying the upstream is unavailable and why.
 * - Disk tier: table http_cache(url, dataset, status, etag, last_modified, fetched_at, body,
 *   bytes) in the given SQLite handle (created if missing).
 *
 * Time is read through an injectable clock, so tests can run backoff, Retry-After and breaker
 * cool-downs without real sleeping.
 *
 * A handle is used by one thread at a time. */
#ifndef EP_FETCH_H
#define EP_FETCH_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "ep_error.h"

struct sqlite3; /* SQLite's connection (sqlite3.h), opaque outside engine/ */

#define EP_FETCH_DEFAULT_URL "https://data.europarl.europa.eu/api/v2/"

/* Time source. now() returns seconds (epoch-based for the real clock; cache ages are
 * differences of now()). sleep() waits s seconds (a fake clock advances its time instead). */
struct ep_fetch_clock {
    void *ctx;
    double (*now)(void *ctx);
    void (*sleep)(void *ctx, double s);
};

/* Options; zero-initialise and set what you need: 0 (or NULL) means the default given. */
struct ep_fetch_opts {
    const char *base_url;               /* NULL: $EP_API_URL, else EP_FETCH_DEFAULT_URL */
    long connect_timeout_ms;            /* 0: 15000 */
    long timeout_ms;                    /* whole request, 0: 120000 */
    long feed_timeout_ms;               /* whole request for feeds, 0: 200000 */
    int max_retries;                    /* 0: 3; negative: no retries */
    double backoff_base;                /* seconds, 0: 0.2 */
    double retry_after_max;             /* longest Retry-After honoured (s), 0: 120 */
    int breaker_threshold;              /* consecutive failures that open the breaker, 0: 5 */
    double breaker_cooldown;            /* seconds open before half-open, 0: 30 */
    int bucket_capacity;                /* requests per period per endpoint, 0: 500 */
    double bucket_period;               /* seconds, 0: 300 */
    size_t mem_cache_bytes;             /* LRU bound, 0: 64 MiB */
    size_t max_body;                    /* largest body accepted, 0: 256 MiB */
    int parallel;                       /* connections for ep_fetch_many, 0: 8 */
    double default_ttl;                 /* cache TTL when a dataset has none, 0: 3600 s */
    struct sqlite3 *db;                 /* disk cache tier (borrowed), NULL: memory only */
    FILE *audit;                        /* audit sink (borrowed), NULL: audit_path or none */
    const char *audit_path;             /* opened for append when audit is NULL */
    const struct ep_fetch_clock *clock; /* borrowed, NULL: real time */
    unsigned seed;                      /* jitter seed, 0: from the clock */
};

struct ep_fetch;

/* Create a pipeline. Copies what it keeps from opts (the clock, db and audit FILE are
 * borrowed). Free with ep_fetch_free. */
int ep_fetch_new(const struct ep_fetch_opts *opts, struct ep_fetch **out, struct ep_error *err);
void ep_fetch_free(struct ep_fetch *f);

/* The effective base URL (always ends with '/'), credentials redacted (ep_url_redact): for
 * messages and results. */
const char *ep_fetch_base_url(const struct ep_fetch *f);
/* The disk cache tier's connection (opts.db), or NULL. */
struct sqlite3 *ep_fetch_cache_db(const struct ep_fetch *f);

/* Cache TTL (seconds) for a dataset (the endpoint name, e.g. "meps"); ttl < 0 = never cache. */
int ep_fetch_set_ttl(struct ep_fetch *f, const char *dataset, double ttl, struct ep_error *err);

/* One request. path is relative to the base URL ("meps/1294", no leading '/'); query is extra
 * query text without '?' ("offset=0&limit=50") or NULL. endpoint (rate limit, breaker, TTL
 * key) defaults to the first path segment. */
struct ep_fetch_req {
    const char *path;
    const char *query;
    const char *endpoint;
    int feed;     /* 1: use feed_timeout_ms */
    int json;     /* 1: parse the body as JSON (result.json); a malformed body is an error */
    int no_cache; /* 1: neither read nor write the cache */
    /* Download to a file (a large export table): the body goes to dest.part, not to memory
     * nor the cache. A dest.part left by an earlier attempt or run is resumed with
     * "Range: bytes=N-" and If-Range on the validator (ETag, else Last-Modified) of the
     * response that started it (kept in dest.part.v): 206 appends, 200 (the resource changed)
     * starts over. A retry after a transfer cut mid-way resumes the same way. When the body
     * is complete (its size checked against Content-Length / Content-Range, and expect_size
     * when > 0) it is synced and renamed to dest; result.bytes is its size, result.etag and
     * result.last_modified its validators. No "format" parameter is added to the URL. */
    const char *dest;
    long long expect_size;
    /* Conditional request (dest only, when no partial file is resumed): a 304 answer is
     * rc 0 with status 304 and no file written. */
    const char *if_none_match, *if_modified_since;
    /* Called as a download progresses: bytes of dest so far, and its size when known (else
     * -1). */
    void (*progress)(void *ctx, long long done, long long total);
    void *progress_ctx;
    double budget_s; /* > 0: the whole request, retries and waits included, ends within this
                        many seconds: then a transfer still running is stopped and the request
                        fails with EP_EUNAVAIL "no answer within the call's deadline" (a stale
                        cached copy is served, degraded, where there is one). 0 = none */
};

struct ep_fetch_result {
    int rc;              /* 0 or negative EP_E* (ep_fetch_many fills it per request) */
    struct ep_error err; /* message when rc != 0 */
    char *url;           /* the URL requested, fit to show: credentials in it redacted
                            (ep_url_redact; owned) */
    long status;         /* HTTP status of the answer served (200, 204, 404...; 0 none) */
    char *body;          /* owned, NUL-terminated; NULL when there is none */
    size_t len;
    json_t *json;      /* owned; when req.json and a body was parsed */
    int attempts;      /* upstream requests made for this call (0 = cache hit) */
    const char *cache; /* "hit", "miss", "revalidated", "stale", "bypass" */
    int degraded;      /* 1: a stale cached copy served because the upstream failed */
    double age;        /* seconds since the served copy was fetched (0 if fresh) */
    double latency_ms; /* total time spent on the call */
    /* dest downloads: */
    char *etag, *last_modified; /* validators of the downloaded file (owned, or NULL) */
    long long bytes;            /* size of dest */
    long long resumed_from;     /* bytes of dest.part kept from an earlier attempt or run */
};

void ep_fetch_result_free(struct ep_fetch_result *r);

/* Fetch one resource. On success res->status is the upstream status (2xx/304 served from
 * cache as 200, or a permanent 4xx such as 404, which is returned as rc = EP_ENOTFOUND
 * for 404 and EP_EINVAL for other 4xx, with the URL in the message). */
int ep_fetch_get(struct ep_fetch *f, const struct ep_fetch_req *req, struct ep_fetch_result *res,
                 struct ep_error *err);

/* Fetch n resources with up to `parallel` connections (0: opts.parallel). res[i] is filled
 * for every request (res[i].rc says how it went). Returns 0 when all succeeded, else the
 * first failure's code with err filled from it. */
int ep_fetch_many(struct ep_fetch *f, const struct ep_fetch_req *reqs, size_t n, int parallel,
                  struct ep_fetch_result *res, struct ep_error *err);

/* Page through path with offset/limit (limit items per page) in waves of `parallel` pages,
 * calling page_cb for each page in order with the parsed JSON. Stops at the first page with
 * fewer than `limit` items in "data", an empty page, a 204 or 404 past the end, after
 * max_pages pages, or when page_cb returns non-zero (that value is returned). query may be
 * NULL. */
typedef int (*ep_fetch_page_fn)(void *ctx, long offset, json_t *page, struct ep_error *err);
int ep_fetch_pages(struct ep_fetch *f, const char *path, const char *query, long limit,
                   long max_pages, int parallel, ep_fetch_page_fn page_cb, void *ctx,
                   struct ep_error *err);

/* Breaker state of an endpoint, for health output. */
enum ep_fetch_breaker { EP_BREAKER_CLOSED = 0, EP_BREAKER_OPEN = 1, EP_BREAKER_HALF_OPEN = 2 };
const char *ep_fetch_breaker_name(int state);

struct ep_fetch_endpoint_stats {
    const char *endpoint; /* borrowed, valid until ep_fetch_free */
    int breaker;          /* enum ep_fetch_breaker (as of now: an expired open is half-open) */
    int consecutive_failures;
    double tokens; /* rate-limit tokens left */
    long requests, failures, hits, misses, revalidated, stale;
};

/* Number of endpoints seen so far, and the stats of the i-th one. */
size_t ep_fetch_endpoint_count(const struct ep_fetch *f);
int ep_fetch_endpoint_stats(struct ep_fetch *f, size_t i, struct ep_fetch_endpoint_stats *out);
/* Breaker state of one endpoint (CLOSED when never seen). */
int ep_fetch_breaker_state(struct ep_fetch *f, const char *endpoint);

/* Totals over the life of the handle. */
struct ep_fetch_totals {
    long requests, retries, hits, misses, revalidated, stale, errors;
    size_t mem_cache_bytes, mem_cache_entries;
};
void ep_fetch_totals(const struct ep_fetch *f, struct ep_fetch_totals *out);

#endif
