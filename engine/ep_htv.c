/* ep_htv: HowTheyVote.eu CSV export adapter. See ep_htv.h.
 *
 * The table is recognised from the header: a table matches when every one of its columns is
 * present (by name, any order; extra columns are ignored). Blank lines between records are
 * skipped. Values are validated before a record is emitted; empty strings become NULL and
 * empty integers -1 where the column is optional. Vote timestamps may carry fractional
 * seconds in the export ("2020-11-24 13:39:58.025000"); they are accepted and emitted in the
 * model's "YYYY-MM-DD HH:MM:SS" form. */
#include "ep_htv.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_csv.h"
#include "ep_util.h"

/* Largest export file read by ep_htv_parse_file (after gunzip). */
#define HTV_MAX_FILE ((size_t)512 * 1024 * 1024)
/* Longest excerpt of a bad value quoted in a message. */
#define HTV_SHOW_MAX 60

static const char *const members_cols[] = {"id",           "first_name",    "last_name",
                                           "country_code", "date_of_birth", "email",
                                           "facebook",     "twitter"};
enum { M_ID, M_FIRST, M_LAST, M_COUNTRY, M_DOB, M_EMAIL, M_FACEBOOK, M_TWITTER };

static const char *const groups_cols[] = {"code", "official_label", "label", "short_label"};
enum { G_CODE, G_OFFICIAL, G_LABEL, G_SHORT };

static const char *const memberships_cols[] = {"member_id", "group_code", "term", "start_date",
                                               "end_date"};
enum { GM_MEMBER, GM_GROUP, GM_TERM, GM_START, GM_END };

static const char *const countries_cols[] = {"code", "iso_alpha_2", "label"};
enum { C_CODE, C_ISO2, C_LABEL };

static const char *const committees_cols[] = {"code", "label", "abbreviation"};
enum { CO_CODE, CO_LABEL, CO_ABBR };

static const char *const votes_cols[] = {
    "id",        "timestamp",           "display_title",    "reference",          "description",
    "is_main",   "procedure_reference", "procedure_title",  "procedure_type",     "procedure_stage",
    "count_for", "count_against",       "count_abstention", "count_did_not_vote", "result"};
enum {
    V_ID,
    V_TIMESTAMP,
    V_TITLE,
    V_REFERENCE,
    V_DESCRIPTION,
    V_IS_MAIN,
    V_PROC_REF,
    V_PROC_TITLE,
    V_PROC_TYPE,
    V_PROC_STAGE,
    V_FOR,
    V_AGAINST,
    V_ABSTENTION,
    V_DID_NOT_VOTE,
    V_RESULT
};

static const char *const member_votes_cols[] = {"vote_id", "member_id", "position", "country_code",
                                                "group_code"};
enum { MV_VOTE, MV_MEMBER, MV_POSITION, MV_COUNTRY, MV_GROUP };

static const char *const subjects_cols[] = {"code", "label"};
static const char *const subject_votes_cols[] = {"vote_id", "oeil_subject_code"};
static const char *const concepts_cols[] = {"id", "label"};
static const char *const concept_votes_cols[] = {"vote_id", "eurovoc_concept_id"};
static const char *const committee_votes_cols[] = {"vote_id", "committee_code"};
static const char *const geo_cols[] = {"code", "label", "iso_alpha_2"};
static const char *const geo_votes_cols[] = {"vote_id", "geo_area_code"};
enum { T_CODE, T_LABEL, T_ISO2 };   /* topic tables */
enum { TV_VOTE, TV_CODE };          /* topic link tables */

#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_COLS 15 /* the widest table (votes) */

static const struct {
    int table;
    const char *name;
    const char *const *cols;
    size_t ncols;
} tables[] = {
    {EP_HTV_MEMBERS, "members", members_cols, NCOLS(members_cols)},
    {EP_HTV_GROUPS, "groups", groups_cols, NCOLS(groups_cols)},
    {EP_HTV_MEMBERSHIPS, "group_memberships", memberships_cols, NCOLS(memberships_cols)},
    {EP_HTV_COUNTRIES, "countries", countries_cols, NCOLS(countries_cols)},
    {EP_HTV_COMMITTEES, "committees", committees_cols, NCOLS(committees_cols)},
    {EP_HTV_VOTES, "votes", votes_cols, NCOLS(votes_cols)},
    {EP_HTV_MEMBER_VOTES, "member_votes", member_votes_cols, NCOLS(member_votes_cols)},
    {EP_HTV_OEIL_SUBJECTS, "oeil_subjects", subjects_cols, NCOLS(subjects_cols)},
    {EP_HTV_OEIL_SUBJECT_VOTES, "oeil_subject_votes", subject_votes_cols,
     NCOLS(subject_votes_cols)},
    {EP_HTV_EUROVOC_CONCEPTS, "eurovoc_concepts", concepts_cols, NCOLS(concepts_cols)},
    {EP_HTV_EUROVOC_CONCEPT_VOTES, "eurovoc_concept_votes", concept_votes_cols,
     NCOLS(concept_votes_cols)},
    {EP_HTV_COMMITTEE_VOTES, "responsible_committee_votes", committee_votes_cols,
     NCOLS(committee_votes_cols)},
    {EP_HTV_GEO_AREAS, "geo_areas", geo_cols, NCOLS(geo_cols)},
    {EP_HTV_GEO_AREA_VOTES, "geo_area_votes", geo_votes_cols, NCOLS(geo_votes_cols)},
};
#define NTABLES (sizeof tables / sizeof tables[0])

const char *ep_htv_table_name(int table)
{
    for (size_t i = 0; i < NTABLES; i++)
        if (tables[i].table == table)
            return tables[i].name;
    return "unknown";
}

struct htv {
    struct ep_csv csv;
    const char *unit;
    const struct ep_sink *sink;
    struct ep_error *err;
    size_t ti;            /* index in tables[] */
    size_t idx[MAX_COLS]; /* header position of each table column */
    char **warned;        /* unknown group codes already reported */
    size_t nwarned, warned_alloc;
    /* labels already mapped by ep_group_canonical (a table has a handful) */
    struct {
        char label[24];
        const char *canon;
    } gcache[16];
    int ngcache;
};

/* Length of s to quote in a message: at most HTV_SHOW_MAX bytes, not splitting UTF-8. */
static int show_len(const char *s)
{
    size_t n = strlen(s);
    if (n <= HTV_SHOW_MAX)
        return (int)n;
    n = HTV_SHOW_MAX;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return (int)n;
}

static const char *ellipsis(const char *s)
{
    return strlen(s) > HTV_SHOW_MAX ? "..." : "";
}

static const char *colname(const struct htv *h, int k)
{
    return tables[h->ti].cols[k];
}

/* The raw field of table column k (never NULL). */
static const char *raw(const struct htv *h, int k)
{
    return h->csv.field[h->idx[k]];
}

/* The field, or NULL when empty. */
static const char *str(const struct htv *h, int k)
{
    const char *s = raw(h, k);
    return *s ? s : NULL;
}

static int bad(struct htv *h, int k, const char *what)
{
    const char *s = raw(h, k);
    if (!*s)
        return ep_error_set(h->err, EP_EPARSE, "%s:%ld: column \"%s\" is empty (expected %s)",
                            h->unit, h->csv.line, colname(h, k), what);
    return ep_error_set(h->err, EP_EPARSE,
                        "%s:%ld: column \"%s\": bad value \"%.*s%s\" (expected %s)", h->unit,
                        h->csv.line, colname(h, k), show_len(s), s, ellipsis(s), what);
}

static int need(struct htv *h, int k, const char **out)
{
    *out = str(h, k);
    if (!*out)
        return bad(h, k, "a value");
    return EP_OK;
}

/* Decimal digits only, no sign, no spaces. */
static int parse_digits(const char *s, int64_t max, int64_t *out)
{
    if (!*s)
        return 0;
    int64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return 0;
        int dgt = *s - '0';
        if (v > (max - dgt) / 10)
            return 0;
        v = v * 10 + dgt;
    }
    *out = v;
    return 1;
}

static int get_id(struct htv *h, int k, int64_t *out)
{
    if (!parse_digits(raw(h, k), INT64_MAX, out) || *out <= 0)
        return bad(h, k, "a positive integer id");
    return EP_OK;
}

/* Optional non-negative int (count); empty = -1. */
static int get_count(struct htv *h, int k, int *out)
{
    int64_t v;
    if (!*raw(h, k)) {
        *out = -1;
        return EP_OK;
    }
    if (!parse_digits(raw(h, k), INT_MAX, &v))
        return bad(h, k, "a non-negative integer or nothing");
    *out = (int)v;
    return EP_OK;
}

/* Optional positive int (term); empty = -1. */
static int get_term(struct htv *h, int k, int *out)
{
    int64_t v;
    if (!*raw(h, k)) {
        *out = -1;
        return EP_OK;
    }
    if (!parse_digits(raw(h, k), INT_MAX, &v) || v <= 0)
        return bad(h, k, "a positive integer or nothing");
    *out = (int)v;
    return EP_OK;
}

static int get_date(struct htv *h, int k, int required, const char **out)
{
    *out = str(h, k);
    if (!*out && !required)
        return EP_OK;
    if (!*out || !ep_date_valid(*out))
        return bad(h, k, required ? "a date YYYY-MM-DD" : "a date YYYY-MM-DD or nothing");
    return EP_OK;
}

static int two(const char *s, int max)
{
    if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
        return 0;
    return (s[0] - '0') * 10 + (s[1] - '0') <= max;
}

/* "YYYY-MM-DD HH:MM:SS" with optional ".digits"; out receives the first 19 chars. */
static int get_timestamp(struct htv *h, int k, char out[20])
{
    const char *s = raw(h, k);
    size_t n = strlen(s);
    int ok = n >= 19 && s[10] == ' ' && s[13] == ':' && s[16] == ':' && two(s + 11, 23) &&
             two(s + 14, 59) && two(s + 17, 60);
    if (ok) {
        memcpy(out, s, 10);
        out[10] = '\0';
        ok = ep_date_valid(out);
    }
    if (ok && n > 19) {
        ok = s[19] == '.' && n > 20;
        for (size_t i = 20; ok && i < n; i++)
            ok = s[i] >= '0' && s[i] <= '9';
    }
    if (!ok)
        return bad(h, k, "a timestamp YYYY-MM-DD HH:MM:SS");
    memcpy(out, s, 19);
    out[19] = '\0';
    return EP_OK;
}

static int get_bool(struct htv *h, int k, int *out)
{
    const char *s = raw(h, k);
    if (!*s)
        *out = -1;
    else if (!strcmp(s, "True") || !strcmp(s, "true"))
        *out = 1;
    else if (!strcmp(s, "False") || !strcmp(s, "false"))
        *out = 0;
    else
        return bad(h, k, "True, False or nothing");
    return EP_OK;
}

static int get_result(struct htv *h, int k, const char **out)
{
    const char *s = str(h, k);
    if (s && strcmp(s, "ADOPTED") != 0 && strcmp(s, "REJECTED") != 0 && strcmp(s, "LAPSED") != 0)
        return bad(h, k, "ADOPTED, REJECTED, LAPSED or nothing");
    *out = s;
    return EP_OK;
}

/* Canonical group code; an unknown code is kept raw and reported once through warn(). */
static int get_group(struct htv *h, int k, int required, const char **out)
{
    const char *s = str(h, k);
    if (!s) {
        *out = NULL;
        return required ? bad(h, k, "a group code") : EP_OK;
    }
    for (int i = 0; i < h->ngcache; i++) { /* inline: most labels differ at their first byte */
        const char *a = h->gcache[i].label, *b = s;
        while (*a && *a == *b) {
            a++;
            b++;
        }
        if (*a == *b) {
            *out = h->gcache[i].canon;
            return EP_OK;
        }
    }
    size_t len = strlen(s);
    const char *canon = ep_group_canonical(s);
    if (canon) {
        if (h->ngcache < 16 && len < sizeof h->gcache[0].label) {
            memcpy(h->gcache[h->ngcache].label, s, len + 1);
            h->gcache[h->ngcache++].canon = canon;
        }
        *out = canon;
        return EP_OK;
    }
    *out = s;
    for (size_t i = 0; i < h->nwarned; i++)
        if (!strcmp(h->warned[i], s))
            return EP_OK;
    if (h->nwarned == h->warned_alloc) {
        size_t a = h->warned_alloc ? h->warned_alloc * 2 : 8;
        char **w = realloc(h->warned, a * sizeof *w);
        if (!w)
            return ep_error_set(h->err, EP_ENOMEM, "%s:%ld: out of memory", h->unit, h->csv.line);
        h->warned = w;
        h->warned_alloc = a;
    }
    char *dup = strdup(s);
    if (!dup)
        return ep_error_set(h->err, EP_ENOMEM, "%s:%ld: out of memory", h->unit, h->csv.line);
    h->warned[h->nwarned++] = dup;
    if (h->sink->warn) {
        struct ep_buf msg;
        ep_buf_init(&msg, 0);
        if (ep_buf_printf(&msg, "column \"%s\": unknown group code \"%s\", kept as is",
                          colname(h, k), s) == EP_OK)
            h->sink->warn(h->sink->ctx, h->unit, h->csv.line, msg.data);
        ep_buf_free(&msg);
    }
    return EP_OK;
}

/* Run a sink callback's result through: prefix unit:line on failure. */
static int emitted(struct htv *h, int rc)
{
    if (rc >= 0)
        return EP_OK;
    if (h->err && (h->err->code == EP_OK || !h->err->msg[0]))
        ep_error_set(h->err, rc, "sink rejected the %s record: %s", tables[h->ti].name,
                     ep_strerror(rc));
    if (h->err)
        h->err->code = rc;
    ep_error_prefix(h->err, "%s:%ld: ", h->unit, h->csv.line);
    return rc;
}

#define TRY(x)                                                                                     \
    do {                                                                                           \
        int rc_ = (x);                                                                             \
        if (rc_)                                                                                   \
            return rc_;                                                                            \
    } while (0)

static int do_member(struct htv *h)
{
    struct ep_member m;
    TRY(get_id(h, M_ID, &m.id));
    m.first_name = str(h, M_FIRST);
    m.last_name = str(h, M_LAST);
    m.country = str(h, M_COUNTRY);
    TRY(get_date(h, M_DOB, 0, &m.date_of_birth));
    m.email = str(h, M_EMAIL);
    m.facebook = str(h, M_FACEBOOK);
    m.twitter = str(h, M_TWITTER);
    if (!h->sink->member)
        return EP_OK;
    ep_error_clear(h->err);
    return emitted(h, h->sink->member(h->sink->ctx, &m, h->err));
}

static int do_group(struct htv *h)
{
    struct ep_group g;
    TRY(get_group(h, G_CODE, 1, &g.code));
    g.official_label = str(h, G_OFFICIAL);
    g.label = str(h, G_LABEL);
    g.short_label = str(h, G_SHORT);
    if (!h->sink->group)
        return EP_OK;
    ep_error_clear(h->err);
    return emitted(h, h->sink->group(h->sink->ctx, &g, h->err));
}

static int do_membership(struct htv *h)
{
    struct ep_membership m;
    TRY(get_id(h, GM_MEMBER, &m.member_id));
    TRY(get_group(h, GM_GROUP, 1, &m.group_code));
    TRY(get_term(h, GM_TERM, &m.term));
    TRY(get_date(h, GM_START, 1, &m.start_date));
    TRY(get_date(h, GM_END, 0, &m.end_date));
    if (m.end_date && strcmp(m.end_date, m.start_date) < 0)
        return ep_error_set(h->err, EP_EPARSE, "%s:%ld: end_date %s is before start_date %s",
                            h->unit, h->csv.line, m.end_date, m.start_date);
    if (!h->sink->membership)
        return EP_OK;
    ep_error_clear(h->err);
    return emitted(h, h->sink->membership(h->sink->ctx, &m, h->err));
}

static int do_country(struct htv *h)
{
    struct ep_country c;
    TRY(need(h, C_CODE, &c.code));
    c.iso_alpha_2 = str(h, C_ISO2);
    c.label = str(h, C_LABEL);
    if (!h->sink->country)
        return EP_OK;
    ep_error_clear(h->err);
    return emitted(h, h->sink->country(h->sink->ctx, &c, h->err));
}

static int do_committee(struct htv *h)
{
    struct ep_committee c;
    TRY(need(h, CO_CODE, &c.code));
    c.label = str(h, CO_LABEL);
    c.abbreviation = str(h, CO_ABBR);
    if (!h->sink->committee)
        return EP_OK;
    ep_error_clear(h->err);
    return emitted(h, h->sink->committee(h->sink->ctx, &c, h->err));
}

static int do_vote(struct htv *h)
{
    struct ep_vote v;
    char ts[20], date[11];
    TRY(get_id(h, V_ID, &v.id));
    TRY(get_timestamp(h, V_TIMESTAMP, ts));
    memcpy(date, ts, 10);
    date[10] = '\0';
    v.timestamp = ts;
    v.sitting_date = date;
    v.title = str(h, V_TITLE);
    v.description = str(h, V_DESCRIPTION);
    v.reference = str(h, V_REFERENCE);
    v.procedure_reference = str(h, V_PROC_REF);
    v.procedure_title = str(h, V_PROC_TITLE);
    v.procedure_type = str(h, V_PROC_TYPE);
    v.procedure_stage = str(h, V_PROC_STAGE);
    TRY(get_result(h, V_RESULT, &v.result));
    TRY(get_bool(h, V_IS_MAIN, &v.is_main));
    TRY(get_count(h, V_FOR, &v.count_for));
    TRY(get_count(h, V_AGAINST, &v.count_against));
    TRY(get_count(h, V_ABSTENTION, &v.count_abstention));
    TRY(get_count(h, V_DID_NOT_VOTE, &v.count_did_not_vote));
    v.dlv_id = -1;
    if (!h->sink->vote)
        return EP_OK;
    ep_error_clear(h->err);
    return emitted(h, h->sink->vote(h->sink->ctx, &v, h->err));
}

static int do_member_vote(struct htv *h)
{
    struct ep_position p;
    TRY(get_id(h, MV_VOTE, &p.vote_id));
    TRY(get_id(h, MV_MEMBER, &p.member_id));
    const char *ps = raw(h, MV_POSITION);
    switch (ps[0]) { /* the four values, else ep_pos_parse's answer */
    case 'F': p.pos = !strcmp(ps, "FOR") ? EP_POS_FOR : -1; break;
    case 'A':
        p.pos = !strcmp(ps, "AGAINST") ? EP_POS_AGAINST : !strcmp(ps, "ABSTENTION") ? EP_POS_ABSTENTION : -1;
        break;
    case 'D': p.pos = !strcmp(ps, "DID_NOT_VOTE") ? EP_POS_DID_NOT_VOTE : -1; break;
    default: p.pos = -1;
    }
    if (p.pos < 0)
        return bad(h, MV_POSITION, "FOR, AGAINST, ABSTENTION or DID_NOT_VOTE");
    p.country = str(h, MV_COUNTRY);
    TRY(get_group(h, MV_GROUP, 0, &p.group_code));
    p.name = NULL;
    p.line = h->csv.line;
    if (!h->sink->position)
        return EP_OK;
    ep_error_clear(h->err);
    return emitted(h, h->sink->position(h->sink->ctx, &p, h->err));
}

int ep_htv_topic_code_valid(int kind, const char *code)
{
    size_t n = code ? strlen(code) : 0;
    if (n == 0 || n > 32)
        return 0;
    if (kind == EP_TOPIC_SUBJECT) { /* 6, 6.10, 6.10.04 */
        for (size_t i = 0; i < n; i++)
            if (code[i] == '.' ? i == 0 || i + 1 == n || code[i - 1] == '.'
                               : code[i] < '0' || code[i] > '9')
                return 0;
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        char c = code[i];
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

static const char *topic_expect(int kind)
{
    return kind == EP_TOPIC_SUBJECT ? "an OEIL subject code such as 6.10.04"
                                    : "a code of 1 to 32 letters, digits, '.', '_' or '-'";
}

/* The topic kind of a topic or link table. */
static int topic_kind(int table)
{
    switch (table) {
    case EP_HTV_OEIL_SUBJECTS:
    case EP_HTV_OEIL_SUBJECT_VOTES: return EP_TOPIC_SUBJECT;
    case EP_HTV_EUROVOC_CONCEPTS:
    case EP_HTV_EUROVOC_CONCEPT_VOTES: return EP_TOPIC_CONCEPT;
    case EP_HTV_COMMITTEE_VOTES: return EP_TOPIC_COMMITTEE;
    default: return EP_TOPIC_GEO;
    }
}

static int do_topic(struct htv *h, int table)
{
    struct ep_topic t = {.kind = topic_kind(table)};
    t.code = raw(h, T_CODE);
    if (!ep_htv_topic_code_valid(t.kind, t.code))
        return bad(h, T_CODE, topic_expect(t.kind));
    t.label = str(h, T_LABEL);
    if (table == EP_HTV_GEO_AREAS) {
        t.iso_alpha_2 = str(h, T_ISO2);
        if (t.iso_alpha_2 && (strlen(t.iso_alpha_2) != 2 || t.iso_alpha_2[0] < 'A' ||
                              t.iso_alpha_2[0] > 'Z' || t.iso_alpha_2[1] < 'A' ||
                              t.iso_alpha_2[1] > 'Z'))
            return bad(h, T_ISO2, "two capital letters (ISO 3166 alpha-2) or nothing");
    }
    if (!h->sink->topic)
        return EP_OK;
    ep_error_clear(h->err);
    return emitted(h, h->sink->topic(h->sink->ctx, &t, h->err));
}

static int do_topic_vote(struct htv *h, int table)
{
    struct ep_topic_vote tv = {.kind = topic_kind(table)};
    TRY(get_id(h, TV_VOTE, &tv.vote_id));
    tv.code = raw(h, TV_CODE);
    if (!ep_htv_topic_code_valid(tv.kind, tv.code))
        return bad(h, TV_CODE, topic_expect(tv.kind));
    if (!h->sink->topic_vote)
        return EP_OK;
    ep_error_clear(h->err);
    return emitted(h, h->sink->topic_vote(h->sink->ctx, &tv, h->err));
}

/* Header fields 0..ncols-1 are table t's columns in its order. */
static int in_order(const struct ep_csv *c, size_t t)
{
    if (c->nfield < tables[t].ncols)
        return 0;
    for (size_t k = 0; k < tables[t].ncols; k++)
        if (strcmp(c->field[k], tables[t].cols[k]) != 0)
            return 0;
    return 1;
}

/* Recognise the table from the header record in h->csv. */
static int recognise(struct htv *h)
{
    struct ep_csv *c = &h->csv;
    size_t best = NTABLES, best_hit = 0, full = NTABLES;
    int ambiguous = 0;
    for (size_t t = 0; t < NTABLES; t++) {
        size_t hit = 0;
        for (size_t k = 0; k < tables[t].ncols; k++)
            for (size_t i = 0; i < c->nfield; i++)
                if (!strcmp(c->field[i], tables[t].cols[k])) {
                    hit++;
                    break;
                }
        if (hit == tables[t].ncols) {
            if (full == NTABLES || hit > tables[full].ncols) {
                full = t;
                ambiguous = 0;
            } else if (hit == tables[full].ncols) {
                /* same columns (countries, geo_areas): the header's order decides */
                int a = in_order(c, full), b = in_order(c, t);
                if (b && !a) {
                    full = t;
                    ambiguous = 0;
                } else if (a == b) {
                    ambiguous = 1;
                }
            }
        } else if (hit >= 2 && 2 * hit > tables[t].ncols &&
                   (best == NTABLES || hit * tables[best].ncols > best_hit * tables[t].ncols)) {
            best = t;
            best_hit = hit;
        }
    }
    if (full < NTABLES && ambiguous)
        return ep_error_set(h->err, EP_EPARSE,
                            "%s:%ld: header matches more than one table (%s and another); "
                            "cannot tell which table this is",
                            h->unit, c->line, tables[full].name);
    if (full == NTABLES && best < NTABLES) {
        struct ep_buf miss;
        ep_buf_init(&miss, 0);
        for (size_t k = 0; k < tables[best].ncols; k++) {
            size_t i;
            for (i = 0; i < c->nfield; i++)
                if (!strcmp(c->field[i], tables[best].cols[k]))
                    break;
            if (i == c->nfield)
                ep_buf_printf(&miss, "%s\"%s\"", miss.len ? ", " : "", tables[best].cols[k]);
        }
        int rc = ep_error_set(h->err, EP_EPARSE,
                              "%s:%ld: header looks like the %s table but the required "
                              "column(s) %s are missing",
                              h->unit, c->line, tables[best].name, miss.data ? miss.data : "?");
        ep_buf_free(&miss);
        return rc;
    }
    if (full == NTABLES) {
        struct ep_buf known;
        ep_buf_init(&known, 0);
        for (size_t t = 0; t < NTABLES; t++)
            ep_buf_printf(&known, "%s%s", t ? ", " : "", tables[t].name);
        int rc = ep_error_set(h->err, EP_EPARSE,
                              "%s:%ld: header matches no HowTheyVote table (known tables: %s)",
                              h->unit, c->line, known.data ? known.data : "?");
        ep_buf_free(&known);
        return rc;
    }
    h->ti = full;
    for (size_t k = 0; k < tables[full].ncols; k++) {
        size_t found = c->nfield;
        for (size_t i = 0; i < c->nfield; i++) {
            if (strcmp(c->field[i], tables[full].cols[k]) != 0)
                continue;
            if (found < c->nfield)
                return ep_error_set(h->err, EP_EPARSE,
                                    "%s:%ld: column \"%s\" appears twice in the header "
                                    "(fields %zu and %zu)",
                                    h->unit, c->line, tables[full].cols[k], found + 1, i + 1);
            found = i;
        }
        h->idx[k] = found;
    }
    return EP_OK;
}

/* Input beyond one buffer (ep_htv_parse_stream): the reader, and the window of its output the
 * CSV reader works on. */
struct htv_in {
    ep_htv_read_fn read;
    void *ctx;
    char *buf;
    size_t len, alloc;
    int eof;
};

#define HTV_CHUNK ((size_t)1 << 20)

/* The CSV reader ran out of buffer mid-record: keep what it has not consumed, read more. */
static int refill(struct htv *h, struct htv_in *in, struct ep_error *err)
{
    size_t keep = in->len - h->csv.off;
    memmove(in->buf, in->buf + h->csv.off, keep);
    in->len = keep;
    if (in->alloc - in->len < HTV_CHUNK / 2) { /* one record longer than the buffer */
        size_t a = in->alloc * 2;
        if (a > HTV_MAX_FILE)
            return ep_error_set(err, EP_ELIMIT, "%s:%ld: a record longer than %zu bytes", h->unit,
                                h->csv.line, HTV_MAX_FILE / 2);
        char *p = realloc(in->buf, a);
        if (!p)
            return ep_error_set(err, EP_ENOMEM, "%s: out of memory", h->unit);
        in->buf = p;
        in->alloc = a;
    }
    while (!in->eof && in->len < in->alloc) {
        long got = in->read(in->ctx, in->buf + in->len, in->alloc - in->len, err);
        if (got < 0)
            return (int)got;
        if (got == 0)
            in->eof = 1;
        in->len += (size_t)got;
        if (in->len >= HTV_CHUNK / 2)
            break;
    }
    ep_csv_feed(&h->csv, in->buf, in->len, !in->eof);
    return EP_OK;
}

static int next_record(struct htv *h, struct htv_in *in, struct ep_error *err)
{
    for (;;) {
        int rc = ep_csv_next(&h->csv, err);
        if (rc != EP_CSV_MORE)
            return rc;
        if (!in) /* only a stream asks for more */
            return ep_error_set(err, EP_EINTERNAL, "%s: CSV reader asked for more input",
                                h->unit);
        rc = refill(h, in, err);
        if (rc)
            return rc;
    }
}

static int parse(struct htv_in *in, const char *data, size_t n, const char *unit,
                 const struct ep_sink *sink, int *table_out, long *records_out,
                 struct ep_error *err)
{
    static const struct ep_sink no_sink;
    struct htv h;
    memset(&h, 0, sizeof h);
    h.unit = unit ? unit : "<htv>";
    h.sink = sink ? sink : &no_sink;
    h.err = err;
    long records = 0;
    int table = EP_HTV_UNKNOWN;
    ep_csv_init(&h.csv, data, n, h.unit);
    if (in)
        ep_csv_feed(&h.csv, in->buf, 0, 1);

    int rc = next_record(&h, in, err);
    if (rc == 0) {
        rc = ep_error_set(err, EP_EPARSE, "%s: empty file, expected a HowTheyVote CSV header",
                          h.unit);
        goto out;
    }
    if (rc < 0)
        goto out;
    rc = recognise(&h);
    if (rc)
        goto out;
    table = tables[h.ti].table;
    size_t hdr_n = h.csv.nfield;

    while ((rc = next_record(&h, in, err)) == 1) {
        if (h.csv.nfield == 1 && !h.csv.field[0][0])
            continue; /* blank line */
        if (h.csv.nfield != hdr_n) {
            rc = ep_error_set(err, EP_EPARSE, "%s:%ld: %zu fields, header has %zu", h.unit,
                              h.csv.line, h.csv.nfield, hdr_n);
            goto out;
        }
        switch (table) {
        case EP_HTV_MEMBERS: rc = do_member(&h); break;
        case EP_HTV_GROUPS: rc = do_group(&h); break;
        case EP_HTV_MEMBERSHIPS: rc = do_membership(&h); break;
        case EP_HTV_COUNTRIES: rc = do_country(&h); break;
        case EP_HTV_COMMITTEES: rc = do_committee(&h); break;
        case EP_HTV_VOTES: rc = do_vote(&h); break;
        case EP_HTV_MEMBER_VOTES: rc = do_member_vote(&h); break;
        case EP_HTV_OEIL_SUBJECTS:
        case EP_HTV_EUROVOC_CONCEPTS:
        case EP_HTV_GEO_AREAS: rc = do_topic(&h, table); break;
        default: rc = do_topic_vote(&h, table); break;
        }
        if (rc)
            goto out;
        records++;
    }

out:
    if (table_out)
        *table_out = table;
    if (records_out)
        *records_out = records;
    for (size_t i = 0; i < h.nwarned; i++)
        free(h.warned[i]);
    free(h.warned);
    ep_csv_free(&h.csv);
    return rc < 0 ? rc : EP_OK;
}

int ep_htv_parse_buffer(const char *data, size_t n, const char *unit, const struct ep_sink *sink,
                        int *table_out, long *records_out, struct ep_error *err)
{
    return parse(NULL, data, n, unit, sink, table_out, records_out, err);
}

int ep_htv_parse_stream(ep_htv_read_fn read, void *ctx, const char *unit,
                        const struct ep_sink *sink, int *table_out, long *records_out,
                        struct ep_error *err)
{
    struct htv_in in = {.read = read, .ctx = ctx, .alloc = HTV_CHUNK};
    if (!(in.buf = malloc(in.alloc)))
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    int rc = parse(&in, NULL, 0, unit, sink, table_out, records_out, err);
    free(in.buf);
    return rc;
}

int ep_htv_sniff(const char *data, size_t n)
{
    const char *nl = memchr(data, '\n', n);
    if (!nl)
        return EP_HTV_UNKNOWN; /* no whole header line in what was given */
    struct htv h;
    memset(&h, 0, sizeof h);
    h.unit = "<sniff>";
    h.sink = NULL;
    h.err = NULL;
    ep_csv_init(&h.csv, data, (size_t)(nl - data) + 1, h.unit);
    int table = EP_HTV_UNKNOWN;
    if (ep_csv_next(&h.csv, NULL) == 1 && recognise(&h) == EP_OK)
        table = tables[h.ti].table;
    ep_csv_free(&h.csv);
    return table;
}

int ep_htv_parse_file(const char *path, const struct ep_sink *sink, int *table_out,
                      long *records_out, struct ep_error *err)
{
    if (table_out)
        *table_out = EP_HTV_UNKNOWN;
    if (records_out)
        *records_out = 0;
    if (!path)
        return ep_error_set(err, EP_EINVAL, "no HowTheyVote CSV path given");
    struct ep_buf b;
    ep_buf_init(&b, HTV_MAX_FILE);
    int rc = ep_read_file(path, HTV_MAX_FILE, &b, err);
    if (rc == EP_OK)
        rc = ep_htv_parse_buffer(b.data, b.len, path, sink, table_out, records_out, err);
    ep_buf_free(&b);
    return rc;
}
