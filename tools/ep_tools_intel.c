/* ep_tools_intel: the five intelligence tools' schemas and row table (the handlers are in
 * ep_tools_intel_map.c). See ep_tools_intel.h and docs/tools-intel.md. */
#include "ep_tools_intel.h"

#include "ep_artefact.h"
#include "ep_tools_common.h"
#include "ep_tools_intel_int.h"
#include "ep_tools_window.h"

/* The full input/output schemas are long string literals (longer than the 4095 characters C99
 * guarantees; GCC and Clang accept any length). */
#pragma GCC diagnostic ignored "-Woverlength-strings"

/* ---- schema fragments -------------------------------------------------------------------- */

#define S_NUM "{\"type\":\"number\"}"
#define S_NNUM "{\"type\":[\"number\",\"null\"]}"
#define S_PCT "{\"type\":\"number\",\"minimum\":0,\"maximum\":100}"
#define S_UNIT "{\"type\":\"number\",\"minimum\":0,\"maximum\":1}"
#define S_NUNIT "{\"type\":[\"number\",\"null\"],\"minimum\":0,\"maximum\":1}"
#define S_INT "{\"type\":\"integer\"}"
#define S_NINT "{\"type\":[\"integer\",\"null\"]}"
#define S_STR "{\"type\":\"string\"}"
#define S_NSTR "{\"type\":[\"string\",\"null\"]}"
#define S_BOOL "{\"type\":\"boolean\"}"
#define S_OBJ "{\"type\":\"object\"}"
#define S_ARR(x) "{\"type\":\"array\",\"items\":" x "}"
#define S_STRS S_ARR(S_STR)
#define S_INTS S_ARR(S_INT)
#define S_MEP_PROPS                                                                                \
    "\"mep_id\":" S_INT ",\"name\":" S_STR ",\"group\":" S_NSTR ",\"country\":" S_NSTR
#define S_MEP                                                                                      \
    "{\"type\":\"object\",\"required\":[\"mep_id\",\"name\",\"group\",\"country\"],"               \
    "\"properties\":{" S_MEP_PROPS "}}"
#define S_MEPVAL                                                                                   \
    "{\"type\":\"object\",\"required\":[\"mep_id\",\"name\",\"group\",\"country\",\"value\"],"     \
    "\"properties\":{" S_MEP_PROPS ",\"value\":" S_NUM "}}"
#define S_METH                                                                                     \
    "{\"type\":\"object\",\"required\":[\"formula\",\"inputs\",\"coverage\",\"limits\"],"          \
    "\"properties\":{\"formula\":" S_STR ",\"inputs\":" S_STRS ",\"coverage\":{\"type\":"          \
    "\"object\",\"required\":[\"votes\",\"meps\",\"sittings\"],\"properties\":{\"votes\":" S_INT   \
    ",\"meps\":" S_INT ",\"sittings\":" S_INT "}},\"limits\":" S_STRS "}}"
#define S_DIM(extra)                                                                               \
    "{\"type\":\"object\",\"required\":[\"available\"],\"properties\":{\"available\":" S_BOOL      \
    ",\"reason\":" S_STR extra "}}"
#define S_SHORT                                                                                    \
    "{\"type\":\"object\",\"required\":[\"note\",\"measures\"],\"properties\":{\"note\":" S_STR   \
    ",\"measures\":{\"type\":\"array\",\"minItems\":1,\"items\":{\"type\":\"object\","             \
    "\"required\":[\"measure\",\"unit\",\"have\",\"minimum\"],\"properties\":{\"measure\":" S_STR   \
    ",\"unit\":" S_STR ",\"have\":" S_INT ",\"minimum\":" S_INT "}}}}}"
#define S_COMMON                                                                                   \
    "\"window\":" EP_TOOLS_WINDOW_SCHEMA ",\"window_too_short\":" S_SHORT                          \
    ",\"methodology\":" S_METH                                                                     \
    ",\"provenance\":" EP_TOOLS_PROVENANCE_SCHEMA ",\"artefacts\":" EP_ARTEFACT_SCHEMA
#define S_COMMON_REQ "\"window\",\"methodology\",\"provenance\""
#define S_WEIGHTS                                                                                  \
    "{\"type\":\"object\",\"required\":[\"nominal\",\"effective\",\"renormalised\",\"dropped\"],"  \
    "\"properties\":{\"nominal\":" S_OBJ ",\"effective\":" S_OBJ ",\"renormalised\":" S_BOOL       \
    ",\"dropped\":" S_STRS ",\"note\":" S_STR "}}"
#define ANNOT 1, 1, 0

static const char IN_INFLUENCE[] =
    "{\"type\":\"object\",\"properties\":{"
    "\"mep_id\":{\"type\":\"integer\",\"minimum\":1,\"description\":\"EP member "
    "id\"}," EP_TOOLS_WINDOW_PROPS "," EP_ARTEFACT_FORMATS_PROP
    "},\"required\":[\"mep_id\"],\"additionalProperties\":false}";

#define S_IDIM                                                                                     \
    S_DIM(",\"value\":" S_NUM ",\"percentile\":" S_PCT ",\"weight\":" S_UNIT ",\"peers\":" S_INT   \
          ",\"definition\":" S_STR ",\"figures\":" S_OBJ ",\"minimum_common_votes\":" S_INT)

static const char OUT_INFLUENCE[] =
    "{\"type\":\"object\",\"required\":[" S_COMMON_REQ
    ",\"mep\",\"dimensions\",\"weights\",\"composite\",\"rank\",\"n\",\"percentile_definition\"],"
    "\"properties\":{" S_COMMON ",\"mep\":" S_MEP ",\"dimensions\":{\"type\":\"object\","
    "\"required\":[\"network_centrality\",\"bridge_score\",\"loyalty\",\"participation\","
    "\"pivotal_votes\",\"roles\"],\"properties\":{\"network_centrality\":" S_IDIM
    ",\"bridge_score\":" S_IDIM ",\"loyalty\":" S_IDIM ",\"participation\":" S_IDIM
    ",\"pivotal_votes\":" S_IDIM ",\"roles\":" S_IDIM "}},\"weights\":" S_WEIGHTS
    ",\"composite\":" S_PCT ",\"rank\":{\"type\":\"integer\",\"minimum\":1},\"n\":" S_INT
    ",\"percentile_definition\":" S_STR "}}";

static const char IN_COALITION[] =
    "{\"type\":\"object\",\"properties\":{" EP_TOOLS_WINDOW_PROPS
    ",\"groups\":{\"type\":\"array\",\"items\":{\"type\":\"string\",\"minLength\":1,"
    "\"maxLength\":15},\"minItems\":1,\"maxItems\":32,\"description\":\"Only these political "
    "group codes (e.g. EPP, SD); default all\"}," EP_ARTEFACT_FORMATS_PROP
    "},\"additionalProperties\":false}";

#define S_TPOINT                                                                                   \
    "{\"type\":\"object\",\"required\":[\"period\",\"ai\",\"participation\",\"votes\"],"           \
    "\"properties\":{\"period\":" S_STR ",\"ai\":" S_NUNIT ",\"participation\":" S_NUNIT           \
    ",\"votes\":" S_INT "}}"
#define S_PAIR                                                                                     \
    "{\"type\":\"object\",\"required\":[\"a\",\"b\",\"agreement\",\"common_votes\"],"              \
    "\"properties\":{\"a\":" S_STR ",\"b\":" S_STR ",\"agreement\":" S_UNIT                        \
    ",\"common_votes\":" S_INT ",\"agreeing_votes\":" S_INT ",\"volatility\":" S_NNUM "}}"

#define S_PARL                                                                                     \
    "{\"type\":\"object\",\"required\":[\"alpha\"],\"properties\":{\"alpha\":" S_DIM(             \
        ",\"value\":{\"type\":\"number\",\"maximum\":1},\"units\":" S_INT ",\"coders\":" S_INT    \
        ",\"minimum_units\":" S_INT ",\"definition\":" S_STR) "}}"

static const char OUT_COALITION[] =
    "{\"type\":\"object\",\"required\":[" S_COMMON_REQ
    ",\"groups\",\"parliament\",\"pair_agreement\",\"alliances\",\"factions\","
    "\"stability\"],"
    "\"properties\":{" S_COMMON ",\"groups\":" S_ARR(
        "{\"type\":\"object\",\"required\":[\"group\",\"seats_at_last_vote\","
        "\"votes_cast\",\"ties\","
        "\"cohesion\",\"trend\"],\"properties\":{\"group\":" S_STR ",\"seats_at_last_vote\":" S_INT
        ",\"votes_cast\":" S_INT ",\"ties\":" S_INT ",\"cohesion\":{\"type\":\"object\","
        "\"required\":[\"ai_mean\",\"ai_median\",\"rice_mean\","
        "\"alpha\",\"participation\"],"
        "\"properties\":{\"ai_mean\":" S_NUNIT ",\"ai_median\":" S_NUNIT ",\"rice_mean\":" S_NUNIT
        ",\"alpha\":" S_NNUM ",\"alpha_units\":" S_INT ",\"alpha_minimum_units\":" S_INT
        ",\"alpha_reason\":" S_STR ",\"participation\":" S_NUNIT
        ",\"participation_reason\":" S_STR "}},"
        "\"trend\":{\"type\":\"object\",\"required\":[\"by_"
        "sitting\",\"by_month\","
        "\"ai_slope_per_sitting\"],\"properties\":{\"by_"
        "sitting\":" S_ARR(S_TPOINT) ",\"by_month\":" S_ARR(
            S_TPOINT) ",\"ai_slope_per_sitting\":" S_NNUM ",\"ai_slope_reason\":" S_STR
                      "}}}}") ",\"parliament\":" S_PARL ",\"pair_agreement\":{\"type\":"
                              "\"object\",\"required\":[\"groups\","
                              "\"agreement\","
                              "\"common_votes\",\"pairs\"],"
                              "\"properties\":{\"groups\":" S_STRS
                              ",\"agreement\":" S_ARR(S_ARR(S_NUNIT)) ",\"common_votes\":" S_ARR(S_INTS) ",\"pairs\":" S_ARR(
                                  S_PAIR) "}},"
                                          "\"alliances\":{\"type\":"
                                          "\"object\",\"required\":"
                                          "[\"most_reliable\","
                                          "\"least_reliable\","
                                          "\"min_common_votes\"],"
                                          "\"properties\":{\"most_"
                                          "reliable\":" S_ARR(S_PAIR) ",\"least_reliable\":" S_ARR(
                                              S_PAIR) ",\"min_"
                                                      "common_"
                                                      "votes\""
                                                      ":" S_INT ",\"note\""
                                                      ":" S_STR ",\"reason\":" S_STR "}},"
                                                      "\"factions\""
                                                      ":" S_DIM(
                                                          ",\"algor"
                                                          "ithm\""
                                                          ":" S_STR ",\"commu"
                                                          "nities\""
                                                          ":" S_INT ",\"modul"
                                                          "arity\""
                                                          ":" S_NNUM ",\"modul"
                                                          "arity_"
                                                          "by_"
                                                          "group\""
                                                          ":" S_NNUM ",\"items"
                                                          "\""
                                                          ":" S_ARR(
                                                              "{\"t"
                                                              "ype"
                                                              "\":"
                                                              "\"ob"
                                                              "ject"
                                                              "\","
                                                              "\"re"
                                                              "quir"
                                                              "ed\""
                                                              ":["
                                                              "\"gr"
                                                              "oup"
                                                              "\","
                                                              "\"co"
                                                              "mmun"
                                                              "ity"
                                                              "\","
                                                              "\"me"
                                                              "mber"
                                                              "s\","
                                                              "\"sh"
                                                              "are"
                                                              "\"],"
                                                              "\"pr"
                                                              "oper"
                                                              "ties"
                                                              "\":{"
                                                              "\"gr"
                                                              "oup"
                                                              "\""
                                                              ":" S_STR ",\"c"
                                                              "ommu"
                                                              "nity"
                                                              "\""
                                                              ":" S_INT ",\"m"
                                                              "embe"
                                                              "rs\""
                                                              ":" S_INT ",\"s"
                                                              "hare"
                                                              "\""
                                                              ":" S_UNIT
                                                              "}}") ",\"definition\""
                                                                    ":" S_STR ",\"minimum_common_votes\":" S_INT) ",\"stabi"
                                                                               "lity\""
                                                                               ":" S_DIM(
                                                                                   ",\"value\""
                                                                                   ":" S_UNIT
                                                                                   ",\"formula\""
                                                                                   ":" S_STR
                                                                                   ",\"pairs\""
                                                                                   ":" S_INT
                                                                                   ",\"periods\""
                                                                                   ":" S_INT
                                                                                   ",\"mean_"
                                                                                   "volatility\""
                                                                                   ":" S_NUM
                                                                                   ",\"minimum_sittings\":" S_INT) "}}";

static const char IN_MAP[] =
    "{\"type\":\"object\",\"properties\":{" EP_TOOLS_WINDOW_PROPS
    ",\"min_common_votes\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":100000,\"default\":10,"
    "\"description\":\"An edge needs at least this many votes both MEPs cast\"},"
    "\"top\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":100,\"default\":10,\"description\":"
    "\"How many MEPs to list per centrality\"},"
    "\"community_algorithm\":{\"type\":\"string\",\"enum\":[\"louvain\",\"leiden\"],\"default\":"
    "\"louvain\",\"description\":\"Community detection: Louvain (igraph multilevel) or Leiden "
    "(modularity objective), both at resolution 1 with a fixed seed\"},"
    "\"include_nodes\":{\"type\":\"boolean\",\"default\":false,\"description\":\"Return every node "
    "(at most 1000) with its centralities and community\"}," EP_ARTEFACT_FORMATS_PROP
    "},\"additionalProperties\":false}";

#define S_NODE                                                                                     \
    "{\"type\":\"object\",\"required\":[\"mep_id\",\"name\",\"group\",\"country\",\"degree\","     \
    "\"strength\",\"eigenvector\",\"pagerank\",\"betweenness\",\"bridge_score\",\"community\"],"   \
    "\"properties\":{" S_MEP_PROPS ",\"cast\":" S_INT ",\"degree\":" S_INT ",\"strength\":" S_NUM  \
    ",\"eigenvector\":" S_NNUM ",\"pagerank\":" S_NNUM ",\"betweenness\":" S_NNUM                  \
    ",\"bridge_score\":" S_NNUM ",\"community\":" S_NINT "}}"

static const char
    OUT_MAP
        [] =
            "{\"type\":\"object\",\"required\":[" S_COMMON_REQ
            ",\"nodes\",\"edges\",\"density\",\"min_common_votes\",\"modularity\",\"communities\","
            "\"modal_groups\",\"top\","
            "\"group_bridges\",\"threshold_graph\",\"betweenness_backbone\",\"artefacts\"],"
            "\"properties\":{" S_COMMON ",\"nodes\":" S_INT ",\"edges\":" S_INT
            ",\"density\":" S_NNUM ",\"min_common_votes\":" S_INT
            ",\"modularity\":{\"type\":\"object\",\"required\":["
            "\"detected\",\"by_group\",\"algorithm\"],\"properties\":{\"detected\":" S_NNUM
            ",\"by_group\":" S_NNUM ",\"algorithm\":" S_STR ",\"resolution\":" S_NUM
            ",\"reason\":" S_STR ",\"minimum_common_votes\":" S_INT "}},"
            "\"modal_groups\":" S_ARR(
                "{\"type\":\"object\",\"required\":[\"group\",\"nodes_with_modal_group\"],"
                "\"properties\":{\"group\":" S_NSTR ",\"nodes_with_modal_group\":" S_INT "}}") ","
            "\"communities\":{\"type\":\"object\",\"required\":[\"available\"],"
            "\"properties\":{\"available\":" S_BOOL ",\"reason\":" S_STR
            ",\"minimum_common_votes\":" S_INT ","
            "\"count\":" S_INT ",\"items\":" S_ARR(
                "{\"type\":\"object\",\"required\":[\"community\",\"size\",\"groups\"],"
                "\"properties\":{"
                "\"community\":" S_INT ",\"size\":" S_INT ",\"groups\":" S_ARR(
                    "{\"type\":\"object\",\"required\":[\"group\",\"nodes_with_modal_group\"],"
                    "\"properties\":{\"group\":" S_NSTR ",\"nodes_with_modal_group\":" S_INT
                    "}}") "}}") "}},"
                                "\"top\":{\"type\":\"object\",\"required\":[\"available\"],"
                                "\"properties\":{\"available\":" S_BOOL ",\"reason\":" S_STR
                                ",\"minimum_common_votes\":" S_INT ","
                                "\"eigenvector\":" S_ARR(S_MEPVAL) ",\"pagerank\":" S_ARR(S_MEPVAL) ",\"strength\":" S_ARR(S_MEPVAL) ",\"betweenness\":" S_ARR(
                                    S_MEPVAL) ",\"bridge_score\":" S_ARR(S_MEPVAL) "}},"
                                                                                   "\"group_"
                                                                                   "bridges\""
                                                                                   ":" S_ARR(
                                                                                       "{\"type\":"
                                                                                       "\"object\","
                                                                                       "\"required"
                                                                                       "\":[\"a\","
                                                                                       "\"b\","
                                                                                       "\"edges\","
                                                                                       "\"mean_"
                                                                                       "weight\","
                                                                                       "\"strong_"
                                                                                       "edges\"],"
                                                                                       "\"propertie"
                                                                                       "s\":{"
                                                                                       "\"a\""
                                                                                       ":" S_STR
                                                                                       ",\"b\""
                                                                                       ":" S_STR
                                                                                       ",\"edges\""
                                                                                       ":" S_INT
                                                                                       ",\"mean_"
                                                                                       "weight\""
                                                                                       ":" S_UNIT
                                                                                       ",\"strong_"
                                                                                       "edges\""
                                                                                       ":" S_INT
                                                                                       "}}") ",\"th"
                                                                                             "resho"
                                                                                             "ld_"
                                                                                             "graph"
                                                                                             "\":{"
                                                                                             "\"typ"
                                                                                             "e\":"
                                                                                             "\"obj"
                                                                                             "ect\""
                                                                                             ",\"re"
                                                                                             "quire"
                                                                                             "d\":["
                                                                                             "\"thr"
                                                                                             "eshol"
                                                                                             "d\","
                                                                                             "\"edg"
                                                                                             "es\","
                                                                                             "\"com"
                                                                                             "ponen"
                                                                                             "ts\","
                                                                                             "\"non"
                                                                                             "trivi"
                                                                                             "al_"
                                                                                             "compo"
                                                                                             "nents"
                                                                                             "\","
                                                                                             "\"lar"
                                                                                             "gest_"
                                                                                             "compo"
                                                                                             "nent"
                                                                                             "\"],"
                                                                                             "\"pro"
                                                                                             "perti"
                                                                                             "es\":"
                                                                                             "{"
                                                                                             "\"thr"
                                                                                             "eshol"
                                                                                             "d\""
                                                                                             ":" S_NUM
                                                                                             ",\"ed"
                                                                                             "ges\""
                                                                                             ":" S_INT
                                                                                             ",\"co"
                                                                                             "mpone"
                                                                                             "nts\""
                                                                                             ":" S_INT
                                                                                             ",\"no"
                                                                                             "ntriv"
                                                                                             "ial_"
                                                                                             "compo"
                                                                                             "nents"
                                                                                             "\""
                                                                                             ":" S_INT
                                                                                             ",\"la"
                                                                                             "rgest"
                                                                                             "_comp"
                                                                                             "onent"
                                                                                             "\""
                                                                                             ":" S_INT
                                                                                             "}},"
                                                                                             "\"bet"
                                                                                             "weenn"
                                                                                             "ess_"
                                                                                             "backb"
                                                                                             "one\""
                                                                                             ":{"
                                                                                             "\"typ"
                                                                                             "e\":"
                                                                                             "\"obj"
                                                                                             "ect\""
                                                                                             ",\"re"
                                                                                             "quire"
                                                                                             "d\":["
                                                                                             "\"met"
                                                                                             "hod\""
                                                                                             ",\"k"
                                                                                             "\","
                                                                                             "\"edg"
                                                                                             "es\","
                                                                                             "\"dis"
                                                                                             "tance"
                                                                                             "\"],"
                                                                                             "\"pro"
                                                                                             "perti"
                                                                                             "es\":"
                                                                                             "{\"me"
                                                                                             "thod"
                                                                                             "\""
                                                                                             ":" S_STR
                                                                                             ",\"k"
                                                                                             "\""
                                                                                             ":" S_INT
                                                                                             ",\"ed"
                                                                                             "ges\""
                                                                                             ":" S_INT
                                                                                             ",\"di"
                                                                                             "stanc"
                                                                                             "e\""
                                                                                             ":" S_STR
                                                                                             "}},"
                                                                                             "\"node_list\":" S_ARR(
                                                                                                 S_NODE) ",\"nodes_truncated\":" S_BOOL
                                                                                                         "}}";

static const char IN_ANOM[] =
    "{\"type\":\"object\",\"properties\":{" EP_TOOLS_WINDOW_PROPS
    ",\"scope\":{\"type\":\"string\",\"enum\":[\"mep\",\"group\",\"parliament\"],\"default\":"
    "\"parliament\",\"description\":\"Whose baseline to check\"},"
    "\"mep_id\":{\"type\":\"integer\",\"minimum\":1,\"description\":\"EP member id (scope mep)\"},"
    "\"group\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":15,\"description\":\"Group code "
    "(scope group)\"},"
    "\"threshold\":{\"type\":\"number\",\"minimum\":1,\"maximum\":20,\"default\":3.5,"
    "\"description\":\"|z| above this flags a sitting\"},"
    "\"min_observations\":{\"type\":\"integer\",\"minimum\":3,\"maximum\":1000,\"default\":8,"
    "\"description\":\"Fewest defined sittings a baseline needs\"}},"
    "\"additionalProperties\":false}";

#define S_ALERT                                                                                    \
    "{\"type\":\"object\",\"required\":[\"entity_type\",\"entity\",\"kind\",\"measure\","          \
    "\"severity\",\"z\",\"value\",\"baseline_median\",\"date\",\"votes\",\"votes_total\"],"        \
    "\"properties\":{\"entity_type\":{\"type\":\"string\",\"enum\":[\"mep\",\"group\","            \
    "\"parliament\"]},\"entity\":" S_STR ",\"mep_id\":" S_INT ",\"group\":" S_NSTR                 \
    ",\"kind\":{\"type\":\"string\",\"enum\":[\"defection_surge\",\"abstention_spike\","           \
    "\"participation_drop\",\"cohesion_break\"]},\"measure\":" S_STR                               \
    ",\"severity\":{\"type\":\"string\",\"enum\":[\"high\",\"medium\"]},\"z\":" S_NUM              \
    ",\"z_robust\":" S_NUM ",\"z_classic\":" S_NNUM ",\"flagged_by\":" S_STRS ",\"value\":" S_NUM  \
    ",\"baseline_median\":" S_NUM ",\"date\":" S_STR ",\"votes\":" S_INTS                          \
    ",\"votes_total\":" S_INT "}}"
#define S_SERIES                                                                                   \
    "{\"type\":\"object\",\"required\":[\"entity_type\",\"entity\",\"measure\",\"status\","        \
    "\"observations\",\"minimum\"],\"properties\":{\"entity_type\":" S_STR ",\"entity\":" S_STR    \
    ",\"measure\":" S_STR ",\"status\":{\"type\":\"string\",\"enum\":[\"ok\","                     \
    "\"too_few_observations\",\"unavailable\"]},\"observations\":" S_INT ",\"minimum\":" S_INT                     \
    ",\"median\":" S_NNUM ",\"scale\":" S_STR ",\"alerts\":" S_INT ",\"reason\":" S_STR "}}"

static const char OUT_ANOM[] =
    "{\"type\":\"object\",\"required\":[" S_COMMON_REQ
    ",\"scope\",\"threshold\",\"min_observations\",\"severity_rule\",\"alerts\",\"alerts_total\","
    "\"series\",\"summary\"],\"properties\":{" S_COMMON
    ",\"scope\":{\"type\":\"string\",\"enum\":[\"mep\",\"group\",\"parliament\"]},"
    "\"entity\":" S_OBJ ",\"threshold\":" S_NUM ",\"min_observations\":" S_INT
    ",\"severity_rule\":" S_STR
    ",\"alerts\":" S_ARR(S_ALERT) ",\"alerts_total\":" S_INT ",\"series\":" S_ARR(
        S_SERIES) ",\"summary\":{\"type\":\"object\",\"required\":[\"series\","
                  "\"series_too_short\",\"alerts\",\"note\"],\"properties\":{\"series\":" S_INT
                  ",\"suppressed_low_evidence\":" S_INT ",\"series_too_short\":" S_INT
                  ",\"alerts\":" S_INT ",\"note\":" S_STR "}},"
                  "\"mep_scan\":" S_DIM(",\"meps_checked\":" S_INT ",\"too_short\":" S_INT
                                        ",\"alerts\":" S_INT ",\"measure\":" S_STR) "}}";

static const char IN_RISK[] = "{\"type\":\"object\",\"properties\":{" EP_TOOLS_WINDOW_PROPS
                              "," EP_ARTEFACT_FORMATS_PROP "},\"additionalProperties\":false}";

#define S_RDIM                                                                                     \
    S_DIM(",\"value\":" S_UNIT ",\"weight\":" S_UNIT ",\"normalisation\":" S_STR                   \
          ",\"definition\":" S_STR ",\"evidence\":" S_OBJ ",\"minimum_sittings\":" S_INT)

static const char OUT_RISK[] =
    "{\"type\":\"object\",\"required\":[" S_COMMON_REQ
    ",\"level\",\"composite\",\"thresholds\",\"weights\",\"dimensions\",\"normalisation\"],"
    "\"properties\":{" S_COMMON ",\"level\":{\"type\":\"string\",\"enum\":[\"LOW\",\"MODERATE\","
    "\"HIGH\",\"CRITICAL\"]},\"composite\":" S_UNIT ",\"thresholds\":{\"type\":\"object\","
    "\"required\":[\"MODERATE\",\"HIGH\",\"CRITICAL\",\"rule\"],\"properties\":{\"MODERATE\":" S_NUM
    ",\"HIGH\":" S_NUM ",\"CRITICAL\":" S_NUM ",\"rule\":" S_STR "}},\"weights\":" S_WEIGHTS
    ",\"dimensions\":{\"type\":\"object\",\"required\":[\"declining_cohesion\",\"fragmentation\","
    "\"defection_surges\",\"close_votes\",\"swing_pivotality\"],\"properties\":{"
    "\"declining_cohesion\":" S_RDIM ",\"fragmentation\":" S_RDIM ",\"defection_surges\":" S_RDIM
    ",\"close_votes\":" S_RDIM ",\"swing_pivotality\":" S_RDIM "}},\"normalisation\":" S_STR "}}";

/* ==== the rows ============================================================================ */

static const struct ep_tool rows[] = {
    {"assess_mep_influence", "Assess MEP influence",
     "Influence scorecard of one MEP in a window: network centrality, bridge score, loyalty, "
     "participation and pivotal votes, each a percentile among the window's MEPs, with weights, "
     "a composite and the rank among all MEPs.",
     IN_INFLUENCE, OUT_INFLUENCE, ANNOT, 3600, tool_assess_mep_influence},
    {"analyze_coalition_dynamics", "Analyze coalition dynamics",
     "Group cohesion (Agreement Index, Rice, Krippendorff's alpha) with trends per sitting and "
     "month, the whole Parliament's alpha, the group-pair agreement matrix, the most and least "
     "reliable alliances, factions from community detection and a coalition stability figure. "
     "Measures the window is too short for are unavailable and listed in window_too_short.",
     IN_COALITION, OUT_COALITION, ANNOT, 3600, tool_analyze_coalition_dynamics},
    {"map_political_network", "Map the political network",
     "The co-voting network of a window: size, modularity (detected and by group), communities, "
     "the top MEPs by each centrality, bridges between groups and the w >= 0.8 threshold graph.",
     IN_MAP, OUT_MAP, ANNOT, 3600, tool_map_political_network},
    {"detect_voting_anomalies", "Detect voting anomalies",
     "Defection surges, abstention spikes, participation drops and cohesion breaks of an MEP, a "
     "group or the whole Parliament against its own per-sitting baseline (robust z-scores), "
     "each with a severity, the z-score, the sitting and the votes behind it.",
     IN_ANOM, OUT_ANOM, ANNOT, 3600, tool_detect_voting_anomalies},
    {"generate_political_risk_assessment", "Generate a political risk assessment",
     "Composite political risk of a window from declining cohesion, fragmentation, defection "
     "surges, close votes and swing-group pivotality, with a level (LOW, MODERATE, HIGH, "
     "CRITICAL), the thresholds and per-dimension evidence.",
     IN_RISK, OUT_RISK, ANNOT, 3600, tool_generate_political_risk_assessment},
};

const struct ep_tool *ep_tools_intel_rows(size_t *n)
{
    if (n)
        *n = sizeof rows / sizeof rows[0];
    return rows;
}
