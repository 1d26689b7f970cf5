/* ep_provider: EP resources, prompts and completions (see ep_provider.h). */
#include "ep_provider.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ep_artefact.h"
#include "ep_model.h"
#include "ep_query_signals.h"
#include "ep_store_query.h"
#include "ep_tools.h"
#include "ep_tools_common.h"
#include "ep_ui_res.h"
#include "ep_util.h"

#define LIST_PAGE 100
#define COMPLETE_MAX 100
#define MIME "application/json"

/* ---- helpers ----------------------------------------------------------------------------- */

static int db_err(struct ep_store *s, struct ep_error *err, const char *what)
{
    return ep_tools_db_error(s, err, what);
}

/* Parse a positive decimal id (no sign, no leading garbage, ≤ 18 digits). */
static int parse_id(const char *s, int64_t *out)
{
    size_t n = strlen(s);
    if (n == 0 || n > 18)
        return 0;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    if (v <= 0)
        return 0;
    *out = v;
    return 1;
}

/* Procedure reference shape: YYYY/NNNN[A-Z]?(AAA). */
static int proc_valid(const char *p)
{
    size_t n = strlen(p), i = 0;
    if (n < 14 || n > 15)
        return 0;
    for (; i < 4; i++)
        if (!isdigit((unsigned char)p[i]))
            return 0;
    if (p[i++] != '/')
        return 0;
    for (int k = 0; k < 4; k++, i++)
        if (!isdigit((unsigned char)p[i]))
            return 0;
    if (isupper((unsigned char)p[i]))
        i++;
    if (p[i++] != '(')
        return 0;
    for (int k = 0; k < 3; k++, i++)
        if (!isupper((unsigned char)p[i]))
            return 0;
    return p[i] == ')' && p[i + 1] == 0;
}

/* Run a tool and wrap its structuredContent as a resource content. */
static int read_via_tool(const struct ep_tools_provider_ctx *pc, const char *uri, const char *tool,
                         json_t *args, json_t **result, struct ep_error *err)
{
    struct ep_tool_ctx ctx = {0};
    ctx.store = pc->store;
    json_t *res = NULL;
    int rc = ep_tools_call(pc->tools, &ctx, tool, args, &res, err);
    json_decref(args);
    if (rc)
        return rc;
    char *text = json_dumps(res, JSON_COMPACT);
    json_decref(res);
    if (!text)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    *result =
        json_pack("{s:[{s:s, s:s, s:s}]}", "contents", "uri", uri, "mimeType", MIME, "text", text);
    free(text);
    return *result ? 0 : ep_error_set(err, EP_ENOMEM, "out of memory");
}

/* ---- resources ------------------------------------------------------------------------- */

static int templates_list(void *ctx, const char *cursor, json_t **result, struct ep_error *err)
{
    (void)ctx;
    if (cursor && *cursor)
        return ep_error_set(err, EP_EINVAL, "invalid cursor: resource templates fit one page");
    *result = json_pack(
        "{s:[{s:s, s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s, s:s},"
        " {s:s, s:s, s:s, s:s, s:s}]}",
        "resourceTemplates", "uriTemplate", "ep://meps/{id}", "name", "mep", "title",
        "Member of the European Parliament", "description",
        "Profile, group membership history, participation and loyalty of an MEP (EP id, "
        "e.g. ep://meps/840)",
        "mimeType", MIME, "uriTemplate", "ep://votes/{id}", "name", "vote", "title",
        "Roll-call vote", "description",
        "One vote with its official counts and per-group breakdown (HowTheyVote id)", "mimeType",
        MIME, "uriTemplate", "ep://groups/{code}", "name", "group", "title", "Political group",
        "description",
        "Cohesion, participation, agreement with other groups and most rebellious members of a "
        "group (code, e.g. ep://groups/EPP)",
        "mimeType", MIME, "uriTemplate", "ep://sittings/{date}", "name", "sitting", "title",
        "Plenary sitting", "description", "The votes of one sitting day (YYYY-MM-DD)", "mimeType",
        MIME);
    return *result ? 0 : ep_error_set(err, EP_ENOMEM, "out of memory");
}

struct res_page {
    json_t *arr;
    int n, more, bad;
};

/* One resource of a resources/list page; stops after LIST_PAGE (more = 1 then). */
static int res_row(void *ctx, int k, const char *key, const char *name)
{
    struct res_page *pg = ctx;
    if (pg->n == LIST_PAGE) {
        pg->more = 1;
        return 1;
    }
    char uri[96], title[320];
    if (k == 0) {
        snprintf(uri, sizeof uri, "ep://groups/%s", key);
        snprintf(title, sizeof title, "Group %s: %s", key, name);
    } else if (k == 1) {
        snprintf(uri, sizeof uri, "ep://sittings/%s", key);
        snprintf(title, sizeof title, "Sitting %s (%s)", key, name);
    } else {
        snprintf(uri, sizeof uri, "ep://meps/%s", key);
        snprintf(title, sizeof title, "MEP %s", name);
    }
    json_t *r = json_pack("{s:s, s:s, s:s, s:s}", "uri", uri, "name", uri + 5, "title", title,
                          "mimeType", MIME);
    if (!r || json_array_append_new(pg->arr, r))
        pg->bad = 1;
    pg->n++;
    return 0;
}

static int resources_list(void *ctx, const char *cursor, json_t **result, struct ep_error *err)
{
    struct ep_store *s = ((const struct ep_tools_provider_ctx *)ctx)->store;
    long offset = 0;
    if (cursor && *cursor) {
        char *end;
        if (strncmp(cursor, "ep1:", 4) != 0 || (offset = strtol(cursor + 4, &end, 10)) < 0 ||
            *end || end == cursor + 4)
            return ep_error_set(err, EP_EINVAL,
                                "invalid cursor \"%s\": pass back the nextCursor "
                                "of the previous page",
                                cursor);
    }
    struct res_page pg = {json_array(), 0, 0, 0};
    pg.bad = !pg.arr;
    if (!pg.bad && offset == 0 && ep_ui_res_list(pg.arr, err)) { /* the views (ep_ui_res.h) */
        json_decref(pg.arr);
        return EP_ENOMEM;
    }
    int views = (int)json_array_size(pg.arr); /* they take the first page's first places */
    pg.n = views;
    int rc = ep_store_each_resource(s, offset, LIST_PAGE + 1, res_row, &pg, err);
    json_t *arr = pg.arr;
    int bad = pg.bad, more = pg.more;
    if (rc < 0) {
        json_decref(arr);
        return rc;
    }
    *result = bad ? NULL : json_pack("{s:o}", "resources", arr);
    if (!*result)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    if (more) {
        char next[32];
        snprintf(next, sizeof next, "ep1:%ld", offset + LIST_PAGE - views);
        if (json_object_set_new(*result, "nextCursor", json_string(next))) {
            json_decref(*result);
            *result = NULL;
            return ep_error_set(err, EP_ENOMEM, "out of memory");
        }
    }
    return 0;
}

static int not_found(const char *uri, struct ep_error *err, const char *why)
{
    return ep_error_set(err, EP_ENOTFOUND, "resource %s not found: %s", uri, why);
}

static const char *const kinds[] = {"ep://meps/", "ep://votes/", "ep://groups/", "ep://sittings/"};
/* The tool each of kinds[] reads through (read_via_tool below). */
static const char *const kind_tools[] = {"get_mep_details", "get_voting_records",
                                         "analyze_voting_patterns", "get_voting_records"};

static int resource_read(void *ctx, const char *uri, json_t **result, struct ep_error *err)
{
    const struct ep_tools_provider_ctx *pc = ctx;
    struct ep_store *s = pc->store;
    if (ep_ui_res_match(uri)) /* ui://epintel/<view> (ep_ui_res.h) */
        return ep_ui_res_read(pc->ui, s, uri, result, err);
    int kind = -1;
    const char *rest = NULL;
    for (int k = 0; k < 4 && uri; k++)
        if (strncmp(uri, kinds[k], strlen(kinds[k])) == 0) {
            kind = k;
            rest = uri + strlen(kinds[k]);
        }
    if (kind < 0)
        return not_found(uri ? uri : "(null)", err,
                         "the URI does not match ep://meps/{id}, ep://votes/{id}, "
                         "ep://groups/{code} or ep://sittings/{date}");
    int64_t id = 0;
    int ex;
    switch (kind) {
    case 0:
        if (!parse_id(rest, &id))
            return not_found(uri, err, "the MEP id must be a positive integer");
        ex = ep_tools_mep_known(s, id, err);
        if (ex < 0)
            return ex;
        if (!ex)
            return not_found(uri, err, "no MEP with this id in the store");
        if (ep_tools_find(pc->tools, "get_mep_details"))
            return read_via_tool(pc, uri, "get_mep_details",
                                 json_pack("{s:I}", "id", (json_int_t)id), result, err);
        return read_via_tool(pc, uri, "analyze_voting_patterns",
                             json_pack("{s:I}", "mep_id", (json_int_t)id), result, err);
    case 1:
        if (!parse_id(rest, &id))
            return not_found(uri, err, "the vote id must be a positive integer");
        ex = ep_store_vote_exists(s, id);
        if (ex < 0)
            return db_err(s, err, "looking up the vote");
        if (!ex)
            return not_found(uri, err, "no vote with this id in the store");
        return read_via_tool(pc, uri, "get_voting_records",
                             json_pack("{s:I}", "vote_id", (json_int_t)id), result, err);
    case 2:
        if (!*rest || strlen(rest) > 32)
            return not_found(uri, err, "malformed group code");
        {
            char code[64];
            struct ep_error gerr;
            ep_error_clear(&gerr);
            int grc = ep_tools_resolve_group(s, "group", rest, code, sizeof code, &gerr);
            if (grc == EP_EINVAL)
                return not_found(uri, err, gerr.msg);
            if (grc)
                return ep_error_set(err, grc, "%s", gerr.msg);
            return read_via_tool(pc, uri, "analyze_voting_patterns",
                                 json_pack("{s:s}", "group", code), result, err);
        }
    default:
        if (!ep_date_valid(rest) || strlen(rest) != 10)
            return not_found(uri, err, "the sitting must be a date YYYY-MM-DD");
        ex = ep_store_sitting_exists(s, rest);
        if (ex < 0)
            return db_err(s, err, "looking up the sitting");
        if (!ex)
            return not_found(uri, err, "no votes on this date in the store");
        return read_via_tool(pc, uri, "get_voting_records",
                             json_pack("{s:s, s:i}", "sitting", rest, "limit", 500), result, err);
    }
}

/* ---- prompts --------------------------------------------------------------------------- */

static int prompts_list(void *ctx, const char *cursor, json_t **result, struct ep_error *err)
{
    (void)ctx;
    if (cursor && *cursor)
        return ep_error_set(err, EP_EINVAL, "invalid cursor: the prompts fit one page");
    *result = json_pack(
        "{s:[{s:s, s:s, s:s, s:[{s:s, s:s, s:b}]},"
        " {s:s, s:s, s:s, s:[{s:s, s:s, s:b}, {s:s, s:s, s:b}, {s:s, s:s, s:b}]},"
        " {s:s, s:s, s:s, s:[{s:s, s:s, s:b}]}]}",
        "prompts", "name", "mep_briefing", "title", "MEP briefing", "description",
        "Brief on one MEP: profile, participation, loyalty, defections and agreement with "
        "every group, from the roll-call votes in the store",
        "arguments", "name", "mep_id", "description", "EP id of the MEP (completion: id or name)",
        "required", 1, "name", "coalition_analysis", "title", "Coalition analysis", "description",
        "Which political groups vote together, how cohesive they are and where coalitions "
        "break, over a window",
        "arguments", "name", "from", "description", "Window start YYYY-MM-DD (optional)",
        "required", 0, "name", "to", "description", "Window end YYYY-MM-DD (optional)", "required",
        0, "name", "groups", "description",
        "Comma-separated group codes to focus on, e.g. EPP,SD,RENEW (optional: all)", "required", 0,
        "name", "legislative_tracking", "title", "Legislative tracking", "description",
        "Follow a legislative procedure through its plenary votes", "arguments", "name",
        "procedure", "description", "Procedure reference, e.g. 2022/0099(COD)", "required", 1);
    /* issue 18's four */
    json_t *more[] = {
        json_pack("{s:s, s:s, s:s, s:[{s:s, s:s, s:b}, {s:s, s:s, s:b}, {s:s, s:s, s:b}]}", "name",
                  "group_comparison", "title", "Group comparison", "description",
                  "Two or more political groups side by side: cohesion, participation, seats, "
                  "agreement and positions, by policy area, and how they changed",
                  "arguments", "name", "groups", "description",
                  "Comma-separated group codes, two or more, e.g. EPP,SD,RENEW", "required", 1,
                  "name", "from", "description", "Window start YYYY-MM-DD (optional)",
                  "required", 0, "name", "to", "description", "Window end YYYY-MM-DD (optional)",
                  "required", 0),
        json_pack("{s:s, s:s, s:s, s:[{s:s, s:s, s:b}, {s:s, s:s, s:b}, {s:s, s:s, s:b}]}", "name",
                  "committee_activity", "title", "Committee activity", "description",
                  "What a responsible committee's files brought to plenary: votes, results, "
                  "group cohesion, time per stage",
                  "arguments", "name", "committee", "description",
                  "Committee code, e.g. AGRI, ENVI, LIBE (optional: every committee)", "required",
                  0, "name", "from", "description", "Window start YYYY-MM-DD (optional)",
                  "required", 0, "name", "to", "description", "Window end YYYY-MM-DD (optional)",
                  "required", 0),
        json_pack("{s:s, s:s, s:s, s:[{s:s, s:s, s:b}, {s:s, s:s, s:b}, {s:s, s:s, s:b}, "
                  "{s:s, s:s, s:b}]}",
                  "name", "voting_patterns", "title", "Voting patterns", "description",
                  "An MEP's or a group's voting patterns, anomalies and the alerts they raise",
                  "arguments", "name", "mep_id", "description",
                  "EP id of the MEP (give this or group)", "required", 0, "name", "group",
                  "description", "Group code, e.g. EPP (give this or mep_id)", "required", 0,
                  "name", "from", "description", "Window start YYYY-MM-DD (optional)",
                  "required", 0, "name", "to", "description", "Window end YYYY-MM-DD (optional)",
                  "required", 0),
        json_pack("{s:s, s:s, s:s, s:[{s:s, s:s, s:b}, {s:s, s:s, s:b}, {s:s, s:s, s:b}]}", "name",
                  "country_delegation", "title", "Country delegation", "description",
                  "A national delegation: its MEPs and groups, its own cohesion, its splits and "
                  "defectors",
                  "arguments", "name", "country", "description",
                  "Country code (DEU or DE) or name (Germany)", "required", 1, "name", "from",
                  "description", "Window start YYYY-MM-DD (optional)", "required", 0, "name",
                  "to", "description", "Window end YYYY-MM-DD (optional)", "required", 0),
    };
    json_t *arr = json_object_get(*result, "prompts");
    int bad = !arr;
    for (size_t k = 0; k < sizeof more / sizeof more[0]; k++)
        if (!more[k] || json_array_append_new(arr, more[k]))
            bad = 1;
    if (bad) {
        json_decref(*result);
        *result = NULL;
    }
    return *result ? 0 : ep_error_set(err, EP_ENOMEM, "out of memory");
}

static int str_arg(json_t *args, const char *name, const char **out, struct ep_error *err)
{
    json_t *v = json_object_get(args, name);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return ep_error_set(err, EP_EINVAL, "argument \"%s\" must be a string", name);
    *out = json_string_value(v);
    if (!**out)
        *out = NULL;
    return 0;
}

static int prompt_result(const char *description, struct ep_buf *text, json_t **result,
                         struct ep_error *err)
{
    if (!text->data)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    *result = json_pack("{s:s, s:[{s:s, s:{s:s, s:s}}]}", "description", description, "messages",
                        "role", "user", "content", "type", "text", "text", text->data);
    return *result ? 0 : ep_error_set(err, EP_ENOMEM, "out of memory");
}

static int prompt_mep(struct ep_store *s, json_t *args, json_t **result, struct ep_error *err)
{
    const char *id;
    int rc = str_arg(args, "mep_id", &id, err);
    if (rc)
        return rc;
    if (!id)
        return ep_error_set(err, EP_EINVAL,
                            "prompt mep_briefing: required argument \"mep_id\" is missing (an EP "
                            "id such as 840; complete it by name)");
    int64_t v;
    if (!parse_id(id, &v))
        return ep_error_set(err, EP_EINVAL,
                            "prompt mep_briefing: argument \"mep_id\" must be a positive integer "
                            "EP id, got \"%s\"",
                            id);
    int ex = ep_tools_mep_known(s, v, err);
    if (ex < 0)
        return ex;
    if (!ex)
        return ep_error_set(err, EP_EINVAL,
                            "prompt mep_briefing: argument \"mep_id\": no MEP with id %lld",
                            (long long)v);
    struct ep_buf t;
    ep_buf_init(&t, 0);
    ep_buf_printf(
        &t,
        "Prepare a briefing on the Member of the European Parliament with EP id %lld.\n\n"
        "Use the epintel tools in this order:\n"
        "1. get_mep_details with {\"id\": %lld}: profile, country and group membership history.\n"
        "2. analyze_voting_patterns with {\"mep_id\": %lld, \"include_votes\": true}: "
        "participation, loyalty to the group, abstention share, cross-party votes, agreement "
        "with every group, and the votes behind the defections.\n"
        "3. get_voting_records with {\"mep_id\": %lld} for the MEP's positions on recent votes.\n"
        "4. generate_report with {\"kind\": \"mep\", \"id\": \"%lld\"} for a Markdown report you "
        "can quote.\n\n"
        "Write the briefing with: who the MEP is; how often they vote; how loyal they are to "
        "their group and on which votes they broke with it (name the votes); which groups they "
        "vote with most. Give the counts behind every percentage, say which window the figures "
        "cover (the store's per-MEP positions cover only some sittings), report any figure "
        "marked unavailable as unavailable rather than zero, and end with the attribution "
        "\"Source: European Parliament. Data: HowTheyVote.eu (ODbL).\"",
        (long long)v, (long long)v, (long long)v, (long long)v, (long long)v);
    rc = prompt_result("Briefing on one MEP", &t, result, err);
    ep_buf_free(&t);
    return rc;
}

/* The optional window arguments from and to of prompt `name`, checked: ", \"from\": ..." pieces
 * for a JSON object into win. */
static int window_args(const char *name, json_t *args, const char **from, const char **to,
                       struct ep_buf *win, struct ep_error *err)
{
    int rc;
    if ((rc = str_arg(args, "from", from, err)) || (rc = str_arg(args, "to", to, err)))
        return rc;
    if (*from && !ep_date_valid(*from))
        return ep_error_set(err, EP_EINVAL,
                            "prompt %s: argument \"from\" must be a date YYYY-MM-DD, got \"%s\"",
                            name, *from);
    if (*to && !ep_date_valid(*to))
        return ep_error_set(err, EP_EINVAL,
                            "prompt %s: argument \"to\" must be a date YYYY-MM-DD, got \"%s\"",
                            name, *to);
    if (*from && *to && strcmp(*from, *to) > 0)
        return ep_error_set(err, EP_EINVAL,
                            "prompt %s: argument \"from\" (%s) is after \"to\" (%s)", name, *from,
                            *to);
    if (*from)
        ep_buf_printf(win, ", \"from\": \"%s\"", *from);
    if (*to)
        ep_buf_printf(win, ", \"to\": \"%s\"", *to);
    return 0;
}

/* The comma-separated group codes of prompt `name`, each resolved (any case or the EP's label)
 * to its canonical code: "A, B" into list, their number in *n. */
static int group_list(struct ep_store *s, const char *name, const char *groups,
                      struct ep_buf *list, int *n_groups, struct ep_error *err)
{
    int rc = 0;
    *n_groups = 0;
    const char *p = groups;
    while (p && *p && !rc) {
        size_t n = strcspn(p, ",");
        char code[40];
        size_t a = 0, b = n;
        while (a < b && isspace((unsigned char)p[a]))
            a++;
        while (b > a && isspace((unsigned char)p[b - 1]))
            b--;
        if (b > a) {
            if (b - a >= sizeof code)
                rc = ep_error_set(err, EP_EINVAL,
                                  "prompt %s: argument \"groups\": group code too long", name);
            else {
                memcpy(code, p + a, b - a);
                code[b - a] = 0;
                char canon[sizeof code];
                rc = ep_tools_resolve_group(s, "groups", code, canon, sizeof canon, err);
                if (rc) {
                    ep_error_prefix(err, "prompt %s: ", name);
                } else {
                    ep_buf_printf(list, "%s%s", *n_groups ? ", " : "", canon);
                    (*n_groups)++;
                }
            }
        }
        p += n;
        if (*p == ',')
            p++;
    }
    return rc;
}

static int prompt_coalition(struct ep_store *s, json_t *args, json_t **result, struct ep_error *err)
{
    const char *from = NULL, *to = NULL, *groups = NULL;
    struct ep_buf win, list, t;
    ep_buf_init(&win, 0);
    ep_buf_init(&list, 0);
    ep_buf_init(&t, 0);
    int n_groups = 0;
    int rc = window_args("coalition_analysis", args, &from, &to, &win, err);
    if (!rc)
        rc = str_arg(args, "groups", &groups, err);
    if (!rc && groups)
        rc = group_list(s, "coalition_analysis", groups, &list, &n_groups, err);
    if (!rc) {
        const char *w = win.data ? win.data : "";
        ep_buf_printf(&t, "Analyse the coalitions between the political groups of the European "
                          "Parliament");
        if (from || to)
            ep_buf_printf(&t, " between %s and %s", from ? from : "the first vote",
                          to ? to : "the last vote");
        if (n_groups)
            ep_buf_printf(&t, ", focusing on %s", list.data);
        ep_buf_printf(&t, ".\n\nUse the epintel tools:\n");
        if (n_groups) {
            const char *p = list.data;
            while (*p) {
                size_t n = strcspn(p, ",");
                ep_buf_printf(&t,
                              "- analyze_voting_patterns with {\"group\": \"%.*s\", "
                              "\"include_votes\": true%s}: cohesion, participation, agreement "
                              "with every other group and the least cohesive votes.\n",
                              (int)n, p, w);
                p += n;
                while (*p == ',' || *p == ' ')
                    p++;
            }
        } else
            ep_buf_printf(&t,
                          "- analyze_voting_patterns with {\"group\": CODE%s} for each "
                          "group (EPP, SD, RENEW, GREEN_EFA, GUE_NGL, ECR, ID, NI): "
                          "cohesion, participation and agreement with every other group.\n",
                          w);
        /* the window as a JSON object for the calls below */
        const char *wobj = win.data ? win.data + 2 : "";
        ep_buf_printf(&t,
                      "- get_plenary_sessions with {%s} to see which sittings the window covers "
                      "and which have per-MEP positions.\n"
                      "- get_voting_records with {%s} to name the votes on which the majority "
                      "coalitions split (each vote has its per-group breakdown).\n\n"
                      "Report the group-pair agreement matrix (the share of votes with the same "
                      "position, with the number of common votes), the most and least cohesive "
                      "groups (Agreement Index mean and median, Krippendorff's alpha), the "
                      "majorities that form most often, and the votes where they broke. Votes "
                      "where a group's position is tied are left out of agreement. Report "
                      "unavailable figures as unavailable, never as 0, and end with \"Source: "
                      "European Parliament. Data: HowTheyVote.eu (ODbL).\"",
                      wobj, wobj);
    }
    if (!rc)
        rc = prompt_result("Coalition analysis between political groups", &t, result, err);
    ep_buf_free(&win);
    ep_buf_free(&list);
    ep_buf_free(&t);
    return rc;
}

static int prompt_leg(struct ep_store *s, json_t *args, json_t **result, struct ep_error *err)
{
    const char *proc;
    int rc = str_arg(args, "procedure", &proc, err);
    if (rc)
        return rc;
    if (!proc)
        return ep_error_set(err, EP_EINVAL,
                            "prompt legislative_tracking: required argument \"procedure\" is "
                            "missing (a procedure reference such as 2022/0099(COD))");
    if (!proc_valid(proc))
        return ep_error_set(err, EP_EINVAL,
                            "prompt legislative_tracking: argument \"procedure\" must look like "
                            "2022/0099(COD), got \"%s\"",
                            proc);
    (void)s;
    struct ep_buf t;
    ep_buf_init(&t, 0);
    ep_buf_printf(
        &t,
        "Track the legislative procedure %s through the European Parliament.\n\n"
        "Use the epintel tools:\n"
        "1. track_legislation with {\"procedure\": \"%s\"}: the timeline of its plenary votes "
        "with results, counts, stages and group positions.\n"
        "2. get_voting_records with {\"procedure\": \"%s\"} for each vote's per-group breakdown.\n"
        "3. search_documents with {\"query\": \"%s\"} for related votes and documents.\n\n"
        "Summarise what the procedure is about, each stage and its outcome (adopted or rejected, "
        "with the counts), which groups supported and opposed it, and how cohesive they were. "
        "If the store has no votes for the procedure, say so. End with \"Source: European "
        "Parliament. Data: HowTheyVote.eu (ODbL).\"",
        proc, proc, proc, proc);
    rc = prompt_result("Tracking of a legislative procedure", &t, result, err);
    ep_buf_free(&t);
    return rc;
}

/* ---- the prompts of issue 18: group comparison, committee activity, voting patterns, country
 * delegation. Each names the tools it uses; compare_political_groups,
 * analyze_committee_activity and analyze_country_delegation are built beside this change. */

static const char attribution[] =
    " Report unavailable figures as unavailable, never as 0, give the counts behind every share "
    "and the window each figure covers, and end with \"Source: European Parliament. Data: "
    "HowTheyVote.eu (ODbL).\"";

/* ["A", "B"] of the canonical list "A, B" into out. */
static void json_codes(const char *list, struct ep_buf *out)
{
    ep_buf_printf(out, "[");
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ",");
        ep_buf_printf(out, "%s\"%.*s\"", p == list ? "" : ", ", (int)n, p);
        p += n;
        while (*p == ',' || *p == ' ')
            p++;
    }
    ep_buf_printf(out, "]");
}

static int prompt_groups_cmp(struct ep_store *s, json_t *args, json_t **result,
                             struct ep_error *err)
{
    const char *from = NULL, *to = NULL, *groups = NULL;
    struct ep_buf win, list, arr, t;
    ep_buf_init(&win, 0);
    ep_buf_init(&list, 0);
    ep_buf_init(&arr, 0);
    ep_buf_init(&t, 0);
    int n = 0;
    int rc = window_args("group_comparison", args, &from, &to, &win, err);
    if (!rc)
        rc = str_arg(args, "groups", &groups, err);
    if (!rc && groups)
        rc = group_list(s, "group_comparison", groups, &list, &n, err);
    if (!rc && n < 2)
        rc = ep_error_set(err, EP_EINVAL,
                          "prompt group_comparison: argument \"groups\" needs two or more group "
                          "codes, comma-separated (e.g. EPP,SD)%s",
                          groups ? "" : ": it is missing");
    if (!rc) {
        json_codes(list.data, &arr);
        const char *w = win.data ? win.data : "";
        char st[40] = "";
        if (to)
            snprintf(st, sizeof st, "\"to\": \"%s\"", to);
        ep_buf_printf(&t,
                      "Compare the political groups %s of the European Parliament side by side"
                      "%s%s%s%s.\n\nUse the epintel tools:\n"
                      "1. compare_political_groups with {\"groups\": %s%s}: cohesion (Agreement "
                      "Index, Rice, Krippendorff's alpha), participation, seats, pair agreement "
                      "and positions on the close votes, each also by policy area.\n"
                      "2. analyze_coalition_dynamics with {\"groups\": %s%s}: cohesion trends, "
                      "the pair agreement matrix, alliances and factions.\n"
                      "3. analyze_voting_patterns with {\"group\": CODE, \"include_votes\": "
                      "true%s} for each of %s: the least cohesive votes.\n"
                      "4. sentiment_tracker with {%s}: cohesion and polarisation over 30, 90 and "
                      "365 days (measured on votes; no text sentiment).\n\n"
                      "Say where the groups agree and where they split, which is more united, "
                      "and how that changed.%s",
                      list.data, from ? " from " : "", from ? from : "", to ? " to " : "",
                      to ? to : "", arr.data, w, arr.data, w, w, list.data,
                      st, attribution);
        rc = prompt_result("Comparison of political groups", &t, result, err);
    }
    ep_buf_free(&win);
    ep_buf_free(&list);
    ep_buf_free(&arr);
    ep_buf_free(&t);
    return rc;
}

static int prompt_committee(struct ep_store *s, json_t *args, json_t **result,
                            struct ep_error *err)
{
    const char *from = NULL, *to = NULL, *arg = NULL;
    struct ep_buf win, t;
    ep_buf_init(&win, 0);
    ep_buf_init(&t, 0);
    char code[16] = "", label[200] = "";
    int rc = window_args("committee_activity", args, &from, &to, &win, err);
    if (!rc)
        rc = str_arg(args, "committee", &arg, err);
    if (!rc && arg) {
        int found = ep_qs_committee(s, arg, code, label, sizeof label, err);
        if (found < 0)
            rc = found;
        else if (!found)
            rc = ep_error_set(err, EP_EINVAL,
                              "prompt committee_activity: argument \"committee\": no committee "
                              "\"%s\" in the store (a code such as AGRI, ENVI, LIBE)",
                              arg);
    }
    if (!rc) {
        const char *w = win.data ? win.data : "";
        if (code[0])
            ep_buf_printf(&t, "Report on the activity of the %s committee (%s)", code, label);
        else
            ep_buf_printf(&t, "Report on the activity of the European Parliament's committees");
        ep_buf_printf(&t, "%s%s%s%s.\n\nUse the epintel tools:\n", from ? " from " : "",
                      from ? from : "", to ? " to " : "", to ? to : "");
        if (code[0])
            ep_buf_printf(&t,
                          "1. analyze_committee_activity with {\"committee\": \"%s\"%s}: the "
                          "votes of the procedures it is responsible for, their results, group "
                          "cohesion on them and the span from first to last vote (and its "
                          "roster where synced).\n"
                          "2. get_committee_info with {\"code\": \"%s\"}.\n",
                          code, w, code);
        else
            ep_buf_printf(&t,
                          "1. analyze_committee_activity with {%s} for every responsible "
                          "committee: votes, results, group cohesion and span.\n"
                          "2. get_committee_info with {} for the committees' names.\n",
                          win.data ? win.data + 2 : "");
        ep_buf_printf(&t,
                      "3. monitor_legislative_pipeline with {}: days per stage and stalled files "
                      "(it says how to sync procedure events when the store has none).\n"
                      "4. analyze_legislative_effectiveness with {}: procedure outcomes by type "
                      "(rapporteurs are unavailable in this store; say so).\n\n"
                      "Say how many votes and procedures the committee's files brought to "
                      "plenary, how they ended, and which groups supported them.%s",
                      attribution);
        rc = prompt_result("Committee activity", &t, result, err);
    }
    ep_buf_free(&win);
    ep_buf_free(&t);
    return rc;
}

static int prompt_patterns(struct ep_store *s, json_t *args, json_t **result,
                           struct ep_error *err)
{
    const char *from = NULL, *to = NULL, *mep = NULL, *group = NULL;
    struct ep_buf win, t, who;
    ep_buf_init(&win, 0);
    ep_buf_init(&t, 0);
    ep_buf_init(&who, 0);
    char canon[40] = "";
    int64_t id = 0;
    int rc = window_args("voting_patterns", args, &from, &to, &win, err);
    if (!rc)
        rc = str_arg(args, "mep_id", &mep, err);
    if (!rc)
        rc = str_arg(args, "group", &group, err);
    if (!rc && !mep == !group)
        rc = ep_error_set(err, EP_EINVAL,
                          "prompt voting_patterns: give exactly one of \"mep_id\" (an EP id such "
                          "as 840) and \"group\" (a code such as EPP)");
    if (!rc && mep) {
        if (!parse_id(mep, &id))
            rc = ep_error_set(err, EP_EINVAL,
                              "prompt voting_patterns: argument \"mep_id\" must be a positive "
                              "integer EP id, got \"%s\"",
                              mep);
        int ex = rc ? 0 : ep_tools_mep_known(s, id, err);
        if (ex < 0)
            rc = ex;
        else if (!rc && !ex)
            rc = ep_error_set(err, EP_EINVAL,
                              "prompt voting_patterns: argument \"mep_id\": no MEP with id %lld",
                              (long long)id);
    } else if (!rc) {
        rc = ep_tools_resolve_group(s, "group", group, canon, sizeof canon, err);
        if (rc)
            ep_error_prefix(err, "prompt voting_patterns: ");
    }
    if (!rc) {
        const char *w = win.data ? win.data : "";
        if (mep)
            ep_buf_printf(&who, "the MEP with EP id %lld", (long long)id);
        else
            ep_buf_printf(&who, "the political group %s", canon);
        ep_buf_printf(&t, "Analyse the voting patterns of %s%s%s%s%s.\n\nUse the epintel tools:\n",
                      who.data, from ? " from " : "", from ? from : "", to ? " to " : "",
                      to ? to : "");
        if (mep)
            ep_buf_printf(&t,
                          "1. analyze_voting_patterns with {\"mep_id\": %lld, \"include_votes\": "
                          "true%s}: participation, loyalty, abstentions, cross-party votes and "
                          "agreement with every group.\n"
                          "2. detect_voting_anomalies with {\"scope\": \"mep\", \"mep_id\": "
                          "%lld%s}: sittings far from the MEP's own baseline.\n"
                          "3. correlate_intelligence with {\"mep_ids\": [%lld]}: influence and "
                          "loyalty now and in the previous window, and the alerts they raise.\n",
                          (long long)id, w, (long long)id, w, (long long)id);
        else
            ep_buf_printf(&t,
                          "1. analyze_voting_patterns with {\"group\": \"%s\", \"include_votes\": "
                          "true%s}: cohesion, participation, agreement with every other group "
                          "and the least cohesive votes.\n"
                          "2. detect_voting_anomalies with {\"scope\": \"group\", \"group\": "
                          "\"%s\"%s}: sittings far from the group's own baseline.\n"
                          "3. correlate_intelligence with {\"groups\": [\"%s\"]}: cohesion and "
                          "the closest group now and in the previous window, and the alerts.\n",
                          canon, w, canon, w, canon);
        ep_buf_printf(&t,
                      "4. early_warning_system with {}: the Parliament-wide warnings the "
                      "patterns sit in.\n\nDescribe the patterns, the votes behind them and "
                      "what changed.%s",
                      attribution);
        rc = prompt_result("Voting patterns", &t, result, err);
    }
    ep_buf_free(&win);
    ep_buf_free(&t);
    ep_buf_free(&who);
    return rc;
}

static int prompt_country(struct ep_store *s, json_t *args, json_t **result,
                          struct ep_error *err)
{
    const char *from = NULL, *to = NULL, *arg = NULL;
    struct ep_buf win, t;
    ep_buf_init(&win, 0);
    ep_buf_init(&t, 0);
    char code[8] = "", label[200] = "";
    int rc = window_args("country_delegation", args, &from, &to, &win, err);
    if (!rc)
        rc = str_arg(args, "country", &arg, err);
    if (!rc && !arg)
        rc = ep_error_set(err, EP_EINVAL,
                          "prompt country_delegation: required argument \"country\" is missing "
                          "(a code such as DEU or DE, or a name such as Germany)");
    if (!rc) {
        int found = ep_qs_country(s, arg, code, label, sizeof label, err);
        if (found < 0)
            rc = found;
        else if (!found)
            rc = ep_error_set(err, EP_EINVAL,
                              "prompt country_delegation: argument \"country\": no country \"%s\" "
                              "in the store (a code such as DEU or DE, or a name such as "
                              "Germany)",
                              arg);
    }
    if (!rc) {
        const char *w = win.data ? win.data : "";
        ep_buf_printf(&t,
                      "Analyse the national delegation of %s (%s) in the European Parliament"
                      "%s%s%s%s.\n\nUse the epintel tools:\n"
                      "1. analyze_country_delegation with {\"country\": \"%s\"%s}: its MEPs, "
                      "their groups and seats, the delegation's own cohesion (Agreement Index "
                      "among its members), how often it splits, its agreement with each group "
                      "and its defectors.\n"
                      "2. get_meps with {\"country\": \"%s\"}: the members and their groups.\n"
                      "3. get_voting_records with {%s} for the per-country breakdown of the "
                      "votes where the delegation split.\n\n"
                      "Say how united the delegation is, where national lines cut across group "
                      "lines, and name the votes.%s",
                      label, code, from ? " from " : "", from ? from : "", to ? " to " : "",
                      to ? to : "", code, w, code, win.data ? win.data + 2 : "", attribution);
        rc = prompt_result("Country delegation", &t, result, err);
    }
    ep_buf_free(&win);
    ep_buf_free(&t);
    return rc;
}

static int prompt_get(void *ctx, const char *name, json_t *args, json_t **result,
                      struct ep_error *err)
{
    struct ep_store *s = ((const struct ep_tools_provider_ctx *)ctx)->store;
    if (!name)
        name = "";
    if (strcmp(name, "mep_briefing") == 0)
        return prompt_mep(s, args, result, err);
    if (strcmp(name, "coalition_analysis") == 0)
        return prompt_coalition(s, args, result, err);
    if (strcmp(name, "legislative_tracking") == 0)
        return prompt_leg(s, args, result, err);
    if (strcmp(name, "group_comparison") == 0)
        return prompt_groups_cmp(s, args, result, err);
    if (strcmp(name, "committee_activity") == 0)
        return prompt_committee(s, args, result, err);
    if (strcmp(name, "voting_patterns") == 0)
        return prompt_patterns(s, args, result, err);
    if (strcmp(name, "country_delegation") == 0)
        return prompt_country(s, args, result, err);
    return ep_error_set(err, EP_EINVAL,
                        "unknown prompt \"%s\": prompts are mep_briefing, coalition_analysis, "
                        "legislative_tracking, group_comparison, committee_activity, "
                        "voting_patterns, country_delegation",
                        name);
}

/* ---- completion ------------------------------------------------------------------------ */

struct collecting {
    json_t *arr;
    const char *prefix;
    int oom;
};

/* Add prefix + v to the candidates unless there already (a second query may find the same
 * value); stops at COMPLETE_MAX. */
static int collect_one(void *ctx, const char *v)
{
    struct collecting *c = ctx;
    if (json_array_size(c->arr) >= COMPLETE_MAX)
        return 1;
    size_t i, pl = strlen(c->prefix);
    json_t *x;
    json_array_foreach(c->arr, i, x)
    {
        const char *xs = json_string_value(x);
        if (strncmp(xs, c->prefix, pl) == 0 && strcmp(xs + pl, v) == 0)
            return 0;
    }
    char buf[512];
    snprintf(buf, sizeof buf, "%s%s", c->prefix, v);
    if (json_array_append_new(c->arr, json_string(buf))) {
        c->oom = 1;
        return 1;
    }
    return 0;
}

/* Append the completion candidates of kind for value to arr, each prefixed by prefix. */
static int collect(struct ep_store *s, enum ep_store_completion kind, const char *value,
                   const char *prefix, json_t *arr, struct ep_error *err)
{
    struct collecting c = {arr, prefix, 0};
    int rc = ep_store_complete(s, kind, value, collect_one, &c, err);
    if (c.oom)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    return rc < 0 ? rc : 0;
}

enum { C_NONE, C_MEP, C_GROUP, C_GROUPS, C_DATE, C_PROC, C_VOTE };

static int complete_kind(json_t *ref, const char *arg, int *kind, struct ep_error *err)
{
    const char *type = json_string_value(json_object_get(ref, "type"));
    *kind = C_NONE;
    if (!arg)
        arg = "";
    if (type && strcmp(type, "ref/prompt") == 0) {
        const char *name = json_string_value(json_object_get(ref, "name"));
        if (!name)
            name = "";
        if (strcmp(name, "mep_briefing") == 0) {
            if (strcmp(arg, "mep_id") == 0)
                *kind = C_MEP;
        } else if (strcmp(name, "coalition_analysis") == 0) {
            if (strcmp(arg, "from") == 0 || strcmp(arg, "to") == 0)
                *kind = C_DATE;
            else if (strcmp(arg, "groups") == 0)
                *kind = C_GROUPS;
        } else if (strcmp(name, "legislative_tracking") == 0) {
            if (strcmp(arg, "procedure") == 0)
                *kind = C_PROC;
        } else if (strcmp(name, "group_comparison") == 0 ||
                   strcmp(name, "committee_activity") == 0 ||
                   strcmp(name, "voting_patterns") == 0 ||
                   strcmp(name, "country_delegation") == 0) {
            if (strcmp(arg, "from") == 0 || strcmp(arg, "to") == 0)
                *kind = C_DATE;
            else if (strcmp(arg, "groups") == 0)
                *kind = C_GROUPS;
            else if (strcmp(arg, "group") == 0)
                *kind = C_GROUP;
            else if (strcmp(arg, "mep_id") == 0)
                *kind = C_MEP;
        } else
            return ep_error_set(err, EP_EINVAL, "unknown prompt \"%s\"", name);
        return 0;
    }
    if (type && strcmp(type, "ref/resource") == 0) {
        const char *uri = json_string_value(json_object_get(ref, "uri"));
        if (!uri)
            uri = "";
        if (strcmp(uri, "ep://meps/{id}") == 0)
            *kind = strcmp(arg, "id") == 0 ? C_MEP : C_NONE;
        else if (strcmp(uri, "ep://votes/{id}") == 0)
            *kind = strcmp(arg, "id") == 0 ? C_VOTE : C_NONE;
        else if (strcmp(uri, "ep://groups/{code}") == 0)
            *kind = strcmp(arg, "code") == 0 ? C_GROUP : C_NONE;
        else if (strcmp(uri, "ep://sittings/{date}") == 0)
            *kind = strcmp(arg, "date") == 0 ? C_DATE : C_NONE;
        else
            return ep_error_set(err, EP_EINVAL, "unknown resource template \"%s\"", uri);
        return 0;
    }
    return ep_error_set(err, EP_EINVAL, "completion ref must be ref/prompt or ref/resource");
}

static int complete(void *ctx, json_t *ref, const char *arg_name, const char *arg_value,
                    json_t *context_args, json_t **values, struct ep_error *err)
{
    struct ep_store *s = ((const struct ep_tools_provider_ctx *)ctx)->store;
    (void)context_args;
    int kind, rc = complete_kind(ref, arg_name, &kind, err);
    if (rc)
        return rc;
    const char *v = arg_value ? arg_value : "";
    json_t *arr = json_array();
    if (!arr)
        return ep_error_set(err, EP_ENOMEM, "out of memory");
    int64_t dummy;
    switch (kind) {
    case C_MEP:
        if (!*v || parse_id(v, &dummy) || strspn(v, "0123456789") == strlen(v))
            rc = collect(s, EP_COMPLETE_MEP_ID, v, "", arr, err);
        else
            rc = collect(s, EP_COMPLETE_MEP_NAME, v, "", arr, err);
        break;
    case C_GROUP:
    case C_GROUPS: {
        char prefix[256] = "";
        const char *last = v;
        if (kind == C_GROUPS) {
            const char *comma = strrchr(v, ',');
            if (comma) {
                size_t n = (size_t)(comma - v) + 1;
                if (n >= sizeof prefix)
                    n = sizeof prefix - 1;
                memcpy(prefix, v, n);
                prefix[n] = 0;
                last = comma + 1;
                while (*last == ' ')
                    last++;
            }
        }
        rc = collect(s, EP_COMPLETE_GROUP_CODE, last, prefix, arr, err);
        if (!rc && *last)
            rc = collect(s, EP_COMPLETE_GROUP_LABEL, last, prefix, arr, err);
        break;
    }
    case C_DATE: rc = collect(s, EP_COMPLETE_SITTING, v, "", arr, err); break;
    case C_PROC: rc = collect(s, EP_COMPLETE_PROCEDURE, v, "", arr, err); break;
    case C_VOTE: rc = collect(s, EP_COMPLETE_VOTE, v, "", arr, err); break;
    default: break;
    }
    if (rc) {
        json_decref(arr);
        return rc;
    }
    *values = arr;
    return 0;
}

/* ---- the provider ---------------------------------------------------------------------- */

static const char *tool_for(void *ctx, const char *method, json_t *params)
{
    (void)ctx;
    if (strcmp(method, "resources/list") == 0) /* the groups, sittings and MEPs, by name */
        return "get_meps";
    if (strcmp(method, "resources/read") == 0) {
        const char *uri = json_string_value(json_object_get(params, "uri"));
        if (ep_ui_res_match(uri))
            return ep_ui_res_tool_for(uri);
        for (int k = 0; k < 4 && uri; k++)
            if (strncmp(uri, kinds[k], strlen(kinds[k])) == 0)
                return kind_tools[k];
        return NULL;
    }
    if (strcmp(method, "prompts/get") == 0) {
        const char *name = json_string_value(json_object_get(params, "name"));
        if (!name)
            return NULL;
        return strcmp(name, "mep_briefing") == 0           ? "get_mep_details"
               : strcmp(name, "coalition_analysis") == 0   ? "analyze_coalition_dynamics"
               : strcmp(name, "legislative_tracking") == 0 ? "track_legislation"
                                                           : NULL;
    }
    if (strcmp(method, "completion/complete") == 0) {
        int kind;
        struct ep_error e = {0};
        const char *arg =
            json_string_value(json_object_get(json_object_get(params, "argument"), "name"));
        if (complete_kind(json_object_get(params, "ref"), arg, &kind, &e))
            return NULL;
        switch (kind) {
        case C_MEP:
        case C_GROUP:
        case C_GROUPS: return "get_meps";
        case C_DATE: return "get_plenary_sessions";
        case C_PROC: return "track_legislation";
        case C_VOTE: return "get_voting_records";
        default: return NULL;
        }
    }
    return NULL;
}

void ep_tools_provider_init(struct ep_mcp_provider *p, struct ep_tools_provider_ctx *c)
{
    memset(p, 0, sizeof *p);
    p->ctx = c;
    p->resources_list = resources_list;
    p->resource_templates_list = templates_list;
    p->resource_read = resource_read;
    p->prompts_list = prompts_list;
    p->prompt_get = prompt_get;
    p->complete = complete;
    p->tool_for = tool_for;
}
