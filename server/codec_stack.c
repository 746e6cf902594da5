/* codec_stack.c: software-stack presets (data/stacks.json).
 *
 * A spec's "stack": NAME applies the stack's assumption values and
 * parallelism defaults to the typed spec after the field walk, for every key
 * the spec does not give itself (its "assumptions" and "parallelism" win).
 * The embedded JSON is parsed per call: stacks are looked up once per spec,
 * never in an evaluation loop. */
#include <string.h>

#include "codec.h"
#include "codec_internal.h"
#include "embedded.h"

static const cJSON *find_stack(const cJSON *root, const char *name) {
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "stacks"), *s;
    cJSON_ArrayForEach(s, arr) {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(s, "name");
        if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0)
            return s;
    }
    return NULL;
}

static int apply(const cJSON *stack, const cJSON *json, rg_spec *out, rg_err *err) {
    const cJSON *own_a = cJSON_GetObjectItemCaseSensitive(json, "assumptions");
    const cJSON *own_p = cJSON_GetObjectItemCaseSensitive(json, "parallelism");
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(stack, "assumptions"), *it;
    cJSON_ArrayForEach(it, a) {
        int id = rg_assumption_find(it->string);
        if (id < 0 || !cJSON_IsNumber(it))
            return rg_err_set(err, RG_EINTERNAL, "stack",
                              "data/stacks.json: bad assumption '%s' in stack '%s'", it->string, out->stack);
        if (!cJSON_GetObjectItemCaseSensitive(own_a, it->string))
            out->assumptions.v[id] = it->valuedouble;
    }
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(stack, "parallelism");
    const cJSON *sp = cJSON_GetObjectItemCaseSensitive(p, "sequence_parallel");
    const cJSON *rc = cJSON_GetObjectItemCaseSensitive(p, "recompute");
    if (cJSON_IsBool(sp) && !cJSON_GetObjectItemCaseSensitive(own_p, "sequence_parallel"))
        out->par.sequence_parallel = cJSON_IsTrue(sp);
    if (cJSON_IsString(rc) && !cJSON_GetObjectItemCaseSensitive(own_p, "recompute")) {
        static const char *const names[] = {"none", "selective", "full"};
        for (int i = 0; i < 3; i++)
            if (strcmp(rc->valuestring, names[i]) == 0)
                out->par.recompute = (rg_recompute)i;
    }
    return 0;
}

int codec_stack_apply(const cJSON *json, rg_spec *out, rg_err *err) {
    const rg_embedded_file *f = NULL;
    int rc = 0;
    if (!out->stack[0])
        return 0;
    for (int i = 0; i < rg_embedded_count; i++)
        if (strcmp(rg_embedded_files[i].path, "stacks.json") == 0)
            f = &rg_embedded_files[i];
    if (!f)
        return rg_err_set(err, RG_EINTERNAL, "stack", "data/stacks.json is missing from this build");
    cJSON *root = codec_json_parse(f->data, f->size, err);
    if (!root)
        return RG_EINTERNAL;
    const cJSON *s = find_stack(root, out->stack);
    if (!s)
        rc = rg_err_set(err, RG_EUNKNOWN, "stack",
                        "unknown software stack '%s' (data/stacks.json: megatron-2021, megatron-2022, "
                        "megatron-core-2024)",
                        out->stack);
    else
        rc = apply(s, json, out, err);
    cJSON_Delete(root);
    return rc;
}
