#define EP_MHD_IMPL
#include "ep_mhd.h"

#include <pthread.h>

#include "ep_lazy.h"

static struct ep_mhd_api api;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
    static const char what[] = "libmicrohttpd (Debian package libmicrohttpd12)";
    static const char *const sonames[] = {"libmicrohttpd.so.12", NULL};
    void *h = ep_lazy_open(what, sonames);
#define EP_MHD_LOAD(f) ep_lazy_sym(h, what, #f, &api.f, sizeof api.f);
    EP_MHD_FUNCS(EP_MHD_LOAD)
#undef EP_MHD_LOAD
}

const struct ep_mhd_api *ep_mhd_api(void)
{
    pthread_once(&once, load);
    return &api;
}
