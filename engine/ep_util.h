/* ep_util: growable byte buffer with a cap, file helpers, date helpers. */
#ifndef EP_UTIL_H
#define EP_UTIL_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "ep_error.h"

/* Growable buffer. data is always NUL-terminated (len excludes the NUL).
 * cap = maximum len (0 = no cap); growing past it fails with EP_ELIMIT. Owner frees with
 * ep_buf_free(). */
struct ep_buf {
    char *data;
    size_t len, alloc, cap;
};

void ep_buf_init(struct ep_buf *b, size_t cap);
void ep_buf_free(struct ep_buf *b);
void ep_buf_reset(struct ep_buf *b); /* len = 0, keeps memory */
int ep_buf_append(struct ep_buf *b, const void *p, size_t n);
int ep_buf_putc(struct ep_buf *b, char c);
int ep_buf_printf(struct ep_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Detach the data (caller frees with free()); the buffer is left empty. */
char *ep_buf_steal(struct ep_buf *b);

/* Read a whole file, plain or gzip (detected by magic), into out (cap bytes max, 0 = none).
 * Errors name the path. gzip is decompressed as a stream: content beyond EP_GZ_HOLD bytes is
 * first only counted (and refused with EP_ELIMIT as soon as it passes cap), then read again
 * into one allocation of its size, so a gzip bomb is refused without holding more than
 * EP_GZ_HOLD bytes. */
int ep_read_file(const char *path, size_t cap, struct ep_buf *out, struct ep_error *err);
#define EP_GZ_HOLD ((size_t)32 << 20)

/* The first n bytes (or fewer, if the file is shorter) of a file's content, plain or gzip,
 * into out. */
int ep_read_head(const char *path, size_t n, struct ep_buf *out, struct ep_error *err);

/* 0 if path may be written: it does not exist, or it is a regular file (lstat: not a symbolic
 * link). Else EP_EINVAL with a message that names what is there (a folder, a FIFO, a device,
 * a symbolic link, ...). */
int ep_out_check(const char *path, struct ep_error *err);

/* Write data to path atomically: temp file in the same directory, fsync, rename. Only to a
 * regular file or a new path (ep_out_check, before and again just before the rename): a FIFO,
 * a device, a folder or a symbolic link is refused and left as it was. */
int ep_write_file_atomic(const char *path, const void *data, size_t n, struct ep_error *err);
/* The same with the file's mode (e.g. 0600 for a file only its owner may read). */
int ep_write_file_atomic_mode(const char *path, const void *data, size_t n, unsigned mode,
                              struct ep_error *err);

/* mkdir -p with mode 0700 for new components. */
int ep_mkdirs(const char *path, struct ep_error *err);

/* Open a log for appending, as a private regular file: created 0600, an existing one set to
 * 0600; a symbolic link, FIFO, device or directory at path is refused (EP_EINVAL naming it), so
 * a planted link cannot redirect the log. The FILE is line-buffered by the caller's choice. */
FILE *ep_log_open(const char *path, struct ep_error *err);

/* A copy of url (caller frees; NULL when out of memory) fit to show: the user-info of the
 * authority ("user:pass@") becomes "***@", and the value of every query parameter whose name
 * suggests a secret (key, api_key, apikey, token, access_token, password, passwd, secret,
 * signature, sig, auth; any case) becomes "***". */
char *ep_url_redact(const char *url);

/* 1 if s is a valid calendar date YYYY-MM-DD, else 0. */
int ep_date_valid(const char *s);
/* Days since 1970-01-01 for a valid YYYY-MM-DD (first 10 chars of s); INT32_MIN if invalid. */
int32_t ep_date_days(const char *s);
/* Inverse of ep_date_days: writes YYYY-MM-DD + NUL into out[11]. */
void ep_date_format(int32_t days, char out[11]);

/* 1 if the n bytes at s are valid UTF-8 (no overlongs, no surrogates). */
int ep_utf8_valid(const char *s, size_t n);

/* strdup that returns NULL for NULL. */
char *ep_strdup0(const char *s);

/* Monotonic clock in seconds. */
double ep_now(void);

/* The one rounding rule of every real a result prints (tools/ep_json.h, ep_json_round): x
 * rounded to 6 decimals (round(x * 1e6) / 1e6, half away from zero), -0 as 0; NaN and Inf are
 * returned unchanged. Renderers that draw from the typed results (report/) apply it where the
 * rounded figure decides a pixel or a label, so that they match the JSON. */
double ep_round6(double x);

/* Memory policy for a batch job (one process per job, large short-lived arrays): freed memory
 * stays in the heap for reuse (no mmap for big blocks, no trimming), the heap is reserved
 * `reserve` bytes ahead, and that reserve is marked for transparent huge pages
 * (MADV_HUGEPAGE), so filling it costs one page fault per 2 MiB instead of per 4 KiB. Where
 * the allocator is not glibc's (sanitizers) or THP is off, it only sets what applies. */
void ep_mem_batch(size_t reserve);

/* Memory policy for the long-running server: a tool call allocates and frees blocks of a few
 * MiB (vote matrix views, result JSON); glibc's defaults give big ones back to the kernel
 * (mmap/munmap, heap trim) after each call and fault them in again on the next. Blocks up to
 * 32 MiB come from the heap and up to 128 MiB of free heap top is kept per arena, so that
 * memory is reused; what the process holds stays bounded by those figures plus its caches.
 * At most 2 malloc arenas unless the environment sets MALLOC_ARENA_MAX (bench/memory.sh). */
void ep_mem_server(void);

#endif
