/* search.c: enumerate parallel layouts and evaluate them on all cores.
 *
 * The enumeration is split in two levels: "outer" tuples of degrees
 * (tp, cp, ep, pp, dp), listed once up front with the number of inner
 * configurations each one has and their first configuration number, and
 * "inner" choices (micro-batch, interleave, recompute, ZeRO, sequence
 * parallelism) walked inside the loop. OpenMP distributes outer tuples
 * dynamically; each thread evaluates into its own rg_result and keeps a
 * sorted top list, and the lists are merged after the loop under the total
 * order (time_s, index), which makes the result independent of scheduling. */
#include "search.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "evaluate.h"

void rg_search_opts_init(rg_search_opts *o) {
    memset(o, 0, sizeof *o);
    o->top_n = 10;
    o->threads = 0;
    o->max_interleave = 4;
    o->max_configs = RG_SEARCH_MAX_CONFIGS;
    o->eval = NULL;
}

typedef struct outer_tuple {
    int64_t tp, cp, ep, pp, dp;
    int64_t base;  /* number of its first configuration */
    int64_t count; /* inner configurations */
} outer_tuple;

#define MAX_DIVISORS 4096

static int divisors(int64_t n, int64_t *out) {
    int k = 0;
    for (int64_t d = 1; d * d <= n && k < MAX_DIVISORS - 1; d++)
        if (n % d == 0) {
            out[k++] = d;
            if (d != n / d)
                out[k++] = n / d;
        }
    /* ascending: insertion sort (small lists) */
    for (int i = 1; i < k; i++) {
        int64_t v = out[i];
        int j = i - 1;
        while (j >= 0 && out[j] > v) {
            out[j + 1] = out[j];
            j--;
        }
        out[j + 1] = v;
    }
    return k;
}

/* Inner choices of one outer tuple. */
typedef struct inner_space {
    int n_mb;
    int64_t mb[MAX_DIVISORS];
    int n_v;
    int64_t v[64];
    int n_rc, n_zero, n_sp;
    int zero_first;
} inner_space;

static bool is_train(const rg_spec *s) { return s->phase == RG_PHASE_TRAIN; }

/* Divisors of the global batch, computed once per search: micro-batch
 * choices are the ones that divide a tuple's per-replica batch. */
typedef struct batch_divs {
    int n;
    int64_t d[MAX_DIVISORS];
} batch_divs;

static void inner_make(const rg_spec *s, const rg_search_opts *o, const batch_divs *bd, const outer_tuple *t,
                       inner_space *in) {
    int64_t layers = s->model.layers;
    in->n_v = 0;
    for (int64_t v = 1; v <= o->max_interleave && in->n_v < 64; v++) {
        if (v > 1 && t->pp == 1)
            break;
        if (o->uneven_stages ? t->pp * v <= layers : layers % (t->pp * v) == 0)
            in->v[in->n_v++] = v;
    }
    if (is_train(s)) {
        int64_t b_rep = s->batch / (t->dp * t->ep);
        in->n_mb = 0;
        for (int i = 0; i < bd->n && bd->d[i] <= b_rep; i++)
            if (b_rep % bd->d[i] == 0)
                in->mb[in->n_mb++] = bd->d[i];
        in->n_rc = 3;
        in->n_zero = t->dp * t->ep > 1 ? 4 : 1;
    } else {
        in->n_mb = 1;
        in->mb[0] = s->par.microbatch;
        in->n_rc = 1;
        in->n_zero = 1;
    }
    in->n_sp = t->tp > 1 ? 2 : 1;
}

static int64_t inner_count(const inner_space *in) {
    return (int64_t)in->n_mb * in->n_v * in->n_rc * in->n_zero * in->n_sp;
}

/* Decode inner configuration k (0-based) of a tuple into `p`; the order is
 * micro-batch, interleave, recompute, ZeRO, sequence parallelism (last
 * varies fastest). */
static void inner_decode(const rg_spec *s, const outer_tuple *t, const inner_space *in, int64_t k,
                         rg_parallel *p) {
    int sp = (int)(k % in->n_sp);
    k /= in->n_sp;
    int z = (int)(k % in->n_zero);
    k /= in->n_zero;
    int rc = (int)(k % in->n_rc);
    k /= in->n_rc;
    int v = (int)(k % in->n_v);
    k /= in->n_v;
    int mb = (int)k;
    p->tp = t->tp;
    p->cp = t->cp;
    p->ep = t->ep;
    p->pp = t->pp;
    p->dp = t->dp;
    p->microbatch = in->mb[mb];
    p->interleave = in->v[v];
    p->sequence_parallel = sp != 0;
    if (is_train(s)) {
        p->recompute = (rg_recompute)rc;
        p->zero = z;
    } else {
        p->recompute = s->par.recompute;
        p->zero = s->par.zero;
    }
}

/* List the outer tuples (or only count them when `list` is NULL). */
static int64_t outer_make(const rg_spec *s, const rg_search_opts *o, const batch_divs *bd, outer_tuple *list,
                          int64_t *total, inner_space *scratch) {
    int64_t n = s->chips, cnt = 0, configs = 0;
    const rg_model *m = &s->model;
    int64_t *d_tp = malloc(sizeof(int64_t) * MAX_DIVISORS * 4);
    if (!d_tp)
        return RG_ENOMEM;
    int64_t *d_cp = d_tp + MAX_DIVISORS, *d_ep = d_cp + MAX_DIVISORS, *d_pp = d_ep + MAX_DIVISORS;
    int ntp = divisors(n, d_tp);
    for (int a = 0; a < ntp; a++) {
        int64_t tp = d_tp[a];
        if (m->heads % tp != 0)
            continue;
        int ncp = divisors(n / tp, d_cp);
        for (int b = 0; b < ncp; b++) {
            int64_t cp = d_cp[b];
            if (s->seq_len % cp != 0)
                continue;
            int nep = divisors(n / tp / cp, d_ep);
            for (int c = 0; c < nep; c++) {
                int64_t ep = d_ep[c];
                if (ep > 1 && (m->moe.experts == 0 || m->moe.experts % ep != 0))
                    continue;
                int npp = divisors(n / tp / cp / ep, d_pp);
                for (int e = 0; e < npp; e++) {
                    int64_t pp = d_pp[e];
                    int64_t dp = n / tp / cp / ep / pp;
                    bool stages_ok = o->uneven_stages ? pp <= m->layers : m->layers % pp == 0;
                    if (!stages_ok || s->batch % (dp * ep) != 0)
                        continue;
                    outer_tuple t = {tp, cp, ep, pp, dp, configs, 0};
                    inner_make(s, o, bd, &t, scratch);
                    t.count = inner_count(scratch);
                    if (t.count == 0)
                        continue;
                    if (list)
                        list[cnt] = t;
                    cnt++;
                    configs += t.count;
                    if (cnt > RG_SEARCH_MAX_TUPLES || configs > o->max_configs) {
                        free(d_tp);
                        *total = configs;
                        return RG_ETOOBIG;
                    }
                }
            }
        }
    }
    free(d_tp);
    *total = configs;
    return cnt;
}

static int check_inputs(const rg_spec *base, const rg_search_opts *o, rg_err *err) {
    if (!base || !o)
        return rg_err_set(err, RG_EINVAL, "", "no spec or options");
    if (base->chips < 1)
        return rg_err_set(err, RG_EMISSING, "chips", "the search needs the total chip count (chips >= 1)");
    if (base->batch < 1 || base->seq_len < 1 || base->model.layers < 1 || base->model.heads < 1)
        return rg_err_set(err, RG_ERANGE, "batch", "batch, seq_len, layers and heads must be >= 1");
    if (o->top_n < 1 || o->top_n > RG_SEARCH_TOP_MAX)
        return rg_err_set(err, RG_ERANGE, "top", "must be 1..%d (got %d)", RG_SEARCH_TOP_MAX, o->top_n);
    if (o->max_interleave < 1 || o->max_interleave > 64)
        return rg_err_set(err, RG_ERANGE, "max_interleave", "must be 1..64");
    if (o->max_configs < 1)
        return rg_err_set(err, RG_ERANGE, "max_configs", "must be >= 1");
    if (o->threads < 0 || o->threads > 4096)
        return rg_err_set(err, RG_ERANGE, "threads", "must be 0..4096");
    if (o->first < 0 || o->count < 0 || o->first > INT64_MAX - o->count)
        return rg_err_set(err, RG_ERANGE, "first", "the range must be first >= 0, count >= 0");
    return 0;
}

int64_t rg_search_count(const rg_spec *base, const rg_search_opts *opts, rg_err *err) {
    int rc = check_inputs(base, opts, err);
    if (rc)
        return rc;
    inner_space *scratch = malloc(sizeof *scratch);
    batch_divs *bd = malloc(sizeof *bd);
    if (!scratch || !bd) {
        free(scratch);
        free(bd);
        return rg_err_set(err, RG_ENOMEM, "", "out of memory");
    }
    bd->n = divisors(base->batch, bd->d);
    int64_t total = 0;
    int64_t n = outer_make(base, opts, bd, NULL, &total, scratch);
    free(scratch);
    free(bd);
    if (n < 0)
        return n == RG_ETOOBIG ? rg_err_set(err, RG_ETOOBIG, "chips", "more than %lld configurations",
                                            (long long)opts->max_configs)
                               : rg_err_set(err, (int)n, "", "out of memory");
    return total;
}

static bool entry_before(const rg_search_entry *a, const rg_search_entry *b) {
    if (a->time_s != b->time_s)
        return a->time_s < b->time_s;
    return a->index < b->index;
}

/* Insert into a sorted list of at most `cap` entries. */
static void top_insert(rg_search_entry *list, int *n, int cap, const rg_search_entry *e) {
    if (*n == cap && !entry_before(e, &list[cap - 1]))
        return;
    int i = *n < cap ? (*n)++ : cap - 1;
    while (i > 0 && entry_before(e, &list[i - 1])) {
        list[i] = list[i - 1];
        i--;
    }
    list[i] = *e;
}

static int default_eval(const rg_spec *spec, rg_result *res, void *ctx, rg_err *err) {
    (void)ctx;
    return rg_evaluate_ex(spec, res, RG_EVAL_NO_OPS, err);
}

int rg_search(const rg_spec *base, const rg_search_opts *opts, rg_search_result *out, rg_err *err) {
    int rc = check_inputs(base, opts, err);
    outer_tuple *tuples = NULL;
    rg_search_entry *tops = NULL;
    int *ntops = NULL;
    inner_space *scratch = NULL;
    batch_divs *bd = NULL;
    int64_t ntuples = 0, total = 0;
    int nthreads = 0;
    if (rc)
        return rc;
    memset(out, 0, sizeof *out);
    scratch = malloc(sizeof *scratch);
    bd = malloc(sizeof *bd);
    if (!scratch || !bd) {
        rc = rg_err_set(err, RG_ENOMEM, "", "out of memory");
        goto out;
    }
    bd->n = divisors(base->batch, bd->d);
    ntuples = outer_make(base, opts, bd, NULL, &total, scratch);
    if (ntuples < 0) {
        rc = ntuples == RG_ETOOBIG ? rg_err_set(err, RG_ETOOBIG, "chips", "more than %lld configurations",
                                                (long long)opts->max_configs)
                                   : rg_err_set(err, (int)ntuples, "", "out of memory");
        goto out;
    }
    tuples = malloc(sizeof *tuples * (size_t)(ntuples ? ntuples : 1));
    if (!tuples) {
        rc = rg_err_set(err, RG_ENOMEM, "", "out of memory");
        goto out;
    }
    outer_make(base, opts, bd, tuples, &total, scratch);
    nthreads = opts->threads > 0 ? opts->threads : omp_get_max_threads();
    tops = malloc(sizeof *tops * (size_t)nthreads * (size_t)opts->top_n);
    ntops = calloc((size_t)nthreads, sizeof *ntops);
    if (!tops || !ntops) {
        rc = rg_err_set(err, RG_ENOMEM, "", "out of memory");
        goto out;
    }
    rg_search_eval_fn eval = opts->eval ? opts->eval : default_eval;
    int64_t lo = opts->count ? opts->first : 0, hi = opts->count ? opts->first + opts->count : total;
    int64_t n_feasible = 0, n_nofit = 0, n_rejected = 0, n_eval = 0;
    int ran = 1;
#pragma omp parallel num_threads(nthreads) reduction(+ : n_feasible, n_nofit, n_rejected, n_eval)
    {
        int me = omp_get_thread_num();
#pragma omp single
        ran = omp_get_num_threads();
        rg_spec spec = *base;
        rg_result *res = malloc(sizeof *res);
        inner_space *in = malloc(sizeof *in);
        rg_search_entry *mine = &tops[(size_t)me * (size_t)opts->top_n];
        int nmine = 0;
        if (res && in) {
#pragma omp for schedule(dynamic, 1)
            for (int64_t ti = 0; ti < ntuples; ti++) {
                const outer_tuple *t = &tuples[ti];
                if (t->base >= hi || t->base + t->count <= lo)
                    continue;
                int64_t k0 = lo > t->base ? lo - t->base : 0;
                int64_t k1 = hi < t->base + t->count ? hi - t->base : t->count;
                inner_make(base, opts, bd, t, in);
                for (int64_t k = k0; k < k1; k++) {
                    rg_err e = {0};
                    inner_decode(base, t, in, k, &spec.par);
                    /* stage sizes given for the spec's pipeline depth do not carry to another */
                    if (t->pp != base->par.pp)
                        spec.stages = (rg_stages){0, 0};
                    n_eval++;
                    if (eval(&spec, res, opts->eval_ctx, &e) != 0) {
                        n_rejected++;
                        continue;
                    }
                    if (!res->memory.fits) {
                        n_nofit++;
                        continue;
                    }
                    n_feasible++;
                    if (nmine == opts->top_n &&
                        !(res->time_s < mine[nmine - 1].time_s ||
                          (res->time_s == mine[nmine - 1].time_s && t->base + k < mine[nmine - 1].index)))
                        continue;
                    rg_search_entry en;
                    en.index = t->base + k;
                    en.par = spec.par;
                    en.time_s = res->time_s;
                    en.mfu = res->mfu;
                    en.tokens_per_s = res->tokens_per_s;
                    en.memory = res->memory;
                    en.breakdown = res->breakdown;
                    top_insert(mine, &nmine, opts->top_n, &en);
                }
            }
        } else {
            /* A thread without scratch memory must still reach the
             * worksharing loop (OpenMP requires every thread to); it
             * evaluates nothing and the search reports RG_ENOMEM below
             * instead of a partial answer. */
#pragma omp for schedule(dynamic, 1)
            for (int64_t ti = 0; ti < ntuples; ti++)
                (void)ti;
        }
        ntops[me] = (res && in) ? nmine : -1;
        free(res);
        free(in);
    }
    for (int i = 0; i < nthreads; i++)
        if (ntops[i] < 0) {
            rc = rg_err_set(err, RG_ENOMEM, "", "out of memory in a search thread");
            goto out;
        }
    /* Merge in thread order; the total order makes it schedule-independent. */
    for (int i = 0; i < nthreads; i++)
        for (int j = 0; j < ntops[i]; j++)
            top_insert(out->best, &out->n_best, opts->top_n, &tops[(size_t)i * (size_t)opts->top_n + j]);
    out->evaluated = n_eval;
    out->feasible = n_feasible;
    out->no_fit = n_nofit;
    out->rejected = n_rejected;
    out->threads = ran;
out:
    free(scratch);
    free(bd);
    free(tuples);
    free(tops);
    free(ntops);
    return rc;
}

void rg_search_merge(rg_search_result *into, const rg_search_result *part, int top_n) {
    if (top_n < 1)
        top_n = 1;
    if (top_n > RG_SEARCH_TOP_MAX)
        top_n = RG_SEARCH_TOP_MAX;
    into->evaluated += part->evaluated;
    into->feasible += part->feasible;
    into->no_fit += part->no_fit;
    into->rejected += part->rejected;
    if (part->threads > into->threads)
        into->threads = part->threads;
    for (int j = 0; j < part->n_best; j++)
        top_insert(into->best, &into->n_best, top_n, &part->best[j]);
}
