#include "ep_tools_all.h"

#include "ep_tools.h"
#include "ep_tools_analysis.h"
#include "ep_tools_basic.h"
#include "ep_tools_epapi.h"
#include "ep_tools_intel.h"

static int add(const struct ep_tool *rows, size_t n, struct ep_error *err)
{
    int rc = ep_tools_register_lazy(rows, n, err);
    if (rc)
        ep_tools_cleanup();
    return rc;
}

int ep_tools_register_all(struct ep_error *err)
{
    if (ep_tools_find("get_meps"))
        return EP_OK;
    size_t n = 0;
    const struct ep_tool *rows = ep_tools_basic_rows(&n);
    int rc = add(rows, n, err);
    if (!rc) {
        rows = ep_tools_analysis_rows(&n);
        rc = add(rows, n, err);
    }
    if (!rc) {
        rows = ep_tools_intel_rows(&n);
        rc = add(rows, n, err);
    }
    if (!rc) {
        rows = ep_tools_epapi_rows(&n, err);
        rc = rows ? add(rows, n, err) : EP_EINTERNAL;
    }
    return rc;
}
