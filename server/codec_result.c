/* codec_result.c: typed results, assumptions, presets and errors -> JSON.
 *
 * Everything goes through the lossless writer (jsonw.h): no number is
 * printed by cJSON. Key names are the contract the CLI, the service and
 * the web UI read; they are only ever added to. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "codec_internal.h"
#include "codec_numerics.h"
#include "model.h"
#include "recipe_cost.h"

static const char *const pass_names[] = {"fwd", "bwd", "recompute", "optimizer"};
static const char *const bound_names[] = {"compute", "memory", "comm", "latency"};
static const char *const comm_names[] = {
#define RG_X_(id, name) name,
    RG_COMM_LIST(RG_X_)
#undef RG_X_
};

static const char *name_at(const char *const *names, int n, int i) {
    return i >= 0 && i < n ? names[i] : "?";
}

void codec_json_write(jw *w, const cJSON *v) {
    const cJSON *it;
    if (cJSON_IsObject(v)) {
        jw_obj_begin(w);
        cJSON_ArrayForEach(it, v) {
            jw_key(w, it->string ? it->string : "");
            codec_json_write(w, it);
        }
        jw_obj_end(w);
    } else if (cJSON_IsArray(v)) {
        jw_arr_begin(w);
        cJSON_ArrayForEach(it, v) codec_json_write(w, it);
        jw_arr_end(w);
    } else if (cJSON_IsString(v)) {
        jw_str(w, v->valuestring);
    } else if (cJSON_IsNumber(v)) {
        jw_num(w, v->valuedouble);
    } else if (cJSON_IsBool(v)) {
        jw_bool(w, cJSON_IsTrue(v));
    } else {
        jw_null(w);
    }
}

void codec_assumptions_write(jw *w, const rg_spec *spec, const uint8_t *used) {
    jw_arr_begin(w);
    if (codec_data_init(NULL) == 0) {
        for (int i = 0; i < RG_A_COUNT; i++) {
            if (used && !used[i])
                continue;
            const codec_assumption_meta *m = codec_assumption_meta_get(i);
            double v = spec->assumptions.v[i];
            jw_obj_begin(w);
            jw_kstr(w, "name", rg_assumption_name(i));
            jw_knum(w, "value", v);
            jw_kstr(w, "unit", m->unit ? m->unit : rg_assumption_unit(i));
            jw_kstr(w, "source", m->source ? m->source : "");
            jw_kstr(w, "confidence", m->confidence ? m->confidence : "");
            jw_kbool(w, "overridden", v != m->value);
            if (v != m->value)
                jw_knum(w, "default", m->value);
            jw_obj_end(w);
        }
    }
    jw_arr_end(w);
}

static void write_memory(jw *w, const rg_memory *m) {
    jw_obj_begin(w);
    jw_knum(w, "per_device_bytes", m->per_device_bytes);
    jw_knum(w, "weights_bytes", m->weights_bytes);
    jw_knum(w, "kv_cache_bytes", m->kv_cache_bytes);
    jw_knum(w, "ssm_state_bytes", m->ssm_state_bytes);
    jw_knum(w, "activations_bytes", m->activations_bytes);
    jw_knum(w, "grads_bytes", m->grads_bytes);
    jw_knum(w, "optimizer_bytes", m->optimizer_bytes);
    jw_knum(w, "other_bytes", m->other_bytes);
    jw_knum(w, "capacity_bytes", m->capacity_bytes);
    jw_kbool(w, "fits", m->fits);
    jw_knum(w, "shortfall_bytes", m->shortfall_bytes);
    jw_obj_end(w);
}

static void write_breakdown(jw *w, const rg_breakdown *b) {
    jw_obj_begin(w);
    jw_knum(w, "compute_s", b->compute_s);
    jw_knum(w, "memory_s", b->memory_s);
    jw_key(w, "comm");
    jw_obj_begin(w);
    for (int k = 0; k < RG_COMM_COUNT; k++) {
        jw_key(w, comm_names[k]);
        jw_obj_begin(w);
        jw_knum(w, "total_s", b->comm_s[k]);
        jw_knum(w, "exposed_s", b->comm_exposed_s[k]);
        jw_obj_end(w);
    }
    jw_obj_end(w);
    jw_knum(w, "bubble_s", b->bubble_s);
    jw_knum(w, "other_s", b->other_s);
    jw_obj_end(w);
}

void codec_memory_write(jw *w, const rg_memory *m) { write_memory(w, m); }
void codec_breakdown_write(jw *w, const rg_breakdown *b) { write_breakdown(w, b); }

static void write_op(jw *w, const rg_op *op) {
    const rg_format *f = rg_format_get(op->fmt);
    jw_obj_begin(w);
    jw_kstr(w, "name", op->name);
    jw_kstr(w, "pass", name_at(pass_names, 4, (int)op->pass));
    jw_kstr(w, "format", f ? f->name : "?");
    jw_kstr(w, "math", op->math >= 0 ? rg_math_name(op->math) : "vector");
    jw_knum(w, "count", op->count);
    jw_knum(w, "flops", op->flops);
    jw_knum(w, "bytes", op->bytes);
    jw_knum(w, "intensity", op->intensity);
    jw_knum(w, "compute_s", op->compute_s);
    jw_knum(w, "memory_s", op->memory_s);
    jw_knum(w, "time_s", op->time_s);
    jw_kstr(w, "bound", name_at(bound_names, 4, (int)op->bound));
    jw_obj_end(w);
}

void codec_result_write(jw *w, const rg_spec *spec, const rg_result *res) {
    codec_result_write_with(w, spec, res, NULL, NULL, NULL);
}

int codec_result_write_quality(jw *w, const rg_spec *spec, const rg_result *res, const cJSON *quality,
                               rg_err *err) {
    jw q;
    char *text = NULL;
    int rc = 0;
    if (!quality || cJSON_IsNull(quality) || cJSON_IsFalse(quality)) {
        codec_result_write_with(w, spec, res, NULL, NULL, NULL);
        return 0;
    }
    jw_init(&q);
    rc = codec_quality_write_spec(&q, cJSON_IsTrue(quality) ? NULL : quality, spec, err);
    if (rc)
        goto out;
    text = jw_take(&q, NULL);
    if (!text) {
        rc = rg_err_set(err, RG_ENOMEM, "quality", "out of memory");
        goto out;
    }
    codec_result_write_with(w, spec, res, NULL, text, NULL);
out:
    free(text);
    jw_free(&q);
    return rc;
}

static void write_quantiles(jw *w, const char *key, const rg_quantiles *q) {
    jw_key(w, key);
    jw_obj_begin(w);
    jw_knum(w, "p50", q->p50);
    jw_knum(w, "p90", q->p90);
    jw_knum(w, "p99", q->p99);
    jw_knum(w, "mean", q->mean);
    jw_obj_end(w);
}

/* The serving run (engine/serve.h); series are columns of equal length. */
static void write_serving(jw *w, const rg_spec *spec, const rg_serving_result *s) {
    jw_obj_begin(w);
    jw_kint(w, "requests", s->requests);
    write_quantiles(w, "ttft_s", &s->ttft_s);
    write_quantiles(w, "tpot_s", &s->tpot_s);
    write_quantiles(w, "e2e_s", &s->e2e_s);
    jw_knum(w, "duration_s", s->duration_s);
    jw_knum(w, "throughput_requests_per_s", s->throughput_requests_per_s);
    jw_knum(w, "output_tokens_per_s", s->output_tokens_per_s);
    jw_knum(w, "output_tokens_per_s_per_chip", s->output_tokens_per_s_per_chip);
    jw_knum(w, "goodput_requests_per_s", s->goodput_requests_per_s);
    jw_knum(w, "slo_attainment", s->slo_attainment);
    if (spec->serving.slo_ttft_s > 0 || spec->serving.slo_tpot_s > 0) {
        jw_key(w, "slo");
        jw_obj_begin(w);
        jw_knum(w, "ttft_s", spec->serving.slo_ttft_s);
        jw_knum(w, "tpot_s", spec->serving.slo_tpot_s);
        jw_obj_end(w);
    }
    jw_knum(w, "mean_in_system", s->mean_in_system);
    jw_knum(w, "mean_latency_s", s->mean_latency_s);
    jw_knum(w, "kv_utilization_mean", s->kv_utilization_mean);
    jw_knum(w, "kv_utilization_peak", s->kv_utilization_peak);
    jw_kint(w, "kv_blocks", s->kv_blocks);
    jw_kint(w, "kv_block_tokens", s->kv_block_tokens);
    jw_kint(w, "preemptions", s->preemptions);
    jw_kint(w, "steps", s->steps);
    jw_knum(w, "mean_batch", s->mean_batch);
    jw_kint(w, "step_model_evals", s->step_model_evals);
    jw_knum(w, "energy_j", s->energy_j);
    jw_knum(w, "energy_per_output_token_j", s->energy_per_output_token_j);
    jw_knum(w, "energy_per_request_j", s->energy_per_request_j);
    jw_key(w, "series");
    jw_obj_begin(w);
    static const char *const cols[] = {"t_s", "queue", "batch", "kv_use"};
    for (int c = 0; c < 4; c++) {
        jw_key(w, cols[c]);
        jw_arr_begin(w);
        for (int i = 0; i < s->n_samples && i < RG_SERVE_SAMPLES; i++) {
            const rg_serve_sample *p = &s->samples[i];
            jw_num(w, c == 0 ? p->t_s : c == 1 ? p->queue : c == 2 ? p->batch : p->kv_use);
        }
        jw_arr_end(w);
    }
    jw_obj_end(w);
    jw_obj_end(w);
}

/* "recipes": {class: {recipe, bits_per_element}} for the classes that name
 * one (the bits of the shapes the roofline charged); nothing without. */
static void write_recipes(jw *w, const rg_spec *spec) {
    static const char *const cls[RG_TC_COUNT] = {"weights", "activations", "kv_cache"};
    const rg_numerics *nu = &spec->numerics;
    if (!nu->recipes[RG_TC_WEIGHTS].on && !nu->recipes[RG_TC_ACTIVATIONS].on && !nu->recipes[RG_TC_KV].on)
        return;
    rg_model_dims dm;
    rg_model_derive(&spec->model, &dm);
    double cb[RG_TC_COUNT];
    rg_class_bytes(nu, &dm,
                   (double)spec->batch * (double)(spec->phase == RG_PHASE_DECODE ? 1 : spec->seq_len),
                   (double)spec->seq_len, cb);
    jw_key(w, "recipes");
    jw_obj_begin(w);
    for (int c = 0; c < RG_TC_COUNT; c++) {
        if (!nu->recipes[c].on)
            continue;
        jw_key(w, cls[c]);
        jw_obj_begin(w);
        jw_kstr(w, "recipe", nu->recipes[c].text);
        jw_knum(w, "bits_per_element", 8.0 * cb[c]);
        jw_obj_end(w);
    }
    jw_obj_end(w);
}

void codec_result_write_with(jw *w, const rg_spec *spec, const rg_result *res, const char *spec_sha,
                             const char *quality_json, const char *uncertainty_json) {
    char sha[65];
    int math = rg_numerics_math(&spec->numerics); /* numerics.math's class, or the recipes' */
    double peak = res->silicon.enabled ? res->silicon.matrix_flops : spec->hw.matrix_flops[math];
    jw_obj_begin(w);
    jw_knum(w, "time_s", res->time_s);
    jw_knum(w, "flops", res->flops);
    jw_knum(w, "hw_flops", res->hw_flops);
    jw_knum(w, "bytes", res->bytes);
    jw_knum(w, "mfu", res->mfu);
    jw_knum(w, "tokens_per_s", res->tokens_per_s);
    jw_knum(w, "tokens_per_s_per_chip", res->tokens_per_s_per_chip);
    jw_knum(w, "latency_per_token_s", res->latency_per_token_s);
    jw_knum(w, "params", res->params);
    jw_knum(w, "active_params", res->active_params);
    jw_knum(w, "mtp_params", res->mtp_params);
    if (res->tokens_per_step > 1.0)
        jw_knum(w, "tokens_per_step", res->tokens_per_step);
    jw_kint(w, "chips", res->chips);
    jw_kstr(w, "phase",
            spec->phase == RG_PHASE_TRAIN     ? "train"
            : spec->phase == RG_PHASE_PREFILL ? "prefill"
            : spec->phase == RG_PHASE_SERVE   ? "serve"
                                              : "decode");
    jw_kstr(w, "model", spec->model.name);
    jw_kstr(w, "hardware", spec->hw.name);
    if (spec->has_system)
        jw_kstr(w, "system", spec->system.name);
    if (spec->stack[0])
        jw_kstr(w, "stack", spec->stack);
    jw_kstr(w, "math", rg_math_name(math));
    jw_knum(w, "peak_flops", peak);
    write_recipes(w, spec);
    /* Ridge point of the math class: the intensity where compute and memory
     * time meet on this chip (FLOP per byte). */
    jw_knum(w, "ridge_point", spec->hw.mem_bw > 0 ? peak / spec->hw.mem_bw : 0);
    if (res->saturation.computed) {
        /* batch analysis (RG_EVAL_SATURATION, engine/saturation.h); 0 = none */
        const rg_saturation *sa = &res->saturation;
        jw_knum(w, "saturation_fraction", sa->fraction);
        jw_kint(w, "saturation_batch", sa->batch);
        jw_knum(w, "saturation_tokens_per_s_per_chip", sa->tokens_per_s_per_chip);
        jw_knum(w, "asymptote_tokens_per_s_per_chip", sa->asymptote_tokens_per_s_per_chip);
        jw_knum(w, "asymptote_compute_share", sa->asymptote_compute_share);
        jw_kint(w, "max_batch_fits", sa->max_batch_fits);
        jw_kbool(w, "saturation_batch_fits", sa->batch > 0 && sa->batch <= sa->max_batch_fits);
    }
    if (res->serving.computed) {
        jw_key(w, "serving");
        write_serving(w, spec, &res->serving);
    }
    codec_silicon_write(w, res);
    jw_key(w, "memory");
    write_memory(w, &res->memory);
    jw_key(w, "breakdown");
    write_breakdown(w, &res->breakdown);
    jw_key(w, "ops");
    jw_arr_begin(w);
    for (int i = 0; i < res->n_ops && i < RG_MAX_OPS; i++)
        write_op(w, &res->ops[i]);
    jw_arr_end(w);
    jw_key(w, "assumptions");
    codec_assumptions_write(w, spec, res->used);
    jw_kstr(w, "engine_version", codec_engine_version());
    jw_kstr(w, "git_commit", codec_git_commit());
    if (spec_sha)
        jw_kstr(w, "spec_sha256", spec_sha);
    else if (codec_spec_sha256(spec, sha) == 0)
        jw_kstr(w, "spec_sha256", sha);
    if (quality_json) {
        jw_key(w, "quality");
        jw_raw(w, quality_json);
    }
    if (uncertainty_json) {
        jw_key(w, "uncertainty");
        jw_raw(w, uncertainty_json);
    }
    jw_obj_end(w);
}

void codec_error_write(jw *w, const rg_err *err) {
    jw_obj_begin(w);
    jw_kstr(w, "code", rg_status_name(err->code));
    jw_kint(w, "status", rg_status_http(err->code));
    jw_kstr(w, "field", err->field);
    jw_kstr(w, "message", err->msg[0] ? err->msg : rg_strerror(err->code));
    jw_kstr(w, "title", rg_strerror(err->code));
    jw_obj_end(w);
}

cJSON *codec_preset_get(const char *kind, const char *name, rg_err *err) {
    if (codec_data_init(err))
        return NULL;
    const codec_preset *p = codec_preset_find(kind, name);
    if (!p) {
        rg_err_set(err, RG_ENOTFOUND, kind ? kind : "", "no %s preset named \"%.60s\"", kind ? kind : "?",
                   name ? name : "");
        return NULL;
    }
    cJSON *j = cJSON_Duplicate(p->json, 1);
    if (!j)
        rg_err_set(err, RG_ENOMEM, kind, "out of memory");
    return j;
}

void codec_presets_write(jw *w) {
    static const char *const kinds[] = {"hardware", "models", "systems"};
    jw_obj_begin(w);
    if (codec_data_init(NULL) == 0) {
        for (int k = 0; k < 3; k++) {
            jw_key(w, kinds[k]);
            jw_arr_begin(w);
            for (int i = 0; i < codec_preset_count(); i++) {
                const codec_preset *p = codec_preset_at(i);
                if (strcmp(p->kind, kinds[k]) == 0)
                    codec_json_write(w, p->json);
            }
            jw_arr_end(w);
        }
        jw_key(w, "defaults");
        codec_json_write(w, cJSON_GetObjectItemCaseSensitive(codec_defaults_json(), "defaults"));
        jw_key(w, "assumptions");
        codec_assumptions_write(w, codec_default_spec(), NULL);
    }
    jw_obj_end(w);
}

void codec_fields_write(jw *w) {
    static const char *const types[] = {
        [CF_OBJ] = "object",   [CF_I64] = "integer", [CF_INT] = "integer",    [CF_F64] = "number",
        [CF_BOOL] = "boolean", [CF_FMT] = "format",  [CF_ENUM] = "enum",      [CF_NAME] = "string",
        [CF_META] = "string",  [CF_ANY] = "any",     [CF_ASSUMPT] = "object", [CF_LEN] = "length",
        [CF_TRACE] = "trace",  [CF_HF] = "object",   [CF_RECIPE] = "recipe",  [CF_FILE] = "file",
    };
    static_assert(sizeof types / sizeof types[0] == CF_FILE + 1, "a name for every field type");
    jw_obj_begin(w);
    jw_key(w, "fields");
    jw_arr_begin(w);
    for (int i = 0; i < codec_nfields; i++) {
        const codec_field *f = &codec_fields[i];
        if (f->type == CF_OBJ || f->type == CF_META || f->type == CF_ANY || f->type == CF_FILE)
            continue;
        jw_obj_begin(w);
        jw_kstr(w, "path", f->path);
        jw_kstr(w, "type", types[f->type]);
        jw_kstr(w, "unit", f->unit ? f->unit : "");
        if (f->type == CF_I64 || f->type == CF_INT || f->type == CF_F64) {
            jw_knum(w, "min", f->min);
            jw_knum(w, "max", f->max);
        }
        if (f->type == CF_ENUM && f->names) {
            jw_key(w, "values");
            jw_arr_begin(w);
            for (int k = 0; f->names[k]; k++)
                jw_str(w, f->names[k]);
            jw_arr_end(w);
        }
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
}
