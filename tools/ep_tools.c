/* ep_tools: the tool table machinery (registration, lookup, central validation, call). */
#include "ep_tools.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "ep_store.h"
#include "ep_util.h"

#include <string.h>

#include "ep_schema.h"

struct entry {
    struct ep_tool row; /* first: ep_tools_at() returns &entry->row */
    json_t *in, *out;   /* parsed schemas (owned) */
};

static struct entry **ep_tools_tab;
static size_t ep_tools_n, ep_tools_alloc;

static void entry_free(struct entry *e)
{
    if (!e)
        return;
    json_decref(e->in);
    json_decref(e->out);
    free(e);
}

static int parse_schema(const struct ep_tool *r, const char *which, const char *text, json_t **out,
                        struct ep_error *err)
{
    json_error_t je;
    *out = NULL;
    if (!text)
        return ep_error_set(err, EP_EINVAL, "tool \"%s\": %s is missing", r->name, which);
    json_t *s = json_loads(text, JSON_REJECT_DUPLICATES, &je);
    if (!s)
        return ep_error_set(err, EP_EINVAL, "tool \"%s\": %s is not valid JSON: %s (line %d)",
                            r->name, which, je.text, je.line);
    int rc = ep_schema_check_supported(s, err);
    if (rc) {
        json_decref(s);
        ep_error_prefix(err, "tool \"%s\": %s: ", r->name, which);
        return rc;
    }
    json_t *ty = json_object_get(s, "type");
    if (!json_is_string(ty) || strcmp(json_string_value(ty), "object") != 0) {
        json_decref(s);
        return ep_error_set(err, EP_EINVAL, "tool \"%s\": %s must have \"type\": \"object\"",
                            r->name, which);
    }
    *out = s;
    return 0;
}

static struct entry *find_entry(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < ep_tools_n; i++)
        if (strcmp(ep_tools_tab[i]->row.name, name) == 0)
            return ep_tools_tab[i];
    return NULL;
}

int ep_tools_register(const struct ep_tool *rows, size_t n, struct ep_error *err)
{
    int rc = 0;
    struct entry **fresh = calloc(n ? n : 1, sizeof *fresh);
    if (!fresh)
        return ep_error_set(err, EP_ENOMEM, "out of memory registering tools");
    size_t done = 0;
    for (; done < n; done++) {
        const struct ep_tool *r = &rows[done];
        if (!r->name || !*r->name) {
            rc = ep_error_set(err, EP_EINVAL, "tool row %zu has no name", done);
            goto out;
        }
        if (!r->fn) {
            rc = ep_error_set(err, EP_EINVAL, "tool \"%s\" has no handler", r->name);
            goto out;
        }
        if (!r->description || !r->title) {
            rc = ep_error_set(err, EP_EINVAL, "tool \"%s\" needs a title and a description",
                              r->name);
            goto out;
        }
        int dup = find_entry(r->name) != NULL;
        for (size_t j = 0; j < done && !dup; j++)
            dup = strcmp(fresh[j]->row.name, r->name) == 0;
        if (dup) {
            rc = ep_error_set(err, EP_EINVAL, "tool \"%s\" is registered twice", r->name);
            goto out;
        }
        struct entry *e = calloc(1, sizeof *e);
        if (!e) {
            rc = ep_error_set(err, EP_ENOMEM, "out of memory registering tools");
            goto out;
        }
        e->row = *r;
        fresh[done] = e;
        rc = parse_schema(r, "inputSchema", r->input_schema, &e->in, err);
        if (!rc && r->output_schema)
            rc = parse_schema(r, "outputSchema", r->output_schema, &e->out, err);
        if (rc) {
            done++;
            goto out;
        }
    }
    if (ep_tools_n + n > ep_tools_alloc) {
        size_t na = ep_tools_alloc ? ep_tools_alloc : 16;
        while (na < ep_tools_n + n)
            na *= 2;
        struct entry **t = realloc(ep_tools_tab, na * sizeof *t);
        if (!t) {
            rc = ep_error_set(err, EP_ENOMEM, "out of memory registering tools");
            goto out;
        }
        ep_tools_tab = t;
        ep_tools_alloc = na;
    }
    memcpy(ep_tools_tab + ep_tools_n, fresh, n * sizeof *fresh);
    ep_tools_n += n;
    free(fresh);
    return 0;
out:
    for (size_t j = 0; j < done && j < n; j++)
        entry_free(fresh[j]);
    free(fresh);
    return rc;
}

void ep_tools_cleanup(void)
{
    for (size_t i = 0; i < ep_tools_n; i++)
        entry_free(ep_tools_tab[i]);
    free(ep_tools_tab);
    ep_tools_tab = NULL;
    ep_tools_n = ep_tools_alloc = 0;
}

size_t ep_tools_count(void)
{
    return ep_tools_n;
}

const struct ep_tool *ep_tools_at(size_t i)
{
    return i < ep_tools_n ? &ep_tools_tab[i]->row : NULL;
}

const struct ep_tool *ep_tools_find(const char *name)
{
    struct entry *e = find_entry(name);
    return e ? &e->row : NULL;
}

static struct entry *entry_of(const struct ep_tool *t)
{
    for (size_t i = 0; i < ep_tools_n; i++)
        if (&ep_tools_tab[i]->row == t)
            return ep_tools_tab[i];
    return t ? find_entry(t->name) : NULL;
}

json_t *ep_tools_input_schema(const struct ep_tool *t)
{
    struct entry *e = entry_of(t);
    return e ? e->in : NULL;
}

json_t *ep_tools_output_schema(const struct ep_tool *t)
{
    struct entry *e = entry_of(t);
    return e ? e->out : NULL;
}

/* ---- result cache ------------------------------------------------------------------------
 * Results of read-only, idempotent tools are kept for the row's cache_ttl_s seconds, keyed by
 * the tool, the canonical arguments and the store's content (unit count and last unit id, so an
 * ingest or sync invalidates them). Bounded by EP_TOOLS_CACHE_BYTES (least recently used out);
 * a result larger than an eighth of that is not kept. Callers get a deep copy. */

#define EP_TOOLS_CACHE_BYTES ((size_t)64 << 20)
#define EP_TOOLS_CACHE_SLOTS 512

struct cached {
    char *key;
    json_t *res;
    size_t bytes;
    double expires;
    unsigned long used;
};

static struct cached rcache[EP_TOOLS_CACHE_SLOTS];
static size_t rcache_bytes;
static unsigned long rcache_tick;
static pthread_mutex_t rcache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ep_tools_cache_stats rcache_stats;

static void cached_drop(struct cached *c)
{
    rcache_bytes -= c->bytes;
    free(c->key);
    json_decref(c->res);
    memset(c, 0, sizeof *c);
}

static char *cache_key(const struct ep_tool_ctx *ctx, const char *name, json_t *args)
{
    long long units = 0, last = 0;
    const char *path = "";
    if (ctx && ctx->store) {
        sqlite3_stmt *q;
        if (sqlite3_prepare_v2(ep_store_db(ctx->store),
                               "SELECT COUNT(*), COALESCE(MAX(id), 0) FROM unit", -1, &q,
                               NULL) != SQLITE_OK)
            return NULL;
        if (sqlite3_step(q) == SQLITE_ROW) {
            units = sqlite3_column_int64(q, 0);
            last = sqlite3_column_int64(q, 1);
        }
        sqlite3_finalize(q);
        path = ep_store_path(ctx->store);
    }
    char *a = json_dumps(args, JSON_COMPACT | JSON_SORT_KEYS);
    if (!a)
        return NULL;
    size_t n = strlen(a) + strlen(name) + strlen(path) + 64;
    char *k = malloc(n);
    if (k)
        snprintf(k, n, "%s|%lld|%lld|%s|%s", path, units, last, name, a);
    free(a);
    return k;
}

static json_t *cache_get(const char *key)
{
    json_t *copy = NULL;
    double now = ep_now();
    pthread_mutex_lock(&rcache_lock);
    for (int i = 0; i < EP_TOOLS_CACHE_SLOTS; i++) {
        struct cached *c = &rcache[i];
        if (!c->key || strcmp(c->key, key) != 0)
            continue;
        if (c->expires < now) {
            cached_drop(c);
            break;
        }
        c->used = ++rcache_tick;
        copy = json_deep_copy(c->res);
        break;
    }
    if (copy)
        rcache_stats.hits++;
    else
        rcache_stats.misses++;
    pthread_mutex_unlock(&rcache_lock);
    return copy;
}

static void cache_put(char *key, json_t *res, int ttl)
{
    char *text = json_dumps(res, JSON_COMPACT);
    size_t bytes = (text ? strlen(text) : 0) + strlen(key) + 256;
    free(text);
    if (bytes > EP_TOOLS_CACHE_BYTES / 8) {
        free(key);
        return;
    }
    json_t *copy = json_deep_copy(res);
    if (!copy) {
        free(key);
        return;
    }
    pthread_mutex_lock(&rcache_lock);
    struct cached *slot = NULL;
    for (;;) {
        struct cached *lru = NULL;
        slot = NULL;
        for (int i = 0; i < EP_TOOLS_CACHE_SLOTS; i++) {
            struct cached *c = &rcache[i];
            if (c->key && strcmp(c->key, key) == 0)
                cached_drop(c);
            if (!c->key && !slot)
                slot = c;
            if (c->key && (!lru || c->used < lru->used))
                lru = c;
        }
        if (slot && rcache_bytes + bytes <= EP_TOOLS_CACHE_BYTES)
            break;
        if (!lru)
            break;
        cached_drop(lru);
        rcache_stats.evictions++;
    }
    if (slot) {
        slot->key = key;
        slot->res = copy;
        slot->bytes = bytes;
        slot->expires = ep_now() + ttl;
        slot->used = ++rcache_tick;
        rcache_bytes += bytes;
        rcache_stats.entries = 0;
        for (int i = 0; i < EP_TOOLS_CACHE_SLOTS; i++)
            rcache_stats.entries += rcache[i].key != NULL;
        rcache_stats.bytes = rcache_bytes;
    } else {
        free(key);
        json_decref(copy);
    }
    pthread_mutex_unlock(&rcache_lock);
}

void ep_tools_cache_clear(void)
{
    pthread_mutex_lock(&rcache_lock);
    for (int i = 0; i < EP_TOOLS_CACHE_SLOTS; i++)
        if (rcache[i].key)
            cached_drop(&rcache[i]);
    rcache_stats.entries = 0;
    rcache_stats.bytes = 0;
    pthread_mutex_unlock(&rcache_lock);
}

void ep_tools_cache_stats(struct ep_tools_cache_stats *out)
{
    pthread_mutex_lock(&rcache_lock);
    *out = rcache_stats;
    pthread_mutex_unlock(&rcache_lock);
}

int ep_tools_call(struct ep_tool_ctx *ctx, const char *name, json_t *args, json_t **result,
                  struct ep_error *err)
{
    struct ep_tool_ctx empty = {0};
    json_t *own_args = NULL, *res = NULL;
    char *key = NULL;
    int rc;
    *result = NULL;
    struct entry *e = find_entry(name);
    if (!e)
        return ep_error_set(err, EP_ENOTFOUND, "unknown tool \"%s\"", name ? name : "(null)");
    if (!ctx)
        ctx = &empty;
    if (!args)
        args = own_args = json_object();
    if (!args)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    rc = ep_schema_validate(e->in, args, err);
    if (rc)
        goto out;
    if (ctx->cancelled && *ctx->cancelled) {
        rc = ep_error_set(err, EP_ECANCELED, "tool \"%s\" was cancelled", name);
        goto out;
    }
    int cacheable = e->row.cache_ttl_s > 0 && e->row.read_only && e->row.idempotent &&
                    !getenv("EPINTEL_NO_RESULT_CACHE");
    if (cacheable && (key = cache_key(ctx, name, args)) != NULL) {
        res = cache_get(key);
        if (res) {
            free(key);
            key = NULL;
            *result = res;
            res = NULL;
            goto out;
        }
    }
    rc = e->row.fn(ctx, args, &res, err);
    if (rc || !json_is_object(res)) {
        free(key);
        key = NULL;
    }
    if (rc) {
        json_decref(res);
        res = NULL;
        if (rc > 0)
            rc = ep_error_set(err, EP_EINTERNAL, "tool \"%s\" returned %d", name, rc);
        goto out;
    }
    if (!json_is_object(res)) {
        rc = ep_error_set(err, EP_EINTERNAL,
                          "tool \"%s\" returned no result object (a bug in the tool)", name);
        goto out;
    }
    if (e->out) {
        struct ep_error verr = {0};
        if (ep_schema_validate(e->out, res, &verr)) {
            const char *m = verr.msg;
            if (strncmp(m, "argument", 8) == 0) /* "argument \"x\": ..." -> "field \"x\": ..." */
                m += 8;
            rc = ep_error_set(err, EP_EINTERNAL,
                              "tool \"%s\" returned a result that does not match its "
                              "outputSchema (a bug in the tool):%s%s",
                              name, *m == 's' ? " result" : " field", *m == 's' ? m + 1 : m);
            goto out;
        }
    }
    if (key && json_is_true(json_object_get(res, "degraded"))) {
        free(key); /* a stale copy served in an outage: ask again next time */
        key = NULL;
    }
    /* results that list rendered files are not kept: a later call must write them again */
    if (key && !json_array_size(json_object_get(json_object_get(res, "artefacts"), "items")))
        cache_put(key, res, e->row.cache_ttl_s); /* takes key */
    else
        free(key);
    key = NULL;
    *result = res;
    res = NULL;
out:
    free(key);
    json_decref(res);
    json_decref(own_args);
    return rc;
}

int ep_tools_page_args(json_t *args, int *offset, int *limit)
{
    *offset = 0;
    *limit = 50;
    json_t *o = json_object_get(args, "offset"), *l = json_object_get(args, "limit");
    if (o) {
        if (!json_is_integer(o) || json_integer_value(o) < 0 || json_integer_value(o) > 1000000000)
            return EP_EINVAL;
        *offset = (int)json_integer_value(o);
    }
    if (l) {
        if (!json_is_integer(l) || json_integer_value(l) < 1 || json_integer_value(l) > 500)
            return EP_EINVAL;
        *limit = (int)json_integer_value(l);
    }
    return 0;
}

json_t *ep_tools_page_result(const char *key, json_t *items_stolen, long total, int offset,
                             int limit)
{
    if (!items_stolen)
        return NULL;
    size_t n = json_array_size(items_stolen);
    json_t *o = json_object();
    if (!o || json_object_set_new(o, key ? key : "items", items_stolen) ||
        json_object_set_new(o, "total", json_integer(total)) ||
        json_object_set_new(o, "offset", json_integer(offset)) ||
        json_object_set_new(o, "limit", json_integer(limit)) ||
        json_object_set_new(o, "hasMore", json_boolean((long)offset + (long)n < total))) {
        if (!o)
            json_decref(items_stolen);
        json_decref(o);
        return NULL;
    }
    return o;
}
