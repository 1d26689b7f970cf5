/* ep_epapi: EP Open Data API v2 JSON-LD adapters and the sync driver.
 *
 * Adapters turn one parsed API page ({"data": [...]}) into model records through a sink
 * (engine/ep_model.h); they never touch the store. Field names follow
 * ../shared/docs/EP-DATA.md. URI-like values ("person/1294", "org/EPP",
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
    EP_SYNC_BODIES = 1, /* corporate-bodies: committees and groups */
    EP_SYNC_MEPS = 2,   /* meps + meps/{id}: members and group memberships */
    EP_SYNC_VOTES = 4,  /* meetings?year= + meetings/{id}/decisions: sittings, votes, positions */
    EP_SYNC_ALL = 7,
};

/* Parse "meps,votes,..." (names: bodies, meps, votes; "all") into EP_SYNC_* bits. */
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
};

struct ep_sync_summary {
    long pages;      /* API pages written or checked */
    long units_new;  /* pages that changed the store */
    long units_same; /* pages already in the store (no-op) */
    long records;    /* records written by new units */
    long members, memberships, other_memberships, committees, groups, sittings, votes,
        positions; /* records seen by kind */
    long degraded; /* pages served from a stale cache copy */
    long warnings;
    char resumed_from[11]; /* the votes checkpoint used, "" if none */
    double seconds;
};

/* Sync the store from the API through f (borrowed). Returns 0, or the first error (the
 * checkpoint keeps what was done). */
int ep_epapi_sync(struct ep_store *s, struct ep_fetch *f, const struct ep_sync_opts *o,
                  struct ep_sync_summary *sum, struct ep_error *err);

#endif
