/* epintel --version (cli/cmd_version.h). EP_COMMIT and EP_BUILD_EPOCH come from
 * cmake/Install.cmake: the git commit and SOURCE_DATE_EPOCH (else the commit's time). */
#include <cairo.h>
#include <cjose/version.h>
#include <curl/curl.h>
#include <dlfcn.h>
#include <expat.h>
#include <gsl/gsl_version.h>
#include <hpdf.h>
#include <igraph/igraph_version.h>
#include <jansson.h>
#include <microhttpd.h>
#include <openssl/crypto.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "cli.h"
#include "cmd_version.h"
#include "ep_store.h"

#ifndef EP_COMMIT
#define EP_COMMIT "unknown"
#endif
#ifndef EP_BUILD_EPOCH
#define EP_BUILD_EPOCH (-1)
#endif

/* Resolve name in an already open handle into *slot (a function pointer; copied bytewise as
 * ep_lazy_sym does, since ISO C has no object-to-function pointer conversion). 0 when found. */
static int sym(void *h, const char *name, void *slot, size_t size)
{
    void *p = h ? dlsym(h, name) : NULL;
    if (!p)
        return -1;
    memcpy(slot, &p, size);
    return 0;
}

/* The version string of one library opened on first use, into buf; "not loadable (...)". */
static void lazy_version(const char *soname, char *buf, size_t n)
{
    void *h = dlopen(soname, RTLD_LAZY | RTLD_LOCAL);
    if (!h) {
        snprintf(buf, n, "not loadable (%s)", dlerror());
        return;
    }
    snprintf(buf, n, "loadable, version unknown");
    if (strcmp(soname, "libcurl.so.4") == 0) {
        __typeof__(curl_version) *f;
        if (!sym(h, "curl_version", &f, sizeof f))
            snprintf(buf, n, "%s", f());
    } else if (strcmp(soname, "libmicrohttpd.so.12") == 0) {
        __typeof__(MHD_get_version) *f;
        if (!sym(h, "MHD_get_version", &f, sizeof f))
            snprintf(buf, n, "%s", f());
    } else if (strcmp(soname, "libigraph.so.3") == 0) {
        __typeof__(igraph_version) *f;
        const char *v = NULL;
        if (!sym(h, "igraph_version", &f, sizeof f)) {
            f(&v, NULL, NULL, NULL);
            if (v)
                snprintf(buf, n, "%s", v);
        }
    } else if (strcmp(soname, "libgsl.so.27") == 0) {
        const char **v = dlsym(h, "gsl_version"); /* a variable, not a function */
        if (v && *v)
            snprintf(buf, n, "%s", *v);
    } else if (strcmp(soname, "libcairo.so.2") == 0) {
        __typeof__(cairo_version_string) *f;
        if (!sym(h, "cairo_version_string", &f, sizeof f))
            snprintf(buf, n, "%s", f());
    } else if (strcmp(soname, "libhpdf-2.3.0.so") == 0) {
        __typeof__(HPDF_GetVersion) *f;
        if (!sym(h, "HPDF_GetVersion", &f, sizeof f))
            snprintf(buf, n, "%s", f());
    } else if (strcmp(soname, "libcrypto.so.3") == 0) {
        __typeof__(OpenSSL_version) *f;
        if (!sym(h, "OpenSSL_version", &f, sizeof f))
            snprintf(buf, n, "%s", f(OPENSSL_VERSION));
    } else if (strcmp(soname, "libcjose.so.0") == 0) {
        const char *(*f)(void);
        if (!sym(h, "cjose_version", &f, sizeof f))
            snprintf(buf, n, "%s", f());
    } else if (strcmp(soname, "libfontconfig.so.1") == 0) {
        int (*f)(void);
        if (!sym(h, "FcGetVersion", &f, sizeof f)) {
            int v = f();
            snprintf(buf, n, "%d.%d.%d", v / 10000, v / 100 % 100, v % 100);
        }
    }
    /* not closed: a library's constructors may keep allocations in its globals (valgrind would
     * call them lost once it is unmapped), and the process ends right after */
}

int ep_print_version(FILE *f)
{
    fprintf(f, "epintel %s\ncommit %s\n", EP_VERSION, EP_COMMIT);
    long long epoch = EP_BUILD_EPOCH;
    if (epoch >= 0) {
        time_t t = (time_t)epoch;
        struct tm tm;
        char date[32];
        gmtime_r(&t, &tm);
        strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
        fprintf(f, "built %s (SOURCE_DATE_EPOCH %lld)\n", date, epoch);
    } else {
        fprintf(f, "built unknown (no SOURCE_DATE_EPOCH and no git commit at configure time)\n");
    }
    fprintf(f, "libraries (linked):\n");
    fprintf(f, "  %-22s %s\n", "sqlite3", ep_store_sqlite_version());
    fprintf(f, "  %-22s %s\n", "expat", XML_ExpatVersion());
    fprintf(f, "  %-22s %s\n", "zlib", zlibVersion());
    fprintf(f, "  %-22s %s\n", "jansson", jansson_version_str());
    fprintf(f, "libraries (opened on first use):\n");
    static const char *const lazy[] = {
        "libcurl.so.4",   "libmicrohttpd.so.12", "libcjose.so.0",
        "libcrypto.so.3", "libigraph.so.3",      "libgsl.so.27",
        "libcairo.so.2",  "libhpdf-2.3.0.so",    "libfontconfig.so.1"};
    for (size_t i = 0; i < sizeof lazy / sizeof lazy[0]; i++) {
        char v[512];
        lazy_version(lazy[i], v, sizeof v);
        fprintf(f, "  %-22s %s\n", lazy[i], v);
    }
    return EP_EXIT_OK;
}
