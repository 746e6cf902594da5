/* api_numerics.c: POST /numerics/quantize (the numerics emulator's quality
 * metrics for a format on given or generated data) and GET
 * /numerics/formats (the format table). Runs single-threaded on the HTTP
 * thread; the request body cap bounds the data a client can send. */
#include "api.h"
#include "codec_numerics.h"

void api_quantize(http_req *r) {
    rg_err err = {0};
    jw w;
    jw_init(&w);
    cJSON *body = api_body_object(r);
    if (!body)
        return;
    int rc = codec_quantize_json(body, &w, &err);
    cJSON_Delete(body);
    if (rc) {
        jw_free(&w);
        http_problem_err(r, &err, NULL, "see GET /api/v1/numerics/formats for the formats and options");
        return;
    }
    http_reply_json(r, 200, &w);
}

void api_formats(http_req *r) {
    jw w;
    jw_init(&w);
    codec_formats_write(&w);
    http_reply_json(r, 200, &w);
}
