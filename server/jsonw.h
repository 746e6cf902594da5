/* jsonw.h: a small streaming JSON writer for Ridge's outputs.
 *
 * Numbers are printed losslessly (the shortest of %.15g/%.16g/%.17g that
 * parses back to the same double); NaN and Inf become null. Commas are
 * inserted automatically. The writer owns a growable buffer; on allocation
 * failure it sets `oom` and ignores further writes, so callers check once at
 * the end. */
#ifndef RG_JSONW_H
#define RG_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JW_MAX_DEPTH 64

typedef struct jw {
    char *buf;
    size_t len, cap;
    bool oom;
    int depth;
    bool first[JW_MAX_DEPTH]; /* no element written yet at this depth */
    bool after_key;
} jw;

void jw_init(jw *w);
/* Frees the buffer; safe on a zeroed or freed writer. */
void jw_free(jw *w);
/* Hands the NUL-terminated buffer to the caller (who frees it) and resets
 * the writer. NULL if an allocation failed. */
char *jw_take(jw *w, size_t *len);

void jw_obj_begin(jw *w);
void jw_obj_end(jw *w);
void jw_arr_begin(jw *w);
void jw_arr_end(jw *w);
void jw_key(jw *w, const char *key);
void jw_str(jw *w, const char *s);
void jw_strn(jw *w, const char *s, size_t n);
void jw_num(jw *w, double v);
void jw_int(jw *w, int64_t v);
void jw_bool(jw *w, bool v);
void jw_null(jw *w);
/* Appends pre-rendered JSON as one value. */
void jw_raw(jw *w, const char *json);

/* Shortcuts: key + value. */
void jw_kstr(jw *w, const char *key, const char *s);
void jw_knum(jw *w, const char *key, double v);
void jw_kint(jw *w, const char *key, int64_t v);
void jw_kbool(jw *w, const char *key, bool v);

/* Lossless double formatting into `out` (at least 32 bytes). Returns length.
 * Non-finite values print as "null". */
int jw_format_double(char *out, size_t cap, double v);

#endif
