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

#include "ep_coalition.h"
#include "ep_influence.h"
#include "ep_mep_profile.h"
#include "ep_mep_report.h"
#include "ep_model.h"
#include "ep_positions.h"
#include "ep_risk.h"
#include "ep_report_int.h"
#include "ep_window.h"

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

static int chart(struct doc *d, int kind, const struct ep_coalition *coal,
                 const struct ep_positions_prov *prov, struct ep_error *err)
{
    struct ep_buf b;
    ep_buf_init(&b, 0);
    int w = 1400, h = kind == 0 ? 650 : 900;
    int rc = ep_report_chart_rgb(kind, coal, prov, w, h, &b, err);
    if (rc == 0)
        rc = image(d, &b, w, h, err);
    ep_buf_free(&b);
    return rc;
}

/* "%.3f" of x as the JSON result rounds it (ep_round6), or "n/a" when ok is 0. */
static void num3(char *t, size_t n, int ok, double x)
{
    if (ok)
        snprintf(t, n, "%.3f", ep_round6(x));
    else
        snprintf(t, n, "n/a");
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

/* The window of w: dates, votes, sittings, MEPs (as the tools' window object). */
static void win_line(struct doc *d, const struct ep_win *w)
{
    const struct ep_matrix *m = w->m;
    char from[11] = "?", to[11] = "?", t[256];
    if (m->n_vote > 0) {
        ep_date_format(m->vote_day[0], from);
        ep_date_format(m->vote_day[m->n_vote - 1], to);
    }
    snprintf(t, sizeof t, "Window %s to %s · %d roll-call votes · %d sittings · %d MEPs%s", from,
             to, m->n_vote, w->n_sittings, m->n_mep, m->synthetic ? " · SYNTHETIC DATA" : "");
    put(d, ML, d->y - 10, d->f, 9.5, C_MUTED, 0, t);
    d->y -= 22;
}

/* The methodology block: coverage of w, the formula and limits (NULL-terminated) of the product
 * (as the tools' methodology object). */
static void method_block(struct doc *d, const struct ep_win *w, const char *formula,
                         const char *const *limits)
{
    char t[2048];
    snprintf(t, sizeof t,
             "Coverage: %d roll-call votes in %d sittings; %d MEPs with at least one cast vote.",
             w->m->n_vote, w->n_sittings, w->n_active);
    para(d, d->f, 8.5, C_INK, t);
    if (formula) {
        snprintf(t, sizeof t, "Formula: %s", formula);
        para(d, d->f, 8.5, C_INK, t);
    }
    for (size_t i = 0; limits && limits[i]; i++) {
        snprintf(t, sizeof t, "Limit: %s", limits[i]);
        para(d, d->f, 8.5, C_MUTED, t);
    }
    para(d, d->f, 8.5, C_MUTED,
         "Definitions of every measure: docs/methodology.md and docs/tools-intel.md. "
         "Source: European Parliament roll-call votes; member data: HowTheyVote.eu (ODbL).");
}

/* ---- MEP scorecard -------------------------------------------------------------------------- */

/* The dimensions in the order of the chart (ep_window.h's EP_INFL_* indices). */
static const char *const SLabel[EP_INFL_NDIM] = {
    [EP_INFL_CENT] = "Network centrality", [EP_INFL_BRIDGE] = "Bridge score",
    [EP_INFL_LOYAL] = "Loyalty to group",  [EP_INFL_PART] = "Participation",
    [EP_INFL_PIVOT] = "Pivotal votes",     [EP_INFL_ROLES] = "Roles and rapporteurships",
};

static void dim_value(int k, const struct ep_influence_dim *dim, char *t, size_t n)
{
    double v = ep_round6(dim->value);
    if (!dim->available)
        snprintf(t, n, "n/a");
    else if (k == EP_INFL_PIVOT)
        snprintf(t, n, "%.0f votes", v);
    else if (k == EP_INFL_CENT)
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
static void sc_identity(struct doc *d, const struct ep_influence *inf,
                        const struct ep_mep_profile *det, const char *name, const char *grp,
                        unsigned gcol)
{
    const struct ep_query_mep_profile *p = &det->row;
    put(d, ML, d->y - 24, d->fb, 24, C_INK, 0, name);
    d->y -= 40;
    char t[512];
    const char *glabel = NULL;
    for (size_t i = 0; i < det->n_memberships; i++)
        if (grp && strcmp(det->memberships[i].group, grp) == 0)
            glabel = det->memberships[i].group_label;
    rect(d, ML, d->y - 14, 10, 10, gcol);
    snprintf(t, sizeof t, "%s%s%s%s · %s · EP id %lld%s%s", grp ? grp : "no group",
             glabel ? " (" : "", glabel ? glabel : "", glabel ? ")" : "",
             p->country_label ? p->country_label : p->country ? p->country : "?",
             (long long)det->id, p->date_of_birth ? " · born " : "",
             p->date_of_birth ? p->date_of_birth : "");
    put(d, ML + 16, d->y - 13, d->f, 10.5, C_INK, 0, t);
    d->y -= 24;
    win_line(d, inf->win);
}

/* Scorecard: the composite card and five dimension cards. */
static void sc_key_figures(struct doc *d, const struct ep_influence *inf, unsigned gcol)
{
    char t[512];
    h2(d, "Key figures");
    double cw = (MR - ML - 2 * 10) / 3.0, comp = ep_round6(inf->composite);
    snprintf(t, sizeof t, "%.1f / 100", comp);
    char rk[96];
    snprintf(rk, sizeof rk, "Composite · rank %d of %d", inf->rank, inf->n);
    card(d, ML, d->y, cw, rk, t, 1, comp, C_ACCENT);
    static const int cards[5] = {EP_INFL_PART, EP_INFL_LOYAL, EP_INFL_PIVOT, EP_INFL_CENT,
                                 EP_INFL_BRIDGE};
    for (int k = 0; k < 5; k++) {
        const struct ep_influence_dim *dm = &inf->dim[cards[k]];
        char v[64];
        dim_value(cards[k], dm, v, sizeof v);
        int slot = k + 1;
        card(d, ML + (cw + 10) * (double)(slot % 3), d->y - 74.0 * (slot >= 3 ? 1.0 : 0.0), cw,
             SLabel[cards[k]], v, dm->available, ep_round6(dm->percentile), gcol);
    }
    d->y -= 2 * 74 + 4;
}

/* Scorecard: the dimension chart (vector bars, the composite dashed). */
static void sc_chart(struct doc *d, const struct ep_influence *inf, unsigned gcol)
{
    char t[512];
    snprintf(t, sizeof t, "Influence dimensions (percentile among %d MEPs)", inf->n);
    h2(d, t);
    size_t nd = EP_INFL_NDIM;
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
        const struct ep_influence_dim *dm = &inf->dim[k];
        double yc = top - rowh * ((double)k + 0.5);
        put(d, bx - 8, yc - 3, d->f, 9, C_INK, 2, SLabel[k]);
        if (dm->available) {
            double p = ep_round6(dm->percentile);
            rect(d, bx, yc - 6, bw * p / 100.0, 12, gcol);
            char v[64];
            dim_value((int)k, dm, v, sizeof v);
            snprintf(t, sizeof t, "%.1f  (%s)", p, v);
            put(d, bx + bw + 8, yc - 3, d->f, 8.5, C_INK, 0, t);
        } else {
            rect(d, bx, yc - 6, bw, 12, 0xF3F4F6);
            put(d, bx + 6, yc - 3, d->f, 8, C_MUTED, 0, dm->reason);
            put(d, bx + bw + 8, yc - 3, d->f, 8.5, C_MUTED, 0, "n/a");
        }
    }
    if (isfinite(inf->composite) && inf->composite >= 0) {
        double x = bx + bw * ep_round6(inf->composite) / 100.0;
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
static void sc_history(struct doc *d, const struct ep_mep_profile *det)
{
    h2(d, "Group history");
    static const struct col hc[] = {
        {"Term", 50, 0}, {"Group", 90, 0}, {"Group name", 215, 0}, {"From", 72, 0}, {"To", 72, 0}};
    table_head(d, hc, 5);
    for (size_t i = 0; i < det->n_memberships; i++) {
        const struct ep_query_membership *ms = &det->memberships[i];
        char term[16];
        if (ms->has_term)
            snprintf(term, sizeof term, "%d", ms->term);
        else
            snprintf(term, sizeof term, "n/a");
        const char *cells[5] = {term, ms->group, ms->group_label ? ms->group_label : "",
                                ms->start, ms->end[0] ? ms->end : "today"};
        table_row(d, hc, 5, (int)i, cells, NULL);
    }
    table_end(d);
}

/* Scorecard: one defection row. */
static void sc_defection_row(struct doc *d, const struct col *dc, const struct ep_patterns *p,
                             const struct ep_patterns_vote *it, int idx)
{
    char vid[24], also[128] = "";
    snprintf(vid, sizeof vid, "%lld", (long long)it->vote_id);
    for (int g = 0, q = 0; it->with_mep && it->group >= 0 && g < p->n_grp; g++)
        if (it->same_mask & (1u << g)) {
            size_t l = strlen(also);
            snprintf(also + l, sizeof also - l, "%s%s", q++ ? ", " : "", p->grp_code[g]);
        }
    const char *cells[6] = {
        it->date,
        vid,
        it->title,
        it->with_mep ? ep_pos_name(it->mep_position) : "",
        it->with_mep && it->group >= 0 ? ep_stats_gpos_name(it->group_position) : "",
        also};
    table_row(d, dc, 6, idx, cells, NULL);
}

/* Scorecard: defections (counts, cross-party share, the first 15 of rep's list). */
static void sc_defections(struct doc *d, const struct ep_influence *inf,
                          const struct ep_mep_report *rep)
{
    char t[1024];
    const struct ep_influence_dim *loy = &inf->dim[EP_INFL_LOYAL];
    const struct ep_stats_mepfig *f = &inf->win->mf[inf->mep];
    h2(d, "Notable defections");
    if (loy->available)
        snprintf(t, sizeof t,
                 "%d defections from the group's position on %d votes considered (loyalty %.1f "
                 "%%, percentile %.0f).",
                 f->n_defect, f->loy_den, 100 * ep_round6(loy->value),
                 ep_round6(loy->percentile));
    else
        snprintf(t, sizeof t, "Loyalty to the group: n/a (%s).", loy->reason);
    const struct ep_patterns_mep *pm = rep ? &rep->patterns.mep : NULL;
    if (pm && pm->cross_party.ok) {
        size_t l = strlen(t);
        snprintf(t + l, sizeof t - l, " %d of them were cross-party (%.1f %%).", pm->cross_votes,
                 100 * pm->cross_party.value);
    }
    para(d, d->f, 9, C_INK, t);
    int n = pm && rep->patterns.include_votes && pm->in_window ? pm->defection_votes.n : 0;
    if (n == 0)
        return;
    static const struct col dc[] = {{"Date", 60, 0},   {"Vote", 46, 0},  {"Title", 171, 0},
                                    {"MEP voted", 70, 0}, {"Group", 62, 0}, {"Also with", 90, 0}};
    table_head(d, dc, 6);
    int shown = n < 15 ? n : 15;
    for (int i = 0; i < shown; i++)
        sc_defection_row(d, dc, &rep->patterns, &pm->defection_votes.items[i], i);
    table_end(d);
    if (n > shown) {
        snprintf(t, sizeof t, "%d more defections in the JSON result (generate_report).",
                 n - shown);
        para(d, d->f, 8, C_MUTED, t);
    }
}

/* Scorecard: coverage and methodology. */
static void sc_coverage(struct doc *d, const struct ep_influence *inf)
{
    char t[512];
    const struct ep_stats_mepfig *f = &inf->win->mf[inf->mep];
    h2(d, "Data coverage and methodology");
    snprintf(t, sizeof t,
             "This MEP cast %d of %d eligible roll-call votes in the window. Peers: %d MEPs with "
             "at least one cast vote.",
             f->cast, f->eligible, inf->n);
    para(d, d->f, 8.5, C_INK, t);
    para(d, d->f, 8.5, C_INK, ep_influence_percentile_definition);
    ep_influence_weights_note(inf, t, sizeof t);
    para(d, d->f, 8.5, C_INK, t);
    method_block(d, inf->win, ep_influence_formula, ep_influence_limits);
}

int ep_report_pdf_scorecard(const struct ep_influence *inf, const struct ep_mep_profile *det,
                            const struct ep_mep_report *rep, const struct ep_positions_prov *prov,
                            struct ep_buf *out, struct ep_error *err)
{
    if (!inf || !inf->win || !det || !prov)
        return ep_error_set(err, EP_EINVAL,
                            "scorecard: needs the MEP's influence scorecard and profile");
    const struct ep_query_mep_profile *p = &det->row;
    char name[256];
    snprintf(name, sizeof name, "%s %s", p->first_name ? p->first_name : "",
             p->last_name ? p->last_name : "");
    char title[320];
    snprintf(title, sizeof title, "MEP scorecard: %s", name);
    struct doc d;
    int rc = doc_open(&d, "MEP SCORECARD", title,
                      prov->dataset_date[0] ? prov->dataset_date : "unknown", err);
    if (rc)
        return rc;
    d.synthetic = prov->synthetic || inf->win->m->synthetic;
    int g = ep_win_modal_group(inf->win, inf->mep);
    const char *grp = g >= 0 && g < inf->win->m->n_grp ? inf->win->m->grp_code[g]
                                                         : p->current_group;
    unsigned gcol = ep_report_group_color(grp);
    if (gcol == 0xFFD700)
        gcol = 0xE0B800;
    sc_identity(&d, inf, det, name, grp, gcol);
    sc_key_figures(&d, inf, gcol);
    sc_chart(&d, inf, gcol);
    sc_history(&d, det);
    sc_defections(&d, inf, rep);
    sc_coverage(&d, inf);
    return doc_close(&d, out, err);
}

/* ---- risk briefing -------------------------------------------------------------------------- */

/* The dimensions in the order of the table (ep_risk.h's EP_RISK_* indices). */
static const char *const RLabel[EP_RISK_NDIM] = {
    [EP_RISK_COH] = "Declining cohesion",     [EP_RISK_FRAG] = "Fragmentation",
    [EP_RISK_DEF] = "Defection surges",       [EP_RISK_CLOSE] = "Close votes",
    [EP_RISK_SWING] = "Swing-group pivotality",
};

/* The evidence column of dimension k (available). */
static void risk_raw(const struct ep_risk *o, int k, char *t, size_t n)
{
    const struct ep_win *w = o->win;
    if (k == EP_RISK_COH)
        snprintf(t, n, "AI decline %.3f", ep_round6(o->coh_decline));
    else if (k == EP_RISK_FRAG) {
        char es[16], ev[16], q[16];
        snprintf(es, sizeof es, w->frag.seats_ok ? "%.2f" : "n/a", ep_round6(w->frag.enp_seats));
        snprintf(ev, sizeof ev, w->frag.votes_ok ? "%.2f" : "n/a", ep_round6(w->frag.enp_votes));
        num3(q, sizeof q, w->g.modularity_ok, w->g.modularity);
        snprintf(t, n, "ENP %s seats / %s votes; Q %s", es, ev, q);
    } else if (k == EP_RISK_CLOSE)
        snprintf(t, n, "%d of %d votes close (%.1f %%)", o->close_votes, o->close_withcast,
                 100 * ep_round6((double)o->close_votes / o->close_withcast));
    else if (k == EP_RISK_SWING)
        snprintf(t, n, "%d of %d decided votes (%.1f %%)", o->swing, w->decided,
                 100 * ep_round6((double)o->swing / w->decided));
    else
        snprintf(t, n, "see JSON");
}

/* Briefing: the close votes listed as evidence. */
static void evidence_close(struct doc *d, const struct ep_risk *o)
{
    const struct ep_win *w = o->win;
    static const struct col vc[] = {{"Date", 58, 0},  {"Vote", 44, 0},    {"Title", 214, 0},
                                    {"For", 40, 2},   {"Against", 46, 2}, {"Abst.", 40, 2},
                                    {"Margin", 57, 2}};
    if (!o->dim[EP_RISK_CLOSE].available || o->n_close == 0) {
        para(d, d->f, 9, C_MUTED, "No close votes in the window.");
        return;
    }
    table_head(d, vc, 7);
    for (int k = 0; k < o->n_close; k++) {
        int v = o->close[k].vote, cast = w->F[v] + w->A[v] + w->Ab[v];
        char day[11], vid[24], f_[16], a_[16], b_[16], m_[32];
        ep_date_format(w->m->vote_day[v], day);
        snprintf(vid, sizeof vid, "%lld", (long long)w->m->vote_id[v]);
        snprintf(f_, sizeof f_, "%d", (int)w->F[v]);
        snprintf(a_, sizeof a_, "%d", (int)w->A[v]);
        snprintf(b_, sizeof b_, "%d", (int)w->Ab[v]);
        snprintf(m_, sizeof m_, "%d (%.1f %%)", o->close[k].margin,
                 100 * ep_round6((double)o->close[k].margin / cast));
        const char *cells[7] = {day, vid, o->close[k].title, f_, a_, b_, m_};
        table_row(d, vc, 7, k, cells, NULL);
    }
    table_end(d);
}

/* Briefing: the evidence tables (close votes, cohesion halves, pivotal groups). */
static void briefing_evidence(struct doc *d, const struct ep_risk *o)
{
    const struct ep_win *w = o->win;
    const struct ep_matrix *m = w->m;
    h2(d, "Evidence: close votes");
    evidence_close(d, o);
    h2(d, "Evidence: cohesion by group (first vs second half of the sittings)");
    static const struct col gc[] = {{"Group", 100, 0},
                                    {"Seats", 60, 2},
                                    {"AI first half", 110, 2},
                                    {"AI second half", 110, 2},
                                    {"Change", 119, 2}};
    table_head(d, gc, 5);
    for (int k = 0; o->dim[EP_RISK_COH].available && k < o->n_coh; k++) {
        double f = ep_round6(o->coh[k].first), sec = ep_round6(o->coh[k].second);
        char s_[16], a1[16], a2[16], ch[16];
        snprintf(s_, sizeof s_, "%d", (int)w->frag.seats[o->coh[k].grp]);
        snprintf(a1, sizeof a1, "%.3f", f);
        snprintf(a2, sizeof a2, "%.3f", sec);
        snprintf(ch, sizeof ch, "%+.3f", sec - f);
        const char *cells[5] = {m->grp_code[o->coh[k].grp], s_, a1, a2, ch};
        table_row(d, gc, 5, k, cells, NULL);
    }
    table_end(d);
    h2(d, "Evidence: pivotal groups");
    static const struct col pc[] = {
        {"Group", 140, 0}, {"Swing group", 120, 0}, {"Pivotal votes", 110, 2}, {"Share", 129, 2}};
    table_head(d, pc, 4);
    for (int g = 0; o->dim[EP_RISK_SWING].available && g < m->n_grp; g++) {
        char pv[16], sh[16];
        snprintf(pv, sizeof pv, "%d", (int)w->grp_piv[g]);
        snprintf(sh, sizeof sh, "%.1f %%",
                 100 * ep_round6((double)w->grp_piv[g] / w->decided));
        const char *cells[4] = {m->grp_code[g], g != o->big[0] && g != o->big[1] ? "yes" : "no",
                                pv, sh};
        table_row(d, pc, 4, g, cells, NULL);
    }
    table_end(d);
}

/* Briefing: the level box, the composite, the highest dimension and the dropped ones. */
static void briefing_summary(struct doc *d, const struct ep_risk *o)
{
    const char *level = ep_risk_level(o->composite);
    need(d, 70);
    rect(d, ML, d->y - 56, 150, 56, level_color(level));
    put(d, ML + 75, d->y - 22, d->f, 9, 0xFFFFFF, 1, "Overall risk level");
    put(d, ML + 75, d->y - 45, d->fb, 18, 0xFFFFFF, 1, level);
    char t[1024];
    snprintf(t, sizeof t, "Composite risk %.3f on a 0-1 scale", ep_round6(o->composite));
    put(d, ML + 166, d->y - 18, d->fb, 12, C_INK, 0, t);
    const char *top_label = NULL;
    double top_r = -1;
    int dropped = 0;
    for (int k = 0; k < EP_RISK_NDIM; k++) {
        double v = ep_round6(o->dim[k].value);
        dropped += !o->dim[k].available;
        if (o->dim[k].available && v > top_r) {
            top_r = v;
            top_label = RLabel[k];
        }
    }
    if (top_label)
        snprintf(t, sizeof t, "Highest dimension: %s (%.2f, %s)", top_label, top_r,
                 level_of(top_r));
    else
        snprintf(t, sizeof t, "Highest dimension: none (no dimension has data)");
    put(d, ML + 166, d->y - 36, d->f, 10, C_INK, 0, t);
    snprintf(t, sizeof t, "%d dimension(s) without data dropped; weights renormalised", dropped);
    put(d, ML + 166, d->y - 51, d->f, 9, C_MUTED, 0, t);
    d->y -= 70;
    para(d, d->f, 9, C_INK, ep_risk_rule);
}

/* Briefing: the risk table and each dimension's definition and scale. */
static void briefing_table(struct doc *d, const struct ep_risk *o)
{
    static const struct col rc_[] = {{"Dimension", 120, 0},
                                     {"Evidence", 200, 0},
                                     {"Risk (0-1)", 60, 2},
                                     {"Level", 64, 0},
                                     {"Weight", 55, 2}};
    table_head(d, rc_, 5);
    for (int k = 0; k < EP_RISK_NDIM; k++) {
        const struct ep_risk_dim *dm = &o->dim[k];
        char raw[sizeof dm->reason + 64], r[32], wt[32]; /* the reason fits whole */
        const char *lv = "n/a";
        if (dm->available) {
            risk_raw(o, k, raw, sizeof raw);
            snprintf(r, sizeof r, "%.3f", ep_round6(dm->value));
            lv = level_of(ep_round6(dm->value));
            snprintf(wt, sizeof wt, "%.3f", ep_round6(dm->weight));
        } else {
            snprintf(raw, sizeof raw, "%s", dm->reason);
            snprintf(r, sizeof r, "n/a");
            snprintf(wt, sizeof wt, "dropped");
        }
        const char *cells[5] = {RLabel[k], raw, r, lv, wt};
        unsigned colors[5] = {0, 0, 0, dm->available ? level_color(lv) : 0, 0};
        table_row(d, rc_, 5, k, cells, colors);
    }
    table_end(d);
    for (int k = 0; k < EP_RISK_NDIM; k++) {
        char t[1024];
        snprintf(t, sizeof t, "%s: %s Scale: %s", RLabel[k], ep_risk_dim_def[k],
                 ep_risk_dim_norm[k]);
        para(d, d->f, 7.5, C_MUTED, t);
    }
}

int ep_report_pdf_briefing(const struct ep_risk *risk, const struct ep_positions_prov *prov,
                           const struct ep_coalition *charts, struct ep_buf *out, struct ep_error *err)
{
    if (!risk || !risk->win || !prov)
        return ep_error_set(err, EP_EINVAL, "briefing: no political risk assessment");
    struct doc d;
    int rc = doc_open(&d, "POLITICAL RISK BRIEFING", "Political risk briefing",
                      prov->dataset_date[0] ? prov->dataset_date : "unknown", err);
    if (rc)
        return rc;
    d.synthetic = prov->synthetic || risk->win->m->synthetic;
    h1(&d, "Political risk briefing");
    win_line(&d, risk->win);
    h2(&d, "Executive summary");
    briefing_summary(&d, risk);
    h2(&d, "Risk dimensions");
    briefing_table(&d, risk);
    h2(&d, "Methodology");
    para(&d, d.f, 8.5, C_INK, ep_risk_normalisation);
    method_block(&d, risk->win, ep_risk_formula, ep_risk_limits);
    if (charts) {
        new_page(&d);
        rc = chart(&d, 0, charts, prov, err);
        if (rc == 0) {
            d.y -= 16;
            rc = chart(&d, 1, charts, prov, err);
        }
        if (rc) {
            HPDF_Free(d.pdf);
            return rc;
        }
    }
    new_page(&d);
    briefing_evidence(&d, risk);
    return doc_close(&d, out, err);
}

/* ---- coalition report ----------------------------------------------------------------------- */

static void pair_row(struct doc *d, const struct col *c, const struct ep_matrix *m,
                     const struct ep_coalition_pair *p, int idx)
{
    char ag[16], av[16], cv[16], vo[16];
    num3(ag, sizeof ag, 1, p->share);
    snprintf(av, sizeof av, "%d", p->agree);
    snprintf(cv, sizeof cv, "%d", p->common);
    num3(vo, sizeof vo, p->vol_ok, p->vol);
    const char *cells[6] = {m->grp_code[p->a], m->grp_code[p->b], ag, av, cv, vo};
    table_row(d, c, 6, idx, cells, NULL);
}

/* The most (least 0) or least (1) reliable alliances, at most EP_COAL_MAX_ALLIANCES. */
static void pair_table(struct doc *d, const struct ep_coalition *o, int least)
{
    static const struct col c[] = {{"Group A", 90, 0},      {"Group B", 90, 0},
                                   {"Agreement", 80, 2},    {"Agreeing votes", 90, 2},
                                   {"Common votes", 80, 2}, {"Volatility", 69, 2}};
    table_head(d, c, 6);
    for (int k = 0; k < o->n_rel && k < EP_COAL_MAX_ALLIANCES; k++)
        pair_row(d, c, o->win->m, &o->rel[least ? o->n_rel - 1 - k : k], k);
    table_end(d);
}

/* Coalition report: the summary paragraph (what has no figure says so, never 0). */
static void coal_summary(struct doc *d, const struct ep_coalition *o)
{
    const struct ep_matrix *m = o->win->m;
    const struct ep_graph *gr = &o->win->g;
    char al[320], stab[64] = "n/a", net[160], q[16], qg[16], t[1024];
    if (o->n_rel > 0) {
        const struct ep_coalition_pair *m0 = &o->rel[0], *l0 = &o->rel[o->n_rel - 1];
        snprintf(al, sizeof al,
                 "Most reliable alliance: %s-%s (agreement %.3f over %d common votes); least "
                 "reliable: %s-%s (%.3f).",
                 m->grp_code[m0->a], m->grp_code[m0->b], ep_round6(m0->share), m0->common,
                 m->grp_code[l0->a], m->grp_code[l0->b], ep_round6(l0->share));
    } else
        snprintf(al, sizeof al, "No alliance ranked (no group pair has %d common votes).",
                 EP_COAL_MIN_COMMON);
    if (o->stab_ok)
        snprintf(stab, sizeof stab, "%.3f (0-1, 1 = steady)", ep_round6(o->stability));
    if (o->factions_ok) {
        num3(q, sizeof q, gr->modularity_ok, gr->modularity);
        num3(qg, sizeof qg, gr->modularity_group_ok, gr->modularity_group);
        snprintf(net, sizeof net,
                 "%d communities in the co-voting network (modularity %s; by group %s).",
                 gr->n_comm, q, qg);
    } else
        snprintf(net, sizeof net, "Communities of the co-voting network: n/a (see Factions).");
    snprintf(t, sizeof t, "%d groups. %s Alliance stability %s. %s", o->n_group, al, stab, net);
    para(d, d->f, 9.5, C_INK, t);
}

/* Coalition report: the cohesion table, one row per group. */
static void coal_cohesion(struct doc *d, const struct ep_coalition *o)
{
    const struct ep_win *w = o->win;
    static const struct col cc[] = {{"Group", 70, 0},         {"Seats", 40, 2},
                                    {"AI mean", 55, 2},       {"AI median", 60, 2},
                                    {"Rice", 50, 2},          {"Alpha", 50, 2},
                                    {"Participation", 74, 2}, {"AI slope / sitting", 100, 2}};
    table_head(d, cc, 8);
    for (int k = 0; k < o->n_group; k++) {
        const struct ep_coalition_group *x = &o->group[k];
        const struct ep_stats_group *s = &w->gs.g[x->g];
        char se[16], a1[16], a2[16], ri[16], al[16], pa[16], sl[16];
        snprintf(se, sizeof se, "%d", (int)w->frag.seats[x->g]);
        num3(a1, sizeof a1, s->ai_ok, s->ai_mean);
        num3(a2, sizeof a2, s->ai_ok, s->ai_median);
        num3(ri, sizeof ri, s->rice_ok, s->rice_mean);
        num3(al, sizeof al, s->alpha_ok, s->alpha);
        if (s->part_ok && !o->dnv_unk)
            snprintf(pa, sizeof pa, "%.1f %%", 100 * ep_round6(s->participation));
        else
            snprintf(pa, sizeof pa, "n/a");
        if (x->slope_ok)
            snprintf(sl, sizeof sl, "%+.4f", ep_round6(x->slope));
        else
            snprintf(sl, sizeof sl, "n/a");
        const char *cells[8] = {w->m->grp_code[x->g], se, a1, a2, ri, al, pa, sl};
        table_row(d, cc, 8, k, cells, NULL);
    }
    table_end(d);
}

/* Coalition report: the factions of the selected groups, or why there are none. */
static void coal_factions(struct doc *d, const struct ep_coalition *o)
{
    const struct ep_matrix *m = o->win->m;
    const struct ep_graph *gr = &o->win->g;
    if (!o->factions_ok) {
        para(d, d->f, 9, C_MUTED, o->factions_reason);
        return;
    }
    para(d, d->f, 8.5, C_MUTED, ep_coal_faction_definition);
    static const struct col fc[] = {
        {"Group", 120, 0}, {"Community", 100, 2}, {"Members", 100, 2}, {"Share of group", 179, 2}};
    table_head(d, fc, 4);
    int idx = 0;
    for (int k = 0; k < gr->n_faction; k++) {
        const struct ep_graph_faction *f = &gr->faction[k];
        if (f->grp < 0 || f->grp >= m->n_grp || !o->sel[f->grp])
            continue;
        char co[16], me[16], sh[16];
        snprintf(co, sizeof co, "%d", f->community);
        snprintf(me, sizeof me, "%d", f->members);
        snprintf(sh, sizeof sh, "%.1f %%", 100 * ep_round6(f->share));
        const char *cells[4] = {m->grp_code[f->grp], co, me, sh};
        table_row(d, fc, 4, idx++, cells, NULL);
    }
    table_end(d);
}

int ep_report_pdf_coalition(const struct ep_coalition *coal, const struct ep_positions_prov *prov,
                            struct ep_buf *out, struct ep_error *err)
{
    if (!coal || !coal->win || !prov)
        return ep_error_set(err, EP_EINVAL, "coalition report: no coalition dynamics result");
    struct doc d;
    int rc = doc_open(&d, "COALITION REPORT", "Coalition dynamics report",
                      prov->dataset_date[0] ? prov->dataset_date : "unknown", err);
    if (rc)
        return rc;
    d.synthetic = prov->synthetic || coal->win->m->synthetic;
    h1(&d, "Coalition dynamics");
    win_line(&d, coal->win);
    h2(&d, "Summary");
    coal_summary(&d, coal);
    h2(&d, "Cohesion by group");
    coal_cohesion(&d, coal);
    d.y -= 10;
    rc = chart(&d, 0, coal, prov, err);
    if (rc == 0) {
        new_page(&d);
        rc = chart(&d, 1, coal, prov, err);
    }
    if (rc) {
        HPDF_Free(d.pdf);
        return rc;
    }
    h2(&d, "Most reliable alliances");
    pair_table(&d, coal, 0);
    h2(&d, "Least reliable alliances");
    pair_table(&d, coal, 1);
    h2(&d, "Factions");
    coal_factions(&d, coal);
    h2(&d, "Methodology");
    if (coal->stab_ok)
        para(&d, d.f, 8.5, C_INK, ep_coal_stability_formula);
    method_block(&d, coal->win, ep_coal_formula, ep_coal_limits);
    return doc_close(&d, out, err);
}

#include "ep_report_country.inc"
#include "ep_report_policy.inc"
