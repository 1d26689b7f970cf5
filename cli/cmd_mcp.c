/* epintel serve | tool | tools: the MCP server and the CLI front end over the same table. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ep_graph.h"
#include "ep_mcp.h"
#include "ep_provider.h"
#include "ep_stats.h"
#include "ep_tools.h"
#include "ep_tools_all.h"
#include "ep_util.h"

static int default_out_dir(char *buf, size_t n)
{
    const char *xdg = getenv("XDG_DATA_HOME");
    const char *home = getenv("HOME");
    if (xdg && *xdg == '/')
        return snprintf(buf, n, "%s/epintel/out", xdg) < (int)n ? 0 : -1;
    if (home && *home)
        return snprintf(buf, n, "%s/.local/share/epintel/out", home) < (int)n ? 0 : -1;
    return snprintf(buf, n, "./epintel-out") < (int)n ? 0 : -1;
}

static int setup_tools(void)
{
    struct ep_error err = {0};
    ep_stats_init();
    ep_graph_init();
    if (ep_tools_register_all(&err)) {
        ep_cli_error(&err);
        return -1;
    }
    return 0;
}

static void serve_usage(FILE *f)
{
    fprintf(f,
            "usage: epintel [--db PATH] serve [--stdio] [--out-dir DIR]\n"
            "                                 [--max-message-bytes N] [--workers N]\n\n"
            "Run the MCP server. With --stdio (the default) it reads JSON-RPC messages, one per\n"
            "line, on standard input and writes responses on standard output; logs go to\n"
            "standard error. It exits when standard input closes.\n\n"
            "  --out-dir DIR            where artefacts (reports, charts) are written\n"
            "                           (default $XDG_DATA_HOME/epintel/out)\n"
            "  --max-message-bytes N    largest accepted message (default 16777216)\n"
            "  --workers N              concurrent tool calls (default 4; analytics run one\n"
            "                           at a time)\n");
}

int ep_cmd_serve(struct ep_cli *cli, int argc, char **argv)
{
    char outbuf[PATH_MAX];
    const char *out_dir = NULL;
    long max_msg = (long)EP_MCP_DEFAULT_MAX_MESSAGE, workers = 4;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        char *end = NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            serve_usage(stdout);
            return EP_EXIT_OK;
        } else if (strcmp(a, "--stdio") == 0) {
            continue;
        } else if (strcmp(a, "--out-dir") == 0 && v) {
            out_dir = v;
            i++;
        } else if (strcmp(a, "--max-message-bytes") == 0 && v) {
            max_msg = strtol(v, &end, 10);
            if (*end || max_msg < 1024 || max_msg > (1L << 30)) {
                fprintf(stderr, "epintel serve: --max-message-bytes needs a number from 1024 "
                                "to 1073741824\n");
                return EP_EXIT_USAGE;
            }
            i++;
        } else if (strcmp(a, "--workers") == 0 && v) {
            workers = strtol(v, &end, 10);
            if (*end || workers < 1 || workers > 64) {
                fprintf(stderr, "epintel serve: --workers needs a number from 1 to 64\n");
                return EP_EXIT_USAGE;
            }
            i++;
        } else {
            fprintf(stderr, "epintel serve: unknown argument %s\n", a);
            serve_usage(stderr);
            return EP_EXIT_USAGE;
        }
    }
    if (!out_dir) {
        if (default_out_dir(outbuf, sizeof outbuf)) {
            fprintf(stderr, "epintel serve: output path too long; pass --out-dir\n");
            return EP_EXIT_USAGE;
        }
        out_dir = outbuf;
    }
    struct ep_cli c = *cli;
    c.quiet = 1; /* nothing but protocol on stdout; fills report on stderr only when asked */
    struct ep_store *s = ep_cli_open_store(&c, 1);
    if (!s)
        return EP_EXIT_ERROR;
    if (setup_tools()) {
        ep_store_close(s);
        return EP_EXIT_ERROR;
    }
    struct ep_mcp_options o;
    ep_mcp_options_init(&o);
    o.title = "epintel: European Parliament OSINT analytics";
    o.instructions =
        "epintel answers questions about the European Parliament from real roll-call data "
        "(per-MEP positions) and HowTheyVote.eu vote metadata. Start with get_meps or "
        "search_documents to find ids, then use the analysis and intelligence tools. Every "
        "result names its data window and provenance. Source: European Parliament. Data: "
        "HowTheyVote.eu (ODbL).";
    o.max_message_bytes = (size_t)max_msg;
    o.workers = (int)workers;
    o.ctx.store = s;
    o.ctx.out_dir = out_dir;
    o.provider = ep_tools_provider(s);
    struct ep_error err = {0};
    struct ep_mcp_server *srv;
    int rc = ep_mcp_server_new(&o, &srv, &err);
    if (!rc) {
        rc = ep_mcp_serve_stdio(srv, stdin, stdout, &err);
        ep_mcp_server_free(srv);
    }
    if (rc)
        ep_cli_error(&err);
    ep_tools_cleanup();
    ep_store_close(s);
    return rc ? EP_EXIT_ERROR : EP_EXIT_OK;
}

static void tool_usage(FILE *f)
{
    fprintf(f, "usage: epintel [--db PATH] tool NAME [--args JSON | --args-file FILE]\n"
               "                                [--out-dir DIR] [--compact] [--field KEY]\n\n"
               "Run one tool of the table (the same tools MCP clients call) and print its\n"
               "structured result as JSON on standard output. Arguments are checked against the\n"
               "tool's inputSchema (see `epintel tools NAME`). Errors go to standard error with\n"
               "exit code 2 (bad arguments), 4 (no such data) or 1. --field KEY prints one\n"
               "top-level field of the result (a string field raw, e.g. a report's markdown).\n\n"
               "example: epintel tool get_meps --args '{\"country\":\"LUX\",\"limit\":5}'\n");
}

static void progress_line(void *pctx, double done, double total, const char *msg)
{
    (void)pctx;
    if (total > 0)
        fprintf(stderr, "epintel: %.0f/%.0f %s\n", done, total, msg ? msg : "");
    else
        fprintf(stderr, "epintel: %.0f %s\n", done, msg ? msg : "");
}

/* 1 (after the message and the usage) when option a has no value v. */
static int tool_missing_value(const char *a, const char *v)
{
    if (v)
        return 0;
    fprintf(stderr, "epintel tool: %s needs a value\n", a);
    tool_usage(stderr);
    return 1;
}

int ep_cmd_tool(struct ep_cli *cli, int argc, char **argv)
{
    const char *name = NULL, *args_text = NULL, *args_file = NULL, *out_dir = NULL;
    const char *field = NULL;
    int compact = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            tool_usage(stdout);
            return EP_EXIT_OK;
        } else if (strcmp(a, "--args") == 0) {
            if (tool_missing_value(a, v))
                return EP_EXIT_USAGE;
            args_text = v;
            i++;
        } else if (strcmp(a, "--args-file") == 0) {
            if (tool_missing_value(a, v))
                return EP_EXIT_USAGE;
            args_file = v;
            i++;
        } else if (strcmp(a, "--out-dir") == 0) {
            if (tool_missing_value(a, v))
                return EP_EXIT_USAGE;
            out_dir = v;
            i++;
        } else if (strcmp(a, "--compact") == 0) {
            compact = 1;
        } else if (strcmp(a, "--field") == 0) {
            if (tool_missing_value(a, v))
                return EP_EXIT_USAGE;
            field = v;
            i++;
        } else if (a[0] != '-' && !name) {
            name = a;
        } else {
            fprintf(stderr, "epintel tool: unexpected argument %s\n", a);
            tool_usage(stderr);
            return EP_EXIT_USAGE;
        }
    }
    if (!name) {
        tool_usage(stderr);
        return EP_EXIT_USAGE;
    }
    json_error_t jerr;
    json_t *args = NULL;
    struct ep_buf fb;
    ep_buf_init(&fb, 0);
    struct ep_error err = {0};
    if (args_file) {
        if (ep_read_file(args_file, 16 << 20, &fb, &err)) {
            ep_cli_error(&err);
            return EP_EXIT_USAGE;
        }
        args_text = fb.data;
    }
    if (args_text) {
        args = json_loads(args_text, JSON_REJECT_DUPLICATES, &jerr);
        if (!args || !json_is_object(args)) {
            fprintf(stderr, "epintel tool: --args must be a JSON object: %s (column %d)\n",
                    args ? "got another JSON type" : jerr.text, jerr.column);
            json_decref(args);
            ep_buf_free(&fb);
            return EP_EXIT_USAGE;
        }
    }
    ep_buf_free(&fb);
    if (setup_tools()) {
        json_decref(args);
        return EP_EXIT_ERROR;
    }
    if (!ep_tools_find(name)) {
        fprintf(stderr, "epintel tool: no tool named \"%s\" (see epintel tools)\n", name);
        json_decref(args);
        ep_tools_cleanup();
        return EP_EXIT_USAGE;
    }
    struct ep_store *s = ep_cli_open_store(cli, 1);
    if (!s) {
        json_decref(args);
        ep_tools_cleanup();
        return EP_EXIT_ERROR;
    }
    char outbuf[PATH_MAX];
    if (!out_dir && default_out_dir(outbuf, sizeof outbuf) == 0)
        out_dir = outbuf;
    struct ep_tool_ctx ctx = {.store = s, .out_dir = out_dir};
    if (!cli->quiet)
        ctx.progress = progress_line;
    json_t *result = NULL;
    int rc = ep_tools_call(&ctx, name, args, &result, &err);
    if (rc) {
        ep_cli_error(&err);
    } else if (field) {
        json_t *f = json_object_get(result, field);
        if (json_is_string(f)) {
            fputs(json_string_value(f), stdout);
        } else if (f) {
            char *text = json_dumps(f, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENCODE_ANY);
            if (text) {
                fputs(text, stdout);
                fputc('\n', stdout);
                free(text);
            }
        } else {
            fprintf(stderr, "epintel tool: the result of %s has no field \"%s\"\n", name, field);
            rc = EP_EINVAL;
        }
    } else {
        char *text = json_dumps(result, (compact ? JSON_COMPACT : JSON_INDENT(2)) | JSON_SORT_KEYS);
        if (text) {
            fputs(text, stdout);
            fputc('\n', stdout);
            free(text);
        }
    }
    json_decref(result);
    json_decref(args);
    ep_tools_cleanup();
    ep_store_close(s);
    return ep_cli_exit_code(rc);
}

int ep_cmd_tools(struct ep_cli *cli, int argc, char **argv)
{
    (void)cli;
    const char *only = NULL;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: epintel tools [--json] [NAME]\n\n"
                   "List the tools (name, title, annotations); with NAME or --json, print the\n"
                   "full rows with their input and output schemas as JSON.\n");
            return EP_EXIT_OK;
        } else if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (argv[i][0] != '-' && !only) {
            only = argv[i];
        } else {
            fprintf(stderr, "epintel tools: unexpected argument %s\n", argv[i]);
            return EP_EXIT_USAGE;
        }
    }
    if (setup_tools())
        return EP_EXIT_ERROR;
    if (only && !ep_tools_find(only)) {
        fprintf(stderr, "epintel tools: no tool named \"%s\"\n", only);
        ep_tools_cleanup();
        return EP_EXIT_USAGE;
    }
    json_t *all = json_array();
    for (size_t i = 0; i < ep_tools_count(); i++) {
        const struct ep_tool *t = ep_tools_at(i);
        if (only && strcmp(only, t->name) != 0)
            continue;
        if (!json && !only) {
            printf("%-36s %s%s\n", t->name, t->title, t->read_only ? "" : " (writes)");
            continue;
        }
        json_t *o = json_pack("{s:s, s:s, s:s, s:O, s:{s:b, s:b, s:b}, s:i}", "name", t->name,
                              "title", t->title, "description", t->description, "inputSchema",
                              ep_tools_input_schema(t), "annotations", "readOnlyHint", t->read_only,
                              "idempotentHint", t->idempotent, "openWorldHint", t->open_world,
                              "cacheTtlSeconds", t->cache_ttl_s);
        if (o && ep_tools_output_schema(t))
            json_object_set(o, "outputSchema", ep_tools_output_schema(t));
        json_array_append_new(all, o);
    }
    if (json || only) {
        char *text = json_dumps(all, JSON_INDENT(2));
        if (text) {
            puts(text);
            free(text);
        }
    }
    json_decref(all);
    ep_tools_cleanup();
    return EP_EXIT_OK;
}
