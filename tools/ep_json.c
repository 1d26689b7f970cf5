/* ep_json: JSON helpers for tool results (see ep_json.h for the rounding rule). */
#include "ep_json.h"
#include "ep_util.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>

double ep_json_round(double x)
{
    return ep_round6(x); /* engine/ep_util.h: the rule, shared with report/ */
}

json_t *ep_json_real(double x)
{
    return isfinite(x) ? json_real(ep_json_round(x)) : json_null();
}

json_t *ep_json_real_if(int ok, double x)
{
    return ok ? ep_json_real(x) : json_null();
}

json_t *ep_json_str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

json_t *ep_json_strings_n(const char *const *s, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        if (json_array_append_new(a, ep_json_str_or_null(s[i]))) {
            json_decref(a);
            return NULL;
        }
    return a;
}

json_t *ep_json_strings(const char *const *s)
{
    size_t n = 0;
    while (s && s[n])
        n++;
    return ep_json_strings_n(s, n);
}

void ep_json_put(json_t *o, const char *k, json_t *v, int *bad)
{
    if (!v) {
        *bad = 1;
        return;
    }
    if (!o) {
        json_decref(v);
        *bad = 1;
        return;
    }
    if (json_object_set_new(o, k, v)) /* releases v on failure */
        *bad = 1;
}

void ep_json_add(json_t *a, json_t *v, int *bad)
{
    if (!v) {
        *bad = 1;
        return;
    }
    if (!a) {
        json_decref(v);
        *bad = 1;
        return;
    }
    if (json_array_append_new(a, v))
        *bad = 1;
}

json_t *ep_json_unavailable(const char *reason)
{
    return json_pack("{s:b,s:s}", "available", 0, "reason", reason ? reason : "not available");
}

json_t *ep_json_unavailablef(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return ep_json_unavailable(buf);
}

json_t *ep_json_available(double x)
{
    json_t *o = json_object();
    int bad = 0;
    ep_json_put(o, "available", json_true(), &bad);
    ep_json_put(o, "value", ep_json_real(x), &bad);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}
