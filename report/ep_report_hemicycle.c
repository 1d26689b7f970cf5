/* ep_report_hemicycle: the hemicycle PNG. See ep_report_hemicycle.h. */
#include "ep_report_hemicycle.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_report_int.h"

static const char *const Order[] = {"GUE_NGL", "GREEN_EFA", "SD",  "RENEW", "EPP",
                                    "ECR",     "ID",        "PFE", "ESN",   "NI"};

int ep_report_hemicycle_rank(const char *code)
{
    int n = (int)(sizeof Order / sizeof Order[0]);
    for (int k = 0; code && k < n; k++)
        if (strcmp(code, Order[k]) == 0)
            return k;
    return n;
}

static void set_rgb(cairo_t *cr, unsigned c)
{
    cairo_set_source_rgb(cr, ((c >> 16) & 255) / 255.0, ((c >> 8) & 255) / 255.0,
                         (c & 255) / 255.0);
}

static void put_text(cairo_t *cr, double x, double y, double size, int bold, const char *s)
{
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
    cairo_move_to(cr, x, y);
    cairo_show_text(cr, s);
}

struct seat {
    double angle, x, y;
};

static int by_angle(const void *a, const void *b)
{
    const struct seat *x = a, *y = b;
    if (x->angle != y->angle)
        return x->angle > y->angle ? -1 : 1; /* from the left (pi) to the right (0) */
    double rx = hypot(x->x, x->y), ry = hypot(y->x, y->y);
    return (rx > ry) - (rx < ry);
}

/* Seat centres in unit coordinates (centre at 0,0, outer radius 1), sorted left to right. */
static struct seat *layout(int total, int *rows, double *dot)
{
    const double r0 = 0.38;
    int R = (int)ceil(sqrt(total / 4.0));
    if (R < 2)
        R = 2;
    struct seat *s = malloc((size_t)total * sizeof *s);
    if (!s)
        return NULL;
    double sum_r = 0;
    for (int i = 0; i < R; i++)
        sum_r += r0 + (1 - r0) * i / (R - 1);
    int k = 0;
    for (int i = 0; i < R; i++) {
        double r = r0 + (1 - r0) * i / (R - 1);
        int n = i == R - 1 ? total - k : (int)lround(total * r / sum_r);
        if (n > total - k)
            n = total - k;
        for (int j = 0; j < n; j++) {
            double a = n == 1 ? M_PI / 2 : M_PI * (1.0 - (double)j / (n - 1));
            s[k++] = (struct seat){a, r * cos(a), r * sin(a)};
        }
    }
    qsort(s, (size_t)total, sizeof *s, by_angle);
    *rows = R;
    *dot = (1 - r0) / (R - 1) * 0.38;
    return s;
}

int ep_report_hemicycle_seats(int total, double *x, double *y, double *dot)
{
    int rows;
    struct seat *s = total > 0 ? layout(total, &rows, dot) : NULL;
    if (!s)
        return -1;
    for (int k = 0; k < total; k++) {
        x[k] = s[k].x;
        y[k] = s[k].y;
    }
    free(s);
    return 0;
}

int ep_report_png_hemicycle(const struct ep_hemicycle *h, const struct ep_report_png_opts *o,
                            struct ep_buf *out, struct ep_error *err)
{
    int w = o && o->width > 0 ? o->width : 1400, ht = o && o->height > 0 ? o->height : 820;
    if (w < 400 || ht < 300 || w > 8000 || ht > 8000)
        return ep_error_set(err, EP_EINVAL, "hemicycle size %dx%d out of range 400x300..8000x8000",
                            w, ht);
    int total = 0, order[64], n = h->n < 64 ? h->n : 64;
    for (int k = 0; k < n; k++) {
        total += h->seats[k] > 0 ? h->seats[k] : 0;
        int j = k; /* groups in seating order, ties by code */
        while (j > 0 && (ep_report_hemicycle_rank(h->code[order[j - 1]]) > ep_report_hemicycle_rank(h->code[k]) ||
                         (ep_report_hemicycle_rank(h->code[order[j - 1]]) == ep_report_hemicycle_rank(h->code[k]) &&
                          strcmp(h->code[order[j - 1]], h->code[k]) > 0))) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = k;
    }
    if (total <= 0)
        return ep_error_set(err, EP_EINVAL, "hemicycle: no seat to draw");
    int rows;
    double dot;
    struct seat *s = layout(total, &rows, &dot);
    if (!s)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, ht);
    cairo_t *cr = cairo_create(sf);
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_set_font_options(cr, fo);
    cairo_font_options_destroy(fo);
    double sc = w / 1400.0;
    set_rgb(cr, 0xFFFFFF);
    cairo_paint(cr);
    set_rgb(cr, 0x1F2A44);
    char t[300];
    snprintf(t, sizeof t, "European Parliament seats on %s", h->date);
    put_text(cr, 40 * sc, 52 * sc, 30 * sc, 1, t);
    snprintf(t, sizeof t, "%d seats; a majority is %d", total, total / 2 + 1);
    set_rgb(cr, 0x5A6275);
    put_text(cr, 40 * sc, 84 * sc, 18 * sc, 0, t);
    /* the half rings: centre bottom middle of the drawing area left of the legend */
    double cx = 40 * sc + (w - 360 * sc) / 2, cy = ht - 90 * sc;
    double rad = fmin((w - 400 * sc) / 2, cy - 120 * sc);
    int k = 0;
    for (int q = 0; q < n; q++) {
        int g = order[q];
        set_rgb(cr, ep_report_group_color(h->code[g]));
        for (int j = 0; j < h->seats[g] && k < total; j++, k++) {
            cairo_arc(cr, cx + s[k].x * rad, cy - s[k].y * rad, dot * rad, 0, 2 * M_PI);
            cairo_fill(cr);
        }
    }
    free(s);
    /* legend */
    double lx = w - 320 * sc, ly = 150 * sc;
    for (int q = 0; q < n; q++) {
        int g = order[q];
        if (h->seats[g] <= 0)
            continue;
        set_rgb(cr, ep_report_group_color(h->code[g]));
        cairo_arc(cr, lx + 8 * sc, ly - 6 * sc, 8 * sc, 0, 2 * M_PI);
        cairo_fill(cr);
        set_rgb(cr, 0x1F2A44);
        snprintf(t, sizeof t, "%s  %d", h->code[g], h->seats[g]);
        put_text(cr, lx + 28 * sc, ly, 17 * sc, 0, t);
        ly += 30 * sc;
    }
    set_rgb(cr, 0x6B7280);
    snprintf(t, sizeof t, "%s Dataset date: %s.%s", EP_REPORT_ATTRIBUTION,
             h->dataset_date ? h->dataset_date : "unknown",
             h->synthetic ? " SYNTHETIC DATA: generated votes, not real positions." : "");
    put_text(cr, 40 * sc, ht - 20 * sc, 14 * sc, 0, t);
    int rc = 0;
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS)
        rc = ep_error_set(err, EP_EINTERNAL, "cairo: %s", cairo_status_to_string(cairo_status(cr)));
    if (!rc)
        rc = ep_report_i_png_write(sf, out, err);
    cairo_destroy(cr);
    cairo_surface_destroy(sf);
    (void)rows;
    return rc;
}
