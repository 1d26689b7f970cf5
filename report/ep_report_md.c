/* ep_report_md: Markdown renderings of the MEP, group and sitting reports (see ep_report_md.h). */
#include "ep_report_md.h"

#include <stdio.h>
#include <string.h>

#include "ep_model.h"
#include "ep_stats.h"

/* Append text for a table cell: '|' escaped, line breaks as spaces, at most max bytes (cut at
 * a UTF-8 boundary, with "…" added). */
static void md_cell(struct ep_buf *o, const char *s, size_t max)
{
    if (!s)
        return;
    size_t n = strlen(s), k = 0;
    for (; k < n && k < max; k++) {
        char c = s[k];
        if (c == '|')
            ep_buf_append(o, "\\|", 2);
        else if (c == '\n' || c == '\r' || c == '\t')
            ep_buf_putc(o, ' ');
        else
            ep_buf_putc(o, c);
    }
    if (k < n) {
        while (o->len && ((unsigned char)o->data[o->len - 1] & 0xC0) == 0x80)
            o->len--;
        if (o->len && ((unsigned char)o->data[o->len - 1] & 0xC0) == 0xC0)
            o->len--;
        if (o->data)
            o->data[o->len] = 0;
        ep_buf_printf(o, "…");
    }
}

/* "12.3 %" or "unavailable (reason)". */
static void md_pct(struct ep_buf *o, const struct ep_measure *x)
{
    if (x->ok) {
        ep_buf_printf(o, "%.1f %%", 100.0 * x->value);
        return;
    }
    ep_buf_printf(o, "unavailable (");
    md_cell(o, x->reason, 200);
    ep_buf_printf(o, ")");
}

static void md_window(struct ep_buf *o, const struct ep_patterns_span *w)
{
    if (w->votes > 0)
        ep_buf_printf(o, "- Window: %s to %s (%d roll-call votes, %d sittings)\n", w->from, w->to,
                      w->votes, w->sittings);
    else
        ep_buf_printf(o, "- Window: no roll-call votes with per-MEP positions\n");
}

static void md_votes_table(struct ep_buf *o, const struct ep_patterns *p,
                           const struct ep_patterns_votes *list, int mep)
{
    if (!list->n) {
        ep_buf_printf(o, "None in the window.\n\n");
        return;
    }
    if (mep)
        ep_buf_printf(o, "| Date | Vote | Title | MEP voted | Group position | Other groups with "
                         "that position |\n|---|---|---|---|---|---|\n");
    else
        ep_buf_printf(o, "| Date | Vote | Title | Position | Y | N | A | D | AI |\n"
                         "|---|---|---|---|---|---|---|---|---|\n");
    for (int k = 0; k < list->n; k++) {
        const struct ep_patterns_vote *r = &list->items[k];
        ep_buf_printf(o, "| %s | %lld | ", r->date, (long long)r->vote_id);
        md_cell(o, r->title, 120);
        if (mep) {
            int g = r->group;
            ep_buf_printf(o, " | %s | %s %s | ", r->with_mep ? ep_pos_name(r->mep_position) : "",
                          g >= 0 ? p->grp_code[g] : "",
                          g >= 0 ? ep_stats_gpos_name(r->group_position) : "");
            int j = 0;
            for (int h = 0; g >= 0 && h < p->n_grp; h++)
                if (r->same_mask & (1u << h))
                    ep_buf_printf(o, "%s%s", j++ ? ", " : "", p->grp_code[h]);
            ep_buf_printf(o, " |\n");
        } else
            ep_buf_printf(o, " | %s | %d | %d | %d | %d | %.3f |\n", ep_stats_gpos_name(r->vg.pos),
                          (int)r->vg.y, (int)r->vg.n, (int)r->vg.a, (int)r->vg.d, r->vg.ai);
    }
    if (list->total > list->n)
        ep_buf_printf(o, "\n%d in all; the first %d are listed.\n", list->total, list->n);
    ep_buf_printf(o, "\n");
}

static int md_coverage(struct ep_buf *o, const struct ep_patterns_span *w,
                       const struct ep_positions_prov *prov)
{
    ep_buf_printf(o, "## Data coverage\n\n");
    if (w->votes > 0)
        ep_buf_printf(o,
                      "- Window analysed: %s to %s: %d roll-call votes with per-MEP positions "
                      "in %d sittings, %d MEPs.\n",
                      w->from, w->to, w->votes, w->sittings, w->meps);
    else
        ep_buf_printf(o, "- The window holds no roll-call votes with per-MEP positions.\n");
    if (prov->pos_from[0])
        ep_buf_printf(o,
                      "- The store holds per-MEP positions from %s to %s only; figures "
                      "outside those dates are not available.\n",
                      prov->pos_from, prov->pos_to);
    if (w->synthetic || prov->synthetic)
        ep_buf_printf(o, "- **Synthetic data**: the store holds generated data, not real votes.\n");
    ep_buf_printf(
        o, "- Definitions: docs/methodology.md. A group's position is the option most "
           "of its members chose; tied positions (TIE) are left out, never broken.\n"
           "- A figure without data is shown as unavailable with the reason, never as 0.\n\n");
    ep_buf_printf(o,
                  "---\n\nSource: European Parliament. Data: HowTheyVote.eu (ODbL). Dataset "
                  "date: %s.\n",
                  prov->dataset_date[0] ? prov->dataset_date : "unknown");
    return o->data ? 0 : EP_ENOMEM;
}

/* ---- MEP --------------------------------------------------------------------------------- */

/* One row of the key figures: the measure, then its counts (text) or "-". */
static void md_figure(struct ep_buf *o, const char *label, const struct ep_measure *x,
                      const char *counts)
{
    ep_buf_printf(o, "| %s | ", label);
    md_pct(o, x);
    ep_buf_printf(o, " | %s |\n", x->ok ? counts : "-");
}

static void md_mep_figures(struct ep_buf *o, const struct ep_patterns_mep *s)
{
    char c[256];
    ep_buf_printf(o, "| Measure | Value | Counts |\n|---|---|---|\n");
    snprintf(c, sizeof c,
             "%d cast of %d eligible votes (%d for, %d against, %d abstentions, %d not voted)",
             s->cast, s->eligible, s->n_for, s->n_against, s->n_abst, s->n_dnv);
    md_figure(o, "Participation", &s->participation, c);
    snprintf(c, sizeof c, "%d of %d votes with the group's position; %d defections",
             s->loyalty_matching, s->loyalty_counted, s->defections);
    md_figure(o, "Loyalty to own group", &s->loyalty, c);
    snprintf(c, sizeof c, "%d of %d cast votes", s->n_abst, s->cast);
    md_figure(o, "Abstention share", &s->abstention, c);
    snprintf(c, sizeof c, "%d of %d counted votes", s->cross_votes, s->loyalty_counted);
    md_figure(o, "Cross-party votes", &s->cross_party, c);
    ep_buf_printf(o, "\n");
}

static void md_memberships(struct ep_buf *o, const struct ep_mep_report *r)
{
    if (!r->n_memberships)
        return;
    ep_buf_printf(o, "## Group membership history\n\n| Group | Term | From | To |\n"
                     "|---|---|---|---|\n");
    for (size_t k = 0; k < r->n_memberships; k++) {
        const struct ep_query_membership *e = &r->memberships[k];
        ep_buf_printf(o, "| %s | ", e->group);
        if (e->has_term)
            ep_buf_printf(o, "%d", e->term);
        ep_buf_printf(o, " | %s | %s |\n", e->start, e->end[0] ? e->end : "ongoing");
    }
    ep_buf_printf(o, "\n");
}

int ep_report_md_mep(const struct ep_mep_report *r, const struct ep_positions_prov *prov,
                     struct ep_buf *o)
{
    const struct ep_patterns *p = &r->patterns;
    const struct ep_patterns_mep *s = &p->mep;
    ep_buf_printf(o, "# MEP report: ");
    md_cell(o, s->name, 200);
    ep_buf_printf(o, "\n\n- EP id: %lld\n", (long long)s->id);
    if (s->country[0])
        ep_buf_printf(o, "- Country: %s\n", s->country);
    if (s->in_window && s->last_group >= 0)
        ep_buf_printf(o, "- Political group (latest in the window): %s\n",
                      p->grp_code[s->last_group]);
    md_window(o, &p->span);
    ep_buf_printf(o, "\n## Key figures\n\n");
    if (!s->participation.ok) {
        ep_buf_printf(o, "Unavailable: ");
        md_cell(o, s->participation.reason, 400);
        ep_buf_printf(o, ".\n\n");
    } else
        md_mep_figures(o, s);
    ep_buf_printf(o, "## Agreement with each group\n\n");
    if (s->n_agree) {
        ep_buf_printf(o, "Share of the MEP's cast votes equal to each group's position.\n\n"
                         "| Group | Agreement | Votes counted |\n|---|---|---|\n");
        for (int k = 0; k < s->n_agree; k++) {
            ep_buf_printf(o, "| %s | ", p->grp_code[s->agree[k].group]);
            md_pct(o, &s->agree[k].share);
            ep_buf_printf(o, " | %d |\n", s->agree[k].share.ok ? s->agree[k].counted : 0);
        }
        ep_buf_printf(o, "\n");
    } else
        ep_buf_printf(o, "Unavailable: no votes of this MEP in the window.\n\n");
    if (p->include_votes && s->in_window) {
        ep_buf_printf(o, "## Defections from the group's position\n\n");
        md_votes_table(o, p, &s->defection_votes, 1);
        ep_buf_printf(o, "## Cross-party votes\n\n");
        md_votes_table(o, p, &s->cross_party_votes, 1);
    }
    md_memberships(o, r);
    return md_coverage(o, &p->span, prov);
}

/* ---- group ------------------------------------------------------------------------------- */

static void md_cohesion(struct ep_buf *o, const struct ep_patterns_group *s)
{
    const struct ep_stats_group *c = &s->cohesion;
    ep_buf_printf(o, "## Cohesion\n\n| Measure | Value | Counts |\n|---|---|---|\n");
    if (c->ai_ok)
        ep_buf_printf(o,
                      "| Agreement Index (mean) | %.3f | %d votes |\n| Agreement Index (median) "
                      "| %.3f | |\n",
                      c->ai_mean, c->n_vote_cast, c->ai_median);
    else
        ep_buf_printf(o, "| Agreement Index | unavailable | |\n");
    if (c->rice_ok)
        ep_buf_printf(o, "| Rice index (mean) | %.3f | %d votes |\n", c->rice_mean, c->rice_n);
    else
        ep_buf_printf(o, "| Rice index | unavailable | |\n");
    if (c->alpha_ok)
        ep_buf_printf(o, "| Krippendorff's alpha | %.3f | %d votes |\n", c->alpha, c->alpha_units);
    else
        ep_buf_printf(o, "| Krippendorff's alpha | unavailable | |\n");
    ep_buf_printf(o, "| Votes with a tied position | %d | |\n", c->n_tie);
    ep_buf_printf(o, "| Participation | ");
    md_pct(o, &s->participation);
    ep_buf_printf(o, " | %ld of %ld possible votes cast |\n",
                  s->participation.ok ? s->part_cast : 0,
                  s->participation.ok ? s->part_possible : 0);
    ep_buf_printf(o, "| Abstention share | ");
    md_pct(o, &s->abstention);
    ep_buf_printf(o, " | %ld of %ld cast |\n\n", s->abstention.ok ? s->abstentions : 0,
                  s->abstention.ok ? s->part_cast : 0);
}

static void md_rebels(struct ep_buf *o, const struct ep_patterns_group *s)
{
    ep_buf_printf(o, "## Most rebellious members\n\n");
    if (!s->rebels_ok) {
        ep_buf_printf(o, "Unavailable: ");
        md_cell(o, s->rebels_reason, 300);
        ep_buf_printf(o, "\n\n");
        return;
    }
    ep_buf_printf(o,
                  "Defection rate over the votes cast while in the group where it had a "
                  "non-tie position (at least %d such votes).\n\n"
                  "| MEP | Country | Defections | Votes counted | Rate |\n|---|---|---|---|---|\n",
                  EP_PATTERNS_MIN_REBEL_VOTES);
    for (int k = 0; k < s->n_rebels; k++) {
        const struct ep_patterns_rebel *r = &s->rebels[k];
        ep_buf_printf(o, "| ");
        md_cell(o, r->name, 120);
        ep_buf_printf(o, " (%lld) | %s | %d | %d | %.1f %% |\n", (long long)r->mep_id, r->country,
                      r->defections, r->counted, 100.0 * r->rate);
    }
    ep_buf_printf(o, "\n");
}

int ep_report_md_group(const struct ep_group_report *r, const struct ep_positions_prov *prov,
                       struct ep_buf *o)
{
    const struct ep_patterns *p = &r->patterns;
    const struct ep_patterns_group *s = &p->group;
    ep_buf_printf(o, "# Group report: %s", s->code);
    if (s->label[0]) {
        ep_buf_printf(o, " — ");
        md_cell(o, s->label, 200);
    }
    ep_buf_printf(o, "\n\n- Members on the window's votes: %d\n", s->members);
    md_window(o, &p->span);
    ep_buf_printf(o, "\n");
    md_cohesion(o, s);
    ep_buf_printf(o, "## Agreement with other groups\n\n");
    if (s->n_agree) {
        ep_buf_printf(o, "| Group | Same position | Votes in common |\n|---|---|---|\n");
        for (int k = 0; k < s->n_agree; k++) {
            ep_buf_printf(o, "| %s | ", p->grp_code[s->agree[k].group]);
            md_pct(o, &s->agree[k].share);
            ep_buf_printf(o, " | %d |\n", s->agree[k].share.ok ? s->agree[k].counted : 0);
        }
        ep_buf_printf(o, "\n");
    } else
        ep_buf_printf(o, "Unavailable.\n\n");
    md_rebels(o, s);
    if (p->include_votes && s->in_window) {
        ep_buf_printf(o, "## Least cohesive votes\n\n");
        md_votes_table(o, p, &s->votes, 0);
    }
    return md_coverage(o, &p->span, prov);
}

/* ---- sitting ----------------------------------------------------------------------------- */

static void md_sitting_head(struct ep_buf *o, const struct ep_sitting_report *r)
{
    const struct ep_query_sitting_counts *c = &r->counts;
    ep_buf_printf(o, "# Sitting report: %s\n\n", r->date);
    if (r->reference[0])
        ep_buf_printf(o, "- Minutes reference: %s\n", r->reference);
    ep_buf_printf(o, "- Votes: %d (", c->total);
    if (!c->main_known)
        ep_buf_printf(o, "main votes unknown");
    else if (c->main_known < c->total)
        ep_buf_printf(o, "%d main votes among the %d whose status is stored", c->main,
                      c->main_known);
    else
        ep_buf_printf(o, "%d main votes", c->main);
    if (!c->result_known)
        ep_buf_printf(o, "; results unknown");
    else if (c->result_known < c->total)
        ep_buf_printf(o, "; %d adopted, %d rejected, %d without a stored result", c->adopted,
                      c->rejected, c->total - c->result_known);
    else
        ep_buf_printf(o, "; %d adopted, %d rejected", c->adopted, c->rejected);
    ep_buf_printf(o, ")\n- Votes with per-MEP positions: %d\n", c->with_positions);
    if (!c->main_known)
        ep_buf_printf(o, "- No stored source says which votes are main votes (HowTheyVote.eu's "
                         "votes table does; the roll-call XML does not).\n");
    if (!c->result_known)
        ep_buf_printf(o, "- No result is stored for these votes (HowTheyVote.eu's votes table "
                         "gives results from 2024; the roll-call XML has none).\n");
    if (r->attendance_ok)
        ep_buf_printf(o, "- Attendance: %d of %d MEPs cast at least one vote\n", r->present,
                      r->mandate);
    else if (r->has_positions && r->dnv_unknown)
        ep_buf_printf(o, "- Attendance: unavailable (%s)\n", r->dnv_reason);
}

static void md_sitting_votes(struct ep_buf *o, const struct ep_sitting_report *r)
{
    int G = r->n_grp;
    ep_buf_printf(o, "| Vote | Title | Result | For | Against | Abst. |");
    for (int g = 0; g < G; g++)
        ep_buf_printf(o, " %s |", r->grp_code[g]);
    ep_buf_printf(o, "\n|---|---|---|---|---|---|");
    for (int g = 0; g < G; g++)
        ep_buf_printf(o, "---|");
    ep_buf_printf(o, "\n");
    for (int k = 0; k < r->n_votes; k++) {
        const struct ep_sitting_vote *v = &r->votes[k];
        ep_buf_printf(o, "| %lld%s | ", (long long)v->row.id, v->row.main == 1 ? " (main)" : "");
        md_cell(o, v->row.title, 120);
        ep_buf_printf(o, " | %s | ", v->row.result && *v->row.result ? v->row.result : "-");
        if (v->row.has_counts)
            ep_buf_printf(o, "%d | %d | %d |", v->row.count_for, v->row.count_against,
                          v->row.count_abstention);
        else
            ep_buf_printf(o, "- | - | - |");
        for (int g = 0; g < G; g++)
            ep_buf_printf(o, " %s |",
                          v->has_positions && v->gpos[g] >= 0 ? ep_stats_gpos_name(v->gpos[g])
                                                              : "-");
        ep_buf_printf(o, "\n");
    }
    if (r->counts.total > EP_SITTING_REPORT_LIMIT)
        ep_buf_printf(o,
                      "\n%d votes in all; the first %d (main votes first) are listed. "
                      "get_voting_records with this sitting lists them all.\n",
                      r->counts.total, EP_SITTING_REPORT_LIMIT);
    ep_buf_printf(o, "\n");
}

int ep_report_md_sitting(const struct ep_sitting_report *r, const struct ep_positions_prov *prov,
                         struct ep_buf *o)
{
    md_sitting_head(o, r);
    ep_buf_printf(o, "\n## Groups on this day\n\n");
    if (r->has_positions) {
        ep_buf_printf(o, "| Group | Agreement Index (mean) | Participation | Tied votes |\n"
                         "|---|---|---|---|\n");
        for (int k = 0; k < r->n_groups; k++) {
            const struct ep_sitting_group *g = &r->groups[k];
            ep_buf_printf(o, "| %s | ", r->grp_code[g->group]);
            if (g->ai_ok)
                ep_buf_printf(o, "%.3f", g->ai_mean);
            else
                ep_buf_printf(o, "unavailable");
            ep_buf_printf(o, " | ");
            md_pct(o, &g->participation);
            ep_buf_printf(o, " | %d |\n", g->tie_votes);
        }
        ep_buf_printf(o, "\n");
    } else
        ep_buf_printf(o, "Unavailable: %s.\n\n", r->why);
    ep_buf_printf(o, "## Votes\n\n");
    md_sitting_votes(o, r);
    return md_coverage(o, &r->span, prov);
}
