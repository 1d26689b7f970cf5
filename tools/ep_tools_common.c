/* ep_tools_common: shared result helpers and the per-store positions snapshot. */
#include "ep_tools_common.h"
#include "ep_tools.h"
#include "ep_env.h"

#include "ep_stats.h"
#include "ep_patterns.h"
#include "ep_window.h"

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ep_model.h"
#include "ep_query.h"
#include "ep_query_intel.h"
#include "ep_store.h"

/* ---- provenance ------------------------------------------------------------------------ */

/* The provenance object of the fields in pv. */
static json_t *prov_json(const struct ep_positions_prov *pv)
{
    const char *date = pv->dataset_date, *from = pv->pos_from, *to = pv->pos_to;
    json_t *o = json_pack("{s:[s,s]}", "sources", "Source: European Parliament",
                          "Data: HowTheyVote.eu (ODbL)");
    json_t *win = from[0] ? json_pack("{s:s,s:s}", "from", from, "to", to) : json_null();
    if (!o || !win || json_object_set_new(o, "positions_window", win) ||
        json_object_set_new(o, "dataset_date", date[0] ? json_string(date) : json_null()) ||
        json_object_set_new(o, "synthetic", json_boolean(pv->synthetic))) {
        if (!o)
            json_decref(win);
        json_decref(o);
        o = NULL;
    }
    return o;
}

json_t *ep_tools_env_provenance(struct ep_env *env)
{
    struct ep_positions_prov pv;
    if (!env || !env->store || ep_positions_provenance(&env->positions, env->store, &pv, NULL))
        return NULL;
    return prov_json(&pv);
}

json_t *ep_tools_provenance(struct ep_store *s)
{
    struct ep_env env;
    if (!s || ep_env_init(&env, s, NULL))
        return NULL;
    json_t *o = ep_tools_env_provenance(&env);
    ep_env_close(&env);
    return o;
}

/* Steal p into obj["provenance"]. */
static int add_prov(json_t *obj, json_t *p, struct ep_error *err)
{
    if (!p)
        return ep_error_set(err, EP_EDB, "could not read the dataset provenance from the store");
    if (json_object_set_new(obj, "provenance", p))
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    return 0;
}

int ep_tools_env_add_provenance(struct ep_env *env, json_t *obj, struct ep_error *err)
{
    return add_prov(obj, ep_tools_env_provenance(env), err);
}

int ep_tools_add_provenance(struct ep_store *s, json_t *obj, struct ep_error *err)
{
    return add_prov(obj, ep_tools_provenance(s), err);
}

json_t *ep_tools_window_date(const char *date)
{
    return date && *date ? json_string(date) : json_null();
}

json_t *ep_tools_unavailable(const char *reason)
{
    return json_pack("{s:b,s:s}", "available", 0, "reason", reason ? reason : "not available");
}

const char *ep_tools_alpha_reason(int units, int n_vote, char *buf, size_t n)
{
    return ep_patterns_alpha_reason(units, n_vote, buf, n);
}

/* ---- positions ------------------------------------------------------------------------- */

/* The METHODS tie rule and the Agreement Index live in stats/; these wrappers keep the tool
 * layer's names. EP_TOOLS_GPOS_* and EP_GPOS_* share their values (checked below). */
_Static_assert((int)EP_TOOLS_GPOS_FOR == (int)EP_GPOS_FOR &&
                   (int)EP_TOOLS_GPOS_AGAINST == (int)EP_GPOS_AGAINST &&
                   (int)EP_TOOLS_GPOS_ABSTENTION == (int)EP_GPOS_ABSTENTION &&
                   (int)EP_TOOLS_GPOS_TIE == (int)EP_GPOS_TIE &&
                   (int)EP_TOOLS_GPOS_NONE == (int)EP_GPOS_NONE,
               "group position codes differ between tools/ and stats/");

int ep_tools_group_position(int y, int n, int a)
{
    return ep_stats_position(y, n, a);
}

const char *ep_tools_gpos_name(int gpos)
{
    switch (gpos) {
    case EP_TOOLS_GPOS_FOR: return "FOR";
    case EP_TOOLS_GPOS_AGAINST: return "AGAINST";
    case EP_TOOLS_GPOS_ABSTENTION: return "ABSTENTION";
    case EP_TOOLS_GPOS_TIE: return "TIE";
    default: return "NONE";
    }
}

const char *ep_tools_pos_name(int pos)
{
    switch (pos) {
    case EP_POS_FOR: return "FOR";
    case EP_POS_AGAINST: return "AGAINST";
    case EP_POS_ABSTENTION: return "ABSTENTION";
    case EP_POS_DID_NOT_VOTE: return "DID_NOT_VOTE";
    default: return NULL;
    }
}

int ep_tools_agreement_index(int y, int n, int a, double *ai)
{
    return ep_stats_ai(y, n, a, ai) == EP_OK ? EP_OK : EP_EUNAVAIL;
}

/* ---- snapshot -------------------------------------------------------------------------- */

/* The process's positions cache (analysis/ep_positions.h), until the tools take the analysis
 * environment (struct ep_env) from their context. */
int ep_tools_pos_acquire(struct ep_env *env, struct ep_positions **out, struct ep_error *err)
{
    *out = NULL;
    if (!env)
        return ep_error_set(err, EP_EINTERNAL, "no analysis environment attached to the call");
    return ep_positions_acquire(&env->positions, env->store, out, err);
}

void ep_tools_pos_release(struct ep_positions *p)
{
    ep_positions_release(p);
}

json_t *ep_tools_breakdown_json(const struct ep_positions *p, int v)
{
    const struct ep_matrix *m = &p->m;
    json_t *arr = json_array();
    if (!arr || v < 0 || v >= m->n_vote)
        return arr;
    int order[EP_MATRIX_MAX_GROUPS];
    int ng = m->n_grp < EP_MATRIX_MAX_GROUPS ? m->n_grp : EP_MATRIX_MAX_GROUPS;
    for (int g = 0; g < ng; g++) {
        int k = g;
        while (k > 0 && strcmp(m->grp_code[order[k - 1]], m->grp_code[g]) > 0) {
            order[k] = order[k - 1];
            k--;
        }
        order[k] = g;
    }
    const struct ep_positions_counts *c = p->counts + (size_t)v * (size_t)m->n_grp;
    for (int k = 0; k < ng; k++) {
        int g = order[k];
        const struct ep_positions_counts *x = &c[g];
        if (x->y + x->n + x->a + x->d == 0)
            continue;
        json_t *o = json_pack("{s:s,s:i,s:i,s:i,s:i,s:s}", "group", m->grp_code[g], "Y", x->y, "N",
                              x->n, "A", x->a, "D", x->d, "position",
                              ep_tools_gpos_name(ep_tools_group_position(x->y, x->n, x->a)));
        double ai;
        if (o && ep_tools_agreement_index(x->y, x->n, x->a, &ai) == 0 &&
            json_object_set_new(o, "agreement_index", json_real(ai))) {
            json_decref(o);
            o = NULL;
        }
        if (!o || json_array_append_new(arr, o)) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

int ep_tools_group_breakdown(struct ep_env *env, int64_t vote_id, json_t **out,
                             struct ep_error *err)
{
    *out = NULL;
    struct ep_positions *p = NULL;
    int rc = ep_tools_pos_acquire(env, &p, err);
    if (rc || !p)
        return rc ? rc : EP_EINTERNAL;
    int v = ep_positions_vote_index(p, vote_id);
    if (v >= 0) {
        *out = ep_tools_breakdown_json(p, v);
        if (!*out)
            rc = ep_error_set(err, EP_ENOMEM, "out of memory");
    }
    ep_tools_pos_release(p);
    return rc;
}

/* ---- misc ------------------------------------------------------------------------------- */

static int word_byte(unsigned char c)
{
    return c >= 0x80 || isalnum(c);
}

int ep_tools_fts_query(const char *text, int any, struct ep_buf *out)
{
    int terms = 0;
    const unsigned char *p = (const unsigned char *)(text ? text : "");
    while (*p && terms < 32) {
        while (*p && isspace(*p))
            p++;
        const unsigned char *chunk = p;
        while (*p && !isspace(*p))
            p++;
        /* one chunk (no spaces) = one phrase of its words, e.g. 2022/0099(COD) */
        int words = 0, prefix = 0;
        size_t start = out->len;
        for (const unsigned char *q = chunk; q < p;) {
            if (!word_byte(*q)) {
                q++;
                continue;
            }
            const unsigned char *w = q;
            while (q < p && word_byte(*q))
                q++;
            if (words == 0) {
                if (terms && ep_buf_printf(out, "%s", any ? " OR " : " "))
                    return terms;
                if (ep_buf_putc(out, '"'))
                    return terms;
            } else if (ep_buf_putc(out, ' ')) {
                return terms;
            }
            if (ep_buf_append(out, w, (size_t)(q - w)))
                return terms;
            words++;
            prefix = q < p && *q == '*';
        }
        if (words) {
            if (ep_buf_putc(out, '"') || (prefix && ep_buf_putc(out, '*'))) {
                out->len = start;
                out->data[start] = '\0';
                return terms;
            }
            terms++;
        }
    }
    return terms;
}

/* U+00C0..U+00FF and U+0100..U+017F folded to an ASCII base letter ('.' = keep). */
static const char fold_latin1[] =
    "aaaaaaaceeeeiiiidnooooo.ouuuuytsaaaaaaaceeeeiiiidnooooo.ouuuuyty";
static const char fold_exta[] = "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiiiijjkkklllllll"
                                "lllnnnnnnnnnoooooooorrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";
_Static_assert(sizeof fold_latin1 == 65 && sizeof fold_exta == 129, "fold tables");

int ep_tools_fold(const char *text, struct ep_buf *out)
{
    const unsigned char *p = (const unsigned char *)(text ? text : "");
    while (*p) {
        unsigned c = *p;
        if (c < 0x80) {
            if (ep_buf_putc(out, (char)tolower((int)c)))
                return EP_ENOMEM;
            p++;
            continue;
        }
        size_t len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
        size_t k = 1;
        while (k < len && (p[k] & 0xC0) == 0x80)
            k++;
        if (k != len) {
            len = 1;
        }
        char f = 0;
        if (len == 2) {
            unsigned cp = ((c & 0x1Fu) << 6) | (p[1] & 0x3Fu);
            if (cp >= 0xC0 && cp <= 0xFF)
                f = fold_latin1[cp - 0xC0];
            else if (cp >= 0x100 && cp <= 0x17F)
                f = fold_exta[cp - 0x100];
            else if (cp >= 0x218 && cp <= 0x21B) /* Romanian comma-below s, t */
                f = cp < 0x21A ? 's' : 't';
            if (f == '.')
                f = 0;
        }
        if (f ? ep_buf_putc(out, f) : ep_buf_append(out, p, len))
            return EP_ENOMEM;
        p += len;
    }
    return 0;
}

int ep_tools_db_error(struct ep_store *s, struct ep_error *err, const char *what)
{
    return ep_query_db_error(s, err, what);
}

/* ---- MEPs -------------------------------------------------------------------------------- */

int ep_tools_env_mep_known(struct ep_env *env, int64_t id, struct ep_error *err)
{
    if (!env)
        return ep_error_set(err, EP_EINTERNAL, "no analysis environment attached to the call");
    return ep_positions_mep_known(&env->positions, env->store, id, err);
}

int ep_tools_mep_known(struct ep_store *s, int64_t id, struct ep_error *err)
{
    struct ep_env env;
    int rc = ep_env_init(&env, s, err);
    if (!rc)
        rc = ep_tools_env_mep_known(&env, id, err);
    ep_env_close(&env);
    return rc;
}

int ep_tools_env_mep_index(struct ep_env *env, const struct ep_matrix *m, int64_t id,
                           const char *arg, struct ep_error *err)
{
    int i = ep_matrix_mep_index(m, id);
    if (i >= 0)
        return i;
    int known = ep_tools_env_mep_known(env, id, err);
    if (known < 0)
        return known;
    if (known == 0)
        return ep_error_set(err, EP_ENOTFOUND,
                            "argument \"%s\": no MEP with id %lld in the store (find ids with "
                            "get_meps)",
                            arg, (long long)id);
    char name[200] = "not in the members table";
    if (known == 1) {
        int r = ep_query_member_name(env->store, id, name, sizeof name, err);
        if (r < 0)
            return r;
    }
    return ep_error_set(err, EP_EUNAVAIL,
                        "argument \"%s\": MEP %lld (%s) held no mandate on any of the window's "
                        "%d votes; choose a window when they were an MEP",
                        arg, (long long)id, name, m->n_vote);
}

/* ---- did-not-vote coverage ------------------------------------------------------------- */

int ep_tools_dnv_unknown(const struct ep_matrix *m, int v0, int v1)
{
    return ep_matrix_dnv_unknown(m, v0, v1);
}

int ep_tools_mep_dnv_unknown(const struct ep_matrix *m, int i, int v0, int v1)
{
    return ep_matrix_mep_dnv_unknown(m, i, v0, v1);
}

void ep_tools_dnv_reason(char *buf, size_t n, int unknown, int total)
{
    ep_dnv_reason(buf, n, unknown, total);
}

/* ---- group codes --------------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Known group codes into *known (sorted, duplicates kept, no empty code): the groups table and
 * memberships, plus the positions' groups (the snapshot's matrix) when with_votes. *known is
 * one block (the pointers, then the codes they point to): free() it. */
static int known_groups(struct ep_env *env, int with_votes, char ***known, size_t *nk,
                        struct ep_error *err)
{
    char **q = NULL;
    size_t nq = 0;
    int rc = ep_query_known_groups(env->store, &q, &nq, err);
    if (rc)
        return rc;
    struct ep_positions *p = NULL;
    if (with_votes && (rc = ep_tools_pos_acquire(env, &p, err))) {
        ep_query_strings_free(q, nq);
        return rc;
    }
    int ng = p ? p->m.n_grp : 0;
    size_t bytes = 0;
    for (size_t i = 0; i < nq; i++)
        bytes += strlen(q[i]) + 1;
    for (int g = 0; g < ng; g++)
        bytes += strlen(p->m.grp_code[g]) + 1;
    size_t head = (nq + (size_t)ng) * sizeof(char *);
    char **k = malloc(head + bytes + 1);
    size_t n = 0;
    if (!k) {
        rc = ep_error_set(err, EP_ENOMEM, "out of memory");
    } else {
        char *at = (char *)k + head;
        for (size_t i = 0; i < nq + (size_t)ng; i++) {
            const char *c = i < nq ? q[i] : p->m.grp_code[i - nq];
            size_t len = strlen(c);
            if (!len)
                continue;
            memcpy(at, c, len + 1);
            k[n++] = at;
            at += len + 1;
        }
    }
    ep_query_strings_free(q, nq);
    ep_tools_pos_release(p);
    if (rc)
        return rc;
    if (n > 1)
        qsort(k, n, sizeof *k, cmp_str);
    *nk = n;
    *known = k;
    return 0;
}

int ep_tools_resolve_group(struct ep_store *s, const char *argname, const char *arg, char *code,
                           size_t n, struct ep_error *err)
{
    struct ep_env env;
    int rc = ep_env_init(&env, s, err);
    if (!rc)
        rc = ep_tools_env_resolve_group(&env, argname, arg, code, n, err);
    ep_env_close(&env);
    return rc;
}

int ep_tools_env_resolve_group(struct ep_env *env, const char *argname, const char *arg,
                               char *code, size_t n, struct ep_error *err)
{
    if (!env || !env->store)
        return ep_error_set(err, EP_EUNAVAIL, "no store");
    const char *canon = ep_group_canonical(arg);
    int rc = 0;
    /* the tables first; the positions' groups (which need the store's snapshot) only when the
     * tables do not name it */
    for (int with_votes = 0; with_votes < 2; with_votes++) {
        char **known = NULL;
        size_t nk = 0;
        rc = known_groups(env, with_votes, &known, &nk, err);
        if (rc)
            return rc;
        const char *hit = NULL;
        for (size_t k = 0; k < nk && !hit; k++)
            if (strcmp(known[k], arg) == 0 || (canon && strcmp(known[k], canon) == 0))
                hit = known[k];
        for (size_t k = 0; k < nk && !hit; k++)
            if (strcasecmp(known[k], arg) == 0)
                hit = known[k];
        if (hit) {
            if (strlen(hit) >= n)
                rc = ep_error_set(err, EP_ELIMIT, "group code \"%s\" is too long", hit);
            else
                memcpy(code, hit, strlen(hit) + 1);
        } else if (with_votes) {
            struct ep_buf list;
            ep_buf_init(&list, 0);
            for (size_t k = 0; k < nk; k++)
                if (!k || strcmp(known[k], known[k - 1]) != 0)
                    ep_buf_printf(&list, "%s%s", list.len ? ", " : "", known[k]);
            rc = ep_error_set(err, EP_EINVAL,
                              "argument \"%s\": unknown group \"%s\"; known: %s (any case, or "
                              "the EP's label such as PPE or S&D)",
                              argname, arg,
                              list.len ? list.data : "none (the store names no group)");
            ep_buf_free(&list);
        }
        free(known);
        if (hit || rc)
            return rc;
    }
    return rc;
}

int ep_tools_term_of(const char *date)
{
    if (!date || !ep_date_valid(date))
        return 0;
    if (strncmp(date, "2024-07-16", 10) >= 0)
        return 10;
    if (strncmp(date, "2019-07-02", 10) >= 0)
        return 9;
    if (strncmp(date, "2014-07-01", 10) >= 0)
        return 8;
    return 0;
}
