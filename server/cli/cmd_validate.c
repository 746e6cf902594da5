/* cmd_validate.c: placeholder until the subcommands land. */
#include <stdio.h>
#include "cli.h"
int cmd_validate(int argc, char **argv) {
    (void)argc;
    fprintf(stderr, "ridge %s: not available in this build\n", argv[0]);
    return 1;
}
