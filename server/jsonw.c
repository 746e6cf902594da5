/* jsonw.c: streaming JSON writer (see jsonw.h). */
#include "jsonw.h"

#include "codec_json.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void jw_init(jw *w) {
    memset(w, 0, sizeof *w);
    w->first[0] = true;
}

void jw_free(jw *w) {
    if (!w)
        return;
    free(w->buf);
    w->buf = NULL;
    w->len = w->cap = 0;
}

char *jw_take(jw *w, size_t *len) {
    char *out = NULL;
    if (w->oom || !w->buf) {
        if (!w->oom && !w->buf) {
            out = calloc(1, 1);
        }
        jw_free(w);
        if (len)
            *len = 0;
        jw_init(w);
        return out;
    }
    out = w->buf;
    if (len)
        *len = w->len;
    w->buf = NULL;
    jw_init(w);
    return out;
}

static void put(jw *w, const char *s, size_t n) {
    if (w->oom)
        return;
    if (w->len + n + 1 > w->cap) {
        size_t cap = w->cap ? w->cap : 256;
        while (cap < w->len + n + 1)
            cap *= 2;
        char *nb = realloc(w->buf, cap);
        if (!nb) {
            w->oom = true;
            return;
        }
        w->buf = nb;
        w->cap = cap;
    }
    memcpy(w->buf + w->len, s, n);
    w->len += n;
    w->buf[w->len] = '\0';
}

static void putc_(jw *w, char c) { put(w, &c, 1); }

/* Separator before a value (or key). */
static void sep(jw *w) {
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (!w->first[w->depth])
        putc_(w, ',');
    w->first[w->depth] = false;
}

static void open_(jw *w, char c) {
    sep(w);
    putc_(w, c);
    if (w->depth + 1 < JW_MAX_DEPTH) {
        w->depth++;
        w->first[w->depth] = true;
    } else {
        w->oom = true; /* nesting beyond what Ridge ever writes: refuse */
    }
}

static void close_(jw *w, char c) {
    putc_(w, c);
    if (w->depth > 0)
        w->depth--;
}

void jw_obj_begin(jw *w) { open_(w, '{'); }
void jw_obj_end(jw *w) { close_(w, '}'); }
void jw_arr_begin(jw *w) { open_(w, '['); }
void jw_arr_end(jw *w) { close_(w, ']'); }

static void put_escaped(jw *w, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    putc_(w, '"');
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char ubuf[7];
        if (c == '"')
            esc = "\\\"";
        else if (c == '\\')
            esc = "\\\\";
        else if (c == '\n')
            esc = "\\n";
        else if (c == '\r')
            esc = "\\r";
        else if (c == '\t')
            esc = "\\t";
        else if (c < 0x20) {
            ubuf[0] = '\\';
            ubuf[1] = 'u';
            ubuf[2] = '0';
            ubuf[3] = '0';
            ubuf[4] = hex[c >> 4];
            ubuf[5] = hex[c & 15];
            ubuf[6] = '\0';
            esc = ubuf;
        } else if (c >= 0x80) {
            /* a byte that starts no valid UTF-8 sequence becomes U+FFFD, so
             * whatever a client sent, what is written back is valid JSON */
            size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
            if (i + len > n || codec_utf8_valid_prefix(s + i, len) != len)
                esc = "\\ufffd";
            else
                i += len - 1;
        }
        if (esc) {
            put(w, s + start, i - start);
            put(w, esc, strlen(esc));
            start = i + 1;
        }
    }
    put(w, s + start, n - start);
    putc_(w, '"');
}

void jw_key(jw *w, const char *key) {
    sep(w);
    put_escaped(w, key, strlen(key));
    putc_(w, ':');
    w->after_key = true;
}

void jw_str(jw *w, const char *s) {
    if (!s) {
        jw_null(w);
        return;
    }
    jw_strn(w, s, strlen(s));
}

void jw_strn(jw *w, const char *s, size_t n) {
    sep(w);
    put_escaped(w, s, n);
}

int jw_format_double(char *out, size_t cap, double v) {
    if (!isfinite(v))
        return snprintf(out, cap, "null");
    if (v == 0.0)
        return snprintf(out, cap, signbit(v) ? "-0.0" : "0");
    /* Integers that are exact in a double print without exponent. */
    if (fabs(v) < 9007199254740992.0 && v == (double)(int64_t)v)
        return snprintf(out, cap, "%" PRId64, (int64_t)v);
    static const char *const fmts[] = {"%.15g", "%.16g", "%.17g"};
    int n = 0;
    for (int i = 0; i < 3; i++) {
        n = snprintf(out, cap, fmts[i], v);
        if (strtod(out, NULL) == v)
            break;
    }
    return n;
}

void jw_num(jw *w, double v) {
    char tmp[40];
    int n = jw_format_double(tmp, sizeof tmp, v);
    sep(w);
    put(w, tmp, (size_t)n);
}

void jw_int(jw *w, int64_t v) {
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%" PRId64, v);
    sep(w);
    put(w, tmp, (size_t)n);
}

void jw_bool(jw *w, bool v) {
    sep(w);
    put(w, v ? "true" : "false", v ? 4 : 5);
}

void jw_null(jw *w) {
    sep(w);
    put(w, "null", 4);
}

void jw_raw(jw *w, const char *json) {
    sep(w);
    put(w, json, strlen(json));
}

void jw_kstr(jw *w, const char *key, const char *s) {
    jw_key(w, key);
    jw_str(w, s);
}
void jw_knum(jw *w, const char *key, double v) {
    jw_key(w, key);
    jw_num(w, v);
}
void jw_kint(jw *w, const char *key, int64_t v) {
    jw_key(w, key);
    jw_int(w, v);
}
void jw_kbool(jw *w, const char *key, bool v) {
    jw_key(w, key);
    jw_bool(w, v);
}
