#include "ep_store.h"
#include "ep_store_db.h"

#include "ep_crypto.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ep_htv.h"
#include "ep_posblob.h"
#include "ep_rcv.h"
#include "ep_store_schema.h"
#include "ep_util.h"

#define EP_INGEST_MAX_BYTES ((size_t)1 << 30)
/* A file read ahead is held in memory while the current one is ingested; larger files are
 * read at their turn, so read-ahead never holds more than this per file (a folder of large
 * files, or of gzip bombs, does not multiply the memory of the largest). */
#define EP_READ_AHEAD_MAX_BYTES ((size_t)32 << 20)

/* The content of one file: a plain regular file is mapped (MAP_POPULATE: its page-cache pages,
 * no copy, no zeroed pages to fault in one by one, which on a VM cost more than the parse); a
 * gzip file, a pipe or an empty file is read (decompressed) into buf. */
struct content {
    const char *data;
    size_t len;
    void *map; /* mapping of map_len bytes, or NULL: data is buf.data */
    size_t map_len;
    struct ep_buf buf;
};

/* A file to come, read and hashed on a thread while the current one is ingested; a roll-call
 * XML file is also parsed, on a thread of its own that queues its records (ep_rcv_ahead). */
struct read_ahead {
    pthread_t tid;
    int running; /* started, not joined yet */
    char *path;
    struct content buf;
    struct ep_rcv_ahead *parse; /* NULL: not XML, or no thread */
    char sha[65];
    int rc;
    struct ep_error err;
};

struct ep_store {
    sqlite3 *db;
    char *path;
    char skipped_kind[32]; /* the kind of the last unit found already stored (its report's) */
    long fault_committed;  /* units committed (EPINTEL_FAULT_KILL_AFTER_UNITS) */
    /* The file being ingested. Kept from one file to the next: fresh pages cost a page fault
     * each, which on a VM is more than the read itself. */
    struct content file;
    /* Files read ahead, in the order they come: ra[(ra_head + i) % EP_READ_AHEAD_FILES] for
     * i < ra_n, each with its thread running or not joined yet. Two, so that the parsers
     * still have a file to work on while this thread stores the records they queued. */
    struct read_ahead ra[EP_READ_AHEAD_FILES];
    int ra_head, ra_n;
    char *next[EP_READ_AHEAD_FILES]; /* ep_store_read_ahead's hints, in order */
    int nnext;
};

static void content_free(struct content *c);
static void ra_stop(struct read_ahead *ra);
static void hints_free(struct ep_store *s);

/* Larger file buffers are released after their file. */
#define EP_INGEST_KEEP_BYTES ((size_t)64 << 20)

/* Statements of one ingest, prepared once per unit. */
enum {
    ST_MEMBER,
    ST_GROUP,
    ST_MEMBERSHIP,
    ST_COUNTRY,
    ST_COMMITTEE,
    ST_SITTING,
    ST_VOTE_HTV,
    ST_VOTE_RCV,
    ST_VOTE_GET,
    ST_VOTE_SETPOS,
    ST_POS_PUT,
    ST_POS_LOAD,
    ST_POS_SET,
    ST_TITLE,
    ST_TOUCH,
    ST_MEMBER_NAME,
    ST_SUBJECT,
    ST_CONCEPT,
    ST_GEO,
    ST_TOPIC_VOTE,
    ST_TOPIC_VOTE_UNIT,
    ST_HAS_VOTE,
    ST_HAS_SUBJECT,
    ST_HAS_CONCEPT,
    ST_HAS_COMMITTEE,
    ST_HAS_GEO,
    ST_COMMITTEE_MEMBERSHIP,
    ST_COMMITTEE_RESOLVE,
    ST_COUNT
};

static const char *const ingest_sql[ST_COUNT] = {
    [ST_MEMBER] = "INSERT INTO member(id, first_name, last_name, country_code, date_of_birth,"
                  " email, facebook, twitter, unit_id) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9)"
                  " ON CONFLICT(id) DO UPDATE SET first_name=?2, last_name=?3, country_code=?4,"
                  " date_of_birth=?5, email=?6, facebook=?7, twitter=?8, unit_id=?9",
    [ST_GROUP] = "INSERT INTO grp(code, official_label, label, short_label, unit_id)"
                 " VALUES(?1,?2,?3,?4,?5) ON CONFLICT(code) DO UPDATE SET official_label=?2,"
                 " label=?3, short_label=?4, unit_id=?5",
    [ST_MEMBERSHIP] = "INSERT INTO membership(member_id, group_code, term, start_date, end_date,"
                      " unit_id) VALUES(?1,?2,?3,?4,?5,?6) ON CONFLICT(member_id, start_date,"
                      " group_code) DO UPDATE SET term=?3, end_date=?5, unit_id=?6",
    [ST_COUNTRY] = "INSERT INTO country(code, iso_alpha_2, label, unit_id) VALUES(?1,?2,?3,?4)"
                   " ON CONFLICT(code) DO UPDATE SET iso_alpha_2=?2, label=?3, unit_id=?4",
    [ST_COMMITTEE] = "INSERT INTO committee(code, label, abbreviation, unit_id) VALUES(?1,?2,?3,?4)"
                     " ON CONFLICT(code) DO UPDATE SET label=?2, abbreviation=?3, unit_id=?4",
    [ST_SITTING] =
        "INSERT INTO sitting(date, ep_id, reference, term, unit_id) VALUES(?1,?2,?3,?4,?5)"
        " ON CONFLICT(date) DO UPDATE SET ep_id=COALESCE(?2, ep_id),"
        " reference=COALESCE(?3, reference), term=COALESCE(?4, term)",
    /* HowTheyVote (and API) votes: authoritative for titles, procedures, counts and results;
     * a field a source does not carry (NULL) never erases what another source stored. */
    [ST_VOTE_HTV] =
        "INSERT INTO vote(id, timestamp, sitting_date, title, description, reference,"
        " procedure_reference, procedure_title, procedure_type, procedure_stage, result, is_main,"
        " count_for, count_against, count_abstention, count_did_not_vote, unit_id)"
        " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17)"
        " ON CONFLICT(id) DO UPDATE SET timestamp=COALESCE(?2, timestamp),"
        " sitting_date=COALESCE(?3, sitting_date), title=COALESCE(?4, title),"
        " description=COALESCE(?5, description), reference=COALESCE(?6, reference),"
        " procedure_reference=COALESCE(?7, procedure_reference),"
        " procedure_title=COALESCE(?8, procedure_title),"
        " procedure_type=COALESCE(?9, procedure_type),"
        " procedure_stage=COALESCE(?10, procedure_stage), result=COALESCE(?11, result),"
        " is_main=COALESCE(?12, is_main), count_for=COALESCE(?13, count_for),"
        " count_against=COALESCE(?14, count_against),"
        " count_abstention=COALESCE(?15, count_abstention),"
        " count_did_not_vote=COALESCE(?16, count_did_not_vote)",
    /* Roll-call XML: owns dlv_id and its own description; fills counts only where unknown. */
    [ST_VOTE_RCV] =
        "INSERT INTO vote(id, timestamp, sitting_date, rcv_description, dlv_id, count_for,"
        " count_against, count_abstention, unit_id) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9)"
        " ON CONFLICT(id) DO UPDATE SET timestamp=COALESCE(timestamp, ?2),"
        " sitting_date=COALESCE(sitting_date, ?3), rcv_description=COALESCE(rcv_description, ?4),"
        " dlv_id=?5, count_for=COALESCE(count_for, ?6), count_against=COALESCE(count_against, ?7),"
        " count_abstention=COALESCE(count_abstention, ?8)",
    [ST_VOTE_GET] = "SELECT pos_unit_id, (SELECT path FROM unit WHERE id = vote.pos_unit_id),"
                    " (SELECT data FROM vote_positions WHERE vote_id = vote.id)"
                    " FROM vote WHERE id = ?1",
    [ST_VOTE_SETPOS] = "UPDATE vote SET pos_unit_id = ?2 WHERE id = ?1",
    [ST_POS_PUT] = "INSERT INTO vote_positions(vote_id, unit_id, n, data) VALUES(?1,?2,?3,?4)"
                   " ON CONFLICT(vote_id) DO NOTHING",
    [ST_POS_LOAD] = "SELECT data FROM vote_positions WHERE vote_id = ?1",
    [ST_POS_SET] = "UPDATE vote_positions SET n = ?2, data = ?3 WHERE vote_id = ?1",
    [ST_TITLE] = "UPDATE vote SET rcv_title = ?2 WHERE dlv_id = ?1 AND pos_unit_id = ?3",
    [ST_TOUCH] = "INSERT OR IGNORE INTO temp.touched(id) VALUES(?1)",
    /* an MEP named by a roll-call file but in no members table: the name as printed (a later
     * members.csv or EP API row replaces it, ST_MEMBER) */
    [ST_MEMBER_NAME] = "INSERT INTO member(id, last_name, unit_id) VALUES(?1,?2,?3)"
                       " ON CONFLICT(id) DO NOTHING",
    /* vote topics (migration 9) */
    [ST_SUBJECT] = "INSERT INTO oeil_subject(code, label, unit_id) VALUES(?1,?2,?3)"
                   " ON CONFLICT(code) DO UPDATE SET label=?2, unit_id=?3",
    [ST_CONCEPT] = "INSERT INTO eurovoc_concept(id, label, unit_id) VALUES(?1,?2,?3)"
                   " ON CONFLICT(id) DO UPDATE SET label=?2, unit_id=?3",
    [ST_GEO] = "INSERT INTO geo_area(code, label, iso_alpha_2, unit_id) VALUES(?1,?2,?3,?4)"
               " ON CONFLICT(code) DO UPDATE SET label=?2, iso_alpha_2=?3, unit_id=?4",
    /* DO NOTHING, then the unit moved by ST_TOPIC_VOTE_UNIT when the link was stored already
     * (cb_topic_vote): an upsert's DO UPDATE makes SQLite open a statement journal for every
     * row, which copies each page the row touches (a third of a link's cost) */
    [ST_TOPIC_VOTE] = "INSERT INTO vote_topic(kind, code, vote_id, unit_id) VALUES(?1,?2,?3,?4)"
                      " ON CONFLICT(kind, code, vote_id) DO NOTHING",
    [ST_TOPIC_VOTE_UNIT] = "UPDATE vote_topic SET unit_id = ?4"
                           " WHERE kind = ?1 AND code = ?2 AND vote_id = ?3",
    [ST_HAS_VOTE] = "SELECT 1 FROM vote WHERE id = ?1",
    [ST_HAS_SUBJECT] = "SELECT 1 FROM oeil_subject WHERE code = ?1",
    [ST_HAS_CONCEPT] = "SELECT 1 FROM eurovoc_concept WHERE id = ?1",
    [ST_HAS_COMMITTEE] = "SELECT 1 FROM committee WHERE code = ?1",
    [ST_HAS_GEO] = "SELECT 1 FROM geo_area WHERE code = ?1",
    /* committee memberships (migration 10) */
    [ST_COMMITTEE_MEMBERSHIP] =
        "INSERT INTO committee_membership(member_id, org_id, committee_code, role,"
        " classification, start_date, end_date, unit_id) VALUES(?1,?2,?3,?4,?5,?6,?7,?8)"
        " ON CONFLICT(member_id, org_id, role, start_date) DO UPDATE SET committee_code=?3,"
        " classification=?5, end_date=?7, unit_id=?8",
    /* an organization id to the store's committee code: the HowTheyVote committee whose code
     * is the abbreviation of the body with that id (API identifier -> label ECON -> ECON: the
     * code votes are linked with), else the body with that code, else the body with that
     * abbreviation */
    [ST_COMMITTEE_RESOLVE] =
        "SELECT code FROM (SELECT c2.code, 0 AS r FROM committee c1"
        " JOIN committee c2 ON c2.code = c1.abbreviation WHERE c1.code = ?1"
        " UNION ALL SELECT code, 1 FROM committee WHERE code = ?1"
        " UNION ALL SELECT code, 2 FROM committee WHERE abbreviation = ?1)"
        " ORDER BY r, code LIMIT 1",
};

/* Per-vote state of one ingest: which votes got positions and whether they are compared
 * against positions another unit already stored. */
struct vote_state {
    int64_t id;
    int compare;      /* 1 = positions exist from another unit: compare, do not write */
    long stored_cast; /* cast rows stored by the other unit */
    /* compare: a view of their packed positions (ep_posblob.h), NULL when none, followed in
     * the same block by the copy of the blob it views; kept out of line, the view is 8 KB and
     * every vote of a member_votes table has a state. (One block: gcc 12's analyser forgets the
     * first of two pointers written into in->votes[] and reported it leaked.) */
    struct ep_posblob *view;
    long seen_cast; /* cast rows in this unit */
    char *other_path;
};

struct ingest {
    struct ep_store *s;
    sqlite3_stmt *st[ST_COUNT];
    int64_t unit_id;
    const char *unit;
    int strict, is_xml;
    long kill_after; /* fault injection, -1 = off */
    long records, warnings;
    ep_ingest_warn_fn warn;
    void *warn_ctx;
    struct ep_error *warn_err; /* first warning as an error in strict mode */
    int strict_failed;
    struct vote_state *votes;
    size_t nvotes, avotes;
    /* Cast positions of one vote waiting to be written (see cb_position): sorted by member and
     * packed into one vote_positions row (ep_posblob.h) when the vote is complete. */
    struct pend_pos *pend;
    size_t npend, apend;
    int64_t pend_vote;
    struct ep_buf pend_strs; /* group labels of pend, NUL-separated */
    struct seen_slot *seen;  /* open-addressing set of the members in pend */
    size_t aseen;            /* slots, a power of two */
    unsigned seen_gen;       /* slots of other generations are empty */
    struct ep_posblob_builder pb;
    struct ep_buf blob;
    /* members whose printed name this unit already offered to the member table (open
     * addressing, 0 = empty slot; member ids are positive) */
    int64_t *named;
    int64_t topic_vote_ok; /* the last vote a topic link was checked against (the tables are
                              sorted by vote), 0 none */
    size_t anamed, nnamed;
    size_t *vidx; /* index of votes[] by id (vote_state) */
    size_t avidx;
};

struct seen_slot {
    int64_t member_id;
    unsigned gen;
};

static int flush_positions(struct ingest *in, struct ep_error *err);

struct pend_pos {
    int64_t member_id;
    int pos;
    size_t group_off; /* in pend_strs, or SIZE_MAX for NULL */
};

static int db_error(sqlite3 *db, struct ep_error *err, const char *what)
{
    ep_error_set(err, EP_EDB, "%s: %s", what, sqlite3_errmsg(db));
    return EP_EDB;
}

static int exec(sqlite3 *db, const char *sql, struct ep_error *err)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        int rc = ep_error_set(err, EP_EDB, "%s", msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return rc;
    }
    return EP_OK;
}

/* Migration to EP_STORE_PACKED_POSITIONS: the rows of the old position table, one vote_positions
 * row per vote, then the old table goes (the virtual table takes its name). */
static int pack_positions(sqlite3 *db, struct ep_error *err)
{
    sqlite3_stmt *q = NULL, *ins = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT vote_id, member_id, pos, group_code, unit_id FROM main.position"
                           " ORDER BY vote_id, member_id",
                           -1, &q, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(
            db, "INSERT INTO vote_positions(vote_id, unit_id, n, data) VALUES(?1,?2,?3,?4)", -1,
            &ins, NULL) != SQLITE_OK) {
        sqlite3_finalize(q);
        return db_error(db, err, "packing positions");
    }
    struct ep_posblob_builder b;
    struct ep_buf blob;
    ep_posblob_builder_init(&b);
    ep_buf_init(&blob, 0);
    int64_t vote = 0, unit = 0;
    int rc = EP_OK, step;
    do {
        step = sqlite3_step(q);
        int64_t v = step == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
        if (b.n && (step != SQLITE_ROW || v != vote)) { /* the previous vote is complete */
            if (ep_posblob_finish(&b, &blob)) {
                rc = ep_error_set(err, EP_ENOMEM, "out of memory");
                break;
            }
            sqlite3_bind_int64(ins, 1, vote);
            sqlite3_bind_int64(ins, 2, unit);
            sqlite3_bind_int64(ins, 3, (sqlite3_int64)b.n);
            sqlite3_bind_blob(ins, 4, blob.data, (int)blob.len, SQLITE_STATIC);
            int r = sqlite3_step(ins);
            sqlite3_reset(ins);
            if (r != SQLITE_DONE) {
                rc = db_error(db, err, "packing positions");
                break;
            }
            ep_posblob_builder_reset(&b);
        }
        if (step != SQLITE_ROW)
            break;
        vote = v;
        unit = sqlite3_column_int64(q, 4);
        if (ep_posblob_add(&b, sqlite3_column_int64(q, 1), sqlite3_column_int(q, 2),
                           (const char *)sqlite3_column_text(q, 3))) {
            rc = ep_error_set(err, EP_ELIMIT, "packing the positions of vote %lld failed",
                              (long long)vote);
            break;
        }
    } while (1);
    if (!rc && step != SQLITE_DONE)
        rc = db_error(db, err, "packing positions");
    sqlite3_finalize(q);
    sqlite3_finalize(ins);
    ep_posblob_builder_free(&b);
    ep_buf_free(&blob);
    return rc ? rc : exec(db, "DROP TABLE main.position", err);
}

static int migrate(sqlite3 *db, struct ep_error *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        return db_error(db, err, "reading schema version");
    int version = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    int latest = (int)(sizeof ep_store_migrations / sizeof ep_store_migrations[0]);
    if (version > latest)
        return ep_error_set(err, EP_ECONFLICT,
                            "the store has schema version %d but this epintel knows up to %d; "
                            "use a newer epintel or another --db",
                            version, latest);
    for (int v = version; v < latest; v++) {
        int rc = exec(db, "BEGIN IMMEDIATE", err);
        if (rc)
            return rc;
        rc = exec(db, ep_store_migrations[v], err);
        if (!rc && v + 1 == EP_STORE_PACKED_POSITIONS)
            rc = pack_positions(db, err);
        if (!rc) {
            char sql[64];
            snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
            rc = exec(db, sql, err);
        }
        if (rc) {
            exec(db, "ROLLBACK", NULL);
            return ep_error_prefix(err, "migrating the store to schema %d: ", v + 1);
        }
        rc = exec(db, "COMMIT", err);
        if (rc)
            return rc;
    }
    return EP_OK;
}

int ep_store_open(const char *path, int flags, struct ep_store **out, struct ep_error *err)
{
    *out = NULL;
    if (!path || !*path)
        return ep_error_set(err, EP_EINVAL, "no database path given");
    struct ep_store *s = calloc(1, sizeof *s);
    if (!s)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    s->path = strdup(path);
    int oflags = (flags & EP_STORE_READONLY)   ? SQLITE_OPEN_READONLY
                 : (flags & EP_STORE_EXISTING) ? SQLITE_OPEN_READWRITE
                                               : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    if (!(flags & (EP_STORE_READONLY | EP_STORE_EXISTING))) {
        char *dir = strdup(path);
        char *slash = dir ? strrchr(dir, '/') : NULL;
        if (slash && slash != dir) {
            *slash = '\0';
            struct stat sb;
            if (stat(dir, &sb) != 0 && ep_mkdirs(dir, err) != EP_OK) {
                free(dir);
                ep_store_close(s);
                return err ? err->code : EP_EIO;
            }
        }
        free(dir);
    }
    int rc = sqlite3_open_v2(path, &s->db, oflags | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        ep_error_set(err, EP_EDB, "cannot open database %s: %s", path,
                     s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
        ep_store_close(s);
        return EP_EDB;
    }
    sqlite3_busy_timeout(s->db, 10000);
    if (ep_posblob_register(s->db) != SQLITE_OK) {
        ep_error_set(err, EP_EDB, "%s: %s", path, sqlite3_errmsg(s->db));
        ep_store_close(s);
        return EP_EDB;
    }
    rc = exec(s->db, "PRAGMA foreign_keys = ON", err);
    /* page_size only takes effect on a new (empty) store: 16 KiB pages hold a vote's positions
     * in a few pages, so an ingested file writes a quarter of the WAL frames (and syscalls) of
     * 4 KiB pages and the WAL stays under the autocheckpoint. Existing stores keep theirs. */
    if (!rc && !(flags & EP_STORE_READONLY))
        rc = exec(s->db,
                  "PRAGMA page_size = 16384;"
                  " PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
                  " PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;"
                  " PRAGMA mmap_size = 1073741824",
                  err);
    if (!rc && !(flags & EP_STORE_READONLY))
        rc = migrate(s->db, err);
    if (rc) {
        ep_error_prefix(err, "%s: ", path);
        ep_store_close(s);
        return rc;
    }
    /* A file that is not a database is only detected on first read. */
    if (exec(s->db, "SELECT COUNT(*) FROM sqlite_master", err) != EP_OK) {
        ep_error_prefix(err, "%s is not an epintel database: ", path);
        ep_store_close(s);
        return EP_EDB;
    }
    *out = s;
    return EP_OK;
}

void ep_store_close(struct ep_store *s)
{
    if (!s)
        return;
    for (int i = 0; i < EP_READ_AHEAD_FILES; i++) {
        ra_stop(&s->ra[i]); /* joins, and stops its parse before its content goes */
        free(s->ra[i].path);
        content_free(&s->ra[i].buf);
    }
    hints_free(s);
    if (s->db)
        sqlite3_close(s->db);
    content_free(&s->file);
    free(s->path);
    free(s);
}

sqlite3 *ep_store_db(struct ep_store *s)
{
    return s->db;
}

void ep_store_close_side(sqlite3 *db)
{
    sqlite3_close(db);
}

int ep_store_open_side(struct ep_store *s, sqlite3 **out, struct ep_error *err)
{
    *out = NULL;
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(s->path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        int rc = ep_error_set(err, EP_EDB, "%s: second connection: %s", s->path,
                              db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return rc;
    }
    sqlite3_busy_timeout(db, 10000);
    if (ep_posblob_register(db) != SQLITE_OK) {
        int rc =
            ep_error_set(err, EP_EDB, "%s: second connection: %s", s->path, sqlite3_errmsg(db));
        sqlite3_close(db);
        return rc;
    }
    *out = db;
    return 0;
}

const char *ep_store_sqlite_version(void)
{
    return sqlite3_libversion();
}

const char *ep_store_path(const struct ep_store *s)
{
    return s->path;
}

int ep_store_default_path(char *buf, size_t size, struct ep_error *err)
{
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    int n;
    if (xdg && *xdg == '/')
        n = snprintf(buf, size, "%s/epintel/epintel.db", xdg);
    else if (home && *home)
        n = snprintf(buf, size, "%s/.cache/epintel/epintel.db", home);
    else
        return ep_error_set(err, EP_EINVAL,
                            "neither XDG_CACHE_HOME nor HOME is set; pass --db PATH");
    if (n < 0 || (size_t)n >= size)
        return ep_error_set(err, EP_ELIMIT, "database path too long; pass --db PATH");
    return EP_OK;
}

static int dir_has_manifest(const char *dir)
{
    char p[2 * PATH_MAX + 64];
    snprintf(p, sizeof p, "%s/MANIFEST", dir);
    return access(p, R_OK) == 0;
}

const char *ep_store_fixtures_dir(char *buf, size_t size)
{
    const char *env = getenv("EPINTEL_FIXTURES");
    if (env && *env)
        return env;
#ifndef EP_NO_SOURCE_TREE /* a development build: the source tree first */
    if (dir_has_manifest(EP_SOURCE_FIXTURES))
        return EP_SOURCE_FIXTURES;
#endif
#ifdef EP_DATADIR /* the install prefix's share/epintel/fixtures (cmake/Install.cmake) */
    if (dir_has_manifest(EP_DATADIR))
        return EP_DATADIR;
#endif
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            int w = snprintf(buf, size, "%s/../share/epintel/fixtures", exe);
            if (w > 0 && (size_t)w < size && dir_has_manifest(buf))
                return buf;
        }
    }
#ifdef EP_NO_SOURCE_TREE
    return EP_DATADIR;
#else
    return EP_SOURCE_FIXTURES;
#endif
}

/* ---- ingest ------------------------------------------------------------------------------ */

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

static void bind_int_opt(sqlite3_stmt *st, int i, long long v)
{
    if (v < 0)
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_int64(st, i, v);
}

static int step_done(struct ingest *in, sqlite3_stmt *st, struct ep_error *err, const char *what)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE)
        return db_error(in->s->db, err, what);
    in->records++;
    return EP_OK;
}

static int cb_member(void *ctx, const struct ep_member *m, struct ep_error *err)
{
    struct ingest *in = ctx;
    sqlite3_stmt *st = in->st[ST_MEMBER];
    sqlite3_bind_int64(st, 1, m->id);
    bind_text(st, 2, m->first_name);
    bind_text(st, 3, m->last_name);
    bind_text(st, 4, m->country);
    bind_text(st, 5, m->date_of_birth);
    bind_text(st, 6, m->email);
    bind_text(st, 7, m->facebook);
    bind_text(st, 8, m->twitter);
    sqlite3_bind_int64(st, 9, in->unit_id);
    return step_done(in, st, err, "storing a member");
}

static int cb_group(void *ctx, const struct ep_group *g, struct ep_error *err)
{
    struct ingest *in = ctx;
    sqlite3_stmt *st = in->st[ST_GROUP];
    bind_text(st, 1, g->code);
    bind_text(st, 2, g->official_label);
    bind_text(st, 3, g->label);
    bind_text(st, 4, g->short_label);
    sqlite3_bind_int64(st, 5, in->unit_id);
    return step_done(in, st, err, "storing a group");
}

static int cb_membership(void *ctx, const struct ep_membership *m, struct ep_error *err)
{
    struct ingest *in = ctx;
    sqlite3_stmt *st = in->st[ST_MEMBERSHIP];
    sqlite3_bind_int64(st, 1, m->member_id);
    bind_text(st, 2, m->group_code);
    bind_int_opt(st, 3, m->term);
    bind_text(st, 4, m->start_date);
    bind_text(st, 5, m->end_date);
    sqlite3_bind_int64(st, 6, in->unit_id);
    return step_done(in, st, err, "storing a group membership");
}

static int cb_country(void *ctx, const struct ep_country *c, struct ep_error *err)
{
    struct ingest *in = ctx;
    sqlite3_stmt *st = in->st[ST_COUNTRY];
    bind_text(st, 1, c->code);
    bind_text(st, 2, c->iso_alpha_2);
    bind_text(st, 3, c->label);
    sqlite3_bind_int64(st, 4, in->unit_id);
    return step_done(in, st, err, "storing a country");
}

static int cb_committee(void *ctx, const struct ep_committee *c, struct ep_error *err)
{
    struct ingest *in = ctx;
    sqlite3_stmt *st = in->st[ST_COMMITTEE];
    bind_text(st, 1, c->code);
    bind_text(st, 2, c->label);
    bind_text(st, 3, c->abbreviation);
    sqlite3_bind_int64(st, 4, in->unit_id);
    return step_done(in, st, err, "storing a committee");
}

/* A committee membership, under the store's committee code when the store knows the committee
 * (ST_COMMITTEE_RESOLVE), else under its raw organization id: kept, so that a later sync of the
 * corporate bodies does not need the MEPs again, and counted by ep_epapi_sync's summary
 * (committee_unknown). */
static int cb_committee_membership(void *ctx, const struct ep_committee_membership *m,
                                   struct ep_error *err)
{
    struct ingest *in = ctx;
    sqlite3_stmt *rs = in->st[ST_COMMITTEE_RESOLVE];
    sqlite3_bind_text(rs, 1, m->committee, -1, SQLITE_STATIC);
    int rc = sqlite3_step(rs);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        sqlite3_reset(rs);
        return db_error(in->s->db, err, "resolving a committee membership's committee");
    }
    sqlite3_stmt *st = in->st[ST_COMMITTEE_MEMBERSHIP];
    sqlite3_bind_int64(st, 1, m->member_id);
    bind_text(st, 2, m->committee);
    if (rc == SQLITE_ROW)
        sqlite3_bind_text(st, 3, (const char *)sqlite3_column_text(rs, 0), -1, SQLITE_TRANSIENT);
    else
        bind_text(st, 3, m->committee);
    sqlite3_reset(rs);
    sqlite3_clear_bindings(rs);
    bind_text(st, 4, m->role);
    bind_text(st, 5, m->classification);
    bind_text(st, 6, m->start_date);
    bind_text(st, 7, m->end_date);
    sqlite3_bind_int64(st, 8, in->unit_id);
    return step_done(in, st, err, "storing a committee membership");
}

static int cb_topic(void *ctx, const struct ep_topic *t, struct ep_error *err)
{
    struct ingest *in = ctx;
    int k = t->kind == EP_TOPIC_SUBJECT ? ST_SUBJECT : t->kind == EP_TOPIC_CONCEPT ? ST_CONCEPT
            : t->kind == EP_TOPIC_GEO                                      ? ST_GEO
                                                                           : -1;
    if (k < 0)
        return ep_error_set(err, EP_EINTERNAL, "topic of unknown kind %d", t->kind);
    sqlite3_stmt *st = in->st[k];
    bind_text(st, 1, t->code);
    bind_text(st, 2, t->label);
    int u = 3;
    if (k == ST_GEO)
        bind_text(st, u++, t->iso_alpha_2);
    sqlite3_bind_int64(st, u, in->unit_id);
    return step_done(in, st, err, "storing a vote topic");
}

/* 1 when the one-parameter look-up st finds a row, 0 when not, <0 on a database error. */
static int has_row(struct ingest *in, sqlite3_stmt *st, int64_t id, const char *code,
                   struct ep_error *err)
{
    if (code)
        sqlite3_bind_text(st, 1, code, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    return db_error(in->s->db, err, "looking up a vote topic's vote or code");
}

/* A vote's topic: the vote and the code must be stored already (the export's own tables come
 * first in ingest order), so that no link points nowhere. */
static int cb_topic_vote(void *ctx, const struct ep_topic_vote *tv, struct ep_error *err)
{
    static const struct {
        const char *kind, *col, *what, *file;
        int has;
    } k[] = {
        [EP_TOPIC_SUBJECT] = {"subject", "oeil_subject_code", "OEIL subject", "oeil_subjects",
                              ST_HAS_SUBJECT},
        [EP_TOPIC_CONCEPT] = {"concept", "eurovoc_concept_id", "EuroVoc concept",
                              "eurovoc_concepts", ST_HAS_CONCEPT},
        [EP_TOPIC_COMMITTEE] = {"committee", "committee_code", "committee", "committees",
                                ST_HAS_COMMITTEE},
        [EP_TOPIC_GEO] = {"geo", "geo_area_code", "geographic area", "geo_areas", ST_HAS_GEO},
    };
    struct ingest *in = ctx;
    if (tv->kind < EP_TOPIC_SUBJECT || tv->kind > EP_TOPIC_GEO)
        return ep_error_set(err, EP_EINTERNAL, "vote topic of unknown kind %d", tv->kind);
    int rc = tv->vote_id == in->topic_vote_ok
                 ? 1
                 : has_row(in, in->st[ST_HAS_VOTE], tv->vote_id, NULL, err);
    if (rc < 0)
        return rc;
    if (rc)
        in->topic_vote_ok = tv->vote_id;
    if (!rc)
        return ep_error_set(err, EP_EPARSE,
                            "column \"vote_id\": vote %lld is not in the store (ingest the "
                            "export's votes.csv first)",
                            (long long)tv->vote_id);
    rc = has_row(in, in->st[k[tv->kind].has], 0, tv->code, err);
    if (rc < 0)
        return rc;
    if (!rc)
        return ep_error_set(err, EP_EPARSE,
                            "column \"%s\": \"%s\" is not a stored %s (ingest the export's "
                            "%s.csv first)",
                            k[tv->kind].col, tv->code, k[tv->kind].what, k[tv->kind].file);
    sqlite3_stmt *st = in->st[ST_TOPIC_VOTE];
    sqlite3_bind_text(st, 1, k[tv->kind].kind, -1, SQLITE_STATIC);
    bind_text(st, 2, tv->code);
    sqlite3_bind_int64(st, 3, tv->vote_id);
    sqlite3_bind_int64(st, 4, in->unit_id);
    rc = step_done(in, st, err, "storing a vote's topic");
    if (rc || sqlite3_changes(in->s->db) > 0)
        return rc;
    st = in->st[ST_TOPIC_VOTE_UNIT];
    sqlite3_bind_text(st, 1, k[tv->kind].kind, -1, SQLITE_STATIC);
    bind_text(st, 2, tv->code);
    sqlite3_bind_int64(st, 3, tv->vote_id);
    sqlite3_bind_int64(st, 4, in->unit_id);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? EP_OK : db_error(in->s->db, err, "storing a vote's topic");
}

static int cb_sitting(void *ctx, const struct ep_sitting *s, struct ep_error *err)
{
    struct ingest *in = ctx;
    sqlite3_stmt *st = in->st[ST_SITTING];
    bind_text(st, 1, s->date);
    bind_int_opt(st, 2, s->ep_id);
    bind_text(st, 3, s->reference);
    bind_int_opt(st, 4, s->term);
    sqlite3_bind_int64(st, 5, in->unit_id);
    return step_done(in, st, err, "storing a sitting");
}

static int touch(struct ingest *in, int64_t id, struct ep_error *err)
{
    sqlite3_stmt *st = in->st[ST_TOUCH];
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? EP_OK : db_error(in->s->db, err, "indexing a vote");
}

static int cb_vote(void *ctx, const struct ep_vote *v, struct ep_error *err)
{
    struct ingest *in = ctx;
    int rc = flush_positions(in, err);
    if (rc)
        return rc;
    int rcv = in->is_xml;
    sqlite3_stmt *st = in->st[rcv ? ST_VOTE_RCV : ST_VOTE_HTV];
    sqlite3_bind_int64(st, 1, v->id);
    bind_text(st, 2, v->timestamp);
    bind_text(st, 3, v->sitting_date);
    if (rcv) {
        bind_text(st, 4, v->description);
        bind_int_opt(st, 5, v->dlv_id);
        bind_int_opt(st, 6, v->count_for);
        bind_int_opt(st, 7, v->count_against);
        bind_int_opt(st, 8, v->count_abstention);
        sqlite3_bind_int64(st, 9, in->unit_id);
    } else {
        bind_text(st, 4, v->title);
        bind_text(st, 5, v->description);
        bind_text(st, 6, v->reference);
        bind_text(st, 7, v->procedure_reference);
        bind_text(st, 8, v->procedure_title);
        bind_text(st, 9, v->procedure_type);
        bind_text(st, 10, v->procedure_stage);
        bind_text(st, 11, v->result);
        bind_int_opt(st, 12, v->is_main);
        bind_int_opt(st, 13, v->count_for);
        bind_int_opt(st, 14, v->count_against);
        bind_int_opt(st, 15, v->count_abstention);
        bind_int_opt(st, 16, v->count_did_not_vote);
        sqlite3_bind_int64(st, 17, in->unit_id);
    }
    rc = step_done(in, st, err, "storing a vote");
    return rc ? rc : touch(in, v->id, err);
}

/* Find or create the per-unit state of a vote; the first time, decide whether this unit writes
 * its positions or compares them with another unit's. */
static size_t seen_hash(int64_t member, size_t slots);

static int vote_state(struct ingest *in, int64_t id, struct vote_state **out, struct ep_error *err)
{
    if (in->nvotes && in->votes[in->nvotes - 1].id == id) {
        *out = &in->votes[in->nvotes - 1];
        return EP_OK;
    }
    /* the votes seen so far, by id (open addressing, slot = index + 1, 0 = empty): a scan of
     * them for every new vote made a 22,000-vote member_votes.csv quadratic */
    if (2 * (in->nvotes + 1) > in->avidx) {
        size_t n = in->avidx ? 2 * in->avidx : 1024;
        size_t *t = calloc(n, sizeof *t);
        if (!t) {
            return ep_error_set(err, EP_ENOMEM, "out of memory");
        }
        for (size_t i = 0; i < in->nvotes; i++) {
            size_t h = seen_hash(in->votes[i].id, n);
            while (t[h])
                h = (h + 1) & (n - 1);
            t[h] = i + 1;
        }
        free(in->vidx);
        in->vidx = t;
        in->avidx = n;
    }
    size_t slot = seen_hash(id, in->avidx);
    for (; in->vidx[slot]; slot = (slot + 1) & (in->avidx - 1))
        if (in->votes[in->vidx[slot] - 1].id == id) {
            *out = &in->votes[in->vidx[slot] - 1];
            return EP_OK;
        }
    if (in->nvotes == in->avotes) {
        size_t n = in->avotes ? in->avotes * 2 : 64;
        struct vote_state *p = realloc(in->votes, n * sizeof *p);
        if (!p) {
            return ep_error_set(err, EP_ENOMEM, "out of memory");
        }
        in->votes = p;
        in->avotes = n;
    }
    struct vote_state *vs = &in->votes[in->nvotes];
    memset(vs, 0, sizeof *vs);
    vs->id = id;
    sqlite3_stmt *st = in->st[ST_VOTE_GET];
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        if (rc == SQLITE_DONE) {
            ep_error_set(err, EP_ECONFLICT,
                         "vote %lld is not in the store; ingest the votes table "
                         "(votes.csv) or the roll-call XML of its sitting first",
                         (long long)id);
            return EP_ECONFLICT;
        }
        return db_error(in->s->db, err, "looking up a vote");
    }
    if (sqlite3_column_type(st, 0) != SQLITE_NULL && sqlite3_column_int64(st, 0) != in->unit_id) {
        vs->compare = 1;
        vs->other_path = ep_strdup0((const char *)sqlite3_column_text(st, 1));
        const void *data = sqlite3_column_blob(st, 2);
        size_t len = (size_t)sqlite3_column_bytes(st, 2);
        if (data && len) {
            in->nvotes++; /* from here on, ingest_free frees what vs owns */
            /* one block: the view, then the copy of the blob it views */
            struct ep_posblob *view = malloc(sizeof *view + len);
            if (view)
                memcpy(view + 1, data, len);
            sqlite3_reset(st);
            if (!view) {
                return ep_error_set(err, EP_ENOMEM, "out of memory");
            }
            vs->view = view;
            if (ep_posblob_view(view + 1, len, view) != 0) {
                ep_error_set(err, EP_ECONFLICT, "the stored positions of vote %lld are corrupt",
                             (long long)id);
                return EP_ECONFLICT;
            }
            in->nvotes--;
        }
        vs->stored_cast = 0; /* cast rows only: the row may hold explicit DID_NOT_VOTE too */
        for (size_t k = 0; vs->view && k < vs->view->n; k++)
            vs->stored_cast += ep_posblob_pos(vs->view, k) != EP_POS_DID_NOT_VOTE;
    }
    sqlite3_reset(st);
    if (!vs->compare) {
        st = in->st[ST_VOTE_SETPOS];
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, in->unit_id);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            return db_error(in->s->db, err, "marking a vote");
    }
    in->vidx[slot] = in->nvotes + 1;
    in->nvotes++;
    *out = vs;
    return EP_OK;
}

/* Fault injection for the crash-safety test: EPINTEL_FAULT_KILL_AFTER=N kills the process
 * with SIGKILL after N records of a unit (mid-transaction). */
static void fault_point(const struct ingest *in)
{
    if (in->kill_after >= 0 && in->records >= in->kill_after)
        raise(SIGKILL);
}

/* Fault injection for the crash-safety tests of whole files (the first fill of the store):
 * EPINTEL_FAULT_KILL_AFTER_UNITS=K kills the process with SIGKILL right after the K-th unit
 * this process commits. */
static void fault_after_units(struct ep_store *s)
{
    const char *k = getenv("EPINTEL_FAULT_KILL_AFTER_UNITS");
    if (!k || !*k)
        return;
    char *end;
    long n = strtol(k, &end, 10);
    if (*end == '\0' && n > 0 && ++s->fault_committed >= n)
        raise(SIGKILL);
}

static int cmp_pend(const void *a, const void *b)
{
    const struct pend_pos *x = a, *y = b;
    return x->member_id < y->member_id ? -1 : x->member_id > y->member_id;
}

/* The vote's positions came in two runs (another vote between them): merge the stored run
 * with the new one (in in->blob) and store the union. */
static int merge_positions(struct ingest *in, struct ep_error *err)
{
    sqlite3_stmt *st = in->st[ST_POS_LOAD];
    sqlite3_bind_int64(st, 1, in->pend_vote);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_reset(st);
        return db_error(in->s->db, err, "storing positions");
    }
    size_t olen = (size_t)sqlite3_column_bytes(st, 0);
    void *old = malloc(olen ? olen : 1);
    if (old && olen)
        memcpy(old, sqlite3_column_blob(st, 0), olen);
    sqlite3_reset(st);
    void *add = old ? malloc(in->blob.len) : NULL;
    if (!add) {
        free(old);
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    memcpy(add, in->blob.data, in->blob.len);
    struct ep_posblob a = {0}, b = {0};
    int rc = EP_OK;
    if (ep_posblob_view(old, olen, &a) || ep_posblob_view(add, in->blob.len, &b))
        rc = ep_error_set(err, EP_ECONFLICT, "the stored positions of vote %lld are corrupt",
                          (long long)in->pend_vote);
    ep_posblob_builder_reset(&in->pb);
    size_t i = 0, k = 0;
    while (!rc && (i < a.n || k < b.n)) {
        int take_a = k == b.n || (i < a.n && ep_posblob_member(&a, i) < ep_posblob_member(&b, k));
        if (i < a.n && k < b.n && ep_posblob_member(&a, i) == ep_posblob_member(&b, k)) {
            rc = ep_error_set(err, EP_ECONFLICT, "member %lld has two positions on vote %lld",
                              (long long)ep_posblob_member(&b, k), (long long)in->pend_vote);
            break;
        }
        const struct ep_posblob *v = take_a ? &a : &b;
        size_t e = take_a ? i++ : k++;
        int g = ep_posblob_group(v, e);
        int none = g == EP_POSBLOB_NO_GROUP;
        if (ep_posblob_add_n(&in->pb, ep_posblob_member(v, e), ep_posblob_pos(v, e),
                             none ? NULL : v->group[g], none ? 0 : v->group_len[g]))
            rc = ep_error_set(err, EP_ELIMIT,
                              "vote %lld: more than %d distinct group labels in one vote",
                              (long long)in->pend_vote, EP_POSBLOB_MAX_GROUPS);
    }
    if (!rc && ep_posblob_finish(&in->pb, &in->blob))
        rc = ep_error_set(err, EP_ENOMEM, "out of memory");
    if (!rc) {
        st = in->st[ST_POS_SET];
        sqlite3_bind_int64(st, 1, in->pend_vote);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)in->pb.n);
        sqlite3_bind_blob(st, 3, in->blob.data, (int)in->blob.len, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = db_error(in->s->db, err, "storing positions");
        sqlite3_reset(st);
    }
    free(old);
    free(add);
    return rc;
}

/* Write the pending positions of one vote: sorted by member and packed into one vote_positions
 * row. */
static int flush_positions(struct ingest *in, struct ep_error *err)
{
    if (!in->npend)
        return EP_OK;
    size_t n = in->npend;
    in->npend = 0;
    in->seen_gen++;                /* empties the set */
    for (size_t k = 1; k < n; k++) /* the XML adapter emits them sorted already */
        if (in->pend[k - 1].member_id > in->pend[k].member_id) {
            qsort(in->pend, n, sizeof *in->pend, cmp_pend);
            break;
        }
    ep_posblob_builder_reset(&in->pb);
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        const struct pend_pos *p = &in->pend[i];
        rc = ep_posblob_add(&in->pb, p->member_id, p->pos,
                            p->group_off == SIZE_MAX ? NULL : in->pend_strs.data + p->group_off);
    }
    ep_buf_reset(&in->pend_strs);
    if (!rc)
        rc = ep_posblob_finish(&in->pb, &in->blob);
    if (rc == EP_ELIMIT)
        return ep_error_set(err, EP_ELIMIT,
                            "vote %lld: more than %d distinct group labels, or a group label "
                            "longer than 65535 bytes",
                            (long long)in->pend_vote, EP_POSBLOB_MAX_GROUPS);
    if (rc)
        return ep_error_set(err, rc == EP_ENOMEM ? EP_ENOMEM : EP_EINTERNAL,
                            "packing the positions of vote %lld: %s", (long long)in->pend_vote,
                            ep_strerror(rc));
    sqlite3_stmt *st = in->st[ST_POS_PUT];
    sqlite3_bind_int64(st, 1, in->pend_vote);
    sqlite3_bind_int64(st, 2, in->unit_id);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)n);
    sqlite3_bind_blob(st, 4, in->blob.data, (int)in->blob.len, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        if (sqlite3_extended_errcode(in->s->db) == SQLITE_CONSTRAINT_FOREIGNKEY)
            return ep_error_set(err, EP_EINTERNAL,
                                "positions of vote %lld without its vote row (a bug in the "
                                "adapter): FOREIGN KEY constraint failed",
                                (long long)in->pend_vote);
        return db_error(in->s->db, err, "storing positions");
    }
    return sqlite3_changes(in->s->db) ? EP_OK : merge_positions(in, err);
}

static size_t seen_hash(int64_t member, size_t slots)
{
    return (size_t)(((uint64_t)member * 0x9E3779B97F4A7C15u) >> 32) & (slots - 1);
}

/* Add member to the set of the pending vote's members; 1 if it was already there. */
static int seen_add(struct ingest *in, int64_t member, struct ep_error *err)
{
    if (2 * (in->npend + 1) > in->aseen) {
        size_t n = in->aseen ? 2 * in->aseen : 1024;
        struct seen_slot *t = calloc(n, sizeof *t);
        if (!t)
            return ep_error_set(err, EP_ENOMEM, "out of memory");
        in->seen_gen++;
        for (size_t i = 0; i < in->npend; i++) { /* rehash the pending members */
            size_t h = seen_hash(in->pend[i].member_id, n);
            while (t[h].gen == in->seen_gen)
                h = (h + 1) & (n - 1);
            t[h].member_id = in->pend[i].member_id;
            t[h].gen = in->seen_gen;
        }
        free(in->seen);
        in->seen = t;
        in->aseen = n;
    }
    size_t h = seen_hash(member, in->aseen);
    for (; in->seen[h].gen == in->seen_gen; h = (h + 1) & (in->aseen - 1))
        if (in->seen[h].member_id == member)
            return 1;
    in->seen[h].member_id = member;
    in->seen[h].gen = in->seen_gen;
    return 0;
}

/* Offer the name a roll-call file prints for a member to the member table, once per member and
 * unit; a members-table row (members.csv, the EP API) is kept, and replaces this one later. */
static int offer_name(struct ingest *in, int64_t member, const char *name, struct ep_error *err)
{
    if (member <= 0)
        return EP_OK;
    if (2 * (in->nnamed + 1) > in->anamed) {
        size_t n = in->anamed ? 2 * in->anamed : 1024;
        int64_t *t = calloc(n, sizeof *t);
        if (!t)
            return ep_error_set(err, EP_ENOMEM, "out of memory");
        for (size_t i = 0; i < in->anamed; i++)
            if (in->named[i]) {
                size_t h = seen_hash(in->named[i], n);
                while (t[h])
                    h = (h + 1) & (n - 1);
                t[h] = in->named[i];
            }
        free(in->named);
        in->named = t;
        in->anamed = n;
    }
    size_t h = seen_hash(member, in->anamed);
    for (; in->named[h]; h = (h + 1) & (in->anamed - 1))
        if (in->named[h] == member)
            return EP_OK;
    in->named[h] = member;
    in->nnamed++;
    sqlite3_stmt *st = in->st[ST_MEMBER_NAME];
    sqlite3_bind_int64(st, 1, member);
    bind_text(st, 2, name);
    sqlite3_bind_int64(st, 3, in->unit_id);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? EP_OK : db_error(in->s->db, err, "storing a member's name");
}

static int cb_position(void *ctx, const struct ep_position *p, struct ep_error *err)
{
    struct ingest *in = ctx;
    fault_point(in);
    if (p->name && *p->name) {
        int nrc = offer_name(in, p->member_id, p->name, err);
        if (nrc)
            return nrc;
    }
    struct vote_state *vs = NULL;
    int rc = vote_state(in, p->vote_id, &vs, err);
    if (rc)
        return rc;
    if (p->pos < EP_POS_FOR || p->pos > EP_POS_DID_NOT_VOTE)
        return ep_error_set(err, EP_EPARSE, "invalid position %d", p->pos);
    /* An explicit DID_NOT_VOTE (HowTheyVote's member_votes.csv) is stored with the cast
     * positions; where a source lists none, member_vote and the vote matrix derive it from the
     * memberships. */
    int dnv = p->pos == EP_POS_DID_NOT_VOTE;
    vs->seen_cast += !dnv;
    if (vs->compare) {
        size_t k = vs->view ? ep_posblob_find(vs->view, p->member_id) : SIZE_MAX;
        int stored = k == SIZE_MAX ? 0 : ep_posblob_pos(vs->view, k);
        if (dnv && stored == 0) {
            /* the other source did not list who did not vote: add this one to its row (the
             * pending run is merged into the stored row by flush_positions) */
            goto pend;
        }
        if (stored != p->pos)
            return ep_error_set(err, EP_ECONFLICT,
                                "vote %lld is already stored from %s with different content: "
                                "member %lld is %s there and %s here",
                                (long long)p->vote_id, vs->other_path ? vs->other_path : "?",
                                (long long)p->member_id, ep_pos_name(stored), ep_pos_name(p->pos));
        in->records++;
        return EP_OK;
    }
pend:
    if (p->vote_id != in->pend_vote) {
        rc = flush_positions(in, err);
        if (rc)
            return rc;
        in->pend_vote = p->vote_id;
    }
    rc = seen_add(in, p->member_id, err);
    if (rc < 0)
        return rc;
    if (rc)
        return ep_error_set(err, EP_ECONFLICT, "member %lld has two positions on vote %lld",
                            (long long)p->member_id, (long long)p->vote_id);
    if (in->npend == in->apend) {
        size_t n = in->apend ? 2 * in->apend : 1024;
        struct pend_pos *q = realloc(in->pend, n * sizeof *q);
        if (!q)
            return ep_error_set(err, EP_ENOMEM, "out of memory");
        in->pend = q;
        in->apend = n;
    }
    struct pend_pos *q = &in->pend[in->npend];
    q->member_id = p->member_id;
    q->pos = p->pos;
    q->group_off = SIZE_MAX;
    if (p->group_code) {
        q->group_off = in->pend_strs.len;
        if (ep_buf_append(&in->pend_strs, p->group_code, strlen(p->group_code) + 1))
            return ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    in->npend++;
    in->records++;
    return EP_OK;
}

static int cb_vote_title(void *ctx, int64_t dlv_id, const char *title, struct ep_error *err)
{
    struct ingest *in = ctx;
    int rc = flush_positions(in, err);
    if (rc)
        return rc;
    sqlite3_stmt *st = in->st[ST_TITLE];
    sqlite3_bind_int64(st, 1, dlv_id);
    bind_text(st, 2, title);
    sqlite3_bind_int64(st, 3, in->unit_id);
    return step_done(in, st, err, "storing a vote title");
}

static void cb_warn(void *ctx, const char *unit, long line, const char *msg)
{
    struct ingest *in = ctx;
    in->warnings++;
    if (in->strict && !in->strict_failed) {
        in->strict_failed = 1;
        if (line > 0)
            ep_error_set(in->warn_err, EP_EPARSE, "%s:%ld: %s (rejected: --strict)", unit, line,
                         msg);
        else
            ep_error_set(in->warn_err, EP_EPARSE, "%s: %s (rejected: --strict)", unit, msg);
    }
    if (in->warn)
        in->warn(in->warn_ctx, unit, line, msg);
}

/* After all records: compared votes must have the same number of cast rows. */
static int check_compared(struct ingest *in, struct ep_error *err)
{
    for (size_t i = 0; i < in->nvotes; i++) {
        struct vote_state *vs = &in->votes[i];
        if (vs->compare && vs->seen_cast != vs->stored_cast)
            return ep_error_set(err, EP_ECONFLICT,
                                "vote %lld is already stored from %s with different content: "
                                "%ld cast votes there, %ld here",
                                (long long)vs->id, vs->other_path ? vs->other_path : "?",
                                vs->stored_cast, vs->seen_cast);
    }
    return EP_OK;
}

static const char reindex_sql[] =
    "DELETE FROM search WHERE rowid IN (SELECT id FROM temp.touched);"
    "INSERT INTO search(rowid, kind, ref, title, body, extra)"
    " SELECT id, 'vote', id, COALESCE(title, rcv_title, ''),"
    "  TRIM(COALESCE(description, '') || ' ' || COALESCE(rcv_description, '') || ' ' ||"
    "       COALESCE(rcv_title, '')),"
    "  TRIM(COALESCE(procedure_title, '') || ' ' || COALESCE(reference, '') || ' ' ||"
    "       COALESCE(procedure_reference, ''))"
    " FROM vote WHERE id IN (SELECT id FROM temp.touched);"
    "DELETE FROM temp.touched;";

static void sha256_hex(const void *data, size_t n, char out[65])
{
    unsigned char md[32];
    unsigned int len = 0;
    EVP_Digest(data, n, md, &len, EVP_sha256(), NULL);
    for (unsigned i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void now_iso(char out[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const char *kind_name(int is_xml, int table)
{
    if (is_xml)
        return "rcv-xml";
    switch (table) {
    case EP_HTV_MEMBERS: return "htv-members";
    case EP_HTV_GROUPS: return "htv-groups";
    case EP_HTV_MEMBERSHIPS: return "htv-group-memberships";
    case EP_HTV_COUNTRIES: return "htv-countries";
    case EP_HTV_COMMITTEES: return "htv-committees";
    case EP_HTV_VOTES: return "htv-votes";
    case EP_HTV_MEMBER_VOTES: return "htv-member-votes";
    case EP_HTV_OEIL_SUBJECTS: return "htv-oeil-subjects";
    case EP_HTV_OEIL_SUBJECT_VOTES: return "htv-oeil-subject-votes";
    case EP_HTV_EUROVOC_CONCEPTS: return "htv-eurovoc-concepts";
    case EP_HTV_EUROVOC_CONCEPT_VOTES: return "htv-eurovoc-concept-votes";
    case EP_HTV_COMMITTEE_VOTES: return "htv-responsible-committee-votes";
    case EP_HTV_GEO_AREAS: return "htv-geo-areas";
    case EP_HTV_GEO_AREA_VOTES: return "htv-geo-area-votes";
    default: return "unknown";
    }
}

static void ingest_free(struct ingest *in)
{
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(in->st[i]);
    for (size_t i = 0; i < in->nvotes; i++) {
        free(in->votes[i].other_path);
        free(in->votes[i].view);
    }
    free(in->votes);
    free(in->vidx);
    free(in->pend);
    free(in->seen);
    free(in->named);
    ep_buf_free(&in->pend_strs);
    ep_posblob_builder_free(&in->pb);
    ep_buf_free(&in->blob);
}

/* What one unit parses: a file buffer (XML or CSV) or a generator. */
struct unit_source {
    const char *name; /* path, or a generator's name */
    const char *data; /* file content, or NULL for a generator */
    size_t len;
    int is_xml;
    struct ep_rcv_ahead **ahead; /* XML: the parse already running (taken), or NULL */
    const char *gen_kind;        /* kind recorded for a generator */
    int (*gen)(void *gctx, const struct ep_sink *sink, struct ep_error *err);
    void *gctx;
};

static int unit_exists(struct ep_store *s, const char *sha, struct ep_ingest_report *rep,
                       struct ep_error *err)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT kind FROM unit WHERE sha256 = ?1", -1, &q, NULL) !=
        SQLITE_OK)
        return db_error(s->db, err, "looking up the unit");
    sqlite3_bind_text(q, 1, sha, -1, SQLITE_STATIC);
    int found = sqlite3_step(q) == SQLITE_ROW;
    if (found) {
        snprintf(s->skipped_kind, sizeof s->skipped_kind, "%s",
                 (const char *)sqlite3_column_text(q, 0));
        rep->kind = s->skipped_kind;
        rep->skipped = 1;
    }
    sqlite3_finalize(q);
    return found;
}

static int ingest_unit(struct ep_store *s, const struct unit_source *src, const char *sha,
                       int strict, ep_ingest_warn_fn warn, void *warn_ctx,
                       struct ep_ingest_report *rep, struct ep_error *err)
{
    struct ingest in;
    memset(&in, 0, sizeof in);
    in.s = s;
    in.unit = src->name;
    in.strict = strict;
    in.is_xml = src->is_xml;
    const char *fault = getenv("EPINTEL_FAULT_KILL_AFTER");
    in.kill_after = -1;
    if (fault && *fault) { /* a non-negative whole number; anything else leaves it off */
        char *end;
        errno = 0;
        long n = strtol(fault, &end, 10);
        if (errno == 0 && *end == '\0' && n >= 0)
            in.kill_after = n;
    }
    in.warn = warn;
    in.warn_ctx = warn_ctx;
    in.warn_err = err;
    ep_posblob_builder_init(&in.pb);
    ep_buf_init(&in.blob, 0);
    int rc = exec(s->db,
                  "CREATE TEMP TABLE IF NOT EXISTS touched(id INTEGER PRIMARY KEY);"
                  "DELETE FROM temp.touched; BEGIN IMMEDIATE",
                  err);
    if (rc) {
        ingest_free(&in);
        return rc;
    }
    for (int i = 0; i < ST_COUNT && !rc; i++)
        if (sqlite3_prepare_v3(s->db, ingest_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &in.st[i],
                               NULL) != SQLITE_OK)
            rc = db_error(s->db, err, "preparing the ingest");
    char at[32];
    now_iso(at);
    if (!rc) {
        sqlite3_stmt *ins;
        if (sqlite3_prepare_v2(s->db,
                               "INSERT INTO unit(path, kind, sha256, bytes, ingested_at)"
                               " VALUES(?1, ?2, ?3, ?4, ?5)",
                               -1, &ins, NULL) != SQLITE_OK) {
            rc = db_error(s->db, err, "registering the unit");
        } else {
            sqlite3_bind_text(ins, 1, src->name, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 2,
                              src->gen      ? src->gen_kind
                              : src->is_xml ? "rcv-xml"
                                            : "csv",
                              -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 3, sha, -1, SQLITE_STATIC);
            sqlite3_bind_int64(ins, 4, (sqlite3_int64)src->len);
            sqlite3_bind_text(ins, 5, at, -1, SQLITE_STATIC);
            if (sqlite3_step(ins) != SQLITE_DONE)
                rc = db_error(s->db, err, "registering the unit");
            sqlite3_finalize(ins);
            in.unit_id = sqlite3_last_insert_rowid(s->db);
        }
    }
    struct ep_sink sink = {
        .ctx = &in,
        .member = cb_member,
        .group = cb_group,
        .membership = cb_membership,
        .country = cb_country,
        .committee = cb_committee,
        .sitting = cb_sitting,
        .vote = cb_vote,
        .position = cb_position,
        .vote_title = cb_vote_title,
        .warn = cb_warn,
        .topic = cb_topic,
        .topic_vote = cb_topic_vote,
        .committee_membership = cb_committee_membership,
        /* names are kept: an MEP missing from the members table is named as printed
         * (offer_name) */
        .no_names = 0,
    };
    int table = EP_HTV_UNKNOWN;
    if (!rc) {
        if (src->gen) {
            rc = src->gen(src->gctx, &sink, err);
        } else if (src->is_xml && src->ahead && *src->ahead) {
            struct ep_rcv_ahead *a = *src->ahead;
            *src->ahead = NULL;
            rc = ep_rcv_ahead_deliver(a, &sink, NULL, err);
        } else if (src->is_xml) {
            rc = ep_rcv_parse_buffer_pipelined(src->data, src->len, src->name, &sink, NULL, err);
        } else {
            long nrec = 0;
            rc = ep_htv_parse_buffer(src->data, src->len, src->name, &sink, &table, &nrec, err);
        }
    }
    rep->kind = src->gen ? src->gen_kind : kind_name(src->is_xml, table);
    if (!rc)
        rc = flush_positions(&in, err);
    if (!rc && in.strict_failed)
        rc = err ? err->code : EP_EPARSE;
    if (!rc)
        rc = check_compared(&in, err);
    if (!rc)
        rc = exec(s->db, reindex_sql, err);
    if (!rc) {
        sqlite3_stmt *up;
        if (sqlite3_prepare_v2(s->db,
                               "UPDATE unit SET kind = ?2, records = ?3, warnings = ?4"
                               " WHERE id = ?1",
                               -1, &up, NULL) != SQLITE_OK) {
            rc = db_error(s->db, err, "finishing the unit");
        } else {
            sqlite3_bind_int64(up, 1, in.unit_id);
            sqlite3_bind_text(up, 2, rep->kind, -1, SQLITE_STATIC);
            sqlite3_bind_int64(up, 3, in.records);
            sqlite3_bind_int64(up, 4, in.warnings);
            if (sqlite3_step(up) != SQLITE_DONE)
                rc = db_error(s->db, err, "finishing the unit");
            sqlite3_finalize(up);
        }
    }
    ingest_free(&in);
    if (!rc)
        rc = exec(s->db, "COMMIT", err);
    if (!rc)
        fault_after_units(s);
    if (rc) {
        exec(s->db, "ROLLBACK", NULL);
        exec(s->db, "DELETE FROM temp.touched", NULL);
    }
    rep->records = in.records;
    rep->warnings = in.warnings;
    return rc;
}

/* Drop the content; a read buffer is kept for the next file unless it is large. */
static void release(struct content *c)
{
    if (c->map)
        munmap(c->map, c->map_len);
    c->map = NULL;
    c->map_len = 0;
    if (c->buf.alloc > EP_INGEST_KEEP_BYTES)
        ep_buf_free(&c->buf);
    else
        ep_buf_reset(&c->buf);
    c->data = NULL;
    c->len = 0;
}

static void content_free(struct content *c)
{
    release(c);
    ep_buf_free(&c->buf);
}

/* Map path if it is a plain (not gzip) regular file, else read it into c->buf. Content over
 * cap bytes is refused with EP_ELIMIT: a plain file by its size, before anything is read; a
 * gzip file as soon as its decompressed content passes cap (ep_read_file's bounded stream). */
static int content_load(struct content *c, const char *path, size_t cap, struct ep_error *err)
{
    release(c);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        struct stat sb;
        unsigned char magic[2] = {0, 0};
        if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0 &&
            pread(fd, magic, 2, 0) == 2 && !(magic[0] == 0x1f && magic[1] == 0x8b)) {
            if ((uint64_t)sb.st_size > cap) {
                close(fd);
                return ep_error_set(err, EP_ELIMIT, "%s: larger than the limit of %zu bytes", path,
                                    cap);
            }
            void *m = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
            if (m != MAP_FAILED) {
                c->map = m;
                c->map_len = (size_t)sb.st_size;
                c->data = m;
                c->len = c->map_len;
                close(fd);
                return EP_OK;
            }
        }
        close(fd);
    }
    /* gzip, not a regular file, or no mapping: read (this also reports open errors) */
    int rc = ep_read_file(path, cap, &c->buf, err);
    if (!rc) {
        c->data = c->buf.data;
        c->len = c->buf.len;
    }
    return rc;
}

static void hints_free(struct ep_store *s)
{
    for (int i = 0; i < s->nnext; i++)
        free(s->next[i]);
    s->nnext = 0;
}

void ep_store_read_ahead(struct ep_store *s, const char *const *next, size_t n)
{
    hints_free(s);
    for (size_t i = 0; i < n && i < EP_READ_AHEAD_FILES && next[i]; i++) {
        if (!(s->next[s->nnext] = strdup(next[i])))
            break; /* no memory: fewer files read ahead, nothing else */
        s->nnext++;
    }
}

static void *read_ahead_main(void *arg)
{
    struct read_ahead *ra = arg;
    ra->rc = content_load(&ra->buf, ra->path, EP_READ_AHEAD_MAX_BYTES, &ra->err);
    if (ra->rc == EP_ELIMIT) { /* large: read when its turn comes, not held ahead */
        release(&ra->buf);
        ra->rc = 1;
    }
    if (ra->rc)
        return NULL;
    /* No thread for the parse: parsed when its turn comes, as without read-ahead. */
    if (ep_xml_sniff(ra->buf.data, ra->buf.len))
        ep_rcv_ahead_start(ra->buf.data, ra->buf.len, ra->path, 0 /* names kept: offer_name */,
                           &ra->parse, NULL);
    sha256_hex(ra->buf.data, ra->buf.len, ra->sha);
    return NULL;
}

/* Wait for a read-ahead, stop its parse if it was not taken, drop its content (the buffer is
 * kept for reuse). */
static void ra_stop(struct read_ahead *ra)
{
    if (ra->running)
        pthread_join(ra->tid, NULL);
    ra->running = 0;
    ep_rcv_ahead_cancel(ra->parse);
    ra->parse = NULL;
    release(&ra->buf);
}

static struct read_ahead *ra_at(struct ep_store *s, int i)
{
    return &s->ra[(s->ra_head + i) % EP_READ_AHEAD_FILES];
}

/* Content of path into s->file and its SHA-256: from the first read-ahead when it was for
 * path (with its parse, if one was started, in *parse: the caller delivers or cancels it),
 * else read now, after the hinted files that are not read ahead yet are started. The first
 * read-ahead is used or dropped; those after it are kept if they are the next hints, in
 * order. */
static int load_file(struct ep_store *s, const char *path, char sha[65],
                     struct ep_rcv_ahead **parse, struct ep_error *err)
{
    int rc = 1;
    *parse = NULL;
    if (s->ra_n > 0) {
        struct read_ahead *ra = ra_at(s, 0);
        pthread_join(ra->tid, NULL);
        ra->running = 0;
        if (strcmp(ra->path, path) == 0) {
            struct content t = s->file;
            s->file = ra->buf;
            ra->buf = t;
            *parse = ra->parse;
            ra->parse = NULL;
            memcpy(sha, ra->sha, 65);
            rc = ra->rc;
            if (rc && err)
                *err = ra->err;
        }
        ra_stop(ra);
        s->ra_head = (s->ra_head + 1) % EP_READ_AHEAD_FILES;
        s->ra_n--;
    }
    /* keep the read-aheads that are the next hints, in order; stop the others */
    int keep = 0;
    while (keep < s->ra_n && keep < s->nnext && strcmp(ra_at(s, keep)->path, s->next[keep]) == 0)
        keep++;
    for (int i = keep; i < s->ra_n; i++)
        ra_stop(ra_at(s, i));
    s->ra_n = keep;
    for (int i = keep; i < s->nnext; i++) {
        struct read_ahead *ra = ra_at(s, i);
        free(ra->path);
        ra->path = s->next[i];
        s->next[i] = NULL;
        memset(&ra->err, 0, sizeof ra->err);
        ra->running = pthread_create(&ra->tid, NULL, read_ahead_main, ra) == 0;
        if (!ra->running)
            break; /* no thread: the rest are read when their turn comes */
        s->ra_n++;
    }
    hints_free(s);
    if (rc > 0) { /* not read ahead: now, while the files after it are read on their threads */
        rc = content_load(&s->file, path, EP_INGEST_MAX_BYTES, err);
        if (!rc)
            sha256_hex(s->file.data, s->file.len, sha);
    }
    return rc;
}

int ep_store_ingest_file(struct ep_store *s, const char *path, int strict, ep_ingest_warn_fn warn,
                         void *warn_ctx, struct ep_ingest_report *rep, struct ep_error *err)
{
    struct ep_ingest_report dummy;
    if (!rep)
        rep = &dummy;
    memset(rep, 0, sizeof *rep);
    rep->path = path;
    rep->kind = "unknown";
    char sha[65];
    struct ep_rcv_ahead *parse; /* the file's parse, if its read-ahead started one */
    int rc = load_file(s, path, sha, &parse, err);
    if (!rc) {
        struct content *buf = &s->file;
        rc = unit_exists(s, sha, rep, err);
        if (rc == 0) {
            struct unit_source src = {.name = path,
                                      .data = buf->data,
                                      .len = buf->len,
                                      .is_xml = ep_xml_sniff(buf->data, buf->len),
                                      .ahead = &parse};
            rc = ingest_unit(s, &src, sha, strict, warn, warn_ctx, rep, err);
        } else if (rc > 0) {
            rc = EP_OK;
        }
    }
    ep_rcv_ahead_cancel(parse); /* stored already, or failed before the parse */
    release(&s->file);
    return rc;
}

int ep_store_ingest_generated(struct ep_store *s, const char *name, const char *kind,
                              const char *content_key,
                              int (*gen)(void *gctx, const struct ep_sink *sink,
                                         struct ep_error *err),
                              void *gctx, struct ep_ingest_report *rep, struct ep_error *err)
{
    return ep_store_ingest_stream(s, name, kind, content_key, gen, gctx, 0, NULL, NULL, rep, err);
}

int ep_store_ingest_stream(struct ep_store *s, const char *name, const char *kind,
                           const char *content_key,
                           int (*gen)(void *gctx, const struct ep_sink *sink,
                                      struct ep_error *err),
                           void *gctx, int strict, ep_ingest_warn_fn warn, void *warn_ctx,
                           struct ep_ingest_report *rep, struct ep_error *err)
{
    struct ep_ingest_report dummy;
    if (!rep)
        rep = &dummy;
    memset(rep, 0, sizeof *rep);
    rep->path = name;
    rep->kind = kind;
    char sha[65];
    sha256_hex(content_key, strlen(content_key), sha);
    int rc = unit_exists(s, sha, rep, err);
    if (rc > 0)
        return EP_OK;
    if (rc < 0)
        return rc;
    struct unit_source src = {
        .name = name, .len = strlen(content_key), .gen_kind = kind, .gen = gen, .gctx = gctx};
    return ingest_unit(s, &src, sha, strict, warn, warn_ctx, rep, err);
}

static int meta_get(struct ep_store *s, const char *key, char *out, size_t n)
{
    sqlite3_stmt *q;
    out[0] = '\0';
    if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = ?1", -1, &q, NULL) !=
        SQLITE_OK)
        return -1;
    sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
    int found = sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) == SQLITE_TEXT;
    if (found)
        snprintf(out, n, "%s", (const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    return found;
}

/* 1 if every unit of the store is a file of the bundled dataset in dir (a store filled by an
 * earlier binary, which did not record the fill, possibly interrupted). */
static int only_bundled_units(struct ep_store *s, const char *dir)
{
    sqlite3_stmt *q;
    int only = 0;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT COUNT(*) = 0 FROM unit"
                           " WHERE substr(path, 1, length(?1) + 1) <> ?1 || '/'",
                           -1, &q, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(q, 1, dir, -1, SQLITE_STATIC);
    only = sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    return only;
}

/* 1 if a file the manifest text lists (dir-relative paths, one a line, # comments) is not a
 * stored unit's path, 0 if every one is, -1 on a database error. */
static int manifest_lacking(struct ep_store *s, const char *dir, const char *manifest)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM unit WHERE path = ?1 || '/' || ?2", -1, &q,
                           NULL) != SQLITE_OK)
        return -1;
    int lacking = 0;
    for (const char *p = manifest; *p && !lacking;) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len && *p != '#') {
            sqlite3_bind_text(q, 1, dir, -1, SQLITE_STATIC);
            sqlite3_bind_text(q, 2, p, (int)len, SQLITE_STATIC);
            int rc = sqlite3_step(q);
            if (rc == SQLITE_DONE)
                lacking = 1;
            else if (rc != SQLITE_ROW)
                lacking = -1;
            sqlite3_reset(q);
        }
        p += len + (e != NULL);
    }
    sqlite3_finalize(q);
    return lacking;
}

int ep_store_ensure_default(struct ep_store *s,
                            void (*progress)(void *, const char *path, int i, int n), void *ctx,
                            struct ep_error *err)
{
    /* meta.default_data: "filling" from before the first file of the fill until after the last,
     * then "complete". A fill that was interrupted (kill -9, an error) is resumed on the next
     * start: the files already stored are no-ops, the others are ingested. */
    char state[32];
    if (meta_get(s, EP_META_DEFAULT_DATA, state, sizeof state) < 0)
        return db_error(s->db, err, "checking the store");
    char dirbuf[PATH_MAX + 32];
    const char *dir = ep_store_fixtures_dir(dirbuf, sizeof dirbuf);
    int complete = strcmp(state, "complete") == 0;
    /* a complete fill made of bundled files alone: completed again when the bundle lists files
     * it lacks (a store filled before the vote-topic tables were bundled, migration 9, gets
     * them on its next start); a store with anything else in it is left alone */
    if (complete && !only_bundled_units(s, dir))
        return EP_OK;
    if (!state[0]) {
        sqlite3_stmt *q;
        if (sqlite3_prepare_v2(s->db,
                               "SELECT EXISTS(SELECT 1 FROM vote WHERE pos_unit_id IS NOT NULL)",
                               -1, &q, NULL) != SQLITE_OK)
            return db_error(s->db, err, "checking the store");
        int filled = sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int(q, 0);
        sqlite3_finalize(q);
        /* positions from anything but the bundled files: the user's own store, left alone */
        if (filled && !only_bundled_units(s, dir))
            return EP_OK;
    }
    char mpath[PATH_MAX + 16];
    snprintf(mpath, sizeof mpath, "%s/MANIFEST", dir);
    struct ep_buf man;
    ep_buf_init(&man, 0);
    int rc = ep_read_file(mpath, 1 << 20, &man, err);
    if (rc) {
        ep_buf_free(&man);
        return ep_error_prefix(err, "the bundled dataset is missing (set EPINTEL_FIXTURES): ");
    }
    if (complete) {
        int lacking = manifest_lacking(s, dir, man.data);
        if (lacking <= 0) {
            ep_buf_free(&man);
            return lacking < 0 ? db_error(s->db, err, "checking the store") : EP_OK;
        }
    }
    if (strcmp(state, "filling") != 0)
        rc = ep_store_set_meta(s, EP_META_DEFAULT_DATA, "filling", err);
    int n = 0;
    for (char *p = man.data; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p))
        if (*p && *p != '#' && *p != '\n')
            n++;
    int i = 0;
    char *save = NULL;
    for (char *line = strtok_r(man.data, "\n", &save); line && !rc;
         line = strtok_r(NULL, "\n", &save)) {
        if (!*line || *line == '#')
            continue;
        char fpath[2 * PATH_MAX + 2];
        snprintf(fpath, sizeof fpath, "%s/%s", dir, line);
        struct ep_ingest_report rep;
        rc = ep_store_ingest_file(s, fpath, 0, NULL, NULL, &rep, err);
        i++;
        if (progress)
            progress(ctx, fpath, i, n);
    }
    ep_buf_free(&man);
    if (!rc)
        rc = ep_store_set_meta(s, EP_META_DEFAULT_DATA, "complete", err);
    return rc;
}

int ep_store_dataset_date(struct ep_store *s, char out[11])
{
    out[0] = '\0';
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(s->db, "SELECT MAX(sitting_date) FROM vote", -1, &q, NULL) != SQLITE_OK)
        return EP_EDB;
    if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) == SQLITE_TEXT)
        snprintf(out, 11, "%s", (const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    return EP_OK;
}

int ep_store_set_meta(struct ep_store *s, const char *key, const char *value, struct ep_error *err)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)", -1, &q,
                           NULL) != SQLITE_OK)
        return db_error(s->db, err, "writing meta");
    sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, value, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q) == SQLITE_DONE ? EP_OK : db_error(s->db, err, "writing meta");
    sqlite3_finalize(q);
    return rc;
}
