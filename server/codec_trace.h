/* codec_trace.h: request traces from text, for serving.trace_file.
 *
 * A trace is one request per line: CSV (arrival_s, prompt_tokens,
 * output_tokens, optionally under a header row naming those columns in any
 * order) or JSON lines (an object with those keys, or a 3-number array per
 * line). Blank lines and lines starting with '#' are skipped. Every row is
 * checked here, with its line number: times finite, >= 0 and non-decreasing,
 * token counts integers in 1..1e8. The file is read by the caller (the CLI):
 * this module does no I/O, so the service can never be made to read a path. */
#ifndef RG_CODEC_TRACE_H
#define RG_CODEC_TRACE_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "status.h"

/* Parse `len` bytes of `text` into *rows: a new cJSON array of
 * [arrival_s, prompt_tokens, output_tokens] arrays, the caller deletes it.
 * Returns 0, or RG_EPARSE / RG_ERANGE / RG_ENOMEM with `err` naming `field`
 * and "line N: <key> ..." (nothing is returned then). */
int codec_trace_parse(const char *text, size_t len, const char *field, cJSON **rows, rg_err *err);

#endif
