/* sweep_plan.h: a sweep's axes compiled against its base spec.
 *
 * A sweep is the cartesian product of its axes applied to the base spec,
 * point i taking digit i_k of axis k in mixed radix (last axis fastest).
 * The plan parses the base once with codec_spec_parse, compiles each axis
 * path with the codec's typed setters, and validates every value up front,
 * so evaluating a point touches no JSON: copy the base, set one typed field
 * per axis, check, evaluate. Axes whose values are objects fall back to the
 * JSON path (codec_spec_set_path + codec_spec_parse per point).
 *
 * A plan holds no cJSON: axis values are typed (number, boolean, name, or
 * the JSON text of an object value), the base and axes are kept as the JSON
 * text the lossless writer produced, and only the object-valued fallback
 * parses text again. cJSON is the handlers' business (plan_build's input). */
#ifndef RIDGED_SWEEP_PLAN_H
#define RIDGED_SWEEP_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "codec.h"
#include "jsonw.h"
#include "sbuf.h"
#include "spec.h"

#define PLAN_MAX_AXES 8
/* A range axis of at most this many values keeps each value's text, so a
 * CSV or JSON page copies it instead of formatting a double per cell. */
#define PLAN_TEXT_STEPS 16384

struct cJSON;

/* One value of a list axis. */
typedef enum plan_vkind { PV_NUM, PV_BOOL, PV_STR, PV_JSON } plan_vkind;
typedef struct plan_value {
    plan_vkind kind;
    double num; /* PV_NUM; PV_BOOL: 0 or 1 */
    char *text; /* PV_STR: the name; PV_JSON: the value as JSON text (owned) */
} plan_value;

typedef struct plan_axis {
    char path[128];
    codec_axis ax;
    int64_t n;
    bool is_range, log;
    bool integral; /* range over an integer field: values rounded */
    double start, stop;
    int64_t steps;     /* range: steps asked for; n counts distinct values */
    int64_t *ivals;    /* integer range: its n distinct values (malloc) */
    plan_value *vals;  /* n values (lists), owned */
    bool json_only;    /* some value is an object or array: JSON path per point */
    char (*rtext)[32]; /* a range of at most PLAN_TEXT_STEPS values: each as written */
} plan_axis;

typedef struct sweep_plan {
    int naxes;
    plan_axis axes[PLAN_MAX_AXES];
    int64_t total;
    rg_spec base;
    char *base_text; /* the base and axes as JSON text (lossless writer), owned */
    char *axes_text;
    bool slow; /* some axis is json_only */
    /* Axes are applied shallowest path first, so "hardware" (a preset)
     * never overwrites "hardware.mem_bw" whatever their order in the
     * request; the digits still follow the request's order. */
    int order[PLAN_MAX_AXES];
    int refs; /* references held through plan_cache.h (under its mutex) */
} sweep_plan;

/* Builds a plan from the base spec and axes JSON (copied; the caller keeps
 * its own). With `validate`, every value is checked with the typed setters.
 * Returns 0 and *out (free with plan_free), or a negative status with `err`
 * naming the field ("base.model.d_model", "axes[1].values[3]", "axes[0].range").
 * `max_points` caps the product of the axis lengths. */
int plan_build(const struct cJSON *base, const struct cJSON *axes, int64_t max_points, bool validate,
               sweep_plan **out, rg_err *err);
void plan_free(sweep_plan *p);

/* Values of axis `k` that collapsed into others (integer range steps that
 * round alike); 0 for other axes. */
static inline int64_t plan_axis_collapsed(const plan_axis *a) { return a->is_range ? a->steps - a->n : 0; }

/* The value of step j of a range axis (exact at both ends; an integer
 * range's j-th distinct value). */
double plan_range_value(const plan_axis *a, int64_t j);
/* The spec of point `index` into `out`. Returns 0 or a negative status (the
 * point is infeasible or invalid: stored as its status). Thread-safe. */
int plan_point_spec(const sweep_plan *p, int64_t index, rg_spec *out, rg_err *err);
/* Writes {"<path>": value, ...} for point `index`. */
void plan_write_params(const sweep_plan *p, int64_t index, jw *w);
/* Writes one list value as JSON. */
void plan_value_write(const plan_value *v, jw *w);
/* Writes the params as CSV cells (each preceded by a comma). */
void plan_write_params_csv(const sweep_plan *p, int64_t index, sbuf *b);

/* Filters on swept parameters. Point i's digit of axis k is
 * (i / plan_axis_stride(p, k)) % axes[k].n, so a condition on the axis's
 * value is a condition on point_index, which the database can evaluate. */
/* The axis whose path is the n bytes at `path`, or -1. */
int plan_axis_find(const sweep_plan *p, const char *path, size_t n);
/* The product of the lengths of the axes after k. */
int64_t plan_axis_stride(const sweep_plan *p, int k);
/* The digits of axis k whose value satisfies `value op v` (op one of = !=
 * < <= > >=; numbers compare with a 1e-12 relative tolerance for equality;
 * names take = and != only), as *nint half-open intervals [iv[2m],
 * iv[2m+1]), at most `cap`. Returns 0 or a negative status naming "filter". */
int plan_axis_match(const sweep_plan *p, int k, const char *op, const char *v, int64_t *iv, int cap,
                    int *nint, rg_err *err);

#endif
