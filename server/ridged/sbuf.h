/* sbuf.h: a growable byte buffer for text outputs that are not JSON
 * (Prometheus metrics, CSV). Like the JSON writer it records allocation
 * failure in `oom` and ignores later writes, so callers check once. */
#ifndef RIDGED_SBUF_H
#define RIDGED_SBUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct sbuf {
    char *buf;
    size_t len, cap;
    bool oom;
} sbuf;

void sbuf_init(sbuf *b);
void sbuf_free(sbuf *b); /* NULL-safe */
void sbuf_put(sbuf *b, const char *s, size_t n);
void sbuf_puts(sbuf *b, const char *s);
void sbuf_printf(sbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Hands the NUL-terminated buffer to the caller (who frees it); NULL on OOM. */
char *sbuf_take(sbuf *b, size_t *len);

#endif
