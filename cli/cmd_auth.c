/* epintel auth key add|list|revoke: API keys in the HTTP server's auth config (docs/http.md).
 *
 * A new key is printed once; the config keeps only its SHA-256. The file is rewritten
 * atomically (temporary file, fsync, rename) with mode 0600, and the rest of it is kept as it
 * was. The running server loads the change on SIGHUP. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "cli.h"
#include "ep_auth.h"
#include "ep_util.h"

static void auth_usage(FILE *f)
{
    fprintf(f,
            "usage: epintel auth key add --config F --role ROLE [--name NAME] [--quota N]\n"
            "       epintel auth key list --config F\n"
            "       epintel auth key revoke --config F ID\n\n"
            "Manage the API keys of `epintel serve --http --auth-config F` (docs/http.md).\n\n"
            "  add      make a new key for ROLE (one of the config's roles), print it once on\n"
            "           standard output and store only its SHA-256, with its id (NAME, or a\n"
            "           generated key-XXXXXXXX), creation date and, with --quota, its own daily\n"
            "           quota of data requests (instead of the role's)\n"
            "  list     the keys: id, role, quota, created, revoked (never a key)\n"
            "  revoke   mark key ID revoked (kept in the file, refused by the server)\n\n"
            "The config is rewritten atomically with mode 0600. A running server loads the\n"
            "change when it gets SIGHUP (kill -HUP PID); until then it uses the old keys.\n");
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

static int key_revoke(const char *path, const char *id)
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
        fprintf(stderr, "epintel auth: key \"%s\" is already revoked\n", id);
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
    json_decref(cfg);
    return ret;
}

int ep_cmd_auth(struct ep_cli *cli, int argc, char **argv)
{
    (void)cli;
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        auth_usage(stdout);
        return EP_EXIT_OK;
    }
    if (argc < 3 || strcmp(argv[1], "key") != 0) {
        auth_usage(stderr);
        return EP_EXIT_USAGE;
    }
    const char *verb = argv[2], *config = NULL, *role = NULL, *name = NULL, *id = NULL;
    long quota = -1;
    for (int i = 3; i < argc; i++) {
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
        return key_revoke(config, id);
    auth_usage(stderr);
    return EP_EXIT_USAGE;
}
