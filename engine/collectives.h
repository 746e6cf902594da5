/* collectives.h: latency-bandwidth (alpha-beta) cost of collectives on
 * Ridge's two-level network.
 *
 * A link level is (bw, latency): bw is the achievable bytes/s per chip per
 * direction, latency the per-step/message cost alpha. `bytes` is always the
 * size S of the whole buffer one rank holds: the vector being all-reduced,
 * the gathered result of an all-gather, the input of a reduce-scatter, all a
 * rank sends in an all-to-all (its own share included), one message of a
 * send/recv. Formulas (n ranks):
 *   ring all-reduce      2(n-1) a + 2 (n-1)/n S/B
 *   tree all-reduce      2 ceil(log2 n) a + 2 S/B   (pipelined double binary tree)
 *   ring all-gather / reduce-scatter   (n-1) a + (n-1)/n S/B
 *   all-to-all           a + (n-1)/n S/B   (all peers exchanged concurrently,
 *                        as NCCL's grouped send/recv does)
 *   send/recv            a + S/B
 * Pure functions, no allocation. */
#ifndef RG_COLLECTIVES_H
#define RG_COLLECTIVES_H

#include <stdint.h>

#include "result.h"

typedef struct rg_link {
    double bw;      /* bytes/s per chip per direction (achievable) */
    double latency; /* s per step */
} rg_link;

/* The network a group runs on: scale-up domains of `domain` chips and the
 * scale-out network between them. */
typedef struct rg_net {
    rg_link up;
    rg_link out;
    int64_t domain;
    /* Per collective kind: the fraction of each link's bandwidth that kind
     * sustains (0 = 1, the link figure as is) and a fixed cost per call
     * (kernel launch, protocol set-up: the small-message plateau of
     * nccl-tests), s. Zero-initialised nets behave as before. */
    double kind_eff[RG_COMM_COUNT];
    double kind_latency[RG_COMM_COUNT];
    /* Per kind, the latency of one step of its algorithm inside a scale-up
     * domain (a ring step, a tree level, one message), replacing the
     * scale-up link's latency for that kind when > 0: measured groups of
     * several sizes separate it from the fixed cost per call. */
    double kind_step_latency[RG_COMM_COUNT];
    /* > 0: the scale-up domain is a fully connected mesh with this many
     * links per chip (rg_system.scaleup_mesh_links). */
    double up_mesh_links;
    /* Per kind, NCCL's LL (index 0) and LL128 (1) protocols as candidates
     * beside Simple: bandwidth as a fraction of Simple's (0: candidate off)
     * and latencies (fixed and per step) as a multiple of Simple's. The
     * time is the fastest candidate, as NCCL's tuner picks it. */
    double proto_bw[RG_COMM_COUNT][2];
    double proto_lat[RG_COMM_COUNT][2];
} rg_net;

/* Where a group's ranks sit: `inner` members share a scale-up domain, spread
 * over `outer` domains (inner * outer = group size). */
typedef struct rg_group {
    int64_t n;
    int64_t inner;
    int64_t outer;
} rg_group;

double rg_coll_ring_all_reduce(const rg_link *l, int64_t n, double bytes);
double rg_coll_tree_all_reduce(const rg_link *l, int64_t n, double bytes);
double rg_coll_ring_all_gather(const rg_link *l, int64_t n, double bytes);
double rg_coll_ring_reduce_scatter(const rg_link *l, int64_t n, double bytes);
double rg_coll_all_to_all(const rg_link *l, int64_t n, double bytes);
double rg_coll_send_recv(const rg_link *l, double bytes);

/* Place a group of `n` ranks whose consecutive members are `stride` ranks
 * apart, with ranks filling domains of `domain` chips in order. */
rg_group rg_coll_place(int64_t n, int64_t stride, int64_t domain);

/* Time of one collective of `kind` over group `g` on `net`. A group inside
 * one domain uses the scale-up link (best of ring and tree for all-reduce);
 * one with a member per domain uses the scale-out link; a group spanning
 * both runs hierarchically (reduce-scatter inside, all-reduce across on the
 * S/inner shard, all-gather inside), or flat at scale-out speed if that is
 * faster. Send/recv between stages crosses scale-out when outer > 1.
 * The kind's bandwidth efficiency scales both links and its fixed latency is
 * added once: the NCCL bus-bandwidth convention (busbw = S/t x 2(n-1)/n for
 * all-reduce, x (n-1)/n for all-gather, reduce-scatter and all-to-all, x 1
 * for send/recv) makes busbw at large S equal to link bw x kind efficiency. */
double rg_coll_time(const rg_net *net, rg_comm_kind kind, const rg_group *g, double bytes);

/* NCCL's bus-bandwidth factor of `kind` over n ranks (nccl-tests
 * doc/PERFORMANCE.md): busbw = algbw x factor, algbw = S / t. */
double rg_coll_busbw_factor(rg_comm_kind kind, int64_t n);

#endif
