/* ep_state: shared state in Redis for replicas (see ep_state.h). */
#include "ep_state.h"

#include <hiredis/hiredis.h>
#include <pthread.h>
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

struct ep_state {
    char url[256];
    char host[200];
    int port, db;
    pthread_mutex_t mu;
    redisContext *c; /* NULL while disconnected */
    time_t last_try;
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
    pthread_mutex_destroy(&s->mu);
    free(s);
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
    int rc = 0;
    if (!s->c) {
        if (time(NULL) == s->last_try)
            rc = ep_error_set(err, EP_EUNAVAIL,
                              "the shared state (Redis at %s:%d) is unreachable; retrying", s->host,
                              s->port);
        else
            rc = connect_locked(s, err);
    }
    redisReply *r = NULL;
    if (!rc) {
        r = R->redisCommand(s->c, "EVAL %s 1 %s %d %ld", quota_lua, key, n, limit);
        if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
            r->element[0]->type != REDIS_REPLY_INTEGER ||
            r->element[1]->type != REDIS_REPLY_INTEGER) {
            rc = ep_error_set(err, EP_EUNAVAIL,
                              "the shared state (Redis at %s:%d) did not answer "
                              "the quota check: %s",
                              s->host, s->port,
                              r && r->type == REDIS_REPLY_ERROR ? r->str
                              : s->c->err                       ? s->c->errstr
                                                                : "unexpected reply");
            if (s->c->err) { /* the connection is broken: reconnect on a later call */
                R->redisFree(s->c);
                s->c = NULL;
            }
        }
    }
    int over = 0;
    if (!rc && r) {
        over = r->element[0]->integer == 0;
        *used = (long)r->element[1]->integer;
    }
    if (r)
        R->freeReplyObject(r);
    pthread_mutex_unlock(&s->mu);
    return rc ? rc : over;
}
