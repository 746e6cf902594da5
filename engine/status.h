/* status.h: Ridge's one list of status codes.
 *
 * Every engine function that can fail returns 0 on success or a negative
 * RG_E* value from this list; the message strings are generated from the
 * same X-macro so code and text never drift apart. Codes are append-only:
 * scripts and the service map them to stable names and HTTP statuses. */
#ifndef RG_STATUS_H
#define RG_STATUS_H

#include <stddef.h>

/* X(name, value, http_status, problem type, message). The problem type names
 * the kind of error in the service's application/problem+json answers
 * (RFC 9457 section 3.1.1): ridged serves its documentation at
 * /problems/<type>. */
#define RG_STATUS_LIST(X)                                                                                    \
    X(RG_OK, 0, 200, "ok", "ok")                                                                             \
    X(RG_EINVAL, -1, 400, "invalid-argument", "invalid argument")                                            \
    X(RG_ENOMEM, -2, 503, "out-of-memory", "out of memory")                                                  \
    X(RG_ERANGE, -3, 400, "out-of-range", "value out of range")                                              \
    X(RG_ETYPE, -4, 400, "wrong-type", "wrong type")                                                         \
    X(RG_EMISSING, -5, 400, "required", "required field missing")                                            \
    X(RG_EUNKNOWN, -6, 400, "unknown-name", "unknown name")                                                  \
    X(RG_EUNSUPPORTED, -7, 422, "unsupported", "not supported by this configuration")                        \
    X(RG_ENOSPACE, -8, 500, "buffer-too-small", "caller buffer too small")                                   \
    X(RG_EPARSE, -9, 400, "malformed", "malformed input")                                                    \
    X(RG_EIO, -10, 500, "io-error", "input/output error")                                                    \
    X(RG_ENOTFOUND, -11, 404, "not-found", "not found")                                                      \
    X(RG_ECONFLICT, -12, 409, "conflict", "conflict")                                                        \
    X(RG_EINFEASIBLE, -13, 422, "infeasible", "configuration infeasible")                                    \
    X(RG_EDB, -14, 503, "database", "database error")                                                        \
    X(RG_EAUTH, -15, 401, "authentication-required", "authentication required")                              \
    X(RG_EFORBIDDEN, -16, 403, "forbidden", "forbidden")                                                     \
    X(RG_ETOOBIG, -17, 413, "too-large", "request too large")                                                \
    X(RG_EINTERNAL, -18, 500, "internal", "internal error")                                                  \
    X(RG_EMETHOD, -19, 405, "method-not-allowed", "method not allowed")                                      \
    X(RG_EMEDIA, -20, 415, "unsupported-media-type", "unsupported media type")                               \
    X(RG_EORIGIN, -21, 403, "cross-origin", "cross-origin write refused")                                    \
    X(RG_EUNAVAIL, -22, 503, "unavailable", "service unavailable")                                           \
    X(RG_EQUOTA, -23, 429, "quota-exceeded", "quota exceeded")

enum rg_status {
#define RG_X_(name, value, http, type, msg) name = value,
    RG_STATUS_LIST(RG_X_)
#undef RG_X_
};

/* Message for a status code; never NULL ("unknown status" for strays). */
const char *rg_strerror(int status);
/* Stable symbolic name ("RG_EINVAL"); never NULL. */
const char *rg_status_name(int status);
/* HTTP status the service answers with for this code. */
int rg_status_http(int status);
/* Problem type of the code ("invalid-argument"); "internal" for strays. */
const char *rg_status_type(int status);
/* Number of codes in the list and the code at index i (0 = RG_OK). */
int rg_status_count(void);
int rg_status_at(int i);

/* Where and why an input was rejected. Filled by validators; the caller owns
 * the storage (usually on its stack). `field` is a JSON-pointer-like path such
 * as "model.d_model" or "parallelism.tp". */
typedef struct rg_err {
    int code;
    char field[128];
    char msg[256];
} rg_err;

/* Record an error (printf-style message). Returns `code` so callers can write
 * `return rg_err_set(e, RG_ERANGE, "batch", "must be >= 1, got %d", b);`.
 * `e` may be NULL, in which case only the code is returned. */
int rg_err_set(rg_err *e, int code, const char *field, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

#endif
