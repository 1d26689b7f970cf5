/* ep_epapi: EP Open Data API v2 JSON-LD adapters and the sync driver.
 *
 * Adapters turn one parsed API page ({"data": [...]}) into model records through a sink
 * (engine/ep_model.h); they never touch the store. Field names follow
 * the EP API documentation summarised in docs/passthrough.md. URI-like values ("person/1294", "org/EPP",
 * "http://publications.europa.eu/resource/authority/decision-outcome/ADOPTED") are reduced
 * to their last segment by ep_epapi_strip, the one place that does it.
 *
 * The sync driver (ep_epapi_sync) fetches through an ep_fetch pipeline and writes each API
 * page as one store unit (one transaction; a unit is keyed by URL + body, so re-ingesting an
 * unchanged page is a no-op). Progress is checkpointed in the store's meta table, so a sync
 * killed at any point (kill -9) resumes where it stopped, with nothing lost or duplicated. */
#ifndef EP_EPAPI_H
#define EP_EPAPI_H

#include <jansson.h>

#include "ep_error.h"
#include "ep_fetch.h"
#include "ep_model.h"

struct ep_store;

/* The last segment of a URI-like value (after the last '/' or '#'); s itself when it has
 * none; NULL for NULL. Borrowed from s. */
const char *ep_epapi_strip(const char *s);

/* meps or meps/show-current page: member records (id, names, country). */
int ep_epapi_meps(json_t *page, const struct ep_sink *sink, struct ep_error *err);
/* meps/{id}: the member and its memberships. Political-group memberships become membership
 * records (group code canonical when known, else kept as given with a warning); other
 * memberships (committees, delegations) are counted in *other (may be NULL): the model has
 * no record for them yet. */
int ep_epapi_mep_detail(json_t *page, const struct ep_sink *sink, long *other,
                        struct ep_error *err);
/* corporate-bodies page: committees (label = short code, prefLabel.en = name) and political
 * groups (classification EU_POLITICAL_GROUP). */
int ep_epapi_corporate_bodies(json_t *page, const struct ep_sink *sink, struct ep_error *err);
/* meetings?year= page: sitting records (date from activity_date). */
int ep_epapi_meetings(json_t *page, const struct ep_sink *sink, struct ep_error *err);
/* meetings/{id}/decisions page: votes (id = notation_votingId) with counts, outcome, title;
 * roll-call decisions with had_voter_* arrays also give per-MEP positions. Decisions without
 * a voting id are skipped with a warning. */
int ep_epapi_decisions(json_t *page, const struct ep_sink *sink, struct ep_error *err);

/* ---- records beyond the vote model (schema 5) ------------------------------------------------
 *
 * Questions, procedures and their events, documents and adopted texts, and speeches. The
 * adapters below emit them to a struct ep_epapi_sink (strings borrowed for the callback's
 * duration, NULL = unknown); the sync writes them to the store (tables question,
 * question_author, procedure, procedure_event, document, speech; documents and adopted texts
 * also join the search index). A record without an identifier, or an item that is not an
 * object, is skipped with a warning naming the endpoint and the record's position. */

struct ep_question {
    const char *id;        /* e.g. E-9-2024-000001 */
    const char *type;      /* work_type, stripped: QUESTION_WRITTEN, ... */
    const char *date;      /* YYYY-MM-DD (document_date) */
    const char *title;     /* title_dcterms, English if present */
    const char *addressee; /* ADDRESSEE participant (organisation code) */
    const char *answer_id; /* first answer (inverse_answers_to), NULL: unanswered */
    const char *answer_date;
    const int64_t *authors; /* AUTHOR participants and creator[], person ids, first = main */
    size_t nauthors;
};

struct ep_procedure {
    const char *id;        /* process_id, e.g. 2023-0084 */
    const char *reference; /* label, e.g. 2023/0084(COD) */
    const char *type, *title, *stage;
};

struct ep_procedure_event {
    const char *procedure_id, *id, *date, *type, *title, *document;
};

struct ep_document {
    const char *id;   /* identifier, e.g. A-9-2023-0050 */
    const char *kind; /* "document" or "adopted_text" */
    const char *work_type, *title, *date, *reference, *procedure_reference;
};

struct ep_speech {
    const char *id, *date, *title, *language;
    int64_t member_id; /* -1 unknown */
};

struct ep_epapi_sink {
    void *ctx;
    int (*question)(void *ctx, const struct ep_question *q, struct ep_error *err);
    int (*procedure)(void *ctx, const struct ep_procedure *p, struct ep_error *err);
    int (*event)(void *ctx, const struct ep_procedure_event *e, struct ep_error *err);
    int (*document)(void *ctx, const struct ep_document *d, struct ep_error *err);
    int (*speech)(void *ctx, const struct ep_speech *s, struct ep_error *err);
    void (*warn)(void *ctx, const char *msg);
};

/* parliamentary-questions page: authors from workHadParticipation (AUTHOR) and creator[],
 * the addressee (ADDRESSEE), the first answer from inverse_answers_to. */
int ep_epapi_questions(json_t *page, const struct ep_epapi_sink *sink, struct ep_error *err);
/* procedures page. */
int ep_epapi_procedures(json_t *page, const struct ep_epapi_sink *sink, struct ep_error *err);
/* procedures/{process-id}/events page of procedure procedure_id. */
int ep_epapi_procedure_events(json_t *page, const char *procedure_id,
                              const struct ep_epapi_sink *sink, struct ep_error *err);
/* documents or adopted-texts page; kind "document" or "adopted_text". */
int ep_epapi_documents(json_t *page, const char *kind, const struct ep_epapi_sink *sink,
                       struct ep_error *err);
/* speeches page. */
int ep_epapi_speeches(json_t *page, const struct ep_epapi_sink *sink, struct ep_error *err);

/* search rowids of documents: EP_SEARCH_DOC_BASE + document.rowid (vote ids stay below). */
#define EP_SEARCH_DOC_BASE 1099511627776LL

/* ---- the endpoint table ------------------------------------------------------------------- */

/* One row per GET path of the EP Open Data API v2 spec (all 55), for pass-through tools. */
struct ep_epapi_endpoint {
    const char *path;    /* template relative to the base URL, e.g. "meps/{mep-id}" */
    const char *tool;    /* tool name: get_<thing>, get_<thing>_feed */
    int feed;            /* 1: a feed (timeframe, start-date; slow: use the feed timeout) */
    int item;            /* 1: one resource by id (path ends with a {placeholder}) */
    int ttl_s;           /* cache TTL: feeds 5 min, lists 1 h, items 1 day, vocabularies 7 d */
    const char *params;  /* comma-separated query parameters from the spec ("offset,limit"
                            present = paged) */
    const char *summary; /* first line of the spec's summary */
};

/* The table (static storage) and its length. */
const struct ep_epapi_endpoint *ep_epapi_endpoints(size_t *n);
/* Row by tool name or by path template; NULL when unknown. */
const struct ep_epapi_endpoint *ep_epapi_endpoint_find(const char *tool_or_path);
/* Fill the template's {placeholders} in order with values[0..nvalues-1] into out. Values may
 * only hold letters, digits and ._:()- (no '/', no "..") so that a caller's argument cannot
 * leave the endpoint; EP_EINVAL otherwise or when the count does not match, EP_ELIMIT when
 * out is too small. */
int ep_epapi_endpoint_path(const struct ep_epapi_endpoint *e, const char *const *values,
                           size_t nvalues, char *out, size_t size, struct ep_error *err);

/* ---- sync ---------------------------------------------------------------------------- */

enum {
    EP_SYNC_BODIES = 1,      /* corporate-bodies: committees and groups */
    EP_SYNC_MEPS = 2,        /* meps + meps/{id}: members and group memberships */
    EP_SYNC_VOTES = 4,       /* meetings?year= + (DOCEO roll-call XML) + meetings/{id}/decisions */
    EP_SYNC_QUESTIONS = 8,   /* parliamentary-questions */
    EP_SYNC_PROCEDURES = 16, /* procedures + procedures/{id}/events */
    EP_SYNC_DOCUMENTS = 32,  /* documents (search index) */
    EP_SYNC_ADOPTED = 64,    /* adopted-texts (search index) */
    EP_SYNC_SPEECHES = 128,  /* speeches */
    EP_SYNC_ALL = 255,
};

/* Parse "meps,votes,..." (names: bodies, meps, votes, questions, procedures, documents,
 * adopted-texts, speeches; "all") into EP_SYNC_* bits. */
int ep_epapi_sync_parse_only(const char *s, unsigned *out, struct ep_error *err);

struct ep_sync_opts {
    unsigned only;     /* EP_SYNC_* bits, 0 = all */
    const char *since; /* YYYY-MM-DD or NULL: sittings from this date (overrides checkpoint) */
    const char *until; /* YYYY-MM-DD or NULL: sittings up to this date */
    int parallel;      /* pages in flight, 0 = 8 */
    long page_size;    /* offset/limit page size, 0 = 100 */
    /* progress (may be NULL): stage name, done, total (total <= 0 unknown) */
    void (*progress)(void *ctx, const char *stage, long done, long total);
    void *progress_ctx;
    /* DOCEO roll-call XML (borrowed, NULL = not fetched): a pipeline whose base URL serves
     * doceo/document/PV-{term}-{yyyy}-{mm}-{dd}-RCV_EN.xml. Fetched per sitting before the
     * decisions, saved next to the store (xml_dir, NULL = "<store>.doceo") and ingested with
     * the roll-call XML adapter: the preferred source of per-MEP positions. */
    struct ep_fetch *doceo;
    const char *xml_dir;
    /* A disagreement between sources (may be NULL; also counted as a warning): one line
     * naming the vote, the MEP, both positions and the file the stored positions came from. */
    void (*disagreement)(void *ctx, const char *msg);
    void *disagreement_ctx;
    /* Other sync-level warnings (may be NULL): an XML file unavailable or rejected. */
    void (*warn)(void *ctx, const char *msg);
    void *warn_ctx;
};

struct ep_sync_summary {
    long pages;      /* API pages written or checked */
    long units_new;  /* pages that changed the store */
    long units_same; /* pages already in the store (no-op) */
    long records;    /* records written by new units */
    long members, memberships, other_memberships, committees, groups, sittings, votes,
        positions; /* records seen by kind */
    long questions, procedures, events, documents, adopted_texts, speeches;
    /* committee memberships seen, and those stored (by this or an earlier sync) under an
     * organization id the store has no committee for (kept with the raw id; counted after the
     * sync over the whole store) */
    long committee_memberships, committee_unknown;
    long xml_files;     /* roll-call XML files ingested (or already in the store) */
    long xml_missing;   /* sittings whose XML is not (yet) published: 404, or unreachable */
    long disagreements; /* positions where the API and the stored (XML) source differ */
    long degraded;      /* pages served from a stale cache copy */
    long warnings;
    char resumed_from[11]; /* the votes checkpoint used, "" if none */
    double seconds;
};

/* Sync the store from the API through f (borrowed). Returns 0, or the first error (the
 * checkpoint keeps what was done). */
int ep_epapi_sync(struct ep_store *s, struct ep_fetch *f, const struct ep_sync_opts *o,
                  struct ep_sync_summary *sum, struct ep_error *err);

#endif
