/* EP Open Data API adapters and sync against the local test server (tests/srv_epapi.c):
 * URI stripping and the adapters (decisions, MEPs, questions, procedures and events,
 * documents, speeches, with malformed records); a sync with 30% transient failures gives the
 * same store as a fault-free sync; a sync killed with SIGKILL mid-way (in the votes stage, and
 * in the procedure events) and rerun gives the same store too; the synced questions and
 * documents reach get_parliamentary_questions and search_documents; the DOCEO roll-call XML is
 * fetched per sitting and preferred; API/XML disagreements are reported and the sync goes on.
 * The window is Jan-Apr 2024 (the sittings with per-MEP positions).
 *
 * Expected counts were computed with the sqlite3 CLI over a store filled from fixtures/ (the
 * data srv_epapi constructs its answers from), e.g. procedures =
 * SELECT count(DISTINCT procedure_reference) FROM vote WHERE pos_unit_id IS NOT NULL (85);
 * see the comments at each figure. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ep_env.h"
#include "ep_epapi.h"
#include "ep_fetch.h"
#include "ep_posblob.h"
#include "ep_query_topics.h"
#include "ep_store.h"
#include "ep_testutil.h"
#include "ep_tools.h"
#include "ep_tools_basic.h"
#include "ep_tools_common.h"
#include "ep_tools_toolkit.h"
#include "ep_tools_topics.h"
#include "ep_util.h"

EP_TEST_TOOLS

static pid_t srv_pid = -1;
static char base[128];
static char *tmp;

static int start_server(void)
{
    int port = 0;
    srv_pid = ep_test_start_server("srv_epapi", tmp, &port);
    if (srv_pid < 0)
        return -1;
    snprintf(base, sizeof base, "http://127.0.0.1:%d/", port);
    return 0;
}

static int group_setup(void **state)
{
    (void)state;
    tmp = ep_test_tmpdir();
    return tmp ? start_server() : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    ep_test_stop_server(srv_pid);
    ep_test_system("rm -rf '%s'", tmp);
    free(tmp);
    return 0;
}

/* POST a fault rule with a one-shot fetch pipeline (no cache). */
static void faults(const char *json)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "curl -s -o /dev/null -X POST -d '%s' '%s__faults'", json, base);
    assert_int_equal(ep_test_system("%s", cmd), 0);
}

static int sync_with(const char *name, const struct ep_sync_opts *so, int fill_default,
                     struct ep_sync_summary *sum, struct ep_fetch_totals *tot, struct ep_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", tmp, name);
    struct ep_store *s = NULL;
    int rc = ep_store_open(path, 0, &s, err);
    if (rc)
        return rc;
    if (fill_default && (rc = ep_store_ensure_default(s, NULL, NULL, err))) {
        ep_store_close(s);
        return rc;
    }
    /* the fetch cache on a connection of its own, as the CLI does: MEP details are then
     * fetched on a second thread while the previous batch is stored */
    sqlite3 *cache_db = NULL;
    if ((rc = ep_store_open_side(s, &cache_db, err))) {
        ep_store_close(s);
        return rc;
    }
    struct ep_fetch_opts fo = {.base_url = base,
                               .db = cache_db,
                               .backoff_base = 0.002,
                               .breaker_threshold = 1000,
                               .bucket_capacity = 1000000, /* no 500/5 min limit locally */
                               .seed = 3};
    struct ep_fetch *f = NULL;
    rc = ep_fetch_new(&fo, &f, err);
    if (!rc) {
        rc = ep_epapi_sync(s, f, so, sum, err);
        if (tot)
            ep_fetch_totals(f, tot);
    }
    ep_fetch_free(f);
    sqlite3_close(cache_db);
    ep_store_close(s);
    return rc;
}

static int sync_into(const char *name, struct ep_sync_summary *sum, struct ep_fetch_totals *tot,
                     struct ep_error *err)
{
    struct ep_sync_opts so = {
        .since = "2024-01-01", .until = "2024-04-30", .parallel = 8, .page_size = 50};
    return sync_with(name, &so, 0, sum, tot, err);
}

/* Every modelled row of the store as text, in key order (unit ids left out). */
static char *dump(const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", tmp, name);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(ep_posblob_register(db), SQLITE_OK);
    static const char *const q[] = {
        "SELECT id, first_name, last_name, country_code, date_of_birth, email FROM member"
        " ORDER BY id",
        "SELECT member_id, group_code, term, start_date, end_date FROM membership"
        " ORDER BY 1, 4, 2",
        "SELECT code, label, abbreviation FROM committee ORDER BY code",
        "SELECT member_id, org_id, committee_code, role, classification, start_date, end_date"
        " FROM committee_membership ORDER BY 1, 2, 4, 6",
        "SELECT code, official_label, label, short_label FROM grp ORDER BY code",
        "SELECT date, ep_id, reference, term FROM sitting ORDER BY date",
        "SELECT id, timestamp, sitting_date, title, reference, procedure_reference, result,"
        " is_main, count_for, count_against, count_abstention, dlv_id,"
        " pos_unit_id IS NOT NULL FROM vote ORDER BY id",
        "SELECT vote_id, member_id, pos, group_code FROM position ORDER BY 1, 2",
        "SELECT id, date, title, author_id, addressee, answer_date, answer_id, question_type"
        " FROM question ORDER BY id",
        "SELECT question_id, member_id FROM question_author ORDER BY 1, 2",
        "SELECT id, reference, type, title, stage FROM procedure ORDER BY id",
        "SELECT procedure_id, id, date, type, title, document FROM procedure_event ORDER BY 1, 2",
        "SELECT id, kind, work_type, title, date, reference, procedure_reference FROM document"
        " ORDER BY id",
        "SELECT id, date, member_id, title, language FROM speech ORDER BY id",
        "SELECT s.kind, s.ref, s.title, s.body, s.extra FROM search s WHERE s.kind <> 'vote'"
        " ORDER BY s.kind, s.ref",
    };
    struct ep_buf b;
    ep_buf_init(&b, 0);
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
        sqlite3_stmt *st = NULL;
        assert_int_equal(sqlite3_prepare_v2(db, q[i], -1, &st, NULL), SQLITE_OK);
        while (sqlite3_step(st) == SQLITE_ROW) {
            for (int c = 0; c < sqlite3_column_count(st); c++) {
                const unsigned char *t = sqlite3_column_text(st, c);
                ep_buf_printf(&b, "%s|", t ? (const char *)t : "NULL");
            }
            ep_buf_putc(&b, '\n');
        }
        sqlite3_finalize(st);
        ep_buf_printf(&b, "--\n");
    }
    sqlite3_close(db);
    return ep_buf_steal(&b);
}

static long count(const char *name, const char *sql)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", tmp, name);
    sqlite3 *db = NULL;
    sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
    ep_posblob_register(db);
    sqlite3_stmt *st = NULL;
    long n = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

/* ---- adapters ------------------------------------------------------------------------------ */

struct tally {
    long votes, pos[4], members, memberships, cms, warnings;
    char last_group[16], last_result[16], last_cm[160];
};
static int t_cm(void *c, const struct ep_committee_membership *m, struct ep_error *e)
{
    (void)e;
    struct tally *t = c;
    t->cms++;
    snprintf(t->last_cm, sizeof t->last_cm, "%lld|%s|%s|%s|%s|%s", (long long)m->member_id,
             m->committee, m->role, m->classification, m->start_date,
             m->end_date ? m->end_date : "-");
    return 0;
}
static void t_warn(void *c, const char *unit, long line, const char *msg)
{
    (void)unit;
    (void)line;
    if (strstr(msg, "committee membership without organization or start date skipped"))
        ((struct tally *)c)->warnings++; /* (org/Verts/ALE also warns: its label is lost) */
}
static int t_vote(void *c, const struct ep_vote *v, struct ep_error *e)
{
    (void)e;
    struct tally *t = c;
    t->votes++;
    snprintf(t->last_result, sizeof t->last_result, "%s", v->result ? v->result : "");
    return 0;
}
static int t_pos(void *c, const struct ep_position *p, struct ep_error *e)
{
    (void)e;
    ((struct tally *)c)->pos[p->pos]++;
    return 0;
}
static int t_member(void *c, const struct ep_member *m, struct ep_error *e)
{
    (void)e;
    (void)m;
    ((struct tally *)c)->members++;
    return 0;
}
static int t_ms(void *c, const struct ep_membership *m, struct ep_error *e)
{
    (void)e;
    struct tally *t = c;
    t->memberships++;
    snprintf(t->last_group, sizeof t->last_group, "%s", m->group_code);
    return 0;
}

static void test_adapters(void **state)
{
    (void)state;
    assert_string_equal(ep_epapi_strip("person/1294"), "1294");
    assert_string_equal(ep_epapi_strip("org/ep-10"), "ep-10");
    assert_string_equal(ep_epapi_strip("def/ep-roles/CHAIR"), "CHAIR");
    assert_string_equal(
        ep_epapi_strip("http://publications.europa.eu/resource/authority/decision-outcome/ADOPTED"),
        "ADOPTED");
    assert_string_equal(ep_epapi_strip("ECON"), "ECON");
    assert_null(ep_epapi_strip(NULL));

    json_t *page = json_loads(
        "{\"data\":[{\"notation_votingId\":\"7\",\"activity_date\":\"2024-01-16\","
        "\"activity_start_date\":\"2024-01-16T12:01:02\",\"activity_label\":{\"fr\":\"x\","
        "\"en\":\"Title\"},\"had_decision_outcome\":\"http://publications.europa.eu/resource/"
        "authority/decision-outcome/REJECTED\",\"number_of_votes_favor\":2,"
        "\"had_voter_favor\":[\"person/1\",\"person/2\"],\"had_voter_against\":[\"person/3\"],"
        "\"had_voter_abstention\":[]},{\"notation_votingId\":\"8\",\"activity_date\":"
        "\"2024-01-16\",\"number_of_votes_favor\":300}]}",
        0, NULL);
    struct tally t = {0};
    struct ep_sink sink = {.ctx = &t, .vote = t_vote, .position = t_pos};
    assert_int_equal(ep_epapi_decisions(page, &sink, NULL), 0);
    assert_int_equal(t.votes, 2); /* the second: counts only, no positions */
    assert_int_equal(t.pos[1], 2);
    assert_int_equal(t.pos[2], 1);
    assert_int_equal(t.pos[3], 0);
    json_decref(page);

    page = json_loads(
        "{\"data\":[{\"id\":\"person/5\",\"identifier\":\"5\",\"givenName\":\"A\","
        "\"familyName\":\"B\",\"hasMembership\":[{\"organization\":\"org/Verts/ALE\","
        "\"membershipClassification\":\"def/ep-entities/EU_POLITICAL_GROUP\","
        "\"memberDuring\":{\"startDate\":\"2019-07-02\"}},{\"organization\":\"org/PPE\","
        "\"membershipClassification\":\"def/ep-entities/EU_POLITICAL_GROUP\","
        "\"memberDuring\":{\"startDate\":\"2020-01-01\",\"endDate\":\"2021-01-01\"}},"
        "{\"organization\":\"org/ECON\",\"role\":\"def/ep-roles/CHAIR\","
        "\"membershipClassification\":\"def/ep-entities/COMMITTEE_PARLIAMENTARY_STANDING\"},"
        "{\"organization\":\"org/4057\",\"role\":\"def/ep-roles/VICE_CHAIR\","
        "\"membershipClassification\":\"def/ep-entities/COMMITTEE_PARLIAMENTARY_SPECIAL\","
        "\"memberDuring\":{\"startDate\":\"2022-01-19T00:00:00\",\"endDate\":\"2023-12-31\"}},"
        "{\"organization\":\"org/DUS\",\"role\":\"def/ep-roles/MEMBER\","
        "\"membershipClassification\":\"def/ep-entities/EU_DELEGATION\","
        "\"memberDuring\":{\"startDate\":\"2019-07-02\"}}]}]}",
        0, NULL);
    memset(&t, 0, sizeof t);
    sink = (struct ep_sink){.ctx = &t,
                            .member = t_member,
                            .membership = t_ms,
                            .committee_membership = t_cm,
                            .warn = t_warn};
    long other = 0;
    assert_int_equal(ep_epapi_mep_detail(page, &sink, &other, NULL), 0);
    assert_int_equal(t.members, 1);
    assert_int_equal(t.memberships, 2);
    assert_string_equal(t.last_group, "EPP"); /* PPE -> EPP */
    /* the ECON membership without dates is skipped with a warning; 4057 is kept with its
     * prefixes stripped; the delegation is an "other" membership */
    assert_int_equal(t.cms, 1);
    assert_int_equal(t.warnings, 1);
    assert_string_equal(t.last_cm, "5|4057|VICE_CHAIR|COMMITTEE_PARLIAMENTARY_SPECIAL|2022-01-19|"
                                   "2023-12-31");
    assert_int_equal(other, 1);
    json_decref(page);
}

/* ---- adapters beyond the vote model --------------------------------------------------------- */

struct dtally {
    long questions, procedures, events, documents, speeches, warnings;
    char last[512];
    int64_t authors[8];
    size_t nauthors;
};
static int d_question(void *c, const struct ep_question *q, struct ep_error *e)
{
    (void)e;
    struct dtally *t = c;
    t->questions++;
    snprintf(t->last, sizeof t->last, "%s|%s|%s|%s|%s|%s|%s", q->id, q->type ? q->type : "NULL",
             q->date ? q->date : "NULL", q->title ? q->title : "NULL",
             q->addressee ? q->addressee : "NULL", q->answer_id ? q->answer_id : "NULL",
             q->answer_date ? q->answer_date : "NULL");
    t->nauthors = q->nauthors < 8 ? q->nauthors : 8;
    memcpy(t->authors, q->authors, t->nauthors * sizeof *q->authors);
    return 0;
}
static int d_procedure(void *c, const struct ep_procedure *p, struct ep_error *e)
{
    (void)e;
    struct dtally *t = c;
    t->procedures++;
    snprintf(t->last, sizeof t->last, "%s|%s|%s|%s|%s", p->id, p->reference, p->type, p->title,
             p->stage ? p->stage : "NULL");
    return 0;
}
static int d_event(void *c, const struct ep_procedure_event *v, struct ep_error *e)
{
    (void)e;
    struct dtally *t = c;
    t->events++;
    snprintf(t->last, sizeof t->last, "%s|%s|%s|%s|%s|%s", v->procedure_id, v->id,
             v->date ? v->date : "NULL", v->type, v->title, v->document ? v->document : "NULL");
    return 0;
}
static int d_document(void *c, const struct ep_document *d, struct ep_error *e)
{
    (void)e;
    struct dtally *t = c;
    t->documents++;
    snprintf(t->last, sizeof t->last, "%s|%s|%s|%s|%s|%s", d->id, d->kind, d->work_type,
             d->title ? d->title : "NULL", d->date ? d->date : "NULL",
             d->reference ? d->reference : "NULL");
    return 0;
}
static int d_speech(void *c, const struct ep_speech *sp, struct ep_error *e)
{
    (void)e;
    struct dtally *t = c;
    t->speeches++;
    snprintf(t->last, sizeof t->last, "%s|%s|%lld|%s|%s", sp->id, sp->date ? sp->date : "NULL",
             (long long)sp->member_id, sp->title ? sp->title : "NULL",
             sp->language ? sp->language : "NULL");
    return 0;
}
static void d_warn(void *c, const char *msg)
{
    struct dtally *t = c;
    t->warnings++;
    print_message("adapter warning: %s\n", msg);
}

static json_t *load(const char *text)
{
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    if (!j)
        fail_msg("bad test JSON: %s", je.text);
    return j;
}

static void test_adapters_documents(void **state)
{
    (void)state;
    struct dtally t = {0};
    struct ep_epapi_sink sink = {.ctx = &t,
                                 .question = d_question,
                                 .procedure = d_procedure,
                                 .event = d_event,
                                 .document = d_document,
                                 .speech = d_speech,
                                 .warn = d_warn};
    /* a question: two authors (AUTHOR participation + creator), the addressee, two answers
     * (the earliest date wins, the first listed is the id); then three malformed records: not
     * an object, no identifier, a date that is not one */
    json_t *page = load(
        "{\"data\":[{\"id\":\"eli/dl/doc/E-9-2024-000007\",\"work_type\":\"def/ep-document-types/"
        "QUESTION_WRITTEN\",\"document_date\":\"2024-02-01\",\"title_dcterms\":{\"fr\":\"Q fr\","
        "\"en\":\"Q en\"},\"workHadParticipation\":[{\"had_participant_person\":\"person/840\","
        "\"participation_role\":\"def/ep-roles/AUTHOR\"},{\"had_participant_organization\":"
        "\"org/COM\",\"participation_role\":\"def/ep-roles/ADDRESSEE\"}],\"creator\":["
        "\"person/840\",\"person/97058\"],\"inverse_answers_to\":[{\"identifier\":\"A-1\","
        "\"document_date\":\"2024-03-09\"},{\"identifier\":\"A-2\",\"document_date\":"
        "\"2024-03-01\"}]},"
        "42,{\"title_dcterms\":{\"en\":\"no id\"}},"
        "{\"identifier\":\"E-9-2024-000008\",\"document_date\":\"yesterday\",\"creator\":"
        "[\"person/1\"]}]}");
    assert_int_equal(ep_epapi_questions(page, &sink, NULL), 0);
    assert_int_equal(t.questions, 2);
    assert_int_equal(t.warnings, 3); /* not an object, no identifier, not a date */
    assert_string_equal(t.last, "E-9-2024-000008|NULL|NULL|NULL|NULL|NULL|NULL");
    json_decref(page);
    /* the first record again, alone, to see all its fields */
    page = load("{\"data\":[{\"id\":\"eli/dl/doc/E-9-2024-000007\",\"work_type\":\"def/x/"
                "QUESTION_WRITTEN\",\"document_date\":\"2024-02-01\",\"title_dcterms\":{\"en\":"
                "\"Q en\"},\"workHadParticipation\":[{\"had_participant_person\":\"person/840\","
                "\"participation_role\":\"def/ep-roles/AUTHOR\"},{\"had_participant_organization\":"
                "\"org/COM\",\"participation_role\":\"def/ep-roles/ADDRESSEE\"}],\"creator\":["
                "\"person/840\",\"person/97058\"],\"inverse_answers_to\":[{\"identifier\":"
                "\"A-1\",\"document_date\":\"2024-03-09\"},{\"identifier\":\"A-2\","
                "\"document_date\":\"2024-03-01\"}]}]}");
    memset(&t, 0, sizeof t);
    assert_int_equal(ep_epapi_questions(page, &sink, NULL), 0);
    assert_string_equal(t.last,
                        "E-9-2024-000007|QUESTION_WRITTEN|2024-02-01|Q en|COM|A-1|2024-03-01");
    assert_int_equal(t.nauthors, 2);
    assert_int_equal(t.authors[0], 840);
    assert_int_equal(t.authors[1], 97058);
    assert_int_equal(t.warnings, 0);
    json_decref(page);

    /* no "data" array: an error naming the endpoint, nothing emitted */
    page = load("{\"error\":\"upstream failure\"}");
    struct ep_error err = {0};
    memset(&t, 0, sizeof t);
    assert_int_equal(ep_epapi_questions(page, &sink, &err), EP_EPARSE);
    assert_non_null(strstr(err.msg, "parliamentary-questions"));
    assert_int_equal(t.questions, 0);
    json_decref(page);

    page = load("{\"data\":[{\"id\":\"eli/dl/proc/2022-0099-COD\",\"process_id\":"
                "\"2022-0099-COD\",\"label\":\"2022/0099(COD)\",\"process_type\":"
                "\"def/ep-procedure-types/COD\",\"process_title\":{\"en\":\"F-gases\"}}]}");
    memset(&t, 0, sizeof t);
    assert_int_equal(ep_epapi_procedures(page, &sink, NULL), 0);
    assert_string_equal(t.last, "2022-0099-COD|2022/0099(COD)|COD|F-gases|NULL");
    json_decref(page);

    page = load("{\"data\":[{\"activity_id\":\"VOTE-1\",\"activity_date\":\"2024-01-16\","
                "\"had_activity_type\":\"def/ep-activities/PLENARY_VOTE\",\"activity_label\":"
                "{\"en\":\"Vote\"},\"based_on_a_realization_of\":\"eli/dl/doc/A9-0050-2023\"}]}");
    memset(&t, 0, sizeof t);
    assert_int_equal(ep_epapi_procedure_events(page, "2022-0099-COD", &sink, NULL), 0);
    assert_string_equal(t.last, "2022-0099-COD|VOTE-1|2024-01-16|PLENARY_VOTE|Vote|A9-0050-2023");
    json_decref(page);

    /* an adopted text indexed with empty content upstream: kept, with a warning */
    page = load("{\"data\":[{\"identifier\":\"TA-9-2024-0001\",\"label\":\"P9_TA(2024)0001\","
                "\"work_type\":\"def/ep-document-types/TEXT_ADOPTED\",\"document_date\":"
                "\"2024-01-16\",\"title_dcterms\":{}}]}");
    memset(&t, 0, sizeof t);
    assert_int_equal(ep_epapi_documents(page, "adopted_text", &sink, NULL), 0);
    assert_string_equal(t.last,
                        "TA-9-2024-0001|adopted_text|TEXT_ADOPTED|NULL|2024-01-16|P9_TA(2024)0001");
    assert_int_equal(t.warnings, 1);
    assert_int_equal(ep_epapi_documents(page, "memo", &sink, NULL), EP_EINVAL);
    json_decref(page);

    page = load("{\"data\":[{\"activity_id\":\"S-1\",\"activity_date\":\"2024-01-16\","
                "\"had_participant_person\":[\"person/840\"],\"activity_label\":{\"en\":\"T\"},"
                "\"language\":\"def/languages/EN\"},{\"activity_id\":\"S-2\","
                "\"had_participant_person\":7}]}");
    memset(&t, 0, sizeof t);
    assert_int_equal(ep_epapi_speeches(page, &sink, NULL), 0);
    assert_int_equal(t.speeches, 2);
    assert_string_equal(t.last, "S-2|NULL|-1|NULL|NULL"); /* wrong type: no speaker */
    assert_int_equal(t.warnings, 1);
    json_decref(page);

    unsigned only = 0;
    assert_int_equal(ep_epapi_sync_parse_only("questions,procedures,documents,adopted-texts,"
                                              "speeches,votes",
                                              &only, NULL),
                     0);
    assert_int_equal(only, EP_SYNC_QUESTIONS | EP_SYNC_PROCEDURES | EP_SYNC_DOCUMENTS |
                               EP_SYNC_ADOPTED | EP_SYNC_SPEECHES | EP_SYNC_VOTES);
    assert_int_equal(ep_epapi_sync_parse_only("questions,frobs", &only, &err), EP_EINVAL);
    assert_non_null(strstr(err.msg, "frobs"));
}

static void test_endpoint_table(void **state)
{
    (void)state;
    json_error_t je;
    json_t *spec = json_load_file(ep_test_real("ep-open-data-api/ep-openapi-spec.json"), 0, &je);
    if (!spec)
        fail_msg("spec: %s", je.text);
    json_t *paths = json_object_get(spec, "paths");
    size_t n = 0;
    const struct ep_epapi_endpoint *t = ep_epapi_endpoints(&n);
    assert_int_equal(n, 55);
    assert_int_equal(json_object_size(paths), 55);
    const char *k;
    json_t *v;
    json_object_foreach(paths, k, v)
    {
        const struct ep_epapi_endpoint *e = ep_epapi_endpoint_find(k);
        if (!e)
            fail_msg("spec path %s missing from the endpoint table", k);
        assert_non_null(json_object_get(v, "get"));
    }
    for (size_t i = 0; i < n; i++) {
        assert_true(strncmp(t[i].tool, "get_", 4) == 0);
        size_t l = strlen(t[i].tool);
        assert_int_equal(t[i].feed, l > 5 && strcmp(t[i].tool + l - 5, "_feed") == 0);
        assert_ptr_equal(ep_epapi_endpoint_find(t[i].tool), &t[i]); /* unique names */
        assert_true(t[i].ttl_s > 0);
    }
    json_decref(spec);
    const struct ep_epapi_endpoint *e = ep_epapi_endpoint_find("get_meeting_decisions");
    assert_non_null(e);
    assert_string_equal(e->path, "meetings/{sitting-id}/decisions");
    assert_non_null(strstr(e->params, "filter-output"));
    char out[128];
    const char *vals[] = {"MTG-PL-2024-01-16"};
    assert_int_equal(ep_epapi_endpoint_path(e, vals, 1, out, sizeof out, NULL), 0);
    assert_string_equal(out, "meetings/MTG-PL-2024-01-16/decisions");
    const char *bad[] = {"../admin"};
    assert_int_equal(ep_epapi_endpoint_path(e, bad, 1, out, sizeof out, NULL), EP_EINVAL);
    assert_int_equal(ep_epapi_endpoint_path(e, vals, 0, out, sizeof out, NULL), EP_EINVAL);
    assert_int_equal(ep_epapi_endpoint_path(e, vals, 1, out, 8, NULL), EP_ELIMIT);
    e = ep_epapi_endpoint_find("get_procedure_event");
    const char *two[] = {"2023-0084", "EVT-1"};
    assert_int_equal(ep_epapi_endpoint_path(e, two, 2, out, sizeof out, NULL), 0);
    assert_string_equal(out, "procedures/2023-0084/events/EVT-1");
}

/* ---- sync ---------------------------------------------------------------------------------- */

static char *clean_dump;

/* The committee memberships srv_epapi served from the constructed roster file, checked against
 * a second parse of that file: every COMMITTEE_* row with a start date is stored once, under its
 * organization (a committee code of the store, or the raw id 4711 the store does not know), with
 * its role, classification and dates; the row without a start date is not stored; the
 * EU_DELEGATION row is an "other membership". */
static void check_rosters(const char *db, const struct ep_sync_summary *sum)
{
    FILE *f = fopen(ep_test_data("rosters/committee_memberships.csv"), "r");
    assert_non_null(f);
    char line[512], sql[1024];
    long want = 0, unknown = 0, nostart = 0, ln = 0;
    while (fgets(line, sizeof line, f)) {
        if (ln++ == 0)
            continue;
        line[strcspn(line, "\r\n")] = 0;
        /* start and end may be empty: split by hand */
        char e[1] = "", *fld[6] = {e, e, e, e, e, e}, *p = line;
        int nf = 0;
        while (p && nf < 6) {
            fld[nf++] = p;
            p = strchr(p, ',');
            if (p)
                *p++ = 0;
        }
        assert_int_equal(nf, 6);
        const char *m = fld[0], *org = fld[1], *role = fld[2], *cls = fld[3], *sd = fld[4],
                   *ed = fld[5];
        if (strncmp(cls, "COMMITTEE_", 10) != 0)
            continue;
        if (!sd[0]) {
            nostart++;
            snprintf(sql, sizeof sql,
                     "SELECT count(*) FROM committee_membership WHERE member_id = %s AND org_id ="
                     " '%s'",
                     m, org);
            assert_int_equal(count(db, sql), 0);
            continue;
        }
        want++;
        snprintf(sql, sizeof sql, "SELECT count(*) FROM committee WHERE code = '%s'", org);
        int known = count(db, sql) == 1;
        unknown += !known;
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM committee_membership WHERE member_id = %s AND org_id = '%s'"
                 " AND committee_code = '%s' AND role = '%s' AND classification = '%s' AND"
                 " start_date = '%s' AND end_date IS %s%s%s",
                 m, org, org, role, cls, sd, ed[0] ? "'" : "", ed[0] ? ed : "NULL",
                 ed[0] ? "'" : "");
        if (count(db, sql) != 1)
            fail_msg("roster row %ld not stored as given: %s", ln, sql);
    }
    fclose(f);
    assert_int_equal(want, 53);
    assert_int_equal(unknown, 2);
    assert_int_equal(nostart, 1);
    assert_int_equal(count(db, "SELECT count(*) FROM committee_membership"), want);
    assert_int_equal(sum->committee_memberships, want);
    assert_int_equal(sum->committee_unknown, unknown);
    assert_true(sum->other_memberships >= 1);
}

static void test_sync_fault_free(void **state)
{
    (void)state;
    faults("{\"clear\":true}");
    struct ep_sync_summary sum = {0};
    struct ep_error err = {0};
    struct ep_fetch_totals tot = {0};
    int rc = sync_into("clean.db", &sum, &tot, &err);
    if (rc)
        fail_msg("sync: %s", err.msg);
    print_message("clean sync: %.2f s, %ld pages, %ld requests\n", sum.seconds, sum.pages,
                  tot.requests);
    assert_int_equal(tot.retries, 0);
    /* the 266 roll-call votes of Jan-Apr 2024 with all their cast positions */
    assert_int_equal(count("clean.db", "SELECT count(*) FROM vote WHERE pos_unit_id IS NOT NULL"),
                     266);
    assert_int_equal(count("clean.db", "SELECT count(*) FROM position"), 154619);
    assert_int_equal(count("clean.db", "SELECT count(*) FROM member"), 1268);
    assert_true(count("clean.db", "SELECT count(*) FROM vote") > 266); /* counts-only too */
    assert_true(count("clean.db", "SELECT count(*) FROM committee") > 20);
    /* the datasets beyond votes (srv_epapi constructs them from the 266 votes with positions;
     * figures by the sqlite3 CLI over the fixture store):
     *   procedures: count(DISTINCT procedure_reference) of those votes = 85, one question each;
     *   events: every vote of those procedures = 418; documents: count(DISTINCT reference) =
     *   86; adopted texts: is_main = 1 AND result = 'ADOPTED' = 82; speeches: is_main = 1 =
     *   83. Questions n = 1..85: the (1 + n % 40)-th FOR voter of the procedure's first vote,
     *   plus the first AGAINST voter when n % 3 = 0 (28 questions); n = 78 (2024/2548(RSP),
     *   vote 164396) has only 23 FOR voters, so the co-author (840) is its only author: 85 + 27
     *   authors. Unanswered when n % 3 = 2 (28). */
    assert_int_equal(sum.questions, 85);
    assert_int_equal(count("clean.db", "SELECT count(*) FROM question"), 85);
    assert_int_equal(count("clean.db", "SELECT count(*) FROM question_author"), 85 + 27);
    assert_int_equal(count("clean.db", "SELECT count(*) FROM question WHERE answer_id IS NULL"),
                     28);
    assert_int_equal(count("clean.db", "SELECT count(*) FROM procedure"), 85);
    assert_int_equal(count("clean.db", "SELECT count(*) FROM procedure_event"), 418);
    assert_int_equal(count("clean.db", "SELECT count(*) FROM document WHERE kind = 'document'"),
                     86);
    assert_int_equal(count("clean.db", "SELECT count(*) FROM document WHERE kind = 'adopted_text'"),
                     82);
    assert_int_equal(count("clean.db", "SELECT count(*) FROM speech"), 83);
    assert_int_equal(count("clean.db", "SELECT count(*) FROM search WHERE kind <> 'vote'"),
                     86 + 82);
    /* provenance: every row names the API page it came from */
    assert_int_equal(count("clean.db",
                           "SELECT count(*) FROM procedure_event e JOIN unit u ON u.id = e.unit_id"
                           " WHERE u.kind = 'epapi-procedure-events' AND u.path LIKE"
                           " 'epapi:procedures/' || e.procedure_id || '/events?%'"),
                     418);
    check_rosters("clean.db", &sum);
    clean_dump = dump("clean.db");

    /* a rerun changes nothing */
    rc = sync_into("clean.db", &sum, NULL, &err);
    assert_int_equal(rc, 0);
    assert_int_equal(sum.units_new, 0);
    char *again = dump("clean.db");
    assert_string_equal(again, clean_dump);
    free(again);
}

static void test_sync_with_30pct_faults(void **state)
{
    (void)state;
    assert_non_null(clean_dump);
    faults("{\"clear\":true}");
    faults("{\"route\":\"meps\",\"status\":503,\"fail_rate\":0.3,\"max_failures_per_url\":3,"
           "\"seed\":11}");
    faults("{\"route\":\"meetings\",\"reset\":true,\"fail_rate\":0.3,\"max_failures_per_url\":3,"
           "\"seed\":12}");
    faults("{\"route\":\"meetings/MTG-PL-2024-01-17\",\"truncate\":true,\"fail_rate\":0.3,"
           "\"max_failures_per_url\":3,\"seed\":13}");
    faults("{\"route\":\"corporate-bodies\",\"status\":429,\"retry_after\":0,\"fail_rate\":0.3,"
           "\"max_failures_per_url\":3,\"seed\":14}");
    faults("{\"route\":\"parliamentary-questions\",\"status\":502,\"fail_rate\":0.3,"
           "\"max_failures_per_url\":3,\"seed\":15}");
    faults("{\"route\":\"procedures\",\"reset\":true,\"fail_rate\":0.3,"
           "\"max_failures_per_url\":3,\"seed\":16}");
    faults("{\"route\":\"documents\",\"truncate\":true,\"fail_rate\":0.3,"
           "\"max_failures_per_url\":3,\"seed\":17}");
    faults("{\"route\":\"adopted-texts\",\"status\":504,\"fail_rate\":0.3,"
           "\"max_failures_per_url\":3,\"seed\":18}");
    faults("{\"route\":\"speeches\",\"status\":503,\"fail_rate\":0.3,"
           "\"max_failures_per_url\":3,\"seed\":19}");
    struct ep_sync_summary sum = {0};
    struct ep_fetch_totals tot = {0};
    struct ep_error err = {0};
    int rc = sync_into("faulty.db", &sum, &tot, &err);
    faults("{\"clear\":true}");
    if (rc)
        fail_msg("sync with faults: %s", err.msg);
    print_message("sync with 30%% faults: %.2f s, %ld requests, %ld retries\n", sum.seconds,
                  tot.requests, tot.retries);
    assert_true(tot.retries > tot.requests / 5);
    char *d = dump("faulty.db");
    assert_true(strcmp(d, clean_dump) == 0);
    free(d);
}

/* Start sync_into(name) in a child and kill -9 it once the checkpoint meta key is set (the
 * stage has stored its first batch); then clear the faults. */
static void sync_killed_at(const char *name, const char *key)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", tmp, name);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct ep_sync_summary sum = {0};
        struct ep_error err = {0};
        _exit(sync_into(name, &sum, NULL, &err) ? 1 : 0);
    }
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT value FROM meta WHERE key = '%s'", key);
    int killed = 0;
    for (int i = 0; i < 12000 && !killed; i++) {
        usleep(10000);
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid)
            fail_msg("the sync finished before it could be killed");
        sqlite3 *db = NULL;
        if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
            sqlite3_stmt *q = NULL;
            if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK &&
                sqlite3_step(q) == SQLITE_ROW && sqlite3_column_bytes(q, 0) > 0) {
                kill(pid, SIGKILL);
                killed = 1;
            }
            sqlite3_finalize(q);
        }
        sqlite3_close(db);
    }
    assert_true(killed);
    int st;
    waitpid(pid, &st, 0);
    assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    faults("{\"clear\":true}");
}

static void test_sync_killed_then_resumed(void **state)
{
    (void)state;
    assert_non_null(clean_dump);
    faults("{\"clear\":true}");
    faults("{\"route\":\"meetings\",\"latency_ms\":20,\"fail_rate\":0}");
    /* kill -9 once the votes stage has checkpointed its first batch of sittings */
    sync_killed_at("killed.db", "epapi.sync.votes.through");
    long before = count("killed.db", "SELECT count(*) FROM position");
    assert_true(before < 154619);

    struct ep_sync_summary sum = {0};
    struct ep_error err = {0};
    int rc = sync_into("killed.db", &sum, NULL, &err);
    if (rc)
        fail_msg("resumed sync: %s", err.msg);
    print_message("killed with %ld positions stored; resumed after %s\n", before,
                  sum.resumed_from[0] ? sum.resumed_from : "(start)");
    assert_true(sum.resumed_from[0] != 0);
    char *d = dump("killed.db");
    assert_true(strcmp(d, clean_dump) == 0);
    free(d);
}

/* The synced questions and documents through the tools (end to end: server -> sync -> store
 * -> tool). */
static void test_tools_on_synced_store(void **state)
{
    (void)state;
    assert_non_null(clean_dump);
    char path[4096];
    snprintf(path, sizeof path, "%s/clean.db", tmp);
    struct ep_store *st = NULL;
    struct ep_error err = {0};
    assert_int_equal(ep_store_open(path, 0, &st, &err), 0);
    size_t n;
    const struct ep_tool *rows = ep_tools_basic_rows(&n);
    assert_int_equal(ep_tools_register(Tools, rows, n, &err), 0);
    struct ep_tool_ctx ctx = {.store = st};
    json_t *res = NULL, *args = json_pack("{s:i}", "limit", 100);
    int rc = ep_tools_call(Tools, &ctx, "get_parliamentary_questions", args, &res, &err);
    json_decref(args);
    if (rc)
        fail_msg("get_parliamentary_questions: %s", err.msg);
    assert_int_equal(json_integer_value(json_object_get(res, "total")), 85);
    json_t *qs = json_object_get(res, "questions");
    assert_int_equal(json_array_size(qs), 85);
    size_t i, answered = 0;
    json_t *q;
    json_array_foreach(qs, i, q)
    {
        answered += json_is_true(json_object_get(q, "answered"));
    }
    assert_int_equal(answered, 85 - 28);
    json_decref(res);
    /* MEP 840 (sqlite3 over the fixture store, same construction as above): the first FOR
     * voter (1 + n % 40 = 1) of the first vote for n = 40 and 80; the first AGAINST voter,
     * hence co-author, for n = 78 (its only author, so author_id) and n = 81 (author_id is
     * another MEP: found through question_author). Four questions. */
    args = json_pack("{s:i}", "mep_id", 840);
    rc = ep_tools_call(Tools, &ctx, "get_parliamentary_questions", args, &res, &err);
    json_decref(args);
    if (rc)
        fail_msg("get_parliamentary_questions mep 840: %s", err.msg);
    assert_int_equal(json_integer_value(json_object_get(res, "total")), 4);
    json_decref(res);
    /* documents join the search index, with their dates */
    args = json_pack("{s:s,s:s}", "query", "ozone", "kind", "document");
    rc = ep_tools_call(Tools, &ctx, "search_documents", args, &res, &err);
    json_decref(args);
    if (rc)
        fail_msg("search_documents: %s", err.msg);
    assert_int_equal(json_integer_value(json_object_get(res, "total")), 1);
    json_t *hit = json_array_get(json_object_get(res, "hits"), 0);
    assert_string_equal(json_string_value(json_object_get(hit, "ref")), "A9-0050-2023");
    assert_string_equal(json_string_value(json_object_get(hit, "date")), "2024-01-16");
    assert_string_equal(json_string_value(json_object_get(hit, "title")),
                        "Ozone depleting substances");
    json_decref(res);
    args = json_pack("{s:s,s:s}", "query", "ozone", "kind", "adopted_text");
    rc = ep_tools_call(Tools, &ctx, "search_documents", args, &res, &err);
    json_decref(args);
    assert_int_equal(rc, 0);
    assert_int_equal(json_integer_value(json_object_get(res, "total")), 1); /* TA-9-2024-0001 */
    hit = json_array_get(json_object_get(res, "hits"), 0);
    assert_string_equal(json_string_value(json_object_get(hit, "ref")), "TA-9-2024-0001");
    json_decref(res);
    ep_tools_cleanup(Tools);
    ep_store_close(st);
}

/* kill -9 in the procedure events stage, then a rerun: the same store as a clean sync */
static void test_sync_killed_in_procedures(void **state)
{
    (void)state;
    assert_non_null(clean_dump);
    faults("{\"clear\":true}");
    faults("{\"route\":\"procedures\",\"latency_ms\":30,\"fail_rate\":0}");
    sync_killed_at("killed2.db", "epapi.sync.procedures.through");
    long before = count("killed2.db", "SELECT count(*) FROM procedure_event");
    print_message("killed with %ld procedure events stored\n", before);
    assert_true(before < 418);
    struct ep_sync_summary sum = {0};
    struct ep_error err = {0};
    int rc = sync_into("killed2.db", &sum, NULL, &err);
    if (rc)
        fail_msg("resumed sync: %s", err.msg);
    char *d = dump("killed2.db");
    assert_true(strcmp(d, clean_dump) == 0);
    free(d);
}

struct msgs {
    long n;
    char first[1024];
};
static void on_msg(void *ctx, const char *msg)
{
    struct msgs *m = ctx;
    if (!m->n++)
        snprintf(m->first, sizeof m->first, "%s", msg);
}

/* A sync with the DOCEO roll-call XML: each sitting's file is fetched before its decisions and
 * stored as the positions' source; the API's voters are compared with it (all agree).
 * 2024-01-18 has votes but no bundled XML: a 404, the API's positions are used. */
static void test_sync_doceo_xml(void **state)
{
    (void)state;
    faults("{\"clear\":true}");
    char url[160];
    snprintf(url, sizeof url, "%s", base);
    struct ep_fetch *doceo = NULL;
    struct ep_error err = {0};
    struct ep_fetch_opts xo = {.base_url = url, .backoff_base = 0.002, .seed = 5};
    assert_int_equal(ep_fetch_new(&xo, &doceo, &err), 0);
    struct msgs warn = {0}, dis = {0};
    struct ep_sync_opts so = {.only = EP_SYNC_VOTES,
                              .since = "2024-01-15",
                              .until = "2024-01-18",
                              .parallel = 4,
                              .page_size = 50,
                              .doceo = doceo,
                              .warn = on_msg,
                              .warn_ctx = &warn,
                              .disagreement = on_msg,
                              .disagreement_ctx = &dis};
    struct ep_sync_summary sum = {0};
    int rc = sync_with("xml.db", &so, 0, &sum, NULL, &err);
    if (rc)
        fail_msg("sync with XML: %s", err.msg);
    assert_int_equal(sum.xml_files, 3);
    assert_int_equal(sum.xml_missing, 1); /* 2024-01-18 */
    assert_int_equal(sum.disagreements, 0);
    assert_int_equal(warn.n, 0);
    /* the positions of 2024-01-15..17 come from the XML: 60,506 cast positions (sqlite3 over the
     * fixture store: position JOIN vote on those dates) */
    assert_int_equal(count("xml.db", "SELECT count(*) FROM position p JOIN vote v ON v.id ="
                                     " p.vote_id JOIN unit u ON u.id = v.pos_unit_id"
                                     " WHERE u.kind = 'rcv-xml'"),
                     60506);
    assert_int_equal(count("xml.db", "SELECT count(*) FROM vote v JOIN unit u ON"
                                     " u.id = v.pos_unit_id WHERE u.path LIKE"
                                     " '%xml.db.doceo/PV-9-2024-01-1_-RCV_EN.xml'"),
                     count("xml.db", "SELECT count(*) FROM vote WHERE pos_unit_id IS NOT NULL"
                                     " AND sitting_date <= '2024-01-17'"));
    /* a rerun: the saved files are reused, nothing changes */
    memset(&sum, 0, sizeof sum);
    rc = sync_with("xml.db", &so, 0, &sum, NULL, &err);
    assert_int_equal(rc, 0);
    assert_int_equal(sum.units_new, 0);
    assert_int_equal(sum.xml_files, 3);

    /* a malformed XML answer (cut in half): rejected with a warning naming the file, the
     * API's positions are used, the sync goes on */
    faults("{\"route\":\"doceo/document/PV-9-2024-01-16-RCV_EN.xml\",\"malformed\":true}");
    memset(&sum, 0, sizeof sum);
    memset(&warn, 0, sizeof warn);
    rc = sync_with("xml-bad.db", &so, 0, &sum, NULL, &err);
    faults("{\"clear\":true}");
    if (rc)
        fail_msg("sync with a malformed XML: %s", err.msg);
    print_message("malformed XML reported: %s\n", warn.first);
    assert_int_equal(warn.n, 1);
    assert_non_null(strstr(warn.first, "PV-9-2024-01-16-RCV_EN.xml"));
    assert_int_equal(sum.xml_files, 2);
    assert_true(sum.warnings >= 1);
    assert_int_equal(count("xml-bad.db", "SELECT count(*) FROM position p JOIN vote v ON"
                                         " v.id = p.vote_id WHERE v.sitting_date <= '2024-01-17'"),
                     60506);
    ep_fetch_free(doceo);
}

/* The store filled from the bundled roll-call XML already holds positions for these votes:
 * the API's voter arrays are compared with them. Agreement passes; a disagreement is reported
 * (vote, MEP, both positions, the XML file), counted, the XML positions are kept and the sync
 * goes on. */
static void test_sync_agrees_with_xml(void **state)
{
    (void)state;
    faults("{\"clear\":true}");
    struct msgs dis = {0};
    struct ep_sync_opts so = {.only = EP_SYNC_VOTES,
                              .since = "2024-01-15",
                              .until = "2024-01-17",
                              .parallel = 4,
                              .page_size = 50,
                              .disagreement = on_msg,
                              .disagreement_ctx = &dis};
    struct ep_sync_summary sum = {0};
    struct ep_error err = {0};
    int rc = sync_with("mixed.db", &so, 1, &sum, NULL, &err);
    if (rc)
        fail_msg("sync over the XML data: %s", err.msg);
    assert_true(sum.positions > 50000); /* compared, all equal */
    assert_int_equal(sum.disagreements, 0);
    assert_int_equal(count("mixed.db", "SELECT count(*) FROM position"), 154619);

    /* flip_voter: in each roll-call decision of 2024-01-16 the first FOR voter is listed
     * AGAINST. 32 votes of that sitting have positions and a FOR voter (sqlite3: vote with
     * pos_unit_id, sitting 2024-01-16, EXISTS a pos = 1 row); on vote 162974 the first FOR
     * voter by id is 840. */
    faults("{\"route\":\"meetings/MTG-PL-2024-01-16\",\"flip_voter\":true}");
    memset(&sum, 0, sizeof sum);
    rc = sync_with("mixed2.db", &so, 1, &sum, NULL, &err);
    faults("{\"clear\":true}");
    if (rc)
        fail_msg("the sync stopped on a disagreement: %s", err.msg);
    print_message("disagreement reported: %s\n", dis.first);
    assert_int_equal(sum.disagreements, 32);
    assert_int_equal(dis.n, 32);
    assert_true(sum.warnings >= 32);
    assert_non_null(strstr(dis.first, "vote 162974, MEP 840: FOR in "));
    assert_non_null(strstr(dis.first, "PV-9-2024-01-16-RCV_EN.xml"));
    assert_non_null(strstr(dis.first, "AGAINST in the API"));
    /* the XML positions are kept, the other sittings' decisions are stored */
    assert_int_equal(count("mixed2.db", "SELECT count(*) FROM position"), 154619);
    assert_int_equal(count("mixed2.db", "SELECT pos FROM position WHERE vote_id = 162974 AND"
                                        " member_id = 840"),
                     1);
    assert_int_equal(count("mixed2.db", "SELECT count(*) FROM unit WHERE path LIKE"
                                        " 'epapi:meetings/MTG-PL-2024-01-1_/decisions%'"),
                     count("mixed.db", "SELECT count(*) FROM unit WHERE path LIKE"
                                       " 'epapi:meetings/MTG-PL-2024-01-1_/decisions%'"));
}

/* ---- committee code resolution in the store ------------------------------------------------- */

static int gen_resolve(void *gctx, const struct ep_sink *sink, struct ep_error *err)
{
    const char *end = gctx;
    /* an API body (identifier 4057, label ECON) and one whose abbreviation is its only link */
    const struct ep_committee bodies[] = {{"4057", "Economic and Monetary Affairs", "ECON"},
                                          {"5000", "A body", "ZZZZ"}};
    for (size_t i = 0; i < 2; i++) {
        int rc = sink->committee(sink->ctx, &bodies[i], err);
        if (rc)
            return rc;
    }
    const struct ep_committee_membership ms[] = {
        {840, "4057", "CHAIR", "COMMITTEE_PARLIAMENTARY_STANDING", "2019-07-25", end},
        {840, "ENVI", "MEMBER", "COMMITTEE_PARLIAMENTARY_STANDING", "2019-07-25", NULL},
        {840, "ZZZZ", "MEMBER", "COMMITTEE_PARLIAMENTARY_SPECIAL", "2020-01-01", NULL},
        {840, "9999", "MEMBER", "COMMITTEE_PARLIAMENTARY_INQUIRY", "2020-01-01", NULL},
    };
    for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++) {
        int rc = sink->committee_membership(sink->ctx, &ms[i], err);
        if (rc)
            return rc;
    }
    return 0;
}

/* The store's resolution of an organization id (cb_committee_membership): the API body 4057
 * through its abbreviation to the HowTheyVote code ECON (the code votes are linked with), ENVI
 * by code, ZZZZ by abbreviation to body 5000, 9999 kept as given (unknown); a second ingest with
 * another end date updates the row instead of adding one. */
static void test_committee_resolution(void **state)
{
    (void)state;
    char path[4096];
    snprintf(path, sizeof path, "%s/resolve.db", tmp);
    struct ep_store *st = NULL;
    struct ep_error err = {0};
    assert_int_equal(ep_store_open(path, 0, &st, &err), 0);
    assert_int_equal(ep_store_ensure_default(st, NULL, NULL, &err), 0);
    struct ep_ingest_report rep;
    memset(&rep, 0, sizeof rep);
    if (ep_store_ingest_generated(st, "resolve-1", "epapi-mep", "k1", gen_resolve, NULL, &rep,
                                  &err))
        fail_msg("ingest: %s", err.msg);
    memset(&rep, 0, sizeof rep);
    if (ep_store_ingest_generated(st, "resolve-2", "epapi-mep", "k2", gen_resolve,
                                  (void *)"2024-02-29", &rep, &err))
        fail_msg("ingest: %s", err.msg);
    ep_store_close(st);
    assert_int_equal(count("resolve.db", "SELECT count(*) FROM committee_membership"), 4);
    assert_int_equal(count("resolve.db", "SELECT count(*) FROM committee_membership WHERE"
                                         " org_id = '4057' AND committee_code = 'ECON' AND"
                                         " end_date = '2024-02-29'"),
                     1);
    assert_int_equal(count("resolve.db", "SELECT count(*) FROM committee_membership WHERE"
                                         " org_id = 'ENVI' AND committee_code = 'ENVI'"),
                     1);
    assert_int_equal(count("resolve.db", "SELECT count(*) FROM committee_membership WHERE"
                                         " org_id = 'ZZZZ' AND committee_code = '5000'"),
                     1);
    assert_int_equal(count("resolve.db", "SELECT count(*) FROM committee_membership WHERE"
                                         " org_id = '9999' AND committee_code = '9999'"),
                     1);
    struct ep_store *s2 = NULL;
    assert_int_equal(ep_store_open(path, 0, &s2, &err), 0);
    long total = 0, unknown = 0;
    assert_int_equal(ep_query_committee_membership_count(s2, &total, &unknown, &err), 0);
    assert_int_equal(total, 4);
    assert_int_equal(unknown, 1);
    ep_store_close(s2);
}

/* ---- committee rosters through the tools ---------------------------------------------------- */

static json_t *roster_call(struct ep_tool_ctx *ctx, const char *tool, const char *args_json)
{
    struct ep_error err = {0};
    json_t *args = json_loads(args_json, 0, NULL), *res = NULL;
    assert_non_null(args);
    int rc = ep_tools_call(Tools, ctx, tool, args, &res, &err);
    json_decref(args);
    if (rc)
        fail_msg("%s %s: %s", tool, args_json, err.msg);
    return res;
}

static json_t *get(json_t *o, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    char *save = NULL;
    json_t *v = o;
    for (char *k = strtok_r(buf, ".", &save); k && v; k = strtok_r(NULL, ".", &save)) {
        json_t *next = json_is_array(v) ? json_array_get(v, (size_t)strtol(k, NULL, 10))
                                        : json_object_get(v, k);
        v = next;
    }
    return v;
}

static long geti(json_t *o, const char *path)
{
    json_t *v = get(o, path);
    if (!json_is_integer(v))
        fail_msg("%s is not an integer", path);
    return (long)json_integer_value(v);
}

/* The ECON roster of analyze_committee_activity over 2024-01-01..04-30 against SQL over
 * member_vote and committee_membership: members overlapping the dates (58766 left ECON on
 * 2023-06-30: not listed), seats by group (hand-checked from the roster file), and the
 * participation of the roster's MEPs (a membership covering the vote's day) and of the others on
 * ECON's 40 votes with positions. */
static void check_econ_roster(struct ep_tool_ctx *ctx)
{
    json_t *r =
        roster_call(ctx, "analyze_committee_activity",
                    "{\"committee\":\"ECON\",\"from\":\"2024-01-01\",\"to\":\"2024-04-30\"}");
    json_t *ro = get(r, "committees.0.roster");
    assert_true(json_is_true(get(ro, "available")));
    json_t *ms = get(ro, "members");
    assert_int_equal(json_array_size(ms), 12); /* 13 ECON rows, one ended in 2023 */
    assert_int_equal(json_array_size(ms),
                     count("roster.db", "SELECT count(*) FROM committee_membership WHERE"
                                        " committee_code = 'ECON' AND start_date <= '2024-04-30'"
                                        " AND (end_date IS NULL OR end_date >= '2024-01-01')"));
    size_t i;
    json_t *m;
    json_array_foreach(ms, i, m)
    {
        assert_int_not_equal(geti(m, "mep_id"), 58766);
    }
    assert_string_equal(json_string_value(get(ms, "0.role")), "CHAIR");
    json_t *seats = get(ro, "seats_by_group");
    int found = 0;
    json_array_foreach(seats, i, m)
    {
        const char *g = json_string_value(get(m, "group"));
        if (g && strcmp(g, "RENEW") == 0) { /* 840 VICE_CHAIR, 22858; substitute 96922 */
            assert_int_equal(geti(m, "seats"), 2);
            assert_int_equal(geti(m, "substitutes"), 1);
            found++;
        }
        if (g && strcmp(g, "GREEN_EFA") == 0) { /* substitute 96752 (58766 left) */
            assert_int_equal(geti(m, "seats"), 0);
            assert_int_equal(geti(m, "substitutes"), 1);
            found++;
        }
    }
    assert_int_equal(found, 2);
    static const char cv[] =
        "FROM member_vote mv JOIN vote v ON v.id = mv.vote_id JOIN vote_topic t ON t.vote_id ="
        " v.id AND t.kind = 'committee' AND t.code = 'ECON' WHERE v.sitting_date BETWEEN"
        " '2024-01-01' AND '2024-04-30' AND mv.pos BETWEEN 1 AND 4 AND %s EXISTS (SELECT 1 FROM"
        " committee_membership cm WHERE cm.member_id = mv.member_id AND cm.committee_code ="
        " 'ECON' AND cm.start_date <= v.sitting_date AND (cm.end_date IS NULL OR cm.end_date >="
        " v.sitting_date))";
    char sql[2048], w[1024];
    for (int side = 0; side < 2; side++) {
        snprintf(w, sizeof w, cv, side ? "NOT" : "");
        snprintf(sql, sizeof sql, "SELECT count(*) %s", w);
        long entitled = count("roster.db", sql);
        snprintf(sql, sizeof sql, "SELECT count(*) %s AND mv.pos <= 3", w);
        long cast = count("roster.db", sql);
        const char *k = side ? "participation.others" : "participation.roster";
        char path[64];
        snprintf(path, sizeof path, "%s.entitled", k);
        assert_int_equal(geti(ro, path), entitled);
        snprintf(path, sizeof path, "%s.cast", k);
        assert_int_equal(geti(ro, path), cast);
        print_message("ECON %s: %ld of %ld\n", side ? "others" : "roster", cast, entitled);
    }
    assert_int_equal(geti(ro, "participation.votes"), 40);
    json_decref(r);
}

/* network_analysis of MEP 840 (ECON, ENVI, EMPL until 2024-01-31): the committee peers against
 * SQL (a membership of each overlapping the other and the window's dates), how many of them are
 * co-voting ties (>= min_common votes both cast, SQL over member_vote), and each listed tie's
 * flag. */
static void check_ego_committees(struct ep_tool_ctx *ctx, int min_common)
{
    char args[128];
    snprintf(args, sizeof args, "{\"mep_id\":840,\"k\":5,\"min_common_votes\":%d}", min_common);
    json_t *r = roster_call(ctx, "network_analysis", args);
    json_t *ce = get(r, "committee_edges");
    assert_true(json_is_true(get(ce, "available")));
    assert_string_equal(json_string_value(get(ce, "dates.from")), "2024-01-15");
    assert_string_equal(json_string_value(get(ce, "dates.to")), "2024-04-23");
    assert_int_equal(json_array_size(get(ce, "committees")), 3);
    static const char peers[] =
        "SELECT DISTINCT b.member_id AS id FROM committee_membership a JOIN committee_membership"
        " b ON b.committee_code = a.committee_code AND b.member_id <> a.member_id WHERE"
        " a.member_id = 840 AND max(a.start_date, b.start_date, '2024-01-15') <="
        " min(COALESCE(a.end_date, '9999-12-31'), COALESCE(b.end_date, '9999-12-31'),"
        " '2024-04-23')";
    char sql[2048];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM (%s)", peers);
    long n_peers = count("roster.db", sql);
    assert_int_equal(geti(ce, "peers_total"), n_peers);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM (%s) p WHERE (SELECT count(*) FROM member_vote x JOIN"
             " member_vote y ON y.vote_id = x.vote_id WHERE x.member_id = 840 AND y.member_id ="
             " p.id AND x.pos BETWEEN 1 AND 3 AND y.pos BETWEEN 1 AND 3) >= %d",
             peers, min_common);
    assert_int_equal(geti(ce, "peers_in_network"), count("roster.db", sql));
    print_message("840, min_common_votes %d: %ld committee peers, %ld in the network\n", min_common,
                  n_peers, geti(ce, "peers_in_network"));
    json_t *ties = get(ce, "ties"), *t;
    size_t i;
    assert_int_equal(json_array_size(ties), json_array_size(get(r, "ties")));
    json_array_foreach(ties, i, t)
    {
        assert_int_equal(geti(t, "mep_id"), geti(json_array_get(get(r, "ties"), i), "mep_id"));
        snprintf(sql, sizeof sql, "SELECT count(*) FROM (%s) WHERE id = %ld", peers,
                 geti(t, "mep_id"));
        assert_int_equal(json_is_true(get(t, "committee_tie")), count("roster.db", sql));
    }
    json_decref(r);
}

/* A store filled from the bundled data, then synced (bodies and MEPs) from srv_epapi, which
 * serves the constructed rosters: the three roster tools on it. */
static void test_roster_tools(void **state)
{
    (void)state;
    faults("{\"clear\":true}");
    struct ep_sync_opts so = {
        .only = EP_SYNC_BODIES | EP_SYNC_MEPS, .parallel = 8, .page_size = 50};
    struct ep_sync_summary sum = {0};
    struct ep_error err = {0};
    if (sync_with("roster.db", &so, 1, &sum, NULL, &err))
        fail_msg("sync: %s", err.msg);
    assert_int_equal(sum.committee_memberships, 53);
    assert_int_equal(sum.committee_unknown, 2);
    char path[4096];
    snprintf(path, sizeof path, "%s/roster.db", tmp);
    struct ep_store *st = NULL;
    struct ep_env env;
    assert_int_equal(ep_store_open(path, 0, &st, &err), 0);
    assert_int_equal(ep_env_init(&env, st, &err), 0);
    static const ep_test_rows_fn fams[] = {ep_tools_basic_rows, ep_tools_topics_rows,
                                           ep_tools_toolkit_rows};
    for (size_t f = 0; f < sizeof fams / sizeof fams[0]; f++) {
        size_t n;
        const struct ep_tool *rows = fams[f](&n);
        assert_int_equal(ep_tools_register(Tools, rows, n, &err), 0);
    }
    struct ep_tool_ctx ctx = {.store = st, .env = &env, .out_dir = tmp};
    check_econ_roster(&ctx);
    check_ego_committees(&ctx, 10);
    check_ego_committees(&ctx, 230); /* fewer ties: some peers are not in the network */
    /* a roster without votes in the dates (EMPL: 840 until 01-31 and 6 others); the two
     * memberships of organization 4711, which the store does not know */
    json_t *r = roster_call(&ctx, "analyze_committee_activity",
                            "{\"from\":\"2024-01-15\",\"to\":\"2024-01-31\"}");
    assert_int_equal(json_array_size(get(r, "rosters.without_votes")), 1);
    assert_string_equal(json_string_value(get(r, "rosters.without_votes.0.committee")), "EMPL");
    assert_int_equal(geti(r, "rosters.without_votes.0.members"), 7);
    assert_int_equal(geti(r, "rosters.unknown_committee"), 2);
    assert_int_equal(geti(r, "rosters.memberships"),
                     count("roster.db", "SELECT count(*) FROM committee_membership"));
    json_decref(r);
    /* get_committee_info: every stored ECON membership (the one of 2023 too) */
    r = roster_call(&ctx, "get_committee_info", "{\"code\":\"ECON\"}");
    assert_int_equal(geti(r, "members.memberships"), 13);
    assert_int_equal(json_array_size(get(r, "members.items")), 13);
    json_decref(r);
    r = roster_call(&ctx, "get_committee_info", "{}");
    assert_int_equal(geti(r, "members.memberships"), 53);
    assert_int_equal(geti(r, "members.unknown_committee"), 2);
    json_decref(r);
    ep_tools_cleanup(Tools);
    ep_env_close(&env);
    ep_store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_adapters),
        cmocka_unit_test(test_adapters_documents),
        cmocka_unit_test(test_endpoint_table),
        cmocka_unit_test(test_sync_fault_free),
        cmocka_unit_test(test_tools_on_synced_store),
        cmocka_unit_test(test_roster_tools),
        cmocka_unit_test(test_committee_resolution),
        cmocka_unit_test(test_sync_with_30pct_faults),
        cmocka_unit_test(test_sync_killed_then_resumed),
        cmocka_unit_test(test_sync_killed_in_procedures),
        cmocka_unit_test(test_sync_doceo_xml),
        cmocka_unit_test(test_sync_agrees_with_xml),
    };
    int rc = cmocka_run_group_tests(tests, group_setup, group_teardown);
    free(clean_dump);
    return rc;
}
