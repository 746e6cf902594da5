/* codec_silicon.c: the PPA table in, the silicon and energy of a result out.
 *
 * data/ppa/osu018.json (scripts/ppa.sh, from `ridge ppa --json`) is read once
 * at data load into the typed rg_ppa the engine prices lanes with
 * (engine/silicon.h); its cJSON is freed here. MAC rows become lanes of one
 * MAC per operation, dot rows lanes of the format's block size; mul rows are
 * not lanes and are skipped. The bf16 MAC is the relative baseline. A build
 * without the file has an empty table: a spec with hardware.silicon then
 * fails naming the field, every other spec is unaffected. */
#include <stdio.h>
#include <string.h>

#include "codec_internal.h"
#include "embedded.h"

#define PPA_PATH "ppa/osu018.json"

static double num_item(const cJSON *o, const char *k) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : -1.0;
}

static const char *str_item(const cJSON *o, const char *k) {
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
    return s ? s : "";
}

/* One row of "units" into t (skipping mul rows). Returns 0 or RG_EINTERNAL. */
static int ppa_row(const cJSON *u, rg_ppa *t, rg_err *err) {
    const char *unit = str_item(u, "unit"), *format = str_item(u, "format");
    bool dot = strcmp(unit, "dot") == 0;
    int fmt = rg_format_find(format);
    if (!dot && strcmp(unit, "mac") != 0)
        return 0;
    if (fmt < 0 || (dot && rg_format_get(fmt)->block < 1))
        return rg_err_set(err, RG_EINTERNAL, PPA_PATH, "unit %s has an unknown format \"%.40s\"", unit,
                          format);
    if (t->n == RG_PPA_MAX)
        return rg_err_set(err, RG_EINTERNAL, PPA_PATH, "more than %d lanes", RG_PPA_MAX);
    rg_ppa_lane *l = &t->lanes[t->n];
    l->fmt = fmt;
    l->block = dot ? rg_format_get(fmt)->block : 1;
    l->area_um2 = num_item(u, "area_um2");
    l->energy_pj = num_item(u, "energy_pj");
    l->delay_ns = num_item(u, "delay_ns");
    if (!(l->area_um2 > 0) || !(l->energy_pj > 0))
        return rg_err_set(err, RG_EINTERNAL, PPA_PATH, "%s %s needs area_um2 and energy_pj > 0", unit,
                          format);
    if (!dot && strcmp(format, "bf16") == 0)
        t->ref = t->n;
    t->n++;
    return 0;
}

#define RUNITS_PATH "ppa/recipe_units.json"

/* data/ppa/recipe_units.json (scripts/ppa.sh): the recipe units' rows into
 * t->runits. Absent: none (a spec needing one fails naming its recipe). */
static int runits_load(rg_ppa *t, const rg_embedded_file *files, int n, rg_err *err) {
    const rg_embedded_file *f = NULL;
    const cJSON *units = NULL, *u = NULL;
    int rc = 0;
    for (int i = 0; i < n && f == NULL; i++)
        if (strcmp(files[i].path, RUNITS_PATH) == 0)
            f = &files[i];
    if (f == NULL)
        return 0;
    cJSON *j = cJSON_ParseWithLengthOpts(f->data, f->size + 1, NULL, 1);
    units = cJSON_GetObjectItemCaseSensitive(j, "units");
    if (!cJSON_IsArray(units)) {
        rc = rg_err_set(err, RG_EINTERNAL, RUNITS_PATH, "expected {\"provenance\": {...}, \"units\": [...]}");
        goto out;
    }
    cJSON_ArrayForEach(u, units) {
        int kind = rg_runit_kind_find(str_item(u, "unit"));
        if (kind < 0 || t->nrunits == RG_PPA_RUNIT_MAX) {
            rc = rg_err_set(err, RG_EINTERNAL, RUNITS_PATH, "unit \"%.20s\": unknown, or more than %d rows",
                            str_item(u, "unit"), RG_PPA_RUNIT_MAX);
            goto out;
        }
        rg_ppa_runit *r = &t->runits[t->nrunits];
        r->kind = kind;
        r->scale = strcmp(str_item(u, "scale"), "e4m3") == 0 ? RG_RUNIT_SCALE_E4M3 : RG_RUNIT_SCALE_E8M0;
        r->block = (int)num_item(u, "block");
        r->area_um2 = num_item(u, "area_um2");
        r->energy_pj = num_item(u, "energy_pj");
        r->delay_ns = num_item(u, "delay_ns");
        if (r->block < 1 || !(r->area_um2 > 0) || !(r->energy_pj > 0)) {
            rc = rg_err_set(err, RG_EINTERNAL, RUNITS_PATH, "%s needs block >= 1, area_um2 and energy_pj > 0",
                            str_item(u, "unit"));
            goto out;
        }
        t->nrunits++;
    }
out:
    cJSON_Delete(j);
    return rc;
}

int codec_ppa_load(codec_data *d, const rg_embedded_file *files, int n, rg_err *err) {
    const rg_embedded_file *f = NULL;
    cJSON *j = NULL;
    const cJSON *units = NULL, *prov = NULL, *u = NULL;
    int rc = 0;
    memset(&d->ppa, 0, sizeof d->ppa);
    d->ppa.ref = -1;
    for (int i = 0; i < n && f == NULL; i++)
        if (strcmp(files[i].path, PPA_PATH) == 0)
            f = &files[i];
    if (f == NULL)
        goto out;
    j = cJSON_ParseWithLengthOpts(f->data, f->size + 1, NULL, 1);
    units = cJSON_GetObjectItemCaseSensitive(j, "units");
    prov = cJSON_GetObjectItemCaseSensitive(j, "provenance");
    if (!cJSON_IsArray(units) || !cJSON_IsObject(prov)) {
        rc = rg_err_set(err, RG_EINTERNAL, PPA_PATH, "expected {\"provenance\": {...}, \"units\": [...]}");
        goto out;
    }
    cJSON_ArrayForEach(u, units) {
        rc = ppa_row(u, &d->ppa, err);
        if (rc)
            goto out;
    }
    d->ppa.node_nm = num_item(prov, "node_nm");
    snprintf(d->ppa_source, sizeof d->ppa_source,
             "data/ppa/osu018.json: %s, %s against OSU 0.18 um cells (liberty sha256 %.16s...), %g ns clock, "
             "activity %s, generated %s by %s",
             str_item(prov, "yosys_version"), str_item(prov, "sta_version"), str_item(prov, "liberty_sha256"),
             num_item(prov, "clock_ns"), str_item(prov, "activity_source"), str_item(prov, "date"),
             str_item(prov, "script"));
    rc = runits_load(&d->ppa, files, n, err);
out:
    cJSON_Delete(j);
    return rc;
}

static void write_recipe_silicon(jw *w, const rg_recipe_silicon *r);

static void write_silicon(jw *w, const rg_silicon_result *s, const rg_recipe_silicon *rs) {
    const rg_format *f = rg_format_get(s->mac_format);
    const codec_data *d = codec_data_get();
    jw_key(w, "silicon");
    jw_obj_begin(w);
    jw_kstr(w, "mac_format", f ? f->name : "?");
    jw_kint(w, "macs_per_lane", s->block);
    jw_knum(w, "lanes", s->lanes);
    jw_knum(w, "macs", s->macs);
    jw_knum(w, "matrix_flops", s->matrix_flops);
    jw_knum(w, "area_per_mac_um2", s->area_per_mac_um2);
    jw_knum(w, "energy_per_mac_pj", s->energy_per_mac_pj);
    jw_knum(w, "matrix_power_w", s->matrix_power_w);
    /* the clock against the lane's critical path (node_delay_factor, pipeline_* assumptions) */
    jw_knum(w, "lane_delay_ns", s->lane_delay_ns);
    jw_kint(w, "pipeline_stages", s->pipeline_stages);
    jw_knum(w, "max_clock_ghz", s->max_clock_ghz);
    jw_knum(w, "node_delay_factor", s->delay_factor);
    /* absolute: published node factors (low confidence, in the assumptions list) */
    jw_knum(w, "node_area_factor", s->area_factor);
    jw_knum(w, "node_energy_factor", s->energy_factor);
    /* relative: synthesized with the same cells and flow (higher confidence) */
    jw_knum(w, "relative_area_per_mac_vs_bf16", s->rel_area);
    jw_knum(w, "relative_energy_per_mac_vs_bf16", s->rel_energy);
    jw_kstr(w, "relative_source", d->ppa_source);
    jw_kstr(w, "relative_confidence", "medium");
    if (rs->enabled)
        write_recipe_silicon(w, rs);
    jw_obj_end(w);
}

static const char *const part_names[] = {
#define RG_X_(id, name) name,
    RG_EPART_LIST(RG_X_)
#undef RG_X_
};

static void write_energy(jw *w, const rg_energy *e) {
    jw_knum(w, "energy_j", e->energy_j);
    jw_knum(w, "energy_per_token_j", e->energy_per_token_j);
    jw_key(w, "energy");
    jw_obj_begin(w);
    jw_knum(w, "energy_j", e->energy_j);
    jw_knum(w, "energy_per_token_j", e->energy_per_token_j);
    jw_knum(w, "energy_per_mac_pj", e->energy_per_mac_pj);
    jw_knum(w, "matrix_power_w", e->matrix_power_w);
    jw_knum(w, "static_power_w", e->static_power_w);
    jw_knum(w, "avg_power_w", e->avg_power_w);
    jw_key(w, "parts_j");
    jw_obj_begin(w);
    for (int p = 0; p < RG_EPART_COUNT; p++)
        jw_knum(w, part_names[p], e->part_j[p]);
    jw_obj_end(w);
    jw_obj_end(w);
}

static const char *const CLASS_NAMES[RG_TC_COUNT] = {"weights", "activations", "kv_cache"};

/* silicon.recipes: the recipe units beside the lanes (recipe_silicon.h). */
static void write_recipe_silicon(jw *w, const rg_recipe_silicon *r) {
    jw_key(w, "recipes");
    jw_obj_begin(w);
    jw_key(w, "units");
    jw_obj_begin(w);
    for (int u = 0; u < RG_RUNIT_KIND_COUNT; u++) {
        if (!(r->units[u] > 0))
            continue;
        jw_key(w, rg_runit_kind_name(u));
        jw_obj_begin(w);
        jw_knum(w, "count", r->units[u]);
        jw_knum(w, "area_um2_each", r->unit_area_um2[u]);
        jw_obj_end(w);
    }
    jw_obj_end(w);
    jw_knum(w, "area_mm2", r->area_mm2);
    jw_knum(w, "area_fraction_of_matrix", r->area_fraction);
    jw_knum(w, "power_w", r->power_w);
    jw_knum(w, "energy_j", r->energy_j);
    jw_knum(w, "energy_per_token_j", r->energy_per_token_j);
    jw_key(w, "classes");
    jw_obj_begin(w);
    for (int c = 0; c < RG_TC_COUNT; c++) {
        const rg_recipe_silicon_class *k = &r->cls[c];
        if (!k->on)
            continue;
        jw_key(w, CLASS_NAMES[c]);
        jw_obj_begin(w);
        jw_knum(w, "energy_pj_per_element", k->energy_pj_per_element);
        jw_knum(w, "elements_per_step", k->elements);
        jw_knum(w, "energy_j", k->energy_j);
        jw_key(w, "unit_ops_per_element");
        jw_obj_begin(w);
        for (int u = 0; u < RG_RUNIT_KIND_COUNT; u++)
            if (k->unit_ops[u] > 0)
                jw_knum(w, rg_runit_kind_name(u), k->unit_ops[u]);
        jw_obj_end(w);
        jw_obj_end(w);
    }
    jw_obj_end(w);
    jw_kstr(w, "source",
            "data/ppa/recipe_units.json (scripts/ppa.sh: ridge rtl --unit amax|four_six|hadamard --synth)");
    jw_obj_end(w);
}

void codec_silicon_write(jw *w, const rg_result *res) {
    if (res->silicon.enabled)
        write_silicon(w, &res->silicon, &res->recipe_silicon);
    write_energy(w, &res->energy);
}
