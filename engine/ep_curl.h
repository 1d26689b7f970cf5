/* libcurl, loaded on first use (see ep_lazy.h). Include this instead of <curl/curl.h> in code
 * that calls libcurl from the epintel libraries; tests that are HTTP clients link libcurl
 * directly and include <curl/curl.h> as usual. */
#ifndef EP_CURL_H
#define EP_CURL_H

/* curl's GCC type-check wrappers are macros over the function names, which the slot macros
 * below replace. */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

#define EP_CURL_FUNCS(X)                                                                           \
    X(curl_easy_cleanup)                                                                           \
    X(curl_easy_getinfo)                                                                           \
    X(curl_easy_init)                                                                              \
    X(curl_easy_perform)                                                                           \
    X(curl_easy_reset)                                                                             \
    X(curl_easy_setopt)                                                                            \
    X(curl_easy_strerror)                                                                          \
    X(curl_getdate)                                                                                \
    X(curl_global_cleanup)                                                                         \
    X(curl_global_init)                                                                            \
    X(curl_multi_add_handle)                                                                       \
    X(curl_multi_cleanup)                                                                          \
    X(curl_multi_info_read)                                                                        \
    X(curl_multi_init)                                                                             \
    X(curl_multi_perform)                                                                          \
    X(curl_multi_poll)                                                                             \
    X(curl_multi_remove_handle)                                                                    \
    X(curl_multi_setopt)                                                                           \
    X(curl_slist_append)                                                                           \
    X(curl_slist_free_all)

struct ep_curl_api {
#define EP_CURL_SLOT(f) __typeof__(f) *f; /* NOLINT(bugprone-macro-parentheses) */
    EP_CURL_FUNCS(EP_CURL_SLOT)
#undef EP_CURL_SLOT
};

/* The table, loading libcurl on the first call (thread-safe). */
const struct ep_curl_api *ep_curl_api(void);

#ifndef EP_CURL_IMPL
/* curl.h defines these three as function-like macros that check the argument count. */
#undef curl_easy_getinfo
#undef curl_easy_setopt
#undef curl_multi_setopt
#define curl_easy_cleanup (ep_curl_api()->curl_easy_cleanup)
#define curl_easy_getinfo (ep_curl_api()->curl_easy_getinfo)
#define curl_easy_init (ep_curl_api()->curl_easy_init)
#define curl_easy_perform (ep_curl_api()->curl_easy_perform)
#define curl_easy_reset (ep_curl_api()->curl_easy_reset)
#define curl_easy_setopt (ep_curl_api()->curl_easy_setopt)
#define curl_easy_strerror (ep_curl_api()->curl_easy_strerror)
#define curl_getdate (ep_curl_api()->curl_getdate)
#define curl_global_cleanup (ep_curl_api()->curl_global_cleanup)
#define curl_global_init (ep_curl_api()->curl_global_init)
#define curl_multi_add_handle (ep_curl_api()->curl_multi_add_handle)
#define curl_multi_cleanup (ep_curl_api()->curl_multi_cleanup)
#define curl_multi_info_read (ep_curl_api()->curl_multi_info_read)
#define curl_multi_init (ep_curl_api()->curl_multi_init)
#define curl_multi_perform (ep_curl_api()->curl_multi_perform)
#define curl_multi_poll (ep_curl_api()->curl_multi_poll)
#define curl_multi_remove_handle (ep_curl_api()->curl_multi_remove_handle)
#define curl_multi_setopt (ep_curl_api()->curl_multi_setopt)
#define curl_slist_append (ep_curl_api()->curl_slist_append)
#define curl_slist_free_all (ep_curl_api()->curl_slist_free_all)
#endif

#endif
