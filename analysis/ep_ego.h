/* ep_ego: an MEP's ego network in the co-voting network of a window (docs/tools-intel.md,
 * network_analysis): the k strongest ties (edge weight = agreement, analysis/ep_comparative.h:
 * the MEPs who vote most like them with at least min_common common votes, which are exactly the
 * MEP's edges in graph/), the groups and countries of all the MEP's ties, the ties that cross to
 * another group, and the MEP's node figures (degree, strength, bridge score, community). */
#ifndef EP_EGO_H
#define EP_EGO_H

#include "ep_comparative.h"
#include "ep_error.h"
#include "ep_matrix.h"
#include "ep_query_topics.h"
#include "ep_run.h"
#include "ep_window.h"

#define EP_EGO_CROSS_TOP 5 /* strongest cross-group ties listed */

struct ep_ego_params {
    int mep;        /* matrix index */
    int k;          /* strongest ties listed */
    int min_common; /* common votes for a tie (the network's edge) */
};

struct ep_ego_count {
    int key; /* group index (-1: none) or index into ego.cty */
    int ties;
    double wsum; /* Σ weight */
};

/* Ownership: win is borrowed (its graph win->g is read); ties (inside cmp), cty and by_cty are
 * owned (ep_ego_free). */
struct ep_ego {
    struct ep_win *win;
    struct ep_ego_params p;
    int node;                  /* graph node of the MEP, -1 when they cast no vote */
    int grp;                   /* the MEP's modal group */
    struct ep_comparative cmp; /* cmp.like[0..cmp.like_candidates): every tie, strongest first */
    int n_by_grp;
    struct ep_ego_count by_grp[EP_MATRIX_MAX_GROUPS + 1]; /* most ties first */
    int n_cty;
    char (*cty)[8];
    struct ep_ego_count *by_cty; /* most ties first */
    int cross;                   /* ties to MEPs of another modal group */
    double cross_w;              /* their Σ weight */
    int n_cross_top;
    int cross_top[EP_EGO_CROSS_TOP]; /* indices into cmp.like */
};

void ep_ego_init(struct ep_ego *out);
void ep_ego_free(struct ep_ego *out);
/* Stages "co-voting network", "ties", "composition" of run r. EP_EUNAVAIL when the MEP cast no
 * vote in the window (no node). */
int ep_ego_compute(struct ep_win *w, const struct ep_ego_params *p, struct ep_run *r,
                   struct ep_ego *out, struct ep_error *err);

/* Committee co-membership of the ego (where the store holds committee memberships, synced from
 * the EP API). The window's dates are those of its first and last vote. A peer is an MEP who
 * shared at least one committee with the ego in them: for a committee, one membership of the
 * ego and one of the peer whose dates overlap each other and the window (max of the starts <=
 * min of the ends). tie = the peer's index in ego->cmp.like (a co-voting tie, -1 none). */
#define EP_EGO_MAX_SHARED 8
struct ep_ego_peer {
    int64_t member_id;
    char name[96], group[16];
    int n_shared; /* committees shared (at most EP_EGO_MAX_SHARED listed) */
    char shared[EP_EGO_MAX_SHARED][33];
    int tie;
};

struct ep_ego_committees {
    long memberships; /* committee memberships in the store; 0: no rosters (unavailable) */
    char from[11], to[11];
    int n_own;
    struct ep_cmember *own; /* the ego's memberships overlapping the window (owned) */
    int n_peers;
    struct ep_ego_peer *peers; /* owned; most shared committees first, then tie weight, id */
    int peers_in_network;      /* peers with a co-voting tie to the ego */
    int *top_peer; /* [ego->cmp.n_like]: the listed tie's index in peers, -1 none (owned) */
};

/* ego: a computed ego network (borrowed, its window's store is read). */
int ep_ego_committees_compute(const struct ep_ego *ego, struct ep_ego_committees *out,
                              struct ep_error *err);
void ep_ego_committees_free(struct ep_ego_committees *out);

#endif
