/* embedded.h: data files (presets, assumption defaults) compiled into the
 * binaries from data/ by cmake/embed.cmake, so a ridge binary needs no
 * install tree. Paths are relative to data/ ("hardware/h100-sxm.json"). */
#ifndef RG_EMBEDDED_H
#define RG_EMBEDDED_H

#include <stddef.h>

typedef struct rg_embedded_file {
    const char *path;
    const char *data; /* NUL-terminated */
    size_t size;
} rg_embedded_file;

extern const rg_embedded_file rg_embedded_files[];
extern const int rg_embedded_count;
/* The git commit of the build ("unknown" outside a checkout). */
extern const char *const rg_git_commit;

#endif
