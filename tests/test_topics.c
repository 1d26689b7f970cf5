/* test_topics: the vote topics of the HowTheyVote export (OEIL subjects, EuroVoc concepts,
 * responsible committees, geographic areas): their parse, their refusal of bad rows by
 * file:line and column, their place in the bundled default store, and their coverage of the
 * 266 bundled votes with positions. The coverage is computed here a second time, independently
 * of the parser and the store, by reading the gzip CSVs with zlib and plain string splitting
 * (figures also checked with python's csv module: 252 subject, 198 committee, 88 EuroVoc,
 * 75 geographic area). */
#include "ep_testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <jansson.h>
#include <math.h>

#include "ep_env.h"
#include "ep_htv.h"
#include "ep_report.h"
#include "ep_store.h"
#include "ep_synth.h"
#include "ep_tools.h"
#include "ep_tools_analysis.h"
#include "ep_tools_intel.h"
#include "ep_tools_topics.h"
#include "ep_store_db.h"
#include "ep_util.h"
#include "sqlite3.h"

EP_TEST_TOOLS

static struct ep_store *store;
static char *tmp;
static struct ep_env env;
static struct ep_tool_ctx tctx;

static int setup(void **st)
{
    (void)st;
    static const ep_test_rows_fn rows[] = {ep_tools_analysis_rows, ep_tools_intel_rows,
                                           ep_tools_topics_rows, NULL};
    if (ep_test_store_open("s.db", &tmp, &store, &env, rows, Tools))
        return -1;
    tctx.store = store;
    tctx.env = &env;
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    ep_tools_cleanup(Tools);
    ep_report_cleanup();
    ep_test_store_close(tmp, store, &env);
    return 0;
}

static long sql_long(const char *sql)
{
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(ep_store_db(store), sql, -1, &q, NULL), SQLITE_OK);
    long v = -1;
    if (sqlite3_step(q) == SQLITE_ROW)
        v = (long)sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return v;
}

/* ---- the independent reading: zlib lines, split at the first comma ---------------------- */

#define MAXV 4096
struct idset {
    long long id[MAXV];
    int n;
};

static int has(const struct idset *s, long long id)
{
    for (int i = 0; i < s->n; i++)
        if (s->id[i] == id)
            return 1;
    return 0;
}

static void add(struct idset *s, long long id)
{
    if (!has(s, id) && s->n < MAXV)
        s->id[s->n++] = id;
}

/* The first field (the vote id) of every data line of a (gzip) CSV whose first field is a
 * vote id, kept when it is in `in` (NULL: all). Returns the number of data lines. */
static long read_ids(const char *path, const struct idset *in, struct idset *out)
{
    gzFile f = gzopen(path, "rb");
    assert_non_null(f);
    char line[8192];
    long n = 0;
    int first = 1;
    while (gzgets(f, line, sizeof line)) {
        if (first) { /* header */
            first = 0;
            continue;
        }
        if (line[0] < '0' || line[0] > '9')
            continue; /* a continuation of a quoted multi-line field (votes_subset) */
        long long id = strtoll(line, NULL, 10);
        n++;
        if (!in || has(in, id))
            add(out, id);
    }
    gzclose(f);
    return n;
}

static void test_coverage(void **st)
{
    (void)st;
    static struct idset subset, sub, com, con, geo;
    memset(&subset, 0, sizeof subset);
    /* the votes with positions: the ids of votes_subset.csv (the 266 of the XML files) */
    read_ids(ep_test_real("howtheyvote/votes_subset.csv"), NULL, &subset);
    assert_int_equal(subset.n, 266);
    long rows[4];
    rows[0] = read_ids(ep_test_real("howtheyvote/oeil_subject_votes.csv.gz"), &subset, &sub);
    rows[1] = read_ids(ep_test_real("howtheyvote/responsible_committee_votes.csv.gz"), &subset,
                       &com);
    rows[2] = read_ids(ep_test_real("howtheyvote/eurovoc_concept_votes.csv.gz"), &subset, &con);
    rows[3] = read_ids(ep_test_real("howtheyvote/geo_area_votes.csv.gz"), &subset, &geo);
    /* the figures, the independent reading, the store */
    assert_int_equal(sub.n, 252);
    assert_int_equal(com.n, 198);
    assert_int_equal(con.n, 88);
    assert_int_equal(geo.n, 75);
    static const char *const kinds[] = {"subject", "committee", "concept", "geo"};
    const int want[] = {sub.n, com.n, con.n, geo.n};
    for (int k = 0; k < 4; k++) {
        char sql[512];
        snprintf(sql, sizeof sql,
                 "SELECT COUNT(DISTINCT t.vote_id) FROM vote_topic t JOIN vote v ON v.id ="
                 " t.vote_id WHERE t.kind = '%s' AND v.pos_unit_id IS NOT NULL",
                 kinds[k]);
        assert_int_equal(sql_long(sql), want[k]);
        snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM vote_topic WHERE kind = '%s'", kinds[k]);
        assert_int_equal(sql_long(sql), rows[k]); /* every link of the export is stored */
    }
    assert_int_equal(rows[0], 40346);
    assert_int_equal(rows[1], 15132);
    assert_int_equal(rows[2], 63028);
    assert_int_equal(rows[3], 5095);
    assert_int_equal(sql_long("SELECT COUNT(*) FROM oeil_subject"), 367);
    assert_int_equal(sql_long("SELECT COUNT(*) FROM eurovoc_concept"), 1739);
    assert_int_equal(sql_long("SELECT COUNT(*) FROM geo_area"), 158);
    /* countries and geo_areas share their columns: each went to its own table */
    assert_int_equal(sql_long("SELECT COUNT(*) FROM country"), 28);
    assert_int_equal(sql_long("SELECT COUNT(*) FROM geo_area WHERE code = 'VEN'"
                              " AND label = 'Venezuela' AND iso_alpha_2 = 'VE'"),
                     1);
    assert_int_equal(sql_long("SELECT COUNT(*) FROM oeil_subject WHERE code = '1.10' AND label"
                              " = 'Fundamental rights in the EU, Charter'"),
                     1);
    assert_int_equal(sql_long("SELECT COUNT(*) FROM eurovoc_concept WHERE id = 'c_047e5912'"
                              " AND label = 'European Banking Authority'"),
                     1);
    /* the export's first links (zcat | head) */
    assert_int_equal(sql_long("SELECT COUNT(*) FROM vote_topic WHERE vote_id = 108530 AND"
                              " ((kind = 'subject' AND code = '6.10.04') OR (kind = 'geo' AND"
                              " code = 'VEN'))"),
                     2);
    assert_int_equal(sql_long("SELECT COUNT(*) FROM vote_topic WHERE vote_id = 108563 AND"
                              " kind = 'committee' AND code = 'LIBE'"),
                     1);
}

/* ---- parse and refusal ---------------------------------------------------------------- */

struct col {
    long topics, links;
    int kind;
    char code[64], label[128], iso2[8];
    long long vote;
};

static int on_topic(void *ctx, const struct ep_topic *t, struct ep_error *err)
{
    (void)err;
    struct col *c = ctx;
    c->topics++;
    c->kind = t->kind;
    snprintf(c->code, sizeof c->code, "%s", t->code);
    snprintf(c->label, sizeof c->label, "%s", t->label ? t->label : "(null)");
    snprintf(c->iso2, sizeof c->iso2, "%s", t->iso_alpha_2 ? t->iso_alpha_2 : "(null)");
    return 0;
}

static int on_link(void *ctx, const struct ep_topic_vote *tv, struct ep_error *err)
{
    (void)err;
    struct col *c = ctx;
    c->links++;
    c->kind = tv->kind;
    c->vote = tv->vote_id;
    snprintf(c->code, sizeof c->code, "%s", tv->code);
    return 0;
}

static int parse(const char *csv, struct col *c, int *table, struct ep_error *e)
{
    memset(c, 0, sizeof *c);
    struct ep_sink sink = {.ctx = c, .topic = on_topic, .topic_vote = on_link};
    return ep_htv_parse_buffer(csv, strlen(csv), "t.csv", &sink, table, NULL, e);
}

static void test_parse(void **st)
{
    (void)st;
    struct col c;
    struct ep_error e = {0};
    int table;
    assert_int_equal(parse("code,label,iso_alpha_2\nVEN,Venezuela,VE\n", &c, &table, &e), 0);
    assert_int_equal(table, EP_HTV_GEO_AREAS);
    assert_int_equal(c.kind, EP_TOPIC_GEO);
    assert_string_equal(c.code, "VEN");
    assert_string_equal(c.iso2, "VE");
    /* the same columns in the countries order are the countries table */
    assert_int_equal(parse("code,iso_alpha_2,label\nAUT,AT,Austria\n", &c, &table, &e), 0);
    assert_int_equal(table, EP_HTV_COUNTRIES);
    assert_int_equal(c.topics, 0);
    /* in neither order: refused, not guessed */
    assert_int_not_equal(parse("label,code,iso_alpha_2\nX,AUT,AT\n", &c, &table, &e), 0);
    assert_non_null(strstr(e.msg, "more than one table"));
    /* code,label: OEIL subjects; code,label,abbreviation stays committees */
    assert_int_equal(parse("code,label\n6.10.04,\"Third-country political situation\"\n", &c,
                           &table, &e),
                     0);
    assert_int_equal(table, EP_HTV_OEIL_SUBJECTS);
    assert_string_equal(c.code, "6.10.04");
    assert_int_equal(parse("code,label,abbreviation\nAFET,Foreign Affairs,AFET\n", &c, &table, &e),
                     0);
    assert_int_equal(table, EP_HTV_COMMITTEES);
    assert_int_equal(parse("id,label\nc_047e5912,European Banking Authority\n", &c, &table, &e), 0);
    assert_int_equal(table, EP_HTV_EUROVOC_CONCEPTS);
    assert_int_equal(c.kind, EP_TOPIC_CONCEPT);
    static const struct {
        const char *hdr;
        int table, kind;
    } links[] = {
        {"vote_id,oeil_subject_code", EP_HTV_OEIL_SUBJECT_VOTES, EP_TOPIC_SUBJECT},
        {"vote_id,eurovoc_concept_id", EP_HTV_EUROVOC_CONCEPT_VOTES, EP_TOPIC_CONCEPT},
        {"vote_id,committee_code", EP_HTV_COMMITTEE_VOTES, EP_TOPIC_COMMITTEE},
        {"vote_id,geo_area_code", EP_HTV_GEO_AREA_VOTES, EP_TOPIC_GEO},
    };
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
        char csv[128];
        snprintf(csv, sizeof csv, "%s\n108530,1\n\n108531,7\n", links[i].hdr);
        assert_int_equal(parse(csv, &c, &table, &e), 0);
        assert_int_equal(table, links[i].table);
        assert_int_equal(c.kind, links[i].kind);
        assert_int_equal(c.links, 2);
        assert_int_equal(c.vote, 108531);
        assert_string_equal(c.code, "7");
    }
    /* bad rows: file:line and the column */
    static const struct {
        const char *csv, *msg;
    } badrows[] = {
        {"code,label\n6.10,a\n6..10,b\n", "t.csv:3: column \"code\": bad value \"6..10\""},
        {"code,label\n6.,a\n", "t.csv:2: column \"code\": bad value \"6.\""},
        {"code,label\n,a\n", "t.csv:2: column \"code\" is empty"},
        {"vote_id,oeil_subject_code\n1,6.10\n0,6.10\n", "t.csv:3: column \"vote_id\""},
        {"vote_id,oeil_subject_code\n1,A.10\n", "t.csv:2: column \"oeil_subject_code\""},
        {"vote_id,geo_area_code\n1,VE N\n", "t.csv:2: column \"geo_area_code\": bad value"},
        {"code,label,iso_alpha_2\nVEN,Venezuela,ven\n", "t.csv:2: column \"iso_alpha_2\""},
        {"id,label\nc'1,x\n", "t.csv:2: column \"id\": bad value \"c'1\""},
        {"vote_id,committee_code\n1,AFET,x\n", "t.csv:2: 3 fields, header has 2"},
    };
    for (size_t i = 0; i < sizeof badrows / sizeof badrows[0]; i++) {
        ep_error_clear(&e);
        assert_int_equal(parse(badrows[i].csv, &c, &table, &e), EP_EPARSE);
        if (!strstr(e.msg, badrows[i].msg))
            fail_msg("row %zu: got \"%s\", want \"%s\"", i, e.msg, badrows[i].msg);
    }
    /* the real tables: record counts as the export's README gives them */
    static const struct {
        const char *file;
        int table;
        long n;
    } real[] = {
        {"howtheyvote/oeil_subjects.csv.gz", EP_HTV_OEIL_SUBJECTS, 367},
        {"howtheyvote/eurovoc_concepts.csv.gz", EP_HTV_EUROVOC_CONCEPTS, 1739},
        {"howtheyvote/geo_areas.csv.gz", EP_HTV_GEO_AREAS, 158},
        {"howtheyvote/geo_area_votes.csv.gz", EP_HTV_GEO_AREA_VOTES, 5095},
        {"howtheyvote/responsible_committee_votes.csv.gz", EP_HTV_COMMITTEE_VOTES, 15132},
    };
    for (size_t i = 0; i < sizeof real / sizeof real[0]; i++) {
        long n = 0;
        assert_int_equal(ep_htv_parse_file(ep_test_real(real[i].file), NULL, &table, &n, &e), 0);
        assert_int_equal(table, real[i].table);
        assert_int_equal(n, real[i].n);
    }
}

/* The store refuses a link to a vote or a code it does not hold, by file:line, and keeps
 * nothing of the file. */
static void test_store_refuses(void **st)
{
    (void)st;
    static const struct {
        const char *name, *csv, *msg;
    } cases[] = {
        {"a.csv", "vote_id,oeil_subject_code\n108530,6.10.04\n999999999,6.10.04\n",
         "a.csv:3: column \"vote_id\": vote 999999999 is not in the store"},
        {"b.csv", "vote_id,oeil_subject_code\n108530,9.99.99\n",
         "b.csv:2: column \"oeil_subject_code\": \"9.99.99\" is not a stored OEIL subject"},
        {"c.csv", "vote_id,committee_code\n108530,ZZZZ\n",
         "c.csv:2: column \"committee_code\": \"ZZZZ\" is not a stored committee"},
        {"d.csv", "vote_id,eurovoc_concept_id\n108530,c_nothing\n",
         "d.csv:2: column \"eurovoc_concept_id\": \"c_nothing\" is not a stored EuroVoc concept"},
        {"e.csv", "vote_id,geo_area_code\n108530,XXX\n",
         "e.csv:2: column \"geo_area_code\": \"XXX\" is not a stored geographic area"},
    };
    long before = sql_long("SELECT COUNT(*) FROM vote_topic");
    long units = sql_long("SELECT COUNT(*) FROM unit");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", tmp, cases[i].name);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(cases[i].csv, f);
        fclose(f);
        struct ep_error e = {0};
        struct ep_ingest_report rep;
        assert_int_not_equal(ep_store_ingest_file(store, path, 0, NULL, NULL, &rep, &e), 0);
        if (!strstr(e.msg, cases[i].msg))
            fail_msg("%s: got \"%s\", want \"%s\"", cases[i].name, e.msg, cases[i].msg);
    }
    assert_int_equal(sql_long("SELECT COUNT(*) FROM vote_topic"), before);
    assert_int_equal(sql_long("SELECT COUNT(*) FROM unit"), units);
}

/* ---- the window's topic filter -------------------------------------------------------- */

static double sql_double(const char *sql)
{
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(ep_store_db(store), sql, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    double v = sqlite3_column_double(q, 0);
    sqlite3_finalize(q);
    return v;
}

/* Call a tool (schema validation of the arguments and the result included); rc, the result in
 * *out (NULL on error) and the message in msg. */
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
    return rc;
}

/* Votes with positions that carry the topic, by SQL of its own (LIKE for the hierarchy). */
static long filtered_votes(const char *kind, const char *code)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT COUNT(DISTINCT vote_id) FROM vote_topic WHERE kind = '%s' AND (code = '%s'"
             " OR (kind = 'subject' AND code LIKE '%s.%%')) AND vote_id IN (SELECT vote_id FROM"
             " vote_positions)",
             kind, code, code);
    return sql_long(sql);
}

static void test_filter_every_tool(void **st)
{
    (void)st;
    static const char *const tools[] = {
        "analyze_coalition_dynamics", "analyze_voting_patterns", "detect_voting_anomalies",
        "generate_political_risk_assessment", "map_political_network", "assess_mep_influence"};
    static const struct {
        const char *arg, *db, *code;
    } filters[] = {
        {"committee", "committee", "LIBE"},
        {"subject", "subject", "4.60"}, /* 4.60.02, 4.60.04.04, 4.60.06, 4.60.08 */
        {"geo_area", "geo", "UKR"},
        {"concept", "concept", "862"},
    };
    char msg[EP_ERROR_MSG_MAX];
    for (size_t f = 0; f < sizeof filters / sizeof filters[0]; f++) {
        long want = filtered_votes(filters[f].db, filters[f].code);
        assert_true(want > 0);
        for (size_t t = 0; t < sizeof tools / sizeof tools[0]; t++) {
            char args[256];
            snprintf(args, sizeof args, "{\"%s\": \"%s\"%s}", filters[f].arg, filters[f].code,
                     strcmp(tools[t], "assess_mep_influence") == 0 ? ", \"mep_id\": 4746"
                     : strcmp(tools[t], "analyze_voting_patterns") == 0 ? ", \"group\": \"EPP\""
                                                                         : "");
            json_t *r = NULL;
            int rc = call(tools[t], args, &r, msg);
            if (rc)
                fail_msg("%s %s: %s", tools[t], args, msg);
            json_t *w = json_object_get(r, "window");
            json_t *flt = json_object_get(w, "filter");
            assert_non_null(flt);
            assert_string_equal(json_string_value(json_object_get(flt, "kind")), filters[f].arg);
            assert_string_equal(json_string_value(json_object_get(flt, "code")), filters[f].code);
            assert_int_equal(json_integer_value(json_object_get(flt, "votes")), want);
            assert_int_equal(json_integer_value(json_object_get(w, "votes")), want);
            json_decref(r);
        }
    }
    /* the hand-checked counts of the bundled data */
    assert_int_equal(filtered_votes("committee", "LIBE"), 17);
    assert_int_equal(filtered_votes("subject", "4.60"), 8); /* 11 links over 8 votes */
    /* no filter: no filter object, every vote */
    json_t *r = NULL;
    assert_int_equal(call("analyze_coalition_dynamics", "{}", &r, msg), 0);
    assert_null(json_object_get(json_object_get(r, "window"), "filter"));
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "window"), "votes")),
                     266);
    json_decref(r);
}

/* A measure on a filtered window equals the same measure by SQL over member_vote restricted
 * to the topic's votes: the mean Agreement Index of RENEW on the LIBE votes. */
static void test_filter_measure(void **st)
{
    (void)st;
    json_t *r = NULL;
    char msg[EP_ERROR_MSG_MAX];
    assert_int_equal(call("analyze_coalition_dynamics", "{\"committee\": \"LIBE\"}", &r, msg), 0);
    json_t *groups = json_object_get(r, "groups");
    double ai = -1;
    for (size_t i = 0; i < json_array_size(groups); i++) {
        json_t *g = json_array_get(groups, i);
        if (!strcmp(json_string_value(json_object_get(g, "group")), "RENEW"))
            ai = json_real_value(json_object_get(json_object_get(g, "cohesion"), "ai_mean"));
    }
    double want = sql_double(
        "WITH c AS (SELECT vote_id, SUM(pos = 1) y, SUM(pos = 2) n, SUM(pos = 3) a"
        " FROM member_vote WHERE group_code = 'RENEW' AND vote_id IN (SELECT vote_id FROM"
        " vote_topic WHERE kind = 'committee' AND code = 'LIBE') GROUP BY vote_id)"
        " SELECT AVG((MAX(y, n, a) - 0.5 * (y + n + a - MAX(y, n, a))) / (y + n + a + 0.0))"
        " FROM c WHERE y + n + a > 0");
    assert_true(fabs(ai - want) < 1e-6);
    assert_true(fabs(want - 0.94925) < 1e-5); /* as the tool printed it, rounded */
    json_decref(r);
}

static void test_filter_errors(void **st)
{
    (void)st;
    json_t *r = NULL;
    char msg[EP_ERROR_MSG_MAX];
    /* unknown codes: named */
    assert_int_equal(call("map_political_network", "{\"committee\": \"NOPE\"}", &r, msg),
                     EP_EINVAL);
    assert_non_null(strstr(msg, "unknown committee \"NOPE\""));
    assert_int_equal(call("map_political_network", "{\"subject\": \"4.6\"}", &r, msg), EP_EINVAL);
    assert_non_null(strstr(msg, "unknown OEIL subject \"4.6\""));
    /* a top level with no row of its own is known by the codes below it */
    assert_int_equal(sql_long("SELECT COUNT(*) FROM oeil_subject WHERE code = '3'"), 0);
    assert_int_equal(call("analyze_coalition_dynamics", "{\"subject\": \"3\"}", &r, msg), 0);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(json_object_get(r, "window"), "filter"), "votes")),
        filtered_votes("subject", "3"));
    json_decref(r);
    /* malformed: the schema's pattern or the window's own check */
    assert_int_not_equal(call("map_political_network", "{\"geo_area\": \"U'K\"}", &r, msg), 0);
    /* two filters */
    assert_int_equal(call("map_political_network", "{\"geo_area\": \"UKR\", \"committee\": \"LIBE\"}",
                          &r, msg),
                     EP_EINVAL);
    assert_non_null(strstr(msg, "one topic filter at most"));
    /* a filter that leaves no vote says so, with the counts (not a 0 % result) */
    long afg = sql_long("SELECT COUNT(*) FROM vote_topic WHERE kind = 'geo' AND code = 'AFG'");
    assert_int_equal(afg, 79);
    assert_int_equal(call("detect_voting_anomalies", "{\"geo_area\": \"AFG\"}", &r, msg),
                     EP_ENOTFOUND);
    assert_non_null(strstr(msg, "\"AFG\" (Afghanistan) leaves no vote with per-MEP positions in "
                                "the window: 79 votes in the store carry it, 0 of them with "
                                "positions"));
    /* and one whose votes lie outside the dates */
    assert_int_equal(call("analyze_coalition_dynamics",
                          "{\"committee\": \"LIBE\", \"to\": \"2024-01-31\"}", &r, msg),
                     EP_ENOTFOUND);
    assert_non_null(strstr(msg, "17 of them with positions (outside the window's dates"));
}

/* The filtered window the cache cuts out of the unfiltered one is the window the SQL load with
 * the filter gives: the same votes, MEPs, positions and group codes, cell by cell. */
static void test_filter_subset_equals_sql(void **st)
{
    (void)st;
    static const struct {
        int kind;
        const char *code, *from;
    } cases[] = {
        {EP_TOPIC_SUBJECT, "4.60", NULL},  {EP_TOPIC_SUBJECT, "3", NULL},
        {EP_TOPIC_COMMITTEE, "LIBE", NULL}, {EP_TOPIC_GEO, "UKR", "2024-02-01"},
        {EP_TOPIC_CONCEPT, "862", NULL},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct ep_window w = {.from = cases[c].from, .topic_kind = cases[c].kind,
                              .topic_code = cases[c].code};
        struct ep_matrix sql;
        struct ep_error e = {0};
        assert_int_equal(ep_store_load_matrix(store, &w, &sql, &e), 0);
        struct ep_win *win = NULL;
        assert_int_equal(ep_env_window(&env, &w, &win, &e), 0);
        const struct ep_matrix *m = win->m;
        assert_int_equal(m->n_vote, sql.n_vote);
        assert_int_equal(m->n_mep, sql.n_mep);
        for (int i = 0; i < m->n_mep; i++)
            assert_true(m->mep_id[i] == sql.mep_id[i]);
        for (int v = 0; v < m->n_vote; v++) {
            assert_true(m->vote_id[v] == sql.vote_id[v]);
            assert_int_equal(m->vote_day[v], sql.vote_day[v]);
            assert_int_equal(m->dnv_known[v], sql.dnv_known[v]);
            for (int i = 0; i < m->n_mep; i++) {
                size_t cell = (size_t)v * (size_t)m->n_mep + (size_t)i;
                assert_int_equal(m->pos[cell], sql.pos[cell]);
                int g1 = m->grp[cell], g2 = sql.grp[cell];
                assert_int_equal(g1 == EP_GRP_NONE, g2 == EP_GRP_NONE);
                if (g1 != EP_GRP_NONE)
                    assert_string_equal(m->grp_code[g1], sql.grp_code[g2]);
            }
        }
        ep_matrix_free(&sql);
    }
}

/* ---- analyze_policy_area and analyze_committee_activity ---------------------------------- */

/* The votes of OEIL subject 4.60 (and below) with positions, as a SQL table expression. */
#define AREA "(SELECT DISTINCT vote_id FROM vote_topic WHERE kind = 'subject' AND (code = '4.60'" \
             " OR code LIKE '4.60.%') AND vote_id IN (SELECT vote_id FROM vote_positions))"
/* Each group's position on each area vote, by SQL of its own: the plurality option of its cast
 * votes, 4 = tie, none when no member cast a vote. */
#define GPOS                                                                                       \
    "WITH c AS (SELECT vote_id, group_code g, SUM(pos = 1) y, SUM(pos = 2) n, SUM(pos = 3) a"    \
    " FROM member_vote WHERE vote_id IN " AREA " AND group_code IS NOT NULL GROUP BY 1, 2),"      \
    " gp AS (SELECT vote_id, g, CASE WHEN y > n AND y > a THEN 1 WHEN n > y AND n > a THEN 2"    \
    " WHEN a > y AND a > n THEN 3 ELSE 4 END p FROM c WHERE y + n + a > 0) "

static json_t *find_by(json_t *arr, const char *key, const char *val)
{
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *o = json_array_get(arr, i);
        const char *s = json_string_value(json_object_get(o, key));
        if (s && !strcmp(s, val))
            return o;
    }
    return NULL;
}

static void test_policy_area(void **st)
{
    (void)st;
    json_t *r = NULL;
    char msg[EP_ERROR_MSG_MAX];
    int rc = call("analyze_policy_area", "{\"subject\": \"4.60\", \"limit\": 3}", &r, msg);
    if (rc)
        fail_msg("analyze_policy_area: %s", msg);
    json_t *area = json_object_get(r, "area");
    assert_string_equal(json_string_value(json_object_get(area, "label")),
                        "Consumers' protection in general");
    assert_int_equal(json_integer_value(json_object_get(area, "votes_in_window")), 8);
    assert_int_equal(json_integer_value(json_object_get(area, "votes_with_positions")), 8);
    assert_int_equal(json_integer_value(json_object_get(area, "votes_in_store")),
                     sql_long("SELECT COUNT(DISTINCT vote_id) FROM vote_topic WHERE kind ="
                              " 'subject' AND (code = '4.60' OR code LIKE '4.60.%')"));
    json_t *votes = json_object_get(r, "votes");
    assert_int_equal(json_integer_value(json_object_get(votes, "total")), 8);
    assert_int_equal(json_array_size(json_object_get(votes, "items")), 3);
    /* the first vote (hand-checked against the roll-call XML of 2024-01-17) */
    json_t *v0 = json_array_get(json_object_get(votes, "items"), 0);
    assert_int_equal(json_integer_value(json_object_get(v0, "vote_id")), 163315);
    assert_string_equal(json_string_value(json_object_get(json_object_get(v0, "groups"), "EPP")),
                        "AGAINST");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(v0, "totals"), "FOR")),
                     sql_long("SELECT COUNT(*) FROM member_vote WHERE vote_id = 163315 AND pos = 1"));
    /* RENEW's mean AI in the area */
    json_t *renew = find_by(json_object_get(r, "groups"), "group", "RENEW");
    assert_non_null(renew);
    double ai = sql_double("WITH c AS (SELECT vote_id, SUM(pos = 1) y, SUM(pos = 2) n, SUM(pos = 3)"
                           " a FROM member_vote WHERE group_code = 'RENEW' AND vote_id IN " AREA
                           " GROUP BY vote_id) SELECT AVG((MAX(y, n, a) - 0.5 * (y + n + a -"
                           " MAX(y, n, a))) / (y + n + a + 0.0)) FROM c WHERE y + n + a > 0");
    assert_true(fabs(json_real_value(json_object_get(renew, "ai_mean")) - ai) < 1e-6);
    /* RENEW-SD agreement in the area, and overall over the whole window */
    json_t *pairs = json_object_get(json_object_get(r, "pair_agreement"), "pairs");
    json_t *pr = NULL;
    for (size_t i = 0; i < json_array_size(pairs); i++) {
        json_t *o = json_array_get(pairs, i);
        const char *a = json_string_value(json_object_get(o, "a")),
                   *b = json_string_value(json_object_get(o, "b"));
        if ((!strcmp(a, "RENEW") && !strcmp(b, "SD")) || (!strcmp(a, "SD") && !strcmp(b, "RENEW")))
            pr = o;
    }
    assert_non_null(pr);
    double agree = sql_double(GPOS "SELECT AVG(x.p = z.p) FROM gp x JOIN gp z USING (vote_id)"
                                   " WHERE x.g = 'RENEW' AND z.g = 'SD' AND x.p < 4 AND z.p < 4");
    assert_true(fabs(json_real_value(json_object_get(pr, "area")) - agree) < 1e-6);
    assert_true(fabs(agree - 1.0) < 1e-9); /* RENEW and SD voted alike on all 8 */
    /* the top defector: Charlie WEIMERS (ECR), against his group on 4 of his 4 counted votes */
    json_t *d0 = json_array_get(json_object_get(json_object_get(r, "defectors"), "items"), 0);
    assert_int_equal(json_integer_value(json_object_get(d0, "mep_id")), 123562);
    long counted = sql_long(GPOS "SELECT COUNT(*) FROM member_vote m JOIN gp ON gp.vote_id ="
                                 " m.vote_id AND gp.g = m.group_code WHERE m.member_id = 123562"
                                 " AND m.pos BETWEEN 1 AND 3 AND gp.p < 4");
    long defect = sql_long(GPOS "SELECT COUNT(*) FROM member_vote m JOIN gp ON gp.vote_id ="
                                " m.vote_id AND gp.g = m.group_code WHERE m.member_id = 123562"
                                " AND m.pos BETWEEN 1 AND 3 AND gp.p < 4 AND gp.p <> m.pos");
    assert_int_equal(json_integer_value(json_object_get(d0, "counted_votes")), counted);
    assert_int_equal(json_integer_value(json_object_get(d0, "defections")), defect);
    assert_int_equal(counted, 4);
    /* delegations: Luxembourg's splits by SQL over member.country_code */
    json_t *lux = find_by(json_object_get(r, "delegations"), "country", "LUX");
    assert_non_null(lux);
    long lux_votes = sql_long("SELECT COUNT(*) FROM (SELECT vote_id FROM member_vote mv JOIN"
                              " member m ON m.id = mv.member_id WHERE m.country_code = 'LUX' AND"
                              " mv.pos BETWEEN 1 AND 3 AND vote_id IN " AREA
                              " GROUP BY vote_id HAVING COUNT(*) >= 2)");
    long lux_splits = sql_long("SELECT COUNT(*) FROM (SELECT vote_id FROM member_vote mv JOIN"
                               " member m ON m.id = mv.member_id WHERE m.country_code = 'LUX' AND"
                               " mv.pos BETWEEN 1 AND 3 AND vote_id IN " AREA
                               " GROUP BY vote_id HAVING COUNT(*) >= 2 AND COUNT(DISTINCT pos) >= 2)");
    assert_int_equal(json_integer_value(json_object_get(lux, "votes")), lux_votes);
    assert_int_equal(json_integer_value(json_object_get(lux, "splits")), lux_splits);
    /* majorities: decided votes (FOR != AGAINST) */
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(r, "majorities"), "decided_votes")),
        sql_long("SELECT COUNT(*) FROM (SELECT vote_id FROM member_vote WHERE vote_id IN " AREA
                 " GROUP BY vote_id HAVING SUM(pos = 1) <> SUM(pos = 2))"));
    json_decref(r);
    /* edges: a committee is not a policy area here; unknown code; no votes */
    assert_int_equal(call("analyze_policy_area", "{}", &r, msg), EP_EINVAL);
    assert_non_null(strstr(msg, "give the policy area"));
    assert_int_equal(call("analyze_policy_area", "{\"subject\": \"9.99\"}", &r, msg), EP_EINVAL);
    assert_non_null(strstr(msg, "unknown OEIL subject \"9.99\""));
    assert_int_equal(call("analyze_policy_area", "{\"subject\": \"4.60\", \"to\": \"2024-01-16\"}",
                          &r, msg),
                     EP_ENOTFOUND);
    assert_non_null(strstr(msg, "leaves no vote with per-MEP positions"));
}

static void test_committee_activity(void **st)
{
    (void)st;
    json_t *r = NULL;
    char msg[EP_ERROR_MSG_MAX];
    int rc = call("analyze_committee_activity", "{\"committee\": \"LIBE\"}", &r, msg);
    if (rc)
        fail_msg("analyze_committee_activity: %s", msg);
    json_t *cs = json_object_get(r, "committees");
    assert_int_equal(json_array_size(cs), 1);
    json_t *c = json_array_get(cs, 0);
    /* hand-checked with python's csv over responsible_committee_votes.csv.gz and votes.csv.gz */
    assert_int_equal(json_integer_value(json_object_get(c, "votes")), 950);
    assert_int_equal(json_integer_value(json_object_get(c, "procedures")), 155);
    json_t *res = json_object_get(c, "results");
    assert_int_equal(json_integer_value(json_object_get(res, "ADOPTED")), 108);
    assert_int_equal(json_integer_value(json_object_get(res, "REJECTED")), 81);
    assert_int_equal(json_integer_value(json_object_get(res, "unknown")), 761);
    assert_string_equal(json_string_value(json_object_get(c, "first_vote")), "2019-09-17");
    assert_string_equal(json_string_value(json_object_get(c, "last_vote")), "2025-09-10");
    assert_int_equal(json_integer_value(json_object_get(c, "span_days")), 2185);
    assert_int_equal(json_integer_value(json_object_get(c, "votes_with_positions")), 17);
    json_t *coh = json_object_get(c, "cohesion");
    assert_true(json_is_true(json_object_get(coh, "available")));
    json_t *renew = find_by(json_object_get(coh, "groups"), "group", "RENEW");
    double want = sql_double(
        "WITH c AS (SELECT vote_id, SUM(pos = 1) y, SUM(pos = 2) n, SUM(pos = 3) a"
        " FROM member_vote WHERE group_code = 'RENEW' AND vote_id IN (SELECT vote_id FROM"
        " vote_topic WHERE kind = 'committee' AND code = 'LIBE') GROUP BY vote_id)"
        " SELECT AVG((MAX(y, n, a) - 0.5 * (y + n + a - MAX(y, n, a))) / (y + n + a + 0.0))"
        " FROM c WHERE y + n + a > 0");
    assert_true(fabs(json_real_value(json_object_get(renew, "ai_mean")) - want) < 1e-6);
    assert_false(json_is_true(json_object_get(json_object_get(r, "rosters"), "available")));
    json_decref(r);
    /* every committee: as many as have votes; a committee without positions in the dates */
    assert_int_equal(call("analyze_committee_activity", "{\"from\": \"2020-01-01\", \"to\":"
                          " \"2020-12-31\"}", &r, msg),
                     0);
    cs = json_object_get(r, "committees");
    assert_int_equal(json_array_size(cs),
                     sql_long("SELECT COUNT(DISTINCT code) FROM vote_topic t JOIN vote v ON v.id ="
                              " t.vote_id WHERE t.kind = 'committee' AND v.sitting_date BETWEEN"
                              " '2020-01-01' AND '2020-12-31'"));
    coh = json_object_get(json_array_get(cs, 0), "cohesion");
    assert_false(json_is_true(json_object_get(coh, "available")));
    assert_non_null(strstr(json_string_value(json_object_get(coh, "reason")), "per-MEP positions"));
    json_decref(r);
    assert_int_equal(call("analyze_committee_activity",
                          "{\"committee\": \"LIBE\", \"to\": \"2019-09-16\"}", &r, msg),
                     EP_ENOTFOUND);
    assert_non_null(strstr(msg, "committee LIBE has no vote in the dates (open) to 2019-09-16"));
    assert_int_equal(call("analyze_committee_activity", "{\"committee\": \"NOPE\"}", &r, msg),
                     EP_EINVAL);
    assert_non_null(strstr(msg, "unknown committee \"NOPE\""));
}

/* ---- synth: subjects and committees for the synthetic term ------------------------------ */

struct syn {
    uint64_t poshash; /* FNV-1a over (vote, member, pos) */
    long votes, subj_votes, com_votes, links, topics, committees;
    int64_t last_vote;
    int last_has_sub, last_has_com;
    char known[64][24];
    int nknown;
};

static void fnv(uint64_t *h, int64_t x)
{
    for (int k = 0; k < 8; k++) {
        *h ^= (uint64_t)(x >> (8 * k)) & 0xff;
        *h *= UINT64_C(1099511628211);
    }
}

static int s_pos(void *ctx, const struct ep_position *p, struct ep_error *err)
{
    (void)err;
    struct syn *y = ctx;
    fnv(&y->poshash, p->vote_id);
    fnv(&y->poshash, p->member_id);
    fnv(&y->poshash, p->pos);
    return 0;
}

static int s_vote(void *ctx, const struct ep_vote *v, struct ep_error *err)
{
    (void)err;
    struct syn *y = ctx;
    y->votes++;
    y->last_vote = v->id;
    y->last_has_sub = y->last_has_com = 0;
    return 0;
}

static int s_topic(void *ctx, const struct ep_topic *t, struct ep_error *err)
{
    (void)err;
    struct syn *y = ctx;
    assert_int_equal(t->kind, EP_TOPIC_SUBJECT);
    assert_non_null(strstr(t->label, "(synthetic)"));
    assert_true(y->nknown < 64);
    snprintf(y->known[y->nknown++], 24, "%s", t->code);
    y->topics++;
    return 0;
}

static int s_committee(void *ctx, const struct ep_committee *c, struct ep_error *err)
{
    (void)err;
    struct syn *y = ctx;
    assert_true(y->nknown < 64);
    snprintf(y->known[y->nknown++], 24, "%s", c->code);
    y->committees++;
    return 0;
}

static int s_link(void *ctx, const struct ep_topic_vote *tv, struct ep_error *err)
{
    (void)err;
    struct syn *y = ctx;
    assert_int_equal(tv->vote_id, y->last_vote); /* after its vote */
    int known = 0;
    for (int i = 0; i < y->nknown; i++)
        known |= !strcmp(y->known[i], tv->code);
    assert_true(known); /* a code emitted before */
    y->links++;
    if (tv->kind == EP_TOPIC_SUBJECT && !y->last_has_sub) {
        y->last_has_sub = 1;
        y->subj_votes++;
    }
    if (tv->kind == EP_TOPIC_COMMITTEE) {
        assert_false(y->last_has_com); /* one responsible committee */
        y->last_has_com = 1;
        y->com_votes++;
    }
    return 0;
}

static void test_synth_topics(void **st)
{
    (void)st;
    struct ep_synth_params p;
    ep_synth_default_params(&p);
    struct ep_error e = {0};
    static struct syn with, without;
    memset(&with, 0, sizeof with);
    memset(&without, 0, sizeof without);
    with.poshash = without.poshash = UINT64_C(14695981039346656037);
    struct ep_sink a = {.ctx = &with, .vote = s_vote, .position = s_pos, .topic = s_topic,
                        .committee = s_committee, .topic_vote = s_link};
    struct ep_sink b = {.ctx = &without, .vote = s_vote, .position = s_pos};
    assert_int_equal(ep_synth_generate(&p, 120, 4000, 7, &a, &e), 0);
    assert_int_equal(ep_synth_generate(&p, 120, 4000, 7, &b, &e), 0);
    /* the topics do not change one position */
    assert_true(with.poshash == without.poshash);
    assert_int_equal(with.votes, 4000);
    assert_int_equal(with.topics, 8 + 8 * 4);
    assert_int_equal(with.committees, 8);
    /* shares near the bundled data's (252/266 = 0.947, 198/266 = 0.744): runs of up to 8
     * votes share them, so about 890 independent draws; 4 standard deviations */
    double ps = (double)with.subj_votes / 4000, pc = (double)with.com_votes / 4000;
    assert_true(fabs(ps - 252.0 / 266.0) < 4 * sqrt(0.947 * 0.053 / 890));
    assert_true(fabs(pc - 198.0 / 266.0) < 4 * sqrt(0.744 * 0.256 / 890));
    assert_true(with.links > with.subj_votes + with.com_votes); /* some votes have two subjects */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_coverage),
        cmocka_unit_test(test_store_refuses),
        cmocka_unit_test(test_filter_every_tool),
        cmocka_unit_test(test_filter_measure),
        cmocka_unit_test(test_filter_errors),
        cmocka_unit_test(test_filter_subset_equals_sql),
        cmocka_unit_test(test_policy_area),
        cmocka_unit_test(test_committee_activity),
        cmocka_unit_test(test_synth_topics),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
