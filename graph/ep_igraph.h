/* igraph, the network library. Loaded on first use (see engine/ep_lazy.h); include this instead of
 * the library's own header. */
#ifndef EP_IGRAPH_H
#define EP_IGRAPH_H

#include <igraph.h>

#define EP_IGRAPH_FUNCS(X)                                                                         \
    X(igraph_arpack_options_init)                                                                  \
    X(igraph_betweenness)                                                                          \
    X(igraph_community_leiden)                                                                     \
    X(igraph_community_multilevel)                                                                 \
    X(igraph_create)                                                                               \
    X(igraph_destroy)                                                                              \
    X(igraph_ecount)                                                                               \
    X(igraph_edge)                                                                                 \
    X(igraph_eigenvector_centrality)                                                               \
    X(igraph_error_handler_ignore)                                                                 \
    X(igraph_get_edgelist)                                                                         \
    X(igraph_layout_fruchterman_reingold)                                                          \
    X(igraph_matrix_destroy)                                                                       \
    X(igraph_matrix_init)                                                                          \
    X(igraph_modularity)                                                                           \
    X(igraph_pagerank)                                                                             \
    X(igraph_rng_default)                                                                          \
    X(igraph_rng_seed)                                                                             \
    X(igraph_set_error_handler)                                                                    \
    X(igraph_set_interruption_handler)                                                             \
    X(igraph_set_progress_handler)                                                                 \
    X(igraph_set_warning_handler)                                                                  \
    X(igraph_strerror)                                                                             \
    X(igraph_vector_destroy)                                                                       \
    X(igraph_vector_init)                                                                          \
    X(igraph_vector_int_destroy)                                                                   \
    X(igraph_vector_int_init)                                                                      \
    X(igraph_vector_int_push_back)                                                                 \
    X(igraph_vector_push_back)                                                                     \
    X(igraph_vector_size)                                                                          \
    X(igraph_vss_all)

struct ep_igraph_api {
#define EP_IGRAPH_SLOT(f) __typeof__(f) *f; /* NOLINT(bugprone-macro-parentheses) */
    EP_IGRAPH_FUNCS(EP_IGRAPH_SLOT)
#undef EP_IGRAPH_SLOT
};

/* The table, loading the library on the first call (thread-safe). */
const struct ep_igraph_api *ep_igraph_api(void);

#ifndef EP_IGRAPH_IMPL
#define igraph_arpack_options_init (ep_igraph_api()->igraph_arpack_options_init)
#define igraph_betweenness (ep_igraph_api()->igraph_betweenness)
#define igraph_community_leiden (ep_igraph_api()->igraph_community_leiden)
#define igraph_community_multilevel (ep_igraph_api()->igraph_community_multilevel)
#define igraph_create (ep_igraph_api()->igraph_create)
#define igraph_destroy (ep_igraph_api()->igraph_destroy)
#define igraph_ecount (ep_igraph_api()->igraph_ecount)
#define igraph_edge (ep_igraph_api()->igraph_edge)
#define igraph_eigenvector_centrality (ep_igraph_api()->igraph_eigenvector_centrality)
#define igraph_error_handler_ignore (ep_igraph_api()->igraph_error_handler_ignore)
#define igraph_get_edgelist (ep_igraph_api()->igraph_get_edgelist)
#define igraph_layout_fruchterman_reingold (ep_igraph_api()->igraph_layout_fruchterman_reingold)
#define igraph_matrix_destroy (ep_igraph_api()->igraph_matrix_destroy)
#define igraph_matrix_init (ep_igraph_api()->igraph_matrix_init)
#define igraph_modularity (ep_igraph_api()->igraph_modularity)
#define igraph_pagerank (ep_igraph_api()->igraph_pagerank)
#define igraph_rng_default (ep_igraph_api()->igraph_rng_default)
#define igraph_rng_seed (ep_igraph_api()->igraph_rng_seed)
#define igraph_set_error_handler (ep_igraph_api()->igraph_set_error_handler)
#define igraph_set_interruption_handler (ep_igraph_api()->igraph_set_interruption_handler)
#define igraph_set_progress_handler (ep_igraph_api()->igraph_set_progress_handler)
#define igraph_set_warning_handler (ep_igraph_api()->igraph_set_warning_handler)
#define igraph_strerror (ep_igraph_api()->igraph_strerror)
#define igraph_vector_destroy (ep_igraph_api()->igraph_vector_destroy)
#define igraph_vector_init (ep_igraph_api()->igraph_vector_init)
#define igraph_vector_int_destroy (ep_igraph_api()->igraph_vector_int_destroy)
#define igraph_vector_int_init (ep_igraph_api()->igraph_vector_int_init)
#define igraph_vector_int_push_back (ep_igraph_api()->igraph_vector_int_push_back)
#define igraph_vector_push_back (ep_igraph_api()->igraph_vector_push_back)
#define igraph_vector_size (ep_igraph_api()->igraph_vector_size)
#define igraph_vss_all (ep_igraph_api()->igraph_vss_all)
#endif

#endif
