#define EP_IGRAPH_IMPL
#include "ep_igraph.h"

#include <pthread.h>

#include "ep_lazy.h"

static struct ep_igraph_api api;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
    static const char what[] = "libigraph (Debian package libigraph3)";
    static const char *const sonames[] = {"libigraph.so.3", NULL};
    void *h = ep_lazy_open(what, sonames);
#define EP_IGRAPH_LOAD(f) ep_lazy_sym(h, what, #f, &api.f, sizeof api.f);
    EP_IGRAPH_FUNCS(EP_IGRAPH_LOAD)
#undef EP_IGRAPH_LOAD
}

const struct ep_igraph_api *ep_igraph_api(void)
{
    pthread_once(&once, load);
    return &api;
}
