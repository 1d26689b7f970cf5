/* Internal helpers shared by the report/ sources (not API). */
#ifndef EP_REPORT_INT_H
#define EP_REPORT_INT_H

#include "ep_cairo.h"
#include <jansson.h>

#include "ep_report.h"

/* provenance.dataset_date of a tool result, or "unknown". */
const char *ep_report_i_dataset_date(json_t *result);
/* 1 when the result says its data is synthetic (provenance.synthetic or window.synthetic). */
int ep_report_i_synthetic(json_t *result);
/* Write a cairo surface as PNG into out. */
int ep_report_i_png_write(cairo_surface_t *s, struct ep_buf *out, struct ep_error *err);

/* Chart bodies shared by the PNG and the PDF renderers: draw on cr into a w x h area. */
int ep_report_i_draw_cohesion(cairo_t *cr, int w, int h, json_t *coalition, int by_month,
                              struct ep_error *err);
int ep_report_i_draw_heatmap(cairo_t *cr, int w, int h, json_t *coalition, struct ep_error *err);
/* Render one chart kind (0 cohesion, 1 heatmap) on an opaque surface and append its pixels to
 * out as packed 8-bit R, G, B rows (w * h * 3 bytes, for PDF embedding without a PNG round
 * trip). */
int ep_report_i_chart_rgb(int kind, json_t *coalition, int w, int h, struct ep_buf *out,
                          struct ep_error *err);

/* Small JSON accessors (NULL-safe). */
double ep_report_i_num(json_t *o, const char *key, double dflt);
const char *ep_report_i_str(json_t *o, const char *key, const char *dflt);

#endif
