#include "ep_util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

void ep_buf_init(struct ep_buf *b, size_t cap)
{
    b->data = NULL;
    b->len = b->alloc = 0;
    b->cap = cap;
}

void ep_buf_free(struct ep_buf *b)
{
    free(b->data);
    ep_buf_init(b, b->cap);
}

void ep_buf_reset(struct ep_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

static int buf_reserve(struct ep_buf *b, size_t extra)
{
    if (b->cap && b->len + extra > b->cap)
        return EP_ELIMIT;
    if (b->len + extra + 1 <= b->alloc)
        return EP_OK;
    size_t n = b->alloc ? b->alloc : 64;
    while (n < b->len + extra + 1) {
        if (n > SIZE_MAX / 2)
            return EP_ENOMEM;
        n *= 2;
    }
    char *p = realloc(b->data, n);
    if (!p)
        return EP_ENOMEM;
    b->data = p;
    b->alloc = n;
    return EP_OK;
}

int ep_buf_append(struct ep_buf *b, const void *p, size_t n)
{
    int rc = buf_reserve(b, n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return EP_OK;
}

int ep_buf_putc(struct ep_buf *b, char c)
{
    return ep_buf_append(b, &c, 1);
}

int ep_buf_printf(struct ep_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return EP_EINTERNAL;
    int rc = buf_reserve(b, (size_t)n);
    if (rc)
        return rc;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return EP_OK;
}

char *ep_buf_steal(struct ep_buf *b)
{
    char *p = b->data;
    if (!p)
        p = calloc(1, 1);
    ep_buf_init(b, b->cap);
    return p;
}

/* Read from fd straight into out's spare room, growing it as needed (first to hint bytes: a
 * plain regular file is read into one allocation of its size, with no bounce buffer). */
static int read_into(struct ep_buf *out, int fd, size_t hint, const char *path,
                     struct ep_error *err)
{
    size_t want = hint ? hint : 65536;
    for (;;) {
        if (out->cap && want > out->cap - out->len)
            want = out->cap - out->len;
        if (want && buf_reserve(out, want))
            return ep_error_set(err, EP_ENOMEM, "%s: out of memory", path);
        size_t room = out->alloc ? out->alloc - out->len - 1 : 0;
        if (out->cap && room > out->cap - out->len)
            room = out->cap - out->len;
        if (room > (size_t)INT_MAX)
            room = (size_t)INT_MAX;
        char probe = 0;
        char *dst = room ? out->data + out->len : &probe; /* room 0: is there more? */
        size_t ask = room ? room : 1;
        ssize_t n = read(fd, dst, ask);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        if (n == 0)
            return EP_OK;
        if (!room)
            return ep_error_set(err, EP_ELIMIT, "%s: larger than the limit of %zu bytes", path,
                                out->cap);
        out->len += (size_t)n;
        out->data[out->len] = '\0';
        /* room left: read again before growing; else double (the size was unknown) */
        want = (size_t)n < room ? 0 : (out->len < 65536 ? 65536 : out->len);
    }
    return ep_error_set(err, EP_EIO, "%s: read failed: %s", path, strerror(errno));
}

/* One pass of inflate over the gzip file on fd, from its current offset. The first `keep`
 * bytes of content are appended to out; with `head`, the pass ends there, else the rest is
 * decompressed into a small scratch area and only counted. *total receives the content's size.
 * Fails with EP_ELIMIT as soon as the content passes cap (0 = no cap), so memory stays bounded
 * by keep whatever the file expands to. Members after the first are read (as gzip -d does);
 * trailing bytes that do not start another member are ignored (as zlib's gzread does). */
static int gz_pass(int fd, const char *path, size_t keep, size_t cap, int head, struct ep_buf *out,
                   uint64_t *total, struct ep_error *err)
{
    enum { IN = 65536, SCRATCH = 65536 };
    unsigned char *in = malloc(IN), *scratch = malloc(SCRATCH);
    z_stream z;
    memset(&z, 0, sizeof z);
    int rc = EP_OK;
    if (!in || !scratch || inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
        free(in);
        free(scratch);
        return ep_error_set(err, EP_ENOMEM, "%s: out of memory", path);
    }
    uint64_t tot = 0;
    int eof = 0, ended = 0;
    for (;;) {
        if (z.avail_in == 0 && !eof) {
            ssize_t n = read(fd, in, IN);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                rc = ep_error_set(err, EP_EIO, "%s: read failed: %s", path, strerror(errno));
                break;
            }
            eof = n == 0;
            z.next_in = in;
            z.avail_in = (uInt)n;
        }
        if (ended) { /* after a member: another one, or the end */
            if (z.avail_in == 0 || z.next_in[0] != 0x1f)
                break;
            inflateReset(&z);
            ended = 0;
        }
        unsigned char *dst = scratch;
        size_t want = SCRATCH;
        if (out->len < keep) {
            size_t grow = out->len < 65536 ? 65536 : out->len;
            if (grow > keep - out->len)
                grow = keep - out->len;
            if (out->alloc < out->len + 2 && buf_reserve(out, grow)) {
                rc = ep_error_set(err, EP_ENOMEM, "%s: out of memory", path);
                break;
            }
            dst = (unsigned char *)out->data + out->len;
            want = out->alloc - out->len - 1;
            if (want > keep - out->len)
                want = keep - out->len;
        } else if (head) {
            break;
        }
        if (want > (size_t)UINT_MAX)
            want = UINT_MAX;
        z.next_out = dst;
        z.avail_out = (uInt)want;
        int zr = inflate(&z, Z_NO_FLUSH);
        size_t got = want - z.avail_out;
        if (dst != scratch && got) {
            out->len += got;
            out->data[out->len] = '\0';
        }
        tot += got;
        if (cap && tot > cap) {
            rc = ep_error_set(err, EP_ELIMIT,
                              "%s: gzip content larger than the limit of %zu bytes "
                              "(decompression stopped there; nothing of it is kept)",
                              path, cap);
            break;
        }
        if (zr == Z_STREAM_END) {
            ended = 1;
        } else if (zr == Z_BUF_ERROR || (zr == Z_OK && got == 0 && z.avail_in == 0)) {
            if (eof && z.avail_in == 0) {
                rc = ep_error_set(err, EP_EPARSE,
                                  "%s: truncated gzip data (the file ends inside its "
                                  "compressed stream)",
                                  path);
                break;
            }
        } else if (zr == Z_MEM_ERROR) {
            rc = ep_error_set(err, EP_ENOMEM, "%s: out of memory", path);
            break;
        } else if (zr != Z_OK) {
            rc = ep_error_set(err, EP_EPARSE, "%s: corrupt gzip data (%s)", path,
                              z.msg ? z.msg : "zlib error");
            break;
        }
    }
    inflateEnd(&z);
    free(in);
    free(scratch);
    *total = tot;
    return rc;
}

/* A gzip file's content into out, in memory bounded by EP_GZ_HOLD until its size is known: a
 * file whose content exceeds that is counted to its end (or refused at cap) and read again
 * into one allocation of its size. */
static int read_gzip(int fd, const char *path, size_t cap, struct ep_buf *out, struct ep_error *err)
{
    size_t keep = cap && cap < EP_GZ_HOLD ? cap : EP_GZ_HOLD;
    uint64_t total = 0;
    int rc = gz_pass(fd, path, keep, cap, 0, out, &total, err);
    if (rc || total == out->len)
        return rc;
    if (total >= SIZE_MAX)
        return ep_error_set(err, EP_ENOMEM, "%s: out of memory", path);
    if (lseek(fd, 0, SEEK_SET) != 0)
        return ep_error_set(err, EP_EIO,
                            "%s: its gzip content (%llu bytes) is more than %zu bytes and the "
                            "file cannot be read a second time (not a regular file)",
                            path, (unsigned long long)total, keep);
    char *p = realloc(out->data, (size_t)total + 1);
    if (!p)
        return ep_error_set(err, EP_ENOMEM, "%s: out of memory", path);
    out->data = p;
    out->alloc = (size_t)total + 1;
    ep_buf_reset(out);
    uint64_t again = 0;
    rc = gz_pass(fd, path, (size_t)total, (size_t)total, 0, out, &again, err);
    if (!rc && again != total)
        rc = ep_error_set(err, EP_EIO, "%s: changed while it was read", path);
    return rc;
}

static int is_gzip(int fd)
{
    unsigned char magic[2] = {0, 0};
    return pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
}

int ep_read_file(const char *path, size_t cap, struct ep_buf *out, struct ep_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ep_error_set(err, EP_EIO, "%s: cannot open: %s", path,
                            strerror(errno ? errno : ENOENT));
    out->cap = cap;
    ep_buf_reset(out);
    int rc;
    if (is_gzip(fd)) {
        rc = read_gzip(fd, path, cap, out, err);
    } else {
        struct stat sb;
        size_t hint = 0;
        if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0)
            hint = (size_t)sb.st_size;
        rc = read_into(out, fd, hint, path, err);
    }
    close(fd);
    if (rc)
        return rc;
    if (!out->data)
        ep_buf_append(out, "", 0);
    return EP_OK;
}

int ep_read_head(const char *path, size_t n, struct ep_buf *out, struct ep_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ep_error_set(err, EP_EIO, "%s: cannot open: %s", path,
                            strerror(errno ? errno : ENOENT));
    out->cap = 0;
    ep_buf_reset(out);
    int rc;
    if (is_gzip(fd)) {
        uint64_t total;
        rc = gz_pass(fd, path, n, 0, 1, out, &total, err);
    } else {
        out->cap = n;
        rc = read_into(out, fd, n, path, err);
        if (rc == EP_ELIMIT)
            rc = EP_OK; /* more than n bytes: the first n are what was asked */
    }
    close(fd);
    if (!rc && !out->data)
        rc = ep_buf_append(out, "", 0);
    return rc;
}

int ep_out_check(const char *path, struct ep_error *err)
{
    struct stat sb;
    if (lstat(path, &sb) != 0) {
        if (errno == ENOENT)
            return EP_OK;
        return ep_error_set(err, EP_EIO, "%s: cannot write there: %s", path, strerror(errno));
    }
    if (S_ISREG(sb.st_mode))
        return EP_OK;
    const char *what = S_ISLNK(sb.st_mode)                          ? "a symbolic link"
                       : S_ISDIR(sb.st_mode)                        ? "a folder"
                       : S_ISFIFO(sb.st_mode)                       ? "a FIFO (named pipe)"
                       : S_ISCHR(sb.st_mode) || S_ISBLK(sb.st_mode) ? "a device"
                       : S_ISSOCK(sb.st_mode)                       ? "a socket"
                                                                    : "not a regular file";
    return ep_error_set(err, EP_EINVAL,
                        "%s: is %s; epintel writes only to a regular file or a new path and has "
                        "left it as it was: give another path",
                        path, what);
}

int ep_write_file_atomic(const char *path, const void *data, size_t n, struct ep_error *err)
{
    return ep_write_file_atomic_mode(path, data, n, 0644, err);
}

int ep_write_file_atomic_mode(const char *path, const void *data, size_t n, unsigned mode,
                              struct ep_error *err)
{
    int rc = ep_out_check(path, err);
    if (rc)
        return rc;
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 32);
    if (!tmp)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    snprintf(tmp, plen + 32, "%s.tmp.%ld", path, (long)getpid());
    unlink(tmp); /* a leftover of a killed run with this pid; never followed (O_NOFOLLOW) */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, (mode_t)mode);
    if (fd >= 0 && fchmod(fd, (mode_t)mode) != 0) { /* exactly mode, whatever the umask */
        close(fd);
        unlink(tmp);
        fd = -1;
    }
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return ep_error_set(err, EP_EIO, "%s: cannot create: %s", path, strerror(e));
    }
    const char *p = data;
    size_t left = n;
    while (left) {
        ssize_t w = write(fd, p, left);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            unlink(tmp);
            free(tmp);
            return ep_error_set(err, EP_EIO, "%s: write failed: %s", path, strerror(e));
        }
        p += w;
        left -= (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        int e = errno;
        unlink(tmp);
        free(tmp);
        return ep_error_set(err, EP_EIO, "%s: write failed: %s", path, strerror(e));
    }
    /* again just before the rename: something may have been put there meanwhile */
    rc = ep_out_check(path, err);
    if (rc == 0 && rename(tmp, path) != 0)
        rc = ep_error_set(err, EP_EIO, "%s: rename failed: %s", path, strerror(errno));
    if (rc)
        unlink(tmp);
    free(tmp);
    return rc;
}

int ep_mkdirs(const char *path, struct ep_error *err)
{
    char *p = strdup(path);
    if (!p)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    for (char *s = p + 1;; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (mkdir(p, 0700) != 0 && errno != EEXIST) {
                int e = errno;
                int rc =
                    ep_error_set(err, EP_EIO, "cannot create directory %s: %s", p, strerror(e));
                free(p);
                return rc;
            }
            *s = c;
            if (c == '\0')
                break;
        }
    }
    free(p);
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return ep_error_set(err, EP_EINVAL,
                            "%s: exists and is not a folder; give the path of a folder, or a new "
                            "one",
                            path);
    return EP_OK;
}

static int days_in_month(int y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return d[m - 1];
}

static int parse_date(const char *s, int *y, int *m, int *d)
{
    if (!s)
        return 0;
    for (int i = 0; i < 10; i++) {
        if (i == 4 || i == 7) {
            if (s[i] != '-')
                return 0;
        } else if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
    }
    *y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    *m = (s[5] - '0') * 10 + (s[6] - '0');
    *d = (s[8] - '0') * 10 + (s[9] - '0');
    return *m >= 1 && *m <= 12 && *d >= 1 && *d <= days_in_month(*y, *m);
}

int ep_date_valid(const char *s)
{
    int y, m, d;
    return s && strlen(s) == 10 && parse_date(s, &y, &m, &d);
}

/* Howard Hinnant's days_from_civil. */
int32_t ep_date_days(const char *s)
{
    int y, m, d;
    if (!parse_date(s, &y, &m, &d))
        return INT32_MIN;
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void ep_date_format(int32_t z, char out[11])
{
    z += 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int y = yoe + era * 400;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    int d = doy - (153 * mp + 2) / 5 + 1;
    int m = mp + (mp < 10 ? 3 : -9);
    y += m <= 2;
    unsigned uy = (unsigned)y % 10000u, um = (unsigned)m % 100u, ud = (unsigned)d % 100u;
    snprintf(out, 11, "%04u-%02u-%02u", uy, um, ud);
}

int ep_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t k;
        unsigned cp;
        if (c >= 0xC2 && c <= 0xDF) {
            k = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            k = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            k = 3;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (i + k >= n)
            return 0;
        for (size_t j = 1; j <= k; j++) {
            unsigned cc = p[i + j];
            if ((cc & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (cc & 0x3F);
        }
        if ((k == 2 && cp < 0x800) || (k == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += k + 1;
    }
    return 1;
}

char *ep_strdup0(const char *s)
{
    return s ? strdup(s) : NULL;
}

double ep_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double ep_round6(double x)
{
    if (!isfinite(x))
        return x;
    double r = round(x * 1e6) / 1e6;
    return r == 0 ? 0 : r; /* no -0 */
}

void ep_mem_batch(size_t reserve)
{
    const uintptr_t huge = (uintptr_t)2 << 20;
    mallopt(M_MMAP_THRESHOLD, 512 << 20); /* glibc's maximum: big blocks come from the heap */
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    mallopt(M_TOP_PAD, reserve > (size_t)(1 << 30) ? 1 << 30 : (int)reserve);
    /* grow the heap by the reserve now; the block stays with the allocator when freed */
    char *p = malloc(huge);
    if (!p)
        return;
    uintptr_t lo = ((uintptr_t)p + huge - 1) & ~(huge - 1);
    uintptr_t hi = (uintptr_t)sbrk(0) & ~(huge - 1);
    /* only when p is in the brk heap (not a sanitizer's or an mmap'd block) */
    if (hi > lo && hi - lo <= reserve + 2 * huge)
        (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
    free(p);
}

void ep_mem_server(void)
{
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 128 << 20);
    /* One malloc arena per thread (glibc's default, up to 8 per core) keeps each connection
     * and worker thread's freed analytics memory in its own pool: 683 MB peak against 134 MB
     * with 2 arenas for the same 50 calls over 25 sessions (bench/memory.sh). The operator's
     * MALLOC_ARENA_MAX, when set, wins. */
    const char *env = getenv("MALLOC_ARENA_MAX");
    if (!env || !*env)
        mallopt(M_ARENA_MAX, 2);
}

FILE *ep_log_open(const char *path, struct ep_error *err)
{
    /* O_NONBLOCK: a FIFO planted at path must not block the open; it is refused below */
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
    if (fd < 0) {
        int e = errno;
        struct stat ls;
        if (e == ELOOP)
            ep_error_set(err, EP_EINVAL, "%s: a symbolic link; give the log's own path", path);
        else if (lstat(path, &ls) == 0 && !S_ISREG(ls.st_mode)) /* a FIFO without reader... */
            ep_error_set(err, EP_EINVAL, "%s: not a regular file; give a file path for the log",
                         path);
        else
            ep_error_set(err, EP_EIO, "%s: %s", path, strerror(e));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        close(fd);
        ep_error_set(err, EP_EINVAL, "%s: not a regular file; give a file path for the log", path);
        return NULL;
    }
    int fl = fcntl(fd, F_GETFL);
    if (fchmod(fd, 0600) || fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK)) {
        int e = errno;
        close(fd);
        ep_error_set(err, EP_EIO, "%s: %s", path, strerror(e));
        return NULL;
    }
    FILE *f = fdopen(fd, "a");
    if (!f) {
        close(fd);
        ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    return f;
}

/* 1 when a query parameter named name[0..n) may hold a secret. */
static int secret_param(const char *name, size_t n)
{
    static const char *const words[] = {
        "key",    "api_key", "apikey",        "api-key",   "token", "access_token", "password",
        "passwd", "secret",  "client_secret", "signature", "sig",   "auth",         NULL};
    for (int i = 0; words[i]; i++)
        if (strlen(words[i]) == n && strncasecmp(name, words[i], n) == 0)
            return 1;
    return 0;
}

char *ep_url_redact(const char *url)
{
    const char *p = url ? url : "";
    size_t n = strlen(p);
    /* each redacted part becomes "***": at most 3 more bytes than it had, per byte of input */
    char *out = malloc(4 * n + 4), *o = out;
    if (!out)
        return NULL;
    const char *scheme = strstr(p, "://");
    if (scheme) {
        const char *auth = scheme + 3;
        size_t alen = strcspn(auth, "/?#");
        const char *at = memrchr(auth, '@', alen);
        memcpy(o, p, (size_t)(auth - p));
        o += auth - p;
        if (at) {
            memcpy(o, "***", 3);
            o += 3;
        }
        p = at ? at : auth;
    }
    const char *q = strchr(p, '?');
    size_t head = q ? (size_t)(q - p) + 1 : strlen(p);
    memcpy(o, p, head);
    o += head;
    for (const char *f = q ? q + 1 : p + head; *f;) {
        size_t flen = strcspn(f, "&#");
        const char *eq = memchr(f, '=', flen);
        if (eq && secret_param(f, (size_t)(eq - f))) {
            memcpy(o, f, (size_t)(eq - f) + 1);
            o += eq - f + 1;
            memcpy(o, "***", 3);
            o += 3;
        } else {
            memcpy(o, f, flen);
            o += flen;
        }
        f += flen;
        if (*f == '#') { /* the fragment as it is */
            size_t rest = strlen(f);
            memcpy(o, f, rest);
            o += rest;
            break;
        }
        if (*f == '&')
            *o++ = *f++;
    }
    *o = 0;
    return out;
}
