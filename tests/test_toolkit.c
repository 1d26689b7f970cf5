/* The toolkit tools, part A (tools/ep_tools_toolkit.c), on the bundled real data through
 * ep_tools_call (input and output schemas validated), against independent SQL over member_vote
 * and hand-checked figures, with the edge windows: too short, unknown ids and codes, no votes. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_comparative.h"
#include "ep_env.h"
#include "ep_graph.h"
#include "ep_report.h"
#include "ep_store.h"
#include "ep_store_db.h"
#include "ep_testutil.h"
#include "ep_tools.h"
#include "ep_tools_basic.h"
#include "ep_tools_toolkit.h"

EP_TEST_TOOLS

static struct ep_store *S;
static struct ep_env Env;
static char *Dir;

static int setup(void **state)
{
    (void)state;
    static const ep_test_rows_fn rows[] = {ep_tools_toolkit_rows, ep_tools_basic_rows, NULL};
    return ep_test_store_open("kit.db", &Dir, &S, &Env, rows, Tools);
}

static int teardown(void **state)
{
    (void)state;
    ep_tools_cleanup(Tools);
    ep_report_cleanup();
    ep_test_store_close(Dir, S, &Env);
    return 0;
}

static int call(const char *tool, const char *args_json, json_t **res, struct ep_error *err)
{
    struct ep_tool_ctx ctx = {0};
    ctx.store = S;
    ctx.env = &Env;
    ctx.out_dir = Dir;
    json_t *args = json_loads(args_json, 0, NULL);
    assert_non_null(args);
    *res = NULL;
    int rc = ep_tools_call(Tools, &ctx, tool, args, res, err);
    json_decref(args);
    return rc;
}

static json_t *ok_call(const char *tool, const char *args_json)
{
    struct ep_error err = {0};
    json_t *res;
    int rc = call(tool, args_json, &res, &err);
    if (rc)
        fail_msg("%s %s: %d %s", tool, args_json, rc, err.msg);
    assert_non_null(json_object_get(res, "window"));
    assert_non_null(json_object_get(res, "provenance"));
    assert_non_null(json_object_get(res, "methodology"));
    return res;
}

/* A tool without the analysis blocks (get_voting_records). */
static json_t *ok_call_plain(const char *tool, const char *args_json)
{
    struct ep_error err = {0};
    json_t *res;
    int rc = call(tool, args_json, &res, &err);
    if (rc)
        fail_msg("%s %s: %d %s", tool, args_json, rc, err.msg);
    return res;
}

/* The call fails with code; its message contains want. */
static void bad_call(const char *tool, const char *args_json, int code, const char *want)
{
    struct ep_error err = {0};
    json_t *res = NULL;
    int rc = call(tool, args_json, &res, &err);
    if (rc != code || !strstr(err.msg, want))
        fail_msg("%s %s: got %d \"%s\", want %d \"%s\"", tool, args_json, rc, err.msg, code, want);
    assert_null(res);
}

/* The first column of the first row of a formatted query, as text (static buffer). */
static const char *sql_vtext(const char *fmt, va_list ap)
{
    static char out[4096];
    char q[4096];
    vsnprintf(q, sizeof q, fmt, ap);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(ep_store_db(S), q, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", q, sqlite3_errmsg(ep_store_db(S)));
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    const char *t = (const char *)sqlite3_column_text(st, 0);
    snprintf(out, sizeof out, "%s", t ? t : "");
    sqlite3_finalize(st);
    return out;
}

static const char *sql_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *sql_text(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const char *t = sql_vtext(fmt, ap);
    va_end(ap);
    return t;
}

static long long sql_int(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static long long sql_int(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const char *t = sql_vtext(fmt, ap);
    va_end(ap);
    return atoll(t);
}

static double num(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    if (!json_is_number(v))
        fail_msg("%s is not a number", k);
    return json_number_value(v);
}

static long long geti(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    if (!json_is_integer(v))
        fail_msg("%s is not an integer", k);
    return json_integer_value(v);
}

/* ---- comparative_intelligence ------------------------------------------------------------- */

/* same and both of two MEPs from member_vote (cast = pos 1..3) */
static void sql_pair(long long a, long long b, long long *same, long long *both)
{
    const char *j = "FROM member_vote x JOIN member_vote y ON x.vote_id = y.vote_id WHERE "
                    "x.member_id = %lld AND y.member_id = %lld AND x.pos BETWEEN 1 AND 3 AND "
                    "y.pos BETWEEN 1 AND 3";
    char q[512];
    snprintf(q, sizeof q, "SELECT COUNT(*) %s", j);
    *both = sql_int(q, a, b);
    snprintf(q, sizeof q, "SELECT COUNT(*) %s AND x.pos = y.pos", j);
    *same = sql_int(q, a, b);
}

/* The one-pass modal groups equal graph/'s definition for every MEP of the bundled window
 * (several changed group within it). */
static void test_modal_groups(void **state)
{
    (void)state;
    struct ep_window win = {0};
    struct ep_win *w = NULL;
    struct ep_error err = {0};
    assert_int_equal(ep_env_window(&Env, &win, &w, &err), 0);
    int *modal = malloc((size_t)w->m->n_mep * sizeof *modal);
    assert_non_null(modal);
    assert_int_equal(ep_cmp_modal_groups(w->m, modal, &err), 0);
    int changed = 0;
    for (int i = 0; i < w->m->n_mep; i++) {
        assert_int_equal(modal[i], ep_graph_modal_group(w->m, i));
        int g0 = -1;
        for (int v = 0; v < w->m->n_vote; v++) {
            int g = w->m->grp[(size_t)v * (size_t)w->m->n_mep + (size_t)i];
            if (g == EP_GRP_NONE)
                continue;
            if (g0 >= 0 && g != g0) {
                changed++;
                break;
            }
            g0 = g;
        }
    }
    assert_true(changed > 0);
    free(modal);
}

static void test_comparative(void **state)
{
    (void)state;
    /* Adamowicz (EPP, PL), Adinolfi (EPP, IT), Thun (Renew, PL) */
    json_t *r = ok_call("comparative_intelligence",
                        "{\"mep_ids\": [197490, 124831, 96776], \"max_differing_votes\": 3}");
    json_t *pairs = json_object_get(r, "pairs");
    assert_int_equal(json_array_size(pairs), 3);
    const long long ids[3] = {197490, 124831, 96776};
    int q = 0;
    for (int a = 0; a < 3; a++)
        for (int b = a + 1; b < 3; b++, q++) {
            json_t *p = json_array_get(pairs, (size_t)q);
            long long same, both;
            sql_pair(ids[a], ids[b], &same, &both);
            assert_true(both > 100);
            assert_int_equal(geti(p, "a"), ids[a]);
            assert_int_equal(geti(p, "b"), ids[b]);
            assert_int_equal(geti(p, "shared_votes"), both);
            assert_int_equal(geti(p, "agreeing_votes"), same);
            assert_int_equal(geti(p, "differing_votes"), both - same);
            assert_true(fabs(num(p, "agreement") - (double)same / (double)both) < 5e-7);
            /* the listed differing votes really differ, in vote order, with their titles */
            json_t *d = json_object_get(p, "differ");
            assert_int_equal(json_array_size(d), both - same < 3 ? both - same : 3);
            for (size_t k = 0; k < json_array_size(d); k++) {
                json_t *x = json_array_get(d, k);
                long long v = geti(x, "vote_id");
                assert_int_equal(sql_int("SELECT COUNT(*) FROM member_vote x JOIN member_vote y "
                                         "ON x.vote_id = y.vote_id WHERE x.vote_id = %lld AND "
                                         "x.member_id = %lld AND y.member_id = %lld AND x.pos "
                                         "BETWEEN 1 AND 3 AND y.pos BETWEEN 1 AND 3 AND x.pos <> "
                                         "y.pos",
                                         v, ids[a], ids[b]),
                                 1);
                assert_string_equal(json_string_value(json_object_get(x, "title")),
                                    sql_text("SELECT COALESCE(NULLIF(title, ''), rcv_title, '') "
                                             "FROM vote WHERE id = %lld",
                                             v));
            }
        }
    /* Thun is in Renew, the other two in EPP: the EPP pair agrees more */
    assert_true(num(json_array_get(pairs, 0), "agreement") >
                num(json_array_get(pairs, 1), "agreement"));
    json_decref(r);

    /* most like Adamowicz: the first item's figures by SQL, and no other MEP with >= 10 common
     * votes has a higher agreement */
    r = ok_call("comparative_intelligence", "{\"like_mep_id\": 197490, \"top\": 5}");
    json_t *ms = json_object_get(r, "most_similar");
    assert_true(json_is_true(json_object_get(ms, "available")));
    json_t *items = json_object_get(ms, "items");
    assert_int_equal(json_array_size(items), 5);
    json_t *first = json_array_get(items, 0);
    long long same, both;
    sql_pair(197490, geti(first, "mep_id"), &same, &both);
    assert_int_equal(geti(first, "shared_votes"), both);
    assert_int_equal(geti(first, "agreeing_votes"), same);
    /* candidates: MEPs (other than X) with >= 10 common cast votes */
    long long cand = sql_int(
        "SELECT COUNT(*) FROM (SELECT y.member_id FROM member_vote x JOIN member_vote y ON "
        "x.vote_id = y.vote_id WHERE x.member_id = 197490 AND y.member_id <> 197490 AND x.pos "
        "BETWEEN 1 AND 3 AND y.pos BETWEEN 1 AND 3 GROUP BY y.member_id HAVING COUNT(*) >= 10)");
    assert_int_equal(geti(ms, "candidates"), cand);
    /* the best agreement by SQL (as an integer in millionths) */
    long long best = sql_int(
        "SELECT MAX(s * 1000000 / c) FROM (SELECT SUM(x.pos = y.pos) * 1.0 AS s, COUNT(*) AS c "
        "FROM member_vote x JOIN member_vote y ON x.vote_id = y.vote_id WHERE x.member_id = "
        "197490 AND y.member_id <> 197490 AND x.pos BETWEEN 1 AND 3 AND y.pos BETWEEN 1 AND 3 "
        "GROUP BY y.member_id HAVING COUNT(*) >= 10)");
    assert_true(fabs(num(first, "agreement") * 1e6 - (double)best) <= 1.0);
    for (size_t k = 1; k < json_array_size(items); k++)
        assert_true(num(json_array_get(items, k - 1), "agreement") >=
                    num(json_array_get(items, k), "agreement"));
    assert_null(json_object_get(r, "pairs"));
    json_decref(r);

    /* a window shorter than the common votes a candidate needs: said so */
    r = ok_call("comparative_intelligence",
                "{\"like_mep_id\": 197490, \"min_common_votes\": 300}");
    ms = json_object_get(r, "most_similar");
    assert_true(json_is_false(json_object_get(ms, "available")));
    assert_non_null(strstr(json_string_value(json_object_get(ms, "reason")), "300"));
    json_t *ws = json_object_get(r, "window_too_short");
    assert_non_null(ws);
    json_t *m0 = json_array_get(json_object_get(ws, "measures"), 0);
    assert_int_equal(geti(m0, "have"), 266);
    assert_int_equal(geti(m0, "minimum"), 300);
    json_decref(r);

    /* errors: nothing asked, unknown MEP, duplicate, no mandate in the window, empty window */
    bad_call("comparative_intelligence", "{}", EP_EINVAL, "mep_ids");
    bad_call("comparative_intelligence", "{\"mep_ids\": [197490, 1]}", EP_ENOTFOUND,
             "mep_ids[1]");
    bad_call("comparative_intelligence", "{\"mep_ids\": [197490, 197490]}", EP_EINVAL,
             "listed twice");
    bad_call("comparative_intelligence", "{\"mep_ids\": [197490, 124831], \"term\": 10}",
             EP_EUNAVAIL, "");
    bad_call("comparative_intelligence", "{\"mep_ids\": [197490]}", EP_EINVAL, "mep_ids");
}

/* ---- analyze_country_delegation --------------------------------------------------------- */

/* The delegation's per-vote counts and position (0 = TIE), as SQL over member_vote */
#define DELEG_CTE                                                                                  \
    "WITH c AS (SELECT vote_id, SUM(pos = 1) AS y, SUM(pos = 2) AS n, SUM(pos = 3) AS a FROM "    \
    "member_vote mv JOIN member m ON m.id = mv.member_id WHERE m.country_code = 'POL' GROUP BY "   \
    "vote_id), p AS (SELECT vote_id, y, n, a, CASE WHEN y > n AND y > a THEN 1 WHEN n > y AND n " \
    "> a THEN 2 WHEN a > y AND a > n THEN 3 ELSE 0 END AS dp FROM c) "

static json_t *find_by(json_t *arr, const char *key, const char *val)
{
    for (size_t k = 0; k < json_array_size(arr); k++) {
        json_t *x = json_array_get(arr, k);
        if (strcmp(json_string_value(json_object_get(x, key)), val) == 0)
            return x;
    }
    fail_msg("no %s = %s", key, val);
    return NULL;
}

static void test_delegation(void **state)
{
    (void)state;
    json_t *r = ok_call("analyze_country_delegation", "{\"country\": \"pl\", \"top\": 3}");
    json_t *c = json_object_get(r, "country");
    assert_string_equal(json_string_value(json_object_get(c, "code")), "POL");
    assert_string_equal(json_string_value(json_object_get(c, "label")), "Poland");
    assert_int_equal(json_array_size(json_object_get(r, "members")),
                     sql_int("SELECT COUNT(DISTINCT mv.member_id) FROM member_vote mv JOIN member "
                             "m ON m.id = mv.member_id WHERE m.country_code = 'POL'"));
    /* seats on the last vote */
    json_t *seats = json_object_get(r, "seats");
    long long last = geti(seats, "vote_id");
    assert_int_equal(last, sql_int("SELECT id FROM vote WHERE pos_unit_id IS NOT NULL ORDER BY "
                                   "timestamp DESC, id DESC LIMIT 1"));
    assert_int_equal(geti(seats, "total"),
                     sql_int("SELECT COUNT(*) FROM member_vote mv JOIN member m ON m.id = "
                             "mv.member_id WHERE m.country_code = 'POL' AND mv.vote_id = %lld",
                             last));
    assert_int_equal(geti(find_by(json_object_get(seats, "by_group"), "group", "EPP"), "seats"),
                     sql_int("SELECT COUNT(*) FROM member_vote mv JOIN member m ON m.id = "
                             "mv.member_id WHERE m.country_code = 'POL' AND mv.vote_id = %lld "
                             "AND mv.group_code = 'EPP'",
                             last));
    /* cohesion: mean AI in millionths */
    json_t *coh = json_object_get(r, "cohesion");
    long long ai = sql_int("WITH c AS (SELECT vote_id, SUM(pos = 1) AS y, SUM(pos = 2) AS n, "
                           "SUM(pos = 3) AS a FROM member_vote mv JOIN member m ON m.id = "
                           "mv.member_id WHERE m.country_code = 'POL' GROUP BY vote_id) SELECT "
                           "ROUND(AVG((max(y, n, a) - 0.5 * (y + n + a - max(y, n, a))) * 1.0 / "
                           "(y + n + a)) * 1e6) FROM c WHERE y + n + a > 0");
    assert_true(fabs(num(coh, "ai_mean") * 1e6 - (double)ai) <= 1.0);
    assert_int_equal(geti(coh, "ai_votes"), 266);
    /* splits */
    json_t *sp = json_object_get(r, "splits");
    assert_int_equal(geti(sp, "split_votes"),
                     sql_int(DELEG_CTE "SELECT COUNT(*) FROM p WHERE y + n + a >= 2 AND (y > 0) + "
                                       "(n > 0) + (a > 0) >= 2"));
    assert_int_equal(geti(sp, "tie_votes"),
                     sql_int(DELEG_CTE "SELECT COUNT(*) FROM p WHERE dp = 0 AND y + n + a > 0"));
    /* agreement with EPP */
    json_t *epp = find_by(json_object_get(r, "agreement_with_groups"), "group", "EPP");
    const char *grp_cte =
        ", g AS (SELECT vote_id, SUM(pos = 1) AS y, SUM(pos = 2) AS n, SUM(pos = 3) AS a FROM "
        "member_vote WHERE group_code = 'EPP' GROUP BY vote_id), gp AS (SELECT vote_id, CASE WHEN "
        "y > n AND y > a THEN 1 WHEN n > y AND n > a THEN 2 WHEN a > y AND a > n THEN 3 ELSE 0 "
        "END AS pos FROM g) ";
    assert_int_equal(geti(epp, "common_votes"),
                     sql_int(DELEG_CTE "%s SELECT COUNT(*) FROM p JOIN gp USING (vote_id) WHERE "
                                       "dp > 0 AND gp.pos > 0",
                             grp_cte));
    assert_int_equal(geti(epp, "agreeing_votes"),
                     sql_int(DELEG_CTE "%s SELECT COUNT(*) FROM p JOIN gp USING (vote_id) WHERE "
                                       "dp > 0 AND gp.pos = dp",
                             grp_cte));
    /* the top defector and their counts */
    json_t *d0 = json_array_get(json_object_get(r, "defectors"), 0);
    long long id = geti(d0, "mep_id");
    long long top = sql_int(DELEG_CTE "SELECT MAX(k) FROM (SELECT COUNT(*) AS k FROM member_vote "
                                      "mv JOIN p USING (vote_id) JOIN member m ON m.id = "
                                      "mv.member_id WHERE m.country_code = 'POL' AND mv.pos "
                                      "BETWEEN 1 AND 3 AND dp > 0 AND mv.pos <> dp GROUP BY "
                                      "mv.member_id)");
    assert_int_equal(geti(d0, "defections"), top);
    assert_int_equal(geti(d0, "votes_considered"),
                     sql_int(DELEG_CTE "SELECT COUNT(*) FROM member_vote mv JOIN p USING "
                                       "(vote_id) WHERE mv.member_id = %lld AND mv.pos BETWEEN 1 "
                                       "AND 3 AND dp > 0",
                             id));
    assert_int_equal(json_array_size(json_object_get(r, "defectors")), 3);
    json_decref(r);

    /* the same country by name and by its member-table code */
    r = ok_call("analyze_country_delegation", "{\"country\": \"Poland\"}");
    assert_string_equal(json_string_value(json_object_get(json_object_get(r, "country"), "code")),
                        "POL");
    json_decref(r);

    /* errors: unknown country, a country without MEPs in the window (the UK left in 2020),
     * a window without votes */
    bad_call("analyze_country_delegation", "{\"country\": \"XX\"}", EP_EINVAL, "unknown country");
    bad_call("analyze_country_delegation", "{\"country\": \"GB\"}", EP_ENOTFOUND, "GBR");
    bad_call("analyze_country_delegation", "{\"country\": \"DE\", \"term\": 10}", EP_EUNAVAIL, "");

    /* get_voting_records by_country: every country's counts of two votes by SQL */
    r = ok_call_plain("get_voting_records",
                      "{\"by_country\": true, \"limit\": 2, \"with_positions\": true}");
    json_t *votes = json_object_get(r, "votes");
    assert_int_equal(json_array_size(votes), 2);
    for (size_t k = 0; k < 2; k++) {
        json_t *v = json_array_get(votes, k);
        long long vid = geti(v, "id");
        json_t *cs = json_object_get(v, "countries");
        assert_int_equal(json_array_size(cs),
                         sql_int("SELECT COUNT(DISTINCT m.country_code) FROM member_vote mv JOIN "
                                 "member m ON m.id = mv.member_id WHERE mv.vote_id = %lld",
                                 vid));
        long long total = 0;
        for (size_t q = 0; q < json_array_size(cs); q++) {
            json_t *x = json_array_get(cs, q);
            const char *cc = json_string_value(json_object_get(x, "country"));
            assert_non_null(cc);
            static const char *const key[] = {"Y", "N", "A", "D"};
            for (int p = 0; p < 4; p++) {
                long long want = sql_int("SELECT COUNT(*) FROM member_vote mv JOIN member m ON "
                                         "m.id = mv.member_id WHERE mv.vote_id = %lld AND "
                                         "m.country_code = '%s' AND mv.pos = %d",
                                         vid, cc, p + 1);
                assert_int_equal(geti(x, key[p]), want);
                total += want;
            }
        }
        assert_int_equal(total, sql_int("SELECT COUNT(*) FROM member_vote WHERE vote_id = %lld", vid));
    }
    json_decref(r);
    /* without by_country there is no breakdown (the default output is unchanged) */
    r = ok_call_plain("get_voting_records", "{\"limit\": 1, \"with_positions\": true}");
    assert_null(json_object_get(json_array_get(json_object_get(r, "votes"), 0), "countries"));
    json_decref(r);
}

/* ---- track_mep_attendance ----------------------------------------------------------------- */

static void test_attendance(void **state)
{
    (void)state;
    /* groups: EPP's participation is stats' Σ T / Σ (T + D) over member_vote's group cells */
    json_t *r = ok_call("track_mep_attendance", "{\"by\": \"group\", \"top\": 50}");
    json_t *hi = json_object_get(r, "highest");
    assert_int_equal(json_array_size(hi), geti(r, "ranked"));
    json_t *epp = find_by(hi, "group", "EPP");
    assert_int_equal(geti(epp, "cast"),
                     sql_int("SELECT COUNT(*) FROM member_vote WHERE group_code = 'EPP' AND pos "
                             "BETWEEN 1 AND 3"));
    assert_int_equal(geti(epp, "eligible"),
                     sql_int("SELECT COUNT(*) FROM member_vote WHERE group_code = 'EPP'"));
    /* its series: 7 sittings, the first one's counts by SQL */
    json_t *s0 = json_array_get(json_object_get(epp, "series"), 0);
    assert_int_equal(json_array_size(json_object_get(epp, "series")), 7);
    assert_string_equal(json_string_value(json_object_get(s0, "period")), "2024-01-15");
    assert_int_equal(geti(s0, "eligible"),
                     sql_int("SELECT COUNT(*) FROM member_vote mv JOIN vote v ON v.id = "
                             "mv.vote_id WHERE mv.group_code = 'EPP' AND v.sitting_date = "
                             "'2024-01-15'"));
    for (size_t k = 1; k < json_array_size(hi); k++)
        assert_true(num(json_array_get(hi, k - 1), "participation") >=
                    num(json_array_get(hi, k), "participation"));
    /* the Parliament */
    json_t *parl = json_object_get(r, "parliament");
    assert_int_equal(geti(parl, "eligible"), sql_int("SELECT COUNT(*) FROM member_vote"));
    assert_int_equal(geti(parl, "cast"),
                     sql_int("SELECT COUNT(*) FROM member_vote WHERE pos BETWEEN 1 AND 3"));
    json_decref(r);

    /* MEPs: the lowest participation by SQL (millionths), months as periods */
    r = ok_call("track_mep_attendance",
                "{\"by\": \"mep\", \"period\": \"month\", \"top\": 3, \"drop_min\": 0.5}");
    json_t *lo0 = json_array_get(json_object_get(r, "lowest"), 0);
    long long lo = sql_int("SELECT MIN(p) FROM (SELECT SUM(pos BETWEEN 1 AND 3) * 1000000 / "
                           "COUNT(*) AS p FROM member_vote GROUP BY member_id)");
    assert_true(fabs(num(lo0, "participation") * 1e6 - (double)lo) <= 1.0);
    assert_int_equal(json_array_size(json_object_get(lo0, "series")), 3); /* Jan, Feb, Apr 2024 */
    assert_int_equal(geti(r, "ranked"), sql_int("SELECT COUNT(DISTINCT member_id) FROM member_vote"));
    /* the drops: months Jan, Feb | Apr; each listed MEP's halves by SQL */
    json_t *dr = json_object_get(r, "dropped");
    assert_true(json_is_true(json_object_get(dr, "available")));
    json_t *items = json_object_get(dr, "items");
    long long want = sql_int(
        "SELECT COUNT(*) FROM (SELECT member_id, SUM(CASE WHEN v.sitting_date < '2024-03' THEN "
        "mv.pos BETWEEN 1 AND 3 END) * 1.0 / SUM(v.sitting_date < '2024-03') AS a, SUM(CASE "
        "WHEN v.sitting_date >= '2024-03' THEN mv.pos BETWEEN 1 AND 3 END) * 1.0 / "
        "SUM(v.sitting_date >= '2024-03') AS b FROM member_vote mv JOIN vote v ON v.id = "
        "mv.vote_id GROUP BY member_id HAVING SUM(v.sitting_date < '2024-03') >= 5 AND "
        "SUM(v.sitting_date >= '2024-03') >= 5) WHERE a - b >= 0.5");
    assert_int_equal(geti(dr, "total"), want);
    assert_true(want > 0);
    json_t *d0 = json_array_get(items, 0);
    long long id = geti(d0, "mep_id");
    assert_int_equal(geti(d0, "eligible_before"),
                     sql_int("SELECT COUNT(*) FROM member_vote mv JOIN vote v ON v.id = "
                             "mv.vote_id WHERE member_id = %lld AND v.sitting_date < '2024-03'",
                             id));
    assert_true(fabs(num(d0, "drop") - (num(d0, "before") - num(d0, "after"))) < 2e-6);
    json_decref(r);

    /* countries: Malta's eligible cells */
    r = ok_call("track_mep_attendance", "{\"by\": \"country\", \"top\": 100, \"series\": false}");
    json_t *mlt = find_by(json_object_get(r, "highest"), "country", "MLT");
    assert_int_equal(geti(mlt, "eligible"),
                     sql_int("SELECT COUNT(*) FROM member_vote mv JOIN member m ON m.id = "
                             "mv.member_id WHERE m.country_code = 'MLT'"));
    assert_null(json_object_get(mlt, "series"));
    json_decref(r);

    /* one sitting: no halves, said so */
    r = ok_call("track_mep_attendance", "{\"sittings\": [\"2024-01-16\"]}");
    dr = json_object_get(r, "dropped");
    assert_true(json_is_false(json_object_get(dr, "available")));
    json_t *m0 = json_array_get(json_object_get(json_object_get(r, "window_too_short"), "measures"), 0);
    assert_int_equal(geti(m0, "have"), 1);
    assert_int_equal(geti(m0, "minimum"), 2);
    json_decref(r);
    bad_call("track_mep_attendance", "{\"by\": \"party\"}", EP_EINVAL, "by");
    bad_call("track_mep_attendance", "{\"term\": 10}", EP_EUNAVAIL, "");
}

/* ---- compare_political_groups ------------------------------------------------------------- */

/* per vote: the counts and position (0 = TIE or NONE) of group G, and the totals of MEPs with
 * a group */
#define GRP_CTE(G)                                                                                 \
    "WITH g AS (SELECT vote_id, SUM(pos = 1) AS y, SUM(pos = 2) AS n, SUM(pos = 3) AS a FROM "    \
    "member_vote WHERE group_code = '" G "' GROUP BY vote_id), " G "p AS (SELECT vote_id, y, n, " \
    "a, CASE WHEN y > n AND y > a THEN 1 WHEN n > y AND n > a THEN 2 WHEN a > y AND a > n THEN 3 " \
    "ELSE 0 END AS pos FROM g) "

static void test_compare_groups(void **state)
{
    (void)state;
    json_t *r = ok_call("compare_political_groups",
                        "{\"groups\": [\"epp\", \"S&D\"], \"max_close_votes\": 50}");
    json_t *gs = json_object_get(r, "groups");
    assert_int_equal(json_array_size(gs), 2);
    json_t *epp = json_array_get(gs, 0);
    assert_string_equal(json_string_value(json_object_get(epp, "group")), "EPP");
    assert_string_equal(json_string_value(json_object_get(json_array_get(gs, 1), "group")), "SD");
    /* the three counts of docs/tools-intel.md: 186 members in the window, 177 seats */
    assert_int_equal(geti(epp, "members_in_window"), 186);
    assert_int_equal(geti(epp, "members_in_window"),
                     sql_int("SELECT COUNT(DISTINCT member_id) FROM member_vote WHERE group_code "
                             "= 'EPP'"));
    assert_int_equal(geti(epp, "seats_at_last_vote"), 177);
    json_t *coh = json_object_get(epp, "cohesion");
    long long ai = sql_int(GRP_CTE("EPP") "SELECT ROUND(AVG((max(y, n, a) - 0.5 * (y + n + a - "
                                          "max(y, n, a))) * 1.0 / (y + n + a)) * 1e6) FROM EPPp "
                                          "WHERE y + n + a > 0");
    assert_true(fabs(num(coh, "ai_mean") * 1e6 - (double)ai) <= 1.0);
    assert_true(num(coh, "alpha") > 0.6 && num(coh, "alpha") < 0.95);
    long long part = sql_int("SELECT ROUND(SUM(pos BETWEEN 1 AND 3) * 1e6 / COUNT(*)) FROM "
                             "member_vote WHERE group_code = 'EPP'");
    assert_true(fabs(num(epp, "participation") * 1e6 - (double)part) <= 1.0);
    /* pair agreement EPP-SD */
    json_t *pa = json_array_get(json_object_get(r, "pair_agreement"), 0);
    const char *pair_sql =
        "WITH g AS (SELECT vote_id, group_code AS c, SUM(pos = 1) AS y, SUM(pos = 2) AS n, "
        "SUM(pos = 3) AS a FROM member_vote WHERE group_code IN ('EPP', 'SD') GROUP BY vote_id, "
        "group_code), p AS (SELECT vote_id, c, CASE WHEN y > n AND y > a THEN 1 WHEN n > y AND "
        "n > a THEN 2 WHEN a > y AND a > n THEN 3 ELSE 0 END AS pos FROM g) SELECT %s FROM p "
        "x JOIN p z ON x.vote_id = z.vote_id AND x.c = 'EPP' AND z.c = 'SD' WHERE x.pos > 0 AND "
        "z.pos > 0";
    char q[2048];
    snprintf(q, sizeof q, pair_sql, "COUNT(*)");
    assert_int_equal(geti(pa, "common_votes"), sql_int("%s", q));
    snprintf(q, sizeof q, pair_sql, "SUM(x.pos = z.pos)");
    assert_int_equal(geti(pa, "agreeing_votes"), sql_int("%s", q));
    /* close votes over the totals of MEPs with a group */
    const char *tot = "WITH t AS (SELECT vote_id, SUM(pos = 1) AS f, SUM(pos = 2) AS ag, SUM(pos "
                      "= 3) AS ab FROM member_vote WHERE group_code IS NOT NULL GROUP BY vote_id) ";
    json_t *cv = json_object_get(r, "close_votes");
    assert_int_equal(geti(cv, "total"),
                     sql_int("%sSELECT COUNT(*) FROM t WHERE abs(f - ag) < 0.05 * (f + ag + ab)", tot));
    assert_int_equal(json_array_size(json_object_get(cv, "items")), geti(cv, "total"));
    json_t *won = json_object_get(epp, "close_votes");
    assert_int_equal(geti(won, "won"),
                     sql_int(GRP_CTE("EPP") ", t AS (SELECT vote_id, SUM(pos = 1) AS f, SUM(pos = "
                                            "2) AS ag, SUM(pos = 3) AS ab FROM member_vote WHERE "
                                            "group_code IS NOT NULL GROUP BY vote_id) SELECT "
                                            "COUNT(*) FROM t JOIN EPPp USING (vote_id) WHERE "
                                            "abs(f - ag) < 0.05 * (f + ag + ab) AND ((f > ag AND "
                                            "pos = 1) OR (ag > f AND pos = 2))"));
    json_t *c0 = json_array_get(json_object_get(cv, "items"), 0);
    json_t *p0 = json_array_get(json_object_get(c0, "positions"), 0);
    assert_int_equal(geti(p0, "Y"), sql_int("SELECT COUNT(*) FROM member_vote WHERE vote_id = "
                                            "%lld AND group_code = 'EPP' AND pos = 1",
                                            geti(c0, "vote_id")));
    assert_null(json_object_get(r, "by_policy_area")); /* only when asked */
    json_decref(r);

    /* one sitting (43 votes): every measure has its minimum */
    r = ok_call("compare_political_groups",
                "{\"groups\": [\"EPP\", \"SD\"], \"from\": \"2024-04-23\", \"to\": \"2024-04-23\"}");
    assert_int_equal(geti(json_object_get(r, "window"), "votes"), 43);
    coh = json_object_get(json_array_get(json_object_get(r, "groups"), 0), "cohesion");
    assert_int_equal(geti(coh, "alpha_units"), 43);
    assert_null(json_object_get(r, "window_too_short"));
    json_decref(r);
    bad_call("compare_political_groups", "{\"groups\": [\"EPP\"]}", EP_EINVAL, "groups");
    bad_call("compare_political_groups", "{\"groups\": [\"EPP\", \"XYZ\"]}", EP_EINVAL,
             "unknown group");
    bad_call("compare_political_groups", "{\"groups\": [\"EPP\", \"ppe\"]}", EP_EINVAL, "twice");
    bad_call("compare_political_groups", "{\"groups\": [\"EPP\", \"SD\"], \"term\": 10}",
             EP_EUNAVAIL, "");
}

/* ---- generate_political_landscape --------------------------------------------------------- */

static void test_landscape(void **state)
{
    (void)state;
    json_t *r = ok_call("generate_political_landscape", "{\"max_coalitions\": 64}");
    json_t *seats = json_object_get(r, "seats");
    long long last = geti(seats, "vote_id");
    assert_string_equal(json_string_value(json_object_get(seats, "date")), "2024-04-23");
    /* seats per group by SQL on the last vote, and ENP = 1 / sum p^2 from them */
    json_t *by = json_object_get(seats, "by_group");
    int n = (int)json_array_size(by);
    long long sv[32], total = 0;
    const char *code[32];
    assert_true(n > 2 && n < 32);
    for (int k = 0; k < n; k++) {
        json_t *x = json_array_get(by, (size_t)k);
        code[k] = json_string_value(json_object_get(x, "group"));
        sv[k] = sql_int("SELECT COUNT(*) FROM member_vote WHERE vote_id = %lld AND group_code = "
                        "'%s'",
                        last, code[k]);
        assert_int_equal(geti(x, "seats"), sv[k]);
        total += sv[k];
    }
    assert_int_equal(total, 705);
    assert_int_equal(geti(seats, "total"), 705);
    assert_int_equal(geti(seats, "majority"), 353);
    double sp = 0;
    for (int k = 0; k < n; k++)
        sp += ((double)sv[k] / (double)total) * ((double)sv[k] / (double)total);
    json_t *fr = json_object_get(r, "fragmentation");
    assert_true(fabs(num(fr, "enp_seats") - 1.0 / sp) < 5e-7);
    /* minimal winning coalitions, enumerated here by brute force over the SQL seats (NI out) */
    int mwc = 0;
    for (unsigned m = 1; m < (1u << n); m++) {
        long long sum = 0;
        int ok = 1;
        for (int k = 0; k < n; k++)
            if (m & (1u << k)) {
                if (strcmp(code[k], "NI") == 0)
                    ok = 0;
                sum += sv[k];
            }
        if (!ok || sum < 353)
            continue;
        for (int k = 0; k < n; k++)
            if ((m & (1u << k)) && sum - sv[k] >= 353)
                ok = 0;
        mwc += ok;
    }
    json_t *maj = json_object_get(r, "majority");
    assert_int_equal(geti(maj, "minimal_winning_total"), mwc);
    json_t *items = json_object_get(maj, "items");
    assert_int_equal(json_array_size(items), mwc);
    /* the coalition that won most often: its wins by SQL (all its groups on the winning side) */
    json_t *c0 = json_array_get(items, 0);
    json_t *gs = json_object_get(c0, "groups");
    char in[200] = "";
    size_t len = 0;
    for (size_t k = 0; k < json_array_size(gs); k++)
        len += (size_t)snprintf(in + len, sizeof in - len, "%s'%s'", k ? ", " : "",
                                json_string_value(json_array_get(gs, k)));
    long long won = sql_int(
        "WITH g AS (SELECT vote_id, group_code AS c, SUM(pos = 1) AS y, SUM(pos = 2) AS n, "
        "SUM(pos = 3) AS a FROM member_vote WHERE group_code IS NOT NULL GROUP BY vote_id, "
        "group_code), p AS (SELECT vote_id, c, CASE WHEN y > n AND y > a THEN 1 WHEN n > y AND "
        "n > a THEN 2 WHEN a > y AND a > n THEN 3 ELSE 0 END AS pos FROM g), t AS (SELECT "
        "vote_id, SUM(y) AS f, SUM(n) AS ag FROM g GROUP BY vote_id) SELECT COUNT(*) FROM t "
        "WHERE f <> ag AND (SELECT COUNT(*) FROM p WHERE p.vote_id = t.vote_id AND p.c IN (%s) "
        "AND p.pos = CASE WHEN t.f > t.ag THEN 1 ELSE 2 END) = %zu",
        in, json_array_size(gs));
    assert_int_equal(geti(c0, "won_together"), won);
    assert_int_equal(geti(maj, "decided_votes"),
                     sql_int("SELECT COUNT(*) FROM (SELECT vote_id FROM member_vote WHERE "
                             "group_code IS NOT NULL GROUP BY vote_id HAVING SUM(pos = 1) <> "
                             "SUM(pos = 2))"));
    /* blocs: the communities partition the network's nodes (MEPs with a cast vote) */
    json_t *bl = json_object_get(r, "blocs");
    assert_true(json_is_true(json_object_get(bl, "available")));
    long long nodes = 0;
    json_t *cs = json_object_get(bl, "communities");
    for (size_t k = 0; k < json_array_size(cs); k++)
        nodes += geti(json_array_get(cs, k), "size");
    assert_int_equal(nodes, sql_int("SELECT COUNT(DISTINCT member_id) FROM member_vote WHERE pos "
                                    "BETWEEN 1 AND 3"));
    json_decref(r);

    /* a date: the seats of its last vote; before the window: refused */
    r = ok_call("generate_political_landscape", "{\"date\": \"2024-02-10\"}");
    seats = json_object_get(r, "seats");
    assert_string_equal(json_string_value(json_object_get(seats, "date")), "2024-02-08");
    assert_int_equal(geti(seats, "total"),
                     sql_int("SELECT COUNT(*) FROM member_vote WHERE vote_id = %lld AND "
                             "group_code IS NOT NULL",
                             geti(seats, "vote_id")));
    json_decref(r);
    bad_call("generate_political_landscape", "{\"date\": \"2023-01-01\"}", EP_EINVAL,
             "before the window's first vote");
    bad_call("generate_political_landscape", "{\"formats\": [\"pdf\"]}", EP_EINVAL, "");

    /* no edge weight: blocs unavailable, listed as too short */
    r = ok_call("generate_political_landscape", "{\"min_common_votes\": 1000}");
    bl = json_object_get(r, "blocs");
    assert_true(json_is_false(json_object_get(bl, "available")));
    assert_non_null(json_object_get(r, "window_too_short"));
    json_decref(r);

    /* the hemicycle PNG: written, a PNG, the same bytes on a rerun */
    for (int rep = 0; rep < 2; rep++) {
        r = ok_call("generate_political_landscape", "{\"formats\": [\"json\", \"png\"]}");
        json_t *it = json_array_get(json_object_get(json_object_get(r, "artefacts"), "items"), 0);
        assert_string_equal(json_string_value(json_object_get(it, "mimeType")), "image/png");
        char path[1200];
        snprintf(path, sizeof path, "%s/%s", Dir, json_string_value(json_object_get(it, "name")));
        FILE *fp = fopen(path, "rb");
        assert_non_null(fp);
        unsigned char sig[8];
        assert_int_equal(fread(sig, 1, 8, fp), 8);
        fclose(fp);
        assert_memory_equal(sig, "\x89PNG\r\n\x1a\n", 8);
        static long long size0;
        if (rep == 0)
            size0 = geti(it, "size");
        else
            assert_int_equal(geti(it, "size"), size0);
        json_decref(r);
    }
}

/* ---- network_analysis --------------------------------------------------------------------- */

static void test_network_analysis(void **state)
{
    (void)state;
    json_t *r = ok_call("network_analysis", "{\"mep_id\": 197490, \"k\": 5}");
    json_t *node = json_object_get(r, "node");
    long long ties = sql_int(
        "SELECT COUNT(*) FROM (SELECT y.member_id FROM member_vote x JOIN member_vote y ON "
        "x.vote_id = y.vote_id WHERE x.member_id = 197490 AND y.member_id <> 197490 AND x.pos "
        "BETWEEN 1 AND 3 AND y.pos BETWEEN 1 AND 3 GROUP BY y.member_id HAVING COUNT(*) >= 10)");
    assert_int_equal(geti(r, "ties_total"), ties);
    assert_int_equal(geti(node, "degree"), ties); /* the graph's edges are the ties */
    assert_int_equal(geti(node, "cast_votes"),
                     sql_int("SELECT COUNT(*) FROM member_vote WHERE member_id = 197490 AND pos "
                             "BETWEEN 1 AND 3"));
    json_t *tl = json_object_get(r, "ties");
    assert_int_equal(json_array_size(tl), 5);
    json_t *t0 = json_array_get(tl, 0);
    long long same, both;
    sql_pair(197490, geti(t0, "mep_id"), &same, &both);
    assert_int_equal(geti(t0, "common_votes"), both);
    assert_true(fabs(num(t0, "weight") - (double)same / (double)both) < 5e-7);
    /* the composition covers every tie; its weights sum to the node's strength */
    json_t *bg = json_object_get(json_object_get(r, "composition"), "by_group");
    long long n = 0, own = 0;
    double wsum = 0;
    for (size_t k = 0; k < json_array_size(bg); k++) {
        json_t *x = json_array_get(bg, k);
        n += geti(x, "ties");
        wsum += num(x, "mean_weight") * (double)geti(x, "ties");
        if (json_is_string(json_object_get(x, "group")) &&
            strcmp(json_string_value(json_object_get(x, "group")), "EPP") == 0)
            own = geti(x, "ties");
    }
    assert_int_equal(n, ties);
    assert_true(fabs(wsum - num(node, "strength")) < 1e-3);
    json_t *br = json_object_get(r, "bridges");
    assert_int_equal(geti(br, "cross_group_ties"), ties - own);
    json_t *st = json_object_get(br, "strongest");
    for (size_t k = 0; k < json_array_size(st); k++)
        assert_true(json_is_false(json_object_get(json_array_get(st, k), "same_group")));
    assert_true(json_is_false(json_object_get(json_object_get(r, "committee_edges"), "available")));
    json_decref(r);

    /* too few votes for a tie: no ties, said so, listed as too short */
    r = ok_call("network_analysis", "{\"mep_id\": 197490, \"min_common_votes\": 300}");
    assert_int_equal(geti(r, "ties_total"), 0);
    assert_non_null(json_object_get(r, "ties_reason"));
    assert_true(json_is_null(json_object_get(json_object_get(r, "node"), "bridge_score")));
    assert_non_null(json_object_get(r, "window_too_short"));
    json_decref(r);
    bad_call("network_analysis", "{\"mep_id\": 1}", EP_ENOTFOUND, "mep_id");
    bad_call("network_analysis", "{\"mep_id\": 96978}", EP_EUNAVAIL, "cast no vote");
    bad_call("network_analysis", "{}", EP_EINVAL, "mep_id");
}

/* ---- the topic filter (issue 18) on every toolkit tool ------------------------------------ */

/* the LIBE votes (responsible committee), as an SQL condition on a vote id column */
#define LIBE_VOTES(col)                                                                            \
    col " IN (SELECT vote_id FROM vote_topic WHERE kind = 'committee' AND code = 'LIBE')"

/* window.filter of r: committee LIBE and its votes, equal to the window's votes; returns them */
static long long libe_filter(json_t *r)
{
    json_t *w = json_object_get(r, "window"), *f = json_object_get(w, "filter");
    assert_non_null(f);
    assert_string_equal(json_string_value(json_object_get(f, "kind")), "committee");
    assert_string_equal(json_string_value(json_object_get(f, "code")), "LIBE");
    assert_int_equal(geti(f, "votes"), geti(w, "votes"));
    assert_int_equal(geti(f, "votes"),
                     sql_int("SELECT COUNT(DISTINCT vote_id) FROM member_vote WHERE " LIBE_VOTES(
                         "vote_id")));
    assert_int_equal(geti(f, "votes"), 17); /* hand-checked in tests/test_topics.c */
    return geti(f, "votes");
}

static void test_topic_filter(void **state)
{
    (void)state;
    /* comparative_intelligence: the shared votes of a pair on the LIBE votes */
    json_t *r = ok_call("comparative_intelligence",
                        "{\"mep_ids\": [197490, 124831], \"committee\": \"LIBE\"}");
    libe_filter(r);
    json_t *p = json_array_get(json_object_get(r, "pairs"), 0);
    assert_int_equal(geti(p, "shared_votes"),
                     sql_int("SELECT COUNT(*) FROM member_vote x JOIN member_vote y ON x.vote_id "
                             "= y.vote_id WHERE x.member_id = 197490 AND y.member_id = 124831 "
                             "AND x.pos BETWEEN 1 AND 3 AND y.pos BETWEEN 1 AND 3 AND " LIBE_VOTES(
                                 "x.vote_id")));
    assert_true(geti(p, "shared_votes") > 0);
    json_decref(r);

    /* analyze_country_delegation: the Polish members who sat on a LIBE vote */
    r = ok_call("analyze_country_delegation", "{\"country\": \"POL\", \"committee\": \"LIBE\"}");
    libe_filter(r);
    assert_int_equal(json_array_size(json_object_get(r, "members")),
                     sql_int("SELECT COUNT(DISTINCT mv.member_id) FROM member_vote mv JOIN member "
                             "m ON m.id = mv.member_id WHERE m.country_code = 'POL' AND " LIBE_VOTES(
                                 "mv.vote_id")));
    json_decref(r);

    /* track_mep_attendance: EPP's cast and eligible cells on the LIBE votes */
    r = ok_call("track_mep_attendance", "{\"by\": \"group\", \"top\": 50, \"committee\": \"LIBE\"}");
    libe_filter(r);
    json_t *epp = find_by(json_object_get(r, "highest"), "group", "EPP");
    assert_int_equal(geti(epp, "cast"),
                     sql_int("SELECT COUNT(*) FROM member_vote WHERE group_code = 'EPP' AND pos "
                             "BETWEEN 1 AND 3 AND " LIBE_VOTES("vote_id")));
    assert_int_equal(geti(epp, "eligible"),
                     sql_int("SELECT COUNT(*) FROM member_vote WHERE group_code = 'EPP' AND " LIBE_VOTES(
                         "vote_id")));
    json_decref(r);

    /* compare_political_groups: EPP's mean Agreement Index on the LIBE votes (millionths) */
    r = ok_call("compare_political_groups", "{\"groups\": [\"EPP\", \"SD\"], \"committee\": \"LIBE\"}");
    libe_filter(r);
    json_t *coh = json_object_get(json_array_get(json_object_get(r, "groups"), 0), "cohesion");
    long long ai = sql_int("WITH g AS (SELECT vote_id, SUM(pos = 1) AS y, SUM(pos = 2) AS n, "
                           "SUM(pos = 3) AS a FROM member_vote WHERE group_code = 'EPP' AND " LIBE_VOTES(
                               "vote_id") " GROUP BY vote_id) SELECT ROUND(AVG((max(y, n, a) - 0.5 "
                                          "* (y + n + a - max(y, n, a))) * 1.0 / (y + n + a)) * "
                                          "1e6) FROM g WHERE y + n + a > 0");
    assert_true(fabs(num(coh, "ai_mean") * 1e6 - (double)ai) <= 1.0);
    json_decref(r);

    /* generate_political_landscape: the seats are those of the last LIBE vote */
    r = ok_call("generate_political_landscape", "{\"committee\": \"LIBE\"}");
    libe_filter(r);
    json_t *seats = json_object_get(r, "seats");
    assert_int_equal(geti(seats, "vote_id"),
                     sql_int("SELECT id FROM vote WHERE pos_unit_id IS NOT NULL AND " LIBE_VOTES(
                         "id") " ORDER BY timestamp DESC, id DESC LIMIT 1"));
    assert_int_equal(geti(seats, "total"),
                     sql_int("SELECT COUNT(*) FROM member_vote WHERE vote_id = %lld AND "
                             "group_code IS NOT NULL",
                             geti(seats, "vote_id")));
    json_decref(r);

    /* network_analysis: the MEP's cast votes among the LIBE votes */
    r = ok_call("network_analysis", "{\"mep_id\": 197490, \"committee\": \"LIBE\"}");
    libe_filter(r);
    assert_int_equal(geti(json_object_get(r, "node"), "cast_votes"),
                     sql_int("SELECT COUNT(*) FROM member_vote WHERE member_id = 197490 AND pos "
                             "BETWEEN 1 AND 3 AND " LIBE_VOTES("vote_id")));
    json_decref(r);

    /* an unknown code is an argument error naming it; a topic without a positioned vote says
     * how many votes carry it (never a 0 % result) */
    bad_call("compare_political_groups", "{\"groups\": [\"EPP\", \"SD\"], \"committee\": \"NOPE\"}",
             EP_EINVAL, "unknown committee \"NOPE\"");
    bad_call("track_mep_attendance", "{\"subject\": \"4.6\"}", EP_EINVAL,
             "unknown OEIL subject \"4.6\"");
    char want[160];
    snprintf(want, sizeof want, "%lld votes in the store carry it, 0 of them with positions",
             sql_int("SELECT COUNT(*) FROM vote_topic WHERE kind = 'geo' AND code = 'AFG'"));
    bad_call("network_analysis", "{\"mep_id\": 197490, \"geo_area\": \"AFG\"}", EP_ENOTFOUND, want);
    bad_call("comparative_intelligence", "{\"mep_ids\": [197490, 124831], \"geo_area\": \"AFG\"}",
             EP_ENOTFOUND, want);
    /* no filter: no filter object */
    r = ok_call("generate_political_landscape", "{}");
    assert_null(json_object_get(json_object_get(r, "window"), "filter"));
    json_decref(r);
}

/* ---- compare_political_groups by policy area ---------------------------------------------- */

/* the votes carrying OEIL subject S or a code below it, as an SQL condition on column col */
#define SUBJ_VOTES(col, S)                                                                         \
    col " IN (SELECT vote_id FROM vote_topic WHERE kind = 'subject' AND (code = '" S "' OR code " \
        "LIKE '" S ".%%'))"

/* mean AI of group G on the votes of subject S, in millionths, by SQL over member_vote */
#define AI_SQL(G, S)                                                                               \
    "WITH g AS (SELECT vote_id, SUM(pos = 1) AS y, SUM(pos = 2) AS n, SUM(pos = 3) AS a FROM "    \
    "member_vote WHERE group_code = '" G "' AND " SUBJ_VOTES("vote_id", S) " GROUP BY vote_id) "  \
    "SELECT ROUND(AVG((max(y, n, a) - 0.5 * (y + n + a - max(y, n, a))) * 1.0 / (y + n + a)) * "   \
    "1e6) FROM g WHERE y + n + a > 0"

static json_t *area_of(json_t *r, const char *subject)
{
    json_t *areas = json_object_get(json_object_get(r, "by_policy_area"), "areas");
    for (size_t i = 0; i < json_array_size(areas); i++)
        if (!strcmp(json_string_value(json_object_get(json_array_get(areas, i), "subject")),
                    subject))
            return json_array_get(areas, i);
    fail_msg("no area %s", subject);
    return NULL;
}

static double area_ai(json_t *area, const char *group)
{
    json_t *g = find_by(json_object_get(area, "groups"), "group", group);
    assert_non_null(g);
    return num(json_object_get(g, "cohesion"), "ai_mean");
}

static void test_groups_by_policy_area(void **state)
{
    (void)state;
    json_t *r = ok_call("compare_political_groups",
                        "{\"groups\": [\"EPP\", \"S&D\"], \"by_policy_area\": true}");
    json_t *areas = json_object_get(json_object_get(r, "by_policy_area"), "areas");
    /* the store's top-level subjects, in order, each with its votes by SQL */
    assert_int_equal(json_array_size(areas), 8);
    for (size_t i = 0; i < 8; i++) {
        json_t *a = json_array_get(areas, i);
        char top[2] = {(char)('1' + i), 0};
        assert_string_equal(json_string_value(json_object_get(a, "subject")), top);
        assert_int_equal(geti(a, "votes"),
                         sql_int("SELECT COUNT(DISTINCT vote_id) FROM member_vote WHERE vote_id "
                                 "IN (SELECT vote_id FROM vote_topic WHERE kind = 'subject' AND "
                                 "(code = '%s' OR code LIKE '%s.%%'))",
                                 top, top));
    }
    /* subject 4: EPP's and S&D's mean AI and their pair agreement by SQL */
    json_t *a4 = area_of(r, "4");
    assert_int_equal(geti(a4, "votes"), 45);
    assert_true(fabs(area_ai(a4, "EPP") * 1e6 - (double)sql_int(AI_SQL("EPP", "4"))) <= 1.0);
    assert_true(fabs(area_ai(a4, "SD") * 1e6 - (double)sql_int(AI_SQL("SD", "4"))) <= 1.0);
    assert_true(area_ai(a4, "SD") - area_ai(a4, "EPP") > 0.2); /* 0.988 against 0.765 */
    json_t *pa = json_array_get(json_object_get(a4, "pair_agreement"), 0);
    assert_int_equal(geti(pa, "common_votes"),
                     sql_int("WITH g AS (SELECT vote_id, group_code AS c, SUM(pos = 1) AS y, "
                             "SUM(pos = 2) AS n, SUM(pos = 3) AS a FROM member_vote WHERE "
                             "group_code IN ('EPP', 'SD') AND " SUBJ_VOTES("vote_id", "4") " GROUP "
                             "BY vote_id, group_code), p AS (SELECT vote_id, c, CASE WHEN y > n "
                             "AND y > a THEN 1 WHEN n > y AND n > a THEN 2 WHEN a > y AND a > n "
                             "THEN 3 ELSE 0 END AS pos FROM g) SELECT COUNT(*) FROM p x JOIN p z "
                             "ON x.vote_id = z.vote_id AND x.c = 'EPP' AND z.c = 'SD' WHERE "
                             "x.pos > 0 AND z.pos > 0"));
    /* the whole-window figures are those without the areas */
    json_t *plain = ok_call("compare_political_groups", "{\"groups\": [\"EPP\", \"SD\"]}");
    assert_true(json_equal(json_object_get(r, "groups"), json_object_get(plain, "groups")));
    json_decref(plain);
    json_decref(r);

    /* the subjects asked, within dates: 4.60 on the April sitting has no vote */
    r = ok_call("compare_political_groups",
                "{\"groups\": [\"EPP\", \"SD\"], \"policy_areas\": [\"4.60\", \"7\"]}");
    assert_int_equal(json_array_size(json_object_get(json_object_get(r, "by_policy_area"), "areas")),
                     2);
    assert_int_equal(geti(area_of(r, "4.60"), "votes"), 8); /* tests/test_topics.c */
    assert_true(fabs(area_ai(area_of(r, "7"), "EPP") * 1e6 -
                     (double)sql_int(AI_SQL("EPP", "7"))) <= 1.0);
    json_decref(r);
    /* within dates: the April sitting has votes of subject 5 and none of 8.30 (24 before) */
    r = ok_call("compare_political_groups",
                "{\"groups\": [\"EPP\", \"SD\"], \"from\": \"2024-04-23\", \"policy_areas\": "
                "[\"5\", \"8.30\"]}");
    assert_int_equal(geti(area_of(r, "5"), "votes"),
                     sql_int("SELECT COUNT(*) FROM vote WHERE sitting_date >= '2024-04-23' AND "
                             "pos_unit_id IS NOT NULL AND " SUBJ_VOTES("id", "5")));
    assert_int_equal(sql_int("SELECT COUNT(*) FROM vote WHERE sitting_date >= '2024-04-23' AND "
                             "pos_unit_id IS NOT NULL AND " SUBJ_VOTES("id", "8.30")),
                     0);
    json_t *a830 = area_of(r, "8.30");
    assert_int_equal(geti(a830, "votes"), 0);
    assert_true(json_is_false(json_object_get(a830, "available")));
    assert_null(json_object_get(a830, "groups")); /* no figure, not a 0 */
    assert_non_null(strstr(json_string_value(json_object_get(a830, "reason")),
                           "24 of them with positions (outside the window's dates"));
    json_decref(r);
    bad_call("compare_political_groups",
             "{\"groups\": [\"EPP\", \"SD\"], \"policy_areas\": [\"4.6\"]}", EP_EINVAL,
             "argument \"policy_areas\": unknown OEIL subject \"4.6\"");
    bad_call("compare_political_groups",
             "{\"groups\": [\"EPP\", \"SD\"], \"by_policy_area\": true, \"committee\": \"LIBE\"}",
             EP_EINVAL, "drop \"committee\"");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_modal_groups),
        cmocka_unit_test(test_comparative),
        cmocka_unit_test(test_delegation),
        cmocka_unit_test(test_attendance),
        cmocka_unit_test(test_compare_groups),
        cmocka_unit_test(test_landscape),
        cmocka_unit_test(test_network_analysis),
        cmocka_unit_test(test_topic_filter),
        cmocka_unit_test(test_groups_by_policy_area),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
