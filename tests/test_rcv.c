/* Tests for ep_rcv (EP roll-call XML adapter), mostly on the real files. */
#include "ep_testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ep_rcv.h"
#include "ep_util.h"

static const char *const real_files[] = {
    "ep-rcv-xml/PV-9-2024-01-15-RCV_EN.xml", "ep-rcv-xml/PV-9-2024-01-16-RCV_EN.xml",
    "ep-rcv-xml/PV-9-2024-01-17-RCV_EN.xml", "ep-rcv-xml/PV-9-2024-02-08-RCV_EN.xml",
    "ep-rcv-xml/PV-9-2024-02-26-RCV_EN.xml", "ep-rcv-xml/PV-9-2024-02-27-RCV_EN.xml",
    "ep-rcv-xml/PV-9-2024-04-23-RCV_EN.xml",
};
static const long real_votes[] = {7, 32, 62, 64, 7, 51, 43};

#define MAX_PERSID 1000000

/* A sink that checks and records what the adapter emits. */
struct rec {
    int sittings;
    char sitting_date[16];
    char sitting_ref[64];
    int64_t sitting_id;
    int sitting_term;
    long votes, positions, titles, warnings;
    long pos_count[5];
    /* current vote: counts of emitted positions per kind, compared with the Number attrs */
    int64_t cur_vote;
    int cur_number[5], cur_counted[5];
    long count_mismatches;
    long order_errors;   /* a position whose vote_id is not the last vote emitted */
    long sort_errors;    /* a position whose member is not after the vote's previous one */
    int64_t last_member; /* of the current vote, -1 before its first position */
    unsigned char *seen; /* PersIds seen, MAX_PERSID entries (NULL: do not track) */
    uint64_t digest;     /* FNV-1a over every field of every record */
    /* spot check: all records of one vote and one member */
    int64_t want_vote, want_member;
    int want_hits;
    struct ep_vote want_v;
    char want_desc[512], want_ts[32], want_sd[16];
    int want_pos;
    char want_group[32], want_name[64];
    long want_line;
    char want_title[256];
    int64_t want_dlv;
    char last_warning[1024];
    long names;       /* positions that came with a name */
    int no_names;     /* the sink says it wants none */
    int fail_on_vote; /* > 0: return an error from the n-th vote callback */
};

static void dig(struct rec *r, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        r->digest ^= b[i];
        r->digest *= 1099511628211ULL;
    }
}

static void dig_s(struct rec *r, const char *s)
{
    if (s)
        dig(r, s, strlen(s) + 1);
    else
        dig(r, "\xff", 1);
}

static void dig_i(struct rec *r, int64_t v)
{
    dig(r, &v, sizeof v);
}

static void finish_vote(struct rec *r)
{
    if (r->cur_vote < 0)
        return;
    for (int k = 1; k <= 3; k++)
        if (r->cur_number[k] != r->cur_counted[k])
            r->count_mismatches++;
}

static int cb_sitting(void *ctx, const struct ep_sitting *s, struct ep_error *err)
{
    struct rec *r = ctx;
    r->sittings++;
    snprintf(r->sitting_date, sizeof r->sitting_date, "%s", s->date ? s->date : "");
    snprintf(r->sitting_ref, sizeof r->sitting_ref, "%s", s->reference ? s->reference : "");
    r->sitting_id = s->ep_id;
    r->sitting_term = s->term;
    dig_s(r, s->date);
    dig_s(r, s->reference);
    dig_i(r, s->ep_id);
    dig_i(r, s->term);
    return 0;
}

static int cb_vote(void *ctx, const struct ep_vote *v, struct ep_error *err)
{
    struct rec *r = ctx;
    finish_vote(r);
    r->votes++;
    r->last_member = -1;
    if (r->fail_on_vote && r->votes == r->fail_on_vote)
        return ep_error_set(err, EP_ECONFLICT, "sink refuses vote %lld", (long long)v->id);
    r->cur_vote = v->id;
    r->cur_number[1] = v->count_for;
    r->cur_number[2] = v->count_against;
    r->cur_number[3] = v->count_abstention;
    r->cur_counted[1] = r->cur_counted[2] = r->cur_counted[3] = 0;
    dig_i(r, v->id);
    dig_s(r, v->timestamp);
    dig_s(r, v->sitting_date);
    dig_s(r, v->title);
    dig_s(r, v->description);
    dig_i(r, v->is_main);
    dig_i(r, v->count_for);
    dig_i(r, v->count_against);
    dig_i(r, v->count_abstention);
    dig_i(r, v->count_did_not_vote);
    dig_i(r, v->dlv_id);
    if (v->id == r->want_vote) {
        r->want_v = *v;
        snprintf(r->want_desc, sizeof r->want_desc, "%s", v->description ? v->description : "");
        snprintf(r->want_ts, sizeof r->want_ts, "%s", v->timestamp ? v->timestamp : "");
        snprintf(r->want_sd, sizeof r->want_sd, "%s", v->sitting_date ? v->sitting_date : "");
    }
    return 0;
}

static int cb_position(void *ctx, const struct ep_position *p, struct ep_error *err)
{
    struct rec *r = ctx;
    r->positions++;
    if (p->vote_id != r->cur_vote)
        r->order_errors++;
    if (p->member_id <= r->last_member)
        r->sort_errors++;
    r->last_member = p->member_id;
    if (p->pos >= 1 && p->pos <= 3) {
        r->pos_count[p->pos]++;
        r->cur_counted[p->pos]++;
    }
    if (r->seen && p->member_id > 0 && p->member_id < MAX_PERSID)
        r->seen[p->member_id] = 1;
    dig_i(r, p->vote_id);
    dig_i(r, p->member_id);
    dig_i(r, p->pos);
    dig_s(r, p->group_code);
    dig_s(r, p->name);
    if (p->name)
        r->names++;
    dig_s(r, p->country);
    dig_i(r, p->line);
    if (p->vote_id == r->want_vote && p->member_id == r->want_member) {
        r->want_hits++;
        r->want_pos = p->pos;
        snprintf(r->want_group, sizeof r->want_group, "%s", p->group_code ? p->group_code : "");
        snprintf(r->want_name, sizeof r->want_name, "%s", p->name ? p->name : "");
        r->want_line = p->line;
    }
    return 0;
}

static int cb_title(void *ctx, int64_t dlv, const char *title, struct ep_error *err)
{
    struct rec *r = ctx;
    r->titles++;
    dig_i(r, dlv);
    dig_s(r, title);
    if (dlv == r->want_dlv)
        snprintf(r->want_title, sizeof r->want_title, "%s", title);
    return 0;
}

static void cb_warn(void *ctx, const char *unit, long line, const char *msg)
{
    struct rec *r = ctx;
    r->warnings++;
    snprintf(r->last_warning, sizeof r->last_warning, "%s:%ld: %s", unit, line, msg);
}

static void rec_init(struct rec *r)
{
    memset(r, 0, sizeof *r);
    r->cur_vote = -1;
    r->want_vote = -1;
    r->want_member = -1;
    r->want_dlv = -1;
    r->digest = 1469598103934665603ULL;
}

static struct ep_sink rec_sink(struct rec *r)
{
    struct ep_sink s = {
        .ctx = r,
        .sitting = cb_sitting,
        .vote = cb_vote,
        .position = cb_position,
        .vote_title = cb_title,
        .warn = cb_warn,
        .no_names = r->no_names,
    };
    return s;
}

static int parse_str(const char *xml, struct rec *r, struct ep_rcv_stats *st, struct ep_error *err)
{
    struct ep_sink s = rec_sink(r);
    int rc = ep_rcv_parse_buffer(xml, strlen(xml), "test.xml", &s, st, err);
    finish_vote(r);
    return rc;
}

/* ---- real files ----------------------------------------------------------------------- */

static void test_real_files(void **state)
{
    struct rec all;
    rec_init(&all);
    all.seen = calloc(MAX_PERSID, 1);
    assert_non_null(all.seen);
    long total_votes = 0;
    for (size_t i = 0; i < sizeof real_files / sizeof real_files[0]; i++) {
        struct rec r;
        rec_init(&r);
        r.seen = all.seen;
        struct ep_sink s = rec_sink(&r);
        struct ep_rcv_stats st;
        struct ep_error err = {0};
        const char *path = ep_test_real(real_files[i]);
        int rc = ep_rcv_parse_file(path, &s, &st, &err);
        if (rc)
            print_error("%s\n", err.msg);
        assert_int_equal(rc, 0);
        finish_vote(&r);
        assert_int_equal(r.votes, real_votes[i]);
        assert_int_equal(st.votes, real_votes[i]);
        assert_int_equal(st.positions, r.positions);
        assert_int_equal(st.warnings, 0);
        assert_int_equal(r.warnings, 0);
        assert_int_equal(r.count_mismatches, 0);
        assert_int_equal(r.order_errors, 0);
        assert_int_equal(r.sort_errors, 0); /* each vote's positions by member, ascending */
        assert_int_equal(r.sittings, 1);
        assert_int_equal(r.sitting_term, 9);
        /* the sitting date is in the file name: PV-9-YYYY-MM-DD-RCV_EN.xml */
        assert_memory_equal(r.sitting_date, real_files[i] + strlen("ep-rcv-xml/PV-9-"), 10);
        total_votes += r.votes;
        for (int k = 1; k <= 3; k++)
            all.pos_count[k] += r.pos_count[k];
    }
    assert_int_equal(total_votes, 266);
    assert_int_equal(all.pos_count[EP_POS_FOR], 88038);
    assert_int_equal(all.pos_count[EP_POS_AGAINST], 55796);
    assert_int_equal(all.pos_count[EP_POS_ABSTENTION], 10785);
    long distinct = 0;
    for (long i = 0; i < MAX_PERSID; i++)
        distinct += all.seen[i];
    assert_int_equal(distinct, 707);
    free(all.seen);
}

/* Vote 162976 of 2024-01-16, read by hand with grep:
 *   <RollCallVote.Result Identifier="162976" DlvId="939916" Date="2024-01-16 12:03:51">
 *   Description "A9-0050/2023 &#8211; Jessica Polfj&#228;rd &#8211; Provisional agreement &#8211;
 *   Am 74"; For Number="538", Against Number="8", Abstention Number="13".
 *   In Result.Against / Result.PoliticalGroup.List Identifier="Renew":
 *   <PoliticalGroup.Member.Name MepId="6951" PersId="197558">Christensen</...>
 *   Its Intentions block lists Christensen under Intentions.Result.For (must be ignored).
 *   <VoteTitle DlvId="939916">Ozone depleting substances</VoteTitle>; the vote is on line 16. */
static void test_spot_check(void **state)
{
    struct rec r;
    rec_init(&r);
    r.want_vote = 162976;
    r.want_member = 197558;
    r.want_dlv = 939916;
    struct ep_sink s = rec_sink(&r);
    struct ep_error err = {0};
    assert_int_equal(
        ep_rcv_parse_file(ep_test_real("ep-rcv-xml/PV-9-2024-01-16-RCV_EN.xml"), &s, NULL, &err),
        0);
    assert_int_equal(r.want_v.id, 162976);
    assert_int_equal(r.want_v.dlv_id, 939916);
    assert_string_equal(r.want_ts, "2024-01-16 12:03:51");
    assert_string_equal(r.want_sd, "2024-01-16");
    assert_string_equal(r.want_desc,
                        "A9-0050/2023 \xE2\x80\x93 Jessica Polfj\xC3\xA4rd \xE2\x80\x93 "
                        "Provisional agreement \xE2\x80\x93 Am 74");
    assert_int_equal(r.want_v.count_for, 538);
    assert_int_equal(r.want_v.count_against, 8);
    assert_int_equal(r.want_v.count_abstention, 13);
    assert_int_equal(r.want_v.count_did_not_vote, -1);
    assert_int_equal(r.want_v.is_main, -1);
    assert_null(r.want_v.title);
    assert_null(r.want_v.reference);
    assert_null(r.want_v.result);
    assert_int_equal(r.want_hits, 1); /* the Intentions entry is not a second position */
    assert_int_equal(r.want_pos, EP_POS_AGAINST);
    assert_string_equal(r.want_group, "RENEW");
    assert_string_equal(r.want_name, "Christensen");
    assert_int_equal(r.want_line, 16);
    assert_string_equal(r.want_title, "Ozone depleting substances");
    assert_string_equal(r.sitting_ref, "P9_PV(2024)01-16");
    assert_int_equal(r.sitting_id, 2292);
}

static void test_gzip_identical(void **state)
{
    const char *rel = "ep-rcv-xml/PV-9-2024-01-15-RCV_EN.xml";
    char *dir = ep_test_tmpdir();
    assert_non_null(dir);
    assert_int_equal(ep_test_system("gzip -c '%s' > '%s/a.xml.gz'", ep_test_real(rel), dir), 0);
    char gz[4200];
    snprintf(gz, sizeof gz, "%s/a.xml.gz", dir);

    struct rec a, b;
    rec_init(&a);
    rec_init(&b);
    struct ep_sink sa = rec_sink(&a), sb = rec_sink(&b);
    struct ep_error err = {0};
    struct ep_rcv_stats sta, stb;
    assert_int_equal(ep_rcv_parse_file(ep_test_real(rel), &sa, &sta, &err), 0);
    assert_int_equal(ep_rcv_parse_file(gz, &sb, &stb, &err), 0);
    assert_int_equal(a.votes, 7);
    assert_int_equal(b.votes, 7);
    assert_int_equal(a.positions, b.positions);
    assert_true(a.digest == b.digest);
    assert_int_equal(sta.positions, stb.positions);

    /* the same bytes through the buffer API give the same records */
    struct ep_buf buf;
    ep_buf_init(&buf, 0);
    assert_int_equal(ep_read_file(ep_test_real(rel), 0, &buf, &err), 0);
    struct rec c;
    rec_init(&c);
    struct ep_sink sc = rec_sink(&c);
    assert_int_equal(ep_rcv_parse_buffer(buf.data, buf.len, "x", &sc, NULL, &err), 0);
    assert_true(c.digest == a.digest);
    assert_int_equal(ep_rcv_sniff(buf.data, buf.len), 1);
    ep_buf_free(&buf);

    /* a corrupted gzip stream (bytes flipped in the middle) is an error, not a short parse */
    assert_int_equal(ep_test_system("cd '%s' && size=$(stat -c %%s a.xml.gz) && "
                                    "printf 'XXXXXXXXXXXXXXXX' | dd of=a.xml.gz bs=1 "
                                    "seek=$((size/2)) conv=notrunc status=none",
                                    dir),
                     0);
    struct rec d;
    rec_init(&d);
    struct ep_sink sd = rec_sink(&d);
    int rc = ep_rcv_parse_file(gz, &sd, NULL, &err);
    assert_true(rc == EP_EPARSE || rc == EP_EIO);
    assert_non_null(strstr(err.msg, "a.xml.gz:"));

    /* a truncated gzip stream too */
    assert_int_equal(
        ep_test_system("cd '%s' && head -c $(( $(stat -c %%s a.xml.gz) / 2 )) a.xml.gz > t.xml.gz",
                       dir),
        0);
    snprintf(gz, sizeof gz, "%s/t.xml.gz", dir);
    rc = ep_rcv_parse_file(gz, &sd, NULL, &err);
    assert_int_equal(rc, EP_EPARSE);
    assert_non_null(strstr(err.msg, "t.xml.gz:"));
    ep_test_system("rm -rf '%s'", dir);
    free(dir);
}

static void test_truncated_real(void **state)
{
    const char *rel = "ep-rcv-xml/PV-9-2024-01-16-RCV_EN.xml";
    char *dir = ep_test_tmpdir();
    assert_non_null(dir);
    assert_int_equal(ep_test_system("cd '%s' && f='%s' && head -c $(( $(stat -c %%s \"$f\") / 2 )) "
                                    "\"$f\" > half.xml",
                                    dir, ep_test_real(rel)),
                     0);
    char path[4200];
    snprintf(path, sizeof path, "%s/half.xml", dir);
    struct rec r;
    rec_init(&r);
    struct ep_sink s = rec_sink(&r);
    struct ep_error err = {0};
    int rc = ep_rcv_parse_file(path, &s, NULL, &err);
    assert_int_equal(rc, EP_EPARSE);
    assert_int_equal(err.code, EP_EPARSE);
    char want[4300];
    snprintf(want, sizeof want, "%s:", path);
    assert_non_null(strstr(err.msg, want)); /* file name ... */
    const char *after = err.msg + strlen(want);
    assert_true(after[0] >= '1' && after[0] <= '9'); /* ... then a line number */
    assert_non_null(strstr(err.msg, "truncated"));
    assert_true(r.votes > 0 && r.votes < 32); /* the first half was streamed */

    /* a missing file is an I/O error naming the path */
    snprintf(path, sizeof path, "%s/nope.xml", dir);
    assert_int_equal(ep_rcv_parse_file(path, &s, NULL, &err), EP_EIO);
    assert_non_null(strstr(err.msg, "nope.xml"));
    ep_test_system("rm -rf '%s'", dir);
    free(dir);
}

/* ---- constructed documents ------------------------------------------------------------- */

#define HEAD                                                                                       \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"                                                 \
    "<PV.RollCallVoteResults Sitting.Identifier=\"7\" Sitting.Date=\"2024-09-17\" "                \
    "EP.Reference=\"P10_PV(2024)09-17\">\n"
#define VOTE(id)                                                                                   \
    "<RollCallVote.Result Identifier=\"" id "\" DlvId=\"5\" Date=\"2024-09-17 12:01:02\">\n"
#define MEMBER(pid, name)                                                                          \
    "<PoliticalGroup.Member.Name MepId=\"1\" PersId=\"" pid "\">" name                             \
    "</PoliticalGroup.Member.Name>\n"
#define TAIL "</PV.RollCallVoteResults>\n"

static const char good_doc[] = HEAD VOTE(
    "100") "<RollCallVote.Description.Text>  A10-0001/2024 \n <a href=\"x\">Rep <b>Name</b></a>  - "
           " "
           "Am 1 </RollCallVote.Description.Text>\n"
           "<Result.For Number=\"2\"><Result.PoliticalGroup.List Identifier=\"PPE\">\n" MEMBER(
               "11", " Alpha ")
               MEMBER(
                   "12",
                   "Beta Gamma") "</Result.PoliticalGroup.List></Result.For>\n"
                                 "<Result.Abstention Number=\"1\"><Result.PoliticalGroup.List "
                                 "Identifier=\"PfE\">\n" MEMBER(
                                     "13",
                                     "Delta") "</Result.PoliticalGroup.List></Result.Abstention>\n"
                                              "<Intentions "
                                              "Code=\"100\"><Intentions.Result.Against><Member."
                                              "Name MepId=\"9\" "
                                              "PersId=\"99\">Ghost</Member.Name>"
                                              "<PoliticalGroup.Member.Name MepId=\"9\" "
                                              "PersId=\"98\">Ghost2</PoliticalGroup.Member.Name>"
                                              "</Intentions.Result.Against></Intentions>\n"
                                              "</RollCallVote.Result>\n"
                                              "<VoteTitles><VoteTitle DlvId=\"5\"> Some  title\n "
                                              "here </VoteTitle><VoteTitle DlvId=\"6\">"
                                              "</VoteTitle></VoteTitles>\n" TAIL;

static void test_constructed_good(void **state)
{
    struct rec r;
    rec_init(&r);
    r.want_vote = 100;
    r.want_member = 11;
    r.want_dlv = 5;
    struct ep_rcv_stats st;
    struct ep_error err = {0};
    int rc = parse_str(good_doc, &r, &st, &err);
    if (rc)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, 0);
    assert_int_equal(r.sitting_term, 10);
    assert_int_equal(r.sitting_id, 7);
    assert_string_equal(r.sitting_date, "2024-09-17");
    assert_int_equal(r.votes, 1);
    assert_int_equal(r.positions, 3); /* Ghost and Ghost2 (Intentions) are not emitted */
    assert_int_equal(st.warnings, 0);
    assert_int_equal(r.count_mismatches, 0);
    assert_string_equal(r.want_desc, "A10-0001/2024 Rep Name - Am 1");
    assert_int_equal(r.want_v.count_for, 2);
    assert_int_equal(r.want_v.count_against, 0); /* element absent */
    assert_int_equal(r.want_v.count_abstention, 1);
    assert_int_equal(r.want_v.dlv_id, 5);
    assert_string_equal(r.want_name, "Alpha");
    assert_string_equal(r.want_group, "EPP");
    assert_int_equal(r.want_pos, EP_POS_FOR);
    assert_int_equal(r.want_line, 7);
    assert_string_equal(r.want_title, "Some title here");
    assert_int_equal(r.titles, 1); /* the empty title is not emitted */
    assert_int_equal(r.pos_count[EP_POS_ABSTENTION], 1);
}

static void expect_error(const char *xml, int code, const char *needle)
{
    struct rec r;
    rec_init(&r);
    struct ep_error err = {0};
    int rc = parse_str(xml, &r, NULL, &err);
    if (rc != code || !strstr(err.msg, needle) || !strstr(err.msg, "test.xml:"))
        print_error("rc=%d msg=%s (want %d, \"%s\")\n", rc, err.msg, code, needle);
    assert_int_equal(rc, code);
    assert_int_equal(err.code, code);
    assert_non_null(strstr(err.msg, "test.xml:"));
    assert_non_null(strstr(err.msg, needle));
}

static void test_wrong_root(void **state)
{
    expect_error("<?xml version=\"1.0\"?>\n<html><body/></html>", EP_EPARSE,
                 "test.xml:2: root element is html, expected PV.RollCallVoteResults");
}

static void test_not_xml(void **state)
{
    expect_error("Identifier,Date\n1,2\n", EP_EPARSE, "test.xml:1:");
    expect_error("", EP_EPARSE, "unexpected end of file");
    expect_error(HEAD VOTE("1"), EP_EPARSE, "truncated");
}

static void test_invalid_utf8(void **state)
{
    expect_error(HEAD VOTE("1") "<RollCallVote.Description.Text>caf\xE9 noir"
                                "</RollCallVote.Description.Text></RollCallVote.Result>" TAIL,
                 EP_EPARSE, "invalid UTF-8 (byte 0xE9)");
    expect_error(HEAD "<x>\xFF</x>" TAIL, EP_EPARSE, "test.xml:3:");
}

static void test_missing_persid(void **state)
{
    expect_error(HEAD VOTE("1") "<Result.For Number=\"1\"><Result.PoliticalGroup.List "
                                "Identifier=\"ECR\">\n<PoliticalGroup.Member.Name "
                                "MepId=\"3\">Nobody</PoliticalGroup.Member.Name>"
                                "</Result.PoliticalGroup.List></Result.For>"
                                "</RollCallVote.Result>" TAIL,
                 EP_EPARSE, "test.xml:5: vote 1: member \"Nobody\" has no PersId");
    expect_error(HEAD VOTE("1") "<Result.For Number=\"1\"><Result.PoliticalGroup.List "
                                "Identifier=\"ECR\">" MEMBER(
                                    "12a", "X") "</Result.PoliticalGroup.List></Result.For>"
                                                "</RollCallVote.Result>" TAIL,
                 EP_EPARSE, "PersId \"12a\" is not a number");
    expect_error(HEAD "<RollCallVote.Result Date=\"2024-01-01 10:00:00\"/>" TAIL, EP_EPARSE,
                 "without Identifier");
    expect_error(HEAD "<RollCallVote.Result Identifier=\"5\"/>" TAIL, EP_EPARSE, "without Date");
}

static void test_unknown_group(void **state)
{
    const char *xml =
        HEAD VOTE("7") "<Result.For Number=\"3\">"
                       "<Result.PoliticalGroup.List Identifier=\"XYZ\">" MEMBER("1", "A") MEMBER(
                           "2", "B") "</Result.PoliticalGroup.List>"
                                     "<Result.PoliticalGroup.List Identifier=\"XYZ\">" MEMBER(
                                         "3", "C") "</Result.PoliticalGroup.List>"
                                                   "</Result.For></RollCallVote.Result>" TAIL;
    struct rec r;
    rec_init(&r);
    r.want_vote = 7;
    r.want_member = 3;
    struct ep_rcv_stats st;
    struct ep_error err = {0};
    assert_int_equal(parse_str(xml, &r, &st, &err), 0);
    assert_int_equal(r.positions, 3);
    assert_int_equal(r.warnings, 1); /* once per (vote, label) */
    assert_int_equal(st.warnings, 1);
    assert_string_equal(r.want_group, "XYZ");
    assert_non_null(strstr(r.last_warning, "test.xml:4: "));
    assert_non_null(strstr(r.last_warning, "XYZ"));
    assert_non_null(strstr(r.last_warning, "7"));
}

static void test_number_mismatch(void **state)
{
    const char *xml =
        HEAD VOTE("8") "<Result.For Number=\"1\">"
                       "<Result.PoliticalGroup.List Identifier=\"ECR\">" MEMBER("1", "A")
                           MEMBER("2", "B") "</Result.PoliticalGroup.List>"
                                            "</Result.For>\n<Result.Against Number=\"4\"/>"
                                            "</RollCallVote.Result>" TAIL;
    struct rec r;
    rec_init(&r);
    r.want_vote = 8;
    struct ep_rcv_stats st;
    struct ep_error err = {0};
    assert_int_equal(parse_str(xml, &r, &st, &err), 0);
    assert_int_equal(st.warnings, 2);
    assert_int_equal(r.warnings, 2);
    assert_int_equal(r.want_v.count_for, 1); /* the Number attribute, as the contract says */
    assert_int_equal(r.want_v.count_against, 4);
    assert_int_equal(r.positions, 2);
    assert_non_null(strstr(r.last_warning, "test.xml:7: vote 8: AGAINST Number=\"4\" but 0"));
}

static void test_member_twice(void **state)
{
    expect_error(
        HEAD VOTE("9") "<Result.For Number=\"1\"><Result.PoliticalGroup.List "
                       "Identifier=\"ECR\">" MEMBER(
                           "42",
                           "Twice") "</Result.PoliticalGroup.List></Result.For>\n"
                                    "<Result.Against Number=\"1\"><Result.PoliticalGroup.List "
                                    "Identifier=\"ECR\">" MEMBER(
                                        "42",
                                        "Twice") "</Result.PoliticalGroup.List></Result.Against>"
                                                 "</RollCallVote.Result>" TAIL,
        EP_EPARSE, "test.xml:6: vote 9: member 42 (Twice) is listed twice");
}

static void test_sink_error(void **state)
{
    struct rec r;
    rec_init(&r);
    r.fail_on_vote = 2;
    struct ep_sink s = rec_sink(&r);
    struct ep_error err = {0};
    struct ep_rcv_stats st;
    int rc =
        ep_rcv_parse_file(ep_test_real("ep-rcv-xml/PV-9-2024-01-15-RCV_EN.xml"), &s, &st, &err);
    assert_int_equal(rc, EP_ECONFLICT);
    assert_int_equal(r.votes, 2); /* stopped at once */
    assert_int_equal(st.votes, 1);
    assert_non_null(strstr(err.msg, "PV-9-2024-01-15-RCV_EN.xml:"));
    assert_non_null(strstr(err.msg, ": sink refuses vote"));
}

static void test_text_cap(void **state)
{
    size_t n = (1u << 20) + 100;
    const char *head = HEAD VOTE("1") "<RollCallVote.Description.Text>";
    char *xml = malloc(strlen(head) + n + 1);
    assert_non_null(xml);
    strcpy(xml, head);
    memset(xml + strlen(head), 'a', n);
    xml[strlen(head) + n] = '\0';
    struct rec r;
    rec_init(&r);
    struct ep_error err = {0};
    assert_int_equal(parse_str(xml, &r, NULL, &err), EP_ELIMIT);
    assert_non_null(strstr(err.msg, "test.xml:"));
    assert_non_null(strstr(err.msg, "limit"));
    free(xml);
}

static void test_entities_refused(void **state)
{
    expect_error("<?xml version=\"1.0\"?><!DOCTYPE PV.RollCallVoteResults [<!ENTITY a \"aaaa\">]>"
                 "<PV.RollCallVoteResults>&a;</PV.RollCallVoteResults>",
                 EP_EPARSE, "entity");
}

static void test_sniff(void **state)
{
    const char *ok1 = "<PV.RollCallVoteResults a=\"1\">";
    const char *ok2 = "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- hi -->\n  "
                      "<PV.RollCallVoteResults>";
    assert_int_equal(ep_rcv_sniff(ok1, strlen(ok1)), 1);
    assert_int_equal(ep_rcv_sniff(ok2, strlen(ok2)), 1);
    assert_int_equal(ep_rcv_sniff(good_doc, sizeof good_doc - 1), 1);
    const char *bad[] = {"",
                         "<PV.RollCallVoteResultsX>",
                         "<html>",
                         "id,date\n",
                         "<?xml?><PV.",
                         "<!-- <PV.RollCallVoteResults> -->"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(ep_rcv_sniff(bad[i], strlen(bad[i])), 0);
    assert_int_equal(ep_rcv_sniff(NULL, 0), 0);
}

static void test_null_sink_callbacks(void **state)
{
    struct ep_sink s = {0};
    struct ep_rcv_stats st;
    struct ep_error err = {0};
    assert_int_equal(ep_rcv_parse_buffer(good_doc, sizeof good_doc - 1, "x", &s, &st, &err), 0);
    assert_int_equal(st.votes, 1);
    assert_int_equal(st.positions, 3);
}

/* ---- the pipelined parse and the parse started ahead give exactly what the direct one gives */

static void same_records(const struct rec *a, const struct rec *b, const struct ep_rcv_stats *ta,
                         const struct ep_rcv_stats *tb)
{
    assert_true(a->digest == b->digest);
    assert_int_equal(b->votes, a->votes);
    assert_int_equal(b->positions, a->positions);
    assert_int_equal(b->titles, a->titles);
    assert_int_equal(b->warnings, a->warnings);
    assert_int_equal(b->sittings, a->sittings);
    assert_int_equal(b->order_errors, 0);
    assert_string_equal(b->last_warning, a->last_warning);
    assert_int_equal(tb->votes, ta->votes);
    assert_int_equal(tb->positions, ta->positions);
    assert_int_equal(tb->warnings, ta->warnings);
}

/* real_files[i] into buf (initialised here; the caller frees it). */
static void read_real(size_t i, struct ep_buf *buf)
{
    struct ep_error err = {0};
    ep_buf_init(buf, 0);
    assert_int_equal(ep_read_file(ep_test_real(real_files[i]), 0, buf, &err), 0);
}

/* A parse started ahead, delivered to r's sink after wait_ms (0: at once), so that the parser
 * has run ahead, queued records and usually finished before the sink comes. */
static int parse_ahead(const char *data, size_t n, int wait_ms, struct rec *r,
                       struct ep_rcv_stats *st, struct ep_error *err)
{
    struct ep_rcv_ahead *a = NULL;
    assert_int_equal(
        ep_rcv_ahead_start(data, n, "u.xml", r->no_names ? EP_RCV_NO_NAMES : 0, &a, err), 0);
    assert_non_null(a);
    if (wait_ms > 0) {
        struct timespec ts = {0, (long)wait_ms * 1000000L};
        nanosleep(&ts, NULL);
    }
    struct ep_sink sink = rec_sink(r);
    int rc = ep_rcv_ahead_deliver(a, &sink, st, err);
    finish_vote(r);
    return rc;
}

/* Parse data the three ways (fail_on_vote as given) and compare records, statistics and
 * errors. */
static void same_both_ways(const char *data, size_t n, int fail_on_vote, int want_rc)
{
    struct rec a, b, c;
    rec_init(&a);
    rec_init(&b);
    rec_init(&c);
    a.fail_on_vote = b.fail_on_vote = c.fail_on_vote = fail_on_vote;
    struct ep_sink sa = rec_sink(&a), sb = rec_sink(&b);
    struct ep_error ea = {0}, eb = {0}, ec = {0};
    struct ep_rcv_stats ta, tb, tc;
    int ra = ep_rcv_parse_buffer(data, n, "u.xml", &sa, &ta, &ea);
    int rb = ep_rcv_parse_buffer_pipelined(data, n, "u.xml", &sb, &tb, &eb);
    int rc = parse_ahead(data, n, 20, &c, &tc, &ec);
    finish_vote(&a);
    finish_vote(&b);
    assert_int_equal(ra, want_rc);
    assert_int_equal(rb, ra);
    assert_int_equal(rc, ra);
    if (ra) {
        assert_string_equal(eb.msg, ea.msg);
        assert_string_equal(ec.msg, ea.msg);
    }
    same_records(&a, &b, &ta, &tb);
    same_records(&a, &c, &ta, &tc);
}

static void test_pipelined_identical(void **state)
{
    struct ep_error err = {0};
    for (size_t i = 0; i < sizeof real_files / sizeof real_files[0]; i++) {
        struct ep_buf buf;
        ep_buf_init(&buf, 0);
        assert_int_equal(ep_read_file(ep_test_real(real_files[i]), 0, &buf, &err), 0);
        same_both_ways(buf.data, buf.len, 0, 0);
        if (i == 1) {
            same_both_ways(buf.data, buf.len / 2, 0, EP_EPARSE); /* truncated mid-file */
            same_both_ways(buf.data, buf.len, 2, EP_ECONFLICT);  /* the sink refuses vote 2 */
            same_both_ways(buf.data, buf.len, 32, EP_ECONFLICT); /* ... the last vote */
        }
        ep_buf_free(&buf);
    }
    same_both_ways(good_doc, strlen(good_doc), 0, 0);
    static const char warn_doc[] =
        HEAD VOTE("8") "<Result.For Number=\"1\"><Result.PoliticalGroup.List "
                       "Identifier=\"XYZ\">" MEMBER("1", "A") MEMBER(
                           "2", "B") "</Result.PoliticalGroup.List></Result.For>\n"
                                     "<Result.Against Number=\"4\"/></RollCallVote.Result>" TAIL;
    same_both_ways(warn_doc, strlen(warn_doc), 0, 0);
    static const char twice_doc[] =
        HEAD VOTE("9") "<Result.For Number=\"1\"><Result.PoliticalGroup.List "
                       "Identifier=\"ECR\">" MEMBER("42", "Twice")
                           MEMBER("42", "Twice") "</Result.PoliticalGroup.List></Result.For>"
                                                 "</RollCallVote.Result>" TAIL;
    same_both_ways(twice_doc, strlen(twice_doc), 0, EP_EPARSE);
    same_both_ways("<a>", 3, 0, EP_EPARSE);
    same_both_ways("", 0, 0, EP_EPARSE);
}

/* More records than a parse started ahead queues (it waits, then goes on as they are
 * delivered): 1,500 votes of two members each, one with a Number mismatch (a warning). */
static void test_ahead_beyond_queue(void **state)
{
    (void)state;
    struct ep_buf doc;
    ep_buf_init(&doc, 0);
    assert_int_equal(ep_buf_append(&doc, HEAD, strlen(HEAD)), 0);
    for (int v = 1; v <= 1500; v++) {
        char one[512];
        int k = snprintf(one, sizeof one,
                         "<RollCallVote.Result Identifier=\"%d\" DlvId=\"%d\" "
                         "Date=\"2024-09-17 12:01:02\">\n<Result.For Number=\"%d\">"
                         "<Result.PoliticalGroup.List Identifier=\"EPP\">" MEMBER("11", "A")
                             MEMBER("22", "B") "</Result.PoliticalGroup.List></Result.For>"
                                               "</RollCallVote.Result>\n",
                         v, v, v == 700 ? 3 : 2);
        assert_int_equal(ep_buf_append(&doc, one, (size_t)k), 0);
    }
    assert_int_equal(ep_buf_append(&doc, TAIL, strlen(TAIL)), 0);
    struct rec a, c;
    rec_init(&a);
    rec_init(&c);
    struct ep_sink sa = rec_sink(&a);
    struct ep_error ea = {0}, ec = {0};
    struct ep_rcv_stats ta, tc;
    assert_int_equal(ep_rcv_parse_buffer(doc.data, doc.len, "u.xml", &sa, &ta, &ea), 0);
    finish_vote(&a);
    assert_int_equal(parse_ahead(doc.data, doc.len, 50, &c, &tc, &ec), 0);
    assert_int_equal(a.votes, 1500);
    assert_int_equal(a.positions, 3000);
    assert_int_equal(a.warnings, 1);
    same_records(&a, &c, &ta, &tc);
    ep_buf_free(&doc);
}

/* A parse started ahead and not wanted after all (the file is already stored, the hint was
 * not followed): cancelled at once, after it finished, or after it failed; nothing leaks
 * (ASan, valgrind). A sink with no sitting, warn or title callbacks gets what the direct
 * parse gives it. */
static void test_ahead_cancel_and_partial_sink(void **state)
{
    (void)state;
    struct ep_buf buf;
    struct ep_error err = {0};
    read_real(2, &buf);
    struct ep_rcv_ahead *a = NULL;
    assert_int_equal(ep_rcv_ahead_start(buf.data, buf.len, "u.xml", 0, &a, &err), 0);
    ep_rcv_ahead_cancel(a);
    assert_int_equal(ep_rcv_ahead_start(buf.data, buf.len, "u.xml", 0, &a, &err), 0);
    struct timespec ts = {0, 100000000L};
    nanosleep(&ts, NULL);
    ep_rcv_ahead_cancel(a);
    assert_int_equal(ep_rcv_ahead_start(buf.data, buf.len / 3, "u.xml", 0, &a, &err), 0);
    nanosleep(&ts, NULL);
    ep_rcv_ahead_cancel(a);
    ep_rcv_ahead_cancel(NULL);
    assert_int_equal(ep_rcv_ahead_deliver(NULL, NULL, NULL, &err), EP_EINVAL);

    struct ep_sink s = {0};
    struct ep_rcv_stats ta, tc;
    assert_int_equal(ep_rcv_parse_buffer(buf.data, buf.len, "x", &s, &ta, &err), 0);
    assert_int_equal(ep_rcv_ahead_start(buf.data, buf.len, "x", 0, &a, &err), 0);
    assert_int_equal(ep_rcv_ahead_deliver(a, &s, &tc, &err), 0);
    assert_int_equal(ta.votes, 62);
    assert_int_equal(tc.votes, ta.votes);
    assert_int_equal(tc.positions, ta.positions);
    assert_int_equal(tc.warnings, ta.warnings);
    ep_buf_free(&buf);
}

/* A sink that wants no names gets none, and otherwise the same records, whichever way the
 * file is parsed; a member listed twice is then named by id only. */
static void test_no_names(void **state)
{
    (void)state;
    struct ep_buf buf;
    struct ep_error err = {0};
    read_real(1, &buf);
    struct rec a, b, c, d;
    rec_init(&a);
    rec_init(&b);
    rec_init(&c);
    rec_init(&d);
    b.no_names = c.no_names = d.no_names = 1;
    struct ep_sink sa = rec_sink(&a), sb = rec_sink(&b), sd = rec_sink(&d);
    struct ep_rcv_stats ta, tb, tc, td;
    assert_int_equal(ep_rcv_parse_buffer(buf.data, buf.len, "u.xml", &sa, &ta, &err), 0);
    assert_int_equal(ep_rcv_parse_buffer(buf.data, buf.len, "u.xml", &sb, &tb, &err), 0);
    assert_int_equal(parse_ahead(buf.data, buf.len, 20, &c, &tc, &err), 0);
    assert_int_equal(ep_rcv_parse_buffer_pipelined(buf.data, buf.len, "u.xml", &sd, &td, &err), 0);
    finish_vote(&a);
    finish_vote(&b);
    finish_vote(&d);
    assert_int_equal(a.votes, 32);
    assert_int_equal(a.names, a.positions); /* every listed member has a name */
    assert_int_equal(b.names, 0);
    assert_int_equal(b.positions, a.positions);
    assert_int_equal(b.votes, a.votes);
    assert_int_equal(b.warnings, a.warnings);
    assert_int_equal(b.sort_errors, 0);
    assert_true(b.digest != a.digest);
    same_records(&b, &c, &tb, &tc);
    same_records(&b, &d, &tb, &td);
    ep_buf_free(&buf);

    static const char twice[] =
        HEAD VOTE("9") "<Result.For Number=\"1\"><Result.PoliticalGroup.List "
                       "Identifier=\"ECR\">" MEMBER("42", "Twice") "</Result.PoliticalGroup.List>"
                       "</Result.For>\n<Result.Against Number=\"1\"><Result.PoliticalGroup.List "
                       "Identifier=\"ECR\">" MEMBER("42", "Twice") "</Result.PoliticalGroup.List>"
                       "</Result.Against></RollCallVote.Result>" TAIL;
    struct rec t;
    rec_init(&t);
    t.no_names = 1;
    struct ep_sink st = rec_sink(&t);
    memset(&err, 0, sizeof err);
    assert_int_equal(ep_rcv_parse_buffer(twice, strlen(twice), "test.xml", &st, NULL, &err),
                     EP_EPARSE);
    assert_string_equal(err.msg, "test.xml:6: vote 9: member 42 is listed twice (FOR at line 4, "
                                 "AGAINST at line 6)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_files),
        cmocka_unit_test(test_spot_check),
        cmocka_unit_test(test_gzip_identical),
        cmocka_unit_test(test_truncated_real),
        cmocka_unit_test(test_constructed_good),
        cmocka_unit_test(test_wrong_root),
        cmocka_unit_test(test_not_xml),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_missing_persid),
        cmocka_unit_test(test_unknown_group),
        cmocka_unit_test(test_number_mismatch),
        cmocka_unit_test(test_member_twice),
        cmocka_unit_test(test_no_names),
        cmocka_unit_test(test_sink_error),
        cmocka_unit_test(test_text_cap),
        cmocka_unit_test(test_entities_refused),
        cmocka_unit_test(test_sniff),
        cmocka_unit_test(test_null_sink_callbacks),
        cmocka_unit_test(test_pipelined_identical),
        cmocka_unit_test(test_ahead_beyond_queue),
        cmocka_unit_test(test_ahead_cancel_and_partial_sink),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
