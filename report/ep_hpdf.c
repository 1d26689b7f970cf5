#define EP_HPDF_IMPL
#include "ep_hpdf.h"

#include <pthread.h>

#include "ep_lazy.h"

EP_LAZY_DEFINE(ep_hpdf_api, EP_HPDF_FUNCS, "libharu (Debian package libhpdf-2.3.0)",
               "libhpdf-2.3.0.so")
