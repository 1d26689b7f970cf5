#define EP_CRYPTO_IMPL
#include "ep_crypto.h"

#include <pthread.h>

#include "ep_lazy.h"

EP_LAZY_DEFINE(ep_crypto_api, EP_CRYPTO_FUNCS, "libcrypto (Debian package libssl3)",
               "libcrypto.so.3")
