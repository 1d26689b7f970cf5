/* ep_query_topics: the store look-ups of the vote topics (migration 9: oeil_subject,
 * eurovoc_concept, geo_area, committee, and vote_topic linking them to votes): the window's
 * topic filter, the check of a filter's code, and the policy-area and committee products'
 * queries. SQL stays in engine/; every function uses the store's connection on the caller's
 * thread. */
#ifndef EP_QUERY_TOPICS_H
#define EP_QUERY_TOPICS_H

#include <stddef.h>
#include <stdint.h>

#include "ep_error.h"
#include "ep_util.h"

struct ep_store;

/* The kind's name in vote_topic.kind ("subject", "concept", "committee", "geo"), its argument
 * name in the tools ("subject", "concept", "committee", "geo_area") and what it is in words
 * ("OEIL subject", ...); NULL for an unknown kind. */
const char *ep_topic_kind_db(int kind);
const char *ep_topic_kind_arg(int kind);
const char *ep_topic_kind_what(int kind);

/* Append to sql the condition "the vote (column id) carries the topic": for an OEIL subject
 * the code or any code below it in the hierarchy ("6.10" matches "6.10" and "6.10.04", not
 * "6.100"). The code must pass ep_htv_topic_code_valid (EP_EINVAL otherwise, so that nothing
 * unchecked reaches the SQL text). */
int ep_topic_sql(struct ep_buf *sql, int kind, const char *code, struct ep_error *err);

/* The stored topic `code` of `kind`: its label (into label[n], "" when none) and the number of
 * votes that carry it (*votes, descendants included for a subject) and of those with per-MEP
 * positions (*votes_pos); votes and votes_pos NULL: the check alone (one index probe, the
 * counts read every link of the topic). EP_ENOTFOUND with a message naming the code when the store
 * has no such code (a subject code is known when it or a code below it is stored); EP_EINVAL for a
 * malformed code. */
int ep_query_topic(struct ep_store *s, int kind, const char *code, char *label, size_t n,
                   long *votes, long *votes_pos, struct ep_error *err);

/* The distinct ids of the votes with per-MEP positions that carry the topic (a subject: or a
 * code below it), ascending. *ids malloc'ed (free()), *n may be 0. */
int ep_query_topic_vote_ids(struct ep_store *s, int kind, const char *code, int64_t **ids, int *n,
                            struct ep_error *err);

/* A vote's title (title, else the roll-call title, "" when none) and result ("ADOPTED",
 * "REJECTED", "LAPSED", "" unknown). 0, or EP_EDB. */
int ep_query_vote_brief(struct ep_store *s, int64_t id, char *title, size_t tn, char *result,
                        size_t rn, struct ep_error *err);

/* One responsible committee's votes in [from, to] (either NULL = open): label, votes, their
 * results, distinct procedures, first and last vote date, and votes with per-MEP positions. */
struct ep_committee_votes {
    char code[33], label[160];
    long votes, adopted, rejected, lapsed, no_result, procedures, votes_pos;
    char first[11], last[11];
};
/* Every committee with at least one vote in the dates (or only `code`, which must be a stored
 * committee: EP_ENOTFOUND naming it), by votes descending then code. *rows is malloc'ed (free()),
 * *n may be 0. */
int ep_query_committee_votes(struct ep_store *s, const char *code, const char *from, const char *to,
                             struct ep_committee_votes **rows, int *n, struct ep_error *err);

/* The ids of the votes with positions whose responsible committee is code, ascending, in
 * [from, to]. *ids malloc'ed (free()), *n may be 0. */
int ep_query_committee_vote_ids(struct ep_store *s, const char *code, const char *from,
                                const char *to, int64_t **ids, int *n, struct ep_error *err);

/* The top-level OEIL subject codes (the part of each stored code before its first '.'), in
 * numeric order, at most max of them into codes; *n their number. 0, or EP_EDB. */
int ep_query_subject_tops(struct ep_store *s, char (*codes)[33], int max, int *n,
                          struct ep_error *err);

/* Every stored OEIL subject carried by at least one vote with per-MEP positions (itself or a
 * code below it), in code order (a code before the codes below it): code, label, level (1 for
 * "4", 2 for "4.60", ...) and the distinct votes with positions, descendants included. *rows
 * is malloc'ed (free()), *n may be 0. 0, EP_ENOMEM or EP_EDB. */
struct ep_subject_row {
    char code[33], label[160];
    int level;
    long votes_pos;
};
int ep_query_subject_list(struct ep_store *s, struct ep_subject_row **rows, int *n,
                          struct ep_error *err);

/* ---- committee memberships (migration 10: committee_membership, synced from the EP API) ---- */

/* One stored committee membership with the MEP's name, country and group. group is the
 * political group the MEP held on the last day of the membership's overlap with the dates
 * asked for (the latest group membership started by then and not ended before the overlap
 * starts); "" when none. end "" = ongoing. known = the committee code is a stored committee
 * (0: the raw organization id of a committee the store does not know). */
struct ep_cmember {
    int64_t member_id;
    char committee[33], role[24], classification[48], start[11], end[11];
    char name[96], country[8], group[16];
    int known;
};

/* The memberships overlapping [from, to] (either NULL = open; overlap = start <= to and (no end
 * or end >= from)), of committee `code` (NULL = every committee) and MEP `member_id` (0 = every
 * MEP), by committee, role (CHAIR, VICE_CHAIR, MEMBER, SUBSTITUTE, others), MEP and start.
 * *rows is malloc'ed (free()), *n may be 0. */
int ep_query_committee_members(struct ep_store *s, const char *code, int64_t member_id,
                               const char *from, const char *to, struct ep_cmember **rows, int *n,
                               struct ep_error *err);

/* How many committee memberships the store holds (*total) and how many of them name a committee
 * the store does not know (*unknown; may be NULL). */
int ep_query_committee_membership_count(struct ep_store *s, long *total, long *unknown,
                                        struct ep_error *err);

#endif
