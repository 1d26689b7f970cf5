/* ep_state: state shared by several `epintel serve --http` replicas, in Redis (hiredis, loaded
 * on first use like the other libraries: engine/ep_lazy.h). Given with --state
 * redis://HOST:PORT/DB; without it everything stays in the process and its store (the default).
 *
 * What is shared (docs/deploy.md):
 * - the daily quota counters: one count per principal and UTC day, charged atomically by a Lua
 *   script, so Q over any number of replicas admits exactly Q;
 * - the sliding rate windows: per principal, the admitted requests of the last 60 s on Redis's
 *   clock (a sorted set), checked and added by one Lua script, so N per minute over any number of
 *   replicas admits exactly N in any 60 s;
 * - the revoked API keys: a set of key digests (SHA-256 hex) that `epintel auth key revoke
 *   --state URL` adds to; each process reads it again when its copy is EP_STATE_REVOKED_MAX_AGE_S
 *   old, so a revoked key is refused by every replica at most that long after the revocation.
 *
 * Failure: when Redis cannot be reached (or answers an error), a check fails with EP_EUNAVAIL
 * and a message naming the server: the caller refuses the request (fail closed: HTTP 503). Each
 * later call tries to reconnect (at most once a second), so the server recovers when Redis is
 * back.
 *
 *     struct ep_state *st;
 *     if (ep_state_open("redis://127.0.0.1:6379/0", &st, &err)) ...  // connects once to check
 *     rc = ep_state_quota_charge(st, principal, limit, 1, time(NULL), &used, &err);
 *     ep_state_close(st);
 *
 * Threads: calls are serialized on one connection (a mutex). */
#ifndef EP_STATE_H
#define EP_STATE_H

#include <time.h>

#include "ep_error.h"
#include "ep_taskstore.h"

struct ep_state;

/* Parse url (redis://HOST:PORT[/DB]; HOST an address or name, PORT 1..65535, DB 0..15) and
 * connect (1 s timeout) to check it. EP_EINVAL for a malformed url, EP_EUNAVAIL when Redis
 * cannot be reached or refuses SELECT. */
int ep_state_open(const char *url, struct ep_state **out, struct ep_error *err);

/* NULL is fine. */
void ep_state_close(struct ep_state *s);

/* The url it was opened with (for messages). */
const char *ep_state_url(const struct ep_state *s);

/* Charge n data requests to principal for the UTC day of now against limit. 0: admitted;
 * 1: over the limit, nothing charged; *used = the day's count before this charge. EP_EUNAVAIL
 * (err says why) when Redis cannot answer: nothing is known, the caller must refuse. */
int ep_state_quota_charge(struct ep_state *s, const char *principal, long limit, int n, time_t now,
                          long *used, struct ep_error *err);

/* Admit one request by principal in its sliding one-minute window of limit requests (on Redis's
 * clock, shared by all replicas). 0: admitted; 1: over the limit, nothing counted, *retry = the
 * seconds until the window's oldest request leaves it (1..60); EP_EUNAVAIL (err says why): the
 * caller must refuse. */
int ep_state_rate_admit(struct ep_state *s, const char *principal, long limit, int *retry,
                        struct ep_error *err);

/* A revoked key is refused by every replica at most this long after ep_state_revoke_key. */
#define EP_STATE_REVOKED_MAX_AGE_S 1.0

/* 1 when digest (lowercase hex SHA-256 of an API key, 64 characters) is in the shared revoked
 * set, 0 when not, read from Redis again when this process's copy is EP_STATE_REVOKED_MAX_AGE_S
 * old; EP_EUNAVAIL when it had to be read and Redis cannot answer (the caller must refuse: the
 * bound would not hold). */
int ep_state_key_revoked(struct ep_state *s, const char *digest, struct ep_error *err);

/* Add digest to the shared revoked set: 0 or EP_EUNAVAIL. */
int ep_state_revoke_key(struct ep_state *s, const char *digest, struct ep_error *err);

/* Tasks in Redis (--state): the functions of engine/ep_taskstore.h, with the same arguments and
 * results, on the shared state instead of the store file, so that replicas with separate stores
 * share their tasks. Errors are EP_EUNAVAIL (Redis cannot answer) instead of EP_EIO; a task
 * survives its replica's restart, and Redis's own restart when Redis persists (appendonly). */
int ep_state_task_insert(struct ep_state *s, const struct ep_tasknew *n, struct ep_error *err);
int ep_state_task_get(struct ep_state *s, const char *principal, const char *id,
                      struct ep_taskrow *r, struct ep_error *err);
int ep_state_task_call(struct ep_state *s, const char *id, struct ep_taskcall *c,
                       struct ep_error *err);
int ep_state_task_renew(struct ep_state *s, const char *id, const char *owner, const char *message,
                        double now, int lease_s);
int ep_state_task_finish(struct ep_state *s, const char *id, const char *owner, const char *status,
                         const char *message, const char *result, const char *error, double now,
                         struct ep_error *err);
void ep_state_task_release(struct ep_state *s, const char *id, const char *owner);
int ep_state_task_cancel(struct ep_state *s, const char *principal, const char *id,
                         const char *message, double now, struct ep_error *err);
int ep_state_task_claim(struct ep_state *s, const char *owner, const char *message, double now,
                        int lease_s, char (*ids)[40], int max);
int ep_state_task_list(struct ep_state *s, const char *principal, long offset, int limit,
                       void (*fn)(void *ctx, const struct ep_taskrow *r), void *ctx, int *more,
                       struct ep_error *err);

/* The shared result cache (--state): a tool result computed by one replica, served by the
 * others. Keys are "epintel:rc:" + the SHA-256 hex of key_material (the caller's tool, canonical
 * arguments, data identity and result form); values expire after ttl_s (the tool row's cache
 * TTL). Values over EP_STATE_CACHE_MAX_BYTES are not shared (they stay in the replica's own
 * cache). The cache is not a security control: when Redis cannot answer, get reports a miss and
 * put does nothing (fail open: the caller computes the result), and the errors counter counts
 * it. */
#define EP_STATE_CACHE_MAX_BYTES (256 * 1024)
struct ep_state_cache_stats {
    unsigned long hits, misses, stores, too_large, errors;
};
/* 1 and *val (malloc'd, NUL-terminated, *len bytes) on a hit; 0 on a miss or when Redis cannot
 * answer (counted in errors). */
int ep_state_cache_get(struct ep_state *s, const char *key_material, char **val, size_t *len);
/* Store val (len bytes) for ttl_s seconds (best effort). */
void ep_state_cache_put(struct ep_state *s, const char *key_material, const char *val, size_t len,
                        int ttl_s);
void ep_state_cache_stats(struct ep_state *s, struct ep_state_cache_stats *out);

#endif
