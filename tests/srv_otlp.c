/* srv_otlp: a local OTLP/HTTP JSON trace receiver for the tests (a collector's receiving end).
 *
 *   srv_otlp --out FILE [--port-file PATH] [--port N] [--delay-ms N] [--status N] [--discard]
 *
 * Binds 127.0.0.1 only (port 0 = any free port; the bound port is written to --port-file,
 * atomically). POST /v1/traces with Content-Type application/json and a JSON object body with a
 * "resourceSpans" array is appended to FILE as one compact JSON line and answered 200 "{}"
 * (an OTLP ExportTraceServiceResponse with full success). Anything else is answered 400, 404,
 * 405 or 415 with a message, and nothing is written. --delay-ms holds every answer that long
 * (a slow collector); --status answers every export with that status instead, writing nothing
 * (a failing collector). --discard answers 200 "{}" without parsing or writing (bench/trace.sh:
 * a collector's own work is not epintel's cost). Stops on SIGTERM or SIGINT. */
#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "srv_util.h"

#define MAX_BODY ((size_t)64 << 20)

static FILE *out;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static long delay_ms;
static unsigned fixed_status;
static int discard;

struct upload {
    char *data;
    size_t len;
    int too_big;
};

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *msg)
{
    if (delay_ms > 0) {
        struct timespec t = {delay_ms / 1000, (delay_ms % 1000) * 1000000L};
        while (nanosleep(&t, &t) != 0 && errno == EINTR) {
        }
    }
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(msg), (void *)(uintptr_t)msg, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *data,
                               size_t *size, void **con_cls)
{
    (void)cls;
    (void)version;
    struct upload *u = *con_cls;
    if (!u) {
        u = calloc(1, sizeof *u);
        if (!u)
            return MHD_NO;
        *con_cls = u;
        return MHD_YES;
    }
    if (*size) {
        if (u->len + *size > MAX_BODY) {
            u->too_big = 1;
        } else {
            char *p = realloc(u->data, u->len + *size + 1);
            if (!p)
                return MHD_NO;
            memcpy(p + u->len, data, *size);
            u->data = p;
            u->len += *size;
            p[u->len] = 0;
        }
        *size = 0;
        return MHD_YES;
    }
    if (strcmp(url, "/v1/traces") != 0)
        return reply(c, MHD_HTTP_NOT_FOUND, "{\"error\":\"not found: POST /v1/traces\"}");
    if (strcmp(method, "POST") != 0)
        return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "{\"error\":\"POST only\"}");
    const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    if (!ct || strncasecmp(ct, "application/json", 16) != 0)
        return reply(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
                     "{\"error\":\"Content-Type must be application/json\"}");
    if (u->too_big)
        return reply(c, MHD_HTTP_CONTENT_TOO_LARGE, "{\"error\":\"body too large\"}");
    if (discard)
        return reply(c, MHD_HTTP_OK, "{}");
    json_error_t je;
    json_t *v = u->data ? json_loadb(u->data, u->len, 0, &je) : NULL;
    if (!json_is_array(json_object_get(v, "resourceSpans"))) {
        json_decref(v);
        return reply(c, MHD_HTTP_BAD_REQUEST,
                     "{\"error\":\"not an OTLP JSON ExportTraceServiceRequest\"}");
    }
    if (fixed_status) {
        json_decref(v);
        return reply(c, fixed_status, "{\"error\":\"refused by --status\"}");
    }
    char *line = json_dumps(v, JSON_COMPACT);
    json_decref(v);
    if (!line)
        return MHD_NO;
    pthread_mutex_lock(&mu);
    fprintf(out, "%s\n", line);
    fflush(out);
    pthread_mutex_unlock(&mu);
    free(line);
    return reply(c, MHD_HTTP_OK, "{}");
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
                    enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    struct upload *u = *con_cls;
    if (u) {
        free(u->data);
        free(u);
        *con_cls = NULL;
    }
}

int main(int argc, char **argv)
{
    struct srv s = {.name = "srv_otlp"};
    const char *out_path = NULL;
    for (int i = 1; i < argc; i++) {
        if (srv_arg(&s, argc, argv, &i))
            continue;
        if (!strcmp(argv[i], "--out") && i + 1 < argc)
            out_path = argv[++i];
        else if (!strcmp(argv[i], "--delay-ms") && i + 1 < argc)
            delay_ms = strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--status") && i + 1 < argc)
            fixed_status = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--discard"))
            discard = 1;
        else {
            fprintf(stderr, "usage: srv_otlp --out FILE [--port-file PATH] [--port N] "
                            "[--delay-ms N] [--status N] [--discard]\n");
            return 2;
        }
    }
    if (!out_path) {
        fprintf(stderr, "srv_otlp: --out FILE is required\n");
        return 2;
    }
    if (!(out = fopen(out_path, "a"))) {
        fprintf(stderr, "srv_otlp: %s: %s\n", out_path, strerror(errno));
        return 1;
    }
    srv_signals(&s);
    if (srv_start(&s, handler, on_done, 60)) {
        fclose(out);
        return 1;
    }
    fprintf(stderr, "srv_otlp: receiving on http://127.0.0.1:%d/v1/traces\n", s.port);
    srv_wait(&s);
    fclose(out);
    return 0;
}
