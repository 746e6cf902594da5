/* http.c: libmicrohttpd daemon, request lifecycle, routing and responses
 * (see http.h). */
#include "http.h"
#include "http_stream.h"

#include "codec_json.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Requests each job lane queues before answering 503 + Retry-After. */
#define HTTP_JOB_QUEUE 64

double http_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

const char *http_query(http_req *r, const char *key) {
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *http_header(http_req *r, const char *key) {
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, key);
}

void http_reply_buf(http_req *r, int status, const char *ctype, char *buf, size_t len) {
    free(r->resp);
    r->resp = buf;
    r->resp_len = len;
    r->status = status;
    r->ctype = ctype;
    if (!buf) {
        /* out of memory while rendering: a static answer needs no allocation */
        r->status = 503;
        r->ctype = "application/problem+json";
    }
}

void http_reply_json(http_req *r, int status, jw *w) {
    size_t len = 0;
    char *buf = jw_take(w, &len);
    http_reply_buf(r, status, "application/json", buf, len);
}

void http_reply_sbuf(http_req *r, int status, const char *ctype, sbuf *b) {
    size_t len = 0;
    char *buf = sbuf_take(b, &len);
    http_reply_buf(r, status, ctype, buf, len);
}

/* Every problem answer comes from the status table (engine/status.h): the
 * code gives the HTTP status, the title and the problem type, whose URI is
 * the relative reference /problems/<type> (RFC 9457 section 3.1.1: resolved
 * against the request URI), where ridged serves its documentation
 * (api_problems.c). */
static void problem_v(http_req *r, int code, const char *field, const char *hint, const char *detail) {
    jw w;
    jw_init(&w);
    char type[96];
    int status = rg_status_http(code);
    snprintf(type, sizeof type, "/problems/%s", rg_status_type(code));
    jw_obj_begin(&w);
    jw_kstr(&w, "type", type);
    jw_kstr(&w, "title", rg_strerror(code));
    jw_kint(&w, "status", status);
    jw_kstr(&w, "detail", detail);
    jw_kstr(&w, "code", rg_status_name(code));
    if (field && *field)
        jw_kstr(&w, "field", field);
    if (hint && *hint)
        jw_kstr(&w, "hint", hint);
    jw_obj_end(&w);
    size_t len = 0;
    char *buf = jw_take(&w, &len);
    http_reply_buf(r, status, "application/problem+json", buf, len);
}

void http_fail(http_req *r, int code, const char *field, const char *hint, const char *fmt, ...) {
    char detail[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    problem_v(r, code, field, hint, detail);
}

/* The code of an HTTP status and title: the row with both, else the first
 * row with the status. */
static int code_for(int status, const char *title) {
    int first = RG_EINTERNAL;
    for (int i = rg_status_count() - 1; i > 0; i--) {
        int c = rg_status_at(i);
        if (rg_status_http(c) != status)
            continue;
        if (title && strcmp(rg_strerror(c), title) == 0)
            return c;
        first = c;
    }
    return first;
}

void http_problem(http_req *r, int status, const char *title, const char *field, const char *hint,
                  const char *fmt, ...) {
    char detail[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    problem_v(r, code_for(status, title), field, hint, detail);
}

void http_problem_err(http_req *r, const rg_err *e, const char *prefix, const char *hint) {
    char field[300];
    int code = e->code ? e->code : RG_EINVAL;
    if (e->field[0])
        snprintf(field, sizeof field, "%s%s", prefix ? prefix : "", e->field);
    else
        snprintf(field, sizeof field, "%s", prefix ? prefix : "");
    size_t fl = strlen(field);
    if (fl && field[fl - 1] == '.')
        field[fl - 1] = '\0';
    problem_v(r, code, field, hint, e->msg[0] ? e->msg : rg_strerror(code));
}

void http_problem_db(http_req *r, const char *what, const char *pqmsg) {
    fprintf(stderr, "ridged: database error (%s): %s\n", what, pqmsg ? pqmsg : "connection unavailable");
    problem_v(r, RG_EDB, NULL, "retry later; the service could not reach or use its database", what);
}

/* ---- routing ---- */

/* Matches `path` against `pattern`; "{id}" matches one non-empty segment,
 * which is copied into *id (arena). */
static bool route_match(http_req *r, const char *pattern, const char *path, const char **id) {
    const char *p = pattern, *s = path;
    while (*p && *s) {
        if (p[0] == '{') {
            const char *pe = strchr(p, '}');
            const char *se = strchr(s, '/');
            if (!se)
                se = s + strlen(s);
            if (se == s || !pe)
                return false;
            *id = arena_strndup(&r->a, s, (size_t)(se - s));
            if (!*id)
                return false;
            p = pe + 1;
            s = se;
            continue;
        }
        if (*p != *s)
            return false;
        p++;
        s++;
    }
    return *p == '\0' && *s == '\0';
}

/* ---- cross-origin requests ----
 *
 * A page of any origin can make the browser send a "simple" request
 * (text/plain or form body, no custom header) to ridged without asking, and
 * on loopback ridged accepts anonymous writes: cross-site request forgery.
 * Browsers name the page's origin in the Origin header of every such write
 * (RFC 6454 section 7; the Fetch standard's "origin" header). So a write
 * that carries an Origin must come from ridged's own origin (the Host the
 * browser addressed) or one configured with --allow-origin, and must be
 * Content-Type: application/json, which no page can send to another origin
 * without a CORS preflight that ridged answers only for configured origins.
 * Requests without an Origin (curl, scripts, the CLI) are not affected. */

/* True when the Host header names this machine's loopback interface. A
 * page whose name an attacker re-points at 127.0.0.1 (DNS rebinding) is the
 * same origin as itself, so on loopback, where writes need no token, only a
 * loopback Host counts as ridged's own origin. */
static bool loopback_host(const char *host) {
    static const char *const names[] = {"localhost", "127.0.0.1", "[::1]"};
    size_t n = host[0] == '[' ? strcspn(host, "]") + 1 : strcspn(host, ":");
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i]) == n && strncasecmp(host, names[i], n) == 0)
            return true;
    return strncmp(host, "127.", 4) == 0 && n <= 15;
}

/* True when `origin` ("http://host:port") names the Host this request was
 * sent to (on a loopback listener: a loopback Host). */
static bool same_origin(http_req *r, const char *origin) {
    const char *host = http_header(r, MHD_HTTP_HEADER_HOST);
    const char *o = origin;
    if (strncmp(o, "http://", 7) == 0)
        o += 7;
    else if (strncmp(o, "https://", 8) == 0)
        o += 8;
    else
        return false;
    if (!host || !*host || strcasecmp(o, host) != 0)
        return false;
    return !r->rd->cfg.loopback || loopback_host(host);
}

/* True when `origin` is in the comma-separated --allow-origin list. */
static bool configured_origin(const ridged_config *cfg, const char *origin) {
    size_t n = strlen(origin);
    const char *s = cfg->allow_origins;
    while (*s) {
        while (*s == ',' || *s == ' ')
            s++;
        size_t len = strcspn(s, ", ");
        if (len && len == n && strncmp(s, origin, n) == 0)
            return true;
        s += len;
    }
    return false;
}

/* "application/json", optionally with parameters ("; charset=utf-8"). */
static bool is_json_type(const char *ct) {
    static const char json[] = "application/json";
    if (!ct || strncasecmp(ct, json, sizeof json - 1) != 0)
        return false;
    char c = ct[sizeof json - 1];
    return c == '\0' || c == ';' || c == ' ' || c == '\t';
}

static bool safe_method(const char *m) {
    return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0 || strcmp(m, "OPTIONS") == 0;
}

/* Checks the request's Origin; a configured origin gets CORS headers.
 * Returns false after answering 403/415 for a refused write. */
static bool origin_check(http_req *r) {
    const char *origin = http_header(r, "Origin");
    if (!origin)
        return true;
    bool configured = configured_origin(&r->rd->cfg, origin);
    if (configured)
        r->cors_origin = arena_strdup(&r->a, origin);
    if (safe_method(r->method))
        return true;
    if (!configured && !same_origin(r, origin)) {
        http_fail(r, RG_EORIGIN, "Origin", "start ridged with --allow-origin for that page's origin",
                  "writes from pages of %.200s are refused (cross-site request forgery); nothing was written",
                  origin);
        return false;
    }
    if (!is_json_type(http_header(r, MHD_HTTP_HEADER_CONTENT_TYPE))) {
        http_fail(r, RG_EMEDIA, "Content-Type", "send the body as application/json",
                  "a write from a web page must be application/json; nothing was written");
        return false;
    }
    return true;
}

/* OPTIONS: the methods of the path; a CORS preflight from a configured
 * origin also gets the methods and headers it may use. */
static void options(http_req *r, const char *allow) {
    const char *origin = http_header(r, "Origin");
    r->allow = arena_strdup(&r->a, allow);
    if (origin && !r->cors_origin && !same_origin(r, origin)) {
        http_fail(r, RG_EORIGIN, "Origin", "start ridged with --allow-origin for that page's origin",
                  "cross-origin requests from %.200s are not allowed", origin);
        return;
    }
    r->preflight = r->cors_origin != NULL;
    r->status = 204; /* no body */
}

/* Adds `m` to the comma-separated method list `allow` (cap bytes). */
static void allow_add(char *allow, size_t cap, const char *m) {
    size_t n = strlen(allow);
    if (!strstr(allow, m))
        snprintf(allow + n, cap - n, "%s%s", n ? ", " : "", m);
}

/* The route for the request's path and method (HEAD runs the GET route);
 * -1 with the path's methods in `allow` when only the method differs, -2
 * when no route has the path. */
static int route_find(http_req *r, char *allow, size_t cap, const char **id) {
    const char *method = strcmp(r->method, "HEAD") == 0 ? "GET" : r->method;
    bool path_known = false;
    for (int i = 0; i < http_nroutes; i++) {
        if (!route_match(r, http_routes[i].pattern, r->url, id))
            continue;
        path_known = true;
        allow_add(allow, cap, http_routes[i].method);
        if (strcmp(http_routes[i].method, "GET") == 0)
            allow_add(allow, cap, "HEAD");
        if (strcmp(http_routes[i].method, method) == 0)
            return i;
    }
    if (path_known)
        allow_add(allow, cap, "OPTIONS");
    return path_known ? -1 : -2;
}

/* MHD_get_connection_values callback: remembers the first query argument
 * whose name or value is not valid UTF-8 (PostgreSQL refuses such text). */
static enum MHD_Result bad_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value) {
    const char **bad = cls;
    (void)kind;
    if ((key && !codec_utf8_valid(key)) || (value && !codec_utf8_valid(value))) {
        *bad = key ? key : "";
        return MHD_NO;
    }
    return MHD_YES;
}

/* The matched route's guard and handler. */
static void run_route(http_req *r) {
    const http_route *rt = &http_routes[r->route];
    if (!http_plugged.guard(r, rt->write))
        return;
    rt->fn(r);
    if (!r->status)
        http_fail(r, RG_EINTERNAL, NULL, NULL, "the handler produced no response");
}

/* Counts the request in the metrics and frees it with its arena. */
static void req_free(ridged *rd, http_req *r) {
    metrics_request(&rd->m, r->route, r->status ? r->status : 500, http_now() - r->t0);
    http_stream_release(r);
    arena_free(&r->a);
    free(r->body);
    free(r->resp);
    free(r);
}

/* On a job thread: the handler, then the connection resumes and its next
 * callback queues the response. */
static void run_job(http_req *r) {
    if (atomic_load(&r->rd->stopping)) {
        r->retry_after = 5;
        http_fail(r, RG_EUNAVAIL, NULL, "retry on another replica or later", "ridged is shutting down");
    } else {
        run_route(r);
    }
    if (r->stream) {
        /* the stream resumed the connection when it began; the request may
         * have completed since, and then the job frees it */
        if (http_stream_job_done(r))
            req_free(r->rd, r);
        return;
    }
    r->job_done = true;
    MHD_resume_connection(r->conn);
}

static void dispatch(http_req *r) {
    const char *path = r->url;
    const char *id = NULL;
    const char *bad = NULL;
    char allow[128] = "";
    int i = route_find(r, allow, sizeof allow, &id);
    bool api = strncmp(path, "/api/", 5) == 0 || strcmp(path, "/api") == 0;
    if (!origin_check(r))
        return;
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, bad_arg, &bad);
    if (bad) {
        http_fail(r, RG_EINVAL, bad, "percent-encode UTF-8 text", "query parameter %.80s is not valid UTF-8",
                  bad);
        return;
    }
    if (i >= 0) {
        r->route = i;
        r->id = id;
        if (r->too_big) {
            http_fail(r, RG_ETOOBIG, NULL, "send a smaller body",
                      "the request body exceeds the limit of %zu bytes", r->rd->cfg.max_body);
            return;
        }
        if (http_routes[i].lane != HTTP_LANE_INLINE && r->rd->jobs) {
            r->offload = true;
            r->lane = http_routes[i].lane == HTTP_LANE_HEAVY ? HTTP_LANE_HEAVY : HTTP_LANE_JOB;
            return; /* the guard (a token lookup) and the handler run on a job thread */
        }
        run_route(r);
        return;
    }
    if (i == -1 && strcmp(r->method, "OPTIONS") == 0) {
        options(r, allow);
        return;
    }
    if (i == -1) {
        r->allow = arena_strdup(&r->a, allow);
        http_fail(r, RG_EMETHOD, NULL, NULL, "%s is not allowed on %s (allowed: %s)", r->method, path, allow);
        return;
    }
    if (api) {
        http_fail(r, RG_ENOTFOUND, NULL, "see /api/v1/openapi.json for the endpoints", "no endpoint at %s",
                  path);
        return;
    }
    if (strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0) {
        http_plugged.fallback(r);
        return;
    }
    if (strcmp(r->method, "OPTIONS") == 0) {
        options(r, "GET, HEAD, OPTIONS");
        return;
    }
    r->allow = "GET, HEAD, OPTIONS";
    http_fail(r, RG_EMETHOD, NULL, NULL, "%s is not allowed on %s", r->method, path);
}

static enum MHD_Result queue(http_req *r) {
    struct MHD_Response *resp = NULL;
    static const char oom[] =
        "{\"type\":\"/problems/out-of-memory\",\"title\":\"out of "
        "memory\",\"status\":503,\"detail\":\"the server ran out of memory\",\"code\":\"RG_ENOMEM\"}";
    if (r->stream) {
        resp = http_stream_response(r);
    } else if (r->resp) {
        resp = MHD_create_response_from_buffer(r->resp_len, r->resp, MHD_RESPMEM_MUST_FREE);
        if (resp)
            r->resp = NULL;
    } else if (r->status == 0 || r->status == 503) {
        r->status = 503;
        r->ctype = "application/problem+json";
        resp = MHD_create_response_from_buffer(sizeof oom - 1, (void *)oom, MHD_RESPMEM_PERSISTENT);
    } else {
        resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    }
    if (!resp)
        return MHD_NO;
    if (r->ctype)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->ctype);
    if (r->location)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, r->location);
    if (r->allow)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
    if (r->next_token)
        MHD_add_response_header(resp, "X-Next-Page-Token", r->next_token);
    if (r->retry_after > 0) {
        char ra[16];
        snprintf(ra, sizeof ra, "%d", r->retry_after);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
    }
    if (r->cors_origin) {
        MHD_add_response_header(resp, "Access-Control-Allow-Origin", r->cors_origin);
        MHD_add_response_header(resp, "Vary", "Origin");
        MHD_add_response_header(resp, "Access-Control-Expose-Headers", "Location, X-Next-Page-Token");
    }
    if (r->preflight) {
        MHD_add_response_header(resp, "Access-Control-Allow-Methods", r->allow ? r->allow : "GET, POST");
        MHD_add_response_header(resp, "Access-Control-Allow-Headers", "Authorization, Content-Type");
        MHD_add_response_header(resp, "Access-Control-Max-Age", "600");
    }
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    enum MHD_Result ret = MHD_queue_response(r->conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    r->responded = true;
    return ret;
}

/* Static files queue their own fd-backed response. */
enum MHD_Result http_queue_fd(http_req *r, int status, int fd, size_t size, const char *ctype);
enum MHD_Result http_queue_fd(http_req *r, int status, int fd, size_t size, const char *ctype) {
    struct MHD_Response *resp = MHD_create_response_from_fd(size, fd);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    enum MHD_Result ret = MHD_queue_response(r->conn, (unsigned)status, resp);
    MHD_destroy_response(resp);
    r->status = status;
    r->responded = true;
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls) {
    ridged *rd = cls;
    http_req *r = *con_cls;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r)
            return MHD_NO;
        arena_init(&r->a);
        r->rd = rd;
        r->conn = conn;
        r->url = url;
        r->method = method;
        r->route = -1;
        r->t0 = http_now();
        r->author = "anonymous";
        *con_cls = r;
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl) {
            char *end = NULL;
            unsigned long long n = strtoull(cl, &end, 10);
            if (end == cl || n > rd->cfg.max_body) {
                http_fail(r, RG_ETOOBIG, NULL, "send a smaller body",
                          "Content-Length %s exceeds the limit of %zu bytes", cl, rd->cfg.max_body);
                return queue(r);
            }
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (r->responded || r->too_big)
            return MHD_YES;
        if (r->body_len + n > rd->cfg.max_body) {
            r->too_big = true;
            free(r->body);
            r->body = NULL;
            r->body_len = r->body_cap = 0;
            return MHD_YES;
        }
        if (r->body_len + n + 1 > r->body_cap) {
            size_t cap = r->body_cap ? r->body_cap : 4096;
            while (cap < r->body_len + n + 1)
                cap *= 2;
            char *nb = realloc(r->body, cap);
            if (!nb)
                return MHD_NO;
            r->body = nb;
            r->body_cap = cap;
        }
        memcpy(r->body + r->body_len, upload_data, n);
        r->body_len += n;
        r->body[r->body_len] = '\0';
        return MHD_YES;
    }
    if (r->responded)
        return MHD_YES;
    if (r->job_done)
        return queue(r);
    dispatch(r);
    if (r->responded) /* the static handler queued its own response */
        return MHD_YES;
    if (r->offload) {
        if (!http_jobs_reserve(rd->jobs, r->lane)) {
            r->retry_after = 1;
            http_fail(r, RG_EUNAVAIL, NULL, "retry after the Retry-After delay",
                      "ridged is saturated: every request thread is busy and the queue is full");
            return queue(r);
        }
        /* suspended before it is queued, so the job cannot resume it first */
        MHD_suspend_connection(conn);
        http_jobs_push(rd->jobs, r->lane, r);
        return MHD_YES;
    }
    return queue(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
    ridged *rd = cls;
    http_req *r = *con_cls;
    (void)toe;
    if (!r)
        return;
    *con_cls = NULL;
    if (r->stream && !http_stream_req_completed(r))
        return; /* the handler still writes its stream: the job frees it */
    req_free(rd, r);
}

/* True for 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104. */
static bool addr_is_loopback(const struct sockaddr *sa) {
    if (sa->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
    }
    return false;
}

/* libmicrohttpd's messages (a client that aborts its connection, a
 * refused connection past a limit), at most MHD_LOG_BURST a second so a
 * flood of aborted connections cannot flood the log; the rest are counted
 * and reported with the next line that passes. */
#define MHD_LOG_BURST 10
static void mhd_log(void *cls, const char *fmt, va_list ap) {
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    static time_t window;
    static int in_window;
    static unsigned long suppressed;
    (void)cls;
    time_t now = time(NULL);
    pthread_mutex_lock(&mu);
    if (now != window) {
        window = now;
        in_window = 0;
    }
    bool show = in_window < MHD_LOG_BURST;
    unsigned long skipped = 0;
    if (show) {
        in_window++;
        skipped = suppressed;
        suppressed = 0;
    } else {
        suppressed++;
    }
    pthread_mutex_unlock(&mu);
    if (!show)
        return;
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n && line[n - 1] == '\n')
        line[--n] = '\0';
    if (skipped)
        fprintf(stderr, "ridged: http: %s (%lu similar messages suppressed)\n", line, skipped);
    else
        fprintf(stderr, "ridged: http: %s\n", line);
}

struct MHD_Daemon *http_start(ridged *rd) {
    struct addrinfo hints = {0}, *res = NULL;
    char port[16];
    snprintf(port, sizeof port, "%d", rd->cfg.port);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int gai = getaddrinfo(rd->cfg.host[0] ? rd->cfg.host : NULL, port, &hints, &res);
    if (gai != 0 || !res) {
        fprintf(stderr, "ridged: cannot resolve listen address %s: %s\n", rd->cfg.host, gai_strerror(gai));
        return NULL;
    }
    /* handlers that wait for the database run on job threads (http_jobs.h) */
    int n_job = 2 * rd->cfg.http_threads, n_heavy = rd->cfg.http_threads > 1 ? rd->cfg.http_threads / 2 : 1;
    rd->jobs = http_jobs_start(n_job, n_heavy, HTTP_JOB_QUEUE, run_job);
    if (!rd->jobs) {
        freeaddrinfo(res);
        return NULL;
    }
    /* loopback (anonymous writes allowed) is what the address resolved to,
     * not how the listen string begins ("127.example.com") */
    rd->cfg.loopback = addr_is_loopback(res->ai_addr);
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
    if (res->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, (uint16_t)rd->cfg.port, NULL, NULL, on_request, rd, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
        MHD_OPTION_SOCK_ADDR, res->ai_addr, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)rd->cfg.http_threads,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)rd->cfg.conn_timeout_s, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)rd->cfg.conn_limit, MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)rd->cfg.per_ip_limit,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)65536, MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, rd, MHD_OPTION_END);
    freeaddrinfo(res);
    if (!d)
        fprintf(stderr, "ridged: cannot listen on %s:%d\n", rd->cfg.host, rd->cfg.port);
    return d;
}

int http_bound_port(struct MHD_Daemon *d) {
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    return info ? (int)info->port : 0;
}
