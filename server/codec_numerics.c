/* codec_numerics.c: JSON <-> numerics emulator (see codec_numerics.h).
 * Requests are checked key by key against one table; engine calls get typed
 * structs only. */
#include "codec_numerics.h"

#include "compress.h"
#include "dist.h"
#include "metrics.h"
#include "model.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_N  65536
#define MAX_N      (1LL << 28) /* CLI */
#define MAX_N_HTTP (1LL << 24) /* requests served by ridged */
#define MAX_DATA   (1 << 20)

static const char *const request_keys[] = {
    "format",        "ebits",   "mbits",  "bias",   "nan",       "rounding", "seed",      "scale_mode",
    "saturate",      "scaling", "cols",   "block",  "dist",      "n",        "dof",       "outlier_frac",
    "outlier_scale", "data",    "scheme", "window", "threshold", "entropy",  "subnormals"};

static const char *const nan_names[] = {"ieee", "fn", "finite"};
static const rg_nan_mode nan_modes[] = {RG_NAN_IEEE, RG_NAN_ONE, RG_NAN_NONE};

static int check_keys(const cJSON *obj, const char *const *keys, size_t nkeys, const char *prefix,
                      rg_err *err) {
    const cJSON *it;
    cJSON_ArrayForEach(it, obj) {
        size_t k = 0;
        while (k < nkeys && strcmp(it->string, keys[k]) != 0)
            k++;
        if (k == nkeys)
            return rg_err_set(err, RG_EUNKNOWN, it->string, "unknown key '%s%s'", prefix, it->string);
    }
    return 0;
}

/* Optional string; *out untouched when absent. */
static int get_str(const cJSON *o, const char *key, const char **out, rg_err *err) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v)
        return 0;
    if (!cJSON_IsString(v) || !v->valuestring)
        return rg_err_set(err, RG_ETYPE, key, "must be a string");
    *out = v->valuestring;
    return 1;
}

static int get_i64(const cJSON *o, const char *key, int64_t lo, int64_t hi, int64_t *out, rg_err *err) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v)
        return 0;
    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble))
        return rg_err_set(err, RG_ETYPE, key, "must be an integer");
    if (v->valuedouble < (double)lo || v->valuedouble > (double)hi)
        return rg_err_set(err, RG_ERANGE, key, "must be %" PRId64 "..%" PRId64 ", got %.17g", lo, hi,
                          v->valuedouble);
    *out = (int64_t)v->valuedouble;
    return 1;
}

static int get_f64(const cJSON *o, const char *key, double lo, double hi, double *out, rg_err *err) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v)
        return 0;
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
        return rg_err_set(err, RG_ETYPE, key, "must be a number");
    if (v->valuedouble < lo || v->valuedouble > hi)
        return rg_err_set(err, RG_ERANGE, key, "must be in [%g, %g], got %.17g", lo, hi, v->valuedouble);
    *out = v->valuedouble;
    return 1;
}

static int get_bool(const cJSON *o, const char *key, bool *out, rg_err *err) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v)
        return 0;
    if (!cJSON_IsBool(v))
        return rg_err_set(err, RG_ETYPE, key, "must be true or false");
    *out = cJSON_IsTrue(v);
    return 1;
}

/* Seeds are integers up to 2^53 as numbers, any uint64 as a decimal string. */
static int get_seed(const cJSON *o, const char *key, uint64_t *out, rg_err *err) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v)
        return 0;
    if (cJSON_IsString(v) && v->valuestring) {
        const char *s = v->valuestring;
        char *end = NULL;
        if (*s < '0' || *s > '9')
            return rg_err_set(err, RG_ETYPE, key, "must be a non-negative integer");
        errno = 0;
        unsigned long long u = strtoull(s, &end, 10);
        if (*end != '\0')
            return rg_err_set(err, RG_ETYPE, key, "must be a non-negative integer");
        if (errno == ERANGE)
            return rg_err_set(err, RG_ERANGE, key, "must be at most 18446744073709551615 (2^64 - 1)");
        *out = (uint64_t)u;
        return 1;
    }
    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || v->valuedouble < 0 ||
        v->valuedouble > 9007199254740992.0)
        return rg_err_set(err, RG_ETYPE, key, "must be an integer in [0, 2^53] or a decimal string");
    *out = (uint64_t)v->valuedouble;
    return 1;
}

/* A name from a finder function; RG_EUNKNOWN names the key. */
static int get_enum(const cJSON *o, const char *key, int (*find)(const char *), int *out, const char *choices,
                    rg_err *err) {
    const char *s = NULL;
    int rc = get_str(o, key, &s, err);
    if (rc <= 0)
        return rc;
    int v = find(s);
    if (v < 0)
        return rg_err_set(err, RG_EUNKNOWN, key, "unknown %s '%s' (one of %s)", key, s, choices);
    *out = v;
    return 1;
}

static int find_nan(const char *s) {
    for (int i = 0; i < 3; i++)
        if (strcmp(s, nan_names[i]) == 0)
            return i;
    return RG_EUNKNOWN;
}

int codec_quant_parse(const cJSON *req, rg_quant *q, rg_err *err) {
    rg_format f;
    int rc;
    if (!cJSON_IsObject(req))
        return rg_err_set(err, RG_ETYPE, "", "request must be a JSON object");
    const char *name = NULL;
    if ((rc = get_str(req, "format", &name, err)) < 0)
        return rc;
    int64_t eb = -1, mb = -1, bias = -1;
    if (get_i64(req, "ebits", 1, 8, &eb, err) < 0 || get_i64(req, "mbits", 0, 23, &mb, err) < 0 ||
        get_i64(req, "bias", 0, 1000, &bias, err) < 0)
        return err ? err->code : RG_EINVAL;
    int nan = 0;
    if ((rc = get_enum(req, "nan", find_nan, &nan, "ieee, fn, finite", err)) < 0)
        return rc;
    if (eb >= 0 || mb >= 0) {
        if (name)
            return rg_err_set(err, RG_EINVAL, "ebits", "give either format or ebits/mbits, not both");
        if (eb < 0 || mb < 0)
            return rg_err_set(err, RG_EMISSING, eb < 0 ? "ebits" : "mbits",
                              "a user format needs ebits and mbits");
        if ((rc = rg_format_minifloat((int)eb, (int)mb, (int)bias, nan_modes[nan], &f, "ebits", err)) < 0)
            return rc;
        if ((rc = get_bool(req, "subnormals", &f.subnormals, err)) < 0)
            return rc;
    } else {
        const char *only_user = bias >= 0                                             ? "bias"
                                : cJSON_GetObjectItemCaseSensitive(req, "nan")        ? "nan"
                                : cJSON_GetObjectItemCaseSensitive(req, "subnormals") ? "subnormals"
                                                                                      : NULL;
        if (only_user)
            return rg_err_set(err, RG_EINVAL, only_user, "applies to a user format given by ebits and mbits");
        if (!name)
            return rg_err_set(err, RG_EMISSING, "format", "format is required (see 'ridge formats')");
        if ((rc = rg_format_parse(name, &f, "format", err)) < 0)
            return rc;
    }
    if ((rc = rg_quant_init(q, &f, err)) < 0)
        return rc;
    int v = 0;
    if ((rc = get_enum(req, "rounding", rg_round_find, &v, "rne, rtz, rna, stochastic", err)) < 0)
        return rc;
    if (rc)
        q->round = (rg_round)v;
    if ((rc = get_enum(req, "scale_mode", rg_scale_mode_find, &v, "floor, ceil, even, rceil", err)) < 0)
        return rc;
    if (rc)
        q->smode = (rg_scale_mode)v;
    if ((rc = get_enum(req, "scaling", rg_tscale_find, &v, "none, tensor, channel", err)) < 0)
        return rc;
    if (rc)
        q->tscale = (rg_tscale)v;
    if ((rc = get_seed(req, "seed", &q->seed, err)) < 0)
        return rc;
    if ((rc = get_bool(req, "saturate", &q->saturate, err)) < 0)
        return rc;
    int64_t cols = 0, block = 0;
    if ((rc = get_i64(req, "cols", 1, MAX_N, &cols, err)) < 0)
        return rc;
    if (q->tscale == RG_TSCALE_CHANNEL)
        q->cols = cols;
    if ((rc = get_i64(req, "block", 1, 1 << 20, &block, err)) < 0)
        return rc;
    if (rc) {
        if (q->fmt.scaling == RG_SCALE_NONE)
            return rg_err_set(err, RG_EINVAL, "block", "%s has no blocks", q->fmt.name);
        q->block = (int)block;
    }
    if (q->tscale == RG_TSCALE_CHANNEL && q->cols < 1)
        return rg_err_set(err, RG_EMISSING, "cols", "scaling \"channel\" needs cols (the row length)");
    return rg_quant_check(q, err);
}

/* The display name of the request's format. */
static const char *format_label(const cJSON *req, const rg_quant *q, char *buf, size_t cap) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, "format");
    if (cJSON_IsString(v) && v->valuestring)
        return v->valuestring;
    if (strcmp(q->fmt.name, "user") != 0)
        return q->fmt.name;
    static const char *const sfx[] = {"", "fn", "finite", ""};
    snprintf(buf, cap, "e%dm%d%s", q->fmt.ebits, q->fmt.mbits, sfx[q->fmt.nan_mode & 3]);
    return buf;
}

static void write_seed(jw *w, const char *key, uint64_t seed) {
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRIu64, seed);
    jw_kstr(w, key, buf);
}

static void write_metrics(jw *w, const rg_metrics *m) {
    jw_knum(w, "sqnr_db", m->sqnr_db);
    jw_knum(w, "mse", m->mse);
    jw_knum(w, "max_abs_error", m->max_abs_error);
    jw_knum(w, "mean_rel_error", m->mean_rel_error);
    jw_knum(w, "cosine", m->cosine);
    jw_knum(w, "kl_div", m->kl_div);
}

/* The data source of a quantize request: its "data" array (*arr), the
 * "dist" (*dk keeps its default when absent) and whether the tensor is
 * synthetic (no `data` from the caller, no array). Data and a dist (or,
 * with `refuse_n`, an "n") together are refused naming the key. */
static int get_source(const cJSON *req, const float *data, bool refuse_n, const cJSON **arr, int *dk,
                      bool *synthetic, rg_err *err) {
    *arr = cJSON_GetObjectItemCaseSensitive(req, "data");
    int rc = get_enum(req, "dist", rg_dist_find, dk, "normal, laplace, student_t, activations, kv", err);
    if (rc < 0)
        return rc;
    *synthetic = !data && !*arr;
    bool has_n = refuse_n && cJSON_GetObjectItemCaseSensitive(req, "n");
    if (!*synthetic && (cJSON_GetObjectItemCaseSensitive(req, "dist") || has_n))
        return refuse_n ? rg_err_set(err, RG_EINVAL, has_n ? "n" : "dist",
                                     "give either data or a synthetic dist and n, not both")
                        : rg_err_set(err, RG_EINVAL, "dist", "give either data or dist, not both");
    return 0;
}

/* The buffers of a quantize request: y (n floats) always; without given
 * `*data`, x (n floats) filled from the JSON array `arr` or else from the
 * distribution `d`, and *data pointed at it. The caller frees *x and *y
 * (also on failure). Returns 0 or RG_ENOMEM / RG_ETYPE / a fill status
 * with `err` naming n, data or dist. */
static int input_buffers(const float **data, const cJSON *arr, const rg_dist *d, int64_t n, int nthreads,
                         float **x, float **y, rg_err *err) {
    int rc = 0;
    *y = malloc((size_t)n * sizeof **y);
    if (!*data)
        *x = malloc((size_t)n * sizeof **x);
    if (!*y || (!*data && !*x))
        return rg_err_set(err, RG_ENOMEM, "n", "cannot allocate %" PRId64 " elements", n);
    if (*data)
        return 0;
    if (arr) {
        int64_t i = 0;
        const cJSON *it;
        cJSON_ArrayForEach(it, arr) {
            if (!cJSON_IsNumber(it))
                return rg_err_set(err, RG_ETYPE, "data", "element %" PRId64 " is not a number", i);
            (*x)[i++] = (float)it->valuedouble;
        }
    } else if ((rc = rg_dist_fill(d, *x, n, 0, nthreads)) < 0) {
        return rg_err_set(err, rc, "dist", "bad distribution parameters");
    }
    *data = *x;
    return 0;
}

static int recipe_run(const cJSON *req, const float *data, int64_t n, int nthreads, int64_t max_n, jw *out,
                      rg_err *err);

static int quantize_run(const cJSON *req, const float *data, int64_t n, int nthreads, int64_t max_n, jw *out,
                        rg_err *err) {
    float *x = NULL, *y = NULL;
    rg_quant q;
    rg_dist d;
    rg_compress c;
    if (!cJSON_IsObject(req))
        return rg_err_set(err, RG_ETYPE, "", "request must be a JSON object");
    if (cJSON_GetObjectItemCaseSensitive(req, "recipe"))
        return recipe_run(req, data, n, nthreads, max_n, out, err);
    int rc = check_keys(req, request_keys, sizeof request_keys / sizeof request_keys[0], "", err);
    if (rc < 0)
        return rc;
    if ((rc = codec_quant_parse(req, &q, err)) < 0)
        return rc;
    /* data source */
    const cJSON *arr = NULL;
    int dk = RG_DIST_NORMAL;
    bool synthetic = false;
    if ((rc = get_source(req, data, false, &arr, &dk, &synthetic, err)) < 0)
        goto out;
    rg_dist_init(&d, (rg_dist_kind)dk, q.seed);
    int64_t cols = 0, dof = d.dof, window = -1;
    if ((rc = get_i64(req, "cols", 1, MAX_N, &cols, err)) < 0 ||
        (rc = get_i64(req, "dof", 1, 64, &dof, err)) < 0 ||
        (rc = get_f64(req, "outlier_frac", 0, 1, &d.outlier_frac, err)) < 0 ||
        (rc = get_f64(req, "outlier_scale", 1e-30, 1e30, &d.outlier_scale, err)) < 0)
        goto out;
    d.dof = (int)dof;
    if (cols > 0)
        d.cols = cols;
    if (synthetic) {
        n = DEFAULT_N;
        if ((rc = get_i64(req, "n", 1, max_n, &n, err)) < 0)
            goto out;
    } else if (cJSON_GetObjectItemCaseSensitive(req, "n")) {
        rc = rg_err_set(err, RG_EINVAL, "n", "n is for synthetic data; the data sets its own length");
        goto out;
    }
    if (arr) {
        if (data) {
            rc = rg_err_set(err, RG_EINVAL, "data", "data given twice");
            goto out;
        }
        if (!cJSON_IsArray(arr)) {
            rc = rg_err_set(err, RG_ETYPE, "data", "must be an array of numbers");
            goto out;
        }
        n = cJSON_GetArraySize(arr);
        if (n < 1 || n > MAX_DATA) {
            rc = rg_err_set(err, RG_ERANGE, "data", "must hold 1..%d numbers", MAX_DATA);
            goto out;
        }
    }
    if (n < 1) {
        rc = rg_err_set(err, RG_EINVAL, "input", "no data");
        goto out;
    }
    /* compression scheme */
    rg_compress_init(&c);
    c.seed = q.seed;
    /* rows: --cols, else the synthetic tensor's own rows, else 4096 when they fit */
    bool shaped = synthetic && (d.kind == RG_DIST_ACTIVATIONS || d.kind == RG_DIST_KV);
    int64_t row_len = cols > 0 ? cols : (shaped ? d.cols : 0);
    c.cols = row_len > 0 ? row_len : (n % 4096 == 0 ? 4096 : n);
    int sk = 0;
    if ((rc = get_enum(req, "scheme", rg_scheme_find, &sk, "none, hadamard, outliers, kv_keys, kv_values",
                       err)) < 0 ||
        (rc = get_i64(req, "window", 0, MAX_N, &window, err)) < 0 ||
        (rc = get_f64(req, "threshold", 1e-30, 1e30, &c.threshold, err)) < 0)
        goto out;
    c.scheme = (rg_scheme)sk;
    if (window >= 0)
        c.window = window;
    if ((rc = rg_compress_check(&c, n, err)) < 0)
        goto out;
    bool want_entropy = false;
    if ((rc = get_bool(req, "entropy", &want_entropy, err)) < 0)
        goto out;
    /* buffers */
    if ((rc = input_buffers(&data, arr, &d, n, nthreads, &x, &y, err)) < 0)
        goto out;
    rg_compress_stats st;
    if ((rc = rg_compress_run(&c, &q, data, y, n, nthreads, &st, err)) < 0)
        goto out;
    rg_metrics m;
    if ((rc = rg_metrics_compute(data, y, n, c.scheme != RG_SCHEME_NONE || row_len > 0 ? c.cols : 0, nthreads,
                                 &m)) < 0) {
        rg_err_set(err, rc, "n", "out of memory computing metrics");
        goto out;
    }
    rg_entropy ent;
    int ent_rc = want_entropy ? rg_compress_entropy(&q, data, n, nthreads, &ent) : 0;
    if (ent_rc == RG_ENOMEM) {
        rc = rg_err_set(err, RG_ENOMEM, "entropy", "out of memory");
        goto out;
    }
    jw_obj_begin(out);
    char label[32];
    jw_kstr(out, "format", format_label(req, &q, label, sizeof label));
    if (q.fmt.kind == RG_FK_FLOAT && q.fmt.ebits >= 1 && q.fmt.bias != (1 << (q.fmt.ebits - 1)) - 1)
        jw_kint(out, "bias", q.fmt.bias);
    jw_kint(out, "elem_bits", q.fmt.elem_bits);
    jw_kstr(out, "rounding", rg_round_name(q.round));
    jw_kbool(out, "saturate", q.saturate);
    jw_kstr(out, "scaling", q.fmt.scaling != RG_SCALE_NONE ? "block" : rg_tscale_name(q.tscale));
    if (q.fmt.scaling == RG_SCALE_MX)
        jw_kstr(out, "scale_mode", rg_scale_mode_name(q.smode));
    if (q.fmt.scaling != RG_SCALE_NONE)
        jw_kint(out, "block", q.block);
    write_seed(out, "seed", q.seed);
    jw_kint(out, "n", n);
    jw_key(out, "source");
    jw_obj_begin(out);
    if (synthetic) {
        jw_kstr(out, "dist", rg_dist_name(d.kind));
        if (d.kind == RG_DIST_STUDENT_T)
            jw_kint(out, "dof", d.dof);
        if (d.kind == RG_DIST_ACTIVATIONS || d.kind == RG_DIST_KV)
            jw_kint(out, "cols", d.cols);
        if (d.kind == RG_DIST_ACTIVATIONS) {
            jw_knum(out, "outlier_frac", d.outlier_frac);
            jw_knum(out, "outlier_scale", d.outlier_scale);
        }
    } else {
        jw_kstr(out, "input", arr ? "data" : "file");
    }
    jw_obj_end(out);
    jw_knum(out, "bits_per_element", st.bits_per_element);
    write_metrics(out, &m);
    jw_kint(out, "kl_rows", m.rows);
    jw_kint(out, "n_nonfinite", m.n_nonfinite);
    if (c.scheme != RG_SCHEME_NONE) {
        jw_key(out, "scheme");
        jw_obj_begin(out);
        jw_kstr(out, "name", rg_scheme_name(c.scheme));
        jw_kint(out, "cols", c.cols);
        if (c.scheme == RG_SCHEME_OUTLIERS) {
            jw_knum(out, "threshold", c.threshold);
            jw_kint(out, "outlier_cols", st.outlier_cols);
        }
        if (c.scheme == RG_SCHEME_KV_KEYS || c.scheme == RG_SCHEME_KV_VALUES)
            jw_kint(out, "window_rows", st.window_rows);
        jw_obj_end(out);
    }
    if (want_entropy) {
        jw_key(out, "entropy");
        if (ent_rc < 0) {
            jw_null(out);
        } else {
            jw_obj_begin(out);
            jw_kint(out, "exponent_bits", ent.exponent_bits);
            jw_knum(out, "exponent_entropy", ent.exponent_entropy);
            jw_knum(out, "exponent_saving_bits", ent.exponent_bits - ent.exponent_entropy);
            jw_kint(out, "code_bits", ent.code_bits);
            jw_knum(out, "code_entropy", ent.code_entropy);
            jw_knum(out, "saving_bits", ent.saving_bits);
            jw_obj_end(out);
        }
    }
    jw_obj_end(out);
    rc = 0;
out:
    free(x);
    free(y);
    return rc;
}

/* ---- recipes (recipe.h) ----------------------------------------------------- */

static const char *const recipe_keys[] = {"recipe",       "dist",          "n",   "seed", "cols", "dof",
                                          "outlier_frac", "outlier_scale", "data"};

/* A request with "recipe": the tensor (data, or a synthetic dist) as rows of
 * `cols`, quantized by the recipe, compared in the original basis (a
 * rotation is undone before the metrics). */
static int recipe_run(const cJSON *req, const float *data, int64_t n, int nthreads, int64_t max_n, jw *out,
                      rg_err *err) {
    float *x = NULL, *y = NULL;
    rg_recipe r;
    rg_dist d;
    const char *spec = NULL;
    uint64_t seed = 0;
    int rc = check_keys(req, recipe_keys, sizeof recipe_keys / sizeof recipe_keys[0], "", err);
    if (rc < 0 || (rc = get_str(req, "recipe", &spec, err)) < 0 ||
        (rc = get_seed(req, "seed", &seed, err)) < 0)
        return rc;
    if ((rc = rg_recipe_parse(spec, &r, "recipe", err)) < 0)
        return rc;
    const cJSON *arr = NULL;
    int dk = RG_DIST_ACTIVATIONS;
    bool synthetic = false;
    if ((rc = get_source(req, data, true, &arr, &dk, &synthetic, err)) < 0)
        return rc;
    rg_dist_init(&d, (rg_dist_kind)dk, seed);
    int64_t cols = 0, dof = d.dof;
    if ((rc = get_i64(req, "cols", 1, MAX_N, &cols, err)) < 0 ||
        (rc = get_i64(req, "dof", 1, 64, &dof, err)) < 0 ||
        (rc = get_f64(req, "outlier_frac", 0, 1, &d.outlier_frac, err)) < 0 ||
        (rc = get_f64(req, "outlier_scale", 1e-30, 1e30, &d.outlier_scale, err)) < 0)
        return rc;
    d.dof = (int)dof;
    if (arr) {
        if (data)
            return rg_err_set(err, RG_EINVAL, "data", "data given twice");
        if (!cJSON_IsArray(arr))
            return rg_err_set(err, RG_ETYPE, "data", "must be an array of numbers");
        n = cJSON_GetArraySize(arr);
        if (n < 1 || n > MAX_DATA)
            return rg_err_set(err, RG_ERANGE, "data", "must hold 1..%d numbers", MAX_DATA);
    }
    if (synthetic) {
        n = 1 << 20;
        if ((rc = get_i64(req, "n", 1, max_n, &n, err)) < 0)
            return rc;
    }
    if (cols <= 0)
        cols = synthetic ? 4096 : n;
    d.cols = cols;
    if (n % cols != 0)
        return rg_err_set(err, RG_EINVAL, "cols", "%" PRId64 " elements are not whole rows of %" PRId64, n,
                          cols);
    int64_t rows = n / cols;
    if ((rc = rg_recipe_check(&r, rows, cols, "recipe", err)) < 0)
        return rc;
    if ((rc = input_buffers(&data, arr, &d, n, nthreads, &x, &y, err)) < 0)
        goto out;
    if ((rc = rg_recipe_qdq(&r, data, y, rows, cols, nthreads, err)) < 0 ||
        (rc = rg_recipe_unrotate(&r, y, y, rows, cols, nthreads)) < 0)
        goto out;
    rg_metrics m;
    if ((rc = rg_metrics_compute(data, y, n, cols, nthreads, &m)) < 0) {
        rg_err_set(err, rc, "n", "out of memory computing metrics");
        goto out;
    }
    jw_obj_begin(out);
    codec_recipe_write(out, &r);
    jw_kint(out, "n", n);
    jw_kint(out, "rows", rows);
    jw_kint(out, "cols", cols);
    jw_key(out, "source");
    jw_obj_begin(out);
    if (synthetic) {
        jw_kstr(out, "dist", rg_dist_name(d.kind));
        write_seed(out, "seed", seed);
    } else {
        jw_kstr(out, "input", arr ? "data" : "file");
    }
    jw_obj_end(out);
    jw_knum(out, "bits_per_element", rg_recipe_bits(&r, rows, cols));
    write_metrics(out, &m);
    jw_kint(out, "n_nonfinite", m.n_nonfinite);
    jw_obj_end(out);
    rc = 0;
out:
    free(x);
    free(y);
    return rc;
}

void codec_recipe_write(jw *w, const rg_recipe *r) {
    static const char *const scale_names[] = {"fp32", "pow2", "e8m0", "e4m3", "ue5m3"};
    jw_key(w, "recipe");
    jw_obj_begin(w);
    jw_kstr(w, "name", r->name);
    jw_kstr(w, "elem", r->elem_name);
    char blk[32];
    snprintf(blk, sizeof blk, "%dx%d", r->br, r->bc);
    jw_kstr(w, "block", blk);
    jw_kstr(w, "scale", scale_names[r->scale]);
    if (r->scale == RG_RSCALE_E8M0)
        jw_kstr(w, "scale_mode", rg_scale_mode_name(r->smode));
    jw_kbool(w, "tensor_scale", r->tensor_scale);
    jw_kbool(w, "four_over_six", r->four_six);
    jw_kbool(w, "asym", r->asym);
    jw_kstr(w, "rounding", rg_round_name(r->round));
    if (r->round == RG_ROUND_SR)
        write_seed(w, "seed", r->seed);
    jw_kint(w, "rotate", r->rotate);
    if (r->rotate > 1)
        write_seed(w, "rotate_seed", r->rotate_seed);
    jw_kint(w, "residual", r->residual);
    jw_obj_end(w);
}

void codec_recipes_write(jw *w) {
    jw_arr_begin(w);
    for (int i = 0; i < rg_recipe_count(); i++) {
        rg_recipe r;
        if (rg_recipe_parse(rg_recipe_preset_name(i), &r, "recipe", NULL) < 0)
            continue;
        jw_obj_begin(w);
        codec_recipe_write(w, &r);
        jw_kstr(w, "source", rg_recipe_preset_source(i));
        jw_obj_end(w);
    }
    jw_arr_end(w);
}

int codec_quantize_run(const cJSON *req, const float *data, int64_t n, int nthreads, jw *out, rg_err *err) {
    return quantize_run(req, data, n, nthreads, MAX_N, out, err);
}

int codec_quantize_json(const cJSON *req, jw *out, rg_err *err) {
    return quantize_run(req, NULL, 0, 1, MAX_N_HTTP, out, err);
}

/* ---- quality of a spec's formats ---------------------------------------- */

typedef struct qcache_entry {
    bool used;
    int format;
    char recipe[RG_RECIPE_TEXT_MAX]; /* "" for a format */
    int dist;
    int64_t n;
    uint64_t seed;
    rg_metrics m;
    double bits;
} qcache_entry;

#define QCACHE_SIZE 256 /* formats x classes x settings a sweep touches */
static qcache_entry qcache[QCACHE_SIZE];
static unsigned qcache_next;
static pthread_mutex_t qcache_lock = PTHREAD_MUTEX_INITIALIZER;

static int qcache_get(int format, const char *recipe, int dist, int64_t n, uint64_t seed, rg_metrics *m,
                      double *bits) {
    int hit = 0;
    pthread_mutex_lock(&qcache_lock);
    for (int i = 0; i < QCACHE_SIZE; i++) {
        const qcache_entry *e = &qcache[i];
        if (e->used && e->format == format && e->dist == dist && e->n == n && e->seed == seed &&
            strcmp(e->recipe, recipe ? recipe : "") == 0) {
            *m = e->m;
            *bits = e->bits;
            hit = 1;
            break;
        }
    }
    pthread_mutex_unlock(&qcache_lock);
    return hit;
}

static void qcache_put(int format, const char *recipe, int dist, int64_t n, uint64_t seed,
                       const rg_metrics *m, double bits) {
    pthread_mutex_lock(&qcache_lock);
    qcache_entry *e = &qcache[qcache_next++ % QCACHE_SIZE];
    e->used = true;
    e->format = format;
    snprintf(e->recipe, sizeof e->recipe, "%s", recipe ? recipe : "");
    e->dist = dist;
    e->n = n;
    e->seed = seed;
    e->m = *m;
    e->bits = bits;
    pthread_mutex_unlock(&qcache_lock);
}

/* Emulate one format on its class's tensor; 1 = unsupported (e8m0). */
static int quality_one(int format, int dist, int64_t n, uint64_t seed, rg_metrics *m, double *bits) {
    float *x = NULL, *y = NULL;
    int rc = 0;
    if (qcache_get(format, NULL, dist, n, seed, m, bits))
        return 0;
    rg_quant q;
    const rg_format *f = rg_format_get(format);
    if (!f)
        return RG_EINVAL;
    if (rg_quant_init(&q, f, NULL) < 0)
        return 1;
    rg_dist d;
    rg_dist_init(&d, (rg_dist_kind)dist, seed);
    d.dof = 8;
    d.cols = dist == RG_DIST_KV ? 128 : 4096;
    x = malloc((size_t)n * sizeof *x);
    y = malloc((size_t)n * sizeof *y);
    if (!x || !y) {
        rc = RG_ENOMEM;
        goto out;
    }
    if ((rc = rg_dist_fill(&d, x, n, 0, 1)) < 0 || (rc = rg_quant_qdq(&q, x, y, n, 0, 1)) < 0 ||
        (rc = rg_metrics_compute(x, y, n, d.cols, 1, m)) < 0)
        goto out;
    *bits = rg_quant_bits(&q, n);
    qcache_put(format, NULL, dist, n, seed, m, *bits);
out:
    free(x);
    free(y);
    return rc;
}

/* The emulated tensor of a recipe: the class's width, halved until the
 * recipe's blocks (and rotation, and residual rows) tile n elements; 0
 * when no width of at least 16 does. */
static int64_t recipe_cols(const rg_recipe *r, int64_t n, int64_t cols0) {
    for (int64_t c = cols0; c >= 16; c /= 2)
        if (n % c == 0 && rg_recipe_check(r, n / c, c, "quality", NULL) == 0)
            return c;
    return 0;
}

/* quality_one for a class quantized by a recipe (recipe.h): the same
 * synthetic tensor as rows x cols, rg_recipe_qdq, compared in the original
 * basis (a rotation is undone). Returns 0, 1 (no tensor shape fits the
 * recipe's blocks) or a negative status. */
static int quality_recipe(const rg_tensor_recipe *tr, int dist, int64_t n, uint64_t seed, rg_metrics *m,
                          double *bits) {
    float *x = NULL, *y = NULL;
    int rc = 0;
    if (qcache_get(-1, tr->text, dist, n, seed, m, bits))
        return 0;
    rg_dist d;
    rg_dist_init(&d, (rg_dist_kind)dist, seed);
    d.dof = 8;
    d.cols = dist == RG_DIST_KV ? 128 : 4096;
    int64_t cols = recipe_cols(&tr->r, n, d.cols);
    if (cols == 0)
        return 1;
    x = malloc((size_t)n * sizeof *x);
    y = malloc((size_t)n * sizeof *y);
    if (!x || !y) {
        rc = RG_ENOMEM;
        goto out;
    }
    if ((rc = rg_dist_fill(&d, x, n, 0, 1)) < 0 ||
        (rc = rg_recipe_qdq(&tr->r, x, y, n / cols, cols, 1, NULL)) < 0 ||
        (rc = rg_recipe_unrotate(&tr->r, y, y, n / cols, cols, 1)) < 0 ||
        (rc = rg_metrics_compute(x, y, n, d.cols, 1, m)) < 0)
        goto out;
    *bits = rg_recipe_bits(&tr->r, n / cols, cols);
    qcache_put(-1, tr->text, dist, n, seed, m, *bits);
out:
    free(x);
    free(y);
    return rc;
}

static double matmul_nsr(double a, double b) { return a + b + a * b; }

static int quality_phase(jw *w, const cJSON *opts, const rg_numerics *num, int phase, const rg_spec *spec,
                         rg_err *err);

int codec_quality_write(jw *w, const cJSON *opts, const rg_numerics *num, rg_err *err) {
    return quality_phase(w, opts, num, -1, NULL, err);
}

int codec_quality_write_phase(jw *w, const cJSON *opts, const rg_numerics *num, int phase, rg_err *err) {
    return quality_phase(w, opts, num, phase, NULL, err);
}

int codec_quality_write_spec(jw *w, const cJSON *opts, const rg_spec *spec, rg_err *err) {
    return quality_phase(w, opts, &spec->numerics, (int)spec->phase, spec, err);
}

static int layers_write(jw *w, const cJSON *opts, const rg_spec *spec, uint64_t seed, rg_err *err);

static int quality_phase(jw *w, const cJSON *opts, const rg_numerics *num, int phase, const rg_spec *spec,
                         rg_err *err) {
    static const char *const keys[] = {"n", "seed", "dist", "layers", "recipes"};
    int64_t n = DEFAULT_N;
    uint64_t seed = 0;
    int dist = -1;
    int rc;
    if (opts && !cJSON_IsObject(opts) && !cJSON_IsTrue(opts))
        return rg_err_set(err, RG_ETYPE, "quality",
                          "must be true or an object {n, seed, dist, layers, recipes}");
    if (cJSON_IsObject(opts)) {
        if ((rc = check_keys(opts, keys, 5, "quality.", err)) < 0 ||
            (rc = get_i64(opts, "n", 1, 1 << 24, &n, err)) < 0 ||
            (rc = get_seed(opts, "seed", &seed, err)) < 0 ||
            (rc = get_enum(opts, "dist", rg_dist_find, &dist, "normal, laplace, student_t, activations, kv",
                           err)) < 0) {
            if (err) {
                char f[64];
                snprintf(f, sizeof f, "%.60s", err->field);
                snprintf(err->field, sizeof err->field, "quality.%s", f);
            }
            return rc;
        }
    }
    const struct {
        const char *name;
        int format;
        int dist;
    } cls[] = {{"weights", num->weights, RG_DIST_STUDENT_T}, /* indexed by rg_tclass */
               {"activations", num->activations, RG_DIST_ACTIVATIONS},
               {"kv_cache", num->kv_cache, RG_DIST_KV}};
    double nsr[3] = {0, 0, 0};
    jw_obj_begin(w);
    for (size_t i = 0; i < sizeof cls / sizeof cls[0]; i++) {
        const rg_format *f = rg_format_get(cls[i].format);
        const rg_tensor_recipe *tr = &num->recipes[i];
        int dk = dist >= 0 ? dist : cls[i].dist;
        jw_key(w, cls[i].name);
        if (!f && !tr->on) {
            jw_null(w);
            continue;
        }
        rg_metrics m;
        double bits = 0;
        rc = tr->on ? quality_recipe(tr, dk, n, seed, &m, &bits)
                    : quality_one(cls[i].format, dk, n, seed, &m, &bits);
        if (rc < 0) {
            jw_obj_end(w);
            return rg_err_set(err, rc, "quality", "cannot emulate %s: %s", tr->on ? tr->text : f->name,
                              rg_strerror(rc));
        }
        jw_obj_begin(w);
        if (tr->on)
            jw_kstr(w, "recipe", tr->text);
        else
            jw_kstr(w, "format", f->name);
        if (rc == 1) {
            jw_kbool(w, "supported", false);
            if (tr->on)
                jw_kstr(w, "reason", "no tensor of n elements is tiled by the recipe's blocks");
            jw_obj_end(w);
            continue;
        }
        jw_kstr(w, "dist", rg_dist_name(dk));
        jw_kint(w, "n", n);
        write_seed(w, "seed", seed);
        write_metrics(w, &m);
        jw_knum(w, "bits_per_element", bits);
        jw_obj_end(w);
        if (isfinite(m.sqnr_db))
            nsr[i] = pow(10.0, -m.sqnr_db / 10.0);
    }
    if (phase >= 0) { /* the loss a sweep stores as quality_loss (codec_quality_loss) */
        bool attn = phase == RG_PHASE_PREFILL || phase == RG_PHASE_DECODE;
        double lin = matmul_nsr(nsr[1], nsr[0]), att = attn ? matmul_nsr(nsr[1], nsr[2]) : 0.0;
        double loss = lin > att ? lin : att;
        jw_key(w, "matmul");
        jw_obj_begin(w);
        jw_knum(w, "linear_nsr", lin);
        if (attn)
            jw_knum(w, "attention_nsr", att);
        jw_knum(w, "quality_loss", loss);
        jw_knum(w, "quality_sqnr_db", loss > 0 ? -10.0 * log10(loss) : INFINITY);
        jw_kstr(w, "model",
                "output noise-to-signal of a matmul of independently quantized operands: "
                "nsr_a + nsr_b + nsr_a nsr_b; the loss is the worse of linear (activations x "
                "weights) and attention (activations x kv_cache)");
        jw_obj_end(w);
    }
    if (spec && (rc = layers_write(w, opts, spec, seed, err)) < 0) {
        jw_obj_end(w);
        return rc;
    }
    jw_obj_end(w);
    return 0;
}

/* ---- matmul quality at the model's layer shapes ------------------------ */

#define LAYER_M      16    /* token rows sampled */
#define LAYER_N      128   /* output columns sampled (a multiple of 16x16 and 128x128 blocks) */
#define LAYER_CTX    256   /* context tokens of the attention-score product */
#define LAYER_PV_CTX 32768 /* most context tokens the P V product samples */
#define LCACHE_LEN   64

/* How one operand is quantized: a recipe, or a spec format with
 * rg_quant_init's defaults (blocks along k), or not at all (no format). */
typedef struct opq {
    bool is_recipe;
    rg_recipe r;
    int format;
    char label[64];
} opq;

static int opq_init(opq *o, int format, const rg_tensor_recipe *spec_recipe, const cJSON *recipes,
                    const char *cls, rg_err *err) {
    memset(o, 0, sizeof *o);
    o->format = format;
    const cJSON *rs = recipes ? cJSON_GetObjectItemCaseSensitive(recipes, cls) : NULL;
    if (!rs && spec_recipe && spec_recipe->on) { /* the spec's numerics.recipes.<class> */
        o->r = spec_recipe->r;
        o->is_recipe = true;
        snprintf(o->label, sizeof o->label, "%.47s", spec_recipe->text);
        return 0;
    }
    if (rs) {
        char field[64];
        snprintf(field, sizeof field, "quality.recipes.%s", cls);
        if (!cJSON_IsString(rs))
            return rg_err_set(err, RG_ETYPE, field, "must be a recipe string (ridge recipes)");
        int rc = rg_recipe_parse(rs->valuestring, &o->r, field, err);
        if (rc < 0)
            return rc;
        o->is_recipe = true;
        snprintf(o->label, sizeof o->label, "%.47s", rs->valuestring);
        return 0;
    }
    const rg_format *f = rg_format_get(format);
    snprintf(o->label, sizeof o->label, "%s", f ? f->name : "fp32");
    return 0;
}

/* y = qdq(x) (rows x cols) on one thread; 1 when the layer's shape does
 * not fit a recipe's blocks (reason in err). */
static int opq_run(const opq *o, const float *x, float *y, int64_t rows, int64_t cols, rg_err *err) {
    if (o->is_recipe) {
        int rc = rg_recipe_check(&o->r, rows, cols, "recipe", err);
        if (rc < 0)
            return 1;
        return rg_recipe_qdq(&o->r, x, y, rows, cols, 1, err);
    }
    rg_quant q;
    const rg_format *f = rg_format_get(o->format);
    if (!f || rg_quant_init(&q, f, NULL) < 0) {
        memcpy(y, x, (size_t)(rows * cols) * sizeof *y);
        return 0;
    }
    return rg_quant_qdq(&q, x, y, rows * cols, 0, 1);
}

typedef struct lcache_entry {
    char key[192];
    rg_recipe_mm res;
    int rc; /* 0, or 1 for a shape the recipe cannot tile */
    char why[160];
} lcache_entry;

static lcache_entry lcache[LCACHE_LEN];
static unsigned lcache_next;
static pthread_mutex_t lcache_lock = PTHREAD_MUTEX_INITIALIZER;

/* P of the attention P V product: each row the softmax of N(0, 1) logits
 * (in double, rounded once to fp32). */
static void softmax_rows(float *p, int64_t rows, int64_t cols) {
    for (int64_t r = 0; r < rows; r++) {
        float *x = p + r * cols;
        double mx = -INFINITY, sum = 0.0;
        for (int64_t c = 0; c < cols; c++)
            mx = x[c] > mx ? x[c] : mx;
        for (int64_t c = 0; c < cols; c++)
            sum += exp((double)x[c] - mx);
        for (int64_t c = 0; c < cols; c++)
            x[c] = (float)(exp((double)x[c] - mx) / sum);
    }
}

/* out (cols x rows) = in (rows x cols) transposed. */
static void transpose(const float *in, float *out, int64_t rows, int64_t cols) {
    for (int64_t r = 0; r < rows; r++)
        for (int64_t c = 0; c < cols; c++)
            out[c * rows + r] = in[r * cols + c];
}

/* One layer type: A (LAYER_M x k, dist da) times B^T (n x k, dist db).
 * With `pv` (the attention P V product): A is softmax probabilities over k
 * context tokens and B is the value cache, generated and quantized as it is
 * stored (k tokens x n channels, so a per-token block runs along the
 * channels), then transposed to B^T. */
static int layer_one(const opq *qa, const opq *qb, int da, int db, int64_t k, int64_t n, uint64_t seed,
                     bool pv, rg_recipe_mm *res, char *why, size_t cap) {
    char key[192];
    snprintf(key, sizeof key, "%s|%s|%d|%d|%" PRId64 "|%" PRId64 "|%" PRIu64 "|%d", qa->label, qb->label, da,
             db, k, n, seed, (int)pv);
    pthread_mutex_lock(&lcache_lock);
    for (int i = 0; i < LCACHE_LEN; i++)
        if (strcmp(lcache[i].key, key) == 0) {
            *res = lcache[i].res;
            snprintf(why, cap, "%.150s", lcache[i].why);
            int rc = lcache[i].rc;
            pthread_mutex_unlock(&lcache_lock);
            return rc;
        }
    pthread_mutex_unlock(&lcache_lock);
    const int64_t m = LAYER_M;
    float *a = malloc((size_t)(m * k) * sizeof *a), *aq = malloc((size_t)(m * k) * sizeof *aq);
    float *b = malloc((size_t)(n * k) * sizeof *b), *bq = malloc((size_t)(n * k) * sizeof *bq);
    rg_err e = {0};
    int rc = RG_ENOMEM;
    why[0] = 0;
    memset(res, 0, sizeof *res);
    if (!a || !aq || !b || !bq)
        goto out;
    rg_dist d;
    rg_dist_init(&d, pv ? RG_DIST_NORMAL : (rg_dist_kind)da, seed);
    d.cols = k;
    if ((rc = rg_dist_fill(&d, a, m * k, 0, 1)) < 0)
        goto out;
    if (pv)
        softmax_rows(a, m, k);
    rg_dist_init(&d, (rg_dist_kind)db, seed + 1);
    d.dof = 8;
    d.cols = pv ? n : k;
    if (pv) {
        /* V and its quantized copy in the cache layout (k x n), then both as B^T */
        float *v = malloc((size_t)(n * k) * sizeof *v), *vq = malloc((size_t)(n * k) * sizeof *vq);
        rc = v && vq ? rg_dist_fill(&d, v, n * k, 0, 1) : RG_ENOMEM;
        if (rc == 0 && (rc = opq_run(qb, v, vq, k, n, &e)) == 0) {
            transpose(v, b, k, n);
            transpose(vq, bq, k, n);
        }
        free(v);
        free(vq);
    } else {
        rc = rg_dist_fill(&d, b, n * k, 0, 1);
        if (rc == 0)
            rc = opq_run(qb, b, bq, n, k, &e);
    }
    if (rc == 0)
        rc = opq_run(qa, a, aq, m, k, &e);
    if (rc != 0) {
        if (rc == 1)
            snprintf(why, cap, "%.150s", e.msg);
        goto out;
    }
    if ((rc = rg_matmul_error(a, aq, b, bq, m, k, n, NULL, 1, res)) < 0)
        goto out;
    res->a_bits = qa->is_recipe ? rg_recipe_bits(&qa->r, m, k) : 0.0;
    res->b_bits = qb->is_recipe ? (pv ? rg_recipe_bits(&qb->r, k, n) : rg_recipe_bits(&qb->r, n, k)) : 0.0;
    rc = 0;
out:
    if (rc >= 0) {
        pthread_mutex_lock(&lcache_lock);
        lcache_entry *c = &lcache[lcache_next++ % LCACHE_LEN];
        snprintf(c->key, sizeof c->key, "%s", key);
        c->res = *res;
        c->rc = rc;
        snprintf(c->why, sizeof c->why, "%.150s", why);
        pthread_mutex_unlock(&lcache_lock);
    }
    free(a);
    free(aq);
    free(b);
    free(bq);
    return rc;
}

/* "layers": for each matmul type of the model, the output error at its real
 * reduction length k, on LAYER_M token rows x LAYER_N output columns of
 * synthetic operands (activations with outlier channels x Laplace weights,
 * one logarithm per value where Student-t needs nine normals: the weight
 * matrix is 128 x k; queries x kv keys for attention scores). */
static int layers_write(jw *w, const cJSON *opts, const rg_spec *spec, uint64_t seed, rg_err *err) {
    bool want = true;
    const cJSON *recipes = NULL;
    int rc;
    if (cJSON_IsObject(opts)) {
        if ((rc = get_bool(opts, "layers", &want, err)) < 0) {
            snprintf(err->field, sizeof err->field, "quality.layers");
            return rc;
        }
        recipes = cJSON_GetObjectItemCaseSensitive(opts, "recipes");
        if (recipes && !cJSON_IsObject(recipes))
            return rg_err_set(err, RG_ETYPE, "quality.recipes",
                              "must be an object {weights, activations, kv_cache}");
        static const char *const rkeys[] = {"weights", "activations", "kv_cache"};
        if (recipes && (rc = check_keys(recipes, rkeys, 3, "quality.recipes.", err)) < 0) {
            if (err) {
                char f[64];
                snprintf(f, sizeof f, "%.60s", err->field);
                snprintf(err->field, sizeof err->field, "quality.recipes.%s", f);
            }
            return rc;
        }
    }
    if (!want)
        return 0;
    const rg_numerics *num = &spec->numerics;
    opq qw, qa, qk;
    if ((rc = opq_init(&qw, num->weights, &num->recipes[RG_TC_WEIGHTS], recipes, "weights", err)) < 0 ||
        (rc = opq_init(&qa, num->activations, &num->recipes[RG_TC_ACTIVATIONS], recipes, "activations",
                       err)) < 0 ||
        (rc = opq_init(&qk, num->kv_cache, &num->recipes[RG_TC_KV], recipes, "kv_cache", err)) < 0)
        return rc;
    rg_model_dims dm;
    rg_model_derive(&spec->model, &dm);
    const struct {
        const char *name;
        int64_t k, n;
        bool attn, pv;
    } ls[] = {{"attn_qkv", dm.d, dm.q_dim + dm.k_dim + dm.v_dim, false, false},
              {"attn_out", dm.attn_out_dim, dm.d, false, false},
              {"ffn_up", dm.d, dm.ffn_dim, false, false},
              {"ffn_down", dm.ffn_dim, dm.d, false, false},
              {"expert_up", dm.moe_in, dm.expert_ffn_dim, false, false},
              {"expert_down", dm.expert_ffn_dim, dm.moe_in, false, false},
              {"attn_scores", dm.qk_head_dim, spec->seq_len, true, false},
              {"attn_values", spec->seq_len, dm.v_head_dim, true, true}};
    jw_key(w, "layers");
    jw_obj_begin(w);
    for (size_t i = 0; i < sizeof ls / sizeof ls[0]; i++) {
        bool moe = strncmp(ls[i].name, "expert", 6) == 0;
        if ((moe && dm.moe_layers <= 0) ||
            (!moe && strncmp(ls[i].name, "ffn", 3) == 0 && dm.dense_layers <= 0) || ls[i].k < 1 ||
            ls[i].n < 1)
            continue;
        if (ls[i].attn && spec->phase == RG_PHASE_TRAIN && num->kv_cache < 0)
            continue;
        const opq *a = &qa, *b = ls[i].attn ? &qk : &qw;
        bool pv = ls[i].pv;
        int64_t n = pv ? ls[i].n : ls[i].attn ? LAYER_CTX : LAYER_N;
        int64_t k = pv && ls[i].k > LAYER_PV_CTX ? LAYER_PV_CTX : ls[i].k;
        rg_recipe_mm res;
        char why[160];
        /* Rotations cancel only when both operands rotate alike along k: a
         * layer whose operands differ is reported unsupported, with the
         * reason. The value cache rotates along its channels, not along
         * P V's reduction over tokens. */
        int ra = a->is_recipe ? a->r.rotate : 0, rb = b->is_recipe ? b->r.rotate : 0;
        uint64_t sa = a->is_recipe ? a->r.rotate_seed : 0, sb = b->is_recipe ? b->r.rotate_seed : 0;
        if (pv && (ra > 1 || rb > 1)) {
            snprintf(why, sizeof why,
                     "P V reduces over tokens: a rotation (of %.40s or %.40s) along channels does not cancel",
                     a->label, b->label);
            rc = 1;
        } else if ((ra > 1 || rb > 1) && (ra != rb || sa != sb)) {
            snprintf(why, sizeof why,
                     "%.47s and %.47s rotate differently: both operands need the same rotation", a->label,
                     b->label);
            rc = 1;
        } else {
            rc = layer_one(a, b, RG_DIST_ACTIVATIONS, ls[i].attn ? RG_DIST_KV : RG_DIST_LAPLACE, k, n, seed,
                           pv, &res, why, sizeof why);
        }
        if (rc < 0)
            return rg_err_set(err, rc, "quality", "cannot emulate the %s matmul: %s", ls[i].name,
                              rg_strerror(rc));
        jw_key(w, ls[i].name);
        jw_obj_begin(w);
        jw_kint(w, "k", ls[i].k);
        jw_kint(w, "n", ls[i].n);
        jw_kint(w, "m_sampled", LAYER_M);
        jw_kint(w, "n_sampled", n);
        if (k != ls[i].k)
            jw_kint(w, "k_sampled", k);
        jw_kstr(w, "a", a->label);
        jw_kstr(w, "b", b->label);
        if (rc == 1) {
            jw_kbool(w, "supported", false);
            jw_kstr(w, "reason", why);
        } else {
            jw_knum(w, "sqnr_db", res.sqnr_db);
            jw_knum(w, "rel_error", res.rel_error);
            jw_knum(w, "max_abs_error", res.max_abs_error);
        }
        jw_obj_end(w);
    }
    jw_kstr(
        w, "model",
        "output of Aq Bq^T against the float64 product A B^T at each matmul's real reduction length k, on "
        "16 token rows x 128 output columns (256 context tokens for attention scores) of synthetic "
        "operands: activations with outlier channels x Laplace weights, queries x kv-cache keys; "
        "attn_values: softmax probabilities of N(0,1) logits over the context (at most 32768 tokens "
        "sampled) x the value cache, quantized per token as it is stored");
    jw_obj_end(w);
    return 0;
}

/* ---- format list ---------------------------------------------------------- */

static const char *const kind_names[] = {"float", "int", "scale"};
static const char *const nan_mode_names[] = {"ieee", "single", "none", "all_ones"};
static const char *const scaling_names[] = {"none", "mx", "nvfp4", "group_sym", "group_asym"};

static void write_names(jw *w, const char *key, const char *(*name)(int), int count) {
    jw_key(w, key);
    jw_arr_begin(w);
    for (int i = 0; i < count; i++)
        jw_str(w, name(i));
    jw_arr_end(w);
}

void codec_formats_write(jw *w) {
    jw_obj_begin(w);
    jw_key(w, "formats");
    jw_arr_begin(w);
    for (int i = 0; i < rg_format_count(); i++) {
        const rg_format *f = rg_format_get(i);
        rg_elem e;
        int erc = rg_elem_init(&e, f);
        jw_obj_begin(w);
        jw_kstr(w, "name", f->name);
        jw_kstr(w, "kind", kind_names[f->kind]);
        jw_kint(w, "ebits", f->ebits);
        jw_kint(w, "mbits", f->mbits);
        jw_kint(w, "bias", f->bias);
        jw_kstr(w, "nan", nan_mode_names[f->nan_mode]);
        jw_kbool(w, "subnormals", f->subnormals);
        jw_kstr(w, "scaling", scaling_names[f->scaling]);
        jw_kint(w, "block", f->block);
        jw_kint(w, "elem_bits", f->elem_bits);
        jw_knum(w, "bits_per_element", f->bits_per_element);
        jw_kstr(w, "math", rg_math_name(f->math));
        if (erc == 0) {
            jw_knum(w, "max", e.maxval);
            jw_knum(w, "min_normal", e.minnorm);
            if (!e.is_scale)
                jw_knum(w, "min_subnormal", ldexp(1.0, e.qmin));
            jw_kint(w, "emax", e.emax);
        }
        jw_kbool(w, "saturate", !f->ieee_overflow);
        jw_kstr(w, "description", f->description);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    write_names(w, "rounding", rg_round_name, 4);
    write_names(w, "scale_modes", rg_scale_mode_name, 4);
    write_names(w, "scaling", rg_tscale_name, 3);
    write_names(w, "distributions", rg_dist_name, 5);
    write_names(w, "schemes", rg_scheme_name, 5);
    jw_key(w, "recipes"); /* the presets numerics.recipes and --recipe take (ridge recipes) */
    jw_arr_begin(w);
    for (int i = 0; i < rg_recipe_count(); i++) {
        jw_obj_begin(w);
        jw_kstr(w, "name", rg_recipe_preset_name(i));
        jw_kstr(w, "source", rg_recipe_preset_source(i));
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_key(w, "user_formats");
    jw_str(w, "eXmY (IEEE-like), eXmYfn (no Inf, one NaN), eXmYfinite (no Inf/NaN); 1<=X<=8, 0<=Y<=23");
    jw_obj_end(w);
}

/* nsr of one class: its recipe's when one is named, else its format's; 0
 * unquantized or unsupported (a scale-only format). */
static int class_nsr(const rg_numerics *num, rg_tclass c, int format, int dist, double *nsr) {
    *nsr = 0.0;
    const rg_tensor_recipe *tr = &num->recipes[c];
    if (!rg_format_get(format) && !tr->on)
        return 0;
    rg_metrics m;
    double bits = 0;
    int rc = tr->on ? quality_recipe(tr, dist, DEFAULT_N, 0, &m, &bits)
                    : quality_one(format, dist, DEFAULT_N, 0, &m, &bits);
    if (rc < 0)
        return rc;
    if (rc == 0 && isfinite(m.sqnr_db))
        *nsr = pow(10.0, -m.sqnr_db / 10.0);
    return 0;
}

int codec_quality_loss(const rg_numerics *num, rg_phase phase, double *nsr) {
    double w = 0, a = 0, kv = 0;
    int rc = class_nsr(num, RG_TC_WEIGHTS, num->weights, RG_DIST_STUDENT_T, &w);
    if (rc == 0)
        rc = class_nsr(num, RG_TC_ACTIVATIONS, num->activations, RG_DIST_ACTIVATIONS, &a);
    bool attn = phase == RG_PHASE_PREFILL || phase == RG_PHASE_DECODE;
    if (rc == 0 && attn)
        rc = class_nsr(num, RG_TC_KV, num->kv_cache, RG_DIST_KV, &kv);
    if (rc < 0)
        return rc;
    double lin = matmul_nsr(a, w), att = attn ? matmul_nsr(a, kv) : 0.0;
    *nsr = lin > att ? lin : att;
    return 0;
}
