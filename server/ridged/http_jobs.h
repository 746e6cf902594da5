/* http_jobs.h: the threads that run handlers which wait for the database.
 *
 * libmicrohttpd's threads each serve many connections, so one handler that
 * waits (a frozen or slow database, a Pareto front over millions of rows)
 * holds every connection of its thread, /health included. Routes that
 * touch the database therefore run on job threads: the HTTP thread
 * suspends the connection, queues the request and moves on; the job thread
 * runs the handler and resumes the connection, whose next callback queues
 * the response. Two lanes keep expensive reads (pareto, full result pages,
 * chunk lists) from starving the small ones. A full lane is answered at
 * once with 503 and Retry-After. */
#ifndef RIDGED_HTTP_JOBS_H
#define RIDGED_HTTP_JOBS_H

#include <stdbool.h>

typedef struct http_jobs http_jobs;
struct http_req;

enum { HTTP_LANE_JOB = 0, HTTP_LANE_INLINE = 1, HTTP_LANE_HEAVY = 2 };

/* Starts `n_job` threads for the job lane and `n_heavy` for the heavy lane,
 * each lane queueing at most `cap` requests; `run` is called on a job
 * thread for each request. NULL on failure (message on stderr). */
http_jobs *http_jobs_start(int n_job, int n_heavy, int cap, void (*run)(struct http_req *r));
/* Reserves a queue place in `lane`; false when the lane is full. */
bool http_jobs_reserve(http_jobs *j, int lane);
/* Queues `r` in a reserved place (never fails). */
void http_jobs_push(http_jobs *j, int lane, struct http_req *r);
/* Runs what is queued, then stops and frees the threads (NULL-safe). */
void http_jobs_stop(http_jobs *j);

#endif
