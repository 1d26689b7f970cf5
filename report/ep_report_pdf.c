/* PDF documents with libharu: MEP scorecard, political risk briefing, coalition report.
 * DejaVu Sans (regular and bold) is embedded from the files fontconfig finds; text is UTF-8, and
 * each font gets a true ToUnicode CMap (tounicode_identity) so that readers extract it.
 * Page: A4 portrait, 48 pt margins, header band with the document kind, footer with the
 * attribution, the dataset date and "Page i of n" on every page. */
#include "ep_hpdf.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_report_int.h"

#define PW 595.276
#define PH 841.89
#define ML 48.0
#define MR (PW - 48.0)
#define TOP (PH - 86.0)
#define BOTTOM 70.0
#define MAXPAGES 32
#define WCACHE 0x2100

#define C_INK 0x1F2A44
#define C_MUTED 0x6B7280
#define C_RULE 0xD1D5DB
#define C_ZEBRA 0xF5F7FA
#define C_ACCENT 0x1D4E89

struct doc {
    HPDF_Doc pdf;
    HPDF_Font f, fb;
    HPDF_Page page[MAXPAGES];
    int np;
    HPDF_Page pg;
    double y;
    const char *kind, *date;
    int synthetic;
    HPDF_STATUS hpdf_err, hpdf_detail;
    int overflow;
    /* advance widths (1/1000 em) of code points < WCACHE for both fonts; < 0 = not known yet.
     * libharu 2.3.0 looks glyphs up by a linear cmap scan, so measuring text through it on
     * every line break dominated the rendering time. */
    float wcache[2][WCACHE];
};

static void on_error(HPDF_STATUS error_no, HPDF_STATUS detail_no, void *user_data)
{
    struct doc *d = user_data;
    if (!d->hpdf_err) {
        d->hpdf_err = error_no;
        d->hpdf_detail = detail_no;
    }
}

static void fill(HPDF_Page p, unsigned c)
{
    HPDF_Page_SetRGBFill(p, (float)((c >> 16) & 255) / 255.0f, (float)((c >> 8) & 255) / 255.0f,
                         (float)(c & 255) / 255.0f);
}

static void stroke(HPDF_Page p, unsigned c)
{
    HPDF_Page_SetRGBStroke(p, (float)((c >> 16) & 255) / 255.0f, (float)((c >> 8) & 255) / 255.0f,
                           (float)(c & 255) / 255.0f);
}

/* Decode one UTF-8 sequence at s (valid input assumed; invalid bytes count as one char). */
static size_t utf8_next(const unsigned char *s, unsigned *cp)
{
    unsigned c = s[0];
    size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            n = 1;
    if (n == 1)
        *cp = c;
    else if (n == 2)
        *cp = (c & 0x1Fu) << 6 | (s[1] & 0x3Fu);
    else if (n == 3)
        *cp = (c & 0x0Fu) << 12 | (s[1] & 0x3Fu) << 6 | (s[2] & 0x3Fu);
    else
        *cp = (c & 0x07u) << 18 | (s[1] & 0x3Fu) << 12 | (s[2] & 0x3Fu) << 6 | (s[3] & 0x3Fu);
    return n;
}

static double width(struct doc *d, HPDF_Font f, double size, const char *s)
{
    float *wc = d->wcache[f == d->fb ? 1 : 0];
    const unsigned char *p = (const unsigned char *)s;
    double total = 0;
    while (*p) {
        unsigned cp;
        size_t n = utf8_next(p, &cp);
        float w = cp < WCACHE ? wc[cp] : -1;
        if (w < 0) {
            HPDF_TextWidth tw = HPDF_Font_TextWidth(f, p, (HPDF_UINT)n);
            w = (float)tw.width;
            if (cp < WCACHE)
                wc[cp] = w;
        }
        total += w;
        p += n;
    }
    return total * size / 1000.0;
}

/* align 0 left, 1 centre, 2 right */
static void put(struct doc *d, double x, double y, HPDF_Font f, double size, unsigned c, int align,
                const char *s)
{
    if (!s || !*s)
        return;
    double w = align ? width(d, f, size, s) : 0;
    if (align == 1)
        x -= w / 2;
    else if (align == 2)
        x -= w;
    fill(d->pg, c);
    HPDF_Page_BeginText(d->pg);
    HPDF_Page_SetFontAndSize(d->pg, f, (float)size);
    HPDF_Page_TextOut(d->pg, (float)x, (float)y, s);
    HPDF_Page_EndText(d->pg);
}

static void rect(struct doc *d, double x, double y, double w, double h, unsigned c)
{
    fill(d->pg, c);
    HPDF_Page_Rectangle(d->pg, (float)x, (float)y, (float)w, (float)h);
    HPDF_Page_Fill(d->pg);
}

static void hline(struct doc *d, double x0, double x1, double y, double lw, unsigned c)
{
    stroke(d->pg, c);
    HPDF_Page_SetLineWidth(d->pg, (float)lw);
    HPDF_Page_MoveTo(d->pg, (float)x0, (float)y);
    HPDF_Page_LineTo(d->pg, (float)x1, (float)y);
    HPDF_Page_Stroke(d->pg);
}

/* Copy s into out, cut on a UTF-8 boundary with "…" so that it fits in w points. */
/* Copy s into out, cut on a UTF-8 boundary with "…" so that it fits in w points. */
static void fit(struct doc *d, HPDF_Font f, double size, double w, const char *s, char *out,
                size_t n)
{
    snprintf(out, n, "%s", s ? s : "");
    if (width(d, f, size, out) <= w)
        return;
    size_t len = strlen(out);
    while (len > 0) {
        len--;
        while (len > 0 && ((unsigned char)out[len] & 0xC0) == 0x80)
            len--;
        if (len + 4 > n)
            continue;
        memcpy(out + len, "\xE2\x80\xA6", 4);
        if (width(d, f, size, out) <= w)
            return;
    }
}

static void new_page(struct doc *d)
{
    if (d->np >= MAXPAGES) {
        d->overflow = 1;
        return;
    }
    d->pg = HPDF_AddPage(d->pdf);
    if (!d->pg) {
        d->overflow = 1;
        return;
    }
    HPDF_Page_SetSize(d->pg, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
    d->page[d->np++] = d->pg;
    rect(d, 0, PH - 36, PW, 36, C_INK);
    put(d, ML, PH - 23, d->fb, 9.5, 0xFFFFFF, 0, d->kind);
    put(d, MR, PH - 23, d->f, 9, 0xC9D3E6, 2, "epintel · European Parliament intelligence");
    d->y = TOP;
}

/* Room for h points on the current page, else a new page. */
static void need(struct doc *d, double h)
{
    if (d->y - h < BOTTOM)
        new_page(d);
}

static void footers(struct doc *d)
{
    for (int i = 0; i < d->np; i++) {
        d->pg = d->page[i];
        hline(d, ML, MR, 50, 0.5, C_RULE);
        char t[160];
        snprintf(t, sizeof t, "%s Dataset date: %s.%s", EP_REPORT_ATTRIBUTION, d->date,
                 d->synthetic ? " SYNTHETIC DATA." : "");
        put(d, ML, 36, d->f, 7.5, C_MUTED, 0, t);
        snprintf(t, sizeof t, "Page %d of %d", i + 1, d->np);
        put(d, MR, 36, d->f, 7.5, C_MUTED, 2, t);
    }
}

static int date_parse(const char *s, HPDF_Date *dt)
{
    memset(dt, 0, sizeof *dt);
    int y = 2000, m = 1, dd = 1;
    if (s && ep_date_valid(s)) {
        y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
        m = (s[5] - '0') * 10 + (s[6] - '0');
        dd = (s[8] - '0') * 10 + (s[9] - '0');
    }
    dt->year = y;
    dt->month = m;
    dt->day = dd;
    dt->ind = 'Z';
    return 0;
}

/* The ToUnicode CMap of a font used with libharu's UTF-8 encoder. libharu 2.3.0 (and every later
 * release so far) gives such a font, as its ToUnicode, a copy of the encoder's CID CMap
 * ("begincidrange <0000> <FFFF> 0"): that maps codes to CIDs, not to Unicode, so poppler warns
 * "Invalid 'begincidrange' operator in ToUnicode CMap" whenever it loads the font, and text
 * extraction falls back to guessing from the font's own tables. The encoder's codes are the BMP
 * code points themselves (two bytes, Identity-H, the CIDToGIDMap indexed by code point), so the
 * true ToUnicode is the identity: one bfrange per high byte, 0x0020 to 0xFFFD without the
 * surrogates (code points above the BMP cannot be shown with this encoder). The stream is rewritten
 * in place (it stays deflated), and the CMap-only keys of its dictionary (Type, CMapName,
 * CIDSystemInfo, WMode) go. Returns HPDF_OK or libharu's error. */
static HPDF_STATUS tounicode_identity(HPDF_Font f)
{
    HPDF_Dict cm = HPDF_Dict_GetItem(f, "ToUnicode", HPDF_OCLASS_DICT);
    if (!cm || !cm->stream)
        return HPDF_INVALID_OBJECT;
    static const char *const cmap_keys[] = {"Type", "CMapName", "CIDSystemInfo", "WMode"};
    for (size_t i = 0; i < sizeof cmap_keys / sizeof cmap_keys[0]; i++)
        (void)HPDF_Dict_RemoveElement(cm, cmap_keys[i]); /* absent: nothing to remove */
    HPDF_MemStream_FreeData(cm->stream);
    HPDF_STATUS st =
        HPDF_Stream_WriteStr(cm->stream, "/CIDInit /ProcSet findresource begin\n"
                                         "12 dict begin\n"
                                         "begincmap\n"
                                         "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) "
                                         "/Supplement 0 >> def\n"
                                         "/CMapName /Adobe-Identity-UCS def\n"
                                         "/CMapType 2 def\n"
                                         "1 begincodespacerange\n"
                                         "<0000> <FFFF>\n"
                                         "endcodespacerange\n");
    /* 248 ranges, one per high byte but the surrogates' 0xD8-0xDF, at most 100 to a block */
    int left = 256 - 8, in_block = 0;
    for (unsigned h = 0; h < 256 && st == HPDF_OK; h++) {
        if (h >= 0xD8 && h <= 0xDF)
            continue;
        char line[64];
        if (in_block == 0) {
            snprintf(line, sizeof line, "%d beginbfrange\n", left < 100 ? left : 100);
            st = HPDF_Stream_WriteStr(cm->stream, line);
        }
        unsigned lo = h == 0 ? 0x20 : 0x00, top = h == 0xFF ? 0xFD : 0xFF;
        snprintf(line, sizeof line, "<%02X%02X> <%02X%02X> <%02X%02X>\n", h, lo, h, top, h, lo);
        if (st == HPDF_OK)
            st = HPDF_Stream_WriteStr(cm->stream, line);
        left--;
        if (++in_block == 100 || left == 0) {
            in_block = 0;
            if (st == HPDF_OK)
                st = HPDF_Stream_WriteStr(cm->stream, "endbfrange\n");
        }
    }
    if (st == HPDF_OK)
        st = HPDF_Stream_WriteStr(cm->stream, "endcmap\n"
                                              "CMapName currentdict /CMap defineresource pop\n"
                                              "end\n"
                                              "end\n");
    return st;
}

static int doc_open(struct doc *d, const char *kind, const char *title, const char *date,
                    struct ep_error *err)
{
    memset(d, 0, sizeof *d);
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < WCACHE; i++)
            d->wcache[k][i] = -1;
    d->kind = kind;
    d->date = date;
    const char *reg, *bold;
    int rc = ep_report_font_path(0, &reg, err);
    if (rc == 0)
        rc = ep_report_font_path(1, &bold, err);
    if (rc)
        return rc;
    d->pdf = HPDF_New(on_error, d);
    if (!d->pdf)
        return ep_error_set(err, EP_ENOMEM, "PDF: cannot create the document");
    HPDF_SetCompressionMode(d->pdf, HPDF_COMP_ALL);
    HPDF_UseUTFEncodings(d->pdf);
    HPDF_SetCurrentEncoder(d->pdf, "UTF-8");
    const char *nr = HPDF_LoadTTFontFromFile(d->pdf, reg, HPDF_TRUE);
    const char *nb = HPDF_LoadTTFontFromFile(d->pdf, bold, HPDF_TRUE);
    if (nr)
        d->f = HPDF_GetFont(d->pdf, nr, "UTF-8");
    if (nb)
        d->fb = HPDF_GetFont(d->pdf, nb, "UTF-8");
    if (!d->f || !d->fb) {
        rc = ep_error_set(err, EP_EINTERNAL,
                          "PDF: cannot load the fonts %s and %s (libharu error 0x%04X)", reg, bold,
                          (unsigned)d->hpdf_err);
        HPDF_Free(d->pdf);
        d->pdf = NULL;
        return rc;
    }
    HPDF_STATUS st = tounicode_identity(d->f);
    if (st == HPDF_OK)
        st = tounicode_identity(d->fb);
    if (st != HPDF_OK) {
        rc = ep_error_set(err, EP_EINTERNAL,
                          "PDF: cannot write the fonts' ToUnicode CMap (libharu error 0x%04X)",
                          (unsigned)st);
        HPDF_Free(d->pdf);
        d->pdf = NULL;
        return rc;
    }
    HPDF_Date dt;
    date_parse(date, &dt);
    HPDF_SetInfoDateAttr(d->pdf, HPDF_INFO_CREATION_DATE, dt);
    HPDF_SetInfoDateAttr(d->pdf, HPDF_INFO_MOD_DATE, dt);
    HPDF_SetInfoAttr(d->pdf, HPDF_INFO_CREATOR, "epintel " EP_VERSION);
    HPDF_SetInfoAttr(d->pdf, HPDF_INFO_TITLE, title);
    new_page(d);
    return 0;
}

static int doc_close(struct doc *d, struct ep_buf *out, struct ep_error *err)
{
    int rc = 0;
    footers(d);
    if (d->overflow)
        rc = ep_error_set(err, EP_ELIMIT, "PDF: more than %d pages", MAXPAGES);
    if (rc == 0 && HPDF_SaveToStream(d->pdf) != HPDF_OK)
        rc = ep_error_set(err, EP_EINTERNAL, "PDF: saving failed (libharu error 0x%04X/%u)",
                          (unsigned)d->hpdf_err, (unsigned)d->hpdf_detail);
    if (rc == 0 && d->hpdf_err)
        rc = ep_error_set(err, EP_EINTERNAL, "PDF: libharu error 0x%04X (detail %u)",
                          (unsigned)d->hpdf_err, (unsigned)d->hpdf_detail);
    if (rc == 0) {
        HPDF_ResetStream(d->pdf);
        unsigned char chunk[65536];
        for (;;) {
            HPDF_UINT32 n = sizeof chunk;
            HPDF_STATUS st = HPDF_ReadFromStream(d->pdf, chunk, &n);
            if (n > 0 && ep_buf_append(out, chunk, n)) {
                rc = ep_error_set(err, EP_ELIMIT, "PDF: output buffer limit reached");
                break;
            }
            if (st == HPDF_STREAM_EOF)
                break;
            if (st != HPDF_OK) {
                rc = ep_error_set(err, EP_EINTERNAL, "PDF: reading the stream failed");
                break;
            }
        }
    }
    HPDF_Free(d->pdf);
    d->pdf = NULL;
    return rc;
}

/* ---- blocks --------------------------------------------------------------------------------- */

static void h1(struct doc *d, const char *s)
{
    need(d, 40);
    put(d, ML, d->y - 22, d->fb, 22, C_INK, 0, s);
    d->y -= 32;
}

static void h2(struct doc *d, const char *s)
{
    need(d, 60);
    d->y -= 10;
    put(d, ML, d->y - 12, d->fb, 12, C_ACCENT, 0, s);
    hline(d, ML, MR, d->y - 17, 0.8, C_ACCENT);
    d->y -= 28;
}

/* Word-wrapped paragraph. */
static void para(struct doc *d, HPDF_Font f, double size, unsigned c, const char *s)
{
    double lead = size * 1.4, w = MR - ML;
    const char *p = s ? s : "";
    char line[1024];
    while (*p) {
        size_t best = 0, i = 0;
        for (;;) {
            size_t j = i;
            while (p[j] == ' ')
                j++;
            while (p[j] && p[j] != ' ')
                j++;
            if (j >= sizeof line)
                break;
            memcpy(line, p, j);
            line[j] = 0;
            if (width(d, f, size, line) > w && best > 0)
                break;
            best = j;
            i = j;
            if (!p[j])
                break;
        }
        if (best == 0) { /* one word longer than the line */
            best = strlen(p) < sizeof line - 1 ? strlen(p) : sizeof line - 1;
        }
        memcpy(line, p, best);
        line[best] = 0;
        need(d, lead);
        put(d, ML, d->y - size, f, size, c, 0, line);
        d->y -= lead;
        p += best;
        while (*p == ' ')
            p++;
    }
    d->y -= size * 0.4;
}

struct col {
    const char *title;
    double w;
    int align;
};

static void table_head(struct doc *d, const struct col *c, int nc)
{
    need(d, 18 + 2 * 16);
    double x = ML;
    rect(d, ML, d->y - 18, MR - ML, 18, 0xE8EDF5);
    for (int i = 0; i < nc; i++) {
        double tx = c[i].align == 2 ? x + c[i].w - 4 : x + 4;
        put(d, tx, d->y - 12.5, d->fb, 8.5, C_INK, c[i].align == 2 ? 2 : 0, c[i].title);
        x += c[i].w;
    }
    d->y -= 18;
}

/* One table row of nc cells; zebra by index; header repeated after a page break. */
static void table_row(struct doc *d, const struct col *c, int nc, int idx, const char **cells,
                      const unsigned *colors)
{
    if (d->y - 16 < BOTTOM) {
        new_page(d);
        table_head(d, c, nc);
    }
    if (idx % 2)
        rect(d, ML, d->y - 16, MR - ML, 16, C_ZEBRA);
    double x = ML;
    for (int i = 0; i < nc; i++) {
        char t[512];
        fit(d, d->f, 8.5, c[i].w - 8, cells[i], t, sizeof t);
        double tx = c[i].align == 2 ? x + c[i].w - 4 : x + 4;
        put(d, tx, d->y - 11.5, colors && colors[i] ? d->fb : d->f, 8.5,
            colors && colors[i] ? colors[i] : C_INK, c[i].align == 2 ? 2 : 0, t);
        x += c[i].w;
    }
    d->y -= 16;
}

static void table_end(struct doc *d)
{
    hline(d, ML, MR, d->y, 0.5, C_RULE);
    d->y -= 10;
}

/* Embed a PNG (bytes) scaled to the text width, keeping the aspect ratio. */
/* Draw a chart given as packed RGB pixels (pw x ph) across the text width. */
static int image(struct doc *d, const struct ep_buf *rgb, int pw, int ph, struct ep_error *err)
{
    double w = MR - ML, h = w * ph / pw;
    need(d, h + 8);
    HPDF_Image im = HPDF_LoadRawImageFromMem(d->pdf, (const HPDF_BYTE *)rgb->data, (HPDF_UINT)pw,
                                             (HPDF_UINT)ph, HPDF_CS_DEVICE_RGB, 8);
    if (!im)
        return ep_error_set(err, EP_EINTERNAL, "PDF: cannot embed a chart (libharu 0x%04X)",
                            (unsigned)d->hpdf_err);
    HPDF_Page_DrawImage(d->pg, im, (float)ML, (float)(d->y - h), (float)w, (float)h);
    d->y -= h + 8;
    return 0;
}

static int chart(struct doc *d, int kind, json_t *coalition, struct ep_error *err)
{
    struct ep_buf b;
    ep_buf_init(&b, 0);
    int w = 1400, h = kind == 0 ? 650 : 900;
    int rc = ep_report_i_chart_rgb(kind, coalition, w, h, &b, err);
    if (rc == 0)
        rc = image(d, &b, w, h, err);
    ep_buf_free(&b);
    return rc;
}

static const char *level_of(double r)
{
    return r < 0.25 ? "LOW" : r < 0.5 ? "MODERATE" : r < 0.75 ? "HIGH" : "CRITICAL";
}

static unsigned level_color(const char *lv)
{
    if (!lv)
        return C_MUTED;
    if (strcmp(lv, "LOW") == 0)
        return 0x1E7B34;
    if (strcmp(lv, "MODERATE") == 0)
        return 0xB7791F;
    if (strcmp(lv, "HIGH") == 0)
        return 0xC2410C;
    if (strcmp(lv, "CRITICAL") == 0)
        return 0xB91C1C;
    return C_MUTED;
}

static void window_line(struct doc *d, json_t *res)
{
    json_t *w = json_object_get(res, "window");
    char t[256];
    snprintf(t, sizeof t, "Window %s to %s · %d roll-call votes · %d sittings · %d MEPs%s",
             ep_report_i_str(w, "from", "?"), ep_report_i_str(w, "to", "?"),
             (int)ep_report_i_num(w, "votes", 0), (int)ep_report_i_num(w, "sittings", 0),
             (int)ep_report_i_num(w, "meps", 0),
             json_is_true(json_object_get(w, "synthetic")) ? " · SYNTHETIC DATA" : "");
    put(d, ML, d->y - 10, d->f, 9.5, C_MUTED, 0, t);
    d->y -= 22;
}

static void methodology(struct doc *d, json_t *res)
{
    json_t *m = json_object_get(res, "methodology");
    json_t *cov = json_object_get(m, "coverage");
    char t[512];
    snprintf(t, sizeof t,
             "Coverage: %d roll-call votes in %d sittings; %d MEPs with at least one cast vote.",
             (int)ep_report_i_num(cov, "votes", 0), (int)ep_report_i_num(cov, "sittings", 0),
             (int)ep_report_i_num(cov, "meps", 0));
    para(d, d->f, 8.5, C_INK, t);
    const char *formula = ep_report_i_str(m, "formula", NULL);
    if (formula) {
        char f2[2048];
        snprintf(f2, sizeof f2, "Formula: %s", formula);
        para(d, d->f, 8.5, C_INK, f2);
    }
    json_t *lim = json_object_get(m, "limits");
    size_t i;
    json_t *v;
    json_array_foreach(lim, i, v)
    {
        char l[1024];
        snprintf(l, sizeof l, "Limit: %s", json_string_value(v) ? json_string_value(v) : "");
        para(d, d->f, 8.5, C_MUTED, l);
    }
    para(d, d->f, 8.5, C_MUTED,
         "Definitions of every measure: docs/methodology.md and docs/tools-intel.md. "
         "Source: European Parliament roll-call votes; member data: HowTheyVote.eu (ODbL).");
}

/* ---- MEP scorecard -------------------------------------------------------------------------- */

static const struct {
    const char *key, *label;
} SDims[] = {
    {"network_centrality", "Network centrality"},
    {"bridge_score", "Bridge score"},
    {"loyalty", "Loyalty to group"},
    {"participation", "Participation"},
    {"pivotal_votes", "Pivotal votes"},
    {"roles", "Roles and rapporteurships"},
};

static void dim_value(const char *key, json_t *dim, char *t, size_t n)
{
    double v = ep_report_i_num(dim, "value", 0);
    if (!json_is_true(json_object_get(dim, "available")))
        snprintf(t, n, "n/a");
    else if (strcmp(key, "pivotal_votes") == 0)
        snprintf(t, n, "%.0f votes", v);
    else if (strcmp(key, "network_centrality") == 0)
        snprintf(t, n, "%.3f", v);
    else
        snprintf(t, n, "%.1f %%", 100 * v);
}

static void card(struct doc *d, double x, double y, double w, const char *label, const char *value,
                 int pct_ok, double pct, unsigned col)
{
    rect(d, x, y - 64, w, 64, 0xF3F5F9);
    rect(d, x, y - 64, 3, 64, col);
    put(d, x + 12, y - 16, d->f, 8.5, C_MUTED, 0, label);
    put(d, x + 12, y - 38, d->fb, 17, C_INK, 0, value);
    if (pct_ok) {
        char t[64];
        snprintf(t, sizeof t, "percentile %.0f", pct);
        put(d, x + 12, y - 54, d->f, 8, C_MUTED, 0, t);
        double bx = x + 80, bw = w - 92;
        rect(d, bx, y - 54, bw, 5, 0xDDE3EC);
        rect(d, bx, y - 54, bw * pct / 100.0, 5, col);
    } else {
        put(d, x + 12, y - 54, d->f, 8, C_MUTED, 0, "no data in this dataset");
    }
}

/* Scorecard: name, group (with its label from the memberships) and country, window. */
static void sc_identity(struct doc *d, json_t *inf, json_t *mep, json_t *mships, const char *name,
                        const char *grp, unsigned gcol)
{
    size_t i;
    json_t *ms;
    /* identity */
    put(d, ML, d->y - 24, d->fb, 24, C_INK, 0, name);
    d->y -= 40;
    char t[512];
    const char *glabel = NULL;
    json_array_foreach(mships, i, ms)
    {
        if (grp && strcmp(ep_report_i_str(ms, "group", ""), grp) == 0)
            glabel = ep_report_i_str(ms, "group_label", NULL);
    }
    rect(d, ML, d->y - 14, 10, 10, gcol);
    snprintf(t, sizeof t, "%s%s%s%s · %s · EP id %lld%s%s", grp ? grp : "no group",
             glabel ? " (" : "", glabel ? glabel : "", glabel ? ")" : "",
             ep_report_i_str(mep, "country_label", ep_report_i_str(mep, "country", "?")),
             (long long)ep_report_i_num(mep, "id", 0),
             json_string_value(json_object_get(mep, "date_of_birth")) ? " · born " : "",
             ep_report_i_str(mep, "date_of_birth", ""));
    put(d, ML + 16, d->y - 13, d->f, 10.5, C_INK, 0, t);
    d->y -= 24;
    window_line(d, inf);
}

/* Scorecard: the composite card and five dimension cards. */
static void sc_key_figures(struct doc *d, json_t *inf, json_t *dims, unsigned gcol)
{
    char t[512];
    /* key figures */
    h2(d, "Key figures");
    double cw = (MR - ML - 2 * 10) / 3.0;
    snprintf(t, sizeof t, "%.1f / 100", ep_report_i_num(inf, "composite", 0));
    char rk[96];
    snprintf(rk, sizeof rk, "Composite · rank %d of %d", (int)ep_report_i_num(inf, "rank", 0),
             (int)ep_report_i_num(inf, "n", 0));
    card(d, ML, d->y, cw, rk, t, 1, ep_report_i_num(inf, "composite", 0), C_ACCENT);
    const char *cards[5] = {"participation", "loyalty", "pivotal_votes", "network_centrality",
                            "bridge_score"};
    for (int k = 0; k < 5; k++) {
        json_t *dm = json_object_get(dims, cards[k]);
        const char *label = cards[k];
        for (size_t q = 0; q < sizeof SDims / sizeof SDims[0]; q++)
            if (strcmp(SDims[q].key, cards[k]) == 0)
                label = SDims[q].label;
        char v[64];
        dim_value(cards[k], dm, v, sizeof v);
        int slot = k + 1;
        card(d, ML + (cw + 10) * (double)(slot % 3), d->y - 74.0 * (slot >= 3 ? 1.0 : 0.0), cw,
             label, v, json_is_true(json_object_get(dm, "available")),
             ep_report_i_num(dm, "percentile", 0), gcol);
    }
    d->y -= 2 * 74 + 4;
}

/* Scorecard: the dimension chart (vector bars, the composite dashed). */
static void sc_chart(struct doc *d, json_t *inf, json_t *dims, unsigned gcol)
{
    char t[512];
    /* dimension chart (vector bars) */
    snprintf(t, sizeof t, "Influence dimensions (percentile among %d MEPs)",
             (int)ep_report_i_num(inf, "n", 0));
    h2(d, t);
    size_t nd = sizeof SDims / sizeof SDims[0];
    double bx = ML + 130, bw = MR - ML - 130 - 110, rowh = 20;
    need(d, rowh * (double)nd + 30);
    double top = d->y;
    for (int g = 0; g <= 4; g++) {
        double x = bx + bw * g / 4.0;
        stroke(d->pg, 0xE5E7EB);
        HPDF_Page_SetLineWidth(d->pg, 0.5);
        HPDF_Page_MoveTo(d->pg, (float)x, (float)top);
        HPDF_Page_LineTo(d->pg, (float)x, (float)(top - rowh * (double)nd));
        HPDF_Page_Stroke(d->pg);
        snprintf(t, sizeof t, "%d", g * 25);
        put(d, x, top - rowh * (double)nd - 10, d->f, 7.5, C_MUTED, 1, t);
    }
    for (size_t k = 0; k < nd; k++) {
        json_t *dm = json_object_get(dims, SDims[k].key);
        double yc = top - rowh * ((double)k + 0.5);
        put(d, bx - 8, yc - 3, d->f, 9, C_INK, 2, SDims[k].label);
        if (json_is_true(json_object_get(dm, "available"))) {
            double p = ep_report_i_num(dm, "percentile", 0);
            rect(d, bx, yc - 6, bw * p / 100.0, 12, gcol);
            char v[64];
            dim_value(SDims[k].key, dm, v, sizeof v);
            snprintf(t, sizeof t, "%.1f  (%s)", p, v);
            put(d, bx + bw + 8, yc - 3, d->f, 8.5, C_INK, 0, t);
        } else {
            rect(d, bx, yc - 6, bw, 12, 0xF3F4F6);
            put(d, bx + 6, yc - 3, d->f, 8, C_MUTED, 0,
                ep_report_i_str(dm, "reason", "no data for this dimension"));
            put(d, bx + bw + 8, yc - 3, d->f, 8.5, C_MUTED, 0, "n/a");
        }
    }
    double comp = ep_report_i_num(inf, "composite", -1);
    if (comp >= 0) {
        double x = bx + bw * comp / 100.0;
        stroke(d->pg, C_INK);
        HPDF_Page_SetLineWidth(d->pg, 1);
        HPDF_Page_SetDash(d->pg, (const HPDF_UINT16[]){3, 2}, 2, 0);
        HPDF_Page_MoveTo(d->pg, (float)x, (float)(top + 4));
        HPDF_Page_LineTo(d->pg, (float)x, (float)(top - rowh * (double)nd));
        HPDF_Page_Stroke(d->pg);
        HPDF_Page_SetDash(d->pg, NULL, 0, 0);
    }
    d->y = top - rowh * (double)nd - 20;
    para(d, d->f, 7.5, C_MUTED,
         "Bars: percentile among the MEPs of the window (0-100); dashed line: composite. "
         "Composite = weighted mean of the available dimensions' percentiles (weights "
         "renormalised over available dimensions).");
}

/* Scorecard: the group history table. */
static void sc_history(struct doc *d, json_t *mships)
{
    size_t i;
    json_t *ms;
    /* group history */
    h2(d, "Group history");
    static const struct col hc[] = {
        {"Term", 50, 0}, {"Group", 90, 0}, {"Group name", 215, 0}, {"From", 72, 0}, {"To", 72, 0}};
    table_head(d, hc, 5);
    json_array_foreach(mships, i, ms)
    {
        char term[16];
        snprintf(term, sizeof term, "%d", (int)ep_report_i_num(ms, "term", 0));
        const char *cells[5] = {
            term, ep_report_i_str(ms, "group", ""), ep_report_i_str(ms, "group_label", ""),
            ep_report_i_str(ms, "start", ""), ep_report_i_str(ms, "end", "today")};
        table_row(d, hc, 5, (int)i, cells, NULL);
    }
    table_end(d);
}

/* Scorecard: defections (counts, cross-party share, the first 15). */
static void sc_defections(struct doc *d, json_t *dims, json_t *report)
{
    char t[512];
    size_t i;
    /* defections */
    json_t *data = json_object_get(report, "data");
    json_t *defs = json_object_get(data, "defections");
    json_t *loy = json_object_get(dims, "loyalty");
    json_t *lf = json_object_get(loy, "figures");
    h2(d, "Notable defections");
    snprintf(t, sizeof t,
             "%d defections from the group's position on %d votes considered (loyalty %.1f %%, "
             "percentile %.0f).",
             (int)ep_report_i_num(lf, "defections", 0),
             (int)ep_report_i_num(lf, "votes_considered", 0),
             100 * ep_report_i_num(loy, "value", 0), ep_report_i_num(loy, "percentile", 0));
    json_t *cp = json_object_get(data, "cross_party");
    if (json_is_true(json_object_get(cp, "available"))) {
        size_t l = strlen(t);
        snprintf(t + l, sizeof t - l, " %d of them were cross-party (%.1f %%).",
                 (int)ep_report_i_num(cp, "votes", 0), 100 * ep_report_i_num(cp, "value", 0));
    }
    para(d, d->f, 9, C_INK, t);
    json_t *items = json_object_get(defs, "items");
    if (json_array_size(items) > 0) {
        static const struct col dc[] = {{"Date", 60, 0},   {"Vote", 46, 0},
                                        {"Title", 171, 0}, {"MEP voted", 70, 0},
                                        {"Group", 62, 0},  {"Also with", 90, 0}};
        table_head(d, dc, 6);
        json_t *it;
        size_t shown = 0;
        json_array_foreach(items, i, it)
        {
            if (shown >= 15)
                break;
            char vid[24], also[128] = "";
            snprintf(vid, sizeof vid, "%lld", (long long)ep_report_i_num(it, "vote_id", 0));
            json_t *gv = json_object_get(it, "groups_voting_the_same");
            size_t q;
            json_t *gq;
            json_array_foreach(gv, q, gq)
            {
                size_t l = strlen(also);
                snprintf(also + l, sizeof also - l, "%s%s", q ? ", " : "",
                         json_string_value(gq) ? json_string_value(gq) : "");
            }
            const char *cells[6] = {
                ep_report_i_str(it, "date", ""),           vid,
                ep_report_i_str(it, "title", ""),          ep_report_i_str(it, "mep_position", ""),
                ep_report_i_str(it, "group_position", ""), also};
            table_row(d, dc, 6, (int)shown, cells, NULL);
            shown++;
        }
        table_end(d);
        if (json_array_size(items) > shown) {
            snprintf(t, sizeof t, "%zu more defections in the JSON result (generate_report).",
                     json_array_size(items) - shown);
            para(d, d->f, 8, C_MUTED, t);
        }
    }
}

/* Scorecard: coverage and methodology. */
static void sc_coverage(struct doc *d, json_t *inf, json_t *dims)
{
    char t[512];
    /* coverage and methodology */
    h2(d, "Data coverage and methodology");
    json_t *pd = json_object_get(json_object_get(dims, "participation"), "figures");
    snprintf(t, sizeof t,
             "This MEP cast %d of %d eligible roll-call votes in the window. Peers: %d MEPs with "
             "at least one cast vote.",
             (int)ep_report_i_num(pd, "cast", 0), (int)ep_report_i_num(pd, "eligible", 0),
             (int)ep_report_i_num(inf, "n", 0));
    para(d, d->f, 8.5, C_INK, t);
    para(d, d->f, 8.5, C_INK, ep_report_i_str(inf, "percentile_definition", ""));
    para(d, d->f, 8.5, C_INK, ep_report_i_str(json_object_get(inf, "weights"), "note", ""));
    methodology(d, inf);
}


int ep_report_pdf_scorecard(json_t *inf, json_t *details, json_t *report, struct ep_buf *out,
                            struct ep_error *err)
{
    json_t *dims = json_object_get(inf, "dimensions");
    json_t *mep = json_object_get(details, "mep");
    if (!json_is_object(dims) || !json_is_object(mep) ||
        !json_is_object(json_object_get(inf, "mep")))
        return ep_error_set(err, EP_EINVAL,
                            "scorecard: needs an assess_mep_influence and a get_mep_details "
                            "result");
    char name[256];
    snprintf(name, sizeof name, "%s %s", ep_report_i_str(mep, "first_name", ""),
             ep_report_i_str(mep, "last_name", ""));
    char title[320];
    snprintf(title, sizeof title, "MEP scorecard: %s", name);
    struct doc d;
    int rc = doc_open(&d, "MEP SCORECARD", title, ep_report_i_dataset_date(inf), err);
    if (rc)
        return rc;
    d.synthetic = ep_report_i_synthetic(inf);
    const char *grp = ep_report_i_str(json_object_get(inf, "mep"), "group",
                                      ep_report_i_str(mep, "current_group", NULL));
    unsigned gcol = ep_report_group_color(grp);
    if (gcol == 0xFFD700)
        gcol = 0xE0B800;
    json_t *mships = json_object_get(details, "memberships");
    sc_identity(&d, inf, mep, mships, name, grp, gcol);
    sc_key_figures(&d, inf, dims, gcol);
    sc_chart(&d, inf, dims, gcol);
    sc_history(&d, mships);
    sc_defections(&d, dims, report);
    sc_coverage(&d, inf, dims);
    return doc_close(&d, out, err);
}

/* ---- risk briefing -------------------------------------------------------------------------- */

static const struct {
    const char *key, *label;
} RDims[] = {
    {"declining_cohesion", "Declining cohesion"},   {"fragmentation", "Fragmentation"},
    {"defection_surges", "Defection surges"},       {"close_votes", "Close votes"},
    {"swing_pivotality", "Swing-group pivotality"},
};

static void risk_raw(const char *key, json_t *ev, char *t, size_t n)
{
    if (strcmp(key, "declining_cohesion") == 0)
        snprintf(t, n, "AI decline %.3f", ep_report_i_num(ev, "decline", 0));
    else if (strcmp(key, "fragmentation") == 0)
        snprintf(t, n, "ENP %.2f seats / %.2f votes; Q %.3f", ep_report_i_num(ev, "enp_seats", 0),
                 ep_report_i_num(ev, "enp_votes", 0),
                 ep_report_i_num(ev, "modularity_detected", 0));
    else if (strcmp(key, "close_votes") == 0)
        snprintf(t, n, "%d of %d votes close (%.1f %%)", (int)ep_report_i_num(ev, "close_votes", 0),
                 (int)ep_report_i_num(ev, "votes", 0), 100 * ep_report_i_num(ev, "share", 0));
    else if (strcmp(key, "swing_pivotality") == 0)
        snprintf(t, n, "%d of %d decided votes (%.1f %%)",
                 (int)ep_report_i_num(ev, "swing_pivotal_votes", 0),
                 (int)ep_report_i_num(ev, "decided_votes", 0),
                 100 * ep_report_i_num(ev, "share", 0));
    else
        snprintf(t, n, "see JSON");
}

/* Briefing: the evidence tables (close votes, cohesion halves, pivotal groups). */
static void briefing_evidence(struct doc *d, json_t *dims)
{
    h2(d, "Evidence: close votes");
    json_t *cv = json_object_get(json_object_get(dims, "close_votes"), "evidence");
    json_t *listed = json_object_get(cv, "listed");
    static const struct col vc[] = {{"Date", 58, 0},  {"Vote", 44, 0},    {"Title", 214, 0},
                                    {"For", 40, 2},   {"Against", 46, 2}, {"Abst.", 40, 2},
                                    {"Margin", 57, 2}};
    if (json_array_size(listed) == 0)
        para(d, d->f, 9, C_MUTED, "No close votes in the window.");
    else {
        table_head(d, vc, 7);
        size_t i;
        json_t *it;
        json_array_foreach(listed, i, it)
        {
            char vid[24], f_[16], a_[16], b_[16], m_[32];
            snprintf(vid, sizeof vid, "%lld", (long long)ep_report_i_num(it, "vote_id", 0));
            snprintf(f_, sizeof f_, "%d", (int)ep_report_i_num(it, "for", 0));
            snprintf(a_, sizeof a_, "%d", (int)ep_report_i_num(it, "against", 0));
            snprintf(b_, sizeof b_, "%d", (int)ep_report_i_num(it, "abstention", 0));
            snprintf(m_, sizeof m_, "%d (%.1f %%)", (int)ep_report_i_num(it, "margin", 0),
                     100 * ep_report_i_num(it, "margin_share", 0));
            const char *cells[7] = {ep_report_i_str(it, "date", ""),
                                    vid,
                                    ep_report_i_str(it, "title", ""),
                                    f_,
                                    a_,
                                    b_,
                                    m_};
            table_row(d, vc, 7, (int)i, cells, NULL);
        }
        table_end(d);
    }
    h2(d, "Evidence: cohesion by group (first vs second half of the sittings)");
    json_t *dc = json_object_get(json_object_get(dims, "declining_cohesion"), "evidence");
    static const struct col gc[] = {{"Group", 100, 0},
                                    {"Seats", 60, 2},
                                    {"AI first half", 110, 2},
                                    {"AI second half", 110, 2},
                                    {"Change", 119, 2}};
    table_head(d, gc, 5);
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(dc, "groups"), i, it)
    {
        char s_[16], a1[16], a2[16], ch[16];
        snprintf(s_, sizeof s_, "%d", (int)ep_report_i_num(it, "seats", 0));
        snprintf(a1, sizeof a1, "%.3f", ep_report_i_num(it, "ai_first_half", 0));
        snprintf(a2, sizeof a2, "%.3f", ep_report_i_num(it, "ai_second_half", 0));
        snprintf(ch, sizeof ch, "%+.3f",
                 ep_report_i_num(it, "ai_second_half", 0) -
                     ep_report_i_num(it, "ai_first_half", 0));
        const char *cells[5] = {ep_report_i_str(it, "group", ""), s_, a1, a2, ch};
        table_row(d, gc, 5, (int)i, cells, NULL);
    }
    table_end(d);
    h2(d, "Evidence: pivotal groups");
    json_t *sp = json_object_get(json_object_get(dims, "swing_pivotality"), "evidence");
    static const struct col pc[] = {
        {"Group", 140, 0}, {"Swing group", 120, 0}, {"Pivotal votes", 110, 2}, {"Share", 129, 2}};
    table_head(d, pc, 4);
    json_array_foreach(json_object_get(sp, "groups"), i, it)
    {
        char pv[16], sh[16];
        snprintf(pv, sizeof pv, "%d", (int)ep_report_i_num(it, "pivotal_votes", 0));
        snprintf(sh, sizeof sh, "%.1f %%", 100 * ep_report_i_num(it, "share", 0));
        const char *cells[4] = {ep_report_i_str(it, "group", ""),
                                json_is_true(json_object_get(it, "swing")) ? "yes" : "no", pv, sh};
        table_row(d, pc, 4, (int)i, cells, NULL);
    }
    table_end(d);
}

int ep_report_pdf_briefing(json_t *risk, json_t *coalition, struct ep_buf *out,
                           struct ep_error *err)
{
    json_t *dims = json_object_get(risk, "dimensions");
    if (!json_is_object(dims))
        return ep_error_set(err, EP_EINVAL,
                            "briefing: needs a generate_political_risk_assessment result");
    struct doc d;
    int rc = doc_open(&d, "POLITICAL RISK BRIEFING", "Political risk briefing",
                      ep_report_i_dataset_date(risk), err);
    if (rc)
        return rc;
    d.synthetic = ep_report_i_synthetic(risk);
    h1(&d, "Political risk briefing");
    window_line(&d, risk);
    /* executive summary */
    h2(&d, "Executive summary");
    const char *level = ep_report_i_str(risk, "level", "?");
    double comp = ep_report_i_num(risk, "composite", 0);
    need(&d, 70);
    rect(&d, ML, d.y - 56, 150, 56, level_color(level));
    put(&d, ML + 75, d.y - 22, d.f, 9, 0xFFFFFF, 1, "Overall risk level");
    put(&d, ML + 75, d.y - 45, d.fb, 18, 0xFFFFFF, 1, level);
    char t[1024];
    snprintf(t, sizeof t, "Composite risk %.3f on a 0-1 scale", comp);
    put(&d, ML + 166, d.y - 18, d.fb, 12, C_INK, 0, t);
    /* top contributor */
    const char *top_label = NULL;
    double top_r = -1;
    for (size_t k = 0; k < sizeof RDims / sizeof RDims[0]; k++) {
        json_t *dm = json_object_get(dims, RDims[k].key);
        if (json_is_true(json_object_get(dm, "available")) &&
            ep_report_i_num(dm, "value", 0) > top_r) {
            top_r = ep_report_i_num(dm, "value", 0);
            top_label = RDims[k].label;
        }
    }
    snprintf(t, sizeof t, "Highest dimension: %s (%.2f, %s)", top_label ? top_label : "none",
             top_r < 0 ? 0 : top_r, level_of(top_r < 0 ? 0 : top_r));
    put(&d, ML + 166, d.y - 36, d.f, 10, C_INK, 0, t);
    json_t *dropped = json_object_get(json_object_get(risk, "weights"), "dropped");
    snprintf(t, sizeof t, "%zu dimension(s) without data dropped; weights renormalised",
             json_array_size(dropped));
    put(&d, ML + 166, d.y - 51, d.f, 9, C_MUTED, 0, t);
    d.y -= 70;
    json_t *th = json_object_get(risk, "thresholds");
    para(&d, d.f, 9, C_INK, ep_report_i_str(th, "rule", ""));
    /* risk table */
    h2(&d, "Risk dimensions");
    static const struct col rc_[] = {{"Dimension", 120, 0},
                                     {"Evidence", 200, 0},
                                     {"Risk (0-1)", 60, 2},
                                     {"Level", 64, 0},
                                     {"Weight", 55, 2}};
    table_head(&d, rc_, 5);
    for (size_t k = 0; k < sizeof RDims / sizeof RDims[0]; k++) {
        json_t *dm = json_object_get(dims, RDims[k].key);
        int av = json_is_true(json_object_get(dm, "available"));
        char raw[256], r[32], wt[32];
        const char *lv = "n/a";
        if (av) {
            risk_raw(RDims[k].key, json_object_get(dm, "evidence"), raw, sizeof raw);
            snprintf(r, sizeof r, "%.3f", ep_report_i_num(dm, "value", 0));
            lv = level_of(ep_report_i_num(dm, "value", 0));
            snprintf(wt, sizeof wt, "%.3f", ep_report_i_num(dm, "weight", 0));
        } else {
            snprintf(raw, sizeof raw, "%s", ep_report_i_str(dm, "reason", "no data"));
            snprintf(r, sizeof r, "n/a");
            snprintf(wt, sizeof wt, "dropped");
        }
        const char *cells[5] = {RDims[k].label, raw, r, lv, wt};
        unsigned colors[5] = {0, 0, 0, av ? level_color(lv) : 0, 0};
        table_row(&d, rc_, 5, (int)k, cells, colors);
    }
    table_end(&d);
    for (size_t k = 0; k < sizeof RDims / sizeof RDims[0]; k++) {
        json_t *dm = json_object_get(dims, RDims[k].key);
        snprintf(t, sizeof t, "%s: %s Scale: %s", RDims[k].label,
                 ep_report_i_str(dm, "definition", ""), ep_report_i_str(dm, "normalisation", ""));
        para(&d, d.f, 7.5, C_MUTED, t);
    }
    h2(&d, "Methodology");
    para(&d, d.f, 8.5, C_INK, ep_report_i_str(risk, "normalisation", ""));
    methodology(&d, risk);
    /* charts */
    if (coalition) {
        new_page(&d);
        rc = chart(&d, 0, coalition, err);
        if (rc == 0) {
            d.y -= 16;
            rc = chart(&d, 1, coalition, err);
        }
        if (rc) {
            HPDF_Free(d.pdf);
            return rc;
        }
    }
    /* evidence votes */
    new_page(&d);
    briefing_evidence(&d, dims);
    return doc_close(&d, out, err);
}

/* ---- coalition report ----------------------------------------------------------------------- */

static void pair_table(struct doc *d, json_t *list)
{
    static const struct col c[] = {{"Group A", 90, 0},      {"Group B", 90, 0},
                                   {"Agreement", 80, 2},    {"Agreeing votes", 90, 2},
                                   {"Common votes", 80, 2}, {"Volatility", 69, 2}};
    table_head(d, c, 6);
    size_t i;
    json_t *it;
    json_array_foreach(list, i, it)
    {
        char ag[16], av[16], cv[16], vo[16];
        snprintf(ag, sizeof ag, "%.3f", ep_report_i_num(it, "agreement", 0));
        snprintf(av, sizeof av, "%d", (int)ep_report_i_num(it, "agreeing_votes", 0));
        snprintf(cv, sizeof cv, "%d", (int)ep_report_i_num(it, "common_votes", 0));
        json_t *v = json_object_get(it, "volatility");
        if (json_is_number(v))
            snprintf(vo, sizeof vo, "%.3f", json_number_value(v));
        else
            snprintf(vo, sizeof vo, "n/a");
        const char *cells[6] = {
            ep_report_i_str(it, "a", ""), ep_report_i_str(it, "b", ""), ag, av, cv, vo};
        table_row(d, c, 6, (int)i, cells, NULL);
    }
    table_end(d);
}

int ep_report_pdf_coalition(json_t *coal, struct ep_buf *out, struct ep_error *err)
{
    json_t *groups = json_object_get(coal, "groups");
    if (!json_is_array(groups))
        return ep_error_set(err, EP_EINVAL,
                            "coalition report: needs an "
                            "analyze_coalition_dynamics result");
    struct doc d;
    int rc = doc_open(&d, "COALITION REPORT", "Coalition dynamics report",
                      ep_report_i_dataset_date(coal), err);
    if (rc)
        return rc;
    d.synthetic = ep_report_i_synthetic(coal);
    h1(&d, "Coalition dynamics");
    window_line(&d, coal);
    h2(&d, "Summary");
    json_t *st = json_object_get(coal, "stability");
    json_t *fa = json_object_get(coal, "factions");
    json_t *most = json_object_get(json_object_get(coal, "alliances"), "most_reliable");
    json_t *least = json_object_get(json_object_get(coal, "alliances"), "least_reliable");
    char t[1024];
    json_t *m0 = json_array_get(most, 0), *l0 = json_array_get(least, 0);
    snprintf(t, sizeof t,
             "%zu groups. Most reliable alliance: %s-%s (agreement %.3f over %d common votes); "
             "least reliable: %s-%s (%.3f). Alliance stability %s. %d communities in the "
             "co-voting network (modularity %.3f; by group %.3f).",
             json_array_size(groups), ep_report_i_str(m0, "a", "?"), ep_report_i_str(m0, "b", "?"),
             ep_report_i_num(m0, "agreement", 0), (int)ep_report_i_num(m0, "common_votes", 0),
             ep_report_i_str(l0, "a", "?"), ep_report_i_str(l0, "b", "?"),
             ep_report_i_num(l0, "agreement", 0),
             json_is_true(json_object_get(st, "available")) ? "" : "n/a",
             (int)ep_report_i_num(fa, "communities", 0), ep_report_i_num(fa, "modularity", 0),
             ep_report_i_num(fa, "modularity_by_group", 0));
    if (json_is_true(json_object_get(st, "available"))) {
        char s2[64];
        snprintf(s2, sizeof s2, "%.3f (0-1, 1 = steady)", ep_report_i_num(st, "value", 0));
        char *p = strstr(t, "stability ");
        if (p) {
            char rest[1024];
            snprintf(rest, sizeof rest, "%s", p + strlen("stability "));
            snprintf(p + strlen("stability "), sizeof t - (size_t)(p - t) - strlen("stability "),
                     "%s%s", s2, rest);
        }
    }
    para(&d, d.f, 9.5, C_INK, t);
    h2(&d, "Cohesion by group");
    static const struct col cc[] = {{"Group", 70, 0},         {"Seats", 40, 2},
                                    {"AI mean", 55, 2},       {"AI median", 60, 2},
                                    {"Rice", 50, 2},          {"Alpha", 50, 2},
                                    {"Participation", 74, 2}, {"AI slope / sitting", 100, 2}};
    table_head(&d, cc, 8);
    size_t i;
    json_t *g;
    json_array_foreach(groups, i, g)
    {
        json_t *co = json_object_get(g, "cohesion");
        char se[16], a1[16], a2[16], ri[16], al[16], pa[16], sl[16];
        snprintf(se, sizeof se, "%d", (int)ep_report_i_num(g, "seats_at_last_vote", 0));
        snprintf(a1, sizeof a1, "%.3f", ep_report_i_num(co, "ai_mean", 0));
        snprintf(a2, sizeof a2, "%.3f", ep_report_i_num(co, "ai_median", 0));
        snprintf(ri, sizeof ri, "%.3f", ep_report_i_num(co, "rice_mean", 0));
        json_t *alj = json_object_get(co, "alpha");
        if (json_is_number(alj))
            snprintf(al, sizeof al, "%.3f", json_number_value(alj));
        else
            snprintf(al, sizeof al, "n/a");
        snprintf(pa, sizeof pa, "%.1f %%", 100 * ep_report_i_num(co, "participation", 0));
        json_t *slj = json_object_get(json_object_get(g, "trend"), "ai_slope_per_sitting");
        if (json_is_number(slj))
            snprintf(sl, sizeof sl, "%+.4f", json_number_value(slj));
        else
            snprintf(sl, sizeof sl, "n/a");
        const char *cells[8] = {ep_report_i_str(g, "group", ""), se, a1, a2, ri, al, pa, sl};
        table_row(&d, cc, 8, (int)i, cells, NULL);
    }
    table_end(&d);
    d.y -= 10;
    rc = chart(&d, 0, coal, err);
    if (rc == 0) {
        new_page(&d);
        rc = chart(&d, 1, coal, err);
    }
    if (rc) {
        HPDF_Free(d.pdf);
        return rc;
    }
    h2(&d, "Most reliable alliances");
    pair_table(&d, most);
    h2(&d, "Least reliable alliances");
    pair_table(&d, least);
    h2(&d, "Factions");
    if (json_is_true(json_object_get(fa, "available"))) {
        para(&d, d.f, 8.5, C_MUTED, ep_report_i_str(fa, "definition", ""));
        static const struct col fc[] = {{"Group", 120, 0},
                                        {"Community", 100, 2},
                                        {"Members", 100, 2},
                                        {"Share of group", 179, 2}};
        table_head(&d, fc, 4);
        json_array_foreach(json_object_get(fa, "items"), i, g)
        {
            char co[16], me[16], sh[16];
            snprintf(co, sizeof co, "%d", (int)ep_report_i_num(g, "community", 0));
            snprintf(me, sizeof me, "%d", (int)ep_report_i_num(g, "members", 0));
            snprintf(sh, sizeof sh, "%.1f %%", 100 * ep_report_i_num(g, "share", 0));
            const char *cells[4] = {ep_report_i_str(g, "group", ""), co, me, sh};
            table_row(&d, fc, 4, (int)i, cells, NULL);
        }
        table_end(&d);
    } else {
        para(&d, d.f, 9, C_MUTED, ep_report_i_str(fa, "reason", "No factions detected."));
    }
    h2(&d, "Methodology");
    if (json_is_true(json_object_get(st, "available")))
        para(&d, d.f, 8.5, C_INK, ep_report_i_str(st, "formula", ""));
    methodology(&d, coal);
    return doc_close(&d, out, err);
}

#include "ep_report_country.inc"
#include "ep_report_policy.inc"
