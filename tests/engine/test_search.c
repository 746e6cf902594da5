/* test_search.c: the strategy search.
 *
 * A tiny case is counted by hand with a scripted evaluator: 4 chips, a
 * 4-layer, 4-head dense model, batch 4, seq_len 8, training, interleave up
 * to 2. The ordered factorisations tp*cp*pp*dp = 4 (ep = 1 for a dense
 * model) are 10 tuples; their inner choices (micro-batch divisors of
 * 4/dp, interleave 2 only for pp = 2, 3 recompute modes, 4 ZeRO stages when
 * dp > 1, sequence parallelism when tp > 1) give
 *   tp4:18 cp4:9 pp4:9 dp4:12 tp2cp2:18 tp2pp2:36 tp2dp2:48 cp2pp2:18
 *   cp2dp2:24 pp2dp2:48  = 240 configurations.
 * The scripted evaluator refuses full recompute with sequence parallelism
 * (20 configurations: 3+3+6+8 in the tp>1 tuples) and reports ZeRO-1 as not
 * fitting (33 configurations with dp > 1, 2 of which were already refused),
 * so 31 do not fit and 189 are feasible. Its time is tp*1000 + cp*100 +
 * pp*10 + dp, minimal (1114) for tp=cp=pp=1, dp=4: the first tuple in the
 * enumeration, so the best are its configurations 0, 2, 3, 4, 6 (the
 * feasible ones in order; 1 and 5 are ZeRO-1). The result must not depend on
 * the thread count. A real evaluation run checks the same on rg_evaluate. */
#include <stdlib.h>
#include <string.h>

#include "evaluate.h"
#include "search.h"
#include "testutil.h"

static int scripted(const rg_spec *s, rg_result *r, void *ctx, rg_err *e) {
    const rg_parallel *p = &s->par;
    (void)ctx;
    if (p->recompute == RG_RECOMPUTE_FULL && p->sequence_parallel)
        return rg_err_set(e, RG_EINVAL, "parallelism", "refused");
    memset(&r->memory, 0, sizeof r->memory);
    r->memory.fits = p->zero != 1;
    r->time_s = (double)(p->tp * 1000 + p->cp * 100 + p->pp * 10 + p->dp);
    r->mfu = 1.0 / r->time_s;
    return 0;
}

static void tiny_spec(rg_spec *s) {
    memset(s, 0, sizeof *s);
    s->model.layers = 4;
    s->model.d_model = 64;
    s->model.heads = 4;
    s->model.ffn_dim = 128;
    s->model.vocab = 100;
    s->phase = RG_PHASE_TRAIN;
    s->batch = 4;
    s->seq_len = 8;
    s->chips = 4;
    s->par.microbatch = 1;
}

static int same(const rg_search_result *a, const rg_search_result *b) {
    if (a->evaluated != b->evaluated || a->feasible != b->feasible || a->no_fit != b->no_fit ||
        a->rejected != b->rejected || a->n_best != b->n_best)
        return 0;
    for (int i = 0; i < a->n_best; i++)
        if (a->best[i].index != b->best[i].index || a->best[i].time_s != b->best[i].time_s ||
            memcmp(&a->best[i].par, &b->best[i].par, sizeof a->best[i].par) != 0)
            return 0;
    return 1;
}

static void test_tiny(void) {
    rg_spec s;
    rg_search_opts o;
    rg_err e = {0};
    rg_search_result *r1 = malloc(sizeof *r1), *r2 = malloc(sizeof *r2);
    CHECK(r1 && r2);
    if (!r1 || !r2)
        goto out;
    tiny_spec(&s);
    rg_search_opts_init(&o);
    o.eval = scripted;
    o.top_n = 5;
    o.max_interleave = 2;
    CHECK_EQ_INT(rg_search_count(&s, &o, &e), 240);
    for (int threads = 1; threads <= 3; threads++) {
        o.threads = threads;
        rg_search_result *r = threads == 1 ? r1 : r2;
        CHECK_EQ_INT(rg_search(&s, &o, r, &e), 0);
        CHECK_EQ_INT(r->evaluated, 240);
        CHECK_EQ_INT(r->rejected, 20);
        CHECK_EQ_INT(r->no_fit, 31);
        CHECK_EQ_INT(r->feasible, 189);
        CHECK_EQ_INT(r->n_best, 5);
        static const int64_t want[5] = {0, 2, 3, 4, 6};
        for (int i = 0; i < 5 && i < r->n_best; i++) {
            CHECK_EQ_INT(r->best[i].index, want[i]);
            CHECK(r->best[i].time_s == 1114);
            CHECK_EQ_INT(r->best[i].par.dp, 4);
            CHECK_EQ_INT(r->best[i].par.tp, 1);
        }
        CHECK_EQ_INT(r->best[0].par.zero, 0);
        CHECK_EQ_INT(r->best[1].par.zero, 2);
        CHECK_EQ_INT(r->best[3].par.recompute, RG_RECOMPUTE_SELECTIVE);
        if (threads > 1)
            CHECK(same(r1, r2));
    }
    /* Ranges of 7 configurations (the last one short), searched on their own
     * and merged, give the whole search: the split a ridged search job uses. */
    {
        rg_search_result *part = malloc(sizeof *part);
        CHECK(part != NULL);
        memset(r2, 0, sizeof *r2);
        for (int64_t first = 0; part && first < 240; first += 7) {
            o.first = first;
            o.count = 7;
            o.threads = 2;
            CHECK_EQ_INT(rg_search(&s, &o, part, &e), 0);
            CHECK_EQ_INT(part->evaluated, first + 7 <= 240 ? 7 : 240 - first);
            rg_search_merge(r2, part, o.top_n);
        }
        CHECK(same(r1, r2));
        o.first = -1;
        CHECK_EQ_INT(rg_search(&s, &o, r2, &e), RG_ERANGE);
        o.first = 0;
        o.count = 0;
        free(part);
    }
    /* Bad inputs. */
    s.chips = 0;
    CHECK_EQ_INT(rg_search(&s, &o, r1, &e), RG_EMISSING);
    CHECK_STR(e.field, "chips");
    s.chips = 4;
    o.top_n = 0;
    CHECK_EQ_INT(rg_search(&s, &o, r1, &e), RG_ERANGE);
    /* A space above the cap is refused before any evaluation. */
    o.top_n = 5;
    o.max_configs = 100;
    CHECK_EQ_INT(rg_search(&s, &o, r1, &e), RG_ETOOBIG);
    CHECK_STR(e.field, "chips");
    CHECK_EQ_INT(rg_search_count(&s, &o, &e), RG_ETOOBIG);
    o.max_configs = RG_SEARCH_MAX_CONFIGS;
    /* Uneven stages: 3 layers on 4 chips allow pp = 2 only when stages may
     * differ (pp = 4 > layers stays out); interleave 2 never fits 3 layers on
     * 2 stages evenly, and needs pp * v <= 3, so it stays out too. */
    o.top_n = 5;
    s.model.layers = 3;
    int64_t even = rg_search_count(&s, &o, &e);
    o.uneven_stages = true;
    int64_t uneven = rg_search_count(&s, &o, &e);
    /* even: the 4 tuples with pp = 1 and tp*cp*dp = 4: tp4 18, cp4 9, dp4 12,
     * tp2cp2 18, tp2dp2 48, cp2dp2 24 = 129; uneven adds pp = 2 without
     * interleave: tp2pp2 18, cp2pp2 9, pp2dp2 24 = 51. */
    CHECK_EQ_INT(even, 129);
    CHECK_EQ_INT(uneven, 180);
    o.uneven_stages = false;
    s.model.layers = 4;
    /* An MoE model adds ep tuples: experts 4 allow ep in {1,2,4}. */
    s.model.moe.experts = 4;
    s.model.moe.top_k = 1;
    CHECK(rg_search_count(&s, &o, &e) > 240);
out:
    free(r1);
    free(r2);
}

/* A real evaluation: a small dense model on 16 chips, 1 vs 2 threads. */
static void test_real(void) {
    rg_spec s;
    rg_search_opts o;
    rg_err e = {0};
    rg_search_result *r1 = malloc(sizeof *r1), *r2 = malloc(sizeof *r2);
    CHECK(r1 && r2);
    if (!r1 || !r2)
        goto out;
    tiny_spec(&s);
    s.model.layers = 8;
    s.model.d_model = 1024;
    s.model.heads = 16;
    s.model.ffn_dim = 4096;
    s.model.vocab = 32000;
    s.batch = 64;
    s.seq_len = 1024;
    s.chips = 16;
    for (int i = 0; i < RG_MATH_COUNT; i++)
        s.hw.matrix_flops[i] = 0;
    s.hw.matrix_flops[RG_MATH_BF16] = 1e15;
    s.hw.matrix_flops[RG_MATH_FP32] = 6e13;
    s.hw.vector_flops = 6e13;
    s.hw.mem_bytes = 1e9; /* small: some layouts must not fit */
    s.hw.mem_bw = 3e12;
    s.hw.sram_bytes = 5e7;
    s.has_system = true;
    s.system.domain_chips = 8;
    s.system.scaleup_bw = 4.5e11;
    s.system.scaleup_latency = 3e-6;
    s.system.scaleout_bw = 5e10;
    s.system.scaleout_latency = 1e-5;
    int bf16 = rg_format_find("bf16"), fp32 = rg_format_find("fp32");
    s.numerics = (rg_numerics){.weights = bf16,
                               .activations = bf16,
                               .kv_cache = bf16,
                               .math = bf16,
                               .grads = bf16,
                               .master = fp32,
                               .optimizer = fp32};
    /* Test-only assumption values (the service loads data/assumptions.json). */
    for (int i = 0; i < RG_A_COUNT; i++) {
        s.assumptions.v[i] = 0.5;
        s.assumptions.set[i] = 1;
    }
    s.assumptions.v[RG_A_MATMUL_HALF_FLOPS] = 1e9;
    s.assumptions.v[RG_A_KERNEL_OVERHEAD] = 2e-6;
    s.assumptions.v[RG_A_STEP_OVERHEAD] = 1e-3;
    s.assumptions.v[RG_A_FLASH_ATTENTION] = 1;
    s.assumptions.v[RG_A_DROPOUT] = 0;
    s.assumptions.v[RG_A_OPTIMIZER_FLOPS] = 12;
    s.assumptions.v[RG_A_MEM_RESERVED] = 0.05;
    s.assumptions.v[RG_A_VOCAB_PAD] = 128;
    rg_search_opts_init(&o);
    o.top_n = 8;
    o.threads = 1;
    CHECK_EQ_INT(rg_search(&s, &o, r1, &e), 0);
    o.threads = 2;
    CHECK_EQ_INT(rg_search(&s, &o, r2, &e), 0);
    CHECK(same(r1, r2));
    CHECK(r1->evaluated == rg_search_count(&s, &o, &e));
    CHECK_MSG(r1->feasible > 0 && r1->no_fit > 0, "feasible %lld no_fit %lld rejected %lld",
              (long long)r1->feasible, (long long)r1->no_fit, (long long)r1->rejected);
    CHECK_EQ_INT(r1->evaluated, r1->feasible + r1->no_fit + r1->rejected);
    for (int i = 0; i < r1->n_best; i++) {
        CHECK(r1->best[i].memory.fits);
        CHECK(r1->best[i].par.tp * r1->best[i].par.pp * r1->best[i].par.dp * r1->best[i].par.cp *
                  r1->best[i].par.ep ==
              16);
        if (i)
            CHECK(r1->best[i - 1].time_s <= r1->best[i].time_s);
    }
    /* The best entry re-evaluates to the same time. */
    if (r1->n_best) {
        rg_result *res = malloc(sizeof *res);
        if (res) {
            rg_spec b = s;
            b.par = r1->best[0].par;
            CHECK_EQ_INT(rg_evaluate(&b, res, &e), 0);
            CHECK(res->time_s == r1->best[0].time_s);
            free(res);
        }
    }
out:
    free(r1);
    free(r2);
}

int main(void) {
    test_tiny();
    test_real();
    return tu_status("test_search");
}
