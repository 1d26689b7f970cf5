#include "ep_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *ep_strerror(int code)
{
    switch (code) {
    case EP_OK: return "ok";
    case EP_EINVAL: return "invalid argument";
    case EP_EIO: return "I/O error";
    case EP_EPARSE: return "malformed input";
    case EP_ENOMEM: return "out of memory";
    case EP_ENOTFOUND: return "not found";
    case EP_EDB: return "database error";
    case EP_ECONFLICT: return "conflict with stored data";
    case EP_ELIMIT: return "limit exceeded";
    case EP_EUNAVAIL: return "unavailable";
    case EP_ECANCELED: return "cancelled";
    case EP_EINTERNAL: return "internal error";
    default: return "unknown error";
    }
}

static void mark_truncated(char *buf, size_t size, int n)
{
    if (n >= (int)size && size > 4)
        memcpy(buf + size - 4, "...", 4);
}

struct ep_error *ep_error_fmt(struct ep_error *err, const char *fmt, ...)
{
    if (!err)
        return NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    mark_truncated(err->msg, sizeof err->msg, n);
    return err;
}

int ep_error_prefix(struct ep_error *err, const char *fmt, ...)
{
    if (!err)
        return EP_OK;
    char old[EP_ERROR_MSG_MAX];
    memcpy(old, err->msg, sizeof old);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    if ((size_t)n < sizeof err->msg) {
        int m = snprintf(err->msg + n, sizeof err->msg - (size_t)n, "%s", old);
        mark_truncated(err->msg, sizeof err->msg, n + m);
    } else {
        mark_truncated(err->msg, sizeof err->msg, n);
    }
    return err->code;
}

void ep_error_clear(struct ep_error *err)
{
    if (err) {
        err->code = EP_OK;
        err->msg[0] = '\0';
    }
}
