#define EP_CJOSE_IMPL
#include "ep_cjose.h"

#include <pthread.h>

#include "ep_lazy.h"

EP_LAZY_DEFINE(ep_cjose_api, EP_CJOSE_FUNCS, "libcjose (Debian package libcjose0)",
               "libcjose.so.0")
