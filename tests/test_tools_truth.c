/* What the tools say is what the stored sources say (issue 15, part 2: b, c, d, e, h, m): group
 * codes in any case, every MEP and group a source names resolvable, unknown never shown as 0 or
 * false, counts named for what they count, one form of the window. All tools are registered
 * (ep_tools_register_all) and called through ep_tools_call, so input and output schemas are
 * validated too. Stores: the bundled default dataset, and stores built here from the real files
 * alone (roll-call XML only; the HowTheyVote vote tables without members). */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "ep_env.h"
#include "ep_store.h"
#include "ep_store_db.h"
#include "ep_testutil.h"
#include "ep_tools.h"
#include "ep_tools_all.h"
#include "ep_tools_common.h"
#include "ep_tools_intel.h"
#include "ep_tools_window.h"

EP_TEST_TOOLS

static char *Dir;
static struct ep_store *Def; /* the bundled default dataset */
static struct ep_store *Xml; /* built on first use (xml_store) */
static struct ep_env DefEnv; /* Def's analysis environment (its window cache) */

static int setup(void **state)
{
    (void)state;
    struct ep_error err = {0};
    Dir = ep_test_tmpdir();
    char path[1024];
    snprintf(path, sizeof path, "%s/default.db", Dir);
    if (ep_store_open(path, 0, &Def, &err) || ep_store_ensure_default(Def, NULL, NULL, &err) ||
        ep_env_init(&DefEnv, Def, &err) ||
        ep_tools_register_all(Tools, &err)) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ep_env_close(&DefEnv);
    ep_tools_cleanup(Tools);
    ep_store_close(Def);
    ep_store_close(Xml);
    ep_test_system("rm -rf '%s'", Dir);
    free(Dir);
    return 0;
}

/* A new store NAME in Dir filled with the given real files (paths under EP_REAL_DATA). */
static struct ep_store *store_of(const char *name, const char *const *files)
{
    struct ep_error err = {0};
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.db", Dir, name);
    struct ep_store *s = NULL;
    if (ep_store_open(path, 0, &s, &err))
        fail_msg("open %s: %s", path, err.msg);
    for (; *files; files++) {
        struct ep_ingest_report rep;
        if (ep_store_ingest_file(s, ep_test_real(*files), 0, NULL, NULL, &rep, &err))
            fail_msg("ingest %s: %s", *files, err.msg);
    }
    return s;
}

static const char *const Rcv[] = {
    "ep-rcv-xml/PV-9-2024-01-15-RCV_EN.xml", "ep-rcv-xml/PV-9-2024-01-16-RCV_EN.xml",
    "ep-rcv-xml/PV-9-2024-01-17-RCV_EN.xml", "ep-rcv-xml/PV-9-2024-02-08-RCV_EN.xml",
    "ep-rcv-xml/PV-9-2024-02-26-RCV_EN.xml", "ep-rcv-xml/PV-9-2024-02-27-RCV_EN.xml",
    "ep-rcv-xml/PV-9-2024-04-23-RCV_EN.xml", NULL};

/* The roll-call XML files alone: no HowTheyVote table, no member list, no memberships. */
static struct ep_store *xml_store(void)
{
    if (!Xml)
        Xml = store_of("xml", Rcv);
    return Xml;
}

static int call(struct ep_store *s, const char *tool, const char *args_json, json_t **res,
                struct ep_error *err)
{
    struct ep_tool_ctx ctx = {0};
    ctx.store = s;
    ctx.env = s == Def ? &DefEnv : NULL; /* other stores: an environment per call */
    json_error_t je;
    json_t *args = json_loads(args_json, 0, &je);
    if (!args)
        fail_msg("bad test JSON %s: %s", args_json, je.text);
    *res = NULL;
    ep_error_clear(err);
    int rc = ep_tools_call(Tools, &ctx, tool, args, res, err);
    json_decref(args);
    return rc;
}

static json_t *ok(struct ep_store *s, const char *tool, const char *args_json)
{
    struct ep_error err = {0};
    json_t *res;
    int rc = call(s, tool, args_json, &res, &err);
    if (rc)
        fail_msg("%s %s: rc %d: %s", tool, args_json, rc, err.msg);
    assert_non_null(res);
    return res;
}

static void expect_err(struct ep_store *s, const char *tool, const char *args, int code,
                       const char *needle)
{
    json_t *res = NULL;
    struct ep_error err = {0};
    int rc = call(s, tool, args, &res, &err);
    if (rc != code)
        fail_msg("%s %s: expected rc %d, got %d (%s)", tool, args, code, rc, err.msg);
    if (needle && !strstr(err.msg, needle))
        fail_msg("%s %s: message \"%s\" lacks \"%s\"", tool, args, err.msg, needle);
    json_decref(res);
}

static json_t *find_by(json_t *arr, const char *key, const char *value)
{
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e)
    {
        const char *v = json_string_value(json_object_get(e, key));
        if (v && strcmp(v, value) == 0)
            return e;
    }
    return NULL;
}

/* ---- e: group codes in any case, one rule for every tool -------------------------------- */

static void test_group_case(void **state)
{
    (void)state;
    json_t *up = ok(Def, "get_meps", "{\"group\":\"EPP\",\"active_on\":\"2024-01-16\"}");
    json_t *lo = ok(Def, "get_meps", "{\"group\":\"epp\",\"active_on\":\"2024-01-16\"}");
    assert_int_equal(json_integer_value(json_object_get(lo, "total")), 178);
    assert_int_equal(json_integer_value(json_object_get(lo, "total")),
                     json_integer_value(json_object_get(up, "total")));
    json_decref(up);
    json_decref(lo);

    json_t *r = ok(Def, "analyze_voting_patterns", "{\"group\":\"epp\"}");
    json_decref(r);
    r = ok(Def, "generate_report", "{\"kind\":\"group\",\"id\":\"Epp\"}");
    json_decref(r);
    r = ok(Def, "analyze_coalition_dynamics", "{\"groups\":[\"epp\",\"sd\",\"Green_EFA\"]}");
    json_t *g = json_object_get(r, "groups");
    assert_int_equal(json_array_size(g), 3);
    assert_non_null(find_by(g, "group", "EPP"));
    assert_non_null(find_by(g, "group", "SD"));
    assert_non_null(find_by(g, "group", "GREEN_EFA"));
    json_decref(r);
    r = ok(Def, "detect_voting_anomalies",
           "{\"scope\":\"group\",\"group\":\"epp\",\"min_observations\":5}");
    json_decref(r);
    /* the EP's French label names the group too */
    r = ok(Def, "analyze_coalition_dynamics", "{\"groups\":[\"PPE\",\"S&D\"]}");
    assert_non_null(find_by(json_object_get(r, "groups"), "group", "SD"));
    json_decref(r);

    /* an unknown group is the same error everywhere, listing the known codes */
    expect_err(Def, "get_meps", "{\"group\":\"xyz\"}", EP_EINVAL, "unknown group \"xyz\"; known:");
    expect_err(Def, "analyze_voting_patterns", "{\"group\":\"xyz\"}", EP_EINVAL,
               "unknown group \"xyz\"; known:");
    expect_err(Def, "generate_report", "{\"kind\":\"group\",\"id\":\"xyz\"}", EP_EINVAL,
               "unknown group \"xyz\"; known:");
    expect_err(Def, "analyze_coalition_dynamics", "{\"groups\":[\"epp\",\"xyz\"]}", EP_EINVAL,
               "\"groups[1]\": unknown group \"xyz\"; known:");
    expect_err(Def, "detect_voting_anomalies", "{\"scope\":\"group\",\"group\":\"xyz\"}",
               EP_EINVAL, "unknown group \"xyz\"; known:");
    expect_err(Def, "analyze_voting_patterns", "{\"group\":\"xyz\"}", EP_EINVAL, "GREEN_EFA");
    /* a known group without a member in the window says so (ESN is term 10) */
    expect_err(Def, "analyze_coalition_dynamics", "{\"groups\":[\"esn\"]}", EP_ENOTFOUND,
               "group \"ESN\" has no member in the window");
}

/* ---- m: one form of the window, text true on any store --------------------------------- */

static void test_window_and_text(void **state)
{
    (void)state;
    /* a sitting with official counts only: the window holds no vote, its bounds are null */
    json_t *r = ok(Def, "generate_report", "{\"kind\":\"sitting\",\"id\":\"2024-03-12\"}");
    json_t *w = json_object_get(r, "window");
    assert_int_equal(json_integer_value(json_object_get(w, "votes")), 0);
    assert_true(json_is_null(json_object_get(w, "from")));
    assert_true(json_is_null(json_object_get(w, "to")));
    json_decref(r);
    r = ok(Def, "get_mep_details", "{\"id\":4746,\"from\":\"2024-05-01\"}");
    w = json_object_get(r, "window");
    assert_int_equal(json_integer_value(json_object_get(w, "votes")), 0);
    assert_true(json_is_null(json_object_get(w, "from")));
    assert_true(json_is_null(json_object_get(w, "to")));
    json_decref(r);
    /* the same window in two tools has the same bounds */
    r = ok(Def, "get_mep_details", "{\"id\":4746,\"from\":\"2024-02-01\"}");
    json_t *r2 = ok(Def, "analyze_voting_patterns", "{\"mep_id\":4746,\"from\":\"2024-02-01\"}");
    const char *f1 = json_string_value(json_object_get(json_object_get(r, "window"), "from"));
    const char *f2 = json_string_value(json_object_get(json_object_get(r2, "window"), "from"));
    assert_non_null(f1);
    assert_non_null(f2);
    assert_string_equal(f1, "2024-02-08");
    assert_string_equal(f2, "2024-02-08");
    json_decref(r);
    json_decref(r2);
    /* the roles reason says what the store holds, not "the bundled data" */
    r = ok(Def, "assess_mep_influence", "{\"mep_id\":4746}");
    const char *why = json_string_value(
        json_object_get(json_object_get(json_object_get(r, "dimensions"), "roles"), "reason"));
    assert_non_null(why);
    assert_null(strstr(why, "bundled"));
    assert_non_null(strstr(why, "the store holds no rapporteur or role records"));
    json_decref(r);
}

/* ---- h: three counts of a group's MEPs, each named for what it counts -------------------- */

static void test_group_counts_named(void **state)
{
    (void)state;
    /* EPP over the bundled window: 186 MEPs were EPP members on at least one vote, 177 held an
     * EPP seat on the last vote, 182 network nodes have EPP as the group they held longest */
    json_t *r = ok(Def, "analyze_voting_patterns", "{\"group\":\"EPP\"}");
    json_t *subj = json_object_get(r, "subject");
    assert_int_equal(json_integer_value(json_object_get(subj, "members_in_window")), 186);
    assert_null(json_object_get(subj, "members"));
    json_decref(r);
    r = ok(Def, "analyze_coalition_dynamics", "{\"groups\":[\"EPP\"]}");
    json_t *g = json_array_get(json_object_get(r, "groups"), 0);
    assert_int_equal(json_integer_value(json_object_get(g, "seats_at_last_vote")), 177);
    assert_null(json_object_get(g, "members"));
    json_decref(r);
    r = ok(Def, "map_political_network", "{}");
    json_t *mg = find_by(json_object_get(r, "modal_groups"), "group", "EPP");
    assert_non_null(mg);
    assert_int_equal(json_integer_value(json_object_get(mg, "nodes_with_modal_group")), 182);
    /* the communities' composition is in the same unit, and sums to it */
    json_int_t sum = 0;
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(json_object_get(r, "communities"), "items"), i, c)
    {
        json_t *e = find_by(json_object_get(c, "groups"), "group", "EPP");
        assert_null(json_object_get(e, "members"));
        sum += json_integer_value(json_object_get(e, "nodes_with_modal_group"));
    }
    assert_int_equal(sum, 182);
    json_decref(r);
}

/* ---- d: unknown is null with a reason; the XML's text is shown ---------------------------- */

static void test_unknown_vote_fields(void **state)
{
    (void)state;
    struct ep_store *x = xml_store();
    json_t *r = ok(x, "get_voting_records", "{\"vote_id\":162985}");
    json_t *v = json_array_get(json_object_get(r, "votes"), 0);
    assert_non_null(v);
    /* the roll-call XML's title and description, and the reference its description starts
     * with (PV-9-2024-01-16-RCV_EN.xml, vote 162985) */
    assert_string_equal(json_string_value(json_object_get(v, "title")),
                        "Current and future challenges regarding cross-border cooperation with "
                        "neighbouring countries");
    assert_string_equal(json_string_value(json_object_get(v, "description")),
                        "A9-0415/2023 - Daniel Buda - Motion for a resolution");
    assert_string_equal(json_string_value(json_object_get(v, "reference")), "A9-0415/2023");
    /* what the XML does not say is null with its reason, not 0 or false */
    json_t *counts = json_object_get(v, "counts");
    assert_int_equal(json_integer_value(json_object_get(counts, "for")), 559);
    assert_true(json_is_null(json_object_get(counts, "did_not_vote")));
    assert_true(json_is_null(json_object_get(v, "is_main")));
    assert_true(json_is_null(json_object_get(v, "result")));
    json_t *unk = json_object_get(v, "unknown");
    assert_non_null(strstr(json_string_value(json_object_get(unk, "is_main")), "roll-call XML"));
    assert_non_null(json_string_value(json_object_get(unk, "counts.did_not_vote")));
    assert_non_null(json_string_value(json_object_get(unk, "result")));
    assert_null(json_object_get(unk, "counts.for"));
    json_decref(r);
    /* with HowTheyVote's votes table they are known, and nothing is marked unknown */
    r = ok(Def, "get_voting_records", "{\"vote_id\":162985}");
    v = json_array_get(json_object_get(r, "votes"), 0);
    assert_true(json_is_true(json_object_get(v, "is_main")));
    assert_int_equal(json_integer_value(json_object_get(json_object_get(v, "counts"), "did_not_vote")),
                     90);
    assert_null(json_object_get(v, "unknown"));
    json_decref(r);

    /* the sitting report: main votes and results unknown, not "0 main votes; 0 adopted" */
    r = ok(x, "generate_report", "{\"kind\":\"sitting\",\"id\":\"2024-01-16\"}");
    json_t *votes = json_object_get(json_object_get(r, "data"), "votes");
    assert_int_equal(json_integer_value(json_object_get(votes, "total")), 32);
    assert_true(json_is_null(json_object_get(votes, "main")));
    assert_true(json_is_null(json_object_get(votes, "adopted")));
    assert_true(json_is_null(json_object_get(votes, "rejected")));
    assert_non_null(json_object_get(json_object_get(votes, "unknown"), "main"));
    const char *md = json_string_value(json_object_get(r, "markdown"));
    assert_null(strstr(md, "0 main votes"));
    assert_null(strstr(md, "0 adopted"));
    assert_non_null(strstr(md, "main votes unknown; results unknown"));
    json_t *first = json_array_get(
        json_object_get(json_object_get(json_object_get(r, "data"), "vote_list"), "items"), 0);
    assert_true(json_is_null(json_object_get(first, "main")));
    json_decref(r);
    /* get_plenary_sessions: the sitting's main votes are unknown, not 0 */
    r = ok(x, "get_plenary_sessions", "{\"from\":\"2024-01-16\",\"to\":\"2024-01-16\"}");
    json_t *sit = json_array_get(json_object_get(r, "sittings"), 0);
    assert_true(json_is_null(json_object_get(sit, "main_votes")));
    assert_int_equal(json_integer_value(json_object_get(sit, "main_votes_known")), 0);
    json_decref(r);
    r = ok(Def, "get_plenary_sessions", "{\"from\":\"2024-01-16\",\"to\":\"2024-01-16\"}");
    sit = json_array_get(json_object_get(r, "sittings"), 0);
    assert_int_equal(json_integer_value(json_object_get(sit, "main_votes")), 15);
    json_decref(r);
    r = ok(Def, "generate_report", "{\"kind\":\"sitting\",\"id\":\"2024-01-16\"}");
    votes = json_object_get(json_object_get(r, "data"), "votes");
    assert_int_equal(json_integer_value(json_object_get(votes, "main")), 15);
    assert_int_equal(json_integer_value(json_object_get(votes, "adopted")), 20);
    assert_null(json_object_get(votes, "unknown"));
    json_decref(r);
}

/* ---- b: the source's explicit did-not-vote is kept; unknown participation is not 100 % ----- */

/* FOR, AGAINST, ABSTENTION, DID_NOT_VOTE rows of one member in member_votes_subset.csv, counted
 * here from the file (vote_id,member_id,position,country_code,group_code; no quoted fields). */
static void csv_counts(int64_t member, long c[4])
{
    static const char *const names[] = {"FOR", "AGAINST", "ABSTENTION", "DID_NOT_VOTE"};
    FILE *f = fopen(ep_test_real("howtheyvote/member_votes_subset.csv"), "r");
    assert_non_null(f);
    char line[256];
    c[0] = c[1] = c[2] = c[3] = 0;
    while (fgets(line, sizeof line, f)) {
        char *p = strchr(line, ',');
        if (!p || strtoll(p + 1, NULL, 10) != member)
            continue;
        char *pos = strchr(p + 1, ',');
        assert_non_null(pos);
        pos++;
        for (int k = 0; k < 4; k++)
            if (strncmp(pos, names[k], strlen(names[k])) == 0 && pos[strlen(names[k])] == ',')
                c[k]++;
    }
    fclose(f);
}

static void expect_dnv_unknown(json_t *blk)
{
    assert_true(json_is_false(json_object_get(blk, "available")));
    const char *why = json_string_value(json_object_get(blk, "reason"));
    if (!why || !strstr(why, "who did not vote is unknown"))
        fail_msg("reason \"%s\" does not say that who did not vote is unknown",
                 why ? why : "(none)");
    assert_null(json_object_get(blk, "value"));
}

static void test_explicit_did_not_vote(void **state)
{
    (void)state;
    /* HowTheyVote's vote tables alone: no members, no memberships */
    static const char *const htv[] = {"howtheyvote/votes_subset.csv",
                                      "howtheyvote/member_votes_subset.csv", NULL};
    struct ep_store *h = store_of("htv", htv);
    long c[4];
    csv_counts(840, c);
    assert_true(c[3] > 0); /* the file lists did-not-vote rows for this MEP */
    json_t *r = ok(h, "get_mep_details", "{\"id\":840}");
    /* no source of this store names him: shown with what is known, and a note */
    json_t *mep = json_object_get(r, "mep");
    assert_true(json_is_null(json_object_get(mep, "last_name")));
    assert_non_null(strstr(json_string_value(json_object_get(mep, "note")), "members table"));
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(mep, "from_votes"), "votes")), 266);
    json_t *part = json_object_get(r, "participation");
    assert_true(json_is_true(json_object_get(part, "available")));
    assert_int_equal(json_integer_value(json_object_get(part, "did_not_vote")), c[3]);
    assert_int_equal(json_integer_value(json_object_get(part, "cast")), c[0] + c[1] + c[2]);
    assert_int_equal(json_integer_value(json_object_get(part, "eligible")),
                     c[0] + c[1] + c[2] + c[3]);
    assert_true(fabs(json_number_value(json_object_get(part, "value")) -
                     (double)(c[0] + c[1] + c[2]) / (double)(c[0] + c[1] + c[2] + c[3])) < 1e-9);
    json_decref(r);
    /* attendance of 2024-01-16 from the explicit rows: 705 MEPs listed, 627 cast a vote (awk
     * over votes_subset.csv and member_votes_subset.csv) */
    r = ok(h, "get_plenary_sessions", "{\"from\":\"2024-01-16\",\"to\":\"2024-01-16\"}");
    json_t *att = json_object_get(json_array_get(json_object_get(r, "sittings"), 0), "attendance");
    assert_true(json_is_true(json_object_get(att, "available")));
    assert_int_equal(json_integer_value(json_object_get(att, "mandate")), 705);
    assert_int_equal(json_integer_value(json_object_get(att, "present")), 627);
    json_decref(r);
    ep_store_close(h);

    /* the XML first, then HowTheyVote's rows of the same votes: the cast votes agree, and the
     * explicit did-not-vote rows the XML lacked are added to the stored positions */
    static const char *const both[] = {
        "ep-rcv-xml/PV-9-2024-01-15-RCV_EN.xml", "ep-rcv-xml/PV-9-2024-01-16-RCV_EN.xml",
        "ep-rcv-xml/PV-9-2024-01-17-RCV_EN.xml", "ep-rcv-xml/PV-9-2024-02-08-RCV_EN.xml",
        "ep-rcv-xml/PV-9-2024-02-26-RCV_EN.xml", "ep-rcv-xml/PV-9-2024-02-27-RCV_EN.xml",
        "ep-rcv-xml/PV-9-2024-04-23-RCV_EN.xml", "howtheyvote/votes_subset.csv",
        "howtheyvote/member_votes_subset.csv",   NULL};
    struct ep_store *xb = store_of("both", both);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(ep_store_db(xb),
                                        "SELECT SUM(pos = 4), SUM(pos BETWEEN 1 AND 3) FROM position",
                                        -1, &q, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(q, 0), 32897); /* DID_NOT_VOTE rows of the file */
    assert_int_equal(sqlite3_column_int(q, 1), 154619); /* the XML's cast votes */
    sqlite3_finalize(q);
    r = ok(xb, "get_mep_details", "{\"id\":840}");
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(r, "participation"), "did_not_vote")),
        c[3]);
    json_decref(r);
    ep_store_close(xb);
    /* the other order: the XML's cast votes are compared with the stored rows (which hold the
     * did-not-vote rows too) and agree */
    static const char *const csv_first[] = {
        "howtheyvote/votes_subset.csv",          "howtheyvote/member_votes_subset.csv",
        "ep-rcv-xml/PV-9-2024-01-15-RCV_EN.xml", "ep-rcv-xml/PV-9-2024-01-16-RCV_EN.xml",
        "ep-rcv-xml/PV-9-2024-01-17-RCV_EN.xml", "ep-rcv-xml/PV-9-2024-02-08-RCV_EN.xml",
        "ep-rcv-xml/PV-9-2024-02-26-RCV_EN.xml", "ep-rcv-xml/PV-9-2024-02-27-RCV_EN.xml",
        "ep-rcv-xml/PV-9-2024-04-23-RCV_EN.xml", NULL};
    xb = store_of("csv_first", csv_first);
    assert_int_equal(sqlite3_prepare_v2(ep_store_db(xb),
                                        "SELECT SUM(pos = 4), SUM(pos BETWEEN 1 AND 3) FROM position",
                                        -1, &q, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(q, 0), 32897);
    assert_int_equal(sqlite3_column_int(q, 1), 154619);
    sqlite3_finalize(q);
    ep_store_close(xb);

    /* the roll-call XML alone: who did not vote is nowhere, so participation and attendance are
     * unavailable with the reason, never 1.0 or "627 of 627" */
    struct ep_store *x = xml_store();
    r = ok(x, "get_mep_details", "{\"id\":840}");
    expect_dnv_unknown(json_object_get(r, "participation"));
    json_decref(r);
    r = ok(x, "get_plenary_sessions", "{\"from\":\"2024-01-16\",\"to\":\"2024-01-16\"}");
    expect_dnv_unknown(
        json_object_get(json_array_get(json_object_get(r, "sittings"), 0), "attendance"));
    json_decref(r);
    r = ok(x, "generate_report", "{\"kind\":\"sitting\",\"id\":\"2024-01-16\"}");
    expect_dnv_unknown(json_object_get(json_object_get(r, "data"), "attendance"));
    assert_null(strstr(json_string_value(json_object_get(r, "markdown")), "627 of 627"));
    json_t *g0 = json_array_get(json_object_get(json_object_get(r, "data"), "groups"), 0);
    expect_dnv_unknown(json_object_get(g0, "participation"));
    json_decref(r);
    r = ok(x, "analyze_voting_patterns", "{\"mep_id\":840}");
    expect_dnv_unknown(json_object_get(r, "participation"));
    json_decref(r);
    r = ok(x, "analyze_voting_patterns", "{\"group\":\"EPP\"}");
    expect_dnv_unknown(json_object_get(r, "participation"));
    json_decref(r);
    r = ok(x, "assess_mep_influence", "{\"mep_id\":840}");
    expect_dnv_unknown(json_object_get(json_object_get(r, "dimensions"), "participation"));
    json_decref(r);
    r = ok(x, "detect_voting_anomalies",
           "{\"scope\":\"group\",\"group\":\"EPP\",\"min_observations\":5}");
    json_t *ps = find_by(json_object_get(r, "series"), "measure", "participation_rate");
    assert_string_equal(json_string_value(json_object_get(ps, "status")), "unavailable");
    assert_non_null(
        strstr(json_string_value(json_object_get(ps, "reason")), "who did not vote is unknown"));
    json_decref(r);
    r = ok(x, "analyze_coalition_dynamics", "{\"groups\":[\"EPP\"]}");
    json_t *coh = json_object_get(json_array_get(json_object_get(r, "groups"), 0), "cohesion");
    assert_true(json_is_null(json_object_get(coh, "participation")));
    assert_non_null(strstr(json_string_value(json_object_get(coh, "participation_reason")),
                           "who did not vote is unknown"));
    json_t *pt = json_array_get(
        json_object_get(json_object_get(json_array_get(json_object_get(r, "groups"), 0), "trend"),
                        "by_sitting"),
        0);
    assert_true(json_is_null(json_object_get(pt, "participation")));
    json_decref(r);

    /* an outdated member list: memberships (HowTheyVote layout) for two MEPs only. The votes
     * are not covered (other voters have no membership), but 840's membership says when he
     * was an MEP, so his did-not-vote is derived and his participation known; 1892's is not. */
    char path[1200];
    snprintf(path, sizeof path, "%s/group_memberships.csv", Dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("member_id,group_code,term,start_date,end_date\n840,RENEW,9,2019-07-02,\n", f);
    fclose(f);
    static const char *const none[] = {NULL};
    struct ep_store *o = store_of("outdated", none);
    struct ep_error err = {0};
    struct ep_ingest_report rep;
    for (int k = 0; Rcv[k]; k++)
        assert_int_equal(ep_store_ingest_file(o, ep_test_real(Rcv[k]), 0, NULL, NULL, &rep, &err),
                         0);
    assert_int_equal(ep_store_ingest_file(o, path, 0, NULL, NULL, &rep, &err), 0);
    r = ok(o, "get_mep_details", "{\"id\":840}");
    part = json_object_get(r, "participation");
    assert_true(json_is_true(json_object_get(part, "available")));
    assert_int_equal(json_integer_value(json_object_get(part, "did_not_vote")), c[3]);
    json_decref(r);
    r = ok(o, "get_mep_details", "{\"id\":1892}");
    expect_dnv_unknown(json_object_get(r, "participation"));
    json_decref(r);
    r = ok(o, "get_plenary_sessions", "{\"from\":\"2024-01-16\",\"to\":\"2024-01-16\"}");
    expect_dnv_unknown(
        json_object_get(json_array_get(json_object_get(r, "sittings"), 0), "attendance"));
    json_decref(r);
    ep_store_close(o);
}

/* ---- c: every MEP a stored source names is resolvable ------------------------------------- */

static void test_mep_from_votes_only(void **state)
{
    (void)state;
    struct ep_store *x = xml_store();
    /* 840 is in the XML (PersId 840, printed "Goerens") but the store has no members table */
    json_t *r = ok(x, "get_mep_details", "{\"id\":840}");
    json_t *mep = json_object_get(r, "mep");
    assert_int_equal(json_integer_value(json_object_get(mep, "id")), 840);
    assert_string_equal(json_string_value(json_object_get(mep, "last_name")), "Goerens");
    assert_true(json_is_null(json_object_get(mep, "first_name")));
    assert_true(json_is_null(json_object_get(mep, "country")));
    assert_true(json_is_null(json_object_get(mep, "date_of_birth")));
    assert_true(json_is_null(json_object_get(mep, "current")));
    assert_non_null(strstr(json_string_value(json_object_get(mep, "note")), "roll-call XML"));
    json_t *fv = json_object_get(mep, "from_votes");
    assert_string_equal(json_string_value(json_object_get(fv, "last_group")), "RENEW");
    assert_int_equal(json_integer_value(json_object_get(fv, "votes")), 246);
    json_decref(r);
    r = ok(x, "analyze_voting_patterns", "{\"mep_id\":840}");
    assert_string_equal(json_string_value(json_object_get(json_object_get(r, "subject"), "name")),
                        "Goerens");
    assert_true(json_is_true(json_object_get(json_object_get(r, "loyalty"), "available")));
    json_decref(r);
    r = ok(x, "get_voting_records", "{\"mep_id\":840,\"limit\":1}");
    json_decref(r);
    r = ok(x, "assess_mep_influence", "{\"mep_id\":840}");
    json_decref(r);
    r = ok(x, "detect_voting_anomalies", "{\"scope\":\"mep\",\"mep_id\":840}");
    json_decref(r);
    r = ok(x, "generate_report", "{\"kind\":\"mep\",\"id\":\"840\"}");
    json_decref(r);
    expect_err(x, "get_mep_details", "{\"id\":1}", EP_ENOTFOUND, "no MEP with id 1");
    /* groups that only the votes name are analysable by every tool */
    r = ok(x, "analyze_voting_patterns", "{\"group\":\"renew\"}");
    json_decref(r);
    r = ok(x, "generate_report", "{\"kind\":\"group\",\"id\":\"GUE_NGL\"}");
    json_decref(r);
    r = ok(x, "analyze_coalition_dynamics", "{\"groups\":[\"renew\",\"ID\"]}");
    json_decref(r);
    r = ok(x, "get_meps", "{\"name\":\"Goerens\"}");
    assert_int_equal(json_integer_value(json_object_get(r, "total")), 1);
    json_decref(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_group_case),
        cmocka_unit_test(test_window_and_text),
        cmocka_unit_test(test_group_counts_named),
        cmocka_unit_test(test_unknown_vote_fields),
        cmocka_unit_test(test_explicit_did_not_vote),
        cmocka_unit_test(test_mep_from_votes_only),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
