/* recipe.h: the numerics recipes that training and inference stacks ship,
 * as named, parameterised block-scaled schemes on 2-D tensors.
 *
 * A tensor is rows x cols, row-major; the scale blocks are br x bc tiles
 * (bc along a row, the contiguous dimension: the reduction dimension k of a
 * matmul's A operand, and of B^T). Each block has one scale d (and, for
 * asymmetric integers, an offset m) and every element is stored in the
 * element format:  element = round(x * (1 / d)), value = element * d, the
 * reciprocal computed once per block in fp32 as in quant.h. The scale rules
 * (amax = the block's largest finite |x|, M = the element's largest value):
 *   fp32   d = amax / M                                 (DeepSeek-V3 §3.3)
 *   pow2   d = 2^ceil(log2(amax / M)): the smallest power of two with no
 *          clipping (TransformerEngine Float8BlockScaling, power_2_scale)
 *   e8m0   d = 2^s, s by the MX rule of mx.h (OCP MX v1.0 §6.3), any block
 *   e4m3   d = ts * e4m3_rne(clamp(amax / M / ts, 2^-6, 448))   (NVFP4)
 *   ue5m3  d = ts * ue5m3_rne(clamp(amax / M / ts, 2^-14, 122880)), the
 *          unsigned E5M3 scale (5 exponent bits, bias 15, 3 mantissa bits,
 *          every code finite) proposed for FP4 blocks by Fasoli et al. 2026
 *          (arXiv 2601.19026)
 * where ts is 1, or with a tensor scale, ts = tensor_amax / (M * S_max),
 * S_max = 448 (NVFP4, NVIDIA's NVFP4 recipe, arXiv 2509.25149), 256 under
 * four-over-six. A zero scale (all-zero block) becomes 1.
 * Four over six (Cook et al. 2025, arXiv 2512.02010; E2M1 elements only):
 * each block is quantized twice, with M = 6 and with M = 4, and keeps the
 * one with the smaller sum of squared errors (in double; ties keep 6); the
 * tensor scale uses S_max = 256 so that a block scaled to 4 stays inside
 * E4M3's range (the paper's reference code, constant E4M3_MAX_FOUROVERSIX).
 * Asymmetric integer blocks (KIVI, Liu et al. 2024, arXiv 2402.02750, and
 * quant.h's min-offset rule): m = fp16(min), s = fp16((max - m) / (2^b - 1)),
 * element = clamp(round((x - m) / s), 0, 2^b - 1), value = element * s + m.
 * KIVI quantizes the key cache per channel (blocks of G tokens down a
 * column: G x 1) and the value cache per token (1 x G), and keeps the most
 * recent `residual` tokens (the last rows) in full precision (fp16 here).
 * A block holding NaN or Inf becomes all NaN; stochastic rounding draws
 * element (r, c)'s bits from (seed, r * cols + c), so results are identical
 * for any thread count.
 *
 * Rotations (QuaRot, Ashkboos et al. 2024, arXiv 2404.00456): x' = x Q with
 * Q = diag(S) (H_b (x) ... ) / sqrt(b), one b x b Walsh-Hadamard block per b
 * columns, b a power of two, and S an optional random +-1 sign per column
 * (NVIDIA's random Hadamard transform, b = 16). Q is orthogonal, so
 * (A Q)(Q^T B) = A B: applied along k to both operands of a matmul the
 * rotations cancel and only the quantization error of the rotated operands
 * remains. The rotation is a fast Walsh-Hadamard transform in double,
 * rounded once to fp32; rg_recipe_unrotate applies Q^T.
 *
 * Two implementations of the quantizer: rg_recipe_qdq (OpenMP over bands of
 * br rows, fast element kernels of quant.c, exponent-field scale rules) and
 * rg_recipe_qdq_ref (serial, rg_fpconv_ref, frexp, rg_mx_scale_exp_ref);
 * tests require them to agree bit for bit. The rotation is shared. */
#ifndef RG_RECIPE_H
#define RG_RECIPE_H

#include <stdbool.h>
#include <stdint.h>

#include "formats.h"
#include "fpconv.h"
#include "mx.h"
#include "status.h"

typedef enum rg_rscale {
    RG_RSCALE_FP32 = 0,
    RG_RSCALE_POW2 = 1,
    RG_RSCALE_E8M0 = 2,
    RG_RSCALE_E4M3 = 3,
    RG_RSCALE_UE5M3 = 4
} rg_rscale;

#define RG_RECIPE_MAX_BLOCK 65536 /* elements in one br x bc block */

typedef struct rg_recipe {
    char name[48]; /* the preset it started from, or "custom" */
    char elem_name[24];
    rg_elem elem;        /* element format */
    int elem_bits;       /* stored bits of one element */
    int br, bc;          /* block shape: rows x cols */
    rg_rscale scale;     /* block-scale rule and storage */
    rg_scale_mode smode; /* e8m0 only: MX scale rule */
    bool tensor_scale;   /* second-level fp32 tensor scale (e4m3/ue5m3 scales) */
    bool four_six;       /* four over six (E2M1 elements, e4m3 scales) */
    bool asym;           /* integer elements with a min offset (KIVI) */
    rg_round round;
    uint64_t seed;        /* stochastic rounding */
    int rotate;           /* Hadamard block size along cols; 0 = none */
    uint64_t rotate_seed; /* 0: plain Hadamard; else random signs from this seed */
    int residual;         /* trailing rows kept in fp16 (KIVI's residual window) */
} rg_recipe;

/* Number of presets, and the name / one-line source of preset i (NULL past
 * the end). */
int rg_recipe_count(void);
const char *rg_recipe_preset_name(int i);
const char *rg_recipe_preset_source(int i);

/* Parse "PRESET", "PRESET:key=value,...", or "key=value,..." into `r`.
 * Keys: elem (a format name: fp8_e4m3, fp4_e2m1, eXmY, int<b>), block (RxC,
 * or N for 1xN), scale (fp32|pow2|e8m0|e4m3|ue5m3), scale_mode
 * (floor|ceil|even|rceil), tensor_scale (0|1), four_over_six (0|1), asym
 * (0|1), rounding (rne|rtz|rna|stochastic), seed, rotate (a power of two,
 * 0 = none), rotate_seed, residual. Errors name `field` and the key
 * ("--recipe: block"). Returns 0 or a negative status. */
int rg_recipe_parse(const char *spec, rg_recipe *r, const char *field, rg_err *err);

/* Check `r` against a rows x cols tensor: the blocks must tile the
 * quantized rows (rows - residual) and cols exactly, the rotation must
 * divide cols. Errors name `field` with the key. */
int rg_recipe_check(const rg_recipe *r, int64_t rows, int64_t cols, const char *field, rg_err *err);

/* Storage bits per element of a rows x cols tensor: element bits, block
 * scales (fp32: 32; pow2, e8m0, e4m3, ue5m3: 8) and offsets (asym: 16 + 16)
 * amortised over the block, the tensor scale over the tensor, residual rows
 * at 16 bits. */
double rg_recipe_bits(const rg_recipe *r, int64_t rows, int64_t cols);

/* out = Q applied to each row of x (rows x cols, in == out allowed) in
 * blocks of r->rotate columns; unrotate applies Q^T. No-ops without a
 * rotation. Return 0 or RG_EINVAL. */
int rg_recipe_rotate(const rg_recipe *r, const float *x, float *out, int64_t rows, int64_t cols,
                     int nthreads);
int rg_recipe_unrotate(const rg_recipe *r, const float *x, float *out, int64_t rows, int64_t cols,
                       int nthreads);

/* out = dequantize(quantize(rotate(in))) for a rows x cols tensor (in ==
 * out allowed); with a rotation the result stays in the rotated basis
 * (rg_recipe_unrotate brings it back). Runs on `nthreads` threads (<= 0:
 * OpenMP's default). Returns 0, RG_EINVAL, RG_ENOMEM (per-thread block
 * scratch, freed before return) or the status of rg_recipe_check. */
int rg_recipe_qdq(const rg_recipe *r, const float *in, float *out, int64_t rows, int64_t cols, int nthreads,
                  rg_err *err);

/* The serial scalar reference of rg_recipe_qdq. */
int rg_recipe_qdq_ref(const rg_recipe *r, const float *in, float *out, int64_t rows, int64_t cols,
                      rg_err *err);

/* The output error of a matmul whose operands go through recipes: A is m x
 * k, B is given transposed as bt (n x k), both quantized along k (bt's rows
 * are B's columns, so B's blocks are (n-rows) x (k-cols) tiles of B^T).
 * Both recipes must rotate alike (size and seed), so that the rotations
 * cancel. C = Aq Bq^T and the reference A B^T are summed in double in k
 * order, one output at a time (deterministic for any thread count). */
typedef struct rg_recipe_mm {
    double sqnr_db;              /* 10 log10(sum C^2 / sum (Cq - C)^2); +Inf when exact */
    double rel_error;            /* ||Cq - C||_F / ||C||_F */
    double max_abs_error;        /* max |Cq - C| */
    double a_sqnr_db, b_sqnr_db; /* each operand's own tensor SQNR (original basis) */
    double a_bits, b_bits;       /* storage bits per element */
} rg_recipe_mm;

/* Fills `res`; `c` (m x n, may be NULL) receives Cq rounded to fp32.
 * Returns 0 or a negative status with `err` naming "a_recipe" /
 * "b_recipe" (with the key). Allocates m*k + n*k floats, freed before
 * return. */
int rg_recipe_matmul(const rg_recipe *ra, const rg_recipe *rb, const float *a, const float *bt, int64_t m,
                     int64_t k, int64_t n, float *c, int nthreads, rg_recipe_mm *res, rg_err *err);

/* The error of Cq = aq bq^T against C = a bt^T (a, aq: m x k; bt, bq:
 * n x k), summed in double in k order, one output at a time: sets
 * res->sqnr_db, rel_error, max_abs_error (the rest untouched); c (m x n,
 * may be NULL) receives Cq in fp32. Returns 0, RG_EINVAL or RG_ENOMEM. */
int rg_matmul_error(const float *a, const float *aq, const float *bt, const float *bq, int64_t m, int64_t k,
                    int64_t n, float *c, int nthreads, rg_recipe_mm *res);

#endif
