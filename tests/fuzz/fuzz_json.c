/* fuzz_json.c: libFuzzer target for the JSON boundary (codec_json.h):
 * whatever it accepts is free of duplicate keys, valid UTF-8 and \u0000,
 * and the writer turns any bytes into a string that parses back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "codec_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    rg_err e = {0};
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    cJSON *j = codec_json_parse(text, size, &e);
    cJSON_Delete(j);
    /* any bytes as a string value: the writer's output must parse */
    jw w;
    jw_init(&w);
    jw_obj_begin(&w);
    jw_key(&w, "s");
    jw_strn(&w, text, size);
    jw_obj_end(&w);
    size_t n = 0;
    char *out = jw_take(&w, &n);
    if (out) {
        cJSON *k = codec_json_parse(out, n, &e);
        if (!k && !memchr(text, '\0', size))
            abort(); /* the writer produced text the boundary refuses */
        cJSON_Delete(k);
    }
    free(out);
    free(text);
    return 0;
}
