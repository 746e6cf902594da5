/* cmd_evaluate.c: placeholder until the subcommands land. */
#include <stdio.h>
#include "cli.h"
int cmd_evaluate(int argc, char **argv) {
    (void)argc;
    fprintf(stderr, "ridge %s: not available in this build\n", argv[0]);
    return 1;
}
int cmd_presets(int argc, char **argv) {
    (void)argc;
    fprintf(stderr, "ridge %s: not available in this build\n", argv[0]);
    return 1;
}
int cmd_bench(int argc, char **argv) {
    (void)argc;
    fprintf(stderr, "ridge %s: not available in this build\n", argv[0]);
    return 1;
}
int cmd_search(int argc, char **argv) {
    (void)argc;
    fprintf(stderr, "ridge %s: not available in this build\n", argv[0]);
    return 1;
}
