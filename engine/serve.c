/* serve.c: the serving simulation (see serve.h; its roofline step model is
 * serve_step.c).
 *
 * Event loop: the next event is the earliest of the next arrival and the
 * end of each busy instance's step (or the moment an idle decode instance's
 * first transferred request becomes ready). Arrivals at the same instant as
 * a step end are taken first. Requests in the system are integrated over
 * time for mean_in_system, KV blocks in use for the utilisation. */
#include "serve.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "spec.h"

#define FIELD_ERR(code, field, ...) rg_err_set(err, code, field, __VA_ARGS__)
#define MAX_REQUESTS                10000000

enum { TAG_GAP = 1, TAG_PROMPT = 2, TAG_OUTPUT = 3, TAG_ACCEPT = 4 };
enum { ST_NEW = 0, ST_WAIT, ST_RUN, ST_DONE };

/* ---- draws ------------------------------------------------------------- */

/* Standard normal for draw i (Box-Muller on two counter draws). */
static double draw_normal(uint64_t seed, uint64_t i) {
    double u1 = rg_rng_unit(seed, 2 * i), u2 = rg_rng_unit(seed, 2 * i + 1);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

static int64_t draw_len(const rg_len *L, uint64_t seed, uint64_t i) {
    double v = L->mean;
    if (L->kind == RG_LEN_LOGNORMAL) {
        double mu = log(L->mean) - 0.5 * L->sigma * L->sigma;
        v = exp(mu + L->sigma * draw_normal(seed, i));
    } else if (L->kind == RG_LEN_UNIFORM) {
        double span = L->max - L->min + 1.0;
        v = L->min + floor(rg_rng_unit(seed, i) * span);
        if (v > L->max)
            v = L->max;
    }
    v = floor(v + 0.5);
    if (v < 1.0)
        v = 1.0;
    if (v > 1e8)
        v = 1e8;
    return (int64_t)v;
}

/* Gamma(shape, 1) for draw i: Marsaglia and Tsang, "A simple method for
 * generating gamma variables", ACM TOMS 26(3), 2000; shape < 1 through
 * Gamma(shape + 1) x U^(1/shape). Rejection draws read counter positions
 * i*64 + j; after 63 rejections (probability < 1e-60) the mean is returned. */
static double draw_gamma(double shape, uint64_t seed, uint64_t i) {
    double boost = 1.0, a = shape;
    uint64_t base = i * 64;
    if (a < 1.0) {
        boost = pow(rg_rng_unit(rg_rng_stream(seed, 99), i), 1.0 / a);
        a += 1.0;
    }
    double d = a - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
    for (uint64_t j = 0; j < 63; j++) {
        double x = draw_normal(seed, base + j), v = 1.0 + c * x;
        if (v <= 0.0)
            continue;
        v = v * v * v;
        double u = rg_rng_unit(rg_rng_stream(seed, 98), base + j);
        if (log(u) < 0.5 * x * x + d - d * v + d * log(v))
            return d * v * boost;
    }
    return shape;
}

/* ---- checks ------------------------------------------------------------ */

static int check_len(const rg_len *L, const char *field, rg_err *err) {
    if (L->kind == RG_LEN_FIXED || L->kind == RG_LEN_LOGNORMAL) {
        if (!(L->mean >= 1.0))
            return FIELD_ERR(RG_ERANGE, field, "mean must be >= 1 token, got %g", L->mean);
        if (L->kind == RG_LEN_LOGNORMAL && !(L->sigma >= 0.0 && L->sigma <= 5.0))
            return FIELD_ERR(RG_ERANGE, field, "sigma must be in [0, 5], got %g", L->sigma);
        return 0;
    }
    if (L->kind == RG_LEN_UNIFORM) {
        if (!(L->min >= 1.0) || !(L->max >= L->min))
            return FIELD_ERR(RG_ERANGE, field, "needs 1 <= min <= max, got min %g max %g", L->min, L->max);
        return 0;
    }
    return FIELD_ERR(RG_EINVAL, field, "unknown distribution");
}

/* Speculation and pools are on when their counts say so, however the
 * config was built (a sweep axis sets the count alone). */
void rg_serve_normalize(rg_serving *c) {
    c->speculative = c->spec_tokens > 0;
    c->disaggregated = c->prefill_pool.instances > 0 || c->decode_pool.instances > 0;
}

static int check_cfg(const rg_serving *c, rg_err *err);

int rg_serve_check(const rg_serving *cfg, rg_err *err) {
    rg_serving c = *cfg;
    rg_serve_normalize(&c);
    return check_cfg(&c, err);
}

static int check_cfg(const rg_serving *c, rg_err *err) {
    int rc = 0;
    if (c->n_trace < 0 || c->n_trace > MAX_REQUESTS)
        return FIELD_ERR(RG_ERANGE, "serving.arrival.trace", "at most %d rows", MAX_REQUESTS);
    if (c->n_trace > RG_SERVE_TRACE_MAX && !c->trace_rows)
        return FIELD_ERR(
            RG_ERANGE, "serving.arrival.trace",
            "at most %d rows where the spec is copied per point (sweeps, compare); ridge evaluate, "
            "ridge search and POST /api/v1/evaluate take traces of any length",
            RG_SERVE_TRACE_MAX);
    if (c->n_trace == 0) {
        if (!(c->rate_per_s > 0.0))
            return FIELD_ERR(RG_ERANGE, "serving.arrival.rate_per_s", "must be > 0 requests/s, got %g",
                             c->rate_per_s);
        if (!(c->arrival_cv > 0.0 && c->arrival_cv <= 100.0))
            return FIELD_ERR(RG_ERANGE, "serving.arrival.cv", "must be in (0, 100], got %g", c->arrival_cv);
        if (c->requests <= 0 && !(c->duration_s > 0.0))
            return FIELD_ERR(RG_EMISSING, "serving.requests", "give requests or duration_s");
        if (c->requests > MAX_REQUESTS)
            return FIELD_ERR(RG_ERANGE, "serving.requests", "at most %d", MAX_REQUESTS);
        if (c->duration_s > 0.0 && c->duration_s * c->rate_per_s > (double)MAX_REQUESTS)
            return FIELD_ERR(RG_ERANGE, "serving.duration_s", "rate x duration exceeds %d requests",
                             MAX_REQUESTS);
        if ((rc = check_len(&c->prompt, "serving.prompt_tokens", err)) ||
            (rc = check_len(&c->output, "serving.output_tokens", err)))
            return rc;
    } else {
        double prev = 0.0;
        for (int64_t i = 0; i < c->n_trace; i++) {
            const rg_serve_req *r = rg_serve_trace_row(c, i);
            if (!(r->arrival_s >= 0.0) || r->arrival_s < prev)
                return FIELD_ERR(RG_ERANGE, "serving.arrival.trace",
                                 "row %lld: arrival_s %g must be >= 0 and not before the previous row (%g)",
                                 (long long)i, r->arrival_s, prev);
            if (r->prompt_tokens < 1 || r->output_tokens < 1)
                return FIELD_ERR(RG_ERANGE, "serving.arrival.trace",
                                 "row %lld: prompt_tokens and output_tokens must be >= 1", (long long)i);
            prev = r->arrival_s;
        }
    }
    if (c->max_batch < 1)
        return FIELD_ERR(RG_ERANGE, "serving.max_batch", "must be >= 1");
    if (c->max_tokens_per_step < 1)
        return FIELD_ERR(RG_ERANGE, "serving.max_tokens_per_step", "must be >= 1");
    if (c->chunked_prefill_tokens < 0)
        return FIELD_ERR(RG_ERANGE, "serving.chunked_prefill_tokens", "must be >= 0 (0 = no chunking)");
    if (!(c->prefix_cache_hit_rate >= 0.0 && c->prefix_cache_hit_rate < 1.0))
        return FIELD_ERR(RG_ERANGE, "serving.prefix_cache_hit_rate", "must be in [0, 1)");
    if (c->speculative) {
        if (c->spec_tokens < 1 || c->spec_tokens > 64)
            return FIELD_ERR(RG_ERANGE, "serving.speculative.tokens", "must be in 1..64");
        if (!(c->spec_acceptance >= 0.0 && c->spec_acceptance <= 1.0))
            return FIELD_ERR(RG_ERANGE, "serving.speculative.acceptance", "must be in [0, 1]");
        if (!(c->spec_draft_cost >= 0.0))
            return FIELD_ERR(RG_ERANGE, "serving.speculative.draft_cost", "must be >= 0");
    }
    if (c->disaggregated) {
        if (c->prefill_pool.instances < 1 || c->prefill_pool.tp < 1)
            return FIELD_ERR(RG_ERANGE, "serving.disaggregated.prefill", "instances and tp must be >= 1");
        if (c->decode_pool.instances < 1 || c->decode_pool.tp < 1)
            return FIELD_ERR(RG_ERANGE, "serving.disaggregated.decode", "instances and tp must be >= 1");
    }
    if (!(c->slo_ttft_s >= 0.0))
        return FIELD_ERR(RG_ERANGE, "serving.slo.ttft_s", "must be >= 0 s (0 = none)");
    if (!(c->slo_tpot_s >= 0.0))
        return FIELD_ERR(RG_ERANGE, "serving.slo.tpot_s", "must be >= 0 s (0 = none)");
    return 0;
}

/* ---- simulation state -------------------------------------------------- */

typedef struct req {
    double arrival, t_first, t_done, ready; /* ready: disaggregated KV arrives at the decode pool */
    int64_t prompt, output;
    int64_t target;  /* tokens to hold in the cache before decoding (re)starts */
    int64_t cached;  /* tokens whose KV is in the cache (or in host memory, swapped) */
    int64_t gen;     /* output tokens produced */
    int64_t blocks;  /* KV blocks held on the device */
    int64_t sched_c; /* prefill tokens scheduled in the running step */
    int64_t sched_q; /* decode tokens scheduled in the running step */
    int64_t round;   /* speculative rounds so far (draw index) */
    int64_t next;    /* waiting-queue link, -1 = end */
    int inst;
    int state;
    bool swapped;
} req;

typedef struct inst {
    int pool;
    int64_t head, tail, n_wait; /* waiting FIFO through req.next */
    int64_t *run;               /* running request ids, oldest first */
    int64_t n_run;
    int64_t blocks_total, blocks_free;
    bool busy;
    double t_end;
    int64_t step_seqs;
    double kv_area; /* integral of blocks in use / total over time */
} inst;

typedef struct sim {
    const rg_serving *c;
    const rg_serve_env *env;
    req *r;
    int64_t n;
    inst *in;
    int n_inst;
    int64_t n_sys, preemptions, steps, seq_steps;
    double area, t_prev, kv_peak;
    uint64_t accept_seed;
    rg_serving_result *out;
    int64_t sample_stride, sample_count;
} sim;

static void q_push_back(sim *s, inst *I, int64_t id) {
    s->r[id].next = -1;
    if (I->tail < 0)
        I->head = id;
    else
        s->r[I->tail].next = id;
    I->tail = id;
    I->n_wait++;
}

static void q_push_front(sim *s, inst *I, int64_t id) {
    s->r[id].next = I->head;
    I->head = id;
    if (I->tail < 0)
        I->tail = id;
    I->n_wait++;
}

static int64_t q_pop(sim *s, inst *I) {
    int64_t id = I->head;
    I->head = s->r[id].next;
    if (I->head < 0)
        I->tail = -1;
    I->n_wait--;
    return id;
}

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

static bool layer_kinds(const rg_serve_env *env) {
    return env->window > 0 || env->window_share > 0.0 || env->state_blocks > 0.0;
}

static int64_t blocks_for(const sim *s, int64_t tokens) {
    const rg_serve_env *env = s->env;
    int64_t b = env->block_tokens, whole = (tokens + b - 1) / b;
    if (!layer_kinds(env))
        return whole;
    int64_t w = env->window > 0 && env->window < tokens ? env->window : tokens;
    double n =
        env->full_share * (double)whole + env->window_share * (double)((w + b - 1) / b) + env->state_blocks;
    return (int64_t)ceil(n - 1e-9);
}

/* Bytes of the KV cache (and state) of a request holding `tokens`, whole
 * model: swap and disaggregated transfer. */
static double kv_bytes(const sim *s, int64_t tokens) {
    if (!layer_kinds(s->env))
        return (double)tokens * s->env->kv_bytes_per_token;
    return (double)blocks_for(s, tokens) * s->env->block_bytes;
}

/* Grow request `id`'s blocks to hold `tokens`; false when the instance has
 * too few free blocks (nothing changes then). */
static bool grow(sim *s, inst *I, int64_t id, int64_t tokens) {
    int64_t need = blocks_for(s, tokens) - s->r[id].blocks;
    if (need <= 0)
        return true;
    if (need > I->blocks_free)
        return false;
    I->blocks_free -= need;
    s->r[id].blocks += need;
    return true;
}

static void release(inst *I, req *q) {
    I->blocks_free += q->blocks;
    q->blocks = 0;
}

static int64_t prefix_hit(const sim *s, int64_t prompt) {
    int64_t h = (int64_t)floor(s->c->prefix_cache_hit_rate * (double)prompt);
    return h < prompt ? h : prompt - 1;
}

/* Least-loaded instance of `pool` (fewest requests waiting and running). */
static int pick(const sim *s, int pool) {
    int best = -1;
    int64_t load = 0;
    for (int i = 0; i < s->n_inst; i++) {
        const inst *I = &s->in[i];
        if (I->pool != pool)
            continue;
        int64_t l = I->n_wait + I->n_run;
        if (best < 0 || l < load) {
            best = i;
            load = l;
        }
    }
    return best;
}

/* Preempt the newest running request of I (vLLM's policy: the last admitted
 * goes first). Under recompute a disaggregated decode instance sends it back
 * to the prefill pool. Returns the preempted id or -1. */
static int64_t preempt(sim *s, inst *I, double *extra_s) {
    if (I->n_run == 0)
        return -1;
    int64_t id = I->run[--I->n_run];
    req *q = &s->r[id];
    if (s->c->preemption == RG_PREEMPT_SWAP) {
        *extra_s += kv_bytes(s, q->cached) / s->env->swap_bw;
        q->swapped = true;
    } else {
        q->target = q->cached; /* recompute everything it had, prompt and generated */
        q->cached = prefix_hit(s, q->prompt);
    }
    release(I, q);
    q->sched_c = q->sched_q = 0;
    q->state = ST_WAIT;
    inst *to = I;
    if (s->c->disaggregated && I->pool == 1 && s->c->preemption == RG_PREEMPT_RECOMPUTE) {
        q->inst = pick(s, 0);
        to = &s->in[q->inst];
        q->ready = 0.0;
    }
    q_push_front(s, to, id);
    s->preemptions++;
    return id;
}

/* Causal products of a chunk of c tokens after p cached ones when each
 * query sees at most w keys (query i of the chunk: min(p + i, w)). */
static double window_pairs(double p, double c, double w) {
    if (p + c <= w)
        return c * p + 0.5 * c * (c + 1.0);
    if (p >= w)
        return c * w;
    double m = w - p; /* queries still inside the window */
    return m * p + 0.5 * m * (m + 1.0) + (c - m) * w;
}

/* Keys a sliding-window layer keeps of `tokens` (no window: all). */
static int64_t window_tokens(const sim *s, int64_t tokens) {
    int64_t w = s->env->window;
    return w > 0 && w < tokens ? w : tokens;
}

static void add_prefill(const sim *s, rg_serve_step *st, const req *q, int64_t c) {
    double p = (double)q->cached, cc = (double)c;
    int64_t w = s->env->window;
    st->prefill_seqs++;
    st->prefill_tokens += c;
    st->prefill_pairs += cc * p + 0.5 * cc * (cc + 1.0);
    st->prefill_full += cc * (p + cc);
    st->prefill_cached += q->cached;
    st->prefill_pairs_w += w > 0 ? window_pairs(p, cc, (double)w) : cc * p + 0.5 * cc * (cc + 1.0);
    st->prefill_cached_w += w > 0 ? min64(q->cached, w) : q->cached;
    if (q->cached + c == q->target && q->gen == 0)
        st->prefill_logits++;
}

/* Admit `id` from the head of I's queue with a first chunk of `c` tokens;
 * false when the blocks are not there. Admission takes the blocks of the
 * whole prompt at once, so chunked prefills never wait for blocks halfway. */
static bool admit(sim *s, inst *I, int64_t id, int64_t c, rg_serve_step *st, double *extra_s) {
    req *q = &s->r[id];
    int64_t tokens = q->target > q->cached + c ? q->target : q->cached + c;
    if (s->c->admission == RG_ADMIT_RESERVE) {
        int64_t whole = q->prompt + q->output + (s->c->speculative ? s->c->spec_tokens + 1 : 1);
        tokens = tokens > whole ? tokens : whole;
    }
    if (!grow(s, I, id, tokens))
        return false;
    if (q->swapped) {
        *extra_s += kv_bytes(s, q->cached) / s->env->swap_bw;
        q->swapped = false;
    }
    q_pop(s, I);
    q->state = ST_RUN;
    I->run[I->n_run++] = id;
    if (c > 0) {
        q->sched_c = c;
        add_prefill(s, st, q, c);
    }
    return true;
}

/* Form the next step of instance I at time `now`; false when it has no work. */
static bool form_step(sim *s, inst *I, double now, rg_serve_step *st, double *extra_s) {
    const rg_serving *c = s->c;
    int64_t budget = c->max_tokens_per_step, C = c->chunked_prefill_tokens;
    bool prefill_pool = s->c->disaggregated && I->pool == 0;
    bool decode_pool = s->c->disaggregated && I->pool == 1;
    memset(st, 0, sizeof *st);
    st->pool = I->pool;
    *extra_s = 0.0;
    int64_t q_tokens = c->speculative ? c->spec_tokens + 1 : 1;
    st->decode_q = q_tokens;

    /* Without chunking a step that can take waiting prompts runs them alone. */
    if (C == 0 && !decode_pool) {
        while (I->n_wait > 0 && I->n_run < c->max_batch) {
            req *q = &s->r[I->head];
            int64_t need = q->target - q->cached;
            if (st->prefill_tokens > 0 && st->prefill_tokens + need > budget)
                break;
            if (!admit(s, I, I->head, need, st, extra_s))
                break;
        }
        if (st->prefill_seqs > 0 || prefill_pool)
            return st->prefill_seqs > 0;
    }
    /* decodes first */
    if (!prefill_pool) {
        for (int64_t k = 0; k < I->n_run && budget >= q_tokens; k++) {
            int64_t id = I->run[k];
            req *q = &s->r[id];
            if (q->cached < q->target || q->sched_c > 0)
                continue;
            bool self = false;
            while (!grow(s, I, id, q->cached + q_tokens))
                if (preempt(s, I, extra_s) == id) {
                    self = true;
                    break;
                }
            if (self)
                break; /* it was the newest: everything after it is gone too */
            q->sched_q = q_tokens;
            st->decode_seqs++;
            st->decode_ctx += q->cached + q_tokens;
            st->decode_ctx_w += window_tokens(s, q->cached + q_tokens);
            budget -= q_tokens;
        }
    }
    /* running prefills continue, then waiting requests are admitted */
    if (!decode_pool) {
        int64_t cap = C > 0 ? C : INT64_MAX;
        for (int64_t k = 0; k < I->n_run && budget > 0; k++) {
            int64_t id = I->run[k];
            req *q = &s->r[id];
            if (q->cached >= q->target || q->sched_c > 0 || q->sched_q > 0)
                continue;
            int64_t n = min64(min64(q->target - q->cached, cap), budget);
            if (!grow(s, I, id, q->cached + n))
                break;
            q->sched_c = n;
            add_prefill(s, st, q, n);
            budget -= n;
        }
        while (budget > 0 && I->n_wait > 0 && I->n_run < c->max_batch) {
            req *q = &s->r[I->head];
            int64_t n = min64(min64(q->target - q->cached, cap), budget);
            if (!admit(s, I, I->head, n, st, extra_s))
                break;
            budget -= n;
        }
    } else {
        /* decode pool: transferred requests join once their KV has arrived */
        while (I->n_wait > 0 && I->n_run < c->max_batch && s->r[I->head].ready <= now) {
            int64_t id = I->head;
            req *q = &s->r[id];
            int64_t need = q->cached + q_tokens;
            if (s->c->admission == RG_ADMIT_RESERVE)
                need = q->prompt + q->output + q_tokens;
            if (!grow(s, I, id, need))
                break;
            if (q->swapped) { /* preempted here by swap: its blocks come back first */
                *extra_s += kv_bytes(s, q->cached) / s->env->swap_bw;
                q->swapped = false;
            }
            q_pop(s, I);
            q->state = ST_RUN;
            I->run[I->n_run++] = id;
            q->sched_q = q_tokens;
            st->decode_seqs++;
            st->decode_ctx += q->cached + q_tokens;
            st->decode_ctx_w += window_tokens(s, q->cached + q_tokens);
        }
    }
    if (c->speculative && st->decode_seqs > 0)
        st->spec_draft_tokens = c->spec_tokens;
    return st->prefill_seqs + st->decode_seqs > 0;
}

static void sample(sim *s, double t, double batch) {
    rg_serving_result *o = s->out;
    if (s->sample_count++ % s->sample_stride != 0)
        return;
    if (o->n_samples == RG_SERVE_SAMPLES) { /* keep every other sample, halve the rate */
        for (int i = 0; i < RG_SERVE_SAMPLES / 2; i++)
            o->samples[i] = o->samples[2 * i];
        o->n_samples = RG_SERVE_SAMPLES / 2;
        s->sample_stride *= 2;
    }
    double queue = 0.0, kv = 0.0;
    for (int i = 0; i < s->n_inst; i++) {
        const inst *I = &s->in[i];
        queue += (double)I->n_wait;
        double u = (double)(I->blocks_total - I->blocks_free) / (double)I->blocks_total;
        kv = u > kv ? u : kv;
    }
    rg_serve_sample *p = &o->samples[o->n_samples++];
    p->t_s = t;
    p->queue = queue;
    p->batch = batch;
    p->kv_use = kv;
}

static int start(sim *s, inst *I, double now, rg_err *err) {
    rg_serve_step st;
    double extra = 0.0, t = 0.0;
    if (I->busy || !form_step(s, I, now, &st, &extra))
        return 0;
    int rc = s->env->step(s->env->ctx, &st, &t, err);
    if (rc)
        return rc;
    if (!(t >= 0.0) || !isfinite(t))
        return FIELD_ERR(RG_EINTERNAL, "serving", "step model returned %g s", t);
    I->busy = true;
    I->t_end = now + t + extra;
    I->step_seqs = st.prefill_seqs + st.decode_seqs;
    s->steps++;
    s->seq_steps += I->step_seqs;
    return 0;
}

/* Accepted drafts of one speculative round: each of k drafts is accepted with
 * probability a until the first rejection (Leviathan et al., "Fast Inference
 * from Transformers via Speculative Decoding", ICML 2023). */
static int64_t accepted(sim *s, int64_t id, int64_t round) {
    int64_t k = s->c->spec_tokens, a = 0;
    uint64_t base = ((uint64_t)id << 20 ^ (uint64_t)round) * 64;
    while (a < k && rg_rng_unit(s->accept_seed, base + (uint64_t)a) < s->c->spec_acceptance)
        a++;
    return a;
}

static void finish(sim *s, req *q, double t) {
    q->state = ST_DONE;
    q->t_done = t;
    s->n_sys--;
}

/* Apply instance i's finished step at time t. */
static void step_end(sim *s, int i, double t) {
    inst *I = &s->in[i];
    I->busy = false;
    int64_t w = 0;
    for (int64_t k = 0; k < I->n_run; k++) {
        int64_t id = I->run[k];
        req *q = &s->r[id];
        bool leave = false;
        if (q->sched_c > 0) {
            q->cached += q->sched_c;
            q->sched_c = 0;
            if (q->cached >= q->target && q->gen == 0) { /* the prompt's last position gives token 1 */
                q->gen = 1;
                q->t_first = t;
                if (q->output == 1) {
                    finish(s, q, t);
                    leave = true;
                }
            }
            if (!leave && q->cached >= q->target && s->c->disaggregated) {
                /* move the KV to the least-loaded decode instance */
                int d = pick(s, 1);
                double bytes = kv_bytes(s, q->cached);
                q->ready = t + s->env->transfer_latency + bytes / s->env->transfer_bw;
                q->inst = d;
                q->state = ST_WAIT;
                leave = true;
                release(I, q);
                q_push_back(s, &s->in[d], id);
            }
        } else if (q->sched_q > 0) {
            int64_t got = 1;
            if (s->c->speculative)
                got = accepted(s, id, q->round++) + 1;
            q->sched_q = 0;
            q->cached += got;
            q->gen += got;
            if (q->gen >= q->output) {
                q->gen = q->output;
                finish(s, q, t);
                leave = true;
            }
        }
        if (leave) {
            if (q->state == ST_DONE)
                release(I, q);
            continue;
        }
        I->run[w++] = id;
    }
    I->n_run = w;
    sample(s, t, (double)I->step_seqs);
}

static void integrate(sim *s, double t) {
    double dt = t - s->t_prev;
    if (dt > 0.0) {
        s->area += (double)s->n_sys * dt;
        for (int i = 0; i < s->n_inst; i++) {
            inst *I = &s->in[i];
            I->kv_area += dt * (double)(I->blocks_total - I->blocks_free) / (double)I->blocks_total;
        }
    }
    for (int i = 0; i < s->n_inst; i++) {
        const inst *I = &s->in[i];
        double u = (double)(I->blocks_total - I->blocks_free) / (double)I->blocks_total;
        if (u > s->kv_peak)
            s->kv_peak = u;
    }
    s->t_prev = t;
}

/* Arrival times and lengths of every request. */
static int make_requests(sim *s, rg_err *err) {
    const rg_serving *c = s->c;
    uint64_t seed = (uint64_t)c->seed;
    uint64_t sg = rg_rng_stream(seed, TAG_GAP), sp = rg_rng_stream(seed, TAG_PROMPT),
             so = rg_rng_stream(seed, TAG_OUTPUT);
    int64_t n = c->n_trace;
    double shape = 1.0 / (c->arrival_cv * c->arrival_cv);
    if (n == 0) {
        n = c->requests;
        if (n <= 0) { /* count the arrivals before duration_s */
            double t = 0.0;
            n = 0;
            for (int64_t i = 0; i < MAX_REQUESTS; i++) {
                t += draw_gamma(shape, sg, (uint64_t)i) / (shape * c->rate_per_s);
                if (t >= c->duration_s)
                    break;
                n++;
            }
            if (n == 0)
                return FIELD_ERR(RG_ERANGE, "serving.duration_s", "no request arrives before duration_s");
        }
    }
    s->r = calloc((size_t)n, sizeof *s->r);
    if (!s->r)
        return FIELD_ERR(RG_ENOMEM, "serving", "out of memory for %lld requests", (long long)n);
    s->n = n;
    double t = 0.0;
    for (int64_t i = 0; i < n; i++) {
        req *q = &s->r[i];
        if (c->n_trace > 0) {
            const rg_serve_req *row = rg_serve_trace_row(c, i);
            q->arrival = row->arrival_s;
            q->prompt = row->prompt_tokens;
            q->output = row->output_tokens;
        } else {
            t += draw_gamma(shape, sg, (uint64_t)i) / (shape * c->rate_per_s);
            q->arrival = t;
            q->prompt = draw_len(&c->prompt, sp, (uint64_t)i);
            q->output = draw_len(&c->output, so, (uint64_t)i);
        }
        q->target = q->prompt;
        q->cached = 0;
        q->next = -1;
        q->inst = -1;
    }
    return 0;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Quantile p of sorted v[0..n) by linear interpolation between order
 * statistics (Hyndman and Fan 1996, definition 7). */
static double quantile(const double *v, int64_t n, double p) {
    if (n == 0)
        return 0.0;
    double h = (double)(n - 1) * p;
    int64_t lo = (int64_t)floor(h);
    int64_t hi = lo + 1 < n ? lo + 1 : lo;
    return v[lo] + (h - (double)lo) * (v[hi] - v[lo]);
}

static void summarize(double *v, int64_t n, rg_quantiles *q) {
    double sum = 0.0;
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    for (int64_t i = 0; i < n; i++)
        sum += v[i];
    q->p50 = quantile(v, n, 0.50);
    q->p90 = quantile(v, n, 0.90);
    q->p99 = quantile(v, n, 0.99);
    q->mean = n ? sum / (double)n : 0.0;
}

static int report(sim *s, rg_err *err) {
    rg_serving_result *o = s->out;
    const rg_serving *c = s->c;
    int64_t n = s->n, nt = 0, met = 0;
    double *a = malloc((size_t)n * sizeof *a), *b = malloc((size_t)n * sizeof *b),
           *e = malloc((size_t)n * sizeof *e);
    double t_end = 0.0, out_tokens = 0.0;
    int rc = 0;
    if (!a || !b || !e) {
        rc = FIELD_ERR(RG_ENOMEM, "serving", "out of memory");
        goto out;
    }
    for (int64_t i = 0; i < n; i++) {
        const req *q = &s->r[i];
        double ttft = q->t_first - q->arrival, e2e = q->t_done - q->arrival;
        a[i] = ttft;
        e[i] = e2e;
        out_tokens += (double)q->output;
        if (q->t_done > t_end)
            t_end = q->t_done;
        double tpot = 0.0;
        if (q->output > 1) {
            tpot = (q->t_done - q->t_first) / (double)(q->output - 1);
            b[nt++] = tpot;
        }
        bool ok = (c->slo_ttft_s <= 0.0 || ttft <= c->slo_ttft_s) &&
                  (c->slo_tpot_s <= 0.0 || q->output == 1 || tpot <= c->slo_tpot_s);
        met += ok;
    }
    summarize(a, n, &o->ttft_s);
    summarize(b, nt, &o->tpot_s);
    summarize(e, n, &o->e2e_s);
    o->computed = true;
    o->requests = n;
    o->duration_s = t_end;
    o->throughput_requests_per_s = t_end > 0.0 ? (double)n / t_end : 0.0;
    o->output_tokens_per_s = t_end > 0.0 ? out_tokens / t_end : 0.0;
    o->output_tokens_per_s_per_chip = o->output_tokens_per_s / (double)s->env->chips;
    o->slo_attainment = (double)met / (double)n;
    o->goodput_requests_per_s = t_end > 0.0 ? (double)met / t_end : 0.0;
    o->mean_in_system = t_end > 0.0 ? s->area / t_end : 0.0;
    o->mean_latency_s = o->e2e_s.mean;
    double kv = 0.0;
    int counted = 0;
    int kv_pool = c->disaggregated ? 1 : 0;
    for (int i = 0; i < s->n_inst; i++)
        if (s->in[i].pool == kv_pool) {
            kv += t_end > 0.0 ? s->in[i].kv_area / t_end : 0.0;
            counted++;
        }
    o->kv_utilization_mean = counted ? kv / counted : 0.0;
    o->kv_utilization_peak = s->kv_peak;
    o->kv_blocks = s->env->kv_blocks[kv_pool];
    o->kv_block_tokens = s->env->block_tokens;
    o->preemptions = s->preemptions;
    o->steps = s->steps;
    o->mean_batch = s->steps ? (double)s->seq_steps / (double)s->steps : 0.0;
    o->chips = s->env->chips;
out:
    free(a);
    free(b);
    free(e);
    return rc;
}

static int setup_instances(sim *s, rg_err *err) {
    const rg_serve_env *env = s->env;
    int pools = s->c->disaggregated ? 2 : 1;
    int64_t total = 0;
    for (int p = 0; p < pools; p++)
        total += env->instances[p];
    if (total < 1 || total > 100000)
        return FIELD_ERR(RG_ERANGE, "parallelism.dp", "instances must be in 1..100000, got %lld",
                         (long long)total);
    s->in = calloc((size_t)total, sizeof *s->in);
    if (!s->in)
        return FIELD_ERR(RG_ENOMEM, "serving", "out of memory");
    s->n_inst = (int)total;
    int k = 0;
    for (int p = 0; p < pools; p++)
        for (int64_t j = 0; j < env->instances[p]; j++, k++) {
            inst *I = &s->in[k];
            I->pool = p;
            I->head = I->tail = -1;
            I->blocks_total = I->blocks_free = env->kv_blocks[p];
            I->run = malloc((size_t)s->c->max_batch * sizeof *I->run);
            if (!I->run)
                return FIELD_ERR(RG_ENOMEM, "serving", "out of memory");
        }
    return 0;
}

/* Every request must fit in an empty instance's cache, or it would wait forever. */
static int check_fits(const sim *s, rg_err *err) {
    int64_t extra = s->c->speculative ? s->c->spec_tokens + 1 : 1;
    for (int64_t i = 0; i < s->n; i++) {
        const req *q = &s->r[i];
        int64_t need = blocks_for(s, q->prompt + q->output + extra);
        for (int p = 0; p < (s->c->disaggregated ? 2 : 1); p++)
            if (need > s->env->kv_blocks[p])
                return FIELD_ERR(
                    RG_ERANGE, "serving",
                    "request %lld needs %lld KV blocks (%lld prompt + %lld output tokens) but an "
                    "instance holds %lld",
                    (long long)i, (long long)need, (long long)q->prompt, (long long)q->output,
                    (long long)s->env->kv_blocks[p]);
    }
    return 0;
}

int rg_serve_simulate(const rg_serving *config, const rg_serve_env *env, rg_serving_result *out,
                      rg_err *err) {
    sim s;
    int rc = 0;
    memset(&s, 0, sizeof s);
    if (!config || !env || !out || !env->step)
        return FIELD_ERR(RG_EINVAL, "", "no serving config, environment or result");
    memset(out, 0, sizeof *out);
    rg_serving local = *config, *cfg = &local;
    rg_serve_normalize(cfg);
    if ((rc = check_cfg(cfg, err)))
        return rc;
    if (env->block_tokens < 1 || env->kv_blocks[0] < 1 || (cfg->disaggregated && env->kv_blocks[1] < 1))
        return FIELD_ERR(RG_ERANGE, "serving", "the model leaves no memory for a KV cache");
    s.c = cfg;
    s.env = env;
    s.out = out;
    s.sample_stride = 1;
    s.accept_seed = rg_rng_stream((uint64_t)cfg->seed, TAG_ACCEPT);
    if ((rc = make_requests(&s, err)) || (rc = setup_instances(&s, err)) || (rc = check_fits(&s, err)))
        goto out;

    int64_t next = 0;
    for (;;) {
        double t_arr = next < s.n ? s.r[next].arrival : INFINITY;
        double t_ev = t_arr;
        int who = -1;
        for (int i = 0; i < s.n_inst; i++) {
            const inst *I = &s.in[i];
            double t = INFINITY;
            if (I->busy)
                t = I->t_end;
            else if (I->n_wait > 0 && s.r[I->head].ready > s.t_prev)
                t = s.r[I->head].ready; /* an idle decode instance waits for a transfer */
            if (t < t_ev) {
                t_ev = t;
                who = i;
            }
        }
        if (!isfinite(t_ev))
            break;
        integrate(&s, t_ev);
        if (who < 0) { /* arrival */
            req *q = &s.r[next];
            int i = pick(&s, 0);
            q->inst = i;
            q->state = ST_WAIT;
            q->cached = prefix_hit(&s, q->prompt);
            s.n_sys++;
            q_push_back(&s, &s.in[i], next);
            next++;
            if ((rc = start(&s, &s.in[i], t_ev, err)))
                goto out;
            continue;
        }
        if (s.in[who].busy)
            step_end(&s, who, t_ev);
        for (int i = 0; i < s.n_inst; i++) /* a prefill end may have fed a decode instance */
            if (!s.in[i].busy && (rc = start(&s, &s.in[i], t_ev, err)))
                goto out;
    }
    for (int64_t i = 0; i < s.n; i++)
        if (s.r[i].state != ST_DONE) {
            rc = FIELD_ERR(RG_EINTERNAL, "serving", "request %lld never completed", (long long)i);
            goto out;
        }
    rc = report(&s, err);
out:
    if (s.in)
        for (int i = 0; i < s.n_inst; i++)
            free(s.in[i].run);
    free(s.in);
    free(s.r);
    return rc;
}
