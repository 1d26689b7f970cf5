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

/* The country named by arg: its code (as members carry it, e.g. "DEU") or its ISO alpha-2 code
 * ("DE") or its label ("Germany"), in any case, from the country table, else a member's country
 * code equal to arg. 1 with the code in code[8] and the label (or "") in label[n_label], 0 when
 * nothing names it (then the known codes "AUT, BEL, ..." go to known[n_known]), EP_EDB. */
int ep_query_country_resolve(struct ep_store *s, const char *arg, char code[8], char *label,
                             size_t n_label, char *known, size_t n_known, struct ep_error *err);

#endif
