/* ep_tasks: long tools/call as protocol tasks, kept in the store (table mcp_task), or in Redis
 * with --state (ep_tasks_open_shared), so that a task survives its client's disconnect and its
 * server's restart, and any server process on the same store (or Redis) can answer for it. Offered
 * by the core (ep_mcp.c) as the Tasks extension of 2026-07-28 (io.modelcontextprotocol/tasks:
 * resultType "task", tasks/get, tasks/update, tasks/cancel) and as the experimental tasks of
 * 2025-11-25 (params.task, tasks/get, tasks/result, tasks/list, tasks/cancel). See
 * docs/protocol.md.
 *
 * A task runs its tool call on a server object of its own (ep_mcp_server_new from the template
 * given to ep_tasks_open, with the principal's artefact folder and no deadline), as a 2026-07-28
 * request with a progress token: the call's progress becomes the task's status message, its
 * response the task's result (or error). The process that runs a task holds a lease on it,
 * renewed every second; a scanner in every process takes over the tasks whose lease ran out (a
 * killed or stopped process) and runs them again from the start (tools are deterministic on the
 * store). ep_tasks_close gives its leases back at once, so the next process resumes its tasks
 * without waiting.
 *
 *     struct ep_tasks *t;
 *     if (ep_tasks_open(store_path, &mcp_options, names, &t, &err) == 0)
 *         mcp_options.tasks = t;          // then create the servers
 *     ...
 *     ep_tasks_close(t);                  // after the servers are freed
 *
 * Threads: every function may be called from any thread. */
#ifndef EP_TASKS_H
#define EP_TASKS_H

#include <jansson.h>

#include "ep_error.h"

struct ep_tasks;
struct ep_mcp_options;

#define EP_TASKS_TTL_MS 86400000L /* kept a day after creation unless asked for less */
#define EP_TASKS_POLL_MS 1000     /* the polling interval tasks suggest */
#define EP_TASKS_LEASE_S 10       /* a task whose runner is silent this long is taken over */

/* A task as stored. */
struct ep_task_view {
    char id[40];
    char status[16]; /* working, completed, failed, cancelled */
    char message[256];
    char created_at[24], updated_at[24]; /* ISO 8601, UTC */
    long ttl_ms;
    json_t *result; /* completed: the tool call's result object (2026-07-28 shape); owned */
    json_t *error;  /* failed: the JSON-RPC error object; owned */
    int runs;       /* how many times it was started (1 + resumptions after a stop) */
};

/* Open the tasks of the store at db_path (its own connection, engine/ep_taskstore.h; the store is
 * created and migrated if needed: migration 8 makes the table). tmpl: the options of the servers
 * that run tasks (copied; its borrowed pointers must outlive the tasks). tools: NULL-terminated
 * names of the tools whose calls become tasks (borrowed, may be NULL), besides any call whose
 * arguments ask for rendered files (a non-empty "formats" array). Starts the scanner, which resumes
 * the tasks left working by a stopped or killed process. */
int ep_tasks_open(const char *db_path, const struct ep_mcp_options *tmpl, const char *const *tools,
                  struct ep_tasks **out, struct ep_error *err);

/* ep_tasks_open, with the tasks in Redis at state_url (redis://HOST:PORT/DB, mcp/ep_state.h)
 * instead of the store when it is not NULL: then replicas with separate store files share their
 * tasks (created on one, polled, cancelled, resumed and fetched on any other). */
int ep_tasks_open_shared(const char *db_path, const char *state_url,
                         const struct ep_mcp_options *tmpl, const char *const *tools,
                         struct ep_tasks **out, struct ep_error *err);

/* Stop the scanner, stop the running tasks and give their leases back (they stay "working"
 * in the store, to be resumed), close. NULL is fine. */
void ep_tasks_close(struct ep_tasks *t);

/* 1 when the server makes a task of a call of tool with args (borrowed, may be NULL): a listed
 * tool, or arguments asking for rendered files (2026-07-28: the server decides). */
int ep_tasks_eligible(const struct ep_tasks *t, const char *tool, json_t *args);

/* 1 when a client may ask for a call of tool to run as a task (2025-11-25 execution.taskSupport
 * "optional"): a listed tool, or one whose inputSchema has a "formats" argument. */
int ep_tasks_supports(const struct ep_tasks *t, const char *tool);

/* Create a task for principal ("" = the local user) running tool(args); its artefacts go to
 * out_dir (may be NULL). ttl_ms <= 0: the default. Durable when it returns 0 (a tasks/get
 * resolves); v filled. */
int ep_tasks_create(struct ep_tasks *t, const char *principal, const char *out_dir,
                    const char *tool, json_t *args, long ttl_ms, struct ep_task_view *v,
                    struct ep_error *err);

/* The task id of principal: 0 and v, or EP_ENOTFOUND (also for another principal's task). */
int ep_tasks_get(struct ep_tasks *t, const char *principal, const char *id, struct ep_task_view *v,
                 struct ep_error *err);

/* Cancel a working task: it becomes "cancelled" before this returns (and its run stops, in
 * whichever process runs it, within a second). EP_ENOTFOUND; EP_EINVAL when it is already in a
 * terminal status (v then holds it). */
int ep_tasks_cancel(struct ep_tasks *t, const char *principal, const char *id,
                    struct ep_task_view *v, struct ep_error *err);

/* The principal's tasks, newest first, from offset (a page of at most limit): *items = new
 * array of views turned to JSON by fn (called with each view), *more = 1 when more follow. */
int ep_tasks_list(struct ep_tasks *t, const char *principal, long offset, int limit,
                  json_t *(*fn)(const struct ep_task_view *v), json_t **items, int *more,
                  struct ep_error *err);

/* Free the view's result and error (the view itself is the caller's). */
void ep_task_view_clear(struct ep_task_view *v);

/* 1 for completed, failed and cancelled. */
int ep_task_terminal(const struct ep_task_view *v);

#endif
