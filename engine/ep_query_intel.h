/* ep_query_intel: the store look-ups of the analysis window and the intelligence products
 * (analysis/ never runs SQL itself). Every function runs on the caller's thread and uses the
 * store's connection (under the front end's execution lock). */
#ifndef EP_QUERY_INTEL_H
#define EP_QUERY_INTEL_H

#include <stddef.h>
#include <stdint.h>

#include "ep_error.h"

struct ep_store;

/* The store's content marker: path, number of ingested units and the last unit id, as
 * "PATH|UNITS|LAST" into out (an unreadable unit table gives -1|-1, a content of its own).
 * An ingest or sync changes it. */
void ep_query_content_marker(struct ep_store *s, char *out, size_t n);

/* The number of ingested units and the last unit id: 0, or EP_EDB (err filled). */
int ep_query_unit_counts(struct ep_store *s, long long *units, long long *last,
                         struct ep_error *err);

/* Names ("First Last", or "MEP <id>" when the member table has no name) and country codes
 * ("" when unknown) of the MEPs ids[0..n-1]. *names is one new block: the n pointers, then
 * the strings they point to (the caller frees *names alone); country[i] is filled in place.
 * On failure *names is NULL (nothing to free). EP_EDB or EP_ENOMEM. */
int ep_query_member_names(struct ep_store *s, const int64_t *ids, int n, char ***names,
                          char (*country)[8], struct ep_error *err);

/* The member table's "First Last" of id into name: 1 when the row exists, 0 when it does not,
 * EP_EDB (err filled) on a store error. */
int ep_query_member_name(struct ep_store *s, int64_t id, char *name, size_t n,
                         struct ep_error *err);

/* The stored title (the title column alone) of vote id into out ("" when the vote has none or does not exist): 0, or
 * EP_EDB (err filled). */
int ep_query_vote_stored_title(struct ep_store *s, int64_t id, char *out, size_t n, struct ep_error *err);

#endif
