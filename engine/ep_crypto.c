#define EP_CRYPTO_IMPL
#include "ep_crypto.h"

#include <pthread.h>

#include "ep_lazy.h"

static struct ep_crypto_api api;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
    static const char what[] = "libcrypto (Debian package libssl3)";
    static const char *const sonames[] = {"libcrypto.so.3", NULL};
    void *h = ep_lazy_open(what, sonames);
#define EP_CRYPTO_LOAD(f) ep_lazy_sym(h, what, #f, &api.f, sizeof api.f);
    EP_CRYPTO_FUNCS(EP_CRYPTO_LOAD)
#undef EP_CRYPTO_LOAD
}

const struct ep_crypto_api *ep_crypto_api(void)
{
    pthread_once(&once, load);
    return &api;
}
