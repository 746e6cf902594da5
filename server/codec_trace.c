/* codec_trace.c: CSV and JSON-lines request traces into trace rows (see
 * codec_trace.h). Lines are checked one at a time so an error names its
 * line; nothing is returned unless every line is good. */
#include "codec_trace.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"

#define TRACE_LINE_MAX 4096

static const char *const keys[3] = {"arrival_s", "prompt_tokens", "output_tokens"};

/* One parsed line in file order: the three values, indexed as `keys`. */
typedef struct trace_state {
    const char *field;
    long line;
    double prev; /* arrival_s of the previous row */
    int col[3];  /* CSV: column of each key (header), or 0, 1, 2 */
    bool csv_header_done;
    bool json;
} trace_state;

static char *trim(char *s) {
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

/* Range and order of one row; 0 or an error naming the line and key. */
static int check_row(trace_state *st, const double v[3], rg_err *err) {
    if (!isfinite(v[0]) || v[0] < 0)
        return rg_err_set(err, RG_ERANGE, st->field, "line %ld: arrival_s must be a time >= 0 s (got %g)",
                          st->line, v[0]);
    if (v[0] < st->prev)
        return rg_err_set(err, RG_ERANGE, st->field,
                          "line %ld: arrival_s %.9g is before the previous row's %.9g (times must not "
                          "decrease)",
                          st->line, v[0], st->prev);
    for (int j = 1; j < 3; j++)
        if (!isfinite(v[j]) || v[j] != floor(v[j]) || v[j] < 1 || v[j] > 1e8)
            return rg_err_set(err, RG_ERANGE, st->field, "line %ld: %s must be an integer in 1..1e8 (got %g)",
                              st->line, keys[j], v[j]);
    st->prev = v[0];
    return 0;
}

/* A CSV line: its header (first line with a non-number first cell) or a row. */
static int csv_line(trace_state *st, char *s, double v[3], bool *is_row, rg_err *err) {
    char *cell[8];
    int n = 0;
    for (char *p = s;;) {
        char *c = strchr(p, ',');
        if (n == 8)
            return rg_err_set(err, RG_EPARSE, st->field, "line %ld: more than 3 columns", st->line);
        if (c)
            *c = '\0';
        cell[n++] = trim(p);
        if (!c)
            break;
        p = c + 1;
    }
    if (n != 3)
        return rg_err_set(err, RG_EPARSE, st->field,
                          "line %ld: %d column%s; a row is arrival_s, prompt_tokens, output_tokens", st->line,
                          n, n == 1 ? "" : "s");
    *is_row = true;
    if (!st->csv_header_done) {
        st->csv_header_done = true;
        char *end = NULL;
        strtod(cell[0], &end);
        if (end == cell[0]) { /* a header: the three names in any order */
            int seen = 0;
            for (int i = 0; i < 3; i++) {
                int k = -1;
                for (int j = 0; j < 3; j++)
                    if (strcmp(cell[i], keys[j]) == 0)
                        k = j;
                if (k < 0 || (seen & (1 << k)))
                    return rg_err_set(err, RG_EPARSE, st->field,
                                      "line %ld: header column \"%.40s\": the columns are arrival_s, "
                                      "prompt_tokens, output_tokens",
                                      st->line, cell[i]);
                seen |= 1 << k;
                st->col[k] = i;
            }
            *is_row = false;
            return 0;
        }
    }
    for (int j = 0; j < 3; j++) {
        char *c = cell[st->col[j]], *end = NULL;
        v[j] = strtod(c, &end);
        if (end == c || *end != '\0')
            return rg_err_set(err, RG_EPARSE, st->field, "line %ld: %s: not a number (\"%.40s\")", st->line,
                              keys[j], c);
    }
    return 0;
}

/* A JSON line: {"arrival_s", "prompt_tokens", "output_tokens"} or [a, p, o]. */
static int json_line(trace_state *st, const char *s, double v[3], rg_err *err) {
    rg_err pe = {0};
    int rc = 0;
    cJSON *j = codec_json_parse(s, strlen(s), &pe);
    if (!j)
        return rg_err_set(err, RG_EPARSE, st->field, "line %ld: not JSON (%s)", st->line, pe.msg);
    if (cJSON_IsObject(j)) {
        const cJSON *it;
        cJSON_ArrayForEach(it, j) {
            bool known = false;
            for (int k = 0; k < 3; k++)
                known = known || (it->string && strcmp(it->string, keys[k]) == 0);
            if (!known) {
                rc = rg_err_set(
                    err, RG_EPARSE, st->field,
                    "line %ld: unknown key \"%.40s\" (keys: arrival_s, prompt_tokens, output_tokens)",
                    st->line, it->string ? it->string : "");
                goto out;
            }
        }
    } else if (!cJSON_IsArray(j) || cJSON_GetArraySize(j) != 3) {
        rc = rg_err_set(
            err, RG_EPARSE, st->field,
            "line %ld: expected {\"arrival_s\", \"prompt_tokens\", \"output_tokens\"} or an array of "
            "3 numbers",
            st->line);
        goto out;
    }
    for (int k = 0; k < 3; k++) {
        const cJSON *x =
            cJSON_IsArray(j) ? cJSON_GetArrayItem(j, k) : cJSON_GetObjectItemCaseSensitive(j, keys[k]);
        if (!cJSON_IsNumber(x)) {
            rc = rg_err_set(err, x ? RG_EPARSE : RG_EMISSING, st->field, "line %ld: %s: %s", st->line,
                            keys[k], x ? "must be a number" : "missing");
            goto out;
        }
        v[k] = x->valuedouble;
    }
out:
    cJSON_Delete(j);
    return rc;
}

int codec_trace_parse(const char *text, size_t len, const char *field, cJSON **rows, rg_err *err) {
    char buf[TRACE_LINE_MAX + 1];
    trace_state st = {field, 0, 0.0, {0, 1, 2}, false, false};
    bool first = true;
    int rc = 0;
    cJSON *arr = cJSON_CreateArray();
    *rows = NULL;
    if (!arr)
        return rg_err_set(err, RG_ENOMEM, field, "out of memory");
    if (memchr(text, '\0', len)) {
        rc = rg_err_set(err, RG_EPARSE, field, "a NUL byte in the file: a trace is text (CSV or JSON lines)");
        goto out;
    }
    for (size_t at = 0; at < len;) {
        const char *nl = memchr(text + at, '\n', len - at);
        size_t n = nl ? (size_t)(nl - (text + at)) : len - at;
        st.line++;
        if (n > TRACE_LINE_MAX) {
            rc = rg_err_set(err, RG_EPARSE, field, "line %ld: longer than %d characters", st.line,
                            TRACE_LINE_MAX);
            goto out;
        }
        memcpy(buf, text + at, n);
        buf[n] = '\0';
        at += n + 1;
        char *s = trim(buf);
        if (s[0] == '\0' || s[0] == '#')
            continue;
        if (first) {
            st.json = s[0] == '{' || s[0] == '[';
            first = false;
        }
        double v[3] = {0, 0, 0};
        bool is_row = true;
        rc = st.json ? json_line(&st, s, v, err) : csv_line(&st, s, v, &is_row, err);
        if (rc == 0 && is_row)
            rc = check_row(&st, v, err);
        if (rc)
            goto out;
        if (!is_row)
            continue;
        cJSON *row = cJSON_CreateArray();
        if (!row || !cJSON_AddItemToArray(arr, row)) {
            cJSON_Delete(row);
            rc = rg_err_set(err, RG_ENOMEM, field, "out of memory");
            goto out;
        }
        for (int k = 0; k < 3; k++) {
            cJSON *x = cJSON_CreateNumber(v[k]);
            if (!x || !cJSON_AddItemToArray(row, x)) {
                cJSON_Delete(x);
                rc = rg_err_set(err, RG_ENOMEM, field, "out of memory");
                goto out;
            }
        }
    }
    if (cJSON_GetArraySize(arr) == 0)
        rc = rg_err_set(err, RG_EINVAL, field,
                        "no rows: a trace needs arrival_s, prompt_tokens, output_tokens rows");
out:
    if (rc)
        cJSON_Delete(arr);
    else
        *rows = arr;
    return rc;
}
