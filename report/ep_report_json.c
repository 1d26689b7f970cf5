/* Canonical JSON through jansson: sorted keys, NaN/Inf refused. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ep_report.h"

static int finite_all(json_t *v, int depth)
{
    if (depth > 256)
        return 0;
    switch (json_typeof(v)) {
    case JSON_REAL: return isfinite(json_real_value(v));
    case JSON_OBJECT: {
        const char *k;
        json_t *x;
        json_object_foreach(v, k, x)
        {
            if (!finite_all(x, depth + 1))
                return 0;
        }
        return 1;
    }
    case JSON_ARRAY: {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x)
        {
            if (!finite_all(x, depth + 1))
                return 0;
        }
        return 1;
    }
    default: return 1;
    }
}

int ep_report_json_canonical(json_t *v, int indent, struct ep_buf *out, struct ep_error *err)
{
    if (!v || !out)
        return ep_error_set(err, EP_EINVAL, "canonical JSON: no value");
    if (indent < 0 || indent > 8)
        return ep_error_set(err, EP_EINVAL, "canonical JSON: indent %d out of range 0..8", indent);
    if (!finite_all(v, 0))
        return ep_error_set(err, EP_EINVAL,
                            "canonical JSON: the value holds NaN or Inf (or nests too deep)");
    size_t flags = JSON_SORT_KEYS | JSON_ENCODE_ANY;
    flags |= indent ? JSON_INDENT(indent) : JSON_COMPACT;
    char *s = json_dumps(v, flags);
    if (!s)
        return ep_error_set(err, EP_ENOMEM, "canonical JSON: out of memory");
    size_t n = strlen(s);
    int rc = ep_buf_append(out, s, n);
    if (rc == 0 && indent)
        rc = ep_buf_putc(out, '\n');
    free(s);
    if (rc)
        return ep_error_set(err, rc, "canonical JSON: output buffer limit reached");
    return 0;
}
