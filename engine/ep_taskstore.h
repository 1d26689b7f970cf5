/* ep_taskstore: the rows of the protocol tasks (table mcp_task, created by the store's migration 8
 * in ep_store_schema.h) behind typed query functions, for mcp/ep_tasks.c, which keeps the protocol
 * logic (runs, leases, the scanner). A task belongs to a principal ("" = the local user); the
 * process running it holds a lease (owner, lease_until in unix seconds) that it renews; a task
 * whose lease ran out is claimed by one process only (the check and the update are one
 * statement), so several processes share one store file.
 *
 * Its own connection to the store's file (ep_store_open: created and migrated if needed), used
 * under a mutex: every function may be called from any thread. Times are unix seconds
 * (fractional). */
#ifndef EP_TASKSTORE_H
#define EP_TASKSTORE_H

#include "ep_error.h"

struct ep_taskstore;

/* A task's row as the protocol shows it. result/error: JSON text (owned, may be NULL). */
struct ep_taskrow {
    char id[40];
    char status[16]; /* working, completed, failed, cancelled */
    char message[256];
    double created, updated;
    long ttl_ms;
    char *result, *error;
    int runs;
};

/* What a run needs to call the tool (all owned; ep_taskstore_call_clear frees them). */
struct ep_taskcall {
    char *tool, *args, *out_dir, *principal;
};

/* A new task, "working" and leased to owner until now + lease_s. All borrowed. */
struct ep_tasknew {
    const char *id, *principal, *tool, *args, *out_dir, *owner;
    double now;
    long ttl_ms;
    int lease_s;
};

/* Open the store at path (created and migrated if needed) for the task rows. */
int ep_taskstore_open(const char *path, struct ep_taskstore **out, struct ep_error *err);
/* NULL is fine. */
void ep_taskstore_close(struct ep_taskstore *ts);

void ep_taskrow_clear(struct ep_taskrow *r);
void ep_taskcall_clear(struct ep_taskcall *c);

/* Insert the task n: 0 or EP_EIO. */
int ep_taskstore_insert(struct ep_taskstore *ts, const struct ep_tasknew *n, struct ep_error *err);

/* The row of id owned by principal into r (cleared first): 0, EP_ENOTFOUND or EP_EIO. */
int ep_taskstore_get(struct ep_taskstore *ts, const char *principal, const char *id,
                     struct ep_taskrow *r, struct ep_error *err);

/* The call of task id into c (cleared first): 0, EP_ENOTFOUND or EP_EIO. */
int ep_taskstore_call(struct ep_taskstore *ts, const char *id, struct ep_taskcall *c,
                      struct ep_error *err);

/* Renew the lease of owner's working task id until now + lease_s, with message (NULL: keep
 * the message and the updated time). The rows changed (0: cancelled or taken over), or -1. */
int ep_taskstore_renew(struct ep_taskstore *ts, const char *id, const char *owner,
                       const char *message, double now, int lease_s);

/* Record the outcome of owner's working task id: status "completed" with result (JSON text) or
 * "failed" with error (JSON text); the lease ends. The rows changed (0: cancelled meanwhile),
 * or EP_EIO with err filled. */
int ep_taskstore_finish(struct ep_taskstore *ts, const char *id, const char *owner,
                        const char *status, const char *message, const char *result,
                        const char *error, double now, struct ep_error *err);

/* Give owner's lease on id back (the task stays working, to be resumed at once). */
void ep_taskstore_release(struct ep_taskstore *ts, const char *id, const char *owner);

/* Cancel principal's working task id: the rows changed (0: not working or not there), or
 * EP_EIO with err filled. */
int ep_taskstore_cancel(struct ep_taskstore *ts, const char *principal, const char *id,
                        const char *message, double now, struct ep_error *err);

/* Forget the finished tasks older than their ttl; then claim for owner (lease until now +
 * lease_s, runs + 1, message) at most max working tasks whose lease ran out, their ids into
 * ids. The number claimed (each by this caller only), or -1. */
int ep_taskstore_claim(struct ep_taskstore *ts, const char *owner, const char *message, double now,
                       int lease_s, char (*ids)[40], int max);

/* principal's tasks, newest first, from offset: fn(ctx, row) for at most limit of them; *more
 * = 1 when there are more. 0 or EP_EIO. */
int ep_taskstore_list(struct ep_taskstore *ts, const char *principal, long offset, int limit,
                      void (*fn)(void *ctx, const struct ep_taskrow *r), void *ctx, int *more,
                      struct ep_error *err);

#endif
