/* tool.c: child processes for the EDA tools (see tool.h). */
#include "tool.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <unistd.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

char *rtl_read_text(const char *path, size_t *len) {
    char *buf = NULL;
    FILE *f = fopen(path, "rb");
    long n = 0;
    if (f == NULL)
        goto out;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
        goto out;
    buf = malloc((size_t)n + 1);
    if (buf == NULL)
        goto out;
    if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
        goto out;
    }
    buf[n] = '\0';
    if (len)
        *len = (size_t)n;
out:
    if (f != NULL)
        fclose(f);
    return buf;
}

static int is_error_line(const char *q) {
    return strncmp(q, "ERROR", 5) == 0 || strncmp(q, "Error", 5) == 0 || strncmp(q, "%Error", 6) == 0;
}

void rtl_last_meaningful_line(const char *log, char *out, size_t n) {
    const char *best = NULL, *last = NULL;
    size_t best_len = 0, last_len = 0;
    for (const char *p = log; p != NULL && *p;) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        const char *q = p;
        while (q < p + len && (*q == ' ' || *q == '\t' || *q == '\r'))
            q++;
        if (q < p + len) {
            last = q;
            last_len = len - (size_t)(q - p);
            if (is_error_line(q)) {
                best = last;
                best_len = last_len;
            }
        }
        p = e ? e + 1 : NULL;
    }
    if (best == NULL) {
        best = last;
        best_len = last_len;
    }
    if (best == NULL)
        snprintf(out, n, "(empty log)");
    else
        snprintf(out, n, "%.*s", (int)(best_len < n ? best_len : n - 1), best);
}

double rtl_now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int spawn_tool(const rtl_tool *t, char *const argv[], const char *log, const char *cwd, pid_t *pid,
                      rg_err *err) {
    posix_spawn_file_actions_t fa;
    int rc = 0, e = 0;
    if (posix_spawn_file_actions_init(&fa) != 0)
        return rg_err_set(err, RG_ENOMEM, t->bin, "cannot prepare to run %s", t->bin);
    if (posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0) != 0 ||
        posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0644) != 0 ||
        posix_spawn_file_actions_adddup2(&fa, 1, 2) != 0 ||
        (cwd && posix_spawn_file_actions_addchdir_np(&fa, cwd) != 0)) {
        rc = rg_err_set(err, RG_ENOMEM, t->bin, "cannot prepare to run %s", t->bin);
        goto out;
    }
    e = posix_spawnp(pid, t->bin, &fa, NULL, argv, environ);
    if (e == ENOENT)
        rc = rg_err_set(err, RG_ENOTFOUND, t->bin, "%s not found on PATH: install the Debian package %s",
                        t->bin, t->package);
    else if (e != 0)
        rc = rg_err_set(err, RG_EIO, t->bin, "cannot run %s: %s", t->bin, strerror(e));
out:
    posix_spawn_file_actions_destroy(&fa);
    return rc;
}

/* Waits for pid, killing it once timeout_s have passed (polled every 5 ms). */
static int wait_tool(const rtl_tool *t, pid_t pid, double timeout_s, int *status, int *timed_out,
                     rg_err *err) {
    const struct timespec tick = {0, 5 * 1000 * 1000};
    double deadline = rtl_now_s() + timeout_s;
    *timed_out = 0;
    for (;;) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid)
            return 0;
        if (r < 0 && errno != EINTR)
            return rg_err_set(err, RG_EIO, t->bin, "waiting for %s: %s", t->bin, strerror(errno));
        if (r == 0 && rtl_now_s() > deadline && !*timed_out) {
            kill(pid, SIGKILL);
            *timed_out = 1;
        }
        nanosleep(&tick, NULL);
    }
}

/* The verdict on a finished run: 0, or RG_EIO with the log's explanation. */
static int verdict(const rtl_tool *t, int status, int timed_out, const char *log, double timeout_s,
                   int *exit_status, rg_err *err) {
    char line[200];
    char *text = NULL;
    int rc = 0;
    if (!timed_out && WIFEXITED(status) && (WEXITSTATUS(status) == 0 || exit_status)) {
        if (exit_status)
            *exit_status = WEXITSTATUS(status);
        return 0;
    }
    text = rtl_read_text(log, NULL);
    rtl_last_meaningful_line(text, line, sizeof line);
    if (timed_out)
        rc = rg_err_set(err, RG_EIO, t->bin, "%s stopped after %.0f s; log: %s", t->bin, timeout_s, line);
    else if (WIFSIGNALED(status))
        rc = rg_err_set(err, RG_EIO, t->bin, "%s killed by signal %d; log: %s", t->bin, WTERMSIG(status),
                        line);
    else
        rc = rg_err_set(err, RG_EIO, t->bin, "%s exited %d: %s", t->bin, WEXITSTATUS(status), line);
    free(text);
    return rc;
}

int rtl_tool_run(const rtl_tool *t, char *const argv[], const char *log, double timeout_s, int *exit_status,
                 rg_err *err) {
    int status = 0, timed_out = 0;
    pid_t pid = 0;
    int rc = spawn_tool(t, argv, log, NULL, &pid, err);
    if (rc == 0)
        rc = wait_tool(t, pid, timeout_s, &status, &timed_out, err);
    if (rc == 0)
        rc = verdict(t, status, timed_out, log, timeout_s, exit_status, err);
    return rc;
}

#define RTL_MAX_PARALLEL 16

int rtl_tool_run_many(const rtl_tool *t, char *const *const argvs[], const char *const logs[], int n,
                      const char *cwd, double timeout_s, rg_err *err) {
    pid_t pids[RTL_MAX_PARALLEL];
    int started = 0, rc = 0;
    if (n < 1 || n > RTL_MAX_PARALLEL)
        return rg_err_set(err, RG_ERANGE, t->bin, "%d parallel runs", n);
    for (; started < n; started++) {
        rc = spawn_tool(t, argvs[started], logs[started], cwd, &pids[started], err);
        if (rc < 0)
            break;
    }
    /* wait for every child that started, whatever happened to the others */
    for (int i = 0; i < started; i++) {
        int status = 0, timed_out = 0;
        rg_err e = {0};
        int r = wait_tool(t, pids[i], timeout_s, &status, &timed_out, &e);
        if (r == 0)
            r = verdict(t, status, timed_out, logs[i], timeout_s, NULL, &e);
        if (r < 0 && rc == 0) {
            rc = r;
            if (err)
                *err = e;
        }
    }
    return rc;
}

int rtl_tool_version(const rtl_tool *t, const char *flag, const char *log, char *out, size_t n, rg_err *err) {
    char *argv[] = {(char *)t->bin, (char *)flag, NULL};
    char *text = NULL;
    int rc = rtl_tool_run(t, argv, log, 60, NULL, err);
    if (rc != 0)
        goto out;
    text = rtl_read_text(log, NULL);
    if (text == NULL) {
        rc = rg_err_set(err, RG_EIO, t->bin, "cannot read %s: %s", log, strerror(errno));
        goto out;
    }
    text[strcspn(text, "\r\n")] = '\0';
    snprintf(out, n, "%s", text);
out:
    free(text);
    return rc;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st;
    (void)ftw;
    return flag == FTW_DP ? rmdir(path) : unlink(path);
}

int rtl_remove_tree(const char *dir) {
    return nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : RG_EIO;
}
