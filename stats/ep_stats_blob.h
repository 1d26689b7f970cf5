/* ep_stats_blob: the expensive per-window statistics as payloads for the store's derived
 * results (engine/ep_derived.h), and back: the per-vote group counts (ep_stats_votes), the
 * per-group figures and group-pair agreement (ep_stats_groups), fragmentation, the per-MEP
 * figures of a window (struct ep_stats_mepfig) and grids of per-sitting values such as every
 * MEP's defection series (the anomaly detector's baselines).
 *
 * Every reader checks the payload against the matrix it belongs to (its shape) and against its
 * own counts, and fails with EP_EPARSE (result left zeroed, nothing to free) on any mismatch.
 * A result read back equals the computed one field by field (doubles bit for bit); the vote
 * figures are stored as counts and their formula fields (position, AI, Rice) recomputed with
 * the same functions ep_stats_votes_compute uses. */
#ifndef EP_STATS_BLOB_H
#define EP_STATS_BLOB_H

#include <stddef.h>
#include <stdint.h>

#include "ep_derived.h"
#include "ep_stats.h"

/* What every function below takes as `res`: the matrix the result belongs to (borrowed) and the
 * result (borrowed: written from, or read into; the caller frees what read filled with the
 * result's own free function). */
struct ep_stats_blob {
    const struct ep_matrix *m;
    void *res;
};

/* res: struct ep_stats_votes. Counts must fit 16 bits (an MEP count under 65,536), else write
 * returns EP_ELIMIT and nothing is stored. */
int ep_stats_votes_blob_write(const void *res, struct ep_buf *out);
int ep_stats_votes_blob_read(const unsigned char *p, size_t n, void *res);

/* res: struct ep_stats_groups. */
int ep_stats_groups_blob_write(const void *res, struct ep_buf *out);
int ep_stats_groups_blob_read(const unsigned char *p, size_t n, void *res);

/* res: struct ep_stats_frag. */
int ep_stats_frag_blob_write(const void *res, struct ep_buf *out);
int ep_stats_frag_blob_read(const unsigned char *p, size_t n, void *res);

/* The scalar figures of every MEP of a window that the intelligence tools use (from
 * ep_stats_mep_compute, plus the count of votes where eligibility is unknown). */
struct ep_stats_mepfig {
    uint8_t part_ok, loy_ok;
    int dnv_unk; /* votes where it is unknown whether the MEP was eligible */
    int eligible, cast, loy_num, loy_den, n_defect;
    double participation, loyalty;
};
/* res: struct ep_stats_mepfig_set (one entry per matrix MEP). */
struct ep_stats_mepfig_set {
    struct ep_stats_mepfig *f; /* [m->n_mep]; read allocates it (free()) */
};
int ep_stats_mepfig_blob_write(const void *res, struct ep_buf *out);
int ep_stats_mepfig_blob_read(const unsigned char *p, size_t n, void *res);

/* Krippendorff's alpha of the whole Parliament over the window (ep_stats_parliament_alpha):
 * its return code (EP_OK, or why it is unavailable), value, units and coders. res: this. */
struct ep_stats_palpha {
    int rc;
    double value;
    int units, coders;
};
int ep_stats_palpha_blob_write(const void *res, struct ep_buf *out);
int ep_stats_palpha_blob_read(const unsigned char *p, size_t n, void *res);

/* A rows x cols grid of values with defined flags, e.g. each MEP's (row) defection rate per
 * sitting (column). res: struct ep_stats_grid; rows must equal m->n_mep. */
struct ep_stats_grid {
    int rows, cols;
    double *x;   /* [rows*cols]; read allocates (free()) */
    uint8_t *ok; /* [rows*cols]; read allocates (free()) */
};
int ep_stats_grid_blob_write(const void *res, struct ep_buf *out);
int ep_stats_grid_blob_read(const unsigned char *p, size_t n, void *res);

#endif
