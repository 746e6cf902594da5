/* api_numerics.c: POST /numerics/quantize: the numerics emulator's quality
 * metrics for a format applied to given or generated data. */
#include "api.h"

#if __has_include("codec_numerics.h")
#include "codec_numerics.h"
#define RIDGED_HAVE_NUMERICS 1
#endif

void api_quantize(http_req *r) {
    http_problem(r, 503, "not available", NULL, "use `ridge quantize` from the command line",
                 "the numerics emulator is not part of this build");
}
