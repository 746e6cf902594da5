/* test_ridged_rtl_job.c: the RTL job request codec (server/ridged/rtl_job.c).
 * A request is checked once at the boundary: unknown keys, wrong types and
 * out-of-range numbers are refused naming the JSON key, rtl_check's errors
 * are renamed from the option ("--align-bits") to the key ("align_bits"),
 * seeds above 2^53 travel as strings, and the canonical text parses back to
 * the same request and the same text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtl_job.h"
#include "testutil.h"

static int parse(const char *text, rtl_request *req, rg_err *err) {
    memset(err, 0, sizeof *err);
    return rtl_job_parse(text, req, err);
}

/* Expects `text` to be refused with `code`, naming `field`. */
static void refused(const char *text, int code, const char *field) {
    rtl_request req;
    rg_err err;
    int rc = parse(text, &req, &err);
    CHECK_MSG(rc == code, "%s: rc %d (%s: %s), expected %d", text, rc, err.field, err.msg, code);
    CHECK_MSG(strcmp(err.field, field) == 0, "%s: field \"%s\", expected \"%s\"", text, err.field, field);
}

static char *canonical(const rtl_request *req) {
    jw w;
    jw_init(&w);
    rtl_job_write(&w, req);
    return jw_take(&w, NULL);
}

static void test_defaults_and_round_trip(void) {
    rtl_request req, back;
    rg_err err;
    CHECK_EQ_INT(parse("{\"unit\":\"mul\",\"format\":\"fp8_e4m3\"}", &req, &err), 0);
    CHECK_STR(req.rounding, "rne");
    CHECK(req.vectors > 0 && req.clock_ns > 0 && !req.cosim && !req.synth);
    CHECK_EQ_INT(
        parse("{\"unit\":\"dot\",\"format\":\"mxfp4\",\"acc\":\"fp32\",\"align_bits\":24,\"cosim\":true,"
              "\"vectors\":1000,\"seed\":\"18446744073709551615\",\"synth\":true,\"clock_ns\":2.5,"
              "\"rounding\":\"rtz\"}",
              &req, &err),
        0);
    CHECK(req.seed == UINT64_MAX);
    CHECK_EQ_INT(req.align_bits, 24);
    CHECK(req.clock_ns == 2.5 && req.cosim && req.synth && req.vectors == 1000);
    char *t1 = canonical(&req);
    CHECK(t1 && strstr(t1, "\"seed\":\"18446744073709551615\"") && strstr(t1, "\"clock_ns\":2.5"));
    CHECK(t1 && !strstr(t1, "liberty")); /* the replica's choice, never the request's */
    CHECK_EQ_INT(t1 ? parse(t1, &back, &err) : -1, 0);
    char *t2 = canonical(&back);
    CHECK(t1 && t2 && strcmp(t1, t2) == 0);
    free(t1);
    free(t2);
    CHECK_EQ_INT(parse("{\"unit\":\"mul\",\"format\":\"fp8_e4m3\",\"seed\":42}", &req, &err), 0);
    CHECK(req.seed == 42);
}

static void test_refused(void) {
    refused("{\"unit\":\"mul\",\"format\":\"fp8_e4m3\",\"colour\":\"red\"}", RG_EUNKNOWN, "colour");
    refused("{\"unit\":\"mul\",\"format\":\"fp8_e4m3\",\"liberty\":\"/etc/passwd\"}", RG_EUNKNOWN, "liberty");
    refused("{\"format\":\"fp8_e4m3\"}", RG_EMISSING, "unit");
    refused("{\"unit\":\"mul\"}", RG_EMISSING, "format");
    refused("[1]", RG_ETYPE, "");
    refused("{\"unit\":\"mul\",", RG_EPARSE, "");
    refused("{\"unit\":\"mul\",\"format\":\"fp8_e4m3\",\"cosim\":1}", RG_ETYPE, "cosim");
    refused("{\"unit\":\"mul\",\"format\":\"fp8_e4m3\",\"synth\":\"yes\"}", RG_ETYPE, "synth");
    refused("{\"unit\":\"mul\",\"format\":7}", RG_ETYPE, "format");
    refused("{\"unit\":\"mac\",\"format\":\"fp8_e4m3\",\"stages\":\"2\"}", RG_ETYPE, "stages");
    refused("{\"unit\":\"mac\",\"format\":\"fp8_e4m3\",\"stages\":2.5}", RG_ERANGE, "stages");
    refused("{\"unit\":\"mac\",\"format\":\"fp8_e4m3\",\"stages\":1e12}", RG_ERANGE, "stages");
    refused("{\"unit\":\"mul\",\"format\":\"fp8_e4m3\",\"clock_ns\":\"fast\"}", RG_ETYPE, "clock_ns");
    refused("{\"unit\":\"mul\",\"format\":\"fp8_e4m3\",\"seed\":\"18446744073709551616\"}", RG_ERANGE,
            "seed");
    refused("{\"unit\":\"mul\",\"format\":\"fp8_e4m3\",\"seed\":\"12x\"}", RG_ERANGE, "seed");
    refused("{\"unit\":\"mul\",\"format\":\"fp8_e4m3\",\"seed\":-1}", RG_ERANGE, "seed");
    refused("{\"unit\":\"mul\",\"format\":\"fp8_e4m3\",\"seed\":9007199254740994}", RG_ERANGE, "seed");
    refused("{\"unit\":\"mul\",\"format\":\"fp8_e4m3\",\"seed\":null}", RG_ETYPE, "seed");
    refused("{\"unit\":\"mul\",\"format\":\"e4m3_and_a_very_long_name_past_the_field\"}", RG_ERANGE,
            "format");
    /* recipe units are `ridge rtl` only: RtlRequest has no block/scale/elem/max */
    refused("{\"unit\":\"amax\",\"format\":\"bf16\"}", RG_EUNSUPPORTED, "unit");
}

/* rtl_check names options; the API names keys. */
static void test_check_renamed(void) {
    rtl_request req;
    rg_err err;
    refused("{\"unit\":\"mul\",\"format\":\"fp5_nope\"}",
            parse("{\"unit\":\"mul\",\"format\":\"fp5_nope\"}", &req, &err), "format");
    CHECK(err.code != 0 && strcmp(err.field, "format") == 0);
    CHECK(parse("{\"unit\":\"adder\",\"format\":\"fp8_e4m3\"}", &req, &err) != 0 &&
          strcmp(err.field, "unit") == 0);
    CHECK(parse("{\"unit\":\"dot\",\"format\":\"mxfp4\",\"align_bits\":-1}", &req, &err) != 0 &&
          strcmp(err.field, "align_bits") == 0);
    CHECK(parse("{\"unit\":\"dot\",\"format\":\"fp8_e4m3\"}", &req, &err) != 0 && err.field[0] &&
          strncmp(err.field, "--", 2) != 0);
}

int main(void) {
    test_defaults_and_round_trip();
    test_refused();
    test_check_renamed();
    return tu_status("ridged_rtl_job");
}
