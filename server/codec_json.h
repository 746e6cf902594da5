/* codec_json.h: what every JSON text that enters Ridge must satisfy beyond
 * the grammar: distinct keys in every object, valid UTF-8, no \u0000. */
#ifndef RG_CODEC_JSON_H
#define RG_CODEC_JSON_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "status.h"

/* Checks `json`, parsed from `text` (len bytes): returns 0, or RG_EPARSE
 * naming the path of a duplicate key ("axes[0].values"), RG_EINVAL naming
 * the field of a string that is not valid UTF-8 or holds \u0000, RG_ENOMEM.
 * codec_json_parse runs it on everything it parses. */
int codec_json_check(const char *text, size_t len, const cJSON *json, rg_err *err);

/* The length of the longest valid UTF-8 prefix of s[0..n) (RFC 3629: no
 * overlong forms, surrogates or code points above U+10FFFF). */
size_t codec_utf8_valid_prefix(const char *s, size_t n);
/* True when the NUL-terminated s is valid UTF-8. */
bool codec_utf8_valid(const char *s);

/* The JSON type of `v` as error messages name it: "number", "string",
 * "boolean", "null" (also for NULL), "array", "object". */
const char *codec_json_type_name(const cJSON *v);

#endif
