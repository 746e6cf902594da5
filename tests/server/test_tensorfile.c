/* test_tensorfile.c: the tensor-file header parsers that take files from
 * users, the .npy parser (server/cli/npy.c, NEP 1 "A Simple File Format
 * for NumPy Arrays") and the .safetensors parser (server/safetensors.c,
 * huggingface/safetensors "Format"): known headers, then fuzzing: every
 * truncation of a valid file and many random byte edits must give either a
 * clear error or a header whose offsets lie inside the file (never a
 * crash; run under ASan/UBSan by the sanitizer build). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../server/cli/npy.c" /* the CLI's parser is not in a library: compiled in here */
#include "rng.h"
#include "safetensors.h"
#include "testutil.h"

static size_t make_npy(unsigned char *buf) {
    const char *dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    size_t hl = 128 - 10;
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = (unsigned char)hl;
    buf[9] = 0;
    memset(buf + 10, ' ', hl);
    memcpy(buf + 10, dict, strlen(dict));
    buf[10 + hl - 1] = '\n';
    float v[6] = {1, 2, 3, 4, 5, 6};
    memcpy(buf + 128, v, sizeof v);
    return 128 + sizeof v;
}

static size_t make_st(unsigned char *buf) {
    const char *h = "{\"__metadata__\":{\"format\":\"pt\"},\"w\":{\"dtype\":\"BF16\",\"shape\":[2,2],\"data_"
                    "offsets\":[0,8]},"
                    "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}";
    uint64_t hl = strlen(h);
    for (int i = 0; i < 8; i++)
        buf[i] = (unsigned char)(hl >> (8 * i));
    memcpy(buf + 8, h, hl);
    uint16_t w[4] = {0x3F80, 0x4000, 0xBF80, 0x0000}; /* bf16 1, 2, -1, 0 */
    float b[2] = {0.5f, -3.0f};
    memcpy(buf + 8 + hl, w, 8);
    memcpy(buf + 8 + hl + 8, b, 8);
    return 8 + hl + 16;
}

static void check_known(void) {
    unsigned char buf[512];
    size_t len = make_npy(buf);
    npy_info ni;
    const char *why = NULL;
    CHECK_EQ_INT(npy_parse(buf, len, &ni, &why), 0);
    CHECK(ni.dtype == 'f' && ni.ndim == 2 && ni.shape[0] == 2 && ni.shape[1] == 3 && ni.count == 6 &&
          ni.offset == 128);
    len = make_st(buf);
    st_file f;
    char msg[256];
    CHECK_EQ_INT(st_parse(buf, len, &f, msg, sizeof msg), 0);
    CHECK_EQ_INT(f.n, 2);
    const st_tensor *t = st_find(&f, "w");
    float out[4];
    CHECK(t && t->ndim == 2 && t->count == 4 && strcmp(t->dtype, "BF16") == 0);
    CHECK(t && st_read_f32(buf, &f, t, out, msg, sizeof msg) == 0 && out[0] == 1.0f && out[1] == 2.0f &&
          out[2] == -1.0f && out[3] == 0.0f);
    t = st_find(&f, "b");
    CHECK(t && st_read_f32(buf, &f, t, out, msg, sizeof msg) == 0 && out[0] == 0.5f && out[1] == -3.0f);
    CHECK(st_find(&f, "nope") == NULL);
    st_free(&f);
    /* a tensor whose bytes disagree with its shape */
    const char *bad = "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}";
    unsigned char b2[128] = {0};
    uint64_t hl = strlen(bad);
    b2[0] = (unsigned char)hl;
    memcpy(b2 + 8, bad, hl);
    CHECK(st_parse(b2, 8 + hl + 8, &f, msg, sizeof msg) < 0 && strstr(msg, "'w'") != NULL);
    /* a header length beyond the file */
    b2[0] = 0xFF;
    b2[5] = 0x7F;
    CHECK(st_parse(b2, 8 + hl + 8, &f, msg, sizeof msg) < 0 && strstr(msg, "header length") != NULL);
}

/* Parse and, on success, check what the caller relies on. */
static void try_npy(const unsigned char *p, size_t len, int *ok) {
    npy_info ni;
    const char *why = NULL;
    if (npy_parse(p, len, &ni, &why) == 0) {
        CHECK(ni.offset <= len && ni.count >= 0 && ni.ndim <= NPY_MAX_DIMS);
        (*ok)++;
    } else {
        CHECK(why != NULL && *why);
    }
}

static void try_st(const unsigned char *p, size_t len, int *ok) {
    st_file f;
    char msg[256] = "";
    if (st_parse(p, len, &f, msg, sizeof msg) == 0) {
        for (int i = 0; i < f.n; i++) {
            const st_tensor *t = &f.t[i];
            CHECK(t->begin <= t->end && f.data_off + t->end <= len &&
                  t->end - t->begin == (uint64_t)t->count * (uint64_t)t->esize);
            float *x = malloc((size_t)(t->count > 0 ? t->count : 1) * sizeof *x);
            if (x)
                (void)st_read_f32(p, &f, t, x, msg, sizeof msg);
            free(x);
        }
        st_free(&f);
        (*ok)++;
    } else {
        CHECK(msg[0] != '\0');
    }
}

static void fuzz(void) {
    unsigned char good[512], buf[512];
    int ok_n = 0, ok_s = 0;
    for (int kind = 0; kind < 2; kind++) {
        size_t len = kind ? make_st(good) : make_npy(good);
        for (size_t cut = 0; cut <= len; cut++) { /* every truncation */
            unsigned char *t = malloc(cut ? cut : 1);
            memcpy(t, good, cut);
            if (kind)
                try_st(t, cut, &ok_s);
            else
                try_npy(t, cut, &ok_n);
            free(t);
        }
        for (uint64_t it = 0; it < 20000; it++) { /* 1..4 random byte edits, some at the digits */
            memcpy(buf, good, len);
            uint64_t r = rg_rng_u64(99 + (uint64_t)kind, it);
            int edits = 1 + (int)(r & 3);
            for (int e = 0; e < edits; e++) {
                uint64_t q = rg_rng_u64(7, it * 8 + (uint64_t)e);
                size_t at = (size_t)(q % len);
                static const char pick[] = "0123456789-,[]{}()\":'x9e";
                buf[at] = (q >> 32) & 1 ? (unsigned char)(q >> 40) : (unsigned char)pick[(q >> 40) % 24];
            }
            size_t l = (r >> 8) & 1 ? len : (size_t)((r >> 16) % (len + 1));
            unsigned char *t = malloc(l ? l : 1);
            memcpy(t, buf, l);
            if (kind)
                try_st(t, l, &ok_s);
            else
                try_npy(t, l, &ok_n);
            free(t);
        }
    }
    /* the untouched files parse; most edits are refused */
    CHECK(ok_n >= 1 && ok_s >= 1);
    printf("fuzz: %d npy and %d safetensors variants accepted, the rest refused\n", ok_n, ok_s);
}

int main(void) {
    check_known();
    fuzz();
    return tu_status("test_tensorfile");
}
