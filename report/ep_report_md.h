/* ep_report_md: the Markdown renderings of the MEP, group and sitting reports (generate_report's
 * "markdown"), from the typed results of analysis/ (no JSON is read back).
 *
 * Each rendering ends with the data-coverage section and the attribution, which need the
 * store's provenance (analysis/ep_positions.h). A figure without data is written as unavailable
 * with its reason, never as 0. Text from the store is escaped for table cells ('|', line breaks)
 * and cut at a UTF-8 boundary.
 *
 * The functions append to out (owned by the caller) and return 0, or EP_ENOMEM when out could
 * not grow. */
#ifndef EP_REPORT_MD_H
#define EP_REPORT_MD_H

#include "ep_group_report.h"
#include "ep_mep_report.h"
#include "ep_positions.h"
#include "ep_sitting_report.h"
#include "ep_util.h"

int ep_report_md_mep(const struct ep_mep_report *r, const struct ep_positions_prov *prov,
                     struct ep_buf *out);
int ep_report_md_group(const struct ep_group_report *r, const struct ep_positions_prov *prov,
                       struct ep_buf *out);
int ep_report_md_sitting(const struct ep_sitting_report *r, const struct ep_positions_prov *prov,
                         struct ep_buf *out);

#endif
