/* Tests for tools/ep_tools_analysis (analyze_voting_patterns, generate_report) and
 * mcp/ep_provider (resources, prompts, completion) on the bundled real data. Figures are
 * checked against SQL over the store's member_vote view, computed here independently. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_provider.h"
#include "ep_report.h"
#include "ep_env.h"
#include "ep_store.h"
#include "ep_store_db.h"
#include "ep_testutil.h"
#include "ep_tools.h"
#include "ep_tools_analysis.h"
#include "ep_tools_basic.h"
#include "ep_tools_common.h"
#include "ep_tools_window.h"
#include "ep_util.h"

EP_TEST_TOOLS

static struct ep_store *store;
static char *tmp;
static struct ep_tool_ctx tctx;
static struct ep_env env; /* store's analysis environment */
static struct ep_mcp_provider prov;

/* Sergio BERLATO (ECR) — hand-checked on the bundled data (7 sittings, 266 votes). */
#define MEP 4746
#define MEP_NAME "Sergio BERLATO"

static int setup(void **st)
{
    (void)st;
    static const ep_test_rows_fn rows[] = {ep_tools_basic_rows, ep_tools_analysis_rows, NULL};
    if (ep_test_store_open("s.db", &tmp, &store, &env, rows, Tools))
        return -1;
    tctx.store = store;
    tctx.env = &env;
    static struct ep_tools_provider_ctx pc;
    pc = (struct ep_tools_provider_ctx){.store = store, .tools = Tools};
    ep_tools_provider_init(&prov, &pc);
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    ep_tools_cleanup(Tools);
    ep_report_cleanup(); /* cairo's and fontconfig's caches (test_reports renders a PNG) */
    ep_test_store_close(tmp, store, &env);
    return 0;
}

/* Call a tool with JSON args; returns rc, result in *out (NULL on error), message in msg. */
static int call(const char *tool, const char *args, json_t **out, char *msg)
{
    json_error_t je;
    json_t *a = json_loads(args, 0, &je);
    if (!a)
        fail_msg("bad test JSON %s", args);
    struct ep_error e = {0};
    *out = NULL;
    int rc = ep_tools_call(Tools, &tctx, tool, a, out, &e);
    json_decref(a);
    if (msg)
        snprintf(msg, EP_ERROR_MSG_MAX, "%s", e.msg);
    if (rc == 0)
        assert_non_null(*out);
    return rc;
}

static double sql_double(const char *sql)
{
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(ep_store_db(store), sql, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    double v = sqlite3_column_double(q, 0);
    sqlite3_finalize(q);
    return v;
}

/* The number at a dotted path of o ("a.b.c"); fails the test when there is none. */
static json_t *num_at(json_t *o, const char *path)
{
    json_t *v = o;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *k = strtok(buf, "."); k; k = strtok(NULL, "."))
        v = json_object_get(v, k);
    if (!json_is_number(v))
        fail_msg("%s is not a number", path);
    return v;
}

static long geti(json_t *o, const char *path)
{
    return (long)json_integer_value(num_at(o, path));
}

static double getd(json_t *o, const char *path)
{
    return json_number_value(num_at(o, path));
}

/* The METHODS tie rule in SQL: a group's position is the strict maximum of Y, N, A, else 0. */
#define GROUP_POS_CTE                                                                              \
    "WITH c AS (SELECT vote_id, group_code, SUM(pos = 1) y, SUM(pos = 2) n, SUM(pos = 3) a,"       \
    " SUM(pos = 4) d FROM member_vote WHERE group_code IS NOT NULL GROUP BY 1, 2),"                \
    " gp AS (SELECT vote_id, group_code, CASE WHEN y > n AND y > a THEN 1"                         \
    " WHEN n > y AND n > a THEN 2 WHEN a > y AND a > n THEN 3 ELSE 0 END p FROM c) "

static void test_mep_figures(void **st)
{
    (void)st;
    json_t *r;
    char m[EP_ERROR_MSG_MAX];
    char args[128];
    snprintf(args, sizeof args, "{\"mep_id\": %d, \"include_votes\": true, \"limit\": 500}", MEP);
    double t0 = ep_now();
    assert_int_equal(call("analyze_voting_patterns", args, &r, m), 0);
    double t1 = ep_now();
    assert_string_equal(json_string_value(json_object_get(r, "kind")), "mep");
    assert_string_equal(json_string_value(json_object_get(json_object_get(r, "subject"), "name")),
                        MEP_NAME);
    assert_int_equal(geti(r, "window.votes"), 266);

    /* participation: cast / eligible from member_vote */
    char sql[2048];
    snprintf(sql, sizeof sql, "SELECT SUM(pos IN (1,2,3)) FROM member_vote WHERE member_id = %d",
             MEP);
    long cast = (long)sql_double(sql);
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM member_vote WHERE member_id = %d", MEP);
    long elig = (long)sql_double(sql);
    assert_int_equal(cast, 262); /* hand-checked */
    assert_int_equal(elig, 266);
    assert_true(json_is_true(json_object_get(json_object_get(r, "participation"), "available")));
    assert_int_equal(geti(r, "participation.cast"), cast);
    assert_int_equal(geti(r, "participation.eligible"), elig);
    assert_true(fabs(getd(r, "participation.value") - (double)cast / (double)elig) < 1e-12);

    /* loyalty with the tie rule: votes where the own group had a strict-maximum position */
    snprintf(sql, sizeof sql,
             GROUP_POS_CTE "SELECT SUM(mv.pos = gp.p) FROM member_vote mv JOIN gp USING (vote_id, "
                           "group_code) WHERE mv.member_id = %d AND mv.pos IN (1,2,3) AND gp.p > 0",
             MEP);
    long match = (long)sql_double(sql);
    snprintf(sql, sizeof sql,
             GROUP_POS_CTE "SELECT COUNT(*) FROM member_vote mv JOIN gp USING (vote_id, "
                           "group_code) WHERE mv.member_id = %d AND mv.pos IN (1,2,3) AND gp.p > 0",
             MEP);
    long den = (long)sql_double(sql);
    assert_int_equal(match, 217); /* hand-checked */
    assert_int_equal(den, 260);   /* 2 cast votes fall on ECR ties */
    assert_int_equal(geti(r, "loyalty.matching"), match);
    assert_int_equal(geti(r, "loyalty.counted"), den);
    assert_int_equal(geti(r, "loyalty.defections"), den - match);
    assert_true(fabs(getd(r, "loyalty.value") - (double)match / (double)den) < 1e-12);
    assert_int_equal(geti(r, "defections.total"), den - match);
    assert_int_equal(
        (long)json_array_size(json_object_get(json_object_get(r, "defections"), "items")),
        den - match);

    /* abstention share */
    snprintf(sql, sizeof sql, "SELECT SUM(pos = 3) FROM member_vote WHERE member_id = %d", MEP);
    long abst = (long)sql_double(sql);
    assert_int_equal(geti(r, "abstention.abstentions"), abst);
    assert_int_equal(geti(r, "abstention.cast"), cast);
    assert_int_equal(geti(r, "abstention_votes.total"), abst);
    assert_int_equal(geti(r, "missed_votes.total"), elig - cast);

    /* agreement with every group; the own group (always ECR here) equals loyalty */
    json_t *agr = json_object_get(r, "agreement");
    assert_true(json_array_size(agr) >= 8);
    size_t k;
    json_t *a;
    int seen_ecr = 0;
    json_array_foreach(agr, k, a)
    {
        const char *g = json_string_value(json_object_get(a, "group"));
        snprintf(sql, sizeof sql,
                 GROUP_POS_CTE "SELECT SUM(mv.pos = gp.p), COUNT(*) FROM member_vote mv JOIN gp "
                               "ON gp.vote_id = mv.vote_id AND gp.group_code = '%s' WHERE "
                               "mv.member_id = %d AND mv.pos IN (1,2,3) AND gp.p > 0",
                 g, MEP);
        long agree = (long)sql_double(sql);
        assert_int_equal(geti(a, "agree"), agree);
        if (strcmp(g, "ECR") == 0) {
            seen_ecr = 1;
            assert_int_equal(geti(a, "agree"), match);
            assert_int_equal(geti(a, "counted"), den);
        }
    }
    assert_true(seen_ecr);
    /* cross-party votes are a subset of the defections */
    assert_true(geti(r, "cross_party.votes") <= den - match);
    assert_int_equal(geti(r, "cross_party_votes.total"), geti(r, "cross_party.votes"));
    assert_non_null(json_object_get(r, "methodology"));
    assert_non_null(json_object_get(json_object_get(r, "provenance"), "dataset_date"));
    json_decref(r);
    print_message("analyze_voting_patterns mep (first call, matrix load): %.1f ms\n",
                  1e3 * (t1 - t0));
    t0 = ep_now();
    assert_int_equal(call("analyze_voting_patterns", args, &r, m), 0);
    t1 = ep_now();
    json_decref(r);
    print_message("analyze_voting_patterns mep (cached window): %.1f ms\n", 1e3 * (t1 - t0));
    assert_true(t1 - t0 < 2.0); /* a few ms natively; generous for valgrind */
}

static void test_group_figures(void **st)
{
    (void)st;
    json_t *r;
    char m[EP_ERROR_MSG_MAX];
    double t0 = ep_now();
    assert_int_equal(call("analyze_voting_patterns",
                          "{\"group\": \"ECR\", \"include_votes\": true, \"limit\": 5}", &r, m),
                     0);
    double t1 = ep_now();
    print_message("analyze_voting_patterns group: %.1f ms\n", 1e3 * (t1 - t0));
    double ai = sql_double(GROUP_POS_CTE "SELECT AVG((MAX(y, n, a) - 0.5 * (y + n + a - "
                                         "MAX(y, n, a))) * 1.0 / (y + n + a)) FROM c WHERE "
                                         "group_code = 'ECR' AND y + n + a > 0");
    assert_true(fabs(ai - 0.776484) < 1e-6); /* hand-checked */
    assert_true(fabs(getd(r, "cohesion.agreement_index.mean") - ai) < 1e-9);
    assert_int_equal(geti(r, "cohesion.agreement_index.votes"), 266);
    long t =
        (long)sql_double(GROUP_POS_CTE "SELECT SUM(y + n + a) FROM c WHERE group_code = 'ECR'");
    long td =
        (long)sql_double(GROUP_POS_CTE "SELECT SUM(y + n + a + d) FROM c WHERE group_code = 'ECR'");
    assert_int_equal(t, 14926);
    assert_int_equal(geti(r, "participation.cast"), t);
    assert_int_equal(geti(r, "participation.possible"), td);
    json_t *rb = json_object_get(r, "rebels");
    assert_true(json_is_true(json_object_get(rb, "available")));
    json_t *items = json_object_get(rb, "items");
    assert_int_equal(json_array_size(items), 5);
    assert_true(getd(json_array_get(items, 0), "rate") >= getd(json_array_get(items, 4), "rate"));
    assert_int_equal(json_array_size(json_object_get(r, "agreement")), 7); /* every other group */
    assert_int_equal(json_array_size(json_object_get(json_object_get(r, "votes"), "items")), 5);
    assert_true(json_is_true(json_object_get(json_object_get(r, "cohesion"), "available")));
    assert_true(json_is_true(
        json_object_get(json_object_get(json_object_get(r, "cohesion"), "alpha"), "available")));
    json_decref(r);

    /* labels the EP uses resolve to the code */
    assert_int_equal(call("analyze_voting_patterns", "{\"group\": \"S&D\"}", &r, m), 0);
    assert_string_equal(json_string_value(json_object_get(json_object_get(r, "subject"), "code")),
                        "SD");
    json_decref(r);
}

static void test_unavailable(void **st)
{
    (void)st;
    json_t *r;
    char m[EP_ERROR_MSG_MAX];
    /* a window without per-MEP positions: every figure unavailable with a reason, never 0 */
    assert_int_equal(call("analyze_voting_patterns",
                          "{\"mep_id\": 4746, \"from\": \"2020-01-01\", \"to\": \"2020-02-01\"}",
                          &r, m),
                     0);
    json_t *p = json_object_get(r, "participation");
    assert_true(json_is_false(json_object_get(p, "available")));
    assert_non_null(json_string_value(json_object_get(p, "reason")));
    assert_null(json_object_get(p, "value"));
    assert_int_equal(geti(r, "window.votes"), 0);
    json_decref(r);
    /* ESN did not exist in early 2024 */
    assert_int_equal(call("analyze_voting_patterns", "{\"group\": \"ESN\"}", &r, m), 0);
    assert_true(json_is_false(json_object_get(json_object_get(r, "cohesion"), "available")));
    json_decref(r);
}

static void test_invalid(void **st)
{
    (void)st;
    json_t *r;
    char m[EP_ERROR_MSG_MAX];
    assert_int_equal(call("analyze_voting_patterns", "{}", &r, m), EP_EINVAL);
    assert_non_null(strstr(m, "\"mep_id\""));
    assert_non_null(strstr(m, "missing"));
    assert_int_equal(
        call("analyze_voting_patterns", "{\"mep_id\": 4746, \"group\": \"EPP\"}", &r, m),
        EP_EINVAL);
    assert_non_null(strstr(m, "both given"));
    assert_int_equal(call("analyze_voting_patterns", "{\"group\": \"XYZ\"}", &r, m), EP_EINVAL);
    assert_non_null(strstr(m, "\"group\""));
    assert_non_null(strstr(m, "EPP"));
    assert_int_equal(call("analyze_voting_patterns", "{\"group\": \"EPP\", \"limit\": 501}", &r, m),
                     EP_EINVAL);
    assert_non_null(strstr(m, "limit"));
    assert_int_equal(call("analyze_voting_patterns", "{\"mep_id\": 999999999}", &r, m),
                     EP_ENOTFOUND);
    assert_non_null(strstr(m, "mep_id"));
    assert_int_equal(call("analyze_voting_patterns",
                          "{\"group\": \"EPP\", \"from\": \"2024-03-01\", \"to\": \"2024-01-01\"}",
                          &r, m),
                     EP_EINVAL);
    assert_non_null(strstr(m, "from"));
    assert_int_equal(call("analyze_voting_patterns", "{\"group\": \"EPP\", \"colour\": 1}", &r, m),
                     EP_EINVAL);
    assert_int_equal(call("generate_report", "{\"kind\": \"party\", \"id\": \"EPP\"}", &r, m),
                     EP_EINVAL);
    assert_non_null(strstr(m, "kind"));
    assert_int_equal(call("generate_report", "{\"kind\": \"mep\"}", &r, m), EP_EINVAL);
    assert_non_null(strstr(m, "id"));
    assert_int_equal(call("generate_report", "{\"kind\": \"mep\", \"id\": \"abc\"}", &r, m),
                     EP_EINVAL);
    assert_non_null(strstr(m, "\"id\""));
    assert_int_equal(
        call("generate_report", "{\"kind\": \"sitting\", \"id\": \"2024-13-01\"}", &r, m),
        EP_EINVAL);
    assert_non_null(strstr(m, "\"id\""));
    assert_int_equal(call("generate_report", "{\"kind\": \"group\", \"id\": \"XYZ\"}", &r, m),
                     EP_EINVAL);
    assert_non_null(strstr(m, "\"id\""));
    assert_int_equal(
        call("generate_report", "{\"kind\": \"sitting\", \"id\": \"2018-01-01\"}", &r, m),
        EP_ENOTFOUND);
}

static const char *markdown(json_t *r)
{
    const char *md = json_string_value(json_object_get(r, "markdown"));
    assert_non_null(md);
    return md;
}

static void test_reports(void **st)
{
    (void)st;
    json_t *r;
    char m[EP_ERROR_MSG_MAX];
    double t0 = ep_now();
    assert_int_equal(call("generate_report", "{\"kind\": \"mep\", \"id\": \"4746\"}", &r, m), 0);
    double t1 = ep_now();
    print_message("generate_report mep: %.1f ms\n", 1e3 * (t1 - t0));
    const char *md = markdown(r);
    assert_non_null(strstr(md, "# MEP report: " MEP_NAME));
    assert_non_null(strstr(md, "Source: European Parliament. Data: HowTheyVote.eu (ODbL)."));
    assert_non_null(strstr(md, "Dataset date: 2025-09-11"));
    assert_non_null(strstr(md, "## Data coverage"));
    assert_non_null(strstr(md, "## Defections"));
    assert_non_null(strstr(md, "| Loyalty to own group | 83.5 %"));
    assert_true(json_is_false(json_object_get(json_object_get(r, "pdf"), "available")));
    assert_int_equal(geti(r, "data.loyalty.matching"), 217);
    assert_true(json_array_size(json_object_get(json_object_get(r, "data"), "memberships")) > 0);
    json_decref(r);

    assert_int_equal(call("generate_report", "{\"kind\": \"group\", \"id\": \"epp\"}", &r, m), 0);
    md = markdown(r);
    assert_non_null(strstr(md, "# Group report: EPP"));
    assert_non_null(strstr(md, "## Most rebellious members"));
    assert_non_null(strstr(md, "Source: European Parliament. Data: HowTheyVote.eu (ODbL)."));
    json_decref(r);

    assert_int_equal(
        call("generate_report", "{\"kind\": \"sitting\", \"id\": \"2024-01-16\"}", &r, m), 0);
    md = markdown(r);
    assert_non_null(strstr(md, "# Sitting report: 2024-01-16"));
    assert_non_null(strstr(md, "| EPP |"));
    assert_true(json_is_true(
        json_object_get(json_object_get(json_object_get(r, "data"), "attendance"), "available")));
    assert_non_null(strstr(md, "Source: European Parliament. Data: HowTheyVote.eu (ODbL)."));
    json_decref(r);

    /* a sitting with official counts only */
    assert_int_equal(
        call("generate_report", "{\"kind\": \"sitting\", \"id\": \"2023-12-13\"}", &r, m), 0);
    assert_true(json_is_false(
        json_object_get(json_object_get(json_object_get(r, "data"), "groups"), "available")));
    assert_non_null(strstr(markdown(r), "no per-MEP positions"));
    json_decref(r);

    /* formats: files for kind mep only; pdf says how to get one; errors name what to fix */
    assert_int_equal(call("generate_report", "{\"kind\": \"mep\", \"id\": \"4746\"}", &r, m), 0);
    assert_non_null(
        strstr(json_string_value(json_object_get(json_object_get(r, "pdf"), "reason")), "formats"));
    json_decref(r);
    assert_int_equal(call("generate_report",
                          "{\"kind\": \"group\", \"id\": \"EPP\", \"formats\": [\"pdf\"]}", &r, m),
                     EP_EINVAL);
    assert_non_null(strstr(m, "kind \"mep\""));
    assert_int_equal(call("generate_report",
                          "{\"kind\": \"sitting\", \"id\": \"2024-01-16\", \"formats\": "
                          "[\"json\", \"png\"]}",
                          &r, m),
                     EP_EINVAL);
    assert_int_equal(call("generate_report",
                          "{\"kind\": \"mep\", \"id\": \"4746\", \"formats\": [\"graphml\"]}", &r,
                          m),
                     EP_EINVAL);
    assert_non_null(strstr(m, "json, png, pdf"));
    /* no output directory in this context: the file formats say where to configure one */
    assert_int_equal(call("generate_report",
                          "{\"kind\": \"mep\", \"id\": \"4746\", \"formats\": [\"png\"]}", &r, m),
                     EP_EINVAL);
    assert_non_null(strstr(m, "--out-dir"));
    /* with one, the dimension bars are drawn from the influence scorecard computed directly
     * (ep_tools_influence_compute): assess_mep_influence need not be registered (no tool calls
     * another by name) */
    char dir[1100];
    snprintf(dir, sizeof dir, "%s/files", tmp);
    tctx.out_dir = dir;
    assert_int_equal(call("generate_report",
                          "{\"kind\": \"mep\", \"id\": \"4746\", \"formats\": [\"png\"]}", &r, m),
                     0);
    tctx.out_dir = NULL;
    json_t *arts = json_object_get(json_object_get(r, "artefacts"), "items");
    assert_int_equal(json_array_size(arts), 1);
    assert_non_null(strstr(json_string_value(json_object_get(json_array_get(arts, 0), "name")),
                           "dimensions-4746"));
    json_decref(r);
    assert_int_equal(ep_test_system("ls '%s' | grep -q 'dimensions-4746.*png'", dir), 0);
}

/* ---- provider ---------------------------------------------------------------------------- */

static void test_resources(void **st)
{
    (void)st;
    struct ep_error e = {0};
    json_t *r = NULL;
    assert_int_equal(prov.resource_templates_list(prov.ctx, NULL, &r, &e), 0);
    json_t *t = json_object_get(r, "resourceTemplates");
    assert_int_equal(json_array_size(t), 4);
    assert_string_equal(json_string_value(json_object_get(json_array_get(t, 0), "uriTemplate")),
                        "ep://meps/{id}");
    json_decref(r);

    assert_int_equal(prov.resources_list(prov.ctx, NULL, &r, &e), 0);
    json_t *res = json_object_get(r, "resources");
    assert_int_equal(json_array_size(res), 100);
    int epp = 0;
    size_t k;
    json_t *x;
    json_array_foreach(res, k, x) epp |=
        strcmp(json_string_value(json_object_get(x, "uri")), "ep://groups/EPP") == 0;
    assert_true(epp);
    const char *next = json_string_value(json_object_get(r, "nextCursor"));
    assert_non_null(next);
    json_t *r2 = NULL;
    assert_int_equal(prov.resources_list(prov.ctx, next, &r2, &e), 0);
    assert_true(json_array_size(json_object_get(r2, "resources")) > 0);
    json_decref(r2);
    json_decref(r);
    assert_int_equal(prov.resources_list(prov.ctx, "garbage", &r, &e), EP_EINVAL);

    double t0 = ep_now();
    assert_int_equal(prov.resource_read(prov.ctx, "ep://groups/EPP", &r, &e), 0);
    print_message("resources/read ep://groups/EPP: %.1f ms\n", 1e3 * (ep_now() - t0));
    json_t *c = json_array_get(json_object_get(r, "contents"), 0);
    assert_string_equal(json_string_value(json_object_get(c, "uri")), "ep://groups/EPP");
    assert_string_equal(json_string_value(json_object_get(c, "mimeType")), "application/json");
    json_t *body = json_loads(json_string_value(json_object_get(c, "text")), 0, NULL);
    assert_non_null(body);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(body, "subject"), "code")), "EPP");
    json_decref(body);
    json_decref(r);

    assert_int_equal(prov.resource_read(prov.ctx, "ep://meps/999999999", &r, &e), EP_ENOTFOUND);
    assert_int_equal(prov.resource_read(prov.ctx, "ep://meps/abc", &r, &e), EP_ENOTFOUND);
    assert_int_equal(prov.resource_read(prov.ctx, "ep://groups/NOPE", &r, &e), EP_ENOTFOUND);
    assert_int_equal(prov.resource_read(prov.ctx, "ep://sittings/2024-02-30", &r, &e),
                     EP_ENOTFOUND);
    assert_int_equal(prov.resource_read(prov.ctx, "http://example.org/", &r, &e), EP_ENOTFOUND);
    assert_int_equal(prov.resource_read(prov.ctx, "ep://votes/1", &r, &e), EP_ENOTFOUND);

    assert_int_equal(prov.resource_read(prov.ctx, "ep://meps/4746", &r, &e), 0);
    json_decref(r);
    assert_int_equal(prov.resource_read(prov.ctx, "ep://votes/163199", &r, &e), 0);
    json_decref(r);
    assert_int_equal(prov.resource_read(prov.ctx, "ep://sittings/2024-01-16", &r, &e), 0);
    json_decref(r);
}

static void test_prompts(void **st)
{
    (void)st;
    struct ep_error e = {0};
    json_t *r = NULL;
    assert_int_equal(prov.prompts_list(prov.ctx, NULL, &r, &e), 0);
    /* 3, + the four of issue 18 (tests/test_prompts.c) */
    assert_int_equal(json_array_size(json_object_get(r, "prompts")), 7);
    json_decref(r);

    json_t *args = json_object();
    assert_int_equal(prov.prompt_get(prov.ctx, "mep_briefing", args, &r, &e), EP_EINVAL);
    assert_non_null(strstr(e.msg, "mep_id"));
    assert_int_equal(prov.prompt_get(prov.ctx, "legislative_tracking", args, &r, &e), EP_EINVAL);
    assert_non_null(strstr(e.msg, "procedure"));
    assert_int_equal(prov.prompt_get(prov.ctx, "nope", args, &r, &e), EP_EINVAL);
    assert_int_equal(prov.prompt_get(prov.ctx, "coalition_analysis", args, &r, &e), 0);
    json_decref(r);

    json_object_set_new(args, "mep_id", json_string("4746"));
    assert_int_equal(prov.prompt_get(prov.ctx, "mep_briefing", args, &r, &e), 0);
    const char *text = json_string_value(json_object_get(
        json_object_get(json_array_get(json_object_get(r, "messages"), 0), "content"), "text"));
    assert_non_null(strstr(text, "analyze_voting_patterns with {\"mep_id\": 4746"));
    json_decref(r);
    json_object_set_new(args, "mep_id", json_string("999999999"));
    assert_int_equal(prov.prompt_get(prov.ctx, "mep_briefing", args, &r, &e), EP_EINVAL);
    json_decref(args);

    args =
        json_pack("{s:s, s:s, s:s}", "from", "2024-01-01", "to", "2024-03-01", "groups", "EPP, sd");
    assert_int_equal(prov.prompt_get(prov.ctx, "coalition_analysis", args, &r, &e), 0);
    text = json_string_value(json_object_get(
        json_object_get(json_array_get(json_object_get(r, "messages"), 0), "content"), "text"));
    assert_non_null(strstr(text, "{\"group\": \"SD\""));
    assert_non_null(strstr(text, "\"from\": \"2024-01-01\", \"to\": \"2024-03-01\""));
    json_decref(r);
    json_object_set_new(args, "groups", json_string("EPP,XX"));
    assert_int_equal(prov.prompt_get(prov.ctx, "coalition_analysis", args, &r, &e), EP_EINVAL);
    assert_non_null(strstr(e.msg, "groups"));
    json_decref(args);

    args = json_pack("{s:s}", "procedure", "2022/0099(COD)");
    assert_int_equal(prov.prompt_get(prov.ctx, "legislative_tracking", args, &r, &e), 0);
    json_decref(r);
    json_decref(args);
}

/* Values completed for a ref; returns the array (caller decrefs). */
static json_t *complete(const char *ref, const char *arg, const char *value)
{
    struct ep_error e = {0};
    json_t *rf = json_loads(ref, 0, NULL), *ctx = json_object(), *v = NULL;
    assert_non_null(rf);
    assert_int_equal(prov.complete(prov.ctx, rf, arg, value, ctx, &v, &e), 0);
    json_decref(rf);
    json_decref(ctx);
    assert_true(json_is_array(v));
    return v;
}

static int has(json_t *arr, const char *s)
{
    size_t k;
    json_t *x;
    json_array_foreach(arr, k, x) if (strcmp(json_string_value(x), s) == 0) return 1;
    return 0;
}

static void test_complete(void **st)
{
    (void)st;
    json_t *v =
        complete("{\"type\":\"ref/resource\",\"uri\":\"ep://groups/{code}\"}", "code", "EP");
    assert_true(json_array_size(v) >= 1);
    assert_string_equal(json_string_value(json_array_get(v, 0)), "EPP");
    json_decref(v);
    v = complete("{\"type\":\"ref/prompt\",\"name\":\"coalition_analysis\"}", "groups", "EPP,S");
    assert_true(has(v, "EPP,SD"));
    json_decref(v);
    v = complete("{\"type\":\"ref/prompt\",\"name\":\"mep_briefing\"}", "mep_id", "berlato");
    assert_true(has(v, "4746"));
    json_decref(v);
    v = complete("{\"type\":\"ref/resource\",\"uri\":\"ep://meps/{id}\"}", "id", "474");
    assert_true(has(v, "4746"));
    json_decref(v);
    v = complete("{\"type\":\"ref/resource\",\"uri\":\"ep://sittings/{date}\"}", "date", "2024-01");
    assert_true(has(v, "2024-01-16"));
    assert_string_equal(json_string_value(json_array_get(v, 0)),
                        "2024-01-17"); /* positions first */
    json_decref(v);
    v = complete("{\"type\":\"ref/prompt\",\"name\":\"legislative_tracking\"}", "procedure",
                 "2022/0099");
    assert_true(has(v, "2022/0099(COD)"));
    json_decref(v);
    v = complete("{\"type\":\"ref/prompt\",\"name\":\"mep_briefing\"}", "mep_id", "%_");
    assert_int_equal(json_array_size(v), 0);
    json_decref(v);
    struct ep_error e = {0};
    json_t *rf = json_pack("{s:s, s:s}", "type", "ref/prompt", "name", "nope"),
           *ctx = json_object(), *out = NULL;
    assert_int_equal(prov.complete(prov.ctx, rf, "x", "", ctx, &out, &e), EP_EINVAL);
    json_decref(rf);
    json_decref(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mep_figures), cmocka_unit_test(test_group_figures),
        cmocka_unit_test(test_unavailable), cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_reports),     cmocka_unit_test(test_resources),
        cmocka_unit_test(test_prompts),     cmocka_unit_test(test_complete),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
