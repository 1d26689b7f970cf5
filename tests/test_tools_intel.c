/* The five intelligence tools on the bundled real data, through ep_tools_call (input and output
 * schema validation included), with hand-checkable facts computed independently in SQL. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_env.h"
#include "ep_report.h"
#include "ep_store.h"
#include "ep_store_db.h"
#include "ep_testutil.h"
#include "ep_tools.h"
#include "ep_tools_analysis.h"
#include "ep_tools_intel.h"
#include "ep_tools_window.h"

EP_TEST_TOOLS

static struct ep_store *S;
static struct ep_store *S1; /* one-vote store (short_store) */
static struct ep_env Env, Env1; /* their analysis environments (window caches) */
static char *Dir;

static int setup(void **state)
{
    (void)state;
    size_t n;
    if (!ep_tools_intel_rows(&n) || n != 5) {
        fprintf(stderr, "setup: %zu intelligence tools, not 5\n", n);
        return -1;
    }
    /* analyze_voting_patterns too, on the one-vote store */
    static const ep_test_rows_fn rows[] = {ep_tools_intel_rows, ep_tools_analysis_rows, NULL};
    return ep_test_store_open("intel.db", &Dir, &S, &Env, rows, Tools);
}

static int teardown(void **state)
{
    (void)state;
    ep_env_close(&Env1);
    ep_tools_cleanup(Tools);
    ep_report_cleanup(); /* cairo's and fontconfig's caches (test_formats renders PDFs) */
    ep_store_close(S1);
    ep_test_store_close(Dir, S, &Env);
    return 0;
}

static int call_on(struct ep_store *st, const char *tool, const char *args_json, json_t **res,
                   struct ep_error *err)
{
    struct ep_tool_ctx ctx = {0};
    ctx.store = st;
    ctx.env = st == S ? &Env : st == S1 ? &Env1 : NULL;
    json_t *args = json_loads(args_json, 0, NULL);
    assert_non_null(args);
    *res = NULL;
    int rc = ep_tools_call(Tools, &ctx, tool, args, res, err);
    json_decref(args);
    if (rc == 0)
        assert_non_null(*res);
    return rc;
}

static int call(const char *tool, const char *args_json, json_t **res, struct ep_error *err)
{
    return call_on(S, tool, args_json, res, err);
}

static void assert_short(json_t *r, const char *measure, const char *unit, long have, long min);

static json_t *ok_call(const char *tool, const char *args_json)
{
    struct ep_error err = {0};
    json_t *res;
    int rc = call(tool, args_json, &res, &err);
    if (rc)
        fprintf(stderr, "%s %s: %d %s\n", tool, args_json, rc, err.msg);
    assert_int_equal(rc, 0);
    /* common blocks */
    assert_non_null(json_object_get(res, "window"));
    assert_non_null(json_object_get(res, "provenance"));
    json_t *cov = json_object_get(json_object_get(res, "methodology"), "coverage");
    assert_int_equal(json_integer_value(json_object_get(cov, "votes")), 266);
    return res;
}

static long long sql_int(const char *q)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(ep_store_db(S), q, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    long long v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static double num(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    assert_true(json_is_number(v));
    return json_number_value(v);
}

/* ---- map_political_network ------------------------------------------------------------------ */

static void test_map(void **state)
{
    (void)state;
    json_t *r = ok_call("map_political_network", "{\"top\": 5, \"include_nodes\": true}");
    long long voters = sql_int("SELECT COUNT(DISTINCT member_id) FROM position");
    assert_int_equal(voters, 707);
    assert_int_equal(json_integer_value(json_object_get(r, "nodes")), voters);
    assert_int_equal(json_array_size(json_object_get(r, "node_list")), 707);
    assert_true(json_integer_value(json_object_get(r, "edges")) > 100000);
    json_t *top = json_object_get(json_object_get(r, "top"), "eigenvector");
    assert_int_equal(json_array_size(top), 5);
    const char *name = json_string_value(json_object_get(json_array_get(top, 0), "name"));
    assert_non_null(name);
    assert_true(strncmp(name, "MEP ", 4) != 0); /* a real name from the member table */
    assert_true(num(json_array_get(top, 0), "value") == 1.0);
    double qd = num(json_object_get(r, "modularity"), "detected");
    double qg = num(json_object_get(r, "modularity"), "by_group");
    assert_true(qd > 0 && qd < 1 && qg > 0 && qg <= qd + 1e-9);
    json_t *art = json_object_get(r, "artefacts");
    assert_true(json_is_false(json_object_get(art, "available")));
    assert_true(json_is_true(json_object_get(json_object_get(r, "top"), "available")));
    assert_true(json_is_true(json_object_get(json_object_get(r, "communities"), "available")));
    assert_null(json_object_get(json_object_get(r, "modularity"), "reason"));
    assert_null(json_object_get(r, "window_too_short"));
    json_decref(r);
}

/* ---- analyze_coalition_dynamics ----------------------------------------------------------- */

/* Parliament alpha recomputed independently of stats/: the per-vote FOR/AGAINST/ABSTENTION
 * counts of every listed voter come from SQL over the position table, and alpha from
 * Krippendorff's coincidence matrix (o_ck = Σ_u Σ_{i≠j in u} [c_i = c][c_j = k] / (m_u − 1),
 * D_o = Σ_{c≠k} o_ck, D_e = Σ_{c≠k} n_c n_k / (n − 1), alpha = 1 − D_o / D_e), not from the
 * closed form stats/ uses. */
static void check_parliament_alpha(json_t *r)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(ep_store_db(S),
                                        "SELECT SUM(pos=1), SUM(pos=2), SUM(pos=3) FROM position "
                                        "GROUP BY vote_id",
                                        -1, &st, NULL),
                     SQLITE_OK);
    double o[3][3] = {{0}};
    long units = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        long c[3], mu = 0;
        for (int k = 0; k < 3; k++)
            mu += c[k] = sqlite3_column_int64(st, k);
        if (mu < 2)
            continue;
        units++;
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++) /* ordered pairs of distinct coders */
                o[a][b] += (double)c[a] * (double)(c[b] - (a == b)) / (double)(mu - 1);
    }
    sqlite3_finalize(st);
    double nc[3] = {0}, n = 0, d_o = 0, d_e = 0;
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) {
            nc[a] += o[a][b];
            n += o[a][b];
            if (a != b)
                d_o += o[a][b];
        }
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++)
            if (a != b)
                d_e += nc[a] * nc[b] / (n - 1);
    double alpha = 1 - d_o / d_e;
    json_t *pa = json_object_get(json_object_get(r, "parliament"), "alpha");
    assert_true(json_is_true(json_object_get(pa, "available")));
    assert_int_equal(units, 266);
    assert_int_equal(json_integer_value(json_object_get(pa, "units")), units);
    assert_int_equal(json_integer_value(json_object_get(pa, "coders")),
                     sql_int("SELECT COUNT(DISTINCT member_id) FROM position"));
    assert_int_equal(json_integer_value(json_object_get(pa, "minimum_units")), 2);
    fprintf(stderr, "parliament alpha: tool %.6f, coincidence matrix %.9f\n", num(pa, "value"),
            alpha);
    assert_true(fabs(num(pa, "value") - alpha) <= 5e-7);
    assert_true(alpha > 0 && alpha < 1);
}

static void test_coalition(void **state)
{
    (void)state;
    json_t *r = ok_call("analyze_coalition_dynamics", "{}");
    /* EPP-SD agreement from SQL over member_vote with the METHODS tie rule */
    const char *with = "WITH c AS (SELECT vote_id, group_code g, SUM(pos=1) y, SUM(pos=2) n, "
                       "SUM(pos=3) a FROM member_vote WHERE pos IN (1,2,3) GROUP BY vote_id, "
                       "group_code), p AS (SELECT vote_id, g, CASE WHEN y>n AND y>a THEN 1 WHEN "
                       "n>y AND n>a THEN 2 WHEN a>y AND a>n THEN 3 ELSE 4 END pos FROM c) ";
    char q[2048];
    snprintf(q, sizeof q,
             "%sSELECT SUM(e.pos = s.pos) FROM p e JOIN p s ON e.vote_id = s.vote_id WHERE "
             "e.g='EPP' AND s.g='SD' AND e.pos < 4 AND s.pos < 4",
             with);
    long long agree = sql_int(q);
    snprintf(q, sizeof q,
             "%sSELECT COUNT(*) FROM p e JOIN p s ON e.vote_id = s.vote_id WHERE "
             "e.g='EPP' AND s.g='SD' AND e.pos < 4 AND s.pos < 4",
             with);
    long long common = sql_int(q);
    assert_true(common > 200);
    json_t *pairs = json_object_get(json_object_get(r, "pair_agreement"), "pairs");
    int found = 0;
    for (size_t k = 0; k < json_array_size(pairs); k++) {
        json_t *p = json_array_get(pairs, k);
        const char *a = json_string_value(json_object_get(p, "a"));
        const char *b = json_string_value(json_object_get(p, "b"));
        if ((!strcmp(a, "EPP") && !strcmp(b, "SD")) || (!strcmp(a, "SD") && !strcmp(b, "EPP"))) {
            found = 1;
            assert_int_equal(json_integer_value(json_object_get(p, "common_votes")), common);
            assert_int_equal(json_integer_value(json_object_get(p, "agreeing_votes")), agree);
            assert_true(fabs(num(p, "agreement") - (double)agree / (double)common) < 1e-6);
        }
    }
    assert_true(found);
    /* 8 groups, 28 pairs; stability in 0..1 with its formula */
    assert_int_equal(json_array_size(json_object_get(r, "groups")), 8);
    assert_int_equal(json_array_size(pairs), 28);
    check_parliament_alpha(r);
    assert_null(json_object_get(r, "window_too_short")); /* 266 votes: every minimum met */
    json_t *st = json_object_get(r, "stability");
    assert_true(json_is_true(json_object_get(st, "available")));
    assert_true(num(st, "value") >= 0 && num(st, "value") <= 1);
    assert_non_null(json_string_value(json_object_get(st, "formula")));
    /* EPP mean AI equals the SQL mean of per-vote AI */
    snprintf(q, sizeof q,
             "WITH c AS (SELECT vote_id, SUM(pos=1) y, SUM(pos=2) n, SUM(pos=3) a FROM "
             "member_vote WHERE pos IN (1,2,3) AND group_code='EPP' GROUP BY vote_id) SELECT "
             "CAST(ROUND(1e6 * AVG((MAX(y,n,a) - 0.5*(y+n+a-MAX(y,n,a)))*1.0/(y+n+a))) AS "
             "INTEGER) FROM c");
    long long ai6 = sql_int(q);
    json_t *groups = json_object_get(r, "groups");
    for (size_t k = 0; k < json_array_size(groups); k++) {
        json_t *g = json_array_get(groups, k);
        if (strcmp(json_string_value(json_object_get(g, "group")), "EPP") == 0) {
            double ai = num(json_object_get(g, "cohesion"), "ai_mean");
            assert_true(fabs(ai * 1e6 - (double)ai6) <= 1.0);
            assert_int_equal(
                json_array_size(json_object_get(json_object_get(g, "trend"), "by_sitting")), 7);
        }
    }
    json_decref(r);
    /* a subset of groups */
    r = ok_call("analyze_coalition_dynamics", "{\"groups\": [\"EPP\", \"SD\", \"RENEW\"]}");
    assert_int_equal(json_array_size(json_object_get(r, "groups")), 3);
    assert_int_equal(
        json_array_size(json_object_get(json_object_get(r, "pair_agreement"), "pairs")), 3);
    json_decref(r);
}

/* ---- assess_mep_influence ----------------------------------------------------------------- */

static void test_influence(void **state)
{
    (void)state;
    long long id = sql_int("SELECT member_id FROM position GROUP BY member_id ORDER BY COUNT(*) "
                           "DESC, member_id LIMIT 1");
    char args[128];
    snprintf(args, sizeof args, "{\"mep_id\": %lld}", id);
    json_t *r = ok_call("assess_mep_influence", args);
    long long n = json_integer_value(json_object_get(r, "n"));
    long long rank = json_integer_value(json_object_get(r, "rank"));
    assert_int_equal(n, 707);
    assert_true(rank >= 1 && rank <= n);
    json_t *eff = json_object_get(json_object_get(r, "weights"), "effective");
    json_t *dims = json_object_get(r, "dimensions");
    double wsum = 0, comp = 0;
    const char *k;
    json_t *v;
    json_object_foreach(eff, k, v)
    {
        wsum += json_number_value(v);
        json_t *d = json_object_get(dims, k);
        assert_true(json_is_true(json_object_get(d, "available")));
        comp += json_number_value(v) * num(d, "percentile");
    }
    assert_true(fabs(wsum - 1) < 1e-5);
    assert_true(fabs(comp - num(r, "composite")) < 1e-3);
    json_t *roles = json_object_get(dims, "roles");
    assert_true(json_is_false(json_object_get(roles, "available")));
    assert_non_null(strstr(json_string_value(json_object_get(roles, "reason")), "rapporteur"));
    assert_true(json_is_true(json_object_get(json_object_get(r, "weights"), "renormalised")));
    /* participation figures match SQL */
    char q[256];
    snprintf(q, sizeof q, "SELECT COUNT(*) FROM position WHERE member_id = %lld", id);
    json_t *fig = json_object_get(json_object_get(dims, "participation"), "figures");
    assert_int_equal(json_integer_value(json_object_get(fig, "cast")), sql_int(q));
    assert_non_null(json_string_value(json_object_get(json_object_get(r, "mep"), "name")));
    json_decref(r);
}

/* ---- detect_voting_anomalies -------------------------------------------------------------- */

static void test_anomalies(void **state)
{
    (void)state;
    json_t *r = ok_call("detect_voting_anomalies", "{}");
    /* 7 sittings < 8: every series says it is too short, with the numbers */
    json_t *sum = json_object_get(r, "summary");
    assert_true(json_integer_value(json_object_get(sum, "series")) > 0);
    assert_int_equal(json_integer_value(json_object_get(sum, "series")),
                     json_integer_value(json_object_get(sum, "series_too_short")));
    assert_non_null(strstr(json_string_value(json_object_get(sum, "note")), "too short"));
    json_t *s0 = json_array_get(json_object_get(r, "series"), 0);
    assert_string_equal(json_string_value(json_object_get(s0, "status")), "too_few_observations");
    assert_int_equal(json_integer_value(json_object_get(s0, "observations")), 7);
    assert_int_equal(json_integer_value(json_object_get(s0, "minimum")), 8);
    assert_short(r, "baselines and outliers (every series)", "sittings", 7, 8);
    json_decref(r);
    /* shorter minimum: baselines computed; every alert well formed */
    r = ok_call("detect_voting_anomalies",
                "{\"scope\": \"group\", \"group\": \"EPP\", \"min_observations\": 5, "
                "\"threshold\": 2}");
    sum = json_object_get(r, "summary");
    assert_int_equal(json_integer_value(json_object_get(sum, "series")), 4);
    assert_int_equal(json_integer_value(json_object_get(sum, "series_too_short")), 0);
    json_t *al = json_object_get(r, "alerts");
    for (size_t k = 0; k < json_array_size(al); k++) {
        json_t *a = json_array_get(al, k);
        double z = fabs(num(a, "z"));
        assert_true(z > 2);
        assert_string_equal(json_string_value(json_object_get(a, "severity")),
                            z >= 5 ? "high" : "medium");
    }
    json_decref(r);
    long long id = sql_int("SELECT MIN(member_id) FROM position");
    char args[160];
    snprintf(args, sizeof args, "{\"scope\": \"mep\", \"mep_id\": %lld, \"min_observations\": 3}",
             id);
    r = ok_call("detect_voting_anomalies", args);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "summary"), "series")),
                     3);
    json_decref(r);
}

/* ---- generate_political_risk_assessment --------------------------------------------------- */

static void test_risk(void **state)
{
    (void)state;
    json_t *r = ok_call("generate_political_risk_assessment", "{}");
    const char *level = json_string_value(json_object_get(r, "level"));
    double c = num(r, "composite");
    const char *expect = c >= 0.75   ? "CRITICAL"
                         : c >= 0.5  ? "HIGH"
                         : c >= 0.25 ? "MODERATE"
                                     : "LOW";
    assert_string_equal(level, expect);
    json_t *eff = json_object_get(json_object_get(r, "weights"), "effective");
    json_t *dims = json_object_get(r, "dimensions");
    double s = 0, ws = 0;
    const char *k;
    json_t *v;
    json_object_foreach(eff, k, v)
    {
        ws += json_number_value(v);
        s += json_number_value(v) * num(json_object_get(dims, k), "value");
    }
    assert_true(fabs(ws - 1) < 1e-5);
    assert_true(fabs(s - c) < 1e-5);
    /* defection surges need 8 sittings: dropped on the 7-sitting data, and said so */
    json_t *ds = json_object_get(dims, "defection_surges");
    assert_true(json_is_false(json_object_get(ds, "available")));
    assert_non_null(strstr(json_string_value(json_object_get(ds, "reason")), "7 sittings"));
    /* close votes: count equals SQL over the positions (margin < 5% of cast) */
    long long close = sql_int(
        "WITH t AS (SELECT vote_id, SUM(pos=1) f, SUM(pos=2) a, SUM(pos=3) b FROM position GROUP "
        "BY vote_id) SELECT COUNT(*) FROM t WHERE ABS(f-a) < 0.05*(f+a+b)");
    json_t *ev = json_object_get(json_object_get(dims, "close_votes"), "evidence");
    assert_int_equal(json_integer_value(json_object_get(ev, "close_votes")), close);
    json_decref(r);
}

/* ---- windows too short to measure ------------------------------------------------------------ */

/* A store holding one roll-call vote: the first vote of the real 2024-01-15 sitting (the file
 * cut after its first </RollCallVote.Result> and closed), with the HowTheyVote members, groups
 * and memberships. Built once, in the test's temporary folder. */
static struct ep_store *short_store(void)
{
    if (S1)
        return S1;
    char path[1024], xml[1024];
    FILE *f = fopen(ep_test_real("ep-rcv-xml/PV-9-2024-01-15-RCV_EN.xml"), "rb");
    assert_non_null(f);
    static char buf[300000];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    const char *end = strstr(buf, "</RollCallVote.Result>");
    assert_non_null(end);
    end += strlen("</RollCallVote.Result>");
    snprintf(xml, sizeof xml, "%s/one-vote.xml", Dir);
    f = fopen(xml, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, (size_t)(end - buf), f), (size_t)(end - buf));
    fputs("</PV.RollCallVoteResults>\n", f);
    assert_int_equal(fclose(f), 0);
    struct ep_error err = {0};
    snprintf(path, sizeof path, "%s/one-vote.db", Dir);
    assert_int_equal(ep_store_open(path, 0, &S1, &err), 0);
    assert_int_equal(ep_env_init(&Env1, S1, &err), 0);
    static const char *const tables[] = {"howtheyvote/members.csv", "howtheyvote/groups.csv",
                                         "howtheyvote/group_memberships.csv"};
    for (int k = 0; k < 4; k++) {
        struct ep_ingest_report rep;
        const char *p = k == 0 ? xml : ep_test_real(tables[k - 1]);
        int rc = ep_store_ingest_file(S1, p, 0, NULL, NULL, &rep, &err);
        if (rc)
            fprintf(stderr, "ingest %s: %s\n", p, err.msg);
        assert_int_equal(rc, 0);
    }
    return S1;
}

static json_t *short_call(const char *tool, const char *args_json)
{
    struct ep_error err = {0};
    json_t *res;
    int rc = call_on(short_store(), tool, args_json, &res, &err);
    if (rc)
        fprintf(stderr, "%s %s: %d %s\n", tool, args_json, rc, err.msg);
    assert_int_equal(rc, 0);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(res, "window"), "votes")),
                     1);
    return res;
}

/* window_too_short lists `measure` with its unit, what the window has and the minimum. */
static void assert_short(json_t *r, const char *measure, const char *unit, long have, long min)
{
    json_t *ws = json_object_get(r, "window_too_short");
    assert_non_null(strstr(json_string_value(json_object_get(ws, "note")), "too short"));
    json_t *ms = json_object_get(ws, "measures");
    for (size_t k = 0; k < json_array_size(ms); k++) {
        json_t *x = json_array_get(ms, k);
        if (strcmp(json_string_value(json_object_get(x, "measure")), measure) == 0) {
            assert_string_equal(json_string_value(json_object_get(x, "unit")), unit);
            assert_int_equal(json_integer_value(json_object_get(x, "have")), have);
            assert_int_equal(json_integer_value(json_object_get(x, "minimum")), min);
            return;
        }
    }
    fail_msg("window_too_short does not list %s", measure);
}

/* {available: false, reason} whose reason says the window is too short, with the minimum
 * common votes of an edge. */
static void assert_no_edges(json_t *o)
{
    assert_true(json_is_false(json_object_get(o, "available")));
    assert_non_null(strstr(json_string_value(json_object_get(o, "reason")), "too short"));
    assert_int_equal(json_integer_value(json_object_get(o, "minimum_common_votes")), 10);
}

static void test_short_coalition(void **state)
{
    (void)state;
    json_t *r = short_call("analyze_coalition_dynamics", "{}");
    json_t *groups = json_object_get(r, "groups");
    assert_true(json_array_size(groups) >= 7);
    for (size_t k = 0; k < json_array_size(groups); k++) {
        json_t *g = json_array_get(groups, k), *coh = json_object_get(g, "cohesion");
        /* over one vote alpha is 0 by construction (SD and others were reported 0): now null
         * with the reason and the minimum */
        assert_true(json_is_null(json_object_get(coh, "alpha")));
        assert_true(json_integer_value(json_object_get(coh, "alpha_units")) <= 1);
        assert_int_equal(json_integer_value(json_object_get(coh, "alpha_minimum_units")), 2);
        assert_non_null(
            strstr(json_string_value(json_object_get(coh, "alpha_reason")), "at least 2"));
        /* the Agreement Index needs one vote: still available */
        assert_true(json_is_number(json_object_get(coh, "ai_mean")));
        json_t *tr = json_object_get(g, "trend");
        assert_true(json_is_null(json_object_get(tr, "ai_slope_per_sitting")));
        assert_non_null(json_string_value(json_object_get(tr, "ai_slope_reason")));
    }
    json_t *pa = json_object_get(json_object_get(r, "parliament"), "alpha");
    assert_true(json_is_false(json_object_get(pa, "available")));
    assert_null(json_object_get(pa, "value"));
    assert_int_equal(json_integer_value(json_object_get(pa, "units")), 1);
    assert_int_equal(json_integer_value(json_object_get(pa, "minimum_units")), 2);
    assert_non_null(strstr(json_string_value(json_object_get(pa, "reason")), "too short"));
    assert_no_edges(json_object_get(r, "factions"));
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(r, "stability"), "minimum_sittings")),
        2);
    assert_non_null(json_string_value(json_object_get(json_object_get(r, "alliances"), "reason")));
    assert_short(r, "parliament.alpha", "votes with >= 2 cast values", 1, 2);
    assert_short(r, "alpha of EPP", "votes with >= 2 cast values", 1, 2);
    assert_short(r, "factions", "votes", 1, 10);
    assert_short(r, "alliances", "votes", 1, 10);
    assert_short(r, "stability", "sittings", 1, 2);
    json_decref(r);
    /* analyze_voting_patterns: SD split on the vote (alpha was reported as 0), now unavailable
     * with the reason and the minimum */
    struct ep_error err = {0};
    int rc = call_on(S1, "analyze_voting_patterns", "{\"group\": \"SD\"}", &r, &err);
    if (rc)
        fprintf(stderr, "analyze_voting_patterns: %s\n", err.msg);
    assert_int_equal(rc, 0);
    json_t *al = json_object_get(json_object_get(r, "cohesion"), "alpha");
    assert_true(json_is_false(json_object_get(al, "available")));
    assert_null(json_object_get(al, "value"));
    assert_int_equal(json_integer_value(json_object_get(al, "units")), 1);
    assert_int_equal(json_integer_value(json_object_get(al, "minimum_units")), 2);
    assert_non_null(strstr(json_string_value(json_object_get(al, "reason")), "too short"));
    json_decref(r);
}

static void test_short_map(void **state)
{
    (void)state;
    json_t *r = short_call("map_political_network", "{\"include_nodes\": true}");
    assert_int_equal(json_integer_value(json_object_get(r, "edges")), 0);
    assert_true(json_integer_value(json_object_get(r, "nodes")) > 300);
    json_t *mod = json_object_get(r, "modularity");
    assert_true(json_is_null(json_object_get(mod, "detected")));
    assert_non_null(strstr(json_string_value(json_object_get(mod, "reason")), "too short"));
    assert_int_equal(json_integer_value(json_object_get(mod, "minimum_common_votes")), 10);
    /* no community structure of one singleton per MEP, no "top" lists of zeros */
    json_t *comm = json_object_get(r, "communities"), *top = json_object_get(r, "top");
    assert_no_edges(comm);
    assert_null(json_object_get(comm, "items"));
    assert_no_edges(top);
    assert_null(json_object_get(top, "strength"));
    assert_null(json_object_get(top, "pagerank"));
    json_t *n0 = json_array_get(json_object_get(r, "node_list"), 0);
    assert_true(json_is_null(json_object_get(n0, "pagerank")));
    assert_true(json_is_null(json_object_get(n0, "community")));
    assert_short(r, "modularity", "votes", 1, 10);
    assert_short(r, "communities", "votes", 1, 10);
    assert_short(r, "top (centrality rankings)", "votes", 1, 10);
    json_decref(r);
    /* PNGs: the network drawing is written; the political map (MEPs with >= 20 cast votes) is
     * not possible on one vote and is said so, instead of failing the whole call */
    char out[1024];
    snprintf(out, sizeof out, "%s/short-out", Dir);
    struct ep_tool_ctx ctx = {0};
    ctx.store = S1;
    ctx.env = &Env1;
    ctx.out_dir = out;
    json_t *args = json_loads("{\"formats\": [\"json\", \"png\"]}", 0, NULL);
    struct ep_error err = {0};
    r = NULL;
    int rc = ep_tools_call(Tools, &ctx, "map_political_network", args, &r, &err);
    json_decref(args);
    if (rc)
        fprintf(stderr, "map_political_network png: %s\n", err.msg);
    assert_int_equal(rc, 0);
    json_t *art = json_object_get(r, "artefacts");
    assert_int_equal(json_array_size(json_object_get(art, "items")), 1);
    json_t *un = json_array_get(json_object_get(art, "unavailable"), 0);
    assert_string_equal(json_string_value(json_object_get(un, "stem")), "political-map");
    assert_non_null(strstr(json_string_value(json_object_get(un, "reason")), "20 votes"));
    assert_short(r, "political-map (MEPs need 20 cast votes)", "votes", 1, 20);
    json_decref(r);
}

static void test_short_influence_anomalies_risk(void **state)
{
    (void)state;
    short_store();
    sqlite3_stmt *st;
    assert_int_equal(
        sqlite3_prepare_v2(ep_store_db(S1), "SELECT MIN(member_id) FROM position", -1, &st, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    char args[96];
    snprintf(args, sizeof args, "{\"mep_id\": %lld}", (long long)sqlite3_column_int64(st, 0));
    sqlite3_finalize(st);
    json_t *r = short_call("assess_mep_influence", args);
    json_t *dims = json_object_get(r, "dimensions");
    assert_no_edges(json_object_get(dims, "network_centrality"));
    assert_no_edges(json_object_get(dims, "bridge_score"));
    assert_true(json_is_true(json_object_get(json_object_get(dims, "participation"), "available")));
    assert_short(r, "network_centrality", "votes", 1, 10);
    assert_short(r, "bridge_score", "votes", 1, 10);
    json_decref(r);

    r = short_call("detect_voting_anomalies", "{}");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "summary"), "alerts")),
                     0);
    assert_short(r, "baselines and outliers (every series)", "sittings", 1, 8);
    json_decref(r);

    r = short_call("generate_political_risk_assessment", "{}");
    dims = json_object_get(r, "dimensions");
    json_t *dc = json_object_get(dims, "declining_cohesion");
    assert_true(json_is_false(json_object_get(dc, "available")));
    assert_int_equal(json_integer_value(json_object_get(dc, "minimum_sittings")), 2);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(dims, "defection_surges"),
                                                        "minimum_sittings")),
                     8);
    json_t *fev = json_object_get(json_object_get(dims, "fragmentation"), "evidence");
    assert_null(json_object_get(fev, "modularity_detected"));
    assert_non_null(
        strstr(json_string_value(json_object_get(fev, "modularity_reason")), "too short"));
    assert_short(r, "declining_cohesion", "sittings", 1, 2);
    assert_short(r, "defection_surges", "sittings", 1, 8);
    assert_short(r, "fragmentation: modularity component", "votes", 1, 10);
    json_decref(r);
}

/* ---- errors -----------------------------------------------------------------------------------
 */

static void test_errors(void **state)
{
    (void)state;
    struct ep_error err = {0};
    json_t *r;
    assert_int_equal(call("assess_mep_influence", "{\"mep_id\": 999999999}", &r, &err),
                     EP_ENOTFOUND);
    assert_non_null(strstr(err.msg, "mep_id"));
    assert_non_null(strstr(err.msg, "999999999"));
    assert_int_equal(call("assess_mep_influence", "{}", &r, &err), EP_EINVAL);
    assert_non_null(strstr(err.msg, "mep_id"));
    assert_int_equal(call("map_political_network", "{\"from\": \"2024-02-30\"}", &r, &err),
                     EP_EINVAL);
    assert_non_null(strstr(err.msg, "from"));
    assert_int_equal(call("map_political_network", "{\"top\": 101}", &r, &err), EP_EINVAL);
    assert_non_null(strstr(err.msg, "top"));
    assert_int_equal(call("generate_political_risk_assessment",
                          "{\"from\": \"2024-03-01\", \"to\": \"2024-01-01\"}", &r, &err),
                     EP_EINVAL);
    assert_int_equal(call("generate_political_risk_assessment", "{\"term\": 10}", &r, &err),
                     EP_EUNAVAIL);
    assert_true(strlen(err.msg) > 20);
    assert_int_equal(
        call("analyze_coalition_dynamics", "{\"groups\": [\"EPP\", \"XYZ\"]}", &r, &err),
        EP_EINVAL);
    assert_non_null(strstr(err.msg, "groups[1]"));
    assert_int_equal(call("detect_voting_anomalies", "{\"scope\": \"mep\"}", &r, &err), EP_EINVAL);
    assert_non_null(strstr(err.msg, "mep_id"));
    assert_int_equal(
        call("detect_voting_anomalies", "{\"scope\": \"group\", \"group\": \"XX\"}", &r, &err),
        EP_EINVAL);
    assert_non_null(strstr(err.msg, "group"));
}

static int cancel_at;
static volatile int cancel_flag;
static void on_progress(void *p, double done, double total, const char *msg)
{
    (void)p;
    (void)done;
    (void)total;
    (void)msg;
    if (--cancel_at == 0)
        cancel_flag = 1;
}

static void test_cancel(void **state)
{
    (void)state;
    static const char *const tools[] = {"assess_mep_influence", "analyze_coalition_dynamics",
                                        "map_political_network", "detect_voting_anomalies",
                                        "generate_political_risk_assessment"};
    long long id = sql_int("SELECT MIN(member_id) FROM position");
    char margs[64];
    snprintf(margs, sizeof margs, "{\"mep_id\": %lld}", id);
    for (int t = 0; t < 5; t++) {
        /* flag already set */
        struct ep_error err = {0};
        struct ep_tool_ctx ctx = {0};
        ctx.store = S;
        ctx.env = &Env;
        cancel_flag = 1;
        ctx.cancelled = &cancel_flag;
        json_t *args = json_loads(t == 0 ? margs : "{}", 0, NULL), *res = NULL;
        assert_int_equal(ep_tools_call(Tools, &ctx, tools[t], args, &res, &err), EP_ECANCELED);
        assert_null(res);
        /* flag set by the progress callback after the first stage: the handler stops (the
         * earlier tests' results are dropped from both caches so that the handler runs) */
        ep_env_clear(&Env);
        ep_tools_cache_clear(Tools);
        cancel_flag = 0;
        cancel_at = 2;
        ctx.progress = on_progress;
        assert_int_equal(ep_tools_call(Tools, &ctx, tools[t], args, &res, &err), EP_ECANCELED);
        assert_null(res);
        json_decref(args);
    }
    /* and a normal call afterwards still works */
    json_decref(ok_call("map_political_network", "{}"));
}

/* A call past its deadline (ep_tool_ctx.deadline, serve --tool-timeout) stops at its next
 * stage with EP_EUNAVAIL naming the deadline; one within it runs. */
static void test_deadline(void **state)
{
    (void)state;
    static const char *const tools[] = {"analyze_coalition_dynamics", "map_political_network",
                                        "detect_voting_anomalies",
                                        "generate_political_risk_assessment"};
    for (int t = 0; t < 4; t++) {
        ep_env_clear(&Env);
        ep_tools_cache_clear(Tools);
        struct ep_error err = {0};
        struct ep_tool_ctx ctx = {.store = S, .env = &Env, .deadline = ep_now() - 1};
        json_t *args = json_object(), *res = NULL;
        assert_int_equal(ep_tools_call(Tools, &ctx, tools[t], args, &res, &err), EP_EUNAVAIL);
        assert_null(res);
        assert_non_null(strstr(err.msg, "deadline (the server's --tool-timeout) passed"));
        ctx.deadline = ep_now() + 600;
        assert_int_equal(ep_tools_call(Tools, &ctx, tools[t], args, &res, &err), 0);
        json_decref(res);
        json_decref(args);
    }
}

/* Leiden is an option of map_political_network: same graph, its own partition, named so. */
static void test_map_leiden(void **state)
{
    (void)state;
    json_t *l = ok_call("map_political_network", "{\"community_algorithm\": \"leiden\"}");
    json_t *v = ok_call("map_political_network", "{}");
    json_t *ml = json_object_get(l, "modularity"), *mv = json_object_get(v, "modularity");
    assert_string_equal(json_string_value(json_object_get(ml, "algorithm")), "leiden");
    assert_string_equal(json_string_value(json_object_get(mv, "algorithm")), "louvain");
    /* the by-group partition does not depend on the algorithm */
    assert_true(fabs(json_number_value(json_object_get(ml, "by_group")) -
                     json_number_value(json_object_get(mv, "by_group"))) < 1e-12);
    assert_int_equal(json_integer_value(json_object_get(l, "nodes")),
                     json_integer_value(json_object_get(v, "nodes")));
    json_decref(l);
    json_decref(v);
}

/* formats: argument checks, json = the result as before, files only on request */
static int call_out(const char *dir, const char *tool, const char *args_json, json_t **res,
                    struct ep_error *err)
{
    struct ep_tool_ctx ctx = {0};
    ctx.store = S;
    ctx.env = &Env;
    ctx.out_dir = dir;
    json_t *args = json_loads(args_json, 0, NULL);
    assert_non_null(args);
    *res = NULL;
    int rc = ep_tools_call(Tools, &ctx, tool, args, res, err);
    json_decref(args);
    return rc;
}

static void test_formats(void **state)
{
    (void)state;
    struct ep_error err = {0};
    json_t *r, *r2;
    char out[1100];
    snprintf(out, sizeof out, "%s/files", Dir);
    /* ["json"] is the default: the same result, no files */
    assert_int_equal(call_out(out, "analyze_coalition_dynamics", "{}", &r, &err), 0);
    assert_int_equal(
        call_out(out, "analyze_coalition_dynamics", "{\"formats\": [\"json\"]}", &r2, &err), 0);
    assert_true(json_equal(r, r2));
    assert_null(json_object_get(r, "artefacts"));
    json_decref(r);
    json_decref(r2);
    assert_int_not_equal(ep_test_system("test -e '%s'", out), 0);
    /* refusals that say what to fix */
    assert_int_equal(call_out(out, "map_political_network", "{\"formats\": [\"pdf\"]}", &r, &err),
                     EP_EINVAL);
    assert_non_null(strstr(err.msg, "\"pdf\" is not rendered by map_political_network"));
    assert_non_null(strstr(err.msg, "json, graphml, png"));
    assert_int_equal(call_out(out, "assess_mep_influence",
                              "{\"mep_id\": 96830, \"formats\": [\"graphml\"]}", &r, &err),
                     EP_EINVAL);
    assert_non_null(strstr(err.msg, "json, png, pdf"));
    assert_int_equal(
        call_out(out, "generate_political_risk_assessment", "{\"formats\": []}", &r, &err),
        EP_EINVAL);
    assert_non_null(strstr(err.msg, "formats"));
    assert_int_equal(
        call_out(NULL, "analyze_coalition_dynamics", "{\"formats\": [\"png\"]}", &r, &err),
        EP_EINVAL);
    assert_non_null(strstr(err.msg, "--out-dir"));
    assert_non_null(strstr(err.msg, "EPINTEL_OUT_DIR"));
    /* files: the risk tool's two charts, named by the arguments' key */
    assert_int_equal(call_out(out, "generate_political_risk_assessment",
                              "{\"formats\": [\"png\"], \"from\": \"2024-01-15\"}", &r, &err),
                     0);
    json_t *items = json_object_get(json_object_get(r, "artefacts"), "items");
    assert_int_equal(json_array_size(items), 2);
    const char *n0 = json_string_value(json_object_get(json_array_get(items, 0), "name"));
    const char *n1 = json_string_value(json_object_get(json_array_get(items, 1), "name"));
    assert_int_equal(strncmp(n0, "cohesion-", 9), 0);
    assert_int_equal(strncmp(n1, "agreement-", 10), 0);
    assert_string_equal(n0 + 9, n1 + 10); /* the same key */
    assert_int_equal(ep_test_system("head -c 4 '%s/%s' | grep -q PNG", out, n0), 0);
    assert_int_equal(ep_test_system("test $(ls '%s' | wc -l) = 2", out), 0);
    /* another window, another key */
    assert_int_equal(call_out(out, "generate_political_risk_assessment",
                              "{\"formats\": [\"png\"], \"from\": \"2024-02-01\"}", &r2, &err),
                     0);
    const char *m0 = json_string_value(json_object_get(
        json_array_get(json_object_get(json_object_get(r2, "artefacts"), "items"), 0), "name"));
    assert_string_not_equal(n0, m0);
    json_decref(r);
    json_decref(r2);
    /* the scorecard takes the MEP profile from ep_tools_mep_details_result, not from a call of
     * get_mep_details by name: it renders though this test does not register that tool */
    assert_int_equal(call_out(out, "assess_mep_influence",
                              "{\"mep_id\": 96830, \"formats\": [\"pdf\"]}", &r, &err),
                     0);
    items = json_object_get(json_object_get(r, "artefacts"), "items");
    assert_int_equal(json_array_size(items), 1);
    assert_int_equal(strncmp(json_string_value(json_object_get(json_array_get(items, 0), "name")),
                             "scorecard-96830-", 16),
                     0);
    json_decref(r);
    assert_int_equal(ep_test_system("ls '%s' | grep -q 'scorecard-96830-.*pdf'", out), 0);
    /* a document whose input fails writes nothing: an MEP without a vote in the window */
    assert_int_not_equal(call_out(out, "assess_mep_influence",
                                  "{\"mep_id\": 96830, \"formats\": [\"pdf\"], \"sittings\": "
                                  "[\"2030-01-01\"]}",
                                  &r, &err),
                         0);
    assert_null(r);
    assert_int_equal(ep_test_system("ls '%s' | grep -c scorecard | grep -qx 1", out), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_map),
        cmocka_unit_test(test_coalition),
        cmocka_unit_test(test_influence),
        cmocka_unit_test(test_anomalies),
        cmocka_unit_test(test_risk),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_deadline),
        cmocka_unit_test(test_map_leiden),
        cmocka_unit_test(test_formats),
        cmocka_unit_test(test_short_coalition),
        cmocka_unit_test(test_short_map),
        cmocka_unit_test(test_short_influence_anomalies_risk),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
