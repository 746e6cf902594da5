/* testutil.h: assertions for Ridge's C tests. They survive NDEBUG, print
 * where and why they failed, and count failures; a test's main returns
 * tu_status(). */
#ifndef RG_TESTUTIL_H
#define RG_TESTUTIL_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int tu_failures;
static int tu_checks;

#define CHECK(cond)                                                                                          \
    do {                                                                                                     \
        tu_checks++;                                                                                         \
        if (!(cond)) {                                                                                       \
            tu_failures++;                                                                                   \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);                         \
        }                                                                                                    \
    } while (0)

#define CHECK_MSG(cond, ...)                                                                                 \
    do {                                                                                                     \
        tu_checks++;                                                                                         \
        if (!(cond)) {                                                                                       \
            tu_failures++;                                                                                   \
            fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond);                         \
            fprintf(stderr, __VA_ARGS__);                                                                    \
            fputc('\n', stderr);                                                                             \
        }                                                                                                    \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                                                   \
    do {                                                                                                     \
        long long tu_a = (long long)(a), tu_b = (long long)(b);                                              \
        CHECK_MSG(tu_a == tu_b, "%s = %lld, %s = %lld", #a, tu_a, #b, tu_b);                                 \
    } while (0)

/* |a - b| <= rel * |b| (b is the expected value) */
#define CHECK_REL(a, b, rel)                                                                                 \
    do {                                                                                                     \
        double tu_a = (double)(a), tu_b = (double)(b);                                                       \
        CHECK_MSG(fabs(tu_a - tu_b) <= (rel)*fabs(tu_b), "%s = %.17g, expected %.17g (rel %g)", #a, tu_a,    \
                  tu_b, (double)(rel));                                                                      \
    } while (0)

#define CHECK_STR(a, b)                                                                                      \
    do {                                                                                                     \
        const char *tu_a = (a), *tu_b = (b);                                                                 \
        CHECK_MSG(tu_a &&tu_b &&strcmp(tu_a, tu_b) == 0, "%s = \"%s\", expected \"%s\"", #a,                 \
                  tu_a ? tu_a : "(null)", tu_b ? tu_b : "(null)");                                           \
    } while (0)

static inline int tu_status(const char *name) {
    if (tu_failures)
        fprintf(stderr, "%s: %d of %d checks failed\n", name, tu_failures, tu_checks);
    else
        printf("%s: all %d checks passed\n", name, tu_checks);
    return tu_failures ? 1 : 0;
}

/* Directory with the known-answer reference data (tests/reference). */
#ifndef RIDGE_REFERENCE_DIR
#define RIDGE_REFERENCE_DIR "tests/reference"
#endif

#endif
