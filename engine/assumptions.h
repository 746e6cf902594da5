/* assumptions.h: the named assumptions the engine may use.
 *
 * Only names, units and ids live in code; every value, source and confidence
 * lives in data/assumptions.json, which the codec loads into rg_assumptions
 * before any evaluation (a spec's "assumptions" object overrides by name).
 * The engine marks each assumption it reads, so a result lists exactly the
 * assumptions it rests on. Append-only. */
#ifndef RG_ASSUMPTIONS_H
#define RG_ASSUMPTIONS_H

#include <stdint.h>

/* Process nodes with published scaling factors from 180 nm (engine/silicon.h):
 * N(X, nm), X passed through. 180 nm itself is the synthesis node (factor 1, no assumption). */
#define RG_NODE_LIST(N, X)                                                                                   \
    N(X, 130) N(X, 90) N(X, 65) N(X, 45) N(X, 32) N(X, 20) N(X, 16) N(X, 14) N(X, 10) N(X, 7) N(X, 5) N(X, 3)

/* X(id, "name", "unit"); the node rows expand through RG_NODE_LIST:
 * node_area_factor_7nm, node_energy_factor_7nm, node_delay_factor_7nm, ... */
#define RG_X_NODE_AREA_(X, nm)                                                                               \
    X(RG_A_NODE_AREA_##nm, "node_area_factor_" #nm "nm", "area at node / area at 180 nm")
#define RG_X_NODE_ENERGY_(X, nm)                                                                             \
    X(RG_A_NODE_ENERGY_##nm, "node_energy_factor_" #nm "nm", "energy at node / energy at 180 nm")
#define RG_X_NODE_DELAY_(X, nm)                                                                              \
    X(RG_A_NODE_DELAY_##nm, "node_delay_factor_" #nm "nm", "delay at node / delay at 180 nm")
#define RG_ASSUMPTION_LIST(X)                                                                                \
    X(RG_A_MATMUL_EFF, "matmul_efficiency", "fraction of peak")                                              \
    X(RG_A_MEMORY_EFF, "memory_bw_efficiency", "fraction of peak")                                           \
    X(RG_A_VECTOR_EFF, "vector_efficiency", "fraction of peak")                                              \
    X(RG_A_MATMUL_HALF_FLOPS, "matmul_half_efficiency_flops", "FLOP per matmul")                             \
    X(RG_A_KERNEL_OVERHEAD, "kernel_overhead", "s per kernel")                                               \
    X(RG_A_STEP_OVERHEAD, "step_overhead", "s per step")                                                     \
    X(RG_A_FLASH_ATTENTION, "flash_attention", "1 fused, 0 separate ops")                                    \
    X(RG_A_DROPOUT, "dropout", "1 applied in training, 0 not")                                               \
    X(RG_A_DP_OVERLAP, "dp_overlap", "fraction hidden")                                                      \
    X(RG_A_TP_OVERLAP, "tp_overlap", "fraction hidden")                                                      \
    X(RG_A_CP_OVERLAP, "cp_overlap", "fraction hidden")                                                      \
    X(RG_A_EP_OVERLAP, "ep_overlap", "fraction hidden")                                                      \
    X(RG_A_PP_OVERLAP, "pp_overlap", "fraction hidden")                                                      \
    X(RG_A_SCALEUP_EFF, "scaleup_bw_efficiency", "fraction of peak")                                         \
    X(RG_A_SCALEOUT_EFF, "scaleout_bw_efficiency", "fraction of peak")                                       \
    X(RG_A_OPTIMIZER_FLOPS, "optimizer_flops_per_param", "FLOP per parameter")                               \
    X(RG_A_MEM_RESERVED, "memory_reserved_fraction", "fraction of capacity")                                 \
    X(RG_A_VOCAB_PAD, "vocab_pad_multiple", "entries per tensor-parallel rank")                              \
    X(RG_A_SATURATION_FRACTION, "saturation_fraction", "fraction of asymptotic throughput")                  \
    X(RG_A_LANE_AREA_UTILIZATION, "lane_area_utilization", "fraction of matrix area in lane cells")          \
    X(RG_A_HBM_PJ_PER_BIT, "hbm_pj_per_bit", "pJ per bit")                                                   \
    X(RG_A_SRAM_PJ_PER_BIT, "sram_pj_per_bit", "pJ per bit")                                                 \
    X(RG_A_SRAM_OPERAND_REUSE, "sram_operand_reuse", "MACs per operand read from SRAM")                      \
    X(RG_A_SCALEUP_PJ_PER_BIT, "scaleup_pj_per_bit", "pJ per bit")                                           \
    X(RG_A_SCALEOUT_PJ_PER_BIT, "scaleout_pj_per_bit", "pJ per bit")                                         \
    X(RG_A_STATIC_POWER_FRACTION, "static_power_fraction", "fraction of TDP")                                \
    X(RG_A_MATRIX_POWER_FRACTION, "matrix_power_fraction", "fraction of TDP at matrix peak")                 \
    X(RG_A_SP_REGATHER, "sp_backward_regather", "1 re-gathered in backward, 0 kept")                         \
    X(RG_A_PP_SCATTER_GATHER, "pp_scatter_gather", "1 split over tp, 0 whole message")                       \
    X(RG_A_ALL_REDUCE_EFF, "all_reduce_bw_efficiency", "x link-level bandwidth")                             \
    X(RG_A_ALL_GATHER_EFF, "all_gather_bw_efficiency", "x link-level bandwidth")                             \
    X(RG_A_REDUCE_SCATTER_EFF, "reduce_scatter_bw_efficiency", "x link-level bandwidth")                     \
    X(RG_A_ALL_TO_ALL_EFF, "all_to_all_bw_efficiency", "x link-level bandwidth")                             \
    X(RG_A_SEND_RECV_EFF, "send_recv_bw_efficiency", "x link-level bandwidth")                               \
    X(RG_A_ALL_REDUCE_LAT, "all_reduce_latency", "s per collective")                                         \
    X(RG_A_ALL_GATHER_LAT, "all_gather_latency", "s per collective")                                         \
    X(RG_A_REDUCE_SCATTER_LAT, "reduce_scatter_latency", "s per collective")                                 \
    X(RG_A_ALL_TO_ALL_LAT, "all_to_all_latency", "s per collective")                                         \
    X(RG_A_SEND_RECV_LAT, "send_recv_latency", "s per message")                                              \
    X(RG_A_GEMM_TILE_M, "gemm_tile_m", "rows per output tile")                                               \
    X(RG_A_GEMM_TILE_N, "gemm_tile_n", "columns per output tile")                                            \
    X(RG_A_GEMM_SPLIT_K_MIN, "gemm_split_k_min", "reduction elements per split-K slice")                     \
    X(RG_A_MEMORY_HALF_BYTES, "memory_half_efficiency_bytes", "B per kernel")                                \
    X(RG_A_GRAD_ACCUM_FUSION, "grad_accum_fusion", "1 fused into the wgrad GEMM, 0 separate add")            \
    RG_NODE_LIST(RG_X_NODE_AREA_, X)                                                                         \
    RG_NODE_LIST(RG_X_NODE_ENERGY_, X)                                                                       \
    RG_NODE_LIST(RG_X_NODE_DELAY_, X)                                                                        \
    X(RG_A_PIPELINE_OVERHEAD, "pipeline_overhead_per_stage",                                                 \
      "fraction of lane area and energy per added stage")                                                    \
    X(RG_A_PIPELINE_UNSPLIT, "pipeline_unsplit_fraction", "fraction of the lane's path in every stage")      \
    X(RG_A_MTP_ACCEPTANCE, "mtp_acceptance", "fraction of draft tokens accepted")                            \
    X(RG_A_KV_BLOCK_TOKENS, "kv_block_tokens", "tokens per KV-cache block")                                  \
    X(RG_A_HOST_LINK_BW, "host_link_bw", "B/s")                                                              \
    X(RG_A_SERVE_STEP_OVERHEAD, "serve_step_overhead", "s per step")                                         \
    X(RG_A_KV_CACHE_MEM_FRACTION, "kv_cache_mem_fraction", "fraction of the free memory")                    \
    X(RG_A_FP4_RATE_FRACTION, "fp4_matmul_rate_fraction", "x the FP4 dense peak")                            \
    X(RG_A_RECIPE_SOURCE_BYTES, "recipe_source_bytes", "bytes per element")                                  \
    X(RG_A_RECIPE_AMAX_PASS, "recipe_amax_pass", "1 separate read, 0 fused")                                 \
    X(RG_A_RECIPE_ROTATION_FUSED, "recipe_rotation_fused", "1 fused, 0 separate pass")                       \
    X(RG_A_FOUR_OVER_SIX_FLOPS, "four_over_six_flops_per_element", "FLOP per element")                       \
    X(RG_A_RECIPE_OPERAND_REUSE, "recipe_operand_reuse", "MACs fed per quantized operand element")           \
    X(RG_A_ALL_REDUCE_STEP_LAT, "all_reduce_step_latency", "s per step (0: the link's)")                     \
    X(RG_A_ALL_GATHER_STEP_LAT, "all_gather_step_latency", "s per step (0: the link's)")                     \
    X(RG_A_REDUCE_SCATTER_STEP_LAT, "reduce_scatter_step_latency", "s per step (0: the link's)")             \
    X(RG_A_ALL_TO_ALL_STEP_LAT, "all_to_all_step_latency", "s per step (0: the link's)")                     \
    X(RG_A_SEND_RECV_STEP_LAT, "send_recv_step_latency", "s per message (0: the link's)")                    \
    X(RG_A_ALL_REDUCE_LL_BW, "all_reduce_ll_bw_fraction", "x the Simple protocol's bandwidth (0: off)")      \
    X(RG_A_ALL_REDUCE_LL_LAT, "all_reduce_ll_latency_scale", "x the Simple protocol's latencies")            \
    X(RG_A_ALL_REDUCE_LL128_BW, "all_reduce_ll128_bw_fraction",                                              \
      "x the Simple protocol's bandwidth (0: off)")                                                          \
    X(RG_A_ALL_REDUCE_LL128_LAT, "all_reduce_ll128_latency_scale", "x the Simple protocol's latencies")      \
    X(RG_A_ALL_GATHER_LL_BW, "all_gather_ll_bw_fraction", "x the Simple protocol's bandwidth (0: off)")      \
    X(RG_A_ALL_GATHER_LL_LAT, "all_gather_ll_latency_scale", "x the Simple protocol's latencies")            \
    X(RG_A_ALL_GATHER_LL128_BW, "all_gather_ll128_bw_fraction",                                              \
      "x the Simple protocol's bandwidth (0: off)")                                                          \
    X(RG_A_ALL_GATHER_LL128_LAT, "all_gather_ll128_latency_scale", "x the Simple protocol's latencies")      \
    X(RG_A_REDUCE_SCATTER_LL_BW, "reduce_scatter_ll_bw_fraction",                                            \
      "x the Simple protocol's bandwidth (0: off)")                                                          \
    X(RG_A_REDUCE_SCATTER_LL_LAT, "reduce_scatter_ll_latency_scale", "x the Simple protocol's latencies")    \
    X(RG_A_REDUCE_SCATTER_LL128_BW, "reduce_scatter_ll128_bw_fraction",                                      \
      "x the Simple protocol's bandwidth (0: off)")                                                          \
    X(RG_A_REDUCE_SCATTER_LL128_LAT, "reduce_scatter_ll128_latency_scale",                                   \
      "x the Simple protocol's latencies")                                                                   \
    X(RG_A_ALL_TO_ALL_LL_BW, "all_to_all_ll_bw_fraction", "x the Simple protocol's bandwidth (0: off)")      \
    X(RG_A_ALL_TO_ALL_LL_LAT, "all_to_all_ll_latency_scale", "x the Simple protocol's latencies")            \
    X(RG_A_ALL_TO_ALL_LL128_BW, "all_to_all_ll128_bw_fraction",                                              \
      "x the Simple protocol's bandwidth (0: off)")                                                          \
    X(RG_A_ALL_TO_ALL_LL128_LAT, "all_to_all_ll128_latency_scale", "x the Simple protocol's latencies")      \
    X(RG_A_SEND_RECV_LL_BW, "send_recv_ll_bw_fraction", "x the Simple protocol's bandwidth (0: off)")        \
    X(RG_A_SEND_RECV_LL_LAT, "send_recv_ll_latency_scale", "x the Simple protocol's latencies")              \
    X(RG_A_SEND_RECV_LL128_BW, "send_recv_ll128_bw_fraction", "x the Simple protocol's bandwidth (0: off)")  \
    X(RG_A_SEND_RECV_LL128_LAT, "send_recv_ll128_latency_scale", "x the Simple protocol's latencies")

typedef enum rg_assumption_id {
#define RG_X_(id, name, unit) id,
    RG_ASSUMPTION_LIST(RG_X_)
#undef RG_X_
        RG_A_COUNT
} rg_assumption_id;

typedef struct rg_assumptions {
    double v[RG_A_COUNT];
    uint8_t set[RG_A_COUNT]; /* 1 once a value was loaded */
} rg_assumptions;

const char *rg_assumption_name(int id);
const char *rg_assumption_unit(int id);
/* Id for a name, or RG_EUNKNOWN. */
int rg_assumption_find(const char *name);

#endif
