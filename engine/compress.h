/* compress.h: lossy compression schemes built on the quantizer, each
 * reporting storage bits per element including its overheads.
 *
 *   hadamard   Rows of `cols` (a power of two) are rotated by H·D/sqrt(cols),
 *              D a seeded random ±1 diagonal and H the Walsh–Hadamard matrix
 *              (fast transform), quantized, dequantized and rotated back.
 *              Spreads outliers across a row so block scales fit better
 *              (QuaRot, Ashkboos et al. 2024). No storage overhead: the
 *              signs come from the seed.
 *   outliers   LLM.int8()-style split (Dettmers et al. 2022): columns whose
 *              |x| exceeds `threshold` (default 6) anywhere are kept in bf16;
 *              the rest is quantized (plain formats per row, "vector-wise").
 *              Overhead: 16 bits for outlier columns and a 32-bit index each.
 *   kv_keys    KV-cache keys [tokens, channels]: per-channel scales (over the
 *   kv_values  tokens) for keys, per-token scales for values (KIVI, Liu et
 *              al. 2024); integer group formats group along those axes. The
 *              most recent `window` tokens (last rows) stay in fp16.
 * and the entropy of the stored codes: how many bits per element lossless
 * coding of the exponent field (or the whole code) could still save. */
#ifndef RG_COMPRESS_H
#define RG_COMPRESS_H

#include <stdint.h>

#include "quant.h"

typedef enum rg_scheme {
    RG_SCHEME_NONE = 0,
    RG_SCHEME_HADAMARD = 1,
    RG_SCHEME_OUTLIERS = 2,
    RG_SCHEME_KV_KEYS = 3,
    RG_SCHEME_KV_VALUES = 4
} rg_scheme;

/* "none", "hadamard", "outliers", "kv_keys", "kv_values"; RG_EUNKNOWN if none. */
int rg_scheme_find(const char *name);
const char *rg_scheme_name(int s);

typedef struct rg_compress {
    rg_scheme scheme;
    int64_t cols;     /* row length (channels); hadamard: a power of two */
    int64_t window;   /* kv: recent tokens kept in fp16 */
    double threshold; /* outliers: magnitude that marks a column */
    uint64_t seed;    /* hadamard signs */
} rg_compress;

typedef struct rg_compress_stats {
    double bits_per_element; /* everything stored, amortised over n */
    int64_t outlier_cols;    /* outliers: columns kept in bf16 */
    int64_t window_rows;     /* kv: rows kept in fp16 */
} rg_compress_stats;

void rg_compress_init(rg_compress *c);
int rg_compress_check(const rg_compress *c, int64_t n, rg_err *err);

/* out = reconstruction of x (n elements, rows of c->cols; a partial last row
 * is an error for the row-structured schemes). `q` quantizes the lossy part.
 * Allocates scratch of up to n floats (freed before return). Returns 0 or a
 * negative status with `err` naming the option. */
int rg_compress_run(const rg_compress *c, const rg_quant *q, const float *x, float *out, int64_t n,
                    int nthreads, rg_compress_stats *st, rg_err *err);

typedef struct rg_entropy {
    int exponent_bits;       /* width of the exponent field (0 for ints) */
    double exponent_entropy; /* bits per element of the exponent field's histogram */
    int code_bits;           /* element code width */
    double code_entropy;     /* bits per element of the whole code's histogram (codes <= 16 bits) */
    double saving_bits;      /* code_bits - code_entropy: what lossless coding could save */
} rg_entropy;

/* Entropy of the stored element codes of x under q. Returns 0, RG_ENOMEM or
 * RG_EUNSUPPORTED (asymmetric groups, elements wider than 16 bits give no
 * code entropy: code_entropy = code_bits). */
int rg_compress_entropy(const rg_quant *q, const float *x, int64_t n, int nthreads, rg_entropy *out);

#endif
