/* ep_derived: expensive per-window results (co-voting graph with centralities and communities,
 * per-vote group counts, MEP figures, per-sitting baselines, ...) persisted in the store, so
 * that a fresh process (every stdio MCP session is one) does not recompute them.
 *
 * Table `derived` (schema migration 7): one row per (window, kind), holding the store content it
 * was computed from and the payload in a checked envelope. A row is used only when
 *   - its content marker equals the store's current one (ep_derived_content: unit count, last
 *     unit id and that unit's SHA-256, so any ingest or sync changes it), and
 *   - its envelope is intact: magic, EP_DERIVED_FORMAT, payload length and CRC-32 of the
 *     payload all match; a damaged row is deleted and reported as absent (never used).
 * It is a derived cache, never a source: every row can be rebuilt from the tables, and a store
 * without the rows (or read-only, or busy) gives the same results, only slower.
 *
 * The payload is written and read by the serialisers of each result (graph/ep_graph_blob.h,
 * stats/ep_stats_blob.h) with the little writer/reader below; they check every length, so a
 * payload that passes the CRC but does not parse is refused too.
 *
 * EP_DERIVED_FORMAT names the serialisers' layouts AND the computations they store: bump it
 * whenever either changes (a stored result then simply misses and is recomputed).
 *
 * Threads: the functions use the store's connection and run on the caller's thread (the tool
 * code runs under the MCP core's execution mutex); other processes may read and write the same
 * store at the same time (SQLite WAL; a write that finds the store busy is skipped). */
#ifndef EP_DERIVED_H
#define EP_DERIVED_H

#include <stddef.h>
#include <stdint.h>

#include "ep_error.h"
#include "ep_matrix.h"
#include "ep_store.h"
#include "ep_util.h"

#define EP_DERIVED_FORMAT 1
/* Windows (distinct window keys) kept per store content; older ones are dropped on write. */
#define EP_DERIVED_MAX_WINDOWS 8

/* The store's content marker: "units|last unit id|sha256 of that unit" (EP_EDB on failure). */
int ep_derived_content(struct ep_store *s, char *out, size_t n, struct ep_error *err);

/* The key of a window: "from|to|term|sitting,sitting,..." (empty fields for absent ones). */
void ep_derived_window_key(const struct ep_window *w, char *out, size_t n);

/* Payload serialisers. write appends the result's payload to out (0, or a negative EP_E* code:
 * the result is then not stored); read fills *res from a payload (0, or EP_EPARSE when it
 * does not parse: res is then left freed/zeroed by the reader). */
typedef int (*ep_derived_write_fn)(const void *res, struct ep_buf *out);
typedef int (*ep_derived_read_fn)(const unsigned char *p, size_t n, void *res);

/* Load the result of (window, kind) for the store's current content into *res with rd.
 * 1 = loaded; 0 = absent, stale, damaged (the row is then deleted) or unreadable: compute it. */
int ep_derived_load(struct ep_store *s, const char *window, const char *kind,
                    ep_derived_read_fn rd, void *res);
/* Serialise res with wr and store it for (window, kind) under the current content, replacing
 * any previous row; drops the rows of other contents and of windows beyond
 * EP_DERIVED_MAX_WINDOWS. Best effort: 0 when stored, a negative EP_E* code when not (read-only
 * or busy store, serialiser refusal); the caller's result is unaffected either way. */
int ep_derived_save(struct ep_store *s, const char *window, const char *kind,
                    ep_derived_write_fn wr, const void *res);

/* MEPs x votes with stored positions (members x vote_positions rows: an upper bound of the
 * default window's cells), or -1 when the store cannot be read. */
long long ep_derived_default_cells(struct ep_store *s);

/* Rows currently stored and their total payload bytes (for `epintel info` and tests). */
int ep_derived_stats(struct ep_store *s, long long *rows, long long *bytes, struct ep_error *err);

/* ---- payload writer / reader (used by the serialisers) ------------------------------------
 * Fixed-width little-endian-as-stored values (the host's byte order: a store is not moved
 * between hosts of different endianness; the envelope's magic would not match if it were). */
int ep_blob_put(struct ep_buf *b, const void *p, size_t n);
int ep_blob_put_i32(struct ep_buf *b, int32_t v);
int ep_blob_put_f64(struct ep_buf *b, double v);

struct ep_blob_reader {
    const unsigned char *p;
    size_t n, off;
    int bad; /* set by the first read past the end; every later read fails too */
};
void ep_blob_reader_init(struct ep_blob_reader *r, const unsigned char *p, size_t n);
int ep_blob_get(struct ep_blob_reader *r, void *out, size_t n); /* 0 or EP_EPARSE */
int32_t ep_blob_get_i32(struct ep_blob_reader *r);              /* 0 when past the end */
double ep_blob_get_f64(struct ep_blob_reader *r);
/* A count in [0, max] (else the reader turns bad and -1 is returned). */
int ep_blob_get_count(struct ep_blob_reader *r, int max);
/* 0 when every byte was consumed and no read failed, else EP_EPARSE. */
int ep_blob_reader_end(const struct ep_blob_reader *r);

#endif
