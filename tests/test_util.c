/* test_util: file reading (plain and gzip, streamed with a bound), the first bytes of a file,
 * the sniffs that order and route ingested files, and the check on output paths. On the real
 * roll-call XML and HowTheyVote files, and gzip copies of them made here. */
#include "ep_testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "ep_htv.h"
#include "ep_rcv.h"
#include "ep_util.h"

#define XML_REL "ep-rcv-xml/PV-9-2024-01-15-RCV_EN.xml"

static char *tmp;

static int setup(void **state)
{
    (void)state;
    tmp = ep_test_tmpdir();
    return tmp ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ep_test_system("rm -rf '%s'", tmp);
    free(tmp);
    return 0;
}

static void read_real(const char *rel, struct ep_buf *b)
{
    struct ep_error err = {0};
    ep_buf_init(b, 0);
    assert_int_equal(ep_read_file(ep_test_real(rel), 0, b, &err), 0);
    assert_true(b->len > 1000);
}

/* Write the gzip members of data[cuts[i], cuts[i + 1]) one after the other, then extra. */
static void write_gz(const char *path, const struct ep_buf *b, const size_t *cuts, int n,
                     const char *extra)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    for (int i = 0; i < n; i++) {
        uLongf cap = compressBound((uLong)(cuts[i + 1] - cuts[i])) + 64;
        unsigned char *z = malloc(cap);
        assert_non_null(z);
        z_stream s;
        memset(&s, 0, sizeof s);
        assert_int_equal(deflateInit2(&s, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
                         Z_OK);
        s.next_in = (Bytef *)b->data + cuts[i];
        s.avail_in = (uInt)(cuts[i + 1] - cuts[i]);
        s.next_out = z;
        s.avail_out = (uInt)cap;
        assert_int_equal(deflate(&s, Z_FINISH), Z_STREAM_END);
        assert_int_equal(fwrite(z, 1, s.total_out, f), s.total_out);
        deflateEnd(&s);
        free(z);
    }
    if (extra)
        fputs(extra, f);
    assert_int_equal(fclose(f), 0);
}

/* Two gzip members and trailing bytes that start no member: the content is both members, as
 * gzip -d gives it. */
static void test_gzip_members(void **state)
{
    (void)state;
    struct ep_buf plain, got;
    read_real(XML_REL, &plain);
    char path[4096];
    snprintf(path, sizeof path, "%s/two.xml.gz", tmp);
    size_t cuts[3] = {0, plain.len / 3, plain.len};
    write_gz(path, &plain, cuts, 2, "\n\n");
    struct ep_error err = {0};
    ep_buf_init(&got, 0);
    assert_int_equal(ep_read_file(path, 0, &got, &err), 0);
    assert_int_equal(got.len, plain.len);
    assert_memory_equal(got.data, plain.data, plain.len);
    /* the first 1000 bytes, as the ingest reads them to order the files */
    assert_int_equal(ep_read_head(path, 1000, &got, &err), 0);
    assert_int_equal(got.len, 1000);
    assert_memory_equal(got.data, plain.data, 1000);
    assert_int_equal(ep_read_head(ep_test_real(XML_REL), 1000, &got, &err), 0);
    assert_int_equal(got.len, 1000);
    assert_memory_equal(got.data, plain.data, 1000);
    ep_buf_free(&got);
    ep_buf_free(&plain);
}

/* Over the cap: EP_ELIMIT naming the file and the limit, for a content held whole (cap under
 * EP_GZ_HOLD) and for one only counted beyond EP_GZ_HOLD. */
static void test_gzip_limit(void **state)
{
    (void)state;
    struct ep_buf plain, got;
    read_real(XML_REL, &plain);
    char path[4096];
    snprintf(path, sizeof path, "%s/one.xml.gz", tmp);
    size_t cuts[2] = {0, plain.len};
    write_gz(path, &plain, cuts, 1, NULL);
    struct ep_error err = {0};
    ep_buf_init(&got, 0);
    assert_int_equal(ep_read_file(path, plain.len - 1, &got, &err), EP_ELIMIT);
    assert_non_null(strstr(err.msg, "one.xml.gz: gzip content larger than the limit of"));
    assert_int_equal(ep_read_file(path, plain.len, &got, &err), 0);
    assert_int_equal(got.len, plain.len);
    /* 40 MiB of content made of the file 17 times or so: beyond the hold, read again whole */
    struct ep_buf big;
    ep_buf_init(&big, 0);
    while (big.len < ((size_t)40 << 20))
        assert_int_equal(ep_buf_append(&big, plain.data, plain.len), 0);
    snprintf(path, sizeof path, "%s/big.xml.gz", tmp);
    size_t bcuts[2] = {0, big.len};
    write_gz(path, &big, bcuts, 1, NULL);
    assert_int_equal(ep_read_file(path, 0, &got, &err), 0);
    assert_int_equal(got.len, big.len);
    assert_memory_equal(got.data, big.data, big.len);
    assert_int_equal(ep_read_file(path, big.len - 1, &got, &err), EP_ELIMIT);
    assert_non_null(strstr(err.msg, "big.xml.gz: gzip content larger than the limit of"));
    ep_buf_free(&big);
    ep_buf_free(&got);
    ep_buf_free(&plain);
}

/* Damaged gzip: the message names the file and zlib's reason, never "<fd:N>". */
static void test_gzip_damaged(void **state)
{
    (void)state;
    struct ep_buf plain, got;
    read_real(XML_REL, &plain);
    char path[4096];
    snprintf(path, sizeof path, "%s/crc.xml.gz", tmp);
    size_t cuts[2] = {0, plain.len};
    write_gz(path, &plain, cuts, 1, NULL);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    assert_int_equal(fseek(f, (long)sb.st_size - 8, SEEK_SET), 0); /* the CRC-32 */
    assert_int_equal(fwrite("\0\0\0\0", 1, 4, f), 4);
    assert_int_equal(fclose(f), 0);
    struct ep_error err = {0};
    ep_buf_init(&got, 0);
    assert_int_equal(ep_read_file(path, 0, &got, &err), EP_EPARSE);
    assert_non_null(strstr(err.msg, "crc.xml.gz: corrupt gzip data (incorrect data check)"));
    assert_null(strstr(err.msg, "<fd:"));
    assert_int_equal(truncate(path, sb.st_size / 2), 0);
    assert_int_equal(ep_read_file(path, 0, &got, &err), EP_EPARSE);
    assert_non_null(strstr(err.msg, "crc.xml.gz: truncated gzip data"));
    ep_buf_free(&got);
    ep_buf_free(&plain);
}

/* The sniffs: each real HowTheyVote table by its header (whatever the file is called), the
 * real XML as XML, and XML that starts with a BOM and a DOCTYPE with an internal subset. */
static void test_sniffs(void **state)
{
    (void)state;
    static const struct {
        const char *rel;
        int table;
    } t[] = {
        {"howtheyvote/countries.csv", EP_HTV_COUNTRIES},
        {"howtheyvote/groups.csv", EP_HTV_GROUPS},
        {"howtheyvote/members.csv", EP_HTV_MEMBERS},
        {"howtheyvote/group_memberships.csv", EP_HTV_MEMBERSHIPS},
        {"howtheyvote/committees.csv", EP_HTV_COMMITTEES},
        {"howtheyvote/votes.csv.gz", EP_HTV_VOTES},
        {"howtheyvote/votes_subset.csv", EP_HTV_VOTES},
        {"howtheyvote/member_votes_subset.csv", EP_HTV_MEMBER_VOTES},
    };
    struct ep_buf b;
    ep_buf_init(&b, 0);
    struct ep_error err = {0};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        assert_int_equal(ep_read_head(ep_test_real(t[i].rel), 65536, &b, &err), 0);
        assert_int_equal(ep_htv_sniff(b.data, b.len), t[i].table);
        assert_int_equal(ep_xml_sniff(b.data, b.len), 0);
    }
    assert_int_equal(ep_read_head(ep_test_real(XML_REL), 65536, &b, &err), 0);
    assert_int_equal(ep_xml_sniff(b.data, b.len), 1);
    assert_int_equal(ep_htv_sniff(b.data, b.len), EP_HTV_UNKNOWN);
    static const char dtd[] = "\xEF\xBB\xBF \n<!DOCTYPE x [<!ENTITY a \"b\">]><x>&a;</x>";
    assert_int_equal(ep_xml_sniff(dtd, sizeof dtd - 1), 1);
    assert_int_equal(ep_rcv_sniff(dtd, sizeof dtd - 1), 0);
    assert_int_equal(ep_xml_sniff("id,first_name\n", 14), 0);
    assert_int_equal(ep_xml_sniff(" \n", 2), 0);
    assert_int_equal(ep_xml_sniff(NULL, 0), 0);
    /* a header cut before its end of line is not guessed */
    assert_int_equal(ep_htv_sniff("vote_id,member_id,position", 26), EP_HTV_UNKNOWN);
    ep_buf_free(&b);
}

/* Output paths: absent or a regular file pass; a folder, a FIFO, a symbolic link (to a device
 * or to a file) and a device are refused, naming what is there, and left as they were. */
static void test_out_check(void **state)
{
    (void)state;
    char p[4096];
    struct ep_error err = {0};
    snprintf(p, sizeof p, "%s/new.pdf", tmp);
    assert_int_equal(ep_out_check(p, &err), 0);
    assert_int_equal(ep_write_file_atomic(p, "x", 1, &err), 0);
    assert_int_equal(ep_out_check(p, &err), 0);
    assert_int_equal(ep_write_file_atomic(p, "yz", 2, &err), 0);
    static const struct {
        const char *name, *make, *what;
    } bad[] = {
        {"dir", "mkdir '%s'", "is a folder"},
        {"fifo", "mkfifo '%s'", "is a FIFO (named pipe)"},
        {"link", "ln -s /dev/null '%s'", "is a symbolic link"},
        {"flink", "ln -s new.pdf '%s'", "is a symbolic link"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", tmp, bad[i].name);
        assert_int_equal(ep_test_system(bad[i].make, p), 0);
        struct stat before, after;
        assert_int_equal(lstat(p, &before), 0);
        assert_int_equal(ep_out_check(p, &err), EP_EINVAL);
        assert_non_null(strstr(err.msg, bad[i].what));
        assert_int_equal(ep_write_file_atomic(p, "x", 1, &err), EP_EINVAL);
        assert_non_null(strstr(err.msg, bad[i].what));
        assert_non_null(strstr(err.msg, "writes only to a regular file or a new path"));
        assert_int_equal(lstat(p, &after), 0);
        assert_int_equal(before.st_mode, after.st_mode);
        assert_int_equal(before.st_ino, after.st_ino);
    }
    assert_int_equal(ep_out_check("/dev/null", &err), EP_EINVAL);
    assert_non_null(strstr(err.msg, "/dev/null: is a device"));
    /* the file a symbolic link pointed to is untouched */
    struct ep_buf b;
    ep_buf_init(&b, 0);
    snprintf(p, sizeof p, "%s/new.pdf", tmp);
    assert_int_equal(ep_read_file(p, 0, &b, &err), 0);
    assert_string_equal(b.data, "yz");
    ep_buf_free(&b);
    assert_int_equal(ep_test_system("ls -a '%s' | grep -q '\\.tmp\\.'", tmp) == 0, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gzip_members), cmocka_unit_test(test_gzip_limit),
        cmocka_unit_test(test_gzip_damaged), cmocka_unit_test(test_sniffs),
        cmocka_unit_test(test_out_check),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
