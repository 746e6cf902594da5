/* codec_search.h: the JSON of a layout search's ranked entries, written
 * once for `ridge search` and for ridged's search jobs so that both give
 * the same answer for the same input. */
#ifndef RIDGE_CODEC_SEARCH_H
#define RIDGE_CODEC_SEARCH_H

#include "jsonw.h"
#include "search.h"
#include "spec.h"

/* {"tp", "pp", "dp", "ep", "cp", "microbatch", "interleave",
 * "sequence_parallel", "recompute", "zero"} */
void codec_parallel_write(jw *w, const rg_parallel *p);

/* One ranked layout of a search of `base`: {"rank" (when rank >= 1),
 * "index", "spec_sha256" (of `base` with the entry's layout), "parallelism",
 * "time_s", "mfu", "tokens_per_s", "memory", "breakdown"}. */
void codec_search_entry_write(jw *w, const rg_spec *base, const rg_search_entry *e, int rank);

#endif
