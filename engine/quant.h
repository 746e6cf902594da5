/* quant.h: quantize-dequantize ("qdq") of fp32 tensors in any Ridge format.
 *
 * Every scale is applied as a multiplication by its fp32 reciprocal,
 * computed once per group (inv = 1 / d; exact for MX powers of two), as
 * hardware quantizers do: element = round(x * inv), value = element * d.
 * A quantizer describes the format, its element, the rounding, overflow
 * policy and scaling:
 *   - plain formats (fp8, fp6, fp4, bf16, int8 ...), optionally scaled per
 *     tensor or per channel (row) from amax: s = amax / max_elem, element =
 *     round(x / s), value = element * s (s = 1 for an all-zero tensor/row);
 *   - OCP MX v1.0 blocks of 32 with an E8M0 scale (mx.h);
 *   - NVFP4: E2M1 in blocks of 16, E4M3 block scale, FP32 tensor scale
 *     (ts = amax / (448 * 6); s_b = e4m3_rne(clamp(amax_b / 6 / ts, 2^-6, 448));
 *     element = e2m1(x / (ts * s_b)); value = element * (ts * s_b));
 *   - integer groups: symmetric (s = fp16(amax / kmax), saturating, element =
 *     clamp(round(x / s), +-kmax)) or asymmetric in min-offset form (KIVI,
 *     Liu et al. 2024: m = fp16(min), s = fp16((max - m) / (2^b - 1)),
 *     element = clamp(round((x - m) / s), 0, 2^b - 1), value = element * s + m).
 * A scale group (MX/NVFP4 block, int group) holding NaN or Inf becomes all
 * NaN; per-tensor and per-row scales come from the finite values and
 * non-finite elements convert one by one. Blocks run along consecutive elements; a partial last block is
 * allowed. Stochastic rounding draws element i's bits from (seed, offset + i)
 * (rng.h), so results are identical for any thread count and chunking.
 *
 * Two implementations: rg_quant_qdq (OpenMP, branch-free bit manipulation)
 * and rg_quant_qdq_ref (serial, built on rg_fpconv_ref and rg_mx_scale_exp_ref);
 * tests require them to agree bit for bit. */
#ifndef RG_QUANT_H
#define RG_QUANT_H

#include <stdbool.h>
#include <stdint.h>

#include "formats.h"
#include "fpconv.h"
#include "mx.h"
#include "status.h"

typedef enum rg_tscale {
    RG_TSCALE_NONE = 0,   /* the format's own scaling only */
    RG_TSCALE_TENSOR = 1, /* plain formats: one fp32 scale from the tensor's amax */
    RG_TSCALE_CHANNEL = 2 /* plain formats: one fp32 scale per row of `cols` */
} rg_tscale;

/* "none", "tensor", "channel"; RG_EUNKNOWN if none. */
int rg_tscale_find(const char *name);
const char *rg_tscale_name(int t);

typedef struct rg_quant {
    rg_format fmt; /* a copy: user-defined formats need no table entry */
    rg_elem elem;
    rg_round round;
    bool saturate;
    uint64_t seed;       /* stochastic rounding */
    rg_scale_mode smode; /* MX scale rule */
    rg_tscale tscale;    /* extra scaling for plain formats */
    int64_t cols;        /* row length for RG_TSCALE_CHANNEL */
    int block;           /* MX / NVFP4 block or integer group size */
    float tensor_amax;   /* > 0: the whole tensor's finite amax, given so that a
                          * tensor-scaled format (NVFP4, per-tensor) can run in
                          * chunks; 0: taken from the input of each call */
} rg_quant;

/* Defaults for a format: RNE; saturating unless the format overflows like
 * IEEE (fp32/bf16/fp16); MX floor rule; per-tensor scaling for plain formats
 * of 8 bits or fewer, none otherwise; the format's block size. Returns 0 or
 * a negative status (RG_EUNSUPPORTED for E8M0, which has no elements). */
int rg_quant_init(rg_quant *q, const rg_format *f, rg_err *err);

/* Check a (possibly edited) quantizer; names the offending option. */
int rg_quant_check(const rg_quant *q, rg_err *err);

/* Whether qdq needs the whole tensor at once: a tensor-wide scale and no
 * tensor_amax given. */
bool rg_quant_needs_whole(const rg_quant *q);
/* Largest finite |x| of a tensor (0 if none), for rg_quant.tensor_amax. */
float rg_quant_tensor_amax(const float *in, int64_t n, int nthreads);
/* Element alignment of chunks a streaming caller may pass (1, block, cols). */
int64_t rg_quant_chunk_align(const rg_quant *q);

/* Storage bits per element for a tensor of n elements: element bits plus
 * block scales, zero points, and tensor/row scales (32-bit) amortised. */
double rg_quant_bits(const rg_quant *q, int64_t n);

/* out[i] = dequantize(quantize(in[i])) for i < n; in == out is allowed.
 * `offset` is the global index of in[0] (stochastic rounding stream; a
 * multiple of rg_quant_chunk_align). Runs on `nthreads` OpenMP threads
 * (<= 0: the OpenMP default). Returns 0, RG_EINVAL, or the status of
 * rg_quant_check. */
int rg_quant_qdq(const rg_quant *q, const float *in, float *out, int64_t n, int64_t offset, int nthreads);

/* The serial scalar reference of rg_quant_qdq. */
int rg_quant_qdq_ref(const rg_quant *q, const float *in, float *out, int64_t n, int64_t offset);

/* The stored elements (before multiplying by their scales), e.g. to measure
 * the entropy of their codes: out[i] is a value of q's element format.
 * RG_EUNSUPPORTED for asymmetric groups (their codes are offset integers). */
int rg_quant_elements(const rg_quant *q, const float *in, float *out, int64_t n, int nthreads);

/* Element-wise fast conversion (no scaling), for tests and callers that
 * scale themselves: out[i] = round(in[i]) in q's element format. */
void rg_quant_elem(const rg_quant *q, const float *in, float *out, int64_t n, int64_t offset);

#endif
