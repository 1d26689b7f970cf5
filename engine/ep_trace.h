/* ep_trace: W3C Trace Context (traceparent, tracestate) and spans exported as OTLP/HTTP JSON.
 *
 * The context model (docs/design.md, "Tracing"):
 * - A span is a struct ep_trace_span on the stack (or in the struct of what it measures),
 *   started with ep_trace_begin and ended with ep_trace_end, which queues it for export.
 * - The current context is thread-local: ep_trace_swap makes a span's context the parent of
 *   the spans started on this thread until it is swapped back. The HTTP transport sets it around
 *   ep_mcp_handle; the MCP core copies it into each queued job (the tool runs on a worker
 *   thread) and sets the tool span's context while the tool runs; the fetch pipeline, which
 *   runs on the caller's thread, starts each request's span as a child of the current context
 *   and sends its traceparent upstream. Nothing is passed through the layers in between.
 * - Export: a background thread POSTs batches to {url}/v1/traces (the OTLP/HTTP JSON mapping).
 *   The queue is bounded; a span that does not fit is dropped and counted, so a request never
 *   waits for the collector. A failed export is dropped and counted too (no retry).
 *
 * Without a running exporter a span records nothing (no allocation); it still gets ids when it
 * has a parent or is begun as a root (the HTTP requests: their trace id goes into the audit),
 * so the context is propagated upstream either way. */
#ifndef EP_TRACE_H
#define EP_TRACE_H

#include <stddef.h>

#include "ep_error.h"
#include "ep_util.h"

#define EP_TRACE_STATE_MAX 512 /* longest tracestate passed on (W3C: at least 512) */

/* A span context: ids, flags and the tracestate to pass on. */
struct ep_trace_ctx {
    unsigned char trace_id[16];
    unsigned char span_id[8];
    unsigned char flags;                /* W3C trace-flags: bit 0 = sampled */
    unsigned char valid;                /* 0: no context */
    char state[EP_TRACE_STATE_MAX + 1]; /* tracestate, "" = none */
};

/* OTLP span kinds. */
enum { EP_TRACE_INTERNAL = 1, EP_TRACE_SERVER = 2, EP_TRACE_CLIENT = 3 };

/* A span's OTLP JSON is written as it is recorded (no JSON library on the request's path): j
 * holds the object up to its attribute list, ev the events; ep_trace_end closes both and
 * queues the text. */
struct ep_trace_span {
    struct ep_trace_ctx ctx; /* its own context (ctx.valid = 0: an inactive span) */
    unsigned char parent[8];
    int has_parent;
    int recording; /* queued for export at its end */
    int kind;
    int nattrs, nev, ev_attrs; /* attributes so far; events; attributes of the last event */
    struct ep_buf j, ev;       /* owned while recording */
    int status;                /* 0 unset, 2 error (OTLP STATUS_CODE_ERROR) */
    char status_msg[256];
};

/* Parse a traceparent header (and the tracestate header that goes with it; either may be NULL)
 * as W3C Trace Context level 1 says: version 00 exactly "00-<32 hex>-<16 hex>-<2 hex>", a
 * later version at least that followed by nothing or '-', lowercase hex, no all-zero ids,
 * version ff invalid. Returns 1 and fills out when valid; 0 (out->valid = 0) otherwise: the
 * caller then starts a new trace, as the specification asks. A tracestate longer than
 * EP_TRACE_STATE_MAX or with characters outside printable ASCII is not passed on. */
int ep_trace_parse(const char *traceparent, const char *tracestate, struct ep_trace_ctx *out);

/* "00-<trace id>-<span id>-<flags>" of c into out (56 bytes with the NUL). */
void ep_trace_format(const struct ep_trace_ctx *c, char out[56]);
/* Lowercase hex of n bytes into out (2n + 1 bytes). */
void ep_trace_hex(const unsigned char *b, size_t n, char *out);

/* Start s (any previous content is overwritten; end it with ep_trace_end). Its parent is
 * `parent` when valid (the trace id, flags and tracestate are inherited); else the current
 * context of this thread (ep_trace_current, else ep_trace_set_default's) when `parent` is NULL and
 * there is one; else a new
 * trace when `root` is 1 or the exporter runs; else s stays inactive (no ids, records nothing).
 * New ids come from libcrypto's RAND_bytes (the kernel's getrandom when it fails). A span
 * records when the exporter runs and its trace is sampled. name is copied. */
void ep_trace_begin(struct ep_trace_span *s, const char *name, int kind,
                    const struct ep_trace_ctx *parent, int root);

/* Attributes of a recording span (no-ops otherwise). Keys and values are copied. */
void ep_trace_attr_str(struct ep_trace_span *s, const char *key, const char *v);
void ep_trace_attr_int(struct ep_trace_span *s, const char *key, long long v);
void ep_trace_attr_bool(struct ep_trace_span *s, const char *key, int v);
void ep_trace_attr_double(struct ep_trace_span *s, const char *key, double v);
/* An event now (1; 0 when s does not record); ep_trace_event_* add attributes to the last one. */
int ep_trace_event(struct ep_trace_span *s, const char *name);
void ep_trace_event_str(struct ep_trace_span *s, const char *key, const char *v);
void ep_trace_event_int(struct ep_trace_span *s, const char *key, long long v);
void ep_trace_event_double(struct ep_trace_span *s, const char *key, double v);
/* Mark the span failed, with a message (copied, truncated). */
void ep_trace_error(struct ep_trace_span *s, const char *msg);
/* End s: a recording span is queued for export (or dropped and counted when the queue is full).
 * s stays readable (its ctx) and inactive; ending it again does nothing. */
void ep_trace_end(struct ep_trace_span *s);

/* The parent of spans begun on a thread that has no current context: a CLI command's root span
 * (`epintel sync`, whose pages are fetched on a second thread too). Set it before the threads
 * start and back to NULL after they end (borrowed). */
void ep_trace_set_default(const struct ep_trace_ctx *c);

/* This thread's current context (borrowed; NULL = none). */
const struct ep_trace_ctx *ep_trace_current(void);
/* Make c (borrowed; it must outlive its use as current, NULL = none) this thread's current
 * context; returns the previous one, to be swapped back. */
const struct ep_trace_ctx *ep_trace_swap(const struct ep_trace_ctx *c);

/* Start the exporter: spans go to {url}/v1/traces (url: http:// or https://, a trailing '/'
 * ignored). Batching follows the OpenTelemetry environment variables where set:
 * OTEL_BSP_MAX_QUEUE_SIZE (default 2048 spans), OTEL_BSP_MAX_EXPORT_BATCH_SIZE (512),
 * OTEL_BSP_SCHEDULE_DELAY (ms between exports, default 1000), OTEL_EXPORTER_OTLP_TIMEOUT (ms per
 * POST, default 10000); OTEL_SERVICE_NAME names the service (default "epintel"). EP_EINVAL for
 * a bad URL or variable, EP_EIO when the thread cannot start. One exporter per process. */
int ep_trace_start(const char *url, struct ep_error *err);
/* Export what is queued, waiting at most wait_s seconds (what is left then is dropped and
 * counted as "shutdown"), and stop the thread. Safe without a running exporter. */
void ep_trace_stop(double wait_s);
/* 1 while the exporter runs. */
int ep_trace_enabled(void);

struct ep_trace_stats {
    int enabled;
    unsigned long long exported;      /* accepted by the collector */
    unsigned long long dropped_full;  /* the queue was full */
    unsigned long long dropped_error; /* the POST failed (connection, timeout, non-2xx) */
    unsigned long long rejected;      /* the collector's partialSuccess.rejectedSpans */
    unsigned long long dropped_stop;  /* still queued when the shutdown wait ran out */
    unsigned long long batches, failed_batches;
    size_t queued; /* now */
};
void ep_trace_stats(struct ep_trace_stats *out);
/* The exporter's counters in the Prometheus text format (appended to b); nothing when the
 * exporter does not run (the counters do not exist then). 0 or EP_ENOMEM. */
int ep_trace_metrics(struct ep_buf *b);

#endif
