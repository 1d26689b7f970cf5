/* ep_stats_map: two-dimensional political map (ideal points) from the vote matrix.
 *
 * X (kept MEPs x used votes): FOR +1, AGAINST −1, ABSTENTION 0; a missing cell (did not vote or
 * not an MEP) is imputed by the vote's mean over the kept MEPs who cast, then every column is
 * centred, so an imputed cell is exactly 0 and a cast cell is code − mean. The SVD X = U S V' is
 * taken through the Gram matrix G = X X' (n x n, n = kept MEPs): its eigenvectors are U and its
 * eigenvalues S². G is accumulated in vote blocks (float products, double sums), never holding
 * the whole X. Top-2 eigenpairs: gsl_eigen_symmv on G up to 64 MEPs, block subspace iteration
 * with GSL Rayleigh–Ritz above (full solver as fallback). Scores are the principal-component
 * scores σ_k·u_k. Sign: each axis is flipped so that the MEP with the largest |score| (lowest
 * matrix index among equal ones) is positive. See docs/methodology.md. */
#include "ep_gsl.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ep_model.h"
#include "ep_stats.h"

#define MAP_BLOCK 512

void ep_stats_map_params_default(struct ep_stats_map_params *p)
{
    p->min_cast = 20;
    p->solver = EP_MAP_SOLVER_AUTO;
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

/* G += B B' for one block B (n x w floats, row stride MAP_BLOCK, zero-padded to a multiple of
 * 8), lower triangle only. Float products summed in 8 float lanes over at most MAP_BLOCK terms,
 * then added to the double G. */
static void gram_block_generic(const float *B, int n, int w, double *G)
{
    for (int i = 0; i < n; i++) {
        const float *a = B + (size_t)i * MAP_BLOCK;
        for (int j = 0; j <= i; j++) {
            const float *b = B + (size_t)j * MAP_BLOCK;
            float acc[8] = {0};
            for (int k = 0; k < w; k += 8)
                for (int l = 0; l < 8; l++)
                    acc[l] += a[k + l] * b[k + l];
            double s = 0;
            for (int l = 0; l < 8; l++)
                s += acc[l];
            G[(size_t)i * (size_t)n + (size_t)j] += s;
        }
    }
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
__attribute__((target("avx2,fma"))) static double hsum256(__m256 v)
{
    __m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
    __m128 s = _mm_add_ps(lo, hi);
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return (double)_mm_cvtss_f32(s);
}

/* dot(a, b) over w floats (w a multiple of 8) */
__attribute__((target("avx2,fma"))) static double dot_avx2(const float *a, const float *b, int w)
{
    __m256 s0 = _mm256_setzero_ps();
    for (int k = 0; k < w; k += 8)
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + k), _mm256_loadu_ps(b + k), s0);
    return hsum256(s0);
}

/* Same sums as gram_block_generic (up to float rounding), 2 x 4 register blocks. */
__attribute__((target("avx2,fma"))) static void gram_block_avx2(const float *B, int n, int w,
                                                                double *G)
{
    int i = 0;
    for (; i + 1 < n; i += 2) {
        const float *a0 = B + (size_t)i * MAP_BLOCK, *a1 = a0 + MAP_BLOCK;
        double *g0 = G + (size_t)i * (size_t)n, *g1 = g0 + n;
        int j = 0;
        for (; j + 3 < i; j += 4) {
            const float *b = B + (size_t)j * MAP_BLOCK;
            __m256 s00 = _mm256_setzero_ps(), s01 = s00, s02 = s00, s03 = s00;
            __m256 s10 = s00, s11 = s00, s12 = s00, s13 = s00;
            for (int k = 0; k < w; k += 8) {
                __m256 x0 = _mm256_loadu_ps(a0 + k), x1 = _mm256_loadu_ps(a1 + k);
                __m256 y0 = _mm256_loadu_ps(b + k), y1 = _mm256_loadu_ps(b + MAP_BLOCK + k);
                __m256 y2 = _mm256_loadu_ps(b + 2 * MAP_BLOCK + k);
                __m256 y3 = _mm256_loadu_ps(b + 3 * MAP_BLOCK + k);
                s00 = _mm256_fmadd_ps(x0, y0, s00);
                s01 = _mm256_fmadd_ps(x0, y1, s01);
                s02 = _mm256_fmadd_ps(x0, y2, s02);
                s03 = _mm256_fmadd_ps(x0, y3, s03);
                s10 = _mm256_fmadd_ps(x1, y0, s10);
                s11 = _mm256_fmadd_ps(x1, y1, s11);
                s12 = _mm256_fmadd_ps(x1, y2, s12);
                s13 = _mm256_fmadd_ps(x1, y3, s13);
            }
            g0[j] += hsum256(s00);
            g0[j + 1] += hsum256(s01);
            g0[j + 2] += hsum256(s02);
            g0[j + 3] += hsum256(s03);
            g1[j] += hsum256(s10);
            g1[j + 1] += hsum256(s11);
            g1[j + 2] += hsum256(s12);
            g1[j + 3] += hsum256(s13);
        }
        for (int jj = j; jj <= i; jj++)
            g0[jj] += dot_avx2(a0, B + (size_t)jj * MAP_BLOCK, w);
        for (int jj = j; jj <= i + 1; jj++)
            g1[jj] += dot_avx2(a1, B + (size_t)jj * MAP_BLOCK, w);
    }
    for (; i < n; i++) {
        const float *a0 = B + (size_t)i * MAP_BLOCK;
        for (int j = 0; j <= i; j++)
            G[(size_t)i * (size_t)n + (size_t)j] += dot_avx2(a0, B + (size_t)j * MAP_BLOCK, w);
    }
}
#endif

static void gram_block(const float *B, int n, int w, double *G)
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        gram_block_avx2(B, n, w, G);
        return;
    }
#endif
    gram_block_generic(B, n, w, G);
}

/* Top-2 eigenpairs of the symmetric n x n matrix G (row-major, full), largest first:
 * lam[d], u[d*n + i]. Full GSL solver (gsl_eigen_symmv) for n <= MAP_FULL_MAX or when asked;
 * otherwise block subspace iteration (block MAP_SUB_B, deterministic start) with Rayleigh–Ritz
 * on the small projected matrix solved by gsl_eigen_symmv; it stops when both residuals
 * |G u − θ u| <= MAP_TOL·θ_1, and falls back to the full solver if it has not converged after
 * MAP_MAX_IT iterations. */
#define MAP_FULL_MAX 64
#define MAP_SUB_B 10
#define MAP_TOL 1e-10
#define MAP_MAX_IT 3000

static int eigen_full(const double *G, int n, double lam[2], double *u, struct ep_error *err)
{
    int rc = EP_OK;
    gsl_matrix *A = gsl_matrix_alloc((size_t)n, (size_t)n);
    gsl_matrix *evec = gsl_matrix_alloc((size_t)n, (size_t)n);
    gsl_vector *eval = gsl_vector_alloc((size_t)n);
    gsl_eigen_symmv_workspace *ws = gsl_eigen_symmv_alloc((size_t)n);
    if (!A || !evec || !eval || !ws) {
        rc = ep_error_set(err, EP_ENOMEM, "map: out of memory for the eigenproblem");
        goto out;
    }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            gsl_matrix_set(A, (size_t)i, (size_t)j, G[(size_t)i * (size_t)n + (size_t)j]);
    int grc = gsl_eigen_symmv(A, eval, evec, ws);
    if (grc == GSL_SUCCESS)
        grc = gsl_eigen_symmv_sort(eval, evec, GSL_EIGEN_SORT_VAL_DESC);
    if (grc != GSL_SUCCESS) {
        rc = ep_error_set(err, EP_EINTERNAL, "map: GSL eigen solver failed: %s", gsl_strerror(grc));
        goto out;
    }
    for (int d = 0; d < 2; d++) {
        lam[d] = d < n ? gsl_vector_get(eval, (size_t)d) : 0;
        for (int i = 0; i < n; i++)
            u[(size_t)d * (size_t)n + (size_t)i] =
                d < n ? gsl_matrix_get(evec, (size_t)i, (size_t)d) : 0;
    }
out:
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

/* Orthonormalise the b columns of Q (n x b, row-major) in place by modified Gram–Schmidt; a
 * column that vanishes is replaced by a deterministic pseudo-random vector. */
static void orthonormalise(double *Q, int n, int b, uint64_t *seed)
{
    for (int c = 0; c < b; c++) {
        for (int tries = 0; tries < 3; tries++) {
            double before = 0;
            for (int i = 0; i < n; i++)
                before += Q[(size_t)i * b + c] * Q[(size_t)i * b + c];
            for (int pass = 0; pass < 2; pass++)
                for (int d = 0; d < c; d++) {
                    double dot = 0;
                    for (int i = 0; i < n; i++)
                        dot += Q[(size_t)i * b + c] * Q[(size_t)i * b + d];
                    for (int i = 0; i < n; i++)
                        Q[(size_t)i * b + c] -= dot * Q[(size_t)i * b + d];
                }
            double nrm = 0;
            for (int i = 0; i < n; i++)
                nrm += Q[(size_t)i * b + c] * Q[(size_t)i * b + c];
            if (nrm > 1e-24 * before && nrm > 1e-300) {
                nrm = 1.0 / sqrt(nrm);
                for (int i = 0; i < n; i++)
                    Q[(size_t)i * b + c] *= nrm;
                break;
            }
            for (int i = 0; i < n; i++) { /* xorshift64 */
                *seed ^= *seed << 13;
                *seed ^= *seed >> 7;
                *seed ^= *seed << 17;
                Q[(size_t)i * b + c] = (double)(*seed >> 11) / 9007199254740992.0 - 0.5;
            }
        }
    }
}

static int eigen_top2(const double *G, int n, int full, double lam[2], double *u,
                      struct ep_error *err)
{
    if (full || n <= MAP_FULL_MAX)
        return eigen_full(G, n, lam, u, err);
    const int b = MAP_SUB_B;
    int rc = EP_OK, converged = 0;
    double *Q = malloc((size_t)n * b * sizeof *Q), *Z = malloc((size_t)n * b * sizeof *Z);
    gsl_matrix *H = gsl_matrix_alloc(b, b), *Y = gsl_matrix_alloc(b, b);
    gsl_vector *th = gsl_vector_alloc(b);
    gsl_eigen_symmv_workspace *ws = gsl_eigen_symmv_alloc(b);
    if (!Q || !Z || !H || !Y || !th || !ws) {
        rc = ep_error_set(err, EP_ENOMEM, "map: out of memory for the eigenproblem");
        goto out;
    }
    uint64_t seed = 0x9E3779B97F4A7C15ULL;
    for (int i = 0; i < n; i++) /* row by row, in the index order orthonormalise() reads */
        for (int c = 0; c < b; c++) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            Q[(size_t)i * b + c] = (double)(seed >> 11) / 9007199254740992.0 - 0.5;
        }
    orthonormalise(Q, n, b, &seed);
    for (int it = 0; it < MAP_MAX_IT && !converged; it++) {
        memset(Z, 0, (size_t)n * b * sizeof *Z); /* Z = G Q */
        for (int i = 0; i < n; i++) {
            const double *gi = G + (size_t)i * (size_t)n;
            double *zi = Z + (size_t)i * b;
            for (int k = 0; k < n; k++) {
                double g = gi[k];
                const double *qk = Q + (size_t)k * b;
                for (int c = 0; c < b; c++)
                    zi[c] += g * qk[c];
            }
        }
        for (int c = 0; c < b; c++) /* H = Q' G Q */
            for (int d = 0; d <= c; d++) {
                double h = 0;
                for (int i = 0; i < n; i++)
                    h += Q[(size_t)i * b + c] * Z[(size_t)i * b + d];
                gsl_matrix_set(H, c, d, h);
                gsl_matrix_set(H, d, c, h);
            }
        int grc = gsl_eigen_symmv(H, th, Y, ws);
        if (grc == GSL_SUCCESS)
            grc = gsl_eigen_symmv_sort(th, Y, GSL_EIGEN_SORT_VAL_DESC);
        if (grc != GSL_SUCCESS) {
            rc = ep_error_set(err, EP_EINTERNAL, "map: GSL eigen solver failed: %s",
                              gsl_strerror(grc));
            goto out;
        }
        /* residuals of the top two Ritz pairs: |Z y − θ Q y| */
        double t0 = gsl_vector_get(th, 0), worst = 0;
        for (int d = 0; d < 2; d++) {
            double r2 = 0, td = gsl_vector_get(th, (size_t)d);
            for (int i = 0; i < n; i++) {
                double zy = 0, qy = 0;
                for (int c = 0; c < b; c++) {
                    double y = gsl_matrix_get(Y, c, (size_t)d);
                    zy += Z[(size_t)i * b + c] * y;
                    qy += Q[(size_t)i * b + c] * y;
                }
                r2 += (zy - td * qy) * (zy - td * qy);
            }
            worst = fmax(worst, sqrt(r2));
        }
        if (!(t0 > 0) || worst <= MAP_TOL * t0) {
            converged = 1;
            for (int d = 0; d < 2; d++) {
                lam[d] = gsl_vector_get(th, (size_t)d);
                for (int i = 0; i < n; i++) {
                    double qy = 0;
                    for (int c = 0; c < b; c++)
                        qy += Q[(size_t)i * b + c] * gsl_matrix_get(Y, c, (size_t)d);
                    u[(size_t)d * (size_t)n + (size_t)i] = qy;
                }
            }
            break;
        }
        for (int i = 0; i < n; i++) { /* Q = orth(Z Y): rotate to Ritz order */
            double row[MAP_SUB_B];
            for (int c = 0; c < b; c++) {
                double s = 0;
                for (int d = 0; d < b; d++)
                    s += Z[(size_t)i * b + d] * gsl_matrix_get(Y, d, c);
                row[c] = s;
            }
            memcpy(Q + (size_t)i * b, row, sizeof row);
        }
        orthonormalise(Q, n, b, &seed);
    }
out:
    free(Q);
    free(Z);
    if (H)
        gsl_matrix_free(H);
    if (Y)
        gsl_matrix_free(Y);
    if (th)
        gsl_vector_free(th);
    if (ws)
        gsl_eigen_symmv_free(ws);
    if (!rc && !converged)
        return eigen_full(G, n, lam, u, err);
    return rc;
}

/* The map's coordinates from the top two eigenpairs (lam2, U: 2 x n) of the n kept MEPs' Gram
 * matrix with trace: each dimension that exists (eigenvalue above 1e-12 of the trace) gets
 * x or y = sign * sqrt(lambda) * u, its sign fixed so that the largest |u| is positive. */
static void map_coords(struct ep_stats_map *out, const int *kept, const double *U,
                       const double lam2[2], double trace)
{
    int n = out->n;
    for (int d = 0; d < 2; d++) {
        double lam = lam2[d];
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
            double a = fabs(U[(size_t)d * (size_t)n + (size_t)i]);
            if (a > best * (1 + 1e-9)) {
                best = a;
                ref = i;
            }
        }
        double sign = U[(size_t)d * (size_t)n + (size_t)ref] < 0 ? -1.0 : 1.0;
        for (int i = 0; i < n; i++)
            dst[i] = sign * sv * U[(size_t)d * (size_t)n + (size_t)i];
        out->sv[d] = sv;
        out->var[d] = lam / trace;
        out->sign_ref[d] = kept[ref];
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
    double *G = NULL, *U = NULL;
    if (!cast || !kept || !mu) {
        rc = ep_error_set(err, EP_ENOMEM, "map: out of memory");
        goto out;
    }
    for (int i = 0; i < N; i++) {
        size_t base = (size_t)i * (size_t)m->n_words;
        for (int wd = 0; wd < m->n_words; wd++)
            cast[i] += __builtin_popcountll(m->plane[0][base + wd] | m->plane[1][base + wd] |
                                            m->plane[2][base + wd]);
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
        mu[v] = c > 0 ? s / (float)c : 0.0f;
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
    /* blocks of MAP_BLOCK consecutive votes (MAP_BLOCK/64 whole words); a vote no kept MEP
     * cast is an all-zero column and adds nothing */
    for (; v < V; v += MAP_BLOCK) {
        int w = V - v < MAP_BLOCK ? V - v : MAP_BLOCK;
        int wp = (w + 7) & ~7; /* zero-pad to a multiple of 8 lanes */
        for (int k = 0; k < n; k++) {
            size_t base = (size_t)kept[k] * (size_t)m->n_words + (size_t)(v >> 6);
            const uint64_t *pf = m->plane[0] + base, *pn = m->plane[1] + base,
                           *pab = m->plane[2] + base;
            float *dst = B + (size_t)k * MAP_BLOCK;
            const float *mv = mu + v;
            for (int l = 0; l < w; l++) {
                /* FOR +1, AGAINST −1, ABSTENTION 0, each minus the vote mean; missing: 0 */
                int wd = l >> 6, sh = l & 63;
                int f = (int)(pf[wd] >> sh) & 1, a = (int)(pn[wd] >> sh) & 1;
                int c = f | a | ((int)(pab[wd] >> sh) & 1);
                dst[l] = (float)c * ((float)(f - a) - mv[l]);
            }
            for (int l = w; l < wp; l++)
                dst[l] = 0.0f;
        }
        gram_block(B, n, wp, G);
    }
    double trace = 0;
    for (int i = 0; i < n; i++) {
        trace += G[(size_t)i * (size_t)n + (size_t)i];
        for (int j = 0; j < i; j++) /* mirror the lower triangle */
            G[(size_t)j * (size_t)n + (size_t)i] = G[(size_t)i * (size_t)n + (size_t)j];
    }
    if (!(trace > 0) || !isfinite(trace)) {
        rc = ep_error_set(err, EP_EUNAVAIL,
                          "map: the kept MEPs voted identically on every "
                          "vote; there is no variance to map");
        goto out;
    }
    U = malloc(2 * (size_t)n * sizeof *U);
    if (!U) {
        rc = ep_error_set(err, EP_ENOMEM, "map: out of memory");
        goto out;
    }
    double lam2[2];
    rc = eigen_top2(G, n, p->solver == EP_MAP_SOLVER_FULL, lam2, U, err);
    if (rc)
        goto out;
    out->mep = malloc((size_t)n * sizeof *out->mep);
    out->x = calloc((size_t)n, sizeof *out->x);
    out->y = calloc((size_t)n, sizeof *out->y);
    if (!out->mep || !out->x || !out->y) {
        rc = ep_error_set(err, EP_ENOMEM, "map: out of memory");
        goto out;
    }
    out->n = n;
    memcpy(out->mep, kept, (size_t)n * sizeof *kept);
    map_coords(out, kept, U, lam2, trace);
out:
    if (rc)
        ep_stats_map_free(out);
    free(cast);
    free(kept);
    free(mu);
    free(B);
    free(G);
    free(U);
    return rc;
}
