/* ep_query: the store's read queries for the analysis and tool layers, behind typed functions.
 *
 * Nothing above engine/ writes SQL: a product or a tool asks for rows here. Two shapes:
 * - one-shot look-ups on a store (ep_query_mep_known, ep_query_known_groups, ...), each
 *   preparing its statement and finalising it before it returns;
 * - a look-up handle (struct ep_query, ep_query_open) for look-ups repeated in a loop (an MEP's
 *   name, a vote's title for every listed vote): each statement is prepared once, on first use,
 *   and reused until ep_query_close. A handle belongs to one thread at a time.
 *
 * Text in a row struct marked "borrowed" points into SQLite's row and is valid until the next
 * call on the same handle (or ep_query_close); NULL means SQL NULL. Rows marked "owned" are
 * freed with the function named beside them.
 *
 * Errors: functions return 0 (or the count / found flag stated) or a negative EP_E* code with
 * err filled as "what: sqlite message" (err may be NULL). */
#ifndef EP_QUERY_H
#define EP_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "ep_error.h"

struct ep_store;

/* SQLite's message for the last failed call on s's connection ("no store" when s is NULL). */
const char *ep_query_errmsg(struct ep_store *s);
/* EP_EDB with "what: <ep_query_errmsg(s)>" in err; returns EP_EDB. */
int ep_query_db_error(struct ep_store *s, struct ep_error *err, const char *what);

/* ---- the look-up handle ---------------------------------------------------------------- */

struct ep_query;

/* A handle on s (borrowed: s must outlive it). 0 or EP_ENOMEM. */
int ep_query_open(struct ep_store *s, struct ep_query **out, struct ep_error *err);
void ep_query_close(struct ep_query *q);

/* A member-table row (borrowed text). */
struct ep_query_mep {
    const char *first_name, *last_name, *country_code;
};
/* The member row of id: 1 found (out filled), 0 no such row (out all NULL), <0 error. */
int ep_query_mep(struct ep_query *q, int64_t id, struct ep_query_mep *out, struct ep_error *err);

/* A vote-table row (borrowed text). */
struct ep_query_vote {
    const char *title, *rcv_title, *procedure_title; /* the three titles a source may give */
    const char *procedure_reference, *result;
    const char *date; /* the timestamp's date (its first 10 characters), NULL when unknown */
};
/* The minutes reference of a sitting date into out ("" when none): 1 found, 0 not, <0 error. */
int ep_query_sitting_ref(struct ep_query *q, const char *date, char *out, size_t n,
                         struct ep_error *err);

/* The vote row of id: 1 found, 0 none (out all NULL), <0 error. */
int ep_query_vote(struct ep_query *q, int64_t id, struct ep_query_vote *out, struct ep_error *err);
/* The title shown for a vote: title, else the roll-call title, else the procedure's title,
 * else "" (never NULL). */
const char *ep_query_vote_title(const struct ep_query_vote *v);

/* ---- MEPs and groups ------------------------------------------------------------------- */

/* Which table names MEP id: 1 = a member row, 2 = memberships only, 0 = neither (the MEP may
 * still have stored positions: the caller checks those); <0 error. */
int ep_query_mep_known(struct ep_store *s, int64_t id, struct ep_error *err);

/* Every group code of the groups table and of the memberships (distinct, any order): *out is
 * an owned array of n owned strings, freed with ep_query_strings_free. */
int ep_query_known_groups(struct ep_store *s, char ***out, size_t *n, struct ep_error *err);
void ep_query_strings_free(char **v, size_t n);

/* The group's label (label, else the official label, else the code) into out; "" when the
 * groups table has no such code. 1 found, 0 not, <0 error. */
int ep_query_group_label(struct ep_store *s, const char *code, char *out, size_t n,
                         struct ep_error *err);

/* One membership of an MEP (owned by the array). */
struct ep_query_membership {
    char *group;       /* group code (never NULL) */
    char *group_label; /* the groups table's label, NULL when none (or empty) */
    int term;          /* 0 when has_term is 0 */
    int has_term;      /* the term is stored */
    char start[11];
    char end[11]; /* "" when open (ongoing) */
};
/* The MEP's memberships ordered by start date then group: *out owned (ep_query_memberships_free),
 * *n rows. */
int ep_query_memberships(struct ep_store *s, int64_t id, struct ep_query_membership **out,
                         size_t *n, struct ep_error *err);
void ep_query_memberships_free(struct ep_query_membership *v, size_t n);

/* What the store says of an MEP for a profile: the members-table row (all text owned, NULL when
 * NULL or empty), the country's label, the group of the latest open membership, and which
 * sources name the MEP. */
struct ep_query_mep_profile {
    char *first_name, *last_name, *country, *country_label, *date_of_birth, *email, *facebook,
        *twitter;
    char *current_group; /* group of the latest open membership, NULL when none */
    int has_current;     /* an open membership exists (even with an empty group code) */
    int in_members;      /* a members-table row */
    int in_memberships;  /* at least one membership */
    int rcv_named;       /* the row holds only the name a roll-call file printed */
};
int ep_query_mep_profile(struct ep_store *s, int64_t id, struct ep_query_mep_profile *out,
                         struct ep_error *err);
void ep_query_mep_profile_free(struct ep_query_mep_profile *p);

/* ---- the dataset ----------------------------------------------------------------------- */

/* The date of the latest sitting whose date is a valid YYYY-MM-DD, into out ("" when none). */
int ep_query_dataset_date(struct ep_store *s, char out[11], struct ep_error *err);
/* The first and last sitting date of the votes with per-MEP positions ("" when none). */
int ep_query_positions_span(struct ep_store *s, char from[11], char to[11], struct ep_error *err);
/* meta.synthetic as an integer (0 when unset). */
int ep_query_synthetic(struct ep_store *s, int *out, struct ep_error *err);

/* A marker of the store's content as this connection sees it: the connection's total changes
 * and SQLite's data_version (another connection's commit changes it). Two equal markers of the
 * same connection mean nothing was written in between. */
struct ep_query_change_key {
    long long changes, version;
};
void ep_query_change_key(struct ep_store *s, struct ep_query_change_key *out);

/* ---- sittings -------------------------------------------------------------------------- */

/* One sitting date of the vote table with its vote counts. */
struct ep_query_sitting {
    char date[11];
    int votes, with_positions, main_votes;
    int main_known; /* votes whose source says whether they are main votes */
};
/* Every valid sitting date of the vote table, ascending: *out owned (free()), *n rows. */
int ep_query_sittings(struct ep_store *s, struct ep_query_sitting **out, int *n,
                      struct ep_error *err);

/* The vote counts of one sitting date. */
struct ep_query_sitting_counts {
    int total, with_positions, main, adopted, rejected;
    int main_known;   /* votes whose source says whether they are main votes */
    int result_known; /* votes with a stored result */
};
int ep_query_sitting_counts(struct ep_store *s, const char *date,
                            struct ep_query_sitting_counts *out, struct ep_error *err);
/* The minutes reference of a sitting into out ("" when none stored). 1 found, 0 not, <0. */
int ep_query_sitting_reference(struct ep_store *s, const char *date, char *out, size_t n,
                               struct ep_error *err);

/* One vote of a sitting (owned by the array). */
struct ep_query_sitting_vote {
    int64_t id;
    char *title;     /* shown title (ep_query_vote_title's rule), never NULL */
    char *procedure; /* procedure reference or NULL */
    char *result;    /* NULL when unknown */
    int main;        /* 1 main vote, 0 not, -1 unknown */
    int has_counts;  /* the official counts are stored */
    int count_for, count_against, count_abstention;
};
/* The first limit votes of a sitting, main votes first, then by time and id: *out owned
 * (ep_query_sitting_votes_free), *n rows. */
int ep_query_sitting_votes(struct ep_store *s, const char *date, int limit,
                           struct ep_query_sitting_vote **out, int *n, struct ep_error *err);
void ep_query_sitting_votes_free(struct ep_query_sitting_vote *v, int n);

/* ---- row cursors: the listings of the basic tools ----------------------------------------
 * A listing opens a cursor on its query; ep_query_rows_next steps it and the column getters
 * read the current row by the listing's column enum. Text is borrowed until the next step
 * (NULL = SQL NULL). */

struct ep_query_rows;

/* 1 when a row is current, 0 at the end, <0 on a store error (err filled). */
int ep_query_rows_next(struct ep_query_rows *r, struct ep_error *err);
void ep_query_rows_close(struct ep_query_rows *r);
const char *ep_query_col_text(const struct ep_query_rows *r, int col);
int64_t ep_query_col_int(const struct ep_query_rows *r, int col);
double ep_query_col_double(const struct ep_query_rows *r, int col);
int ep_query_col_is_null(const struct ep_query_rows *r, int col);
int ep_query_col_is_int(const struct ep_query_rows *r, int col); /* an INTEGER value */

/* 1 when the store has the table (older schemas may lack later migrations' tables). */
int ep_query_has_table(struct ep_store *s, const char *name);

/* MEPs of the members table (country NULL = all), sorted by last name, first name, id, with the
 * group held on active_on (when given) of term (when term is not NULL), else the latest. */
enum {
    EP_QMEP_ID,
    EP_QMEP_FIRST,
    EP_QMEP_LAST,
    EP_QMEP_COUNTRY,
    EP_QMEP_BIRTH,
    EP_QMEP_GROUP,   /* NULL when no membership matches */
    EP_QMEP_TERMS,   /* the distinct terms, ascending, comma-separated */
    EP_QMEP_CURRENT, /* an open-ended membership exists */
};
int ep_query_meps(struct ep_store *s, const char *active_on, const int64_t *term,
                  const char *country, struct ep_query_rows **out, struct ep_error *err);

/* Vote rows (get_voting_records, track_legislation). */
enum {
    EP_QV_ID,
    EP_QV_TIMESTAMP,
    EP_QV_SITTING,
    EP_QV_TITLE,
    EP_QV_DESCRIPTION,
    EP_QV_REFERENCE,
    EP_QV_PROC_REF,
    EP_QV_PROC_TITLE,
    EP_QV_PROC_TYPE,
    EP_QV_PROC_STAGE,
    EP_QV_RESULT,
    EP_QV_IS_MAIN,
    EP_QV_FOR,
    EP_QV_AGAINST,
    EP_QV_ABSTENTION,
    EP_QV_DID_NOT_VOTE,
    EP_QV_HAS_POSITIONS,
    EP_QV_RCV_TITLE,
    EP_QV_RCV_DESCRIPTION,
};
/* The filters of a vote listing: NULL / 0 / -1 = not filtered. */
struct ep_query_vote_filter {
    const char *sitting, *from, *to, *procedure, *result;
    int has_vote_id;
    int64_t vote_id;
    int main_only;
    int with_positions; /* 1 with, 0 without, -1 either */
    const char *match;  /* an FTS5 expression over the search index (kind 'vote'), or NULL */
};
int ep_query_votes_count(struct ep_store *s, const struct ep_query_vote_filter *f, long *total,
                         struct ep_error *err);
/* The votes of f by sitting date, time and id (ascending when asc, else descending). */
int ep_query_votes(struct ep_store *s, const struct ep_query_vote_filter *f, int asc, int limit,
                   int offset, struct ep_query_rows **out, struct ep_error *err);
/* The votes of a procedure in time order. */
int ep_query_procedure_votes(struct ep_store *s, const char *procedure, int limit, int offset,
                             struct ep_query_rows **out, struct ep_error *err);

/* A procedure's summary over its votes (text owned, NULL when none). */
struct ep_query_procedure {
    long votes, main_votes, with_positions, adopted, rejected, without_result;
    char *first_date, *last_date, *title, *type, *stage, *latest_main_result;
};
int ep_query_procedure(struct ep_store *s, const char *procedure, struct ep_query_procedure *out,
                       struct ep_error *err);
void ep_query_procedure_free(struct ep_query_procedure *p);

/* Full-text search hits of an FTS5 expression (kind NULL = every kind), best first. */
enum { EP_QS_KIND, EP_QS_REF, EP_QS_TITLE, EP_QS_SNIPPET, EP_QS_RANK, EP_QS_DATE };
int ep_query_search_count(struct ep_store *s, const char *match, const char *kind, long *total,
                          struct ep_error *err);
int ep_query_search(struct ep_store *s, const char *match, const char *kind, int limit, int offset,
                    struct ep_query_rows **out, struct ep_error *err);

/* Committees (code NULL = all) by code. */
enum { EP_QC_CODE, EP_QC_LABEL, EP_QC_ABBREVIATION };
int ep_query_committees(struct ep_store *s, const char *code, struct ep_query_rows **out,
                        struct ep_error *err);

/* Parliamentary questions. ep_query_questions_stored: how many the question table holds (0 when
 * the store has no such table). The listing's filters are NULL when unset; an author is the
 * first author or a co-author. A question table of another shape is EP_EUNAVAIL saying so. */
enum {
    EP_QQ_ID,
    EP_QQ_DATE,
    EP_QQ_TITLE,
    EP_QQ_AUTHOR,
    EP_QQ_ADDRESSEE,
    EP_QQ_ANSWER_DATE,
    EP_QQ_ANSWERED,
};
struct ep_query_question_filter {
    const int64_t *author;
    const char *from, *to, *keyword;
};
long ep_query_questions_stored(struct ep_store *s);
int ep_query_questions_count(struct ep_store *s, const struct ep_query_question_filter *f,
                             long *total, struct ep_error *err);
int ep_query_questions(struct ep_store *s, const struct ep_query_question_filter *f, int limit,
                       int offset, struct ep_query_rows **out, struct ep_error *err);

#endif
