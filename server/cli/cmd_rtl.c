/* cmd_rtl.c: `ridge rtl` — generate a numerics unit's Verilog, and with
 * --cosim / --synth co-simulate it against the C model and synthesize it
 * (rtl/rtl.h). Prints the run's JSON. Exit 0 on success, 2 on bad options,
 * 1 when a tool fails or the co-simulation finds a mismatch. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "rtl.h"

typedef enum opt_kind { OPT_STR, OPT_INT, OPT_LONG, OPT_U64, OPT_DOUBLE, OPT_FLAG } opt_kind;

typedef struct rtl_opt {
    const char *name;
    opt_kind kind;
    size_t offset; /* into rtl_request */
    size_t size;   /* of a string field */
    const char *help;
} rtl_opt;

#define STR_OPT(n, f, h)                                                                                     \
    { n, OPT_STR, offsetof(rtl_request, f), sizeof(((rtl_request *)0)->f), h }
#define NUM_OPT(n, k, f, h)                                                                                  \
    { n, k, offsetof(rtl_request, f), 0, h }

static const rtl_opt opts[] = {
    STR_OPT("--unit", unit, "mul | mac | dot | amax | four_six | hadamard"),
    STR_OPT("--format", format,
            "operand format (fp4_e2m1 ... bf16, eXmY[fn|finite], int8, int4, mxfp4, nvfp4)"),
    STR_OPT("--out-format", out_format, "mul: output format (default: --format)"),
    STR_OPT("--acc", acc, "mac/dot: accumulator format (default fp32; int32 for integers)"),
    STR_OPT("--rounding", rounding, "rne (default) | rtz | rna"),
    NUM_OPT("--stages", OPT_INT, stages, "mac: pipeline stages, 0 = combinational (default) .. 3"),
    NUM_OPT("--align-bits", OPT_INT, align_bits, "dot: alignment window in bits (default exact)"),
    NUM_OPT("--block", OPT_INT, block, "amax, four_six, hadamard: elements per operation (32, 16, 16)"),
    STR_OPT("--scale", scale, "amax: e8m0 (default, OCP MX) | e4m3 (NVFP4, amax / --max)"),
    STR_OPT("--elem", elem, "amax e8m0: the element format whose emax the scale rule uses (fp8_e4m3)"),
    NUM_OPT("--max", OPT_INT, max, "amax e4m3: the element maximum M, 6 (default) or 4"),
    NUM_OPT("--cosim", OPT_FLAG, cosim, "co-simulate against the C model (iverilog) and lint (verilator)"),
    NUM_OPT("--vectors", OPT_LONG, vectors, "random vectors when not exhaustive (default 100000)"),
    NUM_OPT("--seed", OPT_U64, seed, "random vectors' seed (default 1)"),
    NUM_OPT("--synth", OPT_FLAG, synth, "synthesize (yosys, OpenSTA) to area, delay, power"),
    NUM_OPT("--clock-ns", OPT_DOUBLE, clock_ns, "clock period for timing and power (default 10)"),
    NUM_OPT("--keep-failed", OPT_FLAG, keep_failed, "keep a failed run's temporary directory (DIR.tmp-PID)"),
    STR_OPT("--liberty", liberty, "standard-cell library (default: OSU 0.18 um, qflow-tech-osu018)"),
};

static void usage(FILE *f) {
    fprintf(f, "usage: ridge rtl --unit U --format F [options] --out DIR\n");
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
        fprintf(f, "  %-14s %s\n", opts[i].name, opts[i].help);
    fprintf(f, "  %-14s %s\n", "--out", "directory to create (must not exist)");
}

static int parse_num(const rtl_opt *o, const char *v, rtl_request *r) {
    char *end = NULL;
    errno = 0;
    char *p = (char *)r + o->offset;
    if (o->kind == OPT_DOUBLE) {
        double x = strtod(v, &end);
        if (errno || end == v || *end)
            return -1;
        memcpy(p, &x, sizeof x);
        return 0;
    }
    if (v[0] == '-' && o->kind == OPT_U64)
        return -1;
    long long x = strtoll(v, &end, 10);
    if (errno || end == v || *end)
        return -1;
    if (o->kind == OPT_INT) {
        if (x < -1000000 || x > 1000000)
            return -1;
        int xi = (int)x;
        memcpy(p, &xi, sizeof xi);
    } else if (o->kind == OPT_LONG) {
        long xl = (long)x;
        memcpy(p, &xl, sizeof xl);
    } else {
        uint64_t xu = (uint64_t)x;
        memcpy(p, &xu, sizeof xu);
    }
    return 0;
}

static int parse_args(int argc, char **argv, rtl_request *r, const char **out) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 1;
        }
        if (strcmp(a, "--out") == 0 && i + 1 < argc) {
            *out = argv[++i];
            continue;
        }
        const rtl_opt *o = NULL;
        for (size_t k = 0; k < sizeof opts / sizeof opts[0]; k++)
            if (strcmp(a, opts[k].name) == 0)
                o = &opts[k];
        if (!o) {
            fprintf(stderr, "ridge rtl: unknown option '%s' (try --help)\n", a);
            return -1;
        }
        if (o->kind == OPT_FLAG) {
            *((bool *)((char *)r + o->offset)) = true;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "ridge rtl: %s: needs a value\n", a);
            return -1;
        }
        const char *v = argv[++i];
        if (o->kind == OPT_STR) {
            if (strlen(v) >= o->size) {
                fprintf(stderr, "ridge rtl: %s: too long\n", a);
                return -1;
            }
            memcpy((char *)r + o->offset, v, strlen(v) + 1);
        } else if (parse_num(o, v, r) < 0) {
            fprintf(stderr, "ridge rtl: %s: not a number in range: '%s'\n", a, v);
            return -1;
        } else if (strcmp(a, "--align-bits") == 0 && r->align_bits < 1) {
            /* omitting the option means exact alignment; a window has >= 1 bit */
            fprintf(stderr, "ridge rtl: --align-bits: a window of 1..64 bits, got %s (omit it for exact)\n",
                    v);
            return -1;
        }
    }
    if (!r->unit[0] || !r->format[0] || !*out) {
        fprintf(stderr, "ridge rtl: %s: required\n",
                !r->unit[0]     ? "--unit"
                : !r->format[0] ? "--format"
                                : "--out");
        return -1;
    }
    return 0;
}

/* Request errors exit 2; a missing or failing tool exits 1. */
static int exit_code(const rg_err *err) {
    return err->code == RG_EIO || err->code == RG_ENOTFOUND || err->code == RG_ENOMEM ? 1 : 2;
}

/* cosim.mismatches of a run's JSON; -1 if it cannot be read. */
static long cosim_mismatches(const char *json) {
    cJSON *root = cJSON_Parse(json);
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(root, "cosim");
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(c, "mismatches");
    long n = cJSON_IsNumber(m) ? (long)m->valuedouble : -1;
    cJSON_Delete(root);
    return n;
}

int cmd_rtl(int argc, char **argv) {
    rtl_request r;
    rtl_request_defaults(&r);
    const char *out = NULL;
    int p = parse_args(argc, argv, &r, &out);
    if (p != 0)
        return p > 0 ? 0 : 2;
    rg_err err = {0};
    char *json = NULL;
    int rc = rtl_run(&r, out, &json, &err);
    if (rc < 0) {
        fprintf(stderr, "ridge rtl: %s: %s\n", err.field[0] ? err.field : "rtl",
                err.msg[0] ? err.msg : rg_strerror(rc));
        return rc == RG_ECONFLICT ? 2 : exit_code(&err);
    }
    printf("%s\n", json);
    bool mismatch = r.cosim && cosim_mismatches(json) != 0;
    free(json);
    if (mismatch)
        fprintf(stderr, "ridge rtl: co-simulation found mismatches (see %s/cosim.log)\n", out);
    return mismatch ? 1 : 0;
}
