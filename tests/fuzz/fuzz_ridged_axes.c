/* fuzz_ridged_axes.c: libFuzzer target for sweep plans: the input is a
 * sweep request {"base": spec, "axes": [...]}; a plan that builds must give
 * every point a spec or a status, never a crash (the first and last 64
 * points are tried). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "sweep.h"
#include "sweep_plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    rg_spec *s = malloc(sizeof *s);
    rg_err e = {0};
    sweep_plan *plan = NULL;
    cJSON *j = NULL;
    if (!text || !s)
        goto out;
    memcpy(text, data, size);
    text[size] = '\0';
    j = codec_json_parse(text, size, &e);
    if (!j)
        goto out;
    if (plan_build(cJSON_GetObjectItemCaseSensitive(j, "base"), cJSON_GetObjectItemCaseSensitive(j, "axes"),
                   1000000, true, &plan, &e) == 0) {
        for (int64_t i = 0; i < plan->total && i < 64; i++)
            plan_point_spec(plan, i, s, &e);
        for (int64_t i = plan->total - 1; i >= 64 && i >= plan->total - 64; i--)
            plan_point_spec(plan, i, s, &e);
    }
out:
    plan_free(plan);
    cJSON_Delete(j);
    free(text);
    free(s);
    return 0;
}
