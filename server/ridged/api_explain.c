/* api_explain.c: POST /api/v1/explain: gap attribution for a measured step.
 * The body is a spec (as POST /api/v1/evaluate takes, "calibration": NAME
 * included) plus "measured_s"; the answer is calib_explain's object, the same
 * as `ridge calibrate explain SPEC --measured-s T` prints. */
#include <math.h>
#include <stdlib.h>

#include "api.h"
#include "calib.h"
#include "calib_explain.h"
#include "codec.h"

/* Detaches "measured_s" from the body. False after answering 400. */
static bool take_measured(http_req *r, cJSON *body, double *measured) {
    cJSON *m = cJSON_DetachItemFromObjectCaseSensitive(body, "measured_s");
    bool ok = cJSON_IsNumber(m) && m->valuedouble > 0.0 && isfinite(m->valuedouble);
    *measured = ok ? m->valuedouble : 0.0;
    if (!m)
        http_fail(r, RG_EMISSING, "measured_s", "the measured step time in seconds, beside the spec's keys",
                  "measured_s is required");
    else if (!ok)
        http_fail(r, RG_ERANGE, "measured_s", NULL, "measured_s must be a time > 0 (seconds)");
    cJSON_Delete(m);
    return ok;
}

void api_explain(http_req *r) {
    cJSON *body = NULL;
    rg_spec *spec = NULL;
    calib_profile prof = {0};
    calib_applied applied;
    char cal_name[80] = "";
    rg_err err = {0};
    double measured = 0.0;
    jw w;
    jw_init(&w);
    body = api_body_object(r);
    if (!body || !take_measured(r, body, &measured))
        goto out;
    if (api_calibration_resolve(r, body, &prof, &applied, cal_name, sizeof cal_name) < 0)
        goto out;
    spec = malloc(sizeof *spec);
    if (!spec) {
        http_fail(r, RG_ENOMEM, NULL, NULL, "out of memory");
        goto out;
    }
    if (codec_spec_parse(body, spec, &err) != 0 || calib_explain(spec, measured, &w, &err) != 0) {
        http_problem_err(r, &err, NULL, "see GET /api/v1/presets and /api/v1/openapi.json for the spec");
        goto out;
    }
    http_reply_json(r, 200, &w);
out:
    cJSON_Delete(body);
    calib_profile_free(&prof);
    free(spec);
    jw_free(&w);
}
