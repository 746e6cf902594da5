/* silicon.c: matrix units derived from synthesized lanes (see silicon.h). */
#include "silicon.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "formats.h"

/* The nodes the scaling assumptions cover; 180 nm is the table's own node. */
typedef struct node_row {
    int nm;
    int area_id;   /* assumption id; -1: factor 1 */
    int energy_id; /* assumption id; -1: factor 1 */
    int delay_id;  /* assumption id; -1: factor 1 */
} node_row;

#define NODE_ROW_(X, nm) {nm, RG_A_NODE_AREA_##nm, RG_A_NODE_ENERGY_##nm, RG_A_NODE_DELAY_##nm},
static const node_row NODES[] = {{180, -1, -1, -1}, RG_NODE_LIST(NODE_ROW_, _)};
#undef NODE_ROW_
#define NNODES (int)(sizeof NODES / sizeof NODES[0])

int rg_silicon_lane(const rg_ppa *t, int fmt) {
    int found = RG_EUNKNOWN;
    for (int i = 0; t != NULL && i < t->n && found < 0; i++)
        if (t->lanes[i].fmt == fmt)
            found = i;
    return found;
}

bool rg_silicon_runs(int lane_fmt, int fmt) {
    const rg_format *l = rg_format_get(lane_fmt), *f = rg_format_get(fmt);
    bool ok = l != NULL && f != NULL && l->kind == f->kind && f->kind != RG_FK_SCALE;
    if (ok && f->kind == RG_FK_FLOAT)
        ok = f->ebits <= l->ebits && f->mbits <= l->mbits;
    if (ok && f->kind == RG_FK_INT)
        ok = f->mbits <= l->mbits;
    if (ok && f->scaling != RG_SCALE_NONE)
        ok = l->scaling == f->scaling && l->block == f->block;
    return ok;
}

static const node_row *node_find(double nm) {
    const node_row *row = NULL;
    for (int i = 0; i < NNODES && row == NULL; i++)
        if ((double)NODES[i].nm == nm)
            row = &NODES[i];
    return row;
}

/* A scaling factor: 1 for the table's node, else assumption `id`, which
 * must be > 0. */
static int factor(const rg_assumptions *a, int id, unsigned char *used, double *out, rg_err *err) {
    *out = 1.0;
    if (id < 0)
        return 0;
    if (used)
        used[id] = 1;
    *out = a->v[id];
    if (!(*out > 0.0))
        return rg_err_set(err, RG_ERANGE, rg_assumption_name(id), "must be > 0 for hardware.silicon (got %g)",
                          *out);
    return 0;
}

static int check_input(const rg_silicon *s, const rg_ppa *t, rg_err *err) {
    if (!(s->clock_ghz > 0.0) || !isfinite(s->clock_ghz))
        return rg_err_set(err, RG_ERANGE, "hardware.silicon.clock_ghz", "must be > 0 (got %g)", s->clock_ghz);
    if (!(s->matrix_area_mm2 > 0.0) || !isfinite(s->matrix_area_mm2))
        return rg_err_set(err, RG_ERANGE, "hardware.silicon.matrix_area_mm2", "must be > 0 (got %g)",
                          s->matrix_area_mm2);
    if (node_find(s->node_nm) == NULL)
        return rg_err_set(err, RG_ERANGE, "hardware.silicon.node_nm",
                          "%g nm is not in the node scaling table (180 130 90 65 45 32 20 16 14 10 7 5 3)",
                          s->node_nm);
    if (s->pipeline_stages < 0 || s->pipeline_stages > 64)
        return rg_err_set(err, RG_ERANGE, "hardware.silicon.pipeline_stages", "must be 1..64 (got %d)",
                          s->pipeline_stages);
    if (t == NULL || t->node_nm != 180.0)
        return rg_err_set(err, RG_EINTERNAL, "hardware.silicon", "no 180 nm PPA table was loaded");
    if (rg_silicon_lane(t, s->mac_format) < 0) {
        const rg_format *f = rg_format_get(s->mac_format);
        return rg_err_set(err, RG_EUNKNOWN, "hardware.silicon.mac_format",
                          "no synthesized lane for %s in data/ppa/osu018.json (ridge ppa --help lists them)",
                          f ? f->name : "this format");
    }
    return 0;
}

int rg_silicon_derive(const rg_silicon *s, const rg_ppa *t, const rg_assumptions *a, rg_silicon_result *out,
                      unsigned char *used, rg_err *err) {
    int rc = 0;
    double fa = 1.0, fe = 1.0, fd = 1.0, util = 0.0, over = 0.0;
    memset(out, 0, sizeof *out);
    if (!s->enabled)
        goto out;
    rc = check_input(s, t, err);
    if (rc)
        goto out;
    const node_row *node = node_find(s->node_nm);
    rc = factor(a, node->area_id, used, &fa, err);
    if (rc == 0)
        rc = factor(a, node->energy_id, used, &fe, err);
    if (rc == 0)
        rc = factor(a, node->delay_id, used, &fd, err);
    if (rc)
        goto out;
    if (used)
        used[RG_A_LANE_AREA_UTILIZATION] = 1;
    util = a->v[RG_A_LANE_AREA_UTILIZATION];
    if (!(util > 0.0 && util <= 1.0)) {
        rc = rg_err_set(err, RG_ERANGE, "lane_area_utilization", "must be in (0, 1] (got %g)", util);
        goto out;
    }
    const rg_ppa_lane *l = &t->lanes[rg_silicon_lane(t, s->mac_format)];
    double b = (double)l->block, hz = s->clock_ghz * 1e9;
    /* the clock against the lane's critical path at the node: a stage of S
     * holds delay * (u + (1 - u) / S), u the part no cut shortens */
    double delay_ns = l->delay_ns > 0.0 ? l->delay_ns * fd : 0.0, period = 1.0 / s->clock_ghz;
    if (used && delay_ns > period)
        used[RG_A_PIPELINE_UNSPLIT] = 1;
    double u = a->v[RG_A_PIPELINE_UNSPLIT];
    if (delay_ns > period && !(u >= 0.0 && u < 1.0)) {
        rc = rg_err_set(err, RG_ERANGE, "pipeline_unsplit_fraction", "must be in [0, 1) (got %g)", u);
        goto out;
    }
    int need = 1;
    if (delay_ns > period) {
        double slack = period - u * delay_ns;
        double want = slack > 0.0 ? ceil((1.0 - u) * delay_ns / slack * (1.0 - 1e-12)) : INFINITY;
        if (!(want <= 64.0)) {
            rc = rg_err_set(err, RG_ERANGE, "hardware.silicon.clock_ghz",
                            "%g GHz is out of reach of the %s lane: its critical path is %.4g ns at %g nm, "
                            "and no cut into 64 pipeline stages or fewer fits a %.4g ns period",
                            s->clock_ghz, rg_format_get(l->fmt)->name, delay_ns, s->node_nm, period);
            goto out;
        }
        need = (int)want;
    }
    int stages = s->pipeline_stages > 0 ? s->pipeline_stages : need;
    if (stages < need) {
        rc = rg_err_set(
            err, RG_ERANGE, "hardware.silicon.clock_ghz",
            "%g GHz needs %d pipeline stages of the %s lane (critical path %.4g ns at %g nm against "
            "a %.4g ns period), and hardware.silicon.pipeline_stages is %d",
            s->clock_ghz, need, rg_format_get(l->fmt)->name, delay_ns, s->node_nm, period, stages);
        goto out;
    }
    if (stages > 1) {
        if (used)
            used[RG_A_PIPELINE_OVERHEAD] = 1;
        over = a->v[RG_A_PIPELINE_OVERHEAD];
        if (!(over >= 0.0 && over <= 10.0)) {
            rc = rg_err_set(err, RG_ERANGE, "pipeline_overhead_per_stage", "must be in [0, 10] (got %g)",
                            over);
            goto out;
        }
    }
    double grow = 1.0 + over * (double)(stages - 1);
    double lane_um2 = l->area_um2 * fa * grow / util;
    out->enabled = true;
    out->mac_format = s->mac_format;
    out->block = l->block;
    out->area_factor = fa;
    out->energy_factor = fe;
    out->lanes = floor(s->matrix_area_mm2 * 1e6 / lane_um2);
    out->macs = out->lanes * b;
    out->matrix_flops = 2.0 * out->macs * hz;
    out->area_per_mac_um2 = lane_um2 / b;
    out->energy_per_mac_pj = l->energy_pj * fe * grow / b;
    out->delay_factor = fd;
    out->lane_delay_ns = delay_ns;
    out->pipeline_stages = stages;
    double stage_ns = delay_ns * (stages > 1 ? u + (1.0 - u) / (double)stages : 1.0);
    out->max_clock_ghz = stage_ns > 0.0 ? 1.0 / stage_ns : 0.0;
    out->matrix_power_w = out->macs * hz * out->energy_per_mac_pj * 1e-12;
    if (t->ref >= 0 && t->ref < t->n) {
        const rg_ppa_lane *r = &t->lanes[t->ref];
        out->rel_area = (l->area_um2 / b) / (r->area_um2 / (double)r->block);
        out->rel_energy = (l->energy_pj / b) / (r->energy_pj / (double)r->block);
    }
out:
    return rc;
}
