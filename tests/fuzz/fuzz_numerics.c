/* fuzz_numerics.c: libFuzzer target for the numerics codec: any JSON
 * object through codec_quantize_json (sizes capped here so a run is not
 * spent on 2^24-element tensors). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "codec_numerics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    rg_err e = {0};
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    cJSON *j = codec_json_parse(text, size, &e);
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(j, "n");
    if (j && (!n || (cJSON_IsNumber(n) && n->valuedouble <= 4096))) {
        jw w;
        jw_init(&w);
        codec_quantize_json(j, &w, &e);
        jw_free(&w);
    }
    cJSON_Delete(j);
    free(text);
    return 0;
}
