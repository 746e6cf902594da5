/* http_static.c: the dashboard's files from the web directory at /.
 *
 * Only plain files below the web directory are served: the request path is
 * checked segment by segment (no "..", no hidden files, no backslashes),
 * then resolved with realpath and required to stay under the directory, so
 * neither dot segments nor symlinks lead outside it. FIFOs, devices and
 * sockets are not served, and opening one never blocks. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http_static.h"

enum MHD_Result http_queue_fd(http_req *r, int status, int fd, size_t size, const char *ctype);

static const struct {
    const char *ext, *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".txt", "text/plain; charset=utf-8"},
    {".map", "application/json"},
};

static const char *content_type(const char *path) {
    const char *dot = strrchr(path, '.');
    if (dot)
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (strcmp(dot, types[i].ext) == 0)
                return types[i].type;
    return "application/octet-stream";
}

/* True if every segment of `p` is a plain name. */
static bool safe_path(const char *p) {
    if (p[0] != '/')
        return false;
    for (const char *s = p; *s; s++)
        if (*s == '\\' || (unsigned char)*s < 0x20 || *s == '%')
            return false;
    const char *seg = p + 1;
    while (*seg) {
        const char *end = strchr(seg, '/');
        size_t n = end ? (size_t)(end - seg) : strlen(seg);
        if (n == 0 && end)
            return false; /* "//" */
        if (n > 0 && seg[0] == '.')
            return false; /* "..", ".", ".hidden" */
        if (!end)
            break;
        seg = end + 1;
    }
    return true;
}

static void not_found(http_req *r) {
    http_fail(r, RG_ENOTFOUND, NULL, "the dashboard is at /; the API at /api/v1", "no file at %s", r->url);
}

void http_static(http_req *r) {
    char want[PATH_MAX], real[PATH_MAX], root[PATH_MAX];
    int fd = -1;
    const char *dir = r->rd->cfg.web_dir;
    if (!dir || !realpath(dir, root)) {
        not_found(r);
        return;
    }
    const char *path = r->url;
    if (!safe_path(path)) {
        not_found(r);
        return;
    }
    size_t pl = strlen(path);
    int n = snprintf(want, sizeof want, "%s%s%s", root, path, path[pl - 1] == '/' ? "index.html" : "");
    if (n < 0 || (size_t)n >= sizeof want || !realpath(want, real)) {
        not_found(r);
        return;
    }
    size_t rl = strlen(root);
    if (strncmp(real, root, rl) != 0 || real[rl] != '/') {
        not_found(r);
        return;
    }
    struct stat st;
    /* O_NONBLOCK: opening a FIFO (or a device) for reading would otherwise
     * wait for a writer and hold this thread; fstat then refuses anything
     * but a regular file (a regular file ignores the flag). */
    fd = open(real, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        not_found(r);
        return;
    }
    /* libmicrohttpd owns and closes the fd from here on */
    if (http_queue_fd(r, 200, fd, (size_t)st.st_size, content_type(real)) != MHD_YES)
        r->responded = true; /* nothing more can be sent on this connection */
}
