/* http_routes.c: the route table: method, path pattern, handler, metrics
 * label, whether the route writes (needs the write role), and its lane
 * (http_jobs.h): answered on the HTTP thread (no database wait, or /health,
 * whose wait is bounded), on the job threads (the default), or on the heavy
 * lane (reads that can scan a whole sweep). */
#include "api.h"
#include "auth.h"
#include "http_static.h"

const http_route http_routes[] = {
    {"GET", "/api/v1/health", api_health, "health", false, HTTP_LANE_INLINE},
    {"GET", "/api/v1/metrics", api_metrics, "metrics", false, HTTP_LANE_INLINE},
    {"GET", "/metrics", api_metrics, "metrics", false, HTTP_LANE_INLINE},
    {"GET", "/api/v1/openapi.json", api_openapi, "openapi", false, HTTP_LANE_INLINE},
    {"GET", "/api/v1/presets", api_presets, "presets", false, HTTP_LANE_INLINE},
    {"POST", "/api/v1/evaluate", api_evaluate, "evaluate", true, HTTP_LANE_JOB},
    {"GET", "/api/v1/runs", api_run_list, "run_list", false, HTTP_LANE_JOB},
    {"GET", "/api/v1/runs/{id}", api_run_get, "run_get", false, HTTP_LANE_JOB},
    {"POST", "/api/v1/sweeps", api_sweep_create, "sweep_create", true, HTTP_LANE_JOB},
    {"GET", "/api/v1/sweeps", api_sweep_list, "sweep_list", false, HTTP_LANE_JOB},
    {"GET", "/api/v1/sweeps/{id}", api_sweep_get, "sweep_get", false, HTTP_LANE_JOB},
    {"POST", "/api/v1/sweeps/{id}/cancel", api_sweep_cancel, "sweep_cancel", true, HTTP_LANE_JOB},
    {"GET", "/api/v1/sweeps/{id}/results", api_sweep_results, "sweep_results", false, HTTP_LANE_HEAVY},
    {"GET", "/api/v1/sweeps/{id}/pareto", api_sweep_pareto, "sweep_pareto", false, HTTP_LANE_HEAVY},
    {"GET", "/api/v1/sweeps/{id}/density", api_sweep_density, "sweep_density", false, HTTP_LANE_HEAVY},
    {"GET", "/api/v1/sweeps/{id}/chunks", api_sweep_chunks, "sweep_chunks", false, HTTP_LANE_HEAVY},
    {"POST", "/api/v1/searches", api_search_create, "search_create", true, HTTP_LANE_JOB},
    {"GET", "/api/v1/searches", api_search_list, "search_list", false, HTTP_LANE_JOB},
    {"GET", "/api/v1/searches/{id}", api_search_get, "search_get", false, HTTP_LANE_JOB},
    {"GET", "/api/v1/result-columns", api_result_columns, "result_columns", false, HTTP_LANE_INLINE},
    {"GET", "/api/v1/spec-fields", api_spec_fields, "spec_fields", false, HTTP_LANE_INLINE},
    {"POST", "/api/v1/decisions", api_decision_create, "decision_create", true, HTTP_LANE_JOB},
    {"GET", "/api/v1/decisions", api_decision_list, "decision_list", false, HTTP_LANE_JOB},
    {"GET", "/api/v1/decisions/{id}", api_decision_get, "decision_get", false, HTTP_LANE_JOB},
    /* reads the decision's sweeps whole */
    {"GET", "/api/v1/decisions/{id}/report", api_decision_report, "decision_report", false, HTTP_LANE_HEAVY},
    /* seconds of CPU per call: a write (a token under --require-auth), off the small reads */
    {"POST", "/api/v1/numerics/quantize", api_quantize, "quantize", true, HTTP_LANE_HEAVY},
    {"GET", "/api/v1/numerics/formats", api_formats, "formats", false, HTTP_LANE_INLINE},
    {"GET", "/problems", api_problem_list, "problems", false, HTTP_LANE_INLINE},
    {"GET", "/problems/{id}", api_problem_get, "problem_get", false, HTTP_LANE_INLINE},
    {"POST", "/api/v1/rtl", api_rtl_create, "rtl_create", true, HTTP_LANE_JOB},
    {"GET", "/api/v1/rtl", api_rtl_list, "rtl_list", false, HTTP_LANE_JOB},
    {"GET", "/api/v1/rtl/{id}", api_rtl_get, "rtl_get", false, HTTP_LANE_JOB},
    /* fits the measurement rows: CPU for up to seconds */
    {"POST", "/api/v1/calibrations", api_calibration_create, "calibration_create", true, HTTP_LANE_HEAVY},
    {"GET", "/api/v1/calibrations", api_calibration_list, "calibration_list", false, HTTP_LANE_JOB},
    {"GET", "/api/v1/calibrations/{id}", api_calibration_get, "calibration_get", false, HTTP_LANE_JOB},
    /* one evaluation per bisection step of every used assumption: CPU for up to a second */
    {"POST", "/api/v1/explain", api_explain, "explain", true, HTTP_LANE_HEAVY},
};
const int http_nroutes = (int)(sizeof http_routes / sizeof http_routes[0]);

const http_hooks http_plugged = {auth_check, http_static};
