/* Shared pieces of the epintel command line. */
#ifndef EP_CLI_H
#define EP_CLI_H

#include <stdio.h>

#include "ep_error.h"
#include "ep_store.h"

/* Exit codes (documented in docs/cli.md and `epintel --help`). */
enum {
    EP_EXIT_OK = 0,
    EP_EXIT_ERROR = 1,    /* runtime failure: bad input data, I/O, database */
    EP_EXIT_USAGE = 2,    /* bad command line */
    EP_EXIT_WARNINGS = 3, /* done, but with warnings (e.g. unknown group codes kept) */
    EP_EXIT_UNAVAIL = 4,  /* the data asked for is not in the store */
};

struct ep_cli {
    const char *db_path; /* --db, or NULL for the default */
    int quiet;
    int no_default_data; /* --no-default-data: do not fill an empty store from fixtures/ */
};

/* The store's path into out (n bytes): --db, else ep_store_default_path. 0 or EP_EINVAL/EP_E*
 * with err filled. */
int ep_cli_db_path(const struct ep_cli *cli, char *out, size_t n, struct ep_error *err);
/* Open the store named by --db, else the default path, as it is (no default data): 0 with *s
 * and its path in db (n bytes), else the EP_E* code after printing the error. */
int ep_cli_open_store_at(const struct ep_cli *cli, char *db, size_t n, struct ep_store **s);

/* Open the store (--db or default) and, unless disabled, fill it from the bundled dataset
 * when empty (with a progress line on stderr). Prints the error and returns NULL on
 * failure. */
struct ep_store *ep_cli_open_store(const struct ep_cli *cli, int readonly_ok);

/* Print "epintel: <msg>" to stderr. */
void ep_cli_error(const struct ep_error *err);
/* Map an EP_E* code to an exit code. */
int ep_cli_exit_code(int rc);

/* Build the derived data of the store's default window ahead of the first tool call
 * (analysis/ep_precompute.h) when it has at least min_cells cells (0: always), with progress
 * lines on stderr prefixed by who unless quiet. Best effort: a failure is printed as a note and
 * the command goes on. */
void ep_cli_precompute(const struct ep_cli *cli, struct ep_store *s, const char *who,
                       long long min_cells);

/* 1 when stderr is a terminal (progress bars), else 0 (plain progress lines). */
int ep_cli_tty(void);

int ep_cmd_ingest(struct ep_cli *cli, int argc, char **argv);
int ep_cmd_auth(struct ep_cli *cli, int argc, char **argv);
int ep_cmd_info(struct ep_cli *cli, int argc, char **argv);
int ep_cmd_sql(struct ep_cli *cli, int argc, char **argv);
int ep_cmd_synth(struct ep_cli *cli, int argc, char **argv);
int ep_cmd_serve(struct ep_cli *cli, int argc, char **argv);
int ep_cmd_tool(struct ep_cli *cli, int argc, char **argv);
int ep_cmd_tools(struct ep_cli *cli, int argc, char **argv);

#endif
