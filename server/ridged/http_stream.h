/* http_stream.h: a response body produced while it is sent.
 *
 * A handler on a job thread (http_jobs.h) begins a stream once it knows the
 * answer will succeed; the connection resumes and libmicrohttpd sends the
 * headers and then the body in HTTP/1.1 chunks (MHD_create_response_from_
 * callback with MHD_SIZE_UNKNOWN, libmicrohttpd manual, "Response creation")
 * while the handler keeps writing into a bounded buffer. The reader never
 * blocks the polling thread: with the buffer empty it suspends the
 * connection (MHD_suspend_connection from the content reader), and the next
 * write resumes it. A stream that ends in error ends the chunked body
 * without its last chunk, so a client never mistakes a cut answer for a
 * whole one. */
#ifndef RIDGED_HTTP_STREAM_H
#define RIDGED_HTTP_STREAM_H

#include <stdbool.h>
#include <stddef.h>

#include "http.h"

typedef struct http_stream http_stream;

/* Turns the reply of `r` into a stream of `ctype` with `status` (headers set
 * on `r` before, such as next_token, go out with it). Returns the stream,
 * or NULL (out of memory; nothing changed, answer as usual). After it
 * returns, `r` belongs to the HTTP layer: the handler only writes and ends
 * the stream, and must not answer through `r` again. */
http_stream *http_stream_begin(http_req *r, int status, const char *ctype);
/* Appends `n` bytes, waiting while the buffer is full. Returns 0, or -1
 * when the client has gone (stop producing and end the stream). */
int http_stream_write(http_stream *s, const char *buf, size_t n);
/* The end of the body: `ok` false cuts it (see above). The handler's
 * reference is dropped; `s` must not be used again. */
void http_stream_end(http_stream *s, bool ok);

/* For http.c: the libmicrohttpd response of a begun stream (NULL on OOM),
 * and the job thread's and the completion's hand-over of `r`: whichever
 * comes last frees it (http_stream_job_done returns true when the job must
 * free it, http_stream_req_completed false when the job still runs). */
struct MHD_Response *http_stream_response(http_req *r);
bool http_stream_job_done(http_req *r);
bool http_stream_req_completed(http_req *r);
/* Drops the request's reference when `r` is freed (NULL-safe). */
void http_stream_release(http_req *r);

#endif
