/* test_htv: HowTheyVote CSV adapter on the real export files and on hand-built bad input.
 * Expected figures were checked independently with python's csv module and awk. */
#include "ep_testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "ep_htv.h"
#include "ep_htvsync.h"
#include "ep_util.h"

struct col {
    long members, groups, memberships, countries, committees, votes, positions, warns;
    long pos[5];
    long groups_canon;      /* group codes that are canonical */
    long dob_null, fb_null; /* members */
    long ongoing, term9, term10;
    long main_votes, adopted, rejected, lapsed, no_result, bad_sitting, dlv_not_unknown;
    long sit_0115, sit_0116, sit_0117, sit_0208, sit_0226, sit_0227, sit_0423;
    long epp_positions, last_line, first_line;
    int m840, m1294, gm840_9, gm840_10, lux, afco, sd;
    int v162974, v110688, v108539, v124907;
    int first_pos, last_pos;
    long fail_at; /* fail the Nth record of any kind (0 = never) */
    long seen;
    char warn[512];
    long warn_line;
    /* for the small hand-built inputs */
    char s1[256], s2[256];
    int i1;
};

static int str_eq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

static int maybe_fail(struct col *c, struct ep_error *err)
{
    if (c->fail_at && ++c->seen == c->fail_at)
        return ep_error_set(err, EP_ECONFLICT, "boom at record %ld", c->seen);
    return 0;
}

static void keep(char *dst, const char *s)
{
    snprintf(dst, 256, "%s", s ? s : "(null)");
}

static int on_member(void *ctx, const struct ep_member *m, struct ep_error *err)
{
    struct col *c = ctx;
    c->members++;
    c->dob_null += !m->date_of_birth;
    c->fb_null += !m->facebook;
    if (m->id == 840 && str_eq(m->first_name, "Charles") && str_eq(m->last_name, "GOERENS") &&
        str_eq(m->country, "LUX") && str_eq(m->date_of_birth, "1952-02-06") &&
        str_eq(m->email, "charles.goerens@europarl.europa.eu") &&
        str_eq(m->facebook, "https://www.facebook.com/charles.goerens") &&
        str_eq(m->twitter, "https://twitter.com/CharlesGoerens"))
        c->m840 = 1;
    if (m->id == 1294 && str_eq(m->last_name, "DI RUPO") && !m->date_of_birth && !m->facebook &&
        !m->twitter && str_eq(m->country, "BEL"))
        c->m1294 = 1;
    keep(c->s1, m->first_name);
    keep(c->s2, m->date_of_birth);
    return maybe_fail(c, err);
}

static int on_group(void *ctx, const struct ep_group *g, struct ep_error *err)
{
    struct col *c = ctx;
    c->groups++;
    c->groups_canon += ep_group_canonical(g->code) && !strcmp(ep_group_canonical(g->code), g->code);
    if (str_eq(g->code, "SD") && str_eq(g->short_label, "S&D") &&
        str_eq(g->label, "Progressive Alliance of Socialists and Democrats"))
        c->sd = 1;
    return maybe_fail(c, err);
}

static int on_membership(void *ctx, const struct ep_membership *m, struct ep_error *err)
{
    struct col *c = ctx;
    c->memberships++;
    c->ongoing += !m->end_date;
    c->term9 += m->term == 9;
    c->term10 += m->term == 10;
    if (m->member_id == 840 && m->term == 9 && str_eq(m->group_code, "RENEW") &&
        str_eq(m->start_date, "2019-07-02") && str_eq(m->end_date, "2024-07-15"))
        c->gm840_9 = 1;
    if (m->member_id == 840 && m->term == 10 && str_eq(m->group_code, "RENEW") &&
        str_eq(m->start_date, "2024-07-16") && !m->end_date)
        c->gm840_10 = 1;
    keep(c->s1, m->group_code);
    c->i1 = m->term;
    return maybe_fail(c, err);
}

static int on_country(void *ctx, const struct ep_country *k, struct ep_error *err)
{
    struct col *c = ctx;
    c->countries++;
    if (str_eq(k->code, "LUX") && str_eq(k->iso_alpha_2, "LU") && str_eq(k->label, "Luxembourg"))
        c->lux = 1;
    return maybe_fail(c, err);
}

static int on_committee(void *ctx, const struct ep_committee *k, struct ep_error *err)
{
    struct col *c = ctx;
    c->committees++;
    if (str_eq(k->code, "AFCO") && str_eq(k->label, "Committee on Constitutional Affairs") &&
        str_eq(k->abbreviation, "AFCO"))
        c->afco = 1;
    return maybe_fail(c, err);
}

static int on_vote(void *ctx, const struct ep_vote *v, struct ep_error *err)
{
    struct col *c = ctx;
    c->votes++;
    c->main_votes += v->is_main == 1;
    if (!v->result)
        c->no_result++;
    else if (!strcmp(v->result, "ADOPTED"))
        c->adopted++;
    else if (!strcmp(v->result, "REJECTED"))
        c->rejected++;
    else if (!strcmp(v->result, "LAPSED"))
        c->lapsed++;
    if (strlen(v->timestamp) != 19 || strncmp(v->timestamp, v->sitting_date, 10) ||
        strlen(v->sitting_date) != 10)
        c->bad_sitting++;
    c->dlv_not_unknown += v->dlv_id != -1;
    const char *d = v->sitting_date;
    c->sit_0115 += !strcmp(d, "2024-01-15");
    c->sit_0116 += !strcmp(d, "2024-01-16");
    c->sit_0117 += !strcmp(d, "2024-01-17");
    c->sit_0208 += !strcmp(d, "2024-02-08");
    c->sit_0226 += !strcmp(d, "2024-02-26");
    c->sit_0227 += !strcmp(d, "2024-02-27");
    c->sit_0423 += !strcmp(d, "2024-04-23");
    if (v->id == 162974 && str_eq(v->timestamp, "2024-01-16 12:04:11") &&
        str_eq(v->sitting_date, "2024-01-16") && str_eq(v->title, "Fluorinated gases regulation") &&
        str_eq(v->reference, "A9-0048/2023") &&
        str_eq(v->description, "Accord provisoire - Am 189") && v->is_main == 1 &&
        str_eq(v->procedure_reference, "2022/0099(COD)") &&
        str_eq(v->procedure_title, "Fluorinated gases regulation") &&
        str_eq(v->procedure_type, "COD") && str_eq(v->procedure_stage, "OLP_FIRST_READING") &&
        v->count_for == 457 && v->count_against == 92 && v->count_abstention == 32 &&
        v->count_did_not_vote == 124 && str_eq(v->result, "ADOPTED") && v->dlv_id == -1)
        c->v162974 = 1;
    if (v->id == 110688 &&
        str_eq(v->title, "Association of the overseas countries and territories with the European "
                         "Union (\"Overseas Association Decision\")") &&
        str_eq(v->reference, "A9-0033/2019") && str_eq(v->description, "Vote unique") &&
        v->is_main == 0 && str_eq(v->procedure_reference, "2019/0162(CNS)") &&
        str_eq(v->procedure_type, "CNS") && !v->procedure_stage && v->count_for == 661 &&
        v->count_against == 1 && v->count_abstention == 28 && v->count_did_not_vote == 60 &&
        !v->result && str_eq(v->timestamp, "2019-12-17 12:18:35"))
        c->v110688 = 1;
    if (v->id == 108539 &&
        str_eq(v->title, "Russia, notably the situation of environmental activists and Ukrainian "
                         "political prisoners") &&
        str_eq(v->reference, "RC-B9-0012/2019") && str_eq(v->description, "Am 1") &&
        v->count_for == 352 && v->count_against == 228 && v->count_abstention == 68 &&
        v->count_did_not_vote == 103)
        c->v108539 = 1;
    /* exported as "2020-11-24 13:39:58.025000" */
    if (v->id == 124907 && str_eq(v->timestamp, "2020-11-24 13:39:58") &&
        str_eq(v->sitting_date, "2020-11-24"))
        c->v124907 = 1;
    keep(c->s1, v->title);
    keep(c->s2, v->timestamp);
    c->i1 = v->count_for;
    return maybe_fail(c, err);
}

static int on_position(void *ctx, const struct ep_position *p, struct ep_error *err)
{
    struct col *c = ctx;
    if (p->pos >= 0 && p->pos <= 4)
        c->pos[p->pos]++;
    if (!c->positions)
        c->first_line = p->line;
    c->positions++;
    c->last_line = p->line;
    c->epp_positions += str_eq(p->group_code, "EPP");
    if (c->positions == 1 && p->vote_id == 162972 && p->member_id == 840 && p->pos == EP_POS_FOR &&
        str_eq(p->country, "LUX") && str_eq(p->group_code, "RENEW") && !p->name)
        c->first_pos = 1;
    if (p->vote_id == 168785 && p->member_id == 254876 && p->pos == EP_POS_FOR &&
        str_eq(p->country, "PRT") && str_eq(p->group_code, "EPP"))
        c->last_pos = 1;
    keep(c->s1, p->group_code);
    return maybe_fail(c, err);
}

static void on_warn(void *ctx, const char *unit, long line, const char *msg)
{
    struct col *c = ctx;
    c->warns++;
    c->warn_line = line;
    snprintf(c->warn, sizeof c->warn, "%s:%ld: %s", unit, line, msg);
}

static struct ep_sink make_sink(struct col *c)
{
    memset(c, 0, sizeof *c);
    struct ep_sink s = {.ctx = c,
                        .member = on_member,
                        .group = on_group,
                        .membership = on_membership,
                        .country = on_country,
                        .committee = on_committee,
                        .vote = on_vote,
                        .position = on_position,
                        .warn = on_warn};
    return s;
}

static void parse_real(const char *rel, int want_table, long want_records, struct col *c)
{
    struct ep_sink sink = make_sink(c);
    struct ep_error err;
    ep_error_clear(&err);
    int table = -1;
    long records = -1;
    double t0 = ep_now();
    int rc = ep_htv_parse_file(ep_test_real(rel), &sink, &table, &records, &err);
    double dt = ep_now() - t0;
    if (rc)
        print_error("%s: %s\n", rel, err.msg);
    assert_int_equal(rc, 0);
    assert_int_equal(table, want_table);
    assert_int_equal(records, want_records);
    assert_int_equal(c->warns, 0);
    print_message("%s: %ld records (%s) in %.3f s\n", rel, records, ep_htv_table_name(table), dt);
}

static void test_members(void **state)
{
    (void)state;
    struct col c;
    parse_real("howtheyvote/members.csv", EP_HTV_MEMBERS, 1268, &c);
    assert_int_equal(c.members, 1268);
    assert_true(c.m840);
    assert_true(c.m1294);
    assert_int_equal(c.dob_null, 173);
    assert_int_equal(c.fb_null, 878);
}

static void test_small_tables(void **state)
{
    (void)state;
    struct col c;
    parse_real("howtheyvote/groups.csv", EP_HTV_GROUPS, 10, &c);
    assert_int_equal(c.groups, 10);
    assert_int_equal(c.groups_canon, 10);
    assert_true(c.sd);

    parse_real("howtheyvote/group_memberships.csv", EP_HTV_MEMBERSHIPS, 1863, &c);
    assert_int_equal(c.memberships, 1863);
    assert_int_equal(c.ongoing, 719);
    assert_int_equal(c.term9, 1086);
    assert_int_equal(c.term10, 777);
    assert_true(c.gm840_9);
    assert_true(c.gm840_10);

    parse_real("howtheyvote/countries.csv", EP_HTV_COUNTRIES, 28, &c);
    assert_int_equal(c.countries, 28);
    assert_true(c.lux);

    parse_real("howtheyvote/committees.csv", EP_HTV_COMMITTEES, 24, &c);
    assert_int_equal(c.committees, 24);
    assert_true(c.afco);
}

static void test_votes_gz(void **state)
{
    (void)state;
    struct col c;
    parse_real("howtheyvote/votes.csv.gz", EP_HTV_VOTES, 21576, &c);
    assert_int_equal(c.votes, 21576);
    assert_int_equal(c.main_votes, 2057);
    assert_int_equal(c.adopted, 1875);
    assert_int_equal(c.rejected, 2052);
    assert_int_equal(c.lapsed, 0);
    assert_int_equal(c.no_result, 17649);
    assert_int_equal(c.bad_sitting, 0);
    assert_int_equal(c.dlv_not_unknown, 0);
    assert_true(c.v162974);
    assert_true(c.v110688); /* display_title with doubled quotes */
    assert_true(c.v108539); /* display_title with a comma */
    assert_true(c.v124907); /* fractional seconds */
}

static void test_votes_subset(void **state)
{
    (void)state;
    struct col c;
    parse_real("howtheyvote/votes_subset.csv", EP_HTV_VOTES, 266, &c);
    assert_int_equal(c.main_votes, 83);
    assert_int_equal(c.adopted, 167);
    assert_int_equal(c.rejected, 99);
    assert_true(c.v162974);
    assert_int_equal(c.sit_0115, 7);
    assert_int_equal(c.sit_0116, 32);
    assert_int_equal(c.sit_0117, 62);
    assert_int_equal(c.sit_0208, 64);
    assert_int_equal(c.sit_0226, 7);
    assert_int_equal(c.sit_0227, 51);
    assert_int_equal(c.sit_0423, 43);
}

static void test_member_votes(void **state)
{
    (void)state;
    struct col c;
    parse_real("howtheyvote/member_votes_subset.csv", EP_HTV_MEMBER_VOTES, 187516, &c);
    assert_int_equal(c.positions, 187516);
    assert_int_equal(c.pos[EP_POS_FOR], 88038);
    assert_int_equal(c.pos[EP_POS_AGAINST], 55796);
    assert_int_equal(c.pos[EP_POS_ABSTENTION], 10785);
    assert_int_equal(c.pos[EP_POS_DID_NOT_VOTE], 32897);
    assert_int_equal(c.pos[EP_POS_NONE], 0);
    assert_int_equal(c.epp_positions, 47296);
    assert_int_equal(c.first_line, 2);
    assert_int_equal(c.last_line, 187517);
    assert_true(c.first_pos);
    assert_true(c.last_pos);
}

/* ---- hand-built input ---- */

static int parse_str(const char *s, struct col *c, int *table, long *records, struct ep_error *err)
{
    struct ep_sink sink = make_sink(c);
    ep_error_clear(err);
    return ep_htv_parse_buffer(s, strlen(s), "bad.csv", &sink, table, records, err);
}

static void expect_fail(const char *s, const char *needle1, const char *needle2)
{
    struct col c;
    struct ep_error err;
    int table;
    long records;
    int rc = parse_str(s, &c, &table, &records, &err);
    if (rc != EP_EPARSE || !strstr(err.msg, needle1) || (needle2 && !strstr(err.msg, needle2)))
        print_error("input: %s\nrc %d, message: %s\n", s, rc, err.msg);
    assert_int_equal(rc, EP_EPARSE);
    assert_int_equal(err.code, EP_EPARSE);
    assert_non_null(strstr(err.msg, needle1));
    if (needle2)
        assert_non_null(strstr(err.msg, needle2));
}

#define MEMBERS_HDR "id,first_name,last_name,country_code,date_of_birth,email,facebook,twitter\n"
#define VOTES_HDR                                                                                  \
    "id,timestamp,display_title,reference,description,is_main,procedure_reference,"                \
    "procedure_title,procedure_type,procedure_stage,count_for,count_against,count_abstention,"     \
    "count_did_not_vote,result\n"
#define GM_HDR "member_id,group_code,term,start_date,end_date\n"
#define MV_HDR "vote_id,member_id,position,country_code,group_code\n"

static void test_wrong_header(void **state)
{
    (void)state;
    expect_fail("foo,bar\n1,2\n", "bad.csv:1: header matches no HowTheyVote table",
                "members, groups, group_memberships, countries, committees, votes, member_votes");
    expect_fail("", "bad.csv: empty file", NULL);
    expect_fail("id\n1\n", "matches no", NULL);
}

static void test_missing_column(void **state)
{
    (void)state;
    expect_fail("id,first_name,last_name,country_code,email,facebook,twitter\n1,a,b,LUX,,,\n",
                "bad.csv:1: header looks like the members table", "\"date_of_birth\"");
    expect_fail("vote_id,member_id,country_code,group_code\n1,2,LUX,EPP\n", "member_votes",
                "\"position\"");
    expect_fail("id,timestamp,display_title,reference,description,is_main,procedure_reference,"
                "procedure_title,procedure_type,procedure_stage,count_for,count_against,"
                "count_abstention,result\n",
                "votes table", "\"count_did_not_vote\"");
    expect_fail("member_id,group_code,term,start_date,end_date,member_id\n1,EPP,9,2019-07-02,\n",
                "bad.csv:1:", "\"member_id\" appears twice");
}

static void test_column_count(void **state)
{
    (void)state;
    expect_fail("code,iso_alpha_2,label\nLUX,LU,Luxembourg\nBEL,BE\n",
                "bad.csv:3: 2 fields, header has 3", NULL);
    expect_fail("code,iso_alpha_2,label\n\"A\nB\",x,y\nBEL,BE,Belgium,extra\n",
                "bad.csv:4: 4 fields, header has 3", NULL);
}

static void test_bad_values(void **state)
{
    (void)state;
    expect_fail(GM_HDR "840,RENEW,9,2019-02-30,\n", "bad.csv:2: column \"start_date\"",
                "2019-02-30");
    expect_fail(GM_HDR "840,RENEW,9,,\n", "bad.csv:2: column \"start_date\" is empty", NULL);
    expect_fail(GM_HDR "840,RENEW,9,2019-07-02,2019-07-01\n", "bad.csv:2:", "before start_date");
    expect_fail(GM_HDR "840,RENEW,nine,2019-07-02,\n", "column \"term\"", "nine");
    expect_fail(GM_HDR "840,,9,2019-07-02,\n", "column \"group_code\" is empty", NULL);
    expect_fail(MEMBERS_HDR "12a,a,b,LUX,,,,\n", "bad.csv:2: column \"id\"", "12a");
    expect_fail(MEMBERS_HDR "-5,a,b,LUX,,,,\n", "column \"id\"", "positive integer");
    expect_fail(MEMBERS_HDR "0,a,b,LUX,,,,\n", "column \"id\"", NULL);
    expect_fail(MEMBERS_HDR "1,a,b,LUX,,,,\n99999999999999999999,a,b,LUX,,,,\n",
                "bad.csv:3: column \"id\"", NULL);
    expect_fail(MEMBERS_HDR "1,a,b,LUX,1952/02/06,,,\n", "column \"date_of_birth\"", NULL);
    expect_fail(MV_HDR "1,2,MAYBE,LUX,EPP\n", "bad.csv:2: column \"position\"", "MAYBE");
    expect_fail(MV_HDR "1,2,,LUX,EPP\n", "column \"position\" is empty", NULL);
    expect_fail(MV_HDR "1,x,FOR,LUX,EPP\n", "column \"member_id\"", NULL);
    expect_fail(VOTES_HDR "1,2024-01-16 25:04:11,t,,,True,,,,,1,2,3,4,ADOPTED\n",
                "column \"timestamp\"", NULL);
    expect_fail(VOTES_HDR "1,2024-01-16,t,,,True,,,,,1,2,3,4,ADOPTED\n", "column \"timestamp\"",
                NULL);
    expect_fail(VOTES_HDR "1,2024-01-16 12:04:11.,t,,,True,,,,,1,2,3,4,ADOPTED\n",
                "column \"timestamp\"", NULL);
    expect_fail(VOTES_HDR "1,2024-01-16 12:04:11,t,,,yes,,,,,1,2,3,4,ADOPTED\n",
                "column \"is_main\"", "yes");
    expect_fail(VOTES_HDR "1,2024-01-16 12:04:11,t,,,True,,,,,1,-2,3,4,ADOPTED\n",
                "column \"count_against\"", NULL);
    expect_fail(VOTES_HDR "1,2024-01-16 12:04:11,t,,,True,,,,,1,2,3,4,PASSED\n",
                "column \"result\"", "PASSED");
    /* a long bad value is quoted in part, not whole */
    char big[600];
    memset(big, 'x', 500);
    big[500] = '\0';
    char in[1200];
    snprintf(in, sizeof in, MV_HDR "1,2,%s,LUX,EPP\n", big);
    expect_fail(in, "column \"position\"", "xxx...\"");
}

static void test_valid_edge_values(void **state)
{
    (void)state;
    struct col c;
    struct ep_error err;
    int table;
    long records;
    /* empty optional values, empty counts, lowercase booleans, blank line skipped */
    assert_int_equal(
        parse_str(VOTES_HDR "7,2024-01-16 12:04:11.5,,,,,,,,,,,,,\n\n", &c, &table, &records, &err),
        0);
    assert_int_equal(table, EP_HTV_VOTES);
    assert_int_equal(records, 1);
    assert_string_equal(c.s1, "(null)");
    assert_string_equal(c.s2, "2024-01-16 12:04:11");
    assert_int_equal(c.i1, -1);
    /* header only */
    assert_int_equal(parse_str(MEMBERS_HDR, &c, &table, &records, &err), 0);
    assert_int_equal(table, EP_HTV_MEMBERS);
    assert_int_equal(records, 0);
    /* CRLF + BOM + quoted header names */
    assert_int_equal(parse_str("\xEF\xBB\xBF\"code\",iso_alpha_2,label\r\nLUX,LU,Luxembourg\r\n",
                               &c, &table, &records, &err),
                     0);
    assert_int_equal(table, EP_HTV_COUNTRIES);
    assert_int_equal(c.countries, 1);
    assert_true(c.lux);
    /* NULL sink: validation only */
    assert_int_equal(ep_htv_parse_buffer(GM_HDR "1,EPP,9,2019-07-02,\n", strlen(GM_HDR) + 20, "x",
                                         NULL, &table, &records, &err),
                     0);
    assert_int_equal(records, 1);
}

static void test_extra_columns(void **state)
{
    (void)state;
    struct col c;
    struct ep_error err;
    int table;
    long records;
    /* the newer exporter's extra columns, and the columns in another order */
    const char *in =
        "result,count_did_not_vote,amendment_subject,id,timestamp,display_title,reference,"
        "description,is_main,procedure_reference,procedure_title,procedure_type,procedure_stage,"
        "count_for,count_against,count_abstention,amendment_number,texts_adopted_reference\n"
        "ADOPTED,124,\"Subject, with comma\",162974,2024-01-16 12:04:11,Fluorinated gases "
        "regulation,A9-0048/2023,Accord provisoire - Am 189,True,2022/0099(COD),Fluorinated gases "
        "regulation,COD,OLP_FIRST_READING,457,92,32,189,TA-9-2024-0019\n";
    int rc = parse_str(in, &c, &table, &records, &err);
    if (rc)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, 0);
    assert_int_equal(table, EP_HTV_VOTES);
    assert_int_equal(records, 1);
    assert_true(c.v162974);
}

static void test_groups_canonical(void **state)
{
    (void)state;
    struct col c;
    struct ep_error err;
    int table;
    long records;
    int rc = parse_str(GM_HDR "1,PPE,9,2019-07-02,\n2,XYZ,9,2019-07-02,\n3,XYZ,10,2024-07-16,\n",
                       &c, &table, &records, &err);
    assert_int_equal(rc, 0);
    assert_int_equal(records, 3);
    assert_string_equal(c.s1, "XYZ"); /* unknown code kept raw */
    assert_int_equal(c.i1, 10);
    assert_int_equal(c.warns, 1); /* reported once */
    assert_int_equal(c.warn_line, 3);
    assert_non_null(strstr(c.warn, "bad.csv:3:"));
    assert_non_null(strstr(c.warn, "XYZ"));

    rc = parse_str(MV_HDR "1,2,FOR,LUX,S&D\n", &c, &table, &records, &err);
    assert_int_equal(rc, 0);
    assert_string_equal(c.s1, "SD");
    rc = parse_str(MV_HDR "1,2,FOR,LUX,\n", &c, &table, &records, &err);
    assert_int_equal(rc, 0);
    assert_string_equal(c.s1, "(null)");
    assert_int_equal(c.warns, 0);
}

static void test_callback_error(void **state)
{
    (void)state;
    struct col c;
    struct ep_sink sink = make_sink(&c);
    c.fail_at = 3;
    struct ep_error err;
    ep_error_clear(&err);
    long records = -1;
    const char *in = "code,iso_alpha_2,label\nA,a,x\n\"B\nB\",b,y\nC,c,z\nD,d,w\n";
    int rc = ep_htv_parse_buffer(in, strlen(in), "cb.csv", &sink, NULL, &records, &err);
    assert_int_equal(rc, EP_ECONFLICT);
    assert_int_equal(err.code, EP_ECONFLICT);
    assert_string_equal(err.msg, "cb.csv:5: boom at record 3");
    assert_int_equal(records, 2);
    assert_int_equal(c.countries, 3);
}

static void test_csv_errors_pass_through(void **state)
{
    (void)state;
    expect_fail("code,iso_alpha_2,label\nLUX,LU,\"Luxem\n", "bad.csv:2: unterminated", NULL);
    expect_fail("code,iso_alpha_2,label\nLUX,LU,Lux\xFF\n", "bad.csv:2: invalid UTF-8 in field 3",
                NULL);
}

static void test_files(void **state)
{
    (void)state;
    char *dir = ep_test_tmpdir();
    assert_non_null(dir);
    char path[4096];
    snprintf(path, sizeof path, "%s/countries.csv.gz", dir);
    gzFile gz = gzopen(path, "wb");
    assert_non_null(gz);
    const char *body = "code,iso_alpha_2,label\r\nLUX,LU,Luxembourg\r\nBEL,BE,Belgium\r\n";
    assert_int_equal(gzwrite(gz, body, (unsigned)strlen(body)), (int)strlen(body));
    assert_int_equal(gzclose(gz), Z_OK);

    struct col c;
    struct ep_sink sink = make_sink(&c);
    struct ep_error err;
    int table;
    long records;
    int rc = ep_htv_parse_file(path, &sink, &table, &records, &err);
    assert_int_equal(rc, 0);
    assert_int_equal(table, EP_HTV_COUNTRIES);
    assert_int_equal(records, 2);
    assert_true(c.lux);

    /* errors name the file */
    snprintf(path, sizeof path, "%s/bad.csv", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("code,iso_alpha_2,label\nLUX,LU\n", f);
    fclose(f);
    rc = ep_htv_parse_file(path, &sink, &table, &records, &err);
    assert_int_equal(rc, EP_EPARSE);
    assert_non_null(strstr(err.msg, path));
    assert_non_null(strstr(err.msg, ":2: 2 fields, header has 3"));

    snprintf(path, sizeof path, "%s/missing.csv", dir);
    rc = ep_htv_parse_file(path, &sink, &table, &records, &err);
    assert_int_equal(rc, EP_EIO);
    assert_non_null(strstr(err.msg, "missing.csv"));
    assert_int_equal(table, EP_HTV_UNKNOWN);

    ep_test_system("rm -rf '%s'", dir);
    free(dir);
}


/* ---- streaming: the same records, lines and errors as the whole buffer ---- */

struct chunks {
    const char *data;
    size_t n, off, step;
};

static long read_chunks(void *ctx, char *buf, size_t cap, struct ep_error *err)
{
    (void)err;
    struct chunks *k = ctx;
    size_t n = k->n - k->off;
    if (n > k->step)
        n = k->step;
    if (n > cap)
        n = cap;
    memcpy(buf, k->data + k->off, n);
    k->off += n;
    return (long)n;
}

/* Parse data whole and as a stream cut every `step` bytes: same result, records, message. */
static void same_as_stream(const char *data, size_t n, size_t step)
{
    struct col a, b;
    struct ep_error ea, eb;
    ep_error_clear(&ea);
    ep_error_clear(&eb);
    int ta = -1, tb = -1;
    long ra = -1, rb = -1;
    struct ep_sink sa = make_sink(&a);
    int rca = ep_htv_parse_buffer(data, n, "t.csv", &sa, &ta, &ra, &ea);
    struct ep_sink sb = make_sink(&b);
    struct chunks k = {data, n, 0, step};
    int rcb = ep_htv_parse_stream(read_chunks, &k, "t.csv", &sb, &tb, &rb, &eb);
    if (rca != rcb || ra != rb || memcmp(&a, &b, sizeof a) != 0 || strcmp(ea.msg, eb.msg) != 0)
        print_error("step %zu: buffer rc %d records %ld '%s'; stream rc %d records %ld '%s'\n",
                    step, rca, ra, ea.msg, rcb, rb, eb.msg);
    assert_int_equal(rca, rcb);
    assert_int_equal(ta, tb);
    assert_int_equal(ra, rb);
    assert_memory_equal(&a, &b, sizeof a);
    assert_string_equal(ea.msg, eb.msg);
}

static void test_stream_equals_buffer(void **state)
{
    (void)state;
    /* quoted fields, doubled quotes, embedded CRLF / LF / CR, a BOM, blank lines, CRLF ends */
    static const char *const hand[] = {
        "\xEF\xBB\xBF" MEMBERS_HDR "840,\"Charles \"\"Ch\"\"\",GOERENS,LUX,1952-02-06,,,\r\n"
        "\r\n1294,\"a,b\r\nc\",\"x\ry\",DEU,,\"e\nf\",,\n",
        MV_HDR "1,2,FOR,DEU,EPP\r\n1,3,AGAINST,,SD\r\n\n1,4,DID_NOT_VOTE,FRA,\r",
        MV_HDR "1,2,FOR,DEU,EPP\n1,3,MAYBE,DEU,EPP\n",
        MEMBERS_HDR "840,\"unterminated,GOERENS,LUX,,,,\n",
        GM_HDR "840,EPP,9,2019-07-02,2019-07-01\n",
    };
    for (size_t i = 0; i < sizeof hand / sizeof hand[0]; i++)
        for (size_t step = 1; step <= 9; step++)
            same_as_stream(hand[i], strlen(hand[i]), step);
    const char *files[] = {"howtheyvote/members.csv", "howtheyvote/member_votes_subset.csv"};
    for (size_t i = 0; i < 2; i++) {
        struct ep_buf b;
        struct ep_error err;
        ep_buf_init(&b, 0);
        assert_int_equal(ep_read_file(ep_test_real(files[i]), (size_t)1 << 30, &b, &err), 0);
        for (size_t step = 997; step < (size_t)1 << 21; step *= 7)
            same_as_stream(b.data, b.len, step);
        ep_buf_free(&b);
    }
}

/* The ingest's reader (a gzip file inflated on a thread): the same bytes as zlib, and a
 * truncated file is an error that names it. */
static void test_gzstream(void **state)
{
    (void)state;
    const char *gz = ep_test_real("howtheyvote/votes.csv.gz");
    struct ep_buf want;
    struct ep_error err;
    ep_buf_init(&want, 0);
    assert_int_equal(ep_read_file(gz, (size_t)1 << 30, &want, &err), 0);
    struct ep_gzstream *g = NULL;
    assert_int_equal(ep_gzstream_open(gz, &g, &err), 0);
    char *got = malloc(want.len + 1);
    size_t n = 0;
    long r;
    while ((r = ep_gzstream_read(g, got + n, want.len + 1 - n < 777 ? want.len + 1 - n : 777,
                                 &err)) > 0)
        n += (size_t)r;
    assert_int_equal(r, 0);
    assert_int_equal(n, want.len);
    assert_memory_equal(got, want.data, n);
    long long done, total;
    ep_gzstream_pos(g, &done, &total);
    assert_true(done == total && total > 0);
    ep_gzstream_close(g);
    /* cut in the middle */
    FILE *in = fopen(gz, "rb");
    assert_non_null(in);
    char *raw = malloc((size_t)total);
    assert_int_equal(fread(raw, 1, (size_t)total, in), (size_t)total);
    fclose(in);
    char *dir = ep_test_tmpdir();
    char cut[4096];
    snprintf(cut, sizeof cut, "%s/cut-votes.csv.gz", dir);
    FILE *out = fopen(cut, "wb");
    assert_non_null(out);
    assert_int_equal(fwrite(raw, 1, (size_t)total / 2, out), (size_t)total / 2);
    fclose(out);
    assert_int_equal(ep_gzstream_open(cut, &g, &err), 0);
    while ((r = ep_gzstream_read(g, got, 65536, &err)) > 0) {
    }
    assert_int_equal(r, EP_EPARSE);
    assert_non_null(strstr(err.msg, "truncated gzip data"));
    assert_non_null(strstr(err.msg, "cut-votes.csv.gz"));
    ep_gzstream_close(g);
    /* closed before the end: the thread stops */
    assert_int_equal(ep_gzstream_open(gz, &g, &err), 0);
    assert_true(ep_gzstream_read(g, got, 10, &err) == 10);
    ep_gzstream_close(g);
    remove(cut);
    remove(dir);
    free(dir);
    free(raw);
    free(got);
    ep_buf_free(&want);
}

static void test_table_names(void **state)
{
    (void)state;
    assert_string_equal(ep_htv_table_name(EP_HTV_MEMBERS), "members");
    assert_string_equal(ep_htv_table_name(EP_HTV_MEMBER_VOTES), "member_votes");
    assert_string_equal(ep_htv_table_name(EP_HTV_UNKNOWN), "unknown");
    assert_string_equal(ep_htv_table_name(99), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_members),        cmocka_unit_test(test_small_tables),
        cmocka_unit_test(test_votes_gz),       cmocka_unit_test(test_votes_subset),
        cmocka_unit_test(test_member_votes),   cmocka_unit_test(test_wrong_header),
        cmocka_unit_test(test_missing_column), cmocka_unit_test(test_column_count),
        cmocka_unit_test(test_bad_values),     cmocka_unit_test(test_valid_edge_values),
        cmocka_unit_test(test_extra_columns),  cmocka_unit_test(test_groups_canonical),
        cmocka_unit_test(test_callback_error), cmocka_unit_test(test_csv_errors_pass_through),
        cmocka_unit_test(test_files),          cmocka_unit_test(test_table_names),
        cmocka_unit_test(test_stream_equals_buffer), cmocka_unit_test(test_gzstream),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
