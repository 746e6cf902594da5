/* wakeup.h: how ridged's worker threads (sweep chunks, RTL jobs) sleep and
 * are woken: an eventfd per worker that another thread writes to, and the
 * worker's PostgreSQL connection, on which LISTEN notifications arrive. A
 * notification is only a hint: workers poll the queue again after `ms`. */
#ifndef RIDGED_WAKEUP_H
#define RIDGED_WAKEUP_H

#include <libpq-fe.h>

/* A non-blocking, close-on-exec eventfd; -1 on failure. */
int wakeup_open(void);
/* Wakes the worker sleeping on fd (no-op for fd < 0). */
void wakeup_signal(int fd);
/* Empties fd's counter. */
void wakeup_drain(int fd);
/* Sleeps until fd is signalled, a notification arrives on pg (which may be
 * NULL or broken), or `ms` pass; consumes what woke it. */
void wakeup_wait(int fd, PGconn *pg, int ms);

#endif
