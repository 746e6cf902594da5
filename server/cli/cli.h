/* cli.h: the `ridge` subcommands. Each returns the process exit status:
 * 0 success, 2 bad input (message on stderr names the field), 1 other
 * failure. */
#ifndef RG_CLI_H
#define RG_CLI_H

#include <stddef.h>

typedef int (*cli_fn)(int argc, char **argv);

typedef struct cli_command {
    const char *name;
    cli_fn fn;
    const char *usage;
    const char *summary;
} cli_command;

/* Read a whole file ("-" = stdin) into a NUL-terminated buffer the caller
 * frees. Returns NULL (errno set) on failure. */
char *cli_read_file(const char *path, size_t *len);

/* A spec's "serving.trace_file": the CSV or JSON-lines file (codec_trace.h)
 * at that path, relative to the directory of `spec_path` (the working
 * directory when the spec came from stdin), becomes serving.arrival.trace
 * and the key is removed. Returns 0 (no key, or read), or exit status 2
 * with a message naming serving.trace_file (and the line) printed; the spec
 * is unchanged then. */
struct cJSON;
int cli_trace_resolve(struct cJSON *json, const char *spec_path);

int cmd_evaluate(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_presets(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_search(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_calibrate(int argc, char **argv);

/* A spec's "calibration": PROFILE.json (ridge calibrate --out) sets the
 * fitted assumptions the spec does not name itself (calib_apply_json; the
 * key is removed). Returns 0 (no key, or applied: *prof owned by the
 * caller, `name` set), or the exit status with a message printed. */
struct calib_profile;
struct calib_applied;
struct cJSON;
int cli_calibration_resolve(struct cJSON *json, struct calib_profile *prof, struct calib_applied *ap,
                            char *name, size_t nlen);
int cmd_formats(int argc, char **argv);
int cmd_recipes(int argc, char **argv);
int cmd_qdq(int argc, char **argv);
int cmd_quantize(int argc, char **argv);
int cmd_bench_numerics(int argc, char **argv);
int cmd_matmul(int argc, char **argv);
int cmd_rtl(int argc, char **argv);
int cmd_ppa(int argc, char **argv);
int cmd_import_model(int argc, char **argv);

#endif
