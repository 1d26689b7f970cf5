/* Internal helpers shared by the report/ sources (not API). */
#ifndef EP_REPORT_INT_H
#define EP_REPORT_INT_H

#include "ep_cairo.h"

#include "ep_report.h"

/* Write a cairo surface as PNG into out. */
int ep_report_i_png_write(cairo_surface_t *s, struct ep_buf *out, struct ep_error *err);

/* What the cohesion and agreement charts draw, filled from the typed coalition
 * (ep_report_chart.c). Reals are rounded as the JSON rounds them (ep_round6). Strings are
 * borrowed from the source; the arrays are owned (ep_report_i_coal_free). */
struct ep_report_i_coal {
    const char *date; /* dataset date ("unknown") */
    int synthetic;
    /* cohesion: groups x periods */
    int n_group, n_period;
    const char **group;  /* [n_group] codes */
    double *ai_mean;     /* [n_group] window mean AI, NAN when undefined */
    char (*period)[16];  /* [n_period] labels */
    double *ai;          /* [n_group * n_period], -1 when undefined */
    /* agreement: the matrix of the selected groups (n_pair == 0: none) */
    int n_pair, votes;
    const char **pair_group; /* [n_pair] codes */
    double *agree;           /* [n_pair * n_pair], NAN when undefined */
};
/* Allocate x's arrays for ng groups, np periods and npair matrix groups (zeroed); 0 or
 * EP_ENOMEM. */
int ep_report_i_coal_alloc(struct ep_report_i_coal *x, int ng, int np, int npair,
                           struct ep_error *err);
void ep_report_i_coal_free(struct ep_report_i_coal *x);
/* Render x's chart kind (0 cohesion per sitting, 1 agreement) as packed R, G, B rows (see
 * ep_report_chart_rgb). */
int ep_report_i_coal_rgb(int kind, const struct ep_report_i_coal *x, int w, int h,
                         struct ep_buf *out, struct ep_error *err);

#endif
