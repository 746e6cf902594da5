/* npy.c: .npy header parsing and a float32 writer (see npy.h). */
#include "npy.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fpconv.h"

/* The header's length field and where the dictionary starts. */
static int npy_preamble(const unsigned char *p, size_t len, size_t *hl, size_t *start, const char **why) {
    if (len < 10 || memcmp(p, "\x93NUMPY", 6) != 0) {
        *why = "not a .npy file (bad magic)";
        return -1;
    }
    if (p[6] == 1) {
        *hl = (size_t)p[8] | ((size_t)p[9] << 8);
        *start = 10;
    } else if (p[6] == 2 || p[6] == 3) {
        if (len < 12) {
            *why = "truncated header";
            return -1;
        }
        *hl = (size_t)p[8] | ((size_t)p[9] << 8) | ((size_t)p[10] << 16) | ((size_t)p[11] << 24);
        *start = 12;
    } else {
        *why = "unsupported .npy version";
        return -1;
    }
    if (*hl > 65536 || *start + *hl > len) {
        *why = "truncated header";
        return -1;
    }
    return 0;
}

static int npy_dtype(const char *h, char *dtype, const char **why) {
    const char *d = strstr(h, "'descr'");
    d = d ? strchr(d + 7, '\'') : NULL;
    if (!d) {
        *why = "header lacks descr";
        return -1;
    }
    if (strncmp(d, "'<f4'", 5) == 0)
        *dtype = 'f';
    else if (strncmp(d, "'<f8'", 5) == 0)
        *dtype = 'd';
    else if (strncmp(d, "'<f2'", 5) == 0)
        *dtype = 'h';
    else {
        *why = "dtype must be little-endian float32, float64 or float16 ('<f4', '<f8', '<f2')";
        return -1;
    }
    return 0;
}

static int npy_shape(const char *h, npy_info *info, const char **why) {
    const char *fo = strstr(h, "'fortran_order'");
    const char *sh = strstr(h, "'shape'");
    if (!fo || !sh) {
        *why = "header lacks fortran_order or shape";
        return -1;
    }
    const char *t = fo + 15;
    while (*t == ' ' || *t == ':')
        t++;
    if (strncmp(t, "False", 5) != 0) {
        *why = "fortran_order arrays are not supported";
        return -1;
    }
    const char *s = strchr(sh, '(');
    if (!s) {
        *why = "bad shape";
        return -1;
    }
    int64_t prod = 1;
    info->ndim = 0;
    s++;
    for (;;) {
        while (*s == ' ' || *s == ',')
            s++;
        if (*s == ')')
            break;
        char *end = NULL;
        long long v = strtoll(s, &end, 10);
        if (end == s || v < 0 || v > (1LL << 40) || info->ndim == NPY_MAX_DIMS) {
            *why = "bad shape";
            return -1;
        }
        if (v > 0 && prod > (INT64_C(1) << 40) / v) {
            *why = "shape too large";
            return -1;
        }
        prod *= v;
        info->shape[info->ndim++] = v;
        s = end;
    }
    info->count = prod;
    return 0;
}

int npy_parse(const unsigned char *p, size_t len, npy_info *info, const char **why) {
    size_t hl = 0, start = 0;
    char *h = NULL;
    int rc = -1;
    memset(info, 0, sizeof *info);
    if (npy_preamble(p, len, &hl, &start, why) < 0)
        goto out;
    h = malloc(hl + 1);
    if (!h) {
        *why = "out of memory";
        goto out;
    }
    memcpy(h, p + start, hl);
    h[hl] = '\0';
    if (npy_dtype(h, &info->dtype, why) < 0 || npy_shape(h, info, why) < 0)
        goto out;
    info->offset = start + hl;
    rc = 0;
out:
    free(h);
    return rc;
}

/* The v1 header for a 2-D float32 array, padded with spaces and a newline
 * so the data starts at a multiple of 64 bytes, as numpy writes it. */
static size_t npy_header_f32(char *buf, size_t cap, int64_t rows, int64_t cols) {
    char dict[160];
    int n = snprintf(dict, sizeof dict,
                     "{'descr': '<f4', 'fortran_order': False, 'shape': (%" PRId64 ", %" PRId64 "), }", rows,
                     cols);
    size_t total = (10 + (size_t)n + 1 + 63) / 64 * 64, hl = total - 10;
    if (n < 0 || total > cap)
        return 0;
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = (char)(hl & 0xFF);
    buf[9] = (char)(hl >> 8);
    memcpy(buf + 10, dict, (size_t)n);
    memset(buf + 10 + n, ' ', hl - (size_t)n - 1);
    buf[total - 1] = '\n';
    return total;
}

int npy_write_f32(const char *path, const float *x, int64_t rows, int64_t cols) {
    char head[256];
    unsigned char chunk[4096];
    FILE *f = NULL;
    int rc = -1, saved = 0;
    int opened = 0;
    size_t hn = npy_header_f32(head, sizeof head, rows, cols);
    if (hn == 0) {
        saved = EINVAL;
        goto out;
    }
    f = fopen(path, "wb");
    if (!f) {
        saved = errno;
        goto out;
    }
    opened = 1;
    if (fwrite(head, 1, hn, f) != hn) {
        saved = errno ? errno : EIO;
        goto out;
    }
    int64_t n = rows * cols;
    for (int64_t i = 0; i < n;) {
        size_t m = 0;
        for (; m + 4 <= sizeof chunk && i < n; i++, m += 4) { /* little-endian whatever the host */
            uint32_t u = rg_f32_bits(x[i]);
            chunk[m] = (unsigned char)u;
            chunk[m + 1] = (unsigned char)(u >> 8);
            chunk[m + 2] = (unsigned char)(u >> 16);
            chunk[m + 3] = (unsigned char)(u >> 24);
        }
        if (fwrite(chunk, 1, m, f) != m) {
            saved = errno ? errno : EIO;
            goto out;
        }
    }
    if (fclose(f) != 0) {
        f = NULL;
        saved = errno ? errno : EIO;
        goto out;
    }
    f = NULL;
    rc = 0;
out:
    if (f)
        fclose(f);
    if (rc < 0 && opened)
        unlink(path);
    if (rc < 0)
        errno = saved;
    return rc;
}
