#define EP_GSL_IMPL
#include "ep_gsl.h"

#include <pthread.h>

#include "ep_lazy.h"

EP_LAZY_DEFINE(ep_gsl_api, EP_GSL_FUNCS, "libgsl (Debian package libgsl27)", "libgsl.so.27")
