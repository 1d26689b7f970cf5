/* ep_positions: the positions snapshot of a store: every vote with per-MEP positions (the whole
 * store's vote matrix), per-vote group counts, the days with positions and every sitting date,
 * so that hot paths never scan the member_vote view.
 *
 * A snapshot is immutable once built and shared with a reference count. A cache
 * (struct ep_positions_cache) keeps the current snapshot of a store and rebuilds it when the
 * store changed (its connection's changes or SQLite's data_version); the analysis environment
 * holds one cache. There is no process-global state here.
 *
 * Ownership: ep_positions_acquire hands out a counted reference (release it with
 * ep_positions_release); the snapshot borrows nothing (the store may be closed while it is
 * held). The cache owns its current snapshot. A cache is thread-safe. */
#ifndef EP_POSITIONS_H
#define EP_POSITIONS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "ep_error.h"
#include "ep_matrix.h"
#include "ep_query.h"

struct ep_store;

struct ep_positions_counts {
    int y, n, a, d; /* FOR, AGAINST, ABSTENTION, DID_NOT_VOTE of one group on one vote */
};

struct ep_positions_day {
    char date[11];
    int first_vote, n_votes; /* matrix vote indices [first_vote, first_vote + n_votes) */
    int mandate;             /* MEPs with a mandate (or a cast vote) that day */
    int present;             /* MEPs with at least one cast vote that day */
    int dnv_unknown;         /* votes of the day on which who did not vote is unknown */
};

struct ep_positions {
    struct ep_matrix m;                 /* every vote with positions, whole store */
    struct ep_positions_counts *counts; /* [v * m.n_grp + g] */
    int64_t *vote_sorted;               /* vote ids ascending */
    int *vote_sorted_index;             /* matrix index of vote_sorted[k] */
    struct ep_positions_day *days;      /* position days ascending */
    int n_days;
    struct ep_query_sitting *sittings; /* every date with votes (vote table), ascending */
    int n_sittings;
    char dataset_date[11];         /* "" when the store has no votes */
    char pos_from[11], pos_to[11]; /* "" when no votes have positions */
    int synthetic;
    /* private */
    atomic_int refs;
    char *key_path;
    const void *key_store;
    struct ep_query_change_key key;
};

/* The provenance fields of a store: what every result's provenance block says. */
struct ep_positions_prov {
    char dataset_date[11];         /* "" when the store has no votes */
    char pos_from[11], pos_to[11]; /* "" when no votes have positions */
    int synthetic;
};

struct ep_positions_cache {
    pthread_mutex_t mu;
    struct ep_positions *cur; /* owned reference, or NULL */
    /* the provenance read straight from the store for one content (no snapshot built) */
    int prov_ok;
    const void *prov_store;
    char *prov_path;
    struct ep_query_change_key prov_key;
    struct ep_positions_prov prov;
};

void ep_positions_cache_init(struct ep_positions_cache *c);
/* Drop the cached snapshot and memo (references still held stay valid until released); the
 * cache can be used again. */
void ep_positions_cache_clear(struct ep_positions_cache *c);
/* Clear and destroy the cache. Every reference must have been released before. */
void ep_positions_cache_free(struct ep_positions_cache *c);

/* The current snapshot of s (built on first use, ~0.1 s on the bundled data; rebuilt after the
 * store changes). A store without positions gives a snapshot with m.n_vote == 0. EP_EUNAVAIL
 * when s is NULL. */
int ep_positions_acquire(struct ep_positions_cache *c, struct ep_store *s,
                         struct ep_positions **out, struct ep_error *err);
/* The current snapshot of s when one is built and up to date (a counted reference), else NULL:
 * never builds one. */
struct ep_positions *ep_positions_peek(struct ep_positions_cache *c, struct ep_store *s);
/* Release a reference (NULL is fine). */
void ep_positions_release(struct ep_positions *p);

/* The provenance fields of s: from the current snapshot when one is up to date, else read from
 * the store (and remembered for this content), so that a result needing only the provenance does
 * not load the whole store's matrix. */
int ep_positions_provenance(struct ep_positions_cache *c, struct ep_store *s,
                            struct ep_positions_prov *out, struct ep_error *err);

/* Which stored source names MEP id: 1 = a members-table row (name, country, ...), 2 = only
 * memberships or stored roll-call positions (no name), 0 = none; negative EP_E* on a store error
 * (err filled). The positions are looked up in c's snapshot of s only when the tables do not
 * name the MEP. */
int ep_positions_mep_known(struct ep_positions_cache *c, struct ep_store *s, int64_t id,
                           struct ep_error *err);

/* Matrix index of vote_id, or -1 when the vote has no stored positions. */
int ep_positions_vote_index(const struct ep_positions *p, int64_t vote_id);
/* Index into days[] of a date, or -1. */
int ep_positions_day_index(const struct ep_positions *p, const char *date);

#endif
