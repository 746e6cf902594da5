/* saturation.c: saturation batch and largest batch that fits (see
 * saturation.h).
 *
 * Why a knee exists: an inference step reads every weight once whatever the
 * batch B, so at small B it is bound by memory bandwidth and its throughput
 * grows linearly with B; once the matmuls pass the roofline ridge point they
 * are compute-bound and throughput per chip levels off. For a dense decode
 * step with P weights of w bytes, weight reads take P w / bw and matmuls
 * 2 P B / peak; they are equal at
 *     B* = (peak / bw) x w / 2
 * (H100 SXM, bf16: 989e12 / 3.35e12 x 2 / 2 = 295 sequences; with the
 * matmul and memory efficiencies 0.8 and 0.7 applied: 337), and a
 * weight-bound step reaches a fraction f of its compute-bound throughput at
 * f x B*. KV-cache reads grow with the batch as well, so at long contexts
 * they, not the matmuls, set the limit and the knee moves.
 *
 * Rather than a closed form per model, the engine is its own oracle:
 *   asymptote: d(tokens)/d(time) between two very large batches, where the
 *     step time is affine in the batch (every op is past its knee, fixed
 *     costs cancel in the difference);
 *   saturation batch: the smallest multiple of dp x ep whose tokens/s per
 *     chip reaches f x asymptote, by doubling then bisection. Throughput
 *     B / t(B) grows with B because t(B) is a sum of maxima of affine
 *     functions of B with non-negative intercepts;
 *   max batch that fits: the largest multiple of dp x ep whose per-device
 *     memory (weights + KV cache + activations + reserve) fits; memory grows
 *     linearly with B, so the same search applies.
 * Each probe is one evaluation without op rows (about a microsecond);
 * about a hundred probes in all. */
#include "saturation.h"

#include <string.h>

/* Evaluate `tmp` at k sequences per replica into `scratch`. */
static int probe(rg_probe_fn eval, rg_spec *tmp, int64_t k, int64_t replicas, rg_result *scratch,
                 rg_err *err) {
    tmp->batch = k * replicas;
    return eval(tmp, scratch, err);
}

int rg_saturation_find(const rg_spec *spec, rg_probe_fn eval, rg_result *scratch, rg_saturation *sat,
                       rg_err *err) {
    int rc = 0;
    rg_spec tmp;
    memset(sat, 0, sizeof *sat);
    if (!spec || !scratch || !eval)
        return rg_err_set(err, RG_EINVAL, "", "no spec, evaluator or scratch storage");
    if (spec->phase == RG_PHASE_TRAIN)
        return 0;
    double f = spec->assumptions.v[RG_A_SATURATION_FRACTION];
    if (!(f > 0.0 && f < 1.0))
        return rg_err_set(err, RG_ERANGE, "assumptions.saturation_fraction", "must be in (0, 1), got %g", f);
    tmp = *spec;
    int64_t replicas = spec->par.dp * spec->par.ep;
    int64_t lo = 0, hi = 0;

    /* asymptote from two batches far past every knee */
    int64_t k1 = RG_SAT_MAX_BATCH / 2, k2 = RG_SAT_MAX_BATCH;
    double tok1 = 0.0, t1 = 0.0, share = 0.0;
    rc = probe(eval, &tmp, k1, replicas, scratch, err);
    if (rc)
        goto out;
    tok1 = scratch->tokens_per_s * scratch->time_s;
    t1 = scratch->time_s;
    rc = probe(eval, &tmp, k2, replicas, scratch, err);
    if (rc)
        goto out;
    double tok2 = scratch->tokens_per_s * scratch->time_s, t2 = scratch->time_s;
    double chips = (double)scratch->chips;
    sat->asymptote_tokens_per_s_per_chip =
        t2 > t1 ? (tok2 - tok1) / (t2 - t1) / chips : scratch->tokens_per_s_per_chip;
    double ops_s = scratch->breakdown.compute_s + scratch->breakdown.memory_s + scratch->breakdown.other_s;
    share = ops_s > 0.0 ? scratch->breakdown.compute_s / ops_s : 0.0;
    sat->asymptote_compute_share = share;
    sat->fraction = f;

    /* saturation: smallest k with throughput >= f x asymptote */
    double target = f * sat->asymptote_tokens_per_s_per_chip;
    lo = 0;
    hi = 1;
    for (;;) {
        rc = probe(eval, &tmp, hi, replicas, scratch, err);
        if (rc)
            goto out;
        if (scratch->tokens_per_s_per_chip >= target)
            break;
        lo = hi;
        hi *= 2;
        if (hi > RG_SAT_MAX_BATCH) {
            hi = 0;
            break;
        }
    }
    if (hi > 0) {
        while (hi - lo > 1) {
            int64_t mid = lo + (hi - lo) / 2;
            rc = probe(eval, &tmp, mid, replicas, scratch, err);
            if (rc)
                goto out;
            if (scratch->tokens_per_s_per_chip >= target)
                hi = mid;
            else
                lo = mid;
        }
        rc = probe(eval, &tmp, hi, replicas, scratch, err);
        if (rc)
            goto out;
        sat->batch = hi * replicas;
        sat->tokens_per_s_per_chip = scratch->tokens_per_s_per_chip;
    }

    /* memory: largest k that fits */
    lo = 0;
    hi = 1;
    for (;;) {
        rc = probe(eval, &tmp, hi, replicas, scratch, err);
        if (rc)
            goto out;
        if (!scratch->memory.fits)
            break;
        lo = hi;
        if (hi >= RG_SAT_MAX_BATCH)
            break;
        hi *= 2;
    }
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        rc = probe(eval, &tmp, mid, replicas, scratch, err);
        if (rc)
            goto out;
        if (scratch->memory.fits)
            lo = mid;
        else
            hi = mid;
    }
    sat->max_batch_fits = lo * replicas;
    sat->computed = true;
out:
    if (rc)
        memset(sat, 0, sizeof *sat);
    return rc;
}
