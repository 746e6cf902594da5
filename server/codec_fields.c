/* codec_fields.c: the spec's field table and the walker that reads JSON
 * through it.
 *
 * Each row of codec_fields maps a dotted JSON path to a typed slot in rg_spec
 * with its range and unit, so adding a field is one row. The same walker
 * reads user specs, preset files and data/defaults.json: a spec starts as a
 * copy of the defaults, a preset name copies that preset's typed section, and
 * the remaining keys override. Numbers may be plain or wrapped as
 * {"value": X, "unit": "...", "source": "..."}. Unknown keys, duplicate keys,
 * wrong types, non-integral counts, non-finite or out-of-range numbers are
 * refused with the offending path.
 *
 * A model object may hold "hf_config" (a raw config.json): like a preset it
 * fills the whole model first (hf_import.c), and the object's other keys
 * override.
 *
 * This file depends on no other codec file but the hf_import.c leaf: the data loader (codec_data.c)
 * walks the data files with it, and the spec API (codec.c) walks user specs
 * with it and the loaded data. */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_fields.h"
#include "codec_json.h"
#include "hf_import.h"

static const char *const phase_names[] = {"train", "prefill", "decode", "serve", NULL};
static const char *const preempt_names[] = {"recompute", "swap", NULL};
static const char *const link_names[] = {"scaleout", "scaleup", NULL};
static const char *const admission_names[] = {"greedy", "reserve", NULL};
static const char *const recompute_names[] = {"none", "selective", "full", NULL};
static const char *const norm_names[] = {"rmsnorm", "layernorm", NULL};

static_assert(sizeof(rg_phase) == sizeof(int), "enums are stored as int");
static_assert(sizeof(rg_recompute) == sizeof(int), "enums are stored as int");
static_assert(sizeof(rg_norm) == sizeof(int), "enums are stored as int");

static int check_number(const cJSON *v, const codec_field *f, int integral, double *out, rg_err *err);

/* A token-count distribution: an integer, or {"dist": "lognormal", "mean",
 * "sigma"} / {"dist": "uniform", "min", "max"} (or {"dist": "fixed", "mean"}). */
static int set_len(const codec_field *f, const cJSON *v, rg_len *out, rg_err *err) {
    char path[160];
    memset(out, 0, sizeof *out);
    if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (!isfinite(d) || d != floor(d) || d < 1 || d > 1e8)
            return rg_err_set(err, RG_ERANGE, f->path, "must be an integer token count in 1..1e8 (got %.17g)",
                              d);
        out->kind = RG_LEN_FIXED;
        out->mean = d;
        return 0;
    }
    if (!cJSON_IsObject(v))
        return rg_err_set(err, RG_ETYPE, f->path,
                          "expected a token count or {\"dist\": \"lognormal\", \"mean\", \"sigma\"} / "
                          "{\"dist\": \"uniform\", \"min\", \"max\"}");
    static const char *const kinds[] = {"fixed", "lognormal", "uniform", NULL};
    static const char *const need[3][2] = {{"mean", NULL}, {"mean", "sigma"}, {"min", "max"}};
    const cJSON *dist = cJSON_GetObjectItemCaseSensitive(v, "dist"), *it;
    codec_join_path(path, sizeof path, f->path, "dist");
    if (!dist || !cJSON_IsString(dist))
        return rg_err_set(err, dist ? RG_ETYPE : RG_EMISSING, path,
                          "give \"lognormal\", \"uniform\" or \"fixed\"");
    codec_field fd = {path, CF_ENUM, 0, 0, 0, NULL, kinds, 0, NULL, 0};
    int rc = codec_set_enum(&fd, dist->valuestring, &out->kind, err);
    if (rc)
        return rc;
    int got = 0;
    cJSON_ArrayForEach(it, v) {
        const char *k = it->string ? it->string : "";
        codec_join_path(path, sizeof path, f->path, k);
        if (strcmp(k, "dist") == 0)
            continue;
        double *slot = NULL;
        for (int j = 0; j < 2; j++)
            if (need[out->kind][j] && strcmp(k, need[out->kind][j]) == 0) {
                slot = strcmp(k, "mean") == 0    ? &out->mean
                       : strcmp(k, "sigma") == 0 ? &out->sigma
                       : strcmp(k, "min") == 0   ? &out->min
                                                 : &out->max;
                got |= 1 << j;
            }
        if (!slot)
            return rg_err_set(err, RG_EUNKNOWN, path, "unknown key for dist \"%s\"", kinds[out->kind]);
        codec_field fn = {path, CF_F64, 0, 0, 1e8, NULL, NULL, 0, NULL, 0};
        double d = 0;
        if ((rc = check_number(it, &fn, 0, &d, err)))
            return rc;
        *slot = d;
    }
    for (int j = 0; j < 2; j++)
        if (need[out->kind][j] && !(got & (1 << j))) {
            codec_join_path(path, sizeof path, f->path, need[out->kind][j]);
            return rg_err_set(err, RG_EMISSING, path, "required for dist \"%s\"", kinds[out->kind]);
        }
    return 0;
}

/* One trace row (`path` names it): [arrival_s, prompt_tokens, output_tokens]
 * or an object with those keys, into *out. Returns 0 or an error naming the
 * row; the order of arrivals and the ranges are rg_serve_check's. */
static int trace_row(const cJSON *row, const char *path, rg_serve_req *out, rg_err *err) {
    static const char *const keys[3] = {"arrival_s", "prompt_tokens", "output_tokens"};
    double val[3];
    for (int j = 0; j < 3; j++) {
        const cJSON *x = cJSON_IsArray(row)    ? cJSON_GetArrayItem(row, j)
                         : cJSON_IsObject(row) ? cJSON_GetObjectItemCaseSensitive(row, keys[j])
                                               : NULL;
        if (!x || !cJSON_IsNumber(x) || !isfinite(x->valuedouble))
            return rg_err_set(err, RG_ETYPE, path, "%s must be a number", keys[j]);
        val[j] = x->valuedouble;
    }
    if (cJSON_IsArray(row) && cJSON_GetArraySize(row) != 3)
        return rg_err_set(err, RG_EINVAL, path,
                          "a row has 3 numbers: arrival_s, prompt_tokens, output_tokens");
    if (val[1] != floor(val[1]) || val[2] != floor(val[2]) || fabs(val[1]) > 1e8 || fabs(val[2]) > 1e8)
        return rg_err_set(err, RG_ETYPE, path, "token counts must be integers <= 1e8");
    out->arrival_s = val[0];
    out->prompt_tokens = (int64_t)val[1];
    out->output_tokens = (int64_t)val[2];
    return 0;
}

/* Trace rows: every row is checked; the first RG_SERVE_TRACE_MAX are kept
 * inline and n_trace counts them all (a longer trace's rows are read into
 * storage its parser owns: codec_trace_rows). */
static int set_trace(const codec_field *f, const cJSON *v, rg_serving *sv, rg_err *err) {
    char path[160];
    const cJSON *row;
    int64_t n = 0;
    if (!cJSON_IsArray(v))
        return rg_err_set(err, RG_ETYPE, f->path,
                          "expected an array of [arrival_s, prompt_tokens, output_tokens]");
    cJSON_ArrayForEach(row, v) {
        rg_serve_req r;
        snprintf(path, sizeof path, "%s[%lld]", f->path, (long long)n);
        int rc = trace_row(row, path, &r, err);
        if (rc)
            return rc;
        if (n < RG_SERVE_TRACE_MAX)
            sv->trace[n] = r;
        n++;
    }
    sv->n_trace = n;
    sv->trace_rows = NULL;
    return 0;
}

int codec_trace_rows(const cJSON *trace, rg_serve_req **rows, rg_err *err) {
    char path[160];
    const cJSON *row;
    int64_t n = 0, cap = cJSON_GetArraySize(trace);
    *rows = NULL;
    if (cap <= 0)
        return 0;
    rg_serve_req *r = malloc((size_t)cap * sizeof *r);
    if (!r)
        return rg_err_set(err, RG_ENOMEM, "serving.arrival.trace", "out of memory for %lld rows",
                          (long long)cap);
    cJSON_ArrayForEach(row, trace) {
        snprintf(path, sizeof path, "serving.arrival.trace[%lld]", (long long)n);
        int rc = n < cap ? trace_row(row, path, &r[n], err) : RG_EINTERNAL;
        if (rc) {
            free(r);
            return rc;
        }
        n++;
    }
    *rows = r;
    return 0;
}

/* Units: FLOP/s, B (bytes), B/s, s. Ranges refuse negatives, NaN and absurd
 * magnitudes; cross-field rules live in codec_spec_finish and rg_spec_validate. */
const codec_field codec_fields[] = {
    /* path                         type       offset                           min   max    unit */
    {"model", CF_OBJ, OFF(model), 0, 0, NULL, NULL, CF_REQUIRED, "models", sizeof(rg_model)},
    {"model.name", CF_NAME, OFF(model.name), 0, 0, NULL, NULL, 0, NULL, 0},
    {"model.description", CF_META, 0, 0, 0, NULL, NULL, 0, NULL, 0},
    {"model.notes", CF_META, 0, 0, 0, NULL, NULL, 0, NULL, 0},
    {"model.layers", CF_I64, OFF(model.layers), 1, 1e6, NULL, NULL, CF_REQUIRED, NULL, 0},
    {"model.d_model", CF_I64, OFF(model.d_model), 1, 1e7, NULL, NULL, CF_REQUIRED, NULL, 0},
    {"model.heads", CF_I64, OFF(model.heads), 1, 1e6, NULL, NULL, CF_REQUIRED, NULL, 0},
    {"model.kv_heads", CF_I64, OFF(model.kv_heads), 1, 1e6, NULL, NULL, 0, NULL, 0},
    /* 0 = derived: d_model / heads, or unused by MLA (whose canonical text says 0) */
    {"model.head_dim", CF_I64, OFF(model.head_dim), 0, 1e6, NULL, NULL, 0, NULL, 0},
    {"model.ffn_dim", CF_I64, OFF(model.ffn_dim), 1, 1e8, NULL, NULL, CF_REQUIRED, NULL, 0},
    {"model.ffn_gated", CF_BOOL, OFF(model.ffn_gated), 0, 0, NULL, NULL, 0, NULL, 0},
    {"model.vocab", CF_I64, OFF(model.vocab), 1, 1e9, NULL, NULL, CF_REQUIRED, NULL, 0},
    {"model.tied_embeddings", CF_BOOL, OFF(model.tied_embeddings), 0, 0, NULL, NULL, 0, NULL, 0},
    {"model.bias", CF_BOOL, OFF(model.bias), 0, 0, NULL, NULL, 0, NULL, 0},
    {"model.norm", CF_ENUM, OFF(model.norm), 0, 0, NULL, norm_names, 0, NULL, 0},
    {"model.max_positions", CF_I64, OFF(model.max_positions), 0, 1e9, NULL, NULL, 0, NULL, 0},
    {"model.moe", CF_OBJ, 0, 0, 0, NULL, NULL, 0, NULL, 0},
    {"model.moe.experts", CF_I64, OFF(model.moe.experts), 0, 1e6, NULL, NULL, 0, NULL, 0},
    {"model.moe.top_k", CF_I64, OFF(model.moe.top_k), 0, 1e6, NULL, NULL, 0, NULL, 0},
    {"model.moe.shared_experts", CF_I64, OFF(model.moe.shared_experts), 0, 1e6, NULL, NULL, 0, NULL, 0},
    {"model.moe.expert_ffn_dim", CF_I64, OFF(model.moe.expert_ffn_dim), 0, 1e8, NULL, NULL, 0, NULL, 0},
    {"model.moe.dense_layers", CF_I64, OFF(model.moe.dense_layers), 0, 1e6, NULL, NULL, 0, NULL, 0},
    {"model.moe.shared_gate", CF_BOOL, OFF(model.moe.shared_gate), 0, 0, NULL, NULL, 0, NULL, 0},
    {"model.moe.latent", CF_I64, OFF(model.moe.latent), 0, 1e8, NULL, NULL, 0, NULL, 0},
    {"model.mla", CF_OBJ, 0, 0, 0, NULL, NULL, 0, NULL, 0},
    {"model.mla.q_lora_rank", CF_I64, OFF(model.mla.q_lora_rank), 0, 1e7, NULL, NULL, 0, NULL, 0},
    {"model.mla.kv_lora_rank", CF_I64, OFF(model.mla.kv_lora_rank), 0, 1e7, NULL, NULL, 0, NULL, 0},
    {"model.mla.qk_nope_head_dim", CF_I64, OFF(model.mla.qk_nope_head_dim), 0, 1e6, NULL, NULL, 0, NULL, 0},
    {"model.mla.qk_rope_head_dim", CF_I64, OFF(model.mla.qk_rope_head_dim), 0, 1e6, NULL, NULL, 0, NULL, 0},
    {"model.mla.v_head_dim", CF_I64, OFF(model.mla.v_head_dim), 0, 1e6, NULL, NULL, 0, NULL, 0},
    {"model.sliding_window", CF_I64, OFF(model.sliding_window), 0, 1e9, NULL, NULL, 0, NULL, 0},
    {"model.local_layers", CF_I64, OFF(model.local_layers), 0, 1e6, NULL, NULL, 0, NULL, 0},
    {"model.attn_softcap", CF_F64, OFF(model.attn_softcap), 0, 1e6, NULL, NULL, 0, NULL, 0},
    {"model.final_softcap", CF_F64, OFF(model.final_softcap), 0, 1e6, NULL, NULL, 0, NULL, 0},
    {"model.qk_norm", CF_BOOL, OFF(model.qk_norm), 0, 0, NULL, NULL, 0, NULL, 0},
    {"model.qkv_bias", CF_BOOL, OFF(model.qkv_bias), 0, 0, NULL, NULL, 0, NULL, 0},
    {"model.out_bias", CF_BOOL, OFF(model.out_bias), 0, 0, NULL, NULL, 0, NULL, 0},
    {"model.mlp_bias", CF_BOOL, OFF(model.mlp_bias), 0, 0, NULL, NULL, 0, NULL, 0},
    {"model.post_norms", CF_BOOL, OFF(model.post_norms), 0, 0, NULL, NULL, 0, NULL, 0},
    {"model.ffn_free_layers", CF_I64, OFF(model.ffn_free_layers), 0, 1e6, NULL, NULL, 0, NULL, 0},
    {"model.mtp_layers", CF_I64, OFF(model.mtp_layers), 0, 1e3, NULL, NULL, 0, NULL, 0},
    {"model.ssm", CF_OBJ, 0, 0, 0, NULL, NULL, 0, NULL, 0},
    {"model.ssm.layers", CF_I64, OFF(model.ssm.layers), 0, 1e6, NULL, NULL, 0, NULL, 0},
    {"model.ssm.state", CF_I64, OFF(model.ssm.state), 0, 1e6, NULL, NULL, 0, NULL, 0},
    {"model.ssm.conv", CF_I64, OFF(model.ssm.conv), 0, 1e3, NULL, NULL, 0, NULL, 0},
    {"model.ssm.inner", CF_I64, OFF(model.ssm.inner), 0, 1e8, NULL, NULL, 0, NULL, 0},
    {"model.ssm.heads", CF_I64, OFF(model.ssm.heads), 0, 1e6, NULL, NULL, 0, NULL, 0},
    {"model.ssm.groups", CF_I64, OFF(model.ssm.groups), 0, 1e6, NULL, NULL, 0, NULL, 0},
    {"model.ssm.chunk", CF_I64, OFF(model.ssm.chunk), 0, 1e7, NULL, NULL, 0, NULL, 0},
    {"model.ssm.bias", CF_BOOL, OFF(model.ssm.bias), 0, 0, NULL, NULL, 0, NULL, 0},
    {"model.ssm.conv_bias", CF_BOOL, OFF(model.ssm.conv_bias), 0, 0, NULL, NULL, 0, NULL, 0},
    {"model.ssm.version", CF_I64, OFF(model.ssm.version), 0, 2, NULL, NULL, 0, NULL, 0},
    {"model.ssm.dt_rank", CF_I64, OFF(model.ssm.dt_rank), 0, 1e6, NULL, NULL, 0, NULL, 0},
    {"model.ssm.dt_norms", CF_BOOL, OFF(model.ssm.dt_norms), 0, 0, NULL, NULL, 0, NULL, 0},
    {"model.shared", CF_OBJ, 0, 0, 0, NULL, NULL, 0, NULL, 0},
    {"model.shared.uses", CF_I64, OFF(model.shared.uses), 0, 1e6, NULL, NULL, 0, NULL, 0},
    {"model.shared.blocks", CF_I64, OFF(model.shared.blocks), 0, 1e6, NULL, NULL, 0, NULL, 0},
    {"model.shared.adapter_rank", CF_I64, OFF(model.shared.adapter_rank), 0, 1e6, NULL, NULL, 0, NULL, 0},
    {"model.shared.attn_adapter", CF_BOOL, OFF(model.shared.attn_adapter), 0, 0, NULL, NULL, 0, NULL, 0},
    {"model.shared.mlp_adapter", CF_BOOL, OFF(model.shared.mlp_adapter), 0, 0, NULL, NULL, 0, NULL, 0},
    {"model.shared.concat", CF_BOOL, OFF(model.shared.concat), 0, 0, NULL, NULL, 0, NULL, 0},
    {"model.shared.out_linear", CF_BOOL, OFF(model.shared.out_linear), 0, 0, NULL, NULL, 0, NULL, 0},
    {"model.hf_config", CF_HF, 0, 0, 0, NULL, NULL, 0, NULL, 0},

    {"hardware", CF_OBJ, OFF(hw), 0, 0, NULL, NULL, CF_REQUIRED, "hardware", sizeof(rg_hardware)},
    {"hardware.name", CF_NAME, OFF(hw.name), 0, 0, NULL, NULL, 0, NULL, 0},
    {"hardware.description", CF_META, 0, 0, 0, NULL, NULL, 0, NULL, 0},
    {"hardware.notes", CF_META, 0, 0, 0, NULL, NULL, 0, NULL, 0},
    {"hardware.matrix_flops", CF_OBJ, 0, 0, 0, NULL, NULL, CF_REQUIRED, NULL, 0},
#define RG_X_(id, name)                                                                                      \
    {"hardware.matrix_flops." name, CF_F64, OFF(hw.matrix_flops[id]), 0, 1e21, "FLOP/s", NULL, 0, NULL, 0},
    RG_MATH_LIST(RG_X_)
#undef RG_X_
        {"hardware.vector_flops", CF_F64, OFF(hw.vector_flops), 1, 1e21, "FLOP/s", NULL, CF_REQUIRED, NULL,
         0},
    {"hardware.mem_bytes", CF_F64, OFF(hw.mem_bytes), 1, 1e16, "B", NULL, CF_REQUIRED, NULL, 0},
    {"hardware.mem_bw", CF_F64, OFF(hw.mem_bw), 1, 1e16, "B/s", NULL, CF_REQUIRED, NULL, 0},
    {"hardware.sram_bytes", CF_F64, OFF(hw.sram_bytes), 0, 1e13, "B", NULL, 0, NULL, 0},
    {"hardware.tdp_w", CF_F64, OFF(hw.tdp_w), 0, 1e6, "W", NULL, 0, NULL, 0},
    {"hardware.matrix_cores", CF_F64, OFF(hw.matrix_cores), 0, 1e7, NULL, NULL, 0, NULL, 0},
    {"hardware.silicon", CF_OBJ, 0, 0, 0, NULL, NULL, 0, NULL, 0},
    {"hardware.silicon.node_nm", CF_F64, OFF(hw.silicon.node_nm), 0, 1e4, "nm", NULL, CF_REQUIRED, NULL, 0},
    {"hardware.silicon.clock_ghz", CF_F64, OFF(hw.silicon.clock_ghz), 0, 1e3, "GHz", NULL, CF_REQUIRED, NULL,
     0},
    {"hardware.silicon.matrix_area_mm2", CF_F64, OFF(hw.silicon.matrix_area_mm2), 0, 1e6, "mm2", NULL,
     CF_REQUIRED, NULL, 0},
    {"hardware.silicon.mac_format", CF_FMT, OFF(hw.silicon.mac_format), 0, 0, NULL, NULL, CF_REQUIRED, NULL,
     0},
    {"hardware.silicon.pipeline_stages", CF_INT, OFF(hw.silicon.pipeline_stages), 1, 64, NULL, NULL, 0, NULL,
     0},

    {"system", CF_OBJ, OFF(system), 0, 0, NULL, NULL, 0, "systems", sizeof(rg_system)},
    {"system.name", CF_NAME, OFF(system.name), 0, 0, NULL, NULL, 0, NULL, 0},
    {"system.description", CF_META, 0, 0, 0, NULL, NULL, 0, NULL, 0},
    {"system.notes", CF_META, 0, 0, 0, NULL, NULL, 0, NULL, 0},
    {"system.domain_chips", CF_I64, OFF(system.domain_chips), 1, 1e8, NULL, NULL, CF_REQUIRED, NULL, 0},
    {"system.scaleup_bw", CF_F64, OFF(system.scaleup_bw), 1, 1e16, "B/s", NULL, CF_REQUIRED, NULL, 0},
    {"system.scaleup_latency", CF_F64, OFF(system.scaleup_latency), 0, 1, "s", NULL, CF_REQUIRED, NULL, 0},
    {"system.scaleout_bw", CF_F64, OFF(system.scaleout_bw), 1, 1e16, "B/s", NULL, CF_REQUIRED, NULL, 0},
    {"system.scaleout_latency", CF_F64, OFF(system.scaleout_latency), 0, 1, "s", NULL, CF_REQUIRED, NULL, 0},

    {"phase", CF_ENUM, OFF(phase), 0, 0, NULL, phase_names, CF_REQUIRED, NULL, 0},
    {"batch", CF_I64, OFF(batch), 1, 1e9, NULL, NULL, CF_REQUIRED | CF_NOT_SERVE, NULL, 0},
    {"seq_len", CF_I64, OFF(seq_len), 1, 1e9, NULL, NULL, CF_REQUIRED | CF_NOT_SERVE, NULL, 0},
    {"chips", CF_I64, OFF(chips), 0, 1e9, NULL, NULL, 0, NULL, 0},
    {"mtp_draft_tokens", CF_I64, OFF(mtp_draft_tokens), 0, 1e3, NULL, NULL, 0, NULL, 0},

    {"numerics", CF_OBJ, 0, 0, 0, NULL, NULL, 0, NULL, 0},
    {"numerics.weights", CF_FMT, OFF(numerics.weights), 0, 0, NULL, NULL, 0, NULL, 0},
    {"numerics.activations", CF_FMT, OFF(numerics.activations), 0, 0, NULL, NULL, 0, NULL, 0},
    {"numerics.kv_cache", CF_FMT, OFF(numerics.kv_cache), 0, 0, NULL, NULL, 0, NULL, 0},
    {"numerics.math", CF_FMT, OFF(numerics.math), 0, 0, NULL, NULL, 0, NULL, 0},
    {"numerics.grads", CF_FMT, OFF(numerics.grads), 0, 0, NULL, NULL, 0, NULL, 0},
    {"numerics.master", CF_FMT, OFF(numerics.master), 0, 0, NULL, NULL, 0, NULL, 0},
    {"numerics.optimizer", CF_FMT, OFF(numerics.optimizer), 0, 0, NULL, NULL, 0, NULL, 0},
    {"numerics.recipes", CF_OBJ, 0, 0, 0, NULL, NULL, 0, NULL, 0},
    {"numerics.recipes.weights", CF_RECIPE, OFF(numerics.recipes[RG_TC_WEIGHTS]), 0, 0, NULL, NULL, 0, NULL,
     0},
    {"numerics.recipes.activations", CF_RECIPE, OFF(numerics.recipes[RG_TC_ACTIVATIONS]), 0, 0, NULL, NULL, 0,
     NULL, 0},
    {"numerics.recipes.kv_cache", CF_RECIPE, OFF(numerics.recipes[RG_TC_KV]), 0, 0, NULL, NULL, 0, NULL, 0},

    {"parallelism", CF_OBJ, 0, 0, 0, NULL, NULL, 0, NULL, 0},
    {"parallelism.tp", CF_I64, OFF(par.tp), 1, 1e8, NULL, NULL, 0, NULL, 0},
    {"parallelism.pp", CF_I64, OFF(par.pp), 1, 1e8, NULL, NULL, 0, NULL, 0},
    {"parallelism.dp", CF_I64, OFF(par.dp), 1, 1e8, NULL, NULL, 0, NULL, 0},
    {"parallelism.ep", CF_I64, OFF(par.ep), 1, 1e8, NULL, NULL, 0, NULL, 0},
    {"parallelism.cp", CF_I64, OFF(par.cp), 1, 1e8, NULL, NULL, 0, NULL, 0},
    {"parallelism.microbatch", CF_I64, OFF(par.microbatch), 1, 1e9, NULL, NULL, 0, NULL, 0},
    {"parallelism.interleave", CF_I64, OFF(par.interleave), 1, 1e6, NULL, NULL, 0, NULL, 0},
    {"parallelism.sequence_parallel", CF_BOOL, OFF(par.sequence_parallel), 0, 0, NULL, NULL, 0, NULL, 0},
    {"parallelism.recompute", CF_ENUM, OFF(par.recompute), 0, 0, NULL, recompute_names, 0, NULL, 0},
    {"parallelism.zero", CF_INT, OFF(par.zero), 0, 3, NULL, NULL, 0, NULL, 0},
    {"parallelism.first_stage_layers", CF_I64, OFF(stages.first_layers), 0, 1e6, NULL, NULL, 0, NULL, 0},
    {"parallelism.last_stage_layers", CF_I64, OFF(stages.last_layers), 0, 1e6, NULL, NULL, 0, NULL, 0},

    {"stack", CF_NAME, OFF(stack), 0, 0, NULL, NULL, 0, NULL, 0},
    {"assumptions", CF_ASSUMPT, 0, 0, 0, NULL, NULL, 0, NULL, 0},
    {"quality", CF_ANY, 0, 0, 0, NULL, NULL, 0, NULL, 0},
    {"uncertainty", CF_ANY, 0, 0, 0, NULL, NULL, 0, NULL, 0},

    /* phase "serve" (engine/serve.h) */
    {"serving", CF_OBJ, 0, 0, 0, NULL, NULL, 0, NULL, 0},
    {"serving.arrival", CF_OBJ, 0, 0, 0, NULL, NULL, 0, NULL, 0},
    {"serving.arrival.rate_per_s", CF_F64, OFF(serving.rate_per_s), 0, 1e9, "1/s", NULL, 0, NULL, 0},
    {"serving.arrival.cv", CF_F64, OFF(serving.arrival_cv), 0, 100, NULL, NULL, 0, NULL, 0},
    {"serving.arrival.trace", CF_TRACE, OFF(serving), 0, 0, NULL, NULL, 0, NULL, 0},
    {"serving.trace_file", CF_FILE, 0, 0, 0, NULL, NULL, 0, NULL, 0},
    {"serving.requests", CF_I64, OFF(serving.requests), 0, 1e7, NULL, NULL, 0, NULL, 0},
    {"serving.duration_s", CF_F64, OFF(serving.duration_s), 0, 1e9, "s", NULL, 0, NULL, 0},
    {"serving.seed", CF_I64, OFF(serving.seed), 0, BIG, NULL, NULL, 0, NULL, 0},
    {"serving.prompt_tokens", CF_LEN, OFF(serving.prompt), 0, 0, NULL, NULL, 0, NULL, 0},
    {"serving.output_tokens", CF_LEN, OFF(serving.output), 0, 0, NULL, NULL, 0, NULL, 0},
    {"serving.max_batch", CF_I64, OFF(serving.max_batch), 1, 1e6, NULL, NULL, 0, NULL, 0},
    {"serving.max_tokens_per_step", CF_I64, OFF(serving.max_tokens_per_step), 1, 1e8, NULL, NULL, 0, NULL, 0},
    {"serving.chunked_prefill_tokens", CF_I64, OFF(serving.chunked_prefill_tokens), 0, 1e8, NULL, NULL, 0,
     NULL, 0},
    {"serving.prefix_cache_hit_rate", CF_F64, OFF(serving.prefix_cache_hit_rate), 0, 0.999, NULL, NULL, 0,
     NULL, 0},
    {"serving.preemption", CF_ENUM, OFF(serving.preemption), 0, 0, NULL, preempt_names, 0, NULL, 0},
    {"serving.kv_admission", CF_ENUM, OFF(serving.admission), 0, 0, NULL, admission_names, 0, NULL, 0},
    {"serving.speculative", CF_OBJ, 0, 0, 0, NULL, NULL, 0, NULL, 0},
    {"serving.speculative.tokens", CF_I64, OFF(serving.spec_tokens), 1, 64, NULL, NULL, 0, NULL, 0},
    {"serving.speculative.acceptance", CF_F64, OFF(serving.spec_acceptance), 0, 1, NULL, NULL, 0, NULL, 0},
    {"serving.speculative.draft_cost", CF_F64, OFF(serving.spec_draft_cost), 0, 100, NULL, NULL, 0, NULL, 0},
    {"serving.disaggregated", CF_OBJ, 0, 0, 0, NULL, NULL, 0, NULL, 0},
    {"serving.disaggregated.prefill", CF_OBJ, 0, 0, 0, NULL, NULL, 0, NULL, 0},
    {"serving.disaggregated.prefill.instances", CF_I64, OFF(serving.prefill_pool.instances), 1, 1e5, NULL,
     NULL, 0, NULL, 0},
    {"serving.disaggregated.prefill.tp", CF_I64, OFF(serving.prefill_pool.tp), 1, 1e6, NULL, NULL, 0, NULL,
     0},
    {"serving.disaggregated.decode", CF_OBJ, 0, 0, 0, NULL, NULL, 0, NULL, 0},
    {"serving.disaggregated.decode.instances", CF_I64, OFF(serving.decode_pool.instances), 1, 1e5, NULL, NULL,
     0, NULL, 0},
    {"serving.disaggregated.decode.tp", CF_I64, OFF(serving.decode_pool.tp), 1, 1e6, NULL, NULL, 0, NULL, 0},
    {"serving.disaggregated.kv_link", CF_ENUM, OFF(serving.kv_link), 0, 0, NULL, link_names, 0, NULL, 0},
    {"serving.slo", CF_OBJ, 0, 0, 0, NULL, NULL, 0, NULL, 0},
    {"serving.slo.ttft_s", CF_F64, OFF(serving.slo_ttft_s), 0, 1e6, "s", NULL, 0, NULL, 0},
    {"serving.slo.tpot_s", CF_F64, OFF(serving.slo_tpot_s), 0, 1e6, "s", NULL, 0, NULL, 0},
};
const int codec_nfields = (int)(sizeof codec_fields / sizeof codec_fields[0]);

#define NFIELDS_MAX 200
static_assert(sizeof codec_fields / sizeof codec_fields[0] <= NFIELDS_MAX, "raise NFIELDS_MAX");

/* Keys a wrapped number {"value": X, ...} may carry besides "value". */
static const char *const wrapper_keys[] = {"unit", "source", "note", "reason", "confidence", NULL};

void codec_join_path(char *out, size_t cap, const char *prefix, const char *key) {
    if (prefix && *prefix)
        snprintf(out, cap, "%s.%s", prefix, key);
    else
        snprintf(out, cap, "%s", key);
}

/* Unwrap {"value": X, "unit": U, "source": S, ...}. Returns the value item
 * (or `v` itself when it is not wrapped) or NULL with `err` set. */
static const cJSON *unwrap(const cJSON *v, const codec_field *f, int *rc, rg_err *err) {
    char path[160];
    const cJSON *val = NULL, *it;
    *rc = 0;
    if (!cJSON_IsObject(v))
        return v;
    cJSON_ArrayForEach(it, v) {
        const char *k = it->string ? it->string : "";
        if (strcmp(k, "value") == 0) {
            if (val) {
                codec_join_path(path, sizeof path, f->path, "value");
                *rc = rg_err_set(err, RG_EPARSE, path, "duplicate key");
                return NULL;
            }
            val = it;
            continue;
        }
        int known = 0;
        for (int i = 0; wrapper_keys[i]; i++)
            if (strcmp(k, wrapper_keys[i]) == 0)
                known = 1;
        codec_join_path(path, sizeof path, f->path, k);
        if (!known) {
            *rc = rg_err_set(err, RG_EUNKNOWN, path,
                             "unknown key (a wrapped value takes value, unit, source, "
                             "note, reason, confidence)");
            return NULL;
        }
        if (!cJSON_IsString(it)) {
            *rc = rg_err_set(err, RG_ETYPE, path, "expected a string (got %s)", codec_json_type_name(it));
            return NULL;
        }
        if (strcmp(k, "unit") == 0 && !f->unit) {
            *rc = rg_err_set(err, RG_EINVAL, path, "%s has no unit (got \"%.40s\"): leave unit out", f->path,
                             it->valuestring);
            return NULL;
        }
        if (strcmp(k, "unit") == 0 && strcmp(it->valuestring, f->unit) != 0) {
            *rc = rg_err_set(err, RG_EINVAL, path, "unit must be \"%s\" (got \"%s\")", f->unit,
                             it->valuestring);
            return NULL;
        }
    }
    if (!val) {
        *rc =
            rg_err_set(err, RG_ETYPE, f->path, "expected a %s or {\"value\": ...} (got object without value)",
                       f->type == CF_F64 || f->type == CF_I64 || f->type == CF_INT ? "number" : "value");
        return NULL;
    }
    return val;
}

/* Check a JSON number against a numeric row. Returns 0 or an error. */
static int check_number(const cJSON *v, const codec_field *f, int integral, double *out, rg_err *err) {
    if (!cJSON_IsNumber(v))
        return rg_err_set(err, RG_ETYPE, f->path, "expected a number (got %s)", codec_json_type_name(v));
    double d = v->valuedouble;
    if (!isfinite(d))
        return rg_err_set(err, RG_ERANGE, f->path, "must be finite");
    if (integral && d != floor(d))
        return rg_err_set(err, RG_ETYPE, f->path, "must be an integer (got %.17g)", d);
    if (d < f->min)
        return rg_err_set(err, RG_ERANGE, f->path, "must be >= %.17g (got %.17g)", f->min, d);
    if (d > f->max)
        return rg_err_set(err, RG_ERANGE, f->path, "must be <= %.17g (got %.17g)", f->max, d);
    *out = d;
    return 0;
}

int codec_set_enum(const codec_field *f, const char *s, void *slot, rg_err *err) {
    for (int i = 0; f->names[i]; i++)
        if (strcmp(f->names[i], s) == 0) {
            *(int *)slot = i;
            return 0;
        }
    char allowed[128] = "";
    for (int i = 0; f->names[i]; i++) {
        strncat(allowed, i ? ", " : "", sizeof allowed - strlen(allowed) - 1);
        strncat(allowed, f->names[i], sizeof allowed - strlen(allowed) - 1);
    }
    return rg_err_set(err, RG_EUNKNOWN, f->path, "must be one of %s (got \"%s\")", allowed, s);
}

int codec_set_recipe(const codec_field *f, const char *s, void *slot, rg_err *err) {
    rg_tensor_recipe *t = slot, n;
    memset(&n, 0, sizeof n);
    if (strcmp(s, "none") == 0) {
        *t = n;
        return 0;
    }
    if (strlen(s) >= sizeof n.text)
        return rg_err_set(err, RG_ERANGE, f->path, "longer than %d characters", (int)sizeof n.text - 1);
    int rc = rg_recipe_parse(s, &n.r, f->path, err);
    if (rc < 0)
        return rc;
    n.on = true;
    snprintf(n.text, sizeof n.text, "%s", s);
    *t = n;
    return 0;
}

/* Store one leaf value. */
static int set_leaf(const codec_field *f, const cJSON *raw, rg_spec *s, rg_err *err) {
    int rc = 0;
    double d = 0;
    const cJSON *v = raw;
    void *slot = (char *)s + f->off;
    if (f->type == CF_LEN)
        return set_len(f, raw, (rg_len *)slot, err);
    if (f->type == CF_TRACE)
        return set_trace(f, raw, (rg_serving *)slot, err);
    if (f->type == CF_FILE)
        return rg_err_set(
            err, RG_EINVAL, f->path,
            "a trace file is read by the ridge CLI (relative to the spec file); the service reads "
            "no files: send the rows inline as serving.arrival.trace");
    if (f->type != CF_META && f->type != CF_ANY) {
        v = unwrap(raw, f, &rc, err);
        if (!v)
            return rc;
    }
    switch (f->type) {
    case CF_I64:
        rc = check_number(v, f, 1, &d, err);
        if (rc == 0)
            *(int64_t *)slot = (int64_t)d;
        return rc;
    case CF_INT:
        rc = check_number(v, f, 1, &d, err);
        if (rc == 0)
            *(int *)slot = (int)d;
        return rc;
    case CF_F64:
        rc = check_number(v, f, 0, &d, err);
        if (rc == 0)
            *(double *)slot = d;
        return rc;
    case CF_BOOL:
        if (!cJSON_IsBool(v))
            return rg_err_set(err, RG_ETYPE, f->path, "expected true or false (got %s)",
                              codec_json_type_name(v));
        *(bool *)slot = cJSON_IsTrue(v);
        return 0;
    case CF_FMT: {
        if (!cJSON_IsString(v))
            return rg_err_set(err, RG_ETYPE, f->path, "expected a format name (got %s)",
                              codec_json_type_name(v));
        int id = rg_format_find(v->valuestring);
        if (id < 0)
            return rg_err_set(err, RG_EUNKNOWN, f->path, "unknown format \"%.80s\" (see `ridge formats`)",
                              v->valuestring);
        *(int *)slot = id;
        return 0;
    }
    case CF_ENUM:
        if (!cJSON_IsString(v))
            return rg_err_set(err, RG_ETYPE, f->path, "expected a string (got %s)", codec_json_type_name(v));
        return codec_set_enum(f, v->valuestring, slot, err);
    case CF_RECIPE:
        if (!cJSON_IsString(v))
            return rg_err_set(err, RG_ETYPE, f->path, "expected a recipe (see `ridge recipes`; got %s)",
                              codec_json_type_name(v));
        return codec_set_recipe(f, v->valuestring, slot, err);
    case CF_NAME:
        if (!cJSON_IsString(v))
            return rg_err_set(err, RG_ETYPE, f->path, "expected a string (got %s)", codec_json_type_name(v));
        if (strlen(v->valuestring) >= RG_NAME_MAX)
            return rg_err_set(err, RG_ERANGE, f->path, "longer than %d characters", RG_NAME_MAX - 1);
        snprintf((char *)slot, RG_NAME_MAX, "%s", v->valuestring);
        return 0;
    case CF_META:
    case CF_ANY:
        return 0;
    default:
        return rg_err_set(err, RG_EINTERNAL, f->path, "bad field type");
    }
}

static int walk_assumptions(const cJSON *obj, rg_spec *s, rg_err *err) {
    uint8_t seen[RG_A_COUNT] = {0};
    const cJSON *it;
    char path[160];
    if (!cJSON_IsObject(obj))
        return rg_err_set(err, RG_ETYPE, "assumptions", "expected an object of {name: value} (got %s)",
                          codec_json_type_name(obj));
    cJSON_ArrayForEach(it, obj) {
        const char *k = it->string ? it->string : "";
        codec_join_path(path, sizeof path, "assumptions", k);
        int id = rg_assumption_find(k);
        if (id < 0)
            return rg_err_set(err, RG_EUNKNOWN, path, "unknown assumption (see data/assumptions.json)");
        if (seen[id])
            return rg_err_set(err, RG_EPARSE, path, "duplicate key");
        seen[id] = 1;
        codec_field f = {path, CF_F64, 0, 0, 1e30, NULL, NULL, 0, NULL, 0};
        f.unit = rg_assumption_unit(id);
        int rc = 0;
        double d = 0;
        const cJSON *v = unwrap(it, &f, &rc, err);
        if (!v)
            return rc;
        rc = check_number(v, &f, 0, &d, err);
        if (rc)
            return rc;
        s->assumptions.v[id] = d;
        s->assumptions.set[id] = 1;
    }
    return 0;
}

/* Walk state: which rows were seen and which objects took a preset. */
typedef struct walk_state {
    const codec_data *data;
    uint8_t seen[NFIELDS_MAX];
    uint8_t preset[NFIELDS_MAX];
} walk_state;

static int walk_obj(walk_state *ws, const cJSON *obj, int parent, rg_spec *s, rg_err *err);

static int apply_preset_name(walk_state *ws, int row, const cJSON *name, rg_spec *s, rg_err *err) {
    const codec_field *f = &codec_fields[row];
    char path[160];
    codec_join_path(path, sizeof path, f->path, "preset");
    if (!cJSON_IsString(name))
        return rg_err_set(err, RG_ETYPE, path, "expected a preset name (got %s)", codec_json_type_name(name));
    const codec_preset *p = codec_data_preset_find(ws->data, f->preset_kind, name->valuestring);
    if (!p)
        return rg_err_set(err, RG_EUNKNOWN, path, "unknown %s preset \"%.60s\" (see `ridge presets`)",
                          f->preset_kind, name->valuestring);
    memcpy((char *)s + f->off, (const char *)&p->spec + f->off, f->size);
    ws->preset[row] = 1;
    return 0;
}

static int walk_row(walk_state *ws, int row, const cJSON *v, rg_spec *s, rg_err *err) {
    const codec_field *f = &codec_fields[row];
    if (ws->seen[row])
        return rg_err_set(err, RG_EPARSE, f->path, "duplicate key");
    ws->seen[row] = 1;
    switch (f->type) {
    case CF_OBJ:
        if (f->preset_kind && strcmp(f->preset_kind, "systems") == 0)
            s->has_system = true;
        if (f->preset_kind && cJSON_IsString(v))
            return apply_preset_name(ws, row, v, s, err);
        if (!cJSON_IsObject(v))
            return rg_err_set(err, RG_ETYPE, f->path, "expected %s (got %s)",
                              f->preset_kind ? "a preset name or an object" : "an object",
                              codec_json_type_name(v));
        if (f->preset_kind) {
            const cJSON *pn = cJSON_GetObjectItemCaseSensitive(v, "preset");
            if (pn) {
                int rc = apply_preset_name(ws, row, pn, s, err);
                if (rc)
                    return rc;
            } else {
                /* A full object starts from the defaults, not from whatever
                 * the section held before. */
                const char *from = (const char *)&ws->data->default_spec + f->off;
                if ((char *)s + f->off != from)
                    memcpy((char *)s + f->off, from, f->size);
            }
        }
        return walk_obj(ws, v, row, s, err);
    case CF_ASSUMPT:
        return walk_assumptions(v, s, err);
    default:
        return set_leaf(f, v, s, err);
    }
}

/* The config key a traced field came from ("num_hidden_layers ..."), or
 * NULL when its source is a family rule. */
static int source_key(const char *from, char *key, size_t cap) {
    size_t n = 0;
    while (from[n] && from[n] != ' ' && from[n] != ':' && n + 1 < cap) {
        char c = from[n];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return 0;
        key[n] = c;
        n++;
    }
    key[n] = '\0';
    return n > 0;
}

int codec_hf_apply(const cJSON *cfg, const char *path, rg_model *m, hf_trace *tr, rg_err *err) {
    hf_trace local;
    hf_trace *t = tr ? tr : &local;
    int rc = hf_import(cfg, path, m, t, err);
    if (rc)
        return rc;
    /* the model's fields keep the ranges of the field table */
    rg_spec probe;
    memset(&probe, 0, sizeof probe);
    probe.model = *m;
    for (int i = 0; i < t->n; i++) {
        char full[160], key[64], where[200];
        snprintf(full, sizeof full, "model.%s", t->src[i].field);
        int row = codec_field_find(full);
        if (row < 0 || (codec_fields[row].type != CF_I64 && codec_fields[row].type != CF_F64))
            continue;
        const codec_field *f = &codec_fields[row];
        const void *slot = (const char *)&probe + f->off;
        double v = f->type == CF_I64 ? (double)*(const int64_t *)slot : *(const double *)slot;
        if (v >= f->min && v <= f->max)
            continue;
        if (source_key(t->src[i].from, key, sizeof key))
            snprintf(where, sizeof where, "%s.%s", path, key);
        else
            snprintf(where, sizeof where, "%s", full);
        return rg_err_set(err, RG_ERANGE, where, "gives %s = %.17g, outside %.17g..%.17g", full, v, f->min,
                          f->max);
    }
    return 0;
}

/* "hf_config" in a model object: read the config into the model before
 * the object's other keys, and count it as the object's preset. */
static int apply_hf_config(walk_state *ws, const cJSON *obj, int parent, rg_spec *s, rg_err *err) {
    const cJSON *it, *hf = NULL;
    int n = 0;
    cJSON_ArrayForEach(it, obj) {
        if (it->string && strcmp(it->string, "hf_config") == 0) {
            hf = it;
            n++;
        }
    }
    if (!hf)
        return 0;
    if (n > 1)
        return rg_err_set(err, RG_EPARSE, "model.hf_config", "duplicate key");
    if (cJSON_GetObjectItemCaseSensitive(obj, "preset"))
        return rg_err_set(err, RG_EINVAL, "model.hf_config", "give either preset or hf_config, not both");
    int rc = codec_hf_apply(hf, "model.hf_config", &s->model, NULL, err);
    if (rc == 0)
        ws->preset[parent] = 1;
    return rc;
}

static int walk_obj(walk_state *ws, const cJSON *obj, int parent, rg_spec *s, rg_err *err) {
    const cJSON *it;
    const char *ppath = parent >= 0 ? codec_fields[parent].path : "";
    int npreset = 0;
    if (parent >= 0 && codec_fields[parent].preset_kind && strcmp(codec_fields[parent].path, "model") == 0) {
        int rc = apply_hf_config(ws, obj, parent, s, err);
        if (rc)
            return rc;
    }
    cJSON_ArrayForEach(it, obj) {
        const char *k = it->string ? it->string : "";
        if (parent >= 0 && codec_fields[parent].type == CF_OBJ && codec_fields[parent].preset_kind &&
            strcmp(k, "hf_config") == 0 && strcmp(codec_fields[parent].path, "model") == 0)
            continue; /* applied before the other keys */
        if (parent >= 0 && codec_fields[parent].preset_kind && strcmp(k, "preset") == 0) {
            if (npreset++) {
                char path[160];
                codec_join_path(path, sizeof path, ppath, k);
                return rg_err_set(err, RG_EPARSE, path, "duplicate key");
            }
            continue; /* applied before the other keys */
        }
        int row = -1;
        for (int i = 0; i < codec_nfields; i++)
            if (codec_field_parent(i) == parent && strcmp(codec_field_key(i), k) == 0) {
                row = i;
                break;
            }
        if (row < 0) {
            char path[160];
            codec_join_path(path, sizeof path, ppath, k);
            return rg_err_set(err, RG_EUNKNOWN, path, "unknown key");
        }
        int rc = walk_row(ws, row, it, s, err);
        if (rc)
            return rc;
    }
    return 0;
}

/* Missing required fields: a required row whose object was given (or is the
 * root) without a preset and was not seen. */
static int check_required(const walk_state *ws, int root, const rg_spec *s, rg_err *err) {
    for (int i = 0; i < codec_nfields; i++) {
        if (!(codec_fields[i].flags & CF_REQUIRED) || ws->seen[i])
            continue;
        if ((codec_fields[i].flags & CF_NOT_SERVE) && s->phase == RG_PHASE_SERVE)
            continue;
        int p = codec_field_parent(i);
        /* The parent must be present (or be the walk's root) and not preset. */
        int present = p == root || (p >= 0 && ws->seen[p]);
        if (!present)
            continue;
        if (p >= 0 && ws->preset[p])
            continue;
        /* A nested object under a preset section is covered by the preset. */
        int q = p;
        int covered = 0;
        while (q >= 0) {
            if (ws->preset[q])
                covered = 1;
            q = codec_field_parent(q);
        }
        if (covered)
            continue;
        return rg_err_set(err, RG_EMISSING, codec_fields[i].path, "required");
    }
    return 0;
}

int codec_walk(const codec_data *d, const cJSON *obj, int parent, rg_spec *s, int required, rg_err *err) {
    walk_state ws;
    memset(&ws, 0, sizeof ws);
    ws.data = d;
    if (!cJSON_IsObject(obj))
        return rg_err_set(err, RG_ETYPE, parent >= 0 ? codec_fields[parent].path : "",
                          "expected an object (got %s)", codec_json_type_name(obj));
    if (parent >= 0)
        ws.seen[parent] = 1;
    int rc = walk_obj(&ws, obj, parent, s, err);
    if (rc == 0 && required)
        rc = check_required(&ws, parent, s, err);
    return rc;
}

/* Cross-field checks the codec can name precisely; rg_spec_validate does the
 * rest. Zero kv_heads/head_dim/expert_ffn_dim mean "derive" (engine/model.h). */
int codec_spec_finish(rg_spec *s, rg_err *err) {
    const rg_model *m = &s->model;
    int64_t kvh = m->kv_heads ? m->kv_heads : m->heads;
    if (kvh > m->heads)
        return rg_err_set(err, RG_ERANGE, "model.kv_heads", "must be <= heads (%lld) (got %lld)",
                          (long long)m->heads, (long long)kvh);
    if (m->heads % kvh != 0)
        return rg_err_set(err, RG_ERANGE, "model.kv_heads",
                          "heads (%lld) must be divisible by kv_heads (%lld)", (long long)m->heads,
                          (long long)kvh);
    if (m->head_dim == 0 && m->d_model % m->heads != 0 && !m->mla.kv_lora_rank)
        return rg_err_set(err, RG_ERANGE, "model.head_dim",
                          "d_model (%lld) is not divisible by heads (%lld): give head_dim",
                          (long long)m->d_model, (long long)m->heads);
    if (m->moe.experts > 0) {
        if (m->moe.top_k < 1 || m->moe.top_k > m->moe.experts)
            return rg_err_set(err, RG_ERANGE, "model.moe.top_k", "must be in 1..experts (%lld) (got %lld)",
                              (long long)m->moe.experts, (long long)m->moe.top_k);
        if (m->moe.dense_layers > m->layers)
            return rg_err_set(err, RG_ERANGE, "model.moe.dense_layers", "must be <= layers (%lld) (got %lld)",
                              (long long)m->layers, (long long)m->moe.dense_layers);
        if (m->moe.shared_gate && m->moe.shared_experts < 1)
            return rg_err_set(err, RG_ERANGE, "model.moe.shared_gate", "needs shared_experts >= 1");
    } else if (m->moe.top_k || m->moe.shared_experts || m->moe.dense_layers || m->moe.shared_gate ||
               m->moe.latent) {
        return rg_err_set(err, RG_ERANGE, "model.moe.experts", "must be >= 1 when other moe fields are set");
    }
    if (m->ssm.layers > 0) {
        const rg_ssm *q = &m->ssm;
        if (q->inner < 1 || q->state < 1 || q->conv < 1)
            return rg_err_set(err, RG_ERANGE, "model.ssm", "layers > 0 needs inner, state and conv >= 1");
        if (q->version == 1 && q->dt_rank < 1)
            return rg_err_set(err, RG_ERANGE, "model.ssm.dt_rank",
                              "a Mamba-1 mixer (version 1) needs dt_rank >= 1");
        if (q->version != 1 &&
            (q->heads < 1 || q->groups < 1 || q->inner % q->heads != 0 || q->heads % q->groups != 0))
            return rg_err_set(
                err, RG_ERANGE, "model.ssm.heads",
                "a Mamba-2 mixer needs heads >= 1 dividing inner (%lld) and divisible by groups (%lld)",
                (long long)q->inner, (long long)q->groups);
    }
    if (m->shared.uses > 0) {
        const rg_shared *q = &m->shared;
        if (q->blocks < 1 || q->blocks > q->uses)
            return rg_err_set(err, RG_ERANGE, "model.shared.blocks", "must be in 1..uses (%lld) (got %lld)",
                              (long long)q->uses, (long long)q->blocks);
        if ((q->attn_adapter || q->mlp_adapter) && q->adapter_rank < 1)
            return rg_err_set(err, RG_ERANGE, "model.shared.adapter_rank", "adapters need a rank >= 1");
        if (m->mla.kv_lora_rank > 0)
            return rg_err_set(err, RG_EUNSUPPORTED, "model.shared.uses",
                              "shared blocks with MLA attention are not modelled");
    } else if (m->shared.blocks || m->shared.adapter_rank || m->shared.attn_adapter ||
               m->shared.mlp_adapter || m->shared.concat || m->shared.out_linear) {
        return rg_err_set(err, RG_ERANGE, "model.shared.uses",
                          "must be >= 1 when other shared fields are set");
    }
    s->model.mla.enabled = m->mla.kv_lora_rank > 0;
    if (s->model.mla.enabled && (m->mla.qk_nope_head_dim < 1 || m->mla.v_head_dim < 1))
        return rg_err_set(err, RG_ERANGE, "model.mla",
                          "kv_lora_rank needs qk_nope_head_dim and v_head_dim >= 1");
    s->hw.silicon.enabled = s->hw.silicon.mac_format >= 0;
    int nclass = 0;
    for (int i = 0; i < RG_MATH_COUNT; i++)
        nclass += s->hw.matrix_flops[i] > 0;
    if (nclass == 0)
        return rg_err_set(err, RG_ERANGE, "hardware.matrix_flops", "needs at least one math class");
    for (int i = 0; i < RG_A_COUNT; i++)
        if (!s->assumptions.set[i])
            return rg_err_set(err, RG_EINTERNAL, rg_assumption_name(i), "assumption has no value");
    if (s->phase == RG_PHASE_SERVE) { /* batch and seq_len do not shape a serving run */
        if (s->batch == 0)
            s->batch = s->par.dp * s->par.ep;
        if (s->seq_len == 0)
            s->seq_len = 1;
        rg_serving *sv = &s->serving;
        sv->speculative = sv->spec_tokens > 0;
        sv->disaggregated = sv->prefill_pool.instances > 0 || sv->decode_pool.instances > 0;
        if (sv->speculative && !(sv->spec_acceptance > 0.0))
            return rg_err_set(err, RG_EMISSING, "serving.speculative.acceptance",
                              "required with tokens (in (0, 1])");
        if (sv->disaggregated) {
            if (sv->prefill_pool.instances < 1)
                return rg_err_set(err, RG_EMISSING, "serving.disaggregated.prefill.instances", "required");
            if (sv->decode_pool.instances < 1)
                return rg_err_set(err, RG_EMISSING, "serving.disaggregated.decode.instances", "required");
            if (sv->prefill_pool.tp < 1)
                sv->prefill_pool.tp = s->par.tp;
            if (sv->decode_pool.tp < 1)
                sv->decode_pool.tp = s->par.tp;
        }
    }
    return 0;
}

/* ---- the table's index and lookups in loaded data ---------------------- */

static int field_parent[NFIELDS_MAX];
static const char *field_key[NFIELDS_MAX];

int codec_field_parent(int row) { return field_parent[row]; }
const char *codec_field_key(int row) { return field_key[row]; }

int codec_field_find(const char *path) {
    for (int i = 0; i < codec_nfields; i++)
        if (strcmp(codec_fields[i].path, path) == 0)
            return i;
    return -1;
}

void codec_fields_index(void) {
    for (int i = 0; i < codec_nfields; i++) {
        const char *p = codec_fields[i].path;
        const char *dot = strrchr(p, '.');
        field_key[i] = dot ? dot + 1 : p;
        field_parent[i] = -1;
        if (dot) {
            size_t n = (size_t)(dot - p);
            for (int j = 0; j < codec_nfields; j++)
                if (strlen(codec_fields[j].path) == n && strncmp(codec_fields[j].path, p, n) == 0)
                    field_parent[i] = j;
        }
    }
}

const codec_preset *codec_data_preset_find(const codec_data *d, const char *kind, const char *name) {
    if (!d || !kind || !name)
        return NULL;
    for (int i = 0; i < d->npresets; i++)
        if (strcmp(d->presets[i].kind, kind) == 0 && strcmp(d->presets[i].name, name) == 0)
            return &d->presets[i];
    return NULL;
}
