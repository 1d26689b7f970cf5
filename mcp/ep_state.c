/* ep_state: shared state in Redis for replicas (see ep_state.h). */
#include "ep_state.h"

#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ep_crypto.h"
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
    struct ep_state_cache_stats cache; /* the shared result cache's counters (mu) */
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

/* ------------------------------------------------------------------------------ tasks
 * A task is the hash epintel:task:ID (the fields of the store's mcp_task row); the working tasks
 * are the sorted set epintel:tasks:working scored by lease_until; a principal's tasks the sorted
 * set epintel:tasks:p:PRINCIPAL scored by created. Every change that checks a condition (owner,
 * status, lease) is one Lua script, so it is atomic over the replicas as the store's UPDATE ...
 * WHERE is. A finished task expires at created + ttl_ms (PEXPIREAT). */
#define TASK_PREFIX "epintel:task:"
#define TASK_WORKING "epintel:tasks:working"
#define TASK_PRINCIPAL "epintel:tasks:p:"
/* the row's fields as ep_taskrow reads them, then principal */
#define TASK_ROW_FIELDS "id status message created updated ttl_ms result error runs principal"

static const char task_insert_lua[] =
    "redis.call('HSET', KEYS[1], 'id', ARGV[1], 'principal', ARGV[2], 'tool', ARGV[3], 'args',"
    " ARGV[4], 'out_dir', ARGV[5], 'status', 'working', 'message', 'queued', 'created', ARGV[6],"
    " 'updated', ARGV[6], 'ttl_ms', ARGV[7], 'owner', ARGV[8], 'lease_until', ARGV[9], 'runs', 1);"
    " redis.call('ZADD', KEYS[2], ARGV[9], ARGV[1]); redis.call('ZADD', KEYS[3], ARGV[6], ARGV[1]);"
    " return 1";

/* ARGV: owner, now, lease_s, has message (1/0), message */
static const char task_renew_lua[] =
    "if redis.call('HGET', KEYS[1], 'status') ~= 'working' or"
    " redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end;"
    " local u = tonumber(ARGV[2]) + tonumber(ARGV[3]);"
    " redis.call('HSET', KEYS[1], 'lease_until', u);"
    " redis.call('ZADD', KEYS[2], u, redis.call('HGET', KEYS[1], 'id'));"
    " if ARGV[4] == '1' then redis.call('HSET', KEYS[1], 'message', ARGV[5], 'updated', ARGV[2])"
    " end; return 1";

/* End a working task (the lease ends, it leaves the working set, it expires after its ttl).
 * ARGV: field to match (owner or principal), its value, status, message, now, result (or ''),
 * error (or ''), has result, has error */
static const char task_end_lua[] =
    "if redis.call('HGET', KEYS[1], 'status') ~= 'working' or"
    " redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end;"
    " redis.call('HSET', KEYS[1], 'status', ARGV[3], 'message', ARGV[4], 'updated', ARGV[5],"
    " 'lease_until', 0);"
    " if ARGV[8] == '1' then redis.call('HSET', KEYS[1], 'result', ARGV[6]) end;"
    " if ARGV[9] == '1' then redis.call('HSET', KEYS[1], 'error', ARGV[7]) end;"
    " redis.call('ZREM', KEYS[2], redis.call('HGET', KEYS[1], 'id'));"
    " local c = tonumber(redis.call('HGET', KEYS[1], 'created'));"
    " local ttl = tonumber(redis.call('HGET', KEYS[1], 'ttl_ms'));"
    " redis.call('PEXPIREAT', KEYS[1], math.floor(c * 1000 + ttl)); return 1";

/* ARGV: owner */
static const char task_release_lua[] =
    "if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end;"
    " redis.call('HSET', KEYS[1], 'lease_until', 0);"
    " if redis.call('HGET', KEYS[1], 'status') == 'working' then"
    " redis.call('ZADD', KEYS[2], 0, redis.call('HGET', KEYS[1], 'id')) end; return 1";

/* ARGV: prefix, owner, message, now, lease_s, max. The ids claimed. */
static const char task_claim_lua[] =
    "local now = tonumber(ARGV[4]); local u = now + tonumber(ARGV[5]); local out = {};"
    " local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[4], 'LIMIT', 0,"
    " tonumber(ARGV[6]));"
    " for _, id in ipairs(ids) do local k = ARGV[1] .. id;"
    "  if redis.call('HGET', k, 'status') == 'working' then"
    "   redis.call('HSET', k, 'owner', ARGV[2], 'lease_until', u, 'message', ARGV[3]);"
    "   redis.call('HINCRBY', k, 'runs', 1); redis.call('ZADD', KEYS[1], u, id);"
    "   out[#out + 1] = id"
    "  else redis.call('ZREM', KEYS[1], id) end end; return out";

/* ARGV: prefix, offset, limit. {more, row, row, ...}, newest first; expired tasks leave the
 * principal's set on the way. */
static const char task_list_lua[] =
    "local off = tonumber(ARGV[2]); local lim = tonumber(ARGV[3]); local out = {0}; local k = 0;"
    " for _, id in ipairs(redis.call('ZREVRANGE', KEYS[1], 0, -1)) do local h = ARGV[1] .. id;"
    "  if redis.call('EXISTS', h) == 0 then redis.call('ZREM', KEYS[1], id) else"
    "   if k >= off then if #out - 1 >= lim then out[1] = 1; break end;"
    "    out[#out + 1] = redis.call('HMGET', h, 'id', 'status', 'message', 'created', 'updated',"
    "     'ttl_ms', 'result', 'error', 'runs', 'principal') end;"
    "   k = k + 1 end end; return out";

/* Element i of an array reply as a string (NULL for nil or another type). */
static const char *elem_str(const redisReply *r, size_t i)
{
    return i < r->elements && r->element[i]->type == REDIS_REPLY_STRING ? r->element[i]->str : NULL;
}

static char *dup_or_null(const char *v)
{
    return v ? strdup(v) : NULL;
}

/* r from an HMGET of TASK_ROW_FIELDS. */
static void task_row_from(const redisReply *a, struct ep_taskrow *r)
{
    memset(r, 0, sizeof *r);
    snprintf(r->id, sizeof r->id, "%s", elem_str(a, 0) ? elem_str(a, 0) : "");
    snprintf(r->status, sizeof r->status, "%s", elem_str(a, 1) ? elem_str(a, 1) : "");
    snprintf(r->message, sizeof r->message, "%s", elem_str(a, 2) ? elem_str(a, 2) : "");
    r->created = elem_str(a, 3) ? strtod(elem_str(a, 3), NULL) : 0;
    r->updated = elem_str(a, 4) ? strtod(elem_str(a, 4), NULL) : 0;
    r->ttl_ms = elem_str(a, 5) ? strtol(elem_str(a, 5), NULL, 10) : 0;
    r->result = dup_or_null(elem_str(a, 6));
    r->error = dup_or_null(elem_str(a, 7));
    r->runs = elem_str(a, 8) ? (int)strtol(elem_str(a, 8), NULL, 10) : 0;
}

/* A reply that is not an error, of the type wanted (or any when want < 0): 0; else
 * EP_EUNAVAIL with err naming what (r freed and *rp NULL). */
static int task_reply(struct ep_state *s, redisReply **rp, int want, const char *what,
                      struct ep_error *err)
{
    redisReply *r = *rp;
    if (!r)
        return EP_EUNAVAIL;
    if (r->type == REDIS_REPLY_ERROR || (want >= 0 && r->type != want)) {
        ep_error_set(err, EP_EUNAVAIL,
                     "tasks: the shared state (Redis at %s:%d) did not answer %s: %s", s->host,
                     s->port, what, r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
        R->freeReplyObject(r);
        *rp = NULL;
        return EP_EUNAVAIL;
    }
    return 0;
}

int ep_state_task_insert(struct ep_state *s, const struct ep_tasknew *n, struct ep_error *err)
{
    char now[40], lease[40], ttl[32];
    snprintf(now, sizeof now, "%.6f", n->now);
    snprintf(lease, sizeof lease, "%.6f", n->now + n->lease_s);
    snprintf(ttl, sizeof ttl, "%ld", n->ttl_ms);
    const char *p = n->principal ? n->principal : "";
    pthread_mutex_lock(&s->mu);
    redisReply *r = command_locked(s, err, "creating a task",
                                   "EVAL %s 3 " TASK_PREFIX "%s " TASK_WORKING " " TASK_PRINCIPAL
                                   "%s %s %s %s %s %s %s %s %s %s",
                                   task_insert_lua, n->id, p, n->id, p, n->tool, n->args,
                                   n->out_dir ? n->out_dir : "", now, ttl, n->owner, lease);
    int rc = task_reply(s, &r, REDIS_REPLY_INTEGER, "creating a task", err);
    if (r)
        R->freeReplyObject(r);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int ep_state_task_get(struct ep_state *s, const char *principal, const char *id,
                      struct ep_taskrow *r, struct ep_error *err)
{
    memset(r, 0, sizeof *r);
    pthread_mutex_lock(&s->mu);
    redisReply *a =
        command_locked(s, err, "reading a task", "HMGET " TASK_PREFIX "%s " TASK_ROW_FIELDS, id);
    int rc = task_reply(s, &a, REDIS_REPLY_ARRAY, "reading a task", err);
    if (!rc) {
        const char *owner = elem_str(a, 9);
        if (!elem_str(a, 0) || !owner || strcmp(owner, principal ? principal : "") != 0)
            rc = ep_error_set(err, EP_ENOTFOUND, "unknown task \"%.60s\"", id);
        else
            task_row_from(a, r);
    }
    if (a)
        R->freeReplyObject(a);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int ep_state_task_call(struct ep_state *s, const char *id, struct ep_taskcall *c,
                       struct ep_error *err)
{
    memset(c, 0, sizeof *c);
    pthread_mutex_lock(&s->mu);
    redisReply *a = command_locked(s, err, "reading a task",
                                   "HMGET " TASK_PREFIX "%s tool args out_dir principal", id);
    int rc = task_reply(s, &a, REDIS_REPLY_ARRAY, "reading a task", err);
    if (!rc && !elem_str(a, 0)) {
        rc = ep_error_set(err, EP_ENOTFOUND, "unknown task \"%.60s\"", id);
    } else if (!rc) {
        c->tool = dup_or_null(elem_str(a, 0));
        c->args = dup_or_null(elem_str(a, 1));
        c->out_dir = dup_or_null(elem_str(a, 2));
        c->principal = dup_or_null(elem_str(a, 3));
        if (!(c->tool && c->args && c->out_dir && c->principal))
            rc = ep_error_set(err, EP_ENOMEM, "tasks: out of memory");
    }
    if (a)
        R->freeReplyObject(a);
    pthread_mutex_unlock(&s->mu);
    if (rc)
        ep_taskcall_clear(c);
    return rc;
}

/* Run a task script on the task id and the working set with the arguments fmt (after the two
 * keys): its integer reply, or -1 with err. */
static long long task_script(struct ep_state *s, const char *lua, const char *id, const char *what,
                             struct ep_error *err, const char *a1, const char *a2, const char *a3,
                             const char *a4, const char *a5, const char *a6, const char *a7,
                             const char *a8, const char *a9)
{
    pthread_mutex_lock(&s->mu);
    redisReply *r = command_locked(
        s, err, what, "EVAL %s 2 " TASK_PREFIX "%s " TASK_WORKING " %s %s %s %s %s %s %s %s %s",
        lua, id, a1, a2, a3, a4, a5, a6, a7, a8, a9);
    long long n = task_reply(s, &r, REDIS_REPLY_INTEGER, what, err) ? -1 : r->integer;
    if (r)
        R->freeReplyObject(r);
    pthread_mutex_unlock(&s->mu);
    return n;
}

int ep_state_task_renew(struct ep_state *s, const char *id, const char *owner, const char *message,
                        double now, int lease_s)
{
    char t[40], l[16];
    snprintf(t, sizeof t, "%.6f", now);
    snprintf(l, sizeof l, "%d", lease_s);
    struct ep_error e = {0};
    return (int)task_script(s, task_renew_lua, id, "renewing a lease", &e, owner, t, l,
                            message ? "1" : "0", message ? message : "", "", "", "", "");
}

int ep_state_task_finish(struct ep_state *s, const char *id, const char *owner, const char *status,
                         const char *message, const char *result, const char *error, double now,
                         struct ep_error *err)
{
    char t[40];
    snprintf(t, sizeof t, "%.6f", now);
    long long n = task_script(s, task_end_lua, id, "storing a task's outcome", err, "owner", owner,
                              status, message ? message : "", t, result ? result : "",
                              error ? error : "", result ? "1" : "0", error ? "1" : "0");
    return n < 0 ? EP_EUNAVAIL : (int)n;
}

void ep_state_task_release(struct ep_state *s, const char *id, const char *owner)
{
    struct ep_error e = {0};
    task_script(s, task_release_lua, id, "giving a lease back", &e, owner, "", "", "", "", "", "",
                "", "");
}

int ep_state_task_cancel(struct ep_state *s, const char *principal, const char *id,
                         const char *message, double now, struct ep_error *err)
{
    char t[40];
    snprintf(t, sizeof t, "%.6f", now);
    long long n = task_script(s, task_end_lua, id, "cancelling a task", err, "principal",
                              principal ? principal : "", "cancelled", message ? message : "", t,
                              "", "", "0", "0");
    return n < 0 ? EP_EUNAVAIL : (int)n;
}

int ep_state_task_claim(struct ep_state *s, const char *owner, const char *message, double now,
                        int lease_s, char (*ids)[40], int max)
{
    if (!ids || max <= 0)
        return 0;
    char t[40], l[16], m[16];
    snprintf(t, sizeof t, "%.6f", now);
    snprintf(l, sizeof l, "%d", lease_s);
    snprintf(m, sizeof m, "%d", max);
    struct ep_error e = {0};
    pthread_mutex_lock(&s->mu);
    redisReply *r = command_locked(s, &e, "claiming tasks",
                                   "EVAL %s 1 " TASK_WORKING " " TASK_PREFIX " %s %s %s %s %s",
                                   task_claim_lua, owner, message, t, l, m);
    int n = task_reply(s, &r, REDIS_REPLY_ARRAY, "claiming tasks", &e) ? -1 : 0;
    for (size_t i = 0; r && i < r->elements && n < max; i++)
        if (elem_str(r, i))
            snprintf(ids[n++], sizeof ids[0], "%s", elem_str(r, i));
    if (r)
        R->freeReplyObject(r);
    pthread_mutex_unlock(&s->mu);
    return n;
}

int ep_state_task_list(struct ep_state *s, const char *principal, long offset, int limit,
                       void (*fn)(void *ctx, const struct ep_taskrow *r), void *ctx, int *more,
                       struct ep_error *err)
{
    *more = 0;
    pthread_mutex_lock(&s->mu);
    redisReply *r = command_locked(s, err, "listing tasks",
                                   "EVAL %s 1 " TASK_PRINCIPAL "%s " TASK_PREFIX " %ld %d",
                                   task_list_lua, principal ? principal : "", offset, limit);
    int rc = task_reply(s, &r, REDIS_REPLY_ARRAY, "listing tasks", err);
    pthread_mutex_unlock(&s->mu);
    if (rc)
        return rc;
    *more = r->elements > 0 && r->element[0]->type == REDIS_REPLY_INTEGER &&
            r->element[0]->integer == 1;
    for (size_t i = 1; i < r->elements; i++) {
        if (r->element[i]->type != REDIS_REPLY_ARRAY)
            continue;
        struct ep_taskrow row;
        task_row_from(r->element[i], &row);
        fn(ctx, &row);
        ep_taskrow_clear(&row);
    }
    R->freeReplyObject(r);
    return 0;
}

/* ---- the shared result cache */

static void cache_key(const char *material, char out[64])
{
    unsigned char d[32];
    unsigned int dl = 0;
    memcpy(out, "epintel:rc:", 12);
    if (!EVP_Digest(material, strlen(material), d, &dl, EVP_sha256(), NULL))
        return;                  /* "epintel:rc:": never stored under (put skips it), so a miss */
    for (int i = 0; i < 16; i++) /* 128 bits of the digest */
        snprintf(out + 11 + 2 * i, 3, "%02x", d[i]);
}

int ep_state_cache_get(struct ep_state *s, const char *key_material, char **val, size_t *len)
{
    char key[64];
    cache_key(key_material, key);
    *val = NULL;
    *len = 0;
    struct ep_error e = {0};
    pthread_mutex_lock(&s->mu);
    redisReply *r = key[11] ? command_locked(s, &e, "the result cache", "GET %s", key) : NULL;
    int hit = 0;
    if (r && r->type == REDIS_REPLY_STRING && r->len > 0 && (*val = malloc(r->len + 1))) {
        memcpy(*val, r->str, r->len);
        (*val)[r->len] = 0;
        *len = r->len;
        hit = 1;
    }
    if (hit)
        s->cache.hits++;
    else if (r && r->type == REDIS_REPLY_NIL)
        s->cache.misses++;
    else
        s->cache.errors++; /* unreachable, an error reply, or out of memory: computed instead */
    if (r)
        R->freeReplyObject(r);
    pthread_mutex_unlock(&s->mu);
    return hit;
}

void ep_state_cache_put(struct ep_state *s, const char *key_material, const char *val, size_t len,
                        int ttl_s)
{
    char key[64];
    cache_key(key_material, key);
    pthread_mutex_lock(&s->mu);
    if (len > EP_STATE_CACHE_MAX_BYTES || ttl_s <= 0 || !key[11]) {
        s->cache.too_large += len > EP_STATE_CACHE_MAX_BYTES;
        pthread_mutex_unlock(&s->mu);
        return;
    }
    struct ep_error e = {0};
    redisReply *r =
        command_locked(s, &e, "the result cache", "SET %s %b EX %d", key, val, len, ttl_s);
    if (r && r->type == REDIS_REPLY_STATUS)
        s->cache.stores++;
    else
        s->cache.errors++;
    if (r)
        R->freeReplyObject(r);
    pthread_mutex_unlock(&s->mu);
}

void ep_state_cache_stats(struct ep_state *s, struct ep_state_cache_stats *out)
{
    pthread_mutex_lock(&s->mu);
    *out = s->cache;
    pthread_mutex_unlock(&s->mu);
}
