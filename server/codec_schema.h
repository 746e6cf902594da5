/* codec_schema.h: the spec as a JSON Schema (draft 2020-12, the dialect of
 * OpenAPI 3.1), generated from the codec's field table (codec_fields.h), so
 * the OpenAPI document ridged serves describes exactly the fields the codec
 * reads, with their types, ranges, units and names. */
#ifndef RIDGE_CODEC_SCHEMA_H
#define RIDGE_CODEC_SCHEMA_H

#include "jsonw.h"

/* Writes the "properties" object of the Spec schema: one member per
 * top-level row, nested objects with their rows' members. A number with a
 * unit also accepts {"value": n, "unit": ...}; a section that may name a
 * preset accepts the preset's name or an object with "preset". The field
 * index must be built (codec_fields_index; loading the data does it). */
void codec_spec_schema_write(jw *w);

#endif
