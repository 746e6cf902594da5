/* calib.c: measurement rows, predictions and the calibration fit (see
 * calib.h). cJSON stays in the row reader and the profile codec; the fit
 * works on typed rows and rg_assumptions. */
#include "calib.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "collectives.h"
#include "evaluate.h"
#include "formats.h"
#include "roofline.h"

static const char *const kind_names[CALIB_KINDS] = {
#define RG_X_(id, name) [id] = name,
    RG_COMM_LIST(RG_X_)
#undef RG_X_
        [CALIB_GEMM] = "gemm",
    [CALIB_MEMORY] = "memory",
    [CALIB_STEP] = "step",
};

const char *calib_kind_name(int kind) { return kind >= 0 && kind < CALIB_KINDS ? kind_names[kind] : "?"; }

static int kind_find(const char *s) {
    for (int i = 0; i < CALIB_KINDS; i++)
        if (strcmp(kind_names[i], s) == 0)
            return i;
    return -1;
}

int calib_params(int kind, int *ids) {
    static const int eff[RG_COMM_COUNT] = {RG_A_ALL_REDUCE_EFF, RG_A_ALL_GATHER_EFF, RG_A_REDUCE_SCATTER_EFF,
                                           RG_A_ALL_TO_ALL_EFF, RG_A_SEND_RECV_EFF};
    static const int lat[RG_COMM_COUNT] = {RG_A_ALL_REDUCE_LAT, RG_A_ALL_GATHER_LAT, RG_A_REDUCE_SCATTER_LAT,
                                           RG_A_ALL_TO_ALL_LAT, RG_A_SEND_RECV_LAT};
    static const int step[RG_COMM_COUNT] = {RG_A_ALL_REDUCE_STEP_LAT, RG_A_ALL_GATHER_STEP_LAT,
                                            RG_A_REDUCE_SCATTER_STEP_LAT, RG_A_ALL_TO_ALL_STEP_LAT,
                                            RG_A_SEND_RECV_STEP_LAT};
    /* NCCL's LL and LL128 protocols: bandwidth fraction and latency scale */
    static const int proto[RG_COMM_COUNT][4] = {
        {RG_A_ALL_REDUCE_LL_BW, RG_A_ALL_REDUCE_LL_LAT, RG_A_ALL_REDUCE_LL128_BW, RG_A_ALL_REDUCE_LL128_LAT},
        {RG_A_ALL_GATHER_LL_BW, RG_A_ALL_GATHER_LL_LAT, RG_A_ALL_GATHER_LL128_BW, RG_A_ALL_GATHER_LL128_LAT},
        {RG_A_REDUCE_SCATTER_LL_BW, RG_A_REDUCE_SCATTER_LL_LAT, RG_A_REDUCE_SCATTER_LL128_BW,
         RG_A_REDUCE_SCATTER_LL128_LAT},
        {RG_A_ALL_TO_ALL_LL_BW, RG_A_ALL_TO_ALL_LL_LAT, RG_A_ALL_TO_ALL_LL128_BW, RG_A_ALL_TO_ALL_LL128_LAT},
        {RG_A_SEND_RECV_LL_BW, RG_A_SEND_RECV_LL_LAT, RG_A_SEND_RECV_LL128_BW, RG_A_SEND_RECV_LL128_LAT}};
    if (kind >= 0 && kind < RG_COMM_COUNT) {
        ids[0] = eff[kind];
        ids[1] = lat[kind];
        for (int p = 0; p < 4; p++)
            ids[2 + p] = proto[kind][p];
        ids[6] = step[kind]; /* last: fitted only over several group sizes (group_params) */
        /* one step whatever the group: the step latency would be the fixed cost again */
        return kind == RG_COMM_SEND_RECV || kind == RG_COMM_ALL_TO_ALL ? 6 : 7;
    }
    switch (kind) {
    case CALIB_GEMM:
        ids[0] = RG_A_MATMUL_EFF;
        ids[1] = RG_A_MATMUL_HALF_FLOPS;
        return 2;
    case CALIB_MEMORY:
        ids[0] = RG_A_MEMORY_EFF;
        ids[1] = RG_A_MEMORY_HALF_BYTES;
        return 2;
    case CALIB_STEP: /* the per-op floor of the software stack and the matmul plateau */
        ids[0] = RG_A_KERNEL_OVERHEAD;
        ids[1] = RG_A_MATMUL_EFF;
        return 2;
    default:
        return 0;
    }
}

/* Assumptions that are fractions in (0, 1] (a collective kind's efficiency
 * is relative to the link-level one and may exceed 1). */
static bool is_fraction(int id) {
    static const int ids[] = {RG_A_MATMUL_EFF,           RG_A_MEMORY_EFF,
                              RG_A_ALL_REDUCE_LL_BW,     RG_A_ALL_REDUCE_LL128_BW,
                              RG_A_ALL_GATHER_LL_BW,     RG_A_ALL_GATHER_LL128_BW,
                              RG_A_REDUCE_SCATTER_LL_BW, RG_A_REDUCE_SCATTER_LL128_BW,
                              RG_A_ALL_TO_ALL_LL_BW,     RG_A_ALL_TO_ALL_LL128_BW,
                              RG_A_SEND_RECV_LL_BW,      RG_A_SEND_RECV_LL128_BW};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        if (ids[i] == id)
            return true;
    return false;
}

/* ---- reading rows ---- */

static int row_err(char *msg, size_t len, const char *path, int line, const char *key, const char *why) {
    snprintf(msg, len, "%s:%d: %s: %s", path, line, key, why);
    return -1;
}

/* A positive finite number under `key`, or an error naming it. */
static int get_pos(const cJSON *j, const char *key, double *v, char *msg, size_t len, const char *path,
                   int line) {
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(j, key);
    if (!x)
        return row_err(msg, len, path, line, key, "missing");
    if (!cJSON_IsNumber(x) || !isfinite(x->valuedouble) || x->valuedouble <= 0.0)
        return row_err(msg, len, path, line, key, "must be a number > 0");
    *v = x->valuedouble;
    return 0;
}

static int get_name(const cJSON *j, const char *key, char *out, char *msg, size_t len, const char *path,
                    int line) {
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(j, key);
    if (!x)
        return row_err(msg, len, path, line, key, "missing");
    if (!cJSON_IsString(x) || strlen(x->valuestring) == 0 || strlen(x->valuestring) >= CALIB_NAME_MAX)
        return row_err(msg, len, path, line, key, "must be a preset name");
    strcpy(out, x->valuestring);
    return 0;
}

/* Hardware / system presets and the default assumptions, through the codec
 * (an unknown preset is refused there). */
static int base_spec(const char *hw, const char *sys, rg_spec *s, rg_err *e) {
    char text[512];
    snprintf(
        text, sizeof text,
        "{\"model\":\"llama3-8b\",\"hardware\":\"%s\",%s%s%s\"phase\":\"train\",\"batch\":1,\"seq_len\":1}",
        hw, sys ? "\"system\":\"" : "", sys ? sys : "", sys ? "\"," : "");
    return codec_spec_parse_text(text, strlen(text), s, e);
}

static int parse_row(const cJSON *j, const char *path, int line, calib_row *r, char *msg, size_t len) {
    rg_err e = {0};
    memset(r, 0, sizeof *r);
    r->line = line;
    if (!cJSON_IsObject(j))
        return row_err(msg, len, path, line, "(row)", "expected a JSON object");
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(j, "kind");
    if (!cJSON_IsString(k))
        return row_err(msg, len, path, line, "kind", "missing");
    r->kind = kind_find(k->valuestring);
    if (r->kind < 0)
        return row_err(msg, len, path, line, "kind",
                       "unknown (gemm, memory, step, all_reduce, all_gather, reduce_scatter, all_to_all, "
                       "send_recv)");
    const cJSON *src = cJSON_GetObjectItemCaseSensitive(j, "source");
    if (cJSON_IsString(src))
        snprintf(r->source, sizeof r->source, "%s", src->valuestring);
    if (get_pos(j, "time_s", &r->time_s, msg, len, path, line))
        return -1;
    if (r->kind == CALIB_STEP) {
        const cJSON *s = cJSON_GetObjectItemCaseSensitive(j, "spec");
        if (!cJSON_IsObject(s))
            return row_err(msg, len, path, line, "spec", "missing (an object)");
        if (codec_spec_parse(s, &r->spec, &e) != 0) {
            char key[160];
            snprintf(key, sizeof key, "spec.%s", e.field);
            return row_err(msg, len, path, line, key, e.msg);
        }
        return 0;
    }
    if (r->kind == CALIB_GEMM || r->kind == CALIB_MEMORY) {
        if (get_name(j, "hardware", r->name, msg, len, path, line))
            return -1;
        if (base_spec(r->name, NULL, &r->spec, &e) != 0)
            return row_err(msg, len, path, line, "hardware", "unknown hardware preset");
    } else {
        if (get_name(j, "system", r->name, msg, len, path, line))
            return -1;
        if (base_spec("h100-sxm", r->name, &r->spec, &e) != 0)
            return row_err(msg, len, path, line, "system", "unknown system preset");
        if (get_pos(j, "ranks", &r->ranks, msg, len, path, line) ||
            get_pos(j, "bytes", &r->bytes, msg, len, path, line))
            return -1;
        if (r->ranks != floor(r->ranks) || r->ranks > 1e7)
            return row_err(msg, len, path, line, "ranks", "must be a whole number of ranks");
        if (r->kind != RG_COMM_SEND_RECV && r->ranks < 2)
            return row_err(msg, len, path, line, "ranks", "a collective needs >= 2 ranks");
    }
    if (r->kind == CALIB_MEMORY)
        return get_pos(j, "bytes", &r->bytes, msg, len, path, line);
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(j, "dtype");
    if (r->kind == CALIB_GEMM || d) {
        if (get_name(j, "dtype", r->dtype, msg, len, path, line))
            return -1;
        int fmt = rg_format_find(r->dtype);
        if (fmt < 0)
            return row_err(msg, len, path, line, "dtype", "unknown format (ridge formats)");
        r->spec.numerics.math = fmt;
    }
    if (r->kind == CALIB_GEMM) {
        const rg_format *f = rg_format_get(r->spec.numerics.math);
        if (!(r->spec.hw.matrix_flops[f->math] > 0.0))
            return row_err(msg, len, path, line, "dtype", "this hardware has no matrix unit for it");
        if (get_pos(j, "m", &r->m, msg, len, path, line) || get_pos(j, "n", &r->n, msg, len, path, line) ||
            get_pos(j, "k", &r->k, msg, len, path, line))
            return -1;
        /* the chip's SMs / CUs, as a spec's hardware.matrix_cores: turns the
         * tile and wave model on for this row */
        const cJSON *mc = cJSON_GetObjectItemCaseSensitive(j, "matrix_cores");
        if (mc) {
            double v = cJSON_IsNumber(mc) ? mc->valuedouble : -1.0;
            if (!(v >= 1.0) || v > 1e7 || v != floor(v))
                return row_err(msg, len, path, line, "matrix_cores", "must be a whole number of cores >= 1");
            r->spec.hw.matrix_cores = v;
        }
    }
    return 0;
}

int calib_read(const char *text, const char *path, bool skip_bad, calib_set *set, char *msg, size_t msg_len) {
    int line = 0, rc = 0;
    const char *p = text;
    calib_row *r = malloc(sizeof *r);
    if (!r)
        return -2;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        line++;
        char *buf = malloc(n + 1);
        if (!buf) {
            rc = -2;
            break;
        }
        memcpy(buf, p, n);
        buf[n] = '\0';
        p += n + (nl ? 1 : 0);
        size_t i = 0;
        while (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r')
            i++;
        if (buf[i] == '\0') { /* blank line */
            free(buf);
            continue;
        }
        rg_err e = {0};
        cJSON *j = codec_json_parse(buf, n, &e);
        free(buf);
        int bad =
            j ? parse_row(j, path, line, r, msg, msg_len) : row_err(msg, msg_len, path, line, "(row)", e.msg);
        cJSON_Delete(j);
        if (bad) {
            if (skip_bad) {
                set->bad++;
                continue;
            }
            rc = -1;
            break;
        }
        if (set->n == set->cap) {
            int cap = set->cap ? 2 * set->cap : 64;
            calib_row *nr = realloc(set->rows, (size_t)cap * sizeof *nr);
            if (!nr) {
                rc = -2;
                break;
            }
            set->rows = nr;
            set->cap = cap;
        }
        set->rows[set->n++] = *r;
    }
    free(r);
    if (rc) {
        calib_set_free(set);
        if (rc == -2)
            snprintf(msg, msg_len, "out of memory");
    }
    return rc;
}

void calib_set_free(calib_set *set) {
    if (!set)
        return;
    free(set->rows);
    set->rows = NULL;
    set->n = set->cap = 0;
}

/* ---- prediction ---- */

static void roof_for(const rg_spec *s, const rg_assumptions *a, rg_roof *r) {
    const double *av = a->v;
    const rg_format *mf = rg_format_get(s->numerics.math);
    memset(r, 0, sizeof *r);
    r->mm_peak = mf ? s->hw.matrix_flops[mf->math] : 0.0;
    r->mm_eff = av[RG_A_MATMUL_EFF] > 1.0 ? 1.0 : av[RG_A_MATMUL_EFF];
    r->mm_half = av[RG_A_MATMUL_HALF_FLOPS];
    r->vec_rate = s->hw.vector_flops * av[RG_A_VECTOR_EFF];
    r->bw = s->hw.mem_bw * (av[RG_A_MEMORY_EFF] > 1.0 ? 1.0 : av[RG_A_MEMORY_EFF]);
    r->overhead = av[RG_A_KERNEL_OVERHEAD];
    r->cores = s->hw.matrix_cores;
    r->tile_m = av[RG_A_GEMM_TILE_M];
    r->tile_n = av[RG_A_GEMM_TILE_N];
    r->split_k_min = av[RG_A_GEMM_SPLIT_K_MIN];
    r->mem_half = av[RG_A_MEMORY_HALF_BYTES];
    r->cat = -1;
}

double calib_predict(const calib_row *row, const rg_assumptions *a, rg_result *scratch) {
    rg_roof r;
    if (row->kind == CALIB_GEMM) {
        roof_for(&row->spec, a, &r);
        double e = rg_format_bytes(row->spec.numerics.math);
        double bytes = (row->m * row->k + row->k * row->n + row->m * row->n) * e;
        return rg_roof_gemm(&r, "gemm", RG_PASS_FWD, row->spec.numerics.math, 1.0, row->m, row->k, row->n,
                            1.0, RG_GEMM_FWD, bytes);
    }
    if (row->kind == CALIB_MEMORY) {
        roof_for(&row->spec, a, &r);
        return rg_roof_op(&r, "memory", RG_PASS_FWD, 0, false, 1.0, 0.0, row->bytes, 1.0);
    }
    if (row->kind == CALIB_STEP) {
        rg_spec s = row->spec;
        rg_err e = {0};
        s.assumptions = *a;
        if (!scratch || rg_evaluate_ex(&s, scratch, RG_EVAL_NO_OPS, &e) != 0)
            return -1.0;
        return scratch->time_s;
    }
    rg_net net;
    rg_evaluate_net(&row->spec.system, a, &net);
    int64_t n = (int64_t)row->ranks;
    rg_group g = rg_coll_place(n, 1, net.domain);
    if (row->kind == RG_COMM_SEND_RECV) /* two ranks: across domains when the test spans nodes */
        g = rg_coll_place(n < 2 ? 2 : n, 1, net.domain);
    return rg_coll_time(&net, (rg_comm_kind)row->kind, &g, row->bytes);
}

/* ---- fitting ---- */

typedef struct fit_ctx {
    const calib_set *set;
    const int *idx; /* rows of the group used for fitting */
    int n;
    int np;
    const int *ids;
    rg_result *scratch;
} fit_ctx;

static void set_params(const fit_ctx *c, const double *theta, rg_assumptions *a) {
    for (int i = 0; i < c->np; i++) {
        double v = exp(theta[i]);
        if (is_fraction(c->ids[i]) && v > 1.0)
            v = 1.0;
        a->v[c->ids[i]] = v;
    }
}

static double huber(double r) {
    const double d = 0.1; /* residuals beyond 10 % in log time count linearly */
    double x = fabs(r);
    return x <= d ? 0.5 * x * x : d * (x - 0.5 * d);
}

static double objective(const fit_ctx *c, const double *theta) {
    double sum = 0.0;
    for (int i = 0; i < c->n; i++) {
        const calib_row *r = &c->set->rows[c->idx[i]];
        rg_assumptions a = r->spec.assumptions;
        set_params(c, theta, &a);
        double p = calib_predict(r, &a, c->scratch);
        if (!(p > 0.0))
            return INFINITY;
        sum += huber(log(p / r->time_s));
    }
    return sum;
}

/* Nelder-Mead on theta (log parameters), deterministic. */
static void nelder_mead(const fit_ctx *c, double *theta) {
    int np = c->np;
    double x[CALIB_PARAMS_MAX + 1][CALIB_PARAMS_MAX], f[CALIB_PARAMS_MAX + 1];
    for (int i = 0; i <= np; i++) {
        memcpy(x[i], theta, sizeof(double) * (size_t)np);
        if (i > 0)
            x[i][i - 1] += 0.5;
        f[i] = objective(c, x[i]);
    }
    for (int it = 0; it < 200 * np; it++) {
        /* order */
        for (int i = 0; i <= np; i++)
            for (int j = i + 1; j <= np; j++)
                if (f[j] < f[i]) {
                    double t = f[i];
                    f[i] = f[j];
                    f[j] = t;
                    for (int k = 0; k < np; k++) {
                        t = x[i][k];
                        x[i][k] = x[j][k];
                        x[j][k] = t;
                    }
                }
        if (fabs(f[np] - f[0]) <= 1e-12 * (fabs(f[0]) + 1e-30) && it > 20)
            break;
        double cen[CALIB_PARAMS_MAX] = {0}, xr[CALIB_PARAMS_MAX], xe[CALIB_PARAMS_MAX], xc[CALIB_PARAMS_MAX];
        for (int i = 0; i < np; i++)
            for (int k = 0; k < np; k++)
                cen[k] += x[i][k] / np;
        for (int k = 0; k < np; k++)
            xr[k] = cen[k] + (cen[k] - x[np][k]);
        double fr = objective(c, xr);
        if (fr < f[0]) {
            for (int k = 0; k < np; k++)
                xe[k] = cen[k] + 2.0 * (cen[k] - x[np][k]);
            double fe = objective(c, xe);
            memcpy(x[np], fe < fr ? xe : xr, sizeof(double) * (size_t)np);
            f[np] = fe < fr ? fe : fr;
        } else if (fr < f[np - 1]) {
            memcpy(x[np], xr, sizeof(double) * (size_t)np);
            f[np] = fr;
        } else {
            for (int k = 0; k < np; k++)
                xc[k] = cen[k] + 0.5 * (x[np][k] - cen[k]);
            double fc = objective(c, xc);
            if (fc < f[np]) {
                memcpy(x[np], xc, sizeof(double) * (size_t)np);
                f[np] = fc;
            } else {
                for (int i = 1; i <= np; i++) {
                    for (int k = 0; k < np; k++)
                        x[i][k] = x[0][k] + 0.5 * (x[i][k] - x[0][k]);
                    f[i] = objective(c, x[i]);
                }
            }
        }
    }
    int best = 0;
    for (int i = 1; i <= np; i++)
        if (f[i] < f[best])
            best = i;
    memcpy(theta, x[best], sizeof(double) * (size_t)np);
}

/* The protocol candidates make the objective a minimum of smooth pieces
 * with local optima: fit from the defaults and from the defaults with the
 * LL and LL128 candidates nearly off (the single-protocol model), restart
 * Nelder-Mead once from each result, keep the lower objective. */
static void fit_theta(const fit_ctx *c, double *theta) {
    double best[CALIB_PARAMS_MAX], alt[CALIB_PARAMS_MAX];
    memcpy(best, theta, sizeof best);
    memcpy(alt, theta, sizeof alt);
    int has_proto = 0;
    for (int k = 0; k < c->np; k++)
        if (is_fraction(c->ids[k]) && c->ids[k] != RG_A_MATMUL_EFF && c->ids[k] != RG_A_MEMORY_EFF) {
            alt[k] = log(1e-3);
            has_proto = 1;
        }
    nelder_mead(c, best);
    nelder_mead(c, best);
    if (has_proto) {
        nelder_mead(c, alt);
        nelder_mead(c, alt);
        if (objective(c, alt) < objective(c, best))
            memcpy(best, alt, sizeof best);
    }
    memcpy(theta, best, sizeof(double) * (size_t)c->np);
}

static double mape_of(const fit_ctx *c, const double *theta, const int *idx, int n) {
    double sum = 0.0;
    int k = 0;
    for (int i = 0; i < n; i++) {
        const calib_row *r = &c->set->rows[idx[i]];
        rg_assumptions a = r->spec.assumptions;
        if (theta)
            set_params(c, theta, &a);
        double p = calib_predict(r, &a, c->scratch);
        if (p > 0.0) {
            sum += fabs(p - r->time_s) / r->time_s;
            k++;
        }
    }
    return k ? 100.0 * sum / k : 0.0;
}

/* 95 % intervals from the Gauss-Newton covariance of the log residuals. */
static void intervals(const fit_ctx *c, const double *theta, double *lo, double *hi) {
    int np = c->np, n = c->n;
    double jtj[CALIB_PARAMS_MAX][CALIB_PARAMS_MAX] = {{0}}, ss = 0.0;
    for (int i = 0; i < n; i++) {
        const calib_row *r = &c->set->rows[c->idx[i]];
        rg_assumptions a = r->spec.assumptions;
        set_params(c, theta, &a);
        double p0 = calib_predict(r, &a, c->scratch), g[CALIB_PARAMS_MAX];
        double res = log(p0 / r->time_s);
        ss += res * res;
        for (int k = 0; k < np; k++) {
            double t2[CALIB_PARAMS_MAX];
            memcpy(t2, theta, sizeof t2);
            t2[k] += 1e-4;
            rg_assumptions b = r->spec.assumptions;
            set_params(c, t2, &b);
            g[k] = (log(calib_predict(r, &b, c->scratch)) - log(p0)) / 1e-4;
        }
        for (int k = 0; k < np; k++)
            for (int l = 0; l < np; l++)
                jtj[k][l] += g[k] * g[l];
    }
    double s2 = n > np ? ss / (n - np) : ss;
    for (int k = 0; k < np; k++) {
        double var;
        if (np == 1) {
            var = jtj[0][0] > 0 ? s2 / jtj[0][0] : INFINITY;
        } else if (np == 2) {
            /* a parameter pinned at a bound leaves the matrix singular: then
             * each interval is conditional on the other parameter */
            double det = jtj[0][0] * jtj[1][1] - jtj[0][1] * jtj[1][0];
            double scale = jtj[0][0] * jtj[1][1];
            if (det > 1e-9 * scale && scale > 0.0)
                var = s2 * (k == 0 ? jtj[1][1] : jtj[0][0]) / det;
            else
                var = jtj[k][k] > 0 ? s2 / jtj[k][k] : INFINITY;
        } else {
            var = jtj[k][k] > 0 ? s2 / jtj[k][k] : INFINITY;
        }
        double sd = sqrt(var), v = exp(theta[k]);
        lo[k] = isfinite(sd) ? exp(theta[k] - 1.96 * sd) : 0.0;
        hi[k] = isfinite(sd) ? exp(theta[k] + 1.96 * sd) : INFINITY;
        if (is_fraction(c->ids[k])) {
            if (v > 1.0)
                lo[k] = lo[k] > 1.0 ? 1.0 : lo[k];
            if (hi[k] > 1.0)
                hi[k] = 1.0;
        }
    }
}

/* Starting point: the defaults, with small positive starts for terms that
 * default to zero (they cannot be scaled in log space). */
static double start_value(int id, double v) {
    if (v > 0.0)
        return v;
    if (id == RG_A_MEMORY_HALF_BYTES)
        return 1e5;
    /* a protocol candidate shipped off: start from NCCL's own pricing
     * (NVIDIA/nccl@b6475625 src/graph/tuning.cc: ring LL busBw x 1/4 of
     * all-reduce, LL128 x 0.92), as data/assumptions.json's sources say */
    if (is_fraction(id) && id != RG_A_MATMUL_EFF && id != RG_A_MEMORY_EFF)
        return rg_assumption_name(id)[strlen(rg_assumption_name(id)) - 13] == '8' ? 0.92 : 0.25;
    return 1e-6; /* latencies, s */
}

/* A collective's per-step latency and its fixed cost per call differ only
 * in how they grow with the group: rows of one group size cannot tell them
 * apart, so the step latency is fitted only over two sizes or more.
 * Returns the number of parameters to fit. */
static int group_params(const calib_set *set, const int *idx, int n, int kind, int np) {
    if (kind < 0 || kind >= RG_COMM_COUNT || np < 7)
        return np;
    for (int i = 1; i < n; i++)
        if (set->rows[idx[i]].ranks != set->rows[idx[0]].ranks)
            return np;
    return np - 1; /* the step latency is last */
}

static bool same_group(const calib_group *g, const calib_row *r) {
    return g->kind == r->kind && strcmp(g->name, r->name) == 0 && strcmp(g->dtype, r->dtype) == 0;
}

static void fit_group(const calib_set *set, const int *idx, int n, int folds, calib_group *g,
                      rg_result *scratch) {
    fit_ctx c = {set, idx, n, g->np, g->ids, scratch};
    double theta[CALIB_PARAMS_MAX];
    const calib_row *r0 = &set->rows[idx[0]];
    for (int k = 0; k < g->np; k++) {
        g->before[k] = r0->spec.assumptions.v[g->ids[k]];
        theta[k] = log(start_value(g->ids[k], g->before[k]));
    }
    g->mape_before = mape_of(&c, NULL, idx, n);
    fit_theta(&c, theta);
    g->mape_after = mape_of(&c, theta, idx, n);
    intervals(&c, theta, g->low, g->high);
    for (int k = 0; k < g->np; k++) {
        double v = exp(theta[k]);
        if (is_fraction(g->ids[k]) && v > 1.0)
            v = 1.0;
        if (v < 1e-12 * start_value(g->ids[k], 0.0)) /* driven to its bound: zero */
            v = g->low[k] = 0.0;
        g->value[k] = v;
    }
    /* k-fold: row i of the group is in fold i % folds */
    g->cv_mape = -1.0;
    if (folds >= 2 && n >= 2 * folds) {
        int *tr = malloc(sizeof *tr * (size_t)n), *te = malloc(sizeof *te * (size_t)n);
        double sum = 0.0;
        int cnt = 0;
        if (tr && te) {
            for (int f = 0; f < folds; f++) {
                int ntr = 0, nte = 0;
                for (int i = 0; i < n; i++) {
                    if (i % folds == f)
                        te[nte++] = idx[i];
                    else
                        tr[ntr++] = idx[i];
                }
                fit_ctx cf = {set, tr, ntr, g->np, g->ids, scratch};
                double th[CALIB_PARAMS_MAX];
                for (int k = 0; k < g->np; k++)
                    th[k] = log(start_value(g->ids[k], g->before[k]));
                fit_theta(&cf, th);
                sum += mape_of(&cf, th, te, nte) * nte;
                cnt += nte;
            }
            g->cv_mape = cnt ? sum / cnt : -1.0;
        }
        free(tr);
        free(te);
    }
}

void calib_fit_subset(const calib_set *set, const int *idx, int n, calib_group *g, rg_result *scratch) {
    if (g->np == 0)
        g->np = group_params(set, idx, n, g->kind, calib_params(g->kind, g->ids));
    g->rows = n;
    fit_group(set, idx, n, 0, g, scratch);
}

double calib_mape(const calib_set *set, const int *idx, int n, const calib_group *g, rg_result *scratch) {
    fit_ctx c = {set, idx, n, g->np, g->ids, scratch};
    double theta[CALIB_PARAMS_MAX];
    for (int k = 0; k < g->np; k++)
        theta[k] = log(g->value[k] > 0.0 ? g->value[k] : 1e-300);
    return mape_of(&c, theta, idx, n);
}

int calib_fit(const calib_set *set, int folds, calib_profile *out) {
    int rc = 0;
    int *idx = malloc(sizeof *idx * (size_t)(set->n ? set->n : 1));
    rg_result *scratch = malloc(sizeof *scratch);
    memset(out, 0, sizeof *out);
    out->groups = calloc((size_t)(set->n ? set->n : 1), sizeof *out->groups);
    if (!idx || !scratch || !out->groups) {
        rc = -2;
        goto out;
    }
    for (int i = 0; i < set->n; i++) {
        const calib_row *r = &set->rows[i];
        int found = 0;
        for (int gi = 0; gi < out->n; gi++)
            if (same_group(&out->groups[gi], r))
                found = 1;
        if (found)
            continue;
        calib_group *g = &out->groups[out->n++];
        g->kind = r->kind;
        snprintf(g->name, sizeof g->name, "%s", r->name);
        snprintf(g->dtype, sizeof g->dtype, "%s", r->dtype);
        g->np = calib_params(r->kind, g->ids);
        int n = 0;
        for (int j = i; j < set->n; j++)
            if (same_group(g, &set->rows[j]))
                idx[n++] = j;
        g->np = group_params(set, idx, n, g->kind, g->np);
        g->rows = n;
        fit_group(set, idx, n, folds, g, scratch);
    }
out:
    free(idx);
    free(scratch);
    if (rc)
        calib_profile_free(out);
    return rc;
}

void calib_profile_free(calib_profile *p) {
    if (!p)
        return;
    free(p->groups);
    p->groups = NULL;
    p->n = 0;
}

/* ---- applying ---- */

bool calib_group_matches_row(const calib_group *g, const calib_row *r) { return same_group(g, r); }

void calib_apply_row(const calib_profile *p, const calib_row *r, rg_assumptions *a) {
    for (int i = 0; p && i < p->n; i++)
        if (same_group(&p->groups[i], r))
            for (int k = 0; k < p->groups[i].np; k++)
                a->v[p->groups[i].ids[k]] = p->groups[i].value[k];
}

static bool group_matches_spec(const calib_group *g, const rg_spec *s) {
    const rg_format *mf = rg_format_get(s->numerics.math);
    switch (g->kind) {
    case CALIB_GEMM:
        return strcmp(g->name, s->hw.name) == 0 && mf && strcmp(g->dtype, mf->name) == 0;
    case CALIB_MEMORY:
        return strcmp(g->name, s->hw.name) == 0;
    case CALIB_STEP:
        return true;
    default:
        return s->has_system && strcmp(g->name, s->system.name) == 0;
    }
}

void calib_apply_spec(const calib_profile *p, const rg_spec *spec, const uint8_t *keep, rg_assumptions *a,
                      int *applied_group) {
    for (int i = 0; i < RG_A_COUNT && applied_group; i++)
        applied_group[i] = -1;
    for (int i = 0; p && i < p->n; i++) {
        const calib_group *g = &p->groups[i];
        if (!group_matches_spec(g, spec))
            continue;
        for (int k = 0; k < g->np; k++) {
            if (keep && keep[g->ids[k]])
                continue;
            a->v[g->ids[k]] = g->value[k];
            if (applied_group)
                applied_group[g->ids[k]] = i;
        }
    }
}

/* ---- profile JSON ---- */

void calib_profile_write(jw *w, const calib_profile *p) {
    jw_obj_begin(w);
    jw_kstr(w, "format", "ridge-calibration-1");
    jw_kstr(w, "measurements", p->source);
    jw_key(w, "groups");
    jw_arr_begin(w);
    for (int i = 0; i < p->n; i++) {
        const calib_group *g = &p->groups[i];
        jw_obj_begin(w);
        jw_kstr(w, "kind", calib_kind_name(g->kind));
        if (g->kind == CALIB_GEMM || g->kind == CALIB_MEMORY)
            jw_kstr(w, "hardware", g->name);
        else if (g->kind != CALIB_STEP)
            jw_kstr(w, "system", g->name);
        if (g->dtype[0])
            jw_kstr(w, "dtype", g->dtype);
        jw_kint(w, "rows", g->rows);
        jw_knum(w, "mape_before", g->mape_before);
        jw_knum(w, "mape_after", g->mape_after);
        if (g->cv_mape >= 0)
            jw_knum(w, "cv_mape", g->cv_mape);
        jw_key(w, "params");
        jw_obj_begin(w);
        for (int k = 0; k < g->np; k++) {
            jw_key(w, rg_assumption_name(g->ids[k]));
            jw_obj_begin(w);
            jw_knum(w, "value", g->value[k]);
            jw_knum(w, "low", g->low[k]);
            if (isfinite(g->high[k]))
                jw_knum(w, "high", g->high[k]);
            else
                jw_key(w, "high"), jw_null(w);
            jw_knum(w, "default", g->before[k]);
            jw_obj_end(w);
        }
        jw_obj_end(w);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
}

int calib_profile_parse(const cJSON *j, calib_profile *out, char *msg, size_t len) {
    memset(out, 0, sizeof *out);
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(j, "format");
    const cJSON *gs = cJSON_GetObjectItemCaseSensitive(j, "groups"), *g;
    if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, "ridge-calibration-1") != 0 || !cJSON_IsArray(gs)) {
        snprintf(msg, len, "format: not a ridge calibration profile (ridge calibrate --out writes one)");
        return -1;
    }
    const cJSON *src = cJSON_GetObjectItemCaseSensitive(j, "measurements");
    if (cJSON_IsString(src))
        snprintf(out->source, sizeof out->source, "%s", src->valuestring);
    int n = cJSON_GetArraySize(gs), i = 0;
    out->groups = calloc((size_t)(n ? n : 1), sizeof *out->groups);
    if (!out->groups) {
        snprintf(msg, len, "out of memory");
        return -1;
    }
    cJSON_ArrayForEach(g, gs) {
        calib_group *cg = &out->groups[i];
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(g, "kind");
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(g, "hardware");
        const cJSON *dt = cJSON_GetObjectItemCaseSensitive(g, "dtype");
        const cJSON *ps = cJSON_GetObjectItemCaseSensitive(g, "params"), *p;
        if (!name)
            name = cJSON_GetObjectItemCaseSensitive(g, "system");
        cg->kind = cJSON_IsString(k) ? kind_find(k->valuestring) : -1;
        if (cg->kind < 0 || !cJSON_IsObject(ps)) {
            snprintf(msg, len, "groups[%d]: needs a known kind and params", i);
            calib_profile_free(out);
            return -1;
        }
        if (cJSON_IsString(name))
            snprintf(cg->name, sizeof cg->name, "%s", name->valuestring);
        if (cJSON_IsString(dt))
            snprintf(cg->dtype, sizeof cg->dtype, "%s", dt->valuestring);
        cJSON_ArrayForEach(p, ps) {
            int id = rg_assumption_find(p->string);
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(p, "value");
            if (id < 0 || !cJSON_IsNumber(v) || !(v->valuedouble >= 0) || cg->np >= CALIB_PARAMS_MAX) {
                snprintf(msg, len, "groups[%d].params.%s: unknown assumption or bad value", i, p->string);
                calib_profile_free(out);
                return -1;
            }
            const cJSON *lo = cJSON_GetObjectItemCaseSensitive(p, "low");
            const cJSON *hi = cJSON_GetObjectItemCaseSensitive(p, "high");
            cg->ids[cg->np] = id;
            cg->value[cg->np] = v->valuedouble;
            cg->low[cg->np] = cJSON_IsNumber(lo) ? lo->valuedouble : v->valuedouble;
            const cJSON *df = cJSON_GetObjectItemCaseSensitive(p, "default");
            cg->high[cg->np] = cJSON_IsNumber(hi) ? hi->valuedouble : INFINITY;
            cg->before[cg->np] = cJSON_IsNumber(df) ? df->valuedouble : v->valuedouble;
            cg->np++;
        }
        const cJSON *rows = cJSON_GetObjectItemCaseSensitive(g, "rows");
        const cJSON *mb = cJSON_GetObjectItemCaseSensitive(g, "mape_before");
        const cJSON *ma = cJSON_GetObjectItemCaseSensitive(g, "mape_after");
        const cJSON *cv = cJSON_GetObjectItemCaseSensitive(g, "cv_mape");
        cg->rows = cJSON_IsNumber(rows) ? rows->valueint : 0;
        cg->mape_before = cJSON_IsNumber(mb) ? mb->valuedouble : 0.0;
        cg->mape_after = cJSON_IsNumber(ma) ? ma->valuedouble : 0.0;
        cg->cv_mape = cJSON_IsNumber(cv) ? cv->valuedouble : -1.0;
        i++;
    }
    out->n = i;
    return 0;
}

/* ---- a spec's "calibration" ---- */

/* "uncertainty": true becomes {"ranges": {...}} with the applied values'
 * fitted intervals, so the interval rests on the calibration. */
static int calib_uncertainty_ranges(cJSON *spec, const calib_profile *p, const calib_applied *ap,
                                    rg_err *err) {
    const cJSON *u = cJSON_GetObjectItemCaseSensitive(spec, "uncertainty");
    if (!cJSON_IsTrue(u) || ap->n == 0)
        return 0;
    cJSON *obj = cJSON_CreateObject(), *ranges = obj ? cJSON_AddObjectToObject(obj, "ranges") : NULL;
    for (int i = 0; ranges && i < ap->n; i++) {
        const calib_group *g = &p->groups[ap->group[i]];
        for (int k = 0; k < g->np; k++) {
            if (g->ids[k] != ap->id[i] || !isfinite(g->high[k]) || !(g->high[k] >= g->low[k]))
                continue;
            double pair[2] = {g->low[k], g->high[k]};
            cJSON *arr = cJSON_CreateDoubleArray(pair, 2);
            if (!arr || !cJSON_AddItemToObject(ranges, rg_assumption_name(g->ids[k]), arr)) {
                cJSON_Delete(arr);
                ranges = NULL;
            }
        }
    }
    if (!ranges || !cJSON_ReplaceItemInObjectCaseSensitive(spec, "uncertainty", obj)) {
        cJSON_Delete(obj);
        return rg_err_set(err, RG_ENOMEM, "uncertainty", "out of memory");
    }
    return 0;
}

int calib_apply_json(cJSON *spec, const calib_profile *p, calib_applied *out, rg_err *err) {
    rg_spec s;
    uint8_t keep[RG_A_COUNT] = {0};
    int group[RG_A_COUNT];
    cJSON *as = cJSON_GetObjectItemCaseSensitive(spec, "assumptions"), *it;
    memset(out, 0, sizeof *out);
    cJSON_DeleteItemFromObjectCaseSensitive(spec, "calibration");
    int rc = codec_spec_parse_base(spec, &s, err);
    if (rc)
        return rc;
    cJSON_ArrayForEach(it, as) {
        int id = it->string ? rg_assumption_find(it->string) : -1;
        if (id >= 0)
            keep[id] = 1;
    }
    calib_apply_spec(p, &s, keep, &s.assumptions, group);
    for (int id = 0; id < RG_A_COUNT; id++) {
        if (group[id] < 0)
            continue;
        if (!as) {
            as = cJSON_AddObjectToObject(spec, "assumptions");
            if (!as)
                return rg_err_set(err, RG_ENOMEM, "", "out of memory");
        }
        if (!cJSON_AddNumberToObject(as, rg_assumption_name(id), s.assumptions.v[id]))
            return rg_err_set(err, RG_ENOMEM, "", "out of memory");
        out->group[out->n] = group[id];
        out->id[out->n++] = id;
    }
    return calib_uncertainty_ranges(spec, p, out, err);
}

void calib_applied_write(jw *w, const char *name, const calib_profile *p, const calib_applied *ap) {
    jw_obj_begin(w);
    jw_kstr(w, "profile", name);
    jw_kstr(w, "measurements", p->source);
    jw_key(w, "applied");
    jw_arr_begin(w);
    for (int i = 0; i < ap->n; i++) {
        const calib_group *g = &p->groups[ap->group[i]];
        int k = 0;
        while (k < g->np && g->ids[k] != ap->id[i])
            k++;
        if (k == g->np)
            continue;
        jw_obj_begin(w);
        jw_kstr(w, "name", rg_assumption_name(ap->id[i]));
        jw_knum(w, "value", g->value[k]);
        jw_knum(w, "low", g->low[k]);
        if (isfinite(g->high[k]))
            jw_knum(w, "high", g->high[k]);
        else
            jw_key(w, "high"), jw_null(w);
        char src[640];
        snprintf(src, sizeof src, "ridge calibrate: %s %s%s%s, %d rows of %s", calib_kind_name(g->kind),
                 g->name, g->dtype[0] ? " " : "", g->dtype, g->rows,
                 p->source[0] ? p->source : "(unnamed measurements)");
        jw_kstr(w, "source", src);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
}
