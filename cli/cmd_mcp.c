/* epintel serve | tool | tools: the MCP server and the CLI front end over the same table. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ep_conformance.h"
#include "ep_env.h"
#include "ep_graph.h"
#include "ep_http.h"
#include "ep_mcp.h"
#include "ep_provider.h"
#include "ep_stats.h"
#include "ep_tasks.h"
#include "ep_report.h"
#include "ep_tools.h"
#include "ep_tools_all.h"
#include "ep_tools_epapi.h"
#include "ep_trace.h"
#include "ep_ui_res.h"
#include "ep_util.h"

static int default_out_dir(char *buf, size_t n)
{
    const char *env = getenv("EPINTEL_OUT_DIR");
    if (env && *env)
        return snprintf(buf, n, "%s", env) < (int)n ? 0 : -1;
    const char *xdg = getenv("XDG_DATA_HOME");
    const char *home = getenv("HOME");
    if (xdg && *xdg == '/')
        return snprintf(buf, n, "%s/epintel/out", xdg) < (int)n ? 0 : -1;
    if (home && *home)
        return snprintf(buf, n, "%s/.local/share/epintel/out", home) < (int)n ? 0 : -1;
    return snprintf(buf, n, "./epintel-out") < (int)n ? 0 : -1;
}

/* *ts: a new tool table with every row registered (ep_tools_close), or -1 with the error
 * printed. */
static int setup_tools(struct ep_tools **ts)
{
    struct ep_error err = {0};
    /* No ep_stats_init()/ep_graph_init() here: the code that uses GSL and igraph installs their
     * handlers itself, so those libraries load only when a tool needs them (ep_lazy.h). */
    if (ep_tools_init(ts, &err) || ep_tools_register_all(*ts, &err)) {
        ep_cli_error(&err);
        ep_tools_close(*ts);
        *ts = NULL;
        return -1;
    }
    return 0;
}

static void serve_usage(FILE *f)
{
    fprintf(f,
            "usage: epintel [--db PATH] serve [--stdio | --http ADDR:PORT] [--out-dir DIR]\n"
            "                                 [--max-message-bytes N] [--workers N]\n"
            "                                 [--tool-timeout S]\n"
            "                                 [--port-file F] [--allow-origin HOST:PORT]...\n"
            "                                 [--max-body-bytes N] [--max-header-bytes N]\n"
            "                                 [--max-sessions N] [--max-sessions-per-principal N]\n"
            "                                 [--max-tool-calls N]\n"
            "                                 [--session-idle S] [--io-timeout S]\n"
            "                                 [--header-timeout S] [--request-timeout S]\n"
            "                                 [--max-connections-per-ip N]\n"
            "                                 [--auth-config F] [--audit-file F]\n"
            "                                 [--state redis://HOST:PORT/DB]\n"
            "                                 [--rate-per-minute N] [--max-replay-bytes N]\n"
            "                                 [--otlp URL] [--conformance-fixtures]\n\n"
            "Run the MCP server. With --stdio (the default) it reads JSON-RPC messages, one per\n"
            "line, on standard input and writes responses on standard output; logs go to\n"
            "standard error. It exits when standard input closes.\n"
            "With --http ADDR:PORT (e.g. 127.0.0.1:8080; port 0 picks a free port) it serves\n"
            "MCP Streamable HTTP on /mcp, plus /healthz and /metrics, until SIGTERM/SIGINT\n"
            "(see docs/http.md).\n\n");
    fprintf(f, /* the options (one literal would pass C99's 4095-character minimum) */
            "  --out-dir DIR            where artefacts (reports, charts) are written\n"
            "                           (default $EPINTEL_OUT_DIR, else\n"
            "                           $XDG_DATA_HOME/epintel/out); PNGs up to\n"
            "                           $EPINTEL_INLINE_MAX_BYTES (default 8 MiB) are also\n"
            "                           inlined in tool results\n"
            "  --max-message-bytes N    largest accepted message (default 16777216)\n"
            "  --tool-timeout S         a tool call's deadline from its arrival (default 60;\n"
            "                           0 = none): EP Open Data API requests still running\n"
            "                           then stop, and the call answers isError naming it\n"
            "  --workers N              concurrent calls per session (default 4; analytics\n"
            "                           run one at a time)\n"
            "  --port-file F            (http) write the bound port to F\n"
            "  --allow-origin H         (http) also accept Host/Origin H (host:port or\n"
            "                           http://host:port); localhost, 127.0.0.1 and [::1]\n"
            "                           with the bound port are always accepted\n"
            "  --max-body-bytes N       (http) largest POST body (default 4194304; 413)\n"
            "  --max-header-bytes N     (http) largest request line and headers (default\n"
            "                           32768; 431 beyond)\n"
            "  --max-sessions N         (http) open sessions (default 256; 503 beyond)\n"
            "  --max-sessions-per-principal N\n"
            "                           (http, with --auth-config) sessions one principal may\n"
            "                           hold (default 16); its oldest idle one is closed\n"
            "                           beyond, 429 if none is idle\n"
            "  --max-tool-calls N       (http) concurrent tools/call (default 16; 429 beyond)\n"
            "  --session-idle S         (http) idle sessions expire after S s (default 1800)\n"
            "  --io-timeout S           (http) idle connections close after S s (default 30)\n"
            "  --request-timeout S      (http) a POST body must have all come S s after its\n"
            "                           headers, else 408 (default 60)\n"
            "  --header-timeout S       (http) a request's headers must arrive within S s of\n"
            "                           the connection opening or its previous request\n"
            "                           ending, else it is closed (default 10; slowloris)\n"
            "  --max-connections-per-ip N\n"
            "                           (http) connections one client address may hold\n"
            "                           (default 128 of 512), so others keep a reserve\n"
            "  --auth-config F          (http) API keys, JWT issuer/audience/JWKS and roles\n"
            "                           (docs/http.md); SIGHUP reloads it. Required to bind\n"
            "                           a non-loopback address\n"
            "  --audit-file F           (http) one JSON line per /mcp request (mode 0600,\n"
            "                           rotated to F.1 at 10 MiB)\n"
            "  --state URL              (http) keep the daily quota counters, rate windows, revoked\n"
            "                           keys and tasks in Redis (redis://HOST:PORT/DB), shared\n"
            "                           by replicas; Redis unreachable: checks that need it\n"
            "                           fail closed with 503 (docs/deploy.md)\n"
            "  --rate-per-minute N      (http) requests per principal per sliding minute\n"
            "                           (default 0 = unlimited; 429 beyond)\n"
            "  --max-replay-bytes N     (http) SSE events kept for resumption (Last-Event-ID)\n"
            "                           over all streams and sessions (default 67108864);\n"
            "                           the oldest are dropped beyond (resume -> 410)\n"
            "  --conformance-fixtures   register the MCP conformance suite's test tools,\n"
            "                           resources and prompts (testing only)\n");
    fprintf(f, "  --otlp URL               export trace spans (request, auth, tool, upstream\n"
               "                           fetch) as OTLP/HTTP JSON to URL/v1/traces, e.g.\n"
               "                           http://127.0.0.1:4318 (default\n"
               "                           $OTEL_EXPORTER_OTLP_ENDPOINT); asynchronous: a full\n"
               "                           queue drops spans, counted in /metrics. W3C\n"
               "                           traceparent is read from requests and sent\n"
               "                           upstream, and the trace id is audited, with or\n"
               "                           without it (docs/operations.md)\n");
}

/* Parse a positive number flag into *out; 0 or prints the error. */
static int num_flag(const char *a, const char *v, long lo, long hi, long *out)
{
    char *end = NULL;
    long n = v ? strtol(v, &end, 10) : 0;
    if (!v || *end || n < lo || n > hi) {
        fprintf(stderr, "epintel serve: %s needs a number from %ld to %ld\n", a, lo, hi);
        return -1;
    }
    *out = n;
    return 0;
}

/* "ADDR:PORT", "[::1]:PORT", ":PORT" or "PORT". Returns 0 and fills addr (static) and port. */
static int parse_listen(const char *v, const char **addr, int *port)
{
    static char buf[128];
    const char *colon = strrchr(v, ':');
    const char *ps = colon ? colon + 1 : v;
    char *end = NULL;
    long p = strtol(ps, &end, 10);
    if (!*ps || *end || p < 0 || p > 65535)
        return -1;
    *port = (int)p;
    if (!colon || colon == v) {
        *addr = "127.0.0.1";
        return 0;
    }
    size_t n = (size_t)(colon - v);
    if (n >= sizeof buf)
        return -1;
    memcpy(buf, v, n);
    buf[n] = 0;
    if (strcmp(buf, "localhost") == 0)
        snprintf(buf, sizeof buf, "127.0.0.1");
    *addr = buf;
    return 0;
}

/* epintel serve's options (defaults as in serve_usage). */
struct serve_opts {
    const char *out_dir, *http, *port_file, *auth_config, *audit_file, *state_url, *otlp;
    long rate, max_msg, workers, max_body, max_header, max_sessions, max_calls, max_sessions_pp;
    long session_idle, io_timeout, max_replay, header_timeout, max_per_ip, tool_timeout;
    long request_timeout;
    int fixtures;
    const char *allow[32];
    int nallow;
};

/* Parse argv into o: 0, 1 after --help (usage printed), -1 on a usage error (message printed). */
static int serve_parse(int argc, char **argv, struct serve_opts *o)
{
    *o = (struct serve_opts){.max_msg = (long)EP_MCP_DEFAULT_MAX_MESSAGE,
                             .workers = 4,
                             .max_body = 4L << 20,
                             .max_header = 32L << 10,
                             .max_sessions = 256,
                             .max_calls = 16,
                             .max_sessions_pp = 16,
                             .session_idle = 1800,
                             .io_timeout = 30,
                             .max_replay = 64L << 20,
                             .header_timeout = 10,
                             .max_per_ip = 128,
                             .tool_timeout = 60,
                             .request_timeout = 60};
    const char *oe = getenv("OTEL_EXPORTER_OTLP_ENDPOINT");
    o->otlp = oe && *oe ? oe : NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        long *num = NULL, lo = 1, hi = 0;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            serve_usage(stdout);
            return 1;
        } else if (strcmp(a, "--stdio") == 0) {
            o->http = NULL;
            continue;
        } else if (strcmp(a, "--conformance-fixtures") == 0) {
            o->fixtures = 1;
            continue;
        } else if (strcmp(a, "--out-dir") == 0 && v) {
            o->out_dir = v;
            i++;
            continue;
        } else if (strcmp(a, "--http") == 0 && v) {
            o->http = v;
            i++;
            continue;
        } else if (strcmp(a, "--auth-config") == 0 && v) {
            o->auth_config = v;
            i++;
            continue;
        } else if (strcmp(a, "--state") == 0 && v) {
            o->state_url = v;
            i++;
            continue;
        } else if (strcmp(a, "--audit-file") == 0 && v) {
            o->audit_file = v;
            i++;
            continue;
        } else if (strcmp(a, "--otlp") == 0 && v) {
            o->otlp = v;
            i++;
            continue;
        } else if (strcmp(a, "--port-file") == 0 && v) {
            o->port_file = v;
            i++;
            continue;
        } else if (strcmp(a, "--allow-origin") == 0 && v) {
            if (o->nallow == (int)(sizeof o->allow / sizeof o->allow[0])) {
                fprintf(stderr, "epintel serve: at most 32 --allow-origin values\n");
                return -1;
            }
            o->allow[o->nallow++] = v;
            i++;
            continue;
        } else if (strcmp(a, "--max-message-bytes") == 0) {
            num = &o->max_msg, lo = 1024, hi = 1L << 30;
        } else if (strcmp(a, "--workers") == 0) {
            num = &o->workers, hi = 64;
        } else if (strcmp(a, "--max-body-bytes") == 0) {
            num = &o->max_body, lo = 1024, hi = 1L << 30;
        } else if (strcmp(a, "--max-header-bytes") == 0) {
            num = &o->max_header, lo = 4096, hi = 1L << 20;
        } else if (strcmp(a, "--max-sessions") == 0) {
            num = &o->max_sessions, hi = 100000;
        } else if (strcmp(a, "--tool-timeout") == 0) {
            num = &o->tool_timeout, lo = 0, hi = 86400;
        } else if (strcmp(a, "--request-timeout") == 0) {
            num = &o->request_timeout, hi = 3600;
        } else if (strcmp(a, "--header-timeout") == 0) {
            num = &o->header_timeout, hi = 3600;
        } else if (strcmp(a, "--max-connections-per-ip") == 0) {
            num = &o->max_per_ip, hi = 512;
        } else if (strcmp(a, "--max-sessions-per-principal") == 0) {
            num = &o->max_sessions_pp, hi = 100000;
        } else if (strcmp(a, "--max-tool-calls") == 0) {
            num = &o->max_calls, hi = 4096;
        } else if (strcmp(a, "--session-idle") == 0) {
            num = &o->session_idle, hi = 7 * 86400;
        } else if (strcmp(a, "--rate-per-minute") == 0) {
            num = &o->rate, lo = 0, hi = 10000000;
        } else if (strcmp(a, "--max-replay-bytes") == 0) {
            num = &o->max_replay, lo = 0, hi = 1L << 40;
        } else if (strcmp(a, "--io-timeout") == 0) {
            num = &o->io_timeout, hi = 3600;
        }
        if (!num) {
            fprintf(stderr, "epintel serve: unknown argument %s\n", a);
            serve_usage(stderr);
            return -1;
        }
        if (num_flag(a, v, lo, hi, num))
            return -1;
        i++;
    }
    return 0;
}

/* Serve MCP over HTTP with o's options (mcp: the session template). */
static int serve_http(const struct serve_opts *o, const char *addr, int port,
                      const struct ep_mcp_options *mcp, struct ep_store *s,
                      struct ep_ui_res_cache *ui, struct ep_error *err)
{
    struct ep_http_options h;
    ep_http_options_init(&h);
    h.addr = addr;
    h.port = port;
    h.port_file = o->port_file;
    h.allow_hosts = o->allow;
    h.n_allow_hosts = o->nallow;
    h.max_body = (size_t)o->max_body;
    h.max_header = (size_t)o->max_header;
    h.max_sessions = (int)o->max_sessions;
    h.max_sessions_per_principal = (int)o->max_sessions_pp;
    h.max_tool_calls = (int)o->max_calls;
    h.session_idle_s = (int)o->session_idle;
    h.io_timeout_s = (int)o->io_timeout;
    h.header_timeout_s = (int)o->header_timeout;
    h.request_timeout_s = (int)o->request_timeout;
    h.max_connections_per_ip = (int)o->max_per_ip;
    h.mcp = *mcp;
    h.store = s;
    h.ui = ui;
    h.metrics = ep_tools_epapi_metrics;
    h.metrics_ctx = mcp->tools;
    h.auth_config = o->auth_config;
    h.audit_file = o->audit_file;
    h.state_url = o->state_url;
    h.rate_per_minute = o->rate;
    h.max_replay_bytes = (size_t)o->max_replay;
    return ep_http_serve(&h, err);
}

int ep_cmd_serve(struct ep_cli *cli, int argc, char **argv)
{
    char outbuf[PATH_MAX];
    struct serve_opts so;
    ep_mem_server();
    int prc = serve_parse(argc, argv, &so);
    if (prc)
        return prc > 0 ? EP_EXIT_OK : EP_EXIT_USAGE;
    const char *addr = NULL;
    int port = 0;
    if (so.http && parse_listen(so.http, &addr, &port)) {
        fprintf(stderr,
                "epintel serve: --http \"%s\": needs [ADDR:]PORT, ADDR an IP address or "
                "localhost (default 127.0.0.1), PORT from 0 to 65535 (0 picks a free one), "
                "e.g. 127.0.0.1:8080\n",
                so.http);
        return EP_EXIT_USAGE;
    }
    const char *out_dir = so.out_dir;
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
    struct ep_tools *ts = NULL;
    if (setup_tools(&ts)) {
        ep_store_close(s);
        return EP_EXIT_ERROR;
    }
    struct ep_error err = {0};
    if (so.fixtures && ep_conformance_register(ts, &err)) {
        ep_cli_error(&err);
        ep_tools_close(ts);
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
    o.max_message_bytes = (size_t)so.max_msg;
    o.workers = (int)so.workers;
    o.tool_timeout_s = (int)so.tool_timeout;
    struct ep_env env; /* one analysis environment for the store, shared by every session */
    ep_env_init(&env, s, NULL);
    o.ctx.store = s;
    o.ctx.env = &env;
    o.ctx.out_dir = out_dir;
    o.tools = ts;
    struct ep_ui_res_cache *ui = NULL; /* the views' pages, for ui:// and /ui/ */
    if (ep_ui_res_cache_init(&ui, &err)) {
        ep_cli_error(&err);
        ep_tools_close(ts);
        ep_env_close(&env);
        ep_store_close(s);
        return EP_EXIT_ERROR;
    }
    struct ep_tools_provider_ctx pc = {.store = s, .tools = ts, .ui = ui};
    struct ep_mcp_provider prov;
    ep_tools_provider_init(&prov, &pc);
    o.provider = &prov;
    struct ep_conformance conf = {0};
    if (so.fixtures) {
        ep_conformance_provider_init(&conf, o.provider);
        o.provider = &conf.p;
    }
    /* long calls as tasks kept in the store (mcp/ep_tasks.h): the report jobs, and any call that
     * renders files (a "formats" argument) */
    static const char *const task_tools[] = {"generate_report", NULL};
    struct ep_tasks *tasks = NULL;
    if (ep_tasks_open_shared(ep_store_path(s), so.state_url, &o, task_tools, &tasks, &err)) {
        ep_cli_error(&err);
        ep_ui_res_cache_close(ui);
        ep_conformance_provider_free(&conf);
        ep_tools_close(ts);
        ep_env_close(&env);
        ep_store_close(s);
        return EP_EXIT_ERROR;
    }
    o.tasks = tasks;
    int rc = so.otlp ? ep_trace_start(so.otlp, &err) : 0; /* the span exporter's thread */
    if (rc) {
        ep_cli_error(&err);
        ep_tasks_close(tasks);
        ep_ui_res_cache_close(ui);
        ep_conformance_provider_free(&conf);
        ep_tools_close(ts);
        ep_env_close(&env);
        ep_store_close(s);
        return rc == EP_EINVAL ? EP_EXIT_USAGE : EP_EXIT_ERROR;
    }
    if (so.http) {
        rc = serve_http(&so, addr, port, &o, s, ui, &err);
    } else {
        struct ep_mcp_server *srv;
        rc = ep_mcp_server_new(&o, &srv, &err);
        if (!rc) {
            rc = ep_mcp_serve_stdio(srv, stdin, stdout, &err);
            ep_mcp_server_free(srv);
        }
    }
    if (rc)
        ep_cli_error(&err);
    ep_trace_stop(5.0); /* what is queued goes out, waiting 5 s at most */
    ep_tasks_close(tasks);
    ep_ui_res_cache_close(ui);
    ep_conformance_provider_free(&conf);
    ep_tools_close(ts);
    ep_env_close(&env);
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
    struct ep_tools *ts = NULL;
    if (setup_tools(&ts)) {
        json_decref(args);
        return EP_EXIT_ERROR;
    }
    if (!ep_tools_find(ts, name)) {
        fprintf(stderr, "epintel tool: no tool named \"%s\" (see epintel tools)\n", name);
        json_decref(args);
        ep_tools_close(ts);
        return EP_EXIT_USAGE;
    }
    struct ep_store *s = ep_cli_open_store(cli, 1);
    if (!s) {
        json_decref(args);
        ep_tools_close(ts);
        return EP_EXIT_ERROR;
    }
    char outbuf[PATH_MAX];
    if (!out_dir && default_out_dir(outbuf, sizeof outbuf) == 0)
        out_dir = outbuf;
    struct ep_env env;
    ep_env_init(&env, s, NULL);
    struct ep_tool_ctx ctx = {.store = s, .env = &env, .out_dir = out_dir};
    if (!cli->quiet)
        ctx.progress = progress_line;
    json_t *result = NULL;
    int rc = ep_tools_call(ts, &ctx, name, args, &result, &err);
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
    ep_tools_close(ts);
    ep_env_close(&env);
    ep_store_close(s);
    ep_report_cleanup(); /* cairo's and fontconfig's caches after a rendered file (leak checkers) */
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
    struct ep_tools *ts = NULL;
    if (setup_tools(&ts))
        return EP_EXIT_ERROR;
    if (only && !ep_tools_find(ts, only)) {
        fprintf(stderr, "epintel tools: no tool named \"%s\"\n", only);
        ep_tools_close(ts);
        return EP_EXIT_USAGE;
    }
    json_t *all = json_array();
    for (size_t i = 0; i < ep_tools_count(ts); i++) {
        const struct ep_tool *t = ep_tools_at(ts, i);
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
    ep_tools_close(ts);
    return EP_EXIT_OK;
}
