#include "ep_query_intel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_query.h"
#include "ep_store.h"
#include "ep_store_db.h"
#include "ep_util.h"

int ep_query_unit_counts(struct ep_store *s, long long *units, long long *last,
                         struct ep_error *err)
{
    *units = *last = 0;
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(ep_store_db(s), "SELECT COUNT(*), COALESCE(MAX(id), 0) FROM unit", -1,
                           &q, NULL) != SQLITE_OK)
        return ep_query_db_error(s, err, "reading the store's units");
    if (sqlite3_step(q) == SQLITE_ROW) {
        *units = sqlite3_column_int64(q, 0);
        *last = sqlite3_column_int64(q, 1);
    }
    sqlite3_finalize(q);
    return 0;
}

void ep_query_content_marker(struct ep_store *s, char *out, size_t n)
{
    long long units = 0, last = 0;
    const char *path = "";
    if (s) {
        if (ep_query_unit_counts(s, &units, &last, NULL))
            units = last = -1; /* unreadable: a content of its own */
        path = ep_store_path(s);
    }
    snprintf(out, n, "%.4096s|%lld|%lld", path ? path : "", units, last);
}

int ep_query_member_names(struct ep_store *s, const int64_t *ids, int n, char ***names,
                          char (*country)[8], struct ep_error *err)
{
    /* The names go into one text buffer, then into one block with their pointers: no block per
     * name to own (gcc 12's analyser loses blocks stored in an array in a loop that calls into
     * SQLite, and reported them leaked), and one free for the caller. */
    *names = NULL;
    size_t *off = calloc((size_t)(n > 0 ? n : 1), sizeof *off);
    if (!off)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    struct ep_buf text;
    ep_buf_init(&text, 0);
    struct ep_query *q = NULL; /* the look-up handle's member statement (engine/ep_query.c) */
    int rc = ep_query_open(s, &q, err);
    for (int i = 0; i < n && !rc; i++) {
        char buf[256];
        buf[0] = 0;
        struct ep_query_mep m;
        int st = ep_query_mep(q, ids[i], &m, err);
        if (st < 0) {
            rc = st;
            break;
        }
        if (st == 1) {
            const char *fn = m.first_name, *ln = m.last_name, *cc = m.country_code;
            snprintf(buf, sizeof buf, "%s%s%s", fn ? fn : "", fn && ln ? " " : "", ln ? ln : "");
            snprintf(country[i], sizeof country[i], "%s", cc ? cc : "");
        }
        if (!buf[0])
            snprintf(buf, sizeof buf, "MEP %lld", (long long)ids[i]);
        off[i] = text.len;
        if (ep_buf_append(&text, buf, strlen(buf) + 1))
            rc = ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    ep_query_close(q);
    char **name = rc ? NULL : malloc((size_t)(n > 0 ? n : 1) * sizeof *name + text.len);
    if (name) {
        char *t = (char *)(name + (n > 0 ? n : 1));
        if (text.len)
            memcpy(t, text.data, text.len);
        for (int i = 0; i < n; i++)
            name[i] = t + off[i];
        *names = name;
    } else if (!rc) {
        rc = ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    free(off);
    ep_buf_free(&text);
    return rc;
}

int ep_query_member_name(struct ep_store *s, int64_t id, char *name, size_t n,
                         struct ep_error *err)
{
    /* the look-up handle's statement (engine/ep_query.c), one query of the member table */
    struct ep_query *q;
    int r = ep_query_open(s, &q, err);
    if (r)
        return r;
    struct ep_query_mep m;
    r = ep_query_mep(q, id, &m, err);
    if (r == 1)
        snprintf(name, n, "%s %s", m.first_name ? m.first_name : "",
                 m.last_name ? m.last_name : "");
    ep_query_close(q);
    return r;
}

int ep_query_vote_stored_title(struct ep_store *s, int64_t id, char *out, size_t n, struct ep_error *err)
{
    out[0] = 0;
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(ep_store_db(s), "SELECT title FROM vote WHERE id = ?1", -1, &q, NULL) !=
        SQLITE_OK)
        return ep_query_db_error(s, err, "reading a vote title");
    sqlite3_bind_int64(q, 1, id);
    if (sqlite3_step(q) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(q, 0);
        snprintf(out, n, "%s", t ? t : "");
    }
    sqlite3_finalize(q);
    return 0;
}
