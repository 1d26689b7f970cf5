/* ep_posblob: packed positions of a vote and the `position` virtual table. Contract:
 * ep_posblob.h. */
#include "ep_posblob.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the format ------------------------------------------------------------------------ */

static uint64_t get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static void put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++, v >>= 8)
        p[i] = (unsigned char)(v & 0xFF);
}

int64_t ep_posblob_member(const struct ep_posblob *v, size_t i)
{
    return (int64_t)get_u64(v->entries + i * EP_POSBLOB_ENTRY);
}

int ep_posblob_pos(const struct ep_posblob *v, size_t i)
{
    return v->entries[i * EP_POSBLOB_ENTRY + 8];
}

int ep_posblob_group(const struct ep_posblob *v, size_t i)
{
    return v->entries[i * EP_POSBLOB_ENTRY + 9];
}

int ep_posblob_view(const void *data, size_t len, struct ep_posblob *v)
{
    const unsigned char *p = data;
    memset(v, 0, sizeof *v);
    if (!p || len < 2 || p[0] != EP_POSBLOB_FORMAT || p[1] > EP_POSBLOB_MAX_GROUPS)
        return -1;
    v->ngroups = p[1];
    size_t off = 2;
    for (int g = 0; g < v->ngroups; g++) {
        if (len - off < 2)
            return -1;
        size_t l = (size_t)p[off] | (size_t)p[off + 1] << 8;
        off += 2;
        if (len - off < l)
            return -1;
        v->group[g] = (const char *)p + off;
        v->group_len[g] = l;
        off += l;
    }
    if ((len - off) % EP_POSBLOB_ENTRY)
        return -1;
    v->entries = p + off;
    v->n = (len - off) / EP_POSBLOB_ENTRY;
    for (size_t i = 0; i < v->n; i++) {
        int pos = ep_posblob_pos(v, i), g = ep_posblob_group(v, i);
        if (pos < 1 || pos > 4 || (g >= v->ngroups && g != EP_POSBLOB_NO_GROUP))
            return -1;
        if (i && ep_posblob_member(v, i) <= ep_posblob_member(v, i - 1))
            return -1;
    }
    return 0;
}

size_t ep_posblob_find(const struct ep_posblob *v, int64_t member)
{
    size_t lo = 0, hi = v->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int64_t m = ep_posblob_member(v, mid);
        if (m == member)
            return mid;
        if (m < member)
            lo = mid + 1;
        else
            hi = mid;
    }
    return SIZE_MAX;
}

void ep_posblob_builder_init(struct ep_posblob_builder *b)
{
    memset(b, 0, sizeof *b);
    ep_buf_init(&b->entries, 0);
    ep_buf_init(&b->labels, 0);
    b->last_group = -1;
}

void ep_posblob_builder_reset(struct ep_posblob_builder *b)
{
    ep_buf_reset(&b->entries);
    ep_buf_reset(&b->labels);
    b->ngroups = 0;
    b->last_group = -1;
    b->n = 0;
}

void ep_posblob_builder_free(struct ep_posblob_builder *b)
{
    ep_buf_free(&b->entries);
    ep_buf_free(&b->labels);
}

/* Index of the label (len bytes) in b, added if new; -1 with *rc set on failure. */
static int group_index(struct ep_posblob_builder *b, const char *label, size_t len, int *rc)
{
    const char *base = b->labels.data;
    if (b->last_group >= 0 && strlen(base + b->label_off[b->last_group]) == len &&
        memcmp(base + b->label_off[b->last_group], label, len) == 0)
        return b->last_group;
    for (int g = 0; g < b->ngroups; g++)
        if (strlen(base + b->label_off[g]) == len &&
            memcmp(base + b->label_off[g], label, len) == 0)
            return b->last_group = g;
    if (b->ngroups == EP_POSBLOB_MAX_GROUPS || len > 0xFFFF) {
        *rc = EP_ELIMIT;
        return -1;
    }
    b->label_off[b->ngroups] = b->labels.len;
    if (ep_buf_append(&b->labels, label, len) || ep_buf_putc(&b->labels, '\0')) {
        *rc = EP_ENOMEM;
        return -1;
    }
    return b->last_group = b->ngroups++;
}

int ep_posblob_add_n(struct ep_posblob_builder *b, int64_t member, int pos, const char *group,
                     size_t group_len)
{
    if (pos < 1 || pos > 4 || (b->n && member <= b->last_member))
        return EP_EINVAL;
    int rc = 0, g = group ? group_index(b, group, group_len, &rc) : EP_POSBLOB_NO_GROUP;
    if (g < 0)
        return rc;
    unsigned char e[EP_POSBLOB_ENTRY];
    put_u64(e, (uint64_t)member);
    e[8] = (unsigned char)pos;
    e[9] = (unsigned char)g;
    if (ep_buf_append(&b->entries, e, sizeof e))
        return EP_ENOMEM;
    b->last_member = member;
    b->n++;
    return 0;
}

int ep_posblob_add(struct ep_posblob_builder *b, int64_t member, int pos, const char *group)
{
    return ep_posblob_add_n(b, member, pos, group, group ? strlen(group) : 0);
}

int ep_posblob_finish(const struct ep_posblob_builder *b, struct ep_buf *out)
{
    ep_buf_reset(out);
    unsigned char head[2] = {EP_POSBLOB_FORMAT, (unsigned char)b->ngroups};
    int rc = ep_buf_append(out, head, sizeof head);
    for (int g = 0; g < b->ngroups && !rc; g++) {
        const char *label = b->labels.data + b->label_off[g];
        size_t l = strlen(label);
        unsigned char len[2] = {(unsigned char)(l & 0xFF), (unsigned char)(l >> 8)};
        rc = ep_buf_append(out, len, sizeof len);
        if (!rc)
            rc = ep_buf_append(out, label, l);
    }
    if (!rc && b->entries.len)
        rc = ep_buf_append(out, b->entries.data, b->entries.len);
    return rc ? EP_ENOMEM : 0;
}

/* ---- the `position` virtual table ------------------------------------------------------- */

enum { COL_VOTE, COL_MEMBER, COL_POS, COL_GROUP, COL_UNIT };

/* idxNum bits: which equality constraints xFilter gets (in this order). */
#define BY_VOTE 1
#define BY_MEMBER 2

struct pv_cursor {
    sqlite3_vtab_cursor base;
    sqlite3_stmt *scan; /* every vote_positions row in vote order (kept for the cursor's life) */
    sqlite3_stmt *one;  /* the row of one vote (kept) */
    int scanning;       /* rows come from scan; else from the cached vote */
    int eof;
    int64_t member; /* BY_MEMBER: the member looked up in each vote */
    int by_member;
    int64_t vote_id, unit_id;
    struct ep_posblob v; /* the current row's blob (scan: valid until scan steps) */
    size_t i, end;       /* current entry, one past the last entry to visit */
    sqlite3_int64 rowid;
    /* The last vote this cursor looked up by id, copied: a join looks a vote up once per MEP
     * (member_vote does for every MEP with a mandate), so each vote is read and checked once. */
    struct ep_buf cache;
    int cache_ok, cache_found;
    int64_t cache_vote, cache_unit;
    struct ep_posblob cache_v;
};

struct pv_table {
    sqlite3_vtab base;
    sqlite3 *db;
};

static int pv_connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out,
                      char **errmsg)
{
    (void)aux;
    (void)argc;
    (void)argv;
    (void)errmsg;
    int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(vote_id INTEGER, member_id INTEGER,"
                                      " pos INTEGER, group_code TEXT, unit_id INTEGER)");
    if (rc != SQLITE_OK)
        return rc;
    struct pv_table *t = sqlite3_malloc(sizeof *t);
    if (!t)
        return SQLITE_NOMEM;
    memset(t, 0, sizeof *t);
    t->db = db;
    *out = &t->base;
    return SQLITE_OK;
}

static int pv_disconnect(sqlite3_vtab *t)
{
    sqlite3_free(t);
    return SQLITE_OK;
}

static int pv_best_index(sqlite3_vtab *t, sqlite3_index_info *info)
{
    (void)t;
    int vote = -1, member = -1;
    for (int i = 0; i < info->nConstraint; i++) {
        const struct sqlite3_index_constraint *c = &info->aConstraint[i];
        if (!c->usable || c->op != SQLITE_INDEX_CONSTRAINT_EQ)
            continue;
        if (c->iColumn == COL_VOTE && vote < 0)
            vote = i;
        else if (c->iColumn == COL_MEMBER && member < 0)
            member = i;
    }
    int argv = 1;
    info->idxNum = 0;
    if (vote >= 0) {
        info->idxNum |= BY_VOTE;
        info->aConstraintUsage[vote].argvIndex = argv++;
        info->aConstraintUsage[vote].omit = 1;
    }
    if (member >= 0) {
        info->idxNum |= BY_MEMBER;
        info->aConstraintUsage[member].argvIndex = argv;
        info->aConstraintUsage[member].omit = 1;
    }
    /* a vote has ~700 positions; a term ~20,000 votes */
    switch (info->idxNum) {
    case BY_VOTE | BY_MEMBER:
        info->estimatedCost = 10;
        info->estimatedRows = 1;
        info->idxFlags = SQLITE_INDEX_SCAN_UNIQUE;
        break;
    case BY_VOTE:
        info->estimatedCost = 700;
        info->estimatedRows = 700;
        break;
    case BY_MEMBER:
        info->estimatedCost = 2e5;
        info->estimatedRows = 2e4;
        break;
    default:
        info->estimatedCost = 1.4e7;
        info->estimatedRows = 14000000;
        break;
    }
    /* rows come in (vote_id, member_id) order */
    int ordered = info->nOrderBy > 0 && info->nOrderBy <= 2;
    for (int i = 0; i < info->nOrderBy && ordered; i++) {
        const struct sqlite3_index_orderby *o = &info->aOrderBy[i];
        ordered = !o->desc && o->iColumn == (i == 0 ? COL_VOTE : COL_MEMBER);
    }
    info->orderByConsumed = ordered;
    return SQLITE_OK;
}

static int pv_open(sqlite3_vtab *t, sqlite3_vtab_cursor **out)
{
    (void)t;
    struct pv_cursor *c = sqlite3_malloc(sizeof *c);
    if (!c)
        return SQLITE_NOMEM;
    memset(c, 0, sizeof *c);
    ep_buf_init(&c->cache, 0);
    c->eof = 1;
    *out = &c->base;
    return SQLITE_OK;
}

static int pv_close(sqlite3_vtab_cursor *cur)
{
    struct pv_cursor *c = (struct pv_cursor *)cur;
    sqlite3_finalize(c->scan);
    sqlite3_finalize(c->one);
    ep_buf_free(&c->cache);
    sqlite3_free(c);
    return SQLITE_OK;
}

static int pv_error(struct pv_cursor *c, int rc, const char *msg)
{
    sqlite3_free(c->base.pVtab->zErrMsg);
    c->base.pVtab->zErrMsg = sqlite3_mprintf("position: %s", msg);
    c->eof = 1;
    return rc;
}

static int corrupt(struct pv_cursor *c, int64_t vote)
{
    char msg[96];
    snprintf(msg, sizeof msg, "the stored positions of vote %lld are corrupt", (long long)vote);
    return pv_error(c, SQLITE_CORRUPT_VTAB, msg);
}

/* View a row's blob and check it against its count n. */
static int view_row(sqlite3_stmt *st, int data_col, struct ep_posblob *v)
{
    const void *data = sqlite3_column_blob(st, data_col);
    int len = sqlite3_column_bytes(st, data_col);
    return ep_posblob_view(data, (size_t)len, v) != 0 ||
           (int64_t)v->n != sqlite3_column_int64(st, data_col + 1);
}

/* The entries of c->v to visit: all, or the looked-up member's. */
static void pick_entries(struct pv_cursor *c)
{
    c->i = 0;
    c->end = c->v.n;
    if (c->by_member) {
        size_t k = ep_posblob_find(&c->v, c->member);
        c->i = k == SIZE_MAX ? 0 : k;
        c->end = k == SIZE_MAX ? 0 : k + 1;
    }
}

/* Scan: step to the next vote_positions row that has an entry to visit. */
static int pv_next_row(struct pv_cursor *c)
{
    for (;;) {
        int rc = sqlite3_step(c->scan);
        if (rc == SQLITE_DONE) {
            c->eof = 1;
            return SQLITE_OK;
        }
        if (rc != SQLITE_ROW)
            return pv_error(c, rc, sqlite3_errmsg(sqlite3_db_handle(c->scan)));
        c->vote_id = sqlite3_column_int64(c->scan, 0);
        c->unit_id = sqlite3_column_int64(c->scan, 1);
        if (view_row(c->scan, 2, &c->v))
            return corrupt(c, c->vote_id);
        pick_entries(c);
        if (c->i < c->end)
            return SQLITE_OK;
    }
}

/* Look one vote up (through the cache). */
static int lookup_vote(struct pv_cursor *c, sqlite3 *db, int64_t vote)
{
    if (!c->cache_ok || c->cache_vote != vote) {
        c->cache_ok = 0;
        int rc = SQLITE_OK;
        if (!c->one)
            rc = sqlite3_prepare_v3(
                db, "SELECT unit_id, data, n FROM vote_positions WHERE vote_id = ?1", -1,
                SQLITE_PREPARE_PERSISTENT, &c->one, NULL);
        if (rc != SQLITE_OK)
            return pv_error(c, rc, sqlite3_errmsg(db));
        sqlite3_bind_int64(c->one, 1, vote);
        rc = sqlite3_step(c->one);
        c->cache_found = rc == SQLITE_ROW;
        if (c->cache_found) {
            struct ep_posblob check;
            if (view_row(c->one, 1, &check)) {
                sqlite3_reset(c->one);
                return corrupt(c, vote);
            }
            c->cache_unit = sqlite3_column_int64(c->one, 0);
            ep_buf_reset(&c->cache);
            if (ep_buf_append(&c->cache, sqlite3_column_blob(c->one, 1),
                              (size_t)sqlite3_column_bytes(c->one, 1))) {
                sqlite3_reset(c->one);
                return pv_error(c, SQLITE_NOMEM, "out of memory");
            }
            ep_posblob_view(c->cache.data, c->cache.len, &c->cache_v); /* checked above */
        } else if (rc != SQLITE_DONE) {
            sqlite3_reset(c->one);
            return pv_error(c, rc, sqlite3_errmsg(db));
        }
        sqlite3_reset(c->one);
        c->cache_vote = vote;
        c->cache_ok = 1;
    }
    if (!c->cache_found)
        return SQLITE_OK; /* eof */
    c->vote_id = vote;
    c->unit_id = c->cache_unit;
    c->v = c->cache_v;
    pick_entries(c);
    c->eof = c->i >= c->end;
    return SQLITE_OK;
}

/* An integer argument: 1 and *out, or 0 when no stored integer can equal it. */
static int int_arg(sqlite3_value *v, int64_t *out)
{
    if (sqlite3_value_numeric_type(v) != SQLITE_INTEGER)
        return 0;
    *out = sqlite3_value_int64(v);
    return 1;
}

static int pv_filter(sqlite3_vtab_cursor *cur, int idx, const char *idxstr, int argc,
                     sqlite3_value **argv)
{
    (void)idxstr;
    (void)argc;
    struct pv_cursor *c = (struct pv_cursor *)cur;
    struct pv_table *t = (struct pv_table *)cur->pVtab;
    if (c->scan)
        sqlite3_reset(c->scan);
    c->eof = 1;
    c->rowid = 0;
    c->scanning = !(idx & BY_VOTE);
    c->by_member = (idx & BY_MEMBER) != 0;
    int64_t vote = 0;
    if ((idx & BY_VOTE) && !int_arg(argv[0], &vote))
        return SQLITE_OK;
    if (c->by_member && !int_arg(argv[(idx & BY_VOTE) ? 1 : 0], &c->member))
        return SQLITE_OK;
    if (!c->scanning)
        return lookup_vote(c, t->db, vote);
    if (!c->scan) {
        int rc = sqlite3_prepare_v3(t->db,
                                    "SELECT vote_id, unit_id, data, n FROM vote_positions"
                                    " ORDER BY vote_id",
                                    -1, SQLITE_PREPARE_PERSISTENT, &c->scan, NULL);
        if (rc != SQLITE_OK)
            return pv_error(c, rc, sqlite3_errmsg(t->db));
    }
    c->eof = 0;
    return pv_next_row(c);
}

static int pv_next(sqlite3_vtab_cursor *cur)
{
    struct pv_cursor *c = (struct pv_cursor *)cur;
    c->rowid++;
    if (++c->i < c->end)
        return SQLITE_OK;
    if (!c->scanning) {
        c->eof = 1;
        return SQLITE_OK;
    }
    return pv_next_row(c);
}

static int pv_eof(sqlite3_vtab_cursor *cur)
{
    return ((struct pv_cursor *)cur)->eof;
}

static int pv_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col)
{
    const struct pv_cursor *c = (const struct pv_cursor *)cur;
    switch (col) {
    case COL_VOTE: sqlite3_result_int64(ctx, c->vote_id); break;
    case COL_MEMBER: sqlite3_result_int64(ctx, ep_posblob_member(&c->v, c->i)); break;
    case COL_POS: sqlite3_result_int(ctx, ep_posblob_pos(&c->v, c->i)); break;
    case COL_GROUP: {
        int g = ep_posblob_group(&c->v, c->i);
        if (g == EP_POSBLOB_NO_GROUP)
            sqlite3_result_null(ctx);
        else
            sqlite3_result_text(ctx, c->v.group[g], (int)c->v.group_len[g], SQLITE_TRANSIENT);
        break;
    }
    default: sqlite3_result_int64(ctx, c->unit_id); break;
    }
    return SQLITE_OK;
}

static int pv_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *out)
{
    *out = ((const struct pv_cursor *)cur)->rowid;
    return SQLITE_OK;
}

static const sqlite3_module pv_module = {
    .iVersion = 0,
    .xCreate = NULL, /* eponymous only: `position` exists on every connection that registers it */
    .xConnect = pv_connect,
    .xBestIndex = pv_best_index,
    .xDisconnect = pv_disconnect,
    .xDestroy = pv_disconnect,
    .xOpen = pv_open,
    .xClose = pv_close,
    .xFilter = pv_filter,
    .xNext = pv_next,
    .xEof = pv_eof,
    .xColumn = pv_column,
    .xRowid = pv_rowid,
};

int ep_posblob_register(sqlite3 *db)
{
    return sqlite3_create_module_v2(db, "position", &pv_module, NULL, NULL);
}
