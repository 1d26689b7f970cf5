/* analysis/: the environment's window cache and the five intelligence products (influence,
 * coalition, network, anomalies, risk) called directly, without tools/ or JSON, on the bundled
 * real data. Expectations are computed independently here: in SQL over the position and
 * member_vote tables, or by brute force over the product's own inputs (percentiles, ranks). */
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_anomalies.h"
#include "ep_coalition.h"
#include "ep_env.h"
#include "ep_influence.h"
#include "ep_network.h"
#include "ep_risk.h"
#include "ep_run.h"
#include "ep_store.h"
#include "ep_store_db.h"
#include "ep_testutil.h"
#include "ep_util.h"

static struct ep_store *S;
static struct ep_env Env;
static char *Dir;

static int setup(void **state)
{
    (void)state;
    return ep_test_store_open("analysis.db", &Dir, &S, &Env, NULL, NULL);
}

static int teardown(void **state)
{
    (void)state;
    ep_test_store_close(Dir, S, &Env);
    return 0;
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

/* The default window (every vote with positions). */
static struct ep_win *default_window(void)
{
    struct ep_window w = {0};
    struct ep_win *win = NULL;
    struct ep_error err = {0};
    int rc = ep_env_window(&Env, &w, &win, &err);
    if (rc)
        fprintf(stderr, "window: %s\n", err.msg);
    assert_int_equal(rc, 0);
    assert_non_null(win);
    return win;
}

static void run_init(struct ep_run *r, const char *tool)
{
    memset(r, 0, sizeof *r);
    r->tool = tool;
    r->n = 8;
}

static int group_index(const struct ep_matrix *m, const char *code)
{
    for (int g = 0; g < m->n_grp; g++)
        if (strcmp(m->grp_code[g], code) == 0)
            return g;
    fail_msg("group %s not in the window", code);
    return -1;
}

/* ---- the window cache ----------------------------------------------------------------------- */

static void test_window_cache(void **state)
{
    (void)state;
    struct ep_win *w = default_window();
    assert_int_equal(w->m->n_vote, sql_int("SELECT COUNT(DISTINCT vote_id) FROM position"));
    assert_int_equal(w->m->n_vote, 266);
    assert_int_equal(w->n_active, sql_int("SELECT COUNT(DISTINCT member_id) FROM position "
                                          "WHERE pos IN (1, 2, 3)"));
    assert_int_equal(w->n_sittings, 7);
    /* the same window is the same entry; the matrix finds its entry */
    assert_ptr_equal(default_window(), w);
    assert_ptr_equal(ep_wincache_find(&Env.windows, w->m), w);
    /* three more windows, each cut out of the default (whole store) window, which each cut
     * uses and so keeps: the third one takes the slot of the least recently used, the first
     * dated window; the default window is still cached */
    static const char *const from[] = {"2024-01-16", "2024-02-01", "2024-03-01"};
    struct ep_win *x[3], *again = NULL;
    ep_env_clear(&Env);
    w = default_window();
    for (int k = 0; k < 3; k++) {
        struct ep_window win = {.from = from[k]};
        struct ep_error err = {0};
        assert_int_equal(ep_env_window(&Env, &win, &x[k], &err), 0);
        assert_true(x[k]->m->n_vote < 266 && x[k]->m->n_vote > 0);
    }
    assert_ptr_equal(x[2], x[0]); /* the first dated window's slot, reused */
    assert_true(x[1] != x[2] && x[1] != w && x[2] != w);
    struct ep_win *d = default_window();
    assert_ptr_equal(d, w); /* still cached */
    assert_int_equal(d->m->n_vote, 266);
    struct ep_window w2 = {.from = from[2]};
    assert_int_equal(ep_env_window(&Env, &w2, &again, NULL), 0);
    assert_ptr_equal(again, x[2]); /* still cached */
    assert_true(again->m->n_vote < 266);
    /* a window without votes: EP_EUNAVAIL; no store: EP_EINVAL */
    struct ep_window none = {.from = "2030-01-01"};
    struct ep_error err = {0};
    assert_int_equal(ep_env_window(&Env, &w2, &again, NULL), 0);
    assert_int_equal(ep_env_window(&Env, &none, &again, &err), EP_EUNAVAIL);
    struct ep_env empty;
    assert_int_equal(ep_env_init(&empty, NULL, NULL), 0);
    assert_int_equal(ep_env_window(&empty, &none, &again, &err), EP_EINVAL);
    ep_env_close(&empty);
    ep_env_clear(&Env);
    assert_null(ep_wincache_find(&Env.windows, x[2]->m));
}

/* ---- runs: cancellation, deadline, progress --------------------------------------------------- */

static int Progress;
static void on_progress(void *p, double done, double total, const char *msg)
{
    (void)p;
    (void)msg;
    assert_true(done >= 0 && done <= total);
    Progress++;
}

static void test_run(void **state)
{
    (void)state;
    struct ep_run r;
    struct ep_error err = {0};
    run_init(&r, "x");
    volatile int stop = 1;
    r.cancelled = &stop;
    assert_int_equal(ep_run_stage(&r, "a", &err), EP_ECANCELED);
    assert_non_null(strstr(err.msg, "cancelled before stage \"a\""));
    run_init(&r, "x");
    r.deadline = ep_now() - 1;
    assert_int_equal(ep_run_stage(&r, "b", &err), EP_EUNAVAIL);
    assert_non_null(strstr(err.msg, "deadline"));
    run_init(&r, "x");
    r.progress = on_progress;
    Progress = 0;
    assert_int_equal(ep_run_stage(&r, "c", &err), 0);
    assert_int_equal(Progress, 1);
    assert_int_equal(r.k, 1);
    for (int k = 0; k < EP_RUN_MAX_SHORT + 5; k++)
        ep_run_too_short(&r, "votes", 1, 10, "m%d", k);
    assert_int_equal(r.n_short, EP_RUN_MAX_SHORT);
    assert_string_equal(r.shortm[3].measure, "m3");
}

/* ---- influence -------------------------------------------------------------------------------- */

static void test_influence(void **state)
{
    (void)state;
    struct ep_win *w = default_window();
    long long id = sql_int("SELECT member_id FROM position GROUP BY member_id ORDER BY COUNT(*) "
                           "DESC, member_id LIMIT 1");
    struct ep_influence_params p = {ep_matrix_mep_index(w->m, id)};
    assert_true(p.mep >= 0);
    struct ep_run r;
    run_init(&r, "assess_mep_influence");
    struct ep_influence o;
    struct ep_error err = {0};
    assert_int_equal(ep_influence_compute(w, &p, &r, &o, &err), 0);
    assert_int_equal(o.n, 707);
    assert_int_equal(r.k, 6); /* its six stages */
    /* effective weights sum to 1, composite = sum w * percentile */
    double ws = 0, comp = 0;
    for (int d = 0; d < EP_INFL_NDIM; d++)
        if (o.dim[d].available) {
            ws += o.dim[d].weight;
            comp += o.dim[d].weight * o.dim[d].percentile;
        }
    assert_true(fabs(ws - 1) < 1e-12);
    assert_true(fabs(comp - o.composite) < 1e-9);
    /* roles never available, with the reason */
    assert_false(o.dim[EP_INFL_ROLES].available);
    assert_string_equal(o.dim[EP_INFL_ROLES].reason, EP_ROLES_REASON);
    assert_int_equal(o.n_dropped, 1);
    /* percentile of every dimension by brute force over the window's nodes */
    int n = w->g.n_node;
    for (int d = 0; d < EP_INFL_NDIM; d++) {
        if (!o.dim[d].available)
            continue;
        double x = w->val[d][o.node];
        int lower = 0, equal = 0, peers = 0;
        for (int k = 0; k < n; k++) {
            if (!w->ok[d][k])
                continue;
            peers++;
            lower += w->val[d][k] < x;
            equal += w->val[d][k] == x;
        }
        assert_int_equal(o.dim[d].peers, peers);
        assert_true(fabs(o.dim[d].percentile - 100.0 * (lower + 0.5 * equal) / peers) < 1e-9);
    }
    /* rank = 1 + MEPs with a strictly higher composite */
    int higher = 0;
    for (int k = 0; k < n; k++)
        higher += w->composite[k] > o.composite;
    assert_int_equal(o.rank, 1 + higher);
    /* pivotal examples are votes the MEP cast */
    for (int k = 0; k < o.n_example; k++) {
        char q[200];
        snprintf(q, sizeof q,
                 "SELECT COUNT(*) FROM position WHERE member_id = %lld AND vote_id = %lld AND "
                 "pos IN (1, 2)",
                 id, (long long)o.example_vote[k]);
        assert_int_equal(sql_int(q), 1);
    }
    assert_true(o.group_pivotal >= w->mep_piv[p.mep]);
    ep_influence_free(&o);
    /* an MEP without a cast vote in a one-sitting window: EP_EUNAVAIL naming them */
}

/* ---- coalition -------------------------------------------------------------------------------- */

static void test_coalition(void **state)
{
    (void)state;
    struct ep_win *w = default_window();
    struct ep_coalition_params p;
    memset(p.sel, 1, sizeof p.sel);
    struct ep_run r;
    run_init(&r, "analyze_coalition_dynamics");
    struct ep_coalition o;
    struct ep_error err = {0};
    assert_int_equal(ep_coalition_compute(w, &p, &r, &o, &err), 0);
    assert_int_equal(o.n_group, 8);
    assert_int_equal(o.n_pair, 28);
    assert_int_equal(r.n_short, 0);
    /* EPP-SD agreement from SQL over member_vote with the tie rule of docs/methodology.md */
    const char *with = "WITH c AS (SELECT vote_id, group_code g, SUM(pos=1) y, SUM(pos=2) n, "
                       "SUM(pos=3) a FROM member_vote WHERE pos IN (1,2,3) GROUP BY vote_id, "
                       "group_code), p AS (SELECT vote_id, g, CASE WHEN y>n AND y>a THEN 1 WHEN "
                       "n>y AND n>a THEN 2 WHEN a>y AND a>n THEN 3 ELSE 4 END pos FROM c) ";
    char q[2048];
    snprintf(q, sizeof q,
             "%sSELECT SUM(e.pos = s.pos), COUNT(*) FROM p e JOIN p s ON e.vote_id = s.vote_id "
             "WHERE e.g='EPP' AND s.g='SD' AND e.pos < 4 AND s.pos < 4",
             with);
    long long agree = sql_int(q);
    snprintf(q, sizeof q,
             "%sSELECT COUNT(*) FROM p e JOIN p s ON e.vote_id = s.vote_id WHERE e.g='EPP' AND "
             "s.g='SD' AND e.pos < 4 AND s.pos < 4",
             with);
    long long common = sql_int(q);
    int epp = group_index(w->m, "EPP"), sd = group_index(w->m, "SD"), found = 0;
    for (int k = 0; k < o.n_pair; k++) {
        const struct ep_coalition_pair *x = &o.pair[k];
        if ((x->a == epp && x->b == sd) || (x->a == sd && x->b == epp)) {
            found = 1;
            assert_int_equal(x->common, common);
            assert_int_equal(x->agree, agree);
            assert_true(fabs(x->share - (double)agree / (double)common) < 1e-12);
        }
    }
    assert_true(found);
    /* alliances: pairs with >= 10 common votes by agreement, descending */
    assert_true(o.n_rel > 0 && o.n_rel <= o.n_pair);
    for (int k = 1; k < o.n_rel; k++)
        assert_true(o.rel[k - 1].share >= o.rel[k].share);
    /* stability = clamp(1 - 2 * mean volatility) over the pairs with a volatility */
    double s = 0;
    int c = 0;
    for (int k = 0; k < o.n_pair; k++)
        if (o.pair[k].vol_ok) {
            s += o.pair[k].vol;
            c++;
        }
    assert_true(o.stab_ok);
    assert_int_equal(o.stab_pairs, c);
    assert_true(fabs(o.stability - (1 - 2 * s / c)) < 1e-12);
    assert_true(o.parl_ok && o.parl_units == 266);
    assert_int_equal(o.parl_coders,
                     sql_int("SELECT COUNT(DISTINCT member_id) FROM position WHERE pos IN "
                             "(1, 2, 3)"));
    ep_coalition_free(&o);
    /* a subset: 3 groups, 3 pairs */
    memset(p.sel, 0, sizeof p.sel);
    p.sel[epp] = p.sel[sd] = p.sel[group_index(w->m, "RENEW")] = 1;
    run_init(&r, "analyze_coalition_dynamics");
    assert_int_equal(ep_coalition_compute(w, &p, &r, &o, &err), 0);
    assert_int_equal(o.n_group, 3);
    assert_int_equal(o.n_pair, 3);
    ep_coalition_free(&o);
}

/* One sitting: the measures that need several sittings are unavailable and listed as too
 * short, in the order the result prints them. */
static void test_short_window(void **state)
{
    (void)state;
    char day[11];
    struct ep_win *w = default_window();
    ep_date_format(w->m->vote_day[0], day);
    const char *sit[] = {day, NULL};
    struct ep_window one = {.sittings = sit};
    struct ep_win *w1 = NULL;
    struct ep_error err = {0};
    assert_int_equal(ep_env_window(&Env, &one, &w1, &err), 0);
    assert_int_equal(w1->n_sittings, 1);
    struct ep_coalition_params p;
    memset(p.sel, 1, sizeof p.sel);
    struct ep_run r;
    run_init(&r, "analyze_coalition_dynamics");
    struct ep_coalition o;
    assert_int_equal(ep_coalition_compute(w1, &p, &r, &o, &err), 0);
    assert_false(o.stab_ok);
    /* the first sitting (2024-01-15) has 7 votes: alpha is defined (>= 2 units), alliances
     * and factions need 10 common votes, slope and stability 2 sittings */
    assert_int_equal(w1->m->n_vote, 7);
    static const char *const expect[] = {"groups[].trend.ai_slope_per_sitting", "alliances",
                                         "stability", "factions"};
    assert_int_equal(r.n_short, 4);
    for (int k = 0; k < 4; k++)
        assert_string_equal(r.shortm[k].measure, expect[k]);
    assert_true(o.alliances_short && !o.factions_ok);
    ep_coalition_free(&o);
    struct ep_risk rk;
    run_init(&r, "generate_political_risk_assessment");
    assert_int_equal(ep_risk_compute(w1, &r, &rk, &err), 0);
    assert_false(rk.dim[EP_RISK_COH].available);
    assert_int_equal(rk.dim[EP_RISK_COH].min_sittings, 2);
    assert_false(rk.dim[EP_RISK_DEF].available);
    assert_string_equal(r.shortm[0].measure, "declining_cohesion");
    ep_risk_free(&rk);
}

/* ---- network ---------------------------------------------------------------------------------- */

static void test_network(void **state)
{
    (void)state;
    struct ep_win *w = default_window();
    struct ep_network_params p = {10, EP_GRAPH_LOUVAIN, 5};
    struct ep_run r;
    run_init(&r, "map_political_network");
    struct ep_network o;
    struct ep_error err = {0};
    assert_int_equal(ep_network_compute(w, &p, &r, &o, &err), 0);
    const struct ep_graph *g = &w->g;
    assert_int_equal(g->n_node, 707);
    assert_true(o.weighted);
    /* every node in one community and one modal-group count */
    int sum = 0;
    for (int c = 0; c < o.n_comm; c++)
        sum += o.comm[c].size;
    assert_int_equal(sum, g->n_node);
    sum = 0;
    for (int k = 0; k < o.n_modal; k++) {
        sum += o.modal[k].nodes;
        if (k > 0)
            assert_true(o.modal[k - 1].nodes >= o.modal[k].nodes);
    }
    assert_int_equal(sum, g->n_node);
    /* the top lists: 5 each, descending, the best eigenvector centrality is 1 */
    for (int c = 0; c < EP_CENT_N; c++) {
        assert_int_equal(o.n_top[c], 5);
        for (int k = 1; k < o.n_top[c]; k++)
            assert_true(o.top[c][k - 1].value >= o.top[c][k].value);
    }
    assert_true(o.top[EP_CENT_EIGEN][0].value == 1.0);
    /* group bridges: every cross-group edge counted once */
    long long cross = 0, bridged = 0;
    for (igraph_integer_t e = 0; e < igraph_ecount(&g->g); e++) {
        int a = g->node[IGRAPH_FROM(&g->g, e)].grp, b = g->node[IGRAPH_TO(&g->g, e)].grp;
        cross += a != b && a < w->m->n_grp && b < w->m->n_grp;
    }
    for (int k = 0; k < o.n_bridge; k++) {
        bridged += o.bridge[k].edges;
        assert_true(o.bridge[k].a < o.bridge[k].b);
        assert_true(o.bridge[k].mean_weight >= 0 && o.bridge[k].mean_weight <= 1);
    }
    assert_int_equal(bridged, cross);
    ep_network_free(&o);
}

/* ---- anomalies -------------------------------------------------------------------------------- */

static void test_anomalies(void **state)
{
    (void)state;
    struct ep_win *w = default_window();
    struct ep_anomalies_params p;
    memset(&p, 0, sizeof p);
    p.scope = EP_ANOM_GROUP;
    p.mep = -1;
    p.grp = group_index(w->m, "EPP");
    ep_stats_outlier_params_default(&p.op);
    p.op.min_obs = 3;
    struct ep_run r;
    run_init(&r, "detect_voting_anomalies");
    struct ep_anomalies o;
    struct ep_error err = {0};
    assert_int_equal(ep_anomalies_compute(w, &p, &r, &o, &err), 0);
    assert_int_equal(o.n_series, 4); /* the four group measures */
    for (int k = 0; k < o.n_series; k++)
        assert_int_equal(o.series[k].meas, k);
    ep_anomalies_free(&o);
    /* the Parliament with the MEP scan: alerts ordered by |z| */
    p.scope = EP_ANOM_PARLIAMENT;
    run_init(&r, "detect_voting_anomalies");
    assert_int_equal(ep_anomalies_compute(w, &p, &r, &o, &err), 0);
    assert_true(o.scanned);
    assert_int_equal(o.scan_checked, w->n_active);
    for (int k = 1; k < o.n_alert; k++)
        assert_true(fabs(o.alert[k - 1].z) >= fabs(o.alert[k].z) - 1e-6);
    for (int k = 0; k < o.n_alert; k++) {
        assert_true(fabs(o.alert[k].z) > o.op.threshold);
        assert_true(o.alert[k].n_votes <= EP_ANOM_MAX_VOTES);
    }
    ep_anomalies_free(&o);
}

/* ---- risk ------------------------------------------------------------------------------------- */

static void test_risk(void **state)
{
    (void)state;
    struct ep_win *w = default_window();
    struct ep_run r;
    run_init(&r, "generate_political_risk_assessment");
    struct ep_risk o;
    struct ep_error err = {0};
    assert_int_equal(ep_risk_compute(w, &r, &o, &err), 0);
    /* close votes in SQL: |FOR - AGAINST| under 5 % of FOR + AGAINST + ABSTENTION */
    long long close =
        sql_int("SELECT COUNT(*) FROM (SELECT SUM(pos=1) f, SUM(pos=2) a, SUM(pos=3) b FROM "
                "position GROUP BY vote_id) WHERE f + a + b > 0 AND ABS(f - a) < 0.05 * (f + a + "
                "b)");
    assert_int_equal(o.close_votes, close);
    assert_int_equal(o.close_withcast, 266);
    assert_true(o.dim[EP_RISK_CLOSE].available);
    assert_true(fabs(o.dim[EP_RISK_CLOSE].value - fmin(1, close / 266.0 / 0.20)) < 1e-12);
    /* composite = weighted mean over the available dimensions; level by the thresholds */
    double s = 0, ws = 0;
    for (int d = 0; d < EP_RISK_NDIM; d++)
        if (o.dim[d].available) {
            s += ep_risk_dim_weight[d] * o.dim[d].value;
            ws += ep_risk_dim_weight[d];
        }
    assert_true(fabs(o.composite - s / ws) < 1e-12);
    const char *lvl = o.composite >= 0.75   ? "CRITICAL"
                      : o.composite >= 0.5  ? "HIGH"
                      : o.composite >= 0.25 ? "MODERATE"
                                            : "LOW";
    assert_string_equal(ep_risk_level(o.composite), lvl);
    /* the two largest groups by seats are not swing groups */
    assert_true(o.big[0] >= 0 && o.big[1] >= 0);
    assert_true(w->frag.seats[o.big[0]] >= w->frag.seats[o.big[1]]);
    for (int g = 0; g < w->m->n_grp; g++)
        if (g != o.big[0] && g != o.big[1])
            assert_true(w->frag.seats[g] <= w->frag.seats[o.big[1]]);
    ep_risk_free(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run),         cmocka_unit_test(test_influence),
        cmocka_unit_test(test_coalition),   cmocka_unit_test(test_network),
        cmocka_unit_test(test_anomalies),   cmocka_unit_test(test_risk),
        cmocka_unit_test(test_short_window), cmocka_unit_test(test_window_cache),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
