/* recipe_cost.h: what a numerics recipe (recipe.h) costs in the roofline.
 *
 * A spec may name a recipe per tensor class (numerics.recipes.weights,
 * .activations, .kv_cache). The roofline then charges:
 *  - storage: rg_recipe_bits of the class's tensor shape: element bits, the
 *    block scales (and offsets) amortised over each block, the fp32 tensor
 *    scale over the tensor, KIVI's fp16 residual rows;
 *  - the math rate: with recipes on both weights and activations, the matrix
 *    unit runs the product in the class of the wider element (an FP8 x FP4
 *    product runs at the FP8 rate, as Blackwell's mixed f8f6f4 MMA kind
 *    does); a weights-only recipe leaves numerics.math alone (weight-only
 *    quantization dequantizes into the activation format);
 *  - the extra passes over each quantized operand of a forward GEMM (the
 *    activation, and in training the weight, which is re-quantized each
 *    step): the tensor amax a per-tensor scale needs (a separate read of the
 *    unquantized tensor, assumption recipe_amax_pass), the second candidate
 *    of four over six (four_over_six_flops_per_element), and the block
 *    Hadamard rotation (n log2 b additions of a fast Walsh-Hadamard
 *    transform, plus a read and write of the tensor unless
 *    recipe_rotation_fused). The unquantized tensor is recipe_source_bytes
 *    wide. Weights of an inference run are quantized offline: no passes. */
#ifndef RG_RECIPE_COST_H
#define RG_RECIPE_COST_H

#include <stdint.h>

#include "model.h"
#include "recipe.h"
#include "spec.h"

/* Bytes per element of class `c` for a rows x cols tensor: the recipe's
 * (when one is named for the class) or the class's format's. */
double rg_tensor_bytes(const rg_numerics *nu, rg_tclass c, double rows, double cols);

/* Bytes per element of each class (indexed by rg_tclass) for the shapes the
 * roofline and the memory estimate charge: weights as d x d matrices,
 * activations as `tokens` x d, the kv cache as `context` tokens x the key
 * width. */
void rg_class_bytes(const rg_numerics *nu, const rg_model_dims *dm, double tokens, double context,
                    double out[RG_TC_COUNT]);

/* Matrix-unit rate class a recipe's element computes in (rg_math). */
int rg_recipe_math(const rg_recipe *r);

/* Rate class of the spec's matmuls: numerics.math's class, or with recipes
 * on weights and activations the class of the wider element. */
int rg_numerics_math(const rg_numerics *nu);

/* Extra work of quantizing `elems` elements with recipe `r`, per the
 * assumptions `av` (marked in `used`, which may be NULL). */
typedef struct rg_recipe_passes {
    double amax_bytes;   /* tensor amax: read of the unquantized tensor */
    double amax_flops;   /* one |x| and max per element */
    double fos_flops;    /* four over six's second candidate */
    double rotate_flops; /* Hadamard rotation: log2(b) additions per element */
    double rotate_bytes; /* separate rotation kernel: read + write */
} rg_recipe_passes;

/* Adds the passes of `elems` elements of `r` to `p` (not cleared). */
void rg_recipe_passes_add(const rg_recipe *r, double elems, const double *av, uint8_t *used,
                          rg_recipe_passes *p);

#endif
