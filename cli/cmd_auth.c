/* epintel auth key add|list|revoke: API keys in the HTTP server's auth config (docs/http.md);
 * epintel auth check: why the server accepts or refuses a key or JWT (ep_auth_authenticate
 * decides; this only shows the facts around its answer).
 *
 * A new key is printed once; the config keeps only its SHA-256. The file is rewritten
 * atomically (temporary file, fsync, rename) with mode 0600, and the rest of it is kept as it
 * was. The running server loads the change on SIGHUP. */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "cli.h"
#include "ep_auth.h"
#include "ep_cjose.h"
#include "ep_state.h"
#include "ep_util.h"

static void auth_usage(FILE *f)
{
    fprintf(f,
            "usage: epintel auth key add --config F --role ROLE [--name NAME] [--quota N]\n"
            "       epintel auth key list --config F\n"
            "       epintel auth key revoke --config F ID [--state redis://HOST:PORT/DB]\n"
            "       epintel auth check --config F (--key K | --jwt T) [--tool NAME] [--at T]\n\n"
            "Manage the API keys of `epintel serve --http --auth-config F` (docs/http.md).\n\n"
            "  add      make a new key for ROLE (one of the config's roles), print it once on\n"
            "           standard output and store only its SHA-256, with its id (NAME, or a\n"
            "           generated key-XXXXXXXX), creation date and, with --quota, its own daily\n"
            "           quota of data requests (instead of the role's)\n"
            "  list     the keys: id, role, quota, created, revoked (never a key)\n"
            "  revoke   mark key ID revoked (kept in the file, refused by the server); with\n"
            "           --state, also in the replicas' shared state (the URL they were started\n"
            "           with): every replica refuses the key within a second, no SIGHUP needed\n\n"
            "The config is rewritten atomically with mode 0600. A running server loads the\n"
            "change when it gets SIGHUP (kill -HUP PID); until then it uses the old keys.\n\n"
            "  check    authenticate K (an API key) or T (a JWT) as the server would with this\n"
            "           config and say why it is accepted or refused: the deciding check (key\n"
            "           unknown or revoked; token signature, algorithm, key, exp/nbf with the\n"
            "           leeway, issuer, audience, subject), the key's entry or the token's\n"
            "           claims and times, and when accepted the principal, its roles, daily\n"
            "           quota, /metrics access and, with --tool NAME, whether it may call NAME.\n"
            "           K or T \"-\" reads it from standard input (keeps it out of ps).\n"
            "           --at T judges at T (seconds since the epoch, or YYYY-MM-DDTHH:MM:SSZ)\n"
            "           instead of now. Exit 0 accepted (and the tool allowed), 1 refused.\n");
}

/* Load the config: a JSON object with a "roles" object. Prints the error. */
static json_t *load_config(const char *path)
{
    json_error_t je;
    json_t *cfg = json_load_file(path, 0, &je);
    if (!cfg) {
        fprintf(stderr, "epintel auth: %s: %s (line %d); fix the file or give another --config\n",
                path, je.text, je.line);
        return NULL;
    }
    if (!json_is_object(cfg) || !json_is_object(json_object_get(cfg, "roles"))) {
        fprintf(stderr, "epintel auth: %s: not an auth config (an object with \"roles\")\n", path);
        json_decref(cfg);
        return NULL;
    }
    return cfg;
}

/* Check the result as the server would load it, then write it (0600, atomic). */
static int save_config(const char *path, json_t *cfg)
{
    struct ep_error err = {0};
    char *text = json_dumps(cfg, JSON_INDENT(2));
    if (!text) {
        ep_error_set(&err, EP_ENOMEM, "out of memory");
        ep_cli_error(&err);
        return EP_ENOMEM;
    }
    int rc = ep_write_file_atomic_mode(path, text, strlen(text), 0600, &err);
    free(text);
    if (!rc) {
        struct ep_auth *a = NULL;
        rc = ep_auth_load(path, &a, &err); /* the file as written must load */
        ep_auth_free(a);
    }
    if (rc)
        ep_cli_error(&err);
    return rc;
}

static void hex(const unsigned char *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", p[i]);
}

static json_t *find_key(json_t *keys, const char *id)
{
    size_t i;
    json_t *k;
    json_array_foreach(keys, i, k)
    {
        const char *kid = json_string_value(json_object_get(k, "id"));
        if (kid && strcmp(kid, id) == 0)
            return k;
    }
    return NULL;
}

static int key_add(const char *path, const char *role, const char *name, long quota)
{
    json_t *cfg = load_config(path);
    if (!cfg)
        return EP_EXIT_ERROR;
    int ret = EP_EXIT_ERROR;
    json_t *roles = json_object_get(cfg, "roles");
    if (!json_object_get(roles, role)) {
        fprintf(stderr, "epintel auth: no role \"%s\" in %s; its roles are:", role, path);
        const char *rk;
        json_t *rv;
        json_object_foreach(roles, rk, rv)
        {
            fprintf(stderr, " %s", rk);
        }
        fprintf(stderr, "\n");
        goto out;
    }
    json_t *keys = json_object_get(cfg, "api_keys");
    if (!keys) {
        keys = json_array();
        json_object_set_new(cfg, "api_keys", keys);
    }
    if (!json_is_array(keys)) {
        fprintf(stderr, "epintel auth: %s: \"api_keys\" is not an array\n", path);
        goto out;
    }
    unsigned char rnd[36];
    if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
        fprintf(stderr, "epintel auth: no random bytes from the kernel\n");
        goto out;
    }
    char key[4 + 64 + 1], id[64], digest[65], hx[65];
    hex(rnd, 32, hx);
    snprintf(key, sizeof key, "epk_%s", hx);
    if (name) {
        if (!*name || strlen(name) >= 48 ||
            strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLM"
                         "NOPQRSTUVWXYZ0123456789._-") != strlen(name)) {
            fprintf(stderr, "epintel auth: --name takes 1 to 47 letters, digits, '.', '_' or "
                            "'-'\n");
            ret = EP_EXIT_USAGE;
            goto out;
        }
        snprintf(id, sizeof id, "%s", name);
    } else {
        hex(rnd + 32, 4, hx);
        snprintf(id, sizeof id, "key-%.8s", hx);
    }
    if (find_key(keys, id)) {
        fprintf(stderr, "epintel auth: %s already has a key \"%s\"; give another --name\n", path,
                id);
        goto out;
    }
    ep_auth_key_digest(key, digest);
    char created[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_t *entry = json_pack("{s:s,s:s,s:s,s:s}", "id", id, "sha256", digest, "role", role,
                              "created", created);
    if (entry && quota >= 0)
        json_object_set_new(entry, "daily_quota", json_integer(quota));
    if (!entry || json_array_append_new(keys, entry))
        goto out;
    if (save_config(path, cfg))
        goto out;
    printf("%s\n", key);
    fprintf(stderr,
            "epintel auth: key \"%s\" (role %s%s) added to %s. This is the only time it is "
            "shown: store it now. Send SIGHUP to a running server to load it.\n",
            id, role, quota >= 0 ? ", own daily quota" : "", path);
    ret = EP_EXIT_OK;
out:
    json_decref(cfg);
    return ret;
}

static int key_list(const char *path)
{
    json_t *cfg = load_config(path);
    if (!cfg)
        return EP_EXIT_ERROR;
    json_t *keys = json_object_get(cfg, "api_keys");
    printf("%-24s %-12s %-12s %-21s %s\n", "id", "role", "daily_quota", "created", "revoked");
    size_t i;
    json_t *k;
    json_array_foreach(keys, i, k)
    {
        json_t *q = json_object_get(k, "daily_quota");
        char qs[32];
        if (json_is_integer(q))
            snprintf(qs, sizeof qs, "%" JSON_INTEGER_FORMAT, json_integer_value(q));
        else
            snprintf(qs, sizeof qs, "(role's)");
        const char *created = json_string_value(json_object_get(k, "created"));
        printf("%-24s %-12s %-12s %-21s %s\n", json_string_value(json_object_get(k, "id")),
               json_string_value(json_object_get(k, "role")), qs, created ? created : "(unknown)",
               json_is_true(json_object_get(k, "revoked")) ? "yes" : "no");
    }
    json_decref(cfg);
    return EP_EXIT_OK;
}

/* Add the key's digest to the shared revoked set at state_url: 0, or 1 with the error printed. */
static int revoke_shared(const char *state_url, const char *id, json_t *k)
{
    const char *d = json_string_value(json_object_get(k, "sha256"));
    struct ep_state *st = NULL;
    struct ep_error e = {0};
    if (!d || strlen(d) != 64) {
        fprintf(stderr, "epintel auth: key \"%s\" has no sha256 to revoke in the shared state\n",
                id);
        return 1;
    }
    char low[65];
    for (int i = 0; i < 65; i++)
        low[i] = (char)tolower((unsigned char)d[i]);
    if (ep_state_open(state_url, &st, &e) || ep_state_revoke_key(st, low, &e)) {
        fprintf(stderr,
                "epintel auth: key \"%s\" NOT revoked in the shared state: %s; run this again "
                "when it is reachable\n",
                id, e.msg);
        ep_state_close(st);
        return 1;
    }
    ep_state_close(st);
    fprintf(stderr,
            "epintel auth: key \"%s\" revoked in the shared state %s: every replica refuses it "
            "within %.0f s\n",
            id, state_url, EP_STATE_REVOKED_MAX_AGE_S);
    return 0;
}

static int key_revoke(const char *path, const char *id, const char *state_url)
{
    json_t *cfg = load_config(path);
    if (!cfg)
        return EP_EXIT_ERROR;
    int ret = EP_EXIT_ERROR;
    json_t *k = find_key(json_object_get(cfg, "api_keys"), id);
    if (!k) {
        fprintf(stderr, "epintel auth: %s has no key \"%s\" (see epintel auth key list)\n", path,
                id);
    } else if (json_is_true(json_object_get(k, "revoked"))) {
        fprintf(stderr, "epintel auth: key \"%s\" is already revoked in %s\n", id, path);
        ret = EP_EXIT_OK;
    } else {
        json_object_set_new(k, "revoked", json_true());
        if (!save_config(path, cfg)) {
            fprintf(stderr,
                    "epintel auth: key \"%s\" revoked in %s; send SIGHUP to a running server to "
                    "refuse it from now on\n",
                    id, path);
            ret = EP_EXIT_OK;
        }
    }
    if (ret == EP_EXIT_OK && state_url && revoke_shared(state_url, id, k))
        ret = EP_EXIT_ERROR;
    json_decref(cfg);
    return ret;
}

static void fmt_time(time_t t, char *out, size_t n)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* "1796420876" or "2026-12-04T21:47:56Z" -> *out; 0 or -1. */
static int parse_time(const char *v, time_t *out)
{
    char *end = NULL;
    long long n = strtoll(v, &end, 10);
    if (*v && end && !*end && n >= 0) {
        *out = (time_t)n;
        return 0;
    }
    struct tm tm = {0};
    const char *rest = strptime(v, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (!rest || *rest)
        return -1;
    *out = timegm(&tm);
    return 0;
}

/* A claim that is a time: its date and where now stands from it. */
static void show_time_claim(const char *name, json_t *v, time_t now)
{
    if (!v) {
        printf("  %-10s (absent)\n", name);
        return;
    }
    if (!json_is_number(v)) {
        printf("  %-10s not a number\n", name);
        return;
    }
    char d[32];
    time_t t = (time_t)json_number_value(v);
    fmt_time(t, d, sizeof d);
    long long delta = (long long)t - (long long)now;
    printf("  %-10s %s (%lld s %s now)\n", name, d, delta < 0 ? -delta : delta,
           delta < 0 ? "before" : "after");
}

/* The JWT's header and claims, decoded for display only: ep_auth_authenticate decides. */
static void show_jwt(const struct ep_auth *a, const char *tok, time_t now)
{
    const char *want_iss, *want_aud;
    long leeway;
    ep_auth_jwt_expect(a, &want_iss, &want_aud, &leeway);
    printf("credential: JWT\nconfig expects:\n  issuer     %s\n  audience   %s\n"
           "  leeway     %ld s (exp and nbf may be that far off)\n",
           want_iss ? want_iss : "(none set: every JWT is refused)",
           want_aud ? want_aud : "(none set: every JWT is refused)", leeway);
    cjose_err ce = {0};
    cjose_jws_t *jws = cjose_jws_import(tok, strlen(tok), &ce);
    cjose_header_t *hdr = jws ? cjose_jws_get_protected(jws) : NULL;
    uint8_t *payload = NULL;
    size_t pn = 0;
    json_t *cl = NULL;
    if (!hdr || !cjose_jws_get_plaintext(jws, &payload, &pn, &ce) ||
        !(cl = json_loadb((const char *)payload, pn, 0, NULL)) || !json_is_object(cl)) {
        printf("token: cannot be decoded (not a compact JWS with a JSON payload)\n");
        json_decref(cl);
        if (jws)
            cjose_jws_release(jws);
        return;
    }
    const char *alg = cjose_header_get(hdr, "alg", &ce);
    const char *kid = cjose_header_get(hdr, "kid", &ce);
    printf("token header:\n  alg        %s\n  kid        %s\ntoken claims (not verified "
           "here; the decision above is the server's):\n",
           alg ? alg : "(absent)", kid ? kid : "(absent)");
    char *iss = json_dumps(json_object_get(cl, "iss"), JSON_ENCODE_ANY | JSON_COMPACT);
    char *aud = json_dumps(json_object_get(cl, "aud"), JSON_ENCODE_ANY | JSON_COMPACT);
    char *sub = json_dumps(json_object_get(cl, "sub"), JSON_ENCODE_ANY | JSON_COMPACT);
    json_t *scope = json_object_get(cl, "scope");
    char *sc =
        json_dumps(scope ? scope : json_object_get(cl, "scp"), JSON_ENCODE_ANY | JSON_COMPACT);
    printf("  iss        %s\n  aud        %s\n  sub        %s\n  scope      %s\n",
           iss ? iss : "(absent)", aud ? aud : "(absent)", sub ? sub : "(absent)",
           sc ? sc : "(absent)");
    free(iss);
    free(aud);
    free(sub);
    free(sc);
    show_time_claim("nbf", json_object_get(cl, "nbf"), now);
    show_time_claim("exp", json_object_get(cl, "exp"), now);
    json_t *exp = json_object_get(cl, "exp");
    if (json_is_number(exp)) {
        char d[32];
        fmt_time((time_t)json_number_value(exp) + (time_t)leeway, d, sizeof d);
        printf("  accepted until %s (exp + leeway)\n", d);
    }
    json_decref(cl);
    cjose_jws_release(jws); /* owns hdr and payload */
}

/* The config's api_keys entry whose sha256 is the key's digest, for display. */
static void show_key(const char *path, const char *key)
{
    char digest[65];
    ep_auth_key_digest(key, digest);
    printf("credential: API key (SHA-256 %.12s...)\n", digest);
    json_t *cfg = load_config(path);
    size_t i;
    json_t *k, *hit = NULL;
    json_array_foreach(cfg ? json_object_get(cfg, "api_keys") : NULL, i, k)
    {
        const char *h = json_string_value(json_object_get(k, "sha256"));
        if (h && strcasecmp(h, digest) == 0) {
            hit = k;
            break;
        }
    }
    if (!hit) {
        printf("config entry: none of the %zu api_keys has this digest\n",
               json_array_size(cfg ? json_object_get(cfg, "api_keys") : NULL));
    } else {
        const char *created = json_string_value(json_object_get(hit, "created"));
        json_t *q = json_object_get(hit, "daily_quota");
        printf("config entry: api_keys[%zu] id \"%s\", role %s, created %s, own daily_quota %s, "
               "revoked %s\n",
               i, json_string_value(json_object_get(hit, "id")),
               json_string_value(json_object_get(hit, "role")), created ? created : "(unknown)",
               json_is_integer(q) ? "yes" : "no",
               json_is_true(json_object_get(hit, "revoked")) ? "yes" : "no");
    }
    json_decref(cfg);
}

static int auth_check(const char *path, const char *key, const char *jwt, const char *tool,
                      time_t now)
{
    struct ep_error err = {0};
    struct ep_auth *a = NULL;
    if (ep_auth_load(path, &a, &err)) {
        ep_cli_error(&err);
        return EP_EXIT_ERROR;
    }
    const char *cred = key ? key : jwt;
    if (!cred) {
        ep_auth_free(a);
        return EP_EXIT_USAGE;
    }
    char line[16400];
    if (strcmp(cred, "-") == 0) { /* from standard input: one line */
        if (!fgets(line, sizeof line, stdin)) {
            fprintf(stderr, "epintel auth check: nothing on standard input\n");
            ep_auth_free(a);
            return EP_EXIT_USAGE;
        }
        line[strcspn(line, "\r\n")] = 0;
        cred = line;
    }
    /* the server tells a JWT from a key by its dots: say so when the flag disagrees */
    if (key && strchr(cred, '.'))
        printf("note: this --key contains '.', so the server reads it as a JWT\n");
    if (jwt && !strchr(cred, '.'))
        printf("note: this --jwt has no '.', so the server reads it as an API key\n");
    char *hdr = NULL;
    if (asprintf(&hdr, "Bearer %s", cred) < 0) {
        ep_auth_free(a);
        return EP_EXIT_ERROR;
    }
    struct ep_auth_principal p;
    char when[32];
    fmt_time(now, when, sizeof when);
    int rc = ep_auth_authenticate(a, hdr, now, &p, &err);
    free(hdr);
    if (rc)
        printf("decision: REFUSED at %s: %s\n", when, err.msg);
    else
        printf("decision: accepted at %s as %s (%s)\n", when, p.id, p.kind);
    if (strchr(cred, '.'))
        show_jwt(a, cred, now);
    else
        show_key(path, cred);
    int ret = rc ? EP_EXIT_ERROR : EP_EXIT_OK;
    if (!rc) {
        printf("roles: %s%s\n", p.role_names[0] ? p.role_names : "(none: no tool is allowed)",
               !p.role_names[0]             ? ""
               : strcmp(p.kind, "jwt") == 0 ? " (the roles whose scope the token's scope/scp names)"
                                            : " (the key's role)");
        char role[64] = "";
        long q = p.has_key_quota ? p.key_quota : ep_auth_daily_quota(a, &p, role, sizeof role);
        if (p.has_key_quota)
            printf("daily quota: %ld tools/call per UTC day (the key's own)\n", q);
        else if (q >= 0)
            printf("daily quota: %ld tools/call per UTC day (role %s)\n", q, role);
        else
            printf("daily quota: unlimited\n");
        printf("/metrics: %s\n", !ep_auth_metrics_needs_role(a)   ? "open (no metrics_role)"
                                 : ep_auth_metrics_allowed(a, &p) ? "allowed (holds metrics_role)"
                                                                  : "refused (lacks metrics_role)");
        if (tool) {
            int ok = ep_auth_tool_allowed(a, &p, tool);
            printf("tool %s: %s\n", tool,
                   ok ? "allowed" : "REFUSED (none of the principal's roles lists it)");
            if (!ok)
                ret = EP_EXIT_ERROR;
        }
    }
    ep_auth_free(a);
    return ret;
}

int ep_cmd_auth(struct ep_cli *cli, int argc, char **argv)
{
    (void)cli;
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        auth_usage(stdout);
        return EP_EXIT_OK;
    }
    int check = argc >= 2 && strcmp(argv[1], "check") == 0;
    if (!check && (argc < 3 || strcmp(argv[1], "key") != 0)) {
        auth_usage(stderr);
        return EP_EXIT_USAGE;
    }
    const char *verb = check ? "check" : argv[2], *config = NULL, *role = NULL, *name = NULL,
               *id = NULL, *key = NULL, *jwt = NULL, *tool = NULL, *at = NULL, *state_url = NULL;
    long quota = -1;
    for (int i = check ? 2 : 3; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!a)
            break;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            auth_usage(stdout);
            return EP_EXIT_OK;
        } else if (strcmp(a, "--config") == 0 && v) {
            config = v;
            i++;
        } else if (strcmp(a, "--role") == 0 && v) {
            role = v;
            i++;
        } else if (check && strcmp(a, "--key") == 0 && v) {
            key = v;
            i++;
        } else if (check && strcmp(a, "--jwt") == 0 && v) {
            jwt = v;
            i++;
        } else if (check && strcmp(a, "--tool") == 0 && v) {
            tool = v;
            i++;
        } else if (check && strcmp(a, "--at") == 0 && v) {
            at = v;
            i++;
        } else if (!check && strcmp(a, "--state") == 0 && v) {
            state_url = v;
            i++;
        } else if (strcmp(a, "--name") == 0 && v) {
            name = v;
            i++;
        } else if (strcmp(a, "--quota") == 0 && v) {
            char *end;
            quota = strtol(v, &end, 10);
            if (*end || end == v || quota < 0 || quota > 1000000000L) {
                fprintf(stderr, "epintel auth: --quota takes a whole number from 0 to "
                                "1000000000\n");
                return EP_EXIT_USAGE;
            }
            i++;
        } else if (a[0] != '-' && !id) {
            id = a;
        } else {
            fprintf(stderr, "epintel auth: unknown or incomplete argument %s (try --help)\n", a);
            return EP_EXIT_USAGE;
        }
    }
    if (!config) {
        fprintf(stderr, "epintel auth: --config F (the server's --auth-config file) is required\n");
        return EP_EXIT_USAGE;
    }
    if (check) {
        time_t now = time(NULL);
        if (!key == !jwt || role || name || id || quota >= 0) {
            fprintf(stderr, "epintel auth check: give one of --key K or --jwt T (and no other "
                            "key option)\n");
            return EP_EXIT_USAGE;
        }
        if (at && parse_time(at, &now)) {
            fprintf(stderr,
                    "epintel auth check: --at takes seconds since the epoch or "
                    "YYYY-MM-DDTHH:MM:SSZ, not \"%s\"\n",
                    at);
            return EP_EXIT_USAGE;
        }
        return auth_check(config, key, jwt, tool, now);
    }
    if (state_url && strcmp(verb, "revoke") != 0) {
        fprintf(stderr, "epintel auth: --state goes with key revoke only\n");
        return EP_EXIT_USAGE;
    }
    if (strcmp(verb, "add") == 0) {
        if (!role || id) {
            fprintf(stderr, "epintel auth key add: --role ROLE is required (and no ID)\n");
            return EP_EXIT_USAGE;
        }
        return key_add(config, role, name, quota);
    }
    if (strcmp(verb, "list") == 0 && !id && !role && !name && quota < 0)
        return key_list(config);
    if (strcmp(verb, "revoke") == 0 && id && !role && !name && quota < 0)
        return key_revoke(config, id, state_url);
    auth_usage(stderr);
    return EP_EXIT_USAGE;
}
