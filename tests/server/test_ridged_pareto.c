/* test_ridged_pareto.c: the C Pareto front (server/ridged/pareto.c) against
 * the definition the SQL front used (a point is on the front when its y key
 * is below the y key of every point before it in (x, y, index) order, keys
 * ordered as PostgreSQL orders float8: NaN greatest, -0 = 0), by brute force
 * on sets full of ties, equal x, NaN, infinities and signed zeros, and on a
 * set large enough to be folded in several batches. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pareto.h"
#include "testutil.h"

static bool before(const pareto_pt *q, const pareto_pt *p) {
    int c = pareto_cmp_key(q->x, p->x);
    if (!c)
        c = pareto_cmp_key(q->y, p->y);
    return c < 0 || (c == 0 && q->index < p->index);
}

/* O(n^2): p is on the front when no q before it has y_q <= y_p. */
static bool on_front(const pareto_pt *pt, size_t n, size_t i) {
    for (size_t j = 0; j < n; j++)
        if (j != i && before(&pt[j], &pt[i]) && pareto_cmp_key(pt[j].y, pt[i].y) <= 0)
            return false;
    return true;
}

static uint64_t rng = 88172645463325252ull;
static uint64_t next(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* A key from a small alphabet, so that ties and equal x are frequent. */
static double key(void) {
    static const double alphabet[] = {0.0,  -0.0,     1.0,       2.0, 2.0,    3.5,
                                      -1.0, INFINITY, -INFINITY, NAN, 1e-300, 7.0};
    return alphabet[next() % (sizeof alphabet / sizeof alphabet[0])];
}

static void check_set(pareto_pt *pt, size_t n, size_t max) {
    pareto_acc a;
    pareto_init(&a, max);
    for (size_t i = 0; i < n; i++)
        CHECK_EQ_INT(pareto_add(&a, pt[i].x, pt[i].y, pt[i].index), 0);
    pareto_fold(&a);
    size_t want = 0;
    for (size_t i = 0; i < n; i++) {
        if (!on_front(pt, n, i))
            continue;
        bool found = false;
        for (size_t k = 0; k < a.nfront && !found; k++)
            found = a.pt[k].index == pt[i].index;
        CHECK_MSG(found, "point %lld (%g, %g) is on the front", (long long)pt[i].index, pt[i].x, pt[i].y);
        want++;
    }
    CHECK_EQ_INT((long long)a.nfront, (long long)want);
    for (size_t k = 1; k < a.nfront; k++) /* in (x, y, index) order */
        CHECK(before(&a.pt[k - 1], &a.pt[k]));
    pareto_free(&a);
}

static void test_known(void) {
    /* equal x: the lower y wins; equal (x, y): the lower index; NaN y never
     * beats a number; a NaN x comes last and is on the front only when its
     * y beats every number before it */
    pareto_pt pt[] = {
        {1, 5, 10},  {1, 4, 11},  {1, 4, 9},   {2, 4, 3},    {2, 3, 4},
        {3, NAN, 5}, {NAN, 1, 6}, {NAN, 1, 2}, {-0.0, 6, 7}, {0.0, 6, 1},
    };
    size_t n = sizeof pt / sizeof pt[0];
    pareto_acc a;
    pareto_init(&a, 1000);
    for (size_t i = 0; i < n; i++)
        CHECK_EQ_INT(pareto_add(&a, pt[i].x, pt[i].y, pt[i].index), 0);
    pareto_fold(&a);
    const int64_t want[] = {1, 9, 4, 2}; /* (0,6,#1) (1,4,#9) (2,3,#4) (NaN,1,#2) */
    CHECK_EQ_INT((long long)a.nfront, 4);
    for (size_t k = 0; k < 4 && k < a.nfront; k++)
        CHECK_EQ_INT((long long)a.pt[k].index, (long long)want[k]);
    pareto_free(&a);
    /* NaN y at the smallest x: on the front (nothing before it), and every
     * later NaN y is dominated by it */
    pareto_pt q[] = {{0, NAN, 1}, {1, NAN, 2}, {2, 5, 3}};
    check_set(q, 3, 100);
}

static void test_random(void) {
    for (int round = 0; round < 40; round++) {
        size_t n = 1 + next() % 600;
        pareto_pt *pt = malloc(n * sizeof *pt);
        if (!pt)
            return;
        for (size_t i = 0; i < n; i++)
            pt[i] = (pareto_pt){key(), key(), (int64_t)(next() % 100000)};
        for (size_t i = 0; i < n; i++)
            pt[i].index = (int64_t)i * 7 % (int64_t)(n * 7 + 1); /* distinct, shuffled */
        check_set(pt, n, 100000);
        free(pt);
    }
}

/* Folding in batches gives the front of a single sort over everything:
 * 1.5 M points on a noisy anti-diagonal (many batches, a large front). */
static int cmp_ref(const void *pa, const void *pb) {
    const pareto_pt *a = pa, *b = pb;
    return before(a, b) ? -1 : before(b, a) ? 1 : 0;
}

static void test_batches(void) {
    size_t n = 1500000;
    pareto_pt *pt = malloc(n * sizeof *pt);
    pareto_acc a;
    pareto_init(&a, n);
    if (!pt)
        return;
    for (size_t i = 0; i < n; i++) {
        double x = (double)(next() % 100000), y = 100000 - x + (double)(next() % 50);
        pt[i] = (pareto_pt){x, y, (int64_t)i};
        CHECK(pareto_add(&a, x, y, (int64_t)i) == 0);
    }
    pareto_fold(&a);
    qsort(pt, n, sizeof *pt, cmp_ref);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || pareto_cmp_key(pt[i].y, pt[k - 1].y) < 0)
            pt[k++] = pt[i];
    CHECK_EQ_INT((long long)a.nfront, (long long)k);
    CHECK(k > 1000);
    for (size_t i = 0; i < k && i < a.nfront; i++)
        CHECK(a.pt[i].index == pt[i].index);
    pareto_free(&a);
    /* a bound on memory is an error, not a wrong front */
    pareto_init(&a, 10);
    int rc = 0;
    for (int64_t i = 0; i < 20 && !rc; i++)
        rc = pareto_add(&a, (double)i, (double)-i, i); /* every point on the front */
    CHECK_EQ_INT(rc, -1);
    pareto_free(&a);
    free(pt);
}

int main(void) {
    test_known();
    test_random();
    test_batches();
    return tu_status("ridged_pareto");
}
