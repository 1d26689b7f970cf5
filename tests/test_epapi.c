/* EP Open Data API adapters and sync against the local test server (tests/srv_epapi.c):
 * URI stripping and the decision adapter; a sync with 30% transient failures gives the same
 * store as a fault-free sync; a sync killed with SIGKILL mid-way and rerun gives the same
 * store too. The window is Jan-Apr 2024 (the sittings with per-MEP positions). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ep_epapi.h"
#include "ep_fetch.h"
#include "ep_store.h"
#include "ep_testutil.h"
#include "ep_util.h"

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
    struct ep_fetch_opts fo = {.base_url = base,
                               .db = ep_store_db(s),
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
    static const char *const q[] = {
        "SELECT id, first_name, last_name, country_code, date_of_birth, email FROM member"
        " ORDER BY id",
        "SELECT member_id, group_code, term, start_date, end_date FROM membership"
        " ORDER BY 1, 4, 2",
        "SELECT code, label, abbreviation FROM committee ORDER BY code",
        "SELECT code, official_label, label, short_label FROM grp ORDER BY code",
        "SELECT date, ep_id, reference, term FROM sitting ORDER BY date",
        "SELECT id, timestamp, sitting_date, title, reference, procedure_reference, result,"
        " is_main, count_for, count_against, count_abstention, dlv_id,"
        " pos_unit_id IS NOT NULL FROM vote ORDER BY id",
        "SELECT vote_id, member_id, pos, group_code FROM position ORDER BY 1, 2",
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
    long votes, pos[4], members, memberships;
    char last_group[16], last_result[16];
};
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
        "\"membershipClassification\":\"def/ep-entities/COMMITTEE_PARLIAMENTARY_STANDING\"}]}]}",
        0, NULL);
    memset(&t, 0, sizeof t);
    sink = (struct ep_sink){.ctx = &t, .member = t_member, .membership = t_ms};
    long other = 0;
    assert_int_equal(ep_epapi_mep_detail(page, &sink, &other, NULL), 0);
    assert_int_equal(t.members, 1);
    assert_int_equal(t.memberships, 2);
    assert_string_equal(t.last_group, "EPP"); /* PPE -> EPP */
    assert_int_equal(other, 1);
    json_decref(page);
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

static void test_sync_killed_then_resumed(void **state)
{
    (void)state;
    assert_non_null(clean_dump);
    faults("{\"clear\":true}");
    faults("{\"route\":\"meetings\",\"latency_ms\":20,\"fail_rate\":0}");
    char path[4096];
    snprintf(path, sizeof path, "%s/killed.db", tmp);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct ep_sync_summary sum = {0};
        struct ep_error err = {0};
        _exit(sync_into("killed.db", &sum, NULL, &err) ? 1 : 0);
    }
    /* kill -9 once the votes stage has checkpointed its first batch of sittings */
    int killed = 0;
    for (int i = 0; i < 6000 && !killed; i++) {
        usleep(10000);
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid)
            fail_msg("the sync finished before it could be killed");
        sqlite3 *db = NULL;
        if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
            sqlite3_stmt *q = NULL;
            if (sqlite3_prepare_v2(db,
                                   "SELECT value FROM meta WHERE key = 'epapi.sync.votes.through'",
                                   -1, &q, NULL) == SQLITE_OK &&
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

/* The store filled from the bundled roll-call XML already holds positions for these votes:
 * the API's voter arrays are compared with them, not rewritten. Agreement passes; a
 * disagreement is reported naming the XML file and the member. */
static void test_sync_agrees_with_xml(void **state)
{
    (void)state;
    faults("{\"clear\":true}");
    struct ep_sync_opts so = {.only = EP_SYNC_VOTES,
                              .since = "2024-01-15",
                              .until = "2024-01-17",
                              .parallel = 4,
                              .page_size = 50};
    struct ep_sync_summary sum = {0};
    struct ep_error err = {0};
    int rc = sync_with("mixed.db", &so, 1, &sum, NULL, &err);
    if (rc)
        fail_msg("sync over the XML data: %s", err.msg);
    assert_true(sum.positions > 50000); /* compared, all equal */
    assert_int_equal(count("mixed.db", "SELECT count(*) FROM position"), 154619);

    faults("{\"route\":\"meetings/MTG-PL-2024-01-16\",\"flip_voter\":true}");
    memset(&sum, 0, sizeof sum);
    rc = sync_with("mixed2.db", &so, 1, &sum, NULL, &err);
    faults("{\"clear\":true}");
    assert_int_equal(rc, EP_ECONFLICT);
    print_message("disagreement reported: %s\n", err.msg);
    assert_non_null(strstr(err.msg, "PV-9-2024-01-16-RCV_EN.xml"));
    assert_non_null(strstr(err.msg, "different content"));
    assert_int_equal(count("mixed2.db", "SELECT count(*) FROM position"), 154619);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_adapters),
        cmocka_unit_test(test_endpoint_table),
        cmocka_unit_test(test_sync_fault_free),
        cmocka_unit_test(test_sync_with_30pct_faults),
        cmocka_unit_test(test_sync_killed_then_resumed),
        cmocka_unit_test(test_sync_agrees_with_xml),
    };
    int rc = cmocka_run_group_tests(tests, group_setup, group_teardown);
    free(clean_dump);
    return rc;
}
