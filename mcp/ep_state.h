/* ep_state: state shared by several `epintel serve --http` replicas, in Redis (hiredis, loaded
 * on first use like the other libraries: engine/ep_lazy.h). Given with --state
 * redis://HOST:PORT/DB; without it everything stays in the process and its store (the default).
 *
 * What is shared: the daily quota counters (one count per principal and UTC day, charged
 * atomically by a Lua script, so Q over any number of replicas admits exactly Q). Not yet: rate
 * windows, revoked keys, task state and the result cache (docs/deploy.md).
 *
 * Failure: when Redis cannot be reached (or answers an error), a charge fails with EP_EUNAVAIL
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

#endif
