/* ep_auth: API keys, JWT bearer tokens (RS256, ES256, HS256: JWK and JWS parsing and signature
 * checks by cjose, claims and key pinning here), roles. */
#include "ep_auth.h"

#include "ep_cjose.h"
#include "ep_crypto.h"
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_store_query.h"
#include "ep_util.h"

enum { KEY_RSA, KEY_EC, KEY_OCT };

struct jwk {
    char kid[128];
    int kty;
    char alg[16];     /* "" when the JWK names none */
    cjose_jwk_t *key; /* parsed and owned by cjose */
};

struct role {
    char name[32];
    char scope[96];
    json_t *tools;    /* array of names, "*" = all */
    long daily_quota; /* tools/call per principal per UTC day, -1 = unlimited */
};

struct apikey {
    char id[64];
    unsigned char digest[32];
    int role;
    int revoked;
    long daily_quota; /* this key's own daily quota (overrides its role's), -1 = the role's */
};

struct ep_auth {
    json_t *cfg;
    const char *resource, *issuer, *audience;
    long leeway;
    struct jwk *keys;
    size_t nkeys;
    struct role roles[EP_AUTH_MAX_ROLES];
    int nroles;
    struct apikey *apikeys;
    size_t napikeys;
    int metrics_role; /* role index /metrics needs, -1 = none */
};

/* ------------------------------------------------------------ helpers */

static int load_jwks(struct ep_auth *a, const char *path, struct ep_error *err)
{
    json_error_t je;
    json_t *set = json_load_file(path, 0, &je);
    json_t *keys = json_object_get(set, "keys");
    if (!json_is_array(keys)) {
        json_decref(set);
        return ep_error_set(err, EP_EINVAL, "%s: not a JWK Set (%s)", path,
                            set ? "no \"keys\" array" : je.text);
    }
    a->keys = calloc(json_array_size(keys) + 1, sizeof *a->keys);
    if (!a->keys) {
        json_decref(set);
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    size_t i;
    json_t *k;
    int rc = 0;
    json_array_foreach(keys, i, k)
    {
        struct jwk *j = &a->keys[a->nkeys];
        const char *kty = json_string_value(json_object_get(k, "kty"));
        const char *kid = json_string_value(json_object_get(k, "kid"));
        const char *alg = json_string_value(json_object_get(k, "alg"));
        const char *crv = json_string_value(json_object_get(k, "crv"));
        snprintf(j->kid, sizeof j->kid, "%s", kid ? kid : "");
        snprintf(j->alg, sizeof j->alg, "%s", alg ? alg : "");
        char *text = json_dumps(k, JSON_COMPACT);
        cjose_err ce = {0};
        j->key = text ? cjose_jwk_import(text, strlen(text), &ce) : NULL;
        free(text);
        /* the key types and sizes epintel accepts: RSA >= 2048 bits, EC P-256, oct >= 32 bytes */
        int t = j->key ? (int)cjose_jwk_get_kty(j->key, &ce) : 0;
        size_t bits = j->key ? cjose_jwk_get_keysize(j->key, &ce) : 0;
        int usable = 0;
        if (kty && strcmp(kty, "RSA") == 0 && t == CJOSE_JWK_KTY_RSA && bits >= 2048) {
            j->kty = KEY_RSA;
            usable = 1;
        } else if (kty && strcmp(kty, "EC") == 0 && t == CJOSE_JWK_KTY_EC && crv &&
                   strcmp(crv, "P-256") == 0) {
            j->kty = KEY_EC;
            usable = 1;
        } else if (kty && strcmp(kty, "oct") == 0 && t == CJOSE_JWK_KTY_OCT && bits >= 256) {
            j->kty = KEY_OCT;
            usable = 1;
        }
        if (!usable) {
            if (j->key)
                cjose_jwk_release(j->key);
            j->key = NULL;
            rc =
                ep_error_set(err, EP_EINVAL,
                             "%s: key %zu (kid \"%s\") is not a usable RSA (>= 2048 bits), EC "
                             "P-256 or oct (>= 32 bytes) key%s%s",
                             path, i, j->kid, ce.message ? ": " : "", ce.message ? ce.message : "");
            break;
        }
        a->nkeys++;
    }
    json_decref(set);
    return rc;
}

static void digest_hex(const unsigned char d[32], char out[65])
{
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

void ep_auth_key_digest(const char *key, char out[65])
{
    unsigned char d[32];
    unsigned int n = 0;
    EVP_Digest(key, strlen(key), d, &n, EVP_sha256(), NULL);
    digest_hex(d, out);
}

static int hex_decode(const char *h, unsigned char *out, size_t n)
{
    if (!h || strlen(h) != 2 * n)
        return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned v = 0;
        for (int k = 0; k < 2; k++) {
            char c = h[2 * i + (size_t)k];
            v <<= 4;
            if (c >= '0' && c <= '9')
                v |= (unsigned)(c - '0');
            else if (c >= 'a' && c <= 'f')
                v |= (unsigned)(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F')
                v |= (unsigned)(c - 'A' + 10);
            else
                return -1;
        }
        out[i] = (unsigned char)v;
    }
    return 0;
}

static int role_index(const struct ep_auth *a, const char *name)
{
    for (int i = 0; name && i < a->nroles; i++)
        if (strcmp(a->roles[i].name, name) == 0)
            return i;
    return -1;
}

/* --------------------------------------------------------------- load */

int ep_auth_load(const char *path, struct ep_auth **out, struct ep_error *err)
{
    *out = NULL;
    json_error_t je;
    json_t *cfg = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(cfg)) {
        json_decref(cfg);
        return ep_error_set(err, EP_EINVAL, "%s: %s (line %d)", path,
                            cfg ? "must be a JSON object" : je.text, je.line);
    }
    struct ep_auth *a = calloc(1, sizeof *a);
    if (!a) {
        json_decref(cfg);
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    a->cfg = cfg;
    a->resource = json_string_value(json_object_get(cfg, "resource"));
    a->issuer = json_string_value(json_object_get(cfg, "issuer"));
    a->audience = json_string_value(json_object_get(cfg, "audience"));
    if (!a->audience)
        a->audience = a->resource;
    json_t *lw = json_object_get(cfg, "leeway_s");
    a->leeway = json_is_integer(lw) ? (long)json_integer_value(lw) : 60;
    int rc = 0;
    if (!a->resource)
        rc = ep_error_set(err, EP_EINVAL, "%s: \"resource\" (this server's URI) is required", path);
    const char *rk;
    json_t *rv;
    json_object_foreach(json_object_get(cfg, "roles"), rk, rv)
    {
        if (rc)
            break;
        if (a->nroles == EP_AUTH_MAX_ROLES) {
            rc = ep_error_set(err, EP_EINVAL, "%s: at most %d roles", path, EP_AUTH_MAX_ROLES);
            break;
        }
        struct role *r = &a->roles[a->nroles];
        json_t *tools = json_object_get(rv, "tools");
        if (strlen(rk) >= sizeof r->name || !json_is_array(tools)) {
            rc = ep_error_set(err, EP_EINVAL, "%s: role \"%s\" needs a \"tools\" array", path, rk);
            break;
        }
        snprintf(r->name, sizeof r->name, "%s", rk);
        const char *sc = json_string_value(json_object_get(rv, "scope"));
        snprintf(r->scope, sizeof r->scope, "%s", sc ? sc : "");
        r->tools = tools;
        json_t *q = json_object_get(rv, "daily_quota");
        r->daily_quota = -1;
        if (q && !json_is_null(q)) {
            if (!json_is_integer(q) || json_integer_value(q) < 0) {
                rc = ep_error_set(err, EP_EINVAL,
                                  "%s: role \"%s\": \"daily_quota\" must be an integer >= 0", path,
                                  rk);
                break;
            }
            r->daily_quota = (long)json_integer_value(q);
        }
        a->nroles++;
    }
    json_t *keys = json_object_get(cfg, "api_keys");
    if (!rc && json_array_size(keys)) {
        a->apikeys = calloc(json_array_size(keys), sizeof *a->apikeys);
        size_t i;
        json_t *k;
        if (!a->apikeys)
            rc = ep_error_set(err, EP_ENOMEM, "out of memory");
        else
            json_array_foreach(keys, i, k)
            {
                struct apikey *ak = &a->apikeys[a->napikeys];
                const char *id = json_string_value(json_object_get(k, "id"));
                const char *role = json_string_value(json_object_get(k, "role"));
                snprintf(ak->id, sizeof ak->id, "%s", id ? id : "");
                ak->role = role_index(a, role);
                ak->revoked = json_is_true(json_object_get(k, "revoked"));
                json_t *q = json_object_get(k, "daily_quota");
                ak->daily_quota = json_is_integer(q) ? (long)json_integer_value(q) : -1;
                if (q && !json_is_null(q) && (!json_is_integer(q) || json_integer_value(q) < 0)) {
                    rc = ep_error_set(err, EP_EINVAL,
                                      "%s: api_keys[%zu]: \"daily_quota\" must be an integer >= 0",
                                      path, i);
                    break;
                }
                if (!id || ak->role < 0 ||
                    hex_decode(json_string_value(json_object_get(k, "sha256")), ak->digest, 32)) {
                    rc = ep_error_set(err, EP_EINVAL,
                                      "%s: api_keys[%zu] needs \"id\", a known \"role\" and "
                                      "\"sha256\" (64 hex digits; never the key itself)",
                                      path, i);
                    break;
                }
                a->napikeys++;
            }
    }
    json_t *mr = json_object_get(cfg, "metrics_role");
    a->metrics_role = -1;
    if (!rc && mr && !json_is_null(mr) &&
        (a->metrics_role = role_index(a, json_string_value(mr))) < 0)
        rc = ep_error_set(err, EP_EINVAL,
                          "%s: \"metrics_role\" must name one of the roles (or be left out: "
                          "/metrics open to loopback and allowed hosts)",
                          path);
    const char *jwks = json_string_value(json_object_get(cfg, "jwks_file"));
    if (!rc && jwks) {
        char full[PATH_MAX], dirbuf[PATH_MAX];
        snprintf(dirbuf, sizeof dirbuf, "%s", path);
        if (jwks[0] == '/')
            snprintf(full, sizeof full, "%s", jwks);
        else
            snprintf(full, sizeof full, "%s/%s", dirname(dirbuf), jwks);
        rc = load_jwks(a, full, err);
        if (!rc && !a->issuer)
            rc = ep_error_set(err, EP_EINVAL, "%s: \"issuer\" is required with jwks_file", path);
    }
    if (rc) {
        ep_auth_free(a);
        return rc;
    }
    *out = a;
    return 0;
}

void ep_auth_free(struct ep_auth *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->nkeys; i++)
        cjose_jwk_release(a->keys[i].key);
    free(a->keys);
    free(a->apikeys);
    json_decref(a->cfg);
    free(a);
}

/* --------------------------------------------------------------- JWT */

static int has_scope(json_t *claims, const char *scope)
{
    if (!scope[0])
        return 0;
    const char *sc = json_string_value(json_object_get(claims, "scope"));
    size_t n = strlen(scope);
    for (const char *p = sc; p && *p;) {
        const char *e = strchr(p, ' ');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == n && strncmp(p, scope, n) == 0)
            return 1;
        p = e ? e + 1 : NULL;
    }
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(claims, "scp"), i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), scope) == 0)
            return 1;
    }
    return 0;
}

static int aud_ok(json_t *aud, const char *want)
{
    if (json_is_string(aud))
        return strcmp(json_string_value(aud), want) == 0;
    size_t i;
    json_t *v;
    json_array_foreach(aud, i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), want) == 0)
            return 1;
    }
    return 0;
}

static int check_jwt(const struct ep_auth *a, const char *tok, time_t now,
                     struct ep_auth_principal *p, struct ep_error *err)
{
    const char *d1 = strchr(tok, '.');
    const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    if (!d1 || !d2 || strchr(d2 + 1, '.'))
        return ep_error_set(err, EP_EINVAL, "malformed token");
    /* cjose parses the compact JWS (base64url, the protected header) and checks the signature;
     * the algorithm, the key it may use and every claim are checked here */
    cjose_err ce = {0};
    json_t *cl = NULL;
    int rc = 0;
    cjose_jws_t *jws = cjose_jws_import(tok, strlen(tok), &ce);
    cjose_header_t *hdr = jws ? cjose_jws_get_protected(jws) : NULL;
    uint8_t *payload = NULL;
    size_t pn = 0;
    if (!hdr || !cjose_jws_get_plaintext(jws, &payload, &pn, &ce) ||
        !(cl = json_loadb((const char *)payload, pn, 0, NULL)) || !json_is_object(cl)) {
        rc = ep_error_set(err, EP_EINVAL, "malformed token");
        goto out;
    }
    const char *alg = cjose_header_get(hdr, "alg", &ce);
    const char *kid = cjose_header_get(hdr, "kid", &ce);
    int kty;
    if (alg && strcmp(alg, "RS256") == 0)
        kty = KEY_RSA;
    else if (alg && strcmp(alg, "ES256") == 0)
        kty = KEY_EC;
    else if (alg && strcmp(alg, "HS256") == 0)
        kty = KEY_OCT;
    else {
        rc = ep_error_set(err, EP_EINVAL, "unsupported algorithm \"%.20s\"", alg ? alg : "(none)");
        goto out;
    }
    /* the key must be of the algorithm's type: no HS256 with an RSA/EC key's bytes */
    const struct jwk *key = NULL;
    for (size_t i = 0; i < a->nkeys && !key; i++) {
        const struct jwk *k = &a->keys[i];
        if (k->kty != kty || (k->alg[0] && strcmp(k->alg, alg) != 0))
            continue;
        if (kid && strcmp(kid, k->kid) != 0)
            continue;
        key = k;
    }
    if (!key) {
        rc = ep_error_set(err, EP_EINVAL, "no %s key%s%s in the key set", alg,
                          kid ? " with kid " : "", kid ? kid : "");
        goto out;
    }
    if (!cjose_jws_verify(jws, key->key, &ce)) {
        rc = ep_error_set(err, EP_EINVAL, "bad signature");
        goto out;
    }
    json_t *exp = json_object_get(cl, "exp"), *nbf = json_object_get(cl, "nbf");
    if (!exp || !json_is_number(exp) || (nbf && !json_is_number(nbf))) {
        rc = ep_error_set(err, EP_EINVAL,
                          !exp ? "token has no exp"
                               : "malformed token: %s must be a number (seconds since the epoch)",
                          exp && !json_is_number(exp) ? "exp" : "nbf");
        goto out;
    }
    if ((double)now >= json_number_value(exp) + (double)a->leeway) {
        rc = ep_error_set(err, EP_EINVAL, "token expired");
        goto out;
    }
    if (nbf && (double)now + (double)a->leeway < json_number_value(nbf)) {
        rc = ep_error_set(err, EP_EINVAL, "token not yet valid");
        goto out;
    }
    const char *iss = json_string_value(json_object_get(cl, "iss"));
    if (!iss || !a->issuer || strcmp(iss, a->issuer) != 0) {
        rc = ep_error_set(err, EP_EINVAL, "wrong issuer");
        goto out;
    }
    if (!a->audience || !aud_ok(json_object_get(cl, "aud"), a->audience)) {
        rc = ep_error_set(err, EP_EINVAL, "wrong audience (expected %s)",
                          a->audience ? a->audience : "?");
        goto out;
    }
    /* the principal is the whole (issuer, subject): sessions, quotas and rate limits belong to
     * it, so a token without a subject names no one and is refused */
    const char *sub = json_string_value(json_object_get(cl, "sub"));
    if (!sub || !*sub) {
        rc = ep_error_set(err, EP_EINVAL, "token has no subject (sub)");
        goto out;
    }
    snprintf(p->kind, sizeof p->kind, "jwt");
    if (snprintf(p->id, sizeof p->id, "jwt:%s|%s", iss, sub) >= (int)sizeof p->id) {
        /* too long to keep as is: "jwt#" and the SHA-256 of "ISS|SUB" (the '#' keeps it apart
         * from every readable id, which starts "jwt:") */
        unsigned char d[32];
        unsigned int dl = 0;
        char *both = NULL; /* the issuer is the configured one: "ISS|SUB" is unambiguous */
        if (asprintf(&both, "%s|%s", iss, sub) < 0 ||
            !EVP_Digest(both, strlen(both), d, &dl, EVP_sha256(), NULL)) {
            free(both);
            rc = ep_error_set(err, EP_ENOMEM, "cannot hash the token's subject");
            goto out;
        }
        free(both);
        memcpy(p->id, "jwt#", 5);
        for (int i = 0; i < 32; i++)
            snprintf(p->id + 4 + 2 * i, 3, "%02x", d[i]);
    }
    for (int i = 0; i < a->nroles; i++)
        if (has_scope(cl, a->roles[i].scope))
            p->roles |= 1u << i;
out:
    cjose_jws_release(jws); /* owns hdr and payload */
    json_decref(cl);
    return rc;
}

int ep_auth_authenticate(const struct ep_auth *a, const char *authorization, time_t now,
                         struct ep_auth_principal *p, struct ep_error *err)
{
    memset(p, 0, sizeof *p);
    if (!authorization)
        return ep_error_set(err, EP_EINVAL, "missing credentials (Authorization: Bearer ...)");
    if (strncasecmp(authorization, "Bearer ", 7) != 0)
        return ep_error_set(err, EP_EINVAL, "malformed Authorization header (want Bearer)");
    const char *tok = authorization + 7;
    while (*tok == ' ')
        tok++;
    size_t n = strlen(tok);
    if (n == 0 || n > 16384)
        return ep_error_set(err, EP_EINVAL, "malformed Authorization header");
    int rc;
    if (strchr(tok, '.')) {
        rc = check_jwt(a, tok, now, p, err);
    } else {
        unsigned char d[32];
        unsigned int dl = 0;
        EVP_Digest(tok, n, d, &dl, EVP_sha256(), NULL);
        const struct apikey *hit = NULL;
        for (size_t i = 0; i < a->napikeys; i++) /* no early exit: constant time per key */
            if (CRYPTO_memcmp(d, a->apikeys[i].digest, 32) == 0)
                hit = &a->apikeys[i];
        if (!hit)
            return ep_error_set(err, EP_EINVAL, "unknown API key");
        if (hit->revoked)
            return ep_error_set(err, EP_EINVAL, "revoked API key");
        snprintf(p->kind, sizeof p->kind, "apikey");
        snprintf(p->id, sizeof p->id, "key:%s", hit->id);
        p->roles = 1u << hit->role;
        p->has_key_quota = hit->daily_quota >= 0;
        p->key_quota = hit->daily_quota;
        digest_hex(d, p->key_sha256);
        rc = 0;
    }
    if (rc)
        return rc;
    size_t off = 0;
    for (int i = 0; i < a->nroles; i++)
        if (p->roles & (1u << i)) {
            int w = snprintf(p->role_names + off, sizeof p->role_names - off, "%s%s",
                             off ? "," : "", a->roles[i].name);
            if (w > 0 && (size_t)w < sizeof p->role_names - off)
                off += (size_t)w;
        }
    return 0;
}

int ep_auth_tool_allowed(const struct ep_auth *a, const struct ep_auth_principal *p,
                         const char *tool)
{
    for (int i = 0; i < a->nroles; i++) {
        if (!(p->roles & (1u << i)))
            continue;
        size_t k;
        json_t *v;
        json_array_foreach(a->roles[i].tools, k, v)
        {
            const char *t = json_string_value(v);
            if (t && (strcmp(t, "*") == 0 || strcmp(t, tool) == 0))
                return 1;
        }
    }
    return 0;
}

int ep_auth_metrics_allowed(const struct ep_auth *a, const struct ep_auth_principal *p)
{
    return a->metrics_role < 0 || (p && (p->roles & (1u << a->metrics_role)));
}

int ep_auth_metrics_needs_role(const struct ep_auth *a)
{
    return a->metrics_role >= 0;
}

const char *ep_auth_resource(const struct ep_auth *a)
{
    return a->resource;
}

void ep_auth_jwt_expect(const struct ep_auth *a, const char **issuer, const char **audience,
                        long *leeway)
{
    *issuer = a->issuer;
    *audience = a->audience;
    *leeway = a->leeway;
}

json_t *ep_auth_resource_metadata(const struct ep_auth *a)
{
    json_t *m =
        json_pack("{s:s,s:[s]}", "resource", a->resource, "bearer_methods_supported", "header");
    json_t *as = json_object_get(a->cfg, "authorization_servers");
    if (m && json_is_array(as))
        json_object_set(m, "authorization_servers", as);
    json_t *scopes = json_array();
    for (int i = 0; scopes && i < a->nroles; i++)
        if (a->roles[i].scope[0])
            json_array_append_new(scopes, json_string(a->roles[i].scope));
    if (m)
        json_object_set_new(m, "scopes_supported", scopes);
    else
        json_decref(scopes);
    return m;
}

long ep_auth_daily_quota(const struct ep_auth *a, const struct ep_auth_principal *p, char *role,
                         size_t role_size)
{
    if (p->has_key_quota) { /* the key's own quota */
        for (int i = 0; i < a->nroles; i++)
            if (p->roles & (1u << i) && role && role_size)
                snprintf(role, role_size, "%s", a->roles[i].name);
        return p->key_quota;
    }
    long best = -2;
    int who = -1;
    for (int i = 0; i < a->nroles; i++) {
        if (!(p->roles & (1u << i)))
            continue;
        long q = a->roles[i].daily_quota;
        if (q < 0)
            return -1; /* one unlimited role: unlimited */
        if (q > best) {
            best = q;
            who = i;
        }
    }
    if (who < 0)
        return -1;
    if (role && role_size)
        snprintf(role, role_size, "%s", a->roles[who].name);
    return best;
}

/* ------------------------------------------------------------------ daily quotas */

/* tools/call count per principal for one UTC day. Open addressing with a bounded probe; a slot
 * is reused when it holds nothing unflushed (its count is in the store). */
#define EP_QUOTA_SLOTS 4096
#define EP_QUOTA_PROBE 64

struct quota_slot {
    char id[128];
    unsigned long hash;
    char day[11]; /* UTC YYYY-MM-DD the count belongs to */
    long used;
    int dirty; /* count not yet written to the store */
};

struct ep_quota {
    pthread_mutex_t mu;
    struct quota_slot *slots;
    struct ep_store_quota *st; /* own read-write connection to the store (table quota of
                                  migration 4); NULL = counts not persisted */
};

static void utc_day(time_t t, char out[11])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

int ep_quota_reset_in(time_t now)
{
    return (int)(86400 - now % 86400);
}

int ep_quota_open(const char *store_path, time_t now, struct ep_quota **out, struct ep_error *err)
{
    *out = NULL;
    struct ep_quota *q = calloc(1, sizeof *q);
    if (!q || !(q->slots = calloc(EP_QUOTA_SLOTS, sizeof *q->slots))) {
        free(q);
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    pthread_mutex_init(&q->mu, NULL);
    *out = q;
    if (!store_path)
        return 0;
    char old[11];
    utc_day(now - 31 * 86400, old);
    int rc = ep_store_quota_open(store_path, old, &q->st, err);
    if (rc) {
        ep_quota_close(q);
        *out = NULL;
        return rc;
    }
    return 0;
}

/* Write one count (q->mu held). */
static void quota_put(struct ep_quota *q, const struct quota_slot *s)
{
    struct ep_error err = {0};
    if (q->st && ep_store_quota_put(q->st, s->id, s->day, s->used, &err))
        fprintf(stderr, "epintel: cannot store the quota count of %s\n", err.msg);
}

/* Write every unflushed count in one transaction (q->mu held). */
static void quota_flush_locked(struct ep_quota *q)
{
    int any = 0;
    for (int i = 0; i < EP_QUOTA_SLOTS && !any; i++)
        any = q->slots[i].dirty;
    if (!any || !q->st)
        return;
    struct ep_error err = {0};
    ep_store_quota_begin(q->st, &err);
    for (int i = 0; i < EP_QUOTA_SLOTS; i++)
        if (q->slots[i].dirty) {
            quota_put(q, &q->slots[i]);
            q->slots[i].dirty = 0;
        }
    if (ep_store_quota_commit(q->st, &err))
        fprintf(stderr, "epintel: cannot store quota counts: %s\n", err.msg);
}

void ep_quota_flush(struct ep_quota *q)
{
    if (!q)
        return;
    pthread_mutex_lock(&q->mu);
    quota_flush_locked(q);
    pthread_mutex_unlock(&q->mu);
}

void ep_quota_close(struct ep_quota *q)
{
    if (!q)
        return;
    ep_quota_flush(q);
    ep_store_quota_close(q->st);
    pthread_mutex_destroy(&q->mu);
    free(q->slots);
    free(q);
}

/* The slot of id for day (q->mu held): found, or taken and loaded from the store. A slot
 * holding an earlier day starts the new day at the stored count (0 for a new day). */
static struct quota_slot *quota_slot(struct ep_quota *q, const char *id, const char *day)
{
    unsigned long hsh = 5381;
    for (const char *p = id; *p; p++)
        hsh = hsh * 33 + (unsigned char)*p;
    struct quota_slot *empty = NULL, *clean = NULL, *s = NULL;
    for (int k = 0; k < EP_QUOTA_PROBE && !s; k++) {
        struct quota_slot *c = &q->slots[(hsh + (unsigned long)k) % EP_QUOTA_SLOTS];
        if (c->id[0] && c->hash == hsh && strcmp(c->id, id) == 0)
            s = c;
        else if (!c->id[0] && !empty)
            empty = c;
        else if (c->id[0] && !c->dirty && !clean)
            clean = c;
    }
    if (!s) {
        s = empty ? empty : clean;
        if (!s) { /* every candidate holds unflushed counts: write them, reuse the first */
            quota_flush_locked(q);
            s = &q->slots[hsh % EP_QUOTA_SLOTS];
        }
        memset(s, 0, sizeof *s);
        snprintf(s->id, sizeof s->id, "%s", id);
        s->hash = hsh;
    }
    if (strcmp(s->day, day) != 0) {
        if (s->dirty)
            quota_put(q, s); /* the previous day's last count */
        snprintf(s->day, sizeof s->day, "%s", day);
        s->used = 0;
        s->dirty = 0;
        long long used = 0;
        struct ep_error err = {0};
        if (q->st && ep_store_quota_get(q->st, id, day, &used, &err) > 0)
            s->used = (long)used;
    }
    return s;
}

int ep_quota_charge(struct ep_quota *q, const char *principal, long limit, int n, time_t now,
                    long *used)
{
    char day[11];
    utc_day(now, day);
    pthread_mutex_lock(&q->mu);
    struct quota_slot *s = quota_slot(q, principal, day);
    *used = s->used;
    int over = s->used + n > limit;
    if (!over) {
        s->used += n;
        s->dirty = 1;
    }
    pthread_mutex_unlock(&q->mu);
    return over;
}
