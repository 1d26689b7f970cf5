/* ep_derived: persisted per-window results. See ep_derived.h. */
#include "ep_derived.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "ep_store_db.h"

#define ENV_MAGIC 0x56445045u /* "EPDV" */

/* The envelope in front of every payload. */
struct env {
    uint32_t magic, format;
    uint64_t length; /* payload bytes */
    uint32_t crc;    /* CRC-32 (zlib) of the payload */
    uint32_t pad;    /* 0 */
};

int ep_derived_content(struct ep_store *s, char *out, size_t n, struct ep_error *err)
{
    sqlite3 *db = ep_store_db(s);
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT (SELECT COUNT(*) FROM unit), id, sha256 FROM unit"
                           " WHERE id = (SELECT MAX(id) FROM unit)",
                           -1, &q, NULL) != SQLITE_OK)
        return ep_error_set(err, EP_EDB, "derived results: reading the units: %s",
                            sqlite3_errmsg(db));
    int st = sqlite3_step(q);
    if (st == SQLITE_ROW) {
        const char *sha = (const char *)sqlite3_column_text(q, 2);
        snprintf(out, n, "%lld|%lld|%s", (long long)sqlite3_column_int64(q, 0),
                 (long long)sqlite3_column_int64(q, 1), sha ? sha : "");
    } else if (st == SQLITE_DONE) {
        snprintf(out, n, "0|0|");
    }
    sqlite3_finalize(q);
    if (st != SQLITE_ROW && st != SQLITE_DONE)
        return ep_error_set(err, EP_EDB, "derived results: reading the units: %s",
                            sqlite3_errmsg(db));
    return EP_OK;
}

void ep_derived_window_key(const struct ep_window *w, char *out, size_t n)
{
    int k = snprintf(out, n, "%s|%s|%d|", w && w->from ? w->from : "", w && w->to ? w->to : "",
                     w ? w->term : 0);
    for (int i = 0; w && w->sittings && w->sittings[i] && k > 0 && (size_t)k < n; i++)
        k += snprintf(out + k, n - (size_t)k, "%s,", w->sittings[i]);
    if (w && w->topic_kind && k > 0 && (size_t)k < n) /* unfiltered keys as before */
        snprintf(out + k, n - (size_t)k, "|topic:%d:%s", w->topic_kind,
                 w->topic_code ? w->topic_code : "");
}

/* A write on the store's connection: inside the caller's transaction (a tool call runs in a
 * read transaction) it is a savepoint of it, else its own immediate transaction. */
static int write_begin(sqlite3 *db, int *nested)
{
    *nested = !sqlite3_get_autocommit(db);
    return sqlite3_exec(db, *nested ? "SAVEPOINT derived_write" : "BEGIN IMMEDIATE", NULL, NULL,
                        NULL) == SQLITE_OK
               ? EP_OK
               : EP_EDB;
}

static int write_end(sqlite3 *db, int nested, int ok)
{
    const char *sql = nested ? (ok ? "RELEASE derived_write"
                                   : "ROLLBACK TO derived_write; RELEASE derived_write")
                             : (ok ? "COMMIT" : "ROLLBACK");
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK && ok ? EP_OK : EP_EDB;
    if (rc && !nested && !sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static int exec_bound(sqlite3 *db, const char *sql, const char *a, const char *b)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
        return EP_EDB;
    if (a)
        sqlite3_bind_text(q, 1, a, -1, SQLITE_STATIC);
    if (b)
        sqlite3_bind_text(q, 2, b, -1, SQLITE_STATIC);
    int st = sqlite3_step(q);
    sqlite3_finalize(q);
    return st == SQLITE_DONE ? EP_OK : EP_EDB;
}

/* Delete a damaged row (best effort). */
static void drop_row(sqlite3 *db, const char *window, const char *kind)
{
    int nested;
    if (write_begin(db, &nested))
        return;
    int ok = exec_bound(db, "DELETE FROM derived WHERE window = ?1 AND kind = ?2", window,
                        kind) == EP_OK;
    write_end(db, nested, ok);
}

/* The payload of an intact envelope, or NULL. */
static const unsigned char *open_env(const unsigned char *b, size_t n, size_t *plen)
{
    struct env e;
    if (!b || n < sizeof e)
        return NULL;
    memcpy(&e, b, sizeof e);
    if (e.magic != ENV_MAGIC || e.format != EP_DERIVED_FORMAT || e.pad != 0 ||
        e.length != n - sizeof e)
        return NULL;
    const unsigned char *p = b + sizeof e;
    if ((uint32_t)crc32_z(0L, p, (size_t)e.length) != e.crc)
        return NULL;
    *plen = (size_t)e.length;
    return p;
}

int ep_derived_load(struct ep_store *s, const char *window, const char *kind,
                    ep_derived_read_fn rd, void *res)
{
    char content[256];
    if (!s || ep_derived_content(s, content, sizeof content, NULL))
        return 0;
    sqlite3 *db = ep_store_db(s);
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db, "SELECT content, data FROM derived WHERE window = ?1 AND kind = ?2",
                           -1, &q, NULL) != SQLITE_OK)
        return 0; /* e.g. a store of an older schema opened read-only */
    sqlite3_bind_text(q, 1, window, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, kind, -1, SQLITE_STATIC);
    int loaded = 0, damaged = 0;
    if (sqlite3_step(q) == SQLITE_ROW) {
        const char *c = (const char *)sqlite3_column_text(q, 0);
        if (c && strcmp(c, content) == 0) {
            const unsigned char *b = sqlite3_column_blob(q, 1);
            size_t n = (size_t)sqlite3_column_bytes(q, 1), plen = 0;
            const unsigned char *p = open_env(b, n, &plen);
            if (p && rd(p, plen, res) == EP_OK)
                loaded = 1;
            else
                damaged = 1;
        }
    }
    sqlite3_finalize(q);
    if (damaged)
        drop_row(db, window, kind);
    return loaded;
}

int ep_derived_save(struct ep_store *s, const char *window, const char *kind,
                    ep_derived_write_fn wr, const void *res)
{
    char content[256];
    if (!s)
        return EP_EINVAL;
    int rc = ep_derived_content(s, content, sizeof content, NULL);
    if (rc)
        return rc;
    struct ep_buf b;
    ep_buf_init(&b, 0);
    struct env e = {ENV_MAGIC, EP_DERIVED_FORMAT, 0, 0, 0};
    rc = ep_buf_append(&b, &e, sizeof e);
    if (!rc)
        rc = wr(res, &b);
    if (rc) {
        ep_buf_free(&b);
        return rc;
    }
    e.length = (uint64_t)(b.len - sizeof e);
    e.crc = (uint32_t)crc32_z(0L, (const unsigned char *)b.data + sizeof e, b.len - sizeof e);
    memcpy(b.data, &e, sizeof e);
    sqlite3 *db = ep_store_db(s);
    int nested;
    if (write_begin(db, &nested)) {
        ep_buf_free(&b);
        return EP_EDB;
    }
    sqlite3_stmt *q = NULL;
    int ok = sqlite3_prepare_v2(db,
                                "INSERT OR REPLACE INTO derived(window, kind, content, bytes, data)"
                                " VALUES(?1, ?2, ?3, ?4, ?5)",
                                -1, &q, NULL) == SQLITE_OK;
    if (ok) {
        sqlite3_bind_text(q, 1, window, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 3, content, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 4, (sqlite3_int64)b.len);
        sqlite3_bind_blob64(q, 5, b.data, b.len, SQLITE_STATIC);
        ok = sqlite3_step(q) == SQLITE_DONE;
    }
    sqlite3_finalize(q);
    if (ok)
        ok = exec_bound(db, "DELETE FROM derived WHERE content <> ?1", content, NULL) == EP_OK;
    char trim[200];
    snprintf(trim, sizeof trim,
             "DELETE FROM derived WHERE window NOT IN (SELECT window FROM derived"
             " GROUP BY window ORDER BY MAX(rowid) DESC LIMIT %d)",
             EP_DERIVED_MAX_WINDOWS);
    if (ok)
        ok = sqlite3_exec(db, trim, NULL, NULL, NULL) == SQLITE_OK;
    ep_buf_free(&b);
    return write_end(db, nested, ok);
}

long long ep_derived_default_cells(struct ep_store *s)
{
    sqlite3_stmt *q = NULL;
    long long cells = -1;
    if (sqlite3_prepare_v2(ep_store_db(s),
                           "SELECT (SELECT COUNT(*) FROM member) * (SELECT COUNT(*) FROM"
                           " vote_positions)",
                           -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        cells = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return cells;
}

int ep_derived_stats(struct ep_store *s, long long *rows, long long *bytes, struct ep_error *err)
{
    sqlite3 *db = ep_store_db(s);
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db, "SELECT COUNT(*), COALESCE(SUM(bytes), 0) FROM derived", -1, &q,
                           NULL) != SQLITE_OK)
        return ep_error_set(err, EP_EDB, "derived results: %s", sqlite3_errmsg(db));
    int st = sqlite3_step(q);
    if (st == SQLITE_ROW) {
        *rows = sqlite3_column_int64(q, 0);
        *bytes = sqlite3_column_int64(q, 1);
    }
    sqlite3_finalize(q);
    return st == SQLITE_ROW ? EP_OK
                            : ep_error_set(err, EP_EDB, "derived results: %s", sqlite3_errmsg(db));
}

/* ---- payload writer / reader ----------------------------------------------------------- */

int ep_blob_put(struct ep_buf *b, const void *p, size_t n)
{
    return n ? ep_buf_append(b, p, n) : EP_OK;
}

int ep_blob_put_i32(struct ep_buf *b, int32_t v)
{
    return ep_buf_append(b, &v, sizeof v);
}

int ep_blob_put_f64(struct ep_buf *b, double v)
{
    return ep_buf_append(b, &v, sizeof v);
}

void ep_blob_reader_init(struct ep_blob_reader *r, const unsigned char *p, size_t n)
{
    r->p = p;
    r->n = p ? n : 0;
    r->off = 0;
    r->bad = 0;
}

int ep_blob_get(struct ep_blob_reader *r, void *out, size_t n)
{
    if (r->bad || n > r->n - r->off) {
        r->bad = 1;
        if (n)
            memset(out, 0, n);
        return EP_EPARSE;
    }
    if (n)
        memcpy(out, r->p + r->off, n);
    r->off += n;
    return EP_OK;
}

int32_t ep_blob_get_i32(struct ep_blob_reader *r)
{
    int32_t v;
    ep_blob_get(r, &v, sizeof v);
    return v;
}

double ep_blob_get_f64(struct ep_blob_reader *r)
{
    double v;
    ep_blob_get(r, &v, sizeof v);
    return v;
}

int ep_blob_get_count(struct ep_blob_reader *r, int max)
{
    int32_t v = ep_blob_get_i32(r);
    if (r->bad || v < 0 || v > max) {
        r->bad = 1;
        return -1;
    }
    return v;
}

int ep_blob_reader_end(const struct ep_blob_reader *r)
{
    return !r->bad && r->off == r->n ? EP_OK : EP_EPARSE;
}
