/* GraphML of the co-voting network, written directly (UTF-8, escaped text, standard keys). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep_report.h"

/* XML text: escape markup, drop control characters, '?' for invalid UTF-8. */
static int esc(struct ep_buf *o, const char *s)
{
    if (!s)
        return 0;
    size_t n = strlen(s);
    int valid = ep_utf8_valid(s, n);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '&': rc = ep_buf_append(o, "&amp;", 5); break;
        case '<': rc = ep_buf_append(o, "&lt;", 4); break;
        case '>': rc = ep_buf_append(o, "&gt;", 4); break;
        case '"': rc = ep_buf_append(o, "&quot;", 6); break;
        case '\'': rc = ep_buf_append(o, "&apos;", 6); break;
        default:
            if (c < 0x20 && c != '\t')
                break;
            rc = ep_buf_putc(o, !valid && c >= 0x80 ? '?' : (char)c);
        }
    }
    return rc;
}

static const struct {
    const char *id, *name, *type;
} Keys[] = {
    {"d0", "ep_id", "long"},         {"d1", "name", "string"},        {"d2", "group", "string"},
    {"d3", "country", "string"},     {"d4", "cast", "int"},           {"d5", "degree", "int"},
    {"d6", "strength", "double"},    {"d7", "eigenvector", "double"}, {"d8", "pagerank", "double"},
    {"d9", "betweenness", "double"}, {"d10", "bridge", "double"},     {"d11", "community", "int"},
};

int ep_report_graphml(const struct ep_graph *g, const struct ep_matrix *m, char *const *name,
                      char (*country)[8], struct ep_buf *out, struct ep_error *err)
{
    if (!g || !m || !g->have_graph || !out)
        return ep_error_set(err, EP_EINVAL, "GraphML: no graph");
    int rc = ep_buf_printf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\" "
                                "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
                                "xsi:schemaLocation=\"http://graphml.graphdrawing.org/xmlns "
                                "http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd\">\n"
                                "<!-- " EP_REPORT_ATTRIBUTION
                                " Co-voting network: w = same/both over common cast votes. -->\n");
    for (size_t k = 0; rc == 0 && k < sizeof Keys / sizeof Keys[0]; k++)
        rc = ep_buf_printf(out, "<key id=\"%s\" for=\"node\" attr.name=\"%s\" attr.type=\"%s\"/>\n",
                           Keys[k].id, Keys[k].name, Keys[k].type);
    if (rc == 0)
        rc = ep_buf_printf(out, "<key id=\"w\" for=\"edge\" attr.name=\"weight\" "
                                "attr.type=\"double\"/>\n"
                                "<graph id=\"covoting\" edgedefault=\"undirected\">\n");
    for (int k = 0; rc == 0 && k < g->n_node; k++) {
        const struct ep_graph_node *nd = &g->node[k];
        long long id = (long long)m->mep_id[nd->mep];
        const char *grp = nd->grp >= 0 && nd->grp < m->n_grp ? m->grp_code[nd->grp] : "";
        rc = ep_buf_printf(out, "<node id=\"n%lld\"><data key=\"d0\">%lld</data><data key=\"d1\">",
                           id, id);
        if (rc == 0)
            rc = esc(out, name ? name[nd->mep] : NULL);
        if (rc == 0)
            rc = ep_buf_append(out, "</data><data key=\"d2\">", 22);
        if (rc == 0)
            rc = esc(out, grp);
        if (rc == 0)
            rc = ep_buf_append(out, "</data><data key=\"d3\">", 22);
        if (rc == 0)
            rc = esc(out, country ? country[nd->mep] : NULL);
        if (rc == 0)
            rc = ep_buf_printf(out,
                               "</data><data key=\"d4\">%d</data><data key=\"d5\">%d</data>"
                               "<data key=\"d6\">%.9g</data><data key=\"d7\">%.9g</data>"
                               "<data key=\"d8\">%.9g</data><data key=\"d9\">%.9g</data>"
                               "<data key=\"d10\">%.9g</data><data key=\"d11\">%d</data></node>\n",
                               nd->cast, nd->degree, nd->strength, nd->eigen, nd->pagerank,
                               nd->betweenness, nd->bridge_ok ? nd->bridge : -1.0, nd->community);
    }
    for (int e = 0; rc == 0 && e < g->n_edge; e++) {
        igraph_integer_t a, b;
        igraph_edge(&g->g, e, &a, &b);
        rc = ep_buf_printf(out,
                           "<edge source=\"n%lld\" target=\"n%lld\"><data key=\"w\">%.9g</data>"
                           "</edge>\n",
                           (long long)m->mep_id[g->node[a].mep],
                           (long long)m->mep_id[g->node[b].mep], VECTOR(g->weight)[e]);
    }
    if (rc == 0)
        rc = ep_buf_printf(out, "</graph>\n</graphml>\n");
    if (rc)
        return ep_error_set(err, rc, "GraphML: output buffer limit reached");
    return 0;
}
