/* epintel sync: incremental, resumable sync of the store from the EP Open Data API. */
#ifndef EP_CMD_SYNC_H
#define EP_CMD_SYNC_H

#include "cli.h"

int ep_cmd_sync(struct ep_cli *cli, int argc, char **argv);

#endif
