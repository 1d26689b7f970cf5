/* epintel report: batch report jobs (scorecards, briefing, network, coalition). */
#ifndef EP_CMD_REPORT_H
#define EP_CMD_REPORT_H

#include "cli.h"

/* `epintel report KIND ...`; returns an EP_EXIT_* code. */
int ep_cmd_report(struct ep_cli *cli, int argc, char **argv);

#endif
