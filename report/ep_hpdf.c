#define EP_HPDF_IMPL
#include "ep_hpdf.h"

#include <pthread.h>

#include "ep_lazy.h"

static struct ep_hpdf_api api;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
    static const char what[] = "libharu (Debian package libhpdf-2.3.0)";
    static const char *const sonames[] = {"libhpdf-2.3.0.so", NULL};
    void *h = ep_lazy_open(what, sonames);
#define EP_HPDF_LOAD(f) ep_lazy_sym(h, what, #f, &api.f, sizeof api.f);
    EP_HPDF_FUNCS(EP_HPDF_LOAD)
#undef EP_HPDF_LOAD
}

const struct ep_hpdf_api *ep_hpdf_api(void)
{
    pthread_once(&once, load);
    return &api;
}
