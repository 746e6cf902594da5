/* search.h: exhaustive search over parallel strategies.
 *
 * Given a design point (model, hardware, system, chips, global batch), every
 * valid layout is enumerated and evaluated:
 *   tp * cp * ep * dp * pp = chips            (engine/plan.h rank order)
 *   heads % tp == 0, seq_len % cp == 0, experts % ep == 0 (ep > 1 only for
 *   MoE models), layers % (pp * interleave) == 0 (with uneven_stages: only
 *   pp * interleave <= layers), batch % (dp * ep) == 0,
 *   and in training (batch / (dp * ep)) % microbatch == 0.
 * Training also varies micro-batch (every divisor of the per-replica batch),
 * interleave (1..max_interleave, pp > 1 only), recompute (none, selective,
 * full), ZeRO stage (0..3, only when dp * ep > 1: with one replica the stages
 * coincide) and sequence parallelism (tp > 1 only). Inference keeps the
 * base spec's micro-batch, recompute and ZeRO, and varies the degrees, the
 * interleave and sequence parallelism.
 *
 * Configurations are numbered in a fixed nested order; the best are those
 * with the smallest step time among the ones that fit in memory, ties
 * broken by the lower number. Each thread keeps its own top list and the
 * lists are merged under that total order, so the output is the same for
 * any thread count. */
#ifndef RG_SEARCH_H
#define RG_SEARCH_H

#include <stdbool.h>
#include <stdint.h>

#include "result.h"
#include "spec.h"
#include "status.h"

#define RG_SEARCH_TOP_MAX     64
#define RG_SEARCH_MAX_CONFIGS 1000000000LL /* default cap: minutes on two cores */
#define RG_SEARCH_MAX_TUPLES  1000000LL    /* degree tuples listed up front */

/* An evaluator: 0 on success (res filled), negative status otherwise. */
typedef int (*rg_search_eval_fn)(const rg_spec *spec, rg_result *res, void *ctx, rg_err *err);

typedef struct rg_search_opts {
    int top_n;              /* entries to keep, 1..RG_SEARCH_TOP_MAX */
    int threads;            /* OpenMP threads; 0 = the runtime's default */
    int64_t max_interleave; /* largest virtual-stage count tried (>= 1) */
    int64_t max_configs;    /* refuse larger spaces with RG_ETOOBIG (>= 1) */
    bool uneven_stages;     /* allow pp and pp*interleave that do not divide the
                             * layers (each virtual stage keeps >= 1 layer; the
                             * busiest stage sets the pace, as in engine/plan.h) */
    rg_search_eval_fn eval; /* NULL = rg_evaluate_ex without op rows */
    void *eval_ctx;
    /* Only configurations first .. first + count - 1 of the enumeration are
     * evaluated (count 0: all of them). The top lists of disjoint ranges that
     * cover the space, merged with rg_search_merge, equal the whole search's:
     * a job split into ranges gives the same answer wherever each runs. */
    int64_t first, count;
} rg_search_opts;

/* Defaults: top 10, runtime threads, interleave up to 4, even stages,
 * rg_evaluate, the whole space. */
void rg_search_opts_init(rg_search_opts *o);

typedef struct rg_search_entry {
    int64_t index; /* configuration number in the enumeration order */
    rg_parallel par;
    double time_s;
    double mfu;
    double tokens_per_s;
    rg_memory memory;
    rg_breakdown breakdown;
} rg_search_entry;

typedef struct rg_search_result {
    int64_t evaluated; /* configurations enumerated and evaluated */
    int64_t feasible;  /* evaluated without error and fitting in memory */
    int64_t no_fit;    /* evaluated but over the memory capacity */
    int64_t rejected;  /* the evaluator refused them (its validation) */
    int threads;       /* threads that ran */
    int n_best;
    rg_search_entry best[RG_SEARCH_TOP_MAX]; /* ascending time_s, then index */
} rg_search_result;

/* Number of configurations rg_search would evaluate for `base` (same rules,
 * no evaluation). Returns the count, or a negative status with `err`. */
int64_t rg_search_count(const rg_spec *base, const rg_search_opts *opts, rg_err *err);

/* Search layouts of `base` over base->chips chips (must be >= 1; the base's
 * own parallel degrees are ignored). `out` is caller storage. Returns 0, or a
 * negative status with `err` naming the field (RG_ENOMEM if the work list
 * cannot be allocated, RG_ETOOBIG "chips" for a space above max_configs
 * configurations or RG_SEARCH_MAX_TUPLES degree tuples). Zero feasible configurations is not an error:
 * out->n_best is 0. */
int rg_search(const rg_spec *base, const rg_search_opts *opts, rg_search_result *out, rg_err *err);

/* Adds the counts of `part` (the search of one range) to `into` and merges
 * its best entries into `into`'s under the total order (time_s, index),
 * keeping at most `top_n` (1..RG_SEARCH_TOP_MAX). `into` starts zeroed. */
void rg_search_merge(rg_search_result *into, const rg_search_result *part, int top_n);

#endif
