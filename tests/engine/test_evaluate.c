/* test_evaluate.c: validation errors name their field, unsupported math
 * classes are refused, the assumption list is sound, pipeline bubble and
 * tensor-parallel communication match their closed forms, and evaluation is
 * fast. */
#include <stdlib.h>
#include <time.h>

#include "../testutil.h"
#include "collectives.h"
#include "fixtures.h"

static rg_result res;

static void expect_err(const rg_spec *s, int code, const char *field) {
    rg_err e = {0};
    int rc = rg_evaluate(s, &res, &e);
    CHECK_EQ_INT(rc, code);
    CHECK_STR(e.field, field);
    if (rc != code)
        fprintf(stderr, "  (message: %s)\n", e.msg);
}

static void test_assumption_names(void) {
    for (int i = 0; i < RG_A_COUNT; i++) {
        CHECK(strlen(rg_assumption_name(i)) > 0);
        CHECK_EQ_INT(rg_assumption_find(rg_assumption_name(i)), i); /* unique: finds itself first */
        for (int j = i + 1; j < RG_A_COUNT; j++)
            CHECK_MSG(strcmp(rg_assumption_name(i), rg_assumption_name(j)) != 0, "duplicate %s",
                      rg_assumption_name(i));
    }
    CHECK_EQ_INT(rg_assumption_find("no_such_assumption"), RG_EUNKNOWN);

    /* data/assumptions.json holds exactly one entry per name in the list */
    char path[512], *text = NULL;
    snprintf(path, sizeof path, "%s/data/assumptions.json", RIDGE_SOURCE_DIR);
    FILE *f = fopen(path, "rb");
    CHECK_MSG(f != NULL, "cannot open %s", path);
    if (!f)
        return;
    text = calloc(1, 1 << 20);
    size_t n = text ? fread(text, 1, (1 << 20) - 1, f) : 0;
    fclose(f);
    CHECK(n > 0);
    int entries = 0;
    for (const char *p = text; p && (p = strstr(p, "\"name\":")) != NULL; p++)
        entries++;
    CHECK_EQ_INT(entries, RG_A_COUNT);
    for (int i = 0; i < RG_A_COUNT && text; i++) {
        char key[128];
        snprintf(key, sizeof key, "\"name\": \"%s\"", rg_assumption_name(i));
        const char *first = strstr(text, key);
        CHECK_MSG(first != NULL, "%s missing from data/assumptions.json", rg_assumption_name(i));
        CHECK_MSG(!first || !strstr(first + 1, key), "%s listed twice", rg_assumption_name(i));
    }
    free(text);
}

static void test_errors(void) {
    rg_spec s = fx_spec(fx_llama3_8b(), RG_PHASE_TRAIN, 64, 2048);
    s.par.dp = 4;
    s.par.microbatch = 3;
    expect_err(&s, RG_EINVAL, "parallelism.microbatch");
    s.par.microbatch = 2;
    s.par.tp = 3;
    expect_err(&s, RG_EINVAL, "parallelism.tp");
    s.par.tp = 1;
    s.chips = 5;
    expect_err(&s, RG_EINVAL, "chips");
    s.chips = 0;
    s.model.d_model = 0;
    expect_err(&s, RG_ERANGE, "model.d_model");
    s = fx_spec(fx_llama3_8b(), RG_PHASE_TRAIN, 64, 2048);
    s.assumptions.set[RG_A_DP_OVERLAP] = 0;
    expect_err(&s, RG_EMISSING, "assumptions");
    s.assumptions.set[RG_A_DP_OVERLAP] = 1;
    s.assumptions.v[RG_A_MATMUL_EFF] = 1.5;
    expect_err(&s, RG_ERANGE, "assumptions");
    s = fx_spec(fx_llama3_8b(), RG_PHASE_TRAIN, 64, 2048);
    s.par.ep = 2;
    expect_err(&s, RG_EINVAL, "parallelism.ep");
    s.par.ep = 1;
    s.par.dp = 2;
    s.has_system = false;
    expect_err(&s, RG_EMISSING, "system");
    /* A100 has no fp8 matrix unit */
    s = fx_spec(fx_llama3_8b(), RG_PHASE_DECODE, 1, 128);
    s.numerics.math = rg_format_find("fp8_e4m3");
    rg_err e = {0};
    CHECK_EQ_INT(rg_evaluate(&s, &res, &e), RG_EUNSUPPORTED);
    CHECK_STR(e.field, "numerics.math");
    CHECK(strstr(e.msg, "a100-sxm-80gb has no fp8 matrix unit") != NULL);
    /* on a chip that has one, fp8 weights halve decode time vs bf16 */
    s.hw.matrix_flops[RG_MATH_FP8] = 624e12;
    s.numerics.weights = rg_format_find("fp8_e4m3");
    CHECK_EQ_INT(rg_evaluate(&s, &res, &e), 0);
    double t8 = res.time_s;
    s.numerics.weights = rg_format_find("bf16");
    s.numerics.math = rg_format_find("bf16");
    CHECK_EQ_INT(rg_evaluate(&s, &res, &e), 0);
    CHECK(t8 < 0.6 * res.time_s);
    /* MXFP4 weights: 4.25 bits */
    s.numerics.weights = rg_format_find("mxfp4");
    CHECK_EQ_INT(rg_evaluate(&s, &res, &e), 0);
    CHECK(res.time_s < 0.35 * (t8 / 0.5));
}

/* 1F1B bubble: (pp-1)/(m v) of the ideal time (Narayanan et al. 2021). */
static void test_bubble(void) {
    rg_spec s = fx_spec(fx_llama3_8b(), RG_PHASE_TRAIN, 8, 2048);
    s.par.pp = 4;
    s.par.microbatch = 1;
    rg_err e = {0};
    for (int v = 1; v <= 2; v++) {
        s.par.interleave = v;
        CHECK_EQ_INT(rg_evaluate(&s, &res, &e), 0);
        double opt = 0;
        for (int i = 0; i < res.n_ops; i++)
            if (res.ops[i].pass == RG_PASS_OPTIMIZER)
                opt += res.ops[i].count * res.ops[i].time_s;
        double ideal = res.breakdown.compute_s + res.breakdown.memory_s - opt;
        CHECK_REL(res.breakdown.bubble_s, 3.0 / (8.0 * v) * ideal, 1e-9);
        CHECK(res.used[RG_A_PP_OVERLAP]);
    }
}

/* Tensor parallelism inside one DGX: 2 all-reduces fwd + 2 bwd per layer of
 * b s h activations (Shoeybi et al. 2019, Megatron-LM), on NVLink. */
static void test_tp_comm(void) {
    rg_spec s = fx_spec(fx_llama3_8b(), RG_PHASE_TRAIN, 4, 2048);
    s.par.tp = 8;
    s.par.microbatch = 1;
    rg_err e = {0};
    CHECK_EQ_INT(rg_evaluate(&s, &res, &e), 0);
    rg_link up = {300e9, 5e-6};
    double bytes = 2048.0 * 4096 * 2;
    double one = rg_coll_ring_all_reduce(&up, 8, bytes);
    double tree = rg_coll_tree_all_reduce(&up, 8, bytes);
    one = one < tree ? one : tree;
    CHECK_REL(res.breakdown.comm_s[RG_COMM_ALL_REDUCE], one * 4 * 32 * 4, 1e-9);
    CHECK_REL(res.breakdown.comm_exposed_s[RG_COMM_ALL_REDUCE], one * 4 * 32 * 4, 1e-9);
    s.assumptions.v[RG_A_TP_OVERLAP] = 0.5;
    CHECK_EQ_INT(rg_evaluate(&s, &res, &e), 0);
    CHECK_REL(res.breakdown.comm_exposed_s[RG_COMM_ALL_REDUCE], one * 4 * 32 * 2, 1e-9);
    /* time is the sum of its breakdown */
    double sum =
        res.breakdown.compute_s + res.breakdown.memory_s + res.breakdown.bubble_s + res.breakdown.other_s;
    for (int k = 0; k < RG_COMM_COUNT; k++)
        sum += res.breakdown.comm_exposed_s[k];
    CHECK_REL(res.time_s, sum, 1e-9);
    CHECK(res.mfu > 0 && res.mfu < 1);
    CHECK_EQ_INT(res.chips, 8);
}

/* Sharded training of a MoE with every kind of parallelism evaluates and
 * reports each collective. */
static void test_sharded_moe(void) {
    rg_spec s = fx_spec(fx_mixtral(), RG_PHASE_TRAIN, 256, 4096);
    s.par = (rg_parallel){4, 4, 4, 2, 2, 1, 1, true, RG_RECOMPUTE_SELECTIVE, 1};
    rg_err e = {0};
    CHECK_EQ_INT(rg_evaluate(&s, &res, &e), 0);
    CHECK_EQ_INT(res.chips, 256);
    CHECK(res.breakdown.comm_s[RG_COMM_ALL_TO_ALL] > 0);
    CHECK(res.breakdown.comm_s[RG_COMM_ALL_GATHER] > 0);
    CHECK(res.breakdown.comm_s[RG_COMM_REDUCE_SCATTER] > 0);
    CHECK(res.breakdown.comm_s[RG_COMM_SEND_RECV] > 0);
    CHECK(res.breakdown.bubble_s > 0);
    CHECK(res.memory.per_device_bytes > 0);
    CHECK(res.used[RG_A_EP_OVERLAP] && res.used[RG_A_CP_OVERLAP] && res.used[RG_A_DP_OVERLAP]);
    CHECK(!res.used[RG_A_STEP_OVERHEAD] || s.phase == RG_PHASE_TRAIN);
}

/* Korthikanti et al. 2022 (abstract and Table 3): GPT-3 530B (h 20480, a 128,
 * L 105, s 2048, vocab 51200) on 2240 A100s (t 8, p 35, d 8, global batch
 * 2240, micro-batch 1) reaches 54.2% MFU with sequence parallelism and
 * selective recompute vs 42.1% with full recompute (29% faster). Shipped
 * assumption defaults, DGX-A100 system. */
static void test_korthikanti_530b(void) {
    rg_model m = fx_dense("gpt3-530b", 105, 20480, 128, 128, 4 * 20480, 51200, false, true);
    m.bias = true;
    m.norm = RG_NORM_LAYER;
    m.max_positions = 2048;
    rg_spec s = fx_spec(m, RG_PHASE_TRAIN, 2240, 2048);
    CHECK_EQ_INT(fx_data_defaults(&s.assumptions), 0);
    s.assumptions.v[RG_A_FLASH_ATTENTION] = 0; /* 2022 Megatron: fused softmax */
    s.assumptions.v[RG_A_DROPOUT] = 1;
    s.par = (rg_parallel){8, 35, 8, 1, 1, 1, 1, true, RG_RECOMPUTE_SELECTIVE, 0};
    rg_err e = {0};
    CHECK_EQ_INT(rg_evaluate(&s, &res, &e), 0);
    double sel = res.mfu, t_sel = res.time_s;
    CHECK_REL(sel, 0.542, 0.10);
    CHECK(res.memory.fits);
    s.par.recompute = RG_RECOMPUTE_FULL;
    CHECK_EQ_INT(rg_evaluate(&s, &res, &e), 0);
    CHECK_REL(res.mfu, 0.421, 0.10);
    CHECK_REL(res.time_s / t_sel, 0.542 / 0.421, 0.05);
    printf(
        "530B on 2240 A100: MFU %.1f%% selective+SP (paper 54.2%%), %.1f%% full recompute (paper 42.1%%)\n",
        100 * sel, 100 * res.mfu);
}

/* Llama 3 405B pre-training (Dubey et al. 2024, "The Llama 3 Herd of Models",
 * Table 4): 16,384 H100s, TP 8, CP 1, PP 16, DP 128, sequence 8192, 16
 * sequences per DP rank, interleaved pipeline: 400 TFLOP/s per GPU = 41%
 * BF16 MFU (43% on 8,192 GPUs with DP 64). H100 SXM: 989.4 TFLOP/s
 * dense bf16, 3.35 TB/s, 80 GB (NVIDIA H100 datasheet); DGX H100: NVLink 450
 * GB/s per direction, 8 x 400 Gb/s InfiniBand = 50 GB/s per GPU. */
static void test_llama3_405b_16k(void) {
    rg_spec s = fx_spec(fx_llama3_405b(), RG_PHASE_TRAIN, 2048, 8192);
    CHECK_EQ_INT(fx_data_defaults(&s.assumptions), 0);
    memset(s.hw.matrix_flops, 0, sizeof s.hw.matrix_flops);
    s.hw.matrix_flops[RG_MATH_BF16] = 989.4e12;
    s.hw.vector_flops = 66.9e12;
    s.hw.mem_bw = 3.35e12;
    s.system.scaleup_bw = 450e9;
    s.system.scaleout_bw = 50e9;
    s.par = (rg_parallel){8, 16, 128, 1, 1, 1, 2, true, RG_RECOMPUTE_NONE, 1};
    rg_err e = {0};
    CHECK_EQ_INT(rg_evaluate(&s, &res, &e), 0);
    CHECK_EQ_INT(res.chips, 16384);
    CHECK_REL(res.mfu, 0.41, 0.10);
    printf("Llama 3 405B on 16,384 H100: MFU %.1f%% (paper 41%%)\n", 100 * res.mfu);
}

/* Inference on systems: tensor parallelism cuts decode latency and adds
 * two all-reduces per layer; a pipeline makes a device wait (pp-1) stage
 * times per token. */
static void test_inference_sharded(void) {
    rg_spec s = fx_spec(fx_llama3_70b(), RG_PHASE_DECODE, 8, 4096);
    CHECK_EQ_INT(fx_data_defaults(&s.assumptions), 0);
    rg_err e = {0};
    CHECK_EQ_INT(rg_evaluate(&s, &res, &e), 0);
    double t1 = res.latency_per_token_s;
    CHECK(!res.memory.fits); /* 141 GB of bf16 weights on one 80 GB chip */
    s.par.tp = 8;
    CHECK_EQ_INT(rg_evaluate(&s, &res, &e), 0);
    CHECK(res.memory.fits);
    CHECK(res.latency_per_token_s < t1 / 4);
    CHECK(res.breakdown.comm_s[RG_COMM_ALL_REDUCE] > 0);
    CHECK_REL(res.tokens_per_s_per_chip, 8.0 / res.latency_per_token_s / 8.0, 1e-12);
    s.par.tp = 4;
    s.par.pp = 2;
    CHECK_EQ_INT(rg_evaluate(&s, &res, &e), 0);
    double stage = res.breakdown.compute_s + res.breakdown.memory_s + res.breakdown.other_s +
                   res.breakdown.comm_exposed_s[RG_COMM_ALL_REDUCE];
    CHECK_REL(res.breakdown.bubble_s, stage, 1e-9);
    CHECK(res.breakdown.comm_s[RG_COMM_SEND_RECV] > 0);
    /* prefill: the whole prompt, time to first token */
    s = fx_spec(fx_llama3_8b(), RG_PHASE_PREFILL, 4, 2048);
    CHECK_EQ_INT(fx_data_defaults(&s.assumptions), 0);
    CHECK_EQ_INT(rg_evaluate(&s, &res, &e), 0);
    CHECK_REL(res.tokens_per_s, 4.0 * 2048 / res.time_s, 1e-12);
    CHECK(res.mfu > 0.3 && res.mfu < 0.85);
}

/* Many random valid design points: every output finite and non-negative,
 * the time equal to the sum of its breakdown, memory consistent. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static int64_t pick(const int64_t *v, int n) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return v[rng_state % (uint64_t)n];
}

static void test_random_points(void) {
    rg_model models[] = {fx_llama3_8b(), fx_llama3_70b(), fx_mixtral(), fx_deepseek_v3(), fx_gpt3_175b()};
    static const int64_t deg[] = {1, 2, 4, 8}, ep_deg[] = {1, 2, 8}, seqs[] = {128, 2048, 8192};
    static const int64_t batches[] = {8, 64, 512}, mbs[] = {0, 1, 2, 4};
    const char *fmts[] = {"bf16", "fp8_e4m3", "mxfp4", "nvfp4", "int8"};
    int ok = 0, rejected = 0;
    for (int i = 0; i < 3000; i++) {
        rg_spec s = fx_spec(models[pick((const int64_t[]){0, 1, 2, 3, 4}, 5)],
                            (rg_phase)pick((const int64_t[]){0, 1, 2}, 3), pick(batches, 3), pick(seqs, 3));
        CHECK_EQ_INT(fx_data_defaults(&s.assumptions), 0);
        s.hw.matrix_flops[RG_MATH_FP8] = 624e12; /* an fp8/fp4-capable variant */
        s.hw.matrix_flops[RG_MATH_FP4] = 1248e12;
        s.par.tp = pick(deg, 4);
        s.par.pp = pick(deg, 4);
        s.par.dp = pick(deg, 4);
        s.par.cp = pick(deg, 3);
        s.par.ep = s.model.moe.experts > 0 ? pick(ep_deg, 3) : 1;
        s.par.microbatch = pick(mbs, 4);
        s.par.sequence_parallel = pick(deg, 2) == 2;
        s.par.recompute = (rg_recompute)pick((const int64_t[]){0, 1, 2}, 3);
        s.par.zero = (int)pick((const int64_t[]){0, 1, 2, 3}, 4);
        s.par.interleave = s.par.pp > 1 && s.model.layers % (s.par.pp * 2) == 0 ? pick(deg, 2) : 1;
        s.numerics.weights = rg_format_find(fmts[pick((const int64_t[]){0, 1, 2, 3, 4}, 5)]);
        s.numerics.kv_cache = rg_format_find(fmts[pick((const int64_t[]){0, 1, 4}, 3)]);
        s.assumptions.v[RG_A_FLASH_ATTENTION] = (double)pick(deg, 2) - 1.0;
        rg_err e = {0};
        int rc = rg_evaluate(&s, &res, &e);
        if (rc) {
            rejected++;
            CHECK_MSG(e.field[0] != '\0', "error without a field: %s", e.msg);
            continue;
        }
        ok++;
        const rg_breakdown *b = &res.breakdown;
        double sum = b->compute_s + b->memory_s + b->bubble_s + b->other_s;
        for (int k = 0; k < RG_COMM_COUNT; k++) {
            sum += b->comm_exposed_s[k];
            CHECK(b->comm_exposed_s[k] >= 0 && b->comm_exposed_s[k] <= b->comm_s[k] * (1 + 1e-12));
        }
        CHECK_MSG(isfinite(res.time_s) && res.time_s > 0, "time %g", res.time_s);
        CHECK_MSG(fabs(res.time_s - sum) <= 1e-9 * res.time_s, "time %g != breakdown %g", res.time_s, sum);
        CHECK(isfinite(res.flops) && res.flops > 0 && res.hw_flops >= res.flops * (1 - 1e-12));
        CHECK(res.mfu > 0 && res.mfu < 1);
        CHECK(isfinite(res.memory.per_device_bytes) && res.memory.per_device_bytes > 0);
        CHECK(res.memory.fits == (res.memory.shortfall_bytes == 0));
        CHECK(res.n_ops > 0 && res.n_ops <= RG_MAX_OPS);
        for (int k = 0; k < res.n_ops; k++)
            CHECK(isfinite(res.ops[k].time_s) && res.ops[k].time_s >= 0 && res.ops[k].count > 0);
    }
    printf("random design points: %d evaluated, %d rejected with a named field\n", ok, rejected);
    CHECK(ok > 500);
}

static double bench(rg_spec *s, unsigned flags, const char *what) {
    rg_err e = {0};
    int n = 0;
    clock_t t0 = clock(), t1;
    do {
        for (int i = 0; i < 1000; i++) {
            s->batch = 64 + (i & 1) * 64; /* defeat caching of identical inputs */
            rg_evaluate_ex(s, &res, flags, &e);
        }
        n += 1000;
        t1 = clock();
    } while ((double)(t1 - t0) / CLOCKS_PER_SEC < 0.3);
    double rate = n / ((double)(t1 - t0) / CLOCKS_PER_SEC);
    printf("%-40s %10.0f evaluations/s (CPU time, one core)\n", what, rate);
    return rate;
}

static void test_speed(void) {
    rg_spec s = fx_spec(fx_llama3_70b(), RG_PHASE_DECODE, 64, 4096);
    double r1 = bench(&s, 0, "single device decode, with op rows");
    bench(&s, RG_EVAL_NO_OPS, "single device decode, totals only");
    s = fx_spec(fx_llama3_70b(), RG_PHASE_TRAIN, 64, 4096);
    s.par = (rg_parallel){8, 4, 2, 1, 1, 1, 1, true, RG_RECOMPUTE_SELECTIVE, 1};
    double r2 = bench(&s, 0, "sharded training, with op rows");
    bench(&s, RG_EVAL_NO_OPS, "sharded training, totals only");
    /* loose floor so a loaded machine does not fail the suite */
    CHECK(r1 > 10000);
    CHECK(r2 > 10000);
}

int main(void) {
    test_assumption_names();
    test_errors();
    test_bubble();
    test_tp_comm();
    test_sharded_moe();
    test_korthikanti_530b();
    test_llama3_405b_16k();
    test_inference_sharded();
    test_random_points();
    test_speed();
    return tu_status("test_evaluate");
}
