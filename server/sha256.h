/* sha256.h: SHA-256 (FIPS 180-4) for spec hashes.
 *
 * The service stores the SHA-256 of a spec's canonical text as the
 * provenance of every result; this is a small self-contained
 * implementation so the codec needs no crypto library. */
#ifndef RG_SHA256_H
#define RG_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct sha256_ctx {
    uint32_t h[8];
    uint64_t nbits;  /* message length so far, in bits */
    uint8_t buf[64]; /* pending partial block */
    size_t nbuf;
} sha256_ctx;

void sha256_init(sha256_ctx *c);
void sha256_update(sha256_ctx *c, const void *data, size_t len);
/* Writes the 32-byte digest; the context must be re-initialised to reuse. */
void sha256_final(sha256_ctx *c, uint8_t out[32]);
/* One-shot digest as 64 lowercase hex characters + NUL into `hex` (65 bytes). */
void sha256_hex(const void *data, size_t len, char hex[65]);

#endif
