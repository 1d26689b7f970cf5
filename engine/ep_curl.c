#define EP_CURL_IMPL
#include "ep_curl.h"

#include <pthread.h>

#include "ep_lazy.h"

static struct ep_curl_api api;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
    static const char what[] = "libcurl (Debian package libcurl4)";
    static const char *const sonames[] = {"libcurl.so.4", NULL};
    void *h = ep_lazy_open(what, sonames);
#define EP_CURL_LOAD(f) ep_lazy_sym(h, what, #f, &api.f, sizeof api.f);
    EP_CURL_FUNCS(EP_CURL_LOAD)
#undef EP_CURL_LOAD
}

const struct ep_curl_api *ep_curl_api(void)
{
    pthread_once(&once, load);
    return &api;
}
