/* ep_csv: RFC 4180 CSV reader: quoted fields, doubled quotes, embedded commas and newlines
 * (CRLF or LF), UTF-8 checked. Works on a memory buffer; fields are borrowed pointers into a
 * reader-owned scratch area, valid until the next ep_csv_next(). */
#ifndef EP_CSV_H
#define EP_CSV_H

#include <stddef.h>

#include "ep_error.h"

struct ep_csv {
    const char *data;
    size_t n, off;
    const char *unit;  /* name for messages */
    long line;         /* line where the current record starts (1-based) */
    long record;       /* 1-based record number (header = 1) */
    char **field;      /* current record's fields, NUL-terminated */
    size_t nfield;
    int more;          /* 1: more input may follow this buffer (ep_csv_feed) */
    /* private */
    char *scratch;
    size_t scratch_alloc;
    size_t field_alloc;
    size_t *field_off;
};

void ep_csv_init(struct ep_csv *c, const char *data, size_t n, const char *unit);
void ep_csv_free(struct ep_csv *c);
/* Read the next record. Returns 1 when a record was read, 0 at end of input, or a negative
 * EP_EPARSE with err naming unit:line (unterminated quote, stray quote, invalid UTF-8).
 * When c->more is set (ep_csv_feed) and the buffer ends before the record does, returns
 * EP_CSV_MORE: nothing is consumed (c->off is where the record starts) and the caller feeds
 * a buffer that holds the rest of the input from c->off on. */
#define EP_CSV_MORE 2
int ep_csv_next(struct ep_csv *c, struct ep_error *err);

/* Streaming: continue on a new buffer (the input from where the last record ended: the bytes
 * the previous buffer held from c->off on, followed by more input). more = 0 on the last
 * buffer. Line and record counts carry on. */
void ep_csv_feed(struct ep_csv *c, const char *data, size_t n, int more);

#endif
