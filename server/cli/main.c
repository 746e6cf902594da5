/* main.c: `ridge`, the command-line front end. A table of subcommands; each
 * lives in its own cmd_*.c file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "codec.h"

static const cli_command commands[] = {
    {"evaluate", cmd_evaluate, "evaluate [--canonical] SPEC.json|-", "evaluate one design point, print JSON"},
    {"compare", cmd_compare, "compare A.json B.json [--ops N]",
     "evaluate two specs, print differences in inputs, assumptions, results and ops"},
    {"presets", cmd_presets, "presets", "list hardware, model and system presets"},
    {"import-model", cmd_import_model, "import-model CONFIG.json|-",
     "a Hugging Face config.json as Ridge's model object, each field with its source"},
    {"search", cmd_search,
     "search SPEC.json|- [--top N] [--threads T] [--max-interleave V] [--uneven-stages] "
     "[--goal goodput|chips] [--attainment A] [--disaggregated]",
     "search parallel strategies for a model on a system (serve specs: deployments under the SLOs)"},
    {"validate", cmd_validate, "validate [--data DIR] [--json]",
     "compare predictions with measured training iteration times"},
    {"calibrate", cmd_calibrate,
     "calibrate --measurements FILE --out PROFILE.json | check FILE | explain SPEC.json",
     "fit op models to measured rows, check predictions, explain a measured step's gap"},
    {"bench", cmd_bench, "bench [--seconds S] [SPEC.json]",
     "measure design points evaluated per second per core"},
    {"formats", cmd_formats, "formats", "list number formats and their parameters"},
    {"recipes", cmd_recipes, "recipes", "list the numerics recipes (block-scaled schemes) and their sources"},
    {"qdq", cmd_qdq, "qdq --format F [options] < in.f32 > out.f32",
     "quantize-dequantize raw float32 from stdin to stdout"},
    {"quantize", cmd_quantize, "quantize --format F [options] (--input FILE | --dist D --n N --seed S)",
     "emulate a format on data and print quality metrics"},
    {"rtl", cmd_rtl,
     "rtl --unit mul|mac|dot --format F [--acc A] [--align-bits N] [--cosim] [--synth] --out DIR",
     "generate a numerics unit's Verilog; co-simulate it against the C model and synthesize it"},
    {"ppa", cmd_ppa,
     "ppa [--units mul,mac,dot] [--formats LIST] [--clock-ns T] [--cosim] [--json] [--out FILE]",
     "synthesize every unit x format; area, delay and energy per operation, each relative to bf16"},
    {"bench-numerics", cmd_bench_numerics, "bench-numerics [--n N]",
     "measure quantization kernel throughput against memcpy"},
    {"matmul", cmd_matmul,
     "matmul --a A.npy --b B.npy (--a-format F --b-format G [--acc ACC] [--align-bits N] | --a-recipe R "
     "--b-recipe S)",
     "multiply two .npy matrices through the unit models, print the error against float64"},
};

static void usage(FILE *f) {
    fprintf(f, "ridge %s (%s): design-space exploration for ML silicon\n\nusage: ridge COMMAND [ARGS]\n\n",
            codec_engine_version(), codec_git_commit());
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-16s %s\n      ridge %s\n", commands[i].name, commands[i].summary, commands[i].usage);
}

char *cli_read_file(const char *path, size_t *len) {
    FILE *f = NULL;
    char *buf = NULL;
    size_t n = 0, cap = 0;
    int saved = 0;
    f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return NULL;
    for (;;) {
        if (n + 65536 + 1 > cap) {
            size_t ncap = cap ? cap * 2 : 131072;
            char *nb = realloc(buf, ncap);
            if (!nb) {
                saved = ENOMEM;
                free(buf);
                buf = NULL;
                goto out;
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) {
            if (ferror(f)) {
                saved = EIO;
                free(buf);
                buf = NULL;
            }
            break;
        }
    }
    if (buf) {
        buf[n] = '\0';
        if (len)
            *len = n;
    }
out:
    if (f && f != stdin)
        fclose(f);
    if (saved)
        errno = saved;
    return buf;
}

int main(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("ridge %s %s\n", codec_engine_version(), codec_git_commit());
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "ridge: unknown command '%s' (try 'ridge help')\n", argv[1]);
    return 2;
}
