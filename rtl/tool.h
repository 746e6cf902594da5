/* tool.h: running the EDA tools (iverilog, vvp, verilator, yosys, sta) as
 * child processes: no shell, stdin from /dev/null, stdout and stderr into a
 * log file, a timeout, and errors that say which Debian package provides a
 * missing tool or which line of the log explains a failure. */
#ifndef RTL_TOOL_H
#define RTL_TOOL_H

#include <stddef.h>

#include "status.h"

typedef struct rtl_tool {
    const char *bin;
    const char *package; /* Debian 12 package that provides bin */
} rtl_tool;

/* Runs argv (argv[0] looked up on PATH) to completion with output into
 * `log`. Returns 0 when it exits 0; RG_ENOTFOUND (message: the package to
 * install) when it is missing; RG_EIO (field = the tool, message = the
 * log's last meaningful line) when it fails or runs past timeout_s. With
 * `exit_status` non-NULL a non-zero exit is not an error: it is stored. */
int rtl_tool_run(const rtl_tool *t, char *const argv[], const char *log, double timeout_s, int *exit_status,
                 rg_err *err);
/* Runs n instances at once (argvs[i] with output into logs[i]), in the
 * directory `cwd` (NULL: the current one), and waits for all of them; the
 * result is the first failure's, as rtl_tool_run reports it. */
int rtl_tool_run_many(const rtl_tool *t, char *const *const argvs[], const char *const logs[], int n,
                      const char *cwd, double timeout_s, rg_err *err);
/* The first line `bin flag` prints, into out. */
int rtl_tool_version(const rtl_tool *t, const char *flag, const char *log, char *out, size_t n, rg_err *err);

/* A whole file as a NUL-terminated string (caller frees); NULL on error. */
char *rtl_read_text(const char *path, size_t *len);
/* The last line starting "ERROR"/"Error"/"%Error", else the last non-blank
 * line of `log`, into out. */
void rtl_last_meaningful_line(const char *log, char *out, size_t n);
double rtl_now_s(void);
/* Removes a directory tree (files and subdirectories; links are not
 * followed). Returns 0 or RG_EIO. */
int rtl_remove_tree(const char *dir);

#endif
