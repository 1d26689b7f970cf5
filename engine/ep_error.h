/* ep_error: error codes and the caller-provided error struct used by every layer.
 *
 * Convention: functions return int, 0 on success or a negative EP_E* code, and fill
 * a caller-provided struct ep_error (which may be NULL) with a human message that says
 * what went wrong and, where it applies, where (file, line or record) and what to fix. */
#ifndef EP_ERROR_H
#define EP_ERROR_H

#include <stddef.h>

enum {
    EP_OK = 0,
    EP_EINVAL = -1,     /* bad argument from the caller or user */
    EP_EIO = -2,        /* file or socket I/O failed */
    EP_EPARSE = -3,     /* malformed input data (XML, CSV, JSON) */
    EP_ENOMEM = -4,     /* allocation failed */
    EP_ENOTFOUND = -5,  /* the thing asked for does not exist */
    EP_EDB = -6,        /* SQLite failure */
    EP_ECONFLICT = -7,  /* input contradicts what is stored */
    EP_ELIMIT = -8,     /* an explicit limit was exceeded */
    EP_EUNAVAIL = -9,   /* data or upstream not available */
    EP_ECANCELED = -10, /* the operation was cancelled */
    EP_EINTERNAL = -11, /* a bug or library failure */
};

/* Longest message kept; longer messages end with "..." (never silently cut). */
#define EP_ERROR_MSG_MAX 1024

struct ep_error {
    int code;
    char msg[EP_ERROR_MSG_MAX];
};

/* Static text for a code ("invalid argument", ...). Never NULL. */
const char *ep_strerror(int code);

/* Fill err (if not NULL) with a printf-style message and return err. The message half of
 * ep_error_set; call ep_error_set, not this. */
struct ep_error *ep_error_fmt(struct ep_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The code half of ep_error_set: store code in err (if not NULL) and return it. Inline, so
 * that the static analysers (clang-tidy's, gcc -fanalyzer) see the code come back. */
static inline int ep_error_code(struct ep_error *err, int code)
{
    if (err)
        err->code = code;
    return code;
}

/* Fill err (if not NULL) with code and a printf-style message; returns code so that
 * callers can write `return ep_error_set(err, EP_EINVAL, "...")` or
 * `rc = ep_error_set(err, EP_ENOMEM, "out of memory")`. A macro over the out-of-line
 * ep_error_fmt and the inline ep_error_code: each argument is evaluated once, and the
 * analysers see that the result is code (they could not see through a variadic function). */
#define ep_error_set(err, code, ...) ep_error_code(ep_error_fmt((err), __VA_ARGS__), (code))

/* Prefix the message already in err with more context ("file.xml:12: " + old). */
int ep_error_prefix(struct ep_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void ep_error_clear(struct ep_error *err);

#endif
