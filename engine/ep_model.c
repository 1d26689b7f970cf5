#include "ep_model.h"

#include <string.h>
#include <strings.h>

static const char *const pos_names[] = {"NONE", "FOR", "AGAINST", "ABSTENTION", "DID_NOT_VOTE"};

const char *ep_pos_name(int pos)
{
    if (pos < 0 || pos > EP_POS_DID_NOT_VOTE)
        return "INVALID";
    return pos_names[pos];
}

int ep_pos_parse(const char *s)
{
    for (int i = EP_POS_FOR; i <= EP_POS_DID_NOT_VOTE; i++)
        if (s && strcmp(s, pos_names[i]) == 0)
            return i;
    return -1;
}

static const struct {
    const char *label;
    const char *code;
} group_map[] = {
    {"EPP", "EPP"},
    {"PPE", "EPP"},
    {"PPE-DE", "EPP"},
    {"SD", "SD"},
    {"S&D", "SD"},
    {"S-D", "SD"},
    {"RENEW", "RENEW"},
    {"Renew", "RENEW"},
    {"GREEN_EFA", "GREEN_EFA"},
    {"Verts/ALE", "GREEN_EFA"},
    {"Greens/EFA", "GREEN_EFA"},
    {"Greens-EFA", "GREEN_EFA"},
    {"GUE_NGL", "GUE_NGL"},
    {"The Left", "GUE_NGL"},
    {"GUE/NGL", "GUE_NGL"},
    {"La Gauche", "GUE_NGL"},
    {"ECR", "ECR"},
    {"ID", "ID"},
    {"NI", "NI"},
    {"PFE", "PFE"},
    {"PfE", "PFE"},
    {"ESN", "ESN"},
};

const char *ep_group_canonical(const char *label)
{
    if (!label)
        return NULL;
    for (size_t i = 0; i < sizeof group_map / sizeof group_map[0]; i++)
        if (strcasecmp(label, group_map[i].label) == 0)
            return group_map[i].code;
    return NULL;
}
