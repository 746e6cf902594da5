/* rtl_worker.c: the lease loop of an RTL worker (see rtl_job.h).
 *
 * claim:    one UPDATE over a SELECT ... FOR UPDATE SKIP LOCKED takes the
 *           oldest queued job, or a running one whose lease expired, and
 *           sets attempts + 1, owner and lease expiry, so a job queued on
 *           one replica runs on whichever replica is free.
 * run:      `ridged rtl-exec` in its own process group inside a fresh
 *           temporary directory; while it runs the thread renews the lease
 *           every third of a lease, and kills the group on shutdown (the
 *           job is handed back), on a lost lease or past RTL_JOB_TIMEOUT_S.
 * complete: one UPDATE fenced on (id, attempts, owner, status running)
 *           stores the result, the Verilog and its SHA-256, or the
 *           failure with the tool's message. A worker that lost its lease
 *           matches no row, so an outcome is recorded exactly once.
 * No transaction is held while the flow runs. LISTEN/NOTIFY only shortens
 * the wait; the poll timeout is the fallback. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wakeup.h"
#include "rtl_job.h"
#include "sha256.h"

#define RTL_POLL_MS 1000

extern char **environ;

typedef struct rworker {
    rtl_workers *rw;
    int index;
    int evfd;
    PGconn *pg;
    char owner[192];
    pthread_t thread;
    bool started;
} rworker;

struct rtl_workers {
    ridged *rd;
    int n;
    rworker *w;
};

typedef struct job {
    char id[24], attempts[16];
    int attempts_n;
    char *request; /* malloc'd canonical request text */
} job;

typedef enum { FLOW_EXITED, FLOW_STOPPED, FLOW_LOST, FLOW_TIMEOUT, FLOW_SPAWN_FAILED } flow_end;

static bool stopping(const rworker *w) { return atomic_load(&w->rw->rd->stopping); }

static void quiet_notice(void *arg, const char *msg) {}

static PGresult *exec(rworker *w, const char *sql, int n, const char *const *p) {
    return PQexecParams(w->pg, sql, n, NULL, p, NULL, NULL, 0);
}

static double mono_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static bool ensure_conn(rworker *w) {
    if (w->pg && PQstatus(w->pg) == CONNECTION_OK)
        return true;
    if (w->pg) {
        PQreset(w->pg);
    } else {
        w->pg = PQconnectdb(w->rw->rd->cfg.db);
        if (w->pg)
            PQsetNoticeProcessor(w->pg, quiet_notice, NULL);
    }
    if (!w->pg || PQstatus(w->pg) != CONNECTION_OK)
        return false;
    char set[160];
    snprintf(set, sizeof set, "SET application_name = 'rgrtl'; SET statement_timeout = %d",
             w->rw->rd->cfg.lease_s * 1000);
    PGresult *r = PQexec(w->pg, set);
    bool ok = db_ok(r);
    PQclear(r);
    r = PQexec(w->pg, "LISTEN ridge_rtl");
    ok = ok && db_ok(r);
    PQclear(r);
    return ok;
}

/* Waits up to `ms` for a notification, a wake-up or the stop request. */
static void wait_for_work(rworker *w, int ms) { wakeup_wait(w->evfd, w->pg, ms); }

/* Returns 1 with *j filled (j->request malloc'd), 0 when there is no work,
 * -1 on a database error. */
static int claim(rworker *w, job *j) {
    static const char sql[] =
        "UPDATE rtl_jobs j SET status = 'running', attempts = j.attempts + 1, owner = $1, lease_expires = "
        "now() + make_interval(secs => $2::double precision), started_at = now() FROM (SELECT id FROM "
        "rtl_jobs WHERE status = 'queued' OR (status = 'running' AND lease_expires < now()) ORDER BY id "
        "LIMIT 1 FOR UPDATE SKIP LOCKED) t WHERE j.id = t.id RETURNING j.id, j.attempts, j.request";
    char lease[16];
    snprintf(lease, sizeof lease, "%d", w->rw->rd->cfg.lease_s);
    const char *p[2] = {w->owner, lease};
    PGresult *r = exec(w, sql, 2, p);
    int rc = 0;
    if (!db_ok(r)) {
        fprintf(stderr, "ridged: %s: RTL claim failed: %s", w->owner, PQresultErrorMessage(r));
        rc = -1;
    } else if (PQntuples(r) == 1) {
        snprintf(j->id, sizeof j->id, "%s", PQgetvalue(r, 0, 0));
        snprintf(j->attempts, sizeof j->attempts, "%s", PQgetvalue(r, 0, 1));
        j->attempts_n = atoi(j->attempts);
        j->request = strdup(PQgetvalue(r, 0, 2));
        rc = j->request ? 1 : -1;
    }
    PQclear(r);
    return rc;
}

/* Runs a statement fenced on the job's claim. Returns 1 when it matched,
 * 0 when the lease was lost, -1 on a database error (SQLSTATE in `state`). */
static int fenced(rworker *w, const char *sql, const job *j, int n, const char *const *extra, char state[6]) {
    const char *p[8] = {j->id, j->attempts, w->owner};
    for (int i = 0; i < n && i < 5; i++)
        p[3 + i] = extra[i];
    PGresult *r = exec(w, sql, 3 + n, p);
    int rc = -1;
    if (state)
        state[0] = '\0';
    if (db_ok(r)) {
        rc = strcmp(PQcmdTuples(r), "1") == 0;
    } else {
        if (state)
            snprintf(state, 6, "%s", db_sqlstate(r));
        fprintf(stderr, "ridged: %s: RTL job %s: %s", w->owner, j->id, PQresultErrorMessage(r));
    }
    PQclear(r);
    return rc;
}

static int renew(rworker *w, const job *j) {
    static const char sql[] =
        "UPDATE rtl_jobs SET lease_expires = now() + make_interval(secs => $4::double precision) WHERE id = "
        "$1 AND attempts = $2 AND owner = $3 AND status = 'running'";
    char lease[16];
    snprintf(lease, sizeof lease, "%d", w->rw->rd->cfg.lease_s);
    const char *p[1] = {lease};
    return fenced(w, sql, j, 1, p, NULL);
}

/* Gives the job back (shutdown): another replica takes it at once. */
static void release(rworker *w, const job *j) {
    static const char sql[] =
        "UPDATE rtl_jobs SET status = 'queued', owner = NULL, lease_expires = NULL WHERE "
        "id = $1 AND attempts = $2 AND owner = $3 AND status = 'running'";
    fenced(w, sql, j, 0, NULL, NULL);
}

static int store_failure(rworker *w, const job *j, const char *why) {
    static const char sql[] =
        "UPDATE rtl_jobs SET status = 'failed', error = $4, replica = $5, finished_at = now(), lease_expires "
        "= NULL WHERE id = $1 AND attempts = $2 AND owner = $3 AND status = 'running'";
    const char *p[2] = {why, w->rw->rd->cfg.replica};
    fprintf(stderr, "ridged: RTL job %s failed: %s\n", j->id, why);
    int rc = fenced(w, sql, j, 2, p, NULL);
    if (rc == 1)
        atomic_fetch_add_explicit(&w->rw->rd->m.rtl_jobs_failed, 1, memory_order_relaxed);
    return rc;
}

/* rtl_run's `dir` names the flow's temporary directory, gone once the job
 * is recorded: it is left out of the stored result. */
static int store_result(rworker *w, const job *j, const char *json, const char *verilog, size_t vlen) {
    static const char sql[] =
        "UPDATE rtl_jobs SET status = 'done', result = $4::jsonb - 'dir', verilog = $5, verilog_sha256 = $6, "
        "replica "
        "= $7, finished_at = now(), lease_expires = NULL WHERE id = $1 AND attempts = $2 AND owner = $3 AND "
        "status = 'running'";
    char sha[65], state[6];
    sha256_hex(verilog, vlen, sha);
    const char *p[4] = {json, verilog, sha, w->rw->rd->cfg.replica};
    int rc = fenced(w, sql, j, 4, p, state);
    if (rc < 0 && strncmp(state, "22", 2) == 0) /* data the database refuses: a flow defect, not transient */
        rc = store_failure(w, j, "the flow's result was refused by the database (not valid JSON or text)");
    else if (rc == 1)
        atomic_fetch_add_explicit(&w->rw->rd->m.rtl_jobs_done, 1, memory_order_relaxed);
    return rc;
}

/* Reads a small file into a malloc'd NUL-terminated buffer; NULL if absent. */
static char *slurp(const char *path, size_t *len) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    char *buf = NULL;
    size_t n = 0, cap = 0;
    if (fd < 0)
        return NULL;
    for (;;) {
        if (cap - n < 65536) {
            char *nb = realloc(buf, cap + 65536 + 1);
            if (!nb)
                goto fail;
            buf = nb;
            cap += 65536;
        }
        ssize_t k = read(fd, buf + n, cap - n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            goto fail;
        if (k == 0)
            break;
        n += (size_t)k;
    }
    close(fd);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
fail:
    close(fd);
    free(buf);
    return NULL;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    return remove(path);
}

static void remove_tree(const char *dir) {
    if (nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
        fprintf(stderr, "ridged: cannot remove %s: %s\n", dir, strerror(errno));
}

/* Starts `ridged rtl-exec` in `tmp`, in its own process group, with the
 * default signal mask and dispositions (ridged blocks SIGTERM and ignores
 * SIGPIPE; a flow must not inherit either). Returns the pid or -1. */
static pid_t spawn_flow(const char *tmp, const char *liberty) {
    char req[4200], out[4200], res[4200], ver[4200], err[4200];
    snprintf(req, sizeof req, "%s/request.json", tmp);
    snprintf(out, sizeof out, "%s/unit", tmp);
    snprintf(res, sizeof res, "%s/result.json", tmp);
    snprintf(ver, sizeof ver, "%s/verilog.v", tmp);
    snprintf(err, sizeof err, "%s/error.txt", tmp);
    char *argv[] = {"ridged", "rtl-exec", req, out, res, ver, err, (char *)liberty, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    sigset_t none, def;
    pid_t pid = -1;
    sigemptyset(&none);
    sigemptyset(&def);
    sigaddset(&def, SIGPIPE);
    sigaddset(&def, SIGTERM);
    sigaddset(&def, SIGINT);
    if (posix_spawn_file_actions_init(&fa))
        return -1;
    if (posix_spawnattr_init(&at)) {
        posix_spawn_file_actions_destroy(&fa);
        return -1;
    }
    int rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    rc = rc ? rc : posix_spawn_file_actions_adddup2(&fa, 2, 1); /* its chatter goes to ridged's log */
    rc = rc ? rc : posix_spawnattr_setpgroup(&at, 0);
    rc = rc ? rc : posix_spawnattr_setsigmask(&at, &none);
    rc = rc ? rc : posix_spawnattr_setsigdefault(&at, &def);
    rc = rc ? rc
            : posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                                POSIX_SPAWN_SETSIGDEF);
    rc = rc ? rc : posix_spawn(&pid, "/proc/self/exe", &fa, &at, argv, environ);
    if (rc) {
        fprintf(stderr, "ridged: cannot start the RTL flow: %s\n", strerror(rc));
        pid = -1;
    }
    posix_spawnattr_destroy(&at);
    posix_spawn_file_actions_destroy(&fa);
    return pid;
}

/* Ends the flow's process group: SIGTERM, then SIGKILL after 2 s. */
static void kill_flow(pid_t pid) {
    int st;
    kill(-pid, SIGTERM);
    for (int i = 0; i < 100; i++) {
        if (waitpid(pid, &st, WNOHANG) == pid) {
            kill(-pid, SIGKILL); /* tools the flow started and left behind */
            return;
        }
        usleep(20000);
    }
    kill(-pid, SIGKILL);
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
}

/* Runs the flow for job `j` in `tmp` and waits for it, renewing the lease.
 * On FLOW_EXITED, *status is the waitpid status. */
static flow_end run_flow(rworker *w, const job *j, const char *tmp, int *status) {
    const ridged_config *cfg = &w->rw->rd->cfg;
    pid_t pid = spawn_flow(tmp, cfg->rtl_liberty);
    if (pid < 0)
        return FLOW_SPAWN_FAILED;
    int pfd = (int)syscall(SYS_pidfd_open, pid, 0); /* exact wake-up on exit; polling without it */
    double t0 = mono_s(), renew_every = cfg->lease_s / 3.0, next = t0 + renew_every;
    flow_end end = FLOW_EXITED;
    for (;;) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid)
            break;
        if (stopping(w)) {
            end = FLOW_STOPPED;
            break;
        }
        double now = mono_s();
        if (now - t0 > RTL_JOB_TIMEOUT_S) {
            end = FLOW_TIMEOUT;
            break;
        }
        if (now >= next) {
            if (ensure_conn(w) && renew(w, j) == 0) { /* a database error is retried next time */
                end = FLOW_LOST;
                break;
            }
            next = now + renew_every;
        }
        struct pollfd fds[2] = {{.fd = w->evfd, .events = POLLIN}, {.fd = pfd, .events = POLLIN}};
        int ms = (int)((next - now) * 1000) + 1;
        if (pfd < 0 && ms > 200)
            ms = 200;
        if (poll(fds, 2, ms) > 0 && (fds[0].revents & POLLIN))
            wakeup_drain(w->evfd);
    }
    if (end != FLOW_EXITED)
        kill_flow(pid);
    if (pfd >= 0)
        close(pfd);
    return end;
}

/* The job's outcome from the flow's files in `tmp`. */
static void record(rworker *w, const job *j, const char *tmp, int status) {
    char path[4200], why[700];
    int rc = -1;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        size_t vlen = 0;
        snprintf(path, sizeof path, "%s/result.json", tmp);
        char *json = slurp(path, NULL);
        snprintf(path, sizeof path, "%s/verilog.v", tmp);
        char *v = slurp(path, &vlen);
        if (json && v)
            rc = store_result(w, j, json, v, vlen);
        else
            rc = store_failure(w, j, "the RTL flow finished without its result files");
        free(json);
        free(v);
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 1) {
        snprintf(path, sizeof path, "%s/error.txt", tmp);
        char *msg = slurp(path, NULL);
        rc = store_failure(w, j, msg && msg[0] ? msg : "the RTL flow failed without a message");
        free(msg);
    } else {
        if (WIFSIGNALED(status))
            snprintf(why, sizeof why, "the RTL flow process was ended by signal %d (%s)", WTERMSIG(status),
                     strsignal(WTERMSIG(status)));
        else
            snprintf(why, sizeof why,
                     "the RTL flow process could not run (exit status %d; see the log of %s)",
                     WEXITSTATUS(status), w->rw->rd->cfg.replica);
        rc = store_failure(w, j, why);
    }
    if (rc == 0) {
        atomic_fetch_add_explicit(&w->rw->rd->m.rtl_jobs_lost, 1, memory_order_relaxed);
        fprintf(stderr, "ridged: %s: lease on RTL job %s was lost; outcome discarded\n", w->owner, j->id);
    }
}

static void process(rworker *w, const job *j) {
    const char *base = getenv("TMPDIR");
    char tmp[4096], path[4200], why[200];
    int status = 0;
    if (j->attempts_n > w->rw->rd->cfg.max_attempts) {
        snprintf(why, sizeof why, "RTL job %s was claimed %d times without completing", j->id,
                 j->attempts_n - 1);
        store_failure(w, j, why);
        return;
    }
    snprintf(tmp, sizeof tmp, "%s/ridge-rtl-%s-XXXXXX", base && base[0] ? base : "/tmp", j->id);
    if (!mkdtemp(tmp)) {
        fprintf(stderr, "ridged: %s: cannot create %s: %s\n", w->owner, tmp, strerror(errno));
        release(w, j);
        wait_for_work(w, RTL_POLL_MS); /* a replica's own trouble: let another one take the job */
        return;
    }
    snprintf(path, sizeof path, "%s/request.json", tmp);
    FILE *f = fopen(path, "w");
    bool ok = f && fputs(j->request, f) >= 0;
    if (f && fclose(f) != 0)
        ok = false;
    flow_end end = ok ? run_flow(w, j, tmp, &status) : FLOW_SPAWN_FAILED;
    switch (end) {
    case FLOW_EXITED:
        record(w, j, tmp, status);
        break;
    case FLOW_STOPPED:
        release(w, j);
        break;
    case FLOW_SPAWN_FAILED:
        release(w, j);
        wait_for_work(w, RTL_POLL_MS);
        break;
    case FLOW_LOST:
        atomic_fetch_add_explicit(&w->rw->rd->m.rtl_jobs_lost, 1, memory_order_relaxed);
        fprintf(stderr, "ridged: %s: lease on RTL job %s was lost; flow stopped\n", w->owner, j->id);
        break;
    case FLOW_TIMEOUT:
        snprintf(why, sizeof why, "the RTL flow ran longer than %d s and was stopped", RTL_JOB_TIMEOUT_S);
        store_failure(w, j, why);
        break;
    }
    remove_tree(tmp);
}

static void *worker_main(void *arg) {
    rworker *w = arg;
    while (!stopping(w)) {
        if (!ensure_conn(w)) {
            wait_for_work(w, RTL_POLL_MS);
            continue;
        }
        job j = {0};
        int rc = claim(w, &j);
        /* notifications libpq read while the last flow ran: only hints */
        for (PGnotify *nf = PQnotifies(w->pg); nf; nf = PQnotifies(w->pg))
            PQfreemem(nf);
        if (rc == 1)
            process(w, &j);
        else
            wait_for_work(w, RTL_POLL_MS);
        free(j.request);
    }
    return NULL;
}

rtl_workers *rtl_workers_start(ridged *rd) {
    rtl_workers *rw = calloc(1, sizeof *rw);
    if (!rw)
        return NULL;
    rw->rd = rd;
    rw->w = calloc((size_t)rd->cfg.rtl_workers, sizeof *rw->w);
    if (!rw->w) {
        free(rw);
        return NULL;
    }
    rw->n = rd->cfg.rtl_workers;
    for (int i = 0; i < rw->n; i++)
        rw->w[i].evfd = -1;
    for (int i = 0; i < rw->n; i++) {
        rworker *w = &rw->w[i];
        w->rw = rw;
        w->index = i;
        w->evfd = wakeup_open();
        snprintf(w->owner, sizeof w->owner, "%s/rtl%d", rd->cfg.replica, i);
        if (w->evfd < 0 || pthread_create(&w->thread, NULL, worker_main, w) != 0) {
            fprintf(stderr, "ridged: cannot start RTL worker %d\n", i);
            rtl_workers_stop(rw);
            return NULL;
        }
        w->started = true;
    }
    return rw;
}

void rtl_workers_wake(rtl_workers *rw) {
    if (!rw)
        return;
    for (int i = 0; i < rw->n; i++)
        wakeup_signal(rw->w[i].evfd);
}

void rtl_workers_stop(rtl_workers *rw) {
    if (!rw)
        return;
    atomic_store(&rw->rd->stopping, true);
    rtl_workers_wake(rw);
    for (int i = 0; i < rw->n; i++) {
        rworker *w = &rw->w[i];
        if (w->started)
            pthread_join(w->thread, NULL);
        if (w->pg)
            PQfinish(w->pg);
        if (w->evfd >= 0)
            close(w->evfd);
    }
    free(rw->w);
    free(rw);
}
