#define EP_MHD_IMPL
#include "ep_mhd.h"

#include <pthread.h>

#include "ep_lazy.h"

EP_LAZY_DEFINE(ep_mhd_api, EP_MHD_FUNCS, "libmicrohttpd (Debian package libmicrohttpd12)",
               "libmicrohttpd.so.12")
