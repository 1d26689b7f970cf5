/* ep_epapi: EP Open Data API v2 JSON-LD adapters and the sync driver. See ep_epapi.h. */
#include "ep_epapi.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ep_query_topics.h"
#include "ep_store.h"
#include "ep_store_db.h"
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

/* The array p (n elements used of *cap, elem bytes each) with room for one more: p itself, or
 * a larger copy (*cap updated); NULL when out of memory, p then still valid. */
static void *grow(void *p, size_t n, size_t *cap, size_t elem)
{
    if (n < *cap)
        return p;
    size_t nc = *cap ? *cap * 2 : 256;
    void *q = realloc(p, nc * elem);
    if (q)
        *cap = nc;
    return q;
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

/* One COMMITTEE_* membership of MEP id: organization and role stripped of their prefixes; a
 * membership without organization or start date is skipped with a warning. */
static int emit_committee_membership(json_t *ms, int64_t id, const char *cls,
                                     const struct ep_sink *sink, struct ep_error *err)
{
    const char *org = ep_epapi_strip(str(ms, "organization"));
    const char *role = ep_epapi_strip(str(ms, "role"));
    json_t *dur = json_object_get(ms, "memberDuring");
    char sd[11], ed[11];
    const char *start = date10(str(dur, "startDate"), sd);
    if (!org || !*org || !start) {
        char msg[256];
        snprintf(msg, sizeof msg,
                 "MEP %lld: committee membership without organization or start date skipped",
                 (long long)id);
        warn(sink, msg);
        return 0;
    }
    struct ep_committee_membership m = {.member_id = id,
                                        .committee = org,
                                        .role = role && *role ? role : "MEMBER",
                                        .classification = cls,
                                        .start_date = start,
                                        .end_date = date10(str(dur, "endDate"), ed)};
    if (m.end_date && strcmp(m.end_date, m.start_date) < 0) {
        char msg[256];
        snprintf(msg, sizeof msg,
                 "MEP %lld: committee membership of %s ends before it starts: "
                 "skipped",
                 (long long)id, org);
        warn(sink, msg);
        return 0;
    }
    return sink->committee_membership ? sink->committee_membership(sink->ctx, &m, err) : 0;
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
            if (cls && strncmp(cls, "COMMITTEE_", 10) == 0) {
                if ((rc = emit_committee_membership(ms, id, cls, sink, err)))
                    return rc;
                continue;
            }
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

/* ---- adapters for records beyond the vote model --------------------------------------------- */

/* A record's identifier: "identifier", else the last segment of "id". */
static const char *ident(json_t *it)
{
    const char *s = str(it, "identifier");
    return s && *s ? s : ep_epapi_strip(str(it, "id"));
}

static void xwarn(const struct ep_epapi_sink *sink, const char *endpoint, size_t i, const char *id,
                  const char *what)
{
    if (!sink->warn)
        return;
    char msg[512];
    snprintf(msg, sizeof msg, "%s record %zu%s%s%s: %s", endpoint, i, id ? " (" : "", id ? id : "",
             id ? ")" : "", what);
    sink->warn(sink->ctx, msg);
}

/* A date field: 10-char copy, or NULL with a warning when present but not a date. */
static const char *xdate(json_t *it, const char *key, char out[11],
                         const struct ep_epapi_sink *sink, const char *endpoint, size_t i,
                         const char *id)
{
    json_t *v = json_object_get(it, key);
    if (!v || json_is_null(v))
        return NULL;
    const char *d = date10(json_string_value(v), out);
    if (!d) {
        char what[128];
        snprintf(what, sizeof what, "\"%s\" is not a date; stored without it", key);
        xwarn(sink, endpoint, i, id, what);
    }
    return d;
}

typedef int (*item_fn)(json_t *it, size_t i, const char *id, const struct ep_epapi_sink *sink,
                       void *ctx, struct ep_error *err);

/* Walk a page's "data": items that are not objects or have no identifier are skipped with a
 * warning; an error from fn is prefixed with the record's position and identifier. */
static int each_item(json_t *page, const char *endpoint, const char *(*id_fn)(json_t *),
                     const struct ep_epapi_sink *sink, item_fn fn, void *ctx, struct ep_error *err)
{
    json_t *d = data_of(page, err);
    if (!d) {
        ep_error_prefix(err, "%s: ", endpoint);
        return EP_EPARSE;
    }
    size_t i;
    json_t *it;
    json_array_foreach(d, i, it)
    {
        if (!json_is_object(it)) {
            xwarn(sink, endpoint, i, NULL, "not an object; skipped");
            continue;
        }
        const char *id = id_fn(it);
        if (!id || !*id) {
            xwarn(sink, endpoint, i, NULL, "no identifier; skipped");
            continue;
        }
        int rc = fn(it, i, id, sink, ctx, err);
        if (rc) {
            ep_error_prefix(err, "%s record %zu (%s): ", endpoint, i, id);
            return rc;
        }
    }
    return 0;
}

static void add_person(int64_t *a, size_t *n, size_t cap, int64_t id)
{
    if (id < 0)
        return;
    for (size_t k = 0; k < *n; k++)
        if (a[k] == id)
            return;
    if (*n < cap)
        a[(*n)++] = id;
}

static int question_item(json_t *it, size_t i, const char *id, const struct ep_epapi_sink *sink,
                         void *ctx, struct ep_error *err)
{
    (void)ctx;
    static const char ep[] = "parliamentary-questions";
    int64_t authors[64];
    size_t na = 0;
    const char *addressee = NULL;
    size_t k;
    json_t *p;
    json_array_foreach(json_object_get(it, "workHadParticipation"), k, p)
    {
        const char *role = ep_epapi_strip(str(p, "participation_role"));
        if (!role)
            continue;
        if (strcmp(role, "AUTHOR") == 0) {
            int64_t pid = id_of(str(p, "had_participant_person"));
            if (pid < 0)
                xwarn(sink, ep, i, id, "an AUTHOR participation without a person id; ignored");
            add_person(authors, &na, 64, pid);
        } else if (strcmp(role, "ADDRESSEE") == 0 && !addressee) {
            addressee = ep_epapi_strip(str(p, "had_participant_organization"));
            if (!addressee)
                addressee = lang(p, "had_participant_label");
        }
    }
    json_array_foreach(json_object_get(it, "creator"), k, p)
    {
        add_person(authors, &na, 64, id_of(json_string_value(p)));
    }
    const char *answer_id = NULL, *answer_date = NULL;
    char ad[11], best[11] = "";
    json_array_foreach(json_object_get(it, "inverse_answers_to"), k, p)
    {
        const char *aid = json_is_string(p) ? ep_epapi_strip(json_string_value(p)) : ident(p);
        if (!answer_id)
            answer_id = aid;
        const char *d = json_is_object(p) ? date10(str(p, "document_date"), ad) : NULL;
        if (d && (!best[0] || strcmp(d, best) < 0))
            memcpy(best, d, 11);
    }
    if (best[0])
        answer_date = best;
    char date[11];
    struct ep_question q = {.id = id,
                            .type = ep_epapi_strip(str(it, "work_type")),
                            .date = xdate(it, "document_date", date, sink, ep, i, id),
                            .title = lang(it, "title_dcterms"),
                            .addressee = addressee,
                            .answer_id = answer_id,
                            .answer_date = answer_date,
                            .authors = authors,
                            .nauthors = na};
    if (!na)
        xwarn(sink, ep, i, id, "no author");
    return sink->question ? sink->question(sink->ctx, &q, err) : 0;
}

int ep_epapi_questions(json_t *page, const struct ep_epapi_sink *sink, struct ep_error *err)
{
    return each_item(page, "parliamentary-questions", ident, sink, question_item, NULL, err);
}

static const char *process_id(json_t *it)
{
    const char *s = str(it, "process_id");
    return s && *s ? s : ident(it);
}

static int procedure_item(json_t *it, size_t i, const char *id, const struct ep_epapi_sink *sink,
                          void *ctx, struct ep_error *err)
{
    (void)ctx;
    (void)i;
    struct ep_procedure p = {.id = id,
                             .reference = str(it, "label"),
                             .type = ep_epapi_strip(str(it, "process_type")),
                             .title = lang(it, "process_title"),
                             .stage = ep_epapi_strip(str(it, "current_stage"))};
    return sink->procedure ? sink->procedure(sink->ctx, &p, err) : 0;
}

int ep_epapi_procedures(json_t *page, const struct ep_epapi_sink *sink, struct ep_error *err)
{
    return each_item(page, "procedures", process_id, sink, procedure_item, NULL, err);
}

static const char *activity_id(json_t *it)
{
    const char *s = str(it, "activity_id");
    return s && *s ? s : ident(it);
}

static int event_item(json_t *it, size_t i, const char *id, const struct ep_epapi_sink *sink,
                      void *ctx, struct ep_error *err)
{
    char date[11];
    struct ep_procedure_event e = {
        .procedure_id = ctx,
        .id = id,
        .date = xdate(it, "activity_date", date, sink, "procedures/{id}/events", i, id),
        .type = ep_epapi_strip(str(it, "had_activity_type")),
        .title = lang(it, "activity_label"),
        .document = ep_epapi_strip(str(it, "based_on_a_realization_of"))};
    return sink->event ? sink->event(sink->ctx, &e, err) : 0;
}

int ep_epapi_procedure_events(json_t *page, const char *procedure_id,
                              const struct ep_epapi_sink *sink, struct ep_error *err)
{
    return each_item(page, "procedures/{id}/events", activity_id, sink, event_item,
                     (void *)(uintptr_t)procedure_id, err);
}

static int document_item(json_t *it, size_t i, const char *id, const struct ep_epapi_sink *sink,
                         void *ctx, struct ep_error *err)
{
    const char *kind = ctx;
    const char *ep = strcmp(kind, "adopted_text") == 0 ? "adopted-texts" : "documents";
    char date[11];
    struct ep_document d = {.id = id,
                            .kind = kind,
                            .work_type = ep_epapi_strip(str(it, "work_type")),
                            .title = lang(it, "title_dcterms"),
                            .date = xdate(it, "document_date", date, sink, ep, i, id),
                            .reference = str(it, "label"),
                            .procedure_reference = str(it, "epintel:procedure_reference")};
    if (!d.title || !*d.title)
        xwarn(sink, ep, i, id,
              "no title (indexed with empty content upstream); stored, not "
              "searchable");
    return sink->document ? sink->document(sink->ctx, &d, err) : 0;
}

int ep_epapi_documents(json_t *page, const char *kind, const struct ep_epapi_sink *sink,
                       struct ep_error *err)
{
    if (!kind || (strcmp(kind, "document") != 0 && strcmp(kind, "adopted_text") != 0))
        return ep_error_set(err, EP_EINVAL, "document kind must be document or adopted_text");
    return each_item(page, strcmp(kind, "document") == 0 ? "documents" : "adopted-texts", ident,
                     sink, document_item, (void *)(uintptr_t)kind, err);
}

static int speech_item(json_t *it, size_t i, const char *id, const struct ep_epapi_sink *sink,
                       void *ctx, struct ep_error *err)
{
    (void)ctx;
    json_t *who = json_object_get(it, "had_participant_person");
    if (json_is_array(who))
        who = json_array_get(who, 0);
    char date[11];
    struct ep_speech s = {.id = id,
                          .date = xdate(it, "activity_date", date, sink, "speeches", i, id),
                          .title = lang(it, "activity_label"),
                          .language = ep_epapi_strip(str(it, "language")),
                          .member_id = id_of(json_string_value(who))};
    if (s.member_id < 0)
        xwarn(sink, "speeches", i, id, "no speaker (had_participant_person)");
    return sink->speech ? sink->speech(sink->ctx, &s, err) : 0;
}

int ep_epapi_speeches(json_t *page, const struct ep_epapi_sink *sink, struct ep_error *err)
{
    return each_item(page, "speeches", activity_id, sink, speech_item, NULL, err);
}

/* ---- the endpoint table ------------------------------------------------------------------- */

/* Generated from tests/data/ep-open-data-api/ep-openapi-spec.json.gz (55 GET paths);
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

static const struct {
    const char *name;
    unsigned bits;
} only_names[] = {
    {"bodies", EP_SYNC_BODIES},
    {"committees", EP_SYNC_BODIES},
    {"groups", EP_SYNC_BODIES},
    {"meps", EP_SYNC_MEPS},
    {"members", EP_SYNC_MEPS},
    {"votes", EP_SYNC_VOTES},
    {"meetings", EP_SYNC_VOTES},
    {"questions", EP_SYNC_QUESTIONS},
    {"procedures", EP_SYNC_PROCEDURES},
    {"documents", EP_SYNC_DOCUMENTS},
    {"adopted-texts", EP_SYNC_ADOPTED},
    {"speeches", EP_SYNC_SPEECHES},
    {"all", EP_SYNC_ALL},
};

#define ONLY_KNOWN                                                                                 \
    "bodies, meps, votes, questions, procedures, documents, adopted-texts, speeches, all"

int ep_epapi_sync_parse_only(const char *s, unsigned *out, struct ep_error *err)
{
    *out = 0;
    if (!s || !*s)
        return ep_error_set(err, EP_EINVAL, "--only needs a list: " ONLY_KNOWN);
    char buf[256];
    snprintf(buf, sizeof buf, "%s", s);
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        size_t k = 0, n = sizeof only_names / sizeof only_names[0];
        while (k < n && strcmp(t, only_names[k].name) != 0)
            k++;
        if (k == n)
            return ep_error_set(err, EP_EINVAL,
                                "--only: unknown dataset '%s' (known: " ONLY_KNOWN ")", t);
        *out |= only_names[k].bits;
    }
    return 0;
}

enum {
    K_MEPS,
    K_MEP,
    K_BODIES,
    K_MEETINGS,
    K_DECISIONS,
    K_QUESTIONS,
    K_PROCEDURES,
    K_EVENTS,
    K_DOCUMENTS,
    K_ADOPTED,
    K_SPEECHES
};

struct counting {
    const struct ep_sink *inner;
    struct ep_sync_summary *sum;
};

/* c_NAME: count one record of sink callback NAME in sum->FIELD, then pass it on. */
#define COUNTING(name, type, field)                                                                \
    static int c_##name(void *c, const struct type *m, struct ep_error *e)                         \
    {                                                                                              \
        struct counting *x = c;                                                                    \
        x->sum->field++;                                                                           \
        return x->inner->name ? x->inner->name(x->inner->ctx, m, e) : 0;                           \
    }
COUNTING(member, ep_member, members)
COUNTING(group, ep_group, groups)
COUNTING(membership, ep_membership, memberships)
COUNTING(committee, ep_committee, committees)
COUNTING(committee_membership, ep_committee_membership, committee_memberships)
COUNTING(sitting, ep_sitting, sittings)
COUNTING(vote, ep_vote, votes)
COUNTING(position, ep_position, positions)
#undef COUNTING
static void c_warn(void *c, const char *unit, long line, const char *msg)
{
    struct counting *x = c;
    if (x->inner->warn)
        x->inner->warn(x->inner->ctx, unit, line, msg);
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
    const char *path, *stage;
    long stage_pages0; /* pages before the current list stage (progress counts its own) */
    /* procedure ids of the procedures stage: their text, each NUL-terminated, and their
     * offsets in it while the list is paged; keys, pointers into the text, once it is
     * complete. (No pointer to a block of its own is stored per id: gcc 12's analyser loses
     * such pointers stored at a computed index in a loop and reports them leaked.) */
    struct ep_buf key_text;
    size_t *key_off;
    size_t nkeys, akeys;
    const char **keys;
};

struct page_job {
    json_t *page;
    int kind;
    struct ep_sync_summary *sum;
    struct ep_store *s;
    const char *name;    /* the unit's name (for disagreement reports) */
    const char *proc_id; /* K_EVENTS: the procedure */
    long doc_records;    /* records written by the doc writer */
    const struct ep_sync_opts *o;
};

/* ---- writing records beyond the vote model (schema 5) ---------------------------------------
 * Inside the page's unit transaction, on the store's connection; every row names the unit. */

enum {
    W_QUESTION,
    W_QAUTH_DEL,
    W_QAUTH,
    W_PROC,
    W_EVENT,
    W_DOC,
    W_DOC_ROWID,
    W_SEARCH_DEL,
    W_SEARCH,
    W_SPEECH,
    W_COUNT
};

static const char *const w_sql[W_COUNT] = {
    [W_QUESTION] = "INSERT INTO question(id, date, title, author_id, addressee, answer_date,"
                   " answer_id, question_type, unit_id) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9)"
                   " ON CONFLICT(id) DO UPDATE SET date=?2, title=?3, author_id=?4,"
                   " addressee=?5, answer_date=?6, answer_id=?7, question_type=?8, unit_id=?9",
    [W_QAUTH_DEL] = "DELETE FROM question_author WHERE question_id = ?1",
    [W_QAUTH] = "INSERT OR IGNORE INTO question_author(question_id, member_id, unit_id)"
                " VALUES(?1,?2,?3)",
    [W_PROC] = "INSERT INTO procedure(id, reference, type, title, stage, unit_id)"
               " VALUES(?1,?2,?3,?4,?5,?6) ON CONFLICT(id) DO UPDATE SET reference=?2, type=?3,"
               " title=?4, stage=?5, unit_id=?6",
    [W_EVENT] = "INSERT INTO procedure_event(procedure_id, id, date, type, title, document,"
                " unit_id) VALUES(?1,?2,?3,?4,?5,?6,?7) ON CONFLICT(procedure_id, id) DO UPDATE"
                " SET date=?3, type=?4, title=?5, document=?6, unit_id=?7",
    [W_DOC] = "INSERT INTO document(id, kind, work_type, title, date, reference,"
              " procedure_reference, unit_id) VALUES(?1,?2,?3,?4,?5,?6,?7,?8)"
              " ON CONFLICT(id) DO UPDATE SET kind=?2, work_type=?3, title=?4, date=?5,"
              " reference=?6, procedure_reference=?7, unit_id=?8",
    [W_DOC_ROWID] = "SELECT rowid FROM document WHERE id = ?1",
    [W_SEARCH_DEL] = "DELETE FROM search WHERE rowid = ?1",
    [W_SEARCH] = "INSERT INTO search(rowid, kind, ref, title, body, extra)"
                 " VALUES(?1,?2,?3,?4,?5,?6)",
    [W_SPEECH] = "INSERT INTO speech(id, date, member_id, title, language, unit_id)"
                 " VALUES(?1,?2,?3,?4,?5,?6) ON CONFLICT(id) DO UPDATE SET date=?2,"
                 " member_id=?3, title=?4, language=?5, unit_id=?6",
};

struct docw {
    sqlite3 *db;
    sqlite3_stmt *st[W_COUNT];
    int64_t unit;
    struct page_job *j;
    const struct ep_sink *store; /* for warnings (counted on the unit) */
};

static void w_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

/* Bind texts ?1..?n (NULL = SQL NULL), then run. */
static int w_run(struct docw *w, int k, const char *const *v, int n, struct ep_error *err)
{
    sqlite3_stmt *st = w->st[k];
    for (int i = 0; i < n; i++)
        if (v[i] != (const char *)-1) /* -1: bound by the caller */
            w_text(st, i + 1, v[i]);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return ep_error_set(err, EP_EDB, "storing a record: %s", sqlite3_errmsg(w->db));
    w->j->doc_records++;
    return 0;
}

#define KEEP ((const char *)-1)

static int w_question(void *c, const struct ep_question *q, struct ep_error *err)
{
    struct docw *w = c;
    w->j->sum->questions++;
    sqlite3_stmt *st = w->st[W_QUESTION];
    if (q->nauthors)
        sqlite3_bind_int64(st, 4, q->authors[0]);
    sqlite3_bind_int64(st, 9, w->unit);
    const char *v[] = {q->id,          q->date,      q->title, KEEP, q->addressee,
                       q->answer_date, q->answer_id, q->type,  KEEP};
    int rc = w_run(w, W_QUESTION, v, 9, err);
    const char *d[] = {q->id};
    if (!rc) {
        rc = w_run(w, W_QAUTH_DEL, d, 1, err);
        w->j->doc_records--;
    }
    for (size_t k = 0; k < q->nauthors && !rc; k++) {
        sqlite3_bind_int64(w->st[W_QAUTH], 2, q->authors[k]);
        sqlite3_bind_int64(w->st[W_QAUTH], 3, w->unit);
        const char *a[] = {q->id, KEEP, KEEP};
        rc = w_run(w, W_QAUTH, a, 3, err);
    }
    return rc;
}

static int w_procedure(void *c, const struct ep_procedure *p, struct ep_error *err)
{
    struct docw *w = c;
    w->j->sum->procedures++;
    sqlite3_bind_int64(w->st[W_PROC], 6, w->unit);
    const char *v[] = {p->id, p->reference, p->type, p->title, p->stage, KEEP};
    return w_run(w, W_PROC, v, 6, err);
}

static int w_event(void *c, const struct ep_procedure_event *e, struct ep_error *err)
{
    struct docw *w = c;
    w->j->sum->events++;
    sqlite3_bind_int64(w->st[W_EVENT], 7, w->unit);
    const char *v[] = {e->procedure_id, e->id, e->date, e->type, e->title, e->document, KEEP};
    return w_run(w, W_EVENT, v, 7, err);
}

static int w_document(void *c, const struct ep_document *d, struct ep_error *err)
{
    struct docw *w = c;
    if (strcmp(d->kind, "adopted_text") == 0)
        w->j->sum->adopted_texts++;
    else
        w->j->sum->documents++;
    sqlite3_bind_int64(w->st[W_DOC], 8, w->unit);
    const char *v[] = {d->id,   d->kind,      d->work_type,           d->title,
                       d->date, d->reference, d->procedure_reference, KEEP};
    int rc = w_run(w, W_DOC, v, 8, err);
    if (rc)
        return rc;
    /* the search entry: title; body = the references; extra = work type */
    sqlite3_stmt *q = w->st[W_DOC_ROWID];
    sqlite3_bind_text(q, 1, d->id, -1, SQLITE_STATIC);
    int64_t rowid = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : -1;
    sqlite3_reset(q);
    if (rowid < 0)
        return ep_error_set(err, EP_EDB, "document %s vanished after its insert", d->id);
    sqlite3_bind_int64(w->st[W_SEARCH_DEL], 1, EP_SEARCH_DOC_BASE + rowid);
    const char *none[] = {KEEP};
    rc = w_run(w, W_SEARCH_DEL, none, 1, err);
    w->j->doc_records--;
    if (rc || !d->title || !*d->title)
        return rc;
    char body[512];
    snprintf(body, sizeof body, "%s %s %s", d->id, d->reference ? d->reference : "",
             d->procedure_reference ? d->procedure_reference : "");
    sqlite3_bind_int64(w->st[W_SEARCH], 1, EP_SEARCH_DOC_BASE + rowid);
    const char *s[] = {KEEP, d->kind, d->id, d->title, body, d->work_type};
    rc = w_run(w, W_SEARCH, s, 6, err);
    w->j->doc_records--;
    return rc;
}

static int w_speech(void *c, const struct ep_speech *sp, struct ep_error *err)
{
    struct docw *w = c;
    w->j->sum->speeches++;
    if (sp->member_id >= 0)
        sqlite3_bind_int64(w->st[W_SPEECH], 3, sp->member_id);
    sqlite3_bind_int64(w->st[W_SPEECH], 6, w->unit);
    const char *v[] = {sp->id, sp->date, KEEP, sp->title, sp->language, KEEP};
    return w_run(w, W_SPEECH, v, 6, err);
}

static void w_warn(void *c, const char *msg)
{
    struct docw *w = c;
    if (w->store->warn)
        w->store->warn(w->store->ctx, "epapi", 0, msg);
}

static int gen_docs(struct page_job *j, const struct ep_sink *store, struct ep_error *err)
{
    struct docw w = {.db = ep_store_db(j->s), .j = j, .store = store};
    int rc = 0;
    for (int k = 0; k < W_COUNT && !rc; k++)
        if (sqlite3_prepare_v2(w.db, w_sql[k], -1, &w.st[k], NULL) != SQLITE_OK)
            rc = ep_error_set(err, EP_EDB, "preparing the record writer: %s", sqlite3_errmsg(w.db));
    /* the unit being ingested: the newest row of unit (registered in this transaction before
     * the records), checked by its name so that provenance is never given to another unit */
    sqlite3_stmt *u = NULL;
    if (!rc && sqlite3_prepare_v2(w.db,
                                  "SELECT id FROM unit WHERE id = (SELECT max(id) FROM unit)"
                                  " AND path = ?1",
                                  -1, &u, NULL) != SQLITE_OK)
        rc = ep_error_set(err, EP_EDB, "finding the unit: %s", sqlite3_errmsg(w.db));
    if (!rc) {
        sqlite3_bind_text(u, 1, j->name, -1, SQLITE_STATIC);
        if (sqlite3_step(u) == SQLITE_ROW)
            w.unit = sqlite3_column_int64(u, 0);
        else
            rc = ep_error_set(err, EP_EDB, "the unit being ingested (%s) is not registered",
                              j->name);
    }
    sqlite3_finalize(u);
    struct ep_epapi_sink ds = {.ctx = &w,
                               .question = w_question,
                               .procedure = w_procedure,
                               .event = w_event,
                               .document = w_document,
                               .speech = w_speech,
                               .warn = w_warn};
    if (!rc) {
        switch (j->kind) {
        case K_QUESTIONS: rc = ep_epapi_questions(j->page, &ds, err); break;
        case K_PROCEDURES: rc = ep_epapi_procedures(j->page, &ds, err); break;
        case K_EVENTS: rc = ep_epapi_procedure_events(j->page, j->proc_id, &ds, err); break;
        case K_DOCUMENTS: rc = ep_epapi_documents(j->page, "document", &ds, err); break;
        case K_ADOPTED: rc = ep_epapi_documents(j->page, "adopted_text", &ds, err); break;
        default: rc = ep_epapi_speeches(j->page, &ds, err); break;
        }
    }
    for (int k = 0; k < W_COUNT; k++)
        sqlite3_finalize(w.st[k]);
    return rc;
}

/* ---- cross-source agreement of per-MEP positions ---------------------------------------------
 * A decision's voters are held back until the decision ends; when another unit (the roll-call
 * XML, preferred) already stored positions for the vote, they are compared first. Agreeing
 * voters go on to the store (which checks them again); on any disagreement each differing MEP
 * is reported, counted, and the API positions of that vote are not stored (the stored source
 * is kept). */

struct held {
    const struct ep_sink *next; /* the counting sink */
    struct page_job *j;
    int64_t vote;
    struct ep_position *pos;
    size_t n, cap;
};

static void report(struct page_job *j, const char *msg)
{
    j->sum->disagreements++;
    if (j->o && j->o->disagreement)
        j->o->disagreement(j->o->disagreement_ctx, msg);
}

static int flush_held(struct held *h, struct ep_error *err)
{
    if (!h->n)
        return 0;
    sqlite3 *db = ep_store_db(h->j->s);
    sqlite3_stmt *q = NULL;
    /* stored positions of this vote and their unit, when another unit stored them */
    if (sqlite3_prepare_v2(db,
                           "SELECT p.member_id, p.pos, u.path FROM vote v JOIN unit u"
                           " ON u.id = v.pos_unit_id JOIN position p ON p.vote_id = v.id"
                           " WHERE v.id = ?1 AND p.pos BETWEEN 1 AND 3 ORDER BY p.member_id",
                           -1, &q, NULL) != SQLITE_OK)
        return ep_error_set(err, EP_EDB, "comparing positions: %s", sqlite3_errmsg(db));
    sqlite3_bind_int64(q, 1, h->vote);
    /* stored as (member, pos) pairs; the API's in a sorted copy */
    size_t ns = 0, cs = 0;
    int64_t(*stored)[2] = NULL;
    char file[1024] = "";
    int st;
    while ((st = sqlite3_step(q)) == SQLITE_ROW) {
        void *np = grow(stored, ns, &cs, sizeof *stored);
        if (!np) {
            free(stored);
            sqlite3_finalize(q);
            return ep_error_set(err, EP_ENOMEM, "out of memory");
        }
        stored = np;
        stored[ns][0] = sqlite3_column_int64(q, 0);
        stored[ns][1] = sqlite3_column_int(q, 1);
        if (!file[0])
            snprintf(file, sizeof file, "%s", (const char *)sqlite3_column_text(q, 2));
        ns++;
    }
    sqlite3_finalize(q);
    int rc = 0;
    long diffs = 0;
    if (st != SQLITE_DONE) {
        rc = ep_error_set(err, EP_EDB, "comparing positions: %s", sqlite3_errmsg(db));
    } else if (ns) {
        /* merge the two member-sorted lists (the API's is sorted here by member) */
        for (size_t a = 1; a < h->n; a++) /* insertion sort: the arrays come nearly sorted */
            for (size_t b = a; b > 0 && h->pos[b - 1].member_id > h->pos[b].member_id; b--) {
                struct ep_position t = h->pos[b];
                h->pos[b] = h->pos[b - 1];
                h->pos[b - 1] = t;
            }
        size_t a = 0, b = 0;
        while (a < ns || b < h->n) {
            int64_t ma = a < ns ? stored[a][0] : INT64_MAX;
            int64_t mb = b < h->n ? h->pos[b].member_id : INT64_MAX;
            int in_a = a < ns && ma <= mb, in_b = b < h->n && mb <= ma;
            int pa = in_a ? (int)stored[a][1] : 0, pb = in_b ? h->pos[b].pos : 0;
            if (pa != pb) {
                char msg[1536];
                snprintf(msg, sizeof msg,
                         "disagreement: vote %lld, MEP %lld: %s in %s, %s in the API (%s); the "
                         "stored positions are kept",
                         (long long)h->vote, (long long)(ma < mb ? ma : mb),
                         pa ? ep_pos_name(pa) : "not listed", file,
                         pb ? ep_pos_name(pb) : "not listed", h->j->name);
                report(h->j, msg);
                diffs++;
            }
            a += (size_t)in_a;
            b += (size_t)in_b;
        }
    }
    free(stored);
    if (!rc && diffs && h->next->warn) {
        char msg[256];
        snprintf(msg, sizeof msg, "vote %lld: %ld API positions disagree with the stored ones",
                 (long long)h->vote, diffs);
        h->next->warn(h->next->ctx, "epapi", 0, msg);
    }
    for (size_t k = 0; k < h->n && !rc && !diffs; k++)
        rc = h->next->position(h->next->ctx, &h->pos[k], err);
    h->n = 0;
    return rc;
}

static int h_vote(void *c, const struct ep_vote *v, struct ep_error *err)
{
    struct held *h = c;
    int rc = flush_held(h, err);
    h->vote = v->id;
    return rc ? rc : h->next->vote(h->next->ctx, v, err);
}

static int h_position(void *c, const struct ep_position *p, struct ep_error *err)
{
    struct held *h = c;
    void *np = grow(h->pos, h->n, &h->cap, sizeof *h->pos);
    if (!np)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    h->pos = np;
    h->pos[h->n] = *p;
    h->pos[h->n].group_code = h->pos[h->n].name = h->pos[h->n].country = NULL; /* borrowed */
    h->n++;
    return 0;
}

static void h_warn(void *c, const char *unit, long line, const char *msg)
{
    struct held *h = c;
    if (h->next->warn)
        h->next->warn(h->next->ctx, unit, line, msg);
}

static int gen_decisions(struct page_job *j, const struct ep_sink *cs, struct ep_error *err)
{
    struct held h = {.next = cs, .j = j};
    struct ep_sink hs = {.ctx = &h, .vote = h_vote, .position = h_position, .warn = h_warn};
    int rc = ep_epapi_decisions(j->page, &hs, err);
    if (!rc)
        rc = flush_held(&h, err);
    free(h.pos);
    return rc;
}

static int gen_page(void *gctx, const struct ep_sink *sink, struct ep_error *err)
{
    struct page_job *j = gctx;
    struct counting cx = {sink, j->sum};
    struct ep_sink cs = {.ctx = &cx,
                         .member = c_member,
                         .group = c_group,
                         .membership = c_membership,
                         .committee = c_committee,
                         .committee_membership = c_committee_membership,
                         .sitting = c_sitting,
                         .vote = c_vote,
                         .position = c_position,
                         .warn = c_warn};
    switch (j->kind) {
    case K_MEPS: return ep_epapi_meps(j->page, &cs, err);
    case K_MEP: return ep_epapi_mep_detail(j->page, &cs, &j->sum->other_memberships, err);
    case K_BODIES: return ep_epapi_corporate_bodies(j->page, &cs, err);
    case K_MEETINGS: return ep_epapi_meetings(j->page, &cs, err);
    case K_DECISIONS: return gen_decisions(j, &cs, err);
    default: return gen_docs(j, sink, err);
    }
}

static const char *const kind_names[] = {
    "epapi-meps",      "epapi-mep",           "epapi-bodies",     "epapi-meetings",
    "epapi-decisions", "epapi-questions",     "epapi-procedures", "epapi-procedure-events",
    "epapi-documents", "epapi-adopted-texts", "epapi-speeches"};

/* One API page = one store unit (one transaction), keyed by name + canonical JSON. */
static int ingest_page(struct sync *y, const char *name, int kind, const char *proc_id,
                       json_t *page, struct ep_error *err)
{
    struct ep_store *s = y->s;
    struct ep_sync_summary *sum = y->sum;
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
    struct page_job j = {.page = page,
                         .kind = kind,
                         .sum = sum,
                         .s = s,
                         .name = name,
                         .proc_id = proc_id,
                         .o = y->o};
    long dis0 = sum->disagreements;
    struct ep_ingest_report rep;
    rc = ep_store_ingest_generated(s, name, kind_names[kind], key.data, gen_page, &j, &rep, err);
    ep_buf_free(&key);
    sum->pages++;
    if (rc) {
        sum->disagreements = dis0; /* the page was rolled back; a rerun reports them again */
        return ep_error_prefix(err, "%s: ", name);
    }
    if (rep.skipped) {
        sum->units_same++;
    } else {
        sum->units_new++;
        sum->records += rep.records + j.doc_records;
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
    int rc = ingest_page(y, name, y->kind, NULL, page, err);
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
            void *np = grow(y->ids, y->nids, &y->aids, sizeof *y->ids);
            if (!np)
                return ep_error_set(err, EP_ENOMEM, "out of memory");
            y->ids = np;
            y->ids[y->nids++] = id;
        } else if (y->kind == K_MEETINGS) {
            char d[11];
            if (!date10(str(it, "activity_date"), d) || strcmp(d, y->from) < 0 ||
                (y->until && strcmp(d, y->until) > 0))
                continue;
            void *np = grow(y->dates, y->ndates, &y->adates, sizeof *y->dates);
            if (!np)
                return ep_error_set(err, EP_ENOMEM, "out of memory");
            y->dates = np;
            memcpy(y->dates[y->ndates++], d, 11);
        } else if (y->kind == K_PROCEDURES) {
            const char *pid = process_id(it);
            if (!pid || !*pid)
                continue;
            void *np = grow(y->key_off, y->nkeys, &y->akeys, sizeof *y->key_off);
            if (!np)
                return ep_error_set(err, EP_ENOMEM, "out of memory");
            y->key_off = np;
            size_t off = y->key_text.len;
            if (ep_buf_append(&y->key_text, pid, strlen(pid) + 1))
                return ep_error_set(err, EP_ENOMEM, "out of memory");
            y->key_off[y->nkeys++] = off;
        }
    }
    progress(y, y->stage, y->sum->pages - y->stage_pages0, -1);
    return 0;
}

/* A paged list endpoint, every page one unit; on completion its checkpoint
 * epapi.sync.<path>.last records when. An interrupted list is paged again from the start:
 * pages already stored are no-ops (and usually cache hits). */
static int stage_list(struct sync *y, int kind, const char *path, const char *stage,
                      struct ep_error *err)
{
    y->kind = kind;
    y->path = path;
    y->stage = stage;
    y->stage_pages0 = y->sum->pages;
    int rc = ep_fetch_pages(y->f, path, NULL, y->page_size, 0, y->parallel, page_cb, y, err);
    if (!rc) {
        char key[96], ts[32];
        snprintf(key, sizeof key, "epapi.sync.%s.last", path);
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
        rc = ep_store_set_meta(y->s, key, ts, err);
    }
    return rc;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, z = *(const int64_t *)b;
    return x < z ? -1 : x > z;
}

/* ep_fetch_many of one batch on a thread of its own, so that the next batch of a sync is
 * fetched while this thread stores the current one. Only when the fetch pipeline's disk cache
 * is another connection than the store's (ep_store_open_side; the CLI's sync does that): the
 * two threads then never share a connection, and SQLite's locking orders their writes. With
 * one connection the batches alternate on this thread as before. */
struct prefetch {
    pthread_t th;
    int started, threaded;
    struct ep_fetch *f;
    int parallel;
    const struct ep_fetch_req *q;
    size_t n;
    struct ep_fetch_result *r;
};

static void *prefetch_main(void *arg)
{
    struct prefetch *p = arg;
    (void)ep_fetch_many(p->f, p->q, p->n, p->parallel, p->r, NULL);
    return NULL;
}

/* Fetch q[0..n) into r: on a new thread when `thread` (and one can be made), else now. */
static void prefetch_start(struct prefetch *p, const struct ep_fetch_req *q, size_t n,
                           struct ep_fetch_result *r, int thread)
{
    p->q = q;
    p->n = n;
    p->r = r;
    p->started = 1;
    p->threaded = thread && pthread_create(&p->th, NULL, prefetch_main, p) == 0;
    if (!p->threaded)
        prefetch_main(p);
}

static void prefetch_wait(struct prefetch *p)
{
    if (p->started && p->threaded)
        pthread_join(p->th, NULL);
    p->started = p->threaded = 0;
}

/* Requests for MEP details ids[i..i+n). */
static void mep_batch(const struct sync *y, size_t i, size_t n, struct ep_fetch_req *q,
                      char (*paths)[32])
{
    for (size_t k = 0; k < n; k++) {
        snprintf(paths[k], sizeof paths[k], "meps/%lld", (long long)y->ids[i + k]);
        q[k] = (struct ep_fetch_req){.path = paths[k], .json = 1};
    }
}

static int stage_meps(struct sync *y, struct ep_error *err)
{
    y->kind = K_MEPS;
    y->path = "meps";
    y->stage = "meps list";
    y->stage_pages0 = y->sum->pages;
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
    /* two batches: while one is stored on this thread, the next is fetched on another (when
     * the fetch cache has a connection of its own, see struct prefetch) */
    struct ep_fetch_req *qs = calloc(2 * batch, sizeof *qs);
    struct ep_fetch_result *rs = calloc(2 * batch, sizeof *rs);
    char(*ps)[32] = calloc(2 * batch, sizeof *ps);
    struct prefetch pf = {.f = y->f, .parallel = y->parallel};
    int overlap = ep_fetch_cache_db(y->f) != ep_store_db(y->s);
    if (!qs || !rs || !ps) {
        rc = ep_error_set(err, EP_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = start, b = 0; i < y->nids && !rc; i += batch, b ^= 1) {
        size_t n = y->nids - i < batch ? y->nids - i : batch;
        struct ep_fetch_req *q = qs + b * batch;
        struct ep_fetch_result *r = rs + b * batch;
        char(*paths)[32] = ps + b * batch;
        if (i == start) { /* the first batch: fetched here */
            mep_batch(y, i, n, q, paths);
            (void)ep_fetch_many(y->f, q, n, y->parallel, r, NULL);
        } else {
            prefetch_wait(&pf);
        }
        size_t next = i + batch; /* start fetching the next batch before storing this one */
        if (overlap && next < y->nids) {
            size_t nn = y->nids - next < batch ? y->nids - next : batch;
            mep_batch(y, next, nn, qs + (b ^ 1) * batch, ps + (b ^ 1) * batch);
            prefetch_start(&pf, qs + (b ^ 1) * batch, nn, rs + (b ^ 1) * batch, 1);
        }
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
                rc = ingest_page(y, name, K_MEP, NULL, r[k].json, err);
            }
            ep_fetch_result_free(&r[k]);
        }
        if (!rc) {
            char v[32];
            snprintf(v, sizeof v, "%lld", (long long)y->ids[i + n - 1]);
            rc = ep_store_set_meta(y->s, "epapi.sync.meps.through", v, err);
        }
        progress(y, "meps", (long)(i + n), (long)y->nids);
        if (!overlap && !rc && next < y->nids) { /* one connection: fetch the next one now */
            size_t nn = y->nids - next < batch ? y->nids - next : batch;
            mep_batch(y, next, nn, qs + (b ^ 1) * batch, ps + (b ^ 1) * batch);
            prefetch_start(&pf, qs + (b ^ 1) * batch, nn, rs + (b ^ 1) * batch, 0);
        }
    }
    /* a batch fetched ahead of a failure: wait for it, then drop it */
    if (pf.started) {
        prefetch_wait(&pf);
        for (size_t k = 0; k < pf.n; k++)
            ep_fetch_result_free(&pf.r[k]);
    }
    if (!rc)
        rc = ep_store_set_meta(y->s, "epapi.sync.meps.through", "", err);
out:
    free(qs);
    free(rs);
    free(ps);
    return rc;
}

/* All pages of path in order, the first one already fetched (first, consumed); extra is
 * query text put before offset/limit ("filter-output=voters&" or ""). A 404 or 204 means
 * nothing (yet). */
static int rest_pages(struct sync *y, const char *path, const char *extra, int kind,
                      const char *proc_id, struct ep_fetch_result *first, struct ep_error *err)
{
    char query[160], name[512];
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
        rc = cnt ? ingest_page(y, name, kind, proc_id, cur.json, err) : 0;
        ep_fetch_result_free(&cur);
        if (rc || (long)cnt < y->page_size)
            break;
        off += y->page_size;
        snprintf(query, sizeof query, "%soffset=%ld&limit=%ld", extra, off, y->page_size);
        struct ep_fetch_req q = {.path = path, .query = query, .json = 1};
        (void)ep_fetch_get(y->f, &q, &cur, NULL);
    }
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* procedures, then each procedure's events (procedures/{id}/events), in batches of
 * 4 x parallel procedures; checkpoint: the last procedure id (ascending) whose events are in
 * the store. */
static int stage_procedures(struct sync *y, struct ep_error *err)
{
    int rc = stage_list(y, K_PROCEDURES, "procedures", "procedures", err);
    if (rc)
        return rc;
    free(y->keys);
    y->keys = malloc((y->nkeys ? y->nkeys : 1) * sizeof *y->keys);
    if (!y->keys)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    for (size_t i = 0; i < y->nkeys; i++)
        y->keys[i] = y->key_text.data + y->key_off[i];
    qsort(y->keys, y->nkeys, sizeof *y->keys, cmp_str);
    char through[256];
    meta_get(y->s, "epapi.sync.procedures.through", through, sizeof through);
    size_t start = 0;
    while (start < y->nkeys && through[0] && strcmp(y->keys[start], through) <= 0)
        start++;
    size_t batch = (size_t)y->parallel * 4;
    struct ep_fetch_req *q = calloc(batch, sizeof *q);
    struct ep_fetch_result *r = calloc(batch, sizeof *r);
    char(*paths)[300] = calloc(batch, sizeof *paths);
    char query[64];
    snprintf(query, sizeof query, "offset=0&limit=%ld", y->page_size);
    if (!q || !r || !paths) {
        rc = ep_error_set(err, EP_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = start; i < y->nkeys && !rc; i += batch) {
        size_t n = y->nkeys - i < batch ? y->nkeys - i : batch;
        for (size_t k = 0; k < n; k++) {
            const char *vals[] = {y->keys[i + k]};
            const struct ep_epapi_endpoint *e =
                ep_epapi_endpoint_find("procedures/{process-id}/events");
            if (!e || ep_epapi_endpoint_path(e, vals, 1, paths[k], sizeof paths[k], err)) {
                rc = err ? err->code : EP_EINVAL;
                ep_error_prefix(err, "procedure id '%s': ", y->keys[i + k]);
                goto out;
            }
            q[k] = (struct ep_fetch_req){.path = paths[k], .query = query, .json = 1};
        }
        (void)ep_fetch_many(y->f, q, n, y->parallel, r, NULL);
        for (size_t k = 0; k < n; k++) {
            if (!rc)
                rc = rest_pages(y, paths[k], "", K_EVENTS, y->keys[i + k], &r[k], err);
            ep_fetch_result_free(&r[k]);
        }
        if (!rc)
            rc = ep_store_set_meta(y->s, "epapi.sync.procedures.through", y->keys[i + n - 1], err);
        progress(y, "procedure events", (long)(i + n), (long)y->nkeys);
    }
    if (!rc)
        rc = ep_store_set_meta(y->s, "epapi.sync.procedures.through", "", err);
out:
    free(q);
    free(r);
    free(paths);
    return rc;
}

static void sync_warn(struct sync *y, const char *msg)
{
    y->sum->warnings++;
    if (y->o->warn)
        y->o->warn(y->o->warn_ctx, msg);
}

/* Ingest one saved roll-call XML file. A conflict with positions already stored (from the
 * API) is reported as a disagreement and the file is not ingested; a file the adapter
 * rejects is reported and removed (a rerun fetches it again). */
static int ingest_xml(struct sync *y, const char *path, struct ep_error *err)
{
    struct ep_ingest_report rep;
    struct ep_error e = {0};
    int rc = ep_store_ingest_file(y->s, path, 0, NULL, NULL, &rep, &e);
    char msg[EP_ERROR_MSG_MAX + 1200];
    if (rc == EP_ECONFLICT) {
        snprintf(msg, sizeof msg, "disagreement: roll-call XML %s was not ingested: %s", path,
                 e.msg);
        y->sum->disagreements++;
        y->sum->warnings++;
        if (y->o->disagreement)
            y->o->disagreement(y->o->disagreement_ctx, msg);
        return 0;
    }
    if (rc == EP_EPARSE || rc == EP_EIO) {
        snprintf(msg, sizeof msg, "roll-call XML %s rejected, API positions used: %s", path, e.msg);
        sync_warn(y, msg);
        unlink(path);
        y->sum->xml_missing++;
        return 0;
    }
    if (rc) {
        if (err)
            *err = e;
        return rc;
    }
    y->sum->xml_files++;
    y->sum->pages++;
    if (rep.skipped) {
        y->sum->units_same++;
    } else {
        y->sum->units_new++;
        y->sum->records += rep.records;
        y->sum->warnings += rep.warnings;
    }
    return 0;
}

/* The DOCEO roll-call XML of n sittings, fetched (unless already saved) and ingested before
 * their decisions. q, r and paths have room for n requests (the caller's batch). */
static int sittings_xml(struct sync *y, char (*dates)[11], size_t n, struct ep_fetch_req *q,
                        struct ep_fetch_result *r, char (*paths)[64], struct ep_error *err)
{
    char dir[4096];
    if (y->o->xml_dir)
        snprintf(dir, sizeof dir, "%s", y->o->xml_dir);
    else
        snprintf(dir, sizeof dir, "%s.doceo", ep_store_path(y->s));
    int rc = ep_mkdirs(dir, err);
    size_t nq = 0;
    char file[4200], msg[EP_ERROR_MSG_MAX + 256];
    for (size_t k = 0; k < n && !rc; k++) {
        int term = term_of(dates[k]);
        if (term < 0) {
            y->sum->xml_missing++;
            continue;
        }
        snprintf(file, sizeof file, "%s/PV-%d-%s-RCV_EN.xml", dir, term, dates[k]);
        if (access(file, R_OK) == 0) {
            rc = ingest_xml(y, file, err);
            continue;
        }
        snprintf(paths[nq], sizeof paths[nq], "doceo/document/PV-%d-%s-RCV_EN.xml", term, dates[k]);
        q[nq] = (struct ep_fetch_req){.path = paths[nq], .endpoint = "doceo", .no_cache = 1};
        nq++;
    }
    if (rc || !nq)
        return rc;
    (void)ep_fetch_many(y->o->doceo, q, nq, y->parallel, r, NULL);
    for (size_t k = 0; k < nq; k++) {
        if (rc) {
        } else if (r[k].rc == EP_ENOTFOUND || (!r[k].rc && !r[k].body)) {
            y->sum->xml_missing++; /* not published yet: the API's positions are used */
        } else if (r[k].rc) {
            y->sum->xml_missing++;
            snprintf(msg, sizeof msg, "roll-call XML %s unavailable, API positions used: %s",
                     paths[k], r[k].err.msg);
            sync_warn(y, msg);
        } else {
            snprintf(file, sizeof file, "%s/%s", dir, strrchr(paths[k], '/') + 1);
            rc = ep_write_file_atomic(file, r[k].body, r[k].len, err);
            if (!rc)
                rc = ingest_xml(y, file, err);
        }
        ep_fetch_result_free(&r[k]);
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
    y->stage = "meetings";
    y->stage_pages0 = y->sum->pages;
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
        /* the roll-call XML first (the preferred source), then the decisions */
        if (y->o->doceo && (rc = sittings_xml(y, y->dates + i, n, q, r, paths, err)))
            break;
        for (size_t k = 0; k < n; k++) {
            snprintf(paths[k], sizeof paths[k], "meetings/MTG-PL-%s/decisions", y->dates[i + k]);
            q[k] = (struct ep_fetch_req){.path = paths[k], .query = query, .json = 1};
        }
        (void)ep_fetch_many(y->f, q, n, y->parallel, r, NULL);
        for (size_t k = 0; k < n; k++) {
            if (!rc)
                rc =
                    rest_pages(y, paths[k], "filter-output=voters&", K_DECISIONS, NULL, &r[k], err);
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
        rc = stage_list(&y, K_BODIES, "corporate-bodies", "bodies", err);
    if (!rc && (only & EP_SYNC_MEPS))
        rc = stage_meps(&y, err);
    if (!rc && (only & EP_SYNC_VOTES))
        rc = stage_votes(&y, err);
    if (!rc && (only & EP_SYNC_QUESTIONS))
        rc = stage_list(&y, K_QUESTIONS, "parliamentary-questions", "questions", err);
    if (!rc && (only & EP_SYNC_PROCEDURES))
        rc = stage_procedures(&y, err);
    if (!rc && (only & EP_SYNC_DOCUMENTS))
        rc = stage_list(&y, K_DOCUMENTS, "documents", "documents", err);
    if (!rc && (only & EP_SYNC_ADOPTED))
        rc = stage_list(&y, K_ADOPTED, "adopted-texts", "adopted texts", err);
    if (!rc && (only & EP_SYNC_SPEECHES))
        rc = stage_list(&y, K_SPEECHES, "speeches", "speeches", err);
    if (!rc) {
        long total = 0;
        rc = ep_query_committee_membership_count(s, &total, &sum->committee_unknown, err);
    }
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
    free(y.keys);
    free(y.key_off);
    ep_buf_free(&y.key_text);
    sum->seconds = ep_now() - t0;
    return rc;
}
