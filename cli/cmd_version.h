/* epintel --version: version, commit, build date and the versions of the libraries found. */
#ifndef EP_CMD_VERSION_H
#define EP_CMD_VERSION_H

#include <stdio.h>

/* Print the provenance to f. Libraries opened on first use (engine/ep_lazy.h) are opened here
 * only to ask their version; one that cannot be loaded is reported "not loadable" (what the
 * command that needs it would then fail with). Returns EP_EXIT_OK. */
int ep_print_version(FILE *f);

#endif
