/* libcrypto (OpenSSL 3), loaded on first use (see ep_lazy.h). Include this instead of the
 * <openssl/...> headers in the epintel libraries: libcrypto and its relocations (about 17,000)
 * cost about a tenth of the time `epintel serve` needs to answer initialize, and only the HTTP
 * transport (session ids, API-key digests) and ingest (SHA-256 of the input files) use it; JWTs
 * are checked by cjose (mcp/ep_cjose.h). Tests that make tokens link libcrypto directly and
 * include <openssl/...> as usual. */
#ifndef EP_CRYPTO_H
#define EP_CRYPTO_H

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#define EP_CRYPTO_FUNCS(X)                                                                         \
    X(CRYPTO_memcmp)                                                                               \
    X(EVP_Digest)                                                                                  \
    X(EVP_sha256)                                                                                  \
    X(RAND_bytes)

struct ep_crypto_api {
#define EP_CRYPTO_SLOT(f) __typeof__(f) *f; /* NOLINT(bugprone-macro-parentheses) */
    EP_CRYPTO_FUNCS(EP_CRYPTO_SLOT)
#undef EP_CRYPTO_SLOT
};

/* The table, loading libcrypto on the first call (thread-safe). */
const struct ep_crypto_api *ep_crypto_api(void);

#ifndef EP_CRYPTO_IMPL
#define CRYPTO_memcmp (ep_crypto_api()->CRYPTO_memcmp)
#define EVP_Digest (ep_crypto_api()->EVP_Digest)
#define EVP_sha256 (ep_crypto_api()->EVP_sha256)
#define RAND_bytes (ep_crypto_api()->RAND_bytes)
#endif

#endif
