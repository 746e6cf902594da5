/* results_csv.h: a page of a sweep's results as CSV, streamed.
 *
 * PostgreSQL writes the rows (COPY (SELECT ...) TO STDOUT (FORMAT csv), its
 * exact float8 text under extra_float_digits = 3), the rows are read with
 * PQgetCopyData and each gets its swept parameters from the plan (they are
 * not stored: they follow from point_index), and the text goes out as it
 * comes through a chunked response (http_stream.h). The columns and their
 * order are those of the JSON results: point_index, the axes' paths,
 * status, then the result columns of result_cols.h. */
#ifndef RIDGED_RESULTS_CSV_H
#define RIDGED_RESULTS_CSV_H

#include "db.h"
#include "http.h"
#include "sweep_plan.h"

/* Runs `select` (a SELECT over sweep_results whose columns are
 * results_csv_columns(), with $1.. placeholders for `params`) as a COPY and
 * streams it as the answer of `r`, the header line first and `next` (may be
 * empty) as X-Next-Page-Token. Answers a problem instead when the query
 * fails before any row went out. */
void results_csv_stream(http_req *r, db_conn *c, const sweep_plan *plan, const char *select, int np,
                        const char *const *params, const char *next);
/* The select list: "point_index, status, time_s, ...", booleans as
 * true/false (CASE), as the JSON results write them. */
const char *results_csv_columns(void);

#endif
