/* The eight basic store tools (ep_tools_basic) on the bundled real dataset. Every expected figure
 * below was computed independently with the sqlite3 CLI over the store (member_vote view,
 * membership and vote tables), not with the code under test. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_env.h"
#include "ep_store.h"
#include "ep_store_db.h"
#include "ep_testutil.h"
#include "ep_tools.h"
#include "ep_tools_basic.h"
#include "ep_tools_common.h"
#include "ep_util.h"

EP_TEST_TOOLS

static char *tmp;
static struct ep_store *store;
static struct ep_tool_ctx ctx;
static struct ep_env env; /* the tools' analysis environment (positions snapshot, windows) */

static int setup(void **state)
{
    (void)state;
    tmp = ep_test_tmpdir();
    char path[4096];
    snprintf(path, sizeof path, "%s/tools.db", tmp);
    struct ep_error err = {0};
    if (ep_store_open(path, 0, &store, &err) || ep_store_ensure_default(store, NULL, NULL, &err)) {
        fprintf(stderr, "store: %s\n", err.msg);
        return -1;
    }
    size_t n;
    const struct ep_tool *rows = ep_tools_basic_rows(&n);
    if (ep_tools_register(Tools, rows, n, &err)) {
        fprintf(stderr, "register: %s\n", err.msg);
        return -1;
    }
    ctx.store = store;
    ep_env_init(&env, store, NULL);
    ctx.env = &env;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ep_tools_cleanup(Tools);
    ep_env_close(&env);
    ep_store_close(store);
    ep_test_system("rm -rf '%s'", tmp);
    free(tmp);
    return 0;
}

/* Call a tool with JSON text args; returns rc, *res the result (or NULL), err filled. */
static int call(const char *tool, const char *args, json_t **res, struct ep_error *err)
{
    json_error_t je;
    json_t *a = args ? json_loads(args, 0, &je) : NULL;
    if (args && !a)
        fail_msg("bad test JSON %s: %s", args, je.text);
    ep_error_clear(err);
    int rc = ep_tools_call(Tools, &ctx, tool, a, res, err);
    json_decref(a);
    return rc;
}

static json_t *call_ok(const char *tool, const char *args)
{
    json_t *res = NULL;
    struct ep_error err = {0};
    int rc = call(tool, args, &res, &err);
    if (rc)
        fail_msg("%s %s: rc %d: %s", tool, args ? args : "{}", rc, err.msg);
    assert_non_null(res);
    return res;
}

static void expect_err(const char *tool, const char *args, int code, const char *needle)
{
    json_t *res = NULL;
    struct ep_error err = {0};
    int rc = call(tool, args, &res, &err);
    if (rc != code)
        fail_msg("%s %s: expected rc %d, got %d (%s)", tool, args, code, rc, err.msg);
    assert_null(res);
    if (needle && !strstr(err.msg, needle))
        fail_msg("%s %s: message \"%s\" lacks \"%s\"", tool, args, err.msg, needle);
}

static json_int_t geti(json_t *o, const char *path)
{
    /* dotted path with [n] array indices, e.g. "votes[0].counts.for" */
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    json_t *cur = o;
    for (char *tok = strtok(buf, "."); tok && cur; tok = strtok(NULL, ".")) {
        char *br = strchr(tok, '[');
        if (br)
            *br = '\0';
        if (*tok)
            cur = json_object_get(cur, tok);
        while (br && cur) {
            cur = json_array_get(cur, (size_t)atoi(br + 1));
            br = strchr(br + 1, '[');
        }
    }
    if (!json_is_integer(cur))
        fail_msg("%s is not an integer", path);
    return json_integer_value(cur);
}

static void check_provenance(json_t *res)
{
    json_t *p = json_object_get(res, "provenance");
    assert_non_null(p);
    assert_string_equal(json_string_value(json_array_get(json_object_get(p, "sources"), 0)),
                        "Source: European Parliament");
    assert_string_equal(json_string_value(json_array_get(json_object_get(p, "sources"), 1)),
                        "Data: HowTheyVote.eu (ODbL)");
    assert_string_equal(json_string_value(json_object_get(p, "dataset_date")), "2025-09-11");
    json_t *w = json_object_get(p, "positions_window");
    assert_string_equal(json_string_value(json_object_get(w, "from")), "2024-01-15");
    assert_string_equal(json_string_value(json_object_get(w, "to")), "2024-04-23");
}

static json_t *group_of(json_t *groups, const char *code)
{
    size_t i;
    json_t *g;
    json_array_foreach(groups, i, g)
    {
        if (strcmp(json_string_value(json_object_get(g, "group")), code) == 0)
            return g;
    }
    return NULL;
}

/* The provenance is kept per store content (tools/ep_tools_common.c): an ingest changes it at
 * once, and a second store never gets the first one's. */
static json_t *prov_window(struct ep_tool_ctx *c)
{
    json_t *a = json_pack("{s:i}", "limit", 1), *res = NULL;
    struct ep_error err = {0};
    int rc = ep_tools_call(Tools, c, "get_meps", a, &res, &err);
    json_decref(a);
    if (rc)
        fail_msg("get_meps: %s", err.msg);
    json_t *w = json_incref(json_object_get(json_object_get(res, "provenance"), "positions_window"));
    json_decref(res);
    return w;
}

static void test_provenance_follows_ingest(void **state)
{
    (void)state;
    char path[4200];
    snprintf(path, sizeof path, "%s/prov.db", tmp);
    struct ep_store *s2 = NULL;
    struct ep_error err = {0};
    struct ep_ingest_report rep;
    assert_int_equal(ep_store_open(path, 0, &s2, &err), 0);
    struct ep_tool_ctx c2 = ctx;
    c2.store = s2;
    c2.env = NULL; /* an environment belongs to one store: each call gets its own */
    json_t *w = prov_window(&c2);
    assert_true(json_is_null(w)); /* nothing stored yet */
    json_decref(w);
    assert_int_equal(ep_store_ingest_file(s2, ep_test_real("ep-rcv-xml/PV-9-2024-02-08-RCV_EN.xml"),
                                          1, NULL, NULL, &rep, &err),
                     0);
    w = prov_window(&c2);
    assert_string_equal(json_string_value(json_object_get(w, "from")), "2024-02-08");
    assert_string_equal(json_string_value(json_object_get(w, "to")), "2024-02-08");
    json_decref(w);
    assert_int_equal(ep_store_ingest_file(s2, ep_test_real("ep-rcv-xml/PV-9-2024-01-16-RCV_EN.xml"),
                                          1, NULL, NULL, &rep, &err),
                     0);
    w = prov_window(&c2);
    assert_string_equal(json_string_value(json_object_get(w, "from")), "2024-01-16");
    assert_string_equal(json_string_value(json_object_get(w, "to")), "2024-02-08");
    json_decref(w);
    w = prov_window(&ctx); /* the bundled store: its own window */
    assert_string_equal(json_string_value(json_object_get(w, "from")), "2024-01-15");
    assert_string_equal(json_string_value(json_object_get(w, "to")), "2024-04-23");
    json_decref(w);
    ep_store_close(s2);
}

/* ---- get_meps ---------------------------------------------------------------------------- */

static void test_meps(void **state)
{
    (void)state;
    /* sqlite3: members with country LUX and a membership active on 2024-01-16 -> 6
     * (GOERENS, METZ, SEMEDO, WISELER-LIMA, ANGEL, KEMP) */
    json_t *r = call_ok("get_meps", "{\"country\":\"LUX\",\"active_on\":\"2024-01-16\"}");
    assert_int_equal(geti(r, "total"), 6);
    assert_int_equal(json_array_size(json_object_get(r, "meps")), 6);
    assert_false(json_is_true(json_object_get(r, "hasMore")));
    check_provenance(r);
    json_decref(r);

    /* LUX with a term-10 membership -> 7 */
    r = call_ok("get_meps", "{\"country\":\"LUX\",\"term\":10}");
    assert_int_equal(geti(r, "total"), 7);
    json_decref(r);

    /* group EPP on 2024-01-16 (latest-starting active membership) -> 178; paging */
    r = call_ok("get_meps", "{\"group\":\"EPP\",\"active_on\":\"2024-01-16\",\"limit\":100}");
    assert_int_equal(geti(r, "total"), 178);
    assert_int_equal(json_array_size(json_object_get(r, "meps")), 100);
    assert_true(json_is_true(json_object_get(r, "hasMore")));
    json_decref(r);
    r = call_ok("get_meps",
                "{\"group\":\"EPP\",\"active_on\":\"2024-01-16\",\"offset\":100,\"limit\":100}");
    assert_int_equal(json_array_size(json_object_get(r, "meps")), 78);
    assert_false(json_is_true(json_object_get(r, "hasMore")));
    json_decref(r);

    /* all 1,268 members */
    r = call_ok("get_meps", NULL);
    assert_int_equal(geti(r, "total"), 1268);
    assert_int_equal(geti(r, "limit"), 50);
    json_decref(r);

    /* accent- and case-insensitive name: "hajsel" finds HAJŠEL (34578), "garcía" and "garcia"
     * the same MEPs */
    r = call_ok("get_meps", "{\"name\":\"hajsel\"}");
    assert_int_equal(geti(r, "total"), 1);
    assert_int_equal(geti(r, "meps[0].id"), 34578);
    json_decref(r);
    r = call_ok("get_meps", "{\"name\":\"GARCÍA-margallo\"}");
    assert_int_equal(geti(r, "meps[0].id"), 1992);
    json_decref(r);

    /* one MEP's fields: Charles GOERENS, LUX, RENEW, terms 9 and 10, current */
    r = call_ok("get_meps", "{\"name\":\"goerens\"}");
    json_t *m = json_array_get(json_object_get(r, "meps"), 0);
    assert_int_equal(geti(m, "id"), 840);
    assert_string_equal(json_string_value(json_object_get(m, "country")), "LUX");
    assert_string_equal(json_string_value(json_object_get(m, "group")), "RENEW");
    assert_string_equal(json_string_value(json_object_get(m, "date_of_birth")), "1952-02-06");
    assert_int_equal(json_array_size(json_object_get(m, "terms")), 2);
    assert_true(json_is_true(json_object_get(m, "current")));
    json_decref(r);

    expect_err("get_meps", "{\"country\":\"lu\"}", EP_EINVAL, "country");
    expect_err("get_meps", "{\"group\":\"XYZ\"}", EP_EINVAL, "group");
    expect_err("get_meps", "{\"active_on\":\"2024-02-30\"}", EP_EINVAL, "active_on");
    expect_err("get_meps", "{\"term\":8}", EP_EINVAL, "term");
    expect_err("get_meps", "{\"limit\":501}", EP_EINVAL, "limit");
    expect_err("get_meps", "{\"limit\":0}", EP_EINVAL, "limit");
    expect_err("get_meps", "{\"bogus\":1}", EP_EINVAL, "bogus");
}

/* ---- get_mep_details --------------------------------------------------------------------- */

static void test_mep_details(void **state)
{
    (void)state;
    /* sqlite3 over member_vote for member 840: 266 eligible, 246 cast (148 FOR, 96 AGAINST,
     * 2 ABSTENTION), 20 did not vote. Loyalty (group positions from member_vote, ties
     * excluded): 246 votes, 243 matching, 3 defections, 0 ties. */
    json_t *r = call_ok("get_mep_details", "{\"id\":840}");
    assert_string_equal(json_string_value(json_object_get(json_object_get(r, "mep"), "last_name")),
                        "GOERENS");
    assert_int_equal(json_array_size(json_object_get(r, "memberships")), 2);
    assert_int_equal(geti(r, "memberships[0].term"), 9);
    assert_int_equal(geti(r, "window.votes"), 266);
    json_t *p = json_object_get(r, "participation");
    assert_true(json_is_true(json_object_get(p, "available")));
    assert_int_equal(geti(p, "eligible"), 266);
    assert_int_equal(geti(p, "cast"), 246);
    assert_int_equal(geti(p, "for"), 148);
    assert_int_equal(geti(p, "against"), 96);
    assert_int_equal(geti(p, "abstention"), 2);
    assert_int_equal(geti(p, "did_not_vote"), 20);
    assert_true(fabs(json_real_value(json_object_get(p, "value")) - 246.0 / 266.0) < 1e-12);
    json_t *l = json_object_get(r, "loyalty");
    assert_true(json_is_true(json_object_get(l, "available")));
    assert_int_equal(geti(l, "loyalty_votes"), 246);
    assert_int_equal(geti(l, "matching"), 243);
    assert_int_equal(geti(l, "defections"), 3);
    assert_int_equal(geti(l, "tie_votes"), 0);
    assert_int_equal(json_array_size(json_object_get(l, "defection_vote_ids")), 3);
    assert_true(fabs(json_real_value(json_object_get(l, "value")) - 243.0 / 246.0) < 1e-12);
    check_provenance(r);
    json_decref(r);

    /* window restricted to the 2024-01-16 sitting: 32 votes, member_vote gives 32 eligible */
    r = call_ok("get_mep_details", "{\"id\":840,\"from\":\"2024-01-16\",\"to\":\"2024-01-16\"}");
    assert_int_equal(geti(r, "window.votes"), 32);
    assert_int_equal(geti(r, "participation.eligible"), 32);
    json_decref(r);

    /* DI RUPO (1294) is a term-10 MEP only: no eligible vote in the positions window */
    r = call_ok("get_mep_details", "{\"id\":1294}");
    p = json_object_get(r, "participation");
    assert_true(json_is_false(json_object_get(p, "available")));
    assert_non_null(json_string_value(json_object_get(p, "reason")));
    assert_null(json_object_get(p, "value"));
    assert_true(json_is_false(json_object_get(json_object_get(r, "loyalty"), "available")));
    json_decref(r);

    expect_err("get_mep_details", "{\"id\":1}", EP_ENOTFOUND,
               "no MEP with id 1; search with get_meps");
    expect_err("get_mep_details", "{}", EP_EINVAL, "id");
    expect_err("get_mep_details", "{\"id\":\"840\"}", EP_EINVAL, "id");
    expect_err("get_mep_details", "{\"id\":840,\"from\":\"2024-02-01\",\"to\":\"2024-01-01\"}",
               EP_EINVAL, "from");
}

/* ---- get_plenary_sessions ---------------------------------------------------------------- */

static void test_sessions(void **state)
{
    (void)state;
    /* 299 distinct sitting dates in the vote table; 7 with positions */
    json_t *r = call_ok("get_plenary_sessions", "{\"limit\":1}");
    assert_int_equal(geti(r, "total"), 299);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(r, "sittings"), 0), "date")),
                        "2025-09-11");
    check_provenance(r);
    json_decref(r);
    r = call_ok("get_plenary_sessions", "{\"with_positions\":true,\"order\":\"asc\"}");
    assert_int_equal(geti(r, "total"), 7);
    json_decref(r);

    /* 2024-01-16: 32 votes, all with positions, 15 main; member_vote: 705 MEPs with a mandate,
     * 627 with at least one cast vote */
    r = call_ok("get_plenary_sessions", "{\"from\":\"2024-01-16\",\"to\":\"2024-01-16\"}");
    assert_int_equal(geti(r, "total"), 1);
    json_t *s = json_array_get(json_object_get(r, "sittings"), 0);
    assert_int_equal(geti(s, "votes"), 32);
    assert_int_equal(geti(s, "votes_with_positions"), 32);
    assert_int_equal(geti(s, "main_votes"), 15);
    assert_int_equal(geti(s, "term"), 9);
    assert_string_equal(json_string_value(json_object_get(s, "ep_reference")), "P9_PV(2024)01-16");
    json_t *a = json_object_get(s, "attendance");
    assert_true(json_is_true(json_object_get(a, "available")));
    assert_int_equal(geti(a, "mandate"), 705);
    assert_int_equal(geti(a, "present"), 627);
    json_decref(r);

    /* a sitting without positions: attendance unavailable with a reason */
    r = call_ok("get_plenary_sessions", "{\"from\":\"2025-09-11\"}");
    a = json_object_get(json_array_get(json_object_get(r, "sittings"), 0), "attendance");
    assert_true(json_is_false(json_object_get(a, "available")));
    assert_non_null(json_object_get(a, "reason"));
    json_decref(r);

    expect_err("get_plenary_sessions", "{\"from\":\"16/01/2024\"}", EP_EINVAL, "from");
    expect_err("get_plenary_sessions", "{\"order\":\"up\"}", EP_EINVAL, "order");
}

/* ---- get_voting_records ------------------------------------------------------------------ */

static void test_votes(void **state)
{
    (void)state;
    /* vote 162974: 457/92/32/124 ADOPTED; EPP from member_vote: Y 141, N 0, A 6, D 31 ->
     * FOR, AI = (141 - 3) / 147 */
    json_t *r = call_ok("get_voting_records", "{\"vote_id\":162974}");
    assert_int_equal(geti(r, "total"), 1);
    json_t *v = json_array_get(json_object_get(r, "votes"), 0);
    assert_int_equal(geti(v, "counts.for"), 457);
    assert_int_equal(geti(v, "counts.against"), 92);
    assert_int_equal(geti(v, "counts.abstention"), 32);
    assert_int_equal(geti(v, "counts.did_not_vote"), 124);
    assert_string_equal(json_string_value(json_object_get(v, "result")), "ADOPTED");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(v, "procedure"), "reference")),
        "2022/0099(COD)");
    json_t *groups = json_object_get(v, "groups");
    assert_int_equal(json_array_size(groups), 8);
    json_t *epp = group_of(groups, "EPP");
    assert_non_null(epp);
    assert_int_equal(geti(epp, "Y"), 141);
    assert_int_equal(geti(epp, "N"), 0);
    assert_int_equal(geti(epp, "A"), 6);
    assert_int_equal(geti(epp, "D"), 31);
    assert_string_equal(json_string_value(json_object_get(epp, "position")), "FOR");
    assert_true(fabs(json_real_value(json_object_get(epp, "agreement_index")) - 138.0 / 147.0) <
                1e-12);
    /* ID: 0/40/6/12 -> AGAINST; sums over groups give the official counts */
    assert_string_equal(json_string_value(json_object_get(group_of(groups, "ID"), "position")),
                        "AGAINST");
    json_int_t sy = 0, sn = 0, sa = 0, sd = 0;
    for (size_t i = 0; i < json_array_size(groups); i++) {
        json_t *g = json_array_get(groups, i);
        sy += geti(g, "Y");
        sn += geti(g, "N");
        sa += geti(g, "A");
        sd += geti(g, "D");
    }
    assert_int_equal(sy, 457);
    assert_int_equal(sn, 92);
    assert_int_equal(sa, 32);
    assert_int_equal(sd, 124);
    check_provenance(r);
    json_decref(r);

    /* the shared breakdown helper gives the same */
    json_t *b = NULL;
    struct ep_error err = {0};
    assert_int_equal(ep_tools_group_breakdown(&env, 162974, &b, &err), 0);
    assert_int_equal(geti(group_of(b, "EPP"), "Y"), 141);
    json_decref(b);
    assert_int_equal(ep_tools_group_breakdown(&env, 154082, &b, &err), 0);
    assert_null(b); /* no positions for that vote */

    /* every MEP's position and one MEP's position: 840 voted on 162974 (RENEW, FOR) */
    r = call_ok("get_voting_records", "{\"vote_id\":162974,\"include\":\"positions\","
                                      "\"mep_id\":840}");
    v = json_array_get(json_object_get(r, "votes"), 0);
    assert_int_equal(json_array_size(json_object_get(v, "positions")), 457 + 92 + 32 + 124);
    json_t *mp = json_object_get(v, "mep_position");
    assert_string_equal(json_string_value(json_object_get(mp, "group")), "RENEW");
    assert_string_equal(json_string_value(json_object_get(mp, "group_position")), "FOR");
    json_decref(r);

    /* filters: sitting 2024-01-16 -> 32 votes, 15 main; procedure 2022/0099(COD) -> 38 */
    r = call_ok("get_voting_records", "{\"sitting\":\"2024-01-16\"}");
    assert_int_equal(geti(r, "total"), 32);
    json_decref(r);
    r = call_ok("get_voting_records", "{\"sitting\":\"2024-01-16\",\"main_only\":true}");
    assert_int_equal(geti(r, "total"), 15);
    json_decref(r);
    r = call_ok("get_voting_records", "{\"procedure\":\"2022/0099(COD)\",\"limit\":5}");
    assert_int_equal(geti(r, "total"), 38);
    assert_int_equal(json_array_size(json_object_get(r, "votes")), 5);
    json_decref(r);
    /* result ADOPTED over the whole store: 1875; REJECTED 2052 */
    r = call_ok("get_voting_records", "{\"result\":\"ADOPTED\",\"limit\":1}");
    assert_int_equal(geti(r, "total"), 1875);
    json_decref(r);
    r = call_ok("get_voting_records", "{\"with_positions\":true,\"limit\":1}");
    assert_int_equal(geti(r, "total"), 266);
    json_decref(r);
    /* keyword: FTS "fluorinated" AND "gases" -> 38 votes */
    r = call_ok("get_voting_records", "{\"keyword\":\"Fluorinated gases\",\"limit\":1}");
    assert_int_equal(geti(r, "total"), 38);
    json_decref(r);
    /* hostile keyword text never errors */
    r = call_ok("get_voting_records", "{\"keyword\":\"\\\"*(\\\" NEAR AND\"}");
    json_decref(r);

    expect_err("get_voting_records", "{\"vote_id\":1}", EP_ENOTFOUND, "vote_id");
    expect_err("get_voting_records", "{\"mep_id\":1}", EP_ENOTFOUND, "mep_id");
    expect_err("get_voting_records", "{\"include\":\"positions\",\"limit\":21}", EP_EINVAL,
               "limit");
    expect_err("get_voting_records", "{\"procedure\":\"2022/99(COD)\"}", EP_EINVAL, "procedure");
    expect_err("get_voting_records", "{\"result\":\"PASSED\"}", EP_EINVAL, "result");
    expect_err("get_voting_records", "{\"sitting\":\"2024-13-01\"}", EP_EINVAL, "sitting");
}

/* ---- search_documents -------------------------------------------------------------------- */

static void test_search(void **state)
{
    (void)state;
    json_t *r = call_ok("search_documents", "{\"query\":\"fluorinated gases\",\"limit\":3}");
    assert_int_equal(geti(r, "total"), 38);
    json_t *h = json_array_get(json_object_get(r, "hits"), 0);
    assert_string_equal(json_string_value(json_object_get(h, "kind")), "vote");
    assert_non_null(strstr(json_string_value(json_object_get(h, "snippet")), "**"));
    double s0 = json_real_value(json_object_get(h, "score"));
    double s1 =
        json_real_value(json_object_get(json_array_get(json_object_get(r, "hits"), 1), "score"));
    assert_true(s0 >= s1);
    check_provenance(r);
    json_decref(r);

    /* a procedure reference as a phrase */
    r = call_ok("search_documents", "{\"query\":\"2022/0099(COD)\",\"limit\":1}");
    assert_int_equal(geti(r, "total"), 38);
    json_decref(r);

    /* hostile input: quotes, parentheses, operators, stars, column filters: never an error */
    static const char *const hostile[] = {
        "{\"query\":\"\\\"\"}",
        "{\"query\":\"*\"}",
        "{\"query\":\"(\"}",
        "{\"query\":\"a AND\"}",
        "{\"query\":\"NEAR(x y, 2)\"}",
        "{\"query\":\"title: gas OR\"}",
        "{\"query\":\"-gas ^ + :\"}",
        "{\"query\":\"' ; DROP TABLE vote; --\"}",
        "{\"query\":\"gas* \\\"fluor\"}",
        "{\"query\":\"  \"}",
        "{\"query\":\"«»–\"}",
        "{\"query\":\"AND OR NOT\",\"match\":\"any\"}",
    };
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
        r = call_ok("search_documents", hostile[i]);
        assert_non_null(json_object_get(r, "hits"));
        json_decref(r);
    }
    r = call_ok("search_documents", "{\"query\":\"*\"}");
    assert_int_equal(geti(r, "total"), 0);
    assert_non_null(json_object_get(r, "note"));
    json_decref(r);
    r = call_ok("search_documents", "{\"query\":\"fluor*\",\"kind\":\"vote\",\"limit\":1}");
    assert_true(geti(r, "total") >= 38);
    json_decref(r);
    r = call_ok("search_documents", "{\"query\":\"gases\",\"kind\":\"question\"}");
    assert_int_equal(geti(r, "total"), 0);
    json_decref(r);

    expect_err("search_documents", "{}", EP_EINVAL, "query");
    expect_err("search_documents", "{\"query\":\"\"}", EP_EINVAL, "query");
    expect_err("search_documents", "{\"query\":\"x\",\"kind\":\"Vote!\"}", EP_EINVAL, "kind");
}

/* ---- committees, questions ----------------------------------------------------------------- */

static void test_committees_questions(void **state)
{
    (void)state;
    json_t *r = call_ok("get_committee_info", NULL);
    assert_int_equal(geti(r, "total"), 24);
    json_t *m = json_object_get(r, "members");
    assert_true(json_is_false(json_object_get(m, "available")));
    assert_non_null(strstr(json_string_value(json_object_get(m, "reason")), "EP Open Data API"));
    check_provenance(r);
    json_decref(r);
    r = call_ok("get_committee_info", "{\"code\":\"ENVI\"}");
    assert_int_equal(geti(r, "total"), 1);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(r, "committees"), 0), "label")),
                        "Committee on the Environment, Public Health and Food Safety");
    json_decref(r);
    expect_err("get_committee_info", "{\"code\":\"ZZZZ\"}", EP_ENOTFOUND, "code");
    expect_err("get_committee_info", "{\"code\":\"envi\"}", EP_EINVAL, "code");

    expect_err("get_parliamentary_questions", NULL, EP_EUNAVAIL, "epintel sync questions");
    expect_err("get_parliamentary_questions", "{\"mep_id\":840}", EP_EUNAVAIL, "no parliamentary");
    expect_err("get_parliamentary_questions", "{\"mep_id\":0}", EP_EINVAL, "mep_id");
}

/* ---- track_legislation ------------------------------------------------------------------- */

static void test_track(void **state)
{
    (void)state;
    /* 2022/0099(COD): 38 votes 2023-03-30..2024-01-16, 2 main, 1 ADOPTED, 1 with positions
     * (162974, the last) */
    json_t *r = call_ok("track_legislation", "{\"procedure\":\"2022/0099(COD)\",\"limit\":100}");
    assert_int_equal(geti(r, "total"), 38);
    json_t *tl = json_object_get(r, "timeline");
    assert_int_equal(json_array_size(tl), 38);
    json_t *sum = json_object_get(r, "summary");
    assert_int_equal(geti(sum, "votes"), 38);
    assert_int_equal(geti(sum, "main_votes"), 2);
    assert_int_equal(geti(sum, "adopted"), 1);
    assert_int_equal(geti(sum, "votes_with_positions"), 1);
    assert_string_equal(json_string_value(json_object_get(sum, "first_date")), "2023-03-30");
    assert_string_equal(json_string_value(json_object_get(sum, "last_date")), "2024-01-16");
    json_t *proc = json_object_get(r, "procedure");
    assert_string_equal(json_string_value(json_object_get(proc, "title")),
                        "Fluorinated gases regulation");
    assert_string_equal(json_string_value(json_object_get(proc, "type")), "COD");
    assert_string_equal(json_string_value(json_object_get(proc, "stage")), "OLP_FIRST_READING");
    json_t *last = json_array_get(tl, 37);
    assert_int_equal(geti(last, "id"), 162974);
    assert_int_equal(geti(group_of(json_object_get(last, "groups"), "EPP"), "Y"), 141);
    assert_true(json_is_null(json_object_get(json_array_get(tl, 0), "groups")));
    /* time order */
    for (size_t i = 1; i < json_array_size(tl); i++)
        assert_true(
            strcmp(json_string_value(json_object_get(json_array_get(tl, i - 1), "timestamp")),
                   json_string_value(json_object_get(json_array_get(tl, i), "timestamp"))) <= 0);
    check_provenance(r);
    json_decref(r);

    /* suffixed references exist in the data */
    r = call_ok("track_legislation", "{\"procedure\":\"2016/0062A(NLE)\"}");
    assert_true(geti(r, "total") > 0);
    json_decref(r);

    expect_err("track_legislation", "{\"procedure\":\"2099/0001(COD)\"}", EP_ENOTFOUND,
               "search_documents");
    expect_err("track_legislation", "{\"procedure\":\"F-gases\"}", EP_EINVAL, "procedure");
    expect_err("track_legislation", "{}", EP_EINVAL, "procedure");
}

/* Schema 5 has question(id, date, title, author_id, addressee, answer_date, answer_id, ...)
 * and question_author (filled by `epintel sync`, see test_epapi): the tool serves its rows,
 * co-authors included (and the positions snapshot is rebuilt after the store changed). */
static void test_questions_table(void **state)
{
    (void)state;
    struct ep_positions *before = NULL, *after = NULL;
    struct ep_error err = {0};
    assert_int_equal(ep_tools_pos_acquire(&env, &before, &err), 0);
    char *msg = NULL;
    int rc =
        sqlite3_exec(ep_store_db(store),
                     "INSERT INTO question(id, date, title, author_id, addressee, answer_date,"
                     " unit_id) VALUES('E-000001/2024', '2024-01-10',"
                     " 'Fluorinated gases in heat pumps', 840, 'Commission', '2024-03-01', 1),"
                     "('E-000002/2024', '2024-02-10', 'Rail freight', 840, 'Commission', NULL, 1),"
                     "('E-000003/2024', '2024-02-11', 'Fisheries', 1294, 'Council', NULL, 1);"
                     "INSERT INTO question_author VALUES('E-000003/2024', 1294, 1),"
                     "('E-000003/2024', 840, 1);",
                     NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fail_msg("sqlite: %s", msg ? msg : "?");
    json_t *r = call_ok("get_parliamentary_questions", "{\"mep_id\":840}");
    assert_int_equal(geti(r, "total"), 3); /* two as first author, one as co-author */
    json_t *q0 = json_array_get(json_object_get(r, "questions"), 0);
    assert_string_equal(json_string_value(json_object_get(q0, "id")), "E-000003/2024");
    assert_int_equal(json_integer_value(json_object_get(q0, "author_id")), 1294);
    q0 = json_array_get(json_object_get(r, "questions"), 1);
    assert_string_equal(json_string_value(json_object_get(q0, "id")), "E-000002/2024");
    assert_true(json_is_false(json_object_get(q0, "answered")));
    json_decref(r);
    r = call_ok("get_parliamentary_questions", "{\"keyword\":\"GASES\",\"to\":\"2024-01-31\"}");
    assert_int_equal(geti(r, "total"), 1);
    json_decref(r);
    assert_int_equal(ep_tools_pos_acquire(&env, &after, &err), 0);
    assert_ptr_not_equal(before, after); /* the store changed: a new snapshot */
    assert_int_equal(after->m.n_vote, 266);
    ep_tools_pos_release(before);
    ep_tools_pos_release(after);
    assert_int_equal(sqlite3_exec(ep_store_db(store),
                                  "DELETE FROM question_author; DELETE FROM question", NULL, NULL,
                                  NULL),
                     SQLITE_OK);
    expect_err("get_parliamentary_questions", NULL, EP_EUNAVAIL, "no parliamentary questions");
}

/* ---- helpers and speed ------------------------------------------------------------------- */

static void test_helpers(void **state)
{
    (void)state;
    assert_int_equal(ep_tools_group_position(3, 3, 1), EP_TOOLS_GPOS_TIE);
    assert_int_equal(ep_tools_group_position(0, 0, 0), EP_TOOLS_GPOS_NONE);
    assert_int_equal(ep_tools_group_position(1, 2, 2), EP_TOOLS_GPOS_TIE);
    assert_int_equal(ep_tools_group_position(0, 0, 5), EP_TOOLS_GPOS_ABSTENTION);
    double ai = -1;
    assert_int_equal(ep_tools_agreement_index(0, 0, 0, &ai), EP_EUNAVAIL);
    assert_int_equal(ep_tools_agreement_index(1, 0, 0, &ai), 0);
    assert_true(ai == 1.0);
    assert_int_equal(ep_tools_agreement_index(1, 1, 1, &ai), 0);
    assert_true(fabs(ai) < 1e-12);
    struct ep_buf b;
    ep_buf_init(&b, 0);
    assert_int_equal(ep_tools_fts_query("a \"b\" NEAR(c d) e*", 0, &b), 5);
    assert_string_equal(b.data, "\"a\" \"b\" \"NEAR c\" \"d\" \"e\"*");
    ep_buf_reset(&b);
    assert_int_equal(ep_tools_fts_query("\" * ( ) :", 1, &b), 0);
    ep_buf_reset(&b);
    assert_int_equal(ep_tools_fold("ŠEFČOVIČ Ærø Ștefan", &b), 0);
    assert_string_equal(b.data, "sefcovic aro stefan");
    ep_buf_free(&b);
}

static void test_speed(void **state)
{
    (void)state;
    static const struct {
        const char *tool, *args;
    } calls[] = {
        {"get_meps", "{\"country\":\"DEU\",\"active_on\":\"2024-01-16\"}"},
        {"get_mep_details", "{\"id\":840}"},
        {"get_plenary_sessions", "{}"},
        {"get_voting_records", "{\"sitting\":\"2024-01-16\",\"limit\":20}"},
        {"search_documents", "{\"query\":\"fluorinated gases\",\"limit\":10}"},
        {"get_committee_info", "{}"},
        {"track_legislation", "{\"procedure\":\"2022/0099(COD)\"}"},
    };
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
        json_decref(call_ok(calls[i].tool, calls[i].args)); /* warm */
        double t0 = ep_now();
        for (int k = 0; k < 5; k++)
            json_decref(call_ok(calls[i].tool, calls[i].args));
        double ms = (ep_now() - t0) * 1000.0 / 5;
        fprintf(stderr, "  %-22s %.2f ms/call\n", calls[i].tool, ms);
        assert_true(ms < 250.0); /* loose bound for sanitizer/valgrind builds */
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_helpers),
        cmocka_unit_test(test_meps),
        cmocka_unit_test(test_provenance_follows_ingest),
        cmocka_unit_test(test_mep_details),
        cmocka_unit_test(test_sessions),
        cmocka_unit_test(test_votes),
        cmocka_unit_test(test_search),
        cmocka_unit_test(test_committees_questions),
        cmocka_unit_test(test_track),
        cmocka_unit_test(test_speed),
        cmocka_unit_test(test_questions_table),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
