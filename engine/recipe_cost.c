/* recipe_cost.c: storage bytes, math class and extra passes of numerics
 * recipes in the roofline (see recipe_cost.h). */
#include "recipe_cost.h"

#include <math.h>

double rg_tensor_bytes(const rg_numerics *nu, rg_tclass c, double rows, double cols) {
    const rg_tensor_recipe *t = &nu->recipes[c];
    if (t->on && rows >= 1.0 && cols >= 1.0)
        return rg_recipe_bits(&t->r, (int64_t)rows, (int64_t)cols) / 8.0;
    int id = c == RG_TC_WEIGHTS ? nu->weights : c == RG_TC_ACTIVATIONS ? nu->activations : nu->kv_cache;
    return rg_format_bytes(id);
}

void rg_class_bytes(const rg_numerics *nu, const rg_model_dims *dm, double tokens, double context,
                    double out[RG_TC_COUNT]) {
    double d = (double)dm->d;
    out[RG_TC_WEIGHTS] = rg_tensor_bytes(nu, RG_TC_WEIGHTS, d, d);
    out[RG_TC_ACTIVATIONS] = rg_tensor_bytes(nu, RG_TC_ACTIVATIONS, tokens, d);
    out[RG_TC_KV] = rg_tensor_bytes(nu, RG_TC_KV, context, (double)(dm->k_dim > 0 ? dm->k_dim : dm->d));
}

int rg_recipe_math(const rg_recipe *r) {
    int bits = r->elem.bits;
    if (r->elem.is_int)
        return bits <= 4 ? RG_MATH_INT4 : RG_MATH_INT8;
    return (int)rg_math_by_bits(bits);
}

int rg_numerics_math(const rg_numerics *nu) {
    const rg_tensor_recipe *w = &nu->recipes[RG_TC_WEIGHTS], *a = &nu->recipes[RG_TC_ACTIVATIONS];
    if (!(w->on && a->on)) {
        const rg_format *f = rg_format_get(nu->math);
        return f ? (int)f->math : RG_MATH_FP32;
    }
    return w->r.elem.bits >= a->r.elem.bits ? rg_recipe_math(&w->r) : rg_recipe_math(&a->r);
}

void rg_recipe_passes_add(const rg_recipe *r, double elems, const double *av, uint8_t *used,
                          rg_recipe_passes *p) {
    if (elems <= 0.0)
        return;
    double src = av[RG_A_RECIPE_SOURCE_BYTES];
    if (r->tensor_scale) {
        if (used)
            used[RG_A_RECIPE_AMAX_PASS] = used[RG_A_RECIPE_SOURCE_BYTES] = 1;
        if (av[RG_A_RECIPE_AMAX_PASS] >= 0.5) {
            p->amax_bytes += elems * src;
            p->amax_flops += elems;
        }
    }
    if (r->four_six) {
        if (used)
            used[RG_A_FOUR_OVER_SIX_FLOPS] = 1;
        p->fos_flops += elems * av[RG_A_FOUR_OVER_SIX_FLOPS];
    }
    if (r->rotate > 1) {
        if (used)
            used[RG_A_RECIPE_ROTATION_FUSED] = used[RG_A_RECIPE_SOURCE_BYTES] = 1;
        p->rotate_flops += elems * log2((double)r->rotate);
        if (av[RG_A_RECIPE_ROTATION_FUSED] < 0.5)
            p->rotate_bytes += 2.0 * elems * src;
    }
}
