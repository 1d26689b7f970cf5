/* ep_auth: JWT (RS256, ES256, HS256) and API-key authentication, roles; and the HTTP server
 * with --auth-config (401, RFC 9728 metadata, 403 by role, session binding, SIGHUP key
 * rotation, rate limit, audit file). Keys are generated here with OpenSSL. */
#include <curl/curl.h>
#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ep_auth.h"
#include "ep_testutil.h"
#include "ep_util.h"

#define RESOURCE "http://127.0.0.1:8080/mcp"
#define ISSUER "https://auth.example"

static char *dir;
static EVP_PKEY *rsa, *ec;
static unsigned char hs[32];
static char cfg_path[600];
static char extra_roles[4096]; /* more roles for write_config: ",\"name\":{...}" or "" */

static char *b64url(const unsigned char *p, size_t n)
{
    char *o = malloc(4 * (n / 3 + 2) + 1);
    int l = EVP_EncodeBlock((unsigned char *)o, p, (int)n);
    while (l > 0 && o[l - 1] == '=')
        l--;
    o[l] = 0;
    for (char *c = o; *c; c++)
        *c = *c == '+' ? '-' : *c == '/' ? '_' : *c;
    return o;
}

static char *bn_b64(EVP_PKEY *pk, const char *name, int pad)
{
    BIGNUM *bn = NULL;
    assert_int_equal(EVP_PKEY_get_bn_param(pk, name, &bn), 1);
    unsigned char buf[512];
    int n = pad ? BN_bn2binpad(bn, buf, pad) : BN_bn2bin(bn, buf);
    BN_free(bn);
    return b64url(buf, (size_t)n);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Config with the given api_keys array (JSON text). */
static void write_config(const char *api_keys)
{
    char text[16384];
    snprintf(
        text, sizeof text,
        "{\"resource\":\"%s\",\"authorization_servers\":[\"%s\"],\"issuer\":\"%s\","
        "\"jwks_file\":\"jwks.json\",\"roles\":{\"viewer\":{\"scope\":\"epintel:viewer\","
        "\"tools\":[\"get_meps\",\"test_simple_text\"]},\"analyst\":{\"scope\":"
        "\"epintel:analyst\",\"tools\":[\"*\"]},\"metered\":{\"scope\":\"epintel:metered\","
        "\"tools\":[\"get_meps\",\"test_simple_text\"],\"daily_quota\":3},"
        "\"streamer\":{\"scope\":\"epintel:streamer\",\"tools\":[\"test_tool_with_logging\"]}%s},"
        "\"api_keys\":%s}",
        RESOURCE, ISSUER, ISSUER, extra_roles, api_keys);
    write_file(cfg_path, text);
}

static char *key_entry(const char *id, const char *key, const char *role, int revoked)
{
    char d[65], *o = NULL;
    ep_auth_key_digest(key, d);
    if (asprintf(&o, "{\"id\":\"%s\",\"sha256\":\"%s\",\"role\":\"%s\",\"revoked\":%s}", id, d,
                 role, revoked ? "true" : "false") < 0)
        o = NULL;
    return o;
}

static void write_keys(const char *a, const char *b)
{
    char arr[2048];
    snprintf(arr, sizeof arr, "[%s%s%s]", a, b ? "," : "", b ? b : "");
    write_config(arr);
}

static int setup(void **state)
{
    (void)state;
    dir = ep_test_tmpdir();
    rsa = EVP_RSA_gen(2048);
    ec = EVP_EC_gen("P-256");
    if (!rsa || !ec || RAND_bytes(hs, sizeof hs) != 1)
        return -1;
    char *n = bn_b64(rsa, OSSL_PKEY_PARAM_RSA_N, 0), *e = bn_b64(rsa, OSSL_PKEY_PARAM_RSA_E, 0);
    char *x = bn_b64(ec, OSSL_PKEY_PARAM_EC_PUB_X, 32),
         *y = bn_b64(ec, OSSL_PKEY_PARAM_EC_PUB_Y, 32);
    char *k = b64url(hs, sizeof hs);
    char jwks[4096], path[600];
    snprintf(jwks, sizeof jwks,
             "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"r1\",\"alg\":\"RS256\",\"n\":\"%s\",\"e\":"
             "\"%s\"},{\"kty\":\"EC\",\"kid\":\"e1\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"},"
             "{\"kty\":\"oct\",\"kid\":\"h1\",\"k\":\"%s\"}]}",
             n, e, x, y, k);
    free(n);
    free(e);
    free(x);
    free(y);
    free(k);
    snprintf(path, sizeof path, "%s/jwks.json", dir);
    write_file(path, jwks);
    snprintf(cfg_path, sizeof cfg_path, "%s/auth.json", dir);
    char *v = key_entry("viewer", "viewer-secret-1", "viewer", 0);
    char *o = key_entry("old", "old-secret", "analyst", 1);
    write_keys(v, o);
    free(v);
    free(o);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    EVP_PKEY_free(rsa);
    EVP_PKEY_free(ec);
    ep_test_system("rm -rf '%s'", dir);
    free(dir);
    return 0;
}

/* A signed JWT: alg RS256/ES256/HS256/none; claims JSON text. hskey: HMAC key override. */
static char *jwt(const char *alg, const char *kid, const char *claims, const unsigned char *hskey,
                 size_t hslen)
{
    char hdr[128];
    snprintf(hdr, sizeof hdr, "{\"alg\":\"%s\",\"typ\":\"JWT\"%s%s%s}", alg,
             kid ? ",\"kid\":\"" : "", kid ? kid : "", kid ? "\"" : "");
    char *h = b64url((const unsigned char *)hdr, strlen(hdr));
    char *p = b64url((const unsigned char *)claims, strlen(claims));
    char *input = NULL;
    assert_true(asprintf(&input, "%s.%s", h, p) > 0);
    free(h);
    free(p);
    unsigned char sig[512];
    size_t sl = 0;
    if (strcmp(alg, "HS256") == 0) {
        unsigned int l = 0;
        HMAC(EVP_sha256(), hskey ? hskey : hs, (int)(hskey ? hslen : sizeof hs),
             (unsigned char *)input, strlen(input), sig, &l);
        sl = l;
    } else if (strcmp(alg, "RS256") == 0 || strcmp(alg, "ES256") == 0) {
        EVP_PKEY *pk = alg[0] == 'R' ? rsa : ec;
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        unsigned char der[512];
        size_t dl = sizeof der;
        assert_int_equal(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, pk), 1);
        assert_int_equal(EVP_DigestSign(ctx, der, &dl, (unsigned char *)input, strlen(input)), 1);
        EVP_MD_CTX_free(ctx);
        if (alg[0] == 'R') {
            memcpy(sig, der, dl);
            sl = dl;
        } else {
            const unsigned char *q = der;
            ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &q, (long)dl);
            assert_non_null(es);
            BN_bn2binpad(ECDSA_SIG_get0_r(es), sig, 32);
            BN_bn2binpad(ECDSA_SIG_get0_s(es), sig + 32, 32);
            ECDSA_SIG_free(es);
            sl = 64;
        }
    }
    char *s = b64url(sig, sl);
    char *out = NULL;
    assert_true(asprintf(&out, "Bearer %s.%s", input, s) > 0);
    free(s);
    free(input);
    return out;
}

static char *claims(long exp_off, long nbf_off, const char *iss, const char *aud, const char *scope)
{
    char *o = NULL;
    long now = (long)time(NULL);
    assert_true(asprintf(&o,
                         "{\"iss\":\"%s\",\"sub\":\"alice\",\"aud\":\"%s\",\"exp\":%ld,\"nbf\":%ld,"
                         "\"scope\":\"%s\"}",
                         iss, aud, now + exp_off, now + nbf_off, scope) > 0);
    return o;
}

static int check(struct ep_auth *a, const char *authz, struct ep_auth_principal *p,
                 const char *want_msg)
{
    struct ep_error e = {0};
    int rc = ep_auth_authenticate(a, authz, time(NULL), p, &e);
    if (want_msg) {
        assert_int_not_equal(rc, 0);
        if (!strstr(e.msg, want_msg))
            fail_msg("expected \"%s\", got \"%s\"", want_msg, e.msg);
    }
    return rc;
}

static struct ep_auth *load(void)
{
    struct ep_auth *a = NULL;
    struct ep_error e = {0};
    if (ep_auth_load(cfg_path, &a, &e))
        fail_msg("%s", e.msg);
    return a;
}

static void test_jwt_valid(void **state)
{
    (void)state;
    struct ep_auth *a = load();
    const char *algs[] = {"RS256", "ES256", "HS256"};
    const char *kids[] = {"r1", "e1", "h1"};
    char *c = claims(600, -10, ISSUER, RESOURCE, "openid epintel:viewer");
    for (int i = 0; i < 3; i++) {
        struct ep_auth_principal p;
        char *t = jwt(algs[i], kids[i], c, NULL, 0);
        assert_int_equal(check(a, t, &p, NULL), 0);
        assert_string_equal(p.kind, "jwt");
        assert_string_equal(p.role_names, "viewer");
        assert_true(ep_auth_tool_allowed(a, &p, "get_meps"));
        assert_false(ep_auth_tool_allowed(a, &p, "generate_report"));
        free(t);
    }
    /* no kid: the key is found by type */
    char *t = jwt("ES256", NULL, c, NULL, 0);
    struct ep_auth_principal p;
    assert_int_equal(check(a, t, &p, NULL), 0);
    free(t);
    free(c);
    /* aud as an array; analyst scope allows everything */
    c = NULL;
    assert_true(asprintf(&c,
                         "{\"iss\":\"%s\",\"sub\":\"bob\",\"aud\":[\"x\",\"%s\"],\"exp\":%ld,"
                         "\"scp\":[\"epintel:analyst\"]}",
                         ISSUER, RESOURCE, (long)time(NULL) + 60) > 0);
    t = jwt("RS256", "r1", c, NULL, 0);
    assert_int_equal(check(a, t, &p, NULL), 0);
    assert_true(ep_auth_tool_allowed(a, &p, "generate_report"));
    free(t);
    free(c);
    ep_auth_free(a);
}

static void test_jwt_rejected(void **state)
{
    (void)state;
    struct ep_auth *a = load();
    struct ep_auth_principal p;
    char *c, *t;
    c = claims(-3600, -7200, ISSUER, RESOURCE, "epintel:viewer"); /* expired */
    t = jwt("RS256", "r1", c, NULL, 0);
    check(a, t, &p, "expired");
    free(t);
    free(c);
    c = claims(7200, 3600, ISSUER, RESOURCE, "epintel:viewer"); /* not yet valid */
    t = jwt("ES256", "e1", c, NULL, 0);
    check(a, t, &p, "not yet valid");
    free(t);
    free(c);
    c = claims(600, 0, ISSUER, "http://other/mcp", "epintel:viewer");
    t = jwt("HS256", "h1", c, NULL, 0);
    check(a, t, &p, "wrong audience");
    free(t);
    free(c);
    c = claims(600, 0, "https://evil.example", RESOURCE, "epintel:viewer");
    t = jwt("RS256", "r1", c, NULL, 0);
    check(a, t, &p, "wrong issuer");
    free(t);
    free(c);
    c = claims(600, 0, ISSUER, RESOURCE, "epintel:viewer");
    /* bad signature: one character of the signature changed */
    t = jwt("RS256", "r1", c, NULL, 0);
    size_t n = strlen(t);
    t[n - 5] = t[n - 5] == 'A' ? 'B' : 'A';
    check(a, t, &p, "bad signature");
    free(t);
    t = jwt("ES256", "e1", c, NULL, 0);
    n = strlen(t);
    t[n - 3] = t[n - 3] == 'A' ? 'B' : 'A';
    check(a, t, &p, "bad signature");
    free(t);
    /* alg none */
    t = jwt("none", NULL, c, NULL, 0);
    check(a, t, &p, "unsupported algorithm");
    free(t);
    /* HS/RS confusion: HS256 keyed with the RSA key's public modulus, naming the RSA kid */
    unsigned char mod[512];
    BIGNUM *bn = NULL;
    EVP_PKEY_get_bn_param(rsa, OSSL_PKEY_PARAM_RSA_N, &bn);
    int ml = BN_bn2bin(bn, mod);
    BN_free(bn);
    t = jwt("HS256", "r1", c, mod, (size_t)ml);
    check(a, t, &p, "no HS256 key");
    free(t);
    t = jwt("HS256", NULL, c, mod, (size_t)ml); /* falls on the oct key: signature fails */
    check(a, t, &p, "bad signature");
    free(t);
    free(c);
    /* missing scope: authenticated, no role, no tool */
    c = claims(600, 0, ISSUER, RESOURCE, "openid profile");
    t = jwt("RS256", "r1", c, NULL, 0);
    assert_int_equal(check(a, t, &p, NULL), 0);
    assert_int_equal(p.roles, 0);
    assert_false(ep_auth_tool_allowed(a, &p, "get_meps"));
    free(t);
    free(c);
    /* no subject: names no principal */
    assert_true(asprintf(&c,
                         "{\"iss\":\"%s\",\"aud\":\"%s\",\"exp\":%ld,\"scope\":\"epintel:viewer\"}",
                         ISSUER, RESOURCE, (long)time(NULL) + 600) > 0);
    t = jwt("RS256", "r1", c, NULL, 0);
    check(a, t, &p, "no subject (sub)");
    free(t);
    free(c);
    /* exp or nbf that is not a number is malformed, not "expired" */
    assert_true(asprintf(&c, "{\"iss\":\"%s\",\"sub\":\"a\",\"aud\":\"%s\",\"exp\":\"%ld\"}",
                         ISSUER, RESOURCE, (long)time(NULL) + 600) > 0);
    t = jwt("RS256", "r1", c, NULL, 0);
    check(a, t, &p, "malformed token: exp must be a number");
    free(t);
    free(c);
    assert_true(asprintf(&c,
                         "{\"iss\":\"%s\",\"sub\":\"a\",\"aud\":\"%s\",\"exp\":%ld,\"nbf\":\"0\"}",
                         ISSUER, RESOURCE, (long)time(NULL) + 600) > 0);
    t = jwt("RS256", "r1", c, NULL, 0);
    check(a, t, &p, "malformed token: nbf must be a number");
    free(t);
    free(c);
    /* malformed headers */
    check(a, NULL, &p, "missing credentials");
    check(a, "Basic dXNlcjpwdw==", &p, "malformed Authorization");
    check(a, "Bearer ", &p, "malformed");
    check(a, "Bearer a.b", &p, "malformed token");
    check(a, "Bearer a.b.c.d", &p, "malformed token");
    check(a, "Bearer !!!.@@@.###", &p, "malformed token");
    check(a, "Bearer eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln", &p, "malformed token");
    ep_auth_free(a);
}

/* Two subjects that share their first 60 (or 200) characters are two principals; a long one
 * is kept apart by its digest; the same subject is the same principal. */
static void test_jwt_identity(void **state)
{
    (void)state;
    struct ep_auth *a = load();
    char sub[4][260];
    memset(sub[0], 'x', 60);
    strcpy(sub[0] + 60, "-alice");
    memset(sub[1], 'x', 60);
    strcpy(sub[1] + 60, "-bob");
    memset(sub[2], 'y', 200);
    strcpy(sub[2] + 200, "-alice");
    memset(sub[3], 'y', 200);
    strcpy(sub[3] + 200, "-bob");
    char ids[5][128];
    for (int i = 0; i < 5; i++) {
        char *c = NULL;
        assert_true(asprintf(&c, "{\"iss\":\"%s\",\"sub\":\"%s\",\"aud\":\"%s\",\"exp\":%ld}",
                             ISSUER, sub[i % 4], RESOURCE, (long)time(NULL) + 600) > 0);
        char *t = jwt("ES256", "e1", c, NULL, 0);
        struct ep_auth_principal p;
        assert_int_equal(check(a, t, &p, NULL), 0);
        snprintf(ids[i], sizeof ids[i], "%s", p.id);
        free(t);
        free(c);
    }
    assert_non_null(strstr(ids[0], "-alice")); /* short enough: readable, whole */
    assert_non_null(strstr(ids[1], "-bob"));
    assert_string_not_equal(ids[0], ids[1]);
    assert_memory_equal(ids[2], "jwt#", 4); /* too long: the digest */
    assert_int_equal(strlen(ids[2]), 4 + 64);
    assert_string_not_equal(ids[2], ids[3]);
    assert_string_equal(ids[4], ids[0]); /* the same subject again: the same principal */
    ep_auth_free(a);
}

static void test_api_keys(void **state)
{
    (void)state;
    struct ep_auth *a = load();
    struct ep_auth_principal p;
    assert_int_equal(check(a, "Bearer viewer-secret-1", &p, NULL), 0);
    assert_string_equal(p.id, "key:viewer");
    assert_string_equal(p.role_names, "viewer");
    check(a, "Bearer old-secret", &p, "revoked");
    check(a, "Bearer nope", &p, "unknown API key");
    ep_auth_free(a);
    /* rotation: a new config revokes the viewer key and adds a new one */
    char *v = key_entry("viewer", "viewer-secret-1", "viewer", 1);
    char *n = key_entry("viewer2", "viewer-secret-2", "viewer", 0);
    write_keys(v, n);
    a = load();
    check(a, "Bearer viewer-secret-1", &p, "revoked");
    assert_int_equal(check(a, "Bearer viewer-secret-2", &p, NULL), 0);
    ep_auth_free(a);
    /* the key itself in the config is refused */
    write_config("[{\"id\":\"x\",\"sha256\":\"viewer-secret-1\",\"role\":\"viewer\"}]");
    struct ep_error e = {0};
    assert_int_equal(ep_auth_load(cfg_path, &a, &e), EP_EINVAL);
    assert_non_null(strstr(e.msg, "sha256"));
    free(v);
    free(n);
    v = key_entry("viewer", "viewer-secret-1", "viewer", 0);
    write_keys(v, NULL);
    free(v);
}

/* ------------------------------------------------------------------- HTTP */

struct resp {
    long status;
    char www[600];
    char retry[16];
    struct ep_buf body;
};

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    struct resp *r = ud;
    return ep_buf_append(&r->body, p, sz * n) ? 0 : sz * n;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
    struct resp *r = ud;
    size_t len = sz * n;
    const char *names[] = {"WWW-Authenticate:", "Retry-After:"};
    char *outs[] = {r->www, r->retry};
    size_t caps[] = {sizeof r->www, sizeof r->retry};
    for (int i = 0; i < 2; i++) {
        size_t k = strlen(names[i]);
        if (len > k && strncasecmp(p, names[i], k) == 0) {
            size_t m = len - k;
            const char *v = p + k;
            while (m && *v == ' ')
                v++, m--;
            while (m && (v[m - 1] == '\r' || v[m - 1] == '\n'))
                m--;
            if (m >= caps[i])
                m = caps[i] - 1;
            memcpy(outs[i], v, m);
            outs[i][m] = 0;
        }
    }
    return len;
}

static int port;

static void http(const char *method, const char *path, const char *authz, const char *sid,
                 const char *body, struct resp *r)
{
    memset(r, 0, sizeof *r);
    ep_buf_init(&r->body, 0);
    CURL *c = curl_easy_init();
    char url[128], ah[512], sh[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    h = curl_slist_append(h, "Accept: application/json, text/event-stream");
    if (authz) {
        snprintf(ah, sizeof ah, "Authorization: %s", authz);
        h = curl_slist_append(h, ah);
    }
    if (sid) {
        snprintf(sh, sizeof sh, "Mcp-Session-Id: %s", sid);
        h = curl_slist_append(h, sh);
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (body)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
}

static char sid_buf[80];

static size_t on_sid(char *p, size_t sz, size_t n, void *ud)
{
    (void)ud;
    size_t len = sz * n;
    if (len > 16 && strncasecmp(p, "Mcp-Session-Id: ", 16) == 0) {
        size_t m = len - 16;
        while (m && (p[16 + m - 1] == '\r' || p[16 + m - 1] == '\n'))
            m--;
        if (m < sizeof sid_buf) {
            memcpy(sid_buf, p + 16, m);
            sid_buf[m] = 0;
        }
    }
    return len;
}

static const char *init_session_v(const char *authz, const char *version);
static const char *init_session(const char *authz)
{
    return init_session_v(authz, "2025-11-25");
}

static const char *init_session_v(const char *authz, const char *version)
{
    sid_buf[0] = 0;
    CURL *c = curl_easy_init();
    char url[128], ah[512];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/mcp", port);
    snprintf(ah, sizeof ah, "Authorization: %s", authz);
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    h = curl_slist_append(h, "Accept: application/json, text/event-stream");
    h = curl_slist_append(h, ah);
    struct resp r;
    memset(&r, 0, sizeof r);
    ep_buf_init(&r.body, 0);
    char body[256];
    snprintf(body, sizeof body,
             "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
             "\"protocolVersion\":\"%s\",\"capabilities\":{},\"clientInfo\":{"
             "\"name\":\"t\",\"version\":\"1\"}}}",
             version);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_sid);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    ep_buf_free(&r.body);
    assert_int_equal(strlen(sid_buf), 32);
    return sid_buf;
}

static void test_http_auth(void **state)
{
    (void)state;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    char db[700], pf[700], audit[700];
    snprintf(db, sizeof db, "%s/store.db", dir);
    snprintf(pf, sizeof pf, "%s/port", dir);
    snprintf(audit, sizeof audit, "%s/audit.log", dir);
    assert_int_equal(ep_test_system("'%s' --quiet --db '%s' info >/dev/null 2>&1", EP_TEST_BIN, db),
                     0);
    /* no authentication on a non-loopback address: refused at start */
    assert_int_not_equal(
        ep_test_system("'%s' --db '%s' serve --http 0.0.0.0:0 2>/dev/null", EP_TEST_BIN, db), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        execl(EP_TEST_BIN, "epintel", "--db", db, "serve", "--http", "127.0.0.1:0", "--port-file",
              pf, "--auth-config", cfg_path, "--audit-file", audit, "--rate-per-minute", "25",
              "--conformance-fixtures", (char *)NULL);
        _exit(127);
    }
    port = ep_test_wait_port_file(pf, pid, 200); /* at most 20 s */
    assert_true(port > 0);
    struct resp r;
    const char *ping = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}";
    http("POST", "/mcp", NULL, NULL, ping, &r);
    assert_int_equal(r.status, 401);
    assert_non_null(strstr(r.www, "Bearer resource_metadata=\"http://127.0.0.1:8080/.well-known/"
                                  "oauth-protected-resource\""));
    ep_buf_free(&r.body);
    http("POST", "/mcp", "Bearer wrong-key", NULL, ping, &r);
    assert_int_equal(r.status, 401);
    assert_non_null(strstr(r.www, "invalid_token"));
    ep_buf_free(&r.body);
    http("GET", "/.well-known/oauth-protected-resource", NULL, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    json_t *m = json_loadb(r.body.data, r.body.len, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(m, "resource")), RESOURCE);
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(m, "authorization_servers"), 0)), ISSUER);
    json_decref(m);
    ep_buf_free(&r.body);

    char sid[80];
    snprintf(sid, sizeof sid, "%s", init_session("Bearer viewer-secret-1"));
    http("POST", "/mcp", "Bearer viewer-secret-1", sid,
         "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":"
         "\"generate_report\",\"arguments\":{\"kind\":\"mep\",\"id\":\"840\"}}}",
         &r);
    assert_int_equal(r.status, 403);
    assert_non_null(strstr(r.www, "insufficient_scope"));
    ep_buf_free(&r.body);
    http("POST", "/mcp", "Bearer viewer-secret-1", sid,
         "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":"
         "\"test_simple_text\"}}",
         &r);
    assert_int_equal(r.status, 200);
    ep_buf_free(&r.body);
    /* a JWT principal cannot use the API-key principal's session */
    char *c = claims(600, 0, ISSUER, RESOURCE, "epintel:analyst");
    char *t = jwt("ES256", "e1", c, NULL, 0);
    http("POST", "/mcp", t, sid, ping, &r);
    assert_int_equal(r.status, 404);
    ep_buf_free(&r.body);
    free(c);

    /* rotation with SIGHUP: the old key stops working, the new one works */
    char *v = key_entry("viewer", "viewer-secret-1", "viewer", 1);
    char *n = key_entry("viewer2", "viewer-secret-2", "viewer", 0);
    write_keys(v, n);
    free(v);
    free(n);
    kill(pid, SIGHUP);
    int rotated = 0;
    for (int i = 0; i < 30 && !rotated; i++) { /* at most 3 s */
        usleep(100000);
        http("POST", "/mcp", "Bearer viewer-secret-1", sid, ping, &r);
        rotated = r.status == 401;
        ep_buf_free(&r.body);
    }
    assert_true(rotated);
    snprintf(sid, sizeof sid, "%s", init_session("Bearer viewer-secret-2"));

    /* rate limit: 25 per minute for this principal */
    int limited = 0;
    for (int i = 0; i < 40 && !limited; i++) {
        http("POST", "/mcp", "Bearer viewer-secret-2", sid, ping, &r);
        limited = r.status == 429;
        ep_buf_free(&r.body);
    }
    assert_true(limited);
    assert_true(strtol(r.retry, NULL, 10) >= 1);
    /* other principals are not affected */
    http("POST", "/mcp", t, NULL,
         "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
         "\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{"
         "\"name\":\"t\",\"version\":\"1\"}}}",
         &r);
    assert_int_equal(r.status, 200);
    ep_buf_free(&r.body);
    free(t);

    kill(pid, SIGTERM);
    int st = -1;
    for (int i = 0; i < 150 && waitpid(pid, &st, WNOHANG) != pid; i++)
        usleep(100000);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);

    /* audit: 0600, one JSON line per request, principals named, secrets absent */
    struct stat sb;
    assert_int_equal(stat(audit, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    struct ep_buf log;
    ep_buf_init(&log, 0);
    struct ep_error e = {0};
    assert_int_equal(ep_read_file(audit, 0, &log, &e), 0);
    assert_non_null(strstr(log.data, "\"principal\":\"key:viewer\""));
    assert_non_null(strstr(log.data, "\"principal\":\"jwt:" ISSUER "|alice\""));
    assert_non_null(strstr(log.data, "\"tool\":\"generate_report\""));
    assert_non_null(strstr(log.data, "\"status\":403"));
    assert_null(strstr(log.data, "viewer-secret"));
    assert_null(strstr(log.data, "\"840\""));
    int lines = 0;
    for (const char *q = log.data; (q = strchr(q, '\n')); q++) {
        lines++;
    }
    assert_true(lines >= 10);
    ep_buf_free(&log);
    curl_global_cleanup();
}

/* ------------------------------------------------------------ quotas, tools/list */

static pid_t start_server(const char *db, const char *pf)
{
    unlink(pf);
    port = 0;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        execl(EP_TEST_BIN, "epintel", "--db", db, "serve", "--http", "127.0.0.1:0", "--port-file",
              pf, "--auth-config", cfg_path, "--conformance-fixtures", (char *)NULL);
        _exit(127);
    }
    port = ep_test_wait_port_file(pf, pid, 200); /* at most 20 s */
    assert_true(port > 0);
    return pid;
}

static void stop_server(pid_t pid, int sig)
{
    kill(pid, sig);
    int st = -1;
    for (int i = 0; i < 150 && waitpid(pid, &st, WNOHANG) != pid; i++)
        usleep(100000);
    if (sig == SIGTERM)
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    else
        assert_true(WIFSIGNALED(st));
}

static const char call_simple[] = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\","
                                  "\"params\":{\"name\":\"test_simple_text\"}}";
static const char list_tools[] = "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"tools/list\"}";

static long call_status(const char *authz, const char *sid, struct resp *r)
{
    http("POST", "/mcp", authz, sid, call_simple, r);
    return r->status;
}

static long stored_day(const char *db, const char *principal, const char *day);

/* The stored count of principal (for any day: the tests below run within one day). */
static long stored_used(const char *db, const char *principal)
{
    return stored_day(db, principal, NULL);
}

static void test_http_quota(void **state)
{
    (void)state;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    char db[700], pf[700];
    snprintf(db, sizeof db, "%s/quota.db", dir);
    snprintf(pf, sizeof pf, "%s/port.q", dir);
    assert_int_equal(ep_test_system("'%s' --quiet --db '%s' info >/dev/null 2>&1", EP_TEST_BIN, db),
                     0);
    char *m = key_entry("meter", "metered-secret", "metered", 0);
    char *v = key_entry("viewer", "viewer-secret-1", "viewer", 0);
    write_keys(m, v);
    free(m);
    free(v);
    const char *mk = "Bearer metered-secret", *vk = "Bearer viewer-secret-1";
    pid_t pid = start_server(db, pf);
    struct resp r;
    char sid[80];
    snprintf(sid, sizeof sid, "%s", init_session(mk));
    /* exactly at the limit passes; tools/list and initialize are not charged */
    for (int i = 0; i < 3; i++) {
        assert_int_equal(call_status(mk, sid, &r), 200);
        ep_buf_free(&r.body);
        http("POST", "/mcp", mk, sid, list_tools, &r);
        assert_int_equal(r.status, 200);
        ep_buf_free(&r.body);
    }
    /* one over: 429, Retry-After = seconds to the next UTC day, a body naming the quota */
    assert_int_equal(call_status(mk, sid, &r), 429);
    long now = (long)time(NULL), want = 86400 - now % 86400, got = strtol(r.retry, NULL, 10);
    assert_true(got >= 1 && labs(got - want) <= 5);
    json_t *b = json_loadb(r.body.data, r.body.len, 0, NULL);
    json_t *data = json_object_get(json_object_get(b, "error"), "data");
    assert_string_equal(json_string_value(json_object_get(data, "quota")), "daily_quota");
    assert_string_equal(json_string_value(json_object_get(data, "role")), "metered");
    assert_int_equal(json_integer_value(json_object_get(data, "limit")), 3);
    assert_int_equal(json_integer_value(json_object_get(b, "id")), 7);
    json_decref(b);
    ep_buf_free(&r.body);
    /* a role without a quota is not limited */
    char vsid[80];
    snprintf(vsid, sizeof vsid, "%s", init_session(vk));
    for (int i = 0; i < 5; i++) {
        assert_int_equal(call_status(vk, vsid, &r), 200);
        ep_buf_free(&r.body);
    }
    stop_server(pid, SIGTERM);
    assert_int_equal(stored_used(db, "key:meter"), 3);

    /* after a restart on the same store the quota is still spent */
    pid = start_server(db, pf);
    snprintf(sid, sizeof sid, "%s", init_session(mk));
    assert_int_equal(call_status(mk, sid, &r), 429);
    ep_buf_free(&r.body);

    /* a crash loses at most the last second: raise the quota, spend 2, wait, SIGKILL */
    {
        char text[8192];
        char *m2 = key_entry("meter", "metered-secret", "metered", 0);
        char arr[1024];
        snprintf(arr, sizeof arr, "[%s]", m2);
        free(m2);
        write_config(arr);
        struct ep_buf cfg;
        ep_buf_init(&cfg, 0);
        struct ep_error e = {0};
        assert_int_equal(ep_read_file(cfg_path, 0, &cfg, &e), 0);
        char *q = strstr(cfg.data, "\"daily_quota\":3");
        assert_non_null(q);
        snprintf(text, sizeof text, "%.*s\"daily_quota\":5%s", (int)(q - cfg.data), cfg.data,
                 q + strlen("\"daily_quota\":3"));
        ep_buf_free(&cfg);
        write_file(cfg_path, text);
    }
    kill(pid, SIGHUP);
    int ok = 0;
    for (int i = 0; i < 30 && !ok; i++) { /* at most 3 s */
        usleep(100000);
        ok = call_status(mk, sid, &r) == 200;
        ep_buf_free(&r.body);
    }
    assert_true(ok);
    assert_int_equal(call_status(mk, sid, &r), 200);
    ep_buf_free(&r.body);
    usleep(2500000); /* > the 1 s flush period */
    stop_server(pid, SIGKILL);
    assert_int_equal(stored_used(db, "key:meter"), 5);
    pid = start_server(db, pf);
    snprintf(sid, sizeof sid, "%s", init_session(mk));
    assert_int_equal(call_status(mk, sid, &r), 429);
    ep_buf_free(&r.body);
    stop_server(pid, SIGTERM);
    curl_global_cleanup();
}

/* The stored count of principal for day (NULL = any day), -1 if none. */
static long stored_day(const char *db, const char *principal, const char *day)
{
    sqlite3 *d = NULL;
    sqlite3_stmt *st = NULL;
    long used = -1;
    assert_int_equal(sqlite3_open_v2(db, &d, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(
                         d,
                         "SELECT used FROM quota WHERE principal = ?1 AND (?2 IS NULL OR day = ?2)",
                         -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(st, 1, principal, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, day, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        used = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(d);
    return used;
}

/* Daily quotas roll over at the UTC day boundary (the clock is a parameter: no sleeping): a
 * principal at its limit one second before midnight is refused, and admitted again at
 * midnight with a fresh count; both days' counts are stored, and survive a reopen. */
static void test_quota_day_rollover(void **state)
{
    (void)state;
    char db[700];
    snprintf(db, sizeof db, "%s/rollover.db", dir);
    sqlite3 *d = NULL;
    assert_int_equal(sqlite3_open(db, &d), SQLITE_OK); /* an empty store file */
    sqlite3_close(d);
    struct tm tm = {.tm_year = 2026 - 1900,
                    .tm_mon = 10,
                    .tm_mday = 27,
                    .tm_hour = 23,
                    .tm_min = 59,
                    .tm_sec = 58};
    const time_t eve = timegm(&tm); /* 2026-11-27 23:59:58 UTC */
    struct ep_quota *q = NULL;
    struct ep_error err = {0};
    assert_int_equal(ep_quota_open(db, eve, &q, &err), 0);
    long used = -1;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(ep_quota_charge(q, "key:a", 3, 1, eve, &used), 0);
        assert_int_equal(used, i);
    }
    assert_int_equal(ep_quota_charge(q, "key:a", 3, 1, eve + 1, &used), 1); /* 23:59:59 */
    assert_int_equal(used, 3);
    assert_int_equal(ep_quota_reset_in(eve + 1), 1);
    assert_int_equal(ep_quota_charge(q, "key:b", 3, 2, eve + 1, &used), 0); /* another one */
    /* midnight: a new day, a new count */
    assert_int_equal(ep_quota_reset_in(eve + 2), 86400);
    assert_int_equal(ep_quota_charge(q, "key:a", 3, 1, eve + 2, &used), 0);
    assert_int_equal(used, 0);
    /* a batch larger than what is left is refused whole */
    assert_int_equal(ep_quota_charge(q, "key:a", 3, 3, eve + 3, &used), 1);
    assert_int_equal(used, 1);
    ep_quota_flush(q);
    assert_int_equal(stored_day(db, "key:a", "2026-11-27"), 3);
    assert_int_equal(stored_day(db, "key:a", "2026-11-28"), 1);
    assert_int_equal(stored_day(db, "key:b", "2026-11-27"), 2);
    ep_quota_close(q);
    /* reopened later that day: the count goes on from the store */
    assert_int_equal(ep_quota_open(db, eve + 3600, &q, &err), 0);
    assert_int_equal(ep_quota_charge(q, "key:a", 3, 2, eve + 3600, &used), 0);
    assert_int_equal(used, 1);
    assert_int_equal(ep_quota_charge(q, "key:a", 3, 1, eve + 3601, &used), 1);
    /* key:b's new day starts empty although yesterday's count is in the store */
    assert_int_equal(ep_quota_charge(q, "key:b", 3, 3, eve + 3601, &used), 0);
    assert_int_equal(used, 0);
    ep_quota_close(q);
    assert_int_equal(stored_day(db, "key:a", "2026-11-28"), 3);
    /* 32 days on, opening deletes rows older than 31 days */
    assert_int_equal(ep_quota_open(db, eve + 32 * 86400, &q, &err), 0);
    ep_quota_close(q);
    assert_int_equal(stored_day(db, "key:a", "2026-11-27"), -1);
    assert_int_equal(stored_day(db, "key:a", "2026-11-28"), 3);
    /* a store that cannot be opened read-write is an error naming it */
    char bad[720];
    snprintf(bad, sizeof bad, "%s/no/such/dir.db", dir);
    assert_int_equal(ep_quota_open(bad, eve, &q, &err), EP_EDB);
    assert_null(q);
    assert_non_null(strstr(err.msg, bad));
}

/* Every page of tools/list for key on session sid: the names in order (appended to names),
 * every page but the last with exactly 50 tools (the page size), no name twice. Returns the
 * number of pages. */
static int list_pages(const char *key, const char *sid, json_t *names)
{
    char cursor[256] = "";
    int pages = 0;
    do {
        char req[512];
        if (*cursor)
            snprintf(req, sizeof req,
                     "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"tools/list\","
                     "\"params\":{\"cursor\":\"%s\"}}",
                     cursor);
        struct resp r;
        http("POST", "/mcp", key, sid, *cursor ? req : list_tools, &r);
        assert_int_equal(r.status, 200);
        json_t *b = json_loadb(r.body.data, r.body.len, 0, NULL);
        json_t *res = json_object_get(b, "result");
        json_t *tools = json_object_get(res, "tools");
        const char *next = json_string_value(json_object_get(res, "nextCursor"));
        assert_true(json_is_array(tools));
        if (next)
            assert_int_equal(json_array_size(tools), 50);
        size_t i;
        json_t *t;
        json_array_foreach(tools, i, t)
        {
            const char *n = json_string_value(json_object_get(t, "name"));
            size_t k;
            json_t *seen;
            json_array_foreach(names, k, seen) assert_string_not_equal(json_string_value(seen), n);
            json_array_append_new(names, json_string(n));
        }
        snprintf(cursor, sizeof cursor, "%s", next ? next : "");
        json_decref(b);
        ep_buf_free(&r.body);
        pages++;
    } while (*cursor);
    return pages;
}

/* tools/list shows a principal only the tools its roles may call, paged over those tools:
 * every page but the last is full, the cursors walk them all once */
static void test_http_tools_list(void **state)
{
    (void)state;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    char db[700], pf[700];
    snprintf(db, sizeof db, "%s/list.db", dir);
    snprintf(pf, sizeof pf, "%s/port.l", dir);
    assert_int_equal(ep_test_system("'%s' --quiet --db '%s' info >/dev/null 2>&1", EP_TEST_BIN, db),
                     0);
    /* the tool table in order (the server adds the conformance fixtures after it); role
     * "most" may call all of it but every 4th of the first 48: more than one page of tools,
     * with the hidden ones inside the first 50 */
    char cmd[800];
    snprintf(cmd, sizeof cmd, "'%s' tools --json", EP_TEST_BIN);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    json_t *table = json_loadf(p, 0, NULL);
    assert_int_equal(pclose(p), 0);
    assert_true(json_array_size(table) > 60);
    json_t *most = json_array();
    struct ep_buf roles;
    ep_buf_init(&roles, 0);
    assert_int_equal(ep_buf_printf(&roles, ",\"most\":{\"scope\":\"epintel:most\",\"tools\":["), 0);
    for (size_t i = 0; i < json_array_size(table); i++) {
        const char *n = json_string_value(json_object_get(json_array_get(table, i), "name"));
        if (i < 48 && i % 4 == 0)
            continue;
        assert_int_equal(ep_buf_printf(&roles, "%s\"%s\"", json_array_size(most) ? "," : "", n), 0);
        json_array_append_new(most, json_string(n));
    }
    assert_int_equal(ep_buf_printf(&roles, "]}"), 0);
    assert_true(roles.len < sizeof extra_roles);
    memcpy(extra_roles, roles.data, roles.len);
    extra_roles[roles.len] = 0;
    ep_buf_free(&roles);

    char *a = key_entry("an", "analyst-secret", "analyst", 0);
    char *v = key_entry("viewer", "viewer-secret-1", "viewer", 0);
    char *st = key_entry("st", "stream-secret", "streamer", 0);
    char *mo = key_entry("mo", "most-secret", "most", 0);
    char arr[2048];
    snprintf(arr, sizeof arr, "[%s,%s,%s,%s]", a, v, st, mo);
    write_config(arr);
    extra_roles[0] = 0;
    free(a);
    free(v);
    free(st);
    free(mo);
    pid_t pid = start_server(db, pf);
    char sid[80];

    /* viewer: its two tools on one page (the table has them far apart) */
    json_t *names = json_array();
    snprintf(sid, sizeof sid, "%s", init_session("Bearer viewer-secret-1"));
    assert_int_equal(list_pages("Bearer viewer-secret-1", sid, names), 1);
    assert_int_equal(json_array_size(names), 2);
    assert_string_equal(json_string_value(json_array_get(names, 0)), "get_meps");
    assert_string_equal(json_string_value(json_array_get(names, 1)), "test_simple_text");
    json_decref(names);

    /* analyst ("*"): the whole table in its order, then the fixtures */
    names = json_array();
    snprintf(sid, sizeof sid, "%s", init_session("Bearer analyst-secret"));
    int pages = list_pages("Bearer analyst-secret", sid, names);
    assert_int_equal(pages, (int)(json_array_size(names) + 49) / 50);
    assert_true(json_array_size(names) > json_array_size(table));
    for (size_t i = 0; i < json_array_size(table); i++)
        assert_string_equal(json_string_value(json_array_get(names, i)),
                            json_string_value(json_object_get(json_array_get(table, i), "name")));
    int intel = 0;
    size_t i;
    json_t *m;
    json_array_foreach(names, i, m) intel |=
        strcmp(json_string_value(m), "assess_mep_influence") == 0;
    assert_true(intel);
    json_decref(names);

    /* most: a full first page of 50, then the rest; exactly its tools, in table order */
    names = json_array();
    snprintf(sid, sizeof sid, "%s", init_session("Bearer most-secret"));
    assert_int_equal(list_pages("Bearer most-secret", sid, names), 2);
    assert_true(json_equal(names, most));
    json_decref(names);
    json_decref(most);
    json_decref(table);

    /* the same list when the reply is an SSE stream: a 2025-03-26 batch whose tools/call
     * sends log messages first, so the batch's answer (with the tools/list result) is the
     * last event of the stream */
    snprintf(sid, sizeof sid, "%s", init_session_v("Bearer stream-secret", "2025-03-26"));
    struct resp r;
    http("POST", "/mcp", "Bearer stream-secret", sid,
         "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
         "\"test_tool_with_logging\"}},{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}]",
         &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(ep_buf_putc(&r.body, 0), 0);
    assert_non_null(strstr(r.body.data, "event: message\ndata: "));
    assert_non_null(strstr(r.body.data, "notifications/message")); /* it was streamed */
    const char *last = NULL;
    for (const char *q = r.body.data; (q = strstr(q, "data: ")) != NULL; q += 6)
        last = q + 6;
    assert_non_null(last);
    json_t *batch = json_loadb(last, strcspn(last, "\n"), 0, NULL);
    assert_true(json_is_array(batch));
    json_t *listed = NULL;
    json_array_foreach(batch, i, m)
    {
        if (json_integer_value(json_object_get(m, "id")) == 2)
            listed = json_object_get(m, "result");
    }
    assert_non_null(listed);
    assert_null(json_object_get(listed, "nextCursor"));
    listed = json_object_get(listed, "tools");
    assert_int_equal(json_array_size(listed), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(listed, 0), "name")),
                        "test_tool_with_logging");
    json_decref(batch);
    ep_buf_free(&r.body);

    /* calling a tool the role may not use is still refused */
    http("POST", "/mcp", "Bearer viewer-secret-1", NULL,
         "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":"
         "\"assess_mep_influence\"}}",
         &r);
    assert_int_equal(r.status, 403);
    ep_buf_free(&r.body);
    stop_server(pid, SIGTERM);
    curl_global_cleanup();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jwt_valid),       cmocka_unit_test(test_jwt_rejected),
        cmocka_unit_test(test_jwt_identity),    cmocka_unit_test(test_api_keys),
        cmocka_unit_test(test_http_auth),       cmocka_unit_test(test_http_quota),
        cmocka_unit_test(test_http_tools_list), cmocka_unit_test(test_quota_day_rollover),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
