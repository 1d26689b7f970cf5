#include "ep_tools_all.h"

#include "ep_tools.h"
#include "ep_tools_analysis.h"
#include "ep_tools_basic.h"
#include "ep_tools_intel.h"

int ep_tools_register_all(struct ep_error *err)
{
    if (ep_tools_find("get_meps"))
        return EP_OK;
    const struct ep_tool *(*const sets[])(size_t *) = {ep_tools_basic_rows, ep_tools_analysis_rows,
                                                       ep_tools_intel_rows};
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
        size_t n = 0;
        const struct ep_tool *rows = sets[i](&n);
        int rc = ep_tools_register(rows, n, err);
        if (rc) {
            ep_tools_cleanup();
            return rc;
        }
    }
    return EP_OK;
}
