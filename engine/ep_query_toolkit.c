/* ep_query_toolkit: store look-ups of the toolkit tools. See ep_query_toolkit.h. */
#include "ep_query_toolkit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_store.h"
#include "ep_store_db.h"
#include "ep_util.h"

static int db_fail(struct ep_store *s, struct ep_error *err, const char *what)
{
    return ep_error_set(err, EP_EDB, "%s: %s", what, sqlite3_errmsg(ep_store_db(s)));
}

int ep_query_vote_titles(struct ep_store *s, const int64_t *ids, int n, char ***titles,
                         struct ep_error *err)
{
    *titles = NULL;
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(ep_store_db(s),
                           "SELECT COALESCE(NULLIF(title, ''), rcv_title, '') FROM vote WHERE id = ?1",
                           -1, &q, NULL) != SQLITE_OK)
        return db_fail(s, err, "reading vote titles");
    struct ep_buf b;
    ep_buf_init(&b, 0);
    size_t *off = calloc((size_t)(n > 0 ? n : 1), sizeof *off);
    if (!off) {
        sqlite3_finalize(q);
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    int rc = 0;
    for (int k = 0; k < n && !rc; k++) {
        sqlite3_reset(q);
        sqlite3_bind_int64(q, 1, ids[k]);
        int st = sqlite3_step(q);
        const char *t = st == SQLITE_ROW ? (const char *)sqlite3_column_text(q, 0) : NULL;
        if (st != SQLITE_ROW && st != SQLITE_DONE) {
            rc = db_fail(s, err, "reading vote titles");
            break;
        }
        off[k] = b.len;
        if (ep_buf_append(&b, t ? t : "", strlen(t ? t : "") + 1))
            rc = ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    sqlite3_finalize(q);
    size_t head = (size_t)n * sizeof(char *);
    char **out = rc ? NULL : malloc(head + b.len + 1);
    if (!rc && !out)
        rc = ep_error_set(err, EP_ENOMEM, "out of memory");
    if (out) {
        char *text = (char *)out + head;
        if (b.len)
            memcpy(text, b.data, b.len);
        for (int k = 0; k < n; k++)
            out[k] = text + off[k];
        *titles = out;
    }
    free(off);
    ep_buf_free(&b);
    return rc;
}

int ep_query_country_resolve(struct ep_store *s, const char *arg, char code[8], char *label,
                             size_t n_label, char *known, size_t n_known, struct ep_error *err)
{
    code[0] = 0;
    if (label && n_label)
        label[0] = 0;
    if (known && n_known)
        known[0] = 0;
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(ep_store_db(s),
                           "SELECT code, COALESCE(label, '') FROM country WHERE upper(code) = "
                           "upper(?1) OR upper(iso_alpha_2) = upper(?1) OR upper(label) = "
                           "upper(?1) UNION ALL SELECT DISTINCT country_code, '' FROM member "
                           "WHERE upper(country_code) = upper(?1) LIMIT 1",
                           -1, &q, NULL) != SQLITE_OK)
        return db_fail(s, err, "reading country codes");
    sqlite3_bind_text(q, 1, arg, -1, SQLITE_TRANSIENT);
    int st = sqlite3_step(q);
    if (st == SQLITE_ROW) {
        snprintf(code, 8, "%s", (const char *)sqlite3_column_text(q, 0));
        if (label && n_label)
            snprintf(label, n_label, "%s", (const char *)sqlite3_column_text(q, 1));
    }
    sqlite3_finalize(q);
    if (st == SQLITE_ROW)
        return 1;
    if (st != SQLITE_DONE)
        return db_fail(s, err, "reading country codes");
    if (sqlite3_prepare_v2(ep_store_db(s),
                           "SELECT code FROM country UNION SELECT country_code FROM member WHERE "
                           "country_code IS NOT NULL AND country_code <> '' ORDER BY 1",
                           -1, &q, NULL) != SQLITE_OK)
        return db_fail(s, err, "reading country codes");
    size_t k = 0;
    while (known && k < n_known && sqlite3_step(q) == SQLITE_ROW) {
        const char *c = (const char *)sqlite3_column_text(q, 0);
        k += (size_t)snprintf(known + k, n_known - k, "%s%s", k ? ", " : "", c ? c : "");
    }
    sqlite3_finalize(q);
    return 0;
}
