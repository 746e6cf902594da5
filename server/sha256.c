/* sha256.c: SHA-256 as specified in FIPS 180-4, section 6.2.
 *
 * Plain portable C: big-endian message schedule, 64 rounds per block. Used
 * for spec hashes (a few KB per call), so clarity wins over speed. */
#include "sha256.h"

#include <string.h>

/* FIPS 180-4 4.2.2: first 32 bits of the fractional parts of the cube roots
 * of the first 64 primes. */
static const uint32_t sha256_k[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u, 0xab1c5ed5u,
    0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u,
    0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
    0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u,
    0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u,
    0xa2bfe8a1u, 0xa81a664bu, 0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
    0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
    0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u};

static uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

#define SHA_CH(x, y, z)  (((x) & (y)) ^ (~(x) & (z)))
#define SHA_MAJ(x, y, z) (((x) & (y)) ^ ((x) & (z)) ^ ((y) & (z)))
#define SHA_S0(x)        (rotr((x), 2) ^ rotr((x), 13) ^ rotr((x), 22))
#define SHA_S1(x)        (rotr((x), 6) ^ rotr((x), 11) ^ rotr((x), 25))
#define SHA_G0(x)        (rotr((x), 7) ^ rotr((x), 18) ^ ((x) >> 3))
#define SHA_G1(x)        (rotr((x), 17) ^ rotr((x), 19) ^ ((x) >> 10))

/* One round with the working variables named in rotated order, so eight
 * consecutive rounds need no register shuffling (section 6.2.2, step 3). */
#define SHA_ROUND(a, b, c, d, e, f, g, h, t)                                                                 \
    do {                                                                                                     \
        uint32_t t1_ = (h) + SHA_S1(e) + SHA_CH(e, f, g) + sha256_k[t] + w[t];                               \
        (d) += t1_;                                                                                          \
        (h) = t1_ + SHA_S0(a) + SHA_MAJ(a, b, c);                                                            \
    } while (0)

static void sha256_block(sha256_ctx *c, const uint8_t *p) {
    uint32_t w[64];
    for (int t = 0; t < 16; t++)
        w[t] = (uint32_t)p[4 * t] << 24 | (uint32_t)p[4 * t + 1] << 16 | (uint32_t)p[4 * t + 2] << 8 |
               (uint32_t)p[4 * t + 3];
    for (int t = 16; t < 64; t++)
        w[t] = SHA_G1(w[t - 2]) + w[t - 7] + SHA_G0(w[t - 15]) + w[t - 16];
    uint32_t a = c->h[0], b = c->h[1], cc = c->h[2], d = c->h[3];
    uint32_t e = c->h[4], f = c->h[5], g = c->h[6], h = c->h[7];
    for (int t = 0; t < 64; t += 8) {
        SHA_ROUND(a, b, cc, d, e, f, g, h, t);
        SHA_ROUND(h, a, b, cc, d, e, f, g, t + 1);
        SHA_ROUND(g, h, a, b, cc, d, e, f, t + 2);
        SHA_ROUND(f, g, h, a, b, cc, d, e, t + 3);
        SHA_ROUND(e, f, g, h, a, b, cc, d, t + 4);
        SHA_ROUND(d, e, f, g, h, a, b, cc, t + 5);
        SHA_ROUND(cc, d, e, f, g, h, a, b, t + 6);
        SHA_ROUND(b, cc, d, e, f, g, h, a, t + 7);
    }
    c->h[0] += a;
    c->h[1] += b;
    c->h[2] += cc;
    c->h[3] += d;
    c->h[4] += e;
    c->h[5] += f;
    c->h[6] += g;
    c->h[7] += h;
}

void sha256_init(sha256_ctx *c) {
    /* FIPS 180-4 5.3.3 */
    static const uint32_t h0[8] = {0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
                                   0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u};
    memcpy(c->h, h0, sizeof h0);
    c->nbits = 0;
    c->nbuf = 0;
}

void sha256_update(sha256_ctx *c, const void *data, size_t len) {
    const uint8_t *p = data;
    c->nbits += (uint64_t)len * 8u;
    while (len > 0) {
        if (c->nbuf == 0 && len >= 64) {
            sha256_block(c, p);
            p += 64;
            len -= 64;
            continue;
        }
        size_t take = 64 - c->nbuf < len ? 64 - c->nbuf : len;
        memcpy(c->buf + c->nbuf, p, take);
        c->nbuf += take;
        p += take;
        len -= take;
        if (c->nbuf == 64) {
            sha256_block(c, c->buf);
            c->nbuf = 0;
        }
    }
}

void sha256_final(sha256_ctx *c, uint8_t out[32]) {
    uint64_t nbits = c->nbits;
    /* Padding (5.1.1): a 1 bit, zeros to 56 mod 64 bytes, 64-bit length. */
    c->buf[c->nbuf++] = 0x80;
    if (c->nbuf > 56) {
        memset(c->buf + c->nbuf, 0, 64 - c->nbuf);
        sha256_block(c, c->buf);
        c->nbuf = 0;
    }
    memset(c->buf + c->nbuf, 0, 56 - c->nbuf);
    for (int i = 0; i < 8; i++)
        c->buf[56 + i] = (uint8_t)(nbits >> (56 - 8 * i));
    sha256_block(c, c->buf);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(c->h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(c->h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(c->h[i] >> 8);
        out[4 * i + 3] = (uint8_t)c->h[i];
    }
}

void sha256_hex(const void *data, size_t len, char hex[65]) {
    static const char digits[] = "0123456789abcdef";
    sha256_ctx c;
    uint8_t d[32];
    sha256_init(&c);
    sha256_update(&c, data, len);
    sha256_final(&c, d);
    for (int i = 0; i < 32; i++) {
        hex[2 * i] = digits[d[i] >> 4];
        hex[2 * i + 1] = digits[d[i] & 15];
    }
    hex[64] = '\0';
}
