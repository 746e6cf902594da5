/* result_cols.h: the one list of a sweep's stored result columns.
 *
 * Each row of RIDGED_RESULT_COLS names a column of sweep_results after the
 * key columns (sweep_id, point_index, status), its type, whether bigger is
 * better, its unit, how the value follows from an engine result, and what it
 * means. The list generates the worker's binary COPY encoder and its column
 * list, the results API's order_by/filter/pareto whitelist and CSV header,
 * the start-up check that the migrated table has these columns, and the
 * column catalogue the dashboard reads (GET /api/v1/result-columns); a test
 * holds data/openapi.json's Result schema to it. Columns are only appended,
 * each with the migration that adds it. */
#ifndef RIDGED_RESULT_COLS_H
#define RIDGED_RESULT_COLS_H

#include <libpq-fe.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>

#include "jsonw.h"
#include "result.h"

/* Total exposed communication of a step, summed in a fixed order. */
static inline double rc_comm_exposed(const rg_result *res) {
    double s = 0;
    for (int k = 0; k < RG_COMM_COUNT; k++)
        s += res->breakdown.comm_exposed_s[k];
    return s;
}

/* What a sweep point stores beside its engine result: the quality loss of
 * its numerics (codec_quality_loss in codec_numerics.h). */
typedef struct rc_extra {
    double quality_loss; /* noise-to-signal power at the matmul outputs */
} rc_extra;

static inline double rc_db(double nsr) {
    return nsr > 0 ? -10.0 * log10(nsr) : (double)INFINITY; /* lossless: NULL when stored */
}

/* A serving column's value: NaN (stored as NULL) unless `res` is a serve
 * point, so a sweep's other points hold no serving figure at all. */
static inline double rc_serve(const rg_result *res, double v) {
    return res->serving.computed ? v : (double)NAN;
}

/* X(name, type, sense, unit, value of `res` and `ex`, description) */
#define RIDGED_RESULT_COLS(X)                                                                                \
    X(time_s, RC_F64, RC_MIN, "s", res->time_s, "step time")                                                 \
    X(mfu, RC_F64, RC_MAX, "", res->mfu, "model FLOPs utilisation")                                          \
    X(tokens_per_s, RC_F64, RC_MAX, "tok/s", res->tokens_per_s, "tokens per second, all chips")              \
    X(flops, RC_F64, RC_MIN, "FLOP", res->flops, "model FLOPs of the step, all devices")                     \
    X(hw_flops, RC_F64, RC_MIN, "FLOP", res->hw_flops, "hardware FLOPs incl. recompute, all devices")        \
    X(bytes, RC_F64, RC_MIN, "B", res->bytes, "memory traffic of the step, all devices")                     \
    X(memory_per_device, RC_F64, RC_MIN, "B", res->memory.per_device_bytes, "memory of the busiest device")  \
    X(memory_capacity, RC_F64, RC_MIN, "B", res->memory.capacity_bytes, "memory capacity of one device")     \
    X(fits, RC_BOOL, RC_MAX, "", res->memory.fits, "the step fits in device memory")                         \
    X(chips, RC_I64, RC_MIN, "", (double)res->chips, "chips")                                                \
    X(latency_per_token_s, RC_F64, RC_MIN, "s", res->latency_per_token_s, "decode: seconds per token")       \
    X(compute_s, RC_F64, RC_MIN, "s", res->breakdown.compute_s, "compute-bound op time in the step")         \
    X(memory_s, RC_F64, RC_MIN, "s", res->breakdown.memory_s, "memory-bound op time in the step")            \
    X(comm_exposed_s, RC_F64, RC_MIN, "s", rc_comm_exposed(res), "communication not hidden under compute")   \
    X(bubble_s, RC_F64, RC_MIN, "s", res->breakdown.bubble_s, "pipeline bubble")                             \
    X(energy_j, RC_F64, RC_MIN, "J", res->energy.energy_j, "energy of the step, all chips")                  \
    X(energy_per_token_j, RC_F64, RC_MIN, "J/token", res->energy.energy_per_token_j, "energy per token")     \
    X(matrix_power_w, RC_F64, RC_MIN, "W", res->energy.matrix_power_w, "one chip's matrix units at peak")    \
    X(quality_loss, RC_F64, RC_MIN, "", ex->quality_loss,                                                    \
      "noise-to-signal power at the matmul outputs from the numerics (emulated)")                            \
    X(quality_sqnr_db, RC_F64, RC_MAX, "dB", rc_db(ex->quality_loss),                                        \
      "matmul output SQNR: -10 log10 quality_loss")                                                          \
    X(ttft_p99_s, RC_F64, RC_MIN, "s", rc_serve(res, res->serving.ttft_s.p99),                               \
      "serve: time to first token, p99")                                                                     \
    X(tpot_p99_s, RC_F64, RC_MIN, "s", rc_serve(res, res->serving.tpot_s.p99),                               \
      "serve: time per output token, p99")                                                                   \
    X(goodput_requests_per_s, RC_F64, RC_MAX, "req/s", rc_serve(res, res->serving.goodput_requests_per_s),   \
      "serve: requests meeting every SLO per second")                                                        \
    X(serve_output_tokens_per_s_per_chip, RC_F64, RC_MAX, "tok/s",                                           \
      rc_serve(res, res->serving.output_tokens_per_s_per_chip), "serve: output tokens per second per chip")  \
    X(slo_attainment, RC_F64, RC_MAX, "", rc_serve(res, res->serving.slo_attainment),                        \
      "serve: share of requests meeting every SLO")

typedef enum { RC_F64, RC_I64, RC_BOOL } rc_type;
typedef enum { RC_MIN, RC_MAX } rc_sense;

enum {
#define RC_X_(name, type, sense, unit, value, desc) RC_##name,
    RIDGED_RESULT_COLS(RC_X_)
#undef RC_X_
        RC_COUNT
};

/* ", time_s, mfu, ..." as one string literal, for SQL column lists. */
#define RC_X_SQL_(name, type, sense, unit, value, desc) ", " #name
#define RIDGED_RESULT_COLS_SQL                          RIDGED_RESULT_COLS(RC_X_SQL_)

typedef struct rc_column {
    const char *name;
    rc_type type;
    rc_sense sense;
    const char *unit;
    const char *description;
} rc_column;

/* The columns in table order; RC_COUNT entries. */
extern const rc_column rc_columns[RC_COUNT];

/* Fills v[RC_COUNT] from an engine result and what the point adds
 * (booleans as 0/1). */
void rc_values(const rg_result *res, const rc_extra *ex, double v[RC_COUNT]);

/* PostgreSQL's information_schema data_type of a column type. */
const char *rc_sql_type(rc_type t);

/* Checks that the connected database's sweep_results has every column of
 * the list with its type. Returns 0, or -1 with a message naming the first
 * missing or mistyped column in errbuf. */
int rc_schema_check(PGconn *pg, char *errbuf, size_t cap);

/* Writes the catalogue {"key_columns": [...], "columns": [{name, type,
 * sense, unit, description}, ...]} the results API accepts. */
void rc_catalogue_write(jw *w);

#endif
