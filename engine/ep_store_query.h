/* ep_store_query: the store's queries for the front ends (cli/, mcp/) and the tool-table
 * machinery (tools/ep_tools.c, tools/ep_tools_epapi.c), so that their SQL lives in engine/.
 * (The analysis products' queries are engine/ep_query*.h.)
 *
 * Iterators call fn once per row with values borrowed for the call; fn returns 0 to go on, or
 * a non-zero value that stops the iteration and is returned. Errors are 0 or a negative EP_E*
 * code with err filled ("WHAT: the SQLite message"). A store handle is used by one thread at a
 * time (ep_store.h). */
#ifndef EP_STORE_QUERY_H
#define EP_STORE_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "ep_error.h"

struct ep_store;

/* ---- read transactions ---- */

/* Begin a read transaction when none is open: one consistent view of the store for many
 * statements and one WAL lock instead of one per statement. 1 when this call began one (end it
 * with ep_store_read_end), 0 otherwise (one is open already, or BEGIN failed). */
int ep_store_read_begin(struct ep_store *s);
/* COMMIT the transaction ep_store_read_begin began (ROLLBACK when COMMIT fails). */
void ep_store_read_end(struct ep_store *s);

/* ---- content (epintel info, get_server_health) ---- */

#define EP_STORE_INFO_COUNTS 12
struct ep_store_info {
    long schema_version; /* PRAGMA user_version; -1 when unreadable */
    /* members, groups, memberships, countries, committees, sittings, votes,
     * votes_with_positions, positions_cast, meps_who_voted, search_documents, units: label
     * (static) and value (-1 when unreadable) */
    struct {
        const char *label;
        long value;
    } counts[EP_STORE_INFO_COUNTS];
    /* first and last sitting date of the votes, and of the votes with positions ("" = none) */
    char votes_from[11], votes_to[11], positions_from[11], positions_to[11];
};
void ep_store_info(struct ep_store *s, struct ep_store_info *out);

/* One ingested unit (file or API page), in id order. */
struct ep_store_unit_row {
    const char *path, *kind, *ingested_at; /* never NULL */
    long long records, warnings;
};
int ep_store_each_unit(struct ep_store *s, int (*fn)(void *ctx, const struct ep_store_unit_row *u),
                       void *ctx, struct ep_error *err);

/* Units per kind, in kind order: count, records and the latest ingested_at (NULL if none). */
struct ep_store_kind_row {
    const char *kind, *last_ingested;
    long long units, records;
};
int ep_store_each_kind(struct ep_store *s, int (*fn)(void *ctx, const struct ep_store_kind_row *k),
                       void *ctx, struct ep_error *err);

/* The meta rows whose key starts with prefix (as SQL LIKE 'prefix%'), in key order; value may
 * be NULL. */
int ep_store_each_meta(struct ep_store *s, const char *prefix,
                       int (*fn)(void *ctx, const char *key, const char *value), void *ctx,
                       struct ep_error *err);

/* Units whose kind is not kind, in *out. */
int ep_store_count_units_except(struct ep_store *s, const char *kind, long *out,
                                struct ep_error *err);

/* ---- epintel sql ---- */

/* Run one statement that only reads: header (may be NULL) gets the column names once before
 * the first row, row gets each row's values as text (NULL for SQL NULL). EP_EINVAL (a usage
 * error: no statement, more than one, or one that writes) or EP_EDB (the SQLite message) with
 * the message in err; a callback's non-zero value stops and is returned. */
int ep_store_sql(struct ep_store *s, const char *query,
                 int (*header)(void *ctx, int ncol, const char *const *names),
                 int (*row)(void *ctx, int ncol, const char *const *values), void *ctx,
                 struct ep_error *err);

/* ---- the MCP provider (resources, completion) ---- */

/* 1 when the vote exists / the sitting date has votes, 0 when not, -1 on a DB error. */
int ep_store_vote_exists(struct ep_store *s, int64_t id);
int ep_store_sitting_exists(struct ep_store *s, const char *date);

/* The resources in list order from offset, at most limit rows: kind 0 groups (key = code, name =
 * label), 1 sittings with positions (key = date, name = "N roll-call votes with positions"),
 * 2 MEPs with a membership (key = id, name = "First Last"). */
int ep_store_each_resource(struct ep_store *s, long offset, int limit,
                           int (*fn)(void *ctx, int kind, const char *key, const char *name),
                           void *ctx, struct ep_error *err);

/* Completion candidates for value (matched literally: LIKE wildcards are escaped), one column
 * as text per row. */
enum ep_store_completion {
    EP_COMPLETE_MEP_ID,      /* MEP ids (with a membership) starting with value, by id */
    EP_COMPLETE_MEP_NAME,    /* MEP ids whose "first last" or "last first" contains value */
    EP_COMPLETE_GROUP_CODE,  /* group codes starting with value */
    EP_COMPLETE_GROUP_LABEL, /* group codes whose label or short label contains value */
    EP_COMPLETE_SITTING,     /* sitting dates starting with value, those with positions first */
    EP_COMPLETE_PROCEDURE,   /* procedure references starting with value, newest first */
    EP_COMPLETE_VOTE         /* ids of votes with positions starting with value */
};
int ep_store_complete(struct ep_store *s, enum ep_store_completion kind, const char *value,
                      int (*fn)(void *ctx, const char *v), void *ctx, struct ep_error *err);

/* ---- daily quotas (mcp/ep_auth.c): table quota of migration 4 ---- */

struct ep_store_quota; /* its own read-write connection to the store */
/* Open the store at path read-write (migrating it if needed: the table comes from migration 4)
 * and drop the counts of days before prune_before (YYYY-MM-DD). */
int ep_store_quota_open(const char *path, const char *prune_before, struct ep_store_quota **out,
                        struct ep_error *err);
void ep_store_quota_close(struct ep_store_quota *q); /* NULL is fine */
/* The stored count of principal on day: 1 and *used, 0 when none, EP_EDB on failure. */
int ep_store_quota_get(struct ep_store_quota *q, const char *principal, const char *day,
                       long long *used, struct ep_error *err);
/* Write counts in one transaction: begin, put each, commit (ROLLBACK when commit fails). */
int ep_store_quota_begin(struct ep_store_quota *q, struct ep_error *err);
int ep_store_quota_put(struct ep_store_quota *q, const char *principal, const char *day,
                       long long used, struct ep_error *err);
int ep_store_quota_commit(struct ep_store_quota *q, struct ep_error *err);

#endif
