/* ep_graph_compute: agreement arrays from the bit-plane kernel, then ep_graph_build. Kept in its
 * own file so that code using only ep_graph_build does not need the kernel. */
#include <stdlib.h>

#include "ep_graph.h"

int ep_graph_compute(const struct ep_matrix *m, const struct ep_graph_params *p,
                     const struct ep_graph_hooks *h, int nthreads, struct ep_graph *out,
                     struct ep_error *err)
{
    if (!m || !out)
        return ep_error_set(err, EP_EINVAL, "network: no matrix");
    size_t cells = (size_t)m->n_mep * (size_t)m->n_mep;
    uint32_t *same = malloc((cells > 0 ? cells : 1) * sizeof *same);
    uint32_t *both = malloc((cells > 0 ? cells : 1) * sizeof *both);
    int rc;
    if (!same || !both) {
        rc = ep_error_set(err, EP_ENOMEM, "network: out of memory for %d x %d agreement", m->n_mep,
                          m->n_mep);
        goto out;
    }
    if (h && h->progress)
        h->progress(h->ctx, 0, "pairwise agreement");
    rc = ep_kernel_agree(m, same, both, nthreads, err);
    if (rc)
        goto out;
    if (h && h->cancelled && *h->cancelled) {
        rc = ep_error_set(err, EP_ECANCELED, "network: cancelled");
        goto out;
    }
    rc = ep_graph_build(m, same, both, p, h, out, err);
out:
    free(same);
    free(both);
    return rc;
}
