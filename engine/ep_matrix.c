#include "ep_matrix.h"
#include "ep_model.h"

#include <stdlib.h>
#include <string.h>

int ep_matrix_alloc(struct ep_matrix *m, int n_mep, int n_vote, struct ep_error *err)
{
    memset(m, 0, sizeof *m);
    if (n_mep < 0 || n_vote < 0)
        return ep_error_set(err, EP_EINVAL, "matrix size must be non-negative");
    m->n_mep = n_mep;
    m->n_vote = n_vote;
    m->n_words = (n_vote + 63) / 64;
    size_t cells = (size_t)n_mep * (size_t)n_vote;
    size_t words = (size_t)n_mep * (size_t)m->n_words;
    m->mep_id = calloc((size_t)n_mep + 1, sizeof *m->mep_id);
    m->vote_id = calloc((size_t)n_vote + 1, sizeof *m->vote_id);
    m->vote_day = calloc((size_t)n_vote + 1, sizeof *m->vote_day);
    for (int k = 0; k < 3; k++)
        m->plane[k] = calloc(words + 1, sizeof(uint64_t));
    m->pos = calloc(cells + 1, 1);
    m->grp = malloc(cells + 1);
    m->dnv_known = malloc((size_t)n_vote + 1);
    if (!m->mep_id || !m->vote_id || !m->vote_day || !m->plane[0] || !m->plane[1] || !m->plane[2] ||
        !m->pos || !m->grp || !m->dnv_known) {
        ep_matrix_free(m);
        return ep_error_set(err, EP_ENOMEM, "out of memory for a %d x %d vote matrix", n_mep,
                            n_vote);
    }
    memset(m->grp, EP_GRP_NONE, cells + 1);
    memset(m->dnv_known, 1, (size_t)n_vote + 1);
    return EP_OK;
}

void ep_matrix_free(struct ep_matrix *m)
{
    free(m->mep_id);
    free(m->vote_id);
    free(m->vote_day);
    for (int k = 0; k < 3; k++)
        free(m->plane[k]);
    free(m->pos);
    free(m->grp);
    free(m->dnv_known);
    memset(m, 0, sizeof *m);
}

int ep_matrix_group_index(struct ep_matrix *m, const char *code)
{
    for (int g = 0; g < m->n_grp; g++)
        if (strcmp(m->grp_code[g], code) == 0)
            return g;
    if (m->n_grp >= EP_MATRIX_MAX_GROUPS || strlen(code) >= sizeof m->grp_code[0])
        return -1;
    strcpy(m->grp_code[m->n_grp], code);
    return m->n_grp++;
}

void ep_matrix_set(struct ep_matrix *m, int v, int i, int pos, int grp)
{
    size_t cell = (size_t)v * (size_t)m->n_mep + (size_t)i;
    size_t w = (size_t)i * (size_t)m->n_words + (size_t)(v / 64);
    uint64_t bit = (uint64_t)1 << (v % 64);
    for (int k = 0; k < 3; k++)
        m->plane[k][w] &= ~bit;
    if (pos >= 1 && pos <= 3)
        m->plane[pos - 1][w] |= bit;
    m->pos[cell] = (uint8_t)pos;
    m->grp[cell] = (uint8_t)(grp < 0 ? EP_GRP_NONE : grp);
}

int ep_matrix_mep_index(const struct ep_matrix *m, int64_t id)
{
    int lo = 0, hi = m->n_mep - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (m->mep_id[mid] == id)
            return mid;
        if (m->mep_id[mid] < id)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

int ep_matrix_dnv_unknown(const struct ep_matrix *m, int v0, int v1)
{
    int n = 0;
    for (int v = v0 < 0 ? 0 : v0; v < v1 && v < m->n_vote; v++)
        n += !m->dnv_known[v];
    return n;
}

int ep_matrix_mep_dnv_unknown(const struct ep_matrix *m, int i, int v0, int v1)
{
    int n = 0;
    for (int v = v0 < 0 ? 0 : v0; v < v1 && v < m->n_vote; v++) {
        if (m->dnv_known[v])
            continue;
        /* a cast vote or a membership that day (DID_NOT_VOTE derived) says i was an MEP */
        n += i < 0 || m->pos[(size_t)v * (size_t)m->n_mep + (size_t)i] == EP_POS_NONE;
    }
    return n;
}
