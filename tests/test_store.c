/* The store on the real data: ingest, derived DID_NOT_VOTE, agreement of the XML and CSV paths,
 * idempotence, crash safety, conflicts and the vote matrix. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../engine/ep_store_schema.h"
#include "ep_htv.h"
#include "ep_posblob.h"
#include "ep_store.h"
#include "ep_store_db.h"
#include "ep_synth.h"
#include "ep_testutil.h"
#include "ep_util.h"

static const char *const tables[] = {"countries.csv", "groups.csv", "members.csv",
                                     "group_memberships.csv", "committees.csv"};
static const char *const xml[] = {"PV-9-2024-01-15-RCV_EN.xml", "PV-9-2024-01-16-RCV_EN.xml",
                                  "PV-9-2024-01-17-RCV_EN.xml", "PV-9-2024-02-08-RCV_EN.xml",
                                  "PV-9-2024-02-26-RCV_EN.xml", "PV-9-2024-02-27-RCV_EN.xml",
                                  "PV-9-2024-04-23-RCV_EN.xml"};

static char *tmp;

static struct ep_store *open_store(const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", tmp, name);
    struct ep_store *s = NULL;
    struct ep_error err = {0};
    int rc = ep_store_open(path, 0, &s, &err);
    if (rc)
        fail_msg("open %s: %s", path, err.msg);
    return s;
}

static void ingest(struct ep_store *s, const char *path)
{
    struct ep_error err = {0};
    struct ep_ingest_report rep;
    int rc = ep_store_ingest_file(s, path, 1, NULL, NULL, &rep, &err);
    if (rc)
        fail_msg("ingest %s: %s", path, err.msg);
}

static void ingest_tables(struct ep_store *s)
{
    char rel[256];
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        snprintf(rel, sizeof rel, "howtheyvote/%s", tables[i]);
        ingest(s, ep_test_real(rel));
    }
}

static const char *xml_path(size_t i)
{
    static char rel[256];
    snprintf(rel, sizeof rel, "ep-rcv-xml/%s", xml[i]);
    return ep_test_real(rel);
}

/* Read-ahead hints: the files of xml[] with the indexes given (-1 ends the list). */
static void hint(struct ep_store *s, int a, int b)
{
    char pa[4096], pb[4096];
    const char *next[2] = {pa, pb};
    size_t n = 0;
    if (a >= 0) {
        snprintf(pa, sizeof pa, "%s", xml_path((size_t)a));
        n++;
        if (b >= 0) {
            snprintf(pb, sizeof pb, "%s", xml_path((size_t)b));
            n++;
        }
    }
    ep_store_read_ahead(s, next, n);
}

/* As the CLI does: the files after the one being ingested are hinted (the store reads and
 * parses the first two of them ahead). */
static void ingest_xml(struct ep_store *s)
{
    int n = (int)(sizeof xml / sizeof xml[0]);
    for (int i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s", xml_path((size_t)i));
        hint(s, i + 1 < n ? i + 1 : -1, i + 2 < n ? i + 2 : -1);
        ingest(s, path);
    }
}

static long scalar(struct ep_store *s, const char *sql)
{
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(ep_store_db(s), sql, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    long v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return v;
}

/* A digest of every table's content (not ingest times), for store equality. */
static void digest(struct ep_store *s, struct ep_buf *out)
{
    static const char *const q[] = {
        "SELECT id, path, kind, sha256, bytes, records, warnings FROM unit ORDER BY id",
        "SELECT * FROM country ORDER BY code",
        "SELECT * FROM grp ORDER BY code",
        "SELECT * FROM member ORDER BY id",
        "SELECT * FROM membership ORDER BY member_id, start_date, group_code",
        "SELECT * FROM committee ORDER BY code",
        "SELECT * FROM sitting ORDER BY date",
        "SELECT * FROM vote ORDER BY id",
        "SELECT * FROM position ORDER BY vote_id, member_id",
        "SELECT rowid, kind, ref, title, body, extra FROM search ORDER BY rowid",
    };
    ep_buf_reset(out);
    for (size_t k = 0; k < sizeof q / sizeof q[0]; k++) {
        sqlite3_stmt *st;
        assert_int_equal(sqlite3_prepare_v2(ep_store_db(s), q[k], -1, &st, NULL), SQLITE_OK);
        while (sqlite3_step(st) == SQLITE_ROW) {
            for (int c = 0; c < sqlite3_column_count(st); c++) {
                const unsigned char *t = sqlite3_column_text(st, c);
                ep_buf_printf(out, "%s|", t ? (const char *)t : "NULL");
            }
            ep_buf_putc(out, '\n');
        }
        sqlite3_finalize(st);
    }
}

static struct ep_store *xml_store;

static int setup(void **state)
{
    (void)state;
    tmp = ep_test_tmpdir();
    xml_store = open_store("xml.db");
    ingest_tables(xml_store);
    ingest(xml_store, ep_test_real("howtheyvote/votes.csv.gz"));
    ingest_xml(xml_store);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ep_store_close(xml_store);
    ep_test_system("rm -rf '%s'", tmp);
    free(tmp);
    return 0;
}

static void test_counts(void **state)
{
    (void)state;
    struct ep_store *s = xml_store;
    assert_int_equal(scalar(s, "SELECT COUNT(*) FROM vote"), 21576);
    assert_int_equal(scalar(s, "SELECT COUNT(*) FROM vote WHERE pos_unit_id IS NOT NULL"), 266);
    assert_int_equal(scalar(s, "SELECT COUNT(DISTINCT member_id) FROM position"), 707);
    assert_int_equal(scalar(s, "SELECT COUNT(DISTINCT member_id) FROM member_vote"), 715);
    assert_int_equal(scalar(s, "SELECT COUNT(*) FROM member_vote"), 187516);
    assert_int_equal(scalar(s, "SELECT COUNT(*) FROM member_vote WHERE pos = 1"), 88038);
    assert_int_equal(scalar(s, "SELECT COUNT(*) FROM member_vote WHERE pos = 2"), 55796);
    assert_int_equal(scalar(s, "SELECT COUNT(*) FROM member_vote WHERE pos = 3"), 10785);
    assert_int_equal(scalar(s, "SELECT COUNT(*) FROM member_vote WHERE pos = 4"), 32897);
    assert_int_equal(scalar(s, "SELECT COUNT(*) FROM sitting"), 7);
    assert_int_equal(scalar(s, "SELECT COUNT(*) FROM unit"), 13);
    /* Every record knows its source unit. */
    assert_int_equal(scalar(s, "SELECT COUNT(*) FROM position WHERE unit_id IS NULL"), 0);
    assert_int_equal(scalar(s, "SELECT COUNT(*) FROM vote v JOIN unit u ON u.id = v.pos_unit_id"
                               " WHERE u.kind <> 'rcv-xml'"),
                     0);
    /* XML units are ingested with foreign keys checked per vote rather than by SQLite per row:
     * enforcement is back on afterwards and no reference is dangling */
    assert_int_equal(scalar(s, "PRAGMA foreign_keys"), 1);
    assert_int_equal(scalar(s, "SELECT COUNT(*) FROM pragma_foreign_key_check"), 0);
}

/* Each vote's FOR/AGAINST/ABSTENTION from the XML and DID_NOT_VOTE derived from memberships
 * equal HowTheyVote's official counts (votes_subset.csv, loaded here into its own store). */
static void test_counts_match_howtheyvote(void **state)
{
    (void)state;
    struct ep_store *ref = open_store("subset.db");
    ingest(ref, ep_test_real("howtheyvote/votes_subset.csv"));
    char attach[4200];
    snprintf(attach, sizeof attach, "ATTACH '%s/subset.db' AS ref", tmp);
    assert_int_equal(sqlite3_exec(ep_store_db(xml_store), attach, NULL, NULL, NULL), SQLITE_OK);
    long mismatches =
        scalar(xml_store, "SELECT COUNT(*) FROM ref.vote r LEFT JOIN ("
                          "  SELECT vote_id, SUM(pos=1) f, SUM(pos=2) a, SUM(pos=3) b, SUM(pos=4) d"
                          "  FROM member_vote GROUP BY vote_id) c ON c.vote_id = r.id"
                          " WHERE c.f IS NOT r.count_for OR c.a IS NOT r.count_against"
                          "  OR c.b IS NOT r.count_abstention OR c.d IS NOT r.count_did_not_vote");
    assert_int_equal(scalar(xml_store, "SELECT COUNT(*) FROM ref.vote"), 266);
    assert_int_equal(mismatches, 0);
    assert_int_equal(sqlite3_exec(ep_store_db(xml_store), "DETACH ref", NULL, NULL, NULL),
                     SQLITE_OK);
    ep_store_close(ref);
}

struct rows {
    struct ep_store *s;
    sqlite3_stmt *q;
    long n, mismatches;
};

static int row_cb(void *ctx, const struct ep_position *p, struct ep_error *err)
{
    (void)err;
    struct rows *r = ctx;
    sqlite3_bind_int64(r->q, 1, p->vote_id);
    sqlite3_bind_int64(r->q, 2, p->member_id);
    int ok = 0;
    if (sqlite3_step(r->q) == SQLITE_ROW) {
        const char *g = (const char *)sqlite3_column_text(r->q, 1);
        ok = sqlite3_column_int(r->q, 0) == p->pos && g && p->group_code &&
             strcmp(g, p->group_code) == 0;
    }
    sqlite3_reset(r->q);
    r->n++;
    if (!ok && r->mismatches++ < 5)
        print_error("mismatch: vote %lld member %lld csv %s\n", (long long)p->vote_id,
                    (long long)p->member_id, ep_pos_name(p->pos));
    return EP_OK;
}

/* The XML path (positions + derived DID_NOT_VOTE + group by membership) agrees with every one
 * of the 187,516 rows of HowTheyVote's member_votes layout. */
static void test_xml_equals_csv_rows(void **state)
{
    (void)state;
    struct rows r = {.s = xml_store};
    assert_int_equal(sqlite3_prepare_v2(ep_store_db(xml_store),
                                        "SELECT pos, group_code FROM member_vote"
                                        " WHERE vote_id = ?1 AND member_id = ?2",
                                        -1, &r.q, NULL),
                     SQLITE_OK);
    struct ep_sink sink = {.ctx = &r, .position = row_cb};
    struct ep_error err = {0};
    int table = 0;
    long nrec = 0;
    int rc = ep_htv_parse_file(ep_test_real("howtheyvote/member_votes_subset.csv"), &sink, &table,
                               &nrec, &err);
    sqlite3_finalize(r.q);
    if (rc)
        fail_msg("%s", err.msg);
    assert_int_equal(r.n, 187516);
    assert_int_equal(r.mismatches, 0);
}

/* Loading the CSV path into a store gives the same member_vote view as the XML path. */
static void test_csv_store_equals_xml_store(void **state)
{
    (void)state;
    struct ep_store *c = open_store("csv.db");
    ingest_tables(c);
    ingest(c, ep_test_real("howtheyvote/votes_subset.csv"));
    ingest(c, ep_test_real("howtheyvote/member_votes_subset.csv"));
    char attach[4200];
    snprintf(attach, sizeof attach, "ATTACH '%s/csv.db' AS c", tmp);
    assert_int_equal(sqlite3_exec(ep_store_db(xml_store), attach, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(scalar(c, "SELECT COUNT(*) FROM member_vote"), 187516);
    long diff =
        scalar(xml_store, "SELECT COUNT(*) FROM (SELECT vote_id, member_id, pos, group_code FROM "
                          "main.position EXCEPT SELECT vote_id, member_id, pos, group_code FROM "
                          "c.position)");
    long diff2 =
        scalar(xml_store, "SELECT COUNT(*) FROM (SELECT vote_id, member_id, pos, group_code FROM "
                          "c.position EXCEPT SELECT vote_id, member_id, pos, group_code FROM "
                          "main.position)");
    assert_int_equal(diff, 0);
    assert_int_equal(diff2, 0);
    assert_int_equal(sqlite3_exec(ep_store_db(xml_store), "DETACH c", NULL, NULL, NULL), SQLITE_OK);
    ep_store_close(c);
}

static void test_reingest_is_noop(void **state)
{
    (void)state;
    struct ep_buf before, after;
    ep_buf_init(&before, 0);
    ep_buf_init(&after, 0);
    digest(xml_store, &before);
    struct ep_error err = {0};
    struct ep_ingest_report rep;
    assert_int_equal(ep_store_ingest_file(xml_store,
                                          ep_test_real("ep-rcv-xml/PV-9-2024-01-16-RCV_EN.xml"), 1,
                                          NULL, NULL, &rep, &err),
                     0);
    assert_int_equal(rep.skipped, 1);
    /* The gzip copy of the same content is the same unit. */
    char gz[4200];
    snprintf(gz, sizeof gz, "%s/copy.xml.gz", tmp);
    assert_int_equal(ep_test_system("gzip -c '%s' > '%s'",
                                    ep_test_real("ep-rcv-xml/PV-9-2024-01-16-RCV_EN.xml"), gz),
                     0);
    assert_int_equal(ep_store_ingest_file(xml_store, gz, 1, NULL, NULL, &rep, &err), 0);
    assert_int_equal(rep.skipped, 1);
    digest(xml_store, &after);
    assert_int_equal(before.len, after.len);
    assert_memory_equal(before.data, after.data, before.len);
    ep_buf_free(&before);
    ep_buf_free(&after);
}

/* A file with the same vote id but different positions is rejected, nothing written. */
static void test_conflicting_duplicate_rejected(void **state)
{
    (void)state;
    char bad[4200];
    snprintf(bad, sizeof bad, "%s/PV-9-2024-01-15-RCV_EN-altered.xml", tmp);
    /* Drop the first listed member: same vote ids, different content. */
    assert_int_equal(ep_test_system("perl -0pe 's{<PoliticalGroup.Member.Name[^>]*>[^<]*"
                                    "</PoliticalGroup.Member.Name>}{}' '%s' > '%s'",
                                    ep_test_real("ep-rcv-xml/PV-9-2024-01-15-RCV_EN.xml"), bad),
                     0);
    long units = scalar(xml_store, "SELECT COUNT(*) FROM unit");
    long pos = scalar(xml_store, "SELECT COUNT(*) FROM position");
    struct ep_error err = {0};
    struct ep_ingest_report rep;
    int rc = ep_store_ingest_file(xml_store, bad, 0, NULL, NULL, &rep, &err);
    assert_int_not_equal(rc, 0);
    print_message("conflict: %s\n", err.msg);
    assert_non_null(strstr(err.msg, "already stored from"));
    assert_int_equal(scalar(xml_store, "SELECT COUNT(*) FROM unit"), units);
    assert_int_equal(scalar(xml_store, "SELECT COUNT(*) FROM position"), pos);
}

/* kill -9 in the middle of a unit, then rerun: identical to an uninterrupted ingest. */
static void test_killed_ingest_then_rerun(void **state)
{
    (void)state;
    char path[4200];
    snprintf(path, sizeof path, "%s/killed.db", tmp);
    struct ep_store *k = open_store("killed.db");
    ingest_tables(k);
    ingest(k, ep_test_real("howtheyvote/votes_subset.csv"));
    ep_store_close(k);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        setenv("EPINTEL_FAULT_KILL_AFTER", "5000", 1);
        struct ep_store *c = NULL;
        struct ep_error err = {0};
        if (ep_store_open(path, 0, &c, &err))
            _exit(2);
        ep_store_ingest_file(c, ep_test_real("ep-rcv-xml/PV-9-2024-01-17-RCV_EN.xml"), 0, NULL,
                             NULL, NULL, &err);
        _exit(3); /* not reached: the fault point kills the process */
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFSIGNALED(st));
    assert_int_equal(WTERMSIG(st), SIGKILL);

    k = open_store("killed.db");
    assert_int_equal(scalar(k, "SELECT COUNT(*) FROM position"), 0);
    assert_int_equal(scalar(k, "PRAGMA integrity_check = 1"), 0); /* "ok" reads as 0 */
    ingest(k, ep_test_real("ep-rcv-xml/PV-9-2024-01-17-RCV_EN.xml"));
    struct ep_store *u = open_store("uninterrupted.db");
    ingest_tables(u);
    ingest(u, ep_test_real("howtheyvote/votes_subset.csv"));
    ingest(u, ep_test_real("ep-rcv-xml/PV-9-2024-01-17-RCV_EN.xml"));
    struct ep_buf a, b;
    ep_buf_init(&a, 0);
    ep_buf_init(&b, 0);
    digest(k, &a);
    digest(u, &b);
    assert_true(a.len > 100000);
    /* Paths differ only by the store folder they were ingested into: none here. */
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    ep_buf_free(&a);
    ep_buf_free(&b);
    ep_store_close(k);
    ep_store_close(u);
}

static void test_bad_files_write_nothing(void **state)
{
    (void)state;
    char p[4200];
    long units = scalar(xml_store, "SELECT COUNT(*) FROM unit");
    struct ep_error err = {0};
    struct ep_ingest_report rep;
    /* truncated XML */
    snprintf(p, sizeof p, "%s/PV-truncated.xml", tmp);
    assert_int_equal(ep_test_system("head -c 100000 '%s' > '%s'",
                                    ep_test_real("ep-rcv-xml/PV-9-2024-02-26-RCV_EN.xml"), p),
                     0);
    assert_int_not_equal(ep_store_ingest_file(xml_store, p, 0, NULL, NULL, &rep, &err), 0);
    assert_non_null(strstr(err.msg, "PV-truncated.xml"));
    assert_int_equal(scalar(xml_store, "PRAGMA foreign_keys"), 1); /* on again after ROLLBACK */
    /* CSV with a wrong header */
    snprintf(p, sizeof p, "%s/bad.csv", tmp);
    FILE *f = fopen(p, "w");
    fputs("id,name\n1,x\n", f);
    fclose(f);
    assert_int_not_equal(ep_store_ingest_file(xml_store, p, 0, NULL, NULL, &rep, &err), 0);
    assert_non_null(strstr(err.msg, "bad.csv"));
    /* CSV with a wrong column count on line 3 */
    f = fopen(p, "w");
    fputs("code,iso_alpha_2,label\nZZZ,ZZ,Testland\nYYY,YY\n", f);
    fclose(f);
    assert_int_not_equal(ep_store_ingest_file(xml_store, p, 0, NULL, NULL, &rep, &err), 0);
    assert_non_null(strstr(err.msg, ":3"));
    assert_int_equal(scalar(xml_store, "SELECT COUNT(*) FROM country WHERE code = 'ZZZ'"), 0);
    assert_int_equal(scalar(xml_store, "SELECT COUNT(*) FROM unit"), units);
}

static void test_matrix_window(void **state)
{
    (void)state;
    struct ep_matrix m;
    struct ep_error err = {0};
    int rc = ep_store_load_matrix(xml_store, NULL, &m, &err);
    if (rc)
        fail_msg("%s", err.msg);
    assert_int_equal(m.n_vote, 266);
    assert_int_equal(m.n_mep, 715);
    long cnt[5] = {0};
    for (size_t c = 0; c < (size_t)m.n_vote * (size_t)m.n_mep; c++)
        cnt[m.pos[c]]++;
    assert_int_equal(cnt[1], 88038);
    assert_int_equal(cnt[2], 55796);
    assert_int_equal(cnt[3], 10785);
    assert_int_equal(cnt[4], 32897);
    assert_int_equal(m.n_grp, 8);
    /* votes are in time order */
    for (int v = 1; v < m.n_vote; v++)
        assert_true(m.vote_day[v - 1] <= m.vote_day[v]);
    ep_matrix_free(&m);

    struct ep_window w = {.from = "2024-02-01", .to = "2024-02-29"};
    assert_int_equal(ep_store_load_matrix(xml_store, &w, &m, &err), 0);
    assert_int_equal(m.n_vote, 64 + 7 + 51);
    ep_matrix_free(&m);
    const char *sit[] = {"2024-04-23", NULL};
    struct ep_window w2 = {.sittings = sit};
    assert_int_equal(ep_store_load_matrix(xml_store, &w2, &m, &err), 0);
    assert_int_equal(m.n_vote, 43);
    ep_matrix_free(&m);
    struct ep_window w3 = {.term = 10};
    assert_int_equal(ep_store_load_matrix(xml_store, &w3, &m, &err), EP_EUNAVAIL);
    struct ep_window w4 = {.from = "2024-13-01"};
    assert_int_equal(ep_store_load_matrix(xml_store, &w4, &m, &err), EP_EINVAL);
    assert_non_null(strstr(err.msg, "2024-13-01"));
}

/* A store with roll calls but no memberships (only an RCV XML ingested): the matrix still loads
 * from the cast positions (the empty membership list is not handed to qsort as NULL). */
static void test_matrix_without_memberships(void **state)
{
    (void)state;
    struct ep_store *s = open_store("rcv-only.db");
    ingest(s, ep_test_real("ep-rcv-xml/PV-9-2024-04-23-RCV_EN.xml"));
    assert_int_equal(scalar(s, "SELECT COUNT(*) FROM membership"), 0);
    struct ep_matrix m;
    struct ep_error err = {0};
    int rc = ep_store_load_matrix(s, NULL, &m, &err);
    if (rc)
        fail_msg("%s", err.msg);
    assert_int_equal(m.n_vote, 43);
    assert_int_equal(m.n_mep, scalar(s, "SELECT COUNT(DISTINCT member_id) FROM position"));
    long cast = 0;
    for (size_t c = 0; c < (size_t)m.n_vote * (size_t)m.n_mep; c++)
        cast += m.pos[c] >= EP_POS_FOR && m.pos[c] <= EP_POS_ABSTENTION;
    assert_int_equal(cast, scalar(s, "SELECT COUNT(*) FROM position"));
    ep_matrix_free(&m);
    ep_store_close(s);
}

static void test_search_index(void **state)
{
    (void)state;
    assert_int_equal(scalar(xml_store, "SELECT COUNT(*) FROM search"), 21576);
    assert_true(scalar(xml_store, "SELECT COUNT(*) FROM search WHERE search MATCH 'fluorinated'") >
                0);
    assert_int_equal(scalar(xml_store,
                            "SELECT COUNT(*) FROM search WHERE search MATCH 'fluorinated'"
                            " AND ref = 162974"),
                     1);
}

static int gen_synth(void *ctx, const struct ep_sink *sink, struct ep_error *err)
{
    return ep_synth_generate(ctx, 1000, 1100, 42, sink, err);
}

static void assert_matrix_equal(const struct ep_matrix *a, const struct ep_matrix *b)
{
    assert_int_equal(a->n_mep, b->n_mep);
    assert_int_equal(a->n_vote, b->n_vote);
    assert_int_equal(a->n_grp, b->n_grp);
    assert_int_equal(a->synthetic, b->synthetic);
    size_t cells = (size_t)a->n_mep * (size_t)a->n_vote;
    size_t words = (size_t)a->n_mep * (size_t)a->n_words;
    assert_memory_equal(a->mep_id, b->mep_id, (size_t)a->n_mep * sizeof *a->mep_id);
    assert_memory_equal(a->vote_id, b->vote_id, (size_t)a->n_vote * sizeof *a->vote_id);
    assert_memory_equal(a->vote_day, b->vote_day, (size_t)a->n_vote * sizeof *a->vote_day);
    assert_memory_equal(a->pos, b->pos, cells);
    assert_memory_equal(a->grp, b->grp, cells);
    assert_memory_equal(a->dnv_known, b->dnv_known, (size_t)a->n_vote);
    for (int k = 0; k < 3; k++)
        assert_memory_equal(a->plane[k], b->plane[k], words * sizeof(uint64_t));
    for (int g = 0; g < a->n_grp; g++)
        assert_string_equal(a->grp_code[g], b->grp_code[g]);
}

/* A large window is kept as a packed snapshot; loading it gives exactly what the SQL path gives,
 * and an ingest (new unit) invalidates it. */
static void test_matrix_snapshot(void **state)
{
    (void)state;
    struct ep_store *s = open_store("snap.db");
    struct ep_synth_params p;
    ep_synth_default_params(&p);
    struct ep_error err = {0};
    assert_int_equal(
        ep_store_ingest_generated(s, "synthetic", "synthetic", "k1", gen_synth, &p, NULL, &err), 0);
    struct ep_matrix a, b;
    assert_int_equal(ep_store_load_matrix(s, NULL, &a, &err), 0); /* SQL, writes the snapshot */
    assert_int_equal(scalar(s, "SELECT COUNT(*) FROM matrix_cache"), 1);
    assert_int_equal(ep_store_load_matrix(s, NULL, &b, &err), 0); /* from the snapshot */
    assert_matrix_equal(&a, &b);
    ep_matrix_free(&b);
    /* a corrupt snapshot is ignored, not trusted */
    assert_int_equal(
        sqlite3_exec(ep_store_db(s), "UPDATE matrix_cache SET blob = x'00'", NULL, NULL, NULL),
        SQLITE_OK);
    assert_int_equal(ep_store_load_matrix(s, NULL, &b, &err), 0);
    assert_matrix_equal(&a, &b);
    ep_matrix_free(&b);
    /* a new unit changes the key */
    ingest(s, ep_test_real("howtheyvote/countries.csv"));
    assert_int_equal(ep_store_load_matrix(s, NULL, &b, &err), 0);
    assert_matrix_equal(&a, &b);
    assert_int_equal(scalar(s, "SELECT COUNT(*) FROM matrix_cache"), 2);
    ep_matrix_free(&b);
    ep_matrix_free(&a);
    ep_store_close(s);
}

/* Inside a caller's read transaction (every read-only tool call runs in one), the snapshot is
 * written as a savepoint of it, and the caller's transaction carries on. */
static void test_matrix_snapshot_in_transaction(void **state)
{
    (void)state;
    struct ep_store *s = open_store("snap_txn.db");
    struct ep_synth_params p;
    ep_synth_default_params(&p);
    struct ep_error err = {0};
    assert_int_equal(
        ep_store_ingest_generated(s, "synthetic", "synthetic", "k1", gen_synth, &p, NULL, &err), 0);
    sqlite3 *db = ep_store_db(s);
    assert_int_equal(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
    assert_true(scalar(s, "SELECT COUNT(*) FROM unit") > 0); /* the read transaction is open */
    struct ep_matrix a, b;
    assert_int_equal(ep_store_load_matrix(s, NULL, &a, &err), 0); /* SQL, writes the snapshot */
    assert_int_equal(sqlite3_get_autocommit(db), 0);              /* still in the caller's */
    assert_int_equal(scalar(s, "SELECT COUNT(*) FROM matrix_cache"), 1);
    assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(scalar(s, "SELECT COUNT(*) FROM matrix_cache"), 1); /* committed */
    assert_int_equal(ep_store_load_matrix(s, NULL, &b, &err), 0);        /* from the snapshot */
    assert_matrix_equal(&a, &b);
    ep_matrix_free(&b);
    ep_matrix_free(&a);
    ep_store_close(s);
}

/* Read-ahead hints that are not followed, in part or at all, or name a missing file, change
 * nothing. */
static void test_read_ahead_hints(void **state)
{
    (void)state;
    struct ep_store *s = open_store("ahead.db");
    ingest_tables(s);
    char missing[4200], path[4096];
    snprintf(missing, sizeof missing, "%s/missing.xml", tmp);
    const char *m = missing;
    ep_store_read_ahead(s, &m, 1);
    ingest(s, xml_path(0));
    struct ep_error err = {0};
    assert_int_equal(ep_store_ingest_file(s, missing, 1, NULL, NULL, NULL, &err), EP_EIO);
    assert_non_null(strstr(err.msg, "missing.xml"));
    hint(s, 2, -1); /* hinted, but 3 comes next: dropped */
    ingest(s, xml_path(1));
    snprintf(path, sizeof path, "%s", xml_path(3));
    hint(s, 2, 4);
    ingest(s, path);
    snprintf(path, sizeof path, "%s", xml_path(2));
    hint(s, 5, 6); /* 4 was read ahead second: dropped with 2's hint not followed */
    ingest(s, path);
    snprintf(path, sizeof path, "%s", xml_path(4));
    hint(s, 6, 5); /* 5 and 6 both in flight, asked for in the other order */
    ingest(s, path);
    for (size_t i = 5; i < sizeof xml / sizeof xml[0]; i++) {
        snprintf(path, sizeof path, "%s", xml_path(i));
        hint(s, 0, 1); /* already stored: read ahead, then skipped */
        ingest(s, path);
    }
    ingest(s, xml_path(0));
    hint(s, 1, 2); /* left running at close */
    ingest(s, xml_path(0));
    assert_int_equal(scalar(s, "SELECT COUNT(*) FROM unit WHERE kind = 'rcv-xml'"), 7);
    assert_int_equal(scalar(s, "SELECT COUNT(*) FROM position"),
                     scalar(xml_store, "SELECT COUNT(*) FROM position"));
    assert_int_equal(scalar(s, "SELECT COUNT(*) FROM vote WHERE pos_unit_id IS NOT NULL"), 266);
    ep_store_close(s);
}

/* Votes 1..n with nothing known but their ids, to sink. */
static int sink_votes(const struct ep_sink *sink, int64_t n, struct ep_error *err)
{
    for (int64_t v = 1; v <= n; v++) {
        struct ep_vote vote = {.id = v,
                               .is_main = -1,
                               .count_for = -1,
                               .count_against = -1,
                               .count_abstention = -1,
                               .count_did_not_vote = -1,
                               .dlv_id = -1};
        int rc = sink->vote(sink->ctx, &vote, err);
        if (rc)
            return rc;
    }
    return 0;
}

/* A vote's positions in two runs (another vote between them) that repeat a member: refused
 * with the member named, and nothing of the unit written. */
static int gen_split_duplicate(void *ctx, const struct ep_sink *sink, struct ep_error *err)
{
    (void)ctx;
    static const int64_t rows[][2] = {{1, 10}, {1, 11}, {2, 10}, {1, 12}, {1, 10}};
    int rc = sink_votes(sink, 2, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct ep_position p = {.vote_id = rows[i][0], .member_id = rows[i][1], .pos = 1};
        rc = sink->position(sink->ctx, &p, err);
        if (rc)
            return rc;
    }
    return 0;
}

static void test_split_duplicate_refused(void **state)
{
    (void)state;
    struct ep_store *s = open_store("split.db");
    struct ep_error err = {0};
    int rc = ep_store_ingest_generated(s, "split", "test", "split-1", gen_split_duplicate, NULL,
                                       NULL, &err);
    assert_int_equal(rc, EP_ECONFLICT);
    assert_non_null(strstr(err.msg, "member 10 has two positions on vote 1"));
    assert_int_equal(scalar(s, "SELECT COUNT(*) FROM position"), 0);
    assert_int_equal(scalar(s, "SELECT COUNT(*) FROM unit"), 0);
    ep_store_close(s);
}

/* A vote's positions in two runs without a repeated member: one vote_positions row with the
 * union, in member order, each member with its own group. */
static int gen_split_runs(void *ctx, const struct ep_sink *sink, struct ep_error *err)
{
    (void)ctx;
    static const struct {
        int64_t vote, member;
        int pos;
        const char *group;
    } rows[] = {{1, 10, 1, "EPP"},
                {1, 11, 2, NULL},
                {2, 10, 3, "EPP"},
                {1, 12, 3, "XYZ"},
                {1, 9, 2, "S&D"}};
    int rc = sink_votes(sink, 2, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct ep_position p = {.vote_id = rows[i].vote,
                                .member_id = rows[i].member,
                                .pos = rows[i].pos,
                                .group_code = rows[i].group};
        rc = sink->position(sink->ctx, &p, err);
        if (rc)
            return rc;
    }
    return 0;
}

/* The rows of a query as "a|b|c\n" lines (NULL as NULL). */
static void rows_text(sqlite3 *db, const char *sql, struct ep_buf *out)
{
    sqlite3_stmt *st;
    ep_buf_reset(out);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        for (int c = 0; c < sqlite3_column_count(st); c++) {
            const unsigned char *t = sqlite3_column_text(st, c);
            ep_buf_printf(out, "%s%s", c ? "|" : "", t ? (const char *)t : "NULL");
        }
        ep_buf_putc(out, '\n');
    }
    if (rc != SQLITE_DONE)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    sqlite3_finalize(st);
}

static void test_split_runs_merged(void **state)
{
    (void)state;
    struct ep_store *s = open_store("runs.db");
    struct ep_error err = {0};
    int rc =
        ep_store_ingest_generated(s, "runs", "test", "runs-1", gen_split_runs, NULL, NULL, &err);
    assert_int_equal(rc, EP_OK);
    struct ep_buf b;
    ep_buf_init(&b, 0);
    rows_text(ep_store_db(s), "SELECT vote_id, member_id, pos, group_code FROM position", &b);
    assert_string_equal(b.data, "1|9|2|S&D\n1|10|1|EPP\n1|11|2|NULL\n1|12|3|XYZ\n2|10|3|EPP\n");
    assert_int_equal(scalar(s, "SELECT n FROM vote_positions WHERE vote_id = 1"), 4);
    ep_buf_free(&b);
    ep_store_close(s);
}

/* A store of schema 5 (one row per position) is migrated: its rows packed per vote, the old
 * table dropped, and `position` reads back the same rows. */
static void test_migration_packs_positions(void **state)
{
    (void)state;
    char path[4200];
    snprintf(path, sizeof path, "%s/v5.db", tmp);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    for (int v = 0; v < 5; v++)
        assert_int_equal(sqlite3_exec(db, ep_store_migrations[v], NULL, NULL, NULL), SQLITE_OK);
    static const char rows[] = "7|3|1|EPP|1\n7|5|2|NULL|1\n7|40|3|NI|1\n9|3|3|EPP|2\n9|4|1|EPP|2\n";
    assert_int_equal(
        sqlite3_exec(db,
                     "PRAGMA user_version = 5;"
                     "INSERT INTO unit VALUES(1, 'a.xml', 'rcv-xml', 'aa', 1, 0, 0, 'now'),"
                     " (2, 'b.xml', 'rcv-xml', 'bb', 1, 0, 0, 'now');"
                     "INSERT INTO vote(id, unit_id, pos_unit_id) VALUES(7, 1, 1), (9, 2, 2);"
                     "INSERT INTO position VALUES(9, 4, 1, 'EPP', 2), (7, 40, 3, 'NI', 1),"
                     " (7, 3, 1, 'EPP', 1), (9, 3, 3, 'EPP', 2), (7, 5, 2, NULL, 1);",
                     NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);
    struct ep_store *s = open_store("v5.db");
    /* migrated through the packing to the latest version */
    assert_int_equal(scalar(s, "PRAGMA user_version"),
                     (int)(sizeof ep_store_migrations / sizeof ep_store_migrations[0]));
    assert_int_equal(scalar(s, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'position'"), 0);
    assert_int_equal(scalar(s, "SELECT COUNT(*) FROM vote_positions"), 2);
    struct ep_buf b;
    ep_buf_init(&b, 0);
    rows_text(ep_store_db(s), "SELECT * FROM position", &b);
    assert_string_equal(b.data, rows);
    ep_buf_free(&b);
    ep_store_close(s);
}

/* Every access path of the `position` table gives the rows of a full scan: vote and member
 * lookups, member-only lookups, other types of keys; a damaged row is an error. */
static void test_position_table(void **state)
{
    (void)state;
    sqlite3 *db = ep_store_db(xml_store);
    struct ep_buf a, b;
    ep_buf_init(&a, 0);
    ep_buf_init(&b, 0);
    /* `+col = x` hides the constraint from the table: a scan filtered by SQLite */
    rows_text(db, "SELECT * FROM position WHERE vote_id = 162972 ORDER BY member_id", &a);
    rows_text(db, "SELECT * FROM position WHERE +vote_id = 162972 ORDER BY member_id", &b);
    assert_true(a.len > 0);
    assert_string_equal(a.data, b.data);
    rows_text(db, "SELECT * FROM position WHERE member_id = 840", &a);
    rows_text(db, "SELECT * FROM position WHERE +member_id = 840", &b);
    assert_int_equal(scalar(xml_store, "SELECT COUNT(*) FROM position WHERE member_id = 840"),
                     scalar(xml_store, "SELECT COUNT(*) FROM position WHERE +member_id = 840"));
    assert_true(a.len > 0);
    assert_string_equal(a.data, b.data);
    assert_int_equal(scalar(xml_store, "SELECT pos FROM position WHERE vote_id = 162972"
                                       " AND member_id = 840"),
                     scalar(xml_store, "SELECT pos FROM position WHERE +vote_id = 162972"
                                       " AND +member_id = 840"));
    assert_int_equal(scalar(xml_store, "SELECT COUNT(*) FROM position WHERE vote_id = 'x'"), 0);
    assert_int_equal(scalar(xml_store, "SELECT COUNT(*) FROM position WHERE member_id = 840.5"), 0);
    assert_int_equal(scalar(xml_store, "SELECT COUNT(*) FROM position WHERE vote_id = 1"), 0);
    /* the packed counts, the rows and the DID_NOT_VOTE-completed view agree */
    assert_int_equal(scalar(xml_store, "SELECT SUM(n) FROM vote_positions"), 154619);
    assert_int_equal(scalar(xml_store, "SELECT COUNT(*) FROM position"), 154619);
    assert_int_equal(scalar(xml_store, "SELECT COUNT(*) FROM member_vote WHERE pos < 4"), 154619);
    ep_buf_free(&a);
    ep_buf_free(&b);

    struct ep_store *s = open_store("runs.db"); /* from test_split_runs_merged */
    /* a damaged head, then a lost last entry (the row's n no longer matches) */
    static const char *const damage[] = {
        "UPDATE vote_positions SET data = x'0100' || data WHERE vote_id = 1",
        "UPDATE vote_positions SET data = substr(data, 1, length(data) - 10) WHERE vote_id = 2",
    };
    for (int k = 0; k < 2; k++) {
        assert_int_equal(sqlite3_exec(ep_store_db(s),
                                      "CREATE TEMP TABLE keep AS SELECT * FROM vote_positions",
                                      NULL, NULL, NULL),
                         SQLITE_OK);
        assert_int_equal(sqlite3_exec(ep_store_db(s), damage[k], NULL, NULL, NULL), SQLITE_OK);
        char want[64], by_vote[64];
        snprintf(want, sizeof want, "the stored positions of vote %d are corrupt", k + 1);
        snprintf(by_vote, sizeof by_vote, "SELECT * FROM position WHERE vote_id = %d", k + 1);
        const char *const reads[] = {"SELECT * FROM position", by_vote};
        for (int r = 0; r < 2; r++) { /* a scan and a lookup */
            char *msg = NULL;
            assert_int_not_equal(sqlite3_exec(ep_store_db(s), reads[r], NULL, NULL, &msg),
                                 SQLITE_OK);
            assert_non_null(msg);
            assert_non_null(strstr(msg, want));
            sqlite3_free(msg);
        }
        assert_int_equal(sqlite3_exec(ep_store_db(s),
                                      "UPDATE vote_positions SET data = (SELECT data FROM keep k"
                                      " WHERE k.vote_id = vote_positions.vote_id);"
                                      " DROP TABLE keep",
                                      NULL, NULL, NULL),
                         SQLITE_OK);
        assert_int_equal(scalar(s, "SELECT COUNT(*) FROM position"), 5);
    }
    ep_store_close(s);
}

/* The packed format's limits and checks. */
static void test_posblob_format(void **state)
{
    (void)state;
    struct ep_posblob_builder pb;
    struct ep_buf out;
    struct ep_posblob v;
    ep_posblob_builder_init(&pb);
    ep_buf_init(&out, 0);
    assert_int_equal(ep_posblob_add(&pb, 5, 1, "EPP"), 0);
    assert_int_equal(ep_posblob_add(&pb, 5, 1, "EPP"), EP_EINVAL); /* not increasing */
    assert_int_equal(ep_posblob_add(&pb, 6, 5, "EPP"), EP_EINVAL); /* pos 1..4 */
    assert_int_equal(ep_posblob_add(&pb, (int64_t)1 << 40, 3, NULL), 0);
    assert_int_equal(ep_posblob_finish(&pb, &out), 0);
    assert_int_equal(ep_posblob_view(out.data, out.len, &v), 0);
    assert_int_equal(v.n, 2);
    assert_int_equal(ep_posblob_member(&v, 1), (int64_t)1 << 40);
    assert_int_equal(ep_posblob_group(&v, 1), EP_POSBLOB_NO_GROUP);
    assert_int_equal(ep_posblob_find(&v, 5), 0);
    assert_int_equal(ep_posblob_find(&v, 7), SIZE_MAX);
    size_t head = out.len - 2 * EP_POSBLOB_ENTRY; /* format, groups */
    for (size_t cut = 0; cut < out.len; cut++)    /* a cut inside the head or an entry is refused */
        assert_int_equal(ep_posblob_view(out.data, cut, &v),
                         cut >= head && (cut - head) % EP_POSBLOB_ENTRY == 0 ? 0 : -1);
    out.data[out.len - 2] = 0; /* pos 0 */
    assert_int_equal(ep_posblob_view(out.data, out.len, &v), -1);
    ep_posblob_builder_reset(&pb);
    char label[16];
    int rc = 0;
    for (int i = 0; i <= EP_POSBLOB_MAX_GROUPS && !rc; i++) {
        snprintf(label, sizeof label, "G%d", i);
        rc = ep_posblob_add(&pb, i + 1, 1, label);
    }
    assert_int_equal(rc, EP_ELIMIT);
    assert_int_equal(pb.n, EP_POSBLOB_MAX_GROUPS);
    ep_posblob_builder_free(&pb);
    ep_buf_free(&out);
}

/* A new store gets 16 KiB pages; a store made with 4 KiB pages keeps them and ingests the same
 * (plain files are mapped, gzip files read). */
static void test_page_size(void **state)
{
    (void)state;
    struct ep_store *s = open_store("pages.db");
    assert_int_equal(scalar(s, "PRAGMA page_size"), 16384);
    ep_store_close(s);
    char path[4200];
    snprintf(path, sizeof path, "%s/old4k.db", tmp);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "PRAGMA page_size = 4096; PRAGMA journal_mode = WAL;"
                                  " CREATE TABLE x(y)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    s = open_store("old4k.db");
    assert_int_equal(scalar(s, "PRAGMA page_size"), 4096);
    ingest_tables(s);
    ingest(s, xml_path(1));
    char gz[4200];
    snprintf(gz, sizeof gz, "%s/first.xml.gz", tmp);
    assert_int_equal(ep_test_system("gzip -c '%s' > '%s'", xml_path(0), gz), 0);
    ingest(s, gz);
    assert_int_equal(scalar(s, "SELECT COUNT(*) FROM vote WHERE pos_unit_id IS NOT NULL"), 39);
    assert_int_equal(scalar(s, "SELECT COUNT(*) FROM position"),
                     scalar(xml_store, "SELECT COUNT(*) FROM position p JOIN vote v ON"
                                       " v.id = p.vote_id WHERE v.sitting_date <= '2024-01-16'"));
    ep_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts),
        cmocka_unit_test(test_counts_match_howtheyvote),
        cmocka_unit_test(test_xml_equals_csv_rows),
        cmocka_unit_test(test_csv_store_equals_xml_store),
        cmocka_unit_test(test_reingest_is_noop),
        cmocka_unit_test(test_conflicting_duplicate_rejected),
        cmocka_unit_test(test_killed_ingest_then_rerun),
        cmocka_unit_test(test_bad_files_write_nothing),
        cmocka_unit_test(test_matrix_window),
        cmocka_unit_test(test_matrix_without_memberships),
        cmocka_unit_test(test_search_index),
        cmocka_unit_test(test_matrix_snapshot),
        cmocka_unit_test(test_matrix_snapshot_in_transaction),
        cmocka_unit_test(test_read_ahead_hints),
        cmocka_unit_test(test_split_duplicate_refused),
        cmocka_unit_test(test_split_runs_merged),
        cmocka_unit_test(test_migration_packs_positions),
        cmocka_unit_test(test_position_table),
        cmocka_unit_test(test_posblob_format),
        cmocka_unit_test(test_page_size),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
