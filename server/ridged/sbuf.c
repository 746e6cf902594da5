/* sbuf.c: growable byte buffer (see sbuf.h). */
#include "sbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sbuf_init(sbuf *b) { memset(b, 0, sizeof *b); }

void sbuf_free(sbuf *b) {
    if (!b)
        return;
    free(b->buf);
    memset(b, 0, sizeof *b);
}

static bool grow(sbuf *b, size_t n) {
    if (b->oom)
        return false;
    if (b->len + n + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < b->len + n + 1)
        cap *= 2;
    char *nb = realloc(b->buf, cap);
    if (!nb) {
        b->oom = true;
        return false;
    }
    b->buf = nb;
    b->cap = cap;
    return true;
}

void sbuf_put(sbuf *b, const char *s, size_t n) {
    if (!grow(b, n))
        return;
    memcpy(b->buf + b->len, s, n);
    b->len += n;
    b->buf[b->len] = '\0';
}

void sbuf_puts(sbuf *b, const char *s) { sbuf_put(b, s, strlen(s)); }

void sbuf_printf(sbuf *b, const char *fmt, ...) {
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof tmp) {
        sbuf_put(b, tmp, (size_t)n);
        return;
    }
    if (!grow(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

char *sbuf_take(sbuf *b, size_t *len) {
    char *out = NULL;
    if (!b->oom) {
        if (!b->buf)
            grow(b, 0);
        out = b->buf;
        if (len)
            *len = b->len;
        if (out)
            out[b->len] = '\0';
        b->buf = NULL;
    } else {
        free(b->buf);
    }
    memset(b, 0, sizeof *b);
    return out;
}
