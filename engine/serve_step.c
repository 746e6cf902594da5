/* serve_step.c: the step model of a "phase": "serve" run and the run itself
 * (rg_serve_evaluate, see serve.h): per pool, the instance's inference spec,
 * its KV capacity from the memory model, and every step priced by the
 * roofline for its exact mix, the token-dependent part cached. */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "energy.h"
#include "evaluate.h"
#include "formats.h"
#include "model.h"
#include "result.h"
#include "rng.h"
#include "serve.h"
#include "spec.h"

#define FIELD_ERR(code, field, ...) rg_err_set(err, code, field, __VA_ARGS__)

/* Step time = the token-dependent part (every op but the attention core, and
 * the collectives), evaluated once per (prefill tokens, decode tokens, LM-head
 * rows) and cached, + the attention core of the exact mix, priced per step
 * with the roofline's own rates (rg_evaluate_core_ctx: the sum is exactly
 * rg_evaluate_mix of the whole mix) + serve_step_overhead. For models
 * without MLA the split of tokens between prefill and decode does not change
 * the linear ops, so the key folds them into one count. */
typedef struct cache_ent {
    int64_t k[4];
    double t, e; /* time, dynamic energy of the instance's chips (J) */
    int pool;
    bool used;
} cache_ent;

typedef struct step_model {
    rg_spec spec[2];
    rg_core_ctx core[2];
    double ep;
    bool mla;
    bool ssm; /* Mamba layers: the token part depends on the sequences too (their states) */
    double overhead, draft_cost;
    cache_ent *tab;
    size_t cap, n;
    rg_result *scratch;
    int64_t evals;
    double dyn_j;              /* dynamic energy of every step run so far, all chips */
    double static_w;           /* one chip's static power */
    double inst_chips[2];      /* chips of one instance per pool */
    rg_silicon_result silicon; /* the chips' matrix units (energy per MAC) */
    uint8_t used[RG_A_COUNT];
} step_model;

static uint64_t key_hash(const int64_t k[4], int pool) {
    uint64_t h = rg_rng_mix64((uint64_t)k[0] * 0x9E3779B97F4A7C15ull ^ (uint64_t)pool);
    h = rg_rng_mix64(h ^ (uint64_t)k[1]);
    h = rg_rng_mix64(h ^ (uint64_t)k[2]);
    return rg_rng_mix64(h ^ (uint64_t)k[3]);
}

static int cache_grow(step_model *m, rg_err *err) {
    size_t cap = m->cap ? m->cap * 2 : 4096;
    cache_ent *t = calloc(cap, sizeof *t);
    if (!t)
        return FIELD_ERR(RG_ENOMEM, "serving", "out of memory for the step cache");
    for (size_t i = 0; i < m->cap; i++)
        if (m->tab[i].used) {
            size_t j = key_hash(m->tab[i].k, m->tab[i].pool) & (cap - 1);
            while (t[j].used)
                j = (j + 1) & (cap - 1);
            t[j] = m->tab[i];
        }
    free(m->tab);
    m->tab = t;
    m->cap = cap;
    return 0;
}

/* The token part of a step of tpf prefill tokens in pf_seqs chunks and tdec
 * decode tokens of dec_seqs sequences with `logits` LM-head rows. Models
 * with Mamba layers key on the split and the sequences too (a chunk's scan
 * and a decode's state traffic differ); dec_seqs follows from tdec. */
static int base_time(step_model *m, int pool, int64_t tpf, int64_t pf_seqs, int64_t tdec, int64_t dec_seqs,
                     int64_t logits, double *t, double *ej, rg_err *err) {
    bool split = m->mla || m->ssm;
    int64_t k[4] = {split ? tpf : tpf + tdec, split ? tdec : 0, logits, m->ssm ? pf_seqs : 0};
    if (2 * (m->n + 1) > m->cap) {
        int rc = cache_grow(m, err);
        if (rc)
            return rc;
    }
    size_t j = key_hash(k, pool) & (m->cap - 1);
    while (m->tab[j].used) {
        cache_ent *e = &m->tab[j];
        if (e->pool == pool && e->k[0] == k[0] && e->k[1] == k[1] && e->k[2] == k[2] && e->k[3] == k[3]) {
            *t = e->t;
            *ej = e->e;
            return 0;
        }
        j = (j + 1) & (m->cap - 1);
    }
    rg_mix mx;
    memset(&mx, 0, sizeof mx);
    mx.prefill.q = (double)k[0] / m->ep;
    mx.decode.q = (double)k[1] / m->ep;
    mx.logits = (double)k[2] / m->ep;
    if (m->ssm) {
        mx.prefill.seqs = (double)pf_seqs / m->ep;
        mx.decode.seqs = (double)dec_seqs / m->ep;
    }
    mx.skip_core = true;
    int rc = rg_evaluate_mix(&m->spec[pool], &mx, m->scratch, RG_EVAL_NO_OPS, err);
    if (rc)
        return rc;
    m->evals++;
    if (m->evals == 1) {
        for (int i = 0; i < RG_A_COUNT; i++)
            m->used[i] |= m->scratch->used[i];
        m->silicon = m->scratch->silicon;
        m->static_w = m->scratch->energy.static_power_w;
    }
    cache_ent *e = &m->tab[j];
    e->used = true;
    e->pool = pool;
    memcpy(e->k, k, sizeof e->k);
    e->t = m->scratch->time_s;
    e->e = m->scratch->energy.energy_j - m->scratch->energy.part_j[RG_EPART_STATIC];
    m->n++;
    *t = e->t;
    *ej = e->e;
    return 0;
}

/* Time of a mix's attention core on its instance, and its dynamic energy on
 * the instance's chips in *ej (the energy model's own parts for its matrix
 * FLOPs and memory bytes: each chip runs the core of its layers). */
static double core_time(const step_model *m, int pool, const rg_mix *mx, double *ej) {
    const rg_core_ctx *c = &m->core[pool];
    const rg_spec *sp = &m->spec[pool];
    rg_core_op ops[RG_CORE_OPS_MAX];
    double sum = 0.0, mflops = 0.0, bytes = 0.0;
    /* full-attention layers see every key, sliding-window layers the window */
    const rg_mix_part *parts[4] = {&mx->prefill, &mx->decode, &mx->wprefill, &mx->wdecode};
    double layers[2] = {c->layers, c->local_layers};
    for (int j = 0; j < 4; j++) {
        double L = layers[j / 2];
        if (!(L > 0.0))
            continue;
        int n = rg_roofline_mix_core(&m->spec[pool].model, &c->dims, &c->shape, parts[j], j % 2 == 1, ops);
        for (int i = 0; i < n; i++) {
            double cs, ms, ts;
            rg_bound b;
            rg_roofline_time(&c->roof, ops[i].matmul, ops[i].flops, ops[i].bytes, 1.0, &cs, &ms, &ts, &b);
            sum += L * ts;
            mflops += ops[i].matmul ? L * ops[i].flops : 0.0;
            bytes += L * ops[i].bytes;
        }
    }
    rg_energy_in in = {.matrix_flops = mflops,
                       .bytes = bytes,
                       .chips = m->inst_chips[pool],
                       .peak = c->roof.mm_peak,
                       .tdp_w = sp->hw.tdp_w,
                       .math_bytes = rg_format_bytes(sp->numerics.math),
                       .silicon = &m->silicon};
    rg_energy en;
    uint8_t used[RG_A_COUNT];
    rg_energy_compute(&in, &sp->assumptions, &en, used); /* time 0: no static part */
    *ej = en.energy_j;
    return c->pp * sum;
}

/* The mix of one device of an instance: the step's sequences spread over
 * its ep ranks (attention data-parallel, experts sharded over the same chips). */
static void step_mix(const step_model *m, const rg_serve_step *st, rg_mix *mx) {
    double ep = m->ep, q = (double)st->decode_q;
    memset(mx, 0, sizeof *mx);
    mx->prefill.seqs = (double)st->prefill_seqs / ep;
    mx->prefill.q = (double)st->prefill_tokens / ep;
    mx->prefill.pairs = st->prefill_pairs / ep;
    mx->prefill.full = st->prefill_full / ep;
    mx->prefill.cached = (double)st->prefill_cached / ep;
    mx->decode.seqs = (double)st->decode_seqs / ep;
    mx->decode.q = (double)st->decode_seqs * q / ep;
    mx->decode.cached = (double)st->decode_ctx / ep;
    mx->decode.pairs = q * (double)st->decode_ctx / ep;
    mx->decode.full = mx->decode.pairs;
    mx->logits = (double)(st->prefill_logits + st->decode_seqs * st->decode_q) / ep;
    mx->wprefill = mx->prefill;
    mx->wprefill.pairs = st->prefill_pairs_w / ep;
    mx->wprefill.cached = (double)st->prefill_cached_w / ep;
    mx->wdecode = mx->decode;
    mx->wdecode.cached = (double)st->decode_ctx_w / ep;
    mx->wdecode.pairs = mx->wdecode.full = q * (double)st->decode_ctx_w / ep;
}

static int roofline_step(void *ctx, const rg_serve_step *st, double *t_s, rg_err *err) {
    step_model *m = ctx;
    rg_mix mx;
    double base = 0.0, eb = 0.0, ec = 0.0;
    step_mix(m, st, &mx);
    int64_t tdec = st->decode_seqs * st->decode_q;
    int rc = base_time(m, st->pool, st->prefill_tokens, st->prefill_seqs, tdec, st->decode_seqs,
                       st->prefill_logits + tdec, &base, &eb, err);
    if (rc)
        return rc;
    double t = base + core_time(m, st->pool, &mx, &ec) + m->overhead;
    m->dyn_j += eb + ec;
    if (st->spec_draft_tokens > 0) { /* k draft passes over the decode sequences, one token each */
        rg_mix d1;
        memset(&d1, 0, sizeof d1);
        d1.decode = mx.decode;
        d1.decode.q = d1.decode.seqs;
        d1.decode.pairs = d1.decode.full = d1.decode.cached;
        d1.wdecode = mx.wdecode;
        d1.wdecode.q = d1.wdecode.seqs;
        d1.wdecode.pairs = d1.wdecode.full = d1.wdecode.cached;
        double b1 = 0.0, e1 = 0.0, c1 = 0.0;
        rc = base_time(m, st->pool, 0, 0, st->decode_seqs, st->decode_seqs, st->decode_seqs, &b1, &e1, err);
        if (rc)
            return rc;
        double k = (double)st->spec_draft_tokens * m->draft_cost;
        t += k * (b1 + core_time(m, st->pool, &d1, &c1));
        m->dyn_j += k * (e1 + c1);
    }
    *t_s = t;
    return 0;
}

/* The paged cache of one instance of pool spec `ps`, from the memory
 * model's decode cache at two contexts: per device, the bytes a token adds
 * in full-attention layers (`full`) and in sliding-window layers while
 * inside the window (`win`), and the recurrent state of one sequence
 * (`state`, Mamba layers). */
typedef struct kv_kinds {
    double full, win, state;
    int64_t window;
} kv_kinds;

static int kv_probe(const rg_spec *ps, int64_t ctx, rg_result *tmp, uint8_t *used, rg_err *err) {
    rg_spec s = *ps;
    s.phase = RG_PHASE_DECODE;
    s.seq_len = ctx;
    int rc = rg_evaluate_ex(&s, tmp, RG_EVAL_NO_OPS, err);
    for (int i = 0; rc == 0 && i < RG_A_COUNT; i++)
        used[i] |= tmp->used[i];
    return rc;
}

/* Memory of one instance of pool spec `ps`: the cache's layer kinds on one
 * device (kv_kinds) and the blocks the memory model leaves after weights,
 * the largest step's activations and the reserve. A block is B tokens of
 * every layer that keeps tokens (or one sequence's state when no layer
 * does); env's shares say how a request's tokens fill blocks. */
static int kv_capacity(const rg_spec *ps, int64_t max_tokens, int64_t block, rg_result *tmp, kv_kinds *kk,
                       int64_t *blocks, rg_memory *mem, uint8_t *used, rg_err *err) {
    rg_spec s = *ps;
    rg_model_dims dm;
    rg_model_derive(&ps->model, &dm);
    /* a window longer than any serving context is no window */
    int64_t W = dm.local_layers > 0 && dm.window <= (1 << 22) ? dm.window : 0;
    int64_t probe = W > 0 ? W : 1024;
    int rc = kv_probe(ps, probe, tmp, used, err);
    if (rc)
        return rc;
    *mem = tmp->memory;
    memset(kk, 0, sizeof *kk);
    kk->window = W;
    kk->state = tmp->memory.ssm_state_bytes;
    double at_probe = (tmp->memory.kv_cache_bytes - kk->state) / (double)probe; /* full + win */
    kk->full = at_probe;
    if (W > 0) { /* past the window only the full-attention layers grow */
        if ((rc = kv_probe(ps, 2 * W, tmp, used, err)))
            return rc;
        kk->full = (tmp->memory.kv_cache_bytes - mem->kv_cache_bytes) / (double)W;
        kk->win = at_probe - kk->full;
        if (kk->win < 0.0)
            kk->win = 0.0;
    }
    s.phase = RG_PHASE_PREFILL;
    s.seq_len = max_tokens;
    rc = rg_evaluate_ex(&s, tmp, RG_EVAL_NO_OPS, err);
    if (rc)
        return rc;
    double act = tmp->memory.activations_bytes;
    double free_b = mem->capacity_bytes - mem->weights_bytes - mem->other_bytes - act;
    if (free_b > 0.0) /* the runtime keeps the rest of the free memory */
        free_b *= ps->assumptions.v[RG_A_KV_CACHE_MEM_FRACTION];
    used[RG_A_KV_CACHE_MEM_FRACTION] = 1;
    double per_block = kk->full + kk->win > 0.0 ? (double)block * (kk->full + kk->win) : kk->state;
    double dev = per_block > 0.0 && free_b > 0.0 ? floor(free_b / per_block) : 0.0;
    if (dev > 1e12)
        dev = 1e12;
    *blocks = (int64_t)dev * ps->par.ep;
    mem->activations_bytes = act;
    mem->kv_cache_bytes = dev * per_block;
    mem->per_device_bytes = mem->weights_bytes + act + mem->kv_cache_bytes + mem->other_bytes;
    mem->fits = dev >= 1.0;
    mem->shortfall_bytes = mem->fits ? 0.0 : -free_b;
    return 0;
}

int rg_serve_evaluate(const rg_spec *spec, rg_result *out, unsigned flags, rg_err *err) {
    (void)flags;
    int rc = 0;
    step_model *m = NULL;
    rg_result *tmp = NULL;
    if (!spec || !out)
        return FIELD_ERR(RG_EINVAL, "", "no spec or result storage");
    if ((rc = rg_spec_validate(spec, err)))
        return rc;
    rg_serving cfg = spec->serving;
    rg_serve_normalize(&cfg);
    const rg_serving *c = &cfg;
    const double *av = spec->assumptions.v;
    if (spec->par.cp != 1)
        return FIELD_ERR(RG_EUNSUPPORTED, "parallelism.cp", "context parallelism is not modelled in serving");
    if (av[RG_A_KV_BLOCK_TOKENS] < 1.0 || av[RG_A_KV_BLOCK_TOKENS] > 1e6)
        return FIELD_ERR(RG_ERANGE, "assumptions.kv_block_tokens", "must be in 1..1e6");
    if (c->preemption == RG_PREEMPT_SWAP && !(av[RG_A_HOST_LINK_BW] > 0.0))
        return FIELD_ERR(RG_ERANGE, "assumptions.host_link_bw", "must be > 0 for swap preemption");
    m = calloc(1, sizeof *m);
    tmp = malloc(sizeof *tmp);
    if (!m || !tmp) {
        rc = FIELD_ERR(RG_ENOMEM, "serving", "out of memory");
        goto out;
    }
    int pools = c->disaggregated ? 2 : 1;
    const rg_parallel *par = &spec->par;
    int64_t per_inst = par->pp * par->ep;
    int64_t chips = c->disaggregated ? (c->prefill_pool.instances * c->prefill_pool.tp +
                                        c->decode_pool.instances * c->decode_pool.tp) *
                                           per_inst
                                     : per_inst * par->tp * par->dp;
    if (c->disaggregated && spec->chips > 0 && chips > spec->chips) {
        rc = FIELD_ERR(
            RG_ERANGE, "serving.disaggregated",
            "the pools need %lld chips ((prefill instances x tp + decode instances x tp) x pp x ep) "
            "but chips is %lld",
            (long long)chips, (long long)spec->chips);
        goto out;
    }
    rg_serve_env env;
    memset(&env, 0, sizeof env);
    env.block_tokens = (int64_t)av[RG_A_KV_BLOCK_TOKENS];
    env.chips = chips;
    m->ep = (double)par->ep;
    m->mla = spec->model.mla.enabled;
    m->overhead = av[RG_A_SERVE_STEP_OVERHEAD];
    m->draft_cost = c->spec_draft_cost;
    m->scratch = tmp;
    m->used[RG_A_KV_BLOCK_TOKENS] = m->used[RG_A_SERVE_STEP_OVERHEAD] = 1;
    rg_memory mem0;
    memset(&mem0, 0, sizeof mem0);
    double kv_tok = 0.0;
    for (int p = 0; p < pools; p++) {
        rg_spec *ps = &m->spec[p];
        *ps = *spec;
        ps->phase = RG_PHASE_DECODE;
        ps->batch = par->ep;
        ps->seq_len = 1;
        ps->par.dp = 1;
        ps->chips = 0;
        if (c->disaggregated)
            ps->par.tp = p == 0 ? c->prefill_pool.tp : c->decode_pool.tp;
        /* pipeline parallelism: pp virtual engines per instance, one stage
         * apart, each with its own batch and 1/pp of the KV blocks (vLLM's
         * virtual engines); a step is the batch's trip through every stage */
        env.instances[p] =
            (c->disaggregated ? (p == 0 ? c->prefill_pool.instances : c->decode_pool.instances) : par->dp) *
            par->pp;
        if ((rc = rg_evaluate_core_ctx(ps, &m->core[p], err)))
            goto out;
        m->ssm = m->core[p].dims.ssm_layers > 0;
        m->inst_chips[p] = (double)(ps->par.tp * ps->par.pp * ps->par.ep);
        rg_memory mem;
        kv_kinds kk;
        if ((rc = kv_capacity(ps, c->max_tokens_per_step, env.block_tokens, tmp, &kk, &env.kv_blocks[p], &mem,
                              m->used, err)))
            goto out;
        env.kv_blocks[p] /= par->pp;
        if (env.kv_blocks[p] < 1) {
            rc = FIELD_ERR(RG_ERANGE, c->disaggregated ? "serving.disaggregated" : "parallelism",
                           "the weights (%.4g GB per device) and a %lld-token step leave no memory for a KV "
                           "cache in %.4g GB: use more tensor or pipeline parallelism",
                           mem.weights_bytes / 1e9, (long long)c->max_tokens_per_step,
                           mem.capacity_bytes / 1e9);
            goto out;
        }
        if (p == pools - 1)
            mem0 = mem;
        if (p == 0) { /* whole model: one device's share x the ranks that split it */
            double ranks = (double)ps->par.tp * (double)par->pp, grow = kk.full + kk.win;
            kv_tok = grow * (double)ps->par.tp * (double)par->pp;
            env.window = kk.window;
            if (kk.window > 0 || kk.state > 0.0) { /* layer kinds: blocks per request by kind */
                double unit = grow > 0.0 ? (double)env.block_tokens * grow : kk.state;
                env.full_share = grow > 0.0 ? kk.full / grow : 0.0;
                env.window_share = grow > 0.0 ? kk.win / grow : 0.0;
                env.state_blocks = kk.state / unit;
                env.block_bytes = unit * ranks;
            }
        }
    }
    env.kv_bytes_per_token = kv_tok;
    env.swap_bw = av[RG_A_HOST_LINK_BW] * (double)m->spec[0].par.tp;
    if (c->preemption == RG_PREEMPT_SWAP)
        m->used[RG_A_HOST_LINK_BW] = 1;
    if (c->disaggregated) {
        const rg_system *sy = &spec->system;
        int64_t ranks = c->prefill_pool.tp < c->decode_pool.tp ? c->prefill_pool.tp : c->decode_pool.tp;
        double bw =
            c->kv_link ? sy->scaleup_bw * av[RG_A_SCALEUP_EFF] : sy->scaleout_bw * av[RG_A_SCALEOUT_EFF];
        if (!spec->has_system || !(bw > 0.0)) {
            rc = FIELD_ERR(RG_EMISSING, "system",
                           "disaggregated serving moves the KV cache over the system's network");
            goto out;
        }
        env.transfer_bw = bw * (double)ranks * (double)par->pp;
        env.transfer_latency = c->kv_link ? sy->scaleup_latency : sy->scaleout_latency;
        m->used[c->kv_link ? RG_A_SCALEUP_EFF : RG_A_SCALEOUT_EFF] = 1;
    }
    env.step = roofline_step;
    env.ctx = m;
    rg_serving_result *sr = malloc(sizeof *sr);
    if (!sr) {
        rc = FIELD_ERR(RG_ENOMEM, "serving", "out of memory");
        goto out;
    }
    rc = rg_serve_simulate(c, &env, sr, err);
    if (rc == 0) {
        sr->step_model_evals = m->evals;
        memset(out, 0, offsetof(rg_result, ops));
        out->n_ops = 0;
        out->serving = *sr;
        out->time_s = sr->duration_s;
        out->tokens_per_s = sr->output_tokens_per_s;
        out->tokens_per_s_per_chip = sr->output_tokens_per_s_per_chip;
        out->latency_per_token_s = sr->tpot_s.mean;
        out->chips = chips;
        out->memory = mem0;
        /* energy: every step's dynamic energy + every chip's static power
         * over the run; per output token and per request */
        double out_tok = sr->output_tokens_per_s * sr->duration_s;
        out->energy.part_j[RG_EPART_STATIC] = (double)chips * m->static_w * sr->duration_s;
        out->energy.energy_j = m->dyn_j + out->energy.part_j[RG_EPART_STATIC];
        out->energy.static_power_w = m->static_w;
        out->energy.energy_per_token_j = out_tok > 0.0 ? out->energy.energy_j / out_tok : 0.0;
        out->energy.avg_power_w =
            sr->duration_s > 0.0 ? out->energy.energy_j / sr->duration_s / (double)chips : 0.0;
        out->serving.energy_j = out->energy.energy_j;
        out->serving.energy_per_output_token_j = out->energy.energy_per_token_j;
        out->serving.energy_per_request_j =
            sr->requests > 0 ? out->energy.energy_j / (double)sr->requests : 0.0;
        rg_model_params(&spec->model, &out->params, &out->active_params);
        memcpy(out->used, m->used, sizeof out->used);
    }
    free(sr);
out:
    if (m)
        free(m->tab);
    free(m);
    free(tmp);
    return rc;
}
