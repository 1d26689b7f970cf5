#include "ep_tools_window.h"
#include "ep_tools_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_tools.h"
#include "ep_util.h"

int ep_tools_window_from_args(json_t *args, struct ep_tools_window *tw, struct ep_error *err)
{
    memset(tw, 0, sizeof *tw);
    if (!args)
        return EP_OK;
    const char *from = json_string_value(json_object_get(args, "from"));
    const char *to = json_string_value(json_object_get(args, "to"));
    if (from) {
        snprintf(tw->from, sizeof tw->from, "%s", from);
        tw->w.from = tw->from;
    }
    if (to) {
        snprintf(tw->to, sizeof tw->to, "%s", to);
        tw->w.to = tw->to;
    }
    if (from && to && strcmp(from, to) > 0)
        return ep_error_set(err, EP_EINVAL,
                            "argument \"from\" (%s) is after \"to\" (%s): swap them", from, to);
    json_t *term = json_object_get(args, "term");
    if (json_is_integer(term))
        tw->w.term = (int)json_integer_value(term);
    json_t *sit = json_object_get(args, "sittings");
    if (json_is_array(sit)) {
        size_t n = json_array_size(sit);
        if (n > 200)
            return ep_error_set(err, EP_EINVAL, "argument \"sittings\": at most 200 dates");
        for (size_t i = 0; i < n; i++) {
            const char *d = json_string_value(json_array_get(sit, i));
            if (!d || !ep_date_valid(d))
                return ep_error_set(err, EP_EINVAL,
                                    "argument \"sittings[%zu]\": must be a date YYYY-MM-DD", i);
            snprintf(tw->sitting_buf[i], sizeof tw->sitting_buf[i], "%s", d);
            tw->sittings[i] = tw->sitting_buf[i];
        }
        tw->sittings[n] = NULL;
        tw->w.sittings = tw->sittings;
    }
    return EP_OK;
}

struct cache_entry {
    char key[2600];
    struct ep_store *store;
    struct ep_matrix m;
    struct ep_stats_votes vs; /* computed on first ep_tools_matrix_votes */
    int used, have_vs;
    unsigned long tick;
};

static struct cache_entry cache[EP_TOOLS_MATRIX_CACHE];
static unsigned long tick;

/* The key names the window and the store's content (ep_tools_store_marker), so that an
 * ingest invalidates it. */
static void make_key(struct ep_store *s, const struct ep_tools_window *tw, char *key, size_t n)
{
    char marker[2048];
    ep_tools_store_marker(s, marker, sizeof marker);
    int k = snprintf(key, n, "%s|%s|%s|%d|", marker, tw->from, tw->to, tw->w.term);
    for (int i = 0; tw->w.sittings && tw->w.sittings[i] && k > 0 && (size_t)k < n; i++)
        k += snprintf(key + k, n - (size_t)k, "%s,", tw->w.sittings[i]);
}

static void entry_free(struct cache_entry *c)
{
    ep_matrix_free(&c->m);
    if (c->have_vs)
        ep_stats_votes_free(&c->vs);
    c->used = c->have_vs = 0;
}

int ep_tools_matrix(struct ep_store *s, const struct ep_tools_window *tw,
                    const struct ep_matrix **m, struct ep_error *err)
{
    char key[sizeof cache[0].key];
    make_key(s, tw, key, sizeof key);
    struct cache_entry *victim = &cache[0];
    for (int i = 0; i < EP_TOOLS_MATRIX_CACHE; i++) {
        struct cache_entry *c = &cache[i];
        if (c->used && c->store == s && strcmp(c->key, key) == 0) {
            c->tick = ++tick;
            *m = &c->m;
            return EP_OK;
        }
        if (!c->used || (victim->used && c->tick < victim->tick))
            victim = c;
    }
    if (victim->used)
        entry_free(victim);
    int rc = ep_store_load_matrix(s, &tw->w, &victim->m, err);
    if (rc)
        return rc;
    snprintf(victim->key, sizeof victim->key, "%s", key);
    victim->store = s;
    victim->used = 1;
    victim->tick = ++tick;
    *m = &victim->m;
    return EP_OK;
}

void ep_tools_matrix_cache_clear(void)
{
    for (int i = 0; i < EP_TOOLS_MATRIX_CACHE; i++)
        if (cache[i].used)
            entry_free(&cache[i]);
}

int ep_tools_matrix_votes(const struct ep_matrix *m, struct ep_stats_votes *vs,
                          struct ep_error *err)
{
    for (int i = 0; i < EP_TOOLS_MATRIX_CACHE; i++) {
        struct cache_entry *c = &cache[i];
        if (!c->used || &c->m != m)
            continue;
        if (!c->have_vs) {
            int rc = ep_stats_votes_compute(&c->m, &c->vs, err);
            if (rc)
                return rc;
            c->have_vs = 1;
        }
        *vs = c->vs;
        return EP_OK;
    }
    return ep_error_set(err, EP_ENOTFOUND, "matrix not held by the window cache");
}

json_t *ep_tools_window_json(const struct ep_tools_window *tw, const struct ep_matrix *m)
{
    char from[11] = "", to[11] = "";
    int sittings = 0;
    if (m->n_vote > 0) {
        ep_date_format(m->vote_day[0], from);
        ep_date_format(m->vote_day[m->n_vote - 1], to);
        for (int v = 0; v < m->n_vote; v++)
            if (v == 0 || m->vote_day[v] != m->vote_day[v - 1])
                sittings++;
    }
    return json_pack("{s:o, s:o, s:o, s:i, s:i, s:i, s:b}", "from", ep_tools_window_date(from),
                     "to", ep_tools_window_date(to), "term",
                     tw->w.term ? json_integer(tw->w.term) : json_null(), "votes", m->n_vote,
                     "meps", m->n_mep, "sittings", sittings, "synthetic", m->synthetic);
}
