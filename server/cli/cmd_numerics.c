/* cmd_numerics.c: placeholder until the subcommands land. */
#include <stdio.h>
#include "cli.h"
int cmd_formats(int argc, char **argv) {
    (void)argc;
    fprintf(stderr, "ridge %s: not available in this build\n", argv[0]);
    return 1;
}
int cmd_qdq(int argc, char **argv) {
    (void)argc;
    fprintf(stderr, "ridge %s: not available in this build\n", argv[0]);
    return 1;
}
int cmd_quantize(int argc, char **argv) {
    (void)argc;
    fprintf(stderr, "ridge %s: not available in this build\n", argv[0]);
    return 1;
}
int cmd_bench_numerics(int argc, char **argv) {
    (void)argc;
    fprintf(stderr, "ridge %s: not available in this build\n", argv[0]);
    return 1;
}
