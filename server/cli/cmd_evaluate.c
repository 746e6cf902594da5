/* cmd_evaluate.c: `ridge evaluate`, `ridge presets`, `ridge bench` and
 * `ridge search`.
 *
 * Each reads a JSON spec (a file or "-" for stdin), turns it into a typed
 * rg_spec through the codec and prints JSON on stdout. Bad input gets one
 * line on stderr naming the field ("ridge: model.d_model: must be >= 1
 * (got -5)") and exit status 2; failures of the machine (memory, I/O on
 * output) exit 1. */
#include <errno.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calib.h"
#include "cli.h"
#include "codec.h"
#include "codec_eval.h"
#include "codec_search.h"
#include "evaluate.h"
#include "search.h"
#include "serve_search.h"

/* Print an error in the CLI's one-line form and return the exit status. */
static int fail(const rg_err *e) {
    if (e->field[0])
        fprintf(stderr, "ridge: %s: %s\n", e->field, e->msg[0] ? e->msg : rg_strerror(e->code));
    else
        fprintf(stderr, "ridge: %s\n", e->msg[0] ? e->msg : rg_strerror(e->code));
    return e->code == RG_ENOMEM || e->code == RG_EINTERNAL || e->code == RG_EIO ? 1 : 2;
}

/* Write the writer's buffer + newline to stdout; frees it. */
static int emit(jw *w) {
    size_t len = 0;
    char *text = jw_take(w, &len);
    int rc = 0;
    if (!text) {
        fprintf(stderr, "ridge: out of memory\n");
        return 1;
    }
    if (fwrite(text, 1, len, stdout) != len || fputc('\n', stdout) == EOF || fflush(stdout) != 0) {
        fprintf(stderr, "ridge: cannot write output: %s\n", strerror(errno));
        rc = 1;
    }
    free(text);
    return rc;
}

/* Read and parse a JSON file ("-" = stdin). NULL with a message printed and
 * *status set on failure; the caller deletes the result. */
static cJSON *load_json_as(const char *path, int *status, bool hf) {
    size_t len = 0;
    rg_err e = {0};
    char *text = cli_read_file(path, &len);
    if (!text) {
        fprintf(stderr, "ridge: %s: cannot read: %s\n", path, strerror(errno));
        *status = 2;
        return NULL;
    }
    cJSON *json = hf ? codec_json_parse_hf(text, len, &e) : codec_json_parse(text, len, &e);
    free(text);
    if (!json) {
        fprintf(stderr, "ridge: %s: %s%s%s\n", path, e.field, e.field[0] ? ": " : "", e.msg);
        *status = 2;
    }
    return json;
}

/* A spec file: its JSON with serving.trace_file read into
 * serving.arrival.trace (codec_trace.h; the path is relative to the spec
 * file's directory, or to the working directory for stdin). */
static cJSON *load_json(const char *path, int *status) {
    cJSON *json = load_json_as(path, status, false);
    if (json && (*status = cli_trace_resolve(json, path)) != 0) {
        cJSON_Delete(json);
        json = NULL;
    }
    return json;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* CPU time of the calling thread: on a shared machine the per-call cost,
 * whatever else runs. */
static double cpu_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- evaluate ---------------------------------------------------------- */

/* The result object with "calibration" appended (text splice: the writer's
 * object is complete). */
static int emit_calibrated(jw *w, const char *name, const calib_profile *prof, const calib_applied *ap) {
    jw cw;
    size_t len = 0, clen = 0;
    jw_init(&cw);
    calib_applied_write(&cw, name, prof, ap);
    char *text = jw_take(w, &len), *ctext = jw_take(&cw, &clen);
    int rc = 1;
    if (text && ctext && len > 1 && text[len - 1] == '}') {
        text[len - 1] = '\0';
        rc = printf("%s,\"calibration\":%s}\n", text, ctext) < 0 || fflush(stdout) != 0;
    }
    if (rc)
        fprintf(stderr, "ridge: cannot write output\n");
    free(text);
    free(ctext);
    jw_free(&cw);
    return rc;
}

int cmd_evaluate(int argc, char **argv) {
    const char *path = NULL;
    cJSON *json = NULL;
    rg_serve_req *trace_rows = NULL;
    codec_eval *ev = NULL;
    rg_spec spec;
    rg_err e = {0};
    jw w;
    int status = 0;
    jw_init(&w);
    bool canonical = false;
    calib_profile prof = {0};
    calib_applied applied;
    char prof_name[512] = "";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            printf("usage: ridge evaluate [--canonical] SPEC.json|-\n"
                   "  --canonical: print the resolved spec and its SHA-256 instead of evaluating\n");
            return 0;
        }
        if (strcmp(argv[i], "--canonical") == 0) {
            canonical = true;
            continue;
        }
        if (path) {
            fprintf(stderr, "ridge evaluate: one spec only (got '%s')\n", argv[i]);
            return 2;
        }
        path = argv[i];
    }
    if (!path) {
        fprintf(stderr, "usage: ridge evaluate SPEC.json|-\n");
        return 2;
    }
    json = load_json(path, &status);
    if (!json)
        goto out;
    if ((status = cli_calibration_resolve(json, &prof, &applied, prof_name, sizeof prof_name)))
        goto out;
    if (canonical) {
        char sha[65] = "";
        if (codec_spec_parse_rows(json, &spec, true, &trace_rows, &e) != 0) {
            status = fail(&e);
            goto out;
        }
        codec_spec_sha256(&spec, sha);
        jw_obj_begin(&w);
        jw_key(&w, "spec");
        codec_spec_write_canonical(&w, &spec);
        jw_kstr(&w, "spec_sha256", sha);
        jw_obj_end(&w);
        status = emit(&w);
        goto out;
    }
    /* the same evaluation as POST /api/v1/evaluate (codec_eval.h) */
    ev = calloc(1, sizeof *ev);
    if (!ev) {
        fprintf(stderr, "ridge: out of memory\n");
        status = 1;
        goto out;
    }
    if (codec_eval_run(json, ev, &e) != 0) {
        status = fail(&e);
        goto out;
    }
    codec_eval_write(&w, ev);
    status = prof_name[0] ? emit_calibrated(&w, prof_name, &prof, &applied) : emit(&w);
out:
    jw_free(&w);
    free(trace_rows);
    codec_eval_free(ev);
    free(ev);
    cJSON_Delete(json);
    calib_profile_free(&prof);
    return status;
}

/* ---- presets ----------------------------------------------------------- */

int cmd_presets(int argc, char **argv) {
    jw w;
    rg_err e = {0};
    jw_init(&w);
    if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        printf("usage: ridge presets [KIND NAME]   (KIND: hardware, models, systems)\n");
        return 0;
    }
    if (argc == 3) {
        cJSON *p = codec_preset_get(argv[1], argv[2], &e);
        if (!p)
            return fail(&e);
        codec_json_write(&w, p);
        cJSON_Delete(p);
        return emit(&w);
    }
    if (argc != 1) {
        fprintf(stderr, "usage: ridge presets [KIND NAME]\n");
        return 2;
    }
    if (codec_init(&e) != 0)
        return fail(&e);
    codec_presets_write(&w);
    return emit(&w);
}

/* ---- bench ------------------------------------------------------------- */

/* Built-in benchmark points: one device, and a sharded training step. */
static const char *const bench_single =
    "{\"model\":\"llama3-8b\",\"hardware\":\"h100-sxm\",\"phase\":\"decode\",\"batch\":32,\"seq_len\":4096}";
static const char *const bench_sharded =
    "{\"model\":\"gpt3-175b\",\"hardware\":\"a100-sxm-80gb\",\"system\":\"dgx-a100\",\"phase\":\"train\","
    "\"batch\":1536,\"seq_len\":2048,\"chips\":1024,\"parallelism\":{\"tp\":8,\"pp\":8,\"dp\":16,"
    "\"microbatch\":1,\"interleave\":3,\"sequence_parallel\":true,\"recompute\":\"selective\",\"zero\":1}}";

typedef enum {
    BENCH_EVAL = 0,
    BENCH_EVAL_NO_OPS,
    BENCH_PARSE,
    BENCH_SHA,
    BENCH_WRITE,
    BENCH_FULL,
    BENCH_COUNT
} bench_kind;
static const char *const bench_names[] = {"evaluate",    "evaluate_no_ops", "parse",
                                          "spec_sha256", "result_write",    "parse_evaluate_write"};

/* Run one measurement for about `seconds`; returns calls per second, or a
 * negative status. */
static double bench_run(bench_kind kind, const char *text, const rg_spec *spec, rg_result *res,
                        double seconds, int64_t *calls, double *elapsed, double *cpu, rg_err *e) {
    int64_t n = 0, batch = 64;
    double c0 = cpu_s();
    double t0 = now_s(), t = t0;
    size_t len = strlen(text);
    volatile double sink = 0;
    while (t - t0 < seconds) {
        for (int64_t i = 0; i < batch; i++) {
            rg_spec s;
            int rc = 0;
            switch (kind) {
            case BENCH_EVAL:
                rc = rg_evaluate(spec, res, e);
                sink += res->time_s;
                break;
            case BENCH_EVAL_NO_OPS:
                rc = rg_evaluate_ex(spec, res, RG_EVAL_NO_OPS, e);
                sink += res->time_s;
                break;
            case BENCH_PARSE:
                rc = codec_spec_parse_text(text, len, &s, e);
                sink += (double)s.batch;
                break;
            case BENCH_SHA: {
                char hex[65];
                rc = codec_spec_sha256(spec, hex);
                sink += hex[0];
                break;
            }
            case BENCH_WRITE: {
                jw w;
                jw_init(&w);
                codec_result_write(&w, spec, res);
                sink += (double)w.len;
                jw_free(&w);
                break;
            }
            case BENCH_FULL: {
                jw w;
                rc = codec_spec_parse_text(text, len, &s, e);
                if (rc == 0)
                    rc = rg_evaluate(&s, res, e);
                jw_init(&w);
                if (rc == 0)
                    codec_result_write(&w, &s, res);
                sink += (double)w.len;
                jw_free(&w);
                break;
            }
            case BENCH_COUNT:
                break;
            }
            if (rc)
                return rc;
        }
        n += batch;
        t = now_s();
    }
    (void)sink;
    *calls = n;
    *elapsed = t - t0;
    *cpu = cpu_s() - c0;
    return 0;
}

int cmd_bench(int argc, char **argv) {
    double seconds = 0.5;
    const char *path = NULL;
    char *user_text = NULL;
    rg_result *res = NULL;
    jw w;
    int status = 0;
    jw_init(&w);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
            char *end = NULL;
            seconds = strtod(argv[++i], &end);
            if (!end || *end || !(seconds > 0) || seconds > 3600) {
                fprintf(stderr, "ridge bench: --seconds: must be a number in (0, 3600]\n");
                return 2;
            }
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            printf(
                "usage: ridge bench [--seconds S] [SPEC.json]\n  S: seconds per measurement (default 0.5)\n");
            return 0;
        } else if (!path && argv[i][0] != '-') {
            path = argv[i];
        } else if (!path && strcmp(argv[i], "-") == 0) {
            path = argv[i];
        } else {
            fprintf(stderr, "ridge bench: unknown argument '%s'\n", argv[i]);
            return 2;
        }
    }
    const char *names[2] = {"single_device", "sharded_training"};
    const char *texts[2] = {bench_single, bench_sharded};
    int nspecs = 2;
    if (path) {
        size_t len = 0;
        user_text = cli_read_file(path, &len);
        if (!user_text) {
            fprintf(stderr, "ridge: %s: cannot read: %s\n", path, strerror(errno));
            return 2;
        }
        /* a "calibration" is resolved once, outside the timed loop (the
         * values are printed at 15 digits: enough for a speed measurement) */
        rg_err pe = {0};
        cJSON *uj = codec_json_parse(user_text, len, &pe);
        if (uj && cJSON_GetObjectItemCaseSensitive(uj, "calibration")) {
            calib_profile prof = {0};
            calib_applied applied;
            char name[512] = "";
            status = cli_calibration_resolve(uj, &prof, &applied, name, sizeof name);
            calib_profile_free(&prof);
            char *t = status ? NULL : cJSON_PrintUnformatted(uj);
            if (status == 0 && !t)
                status = 1;
            if (t) {
                free(user_text);
                user_text = t;
            }
        }
        cJSON_Delete(uj);
        if (status)
            goto out;
        names[0] = path;
        texts[0] = user_text;
        nspecs = 1;
    }
    res = malloc(sizeof *res);
    if (!res) {
        status = 1;
        goto out;
    }
    jw_obj_begin(&w);
    jw_kint(&w, "threads", 1);
    jw_knum(&w, "seconds_per_measurement", seconds);
    jw_key(&w, "benchmarks");
    jw_arr_begin(&w);
    for (int k = 0; k < nspecs; k++) {
        rg_spec spec;
        rg_err e = {0};
        if (codec_spec_parse_text(texts[k], strlen(texts[k]), &spec, &e) != 0 ||
            rg_evaluate(&spec, res, &e) != 0) {
            status = fail(&e);
            goto out;
        }
        jw_obj_begin(&w);
        jw_kstr(&w, "name", names[k]);
        jw_kint(&w, "chips", res->chips);
        jw_kint(&w, "ops", res->n_ops);
        for (int b = 0; b < BENCH_COUNT; b++) {
            int64_t calls = 0;
            double elapsed = 0, cpu = 0;
            if (bench_run((bench_kind)b, texts[k], &spec, res, seconds, &calls, &elapsed, &cpu, &e) != 0) {
                status = fail(&e);
                goto out;
            }
            jw_key(&w, bench_names[b]);
            jw_obj_begin(&w);
            jw_kint(&w, "calls", calls);
            jw_knum(&w, "seconds", elapsed);
            jw_knum(&w, "per_s_per_core", (double)calls / elapsed);
            jw_knum(&w, "us_per_call", 1e6 * elapsed / (double)calls);
            jw_knum(&w, "cpu_seconds", cpu);
            jw_knum(&w, "cpu_us_per_call", 1e6 * cpu / (double)calls);
            jw_obj_end(&w);
        }
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_obj_end(&w);
    status = emit(&w);
out:
    jw_free(&w);
    free(res);
    free(user_text);
    return status;
}

/* ---- search ------------------------------------------------------------ */

static int parse_int_opt(const char *name, const char *s, long lo, long hi, long *out) {
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || !end || *end || v < lo || v > hi) {
        fprintf(stderr, "ridge search: %s: must be an integer in %ld..%ld (got '%s')\n", name, lo, hi, s);
        return 2;
    }
    *out = v;
    return 0;
}

/* ridge search on a serve spec: deployments under the SLOs (engine/serve_search.h). */
static int search_serve(const rg_spec *spec, const rg_serve_search_opts *so) {
    rg_serve_search_result *sr = malloc(sizeof *sr);
    rg_err e = {0};
    jw w;
    int status = 0;
    jw_init(&w);
    if (!sr) {
        fprintf(stderr, "ridge: out of memory\n");
        return 1;
    }
    double t0 = now_s();
    if (rg_serve_search(spec, so, sr, &e) != 0) {
        status = fail(&e);
        goto out;
    }
    double elapsed = now_s() - t0;
    jw_obj_begin(&w);
    jw_kstr(&w, "model", spec->model.name);
    jw_kstr(&w, "hardware", spec->hw.name);
    jw_kint(&w, "chips", spec->chips);
    jw_kstr(&w, "goal", so->goal == RG_SERVE_GOAL_MIN_CHIPS ? "chips" : "goodput");
    jw_knum(&w, "min_attainment", so->min_attainment);
    jw_kint(&w, "evaluated", sr->evaluated);
    jw_kint(&w, "rejected", sr->rejected);
    jw_kint(&w, "meet_slo", sr->meet);
    jw_knum(&w, "elapsed_s", elapsed);
    jw_knum(&w, "rate_per_s", elapsed > 0 ? (double)sr->evaluated / elapsed : 0);
    jw_kint(&w, "threads", sr->threads);
    jw_key(&w, "best");
    jw_arr_begin(&w);
    for (int i = 0; i < sr->n_best; i++) {
        const rg_serve_search_entry *b = &sr->best[i];
        jw_obj_begin(&w);
        jw_kint(&w, "rank", i + 1);
        jw_kint(&w, "index", b->index);
        jw_key(&w, "parallelism");
        codec_parallel_write(&w, &b->par);
        jw_kint(&w, "max_batch", b->max_batch);
        jw_kint(&w, "chunked_prefill_tokens", b->chunked_prefill_tokens);
        if (b->disaggregated) {
            jw_key(&w, "disaggregated");
            jw_obj_begin(&w);
            jw_key(&w, "prefill");
            jw_obj_begin(&w);
            jw_kint(&w, "instances", b->prefill.instances);
            jw_kint(&w, "tp", b->prefill.tp);
            jw_obj_end(&w);
            jw_key(&w, "decode");
            jw_obj_begin(&w);
            jw_kint(&w, "instances", b->decode.instances);
            jw_kint(&w, "tp", b->decode.tp);
            jw_obj_end(&w);
            jw_obj_end(&w);
        }
        jw_kint(&w, "chips", b->chips);
        jw_knum(&w, "goodput_requests_per_s", b->goodput_requests_per_s);
        jw_knum(&w, "goodput_per_chip", b->goodput_per_chip);
        jw_knum(&w, "slo_attainment", b->slo_attainment);
        jw_knum(&w, "ttft_p99_s", b->ttft_p99_s);
        jw_knum(&w, "tpot_p99_s", b->tpot_p99_s);
        jw_knum(&w, "output_tokens_per_s_per_chip", b->output_tokens_per_s_per_chip);
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_obj_end(&w);
    status = emit(&w);
out:
    jw_free(&w);
    free(sr);
    return status;
}

int cmd_search(int argc, char **argv) {
    const char *path = NULL;
    cJSON *json = NULL;
    rg_serve_req *trace_rows = NULL;
    rg_search_result *sr = NULL;
    rg_spec spec;
    rg_err e = {0};
    rg_search_opts opts;
    jw w;
    int status = 0;
    long v = 0;
    rg_serve_search_opts so;
    bool serve_opt = false;
    calib_profile prof = {0};
    calib_applied applied;
    char prof_name[512] = "";
    rg_search_opts_init(&opts);
    rg_serve_search_opts_init(&so);
    jw_init(&w);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--top") == 0 && i + 1 < argc) {
            status = parse_int_opt("--top", argv[++i], 1, RG_SEARCH_TOP_MAX, &v);
            if (status)
                goto out;
            opts.top_n = (int)v;
        } else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
            status = parse_int_opt("--threads", argv[++i], 0, 1024, &v);
            if (status)
                goto out;
            opts.threads = (int)v;
        } else if (strcmp(argv[i], "--max-interleave") == 0 && i + 1 < argc) {
            status = parse_int_opt("--max-interleave", argv[++i], 1, 64, &v);
            if (status)
                goto out;
            opts.max_interleave = v;
        } else if (strcmp(argv[i], "--max-configs") == 0 && i + 1 < argc) {
            status = parse_int_opt("--max-configs", argv[++i], 1, 1000000000000L, &v);
            if (status)
                goto out;
            opts.max_configs = v;
        } else if (strcmp(argv[i], "--uneven-stages") == 0) {
            opts.uneven_stages = true;
        } else if (strcmp(argv[i], "--goal") == 0 && i + 1 < argc) {
            const char *g = argv[++i];
            serve_opt = true;
            if (strcmp(g, "goodput") == 0) {
                so.goal = RG_SERVE_GOAL_GOODPUT;
            } else if (strcmp(g, "chips") == 0) {
                so.goal = RG_SERVE_GOAL_MIN_CHIPS;
            } else {
                fprintf(stderr, "ridge search: --goal: must be goodput or chips (got '%s')\n", g);
                status = 2;
                goto out;
            }
        } else if (strcmp(argv[i], "--attainment") == 0 && i + 1 < argc) {
            char *end = NULL;
            double a = strtod(argv[++i], &end);
            serve_opt = true;
            if (!end || *end || !(a > 0.0 && a <= 1.0)) {
                fprintf(stderr, "ridge search: --attainment: must be a number in (0, 1] (got '%s')\n",
                        argv[i]);
                status = 2;
                goto out;
            }
            so.min_attainment = a;
        } else if (strcmp(argv[i], "--disaggregated") == 0) {
            serve_opt = true;
            so.disaggregated = true;
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            printf("usage: ridge search SPEC.json|- [--top N] [--threads T] [--max-interleave V] "
                   "[--uneven-stages]\n"
                   "  SPEC gives model, hardware, system, phase, batch (global), seq_len and chips;\n"
                   "  its parallelism is ignored: every valid layout of the chips is evaluated.\n"
                   "  --uneven-stages: also pipeline depths that do not divide the layers.\n"
                   "  --max-configs N: refuse spaces larger than N configurations (default 1e9).\n"
                   "  A \"phase\": \"serve\" spec searches deployments under its SLOs instead:\n"
                   "  --goal goodput|chips (highest goodput per chip, or fewest chips reaching\n"
                   "  --attainment A of requests within the SLOs, default 0.99), --disaggregated\n"
                   "  (also prefill/decode pool splits).\n");
            goto out;
        } else if (!path) {
            path = argv[i];
        } else {
            fprintf(stderr, "ridge search: unknown argument '%s'\n", argv[i]);
            status = 2;
            goto out;
        }
    }
    if (!path) {
        fprintf(stderr, "usage: ridge search SPEC.json|- [--top N] [--threads T]\n");
        status = 2;
        goto out;
    }
    json = load_json(path, &status);
    if (!json)
        goto out;
    if ((status = cli_calibration_resolve(json, &prof, &applied, prof_name, sizeof prof_name)))
        goto out;
    if (codec_spec_parse_rows(json, &spec, false, &trace_rows, &e) != 0) {
        status = fail(&e);
        goto out;
    }
    if (spec.chips < 1) {
        rg_err_set(&e, RG_EMISSING, "chips", "the search needs the total chip count (chips >= 1)");
        status = fail(&e);
        goto out;
    }
    if (spec.chips > 1 && !spec.has_system) {
        rg_err_set(&e, RG_EMISSING, "system", "a system is needed for %lld chips", (long long)spec.chips);
        status = fail(&e);
        goto out;
    }
    if (spec.phase == RG_PHASE_SERVE) {
        so.top_n = opts.top_n;
        so.threads = opts.threads;
        if (opts.max_configs != RG_SEARCH_MAX_CONFIGS)
            so.max_configs = opts.max_configs;
        status = search_serve(&spec, &so);
        goto out;
    }
    if (serve_opt) {
        fprintf(stderr,
                "ridge search: --goal, --attainment and --disaggregated need a \"phase\": \"serve\" spec\n");
        status = 2;
        goto out;
    }
    sr = malloc(sizeof *sr);
    if (!sr) {
        fprintf(stderr, "ridge: out of memory\n");
        status = 1;
        goto out;
    }
    double t0 = now_s();
    if (rg_search(&spec, &opts, sr, &e) != 0) {
        status = fail(&e);
        goto out;
    }
    double elapsed = now_s() - t0;
    char sha[65] = "";
    codec_spec_sha256(&spec, sha);
    jw_obj_begin(&w);
    jw_kstr(&w, "model", spec.model.name);
    jw_kstr(&w, "hardware", spec.hw.name);
    jw_kstr(&w, "system", spec.has_system ? spec.system.name : "");
    jw_kint(&w, "chips", spec.chips);
    jw_kint(&w, "batch", spec.batch);
    jw_kint(&w, "seq_len", spec.seq_len);
    jw_kint(&w, "evaluated", sr->evaluated);
    jw_kint(&w, "feasible", sr->feasible);
    jw_kint(&w, "no_fit", sr->no_fit);
    jw_kint(&w, "rejected", sr->rejected);
    jw_knum(&w, "elapsed_s", elapsed);
    jw_knum(&w, "rate_per_s", elapsed > 0 ? (double)sr->evaluated / elapsed : 0);
    jw_knum(&w, "rate_per_s_per_thread", elapsed > 0 ? (double)sr->evaluated / elapsed / sr->threads : 0);
    jw_kint(&w, "threads", sr->threads);
    jw_kbool(&w, "uneven_stages", opts.uneven_stages);
    jw_kint(&w, "max_interleave", opts.max_interleave);
    jw_kstr(&w, "base_spec_sha256", sha);
    jw_key(&w, "best");
    jw_arr_begin(&w);
    for (int i = 0; i < sr->n_best; i++)
        codec_search_entry_write(&w, &spec, &sr->best[i], i + 1);
    jw_arr_end(&w);
    jw_obj_end(&w);
    status = emit(&w);
out:
    jw_free(&w);
    free(sr);
    free(trace_rows);
    cJSON_Delete(json);
    calib_profile_free(&prof);
    return status;
}

/* ridge import-model CONFIG.json|- : a Hugging Face config.json as Ridge's
 * model object, each field with the config key or family default it came
 * from, and the parameter counts. */
int cmd_import_model(int argc, char **argv) {
    int status = 0;
    rg_err e = {0};
    jw w;
    if (argc != 2) {
        fprintf(stderr, "usage: ridge import-model CONFIG.json|-\n");
        return 2;
    }
    cJSON *cfg = load_json_as(argv[1], &status, true);
    if (!cfg)
        return status;
    jw_init(&w);
    int rc = codec_hf_import_write(&w, cfg, &e);
    cJSON_Delete(cfg);
    if (rc) {
        jw_free(&w);
        return fail(&e);
    }
    return emit(&w);
}
