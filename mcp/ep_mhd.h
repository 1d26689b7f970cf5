/* libmicrohttpd, loaded on first use (see ep_lazy.h): only `serve --http` needs it, and linking
 * it normally costs every stdio start its dependency chain (GnuTLS and friends). Include this
 * instead of <microhttpd.h> in the epintel libraries; the test server links it directly. */
#ifndef EP_MHD_H
#define EP_MHD_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <microhttpd.h>

#define EP_MHD_FUNCS(X)                                                                            \
    X(MHD_add_response_header)                                                                     \
    X(MHD_create_response_from_buffer)                                                             \
    X(MHD_create_response_from_callback)                                                           \
    X(MHD_destroy_response)                                                                        \
    X(MHD_get_connection_info)                                                                     \
    X(MHD_get_connection_values)                                                                   \
    X(MHD_get_daemon_info)                                                                         \
    X(MHD_lookup_connection_value)                                                                 \
    X(MHD_queue_response)                                                                          \
    X(MHD_quiesce_daemon)                                                                          \
    X(MHD_start_daemon)                                                                            \
    X(MHD_stop_daemon)

struct ep_mhd_api {
#define EP_MHD_SLOT(f) __typeof__(f) *f; /* NOLINT(bugprone-macro-parentheses) */
    EP_MHD_FUNCS(EP_MHD_SLOT)
#undef EP_MHD_SLOT
};

/* The table, loading libmicrohttpd on the first call (thread-safe). */
const struct ep_mhd_api *ep_mhd_api(void);

#ifndef EP_MHD_IMPL
#define MHD_add_response_header (ep_mhd_api()->MHD_add_response_header)
#define MHD_create_response_from_buffer (ep_mhd_api()->MHD_create_response_from_buffer)
#define MHD_create_response_from_callback (ep_mhd_api()->MHD_create_response_from_callback)
#define MHD_destroy_response (ep_mhd_api()->MHD_destroy_response)
#define MHD_get_connection_info (ep_mhd_api()->MHD_get_connection_info)
#define MHD_get_connection_values (ep_mhd_api()->MHD_get_connection_values)
#define MHD_get_daemon_info (ep_mhd_api()->MHD_get_daemon_info)
#define MHD_lookup_connection_value (ep_mhd_api()->MHD_lookup_connection_value)
#define MHD_queue_response (ep_mhd_api()->MHD_queue_response)
#define MHD_quiesce_daemon (ep_mhd_api()->MHD_quiesce_daemon)
#define MHD_start_daemon (ep_mhd_api()->MHD_start_daemon)
#define MHD_stop_daemon (ep_mhd_api()->MHD_stop_daemon)
#endif

#endif
