/* codec_json.c: checks on JSON text at the boundary, before any field is
 * read (see codec_json.h).
 *
 * cJSON keeps the first of two equal keys while PostgreSQL's jsonb keeps
 * the last, so a request with a duplicate key would be validated in one
 * form and stored (and run) in another: every object's keys must be
 * distinct. cJSON copies string bytes as they come and stops a string at a
 * decoded \u0000, so invalid UTF-8 would reach the database (which refuses
 * it) or be echoed into responses, and "name\u0000junk" would be silently
 * truncated: both are refused here, naming the field. */
#include "codec_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t codec_utf8_valid_prefix(const char *s, size_t n) {
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        size_t len;
        unsigned lo = 0x80, hi = 0xBF; /* range of the second byte (RFC 3629 section 4) */
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            if (c == 0xE0)
                lo = 0xA0; /* overlong */
            if (c == 0xED)
                hi = 0x9F; /* UTF-16 surrogates */
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            if (c == 0xF0)
                lo = 0x90; /* overlong */
            if (c == 0xF4)
                hi = 0x8F; /* above U+10FFFF */
        } else {
            return i;
        }
        if (i + len > n || p[i + 1] < lo || p[i + 1] > hi)
            return i;
        for (size_t k = 2; k < len; k++)
            if (p[i + k] < 0x80 || p[i + k] > 0xBF)
                return i;
        i += len;
    }
    return n;
}

bool codec_utf8_valid(const char *s) {
    size_t n = strlen(s);
    return codec_utf8_valid_prefix(s, n) == n;
}

/* ---- the path of a position in well-formed JSON text ---------------------
 *
 * The text has parsed already, so a small scanner can follow its structure:
 * a stack of containers, each with the current key (objects) or index
 * (arrays). */
enum { SCAN_DEPTH = 1100 }; /* cJSON refuses nesting past 1000 */

typedef struct scan_frame {
    bool obj;
    bool want_key; /* object: the next string is a key */
    long index;    /* array: the current element */
    const char *key;
    size_t key_len;
} scan_frame;

/* Writes the dotted path of the innermost value into out ("a.b[2].c"). */
static void scan_path(const scan_frame *st, int depth, char *out, size_t cap) {
    size_t n = 0;
    out[0] = '\0';
    for (int d = 0; d < depth && n + 1 < cap; d++) {
        int w;
        if (st[d].obj) {
            if (!st[d].key)
                break;
            w = snprintf(out + n, cap - n, "%s%.*s", n ? "." : "",
                         (int)(st[d].key_len > 80 ? 80 : st[d].key_len), st[d].key);
        } else {
            w = snprintf(out + n, cap - n, "[%ld]", st[d].index);
        }
        if (w < 0 || (size_t)w >= cap - n)
            break;
        n += (size_t)w;
    }
}

/* Checks one string literal starting after its opening quote; returns the
 * position after the closing quote, or NULL after setting err. */
static const char *scan_string(const char *s, const char *end, const scan_frame *st, int depth, bool is_key,
                               rg_err *err) {
    const char *start = s;
    while (s < end && *s != '"') {
        if (*s == '\\') {
            if (s + 5 < end && s[1] == 'u' && strncmp(s + 2, "0000", 4) == 0) {
                char path[200];
                scan_path(st, depth, path, sizeof path);
                rg_err_set(err, RG_EINVAL, path, "%s contains \\u0000 (a NUL character)",
                           is_key ? "a key" : "the string");
                return NULL;
            }
            s += 2;
            continue;
        }
        s++;
    }
    size_t n = (size_t)(s - start);
    if (codec_utf8_valid_prefix(start, n) != n) {
        char path[200];
        scan_path(st, depth, path, sizeof path);
        rg_err_set(err, RG_EINVAL, path, "%s is not valid UTF-8", is_key ? "a key" : "the string");
        return NULL;
    }
    return s < end ? s + 1 : s;
}

/* Checks every string of well-formed JSON text for valid UTF-8 and \u0000. */
static int scan_text(const char *text, size_t len, rg_err *err) {
    scan_frame *st = calloc(SCAN_DEPTH, sizeof *st);
    const char *s = text, *end = text + len;
    int depth = 0, rc = 0;
    if (!st)
        return rg_err_set(err, RG_ENOMEM, "", "out of memory");
    while (s < end) {
        char c = *s;
        if (c == '{' || c == '[') {
            if (depth >= SCAN_DEPTH) {
                rc = rg_err_set(err, RG_EPARSE, "", "JSON nested too deeply");
                goto out;
            }
            st[depth] = (scan_frame){.obj = c == '{', .want_key = c == '{'};
            depth++;
            s++;
        } else if (c == '}' || c == ']') {
            if (depth > 0)
                depth--;
            s++;
        } else if (c == ',') {
            if (depth > 0) {
                if (st[depth - 1].obj) {
                    st[depth - 1].want_key = true;
                    st[depth - 1].key = NULL;
                } else {
                    st[depth - 1].index++;
                }
            }
            s++;
        } else if (c == '"') {
            bool is_key = depth > 0 && st[depth - 1].obj && st[depth - 1].want_key;
            const char *after = scan_string(s + 1, end, st, depth, is_key, err);
            if (!after) {
                rc = err ? err->code : RG_EINVAL;
                goto out;
            }
            if (is_key) {
                st[depth - 1].key = s + 1;
                st[depth - 1].key_len = (size_t)(after - s - 2);
                st[depth - 1].want_key = false;
            }
            s = after;
        } else {
            s++;
        }
    }
out:
    free(st);
    return rc;
}

/* ---- duplicate keys ------------------------------------------------------ */

static int cmp_key(const void *a, const void *b) {
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
    return strcmp(x->string ? x->string : "", y->string ? y->string : "");
}

/* Refuses an object with two equal keys anywhere below `v`; `path` holds
 * the path of v (cap bytes). O(n log n) per object: a 4 MB body of keys
 * cannot make it quadratic. */
static int check_dups(const cJSON *v, char *path, size_t cap, rg_err *err) {
    size_t plen = strlen(path);
    int rc = 0, n = 0, i = 0;
    const cJSON *it = NULL;
    const cJSON **keys = NULL;
    if (!cJSON_IsObject(v) && !cJSON_IsArray(v))
        return 0;
    cJSON_ArrayForEach(it, v) n++;
    if (cJSON_IsObject(v) && n > 1) {
        keys = malloc((size_t)n * sizeof *keys);
        if (!keys)
            return rg_err_set(err, RG_ENOMEM, path, "out of memory");
        cJSON_ArrayForEach(it, v) keys[i++] = it;
        qsort(keys, (size_t)n, sizeof *keys, cmp_key);
        for (i = 1; i < n; i++)
            if (cmp_key(&keys[i - 1], &keys[i]) == 0) {
                snprintf(path + plen, cap - plen, "%s%.80s", plen ? "." : "", keys[i]->string);
                rc = rg_err_set(err, RG_EPARSE, path, "duplicate key \"%.80s\"", keys[i]->string);
                goto out;
            }
    }
    i = 0;
    cJSON_ArrayForEach(it, v) {
        if (cJSON_IsObject(v))
            snprintf(path + plen, cap - plen, "%s%.80s", plen ? "." : "", it->string ? it->string : "");
        else
            snprintf(path + plen, cap - plen, "[%d]", i);
        i++;
        rc = check_dups(it, path, cap, err);
        if (rc)
            goto out;
    }
    path[plen] = '\0';
out:
    free(keys);
    return rc;
}

int codec_json_check(const char *text, size_t len, const cJSON *json, rg_err *err) {
    char path[256] = "";
    int rc = scan_text(text, len, err);
    if (rc)
        return rc;
    return check_dups(json, path, sizeof path, err);
}

const char *codec_json_type_name(const cJSON *v) {
    if (cJSON_IsNumber(v))
        return "number";
    if (cJSON_IsString(v))
        return "string";
    if (cJSON_IsBool(v))
        return "boolean";
    if (cJSON_IsArray(v))
        return "array";
    if (cJSON_IsObject(v))
        return "object";
    return "null";
}
