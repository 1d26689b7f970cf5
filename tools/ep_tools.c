/* ep_tools: the tool table machinery (registration, lookup, central validation, call). */
#include "ep_tools.h"

#include <stdlib.h>
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

int ep_tools_call(struct ep_tool_ctx *ctx, const char *name, json_t *args, json_t **result,
                  struct ep_error *err)
{
    struct ep_tool_ctx empty = {0};
    json_t *own_args = NULL, *res = NULL;
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
    rc = e->row.fn(ctx, args, &res, err);
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
    *result = res;
    res = NULL;
out:
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
