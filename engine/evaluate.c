/* evaluate.c: one design point end to end (see evaluate.h).
 *
 * Step time of training with pipeline parallelism (1F1B, optionally
 * interleaved with v virtual stages per device; Narayanan et al. 2021):
 *   time = m * t_mb + bubble + exposed comm + optimizer + step overhead,
 *   bubble = (pp - 1) / v * t_mb   (i.e. (pp-1)/(m v) of the ideal m t_mb)
 * where t_mb is the busiest (last) stage's time for one micro-batch, forward
 * and backward, including the exposed per-layer collectives. Inference runs
 * the per-replica batch through the stages one after another: a device
 * computes its stage and waits (pp - 1) stage times (reported as bubble).
 * Communication per micro-step (per layer unless noted):
 *   tensor:   2 all-reduces forward, 2 backward (+2 re-run with full
 *             recompute); with sequence parallelism 2 all-gathers + 2
 *             reduce-scatters of the same volume instead (Korthikanti 2022)
 *   context:  ring attention passes cp-1 KV blocks forward, KV + dKV
 *             backward (Liu et al. 2023, "Ring Attention")
 *   expert:   all-to-all dispatch + combine per MoE layer, forward and
 *             backward (Lepikhin et al. 2020, GShard)
 *   pipeline: one activation send forward and one gradient send backward
 *             per virtual stage boundary
 *   data:     once per step, gradients all-reduced (ZeRO 0) or
 *             reduce-scattered + parameters all-gathered (ZeRO 1/2); ZeRO 3
 *             gathers parameters forward and backward and reduce-scatters
 *             gradients every micro-step (Rajbhandari et al. 2020).
 * Each kind is hidden under compute by its named overlap fraction. */
#include "evaluate.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "collectives.h"
#include "energy.h"
#include "formats.h"
#include "memory.h"
#include "model.h"
#include "plan.h"
#include "recipe_cost.h"
#include "roofline.h"
#include "saturation.h"
#include "serve.h"
#include "recipe_silicon.h"
#include "silicon.h"

#define FIELD_ERR(code, field, ...) rg_err_set(err, code, field, __VA_ARGS__)

static int check_pos(int64_t v, const char *field, rg_err *err) {
    if (v < 1)
        return FIELD_ERR(RG_ERANGE, field, "must be >= 1, got %lld", (long long)v);
    return 0;
}

static int check_fmt(int id, const char *field, rg_err *err) {
    if (!rg_format_get(id))
        return FIELD_ERR(RG_EUNKNOWN, field, "format id %d is not in the format table", id);
    return 0;
}

/* The matrix unit of hardware.silicon, when given, and whether it runs
 * numerics.math (silicon.h). `si` and `used` may be NULL. */
static int check_silicon(const rg_spec *spec, rg_silicon_result *si, uint8_t *used, rg_err *err) {
    rg_silicon_result local;
    rg_silicon_result *r = si ? si : &local;
    int rc = rg_silicon_derive(&spec->hw.silicon, spec->ppa, &spec->assumptions, r, used, err);
    if (rc == 0 && r->enabled && !rg_silicon_runs(r->mac_format, spec->numerics.math)) {
        const rg_format *m = rg_format_get(spec->numerics.math), *l = rg_format_get(r->mac_format);
        rc = FIELD_ERR(
            RG_ERANGE, "numerics.math",
            "%s is wider than the %s lanes of hardware.silicon.mac_format (a lane runs formats whose "
            "exponent and mantissa fit in its own)",
            m ? m->name : "?", l ? l->name : "?");
    }
    return rc;
}

static int validate_core(const rg_spec *spec, rg_err *err);

int rg_spec_validate(const rg_spec *spec, rg_err *err) {
    int rc = validate_core(spec, err);
    if (rc == 0)
        rc = check_silicon(spec, NULL, NULL, err);
    return rc;
}

/* Everything but the silicon, which evaluate_one derives once into its result. */
static int validate_core(const rg_spec *spec, rg_err *err) {
    int rc = 0;
    if (!spec)
        return FIELD_ERR(RG_EINVAL, "", "no spec");
    const rg_model *m = &spec->model;
    const rg_parallel *p = &spec->par;
    if ((rc = check_pos(m->layers, "model.layers", err)) ||
        (rc = check_pos(m->d_model, "model.d_model", err)) ||
        (rc = check_pos(m->heads, "model.heads", err)) || (rc = check_pos(m->vocab, "model.vocab", err)))
        return rc;
    if (m->moe.experts == 0 || m->moe.dense_layers < m->layers)
        if ((rc = check_pos(m->moe.experts > 0 && m->moe.expert_ffn_dim > 0 ? m->moe.expert_ffn_dim
                                                                            : m->ffn_dim,
                            "model.ffn_dim", err)))
            return rc;
    if (m->kv_heads < 0 || m->kv_heads > m->heads)
        return FIELD_ERR(RG_ERANGE, "model.kv_heads", "must be in 1..heads (%lld), got %lld",
                         (long long)m->heads, (long long)m->kv_heads);
    if (m->kv_heads > 0 && m->heads % m->kv_heads != 0)
        return FIELD_ERR(RG_EINVAL, "model.kv_heads", "heads (%lld) must be a multiple of kv_heads (%lld)",
                         (long long)m->heads, (long long)m->kv_heads);
    if (m->head_dim < 0)
        return FIELD_ERR(RG_ERANGE, "model.head_dim", "must be >= 0 (0 = d_model / heads)");
    if (m->head_dim == 0 && !m->mla.enabled && m->d_model % m->heads != 0)
        return FIELD_ERR(RG_EINVAL, "model.head_dim",
                         "d_model %lld is not divisible by heads %lld; give head_dim", (long long)m->d_model,
                         (long long)m->heads);
    if (m->max_positions < 0)
        return FIELD_ERR(RG_ERANGE, "model.max_positions", "must be >= 0");
    if (m->moe.experts < 0)
        return FIELD_ERR(RG_ERANGE, "model.moe.experts", "must be >= 0");
    if (m->moe.experts > 0) {
        if (m->moe.top_k < 1 || m->moe.top_k > m->moe.experts)
            return FIELD_ERR(RG_ERANGE, "model.moe.top_k", "must be in 1..experts (%lld), got %lld",
                             (long long)m->moe.experts, (long long)m->moe.top_k);
        if (m->moe.shared_experts < 0 || m->moe.dense_layers < 0 || m->moe.expert_ffn_dim < 0)
            return FIELD_ERR(RG_ERANGE, "model.moe",
                             "shared_experts, dense_layers, expert_ffn_dim must be >= 0");
        if (m->moe.dense_layers > m->layers)
            return FIELD_ERR(RG_ERANGE, "model.moe.dense_layers", "exceeds layers (%lld)",
                             (long long)m->layers);
    }
    if (spec->mtp_draft_tokens < 0 || spec->mtp_draft_tokens > m->mtp_layers ||
        (spec->mtp_draft_tokens > 0 && spec->phase != RG_PHASE_DECODE))
        return FIELD_ERR(
            RG_ERANGE, "mtp_draft_tokens",
            "drafts need phase decode and at most one token per MTP module (model.mtp_layers %lld), "
            "got %lld",
            (long long)m->mtp_layers, (long long)spec->mtp_draft_tokens);
    if (m->mla.enabled) {
        const rg_mla *a = &m->mla;
        if ((rc = check_pos(a->kv_lora_rank, "model.mla.kv_lora_rank", err)) ||
            (rc = check_pos(a->qk_nope_head_dim, "model.mla.qk_nope_head_dim", err)) ||
            (rc = check_pos(a->qk_rope_head_dim, "model.mla.qk_rope_head_dim", err)) ||
            (rc = check_pos(a->v_head_dim, "model.mla.v_head_dim", err)))
            return rc;
        if (a->q_lora_rank < 0)
            return FIELD_ERR(RG_ERANGE, "model.mla.q_lora_rank", "must be >= 0");
    }
    /* hardware */
    if (!(spec->hw.mem_bw > 0.0))
        return FIELD_ERR(RG_ERANGE, "hardware.mem_bw", "must be > 0");
    if (!(spec->hw.vector_flops > 0.0))
        return FIELD_ERR(RG_ERANGE, "hardware.vector_flops", "must be > 0");
    if (!(spec->hw.mem_bytes > 0.0))
        return FIELD_ERR(RG_ERANGE, "hardware.mem_bytes", "must be > 0");
    for (int i = 0; i < RG_MATH_COUNT; i++)
        if (spec->hw.matrix_flops[i] < 0.0 || spec->hw.matrix_flops[i] != spec->hw.matrix_flops[i])
            return FIELD_ERR(RG_ERANGE, "hardware.matrix_flops", "%s peak must be >= 0", rg_math_name(i));
    /* phase, shape */
    if (spec->phase < RG_PHASE_TRAIN || spec->phase > RG_PHASE_SERVE)
        return FIELD_ERR(RG_ERANGE, "phase", "must be train, prefill, decode or serve");
    if ((rc = check_pos(spec->batch, "batch", err)) || (rc = check_pos(spec->seq_len, "seq_len", err)))
        return rc;
    if ((rc = check_fmt(spec->numerics.weights, "numerics.weights", err)) ||
        (rc = check_fmt(spec->numerics.activations, "numerics.activations", err)) ||
        (rc = check_fmt(spec->numerics.kv_cache, "numerics.kv_cache", err)) ||
        (rc = check_fmt(spec->numerics.math, "numerics.math", err)) ||
        (rc = check_fmt(spec->numerics.grads, "numerics.grads", err)) ||
        (rc = check_fmt(spec->numerics.master, "numerics.master", err)) ||
        (rc = check_fmt(spec->numerics.optimizer, "numerics.optimizer", err)))
        return rc;
    /* parallelism */
    if ((rc = check_pos(p->tp, "parallelism.tp", err)) || (rc = check_pos(p->pp, "parallelism.pp", err)) ||
        (rc = check_pos(p->dp, "parallelism.dp", err)) || (rc = check_pos(p->ep, "parallelism.ep", err)) ||
        (rc = check_pos(p->cp, "parallelism.cp", err)) ||
        (rc = check_pos(p->interleave, "parallelism.interleave", err)))
        return rc;
    if (m->heads % p->tp != 0)
        return FIELD_ERR(RG_EINVAL, "parallelism.tp", "heads (%lld) must be divisible by tp (%lld)",
                         (long long)m->heads, (long long)p->tp);
    if (p->pp > m->layers)
        return FIELD_ERR(RG_ERANGE, "parallelism.pp", "pp (%lld) exceeds layers (%lld)", (long long)p->pp,
                         (long long)m->layers);
    if (p->interleave > 1 && (p->pp == 1 || m->layers < p->pp * p->interleave))
        return FIELD_ERR(RG_EINVAL, "parallelism.interleave",
                         "needs pp > 1 and a layer per virtual stage (layers %lld < pp*interleave %lld)",
                         (long long)m->layers, (long long)(p->pp * p->interleave));
    if (spec->stages.first_layers < 0 || spec->stages.last_layers < 0)
        return FIELD_ERR(RG_ERANGE, "parallelism.first_stage_layers", "stage layers must be >= 0");
    if (spec->stages.first_layers > 0 || spec->stages.last_layers > 0) {
        int64_t f = spec->stages.first_layers, l = spec->stages.last_layers, rest = m->layers - f - l;
        const char *fld = f > 0 ? "parallelism.first_stage_layers" : "parallelism.last_stage_layers";
        if (p->pp < 2 || f < 1 || l < 1)
            return FIELD_ERR(RG_EINVAL, fld,
                             "uneven stages need pp >= 2 and both first_stage_layers and "
                             "last_stage_layers >= 1");
        if ((p->pp == 2 && rest != 0) || (p->pp > 2 && rest < p->pp - 2))
            return FIELD_ERR(RG_EINVAL, fld,
                             "first (%lld) + last (%lld) stage layers leave %lld of %lld layers for %lld "
                             "middle stages",
                             (long long)f, (long long)l, (long long)rest, (long long)m->layers,
                             (long long)(p->pp - 2));
    }
    if (p->ep > 1 && (m->moe.experts == 0 || m->moe.experts % p->ep != 0))
        return FIELD_ERR(RG_EINVAL, "parallelism.ep", "ep (%lld) must divide the experts (%lld)",
                         (long long)p->ep, (long long)m->moe.experts);
    if (spec->seq_len % p->cp != 0)
        return FIELD_ERR(RG_EINVAL, "parallelism.cp", "seq_len (%lld) must be divisible by cp (%lld)",
                         (long long)spec->seq_len, (long long)p->cp);
    if (p->zero < 0 || p->zero > 3)
        return FIELD_ERR(RG_ERANGE, "parallelism.zero", "must be 0..3, got %d", p->zero);
    if (p->recompute < RG_RECOMPUTE_NONE || p->recompute > RG_RECOMPUTE_FULL)
        return FIELD_ERR(RG_ERANGE, "parallelism.recompute", "must be none, selective or full");
    if (p->microbatch < 0)
        return FIELD_ERR(RG_ERANGE, "parallelism.microbatch", "must be >= 0 (0 = whole replica batch)");
    int64_t replicas = p->dp * p->ep;
    if (spec->batch % replicas != 0 && spec->phase != RG_PHASE_SERVE) /* serve: batch is not used */
        return FIELD_ERR(RG_EINVAL, "batch", "batch (%lld) must be divisible by dp*ep (%lld)",
                         (long long)spec->batch, (long long)replicas);
    if (spec->phase == RG_PHASE_TRAIN && p->microbatch > 0 && (spec->batch / replicas) % p->microbatch != 0)
        return FIELD_ERR(RG_EINVAL, "parallelism.microbatch",
                         "batch per replica (%lld = batch / (dp*ep)) is not divisible by microbatch (%lld)",
                         (long long)(spec->batch / replicas), (long long)p->microbatch);
    if (spec->phase == RG_PHASE_SERVE && (rc = rg_serve_check(&spec->serving, err)))
        return rc;
    int64_t product = p->tp * p->pp * p->dp * p->ep * p->cp;
    bool pools =
        spec->phase == RG_PHASE_SERVE && spec->serving.disaggregated; /* chips checked by the pools */
    if (spec->chips < 0 || (spec->chips != 0 && spec->chips != product && !pools))
        return FIELD_ERR(RG_EINVAL, "chips", "chips (%lld) must equal tp*cp*ep*dp*pp (%lld) or be 0",
                         (long long)spec->chips, (long long)product);
    if (product > 1) {
        const rg_system *s = &spec->system;
        if (!spec->has_system)
            return FIELD_ERR(RG_EMISSING, "system", "a system is needed for %lld chips", (long long)product);
        if ((rc = check_pos(s->domain_chips, "system.domain_chips", err)))
            return rc;
        if (!(s->scaleup_bw > 0.0) || !(s->scaleout_bw > 0.0))
            return FIELD_ERR(RG_ERANGE, "system", "scaleup_bw and scaleout_bw must be > 0");
        if (s->scaleup_latency < 0.0 || s->scaleout_latency < 0.0)
            return FIELD_ERR(RG_ERANGE, "system", "latencies must be >= 0");
    }
    /* one branch-free pass (NaN fails v >= 0); the loop below names the first bad one */
    int bad = 0;
    for (int i = 0; i < RG_A_COUNT; i++)
        bad |= (spec->assumptions.set[i] == 0) | !(spec->assumptions.v[i] >= 0.0);
    for (int i = 0; bad && i < RG_A_COUNT; i++) {
        if (!spec->assumptions.set[i])
            return FIELD_ERR(RG_EMISSING, "assumptions", "assumption '%s' has no value",
                             rg_assumption_name(i));
        double v = spec->assumptions.v[i];
        if (v != v || v < 0.0)
            return FIELD_ERR(RG_ERANGE, "assumptions", "assumption '%s' must be a number >= 0",
                             rg_assumption_name(i));
    }
    static const int fractions[] = {RG_A_MATMUL_EFF,   RG_A_MEMORY_EFF, RG_A_VECTOR_EFF,  RG_A_SCALEUP_EFF,
                                    RG_A_SCALEOUT_EFF, RG_A_DP_OVERLAP, RG_A_TP_OVERLAP,  RG_A_CP_OVERLAP,
                                    RG_A_EP_OVERLAP,   RG_A_PP_OVERLAP, RG_A_MEM_RESERVED};
    for (size_t i = 0; i < sizeof fractions / sizeof fractions[0]; i++) {
        double v = spec->assumptions.v[fractions[i]];
        bool positive = fractions[i] <= RG_A_VECTOR_EFF || fractions[i] == RG_A_SCALEUP_EFF ||
                        fractions[i] == RG_A_SCALEOUT_EFF;
        if (v > 1.0 || (positive && !(v > 0.0)))
            return FIELD_ERR(RG_ERANGE, "assumptions", "assumption '%s' must be a fraction in %s1, got %g",
                             rg_assumption_name(fractions[i]), positive ? "(0, " : "[0, ", v);
    }
    return 0;
}

/* Lay the design point out on its chips. */
static void make_plan(const rg_spec *spec, const rg_model_dims *dm, rg_plan *p) {
    const rg_parallel *par = &spec->par;
    memset(p, 0, sizeof *p);
    p->tp = par->tp;
    p->cp = par->cp;
    p->ep = par->ep;
    p->dp = par->dp;
    p->pp = par->pp;
    p->v = par->interleave;
    p->chips = par->tp * par->cp * par->ep * par->dp * par->pp;
    p->replicas = par->dp * par->ep;
    p->train = spec->phase == RG_PHASE_TRAIN;
    p->decode = spec->phase == RG_PHASE_DECODE;
    p->b_rep = (double)(spec->batch / p->replicas);
    if (p->train) {
        p->micro = par->microbatch > 0 ? (double)par->microbatch : p->b_rep;
        p->steps = p->b_rep / p->micro;
    } else {
        p->micro = p->b_rep;
        p->steps = 1.0;
    }
    /* decode with MTP drafts verifies 1 + k tokens per sequence and step */
    p->draft = p->decode ? (double)spec->mtp_draft_tokens : 0.0;
    p->mtp = p->train ? spec->model.mtp_layers > 0 : p->draft > 0.0;
    p->tokens_mb = p->micro * (p->decode ? 1.0 + p->draft : (double)spec->seq_len / (double)p->cp);
    int64_t L = spec->model.layers;
    p->layers_stage = (L + p->pp - 1) / p->pp;
    p->layers_first = p->layers_mid = p->layers_last = p->layers_stage;
    if (p->pp >= 2 && spec->stages.first_layers > 0 && spec->stages.last_layers > 0) {
        int64_t rest = L - spec->stages.first_layers - spec->stages.last_layers;
        p->layers_first = spec->stages.first_layers;
        p->layers_last = spec->stages.last_layers;
        p->layers_mid = p->pp > 2 ? (rest + p->pp - 3) / (p->pp - 2) : 0;
        p->layers_stage = p->layers_first;
        if (p->layers_mid > p->layers_stage)
            p->layers_stage = p->layers_mid;
        if (p->layers_last > p->layers_stage)
            p->layers_stage = p->layers_last;
    }
    int64_t nd = dm->dense_layers;
    /* FFN blocks on a stage: all of its layers unless some layers have none */
    int64_t ffn_stage = dm->ffn_layers == L
                            ? p->layers_stage
                            : (int64_t)ceil((double)p->layers_stage * (double)dm->ffn_layers / (double)L);
    p->dense_first = nd < ffn_stage ? nd : ffn_stage;
    p->moe_first = ffn_stage - p->dense_first;
    /* Time is taken on the busiest stage: ceil(L/pp) layers, MoE layers
     * first (they are the heavier kind), plus the LM head of the last stage. */
    p->moe_last = dm->moe_layers < ffn_stage ? dm->moe_layers : ffn_stage;
    p->dense_last = ffn_stage - p->moe_last;
    double share = (double)p->layers_stage / (double)L;
    p->global_stage = (double)dm->global_layers * share;
    p->local_stage = (double)dm->local_layers * share;
    p->ssm_stage = (double)dm->ssm_layers * share;
    p->shared_stage = (double)spec->model.shared.uses * share;
    double pad = spec->assumptions.v[RG_A_VOCAB_PAD] * (double)par->tp;
    p->vocab = pad >= 1.0 ? ceil((double)spec->model.vocab / pad) * pad : (double)spec->model.vocab;
}

/* Time of `count` collectives of `kind` over a group, into the breakdown. */
typedef struct comm_acc {
    double total[RG_COMM_COUNT];
    double exposed[RG_COMM_COUNT];
    double floor;               /* a collective is a kernel too: at least kernel_overhead */
    double up_bytes, out_bytes; /* bytes this device sends per link level (energy) */
    uint8_t *used;
} comm_acc;

/* Per-kind collective assumptions, in rg_comm_kind order. */
static const int kind_eff_id[RG_COMM_COUNT] = {RG_A_ALL_REDUCE_EFF, RG_A_ALL_GATHER_EFF,
                                               RG_A_REDUCE_SCATTER_EFF, RG_A_ALL_TO_ALL_EFF,
                                               RG_A_SEND_RECV_EFF};
static const int kind_lat_id[RG_COMM_COUNT] = {RG_A_ALL_REDUCE_LAT, RG_A_ALL_GATHER_LAT,
                                               RG_A_REDUCE_SCATTER_LAT, RG_A_ALL_TO_ALL_LAT,
                                               RG_A_SEND_RECV_LAT};
static const int kind_step_id[RG_COMM_COUNT] = {RG_A_ALL_REDUCE_STEP_LAT, RG_A_ALL_GATHER_STEP_LAT,
                                                RG_A_REDUCE_SCATTER_STEP_LAT, RG_A_ALL_TO_ALL_STEP_LAT,
                                                RG_A_SEND_RECV_STEP_LAT};

static const int kind_proto_id[RG_COMM_COUNT][4] = {
    {RG_A_ALL_REDUCE_LL_BW, RG_A_ALL_REDUCE_LL_LAT, RG_A_ALL_REDUCE_LL128_BW, RG_A_ALL_REDUCE_LL128_LAT},
    {RG_A_ALL_GATHER_LL_BW, RG_A_ALL_GATHER_LL_LAT, RG_A_ALL_GATHER_LL128_BW, RG_A_ALL_GATHER_LL128_LAT},
    {RG_A_REDUCE_SCATTER_LL_BW, RG_A_REDUCE_SCATTER_LL_LAT, RG_A_REDUCE_SCATTER_LL128_BW,
     RG_A_REDUCE_SCATTER_LL128_LAT},
    {RG_A_ALL_TO_ALL_LL_BW, RG_A_ALL_TO_ALL_LL_LAT, RG_A_ALL_TO_ALL_LL128_BW, RG_A_ALL_TO_ALL_LL128_LAT},
    {RG_A_SEND_RECV_LL_BW, RG_A_SEND_RECV_LL_LAT, RG_A_SEND_RECV_LL128_BW, RG_A_SEND_RECV_LL128_LAT}};

void rg_evaluate_net(const rg_system *s, const rg_assumptions *as, rg_net *net) {
    const double *av = as->v;
    memset(net, 0, sizeof *net);
    net->up.bw = s->scaleup_bw * av[RG_A_SCALEUP_EFF];
    net->up.latency = s->scaleup_latency;
    net->out.bw = s->scaleout_bw * av[RG_A_SCALEOUT_EFF];
    net->out.latency = s->scaleout_latency;
    net->domain = s->domain_chips;
    net->up_mesh_links = s->scaleup_mesh_links;
    for (int k = 0; k < RG_COMM_COUNT; k++) {
        net->kind_eff[k] = av[kind_eff_id[k]];
        net->kind_latency[k] = av[kind_lat_id[k]];
        net->kind_step_latency[k] = av[kind_step_id[k]];
        for (int p = 0; p < 2; p++) {
            net->proto_bw[k][p] = av[kind_proto_id[k][2 * p]];
            net->proto_lat[k][p] = av[kind_proto_id[k][2 * p + 1]];
        }
    }
}

static double comm(comm_acc *acc, const rg_net *net, rg_comm_kind kind, int64_t n, int64_t stride,
                   double bytes, double count, double overlap) {
    if (n <= 1 || count <= 0.0 || bytes <= 0.0)
        return 0.0;
    rg_group g = rg_coll_place(n, stride, net->domain);
    double one = rg_coll_time(net, kind, &g, bytes);
    double t = count * (one > acc->floor ? one : acc->floor);
    double x = t * (1.0 - overlap), up = 0.0, out = 0.0;
    rg_energy_coll_bytes(kind, &g, bytes, &up, &out);
    if (acc->used) {
        acc->used[kind_eff_id[kind]] = acc->used[kind_lat_id[kind]] = 1;
        if (net->kind_step_latency[kind] > 0.0) /* 0: the link's latency, which the system lists */
            acc->used[kind_step_id[kind]] = 1;
        for (int p = 0; p < 2; p++)
            if (net->proto_bw[kind][p] > 0.0)
                acc->used[kind_proto_id[kind][2 * p]] = acc->used[kind_proto_id[kind][2 * p + 1]] = 1;
    }
    acc->up_bytes += count * up;
    acc->out_bytes += count * out;
    acc->total[kind] += t;
    acc->exposed[kind] += x;
    return x;
}

int rg_evaluate(const rg_spec *spec, rg_result *out, rg_err *err) {
    return rg_evaluate_ex(spec, out, 0u, err);
}

static int evaluate_one(const rg_spec *spec, const rg_mix *mix, rg_result *out, unsigned flags, rg_err *err);

/* The saturation search's probe: one evaluation without op rows. */
static int probe_no_ops(const rg_spec *spec, rg_result *out, rg_err *err) {
    return evaluate_one(spec, NULL, out, RG_EVAL_NO_OPS, err);
}

int rg_evaluate_mix(const rg_spec *spec, const rg_mix *mix, rg_result *out, unsigned flags, rg_err *err) {
    if (!spec || !mix)
        return FIELD_ERR(RG_EINVAL, "", "no spec or mix");
    if (spec->phase == RG_PHASE_TRAIN)
        return FIELD_ERR(RG_EINVAL, "phase", "a mixed serving step is an inference step");
    return evaluate_one(spec, mix, out, flags & RG_EVAL_NO_OPS, err);
}

int rg_evaluate_ex(const rg_spec *spec, rg_result *out, unsigned flags, rg_err *err) {
    rg_saturation sat;
    int rc = 0;
    if (spec && spec->phase == RG_PHASE_SERVE)
        return rg_serve_evaluate(spec, out, flags, err);
    if (!(flags & RG_EVAL_SATURATION))
        return evaluate_one(spec, NULL, out, flags, err);
    /* the batch probes use `out` as scratch; the design point is written last */
    memset(&sat, 0, sizeof sat);
    if (!out)
        return FIELD_ERR(RG_EINVAL, "", "no result storage");
    rc = rg_spec_validate(spec, err);
    if (rc == 0)
        rc = rg_saturation_find(spec, probe_no_ops, out, &sat, err);
    if (rc == 0)
        rc = evaluate_one(spec, NULL, out, flags, err);
    if (rc)
        return rc;
    out->saturation = sat;
    if (sat.computed)
        out->used[RG_A_SATURATION_FRACTION] = 1;
    return 0;
}

/* The effective rates of the roofline for `spec` on one device (shared by
 * evaluate_one and rg_evaluate_core_ctx). */
static void roof_rates(const rg_spec *spec, double peak, int math, rg_roof *r) {
    const double *av = spec->assumptions.v;
    r->mm_peak = math == RG_MATH_FP4 ? peak * av[RG_A_FP4_RATE_FRACTION] : peak;
    r->mm_eff = av[RG_A_MATMUL_EFF];
    r->mm_half = av[RG_A_MATMUL_HALF_FLOPS];
    r->vec_rate = spec->hw.vector_flops * av[RG_A_VECTOR_EFF];
    r->bw = spec->hw.mem_bw * av[RG_A_MEMORY_EFF];
    r->overhead = av[RG_A_KERNEL_OVERHEAD];
    r->math = math;
    r->cat = -1;
    r->cores = spec->hw.matrix_cores;
    r->tile_m = av[RG_A_GEMM_TILE_M];
    r->tile_n = av[RG_A_GEMM_TILE_N];
    r->split_k_min = av[RG_A_GEMM_SPLIT_K_MIN];
    r->mem_half = av[RG_A_MEMORY_HALF_BYTES];
}

/* What the mixed serving step does not price: recipes (their bytes and
 * passes depend on the whole tensors of a uniform step) and shared attention
 * blocks reused across depth (their per-use cores are not in the mix). */
static int mix_supported(const rg_spec *spec, rg_err *err) {
    if (spec->model.shared.uses > 0)
        return FIELD_ERR(RG_EUNSUPPORTED, "model.shared.uses",
                         "shared attention blocks are not modelled in a serving step");
    for (int c = 0; c < RG_TC_COUNT; c++)
        if (spec->numerics.recipes[c].on)
            return FIELD_ERR(RG_EUNSUPPORTED, "numerics.recipes",
                             "recipes (their bytes and passes) are not modelled in a serving step; "
                             "name formats in numerics instead");
    return 0;
}

int rg_evaluate_core_ctx(const rg_spec *spec, rg_core_ctx *ctx, rg_err *err) {
    int rc = validate_core(spec, err);
    if (rc)
        return rc;
    rg_silicon_result si;
    rc = check_silicon(spec, &si, NULL, err);
    if (rc)
        return rc;
    const rg_format *mf = rg_format_get(spec->numerics.math);
    double peak = si.enabled ? si.matrix_flops : spec->hw.matrix_flops[mf->math];
    if (!(peak > 0.0))
        return FIELD_ERR(RG_EUNSUPPORTED, "numerics.math", "no %s matrix unit", rg_math_name(mf->math));
    memset(ctx, 0, sizeof *ctx);
    rg_model_derive(&spec->model, &ctx->dims);
    if ((rc = mix_supported(spec, err)))
        return rc;
    roof_rates(spec, peak, mf->math, &ctx->roof);
    ctx->shape.tp = spec->par.tp;
    ctx->shape.flash = spec->assumptions.v[RG_A_FLASH_ATTENTION] >= 0.5;
    ctx->shape.fa = spec->numerics.activations;
    ctx->shape.fkv = spec->numerics.kv_cache;
    rg_plan pl;
    make_plan(spec, &ctx->dims,
              &pl); /* the busiest stage's layers of each kind, as evaluate_one counts them */
    ctx->layers = pl.global_stage;
    ctx->local_layers = pl.local_stage;
    ctx->pp = (double)spec->par.pp;
    return 0;
}

static int evaluate_one(const rg_spec *spec, const rg_mix *mix, rg_result *out, unsigned flags, rg_err *err) {
    int rc = 0;
    if (!out)
        return FIELD_ERR(RG_EINVAL, "", "no result storage");
    rc = validate_core(spec, err);
    if (rc)
        return rc;
    const rg_model *m = &spec->model;
    const rg_numerics *nu = &spec->numerics;
    const double *av = spec->assumptions.v;
    const rg_format *mf = rg_format_get(nu->math);
    int math = rg_numerics_math(nu); /* recipes on both operands pick the class */

    /* header fields; the ops array is written row by row */
    memset(out, 0, offsetof(rg_result, ops));
    memset(out->used, 0, sizeof out->used);
    uint8_t *used = out->used;
    rc = check_silicon(spec, &out->silicon, used, err);
    if (rc)
        return rc;
    double peak = out->silicon.enabled ? out->silicon.matrix_flops : spec->hw.matrix_flops[math];
    if (!(peak > 0.0) && math != (int)mf->math)
        return FIELD_ERR(RG_EUNSUPPORTED, "numerics.recipes",
                         "%s has no %s matrix unit (the recipes' elements)",
                         spec->hw.name[0] ? spec->hw.name : "this chip", rg_math_name(math));
    if (!(peak > 0.0))
        return FIELD_ERR(RG_EUNSUPPORTED, "numerics.math", "%s has no %s matrix unit (math format %s)",
                         spec->hw.name[0] ? spec->hw.name : "this chip", rg_math_name(mf->math), mf->name);

    rg_model_dims dm;
    rg_model_derive(m, &dm);
    if (mix && (rc = mix_supported(spec, err)))
        return rc;
    rg_plan pl;
    make_plan(spec, &dm, &pl);
    if (mix) /* a serving step: its tokens, not batch x seq_len */
        pl.tokens_mb = mix->prefill.q + mix->decode.q;

    rg_roof r;
    memset(&r, 0, sizeof r);
    r.out = out;
    r.rows = !(flags & RG_EVAL_NO_OPS);
    roof_rates(spec, peak, math, &r);
    if (math == RG_MATH_FP4)
        used[RG_A_FP4_RATE_FRACTION] = 1;
    used[RG_A_MEMORY_HALF_BYTES] = 1;
    if (r.cores >= 1.0)
        used[RG_A_GEMM_TILE_M] = used[RG_A_GEMM_TILE_N] = used[RG_A_GEMM_SPLIT_K_MIN] = 1;
    used[RG_A_MATMUL_EFF] = used[RG_A_MATMUL_HALF_FLOPS] = used[RG_A_VECTOR_EFF] = 1;
    used[RG_A_MEMORY_EFF] = used[RG_A_KERNEL_OVERHEAD] = used[RG_A_FLASH_ATTENTION] = 1;
    used[RG_A_VOCAB_PAD] = 1;

    rg_shape sh;
    memset(&sh, 0, sizeof sh);
    sh.b = pl.micro;
    sh.s_q = pl.decode ? 1.0 + pl.draft : (double)spec->seq_len / (double)pl.cp;
    sh.s_k = pl.decode ? (double)spec->seq_len / (double)pl.cp : (double)spec->seq_len;
    sh.tp = pl.tp;
    sh.sp = spec->par.sequence_parallel && pl.tp > 1;
    sh.ep = pl.ep;
    sh.train = pl.train;
    sh.decode = pl.decode;
    sh.recompute = pl.train ? spec->par.recompute : RG_RECOMPUTE_NONE;
    sh.flash = av[RG_A_FLASH_ATTENTION] >= 0.5;
    sh.dropout = pl.train && av[RG_A_DROPOUT] >= 0.5;
    if (pl.train)
        used[RG_A_DROPOUT] = 1;
    sh.n_attn = pl.global_stage * pl.steps;
    sh.n_local = pl.local_stage * pl.steps;
    sh.n_ssm = pl.ssm_stage * pl.steps;
    sh.n_shared = pl.shared_stage * pl.steps;
    sh.window = (double)dm.window;
    sh.n_mtp = pl.train ? (double)m->mtp_layers * pl.steps : pl.draft; /* decode: one module run per draft */
    sh.n_dense = (double)pl.dense_last * pl.steps;
    sh.n_moe = (double)pl.moe_last * pl.steps;
    sh.n_head = pl.steps;
    sh.n_embed = pl.pp == 1 ? pl.steps : 0.0;
    sh.vocab = pl.vocab;
    sh.moe_group_tokens = pl.tokens_mb * (double)pl.ep;
    sh.fw = nu->weights;
    sh.fa = nu->activations;
    sh.fkv = nu->kv_cache;
    sh.fg = nu->grads;
    sh.mix = mix;
    double cb[RG_TC_COUNT];
    rg_class_bytes(nu, &dm, sh.b * sh.s_q, sh.s_k, cb);
    sh.bw = cb[RG_TC_WEIGHTS];
    sh.ba = cb[RG_TC_ACTIVATIONS];
    sh.bkv = cb[RG_TC_KV];
    sh.rw = nu->recipes[RG_TC_WEIGHTS].on ? &nu->recipes[RG_TC_WEIGHTS].r : NULL;
    sh.ra = nu->recipes[RG_TC_ACTIVATIONS].on ? &nu->recipes[RG_TC_ACTIVATIONS].r : NULL;
    sh.av = av;
    sh.used = used;
    rg_roofline_transformer(&r, m, &dm, &sh);
    /* parameters on the device of the last stage (gradient accumulation,
     * data-parallel reduction, optimizer) */
    double stage = pl.train ? rg_memory_stage_params(m, &dm, &pl, false) : 0.0;
    if (pl.train && av[RG_A_GRAD_ACCUM_FUSION] < 0.5) {
        /* Without gradient-accumulation fusion the weight-gradient GEMM
         * writes a fresh gradient in the working precision and a separate
         * kernel adds it into the accumulation buffer (read both, write the
         * buffer) once per micro-batch, for every parameter of the stage
         * (Megatron-LM's local DDP before --gradient-accumulation-fusion:
         * param.main_grad.add_(param.grad) in the backward hook). */
        double g = rg_format_bytes(nu->grads), w = rg_format_bytes(nu->weights);
        rg_roof_op(&r, "grad_accum", RG_PASS_BWD, nu->grads, false, pl.steps, stage, stage * (w + 2.0 * g),
                   1.0);
    }
    if (pl.train)
        used[RG_A_GRAD_ACCUM_FUSION] = 1;
    double t_ops = r.compute_s + r.memory_s + r.overhead_s; /* all micro-steps */

    /* communication */
    comm_acc acc;
    memset(&acc, 0, sizeof acc);
    acc.floor = r.overhead;
    acc.used = used;
    double a = sh.ba, d = (double)dm.d;
    double t_inner = 0.0; /* exposed comm inside a micro-step (tp, cp, ep) */
    double t_pp = 0.0, t_dp = 0.0;
    if (pl.chips > 1) {
        const rg_system *s = &spec->system;
        rg_net net;
        rg_evaluate_net(s, &spec->assumptions, &net);
        used[RG_A_SCALEUP_EFF] = used[RG_A_SCALEOUT_EFF] = 1;
        double passes = pl.train ? (spec->par.recompute == RG_RECOMPUTE_FULL ? 3.0 : 2.0) : 1.0;
        double L = (double)pl.layers_stage, steps = pl.steps;
        if (pl.tp > 1) {
            /* one all-reduce after each mixer and each FFN (a shared
             * block's use: after its attention and its MLP) */
            double blocks = L + (double)(pl.dense_last + pl.moe_last) + 2.0 * pl.shared_stage +
                            (pl.train ? 2.0 * (double)m->mtp_layers : 2.0 * pl.draft);
            double ov = av[RG_A_TP_OVERLAP], bytes = pl.tokens_mb * d * a, n = blocks * passes * steps;
            used[RG_A_TP_OVERLAP] = 1;
            if (sh.sp) {
                /* Korthikanti et al. 2022, sec. 4.2.2: the backward pass
                 * all-gathers the layer-norm output again (it was not kept)
                 * for the weight gradient of the first linear of each block. */
                double regather = pl.train && av[RG_A_SP_REGATHER] >= 0.5 ? 2.0 * L * steps : 0.0;
                if (pl.train)
                    used[RG_A_SP_REGATHER] = 1;
                t_inner += comm(&acc, &net, RG_COMM_ALL_GATHER, pl.tp, 1, bytes, n + regather, ov);
                t_inner += comm(&acc, &net, RG_COMM_REDUCE_SCATTER, pl.tp, 1, bytes, n, ov);
            } else {
                t_inner += comm(&acc, &net, RG_COMM_ALL_REDUCE, pl.tp, 1, bytes, n, ov);
            }
            if (m->ssm.version == 1 && pl.ssm_stage > 0.0) {
                /* A Mamba-1 mixer split by channels: x_proj contracts over
                 * the local channels, so its (dt, B, C) output is a partial
                 * sum each rank needs whole (dt_proj and the scan read it):
                 * one all-reduce of tokens x (dt_rank + 2 state) per pass
                 * (backward: the gradient of that replicated input). */
                double xb = pl.tokens_mb * (double)(m->ssm.dt_rank + 2 * m->ssm.state) * a;
                t_inner +=
                    comm(&acc, &net, RG_COMM_ALL_REDUCE, pl.tp, 1, xb, pl.ssm_stage * passes * steps, ov);
            }
        }
        if (pl.cp > 1) {
            double kv = (double)(dm.k_dim + dm.v_dim); /* keys and values per token, all heads */
            double bytes = pl.tokens_mb * ceil(kv / (double)pl.tp) * a;
            double n = L * (double)(pl.cp - 1) * (pl.train ? passes + 1.0 : 1.0) * steps;
            used[RG_A_CP_OVERLAP] = 1;
            t_inner += comm(&acc, &net, RG_COMM_SEND_RECV, pl.cp, pl.tp, bytes, n, av[RG_A_CP_OVERLAP]);
        }
        if (pl.ep > 1 && pl.moe_last > 0) {
            /* the tokens travel at the experts' width (a latent MoE: the latent) */
            double bytes =
                pl.tokens_mb * (double)m->moe.top_k * (double)dm.moe_in * a / (sh.sp ? (double)pl.tp : 1.0);
            double n = 2.0 * (double)pl.moe_last * passes * steps;
            used[RG_A_EP_OVERLAP] = 1;
            t_inner +=
                comm(&acc, &net, RG_COMM_ALL_TO_ALL, pl.ep, pl.tp * pl.cp, bytes, n, av[RG_A_EP_OVERLAP]);
        }
        if (pl.pp > 1) {
            /* Narayanan et al. 2021, sec. 4.1 (scatter/gather): each
             * tensor-parallel rank sends 1/tp of the activation and the
             * receiving stage all-gathers it over the scale-up link; with
             * sequence parallelism the activation is already split. */
            bool split = pl.tp > 1 && (sh.sp || av[RG_A_PP_SCATTER_GATHER] >= 0.5);
            double full = pl.tokens_mb * d * a, bytes = full / (split ? (double)pl.tp : 1.0);
            double n = (pl.train ? 2.0 * (double)pl.v : 1.0) * steps;
            int64_t stride = pl.tp * pl.cp * pl.ep * pl.dp;
            used[RG_A_PP_OVERLAP] = 1;
            if (pl.tp > 1 && !sh.sp)
                used[RG_A_PP_SCATTER_GATHER] = 1;
            if (!pl.train) /* the batch crosses every stage boundary on its way */
                n = (double)(pl.pp - 1);
            t_pp = comm(&acc, &net, RG_COMM_SEND_RECV, pl.pp, stride, bytes, n, av[RG_A_PP_OVERLAP]);
            if (split && !sh.sp)
                t_pp += comm(&acc, &net, RG_COMM_ALL_GATHER, pl.tp, 1, full, n, av[RG_A_PP_OVERLAP]);
        }
        if (pl.train && pl.replicas * pl.cp > 1) {
            double expert = (double)pl.moe_last * rg_model_expert_params(m, &dm) / (double)pl.tp *
                            ((double)m->moe.experts / (double)pl.ep);
            double dense = stage - expert;
            double g = rg_format_bytes(nu->grads), w = sh.bw, ov = av[RG_A_DP_OVERLAP];
            int64_t nd = pl.dp * pl.ep * pl.cp, ne = pl.dp * pl.cp;
            used[RG_A_DP_OVERLAP] = 1;
            for (int part = 0; part < 2; part++) {
                double p = part == 0 ? dense : expert;
                int64_t n = part == 0 ? nd : ne, stride = part == 0 ? pl.tp : pl.tp * pl.cp * pl.ep;
                if (p <= 0.0)
                    continue;
                if (spec->par.zero == 0) {
                    t_dp += comm(&acc, &net, RG_COMM_ALL_REDUCE, n, stride, p * g, 1.0, ov);
                } else if (spec->par.zero < 3) {
                    t_dp += comm(&acc, &net, RG_COMM_REDUCE_SCATTER, n, stride, p * g, 1.0, ov);
                    t_dp += comm(&acc, &net, RG_COMM_ALL_GATHER, n, stride, p * w, 1.0, ov);
                } else {
                    t_dp += comm(&acc, &net, RG_COMM_ALL_GATHER, n, stride, p * w, 2.0 * steps, ov);
                    t_dp += comm(&acc, &net, RG_COMM_REDUCE_SCATTER, n, stride, p * g, steps, ov);
                }
            }
        }
        if (pl.train && pl.pp > 1 && m->shared.uses > 0) {
            /* a shared block's weights sit on every stage that runs it:
             * their gradients are summed over the pipeline stages once per
             * step (as Megatron-LM sums tied embeddings over the first and
             * last stage) */
            double nb = ceil(pl.shared_stage) < (double)m->shared.blocks ? ceil(pl.shared_stage)
                                                                         : (double)m->shared.blocks;
            double bytes =
                nb * rg_model_shared_block_params(m, &dm) / (double)pl.tp * rg_format_bytes(nu->grads);
            used[RG_A_DP_OVERLAP] = 1;
            t_dp += comm(&acc, &net, RG_COMM_ALL_REDUCE, pl.pp, pl.tp * pl.cp * pl.ep * pl.dp, bytes, 1.0,
                         av[RG_A_DP_OVERLAP]);
        }
    }

    /* optimizer (Adam) on this device's share of the parameters */
    double t_opt = 0.0;
    if (pl.train) {
        double shard = spec->par.zero >= 1 ? (double)pl.dp : 1.0;
        double pdev = stage / shard;
        double w = sh.bw, g = rg_format_bytes(nu->grads);
        double master = nu->master == nu->weights ? 0.0 : rg_format_bytes(nu->master);
        double o = rg_format_bytes(nu->optimizer);
        /* read grad, master, m, v; write master, m, v and the working weights */
        double bytes = pdev * (g + 2.0 * master + 4.0 * o + w + (master > 0.0 ? 0.0 : w));
        t_opt = rg_roof_op(&r, "optimizer", RG_PASS_OPTIMIZER, nu->optimizer, false, 1.0,
                           pdev * av[RG_A_OPTIMIZER_FLOPS], bytes, 1.0);
        used[RG_A_OPTIMIZER_FLOPS] = 1;
    }

    /* step time */
    rg_breakdown *bd = &out->breakdown;
    /* The busiest stage: per-layer work (ops and in-layer collectives) times
     * its layers, plus the embedding on the first stage and the LM head and
     * loss on the last (the roofline above ran the stage with the most
     * layers, head included). */
    double t_stage = t_ops + t_inner, imbalance = 0.0;
    if (pl.pp > 1) {
        double per_layer = (t_ops - r.head_s + t_inner) / (double)pl.layers_stage;
        double first = per_layer * (double)pl.layers_first + rg_roofline_embed_s(&r, m, &dm, &sh, pl.steps);
        double mid = per_layer * (double)pl.layers_mid, last = per_layer * (double)pl.layers_last + r.head_s;
        t_stage = last > first ? last : first;
        if (pl.pp > 2 && mid > t_stage)
            t_stage = mid;
        /* the ops rows and the compute/memory split describe the stage with
         * the most layers; the difference to the busiest stage is "other" */
        imbalance = t_stage - (t_ops + t_inner);
        t_ops = t_stage - t_inner;
    }
    double t_mb = t_stage / pl.steps; /* one micro-step on the busiest stage */
    double bubble = 0.0, step_overhead = 0.0;
    if (pl.train) {
        /* Interleaved 1F1B (Narayanan et al. 2021, sec. 2.2.2) with v chunks:
         * (pp-1) chunk slots fill and drain the pipeline, and with fewer
         * micro-batches than stages each further chunk round waits (pp - m)
         * slots for its first micro-batch to come around. */
        double short_by = pl.steps < (double)pl.pp ? (double)pl.pp - pl.steps : 0.0;
        bubble = ((double)(pl.pp - 1) + (double)(pl.v - 1) * short_by) / (double)pl.v * t_mb;
        step_overhead = av[RG_A_STEP_OVERHEAD];
        used[RG_A_STEP_OVERHEAD] = 1;
    } else {
        bubble = (double)(pl.pp - 1) * t_mb;
    }
    bd->compute_s = r.compute_s;
    bd->memory_s = r.memory_s;
    for (int k = 0; k < RG_COMM_COUNT; k++) {
        bd->comm_s[k] = acc.total[k];
        bd->comm_exposed_s[k] = acc.exposed[k];
    }
    bd->bubble_s = bubble;
    bd->other_s = r.overhead_s + step_overhead + imbalance; /* latency-bound ops, stage imbalance */
    out->time_s = t_ops + t_inner + t_pp + t_dp + t_opt + bubble + step_overhead;

    /* totals over all devices */
    double per_stage = (double)pl.chips / (double)pl.pp;
    double units[RG_CAT_COUNT] = {
        (double)dm.global_layers, (double)dm.dense_layers, (double)dm.moe_layers, 1.0,
        (double)dm.local_layers,  (double)dm.ssm_layers,   (double)m->mtp_layers, (double)m->shared.uses};
    double fm = 0.0, fh = 0.0;
    for (int c = 0; c < RG_CAT_COUNT; c++) {
        fm += r.unit_model_flops[c] * units[c];
        fh += r.unit_hw_flops[c] * units[c];
    }
    out->flops = fm * pl.steps * per_stage;
    out->hw_flops = fh * pl.steps * per_stage;
    out->bytes = r.bytes * (double)pl.chips;
    out->chips = pl.chips;
    out->mfu = out->time_s > 0.0 ? out->flops / (out->time_s * (double)pl.chips * peak) : 0.0;
    /* a step with k drafts yields 1 + a + ... + a^k tokens per sequence
     * (each draft kept only if the ones before it were) */
    double per_step = 1.0, kept = 1.0;
    for (int64_t k = 0; k < (int64_t)pl.draft; k++) {
        kept *= av[RG_A_MTP_ACCEPTANCE];
        per_step += kept;
    }
    if (pl.draft > 0.0)
        used[RG_A_MTP_ACCEPTANCE] = 1;
    double tokens = mix         ? mix->prefill.q + mix->decode.q
                    : pl.decode ? (double)spec->batch * per_step
                                : (double)spec->batch * (double)spec->seq_len;
    out->tokens_per_s = out->time_s > 0.0 ? tokens / out->time_s : 0.0;
    out->tokens_per_s_per_chip = out->tokens_per_s / (double)pl.chips;
    out->latency_per_token_s = pl.decode ? out->time_s / per_step : 0.0;
    out->tokens_per_step = pl.decode ? per_step : 0.0;
    rg_model_params_dims(m, &dm, &out->params, &out->active_params);
    out->mtp_params = rg_model_mtp_params(m);

    rg_memory_estimate(spec, &dm, &pl, &out->memory, used);
    rg_energy_in ein = {.matrix_flops = r.flops_matrix,
                        .bytes = r.bytes,
                        .scaleup_bytes = acc.up_bytes,
                        .scaleout_bytes = acc.out_bytes,
                        .time_s = out->time_s,
                        .chips = (double)pl.chips,
                        .tokens = tokens,
                        .peak = peak,
                        .tdp_w = spec->hw.tdp_w,
                        .math_bytes = rg_format_bytes(nu->math),
                        .silicon = &out->silicon};
    rg_energy_compute(&ein, &spec->assumptions, &out->energy, used);
    return rg_recipe_silicon_derive(spec, &out->silicon, r.recipe_elems, (double)pl.chips, tokens,
                                    &out->recipe_silicon, used, err);
}
