/* ep_query_signals: the store look-ups of the store-overview, legislative-pipeline and
 * legislative-effectiveness products (analysis/ep_store_stats.h, analysis/ep_legislative.h).
 * analysis/ runs no SQL; these functions do, on the caller's thread, with the store's
 * connection (under the front end's execution lock). Errors: 0 or a negative EP_E* code with
 * err filled ("WHAT: the SQLite message"). */
#ifndef EP_QUERY_SIGNALS_H
#define EP_QUERY_SIGNALS_H

#include <stddef.h>
#include <stdint.h>

#include "ep_error.h"

struct ep_store;

/* One political group of the store: its memberships. */
struct ep_qs_group {
    char code[32];
    char label[160];    /* "" when the groups table has none */
    long meps;          /* distinct MEPs with a membership of the group */
    long memberships;   /* membership rows */
    long meps_term[2];  /* distinct MEPs with a membership of term 9, term 10 */
    long open;          /* memberships without an end date */
};
/* Every group code of the membership table (and the groups table), by code: *out owned (free()),
 * *n rows. */
int ep_qs_groups(struct ep_store *s, struct ep_qs_group **out, int *n, struct ep_error *err);

/* The counts of ep_store_info (engine/ep_store_query.h: the same labels, in the same order)
 * without its scan of every position: meps_who_voted is left -1 for the caller, who counts it
 * from the positions snapshot; the date ranges are left "" likewise. -1 = unreadable. */
struct ep_store_info;
void ep_qs_totals(struct ep_store *s, struct ep_store_info *out);

/* Rows of the EP API records beyond votes: questions, procedures, procedure events, documents,
 * speeches (-1 when the store has no such table). */
struct ep_qs_records {
    long questions, procedures, events, documents, speeches;
};
int ep_qs_records(struct ep_store *s, struct ep_qs_records *out, struct ep_error *err);

/* One procedure event, in (procedure, date, id) order. Text borrowed for the callback. */
struct ep_qs_event {
    const char *procedure_id, *reference, *procedure_title, *procedure_stage;
    const char *date, *type, *title; /* date "" when not a valid YYYY-MM-DD */
};
/* Call fn for every procedure event with a date; fn returns non-zero to stop (returned). */
int ep_qs_each_event(struct ep_store *s, int (*fn)(void *ctx, const struct ep_qs_event *e),
                     void *ctx, struct ep_error *err);

/* The votes of one procedure type, aggregated per procedure reference, by type then
 * reference. Text borrowed for the callback. */
struct ep_qs_proc_outcome {
    const char *reference, *type;
    const char *first_date, *last_date;
    long votes, main_votes, main_adopted, main_rejected, main_without_result;
    const char *last_main_result; /* the result of the latest main vote, NULL when none */
};
/* Every procedure reference of the vote table with its type (votes without a reference are
 * left out); fn as above. */
int ep_qs_each_procedure_outcome(struct ep_store *s,
                                 int (*fn)(void *ctx, const struct ep_qs_proc_outcome *o),
                                 void *ctx, struct ep_error *err);

/* A country of the store named by its code (DEU), ISO alpha-2 code (DE) or label (Germany),
 * any case: 1 with its code and label in code[8] and label[lsz], 0 when none matches. */
int ep_qs_country(struct ep_store *s, const char *arg, char code[8], char *label, size_t lsz,
                  struct ep_error *err);
/* A committee of the store named by its code or abbreviation (AGRI), any case: 1 with its code
 * and label, 0 when none matches. */
int ep_qs_committee(struct ep_store *s, const char *arg, char code[16], char *label, size_t lsz,
                    struct ep_error *err);

#endif
