/* rng.h: Ridge's counter-based random numbers.
 *
 * Every random draw is a pure function of (seed, index): element i of a
 * tensor gets the same bits whichever thread computes it and however the
 * work is split, so stochastic rounding and synthetic tensors are
 * deterministic for any thread count. There is no generator state to share.
 * The mixer is the SplitMix64 finaliser (Steele, Lea, Flood: "Fast
 * splittable pseudorandom number generators", OOPSLA 2014) applied to
 * seed + (index+1) * golden gamma, i.e. the SplitMix64 stream read at
 * position `index`. */
#ifndef RG_RNG_H
#define RG_RNG_H

#include <stdint.h>

static inline uint64_t rg_rng_mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* 64 random bits for (seed, index). */
static inline uint64_t rg_rng_u64(uint64_t seed, uint64_t index) {
    return rg_rng_mix64(seed + (index + 1) * 0x9E3779B97F4A7C15ull);
}

/* 32 random bits for (seed, index): the high half of rg_rng_u64. */
static inline uint32_t rg_rng_u32(uint64_t seed, uint64_t index) {
    return (uint32_t)(rg_rng_u64(seed, index) >> 32);
}

/* A uniform double in (0, 1): 53 random bits, never 0 or 1. */
static inline double rg_rng_unit(uint64_t seed, uint64_t index) {
    return ((double)(rg_rng_u64(seed, index) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

/* 32-bit integer hash "lowbias32" (C. Wellons, "Prospecting for hash
 * functions", 2018): a bijection with low bias, 32-bit arithmetic only. */
static inline uint32_t rg_rng_mix32(uint32_t x) {
    x ^= x >> 16;
    x *= 0x7FEB352Du;
    x ^= x >> 15;
    x *= 0x846CA68Bu;
    x ^= x >> 16;
    return x;
}

/* Keyed 32-bit draw for the index halves (lo, hi): vectorises, unlike the
 * 64-bit mixer. Keys come from rg_rng_sr_keys. */
static inline uint32_t rg_rng_bits32(uint32_t k0, uint32_t k1, uint32_t lo, uint32_t hi) {
    return rg_rng_mix32(rg_rng_mix32(lo ^ k0) ^ hi ^ k1);
}

static inline void rg_rng_sr_keys(uint64_t seed, uint32_t *k0, uint32_t *k1) {
    uint64_t k = rg_rng_mix64(seed + 0x5352u);
    *k0 = (uint32_t)k;
    *k1 = (uint32_t)(k >> 32);
}

/* The 32 random bits stochastic rounding uses for element `index`. */
static inline uint32_t rg_rng_sr(uint64_t seed, uint64_t index) {
    uint32_t k0, k1;
    rg_rng_sr_keys(seed, &k0, &k1);
    return rg_rng_bits32(k0, k1, (uint32_t)index, (uint32_t)(index >> 32));
}

/* Derive an independent stream's seed from a seed and a stream tag. */
static inline uint64_t rg_rng_stream(uint64_t seed, uint64_t tag) {
    return rg_rng_mix64(seed ^ rg_rng_mix64(tag + 0x632BE59BD9B4E019ull));
}

#endif
