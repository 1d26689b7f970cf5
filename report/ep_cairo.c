#define EP_CAIRO_IMPL
#include "ep_cairo.h"

#include <pthread.h>

#include "ep_lazy.h"

static struct ep_cairo_api api;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
    static const char what[] = "libcairo (Debian package libcairo2)";
    static const char *const sonames[] = {"libcairo.so.2", NULL};
    void *h = ep_lazy_open(what, sonames);
#define EP_CAIRO_LOAD(f) ep_lazy_sym(h, what, #f, &api.f, sizeof api.f);
    EP_CAIRO_FUNCS(EP_CAIRO_LOAD)
#undef EP_CAIRO_LOAD
}

const struct ep_cairo_api *ep_cairo_api(void)
{
    pthread_once(&once, load);
    return &api;
}
