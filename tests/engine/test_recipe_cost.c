/* test_recipe_cost.c: what a recipe costs in the roofline (recipe_cost.h).
 * Known answers by hand from the recipes' sources:
 *  - DeepSeek-V3 (arXiv 2412.19437) sec. 3.3: FP8 E4M3 elements with one
 *    FP32 scale per 1x128 activation tile (8 + 32/128 = 8.25 bits) and per
 *    128x128 weight block (8 + 32/16384);
 *  - NVFP4 (arXiv 2509.25149 sec. 2): E2M1 elements, one E4M3 scale per 16
 *    (4 + 8/16 = 4.5 bits) plus one FP32 tensor scale per tensor;
 *  - OCP MX v1.0 sec. 5: MXFP8 / MXFP4, one E8M0 scale per 32 (8.25 / 4.25);
 *  - the Walsh-Hadamard transform of size b: log2(b) butterfly additions
 *    per element (b = 16: 4).
 * An FP8 x FP4 product runs at the FP8 rate; a weight-only recipe leaves
 * the math format alone. */
#include <math.h>
#include <string.h>

#include "evaluate.h"
#include "fixtures.h"
#include "recipe_cost.h"
#include "testutil.h"

static rg_result res;

static void set(rg_numerics *nu, rg_tclass c, const char *text) {
    CHECK_EQ_INT(rg_recipe_parse(text, &nu->recipes[c].r, "r", NULL), 0);
    nu->recipes[c].on = true;
    snprintf(nu->recipes[c].text, sizeof nu->recipes[c].text, "%s", text);
}

static void check_bytes(void) {
    rg_numerics nu;
    memset(&nu, 0, sizeof nu);
    nu.weights = nu.activations = nu.kv_cache = rg_format_find("bf16");
    CHECK_REL(rg_tensor_bytes(&nu, RG_TC_WEIGHTS, 4096, 4096), 2.0, 1e-15);
    set(&nu, RG_TC_WEIGHTS, "fp8_128x128");
    set(&nu, RG_TC_ACTIVATIONS, "fp8_1x128");
    CHECK_REL(rg_tensor_bytes(&nu, RG_TC_WEIGHTS, 4096, 4096), (8.0 + 32.0 / 16384.0) / 8.0, 1e-12);
    CHECK_REL(rg_tensor_bytes(&nu, RG_TC_ACTIVATIONS, 8192, 4096), 8.25 / 8.0, 1e-12);
    set(&nu, RG_TC_WEIGHTS, "nvfp4_1x16");
    CHECK_REL(8.0 * rg_tensor_bytes(&nu, RG_TC_WEIGHTS, 4096, 4096), 4.5 + 32.0 / (4096.0 * 4096.0), 1e-12);
    set(&nu, RG_TC_WEIGHTS, "mxfp4_1x32");
    CHECK_REL(8.0 * rg_tensor_bytes(&nu, RG_TC_WEIGHTS, 4096, 4096), 4.25, 1e-12);
    set(&nu, RG_TC_ACTIVATIONS, "mxfp8_1x32");
    CHECK_REL(8.0 * rg_tensor_bytes(&nu, RG_TC_ACTIVATIONS, 4096, 4096), 8.25, 1e-12);
    /* the kv cache untouched */
    CHECK_REL(rg_tensor_bytes(&nu, RG_TC_KV, 4096, 1024), 2.0, 1e-15);
}

static void check_math(void) {
    rg_numerics nu;
    memset(&nu, 0, sizeof nu);
    nu.weights = nu.activations = nu.kv_cache = nu.math = rg_format_find("bf16");
    set(&nu, RG_TC_WEIGHTS, "nvfp4_1x16");
    CHECK_EQ_INT(rg_numerics_math(&nu), RG_MATH_BF16); /* weight-only: dequantized to bf16 */
    set(&nu, RG_TC_ACTIVATIONS, "fp8_1x128");
    CHECK_EQ_INT(rg_numerics_math(&nu), RG_MATH_FP8); /* fp8 x fp4 at the fp8 rate */
    set(&nu, RG_TC_ACTIVATIONS, "nvfp4_4over6");
    CHECK_EQ_INT(rg_numerics_math(&nu), RG_MATH_FP4);
    set(&nu, RG_TC_WEIGHTS, "quarot_int4");
    set(&nu, RG_TC_ACTIVATIONS, "quarot_int4");
    CHECK_EQ_INT(rg_numerics_math(&nu), RG_MATH_INT4);
}

static void check_passes(void) {
    double av[RG_A_COUNT];
    uint8_t used[RG_A_COUNT];
    memset(av, 0, sizeof av);
    memset(used, 0, sizeof used);
    av[RG_A_RECIPE_SOURCE_BYTES] = 2.0;
    av[RG_A_RECIPE_AMAX_PASS] = 1.0;
    av[RG_A_RECIPE_ROTATION_FUSED] = 0.0;
    av[RG_A_FOUR_OVER_SIX_FLOPS] = 6.0;
    rg_recipe r;
    rg_recipe_passes p;
    memset(&p, 0, sizeof p);
    CHECK_EQ_INT(rg_recipe_parse("fp8_1x128", &r, "r", NULL), 0);
    rg_recipe_passes_add(&r, 1000.0, av, used, &p); /* no tensor scale, no rotation: nothing */
    CHECK(p.amax_bytes == 0.0 && p.fos_flops == 0.0 && p.rotate_flops == 0.0 && !used[RG_A_RECIPE_AMAX_PASS]);
    CHECK_EQ_INT(rg_recipe_parse("nvfp4_4over6", &r, "r", NULL), 0);
    rg_recipe_passes_add(&r, 1000.0, av, used, &p);
    CHECK_REL(p.amax_bytes, 2000.0, 1e-15); /* one bf16 read for the tensor amax */
    CHECK_REL(p.fos_flops, 6000.0, 1e-15);
    CHECK(used[RG_A_RECIPE_AMAX_PASS] && used[RG_A_FOUR_OVER_SIX_FLOPS]);
    memset(&p, 0, sizeof p);
    CHECK_EQ_INT(rg_recipe_parse("nvfp4_rht16", &r, "r", NULL), 0);
    rg_recipe_passes_add(&r, 1000.0, av, used, &p);
    CHECK_REL(p.rotate_flops, 4000.0, 1e-15); /* log2(16) additions per element */
    CHECK_REL(p.rotate_bytes, 4000.0, 1e-15); /* separate kernel: bf16 read + write */
    CHECK(p.fos_flops == 0.0 && used[RG_A_RECIPE_ROTATION_FUSED]);
    av[RG_A_RECIPE_ROTATION_FUSED] = 1.0;
    av[RG_A_RECIPE_AMAX_PASS] = 0.0;
    memset(&p, 0, sizeof p);
    rg_recipe_passes_add(&r, 1000.0, av, used, &p);
    CHECK(p.rotate_bytes == 0.0 && p.amax_bytes == 0.0 && p.rotate_flops == 4000.0);
}

static const rg_op *find_op(const rg_result *r, const char *name) {
    for (int i = 0; i < r->n_ops; i++)
        if (strcmp(r->ops[i].name, name) == 0)
            return &r->ops[i];
    return NULL;
}

/* Whole evaluations: FP8 recipes on an FP8 chip run at its FP8 rate and
 * charge the recipes' bytes; NVFP4 with four over six adds its passes and
 * lists their assumptions. */
static void check_evaluate(void) {
    rg_spec s = fx_spec(fx_llama3_8b(), RG_PHASE_PREFILL, 4, 2048);
    s.hw.matrix_flops[RG_MATH_FP8] = 2.0 * s.hw.matrix_flops[RG_MATH_BF16];
    s.hw.matrix_flops[RG_MATH_FP4] = 4.0 * s.hw.matrix_flops[RG_MATH_BF16];
    s.assumptions.v[RG_A_RECIPE_SOURCE_BYTES] = 2.0;
    s.assumptions.v[RG_A_RECIPE_AMAX_PASS] = 1.0;
    s.assumptions.v[RG_A_FOUR_OVER_SIX_FLOPS] = 6.0;
    rg_err err = {0};
    CHECK_EQ_INT(rg_evaluate(&s, &res, &err), 0);
    double t_bf16 = res.time_s, b_bf16 = res.bytes;
    CHECK(find_op(&res, "recipe.amax") == NULL);
    set(&s.numerics, RG_TC_WEIGHTS, "fp8_128x128");
    set(&s.numerics, RG_TC_ACTIVATIONS, "fp8_1x128");
    CHECK_EQ_INT(rg_evaluate(&s, &res, &err), 0);
    CHECK(res.time_s < t_bf16 && res.bytes < 0.6 * b_bf16 && res.bytes > 0.45 * b_bf16);
    CHECK(find_op(&res, "recipe.amax") == NULL && !res.used[RG_A_RECIPE_AMAX_PASS]);
    set(&s.numerics, RG_TC_WEIGHTS, "nvfp4_16x16_4over6");
    set(&s.numerics, RG_TC_ACTIVATIONS, "nvfp4_4over6");
    CHECK_EQ_INT(rg_evaluate(&s, &res, &err), 0);
    const rg_op *amax = find_op(&res, "recipe.amax"), *fos = find_op(&res, "recipe.four_over_six");
    CHECK(amax && fos);
    if (amax && fos) {
        CHECK_REL(amax->bytes, 2.0 * amax->flops, 1e-12); /* bf16 read, one op per element */
        CHECK_REL(fos->flops, 6.0 * amax->flops, 1e-12);
    }
    CHECK(res.used[RG_A_RECIPE_AMAX_PASS] && res.used[RG_A_FOUR_OVER_SIX_FLOPS]);
    /* an A100 has no fp4 unit: the recipes' class is refused, naming them */
    s.hw.matrix_flops[RG_MATH_FP4] = 0.0;
    CHECK(rg_evaluate(&s, &res, &err) < 0);
    CHECK_STR(err.field, "numerics.recipes");
}

int main(void) {
    check_bytes();
    check_math();
    check_passes();
    check_evaluate();
    return tu_status("test_recipe_cost");
}
