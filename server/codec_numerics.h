/* codec_numerics.h: JSON for the numerics emulator, shared by the CLI
 * (`ridge formats`, `ridge quantize`) and ridged (POST /numerics/quantize,
 * quality estimates in evaluations and sweeps).
 *
 * A quantize request is one JSON object (unknown keys are errors naming the key):
 *   format       table name ("mxfp4", "nvfp4", "int4_g128", ...) or "eXmY[fn|finite]"
 *   ebits, mbits, bias, nan ("ieee"|"fn"|"finite"), subnormals (bool)   a user
 *                minifloat instead of format
 *   format may also name integer groups of any size: "int<b>_g<G>[_asym]"
 *   rounding     "rne" (default) | "rtz" | "rna" | "stochastic"
 *   seed         integer or decimal string (stochastic rounding, synthetic data, signs)
 *   scale_mode   MX: "floor" (default) | "ceil" | "even" | "rceil"
 *   saturate     bool (default: true, except fp32/tf32/bf16/fp16)
 *   scaling      plain formats: "none" | "tensor" | "channel" (default tensor for <= 8 bits)
 *   cols         row length: per-channel scaling, KL rows, schemes, activations/kv data
 *   block        block / group size override
 *   dist, n, dof, outlier_frac, outlier_scale   synthetic data (default normal, n 65536);
 *                activations/kv tensors have rows of cols (default 4096)
 *   data         [numbers]: the tensor itself (HTTP; at most 1,048,576 values)
 *   scheme       "none" | "hadamard" | "outliers" | "kv_keys" | "kv_values"
 *   window, threshold   kv window (tokens) / outlier threshold
 *   entropy      bool: also report code and exponent entropy
 * A request with "recipe" (recipe.h: a preset such as "nvfp4_16x16" or
 * "fp8_1x128", "PRESET:key=value,...", or "key=value,...") quantizes the
 * tensor as rows of `cols` (default: 4096 for synthetic data, whole data as
 * one row otherwise) with that recipe instead; it takes only recipe, dist
 * (default activations), n (default 1,048,576), seed, cols, dof,
 * outlier_frac, outlier_scale and data, and answers {recipe {...}, n, rows,
 * cols, source, bits_per_element, sqnr_db, ...}.
 * The response object: format, rounding, saturate, scaling, scale_mode, block,
 * n, source {...}, bits_per_element, sqnr_db, mse, max_abs_error,
 * mean_rel_error, cosine, kl_div, kl_rows, n_nonfinite, [scheme {...}],
 * [entropy {...}]. */
#ifndef RG_CODEC_NUMERICS_H
#define RG_CODEC_NUMERICS_H

#include <cjson/cJSON.h>

#include "recipe.h"
#include <stdint.h>

#include "jsonw.h"
#include "quant.h"
#include "spec.h"
#include "status.h"

/* The quantizer options of a request (format ... block) into `q`. Returns 0
 * or a negative status with `err` naming the key. Does not take `req`. */
int codec_quant_parse(const cJSON *req, rg_quant *q, rg_err *err);

/* Run a quantize request on `data` (n floats, borrowed) or, when data is
 * NULL, on the request's synthetic tensor or "data" array, and write the
 * response object into `out`. `nthreads` <= 0: OpenMP default (the CLI);
 * ridged passes 1 (no OpenMP on HTTP threads). Returns 0 or a negative status
 * with `err` filled (RG_ENOMEM when buffers cannot be allocated). */
int codec_quantize_run(const cJSON *req, const float *data, int64_t n, int nthreads, jw *out, rg_err *err);

/* codec_quantize_run on one thread with data from the request, for ridged:
 * synthetic n is capped at 16,777,216 (the CLI allows 2^28). */
int codec_quantize_json(const cJSON *req, jw *out, rg_err *err);

/* The codesign link: for the spec's weights, activations and kv_cache
 * formats, emulate each on a seeded synthetic tensor of a fitting
 * distribution (weights: Student-t, 8 dof; activations: normal with 0.5% of
 * 4096 channels scaled 20x; kv_cache: normal with per-channel magnitudes,
 * rows of 128) and write
 *   {"weights": {format, dist, n, seed, sqnr_db, mse, max_abs_error,
 *                mean_rel_error, cosine, kl_div, bits_per_element}, ...}
 * as one value. `quality_opts` may be NULL, true, or an object with n
 * (<= 16,777,216, default 65536), seed, and dist (overrides all three).
 * Results are cached per (format, distribution, n, seed): sweeps pay once.
 * Thread-safe; single-threaded. Returns 0 or a negative status with `err`
 * naming "quality.<key>". */
int codec_quality_write(jw *w, const cJSON *quality_opts, const rg_numerics *num, rg_err *err);

/* The quality loss of a spec's numerics as one number: the noise-to-signal
 * power ratio at the output of its matmuls. Each operand class is emulated
 * on its tensor as in codec_quality_write (weights Student-t, activations
 * with outlier channels, KV rows; 65,536 values, seed 0), giving
 * nsr = 10^(-SQNR/10) per class (0 for an unquantized class). For a matmul
 * of independent operands whose errors are independent of the values,
 * E[(ab - a'b')^2] / E[(ab)^2] = nsr_a + nsr_b + nsr_a nsr_b (Widrow &
 * Kollar, "Quantization Noise", 2008, ch. 4: quantization as additive
 * noise). The loss is the worst of the matmul kinds the phase runs: the
 * linear layers (activations x weights) and, for prefill and decode, the
 * attention products (activations x KV cache). Cached by format; a sweep
 * pays the emulation once per format. Returns 0 or a negative status. */
int codec_quality_loss(const rg_numerics *num, rg_phase phase, double *nsr);

/* codec_quality_write plus, for phase >= 0 (an rg_phase), a "matmul" object:
 * linear_nsr, attention_nsr (prefill, decode), quality_loss and
 * quality_sqnr_db as codec_quality_loss computes them from the classes
 * written. */
int codec_quality_write_phase(jw *w, const cJSON *quality_opts, const rg_numerics *num, int phase,
                              rg_err *err);

/* codec_quality_write_phase for a whole spec, plus a "layers" object: for
 * each matmul type of the model (attn_qkv, attn_out, ffn_up, ffn_down,
 * expert_up/down for MoE, attn_scores) {k, n, m_sampled, n_sampled, a, b,
 * sqnr_db, rel_error, max_abs_error} of the emulated product at the real k
 * (synthetic operands; cached per quantizers and shape). quality_opts may
 * add "layers": false (skip it) and "recipes": {weights, activations,
 * kv_cache} (recipe.h strings that replace the spec's formats). A layer
 * whose shape a recipe's blocks do not tile says {"supported": false,
 * "reason"}. */
int codec_quality_write_spec(jw *w, const cJSON *quality_opts, const rg_spec *spec, rg_err *err);

/* {"formats": [{name, kind, ebits, mbits, bias, nan, subnormals, scaling,
 * block, elem_bits, bits_per_element, math, max, min_normal, min_subnormal,
 * emax, saturate, description}], "rounding": [...], "scale_modes": [...],
 * "scaling": [...], "distributions": [...], "schemes": [...], "recipes": [{name,
 * source}] (the recipe presets of recipe.h)}. */
void codec_formats_write(jw *w);

/* The "recipe" object of a response: name, elem, block "RxC", scale,
 * [scale_mode], tensor_scale, four_over_six, asym, rounding, [seed], rotate,
 * [rotate_seed], residual. */
void codec_recipe_write(jw *w, const rg_recipe *r);
/* [{recipe {...}, source}] for every preset. */
void codec_recipes_write(jw *w);

#endif
