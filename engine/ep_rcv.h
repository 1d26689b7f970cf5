/* ep_rcv: streaming expat adapter for the EP roll-call XML (PV.RollCallVoteResults),
 * plain or gzip, any language version. Format: fixtures/rcv/README.md.
 *
 * Emits, in document order:
 *   sitting (once, from the root attributes),
 *   for each RollCallVote.Result: one vote record (title NULL; counts = the Number attributes)
 *     followed by its position records, in order of member id (PersId) (FOR/AGAINST/ABSTENTION,
 *     group = canonical code, or the raw label when unknown, which is also reported through
 *     sink->warn; name = the member's name as printed, NULL when the sink has no_names);
 *   at the end, for each VoteTitle: sink->vote_title(dlv_id, title).
 * Intentions blocks are ignored. A Number attribute that differs from the counted names is
 * reported through sink->warn (file, line, vote id, both numbers). Errors (EP_EPARSE) name the
 * file and line: malformed or truncated XML, wrong root element, invalid UTF-8, a member
 * without PersId, a non-numeric id, a vote without Identifier or Date, a member listed twice in
 * one vote. */
#ifndef EP_RCV_H
#define EP_RCV_H

#include <stddef.h>

#include "ep_model.h"

struct ep_rcv_stats {
    long votes, positions, warnings;
};

/* unit = the name used in messages (usually the path). stats may be NULL. */
int ep_rcv_parse_file(const char *path, const struct ep_sink *sink, struct ep_rcv_stats *stats,
                      struct ep_error *err);
int ep_rcv_parse_buffer(const char *data, size_t n, const char *unit, const struct ep_sink *sink,
                        struct ep_rcv_stats *stats, struct ep_error *err);

/* Same records, order, statistics and errors as ep_rcv_parse_buffer, but expat runs on a
 * second thread while the sink's callbacks run on the calling thread (one record per vote in
 * flight at a time, a bounded queue between the two). A sink failure stops the parser. Falls
 * back to ep_rcv_parse_buffer when no thread can be started. */
int ep_rcv_parse_buffer_pipelined(const char *data, size_t n, const char *unit,
                                  const struct ep_sink *sink, struct ep_rcv_stats *stats,
                                  struct ep_error *err);

/* A parse started before its sink is known (e.g. the next file of an ingest, while the current
 * one is stored): expat runs on its own thread and queues the records (up to a whole file of
 * the EP's; beyond that it waits) until ep_rcv_ahead_deliver hands them to the sink, on the
 * calling thread. data (not copied) must stay valid until deliver or cancel returns; unit is
 * copied. Returns 0 and *out, or an error (no thread could be started: parse directly).
 * Delivery gives the same records, order, statistics and errors as ep_rcv_parse_buffer with
 * that sink (with names or not as flags say, whatever the sink's no_names); it joins the
 * thread and frees the parse. Cancel stops the parser at its next record, drops what was
 * queued, and frees the parse. Each parse is delivered or cancelled exactly once. */
struct ep_rcv_ahead;
#define EP_RCV_NO_NAMES 1 /* flags: the sink will have no_names set (names are not kept) */
int ep_rcv_ahead_start(const char *data, size_t n, const char *unit, unsigned flags,
                       struct ep_rcv_ahead **out, struct ep_error *err);
int ep_rcv_ahead_deliver(struct ep_rcv_ahead *a, const struct ep_sink *sink,
                         struct ep_rcv_stats *stats, struct ep_error *err);
void ep_rcv_ahead_cancel(struct ep_rcv_ahead *a);

/* 1 if data is XML markup: its first character after a UTF-8 byte order mark and white space
 * is '<' (a declaration, a DOCTYPE with its internal subset, a comment or an element). No CSV
 * table starts so; such a file is parsed as XML, which names what is wrong with it (entity
 * declarations, another root element, ...). */
int ep_xml_sniff(const char *data, size_t n);

/* 1 if the first bytes of data look like a roll-call XML document (root element name). */
int ep_rcv_sniff(const char *data, size_t n);

#endif
