/* ep_epapi: EP Open Data API v2 JSON-LD adapters and the sync driver. See ep_epapi.h. */
#include "ep_epapi.h"

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ep_store.h"
#include "ep_util.h"

/* ---- helpers ----------------------------------------------------------------------------- */

const char *ep_epapi_strip(const char *s)
{
    if (!s)
        return NULL;
    const char *a = strrchr(s, '/'), *b = strrchr(s, '#');
    const char *p = a > b ? a : b;
    return p && p[1] ? p + 1 : s;
}

static const char *str(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* A language map ({"en": "...", "fr": ...}) or a plain string: English, else any. */
static const char *lang(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    if (json_is_string(v))
        return json_string_value(v);
    if (!json_is_object(v))
        return NULL;
    const char *en = json_string_value(json_object_get(v, "en"));
    if (en)
        return en;
    const char *key;
    json_t *x;
    json_object_foreach(v, key, x)
    {
        if (json_is_string(x))
            return json_string_value(x);
    }
    return NULL;
}

static int64_t id_of(const char *s)
{
    const char *p = ep_epapi_strip(s);
    if (!p || !*p)
        return -1;
    char *end;
    long long v = strtoll(p, &end, 10);
    return *end || v < 0 ? -1 : (int64_t)v;
}

static int int_or(json_t *o, const char *k, int def)
{
    json_t *v = json_object_get(o, k);
    if (json_is_integer(v))
        return (int)json_integer_value(v);
    if (json_is_string(v)) {
        char *end;
        long x = strtol(json_string_value(v), &end, 10);
        if (!*end)
            return (int)x;
    }
    return def;
}

static json_t *data_of(json_t *page, struct ep_error *err)
{
    json_t *d = json_object_get(page, "data");
    if (!json_is_array(d)) {
        ep_error_set(err, EP_EPARSE, "API page has no \"data\" array");
        return NULL;
    }
    return d;
}

static void warn(const struct ep_sink *sink, const char *msg)
{
    if (sink->warn)
        sink->warn(sink->ctx, "epapi", 0, msg);
}

/* 10-char date copy (NULL when s is not a date). */
static const char *date10(const char *s, char out[11])
{
    if (!s || strlen(s) < 10)
        return NULL;
    memcpy(out, s, 10);
    out[10] = 0;
    return ep_date_valid(out) ? out : NULL;
}

static int term_of(const char *date)
{
    if (!date)
        return -1;
    if (strcmp(date, "2024-07-16") >= 0)
        return 10;
    if (strcmp(date, "2019-07-02") >= 0)
        return 9;
    if (strcmp(date, "2014-07-01") >= 0)
        return 8;
    return -1;
}

/* ---- adapters ------------------------------------------------------------------------------ */

static int emit_member(json_t *it, const struct ep_sink *sink, int64_t *id_out,
                       struct ep_error *err)
{
    const char *ids = str(it, "identifier");
    int64_t id = id_of(ids ? ids : str(it, "id"));
    *id_out = id;
    if (id < 0) {
        warn(sink, "MEP without a numeric identifier skipped");
        return 0;
    }
    if (!sink->member)
        return 0;
    char dob[11];
    const char *email = str(it, "hasEmail");
    if (email && strncmp(email, "mailto:", 7) == 0)
        email += 7;
    const char *country = str(it, "api:country-of-representation");
    if (!country)
        country = str(it, "citizenship");
    struct ep_member m = {.id = id,
                          .first_name = str(it, "givenName"),
                          .last_name = str(it, "familyName"),
                          .country = ep_epapi_strip(country),
                          .date_of_birth = date10(str(it, "bday"), dob),
                          .email = email};
    return sink->member(sink->ctx, &m, err);
}

int ep_epapi_meps(json_t *page, const struct ep_sink *sink, struct ep_error *err)
{
    json_t *d = data_of(page, err);
    if (!d)
        return EP_EPARSE;
    size_t i;
    json_t *it;
    json_array_foreach(d, i, it)
    {
        int64_t id;
        int rc = emit_member(it, sink, &id, err);
        if (rc)
            return rc;
    }
    return 0;
}

int ep_epapi_mep_detail(json_t *page, const struct ep_sink *sink, long *other, struct ep_error *err)
{
    json_t *d = data_of(page, err);
    if (!d)
        return EP_EPARSE;
    size_t i;
    json_t *it;
    json_array_foreach(d, i, it)
    {
        int64_t id;
        int rc = emit_member(it, sink, &id, err);
        if (rc)
            return rc;
        if (id < 0)
            continue;
        size_t k;
        json_t *ms;
        json_array_foreach(json_object_get(it, "hasMembership"), k, ms)
        {
            const char *cls = ep_epapi_strip(str(ms, "membershipClassification"));
            if (!cls || strcmp(cls, "EU_POLITICAL_GROUP") != 0) {
                if (other)
                    (*other)++;
                continue;
            }
            const char *raw = ep_epapi_strip(str(ms, "organization"));
            const char *code = ep_group_canonical(raw);
            if (!code) {
                const char *lbl = str(ms, "epintel:organization_label");
                code = ep_group_canonical(lbl);
            }
            if (!code) {
                char msg[256];
                snprintf(msg, sizeof msg, "MEP %lld: unknown political group '%s' kept as given",
                         (long long)id, raw ? raw : "?");
                warn(sink, msg);
                code = raw;
            }
            json_t *dur = json_object_get(ms, "memberDuring");
            char sd[11], ed[11];
            const char *start = date10(str(dur, "startDate"), sd);
            if (!code || !start) {
                warn(sink, "membership without organization or start date skipped");
                continue;
            }
            const char *term = ep_epapi_strip(str(ms, "api:parliamentary-term"));
            int t = term && strncmp(term, "ep-", 3) == 0 ? (int)strtol(term + 3, NULL, 10)
                                                         : term_of(start);
            struct ep_membership m = {.member_id = id,
                                      .group_code = code,
                                      .term = t > 0 ? t : -1,
                                      .start_date = start,
                                      .end_date = date10(str(dur, "endDate"), ed)};
            if (sink->membership && (rc = sink->membership(sink->ctx, &m, err)))
                return rc;
        }
    }
    return 0;
}

int ep_epapi_corporate_bodies(json_t *page, const struct ep_sink *sink, struct ep_error *err)
{
    json_t *d = data_of(page, err);
    if (!d)
        return EP_EPARSE;
    size_t i;
    json_t *it;
    json_array_foreach(d, i, it)
    {
        const char *cls = ep_epapi_strip(str(it, "classification"));
        const char *ident = str(it, "identifier");
        if (!ident)
            ident = ep_epapi_strip(str(it, "id"));
        const char *label = str(it, "label");
        const char *name = lang(it, "prefLabel");
        if (!cls || !ident)
            continue;
        int rc = 0;
        if (strcmp(cls, "EU_POLITICAL_GROUP") == 0) {
            const char *code = ep_group_canonical(ident);
            if (!code)
                code = ep_group_canonical(label);
            if (!code) {
                char msg[256];
                snprintf(msg, sizeof msg, "unknown political group '%s' kept as given", ident);
                warn(sink, msg);
                code = ident;
            }
            struct ep_group g = {
                .code = code, .official_label = name, .label = name, .short_label = label};
            if (sink->group)
                rc = sink->group(sink->ctx, &g, err);
        } else if (strncmp(cls, "COMMITTEE", 9) == 0) {
            struct ep_committee c = {.code = ident, .label = name, .abbreviation = label};
            if (sink->committee)
                rc = sink->committee(sink->ctx, &c, err);
        }
        if (rc)
            return rc;
    }
    return 0;
}

int ep_epapi_meetings(json_t *page, const struct ep_sink *sink, struct ep_error *err)
{
    json_t *d = data_of(page, err);
    if (!d)
        return EP_EPARSE;
    size_t i;
    json_t *it;
    json_array_foreach(d, i, it)
    {
        char date[11];
        if (!date10(str(it, "activity_date"), date)) {
            warn(sink, "meeting without activity_date skipped");
            continue;
        }
        struct ep_sitting st = {
            .date = date, .ep_id = -1, .reference = NULL, .term = term_of(date)};
        int rc = sink->sitting ? sink->sitting(sink->ctx, &st, err) : 0;
        if (rc)
            return rc;
    }
    return 0;
}

int ep_epapi_decisions(json_t *page, const struct ep_sink *sink, struct ep_error *err)
{
    json_t *d = data_of(page, err);
    if (!d)
        return EP_EPARSE;
    static const char *const voters[3] = {"had_voter_favor", "had_voter_against",
                                          "had_voter_abstention"};
    size_t i;
    json_t *it;
    json_array_foreach(d, i, it)
    {
        int64_t id = id_of(str(it, "notation_votingId"));
        if (id < 0) {
            warn(sink, "decision without notation_votingId skipped");
            continue;
        }
        char date[11], ts[20] = "";
        const char *sd = date10(str(it, "activity_date"), date);
        const char *start = str(it, "activity_start_date");
        if (start && strlen(start) >= 19) {
            memcpy(ts, start, 19);
            ts[19] = 0;
            ts[10] = ' ';
        }
        json_t *main = json_object_get(it, "epintel:is_main");
        json_t *dlv = json_object_get(it, "epintel:dlv_id");
        struct ep_vote v = {
            .id = id,
            .timestamp = ts[0] ? ts : NULL,
            .sitting_date = sd,
            .title = lang(it, "activity_label"),
            .reference = str(it, "referenceText"),
            .procedure_reference = str(it, "epintel:procedure_reference"),
            .result = ep_epapi_strip(str(it, "had_decision_outcome")),
            .is_main = json_is_boolean(main) ? json_is_true(main) : -1,
            .count_for = int_or(it, "number_of_votes_favor", -1),
            .count_against = int_or(it, "number_of_votes_against", -1),
            .count_abstention = int_or(it, "number_of_votes_abstention", -1),
            .count_did_not_vote = -1,
            .dlv_id = json_is_integer(dlv) ? (int64_t)json_integer_value(dlv) : -1,
        };
        int rc = sink->vote ? sink->vote(sink->ctx, &v, err) : 0;
        if (rc)
            return rc;
        for (int k = 0; k < 3 && sink->position; k++) {
            size_t j;
            json_t *p;
            json_array_foreach(json_object_get(it, voters[k]), j, p)
            {
                int64_t mid = id_of(json_string_value(p));
                if (mid < 0) {
                    warn(sink, "voter without a person id skipped");
                    continue;
                }
                struct ep_position pos = {.vote_id = id, .member_id = mid, .pos = k + 1};
                if ((rc = sink->position(sink->ctx, &pos, err)))
                    return rc;
            }
        }
    }
    return 0;
}

/* ---- the endpoint table ------------------------------------------------------------------- */

/* Generated from ../shared/data/real/ep-open-data-api/ep-openapi-spec.json (55 GET paths);
 * tool names follow the existing EP MCP server's convention. */
static const struct ep_epapi_endpoint endpoints[] = {
    {"meps", "get_meps", 0, 0, 3600,
     "parliamentary-term,gender,political-group,country-of-representation,offset,limit",
     "Returns the list of all the MEPs"},
    {"meps/{mep-id}", "get_mep_details", 0, 1, 86400, "",
     "Returns a single MEP for the specified mep ID"},
    {"meps/show-current", "get_current_meps", 0, 0, 3600,
     "mandate-date,gender,political-group,country-of-representation,offset,limit",
     "Returns the list of all active MEPs for today's date"},
    {"meps/show-incoming", "get_incoming_meps", 0, 0, 3600,
     "gender,political-group,country-of-representation,offset,limit",
     "Returns the list of all incoming MEPs for the current parliamentary term"},
    {"meps/show-outgoing", "get_outgoing_meps", 0, 0, 3600,
     "gender,political-group,country-of-representation,offset,limit",
     "Returns the list of all outgoing MEPs for the current parliamentary term"},
    {"meps/show-homonyms", "get_homonym_meps", 0, 0, 3600, "parliamentary-term,offset,limit",
     "Returns the list of all homonyms MEPs for the current parliamentary term"},
    {"meps/feed", "get_meps_feed", 1, 0, 300, "timeframe,start-date",
     "Returns a feed of MEPs (published or updated during the specified timeframe)."},
    {"corporate-bodies", "get_corporate_bodies", 0, 0, 3600, "body-classification,offset,limit",
     "Returns the list of all EP Corporate Bodies"},
    {"corporate-bodies/feed", "get_corporate_bodies_feed", 1, 0, 300, "",
     "Returns a feed of EP Corporate Body (published or updated in the last month)."},
    {"corporate-bodies/{body-id}", "get_corporate_body", 0, 1, 86400, "language",
     "Returns a single EP Corporate Body for the specified body ID"},
    {"corporate-bodies/show-current", "get_current_corporate_bodies", 0, 0, 3600, "offset,limit",
     "Returns the list of all current bodies for today's date"},
    {"meetings", "get_meetings", 0, 0, 3600, "year,offset,limit",
     "Returns the list of all EP Meetings"},
    {"meetings/{event-id}", "get_meeting", 0, 1, 86400, "language",
     "Returns a single EP Meeting (Plenary session or a Plenary sitting) for the specified event "
     "ID"},
    {"meetings/{sitting-id}/decisions", "get_meeting_decisions", 0, 0, 3600,
     "vote-method,filter-output,json-layout,offset,limit",
     "Returns all decisions in a single EP Meeting"},
    {"meetings/{sitting-id}/vote-results", "get_meeting_vote_results", 0, 0, 3600, "offset,limit",
     "Returns all vote results in a single EP Meeting"},
    {"meetings/{sitting-id}/foreseen-activities", "get_meeting_foreseen_activities", 0, 0, 3600,
     "offset,limit", "Returns the list of all Foreseen Activities linked to EP Meetings"},
    {"meetings/{sitting-id}/activities", "get_meeting_activities", 0, 0, 3600, "offset,limit",
     "Returns the list of all Activities linked to  EP Meetings"},
    {"events", "get_events", 0, 0, 3600, "activity-type,offset,limit",
     "Returns the list of all EP Events"},
    {"events/{event-id}", "get_event", 0, 1, 86400, "json-layout",
     "Returns a single EP Events for the specified event ID"},
    {"events/feed", "get_events_feed", 1, 0, 300, "activity-type,timeframe,start-date",
     "Returns a feed of EP Events (published or updated during the specified timeframe)."},
    {"speeches", "get_speeches", 0, 0, 3600,
     "parliamentary-term,activity-type,sitting-date,sitting-date-end,video-start-time,video-end-"
     "time,person-id,title,text,search-language,include-output,language,sort-by,offset,limit",
     "Returns a list of speeches or speech-related activities (proceeding activities, debate "
     "speeches, written statements)."},
    {"speeches/{speech-id}", "get_speech", 0, 1, 86400,
     "text,search-language,include-output,language",
     "Returns a single speech or speech-related activity (proceeding activities, debate speeches, "
     "written statements) for the specified speech ID."},
    {"procedures", "get_procedures", 0, 0, 3600, "process-type,offset,limit",
     "Returns the list of all EP Procedures."},
    {"procedures/feed", "get_procedures_feed", 1, 0, 300, "process-type,timeframe,start-date",
     "Returns a feed of EP Procedures (published or updated during the specified timeframe)."},
    {"procedures/{process-id}", "get_procedure", 0, 1, 86400, "",
     "Returns a single EP Procedure for the specified process-id"},
    {"procedures/{process-id}/events", "get_procedure_events", 0, 0, 3600, "",
     "Returns the list of events linked to a procedure for for the specified process-id"},
    {"procedures/{process-id}/events/{event-id}", "get_procedure_event", 0, 1, 86400, "",
     "Returns a single event linked to a procedure for the specified event-ID"},
    {"documents", "get_documents", 0, 0, 3600, "work-type,offset,limit",
     "Returns the list of all EP Documents"},
    {"documents/feed", "get_documents_feed", 1, 0, 300, "",
     "Returns a feed of EP Documents (published or updated in the last week)."},
    {"documents/{doc-id}", "get_document", 0, 1, 86400, "language",
     "Returns a single EP Document for the specified doc ID"},
    {"plenary-documents", "get_plenary_documents", 0, 0, 3600, "year,work-type,offset,limit",
     "Returns the list of all EP Plenary Documents"},
    {"plenary-documents/{doc-id}", "get_plenary_document", 0, 1, 86400, "language",
     "Returns a single EP Plenary Document for the specified doc ID"},
    {"plenary-documents/feed", "get_plenary_documents_feed", 1, 0, 300, "",
     "Returns a feed of EP Plenary Documents (published or updated in the last month)."},
    {"parliamentary-questions", "get_parliamentary_questions", 0, 0, 3600,
     "year,work-type,offset,limit", "Returns the list of all EP Questions"},
    {"parliamentary-questions/{doc-id}", "get_parliamentary_question", 0, 1, 86400, "language",
     "Returns a single EP Question document for the specified doc ID"},
    {"parliamentary-questions/feed", "get_parliamentary_questions_feed", 1, 0, 300, "",
     "Returns a feed of EP Questions Documents (published or updated in the last month)."},
    {"plenary-session-documents", "get_plenary_session_documents", 0, 0, 3600,
     "part-session-date,work-type,offset,limit",
     "Returns the list of all EP Plenary Session documents"},
    {"plenary-session-documents/{doc-id}", "get_plenary_session_document", 0, 1, 86400, "language",
     "Returns a single EP Plenary Session document for the specified doc ID"},
    {"plenary-session-documents/feed", "get_plenary_session_documents_feed", 1, 0, 300, "",
     "Returns a feed of EP Plenary Session Documents (published or updated in the last month)."},
    {"plenary-session-documents-items", "get_plenary_session_document_items", 0, 0, 3600,
     "related-work-type,subdivision-type,related-activity-type,parliamentary-term,year,sitting-"
     "date,sitting-date-end,parent-id,doc-id,text,title,search-language,include-output,language,"
     "sort-by,offset,limit",
     "Returns the list of all Plenary Session Documents Items"},
    {"adopted-texts", "get_adopted_texts", 0, 0, 3600,
     "year,work-type,parliamentary-term,doc-id,text,title,search-language,language,view,sort-by,"
     "sitting-date,sitting-date-end,related-process-id,related-process-type,related-doc-id,offset,"
     "limit",
     "Returns the list of all EP Adopted Texts"},
    {"adopted-texts/{doc-id}", "get_adopted_text", 0, 1, 86400, "language",
     "Returns a single EP Adopted Text document for the specified doc ID"},
    {"adopted-texts/feed", "get_adopted_texts_feed", 1, 0, 300, "work-type,timeframe,start-date",
     "Returns a feed of EP Adopted texts (published or updated during the specified timeframe)."},
    {"committee-documents", "get_committee_documents", 0, 0, 3600,
     "committee,parliamentary-term,work-type,offset,limit",
     "Returns the list of all EP Committee Documents"},
    {"committee-documents/{doc-id}", "get_committee_document", 0, 1, 86400, "",
     "Returns a single EP Committee Document for the specified doc ID"},
    {"committee-documents/feed", "get_committee_documents_feed", 1, 0, 300, "",
     "Returns a feed of EP Committee Document (published or updated in the last month)."},
    {"meps-declarations", "get_mep_declarations", 0, 0, 3600,
     "work-type,doc-id,year,parliamentary-term,person-id,dossier-id,provider-id,body-id,capacity-"
     "role,related-process-id,related-process-type,filter-output,text,title,search-language,"
     "language,offset,limit",
     "Returns the list of all MEPS Declarations"},
    {"meps-declarations/{doc-id}", "get_mep_declaration", 0, 1, 86400, "",
     "Returns a single MEPS Declaration for the specified doc ID"},
    {"meps-declarations/feed", "get_mep_declarations_feed", 1, 0, 300,
     "work-type,timeframe,start-date",
     "Returns a feed of MEPS Declaration (published or updated during the specified timeframe)."},
    {"external-documents", "get_external_documents", 0, 0, 3600, "work-type,offset,limit",
     "Returns the list of all External Documents"},
    {"external-documents/{doc-id}", "get_external_document", 0, 1, 86400, "",
     "Returns a single External Document for the specified doc ID"},
    {"external-documents/feed", "get_external_documents_feed", 1, 0, 300,
     "work-type,timeframe,start-date",
     "Returns a feed of External Documents (published or updated during the specified timeframe)."},
    {"controlled-vocabularies", "get_controlled_vocabularies", 0, 0, 604800, "offset,limit",
     "Returns the list of all EP Controlled vocabularies"},
    {"controlled-vocabularies/feed", "get_controlled_vocabularies_feed", 1, 0, 300, "",
     "Returns a feed of Controlled Vocabularies (published or updated in the last month)."},
    {"controlled-vocabularies/{voc-id}", "get_controlled_vocabulary", 0, 1, 604800, "",
     "Returns a single EP Controlled Vocabulary for the specified event ID"},
};

const struct ep_epapi_endpoint *ep_epapi_endpoints(size_t *n)
{
    *n = sizeof endpoints / sizeof endpoints[0];
    return endpoints;
}

const struct ep_epapi_endpoint *ep_epapi_endpoint_find(const char *key)
{
    if (!key)
        return NULL;
    while (*key == '/')
        key++;
    for (size_t i = 0; i < sizeof endpoints / sizeof endpoints[0]; i++)
        if (strcmp(endpoints[i].tool, key) == 0 || strcmp(endpoints[i].path, key) == 0)
            return &endpoints[i];
    return NULL;
}

static int safe_value(const char *v)
{
    if (!v || !*v || strstr(v, ".."))
        return 0;
    for (; *v; v++)
        if (!((*v >= 'a' && *v <= 'z') || (*v >= 'A' && *v <= 'Z') || (*v >= '0' && *v <= '9') ||
              strchr("._:()-", *v)))
            return 0;
    return 1;
}

int ep_epapi_endpoint_path(const struct ep_epapi_endpoint *e, const char *const *values,
                           size_t nvalues, char *out, size_t size, struct ep_error *err)
{
    size_t used = 0, k = 0;
    for (const char *p = e->path; *p;) {
        const char *piece = p;
        size_t len;
        if (*p == '{') {
            const char *close = strchr(p, '}');
            if (!close)
                return ep_error_set(err, EP_EINTERNAL, "bad template %s", e->path);
            if (k >= nvalues)
                return ep_error_set(err, EP_EINVAL, "%s: missing value for %.*s", e->tool,
                                    (int)(close - p + 1), p);
            if (!safe_value(values[k]))
                return ep_error_set(err, EP_EINVAL,
                                    "%s: '%s' is not a valid identifier (letters, digits and "
                                    "._:()- only)",
                                    e->tool, values[k] ? values[k] : "");
            piece = values[k++];
            len = strlen(piece);
            p = close + 1;
        } else {
            len = strcspn(p, "{");
            p += len;
        }
        if (used + len + 1 > size)
            return ep_error_set(err, EP_ELIMIT, "%s: path longer than %zu bytes", e->tool, size);
        memcpy(out + used, piece, len);
        used += len;
    }
    if (k != nvalues)
        return ep_error_set(err, EP_EINVAL, "%s: %zu values for %zu placeholders", e->tool, nvalues,
                            k);
    out[used] = 0;
    return 0;
}

/* ---- sync ---------------------------------------------------------------------------------- */

int ep_epapi_sync_parse_only(const char *s, unsigned *out, struct ep_error *err)
{
    *out = 0;
    if (!s || !*s)
        return ep_error_set(err, EP_EINVAL, "--only needs a list: bodies, meps, votes or all");
    char buf[256];
    snprintf(buf, sizeof buf, "%s", s);
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (strcmp(t, "bodies") == 0 || strcmp(t, "committees") == 0 || strcmp(t, "groups") == 0)
            *out |= EP_SYNC_BODIES;
        else if (strcmp(t, "meps") == 0 || strcmp(t, "members") == 0)
            *out |= EP_SYNC_MEPS;
        else if (strcmp(t, "votes") == 0 || strcmp(t, "meetings") == 0)
            *out |= EP_SYNC_VOTES;
        else if (strcmp(t, "all") == 0)
            *out |= EP_SYNC_ALL;
        else
            return ep_error_set(err, EP_EINVAL,
                                "--only: unknown dataset '%s' (known: bodies, meps, votes, all)",
                                t);
    }
    return 0;
}

enum { K_MEPS, K_MEP, K_BODIES, K_MEETINGS, K_DECISIONS };

struct counting {
    const struct ep_sink *inner;
    struct ep_sync_summary *sum;
};

static int c_member(void *c, const struct ep_member *m, struct ep_error *e)
{
    struct counting *x = c;
    x->sum->members++;
    return x->inner->member ? x->inner->member(x->inner->ctx, m, e) : 0;
}
static int c_group(void *c, const struct ep_group *g, struct ep_error *e)
{
    struct counting *x = c;
    x->sum->groups++;
    return x->inner->group ? x->inner->group(x->inner->ctx, g, e) : 0;
}
static int c_membership(void *c, const struct ep_membership *m, struct ep_error *e)
{
    struct counting *x = c;
    x->sum->memberships++;
    return x->inner->membership ? x->inner->membership(x->inner->ctx, m, e) : 0;
}
static int c_committee(void *c, const struct ep_committee *m, struct ep_error *e)
{
    struct counting *x = c;
    x->sum->committees++;
    return x->inner->committee ? x->inner->committee(x->inner->ctx, m, e) : 0;
}
static int c_sitting(void *c, const struct ep_sitting *m, struct ep_error *e)
{
    struct counting *x = c;
    x->sum->sittings++;
    return x->inner->sitting ? x->inner->sitting(x->inner->ctx, m, e) : 0;
}
static int c_vote(void *c, const struct ep_vote *m, struct ep_error *e)
{
    struct counting *x = c;
    x->sum->votes++;
    return x->inner->vote ? x->inner->vote(x->inner->ctx, m, e) : 0;
}
static int c_position(void *c, const struct ep_position *m, struct ep_error *e)
{
    struct counting *x = c;
    x->sum->positions++;
    return x->inner->position ? x->inner->position(x->inner->ctx, m, e) : 0;
}
static void c_warn(void *c, const char *unit, long line, const char *msg)
{
    struct counting *x = c;
    if (x->inner->warn)
        x->inner->warn(x->inner->ctx, unit, line, msg);
}

struct page_job {
    json_t *page;
    int kind;
    struct ep_sync_summary *sum;
};

static int gen_page(void *gctx, const struct ep_sink *sink, struct ep_error *err)
{
    struct page_job *j = gctx;
    struct counting cx = {sink, j->sum};
    struct ep_sink cs = {.ctx = &cx,
                         .member = c_member,
                         .group = c_group,
                         .membership = c_membership,
                         .committee = c_committee,
                         .sitting = c_sitting,
                         .vote = c_vote,
                         .position = c_position,
                         .warn = c_warn};
    switch (j->kind) {
    case K_MEPS: return ep_epapi_meps(j->page, &cs, err);
    case K_MEP: return ep_epapi_mep_detail(j->page, &cs, &j->sum->other_memberships, err);
    case K_BODIES: return ep_epapi_corporate_bodies(j->page, &cs, err);
    case K_MEETINGS: return ep_epapi_meetings(j->page, &cs, err);
    default: return ep_epapi_decisions(j->page, &cs, err);
    }
}

static const char *const kind_names[] = {"epapi-meps", "epapi-mep", "epapi-bodies",
                                         "epapi-meetings", "epapi-decisions"};

/* One API page = one store unit (one transaction), keyed by name + canonical JSON. */
static int ingest_page(struct ep_store *s, const char *name, int kind, json_t *page,
                       struct ep_sync_summary *sum, struct ep_error *err)
{
    char *canon = json_dumps(page, JSON_COMPACT | JSON_SORT_KEYS);
    if (!canon)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    struct ep_buf key;
    ep_buf_init(&key, 0);
    int rc = ep_buf_printf(&key, "%s\n%s", name, canon);
    free(canon);
    if (rc) {
        ep_buf_free(&key);
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    struct page_job j = {page, kind, sum};
    struct ep_ingest_report rep;
    rc = ep_store_ingest_generated(s, name, kind_names[kind], key.data, gen_page, &j, &rep, err);
    ep_buf_free(&key);
    sum->pages++;
    if (rc)
        return ep_error_prefix(err, "%s: ", name);
    if (rep.skipped) {
        sum->units_same++;
    } else {
        sum->units_new++;
        sum->records += rep.records;
        sum->warnings += rep.warnings;
    }
    return 0;
}

static int meta_get(struct ep_store *s, const char *key, char *out, size_t n)
{
    out[0] = 0;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(ep_store_db(s), "SELECT value FROM meta WHERE key = ?1", -1, &st,
                           NULL) != SQLITE_OK)
        return EP_EDB;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(out, n, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return 0;
}

struct sync {
    struct ep_store *s;
    struct ep_fetch *f;
    const struct ep_sync_opts *o;
    struct ep_sync_summary *sum;
    int parallel;
    long page_size;
    /* collected ids / dates */
    int64_t *ids;
    size_t nids, aids;
    char (*dates)[11];
    size_t ndates, adates;
    const char *from, *until;
    char from_buf[11];
    int kind;
    const char *path;
};

static void progress(struct sync *y, const char *stage, long done, long total)
{
    if (y->o->progress)
        y->o->progress(y->o->progress_ctx, stage, done, total);
}

static int page_cb(void *ctx, long offset, json_t *page, struct ep_error *err)
{
    struct sync *y = ctx;
    char name[512];
    snprintf(name, sizeof name, "epapi:%s?offset=%ld&limit=%ld", y->path, offset, y->page_size);
    int rc = ingest_page(y->s, name, y->kind, page, y->sum, err);
    if (rc)
        return rc;
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(page, "data"), i, it)
    {
        if (y->kind == K_MEPS) {
            const char *ids = str(it, "identifier");
            int64_t id = id_of(ids ? ids : str(it, "id"));
            if (id < 0)
                continue;
            if (y->nids == y->aids) {
                size_t n = y->aids ? y->aids * 2 : 1024;
                int64_t *p = realloc(y->ids, n * sizeof *p);
                if (!p)
                    return ep_error_set(err, EP_ENOMEM, "out of memory");
                y->ids = p;
                y->aids = n;
            }
            y->ids[y->nids++] = id;
        } else if (y->kind == K_MEETINGS) {
            char d[11];
            if (!date10(str(it, "activity_date"), d) || strcmp(d, y->from) < 0 ||
                (y->until && strcmp(d, y->until) > 0))
                continue;
            if (y->ndates == y->adates) {
                size_t n = y->adates ? y->adates * 2 : 256;
                char(*p)[11] = realloc(y->dates, n * sizeof *p);
                if (!p)
                    return ep_error_set(err, EP_ENOMEM, "out of memory");
                y->dates = p;
                y->adates = n;
            }
            memcpy(y->dates[y->ndates++], d, 11);
        }
    }
    progress(y,
             y->kind == K_MEPS       ? "meps list"
             : y->kind == K_MEETINGS ? "meetings"
                                     : "bodies",
             (long)y->sum->pages, -1);
    return 0;
}

static int stage_bodies(struct sync *y, struct ep_error *err)
{
    y->kind = K_BODIES;
    y->path = "corporate-bodies";
    return ep_fetch_pages(y->f, "corporate-bodies", NULL, y->page_size, 0, y->parallel, page_cb, y,
                          err);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, z = *(const int64_t *)b;
    return x < z ? -1 : x > z;
}

static int stage_meps(struct sync *y, struct ep_error *err)
{
    y->kind = K_MEPS;
    y->path = "meps";
    int rc = ep_fetch_pages(y->f, "meps", NULL, y->page_size, 0, y->parallel, page_cb, y, err);
    if (rc)
        return rc;
    qsort(y->ids, y->nids, sizeof *y->ids, cmp_i64);
    /* checkpoint: the last MEP id whose detail is in the store (ids ascending) */
    char cp[64];
    meta_get(y->s, "epapi.sync.meps.through", cp, sizeof cp);
    long long through = cp[0] ? strtoll(cp, NULL, 10) : -1;
    size_t start = 0;
    while (start < y->nids && y->ids[start] <= through)
        start++;
    size_t batch = (size_t)y->parallel * 4;
    struct ep_fetch_req *q = calloc(batch, sizeof *q);
    struct ep_fetch_result *r = calloc(batch, sizeof *r);
    char(*paths)[32] = calloc(batch, sizeof *paths);
    if (!q || !r || !paths) {
        rc = ep_error_set(err, EP_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = start; i < y->nids && !rc; i += batch) {
        size_t n = y->nids - i < batch ? y->nids - i : batch;
        for (size_t k = 0; k < n; k++) {
            snprintf(paths[k], sizeof paths[k], "meps/%lld", (long long)y->ids[i + k]);
            q[k] = (struct ep_fetch_req){.path = paths[k], .json = 1};
        }
        (void)ep_fetch_many(y->f, q, n, y->parallel, r, NULL);
        for (size_t k = 0; k < n; k++) {
            if (!rc && r[k].rc && r[k].rc != EP_ENOTFOUND) {
                rc = r[k].rc;
                if (err)
                    *err = r[k].err;
            } else if (!rc && r[k].json) {
                if (r[k].degraded)
                    y->sum->degraded++;
                char name[64];
                snprintf(name, sizeof name, "epapi:%s", paths[k]);
                rc = ingest_page(y->s, name, K_MEP, r[k].json, y->sum, err);
            }
            ep_fetch_result_free(&r[k]);
        }
        if (!rc) {
            char v[32];
            snprintf(v, sizeof v, "%lld", (long long)y->ids[i + n - 1]);
            rc = ep_store_set_meta(y->s, "epapi.sync.meps.through", v, err);
        }
        progress(y, "meps", (long)(i + n), (long)y->nids);
    }
    if (!rc)
        rc = ep_store_set_meta(y->s, "epapi.sync.meps.through", "", err);
out:
    free(q);
    free(r);
    free(paths);
    return rc;
}

/* All decision pages of one sitting, in order; returns 0 or an error. */
static int sitting_decisions(struct sync *y, const char *date, struct ep_fetch_result *first,
                             struct ep_error *err)
{
    char path[64], query[128], name[256];
    snprintf(path, sizeof path, "meetings/MTG-PL-%s/decisions", date);
    struct ep_fetch_result cur = *first;
    memset(first, 0, sizeof *first);
    int rc = 0;
    for (long off = 0; off < 1000000;) {
        if (cur.rc == EP_ENOTFOUND || (!cur.rc && !cur.json)) { /* 404/204: nothing (yet) */
            ep_fetch_result_free(&cur);
            break;
        }
        if (cur.rc) {
            rc = cur.rc;
            if (err)
                *err = cur.err;
            ep_fetch_result_free(&cur);
            break;
        }
        if (cur.degraded)
            y->sum->degraded++;
        snprintf(name, sizeof name, "epapi:%s?offset=%ld&limit=%ld", path, off, y->page_size);
        size_t cnt = json_array_size(json_object_get(cur.json, "data"));
        rc = cnt ? ingest_page(y->s, name, K_DECISIONS, cur.json, y->sum, err) : 0;
        ep_fetch_result_free(&cur);
        if (rc || (long)cnt < y->page_size)
            break;
        off += y->page_size;
        snprintf(query, sizeof query, "filter-output=voters&offset=%ld&limit=%ld", off,
                 y->page_size);
        struct ep_fetch_req q = {.path = path, .query = query, .json = 1};
        (void)ep_fetch_get(y->f, &q, &cur, NULL);
    }
    return rc;
}

static int stage_votes(struct sync *y, struct ep_error *err)
{
    /* where to start: --since, else an interrupted run's checkpoint, else the last sync */
    char run[16], through[16], last[16];
    meta_get(y->s, "epapi.sync.votes.run", run, sizeof run);
    meta_get(y->s, "epapi.sync.votes.through", through, sizeof through);
    meta_get(y->s, "epapi.sync.votes.last", last, sizeof last);
    char *from = y->from_buf;
    snprintf(from, sizeof y->from_buf, "%.10s",
             y->o->since ? y->o->since
             : last[0]   ? last
                         : "2019-07-02");
    char resume[11] = "";
    if (run[0] && strcmp(run, from) == 0 && through[0])
        snprintf(resume, sizeof resume, "%.10s", through);
    snprintf(y->sum->resumed_from, sizeof y->sum->resumed_from, "%.10s", resume);
    int rc = ep_store_set_meta(y->s, "epapi.sync.votes.run", from, err);
    if (rc)
        return rc;
    y->from = from;
    y->until = y->o->until;
    int y0 = (int)strtol(resume[0] ? resume : from, NULL, 10);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    int y1 = y->until ? (int)strtol(y->until, NULL, 10) : tm.tm_year + 1900;
    y->kind = K_MEETINGS;
    for (int yr = y0; yr <= y1 && !rc; yr++) {
        char q[32], p[64];
        snprintf(q, sizeof q, "year=%d", yr);
        snprintf(p, sizeof p, "meetings?year=%d", yr);
        y->path = p;
        rc = ep_fetch_pages(y->f, "meetings", q, y->page_size, 0, y->parallel, page_cb, y, err);
    }
    if (rc)
        return rc;
    /* decisions per sitting, `parallel` sittings at a time, ascending dates */
    size_t start = 0;
    while (start < y->ndates && resume[0] && strcmp(y->dates[start], resume) <= 0)
        start++;
    size_t batch = (size_t)y->parallel;
    struct ep_fetch_req *q = calloc(batch, sizeof *q);
    struct ep_fetch_result *r = calloc(batch, sizeof *r);
    char(*paths)[64] = calloc(batch, sizeof *paths);
    char query[128];
    snprintf(query, sizeof query, "filter-output=voters&offset=0&limit=%ld", y->page_size);
    if (!q || !r || !paths) {
        rc = ep_error_set(err, EP_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = start; i < y->ndates && !rc; i += batch) {
        size_t n = y->ndates - i < batch ? y->ndates - i : batch;
        for (size_t k = 0; k < n; k++) {
            snprintf(paths[k], sizeof paths[k], "meetings/MTG-PL-%s/decisions", y->dates[i + k]);
            q[k] = (struct ep_fetch_req){.path = paths[k], .query = query, .json = 1};
        }
        (void)ep_fetch_many(y->f, q, n, y->parallel, r, NULL);
        for (size_t k = 0; k < n; k++) {
            if (!rc)
                rc = sitting_decisions(y, y->dates[i + k], &r[k], err);
            ep_fetch_result_free(&r[k]);
        }
        if (!rc)
            rc = ep_store_set_meta(y->s, "epapi.sync.votes.through", y->dates[i + n - 1], err);
        progress(y, "sittings", (long)(i + n), (long)y->ndates);
    }
    if (!rc) {
        if (y->ndates)
            rc = ep_store_set_meta(y->s, "epapi.sync.votes.last", y->dates[y->ndates - 1], err);
        if (!rc)
            rc = ep_store_set_meta(y->s, "epapi.sync.votes.run", "", err);
        if (!rc)
            rc = ep_store_set_meta(y->s, "epapi.sync.votes.through", "", err);
    }
out:
    free(q);
    free(r);
    free(paths);
    return rc;
}

int ep_epapi_sync(struct ep_store *s, struct ep_fetch *f, const struct ep_sync_opts *o,
                  struct ep_sync_summary *sum, struct ep_error *err)
{
    struct ep_sync_opts def = {0};
    if (!o)
        o = &def;
    memset(sum, 0, sizeof *sum);
    if (o->since && !ep_date_valid(o->since))
        return ep_error_set(err, EP_EINVAL, "--since '%s' is not a date (YYYY-MM-DD)", o->since);
    if (o->until && !ep_date_valid(o->until))
        return ep_error_set(err, EP_EINVAL, "--until '%s' is not a date (YYYY-MM-DD)", o->until);
    struct sync y = {.s = s,
                     .f = f,
                     .o = o,
                     .sum = sum,
                     .parallel = o->parallel > 0 ? o->parallel : 8,
                     .page_size = o->page_size > 0 ? o->page_size : 100};
    unsigned only = o->only ? o->only : EP_SYNC_ALL;
    double t0 = ep_now();
    int rc = 0;
    if (!rc && (only & EP_SYNC_BODIES))
        rc = stage_bodies(&y, err);
    if (!rc && (only & EP_SYNC_MEPS))
        rc = stage_meps(&y, err);
    if (!rc && (only & EP_SYNC_VOTES))
        rc = stage_votes(&y, err);
    if (!rc) {
        char ts[32];
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
        rc = ep_store_set_meta(s, "epapi.sync.last", ts, err);
    }
    free(y.ids);
    free(y.dates);
    sum->seconds = ep_now() - t0;
    return rc;
}
