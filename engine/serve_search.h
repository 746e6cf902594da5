/* serve_search.h: SLO-aware search over serving deployments.
 *
 * For a serve spec with `chips`, every deployment on at most that many chips
 * is simulated (engine/serve.h) with the spec's workload and SLOs:
 *   colocated: tp (powers of two dividing the heads, within a scale-up
 *     domain), pp (powers of two up to 8, <= layers), ep (MoE: powers of two
 *     dividing the experts), dp instances (1 .. chips / (tp pp ep)),
 *   disaggregated (with the option): prefill and decode pools, each with its
 *     instances and tp, pp = 1,
 * times max_batch in {16, 32, 64, 128, 256, 512} and chunked_prefill_tokens
 * in {0, 256, 512, 1024, 2048, 4096} (chunks up to max_tokens_per_step).
 * Goals: the highest goodput per chip, or the fewest chips whose SLO
 * attainment reaches `min_attainment` (ties: higher goodput, then lower
 * configuration number). Configurations run in parallel (OpenMP); results
 * are kept per configuration and ranked serially, so the answer is the same
 * for any thread count. */
#ifndef RG_SERVE_SEARCH_H
#define RG_SERVE_SEARCH_H

#include <stdbool.h>
#include <stdint.h>

#include "serve.h"
#include "spec.h"
#include "status.h"

#define RG_SERVE_SEARCH_TOP_MAX 64

typedef enum rg_serve_goal { RG_SERVE_GOAL_GOODPUT = 0, RG_SERVE_GOAL_MIN_CHIPS = 1 } rg_serve_goal;

typedef struct rg_serve_search_opts {
    int top_n;
    int threads;           /* 0 = the runtime's default */
    int goal;              /* rg_serve_goal */
    double min_attainment; /* SLO attainment a deployment must reach (min-chips goal), in (0, 1] */
    bool disaggregated;    /* also try prefill/decode splits */
    int64_t max_configs;   /* refuse larger spaces with RG_ETOOBIG */
} rg_serve_search_opts;

void rg_serve_search_opts_init(rg_serve_search_opts *o);

typedef struct rg_serve_search_entry {
    int64_t index;
    rg_parallel par;
    int64_t max_batch, chunked_prefill_tokens;
    bool disaggregated;
    rg_serve_pool prefill, decode;
    int64_t chips;
    double goodput_requests_per_s, goodput_per_chip, slo_attainment;
    double ttft_p99_s, tpot_p99_s, output_tokens_per_s_per_chip;
} rg_serve_search_entry;

typedef struct rg_serve_search_result {
    int64_t evaluated; /* configurations simulated */
    int64_t rejected;  /* refused (do not fit, no KV memory, invalid layout) */
    int64_t meet;      /* reached min_attainment */
    int threads;
    int n_best;
    rg_serve_search_entry best[RG_SERVE_SEARCH_TOP_MAX];
} rg_serve_search_result;

/* Search deployments of `base` (phase serve, chips >= 1). Returns 0, or a
 * negative status with `err` (RG_ETOOBIG when the space exceeds
 * max_configs, RG_ENOMEM). `out` is caller storage. */
int rg_serve_search(const rg_spec *base, const rg_serve_search_opts *opts, rg_serve_search_result *out,
                    rg_err *err);

#endif
