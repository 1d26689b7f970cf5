/* The charts' JSON side, kept only until report/ep_report_pdf.c renders from the analysis/
 * structs (issue 17): the accessors the PDF code reads results with, and the coalition's
 * figures for the cohesion and agreement charts read from an analyze_coalition_dynamics result
 * into the struct the chart code draws (report/ep_report_int.h). The PNG charts themselves
 * (ep_report_chart.c) take the typed results. Delete this file, and its allow_json_get entry
 * in scripts/lint, when nothing calls these functions any more. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ep_report_int.h"

const char *ep_report_i_dataset_date(json_t *result)
{
    const char *d =
        json_string_value(json_object_get(json_object_get(result, "provenance"), "dataset_date"));
    return d ? d : "unknown";
}

int ep_report_i_synthetic(json_t *result)
{
    return json_is_true(json_object_get(json_object_get(result, "provenance"), "synthetic")) ||
           json_is_true(json_object_get(json_object_get(result, "window"), "synthetic"));
}

double ep_report_i_num(json_t *o, const char *key, double dflt)
{
    json_t *v = key ? json_object_get(o, key) : o;
    return json_is_number(v) ? json_number_value(v) : dflt;
}

const char *ep_report_i_str(json_t *o, const char *key, const char *dflt)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : dflt;
}

/* groups[].trend.by_sitting: the periods of the longest series (all groups share them). */
static json_t *longest_series(json_t *groups)
{
    json_t *periods = NULL, *gr;
    size_t i;
    json_array_foreach(groups, i, gr)
    {
        json_t *ser = json_object_get(json_object_get(gr, "trend"), "by_sitting");
        if (json_is_array(ser) && (!periods || json_array_size(ser) > json_array_size(periods)))
            periods = ser;
    }
    return periods;
}

int ep_report_i_chart_rgb(int kind, json_t *coal, int w, int h, struct ep_buf *out,
                          struct ep_error *err)
{
    json_t *groups = json_object_get(coal, "groups");
    json_t *periods = longest_series(groups);
    json_t *pa = json_object_get(coal, "pair_agreement");
    json_t *gs = json_object_get(pa, "groups"), *ag = json_object_get(pa, "agreement");
    size_t np = json_array_size(periods), npair = json_array_size(gs);
    if (!json_is_array(gs) || json_array_size(ag) != npair)
        npair = 0;
    struct ep_report_i_coal x;
    int rc = ep_report_i_coal_alloc(&x, (int)json_array_size(groups), (int)np, (int)npair, err);
    if (rc)
        return rc;
    x.date = ep_report_i_dataset_date(coal);
    x.synthetic = ep_report_i_synthetic(coal);
    for (size_t k = 0; k < np; k++)
        snprintf(x.period[k], sizeof x.period[k], "%s",
                 ep_report_i_str(json_array_get(periods, k), "period", "?"));
    size_t i;
    json_t *gr;
    json_array_foreach(groups, i, gr)
    {
        x.group[i] = ep_report_i_str(gr, "group", "?");
        x.ai_mean[i] = ep_report_i_num(json_object_get(gr, "cohesion"), "ai_mean", NAN);
        json_t *ser = json_object_get(json_object_get(gr, "trend"), "by_sitting");
        for (size_t k = 0; k < np; k++)
            x.ai[i * np + k] = ep_report_i_num(json_array_get(ser, k), "ai", -1);
    }
    x.votes = (int)ep_report_i_num(
        json_object_get(json_object_get(coal, "methodology"), "coverage"), "votes", 0);
    for (size_t a = 0; a < npair; a++) {
        const char *ca = json_string_value(json_array_get(gs, a));
        x.pair_group[a] = ca ? ca : "?";
        for (size_t b = 0; b < npair; b++)
            x.agree[a * npair + b] =
                ep_report_i_num(json_array_get(json_array_get(ag, a), b), NULL, NAN);
    }
    rc = ep_report_i_coal_rgb(kind, &x, w, h, out, err);
    ep_report_i_coal_free(&x);
    return rc;
}
