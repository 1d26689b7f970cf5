/* cjose, the JOSE library behind mod_auth_openidc (Debian libcjose0), loaded on first use (see
 * ep_lazy.h): it parses the JWK Set and the JWS tokens and checks their signatures for ep_auth,
 * so that none of that security-critical parsing is epintel's own. Only a server with an auth
 * config that names a JWK Set loads it. */
#ifndef EP_CJOSE_H
#define EP_CJOSE_H

#include <cjose/cjose.h>

#define EP_CJOSE_FUNCS(X)                                                                          \
    X(cjose_header_get)                                                                            \
    X(cjose_jwk_get_keysize)                                                                       \
    X(cjose_jwk_get_kty)                                                                           \
    X(cjose_jwk_import)                                                                            \
    X(cjose_jwk_release)                                                                           \
    X(cjose_jws_get_plaintext)                                                                     \
    X(cjose_jws_get_protected)                                                                     \
    X(cjose_jws_import)                                                                            \
    X(cjose_jws_release)                                                                           \
    X(cjose_jws_verify)

struct ep_cjose_api {
#define EP_CJOSE_SLOT(f) __typeof__(f) *f; /* NOLINT(bugprone-macro-parentheses) */
    EP_CJOSE_FUNCS(EP_CJOSE_SLOT)
#undef EP_CJOSE_SLOT
};

/* The table, loading libcjose on the first call (thread-safe). */
const struct ep_cjose_api *ep_cjose_api(void);

#ifndef EP_CJOSE_IMPL
#define cjose_header_get (ep_cjose_api()->cjose_header_get)
#define cjose_jwk_get_keysize (ep_cjose_api()->cjose_jwk_get_keysize)
#define cjose_jwk_get_kty (ep_cjose_api()->cjose_jwk_get_kty)
#define cjose_jwk_import (ep_cjose_api()->cjose_jwk_import)
#define cjose_jwk_release (ep_cjose_api()->cjose_jwk_release)
#define cjose_jws_get_plaintext (ep_cjose_api()->cjose_jws_get_plaintext)
#define cjose_jws_get_protected (ep_cjose_api()->cjose_jws_get_protected)
#define cjose_jws_import (ep_cjose_api()->cjose_jws_import)
#define cjose_jws_release (ep_cjose_api()->cjose_jws_release)
#define cjose_jws_verify (ep_cjose_api()->cjose_jws_verify)
#endif

#endif
