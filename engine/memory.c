/* memory.c: per-device memory (see memory.h).
 *
 * Activations follow Korthikanti et al. 2022, "Reducing Activation
 * Recomputation in Large Transformer Models", sec. 4. Per layer, with e bytes
 * per activation element and 1-byte dropout masks, the stored tensors are
 * (per token):
 *   kept whole under TP (sharded only with sequence parallelism):
 *     two norm inputs 2 d e, QKV input d e, FFN input d e, two dropout masks 2 d
 *     (= 10 d for e = 2)
 *   sharded over TP: Q and K (q_dim + k_dim) e, V v_dim e, out-projection
 *     input heads*v_head e, activation input (mats-1) f e, activation output
 *     f e   (= 24 d for MHA, f = 4d)
 *   score matrix (no flash attention): softmax output a s_k e, dropout mask
 *     a s_k, dropout output a s_k e  (= 5 a s for e = 2), over TP.
 * Generalisations: GQA shrinks K/V; a gated FFN keeps both up and gate
 * outputs ((mats-1) f); without dropout the masks and dropout output vanish;
 * fused (flash) attention keeps only the fp32 log-sum-exp per head instead of
 * the score matrix; a MoE layer keeps the router input and, per routed copy
 * of a token (top_k), the expert input and activation input/output, plus the
 * shared experts; MLA adds its compressed latents. Selective recompute drops
 * the score terms; full recompute keeps only the layer input (d e, over TP
 * with SP). Context parallelism divides the tokens. */
#include "memory.h"

#include <math.h>

#include "assumptions.h"
#include "formats.h"
#include "recipe_cost.h"

double rg_memory_layer_activations(const rg_model *m, const rg_model_dims *dm, const rg_act_in *in,
                                   bool moe) {
    double t = (double)in->tp, e = in->a_bytes, tokens = in->b * in->s, d = (double)dm->d;
    double mask = in->dropout ? 1.0 : 0.0;
    double rep = in->sp ? 1.0 / t : 1.0; /* share of the un-split tensors held */
    if (in->recompute == RG_RECOMPUTE_FULL)
        return tokens * d * e * rep;
    double whole = 4.0 * d * e + 2.0 * d * mask;
    double split = (double)(dm->q_dim + dm->k_dim + dm->v_dim + dm->attn_out_dim) * e;
    if (m->mla.enabled)
        whole += (double)(m->mla.q_lora_rank + m->mla.kv_lora_rank + m->mla.qk_rope_head_dim) * e;
    if (!moe) {
        split += (double)dm->ffn_mats * (double)dm->ffn_dim * e;
    } else {
        double k = (double)m->moe.top_k, fe = (double)dm->expert_ffn_dim;
        double shared = (double)m->moe.shared_experts;
        whole += k * (double)dm->moe_in * e; /* expert inputs (the latent when there is one) */
        if (m->moe.latent > 0)               /* the latent projections' inputs */
            whole += (d + k * (double)dm->moe_in) * e;
        split += (k + shared) * (double)dm->ffn_mats * fe * e;
    }
    double per_token = whole * rep + split / t;
    double scores = 0.0;
    if (in->flash)
        scores = (double)dm->heads / t * 4.0; /* fp32 log-sum-exp per head */
    else if (in->recompute != RG_RECOMPUTE_SELECTIVE)
        scores = (double)dm->heads / t * in->s_k * (e + mask * (1.0 + e));
    return tokens * (per_token + scores);
}

double rg_memory_ssm_state(const rg_model *m, const rg_model_dims *dm, int64_t tp) {
    const rg_ssm *s = &m->ssm;
    if (s->version == 1) { /* Mamba-1: inner x state, conv window over x */
        double il = (double)s->inner / (double)tp;
        return il * (double)s->state + il * (double)(s->conv > 0 ? s->conv - 1 : 0);
    }
    double t = (double)tp, hl = (double)s->heads / t, gl = ceil((double)s->groups / t);
    double inner = hl * (double)dm->ssm_head_dim;
    double conv = inner + 2.0 * gl * (double)s->state;
    return inner * (double)s->state + conv * (double)(s->conv > 0 ? s->conv - 1 : 0);
}

/* One attention mixer's share of rg_memory_layer_activations: the layer
 * without its FFN (the FFN's norm input, its input and mask are whole-layer
 * terms of d each). */
static double attn_mixer_activations(const rg_model *m, const rg_model_dims *dm, const rg_act_in *in) {
    rg_model_dims no_ffn = *dm;
    no_ffn.ffn_dim = 0;
    double t = (double)in->tp, d = (double)dm->d, rep = in->sp ? 1.0 / t : 1.0;
    double ffn_whole = (2.0 * d * in->a_bytes + d * (in->dropout ? 1.0 : 0.0)) * rep * in->b * in->s;
    return rg_memory_layer_activations(m, &no_ffn, in, false) - ffn_whole;
}

double rg_memory_ssm_activations(const rg_model *m, const rg_model_dims *dm, const rg_act_in *in) {
    const rg_ssm *s = &m->ssm;
    double t = (double)in->tp, e = in->a_bytes, tokens = in->b * in->s, d = (double)dm->d;
    double rep = in->sp ? 1.0 / t : 1.0;
    if (in->recompute == RG_RECOMPUTE_FULL)
        return tokens * d * e * rep;
    if (s->version == 1) {
        /* Mamba-1: norm input, in_proj input and the mask are whole; x and
         * z, conv output, x_proj output (dt, B, C), dt, scan output and gate
         * output are split; the scan's states are recomputed (sec. 3.3.2) */
        double il = (double)s->inner / t, xp = (double)s->dt_rank + 2.0 * (double)s->state;
        double whole1 = 2.0 * d * e + d * (in->dropout ? 1.0 : 0.0);
        return tokens * (whole1 * rep + (2.0 * il + il + xp + il + il + il) * e);
    }
    double hl = (double)s->heads / t, gl = ceil((double)s->groups / t), inner = hl * (double)dm->ssm_head_dim;
    double conv = inner + 2.0 * gl * (double)s->state, proj = inner + conv + hl;
    /* norm input, in_proj input and the residual's mask are whole; in_proj
     * output, conv output, scan output and gated-norm output are split */
    double whole = 2.0 * d * e + d * (in->dropout ? 1.0 : 0.0);
    double split = (proj + conv + 2.0 * inner) * e;
    double chunk = (double)(s->chunk > 0 ? s->chunk : 256);
    double states = ceil(in->s / chunk) * inner * (double)s->state * 4.0; /* fp32 chunk states per sequence */
    return tokens * (whole * rep + split) + in->b * states;
}

double rg_memory_shared_activations(const rg_model *m, const rg_model_dims *dm, const rg_act_in *in) {
    rg_model_dims sd;
    rg_model_shared_dims(m, dm, &sd);
    double layer = rg_memory_layer_activations(m, &sd, in, false);
    if (in->recompute == RG_RECOMPUTE_FULL)
        return layer;
    /* the layer's terms plus the wider norm and QKV inputs ([h; emb]: 2 x
     * (attn_in - d)) and the input of the d x d output linear, kept whole */
    double rep = in->sp ? 1.0 / (double)in->tp : 1.0;
    double extra = 2.0 * (double)(sd.attn_in - sd.d) + (m->shared.out_linear ? (double)sd.d : 0.0);
    return layer + in->b * in->s * extra * in->a_bytes * rep;
}

double rg_memory_inflight(int64_t pp, double steps, int64_t v) {
    double held = (double)pp < steps ? (double)pp : steps;
    if (held < 1.0)
        held = 1.0;
    if (v > 1 && pp > 1)
        held *= 1.0 + (double)(pp - 1) / (double)(pp * v);
    return held;
}

double rg_memory_stage_params(const rg_model *m, const rg_model_dims *dm, const rg_plan *p, bool first) {
    double t = (double)p->tp;
    double attn = rg_model_attn_params(m, dm) / t;
    double ssm = dm->ssm_layers > 0 ? rg_model_ssm_params(m, dm) / t : 0.0;
    double dense = rg_model_ffn_params(m, dm) / t;
    double experts = rg_model_expert_params(m, dm) / t;
    /* the latent projections run whole on every rank (replicated over tp) */
    double moe = rg_model_router_params(m, dm) + rg_model_latent_params(m, dm) +
                 experts * (double)m->moe.experts / (double)p->ep +
                 rg_model_shared_expert_params(m, dm) / t * (double)m->moe.shared_experts;
    double nd = (double)(first ? p->dense_first : p->dense_last);
    double nm = (double)(first ? p->moe_first : p->moe_last);
    double L = (double)p->layers_stage, na = p->global_stage + p->local_stage;
    double params = na * attn + p->ssm_stage * ssm + nd * dense + nm * moe;
    if (m->shared.uses > 0 && p->shared_stage > 0.0) {
        /* the blocks a stage's uses run (sharded over tp), each use's
         * adapters (sharded) and its d x d linear (whole on every rank) */
        double nb = (double)m->shared.blocks, used = ceil(p->shared_stage);
        double lin = m->shared.out_linear ? (double)dm->d * (double)dm->d : 0.0;
        params += (used < nb ? used : nb) * rg_model_shared_block_params(m, dm) / t +
                  p->shared_stage * ((rg_model_shared_use_params(m, dm) - lin) / t + lin);
    }
    params += (nd + nm) * rg_model_layer_norm_params(dm, true) +
              (L - nd - nm) * rg_model_layer_norm_params(dm, false);
    if (p->mtp && (!first || p->pp == 1)) /* the prediction modules sit with the head */
        params += rg_model_mtp_params(m) / t;
    double vd = (double)m->vocab * (double)dm->d / t;
    bool has_embed = first || p->pp == 1, has_head = !first || p->pp == 1;
    if (has_embed)
        params += vd + (double)m->max_positions * (double)dm->d;
    if (has_head) {
        params += (double)dm->norm_params;
        if (!m->tied_embeddings || p->pp > 1) /* a tied head on another stage keeps its own copy */
            params += vd;
    }
    return params;
}

void rg_memory_estimate(const rg_spec *spec, const rg_model_dims *dm, const rg_plan *p, rg_memory *mem,
                        uint8_t *used) {
    const rg_model *m = &spec->model;
    const rg_numerics *nu = &spec->numerics;
    const double *av = spec->assumptions.v;
    double cb[RG_TC_COUNT];
    rg_class_bytes(nu, dm, p->micro * (double)spec->seq_len / (double)p->cp, (double)spec->seq_len, cb);
    double w = cb[RG_TC_WEIGHTS], a = cb[RG_TC_ACTIVATIONS];
    double first = rg_memory_stage_params(m, dm, p, true);
    double last = p->pp > 1 ? rg_memory_stage_params(m, dm, p, false) : first;
    double dp = (double)p->dp;
    bool flash = av[RG_A_FLASH_ATTENTION] >= 0.5;
    used[RG_A_FLASH_ATTENTION] = 1;

    /* the stage holding the most state; activations peak on the first stage */
    double params = first > last ? first : last;
    mem->weights_bytes = params * w / (p->train && spec->par.zero >= 3 ? dp : 1.0);
    mem->grads_bytes = 0.0;
    mem->optimizer_bytes = 0.0;
    mem->activations_bytes = 0.0;
    mem->kv_cache_bytes = 0.0;
    mem->ssm_state_bytes = 0.0;
    if (p->train) {
        double g = rg_format_bytes(nu->grads);
        double master = nu->master == nu->weights ? 0.0 : rg_format_bytes(nu->master);
        double opt = 2.0 * rg_format_bytes(nu->optimizer); /* Adam: two moments */
        bool dropout = av[RG_A_DROPOUT] >= 0.5;
        used[RG_A_DROPOUT] = 1;
        mem->grads_bytes = params * g / (spec->par.zero >= 2 ? dp : 1.0);
        mem->optimizer_bytes = params * (master + opt) / (spec->par.zero >= 1 ? dp : 1.0);
        rg_act_in in = {p->micro,
                        (double)spec->seq_len / (double)p->cp,
                        (double)spec->seq_len,
                        p->tp,
                        spec->par.sequence_parallel,
                        spec->par.recompute,
                        flash,
                        dropout,
                        a};
        double per_mb = (double)p->dense_first * rg_memory_layer_activations(m, dm, &in, false) +
                        (double)p->moe_first * rg_memory_layer_activations(m, dm, &in, true);
        /* the layers above each carry an attention mixer; a stage whose
         * mixers are otherwise (Mamba-2, or no FFN beside them) swaps them */
        double ffn_first = (double)(p->dense_first + p->moe_first);
        double attn_first = p->global_stage + p->local_stage;
        if (ffn_first != attn_first || p->ssm_stage > 0.0) {
            double am = attn_mixer_activations(m, dm, &in);
            per_mb += (attn_first - ffn_first) * am;
            if (p->ssm_stage > 0.0)
                per_mb += p->ssm_stage * rg_memory_ssm_activations(m, dm, &in);
            if (in.recompute == RG_RECOMPUTE_FULL) /* every layer keeps its input only */
                per_mb = (double)p->layers_stage * rg_memory_layer_activations(m, dm, &in, false);
        }
        if (p->shared_stage > 0.0)
            per_mb += p->shared_stage * rg_memory_shared_activations(m, dm, &in);
        mem->activations_bytes = per_mb * rg_memory_inflight(p->pp, p->steps, p->v);
        if (p->pp == 1) /* logits of the loss in fp32 on the (only) stage */
            mem->activations_bytes += p->tokens_mb * p->vocab / (double)p->tp * 4.0;
    } else {
        double kvb = cb[RG_TC_KV];
        double per_tok = m->mla.enabled
                             ? (double)dm->kv_cache_elems
                             : 2.0 * ceil((double)dm->kv_heads / (double)p->tp) * (double)dm->qk_head_dim;
        double ctx = (double)spec->seq_len / (double)p->cp;
        /* a sliding-window layer keeps the last `window` tokens; a Mamba-2
         * layer its recurrent and conv state, whatever the context */
        double win = dm->window > 0 && (double)dm->window < ctx ? (double)dm->window : ctx;
        double toks =
            (p->global_stage + p->shared_stage) * ctx + p->local_stage * win; /* a use: its own cache */
        if (p->mtp) /* a drafting module keeps the cache of its own layer */
            toks += (double)m->mtp_layers * (dm->global_layers > 0 ? ctx : win);
        mem->kv_cache_bytes = p->b_rep * toks * per_tok * kvb;
        if (p->ssm_stage > 0.0)
            mem->ssm_state_bytes = p->b_rep * p->ssm_stage * rg_memory_ssm_state(m, dm, p->tp) * kvb;
        mem->kv_cache_bytes += mem->ssm_state_bytes;
        /* transient: one layer's largest live tensors */
        double T = p->decode ? p->b_rep : p->b_rep * ctx;
        double f = (double)(dm->moe_layers > 0 && dm->expert_ffn_dim > dm->ffn_dim ? dm->expert_ffn_dim
                                                                                   : dm->ffn_dim);
        mem->activations_bytes = T * (2.0 * (double)dm->d + (double)dm->ffn_mats * f / (double)p->tp) * a;
        if (!flash && !p->decode)
            mem->activations_bytes += p->b_rep * (double)dm->heads / (double)p->tp * ctx * ctx * a;
    }
    mem->capacity_bytes = spec->hw.mem_bytes;
    mem->other_bytes = spec->hw.mem_bytes * av[RG_A_MEM_RESERVED];
    used[RG_A_MEM_RESERVED] = 1;
    mem->per_device_bytes = mem->weights_bytes + mem->grads_bytes + mem->optimizer_bytes +
                            mem->activations_bytes + mem->kv_cache_bytes + mem->other_bytes;
    mem->fits = mem->per_device_bytes <= mem->capacity_bytes;
    mem->shortfall_bytes = mem->fits ? 0.0 : mem->per_device_bytes - mem->capacity_bytes;
}
