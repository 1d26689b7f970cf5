/* ep_report_hemicycle: the hemicycle PNG of generate_political_landscape (cairo): one dot per
 * seat in concentric half rings, groups in the EP's left-to-right order, a legend with each
 * group's seats, the majority line in the subtitle, the attribution and dataset date in the
 * footer. Deterministic: the same input gives byte-identical PNG bytes. */
#ifndef EP_REPORT_HEMICYCLE_H
#define EP_REPORT_HEMICYCLE_H

#include "ep_error.h"
#include "ep_report.h"
#include "ep_util.h"

struct ep_hemicycle {
    int n;                    /* groups */
    const char *const *code;  /* [n] group codes (borrowed) */
    const int *seats;         /* [n] */
    const char *date;         /* the date the seats are counted on */
    const char *dataset_date; /* provenance date for the footer */
    int synthetic;
};

/* Draw h (PNG appended to out). Default 1400x820. EP_EINVAL when there is no seat or the size is
 * out of range (400x300..8000x8000). */
int ep_report_png_hemicycle(const struct ep_hemicycle *h, const struct ep_report_png_opts *o,
                            struct ep_buf *out, struct ep_error *err);

/* Seat centres of a hemicycle of total seats (the layout of the PNG): unit coordinates, centre
 * 0,0, outer radius 1, y up, ordered from the left end to the right; *dot = the dot radius.
 * x and y: [total]. -1 when out of memory. */
int ep_report_hemicycle_seats(int total, double *x, double *y, double *dot);

/* Position of a group in the EP's left-to-right seating (GUE_NGL ... NI), unknown codes last. */
int ep_report_hemicycle_rank(const char *code);

#endif
