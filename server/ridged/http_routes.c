/* http_routes.c: the route table: method, path pattern, handler, metrics
 * label, and whether the route writes (needs the write role). */
#include "api.h"
#include "auth.h"
#include "http_static.h"

const http_route http_routes[] = {
    {"GET", "/api/v1/health", api_health, "health", false},
    {"GET", "/api/v1/metrics", api_metrics, "metrics", false},
    {"GET", "/metrics", api_metrics, "metrics", false},
    {"GET", "/api/v1/openapi.json", api_openapi, "openapi", false},
    {"GET", "/api/v1/presets", api_presets, "presets", false},
    {"POST", "/api/v1/evaluate", api_evaluate, "evaluate", true},
    {"GET", "/api/v1/runs", api_run_list, "run_list", false},
    {"GET", "/api/v1/runs/{id}", api_run_get, "run_get", false},
    {"POST", "/api/v1/sweeps", api_sweep_create, "sweep_create", true},
    {"GET", "/api/v1/sweeps", api_sweep_list, "sweep_list", false},
    {"GET", "/api/v1/sweeps/{id}", api_sweep_get, "sweep_get", false},
    {"POST", "/api/v1/sweeps/{id}/cancel", api_sweep_cancel, "sweep_cancel", true},
    {"GET", "/api/v1/sweeps/{id}/results", api_sweep_results, "sweep_results", false},
    {"GET", "/api/v1/sweeps/{id}/pareto", api_sweep_pareto, "sweep_pareto", false},
    {"GET", "/api/v1/sweeps/{id}/density", api_sweep_density, "sweep_density", false},
    {"GET", "/api/v1/sweeps/{id}/chunks", api_sweep_chunks, "sweep_chunks", false},
    {"GET", "/api/v1/result-columns", api_result_columns, "result_columns", false},
    {"GET", "/api/v1/spec-fields", api_spec_fields, "spec_fields", false},
    {"POST", "/api/v1/decisions", api_decision_create, "decision_create", true},
    {"GET", "/api/v1/decisions", api_decision_list, "decision_list", false},
    {"GET", "/api/v1/decisions/{id}", api_decision_get, "decision_get", false},
    {"GET", "/api/v1/decisions/{id}/report", api_decision_report, "decision_report", false},
    {"POST", "/api/v1/numerics/quantize", api_quantize, "quantize", false},
    {"GET", "/api/v1/numerics/formats", api_formats, "formats", false},
    {"GET", "/problems", api_problem_list, "problems", false},
    {"GET", "/problems/{id}", api_problem_get, "problem_get", false},
    {"POST", "/api/v1/rtl", api_rtl_create, "rtl_create", true},
    {"GET", "/api/v1/rtl", api_rtl_list, "rtl_list", false},
    {"GET", "/api/v1/rtl/{id}", api_rtl_get, "rtl_get", false},
};
const int http_nroutes = (int)(sizeof http_routes / sizeof http_routes[0]);

const http_hooks http_plugged = {auth_check, http_static};
