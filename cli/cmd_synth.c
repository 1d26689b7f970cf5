/* epintel synth: a synthetic full-term dataset for benchmarks, calibrated from the real data. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ep_store_query.h"
#include "ep_synth.h"
#include "ep_util.h"

static void synth_usage(FILE *f)
{
    fprintf(
        f,
        "usage: epintel --db OUT.db synth [--meps N] [--votes M] [--seed S]\n"
        "                                  [--real-db PATH | --defaults]\n\n"
        "Write a SYNTHETIC full-term dataset (members, groups, memberships, sittings, votes,\n"
        "cast positions, and each vote's OEIL subjects and responsible committee, so that the\n"
        "topic filters subject and committee have votes) into the store OUT.db, for\n"
        "benchmarks. It is calibrated from the real data: group sizes, participation and\n"
        "loyalty per group, abstention and consensus shares are measured on the real store\n"
        "(--real-db, default: the default store, filled from the bundled dataset), or taken\n"
        "from the figures measured once on the bundled data (--defaults). Everything\n"
        "synthetic is labelled so: member names\n"
        "\"Synthetic MEP ...\", ids from %lld, vote ids from %lld, country XXX, and the store's\n"
        "meta key synthetic = 1, which every tool reports.\n\n"
        "  --meps N    number of MEPs (default 720)\n"
        "  --votes M   number of roll-call votes (default 20000)\n"
        "  --seed S    PRNG seed (default 1); the same seed gives the same data\n\n"
        "OUT.db must be a new or synthetic-only store (real and synthetic data never mix).\n"
        "After the data, the whole store's derived results (matrix snapshot, co-voting graph,\n"
        "baselines, group and MEP figures) are built, so that no first tool call waits.\n",
        (long long)EP_SYNTH_MEMBER_ID0, (long long)EP_SYNTH_VOTE_ID0);
}

static int parse_long(const char *opt, const char *s, long lo, long hi, long *out)
{
    char *end;
    long v = strtol(s ? s : "", &end, 10);
    if (!s || *end || end == s || v < lo || v > hi) {
        fprintf(stderr, "epintel synth: %s needs a whole number from %ld to %ld\n", opt, lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

struct gen {
    const struct ep_synth_params *p;
    int n_mep, n_vote;
    uint64_t seed;
};

static int generate(void *ctx, const struct ep_sink *sink, struct ep_error *err)
{
    struct gen *g = ctx;
    return ep_synth_generate(g->p, g->n_mep, g->n_vote, g->seed, sink, err);
}

int ep_cmd_synth(struct ep_cli *cli, int argc, char **argv)
{
    long meps = 720, votes = 20000, seed = 1;
    const char *real_db = NULL;
    int defaults = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            synth_usage(stdout);
            return EP_EXIT_OK;
        } else if (strcmp(a, "--meps") == 0) {
            if (parse_long(a, v, 2, 5000, &meps))
                return EP_EXIT_USAGE;
            i++;
        } else if (strcmp(a, "--votes") == 0) {
            if (parse_long(a, v, 1, 200000, &votes))
                return EP_EXIT_USAGE;
            i++;
        } else if (strcmp(a, "--seed") == 0) {
            if (parse_long(a, v, 0, LONG_MAX, &seed))
                return EP_EXIT_USAGE;
            i++;
        } else if (strcmp(a, "--real-db") == 0) {
            if (!v) {
                fprintf(stderr, "epintel synth: --real-db needs a path\n");
                synth_usage(stderr);
                return EP_EXIT_USAGE;
            }
            real_db = v;
            i++;
        } else if (strcmp(a, "--defaults") == 0) {
            defaults = 1;
        } else {
            fprintf(stderr, "epintel synth: unknown argument %s\n", a);
            synth_usage(stderr);
            return EP_EXIT_USAGE;
        }
    }
    if (!cli->db_path) {
        fprintf(stderr, "epintel synth: give the output store with --db OUT.db (the default "
                        "store holds the real data)\n");
        return EP_EXIT_USAGE;
    }
    struct ep_synth_params p;
    struct ep_error err = {0};
    if (defaults) {
        ep_synth_default_params(&p);
    } else {
        struct ep_cli rc = *cli;
        rc.db_path = real_db;
        if (real_db && strcmp(real_db, cli->db_path) == 0) {
            fprintf(stderr, "epintel synth: --real-db and --db must differ\n");
            return EP_EXIT_USAGE;
        }
        struct ep_store *real = ep_cli_open_store(&rc, 1);
        if (!real)
            return EP_EXIT_ERROR;
        struct ep_matrix m;
        int r = ep_store_load_matrix(real, NULL, &m, &err);
        if (!r && m.synthetic)
            r = ep_error_set(&err, EP_EINVAL, "the calibration store is synthetic itself");
        if (!r) {
            r = ep_synth_calibrate(&m, &p, &err);
            ep_matrix_free(&m);
        }
        ep_store_close(real);
        if (r) {
            ep_cli_error(&err);
            return ep_cli_exit_code(r);
        }
    }
    struct ep_cli oc = *cli;
    oc.no_default_data = 1;
    struct ep_store *s = ep_cli_open_store(&oc, 0);
    if (!s)
        return EP_EXIT_ERROR;
    long real_units = 0;
    struct ep_error cerr = {0};
    ep_store_count_units_except(s, "synthetic", &real_units, &cerr);
    if (real_units) {
        fprintf(stderr, "epintel synth: %s holds real data; write synthetic data to a new store\n",
                cli->db_path);
        ep_store_close(s);
        return EP_EXIT_USAGE;
    }
    char name[128], key[1024];
    snprintf(name, sizeof name, "synthetic:meps=%ld,votes=%ld,seed=%ld", meps, votes, seed);
    int n = snprintf(key, sizeof key, "%s;groups=%d", name, p.n_grp);
    for (int g = 0; g < p.n_grp && n > 0 && (size_t)n < sizeof key; g++)
        n += snprintf(key + n, sizeof key - (size_t)n, ";%s:%.6f:%.6f:%.6f", p.grp[g].code,
                      p.grp[g].seat_share, p.grp[g].participation_mean, p.grp[g].loyalty_mean);
    struct gen g = {&p, (int)meps, (int)votes, (uint64_t)seed};
    if (!cli->quiet)
        fprintf(stderr, "synth: generating %ld MEPs x %ld votes (seed %ld) into %s ...\n", meps,
                votes, seed, cli->db_path);
    double t0 = ep_now();
    struct ep_ingest_report rep;
    int r = ep_store_ingest_generated(s, name, "synthetic", key, generate, &g, &rep, &err);
    if (!r)
        r = ep_store_set_meta(s, "synthetic", "1", &err);
    if (r) {
        ep_store_close(s);
        ep_cli_error(&err);
        return ep_cli_exit_code(r);
    }
    if (!cli->quiet)
        fprintf(stderr, "synth: %s%ld records in %.1f s (SYNTHETIC data)\n",
                rep.skipped ? "already present, " : "", rep.records, ep_now() - t0);
    ep_cli_precompute(cli, s, "synth", 0); /* no first-call penalty (issue 19) */
    ep_store_close(s);
    return EP_EXIT_OK;
}
