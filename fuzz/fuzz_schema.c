/* fuzz_schema: libFuzzer target for the JSON Schema subset. The input is parsed as a JSON value
 * and validated against a fixed schema that uses every supported keyword; when the input is
 * an object without "pattern" (regex compilation time is not what we fuzz here) it is also
 * checked as a schema and, if supported, used to validate a few fixed values and itself. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ep_schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *fixed =
    "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"title\":\"t\","
    "\"description\":\"d\",\"type\":\"object\",\"properties\":{"
    "\"limit\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":500,\"default\":50},"
    "\"ratio\":{\"type\":\"number\",\"minimum\":0,\"maximum\":1},"
    "\"country\":{\"type\":\"string\",\"pattern\":\"^[A-Z]{2}$\",\"minLength\":2,"
    "\"maxLength\":2},\"name\":{\"type\":[\"string\",\"null\"],\"maxLength\":5},"
    "\"from\":{\"type\":\"string\",\"format\":\"date\"},"
    "\"at\":{\"type\":\"string\",\"format\":\"date-time\"},"
    "\"uri\":{\"type\":\"string\",\"format\":\"uri\"},"
    "\"pos\":{\"enum\":[\"for\",\"against\",1,null]},"
    "\"ok\":{\"type\":\"boolean\"},"
    "\"meps\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"id\":"
    "{\"type\":\"integer\"}},\"required\":[\"id\"],\"additionalProperties\":{\"type\":"
    "\"string\"}},\"minItems\":1,\"maxItems\":4,\"examples\":[[{\"id\":1}]]}},"
    "\"required\":[\"limit\"],\"additionalProperties\":false}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static json_t *schema;
    struct ep_error e;
    if (!schema) {
        schema = json_loads(fixed, 0, NULL);
        if (!schema || ep_schema_check_supported(schema, &e))
            abort();
    }
    json_t *v = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
    if (!v)
        return 0;
    int rc = ep_schema_validate(schema, v, &e);
    if (rc != 0 && rc != EP_EINVAL)
        abort();
    if (json_is_object(v) && !memmem(data, size, "pattern", 7) &&
        ep_schema_check_supported(v, &e) == 0) {
        static const char *const samples[] = {"{}", "[1,\"a\",null]", "\"2024-01-01\"", "3.5",
                                              "{\"a\":{\"b\":[true]}}"};
        for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
            json_t *x = json_loads(samples[i], JSON_DECODE_ANY, NULL);
            ep_schema_validate(v, x, &e);
            json_decref(x);
        }
        ep_schema_validate(v, v, &e);
    }
    json_decref(v);
    return 0;
}
