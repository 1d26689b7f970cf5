/* ep_latest: the latest sitting of the store (get_latest_votes): its votes with their official
 * counts and results, which of them have per-MEP positions (their group breakdown comes from
 * the positions snapshot), and the latest sitting that has positions. On request, the DOCEO
 * roll-call XML of the sitting is fetched through the fetch pipeline
 * (doceo/document/PV-{term}-{date}-RCV_EN.xml), saved atomically beside the store
 * (<store>.doceo/, as `epintel sync` keeps them) and ingested with the roll-call XML adapter
 * before the sitting is read, so the result shows the positions it brought. */
#ifndef EP_LATEST_H
#define EP_LATEST_H

#include <stdint.h>

#include "ep_env.h"
#include "ep_error.h"
#include "ep_positions.h"
#include "ep_query.h"

struct ep_fetch;

#define EP_LATEST_DOCEO_URL "https://www.europarl.europa.eu/"

enum {
    EP_LATEST_FETCH_NONE,        /* not requested */
    EP_LATEST_FETCH_INGESTED,    /* fetched and ingested: the store holds its positions now */
    EP_LATEST_FETCH_STORED,      /* the file was already stored (same content): nothing changed */
    EP_LATEST_FETCH_NOT_PUBLISHED, /* 404: the EP has not published it (yet) */
    EP_LATEST_FETCH_FAILED,      /* unreachable, refused by the adapter or by the store */
};
extern const char *const ep_latest_fetch_name[5];

struct ep_latest_params {
    const char *date;      /* the sitting (YYYY-MM-DD), NULL = the latest in the store */
    int limit;             /* votes listed, >= 1 */
    int fetch;             /* 1 = fetch the sitting's roll-call XML first */
    int term;              /* the sitting's term (for the file name), needed with fetch */
    struct ep_fetch *doceo; /* borrowed pipeline for the fetch; NULL = one made for the call
                               over base_url */
    const char *base_url;  /* NULL: $EP_DOCEO_URL, else EP_LATEST_DOCEO_URL */
};

/* Ownership: vote (and its strings) and pos (a counted reference to the positions snapshot,
 * for the per-group breakdowns) are owned; ep_latest_free releases them. */
struct ep_latest {
    char date[11];                          /* "" when the store has no sitting */
    struct ep_query_sitting_counts counts;  /* of the whole sitting */
    int n_vote;                             /* listed (<= limit) */
    struct ep_query_sitting_vote *vote;
    int *pos_index;                         /* [n_vote]: index in pos->m, or -1 */
    char pos_date[11];                      /* the latest sitting with positions, "" if none */
    int pos_date_votes;
    struct ep_positions *pos;
    /* the fetch */
    int fetch_status;
    char fetch_url[600];
    char fetch_file[4200];
    long fetch_records;
    char fetch_detail[EP_ERROR_MSG_MAX + 200];
};

void ep_latest_init(struct ep_latest *out);
void ep_latest_free(struct ep_latest *out);

/* The sitting of p in env's store. EP_EUNAVAIL when the store has no sitting (or not p->date);
 * EP_EDB, EP_ENOMEM. A failed fetch is not an error: fetch_status and fetch_detail say why. */
int ep_latest_compute(struct ep_env *env, const struct ep_latest_params *p, struct ep_latest *out,
                      struct ep_error *err);

#endif
