/* gen.c: Verilog-2005 for the numerics units (see gen.h).
 *
 * The datapaths, each checked bit for bit against engine/unit.c:
 *  - mul: decode both operands (significand with hidden bit, unbiased
 *    exponent, specials), multiply the significands exactly, round once.
 *  - mac: the product and the accumulator c are placed in one window of
 *    PW + SWC + 4 bits with the larger operand's top at the window's top;
 *    the smaller is shifted right and the bits it loses are ORed into the
 *    window's LSB (a sticky bit), then one signed add and one rounding. The
 *    window leaves at least two bits below the result's LSB whenever bits
 *    were lost (they are lost only when the exponents differ by more than
 *    the width of the larger operand, and then no cancellation of more
 *    than one bit can happen), so the rounding sees the same guard and
 *    sticky as the exact sum would give.
 *  - dot: 32 (MX) or 16 (NVFP4) exact element products; with exact
 *    alignment each is shifted to its place in a fixed-point word spanning
 *    every product exponent the element format has; with a window of N
 *    bits each is aligned to the largest product exponent and truncated;
 *    a balanced adder tree; the block scales (E8M0 exponents added, or the
 *    E4M3 significands multiplied) and one rounding.
 * The rounder normalises an unsigned magnitude with an exponent into the
 * output format: leading-one search, subnormal clamp, guard/sticky,
 * RNE/RTZ/RNA, carry-out renormalisation, overflow by the format's rule. */
#include "gen.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats.h"

#define EW 12 /* signed exponent width of every internal exponent */

typedef struct gbuf {
    char *p;
    size_t len, cap;
    bool oom;
} gbuf;

__attribute__((format(printf, 2, 3))) static void gp(gbuf *b, const char *fmt, ...) {
    if (b->oom)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = b->cap - b->len;
        int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? room : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->oom = true;
            return;
        }
        if (b->p && (size_t)n < room) {
            b->len += (size_t)n;
            return;
        }
        size_t ncap = b->cap ? b->cap : 4096;
        while (ncap < b->len + (size_t)n + 1)
            ncap *= 2;
        char *np = realloc(b->p, ncap);
        if (!np) {
            b->oom = true;
            return;
        }
        b->p = np;
        b->cap = ncap;
    }
}

/* A signed EW-bit literal. */
static const char *sl(char tmp[24], int v) {
    snprintf(tmp, 24, "%s%d'sd%d", v < 0 ? "-" : "", EW, v < 0 ? -v : v);
    return tmp;
}

static int clog2(long v) {
    int n = 0;
    while ((1L << n) < v)
        n++;
    return n;
}

/* ---- element description for the generator -------------------------------- */

typedef struct efmt {
    const rg_elem *e;
    int B;  /* code width */
    int SW; /* significand width (hidden bit included; |k| for ints) */
    int FR; /* fraction bits: value = sig * 2^(uexp - FR) */
    int emin, emax;
} efmt;

static efmt efmt_of(const rg_elem *e) {
    efmt f = {.e = e, .B = e->bits};
    if (e->is_int) {
        f.SW = e->bits; /* |-2^(B-1)| needs B bits unsigned */
        f.FR = -e->qmin;
        f.emin = f.emax = 0;
    } else {
        f.SW = e->mbits + 1;
        f.FR = e->mbits;
        f.emin = e->emin;
        f.emax = e->emax;
    }
    return f;
}

/* The decoder module of one format. */
static void emit_decoder(gbuf *b, const char *name, const efmt *f) {
    const rg_elem *e = f->e;
    char t1[24];
    gp(b, "// %s: decode a code into sign, specials, significand and binade exponent.\n", name);
    gp(b, "module %s (\n    input  wire [%d:0] code,\n    output wire sign,\n    output wire zero,\n", name,
       f->B - 1);
    gp(b, "    output wire nan,\n    output wire inf,\n    output wire [%d:0] sig,\n", f->SW - 1);
    gp(b, "    output wire signed [%d:0] uexp\n);\n", EW - 1);
    gp(b, "    assign sign = code[%d];\n", f->B - 1);
    if (e->is_int) {
        gp(b, "    assign sig = sign ? (~code + %d'd1) : code;\n", f->B);
        gp(b, "    assign zero = code == %d'd0;\n    assign nan = 1'b0;\n    assign inf = 1'b0;\n", f->B);
        gp(b, "    assign uexp = %s;\nendmodule\n", sl(t1, 0));
        return;
    }
    int EB = e->ebits, MB = e->mbits;
    gp(b, "    wire [%d:0] ef = code[%d:%d];\n    wire [%d:0] mf = code[%d:0];\n", EB - 1, EB + MB - 1, MB,
       MB - 1, MB - 1);
    if (e->has_inf) {
        gp(b, "    assign nan = (ef == {%d{1'b1}}) && (mf != {%d{1'b0}});\n", EB, MB);
        gp(b, "    assign inf = (ef == {%d{1'b1}}) && (mf == {%d{1'b0}});\n", EB, MB);
    } else if (e->nan_one) {
        gp(b, "    assign nan = code[%d:0] == {%d{1'b1}};\n    assign inf = 1'b0;\n", EB + MB - 1, EB + MB);
    } else {
        gp(b, "    assign nan = 1'b0;\n    assign inf = 1'b0;\n");
    }
    gp(b, "    assign sig = {ef != {%d{1'b0}}, mf};\n", EB);
    gp(b, "    assign zero = sig == {%d{1'b0}};\n", f->SW);
    char t2[24];
    gp(b, "    assign uexp = (ef != {%d{1'b0}}) ? $signed({{%d{1'b0}}, ef}) - %s : %s;\nendmodule\n", EB,
       EW - EB, sl(t1, e->bias), sl(t2, e->emin));
}

/* The rounder: W-bit magnitude with LSB weight 2^exp into format `o`. */
static void emit_rounder(gbuf *b, const char *name, int W, const rg_unit *u) {
    const rg_elem *o = &u->out;
    int EB = o->ebits, MB = o->mbits, OB = o->bits;
    int LW = clog2(W + 2) + 1;
    int TW = W > MB + 2 ? W : MB + 2;
    char t1[24], t2[24];
    bool rtz = u->round == RG_ROUND_RTZ;
    uint32_t nanc = rg_unit_nan_code(o), maxp = rg_unit_max_code(o, false), maxn = rg_unit_max_code(o, true);
    uint32_t infp = o->has_inf ? ((uint32_t)((1u << EB) - 1u) << MB) : (u->saturate ? maxp : nanc);
    uint32_t infn = o->has_inf ? (infp | (1u << (OB - 1))) : (u->saturate ? maxn : nanc);
    bool ovf_max = u->saturate || rtz || (!o->has_inf && !o->has_nan);
    uint32_t ovfp = ovf_max ? maxp : (o->has_inf ? infp : nanc);
    uint32_t ovfn = ovf_max ? maxn : (o->has_inf ? infn : nanc);
    uint64_t maxsig = (uint64_t)(maxp & ((1u << MB) - 1u)) | (1ull << MB);
    gp(b, "// %s: round a %d-bit magnitude times 2^exp once to e%dm%d (%s), %s.\n", name, W, EB, MB,
       rg_round_name(u->round), u->saturate ? "saturating" : "IEEE overflow");
    gp(b,
       "module %s (\n    input  wire sign,\n    input  wire [%d:0] mag,\n    input  wire signed [%d:0] "
       "exp,\n",
       name, W - 1, EW - 1);
    gp(b, "    input  wire nan,\n    input  wire inf,\n    input  wire inf_neg,\n    input  wire zneg,\n");
    gp(b, "    output reg  [%d:0] y\n);\n", OB - 1);
    gp(b, "    integer i;\n    reg [%d:0] pos;\n    reg [%d:0] sh;\n", LW - 1, LW - 1);
    gp(b, "    reg signed [%d:0] lexp, te, q, nq, eb;\n    reg [%d:0] tmp;\n    reg [%d:0] kept;\n", EW - 1,
       TW - 1, MB + 1);
    if (!rtz)
        gp(b, "    reg [%d:0] tmp2;\n    reg guard, sticky;\n", W - 1);
    gp(b, "    reg up, ovf;\n");
    gp(b, "    always @* begin\n        pos = {%d{1'b0}};\n", LW);
    gp(b, "        for (i = 0; i < %d; i = i + 1)\n            if (mag[i]) pos = i[%d:0];\n", W, LW - 1);
    gp(b, "        lexp = exp + $signed({{%d{1'b0}}, pos});\n", EW - LW);
    gp(b, "        te = (lexp > %s) ? lexp : %s;\n", sl(t1, o->emin), sl(t2, o->emin));
    gp(b, "        q = te - %s - exp;\n        nq = -q;\n", sl(t1, MB));
    if (!rtz)
        gp(b, "        guard = 1'b0;\n        sticky = 1'b0;\n        tmp2 = {%d{1'b0}};\n", W);
    gp(b, "        if (q <= %s) begin\n            sh = nq[%d:0];\n", sl(t1, 0), LW - 1);
    gp(b, "            tmp = {{%d{1'b0}}, mag} << sh;\n", TW - W > 0 ? TW - W : 0);
    gp(b, "        end else begin\n            sh = (q > %s) ? %d'd%d : q[%d:0];\n", sl(t1, W + 1), LW, W + 1,
       LW - 1);
    gp(b, "            tmp = {{%d{1'b0}}, mag} >> sh;\n", TW - W > 0 ? TW - W : 0);
    if (!rtz) {
        gp(b, "            tmp2 = mag >> (sh - %d'd1);\n            guard = tmp2[0];\n", LW);
        gp(b, "            sticky = |(mag & ~({%d{1'b1}} << (sh - %d'd1)));\n", W, LW);
    }
    gp(b, "        end\n        kept = tmp[%d:0];\n", MB + 1);
    if (u->round == RG_ROUND_RNE)
        gp(b, "        up = guard & (sticky | kept[0]);\n");
    else if (u->round == RG_ROUND_RNA)
        gp(b, "        up = guard;\n");
    else
        gp(b, "        up = 1'b0;\n");
    gp(b, "        kept = kept + {{%d{1'b0}}, up};\n", MB + 1);
    gp(b,
       "        if (kept[%d]) begin\n            kept = kept >> 1;\n            te = te + %s;\n        end\n",
       MB + 1, sl(t1, 1));
    gp(b, "        ovf = (te > %s) || ((te == %s) && (kept > %d'd%llu));\n", sl(t1, o->emax), sl(t2, o->emax),
       MB + 2, (unsigned long long)maxsig);
    gp(b, "        eb = te + %s;\n", sl(t1, o->bias));
    gp(b, "        if (nan) y = %d'h%x;\n", OB, nanc);
    gp(b, "        else if (inf) y = inf_neg ? %d'h%x : %d'h%x;\n", OB, infn, OB, infp);
    gp(b, "        else if (mag == {%d{1'b0}}) y = {zneg, {%d{1'b0}}};\n", W, OB - 1);
    gp(b, "        else if (kept == {%d{1'b0}}) y = {sign, {%d{1'b0}}};\n", MB + 2, OB - 1);
    gp(b, "        else if (ovf) y = sign ? %d'h%x : %d'h%x;\n", OB, ovfn, OB, ovfp);
    gp(b, "        else if (kept[%d]) y = {sign, eb[%d:0], kept[%d:0]};\n", MB, EB - 1, MB - 1);
    gp(b, "        else y = {sign, {%d{1'b0}}, kept[%d:0]};\n    end\n", EB, MB - 1);
    /* bits that are computed but not needed (verilator's *unused* rule) */
    gp(b, "    wire unused_ok = &{1'b0, tmp, eb, nq%s%s};\nendmodule\n", rtz ? "" : ", tmp2",
       u->round == RG_ROUND_RNA ? ", sticky" : "");
}

/* ---- designs ------------------------------------------------------------- */

static void port(rtl_design *d, const char *name, int width, bool input) {
    rtl_port *p = &d->ports[d->nports++];
    snprintf(p->name, sizeof p->name, "%s", name);
    p->width = width;
    p->input = input;
}

static void header(gbuf *b, const rtl_design *d) {
    const rg_unit *u = &d->unit;
    gp(b, "// %s: Ridge %s unit, %s operands, %s %s, rounding %s", d->top, rg_unit_kind_name(u->kind),
       u->fa.name, u->kind == RG_UNIT_MUL ? "output" : "accumulator", u->fout.name, rg_round_name(u->round));
    if (u->kind == RG_UNIT_DOT)
        gp(b, ", %d-element block, alignment %s", u->block, u->align_bits ? "window" : "exact");
    if (u->align_bits)
        gp(b, " of %d bits", u->align_bits);
    gp(b, ".\n// Generated by %s; bit-exact against engine/unit.c.\n", RTL_GEN_VERSION);
}

/* Port list of the top module. */
static void emit_ports(gbuf *b, const rtl_design *d) {
    gp(b, "module %s (\n", d->top);
    for (int i = 0; i < d->nports; i++) {
        const rtl_port *p = &d->ports[i];
        bool reg_out = !p->input && d->stages > 0;
        if (p->width == 1)
            gp(b, "    %s %s%s", p->input ? "input  wire" : "output wire", "", p->name);
        else
            gp(b, "    %s [%d:0] %s", p->input ? "input  wire" : (reg_out ? "output reg " : "output wire"),
               p->width - 1, p->name);
        gp(b, "%s\n", i + 1 < d->nports ? "," : "");
    }
    gp(b, ");\n");
}

static void decode_inst(gbuf *b, const char *mod, const char *inst, const char *code, const char *s) {
    gp(b, "    %s %s (.code(%s), .sign(s%s), .zero(z%s), .nan(n%s), .inf(i%s), .sig(m%s), .uexp(u%s));\n",
       mod, inst, code, s, s, s, s, s, s);
}

static void decode_wires(gbuf *b, const char *s, const efmt *f) {
    gp(b, "    wire s%s, z%s, n%s, i%s;\n    wire [%d:0] m%s;\n    wire signed [%d:0] u%s;\n", s, s, s, s,
       f->SW - 1, s, EW - 1, s);
}

/* The rounder instance and the output port (registered when stages > 0). */
static void emit_output(gbuf *b, const rtl_design *d, const char *rmod, const char *mag, const char *exp,
                        const char *neg, const char *nan, const char *inf, const char *infneg,
                        const char *zneg) {
    int OB = d->unit.out.bits;
    const char *yn = d->stages > 0 ? "yr" : "y";
    if (d->stages > 0)
        gp(b, "    wire [%d:0] yr;\n", OB - 1);
    gp(b, "    %s r (.sign(%s), .mag(%s), .exp(%s), .nan(%s), .inf(%s), .inf_neg(%s), .zneg(%s), .y(%s));\n",
       rmod, neg, mag, exp, nan, inf, infneg, zneg, yn);
    if (d->stages > 0)
        gp(b, "    always @(posedge clk) y <= yr;\n");
    gp(b, "endmodule\n");
}

static int gen_int(const rtl_design *d, gbuf *b) {
    const rg_unit *u = &d->unit;
    int B = u->a.bits, AB = u->out.bits;
    header(b, d);
    emit_ports(b, d);
    gp(b, "    wire signed [%d:0] xa = {{%d{a[%d]}}, a};\n", AB - 1, AB - B, B - 1);
    gp(b, "    wire signed [%d:0] xb = {{%d{b[%d]}}, b};\n", AB - 1, AB - B, B - 1);
    if (u->kind == RG_UNIT_MUL)
        gp(b, "    assign y = xa * xb;\n");
    else if (d->stages == 0)
        gp(b, "    assign y = c + xa * xb;\n");
    else
        gp(b, "    always @(posedge clk) y <= c + xa * xb;\n");
    gp(b, "endmodule\n");
    return 0;
}

static int gen_mul(const rtl_design *d, gbuf *top, gbuf *dec, gbuf *rnd) {
    const rg_unit *u = &d->unit;
    efmt f = efmt_of(&u->a);
    char n1[128], n2[128], t1[24];
    snprintf(n1, sizeof n1, "%s_dec", d->top);
    snprintf(n2, sizeof n2, "%s_round", d->top);
    emit_decoder(dec, n1, &f);
    int PW = 2 * f.SW;
    emit_rounder(rnd, n2, PW, u);
    header(top, d);
    emit_ports(top, d);
    decode_wires(top, "a", &f);
    decode_wires(top, "b", &f);
    decode_inst(top, n1, "da", "a", "a");
    decode_inst(top, n1, "db", "b", "b");
    gp(top, "    wire [%d:0] m = {{%d{1'b0}}, ma} * {{%d{1'b0}}, mb};\n", PW - 1, f.SW, f.SW);
    gp(top, "    wire signed [%d:0] e = ua + ub - %s;\n", EW - 1, sl(t1, 2 * f.FR));
    gp(top,
       "    wire neg = sa ^ sb;\n    wire nan = na | nb | (ia & zb) | (ib & za);\n    wire inf = ia | ib;\n");
    emit_output(top, d, n2, "m", "e", "neg", "nan", "inf", "neg", "neg");
    return 0;
}

/* A signal crossing a pipeline boundary: a wire, or a register. */
static void cross(gbuf *b, bool reg, const char *to, const char *from, int width, bool is_signed) {
    char w[32] = "";
    if (width > 1)
        snprintf(w, sizeof w, "[%d:0] ", width - 1);
    if (reg)
        gp(b, "    reg %s%s%s;\n    always @(posedge clk) %s <= %s;\n", is_signed ? "signed " : "", w, to, to,
           from);
    else
        gp(b, "    wire %s%s%s = %s;\n", is_signed ? "signed " : "", w, to, from);
}

static int gen_mac(const rtl_design *d, gbuf *top, gbuf *dec, gbuf *decc, gbuf *rnd) {
    const rg_unit *u = &d->unit;
    efmt f = efmt_of(&u->a), fc = efmt_of(&u->out);
    char n1[128], n2[128], n3[128], t1[24], t2[24];
    snprintf(n1, sizeof n1, "%s_dec", d->top);
    snprintf(n2, sizeof n2, "%s_dec_acc", d->top);
    snprintf(n3, sizeof n3, "%s_round", d->top);
    emit_decoder(dec, n1, &f);
    emit_decoder(decc, n2, &fc);
    int PW = 2 * f.SW, SWC = fc.SW, WM = PW + SWC + 4, LD = clog2(WM + 1) + 1;
    emit_rounder(rnd, n3, WM, u);
    header(top, d);
    emit_ports(top, d);
    gp(top, "    // stage 1: decode, exact product\n");
    decode_wires(top, "a", &f);
    decode_wires(top, "b", &f);
    decode_wires(top, "c", &fc);
    decode_inst(top, n1, "da", "a", "a");
    decode_inst(top, n1, "db", "b", "b");
    decode_inst(top, n2, "dc", "c", "c");
    gp(top, "    wire [%d:0] mp1 = {{%d{1'b0}}, ma} * {{%d{1'b0}}, mb};\n", PW - 1, f.SW, f.SW);
    gp(top, "    wire signed [%d:0] ep1 = ua + ub - %s;\n", EW - 1, sl(t1, 2 * f.FR));
    gp(top, "    wire signed [%d:0] ec1 = uc - %s;\n", EW - 1, sl(t1, fc.FR));
    gp(top, "    wire sp1 = sa ^ sb, pz1 = za | zb, pn1 = na | nb | (ia & zb) | (ib & za), pi1 = ia | ib;\n");
    bool r1 = d->stages >= 3, r2 = d->stages >= 2;
    cross(top, r1, "mp", "mp1", PW, false);
    cross(top, r1, "ep", "ep1", EW, true);
    cross(top, r1, "mc_", "mc", SWC, false);
    cross(top, r1, "ec", "ec1", EW, true);
    const char *flags[][2] = {{"sp", "sp1"}, {"pz", "pz1"}, {"pn", "pn1"}, {"pi", "pi1"},
                              {"sc_", "sc"}, {"cz", "zc"},  {"cn", "nc"},  {"ci", "ic"}};
    for (int i = 0; i < 8; i++)
        cross(top, r1, flags[i][0], flags[i][1], 1, false);
    gp(top, "    // stage 2: align in a %d-bit window (sticky below it), add\n", WM);
    gp(top, "    wire signed [%d:0] tp = ep + %s, tc = ec + %s;\n", EW - 1, sl(t1, PW), sl(t2, SWC));
    gp(top, "    wire x_is_p = cz | (~pz & (tp >= tc));\n");
    gp(top, "    wire signed [%d:0] tx = x_is_p ? tp : tc, ty = x_is_p ? tc : tp;\n", EW - 1);
    gp(top, "    wire signed [%d:0] d = tx - ty;\n", EW - 1);
    gp(top, "    wire [%d:0] pw = {1'b0, mp, {%d{1'b0}}};\n", WM - 1, WM - 1 - PW);
    gp(top, "    wire [%d:0] cw = {1'b0, mc_, {%d{1'b0}}};\n", WM - 1, WM - 1 - SWC);
    gp(top, "    wire [%d:0] xw = x_is_p ? pw : cw, yfull = x_is_p ? cw : pw;\n", WM - 1);
    gp(top, "    wire [%d:0] ds = (d > %s) ? %d'd%d : d[%d:0];\n", LD - 1, sl(t1, WM), LD, WM, LD - 1);
    gp(top, "    wire ystk = |(yfull & ~({%d{1'b1}} << ds));\n", WM);
    gp(top, "    wire [%d:0] yw = (yfull >> ds) | {{%d{1'b0}}, ystk};\n", WM - 1, WM - 1);
    gp(top, "    wire xneg = x_is_p ? sp : sc_, yneg = x_is_p ? sc_ : sp;\n");
    gp(top, "    wire signed [%d:0] sx = xneg ? -$signed({1'b0, xw}) : $signed({1'b0, xw});\n", WM);
    gp(top, "    wire signed [%d:0] sy = yneg ? -$signed({1'b0, yw}) : $signed({1'b0, yw});\n", WM);
    gp(top, "    wire signed [%d:0] s = sx + sy;\n", WM);
    gp(top, "    wire [%d:0] sabs = s[%d] ? -s : s;\n", WM, WM);
    gp(top, "    wire signed [%d:0] wexp2 = tx - %s;\n", EW - 1, sl(t1, WM - 1));
    gp(top, "    wire nan2 = pn | cn | (pi & ci & (sp != sc_)), inf2 = pi | ci, infneg2 = pi ? sp : sc_;\n");
    gp(top, "    wire zneg2 = sp & sc_, neg2 = s[%d];\n", WM);
    gp(top, "    wire [%d:0] mag2 = sabs[%d:0];\n", WM - 1, WM - 1);
    gp(top, "    wire unused_ok = &{1'b0, sabs[%d]};\n", WM);
    gp(top, "    // stage 3: round once\n");
    cross(top, r2, "mag3", "mag2", WM, false);
    cross(top, r2, "wexp3", "wexp2", EW, true);
    const char *f3[][2] = {
        {"neg3", "neg2"}, {"nan3", "nan2"}, {"inf3", "inf2"}, {"infneg3", "infneg2"}, {"zneg3", "zneg2"}};
    for (int i = 0; i < 5; i++)
        cross(top, r2, f3[i][0], f3[i][1], 1, false);
    emit_output(top, d, n3, "mag3", "wexp3", "neg3", "nan3", "inf3", "infneg3", "zneg3");
    return 0;
}

/* ---- rtl_unit_of / rtl_gen ---------------------------------------------- */

int rtl_unit_of(const rtl_request *r, rg_unit *u, rg_err *err) {
    int kind = rg_unit_kind_find(r->unit);
    if (kind < 0)
        return rg_err_set(err, RG_EUNKNOWN, "--unit",
                          "unknown unit '%s' (mul, mac, dot, amax, four_six, hadamard)", r->unit);
    if (r->block || r->scale[0] || r->elem[0] || r->max)
        return rg_err_set(err, RG_EINVAL,
                          r->block      ? "--block"
                          : r->scale[0] ? "--scale"
                          : r->elem[0]  ? "--elem"
                                        : "--max",
                          "only the recipe units (amax, four_six, hadamard) take it");
    rg_format f, g;
    int rc = rg_unit_format_parse(r->format, &f, "--format", err);
    if (rc < 0)
        return rc;
    const char *gname = kind == RG_UNIT_MUL ? r->out_format : r->acc;
    const char *gfield = kind == RG_UNIT_MUL ? "--out-format" : "--acc";
    if (kind == RG_UNIT_MUL && r->acc[0])
        return rg_err_set(err, RG_EINVAL, "--acc", "a mul unit has no accumulator (use --out-format)");
    if (kind != RG_UNIT_MUL && r->out_format[0])
        return rg_err_set(err, RG_EINVAL, "--out-format", "only a mul unit takes --out-format (use --acc)");
    if (gname[0]) {
        rc = rg_unit_format_parse(gname, &g, gfield, err);
        if (rc < 0)
            return rc;
    }
    int round = rg_round_find(r->rounding[0] ? r->rounding : "rne");
    if (round < 0)
        return rg_err_set(err, RG_EUNKNOWN, "--rounding", "unknown rounding '%s' (rne, rtz, rna)",
                          r->rounding);
    rc = rg_unit_init(u, (rg_unit_kind)kind, &f, gname[0] ? &g : NULL, (rg_round)round, r->align_bits, err);
    if (rc < 0)
        return rc;
    if (!u->is_int && (u->a.mbits < 1 || u->out.mbits < 1))
        return rg_err_set(err, RG_EUNSUPPORTED, u->a.mbits < 1 ? "--format" : gfield,
                          "formats without mantissa bits are not generated");
    return 0;
}

/* TOP_prod: decode one pair of elements, multiply exactly. */
static void emit_prod(gbuf *b, const char *name, const char *dec, const efmt *f) {
    int PW = 2 * f->SW;
    gp(b, "// %s: one element product of a block: exact significand product, exponent sum, specials.\n",
       name);
    gp(b, "module %s (\n    input  wire [%d:0] ca,\n    input  wire [%d:0] cb,\n", name, f->B - 1, f->B - 1);
    gp(b, "    output wire [%d:0] m,\n    output wire signed [%d:0] p,\n", PW - 1, EW - 1);
    gp(b, "    output wire neg,\n    output wire nz,\n    output wire fin,\n    output wire nan,\n"
          "    output wire inf\n);\n");
    decode_wires(b, "a", f);
    decode_wires(b, "b", f);
    decode_inst(b, dec, "da", "ca", "a");
    decode_inst(b, dec, "db", "cb", "b");
    gp(b, "    assign m = {{%d{1'b0}}, ma} * {{%d{1'b0}}, mb};\n    assign p = ua + ub;\n", f->SW, f->SW);
    gp(b, "    assign neg = sa ^ sb;\n    assign nan = na | nb | (ia & zb) | (ib & za);\n");
    gp(b, "    assign inf = (ia | ib) & ~nan;\n    assign fin = ~(na | nb | ia | ib);\n");
    gp(b, "    assign nz = fin & ~za & ~zb;\nendmodule\n");
}

/* TOP_align: place one product in the block's fixed-point word. */
static void emit_align(gbuf *b, const char *name, const rg_unit *u, const efmt *f, int MAGW) {
    int PW = 2 * f->SW, N = u->align_bits, TW = MAGW > PW ? MAGW : PW;
    int SHW = clog2(TW + 2) + 1;
    char t1[24], t2[24];
    gp(b, "// %s: align one product (%s) into a %d-bit magnitude, then sign it.\n", name,
       N ? "to the largest exponent, truncated to the window" : "exactly", MAGW);
    gp(b, "module %s (\n    input  wire [%d:0] m,\n    input  wire signed [%d:0] p,\n", name, PW - 1, EW - 1);
    if (N)
        gp(b, "    input  wire signed [%d:0] pmax,\n", EW - 1);
    gp(b,
       "    input  wire neg,\n    input  wire nz,\n    output wire signed [%d:0] t,\n    output wire "
       "tz\n);\n",
       MAGW);
    gp(b, "    wire [%d:0] mw = {{%d{1'b0}}, m};\n", TW - 1, TW - PW);
    if (!N) {
        gp(b, "    wire signed [%d:0] sh = p - %s;\n", EW - 1, sl(t1, 2 * f->emin));
        gp(b, "    wire [%d:0] moved = mw << sh[%d:0];\n", TW - 1, SHW - 1);
        gp(b, "    wire unused_ok = &{1'b0, sh[%d:%d]};\n", EW - 1, SHW);
    } else {
        /* sh > 0: right shift (truncation toward zero); sh <= 0: left shift */
        gp(b, "    wire signed [%d:0] sh = pmax - p + %s;\n    wire signed [%d:0] nsh = -sh;\n", EW - 1,
           sl(t1, 2 * f->FR + 2 - N), EW - 1);
        gp(b, "    wire [%d:0] rs = (sh > %s) ? %d'd%d : sh[%d:0];\n", SHW - 1, sl(t2, TW), SHW, TW, SHW - 1);
        gp(b, "    wire [%d:0] moved = sh[%d] ? (mw << nsh[%d:0]) : (mw >> rs);\n", TW - 1, EW - 1, SHW - 1);
        gp(b, "    wire unused_ok = &{1'b0, nsh[%d:%d]};\n", EW - 1, SHW);
    }
    if (TW > MAGW)
        gp(b, "    wire unused_hi = &{1'b0, moved[%d:%d]};\n", TW - 1, MAGW);
    gp(b, "    wire [%d:0] mag = nz ? moved[%d:0] : {%d{1'b0}};\n", MAGW - 1, MAGW - 1, MAGW);
    gp(b, "    assign tz = mag == {%d{1'b0}};\n", MAGW);
    gp(b, "    assign t = neg ? -$signed({1'b0, mag}) : $signed({1'b0, mag});\nendmodule\n");
}

static int gen_dot(const rtl_design *d, gbuf *top, gbuf *dec, gbuf *prod, gbuf *aln, gbuf *rnd, gbuf *decs) {
    const rg_unit *u = &d->unit;
    efmt f = efmt_of(&u->a);
    int K = u->block, N = u->align_bits, PW = 2 * f.SW, B = f.B;
    int MAGW = N ? N + 1 : PW + 2 * (f.emax - f.emin);
    int LV = clog2(K), SWD = MAGW + 1 + LV;
    bool nv = u->scale == RG_DOT_SCALE_E4M3;
    int FMW = nv ? SWD - 1 + 8 : SWD - 1;
    char nd[128], np[128], na[128], nr[128], ns[128], t1[24], t2[24];
    snprintf(nd, sizeof nd, "%s_dec", d->top);
    snprintf(np, sizeof np, "%s_prod", d->top);
    snprintf(na, sizeof na, "%s_align", d->top);
    snprintf(nr, sizeof nr, "%s_round", d->top);
    snprintf(ns, sizeof ns, "%s_dec_scale", d->top);
    emit_decoder(dec, nd, &f);
    emit_prod(prod, np, nd, &f);
    emit_align(aln, na, u, &f, MAGW);
    emit_rounder(rnd, nr, FMW, u);
    efmt fs = efmt_of(&u->scale_elem);
    if (nv)
        emit_decoder(decs, ns, &fs);
    header(top, d);
    emit_ports(top, d);
    gp(top, "    // element products\n");
    for (int i = 0; i < K; i++) {
        gp(top, "    wire [%d:0] m%d;\n    wire signed [%d:0] p%d;\n    wire ng%d, nz%d, fi%d, nn%d, in%d;\n",
           PW - 1, i, EW - 1, i, i, i, i, i, i);
        gp(top,
           "    %s u%d (.ca(a[%d:%d]), .cb(b[%d:%d]), .m(m%d), .p(p%d), .neg(ng%d), .nz(nz%d), .fin(fi%d), "
           ".nan(nn%d), .inf(in%d));\n",
           np, i, i * B + B - 1, i * B, i * B + B - 1, i * B, i, i, i, i, i, i, i);
    }
    if (N) {
        gp(top, "    // the largest exponent among non-zero products\n");
        for (int i = 0; i < K; i++)
            gp(top, "    wire v0_%d = nz%d;\n    wire signed [%d:0] q0_%d = p%d;\n", i, i, EW - 1, i, i);
        for (int l = 1; l <= LV; l++)
            for (int j = 0; j < K >> l; j++) {
                int a0 = 2 * j, a1 = 2 * j + 1;
                gp(top, "    wire v%d_%d = v%d_%d | v%d_%d;\n", l, j, l - 1, a0, l - 1, a1);
                gp(top,
                   "    wire signed [%d:0] q%d_%d = (v%d_%d & (~v%d_%d | (q%d_%d >= q%d_%d))) ? q%d_%d : "
                   "q%d_%d;\n",
                   EW - 1, l, j, l - 1, a0, l - 1, a1, l - 1, a0, l - 1, a1, l - 1, a0, l - 1, a1);
            }
        gp(top, "    wire signed [%d:0] pmax = q%d_0;\n    wire unused_v = &{1'b0, v%d_0};\n", EW - 1, LV,
           LV);
    }
    gp(top, "    // aligned, signed terms and a balanced adder tree\n");
    for (int i = 0; i < K; i++) {
        gp(top, "    wire signed [%d:0] s0_%d;\n    wire tz%d;\n", MAGW, i, i);
        gp(top, "    %s a%d (.m(m%d), .p(p%d), %s.neg(ng%d), .nz(nz%d), .t(s0_%d), .tz(tz%d));\n", na, i, i,
           i, N ? ".pmax(pmax), " : "", i, i, i, i);
    }
    for (int l = 1; l <= LV; l++) {
        int w = MAGW + l; /* the MSB index of level l */
        for (int j = 0; j < K >> l; j++)
            gp(top,
               "    wire signed [%d:0] s%d_%d = $signed({s%d_%d[%d], s%d_%d}) + $signed({s%d_%d[%d], "
               "s%d_%d});\n",
               w, l, j, l - 1, 2 * j, w - 1, l - 1, 2 * j, l - 1, 2 * j + 1, w - 1, l - 1, 2 * j + 1);
    }
    gp(top, "    wire signed [%d:0] sum = s%d_0;\n", SWD - 1, LV);
    gp(top, "    // block scales\n");
    if (nv) {
        decode_wires(top, "x", &fs);
        decode_wires(top, "w", &fs);
        decode_inst(top, ns, "dx", "sa", "x");
        decode_inst(top, ns, "dw", "sb", "w");
        gp(top, "    wire [7:0] ssig = {4'd0, mx} * {4'd0, mw};\n");
        gp(top, "    wire signed [%d:0] sexp = ux + uw - %s;\n", EW - 1, sl(t1, 2 * fs.FR));
        gp(top, "    wire sneg = sx ^ sw, snan = nx | nw, sz = zx | zw;\n");
        gp(top, "    wire unused_s = &{1'b0, ix, iw};\n");
    } else {
        gp(top, "    wire signed [%d:0] sexp = $signed({%d'd0, sa}) + $signed({%d'd0, sb}) - %s;\n", EW - 1,
           EW - 8, EW - 8, sl(t1, 254));
        gp(top, "    wire sneg = 1'b0, snan = (sa == 8'hff) | (sb == 8'hff), sz = 1'b0;\n");
    }
    gp(top, "    wire [%d:0] sabs = sum[%d] ? -sum : sum;\n", SWD - 1, SWD - 1);
    gp(top, "    wire unused_t = &{1'b0, sabs[%d]};\n", SWD - 1);
    if (nv)
        gp(top, "    wire [%d:0] fmag = {8'd0, sabs[%d:0]} * {{%d{1'b0}}, ssig};\n", FMW - 1, SWD - 2,
           FMW - 8);
    else
        gp(top, "    wire [%d:0] fmag = sabs[%d:0];\n", FMW - 1, SWD - 2);
    if (N)
        gp(top, "    wire signed [%d:0] fexp = pmax + %s + sexp;\n", EW - 1, sl(t1, 2 - N));
    else
        gp(top, "    wire signed [%d:0] fexp = %s + sexp;\n", EW - 1, sl(t2, 2 * f.emin - 2 * f.FR));
    /* specials and the sign of an exact zero */
    gp(top, "    wire anynan = 1'b0");
    for (int i = 0; i < K; i++)
        gp(top, " | nn%d", i);
    gp(top, ";\n    wire anypinf = 1'b0");
    for (int i = 0; i < K; i++)
        gp(top, " | (in%d & ~ng%d)", i, i);
    gp(top, ";\n    wire anyninf = 1'b0");
    for (int i = 0; i < K; i++)
        gp(top, " | (in%d & ng%d)", i, i);
    gp(top, ";\n    wire allnegz = 1'b1");
    for (int i = 0; i < K; i++)
        gp(top, " & (~fi%d | ((ng%d ^ sneg) & (tz%d | sz)))", i, i, i);
    gp(top, ";\n    wire fnan = anynan | snan | (anypinf & anyninf), finf = anypinf | anyninf;\n");
    gp(top, "    wire fneg = sum[%d] ^ sneg;\n", SWD - 1);
    emit_output(top, d, nr, "fmag", "fexp", "fneg", "fnan", "finf", "anyninf", "allnegz");
    return 0;
}

/* ---- rtl_gen ------------------------------------------------------------- */

/* A Verilog identifier from a format name ("e4m3fn" stays, "fp8_e4m3" too). */
static void ident(char *out, size_t n, const char *s) {
    size_t j = 0;
    for (size_t i = 0; s[i] && j + 1 < n; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
        out[j++] = ok ? c : '_';
    }
    out[j] = '\0';
}

static void name_design(rtl_design *d, const rtl_request *r) {
    char f[40], g[40];
    const rg_unit *u = &d->unit;
    ident(f, sizeof f, r->format);
    ident(g, sizeof g,
          u->kind == RG_UNIT_MUL ? (r->out_format[0] ? r->out_format : r->format)
                                 : (r->acc[0] ? r->acc : (u->is_int ? "int32" : "fp32")));
    int n = snprintf(d->top, sizeof d->top, "rg_%s_%s", rg_unit_kind_name(u->kind), f);
    if (strcmp(f, g) != 0 || u->kind != RG_UNIT_MUL)
        n += snprintf(d->top + n, sizeof d->top - (size_t)n, "_%s", g);
    if (u->round != RG_ROUND_RNE && !u->is_int)
        n += snprintf(d->top + n, sizeof d->top - (size_t)n, "_%s", rg_round_name(u->round));
    if (u->align_bits)
        n += snprintf(d->top + n, sizeof d->top - (size_t)n, "_w%d", u->align_bits);
    if (d->stages)
        snprintf(d->top + n, sizeof d->top - (size_t)n, "_s%d", d->stages);
}

static void ports_of(rtl_design *d) {
    const rg_unit *u = &d->unit;
    if (d->stages)
        port(d, "clk", 1, true);
    int wa = u->kind == RG_UNIT_DOT ? u->a.bits * u->block : u->a.bits;
    port(d, "a", wa, true);
    port(d, "b", wa, true);
    if (u->kind == RG_UNIT_MAC)
        port(d, "c", u->out.bits, true);
    if (u->kind == RG_UNIT_DOT) {
        port(d, "sa", u->scale_elem.bits, true);
        port(d, "sb", u->scale_elem.bits, true);
    }
    port(d, "y", u->out.bits, false);
}

int rtl_design_input_bits(const rtl_design *d) {
    int n = 0;
    for (int i = 0; i < d->nports; i++)
        if (d->ports[i].input && strcmp(d->ports[i].name, "clk") != 0)
            n += d->ports[i].width;
    return n;
}

int rtl_design_output_bits(const rtl_design *d) {
    return d->recipe_unit ? rg_runit_out_bits(&d->ru) : d->unit.out.bits;
}

bool rtl_is_recipe_unit(const rtl_request *r) { return rg_runit_kind_find(r->unit) >= 0; }

char *rtl_gen_rounder_text(const char *name, int W, const rg_elem *out) {
    rg_unit u;
    memset(&u, 0, sizeof u);
    u.out = *out;
    u.round = RG_ROUND_RNE;
    u.saturate = true;
    gbuf b = {0};
    emit_rounder(&b, name, W, &u);
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

void rtl_design_free(rtl_design *d) {
    if (!d)
        return;
    for (int i = 0; i < d->nfiles; i++)
        free(d->file_text[i]);
    d->nfiles = 0;
}

int rtl_gen(const rtl_request *r, rtl_design *d, rg_err *err) {
    if (rtl_is_recipe_unit(r))
        return rtl_gen_recipe(r, d, err);
    memset(d, 0, sizeof *d);
    int rc = rtl_unit_of(r, &d->unit, err);
    if (rc < 0)
        return rc;
    if (r->stages < 0 || r->stages > 3)
        return rg_err_set(err, RG_ERANGE, "--stages", "must be 0 (combinational) to 3, got %d", r->stages);
    if (r->stages && d->unit.kind != RG_UNIT_MAC)
        return rg_err_set(err, RG_EUNSUPPORTED, "--stages", "only a mac unit is pipelined");
    if (r->stages > 1 && d->unit.is_int)
        return rg_err_set(err, RG_EUNSUPPORTED, "--stages", "an integer mac has one stage (--stages 0 or 1)");
    d->stages = r->stages;
    name_design(d, r);
    ports_of(d);
    gbuf bufs[RTL_MAX_FILES];
    memset(bufs, 0, sizeof bufs);
    const char *suffix[RTL_MAX_FILES] = {"", NULL, NULL, NULL, NULL, NULL};
    const rg_unit *u = &d->unit;
    if (u->is_int) {
        gen_int(d, &bufs[0]);
    } else if (u->kind == RG_UNIT_MUL) {
        gen_mul(d, &bufs[0], &bufs[1], &bufs[2]);
        suffix[1] = "_dec";
        suffix[2] = "_round";
    } else if (u->kind == RG_UNIT_MAC) {
        gen_mac(d, &bufs[0], &bufs[1], &bufs[2], &bufs[3]);
        suffix[1] = "_dec";
        suffix[2] = "_dec_acc";
        suffix[3] = "_round";
    } else {
        gen_dot(d, &bufs[0], &bufs[1], &bufs[2], &bufs[3], &bufs[4], &bufs[5]);
        suffix[1] = "_dec";
        suffix[2] = "_prod";
        suffix[3] = "_align";
        suffix[4] = "_round";
        suffix[5] = u->scale == RG_DOT_SCALE_E4M3 ? "_dec_scale" : NULL;
    }
    rc = 0;
    for (int i = 0; i < RTL_MAX_FILES; i++) {
        if (!suffix[i]) {
            free(bufs[i].p);
            continue;
        }
        if (bufs[i].oom || !bufs[i].p)
            rc = RG_ENOMEM;
        snprintf(d->file_names[d->nfiles], sizeof d->file_names[0], "%s%s.v", d->top, suffix[i]);
        d->file_text[d->nfiles++] = bufs[i].p;
    }
    if (rc < 0) {
        rtl_design_free(d);
        return rg_err_set(err, RG_ENOMEM, "rtl", "out of memory generating Verilog");
    }
    return 0;
}
