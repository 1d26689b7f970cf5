/* ep_query_toolkit: the store look-ups of the analyst's toolkit tools (tools/ep_tools_toolkit.c;
 * analysis/ never runs SQL itself). Every function runs on the caller's thread and uses the
 * store's connection (under the front end's execution lock). */
#ifndef EP_QUERY_TOOLKIT_H
#define EP_QUERY_TOOLKIT_H

#include <stddef.h>
#include <stdint.h>

#include "ep_error.h"

struct ep_store;

/* The stored titles of the votes ids[0..n-1] (the title column, else the roll-call title, else
 * ""), one prepared statement for all. *titles is one new block: the n pointers, then the
 * strings (the caller frees *titles alone); NULL on failure. EP_EDB or EP_ENOMEM. */
int ep_query_vote_titles(struct ep_store *s, const int64_t *ids, int n, char ***titles,
                         struct ep_error *err);

/* Whether the store has a country code: 1 when the country table or a member names it, 0
 * when not, EP_EDB on a store error. The known codes ("AT, BE, ...") go to known[n]. */
int ep_query_country_known(struct ep_store *s, const char *code, char *known, size_t n,
                           struct ep_error *err);

#endif
