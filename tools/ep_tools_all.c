#include "ep_tools_all.h"

#include "ep_tools.h"
#include "ep_tools_analysis.h"
#include "ep_tools_basic.h"
#include "ep_tools_epapi.h"
#include "ep_tools_intel.h"
#include "ep_tools_toolkit.h"
#include "ep_tools_topics.h"
#include "ep_tools_signals.h"

static int add(struct ep_tools *ts, const struct ep_tool *rows, size_t n, unsigned flags,
               struct ep_error *err)
{
    int rc = ep_tools_register_with(ts, rows, n, EP_TOOLS_REG_LAZY | flags, err);
    if (rc)
        ep_tools_cleanup(ts);
    return rc;
}

int ep_tools_register_all(struct ep_tools *ts, struct ep_error *err)
{
    if (ep_tools_find(ts, "get_meps"))
        return EP_OK;
    size_t n = 0;
    const struct ep_tool *rows = ep_tools_basic_rows(&n);
    int rc = add(ts, rows, n, 0, err);
    if (!rc) {
        rows = ep_tools_analysis_rows(&n);
        rc = add(ts, rows, n, 0, err);
    }
    if (!rc) {
        rows = ep_tools_intel_rows(&n);
        rc = add(ts, rows, n, 0, err);
    }
    if (!rc) { /* the analyst's toolkit, part A (issue 18) */
        rows = ep_tools_toolkit_rows(&n);
        rc = add(ts, rows, n, 0, err);
    }
    if (!rc) { /* vote topics: analyze_policy_area, analyze_committee_activity */
        rows = ep_tools_topics_rows(&n);
        rc = add(ts, rows, n, 0, err);
    }
    if (!rc) { /* issue 18, part B: signals and overview (ep_tools_signals.h) */
        rows = ep_tools_signals_rows(&n);
        rc = add(ts, rows, n, 0, err);
    }
    if (!rc) {
        rows = ep_tools_epapi_rows(ts, &n, err);
        /* compact: inputSchemas assembled from the compact pieces of ep_epapi_params.inc
         * (test_tools_epapi checks every one against its parse and dump) */
        rc = rows ? add(ts, rows, n, EP_TOOLS_REG_COMPACT, err) : EP_EINTERNAL;
    }
    return rc;
}
