/* ep_state: shared state in Redis for replicas (see ep_state.h). */
#include "ep_state.h"

#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ep_lazy.h"

/* libhiredis, loaded on first use (engine/ep_lazy.h). */
#define EP_HIREDIS_FUNCS(X)                                                                        \
    X(redisConnectWithTimeout)                                                                     \
    X(redisSetTimeout)                                                                             \
    X(redisCommand)                                                                                \
    X(redisvCommand)                                                                               \
    X(freeReplyObject)                                                                             \
    X(redisFree)

struct ep_hiredis_api {
#define EP_HIREDIS_SLOT(f) __typeof__(f) *f; /* NOLINT(bugprone-macro-parentheses) */
    EP_HIREDIS_FUNCS(EP_HIREDIS_SLOT)
#undef EP_HIREDIS_SLOT
};

const struct ep_hiredis_api *ep_hiredis_api(void);
EP_LAZY_DEFINE(ep_hiredis_api, EP_HIREDIS_FUNCS, "libhiredis (Debian package libhiredis0.14)",
               "libhiredis.so.0.14")

#define R (ep_hiredis_api())

/* INCRBY the day's count unless that passes the limit (then nothing changes): {admitted, used
 * before}. The key expires two days after its first charge. */
static const char quota_lua[] = "local n = tonumber(ARGV[1]); local limit = tonumber(ARGV[2]);"
                                " local used = tonumber(redis.call('GET', KEYS[1]) or '0');"
                                " if used + n > limit then return {0, used} end;"
                                " redis.call('INCRBY', KEYS[1], n);"
                                " if used == 0 then redis.call('EXPIRE', KEYS[1], 172800) end;"
                                " return {1, used}";

/* The sliding one-minute window of KEYS[1] on Redis's clock (one member per admitted request,
 * scored in microseconds; KEYS[2] numbers the members): admit when fewer than ARGV[1] were
 * admitted in the last 60 s. {1, 0} admitted, or {0, seconds until the oldest leaves}. */
static const char rate_lua[] =
    "local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000000 + tonumber(t[2]);"
    " local win = 60000000; local limit = tonumber(ARGV[1]);"
    " redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - win);"
    " if redis.call('ZCARD', KEYS[1]) >= limit then"
    "   local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES');"
    "   return {0, math.ceil((tonumber(first[2]) + win - now) / 1000000)} end;"
    " local seq = redis.call('INCR', KEYS[2]);"
    " redis.call('ZADD', KEYS[1], now, tostring(now) .. '-' .. seq);"
    " redis.call('PEXPIRE', KEYS[1], 61000); redis.call('PEXPIRE', KEYS[2], 61000);"
    " return {1, 0}";

#define EP_STATE_REVOKED_KEY "epintel:revoked"

struct ep_state {
    char url[256];
    char host[200];
    int port, db;
    pthread_mutex_t mu;
    redisContext *c; /* NULL while disconnected */
    time_t last_try;
    /* the revoked keys' digests as last read (sorted), when (monotonic s; 0 = never) */
    char (*revoked)[65];
    size_t nrevoked;
    double revoked_at;
};

const char *ep_state_url(const struct ep_state *s)
{
    return s->url;
}

/* Connect (mu held): 0, or EP_EUNAVAIL with err. */
static int connect_locked(struct ep_state *s, struct ep_error *err)
{
    struct timeval tv = {1, 0};
    s->last_try = time(NULL);
    redisContext *c = R->redisConnectWithTimeout(s->host, s->port, tv);
    if (!c || c->err) {
        int rc = ep_error_set(err, EP_EUNAVAIL,
                              "the shared state (Redis at %s:%d) cannot be "
                              "reached: %s",
                              s->host, s->port, c ? c->errstr : "out of memory");
        if (c)
            R->redisFree(c);
        return rc;
    }
    R->redisSetTimeout(c, tv);
    redisReply *r = R->redisCommand(c, "SELECT %d", s->db);
    int ok = r && r->type == REDIS_REPLY_STATUS;
    int rc =
        ok ? 0
           : ep_error_set(err, EP_EUNAVAIL,
                          "the shared state (Redis at %s:%d) refused SELECT %d: %s", s->host,
                          s->port, s->db, r && r->type == REDIS_REPLY_ERROR ? r->str : c->errstr);
    if (r)
        R->freeReplyObject(r);
    if (rc) {
        R->redisFree(c);
        return rc;
    }
    s->c = c;
    return 0;
}

int ep_state_open(const char *url, struct ep_state **out, struct ep_error *err)
{
    *out = NULL;
    const char *p = url && strncmp(url, "redis://", 8) == 0 ? url + 8 : NULL;
    const char *colon = p ? strchr(p, ':') : NULL;
    char host[200] = "";
    long port = 0, db = 0;
    char *end = NULL;
    if (colon && colon > p && (size_t)(colon - p) < sizeof host && strlen(url) < 256) {
        memcpy(host, p, (size_t)(colon - p));
        port = strtol(colon + 1, &end, 10);
    }
    if (!host[0] || strchr(host, '/') || !end || end == colon + 1 || port < 1 || port > 65535 ||
        (*end && *end != '/'))
        return ep_error_set(err, EP_EINVAL,
                            "--state: \"%s\" is not redis://HOST:PORT/DB (e.g. "
                            "redis://127.0.0.1:6379/0)",
                            url ? url : "");
    if (*end == '/' && end[1]) {
        char *dend = NULL;
        db = strtol(end + 1, &dend, 10);
        if (*dend || dend == end + 1 || db < 0 || db > 15)
            return ep_error_set(err, EP_EINVAL, "--state: the database in \"%s\" must be 0..15",
                                url);
    }
    struct ep_state *s = calloc(1, sizeof *s);
    if (!s)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    snprintf(s->url, sizeof s->url, "%s", url);
    snprintf(s->host, sizeof s->host, "%s", host);
    s->port = (int)port;
    s->db = (int)db;
    pthread_mutex_init(&s->mu, NULL);
    int rc = connect_locked(s, err);
    if (rc) {
        ep_state_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

void ep_state_close(struct ep_state *s)
{
    if (!s)
        return;
    if (s->c)
        R->redisFree(s->c);
    free(s->revoked);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

static double mono_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Run a command (mu held), connecting first if needed: its reply (the caller frees it), or NULL
 * with err (EP_EUNAVAIL naming the server and what); a broken connection is dropped, to be made
 * again by a later call (at most once a second). An error reply is returned as a reply. */
static redisReply *command_locked(struct ep_state *s, struct ep_error *err, const char *what,
                                  const char *fmt, ...)
{
    if (!s->c) {
        if (time(NULL) == s->last_try) {
            ep_error_set(err, EP_EUNAVAIL,
                         "the shared state (Redis at %s:%d) is unreachable; retrying", s->host,
                         s->port);
            return NULL;
        }
        if (connect_locked(s, err))
            return NULL;
    }
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = R->redisvCommand(s->c, fmt, ap);
    va_end(ap);
    if (!r) {
        ep_error_set(err, EP_EUNAVAIL, "the shared state (Redis at %s:%d) did not answer %s: %s",
                     s->host, s->port, what, s->c->err ? s->c->errstr : "no reply");
        R->redisFree(s->c);
        s->c = NULL;
    }
    return r;
}

/* A reply {integer, integer} of a script into a, b: 0, or EP_EUNAVAIL with err (r freed). */
static int pair_reply(struct ep_state *s, redisReply *r, const char *what, long long *a,
                      long long *b, struct ep_error *err)
{
    int ok = r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
             r->element[0]->type == REDIS_REPLY_INTEGER &&
             r->element[1]->type == REDIS_REPLY_INTEGER;
    if (ok) {
        *a = r->element[0]->integer;
        *b = r->element[1]->integer;
    } else if (r) {
        ep_error_set(err, EP_EUNAVAIL, "the shared state (Redis at %s:%d) did not answer %s: %s",
                     s->host, s->port, what,
                     r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
    }
    if (r)
        R->freeReplyObject(r);
    return ok ? 0 : EP_EUNAVAIL;
}

int ep_state_rate_admit(struct ep_state *s, const char *principal, long limit, int *retry,
                        struct ep_error *err)
{
    char key[300], seq[300];
    snprintf(key, sizeof key, "epintel:rate:%s", principal);
    snprintf(seq, sizeof seq, "epintel:rateseq:%s", principal);
    *retry = 1;
    pthread_mutex_lock(&s->mu);
    redisReply *r =
        command_locked(s, err, "the rate check", "EVAL %s 2 %s %s %ld", rate_lua, key, seq, limit);
    long long ok = 0, wait = 1;
    int rc = r ? pair_reply(s, r, "the rate check", &ok, &wait, err) : EP_EUNAVAIL;
    pthread_mutex_unlock(&s->mu);
    if (rc)
        return rc;
    *retry = wait < 1 ? 1 : wait > 60 ? 60 : (int)wait;
    return ok ? 0 : 1;
}

int ep_state_revoke_key(struct ep_state *s, const char *digest, struct ep_error *err)
{
    pthread_mutex_lock(&s->mu);
    redisReply *r =
        command_locked(s, err, "the revocation", "SADD " EP_STATE_REVOKED_KEY " %s", digest);
    int rc = 0;
    if (r && r->type != REDIS_REPLY_INTEGER)
        rc = ep_error_set(err, EP_EUNAVAIL, "the shared state (Redis at %s:%d) refused SADD: %s",
                          s->host, s->port, r->type == REDIS_REPLY_ERROR ? r->str : "?");
    else if (!r)
        rc = EP_EUNAVAIL;
    if (r)
        R->freeReplyObject(r);
    s->revoked_at = 0; /* read again on the next check */
    pthread_mutex_unlock(&s->mu);
    return rc;
}

static int cmp_digest(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

/* Read the revoked set again (mu held): 0 or EP_EUNAVAIL with err (the old list kept). */
static int revoked_refresh_locked(struct ep_state *s, struct ep_error *err)
{
    redisReply *r = command_locked(s, err, "the revoked keys", "SMEMBERS " EP_STATE_REVOKED_KEY);
    if (!r)
        return EP_EUNAVAIL;
    int rc = 0;
    if (r->type != REDIS_REPLY_ARRAY) {
        rc = ep_error_set(err, EP_EUNAVAIL,
                          "the shared state (Redis at %s:%d) did not answer the revoked keys: %s",
                          s->host, s->port, r->type == REDIS_REPLY_ERROR ? r->str : "?");
    } else {
        char(*v)[65] = r->elements ? calloc(r->elements, sizeof *v) : NULL;
        if (r->elements && !v) {
            rc = ep_error_set(err, EP_ENOMEM, "out of memory");
        } else {
            size_t n = 0;
            for (size_t i = 0; i < r->elements; i++)
                if (r->element[i]->type == REDIS_REPLY_STRING && r->element[i]->len == 64)
                    memcpy(v[n++], r->element[i]->str, 64);
            if (n)
                qsort(v, n, sizeof *v, cmp_digest);
            free(s->revoked);
            s->revoked = v;
            s->nrevoked = n;
            s->revoked_at = mono_s();
        }
    }
    R->freeReplyObject(r);
    return rc;
}

int ep_state_key_revoked(struct ep_state *s, const char *digest, struct ep_error *err)
{
    pthread_mutex_lock(&s->mu);
    int rc = 0;
    if (s->revoked_at == 0 || mono_s() - s->revoked_at >= EP_STATE_REVOKED_MAX_AGE_S)
        rc = revoked_refresh_locked(s, err);
    int hit = !rc && s->nrevoked &&
              bsearch(digest, s->revoked, s->nrevoked, sizeof *s->revoked, cmp_digest);
    pthread_mutex_unlock(&s->mu);
    return rc ? rc : hit;
}

int ep_state_quota_charge(struct ep_state *s, const char *principal, long limit, int n, time_t now,
                          long *used, struct ep_error *err)
{
    char day[16], key[300];
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(day, sizeof day, "%Y-%m-%d", &tm);
    snprintf(key, sizeof key, "epintel:quota:%s:%s", day, principal);
    *used = 0;
    pthread_mutex_lock(&s->mu);
    redisReply *r =
        command_locked(s, err, "the quota check", "EVAL %s 1 %s %d %ld", quota_lua, key, n, limit);
    long long admitted = 0, before = 0;
    int rc = r ? pair_reply(s, r, "the quota check", &admitted, &before, err) : EP_EUNAVAIL;
    pthread_mutex_unlock(&s->mu);
    if (rc)
        return rc;
    *used = (long)before;
    return admitted ? 0 : 1;
}
