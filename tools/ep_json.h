/* ep_json: the one set of JSON helpers every tool result is built with.
 *
 * Numbers. ONE rule for every real in a tool result: ep_json_real(x) is x rounded to 6 decimals
 * (round(x * 1e6) / 1e6, half away from zero), -0 written as 0, and null when x is NaN or
 * infinite. Shares, indices, scores and statistics alike: the bundled data's measures are checked
 * against independent values to 5e-7, so the sixth decimal is the last one that carries meaning.
 * Counts are integers (json_integer), never reals.
 *
 * Building. The put/add helpers take a sticky error flag (int *bad): any allocation failure, a
 * NULL value or a NULL container sets *bad = 1 and the value is released, so a handler builds a
 * whole result and checks the flag once at the end (then frees the result and returns
 * EP_ENOMEM). Values passed to put/add are always stolen (also on failure).
 *
 * Unknown is never 0: a measure that cannot be computed is null (ep_json_real_if) or
 * {"available": false, "reason": "..."} (ep_json_unavailable / ep_json_unavailablef). */
#ifndef EP_JSON_H
#define EP_JSON_H

#include <jansson.h>

/* Decimals every real is rounded to (see above). */
#define EP_JSON_DECIMALS 6

/* The rounding alone, for text outputs that must agree with the JSON: x rounded to
 * EP_JSON_DECIMALS decimals, -0 as 0; NaN/Inf are returned unchanged. */
double ep_json_round(double x);
/* New reference: ep_json_round(x) as a real, or null when x is not finite; NULL on ENOMEM. */
json_t *ep_json_real(double x);
/* ep_json_real(x) when ok, else null. */
json_t *ep_json_real_if(int ok, double x);
/* A string, or null when s is NULL. */
json_t *ep_json_str_or_null(const char *s);
/* An array of the strings s[0..] up to a NULL entry (s NULL = empty array); NULL on ENOMEM. */
json_t *ep_json_strings(const char *const *s);
/* The same for exactly n strings (NULL entries become null). */
json_t *ep_json_strings_n(const char *const *s, size_t n);

/* Set o[k] = v, stealing v; *bad = 1 when o or v is NULL or the set fails. */
void ep_json_put(json_t *o, const char *k, json_t *v, int *bad);
/* Append v to the array a, stealing v; *bad = 1 when a or v is NULL or the append fails. */
void ep_json_add(json_t *a, json_t *v, int *bad);

/* {"available": false, "reason": reason} (reason NULL = "not available"); NULL on ENOMEM. */
json_t *ep_json_unavailable(const char *reason);
/* The same with a printf-formatted reason (truncated at 511 bytes). */
json_t *ep_json_unavailablef(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* {"available": true, "value": ep_json_real(x)}; NULL on ENOMEM. */
json_t *ep_json_available(double x);

#endif
