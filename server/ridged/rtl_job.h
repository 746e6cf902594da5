/* rtl_job.h: RTL jobs (POST /api/v1/rtl): the request codec shared by the
 * handler, the worker and the flow process, and the worker threads.
 *
 * A job's request is the JSON mirror of rtl_request (rtl/rtl.h). It is
 * checked once at the boundary (unknown keys, types, rtl_check) and stored
 * as canonical JSON: every field, defaults filled in, in the order of one
 * field table, the seed as a string of digits.
 *
 * The flow (generation, co-simulation, synthesis) takes seconds to minutes,
 * so it never runs on an HTTP thread: an RTL worker thread claims a queued
 * job from PostgreSQL with a lease and runs rtl_run in a child process
 * (`ridged rtl-exec`, its own process group) inside a temporary directory;
 * the thread renews the lease while the child runs, stops the child on
 * shutdown (the job is handed back), and stores the outcome with an UPDATE
 * fenced on (id, attempts, owner). */
#ifndef RIDGED_RTL_JOB_H
#define RIDGED_RTL_JOB_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "jsonw.h"
#include "ridged.h"
#include "rtl.h"

/* Longest a flow may run before its job fails. */
#define RTL_JOB_TIMEOUT_S 1800

/* Fills *req from a JSON object (defaults first, then the object's keys)
 * and runs rtl_check. Returns 0, or a negative status with `err` naming
 * the field as the API spells it ("format", "align_bits"). Does not keep
 * or free `obj`. */
int rtl_job_from_json(const cJSON *obj, rtl_request *req, rg_err *err);
/* Same from JSON text (the stored request); parses and frees its cJSON. */
int rtl_job_parse(const char *text, rtl_request *req, rg_err *err);
/* Writes the canonical request object (no liberty: that is the replica's). */
void rtl_job_write(jw *w, const rtl_request *req);

/* `ridged rtl-exec REQUEST.json OUTDIR RESULT.json VERILOG.v ERROR.txt
 * [LIBERTY]`: the flow process. Runs rtl_run(request, OUTDIR); on success
 * writes its JSON to RESULT.json and the generated Verilog (see
 * rtl_job_bundle) to VERILOG.v and exits 0; on a failure of the flow
 * writes "<field>: <message>" to ERROR.txt and exits 1; exits 2 when it
 * cannot even start. */
int rtl_job_exec_main(int argc, char **argv);

typedef struct rtl_workers rtl_workers;
/* Starts cfg.rtl_workers threads. NULL (message on stderr) on failure. */
rtl_workers *rtl_workers_start(ridged *rd);
/* Stops the threads: a flow in progress is killed, its temporary directory
 * removed and its job handed back (queued again). NULL-safe. */
void rtl_workers_stop(rtl_workers *rw);
/* Wake-up hint after this replica queued a job. NULL-safe. */
void rtl_workers_wake(rtl_workers *rw);

#endif
