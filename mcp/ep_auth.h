/* ep_auth: authentication and role-based access for the HTTP transport.
 *
 * Configured by a JSON file (docs/http.md, "Authentication"):
 *
 *   {
 *     "resource": "http://127.0.0.1:8080/mcp",          // this server's resource URI
 *     "authorization_servers": ["https://auth.example"],  // for RFC 9728 metadata
 *     "issuer": "https://auth.example",                   // JWT iss
 *     "audience": "http://127.0.0.1:8080/mcp",            // JWT aud (default: resource)
 *     "jwks_file": "jwks.json",                           // RS256/ES256/HS256 keys (JWK Set);
 *                                                         // relative to the config file
 *     "leeway_s": 60,                                     // clock skew for exp/nbf
 *     "roles": {"viewer": {"scope": "epintel:viewer", "tools": ["get_meps", ...],
 *                          "daily_quota": 1000},              // tools/call per UTC day
 *               "analyst": {"scope": "epintel:analyst", "tools": ["*"]}},
 *     "api_keys": [{"id": "ci", "sha256": "<hex SHA-256 of the key>", "role": "analyst",
 *                   "revoked": false}]
 *   }
 *
 * Credentials come in "Authorization: Bearer X". X is an API key (compared by SHA-256 digest in
 * constant time; keys are never stored in clear) or a JWT (header.payload.signature): alg must
 * be RS256, ES256 or HS256 and match the key's type (RSA, EC P-256, oct): "none" and algorithm
 * confusion (e.g. an HS256 token verified with an RSA key's bytes) are rejected; exp is
 * required; nbf, iss and aud are checked. A JWT's roles are those whose "scope" appears in its
 * "scope" (space-separated) or "scp" (array) claim. Objects are immutable after load; reload
 * by loading a new one (SIGHUP in ep_http). */
#ifndef EP_AUTH_H
#define EP_AUTH_H

#include <jansson.h>
#include <stddef.h>
#include <time.h>

#include "ep_error.h"

struct ep_auth;

#define EP_AUTH_MAX_ROLES 16

struct ep_auth_principal {
    char id[128];         /* "key:<id>", "jwt:<iss>|<sub>", or when that is longer than 127
                             bytes "jwt#<SHA-256 hex of iss|sub>" */
    char kind[8];         /* "apikey" or "jwt" */
    unsigned roles;       /* bit i = role i of the config */
    char role_names[256]; /* comma-separated, for audit/logs */
    int has_key_quota;    /* an API key with its own "daily_quota" (overrides its role's) */
    long key_quota;
    char key_sha256[65]; /* an API key: the lowercase hex SHA-256 of it (the shared revoked set
                            of ep_state.h is keyed on it); "" for a JWT */
};

/* Load and check a config file. EP_EINVAL naming the file and the problem. */
int ep_auth_load(const char *path, struct ep_auth **out, struct ep_error *err);
void ep_auth_free(struct ep_auth *a);

/* Authenticate an Authorization header value (may be NULL) at time now. 0 and *p filled, or
 * EP_EINVAL with a reason fit for WWW-Authenticate error_description (missing, malformed,
 * unknown key, revoked, expired, not yet valid, wrong audience, wrong issuer, bad signature,
 * unsupported algorithm). */
int ep_auth_authenticate(const struct ep_auth *a, const char *authorization, time_t now,
                         struct ep_auth_principal *p, struct ep_error *err);

/* 1 when one of p's roles may call tool. */
int ep_auth_tool_allowed(const struct ep_auth *a, const struct ep_auth_principal *p,
                         const char *tool);

/* The daily tools/call quota of p: the largest "daily_quota" among its roles (role, when not
 * NULL, gets that role's name), or -1 when unlimited (one of its roles has no quota, or it has
 * no role). */
long ep_auth_daily_quota(const struct ep_auth *a, const struct ep_auth_principal *p, char *role,
                         size_t role_size);

/* The resource URI, and the RFC 9728 protected resource metadata (new reference). */
/* /metrics: whether the config names a "metrics_role" (then a scrape must authenticate), and
 * whether p holds it (1 when no role is named). */
int ep_auth_metrics_needs_role(const struct ep_auth *a);
int ep_auth_metrics_allowed(const struct ep_auth *a, const struct ep_auth_principal *p);
const char *ep_auth_resource(const struct ep_auth *a);
json_t *ep_auth_resource_metadata(const struct ep_auth *a);

/* What a JWT must match, for explanations (epintel auth check): the expected issuer and
 * audience (NULL when the config sets none) and the clock leeway for exp/nbf in seconds. */
void ep_auth_jwt_expect(const struct ep_auth *a, const char **issuer, const char **audience,
                        long *leeway);

/* SHA-256 of key as lowercase hex (65 bytes with NUL): for writing api_keys entries. */
void ep_auth_key_digest(const char *key, char out[65]);

/* Daily quotas: tools/call counts per principal and UTC day, kept in memory (authoritative,
 * thread-safe) and written to the store's quota(principal, day, used) table by ep_quota_flush
 * (one transaction for every changed count; ep_http calls it every second) and ep_quota_close.
 * The clock is a parameter (now): a count belongs to the UTC day of the now it was charged at,
 * and a new day starts at that day's stored count (0). */
struct ep_quota;

/* Open on the store file store_path (its own read-write connection, WAL; creates the table,
 * deletes rows older than 31 days before now) or, with store_path NULL, in memory only. */
int ep_quota_open(const char *store_path, time_t now, struct ep_quota **out, struct ep_error *err);
/* Charge n calls to principal for the UTC day of now. 0: admitted (the count reaches at most
 * limit); 1: over the limit, nothing charged. *used = the day's count before this charge. */
int ep_quota_charge(struct ep_quota *q, const char *principal, long limit, int n, time_t now,
                    long *used);
void ep_quota_flush(struct ep_quota *q);
void ep_quota_close(struct ep_quota *q); /* flushes; NULL is fine */
/* Seconds from now to the next UTC midnight (1 .. 86400). */
int ep_quota_reset_in(time_t now);

#endif
