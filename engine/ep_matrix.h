/* ep_matrix: a window of roll-call votes loaded into bit planes, and the pairwise agreement
 * kernel.
 *
 * Layout:
 *  - MEPs are indexed 0..n_mep-1 in ascending EP id; votes 0..n_vote-1 in (timestamp, id) order.
 *  - plane[k] (k = 0 FOR, 1 AGAINST, 2 ABSTENTION) is MEP-major: the bits of MEP i over all
 *    votes are plane[k][i*n_words .. i*n_words+n_words-1], vote v at bit (v % 64) of word v/64.
 *    cast = plane[0]|plane[1]|plane[2]. Unused tail bits are 0.
 *  - pos[v*n_mep + i] is the enum ep_pos of MEP i on vote v (EP_POS_NONE = not an MEP that day,
 *    EP_POS_DID_NOT_VOTE = MEP who did not vote).
 *  - grp[v*n_mep + i] is the index into grp_code[] of MEP i's group on vote v's date, or
 *    EP_GRP_NONE when not an MEP that day.
 *  - dnv_known[v] is 1 when who did not vote on v is known: the source listed its did-not-vote
 *    explicitly, or the memberships cover the vote (every MEP who cast a vote on it has a
 *    membership active that day). 0 means only the cast votes are known: the NONE cells of v
 *    may hide MEPs who did not vote, so participation and attendance over v are unknown.
 *    ep_matrix_alloc sets every vote to 1 (a generator that writes DID_NOT_VOTE cells).
 * The struct owns all arrays; free with ep_matrix_free(). */
#ifndef EP_MATRIX_H
#define EP_MATRIX_H

#include <stddef.h>
#include <stdint.h>

#include "ep_error.h"

#define EP_GRP_NONE 0xFF
#define EP_MATRIX_MAX_GROUPS 32

struct ep_matrix {
    int n_mep, n_vote, n_words;
    int64_t *mep_id;   /* [n_mep] ascending */
    int64_t *vote_id;  /* [n_vote] */
    int32_t *vote_day; /* [n_vote] days since 1970-01-01 */
    uint64_t *plane[3];
    uint8_t *pos; /* [n_vote*n_mep] */
    uint8_t *grp; /* [n_vote*n_mep] */
    uint8_t *dnv_known; /* [n_vote] (see above) */
    int n_grp;
    char grp_code[EP_MATRIX_MAX_GROUPS][16];
    int synthetic; /* 1 when built from synthetic data */
};

/* Allocate an empty matrix (all NONE) for the given sizes. */
int ep_matrix_alloc(struct ep_matrix *m, int n_mep, int n_vote, struct ep_error *err);
void ep_matrix_free(struct ep_matrix *m);
/* Group index for code, adding it when new; -1 when the table is full. */
int ep_matrix_group_index(struct ep_matrix *m, const char *code);
/* Set MEP i's position and group on vote v (keeps planes and pos/grp consistent). */
void ep_matrix_set(struct ep_matrix *m, int v, int i, int pos, int grp);
/* Index of an MEP id, or -1. Binary search. */
int ep_matrix_mep_index(const struct ep_matrix *m, int64_t id);
/* Votes v0 <= v < v1 whose did-not-vote list is unknown (dnv_known[v] == 0). */
int ep_matrix_dnv_unknown(const struct ep_matrix *m, int v0, int v1);
/* The same, counting only the votes where it is unknown whether MEP i was eligible (no cast
 * vote and no membership that day); i < 0 counts every unknown vote. */
int ep_matrix_mep_dnv_unknown(const struct ep_matrix *m, int i, int v0, int v1);

/* Pairwise agreement over all MEP pairs. same[i*n+j] = votes where both cast the same option,
 * both[i*n+j] = votes where both cast; full symmetric n_mep x n_mep arrays (caller-allocated),
 * the diagonal holds each MEP's own cast count in both (and same). nthreads <= 0 means the
 * number of online CPUs. Bit-plane AND + popcount. */
int ep_kernel_agree(const struct ep_matrix *m, uint32_t *same, uint32_t *both, int nthreads,
                    struct ep_error *err);
/* Reference implementation: a plain loop over pos[] for every pair. Same output. */
int ep_kernel_agree_ref(const struct ep_matrix *m, uint32_t *same, uint32_t *both,
                        struct ep_error *err);

#endif
