/* serve_search.c: SLO-aware search over serving deployments (see
 * serve_search.h). The space is listed up front as an array of
 * configurations; each is simulated on its own (rg_serve_evaluate allocates
 * per call and shares nothing), then the array is ranked serially. */
#include "serve_search.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "evaluate.h"
#include "result.h"

#define FIELD_ERR(code, field, ...) rg_err_set(err, code, field, __VA_ARGS__)

static const int64_t batches[] = {16, 32, 64, 128, 256, 512};
static const int64_t chunks[] = {0, 256, 512, 1024, 2048, 4096};
#define NB ((int)(sizeof batches / sizeof batches[0]))
#define NC ((int)(sizeof chunks / sizeof chunks[0]))

void rg_serve_search_opts_init(rg_serve_search_opts *o) {
    memset(o, 0, sizeof *o);
    o->top_n = 10;
    o->goal = RG_SERVE_GOAL_GOODPUT;
    o->min_attainment = 0.99;
    o->max_configs = 1000000;
}

typedef struct cfg {
    rg_parallel par;
    int64_t max_batch, chunk;
    bool disagg;
    rg_serve_pool pre, dec;
} cfg;

typedef struct space {
    cfg *v;
    int64_t n, cap;
    int64_t limit;
} space;

/* Append one configuration; counts past the limit without storing. */
static int push(space *s, const cfg *c) {
    if (s->n >= s->limit) {
        s->n++;
        return 0;
    }
    if (s->n == s->cap) {
        int64_t cap = s->cap ? 2 * s->cap : 1024;
        cfg *v = realloc(s->v, (size_t)cap * sizeof *v);
        if (!v)
            return RG_ENOMEM;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = *c;
    return 0;
}

/* Scheduler settings for one layout. */
static int push_sched(space *s, cfg c, const rg_spec *b) {
    for (int i = 0; i < NB; i++)
        for (int j = 0; j < NC; j++) {
            if (chunks[j] > b->serving.max_tokens_per_step)
                continue;
            c.max_batch = batches[i];
            c.chunk = chunks[j];
            int rc = push(s, &c);
            if (rc)
                return rc;
        }
    return 0;
}

static int list_space(const rg_spec *b, const rg_serve_search_opts *o, space *s) {
    const rg_model *m = &b->model;
    int64_t C = b->chips, dom = b->has_system ? b->system.domain_chips : 1;
    int rc = 0;
    cfg c;
    memset(&c, 0, sizeof c);
    c.par = b->par;
    c.par.cp = 1;
    for (int64_t tp = 1; tp <= C && tp <= dom; tp *= 2) {
        if (m->heads % tp != 0)
            continue;
        for (int64_t pp = 1; pp <= 8 && pp <= m->layers && tp * pp <= C; pp *= 2)
            for (int64_t ep = 1; tp * pp * ep <= C; ep *= 2) {
                if (ep > 1 && (m->moe.experts == 0 || m->moe.experts % ep != 0))
                    break;
                for (int64_t dp = 1; dp * tp * pp * ep <= C; dp++) {
                    c.par.tp = tp;
                    c.par.pp = pp;
                    c.par.ep = ep;
                    c.par.dp = dp;
                    c.disagg = false;
                    if ((rc = push_sched(s, c, b)))
                        return rc;
                }
            }
    }
    if (!o->disaggregated)
        return 0;
    for (int64_t tpp = 1; tpp <= C && tpp <= dom; tpp *= 2)
        for (int64_t tpd = 1; tpd <= C && tpd <= dom; tpd *= 2) {
            if (m->heads % tpp != 0 || m->heads % tpd != 0)
                continue;
            for (int64_t np = 1; np * tpp + tpd <= C; np++)
                for (int64_t nd = 1; np * tpp + nd * tpd <= C; nd++) {
                    c.par = b->par;
                    c.par.cp = 1;
                    c.par.tp = tpp;
                    c.par.pp = c.par.ep = c.par.dp = 1;
                    c.disagg = true;
                    c.pre = (rg_serve_pool){np, tpp};
                    c.dec = (rg_serve_pool){nd, tpd};
                    if ((rc = push_sched(s, c, b)))
                        return rc;
                }
        }
    return 0;
}

static void apply(const rg_spec *b, const cfg *c, rg_spec *s) {
    *s = *b;
    s->par = c->par;
    s->chips = 0;
    s->batch = c->par.dp * c->par.ep;
    s->serving.max_batch = c->max_batch;
    s->serving.chunked_prefill_tokens = c->chunk;
    s->serving.disaggregated = c->disagg;
    if (c->disagg) {
        s->serving.prefill_pool = c->pre;
        s->serving.decode_pool = c->dec;
        s->chips = b->chips;
    } else {
        s->serving.prefill_pool = (rg_serve_pool){0, 0};
        s->serving.decode_pool = (rg_serve_pool){0, 0};
    }
}

/* Ordering of two evaluated entries: negative when a ranks first. */
static int better(const rg_serve_search_entry *a, const rg_serve_search_entry *b,
                  const rg_serve_search_opts *o) {
    if (o->goal == RG_SERVE_GOAL_MIN_CHIPS) {
        bool ma = a->slo_attainment >= o->min_attainment, mb = b->slo_attainment >= o->min_attainment;
        if (ma != mb)
            return ma ? -1 : 1;
        if (ma && a->chips != b->chips)
            return a->chips < b->chips ? -1 : 1;
        if (!ma && a->slo_attainment != b->slo_attainment)
            return a->slo_attainment > b->slo_attainment ? -1 : 1;
        if (a->goodput_requests_per_s != b->goodput_requests_per_s)
            return a->goodput_requests_per_s > b->goodput_requests_per_s ? -1 : 1;
    } else if (a->goodput_per_chip != b->goodput_per_chip) {
        return a->goodput_per_chip > b->goodput_per_chip ? -1 : 1;
    }
    return a->index < b->index ? -1 : a->index > b->index;
}

int rg_serve_search(const rg_spec *base, const rg_serve_search_opts *opts, rg_serve_search_result *out,
                    rg_err *err) {
    space sp;
    rg_serve_search_entry *ent = NULL;
    signed char *ok = NULL;
    int rc = 0;
    memset(&sp, 0, sizeof sp);
    if (!base || !opts || !out)
        return FIELD_ERR(RG_EINVAL, "", "no spec, options or result storage");
    memset(out, 0, sizeof *out);
    if (base->phase != RG_PHASE_SERVE)
        return FIELD_ERR(RG_EINVAL, "phase", "a serving search needs \"phase\": \"serve\"");
    if (base->chips < 1)
        return FIELD_ERR(RG_EMISSING, "chips", "the search needs the chips it may use (chips >= 1)");
    if (opts->top_n < 1 || opts->top_n > RG_SERVE_SEARCH_TOP_MAX)
        return FIELD_ERR(RG_ERANGE, "top", "must be in 1..%d", RG_SERVE_SEARCH_TOP_MAX);
    if (!(opts->min_attainment > 0.0 && opts->min_attainment <= 1.0))
        return FIELD_ERR(RG_ERANGE, "attainment", "must be in (0, 1]");
    if ((rc = rg_serve_check(&base->serving, err)))
        return rc;
    sp.limit = opts->max_configs;
    if ((rc = list_space(base, opts, &sp))) {
        rc = FIELD_ERR(rc, "", "out of memory listing the space");
        goto out;
    }
    if (sp.n > opts->max_configs) {
        rc = FIELD_ERR(RG_ETOOBIG, "chips", "%lld configurations exceed the limit of %lld", (long long)sp.n,
                       (long long)opts->max_configs);
        goto out;
    }
    int64_t n = sp.n;
    ent = calloc((size_t)(n ? n : 1), sizeof *ent);
    ok = calloc((size_t)(n ? n : 1), 1);
    if (!ent || !ok) {
        rc = FIELD_ERR(RG_ENOMEM, "", "out of memory");
        goto out;
    }
    int nthreads = opts->threads > 0 ? opts->threads : omp_get_max_threads();
    int nomem = 0;
#pragma omp parallel num_threads(nthreads) reduction(+ : nomem)
    {
        rg_result *res = malloc(sizeof *res);
#pragma omp single
        out->threads = omp_get_num_threads();
#pragma omp for schedule(dynamic, 1)
        for (int64_t i = 0; i < n; i++) {
            rg_spec s;
            rg_err e = {0};
            if (!res) {
                nomem++;
                continue;
            }
            apply(base, &sp.v[i], &s);
            if (rg_evaluate_ex(&s, res, RG_EVAL_NO_OPS, &e) != 0) {
                if (e.code == RG_ENOMEM)
                    nomem++;
                continue;
            }
            const rg_serving_result *r = &res->serving;
            rg_serve_search_entry *x = &ent[i];
            x->index = i;
            x->par = sp.v[i].par;
            x->max_batch = sp.v[i].max_batch;
            x->chunked_prefill_tokens = sp.v[i].chunk;
            x->disaggregated = sp.v[i].disagg;
            x->prefill = sp.v[i].pre;
            x->decode = sp.v[i].dec;
            x->chips = r->chips;
            x->goodput_requests_per_s = r->goodput_requests_per_s;
            x->goodput_per_chip = r->goodput_requests_per_s / (double)r->chips;
            x->slo_attainment = r->slo_attainment;
            x->ttft_p99_s = r->ttft_s.p99;
            x->tpot_p99_s = r->tpot_s.p99;
            x->output_tokens_per_s_per_chip = r->output_tokens_per_s_per_chip;
            ok[i] = 1;
        }
        free(res);
    }
    if (nomem) {
        rc = FIELD_ERR(RG_ENOMEM, "", "out of memory in %d simulations", nomem);
        goto out;
    }
    /* rank: insertion into the top list in configuration order */
    out->evaluated = n;
    for (int64_t i = 0; i < n; i++) {
        if (!ok[i]) {
            out->rejected++;
            continue;
        }
        if (ent[i].slo_attainment >= opts->min_attainment)
            out->meet++;
        int k = out->n_best;
        if (k == opts->top_n && better(&ent[i], &out->best[k - 1], opts) >= 0)
            continue;
        if (k < opts->top_n)
            out->n_best++;
        else
            k--;
        while (k > 0 && better(&ent[i], &out->best[k - 1], opts) < 0) {
            out->best[k] = out->best[k - 1];
            k--;
        }
        out->best[k] = ent[i];
    }
out:
    free(sp.v);
    free(ent);
    free(ok);
    return rc;
}
