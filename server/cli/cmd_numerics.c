/* cmd_numerics.c: the numerics emulator on the command line.
 *   ridge formats                  list formats and their parameters (JSON)
 *   ridge qdq --format F [opts]    quantize-dequantize raw float32 stdin -> stdout
 *   ridge quantize --format F ...  emulate on a file or synthetic tensor, print metrics (JSON)
 *   ridge bench-numerics [--n N]   kernel throughput beside memcpy (JSON)
 * Options are turned into the same JSON request ridged accepts
 * (codec_numerics.h), so both front ends share one parser and one set of
 * errors; an error's field is mapped back to the option that caused it. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "codec_numerics.h"
#include "dist.h"
#include "fpconv.h"
#include "npy.h"
#include "safetensors.h"
#include "qdq_stream.h"
#include "quant.h"

enum { OPT_STR, OPT_INT, OPT_NUM, OPT_SEED, OPT_TRUE, OPT_FALSE };
enum { FOR_QDQ = 1, FOR_QUANTIZE = 2 };

/* CLI option -> request key. */
static const struct opt {
    const char *flag;
    const char *key;
    int type;
    int cmds;
} opts[] = {
    {"--format", "format", OPT_STR, FOR_QDQ | FOR_QUANTIZE},
    {"--ebits", "ebits", OPT_INT, FOR_QDQ | FOR_QUANTIZE},
    {"--mbits", "mbits", OPT_INT, FOR_QDQ | FOR_QUANTIZE},
    {"--bias", "bias", OPT_INT, FOR_QDQ | FOR_QUANTIZE},
    {"--nan", "nan", OPT_STR, FOR_QDQ | FOR_QUANTIZE},
    {"--no-subnormals", "subnormals", OPT_FALSE, FOR_QDQ | FOR_QUANTIZE},
    {"--rounding", "rounding", OPT_STR, FOR_QDQ | FOR_QUANTIZE},
    {"--seed", "seed", OPT_SEED, FOR_QDQ | FOR_QUANTIZE},
    {"--scale-mode", "scale_mode", OPT_STR, FOR_QDQ | FOR_QUANTIZE},
    {"--saturate", "saturate", OPT_TRUE, FOR_QDQ | FOR_QUANTIZE},
    {"--no-saturate", "saturate", OPT_FALSE, FOR_QDQ | FOR_QUANTIZE},
    {"--scaling", "scaling", OPT_STR, FOR_QDQ | FOR_QUANTIZE},
    {"--cols", "cols", OPT_INT, FOR_QDQ | FOR_QUANTIZE},
    {"--block", "block", OPT_INT, FOR_QDQ | FOR_QUANTIZE},
    {"--dist", "dist", OPT_STR, FOR_QUANTIZE},
    {"--n", "n", OPT_INT, FOR_QUANTIZE},
    {"--dof", "dof", OPT_INT, FOR_QUANTIZE},
    {"--outlier-frac", "outlier_frac", OPT_NUM, FOR_QUANTIZE},
    {"--outlier-scale", "outlier_scale", OPT_NUM, FOR_QUANTIZE},
    {"--scheme", "scheme", OPT_STR, FOR_QUANTIZE},
    {"--window", "window", OPT_INT, FOR_QUANTIZE},
    {"--threshold", "threshold", OPT_NUM, FOR_QUANTIZE},
    {"--entropy", "entropy", OPT_TRUE, FOR_QUANTIZE},
    {"--recipe", "recipe", OPT_STR, FOR_QUANTIZE},
};
#define NOPTS (sizeof opts / sizeof opts[0])

/* CLI-only options. */
typedef struct cli_extra {
    const char *input;
    const char *input_format;
    const char *tensor; /* safetensors: which tensor */
    bool list;          /* safetensors: list the tensors */
    bool format_given;
    int threads;
} cli_extra;

/* The option that set a request key (for error messages). */
static const char *flag_of(const char *key) {
    for (size_t i = 0; i < NOPTS; i++)
        if (key && strcmp(opts[i].key, key) == 0)
            return opts[i].flag;
    return key && *key ? key : "input";
}

static int parse_int(const char *s, long long *v) {
    char *end = NULL;
    errno = 0;
    *v = strtoll(s, &end, 10);
    return errno == 0 && end != s && *end == '\0';
}

static int parse_num(const char *s, double *v) {
    char *end = NULL;
    errno = 0;
    *v = strtod(s, &end);
    return errno == 0 && end != s && *end == '\0' && isfinite(*v);
}

static void print_options(const char *cmd, int cmds) {
    printf("usage: ridge %s [options]%s\noptions:\n", cmd,
           cmds == FOR_QDQ ? "  < in.f32 > out.f32 (raw little-endian float32)" : "");
    for (size_t i = 0; i < NOPTS; i++)
        if (opts[i].cmds & cmds)
            printf("  %s%s\n", opts[i].flag,
                   opts[i].type == OPT_TRUE || opts[i].type == OPT_FALSE ? ""
                   : opts[i].type == OPT_STR                             ? " NAME"
                                                                         : " N");
    if (cmds == FOR_QUANTIZE)
        printf("  --input FILE --input-format f32|bf16|npy|safetensors (a .safetensors name is detected)\n"
               "  --tensor NAME   the safetensors tensor to read;  --list   list its tensors\n");
    printf("  --threads N\nformats, rounding modes, scale modes, distributions and schemes: ridge formats\n");
}

/* argv -> request object. Returns NULL (message printed) on a bad option,
 * or with *help set after printing the options. */
static cJSON *parse_args(const char *cmd, int argc, char **argv, int cmds, cli_extra *ex, int *help) {
    *help = 0;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            print_options(cmd, cmds);
            *help = 1;
            return NULL;
        }
    cJSON *req = cJSON_CreateObject();
    if (!req) {
        fprintf(stderr, "ridge %s: out of memory\n", cmd);
        return NULL;
    }
    ex->input = NULL;
    ex->input_format = "f32";
    ex->tensor = NULL;
    ex->list = false;
    ex->format_given = false;
    ex->threads = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (cmds == FOR_QUANTIZE && strcmp(a, "--list") == 0) {
            ex->list = true;
            continue;
        }
        if (cmds == FOR_QUANTIZE && strcmp(a, "--tensor") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "ridge %s: --tensor needs a value\n", cmd);
                goto bad;
            }
            ex->tensor = argv[++i];
            continue;
        }
        if (cmds == FOR_QUANTIZE && (strcmp(a, "--input") == 0 || strcmp(a, "--input-format") == 0)) {
            if (i + 1 >= argc) {
                fprintf(stderr, "ridge %s: %s needs a value\n", cmd, a);
                goto bad;
            }
            if (strcmp(a, "--input") == 0) {
                ex->input = argv[++i];
            } else {
                ex->input_format = argv[++i];
                ex->format_given = true;
            }
            continue;
        }
        if (strcmp(a, "--threads") == 0) {
            long long t = 0;
            if (i + 1 >= argc || !parse_int(argv[i + 1], &t) || t < 1 || t > 1024) {
                fprintf(stderr, "ridge %s: --threads needs an integer 1..1024\n", cmd);
                goto bad;
            }
            ex->threads = (int)t;
            i++;
            continue;
        }
        size_t k = 0;
        while (k < NOPTS && !(strcmp(a, opts[k].flag) == 0 && (opts[k].cmds & cmds)))
            k++;
        if (k == NOPTS) {
            fprintf(stderr, "ridge %s: unknown option '%s'\n", cmd, a);
            goto bad;
        }
        const struct opt *o = &opts[k];
        if (cJSON_GetObjectItemCaseSensitive(req, o->key)) {
            fprintf(stderr, "ridge %s: %s given twice\n", cmd, a);
            goto bad;
        }
        cJSON *v = NULL;
        if (o->type == OPT_TRUE || o->type == OPT_FALSE) {
            v = cJSON_CreateBool(o->type == OPT_TRUE);
        } else {
            if (i + 1 >= argc) {
                fprintf(stderr, "ridge %s: %s needs a value\n", cmd, a);
                goto bad;
            }
            const char *s = argv[++i];
            long long iv;
            double dv;
            if (o->type == OPT_STR || o->type == OPT_SEED) {
                v = cJSON_CreateString(s);
            } else if (o->type == OPT_INT) {
                if (!parse_int(s, &iv)) {
                    fprintf(stderr, "ridge %s: %s needs an integer, got '%s'\n", cmd, a, s);
                    goto bad;
                }
                v = cJSON_CreateNumber((double)iv);
            } else {
                if (!parse_num(s, &dv)) {
                    fprintf(stderr, "ridge %s: %s needs a number, got '%s'\n", cmd, a, s);
                    goto bad;
                }
                v = cJSON_CreateNumber(dv);
            }
        }
        if (!v || !cJSON_AddItemToObject(req, o->key, v)) {
            cJSON_Delete(v);
            fprintf(stderr, "ridge %s: out of memory\n", cmd);
            goto bad;
        }
    }
    return req;
bad:
    cJSON_Delete(req);
    return NULL;
}

static int report_err(const char *cmd, const rg_err *err) {
    if (strncmp(err->field, "recipe", 6) == 0) /* "recipe: block" -> "--recipe: block" */
        fprintf(stderr, "ridge %s: --%s: %s\n", cmd, err->field, err->msg);
    else
        fprintf(stderr, "ridge %s: %s: %s\n", cmd, flag_of(err->field), err->msg);
    return err->code == RG_ENOMEM || err->code == RG_EIO || err->code == RG_EINTERNAL ? 1 : 2;
}

static int print_jw(jw *w) {
    size_t len = 0;
    char *s = jw_take(w, &len);
    if (!s) {
        fprintf(stderr, "ridge: out of memory\n");
        return 1;
    }
    fwrite(s, 1, len, stdout);
    fputc('\n', stdout);
    free(s);
    return 0;
}

int cmd_recipes(int argc, char **argv) {
    if (argc > 1) {
        fprintf(stderr, "ridge recipes: unknown option '%s'\n", argv[1]);
        return 2;
    }
    jw w;
    jw_init(&w);
    codec_recipes_write(&w);
    int status = print_jw(&w);
    jw_free(&w);
    return status;
}

int cmd_formats(int argc, char **argv) {
    if (argc > 1) {
        fprintf(stderr, "ridge formats: unknown option '%s'\n", argv[1]);
        return 2;
    }
    jw w;
    jw_init(&w);
    codec_formats_write(&w);
    return print_jw(&w);
}

/* ---- qdq ---------------------------------------------------------------- */

int cmd_qdq(int argc, char **argv) {
    cli_extra ex;
    int status = 2;
    rg_err err = {0};
    rg_quant q;
    int help = 0;
    cJSON *req = parse_args("qdq", argc, argv, FOR_QDQ, &ex, &help);
    if (!req)
        return help ? 0 : 2;
    if (codec_quant_parse(req, &q, &err) < 0) {
        status = report_err("qdq", &err);
        goto out;
    }
    fflush(stdout);
    status = qdq_stream(&q, 0, 1, ex.threads);
out:
    cJSON_Delete(req);
    return status;
}

/* ---- quantize ------------------------------------------------------------- */

static bool is_safetensors(const cli_extra *ex) {
    size_t l = strlen(ex->input);
    return strcmp(ex->input_format, "safetensors") == 0 ||
           (!ex->format_given && l > 12 && strcmp(ex->input + l - 12, ".safetensors") == 0);
}

/* --input as a .safetensors file: --list prints its tensors (*n = 0), else
 * --tensor NAME is read into floats the caller frees. NULL with a message
 * (and *status 0 after --list, 2 bad input, 1 out of memory) otherwise. */
static float *load_safetensors(const cli_extra *ex, const unsigned char *raw, size_t len, int64_t *n,
                               int64_t *cols, int *status) {
    char why[512];
    st_file f;
    float *x = NULL;
    *status = 2;
    if (st_parse(raw, len, &f, why, sizeof why) < 0) {
        fprintf(stderr, "ridge quantize: --input: '%s': %s\n", ex->input, why);
        return NULL;
    }
    if (ex->list) {
        jw w;
        jw_init(&w);
        jw_obj_begin(&w);
        jw_kstr(&w, "input", ex->input);
        jw_key(&w, "tensors");
        jw_arr_begin(&w);
        for (int i = 0; i < f.n; i++) {
            jw_obj_begin(&w);
            jw_kstr(&w, "name", f.t[i].name);
            jw_kstr(&w, "dtype", f.t[i].dtype);
            jw_key(&w, "shape");
            jw_arr_begin(&w);
            for (int d = 0; d < f.t[i].ndim; d++)
                jw_int(&w, f.t[i].shape[d]);
            jw_arr_end(&w);
            jw_obj_end(&w);
        }
        jw_arr_end(&w);
        jw_obj_end(&w);
        *status = print_jw(&w);
        jw_free(&w);
        goto out;
    }
    if (!ex->tensor) {
        fprintf(stderr, "ridge quantize: --tensor: required with a .safetensors input (--list shows %d)\n",
                f.n);
        goto out;
    }
    const st_tensor *t = st_find(&f, ex->tensor);
    if (!t) {
        fprintf(stderr, "ridge quantize: --tensor: '%s' is not in '%s' (--list shows its %d tensors)\n",
                ex->tensor, ex->input, f.n);
        goto out;
    }
    if (t->count < 1) {
        fprintf(stderr, "ridge quantize: --tensor: '%s' is empty\n", ex->tensor);
        goto out;
    }
    x = malloc((size_t)t->count * sizeof *x);
    if (!x) {
        fprintf(stderr, "ridge quantize: out of memory\n");
        *status = 1;
        goto out;
    }
    if (st_read_f32(raw, &f, t, x, why, sizeof why) < 0) {
        fprintf(stderr, "ridge quantize: --tensor: %s\n", why);
        free(x);
        x = NULL;
        goto out;
    }
    *n = t->count;
    *cols = t->ndim > 0 ? t->shape[t->ndim - 1] : 1;
    *status = 0;
out:
    st_free(&f);
    return x;
}

/* Load --input into floats the caller frees. Returns NULL (message printed). */
static float *load_input(const cli_extra *ex, int64_t *n, int64_t *cols, int *status) {
    size_t len = 0;
    float *x = NULL;
    *status = 2;
    *cols = 0;
    unsigned char *raw = (unsigned char *)cli_read_file(ex->input, &len);
    if (!raw) {
        fprintf(stderr, "ridge quantize: --input: cannot read '%s': %s\n", ex->input, strerror(errno));
        return NULL;
    }
    const unsigned char *p = raw;
    char dtype;
    if (is_safetensors(ex)) {
        x = load_safetensors(ex, raw, len, n, cols, status);
        goto out;
    }
    if (ex->tensor || ex->list) {
        fprintf(stderr, "ridge quantize: %s: only for a .safetensors input\n",
                ex->tensor ? "--tensor" : "--list");
        goto out;
    }
    if (strcmp(ex->input_format, "f32") == 0) {
        dtype = 'f';
    } else if (strcmp(ex->input_format, "bf16") == 0) {
        dtype = 'b';
    } else if (strcmp(ex->input_format, "npy") == 0) {
        const char *why = NULL;
        npy_info ni;
        if (npy_parse(raw, len, &ni, &why) < 0) {
            fprintf(stderr, "ridge quantize: --input: %s\n", why);
            goto out;
        }
        dtype = ni.dtype;
        int64_t count = ni.count;
        size_t off = ni.offset;
        *cols = ni.ndim > 0 ? ni.shape[ni.ndim - 1] : 1;
        size_t esz = dtype == 'd' ? 8 : (dtype == 'h' ? 2 : 4);
        if ((size_t)count * esz != len - (size_t)off) {
            fprintf(stderr,
                    "ridge quantize: --input: shape says %" PRId64 " values, file holds %zu bytes of data\n",
                    count, len - (size_t)off);
            goto out;
        }
        p = raw + off;
        len -= (size_t)off;
    } else {
        fprintf(stderr, "ridge quantize: --input-format: must be f32, bf16, npy or safetensors, got '%s'\n",
                ex->input_format);
        goto out;
    }
    size_t esz = dtype == 'd' ? 8 : (dtype == 'f' ? 4 : 2);
    if (len % esz || len == 0) {
        fprintf(stderr,
                "ridge quantize: --input: %zu bytes is not a whole, non-empty number of %zu-byte values\n",
                len, esz);
        goto out;
    }
    *n = (int64_t)(len / esz);
    x = malloc((size_t)*n * sizeof *x);
    if (!x) {
        fprintf(stderr, "ridge quantize: out of memory\n");
        *status = 1;
        goto out;
    }
    for (int64_t i = 0; i < *n; i++) { /* little-endian bytes, any alignment */
        const unsigned char *b = p + (size_t)i * esz;
        if (dtype == 'f') {
            memcpy(&x[i], b, 4);
        } else if (dtype == 'd') {
            double v;
            memcpy(&v, b, 8);
            x[i] = (float)v;
        } else if (dtype == 'b') {
            x[i] = rg_fpconv_bf16_to_f32((uint16_t)(b[0] | (b[1] << 8)));
        } else {
            x[i] = rg_fpconv_f16_to_f32((uint16_t)(b[0] | (b[1] << 8)));
        }
    }
    *status = 0;
out:
    free(raw);
    return x;
}

int cmd_quantize(int argc, char **argv) {
    cli_extra ex;
    float *x = NULL;
    int status = 2;
    rg_err err = {0};
    jw w;
    jw_init(&w);
    int help = 0;
    cJSON *req = parse_args("quantize", argc, argv, FOR_QUANTIZE, &ex, &help);
    if (!req)
        return help ? 0 : 2;
    int64_t n = 0, cols = 0;
    if (ex.input) {
        x = load_input(&ex, &n, &cols, &status);
        if (!x)
            goto out;
        if (cJSON_GetObjectItemCaseSensitive(req, "recipe") && cols > 0 &&
            !cJSON_GetObjectItemCaseSensitive(req, "cols"))
            cJSON_AddNumberToObject(req, "cols", (double)cols); /* a recipe tiles the tensor's own rows */
        /* a 2-D .npy gives the row length unless --cols says otherwise */
        if (cols > 1 && cols < n && !cJSON_GetObjectItemCaseSensitive(req, "cols"))
            cJSON_AddNumberToObject(req, "cols", (double)cols);
    } else if (strcmp(ex.input_format, "f32") != 0 || ex.tensor || ex.list) {
        fprintf(stderr, "ridge quantize: %s: needs --input\n",
                ex.tensor ? "--tensor" : (ex.list ? "--list" : "--input-format"));
        goto out;
    }
    if (codec_quantize_run(req, x, n, ex.threads, &w, &err) < 0) {
        status = report_err("quantize", &err);
        goto out;
    }
    status = print_jw(&w);
out:
    jw_free(&w);
    free(x);
    cJSON_Delete(req);
    return status;
}

/* ---- bench-numerics ------------------------------------------------------ */

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* dst = src (n floats), each of `nth` threads copying one contiguous share. */
static void par_copy(float *dst, const float *src, long long n, int nth) {
#pragma omp parallel num_threads(nth)
    {
        int t = omp_get_thread_num(), k = omp_get_num_threads();
        long long lo = n * t / k, hi = n * (t + 1) / k;
        memcpy(dst + lo, src + lo, (size_t)(hi - lo) * sizeof *dst);
    }
}

/* The vector ISA the kernels' clones dispatch to on this CPU. */
static const char *simd_isa(void) {
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f"))
        return "avx512f";
    if (__builtin_cpu_supports("avx2"))
        return "avx2";
#endif
    return "default";
}

int cmd_bench_numerics(int argc, char **argv) {
    static const char *const default_formats[] = {"bf16",  "fp8_e4m3", "mxfp8_e4m3", "mxfp6_e2m3",
                                                  "mxfp4", "mxint8",   "nvfp4",      "int4_g128"};
    long long n = 64LL << 20, reps = 3, threads = 2;
    const char *only = NULL;
    for (int i = 1; i < argc; i++) {
        long long v = 0;
        const char *a = argv[i];
        if (strcmp(a, "--format") == 0 && i + 1 < argc) {
            only = argv[++i];
            continue;
        }
        if (i + 1 >= argc || !parse_int(argv[i + 1], &v)) {
            fprintf(stderr, "ridge bench-numerics: %s: unknown option or missing integer value\n", a);
            return 2;
        }
        i++;
        if (strcmp(a, "--n") == 0 && v >= 1024 && v <= (1LL << 30))
            n = v;
        else if (strcmp(a, "--reps") == 0 && v >= 1 && v <= 100)
            reps = v;
        else if (strcmp(a, "--threads") == 0 && v >= 1 && v <= 1024)
            threads = v;
        else {
            fprintf(stderr, "ridge bench-numerics: %s: unknown option or value out of range\n", a);
            return 2;
        }
    }
    rg_format only_f;
    rg_err err = {0};
    if (only && rg_format_parse(only, &only_f, "--format", &err) < 0) {
        fprintf(stderr, "ridge bench-numerics: --format: %s\n", err.msg);
        return 2;
    }
    float *in = malloc((size_t)n * 4), *out = malloc((size_t)n * 4);
    int status = 1;
    jw w;
    jw_init(&w);
    if (!in || !out) {
        fprintf(stderr, "ridge bench-numerics: cannot allocate 2 x %lld floats\n", n);
        goto out;
    }
    rg_dist d;
    rg_dist_init(&d, RG_DIST_NORMAL, 1);
    rg_dist_fill(&d, in, n, 0, (int)threads);
    memset(out, 0, (size_t)n * 4); /* fault the pages in before timing */
    /* memcpy on the kernel's thread count (each thread copies its share,
     * as the kernel splits its work), and on one thread */
    double best_copy = 1e30, best_copy1 = 1e30;
    for (long long r = 0; r < reps; r++) {
        double t0 = now_s();
        par_copy(out, in, n, (int)threads);
        double t = now_s() - t0;
        best_copy = t < best_copy ? t : best_copy;
        t0 = now_s();
        memcpy(out, in, (size_t)n * 4);
        t = now_s() - t0;
        best_copy1 = t < best_copy1 ? t : best_copy1;
    }
    jw_obj_begin(&w);
    jw_kint(&w, "n", n);
    jw_kint(&w, "threads", threads);
    jw_kint(&w, "reps", reps);
    jw_kstr(&w, "timing",
            "best of reps; bytes = 4 read + 4 written per element; ratio_to_memcpy is against "
            "memcpy on the same thread count");
    double load = -1.0; /* the machine may be shared: record how busy it was */
    FILE *la = fopen("/proc/loadavg", "r");
    if (la) {
        if (fscanf(la, "%lf", &load) != 1)
            load = -1.0;
        fclose(la);
    }
    if (load >= 0.0)
        jw_knum(&w, "load_average_1m", load);
    jw_kstr(&w, "isa", simd_isa());
    jw_key(&w, "memcpy");
    jw_obj_begin(&w);
    jw_kint(&w, "threads", threads);
    jw_knum(&w, "seconds", best_copy);
    jw_knum(&w, "elements_per_s", (double)n / best_copy);
    jw_knum(&w, "gb_per_s", 8.0 * (double)n / best_copy / 1e9);
    jw_obj_end(&w);
    jw_key(&w, "memcpy_1_thread");
    jw_obj_begin(&w);
    jw_knum(&w, "seconds", best_copy1);
    jw_knum(&w, "gb_per_s", 8.0 * (double)n / best_copy1 / 1e9);
    jw_obj_end(&w);
    jw_key(&w, "formats");
    jw_arr_begin(&w);
    size_t nf = only ? 1 : sizeof default_formats / sizeof default_formats[0];
    for (size_t k = 0; k < nf; k++) {
        rg_format f;
        rg_quant q;
        const char *name = only ? only : default_formats[k];
        if (rg_format_parse(name, &f, "format", NULL) < 0 || rg_quant_init(&q, &f, NULL) < 0)
            continue;
        double best = 1e30;
        for (long long r = 0; r < reps; r++) {
            double t0 = now_s();
            rg_quant_qdq(&q, in, out, n, 0, (int)threads);
            double t = now_s() - t0;
            best = t < best ? t : best;
        }
        jw_obj_begin(&w);
        jw_kstr(&w, "format", name);
        jw_knum(&w, "seconds", best);
        jw_knum(&w, "elements_per_s", (double)n / best);
        jw_knum(&w, "gb_per_s", 8.0 * (double)n / best / 1e9);
        jw_knum(&w, "ratio_to_memcpy", best_copy / best);
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_obj_end(&w);
    status = print_jw(&w);
out:
    jw_free(&w);
    free(in);
    free(out);
    return status;
}
