#include "ep_lazy.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *ep_lazy_open(const char *what, const char *const *sonames)
{
    const char *last = "no file name given";
    for (const char *const *s = sonames; *s; s++) {
        void *h = dlopen(*s, RTLD_NOW | RTLD_GLOBAL);
        if (h)
            return h;
        last = dlerror();
    }
    fprintf(stderr, "epintel: cannot load %s (%s); install it (scripts/bootstrap does)\n", what,
            last ? last : "unknown error");
    exit(4);
}

void ep_lazy_sym(void *handle, const char *what, const char *name, void *slot, unsigned long size)
{
    void *p = dlsym(handle, name);
    if (!p || size != sizeof p) {
        fprintf(stderr, "epintel: %s has no function %s; it is too old for this epintel\n", what,
                name);
        exit(4);
    }
    /* size (checked equal to sizeof p above), not the constant: gcc 12 folds a constant-size
     * memcpy into an integer load of p and its analyser then reports p as uninitialised. */
    memcpy(slot, &p, size);
}
