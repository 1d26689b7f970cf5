/* ep_stdio: the MCP stdio transport (newline-delimited JSON-RPC on a pair of FILEs). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ep_mcp.h"
#include "ep_util.h"

static int ep_stdio_write(void *wctx, void *origin, const char *json, size_t len, int last)
{
    FILE *f = wctx;
    if (!json)
        return 0; /* "no reply" marker: nothing to write on stdio */
    if (fwrite(json, 1, len, f) != len || fputc('\n', f) == EOF || fflush(f) != 0)
        return -1;
    return 0;
}

static int blank(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
            return 0;
    return 1;
}

int ep_mcp_serve_stdio(struct ep_mcp_server *s, FILE *in, FILE *out, struct ep_error *err)
{
    int rc = 0, saved_fd = -1;
    FILE *proto = out;
    struct ep_buf line;
    size_t cap = ep_mcp_max_message_bytes(s);

    signal(SIGPIPE, SIG_IGN);
    if (fileno(out) == STDOUT_FILENO) {
        /* Keep the real stdout for the protocol only; fd 1 becomes stderr so that stray
         * printf()s from any library cannot corrupt the stream. */
        fflush(stdout);
        saved_fd = dup(STDOUT_FILENO);
        if (saved_fd < 0)
            return ep_error_set(err, EP_EIO, "cannot duplicate stdout for the MCP stream");
        proto = fdopen(saved_fd, "w");
        if (!proto) {
            close(saved_fd);
            return ep_error_set(err, EP_EIO, "cannot open the MCP stream on stdout");
        }
        if (dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
            fclose(proto);
            return ep_error_set(err, EP_EIO, "cannot redirect stdout to stderr");
        }
    }
    ep_mcp_set_writer(s, ep_stdio_write, proto);

    ep_buf_init(&line, cap);
    int over = 0; /* current line exceeded the cap: discard until newline */
    size_t total = 0;
    flockfile(in);
    for (;;) {
        int c = getc_unlocked(in);
        if (c != EOF && c != '\n') {
            total++;
            if (!over && ep_buf_putc(&line, (char)c) != 0)
                over = 1;
            continue;
        }
        if (c == EOF && total == 0)
            break;
        int hrc = 0;
        if (over) {
            funlockfile(in);
            hrc = ep_mcp_reject_oversized(s, line.data, line.len > 4096 ? 4096 : line.len, total,
                                          NULL);
            flockfile(in);
        } else if (!blank(line.data, line.len)) {
            size_t n = line.len;
            if (n && line.data[n - 1] == '\r')
                n--;
            funlockfile(in);
            hrc = ep_mcp_handle(s, line.data, n, NULL);
            flockfile(in);
        }
        ep_buf_reset(&line);
        over = 0;
        total = 0;
        if (hrc) {
            rc = ep_error_set(err, EP_EIO, "cannot write to the MCP client (stream closed)");
            break;
        }
        if (c == EOF)
            break;
    }
    int read_failed = ferror(in);
    funlockfile(in);
    ep_buf_free(&line);

    if (rc)
        ep_mcp_cancel_all(s);
    ep_mcp_drain(s); /* in-flight calls finish (or were cancelled) before we return */
    ep_mcp_set_writer(s, NULL, NULL);
    if (!rc && read_failed)
        rc = ep_error_set(err, EP_EIO, "reading the MCP stream failed");

    if (saved_fd >= 0) {
        fflush(proto);
        dup2(fileno(proto), STDOUT_FILENO);
        fclose(proto);
    }
    return rc;
}
