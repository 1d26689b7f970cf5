/* Shared libraries loaded on first use.
 *
 * epintel starts often (an MCP client spawns `epintel serve` per session) and most runs never
 * touch the network client (libcurl) or the HTTP server (libmicrohttpd). Linking them normally
 * makes the dynamic loader map and relocate their ~40 dependent libraries at every start, which
 * costs more than everything else epintel does before it answers `initialize`. Instead such a
 * library is opened with dlopen the first time one of its functions is called.
 *
 * A client header lists the functions it uses in an X-macro, declares a table of pointers typed
 * with __typeof__ of the library's own prototypes (so the compiler still checks every call), and
 * maps each name to its slot with a macro. See ep_curl.h for the pattern.
 */
#ifndef EP_LAZY_H
#define EP_LAZY_H

/* Open the first of `sonames` (NULL-terminated) that loads. `what` names the library and the
 * Debian package that provides it, for the error. A library that cannot be loaded is a broken
 * installation: the message says which file is missing and the process exits with code 4
 * (unavailable), because the callers have no way to continue without it. */
void *ep_lazy_open(const char *what, const char *const *sonames);

/* Resolve `name` in `handle`, or report it like ep_lazy_open and exit with code 4. The result
 * is written to *slot, which must be a function pointer of the right type (copied bytewise, as
 * POSIX requires function and object pointers to have the same representation). */
void ep_lazy_sym(void *handle, const char *what, const char *name, void *slot, unsigned long size);

/* The loader of one library, in its .c file (which includes pthread.h):
 *   EP_LAZY_DEFINE(ep_curl_api, EP_CURL_FUNCS, "libcurl (Debian package libcurl4)",
 *                  "libcurl.so.4")
 * defines `const struct ep_curl_api *ep_curl_api(void)`, which opens the library and fills
 * the table on its first call (pthread_once) and returns it. */
#define EP_LAZY_DEFINE(name, funcs, what, soname)                                                  \
    static struct name ep_lazy_table;                                                              \
    static pthread_once_t ep_lazy_once = PTHREAD_ONCE_INIT;                                        \
    static void ep_lazy_load(void)                                                                 \
    {                                                                                              \
        static const char ep_lazy_what[] = what;                                                   \
        static const char *const ep_lazy_sonames[] = {soname, NULL};                               \
        void *ep_lazy_h = ep_lazy_open(ep_lazy_what, ep_lazy_sonames);                             \
        funcs(EP_LAZY_LOAD_ONE)                                                                    \
    }                                                                                              \
    const struct name *name(void)                                                                  \
    {                                                                                              \
        pthread_once(&ep_lazy_once, ep_lazy_load);                                                 \
        return &ep_lazy_table;                                                                     \
    }
#define EP_LAZY_LOAD_ONE(f)                                                                        \
    ep_lazy_sym(ep_lazy_h, ep_lazy_what, #f, &ep_lazy_table.f, sizeof ep_lazy_table.f);

#endif
