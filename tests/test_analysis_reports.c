/* Tests for the analysis/ products of the report tools, called directly (no JSON): the positions
 * snapshot (ep_positions), voting patterns (ep_patterns), the MEP, group and sitting reports
 * (ep_mep_report, ep_group_report, ep_sitting_report), their Markdown (report/ep_report_md) and
 * the engine/ep_query look-ups, on the bundled real data. Figures are checked against SQL over
 * the store's member_vote view and vote table, computed here independently, and against values
 * checked by hand on the bundled data. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_env.h"
#include "ep_group_report.h"
#include "ep_mep_profile.h"
#include "ep_mep_report.h"
#include "ep_patterns.h"
#include "ep_positions.h"
#include "ep_query.h"
#include "ep_report_md.h"
#include "ep_sitting_report.h"
#include "ep_store.h"
#include "ep_store_db.h"
#include "ep_testutil.h"
#include "ep_util.h"

static struct ep_store *store;
static char *tmp;
static struct ep_env env;

/* Hand-checked on the bundled data: MEP 840 (RENEW), group EPP, the sitting of 2024-01-17. */
#define MEP 840
#define SITTING "2024-01-17"

static int setup(void **st)
{
    (void)st;
    return ep_test_store_open("s.db", &tmp, &store, &env, NULL, NULL);
}

static int teardown(void **st)
{
    (void)st;
    ep_test_store_close(tmp, store, &env);
    return 0;
}

/* The first column of the first row of a query (printf-style), as a double. */
static double sqlv(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static double sqlv(const char *fmt, ...)
{
    char sql[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(ep_store_db(store), sql, -1, &q, NULL) != SQLITE_OK)
        fail_msg("sql %s: %s", sql, sqlite3_errmsg(ep_store_db(store)));
    double v = NAN;
    if (sqlite3_step(q) == SQLITE_ROW)
        v = sqlite3_column_double(q, 0);
    sqlite3_finalize(q);
    return v;
}

/* The METHODS tie rule in SQL: a group's position is the strict maximum of Y, N, A, else 0. */
#define GROUP_POS_CTE                                                                              \
    "WITH c AS (SELECT vote_id, group_code, SUM(pos = 1) y, SUM(pos = 2) n, SUM(pos = 3) a,"       \
    " SUM(pos = 4) d FROM member_vote WHERE group_code IS NOT NULL GROUP BY 1, 2),"                \
    " gp AS (SELECT vote_id, group_code, CASE WHEN y > n AND y > a THEN 1"                         \
    " WHEN n > y AND n > a THEN 2 WHEN a > y AND a > n THEN 3 ELSE 0 END p FROM c) "

/* The whole store's window (every vote with positions) or one sitting's, as the products see
 * it. *win is borrowed from env. */
static void window(const char *sitting, struct ep_win **win, struct ep_patterns_window *w)
{
    const char *days[2] = {sitting, NULL};
    struct ep_window ew = {.sittings = sitting ? days : NULL};
    struct ep_error err = {0};
    assert_int_equal(ep_env_window(&env, &ew, win, &err), 0);
    assert_int_equal(ep_win_need_vs(*win, &err), 0);
    *w = (struct ep_patterns_window){
        .store = store, .positions = &env.positions, .m = (*win)->m, .vs = &(*win)->vs};
}

static void test_query(void **st)
{
    (void)st;
    struct ep_error err = {0};
    struct ep_query *q = NULL;
    assert_int_equal(ep_query_open(store, &q, &err), 0);
    struct ep_query_mep m;
    assert_int_equal(ep_query_mep(q, MEP, &m, &err), 1);
    assert_string_equal(m.country_code, "LUX"); /* Charles GOERENS */
    assert_int_equal(ep_query_mep(q, 1, &m, &err), 0);
    assert_null(m.last_name);
    struct ep_query_vote v;
    assert_int_equal(ep_query_vote(q, 162974, &v, &err), 1);
    assert_string_equal(v.date, "2024-01-16"); /* 2024-01-16 12:04:11 */
    assert_string_equal(ep_query_vote_title(&v), "Fluorinated gases regulation");
    assert_int_equal(ep_query_vote(q, 1, &v, &err), 0);
    assert_string_equal(ep_query_vote_title(&v), "");
    ep_query_close(q);

    assert_int_equal(ep_query_mep_known(store, MEP, &err), 1);
    assert_int_equal(ep_query_mep_known(store, 1, &err), 0);
    char **g = NULL;
    size_t n = 0;
    assert_int_equal(ep_query_known_groups(store, &g, &n, &err), 0);
    int epp = 0;
    for (size_t k = 0; k < n; k++)
        epp += strcmp(g[k], "EPP") == 0;
    assert_int_equal(epp, 1); /* distinct */
    assert_int_equal((double)n, sqlv("SELECT COUNT(*) FROM (SELECT code FROM grp UNION SELECT "
                                     "group_code FROM membership)"));
    ep_query_strings_free(g, n);

    struct ep_query_membership *ms = NULL;
    assert_int_equal(ep_query_memberships(store, MEP, &ms, &n, &err), 0);
    assert_int_equal((double)n, sqlv("SELECT COUNT(*) FROM membership WHERE member_id = %d", MEP));
    for (size_t k = 1; k < n; k++)
        assert_true(strcmp(ms[k - 1].start, ms[k].start) <= 0);
    ep_query_memberships_free(ms, n);

    struct ep_query_sitting_counts c;
    assert_int_equal(ep_query_sitting_counts(store, SITTING, &c, &err), 0);
    assert_int_equal(c.total, sqlv("SELECT COUNT(*) FROM vote WHERE sitting_date = '%s'", SITTING));
    assert_int_equal(c.with_positions, sqlv("SELECT COUNT(*) FROM vote WHERE sitting_date = '%s' "
                                            "AND pos_unit_id IS NOT NULL",
                                            SITTING));
    char label[64];
    assert_int_equal(ep_query_group_label(store, "NOPE", label, sizeof label, &err), 0);
    assert_string_equal(label, "");
}

static void test_positions(void **st)
{
    (void)st;
    struct ep_error err = {0};
    struct ep_positions *p = NULL, *p2 = NULL;
    assert_int_equal(ep_positions_acquire(&env.positions, store, &p, &err), 0);
    assert_int_equal(p->m.n_vote, 266); /* 7 sittings with positions, 266 roll-call votes */
    assert_int_equal(p->n_days, 7);
    assert_string_equal(p->pos_from, "2024-01-15");
    assert_string_equal(p->pos_to, "2024-04-23");
    assert_string_equal(p->dataset_date,
                        "2025-09-11"); /* the last sitting of the bundled votes.csv */
    assert_int_equal(p->n_sittings, sqlv("SELECT COUNT(DISTINCT sitting_date) FROM vote WHERE "
                                         "sitting_date IS NOT NULL"));
    int v = ep_positions_vote_index(p, 162974);
    assert_true(v >= 0);
    assert_int_equal(ep_positions_vote_index(p, 154082), -1); /* counts only, no positions */
    int g = -1;
    for (int k = 0; k < p->m.n_grp; k++)
        if (strcmp(p->m.grp_code[k], "EPP") == 0)
            g = k;
    assert_true(g >= 0);
    assert_int_equal(p->counts[(size_t)v * (size_t)p->m.n_grp + (size_t)g].y, 141);
    assert_int_equal(ep_positions_day_index(p, SITTING) >= 0, 1);
    assert_int_equal(ep_positions_day_index(p, "2024-07-18"), -1);

    /* the cache: the same snapshot while the store is unchanged, a new one after clear */
    assert_int_equal(ep_positions_acquire(&env.positions, store, &p2, &err), 0);
    assert_ptr_equal(p, p2);
    ep_positions_release(p2);
    struct ep_positions *peek = ep_positions_peek(&env.positions, store);
    assert_ptr_equal(peek, p);
    ep_positions_release(peek);
    ep_positions_cache_clear(&env.positions);
    assert_null(ep_positions_peek(&env.positions, store));
    assert_int_equal(p->m.n_vote, 266); /* a held reference stays valid */
    struct ep_positions_prov pv;
    assert_int_equal(ep_positions_provenance(&env.positions, store, &pv, &err), 0);
    assert_string_equal(pv.pos_from, p->pos_from); /* from SQL, no snapshot built */
    assert_string_equal(pv.pos_to, p->pos_to);
    assert_string_equal(pv.dataset_date, p->dataset_date);
    assert_int_equal(pv.synthetic, 0);
    assert_null(ep_positions_peek(&env.positions, store));
    ep_positions_release(p);

    assert_int_equal(ep_positions_mep_known(&env.positions, store, MEP, &err), 1);
    assert_int_equal(ep_positions_mep_known(&env.positions, store, 1, &err), 0);
}

static void test_patterns_mep(void **st)
{
    (void)st;
    struct ep_win *win;
    struct ep_patterns_window w;
    window(NULL, &win, &w);
    struct ep_patterns r;
    struct ep_error err = {0};
    struct ep_patterns_params pp = {
        .kind = EP_PATTERNS_MEP, .mep_id = MEP, .include_votes = 1, .limit = 5};
    assert_int_equal(ep_patterns_compute(&w, &pp, &r, &err), 0);
    const struct ep_patterns_mep *m = &r.mep;
    assert_true(m->named);
    assert_string_equal(m->country, "LUX");
    assert_true(m->in_window);
    assert_string_equal(r.grp_code[m->last_group], "RENEW");
    assert_int_equal(r.span.votes, 266);
    assert_int_equal(r.span.sittings, 7);
    int elig = (int)sqlv("SELECT COUNT(*) FROM member_vote WHERE member_id = %d", MEP);
    int cast = (int)sqlv("SELECT SUM(pos IN (1, 2, 3)) FROM member_vote WHERE member_id = %d", MEP);
    assert_int_equal(m->eligible, elig);
    assert_int_equal(m->cast, cast);
    assert_int_equal(m->n_for,
                     sqlv("SELECT SUM(pos = 1) FROM member_vote WHERE member_id = %d", MEP));
    assert_int_equal(m->n_abst,
                     sqlv("SELECT SUM(pos = 3) FROM member_vote WHERE member_id = %d", MEP));
    assert_int_equal(m->n_dnv, elig - cast);
    assert_true(m->participation.ok);
    assert_true(fabs(m->participation.value - (double)cast / elig) < 1e-12);
    int match = (int)sqlv(GROUP_POS_CTE "SELECT SUM(mv.pos = gp.p) FROM member_vote mv JOIN gp "
                                        "USING (vote_id, group_code) WHERE mv.member_id = %d AND "
                                        "mv.pos IN (1, 2, 3) AND gp.p > 0",
                          MEP);
    int den = (int)sqlv(GROUP_POS_CTE "SELECT COUNT(*) FROM member_vote mv JOIN gp USING "
                                      "(vote_id, group_code) WHERE mv.member_id = %d AND mv.pos "
                                      "IN (1, 2, 3) AND gp.p > 0",
                        MEP);
    assert_true(m->loyalty.ok);
    assert_int_equal(m->loyalty_matching, match);
    assert_int_equal(m->loyalty_counted, den);
    assert_int_equal(m->defections, den - match);
    /* agreement with EPP: the MEP's cast votes where EPP had a non-tie position */
    for (int k = 0; k < m->n_agree; k++) {
        if (strcmp(r.grp_code[m->agree[k].group], "EPP") != 0)
            continue;
        int c = (int)sqlv(GROUP_POS_CTE "SELECT COUNT(*) FROM member_vote mv JOIN gp ON "
                                        "gp.vote_id = mv.vote_id AND gp.group_code = 'EPP' WHERE "
                                        "mv.member_id = %d AND mv.pos IN (1, 2, 3) AND gp.p > 0",
                          MEP);
        int a = (int)sqlv(GROUP_POS_CTE "SELECT SUM(mv.pos = gp.p) FROM member_vote mv JOIN gp "
                                        "ON gp.vote_id = mv.vote_id AND gp.group_code = 'EPP' "
                                        "WHERE mv.member_id = %d AND mv.pos IN (1, 2, 3) AND "
                                        "gp.p > 0",
                          MEP);
        assert_int_equal(m->agree[k].counted, c);
        assert_int_equal(m->agree[k].agree, a);
    }
    /* the listed votes: at most the limit, the totals are the counts */
    assert_int_equal(m->defection_votes.total, m->defections);
    assert_int_equal(m->defection_votes.n, m->defections < 5 ? m->defections : 5);
    assert_int_equal(m->abstention_votes.total, m->n_abst);
    assert_int_equal(m->missed_votes.total, m->n_dnv);
    for (int k = 0; k < m->defection_votes.n; k++) {
        const struct ep_patterns_vote *dv = &m->defection_votes.items[k];
        assert_true(dv->with_mep);
        assert_int_not_equal(dv->mep_position, dv->group_position);
        assert_non_null(dv->title);
    }
    ep_patterns_free(&r);

    /* an MEP no source names, and one outside the window */
    pp.mep_id = 1;
    assert_int_equal(ep_patterns_compute(&w, &pp, &r, &err), EP_ENOTFOUND);
    assert_non_null(strstr(err.msg, "no MEP with id 1"));
}

static void test_patterns_group(void **st)
{
    (void)st;
    struct ep_win *win;
    struct ep_patterns_window w;
    window(NULL, &win, &w);
    struct ep_patterns r;
    struct ep_error err = {0};
    struct ep_patterns_params pp = {
        .kind = EP_PATTERNS_GROUP, .group = "EPP", .include_votes = 1, .limit = 10};
    assert_int_equal(ep_patterns_compute(&w, &pp, &r, &err), 0);
    const struct ep_patterns_group *g = &r.group;
    assert_true(g->in_window);
    assert_int_equal(g->members, sqlv("SELECT COUNT(DISTINCT member_id) FROM member_vote WHERE "
                                      "group_code = 'EPP'"));
    double ai = sqlv(GROUP_POS_CTE "SELECT AVG((MAX(y, n, a) - 0.5 * (y + n + a - MAX(y, n, a))) "
                                   "/ (y + n + a)) FROM c WHERE group_code = 'EPP' AND y + n + a "
                                   "> 0");
    assert_true(g->cohesion.ai_ok);
    assert_true(fabs(g->cohesion.ai_mean - ai) < 1e-9);
    assert_int_equal(g->part_cast, sqlv(GROUP_POS_CTE "SELECT SUM(y + n + a) FROM c WHERE "
                                                      "group_code = 'EPP'"));
    assert_int_equal(g->part_possible, sqlv(GROUP_POS_CTE "SELECT SUM(y + n + a + d) FROM c "
                                                          "WHERE group_code = 'EPP'"));
    assert_int_equal(g->abstentions, sqlv(GROUP_POS_CTE "SELECT SUM(a) FROM c WHERE group_code "
                                                        "= 'EPP'"));
    assert_int_equal(g->n_agree, r.n_grp - 1);
    /* rebels: ranked by rate, the first one's figures from SQL */
    assert_true(g->rebels_ok);
    assert_int_equal(g->n_rebels, g->ranked < 10 ? g->ranked : 10);
    for (int k = 1; k < g->n_rebels; k++)
        assert_true(g->rebels[k - 1].rate >= g->rebels[k].rate);
    const struct ep_patterns_rebel *top = &g->rebels[0];
    int counted = (int)sqlv(GROUP_POS_CTE "SELECT COUNT(*) FROM member_vote mv JOIN gp USING "
                                          "(vote_id, group_code) WHERE mv.member_id = %lld AND "
                                          "mv.group_code = 'EPP' AND mv.pos IN (1, 2, 3) AND "
                                          "gp.p > 0",
                            (long long)top->mep_id);
    int def = (int)sqlv(GROUP_POS_CTE "SELECT SUM(mv.pos != gp.p) FROM member_vote mv JOIN gp "
                                      "USING (vote_id, group_code) WHERE mv.member_id = %lld AND "
                                      "mv.group_code = 'EPP' AND mv.pos IN (1, 2, 3) AND gp.p > 0",
                        (long long)top->mep_id);
    assert_int_equal(top->counted, counted);
    assert_int_equal(top->defections, def);
    assert_true(top->name[0]);
    /* least cohesive votes first */
    assert_true(g->votes.n > 0);
    for (int k = 1; k < g->votes.n; k++)
        assert_true(g->votes.items[k - 1].vg.ai <= g->votes.items[k].vg.ai);
    ep_patterns_free(&r);

    /* a group without members in the window: unavailable with the reason, never 0 */
    pp.group = "NOPE";
    assert_int_equal(ep_patterns_compute(&w, &pp, &r, &err), 0);
    assert_false(r.group.in_window);
    assert_false(r.group.participation.ok);
    assert_string_equal(r.group.participation.reason,
                        "group NOPE had no members on the window's votes");
    assert_false(r.group.rebels_ok);
    ep_patterns_free(&r);
}

static void test_empty_window(void **st)
{
    (void)st;
    static const struct ep_matrix empty;
    struct ep_patterns_window w = {
        .store = store, .positions = &env.positions, .m = &empty, .why = "nothing there"};
    struct ep_patterns r;
    struct ep_error err = {0};
    struct ep_patterns_params pp = {.kind = EP_PATTERNS_MEP, .mep_id = MEP, .limit = 5};
    assert_int_equal(ep_patterns_compute(&w, &pp, &r, &err), 0);
    assert_false(r.mep.in_window);
    assert_false(r.mep.participation.ok);
    assert_false(r.mep.loyalty.ok);
    assert_string_equal(r.mep.loyalty.reason, "nothing there");
    assert_int_equal(r.mep.n_agree, 0);
    assert_int_equal(r.span.votes, 0);
    assert_string_equal(r.span.from, "");
    ep_patterns_free(&r);
}

static void test_reports(void **st)
{
    (void)st;
    struct ep_win *win;
    struct ep_patterns_window w;
    struct ep_error err = {0};
    struct ep_positions_prov pv;
    assert_int_equal(ep_positions_provenance(&env.positions, store, &pv, &err), 0);
    struct ep_buf md;
    ep_buf_init(&md, 0);

    window(NULL, &win, &w);
    struct ep_mep_report mr;
    assert_int_equal(ep_mep_report_compute(&w, MEP, &mr, &err), 0);
    assert_true(mr.memberships_ok);
    assert_int_equal((double)mr.n_memberships,
                     sqlv("SELECT COUNT(*) FROM membership WHERE member_id = %d", MEP));
    assert_int_equal(mr.patterns.limit, EP_MEP_REPORT_LIMIT);
    assert_int_equal(ep_report_md_mep(&mr, &pv, &md), 0);
    char line[256];
    snprintf(line, sizeof line, "| Participation | %.1f %% | %d cast of %d eligible votes",
             100.0 * mr.patterns.mep.cast / mr.patterns.mep.eligible, mr.patterns.mep.cast,
             mr.patterns.mep.eligible);
    assert_non_null(strstr(md.data, line));
    assert_non_null(strstr(md.data, "- EP id: 840\n- Country: LUX\n"));
    assert_non_null(strstr(md.data, "## Group membership history"));
    assert_non_null(strstr(md.data, "Dataset date: 2025-09-11.\n"));
    ep_mep_report_free(&mr);

    ep_buf_reset(&md);
    struct ep_group_report gr;
    assert_int_equal(ep_group_report_compute(&w, "EPP", &gr, &err), 0);
    assert_int_equal(ep_report_md_group(&gr, &pv, &md), 0);
    snprintf(line, sizeof line, "| Agreement Index (mean) | %.3f | %d votes |",
             gr.patterns.group.cohesion.ai_mean, gr.patterns.group.cohesion.n_vote_cast);
    assert_non_null(strstr(md.data, line));
    assert_non_null(strstr(md.data, "## Least cohesive votes"));
    assert_true(gr.patterns.group.n_rebels <= EP_GROUP_REPORT_LIMIT);
    ep_group_report_free(&gr);

    /* a sitting with positions */
    window(SITTING, &win, &w);
    struct ep_sitting_report sr;
    assert_int_equal(ep_sitting_report_compute(&w, SITTING, &sr, &err), 0);
    int total = (int)sqlv("SELECT COUNT(*) FROM vote WHERE sitting_date = '%s'", SITTING);
    assert_int_equal(sr.counts.total, total);
    assert_true(sr.has_positions);
    assert_int_equal(sr.present, sqlv("SELECT COUNT(DISTINCT mv.member_id) FROM member_vote mv "
                                      "JOIN vote v ON v.id = mv.vote_id WHERE v.sitting_date = "
                                      "'%s' AND mv.pos IN (1, 2, 3)",
                                      SITTING));
    assert_int_equal(sr.mandate, sqlv("SELECT COUNT(DISTINCT mv.member_id) FROM member_vote mv "
                                      "JOIN vote v ON v.id = mv.vote_id WHERE v.sitting_date = "
                                      "'%s'",
                                      SITTING));
    assert_true(sr.attendance_ok);
    assert_int_equal(sr.n_votes, total < EP_SITTING_REPORT_LIMIT ? total : EP_SITTING_REPORT_LIMIT);
    for (int k = 1; k < sr.n_votes; k++) /* main votes first */
        assert_true(sr.votes[k - 1].row.main == 1 || sr.votes[k].row.main != 1);
    ep_buf_reset(&md);
    assert_int_equal(ep_report_md_sitting(&sr, &pv, &md), 0);
    snprintf(line, sizeof line, "- Attendance: %d of %d MEPs cast at least one vote\n", sr.present,
             sr.mandate);
    assert_non_null(strstr(md.data, line));
    ep_sitting_report_free(&sr);

    /* a sitting without positions (official counts only) and a date without votes */
    static const struct ep_matrix empty;
    struct ep_patterns_window none = {.store = store, .positions = &env.positions, .m = &empty};
    assert_int_equal(ep_sitting_report_compute(&none, "2024-07-18", &sr, &err), 0);
    assert_false(sr.has_positions);
    assert_false(sr.attendance_ok);
    assert_non_null(strstr(sr.why, "no per-MEP positions stored for 2024-07-18"));
    assert_int_equal(sr.counts.with_positions, 0);
    ep_sitting_report_free(&sr);
    assert_int_equal(ep_sitting_report_compute(&none, "2001-01-01", &sr, &err), EP_ENOTFOUND);
    ep_buf_free(&md);
}

static void test_mep_profile(void **st)
{
    (void)st;
    struct ep_error err = {0};
    struct ep_mep_profile r;
    struct ep_mep_profile_params pp = {.id = MEP, .from = "2024-02-01", .to = "2024-03-31"};
    assert_int_equal(ep_mep_profile_compute(&env.positions, store, &pp, &r, &err), 0);
    assert_true(r.row.in_members);
    assert_false(r.show_from_votes);
    assert_string_equal(r.row.country, "LUX");
    assert_int_equal((double)r.n_memberships,
                     sqlv("SELECT COUNT(*) FROM membership WHERE member_id = %d", MEP));
    const char *range = "v.sitting_date BETWEEN '2024-02-01' AND '2024-03-31'";
    assert_int_equal(r.votes, sqlv("SELECT COUNT(*) FROM vote v WHERE v.pos_unit_id IS NOT NULL "
                                   "AND %s",
                                   range));
    assert_int_equal(r.eligible, sqlv("SELECT COUNT(*) FROM member_vote mv JOIN vote v ON v.id = "
                                      "mv.vote_id WHERE mv.member_id = %d AND %s",
                                      MEP, range));
    assert_int_equal(r.cast, sqlv("SELECT COUNT(*) FROM member_vote mv JOIN vote v ON v.id = "
                                  "mv.vote_id WHERE mv.member_id = %d AND mv.pos IN (1, 2, 3) "
                                  "AND %s",
                                  MEP, range));
    assert_true(r.participation.ok);
    assert_true(fabs(r.participation.value - (double)r.cast / r.eligible) < 1e-12);
    assert_true(r.loyalty.ok);
    assert_int_equal(r.matching + r.defections, r.loyalty_votes);
    assert_int_equal(r.n_defection_ids, r.defections < EP_MEP_PROFILE_MAX_DEFECTIONS
                                            ? r.defections
                                            : EP_MEP_PROFILE_MAX_DEFECTIONS);
    assert_true(strcmp(r.from, "2024-02-01") >= 0 && strcmp(r.to, "2024-03-31") <= 0);
    ep_mep_profile_free(&r);

    /* a range without positions: unavailable, with the dates that have them */
    pp.from = "2010-01-01";
    pp.to = "2010-12-31";
    assert_int_equal(ep_mep_profile_compute(&env.positions, store, &pp, &r, &err), 0);
    assert_int_equal(r.votes, 0);
    assert_false(r.participation.ok);
    assert_string_equal(r.participation.reason,
                        "no votes with per-MEP positions in the requested window; the store has "
                        "them from 2024-01-15 to 2024-04-23");
    assert_string_equal(r.from, "");
    ep_mep_profile_free(&r);
    pp.id = 1;
    assert_int_equal(ep_mep_profile_compute(&env.positions, store, &pp, &r, &err), EP_ENOTFOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_query),        cmocka_unit_test(test_positions),
        cmocka_unit_test(test_patterns_mep), cmocka_unit_test(test_patterns_group),
        cmocka_unit_test(test_empty_window), cmocka_unit_test(test_reports),
        cmocka_unit_test(test_mep_profile),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
