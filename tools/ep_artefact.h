/* ep_artefact: files that tools render on request (the `formats` argument) into the output
 * directory, and how they reach an MCP client.
 *
 * formats: ["json"] (the default) is the tool's structured result alone, as before; "graphml",
 * "png" and "pdf" add files rendered by report/. A tool accepts the formats it has renderers
 * for; any other is refused with EP_EINVAL naming the ones it has.
 *
 * Files: <out_dir>/<stem>-<key>.<ext>, where stem is fixed by the tool plus numeric ids only and
 * key is 16 hex digits of a hash (FNV-1a 64) of the canonical arguments without "formats", so
 * the same call names the same file. Names are checked (letters, digits, '.', '-', '_'; no
 * leading dot): no path from user text reaches the file system. Writes are atomic (temp file
 * + rename) and skipped when the file already holds the same bytes; the renderers are
 * deterministic (dates from the dataset), so a rerun gives byte-identical files.
 *
 * The result carries "artefacts": {"available": true, "items": [{format, name, uri, mimeType,
 * size}]} (plus "unavailable": [{stem, format, reason}] for a file a tool could not draw on
 * its window); uri is ep://artefacts/<name>, which resources/read serves (ep_artefact_read). The
 * MCP core adds a resource_link content block per item and inlines PNGs up to a cap as image
 * blocks (ep_artefact_content). */
#ifndef EP_ARTEFACT_H
#define EP_ARTEFACT_H

#include <jansson.h>
#include <stddef.h>

#include "ep_error.h"
#include "ep_tools.h"
#include "ep_util.h"

enum { EP_FMT_JSON = 1, EP_FMT_GRAPHML = 2, EP_FMT_PNG = 4, EP_FMT_PDF = 8 };

#define EP_ARTEFACT_URI_PREFIX "ep://artefacts/"
#define EP_ARTEFACT_INLINE_DEFAULT ((size_t)8 << 20) /* PNGs up to 8 MiB are inlined */

/* The requested formats of args (EP_FMT_* bits; EP_FMT_JSON when absent). A format outside
 * allowed (EP_FMT_* bits) gives EP_EINVAL naming the tool and the formats it renders. */
int ep_artefact_formats(json_t *args, unsigned allowed, const char *tool, unsigned *out,
                        struct ep_error *err);

/* A set of artefacts being written for one call. */
struct ep_artefacts {
    const char *dir; /* output directory (borrowed) */
    char key[17];    /* hash of the arguments without "formats" */
    json_t *items;   /* new array */
};

/* Start: dir from ctx->out_dir (EP_EINVAL with what to configure when there is none); the
 * directory is created. The key hashes ctx->args_given when set (the arguments as the caller
 * gave them), else args. */
int ep_artefacts_begin(struct ep_artefacts *a, const struct ep_tool_ctx *ctx, json_t *args,
                       struct ep_error *err);
/* Write one file <stem>-<key>.<ext> (ext from fmt; stem checked) and add its item. */
int ep_artefacts_add(struct ep_artefacts *a, unsigned fmt, const char *stem, const char *title,
                     const struct ep_buf *bytes, struct ep_error *err);
/* Set res["artefacts"] = {available: true, items} and release a (also on failure). */
int ep_artefacts_finish(struct ep_artefacts *a, json_t *res, struct ep_error *err);
void ep_artefacts_abort(struct ep_artefacts *a);

/* New object with the window arguments of args (from, to, term, sittings), for the
 * computations a document needs; NULL on ENOMEM. */
json_t *ep_artefact_window_args(json_t *args);

/* ---- documents: one path for the tools' formats argument and `epintel report` ------------
 * A document function (ep_tools_doc_* in tools/ep_tools_intel.h) computes what it is not given
 * once and hands each rendered file to a sink: the tools' sink adds it to their artefacts
 * (ep_artefacts_sink), `epintel report` writes it to its own path. */
struct ep_doc_sink {
    /* one rendered file: fmt (one EP_FMT_* bit), stem and title as the tools name it, bytes */
    int (*emit)(void *u, unsigned fmt, const char *stem, const char *title,
                const struct ep_buf *bytes, struct ep_error *err);
    void *u;
    double t_render; /* set by the document function: ep_now() when its inputs are computed
                        and rendering starts (the CLI reports the two times) */
};
/* A sink that adds each file to a (ep_artefacts_add). */
void ep_artefacts_sink(struct ep_artefacts *a, struct ep_doc_sink *sink);
/* Hand the file a renderer put in b to sink unless rc (the renderer's code) is set; b is reset
 * either way. Returns rc or the sink's code. */
int ep_doc_emit(struct ep_doc_sink *sink, int rc, unsigned fmt, const char *stem,
                const char *title, struct ep_buf *b, struct ep_error *err);

/* A tool whose result and files come from one core function: core(arg, ctx, args, sink, result,
 * err) builds *result and hands its files to sink (NULL: no file asked); arg is the caller's
 * core_arg. With a format of `allowed` beyond json in args (ep_artefact_formats, named after
 * tool), the files go to the call's artefacts and *result gets "artefacts"; otherwise core runs
 * without a sink. */
typedef int (*ep_doc_core_fn)(void *arg, struct ep_tool_ctx *ctx, json_t *args,
                              struct ep_doc_sink *sink, json_t **result, struct ep_error *err);
int ep_artefacts_call(struct ep_tool_ctx *ctx, json_t *args, unsigned allowed, const char *tool,
                      ep_doc_core_fn core, void *core_arg, json_t **result,
                      struct ep_error *err);

/* A tool's document outside a call (`epintel report`): core over args with the schema's defaults
 * of tool filled in (as its handler gets them), its files to sink, its result dropped.
 * EP_EINTERNAL when tool is not registered. */
int ep_doc_run(struct ep_tool_ctx *ctx, json_t *args, const char *tool, ep_doc_core_fn core,
               void *core_arg, struct ep_doc_sink *sink, struct ep_error *err);

/* 1 when name is a plain file name that may live in the output directory. */
int ep_artefact_name_ok(const char *name);

/* resources/read of an ep://artefacts/<name> uri from dir: {"contents":[{uri, mimeType,
 * text | blob}]} (text for GraphML and JSON, base64 blob for PNG and PDF). EP_EINVAL for a
 * name with a path or other characters (traversal), EP_ENOTFOUND when no such file. */
int ep_artefact_read(const char *dir, const char *uri, json_t **result, struct ep_error *err);

/* Append to content (a CallToolResult "content" array) one resource_link block per item of
 * structured["artefacts"].items, and an image block for each PNG no larger than inline_max
 * bytes (read from dir; inline_max 0 = none). Missing files are skipped for inlining. */
void ep_artefact_content(json_t *structured, const char *dir, size_t inline_max, json_t *content);

/* The inline cap: EPINTEL_INLINE_MAX_BYTES when set (a non-negative integer), else 8 MiB. */
size_t ep_artefact_inline_max(void);

#endif
