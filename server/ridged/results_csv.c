/* results_csv.c: streamed CSV pages of a sweep's results (see
 * results_csv.h). COPY takes no parameters, so each $n of the query is
 * replaced by the value quoted with PQescapeLiteral (libpq manual,
 * "Escaping Strings for Inclusion in SQL Commands"); the query text itself
 * is built only from the column whitelist. */
#include "results_csv.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_stream.h"
#include "result_cols.h"

#define CSV_FLUSH (256u << 10)

#define RC_CSV_RC_F64(name)                             ", " #name
#define RC_CSV_RC_I64(name)                             ", " #name
#define RC_CSV_RC_BOOL(name)                            ", CASE WHEN " #name " THEN 'true' WHEN NOT " #name " THEN 'false' END"
#define RC_X_CSV_(name, type, sense, unit, value, desc) RC_CSV_##type(name)
static const char csv_cols[] = "point_index, status" RIDGED_RESULT_COLS(RC_X_CSV_);
#undef RC_X_CSV_
#define RC_X_HDR_(name, type, sense, unit, value, desc) "," #name
static const char csv_header_cols[] = ",status" RIDGED_RESULT_COLS(RC_X_HDR_) "\n";
#undef RC_X_HDR_

const char *results_csv_columns(void) { return csv_cols; }

/* `select` with every $n replaced by the quoted params[n-1]; an sbuf the
 * caller frees (oom set on failure). */
static void inline_params(PGconn *pg, const char *select, int np, const char *const *params, sbuf *out) {
    sbuf_puts(out, "COPY (");
    for (const char *p = select; *p;) {
        if (*p == '$' && p[1] >= '1' && p[1] <= '9') {
            char *end = NULL;
            long k = strtol(p + 1, &end, 10);
            char *lit = k >= 1 && k <= np ? PQescapeLiteral(pg, params[k - 1], strlen(params[k - 1])) : NULL;
            if (!lit) {
                out->oom = true;
                return;
            }
            sbuf_puts(out, lit);
            PQfreemem(lit);
            p = end;
            continue;
        }
        sbuf_put(out, p, 1);
        p++;
    }
    sbuf_puts(out, ") TO STDOUT (FORMAT csv)");
}

/* Waits up to `ms` for input; false on a timeout or a broken connection. */
static bool wait_input(PGconn *pg, int ms) {
    struct pollfd pfd = {PQsocket(pg), POLLIN, 0};
    if (pfd.fd < 0 || poll(&pfd, 1, ms) <= 0)
        return false;
    return PQconsumeInput(pg) == 1;
}

/* The result after PQsendQuery, waiting at most `ms` between messages;
 * NULL on a timeout. */
static PGresult *next_result(PGconn *pg, int ms) {
    while (PQisBusy(pg))
        if (!wait_input(pg, ms))
            return NULL;
    return PQgetResult(pg);
}

/* Ends whatever the connection is doing, so it goes back to the pool idle:
 * a COPY in progress is cancelled and drained, the transaction rolled back. */
static void abandon(PGconn *pg, int ms) {
    char err[128];
    PGcancel *cn = PQgetCancel(pg);
    if (cn) {
        PQcancel(cn, err, sizeof err);
        PQfreeCancel(cn);
    }
    for (;;) {
        char *row = NULL;
        int n = PQgetCopyData(pg, &row, 1);
        if (row)
            PQfreemem(row);
        if (n == 0 && wait_input(pg, ms))
            continue;
        if (n <= 0)
            break;
    }
    for (PGresult *res = next_result(pg, ms); res; res = next_result(pg, ms))
        PQclear(res);
    if (PQtransactionStatus(pg) != PQTRANS_IDLE) {
        PGresult *rb = PQexec(pg, "ROLLBACK");
        PQclear(rb);
    }
}

static void header(sbuf *b, const sweep_plan *plan) {
    sbuf_puts(b, "point_index");
    for (int k = 0; k < plan->naxes; k++) {
        sbuf_puts(b, ",");
        sbuf_puts(b, plan->axes[k].path);
    }
    sbuf_puts(b, csv_header_cols);
}

/* One COPY line "idx,status,..." as "idx,<params>,status,...". */
static void put_row(sbuf *b, const sweep_plan *plan, const char *row, int n) {
    const char *comma = memchr(row, ',', (size_t)n);
    if (!comma)
        return;
    sbuf_put(b, row, (size_t)(comma - row));
    plan_write_params_csv(plan, strtoll(row, NULL, 10), b);
    sbuf_put(b, comma, (size_t)(n - (comma - row)));
}

void results_csv_stream(http_req *r, db_conn *c, const sweep_plan *plan, const char *select, int np,
                        const char *const *params, const char *next) {
    PGconn *pg = db_pg(c);
    int ms = db_pool_timeout_ms(r->rd->pool);
    sbuf sql, chunk;
    PGresult *res = NULL;
    http_stream *s = NULL;
    bool ok = false;
    sbuf_init(&sql);
    sbuf_init(&chunk);
    inline_params(pg, select, np, params, &sql);
    if (sql.oom) {
        http_fail(r, RG_ENOMEM, NULL, NULL, "out of memory");
        goto out;
    }
    /* the export runs as long as the client reads: a timeout of its own */
    if (!db_cmd(c, "BEGIN") || !db_cmd(c, "SET LOCAL statement_timeout = '10min'")) {
        http_problem_db(r, "results", PQerrorMessage(pg));
        goto out;
    }
    if (!PQsendQuery(pg, sql.buf)) {
        http_problem_db(r, "results", PQerrorMessage(pg));
        goto out;
    }
    res = next_result(pg, ms);
    if (PQresultStatus(res) != PGRES_COPY_OUT) {
        http_problem_db(r, "results", res ? PQresultErrorMessage(res) : "timed out");
        goto out;
    }
    PQclear(res);
    res = NULL;
    header(&chunk, plan);
    if (chunk.oom) {
        http_fail(r, RG_ENOMEM, NULL, NULL, "out of memory");
        goto out;
    }
    if (next && next[0])
        r->next_token = arena_strdup(&r->a, next);
    s = http_stream_begin(r, 200, "text/csv; charset=utf-8");
    if (!s) {
        http_fail(r, RG_ENOMEM, NULL, NULL, "out of memory");
        goto out;
    }
    /* from here on the answer is the stream: failures cut it */
    for (;;) {
        char *row = NULL;
        int n = PQgetCopyData(pg, &row, 1);
        if (n > 0) {
            put_row(&chunk, plan, row, n);
            PQfreemem(row);
            if (chunk.len >= CSV_FLUSH) {
                if (chunk.oom || http_stream_write(s, chunk.buf, chunk.len) != 0)
                    goto out;
                chunk.len = 0;
            }
            continue;
        }
        if (n == 0) {
            if (!wait_input(pg, ms))
                goto out;
            continue;
        }
        break; /* -1: the COPY ended; -2: an error */
    }
    res = next_result(pg, ms);
    if (PQresultStatus(res) != PGRES_COMMAND_OK || chunk.oom)
        goto out;
    PQclear(res);
    res = next_result(pg, ms);
    if (res)
        goto out;
    if (!db_cmd(c, "COMMIT"))
        goto out;
    ok = chunk.len == 0 || http_stream_write(s, chunk.buf, chunk.len) == 0;
out:
    PQclear(res);
    if (!ok && PQstatus(pg) == CONNECTION_OK && PQtransactionStatus(pg) != PQTRANS_IDLE)
        abandon(pg, ms);
    if (s)
        http_stream_end(s, ok);
    sbuf_free(&sql);
    sbuf_free(&chunk);
}
