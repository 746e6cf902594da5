/* cmd_validate.c: `ridge validate`: predictions against measured reality.
 *
 * Reads the vTrain dataset (tests/reference/measured/vtrain_megatron_
 * deepspeed_{single,multi}_node.csv: 1,549 Megatron-DeepSpeed iteration times
 * on A100 clusters), builds one spec per row from ONE setup description
 * (embedded data/validation/vtrain-a100.json: the a100 preset, a DGX-A100
 * system with the cluster's scale-out bandwidth, fp16 mixed precision, full
 * recompute, GPT-2 vocabulary) plus the row's model shape, batch and
 * parallel degrees, and the assumption defaults of data/assumptions.json —
 * never a per-row fit — and reports the mean absolute percentage error
 * overall / single-node / multi-node, the error per row and an analysis of
 * where the largest gaps are. File I/O lives here, not in the engine.
 *
 * Exit status: 0 when it ran, 2 for bad arguments or unreadable data, 1 on
 * internal failure. `--max-mape X` makes it exit 3 when the overall MAPE
 * exceeds X percent (the regression test uses it). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calib.h"
#include "cli.h"
#include "codec.h"
#include "codec_data.h"
#include "embedded.h"
#include "evaluate.h"

#define SETUP_PATH "validation/vtrain-a100.json"
#define MAX_COLS   16
#define MAX_SETS   32
#define MAX_FOLDS  20

/* Columns of the CSVs we use, by header name. */
enum {
    COL_GPUS,
    COL_BATCH,
    COL_MICRO,
    COL_HIDDEN,
    COL_HEADS,
    COL_LAYERS,
    COL_SEQ,
    COL_TP,
    COL_DP,
    COL_PP,
    COL_MS,
    COL_COUNT
};
static const char *const col_names[COL_COUNT] = {"# GPUs",
                                                 "global batch",
                                                 "micro batch",
                                                 "hidden size",
                                                 "attention heads",
                                                 "# layers",
                                                 "sequence length",
                                                 "tensor parallelism",
                                                 "data parallelism",
                                                 "pipeline parallelism",
                                                 "iteration time (ms)"};

typedef struct vrow {
    int multi; /* 0 single-node file, 1 multi-node file */
    int line;  /* line number in its file */
    double v[COL_COUNT];
    double predicted_ms;
    double err; /* (predicted - measured) / measured */
    double bubble_frac, comm_frac, mfu;
    int rc; /* evaluation status */
    char why[420];
} vrow;

/* The measured rows; `rows` is heap memory owned by the set (free(rows)). */
typedef struct vset {
    vrow *rows;
    int n, cap;
} vset;

/* Append a copy of `r`, growing `s->rows`. Returns 0, or -1 when out of
 * memory (the set is unchanged). */
static int push_row(vset *s, const vrow *r) {
    if (s->n == s->cap) {
        int ncap = s->cap ? s->cap * 2 : 2048;
        vrow *nr = realloc(s->rows, (size_t)ncap * sizeof *nr);
        if (!nr)
            return -1;
        s->rows = nr;
        s->cap = ncap;
    }
    s->rows[s->n++] = *r;
    return 0;
}

/* Split a CSV line in place (no quoting in these files). Returns fields. */
static int split_csv(char *line, char **out, int max) {
    int n = 0;
    char *p = line;
    while (n < max) {
        out[n++] = p;
        char *c = strchr(p, ',');
        if (!c)
            break;
        *c = '\0';
        p = c + 1;
    }
    for (int i = 0; i < n; i++) {
        char *e = out[i] + strlen(out[i]);
        while (e > out[i] && (e[-1] == '\r' || e[-1] == '\n' || e[-1] == ' '))
            *--e = '\0';
    }
    return n;
}

/* Read one CSV into `set` (rows appended; the set keeps owning them).
 * Returns 0, 2 for unreadable or malformed data, 1 when out of memory, with a
 * message printed. */
static int read_csv(const char *dir, const char *file, int multi, vset *set) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    size_t len = 0;
    char *text = cli_read_file(path, &len);
    int rc = 0, idx[COL_COUNT], lineno = 0;
    if (!text) {
        fprintf(stderr, "ridge validate: %s: cannot read: %s\n", path, strerror(errno));
        return 2;
    }
    char *save = NULL, *line = strtok_r(text, "\n", &save);
    for (int c = 0; c < COL_COUNT; c++)
        idx[c] = -1;
    for (; line; line = strtok_r(NULL, "\n", &save)) {
        char *f[MAX_COLS];
        lineno++;
        int nf = split_csv(line, f, MAX_COLS);
        if (lineno == 1) {
            for (int c = 0; c < COL_COUNT; c++)
                for (int k = 0; k < nf; k++)
                    if (strcmp(f[k], col_names[c]) == 0)
                        idx[c] = k;
            for (int c = 0; c < COL_COUNT; c++)
                if (idx[c] < 0) {
                    fprintf(stderr, "ridge validate: %s: no column \"%s\"\n", path, col_names[c]);
                    rc = 2;
                    goto out;
                }
            continue;
        }
        if (nf < 2)
            continue;
        vrow r;
        memset(&r, 0, sizeof r);
        r.multi = multi;
        r.line = lineno;
        for (int c = 0; c < COL_COUNT; c++) {
            char *end = NULL;
            r.v[c] = idx[c] < nf ? strtod(f[idx[c]], &end) : NAN;
            if (idx[c] >= nf || end == f[idx[c]] || !isfinite(r.v[c]) || r.v[c] <= 0) {
                fprintf(stderr, "ridge validate: %s:%d: bad value in column \"%s\"\n", path, lineno,
                        col_names[c]);
                rc = 2;
                goto out;
            }
        }
        if (push_row(set, &r)) {
            fprintf(stderr, "ridge validate: out of memory\n");
            rc = 1;
            goto out;
        }
    }
out:
    free(text);
    return rc;
}

/* The setup's base spec (parsed by the codec, not yet validated), and which
 * assumptions it overrides (`over[id] = 1`). */
static int load_setup(rg_spec *base, uint8_t *over) {
    const rg_embedded_file *f = NULL;
    rg_err e = {0};
    int rc = 0;
    for (int i = 0; i < rg_embedded_count; i++)
        if (strcmp(rg_embedded_files[i].path, SETUP_PATH) == 0)
            f = &rg_embedded_files[i];
    if (!f) {
        fprintf(stderr, "ridge validate: data/%s is missing from this build\n", SETUP_PATH);
        return 1;
    }
    cJSON *j = codec_json_parse(f->data, f->size, &e);
    const cJSON *spec = j ? cJSON_GetObjectItemCaseSensitive(j, "spec") : NULL;
    if (!spec) {
        fprintf(stderr, "ridge validate: data/%s: %s\n", SETUP_PATH, j ? "no \"spec\" object" : e.msg);
        rc = 1;
    } else if (codec_spec_parse_base(spec, base, &e) != 0) {
        fprintf(stderr, "ridge validate: data/%s: %s: %s\n", SETUP_PATH, e.field, e.msg);
        rc = 1;
    } else {
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(spec, "assumptions"), *it;
        cJSON_ArrayForEach(it, a) {
            int id = it->string ? rg_assumption_find(it->string) : -1;
            if (id >= 0)
                over[id] = 1;
        }
    }
    cJSON_Delete(j);
    return rc;
}

/* The spec of a measured row: the setup plus the row's shape and layout. */
static void row_spec(const rg_spec *base, const vrow *r, rg_spec *out) {
    rg_spec s = *base;
    s.model.layers = (int64_t)r->v[COL_LAYERS];
    s.model.d_model = (int64_t)r->v[COL_HIDDEN];
    s.model.heads = (int64_t)r->v[COL_HEADS];
    s.model.kv_heads = 0;
    s.model.head_dim = 0;
    s.model.ffn_dim = 4 * s.model.d_model;
    s.model.max_positions = (int64_t)r->v[COL_SEQ];
    s.batch = (int64_t)r->v[COL_BATCH];
    s.seq_len = (int64_t)r->v[COL_SEQ];
    s.chips = (int64_t)r->v[COL_GPUS];
    s.par.tp = (int64_t)r->v[COL_TP];
    s.par.dp = (int64_t)r->v[COL_DP];
    s.par.pp = (int64_t)r->v[COL_PP];
    s.par.ep = 1;
    s.par.cp = 1;
    s.par.microbatch = (int64_t)r->v[COL_MICRO];
    *out = s;
}

static void predict(const rg_spec *base, vrow *r, rg_result *res) {
    rg_spec s;
    rg_err e = {0};
    row_spec(base, r, &s);
    r->rc = rg_evaluate_ex(&s, res, RG_EVAL_NO_OPS, &e);
    if (r->rc) {
        snprintf(r->why, sizeof r->why, "%s: %s", e.field, e.msg);
        return;
    }
    const rg_breakdown *b = &res->breakdown;
    double comm = 0;
    for (int k = 0; k < RG_COMM_COUNT; k++)
        comm += b->comm_exposed_s[k];
    r->predicted_ms = res->time_s * 1e3;
    r->err = (r->predicted_ms - r->v[COL_MS]) / r->v[COL_MS];
    r->bubble_frac = b->bubble_s / res->time_s;
    r->comm_frac = comm / res->time_s;
    r->mfu = res->mfu;
}

/* Traits the gap analysis looks at. */
typedef struct trait {
    const char *name;
    int (*has)(const vrow *r);
} trait;

static int t_micro1(const vrow *r) { return r->v[COL_MICRO] == 1; }
static int t_tp_nodes(const vrow *r) { return r->v[COL_TP] > 8; }
static int t_tp8(const vrow *r) { return r->v[COL_TP] == 8; }
static int t_bubble(const vrow *r) { return r->bubble_frac > 0.25; }
static int t_comm(const vrow *r) { return r->comm_frac > 0.25; }
static int t_small(const vrow *r) { return r->v[COL_HIDDEN] <= 2048; }
static int t_large(const vrow *r) { return r->v[COL_HIDDEN] >= 8192; }
static int t_multi(const vrow *r) { return r->v[COL_GPUS] > 8; }
static int t_steps(const vrow *r) { return r->v[COL_BATCH] / (r->v[COL_DP] * r->v[COL_MICRO]) >= 32; }
static int t_pp(const vrow *r) { return r->v[COL_PP] >= 4; }
static int t_seq(const vrow *r) { return r->v[COL_SEQ] >= 2048; }

static const trait traits[] = {
    {"micro-batch of 1 sequence", t_micro1},
    {"tensor parallelism across nodes (tp > 8)", t_tp_nodes},
    {"tensor parallelism over a whole node (tp = 8)", t_tp8},
    {"predicted pipeline bubble > 25% of the step", t_bubble},
    {"predicted exposed communication > 25% of the step", t_comm},
    {"small model (hidden <= 2048)", t_small},
    {"large model (hidden >= 8192)", t_large},
    {"more than one node (> 8 GPUs)", t_multi},
    {"32 or more micro-steps per iteration", t_steps},
    {"pipeline of 4 or more stages", t_pp},
    {"sequence length >= 2048", t_seq},
};
#define NTRAITS ((int)(sizeof traits / sizeof traits[0]))

typedef struct stats {
    int n;
    double sum_abs, sum_signed;
} stats;

static void add(stats *s, double err) {
    s->n++;
    s->sum_abs += fabs(err);
    s->sum_signed += err;
}
static double mape(const stats *s) { return s->n ? 100.0 * s->sum_abs / s->n : 0.0; }
static double bias(const stats *s) { return s->n ? 100.0 * s->sum_signed / s->n : 0.0; }

/* Rows that differ only in depth or batch share a configuration: GPUs,
 * hidden, heads, sequence, micro-batch and the parallel degrees. */
typedef struct vgroup {
    const vrow *first;
    stats st;
} vgroup;

static int same_config(const vrow *a, const vrow *b) {
    static const int cols[] = {COL_GPUS, COL_HIDDEN, COL_HEADS, COL_SEQ, COL_MICRO, COL_TP, COL_DP, COL_PP};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        if (a->v[cols[i]] != b->v[cols[i]])
            return 0;
    return 1;
}

static int cmp_group_desc(const void *a, const void *b) {
    const vgroup *x = a, *y = b;
    double ex = fabs(bias(&x->st)), ey = fabs(bias(&y->st));
    return ex < ey ? 1 : ex > ey ? -1 : 0;
}

/* Group the evaluated rows by configuration into `g` (capacity n). Returns
 * the number of groups, sorted by |mean error|, largest first. */
static int group_rows(vrow *const *rows, int n, vgroup *g) {
    int ng = 0;
    for (int i = 0; i < n; i++) {
        int k = 0;
        while (k < ng && !same_config(g[k].first, rows[i]))
            k++;
        if (k == ng) {
            g[ng].first = rows[i];
            memset(&g[ng].st, 0, sizeof g[ng].st);
            ng++;
        }
        add(&g[k].st, rows[i]->err);
    }
    qsort(g, (size_t)ng, sizeof *g, cmp_group_desc);
    return ng;
}

static int cmp_abs_err_desc(const void *a, const void *b) {
    const vrow *x = *(const vrow *const *)a, *y = *(const vrow *const *)b;
    double ex = fabs(x->err), ey = fabs(y->err);
    return ex < ey ? 1 : ex > ey ? -1 : 0;
}

/* Cross-validation: configurations (rows differing only in depth or batch)
 * are dealt to `k` folds in order of appearance, so near-duplicate rows never
 * sit on both sides; for each fold the step assumptions (calib_params of a
 * step row: kernel_overhead, matmul_efficiency) are fitted on the other
 * folds only (server/calib.c, robust log-time least squares) and the fold's
 * rows are predicted with them. Returns 0, or 1 when out of memory. */
typedef struct cv_fold {
    int train, test;
    double train_mape, test_mape;
    calib_group g;
} cv_fold;

static int cross_validate(const rg_spec *base, const vset *set, int k, cv_fold *folds, double *held_out) {
    calib_set cs = {0};
    int *fold_of = calloc((size_t)set->n + 1, sizeof *fold_of), *tr = NULL, *te = NULL, *cfg = NULL;
    rg_result *scratch = malloc(sizeof *scratch);
    int rc = 1, ncfg = 0;
    cs.rows = calloc((size_t)set->n + 1, sizeof *cs.rows);
    tr = malloc(sizeof *tr * ((size_t)set->n + 1));
    te = malloc(sizeof *te * ((size_t)set->n + 1));
    cfg = malloc(sizeof *cfg * ((size_t)set->n + 1));
    if (!fold_of || !scratch || !cs.rows || !tr || !te || !cfg)
        goto out;
    for (int i = 0; i < set->n; i++) {
        calib_row *r = &cs.rows[cs.n++];
        r->line = set->rows[i].line;
        r->kind = CALIB_STEP;
        r->time_s = set->rows[i].v[COL_MS] * 1e-3;
        row_spec(base, &set->rows[i], &r->spec);
        /* the fit starts from the shipped defaults, not the setup's hand-set values */
        r->spec.assumptions.v[RG_A_KERNEL_OVERHEAD] =
            codec_default_spec()->assumptions.v[RG_A_KERNEL_OVERHEAD];
        r->spec.assumptions.v[RG_A_MATMUL_EFF] = codec_default_spec()->assumptions.v[RG_A_MATMUL_EFF];
        int c = 0;
        while (c < ncfg && !same_config(&set->rows[cfg[c]], &set->rows[i]))
            c++;
        if (c == ncfg)
            cfg[ncfg++] = i;
        fold_of[i] = c % k;
    }
    double sum = 0.0;
    int cnt = 0;
    for (int f = 0; f < k; f++) {
        int ntr = 0, nte = 0;
        for (int i = 0; i < cs.n; i++) {
            if (fold_of[i] == f)
                te[nte++] = i;
            else
                tr[ntr++] = i;
        }
        cv_fold *o = &folds[f];
        memset(o, 0, sizeof *o);
        o->g.kind = CALIB_STEP;
        o->train = ntr;
        o->test = nte;
        if (ntr == 0 || nte == 0)
            continue;
        calib_fit_subset(&cs, tr, ntr, &o->g, scratch);
        o->train_mape = o->g.mape_after;
        o->test_mape = calib_mape(&cs, te, nte, &o->g, scratch);
        sum += o->test_mape * nte;
        cnt += nte;
    }
    *held_out = cnt ? sum / cnt : 0.0;
    rc = 0;
out:
    free(fold_of);
    free(scratch);
    free(cs.rows);
    free(tr);
    free(te);
    free(cfg);
    return rc;
}

/* The measured rows as `ridge calibrate` step rows (one JSON line each: the
 * row's canonical spec and measured time), so the same data can be fitted
 * and checked there. Returns 0, or 2 when the file cannot be written. */
static int emit_rows(const char *path, const rg_spec *base, const vset *set) {
    FILE *f = fopen(path, "w");
    int rc = 0;
    if (!f) {
        fprintf(stderr, "ridge validate: %s: cannot write: %s\n", path, strerror(errno));
        return 2;
    }
    for (int i = 0; i < set->n && rc == 0; i++) {
        const vrow *r = &set->rows[i];
        rg_spec s;
        jw w;
        size_t len = 0;
        jw_init(&w);
        row_spec(base, r, &s);
        jw_obj_begin(&w);
        jw_kstr(&w, "kind", "step");
        jw_key(&w, "spec");
        codec_spec_write_canonical(&w, &s);
        jw_knum(&w, "time_s", r->v[COL_MS] * 1e-3);
        char src[200];
        snprintf(src, sizeof src,
                 "vTrain (Bang et al., MICRO 2024) vtrain_megatron_deepspeed_%s_node.csv line %d",
                 r->multi ? "multi" : "single", r->line);
        jw_kstr(&w, "source", src);
        jw_obj_end(&w);
        char *text = jw_take(&w, &len);
        if (!text || fwrite(text, 1, len, f) != len || fputc('\n', f) == EOF)
            rc = 2;
        free(text);
        jw_free(&w);
    }
    if (fclose(f) != 0)
        rc = 2;
    if (rc)
        fprintf(stderr, "ridge validate: %s: cannot write\n", path);
    return rc;
}

static void write_cv_json(jw *w, const cv_fold *folds, int k, double held_out) {
    jw_key(w, "cross_validation");
    jw_obj_begin(w);
    jw_kint(w, "folds", k);
    jw_kstr(w, "split", "whole configurations (rows differing only in depth or batch) per fold");
    jw_knum(w, "held_out_mape", held_out);
    jw_key(w, "per_fold");
    jw_arr_begin(w);
    for (int f = 0; f < k; f++) {
        const cv_fold *o = &folds[f];
        jw_obj_begin(w);
        jw_kint(w, "fold", f);
        jw_kint(w, "train_rows", o->train);
        jw_kint(w, "test_rows", o->test);
        jw_knum(w, "train_mape", o->train_mape);
        jw_knum(w, "held_out_mape", o->test_mape);
        jw_key(w, "fitted");
        jw_obj_begin(w);
        for (int p = 0; p < o->g.np; p++)
            jw_knum(w, rg_assumption_name(o->g.ids[p]), o->g.value[p]);
        jw_obj_end(w);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
}

static void usage(void) {
    fprintf(stderr, "usage: ridge validate [--data DIR] [--json] [--worst N] [--max-mape PCT]\n"
                    "                      [--set ASSUMPTION=VALUE ...] [--folds K [--max-cv-mape PCT]]\n"
                    "                      [--emit-rows FILE]  (the rows as ridge calibrate step rows)\n"
                    "  DIR holds vtrain_megatron_deepspeed_{single,multi}_node.csv\n"
                    "  (default tests/reference/measured)\n");
}

static void write_row_json(jw *w, const vrow *r) {
    jw_obj_begin(w);
    jw_kstr(w, "set", r->multi ? "multi_node" : "single_node");
    jw_kint(w, "line", r->line);
    jw_kint(w, "gpus", (int64_t)r->v[COL_GPUS]);
    jw_kint(w, "batch", (int64_t)r->v[COL_BATCH]);
    jw_kint(w, "microbatch", (int64_t)r->v[COL_MICRO]);
    jw_kint(w, "hidden", (int64_t)r->v[COL_HIDDEN]);
    jw_kint(w, "heads", (int64_t)r->v[COL_HEADS]);
    jw_kint(w, "layers", (int64_t)r->v[COL_LAYERS]);
    jw_kint(w, "seq_len", (int64_t)r->v[COL_SEQ]);
    jw_kint(w, "tp", (int64_t)r->v[COL_TP]);
    jw_kint(w, "dp", (int64_t)r->v[COL_DP]);
    jw_kint(w, "pp", (int64_t)r->v[COL_PP]);
    jw_knum(w, "measured_ms", r->v[COL_MS]);
    if (r->rc == 0) {
        jw_knum(w, "predicted_ms", r->predicted_ms);
        jw_knum(w, "error", r->err);
        jw_knum(w, "bubble_fraction", r->bubble_frac);
        jw_knum(w, "comm_fraction", r->comm_frac);
    } else {
        jw_kstr(w, "error_message", r->why);
    }
    jw_obj_end(w);
}

int cmd_validate(int argc, char **argv) {
    const char *dir = "tests/reference/measured";
    int json = 0, worst = 15, status = 0, nset = 0, nfolds = 0;
    double max_cv = -1.0, held_out = 0.0;
    const char *emit_path = NULL;
    cv_fold folds[MAX_FOLDS];
    const char *sets[MAX_SETS];
    double max_mape = -1.0;
    vset set = {0};
    vrow **order = NULL;
    vgroup *groups = NULL;
    rg_result *res = NULL;
    rg_spec base;
    jw w;
    jw_init(&w);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--data") == 0 && i + 1 < argc) {
            dir = argv[++i];
        } else if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (strcmp(argv[i], "--worst") == 0 && i + 1 < argc) {
            worst = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--max-mape") == 0 && i + 1 < argc) {
            max_mape = atof(argv[++i]);
        } else if (strcmp(argv[i], "--folds") == 0 && i + 1 < argc) {
            nfolds = atoi(argv[++i]);
            if (nfolds < 2 || nfolds > MAX_FOLDS) {
                fprintf(stderr, "ridge validate: --folds must be 2..%d\n", MAX_FOLDS);
                status = 2;
                goto out;
            }
        } else if (strcmp(argv[i], "--emit-rows") == 0 && i + 1 < argc) {
            emit_path = argv[++i];
        } else if (strcmp(argv[i], "--max-cv-mape") == 0 && i + 1 < argc) {
            max_cv = atof(argv[++i]);
        } else if (strcmp(argv[i], "--set") == 0 && i + 1 < argc) {
            if (nset < MAX_SETS)
                sets[nset++] = argv[++i];
        } else {
            usage();
            status = 2;
            goto out;
        }
    }
    uint8_t over[RG_A_COUNT] = {0};
    if ((status = load_setup(&base, over)))
        goto out;
    for (int i = 0; i < nset; i++) { /* what-if overrides of assumptions: name=value */
        char name[96];
        const char *eq = strchr(sets[i], '=');
        char *end = NULL;
        size_t n = eq ? (size_t)(eq - sets[i]) : 0;
        double v = eq ? strtod(eq + 1, &end) : NAN;
        int id = -1;
        if (eq && n < sizeof name) {
            memcpy(name, sets[i], n);
            name[n] = '\0';
            id = rg_assumption_find(name);
        }
        if (id < 0 || !end || *end != '\0' || !isfinite(v)) {
            fprintf(stderr, "ridge validate: --set %s: expected ASSUMPTION=NUMBER with a known assumption\n",
                    sets[i]);
            status = 2;
            goto out;
        }
        base.assumptions.v[id] = v;
        over[id] = 1;
    }
    if ((status = read_csv(dir, "vtrain_megatron_deepspeed_single_node.csv", 0, &set)) ||
        (status = read_csv(dir, "vtrain_megatron_deepspeed_multi_node.csv", 1, &set)))
        goto out;
    if (emit_path && (status = emit_rows(emit_path, &base, &set)))
        goto out;
    res = malloc(sizeof *res);
    order = malloc((size_t)(set.n ? set.n : 1) * sizeof *order);
    groups = malloc((size_t)(set.n ? set.n : 1) * sizeof *groups);
    if (!res || !order || !groups) {
        fprintf(stderr, "ridge validate: out of memory\n");
        status = 1;
        goto out;
    }

    stats all = {0}, part[2] = {{0}, {0}}, with[NTRAITS], without[NTRAITS];
    memset(with, 0, sizeof with);
    memset(without, 0, sizeof without);
    int nok = 0, failed = 0;
    for (int i = 0; i < set.n; i++) {
        vrow *r = &set.rows[i];
        predict(&base, r, res);
        if (r->rc) {
            failed++;
            continue;
        }
        order[nok++] = r;
        add(&all, r->err);
        add(&part[r->multi], r->err);
        for (int t = 0; t < NTRAITS; t++)
            add(traits[t].has(r) ? &with[t] : &without[t], r->err);
    }
    if (nfolds >= 2 && cross_validate(&base, &set, nfolds, folds, &held_out) != 0) {
        fprintf(stderr, "ridge validate: out of memory\n");
        status = 1;
        goto out;
    }
    int ngroups = group_rows(order, nok, groups);
    qsort(order, (size_t)nok, sizeof *order, cmp_abs_err_desc);
    /* the worst tenth of the rows, and which traits are over-represented */
    int ntail = nok / 10 > 0 ? nok / 10 : nok;
    stats tail_with[NTRAITS];
    memset(tail_with, 0, sizeof tail_with);
    for (int i = 0; i < ntail; i++)
        for (int t = 0; t < NTRAITS; t++)
            if (traits[t].has(order[i]))
                add(&tail_with[t], order[i]->err);
    if (worst > nok)
        worst = nok;
    if (worst < 0)
        worst = 0;

    if (json) {
        jw_obj_begin(&w);
        jw_kstr(&w, "dataset", "vTrain Megatron-DeepSpeed A100 iteration times (Bang et al., MICRO 2024)");
        jw_kstr(&w, "setup", "data/" SETUP_PATH);
        jw_kint(&w, "rows", set.n);
        jw_kint(&w, "evaluated", nok);
        jw_kint(&w, "failed", failed);
        jw_knum(&w, "mape", mape(&all));
        jw_knum(&w, "mape_single_node", mape(&part[0]));
        jw_knum(&w, "mape_multi_node", mape(&part[1]));
        jw_knum(&w, "mean_signed_error", bias(&all));
        jw_key(&w, "assumption_overrides");
        jw_obj_begin(&w);
        for (int i = 0; i < RG_A_COUNT; i++)
            if (over[i])
                jw_knum(&w, rg_assumption_name(i), base.assumptions.v[i]);
        jw_obj_end(&w);
        if (nfolds >= 2)
            write_cv_json(&w, folds, nfolds, held_out);
        jw_key(&w, "analysis");
        jw_arr_begin(&w);
        for (int t = 0; t < NTRAITS; t++) {
            jw_obj_begin(&w);
            jw_kstr(&w, "trait", traits[t].name);
            jw_kint(&w, "rows", with[t].n);
            jw_knum(&w, "mape", mape(&with[t]));
            jw_knum(&w, "mean_signed_error", bias(&with[t]));
            jw_knum(&w, "mape_others", mape(&without[t]));
            jw_knum(&w, "share_of_worst_tenth", ntail ? (double)tail_with[t].n / ntail : 0.0);
            jw_knum(&w, "share_overall", nok ? (double)with[t].n / nok : 0.0);
            jw_obj_end(&w);
        }
        jw_arr_end(&w);
        jw_key(&w, "configurations");
        jw_arr_begin(&w);
        for (int i = 0; i < ngroups; i++) {
            const vrow *r = groups[i].first;
            jw_obj_begin(&w);
            jw_kstr(&w, "set", r->multi ? "multi_node" : "single_node");
            jw_kint(&w, "gpus", (int64_t)r->v[COL_GPUS]);
            jw_kint(&w, "hidden", (int64_t)r->v[COL_HIDDEN]);
            jw_kint(&w, "heads", (int64_t)r->v[COL_HEADS]);
            jw_kint(&w, "seq_len", (int64_t)r->v[COL_SEQ]);
            jw_kint(&w, "microbatch", (int64_t)r->v[COL_MICRO]);
            jw_kint(&w, "tp", (int64_t)r->v[COL_TP]);
            jw_kint(&w, "dp", (int64_t)r->v[COL_DP]);
            jw_kint(&w, "pp", (int64_t)r->v[COL_PP]);
            jw_kint(&w, "rows", groups[i].st.n);
            jw_knum(&w, "mean_signed_error", bias(&groups[i].st));
            jw_knum(&w, "mape", mape(&groups[i].st));
            jw_obj_end(&w);
        }
        jw_arr_end(&w);
        jw_key(&w, "worst");
        jw_arr_begin(&w);
        for (int i = 0; i < worst; i++)
            write_row_json(&w, order[i]);
        jw_arr_end(&w);
        jw_key(&w, "per_row");
        jw_arr_begin(&w);
        for (int i = 0; i < set.n; i++)
            write_row_json(&w, &set.rows[i]);
        jw_arr_end(&w);
        jw_obj_end(&w);
        size_t len = 0;
        char *text = jw_take(&w, &len);
        if (!text || fwrite(text, 1, len, stdout) != len || fputc('\n', stdout) == EOF) {
            fprintf(stderr, "ridge validate: cannot write output\n");
            status = 1;
        }
        free(text);
    } else {
        printf("ridge validate: %d measured Megatron-DeepSpeed iterations on A100 (vTrain, MICRO 2024)\n",
               set.n);
        printf("setup: data/%s (one description for every row)\n", SETUP_PATH);
        printf("assumptions: data/assumptions.json, overridden for this software stack:");
        for (int i = 0; i < RG_A_COUNT; i++)
            if (over[i])
                printf(" %s=%g", rg_assumption_name(i), base.assumptions.v[i]);
        printf("\n\n");
        printf("  MAPE overall      %6.2f %%  (%d rows, mean signed error %+.2f %%)\n", mape(&all), all.n,
               bias(&all));
        printf("  MAPE single-node  %6.2f %%  (%d rows)   vTrain's own simulator: 8.37 %%\n", mape(&part[0]),
               part[0].n);
        printf("  MAPE multi-node   %6.2f %%  (%d rows)   vTrain's own simulator: 14.73 %%\n", mape(&part[1]),
               part[1].n);
        if (failed)
            printf("  %d rows could not be evaluated (see --json)\n", failed);
        if (nfolds >= 2) {
            printf(
                "\nCross-validated (%d folds of whole configurations; kernel_overhead and matmul_efficiency "
                "fitted on the other folds only):\n",
                nfolds);
            printf("  %-5s %6s %6s %10s %10s %16s %18s\n", "fold", "train", "test", "train MAPE", "held-out",
                   "kernel_overhead", "matmul_efficiency");
            for (int f = 0; f < nfolds; f++)
                printf("  %-5d %6d %6d %9.2f%% %9.2f%% %13.1f us %18.3f\n", f, folds[f].train, folds[f].test,
                       folds[f].train_mape, folds[f].test_mape, 1e6 * folds[f].g.value[0],
                       folds[f].g.value[1]);
            printf("  MAPE held out     %6.2f %%\n", held_out);
        }
        printf("\nWhere the gaps are (error = (predicted - measured) / measured):\n");
        printf("  %-52s %6s %8s %8s %8s %9s\n", "trait", "rows", "MAPE", "bias", "others", "worst10%");
        for (int t = 0; t < NTRAITS; t++)
            printf("  %-52s %6d %7.2f%% %+7.2f%% %7.2f%% %5.0f%% (%2.0f%%)\n", traits[t].name, with[t].n,
                   mape(&with[t]), bias(&with[t]), mape(&without[t]),
                   ntail ? 100.0 * tail_with[t].n / ntail : 0.0, nok ? 100.0 * with[t].n / nok : 0.0);
        printf("  (worst10%%: share of the worst tenth of rows with the trait, overall share in brackets)\n");
        /* the traits most over-represented among the worst rows */
        printf("\nFindings:\n");
        int said = 0;
        for (int t = 0; t < NTRAITS; t++) {
            double share_tail = ntail ? (double)tail_with[t].n / ntail : 0.0;
            double share_all = nok ? (double)with[t].n / nok : 0.0;
            if (with[t].n >= 5 && share_tail >= 1.5 * share_all && share_tail >= 0.2) {
                printf("  - %.0f%% of the worst-predicted tenth have %s (vs %.0f%% of all rows); those rows "
                       "are %s by %.1f%% on average (MAPE %.1f%% vs %.1f%% for the rest).\n",
                       100 * share_tail, traits[t].name, 100 * share_all,
                       bias(&with[t]) > 0 ? "over-predicted" : "under-predicted", fabs(bias(&with[t])),
                       mape(&with[t]), mape(&without[t]));
                said++;
            }
        }
        if (!said)
            printf("  - no trait is over-represented among the worst-predicted rows.\n");
        printf("\nConfigurations with the largest mean error (rows differing only in depth or batch):\n"
               "  %-6s %5s %5s %4s %5s %3s %3s %3s %3s %5s %8s %7s\n",
               "set", "gpus", "h", "a", "seq", "mb", "tp", "dp", "pp", "rows", "mean", "MAPE");
        for (int i = 0; i < ngroups && i < 10; i++) {
            const vrow *r = groups[i].first;
            printf("  %-6s %5.0f %5.0f %4.0f %5.0f %3.0f %3.0f %3.0f %3.0f %5d %+7.1f%% %6.1f%%\n",
                   r->multi ? "multi" : "single", r->v[COL_GPUS], r->v[COL_HIDDEN], r->v[COL_HEADS],
                   r->v[COL_SEQ], r->v[COL_MICRO], r->v[COL_TP], r->v[COL_DP], r->v[COL_PP], groups[i].st.n,
                   bias(&groups[i].st), mape(&groups[i].st));
        }
        printf("  (%d configurations in all)\n", ngroups);
        printf("\nLargest gaps:\n  %-6s %5s %5s %3s %6s %4s %4s %5s %3s %3s %3s %10s %10s %8s %7s %7s\n",
               "set", "line", "gpus", "mb", "batch", "h", "a", "L", "tp", "dp", "pp", "measured", "predicted",
               "error", "bubble", "comm");
        for (int i = 0; i < worst; i++) {
            const vrow *r = order[i];
            printf(
                "  %-6s %5d %5.0f %3.0f %6.0f %4.0f %4.0f %5.0f %3.0f %3.0f %3.0f %8.1fms %8.1fms %+7.1f%% "
                "%6.0f%% %6.0f%%\n",
                r->multi ? "multi" : "single", r->line, r->v[COL_GPUS], r->v[COL_MICRO], r->v[COL_BATCH],
                r->v[COL_HIDDEN], r->v[COL_HEADS], r->v[COL_LAYERS], r->v[COL_TP], r->v[COL_DP], r->v[COL_PP],
                r->v[COL_MS], r->predicted_ms, 100 * r->err, 100 * r->bubble_frac, 100 * r->comm_frac);
        }
    }
    if (status == 0 && nfolds >= 2 && max_cv >= 0 && held_out > max_cv) {
        fprintf(stderr, "ridge validate: held-out MAPE %.2f %% exceeds the limit %.2f %%\n", held_out,
                max_cv);
        status = 3;
    }
    if (status == 0 && max_mape >= 0 && (mape(&all) > max_mape || failed)) {
        fprintf(stderr, "ridge validate: MAPE %.2f %% exceeds the limit %.2f %% (or %d rows failed)\n",
                mape(&all), max_mape, failed);
        status = 3;
    }
out:
    jw_free(&w);
    free(set.rows);
    free(order);
    free(groups);
    free(res);
    return status;
}
