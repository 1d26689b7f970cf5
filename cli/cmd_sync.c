/* epintel sync [--since DATE] [--until DATE] [--only bodies,meps,votes,...] [--parallel N]
 *              [--api-url URL] [--doceo-url URL] [--no-xml] [--audit PATH] [--page-size N] */
#include "cmd_sync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_epapi.h"
#include "ep_fetch.h"
#include "ep_precompute.h"
#include "ep_store.h"
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
          "Exit: 0 done, 3 done with warnings or disagreements, 2 usage, 4 upstream\n"
          "unavailable, 1 other errors.\n",
          out);
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
            "not modelled), %ld committees, %ld groups, %ld sittings, %ld votes, %ld "
            "positions, %ld questions, %ld procedures, %ld procedure events, %ld "
            "documents, %ld adopted texts, %ld speeches; roll-call XML: %ld files, %ld "
            "sittings without; %ld disagreements; %ld warnings\n",
            rc ? "stopped" : "done", s->seconds, s->pages, s->units_new, s->units_same, s->records,
            s->members, s->memberships, s->other_memberships, s->committees, s->groups, s->sittings,
            s->votes, s->positions, s->questions, s->procedures, s->events, s->documents,
            s->adopted_texts, s->speeches, s->xml_files, s->xml_missing, s->disagreements,
            s->warnings);
    fprintf(stderr,
            "sync: upstream: %ld requests, %ld retries, cache %ld hits, %ld revalidated, "
            "%ld stale (degraded pages %ld), %ld errors%s%s\n",
            t->requests, t->retries, t->hits, t->revalidated, t->stale, s->degraded, t->errors,
            s->resumed_from[0] ? "; resumed after " : "", s->resumed_from);
}

int ep_cmd_sync(struct ep_cli *cli, int argc, char **argv)
{
    struct ep_sync_opts so = {0};
    struct ep_fetch_opts fo = {0};
    struct ep_error err = {0};
    const char *doceo_url = getenv("EP_DOCEO_URL");
    int no_xml = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            sync_usage(stdout);
            return EP_EXIT_OK;
        }
        if (strcmp(a, "--no-xml") == 0) {
            no_xml = 1;
            continue;
        }
        if (!v) {
            fprintf(stderr, "epintel sync: unknown argument or missing value: %s\n", a);
            sync_usage(stderr);
            return EP_EXIT_USAGE;
        }
        char *end = NULL;
        if (strcmp(a, "--since") == 0) {
            so.since = v;
        } else if (strcmp(a, "--until") == 0) {
            so.until = v;
        } else if (strcmp(a, "--only") == 0) {
            if (ep_epapi_sync_parse_only(v, &so.only, &err)) {
                fprintf(stderr, "epintel sync: %s\n", err.msg);
                return EP_EXIT_USAGE;
            }
        } else if (strcmp(a, "--parallel") == 0) {
            long n = strtol(v, &end, 10);
            if (*end || n < 1 || n > 64) {
                fprintf(stderr, "epintel sync: --parallel must be 1..64\n");
                return EP_EXIT_USAGE;
            }
            so.parallel = (int)n;
        } else if (strcmp(a, "--page-size") == 0) {
            long n = strtol(v, &end, 10);
            if (*end || n < 1 || n > 1000) {
                fprintf(stderr, "epintel sync: --page-size must be 1..1000\n");
                return EP_EXIT_USAGE;
            }
            so.page_size = n;
        } else if (strcmp(a, "--api-url") == 0) {
            fo.base_url = v;
        } else if (strcmp(a, "--doceo-url") == 0) {
            doceo_url = v;
        } else if (strcmp(a, "--rate-limit") == 0) {
            long n = strtol(v, &end, 10);
            if (*end || n < 1 || n > 100000000) {
                fprintf(stderr, "epintel sync: --rate-limit must be a positive count\n");
                return EP_EXIT_USAGE;
            }
            fo.bucket_capacity = (int)n;
        } else if (strcmp(a, "--audit") == 0) {
            fo.audit_path = v;
        } else {
            fprintf(stderr, "epintel sync: unknown argument %s\n", a);
            sync_usage(stderr);
            return EP_EXIT_USAGE;
        }
        i++;
    }
    if ((so.since && !ep_date_valid(so.since)) || (so.until && !ep_date_valid(so.until))) {
        fprintf(stderr, "epintel sync: --since/--until take a date YYYY-MM-DD\n");
        return EP_EXIT_USAGE;
    }
    char path[4096];
    const char *db = cli->db_path;
    if (!db) {
        if (ep_store_default_path(path, sizeof path, &err)) {
            ep_cli_error(&err);
            return ep_cli_exit_code(err.code);
        }
        db = path;
    }
    struct ep_store *s = NULL;
    if (ep_store_open(db, 0, &s, &err)) {
        ep_cli_error(&err);
        return ep_cli_exit_code(err.code);
    }
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
    int rc = ep_epapi_sync(s, f, &so, &sum, &err);
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
