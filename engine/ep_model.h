/* ep_model: the records every adapter emits and the store keeps.
 *
 * Adapters (roll-call XML, HowTheyVote CSV, EP Open Data API) do not touch the store:
 * they call the callbacks of a struct ep_sink, one record at a time. Every string in a
 * record is borrowed and valid only during the callback; a sink copies what it keeps.
 * NULL string = unknown; an integer field of -1 = unknown. */
#ifndef EP_MODEL_H
#define EP_MODEL_H

#include <stdint.h>

#include "ep_error.h"

/* Per-MEP position on one vote. DID_NOT_VOTE is never emitted by the XML adapter: it is
 * derived from memberships (an MEP with an active membership on the vote date who is not
 * listed). The CSV adapter emits it when the file carries it, and the store keeps it. */
enum ep_pos {
    EP_POS_NONE = 0, /* not an MEP on that date */
    EP_POS_FOR = 1,
    EP_POS_AGAINST = 2,
    EP_POS_ABSTENTION = 3,
    EP_POS_DID_NOT_VOTE = 4,
};

const char *ep_pos_name(int pos); /* "FOR", ... ; "NONE" for 0 */
int ep_pos_parse(const char *s);  /* inverse, or -1 */

/* Canonical group code (HowTheyVote codes: EPP, SD, RENEW, GREEN_EFA, GUE_NGL, ECR, ID, NI,
 * PFE, ESN) for a group label in any spelling the EP uses (PPE, S&D, Renew, Verts/ALE,
 * Greens/EFA, The Left, GUE/NGL, PfE, ...). Returns NULL when the label is unknown. */
const char *ep_group_canonical(const char *label);

struct ep_member {
    int64_t id; /* EP directory id (PersId) */
    const char *first_name, *last_name;
    const char *country;       /* ISO-3166 alpha-3 */
    const char *date_of_birth; /* YYYY-MM-DD */
    const char *email, *facebook, *twitter;
};

struct ep_group {
    const char *code; /* canonical */
    const char *official_label, *label, *short_label;
};

struct ep_membership {
    int64_t member_id;
    const char *group_code;
    int term;               /* -1 unknown */
    const char *start_date; /* YYYY-MM-DD */
    const char *end_date;   /* NULL = ongoing */
};

struct ep_country {
    const char *code, *iso_alpha_2, *label;
};

struct ep_committee {
    const char *code, *label, *abbreviation;
};

/* An MEP's seat in a committee (EP API hasMembership[] with a COMMITTEE_* classification).
 * committee is the organization id as the source names it (prefix "org/" stripped); the store
 * resolves it to its own committee code (ep_store.c, cb_committee_membership). */
struct ep_committee_membership {
    int64_t member_id;
    const char *committee;      /* raw organization id */
    const char *role;           /* MEMBER, CHAIR, VICE_CHAIR, SUBSTITUTE, ... (prefix stripped) */
    const char *classification; /* COMMITTEE_PARLIAMENTARY_STANDING, ..._SPECIAL, ... */
    const char *start_date;     /* YYYY-MM-DD, never NULL */
    const char *end_date;       /* NULL = ongoing */
};

/* The vote topics of the HowTheyVote export: OEIL subjects (hierarchical codes "6", "6.10",
 * "6.10.04"), EuroVoc concepts (ids), geographic areas (ISO alpha-3 or custom 3-letter codes)
 * and, for the links only, the responsible committee (codes of struct ep_committee). */
enum ep_topic_kind {
    EP_TOPIC_SUBJECT = 1,
    EP_TOPIC_CONCEPT = 2,
    EP_TOPIC_COMMITTEE = 3,
    EP_TOPIC_GEO = 4,
};

/* One topic (not for EP_TOPIC_COMMITTEE: committees are struct ep_committee). */
struct ep_topic {
    int kind; /* enum ep_topic_kind */
    const char *code, *label;
    const char *iso_alpha_2; /* geographic areas; NULL otherwise or unknown */
};

/* A vote carries a topic. */
struct ep_topic_vote {
    int kind; /* enum ep_topic_kind */
    int64_t vote_id;
    const char *code;
};

struct ep_sitting {
    const char *date;      /* YYYY-MM-DD; the sitting's key */
    int64_t ep_id;         /* Sitting.Identifier, -1 unknown */
    const char *reference; /* EP.Reference, e.g. P9_PV(2024)01-16 */
    int term;
};

struct ep_vote {
    int64_t id;               /* HowTheyVote id = RollCallVote.Result/@Identifier */
    const char *timestamp;    /* "YYYY-MM-DD HH:MM:SS" */
    const char *sitting_date; /* YYYY-MM-DD */
    const char *title;        /* display title (HowTheyVote) or VoteTitle (XML) */
    const char *description;
    const char *reference; /* e.g. A9-0050/2023 */
    const char *procedure_reference, *procedure_title, *procedure_type, *procedure_stage;
    const char *result; /* ADOPTED, REJECTED, LAPSED or NULL */
    int is_main;        /* 1, 0, -1 unknown */
    int count_for, count_against, count_abstention, count_did_not_vote; /* -1 unknown */
    int64_t dlv_id;                                                     /* -1 unknown */
};

struct ep_position {
    int64_t vote_id;
    int64_t member_id;
    int pos;                /* enum ep_pos */
    const char *group_code; /* canonical if known, otherwise the raw label; may be NULL */
    const char *name;       /* as printed in the source, may be NULL */
    const char *country;    /* may be NULL */
    long line;              /* source line, 0 unknown */
};

/* A sink receives records. Any callback may be NULL (records of that kind are ignored).
 * A callback returns 0 or a negative EP_E* code with err filled; the adapter then stops
 * and returns that code. warn() receives non-fatal findings (e.g. an unknown group label
 * that is kept); the adapter goes on. */
struct ep_sink {
    void *ctx;
    int (*member)(void *ctx, const struct ep_member *m, struct ep_error *err);
    int (*group)(void *ctx, const struct ep_group *g, struct ep_error *err);
    int (*membership)(void *ctx, const struct ep_membership *m, struct ep_error *err);
    int (*country)(void *ctx, const struct ep_country *c, struct ep_error *err);
    int (*committee)(void *ctx, const struct ep_committee *c, struct ep_error *err);
    int (*sitting)(void *ctx, const struct ep_sitting *s, struct ep_error *err);
    int (*vote)(void *ctx, const struct ep_vote *v, struct ep_error *err);
    int (*position)(void *ctx, const struct ep_position *p, struct ep_error *err);
    /* Title of the agenda item a vote belongs to (XML VoteTitles, keyed by DlvId). */
    int (*vote_title)(void *ctx, int64_t dlv_id, const char *title, struct ep_error *err);
    void (*warn)(void *ctx, const char *unit, long line, const char *msg);
    /* Vote topics (HowTheyVote's oeil_subjects, eurovoc_concepts, geo_areas) and their links
     * to votes (*_votes, responsible_committee_votes). */
    int (*topic)(void *ctx, const struct ep_topic *t, struct ep_error *err);
    int (*topic_vote)(void *ctx, const struct ep_topic_vote *tv, struct ep_error *err);
    /* Committee memberships (EP API MEP details). */
    int (*committee_membership)(void *ctx, const struct ep_committee_membership *m,
                                struct ep_error *err);
    /* 1: the positions' names are not wanted; an adapter may then leave ep_position.name NULL
     * and save the work of keeping them (the roll-call XML adapter does). */
    int no_names;
};

#endif
