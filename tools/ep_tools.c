/* ep_tools: the tool table machinery (registration, lookup, central validation, call). */
#include "ep_tools.h"
#include "ep_env.h"
#include "ep_tools_epapi.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "ep_query_intel.h"
#include "ep_store.h"
#include "ep_store_query.h"
#include "ep_util.h"

#include <string.h>

#include "ep_schema.h"

struct entry {
    struct ep_tool row;     /* first: ep_tools_at() returns &entry->row */
    struct ep_tools *owner; /* the object it is registered in (its parse_lock) */
    json_t *in, *out;       /* parsed schemas (owned) */
    /* 0: not parsed yet (registered lazily), 1: parsed, -1: a schema failed to parse (a bug in
     * the row; every later use reports it). Read with acquire, written under ts->parse_lock. */
    int state;
    /* 1 when the row's schema texts are compact (exactly json_dumps(JSON_COMPACT) of
     * themselves): embedded ones (tools/schemas/) or rows registered with
     * EP_TOOLS_REG_COMPACT. Otherwise in_text/out_text are made on first use. */
    int compact;
    char *in_text, *out_text; /* owned, compact */
};

#define EP_TOOLS_CACHE_BYTES ((size_t)64 << 20)
#define EP_TOOLS_CACHE_SLOTS 512
#define EP_TOOLS_VERIFY_S 1.0

struct cached {
    char *key; /* "name|canonical arguments" */
    unsigned long hash;
    json_t *res;
    struct ep_tools_blob *blob; /* the front end's serialized form, or NULL */
    size_t bytes;
    unsigned long gen; /* data generation it belongs to */
    double expires;
    unsigned long used;
};

/* The server-level object: the tool registry, the result cache and the EP API tool rows and
 * pipeline (ep_tools_epapi.c). Nothing of it is process-wide. */
struct ep_tools {
    /* Lazily registered rows parse their schemas on first use, under this lock. */
    pthread_mutex_t parse_lock;
    struct entry **tab;
    size_t n, alloc;
    /* the result cache */
    struct cached *rcache; /* EP_TOOLS_CACHE_SLOTS, owned */
    size_t rcache_bytes;
    unsigned long rcache_tick;
    pthread_mutex_t rcache_lock;
    struct ep_tools_cache_stats rcache_stats;
    char *rcache_version;     /* the store content the current generation belongs to */
    unsigned long rcache_gen; /* starts a new value whenever rcache_version changes */
    double rcache_verified;   /* when rcache_version was last confirmed (cache_now) */
    int rcache_revalidating;  /* a caller was sent to ep_tools_call to confirm it */
    double (*rcache_clock)(void);
    struct ep_tools_epapi *epapi; /* owned: the EP API rows and pipeline, or NULL */
};

int ep_tools_init(struct ep_tools **out, struct ep_error *err)
{
    struct ep_tools *ts = calloc(1, sizeof *ts);
    struct cached *slots = ts ? calloc(EP_TOOLS_CACHE_SLOTS, sizeof *slots) : NULL;
    *out = NULL;
    if (!slots) {
        free(ts);
        return ep_error_set(err, EP_ENOMEM, "out of memory creating the tool table");
    }
    ts->rcache = slots;
    ts->rcache_clock = ep_now;
    pthread_mutex_init(&ts->parse_lock, NULL);
    pthread_mutex_init(&ts->rcache_lock, NULL);
    *out = ts;
    return 0;
}

void ep_tools_close(struct ep_tools *ts)
{
    if (!ts)
        return;
    ep_tools_cleanup(ts);
    ep_tools_cache_clear(ts);
    ep_tools_epapi_free(ts->epapi);
    free(ts->rcache_version);
    pthread_mutex_destroy(&ts->parse_lock);
    pthread_mutex_destroy(&ts->rcache_lock);
    free(ts->rcache);
    free(ts);
}

struct ep_tools_epapi **ep_tools_epapi_slot(struct ep_tools *ts)
{
    return &ts->epapi;
}

static void entry_free(struct entry *e)
{
    if (!e)
        return;
    json_decref(e->in);
    json_decref(e->out);
    free(e->in_text);
    free(e->out_text);
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

static struct entry *find_entry(const struct ep_tools *ts, const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < ts->n; i++)
        if (strcmp(ts->tab[i]->row.name, name) == 0)
            return ts->tab[i];
    return NULL;
}

static int entry_parse(struct entry *e, struct ep_error *err)
{
    int rc = parse_schema(&e->row, "inputSchema", e->row.input_schema, &e->in, err);
    if (!rc && e->row.output_schema)
        rc = parse_schema(&e->row, "outputSchema", e->row.output_schema, &e->out, err);
    if (rc) {
        json_decref(e->in);
        e->in = NULL;
    }
    return rc;
}

/* The entry's schemas, parsed now if the row was registered lazily. A schema that does not parse
 * is a bug in the row: EP_EINVAL naming the tool and the keyword, on this and every later use.
 * Thread-safe. */
static int entry_ready(struct entry *e, struct ep_error *err)
{
    if (__atomic_load_n(&e->state, __ATOMIC_ACQUIRE) > 0)
        return 0;
    struct ep_tools *ts = e->owner;
    pthread_mutex_lock(&ts->parse_lock);
    int rc = 0;
    if (e->state == 0) {
        rc = entry_parse(e, err);
        __atomic_store_n(&e->state, rc ? -1 : 1, __ATOMIC_RELEASE);
    } else if (e->state < 0) {
        rc = entry_parse(e, err); /* fails again, with the same message, keeping nothing */
    }
    pthread_mutex_unlock(&ts->parse_lock);
    return rc;
}

/* 1 when text is one of the embedded schema texts (compact by construction). */
static int embedded_text(const char *text)
{
    for (size_t i = 0; text && i < ep_schema_n_texts; i++)
        if (ep_schema_texts[i].input == text || ep_schema_texts[i].output == text)
            return 1;
    return 0;
}

/* A row without inputSchema takes both schemas from tools/schemas/NAME.json (embedded). */
static void entry_texts(struct entry *e, int compact)
{
    const struct ep_schema_text *t = e->row.input_schema ? NULL : ep_schema_embedded(e->row.name);
    if (t) {
        e->row.input_schema = t->input;
        if (!e->row.output_schema)
            e->row.output_schema = t->output;
    }
    e->compact = compact || (embedded_text(e->row.input_schema) &&
                             (!e->row.output_schema || embedded_text(e->row.output_schema)));
}

static int do_register(struct ep_tools *ts, const struct ep_tool *rows, size_t n, unsigned flags,
                       struct ep_error *err)
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
        int dup = find_entry(ts, r->name) != NULL;
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
        e->owner = ts;
        fresh[done] = e;
        entry_texts(e, (flags & EP_TOOLS_REG_COMPACT) != 0);
        if (!e->row.input_schema) {
            rc = ep_error_set(err, EP_EINVAL, "tool \"%s\": inputSchema is missing", r->name);
            done++;
            goto out;
        }
        if (flags & EP_TOOLS_REG_LAZY)
            continue;
        rc = entry_parse(e, err);
        e->state = rc ? -1 : 1;
        if (rc) {
            done++;
            goto out;
        }
    }
    if (ts->n + n > ts->alloc) {
        size_t na = ts->alloc ? ts->alloc : 16;
        while (na < ts->n + n)
            na *= 2;
        struct entry **grown = realloc(ts->tab, na * sizeof *grown);
        if (!grown) {
            rc = ep_error_set(err, EP_ENOMEM, "out of memory registering tools");
            goto out;
        }
        ts->tab = grown;
        ts->alloc = na;
    }
    memcpy(ts->tab + ts->n, fresh, n * sizeof *fresh);
    ts->n += n;
    free(fresh);
    return 0;
out:
    for (size_t j = 0; j < done && j < n; j++)
        entry_free(fresh[j]);
    free(fresh);
    return rc;
}

int ep_tools_register(struct ep_tools *ts, const struct ep_tool *rows, size_t n,
                      struct ep_error *err)
{
    return do_register(ts, rows, n, 0, err);
}

int ep_tools_register_lazy(struct ep_tools *ts, const struct ep_tool *rows, size_t n,
                           struct ep_error *err)
{
    return do_register(ts, rows, n, EP_TOOLS_REG_LAZY, err);
}

int ep_tools_register_with(struct ep_tools *ts, const struct ep_tool *rows, size_t n,
                           unsigned flags, struct ep_error *err)
{
    return do_register(ts, rows, n, flags, err);
}

int ep_tools_verify(struct ep_tools *ts, struct ep_error *err)
{
    for (size_t i = 0; i < ts->n; i++) {
        int rc = entry_ready(ts->tab[i], err);
        if (rc)
            return rc;
    }
    return 0;
}

void ep_tools_cleanup(struct ep_tools *ts)
{
    if (!ts)
        return;
    for (size_t i = 0; i < ts->n; i++)
        entry_free(ts->tab[i]);
    free(ts->tab);
    ts->tab = NULL;
    ts->n = ts->alloc = 0;
}

size_t ep_tools_count(const struct ep_tools *ts)
{
    return ts->n;
}

const struct ep_tool *ep_tools_at(const struct ep_tools *ts, size_t i)
{
    return i < ts->n ? &ts->tab[i]->row : NULL;
}

int ep_tools_exclusive(struct ep_tools *ts, const char *name)
{
    return !name || !ep_tools_epapi_endpoint_of(ts, name);
}

const struct ep_tool *ep_tools_find(const struct ep_tools *ts, const char *name)
{
    struct entry *e = find_entry(ts, name);
    return e ? &e->row : NULL;
}

/* t comes from ep_tools_at/find: the row is the entry's first member. */
static struct entry *entry_of(const struct ep_tool *t)
{
    return (struct entry *)(uintptr_t)t;
}

json_t *ep_tools_input_schema(const struct ep_tool *t)
{
    struct entry *e = entry_of(t);
    struct ep_error err = {0};
    return e && !entry_ready(e, &err) ? e->in : NULL;
}

json_t *ep_tools_output_schema(const struct ep_tool *t)
{
    struct entry *e = entry_of(t);
    struct ep_error err = {0};
    return e && !entry_ready(e, &err) ? e->out : NULL;
}

const char *ep_tools_schema_text(const struct ep_tool *t, int output, size_t *len)
{
    struct entry *e = entry_of(t);
    const char *text = NULL;
    if (e && e->compact) {
        text = output ? e->row.output_schema : e->row.input_schema;
    } else if (e) {
        struct ep_error err = {0};
        if (entry_ready(e, &err))
            return NULL;
        struct ep_tools *ts = e->owner;
        pthread_mutex_lock(&ts->parse_lock);
        char **slot = output ? &e->out_text : &e->in_text;
        json_t *s = output ? e->out : e->in;
        if (!*slot && s)
            *slot = json_dumps(s, JSON_COMPACT);
        text = *slot;
        pthread_mutex_unlock(&ts->parse_lock);
    }
    if (len)
        *len = text ? strlen(text) : 0;
    return text;
}

/* ---- result cache ------------------------------------------------------------------------
 * Results of read-only, idempotent tools are kept for the row's cache_ttl_s seconds, keyed by
 * the tool and the canonical arguments, and valid for one data generation: the store's content
 * (path, unit count and last unit id, so an ingest or sync invalidates them) is re-read on
 * every ep_tools_call, and a change starts a new generation. Bounded by EP_TOOLS_CACHE_BYTES
 * (least recently used out); a result larger than an eighth of that is not kept. ep_tools_call
 * hands out deep copies. A front end may attach its serialized form of a result (one blob per
 * entry, ep_tools_cache_attach) and serve it later without the execution lock, without SQL
 * and without serializing again (ep_tools_cache_peek), as long as the generation was confirmed
 * within the last EP_TOOLS_VERIFY_S seconds. */

static double cache_now(const struct ep_tools *ts)
{
    return ts->rcache_clock();
}

void ep_tools_cache_set_clock(struct ep_tools *ts, double (*now)(void))
{
    pthread_mutex_lock(&ts->rcache_lock);
    ts->rcache_clock = now ? now : ep_now;
    pthread_mutex_unlock(&ts->rcache_lock);
}

static unsigned long key_hash(const char *k)
{
    unsigned long h = 5381;
    for (; *k; k++)
        h = h * 33 + (unsigned char)*k;
    return h;
}

void ep_tools_blob_unref(struct ep_tools_blob *b)
{
    if (b && __atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) == 0)
        free(b);
}

static void cached_drop(struct ep_tools *ts, struct cached *c)
{
    ts->rcache_bytes -= c->bytes;
    free(c->key);
    json_decref(c->res);
    ep_tools_blob_unref(c->blob);
    memset(c, 0, sizeof *c);
}

/* The slot holding key (ts->rcache_lock held), or NULL. */
static struct cached *cache_find(struct ep_tools *ts, const char *key, unsigned long hash)
{
    for (int i = 0; i < EP_TOOLS_CACHE_SLOTS; i++)
        if (ts->rcache[i].key && ts->rcache[i].hash == hash && strcmp(ts->rcache[i].key, key) == 0)
            return &ts->rcache[i];
    return NULL;
}

void ep_tools_store_marker(struct ep_store *s, char *out, size_t n)
{
    ep_query_content_marker(s, out, n);
}

/* Re-read the store's content marker (SQL, on the caller's thread: under the execution lock
 * in the MCP server) and return the current data generation. */
/* The current data generation without re-reading the store (for the pass-through tools, which
 * run outside the execution mutex and so may not use the store's connection; their results do
 * not depend on the store, and expire by their TTL). */
static unsigned long cache_gen_now(struct ep_tools *ts)
{
    pthread_mutex_lock(&ts->rcache_lock);
    unsigned long g = ts->rcache_gen;
    pthread_mutex_unlock(&ts->rcache_lock);
    return g;
}

static unsigned long cache_verify(struct ep_tools *ts, const struct ep_tool_ctx *ctx)
{
    char v[4200];
    ep_tools_store_marker(ctx ? ctx->store : NULL, v, sizeof v);
    pthread_mutex_lock(&ts->rcache_lock);
    if (!ts->rcache_version || strcmp(ts->rcache_version, v) != 0) {
        char *nv = strdup(v);
        if (nv) {
            free(ts->rcache_version);
            ts->rcache_version = nv;
        }
        ts->rcache_gen++; /* entries of the previous generation are never served again */
    }
    ts->rcache_verified = cache_now(ts);
    ts->rcache_revalidating = 0;
    unsigned long g = ts->rcache_gen;
    pthread_mutex_unlock(&ts->rcache_lock);
    return g;
}

void ep_tools_cache_confirm(struct ep_tools *ts, const struct ep_tool_ctx *ctx)
{
    (void)cache_verify(ts, ctx);
}

static char *cache_key(const char *name, const char *canon)
{
    size_t n = strlen(name) + strlen(canon) + 2;
    char *k = malloc(n);
    if (k)
        snprintf(k, n, "%s|%s", name, canon);
    return k;
}

static json_t *cache_get(struct ep_tools *ts, const char *key, unsigned long gen)
{
    json_t *copy = NULL;
    pthread_mutex_lock(&ts->rcache_lock);
    double now = cache_now(ts);
    struct cached *c = cache_find(ts, key, key_hash(key));
    if (c && (c->expires < now || c->gen != gen))
        cached_drop(ts, c);
    else if (c) {
        c->used = ++ts->rcache_tick;
        copy = json_deep_copy(c->res);
    }
    if (copy)
        ts->rcache_stats.hits++;
    else
        ts->rcache_stats.misses++;
    pthread_mutex_unlock(&ts->rcache_lock);
    return copy;
}

static void count_entries(struct ep_tools *ts)
{
    ts->rcache_stats.entries = 0;
    for (int i = 0; i < EP_TOOLS_CACHE_SLOTS; i++)
        ts->rcache_stats.entries += ts->rcache[i].key != NULL;
    ts->rcache_stats.bytes = ts->rcache_bytes;
}

static void cache_put(struct ep_tools *ts, char *key, json_t *res, int ttl, unsigned long gen)
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
    unsigned long hash = key_hash(key);
    pthread_mutex_lock(&ts->rcache_lock);
    struct cached *slot = cache_find(ts, key, hash);
    if (slot)
        cached_drop(ts, slot);
    for (;;) {
        struct cached *lru = NULL;
        slot = NULL;
        for (int i = 0; i < EP_TOOLS_CACHE_SLOTS; i++) {
            struct cached *c = &ts->rcache[i];
            if (!c->key && !slot)
                slot = c;
            if (c->key && (!lru || c->used < lru->used))
                lru = c;
        }
        if (slot && ts->rcache_bytes + bytes <= EP_TOOLS_CACHE_BYTES)
            break;
        if (!lru)
            break;
        cached_drop(ts, lru);
        ts->rcache_stats.evictions++;
    }
    if (slot && gen == ts->rcache_gen) {
        slot->key = key;
        slot->hash = hash;
        slot->res = copy;
        slot->bytes = bytes;
        slot->gen = gen;
        slot->expires = cache_now(ts) + ttl;
        slot->used = ++ts->rcache_tick;
        ts->rcache_bytes += bytes;
        count_entries(ts);
    } else {
        free(key);
        json_decref(copy);
    }
    pthread_mutex_unlock(&ts->rcache_lock);
}

static int cacheable(const struct entry *e)
{
    return e && e->row.cache_ttl_s > 0 && e->row.read_only && e->row.idempotent &&
           !getenv("EPINTEL_NO_RESULT_CACHE");
}

char *ep_tools_canonical_args(json_t *args)
{
    if (!args || json_is_null(args))
        return strdup("{}");
    return json_dumps(args, JSON_COMPACT | JSON_SORT_KEYS);
}

struct ep_tools_blob *ep_tools_cache_peek(struct ep_tools *ts, const char *name, const char *canon)
{
    if (!name || !canon || !cacheable(find_entry(ts, name)))
        return NULL;
    char stack[512], *key = stack;
    size_t n = strlen(name) + strlen(canon) + 2;
    if (n > sizeof stack && !(key = malloc(n)))
        return NULL;
    snprintf(key, n, "%s|%s", name, canon);
    struct ep_tools_blob *b = NULL;
    unsigned long hash = key_hash(key);
    pthread_mutex_lock(&ts->rcache_lock);
    double now = cache_now(ts), age = now - ts->rcache_verified;
    /* confirmed within EP_TOOLS_VERIFY_S: serve. Older: the first caller goes to ep_tools_call
     * to confirm the generation, the others are still served meanwhile, up to twice that age
     * (so an ingest by another process is seen within 2 s at most) */
    int fresh =
        age <= EP_TOOLS_VERIFY_S || (ts->rcache_revalidating && age <= 2 * EP_TOOLS_VERIFY_S);
    if (!fresh && !ts->rcache_revalidating && age <= 2 * EP_TOOLS_VERIFY_S)
        ts->rcache_revalidating = 1;
    if (fresh) {
        struct cached *c = cache_find(ts, key, hash);
        if (c && c->blob && c->gen == ts->rcache_gen && c->expires >= now) {
            c->used = ++ts->rcache_tick;
            b = c->blob;
            __atomic_add_fetch(&b->refs, 1, __ATOMIC_ACQ_REL);
            ts->rcache_stats.hits++;
        }
    }
    pthread_mutex_unlock(&ts->rcache_lock);
    if (key != stack)
        free(key);
    return b;
}

void ep_tools_cache_attach(struct ep_tools *ts, const char *name, const char *canon,
                           const char *bytes, size_t len)
{
    if (!name || !canon || !bytes || !cacheable(find_entry(ts, name)))
        return;
    char *key = cache_key(name, canon);
    struct ep_tools_blob *b = key ? malloc(sizeof *b + len + 1) : NULL;
    if (!b) {
        free(key);
        return;
    }
    b->refs = 1;
    b->len = len;
    memcpy(b->data, bytes, len);
    b->data[len] = 0;
    pthread_mutex_lock(&ts->rcache_lock);
    struct cached *c = cache_find(ts, key, key_hash(key));
    if (c && !c->blob && c->gen == ts->rcache_gen &&
        ts->rcache_bytes + len <= EP_TOOLS_CACHE_BYTES) {
        c->bytes += len;
        ts->rcache_bytes += len;
        ts->rcache_stats.bytes = ts->rcache_bytes;
        c->blob = b; /* the cache's reference now (cached_drop releases it) */
        b = NULL;
    }
    /* gcc 12's analyser reports b leaked at this call (or, when the store above comes first,
     * at the next write to *c): it keeps the binding c->blob = b, c being &ts->rcache[i] at a
     * computed i, only until the next write or external call that may touch ts->rcache[], then
     * finds no reference to b. But c->blob is the cache's own slot (owned by ts): it keeps b
     * until cached_drop releases it. A false positive, so this one statement is exempt from that
     * one check. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wanalyzer-malloc-leak"
#endif
    pthread_mutex_unlock(&ts->rcache_lock);
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
    free(key);
    free(b); /* not attached */
}

void ep_tools_cache_clear(struct ep_tools *ts)
{
    pthread_mutex_lock(&ts->rcache_lock);
    for (int i = 0; i < EP_TOOLS_CACHE_SLOTS; i++)
        if (ts->rcache[i].key)
            cached_drop(ts, &ts->rcache[i]);
    ts->rcache_stats.entries = 0;
    ts->rcache_stats.bytes = 0;
    free(ts->rcache_version);
    ts->rcache_version = NULL;
    ts->rcache_verified = 0;
    ts->rcache_revalidating = 0;
    ts->rcache_gen++;
    pthread_mutex_unlock(&ts->rcache_lock);
}

void ep_tools_cache_stats(struct ep_tools *ts, struct ep_tools_cache_stats *out)
{
    pthread_mutex_lock(&ts->rcache_lock);
    count_entries(ts);
    *out = ts->rcache_stats;
    pthread_mutex_unlock(&ts->rcache_lock);
}

int ep_tools_call(struct ep_tools *ts, struct ep_tool_ctx *ctx, const char *name, json_t *args,
                  json_t **result, struct ep_error *err)
{
    struct ep_tool_ctx empty = {0};
    json_t *own_args = NULL, *res = NULL;
    char *key = NULL;
    unsigned long gen = 0;
    int rc;
    *result = NULL;
    struct entry *e = find_entry(ts, name);
    if (!e)
        return ep_error_set(err, EP_ENOTFOUND, "unknown tool \"%s\"", name ? name : "(null)");
    if (!ctx)
        ctx = &empty;
    if (!args)
        args = own_args = json_object();
    if (!args)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    rc = entry_ready(e, err);
    if (rc)
        goto out;
    rc = ep_schema_validate(e->in, args, err);
    if (rc)
        goto out;
    if (ctx->cancelled && *ctx->cancelled) {
        rc = ep_error_set(err, EP_ECANCELED, "tool \"%s\" was cancelled", name);
        goto out;
    }
    if (cacheable(e)) {
        char *canon = ep_tools_canonical_args(args);
        key = canon ? cache_key(name, canon) : NULL;
        free(canon);
    }
    if (key) {
        gen = ep_tools_exclusive(ts, name) ? cache_verify(ts, ctx) : cache_gen_now(ts);
        res = cache_get(ts, key, gen);
        if (res) {
            *result = res;
            res = NULL;
            goto out;
        }
    }
    /* A read-only tool on the store runs in one read transaction: one consistent view of the
     * store for the whole call, and one WAL lock instead of one per statement (about a quarter
     * of generate_report's CPU time). Open-world tools (the EP API pass-through) write their
     * fetch cache, so they run as before. */
    int txn =
        ctx->store && e->row.read_only && !e->row.open_world && ep_store_read_begin(ctx->store);
    /* A context without an analysis environment (tests, one-off callers) gets one for this
     * call: the window cache then lives as long as the call. */
    struct ep_env call_env;
    struct ep_tool_ctx call_ctx = *ctx;
    int own_env = ctx->store && !ctx->env && ep_env_init(&call_env, ctx->store, NULL) == 0;
    if (own_env)
        call_ctx.env = &call_env;
    /* the handler sees the schema's defaults for what the caller left out, and the arguments
     * as given in args_given (the cache key above stays those, which the MCP core's fast path
     * looks up; artefact names hash them too) */
    json_t *call_args = ep_schema_with_defaults(e->in, args);
    call_ctx.args_given = args;
    call_ctx.tools = ts;
    rc = call_args ? e->row.fn(&call_ctx, call_args, &res, err)
                   : ep_error_set(err, EP_ENOMEM, "out of memory");
    json_decref(call_args);
    if (own_env)
        ep_env_close(&call_env);
    if (txn)
        ep_store_read_end(ctx->store);
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
        cache_put(ts, key, res, e->row.cache_ttl_s, gen); /* takes key */
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
    json_t *o = json_object_get(args, "offset"), *l = json_object_get(args, "limit");
    if (!json_is_integer(o) || json_integer_value(o) < 0 || json_integer_value(o) > 1000000000)
        return EP_EINVAL;
    if (!json_is_integer(l) || json_integer_value(l) < 1 || json_integer_value(l) > 500)
        return EP_EINVAL;
    *offset = (int)json_integer_value(o);
    *limit = (int)json_integer_value(l);
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

const struct ep_schema_text *ep_schema_embedded(const char *name)
{
    size_t lo = 0, hi = ep_schema_n_texts;
    while (name && lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(name, ep_schema_texts[mid].name);
        if (c == 0)
            return &ep_schema_texts[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

json_t *ep_tools_args_with_defaults(struct ep_tools *ts, const char *name, json_t *args)
{
    struct entry *e = find_entry(ts, name);
    if (!e || entry_ready(e, NULL))
        return NULL;
    json_t *own = args ? NULL : json_object();
    json_t *out = ep_schema_with_defaults(e->in, args ? args : own);
    json_decref(own);
    return out;
}

json_t *ep_tools_arg(const struct ep_tool *t, json_t *args, const char *name)
{
    json_t *v = json_object_get(args, name);
    if (v)
        return v;
    json_t *in = ep_tools_input_schema(t);
    return json_object_get(json_object_get(json_object_get(in, "properties"), name), "default");
}
