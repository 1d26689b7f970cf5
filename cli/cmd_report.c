/* epintel report: batch report jobs over the tools and report/ renderers.
 *
 *   report scorecards [--all | --mep ID...] --out DIR [--jobs N] [--force] [WINDOW]
 *   report briefing --out FILE.pdf [WINDOW]
 *   report network --out DIR [WINDOW]
 *   report coalition --out FILE.pdf [WINDOW]
 *   report country (--country CODE | --all) [--out DIR] [WINDOW]
 *   report policy-area (--subject CODE | --concept CODE | --all-top-level) [--out DIR] [WINDOW]
 *
 * WINDOW: --from, --to, --term, --sitting (repeatable), passed to the tools as their window
 * arguments (from, to, term, sittings); the scorecards' stamp records the window.
 *
 * Scorecards run on fork()ed worker processes (igraph and GSL are not thread-safe): the parent
 * fills the store, lists the MEPs, closes the store and forks N workers; each opens the store
 * read-only, takes MEP indices from a task pipe and reports each result on a result pipe
 * (records < PIPE_BUF, so writes are atomic). Files are written atomically (temp + rename); an
 * interrupt (SIGINT/SIGTERM) lets each worker finish its current file and stop. Resume: DIR holds
 * a stamp (.epintel-scorecards) with the store content and version; with a matching stamp,
 * existing scorecards are skipped; with another stamp, this command's old scorecard files are
 * removed first. Output names come from numeric ids only (scorecard-ID.pdf): no path from user
 * text reaches the file system below DIR. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd_report.h"
#include "ep_env.h"
#include "ep_graph.h"
#include "ep_query_intel.h"
#include "ep_query_topics.h"
#include "ep_report.h"
#include "ep_stats.h"
#include "ep_store.h"
#include "ep_store_query.h"
#include "ep_tools.h"
#include "ep_tools_all.h"
#include "ep_tools_intel.h"
#include "ep_tools_toolkit.h"
#include "ep_tools_topics.h"
#include "ep_tools_window.h"
#include "ep_util.h"

#define STAMP_NAME ".epintel-scorecards"
#define MAX_JOBS 256
#define MAX_TASKS 15000 /* 4 bytes each: below the 64 KiB pipe buffer */

static volatile sig_atomic_t Stop;
static json_t *Win; /* window arguments (--from, --to, --term, --sitting), NULL = default */

/* A window option at argv[*i]: 1 when consumed (value included), 0 when argv[*i] is not one,
 * -1 after printing what is wrong. The values follow the tools' window arguments. */
static int window_opt(int argc, char **argv, int *i)
{
    const char *a = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;
    int from = strcmp(a, "--from") == 0, to = strcmp(a, "--to") == 0;
    int term = strcmp(a, "--term") == 0, sit = strcmp(a, "--sitting") == 0;
    if (!from && !to && !term && !sit)
        return 0;
    if (!v) {
        fprintf(stderr, "epintel report: %s needs a value\n", a);
        return -1;
    }
    if (!Win && !(Win = json_object()))
        return -1;
    if (term) {
        if (strcmp(v, "9") != 0 && strcmp(v, "10") != 0) {
            fprintf(stderr, "epintel report: --term must be 9 or 10, got \"%s\"\n", v);
            return -1;
        }
        json_object_set_new(Win, "term", json_integer(v[0] == '9' ? 9 : 10));
    } else {
        if (!ep_date_valid(v)) {
            fprintf(stderr, "epintel report: %s needs a date YYYY-MM-DD, got \"%s\"\n", a, v);
            return -1;
        }
        if (sit) {
            json_t *l = json_object_get(Win, "sittings");
            if (!l)
                json_object_set_new(Win, "sittings", l = json_array());
            if (json_array_size(l) >= 200) {
                fprintf(stderr, "epintel report: at most 200 --sitting dates\n");
                return -1;
            }
            json_array_append_new(l, json_string(v));
        } else {
            json_object_set_new(Win, from ? "from" : "to", json_string(v));
        }
    }
    (*i)++;
    return 1;
}

static void on_signal(int sig)
{
    (void)sig;
    Stop = 1;
}

static void report_usage(FILE *f)
{
    fprintf(f,
            "usage: epintel report scorecards [--all | --mep ID...] --out DIR [--jobs N] "
            "[--force] [WINDOW]\n"
            "       epintel report briefing --out FILE.pdf [WINDOW]\n"
            "       epintel report network --out DIR [WINDOW]\n"
            "       epintel report coalition --out FILE.pdf [WINDOW]\n"
            "       epintel report country (--country CODE | --all) [--out DIR] [WINDOW]\n"
            "       epintel report policy-area (--subject CODE | --concept CODE | "
            "--all-top-level)\n"
            "                                  [--out DIR] [WINDOW]\n\n"
            "Render reports from the store (default window: every vote with positions).\n"
            "WINDOW, as the tools' window arguments: --from YYYY-MM-DD, --to YYYY-MM-DD,\n"
            "--term 9|10, --sitting YYYY-MM-DD (repeatable: only those sitting dates).\n"
            "  scorecards  one PDF per MEP (DIR/scorecard-ID.pdf): --all = every MEP with a cast\n"
            "              vote in the window; runs on N worker processes (default: all cores);\n"
            "              resumable: up-to-date files are skipped (--force rewrites them)\n"
            "  briefing    political risk briefing PDF\n"
            "  network     DIR/network.graphml, DIR/network.png, DIR/political-map.png\n"
            "  coalition   coalition dynamics report PDF\n"
            "  country     country delegation PDF, DIR/country-CODE.pdf (default DIR: .): CODE as\n"
            "              members carry it (DEU), ISO alpha-2 (DE) or a name; --all = one PDF\n"
            "              per country of the window's MEPs\n"
            "  policy-area policy-area briefing PDF, DIR/policy-subject-CODE.pdf or\n"
            "              DIR/policy-concept-CODE.pdf (default DIR: .): an OEIL subject (with the\n"
            "              codes below it) or a EuroVoc concept; --all-top-level = one PDF per\n"
            "              top-level OEIL subject with votes in the window\n\n"
            "Files are written atomically (temp file + rename). Progress goes to stderr (a bar\n"
            "on a terminal); a summary line ends each job.\n");
}

/* ---- shared helpers ------------------------------------------------------------------------ */

static int write_out(const char *path, const struct ep_buf *b, struct ep_error *err)
{
    return ep_write_file_atomic(path, b->data, b->len, err);
}

/* Write path unless it already holds exactly these bytes; *same = 1 when it did. */
static int write_if_changed(const char *path, const struct ep_buf *b, int *same,
                            struct ep_error *err)
{
    *same = 0;
    int rc = ep_out_check(path, err); /* never open a FIFO or a device to compare */
    if (rc)
        return rc;
    struct ep_buf old;
    ep_buf_init(&old, b->len + 1);
    *same = ep_read_file(path, b->len + 1, &old, NULL) == 0 && old.len == b->len &&
            memcmp(old.data, b->data, b->len) == 0;
    ep_buf_free(&old);
    return *same ? 0 : write_out(path, b, err);
}

/* ---- documents: the same functions as the tools' formats argument (ep_tools_doc_*) ------- */

/* Where a job writes a document's files: path (the one file) or DIR/stem.ext. */
struct files {
    const char *path, *dir;
    int changed_only; /* rewrite only when the bytes differ */
    int n, same;      /* files written, of them already up to date */
    double t[4];      /* ep_now() after each of the first four files */
};

static int files_emit(void *u, unsigned fmt, const char *stem, const char *title,
                      const struct ep_buf *b, struct ep_error *err)
{
    (void)title;
    struct files *f = u;
    char p[PATH_MAX];
    const char *ext = fmt == EP_FMT_GRAPHML ? "graphml" : fmt == EP_FMT_PNG ? "png" : "pdf";
    if (f->path)
        snprintf(p, sizeof p, "%s", f->path);
    else if (snprintf(p, sizeof p, "%s/%s.%s", f->dir, stem, ext) >= (int)sizeof p)
        return ep_error_set(err, EP_EINVAL, "output path too long");
    int same = 0;
    int rc = f->changed_only ? write_if_changed(p, b, &same, err) : write_out(p, b, err);
    if (f->n < 4)
        f->t[f->n] = ep_now();
    f->n++;
    f->same += same;
    return rc;
}

enum { DOC_SCORECARD, DOC_BRIEFING, DOC_COALITION, DOC_NETWORK, DOC_COUNTRY, DOC_POLICY };

/* A document over env with the tool object ts: the window arguments (Win) as the tools get them,
 * plus key: value when key is set, in one read transaction of the store, as a tool call runs; id:
 * the scorecard's MEP. */
static int doc_call(struct ep_tools *ts, struct ep_env *env, int doc, const char *key, const char *value, long long id,
                    struct files *f, struct ep_doc_sink *sink, struct ep_error *err)
{
    *sink = (struct ep_doc_sink){.emit = files_emit, .u = f};
    struct ep_tool_ctx ctx = {0};
    ctx.store = env->store;
    ctx.env = env;
    ctx.tools = ts;
    json_t *args = Win ? (key ? json_deep_copy(Win) : json_incref(Win)) : json_object();
    if (!args || (key && json_object_set_new(args, key, json_string(value)))) {
        json_decref(args);
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    int txn = ep_store_read_begin(env->store);
    int rc;
    if (doc == DOC_SCORECARD)
        rc = ep_tools_doc_influence(&ctx, args, (int64_t)id, EP_FMT_PDF, sink, err);
    else if (doc == DOC_NETWORK)
        rc = ep_tools_doc_network(&ctx, args, EP_FMT_GRAPHML | EP_FMT_PNG, sink, err);
    else if (doc == DOC_COUNTRY)
        rc = ep_tools_doc_country(&ctx, args, sink, err);
    else if (doc == DOC_POLICY)
        rc = ep_tools_doc_policy(&ctx, args, sink, err);
    else
        rc = ep_tools_doc_coalition(&ctx, args, doc == DOC_BRIEFING, EP_FMT_PDF, sink, err);
    if (txn)
        ep_store_read_end(env->store);
    json_decref(args);
    return rc;
}

/* "N units, last unit id, dataset date, version": changes whenever the store's content does. */
static int content_key(struct ep_store *s, char *out, size_t n)
{
    long long units = 0, last = 0;
    if (ep_query_unit_counts(s, &units, &last, NULL))
        return -1;
    char date[11] = "";
    ep_store_dataset_date(s, date);
    char *w = Win ? json_dumps(Win, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    snprintf(out, n, "epintel %s; units %lld; last unit %lld; dataset %s; window %s\n", EP_VERSION,
             units, last, date, w ? w : "default");
    free(w);
    return 0;
}

static void progress(int tty, int quiet, const char *what, int done, int total, double t0)
{
    if (quiet || total <= 0)
        return;
    double el = ep_now() - t0;
    if (tty) {
        int w = 30, fill = (int)((long)done * w / total);
        char bar[64];
        for (int i = 0; i < w; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[w] = 0;
        fprintf(stderr, "\r%s [%s] %d/%d  %.1f s", what, bar, done, total, el);
        if (done == total)
            fputc('\n', stderr);
    } else {
        int step = total >= 20 ? total / 20 : 1;
        if (done == total || done % step == 0)
            fprintf(stderr, "report: %s %d/%d (%.1f s)\n", what, done, total, el);
    }
}

/* ---- scorecards ------------------------------------------------------------------------------ */

struct result {
    int idx, rc, skipped;
    double t_tools, t_render;   /* seconds spent in the tools and in rendering + writing */
    char msg[EP_ERROR_MSG_MAX]; /* the record stays under PIPE_BUF: one atomic write */
};

static int one_scorecard(struct ep_tools *ts, struct ep_env *env, long long id, const char *path, struct result *r,
                         struct ep_error *err)
{
    double t0 = ep_now();
    struct files f = {.path = path};
    struct ep_doc_sink sink;
    int rc = doc_call(ts, env, DOC_SCORECARD, NULL, NULL, id, &f, &sink, err);
    double t1 = sink.t_render > 0 ? sink.t_render : ep_now();
    r->t_tools = t1 - t0;
    r->t_render = ep_now() - t1;
    return rc;
}

static void worker(const char *db, const char *dir, const long long *ids, int task_fd, int res_fd,
                   int force)
{
    struct ep_error err = {0};
    struct ep_store *s = NULL;
    struct ep_env env;
    struct ep_tools *ts = NULL;
    int setup_rc = ep_store_open(db, EP_STORE_READONLY, &s, &err);
    if (setup_rc == 0)
        setup_rc = ep_env_init(&env, s, &err);
    if (setup_rc == 0)
        setup_rc = ep_tools_init(&ts, &err);
    if (setup_rc == 0)
        setup_rc = ep_tools_register_all(ts, &err);
    int idx;
    while (!Stop && read(task_fd, &idx, sizeof idx) == (ssize_t)sizeof idx) {
        struct result r = {0};
        r.idx = idx;
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/scorecard-%lld.pdf", dir, ids[idx]);
        struct stat st;
        if (setup_rc) {
            r.rc = setup_rc;
            snprintf(r.msg, sizeof r.msg, "%s", err.msg);
        } else if (!force && stat(path, &st) == 0 && st.st_size > 0) {
            r.skipped = 1;
        } else {
            struct ep_error e = {0};
            r.rc = one_scorecard(ts, &env, ids[idx], path, &r, &e);
            if (r.rc)
                snprintf(r.msg, sizeof r.msg, "%s", e.msg);
        }
        if (write(res_fd, &r, sizeof r) != (ssize_t)sizeof r)
            break;
    }
    if (s) {
        ep_env_close(&env);
        ep_store_close(s);
    }
    ep_tools_close(ts);
}

/* MEPs of the default window with at least one cast vote, ascending id. */
static int list_meps(struct ep_env *env, long long **ids, int *n, struct ep_error *err)
{
    struct ep_tools_window tw;
    struct ep_win *win = NULL;
    int rc = ep_tools_window_from_args(Win, &tw, err);
    if (rc == 0)
        rc = ep_env_window(env, &tw.w, &win, err);
    if (rc)
        return rc;
    const struct ep_matrix *m = win->m;
    *ids = malloc(sizeof(long long) * (size_t)(m->n_mep + 1));
    if (!*ids)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    *n = 0;
    for (int i = 0; i < m->n_mep; i++) {
        int cast = 0;
        for (int w = 0; w < m->n_words && !cast; w++) {
            size_t o = (size_t)i * (size_t)m->n_words + (size_t)w;
            cast = (m->plane[0][o] | m->plane[1][o] | m->plane[2][o]) != 0;
        }
        if (cast)
            (*ids)[(*n)++] = (long long)m->mep_id[i];
    }
    return 0;
}

/* Compare the stamp; on a mismatch remove old scorecard-*.pdf files and write the new stamp. */
static int prepare_dir(const char *dir, const char *key, struct ep_error *err)
{
    char sp[PATH_MAX];
    snprintf(sp, sizeof sp, "%s/%s", dir, STAMP_NAME);
    struct ep_buf old;
    ep_buf_init(&old, 4096);
    int same = ep_out_check(sp, NULL) == 0 && ep_read_file(sp, 4096, &old, NULL) == 0 &&
               strcmp(old.data, key) == 0;
    ep_buf_free(&old);
    if (same)
        return 0;
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            size_t l = strlen(e->d_name);
            if (strncmp(e->d_name, "scorecard-", 10) == 0 && l > 14 &&
                strcmp(e->d_name + l - 4, ".pdf") == 0) {
                char p[PATH_MAX];
                if (snprintf(p, sizeof p, "%s/%s", dir, e->d_name) < (int)sizeof p)
                    unlink(p);
            }
        }
        closedir(d);
    }
    return ep_write_file_atomic(sp, key, strlen(key), err);
}

static int parse_id(const char *s, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s ? s : "", &end, 10);
    if (!s || !*s || *end || errno || v <= 0)
        return -1;
    *out = v;
    return 0;
}

static int run_workers(const struct ep_cli *cli, const char *db, const char *out,
                       const long long *ids, int n, int jobs, int force)
{
    if (jobs <= 0) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        jobs = c > 0 ? (int)(c > MAX_JOBS ? MAX_JOBS : c) : 1;
    }
    if (jobs > n)
        jobs = n > 0 ? n : 1;
    int task[2], res[2];
    if (n > MAX_TASKS) {
        fprintf(stderr, "epintel report: at most %d scorecards per run\n", MAX_TASKS);
        return EP_EXIT_USAGE;
    }
    if (pipe(task)) {
        perror("epintel report: pipe");
        return EP_EXIT_ERROR;
    }
    if (pipe(res)) {
        perror("epintel report: pipe");
        close(task[0]);
        close(task[1]);
        return EP_EXIT_ERROR;
    }
    /* every task is written before the workers start: MAX_TASKS * 4 bytes fit in the pipe */
    for (int i = 0; i < n; i++)
        if (write(task[1], &i, sizeof i) != (ssize_t)sizeof i) {
            perror("epintel report: task pipe");
            close(task[0]);
            close(task[1]);
            close(res[0]);
            close(res[1]);
            return EP_EXIT_ERROR;
        }
    close(task[1]);
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    fflush(NULL);
    double t0 = ep_now();
    pid_t pids[MAX_JOBS];
    int started = 0;
    for (int w = 0; w < jobs; w++) {
        pid_t p = fork();
        if (p == 0) {
            close(res[0]);
            worker(db, out, ids, task[0], res[1], force);
            _exit(0);
        }
        if (p < 0) {
            perror("epintel report: fork");
            break;
        }
        pids[started++] = p;
    }
    close(task[0]);
    close(res[1]);
    int done = 0, written = 0, skipped = 0, failed = 0, tty = ep_cli_tty();
    double sum_tools = 0, sum_render = 0;
    int forwarded = 0;
    struct result r;
    for (;;) {
        ssize_t got = read(res[0], &r, sizeof r);
        if (got < 0 && errno == EINTR) {
            if (Stop && !forwarded) {
                /* a signal to the parent alone (kill PID): pass it on; a terminal's Ctrl-C
                 * already reached the whole process group */
                for (int w = 0; w < started; w++)
                    kill(pids[w], SIGTERM);
                forwarded = 1;
            }
            continue;
        }
        if (got != (ssize_t)sizeof r)
            break;
        done++;
        if (r.rc) {
            failed++;
            if (tty && !cli->quiet)
                fputc('\n', stderr);
            fprintf(stderr, "epintel report: MEP %lld: %s\n", ids[r.idx], r.msg);
        } else if (r.skipped) {
            skipped++;
        } else {
            written++;
            sum_tools += r.t_tools;
            sum_render += r.t_render;
        }
        progress(tty, cli->quiet, "scorecards", done, n, t0);
    }
    close(res[0]);
    int crashed = 0;
    for (int w = 0; w < started; w++) {
        int st;
        while (waitpid(pids[w], &st, 0) < 0 && errno == EINTR)
            ;
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
            crashed++;
    }
    if (tty && !cli->quiet && done < n)
        fputc('\n', stderr);
    fprintf(stderr,
            "report scorecards: %d written, %d up to date (skipped), %d failed%s, %d of %d done "
            "in %.1f s on %d worker%s -> %s\n",
            written, skipped, failed, crashed ? ", a worker crashed" : "", done, n, ep_now() - t0,
            started, started == 1 ? "" : "s", out);
    if (written && !cli->quiet)
        fprintf(stderr,
                "report scorecards: per written scorecard: tools %.1f ms, PDF render + write "
                "%.1f ms (mean, first call per worker includes the window's analysis)\n",
                1000 * sum_tools / written, 1000 * sum_render / written);
    if (Stop)
        return 130;
    return failed || crashed || done < n ? EP_EXIT_ERROR : EP_EXIT_OK;
}

static int cmd_scorecards(struct ep_cli *cli, int argc, char **argv)
{
    const char *out = NULL;
    int all = 0, force = 0, jobs = 0, n_req = 0, w;
    long long *req = calloc((size_t)argc + 1, sizeof(long long));
    if (!req)
        return EP_EXIT_ERROR;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--all") == 0) {
            all = 1;
        } else if (strcmp(a, "--force") == 0) {
            force = 1;
        } else if (strcmp(a, "--out") == 0 && v) {
            out = v;
            i++;
        } else if (strcmp(a, "--jobs") == 0 && v) {
            long long j;
            if (parse_id(v, &j) || j > MAX_JOBS) {
                fprintf(stderr, "epintel report: --jobs needs a number from 1 to %d\n", MAX_JOBS);
                free(req);
                return EP_EXIT_USAGE;
            }
            jobs = (int)j;
            i++;
        } else if ((w = window_opt(argc, argv, &i)) != 0) {
            if (w < 0) {
                free(req);
                return EP_EXIT_USAGE;
            }
        } else if (strcmp(a, "--mep") == 0 && v) {
            /* --mep ID [ID...] */
            while (i + 1 < argc && argv[i + 1][0] != '-') {
                if (parse_id(argv[i + 1], &req[n_req])) {
                    fprintf(stderr,
                            "epintel report: \"%s\" is not an MEP id (a positive whole number)\n",
                            argv[i + 1]);
                    free(req);
                    return EP_EXIT_USAGE;
                }
                n_req++;
                i++;
            }
        } else {
            fprintf(stderr, "epintel report scorecards: unexpected argument %s\n", a);
            report_usage(stderr);
            free(req);
            return EP_EXIT_USAGE;
        }
    }
    if (!out || (all == (n_req > 0))) {
        fprintf(stderr, "epintel report scorecards: give --out DIR and either --all or --mep "
                        "ID...\n");
        free(req);
        return EP_EXIT_USAGE;
    }
    struct ep_error err = {0};
    char db[PATH_MAX];
    if (ep_cli_db_path(cli, db, sizeof db, &err) || ep_mkdirs(out, &err)) {
        ep_cli_error(&err);
        free(req);
        return EP_EXIT_ERROR;
    }
    struct ep_store *s = ep_cli_open_store(cli, 1);
    if (!s) {
        free(req);
        return EP_EXIT_ERROR;
    }
    long long *ids = req;
    int n = n_req, rc = 0;
    char key[512];
    struct ep_env env;
    rc = ep_env_init(&env, s, &err);
    if (rc == 0 && all)
        rc = list_meps(&env, &ids, &n, &err);
    if (rc == 0 && content_key(s, key, sizeof key))
        rc = ep_error_set(&err, EP_EDB, "cannot read the store's units");
    if (rc == 0)
        rc = prepare_dir(out, key, &err);
    /* no SQLite handle, igraph or cache state may cross fork() */
    ep_env_close(&env);
    ep_store_close(s);
    if (rc) {
        ep_cli_error(&err);
        if (ids != req)
            free(ids);
        free(req);
        return ep_cli_exit_code(rc);
    }
    int status = run_workers(cli, db, out, ids, n, jobs, force);
    if (ids != req)
        free(ids);
    free(req);
    return status;
}

/* ---- single documents ---------------------------------------------------------------------- */

/* One option of a report job: --name VALUE into *value, or the flag --name into *flag. */
struct opt {
    const char *name;
    const char **value;
    int *flag;
};

/* The options of a report job (the table, then the window options); 0, or after printing what
 * is wrong, -1. An option that takes a value is unexpected without one. */
static int job_opts(int argc, char **argv, const char *kind, const struct opt *opts)
{
    for (int i = 1; i < argc; i++) {
        const struct opt *o = opts;
        while (o->name && !(strcmp(argv[i], o->name) == 0 && (o->flag || i + 1 < argc)))
            o++;
        int w;
        if (o->name && o->flag) {
            *o->flag = 1;
        } else if (o->name) {
            *o->value = argv[++i];
        } else if ((w = window_opt(argc, argv, &i)) != 0) {
            if (w < 0)
                return -1;
        } else {
            fprintf(stderr, "epintel report %s: unexpected argument %s\n", kind, argv[i]);
            return -1;
        }
    }
    return 0;
}

static const char *only_out(int argc, char **argv, const char *kind)
{
    const char *out = NULL;
    const struct opt opts[] = {{"--out", &out, NULL}, {0}};
    if (job_opts(argc, argv, kind, opts))
        return NULL;
    if (!out)
        fprintf(stderr, "epintel report %s: give --out\n", kind);
    return out;
}

/* A document job of the CLI: the tools registered, the store open read-only with its env, the
 * files it writes (changed ones only) and its start time. */
struct job {
    struct ep_tools *tools;
    struct ep_store *s;
    struct ep_env env;
    struct files f;
    struct ep_error err;
    double t0;
};

/* Open job j writing to path or (path NULL) into dir, creating the folder make first when it is
 * set: 0, or the exit code after saying what is wrong. */
static int job_open(struct job *j, struct ep_cli *cli, const char *path, const char *dir,
                    const char *make)
{
    memset(j, 0, sizeof *j);
    if ((make && ep_mkdirs(make, &j->err)) || ep_tools_init(&j->tools, &j->err) ||
        ep_tools_register_all(j->tools, &j->err)) {
        ep_tools_close(j->tools);
        j->tools = NULL;
        ep_cli_error(&j->err);
        return EP_EXIT_ERROR;
    }
    if (!(j->s = ep_cli_open_store(cli, 1))) {
        ep_tools_close(j->tools);
        j->tools = NULL;
        return EP_EXIT_ERROR;
    }
    ep_env_init(&j->env, j->s, NULL);
    j->t0 = ep_now();
    j->f = (struct files){.path = path, .dir = dir, .changed_only = 1};
    return 0;
}

/* Close job j after its run (rc, n_files of them written) and say how it went: the exit code. */
static int job_close(struct job *j, const char *kind, int rc, int n_files)
{
    ep_env_close(&j->env);
    ep_tools_close(j->tools);
    ep_store_close(j->s);
    if (rc) {
        ep_cli_error(&j->err);
        return ep_cli_exit_code(rc);
    }
    fprintf(stderr, "report %s: %d file(s) written, %d already up to date, in %.2f s -> %s\n", kind,
            n_files - j->f.same, j->f.same, ep_now() - j->t0, j->f.path ? j->f.path : j->f.dir);
    return EP_EXIT_OK;
}

static int cmd_pdf(struct ep_cli *cli, int argc, char **argv, int briefing)
{
    const char *kind = briefing ? "briefing" : "coalition";
    const char *out = only_out(argc, argv, kind);
    if (!out)
        return EP_EXIT_USAGE;
    struct ep_error err = {0};
    if (ep_out_check(out, &err)) { /* before any work: the path must be a file or new */
        ep_cli_error(&err);
        return EP_EXIT_USAGE;
    }
    struct job j;
    int rc = job_open(&j, cli, out, NULL, NULL);
    if (rc)
        return rc;
    struct ep_doc_sink sink;
    rc = doc_call(j.tools, &j.env, briefing ? DOC_BRIEFING : DOC_COALITION, NULL, NULL, 0, &j.f, &sink,
                  &j.err);
    if (rc == 0 && !cli->quiet)
        fprintf(stderr, "report %s: tools %.2f s, PDF render %.3f s\n", kind, sink.t_render - j.t0,
                j.f.t[0] - sink.t_render);
    return job_close(&j, kind, rc, 1);
}

static int cmd_network(struct ep_cli *cli, int argc, char **argv)
{
    const char *out = only_out(argc, argv, "network");
    if (!out)
        return EP_EXIT_USAGE;
    struct job j;
    int rc = job_open(&j, cli, NULL, out, out);
    if (rc)
        return rc;
    /* the network computed once, as map_political_network computes it, then its three files */
    struct ep_doc_sink sink;
    rc = doc_call(j.tools, &j.env, DOC_NETWORK, NULL, NULL, 0, &j.f, &sink, &j.err);
    /* the window the job computed, from the env's cache, for its size */
    struct ep_tools_window tw;
    struct ep_win *win = NULL;
    if (rc == 0 && !cli->quiet && j.f.n == 3 && ep_tools_window_from_args(Win, &tw, NULL) == 0 &&
        ep_env_window(&j.env, &tw.w, &win, NULL) == 0)
        fprintf(stderr,
                "report network: %d nodes, %d edges; tools + graph %.2f s, GraphML %.2f s, "
                "network.png %.2f s, political map (PCA + PNG) %.2f s\n",
                win->g.n_node, win->g.n_edge, sink.t_render - j.t0, j.f.t[0] - sink.t_render,
                j.f.t[1] - j.f.t[0], j.f.t[2] - j.f.t[1]);
    return job_close(&j, "network", rc, 3);
}

/* ---- country delegations -------------------------------------------------------------- */

/* One delegation's PDF, DIR/country-CODE.pdf, through the tool's document function. */
static int one_country(struct ep_tools *ts, struct ep_env *env, const char *country, struct files *f,
                       struct ep_error *err)
{
    struct ep_doc_sink sink;
    return doc_call(ts, env, DOC_COUNTRY, "country", country, 0, f, &sink, err);
}

static int code_cmp(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* The distinct member-table countries of the window's MEPs, sorted, as one block of codes. */
static int list_countries(struct ep_env *env, char (**codes)[8], int *n, struct ep_error *err)
{
    struct ep_tools_window tw;
    struct ep_win *win = NULL;
    int rc = ep_tools_window_from_args(Win, &tw, err);
    if (rc == 0)
        rc = ep_env_window(env, &tw.w, &win, err);
    if (rc == 0)
        rc = ep_win_need_names(win, err);
    if (rc)
        return rc;
    *codes = calloc((size_t)win->m->n_mep + 1, sizeof **codes);
    if (!*codes)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    *n = 0;
    for (int i = 0; i < win->m->n_mep; i++) {
        const char *c = win->country[i];
        int seen = !c[0];
        for (int j = 0; j < *n && !seen; j++)
            seen = strcmp((*codes)[j], c) == 0;
        if (!seen)
            snprintf((*codes)[(*n)++], sizeof **codes, "%s", c);
    }
    qsort(*codes, (size_t)*n, sizeof **codes, code_cmp);
    return 0;
}

static int cmd_country(struct ep_cli *cli, int argc, char **argv)
{
    const char *out = ".", *country = NULL;
    int all = 0;
    const struct opt opts[] = {
        {"--out", &out, NULL}, {"--country", &country, NULL}, {"--all", NULL, &all}, {0}};
    if (job_opts(argc, argv, "country", opts))
        return EP_EXIT_USAGE;
    if (!all == !country) {
        fprintf(stderr, "epintel report country: give --country CODE (e.g. DE, DEU or Germany) "
                        "or --all\n");
        return EP_EXIT_USAGE;
    }
    struct job j;
    int rc = job_open(&j, cli, NULL, out, out);
    if (rc)
        return rc;
    char(*codes)[8] = NULL;
    int n = 0;
    if (all) {
        rc = list_countries(&j.env, &codes, &n, &j.err);
        int tty = isatty(STDERR_FILENO);
        for (int i = 0; rc == 0 && i < n; i++) {
            rc = one_country(j.tools, &j.env, codes[i], &j.f, &j.err);
            if (rc)
                ep_error_prefix(&j.err, "country %s: ", codes[i]);
            progress(tty, cli->quiet, "country", i + 1, n, j.t0);
        }
    } else {
        rc = one_country(j.tools, &j.env, country, &j.f, &j.err);
    }
    free(codes);
    return job_close(&j, "country", rc, j.f.n);
}

/* ---- policy areas ------------------------------------------------------------------------ */

/* One area's briefing, DIR/policy-KIND-CODE.pdf, through the tool's document function; the
 * code is checked by the window's topic filter (ep_htv_topic_code_valid). */
static int one_policy(struct ep_tools *ts, struct ep_env *env, const char *kind, const char *code, struct files *f,
                      struct ep_error *err)
{
    struct ep_doc_sink sink;
    return doc_call(ts, env, DOC_POLICY, kind, code, 0, f, &sink, err);
}

static int cmd_policy(struct ep_cli *cli, int argc, char **argv)
{
    const char *out = ".", *subject = NULL, *concept = NULL;
    int all = 0;
    const struct opt opts[] = {{"--out", &out, NULL},
                               {"--subject", &subject, NULL},
                               {"--concept", &concept, NULL},
                               {"--all-top-level", NULL, &all},
                               {0}};
    if (job_opts(argc, argv, "policy-area", opts))
        return EP_EXIT_USAGE;
    if (!!subject + !!concept + all != 1) {
        fprintf(stderr, "epintel report policy-area: give one of --subject CODE (an OEIL subject, "
                        "e.g. 8.70), --concept ID (a EuroVoc concept) or --all-top-level\n");
        return EP_EXIT_USAGE;
    }
    struct job j;
    int rc = job_open(&j, cli, NULL, out, NULL);
    if (rc)
        return rc;
    struct ep_error *err = &j.err;
    if (all) {
        char tops[64][33];
        int n = 0, skipped = 0;
        rc = ep_query_subject_tops(j.s, tops, 64, &n, err);
        if (rc == 0 && n == 0)
            rc = ep_error_set(err, EP_ENOTFOUND,
                              "the store holds no OEIL subject (sync the HowTheyVote export: "
                              "epintel sync --source howtheyvote)");
        if (rc == 0)
            rc = ep_mkdirs(out, err);
        int tty = isatty(STDERR_FILENO);
        for (int i = 0; rc == 0 && i < n; i++) {
            rc = one_policy(j.tools, &j.env, "subject", tops[i], &j.f, err);
            if (rc == EP_ENOTFOUND) { /* no vote of the subject in the window: say so, go on */
                if (!cli->quiet)
                    fprintf(stderr, "report policy-area: subject %s skipped: %s\n", tops[i],
                            err->msg);
                skipped++;
                rc = 0;
                *err = (struct ep_error){0};
            } else if (rc) {
                ep_error_prefix(err, "subject %s: ", tops[i]);
            }
            progress(tty, cli->quiet, "policy-area", i + 1, n, j.t0);
        }
        if (rc == 0 && j.f.n == 0)
            rc = ep_error_set(err, EP_ENOTFOUND,
                              "none of the %d top-level subjects has a vote with positions in "
                              "the window",
                              n);
        if (rc == 0 && skipped && !cli->quiet)
            fprintf(stderr,
                    "report policy-area: %d of %d top-level subjects without votes in "
                    "the window\n",
                    skipped, n);
    } else {
        rc = ep_mkdirs(out, err);
        if (rc == 0)
            rc = one_policy(j.tools, &j.env, subject ? "subject" : "concept", subject ? subject : concept,
                            &j.f, err);
    }
    return job_close(&j, "policy-area", rc, j.f.n);
}

int ep_cmd_report(struct ep_cli *cli, int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        report_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EP_EXIT_USAGE : EP_EXIT_OK;
    }
    const char *kind = argv[1];
    for (int i = 2; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            report_usage(stdout);
            return EP_EXIT_OK;
        }
    /* one batch of large short-lived arrays (vote matrix, pair counts, edges, igraph
     * vectors): page faults were a large share of a briefing's CPU time */
    ep_mem_batch((size_t)256 << 20);
    int rc = -1;
    if (strcmp(kind, "scorecards") == 0)
        rc = cmd_scorecards(cli, argc - 1, argv + 1);
    else if (strcmp(kind, "briefing") == 0)
        rc = cmd_pdf(cli, argc - 1, argv + 1, 1);
    else if (strcmp(kind, "coalition") == 0)
        rc = cmd_pdf(cli, argc - 1, argv + 1, 0);
    else if (strcmp(kind, "network") == 0)
        rc = cmd_network(cli, argc - 1, argv + 1);
    else if (strcmp(kind, "country") == 0)
        rc = cmd_country(cli, argc - 1, argv + 1);
    else if (strcmp(kind, "policy-area") == 0)
        rc = cmd_policy(cli, argc - 1, argv + 1);
    json_decref(Win);
    Win = NULL;
    if (rc >= 0) {
        ep_report_cleanup(); /* cairo's and fontconfig's caches (leak checkers) */
        return rc;
    }
    fprintf(stderr, "epintel report: unknown report \"%s\"\n", kind);
    report_usage(stderr);
    return EP_EXIT_USAGE;
}
