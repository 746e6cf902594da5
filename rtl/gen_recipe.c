/* gen_recipe.c: Verilog-2005 for the recipe units of engine/recipe_unit.h
 * (amax + block scale, four over six, block Walsh-Hadamard), each checked
 * bit for bit against its C model by the co-simulation.
 *
 *  - amax: a magnitude per element (NaN/Inf excluded and flagged), a
 *    balanced max tree, and the scale: E8M0 from the binade of amax (a
 *    leading-one search for subnormal sources), or E4M3 by TOP_scale.
 *  - TOP_scale: amax / 6 as an exact quotient by 3 (a multiply by
 *    ceil(2^(K+1) / 3), K the dividend's width, and a sticky remainder) or
 *    amax / 4 (a shift), one RNE rounding into E4M3 (the shared rounder of
 *    gen.c, saturating), clamped up to 2^-6.
 *  - four_six: both scales, 2 x 16 element quantizers (TOP_quant: a table
 *    of fp32(8 / significand), the exact product, its RNE to 24 bits, the
 *    E2M1 rounder), the windowed errors squared and summed per candidate,
 *    one comparator and a 16-way select.
 *  - hadamard: log2(b) stages of b/2 butterflies, each stage one bit wider.
 * Each module is its own file (verilator's DECLFILENAME rule). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats.h"
#include "gen.h"

#define EW 12 /* signed width of internal exponents, as in gen.c */

/* A text buffer: open_memstream, closed into `*text` by mem_close. */
typedef struct mem {
    FILE *f;
    char *p;
    size_t n;
} mem;

static int mem_open(mem *m) {
    m->p = NULL;
    m->n = 0;
    m->f = open_memstream(&m->p, &m->n);
    return m->f ? 0 : RG_ENOMEM;
}

/* Closes the stream; returns the text (caller frees) or NULL. */
static char *mem_close(mem *m) {
    if (!m->f)
        return NULL;
    bool bad = ferror(m->f) != 0;
    if (fclose(m->f) != 0)
        bad = true;
    m->f = NULL;
    if (bad) {
        free(m->p);
        return NULL;
    }
    return m->p;
}

/* A signed EW-bit literal. */
static const char *lit(char tmp[24], int v) {
    snprintf(tmp, 24, "%s%d'sd%d", v < 0 ? "-" : "", EW, v < 0 ? -v : v);
    return tmp;
}

static int clog2i(long v) {
    int n = 0;
    while ((1L << n) < v)
        n++;
    return n;
}

static rg_elem elem_named(const char *name) {
    rg_format f;
    rg_elem e;
    memset(&e, 0, sizeof e);
    if (rg_format_parse(name, &f, NULL, NULL) >= 0)
        (void)rg_elem_init(&e, &f);
    return e;
}

/* ---- request -> unit ----------------------------------------------------- */

int rtl_runit_of(const rtl_request *r, rg_runit *u, rg_err *err) {
    int kind = rg_runit_kind_find(r->unit);
    if (kind < 0)
        return rg_err_set(err, RG_EUNKNOWN, "--unit", "unknown recipe unit '%s'", r->unit);
    if (r->out_format[0] || r->acc[0])
        return rg_err_set(err, RG_EINVAL, r->acc[0] ? "--acc" : "--out-format",
                          "a %s unit has no accumulator or output format", r->unit);
    if (r->rounding[0] && strcmp(r->rounding, "rne") != 0)
        return rg_err_set(err, RG_EUNSUPPORTED, "--rounding", "recipe units round to nearest even");
    if (r->stages)
        return rg_err_set(err, RG_EUNSUPPORTED, "--stages", "only a mac unit is pipelined");
    if (r->align_bits)
        return rg_err_set(err, RG_EINVAL, "--align-bits", "only a dot unit aligns products");
    int rc = rg_runit_init(u, (rg_runit_kind)kind, r->format[0] ? r->format : NULL, r->block,
                           r->scale[0] ? r->scale : NULL, r->elem[0] ? r->elem : NULL, r->max, err);
    if (rc == 0 && kind == RG_RUNIT_FOUR_SIX && u->src.mbits < 2)
        rc = rg_err_set(err, RG_EUNSUPPORTED, "--format", "four_six needs a source with >= 2 mantissa bits");
    return rc;
}

/* ---- shared pieces --------------------------------------------------------- */

/* TOP_scale: a source magnitude code -> the E4M3 scale of amax / 6 (four =
 * 0) or amax / 4 (four = 1), clamped to [2^-6, 448]. */
static void emit_scale(FILE *f, const char *name, const char *rnd, const rg_elem *s) {
    int SB = s->bits, EB = s->ebits, MB = s->mbits, SW = MB + 1, K = SW + 8;
    unsigned long long c3 = ((1ull << (K + 1)) + 2u) / 3u; /* ceil(2^(K+1) / 3) */
    char t1[24], t2[24];
    fprintf(f, "// %s: the E4M3 block scale e4m3_rne(clamp(amax / (four ? 4 : 6), 2^-6, 448)).\n", name);
    fprintf(f, "module %s (\n    input  wire [%d:0] amax,\n    input  wire four,\n", name, SB - 2);
    fprintf(f, "    output wire [7:0] s\n);\n");
    fprintf(f, "    wire [%d:0] ef = amax[%d:%d];\n    wire [%d:0] mf = amax[%d:0];\n", EB - 1, SB - 2, MB,
            MB - 1, MB - 1);
    fprintf(f, "    wire [%d:0] sig = {ef != %d'd0, mf};\n", SW - 1, EB);
    fprintf(f, "    wire signed [%d:0] uexp = (ef != %d'd0) ? $signed({%d'd0, ef}) - %s : %s;\n", EW - 1, EB,
            EW - EB, lit(t1, s->bias), lit(t2, s->emin));
    fprintf(f, "    wire [%d:0] num = {sig, 8'd0};\n", K - 1);
    fprintf(f, "    // floor(num / 3) = floor(num * %llu / 2^%d) for num < 2^%d\n", c3, K + 1, K);
    fprintf(f, "    wire [%d:0] prod = {%d'd0, num} * %d'd%llu;\n", 2 * K + 1, K + 2, 2 * K + 2, c3);
    fprintf(f, "    wire [%d:0] q3 = prod[%d:%d];\n", K - 2, 2 * K - 1, K + 1);
    fprintf(f, "    wire [%d:0] back = {q3, 1'b0} + {1'b0, q3};\n", K - 1);
    fprintf(f, "    wire sticky = back != num;\n");
    fprintf(f, "    wire [%d:0] mag = four ? num : {q3, sticky};\n", K - 1);
    fprintf(f, "    wire signed [%d:0] exp = uexp - %s;\n", EW - 1, lit(t1, MB + 10));
    fprintf(f, "    wire [7:0] r;\n");
    fprintf(f,
            "    %s rs (.sign(1'b0), .mag(mag), .exp(exp), .nan(1'b0), .inf(1'b0), .inf_neg(1'b0), "
            ".zneg(1'b0), .y(r));\n",
            rnd);
    fprintf(f, "    assign s = (r < 8'h08) ? 8'h08 : r;\n");
    fprintf(f, "    wire unused_ok = &{1'b0, prod[%d:%d], prod[%d:0], r[7]};\nendmodule\n", 2 * K + 1, 2 * K,
            K);
}

/* The NaN/Inf test of element i of x (1'b0 for formats without them). */
static void bad_expr(FILE *f, const rg_elem *s, int i) {
    int SB = s->bits, MB = s->mbits, lo = i * SB;
    if (s->has_inf)
        fprintf(f, "&x[%d:%d]", lo + SB - 2, lo + MB);
    else if (s->nan_one)
        fprintf(f, "&x[%d:%d]", lo + SB - 2, lo);
    else
        fprintf(f, "1'b0");
}

/* ---- amax ------------------------------------------------------------------ */

static int gen_amax(const rtl_design *d, FILE *top, FILE *sc, FILE *rnd, const char *nsc, const char *nrd) {
    const rg_runit *u = &d->ru;
    const rg_elem *s = &u->src;
    int SB = s->bits, EB = s->ebits, MB = s->mbits, B = u->block, LV = clog2i(B), P = 1 << LV;
    char t1[24], t2[24];
    fprintf(top, "// %s: Ridge amax unit: %d %s elements -> {bad, amax, %s scale}.\n", d->top, B, u->src_name,
            u->scale == RG_RUNIT_SCALE_E8M0 ? "E8M0" : "E4M3");
    fprintf(top, "// Generated by %s; bit-exact against engine/recipe_unit.c.\n", RTL_GEN_VERSION);
    fprintf(top, "module %s (\n    input  wire [%d:0] x,\n    output wire [%d:0] y\n);\n", d->top, B * SB - 1,
            rg_runit_out_bits(u) - 1);
    for (int i = 0; i < P; i++) {
        if (i < B) {
            fprintf(top, "    wire b%d = ", i);
            bad_expr(top, s, i);
            fprintf(top, ";\n    wire [%d:0] m0_%d = b%d ? %d'd0 : x[%d:%d];\n", SB - 2, i, i, SB - 1,
                    i * SB + SB - 2, i * SB);
        } else {
            fprintf(top, "    wire [%d:0] m0_%d = %d'd0;\n", SB - 2, i, SB - 1);
        }
    }
    for (int l = 1; l <= LV; l++)
        for (int j = 0; j < P >> l; j++)
            fprintf(top, "    wire [%d:0] m%d_%d = (m%d_%d >= m%d_%d) ? m%d_%d : m%d_%d;\n", SB - 2, l, j,
                    l - 1, 2 * j, l - 1, 2 * j + 1, l - 1, 2 * j, l - 1, 2 * j + 1);
    fprintf(top, "    wire unused_sign = &{1'b0");
    for (int i = 0; i < B; i++)
        fprintf(top, ", x[%d]", i * SB + SB - 1);
    fprintf(top, "};\n");
    fprintf(top, "    wire [%d:0] amax = m%d_0;\n    wire bad = 1'b0", SB - 2, LV);
    for (int i = 0; i < B; i++)
        fprintf(top, " | b%d", i);
    fprintf(top, ";\n    wire [7:0] scale;\n");
    if (u->scale == RG_RUNIT_SCALE_E4M3) {
        emit_scale(sc, nsc, nrd, s);
        rg_elem e4 = elem_named("fp8_e4m3");
        char *rt = rtl_gen_rounder_text(nrd, MB + 9, &e4);
        if (!rt)
            return RG_ENOMEM;
        fputs(rt, rnd);
        free(rt);
        fprintf(top, "    wire [7:0] s;\n    %s c (.amax(amax), .four(1'b%d), .s(s));\n", nsc, u->max == 4);
        fprintf(top, "    assign scale = bad ? 8'h7f : s;\n");
    } else {
        int LW = clog2i(MB + 1) + 1;
        fprintf(top, "    wire [%d:0] ef = amax[%d:%d];\n    wire [%d:0] mf = amax[%d:0];\n", EB - 1, SB - 2,
                MB, MB - 1, MB - 1);
        fprintf(top, "    integer i;\n    reg [%d:0] pos;\n", LW - 1);
        fprintf(top, "    always @* begin\n        pos = %d'd0;\n", LW);
        fprintf(top,
                "        for (i = 0; i < %d; i = i + 1)\n            if (mf[i]) pos = i[%d:0];\n    end\n",
                MB, LW - 1);
        fprintf(top, "    // floor(log2 amax): the binade, or below it for a subnormal amax\n");
        fprintf(top, "    wire signed [%d:0] flo = (ef != %d'd0) ? $signed({%d'd0, ef}) - %s\n", EW - 1, EB,
                EW - EB, lit(t1, s->bias));
        fprintf(top, "                                    : %s + $signed({%d'd0, pos});\n",
                lit(t2, s->emin - MB), EW - LW);
        fprintf(top, "    wire signed [%d:0] sx = flo - %s;\n", EW - 1, lit(t1, u->elem.emax));
        fprintf(top, "    wire signed [%d:0] sb = sx + %s;\n", EW - 1, lit(t1, 127));
        fprintf(top, "    assign scale = bad ? 8'hff : (amax == %d'd0) ? 8'h00 : (sx < %s) ? 8'h00\n", SB - 1,
                lit(t1, -127));
        fprintf(top, "                 : (sx > %s) ? 8'hfe : sb[7:0];\n", lit(t2, 127));
        fprintf(top, "    wire unused_ok = &{1'b0, sb[%d:8]};\n", EW - 1);
    }
    fprintf(top, "    assign y = {bad, amax, scale};\nendmodule\n");
    return 0;
}

/* ---- four over six ---------------------------------------------------------- */

/* TOP_quant: one element x (a normal-or-less finite code) and an E4M3 scale
 * s -> e2m1_rne_sat(fp32_rne(x * fp32(1 / s))). */
static void emit_quant(FILE *f, const char *name, const char *rnd, const rg_elem *s) {
    int SB = s->bits, EB = s->ebits, MB = s->mbits, SW = MB + 1, PW = SW + 25;
    char t1[24];
    fprintf(f, "// %s: one element quantized with scale s: e2m1_rne_sat(fp32_rne(x * fp32(1/s))).\n", name);
    fprintf(f,
            "module %s (\n    input  wire [%d:0] x,\n    input  wire [7:0] s,\n    output wire [3:0] q\n);\n",
            name, SB - 1);
    fprintf(f, "    wire sign = x[%d];\n    wire [%d:0] ef = x[%d:%d];\n    wire [%d:0] mf = x[%d:0];\n",
            SB - 1, EB - 1, SB - 2, MB, MB - 1, MB - 1);
    fprintf(f, "    wire normal = ef != %d'd0;\n", EB);
    fprintf(f, "    // fp32(8 / (8 + s[2:0])) as a 25-bit significand with LSB 2^-24\n");
    fprintf(f, "    reg [24:0] isig;\n    always @* begin\n        case (s[2:0])\n");
    for (unsigned m = 0; m < 8; m++) {
        unsigned ds = 8u + m;
        unsigned long long num = 8ull << 24, q = num / ds, r = num % ds;
        if (2u * r > ds || (2u * r == ds && (q & 1u)))
            q++;
        if (m == 7)
            fprintf(f, "        default: isig = 25'd%llu;\n", q);
        else
            fprintf(f, "        3'd%u: isig = 25'd%llu;\n", m, q);
    }
    fprintf(f, "        endcase\n    end\n");
    fprintf(f, "    wire [%d:0] prod = {%d'd0, 1'b1, mf} * {%d'd0, isig};\n", PW - 1, PW - SW, PW - 25);
    fprintf(f, "    wire top = prod[%d];\n", MB + 24);
    fprintf(f, "    wire [23:0] kp = top ? prod[%d:%d] : prod[%d:%d];\n", MB + 24, MB + 1, MB + 23, MB);
    fprintf(f, "    wire g = top ? prod[%d] : prod[%d];\n", MB, MB - 1);
    if (MB >= 2)
        fprintf(f, "    wire st = top ? |prod[%d:0] : |prod[%d:0];\n", MB - 1, MB - 2);
    else
        fprintf(f, "    wire st = top ? prod[0] : 1'b0;\n");
    fprintf(f, "    wire [24:0] r = {1'b0, kp} + {24'd0, g & (st | kp[0])};\n");
    fprintf(f, "    wire signed [%d:0] ed = $signed({%d'd0, s[6:3]}) - %s;\n", EW - 1, EW - 4, lit(t1, 7));
    fprintf(f, "    wire signed [%d:0] ux = $signed({%d'd0, ef}) - %s;\n", EW - 1, EW - EB, lit(t1, s->bias));
    fprintf(f, "    wire signed [%d:0] e = ux - ed - %s + (top ? %s : ", EW - 1, lit(t1, MB + 24),
            lit((char[24]){0}, MB + 1));
    fprintf(f, "%s);\n", lit(t1, MB));
    fprintf(
        f,
        "    %s rq (.sign(sign), .mag(normal ? r : 25'd0), .exp(e), .nan(1'b0), .inf(1'b0), .inf_neg(1'b0), "
        ".zneg(sign), .y(q));\n",
        rnd);
    fprintf(f, "    wire unused_ok = &{1'b0, prod[%d:%d], s[7]};\nendmodule\n", PW - 1, MB + 25);
}

static int gen_four_six(const rtl_design *d, FILE *top, FILE *sc, FILE *rs, FILE *qt, FILE *rq,
                        const char *nsc, const char *nrs, const char *nqt, const char *nrq) {
    const rg_runit *u = &d->ru;
    const rg_elem *s = &u->src;
    int SB = s->bits, EB = s->ebits, MB = s->mbits, SW = MB + 1, XW = SW + 5, YW = XW + 2,
        N = RG_RUNIT_FS_BLOCK;
    int DW = YW + 1, QW = 2 * DW, SSW = QW + 4;
    char t1[24];
    emit_scale(sc, nsc, nrs, s);
    emit_quant(qt, nqt, nrq, s);
    rg_elem e4 = elem_named("fp8_e4m3"), e2 = elem_named("fp4_e2m1");
    char *r1 = rtl_gen_rounder_text(nrs, SW + 8, &e4);
    char *r2 = rtl_gen_rounder_text(nrq, 25, &e2);
    if (!r1 || !r2) {
        free(r1);
        free(r2);
        return RG_ENOMEM;
    }
    fputs(r1, rs);
    fputs(r2, rq);
    free(r1);
    free(r2);
    fprintf(top, "// %s: Ridge four-over-six unit: 16 %s elements and their amax -> {four, 16 E2M1 codes}.\n",
            d->top, u->src_name);
    fprintf(top, "// Generated by %s; bit-exact against engine/recipe_unit.c.\n", RTL_GEN_VERSION);
    fprintf(top, "module %s (\n    input  wire [%d:0] x,\n    input  wire [%d:0] amax,\n", d->top, N * SB - 1,
            SB - 1);
    fprintf(top, "    output wire [%d:0] y\n);\n", 4 * N);
    fprintf(top, "    wire [%d:0] am = amax[%d:0];\n    wire unused_ok = &{1'b0, amax[%d]};\n", SB - 2,
            SB - 2, SB - 1);
    fprintf(top, "    wire [7:0] s6, s4;\n");
    fprintf(top, "    %s c6 (.amax(am), .four(1'b0), .s(s6));\n    %s c4 (.amax(am), .four(1'b1), .s(s4));\n",
            nsc, nsc);
    fprintf(top, "    wire [%d:0] aef = am[%d:%d];\n", EB - 1, SB - 2, MB);
    fprintf(top, "    wire [%d:0] aex = (aef == %d'd0) ? %d'd1 : aef;\n", EB - 1, EB, EB);
    /* shift of q d into the window: ed - Ea + MB + 1 = s[6:3] - aex + bias + MB - 6 */
    const char *cs[2] = {"6", "4"};
    for (int c = 0; c < 2; c++) {
        fprintf(top, "    wire [7:0] kd_scale%s = {4'd0, 1'b1, s%s[2:0]};\n", cs[c], cs[c]);
        fprintf(
            top,
            "    wire signed [%d:0] rs%s = %s - ($signed({%d'd0, s%s[6:3]}) - $signed({%d'd0, aex}) + %s);\n",
            EW - 1, cs[c], lit(t1, YW), EW - 4, cs[c], EW - EB, lit((char[24]){0}, s->bias + MB - 6));
        fprintf(top, "    wire [%d:0] rc%s = (rs%s < %s) ? %d'd0 : (rs%s > %s) ? %d'd%d : rs%s[%d:0];\n",
                clog2i(YW + 9) - 1, cs[c], cs[c], lit(t1, 0), clog2i(YW + 9), cs[c],
                lit((char[24]){0}, YW + 8), clog2i(YW + 9), YW + 8, cs[c], clog2i(YW + 9) - 1);
    }
    for (int i = 0; i < N; i++) {
        int lo = i * SB;
        fprintf(top, "    // element %d\n", i);
        fprintf(top, "    wire [%d:0] ef%d = x[%d:%d];\n", EB - 1, i, lo + SB - 2, lo + MB);
        fprintf(top, "    wire [%d:0] ex%d = (ef%d == %d'd0) ? %d'd1 : ef%d;\n", EB - 1, i, i, EB, EB, i);
        fprintf(top, "    wire [%d:0] sg%d = {ef%d != %d'd0, x[%d:%d]};\n", SW - 1, i, i, EB, lo + MB - 1,
                lo);
        fprintf(top, "    wire [%d:0] xs%d = {sg%d, 5'd0} >> (aex - ex%d);\n", XW - 1, i, i, i);
        for (int c = 0; c < 2; c++) {
            const char *k = cs[c];
            fprintf(top, "    wire [3:0] q%s_%d;\n    %s u%s_%d (.x(x[%d:%d]), .s(s%s), .q(q%s_%d));\n", k, i,
                    nqt, k, i, lo + SB - 1, lo, k, k, i);
            fprintf(top, "    reg [3:0] k%s_%d;\n    always @* begin\n        case (q%s_%d[2:0])\n", k, i, k,
                    i);
            static const int twice[8] = {0, 1, 2, 3, 4, 6, 8, 12};
            for (int m = 0; m < 8; m++) {
                char label[16];
                if (m == 7)
                    snprintf(label, sizeof label, "default");
                else
                    snprintf(label, sizeof label, "3'd%d", m);
                fprintf(top, "        %s: k%s_%d = 4'd%d;\n", label, k, i, twice[m]);
            }
            fprintf(top, "        endcase\n    end\n");
            fprintf(top, "    wire [7:0] kd%s_%d = {4'd0, k%s_%d} * kd_scale%s;\n", k, i, k, i, k);
            fprintf(top, "    wire [%d:0] yw%s_%d = {kd%s_%d, %d'd0} >> rc%s;\n", YW + 7, k, i, k, i, YW, k);
            fprintf(
                top,
                "    wire signed [%d:0] d%s_%d = $signed({%d'd0, xs%d}) - $signed({1'b0, yw%s_%d[%d:0]});\n",
                DW - 1, k, i, DW - XW, i, k, i, YW - 1);
            fprintf(top, "    wire signed [%d:0] sq%s_%d = d%s_%d * d%s_%d;\n", QW - 1, k, i, k, i, k, i);
            fprintf(top, "    wire unused_%s_%d = &{1'b0, yw%s_%d[%d:%d]};\n", k, i, k, i, YW + 7, YW);
        }
    }
    for (int c = 0; c < 2; c++) {
        fprintf(top, "    wire [%d:0] sse%s = %d'd0", SSW - 1, cs[c], SSW);
        for (int i = 0; i < N; i++)
            fprintf(top, " + {4'd0, $unsigned(sq%s_%d)}", cs[c], i);
        fprintf(top, ";\n");
    }
    fprintf(top, "    wire four = sse4 < sse6;\n    assign y = {four");
    for (int i = N - 1; i >= 0; i--)
        fprintf(top, ", four ? q4_%d : q6_%d", i, i);
    fprintf(top, "};\nendmodule\n");
    return 0;
}

/* ---- Hadamard ----------------------------------------------------------------- */

static int gen_hadamard(const rtl_design *d, FILE *top) {
    const rg_runit *u = &d->ru;
    int W = u->width, B = u->block, K = u->log2b, OW = W + K;
    fprintf(
        top,
        "// %s: Ridge block Walsh-Hadamard unit: y = H_%d x on %d-bit integers, exact (%d-bit outputs).\n",
        d->top, B, W, OW);
    fprintf(top, "// Generated by %s; bit-exact against engine/recipe_unit.c.\n", RTL_GEN_VERSION);
    fprintf(top, "module %s (\n    input  wire [%d:0] x,\n    output wire [%d:0] y\n);\n", d->top, B * W - 1,
            B * OW - 1);
    for (int i = 0; i < B; i++)
        fprintf(top, "    wire signed [%d:0] h0_%d = x[%d:%d];\n", W - 1, i, i * W + W - 1, i * W);
    for (int l = 1; l <= K; l++) {
        int h = 1 << (l - 1), w = W + l;
        for (int i = 0; i < B; i++) {
            bool lo = (i & h) == 0;
            int a = lo ? i : i - h, b = lo ? i + h : i;
            fprintf(top,
                    "    wire signed [%d:0] h%d_%d = $signed({h%d_%d[%d], h%d_%d}) %s $signed({h%d_%d[%d], "
                    "h%d_%d});\n",
                    w - 1, l, i, l - 1, a, w - 2, l - 1, a, lo ? "+" : "-", l - 1, b, w - 2, l - 1, b);
        }
    }
    fprintf(top, "    assign y = {");
    for (int i = B - 1; i >= 0; i--)
        fprintf(top, "h%d_%d%s", K, i, i ? ", " : "");
    fprintf(top, "};\nendmodule\n");
    return 0;
}

/* ---- rtl_gen_recipe ------------------------------------------------------------ */

static void name_of(rtl_design *d) {
    const rg_runit *u = &d->ru;
    char src[32];
    size_t j = 0;
    for (size_t i = 0; u->src_name[i] && j + 1 < sizeof src; i++) {
        char c = u->src_name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
        src[j++] = ok ? c : '_';
    }
    src[j] = '\0';
    int n = snprintf(d->top, sizeof d->top, "rg_%s_%s_b%d", rg_runit_kind_name(u->kind), src, u->block);
    if (u->kind == RG_RUNIT_AMAX && u->scale == RG_RUNIT_SCALE_E8M0)
        snprintf(d->top + n, sizeof d->top - (size_t)n, "_e8m0_emax%d", u->elem.emax);
    else if (u->kind == RG_RUNIT_AMAX)
        snprintf(d->top + n, sizeof d->top - (size_t)n, "_e4m3_m%d", u->max);
}

static void add_port(rtl_design *d, const char *name, int width, bool input) {
    rtl_port *p = &d->ports[d->nports++];
    snprintf(p->name, sizeof p->name, "%s", name);
    p->width = width;
    p->input = input;
}

int rtl_gen_recipe(const rtl_request *r, rtl_design *d, rg_err *err) {
    memset(d, 0, sizeof *d);
    int rc = rtl_runit_of(r, &d->ru, err);
    if (rc < 0)
        return rc;
    d->recipe_unit = true;
    const rg_runit *u = &d->ru;
    name_of(d);
    int inw = u->kind == RG_RUNIT_HADAMARD
                  ? u->block * u->width
                  : (u->kind == RG_RUNIT_FOUR_SIX ? RG_RUNIT_FS_BLOCK : u->block) * u->src.bits;
    add_port(d, "x", inw, true);
    if (u->kind == RG_RUNIT_FOUR_SIX)
        add_port(d, "amax", u->src.bits, true);
    add_port(d, "y", rg_runit_out_bits(u), false);
    static const char *const sfx[3][5] = {{"", "_scale", "_round_s", NULL, NULL},
                                          {"", "_scale", "_round_s", "_quant", "_round_q"},
                                          {"", NULL, NULL, NULL, NULL}};
    const char *const *names = sfx[u->kind];
    mem m[5];
    char mod[5][128];
    int nf = 0;
    for (int i = 0; i < 5 && names[i]; i++) {
        if (u->kind == RG_RUNIT_AMAX && i > 0 && u->scale == RG_RUNIT_SCALE_E8M0)
            break;
        snprintf(mod[i], sizeof mod[i], "%s%s", d->top, names[i]);
        if (mem_open(&m[i]) < 0) {
            rc = RG_ENOMEM;
            break;
        }
        nf++;
    }
    if (rc == 0 && u->kind == RG_RUNIT_AMAX)
        rc = gen_amax(d, m[0].f, nf > 1 ? m[1].f : NULL, nf > 2 ? m[2].f : NULL, mod[1], mod[2]);
    else if (rc == 0 && u->kind == RG_RUNIT_FOUR_SIX)
        rc = gen_four_six(d, m[0].f, m[1].f, m[2].f, m[3].f, m[4].f, mod[1], mod[2], mod[3], mod[4]);
    else if (rc == 0)
        rc = gen_hadamard(d, m[0].f);
    for (int i = 0; i < nf; i++) {
        char *text = mem_close(&m[i]);
        if (!text) {
            rc = RG_ENOMEM;
            continue;
        }
        snprintf(d->file_names[d->nfiles], sizeof d->file_names[0], "%s.v", mod[i]);
        d->file_text[d->nfiles++] = text;
    }
    if (rc < 0) {
        rtl_design_free(d);
        return rg_err_set(err, RG_ENOMEM, "rtl", "out of memory generating Verilog");
    }
    return 0;
}
