/* test_compress.c: compression schemes. Known behaviour from the papers the
 * schemes come from: a random Hadamard rotation spreads outlier channels and
 * improves block-scaled 4-bit quantization (QuaRot, 2024); keeping outlier
 * columns in 16 bits rescues int8 on activations with outlier features
 * (LLM.int8(), 2022); per-channel scales suit keys with channel-wise
 * magnitudes (KIVI, 2024). Bits-per-element overheads are checked exactly. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compress.h"
#include "dist.h"
#include "metrics.h"
#include "testutil.h"

static rg_quant quant_of(const char *name) {
    rg_format f;
    rg_quant q;
    memset(&q, 0, sizeof q);
    CHECK(rg_format_parse(name, &f, "format", NULL) >= 0);
    CHECK_EQ_INT(rg_quant_init(&q, &f, NULL), 0);
    return q;
}

static double run(const rg_compress *c, const rg_quant *q, const float *x, float *y, int64_t n,
                  rg_compress_stats *st) {
    rg_err err;
    rg_metrics m;
    int rc = rg_compress_run(c, q, x, y, n, 2, st, &err);
    CHECK_MSG(rc == 0, "%s: %s", err.field, err.msg);
    CHECK_EQ_INT(rg_metrics_compute(x, y, n, c->cols, 2, &m), 0);
    return m.sqnr_db;
}

int main(void) {
    const int64_t C = 1024, R = 256, n = C * R;
    float *x = malloc((size_t)n * 4), *y = malloc((size_t)n * 4), *z = malloc((size_t)n * 4);
    CHECK(x && y && z);
    if (!x || !y || !z)
        goto out;
    rg_dist d;
    rg_dist_init(&d, RG_DIST_ACTIVATIONS, 5);
    d.cols = C;
    d.outlier_frac = 0.01;
    CHECK_EQ_INT(rg_dist_fill(&d, x, n, 0, 2), 0);
    rg_compress c;
    rg_compress_stats st;
    rg_compress_init(&c);
    c.cols = C;
    c.seed = 9;

    /* Hadamard with fp32 is an orthogonal round trip. */
    rg_quant q32 = quant_of("fp32");
    c.scheme = RG_SCHEME_HADAMARD;
    CHECK(run(&c, &q32, x, y, n, &st) > 120.0);
    CHECK_REL(st.bits_per_element, 32.0, 0);
    /* ... and helps MXFP4 on activations with outlier channels. */
    rg_quant q4 = quant_of("mxfp4");
    c.scheme = RG_SCHEME_NONE;
    double plain = run(&c, &q4, x, y, n, &st);
    c.scheme = RG_SCHEME_HADAMARD;
    double rot = run(&c, &q4, x, y, n, &st);
    printf("mxfp4 on activations: %.2f dB plain, %.2f dB rotated\n", plain, rot);
    CHECK(rot > plain + 1.0);
    CHECK_REL(st.bits_per_element, 4.25, 0);
    /* Same result for 1 and 3 threads. */
    CHECK_EQ_INT(rg_compress_run(&c, &q4, x, z, n, 1, &st, NULL), 0);
    CHECK_EQ_INT(rg_compress_run(&c, &q4, x, y, n, 3, &st, NULL), 0);
    CHECK(memcmp(y, z, (size_t)n * 4) == 0);

    /* Outlier split: int8 per row with the outlier columns in bf16. */
    rg_quant q8 = quant_of("int8");
    q8.tscale = RG_TSCALE_CHANNEL;
    q8.cols = C;
    c.scheme = RG_SCHEME_NONE;
    double int8_plain = run(&c, &q8, x, y, n, &st);
    c.scheme = RG_SCHEME_OUTLIERS;
    c.threshold = 6.0;
    double int8_split = run(&c, &q8, x, y, n, &st);
    printf("int8 on activations: %.2f dB plain, %.2f dB with %lld outlier columns (%.4f bits)\n", int8_plain,
           int8_split, (long long)st.outlier_cols, st.bits_per_element);
    CHECK(int8_split > int8_plain + 6.0);
    CHECK(st.outlier_cols >= 5 && st.outlier_cols < 30);
    int64_t k = st.outlier_cols;
    CHECK_REL(st.bits_per_element, (8.0 + 32.0 / C) * (C - k) / C + 16.0 * k / C + 32.0 * k / n, 1e-12);

    /* KV cache: keys with channel-wise magnitudes. */
    rg_dist_init(&d, RG_DIST_KV, 6);
    d.cols = C;
    CHECK_EQ_INT(rg_dist_fill(&d, x, n, 0, 2), 0);
    rg_quant qi4 = quant_of("int4");
    c.scheme = RG_SCHEME_KV_KEYS;
    c.window = 32;
    double keys_pc = run(&c, &qi4, x, y, n, &st);
    CHECK_EQ_INT(st.window_rows, 32);
    /* the window is fp16-exact on these values' scale */
    for (int64_t i = (R - 32) * C; i < n; i += 101)
        CHECK(fabsf(y[i] - x[i]) <= fabsf(x[i]) * 0x1p-11f);
    CHECK_REL(st.bits_per_element, ((4.0 + 32.0 / (R - 32)) * (R - 32) + 16.0 * 32) / R, 1e-12);
    c.scheme = RG_SCHEME_KV_VALUES;
    double keys_pt = run(&c, &qi4, x, y, n, &st);
    printf("int4 keys: %.2f dB per-channel, %.2f dB per-token\n", keys_pc, keys_pt);
    CHECK(keys_pc > keys_pt);
    /* int4 groups along tokens (KIVI) */
    rg_quant qg = quant_of("int4_g128_asym");
    c.scheme = RG_SCHEME_KV_KEYS;
    CHECK(run(&c, &qg, x, y, n, &st) > keys_pt);

    /* Bad options name themselves. */
    rg_err err;
    c.scheme = RG_SCHEME_HADAMARD;
    c.cols = 1000;
    CHECK(rg_compress_run(&c, &q4, x, y, 1000 * 10, 1, &st, &err) < 0);
    CHECK_STR(err.field, "cols");
    c.cols = 1024;
    CHECK(rg_compress_run(&c, &q4, x, y, 1000, 1, &st, &err) < 0);
    CHECK_EQ_INT(rg_scheme_find("kv_keys"), RG_SCHEME_KV_KEYS);

    /* Code entropy: fp8 E4M3 on N(0,1) uses few exponents. */
    rg_dist_init(&d, RG_DIST_NORMAL, 7);
    CHECK_EQ_INT(rg_dist_fill(&d, x, n, 0, 2), 0);
    rg_entropy ent;
    rg_quant q8e = quant_of("fp8_e4m3");
    CHECK_EQ_INT(rg_compress_entropy(&q8e, x, n, 2, &ent), 0);
    printf("fp8_e4m3 N(0,1): exponent entropy %.3f of %d bits, code entropy %.3f of %d bits\n",
           ent.exponent_entropy, ent.exponent_bits, ent.code_entropy, ent.code_bits);
    CHECK(ent.exponent_bits == 4 && ent.exponent_entropy > 1.5 && ent.exponent_entropy < 3.5);
    CHECK(ent.code_entropy < 8.0 && ent.saving_bits > 0.3);
    rg_quant qm = quant_of("mxfp4");
    CHECK_EQ_INT(rg_compress_entropy(&qm, x, n, 2, &ent), 0);
    CHECK(ent.code_bits == 4 && ent.code_entropy <= 4.0 && ent.code_entropy > 2.5);
out:
    free(x);
    free(y);
    free(z);
    return tu_status("test_compress");
}
