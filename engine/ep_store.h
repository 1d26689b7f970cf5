/* ep_store: the SQLite store (WAL, foreign keys on, schema versioned by PRAGMA user_version).
 *
 * Tables (see ep_store.c for the exact DDL):
 *   unit(id, path, kind, sha256, bytes, records, ingested_at)      one row per ingested file
 *   country(code, iso_alpha_2, label, unit_id)
 *   grp(code, official_label, label, short_label, unit_id)          political groups
 *   member(id, first_name, last_name, country_code, date_of_birth, email, facebook, twitter,
 * unit_id) membership(member_id, group_code, term, start_date, end_date, unit_id) committee(code,
 * label, abbreviation, unit_id) sitting(date, ep_id, reference, term, unit_id) vote(id, timestamp,
 * sitting_date, title, description, reference, procedure_reference, procedure_title,
 * procedure_type, procedure_stage, result, is_main, count_for, count_against, count_abstention,
 * count_did_not_vote, dlv_id, unit_id, pos_unit_id) pos_unit_id IS NOT NULL when per-MEP positions
 * are stored for the vote. position(vote_id, member_id, pos 1..4, group_code, unit_id)  cast votes
 * and the DID_NOT_VOTE (4) rows a source listed explicitly search(kind, ref, title, body, extra)
 * FTS5 index: votes (kind 'vote', ref = vote id) and documents fetched later meta(key, value) View
 * member_vote(vote_id, member_id, pos, group_code): every MEP with an active membership on the
 * vote's date, with DID_NOT_VOTE (4) for those not listed (stored, or derived), plus listed voters
 * that have no membership (group from the source). Only votes with stored positions.
 *
 * A store handle is used by one thread at a time. */
#ifndef EP_STORE_H
#define EP_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "ep_matrix.h"
#include "ep_model.h"

struct ep_store;
struct sqlite3; /* SQLite's connection (sqlite3.h), opaque outside engine/ */

/* EP_STORE_EXISTING: read-write (migrating) but only an existing file: no file or folder is
 * created. */
enum { EP_STORE_READONLY = 1, EP_STORE_EXISTING = 2 };

/* Open (creating and migrating if needed) the store at path. */
int ep_store_open(const char *path, int flags, struct ep_store **out, struct ep_error *err);
void ep_store_close(struct ep_store *s);
const char *ep_store_path(const struct ep_store *s);
/* The version of the SQLite library linked (e.g. "3.46.1"), for epintel --version. */
const char *ep_store_sqlite_version(void);
/* A second connection to the store's file (WAL, 10 s busy timeout), for a writer on another
 * thread than the store's: the EP API fetch pipeline's disk cache during a sync, so that the
 * next pages are fetched while these are stored (ep_epapi_sync). Close with ep_store_close_side. */
int ep_store_open_side(struct ep_store *s, struct sqlite3 **out, struct ep_error *err);
/* Close a connection from ep_store_open_side (NULL is fine). */
void ep_store_close_side(struct sqlite3 *db);

/* Default path: $XDG_CACHE_HOME/epintel/epintel.db or ~/.cache/epintel/epintel.db. */
int ep_store_default_path(char *buf, size_t size, struct ep_error *err);

/* Directory of the bundled dataset: $EPINTEL_FIXTURES, else the source tree's fixtures/ (not in
 * package builds, EP_PACKAGE_BUILD), else the compiled-in install prefix's
 * share/epintel/fixtures, else <exe>/../share/epintel/fixtures (a relocated install). Either a
 * constant/environment string or buf (caller-owned, size bytes; PATH_MAX + 32 is enough). */
const char *ep_store_fixtures_dir(char *buf, size_t size);

struct ep_ingest_report {
    const char *path;
    const char *kind; /* "rcv-xml", "htv-members", ... (of a skipped unit: valid until the
                         store's next ingest) */
    int skipped;      /* 1 = already ingested (same content), nothing written */
    long records;
    long warnings;
};

typedef void (*ep_ingest_warn_fn)(void *ctx, const char *unit, long line, const char *msg);

/* Ingest one file in one transaction. strict != 0 turns warnings into errors. warn may be
 * NULL (warnings are then only counted). On error nothing of the unit is written. */
int ep_store_ingest_file(struct ep_store *s, const char *path, int strict, ep_ingest_warn_fn warn,
                         void *warn_ctx, struct ep_ingest_report *rep, struct ep_error *err);

/* Files read ahead at most (ep_store_read_ahead). */
#define EP_READ_AHEAD_FILES 2

/* Hint for the next ep_store_ingest_file call: next[0..n) are the files to be ingested after
 * it, in order. The first EP_READ_AHEAD_FILES of them are read and hashed on threads while
 * that call ingests its own file (a roll-call XML file is also parsed). Only a hint: a file
 * read ahead is used when a following call asks for it in that order; whatever is not
 * followed is dropped. */
void ep_store_read_ahead(struct ep_store *s, const char *const *next, size_t n);

/* Ingest records produced by gen (e.g. the synthetic generator) as one unit named name, in one
 * transaction. content_key identifies the content (same key = same unit: a no-op). */
int ep_store_ingest_generated(struct ep_store *s, const char *name, const char *kind,
                              const char *content_key,
                              int (*gen)(void *gctx, const struct ep_sink *sink,
                                         struct ep_error *err),
                              void *gctx, struct ep_ingest_report *rep, struct ep_error *err);

/* ep_store_ingest_generated with ep_store_ingest_file's strict and warn (a file ingested as a
 * stream, ep_htvsync_ingest_file). */
int ep_store_ingest_stream(struct ep_store *s, const char *name, const char *kind,
                           const char *content_key,
                           int (*gen)(void *gctx, const struct ep_sink *sink,
                                      struct ep_error *err),
                           void *gctx, int strict, ep_ingest_warn_fn warn, void *warn_ctx,
                           struct ep_ingest_report *rep, struct ep_error *err);

/* Set a key in the meta table (e.g. "synthetic" = "1"). */
int ep_store_set_meta(struct ep_store *s, const char *key, const char *value, struct ep_error *err);

/* meta key of the first fill with the bundled dataset: "filling", then "complete". */
#define EP_META_DEFAULT_DATA "default_data"

/* If the store holds no votes with positions, ingest the bundled dataset (fixtures/MANIFEST,
 * in its order). The fill is recorded in meta (EP_META_DEFAULT_DATA) before its first file and
 * marked complete after its last, so a fill that was interrupted (kill -9 between or inside
 * files, an error) is resumed by the next call: files already stored are no-ops, the rest are
 * ingested. A store whose units are all bundled files but that has no such record (filled by
 * an older binary) is completed the same way; a store with positions from other sources is
 * left alone. progress (may be NULL) is called after each file. Returns EP_OK when already
 * filled. */
int ep_store_ensure_default(struct ep_store *s,
                            void (*progress)(void *, const char *path, int i, int n), void *ctx,
                            struct ep_error *err);

/* Dataset date: the latest vote timestamp's date (YYYY-MM-DD), or "" when empty. */
int ep_store_dataset_date(struct ep_store *s, char out[11]);

/* A window of votes. Fields left 0/NULL are unconstrained. */
struct ep_window {
    const char *from, *to; /* YYYY-MM-DD inclusive */
    int term;              /* 9, 10, ... (by vote date and term boundaries) */
    const char **sittings; /* NULL-terminated list of sitting dates, or NULL */
    /* Topic filter: only the votes that carry topic_code of topic_kind (enum ep_topic_kind; 0 =
     * no filter). An OEIL subject matches its descendants (engine/ep_query_topics.h). */
    int topic_kind;
    const char *topic_code;
};

/* Load the votes that have positions in the window into m (see ep_matrix.h). MEPs = everyone
 * with a membership active on at least one vote date in the window, plus listed voters.
 * Returns EP_EUNAVAIL when the window holds no votes with positions. */
int ep_store_load_matrix(struct ep_store *s, const struct ep_window *w, struct ep_matrix *m,
                         struct ep_error *err);
/* The votes of the whole store's packed matrix snapshot (the one ep_store_load_matrix keeps for
 * the whole store, when it is current) whose day lies in [dlo, dhi] and, when days is not NULL,
 * is one of the ndays days, read from the snapshot alone (a 90-day window of whole history reads
 * its own rows, not the whole matrix): in the store's vote order, over EVERY MEP of the
 * snapshot, with its group table. EP_ENOTFOUND when there is no current snapshot (load the
 * whole window instead), EP_EUNAVAIL when no vote falls in the range (err is not set for
 * either), EP_ENOMEM. */
int ep_store_load_matrix_days(struct ep_store *s, int32_t dlo, int32_t dhi, const int32_t *days,
                              int ndays, struct ep_matrix *m, struct ep_error *err);
/* The message of that EP_EUNAVAIL. */
#define EP_STORE_NO_WINDOW_VOTES                                                                   \
    "no roll-call votes with per-MEP positions in this window; the store has positions for the "  \
    "dates listed by `epintel info`"
/* The window's date bounds (its term's boundaries narrowed by from and to; NULL = open), after
 * checking its term, dates and sitting dates as ep_store_load_matrix does (EP_EINVAL with what
 * to fix). w may be NULL (the whole store). */
int ep_store_window_bounds(const struct ep_window *w, const char **from, const char **to,
                           struct ep_error *err);

#endif
