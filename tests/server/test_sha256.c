/* test_sha256.c: SHA-256 against the FIPS 180-4 example vectors
 * (NIST "SHA256.pdf" / "SHA2_Additional.pdf" examples). */
#include <stdlib.h>
#include <string.h>

#include "sha256.h"
#include "testutil.h"

int main(void) {
    char hex[65];
    /* NIST one-block example "abc" */
    sha256_hex("abc", 3, hex);
    CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    /* Empty message */
    sha256_hex("", 0, hex);
    CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    /* NIST two-block example (448 bits) */
    const char *m2 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sha256_hex(m2, strlen(m2), hex);
    CHECK_STR(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* NIST long example: one million 'a', fed in uneven pieces */
    sha256_ctx c;
    uint8_t d[32];
    char *mil = malloc(1000000);
    CHECK(mil != NULL);
    if (mil) {
        memset(mil, 'a', 1000000);
        sha256_init(&c);
        size_t off = 0, step = 1;
        while (off < 1000000) {
            size_t n = step < 1000000 - off ? step : 1000000 - off;
            sha256_update(&c, mil + off, n);
            off += n;
            step = step * 3 + 1;
            if (step > 70000)
                step = 7;
        }
        sha256_final(&c, d);
        static const uint8_t want[32] = {0xcd, 0xc7, 0x6e, 0x5c, 0x99, 0x14, 0xfb, 0x92, 0x81, 0xa1, 0xc7,
                                         0xe2, 0x84, 0xd7, 0x3e, 0x67, 0xf1, 0x80, 0x9a, 0x48, 0xa4, 0x97,
                                         0x20, 0x0e, 0x04, 0x6d, 0x39, 0xcc, 0xc7, 0x11, 0x2c, 0xd0};
        CHECK(memcmp(d, want, 32) == 0);
        free(mil);
    }
    /* 55/56/63/64-byte edges of the padding rule agree with one-shot vs split. */
    for (size_t n = 50; n < 130; n++) {
        char buf[130];
        memset(buf, 'x', n);
        char a[65], b[65];
        sha256_hex(buf, n, a);
        sha256_init(&c);
        sha256_update(&c, buf, n / 2);
        sha256_update(&c, buf + n / 2, n - n / 2);
        sha256_final(&c, d);
        static const char digits[] = "0123456789abcdef";
        for (int i = 0; i < 32; i++) {
            b[2 * i] = digits[d[i] >> 4];
            b[2 * i + 1] = digits[d[i] & 15];
        }
        b[64] = 0;
        CHECK_STR(a, b);
    }
    /* 896-bit NIST example */
    const char *m3 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopq"
                     "rlmnopqrsmnopqrstnopqrstu";
    sha256_hex(m3, strlen(m3), hex);
    CHECK_STR(hex, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
    return tu_status("test_sha256");
}
