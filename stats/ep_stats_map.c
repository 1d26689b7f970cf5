/* ep_stats_map: two-dimensional political map (ideal points) from the vote matrix.
 *
 * X (kept MEPs x used votes): FOR +1, AGAINST −1, ABSTENTION 0; a missing cell (did not vote or
 * not an MEP) is imputed by the vote's mean over the kept MEPs who cast, then every column is
 * centred, so an imputed cell is exactly 0 and a cast cell is code − mean. The SVD X = U S V' is
 * taken through the Gram matrix G = X X' (n x n, n = kept MEPs): its eigenvectors are U and its
 * eigenvalues S². G is accumulated in vote blocks (float products, double sums), never holding
 * the whole X; the eigenproblem of the small G is solved with GSL (gsl_eigen_symmv). Scores are
 * the principal-component scores σ_k·u_k. Sign: each axis is flipped so that the MEP with the
 * largest |score| (lowest matrix index among equal ones) is positive. See docs/methodology.md. */
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ep_model.h"
#include "ep_stats.h"

#define MAP_BLOCK 512

void ep_stats_map_params_default(struct ep_stats_map_params *p)
{
    p->min_cast = 20;
}

void ep_stats_map_free(struct ep_stats_map *mp)
{
    if (!mp)
        return;
    free(mp->mep);
    free(mp->x);
    free(mp->y);
    memset(mp, 0, sizeof *mp);
}

static float code_of(int pos)
{
    return pos == EP_POS_FOR ? 1.0f : pos == EP_POS_AGAINST ? -1.0f : 0.0f;
}

/* G += B B' for one block B (n x w floats, row stride MAP_BLOCK), lower triangle only. */
static void gram_block(const float *B, int n, int w, double *G)
{
    for (int i = 0; i < n; i++) {
        const float *a = B + (size_t)i * MAP_BLOCK;
        for (int j = 0; j <= i; j++) {
            const float *b = B + (size_t)j * MAP_BLOCK;
            float acc[8] = {0};
            int k = 0;
            for (; k + 8 <= w; k += 8)
                for (int l = 0; l < 8; l++)
                    acc[l] += a[k + l] * b[k + l];
            double s = 0;
            for (; k < w; k++)
                s += (double)a[k] * (double)b[k];
            for (int l = 0; l < 8; l++)
                s += acc[l];
            G[(size_t)i * (size_t)n + (size_t)j] += s;
        }
    }
}

int ep_stats_map_compute(const struct ep_matrix *m, const struct ep_stats_map_params *p,
                         struct ep_stats_map *out, struct ep_error *err)
{
    memset(out, 0, sizeof *out);
    out->var[0] = out->var[1] = out->sv[0] = out->sv[1] = EP_STATS_UNDEF;
    out->sign_ref[0] = out->sign_ref[1] = -1;
    struct ep_stats_map_params def;
    if (!p) {
        ep_stats_map_params_default(&def);
        p = &def;
    }
    if (!m || p->min_cast < 1)
        return ep_error_set(err, EP_EINVAL, "map: min_cast must be >= 1");
    ep_stats_init();
    int N = m->n_mep, V = m->n_vote, rc = EP_OK;
    int *cast = calloc((size_t)(N > 0 ? N : 1), sizeof *cast);
    int *kept = malloc((size_t)(N > 0 ? N : 1) * sizeof *kept);
    float *mu = malloc((size_t)(V > 0 ? V : 1) * sizeof *mu);
    float *B = NULL;
    double *G = NULL;
    gsl_matrix *A = NULL, *evec = NULL;
    gsl_vector *eval = NULL;
    gsl_eigen_symmv_workspace *ws = NULL;
    if (!cast || !kept || !mu) {
        rc = ep_error_set(err, EP_ENOMEM, "map: out of memory");
        goto out;
    }
    for (int v = 0; v < V; v++) {
        const uint8_t *row = m->pos + (size_t)v * (size_t)N;
        for (int i = 0; i < N; i++)
            cast[i] += row[i] >= EP_POS_FOR && row[i] <= EP_POS_ABSTENTION;
    }
    int n = 0;
    for (int i = 0; i < N; i++)
        if (cast[i] >= p->min_cast)
            kept[n++] = i;
    if (n < 3) {
        rc = ep_error_set(err, EP_EUNAVAIL,
                          "map: only %d MEPs cast at least %d votes; need 3 or more", n,
                          p->min_cast);
        goto out;
    }
    /* vote means over kept MEPs who cast; votes nobody kept cast are not used */
    int used = 0;
    for (int v = 0; v < V; v++) {
        const uint8_t *row = m->pos + (size_t)v * (size_t)N;
        int c = 0;
        float s = 0;
        for (int k = 0; k < n; k++) {
            int ps = row[kept[k]];
            if (ps >= EP_POS_FOR && ps <= EP_POS_ABSTENTION) {
                c++;
                s += code_of(ps);
            }
        }
        mu[v] = c > 0 ? s / (float)c : NAN;
        used += c > 0;
    }
    out->n_vote_used = used;
    B = malloc((size_t)n * MAP_BLOCK * sizeof *B);
    G = calloc((size_t)n * (size_t)n, sizeof *G);
    if (!B || !G) {
        rc = ep_error_set(err, EP_ENOMEM, "map: out of memory for a %d x %d Gram matrix", n, n);
        goto out;
    }
    int v = 0;
    while (v < V) {
        int w = 0;
        for (; v < V && w < MAP_BLOCK; v++) {
            if (isnan(mu[v]))
                continue;
            const uint8_t *row = m->pos + (size_t)v * (size_t)N;
            for (int k = 0; k < n; k++) {
                int ps = row[kept[k]];
                B[(size_t)k * MAP_BLOCK + (size_t)w] =
                    ps >= EP_POS_FOR && ps <= EP_POS_ABSTENTION ? code_of(ps) - mu[v] : 0.0f;
            }
            w++;
        }
        if (w > 0)
            gram_block(B, n, w, G);
    }
    A = gsl_matrix_alloc((size_t)n, (size_t)n);
    evec = gsl_matrix_alloc((size_t)n, (size_t)n);
    eval = gsl_vector_alloc((size_t)n);
    ws = gsl_eigen_symmv_alloc((size_t)n);
    if (!A || !evec || !eval || !ws) {
        rc = ep_error_set(err, EP_ENOMEM, "map: out of memory for the eigenproblem");
        goto out;
    }
    double trace = 0;
    for (int i = 0; i < n; i++) {
        trace += G[(size_t)i * (size_t)n + (size_t)i];
        for (int j = 0; j <= i; j++) {
            double g = G[(size_t)i * (size_t)n + (size_t)j];
            gsl_matrix_set(A, (size_t)i, (size_t)j, g);
            gsl_matrix_set(A, (size_t)j, (size_t)i, g);
        }
    }
    if (!(trace > 0) || !isfinite(trace)) {
        rc = ep_error_set(err, EP_EUNAVAIL,
                          "map: the kept MEPs voted identically on every "
                          "vote; there is no variance to map");
        goto out;
    }
    int grc = gsl_eigen_symmv(A, eval, evec, ws);
    if (grc == GSL_SUCCESS)
        grc = gsl_eigen_symmv_sort(eval, evec, GSL_EIGEN_SORT_VAL_DESC);
    if (grc != GSL_SUCCESS) {
        rc = ep_error_set(err, EP_EINTERNAL, "map: GSL eigen solver failed: %s", gsl_strerror(grc));
        goto out;
    }
    out->mep = malloc((size_t)n * sizeof *out->mep);
    out->x = calloc((size_t)n, sizeof *out->x);
    out->y = calloc((size_t)n, sizeof *out->y);
    if (!out->mep || !out->x || !out->y) {
        rc = ep_error_set(err, EP_ENOMEM, "map: out of memory");
        goto out;
    }
    out->n = n;
    memcpy(out->mep, kept, (size_t)n * sizeof *kept);
    for (int d = 0; d < 2; d++) {
        double lam = gsl_vector_get(eval, (size_t)d);
        double *dst = d == 0 ? out->x : out->y;
        if (!(lam > 1e-12 * trace)) {
            /* rank below d+1: the dimension does not exist; coordinates stay 0 but
             * dims/var say so */
            continue;
        }
        out->dims = d + 1;
        double sv = sqrt(lam), best = -1;
        int ref = 0;
        for (int i = 0; i < n; i++) {
            double a = fabs(gsl_matrix_get(evec, (size_t)i, (size_t)d));
            if (a > best * (1 + 1e-9)) {
                best = a;
                ref = i;
            }
        }
        double sign = gsl_matrix_get(evec, (size_t)ref, (size_t)d) < 0 ? -1.0 : 1.0;
        for (int i = 0; i < n; i++)
            dst[i] = sign * sv * gsl_matrix_get(evec, (size_t)i, (size_t)d);
        out->sv[d] = sv;
        out->var[d] = lam / trace;
        out->sign_ref[d] = kept[ref];
    }
out:
    if (rc)
        ep_stats_map_free(out);
    free(cast);
    free(kept);
    free(mu);
    free(B);
    free(G);
    if (A)
        gsl_matrix_free(A);
    if (evec)
        gsl_matrix_free(evec);
    if (eval)
        gsl_vector_free(eval);
    if (ws)
        gsl_eigen_symmv_free(ws);
    return rc;
}
