/* api.h: the /api/v1 handlers and what they share: JSON body parsing at the
 * boundary, id and paging arguments, timestamps and provenance. */
#ifndef RIDGED_API_H
#define RIDGED_API_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "http.h"
#include "spec.h"

/* Handlers (one file per resource). */
void api_health(http_req *r);
void api_metrics(http_req *r);
void api_openapi(http_req *r);
void api_presets(http_req *r);
void api_evaluate(http_req *r);
void api_run_get(http_req *r);
void api_run_list(http_req *r);
void api_decision_report(http_req *r);
void api_sweep_density(http_req *r);
void api_sweep_create(http_req *r);
void api_sweep_list(http_req *r);
void api_sweep_get(http_req *r);
void api_sweep_cancel(http_req *r);
void api_sweep_chunks(http_req *r);
void api_sweep_results(http_req *r);
void api_sweep_pareto(http_req *r);
/* Layout searches as lease jobs (api_searches.c, search_job.h). */
void api_search_create(http_req *r);
void api_search_list(http_req *r);
void api_search_get(http_req *r);
void api_search_cancel(http_req *r);
void api_result_columns(http_req *r);
void api_spec_fields(http_req *r);
void api_decision_create(http_req *r);
void api_decision_list(http_req *r);
void api_decision_get(http_req *r);
void api_quantize(http_req *r);
void api_formats(http_req *r);
void api_problem_list(http_req *r);
void api_problem_get(http_req *r);
/* True when the status code has its documentation page (api_problems.c). */
bool api_problem_documented(int code);
void api_rtl_create(http_req *r);
void api_rtl_list(http_req *r);
void api_rtl_get(http_req *r);
void api_calibration_create(http_req *r);
void api_calibration_list(http_req *r);
void api_calibration_get(http_req *r);
/* POST /api/v1/explain: gap attribution of a measured step (calib_explain). */
void api_explain(http_req *r);
/* A spec body's "calibration": NAME: loads the stored profile and applies it
 * (calib_apply_json; the key is removed). Returns 0 (no key), 1 (applied:
 * *prof owned by the caller, `name` set) or -1 after answering 4xx/5xx. */
struct calib_profile;
struct calib_applied;
int api_calibration_resolve(http_req *r, cJSON *spec, struct calib_profile *prof, struct calib_applied *ap,
                            char *name, size_t nlen);

/* Parses the request body as one JSON object. Returns the cJSON (caller
 * deletes) or NULL after answering 400 naming the position. */
cJSON *api_body_object(http_req *r);
/* Checks that every key of `obj` is in the NULL-terminated `allowed` list;
 * answers 400 naming "<prefix><key>" and returns false otherwise. */
bool api_known_keys(http_req *r, const cJSON *obj, const char *const *allowed, const char *prefix);
/* Validates the {id} path segment (decimal, 1..18 digits). Answers 404 and
 * returns false otherwise. */
bool api_path_id(http_req *r, const char *what);
/* Parses ?limit= (default `def`, 1..max). Answers 400 and returns -1 if bad. */
int api_limit(http_req *r, int def, int max);
/* ?page_token= as an id cursor (the last id of the previous page): NULL when
 * absent; false (400 sent) when it is not 1..18 digits. */
bool api_page_token(http_req *r, const char **token);
/* Ends a list page begun as {"<items>": [ ... : closes the array, writes
 * next_page_token (the id in column 0 of the last row shown when the query,
 * run with LIMIT limit + 1, returned n > limit rows, else null), closes the
 * object and answers 200. */
void api_page_reply(http_req *r, jw *w, const PGresult *q, int n, int limit);

/* A queued job kind (sweeps, searches): its noun and plural, the statement
 * that cancels a queued or running job (RETURNING id), the one that reads a
 * job's status, and the function that answers one job as JSON. The
 * statements are static strings: db_query prepares a statement once per
 * connection and knows it by its address. */
typedef struct api_job_kind {
    const char *noun, *plural;
    const char *cancel_sql;
    const char *status_sql;
    void (*reply)(http_req *r, db_conn *c, const char *id, int status);
} api_job_kind;
/* The second half of creating a job inside the caller's open transaction:
 * its chunks (`chunks_sql` with $1 the job id, $2 the chunk size, $3 the
 * total, $4 the chunk count), a notification on ridge_sweeps that wakes the
 * replicas' workers, and COMMIT. Returns true, or false after answering 503
 * naming `what` (the transaction is left for db_release to roll back). */
bool api_job_queue(http_req *r, db_conn *c, const char *what, const char *chunks_sql, const char *id,
                   const char *chunk_s, const char *total_s, const char *nchunks_s);
/* GET /api/v1/<jobs>/{id}: the job, or 404 / 503. */
void api_job_get(http_req *r, const api_job_kind *k);
/* POST /api/v1/<jobs>/{id}/cancel: a queued or running job becomes
 * cancelled (200 with the job); 404 for no such job, 409 naming `status`
 * for one that has ended. */
void api_job_cancel(http_req *r, const api_job_kind *k);

struct sweep_plan;
/* Sweep `id`'s plan, to decode point params (built once per sweep and
 * cached, plan_cache.h), and its status into `status`. Returns a reference
 * the caller drops with plan_cache_release, or NULL after answering (404,
 * 503; `r` NULL: without answering). */
const struct sweep_plan *api_sweep_plan(http_req *r, db_conn *c, const char *id, char *status, size_t scap);
/* A JSON id given as a string of digits or an integer; writes the decimal
 * text into `out` (24 bytes). False if not an id. */
bool api_json_id(const cJSON *v, char out[24]);
/* Reads an optional string member; answers 400 on a wrong type or a value
 * longer than `maxlen`. `*out` stays NULL when absent. */
bool api_opt_string(http_req *r, const cJSON *obj, const char *key, size_t maxlen, const char **out);
/* A string array (tags): writes a PostgreSQL text[] literal into the arena,
 * quoting every element. Answers 400 naming key[i] on a bad element. */
bool api_string_array(http_req *r, const cJSON *obj, const char *key, int maxn, size_t maxlen,
                      const char **pg_array);
/* Writes any cJSON value losslessly through the JSON writer. */
void api_json_write(jw *w, const cJSON *v);
/* Current UTC time as RFC 3339 with microseconds into `out` (40 bytes). */
void api_now_rfc3339(char out[40]);
/* SQL expression rendering a timestamptz column as RFC 3339 UTC. */
#define API_TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
/* Writes a possibly-NULL text column as a JSON string or null. */
void api_kstr_or_null(jw *w, const char *key, const PGresult *res, int row, int col);
/* Writes the provenance object of a parsed spec: spec_sha256, spec,
 * engine_version, git_commit, assumptions (all used marks, or `used`),
 * author, created_at. Leaves the object open so callers can add fields. */
/* The same from a canonical text and its hash computed once (codec_eval). */
void api_provenance_write(jw *w, const rg_spec *spec, const char *canonical, const char *sha,
                          const uint8_t *used, const char *author, const char *created_at);
int api_provenance_begin(jw *w, const rg_spec *spec, const uint8_t *used, const char *author,
                         const char *created_at, char sha_out[65]);

#endif
