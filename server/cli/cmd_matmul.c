/* cmd_matmul.c: `ridge matmul`, a matrix product through the unit models.
 *
 *   ridge matmul --a A.npy --b B.npy --a-format F --b-format G
 *                [--acc exact|fp32|FMT] [--align-bits N|exact] [--out C.npy] [--threads T]
 *
 * Reads two float32 .npy matrices (m x k and k x n, C order), multiplies
 * them with rg_matmul (engine/matmul.h: block scales along k, block dot
 * products or MAC chains, the chosen accumulator) and prints JSON with the
 * shapes, formats, accumulator, window, and the output's error against two
 * float64 products: of the unquantized inputs (what the whole numerics
 * choice costs) and of the dequantized inputs (what the accumulator and
 * window cost on their own). Bad input exits 2 naming the option.
 *
 *   ridge matmul --a A.npy --b B.npy --a-recipe R --b-recipe S [--out C.npy] [--threads T]
 *   ridge matmul --a X.npy --b model.safetensors --b-tensor NAME --a-recipe R --b-recipe S
 *
 * With recipes (recipe.h) the operands are quantized along k by their
 * recipes (B's on B^T; a safetensors --b tensor is B^T as stored) and the
 * error of the product of the dequantized operands is reported
 * (rg_recipe_matmul). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <omp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "jsonw.h"
#include "matmul.h"
#include "metrics.h"
#include "npy.h"
#include "codec_numerics.h"
#include "recipe.h"
#include "safetensors.h"

typedef struct mm_args {
    const char *a, *b, *a_format, *b_format, *acc, *align, *out, *threads, *a_recipe, *b_recipe, *a_tensor,
        *b_tensor;
} mm_args;

static const struct mm_opt {
    const char *flag;
    size_t off;
    const char *help;
} mm_opts[] = {
    {"--a", offsetof(mm_args, a), "A.npy: m x k float32 (required)"},
    {"--b", offsetof(mm_args, b), "B.npy: k x n float32 (required)"},
    {"--a-format", offsetof(mm_args, a_format),
     "A's format: mxfp8_e4m3 ... mxfp4, mxint8, nvfp4, fp8_e4m3, bf16 ..."},
    {"--b-format", offsetof(mm_args, b_format),
     "B's format (the same as A's: a unit takes one operand format)"},
    {"--acc", offsetof(mm_args, acc), "exact (default), fp32, or a plain float format such as bf16 or fp16"},
    {"--align-bits", offsetof(mm_args, align),
     "block formats: product alignment window 1..64, or exact (default)"},
    {"--out", offsetof(mm_args, out), "write C (m x n float32) to this .npy"},
    {"--threads", offsetof(mm_args, threads), "OpenMP threads (default: all)"},
    {"--a-recipe", offsetof(mm_args, a_recipe),
     "instead of the formats: A's recipe (ridge recipes), blocks along k, e.g. fp8_1x128"},
    {"--b-recipe", offsetof(mm_args, b_recipe),
     "B's recipe, applied to B^T (blocks RxC are n x k tiles), e.g. fp8_128x128, nvfp4_16x16"},
    {"--a-tensor", offsetof(mm_args, a_tensor),
     "with recipes: --a is a .safetensors file, A (m x k) is this tensor"},
    {"--b-tensor", offsetof(mm_args, b_tensor),
     "with recipes: --b is a .safetensors file and this tensor is B^T (n x k), as PyTorch stores a Linear "
     "weight"},
};
#define MM_NOPTS (sizeof mm_opts / sizeof mm_opts[0])

static void mm_usage(FILE *f) {
    fprintf(f, "usage: ridge matmul --a A.npy --b B.npy --a-format F --b-format G [options]\n");
    for (size_t i = 0; i < MM_NOPTS; i++)
        fprintf(f, "  %-14s %s\n", mm_opts[i].flag, mm_opts[i].help);
}

/* Fill `x` from argv. Returns 0, 1 for --help, or 2 (message printed). */
/* The four operand options a mode needs: 0, or 2 after naming the first
 * one missing. */
static int require(const char *const vals[4], const char *const names[4]) {
    for (int r = 0; r < 4; r++)
        if (!vals[r]) {
            fprintf(stderr, "ridge matmul: %s: required\n", names[r]);
            return 2;
        }
    return 0;
}

static int mm_parse(int argc, char **argv, mm_args *x) {
    memset(x, 0, sizeof *x);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            mm_usage(stdout);
            return 1;
        }
        size_t j = 0;
        while (j < MM_NOPTS && strcmp(argv[i], mm_opts[j].flag) != 0)
            j++;
        if (j == MM_NOPTS) {
            fprintf(stderr, "ridge matmul: unknown option '%s' (try --help)\n", argv[i]);
            return 2;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "ridge matmul: %s: needs a value\n", argv[i]);
            return 2;
        }
        *(const char **)((char *)x + mm_opts[j].off) = argv[++i];
    }
    if (x->a_recipe || x->b_recipe) {
        if (x->a_format || x->b_format || x->acc || x->align) {
            fprintf(stderr, "ridge matmul: %s: recipes replace --a-format/--b-format/--acc/--align-bits\n",
                    x->a_recipe ? "--a-recipe" : "--b-recipe");
            return 2;
        }
        const char *rq[] = {x->a, x->b, x->a_recipe, x->b_recipe};
        return require(rq, (const char *[]){"--a", "--b", "--a-recipe", "--b-recipe"});
    }
    if (x->a_tensor || x->b_tensor) {
        fprintf(stderr, "ridge matmul: %s: safetensors operands go with --a-recipe/--b-recipe\n",
                x->a_tensor ? "--a-tensor" : "--b-tensor");
        return 2;
    }
    const char *req[] = {x->a, x->b, x->a_format, x->b_format};
    return require(req, (const char *[]){"--a", "--b", "--a-format", "--b-format"});
}

/* A whole number in [lo, hi]; returns 0 or -1. */
static int parse_int_in(const char *s, long lo, long hi, long *v) {
    char *end = NULL;
    errno = 0;
    long x = strtol(s, &end, 10);
    if (errno || end == s || *end || x < lo || x > hi)
        return -1;
    *v = x;
    return 0;
}

/* Read a 2-D float32 .npy into floats the caller frees. NULL with a message
 * (and *status: 2 bad input, 1 out of memory) on failure. */
static float *load_npy(const char *flag, const char *path, int64_t *rows, int64_t *cols, int *status) {
    size_t len = 0;
    float *x = NULL;
    const char *why = NULL;
    npy_info ni;
    *status = 2;
    unsigned char *raw = (unsigned char *)cli_read_file(path, &len);
    if (!raw) {
        fprintf(stderr, "ridge matmul: %s: cannot read '%s': %s\n", flag, path, strerror(errno));
        return NULL;
    }
    if (npy_parse(raw, len, &ni, &why) < 0) {
        fprintf(stderr, "ridge matmul: %s: '%s': %s\n", flag, path, why);
        goto out;
    }
    if (ni.dtype != 'f' || ni.ndim != 2 || ni.count < 1) {
        fprintf(stderr, "ridge matmul: %s: '%s' must be a non-empty 2-D float32 array ('<f4'), got %d-D %s\n",
                flag, path, ni.ndim, ni.dtype == 'f' ? "float32" : (ni.dtype == 'd' ? "float64" : "float16"));
        goto out;
    }
    if ((size_t)ni.count * 4 != len - ni.offset) {
        fprintf(stderr,
                "ridge matmul: %s: '%s': shape says %" PRId64 " values, file holds %zu bytes of data\n", flag,
                path, ni.count, len - ni.offset);
        goto out;
    }
    x = malloc((size_t)ni.count * sizeof *x);
    if (!x) {
        fprintf(stderr, "ridge matmul: out of memory\n");
        *status = 1;
        goto out;
    }
    for (int64_t i = 0; i < ni.count; i++) { /* little-endian bytes, any alignment */
        const unsigned char *p = raw + ni.offset + 4 * (size_t)i;
        x[i] = rg_f32_from_bits((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                                (uint32_t)p[3] << 24);
    }
    *rows = ni.shape[0];
    *cols = ni.shape[1];
    *status = 0;
out:
    free(raw);
    return x;
}

/* A 2-D tensor `name` of the .safetensors file `path` as floats the caller
 * frees. NULL with a message (and *status: 2 bad input, 1 out of memory). */
static float *load_st(const char *flag, const char *path, const char *name, int64_t *rows, int64_t *cols,
                      int *status) {
    size_t len = 0;
    float *x = NULL;
    char why[512];
    st_file f;
    *status = 2;
    unsigned char *raw = (unsigned char *)cli_read_file(path, &len);
    if (!raw) {
        fprintf(stderr, "ridge matmul: %s: cannot read '%s': %s\n", flag, path, strerror(errno));
        return NULL;
    }
    if (st_parse(raw, len, &f, why, sizeof why) < 0) {
        fprintf(stderr, "ridge matmul: %s: '%s': %s\n", flag, path, why);
        free(raw);
        return NULL;
    }
    const st_tensor *t = st_find(&f, name);
    if (!t) {
        fprintf(stderr, "ridge matmul: %s-tensor: '%s' is not in '%s'\n", flag, name, path);
        goto out;
    }
    if (t->ndim != 2 || t->count < 1) {
        fprintf(stderr,
                "ridge matmul: %s-tensor: '%s' must be a non-empty 2-D tensor, it has %d dimensions\n", flag,
                name, t->ndim);
        goto out;
    }
    x = malloc((size_t)t->count * sizeof *x);
    if (!x) {
        fprintf(stderr, "ridge matmul: out of memory\n");
        *status = 1;
        goto out;
    }
    if (st_read_f32(raw, &f, t, x, why, sizeof why) < 0) {
        fprintf(stderr, "ridge matmul: %s-tensor: %s\n", flag, why);
        free(x);
        x = NULL;
        goto out;
    }
    *rows = t->shape[0];
    *cols = t->shape[1];
    *status = 0;
out:
    st_free(&f);
    free(raw);
    return x;
}

/* c[i][j] = sum_t a[i][t] * bt[j][t] in float64, t in order. */
static void ref_f64(const double *a, const double *bt, int64_t m, int64_t k, int64_t n, double *c) {
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            double s = 0.0;
            for (int64_t t = 0; t < k; t++)
                s += a[i * k + t] * bt[j * k + t];
            c[i * n + j] = s;
        }
}

/* The error of c against a float64 reference: SQNR and mean relative error
 * from metrics.h (on the reference rounded to fp32, which is within half an
 * fp32 ulp of it), the max relative error against the float64 value. */
static int write_error(jw *w, const char *key, const double *ref, const float *c, int64_t m, int64_t n,
                       int nth) {
    int64_t len = m * n;
    float *rf = malloc((size_t)len * sizeof *rf);
    if (!rf)
        return RG_ENOMEM;
    double maxrel = 0.0;
    for (int64_t i = 0; i < len; i++) {
        rf[i] = (float)ref[i];
        if (isfinite(ref[i]) && isfinite(c[i]) && ref[i] != 0.0) {
            double r = fabs((double)c[i] - ref[i]) / fabs(ref[i]);
            maxrel = r > maxrel ? r : maxrel;
        }
    }
    rg_metrics met;
    int rc = rg_metrics_compute(rf, c, len, n, nth, &met);
    free(rf);
    if (rc < 0)
        return rc;
    jw_key(w, key);
    jw_obj_begin(w);
    jw_knum(w, "sqnr_db", met.sqnr_db);
    jw_knum(w, "max_rel_err", maxrel);
    jw_knum(w, "mean_rel_err", met.mean_rel_error);
    jw_kint(w, "n_nonfinite", met.n_nonfinite);
    jw_obj_end(w);
    return 0;
}

/* The two operands' shapes as JSON. */
static void write_operand(jw *w, const char *key, const char *fmt, int64_t r, int64_t c, float ts) {
    jw_key(w, key);
    jw_obj_begin(w);
    jw_kstr(w, "format", fmt);
    jw_key(w, "shape");
    jw_arr_begin(w);
    jw_int(w, r);
    jw_int(w, c);
    jw_arr_end(w);
    jw_knum(w, "tensor_scale", ts);
    jw_obj_end(w);
}

/* Everything a run holds, freed in one place. */
typedef struct mm_run {
    float *a, *b, *c;
    rg_matmul_operand qa, qb;
    int64_t m, k, kb, n;
} mm_run;

static void mm_run_free(mm_run *r) {
    free(r->a);
    free(r->b);
    free(r->c);
    rg_matmul_operand_free(&r->qa);
    rg_matmul_operand_free(&r->qb);
}

/* Set up the engine from the options. Returns 0 or 2 (message printed). */
static int mm_config(const mm_args *x, rg_matmul_cfg *cfg, int *align, int *nth) {
    rg_format fa, fb, facc;
    rg_err err = {0};
    long v = 0;
    *align = 0;
    *nth = 0;
    if (x->align && strcmp(x->align, "exact") != 0) {
        if (parse_int_in(x->align, 1, 64, &v) < 0) {
            fprintf(stderr, "ridge matmul: --align-bits: must be 1..64 (or exact), got '%s'\n", x->align);
            return 2;
        }
        *align = (int)v;
    }
    if (x->threads) {
        if (parse_int_in(x->threads, 1, 4096, &v) < 0) {
            fprintf(stderr, "ridge matmul: --threads: must be 1..4096, got '%s'\n", x->threads);
            return 2;
        }
        *nth = (int)v;
    }
    bool exact = !x->acc || strcmp(x->acc, "exact") == 0;
    if (rg_format_parse(x->a_format, &fa, "--a-format", &err) < 0 ||
        rg_format_parse(x->b_format, &fb, "--b-format", &err) < 0 ||
        (!exact && rg_format_parse(x->acc, &facc, "--acc", &err) < 0) ||
        rg_matmul_init(cfg, &fa, &fb, exact ? NULL : &facc, *align, &err) < 0) {
        fprintf(stderr, "ridge matmul: %s: %s\n", err.field, err.msg);
        return 2;
    }
    return 0;
}

/* Load, check shapes, quantize, multiply. Returns 0, 1 or 2. */
static int mm_compute(const mm_args *x, const rg_matmul_cfg *cfg, int nth, mm_run *r) {
    rg_err err = {0};
    int status = 0;
    r->a = load_npy("--a", x->a, &r->m, &r->k, &status);
    if (!r->a)
        return status;
    r->b = load_npy("--b", x->b, &r->kb, &r->n, &status);
    if (!r->b)
        return status;
    if (rg_matmul_check(cfg, r->m, r->k, r->kb, r->n, &err) < 0) {
        fprintf(stderr, "ridge matmul: %s: %s\n", err.field, err.msg);
        return 2;
    }
    r->c = malloc((size_t)(r->m * r->n) * sizeof *r->c);
    if (!r->c || rg_matmul_quantize(cfg, r->a, r->m, r->k, r->k, 1, nth, &r->qa) < 0 ||
        rg_matmul_quantize(cfg, r->b, r->n, r->k, 1, r->n, nth, &r->qb) < 0 ||
        rg_matmul_codes(cfg, &r->qa, &r->qb, r->c, nth) < 0) {
        fprintf(stderr, "ridge matmul: out of memory\n");
        return 1;
    }
    return 0;
}

/* Both float64 references and their error blocks. Returns 0 or 1. */
static int mm_report(const mm_run *r, const rg_matmul_cfg *cfg, int nth, jw *w) {
    int64_t m = r->m, k = r->k, n = r->n;
    double *da = malloc((size_t)(m * k) * sizeof *da), *dbt = malloc((size_t)(n * k) * sizeof *dbt);
    double *ref = malloc((size_t)(m * n) * sizeof *ref);
    int rc = RG_ENOMEM;
    if (!da || !dbt || !ref)
        goto out;
    for (int64_t i = 0; i < m * k; i++)
        da[i] = r->a[i];
    for (int64_t t = 0; t < k; t++)
        for (int64_t j = 0; j < n; j++)
            dbt[j * k + t] = r->b[t * n + j];
    ref_f64(da, dbt, m, k, n, ref);
    rc = write_error(w, "vs_float64", ref, r->c, m, n, nth);
    if (rc < 0)
        goto out;
    rg_matmul_operand_values(cfg, &r->qa, da);
    rg_matmul_operand_values(cfg, &r->qb, dbt);
    ref_f64(da, dbt, m, k, n, ref);
    rc = write_error(w, "vs_dequantized", ref, r->c, m, n, nth);
out:
    free(da);
    free(dbt);
    free(ref);
    return rc < 0 ? 1 : 0;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void write_recipe_operand(jw *w, const char *key, const rg_recipe *rc, int64_t r, int64_t c,
                                 double bits, double sqnr) {
    jw_key(w, key);
    jw_obj_begin(w);
    codec_recipe_write(w, rc);
    jw_key(w, "shape");
    jw_arr_begin(w);
    jw_int(w, r);
    jw_int(w, c);
    jw_arr_end(w);
    jw_knum(w, "bits_per_element", bits);
    jw_knum(w, "sqnr_db", sqnr);
    jw_obj_end(w);
}

/* `ridge matmul` with --a-recipe/--b-recipe: the output error of the
 * recipes (rg_recipe_matmul). Returns 0, 1 or 2. */
/* "c": {shape [m, n], path (with --out)}. */
static void write_c(jw *w, int64_t m, int64_t n, const char *path) {
    jw_key(w, "c");
    jw_obj_begin(w);
    jw_key(w, "shape");
    jw_arr_begin(w);
    jw_int(w, m);
    jw_int(w, n);
    jw_arr_end(w);
    if (path)
        jw_kstr(w, "path", path);
    jw_obj_end(w);
}

static int mm_recipes(const mm_args *x, jw *w) {
    rg_recipe ra, rb;
    rg_err err = {0};
    mm_run r;
    float *bt = NULL;
    long v = 0;
    int nth = 0, status = 2;
    memset(&r, 0, sizeof r);
    if (x->threads) {
        if (parse_int_in(x->threads, 1, 4096, &v) < 0) {
            fprintf(stderr, "ridge matmul: --threads: must be 1..4096, got '%s'\n", x->threads);
            return 2;
        }
        nth = (int)v;
    }
    if (rg_recipe_parse(x->a_recipe, &ra, "--a-recipe", &err) < 0 ||
        rg_recipe_parse(x->b_recipe, &rb, "--b-recipe", &err) < 0) {
        fprintf(stderr, "ridge matmul: %s: %s\n", err.field, err.msg);
        return 2;
    }
    r.a = x->a_tensor ? load_st("--a", x->a, x->a_tensor, &r.m, &r.k, &status)
                      : load_npy("--a", x->a, &r.m, &r.k, &status);
    if (!r.a)
        goto out;
    if (x->b_tensor)
        bt = load_st("--b", x->b, x->b_tensor, &r.n, &r.kb, &status); /* stored as B^T (n x k) */
    else
        r.b = load_npy("--b", x->b, &r.kb, &r.n, &status);
    if (!r.b && !bt)
        goto out;
    status = 2;
    if (r.kb != r.k) {
        fprintf(stderr, "ridge matmul: --b: B has %" PRId64 " rows (k), A has %" PRId64 " columns\n", r.kb,
                r.k);
        goto out;
    }
    status = 1;
    if (!bt) {
        bt = malloc((size_t)(r.n * r.k) * sizeof *bt);
        if (bt)
            for (int64_t t = 0; t < r.k; t++)
                for (int64_t j = 0; j < r.n; j++)
                    bt[j * r.k + t] = r.b[t * r.n + j];
    }
    r.c = malloc((size_t)(r.m * r.n) * sizeof *r.c);
    if (!bt || !r.c) {
        fprintf(stderr, "ridge matmul: out of memory\n");
        goto out;
    }
    rg_recipe_mm res;
    double t0 = now_s();
    int rc = rg_recipe_matmul(&ra, &rb, r.a, bt, r.m, r.k, r.n, r.c, nth, &res, &err);
    if (rc < 0) {
        const char *f = err.field;
        fprintf(stderr, "ridge matmul: %s%s: %s\n",
                strncmp(f, "a_recipe", 8) == 0 ? "--a-recipe" : "--b-recipe", f + 8, err.msg);
        status = rc == RG_ENOMEM ? 1 : 2;
        goto out;
    }
    double secs = now_s() - t0;
    if (x->out && npy_write_f32(x->out, r.c, r.m, r.n) < 0) {
        fprintf(stderr, "ridge matmul: --out: cannot write '%s': %s\n", x->out, strerror(errno));
        status = 2;
        goto out;
    }
    jw_obj_begin(w);
    write_recipe_operand(w, "a", &ra, r.m, r.k, res.a_bits, res.a_sqnr_db);
    write_recipe_operand(w, "b", &rb, r.kb, r.n, res.b_bits, res.b_sqnr_db);
    write_c(w, r.m, r.n, x->out);
    jw_kstr(w, "product", "dequantized operands, summed in float64");
    jw_kint(w, "threads", nth > 0 ? nth : omp_get_max_threads());
    jw_knum(w, "seconds", secs);
    jw_key(w, "vs_float64");
    jw_obj_begin(w);
    jw_knum(w, "sqnr_db", res.sqnr_db);
    jw_knum(w, "rel_error", res.rel_error);
    jw_knum(w, "max_abs_error", res.max_abs_error);
    jw_obj_end(w);
    jw_obj_end(w);
    status = 0;
out:
    free(bt);
    mm_run_free(&r);
    return status;
}

/* Print the finished JSON document on stdout: 0, or 1 out of memory. */
static int print_json(jw *w) {
    size_t len = 0;
    char *s = jw_take(w, &len);
    if (!s) {
        fprintf(stderr, "ridge matmul: out of memory\n");
        return 1;
    }
    fwrite(s, 1, len, stdout);
    fputc('\n', stdout);
    free(s);
    return 0;
}

int cmd_matmul(int argc, char **argv) {
    mm_args x;
    mm_run r;
    rg_matmul_cfg cfg;
    jw w;
    int align = 0, nth = 0;
    memset(&r, 0, sizeof r);
    jw_init(&w);
    int status = mm_parse(argc, argv, &x);
    if (status != 0) {
        status = status == 1 ? 0 : status;
        goto out;
    }
    if (x.a_recipe) {
        status = mm_recipes(&x, &w);
        if (status == 0)
            status = print_json(&w);
        goto out;
    }
    status = mm_config(&x, &cfg, &align, &nth);
    if (status != 0)
        goto out;
    double t0 = now_s();
    status = mm_compute(&x, &cfg, nth, &r);
    if (status != 0)
        goto out;
    double secs = now_s() - t0;
    if (x.out && npy_write_f32(x.out, r.c, r.m, r.n) < 0) {
        fprintf(stderr, "ridge matmul: --out: cannot write '%s': %s\n", x.out, strerror(errno));
        status = 2;
        goto out;
    }
    jw_obj_begin(&w);
    write_operand(&w, "a", x.a_format, r.m, r.k, r.qa.ts);
    write_operand(&w, "b", x.b_format, r.kb, r.n, r.qb.ts);
    write_c(&w, r.m, r.n, x.out);
    jw_kstr(&w, "acc", x.acc ? x.acc : "exact");
    jw_kint(&w, "align_bits", align);
    jw_kstr(&w, "alignment", align ? "truncated" : "exact");
    jw_kint(&w, "block", cfg.block);
    jw_kint(&w, "threads", nth > 0 ? nth : omp_get_max_threads());
    jw_knum(&w, "seconds", secs);
    status = mm_report(&r, &cfg, nth, &w);
    jw_obj_end(&w);
    if (status == 0)
        status = print_json(&w);
    else
        fprintf(stderr, "ridge matmul: out of memory\n");
out:
    jw_free(&w);
    mm_run_free(&r);
    return status;
}
