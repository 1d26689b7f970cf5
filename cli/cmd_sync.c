/* epintel sync [--since DATE] [--until DATE] [--only bodies,meps,votes,...] [--parallel N]
 *              [--api-url URL] [--doceo-url URL] [--no-xml] [--audit PATH] [--page-size N]
 * epintel sync --source howtheyvote [--url URL | --from DIR] [--tables LIST] [--audit PATH] */
#include "cmd_sync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_epapi.h"
#include "ep_fetch.h"
#include "ep_htvsync.h"
#include "ep_precompute.h"
#include "ep_store.h"
#include "ep_trace.h"
#include "ep_util.h"

static void sync_usage(FILE *out)
{
    fputs("usage: epintel [--db PATH] sync [--since DATE] [--until DATE]\n"
          "                    [--only LIST] [--parallel N] [--page-size N]\n"
          "                    [--api-url URL] [--doceo-url URL] [--no-xml]\n"
          "                    [--audit PATH] [--rate-limit N]\n"
          "\n"
          "Sync the store from the EP Open Data API v2: committees and groups\n"
          "(corporate-bodies), MEPs with their group memberships (meps, meps/{id}),\n"
          "plenary sittings with their decisions, votes and per-MEP positions\n"
          "(meetings?year=, meetings/{id}/decisions), parliamentary questions with their\n"
          "authors and answers, procedures with their events, documents and adopted\n"
          "texts (which join the search index) and speeches. For each sitting the DOCEO\n"
          "roll-call XML (PV-{term}-{date}-RCV_EN.xml) is fetched first and is the\n"
          "preferred source of per-MEP positions; where the API's voters disagree with\n"
          "stored positions each difference is reported (vote, MEP, both positions, the\n"
          "file), the stored positions are kept, and the sync goes on (exit 3).\n"
          "Each API page is one transaction; progress is checkpointed in the store, so\n"
          "an interrupted sync resumes where it stopped. Without --since, votes resume\n"
          "from the last synced sitting.\n"
          "\n"
          "  --since DATE     sittings from DATE (YYYY-MM-DD)\n"
          "  --until DATE     sittings up to DATE\n"
          "  --only LIST      datasets, comma-separated: bodies, meps, votes, questions,\n"
          "                   procedures, documents, adopted-texts, speeches (default all)\n"
          "  --parallel N     connections in flight (default 8)\n"
          "  --page-size N    offset/limit page size (default 100)\n"
          "  --api-url URL    API base (default $EP_API_URL or\n"
          "                   https://data.europarl.europa.eu/api/v2/)\n"
          "  --doceo-url URL  base serving doceo/document/PV-...-RCV_EN.xml (default\n"
          "                   $EP_DOCEO_URL or https://www.europarl.europa.eu/); the\n"
          "                   files are kept in <db>.doceo/\n"
          "  --no-xml         do not fetch the roll-call XML (API positions only)\n"
          "  --audit PATH     append one JSON line per upstream request to PATH\n"
          "  --rate-limit N   requests per 5 minutes per endpoint (default 500, the\n"
          "                   documented EP limit; raise it only for a local mirror)\n"
          "\n"
          "usage: epintel [--db PATH] sync --source howtheyvote [--url URL | --from DIR]\n"
          "                    [--tables LIST] [--audit PATH]\n"
          "\n"
          "Sync the store from the HowTheyVote.eu export (every MEP's position on every\n"
          "roll-call vote since 2019): the tables countries, groups, members,\n"
          "group_memberships, committees, votes and member_votes, and the vote topics\n"
          "oeil_subjects, eurovoc_concepts, geo_areas, oeil_subject_votes,\n"
          "eurovoc_concept_votes, responsible_committee_votes and geo_area_votes (skipped\n"
          "when the export does not publish them), each a NAME.csv.gz file, are\n"
          "downloaded into <db>.htv/ (resumed with Range after a cut or a kill; an\n"
          "unchanged file, by its ETag or Last-Modified, is not fetched again; size, and\n"
          "SHA-256 where the export publishes SHA256SUMS, checked) and stream-ingested,\n"
          "one transaction per table, with a progress bar. A table already stored (same\n"
          "file) is a no-op; a truncated or corrupt table is refused by name\n"
          "and nothing of it is stored. Rerun the same command after any interruption.\n"
          "\n"
          "  --url URL       the export's folder (default $EP_HTV_URL or\n"
          "                  " EP_HTV_DEFAULT_URL ")\n"
          "  --from DIR      ingest a local export folder (NAME.csv.gz or NAME.csv) instead\n"
          "  --tables LIST   comma-separated tables (default all, in the order above)\n"
          "\n"
          "Exit: 0 done, 3 done with warnings or disagreements, 2 usage, 4 upstream\n"
          "unavailable, 1 other errors.\n",
          out);
}

/* ---- --source howtheyvote ----------------------------------------------------------- */

struct htv_prog {
    int quiet, tty, tenth;
    const char *table, *phase;
};

static void htv_progress(void *ctx, const struct ep_htvsync_progress *p)
{
    struct htv_prog *h = ctx;
    if (h->quiet)
        return;
    int fresh = !h->table || strcmp(h->table, p->table) != 0 || strcmp(h->phase, p->phase) != 0;
    if (!h->tty) { /* not a terminal: a line at each tenth of a file over 10 MB */
        int tenth = p->total > 0 ? (int)(10 * p->bytes / p->total) : 0;
        if (p->total < 10000000 || (!fresh && tenth == h->tenth) || tenth == 0)
            return;
        h->tenth = tenth;
    }
    if (h->tty && fresh && h->table)
        fputc('\n', stderr);
    h->table = p->table;
    h->phase = p->phase;
    char bar[23] = "[                    ]";
    double frac = p->total > 0 ? (double)p->bytes / (double)p->total : -1;
    if (frac > 1)
        frac = 1;
    for (int i = 0; frac >= 0 && i < (int)(frac * 20 + 0.5); i++)
        bar[1 + i] = '#';
    fprintf(stderr, "%ssync: %-17s %-8s %s %7.1f", h->tty ? "\r" : "", p->table, p->phase,
            frac >= 0 ? bar : "[        ?           ]", (double)p->bytes / 1e6);
    if (p->total > 0)
        fprintf(stderr, "/%.1f", (double)p->total / 1e6);
    fputs(" MB", stderr);
    if (!strcmp(p->phase, "ingest"))
        fprintf(stderr, ", %ld rows", p->rows);
    fputs(h->tty ? "   " : "\n", stderr);
}

/* The run's trace: a root whose id every upstream request carries (traceparent) and the fetch
 * audit records (--audit), whatever thread fetches. Nothing is exported (sync has no --otlp). */
static void trace_run(struct ep_trace_span *sp, const char *name)
{
    ep_trace_begin(sp, name, EP_TRACE_INTERNAL, NULL, 1);
    ep_trace_set_default(&sp->ctx);
}

static void trace_run_end(struct ep_trace_span *sp)
{
    ep_trace_set_default(NULL);
    ep_trace_end(sp);
}

static int sync_htv(struct ep_cli *cli, int argc, char **argv)
{
    struct ep_fetch_opts fo = {0};
    struct ep_error err = {0};
    struct ep_htvsync_opts ho = {0};
    const char *url = getenv("EP_HTV_URL");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            sync_usage(stdout);
            return EP_EXIT_OK;
        }
        if (!v) {
            fprintf(stderr, "epintel sync: unknown argument or missing value: %s\n", a);
            return EP_EXIT_USAGE;
        }
        if (strcmp(a, "--source") == 0) {
            /* howtheyvote: checked by the caller */
        } else if (strcmp(a, "--url") == 0) {
            url = v;
        } else if (strcmp(a, "--from") == 0) {
            ho.from_dir = v;
        } else if (strcmp(a, "--tables") == 0) {
            if (ep_htvsync_parse_tables(v, &ho.tables, &err)) {
                fprintf(stderr, "epintel sync: --tables: %s\n", err.msg);
                return EP_EXIT_USAGE;
            }
        } else if (strcmp(a, "--audit") == 0) {
            fo.audit_path = v;
        } else {
            fprintf(stderr,
                    "epintel sync: %s is not an option of --source howtheyvote (see sync "
                    "--help)\n",
                    a);
            return EP_EXIT_USAGE;
        }
        i++;
    }
    char db[4096];
    struct ep_store *s = NULL;
    int orc = ep_cli_open_store_at(cli, db, sizeof db, &s);
    if (orc)
        return ep_cli_exit_code(orc);
    struct ep_fetch *f = NULL;
    char dir[4200];
    snprintf(dir, sizeof dir, "%s.htv", db);
    if (!ho.from_dir) {
        fo.base_url = url && *url ? url : EP_HTV_DEFAULT_URL;
        fo.max_retries = 5;
        if (ep_fetch_new(&fo, &f, &err)) {
            ep_store_close(s);
            ep_cli_error(&err);
            return ep_cli_exit_code(err.code);
        }
        ho.fetch = f;
        ho.dir = dir;
    }
    struct htv_prog pr = {.quiet = cli->quiet, .tty = ep_cli_tty()};
    ho.progress = htv_progress;
    ho.progress_ctx = &pr;
    if (!cli->quiet)
        fprintf(stderr, "sync: howtheyvote export from %s\n",
                ho.from_dir ? ho.from_dir : ep_fetch_base_url(f));
    double t0 = ep_now();
    struct ep_htvsync_summary sum;
    struct ep_trace_span run;
    trace_run(&run, "epintel sync howtheyvote");
    int rc = ep_htvsync_run(s, &ho, &sum, &err);
    trace_run_end(&run);
    if (pr.tty && pr.table && !cli->quiet)
        fputc('\n', stderr);
    long warnings = 0;
    for (int i = 0; i < sum.n; i++) {
        const struct ep_htvsync_table *t = &sum.t[i];
        warnings += t->warnings;
        if (cli->quiet && !rc)
            continue;
        if (!t->fetched)
            continue;
        if (!strcmp(t->fetched, "not published")) {
            fprintf(stderr, "sync: %-17s not published by the export, skipped\n", t->name);
            continue;
        }
        fprintf(stderr, "sync: %-17s %s, %.1f MB", t->name, t->fetched, (double)t->bytes / 1e6);
        if (t->resumed_from > 0)
            fprintf(stderr, " (from byte %lld)", t->resumed_from);
        if (!ho.from_dir)
            fputs(t->checksum ? ", SHA-256 checked" : ", no checksum published", stderr);
        if (t->stored)
            fprintf(stderr, "; stored %ld rows in %.1f s", t->rows, t->seconds);
        else if (t->bytes || t->rows)
            fputs("; already in the store", stderr);
        if (t->warnings)
            fprintf(stderr, ", %ld warnings", t->warnings);
        fputc('\n', stderr);
    }
    if (!cli->quiet || rc) {
        struct ep_fetch_totals tt = {0};
        if (f)
            ep_fetch_totals(f, &tt);
        fprintf(stderr, "sync: %s in %.1f s", rc ? "stopped" : "done", ep_now() - t0);
        if (f)
            fprintf(stderr, "; upstream: %ld requests, %ld retries, %ld not modified, %ld errors",
                    tt.requests, tt.retries, tt.revalidated, tt.errors);
        fputc('\n', stderr);
    }
    ep_fetch_free(f);
    ep_store_close(s);
    if (rc) {
        ep_cli_error(&err);
        fprintf(stderr, "epintel sync: rerun the same command to resume\n");
        return ep_cli_exit_code(rc);
    }
    return warnings ? EP_EXIT_WARNINGS : EP_EXIT_OK;
}

struct prog {
    int quiet, tty;
    const char *last_stage;
};

static void on_progress(void *ctx, const char *stage, long done, long total)
{
    struct prog *p = ctx;
    if (p->quiet)
        return;
    if (total > 0)
        fprintf(stderr, "%ssync: %s %ld/%ld%s", p->tty ? "\r" : "", stage, done, total,
                p->tty ? "   " : "\n");
    else if (!p->last_stage || strcmp(p->last_stage, stage) != 0 || !p->tty)
        fprintf(stderr, "%ssync: %s (%ld pages)%s", p->tty ? "\r" : "", stage, done,
                p->tty ? "   " : "\n");
    p->last_stage = stage;
}

/* Disagreements and warnings: always shown (they explain exit 3), on their own line. */
static void on_message(void *ctx, const char *msg)
{
    struct prog *p = ctx;
    fprintf(stderr, "%ssync: %s\n", p->tty ? "\r" : "", msg);
    p->last_stage = NULL;
}

/* The closing lines of a sync: what was seen and stored, and the upstream's figures. */
static void print_summary(const struct ep_sync_summary *s, const struct ep_fetch_totals *t, int rc)
{
    fprintf(stderr,
            "sync: %s in %.1f s: %ld pages (%ld changed the store, %ld unchanged), %ld "
            "records; seen: %ld members, %ld group memberships (%ld other memberships "
            "not modelled), %ld committee memberships (the store holds %ld under a committee "
            "it does not know), %ld committees, %ld groups, %ld sittings, %ld votes, %ld "
            "positions, %ld questions, %ld procedures, %ld procedure events, %ld "
            "documents, %ld adopted texts, %ld speeches; roll-call XML: %ld files, %ld "
            "sittings without; %ld disagreements; %ld warnings\n",
            rc ? "stopped" : "done", s->seconds, s->pages, s->units_new, s->units_same, s->records,
            s->members, s->memberships, s->other_memberships, s->committee_memberships,
            s->committee_unknown, s->committees, s->groups, s->sittings,
            s->votes, s->positions, s->questions, s->procedures, s->events, s->documents,
            s->adopted_texts, s->speeches, s->xml_files, s->xml_missing, s->disagreements,
            s->warnings);
    fprintf(stderr,
            "sync: upstream: %ld requests, %ld retries, cache %ld hits, %ld revalidated, "
            "%ld stale (degraded pages %ld), %ld errors%s%s\n",
            t->requests, t->retries, t->hits, t->revalidated, t->stale, s->degraded, t->errors,
            s->resumed_from[0] ? "; resumed after " : "", s->resumed_from);
}

/* The EP API sync's arguments into so, fo, doceo_url and no_xml: 0, 1 after --help (usage
 * printed), -1 on a usage error (message printed). */
static int sync_parse(int argc, char **argv, struct ep_sync_opts *so, struct ep_fetch_opts *fo,
                      const char **doceo_url, int *no_xml)
{
    struct ep_error err = {0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            sync_usage(stdout);
            return 1;
        }
        if (strcmp(a, "--no-xml") == 0) {
            *no_xml = 1;
            continue;
        }
        if (!v) {
            fprintf(stderr, "epintel sync: unknown argument or missing value: %s\n", a);
            sync_usage(stderr);
            return -1;
        }
        char *end = NULL;
        if (strcmp(a, "--since") == 0) {
            so->since = v;
        } else if (strcmp(a, "--until") == 0) {
            so->until = v;
        } else if (strcmp(a, "--only") == 0) {
            if (ep_epapi_sync_parse_only(v, &so->only, &err)) {
                fprintf(stderr, "epintel sync: %s\n", err.msg);
                return -1;
            }
        } else if (strcmp(a, "--parallel") == 0) {
            long n = strtol(v, &end, 10);
            if (*end || n < 1 || n > 64) {
                fprintf(stderr, "epintel sync: --parallel must be 1..64\n");
                return -1;
            }
            so->parallel = (int)n;
        } else if (strcmp(a, "--page-size") == 0) {
            long n = strtol(v, &end, 10);
            if (*end || n < 1 || n > 1000) {
                fprintf(stderr, "epintel sync: --page-size must be 1..1000\n");
                return -1;
            }
            so->page_size = n;
        } else if (strcmp(a, "--api-url") == 0) {
            fo->base_url = v;
        } else if (strcmp(a, "--doceo-url") == 0) {
            *doceo_url = v;
        } else if (strcmp(a, "--rate-limit") == 0) {
            long n = strtol(v, &end, 10);
            if (*end || n < 1 || n > 100000000) {
                fprintf(stderr, "epintel sync: --rate-limit must be a positive count\n");
                return -1;
            }
            fo->bucket_capacity = (int)n;
        } else if (strcmp(a, "--audit") == 0) {
            fo->audit_path = v;
        } else if (strcmp(a, "--source") == 0) {
            /* ep-api */
        } else {
            fprintf(stderr, "epintel sync: unknown argument %s\n", a);
            sync_usage(stderr);
            return -1;
        }
        i++;
    }
    return 0;
}

int ep_cmd_sync(struct ep_cli *cli, int argc, char **argv)
{
    struct ep_sync_opts so = {0};
    struct ep_fetch_opts fo = {0};
    struct ep_error err = {0};
    const char *doceo_url = getenv("EP_DOCEO_URL");
    int no_xml = 0;
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], "--source") == 0) {
            if (strcmp(argv[i + 1], "howtheyvote") == 0)
                return sync_htv(cli, argc, argv);
            if (strcmp(argv[i + 1], "ep-api") != 0) {
                fprintf(stderr,
                        "epintel sync: --source takes ep-api (the default) or howtheyvote\n");
                return EP_EXIT_USAGE;
            }
        }
    int prc = sync_parse(argc, argv, &so, &fo, &doceo_url, &no_xml);
    if (prc)
        return prc > 0 ? EP_EXIT_OK : EP_EXIT_USAGE;
    if ((so.since && !ep_date_valid(so.since)) || (so.until && !ep_date_valid(so.until))) {
        fprintf(stderr, "epintel sync: --since/--until take a date YYYY-MM-DD\n");
        return EP_EXIT_USAGE;
    }
    char db[4096];
    struct ep_store *s = NULL;
    int orc = ep_cli_open_store_at(cli, db, sizeof db, &s);
    if (orc)
        return ep_cli_exit_code(orc);
    /* the fetch cache gets a connection of its own: the next pages are then fetched on a
     * second thread while these are stored (ep_epapi_sync) */
    struct sqlite3 *cache_db = NULL;
    if (ep_store_open_side(s, &cache_db, &err)) {
        ep_store_close(s);
        ep_cli_error(&err);
        return ep_cli_exit_code(err.code);
    }
    fo.db = cache_db;
    fo.parallel = so.parallel;
    struct ep_fetch *f = NULL;
    if (ep_fetch_new(&fo, &f, &err)) {
        ep_store_close_side(cache_db);
        ep_store_close(s);
        ep_cli_error(&err);
        return ep_cli_exit_code(err.code);
    }
    struct ep_fetch *doceo = NULL;
    if (!no_xml) {
        struct ep_fetch_opts xo = fo;
        xo.base_url = doceo_url && *doceo_url ? doceo_url : "https://www.europarl.europa.eu/";
        xo.audit = NULL;
        if (ep_fetch_new(&xo, &doceo, &err)) {
            ep_fetch_free(f);
            ep_store_close_side(cache_db);
            ep_store_close(s);
            ep_cli_error(&err);
            return ep_cli_exit_code(err.code);
        }
    }
    struct prog pr = {.quiet = cli->quiet, .tty = ep_cli_tty()};
    so.progress = on_progress;
    so.progress_ctx = &pr;
    so.doceo = doceo;
    so.disagreement = on_message;
    so.disagreement_ctx = &pr;
    so.warn = on_message;
    so.warn_ctx = &pr;
    if (!cli->quiet)
        fprintf(stderr, "sync: from %s\n", ep_fetch_base_url(f));
    struct ep_sync_summary sum;
    struct ep_trace_span run;
    trace_run(&run, "epintel sync");
    int rc = ep_epapi_sync(s, f, &so, &sum, &err);
    trace_run_end(&run);
    struct ep_fetch_totals t;
    ep_fetch_totals(f, &t);
    if (pr.tty && !cli->quiet)
        fputc('\n', stderr);
    if (!cli->quiet || rc) {
        print_summary(&sum, &t, rc);
    }
    ep_fetch_free(doceo);
    ep_fetch_free(f);
    ep_store_close_side(cache_db);
    if (!rc && sum.units_new > 0) /* a large store: no first-call penalty (issue 19) */
        ep_cli_precompute(cli, s, "sync", EP_PRECOMPUTE_MIN_CELLS);
    ep_store_close(s);
    if (rc) {
        ep_cli_error(&err);
        fprintf(stderr, "epintel sync: rerun the same command to resume\n");
        return ep_cli_exit_code(rc);
    }
    return sum.warnings || sum.disagreements ? EP_EXIT_WARNINGS : EP_EXIT_OK;
}
