/* assumptions.c: names and units of the engine's assumptions (values are
 * data: data/assumptions.json). */
#include "assumptions.h"

#include <string.h>

#include "status.h"

typedef struct {
    const char *name;
    const char *unit;
} assumption_meta;

static const assumption_meta assumption_table[RG_A_COUNT] = {
#define RG_X_(id, name, unit) [id] = {name, unit},
    RG_ASSUMPTION_LIST(RG_X_)
#undef RG_X_
};

const char *rg_assumption_name(int id) {
    return (id >= 0 && id < RG_A_COUNT) ? assumption_table[id].name : "?";
}

const char *rg_assumption_unit(int id) {
    return (id >= 0 && id < RG_A_COUNT) ? assumption_table[id].unit : "?";
}

int rg_assumption_find(const char *name) {
    if (!name)
        return RG_EINVAL;
    for (int i = 0; i < RG_A_COUNT; i++)
        if (strcmp(assumption_table[i].name, name) == 0)
            return i;
    return RG_EUNKNOWN;
}
