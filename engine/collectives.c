/* collectives.c: alpha-beta collective costs (see collectives.h).
 * Sources: Thakur, Rabenseifner & Gropp, "Optimization of Collective
 * Communication Operations in MPICH" (IJHPCA 2005) for the ring/recursive
 * formulas; NCCL's double binary tree (Sanders et al. 2009) for the tree
 * all-reduce bandwidth term 2 S/B. */
#include "collectives.h"

#include <math.h>

static double frac(int64_t n) { return (double)(n - 1) / (double)n; }

double rg_coll_ring_all_reduce(const rg_link *l, int64_t n, double bytes) {
    if (n <= 1)
        return 0.0;
    return 2.0 * (double)(n - 1) * l->latency + 2.0 * frac(n) * bytes / l->bw;
}

double rg_coll_tree_all_reduce(const rg_link *l, int64_t n, double bytes) {
    if (n <= 1)
        return 0.0;
    return 2.0 * ceil(log2((double)n)) * l->latency + 2.0 * bytes / l->bw;
}

double rg_coll_ring_all_gather(const rg_link *l, int64_t n, double bytes) {
    if (n <= 1)
        return 0.0;
    return (double)(n - 1) * l->latency + frac(n) * bytes / l->bw;
}

double rg_coll_ring_reduce_scatter(const rg_link *l, int64_t n, double bytes) {
    return rg_coll_ring_all_gather(l, n, bytes);
}

double rg_coll_all_to_all(const rg_link *l, int64_t n, double bytes) {
    if (n <= 1)
        return 0.0;
    return l->latency + frac(n) * bytes / l->bw;
}

double rg_coll_send_recv(const rg_link *l, double bytes) { return l->latency + bytes / l->bw; }

rg_group rg_coll_place(int64_t n, int64_t stride, int64_t domain) {
    rg_group g = {n, 1, n};
    if (n <= 1 || stride < 1 || domain < 1)
        return g;
    int64_t per = stride >= domain ? 1 : domain / stride;
    if (per > n)
        per = n;
    if (per < 1)
        per = 1;
    g.inner = per;
    g.outer = (n + per - 1) / per;
    return g;
}

static double flat_all_reduce(const rg_link *l, int64_t n, double bytes) {
    double r = rg_coll_ring_all_reduce(l, n, bytes), t = rg_coll_tree_all_reduce(l, n, bytes);
    return r < t ? r : t;
}

double rg_coll_busbw_factor(rg_comm_kind kind, int64_t n) {
    if (kind == RG_COMM_SEND_RECV || n <= 1)
        return 1.0;
    return (kind == RG_COMM_ALL_REDUCE ? 2.0 : 1.0) * frac(n);
}

static double coll_links(const rg_link *up, const rg_link *out, rg_comm_kind kind, const rg_group *g,
                         double bytes);

/* On a fully connected mesh a chip reaches each peer over its own link, so
 * the members of a group inside one domain share n - 1 of the chip's links
 * (a send/recv uses one): the fraction of scaleup_bw the group sees. */
static double mesh_share(const rg_net *net, rg_comm_kind kind, const rg_group *g) {
    double links = net->up_mesh_links;
    if (!(links > 0.0))
        return 1.0;
    double peers = kind == RG_COMM_SEND_RECV ? 1.0 : (double)((g->outer > 1 ? g->inner : g->n) - 1);
    if (peers < 1.0)
        peers = 1.0;
    return peers < links ? peers / links : 1.0;
}

double rg_coll_time(const rg_net *net, rg_comm_kind kind, const rg_group *g, double bytes) {
    if (!g || bytes <= 0.0 || kind < 0 || kind >= RG_COMM_COUNT)
        return 0.0;
    if (kind != RG_COMM_SEND_RECV && g->n <= 1)
        return 0.0;
    double eff = net->kind_eff[kind] > 0.0 ? net->kind_eff[kind] : 1.0;
    double step = net->kind_step_latency[kind] > 0.0 ? net->kind_step_latency[kind] : net->up.latency;
    rg_link up = {net->up.bw * eff * mesh_share(net, kind, g), step},
            out = {net->out.bw * eff, net->out.latency};
    double t = net->kind_latency[kind] + coll_links(&up, &out, kind, g, bytes);
    for (int p = 0; p < 2; p++) { /* LL, LL128: same algorithm, other protocol */
        double f = net->proto_bw[kind][p], s = net->proto_lat[kind][p];
        if (!(f > 0.0))
            continue;
        rg_link u = {up.bw * f, up.latency * s}, o = {out.bw * f, out.latency * s};
        double tp = net->kind_latency[kind] * s + coll_links(&u, &o, kind, g, bytes);
        if (tp < t)
            t = tp;
    }
    return t;
}

static double coll_links(const rg_link *up, const rg_link *out, rg_comm_kind kind, const rg_group *g,
                         double bytes) {
    if (kind == RG_COMM_SEND_RECV)
        return rg_coll_send_recv(g->outer > 1 ? out : up, bytes);
    int64_t ni = g->inner, no = g->outer;
    if (no <= 1) { /* inside one domain */
        switch (kind) {
        case RG_COMM_ALL_REDUCE:
            return flat_all_reduce(up, g->n, bytes);
        case RG_COMM_ALL_GATHER:
        case RG_COMM_REDUCE_SCATTER:
            return rg_coll_ring_all_gather(up, g->n, bytes);
        default:
            return rg_coll_all_to_all(up, g->n, bytes);
        }
    }
    if (ni <= 1) { /* one member per domain */
        switch (kind) {
        case RG_COMM_ALL_REDUCE:
            return flat_all_reduce(out, g->n, bytes);
        case RG_COMM_ALL_GATHER:
        case RG_COMM_REDUCE_SCATTER:
            return rg_coll_ring_all_gather(out, g->n, bytes);
        default:
            return rg_coll_all_to_all(out, g->n, bytes);
        }
    }
    /* Spans domains with several members in each. */
    double hier, flat;
    switch (kind) {
    case RG_COMM_ALL_REDUCE:
        hier =
            2.0 * rg_coll_ring_reduce_scatter(up, ni, bytes) + flat_all_reduce(out, no, bytes / (double)ni);
        flat = rg_coll_ring_all_reduce(out, g->n, bytes);
        return hier < flat ? hier : flat;
    case RG_COMM_ALL_GATHER:
    case RG_COMM_REDUCE_SCATTER:
        hier = rg_coll_ring_all_gather(up, ni, bytes) + rg_coll_ring_all_gather(out, no, bytes / (double)ni);
        flat = rg_coll_ring_all_gather(out, g->n, bytes);
        return hier < flat ? hier : flat;
    default: {
        /* All peers at once: the share bound for other domains leaves over
         * scale-out, the rest stays inside; both proceed concurrently. */
        double share = bytes / (double)g->n;
        double t_out = (double)(g->n - ni) * share / out->bw + out->latency;
        double t_in = (double)(ni - 1) * share / up->bw + up->latency;
        return t_out > t_in ? t_out : t_in;
    }
    }
}
