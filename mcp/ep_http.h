/* ep_http: the MCP Streamable HTTP transport (libmicrohttpd), one ep_mcp_server per session.
 *
 * Endpoints: POST/GET/DELETE /mcp (MCP), GET /healthz, GET /metrics. See docs/http.md.
 *
 * Typical use (cli `epintel serve --http 127.0.0.1:8080`):
 *
 *     struct ep_http_options h;
 *     ep_http_options_init(&h);
 *     h.addr = "127.0.0.1"; h.port = 8080; h.mcp = mcp_options; h.store = store;
 *     rc = ep_http_serve(&h, &err);   // returns after SIGTERM or SIGINT
 *
 * Threads: one thread per connection (bounded by max_connections); tool calls run on each
 * session's worker threads, serialized by the core's execution mutex; cached results are
 * answered on the connection's thread. */
#ifndef EP_HTTP_H
#define EP_HTTP_H

#include <stddef.h>

#include "ep_error.h"
#include "ep_mcp.h"

struct ep_buf;
struct ep_store;

struct ep_http_options {
    const char *addr;               /* bind address, default "127.0.0.1" ("[::1]" for v6) */
    int port;                       /* 0 = any free port */
    const char *port_file;          /* write the bound port there (may be NULL) */
    const char *const *allow_hosts; /* extra allowed Host/Origin authorities ("host:port"
                                       or an origin "http://host:port"), borrowed */
    int n_allow_hosts;
    size_t max_body;                /* largest POST body, default 4 MiB (413 beyond) */
    size_t max_header;              /* per-connection header memory, default 32 KiB (431) */
    int io_timeout_s;               /* idle connection timeout, default 30 s */
    int request_timeout_s;          /* whole body upload deadline, default 60 s (408) */
    int header_timeout_s;           /* a request's headers must be complete this long after the
                                       connection opened or its previous request ended, default
                                       10 s; else the connection is closed (slowloris) */
    int max_connections_per_ip;     /* default 128 (of max_connections 512): the rest stays for
                                       other clients; beyond it a connection is refused */
    int session_idle_s;             /* idle sessions expire, default 1800 s */
    int max_sessions;               /* default 256 (503 beyond) */
    int max_sessions_per_principal; /* with authentication, default 16; beyond it the
                                  principal's oldest idle session is closed, and with none idle
                                  the new one is refused (429) */
    int max_connections;            /* default 512 */
    int max_tool_calls;             /* concurrent tools/call over all sessions, default 16
                                       (429 beyond) */
    size_t gzip_min;                /* gzip JSON bodies at least this large, default 1024 */
    size_t max_replay_bytes;        /* SSE replay data kept over all streams and sessions, default
                                       64 MiB (the oldest events are dropped beyond; 0 keeps none) */
    struct ep_mcp_options mcp;      /* template for each session's server */
    const char *auth_config;        /* ep_auth JSON config (NULL = no authentication; then only a
                                       loopback address may be bound); reloaded on SIGHUP */
    const char *audit_file;         /* one JSON line per /mcp request (mode 0600), NULL = none */
    long audit_max_bytes;           /* rotate to FILE.1 beyond this, default 10 MiB */
    long rate_per_minute;           /* requests per principal (client address without auth) in any
                                       sliding minute, 0 = unlimited (429 + Retry-After beyond) */
    struct ep_store *store;         /* for /healthz readiness (may be NULL, borrowed) */
    struct ep_ui_res_cache *ui;     /* /ui/ pages cache (ep_ui_res.h; NULL = none; borrowed) */
    /* /metrics: more metrics text (Prometheus exposition format) appended to b by the front end,
     * e.g. the EP API pipeline's per-endpoint figures (ep_tools_epapi_metrics). Returns 1 when
     * b holds a fresh reading, 0 when none can be taken without waiting (then the last fresh
     * reading is shown: a scrape never waits for a tool). Called on a connection thread. NULL =
     * none. */
    int (*metrics)(void *ctx, struct ep_buf *b);
    void *metrics_ctx;
    const char *state_url;          /* redis://HOST:PORT/DB: daily quota counters shared by
                                       replicas (mcp/ep_state.h); NULL = in the process */
};

/* Fill o with the defaults above (mcp with ep_mcp_options_init). */
void ep_http_options_init(struct ep_http_options *o);

/* Serve until SIGTERM or SIGINT (SIGHUP reloads auth_config: rotated API keys and keys
 * take effect without a restart; a broken file keeps the previous config), then stop accepting, let
 * in-flight requests finish (up to 10 s), cancel the rest, close every session and return 0. EP_EIO
 * when the address cannot be bound or the port file cannot be written, EP_EINVAL for a bad auth
 * config or a non-loopback address without one. Blocks SIGINT, SIGTERM, SIGHUP and SIGPIPE in the
 * calling thread (and so in every thread it starts). */
int ep_http_serve(const struct ep_http_options *o, struct ep_error *err);

#endif
