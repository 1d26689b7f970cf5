#define EP_GSL_IMPL
#include "ep_gsl.h"

#include <pthread.h>

#include "ep_lazy.h"

static struct ep_gsl_api api;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
    static const char what[] = "libgsl (Debian package libgsl27)";
    static const char *const sonames[] = {"libgsl.so.27", NULL};
    void *h = ep_lazy_open(what, sonames);
#define EP_GSL_LOAD(f) ep_lazy_sym(h, what, #f, &api.f, sizeof api.f);
    EP_GSL_FUNCS(EP_GSL_LOAD)
#undef EP_GSL_LOAD
}

const struct ep_gsl_api *ep_gsl_api(void)
{
    pthread_once(&once, load);
    return &api;
}
