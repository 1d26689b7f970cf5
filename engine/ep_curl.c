#define EP_CURL_IMPL
#include "ep_curl.h"

#include <pthread.h>

#include "ep_lazy.h"

EP_LAZY_DEFINE(ep_curl_api, EP_CURL_FUNCS, "libcurl (Debian package libcurl4)", "libcurl.so.4")
