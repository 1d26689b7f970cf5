/* test_csv: RFC 4180 reader on hand-built inputs. */
#include "ep_testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_csv.h"
#include "ep_util.h"

/* Parse all of data[0, n) and render it as "line:[f1][f2]\n" per record.
 * Returns the final ep_csv_next() code (0 at a clean end); err receives any error. */
static int dump_n(const char *data, size_t n, struct ep_buf *out, struct ep_error *err)
{
    struct ep_csv c;
    ep_csv_init(&c, data, n, "t.csv");
    ep_buf_reset(out);
    ep_buf_append(out, "", 0);
    int rc;
    while ((rc = ep_csv_next(&c, err)) == 1) {
        ep_buf_printf(out, "%ld:", c.line);
        for (size_t i = 0; i < c.nfield; i++)
            ep_buf_printf(out, "[%s]", c.field[i]);
        ep_buf_putc(out, '\n');
    }
    ep_csv_free(&c);
    return rc;
}

static void expect(const char *in, const char *want)
{
    struct ep_buf b;
    struct ep_error err;
    ep_buf_init(&b, 0);
    ep_error_clear(&err);
    int rc = dump_n(in, strlen(in), &b, &err);
    if (rc != 0)
        print_error("unexpected error: %s\n", err.msg);
    assert_int_equal(rc, 0);
    assert_string_equal(b.data, want);
    ep_buf_free(&b);
}

/* Expect an EP_EPARSE whose message contains every needle. */
static void expect_error_n(const char *in, size_t n, const char *needle1, const char *needle2)
{
    struct ep_buf b;
    struct ep_error err;
    ep_buf_init(&b, 0);
    ep_error_clear(&err);
    int rc = dump_n(in, n, &b, &err);
    assert_int_equal(rc, EP_EPARSE);
    assert_int_equal(err.code, EP_EPARSE);
    if (!strstr(err.msg, needle1) || (needle2 && !strstr(err.msg, needle2)))
        print_error("message was: %s\n", err.msg);
    assert_non_null(strstr(err.msg, needle1));
    if (needle2)
        assert_non_null(strstr(err.msg, needle2));
    ep_buf_free(&b);
}

static void expect_error(const char *in, const char *needle1, const char *needle2)
{
    expect_error_n(in, strlen(in), needle1, needle2);
}

static void test_simple(void **state)
{
    (void)state;
    expect("a,b\nc,d\n", "1:[a][b]\n2:[c][d]\n");
    expect("one\n", "1:[one]\n");
}

static void test_quoted_commas(void **state)
{
    (void)state;
    expect("\"a,b\",c\n\"x\",\"y,z,\"\n", "1:[a,b][c]\n2:[x][y,z,]\n");
}

static void test_doubled_quotes(void **state)
{
    (void)state;
    expect("\"he said \"\"hi\"\"\",b\n\"\"\"\"\n", "1:[he said \"hi\"][b]\n2:[\"]\n");
    expect("\"a\"\"\",\"\"\"b\"\n", "1:[a\"][\"b]\n");
}

static void test_embedded_newlines(void **state)
{
    (void)state;
    /* the record on line 1 spans lines 1-3; the next starts on line 4 */
    expect("x,\"l1\nl2\nl3\"\ny,z\n\"p\nq\",r\ns,t\n",
           "1:[x][l1\nl2\nl3]\n4:[y][z]\n5:[p\nq][r]\n7:[s][t]\n");
    /* CRLF inside quotes is kept verbatim and counts as one line */
    expect("x,\"l1\r\nl2\"\r\ny,z\r\n", "1:[x][l1\r\nl2]\n3:[y][z]\n");
    /* an error after embedded newlines names the right line */
    expect_error("a,\"1\n2\n3\"\nb,c\nd,e\"\n", "t.csv:5:", "stray quote");
}

static void test_crlf(void **state)
{
    (void)state;
    expect("a,b\r\nc,d\r\n", "1:[a][b]\n2:[c][d]\n");
    expect("a,b\r\nc,d", "1:[a][b]\n2:[c][d]\n");
    /* lone CR ends a record too (old Mac files) */
    expect("a,b\rc,d\r", "1:[a][b]\n2:[c][d]\n");
    expect("\"q\"\r\n\"r\"\r\n", "1:[q]\n2:[r]\n");
}

static void test_bom(void **state)
{
    (void)state;
    expect("\xEF\xBB\xBFid,name\n1,x\n", "1:[id][name]\n2:[1][x]\n");
    expect("\xEF\xBB\xBF\"id\",name\n", "1:[id][name]\n");
    expect("\xEF\xBB\xBF", "");
    /* a BOM later in the data is ordinary (valid UTF-8) content */
    expect("a\n\xEF\xBB\xBF"
           "b\n",
           "1:[a]\n2:[\xEF\xBB\xBF"
           "b]\n");
}

static void test_empty_fields(void **state)
{
    (void)state;
    expect(",,\n", "1:[][][]\n");
    expect("a,,c\n\"\",x,\"\"\n", "1:[a][][c]\n2:[][x][]\n");
    expect("a,\n", "1:[a][]\n");
    expect("a,", "1:[a][]\n");
    /* a blank line is a record with one empty field */
    expect("a\n\nb\n", "1:[a]\n2:[]\n3:[b]\n");
    expect("", "");
}

static void test_no_final_newline(void **state)
{
    (void)state;
    expect("a,b\nc,d", "1:[a][b]\n2:[c][d]\n");
    expect("a,\"b\nc\"", "1:[a][b\nc]\n");
    expect("x", "1:[x]\n");
}

static void test_unterminated_quote(void **state)
{
    (void)state;
    expect_error("h1,h2\nok,ok\nc,\"never closed\nmore\nlines\n", "t.csv:3:", "unterminated");
    expect_error("\"", "t.csv:1:", "unterminated");
    expect_error("a\n\"x\"\"\n", "t.csv:2:", "unterminated");
}

static void test_stray_quote(void **state)
{
    (void)state;
    expect_error("a,b\"c\n", "t.csv:1:", "stray quote in unquoted field 2");
    expect_error("h\nab\"\n", "t.csv:2:", "field 1");
    expect_error("\"a\"b,c\n", "t.csv:1:", "after the closing quote of field 1");
    expect_error("x,\"a\" ,c\n", "t.csv:1:", "field 2");
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    expect("\xC3\xA9,\xE2\x82\xAC,\xF0\x9F\x98\x80\n",
           "1:[\xC3\xA9][\xE2\x82\xAC][\xF0\x9F\x98\x80]\n");
    expect_error("ok,\xFF\n", "t.csv:1: invalid UTF-8 in field 2", NULL);
    expect_error("a\n\"x\ny\"\nb,\"\xC3\"\n", "t.csv:4: invalid UTF-8 in field 2", NULL);
    expect_error("\xC0\xAF\n", "invalid UTF-8 in field 1", NULL);              /* overlong */
    expect_error("\xED\xA0\x80\n", "invalid UTF-8 in field 1", NULL);          /* surrogate */
    expect_error("a,b,\xE2\x82\n", "t.csv:1: invalid UTF-8 in field 3", NULL); /* cut */
    expect_error_n("a,b\x00"
                   "c\n",
                   6, "t.csv:1:", "NUL byte in field 2");
}

static void test_growth(void **state)
{
    (void)state;
    /* one 200 kB quoted field with doubled quotes, then 5000 fields */
    struct ep_buf in, out;
    ep_buf_init(&in, 0);
    ep_buf_init(&out, 0);
    ep_buf_putc(&in, '"');
    for (int i = 0; i < 50000; i++)
        ep_buf_append(&in, "ab\"\"", 4);
    ep_buf_append(&in, "\",end\n", 6);
    for (int i = 0; i < 5000; i++)
        ep_buf_printf(&in, "%s%d", i ? "," : "", i);
    ep_buf_putc(&in, '\n');

    struct ep_csv c;
    struct ep_error err;
    ep_csv_init(&c, in.data, in.len, "big");
    assert_int_equal(ep_csv_next(&c, &err), 1);
    assert_int_equal(c.nfield, 2);
    assert_int_equal(strlen(c.field[0]), 150000);
    assert_memory_equal(c.field[0], "ab\"ab\"", 6);
    assert_string_equal(c.field[1], "end");
    assert_int_equal(ep_csv_next(&c, &err), 1);
    assert_int_equal(c.line, 2);
    assert_int_equal(c.record, 2);
    assert_int_equal(c.nfield, 5000);
    assert_string_equal(c.field[0], "0");
    assert_string_equal(c.field[4999], "4999");
    assert_int_equal(ep_csv_next(&c, &err), 0);
    assert_int_equal(ep_csv_next(&c, &err), 0); /* stays at end */
    ep_csv_free(&c);
    ep_buf_free(&in);
    ep_buf_free(&out);
}

static void test_record_numbers(void **state)
{
    (void)state;
    const char *in = "h\n\"a\nb\"\nc\n";
    struct ep_csv c;
    struct ep_error err;
    ep_csv_init(&c, in, strlen(in), "r");
    assert_int_equal(ep_csv_next(&c, &err), 1);
    assert_int_equal(c.record, 1);
    assert_int_equal(c.line, 1);
    assert_int_equal(ep_csv_next(&c, &err), 1);
    assert_int_equal(c.record, 2);
    assert_int_equal(c.line, 2);
    assert_int_equal(ep_csv_next(&c, &err), 1);
    assert_int_equal(c.record, 3);
    assert_int_equal(c.line, 4);
    assert_string_equal(c.field[0], "c");
    assert_int_equal(ep_csv_next(&c, &err), 0);
    assert_int_equal(c.nfield, 0);
    ep_csv_free(&c);
    ep_csv_free(&c); /* idempotent */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple),
        cmocka_unit_test(test_quoted_commas),
        cmocka_unit_test(test_doubled_quotes),
        cmocka_unit_test(test_embedded_newlines),
        cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_bom),
        cmocka_unit_test(test_empty_fields),
        cmocka_unit_test(test_no_final_newline),
        cmocka_unit_test(test_unterminated_quote),
        cmocka_unit_test(test_stray_quote),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_growth),
        cmocka_unit_test(test_record_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
