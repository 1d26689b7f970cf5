/* libcrypto (OpenSSL 3), loaded on first use (see ep_lazy.h). Include this instead of the
 * <openssl/...> headers in the epintel libraries: libcrypto and its relocations (about 17,000)
 * cost about a tenth of the time `epintel serve` needs to answer initialize, and only the HTTP
 * transport (sessions, API keys, JWTs) and ingest (SHA-256 of the input files) use it. Tests
 * that make tokens link libcrypto directly and include <openssl/...> as usual. */
#ifndef EP_CRYPTO_H
#define EP_CRYPTO_H

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

/* OPENSSL_free(p) is a macro over CRYPTO_free(p, file, line), so CRYPTO_free is in the table. */
#define EP_CRYPTO_FUNCS(X)                                                                         \
    X(BN_bin2bn)                                                                                   \
    X(BN_free)                                                                                     \
    X(BN_num_bits)                                                                                 \
    X(CRYPTO_free)                                                                                 \
    X(CRYPTO_memcmp)                                                                               \
    X(ECDSA_SIG_free)                                                                              \
    X(ECDSA_SIG_new)                                                                               \
    X(ECDSA_SIG_set0)                                                                              \
    X(EVP_DecodeBlock)                                                                             \
    X(EVP_Digest)                                                                                  \
    X(EVP_DigestVerify)                                                                            \
    X(EVP_DigestVerifyInit)                                                                        \
    X(EVP_MD_CTX_free)                                                                             \
    X(EVP_MD_CTX_new)                                                                              \
    X(EVP_PKEY_CTX_free)                                                                           \
    X(EVP_PKEY_CTX_new_from_name)                                                                  \
    X(EVP_PKEY_free)                                                                               \
    X(EVP_PKEY_fromdata)                                                                           \
    X(EVP_PKEY_fromdata_init)                                                                      \
    X(EVP_sha256)                                                                                  \
    X(HMAC)                                                                                        \
    X(OPENSSL_cleanse)                                                                             \
    X(OSSL_PARAM_BLD_free)                                                                         \
    X(OSSL_PARAM_BLD_new)                                                                          \
    X(OSSL_PARAM_BLD_push_BN)                                                                      \
    X(OSSL_PARAM_BLD_push_octet_string)                                                            \
    X(OSSL_PARAM_BLD_push_utf8_string)                                                             \
    X(OSSL_PARAM_BLD_to_param)                                                                     \
    X(OSSL_PARAM_free)                                                                             \
    X(RAND_bytes)                                                                                  \
    X(i2d_ECDSA_SIG)

struct ep_crypto_api {
#define EP_CRYPTO_SLOT(f) __typeof__(f) *f; /* NOLINT(bugprone-macro-parentheses) */
    EP_CRYPTO_FUNCS(EP_CRYPTO_SLOT)
#undef EP_CRYPTO_SLOT
};

/* The table, loading libcrypto on the first call (thread-safe). */
const struct ep_crypto_api *ep_crypto_api(void);

#ifndef EP_CRYPTO_IMPL
#define BN_bin2bn (ep_crypto_api()->BN_bin2bn)
#define BN_free (ep_crypto_api()->BN_free)
#define BN_num_bits (ep_crypto_api()->BN_num_bits)
#define CRYPTO_free (ep_crypto_api()->CRYPTO_free)
#define CRYPTO_memcmp (ep_crypto_api()->CRYPTO_memcmp)
#define ECDSA_SIG_free (ep_crypto_api()->ECDSA_SIG_free)
#define ECDSA_SIG_new (ep_crypto_api()->ECDSA_SIG_new)
#define ECDSA_SIG_set0 (ep_crypto_api()->ECDSA_SIG_set0)
#define EVP_DecodeBlock (ep_crypto_api()->EVP_DecodeBlock)
#define EVP_Digest (ep_crypto_api()->EVP_Digest)
#define EVP_DigestVerify (ep_crypto_api()->EVP_DigestVerify)
#define EVP_DigestVerifyInit (ep_crypto_api()->EVP_DigestVerifyInit)
#define EVP_MD_CTX_free (ep_crypto_api()->EVP_MD_CTX_free)
#define EVP_MD_CTX_new (ep_crypto_api()->EVP_MD_CTX_new)
#define EVP_PKEY_CTX_free (ep_crypto_api()->EVP_PKEY_CTX_free)
#define EVP_PKEY_CTX_new_from_name (ep_crypto_api()->EVP_PKEY_CTX_new_from_name)
#define EVP_PKEY_free (ep_crypto_api()->EVP_PKEY_free)
#define EVP_PKEY_fromdata (ep_crypto_api()->EVP_PKEY_fromdata)
#define EVP_PKEY_fromdata_init (ep_crypto_api()->EVP_PKEY_fromdata_init)
#define EVP_sha256 (ep_crypto_api()->EVP_sha256)
#define HMAC (ep_crypto_api()->HMAC)
#define OPENSSL_cleanse (ep_crypto_api()->OPENSSL_cleanse)
#define OSSL_PARAM_BLD_free (ep_crypto_api()->OSSL_PARAM_BLD_free)
#define OSSL_PARAM_BLD_new (ep_crypto_api()->OSSL_PARAM_BLD_new)
#define OSSL_PARAM_BLD_push_BN (ep_crypto_api()->OSSL_PARAM_BLD_push_BN)
#define OSSL_PARAM_BLD_push_octet_string (ep_crypto_api()->OSSL_PARAM_BLD_push_octet_string)
#define OSSL_PARAM_BLD_push_utf8_string (ep_crypto_api()->OSSL_PARAM_BLD_push_utf8_string)
#define OSSL_PARAM_BLD_to_param (ep_crypto_api()->OSSL_PARAM_BLD_to_param)
#define OSSL_PARAM_free (ep_crypto_api()->OSSL_PARAM_free)
#define RAND_bytes (ep_crypto_api()->RAND_bytes)
#define i2d_ECDSA_SIG (ep_crypto_api()->i2d_ECDSA_SIG)
#endif

#endif
