/* ep_report: renderers that turn the typed results (analysis/ products, graph/stats structs) and
 * tool results (jansson objects, the tools' structuredContent: canonical JSON, and the PDFs that
 * still read them) into bytes: canonical JSON, GraphML, PNG charts (cairo, from the typed
 * results only) and PDF documents (libharu).
 *
 * Determinism: the same input gives byte-identical output. Nothing reads the clock: the date
 * printed on charts and pages and the PDF creation/modification dates come from the store's
 * provenance (the results' provenance.dataset_date). Layouts use igraph's RNG with a fixed seed.
 *
 * Fonts: text is set in DejaVu Sans (Debian fonts-dejavu-core), located at run time through
 * fontconfig (loaded with dlopen), falling back to a search of /usr/share/fonts. PNG text goes
 * through cairo's FreeType/fontconfig backend, PDF text through libharu with the TrueType files
 * embedded and UTF-8 encoding, so names with diacritics (ł ő č ș ä) render correctly.
 *
 * Ownership: inputs are borrowed for the call. Output goes to a caller-initialised struct ep_buf
 * (appended to; the caller frees it). On error the buffer may hold partial bytes; callers reset
 * it. Every function returns 0 or a negative EP_E* code with err filled.
 *
 * Threads: the PNG/PDF renderers keep no global state except the cached font paths; the network
 * drawing and GraphML use igraph (one thread at a time, like all graph/ code). */
#ifndef EP_REPORT_H
#define EP_REPORT_H

#include <jansson.h>
#include <stddef.h>

#include "ep_coalition.h"
#include "ep_error.h"
#include "ep_graph.h"
#include "ep_influence.h"
#include "ep_matrix.h"
#include "ep_positions.h"
#include "ep_stats.h"
#include "ep_util.h"

/* The attribution line printed on every chart and page. */
#define EP_REPORT_ATTRIBUTION "Source: European Parliament. Data: HowTheyVote.eu (ODbL)."

/* ---- JSON ------------------------------------------------------------------------------------ */

/* Canonical JSON: keys sorted, compact (indent 0) or indented by `indent` spaces (1..8), UTF-8,
 * a final newline when indented. EP_EINVAL when the value holds NaN or Inf anywhere (jansson
 * refuses to create them, but reals can be set by other means) or is NULL. */
int ep_report_json_canonical(json_t *v, int indent, struct ep_buf *out, struct ep_error *err);

/* ---- Group colours --------------------------------------------------------------------------- */

/* Official colour of a group code as 0xRRGGBB (table in report/ep_report_chart.c); unknown codes
 * and NULL get a neutral grey. */
unsigned ep_report_group_color(const char *code);

/* ---- GraphML --------------------------------------------------------------------------------- */

/* GraphML (UTF-8, standard <key> declarations with attr.type) of the co-voting network g built on
 * matrix m. Node attributes: id (EP id), name, group (modal group code), country, cast, degree,
 * strength, eigenvector, pagerank, betweenness, bridge (-1 when undefined), community; edge
 * attribute weight. name[i] and country[i] are those of matrix MEP i (the window's,
 * analysis/ep_window.h ep_win_need_names; either may be NULL: empty strings; both only read).
 * Deterministic. */
int ep_report_graphml(const struct ep_graph *g, const struct ep_matrix *m, char *const *name,
                      char (*country)[8], struct ep_buf *out, struct ep_error *err);

/* ---- PNG charts (cairo) ---------------------------------------------------------------------- */

struct ep_report_png_opts {
    int width, height; /* pixels; 0 = the chart's default */
};

/* Every chart's footer: the dataset date and whether the data are synthetic, from prov (the
 * store's provenance, analysis/ep_positions.h ep_positions_provenance: the same fields as the
 * results' "provenance" block; NULL: date "unknown", not synthetic). The window's matrix
 * (m->synthetic) also marks a chart synthetic. Reals that decide a pixel or a label are rounded
 * as the tools' JSON rounds them (ep_round6), so a chart drawn from the struct is the chart the
 * JSON would give. */

/* (1) The network drawing: Fruchterman-Reingold layout (fixed seed) on each MEP's top-k
 * strongest edges (the backbone), nodes coloured by modal group and sized by eigenvector
 * centrality, backbone edges thin and light. Default 1600x1200. */
int ep_report_png_network(const struct ep_graph *g, const struct ep_matrix *m,
                          const struct ep_positions_prov *prov,
                          const struct ep_report_png_opts *o, struct ep_buf *out,
                          struct ep_error *err);
/* (2) Cohesion (mean Agreement Index) per group over time, one line per group of the coalition
 * (coal->group[], the window's trend per sitting, or per month when by_month != 0); a group
 * whose window mean is undefined is labelled "n/a". Default 1400x800. */
int ep_report_png_cohesion(const struct ep_coalition *coal, const struct ep_positions_prov *prov,
                           int by_month, const struct ep_report_png_opts *o, struct ep_buf *out,
                           struct ep_error *err);
/* (3) Group-pair agreement heatmap of the coalition's selected groups with the values in the
 * cells (undefined pairs "n/a"). Default 1100x1000. */
int ep_report_png_heatmap(const struct ep_coalition *coal, const struct ep_positions_prov *prov,
                          const struct ep_report_png_opts *o, struct ep_buf *out,
                          struct ep_error *err);
/* (4) Political map scatter of mp (ep_stats_map_compute on m), points coloured by each MEP's modal
 * group (ep_graph_modal_group), the variance explained on the axis labels. Default 1400x1000. */
int ep_report_png_map(const struct ep_stats_map *mp, const struct ep_matrix *m,
                      const struct ep_positions_prov *prov, const struct ep_report_png_opts *o,
                      struct ep_buf *out, struct ep_error *err);
/* (5) An MEP's dimension bars (the scorecard inf, analysis/ep_influence.h; the window's names
 * must be loaded, ep_influence_compute does): percentile 0..100 of each dimension, unavailable
 * ones shown as "n/a", the composite as a reference line. Default 1400x800. */
int ep_report_png_dimensions(const struct ep_influence *inf, const struct ep_positions_prov *prov,
                             const struct ep_report_png_opts *o, struct ep_buf *out,
                             struct ep_error *err);
/* The cohesion (kind 0) or agreement (kind 1) chart of coal on an opaque w x h surface, its
 * pixels appended to out as packed 8-bit R, G, B rows (w * h * 3 bytes): for the PDFs, which
 * embed them without a PNG round trip. */
int ep_report_chart_rgb(int kind, const struct ep_coalition *coal,
                        const struct ep_positions_prov *prov, int w, int h, struct ep_buf *out,
                        struct ep_error *err);

/* ---- PDF documents (libharu) ----------------------------------------------------------------- */

/* The PDF documents below render from the analysis/ structs (analysis/ep_coalition.h, ...) and
 * print numbers rounded as the tools' JSON rounds them (ep_round6), so that a document and
 * the JSON result agree to the digit. prov: the store's provenance (dataset date: "unknown" when
 * empty; synthetic). The embedded cohesion and agreement charts are drawn from a coalition
 * (ep_report_chart_rgb): the briefing's charts, the coalition report's own. */
struct ep_coalition;
struct ep_positions_prov;
struct ep_risk;
struct ep_influence;
struct ep_mep_profile;
struct ep_mep_report;
/* MEP scorecard (1-2 pages): identity, group history, key figures with percentiles, the dimension
 * chart, notable defections, data coverage and methodology.
 *   influence: the MEP's influence scorecard (analysis/ep_influence.h; required)
 *   profile:   the MEP's profile (analysis/ep_mep_profile.h; required: name, memberships)
 *   report:    the MEP's report over the same window (analysis/ep_mep_report.h, with its votes;
 *              optional: the defections listed, the cross-party share). */
int ep_report_pdf_scorecard(const struct ep_influence *influence,
                            const struct ep_mep_profile *profile,
                            const struct ep_mep_report *report,
                            const struct ep_positions_prov *prov, struct ep_buf *out,
                            struct ep_error *err);
/* Political risk briefing of risk (analysis/ep_risk.h): executive summary, risk table with
 * levels, the charts (cohesion, heatmap; only when charts is not NULL) and the evidence votes. */
int ep_report_pdf_briefing(const struct ep_risk *risk, const struct ep_positions_prov *prov,
                           const struct ep_coalition *charts, struct ep_buf *out,
                           struct ep_error *err);
/* Coalition report: cohesion table and chart, agreement heatmap, most/least reliable alliances,
 * factions and stability, of coalition (its window: the window line and the coverage; the charts
 * are drawn from it). */
int ep_report_pdf_coalition(const struct ep_coalition *coalition,
                            const struct ep_positions_prov *prov, struct ep_buf *out,
                            struct ep_error *err);

/* Country delegation report (analyze_country_delegation), rendered from this typed struct (no
 * JSON): members with group and participation, seats per group, the delegation's cohesion,
 * splits, agreement with each group (bar chart), defectors with the votes they defected on.
 * Every string is borrowed for the call; counts 0 with NULL arrays are allowed. A figure whose
 * *_ok (or denominator) is 0 is printed as "n/a", never as 0. */
struct ep_report_country_member {
    const char *name, *group; /* group NULL = none */
    int cast, eligible, part_ok;
    double participation;
    int n_defect, def_den;
};
struct ep_report_country_group {
    const char *group;
    int seats;         /* on the window's last vote */
    int agree, common; /* agreement = agree / common, n/a when common == 0 */
};
struct ep_report_country_defection {
    int member;                    /* index into member[] */
    const char *date, *title, *how; /* the vote; "FOR / AGAINST" (member / delegation) */
};
struct ep_report_country {
    const char *code, *label;           /* label may be NULL */
    const char *from, *to, *dataset_date; /* window and dataset dates ("?" when unknown) */
    int votes, sittings, synthetic;
    int n_member;
    const struct ep_report_country_member *member;
    const char *seats_date;
    int seats_total, seats_nogroup;
    int n_group;
    const struct ep_report_country_group *group; /* every group of the window */
    int ai_n, rice_n;
    double ai_mean, ai_median, rice_mean;
    int split_den, n_split, n_tie;
    int n_defector;          /* members with at least one defection */
    const int *defector;     /* [n_defector] indices into member[], most defections first */
    int n_defection;         /* listed defections (capped by the caller) */
    const struct ep_report_country_defection *defection;
};
int ep_report_pdf_country(const struct ep_report_country *c, struct ep_buf *out,
                          struct ep_error *err);

/* ---- Fonts ----------------------------------------------------------------------------------- */

/* Path of the DejaVu Sans regular (bold = 0) or bold (bold = 1) TrueType file: fontconfig first,
 * then a search of /usr/share/fonts. EP_EUNAVAIL "... install fonts-dejavu-core" when missing.
 * The returned string is static (cached). */
int ep_report_font_path(int bold, const char **path, struct ep_error *err);

/* Release cairo's static caches and fontconfig's configuration (FcFini, through dlopen). Only
 * for leak checkers at exit: call after the last rendering of the process. */
void ep_report_cleanup(void);

#endif
