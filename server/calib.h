/* calib.h: measurement rows, their predictions and the calibration fit.
 *
 * A measurement row is one JSON line written by benchmarking tooling:
 *   {"kind":"gemm","hardware":H,"dtype":D,"m":M,"n":N,"k":K,"time_s":T}   (M x K)(K x N)
 *   {"kind":"all_reduce"|"all_gather"|"reduce_scatter"|"all_to_all"|"send_recv",
 *    "system":S,"ranks":R,"bytes":B,"dtype":D,"time_s":T}                  B as nccl-tests' size
 *   {"kind":"memory","hardware":H,"bytes":B,"op":NAME,"time_s":T}          B: minimum read+write
 *   {"kind":"step","spec":{...},"time_s":T}
 * Extra keys are ignored; "source" is kept. A GEMM row may give
 * "matrix_cores" (the chip's SMs / CUs) to price it with the tile and wave
 * model, as hardware.matrix_cores does in a spec. Each row is predicted by the
 * engine's own op model (rg_roof_gemm, rg_roof_op, rg_coll_time,
 * rg_evaluate) under a set of assumptions, so a calibration changes exactly
 * the numbers an evaluation uses.
 *
 * The fit groups rows by kind and hardware + dtype (GEMMs), hardware
 * (memory), system + kind (collectives) or all step rows, and fits that
 * group's assumptions (calib_params) by robust (Huber) least squares on log
 * time, with Gauss-Newton 95 % intervals and k-fold cross-validated error. */
#ifndef RG_CALIB_H
#define RG_CALIB_H

#include <stdbool.h>

#include <cjson/cJSON.h>
#include "jsonw.h"
#include "result.h"
#include "spec.h"

/* Row kinds: the collective kinds first, in rg_comm_kind order. */
enum { CALIB_GEMM = RG_COMM_COUNT, CALIB_MEMORY, CALIB_STEP, CALIB_KINDS };

#define CALIB_NAME_MAX   64
#define CALIB_PARAMS_MAX 7

typedef struct calib_row {
    int line;
    int kind;
    char name[CALIB_NAME_MAX];  /* hardware (gemm, memory) or system (collectives); "" for steps */
    char dtype[CALIB_NAME_MAX]; /* gemm, collectives */
    char source[160];
    double m, n, k, bytes, ranks, time_s;
    rg_spec spec; /* hardware/system and default assumptions; the whole spec for steps */
} calib_row;

typedef struct calib_set {
    calib_row *rows; /* heap, owned; calib_set_free */
    int n, cap;
    int bad; /* rows skipped with skip_bad */
} calib_set;

/* Read JSON lines from `text`. A bad row (unknown kind, hardware or system,
 * missing or non-positive shape or time, unparsable line) is an error
 * naming `path:line: key` in `msg` (returns -1, the set is left empty),
 * unless `skip_bad`, which counts it in set->bad. Returns 0, -1, or -2 when
 * out of memory. */
int calib_read(const char *text, const char *path, bool skip_bad, calib_set *set, char *msg, size_t msg_len);
void calib_set_free(calib_set *set);

/* Predicted time of `row` with assumptions `a`; <= 0 when it cannot be
 * evaluated. `scratch` is result storage for step rows. */
double calib_predict(const calib_row *row, const rg_assumptions *a, rg_result *scratch);

/* The assumptions a group of `kind` fits; returns how many ids it wrote. */
int calib_params(int kind, int *ids);
const char *calib_kind_name(int kind);

/* A fitted group. */
typedef struct calib_group {
    int kind;
    char name[CALIB_NAME_MAX], dtype[CALIB_NAME_MAX];
    int rows;
    int np;
    int ids[CALIB_PARAMS_MAX];
    double value[CALIB_PARAMS_MAX], low[CALIB_PARAMS_MAX], high[CALIB_PARAMS_MAX], before[CALIB_PARAMS_MAX];
    double mape_before, mape_after, cv_mape;
} calib_group;

typedef struct calib_profile {
    calib_group *groups; /* heap, owned; calib_profile_free */
    int n;
    char source[256];
} calib_profile;

/* Fit every group of `set` (`folds` >= 2: cross-validate). Returns 0 or -2
 * (out of memory). */
int calib_fit(const calib_set *set, int folds, calib_profile *out);
void calib_profile_free(calib_profile *p);

/* Fit the assumptions of `g->kind` (g->np, g->ids set by the caller, or 0 =
 * calib_params) on rows idx[0..n) only, from their own assumption values:
 * g->value/low/high/before, mape_before/after; no cross-validation. */
void calib_fit_subset(const calib_set *set, const int *idx, int n, calib_group *g, rg_result *scratch);
/* MAPE (percent) of rows idx[0..n) with group `g`'s values applied. */
double calib_mape(const calib_set *set, const int *idx, int n, const calib_group *g, rg_result *scratch);

/* Whether group `g` applies to a row / a spec, and its values applied. */
bool calib_group_matches_row(const calib_group *g, const calib_row *r);
void calib_apply_row(const calib_profile *p, const calib_row *r, rg_assumptions *a);
/* Apply every group that matches `spec` (hardware name, math format,
 * system name) to `a`, except assumptions with keep[id] set; mark applied
 * ids in `applied` (may be NULL). */
void calib_apply_spec(const calib_profile *p, const rg_spec *spec, const uint8_t *keep, rg_assumptions *a,
                      int *applied_group);

/* What a spec's "calibration" set: assumption ids and the group each came
 * from. */
typedef struct calib_applied {
    int n;
    int id[RG_A_COUNT], group[RG_A_COUNT];
} calib_applied;

/* Turn a spec object's "calibration" into assumption values: every group of
 * `p` matching the spec's hardware (and math format) or system sets its
 * fitted assumptions in the spec's "assumptions" object, unless the spec
 * names them itself; the "calibration" key is removed. Returns 0 or a
 * negative status (the spec does not parse: `err` names the field). */
int calib_apply_json(cJSON *spec, const calib_profile *p, calib_applied *out, rg_err *err);
/* {"profile", "measurements", "applied": [{name, value, low, high, source}]} */
void calib_applied_write(jw *w, const char *name, const calib_profile *p, const calib_applied *ap);

/* Profile JSON. calib_profile_parse returns 0 or -1 with `msg`. */
void calib_profile_write(jw *w, const calib_profile *p);
int calib_profile_parse(const cJSON *j, calib_profile *out, char *msg, size_t msg_len);

#endif
