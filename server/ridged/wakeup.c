/* wakeup.c: worker sleep and wake-up (see wakeup.h). */
#include "wakeup.h"

#include <poll.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

int wakeup_open(void) { return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK); }

void wakeup_signal(int fd) {
    uint64_t one = 1;
    if (fd < 0)
        return;
    ssize_t n = write(fd, &one, sizeof one);
    (void)n; /* a full counter already wakes the worker */
}

void wakeup_drain(int fd) {
    uint64_t v;
    ssize_t n = read(fd, &v, sizeof v);
    (void)n; /* EAGAIN: nothing was pending */
}

void wakeup_wait(int fd, PGconn *pg, int ms) {
    struct pollfd fds[2] = {{.fd = fd, .events = POLLIN}, {.fd = -1, .events = POLLIN}};
    if (pg && PQstatus(pg) == CONNECTION_OK)
        fds[1].fd = PQsocket(pg);
    if (poll(fds, 2, ms) <= 0)
        return;
    if (fds[0].revents & POLLIN)
        wakeup_drain(fd);
    if (fds[1].fd >= 0 && (fds[1].revents & POLLIN)) {
        PQconsumeInput(pg);
        for (PGnotify *nf = PQnotifies(pg); nf; nf = PQnotifies(pg))
            PQfreemem(nf);
    }
}
