/* ep_schema: the supported JSON Schema subset (see ep_schema.h). */
#include "ep_schema.h"

#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_util.h"

/* ---------------------------------------------------------------- paths */

/* A path is built on the stack as a linked list from the leaf up, rendered only on error. */
struct path {
    const struct path *up;
    const char *key; /* object member, or NULL for an array index */
    size_t index;
};

static void path_render(const struct path *p, struct ep_buf *b, int pointer)
{
    if (!p)
        return;
    path_render(p->up, b, pointer);
    if (pointer) {
        ep_buf_putc(b, '/');
        if (p->key) {
            for (const char *c = p->key; *c; c++) {
                if (*c == '~')
                    ep_buf_append(b, "~0", 2);
                else if (*c == '/')
                    ep_buf_append(b, "~1", 2);
                else
                    ep_buf_putc(b, *c);
            }
        } else {
            ep_buf_printf(b, "%zu", p->index);
        }
        return;
    }
    if (p->key) {
        if (p->up)
            ep_buf_putc(b, '.');
        ep_buf_append(b, p->key, strlen(p->key));
    } else {
        ep_buf_printf(b, "[%zu]", p->index);
    }
}

/* ------------------------------------------------------ supported check */

static const char *const type_names[] = {"object", "array",   "string", "integer",
                                         "number", "boolean", "null"};

static int type_name_ok(const char *s)
{
    for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++)
        if (strcmp(s, type_names[i]) == 0)
            return 1;
    return 0;
}

static int unsupported(struct ep_error *err, const struct path *p, const char *kw, const char *what)
{
    struct ep_buf b;
    ep_buf_init(&b, 4096);
    path_render(p, &b, 1);
    ep_error_set(err, EP_EINVAL, "schema %s: keyword \"%s\" %s", b.len ? b.data : "(root)", kw,
                 what);
    ep_buf_free(&b);
    return EP_EINVAL;
}

static int is_nonneg_int(json_t *v)
{
    return json_is_integer(v) && json_integer_value(v) >= 0;
}

static int check_schema(json_t *s, const struct path *p, int depth, struct ep_error *err);

static int check_keyword(json_t *schema, const char *k, json_t *v, const struct path *p, int depth,
                         struct ep_error *err)
{
    struct path here = {p, k, 0};
    if (strcmp(k, "type") == 0) {
        if (json_is_string(v)) {
            if (!type_name_ok(json_string_value(v)))
                return unsupported(err, &here, k, "names an unknown type");
            return 0;
        }
        if (!json_is_array(v) || json_array_size(v) == 0)
            return unsupported(err, &here, k, "must be a type name or a non-empty array of them");
        size_t i;
        json_t *t;
        json_array_foreach(v, i, t)
        {
            if (!json_is_string(t) || !type_name_ok(json_string_value(t)))
                return unsupported(err, &here, k, "names an unknown type");
        }
        return 0;
    }
    if (strcmp(k, "properties") == 0) {
        if (!json_is_object(v))
            return unsupported(err, &here, k, "must be an object of schemas");
        const char *name;
        json_t *sub;
        json_object_foreach(v, name, sub)
        {
            struct path pp = {&here, name, 0};
            int rc = check_schema(sub, &pp, depth + 1, err);
            if (rc)
                return rc;
        }
        return 0;
    }
    if (strcmp(k, "required") == 0) {
        if (!json_is_array(v))
            return unsupported(err, &here, k, "must be an array of property names");
        size_t i;
        json_t *t;
        json_array_foreach(v, i, t)
        {
            if (!json_is_string(t))
                return unsupported(err, &here, k, "must be an array of property names");
        }
        return 0;
    }
    if (strcmp(k, "additionalProperties") == 0 || strcmp(k, "items") == 0) {
        if (json_is_boolean(v) && k[0] == 'a')
            return 0;
        if (!json_is_object(v))
            return unsupported(err, &here, k,
                               k[0] == 'a' ? "must be a boolean or a schema"
                                           : "must be a schema (tuple form is not supported)");
        return check_schema(v, &here, depth + 1, err);
    }
    if (strcmp(k, "enum") == 0) {
        if (!json_is_array(v) || json_array_size(v) == 0)
            return unsupported(err, &here, k, "must be a non-empty array");
        return 0;
    }
    if (strcmp(k, "minimum") == 0 || strcmp(k, "maximum") == 0) {
        if (!json_is_number(v))
            return unsupported(err, &here, k, "must be a number");
        return 0;
    }
    if (strcmp(k, "minLength") == 0 || strcmp(k, "maxLength") == 0 || strcmp(k, "minItems") == 0 ||
        strcmp(k, "maxItems") == 0) {
        if (!is_nonneg_int(v))
            return unsupported(err, &here, k, "must be a non-negative integer");
        return 0;
    }
    if (strcmp(k, "pattern") == 0) {
        if (!json_is_string(v))
            return unsupported(err, &here, k, "must be a string");
        regex_t re;
        int rc = regcomp(&re, json_string_value(v), REG_EXTENDED | REG_NOSUB);
        if (rc) {
            char msg[256];
            regerror(rc, &re, msg, sizeof msg);
            char what[512];
            snprintf(what, sizeof what, "does not compile as a POSIX extended regex: %s", msg);
            return unsupported(err, &here, k, what);
        }
        regfree(&re);
        return 0;
    }
    if (strcmp(k, "format") == 0) {
        const char *f = json_string_value(v);
        if (!f || (strcmp(f, "date") && strcmp(f, "date-time") && strcmp(f, "uri")))
            return unsupported(err, &here, k, "supports only \"date\", \"date-time\" and \"uri\"");
        return 0;
    }
    if (strcmp(k, "title") == 0 || strcmp(k, "description") == 0 || strcmp(k, "$schema") == 0) {
        if (!json_is_string(v))
            return unsupported(err, &here, k, "must be a string");
        return 0;
    }
    if (strcmp(k, "default") == 0 || strcmp(k, "examples") == 0)
        return 0;
    (void)schema;
    return unsupported(err, &here, k,
                       "is not supported (supported: type, properties, required, "
                       "additionalProperties, enum, minimum, maximum, minLength, maxLength, "
                       "pattern, items, minItems, maxItems, format, title, description, "
                       "default, examples, $schema)");
}

static int check_schema(json_t *s, const struct path *p, int depth, struct ep_error *err)
{
    if (depth > 64)
        return unsupported(err, p, "(nesting)", "is deeper than 64 levels");
    if (!json_is_object(s)) {
        struct ep_buf b;
        ep_buf_init(&b, 4096);
        path_render(p, &b, 1);
        ep_error_set(err, EP_EINVAL, "schema %s: must be an object", b.len ? b.data : "(root)");
        ep_buf_free(&b);
        return EP_EINVAL;
    }
    const char *k;
    json_t *v;
    json_object_foreach(s, k, v)
    {
        int rc = check_keyword(s, k, v, p, depth, err);
        if (rc)
            return rc;
    }
    return 0;
}

int ep_schema_check_supported(json_t *schema, struct ep_error *err)
{
    return check_schema(schema, NULL, 0, err);
}

/* ----------------------------------------------------------- validation */

/* Human description of what a schema allows, e.g. "an integer between 1 and 500". */
static void fmt_num(struct ep_buf *b, json_t *n)
{
    if (json_is_integer(n))
        ep_buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(n));
    else
        ep_buf_printf(b, "%.17g", json_number_value(n));
}

static const char *type_phrase(const char *t)
{
    if (strcmp(t, "object") == 0)
        return "an object";
    if (strcmp(t, "array") == 0)
        return "an array";
    if (strcmp(t, "string") == 0)
        return "a string";
    if (strcmp(t, "integer") == 0)
        return "an integer";
    if (strcmp(t, "number") == 0)
        return "a number";
    if (strcmp(t, "boolean") == 0)
        return "a boolean";
    return "null";
}

static void describe(json_t *s, struct ep_buf *b)
{
    json_t *en = json_object_get(s, "enum");
    if (en) {
        ep_buf_printf(b, "one of ");
        size_t i;
        json_t *e;
        json_array_foreach(en, i, e)
        {
            char *t = json_dumps(e, JSON_COMPACT | JSON_ENCODE_ANY);
            ep_buf_printf(b, "%s%s", i ? ", " : "", t ? t : "?");
            free(t);
        }
        return;
    }
    json_t *ty = json_object_get(s, "type");
    if (json_is_string(ty)) {
        ep_buf_printf(b, "%s", type_phrase(json_string_value(ty)));
    } else if (json_is_array(ty)) {
        size_t i;
        json_t *t;
        json_array_foreach(ty, i, t)
        {
            ep_buf_printf(b, "%s%s", i == 0 ? "" : (i + 1 == json_array_size(ty) ? " or " : ", "),
                          type_phrase(json_string_value(t)));
        }
    } else {
        ep_buf_printf(b, "a value");
    }
    json_t *mn = json_object_get(s, "minimum"), *mx = json_object_get(s, "maximum");
    if (mn && mx) {
        ep_buf_printf(b, " between ");
        fmt_num(b, mn);
        ep_buf_printf(b, " and ");
        fmt_num(b, mx);
    } else if (mn) {
        ep_buf_printf(b, " >= ");
        fmt_num(b, mn);
    } else if (mx) {
        ep_buf_printf(b, " <= ");
        fmt_num(b, mx);
    }
    json_t *l0 = json_object_get(s, "minLength"), *l1 = json_object_get(s, "maxLength");
    if (l0 && l1)
        ep_buf_printf(b, " of %" JSON_INTEGER_FORMAT " to %" JSON_INTEGER_FORMAT " characters",
                      json_integer_value(l0), json_integer_value(l1));
    else if (l0)
        ep_buf_printf(b, " of at least %" JSON_INTEGER_FORMAT " characters",
                      json_integer_value(l0));
    else if (l1)
        ep_buf_printf(b, " of at most %" JSON_INTEGER_FORMAT " characters", json_integer_value(l1));
    json_t *i0 = json_object_get(s, "minItems"), *i1 = json_object_get(s, "maxItems");
    if (i0 && i1)
        ep_buf_printf(b, " with %" JSON_INTEGER_FORMAT " to %" JSON_INTEGER_FORMAT " items",
                      json_integer_value(i0), json_integer_value(i1));
    else if (i0)
        ep_buf_printf(b, " with at least %" JSON_INTEGER_FORMAT " items", json_integer_value(i0));
    else if (i1)
        ep_buf_printf(b, " with at most %" JSON_INTEGER_FORMAT " items", json_integer_value(i1));
    json_t *fm = json_object_get(s, "format");
    if (fm && strcmp(json_string_value(fm), "date") == 0)
        ep_buf_printf(b, " in date format YYYY-MM-DD");
    json_t *pat = json_object_get(s, "pattern");
    if (pat)
        ep_buf_printf(b, " matching /%s/", json_string_value(pat));
}

/* Short rendering of a value for "got ...". */
static void got(json_t *v, struct ep_buf *b)
{
    if (json_is_object(v)) {
        ep_buf_printf(b, "an object");
        return;
    }
    if (json_is_array(v)) {
        ep_buf_printf(b, "an array of %zu items", json_array_size(v));
        return;
    }
    char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!t) {
        ep_buf_printf(b, "?");
        return;
    }
    size_t n = strlen(t);
    if (n > 80) {
        /* cut on a UTF-8 boundary */
        size_t k = 72;
        while (k > 0 && ((unsigned char)t[k] & 0xC0) == 0x80)
            k--;
        ep_buf_append(b, t, k);
        ep_buf_printf(b, "...\" (%zu bytes)", json_string_length(v));
    } else {
        ep_buf_append(b, t, n);
    }
    free(t);
}

static int fail(struct ep_error *err, const struct path *p, json_t *schema, json_t *v,
                const char *extra)
{
    struct ep_buf b;
    ep_buf_init(&b, 0);
    ep_buf_printf(&b, "argument");
    if (p) {
        ep_buf_printf(&b, " \"");
        path_render(p, &b, 0);
        ep_buf_printf(&b, "\"");
    } else {
        ep_buf_printf(&b, "s");
    }
    ep_buf_printf(&b, ": must be ");
    describe(schema, &b);
    ep_buf_printf(&b, ", got ");
    if (extra)
        ep_buf_printf(&b, "%s", extra);
    else
        got(v, &b);
    ep_error_set(err, EP_EINVAL, "%s", b.data ? b.data : "invalid argument");
    ep_buf_free(&b);
    return EP_EINVAL;
}

static int type_matches(const char *t, json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return strcmp(t, "object") == 0;
    case JSON_ARRAY: return strcmp(t, "array") == 0;
    case JSON_STRING: return strcmp(t, "string") == 0;
    case JSON_INTEGER: return strcmp(t, "integer") == 0 || strcmp(t, "number") == 0;
    case JSON_REAL: return strcmp(t, "number") == 0;
    case JSON_TRUE:
    case JSON_FALSE: return strcmp(t, "boolean") == 0;
    case JSON_NULL: return strcmp(t, "null") == 0;
    }
    return 0;
}

static size_t utf8_count(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            c++;
    return c;
}

static double num_of(json_t *v)
{
    return json_number_value(v);
}

static int validate(json_t *s, json_t *v, const struct path *p, struct ep_error *err);

static int validate_object(json_t *s, json_t *v, const struct path *p, struct ep_error *err)
{
    json_t *props = json_object_get(s, "properties");
    json_t *req = json_object_get(s, "required");
    json_t *addl = json_object_get(s, "additionalProperties");
    size_t i;
    json_t *r;
    json_array_foreach(req, i, r)
    {
        const char *name = json_string_value(r);
        if (!json_object_get(v, name)) {
            struct path pp = {p, name, 0};
            struct ep_buf b;
            ep_buf_init(&b, 0);
            path_render(&pp, &b, 0);
            json_t *ps = json_object_get(props, name);
            if (ps) {
                struct ep_buf d;
                ep_buf_init(&d, 0);
                describe(ps, &d);
                ep_error_set(err, EP_EINVAL, "argument \"%s\" is required (%s)", b.data,
                             d.data ? d.data : "a value");
                ep_buf_free(&d);
            } else {
                ep_error_set(err, EP_EINVAL, "argument \"%s\" is required", b.data);
            }
            ep_buf_free(&b);
            return EP_EINVAL;
        }
    }
    const char *k;
    json_t *m;
    json_object_foreach(v, k, m)
    {
        struct path pp = {p, k, 0};
        json_t *ps = json_object_get(props, k);
        if (ps) {
            int rc = validate(ps, m, &pp, err);
            if (rc)
                return rc;
        } else if (json_is_false(addl)) {
            struct ep_buf b;
            ep_buf_init(&b, 0);
            path_render(&pp, &b, 0);
            ep_buf_printf(&b, "\" is not allowed; allowed: ");
            const char *pk;
            json_t *pv;
            int first = 1;
            json_object_foreach(props, pk, pv)
            {
                ep_buf_printf(&b, "%s%s", first ? "" : ", ", pk);
                first = 0;
            }
            if (first)
                ep_buf_printf(&b, "(none)");
            ep_error_set(err, EP_EINVAL, "argument \"%s", b.data);
            ep_buf_free(&b);
            return EP_EINVAL;
        } else if (json_is_object(addl)) {
            int rc = validate(addl, m, &pp, err);
            if (rc)
                return rc;
        }
    }
    return 0;
}

static int validate(json_t *s, json_t *v, const struct path *p, struct ep_error *err)
{
    json_t *ty = json_object_get(s, "type");
    if (json_is_string(ty)) {
        if (!type_matches(json_string_value(ty), v))
            return fail(err, p, s, v, NULL);
    } else if (json_is_array(ty)) {
        size_t i;
        json_t *t;
        int ok = 0;
        json_array_foreach(ty, i, t)
        {
            if (type_matches(json_string_value(t), v))
                ok = 1;
        }
        if (!ok)
            return fail(err, p, s, v, NULL);
    }
    json_t *en = json_object_get(s, "enum");
    if (en) {
        size_t i;
        json_t *e;
        int ok = 0;
        json_array_foreach(en, i, e)
        {
            if (json_equal(e, v))
                ok = 1;
        }
        if (!ok)
            return fail(err, p, s, v, NULL);
    }
    if (json_is_number(v)) {
        json_t *mn = json_object_get(s, "minimum"), *mx = json_object_get(s, "maximum");
        if (json_is_integer(v) && json_is_integer(mn) &&
            json_integer_value(v) < json_integer_value(mn))
            return fail(err, p, s, v, NULL);
        if (json_is_integer(v) && json_is_integer(mx) &&
            json_integer_value(v) > json_integer_value(mx))
            return fail(err, p, s, v, NULL);
        if (mn && !(json_is_integer(v) && json_is_integer(mn)) && num_of(v) < num_of(mn))
            return fail(err, p, s, v, NULL);
        if (mx && !(json_is_integer(v) && json_is_integer(mx)) && num_of(v) > num_of(mx))
            return fail(err, p, s, v, NULL);
    }
    if (json_is_string(v)) {
        const char *str = json_string_value(v);
        size_t n = json_string_length(v);
        json_t *l0 = json_object_get(s, "minLength"), *l1 = json_object_get(s, "maxLength");
        if (l0 || l1) {
            size_t cp = utf8_count(str, n);
            if ((l0 && cp < (size_t)json_integer_value(l0)) ||
                (l1 && cp > (size_t)json_integer_value(l1))) {
                char extra[64];
                snprintf(extra, sizeof extra, "a string of %zu characters", cp);
                return fail(err, p, s, v, extra);
            }
        }
        json_t *fm = json_object_get(s, "format");
        if (fm && strcmp(json_string_value(fm), "date") == 0 && !ep_date_valid(str))
            return fail(err, p, s, v, NULL);
        json_t *pat = json_object_get(s, "pattern");
        if (pat) {
            if (memchr(str, '\0', n))
                return fail(err, p, s, v, NULL);
            regex_t re;
            if (regcomp(&re, json_string_value(pat), REG_EXTENDED | REG_NOSUB) != 0)
                return ep_error_set(err, EP_EINTERNAL, "schema pattern /%s/ does not compile",
                                    json_string_value(pat));
            int rc = regexec(&re, str, 0, NULL, 0);
            regfree(&re);
            if (rc != 0)
                return fail(err, p, s, v, NULL);
        }
    }
    if (json_is_array(v)) {
        json_t *i0 = json_object_get(s, "minItems"), *i1 = json_object_get(s, "maxItems");
        size_t n = json_array_size(v);
        if ((i0 && n < (size_t)json_integer_value(i0)) ||
            (i1 && n > (size_t)json_integer_value(i1)))
            return fail(err, p, s, v, NULL);
        json_t *items = json_object_get(s, "items");
        if (json_is_object(items)) {
            size_t i;
            json_t *e;
            json_array_foreach(v, i, e)
            {
                struct path pp = {p, NULL, i};
                int rc = validate(items, e, &pp, err);
                if (rc)
                    return rc;
            }
        }
    }
    if (json_is_object(v))
        return validate_object(s, v, p, err);
    return 0;
}

int ep_schema_validate(json_t *schema, json_t *value, struct ep_error *err)
{
    if (!schema || !value)
        return ep_error_set(err, EP_EINVAL, "schema validation: missing %s",
                            schema ? "value" : "schema");
    return validate(schema, value, NULL, err);
}

json_t *ep_schema_with_defaults(json_t *schema, json_t *args)
{
    json_t *props = json_object_get(schema, "properties");
    json_t *out = NULL;
    const char *k;
    json_t *p;
    json_object_foreach(props, k, p)
    {
        json_t *d = json_object_get(p, "default");
        if (!d || json_object_get(args, k))
            continue;
        if (!out && !(out = json_copy(args)))
            return NULL;
        if (json_object_set_new(out, k, json_deep_copy(d))) {
            json_decref(out);
            return NULL;
        }
    }
    return out ? out : json_incref(args);
}
