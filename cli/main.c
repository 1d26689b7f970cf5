/* epintel: command dispatcher. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmd_report.h"
#include "cmd_sync.h"
#include "cmd_version.h"

struct command {
    const char *name;
    int (*fn)(struct ep_cli *, int, char **);
    const char *summary;
};

static const struct command commands[] = {
    {"ingest", ep_cmd_ingest, "ingest roll-call XML files and HowTheyVote CSV tables"},
    {"info", ep_cmd_info, "counts per table, date range and sources of the store"},
    {"sql", ep_cmd_sql, "run one read-only SQL query on the store"},
    {"synth", ep_cmd_synth, "write a synthetic full-term dataset (for benchmarks)"},
    {"sync", ep_cmd_sync, "fetch from the EP Open Data API into the store"},
    {"serve", ep_cmd_serve, "run the MCP server (stdio, or Streamable HTTP with --http)"},
    {"tool", ep_cmd_tool, "run one tool: epintel tool NAME --args '{...}'"},
    {"tools", ep_cmd_tools, "list the tools with their schemas"},
    {"report", ep_cmd_report, "write PDF/PNG/GraphML reports (scorecards, briefing, network)"},
    {"auth", ep_cmd_auth, "the HTTP server's API keys: auth key add|list|revoke, auth check"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: epintel [--db PATH] [--quiet] [--no-default-data] COMMAND [ARGS]\n\n"
               "European Parliament OSINT analytics over MCP and the command line.\n\n"
               "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\noptions:\n"
               "  --db PATH          the SQLite store (default $XDG_CACHE_HOME/epintel/epintel.db\n"
               "                     or ~/.cache/epintel/epintel.db)\n"
               "  --quiet            no progress output\n"
               "  --no-default-data  do not fill an empty store from the bundled dataset\n"
               "  --version          print the version, commit, build date and library versions\n\n"
               "`epintel COMMAND --help` describes each command.\n\n"
               "exit codes: 0 ok, 1 error (bad input, I/O, database), 2 usage error,\n"
               "            3 done with warnings, 4 data not available in the store\n\n"
               "Source: European Parliament. Data: HowTheyVote.eu (ODbL).\n");
}

int main(int argc, char **argv)
{
    struct ep_cli cli = {0};
    const char *env_db = getenv("EPINTEL_DB");
    if (env_db && *env_db)
        cli.db_path = env_db;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--db") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "epintel: --db needs a path\n");
                return EP_EXIT_USAGE;
            }
            cli.db_path = argv[++i];
        } else if (strncmp(argv[i], "--db=", 5) == 0) {
            cli.db_path = argv[i] + 5;
        } else if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "-q") == 0) {
            cli.quiet = 1;
        } else if (strcmp(argv[i], "--no-default-data") == 0) {
            cli.no_default_data = 1;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return EP_EXIT_OK;
        } else if (strcmp(argv[i], "--version") == 0) {
            return ep_print_version(stdout);
        } else {
            fprintf(stderr, "epintel: unknown option %s (see epintel --help)\n", argv[i]);
            return EP_EXIT_USAGE;
        }
    }
    if (i >= argc) {
        usage(stderr);
        return EP_EXIT_USAGE;
    }
    if (strcmp(argv[i], "help") == 0) {
        usage(stdout);
        return EP_EXIT_OK;
    }
    for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++)
        if (strcmp(argv[i], commands[k].name) == 0)
            return commands[k].fn(&cli, argc - i, argv + i);
    fprintf(stderr, "epintel: unknown command \"%s\" (see epintel --help)\n", argv[i]);
    return EP_EXIT_USAGE;
}
