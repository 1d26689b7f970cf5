/* ep_posblob: the stored form of one vote's cast positions, and the `position` table over it.
 *
 * A vote's FOR/AGAINST/ABSTENTION positions, and the DID_NOT_VOTE rows its source listed
 * explicitly (HowTheyVote's member_votes.csv has them; the roll-call XML has none), are stored
 * as one row of vote_positions(vote_id,
 * unit_id, n, data): data packs the n positions in member order, so an ingested file writes one row
 * per vote instead of one per MEP (the row-per-position table cost two thirds of the XML
 * ingest). Layout of data (little-endian):
 *   u8 format (1), u8 number of group labels G (at most EP_POSBLOB_MAX_GROUPS),
 *   G times: u16 length L, L bytes of the label (UTF-8, no NUL),
 *   n times: i64 member id, u8 pos (1..3 cast, 4 did not vote), u8 group index (0..G-1, or
 *   255 = no group).
 * Members are strictly increasing.
 *
 * ep_posblob_register makes `position(vote_id, member_id, pos, group_code, unit_id)`, the
 * relational view every query uses, available on a connection: an eponymous read-only
 * virtual table over vote_positions (constraints vote_id = ? and member_id = ? are looked up, rows
 * come in (vote_id, member_id) order). */
#ifndef EP_POSBLOB_H
#define EP_POSBLOB_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "ep_util.h"

#define EP_POSBLOB_FORMAT 1
#define EP_POSBLOB_MAX_GROUPS 254
#define EP_POSBLOB_NO_GROUP 255
#define EP_POSBLOB_ENTRY 10 /* bytes per position */

/* A decoded view of one blob (pointers into it). */
struct ep_posblob {
    const unsigned char *entries; /* n entries of EP_POSBLOB_ENTRY bytes */
    size_t n;
    int ngroups;
    const char *group[EP_POSBLOB_MAX_GROUPS];
    size_t group_len[EP_POSBLOB_MAX_GROUPS];
};

/* Check and view len bytes. Returns 0, or -1 when they are not a valid blob (bad format byte,
 * lengths past the end, a trailing partial entry, members not increasing, pos or group index
 * out of range). */
int ep_posblob_view(const void *data, size_t len, struct ep_posblob *v);

int64_t ep_posblob_member(const struct ep_posblob *v, size_t i);
int ep_posblob_pos(const struct ep_posblob *v, size_t i);
/* Group index of entry i, or EP_POSBLOB_NO_GROUP. */
int ep_posblob_group(const struct ep_posblob *v, size_t i);

/* Index of member in v, or SIZE_MAX. */
size_t ep_posblob_find(const struct ep_posblob *v, int64_t member);

/* Building a blob: add positions in strictly increasing member order, then finish. */
struct ep_posblob_builder {
    struct ep_buf entries;
    struct ep_buf labels; /* NUL-separated */
    size_t label_off[EP_POSBLOB_MAX_GROUPS];
    int ngroups;
    int last_group; /* index of the last label added (a vote's rows repeat labels in runs) */
    int64_t last_member;
    size_t n;
};

void ep_posblob_builder_init(struct ep_posblob_builder *b);
void ep_posblob_builder_reset(struct ep_posblob_builder *b);
void ep_posblob_builder_free(struct ep_posblob_builder *b);
/* group may be NULL. Returns 0, EP_ENOMEM, EP_ELIMIT (more than EP_POSBLOB_MAX_GROUPS labels or
 * a label over 65535 bytes) or EP_EINVAL (member not above the previous one, pos not 1..4). */
int ep_posblob_add(struct ep_posblob_builder *b, int64_t member, int pos, const char *group);
/* The same with a label of group_len bytes (not NUL-terminated; no NUL inside). */
int ep_posblob_add_n(struct ep_posblob_builder *b, int64_t member, int pos, const char *group,
                     size_t group_len);
/* The blob, in out (replaced). Returns 0 or EP_ENOMEM. */
int ep_posblob_finish(const struct ep_posblob_builder *b, struct ep_buf *out);

/* Register the `position` virtual table on db. Returns an SQLite result code. */
int ep_posblob_register(sqlite3 *db);

#endif
