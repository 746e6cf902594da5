/* http_stream.c: streamed response bodies (see http_stream.h). */
#include "http_stream.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define STREAM_BUF   (1u << 20) /* bytes buffered between the handler and the socket */
#define STREAM_BLOCK (64u << 10)

struct http_stream {
    pthread_mutex_t mu;
    pthread_cond_t room;
    struct MHD_Connection *conn;
    char *buf;
    size_t rd, len;  /* unread bytes are buf[rd .. len) */
    bool done, ok;   /* the handler ended the body, and how */
    bool gone;       /* libmicrohttpd destroyed the response: nobody reads */
    bool suspended;  /* the reader parked the connection */
    bool job_active; /* the handler's job has not returned yet */
    bool orphan;     /* the request completed while the job ran */
    bool queued;     /* a response reads it */
    int refs;        /* the handler, the response and the request */
};

static void stream_unref(http_stream *s) {
    pthread_mutex_lock(&s->mu);
    int left = --s->refs;
    pthread_mutex_unlock(&s->mu);
    if (left)
        return;
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->room);
    free(s->buf);
    free(s);
}

/* Called with s->mu held: wakes a parked connection. */
static void wake(http_stream *s) {
    if (s->suspended) {
        s->suspended = false;
        MHD_resume_connection(s->conn);
    }
}

http_stream *http_stream_begin(http_req *r, int status, const char *ctype) {
    http_stream *s = calloc(1, sizeof *s);
    char *buf = malloc(STREAM_BUF);
    if (!s || !buf) {
        free(s);
        free(buf);
        return NULL;
    }
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->room, NULL);
    s->buf = buf;
    s->conn = r->conn;
    s->refs = 3;
    s->job_active = true;
    r->status = status;
    r->ctype = ctype;
    r->stream = s;
    r->job_done = true;
    MHD_resume_connection(r->conn); /* its next callback queues the headers */
    return s;
}

int http_stream_write(http_stream *s, const char *buf, size_t n) {
    int rc = 0;
    pthread_mutex_lock(&s->mu);
    while (n && !s->gone) {
        if (s->rd == s->len)
            s->rd = s->len = 0;
        if (s->len == STREAM_BUF && s->rd > 0) {
            memmove(s->buf, s->buf + s->rd, s->len - s->rd);
            s->len -= s->rd;
            s->rd = 0;
        }
        size_t room = STREAM_BUF - s->len;
        if (!room) {
            wake(s);
            pthread_cond_wait(&s->room, &s->mu);
            continue;
        }
        size_t k = n < room ? n : room;
        memcpy(s->buf + s->len, buf, k);
        s->len += k;
        buf += k;
        n -= k;
        wake(s);
    }
    if (s->gone)
        rc = -1;
    pthread_mutex_unlock(&s->mu);
    return rc;
}

void http_stream_end(http_stream *s, bool ok) {
    pthread_mutex_lock(&s->mu);
    s->done = true;
    s->ok = ok;
    wake(s);
    pthread_mutex_unlock(&s->mu);
    stream_unref(s);
}

/* The content reader, on libmicrohttpd's thread. */
static ssize_t stream_read(void *cls, uint64_t pos, char *out, size_t max) {
    http_stream *s = cls;
    ssize_t n = 0;
    (void)pos;
    pthread_mutex_lock(&s->mu);
    if (s->len > s->rd) {
        size_t k = s->len - s->rd < max ? s->len - s->rd : max;
        memcpy(out, s->buf + s->rd, k);
        s->rd += k;
        n = (ssize_t)k;
        pthread_cond_signal(&s->room);
    } else if (s->done) {
        n = s->ok ? MHD_CONTENT_READER_END_OF_STREAM : MHD_CONTENT_READER_END_WITH_ERROR;
    } else {
        /* nothing yet: park the connection until the handler writes */
        s->suspended = true;
        MHD_suspend_connection(s->conn);
    }
    pthread_mutex_unlock(&s->mu);
    return n;
}

static void stream_free(void *cls) {
    http_stream *s = cls;
    pthread_mutex_lock(&s->mu);
    s->gone = true;
    s->suspended = false;
    pthread_cond_signal(&s->room);
    pthread_mutex_unlock(&s->mu);
    stream_unref(s);
}

struct MHD_Response *http_stream_response(http_req *r) {
    http_stream *s = r->stream;
    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, STREAM_BLOCK, stream_read, s, stream_free);
    s->queued = true;
    if (!resp)
        stream_free(s); /* no reader will come: the handler's writes fail */
    return resp;
}

bool http_stream_job_done(http_req *r) {
    http_stream *s = r->stream;
    pthread_mutex_lock(&s->mu);
    s->job_active = false;
    bool orphan = s->orphan;
    pthread_mutex_unlock(&s->mu);
    return orphan;
}

bool http_stream_req_completed(http_req *r) {
    http_stream *s = r->stream;
    pthread_mutex_lock(&s->mu);
    bool running = s->job_active, unread = !s->queued;
    if (running)
        s->orphan = true;
    pthread_mutex_unlock(&s->mu);
    if (unread)
        stream_free(s); /* the connection closed before the headers went out */
    return !running;
}

void http_stream_release(http_req *r) {
    if (r->stream)
        stream_unref(r->stream);
    r->stream = NULL;
}
