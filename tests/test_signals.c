/* The signal and overview tools (tools/ep_tools_signals.c) on the bundled real data, through
 * ep_tools_call (input and output schema validation included), against figures computed here
 * independently: SQL over the store (vote, member_vote, membership) and plain loops. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_env.h"
#include "ep_epapi.h"
#include "ep_fetch.h"
#include "ep_store.h"
#include "ep_store_db.h"
#include "ep_testutil.h"
#include "ep_tools.h"
#include "ep_tools_signals.h"

EP_TEST_TOOLS

static struct ep_store *S; /* the bundled default store */
static struct ep_env Env;
static char *Dir;

static int setup(void **state)
{
    (void)state;
    static const ep_test_rows_fn rows[] = {ep_tools_signals_rows, NULL};
    return ep_test_store_open("signals.db", &Dir, &S, &Env, rows, Tools);
}

static int teardown(void **state)
{
    (void)state;
    ep_tools_cleanup(Tools);
    ep_test_store_close(Dir, S, &Env);
    return 0;
}

static int call_env(struct ep_store *st, struct ep_env *env, const char *tool,
                    const char *args_json, json_t **res, struct ep_error *err)
{
    struct ep_tool_ctx ctx = {0};
    ctx.store = st;
    ctx.env = env;
    json_t *args = json_loads(args_json, 0, NULL);
    assert_non_null(args);
    *res = NULL;
    int rc = ep_tools_call(Tools, &ctx, tool, args, res, err);
    json_decref(args);
    if (rc == 0)
        assert_non_null(json_object_get(*res, "provenance"));
    return rc;
}

static json_t *ok_on(struct ep_store *st, struct ep_env *env, const char *tool, const char *args)
{
    struct ep_error err = {0};
    json_t *res;
    int rc = call_env(st, env, tool, args, &res, &err);
    if (rc)
        fprintf(stderr, "%s %s: %d %s\n", tool, args, rc, err.msg);
    assert_int_equal(rc, 0);
    return res;
}

static json_t *ok_call(const char *tool, const char *args)
{
    return ok_on(S, &Env, tool, args);
}

/* The call fails with code rc and a message containing what. */
static void bad_call(const char *tool, const char *args, int rc, const char *what)
{
    struct ep_error err = {0};
    json_t *res;
    int got = call_env(S, &Env, tool, args, &res, &err);
    if (got != rc || !strstr(err.msg, what))
        fprintf(stderr, "%s %s: %d %s\n", tool, args, got, err.msg);
    assert_int_equal(got, rc);
    assert_non_null(strstr(err.msg, what));
}

static long long sql_int_on(struct ep_store *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static long long sql_int_on(struct ep_store *st, const char *fmt, ...)
{
    char q[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(q, sizeof q, fmt, ap);
    va_end(ap);
    sqlite3_stmt *stmt;
    if (sqlite3_prepare_v2(ep_store_db(st), q, -1, &stmt, NULL) != SQLITE_OK)
        fprintf(stderr, "%s: %s\n", q, sqlite3_errmsg(ep_store_db(st)));
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    long long v = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return v;
}
#define sql_int(...) sql_int_on(S, __VA_ARGS__)

static long long ival(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    if (!json_is_integer(v))
        fprintf(stderr, "not an integer: %s\n", k);
    assert_true(json_is_integer(v));
    return json_integer_value(v);
}

static const char *sval(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    if (!s)
        fprintf(stderr, "not a string: %s\n", k);
    assert_non_null(s);
    return s;
}

/* ==== get_latest_votes ==================================================================== */

static void test_latest_store(void **state)
{
    (void)state;
    json_t *r = ok_call("get_latest_votes", "{\"limit\": 500}");
    json_t *s = json_object_get(r, "sitting");
    /* the latest sitting of the bundled data: 2025-09-11, 69 votes, none with positions */
    assert_string_equal(sval(s, "date"), "2025-09-11");
    assert_int_equal(ival(s, "term"), 10);
    assert_int_equal(ival(s, "votes"),
                     sql_int("SELECT COUNT(*) FROM vote WHERE sitting_date = '2025-09-11'"));
    assert_int_equal(ival(s, "votes"), 69);
    assert_int_equal(ival(s, "votes_with_positions"), 0);
    assert_int_equal(ival(s, "adopted"), sql_int("SELECT COUNT(*) FROM vote WHERE sitting_date = "
                                                 "'2025-09-11' AND result = 'ADOPTED'"));
    assert_int_equal(ival(r, "listed"), 69);
    assert_int_equal(json_array_size(json_object_get(r, "votes")), 69);
    /* main votes first */
    json_t *v0 = json_array_get(json_object_get(r, "votes"), 0);
    assert_true(json_is_true(json_object_get(v0, "main")));
    assert_false(json_is_true(json_object_get(v0, "positions_stored")));
    json_t *lp = json_object_get(r, "latest_with_positions");
    assert_string_equal(sval(lp, "date"), "2024-04-23");
    assert_int_equal(ival(lp, "votes"), sql_int("SELECT COUNT(*) FROM vote WHERE sitting_date = "
                                                "'2024-04-23' AND pos_unit_id IS NOT NULL"));
    assert_string_equal(sval(json_object_get(r, "xml"), "status"), "not_requested");
    json_decref(r);

    /* a sitting with positions: each listed vote's group breakdown sums to member_vote */
    r = ok_call("get_latest_votes", "{\"date\": \"2024-04-23\", \"limit\": 3}");
    assert_int_equal(ival(json_object_get(r, "sitting"), "votes_with_positions"), 43);
    assert_int_equal(ival(r, "listed"), 3);
    json_t *votes = json_object_get(r, "votes");
    for (size_t k = 0; k < json_array_size(votes); k++) {
        json_t *v = json_array_get(votes, k);
        long long id = ival(v, "vote_id");
        if (!json_is_true(json_object_get(v, "positions_stored")))
            continue;
        long long y = 0, n = 0, a = 0;
        json_t *g;
        size_t i;
        json_array_foreach(json_object_get(v, "groups"), i, g)
        {
            y += ival(g, "Y");
            n += ival(g, "N");
            a += ival(g, "A");
        }
        assert_int_equal(y, sql_int("SELECT COUNT(*) FROM member_vote WHERE vote_id = %lld AND "
                                    "pos = 1", id));
        assert_int_equal(n, sql_int("SELECT COUNT(*) FROM member_vote WHERE vote_id = %lld AND "
                                    "pos = 2", id));
        assert_int_equal(a, sql_int("SELECT COUNT(*) FROM member_vote WHERE vote_id = %lld AND "
                                    "pos = 3", id));
    }
    json_decref(r);

    /* edge cases: a day without votes, a malformed date */
    bad_call("get_latest_votes", "{\"date\": \"2024-04-21\"}", EP_EUNAVAIL,
             "no vote of the store was held on 2024-04-21");
    bad_call("get_latest_votes", "{\"date\": \"2024-02-30\"}", EP_EINVAL, "not a valid date");
    bad_call("get_latest_votes", "{\"limit\": 0}", EP_EINVAL, "limit");
}

/* fetch_xml: the store without the 2024-04-23 roll-call XML fetches it from the local EP API
 * test server (tests/srv_epapi.c serves the bundled files at doceo/document/...) and ingests it;
 * the latest sitting (2025-09-11, term 10) is not served: 404, "not_published"; a server that
 * is down: "failed", the store unchanged. */
static void test_latest_fetch(void **state)
{
    (void)state;
    struct ep_error err = {0};
    char path[1024];
    snprintf(path, sizeof path, "%s/fetch.db", Dir);
    struct ep_store *s2;
    struct ep_env env2;
    assert_int_equal(ep_store_open(path, 0, &s2, &err), 0);
    static const char *const files[] = {
        "htv/countries.csv.gz", "htv/groups.csv.gz", "htv/members.csv.gz",
        "htv/group_memberships.csv.gz", "htv/committees.csv.gz", "htv/votes.csv.gz",
        "rcv/PV-9-2024-02-27-RCV_EN.xml.gz", NULL};
    for (int k = 0; files[k]; k++) {
        struct ep_ingest_report rep;
        int rc = ep_store_ingest_file(s2, ep_test_fixture(files[k]), 0, NULL, NULL, &rep, &err);
        if (rc)
            fprintf(stderr, "%s: %s\n", files[k], err.msg);
        assert_int_equal(rc, 0);
    }
    assert_int_equal(ep_env_init(&env2, s2, &err), 0);
    int port = 0;
    pid_t pid = ep_test_start_server("srv_epapi", Dir, &port);
    assert_true(pid > 0);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
    setenv("EP_DOCEO_URL", url, 1);

    json_t *r = ok_on(s2, &env2, "get_latest_votes", "{\"date\": \"2024-04-23\", \"limit\": 1}");
    assert_int_equal(ival(json_object_get(r, "sitting"), "votes_with_positions"), 0);
    json_decref(r);
    r = ok_on(s2, &env2, "get_latest_votes",
              "{\"date\": \"2024-04-23\", \"limit\": 1, \"fetch_xml\": true}");
    json_t *x = json_object_get(r, "xml");
    assert_string_equal(sval(x, "status"), "ingested");
    assert_non_null(strstr(sval(x, "url"), "doceo/document/PV-9-2024-04-23-RCV_EN.xml"));
    /* the file's records: those the default store's ingest of the bundled copy counted */
    assert_int_equal(ival(x, "records"),
                     sql_int("SELECT records FROM unit WHERE path LIKE '%%PV-9-2024-04-23%%'"));
    assert_int_equal(sql_int_on(s2, "SELECT COUNT(*) FROM member_vote v JOIN vote t ON t.id = "
                                    "v.vote_id WHERE t.sitting_date = '2024-04-23' AND v.pos "
                                    "BETWEEN 1 AND 3"),
                     sql_int("SELECT COUNT(*) FROM member_vote v JOIN vote t ON t.id = "
                             "v.vote_id WHERE t.sitting_date = '2024-04-23' AND v.pos "
                             "BETWEEN 1 AND 3"));
    assert_int_equal(ival(json_object_get(r, "sitting"), "votes_with_positions"), 43);
    assert_true(json_is_true(
        json_object_get(json_array_get(json_object_get(r, "votes"), 0), "positions_stored")));
    assert_string_equal(sval(json_object_get(r, "latest_with_positions"), "date"), "2024-04-23");
    json_decref(r);
    /* again: the same file, nothing changes */
    r = ok_on(s2, &env2, "get_latest_votes",
              "{\"date\": \"2024-04-23\", \"limit\": 1, \"fetch_xml\": true}");
    assert_string_equal(sval(json_object_get(r, "xml"), "status"), "already_stored");
    json_decref(r);
    /* the latest sitting: not published on the server */
    long long units = sql_int_on(s2, "SELECT COUNT(*) FROM unit");
    r = ok_on(s2, &env2, "get_latest_votes", "{\"fetch_xml\": true}");
    x = json_object_get(r, "xml");
    assert_string_equal(sval(x, "status"), "not_published");
    assert_non_null(strstr(sval(x, "url"), "PV-10-2025-09-11-RCV_EN.xml"));
    json_decref(r);
    ep_test_stop_server(pid);
    /* the server is gone: failed, with the reason; nothing stored */
    r = ok_on(s2, &env2, "get_latest_votes",
              "{\"date\": \"2024-02-26\", \"limit\": 1, \"fetch_xml\": true}");
    x = json_object_get(r, "xml");
    assert_string_equal(sval(x, "status"), "failed");
    assert_true(strlen(sval(x, "detail")) > 10);
    assert_int_equal(sql_int_on(s2, "SELECT COUNT(*) FROM unit"), units);
    json_decref(r);
    unsetenv("EP_DOCEO_URL");
    ep_env_close(&env2);
    ep_store_close(s2);
}

/* ==== get_all_generated_stats ============================================================= */

static json_t *find_item(json_t *arr, const char *key, json_t *want)
{
    size_t i;
    json_t *x;
    json_array_foreach(arr, i, x)
    {
        if (json_equal(json_object_get(x, key), want))
            return x;
    }
    return NULL;
}

static void test_generated_stats(void **state)
{
    (void)state;
    json_t *r = ok_call("get_all_generated_stats", "{}");
    json_t *t = json_object_get(r, "totals");
    assert_int_equal(ival(t, "votes"), sql_int("SELECT COUNT(*) FROM vote"));
    assert_int_equal(ival(t, "votes"), 21576);
    assert_int_equal(ival(t, "votes_with_positions"), 266);
    assert_int_equal(ival(t, "members"), sql_int("SELECT COUNT(*) FROM member"));
    assert_int_equal(ival(t, "procedure_events"), 0);
    /* counted from the positions snapshot, against the scans of epintel info */
    assert_int_equal(ival(t, "meps_who_voted"), sql_int("SELECT COUNT(DISTINCT member_id) FROM "
                                                        "position WHERE pos BETWEEN 1 AND 3"));
    assert_int_equal(ival(t, "meps_who_voted"), 707);
    assert_int_equal(ival(t, "positions_cast"), 154619);
    json_t *rg = json_object_get(r, "ranges");
    assert_string_equal(sval(rg, "votes_from"), "2019-07-15");
    assert_string_equal(sval(rg, "positions_to"), "2024-04-23");
    /* per year: every year's votes and votes with positions, against SQL */
    json_t *years = json_object_get(r, "by_year");
    assert_int_equal(json_array_size(years), 7); /* 2019 .. 2025 */
    long long sum = 0;
    for (int y = 2019; y <= 2025; y++) {
        json_t *key = json_integer(y);
        json_t *x = find_item(years, "year", key);
        json_decref(key);
        assert_non_null(x);
        assert_int_equal(ival(x, "votes"), sql_int("SELECT COUNT(*) FROM vote WHERE "
                                                   "substr(sitting_date, 1, 4) = '%d'", y));
        assert_int_equal(ival(x, "sittings"), sql_int("SELECT COUNT(DISTINCT sitting_date) FROM "
                                                      "vote WHERE substr(sitting_date, 1, 4) = "
                                                      "'%d'", y));
        assert_int_equal(ival(x, "votes_with_positions"),
                         sql_int("SELECT COUNT(*) FROM vote WHERE substr(sitting_date, 1, 4) = "
                                 "'%d' AND pos_unit_id IS NOT NULL", y));
        sum += ival(x, "votes");
    }
    assert_int_equal(sum, 21576);
    /* per term: term 9 = 2019-07-02 .. 2024-07-15 */
    json_t *key = json_integer(9);
    json_t *t9 = find_item(json_object_get(r, "by_term"), "term", key);
    json_decref(key);
    assert_non_null(t9);
    assert_int_equal(ival(t9, "votes"), sql_int("SELECT COUNT(*) FROM vote WHERE sitting_date "
                                                "BETWEEN '2019-07-02' AND '2024-07-15'"));
    assert_int_equal(ival(t9, "votes"), 19277);
    assert_int_equal(ival(t9, "sittings_with_positions"), 7);
    /* per group: EPP's MEPs and its members' cast positions (member_vote, group of the day) */
    key = json_string("EPP");
    json_t *epp = find_item(json_object_get(r, "by_group"), "group", key);
    json_decref(key);
    assert_non_null(epp);
    assert_int_equal(ival(epp, "meps"), sql_int("SELECT COUNT(DISTINCT member_id) FROM "
                                                "membership WHERE group_code = 'EPP'"));
    json_t *pos = json_object_get(epp, "positions");
    for (int k = 1; k <= 4; k++) {
        static const char *const name[] = {"", "for", "against", "abstention", "did_not_vote"};
        assert_int_equal(ival(pos, name[k]), sql_int("SELECT COUNT(*) FROM member_vote WHERE "
                                                     "group_code = 'EPP' AND pos = %d", k));
    }
    json_decref(r);
}

/* ==== sentiment_tracker =================================================================== */

/* Cohesion and polarisation of the votes with positions from..to, computed here from
 * member_vote: per vote and group Y, N, A; AI = (max - (T - max) / 2) / T; a group's position
 * is the largest option (a tie for the maximum: none); seats = members on the last vote. */
#define IG 16
struct indep {
    double cohesion, polarisation;
    int votes;
    int ng;
    char code[IG][16];
    double ai[IG];          /* mean AI of each group (NAN without a cast vote) */
    double share[IG][IG];   /* pair agreement */
    int common[IG][IG];
};

/* cond: "" or " AND <condition on m.vote_id>" (a topic filter) */
static void indep_cohesion_where(const char *from, const char *to, const char *cond,
                                 struct indep *out)
{
    char q[2048];
    snprintf(q, sizeof q,
             "SELECT m.vote_id, m.group_code, SUM(m.pos = 1), SUM(m.pos = 2), SUM(m.pos = 3) "
             "FROM member_vote m JOIN vote v ON v.id = m.vote_id WHERE v.sitting_date BETWEEN "
             "'%s' AND '%s' AND m.group_code IS NOT NULL%s GROUP BY m.vote_id, m.group_code "
             "ORDER BY v.timestamp, v.id",
             from, to, cond);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(ep_store_db(S), q, -1, &st, NULL), SQLITE_OK);
    char code[IG][16];
    int ng = 0;
    static int pos[400][IG]; /* 0 none/tie, 1 Y, 2 N, 3 A */
    double ai_sum[IG] = {0};
    int ai_n[IG] = {0}, nv = 0;
    long long last = -1;
    memset(pos, 0, sizeof pos);
    while (sqlite3_step(st) == SQLITE_ROW) {
        long long vid = sqlite3_column_int64(st, 0);
        if (vid != last) {
            nv++;
            last = vid;
        }
        assert_true(nv <= 400);
        const char *gc = (const char *)sqlite3_column_text(st, 1);
        int g = 0;
        while (g < ng && strcmp(code[g], gc) != 0)
            g++;
        if (g == ng) {
            assert_true(ng < IG);
            snprintf(code[ng++], 16, "%s", gc);
        }
        int y = sqlite3_column_int(st, 2), n = sqlite3_column_int(st, 3),
            a = sqlite3_column_int(st, 4), t = y + n + a;
        if (t == 0)
            continue;
        int mx = y > n ? (y > a ? y : a) : (n > a ? n : a);
        ai_sum[g] += (mx - (t - mx) / 2.0) / t;
        ai_n[g]++;
        int ties = (y == mx) + (n == mx) + (a == mx);
        pos[nv - 1][g] = ties > 1 ? 0 : y == mx ? 1 : n == mx ? 2 : 3;
    }
    sqlite3_finalize(st);
    int seats[IG] = {0};
    snprintf(q, sizeof q,
             "SELECT group_code, COUNT(*) FROM member_vote WHERE vote_id = %lld AND group_code "
             "IS NOT NULL GROUP BY group_code",
             last);
    assert_int_equal(sqlite3_prepare_v2(ep_store_db(S), q, -1, &st, NULL), SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW)
        for (int g = 0; g < ng; g++)
            if (strcmp(code[g], (const char *)sqlite3_column_text(st, 0)) == 0)
                seats[g] = sqlite3_column_int(st, 1);
    sqlite3_finalize(st);
    double num = 0, den = 0;
    out->ng = ng;
    for (int g = 0; g < ng; g++) {
        memcpy(out->code[g], code[g], 16);
        out->ai[g] = ai_n[g] ? ai_sum[g] / ai_n[g] : NAN;
    }
    for (int g = 0; g < ng; g++)
        if (ai_n[g] && seats[g]) {
            num += seats[g] * ai_sum[g] / ai_n[g];
            den += seats[g];
        }
    out->cohesion = num / den;
    num = den = 0;
    for (int a = 0; a < ng; a++)
        for (int b = a + 1; b < ng; b++) {
            int same = 0, common = 0;
            for (int v = 0; v < nv; v++)
                if (pos[v][a] && pos[v][b]) {
                    common++;
                    same += pos[v][a] == pos[v][b];
                }
            double w = (double)seats[a] * seats[b];
            out->common[a][b] = out->common[b][a] = common;
            out->share[a][b] = out->share[b][a] = common ? (double)same / common : NAN;
            if (common && w > 0) {
                num += w * same / common;
                den += w;
            }
        }
    out->polarisation = 1 - num / den;
    out->votes = nv;
}

static void indep_cohesion(const char *from, const char *to, struct indep *out)
{
    indep_cohesion_where(from, to, "", out);
}

static void test_sentiment(void **state)
{
    (void)state;
    json_t *r = ok_call("sentiment_tracker", "{}");
    assert_string_equal(sval(r, "reference_date"), "2024-04-23");
    assert_non_null(strstr(sval(r, "no_text_sentiment"), "no text sentiment"));
    json_t *spans = json_object_get(r, "spans");
    assert_int_equal(json_array_size(spans), 3);
    static const char *const from[] = {"2024-03-25", "2024-01-25", "2023-04-25"};
    static const int votes[] = {43, 165, 266}, sittings[] = {1, 4, 7};
    for (int k = 0; k < 3; k++) {
        json_t *x = json_array_get(spans, (size_t)k);
        assert_string_equal(sval(x, "from"), from[k]);
        assert_true(json_is_true(json_object_get(x, "available")));
        struct indep e;
        indep_cohesion(from[k], "2024-04-23", &e);
        assert_int_equal(ival(x, "votes"), e.votes);
        assert_int_equal(ival(x, "votes"), votes[k]);
        assert_int_equal(ival(x, "sittings"), sittings[k]);
        assert_int_equal(ival(x, "meps"),
                         sql_int("SELECT COUNT(DISTINCT m.member_id) FROM member_vote m JOIN vote v "
                                 "ON v.id = m.vote_id WHERE m.pos BETWEEN 1 AND 3 AND "
                                 "v.sitting_date BETWEEN '%s' AND '2024-04-23'", from[k]));
        assert_true(fabs(json_number_value(json_object_get(x, "cohesion")) - e.cohesion) < 1e-6);
        assert_true(fabs(json_number_value(json_object_get(x, "polarisation")) - e.polarisation) <
                    1e-6);
    }
    double c30 = json_number_value(json_object_get(json_array_get(spans, 0), "cohesion"));
    double c365 = json_number_value(json_object_get(json_array_get(spans, 2), "cohesion"));
    assert_true(fabs(json_number_value(json_object_get(json_object_get(r, "shifts"),
                                                       "cohesion_30_vs_365")) -
                     (c30 - c365)) < 2e-6);
    json_decref(r);

    /* a reference date before every vote with positions: no span has data, no shift */
    r = ok_call("sentiment_tracker", "{\"to\": \"2023-12-31\"}");
    spans = json_object_get(r, "spans");
    for (size_t k = 0; k < 3; k++) {
        json_t *x = json_array_get(spans, k);
        assert_false(json_is_true(json_object_get(x, "available")));
        assert_non_null(strstr(sval(x, "reason"), "no roll-call vote with per-MEP positions"));
    }
    assert_true(json_is_null(json_object_get(json_object_get(r, "shifts"), "cohesion_30_vs_365")));
    json_decref(r);
    /* one sitting in the 30 days (2024-01-15 alone): figures on its votes */
    r = ok_call("sentiment_tracker", "{\"to\": \"2024-01-15\"}");
    json_t *x = json_array_get(json_object_get(r, "spans"), 0);
    assert_int_equal(ival(x, "sittings"), 1);
    struct indep e;
    indep_cohesion("2023-12-17", "2024-01-15", &e);
    assert_int_equal(ival(x, "votes"), e.votes);
    assert_true(fabs(json_number_value(json_object_get(x, "cohesion")) - e.cohesion) < 1e-6);
    json_decref(r);
    bad_call("sentiment_tracker", "{\"to\": \"2024-13-01\"}", EP_EINVAL, "not a valid date");
}

/* ==== early_warning_system ================================================================ */

/* close_votes risk value of the votes from..to: min(1, share / 0.20), share = votes whose
 * |FOR - AGAINST| < 5% of the votes cast, among the votes with a cast vote (member_vote). */
static double indep_close(const char *from, const char *to)
{
    char q[1024];
    snprintf(q, sizeof q,
             "SELECT SUM(abs(f - a) < 0.05 * (f + a + b)), COUNT(*) FROM (SELECT m.vote_id, "
             "SUM(m.pos = 1) AS f, SUM(m.pos = 2) AS a, SUM(m.pos = 3) AS b FROM member_vote m "
             "JOIN vote v ON v.id = m.vote_id WHERE v.sitting_date BETWEEN '%s' AND '%s' "
             "GROUP BY m.vote_id) WHERE f + a + b > 0",
             from, to);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(ep_store_db(S), q, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    double share = (double)sqlite3_column_int(st, 0) / sqlite3_column_int(st, 1);
    sqlite3_finalize(st);
    return share / 0.20 < 1 ? share / 0.20 : 1;
}

static void test_early_warning(void **state)
{
    (void)state;
    json_t *r = ok_call("early_warning_system", "{}"); /* 90 days to 2024-04-23 */
    json_t *w = json_object_get(r, "window"), *pw = json_object_get(r, "previous_window");
    assert_string_equal(sval(w, "from"), "2024-01-25");
    assert_string_equal(sval(w, "to"), "2024-04-23");
    assert_int_equal(ival(w, "votes"), 165);
    assert_string_equal(sval(pw, "from"), "2023-10-27");
    assert_string_equal(sval(pw, "to"), "2024-01-24");
    assert_int_equal(ival(pw, "votes"), sql_int("SELECT COUNT(*) FROM vote WHERE sitting_date "
                                                "BETWEEN '2023-10-27' AND '2024-01-24' AND "
                                                "pos_unit_id IS NOT NULL"));
    json_t *dims = json_object_get(r, "dimensions");
    double cv = json_number_value(json_object_get(json_object_get(dims, "close_votes"), "value"));
    assert_true(fabs(cv - indep_close("2024-01-25", "2024-04-23")) < 1e-6);
    /* 4 sittings: every anomaly baseline needs 8, so no anomaly and the series are counted */
    json_t *an = json_object_get(r, "anomalies");
    assert_int_equal(ival(an, "alerts"), 0);
    assert_true(ival(an, "series_too_short") > 0);
    /* the defection-surge dimension needs 8 sittings too: unavailable, with the reason */
    json_t *ds = json_object_get(dims, "defection_surges");
    assert_false(json_is_true(json_object_get(ds, "available")));
    assert_true(json_is_null(json_object_get(ds, "value")));
    /* every warning is a risk dimension at or above 0.5 (no anomaly here) */
    size_t i;
    json_t *x;
    int n_risk_high = 0;
    const char *dk;
    json_object_foreach(dims, dk, x)
    {
        if (json_is_true(json_object_get(x, "available")) &&
            json_number_value(json_object_get(x, "value")) >= 0.5)
            n_risk_high++;
    }
    assert_int_equal(ival(r, "warnings_total"), n_risk_high);
    json_array_foreach(json_object_get(r, "warnings"), i, x)
    {
        assert_string_equal(sval(x, "source"), "risk");
        assert_true(json_number_value(json_object_get(x, "value")) >= 0.5);
    }
    /* what changed: the previous window's close_votes against this one's */
    json_t *ch = json_object_get(r, "changes");
    assert_true(json_is_true(json_object_get(ch, "available")));
    double dcv = json_number_value(json_object_get(json_object_get(ch, "dimensions"),
                                                   "close_votes"));
    assert_true(fabs(dcv - (cv - indep_close("2023-10-27", "2024-01-24"))) < 2e-6);
    json_decref(r);

    /* a window reaching back before the data: the previous window is empty, no change known */
    r = ok_call("early_warning_system", "{\"days\": 365}");
    ch = json_object_get(r, "changes");
    assert_false(json_is_true(json_object_get(ch, "available")));
    assert_non_null(strstr(sval(ch, "reason"), "no roll-call vote with per-MEP positions"));
    assert_int_equal(ival(json_object_get(r, "window"), "votes"), 266);
    json_decref(r);
    /* a window without votes: an error that says so */
    bad_call("early_warning_system", "{\"to\": \"2023-06-30\", \"days\": 30}", EP_EUNAVAIL,
             "no roll-call vote with per-MEP positions from 2023-06-01 to 2023-06-30");
    bad_call("early_warning_system", "{\"days\": 0}", EP_EINVAL, "days");
}

/* ==== correlate_intelligence ============================================================== */

static int indep_group(const struct indep *e, const char *code)
{
    for (int g = 0; g < e->ng; g++)
        if (strcmp(e->code[g], code) == 0)
            return g;
    return -1;
}

/* The group g agreed with most over pairs with >= 10 common votes (ties: more common votes). */
static const char *indep_closest(const struct indep *e, int g)
{
    int best = -1;
    for (int h = 0; h < e->ng; h++) {
        if (h == g || e->common[g][h] < 10)
            continue;
        if (best < 0 || e->share[g][h] > e->share[g][best] ||
            (e->share[g][h] == e->share[g][best] && e->common[g][h] > e->common[g][best]))
            best = h;
    }
    return best < 0 ? NULL : e->code[best];
}

static json_t *alert_of(json_t *subject, const char *kind)
{
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(subject, "alerts"), i, a)
    {
        if (strcmp(sval(a, "kind"), kind) == 0)
            return a;
    }
    return NULL;
}

static void test_correlate(void **state)
{
    (void)state;
    json_t *r = ok_call("correlate_intelligence",
                        "{\"mep_ids\": [840, 1892], \"groups\": [\"epp\", \"Verts/ALE\"], "
                        "\"days\": 60}");
    json_t *w = json_object_get(r, "window"), *pw = json_object_get(r, "previous_window");
    assert_string_equal(sval(w, "from"), "2024-02-24");
    assert_string_equal(sval(pw, "to"), "2024-02-23");
    assert_string_equal(sval(pw, "from"), "2023-12-26");
    assert_string_equal(sval(json_object_get(r, "data_age"), "last_vote_date"), "2024-04-23");
    assert_string_equal(sval(json_object_get(r, "data_age"), "dataset_date"), "2025-09-11");
    json_t *subj = json_object_get(r, "subjects");
    assert_int_equal(json_array_size(subj), 4);
    /* an MEP's votes cast in each window, against member_vote */
    json_t *m840 = json_array_get(subj, 0);
    assert_int_equal(ival(m840, "mep_id"), 840);
    assert_int_equal(ival(json_object_get(m840, "current"), "votes_cast"),
                     sql_int("SELECT COUNT(*) FROM member_vote m JOIN vote v ON v.id = "
                             "m.vote_id WHERE m.member_id = 840 AND m.pos BETWEEN 1 AND 3 AND "
                             "v.sitting_date BETWEEN '2024-02-24' AND '2024-04-23'"));
    /* influence_drop fires exactly when the composite fell by 10 points or more */
    double c0 = json_number_value(json_object_get(json_object_get(m840, "current"),
                                                  "influence_composite"));
    double c1 = json_number_value(json_object_get(json_object_get(m840, "previous"),
                                                  "influence_composite"));
    assert_int_equal(alert_of(m840, "influence_drop") != NULL, c0 - c1 <= -10);
    /* the groups: mean AI and the closest group, computed here from member_vote */
    struct indep cur, prev;
    indep_cohesion("2024-02-24", "2024-04-23", &cur);
    indep_cohesion("2023-12-26", "2024-02-23", &prev);
    for (size_t k = 2; k < 4; k++) {
        json_t *x = json_array_get(subj, k);
        const char *code = sval(x, "group");
        assert_string_equal(code, k == 2 ? "EPP" : "GREEN_EFA");
        int gc = indep_group(&cur, code), gp = indep_group(&prev, code);
        json_t *fc = json_object_get(x, "current"), *fp = json_object_get(x, "previous");
        assert_true(fabs(json_number_value(json_object_get(fc, "agreement_index")) -
                         cur.ai[gc]) < 1e-6);
        assert_true(fabs(json_number_value(json_object_get(fp, "agreement_index")) -
                         prev.ai[gp]) < 1e-6);
        const char *ac = indep_closest(&cur, gc), *ap = indep_closest(&prev, gp);
        assert_string_equal(sval(fc, "closest_group"), ac);
        assert_string_equal(sval(fp, "closest_group"), ap);
        json_t *al = alert_of(x, "ally_shift");
        assert_int_equal(al != NULL, strcmp(ac, ap) != 0);
        if (al) {
            long long n = ival(fc, "votes_cast") < ival(fp, "votes_cast") ? ival(fc, "votes_cast")
                                                                          : ival(fp, "votes_cast");
            double conf = n / 50.0 < 1 ? n / 50.0 : 1;
            assert_true(fabs(json_number_value(json_object_get(al, "confidence")) - conf) < 1e-9);
        }
        assert_int_equal(alert_of(x, "cohesion_drop") != NULL, cur.ai[gc] - prev.ai[gp] <= -0.05);
    }
    json_decref(r);
    /* no previous window: no change can be known, so no change alert */
    r = ok_call("correlate_intelligence", "{\"groups\": [\"EPP\"], \"days\": 200}");
    assert_false(json_is_true(json_object_get(json_object_get(r, "previous_window"),
                                              "available")));
    assert_int_equal(ival(r, "alerts_total"), 0);
    json_t *x = json_array_get(json_object_get(r, "subjects"), 0);
    assert_false(json_is_true(json_object_get(json_object_get(x, "previous"), "present")));
    json_decref(r);
    bad_call("correlate_intelligence", "{\"mep_ids\": [1]}", EP_EINVAL, "no MEP with id 1");
    bad_call("correlate_intelligence", "{\"groups\": [\"XYZ\"]}", EP_EINVAL,
             "unknown group \"XYZ\"");
    bad_call("correlate_intelligence", "{}", EP_EINVAL, "give \"mep_ids\"");
    bad_call("correlate_intelligence", "{\"groups\": [\"EPP\"], \"to\": \"2023-01-31\"}",
             EP_EUNAVAIL, "no roll-call vote with per-MEP positions");
}

/* ==== monitor_legislative_pipeline and analyze_legislative_effectiveness ================== */

/* ==== the topic filter (issue 18) on early_warning_system and correlate_intelligence ======= */

#define LIBE_VOTES(col)                                                                            \
    col " IN (SELECT vote_id FROM vote_topic WHERE kind = 'committee' AND code = 'LIBE')"

/* LIBE votes with positions from..to, by SQL */
static long long libe_votes(const char *from, const char *to)
{
    return sql_int("SELECT COUNT(*) FROM vote WHERE pos_unit_id IS NOT NULL AND sitting_date "
                   "BETWEEN '%s' AND '%s' AND " LIBE_VOTES("id"),
                   from, to);
}

/* the window's filter: committee LIBE with the window's votes */
static void check_filter(json_t *w, long long votes)
{
    json_t *f = json_object_get(w, "filter");
    assert_non_null(f);
    assert_string_equal(sval(f, "kind"), "committee");
    assert_string_equal(sval(f, "code"), "LIBE");
    assert_int_equal(ival(f, "votes"), votes);
    assert_int_equal(ival(w, "votes"), votes);
}

static void test_signal_filters(void **state)
{
    (void)state;
    /* early_warning_system: 90 days to 2024-04-23 on the LIBE votes; close_votes from SQL */
    json_t *r = ok_call("early_warning_system", "{\"committee\": \"LIBE\"}");
    long long cur = libe_votes("2024-01-25", "2024-04-23");
    assert_true(cur > 0);
    check_filter(json_object_get(r, "window"), cur);
    json_t *pw = json_object_get(r, "previous_window");
    long long prev = libe_votes("2023-10-27", "2024-01-24");
    if (prev > 0) {
        check_filter(pw, prev);
    } else {
        assert_false(json_is_true(json_object_get(pw, "available")));
        assert_non_null(strstr(sval(pw, "reason"), "carries the topic filter"));
    }
    sqlite3_stmt *st;
    assert_int_equal(
        sqlite3_prepare_v2(ep_store_db(S),
                           "SELECT SUM(abs(f - a) < 0.05 * (f + a + b)), COUNT(*) FROM (SELECT "
                           "m.vote_id, SUM(m.pos = 1) AS f, SUM(m.pos = 2) AS a, SUM(m.pos = 3) "
                           "AS b FROM member_vote m JOIN vote v ON v.id = m.vote_id WHERE "
                           "v.sitting_date BETWEEN '2024-01-25' AND '2024-04-23' AND " LIBE_VOTES(
                               "m.vote_id") " GROUP BY m.vote_id) WHERE f + a + b > 0",
                           -1, &st, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    double share = (double)sqlite3_column_int(st, 0) / sqlite3_column_int(st, 1);
    sqlite3_finalize(st);
    json_t *cv = json_object_get(json_object_get(r, "dimensions"), "close_votes");
    assert_true(json_is_true(json_object_get(cv, "available")));
    assert_true(fabs(json_number_value(json_object_get(cv, "value")) -
                     (share / 0.20 < 1 ? share / 0.20 : 1)) < 1e-6);
    json_decref(r);

    /* correlate_intelligence: an MEP's votes cast among the LIBE votes of the 60 days */
    r = ok_call("correlate_intelligence",
                "{\"mep_ids\": [840], \"days\": 60, \"committee\": \"LIBE\"}");
    check_filter(json_object_get(r, "window"), libe_votes("2024-02-24", "2024-04-23"));
    json_t *m840 = json_array_get(json_object_get(r, "subjects"), 0);
    assert_int_equal(ival(json_object_get(m840, "current"), "votes_cast"),
                     sql_int("SELECT COUNT(*) FROM member_vote m JOIN vote v ON v.id = "
                             "m.vote_id WHERE m.member_id = 840 AND m.pos BETWEEN 1 AND 3 AND "
                             "v.sitting_date BETWEEN '2024-02-24' AND '2024-04-23' AND " LIBE_VOTES(
                                 "m.vote_id")));
    json_decref(r);

    /* unknown code, a topic without positioned votes, no filter */
    bad_call("early_warning_system", "{\"committee\": \"NOPE\"}", EP_EINVAL,
             "unknown committee \"NOPE\"");
    bad_call("correlate_intelligence", "{\"groups\": [\"EPP\"], \"subject\": \"4.6\"}", EP_EINVAL,
             "unknown OEIL subject \"4.6\"");
    char want[160];
    snprintf(want, sizeof want, "%lld votes in the store carry it, 0 of them with positions",
             sql_int("SELECT COUNT(*) FROM vote_topic WHERE kind = 'geo' AND code = 'AFG'"));
    bad_call("early_warning_system", "{\"geo_area\": \"AFG\"}", EP_ENOTFOUND, want);
    bad_call("correlate_intelligence", "{\"groups\": [\"EPP\"], \"geo_area\": \"AFG\"}",
             EP_ENOTFOUND, want);
    r = ok_call("early_warning_system", "{}");
    assert_null(json_object_get(json_object_get(r, "window"), "filter"));
    json_decref(r);
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

static void test_pipeline_unavailable(void **state)
{
    (void)state;
    /* the bundled data has no procedure events: unavailable, the reason and the sync command */
    json_t *r = ok_call("monitor_legislative_pipeline", "{}");
    assert_false(json_is_true(json_object_get(r, "available")));
    assert_non_null(strstr(sval(r, "reason"), "no procedure events"));
    assert_non_null(strstr(sval(r, "how_to_get"), "epintel sync --only procedures"));
    assert_null(json_object_get(r, "stages"));
    json_decref(r);
    bad_call("monitor_legislative_pipeline", "{\"as_of\": \"2024-02-31\"}", EP_EINVAL,
             "not a valid date");
}

/* Procedures and their events synced from the local EP API test server (srv_epapi constructs
 * one procedure per procedure reference of the votes with positions, with every vote of the
 * procedure in the store as a dated event), checked against SQL over procedure_event. */
static void test_pipeline_synced(void **state)
{
    (void)state;
    struct ep_error err = {0};
    char path[1024];
    snprintf(path, sizeof path, "%s/procedures.db", Dir);
    struct ep_store *s3;
    struct ep_env env3;
    assert_int_equal(ep_store_open(path, 0, &s3, &err), 0);
    assert_int_equal(ep_store_ensure_default(s3, NULL, NULL, &err), 0);
    int port = 0;
    pid_t pid = ep_test_start_server("srv_epapi", Dir, &port);
    assert_true(pid > 0);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
    struct ep_fetch_opts fo = {.base_url = url, .bucket_capacity = 1000000};
    struct ep_fetch *f = NULL;
    assert_int_equal(ep_fetch_new(&fo, &f, &err), 0);
    struct ep_sync_opts so = {.only = EP_SYNC_PROCEDURES};
    struct ep_sync_summary sum;
    memset(&sum, 0, sizeof sum);
    int rc = ep_epapi_sync(s3, f, &so, &sum, &err);
    if (rc)
        fprintf(stderr, "sync: %s\n", err.msg);
    assert_int_equal(rc, 0);
    ep_fetch_free(f);
    ep_test_stop_server(pid);
    assert_true(sql_int_on(s3, "SELECT COUNT(*) FROM procedure_event") > 100);
    assert_int_equal(ep_env_init(&env3, s3, &err), 0);

    json_t *r = ok_on(s3, &env3, "monitor_legislative_pipeline", "{}");
    assert_true(json_is_true(json_object_get(r, "available")));
    json_t *st = json_object_get(r, "store");
    assert_int_equal(ival(st, "procedure_events"),
                     sql_int_on(s3, "SELECT COUNT(*) FROM procedure_event"));
    assert_int_equal(ival(st, "procedures_with_events"),
                     sql_int_on(s3, "SELECT COUNT(DISTINCT procedure_id) FROM procedure_event"));
    char as_of[11];
    snprintf(as_of, sizeof as_of, "%s", sval(r, "as_of"));
    /* every stage: its spans, median and nearest-rank p95, from LEAD() over the events */
    size_t i;
    json_t *x;
    long long spans = 0;
    json_array_foreach(json_object_get(r, "stages"), i, x)
    {
        char q[1024];
        snprintf(q, sizeof q,
                 "SELECT julianday(nd) - julianday(d) FROM (SELECT type, substr(date, 1, 10) AS "
                 "d, LEAD(substr(date, 1, 10)) OVER (PARTITION BY procedure_id ORDER BY date, "
                 "id) AS nd FROM procedure_event) WHERE nd IS NOT NULL AND type = '%s' ORDER BY 1",
                 sval(x, "stage"));
        sqlite3_stmt *q1;
        assert_int_equal(sqlite3_prepare_v2(ep_store_db(s3), q, -1, &q1, NULL), SQLITE_OK);
        long long d[4096];
        int n = 0;
        while (sqlite3_step(q1) == SQLITE_ROW && n < 4096)
            d[n++] = (long long)llround(sqlite3_column_double(q1, 0));
        sqlite3_finalize(q1);
        qsort(d, (size_t)n, sizeof d[0], cmp_ll);
        assert_int_equal(ival(x, "spans"), n);
        double med = n % 2 ? (double)d[n / 2] : (d[n / 2 - 1] + d[n / 2]) / 2.0;
        int k95 = (int)ceil(0.95 * n);
        assert_true(fabs(json_number_value(json_object_get(x, "median_days")) - med) < 1e-9);
        assert_true(fabs(json_number_value(json_object_get(x, "p95_days")) - (double)d[k95 - 1]) <
                    1e-9);
        spans += n;
    }
    assert_int_equal(spans, sql_int_on(s3, "SELECT COUNT(*) - COUNT(DISTINCT procedure_id) FROM "
                                           "procedure_event"));
    /* stalled: latest event more than 180 days before as_of */
    assert_int_equal(ival(r, "stalled_total"),
                     sql_int_on(s3, "SELECT COUNT(*) FROM (SELECT MAX(substr(date, 1, 10)) AS d "
                                    "FROM procedure_event GROUP BY procedure_id) WHERE "
                                    "julianday('%s') - julianday(d) > 180", as_of));
    json_t *s0 = json_array_get(json_object_get(r, "stalled"), 0);
    if (s0)
        assert_true(ival(s0, "idle_days") > 180);
    json_decref(r);
    /* a later reference date stalls every procedure */
    r = ok_on(s3, &env3, "monitor_legislative_pipeline",
              "{\"as_of\": \"2030-01-01\", \"stalled_days\": 30}");
    assert_int_equal(ival(r, "stalled_total"),
                     sql_int_on(s3, "SELECT COUNT(DISTINCT procedure_id) FROM procedure_event"));
    json_decref(r);
    ep_env_close(&env3);
    ep_store_close(s3);
}

static void test_effectiveness(void **state)
{
    (void)state;
    json_t *r = ok_call("analyze_legislative_effectiveness", "{}");
    json_t *rap = json_object_get(r, "rapporteurs");
    assert_false(json_is_true(json_object_get(rap, "available")));
    assert_non_null(strstr(sval(rap, "reason"), "rapporteur"));
    assert_int_equal(ival(r, "procedures"),
                     sql_int("SELECT COUNT(DISTINCT procedure_reference) FROM vote WHERE "
                             "procedure_reference <> ''"));
    /* COD: the latest main vote's result of each procedure, by a window function */
    json_t *key = json_string("COD");
    json_t *cod = find_item(json_object_get(r, "by_procedure_type"), "procedure_type", key);
    json_decref(key);
    assert_non_null(cod);
    static const char latest[] =
        "SELECT COUNT(*) FROM (SELECT procedure_reference, result, ROW_NUMBER() OVER (PARTITION "
        "BY procedure_reference ORDER BY sitting_date DESC, timestamp DESC, id DESC) AS k FROM "
        "vote WHERE is_main = 1 AND procedure_type = 'COD') WHERE k = 1 AND result = '%s'";
    assert_int_equal(ival(cod, "adopted"), sql_int(latest, "ADOPTED"));
    assert_int_equal(ival(cod, "rejected"), sql_int(latest, "REJECTED"));
    assert_int_equal(ival(cod, "procedures"), sql_int("SELECT COUNT(DISTINCT procedure_reference) "
                                                      "FROM vote WHERE procedure_type = 'COD'"));
    assert_int_equal(ival(cod, "procedures"), ival(cod, "adopted") + ival(cod, "rejected") +
                                                  ival(cod, "no_main_result"));
    double rate = (double)ival(cod, "adopted") / (ival(cod, "adopted") + ival(cod, "rejected"));
    assert_true(fabs(json_number_value(json_object_get(cod, "adoption_rate")) - rate) < 1e-6);
    /* the result was kept in the store's derived results; the next call reads it back whole */
    assert_int_equal(sql_int("SELECT COUNT(*) FROM derived WHERE kind = 'effectiveness|v1'"), 1);
    json_t *again = ok_call("analyze_legislative_effectiveness", "{}");
    json_object_del(again, "provenance");
    json_object_del(r, "provenance");
    assert_true(json_equal(r, again));
    json_decref(again);
    json_decref(r);
}

/* ==== sentiment_tracker's topic filter (issue 18) ========================================= */

/* Each kind of topic filter on sentiment_tracker: every span against the same figures computed
 * here by SQL from member_vote on the votes that carry the topic (for the code chosen by SQL:
 * subject 8.70 with its sub-codes, the concept, committee and geographic area with the most
 * votes with positions). */
static void test_sentiment_topic(void **state)
{
    (void)state;
    static const char *const kinds[] = {"subject", "concept", "committee", "geo"};
    static const char *const args[] = {"subject", "concept", "committee", "geo_area"};
    static const char *const from[] = {"2024-03-25", "2024-01-25", "2023-04-25"};
    for (int k = 0; k < 4; k++) {
        char code[40] = "8.70", cond[400], a[160];
        if (k > 0) {
            sqlite3_stmt *st;
            char q[400];
            snprintf(q, sizeof q,
                     "SELECT t.code FROM vote_topic t JOIN vote_positions p ON p.vote_id = "
                     "t.vote_id WHERE t.kind = '%s' GROUP BY t.code ORDER BY COUNT(*) DESC, "
                     "t.code LIMIT 1",
                     kinds[k]);
            assert_int_equal(sqlite3_prepare_v2(ep_store_db(S), q, -1, &st, NULL), SQLITE_OK);
            assert_int_equal(sqlite3_step(st), SQLITE_ROW);
            snprintf(code, sizeof code, "%s", (const char *)sqlite3_column_text(st, 0));
            sqlite3_finalize(st);
        }
        snprintf(cond, sizeof cond,
                 " AND m.vote_id IN (SELECT vote_id FROM vote_topic WHERE kind = '%s' AND (code "
                 "= '%s'%s))",
                 kinds[k], code, k == 0 ? " OR code LIKE '8.70.%'" : "");
        snprintf(a, sizeof a, "{\"%s\": \"%s\"}", args[k], code);
        json_t *r = ok_call("sentiment_tracker", a);
        assert_string_equal(sval(r, "reference_date"), "2024-04-23");
        json_t *spans = json_object_get(r, "spans");
        long long year = 0;
        for (int s = 0; s < 3; s++) {
            json_t *x = json_array_get(spans, (size_t)s);
            long long n = sql_int("SELECT COUNT(DISTINCT m.vote_id) FROM member_vote m JOIN vote "
                                  "v ON v.id = m.vote_id WHERE v.sitting_date BETWEEN '%s' AND "
                                  "'2024-04-23'%s",
                                  from[s], cond);
            if (s == 2)
                year = n;
            if (n == 0) {
                assert_false(json_is_true(json_object_get(x, "available")));
                assert_non_null(strstr(sval(x, "reason"), code));
                continue;
            }
            assert_true(json_is_true(json_object_get(x, "available")));
            struct indep e;
            indep_cohesion_where(from[s], "2024-04-23", cond, &e);
            assert_int_equal(ival(x, "votes"), n);
            assert_int_equal(e.votes, n);
            assert_int_equal(ival(x, "sittings"),
                             sql_int("SELECT COUNT(DISTINCT v.sitting_date) FROM member_vote m "
                                     "JOIN vote v ON v.id = m.vote_id WHERE v.sitting_date "
                                     "BETWEEN '%s' AND '2024-04-23'%s",
                                     from[s], cond));
            assert_int_equal(ival(x, "meps"),
                             sql_int("SELECT COUNT(DISTINCT m.member_id) FROM member_vote m "
                                     "JOIN vote v ON v.id = m.vote_id WHERE m.pos BETWEEN 1 AND "
                                     "3 AND v.sitting_date BETWEEN '%s' AND '2024-04-23'%s",
                                     from[s], cond));
            assert_true(fabs(json_number_value(json_object_get(x, "cohesion")) - e.cohesion) <
                        1e-6);
            assert_true(fabs(json_number_value(json_object_get(x, "polarisation")) -
                             e.polarisation) < 1e-6);
        }
        assert_true(year > 0);
        json_t *w = json_object_get(r, "window");
        json_t *f = json_object_get(w, "filter");
        assert_non_null(f);
        assert_string_equal(sval(f, "kind"), args[k]);
        assert_string_equal(sval(f, "code"), code);
        assert_int_equal(ival(f, "votes"), year);
        assert_int_equal(ival(w, "votes"), year);
        assert_string_equal(sval(w, "from"), "2023-04-25");
        json_decref(r);
    }
    /* the area's votes are fewer than the Parliament's: 8.70 has 33 of the year's 266 */
    json_t *r = ok_call("sentiment_tracker", "{\"subject\": \"8.70\"}");
    assert_int_equal(ival(json_object_get(r, "window"), "votes"), 33);
    json_decref(r);
    r = ok_call("sentiment_tracker", "{}");
    assert_int_equal(ival(json_object_get(r, "window"), "votes"), 266);
    assert_null(json_object_get(json_object_get(r, "window"), "filter"));
    json_decref(r);
    /* errors: unknown code, two filters, a filter without votes in the spans */
    bad_call("sentiment_tracker", "{\"committee\": \"NOPE\"}", EP_EINVAL,
             "unknown committee \"NOPE\"");
    bad_call("sentiment_tracker", "{\"subject\": \"8.70\", \"committee\": \"LIBE\"}",
             EP_EINVAL, "one topic filter at most");
    bad_call("sentiment_tracker", "{\"subject\": \"8.70\", \"to\": \"2024-02-20\"}",
             EP_ENOTFOUND, "leaves no vote with per-MEP positions in the 365 days ending on "
                           "2024-02-20: 33 votes");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_latest_store),
        cmocka_unit_test(test_latest_fetch),
        cmocka_unit_test(test_generated_stats),
        cmocka_unit_test(test_sentiment),
        cmocka_unit_test(test_early_warning),
        cmocka_unit_test(test_correlate),
        cmocka_unit_test(test_signal_filters),
        cmocka_unit_test(test_pipeline_unavailable),
        cmocka_unit_test(test_pipeline_synced),
        cmocka_unit_test(test_effectiveness),
        cmocka_unit_test(test_sentiment_topic),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
