/* Locate DejaVu Sans at run time: fontconfig (dlopen, so that no link dependency is added),
 * then a search of /usr/share/fonts. */
#include "ep_cairo.h"
#include <dirent.h>
#include <dlfcn.h>
#include <fontconfig/fontconfig.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "ep_report.h"

static char Path[2][1024];
static int Tried[2];

typedef FcPattern *(*fn_name_parse)(const FcChar8 *);
typedef FcBool (*fn_config_substitute)(FcConfig *, FcPattern *, FcMatchKind);
typedef void (*fn_default_substitute)(FcPattern *);
typedef FcPattern *(*fn_font_match)(FcConfig *, FcPattern *, FcResult *);
typedef FcResult (*fn_get_string)(const FcPattern *, const char *, int, FcChar8 **);
typedef void (*fn_destroy)(FcPattern *);

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* dlsym into a function pointer without an object-to-function pointer cast (ISO C). */
static void sym(void *h, const char *name, void *fnp, size_t n)
{
    void *p = dlsym(h, name);
    if (p && n == sizeof p)
        memcpy(fnp, &p, n);
}

static int by_fontconfig(int bold, char *out, size_t n)
{
    void *h = dlopen("libfontconfig.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!h)
        return -1;
    int rc = -1;
    fn_name_parse parse = NULL;
    sym(h, "FcNameParse", &parse, sizeof parse);
    fn_config_substitute csub = NULL;
    sym(h, "FcConfigSubstitute", &csub, sizeof csub);
    fn_default_substitute dsub = NULL;
    sym(h, "FcDefaultSubstitute", &dsub, sizeof dsub);
    fn_font_match match = NULL;
    sym(h, "FcFontMatch", &match, sizeof match);
    fn_get_string gets = NULL;
    sym(h, "FcPatternGetString", &gets, sizeof gets);
    fn_destroy destroy = NULL;
    sym(h, "FcPatternDestroy", &destroy, sizeof destroy);
    if (!parse || !csub || !dsub || !match || !gets || !destroy)
        goto out;
    FcPattern *pat =
        parse((const FcChar8 *)(bold ? "DejaVu Sans:style=Bold" : "DejaVu Sans:style=Book"));
    if (!pat)
        goto out;
    csub(NULL, pat, FcMatchPattern);
    dsub(pat);
    FcResult res;
    FcPattern *m = match(NULL, pat, &res);
    destroy(pat);
    if (!m)
        goto out;
    FcChar8 *file = NULL;
    FcChar8 *family = NULL;
    if (gets(m, FC_FILE, 0, &file) == FcResultMatch &&
        gets(m, FC_FAMILY, 0, &family) == FcResultMatch &&
        strcmp((const char *)family, "DejaVu Sans") == 0 && ends_with((const char *)file, ".ttf") &&
        strlen((const char *)file) < n) {
        snprintf(out, n, "%s", (const char *)file);
        rc = 0;
    }
    destroy(m);
out:
    /* No dlclose: fontconfig keeps its configuration until ep_report_cleanup() calls FcFini.
     * Unloading it here (cairo, itself loaded on first use, may not hold it yet) would strand
     * that memory. */
    return rc;
}

static int search_dir(const char *dir, const char *name, char *out, size_t n, int depth)
{
    if (depth > 6)
        return -1;
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int rc = -1;
    struct dirent *e;
    char p[1024];
    while (rc && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (snprintf(p, sizeof p, "%s/%s", dir, e->d_name) >= (int)sizeof p)
            continue;
        struct stat st;
        if (stat(p, &st))
            continue;
        if (S_ISDIR(st.st_mode))
            rc = search_dir(p, name, out, n, depth + 1);
        else if (strcmp(e->d_name, name) == 0 && strlen(p) < n) {
            snprintf(out, n, "%s", p);
            rc = 0;
        }
    }
    closedir(d);
    return rc;
}

int ep_report_font_path(int bold, const char **path, struct ep_error *err)
{
    int b = bold ? 1 : 0;
    if (!Tried[b]) {
        Tried[b] = 1;
        if (by_fontconfig(b, Path[b], sizeof Path[b]) &&
            search_dir("/usr/share/fonts", b ? "DejaVuSans-Bold.ttf" : "DejaVuSans.ttf", Path[b],
                       sizeof Path[b], 0))
            Path[b][0] = 0;
    }
    if (!Path[b][0])
        return ep_error_set(err, EP_EUNAVAIL,
                            "font DejaVu Sans%s not found (fontconfig and /usr/share/fonts): "
                            "install fonts-dejavu-core",
                            b ? " Bold" : "");
    *path = Path[b];
    return 0;
}

typedef void (*fn_fini)(void);

void ep_report_cleanup(void)
{
    cairo_debug_reset_static_data();
    void *h = dlopen("libfontconfig.so.1", RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
    if (!h)
        return;
    fn_fini fini = NULL;
    sym(h, "FcFini", &fini, sizeof fini);
    if (fini)
        fini();
    dlclose(h);
}
