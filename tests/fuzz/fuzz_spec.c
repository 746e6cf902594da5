/* fuzz_spec.c: libFuzzer target for the spec codec: any bytes through
 * codec_spec_parse_text; a spec that parses must write a canonical text
 * that parses back to the same canonical text (codec.h's contract). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"

static char *canonical(const rg_spec *s) {
    jw w;
    jw_init(&w);
    codec_spec_write_canonical(&w, s);
    return jw_take(&w, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    rg_spec *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    rg_err e = {0};
    if (!text || !a || !b)
        goto out;
    memcpy(text, data, size);
    text[size] = '\0';
    if (codec_spec_parse_text(text, size, a, &e) == 0) {
        char *t1 = canonical(a);
        if (t1) {
            if (codec_spec_parse_text(t1, strlen(t1), b, &e) != 0)
                abort(); /* a canonical text that does not parse */
            char *t2 = canonical(b);
            if (!t2 || strcmp(t1, t2) != 0)
                abort(); /* the canonical text changed on re-parse */
            free(t2);
        }
        free(t1);
    }
out:
    free(text);
    free(a);
    free(b);
    return 0;
}
