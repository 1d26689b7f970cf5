/* ep_attendance: participation rankings and trends of a window (docs/tools-intel.md,
 * track_mep_attendance), by MEP, country or group, per sitting or month, and who dropped.
 *
 * Participation of an entity over a set of votes = cast / eligible, summed over the entity's
 * cells: eligible = cells with a mandate (pos != NONE), cast = FOR, AGAINST or ABSTENTION. An
 * MEP's cells are their own; a group's are the cells whose group on that vote is the group (so
 * a group's window figure equals stats/' group participation Σ T / Σ (T + D)); a country's are
 * the cells of its MEPs (member-table country). A point (entity, period) or an entity whose
 * votes include one where who did not vote is unknown (engine/ep_matrix.h dnv_known) is
 * unavailable: its denominator is not known. */
#ifndef EP_ATTENDANCE_H
#define EP_ATTENDANCE_H

#include "ep_error.h"
#include "ep_matrix.h"
#include "ep_run.h"
#include "ep_window.h"

enum { EP_ATT_BY_MEP = 0, EP_ATT_BY_COUNTRY = 1, EP_ATT_BY_GROUP = 2 };

struct ep_att_params {
    int by;           /* EP_ATT_BY_* */
    int period;       /* EP_PERIOD_SITTING or EP_PERIOD_MONTH */
    int min_eligible; /* a half needs this many eligible cells for the drop */
    double drop_min;  /* listed when participation fell by at least this much */
};

struct ep_att_cell {
    long cast, eligible;
    int unknown; /* votes with an unknown did-not-vote list among them */
};

struct ep_att_drop {
    int entity;
    struct ep_att_cell first, second; /* first ceil(P/2) periods, the remaining ones */
    double before, after, drop;       /* participation in each half, before - after */
};

/* Ownership: win is borrowed; every array is owned (ep_attendance_free). */
struct ep_attendance {
    struct ep_win *win;
    struct ep_att_params p;
    int n_period;               /* periods of the window (win->per[p.period]) */
    int n_entity;
    int *key;                   /* [n_entity] MEP matrix index or group index */
    char (*country)[8];         /* [n_entity] the country of a country entity */
    struct ep_att_cell *total;  /* [n_entity] over the window */
    struct ep_att_cell *pt;     /* [n_period * n_entity]: period k, entity e at k * n_entity + e */
    struct ep_att_cell *parl;   /* [n_period] the whole Parliament */
    int n_rank;                 /* entities with a known participation, highest first */
    int *rank;
    int n_drop;                 /* entities that dropped by >= drop_min, largest drop first */
    struct ep_att_drop *drop;
    int drop_ok;                /* the window has >= 2 periods */
};

/* Participation of a cell: 1 with *x = cast / eligible when eligible > 0 and nothing unknown. */
int ep_att_value(const struct ep_att_cell *c, double *x);

void ep_attendance_init(struct ep_attendance *out);
void ep_attendance_free(struct ep_attendance *out);
/* Stages "participation per period", "rankings and drops" of run r. */
int ep_attendance_compute(struct ep_win *w, const struct ep_att_params *p, struct ep_run *r,
                          struct ep_attendance *out, struct ep_error *err);

#endif
