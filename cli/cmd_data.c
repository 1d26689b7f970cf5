/* epintel ingest | info */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "ep_precompute.h"
#include "ep_htv.h"
#include "ep_htvsync.h"
#include "ep_rcv.h"
#include "ep_store_query.h"
#include "ep_util.h"

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int ingestible(const char *name)
{
    static const char *const ext[] = {".xml", ".xml.gz", ".csv", ".csv.gz"};
    size_t n = strlen(name);
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
        size_t e = strlen(ext[i]);
        if (n > e && strcmp(name + n - e, ext[i]) == 0)
            return 1;
    }
    return 0;
}

static int is_subdir(const char *dir, const char *name)
{
    char path[4096];
    struct stat sb;
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
        return 0;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* Append a copy of the path dir/name (name NULL: dir alone) to *list (n entries, room for
 * *cap). 0, or -1 when out of memory (said on stderr; *list is unchanged). */
static int list_add(char ***list, int *n, int *cap, const char *dir, const char *name)
{
    if (*n == *cap) {
        int nc = *cap ? *cap * 2 : 16;
        /* malloc for the first block: gcc 12's analyser takes realloc(NULL) for a free of NULL
         * and then reports a second realloc(NULL) as a double free */
        char **grown =
            *list ? realloc(*list, (size_t)nc * sizeof **list) : malloc((size_t)nc * sizeof **list);
        if (!grown) {
            fprintf(stderr, "epintel: out of memory\n");
            return -1;
        }
        *list = grown;
        *cap = nc;
    }
    size_t len = strlen(dir) + (name ? strlen(name) + 1 : 0) + 1;
    char *path = malloc(len);
    if (!path) {
        fprintf(stderr, "epintel: out of memory\n");
        return -1;
    }
    if (name)
        snprintf(path, len, "%s/%s", dir, name);
    else
        memcpy(path, dir, len);
    (*list)[(*n)++] = path;
    return 0;
}

/* Expand folders (one level, sorted, .xml/.csv[.gz] only; subfolders are not entered, and a
 * folder with nothing to ingest is an error that says so). Files are taken as given. */
static int collect(int argc, char **argv, char ***out, int *nout)
{
    char **list = NULL;
    int n = 0, cap = 0;
    for (int i = 0; i < argc; i++) {
        struct stat sb;
        if (stat(argv[i], &sb) != 0) {
            fprintf(stderr, "epintel: %s: no such file or directory\n", argv[i]);
            goto fail;
        }
        if (!S_ISDIR(sb.st_mode)) {
            if (list_add(&list, &n, &cap, argv[i], NULL))
                goto fail;
            continue;
        }
        DIR *d = opendir(argv[i]);
        if (!d) {
            fprintf(stderr, "epintel: %s: cannot open directory\n", argv[i]);
            goto fail;
        }
        struct dirent *de;
        int first = n;         /* this folder's files are list[first..n) */
        struct ep_buf subdirs; /* names of the subfolders, which are not ingested */
        ep_buf_init(&subdirs, 4096);
        long nsub = 0;
        while ((de = readdir(d))) {
            if (de->d_name[0] == '.')
                continue;
            if (is_subdir(argv[i], de->d_name)) {
                if (nsub < 5)
                    ep_buf_printf(&subdirs, "%s%s", nsub ? ", " : "", de->d_name);
                nsub++;
                continue;
            }
            if (!ingestible(de->d_name))
                continue;
            if (list_add(&list, &n, &cap, argv[i], de->d_name)) {
                closedir(d);
                ep_buf_free(&subdirs);
                goto fail;
            }
        }
        closedir(d);
        const char *more = nsub > 5 ? ", ..." : "";
        if (n == first) {
            /* nothing to ingest here: an error, not "0 file(s) ingested" */
            if (nsub)
                fprintf(stderr,
                        "epintel: %s: no .xml, .csv, .xml.gz or .csv.gz file in this folder; "
                        "ingest does not go into subfolders (%ld here: %s%s): name them, "
                        "e.g. epintel ingest %s/*/\n",
                        argv[i], nsub, subdirs.data, more, argv[i]);
            else
                fprintf(stderr,
                        "epintel: %s: no .xml, .csv, .xml.gz or .csv.gz file in this "
                        "folder\n",
                        argv[i]);
            ep_buf_free(&subdirs);
            goto fail;
        }
        if (nsub)
            fprintf(stderr,
                    "epintel: note: %s: %ld subfolder(s) not ingested (%s%s); ingest does "
                    "not go into subfolders: name them to ingest them\n",
                    argv[i], nsub, subdirs.data, more);
        ep_buf_free(&subdirs);
        if (n - first > 1)
            qsort(list + first, (size_t)(n - first), sizeof *list, cmp_str);
    }
    *out = list;
    *nout = n;
    return 0;
fail:
    for (int k = 0; k < n; k++)
        free(list[k]);
    free(list);
    return -1;
}

/* Tables in dependency order, whatever the files are called or the order they are named in:
 * countries, groups, members, group memberships, committees, votes and the topic code tables
 * (oeil_subjects, eurovoc_concepts, geo_areas), then the roll-call XML files, then member_votes
 * (whose votes must be stored), then the votes' topic links (which need votes and codes). Each file is placed by what its
 * content is (the CSV header, or XML markup), read from its first bytes; a file that is neither
 * comes last, where its ingest reports what is wrong with it. */
static int ingest_rank(const char *path)
{
    struct ep_buf head;
    ep_buf_init(&head, 0);
    int rank = 99;
    if (ep_read_head(path, 64 << 10, &head, NULL) == EP_OK) {
        if (ep_xml_sniff(head.data, head.len)) {
            rank = 6;
        } else {
            switch (ep_htv_sniff(head.data, head.len)) {
            case EP_HTV_COUNTRIES: rank = 0; break;
            case EP_HTV_GROUPS: rank = 1; break;
            case EP_HTV_MEMBERS: rank = 2; break;
            case EP_HTV_MEMBERSHIPS: rank = 3; break;
            case EP_HTV_COMMITTEES: rank = 4; break;
            case EP_HTV_VOTES: rank = 5; break;
            case EP_HTV_MEMBER_VOTES: rank = 7; break;
            case EP_HTV_OEIL_SUBJECTS:
            case EP_HTV_EUROVOC_CONCEPTS:
            case EP_HTV_GEO_AREAS: rank = 5; break;
            /* a vote's topics need the vote and the topic's code */
            case EP_HTV_OEIL_SUBJECT_VOTES:
            case EP_HTV_EUROVOC_CONCEPT_VOTES:
            case EP_HTV_COMMITTEE_VOTES:
            case EP_HTV_GEO_AREA_VOTES: rank = 8; break;
            default: break;
            }
        }
    }
    ep_buf_free(&head);
    return rank;
}

struct ranked {
    char *path;
    int rank;
};

static int cmp_rank(const void *a, const void *b)
{
    const struct ranked *x = a, *y = b;
    if (x->rank != y->rank)
        return x->rank - y->rank;
    return strcmp(x->path, y->path);
}

/* Sort files[0..n) into ingest order (ingest_rank). */
static int order_files(char **files, int n)
{
    struct ranked *r = malloc((size_t)n * sizeof *r);
    if (!r) {
        fprintf(stderr, "epintel: out of memory\n");
        return -1;
    }
    for (int k = 0; k < n; k++)
        r[k] = (struct ranked){files[k], ingest_rank(files[k])};
    qsort(r, (size_t)n, sizeof *r, cmp_rank);
    for (int k = 0; k < n; k++)
        files[k] = r[k].path;
    free(r);
    return 0;
}

static void print_warning(void *ctx, const char *unit, long line, const char *msg)
{
    (void)ctx;
    if (line > 0)
        fprintf(stderr, "epintel: warning: %s:%ld: %s\n", unit, line, msg);
    else
        fprintf(stderr, "epintel: warning: %s: %s\n", unit, msg);
}

static void ingest_usage(FILE *f)
{
    fprintf(f,
            "usage: epintel [--db PATH] ingest [--strict] [--keep-going] PATH...\n\n"
            "Ingest EP roll-call XML files (PV-*-RCV_*.xml, plain or .gz) and HowTheyVote CSV\n"
            "tables (members, groups, group_memberships, countries, committees, votes,\n"
            "member_votes, and the vote topics oeil_subjects, eurovoc_concepts, geo_areas and\n"
            "their links oeil_subject_votes, eurovoc_concept_votes,\n"
            "responsible_committee_votes, geo_area_votes; plain or .gz; recognised by\n"
            "header). A folder ingests its *.xml/*.csv[.gz] files; its subfolders are not\n"
            "entered (name them). Files are ingested in dependency order, by content,\n"
            "whatever their names or the order given: countries, groups, members,\n"
            "group_memberships, committees, votes, the topic tables, XML, member_votes, the\n"
            "topic links (a link to a vote or code not stored is refused). A file's content\n"
            "may be up to 1 GiB (gzip: decompressed), except a large gzip HowTheyVote table\n"
            "(over 32 MiB decompressed), which is ingested as a stream in bounded memory,\n"
            "whatever its size. Each file is one transaction: a file\n"
            "with an error writes nothing, and re-ingesting a file already stored (same\n"
            "content) is a no-op.\n\n"
            "  --strict      treat warnings (unknown group codes, Number attributes that differ\n"
            "                from the counted names) as errors\n"
            "  --keep-going  go on with the next file after an error (exit code stays 1)\n\n"
            "exit codes: 0 ok, 1 a file was rejected, 2 usage, 3 ingested with warnings\n");
}

int ep_cmd_ingest(struct ep_cli *cli, int argc, char **argv)
{
    int strict = 0, keep_going = 0, i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--strict") == 0)
            strict = 1;
        else if (strcmp(argv[i], "--keep-going") == 0)
            keep_going = 1;
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            ingest_usage(stdout);
            return EP_EXIT_OK;
        } else {
            fprintf(stderr, "epintel ingest: unknown option %s\n", argv[i]);
            ingest_usage(stderr);
            return EP_EXIT_USAGE;
        }
    }
    if (i >= argc) {
        ingest_usage(stderr);
        return EP_EXIT_USAGE;
    }
    char **files;
    int n;
    if (collect(argc - i, argv + i, &files, &n) != 0)
        return EP_EXIT_ERROR;
    if (n > 1 && order_files(files, n) != 0) { /* files is NULL when there is nothing */
        for (int k = 0; k < n; k++)
            free(files[k]);
        free(files);
        return EP_EXIT_ERROR;
    }
    struct ep_cli c = *cli;
    c.no_default_data = 1;
    struct ep_store *s = ep_cli_open_store(&c, 0);
    if (!s) {
        for (int k = 0; k < n; k++)
            free(files[k]);
        free(files);
        return EP_EXIT_ERROR;
    }
    int tty = ep_cli_tty();
    int failed = 0;
    long warnings = 0, added = 0, skipped = 0;
    double t0 = ep_now();
    for (int k = 0; k < n; k++) {
        if (failed && !keep_going)
            break;
        struct ep_error err = {0};
        struct ep_ingest_report rep;
        if (!cli->quiet && tty)
            fprintf(stderr, "\r[%d/%d] %s ...", k + 1, n, files[k]);
        ep_store_read_ahead(s, (const char *const *)files + k + 1, (size_t)(n - k - 1));
        int table, rc;
        if (ep_htvsync_streamed(files[k], &table)) /* large gzip table: as a stream */
            rc = ep_htvsync_ingest_file(s, files[k], table, strict, print_warning, NULL, &rep,
                                        &err);
        else
            rc = ep_store_ingest_file(s, files[k], strict, print_warning, NULL, &rep, &err);
        if (!cli->quiet && tty)
            fputs("\r\033[K", stderr);
        if (rc) {
            ep_cli_error(&err);
            fprintf(stderr, "epintel: %s: nothing written for this file\n", files[k]);
            failed = 1;
            continue;
        }
        warnings += rep.warnings;
        if (rep.skipped) {
            skipped++;
            if (!cli->quiet)
                fprintf(stderr, "%s: already ingested (%s), skipped\n", files[k], rep.kind);
        } else {
            added++;
            if (!cli->quiet)
                fprintf(stderr, "%s: %s, %ld records%s\n", files[k], rep.kind, rep.records,
                        rep.warnings ? ", with warnings" : "");
        }
    }
    if (!cli->quiet)
        fprintf(stderr,
                "ingest: %ld file(s) ingested, %ld already present, %s, %ld warning(s), %.2f s\n",
                added, skipped, failed ? "errors (see above)" : "no errors", warnings,
                ep_now() - t0);
    if (added > 0 && !failed) /* a large store: no first-call penalty (issue 19) */
        ep_cli_precompute(cli, s, "ingest", EP_PRECOMPUTE_MIN_CELLS);
    ep_store_close(s);
    for (int k = 0; k < n; k++)
        free(files[k]);
    free(files);
    if (failed)
        return EP_EXIT_ERROR;
    return warnings ? EP_EXIT_WARNINGS : EP_EXIT_OK;
}

/* One source line of epintel info (text or a JSON array item). */
static int info_unit(void *ctx, const struct ep_store_unit_row *u)
{
    int *state = ctx; /* [0] json, [1] first */
    if (state[0]) {
        printf("%s{\"kind\":\"%s\",\"records\":%lld,\"warnings\":%lld,\"path\":\"",
               state[1] ? "" : ",", u->kind, u->records, u->warnings);
        for (const char *p = u->path; *p; p++)
            if (*p == '"' || *p == '\\')
                printf("\\%c", *p);
            else if ((unsigned char)*p < 0x20)
                printf("\\u%04x", *p);
            else
                putchar(*p);
        printf("\"}");
    } else {
        printf("  %-22s %8lld records  %s\n", u->kind, u->records, u->path);
    }
    state[1] = 0;
    return 0;
}

int ep_cmd_info(struct ep_cli *cli, int argc, char **argv)
{
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: epintel [--db PATH] info [--json]\n\n"
                   "Counts per table, the date range of the votes and of the per-MEP positions,\n"
                   "and the ingested source files.\n");
            return EP_EXIT_OK;
        } else {
            fprintf(stderr, "epintel info: unknown argument %s (see epintel info --help)\n",
                    argv[i]);
            return EP_EXIT_USAGE;
        }
    }
    struct ep_store *s = ep_cli_open_store(cli, 1);
    if (!s)
        return EP_EXIT_ERROR;
    struct ep_store_info in;
    ep_store_info(s, &in);
    if (json)
        printf("{\"database\":\"%s\",\"schema_version\":%ld", ep_store_path(s), in.schema_version);
    else
        printf("database        %s (schema %ld)\n", ep_store_path(s), in.schema_version);
    for (size_t k = 0; k < EP_STORE_INFO_COUNTS; k++) {
        long v = in.counts[k].value;
        if (json)
            printf(",\"%s\":%ld", in.counts[k].label, v);
        else
            printf("%-21s %ld\n", in.counts[k].label, v);
    }
    if (json) {
        printf(",\"votes_from\":\"%s\",\"votes_to\":\"%s\",\"positions_from\":\"%s\","
               "\"positions_to\":\"%s\",\"sources\":[",
               in.votes_from, in.votes_to, in.positions_from, in.positions_to);
    } else {
        printf("votes from            %s to %s\n", in.votes_from[0] ? in.votes_from : "-",
               in.votes_to[0] ? in.votes_to : "-");
        printf("positions from        %s to %s\n", in.positions_from[0] ? in.positions_from : "-",
               in.positions_to[0] ? in.positions_to : "-");
        printf("sources:\n");
    }
    int state[2] = {json, 1};
    struct ep_error uerr = {0};
    ep_store_each_unit(s, info_unit, state, &uerr);
    if (json)
        printf("]}\n");
    else
        printf("\nSource: European Parliament. Data: HowTheyVote.eu (ODbL).\n");
    ep_store_close(s);
    return EP_EXIT_OK;
}

static void sql_usage(FILE *f)
{
    fprintf(f, "usage: epintel [--db PATH] sql [--header] QUERY\n\n"
               "Run one read-only SQL statement on the store and print its rows, one per line,\n"
               "columns separated by '|' (NULL as an empty field), as the sqlite3 shell does.\n"
               "--header prints the column names first.\n\n"
               "The tables and views are those of docs/design.md. position(vote_id, member_id,\n"
               "pos, group_code, unit_id) is a virtual table over the packed vote_positions\n"
               "rows that only epintel provides (the sqlite3 shell does not know it), and so are\n"
               "the views built on it (member_vote).\n\n"
               "exit codes: 0 ok, 1 SQL error, 2 usage (no query, more than one statement, or a\n"
               "statement that would write)\n");
}

/* One line of epintel sql: the values (or the header's names) separated by '|', NULL empty. */
static int sql_row(void *ctx, int ncol, const char *const *v)
{
    (void)ctx;
    for (int c = 0; c < ncol; c++)
        printf("%s%s", c ? "|" : "", v[c] ? v[c] : "");
    putchar('\n');
    return 0;
}

int ep_cmd_sql(struct ep_cli *cli, int argc, char **argv)
{
    int header = 0;
    const char *query = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--header") == 0) {
            header = 1;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            sql_usage(stdout);
            return EP_EXIT_OK;
        } else if (argv[i][0] == '-' || query) {
            fprintf(stderr, "epintel sql: unexpected argument %s (see epintel sql --help)\n",
                    argv[i]);
            return EP_EXIT_USAGE;
        } else {
            query = argv[i];
        }
    }
    if (!query) {
        sql_usage(stderr);
        return EP_EXIT_USAGE;
    }
    struct ep_store *s = ep_cli_open_store(cli, 1);
    if (!s)
        return EP_EXIT_ERROR;
    struct ep_error err = {0};
    int rc = ep_store_sql(s, query, header ? sql_row : NULL, sql_row, NULL, &err);
    int code = EP_EXIT_OK;
    if (rc) {
        fprintf(stderr, "epintel sql: %s\n", err.msg);
        code = rc == EP_EINVAL ? EP_EXIT_USAGE : EP_EXIT_ERROR;
    }
    ep_store_close(s);
    return code;
}
