/* recipe_silicon.c: the recipe units a chip needs and what they cost (see
 * recipe_silicon.h). */
#include "recipe_silicon.h"

#include <math.h>
#include <string.h>

static const char *const CLASS_FIELD[RG_TC_COUNT] = {
    "numerics.recipes.weights", "numerics.recipes.activations", "numerics.recipes.kv_cache"};

/* The synthesized row of a kind (amax: of a scale), or NULL. */
static const rg_ppa_runit *row_of(const rg_ppa *t, int kind, int scale) {
    for (int i = 0; t != NULL && i < t->nrunits; i++)
        if (t->runits[i].kind == kind && (kind != RG_RUNIT_AMAX || t->runits[i].scale == scale))
            return &t->runits[i];
    return NULL;
}

/* Unit operations per element of recipe r; rows found in t. */
static int class_ops(const rg_recipe *r, const rg_ppa *t, const char *field, double ops[RG_RUNIT_KIND_COUNT],
                     const rg_ppa_runit *rows[RG_RUNIT_KIND_COUNT], rg_err *err) {
    int scale =
        r->scale == RG_RSCALE_E4M3 || r->scale == RG_RSCALE_UE5M3 ? RG_RUNIT_SCALE_E4M3 : RG_RUNIT_SCALE_E8M0;
    rows[RG_RUNIT_AMAX] = row_of(t, RG_RUNIT_AMAX, scale);
    if (!rows[RG_RUNIT_AMAX])
        return rg_err_set(
            err, RG_EUNKNOWN, field,
            "no synthesized %s amax unit in data/ppa/recipe_units.json (scripts/ppa.sh makes it)",
            scale == RG_RUNIT_SCALE_E4M3 ? "E4M3" : "E8M0");
    /* block amax (twice for min and max of an asymmetric block), and the
     * tensor amax a tensor scale needs: one more pass through the tree */
    ops[RG_RUNIT_AMAX] = ((r->asym ? 2.0 : 1.0) + (r->tensor_scale ? 1.0 : 0.0)) / rows[RG_RUNIT_AMAX]->block;
    if (r->four_six) {
        rows[RG_RUNIT_FOUR_SIX] = row_of(t, RG_RUNIT_FOUR_SIX, 0);
        if (!rows[RG_RUNIT_FOUR_SIX])
            return rg_err_set(err, RG_EUNKNOWN, field,
                              "no synthesized four_six unit in data/ppa/recipe_units.json");
        ops[RG_RUNIT_FOUR_SIX] = 1.0 / rows[RG_RUNIT_FOUR_SIX]->block;
    }
    if (r->rotate > 1) {
        const rg_ppa_runit *h = row_of(t, RG_RUNIT_HADAMARD, 0);
        rows[RG_RUNIT_HADAMARD] = h;
        if (!h)
            return rg_err_set(err, RG_EUNKNOWN, field,
                              "no synthesized hadamard unit in data/ppa/recipe_units.json");
        /* log2(b) / log2(b0) of the synthesized unit's butterflies per element */
        ops[RG_RUNIT_HADAMARD] = log2((double)r->rotate) / log2((double)h->block) / h->block;
    }
    return 0;
}

/* Whether class c is quantized on the chip in this phase. */
static bool on_chip(const rg_spec *spec, int c) {
    return spec->numerics.recipes[c].on && (c != RG_TC_WEIGHTS || spec->phase == RG_PHASE_TRAIN);
}

int rg_recipe_silicon_derive(const rg_spec *spec, const rg_silicon_result *si, const double elems[2],
                             double chips, double tokens, rg_recipe_silicon *out, uint8_t *used,
                             rg_err *err) {
    memset(out, 0, sizeof *out);
    if (!si->enabled)
        return 0;
    const double *av = spec->assumptions.v;
    const rg_ppa_runit *kind_row[RG_RUNIT_KIND_COUNT] = {NULL, NULL, NULL};
    double need_ops[RG_RUNIT_KIND_COUNT] = {0, 0, 0}; /* unit ops per element, largest of any class */
    for (int c = 0; c < RG_TC_COUNT; c++) {
        if (!on_chip(spec, c))
            continue;
        rg_recipe_silicon_class *k = &out->cls[c];
        const rg_ppa_runit *rows[RG_RUNIT_KIND_COUNT] = {NULL, NULL, NULL};
        int rc = class_ops(&spec->numerics.recipes[c].r, spec->ppa, CLASS_FIELD[c], k->unit_ops, rows, err);
        if (rc < 0)
            return rc;
        k->on = true;
        out->enabled = true;
        for (int u = 0; u < RG_RUNIT_KIND_COUNT; u++) {
            if (!rows[u])
                continue;
            k->energy_pj_per_element += k->unit_ops[u] * rows[u]->energy_pj * si->energy_factor;
            if (k->unit_ops[u] > need_ops[u]) {
                need_ops[u] = k->unit_ops[u];
                kind_row[u] = rows[u];
            }
        }
        k->elements = c == RG_TC_ACTIVATIONS ? elems[0] : (c == RG_TC_WEIGHTS ? elems[1] : 0.0);
        k->energy_j = k->elements * chips * k->energy_pj_per_element * 1e-12;
        out->energy_j += k->energy_j;
    }
    if (!out->enabled)
        return 0;
    if (used)
        used[RG_A_RECIPE_OPERAND_REUSE] = used[RG_A_LANE_AREA_UTILIZATION] = 1;
    double reuse = av[RG_A_RECIPE_OPERAND_REUSE], util = av[RG_A_LANE_AREA_UTILIZATION];
    if (!(reuse >= 1.0) || !isfinite(reuse))
        return rg_err_set(err, RG_ERANGE, "recipe_operand_reuse", "must be >= 1 (got %g)", reuse);
    double hz = spec->hw.silicon.clock_ghz * 1e9, stream = si->macs / reuse; /* elements per clock */
    for (int u = 0; u < RG_RUNIT_KIND_COUNT; u++) {
        if (!kind_row[u])
            continue;
        out->units[u] = ceil(stream * need_ops[u] * (1.0 - 1e-12));
        out->unit_area_um2[u] = kind_row[u]->area_um2 * si->area_factor / util;
        out->area_mm2 += out->units[u] * out->unit_area_um2[u] * 1e-6;
        out->power_w += out->units[u] * hz * kind_row[u]->energy_pj * si->energy_factor * 1e-12;
    }
    out->area_fraction = out->area_mm2 / spec->hw.silicon.matrix_area_mm2;
    out->energy_per_token_j = tokens > 0.0 ? out->energy_j / tokens : 0.0;
    return 0;
}
