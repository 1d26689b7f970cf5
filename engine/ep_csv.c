/* ep_csv: RFC 4180 reader over a memory buffer. See ep_csv.h.
 *
 * Record ends: CRLF, LF or a lone CR (each counts as one line). Inside quotes the same
 * three sequences are kept verbatim in the field and counted as lines, so c->line stays
 * right after records with embedded newlines. A UTF-8 BOM at the very start is skipped.
 *
 * Private state: field_off[0] holds the line number where the next record starts;
 * field_off[1 + i] is the offset of field i in scratch (offsets, not pointers, because
 * scratch moves when it grows). c->field[] is fixed up once the record is complete. */
#include "ep_csv.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ep_util.h"

void ep_csv_init(struct ep_csv *c, const char *data, size_t n, const char *unit)
{
    memset(c, 0, sizeof *c);
    c->data = data;
    c->n = data ? n : 0;
    c->unit = unit ? unit : "<csv>";
}

void ep_csv_free(struct ep_csv *c)
{
    free(c->scratch);
    free(c->field);
    free(c->field_off);
    c->scratch = NULL;
    c->field = NULL;
    c->field_off = NULL;
    c->scratch_alloc = c->field_alloc = 0;
    c->nfield = 0;
}

void ep_csv_feed(struct ep_csv *c, const char *data, size_t n, int more)
{
    c->data = data;
    c->n = data ? n : 0;
    c->off = 0;
    c->more = more;
}

static int grow_scratch(struct ep_csv *c, size_t need)
{
    if (need <= c->scratch_alloc)
        return EP_OK;
    size_t a = c->scratch_alloc ? c->scratch_alloc : 256;
    while (a < need) {
        if (a > SIZE_MAX / 2)
            return EP_ENOMEM;
        a *= 2;
    }
    char *p = realloc(c->scratch, a);
    if (!p)
        return EP_ENOMEM;
    c->scratch = p;
    c->scratch_alloc = a;
    return EP_OK;
}

/* Make room for field number idx (0-based). */
static int grow_fields(struct ep_csv *c, size_t idx)
{
    if (idx < c->field_alloc)
        return EP_OK;
    size_t a = c->field_alloc ? c->field_alloc * 2 : 16;
    while (a <= idx)
        a *= 2;
    if (a > SIZE_MAX / sizeof(size_t) - 1)
        return EP_ENOMEM;
    size_t *o = realloc(c->field_off, (a + 1) * sizeof *o);
    if (!o)
        return EP_ENOMEM;
    c->field_off = o;
    char **f = realloc(c->field, a * sizeof *f);
    if (!f)
        return EP_ENOMEM;
    c->field = f;
    c->field_alloc = a;
    return EP_OK;
}

static int nomem(struct ep_csv *c, struct ep_error *err)
{
    return ep_error_set(err, EP_ENOMEM, "%s:%ld: out of memory reading CSV record", c->unit,
                        c->line);
}

/* Append data[from, to) to scratch at *len. */
static int put_span(struct ep_csv *c, size_t *len, size_t from, size_t to)
{
    size_t k = to - from;
    if (grow_scratch(c, *len + k + 1))
        return EP_ENOMEM;
    memcpy(c->scratch + *len, c->data + from, k);
    *len += k;
    return EP_OK;
}

/* Count line breaks (CRLF, LF, lone CR) in data[from, to). */
static long count_breaks(const char *d, size_t from, size_t to, size_t n)
{
    long k = 0;
    for (size_t i = from; i < to; i++) {
        if (d[i] == '\n')
            k++;
        else if (d[i] == '\r' && (i + 1 >= n || d[i + 1] != '\n'))
            k++;
    }
    return k;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* 0x80 in each byte of x that is a comma, a quote, CR, NUL or not ASCII; 0 elsewhere (exact:
 * no carries between bytes). */
#define BYTES(ch) (0x0101010101010101ULL * (unsigned char)(ch))
static uint64_t zero_bytes(uint64_t y)
{
    const uint64_t low7 = 0x7F7F7F7F7F7F7F7FULL;
    return ~(((y & low7) + low7) | y | low7);
}
static uint64_t special_bytes(uint64_t x)
{
    return zero_bytes(x) | zero_bytes(x ^ BYTES(',')) | zero_bytes(x ^ BYTES('"')) |
           zero_bytes(x ^ BYTES('\r')) | (x & 0x8080808080808080ULL);
}
#endif

/* The fast path of ep_csv_next at off: a record on one LF-terminated line with no quote, CR,
 * NUL or non-ASCII byte (nearly every row of the export's large tables) is copied once and split
 * at its commas: 1 when the record was read so, 0 when it takes the general path (which gives
 * the same fields and lines, and the messages). */
static int fast_record(struct ep_csv *c, const char *d, size_t n, size_t off)
{
    const char *nl = memchr(d + off, '\n', n - off);
    if (!nl)
        return 0;
    {
        size_t len = (size_t)(nl - (d + off));
        if (!grow_scratch(c, len + 1)) {
            unsigned char *sc = (unsigned char *)c->scratch;
            memcpy(sc, d + off, len);
            sc[len] = 0;
            size_t nf = 1, k = 0;
            if (grow_fields(c, 0) == EP_OK)
                c->field_off[1] = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            /* eight bytes at a time: only the commas and the bytes that need the general
             * path are looked at one by one */
            for (; k + 8 <= len; k += 8) {
                uint64_t x;
                memcpy(&x, sc + k, 8);
                uint64_t m = special_bytes(x);
                for (; m; m &= m - 1) {
                    size_t at = k + (size_t)__builtin_ctzll(m) / 8;
                    if (sc[at] != ',' || grow_fields(c, nf))
                        return 0;
                    sc[at] = 0;
                    c->field_off[1 + nf++] = at + 1;
                }
            }
#endif
            for (; k < len; k++) {
                unsigned char ch = sc[k];
                if (ch > ',' && ch < 0x80)
                    continue;
                if (ch == ',') {
                    if (grow_fields(c, nf))
                        break;
                    sc[k] = 0;
                    c->field_off[1 + nf++] = k + 1;
                } else if (ch == '"' || ch == '\r' || ch == 0 || ch >= 0x80) {
                    break;
                }
            }
            if (k == len) {
                for (size_t i = 0; i < nf; i++)
                    c->field[i] = c->scratch + c->field_off[1 + i];
                c->line = (long)c->field_off[0];
                c->record++;
                c->field_off[0]++;
                c->off = off + len + 1;
                c->nfield = nf;
                return 1;
            }
        }
    }
    return 0;
}

int ep_csv_next(struct ep_csv *c, struct ep_error *err)
{
    const char *d = c->data;
    size_t n = c->n;
    size_t off = c->off;

    if (c->record == 0) {
        if (c->more && n - off < 3)
            return EP_CSV_MORE; /* a BOM may straddle the buffers */
        if (grow_fields(c, 0))
            return nomem(c, err);
        c->field_off[0] = 1;
        if (off == 0 && n >= 3 && memcmp(d, "\xEF\xBB\xBF", 3) == 0)
            off = c->off = 3;
    }
    c->nfield = 0;
    if (off >= n) {
        if (c->more)
            return EP_CSV_MORE;
        c->off = n;
        return 0;
    }

    if (fast_record(c, d, n, off))
        return 1;

    c->line = (long)c->field_off[0];
    c->record++;
    long cur = c->line; /* physical line at the read position */
    size_t slen = 0;    /* bytes used in scratch */
    size_t nf = 0;
    int ended = 0;

    while (!ended) {
        if (grow_fields(c, nf) || grow_scratch(c, slen + 1))
            return nomem(c, err);
        c->field_off[1 + nf] = slen;
        size_t fstart = slen;
        if (off < n && d[off] == '"') {
            long qline = cur;
            off++;
            for (;;) {
                const char *q = off < n ? memchr(d + off, '"', n - off) : NULL;
                if (!q && c->more)
                    goto more;
                if (!q)
                    return ep_error_set(err, EP_EPARSE,
                                        "%s:%ld: unterminated quote: field %zu (opened on "
                                        "line %ld) has no closing \"",
                                        c->unit, c->line, nf + 1, qline);
                size_t qo = (size_t)(q - d);
                if (qo + 1 >= n && c->more)
                    goto more; /* a doubled quote may straddle the buffers */
                cur += count_breaks(d, off, qo, n);
                if (put_span(c, &slen, off, qo))
                    return nomem(c, err);
                if (qo + 1 < n && d[qo + 1] == '"') { /* "" = one quote */
                    if (put_span(c, &slen, qo, qo + 1))
                        return nomem(c, err);
                    off = qo + 2;
                    continue;
                }
                off = qo + 1;
                break;
            }
        } else {
            size_t s = off;
            while (off < n && d[off] != ',' && d[off] != '\n' && d[off] != '\r') {
                if (d[off] == '"')
                    return ep_error_set(err, EP_EPARSE,
                                        "%s:%ld: stray quote in unquoted field %zu (quote the "
                                        "field and double the quote: \"\")",
                                        c->unit, c->line, nf + 1);
                off++;
            }
            if (put_span(c, &slen, s, off))
                return nomem(c, err);
        }

        /* Field end: comma, record end or end of input. */
        if (c->more && (off >= n || (d[off] == '\r' && off + 1 >= n)))
            goto more; /* the record (or a CRLF) goes on in the next buffer */
        if (off >= n) {
            ended = 1;
        } else if (d[off] == ',') {
            off++;
        } else if (d[off] == '\n') {
            off++;
            ended = 1;
        } else if (d[off] == '\r') {
            off += (off + 1 < n && d[off + 1] == '\n') ? 2 : 1;
            ended = 1;
        } else {
            /* only reachable after a closing quote */
            return ep_error_set(err, EP_EPARSE,
                                "%s:%ld: unexpected character after the closing quote of field "
                                "%zu (a quote inside a quoted field must be doubled: \"\")",
                                c->unit, c->line, nf + 1);
        }

        size_t flen = slen - fstart;
        if (memchr(c->scratch + fstart, '\0', flen))
            return ep_error_set(err, EP_EPARSE, "%s:%ld: NUL byte in field %zu", c->unit, c->line,
                                nf + 1);
        if (!ep_utf8_valid(c->scratch + fstart, flen))
            return ep_error_set(err, EP_EPARSE, "%s:%ld: invalid UTF-8 in field %zu", c->unit,
                                c->line, nf + 1);
        c->scratch[slen++] = '\0'; /* room reserved by put_span / grow above */
        nf++;
    }

    c->off = off;
    c->field_off[0] = (size_t)cur + 1;
    for (size_t i = 0; i < nf; i++)
        c->field[i] = c->scratch + c->field_off[1 + i];
    c->nfield = nf;
    return 1;
more:
    c->record--;
    c->nfield = 0;
    return EP_CSV_MORE;
}
