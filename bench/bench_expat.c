/* bench_expat: the floor under the roll-call XML ingest. Parses the given files with expat the
 * way engine/ep_rcv.c feeds it (XML_ParserCreate(NULL), element and character-data handlers,
 * 64 KiB per XML_Parse call) but with handlers that only count, and stores nothing. Each file
 * is read whole first (ep_read_file), as the ingest maps it.
 *
 * bench/ingest.sh times this program like xmllint and epintel, so that the ingest's ratio to
 * xmllint can be read against what expat alone costs on the same files in the same run.
 *
 * usage: bench_expat FILE...   (prints elements, attributes and text bytes; exit 1 on an XML
 * error, naming the file, line and column) */
#include <expat.h>
#include <stdio.h>

#include "ep_util.h"

#define CHUNK ((size_t)1 << 16) /* as RCV_CHUNK in engine/ep_rcv.c */

struct counts {
    long elements, attributes, text;
};

static void on_start(void *u, const XML_Char *name, const XML_Char **atts)
{
    struct counts *c = u;
    (void)name;
    c->elements++;
    for (; atts[0]; atts += 2)
        c->attributes++;
}

static void on_end(void *u, const XML_Char *name)
{
    (void)u;
    (void)name;
}

static void on_text(void *u, const XML_Char *s, int len)
{
    (void)s;
    ((struct counts *)u)->text += len;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_expat FILE...\n");
        return 2;
    }
    struct counts c = {0};
    for (int i = 1; i < argc; i++) {
        struct ep_buf b;
        struct ep_error err = {0};
        ep_buf_init(&b, 0);
        if (ep_read_file(argv[i], 0, &b, &err)) {
            fprintf(stderr, "bench_expat: %s\n", err.msg);
            return 1;
        }
        XML_Parser xp = XML_ParserCreate(NULL);
        if (!xp) {
            fprintf(stderr, "bench_expat: out of memory\n");
            return 1;
        }
        XML_SetUserData(xp, &c);
        XML_SetElementHandler(xp, on_start, on_end);
        XML_SetCharacterDataHandler(xp, on_text);
        size_t off = 0;
        do {
            size_t k = b.len - off < CHUNK ? b.len - off : CHUNK;
            int last = off + k == b.len;
            if (XML_Parse(xp, b.data + off, (int)k, last) != XML_STATUS_OK) {
                fprintf(stderr, "bench_expat: %s:%lu:%lu: %s\n", argv[i],
                        (unsigned long)XML_GetCurrentLineNumber(xp),
                        (unsigned long)XML_GetCurrentColumnNumber(xp),
                        XML_ErrorString(XML_GetErrorCode(xp)));
                return 1;
            }
            off += k;
        } while (off < b.len);
        XML_ParserFree(xp);
        ep_buf_free(&b);
    }
    printf("%ld elements, %ld attributes, %ld text bytes\n", c.elements, c.attributes, c.text);
    return 0;
}
