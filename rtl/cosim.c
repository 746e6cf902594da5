/* cosim.c: vectors from the C model, a testbench, iverilog (see cosim.h). */
#include "cosim.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rng.h"
#include "tool.h"

static const rtl_tool TOOL_IVERILOG = {"iverilog", "iverilog"};
static const rtl_tool TOOL_VVP = {"vvp", "iverilog"};
static const rtl_tool TOOL_VERILATOR = {"verilator", "verilator"};

#define MAX_WORDS 48 /* 1536 bits: a 32-element 8-bit dot vector is 560, a 64-element bf16 amax 1048 */
#define MAX_EDGES 24

/* One vector: operand codes and the expected output. */
typedef struct vec {
    uint32_t a[RG_UNIT_MAX_BLOCK], b[RG_UNIT_MAX_BLOCK];
    uint32_t c, sa, sb, y;
} vec;

typedef struct vwriter {
    FILE *f;
    const rtl_design *d;
    int in_bits, tot_bits;
    uint32_t prev[MAX_WORDS];
    long toggles, n;
} vwriter;

static void put_bits(uint32_t *w, int *pos, uint32_t v, int width) {
    for (int i = width - 1; i >= 0; i--) {
        int p = --(*pos);
        if ((v >> i) & 1u)
            w[p / 32] |= 1u << (p % 32);
    }
}

static void vw_emit(vwriter *vw, const uint32_t *w);

/* Packs a vector MSB-first in port order, output last, and writes it. */
static void vw_put(vwriter *vw, const vec *v) {
    uint32_t w[MAX_WORDS] = {0};
    const rg_unit *u = &vw->d->unit;
    int pos = vw->tot_bits, ab = u->a.bits;
    if (u->kind == RG_UNIT_DOT) {
        for (int i = u->block - 1; i >= 0; i--)
            put_bits(w, &pos, v->a[i], ab);
        for (int i = u->block - 1; i >= 0; i--)
            put_bits(w, &pos, v->b[i], ab);
        put_bits(w, &pos, v->sa, u->scale_elem.bits);
        put_bits(w, &pos, v->sb, u->scale_elem.bits);
    } else {
        put_bits(w, &pos, v->a[0], ab);
        put_bits(w, &pos, v->b[0], ab);
        if (u->kind == RG_UNIT_MAC)
            put_bits(w, &pos, v->c, u->out.bits);
    }
    put_bits(w, &pos, v->y, u->out.bits);
    vw_emit(vw, w);
}

/* Counts the input toggles against the previous vector and writes w. */
static void vw_emit(vwriter *vw, const uint32_t *w) {
    int ob = rtl_design_output_bits(vw->d);
    if (vw->n > 0) /* toggles of the input bits, which sit above the output */
        for (int p = ob; p < vw->tot_bits; p++)
            vw->toggles += ((w[p / 32] ^ vw->prev[p / 32]) >> (p % 32)) & 1u;
    memcpy(vw->prev, w, sizeof vw->prev);
    vw->n++;
    int digits = (vw->tot_bits + 3) / 4;
    for (int i = digits - 1; i >= 0; i--) {
        int p = i * 4;
        unsigned nib = (w[p / 32] >> (p % 32)) & 0xFu;
        fputc("0123456789abcdef"[nib], vw -> f);
    }
    fputc('\n', vw->f);
}

static void model(const rg_unit *u, vec *v) {
    if (u->kind == RG_UNIT_MUL)
        v->y = rg_unit_mul(u, v->a[0], v->b[0]);
    else if (u->kind == RG_UNIT_MAC)
        v->y = rg_unit_mac(u, v->a[0], v->b[0], v->c);
    else
        v->y = rg_unit_dot(u, v->a, v->b, v->sa, v->sb);
}

static uint32_t mask_of(int bits) { return bits >= 32 ? 0xFFFFFFFFu : (1u << bits) - 1u; }

/* The edge codes of a float format (both signs). */
static int edges(const rg_elem *e, uint32_t *out) {
    int n = 0;
    if (e->is_int) {
        uint32_t m = mask_of(e->bits), top = 1u << (e->bits - 1);
        uint32_t list[] = {0, 1, m, top, top - 1, top + 1, 2, m - 1};
        for (size_t i = 0; i < sizeof list / sizeof list[0]; i++)
            out[n++] = list[i] & m;
        return n;
    }
    uint32_t mb = (1u << e->mbits) - 1u, sign = 1u << (e->bits - 1);
    uint32_t one = (uint32_t)e->bias << e->mbits;
    uint32_t pos[] = {
        0, 1, mb, mb + 1, one, one | 1u, rg_unit_max_code(e, false), rg_unit_max_code(e, false) - 1};
    for (size_t i = 0; i < sizeof pos / sizeof pos[0]; i++) {
        out[n++] = pos[i];
        out[n++] = pos[i] | sign;
    }
    if (e->has_inf) {
        uint32_t inf = ((1u << e->ebits) - 1u) << e->mbits;
        out[n++] = inf;
        out[n++] = inf | sign;
    }
    if (e->has_nan)
        out[n++] = rg_unit_nan_code(e);
    return n;
}

/* A code of `e` near value x (RNE, saturating). */
static uint32_t code_near(const rg_elem *e, double x) {
    return rg_fpconv_encode(rg_fpconv_ref((float)x, e, RG_ROUND_RNE, true, 0), e);
}

static void gen_mul_mac(vwriter *vw, const rg_unit *u, long nrandom, uint64_t seed, bool exhaustive) {
    vec v;
    memset(&v, 0, sizeof v);
    uint32_t am = mask_of(u->a.bits), cm = mask_of(u->out.bits);
    if (exhaustive) {
        for (uint32_t a = 0; a <= am; a++)
            for (uint32_t b = 0; b <= am; b++) {
                v.a[0] = a;
                v.b[0] = b;
                model(u, &v);
                vw_put(vw, &v);
            }
        return;
    }
    uint32_t ea[MAX_EDGES], ec[MAX_EDGES];
    int na = edges(&u->a, ea), nc = u->kind == RG_UNIT_MAC ? edges(&u->out, ec) : 1;
    if (u->kind != RG_UNIT_MAC)
        ec[0] = 0;
    for (int i = 0; i < na; i++)
        for (int j = 0; j < na; j++)
            for (int k = 0; k < nc; k++) {
                v.a[0] = ea[i];
                v.b[0] = ea[j];
                v.c = ec[k];
                model(u, &v);
                vw_put(vw, &v);
            }
    for (long t = 0; t < nrandom; t++) {
        v.a[0] = rg_rng_u32(seed, (uint64_t)(3 * t)) & am;
        v.b[0] = rg_rng_u32(seed, (uint64_t)(3 * t + 1)) & am;
        uint32_t r = rg_rng_u32(seed ^ 0x5bd1e995u, (uint64_t)t);
        if (u->kind == RG_UNIT_MAC && !u->is_int) {
            double p = (double)rg_fpconv_decode(v.a[0], &u->a) * (double)rg_fpconv_decode(v.b[0], &u->a);
            double k = ldexp(rg_rng_unit(seed + 7, (uint64_t)t) * 2.0 - 1.0, (int)(r % 48) - 24);
            switch (r >> 28) {
            case 0:
            case 1:
            case 2:
            case 3:
                v.c = rg_rng_u32(seed + 9, (uint64_t)t) & cm;
                break;
            case 4:
                v.c = isfinite(p) ? code_near(&u->out, -p) : 0;
                break; /* exact cancellation */
            default:
                v.c = isfinite(p) ? code_near(&u->out, p * k) : rg_rng_u32(seed + 9, (uint64_t)t) & cm;
            }
        } else if (u->kind == RG_UNIT_MAC) {
            v.c = rg_rng_u32(seed + 9, (uint64_t)t) & cm;
        }
        model(u, &v);
        vw_put(vw, &v);
    }
}

static uint32_t rnd_scale(const rg_unit *u, uint64_t seed, long t) {
    uint32_t r = rg_rng_u32(seed + 21, (uint64_t)t);
    if (u->scale == RG_DOT_SCALE_E8M0) {
        static const uint32_t extreme[] = {0, 1, 253, 254, 0xFF, 127, 100, 160};
        return (r >> 24) < 8 ? extreme[r & 7u] : 127u + (r % 17u) - 8u;
    }
    if ((r >> 24) < 8) /* zero, negative, NaN, tiny */
        return (uint32_t[]){0x00, 0x80, 0x7F, 0xFF, 0x01, 0x08, 0xB8, 0x7E}[r & 7u];
    return 0x20u + (r % 0x48u); /* positive, 2^-4 .. 2^4 */
}

static void gen_dot(vwriter *vw, const rg_unit *u, long nrandom, uint64_t seed) {
    vec v;
    memset(&v, 0, sizeof v);
    uint32_t am = mask_of(u->a.bits), mx = rg_unit_max_code(&u->a, false);
    for (long t = 0; t < nrandom; t++) {
        uint32_t kind = rg_rng_u32(seed + 33, (uint64_t)t) % 16u;
        for (int i = 0; i < u->block; i++) {
            uint64_t idx = (uint64_t)t * 128u + (uint64_t)i;
            v.a[i] = rg_rng_u32(seed, 2 * idx) & am;
            v.b[i] = rg_rng_u32(seed, 2 * idx + 1) & am;
            if (kind == 0) /* zeros of both signs */
                v.a[i] &= (1u << (u->a.bits - 1));
            else if (kind == 1) /* one dominant product, small others */
                v.a[i] = i == 0 ? mx : (v.a[i] & (mask_of(u->a.bits - 1) >> 2));
            else if (kind == 2) /* every product at the maximum: overflow */
                v.a[i] = v.b[i] = mx;
        }
        v.sa = rnd_scale(u, seed, 2 * t);
        v.sb = rnd_scale(u, seed, 2 * t + 1);
        if (kind == 2 && u->scale == RG_DOT_SCALE_E8M0)
            v.sa = v.sb = 254;
        model(u, &v);
        vw_put(vw, &v);
    }
}

/* ---- recipe units (engine/recipe_unit.h) ----------------------------------- */

typedef struct rfield {
    uint32_t v;
    int bits;
} rfield;

/* Writes the fields MSB-first: the inputs in port order, the output last. */
static void rvec_put(vwriter *vw, const rfield *f, int n) {
    uint32_t w[MAX_WORDS] = {0};
    int pos = vw->tot_bits;
    for (int i = 0; i < n; i++)
        put_bits(w, &pos, f[i].v & mask_of(f[i].bits), f[i].bits);
    vw_emit(vw, w);
}

/* A finite source code with exponent field e0 - (0..spread), random sign
 * and mantissa (subnormal where the field reaches 0). */
static uint32_t src_code(const rg_elem *e, uint64_t seed, uint64_t idx, int e0, int spread) {
    uint32_t r = rg_rng_u32(seed, idx), top = (1u << e->ebits) - 1u, mm = (1u << e->mbits) - 1u;
    int ef = e0 - (int)(r % (uint32_t)(spread + 1));
    ef = ef < 0 ? 0 : ef;
    uint32_t m = (r >> 8) & mm, sign = (r >> 31) & 1u;
    if (e->has_inf && (uint32_t)ef >= top)
        ef = (int)top - 1;
    if (e->nan_one && (uint32_t)ef == top && m == mm)
        m = mm - 1u;
    return sign << (e->bits - 1) | (uint32_t)ef << e->mbits | m;
}

/* The elements of one random block: kinds of blocks by r % 16. */
static void src_block(const rg_runit *u, int n, uint64_t seed, long t, bool specials, uint32_t *x) {
    const rg_elem *e = &u->src;
    uint32_t r = rg_rng_u32(seed + 41, (uint64_t)t), kind = r % 16u, top = (1u << e->ebits) - 1u;
    int e0 = 1 + (int)((r >> 8) % (top > 1 ? top - 1u : 1u)), spread = (int)((r >> 20) % 11u);
    if (kind == 3)
        e0 = (int)top - (e->has_inf ? 1 : 0); /* the largest binade */
    if (kind == 4)
        e0 = 1 + (int)((r >> 8) % 4u); /* near the bottom: tiny scales, subnormals */
    for (int i = 0; i < n; i++) {
        uint64_t idx = (uint64_t)t * 128u + (uint64_t)i;
        x[i] = src_code(e, seed, idx, e0, spread);
        if (kind == 0 || (kind == 1 && i != (int)(r >> 24) % n))
            x[i] &= 1u << (e->bits - 1); /* signed zeros, or a single non-zero element */
    }
    if (specials && kind == 2 && (e->has_inf || e->has_nan)) {
        uint32_t sp = e->has_inf ? top << e->mbits | ((r >> 12) & 1u) : (1u << (e->bits - 1)) - 1u;
        x[(r >> 24) % (uint32_t)n] = sp | ((r >> 13) & 1u) << (e->bits - 1);
    }
}

static void gen_runit(vwriter *vw, const rg_runit *u, long nrandom, uint64_t seed) {
    rfield f[2 * RG_RUNIT_MAX_BLOCK + 4];
    uint32_t x[RG_RUNIT_MAX_BLOCK];
    const int SB = u->src.bits;
    if (u->kind == RG_RUNIT_HADAMARD) {
        int32_t xi[RG_RUNIT_MAX_BLOCK];
        int64_t y[RG_RUNIT_MAX_BLOCK];
        int W = u->width, OW = W + u->log2b;
        for (long t = 0; t < nrandom; t++) {
            uint32_t kind = rg_rng_u32(seed + 51, (uint64_t)t) % 8u;
            for (int i = 0; i < u->block; i++) {
                uint32_t c = rg_rng_u32(seed, (uint64_t)t * 128u + (uint64_t)i) & mask_of(W);
                if (kind == 0) /* all most negative: the widest growth */
                    c = 1u << (W - 1);
                else if (kind == 1) /* all most positive */
                    c = (1u << (W - 1)) - 1u;
                xi[i] = (c >> (W - 1)) & 1u ? (int32_t)c - (int32_t)(1u << (W - 1)) * 2 : (int32_t)c;
                f[u->block - 1 - i] = (rfield){c, W};
            }
            rg_runit_hadamard(u, xi, y);
            for (int i = 0; i < u->block; i++)
                f[2 * u->block - 1 - i] = (rfield){(uint32_t)y[i], OW};
            rvec_put(vw, f, 2 * u->block);
        }
        return;
    }
    if (u->kind == RG_RUNIT_AMAX) {
        /* every magnitude as the block's largest element, then random blocks */
        long sweep = 1L << (SB - 1);
        for (long t = 0; t < sweep + nrandom; t++) {
            if (t < sweep) {
                for (int i = 0; i < u->block; i++)
                    x[i] = rg_rng_u32(seed + 3, (uint64_t)t * 64u + (uint64_t)i) % (uint32_t)(t + 1) |
                           (rg_rng_u32(seed + 5, (uint64_t)t) >> i & 1u) << (SB - 1);
                x[t % u->block] = (uint32_t)t | (uint32_t)(t & 1) << (SB - 1);
            } else {
                src_block(u, u->block, seed, t, true, x);
            }
            uint32_t amax = 0, scale = 0;
            bool bad = false;
            rg_runit_amax(u, x, &amax, &bad, &scale);
            int n = 0;
            for (int i = u->block - 1; i >= 0; i--)
                f[n++] = (rfield){x[i], SB};
            f[n++] = (rfield){bad, 1};
            f[n++] = (rfield){amax, SB - 1};
            f[n++] = (rfield){scale, 8};
            rvec_put(vw, f, n);
        }
        return;
    }
    rg_runit am = *u; /* the amax of each block, as the amax unit gives it */
    am.kind = RG_RUNIT_AMAX;
    am.block = RG_RUNIT_FS_BLOCK;
    am.scale = RG_RUNIT_SCALE_E4M3;
    am.max = 6;
    for (long t = 0; t < nrandom; t++) {
        uint32_t q[RG_RUNIT_FS_BLOCK], amax = 0, scale = 0;
        bool bad = false, four = false;
        src_block(u, RG_RUNIT_FS_BLOCK, seed, t, false, x);
        rg_runit_amax(&am, x, &amax, &bad, &scale);
        rg_runit_four_six(u, x, amax, q, &four, NULL);
        int n = 0;
        for (int i = RG_RUNIT_FS_BLOCK - 1; i >= 0; i--)
            f[n++] = (rfield){x[i], SB};
        f[n++] = (rfield){amax, SB};
        f[n++] = (rfield){four, 1};
        for (int i = RG_RUNIT_FS_BLOCK - 1; i >= 0; i--)
            f[n++] = (rfield){q[i], 4};
        rvec_put(vw, f, n);
    }
}

static void port_slices(FILE *f, const rtl_design *d) {
    int pos = rtl_design_input_bits(d);
    const char *sep = d->stages ? ", " : "";
    for (int i = 0; i < d->nports; i++) {
        const rtl_port *p = &d->ports[i];
        if (!p->input || strcmp(p->name, "clk") == 0)
            continue;
        fprintf(f, "%s.%s(vin[%d:%d])", sep, p->name, pos - 1, pos - p->width);
        sep = ", ";
        pos -= p->width;
    }
    fprintf(f, ", .y(y)");
}

static int write_tb(const rtl_design *d, const char *path, const char *hex, long n, rg_err *err) {
    int in = rtl_design_input_bits(d), ob = rtl_design_output_bits(d), tot = in + ob, S = d->stages;
    FILE *f = fopen(path, "w");
    if (!f)
        return rg_err_set(err, RG_EIO, "cosim", "cannot write %s: %s", path, strerror(errno));
    fprintf(f, "`timescale 1ns/1ps\n// tb: drives %ld vectors from the C model through %s.\nmodule tb;\n", n,
            d->top);
    fprintf(f, "    reg [%d:0] mem [0:%ld];\n    reg [%d:0] v;\n    reg [%d:0] vin;\n", tot - 1, n - 1,
            tot - 1, in - 1);
    fprintf(f, "    reg [%d:0] want;\n    wire [%d:0] y;\n    reg clk;\n    integer i, bad, first, last;\n",
            ob - 1, ob - 1);
    fprintf(f, "    %s dut (%s", d->top, S ? ".clk(clk)" : "");
    port_slices(f, d);
    fprintf(f, ");\n    initial begin\n        $readmemh(\"%s\", mem);\n        bad = 0;\n        clk = 0;\n",
            hex);
    /* +first=F +count=C: the slice of vectors this process runs */
    fprintf(f, "        if (!$value$plusargs(\"first=%%d\", first)) first = 0;\n");
    fprintf(f, "        if (!$value$plusargs(\"count=%%d\", last)) last = %ld;\n", n);
    fprintf(f, "        last = first + last;\n        if (last > %ld) last = %ld;\n        vin = 0;\n", n, n);
    if (!S) {
        fprintf(f, "        for (i = first; i < last; i = i + 1) begin\n            v = mem[i];\n");
        fprintf(f, "            vin = v[%d:%d];\n            want = v[%d:0];\n            #1;\n", tot - 1, ob,
                ob - 1);
    } else {
        fprintf(f, "        for (i = 0; i < %ld; i = i + 1) begin\n", n + S - 1);
        fprintf(
            f,
            "            if (i < %ld) begin\n                v = mem[i];\n                vin = v[%d:%d];\n"
            "            end\n",
            n, tot - 1, ob);
        fprintf(
            f,
            "            #1 clk = 1;\n            #1 clk = 0;\n            v = mem[i >= %d ? i - %d : 0];\n",
            S - 1, S - 1);
        fprintf(f, "            want = v[%d:0];\n            if (i >= %d)\n", ob - 1, S - 1);
    }
    fprintf(f, "            if (y !== want) begin\n                bad = bad + 1;\n");
    fprintf(
        f,
        "                if (bad <= 5) $display(\"MISMATCH vector %%0d in=%%h got=%%h want=%%h\", i, vin, y, "
        "want);\n            end\n        end\n");
    fprintf(
        f,
        "        $display(\"RESULT %%0d %%0d\", last - first, bad);\n        $finish;\n    end\nendmodule\n");
    if (fclose(f) != 0)
        return rg_err_set(err, RG_EIO, "cosim", "cannot write %s", path);
    return 0;
}

/* Writes the vectors; returns their count (< 0 on error). */
static long write_vectors(const rtl_design *d, const char *path, long nrandom, uint64_t seed,
                          bool *exhaustive, double *activity, rg_err *err) {
    vwriter vw = {.d = d, .in_bits = rtl_design_input_bits(d)};
    vw.tot_bits = vw.in_bits + rtl_design_output_bits(d);
    if (vw.tot_bits > MAX_WORDS * 32)
        return rg_err_set(err, RG_EUNSUPPORTED, "cosim", "vectors of %d bits", vw.tot_bits);
    vw.f = fopen(path, "w");
    if (!vw.f)
        return rg_err_set(err, RG_EIO, "cosim", "cannot write %s: %s", path, strerror(errno));
    const rg_unit *u = &d->unit;
    *exhaustive = !d->recipe_unit && u->kind == RG_UNIT_MUL && 2 * u->a.bits <= 16;
    if (d->recipe_unit)
        gen_runit(&vw, &d->ru, nrandom, seed);
    else if (u->kind == RG_UNIT_DOT)
        gen_dot(&vw, u, nrandom, seed);
    else
        gen_mul_mac(&vw, u, nrandom, seed, *exhaustive);
    bool bad = ferror(vw.f) != 0;
    if (fclose(vw.f) != 0 || bad)
        return rg_err_set(err, RG_EIO, "cosim", "cannot write %s", path);
    *activity = vw.n > 1 ? (double)vw.toggles / ((double)(vw.n - 1) * vw.in_bits) : 0.0;
    return vw.n;
}

static int join(char *out, size_t n, const char *dir, const char *name, rg_err *err) {
    if ((size_t)snprintf(out, n, "%s/%s", dir, name) >= n)
        return rg_err_set(err, RG_ERANGE, "dir", "path too long");
    return 0;
}

/* Adds one process's RESULT line (and its first mismatch) to res. */
static int add_result(const char *log, rtl_cosim_result *res) {
    const char *r = log ? strstr(log, "RESULT ") : NULL;
    long n = -1, bad = -1;
    if (!r || sscanf(r, "RESULT %ld %ld", &n, &bad) != 2)
        return -1;
    res->vectors += n;
    res->mismatches += bad;
    const char *m = strstr(log, "MISMATCH");
    if (m && !res->first_mismatch[0]) {
        size_t len = strcspn(m, "\n");
        snprintf(res->first_mismatch, sizeof res->first_mismatch, "%.*s",
                 (int)(len < sizeof res->first_mismatch ? len : sizeof res->first_mismatch - 1), m);
    }
    return 0;
}

#define COSIM_MAX_PROCS 8

typedef struct cosim_paths {
    char hex[1024], tb[1024], sim[1024], vlog[1024];
    char files[RTL_MAX_FILES][1024];
    char logs[COSIM_MAX_PROCS][1024];
} cosim_paths;

static int cosim_paths_of(const rtl_design *d, const char *dir, cosim_paths *p, rg_err *err) {
    int rc = join(p->hex, sizeof p->hex, dir, "vectors.hex", err);
    if (rc == 0)
        rc = join(p->tb, sizeof p->tb, dir, "tb.v", err);
    if (rc == 0)
        rc = join(p->sim, sizeof p->sim, dir, "sim.vvp", err);
    if (rc == 0)
        rc = join(p->vlog, sizeof p->vlog, dir, "iverilog.log", err);
    for (int i = 0; rc == 0 && i < d->nfiles; i++)
        rc = join(p->files[i], sizeof p->files[i], dir, d->file_names[i], err);
    for (int i = 0; rc == 0 && i < COSIM_MAX_PROCS; i++) {
        char name[32];
        snprintf(name, sizeof name, "cosim-%d.log", i);
        rc = join(p->logs[i], sizeof p->logs[i], dir, name, err);
    }
    return rc;
}

static int compile_tb(const rtl_design *d, cosim_paths *p, rtl_cosim_result *res, rg_err *err) {
    char *argv[RTL_MAX_FILES + 8];
    int argc = 0;
    int rc = rtl_tool_version(&TOOL_IVERILOG, "-V", p->vlog, res->iverilog_version,
                              sizeof res->iverilog_version, err);
    if (rc < 0)
        return rc;
    argv[argc++] = "iverilog";
    argv[argc++] = "-g2005";
    argv[argc++] = "-s";
    argv[argc++] = "tb";
    argv[argc++] = "-o";
    argv[argc++] = p->sim;
    argv[argc++] = p->tb;
    for (int i = 0; i < d->nfiles; i++)
        argv[argc++] = p->files[i];
    argv[argc] = NULL;
    return rtl_tool_run(&TOOL_IVERILOG, argv, p->vlog, 300, NULL, err);
}

/* Runs the vectors in slices, one vvp per processor. */
static int simulate(const char *dir, cosim_paths *p, long n, rtl_cosim_result *res, rg_err *err) {
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int np = (int)(cpus < 1 ? 1 : cpus > COSIM_MAX_PROCS ? COSIM_MAX_PROCS : cpus);
    if (n < 4000L * np)
        np = (int)(n / 4000 + 1);
    char args[COSIM_MAX_PROCS][2][48];
    char *argvs_store[COSIM_MAX_PROCS][6];
    char *const *argvs[COSIM_MAX_PROCS];
    const char *logs[COSIM_MAX_PROCS];
    long per = (n + np - 1) / np;
    for (int i = 0; i < np; i++) {
        snprintf(args[i][0], sizeof args[i][0], "+first=%ld", per * i);
        snprintf(args[i][1], sizeof args[i][1], "+count=%ld", per);
        char **a = argvs_store[i];
        a[0] = "vvp";
        a[1] = "-n";
        a[2] = p->sim;
        a[3] = args[i][0];
        a[4] = args[i][1];
        a[5] = NULL;
        argvs[i] = a;
        logs[i] = p->logs[i];
    }
    int rc = rtl_tool_run_many(&TOOL_VVP, argvs, logs, np, dir, 3600, err);
    if (rc < 0)
        return rc;
    for (int i = 0; i < np; i++) {
        char *text = rtl_read_text(p->logs[i], NULL);
        int ok = add_result(text, res);
        free(text);
        if (ok < 0)
            return rg_err_set(err, RG_EIO, "vvp", "the testbench printed no result (see %s)", p->logs[i]);
    }
    res->processes = np;
    return 0;
}

int rtl_cosim(const rtl_design *d, const char *dir, long nrandom, uint64_t seed, rtl_cosim_result *res,
              rg_err *err) {
    cosim_paths *p = calloc(1, sizeof *p);
    int rc = 0;
    memset(res, 0, sizeof *res);
    if (!p)
        return rg_err_set(err, RG_ENOMEM, "cosim", "out of memory");
    rc = cosim_paths_of(d, dir, p, err);
    if (rc < 0)
        goto out;
    double t0 = rtl_now_s();
    long n = write_vectors(d, p->hex, nrandom, seed, &res->exhaustive, &res->activity, err);
    if (n < 0) {
        rc = (int)n;
        goto out;
    }
    rc = write_tb(d, p->tb, "vectors.hex", n, err);
    if (rc == 0)
        rc = compile_tb(d, p, res, err);
    if (rc == 0)
        rc = simulate(dir, p, n, res, err);
    res->seconds = rtl_now_s() - t0;
out:
    free(p);
    return rc;
}

/* Counts verilator's warnings and keeps the first (or its error line). */
static void lint_findings(const char *text, int status, rtl_lint_result *res) {
    const char *p = text;
    while (p) {
        p = strstr(p, "%Warning");
        if (!p)
            break;
        if (res->warnings++ == 0) {
            size_t len = strcspn(p, "\n");
            snprintf(res->first, sizeof res->first, "%.*s",
                     (int)(len < sizeof res->first ? len : sizeof res->first - 1), p);
        }
        p++;
    }
    if (status != 0 && res->warnings == 0 && text)
        rtl_last_meaningful_line(text, res->first, sizeof res->first);
    res->clean = status == 0 && res->warnings == 0;
}

int rtl_lint(const rtl_design *d, const char *dir, rtl_lint_result *res, rg_err *err) {
    cosim_paths *p = calloc(1, sizeof *p);
    char log[1024], top[160];
    char *argv[RTL_MAX_FILES + 8];
    char *text = NULL;
    int rc = 0, argc = 0, status = 0;
    memset(res, 0, sizeof *res);
    if (!p)
        return rg_err_set(err, RG_ENOMEM, "lint", "out of memory");
    rc = cosim_paths_of(d, dir, p, err);
    if (rc == 0)
        rc = join(log, sizeof log, dir, "lint.log", err);
    if (rc == 0)
        rc = rtl_tool_version(&TOOL_VERILATOR, "--version", log, res->verilator_version,
                              sizeof res->verilator_version, err);
    if (rc < 0)
        goto out;
    snprintf(top, sizeof top, "%s", d->top);
    argv[argc++] = "verilator";
    argv[argc++] = "--lint-only";
    argv[argc++] = "-Wall";
    argv[argc++] = "--top-module";
    argv[argc++] = top;
    for (int i = 0; i < d->nfiles; i++)
        argv[argc++] = p->files[i];
    argv[argc] = NULL;
    rc = rtl_tool_run(&TOOL_VERILATOR, argv, log, 300, &status, err);
    if (rc < 0)
        goto out;
    text = rtl_read_text(log, NULL);
    lint_findings(text, status, res);
out:
    free(text);
    free(p);
    return rc;
}
