/* srv_epapi: a local HTTP test server in the shapes of the EP Open Data API v2 (JSON-LD), with
 * fault injection. Every payload is CONSTRUCTED from the bundled real data (a store filled
 * from fixtures/) and says so: "epintel:constructed": true.
 *
 *   srv_epapi [--port-file PATH] [--port N] [--store PATH] [--seed N] [--rosters PATH]
 *
 * Binds 127.0.0.1 only (port 0 = any free port; the bound port is written to --port-file,
 * atomically). Stops on SIGTERM or SIGINT. Without --store it builds a store from the bundled
 * dataset in a temporary directory (removed at exit).
 *
 * Routes (an optional "api/v2/" prefix is accepted), all paged with offset/limit (default 50):
 *   meps, meps/show-current, meps/{id} (hasMembership: political groups with dates, and the
 *   committee memberships of the CONSTRUCTED roster file tests/data/rosters/ (--rosters PATH;
 *   --rosters '' serves none): its README says what is in it)
 *   corporate-bodies, corporate-bodies/{code} (committees and political groups)
 *   meetings?year=YYYY, meetings/{activity-id}
 *   meetings/{activity-id}/decisions (had_voter_* arrays with filter-output=voters for votes
 *   with per-MEP positions; counts only otherwise)
 *   parliamentary-questions, procedures, procedures/{process-id}/events, documents,
 *   adopted-texts, speeches (constructed from the votes with per-MEP positions: see
 *   route_docs)
 *   doceo/document/PV-{term}-{yyyy}-{mm}-{dd}-RCV_EN.xml: the bundled roll-call XML files
 *   (fixtures/rcv), served as they are, for their sitting dates
 *   every other GET path of the spec (engine/ep_epapi.h's endpoint table): generic constructed
 *   items (generic_page), 120 per list, 7 per feed, one per item id, each echoing the query
 *   ("epintel:query"); the real-data routes above keep their own answers and 404s.
 * Each 200 carries an ETag and Last-Modified; If-None-Match with the same ETag gives 304.
 *
 * Control:
 *   POST /__faults  {"route": "meps" | "meps/840" | "*", "latency_ms": N, "fail_rate": 0..1,
 *                    "fail_first": N, "max_failures_per_url": N, "status": 503,
 *                    "retry_after": S, "reset": true, "truncate": true, "malformed": true,
 *                    "empty_204": true, "not_found": true, "flip_voter": true, "seed": N}
 *                   or {"clear": true}. A route matches the path itself and everything below
 *                   it; the longest matching route wins. A request of a URL fails when it is
 *                   among the first fail_first requests of that URL, or when
 *                   hash(seed, URL, n) < fail_rate for its n-th request (deterministic under
 *                   any concurrency), never more than max_failures_per_url times (0 = no cap).
 *                   A rule with only a failure kind (reset, truncate, ...) fails every request.
 *                   flip_voter answers 200 with wrong data: in each roll-call decision the
 *                   first FOR voter is listed AGAINST (for cross-source agreement checks).
 *   DELETE /__faults   clear all rules and counters.
 *   GET /__stats       {"requests": N, "failed": N, "not_modified": N, "last": {headers},
 *                       "by_path": {path: n}}. */
#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ep_epapi.h"
#include "ep_store.h"
#include "ep_store_db.h"
#include "ep_util.h"
#include "srv_util.h"

#define MAX_RULES 64
#define CTR_BUCKETS 8192u

enum { K_STATUS, K_RESET, K_TRUNCATE, K_MALFORMED, K_204, K_404, K_FLIP };

struct rule {
    char route[256];
    int latency_ms, fail_first, max_per_url, status, retry_after, kind, explicit_rate;
    double fail_rate;
    uint64_t seed;
};

struct ctr {
    char *key;
    long n, fails;
    struct ctr *next;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct rule rules[MAX_RULES];
static int n_rules;
static struct ctr *ctrs[CTR_BUCKETS];
static long total_requests, total_failed, total_304;
static json_t *by_path, *last_headers;
static sqlite3 *db;
static uint64_t default_seed = 42;

static const char LAST_MODIFIED[] = "Mon, 15 Jan 2024 00:00:00 GMT";
static const char CONSTRUCTED_NOTE[] =
    "Constructed by the epintel test server from the bundled real data (Source: European "
    "Parliament; Data: HowTheyVote.eu (ODbL)); not an answer of the EP Open Data API.";

static uint64_t fnv64(const char *s, uint64_t h)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

/* Called with mu held. */
static struct ctr *ctr_get(const char *key)
{
    unsigned h = (unsigned)(fnv64(key, 1469598103934665603ULL) % CTR_BUCKETS);
    for (struct ctr *c = ctrs[h]; c; c = c->next)
        if (strcmp(c->key, key) == 0)
            return c;
    struct ctr *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->key = strdup(key);
    if (!c->key) {
        free(c);
        return NULL;
    }
    c->next = ctrs[h];
    ctrs[h] = c;
    return c;
}

static void ctrs_clear(void)
{
    for (unsigned i = 0; i < CTR_BUCKETS; i++) {
        for (struct ctr *c = ctrs[i]; c;) {
            struct ctr *nx = c->next;
            free(c->key);
            free(c);
            c = nx;
        }
        ctrs[i] = NULL;
    }
}

static const struct rule *rule_for(const char *path)
{
    const struct rule *best = NULL;
    size_t best_len = 0;
    for (int i = 0; i < n_rules; i++) {
        const char *r = rules[i].route;
        size_t l = strlen(r);
        int match =
            strcmp(r, "*") == 0 || (strncmp(path, r, l) == 0 && (path[l] == 0 || path[l] == '/'));
        size_t score = strcmp(r, "*") == 0 ? 0 : l + 1;
        if (match && (!best || score > best_len)) {
            best = &rules[i];
            best_len = score;
        }
    }
    return best;
}

/* ---- JSON-LD construction ------------------------------------------------------------- */

static json_t *envelope(json_t *data)
{
    json_t *ctx = json_pack(
        "[s,{s:s,s:s}]", "https://data.europarl.europa.eu/api/v2/context.jsonld", "epintel",
        "https://github.com/epintel/ns#", "@base", "https://data.europarl.europa.eu/");
    return json_pack("{s:o,s:o,s:b,s:s}", "data", data, "@context", ctx, "epintel:constructed", 1,
                     "epintel:note", CONSTRUCTED_NOTE);
}

static void set_str(json_t *o, const char *k, const unsigned char *v)
{
    if (v && *v)
        json_object_set_new(o, k, json_string((const char *)v));
}

static json_t *mep_summary(sqlite3_stmt *st)
{
    long long id = sqlite3_column_int64(st, 0);
    const char *fn = (const char *)sqlite3_column_text(st, 1);
    const char *ln = (const char *)sqlite3_column_text(st, 2);
    char idbuf[64], label[512];
    snprintf(idbuf, sizeof idbuf, "%lld", id);
    snprintf(label, sizeof label, "%s %s", fn ? fn : "", ln ? ln : "");
    json_t *o = json_object();
    json_object_set_new(o, "id", json_sprintf("person/%lld", id));
    json_object_set_new(o, "type", json_string("Person"));
    json_object_set_new(o, "identifier", json_string(idbuf));
    json_object_set_new(o, "label", json_string(label));
    set_str(o, "givenName", (const unsigned char *)fn);
    set_str(o, "familyName", (const unsigned char *)ln);
    set_str(o, "sortLabel", (const unsigned char *)ln);
    const unsigned char *cc = sqlite3_column_text(st, 3);
    if (cc && *cc)
        json_object_set_new(
            o, "api:country-of-representation",
            json_sprintf("http://publications.europa.eu/resource/authority/country/%s", cc));
    return o;
}

static long qlong(struct MHD_Connection *c, const char *k, long def)
{
    const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, k);
    if (!v || !*v)
        return def;
    char *end;
    long x = strtol(v, &end, 10);
    return *end ? -1 : x;
}

/* Runs a paged query: binds extra text param (may be NULL) as ?1, limit ?2, offset ?3. */
static json_t *paged(const char *sql, const char *p1, long offset, long limit,
                     json_t *(*row)(sqlite3_stmt *))
{
    sqlite3_stmt *st = NULL;
    json_t *arr = json_array();
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "srv_epapi: %s\n", sqlite3_errmsg(db));
        return arr;
    }
    if (p1)
        sqlite3_bind_text(st, 1, p1, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, limit);
    sqlite3_bind_int64(st, 3, offset);
    while (sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(arr, row(st));
    sqlite3_finalize(st);
    return arr;
}

/* The constructed committee memberships (tests/data/rosters/committee_memberships.csv): one
 * line per membership, "member_id,organization,role,classification,start_date,end_date". */
struct roster_row {
    long long member_id;
    char org[32], role[32], cls[64], start[11], end[11];
};
static struct roster_row *rosters;
static size_t n_rosters;

static int load_rosters(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "srv_epapi: %s: %s\n", path, strerror(errno));
        return -1;
    }
    char line[512];
    size_t cap = 0;
    long ln = 0;
    while (fgets(line, sizeof line, f)) {
        if (ln++ == 0)
            continue; /* header */
        line[strcspn(line, "\r\n")] = 0;
        char *fld[6] = {0};
        char *p = line;
        for (int k = 0; k < 6; k++) {
            fld[k] = p;
            p = strchr(p, ',');
            if (!p && k < 5) {
                fprintf(stderr, "srv_epapi: %s:%ld: 6 columns expected\n", path, ln);
                fclose(f);
                return -1;
            }
            if (p)
                *p++ = 0;
        }
        if (n_rosters == cap) {
            cap = cap ? 2 * cap : 64;
            void *np = realloc(rosters, cap * sizeof *rosters);
            if (!np) {
                fclose(f);
                return -1;
            }
            rosters = np;
        }
        struct roster_row *r = &rosters[n_rosters++];
        memset(r, 0, sizeof *r);
        r->member_id = strtoll(fld[0], NULL, 10);
        snprintf(r->org, sizeof r->org, "%s", fld[1]);
        snprintf(r->role, sizeof r->role, "%s", fld[2]);
        snprintf(r->cls, sizeof r->cls, "%s", fld[3]);
        snprintf(r->start, sizeof r->start, "%s", fld[4]);
        snprintf(r->end, sizeof r->end, "%s", fld[5]);
    }
    fclose(f);
    return 0;
}

/* MEP id's constructed committee memberships, in the API's shape, appended to ms. */
static void roster_memberships(long long id, json_t *ms)
{
    for (size_t i = 0; i < n_rosters; i++) {
        const struct roster_row *r = &rosters[i];
        if (r->member_id != id)
            continue;
        json_t *dur = json_pack("{s:s,s:s}", "type", "PeriodOfTime", "startDate", r->start);
        if (r->end[0])
            json_object_set_new(dur, "endDate", json_string(r->end));
        json_array_append_new(
            ms, json_pack("{s:o,s:s,s:o,s:o,s:o,s:o,s:b}", "id",
                          json_sprintf("membership/%lld-%s-%s-%s", id, r->org, r->role, r->start),
                          "type", "Membership", "organization", json_sprintf("org/%s", r->org),
                          "role", json_sprintf("def/ep-roles/%s", r->role),
                          "membershipClassification", json_sprintf("def/ep-entities/%s", r->cls),
                          "memberDuring", dur, "epintel:constructed", 1));
    }
}

static json_t *mep_detail(long long id)
{
    sqlite3_stmt *st = NULL;
    json_t *o = NULL;
    sqlite3_prepare_v2(db,
                       "SELECT id, first_name, last_name, country_code, date_of_birth, email"
                       " FROM member WHERE id = ?",
                       -1, &st, NULL);
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) == SQLITE_ROW) {
        o = mep_summary(st);
        set_str(o, "bday", sqlite3_column_text(st, 4));
        const unsigned char *em = sqlite3_column_text(st, 5);
        if (em && *em)
            json_object_set_new(o, "hasEmail", json_sprintf("mailto:%s", em));
        const unsigned char *cc = sqlite3_column_text(st, 3);
        if (cc && *cc)
            json_object_set_new(
                o, "citizenship",
                json_sprintf("http://publications.europa.eu/resource/authority/country/%s", cc));
    }
    sqlite3_finalize(st);
    if (!o)
        return NULL;
    json_t *ms = json_array();
    sqlite3_prepare_v2(db,
                       "SELECT m.group_code, m.term, m.start_date, m.end_date, g.short_label"
                       " FROM membership m LEFT JOIN grp g ON g.code = m.group_code"
                       " WHERE m.member_id = ? ORDER BY m.start_date, m.group_code",
                       -1, &st, NULL);
    sqlite3_bind_int64(st, 1, id);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *g = (const char *)sqlite3_column_text(st, 0);
        const char *sd = (const char *)sqlite3_column_text(st, 2);
        json_t *dur = json_pack("{s:s,s:s}", "type", "PeriodOfTime", "startDate", sd ? sd : "");
        set_str(dur, "endDate", sqlite3_column_text(st, 3));
        json_t *m = json_pack("{s:o,s:s,s:o,s:s,s:s,s:o}", "id",
                              json_sprintf("membership/%lld-%s-%s", id, g, sd ? sd : ""), "type",
                              "Membership", "organization", json_sprintf("org/%s", g), "role",
                              "def/ep-roles/MEMBER", "membershipClassification",
                              "def/ep-entities/EU_POLITICAL_GROUP", "memberDuring", dur);
        if (sqlite3_column_type(st, 1) != SQLITE_NULL)
            json_object_set_new(m, "api:parliamentary-term",
                                json_sprintf("org/ep-%d", sqlite3_column_int(st, 1)));
        set_str(m, "epintel:organization_label", sqlite3_column_text(st, 4));
        json_array_append_new(ms, m);
    }
    sqlite3_finalize(st);
    roster_memberships(id, ms);
    json_object_set_new(o, "hasMembership", ms);
    return o;
}

static json_t *body_row(sqlite3_stmt *st)
{
    const char *code = (const char *)sqlite3_column_text(st, 0);
    const char *cls = (const char *)sqlite3_column_text(st, 3);
    json_t *o =
        json_pack("{s:o,s:s,s:s,s:s,s:s}", "id", json_sprintf("org/%s", code), "type",
                  "Organization", "identifier", code, "label",
                  sqlite3_column_text(st, 1) ? (const char *)sqlite3_column_text(st, 1) : code,
                  "classification", cls);
    const unsigned char *pl = sqlite3_column_text(st, 2);
    if (pl)
        json_object_set_new(o, "prefLabel", json_pack("{s:s}", "en", (const char *)pl));
    return o;
}

static const char BODIES_SQL[] =
    "SELECT * FROM (SELECT code, abbreviation, label,"
    " 'def/ep-entities/COMMITTEE_PARLIAMENTARY_STANDING' AS cls FROM committee"
    " UNION ALL SELECT code, short_label, official_label, 'def/ep-entities/EU_POLITICAL_GROUP'"
    " FROM grp) WHERE ?1 IS NULL OR code = ?1 ORDER BY cls, code LIMIT ?2 OFFSET ?3";

static json_t *meeting_row(sqlite3_stmt *st)
{
    const char *d = (const char *)sqlite3_column_text(st, 0);
    json_t *o = json_pack("{s:o,s:s,s:o,s:s,s:s}", "id", json_sprintf("event/MTG-PL-%s", d), "type",
                          "Activity", "activity_id", json_sprintf("MTG-PL-%s", d), "activity_date",
                          d, "had_activity_type", "def/ep-activities/PLENARY_SITTING");
    json_object_set_new(o, "epintel:decisions", json_integer(sqlite3_column_int(st, 1)));
    return o;
}

static int with_voters, flip_voter; /* set under mu by route() */

static json_t *decision_row(sqlite3_stmt *st)
{
    long long id = sqlite3_column_int64(st, 0);
    const char *ts = (const char *)sqlite3_column_text(st, 1);
    const char *d = (const char *)sqlite3_column_text(st, 2);
    char tsb[32] = "";
    if (ts) {
        snprintf(tsb, sizeof tsb, "%s", ts);
        if (strlen(tsb) > 10)
            tsb[10] = 'T';
    }
    int has_pos = sqlite3_column_type(st, 12) != SQLITE_NULL;
    json_t *o = json_pack(
        "{s:o,s:s,s:o,s:o,s:s,s:s}", "id", json_sprintf("eli/dl/event/MTG-PL-%s-DEC-%lld", d, id),
        "type", "Decision", "activity_id", json_sprintf("MTG-PL-%s-DEC-%lld", d, id),
        "notation_votingId", json_sprintf("%lld", id), "activity_date", d, "decision_method",
        has_pos ? "http://publications.europa.eu/resource/authority/"
                  "decision-method/VOTE_ELECTRONIC_ROLLCALL"
                : "http://publications.europa.eu/resource/authority/"
                  "decision-method/VOTE_ELECTRONIC");
    if (*tsb)
        json_object_set_new(o, "activity_start_date", json_string(tsb));
    const unsigned char *t = sqlite3_column_text(st, 3);
    if (t)
        json_object_set_new(o, "activity_label", json_pack("{s:s}", "en", (const char *)t));
    set_str(o, "referenceText", sqlite3_column_text(st, 4));
    set_str(o, "epintel:procedure_reference", sqlite3_column_text(st, 5));
    const unsigned char *res = sqlite3_column_text(st, 6);
    if (res)
        json_object_set_new(
            o, "had_decision_outcome",
            json_sprintf("http://publications.europa.eu/resource/authority/decision-outcome/%s",
                         res));
    static const char *const cnt[] = {"number_of_votes_favor", "number_of_votes_against",
                                      "number_of_votes_abstention"};
    for (int k = 0; k < 3; k++)
        if (sqlite3_column_type(st, 7 + k) != SQLITE_NULL)
            json_object_set_new(o, cnt[k], json_integer(sqlite3_column_int(st, 7 + k)));
    if (sqlite3_column_type(st, 10) != SQLITE_NULL)
        json_object_set_new(o, "epintel:is_main", json_boolean(sqlite3_column_int(st, 10)));
    if (sqlite3_column_type(st, 11) != SQLITE_NULL)
        json_object_set_new(o, "epintel:dlv_id", json_integer(sqlite3_column_int64(st, 11)));
    if (has_pos && with_voters) {
        static const char *const arr[] = {"had_voter_favor", "had_voter_against",
                                          "had_voter_abstention"};
        sqlite3_stmt *ps = NULL;
        sqlite3_prepare_v2(db,
                           "SELECT member_id FROM position WHERE vote_id = ? AND pos = ?"
                           " ORDER BY member_id",
                           -1, &ps, NULL);
        for (int k = 0; k < 3; k++) {
            json_t *a = json_array();
            sqlite3_bind_int64(ps, 1, id);
            sqlite3_bind_int(ps, 2, k + 1);
            while (sqlite3_step(ps) == SQLITE_ROW)
                json_array_append_new(a, json_sprintf("person/%lld", sqlite3_column_int64(ps, 0)));
            sqlite3_reset(ps);
            json_object_set_new(o, arr[k], a);
        }
        sqlite3_finalize(ps);
        if (flip_voter) { /* a wrong answer: the first FOR voter is listed AGAINST */
            json_t *f = json_object_get(o, "had_voter_favor");
            json_t *first = json_array_get(f, 0);
            if (first) {
                json_array_append(json_object_get(o, "had_voter_against"), first);
                json_array_remove(f, 0);
            }
        }
    }
    return o;
}

/* ---- questions, procedures, documents, adopted texts, speeches, DOCEO XML ----------------
 * Constructed from the roll-call votes that have per-MEP positions (the sittings of the bundled
 * XML files): procedures = their procedure references (events = every vote of the procedure
 * in the store); documents = their report/motion references; adopted texts = their adopted
 * main votes; speeches = one per main vote, by a FOR voter; questions = one per procedure,
 * authored by voters of its first vote (every third with a co-author), addressed alternately
 * to the Commission and the Council, two in three answered 30 days later. */

#define DOC_VOTES "vote v WHERE v.pos_unit_id IS NOT NULL"
/* process_id of a procedure reference: 2022/0099(COD) -> 2022-0099-COD (the type kept:
 * 2023/0201(APP) and 2023/0201R(APP) are two procedures) */
#define PROC_ID(r) "replace(replace(replace(" r ", '/', '-'), '(', '-'), ')', '')"

static json_t *en(const unsigned char *t)
{
    return json_pack("{s:s}", "en", t ? (const char *)t : "");
}

static json_t *question_row(sqlite3_stmt *st)
{
    const char *id = (const char *)sqlite3_column_text(st, 0);
    json_t *parts = json_array();
    for (int k = 3; k <= 4; k++)
        if (sqlite3_column_type(st, k) != SQLITE_NULL)
            json_array_append_new(
                parts, json_pack("{s:s,s:o,s:s}", "type", "Participation", "had_participant_person",
                                 json_sprintf("person/%lld", sqlite3_column_int64(st, k)),
                                 "participation_role", "def/ep-roles/AUTHOR"));
    int n = sqlite3_column_int(st, 6);
    json_array_append_new(parts,
                          json_pack("{s:s,s:s,s:s}", "type", "Participation",
                                    "had_participant_organization", n % 2 ? "org/COM" : "org/CONS",
                                    "participation_role", "def/ep-roles/ADDRESSEE"));
    json_t *o =
        json_pack("{s:o,s:s,s:s,s:s,s:s,s:o,s:o}", "id", json_sprintf("eli/dl/doc/%s", id), "type",
                  "Work", "identifier", id, "work_type", "def/ep-document-types/QUESTION_WRITTEN",
                  "document_date", (const char *)sqlite3_column_text(st, 1), "title_dcterms",
                  en(sqlite3_column_text(st, 2)), "workHadParticipation", parts);
    if (sqlite3_column_type(st, 3) != SQLITE_NULL)
        json_object_set_new(
            o, "creator",
            json_pack("[o]", json_sprintf("person/%lld", sqlite3_column_int64(st, 3))));
    if (n % 3 != 2)
        json_object_set_new(o, "inverse_answers_to",
                            json_pack("[{s:o,s:o,s:s}]", "id",
                                      json_sprintf("eli/dl/doc/%s-ASW", id), "identifier",
                                      json_sprintf("%s-ASW", id), "document_date",
                                      (const char *)sqlite3_column_text(st, 5)));
    return o;
}

static const char QUESTIONS_SQL[] =
    "WITH p AS (SELECT procedure_reference AS ref, MIN(procedure_title) AS title,"
    " MIN(sitting_date) AS d, MIN(id) AS vid,"
    " ROW_NUMBER() OVER (ORDER BY procedure_reference) AS n FROM " DOC_VOTES
    " AND procedure_reference IS NOT NULL GROUP BY procedure_reference)"
    " SELECT printf('E-9-%s-%06d', substr(d, 1, 4), n), d, 'Question on ' || COALESCE(title, ref),"
    " (SELECT member_id FROM (SELECT member_id, ROW_NUMBER() OVER (ORDER BY member_id) AS k"
    "  FROM position WHERE vote_id = vid AND pos = 1) WHERE k = 1 + n % 40),"
    " CASE WHEN n % 3 = 0 THEN (SELECT member_id FROM position WHERE vote_id = vid AND pos = 2"
    "  ORDER BY member_id LIMIT 1) END, date(d, '+30 days'), n"
    " FROM p WHERE ?1 IS NULL ORDER BY n LIMIT ?2 OFFSET ?3";

static json_t *procedure_row(sqlite3_stmt *st)
{
    const char *pid = (const char *)sqlite3_column_text(st, 0);
    json_t *o =
        json_pack("{s:o,s:s,s:s,s:s,s:o}", "id", json_sprintf("eli/dl/proc/%s", pid), "type",
                  "Process", "process_id", pid, "label", (const char *)sqlite3_column_text(st, 1),
                  "process_title", en(sqlite3_column_text(st, 2)));
    const unsigned char *t = sqlite3_column_text(st, 3), *g = sqlite3_column_text(st, 4);
    if (t)
        json_object_set_new(o, "process_type", json_sprintf("def/ep-procedure-types/%s", t));
    if (g)
        json_object_set_new(o, "current_stage", json_sprintf("def/ep-procedure-stages/%s", g));
    return o;
}

static const char PROCEDURES_SQL[] = "SELECT " PROC_ID(
    "procedure_reference") ", procedure_reference, MIN(procedure_title),"
                           " MIN(procedure_type), MAX(procedure_stage) FROM " DOC_VOTES
                           " AND procedure_reference IS NOT NULL AND (?1 IS NULL OR " PROC_ID(
                               "procedure_reference") " = ?1) GROUP BY procedure_reference ORDER "
                                                      "BY procedure_reference LIMIT ?2 OFFSET ?3";

static json_t *event_row(sqlite3_stmt *st)
{
    json_t *o = json_pack(
        "{s:o,s:s,s:o,s:s,s:s,s:o}", "id",
        json_sprintf("eli/dl/event/VOTE-%lld", sqlite3_column_int64(st, 0)), "type", "Activity",
        "activity_id", json_sprintf("VOTE-%lld", sqlite3_column_int64(st, 0)), "activity_date",
        (const char *)sqlite3_column_text(st, 1), "had_activity_type",
        "def/ep-activities/PLENARY_VOTE", "activity_label", en(sqlite3_column_text(st, 2)));
    const unsigned char *r = sqlite3_column_text(st, 3);
    if (r)
        json_object_set_new(o, "based_on_a_realization_of", json_sprintf("eli/dl/doc/%s", r));
    return o;
}

/* every vote of the procedure in the store, when the procedure is one of the list */
static const char EVENTS_SQL[] =
    "SELECT id, sitting_date, COALESCE(title, ''), replace(reference, '/', '-') FROM vote"
    " WHERE " PROC_ID("procedure_reference") " = ?1 AND sitting_date IS NOT NULL"
                                             " ORDER BY sitting_date, id LIMIT ?2 OFFSET ?3";

static json_t *document_row(sqlite3_stmt *st)
{
    const char *kind = (const char *)sqlite3_column_text(st, 5);
    json_t *o = json_pack("{s:o,s:s,s:s,s:s,s:o,s:s,s:o}", "id",
                          json_sprintf("eli/dl/doc/%s", (const char *)sqlite3_column_text(st, 0)),
                          "type", "Work", "identifier", (const char *)sqlite3_column_text(st, 0),
                          "label", (const char *)sqlite3_column_text(st, 1), "title_dcterms",
                          en(sqlite3_column_text(st, 2)), "document_date",
                          (const char *)sqlite3_column_text(st, 3), "work_type",
                          json_sprintf("def/ep-document-types/%s", kind));
    set_str(o, "epintel:procedure_reference", sqlite3_column_text(st, 4));
    json_object_set_new(
        o, "is_realized_by",
        json_pack("[{s:o,s:s}]", "id",
                  json_sprintf("eli/dl/doc/%s/en", (const char *)sqlite3_column_text(st, 0)),
                  "language", "def/languages/EN"));
    return o;
}

/* the reports and motions voted on (title of the latest vote on each) */
static const char DOCUMENTS_SQL[] =
    "SELECT replace(reference, '/', '-'), reference,"
    " (SELECT COALESCE(title, '') FROM vote w WHERE w.reference = v.reference"
    "  ORDER BY w.timestamp DESC, w.id DESC LIMIT 1), MIN(sitting_date),"
    " MIN(procedure_reference), CASE substr(reference, 1, 1) WHEN 'A' THEN 'REPORT_PLENARY'"
    "  WHEN 'B' THEN 'MOTION_FOR_RESOLUTION' ELSE 'DOCUMENT' END"
    " FROM " DOC_VOTES " AND reference IS NOT NULL AND ?1 IS NULL"
    " GROUP BY reference ORDER BY reference LIMIT ?2 OFFSET ?3";

/* adopted main votes, numbered per year in time order */
static const char ADOPTED_SQL[] =
    "SELECT printf('TA-9-%s-%04d', substr(sitting_date, 1, 4), ROW_NUMBER() OVER ("
    "  PARTITION BY substr(sitting_date, 1, 4) ORDER BY timestamp, id)),"
    " printf('P9_TA(%s)%04d', substr(sitting_date, 1, 4), ROW_NUMBER() OVER ("
    "  PARTITION BY substr(sitting_date, 1, 4) ORDER BY timestamp, id)),"
    " COALESCE(title, ''), sitting_date, procedure_reference, 'TEXT_ADOPTED'"
    " FROM " DOC_VOTES " AND is_main = 1 AND result = 'ADOPTED' AND ?1 IS NULL"
    " ORDER BY timestamp, id LIMIT ?2 OFFSET ?3";

static json_t *speech_row(sqlite3_stmt *st)
{
    const char *d = (const char *)sqlite3_column_text(st, 1);
    long long vid = sqlite3_column_int64(st, 0);
    json_t *o =
        json_pack("{s:o,s:s,s:o,s:s,s:s,s:o,s:s}", "id",
                  json_sprintf("eli/dl/event/MTG-PL-%s-SPEECH-%lld", d, vid), "type", "Activity",
                  "activity_id", json_sprintf("MTG-PL-%s-SPEECH-%lld", d, vid), "activity_date", d,
                  "had_activity_type", "def/ep-activities/PLENARY_DEBATE_SPEECH", "activity_label",
                  en(sqlite3_column_text(st, 2)), "language", "def/languages/EN");
    if (sqlite3_column_type(st, 3) != SQLITE_NULL)
        json_object_set_new(
            o, "had_participant_person",
            json_pack("[o]", json_sprintf("person/%lld", sqlite3_column_int64(st, 3))));
    return o;
}

static const char SPEECHES_SQL[] =
    "SELECT id, sitting_date, COALESCE(title, ''), (SELECT member_id FROM (SELECT member_id,"
    "  ROW_NUMBER() OVER (ORDER BY member_id) AS k FROM position WHERE vote_id = v.id"
    "  AND pos = 1) WHERE k = 1 + v.id % 50)"
    " FROM " DOC_VOTES " AND is_main = 1 AND ?1 IS NULL ORDER BY timestamp, id"
    " LIMIT ?2 OFFSET ?3";

/* The bundled roll-call XML of a sitting, decompressed; NULL when there is none. */
static char *doceo_file(const char *name)
{
    if (strncmp(name, "PV-", 3) != 0 || strchr(name, '/') || strstr(name, ".."))
        return NULL;
    char p[4096], fx[4096];
    snprintf(p, sizeof p, "%s/rcv/%s.gz", ep_store_fixtures_dir(fx, sizeof fx), name);
    struct ep_buf b;
    ep_buf_init(&b, 0);
    if (ep_read_file(p, 64u << 20, &b, NULL)) {
        ep_buf_free(&b);
        return NULL;
    }
    return ep_buf_steal(&b);
}

/* Data of the routes above; NULL when the path is not one of them or names nothing. Sets
 * *raw for a non-JSON body (the XML). Called with mu held. */
static json_t *route_docs(const char (*seg)[256], int nseg, long offset, long limit, char **raw)
{
    json_t *data = NULL;
    if (nseg == 3 && strcmp(seg[0], "doceo") == 0 && strcmp(seg[1], "document") == 0) {
        *raw = doceo_file(seg[2]);
    } else if (nseg == 1 && strcmp(seg[0], "parliamentary-questions") == 0) {
        data = paged(QUESTIONS_SQL, NULL, offset, limit, question_row);
    } else if (nseg == 1 && strcmp(seg[0], "procedures") == 0) {
        data = paged(PROCEDURES_SQL, NULL, offset, limit, procedure_row);
    } else if (nseg == 3 && strcmp(seg[0], "procedures") == 0 && strcmp(seg[2], "events") == 0) {
        json_t *p = paged(PROCEDURES_SQL, seg[1], 0, 1, procedure_row);
        if (json_array_size(p))
            data = paged(EVENTS_SQL, seg[1], offset, limit, event_row);
        json_decref(p);
    } else if (nseg == 1 && strcmp(seg[0], "documents") == 0) {
        data = paged(DOCUMENTS_SQL, NULL, offset, limit, document_row);
    } else if (nseg == 1 && strcmp(seg[0], "adopted-texts") == 0) {
        data = paged(ADOPTED_SQL, NULL, offset, limit, document_row);
    } else if (nseg == 1 && strcmp(seg[0], "speeches") == 0) {
        data = paged(SPEECHES_SQL, NULL, offset, limit, speech_row);
    }
    return data;
}

/* ---- generic constructed pages for the other spec paths ---------------------------------- */

/* Endpoints with real-data routes above (a miss there stays a 404). */
static const char *const real_routes[] = {"meps",
                                          "meps/{mep-id}",
                                          "meps/show-current",
                                          "corporate-bodies",
                                          "corporate-bodies/{body-id}",
                                          "meetings",
                                          "meetings/{event-id}",
                                          "meetings/{sitting-id}/decisions",
                                          "parliamentary-questions",
                                          "procedures",
                                          "procedures/{process-id}/events",
                                          "documents",
                                          "adopted-texts",
                                          "speeches"};

/* Number of literal segments when path matches template, else -1. */
static int template_match(const char *tpl, const char *path)
{
    int lit = 0;
    while (*tpl && *path) {
        size_t tl = strcspn(tpl, "/"), pl = strcspn(path, "/");
        if (*tpl == '{') {
            if (pl == 0)
                return -1;
        } else if (tl != pl || strncmp(tpl, path, tl) != 0) {
            return -1;
        } else {
            lit++;
        }
        tpl += tl;
        path += pl;
        if (*tpl != *path)
            return -1;
        if (*tpl == '/') {
            tpl++;
            path++;
        }
    }
    return *tpl || *path ? -1 : lit;
}

static enum MHD_Result query_kv(void *cls, enum MHD_ValueKind kind, const char *k, const char *v)
{
    (void)kind;
    if (strcmp(k, "format") != 0)
        json_object_set_new(cls, k, json_string(v ? v : ""));
    return MHD_YES;
}

/* Constructed items for a spec path without a real-data route: 120 per list (paged), 7 per
 * feed, the requested id for an item. NULL when path is no such endpoint. */
static json_t *generic_page(struct MHD_Connection *c, const char *path, long offset, long limit)
{
    size_t n = 0;
    const struct ep_epapi_endpoint *t = ep_epapi_endpoints(&n), *best = NULL;
    int best_lit = -1;
    for (size_t i = 0; i < n; i++) {
        int lit = template_match(t[i].path, path);
        if (lit > best_lit) {
            best_lit = lit;
            best = &t[i];
        }
    }
    if (!best)
        return NULL;
    for (size_t i = 0; i < sizeof real_routes / sizeof real_routes[0]; i++)
        if (strcmp(real_routes[i], best->path) == 0)
            return NULL;
    json_t *q = json_object();
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, query_kv, q);
    const char *last = strrchr(path, '/');
    long total = best->item ? 1 : best->feed ? 7 : 120;
    if (best->item || !strstr(best->params, "limit")) {
        offset = 0;
        limit = total;
    }
    json_t *arr = json_array();
    char seg[64];
    snprintf(seg, sizeof seg, "%.*s", (int)strcspn(path, "/"), path);
    for (long k = offset; k < total && k < offset + limit; k++) {
        char id[320];
        if (best->item)
            snprintf(id, sizeof id, "%s", last ? last + 1 : path);
        else
            snprintf(id, sizeof id, "%s-%04ld", seg, k + 1);
        json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:s,s:s,s:O}", "id", id, "identifier",
                                             id, "type", best->feed ? "FeedEntry" : "Constructed",
                                             "label", best->summary, "epintel:endpoint", best->path,
                                             "epintel:query", q));
    }
    json_decref(q);
    return arr;
}

/* Build the answer for a data route: 200 with a body, or 404/400. */
static int route(struct MHD_Connection *c, const char *path, int flip, char **body, int *status)
{
    long offset = qlong(c, "offset", 0), limit = qlong(c, "limit", 50);
    if (offset < 0 || limit <= 0 || limit > 1000) {
        *status = 400;
        *body = strdup("{\"error\":\"bad offset or limit\"}");
        return 0;
    }
    json_t *data = NULL;
    char seg[3][256] = {{0}};
    int nseg = 0;
    for (const char *p = path; *p && nseg < 3;) {
        size_t l = strcspn(p, "/");
        if (l >= sizeof seg[0])
            break;
        memcpy(seg[nseg++], p, l);
        p += l;
        if (*p == '/')
            p++;
        if (*p == 0)
            break;
    }
    pthread_mutex_lock(&mu);
    if (nseg == 1 && strcmp(seg[0], "meps") == 0) {
        data = paged("SELECT id, first_name, last_name, country_code FROM member"
                     " WHERE ?1 IS NULL ORDER BY id LIMIT ?2 OFFSET ?3",
                     NULL, offset, limit, mep_summary);
    } else if (nseg == 2 && strcmp(seg[0], "meps") == 0 && strcmp(seg[1], "show-current") == 0) {
        data = paged("SELECT id, first_name, last_name, country_code FROM member m"
                     " WHERE ?1 IS NULL AND EXISTS (SELECT 1 FROM membership s WHERE"
                     " s.member_id = m.id AND s.end_date IS NULL) ORDER BY id LIMIT ?2 OFFSET ?3",
                     NULL, offset, limit, mep_summary);
    } else if (nseg == 2 && strcmp(seg[0], "meps") == 0) {
        char *end;
        long long id = strtoll(seg[1], &end, 10);
        json_t *m = *end ? NULL : mep_detail(id);
        if (m)
            data = json_pack("[o]", m);
    } else if (nseg >= 1 && strcmp(seg[0], "corporate-bodies") == 0 && nseg <= 2) {
        data =
            paged(BODIES_SQL, nseg == 2 ? seg[1] : NULL, nseg == 2 ? 0 : offset, limit, body_row);
        if (nseg == 2 && json_array_size(data) == 0) {
            json_decref(data);
            data = NULL;
        }
    } else if (nseg == 1 && strcmp(seg[0], "meetings") == 0) {
        const char *year = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "year");
        data = paged("SELECT sitting_date, count(*) FROM vote WHERE sitting_date IS NOT NULL"
                     " AND (?1 IS NULL OR substr(sitting_date, 1, 4) = ?1)"
                     " GROUP BY sitting_date ORDER BY sitting_date LIMIT ?2 OFFSET ?3",
                     year, offset, limit, meeting_row);
    } else if ((nseg == 2 || nseg == 3) && strcmp(seg[0], "meetings") == 0 &&
               strncmp(seg[1], "MTG-PL-", 7) == 0 && strlen(seg[1]) == 17 &&
               (nseg == 2 || strcmp(seg[2], "decisions") == 0)) {
        const char *date = seg[1] + 7;
        if (nseg == 2) {
            data = paged("SELECT sitting_date, count(*) FROM vote WHERE sitting_date = ?1"
                         " GROUP BY sitting_date LIMIT ?2 OFFSET ?3",
                         date, 0, 1, meeting_row);
        } else {
            const char *fo = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "filter-output");
            with_voters = fo && strcmp(fo, "voters") == 0;
            flip_voter = flip;
            data = paged("SELECT id, timestamp, sitting_date, title, reference,"
                         " procedure_reference, result, count_for, count_against,"
                         " count_abstention, is_main, dlv_id, pos_unit_id FROM vote"
                         " WHERE sitting_date = ?1 ORDER BY id LIMIT ?2 OFFSET ?3",
                         date, offset, limit, decision_row);
        }
        if (json_array_size(data) == 0 && nseg == 2) {
            json_decref(data);
            data = NULL;
        }
    } else {
        char *raw = NULL;
        data = route_docs((const char(*)[256])seg, nseg, offset, limit, &raw);
        if (raw) {
            pthread_mutex_unlock(&mu);
            *body = raw;
            *status = 200;
            return 0;
        }
    }
    pthread_mutex_unlock(&mu);
    if (!data)
        data = generic_page(c, path, offset, limit);
    if (!data) {
        *status = 404;
        json_t *e = json_pack("{s:s,s:s}", "error", "not found", "path", path);
        *body = json_dumps(e, JSON_COMPACT);
        json_decref(e);
        return 0;
    }
    json_t *env = envelope(data);
    *body = json_dumps(env, JSON_COMPACT);
    json_decref(env);
    *status = 200;
    return *body ? 0 : -1;
}

/* ---- control endpoints ------------------------------------------------------------------ */

static int faults_set(const char *text, size_t len, char *msg, size_t msz)
{
    json_error_t je;
    json_t *j = json_loadb(text, len, 0, &je);
    if (!json_is_object(j)) {
        snprintf(msg, msz, "{\"error\":\"bad JSON: %s\"}", je.text);
        json_decref(j);
        return 400;
    }
    pthread_mutex_lock(&mu);
    if (json_is_true(json_object_get(j, "clear"))) {
        n_rules = 0;
        ctrs_clear();
        pthread_mutex_unlock(&mu);
        json_decref(j);
        snprintf(msg, msz, "{\"ok\":true}");
        return 200;
    }
    const char *r = json_string_value(json_object_get(j, "route"));
    if (!r)
        r = "*";
    while (*r == '/')
        r++;
    struct rule nr = {0};
    snprintf(nr.route, sizeof nr.route, "%s", r);
    nr.latency_ms = (int)json_integer_value(json_object_get(j, "latency_ms"));
    nr.fail_first = (int)json_integer_value(json_object_get(j, "fail_first"));
    nr.max_per_url = (int)json_integer_value(json_object_get(j, "max_failures_per_url"));
    nr.status = (int)json_integer_value(json_object_get(j, "status"));
    nr.retry_after = (int)json_integer_value(json_object_get(j, "retry_after"));
    json_t *fr = json_object_get(j, "fail_rate");
    nr.explicit_rate = fr != NULL;
    nr.fail_rate = json_number_value(fr);
    json_t *sd = json_object_get(j, "seed");
    nr.seed = sd ? (uint64_t)json_integer_value(sd) : default_seed;
    nr.kind = json_is_true(json_object_get(j, "reset"))        ? K_RESET
              : json_is_true(json_object_get(j, "truncate"))   ? K_TRUNCATE
              : json_is_true(json_object_get(j, "malformed"))  ? K_MALFORMED
              : json_is_true(json_object_get(j, "empty_204"))  ? K_204
              : json_is_true(json_object_get(j, "not_found"))  ? K_404
              : json_is_true(json_object_get(j, "flip_voter")) ? K_FLIP
                                                               : K_STATUS;
    if (!nr.explicit_rate && !nr.fail_first && (nr.kind != K_STATUS || nr.status))
        nr.fail_rate = 1.0;
    if (!nr.status)
        nr.status = 503;
    int i = 0;
    for (; i < n_rules; i++)
        if (strcmp(rules[i].route, nr.route) == 0)
            break;
    int code = 200;
    if (i == MAX_RULES) {
        code = 400;
        snprintf(msg, msz, "{\"error\":\"too many rules\"}");
    } else {
        rules[i] = nr;
        if (i == n_rules)
            n_rules++;
        snprintf(msg, msz, "{\"ok\":true,\"rules\":%d}", n_rules);
    }
    pthread_mutex_unlock(&mu);
    json_decref(j);
    return code;
}

static char *stats_json(void)
{
    pthread_mutex_lock(&mu);
    json_t *o = json_pack("{s:I,s:I,s:I,s:O,s:O}", "requests", (json_int_t)total_requests, "failed",
                          (json_int_t)total_failed, "not_modified", (json_int_t)total_304, "last",
                          last_headers, "by_path", by_path);
    pthread_mutex_unlock(&mu);
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

/* ---- HTTP --------------------------------------------------------------------------- */

struct conn {
    struct ep_buf upload;
};

struct trunc {
    char *body;
    size_t len, cut;
};

static ssize_t trunc_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct trunc *t = cls;
    if (pos >= t->cut)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    size_t n = t->cut - (size_t)pos;
    if (n > max)
        n = max;
    memcpy(buf, t->body + pos, n);
    return (ssize_t)n;
}

static void trunc_free(void *cls)
{
    struct trunc *t = cls;
    free(t->body);
    free(t);
}

static enum MHD_Result reply(struct MHD_Connection *c, int status, char *body, int with_etag)
{
    size_t len = body ? strlen(body) : 0;
    struct MHD_Response *r = MHD_create_response_from_buffer(
        len, body ? body : (void *)"", body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    if (len)
        MHD_add_response_header(r, "Content-Type",
                                body[0] == '<' ? "application/xml" : "application/ld+json");
    if (with_etag && body) {
        char et[40];
        snprintf(et, sizeof et, "\"%016llx\"",
                 (unsigned long long)fnv64(body, 1469598103934665603ULL));
        MHD_add_response_header(r, "ETag", et);
        MHD_add_response_header(r, "Last-Modified", LAST_MODIFIED);
    }
    enum MHD_Result ok = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result on_header_kv(void *cls, enum MHD_ValueKind kind, const char *k,
                                    const char *v)
{
    json_t *o = cls;
    if (v)
        json_object_set_new(o, k, json_string(v));
    return MHD_YES;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **con_cls)
{
    (void)cls;
    (void)version;
    struct conn *cn = *con_cls;
    if (!cn) {
        cn = calloc(1, sizeof *cn);
        if (!cn)
            return MHD_NO;
        ep_buf_init(&cn->upload, 1 << 20);
        *con_cls = cn;
        return MHD_YES;
    }
    if (*upload_size) {
        if (ep_buf_append(&cn->upload, upload, *upload_size))
            return MHD_NO;
        *upload_size = 0;
        return MHD_YES;
    }
    const char *path = url;
    while (*path == '/')
        path++;
    if (strncmp(path, "api/v2/", 7) == 0)
        path += 7;

    if (strcmp(path, "__faults") == 0) {
        char msg[512];
        int code;
        if (strcmp(method, "DELETE") == 0) {
            code = faults_set("{\"clear\":true}", 14, msg, sizeof msg);
        } else if (strcmp(method, "POST") == 0) {
            code =
                faults_set(cn->upload.data ? cn->upload.data : "", cn->upload.len, msg, sizeof msg);
        } else {
            code = 405;
            snprintf(msg, sizeof msg, "{\"error\":\"POST or DELETE\"}");
        }
        return reply(c, code, strdup(msg), 0);
    }
    if (strcmp(path, "__stats") == 0)
        return reply(c, 200, stats_json(), 0);

    /* the request's identity for fault decisions: path + paging + filters */
    char key[1024];
    const char *year = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "year");
    const char *off = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "offset");
    const char *lim = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit");
    snprintf(key, sizeof key, "%s|%s|%s|%s", path, off ? off : "", lim ? lim : "",
             year ? year : "");

    struct rule rl = {0};
    int has_rule = 0, fail = 0;
    pthread_mutex_lock(&mu);
    total_requests++;
    json_t *cnt = json_object_get(by_path, path);
    json_object_set_new(by_path, path, json_integer(cnt ? json_integer_value(cnt) + 1 : 1));
    json_t *hdr = json_object();
    MHD_get_connection_values(c, MHD_HEADER_KIND, on_header_kv, hdr);
    const char *fmt = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "format");
    if (fmt)
        json_object_set_new(hdr, "format", json_string(fmt));
    json_decref(last_headers);
    last_headers = hdr;
    const struct rule *r = rule_for(path);
    if (r) {
        rl = *r;
        has_rule = 1;
        struct ctr *ct = ctr_get(key);
        if (ct) {
            ct->n++;
            if (ct->n <= rl.fail_first) {
                fail = 1;
            } else if (rl.fail_rate > 0) {
                uint64_t h = mix(fnv64(key, rl.seed * 0x9E3779B97F4A7C15ULL + 1) + (uint64_t)ct->n);
                fail = (double)(h >> 11) / 9007199254740992.0 < rl.fail_rate;
            }
            if (fail && rl.max_per_url > 0 && ct->fails >= rl.max_per_url)
                fail = 0;
            if (fail)
                ct->fails++;
        }
        if (fail)
            total_failed++;
    }
    pthread_mutex_unlock(&mu);

    if (has_rule && rl.latency_ms > 0)
        usleep((useconds_t)rl.latency_ms * 1000u);

    if (fail && rl.kind == K_RESET)
        return MHD_NO; /* close the connection without an answer */
    if (fail && rl.kind == K_204)
        return reply(c, 204, NULL, 0);
    if (fail && rl.kind == K_404)
        return reply(c, 404, strdup("{\"error\":\"no data\"}"), 0);
    if (fail && rl.kind == K_STATUS) {
        char *b = NULL;
        if (asprintf(&b, "{\"error\":\"injected fault\",\"status\":%d}", rl.status) < 0)
            return MHD_NO;
        size_t len = strlen(b);
        struct MHD_Response *resp = MHD_create_response_from_buffer(len, b, MHD_RESPMEM_MUST_FREE);
        if (!resp) {
            free(b);
            return MHD_NO;
        }
        if (rl.retry_after > 0) {
            char ra[32];
            snprintf(ra, sizeof ra, "%d", rl.retry_after);
            MHD_add_response_header(resp, "Retry-After", ra);
        }
        enum MHD_Result ok = MHD_queue_response(c, (unsigned)rl.status, resp);
        MHD_destroy_response(resp);
        return ok;
    }

    char *body = NULL;
    int status = 500;
    if (route(c, path, fail && rl.kind == K_FLIP, &body, &status) || !body)
        return reply(c, 500, strdup("{\"error\":\"server error\"}"), 0);
    if (status != 200)
        return reply(c, status, body, 0);

    if (fail && rl.kind == K_MALFORMED) {
        body[strlen(body) / 2] = 0; /* a JSON text cut in the middle, sent whole */
        return reply(c, 200, body, 0);
    }
    if (fail && rl.kind == K_TRUNCATE) {
        struct trunc *t = malloc(sizeof *t);
        if (!t) {
            free(body);
            return MHD_NO;
        }
        t->body = body;
        t->len = strlen(body);
        t->cut = t->len / 2;
        struct MHD_Response *resp =
            MHD_create_response_from_callback(t->len, 4096, trunc_reader, t, trunc_free);
        if (!resp) {
            trunc_free(t);
            return MHD_NO;
        }
        MHD_add_response_header(resp, "Content-Type", "application/ld+json");
        enum MHD_Result ok = MHD_queue_response(c, 200, resp);
        MHD_destroy_response(resp);
        return ok;
    }
    /* conditional GET */
    char et[40];
    snprintf(et, sizeof et, "\"%016llx\"", (unsigned long long)fnv64(body, 1469598103934665603ULL));
    const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
    if (inm && strcmp(inm, et) == 0) {
        free(body);
        pthread_mutex_lock(&mu);
        total_304++;
        pthread_mutex_unlock(&mu);
        struct MHD_Response *resp =
            MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        if (!resp)
            return MHD_NO;
        MHD_add_response_header(resp, "ETag", et);
        enum MHD_Result ok = MHD_queue_response(c, 304, resp);
        MHD_destroy_response(resp);
        return ok;
    }
    return reply(c, 200, body, 1);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    struct conn *cn = *con_cls;
    if (cn) {
        ep_buf_free(&cn->upload);
        free(cn);
        *con_cls = NULL;
    }
}

static void progress_cb(void *ctx, const char *p, int i, int n)
{
    (void)ctx;
    (void)p;
    (void)i;
    (void)n;
}

int main(int argc, char **argv)
{
    struct srv s = {.name = "srv_epapi"};
    const char *store_path = NULL;
    const char *rosters_path = EP_SOURCE_TESTDATA "/rosters/committee_memberships.csv";
    for (int i = 1; i < argc; i++) {
        if (srv_arg(&s, argc, argv, &i))
            continue;
        if (strcmp(argv[i], "--store") == 0 && i + 1 < argc)
            store_path = argv[++i];
        else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
            default_seed = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--rosters") == 0 && i + 1 < argc)
            rosters_path = argv[++i];
        else {
            fprintf(stderr, "usage: srv_epapi [--port-file PATH] [--port N] [--store PATH] [--seed "
                            "N] [--rosters PATH]\n");
            return 2;
        }
    }
    if (*rosters_path && load_rosters(rosters_path))
        return 1;
    srv_signals(&s); /* before any thread: main waits for the stop signals in srv_wait */

    char tmpdir[256] = "", dbpath[512];
    struct ep_store *store = NULL;
    struct ep_error err = {0};
    if (!store_path) {
        const char *t = getenv("TMPDIR");
        snprintf(tmpdir, sizeof tmpdir, "%s/srv-epapi-XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp(tmpdir)) {
            perror("srv_epapi: mkdtemp");
            return 1;
        }
        snprintf(dbpath, sizeof dbpath, "%s/fixtures.db", tmpdir);
        store_path = dbpath;
        if (ep_store_open(store_path, 0, &store, &err) ||
            ep_store_ensure_default(store, progress_cb, NULL, &err)) {
            fprintf(stderr, "srv_epapi: building the fixture store: %s\n", err.msg);
            return 1;
        }
        ep_store_close(store);
        store = NULL;
    }
    if (ep_store_open(store_path, EP_STORE_READONLY, &store, &err)) {
        fprintf(stderr, "srv_epapi: %s\n", err.msg);
        return 1;
    }
    db = ep_store_db(store);
    by_path = json_object();
    last_headers = json_object();

    if (srv_start(&s, handler, on_completed, 30))
        return 1;
    fprintf(stderr, "srv_epapi: listening on http://127.0.0.1:%d/ (constructed data)\n", s.port);
    srv_wait(&s);
    ep_store_close(store);
    json_decref(by_path);
    json_decref(last_headers);
    ctrs_clear();
    free(rosters);
    if (tmpdir[0]) {
        char p[1024];
        const char *const suffix[] = {"", "-wal", "-shm"};
        for (int k = 0; k < 3; k++) {
            snprintf(p, sizeof p, "%s%s", dbpath, suffix[k]);
            unlink(p);
        }
        rmdir(tmpdir);
    }
    return 0;
}
