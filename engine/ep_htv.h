/* ep_htv: HowTheyVote.eu CSV export adapter (plain or .gz). The table is recognised by its
 * header, and columns are mapped by header name (extra columns are allowed and ignored;
 * a missing required column is an error):
 *   members.csv         id,first_name,last_name,country_code,date_of_birth,email,facebook,twitter
 *   groups.csv          code,official_label,label,short_label
 *   group_memberships   member_id,group_code,term,start_date,end_date
 *   countries.csv       code,iso_alpha_2,label
 *   committees.csv      code,label,abbreviation
 *   votes.csv           id,timestamp,display_title,reference,description,is_main,
 *                       procedure_reference,procedure_title,procedure_type,procedure_stage,
 *                       count_for,count_against,count_abstention,count_did_not_vote,result
 *   member_votes.csv    vote_id,member_id,position,country_code,group_code
 *   oeil_subjects.csv   code,label               (code: digits and dots, e.g. 6.10.04)
 *   oeil_subject_votes  vote_id,oeil_subject_code
 *   eurovoc_concepts    id,label
 *   eurovoc_concept_votes vote_id,eurovoc_concept_id
 *   responsible_committee_votes vote_id,committee_code
 *   geo_areas.csv       code,label,iso_alpha_2
 *   geo_area_votes      vote_id,geo_area_code
 * A header whose columns fit two tables equally (countries and geo_areas have the same three
 * columns) is the table whose column order it has; the most columns matched wins otherwise
 * (committees over oeil_subjects). Topic codes are 1 to 32 letters, digits, '.', '_' or '-'.
 * Every record goes to the matching sink callback. Errors (EP_EPARSE) name unit:line and the
 * column: wrong/unknown header, wrong column count, bad integer/date/enum value. */
#ifndef EP_HTV_H
#define EP_HTV_H

#include <stddef.h>

#include "ep_model.h"

enum ep_htv_table {
    EP_HTV_UNKNOWN = 0,
    EP_HTV_MEMBERS,
    EP_HTV_GROUPS,
    EP_HTV_MEMBERSHIPS,
    EP_HTV_COUNTRIES,
    EP_HTV_COMMITTEES,
    EP_HTV_VOTES,
    EP_HTV_MEMBER_VOTES,
    EP_HTV_OEIL_SUBJECTS,
    EP_HTV_OEIL_SUBJECT_VOTES,
    EP_HTV_EUROVOC_CONCEPTS,
    EP_HTV_EUROVOC_CONCEPT_VOTES,
    EP_HTV_COMMITTEE_VOTES,
    EP_HTV_GEO_AREAS,
    EP_HTV_GEO_AREA_VOTES,
};

/* A topic code as the export writes it: 1 to 32 letters, digits, '.', '_' or '-' (kind =
 * enum ep_topic_kind; OEIL subjects: digits separated by single dots). */
int ep_htv_topic_code_valid(int kind, const char *code);

const char *ep_htv_table_name(int table);

/* table_out (may be NULL) receives the recognised table. records_out (may be NULL) the
 * number of data records. */
int ep_htv_parse_file(const char *path, const struct ep_sink *sink, int *table_out,
                      long *records_out, struct ep_error *err);
int ep_htv_parse_buffer(const char *data, size_t n, const char *unit, const struct ep_sink *sink,
                        int *table_out, long *records_out, struct ep_error *err);

/* The same over a stream: read(ctx, buf, cap, err) fills buf with up to cap bytes of the
 * (decompressed) table and returns how many, 0 at its end, or a negative EP_E* with err set,
 * which ends the parse with that error. The CSV is read in windows of about 1 MiB (a longer
 * record widens the window), so memory does not grow with the table. */
typedef long (*ep_htv_read_fn)(void *ctx, char *buf, size_t cap, struct ep_error *err);
int ep_htv_parse_stream(ep_htv_read_fn read, void *ctx, const char *unit,
                        const struct ep_sink *sink, int *table_out, long *records_out,
                        struct ep_error *err);

/* The table whose header is the first line of data (its first n bytes, which must hold that
 * whole line), or EP_HTV_UNKNOWN. No error: for ordering files before they are ingested. */
int ep_htv_sniff(const char *data, size_t n);

#endif
