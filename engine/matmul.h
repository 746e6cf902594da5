/* matmul.h: C = A * B through the bit-exact unit models (unit.h), so that
 * the emulator computes what a matrix unit built from them would.
 *
 * A is m x k, B is k x n, C is m x n, all float32 row-major.
 *
 * Quantizing. Each operand is quantized into codes of its format with the
 * blocks running along k (rows of A, columns of B), with the same values
 * rg_quant_qdq gives under rg_quant_init's defaults (RNE, saturating):
 *  - OCP MX v1.0: blocks of 32 along k, E8M0 scale from the floor rule
 *    (mx.h), elements V / X rounded to nearest even and saturated;
 *  - NVFP4: blocks of 16 along k, E4M3 block scales, and one FP32 tensor
 *    scale ts = amax / (448 * 6) over the whole operand (quant.h);
 *  - plain float formats (fp8_e4m3, fp8_e5m2, fp6, fp4, fp16, bf16, eXmY):
 *    no blocks; formats of 8 bits or fewer carry one FP32 tensor scale
 *    ts = amax / max_elem (quant.h's per-tensor default), wider ones none.
 * k must be a multiple of the block (no partial blocks).
 *
 * Multiplying. For each output element, in k order:
 *  - block formats: each k-block goes through rg_unit_dot, which rounds the
 *    block's dot product to the accumulator format; with acc = FMT (fp32,
 *    bf16, ...) the block results are summed left to right with rg_unit_add
 *    in that format (one rounding per addition);
 *  - plain formats: a chain of fused multiply-adds rg_unit_mac into FMT;
 *  - acc = exact: every product (block formats: after the alignment window
 *    of its block, if any, exactly as rg_unit_dot truncates it; times both
 *    block scales) is added exactly into one rg_wide and the sum is rounded
 *    once to fp32 (RNE) at the end.
 * The result (acc format, exactly representable in fp32) is then multiplied
 * in fp32 by alpha = fp32(ts_A * ts_B), the product of the two tensor scales
 * (1 for MX and for formats without a tensor scale, where it is exact):
 * one fp32 multiplication of the accumulated value, as a GEMM epilogue
 * applies alpha.
 *
 * Deterministic: every output element is computed on its own in a fixed
 * order, so C has the same bits for any thread count. */
#ifndef RG_MATMUL_H
#define RG_MATMUL_H

#include <stdbool.h>
#include <stdint.h>

#include "formats.h"
#include "fpconv.h"
#include "quant.h"
#include "status.h"
#include "unit.h"

typedef struct rg_matmul_cfg {
    rg_format fmt;  /* operand format (A and B: the unit models one) */
    rg_quant q;     /* how an operand is quantized (rg_quant_init defaults) */
    bool dot;       /* block format: k-blocks through rg_unit_dot */
    int block;      /* elements per k-block; 1 for plain formats */
    bool acc_exact; /* sum exactly, round once */
    rg_unit unit;   /* the dot or mac unit (accumulator fp32 when exact) */
    rg_elem f32;    /* the output format */
    int align_bits; /* 0 = exact products, else the window width */
} rg_matmul_cfg;

/* Set up. `fa`, `fb`: operand formats (must be the same format: a dot or
 * mac unit takes one operand format); `acc`: accumulator format, NULL for
 * exact; `align_bits`: 0 = exact, 1..64 = window (block formats only).
 * Errors name the option: "--a-format", "--b-format", "--acc",
 * "--align-bits". Returns 0 or a negative status. */
int rg_matmul_init(rg_matmul_cfg *c, const rg_format *fa, const rg_format *fb, const rg_format *acc,
                   int align_bits, rg_err *err);

/* Check the shapes: A is m x k, B is kb x n. Errors name "--a" / "--b". */
int rg_matmul_check(const rg_matmul_cfg *c, int64_t m, int64_t k, int64_t kb, int64_t n, rg_err *err);

/* One quantized operand, `rows` vectors of k elements along k (A's rows, or
 * B's columns). Arrays are owned by the operand (rg_matmul_operand_free). */
typedef struct rg_matmul_operand {
    int64_t rows, k, nblk;
    uint32_t *code;  /* rows * k element codes of the format's element */
    uint32_t *scale; /* rows * nblk block-scale codes (E8M0 or E4M3); NULL without blocks */
    float ts;        /* tensor scale (NVFP4, plain per-tensor); 1 otherwise */
    rg_unpacked *up; /* exact accumulation: the codes decoded once; else NULL */
} rg_matmul_operand;

/* Quantize x (rows x k, element (r, i) at x[r * rs + i * ks]) into `op`.
 * A: rs = k, ks = 1; B (k x n): rows = n, rs = 1, ks = n. Allocates the
 * operand's arrays (freed by rg_matmul_operand_free, also after a failure).
 * Returns 0, RG_EINVAL or RG_ENOMEM. */
int rg_matmul_quantize(const rg_matmul_cfg *c, const float *x, int64_t rows, int64_t k, int64_t rs,
                       int64_t ks, int nthreads, rg_matmul_operand *op);
void rg_matmul_operand_free(rg_matmul_operand *op);

/* The exact dequantized values, rows x k: code * block scale * ts in double
 * (exact: at most 39 significant bits). rg_quant_qdq computes
 * fp32(code * fp32(block scale * ts)) instead; the two agree exactly for MX
 * and for formats without a tensor scale. */
void rg_matmul_operand_values(const rg_matmul_cfg *c, const rg_matmul_operand *op, double *out);

/* out (a->rows x b->rows, row-major) from quantized A and B^T (same k). Runs
 * on `nthreads` OpenMP threads over output rows (<= 0: OpenMP's default).
 * Returns 0 or RG_EINVAL. */
int rg_matmul_codes(const rg_matmul_cfg *c, const rg_matmul_operand *a, const rg_matmul_operand *bt,
                    float *out, int nthreads);

/* out = A * B (m x n, caller storage): quantize both operands, then
 * rg_matmul_codes. Returns 0 or a negative status (err names the option). */
int rg_matmul(const rg_matmul_cfg *c, const float *a, const float *b, int64_t m, int64_t k, int64_t n,
              float *out, int nthreads, rg_err *err);

#endif
