/* ep_tools_common: result helpers shared by the tool files (provenance, per-group breakdown of a
 * vote, group positions, "unavailable" objects, FTS5 query building) and a per-store snapshot
 * of the votes that have per-MEP positions, so that hot tool paths never scan the member_vote
 * view.
 *
 * Definitions follow docs/methodology.md: a group's position on a vote is the largest of
 * Y, N, A among its members (their group on the vote's date); two options tied for the maximum
 * give TIE; T = Y + N + A = 0 gives NONE. Agreement Index (Hix, Noury & Roland 2005)
 * AI = (max - (T - max) / 2) / T, absent for T = 0, 1 for T = 1. */
#ifndef EP_TOOLS_COMMON_H
#define EP_TOOLS_COMMON_H

#include <jansson.h>
#include <stdint.h>

#include "ep_error.h"
#include "ep_matrix.h"
#include "ep_positions.h"
#include "ep_util.h"

struct ep_store;
struct ep_env;

/* ---- provenance ------------------------------------------------------------------------ */

/* New object {"sources": ["Source: European Parliament", "Data: HowTheyVote.eu (ODbL)"],
 * "dataset_date": "YYYY-MM-DD" | null, "positions_window": {"from","to"} | null,
 * "synthetic": bool} of env's store (from its positions snapshot when one is current, else read
 * from the store and remembered in env). NULL on failure (out of memory or a store error). */
json_t *ep_tools_env_provenance(struct ep_env *env);
/* Steal the provenance into obj["provenance"]; returns 0 or EP_ENOMEM/EP_EDB (err filled). obj is
 * kept. */
int ep_tools_env_add_provenance(struct ep_env *env, json_t *obj, struct ep_error *err);
/* The same for a caller without an environment: read from the store on every call. */
json_t *ep_tools_provenance(struct ep_store *s);
int ep_tools_add_provenance(struct ep_store *s, json_t *obj, struct ep_error *err);

/* A window bound for a result: the date as a JSON string, or null when the window has no such
 * bound (no vote in it). Every tool's window uses it, so an unset bound is null everywhere, never
 * "". NULL only on ENOMEM. */
json_t *ep_tools_window_date(const char *date);

/* {"available": false, "reason": reason} (new reference, NULL on ENOMEM). */
json_t *ep_tools_unavailable(const char *reason);

/* Why Krippendorff's alpha is unavailable, given the number of pairable units (votes with >= 2
 * cast values) that ep_stats_kalpha_nominal kept and the window's votes: below
 * EP_STATS_ALPHA_MIN_UNITS too few votes (the window is too short when it has fewer votes than
 * the minimum; otherwise too few of them had two voters); else every cast value was identical
 * (alpha = 0/0). Writes into buf. */
const char *ep_tools_alpha_reason(int units, int n_vote, char *buf, size_t n);

/* ---- group positions and cohesion ------------------------------------------------------ */

enum ep_tools_gpos {
    EP_TOOLS_GPOS_NONE = 0, /* nobody of the group cast a vote (T = 0) */
    EP_TOOLS_GPOS_FOR = 1,
    EP_TOOLS_GPOS_AGAINST = 2,
    EP_TOOLS_GPOS_ABSTENTION = 3,
    EP_TOOLS_GPOS_TIE = 4, /* two options share the maximum */
};

/* Group position from the counts (see above). */
int ep_tools_group_position(int y, int n, int a);
/* "NONE", "FOR", "AGAINST", "ABSTENTION", "TIE". */
const char *ep_tools_gpos_name(int gpos);
/* MEP position name: "FOR", "AGAINST", "ABSTENTION", "DID_NOT_VOTE", or NULL for EP_POS_NONE. */
const char *ep_tools_pos_name(int pos);
/* Agreement Index into *ai; returns 0, or EP_EUNAVAIL when T = 0. */
int ep_tools_agreement_index(int y, int n, int a, double *ai);

/* ---- snapshot of the votes with per-MEP positions ---------------------------------------- */

/* The positions snapshot (analysis/ep_positions.h) of env's store from env's cache: a counted
 * reference, released with ep_tools_pos_release. */
int ep_tools_pos_acquire(struct ep_env *env, struct ep_positions **out, struct ep_error *err);
void ep_tools_pos_release(struct ep_positions *p);

/* Per-group breakdown of matrix vote v: new array of
 * {group, Y, N, A, D, position, agreement_index?} sorted by group code, groups with no member
 * that day left out. NULL on ENOMEM. */
json_t *ep_tools_breakdown_json(const struct ep_positions *p, int v);
/* The same by vote id: *out is the array, or NULL (and 0 returned) when the vote has no
 * stored positions. */
int ep_tools_group_breakdown(struct ep_env *env, int64_t vote_id, json_t **out,
                             struct ep_error *err);

/* ---- MEPs ---------------------------------------------------------------------------------- */

/* Which stored source names an MEP: 1 = a members-table row (name, country, ...), 2 = only
 * memberships or roll-call positions (no name: EP_TOOLS_MEP_UNNAMED says what is unknown),
 * 0 = none; negative EP_E* on a store error (err filled). Every tool resolves MEP ids with it
 * (ep_positions_mep_known over env's snapshot). */
int ep_tools_env_mep_known(struct ep_env *env, int64_t id, struct ep_error *err);
/* The same for a caller without an environment (a snapshot is built for the call when the
 * tables do not name the MEP). */
int ep_tools_mep_known(struct ep_store *s, int64_t id, struct ep_error *err);
/* Index of MEP id in the window's matrix m, or a negative EP_E* code with an error naming the
 * argument arg: EP_ENOTFOUND when no stored source names the MEP, EP_EUNAVAIL (with their name,
 * where the members table has it) when they held no mandate on a vote of the window. */
int ep_tools_env_mep_index(struct ep_env *env, const struct ep_matrix *m, int64_t id,
                           const char *arg, struct ep_error *err);
#define EP_TOOLS_MEP_UNNAMED                                                                       \
    "not in the store's members table (HowTheyVote.eu members.csv or the EP API's MEP list): "     \
    "name, country, date of birth and contacts are unknown; the MEP is known from stored "         \
    "roll-call positions or memberships"

/* ---- did-not-vote coverage (ep_matrix.dnv_known) --------------------------------------------
 * Participation and attendance need who did not vote. It is known on a vote whose source listed
 * it (HowTheyVote's member_votes.csv) or whose voters all have a membership that day; on other
 * votes (the roll-call XML with no or outdated memberships) only cast votes are known, and a
 * share over them would read 100 %. Those figures are then unavailable with the reason. */

/* Votes of [v0, v1) on which who did not vote is unknown. */
int ep_tools_dnv_unknown(const struct ep_matrix *m, int v0, int v1);
/* Votes of [v0, v1) on which it is unknown whether MEP i (a matrix index, or -1) was eligible:
 * who did not vote is unknown there, and i neither cast a vote nor had a membership that day. */
int ep_tools_mep_dnv_unknown(const struct ep_matrix *m, int i, int v0, int v1);
/* The reason for such a figure: "who did not vote is unknown on N of the T votes ..." into buf. */
void ep_tools_dnv_reason(char *buf, size_t n, int unknown, int total);

/* ---- misc ------------------------------------------------------------------------------- */

/* Build a safe FTS5 MATCH expression from user text into out: words (letters, digits, any
 * non-ASCII byte) become quoted terms joined by " " (all) or " OR " (any); a '*' right after
 * a word makes it a prefix term. Operators, quotes and parentheses in the input are never
 * passed through. At most 32 terms. Returns the number of terms (0 = nothing to search). */
int ep_tools_fts_query(const char *text, int any, struct ep_buf *out);

/* Fold UTF-8 text for case- and diacritic-insensitive matching (Latin letters to lower-case
 * ASCII base letters; other characters kept). Appends to out; 0 or EP_ENOMEM. */
int ep_tools_fold(const char *text, struct ep_buf *out);

/* EP_EDB with "what: sqlite message". */
int ep_tools_db_error(struct ep_store *s, struct ep_error *err, const char *what);

/* ---- group codes --------------------------------------------------------------------- */

/* The one rule every tool applies to a group argument: a code in any case ("epp", "Epp") or a
 * label the EP prints ("PPE", "S&D", "Verts/ALE"; ep_group_canonical) names a group when some
 * stored source names it: the groups table, a membership, or a position's printed group (a
 * group that only appears in votes, e.g. a new group of a later term, counts). On success the
 * canonical code is in code (n bytes) and 0 is returned; an unknown group is EP_EINVAL
 * "argument "ARG": unknown group "X"; known: A, B, ..."; EP_EDB/EP_ENOMEM otherwise. */
int ep_tools_env_resolve_group(struct ep_env *env, const char *argname, const char *arg,
                               char *code, size_t n, struct ep_error *err);
/* The same for a caller without an environment. */
int ep_tools_resolve_group(struct ep_store *s, const char *argname, const char *arg, char *code,
                           size_t n, struct ep_error *err);

/* Parliamentary term of a date (9: 2019-07-02..2024-07-15, 10: from 2024-07-16), or 0. */
int ep_tools_term_of(const char *date);

#endif
