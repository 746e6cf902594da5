/* assumptions.h: the named assumptions the engine may use.
 *
 * Only names, units and ids live in code; every value, source and confidence
 * lives in data/assumptions.json, which the codec loads into rg_assumptions
 * before any evaluation (a spec's "assumptions" object overrides by name).
 * The engine marks each assumption it reads, so a result lists exactly the
 * assumptions it rests on. Append-only. */
#ifndef RG_ASSUMPTIONS_H
#define RG_ASSUMPTIONS_H

#include <stdint.h>

/* X(id, "name", "unit") */
#define RG_ASSUMPTION_LIST(X)                                                                                \
    X(RG_A_MATMUL_EFF, "matmul_efficiency", "fraction of peak")                                              \
    X(RG_A_MEMORY_EFF, "memory_bw_efficiency", "fraction of peak")                                           \
    X(RG_A_VECTOR_EFF, "vector_efficiency", "fraction of peak")

typedef enum rg_assumption_id {
#define RG_X_(id, name, unit) id,
    RG_ASSUMPTION_LIST(RG_X_)
#undef RG_X_
        RG_A_COUNT
} rg_assumption_id;

typedef struct rg_assumptions {
    double v[RG_A_COUNT];
    uint8_t set[RG_A_COUNT]; /* 1 once a value was loaded */
} rg_assumptions;

const char *rg_assumption_name(int id);
const char *rg_assumption_unit(int id);
/* Id for a name, or RG_EUNKNOWN. */
int rg_assumption_find(const char *name);

#endif
