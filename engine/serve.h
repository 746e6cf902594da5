/* serve.h: inference serving under load: requests arrive, a continuous-
 * batching scheduler forms steps, and each step takes the time Ridge's step
 * model gives for its exact mix of prefill chunks and decode sequences.
 *
 * The simulation is discrete-event and deterministic: arrivals and lengths
 * are pure functions of (seed, request index) through rng.h; the scheduler
 * has no randomness but speculative acceptance, drawn per (request, round).
 * Step times come from a step model: the roofline (rg_serve_evaluate, via
 * rg_evaluate_mix and a cache of the token-dependent part by (tokens,
 * logits)) or any function a caller gives (tests: a fixed step time, so
 * queueing theory gives the answer).
 *
 * Scheduler (one per instance; an instance is tp x ep x pp chips, dp
 * instances share the arrivals, each request joins the instance with the
 * fewest requests; with pp > 1 an instance runs pp virtual engines one
 * stage apart, each with its own batch and 1/pp of the KV blocks): every step first gives each running decode
 * sequence its tokens (1, or k + 1 with speculation), then prefill work up to max_tokens_per_step: with
 * chunked_prefill_tokens = C > 0 running prefills continue and waiting requests are admitted in chunks of at
 * most C tokens, sharing the step with the decodes (Sarathi-Serve, Agrawal et al. OSDI 2024); with C = 0 a
 * step that can admit waiting requests runs their whole prompts alone and the decodes wait (prefill-first, as
 * vLLM without chunked prefill: Kwon et al. SOSP 2023). The KV cache is paged in blocks of kv_block_tokens in
 * the memory the memory model leaves; a decode that needs a block when none is free preempts the newest
 * running request (recompute: its cache is dropped and it is prefilled again with its generated tokens; swap:
 * its blocks go to host memory over the host link and come back before it resumes). */
#ifndef RG_SERVE_H
#define RG_SERVE_H

#include <stdbool.h>
#include <stdint.h>

#include "status.h"

/* Token-count distributions of prompts and answers. */
typedef enum rg_len_kind { RG_LEN_FIXED = 0, RG_LEN_LOGNORMAL = 1, RG_LEN_UNIFORM = 2 } rg_len_kind;

/* fixed: `mean` tokens; lognormal: mean `mean`, standard deviation of the
 * logarithm `sigma` (mu = ln mean - sigma^2 / 2), rounded, at least 1;
 * uniform: integers min..max. */
typedef struct rg_len {
    int kind;
    double mean, sigma;
    double min, max;
} rg_len;

typedef enum rg_preempt { RG_PREEMPT_RECOMPUTE = 0, RG_PREEMPT_SWAP = 1 } rg_preempt;

/* KV admission: greedy takes the blocks of the prompt and grows (and
 * preempts) as tokens come (vLLM: Kwon et al. SOSP 2023); reserve admits a
 * request only when the blocks of its whole prompt and output are free and
 * takes them at once, so nothing is ever preempted (TensorRT-LLM's
 * GUARANTEED_NO_EVICT capacity scheduler, its default). */
typedef enum rg_admission { RG_ADMIT_GREEDY = 0, RG_ADMIT_RESERVE = 1 } rg_admission;

/* One pool of instances (disaggregated serving). */
typedef struct rg_serve_pool {
    int64_t instances;
    int64_t tp;
} rg_serve_pool;

#define RG_SERVE_TRACE_MAX 64

/* One request of an inline trace. */
typedef struct rg_serve_req {
    double arrival_s;
    int64_t prompt_tokens, output_tokens;
} rg_serve_req;

/* The serving object of a "phase": "serve" spec. Zero values are "not
 * given" where noted. */
typedef struct rg_serving {
    double rate_per_s; /* arrival.rate_per_s (> 0 unless a trace is given) */
    double arrival_cv; /* arrival.cv: coefficient of variation of the gaps; 1 = Poisson, gamma otherwise */
    int64_t requests;  /* requests to simulate (0 = from duration_s) */
    double duration_s; /* arrivals until this time (0 = from requests) */
    int64_t seed;
    rg_len prompt, output;
    int64_t max_batch;              /* running sequences per instance */
    int64_t max_tokens_per_step;    /* token budget of one step */
    int64_t chunked_prefill_tokens; /* 0 = no chunking (prefill-first steps) */
    double prefix_cache_hit_rate;   /* share of each prompt found in the prefix cache */
    int preemption;                 /* rg_preempt */
    int admission;                  /* rg_admission */
    /* speculative decoding: k draft tokens per round, each accepted with
     * probability `acceptance` until the first rejection; one draft token
     * costs draft_cost x the target's decode step of the same sequences */
    bool speculative; /* = spec_tokens > 0 (the engine derives it) */
    int64_t spec_tokens;
    double spec_acceptance;
    double spec_draft_cost;
    /* disaggregated: prefill and decode pools, KV moved between them */
    bool disaggregated; /* = a pool has instances (the engine derives it) */
    rg_serve_pool prefill_pool, decode_pool;
    int kv_link;                            /* KV transfer network: 0 scale-out, 1 scale-up */
    double slo_ttft_s, slo_tpot_s;          /* 0 = no SLO on it */
    int64_t n_trace;                        /* trace rows (0 = synthetic arrivals) */
    rg_serve_req trace[RG_SERVE_TRACE_MAX]; /* the rows, when n_trace <= RG_SERVE_TRACE_MAX */
    /* A longer trace's rows, borrowed: whoever parsed the spec owns them and
     * keeps them alive while any copy of the spec is used (NULL = the inline
     * rows). A copied spec shares them; rg_serve_check refuses n_trace >
     * RG_SERVE_TRACE_MAX without them. */
    const rg_serve_req *trace_rows;
} rg_serving;

/* Row i of the trace of `c` (0 <= i < n_trace). */
static inline const rg_serve_req *rg_serve_trace_row(const rg_serving *c, int64_t i) {
    return c->trace_rows ? &c->trace_rows[i] : &c->trace[i];
}

/* p50 / p90 / p99 (linear interpolation between order statistics) and mean. */
typedef struct rg_quantiles {
    double p50, p90, p99, mean;
} rg_quantiles;

#define RG_SERVE_SAMPLES 256

/* One point of the time series, taken at the end of a step. */
typedef struct rg_serve_sample {
    double t_s;
    double queue;  /* waiting requests, all instances */
    double batch;  /* sequences in the step just run */
    double kv_use; /* KV blocks in use / blocks, busiest instance */
} rg_serve_sample;

typedef struct rg_serving_result {
    bool computed;
    int64_t requests; /* simulated and completed */
    rg_quantiles ttft_s, tpot_s, e2e_s;
    double duration_s; /* first arrival (t = 0) to last completion */
    double throughput_requests_per_s;
    double output_tokens_per_s;
    double output_tokens_per_s_per_chip;
    double goodput_requests_per_s; /* requests meeting every SLO per second; = throughput without SLO */
    double slo_attainment;         /* share meeting every SLO; 1 without SLO */
    double mean_in_system;         /* time-averaged requests arrived and not completed */
    double mean_latency_s;         /* = e2e_s.mean: Little's law, mean_in_system = throughput x this */
    double kv_utilization_mean;    /* time-averaged share of KV blocks in use (busiest instance's mean) */
    double kv_utilization_peak;
    int64_t kv_blocks; /* per instance (decode pool when disaggregated) */
    int64_t kv_block_tokens;
    int64_t preemptions;
    int64_t steps;
    double mean_batch;        /* sequences per step */
    int64_t step_model_evals; /* roofline evaluations (cache misses) */
    int64_t chips;
    double energy_j;                  /* every step's dynamic energy + static power x duration, all chips */
    double energy_per_output_token_j; /* energy_j / output tokens */
    double energy_per_request_j;      /* energy_j / requests */
    int n_samples;
    rg_serve_sample samples[RG_SERVE_SAMPLES];
} rg_serving_result;

/* A step's composition on one instance, what a step model prices. */
typedef struct rg_serve_step {
    int pool;                  /* 0: colocated or prefill pool; 1: decode pool */
    int64_t prefill_seqs;      /* chunks */
    int64_t prefill_tokens;    /* new tokens of the chunks */
    double prefill_pairs;      /* causal query-key products of the chunks */
    double prefill_full;       /* query x key products of the chunks */
    int64_t prefill_cached;    /* earlier tokens the chunks attend to */
    int64_t prefill_logits;    /* chunks that finish their prompt (their last position gets logits) */
    int64_t decode_seqs;       /* decode sequences */
    int64_t decode_q;          /* query tokens per decode sequence (1, or k + 1 verifying drafts) */
    int64_t decode_ctx;        /* sum of their contexts (tokens in the cache) */
    int64_t spec_draft_tokens; /* draft tokens per sequence this step (0 = no draft) */
    /* sliding-window layers: the same, each query's keys bounded by the
     * env's window (0: unbounded, the same as above) */
    double prefill_pairs_w;   /* causal query-key products of the chunks within the window */
    int64_t prefill_cached_w; /* earlier tokens within the window the chunks read back */
    int64_t decode_ctx_w;     /* sum of min(context, window) of the decode sequences */
} rg_serve_step;

/* Step time of `step` in seconds into *t_s; 0 or a negative status. */
typedef int (*rg_serve_step_fn)(void *ctx, const rg_serve_step *step, double *t_s, rg_err *err);

/* What the simulation needs besides the spec's serving object. */
typedef struct rg_serve_env {
    rg_serve_step_fn step;
    void *ctx;
    int64_t kv_blocks[2]; /* per instance of pool 0 and 1 */
    int64_t block_tokens;
    /* Layer kinds in the paged cache (all zero = every layer keeps every
     * token: a request of t tokens holds ceil(t / block_tokens) blocks). A
     * block is block_tokens tokens of every layer that keeps tokens; a
     * request holds ceil(full x ceil(t / B) + windowed x ceil(min(t, window)
     * / B) + state) blocks: `full` and `windowed` the shares of a token's
     * bytes in full-attention and sliding-window layers (sum 1, or 0 for a
     * model of recurrent layers only), `state` the recurrent (SSM) state of
     * one sequence in blocks (vLLM's hybrid cache: sliding-window layers free
     * the blocks that leave the window; Mamba layers hold one state per
     * sequence). */
    int64_t window;
    double full_share, window_share, state_blocks;
    double block_bytes; /* whole model, all layers: bytes of one block (swap and transfer with layer kinds) */
    double kv_bytes_per_token; /* whole model, all layers: swap and disaggregated transfer */
    double swap_bw;            /* bytes/s of one instance's host link (swap) */
    double transfer_bw;        /* bytes/s, prefill instance to decode instance */
    double transfer_latency;   /* s per transfer */
    int64_t chips;             /* all instances */
    int64_t instances[2];      /* colocated: instances[0] = dp */
} rg_serve_env;

/* Derive speculative and disaggregated from their counts (spec_tokens,
 * pool instances), as a sweep axis may set the counts alone. */
void rg_serve_normalize(rg_serving *c);

/* Check the serving object: names the field (serving.arrival.rate_per_s,
 * serving.slo.ttft_s, serving.arrival.trace ...). */
int rg_serve_check(const rg_serving *cfg, rg_err *err);

/* Run the simulation of `cfg` with `env` into `out`. Allocates its working
 * arrays and frees them before returning. Returns 0, RG_ENOMEM, RG_ERANGE
 * "serving" when a request can never fit in the KV cache, or what the step
 * model returns. */
int rg_serve_simulate(const rg_serving *cfg, const rg_serve_env *env, rg_serving_result *out, rg_err *err);

struct rg_spec;
struct rg_result;
/* A "serve" spec end to end: the step model from the roofline (cached), the
 * KV capacity from the memory model, the simulation; fills out->serving and
 * the headline fields (time_s = simulated duration, tokens_per_s = output
 * tokens/s, chips, memory of one instance at its largest step and full KV
 * cache). flags: RG_EVAL_NO_OPS (no op rows; otherwise the ops of one
 * decode step at max_batch and the mean context). */
int rg_serve_evaluate(const struct rg_spec *spec, struct rg_result *out, unsigned flags, rg_err *err);

#endif
