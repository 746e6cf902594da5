/* energy.c: energy of a step by parts (see energy.h). */
#include "energy.h"

#include <string.h>

#include "collectives.h"

static double ring_volume(rg_comm_kind kind, double n) {
    double v = n > 1.0 ? (n - 1.0) / n : 0.0;
    return kind == RG_COMM_ALL_REDUCE ? 2.0 * v : v;
}

void rg_energy_coll_bytes(rg_comm_kind kind, const rg_group *g, double bytes, double *up, double *out) {
    double n = (double)g->n, ni = (double)g->inner, no = (double)g->outer;
    *up = *out = 0.0;
    if (kind == RG_COMM_SEND_RECV) {
        *(g->outer > 1 ? out : up) = bytes;
    } else if (g->n <= 1 || bytes <= 0.0) {
        /* nothing moves */
    } else if (g->outer <= 1) {
        *up = ring_volume(kind, n) * bytes;
    } else if (g->inner <= 1) {
        *out = ring_volume(kind, n) * bytes;
    } else if (kind == RG_COMM_ALL_TO_ALL) {
        *up = (ni - 1.0) / n * bytes;
        *out = (n - ni) / n * bytes;
    } else {
        *out = ring_volume(kind, no) * bytes / ni;
        *up =
            kind == RG_COMM_ALL_REDUCE ? ring_volume(kind, ni) * bytes : ring_volume(kind, n) * bytes - *out;
    }
}

/* Energy per MAC in pJ: the silicon's, or the preset's TDP-based estimate. */
static double mac_pj(const rg_energy_in *in, const rg_assumptions *a, uint8_t *used) {
    if (in->silicon && in->silicon->enabled)
        return in->silicon->energy_per_mac_pj;
    used[RG_A_MATRIX_POWER_FRACTION] = 1;
    if (!(in->peak > 0.0))
        return 0.0;
    return a->v[RG_A_MATRIX_POWER_FRACTION] * in->tdp_w / (in->peak / 2.0) * 1e12;
}

void rg_energy_compute(const rg_energy_in *in, const rg_assumptions *a, rg_energy *e, uint8_t *used) {
    const double *v = a->v;
    double macs = in->matrix_flops / 2.0, c = in->chips;
    double reuse = v[RG_A_SRAM_OPERAND_REUSE];
    double sram_bytes = 2.0 * in->bytes + (reuse > 0.0 ? macs * 2.0 * in->math_bytes / reuse : 0.0);
    memset(e, 0, sizeof *e);
    e->energy_per_mac_pj = mac_pj(in, a, used);
    e->matrix_power_w = in->silicon && in->silicon->enabled ? in->silicon->matrix_power_w
                                                            : v[RG_A_MATRIX_POWER_FRACTION] * in->tdp_w;
    e->static_power_w = v[RG_A_STATIC_POWER_FRACTION] * in->tdp_w;
    e->part_j[RG_EPART_MATRIX] = c * macs * e->energy_per_mac_pj * 1e-12;
    e->part_j[RG_EPART_HBM] = c * in->bytes * 8.0 * v[RG_A_HBM_PJ_PER_BIT] * 1e-12;
    e->part_j[RG_EPART_SRAM] = c * sram_bytes * 8.0 * v[RG_A_SRAM_PJ_PER_BIT] * 1e-12;
    e->part_j[RG_EPART_SCALEUP] = c * in->scaleup_bytes * 8.0 * v[RG_A_SCALEUP_PJ_PER_BIT] * 1e-12;
    e->part_j[RG_EPART_SCALEOUT] = c * in->scaleout_bytes * 8.0 * v[RG_A_SCALEOUT_PJ_PER_BIT] * 1e-12;
    e->part_j[RG_EPART_STATIC] = c * e->static_power_w * in->time_s;
    for (int p = 0; p < RG_EPART_COUNT; p++)
        e->energy_j += e->part_j[p];
    e->energy_per_token_j = in->tokens > 0.0 ? e->energy_j / in->tokens : 0.0;
    e->avg_power_w = in->time_s > 0.0 && c > 0.0 ? e->energy_j / in->time_s / c : 0.0;
    used[RG_A_HBM_PJ_PER_BIT] = used[RG_A_SRAM_PJ_PER_BIT] = used[RG_A_SRAM_OPERAND_REUSE] = 1;
    used[RG_A_STATIC_POWER_FRACTION] = 1;
    if (in->scaleup_bytes > 0.0)
        used[RG_A_SCALEUP_PJ_PER_BIT] = 1;
    if (in->scaleout_bytes > 0.0)
        used[RG_A_SCALEOUT_PJ_PER_BIT] = 1;
}
