/* engine/ep_trace: W3C traceparent parsing (the cases of the Trace Context level 1
 * specification, section 3.2 and its test suite's invalid headers), formatting, span contexts
 * with and without a running exporter, the thread-local current context, and the exporter's
 * bad-URL and bad-variable errors. The export itself is tested end to end by tests/cli_trace. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_testutil.h"
#include "ep_trace.h"

static const char T[] = "0af7651916cd43dd8448eb211c80319c";
static const char P[] = "b7ad6b7169203331";

static int parses(const char *tp)
{
    struct ep_trace_ctx c;
    int ok = ep_trace_parse(tp, NULL, &c);
    assert_int_equal(ok, c.valid);
    return ok;
}

static void test_parse_valid(void **state)
{
    (void)state;
    char tp[128], hex[33];
    struct ep_trace_ctx c;
    snprintf(tp, sizeof tp, "00-%s-%s-01", T, P);
    assert_int_equal(ep_trace_parse(tp, "congo=t61rcWkgMzE", &c), 1);
    ep_trace_hex(c.trace_id, 16, hex);
    assert_string_equal(hex, T);
    ep_trace_hex(c.span_id, 8, hex);
    assert_string_equal(hex, P);
    assert_int_equal(c.flags, 1);
    assert_string_equal(c.state, "congo=t61rcWkgMzE");
    char out[56];
    ep_trace_format(&c, out);
    assert_string_equal(out, tp); /* round trip */
    /* not sampled: flags kept */
    snprintf(tp, sizeof tp, "00-%s-%s-00", T, P);
    assert_int_equal(ep_trace_parse(tp, NULL, &c), 1);
    assert_int_equal(c.flags, 0);
    assert_string_equal(c.state, "");
    /* surrounding white space (OWS) */
    snprintf(tp, sizeof tp, " 00-%s-%s-01\t", T, P);
    assert_true(parses(tp));
    /* a later version: the first four fields, more fields after a '-', unknown flags dropped */
    snprintf(tp, sizeof tp, "cc-%s-%s-09-what-the-future-will-be-like", T, P);
    assert_int_equal(ep_trace_parse(tp, NULL, &c), 1);
    assert_int_equal(c.flags, 1);
    snprintf(tp, sizeof tp, "01-%s-%s-01", T, P);
    assert_true(parses(tp));
}

static void test_parse_invalid(void **state)
{
    (void)state;
    char tp[160];
    assert_false(parses(NULL));
    assert_false(parses(""));
    assert_false(parses("hello"));
    snprintf(tp, sizeof tp, "00-%s-%s-01", "0AF7651916CD43DD8448EB211C80319C", P); /* uppercase */
    assert_false(parses(tp));
    snprintf(tp, sizeof tp, "00-%s-%s-01", T, "B7AD6B7169203331");
    assert_false(parses(tp));
    snprintf(tp, sizeof tp, "00-%s-%s-01", "00000000000000000000000000000000", P);
    assert_false(parses(tp));
    snprintf(tp, sizeof tp, "00-%s-%s-01", T, "0000000000000000");
    assert_false(parses(tp));
    snprintf(tp, sizeof tp, "ff-%s-%s-01", T, P); /* version ff is invalid */
    assert_false(parses(tp));
    snprintf(tp, sizeof tp, "0g-%s-%s-01", T, P);
    assert_false(parses(tp));
    snprintf(tp, sizeof tp, "00-%s-%s-01-extra", T, P); /* version 00 is exactly 55 */
    assert_false(parses(tp));
    snprintf(tp, sizeof tp, "00-%s-%s-01x", T, P);
    assert_false(parses(tp));
    snprintf(tp, sizeof tp, "01-%s-%s-01x", T, P); /* a later version: '-' after the flags */
    assert_false(parses(tp));
    snprintf(tp, sizeof tp, "00-%.31s-%s-01", T, P); /* short trace id */
    assert_false(parses(tp));
    snprintf(tp, sizeof tp, "00-%s-%.15s-01", T, P);
    assert_false(parses(tp));
    snprintf(tp, sizeof tp, "00-%s-%s-1", T, P);
    assert_false(parses(tp));
    snprintf(tp, sizeof tp, "00_%s_%s_01", T, P);
    assert_false(parses(tp));
    snprintf(tp, sizeof tp, "00-%s-%s-0g", T, P);
    assert_false(parses(tp));
}

static void test_tracestate(void **state)
{
    (void)state;
    char tp[128];
    struct ep_trace_ctx c;
    snprintf(tp, sizeof tp, "00-%s-%s-01", T, P);
    char big[EP_TRACE_STATE_MAX + 2];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    big[1] = '=';
    /* too long: not passed on, the traceparent still used */
    assert_int_equal(ep_trace_parse(tp, big, &c), 1);
    assert_string_equal(c.state, "");
    big[EP_TRACE_STATE_MAX] = 0; /* exactly the maximum: kept */
    assert_int_equal(ep_trace_parse(tp, big, &c), 1);
    assert_int_equal(strlen(c.state), EP_TRACE_STATE_MAX);
    assert_int_equal(ep_trace_parse(tp, "a=b\nc=d", &c), 1); /* a control character */
    assert_string_equal(c.state, "");
    /* an invalid traceparent takes its tracestate with it */
    assert_int_equal(ep_trace_parse("00-xyz", "a=b", &c), 0);
    assert_string_equal(c.state, "");
}

static void test_spans_without_exporter(void **state)
{
    (void)state;
    assert_int_equal(ep_trace_enabled(), 0);
    struct ep_trace_span s, k;
    /* no parent, not a root: inactive, records nothing */
    ep_trace_begin(&s, "x", EP_TRACE_INTERNAL, NULL, 0);
    assert_int_equal(s.ctx.valid, 0);
    assert_int_equal(s.recording, 0);
    ep_trace_attr_str(&s, "k", "v");
    assert_int_equal(ep_trace_event(&s, "e"), 0);
    ep_trace_end(&s);
    /* a root: ids (random, non-zero), not recording */
    ep_trace_begin(&s, "root", EP_TRACE_SERVER, NULL, 1);
    assert_int_equal(s.ctx.valid, 1);
    assert_int_equal(s.recording, 0);
    assert_int_equal(s.has_parent, 0);
    assert_int_equal(s.ctx.flags, 1);
    struct ep_trace_span s2;
    ep_trace_begin(&s2, "root", EP_TRACE_SERVER, NULL, 1);
    assert_memory_not_equal(s.ctx.trace_id, s2.ctx.trace_id, 16);
    ep_trace_end(&s2);
    /* a child through the thread's current context */
    assert_null(ep_trace_current());
    const struct ep_trace_ctx *prev = ep_trace_swap(&s.ctx);
    assert_null(prev);
    ep_trace_begin(&k, "child", EP_TRACE_CLIENT, NULL, 0);
    assert_int_equal(k.ctx.valid, 1);
    assert_int_equal(k.has_parent, 1);
    assert_memory_equal(k.ctx.trace_id, s.ctx.trace_id, 16);
    assert_memory_equal(k.parent, s.ctx.span_id, 8);
    assert_memory_not_equal(k.ctx.span_id, s.ctx.span_id, 8);
    ep_trace_end(&k);
    assert_ptr_equal(ep_trace_swap(prev), &s.ctx);
    assert_null(ep_trace_current());
    /* an explicit parent from a header: trace id, flags and tracestate inherited */
    char tp[128];
    struct ep_trace_ctx in;
    snprintf(tp, sizeof tp, "00-%s-%s-00", T, P);
    assert_int_equal(ep_trace_parse(tp, "k=v", &in), 1);
    ep_trace_begin(&k, "req", EP_TRACE_SERVER, &in, 1);
    char hex[33];
    ep_trace_hex(k.ctx.trace_id, 16, hex);
    assert_string_equal(hex, T);
    ep_trace_hex(k.parent, 8, hex);
    assert_string_equal(hex, P);
    assert_int_equal(k.ctx.flags, 0);
    assert_string_equal(k.ctx.state, "k=v");
    ep_trace_end(&k);
    ep_trace_end(&k); /* twice: nothing */
    ep_trace_end(&s);
    ep_trace_stop(1); /* without an exporter: nothing */
}

static void test_start_errors(void **state)
{
    (void)state;
    struct ep_error e = {0};
    assert_int_equal(ep_trace_start("ftp://x", &e), EP_EINVAL);
    assert_non_null(strstr(e.msg, "http:// or https://"));
    assert_int_equal(ep_trace_start(NULL, &e), EP_EINVAL);
    setenv("OTEL_BSP_MAX_QUEUE_SIZE", "lots", 1);
    assert_int_equal(ep_trace_start("http://127.0.0.1:9", &e), EP_EINVAL);
    assert_non_null(strstr(e.msg, "OTEL_BSP_MAX_QUEUE_SIZE"));
    unsetenv("OTEL_BSP_MAX_QUEUE_SIZE");
    assert_int_equal(ep_trace_enabled(), 0);
    /* a start and a stop with nothing to send; a second start while running is refused */
    assert_int_equal(ep_trace_start("http://127.0.0.1:9/", &e), 0);
    assert_int_equal(ep_trace_enabled(), 1);
    assert_int_equal(ep_trace_start("http://127.0.0.1:9/", &e), EP_EINVAL);
    struct ep_trace_span s;
    ep_trace_begin(&s, "recorded", EP_TRACE_INTERNAL, NULL, 0); /* exporter on: a root */
    assert_int_equal(s.ctx.valid, 1);
    assert_int_equal(s.recording, 1);
    ep_trace_attr_int(&s, "n", 42);
    assert_int_equal(ep_trace_event(&s, "e"), 1);
    ep_trace_event_str(&s, "k", "a \"quoted\"\n value");
    ep_trace_attr_double(&s, "d", 0.5);
    ep_trace_end(&s);
    ep_trace_stop(0); /* no wait: the queued span is dropped and counted */
    struct ep_trace_stats st;
    ep_trace_stats(&st);
    assert_int_equal(st.enabled, 0);
    assert_int_equal(st.exported + st.dropped_stop + st.dropped_error, 1);
    assert_int_equal(st.exported, 0); /* nothing listens on port 9 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_valid),  cmocka_unit_test(test_parse_invalid),
        cmocka_unit_test(test_tracestate),   cmocka_unit_test(test_spans_without_exporter),
        cmocka_unit_test(test_start_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
