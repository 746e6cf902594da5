/* db.h: PostgreSQL access for ridged: a fixed pool of libpq connections.
 *
 * libpq allows one thread per PGconn at a time, so each HTTP handler and
 * sweep worker borrows a connection for the duration of its work and gives
 * it back. Statements are prepared lazily per connection, keyed by the
 * address of their SQL text (always a string literal), and re-prepared after
 * a reconnect. User text only ever travels as a parameter. */
#ifndef RIDGED_DB_H
#define RIDGED_DB_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct db_conn db_conn;
typedef struct db_pool db_pool;

/* Opens `n` connections whose statements may take `timeout_ms` (<= 0:
 * 5000). Returns NULL with a message in `errbuf` on failure.
 * The pool owns the connections; free with db_pool_close. */
db_pool *db_pool_open(const char *conninfo, int n, int timeout_ms, char *errbuf, size_t cap);
/* NULL-safe; closes every connection (PQfinish). */
void db_pool_close(db_pool *p);

/* Borrows a connection, waiting up to the pool's timeout if all are busy;
 * reconnects a broken one. Returns NULL if the database cannot be reached
 * in that time. Every statement on it then waits at most the pool's
 * timeout (client side, so a frozen server cannot hold the thread; the
 * server's statement_timeout is the same): NULL from db_query when it
 * passed, the connection closed. */
db_conn *db_acquire(db_pool *p);
/* The same with one deadline `ms` from now for the whole borrow: waiting,
 * reconnecting and every statement (/health). */
db_conn *db_acquire_within(db_pool *p, int ms);
/* The pool's timeout in milliseconds. */
int db_pool_timeout_ms(const db_pool *p);
/* Gives it back (NULL-safe). A connection left inside a transaction is
 * rolled back first. */
void db_release(db_pool *p, db_conn *c);
PGconn *db_pg(db_conn *c);

/* Runs `sql` (a string literal: its address keys the prepared statement)
 * with `n` text parameters. Returns the PGresult (caller PQclear()s), or NULL
 * if the connection failed or memory ran out. */
PGresult *db_query(db_conn *c, const char *sql, int n, const char *const *vals);
/* Same without preparing (dynamic SQL built from whitelisted pieces). */
PGresult *db_query_dyn(db_conn *c, const char *sql, int n, const char *const *vals);
/* Same as db_query_dyn with the result in binary format (big-endian
 * integers and IEEE doubles: PQgetvalue gives the bytes). */
PGresult *db_query_bin(db_conn *c, const char *sql, int n, const char *const *vals);
/* Runs a command without parameters ("BEGIN", "COMMIT"); true on success. */
bool db_cmd(db_conn *c, const char *sql);
/* True for PGRES_COMMAND_OK / PGRES_TUPLES_OK. */
bool db_ok(const PGresult *r);
/* SQLSTATE of a failed result ("" if none). */
const char *db_sqlstate(const PGresult *r);
/* True when the server cancelled the statement at statement_timeout. */
bool db_timed_out(const PGresult *r);

typedef struct db_stats {
    int size, busy;
    uint64_t acquires, waits, reconnects, errors, timeouts;
} db_stats;
void db_pool_stats(db_pool *p, db_stats *out);

/* Forward-only migrations embedded from schema/NNNN_name.sql, applied under an
 * advisory lock, each in one transaction, recorded with its checksum in
 * schema_migrations. Returns 0, or -1 with a message in errbuf. */
int db_migrate(PGconn *conn, char *errbuf, size_t cap);

#endif
