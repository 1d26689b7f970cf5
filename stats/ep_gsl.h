/* GSL, the GNU Scientific Library. Loaded on first use (see engine/ep_lazy.h); include this instead
 * of the library's own header. */
#ifndef EP_GSL_H
#define EP_GSL_H

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#define EP_GSL_FUNCS(X)                                                                            \
    X(gsl_eigen_symmv)                                                                             \
    X(gsl_eigen_symmv_alloc)                                                                       \
    X(gsl_eigen_symmv_free)                                                                        \
    X(gsl_eigen_symmv_sort)                                                                        \
    X(gsl_matrix_alloc)                                                                            \
    X(gsl_matrix_free)                                                                             \
    X(gsl_matrix_get)                                                                              \
    X(gsl_matrix_set)                                                                              \
    X(gsl_set_error_handler_off)                                                                   \
    X(gsl_strerror)                                                                                \
    X(gsl_vector_alloc)                                                                            \
    X(gsl_vector_free)                                                                             \
    X(gsl_vector_get)

struct ep_gsl_api {
#define EP_GSL_SLOT(f) __typeof__(f) *f; /* NOLINT(bugprone-macro-parentheses) */
    EP_GSL_FUNCS(EP_GSL_SLOT)
#undef EP_GSL_SLOT
};

/* The table, loading the library on the first call (thread-safe). */
const struct ep_gsl_api *ep_gsl_api(void);

#ifndef EP_GSL_IMPL
#define gsl_eigen_symmv (ep_gsl_api()->gsl_eigen_symmv)
#define gsl_eigen_symmv_alloc (ep_gsl_api()->gsl_eigen_symmv_alloc)
#define gsl_eigen_symmv_free (ep_gsl_api()->gsl_eigen_symmv_free)
#define gsl_eigen_symmv_sort (ep_gsl_api()->gsl_eigen_symmv_sort)
#define gsl_matrix_alloc (ep_gsl_api()->gsl_matrix_alloc)
#define gsl_matrix_free (ep_gsl_api()->gsl_matrix_free)
#define gsl_matrix_get (ep_gsl_api()->gsl_matrix_get)
#define gsl_matrix_set (ep_gsl_api()->gsl_matrix_set)
#define gsl_set_error_handler_off (ep_gsl_api()->gsl_set_error_handler_off)
#define gsl_strerror (ep_gsl_api()->gsl_strerror)
#define gsl_vector_alloc (ep_gsl_api()->gsl_vector_alloc)
#define gsl_vector_free (ep_gsl_api()->gsl_vector_free)
#define gsl_vector_get (ep_gsl_api()->gsl_vector_get)
#endif

#endif
