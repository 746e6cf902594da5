/* safetensors.c: the .safetensors header parser and reader (see
 * safetensors.h). cJSON parses the header; the checks are ours. */
#include "safetensors.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fpconv.h"

#define ST_MAX_HEADER 100000000u /* the format's limit on the header (100 MB) */

static const struct {
    const char *name;
    int size;
} dtypes[] = {{"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E5M2", 1}, {"F8_E4M3", 1},
              {"I16", 2},  {"U16", 2}, {"F16", 2}, {"BF16", 2},    {"I32", 4},
              {"U32", 4},  {"F32", 4}, {"F64", 8}, {"I64", 8},     {"U64", 8}};

static int dtype_size(const char *s) {
    for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++)
        if (strcmp(s, dtypes[i].name) == 0)
            return dtypes[i].size;
    return 0;
}

void st_free(st_file *f) {
    if (!f)
        return;
    for (int i = 0; i < f->n; i++)
        free(f->t[i].name);
    free(f->t);
    f->t = NULL;
    f->n = 0;
}

/* A JSON number that is a whole number in [0, 2^53]. */
static int whole(const cJSON *v, uint64_t *out) {
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0.0) || v->valuedouble > 9007199254740992.0 ||
        v->valuedouble != (double)(uint64_t)v->valuedouble)
        return -1;
    *out = (uint64_t)v->valuedouble;
    return 0;
}

/* One header entry into t. Returns 0 or -1 with why. */
static int entry(const cJSON *e, uint64_t data_len, st_tensor *t, char *why, size_t cap) {
    const char *name = e->string;
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(e, "dtype");
    const cJSON *sh = cJSON_GetObjectItemCaseSensitive(e, "shape");
    const cJSON *off = cJSON_GetObjectItemCaseSensitive(e, "data_offsets");
    if (!cJSON_IsObject(e) || !cJSON_IsString(dt) || !cJSON_IsArray(sh) || !cJSON_IsArray(off) ||
        cJSON_GetArraySize(off) != 2) {
        snprintf(why, cap, "tensor '%.200s': want {\"dtype\", \"shape\", \"data_offsets\": [begin, end]}",
                 name);
        return -1;
    }
    snprintf(t->dtype, sizeof t->dtype, "%.11s", dt->valuestring);
    t->esize = dtype_size(dt->valuestring);
    if (!t->esize) {
        snprintf(why, cap, "tensor '%.200s': unknown dtype '%.40s'", name, dt->valuestring);
        return -1;
    }
    int nd = cJSON_GetArraySize(sh);
    if (nd > ST_MAX_DIMS) {
        snprintf(why, cap, "tensor '%.200s': %d dimensions (at most %d)", name, nd, ST_MAX_DIMS);
        return -1;
    }
    uint64_t prod = 1;
    t->ndim = 0;
    const cJSON *d;
    cJSON_ArrayForEach(d, sh) {
        uint64_t v = 0;
        if (whole(d, &v) < 0 || v > (UINT64_C(1) << 40) || (v > 0 && prod > (UINT64_C(1) << 40) / v)) {
            snprintf(why, cap, "tensor '%.200s': bad shape", name);
            return -1;
        }
        prod *= v;
        t->shape[t->ndim++] = (int64_t)v;
    }
    t->count = (int64_t)prod;
    if (whole(cJSON_GetArrayItem(off, 0), &t->begin) < 0 || whole(cJSON_GetArrayItem(off, 1), &t->end) < 0 ||
        t->begin > t->end || t->end > data_len) {
        snprintf(why, cap,
                 "tensor '%.200s': data_offsets outside the %" PRIu64 "-byte buffer (truncated file?)", name,
                 data_len);
        return -1;
    }
    if (t->end - t->begin != prod * (uint64_t)t->esize) {
        snprintf(why, cap, "tensor '%.200s': %" PRIu64 " bytes for %" PRIu64 " %s values", name,
                 t->end - t->begin, prod, t->dtype);
        return -1;
    }
    t->name = strdup(name);
    if (!t->name) {
        snprintf(why, cap, "out of memory");
        return -1;
    }
    return 0;
}

int st_parse(const unsigned char *p, size_t len, st_file *f, char *why, size_t cap) {
    cJSON *h = NULL;
    int rc = -1;
    memset(f, 0, sizeof *f);
    if (len < 8) {
        snprintf(why, cap, "not a .safetensors file (%zu bytes, no header length)", len);
        return -1;
    }
    uint64_t hl = 0;
    for (int i = 7; i >= 0; i--)
        hl = (hl << 8) | p[i];
    if (hl > ST_MAX_HEADER || hl > len - 8 || hl < 2) {
        snprintf(why, cap,
                 "header length %" PRIu64 " does not fit the %zu-byte file (truncated or not safetensors)",
                 hl, len);
        return -1;
    }
    h = cJSON_ParseWithLength((const char *)p + 8, (size_t)hl);
    if (!cJSON_IsObject(h)) {
        snprintf(why, cap, "header is not a JSON object");
        goto out;
    }
    f->data_off = 8 + (size_t)hl;
    uint64_t data_len = len - f->data_off;
    int n = cJSON_GetArraySize(h);
    f->t = calloc((size_t)(n > 0 ? n : 1), sizeof *f->t);
    if (!f->t) {
        snprintf(why, cap, "out of memory");
        goto out;
    }
    const cJSON *e;
    cJSON_ArrayForEach(e, h) {
        if (strcmp(e->string, "__metadata__") == 0)
            continue;
        if (entry(e, data_len, &f->t[f->n], why, cap) < 0)
            goto out;
        f->n++;
    }
    rc = 0;
out:
    cJSON_Delete(h);
    if (rc < 0)
        st_free(f);
    return rc;
}

const st_tensor *st_find(const st_file *f, const char *name) {
    for (int i = 0; f && name && i < f->n; i++)
        if (strcmp(f->t[i].name, name) == 0)
            return &f->t[i];
    return NULL;
}

int st_read_f32(const unsigned char *p, const st_file *f, const st_tensor *t, float *out, char *why,
                size_t cap) {
    const unsigned char *b = p + f->data_off + t->begin;
    int kind = strcmp(t->dtype, "F32") == 0    ? 4
               : strcmp(t->dtype, "BF16") == 0 ? 1
               : strcmp(t->dtype, "F16") == 0  ? 2
               : strcmp(t->dtype, "F64") == 0  ? 8
                                               : 0;
    if (!kind) {
        snprintf(why, cap, "tensor '%.200s': dtype %s cannot be read (BF16, F16, F32, F64 can)", t->name,
                 t->dtype);
        return -1;
    }
    for (int64_t i = 0; i < t->count; i++) { /* little-endian bytes, any alignment */
        const unsigned char *q = b + (size_t)i * (size_t)t->esize;
        if (kind == 4) {
            out[i] = rg_f32_from_bits((uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 |
                                      (uint32_t)q[3] << 24);
        } else if (kind == 1) {
            out[i] = rg_fpconv_bf16_to_f32((uint16_t)(q[0] | (q[1] << 8)));
        } else if (kind == 2) {
            out[i] = rg_fpconv_f16_to_f32((uint16_t)(q[0] | (q[1] << 8)));
        } else {
            uint64_t u = 0;
            for (int k = 7; k >= 0; k--)
                u = (u << 8) | q[k];
            double v;
            memcpy(&v, &u, sizeof v);
            out[i] = (float)v;
        }
    }
    return 0;
}
