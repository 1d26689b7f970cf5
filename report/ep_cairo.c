#define EP_CAIRO_IMPL
#include "ep_cairo.h"

#include <pthread.h>

#include "ep_lazy.h"

EP_LAZY_DEFINE(ep_cairo_api, EP_CAIRO_FUNCS, "libcairo (Debian package libcairo2)", "libcairo.so.2")
