#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "ep_precompute.h"
#include "ep_util.h"

void ep_cli_error(const struct ep_error *err)
{
    fprintf(stderr, "epintel: %s\n", err->msg[0] ? err->msg : ep_strerror(err->code));
}

int ep_cli_exit_code(int rc)
{
    switch (rc) {
    case EP_OK: return EP_EXIT_OK;
    case EP_EINVAL: return EP_EXIT_USAGE;
    case EP_EUNAVAIL:
    case EP_ENOTFOUND: return EP_EXIT_UNAVAIL;
    default: return EP_EXIT_ERROR;
    }
}

int ep_cli_tty(void)
{
    return isatty(STDERR_FILENO);
}

struct fill_progress {
    int quiet, tty;
};

static void fill_progress(void *ctx, const char *path, int i, int n)
{
    struct fill_progress *fp = ctx;
    if (fp->quiet)
        return;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (fp->tty)
        fprintf(stderr, "\rloading the bundled dataset: %d/%d %-40s", i, n, base);
    else
        fprintf(stderr, "epintel: loading the bundled dataset: %d/%d %s\n", i, n, base);
    if (fp->tty && i == n)
        fputc('\n', stderr);
}

int ep_cli_db_path(const struct ep_cli *cli, char *out, size_t n, struct ep_error *err)
{
    if (!cli->db_path)
        return ep_store_default_path(out, n, err);
    if (snprintf(out, n, "%s", cli->db_path) >= (int)n)
        return ep_error_set(err, EP_EINVAL, "--db path too long");
    return 0;
}

int ep_cli_open_store_at(const struct ep_cli *cli, char *db, size_t n, struct ep_store **s)
{
    struct ep_error err = {0};
    *s = NULL;
    int rc = ep_cli_db_path(cli, db, n, &err);
    if (rc == 0)
        rc = ep_store_open(db, 0, s, &err);
    if (rc)
        ep_cli_error(&err);
    return rc;
}

struct ep_store *ep_cli_open_store(const struct ep_cli *cli, int readonly_ok)
{
    (void)readonly_ok;
    struct ep_error err = {0};
    char path[PATH_MAX];
    struct ep_store *s;
    if (ep_cli_open_store_at(cli, path, sizeof path, &s))
        return NULL;
    if (!cli->no_default_data) {
        struct fill_progress fp = {cli->quiet, ep_cli_tty()};
        if (ep_store_ensure_default(s, fill_progress, &fp, &err)) {
            ep_cli_error(&err);
            ep_store_close(s);
            return NULL;
        }
    }
    return s;
}

struct precompute_ctx {
    const char *who;
    double t0;
};

static void precompute_progress(void *ctx, int k, int n, const char *what)
{
    const struct precompute_ctx *pc = ctx;
    fprintf(stderr, "%s: derived results %d/%d %s (%.1f s)\n", pc->who, k, n, what,
            ep_now() - pc->t0);
}

void ep_cli_precompute(const struct ep_cli *cli, struct ep_store *s, const char *who,
                       long long min_cells)
{
    if (min_cells > 0 && ep_precompute_default_cells(s) < min_cells)
        return;
    struct precompute_ctx pc = {who, ep_now()};
    struct ep_error err = {0};
    int rc = ep_precompute_window(s, NULL, cli->quiet ? NULL : precompute_progress, &pc, &err);
    if (rc && rc != EP_EUNAVAIL)
        fprintf(stderr, "%s: note: derived results not built (%s); the first tool call will "
                        "compute them\n",
                who, err.msg);
}
