/* codec_eval.c: parse, evaluate, hash and describe one design point (see
 * codec_eval.h). */
#include "codec_eval.h"

#include <stdlib.h>
#include <string.h>

#include "codec_internal.h"
#include "codec_numerics.h"
#include "evaluate.h"
#include "sha256.h"

int codec_eval_run(const cJSON *json, codec_eval *ev, rg_err *err) {
    jw cw, qw;
    int rc = 0;
    jw_init(&cw);
    jw_init(&qw);
    rc = codec_spec_parse_rows(json, &ev->spec, true, &ev->trace_rows, err);
    if (rc)
        goto out;
    rc = rg_evaluate_ex(&ev->spec, &ev->res, RG_EVAL_SATURATION, err);
    if (rc)
        goto out;
    codec_spec_write_canonical(&cw, &ev->spec);
    ev->canonical = jw_take(&cw, &ev->canonical_len);
    if (!ev->canonical) {
        rc = rg_err_set(err, RG_ENOMEM, "", "out of memory");
        goto out;
    }
    sha256_hex(ev->canonical, ev->canonical_len, ev->sha);
    const cJSON *quality = cJSON_GetObjectItemCaseSensitive(json, "quality");
    if (quality && !cJSON_IsNull(quality) && !cJSON_IsFalse(quality)) {
        rc = codec_quality_write_spec(&qw, cJSON_IsTrue(quality) ? NULL : quality, &ev->spec, err);
        if (rc)
            goto out;
        ev->quality = jw_take(&qw, NULL);
        if (!ev->quality)
            rc = rg_err_set(err, RG_ENOMEM, "quality", "out of memory");
    }
    const cJSON *unc = cJSON_GetObjectItemCaseSensitive(json, "uncertainty");
    if (rc == 0 && unc && !cJSON_IsBool(unc) && !cJSON_IsObject(unc))
        rc = rg_err_set(err, RG_ETYPE, "uncertainty",
                        "expected true, false or {\"ranges\": {name: [low, high]}}");
    if (rc == 0 && (cJSON_IsTrue(unc) || cJSON_IsObject(unc))) {
        jw uw;
        jw_init(&uw);
        rc = codec_uncertainty_write(&uw, &ev->spec, &ev->res, cJSON_IsObject(unc) ? unc : NULL, err);
        ev->uncertainty = rc ? NULL : jw_take(&uw, NULL);
        if (rc == 0 && !ev->uncertainty)
            rc = rg_err_set(err, RG_ENOMEM, "uncertainty", "out of memory");
        jw_free(&uw);
    }
out:
    jw_free(&cw);
    jw_free(&qw);
    return rc;
}

void codec_eval_write(jw *w, const codec_eval *ev) {
    codec_result_write_with(w, &ev->spec, &ev->res, ev->sha, ev->quality, ev->uncertainty);
}

void codec_eval_free(codec_eval *ev) {
    if (!ev)
        return;
    free(ev->canonical);
    free(ev->quality);
    free(ev->uncertainty);
    free(ev->trace_rows);
    ev->trace_rows = NULL;
    ev->canonical = NULL;
    ev->quality = NULL;
    ev->uncertainty = NULL;
}
