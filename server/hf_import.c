/* hf_import.c: config.json of Hugging Face transformers families -> rg_model
 * (see hf_import.h).
 *
 * One row per family in `families` holds the config class defaults the
 * family's __init__ applies to absent keys (transformers' configuration_*.py)
 * and the structural facts of its modeling_*.py that no key states: whether
 * the MLP is gated, which projections carry biases, q/k norms, norms per
 * layer, tied embeddings by default. The layer rules differ by family and
 * are small functions below:
 *   - sliding window: Mistral / Mixtral / Phi-3 window every layer when
 *     `sliding_window` is set; Qwen2 / Qwen3 only with use_sliding_window and
 *     for layers i >= max_window_layers; Gemma 2 alternates (even layers
 *     local); Gemma 3 makes every `sliding_window_pattern`-th layer global;
 *     an explicit `layer_types` list overrides all of these.
 *   - MoE layers: Mixtral every layer; Qwen3-MoE layer i unless it is in
 *     mlp_only_layers or (i + 1) % decoder_sparse_step != 0; DeepSeek layer
 *     i >= first_k_dense_replace with i % moe_layer_freq == 0.
 *   - Nemotron-H: `hybrid_override_pattern` has one character per block
 *     (M Mamba-2, * attention, - MLP, E MoE); Ridge pairs each mixer with an
 *     FFN, so layers = mixers and the FFN blocks fill as many of them. */
#include "hf_import.h"

#include "codec_json.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

enum { WIN_NONE, WIN_ALL, WIN_QWEN, WIN_GEMMA2, WIN_GEMMA3 };
enum { MOE_NONE, MOE_MIXTRAL, MOE_QWEN3, MOE_DEEPSEEK, MOE_QWEN2 };
enum { ARCH_DECODER, ARCH_GPT2, ARCH_NEOX, ARCH_MLA, ARCH_NEMOTRON_H, ARCH_JAMBA, ARCH_ZAMBA2 };

typedef struct hf_family {
    const char *type; /* model_type */
    const char *cls;  /* transformers config class whose defaults apply */
    int arch;
    int64_t vocab, hidden, inter, layers, heads;
    int64_t kv_heads;    /* default num_key_value_heads; 0 = num_attention_heads */
    int64_t head_dim;    /* default head_dim; 0 = hidden_size / num_attention_heads */
    int64_t max_pos;     /* default max_position_embeddings */
    int64_t window;      /* default sliding_window (0 = None) */
    const char *act_key; /* key of the MLP activation */
    const char *act;     /* its default */
    bool gated;          /* gate_proj * act(up_proj) */
    bool tie;            /* default tie_word_embeddings */
    bool qkv_bias;       /* q/k/v biases whatever the config says (Qwen2) */
    bool qk_norm;        /* per-head q/k RMSNorm (Qwen3, Gemma 3) */
    bool post_norms;     /* four norms per layer (Gemma 2/3) */
    bool attention_bias; /* default attention_bias */
    int win, moe;
    double attn_softcap, final_softcap; /* Gemma 2 defaults */
} hf_family;

/* Defaults as the config classes define them (transformers 4.5x). Columns:
 * type, class, arch, vocab, hidden, inter, layers, heads, kv_heads, head_dim, max_pos, window,
 * act_key, act, gated, tie, qkv_bias, qk_norm, post_norms, attention_bias, win, moe, softcaps. */
// clang-format off
static const hf_family families[] = {
    {"llama", "LlamaConfig", ARCH_DECODER,
     32000, 4096, 11008, 32, 32, 0, 0, 2048, 0,
     "hidden_act", "silu", true, false, false, false, false, false, WIN_NONE, MOE_NONE, 0, 0},
    {"mistral", "MistralConfig", ARCH_DECODER,
     32000, 4096, 14336, 32, 32, 8, 0, 131072, 4096,
     "hidden_act", "silu", true, false, false, false, false, false, WIN_ALL, MOE_NONE, 0, 0},
    {"mixtral", "MixtralConfig", ARCH_DECODER,
     32000, 4096, 14336, 32, 32, 8, 0, 131072, 0,
     "hidden_act", "silu", true, false, false, false, false, false, WIN_ALL, MOE_MIXTRAL, 0, 0},
    {"qwen2", "Qwen2Config", ARCH_DECODER,
     151936, 4096, 22016, 32, 32, 32, 0, 32768, 4096,
     "hidden_act", "silu", true, false, true, false, false, false, WIN_QWEN, MOE_NONE, 0, 0},
    {"qwen2_moe", "Qwen2MoeConfig", ARCH_DECODER,
     151936, 2048, 5632, 24, 16, 16, 0, 32768, 4096,
     "hidden_act", "silu", true, false, true, false, false, false, WIN_QWEN, MOE_QWEN2, 0, 0},
    {"qwen3", "Qwen3Config", ARCH_DECODER,
     151936, 4096, 22016, 32, 32, 32, 128, 32768, 4096,
     "hidden_act", "silu", true, false, false, true, false, false, WIN_QWEN, MOE_NONE, 0, 0},
    {"qwen3_moe", "Qwen3MoeConfig", ARCH_DECODER,
     151936, 2048, 6144, 24, 32, 4, 0, 32768, 4096,
     "hidden_act", "silu", true, false, false, true, false, false, WIN_QWEN, MOE_QWEN3, 0, 0},
    {"gemma", "GemmaConfig", ARCH_DECODER,
     256000, 3072, 24576, 28, 16, 16, 256, 8192, 0,
     "hidden_activation", "gelu_pytorch_tanh", true, true, false, false, false, false, WIN_NONE, MOE_NONE, 0, 0},
    {"gemma2", "Gemma2Config", ARCH_DECODER,
     256000, 2304, 9216, 26, 8, 4, 256, 8192, 4096,
     "hidden_activation", "gelu_pytorch_tanh", true, true, false, false, true, false, WIN_GEMMA2, MOE_NONE, 50.0, 30.0},
    {"gemma3_text", "Gemma3TextConfig", ARCH_DECODER,
     262208, 2304, 9216, 26, 8, 4, 256, 131072, 4096,
     "hidden_activation", "gelu_pytorch_tanh", true, true, false, true, true, false, WIN_GEMMA3, MOE_NONE, 0, 0},
    {"phi3", "Phi3Config", ARCH_DECODER,
     32064, 3072, 8192, 32, 32, 0, 0, 4096, 0,
     "hidden_act", "silu", true, false, false, false, false, false, WIN_ALL, MOE_NONE, 0, 0},
    {"deepseek_v2", "DeepseekV2Config", ARCH_MLA,
     102400, 4096, 11008, 30, 32, 0, 0, 2048, 0,
     "hidden_act", "silu", true, false, false, false, false, false, WIN_NONE, MOE_DEEPSEEK, 0, 0},
    {"deepseek_v3", "DeepseekV3Config", ARCH_MLA,
     129280, 7168, 18432, 61, 128, 128, 0, 4096, 0,
     "hidden_act", "silu", true, false, false, false, false, false, WIN_NONE, MOE_DEEPSEEK, 0, 0},
    {"gpt2", "GPT2Config", ARCH_GPT2,
     50257, 768, 0, 12, 12, 0, 0, 1024, 0,
     "activation_function", "gelu_new", false, true, false, false, false, false, WIN_NONE, MOE_NONE, 0, 0},
    {"gpt_neox", "GPTNeoXConfig", ARCH_NEOX,
     50432, 6144, 24576, 44, 64, 0, 0, 2048, 0,
     "hidden_act", "gelu", false, false, false, false, false, true, WIN_NONE, MOE_NONE, 0, 0},
    {"nemotron_h", "NemotronHConfig", ARCH_NEMOTRON_H,
     131072, 4096, 21504, 52, 32, 8, 128, 4096, 0,
     "mlp_hidden_act", "relu2", false, false, false, false, false, false, WIN_NONE, MOE_NONE, 0, 0},
    {"jamba", "JambaConfig", ARCH_JAMBA,
     65536, 4096, 14336, 32, 32, 8, 0, 262144, 0,
     "hidden_act", "silu", true, false, false, false, false, false, WIN_ALL, MOE_NONE, 0, 0},
    {"zamba2", "Zamba2Config", ARCH_ZAMBA2,
     32000, 2560, 0, 54, 32, 0, 0, 4096, 0,
     "hidden_act", "gelu", true, true, false, false, false, false, WIN_NONE, MOE_NONE, 0, 0},
};
// clang-format on
#define NFAMILIES ((int)(sizeof families / sizeof families[0]))

/* Activations transformers' ACT2FN knows that an MLP may name. */
static const char *const activations[] = {
    "silu",          "swish",      "gelu", "gelu_new", "gelu_fast", "gelu_python", "gelu_pytorch_tanh",
    "gelu_accurate", "quick_gelu", "relu", "relu2",    "relu6",     "leaky_relu",  "mish",
    "tanh",          "sigmoid",    NULL};

const char *hf_known_types(void) {
    return "llama, mistral, mixtral, qwen2, qwen3, qwen3_moe, gemma2, gemma3 (text_config), gemma3_text, "
           "phi3, "
           "deepseek_v2, deepseek_v3, gpt2, gpt_neox, nemotron_h, jamba, zamba2";
}

/* Read state: the first error sticks, later reads do nothing. */
typedef struct rd {
    const cJSON *cfg;
    const char *path;
    const hf_family *fam;
    hf_trace *tr;
    rg_err *err;
    int rc;
} rd;

static void keypath(const rd *r, const char *key, char *out, size_t cap) {
    snprintf(out, cap, "%s.%s", r->path, key);
}

static int fail(rd *r, int code, const char *key, const char *fmt, const char *a, long long x, long long y) {
    char p[160], msg[256];
    if (r->rc)
        return r->rc;
    keypath(r, key, p, sizeof p);
    snprintf(msg, sizeof msg, fmt, a ? a : "", x, y);
    r->rc = rg_err_set(r->err, code, p, "%s", msg);
    return r->rc;
}

static void trace(rd *r, const char *field, const char *fmt, const char *a, long long x) {
    if (!r->tr || r->tr->n >= HF_TRACE_MAX)
        return;
    for (int i = 0; i < r->tr->n; i++)
        if (strcmp(r->tr->src[i].field, field) == 0) { /* the last word wins */
            snprintf(r->tr->src[i].from, HF_SOURCE_MAX, fmt, a ? a : "", x);
            return;
        }
    hf_source *s = &r->tr->src[r->tr->n++];
    s->field = field;
    snprintf(s->from, HF_SOURCE_MAX, fmt, a ? a : "", x);
}

/* The key's item, or NULL when it is absent or null (transformers' None). */
static const cJSON *item(const rd *r, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->cfg, key);
    return v && !cJSON_IsNull(v) ? v : NULL;
}

/* The first of two spellings of a key that the config holds (else `a`). */
static const char *pick(const rd *r, const char *a, const char *b) {
    return cJSON_GetObjectItemCaseSensitive(r->cfg, a) || !cJSON_GetObjectItemCaseSensitive(r->cfg, b) ? a
                                                                                                       : b;
}

/* The key is given as null (transformers' None). */
static bool is_null(const rd *r, const char *key) {
    return cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r->cfg, key));
}

/* An integer key >= `min`; `*have` says whether the config gave it. */
static int64_t get_int(rd *r, const char *key, int64_t def, int64_t min, bool *have) {
    const cJSON *v = item(r, key);
    if (have)
        *have = v != NULL;
    if (!v || r->rc)
        return def;
    if (!cJSON_IsNumber(v)) {
        fail(r, RG_ETYPE, key, "expected an integer (got %s)", codec_json_type_name(v), 0, 0);
        return def;
    }
    double d = v->valuedouble;
    if (!isfinite(d) || d != floor(d) || fabs(d) > 9007199254740992.0) {
        fail(r, RG_ETYPE, key, "expected an integer%s", "", 0, 0);
        return def;
    }
    if (d < (double)min) {
        fail(r, RG_ERANGE, key, "must be >= %s%lld (got %lld)", "", (long long)min, (long long)d);
        return def;
    }
    return (int64_t)d;
}

static double get_num(rd *r, const char *key, double def, bool *have) {
    const cJSON *v = item(r, key);
    if (is_null(r, key)) /* None: no soft-capping */
        def = 0.0;
    if (have)
        *have = v != NULL;
    if (!v || r->rc)
        return def;
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < 0) {
        fail(r, RG_ETYPE, key, "expected a number >= 0 (got %s)", codec_json_type_name(v), 0, 0);
        return def;
    }
    return v->valuedouble;
}

static bool get_bool(rd *r, const char *key, bool def, bool *have) {
    const cJSON *v = item(r, key);
    if (have)
        *have = v != NULL;
    if (!v || r->rc)
        return def;
    if (!cJSON_IsBool(v)) {
        fail(r, RG_ETYPE, key, "expected true or false (got %s)", codec_json_type_name(v), 0, 0);
        return def;
    }
    return cJSON_IsTrue(v);
}

/* An integer key traced into `field`: the key, or the family default. An
 * explicit null of a count that may be 0 means none (n_shared_experts,
 * q_lora_rank, num_nextn_predict_layers). */
static int64_t int_field(rd *r, const char *field, const char *key, int64_t def, int64_t min) {
    bool have = false;
    if (min == 0 && is_null(r, key)) {
        trace(r, field, "%s null: none", key, 0);
        return 0;
    }
    int64_t v = get_int(r, key, def, min, &have);
    if (have)
        trace(r, field, "%s", key, 0);
    else
        trace(r, field, "%s absent: default of the config class (%lld)", key, (long long)def);
    return v;
}

static bool bool_field(rd *r, const char *field, const char *key, bool def) {
    bool have = false;
    bool v = get_bool(r, key, def, &have);
    if (have)
        trace(r, field, "%s", key, 0);
    else
        trace(r, field,
              def ? "%s absent: default of the config class (true)"
                  : "%s absent: default of the config class (false)",
              key, 0);
    return v;
}

static void check_activation(rd *r) {
    const cJSON *v = item(r, r->fam->act_key);
    const char *name = r->fam->act;
    if (v) {
        if (!cJSON_IsString(v)) {
            fail(r, RG_ETYPE, r->fam->act_key, "expected an activation name (got %s)",
                 codec_json_type_name(v), 0, 0);
            return;
        }
        name = v->valuestring;
    }
    for (int i = 0; activations[i]; i++)
        if (strcmp(activations[i], name) == 0)
            return;
    fail(r, RG_EUNKNOWN, r->fam->act_key,
         "unknown activation \"%.60s\" (known: silu, swish, gelu, gelu_new, gelu_fast, gelu_python, "
         "gelu_pytorch_tanh, gelu_accurate, quick_gelu, relu, relu2, relu6, leaky_relu, mish, tanh, sigmoid)",
         name, 0, 0);
}

/* Count entries of `layer_types`; returns false when the key is absent. */
static bool layer_types(rd *r, int64_t layers, int64_t *local) {
    const cJSON *v = item(r, "layer_types"), *it;
    int64_t n = 0, loc = 0;
    if (!v || r->rc)
        return false;
    if (!cJSON_IsArray(v)) {
        fail(r, RG_ETYPE, "layer_types", "expected an array of strings (got %s)", codec_json_type_name(v), 0,
             0);
        return false;
    }
    cJSON_ArrayForEach(it, v) {
        if (!cJSON_IsString(it)) {
            fail(r, RG_ETYPE, "layer_types", "expected an array of strings (got an element of type %s)",
                 codec_json_type_name(it), 0, 0);
            return false;
        }
        if (strcmp(it->valuestring, "sliding_attention") == 0)
            loc++;
        else if (strcmp(it->valuestring, "full_attention") != 0) {
            fail(r, RG_EUNKNOWN, "layer_types",
                 "unknown layer type \"%.40s\" (known: full_attention, sliding_attention)", it->valuestring,
                 0, 0);
            return false;
        }
        n++;
    }
    if (n != layers) {
        fail(r, RG_ERANGE, "layer_types", "%shas %lld entries for %lld layers", "", (long long)n,
             (long long)layers);
        return false;
    }
    *local = loc;
    return true;
}

/* Sliding-window layers per the family's rule (see the file comment). */
static void windows(rd *r, rg_model *m, int64_t max_pos) {
    const hf_family *f = r->fam;
    int64_t L = m->layers, local = 0, w = 0;
    bool have = false;
    if (f->win == WIN_NONE)
        return;
    w = is_null(r, "sliding_window") ? 0 : get_int(r, "sliding_window", f->window, 1, &have);
    if (f->win == WIN_QWEN) {
        bool use = get_bool(r, "use_sliding_window", false, NULL);
        int64_t full = get_int(r, "max_window_layers", 28, 0, NULL);
        if (!use)
            w = 0;
        local = use && full < L ? L - full : 0;
        trace(r, "local_layers", "%snum_hidden_layers - max_window_layers when use_sliding_window", "", 0);
    } else if (f->win == WIN_GEMMA2) {
        local = (L + 1) / 2;
        trace(r, "local_layers", "%sGemma 2: layers 0, 2, 4 ... use the window ((i + 1) %% 2 != 0)", "", 0);
    } else if (f->win == WIN_GEMMA3) {
        bool hp = false;
        int64_t pat = get_int(r, "sliding_window_pattern", 6, 1, &hp);
        if (!hp)
            pat = get_int(r, "_sliding_window_pattern", 6, 1, &hp);
        local = L - L / pat;
        trace(r, "local_layers", "%slayers with (i + 1) %% sliding_window_pattern != 0 (pattern %lld)", "",
              (long long)pat);
    } else {
        local = w > 0 ? L : 0;
        trace(r, "local_layers", "%severy layer when sliding_window is set", "", 0);
    }
    int64_t lt = 0;
    if (layer_types(r, L, &lt)) {
        local = lt;
        if (f->win == WIN_QWEN && local > 0 && w == 0) /* layer_types names the window's layers */
            w = get_int(r, "sliding_window", f->window, 1, NULL);
        trace(r, "local_layers", "%slayer_types (sliding_attention entries)", "", 0);
    }
    if (local == 0)
        w = 0;
    if (w > 0 && max_pos > 0 && w > max_pos)
        fail(r, RG_ERANGE, "sliding_window",
             "%s%lld is longer than the context (max_position_embeddings %lld)", "", (long long)w,
             (long long)max_pos);
    m->sliding_window = w;
    m->local_layers = w > 0 ? local : 0;
    if (w > 0)
        trace(r, "sliding_window",
              have ? "%ssliding_window" : "%ssliding_window: default of the config class", "", 0);
}

/* MoE layers of Qwen3-MoE and DeepSeek; Mixtral's are every layer. */
static void moe(rd *r, rg_model *m) {
    const hf_family *f = r->fam;
    int64_t L = m->layers, moe_n = 0;
    rg_moe *e = &m->moe;
    if (f->moe == MOE_MIXTRAL) {
        e->experts = int_field(r, "moe.experts", "num_local_experts", 8, 1);
        e->top_k = int_field(r, "moe.top_k", "num_experts_per_tok", 2, 1);
        e->expert_ffn_dim = m->ffn_dim;
        trace(r, "moe.expert_ffn_dim", "%sintermediate_size (every expert)", "", 0);
        return;
    }
    if (f->moe == MOE_QWEN3 || f->moe == MOE_QWEN2) {
        bool have = false, q2 = f->moe == MOE_QWEN2;
        e->experts = int_field(r, "moe.experts", "num_experts", q2 ? 60 : 128, 0);
        e->top_k = int_field(r, "moe.top_k", "num_experts_per_tok", q2 ? 4 : 8, 1);
        e->expert_ffn_dim = int_field(r, "moe.expert_ffn_dim", "moe_intermediate_size", q2 ? 1408 : 768, 1);
        if (q2 && !r->rc) { /* one shared expert of its own width, in units of the routed width */
            int64_t sw = get_int(r, "shared_expert_intermediate_size", 5632, 0, NULL);
            if (sw % e->expert_ffn_dim != 0)
                fail(r, RG_EUNSUPPORTED, "shared_expert_intermediate_size",
                     "%s%lld is not a multiple of moe_intermediate_size (%lld)", "", (long long)sw,
                     (long long)e->expert_ffn_dim);
            e->shared_experts = sw / e->expert_ffn_dim;
            trace(r, "moe.shared_experts", "%sshared_expert_intermediate_size / moe_intermediate_size", "",
                  0);
            if (e->shared_experts > 0) { /* Qwen2MoeSparseMoeBlock.shared_expert_gate: Linear(d, 1) */
                e->shared_gate = true;
                trace(r, "moe.shared_gate", "%s: shared_expert_gate, a hidden_size x 1 sigmoid gate", f->cls,
                      0);
            }
        }
        int64_t step = get_int(r, "decoder_sparse_step", 1, 1, NULL);
        const cJSON *only = item(r, "mlp_only_layers");
        if (only && !cJSON_IsArray(only))
            fail(r, RG_ETYPE, "mlp_only_layers", "expected an array of layer indices (got %s)",
                 codec_json_type_name(only), 0, 0);
        for (int64_t i = 0; i < L && !r->rc; i++) {
            bool dense = false;
            const cJSON *it;
            if (only)
                cJSON_ArrayForEach(it, only) {
                    if (!cJSON_IsNumber(it))
                        fail(r, RG_ETYPE, "mlp_only_layers", "expected layer indices (got %s)",
                             codec_json_type_name(it), 0, 0);
                    else if (it->valuedouble == (double)i)
                        dense = true;
                }
            if (!dense && e->experts > 0 && (i + 1) % step == 0)
                moe_n++;
        }
        (void)have;
        trace(r, "moe.dense_layers",
              "%slayers in mlp_only_layers or with (i + 1) %% decoder_sparse_step != 0", "", 0);
    } else { /* DeepSeek */
        bool v3 = strcmp(f->type, "deepseek_v3") == 0;
        e->experts = int_field(r, "moe.experts", "n_routed_experts", v3 ? 256 : 0, 0);
        e->top_k = int_field(r, "moe.top_k", "num_experts_per_tok", v3 ? 8 : 0, 0);
        e->shared_experts = int_field(r, "moe.shared_experts", "n_shared_experts", v3 ? 1 : 0, 0);
        e->expert_ffn_dim = int_field(r, "moe.expert_ffn_dim", "moe_intermediate_size", v3 ? 2048 : 1407, 1);
        int64_t first = get_int(r, "first_k_dense_replace", v3 ? 3 : 0, 0, NULL);
        int64_t freq = get_int(r, "moe_layer_freq", 1, 1, NULL);
        for (int64_t i = 0; i < L; i++)
            if (e->experts > 0 && i >= first && i % freq == 0)
                moe_n++;
        trace(r, "moe.dense_layers", "%slayers i < first_k_dense_replace or i %% moe_layer_freq != 0", "", 0);
    }
    if (e->experts == 0) {
        memset(e, 0, sizeof *e);
        return;
    }
    if (e->top_k < 1)
        fail(r, RG_ERANGE, "num_experts_per_tok", "%smust be >= 1 with %lld experts (got %lld)", "",
             (long long)e->experts, (long long)e->top_k);
    if (e->top_k > e->experts)
        fail(r, RG_ERANGE, "num_experts_per_tok", "%smust be <= the number of experts (%lld, got %lld)", "",
             (long long)e->experts, (long long)e->top_k);
    e->dense_layers = L - moe_n;
}

static void mla(rd *r, rg_model *m) {
    rg_mla *a = &m->mla;
    a->q_lora_rank = int_field(r, "mla.q_lora_rank", "q_lora_rank", 1536, 0); /* null: not compressed */
    a->kv_lora_rank = int_field(r, "mla.kv_lora_rank", "kv_lora_rank", 512, 1);
    a->qk_nope_head_dim = int_field(r, "mla.qk_nope_head_dim", "qk_nope_head_dim", 128, 1);
    a->qk_rope_head_dim = int_field(r, "mla.qk_rope_head_dim", "qk_rope_head_dim", 64, 1);
    a->v_head_dim = int_field(r, "mla.v_head_dim", "v_head_dim", 128, 1);
    a->enabled = true;
    m->mtp_layers = int_field(r, "mtp_layers", "num_nextn_predict_layers", 0, 0);
}

/* Nemotron-H's blocks: NemotronHConfig's layers_block_type list ("mamba",
 * "attention", "mlp", "moe"; num_hidden_layers is then derived from it) or,
 * without it, the older hybrid_override_pattern string (one character per
 * block: M, *, -, E), whose length must equal num_hidden_layers. Counts
 * into n[4] (M, *, -, E); returns false after an error. */
static bool nemotron_blocks(rd *r, int64_t n[4]) {
    static const char chars[] = "M*-E";
    static const char *const names[] = {"mamba", "attention", "mlp", "moe"};
    const cJSON *l = item(r, "layers_block_type"), *it;
    if (l) {
        if (!cJSON_IsArray(l)) {
            fail(r, RG_ETYPE, "layers_block_type", "expected an array of block types (got %s)",
                 codec_json_type_name(l), 0, 0);
            return false;
        }
        cJSON_ArrayForEach(it, l) {
            int k = 0;
            while (k < 4 && !(cJSON_IsString(it) && strcmp(it->valuestring, names[k]) == 0))
                k++;
            if (k == 4) {
                fail(r, RG_EUNKNOWN, "layers_block_type",
                     "unknown block %s (known: mamba, attention, mlp, moe)",
                     cJSON_IsString(it) ? it->valuestring : codec_json_type_name(it), 0, 0);
                return false;
            }
            n[k]++;
        }
        trace(r, "layers", "%slayers_block_type: mixer blocks (mamba and attention)", "", 0);
        return true;
    }
    const cJSON *p = item(r, "hybrid_override_pattern");
    if (!p) {
        fail(r, RG_EMISSING, "hybrid_override_pattern",
             "%srequired without layers_block_type (one character per block: M, *, -, E)", "", 0, 0);
        return false;
    }
    if (!cJSON_IsString(p)) {
        fail(r, RG_ETYPE, "hybrid_override_pattern", "expected a string (got %s)", codec_json_type_name(p), 0,
             0);
        return false;
    }
    for (const char *c = p->valuestring; *c; c++) {
        const char *k = strchr(chars, *c);
        if (!k || !*c) {
            char bad[2] = {*c, 0};
            fail(r, RG_EINVAL, "hybrid_override_pattern",
                 "unknown block \"%s\" (known: M Mamba-2, * attention, - MLP, E MoE)", bad, 0, 0);
            return false;
        }
        n[k - chars]++;
    }
    int64_t blocks = (int64_t)strlen(p->valuestring);
    int64_t declared = get_int(r, "num_hidden_layers", blocks, 1, NULL);
    if (declared != blocks)
        fail(r, RG_ERANGE, "hybrid_override_pattern", "%shas %lld blocks for num_hidden_layers %lld", "",
             (long long)blocks, (long long)declared);
    trace(r, "layers", "%shybrid_override_pattern: mixer blocks (M and *)", "", 0);
    return !r->rc;
}

/* Nemotron-H: the blocks and the Mamba-2 widths. */
static void nemotron_h(rd *r, rg_model *m) {
    int64_t n[4] = {0, 0, 0, 0};
    if (!nemotron_blocks(r, n))
        return;
    int64_t nm = n[0], na = n[1], nf = n[2], ne = n[3];
    if (nm + na == 0 || nf + ne > nm + na)
        fail(r, RG_ERANGE, item(r, "layers_block_type") ? "layers_block_type" : "hybrid_override_pattern",
             "%sneeds at least as many mixers (mamba, attention: %lld) as FFN blocks (mlp, moe: %lld)", "",
             (long long)(nm + na), (long long)(nf + ne));
    if (r->rc)
        return;
    m->layers = nm + na;
    m->ssm.layers = nm;
    m->ffn_free_layers = nm + na - nf - ne;
    trace(r, "ssm.layers", "%smamba blocks (M)", "", 0);
    trace(r, "ffn_free_layers", "%smixers minus FFN blocks (mlp and moe: - and E)", "", 0);
    rg_ssm *s = &m->ssm;
    s->heads = int_field(r, "ssm.heads", "mamba_num_heads", 128, 1);
    int64_t hd = int_field(r, "ssm.inner", "mamba_head_dim", 64, 1);
    (void)get_int(r, pick(r, "expand", "mamba_expand"), 2, 1, NULL); /* inner is heads x head_dim */
    s->inner = s->heads * hd;
    trace(r, "ssm.inner", "%smamba_num_heads x mamba_head_dim", "", 0);
    s->state = int_field(r, "ssm.state", "ssm_state_size", 128, 1);
    /* a saved config holds the attributes (n_groups, conv_kernel, ...); the
     * class's __init__ takes them as mamba_n_groups, mamba_d_conv, ... */
    s->groups = int_field(r, "ssm.groups", pick(r, "n_groups", "mamba_n_groups"), 8, 1);
    s->conv = int_field(r, "ssm.conv", pick(r, "conv_kernel", "mamba_d_conv"), 4, 1);
    s->chunk = int_field(r, "ssm.chunk", pick(r, "chunk_size", "mamba_chunk_size"), 256, 1);
    s->bias = bool_field(r, "ssm.bias", "use_bias", false);
    s->conv_bias = bool_field(r, "ssm.conv_bias", pick(r, "use_conv_bias", "mamba_conv_bias"), true);
    if (!r->rc && s->heads % s->groups != 0)
        fail(r, RG_ERANGE, "n_groups", "%smamba_num_heads (%lld) must be divisible by n_groups (%lld)", "",
             (long long)s->heads, (long long)s->groups);
    if (ne > 0) {
        rg_moe *e = &m->moe;
        e->experts = int_field(r, "moe.experts", "n_routed_experts", 8, 1);
        e->top_k = int_field(r, "moe.top_k", "num_experts_per_tok", 2, 1);
        e->expert_ffn_dim = int_field(r, "moe.expert_ffn_dim", "moe_intermediate_size", 7688, 1);
        int64_t ns = int_field(r, "moe.shared_experts", "n_shared_experts", 1, 0);
        e->dense_layers = nf;
        trace(r, "moe.dense_layers", "%shybrid_override_pattern: - blocks", "", 0);
        /* shared experts of their own width, in units of the routed width */
        int64_t sw = get_int(r, "moe_shared_expert_intermediate_size", 7688, 1, NULL);
        if (!r->rc && ns > 0) {
            if (sw % e->expert_ffn_dim != 0)
                fail(r, RG_EUNSUPPORTED, "moe_shared_expert_intermediate_size",
                     "%s%lld is not a multiple of moe_intermediate_size (%lld)", "", (long long)sw,
                     (long long)e->expert_ffn_dim);
            e->shared_experts = ns * (sw / e->expert_ffn_dim);
            trace(r, "moe.shared_experts",
                  "%sn_shared_experts x moe_shared_expert_intermediate_size / moe_intermediate_size", "", 0);
        }
        /* NemotronHMoE (transformers' modular_nemotron_h.py): fc1_latent_proj
         * d -> latent before the routed experts, which read and write the
         * latent, fc2_latent_proj latent -> d after; router and shared
         * experts stay at hidden_size */
        e->latent = int_field(r, "moe.latent", "moe_latent_size", 0, 0);
        if (e->latent > 0)
            trace(r, "moe.latent", "%smoe_latent_size: routed experts in the latent (fc1/fc2_latent_proj)",
                  "", 0);
        if (e->top_k > e->experts)
            fail(r, RG_ERANGE, "num_experts_per_tok", "%smust be <= n_routed_experts (%lld, got %lld)", "",
                 (long long)e->experts, (long long)e->top_k);
    }
    /* multi-token prediction: num_nextn_predict_layers modules, each made of
     * the blocks of mtp_hybrid_override_pattern; Ridge's MTP module is one
     * attention mixer and the model's FFN kind (MoE when it has E blocks) */
    const cJSON *ml = item(r, "mtp_layers_block_type"), *mp = item(r, "mtp_hybrid_override_pattern");
    int64_t nn = get_int(r, "num_nextn_predict_layers", mp || ml ? 1 : 0, 0, NULL);
    if (r->rc || nn == 0)
        return;
    const char *want = ne > 0 ? "*E" : "*-";
    if (ml) { /* the list form: ["attention", "moe"] is the pattern "*E" */
        const cJSON *a = cJSON_IsArray(ml) ? cJSON_GetArrayItem(ml, 0) : NULL;
        const cJSON *b = cJSON_IsArray(ml) ? cJSON_GetArrayItem(ml, 1) : NULL;
        if (!cJSON_IsArray(ml) || cJSON_GetArraySize(ml) != 2 || !cJSON_IsString(a) || !cJSON_IsString(b) ||
            strcmp(a->valuestring, "attention") != 0 || strcmp(b->valuestring, ne > 0 ? "moe" : "mlp") != 0) {
            fail(r, RG_EUNSUPPORTED, "mtp_layers_block_type",
                 "an MTP module is one attention block and one FFN block of the model's kind (here "
                 "[\"attention\", \"%s\"])",
                 ne > 0 ? "moe" : "mlp", 0, 0);
            return;
        }
        mp = NULL;
    }
    if (mp && !cJSON_IsString(mp)) {
        fail(r, RG_ETYPE, "mtp_hybrid_override_pattern", "expected a string (got %s)",
             codec_json_type_name(mp), 0, 0);
        return;
    }
    if (mp && strcmp(mp->valuestring, want) != 0) {
        fail(r, RG_EUNSUPPORTED, "mtp_hybrid_override_pattern",
             "\"%.40s\": an MTP module is one attention block and one FFN block of the model's kind (here "
             "\"*E\" "
             "with MoE blocks, \"*-\" without)",
             mp->valuestring, 0, 0);
        return;
    }
    m->mtp_layers = nn;
    trace(r, "mtp_layers",
          mp ? "%snum_nextn_predict_layers modules of mtp_hybrid_override_pattern (attention + FFN)"
             : "%snum_nextn_predict_layers",
          "", 0);
}

/* Layers i of `layers` with i % period == offset (JambaConfig's
 * attn_layer_period / _offset and expert_layer_period / _offset). */
static int64_t periodic(rd *r, const char *kp, const char *ko, int64_t dp, int64_t dof, int64_t layers) {
    int64_t per = get_int(r, kp, dp, 1, NULL), off = get_int(r, ko, dof, 0, NULL);
    if (!r->rc && off >= per)
        fail(r, RG_ERANGE, ko, "%smust be < %lld (the period)", "", (long long)per, 0);
    if (r->rc)
        return 0;
    return layers > off ? (layers - off + per - 1) / per : 0;
}

/* Jamba (JambaForCausalLM): Mamba-1 mixers with an attention mixer on layers
 * i % attn_layer_period == attn_layer_offset, and a MoE FFN on layers
 * i % expert_layer_period == expert_layer_offset (a dense MLP elsewhere). */
static void jamba(rd *r, rg_model *m) {
    int64_t na = periodic(r, "attn_layer_period", "attn_layer_offset", 8, 4, m->layers);
    int64_t ne = periodic(r, "expert_layer_period", "expert_layer_offset", 2, 1, m->layers);
    if (r->rc)
        return;
    rg_ssm *s = &m->ssm;
    s->version = 1;
    trace(r, "ssm.version", "%s: Mamba-1 mixers (JambaMambaMixer)", r->fam->cls, 0);
    s->layers = m->layers - na;
    trace(r, "ssm.layers",
          "%snum_hidden_layers minus attention layers (attn_layer_period, attn_layer_offset)", "", 0);
    s->state = int_field(r, "ssm.state", "mamba_d_state", 16, 1);
    s->conv = int_field(r, "ssm.conv", "mamba_d_conv", 4, 1);
    int64_t ex = get_int(r, "mamba_expand", 2, 1, NULL);
    s->inner = ex * m->d_model;
    trace(r, "ssm.inner", "%smamba_expand x hidden_size", "", 0);
    const cJSON *dt = item(r, "mamba_dt_rank");
    if (!dt || (cJSON_IsString(dt) && strcmp(dt->valuestring, "auto") == 0)) {
        s->dt_rank = (m->d_model + 15) / 16;
        trace(r, "ssm.dt_rank", "%smamba_dt_rank \"auto\": ceil(hidden_size / 16)", "", 0);
    } else if (cJSON_IsString(dt)) {
        fail(r, RG_ETYPE, "mamba_dt_rank", "expected an integer or \"auto\" (got \"%.40s\")", dt->valuestring,
             0, 0);
    } else {
        s->dt_rank = int_field(r, "ssm.dt_rank", "mamba_dt_rank", 256, 1);
    }
    s->conv_bias = bool_field(r, "ssm.conv_bias", "mamba_conv_bias", true);
    s->bias = bool_field(r, "ssm.bias", "mamba_proj_bias", false);
    s->dt_norms = true;
    trace(r, "ssm.dt_norms", "%s: dt_layernorm, b_layernorm, c_layernorm (JambaMambaMixer)", r->fam->cls, 0);
    int64_t experts = get_int(r, "num_experts", 16, 1, NULL);
    if (!r->rc && experts > 1 && ne > 0) {
        rg_moe *e = &m->moe;
        e->experts = int_field(r, "moe.experts", "num_experts", 16, 1);
        e->top_k = int_field(r, "moe.top_k", "num_experts_per_tok", 2, 1);
        e->expert_ffn_dim = m->ffn_dim;
        trace(r, "moe.expert_ffn_dim", "%sintermediate_size (JambaSparseMoeBlock experts)", "", 0);
        e->dense_layers = m->layers - ne;
        trace(r, "moe.dense_layers",
              "%snum_hidden_layers minus MoE layers (expert_layer_period, expert_layer_offset)", "", 0);
        if (!r->rc && e->top_k > e->experts)
            fail(r, RG_ERANGE, "num_experts_per_tok", "%smust be <= num_experts (%lld, got %lld)", "",
                 (long long)e->experts, (long long)e->top_k);
    }
}

/* Zamba2's layer list: layers_block_type ("mamba" / "hybrid"), or the
 * Zamba2Config default (54 entries) when absent. Returns the hybrid count,
 * -1 after an error. */
static int64_t zamba2_hybrids(rd *r, int64_t layers) {
    const char *key = pick(r, "layers_block_type", "layer_types");
    const cJSON *v = item(r, key), *it;
    int64_t n = 0, hy = 0;
    if (!v) { /* ["mamba"] + (["mamba"] * 5 + ["hybrid"]) * 7 + ["mamba"] * 4 + ["hybrid"] + ... */
        if (layers != 54) {
            fail(r, RG_EMISSING, key,
                 "%sabsent: the default pattern of Zamba2Config has 54 entries for "
                 "num_hidden_layers %lld",
                 "", (long long)layers, 0);
            return -1;
        }
        trace(r, "shared.uses", "%slayers_block_type absent: default of the config class (9 hybrid of 54)",
              "", 0);
        return 9;
    }
    if (!cJSON_IsArray(v)) {
        fail(r, RG_ETYPE, key, "expected an array of \"mamba\" / \"hybrid\" (got %s)",
             codec_json_type_name(v), 0, 0);
        return -1;
    }
    cJSON_ArrayForEach(it, v) {
        if (!cJSON_IsString(it) ||
            (strcmp(it->valuestring, "mamba") != 0 && strcmp(it->valuestring, "hybrid") != 0)) {
            fail(r, RG_EUNKNOWN, key, "unknown layer type %s (known: mamba, hybrid)",
                 cJSON_IsString(it) ? it->valuestring : codec_json_type_name(it), 0, 0);
            return -1;
        }
        hy += it->valuestring[0] == 'h';
        n++;
    }
    if (n != layers) {
        fail(r, RG_ERANGE, key, "%shas %lld entries for num_hidden_layers %lld", "", (long long)n,
             (long long)layers);
        return -1;
    }
    trace(r, "shared.uses", "%s: \"hybrid\" entries (a shared block before the layer's Mamba-2 mixer)", key,
          0);
    return hy;
}

/* Zamba2 (Zamba2ForCausalLM, transformers' modeling_zamba2): every layer is
 * a Mamba-2 mixer with one input norm and no FFN; a "hybrid" layer first
 * runs a shared attention + MLP block (num_mem_blocks of them, cycled) on
 * [h; embedding] and adds its output, through the layer's own d x d linear,
 * to the mixer's input. Attention reads 2 x hidden_size with head_dim =
 * 2 x hidden_size // heads; each use has an up/gate LoRA on the MLP (always
 * built by Zamba2MLP) and, with use_shared_attention_adapter, LoRAs on
 * q/k/v. */
static void zamba2(rd *r, rg_model *m) {
    const hf_family *f = r->fam;
    if (!item(r, "intermediate_size")) {
        m->ffn_dim = 4 * m->d_model;
        trace(r, "ffn_dim", "%sintermediate_size absent or null: 4 x hidden_size (Zamba2Config)", "", 0);
    }
    m->qkv_bias = m->out_bias = false;
    trace(r, "qkv_bias", "%s: q/k/v/o projections without biases (Zamba2Attention)", f->cls, 0);
    trace(r, "out_bias", "%s: q/k/v/o projections without biases (Zamba2Attention)", f->cls, 0);
    m->head_dim = 2 * m->d_model / m->heads;
    trace(r, "head_dim", "%s: attention_head_dim = 2 x hidden_size // num_attention_heads", f->cls, 0);
    int64_t hy = zamba2_hybrids(r, m->layers);
    if (hy < 0)
        return;
    m->ssm.layers = m->layers;
    m->ffn_free_layers = m->layers;
    trace(r, "ssm.layers", "%s: every layer has a Mamba-2 mixer (Zamba2MambaDecoderLayer)", f->cls, 0);
    trace(r, "ffn_free_layers", "%s: no layer has an FFN of its own (the MLP is in the shared block)", f->cls,
          0);
    rg_ssm *s = &m->ssm;
    s->state = int_field(r, "ssm.state", "mamba_d_state", 64, 1);
    s->conv = int_field(r, "ssm.conv", "mamba_d_conv", 4, 1);
    bool have = false;
    double ex = get_num(r, "mamba_expand", 2.0, &have);
    s->inner = (int64_t)(ex * (double)m->d_model);
    trace(r, "ssm.inner", "%sint(mamba_expand x hidden_size)", "", 0);
    if (!r->rc && s->inner < 1)
        fail(r, RG_ERANGE, "mamba_expand", "%sgives an inner width of %lld", "", (long long)s->inner, 0);
    s->heads = int_field(r, "ssm.heads", "n_mamba_heads", 8, 1);
    s->groups = int_field(r, "ssm.groups", "mamba_ngroups", 1, 1);
    s->chunk = int_field(r, "ssm.chunk", "chunk_size", 256, 1);
    s->bias = bool_field(r, "ssm.bias", "add_bias_linear", false);
    m->mlp_bias = s->bias;
    trace(r, "mlp_bias", "%sadd_bias_linear (gate_up_proj, down_proj)", "", 0);
    s->conv_bias = true;
    trace(r, "ssm.conv_bias", "%s: conv1d always has a bias (Zamba2MambaMixer)", f->cls, 0);
    if (!r->rc && s->inner % s->heads != 0)
        fail(r, RG_ERANGE, "n_mamba_heads", "%smust divide mamba_expand x hidden_size (%lld, got %lld)", "",
             (long long)s->inner, (long long)s->heads);
    if (!r->rc && s->heads % s->groups != 0)
        fail(r, RG_ERANGE, "mamba_ngroups", "%smust divide n_mamba_heads (%lld, got %lld)", "",
             (long long)s->heads, (long long)s->groups);
    if (r->rc || hy == 0)
        return;
    rg_shared *sh = &m->shared;
    sh->uses = hy;
    int64_t nb = get_int(r, "num_mem_blocks", 1, 1, &have);
    sh->blocks = nb < hy ? nb : hy; /* a block no hybrid layer runs is never built */
    trace(r, "shared.blocks",
          have ? "%snum_mem_blocks (at most the hybrid layers)"
               : "%snum_mem_blocks absent: default of the config class (1)",
          "", 0);
    sh->adapter_rank = int_field(r, "shared.adapter_rank", "adapter_rank", 128, 1);
    sh->mlp_adapter = true;
    trace(r, "shared.mlp_adapter", "%s: Zamba2MLP builds a gate_up_proj adapter for every use", f->cls, 0);
    sh->attn_adapter = bool_field(r, "shared.attn_adapter", "use_shared_attention_adapter", false);
    sh->concat = true;
    trace(r, "shared.concat", "%s: the block reads [hidden_states; embedding] (attention_hidden_size)",
          f->cls, 0);
    sh->out_linear = true;
    trace(r, "shared.out_linear", "%s: Zamba2HybridLayer.linear, hidden_size x hidden_size per use", f->cls,
          0);
    if (!r->rc && sh->attn_adapter && m->kv_heads != m->heads)
        fail(
            r, RG_ERANGE, "num_key_value_heads",
            "%s%lld: the q/k/v adapters give 2 x hidden_size outputs, as wide as k_proj and v_proj only with "
            "num_key_value_heads = num_attention_heads (%lld)",
            "", (long long)m->kv_heads, (long long)m->heads);
}

static const hf_family *find_family(const char *type) {
    for (int i = 0; i < NFAMILIES; i++)
        if (strcmp(families[i].type, type) == 0)
            return &families[i];
    return NULL;
}

/* The shape every family shares: sizes, heads, biases, norms. */
static void common(rd *r, rg_model *m) {
    const hf_family *f = r->fam;
    bool gpt2 = f->arch == ARCH_GPT2;
    const char *k_hidden = gpt2 ? "n_embd" : "hidden_size",
               *k_layers = gpt2 ? "n_layer" : "num_hidden_layers";
    const char *k_heads = gpt2 ? "n_head" : "num_attention_heads";
    m->d_model = int_field(r, "d_model", k_hidden, f->hidden, 1);
    m->layers = int_field(r, "layers", k_layers, f->layers, 1);
    m->heads = int_field(r, "heads", k_heads, f->heads, 1);
    m->vocab = int_field(r, "vocab", "vocab_size", f->vocab, 1);
    if (gpt2) {
        bool have = false;
        m->ffn_dim = get_int(r, "n_inner", 4 * m->d_model, 1, &have);
        trace(r, "ffn_dim", have ? "%sn_inner" : "%sn_inner null: 4 x n_embd (GPT2MLP)", "", 0);
    } else {
        m->ffn_dim = int_field(r, "ffn_dim", "intermediate_size", f->inter, 1);
    }
    if (r->rc)
        return;
    /* key/value heads: absent or null means multi-head (one per query head) */
    bool have = false;
    int64_t kv =
        f->arch == ARCH_GPT2 || f->arch == ARCH_NEOX ? 0 : get_int(r, "num_key_value_heads", 0, 1, &have);
    if (have) {
        trace(r, "kv_heads", "%snum_key_value_heads", "", 0);
    } else if (f->kv_heads > 0 && !cJSON_GetObjectItemCaseSensitive(r->cfg, "num_key_value_heads")) {
        kv = f->kv_heads;
        trace(r, "kv_heads", "%snum_key_value_heads absent: default of the config class (%lld)", "",
              (long long)kv);
    } else {
        kv = m->heads;
        trace(r, "kv_heads", "%snum_key_value_heads absent or null: num_attention_heads (multi-head)", "", 0);
    }
    if (r->rc)
        return;
    if (kv > m->heads || m->heads % kv != 0) {
        fail(r, RG_ERANGE, "num_key_value_heads",
             "%snum_attention_heads (%lld) must be a multiple of it (got %lld)", "", (long long)m->heads,
             (long long)kv);
        return;
    }
    m->kv_heads = kv;
    if (f->arch != ARCH_MLA && f->arch != ARCH_ZAMBA2) { /* Zamba2: 2 x hidden_size / heads (zamba2()) */
        const char *hk = f->arch == ARCH_NEMOTRON_H ? pick(r, "head_dim", "attention_head_dim") : "head_dim";
        int64_t hd = get_int(r, hk, 0, 1, &have);
        if (have) {
            trace(r, "head_dim", "%s", hk, 0);
        } else if (f->head_dim > 0 && !cJSON_GetObjectItemCaseSensitive(r->cfg, hk)) {
            hd = f->head_dim;
            trace(r, "head_dim", "%s absent: default of the config class (%lld)", hk, (long long)hd);
        } else {
            if (m->d_model % m->heads != 0) {
                fail(r, RG_ERANGE, k_hidden,
                     "%s%lld is not divisible by the heads (%lld): the config needs head_dim", "",
                     (long long)m->d_model, (long long)m->heads);
                return;
            }
            hd = m->d_model / m->heads;
            trace(r, "head_dim", "%shidden_size / num_attention_heads", "", 0);
        }
        m->head_dim = hd;
    }
    check_activation(r);
    m->ffn_gated = f->gated;
    trace(r, "ffn_gated", f->gated ? "%s: gated MLP (act(gate_proj) * up_proj)" : "%s: two-matrix MLP",
          f->cls, 0);
    bool tie_have = false;
    m->tied_embeddings = get_bool(r, "tie_word_embeddings", f->tie, &tie_have);
    trace(r, "tied_embeddings",
          tie_have ? "%stie_word_embeddings" : "%stie_word_embeddings absent: default of the config class",
          "", 0);
    m->norm = f->arch == ARCH_GPT2 || f->arch == ARCH_NEOX ? RG_NORM_LAYER : RG_NORM_RMS;
    trace(r, "norm", m->norm == RG_NORM_LAYER ? "%s: LayerNorm (weight and bias)" : "%s: RMSNorm (weight)",
          f->cls, 0);
    if (f->arch == ARCH_GPT2) {
        m->bias = true;
        trace(r, "bias", "%s: every Conv1D carries a bias", f->cls, 0);
        m->max_positions = int_field(r, "max_positions", "n_positions", f->max_pos, 1);
    } else if (f->arch == ARCH_NEOX) {
        bool ab = bool_field(r, "qkv_bias", "attention_bias", true);
        m->qkv_bias = m->out_bias = ab;
        trace(r, "out_bias", "%sattention_bias (query_key_value and dense)", "", 0);
        m->mlp_bias = true;
        trace(r, "mlp_bias", "%s: dense_h_to_4h / dense_4h_to_h carry biases", f->cls, 0);
    } else {
        bool ab = bool_field(r, "out_bias", "attention_bias", f->attention_bias);
        m->out_bias = ab;
        m->qkv_bias = ab || f->qkv_bias;
        if (f->qkv_bias)
            trace(r, "qkv_bias", "%s: q/k/v projections always carry biases", f->cls, 0);
        else
            trace(r, "qkv_bias", "%sattention_bias", "", 0);
        m->mlp_bias = bool_field(r, "mlp_bias", "mlp_bias", false);
    }
    if (f->qk_norm) {
        m->qk_norm = true;
        trace(r, "qk_norm", "%s: q_norm and k_norm over head_dim", f->cls, 0);
    }
    if (f->post_norms) {
        m->post_norms = true;
        trace(r, "post_norms", "%s: pre- and post-norms around attention and MLP", f->cls, 0);
    }
    if (f->attn_softcap > 0 || f->win == WIN_GEMMA2) {
        m->attn_softcap = get_num(r, "attn_logit_softcapping", f->attn_softcap, &have);
        trace(r, "attn_softcap", "%sattn_logit_softcapping", "", 0);
    }
    if (f->final_softcap > 0 || f->win == WIN_GEMMA2 || f->win == WIN_GEMMA3) {
        m->final_softcap = get_num(r, "final_logit_softcapping", f->final_softcap, &have);
        if (f->win == WIN_GEMMA3)
            m->attn_softcap = get_num(r, "attn_logit_softcapping", 0, NULL);
        trace(r, "final_softcap", "%sfinal_logit_softcapping", "", 0);
    }
}

int hf_import(const cJSON *cfg, const char *path, rg_model *out, hf_trace *tr, rg_err *err) {
    rd r = {cfg, path ? path : "hf_config", NULL, tr, err, 0};
    char p[160];
    rg_model m = *out;
    if (tr)
        memset(tr, 0, sizeof *tr);
    if (!cJSON_IsObject(cfg))
        return rg_err_set(err, RG_ETYPE, r.path, "expected a config.json object (got %s)",
                          codec_json_type_name(cfg));
    const cJSON *mt = cJSON_GetObjectItemCaseSensitive(cfg, "model_type");
    keypath(&r, "model_type", p, sizeof p);
    if (!mt)
        return rg_err_set(err, RG_EMISSING, p, "required (known: %s)", hf_known_types());
    if (!cJSON_IsString(mt))
        return rg_err_set(err, RG_ETYPE, p, "expected a string (got %s)", codec_json_type_name(mt));
    const char *type = mt->valuestring;
    char tpath[160];
    if (strcmp(type, "gemma3") == 0) { /* multimodal Gemma 3: the language model is text_config */
        const cJSON *tc = cJSON_GetObjectItemCaseSensitive(cfg, "text_config");
        snprintf(tpath, sizeof tpath, "%s.text_config", r.path);
        if (!cJSON_IsObject(tc))
            return rg_err_set(err, RG_EMISSING, tpath, "gemma3 needs its text_config object");
        r.cfg = tc;
        r.path = tpath;
        type = "gemma3_text";
    }
    r.fam = find_family(type);
    if (!r.fam)
        return rg_err_set(err, RG_EUNKNOWN, p, "unknown model_type \"%.60s\" (known: %s)", type,
                          hf_known_types());
    memset(&m.moe, 0, sizeof m.moe);
    memset(&m.mla, 0, sizeof m.mla);
    memset(&m.ssm, 0, sizeof m.ssm);
    memset(&m.shared, 0, sizeof m.shared);
    m.max_positions = 0;
    if (tr)
        snprintf(tr->model_type, sizeof tr->model_type, "%s", type);
    const cJSON *nm = cJSON_GetObjectItemCaseSensitive(cfg, "_name_or_path");
    const char *name = cJSON_IsString(nm) && nm->valuestring[0] ? nm->valuestring : type;
    const char *slash = strrchr(name, '/');
    snprintf(m.name, sizeof m.name, "%.*s", RG_NAME_MAX - 1, slash && slash[1] ? slash + 1 : name);

    common(&r, &m);
    if (!r.rc && r.fam->arch == ARCH_NEMOTRON_H)
        nemotron_h(&r, &m);
    if (!r.rc && r.fam->arch == ARCH_JAMBA)
        jamba(&r, &m);
    if (!r.rc && r.fam->arch == ARCH_ZAMBA2)
        zamba2(&r, &m);
    if (!r.rc && r.fam->arch == ARCH_MLA)
        mla(&r, &m);
    if (!r.rc && r.fam->moe != MOE_NONE)
        moe(&r, &m);
    bool have = false;
    int64_t max_pos = get_int(&r, r.fam->arch == ARCH_GPT2 ? "n_positions" : "max_position_embeddings",
                              r.fam->max_pos, 1, &have);
    if (!r.rc)
        windows(&r, &m, max_pos);
    if (r.rc)
        return r.rc;
    *out = m;
    return 0;
}
