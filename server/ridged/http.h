/* http.h: ridged's HTTP layer over libmicrohttpd.
 *
 * One http_req per request, created on libmicrohttpd's first callback and
 * freed (with its arena) when libmicrohttpd reports the request complete.
 * Bodies are accumulated up to the configured cap; a larger Content-Length
 * is refused at once with 413, a chunked body past the cap is discarded and
 * answered with 413 at the end. Routes are a table (http_routes.c); handlers
 * fill the response through the http_reply_* helpers, and errors are
 * application/problem+json naming the offending field. */
#ifndef RIDGED_HTTP_H
#define RIDGED_HTTP_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "http_jobs.h"
#include "jsonw.h"
#include "ridged.h"
#include "sbuf.h"
#include "status.h"

enum { HTTP_ROLE_NONE = 0, HTTP_ROLE_READ = 1, HTTP_ROLE_WRITE = 2 };

typedef struct http_req {
    ridged *rd;
    struct MHD_Connection *conn;
    arena a; /* everything the handler allocates; freed on completion */
    const char *method, *url;
    int route;      /* index in the route table, -1 when none matched */
    const char *id; /* the {id} path segment, if the route has one */
    char *body;     /* NUL-terminated request body (malloc), may be NULL */
    size_t body_len, body_cap;
    bool too_big;
    double t0;
    int role;           /* from the bearer token */
    const char *author; /* token name, or "anonymous" */
    /* response */
    int status;
    bool responded;
    char *resp; /* malloc'd, handed to libmicrohttpd */
    size_t resp_len;
    const char *ctype;
    const char *location;
    const char *allow;
    const char *next_token;  /* X-Next-Page-Token (CSV pages) */
    const char *cors_origin; /* a configured origin: CORS headers */
    bool preflight;          /* OPTIONS answer to a CORS preflight */
    int retry_after;         /* seconds, for a Retry-After header (0 = none) */
    /* job lanes (http_jobs.h) */
    bool offload; /* the handler is to run on a job thread, in `lane` */
    int lane;
    bool job_done;              /* the job ran: the next callback queues the response */
    struct http_stream *stream; /* a body sent while the handler writes it (http_stream.h) */
} http_req;

typedef void (*http_handler)(http_req *r);

typedef struct http_route {
    const char *method;
    const char *pattern; /* "/api/v1/sweeps/{id}/results" */
    http_handler fn;
    const char *name; /* metrics label */
    bool write;       /* needs the write role (see auth) */
    int lane;         /* HTTP_LANE_JOB (default: waits for the database), _INLINE, _HEAVY */
} http_route;

extern const http_route http_routes[];
extern const int http_nroutes;

/* Starts the daemon on cfg->host:port. NULL (message on stderr) on failure. */
struct MHD_Daemon *http_start(ridged *rd);
/* The port actually bound (useful with port 0). */
int http_bound_port(struct MHD_Daemon *d);

/* Query-string argument or request header; NULL if absent. Owned by MHD. */
const char *http_query(http_req *r, const char *key);
const char *http_header(http_req *r, const char *key);

/* Set the response from a writer (takes its buffer) or a malloc'd buffer. */
void http_reply_json(http_req *r, int status, jw *w);
void http_reply_buf(http_req *r, int status, const char *ctype, char *buf, size_t len);
void http_reply_sbuf(http_req *r, int status, const char *ctype, sbuf *b);
/* application/problem+json for the status code `code` (engine/status.h):
 * its HTTP status, title and problem type come from the status table.
 * `field` and `hint` may be NULL. */
void http_fail(http_req *r, int code, const char *field, const char *hint, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;
/* The same from an HTTP status and a title, for older callers: answers
 * with the table's row of that status and title (else the first row of the
 * status). Prefer http_fail. */
void http_problem(http_req *r, int status, const char *title, const char *field, const char *hint,
                  const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;
/* Problem from a status code and rg_err; `prefix` is prepended to the field
 * path ("base." for a sweep's base spec), may be NULL. */
void http_problem_err(http_req *r, const rg_err *e, const char *prefix, const char *hint);
/* 503 for a database failure; logs the libpq message. */
void http_problem_db(http_req *r, const char *what, const char *pqmsg);

/* What the daemon plugs into the HTTP layer, defined beside the route table
 * (http_routes.c), so http.c depends on neither the token module nor the
 * static files: `guard` checks a matched route's caller (false after
 * answering; auth.h), `fallback` answers GET/HEAD outside /api (the
 * dashboard's files; http_static.h). */
typedef struct http_hooks {
    bool (*guard)(http_req *r, bool write);
    void (*fallback)(http_req *r);
} http_hooks;
extern const http_hooks http_plugged;

double http_now(void);

#endif
