/* ep_schema: the JSON Schema subset the tool table uses, checked centrally.
 * Supported keywords: type (string or array of: object, array, string, integer, number,
 * boolean, null), properties, required, additionalProperties (boolean or schema), enum,
 * minimum, maximum, minLength, maxLength (in code points), pattern (POSIX ERE, anchored as
 * written), items, minItems, maxItems, format ("date" = YYYY-MM-DD calendar date; "date-time",
 * "uri" are accepted as annotations), and the annotations title, description, default,
 * examples, $schema. Anything else is unsupported. */
#ifndef EP_SCHEMA_H
#define EP_SCHEMA_H

#include <jansson.h>

#include "ep_error.h"

/* EP_EINVAL naming the JSON pointer and keyword when schema uses an unsupported keyword or a
 * malformed value (e.g. a pattern that does not compile). */
int ep_schema_check_supported(json_t *schema, struct ep_error *err);

/* EP_EINVAL when value does not match; the message names the path (e.g. "limit" or
 * "meps[2]") and what is allowed ("must be an integer between 1 and 500"). */
int ep_schema_validate(json_t *schema, json_t *value, struct ep_error *err);

/* args (an object, borrowed) with every top-level property of the object schema that args lacks
 * and that has a "default" set to a copy of that default: new reference (args itself, with a
 * new reference, when nothing is missing), NULL on ENOMEM. ep_tools_call hands this to the
 * handler, so a default is written once, in the schema. */
json_t *ep_schema_with_defaults(json_t *schema, json_t *args);

/* The schemas embedded at build time from tools/schemas/NAME.json (tools/schemas/embed.c):
 * text is exactly json_dumps(JSON_COMPACT) of the schema, NUL-terminated, static; NULL/0 when the
 * file has no such schema. */
struct ep_schema_text {
    const char *name;
    const char *input;
    size_t input_len;
    const char *output;
    size_t output_len;
};
/* The generated table (sorted by name) and its size. */
extern const struct ep_schema_text ep_schema_texts[];
extern const size_t ep_schema_n_texts;
/* The embedded schemas of tool (or of a shared file such as "ep_api_passthrough"), or NULL.
 * (Defined in ep_tools.c: the build step that generates the table links ep_schema.c.) */
const struct ep_schema_text *ep_schema_embedded(const char *name);

#endif
