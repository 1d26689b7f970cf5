/* ep_precompute: build a window's derived data ahead of the first tool call (issue 19 section 3:
 * no first-call penalty): the vote-matrix snapshot (engine: matrix_cache) and every per-window
 * result the store keeps (engine/ep_derived.h: vote and group figures, fragmentation, MEP
 * figures, Parliament alpha, MEP defection baselines, the co-voting graph with its centralities
 * and communities). A fresh process then loads them instead of computing them.
 *
 * `synth` runs it on the whole store; `ingest` does when the store's default window is large
 * (EP_PRECOMPUTE_MIN_CELLS, the size from which the matrix snapshot is kept too: smaller windows
 * are computed faster than the precomputation would add to an ingest). */
#ifndef EP_PRECOMPUTE_H
#define EP_PRECOMPUTE_H

#include "ep_error.h"
#include "ep_matrix.h"
#include "ep_store.h"

#define EP_PRECOMPUTE_MIN_CELLS 1000000LL

/* progress(ctx, k, n, what): before step k of n (k = n: done). May be NULL. */
typedef void (*ep_precompute_progress_fn)(void *ctx, int k, int n, const char *what);

/* Build the derived data of window w (borrowed; NULL = every vote of the store) of store s.
 * EP_EUNAVAIL when the window holds no roll-call votes with positions; other errors as the
 * computations report them. The results are written best effort (a read-only store keeps
 * none and returns 0). */
int ep_precompute_window(struct ep_store *s, const struct ep_window *w,
                         ep_precompute_progress_fn progress, void *ctx, struct ep_error *err);

/* Cells (MEPs x votes with positions) of the store's default window, estimated from the
 * member and vote_positions counts (an upper bound), or -1 when the store cannot be read. */
long long ep_precompute_default_cells(struct ep_store *s);

#endif
