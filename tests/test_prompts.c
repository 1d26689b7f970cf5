/* The prompts of issue 18 (mcp/ep_provider.c: group_comparison, committee_activity,
 * voting_patterns, country_delegation) on the bundled real data: the listing, the text each
 * gives (the tools it names, its arguments resolved against the store) and the errors for
 * missing or unknown arguments. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_mcp.h"
#include "ep_provider.h"
#include "ep_store.h"
#include "ep_testutil.h"
#include "ep_tools.h"

EP_TEST_TOOLS

static struct ep_store *S;
static struct ep_mcp_provider prov;
static char *Dir;
static char Text[16384];

static int setup(void **state)
{
    (void)state;
    struct ep_error err = {0};
    Dir = ep_test_tmpdir();
    char path[1024];
    snprintf(path, sizeof path, "%s/prompts.db", Dir);
    if (ep_store_open(path, 0, &S, &err) || ep_store_ensure_default(S, NULL, NULL, &err)) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return -1;
    }
    static struct ep_tools_provider_ctx pc;
    pc = (struct ep_tools_provider_ctx){.store = S, .tools = Tools};
    ep_tools_provider_init(&prov, &pc);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ep_store_close(S);
    ep_test_system("rm -rf '%s'", Dir);
    free(Dir);
    return 0;
}

/* prompts/get name with args (JSON text): the code, and the text into Text (or the error). */
static int get(const char *name, const char *args_json)
{
    struct ep_error e = {0};
    json_t *args = json_loads(args_json, 0, NULL), *r = NULL;
    assert_non_null(args);
    int rc = prov.prompt_get(prov.ctx, name, args, &r, &e);
    json_decref(args);
    if (rc) {
        snprintf(Text, sizeof Text, "%s", e.msg);
        return rc;
    }
    json_t *m = json_array_get(json_object_get(r, "messages"), 0);
    assert_string_equal(json_string_value(json_object_get(m, "role")), "user");
    const char *t = json_string_value(json_object_get(json_object_get(m, "content"), "text"));
    assert_non_null(t);
    assert_non_null(json_string_value(json_object_get(r, "description")));
    snprintf(Text, sizeof Text, "%s", t);
    json_decref(r);
    return 0;
}

static void has(const char *what)
{
    if (!strstr(Text, what))
        fprintf(stderr, "missing \"%s\" in:\n%s\n", what, Text);
    assert_non_null(strstr(Text, what));
}

static void test_list(void **state)
{
    (void)state;
    struct ep_error e = {0};
    json_t *r = NULL;
    assert_int_equal(prov.prompts_list(prov.ctx, NULL, &r, &e), 0);
    json_t *ps = json_object_get(r, "prompts");
    assert_int_equal(json_array_size(ps), 7);
    static const char *const names[] = {"mep_briefing",       "coalition_analysis",
                                        "legislative_tracking", "group_comparison",
                                        "committee_activity", "voting_patterns",
                                        "country_delegation"};
    for (size_t k = 0; k < 7; k++) {
        json_t *p = json_array_get(ps, k);
        assert_string_equal(json_string_value(json_object_get(p, "name")), names[k]);
        assert_non_null(json_string_value(json_object_get(p, "title")));
        assert_true(json_array_size(json_object_get(p, "arguments")) >= 1);
    }
    /* the required arguments */
    json_t *a = json_array_get(json_object_get(json_array_get(ps, 3), "arguments"), 0);
    assert_string_equal(json_string_value(json_object_get(a, "name")), "groups");
    assert_true(json_is_true(json_object_get(a, "required")));
    a = json_array_get(json_object_get(json_array_get(ps, 6), "arguments"), 0);
    assert_string_equal(json_string_value(json_object_get(a, "name")), "country");
    assert_true(json_is_true(json_object_get(a, "required")));
    json_decref(r);
    assert_int_equal(prov.prompts_list(prov.ctx, "x", &r, &e), EP_EINVAL);
}

static void test_group_comparison(void **state)
{
    (void)state;
    /* codes in any case and the EP's labels resolve to the canonical codes */
    assert_int_equal(get("group_comparison", "{\"groups\": \"epp, S&D\", \"from\": "
                                             "\"2024-01-15\", \"to\": \"2024-02-27\"}"),
                     0);
    has("EPP, SD");
    has("compare_political_groups with {\"groups\": [\"EPP\", \"SD\"], \"from\": "
        "\"2024-01-15\", \"to\": \"2024-02-27\"}");
    has("analyze_coalition_dynamics with {\"groups\": [\"EPP\", \"SD\"]");
    has("analyze_voting_patterns");
    has("sentiment_tracker with {\"to\": \"2024-02-27\"}");
    has("no text sentiment");
    has("HowTheyVote.eu (ODbL)");
    assert_int_equal(get("group_comparison", "{\"groups\": \"EPP\"}"), EP_EINVAL);
    has("two or more group codes");
    assert_int_equal(get("group_comparison", "{}"), EP_EINVAL);
    has("missing");
    assert_int_equal(get("group_comparison", "{\"groups\": \"EPP,XYZ\"}"), EP_EINVAL);
    has("prompt group_comparison: ");
    has("unknown group \"XYZ\"");
    assert_int_equal(get("group_comparison", "{\"groups\": \"EPP,SD\", \"from\": \"2024-02-30\"}"),
                     EP_EINVAL);
    has("argument \"from\" must be a date");
}

static void test_committee_activity(void **state)
{
    (void)state;
    assert_int_equal(get("committee_activity", "{\"committee\": \"agri\"}"), 0);
    has("the AGRI committee (Committee on Agriculture and Rural Development)");
    has("analyze_committee_activity with {\"committee\": \"AGRI\"}");
    has("get_committee_info with {\"code\": \"AGRI\"}");
    has("monitor_legislative_pipeline");
    has("analyze_legislative_effectiveness");
    assert_int_equal(get("committee_activity", "{}"), 0);
    has("every responsible committee");
    assert_int_equal(get("committee_activity", "{\"committee\": \"NOPE\"}"), EP_EINVAL);
    has("no committee \"NOPE\"");
}

static void test_voting_patterns(void **state)
{
    (void)state;
    assert_int_equal(get("voting_patterns", "{\"mep_id\": \"840\"}"), 0);
    has("the MEP with EP id 840");
    has("analyze_voting_patterns with {\"mep_id\": 840");
    has("detect_voting_anomalies with {\"scope\": \"mep\", \"mep_id\": 840}");
    has("correlate_intelligence with {\"mep_ids\": [840]}");
    has("early_warning_system");
    assert_int_equal(get("voting_patterns", "{\"group\": \"renew\", \"to\": \"2024-02-08\"}"), 0);
    has("the political group RENEW");
    has("detect_voting_anomalies with {\"scope\": \"group\", \"group\": \"RENEW\", \"to\": "
        "\"2024-02-08\"}");
    has("correlate_intelligence with {\"groups\": [\"RENEW\"]}");
    assert_int_equal(get("voting_patterns", "{}"), EP_EINVAL);
    has("exactly one of");
    assert_int_equal(get("voting_patterns", "{\"mep_id\": \"840\", \"group\": \"EPP\"}"),
                     EP_EINVAL);
    assert_int_equal(get("voting_patterns", "{\"mep_id\": \"1\"}"), EP_EINVAL);
    has("no MEP with id 1");
    assert_int_equal(get("voting_patterns", "{\"mep_id\": \"x1\"}"), EP_EINVAL);
    has("positive integer");
}

static void test_country_delegation(void **state)
{
    (void)state;
    static const char *const args[] = {"{\"country\": \"de\"}", "{\"country\": \"DEU\"}",
                                       "{\"country\": \"germany\"}"};
    for (int k = 0; k < 3; k++) {
        assert_int_equal(get("country_delegation", args[k]), 0);
        has("the national delegation of Germany (DEU)");
        has("analyze_country_delegation with {\"country\": \"DEU\"}");
        has("get_meps with {\"country\": \"DEU\"}");
        has("get_voting_records");
    }
    assert_int_equal(get("country_delegation", "{}"), EP_EINVAL);
    has("required argument \"country\" is missing");
    assert_int_equal(get("country_delegation", "{\"country\": \"Atlantis\"}"), EP_EINVAL);
    has("no country \"Atlantis\"");
}

/* completion of the new prompts' arguments */
static void test_complete(void **state)
{
    (void)state;
    struct ep_error e = {0};
    json_t *ref = json_pack("{s:s, s:s}", "type", "ref/prompt", "name", "voting_patterns"),
           *ctx = json_object(), *v = NULL;
    assert_int_equal(prov.complete(prov.ctx, ref, "group", "EP", ctx, &v, &e), 0);
    int found = 0;
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x) found |= strcmp(json_string_value(x), "EPP") == 0;
    assert_true(found);
    json_decref(v);
    json_decref(ref);
    ref = json_pack("{s:s, s:s}", "type", "ref/prompt", "name", "group_comparison");
    assert_int_equal(prov.complete(prov.ctx, ref, "from", "2024-01", ctx, &v, &e), 0);
    assert_true(json_array_size(v) >= 3); /* 2024-01-15, -16, -17 */
    json_decref(v);
    json_decref(ref);
    json_decref(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list),
        cmocka_unit_test(test_group_comparison),
        cmocka_unit_test(test_committee_activity),
        cmocka_unit_test(test_voting_patterns),
        cmocka_unit_test(test_country_delegation),
        cmocka_unit_test(test_complete),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
