/* ep_htvsync: `epintel sync --source howtheyvote`: the HowTheyVote.eu export's tables
 * (countries, groups, members, group_memberships, committees, votes, member_votes, and the
 * vote topics oeil_subjects, eurovoc_concepts, geo_areas, oeil_subject_votes,
 * eurovoc_concept_votes, responsible_committee_votes, geo_area_votes; each a
 * `NAME.csv.gz` release file) downloaded through the fetch pipeline and stream-ingested.
 *
 * Download (ep_fetch_req.dest): into DIR/NAME.csv.gz, resumed with Range after a cut or a
 * kill, conditional on the validators (ETag, Last-Modified) of the copy in DIR, so that an
 * unchanged table is not fetched again (a 304). A file's size is checked against the
 * response's; its SHA-256 against the export's SHA256SUMS where the server publishes one (a
 * 404 for it means none is published, and the summary says so).
 *
 * Ingest: each table is one store unit in one transaction, keyed by the SHA-256 of its gzip
 * file (a table already stored is a no-op). The gzip file is inflated as a stream on a
 * thread of its own while this thread parses and stores (memory stays bounded whatever the
 * size); nothing is unpacked to disk. A truncated or corrupt table is refused with its name
 * and nothing of it is stored. A kill at any point followed by a rerun gives the store of an
 * uninterrupted run. */
#ifndef EP_HTVSYNC_H
#define EP_HTVSYNC_H

#include "ep_fetch.h"
#include "ep_store.h"

/* The release files of the latest weekly export (GitHub redirects to the newest release). */
#define EP_HTV_DEFAULT_URL "https://github.com/HowTheyVote/data/releases/latest/download/"

#define EP_HTVSYNC_NTABLES 14
/* Index of the first vote-topic table: from here on a table the export does not publish (a 404,
 * or no file in a --from folder) is skipped, "not published", when every table is wanted (a
 * table named in ep_htvsync_opts.tables must be there). */
#define EP_HTVSYNC_FIRST_TOPIC 7

/* Table names in ingest order: countries, groups, members, group_memberships, committees,
 * votes, member_votes, oeil_subjects, eurovoc_concepts, geo_areas, oeil_subject_votes,
 * eurovoc_concept_votes, responsible_committee_votes, geo_area_votes. */
const char *ep_htvsync_table(int i);

/* "votes,member_votes" -> a bit set (bit i = ep_htvsync_table(i)); "all" = every table. */
int ep_htvsync_parse_tables(const char *list, unsigned *out, struct ep_error *err);

struct ep_htvsync_progress {
    const char *table;
    const char *phase;  /* "download" or "ingest" */
    long long bytes;    /* downloaded, or gzip bytes read by the ingest */
    long long total;    /* the file's size, or -1 when unknown */
    long rows;          /* ingest: records stored so far */
};

struct ep_htvsync_opts {
    struct ep_fetch *fetch; /* the pipeline, base URL = the export's folder; NULL with from_dir */
    const char *from_dir;   /* ingest the files of this local export folder instead */
    const char *dir;        /* where downloads are kept (created) */
    unsigned tables;        /* bit set, 0 = all */
    void (*progress)(void *ctx, const struct ep_htvsync_progress *p);
    void *progress_ctx;
};

struct ep_htvsync_table {
    const char *name;
    const char *fetched; /* "downloaded", "resumed", "not modified", "local", "not published" */
    long long bytes;     /* gzip file size */
    long long resumed_from;
    int checksum;        /* 1 checked against SHA256SUMS, 0 none published for it */
    int stored;          /* 1 ingested now, 0 already in the store */
    long rows, warnings;
    double seconds;      /* ingest time */
};

struct ep_htvsync_summary {
    int n;
    struct ep_htvsync_table t[EP_HTVSYNC_NTABLES];
    int sums_published; /* the server has SHA256SUMS */
};

int ep_htvsync_run(struct ep_store *s, const struct ep_htvsync_opts *o,
                   struct ep_htvsync_summary *sum, struct ep_error *err);

/* The stream reader the ingest uses, for the benchmark and the tests: a gzip (or plain) file
 * inflated on a thread into a queue of 1 MiB blocks. read() has ep_htv_read_fn's contract. */
struct ep_gzstream;
int ep_gzstream_open(const char *path, struct ep_gzstream **out, struct ep_error *err);
long ep_gzstream_read(void *gz, char *buf, size_t cap, struct ep_error *err);
/* gzip bytes consumed so far, and the file's size */
void ep_gzstream_pos(const struct ep_gzstream *gz, long long *done, long long *total);
void ep_gzstream_close(struct ep_gzstream *gz);

/* epintel ingest of a large HowTheyVote table: 1 when path is a gzip file whose content may be
 * larger than what ep_read_file holds while streaming (EP_GZ_HOLD: its gzip trailer says so, or
 * the file is over EP_GZ_HOLD / 8) and whose header is a HowTheyVote table's (*table, enum
 * ep_htv_table); 0 otherwise (the file then goes through ep_store_ingest_file). */
int ep_htvsync_streamed(const char *path, int *table);

/* Ingest that file as the sync ingests a table: inflated on a thread, parsed as a stream
 * (member_votes on a thread of its own), one unit in one transaction, memory bounded whatever
 * the size. The unit is keyed by the file's own SHA-256 as the sync's are, so a table the sync
 * stored is a no-op here and the reverse. strict, warn, rep and err as for
 * ep_store_ingest_file. */
int ep_htvsync_ingest_file(struct ep_store *s, const char *path, int table, int strict,
                           ep_ingest_warn_fn warn, void *warn_ctx, struct ep_ingest_report *rep,
                           struct ep_error *err);

#endif
