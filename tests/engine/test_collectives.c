/* test_collectives.c: alpha-beta collective costs against hand-computed
 * values (formulas: Thakur, Rabenseifner & Gropp 2005; see collectives.h). */
#include "../testutil.h"
#include "collectives.h"

int main(void) {
    rg_link l = {100e9, 5e-6};
    double S = 1e9;
    /* ring all-reduce, 8 ranks: 2*7*5us + 2*(7/8)*1e9/100e9 = 70us + 17.5ms */
    CHECK_REL(rg_coll_ring_all_reduce(&l, 8, S), 70e-6 + 0.0175, 1e-12);
    /* tree all-reduce: 2*3*5us + 2*1e9/100e9 = 30us + 20ms */
    CHECK_REL(rg_coll_tree_all_reduce(&l, 8, S), 30e-6 + 0.02, 1e-12);
    /* all-gather / reduce-scatter: 7*5us + 7/8*10ms */
    CHECK_REL(rg_coll_ring_all_gather(&l, 8, S), 35e-6 + 0.00875, 1e-12);
    CHECK_REL(rg_coll_ring_reduce_scatter(&l, 8, S), 35e-6 + 0.00875, 1e-12);
    CHECK_REL(rg_coll_all_to_all(&l, 4, S), 5e-6 + 0.0075, 1e-12);
    CHECK_REL(rg_coll_send_recv(&l, S), 5e-6 + 0.01, 1e-12);
    CHECK_REL(rg_coll_ring_all_reduce(&l, 1, S), 0, 0);

    /* placement: domains of 8 */
    rg_group g = rg_coll_place(8, 1, 8);
    CHECK_EQ_INT(g.inner, 8);
    CHECK_EQ_INT(g.outer, 1);
    g = rg_coll_place(16, 1, 8); /* tp 16: two domains */
    CHECK_EQ_INT(g.inner, 8);
    CHECK_EQ_INT(g.outer, 2);
    g = rg_coll_place(4, 8, 8); /* dp 4 outside tp 8: one per domain */
    CHECK_EQ_INT(g.inner, 1);
    CHECK_EQ_INT(g.outer, 4);
    g = rg_coll_place(8, 2, 8); /* dp 8 over tp 2: 4 per domain, 2 domains */
    CHECK_EQ_INT(g.inner, 4);
    CHECK_EQ_INT(g.outer, 2);

    rg_net net = {.up = {300e9, 5e-6}, .out = {25e9, 10e-6}, .domain = 8};
    /* inside a domain: best of ring and tree on scale-up */
    g = rg_coll_place(8, 1, 8);
    double ring = 14 * 5e-6 + 2 * 0.875 * S / 300e9, tree = 6 * 5e-6 + 2 * S / 300e9;
    CHECK_REL(rg_coll_time(&net, RG_COMM_ALL_REDUCE, &g, S), ring < tree ? ring : tree, 1e-12);
    /* one member per domain: scale-out */
    g = rg_coll_place(4, 8, 8);
    ring = 6 * 10e-6 + 2 * 0.75 * S / 25e9;
    tree = 4 * 10e-6 + 2 * S / 25e9;
    CHECK_REL(rg_coll_time(&net, RG_COMM_ALL_REDUCE, &g, S), ring < tree ? ring : tree, 1e-12);
    /* hierarchical, 4 inside x 2 domains: RS(4) + AR(2, S/4) + AG(4) */
    g = rg_coll_place(8, 2, 8);
    double rs = 3 * 5e-6 + 0.75 * S / 300e9;
    double ar_ring = 2 * 10e-6 + 2 * 0.5 * (S / 4) / 25e9, ar_tree = 2 * 10e-6 + 2 * (S / 4) / 25e9;
    double hier = 2 * rs + (ar_ring < ar_tree ? ar_ring : ar_tree);
    CHECK_REL(rg_coll_time(&net, RG_COMM_ALL_REDUCE, &g, S), hier, 1e-12);
    /* all-gather hierarchical: AG(4, S) inside + AG(2, S/4) across */
    double ag = 3 * 5e-6 + 0.75 * S / 300e9 + 10e-6 + 0.5 * (S / 4) / 25e9;
    CHECK_REL(rg_coll_time(&net, RG_COMM_ALL_GATHER, &g, S), ag, 1e-12);
    /* send/recv between domains uses scale-out */
    g = rg_coll_place(2, 8, 8);
    CHECK_REL(rg_coll_time(&net, RG_COMM_SEND_RECV, &g, S), 10e-6 + S / 25e9, 1e-12);
    /* all-to-all over 2 domains of 8: half of each rank's data leaves the
     * domain at scale-out speed while 7/16 stays inside */
    g = rg_coll_place(16, 1, 8);
    double a2a_out = 8 * (S / 16) / 25e9 + 10e-6, a2a_in = 7 * (S / 16) / 300e9 + 5e-6;
    CHECK_REL(rg_coll_time(&net, RG_COMM_ALL_TO_ALL, &g, S), a2a_out > a2a_in ? a2a_out : a2a_in, 1e-12);
    /* crossing domains is slower than staying inside */
    rg_group in = rg_coll_place(8, 1, 8), across = rg_coll_place(8, 8, 8);
    CHECK(rg_coll_time(&net, RG_COMM_ALL_TO_ALL, &across, S) >
          rg_coll_time(&net, RG_COMM_ALL_TO_ALL, &in, S));
    /* NCCL's protocols (NVIDIA/nccl tuning.cc): LL at a quarter of Simple's
     * bandwidth and a fifth of its latencies wins small all-gathers, Simple
     * wins large ones, LL128 in between; the time is the fastest candidate.
     * All-gather over 8 ranks in one domain: 7 steps of 5 us, 0.875 S / 300e9. */
    rg_net pn = {.up = {300e9, 5e-6}, .out = {25e9, 10e-6}, .domain = 8};
    pn.kind_latency[RG_COMM_ALL_GATHER] = 10e-6;
    g = rg_coll_place(8, 1, 8);
    double simple_small = 10e-6 + 35e-6 + 0.875 * 1024 / 300e9;
    double simple_big = 10e-6 + 35e-6 + 0.875 * S / 300e9;
    CHECK_REL(rg_coll_time(&pn, RG_COMM_ALL_GATHER, &g, 1024), simple_small, 1e-12);
    pn.proto_bw[RG_COMM_ALL_GATHER][0] = 0.25, pn.proto_lat[RG_COMM_ALL_GATHER][0] = 0.2;
    pn.proto_bw[RG_COMM_ALL_GATHER][1] = 0.9, pn.proto_lat[RG_COMM_ALL_GATHER][1] = 0.7;
    double ll_small = 0.2 * (10e-6 + 35e-6) + 0.875 * 1024 / (0.25 * 300e9);
    CHECK_REL(rg_coll_time(&pn, RG_COMM_ALL_GATHER, &g, 1024), ll_small, 1e-12);
    CHECK_REL(rg_coll_time(&pn, RG_COMM_ALL_GATHER, &g, S), simple_big, 1e-12);
    double mid = 4e6; /* LL128: 31.5 us + 12.96 us beats Simple 45 us + 11.67 us and LL 9 us + 46.7 us */
    double ll128_mid = 0.7 * (10e-6 + 35e-6) + 0.875 * mid / (0.9 * 300e9);
    CHECK_REL(rg_coll_time(&pn, RG_COMM_ALL_GATHER, &g, mid), ll128_mid, 1e-12);
    return tu_status("test_collectives");
}
