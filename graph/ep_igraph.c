#define EP_IGRAPH_IMPL
#include "ep_igraph.h"

#include <pthread.h>

#include "ep_lazy.h"

EP_LAZY_DEFINE(ep_igraph_api, EP_IGRAPH_FUNCS, "libigraph (Debian package libigraph3)",
               "libigraph.so.3")
