/* npy.h: NumPy .npy files (format v1-v3) for the CLI: the header parser
 * shared by `ridge quantize` and `ridge matmul`, and a float32 writer.
 * Little-endian float32, float64 and float16 in C order only; that is what
 * numpy.save writes on every platform Ridge runs on. Format reference:
 * numpy.lib.format (NEP 1, "A Simple File Format for NumPy Arrays"). */
#ifndef RG_NPY_H
#define RG_NPY_H

#include <stddef.h>
#include <stdint.h>

#define NPY_MAX_DIMS 32

typedef struct npy_info {
    char dtype;                  /* 'f' <f4, 'd' <f8, 'h' <f2 */
    int ndim;                    /* 0 for a scalar */
    int64_t shape[NPY_MAX_DIMS]; /* ndim entries */
    int64_t count;               /* product of the shape */
    size_t offset;               /* where the data starts */
} npy_info;

/* Parse the header at p[0, len). Returns 0, or -1 with a static message in
 * *why. Checks the shape's product against overflow, not against len (the
 * caller compares count * element size with the bytes it holds). */
int npy_parse(const unsigned char *p, size_t len, npy_info *info, const char **why);

/* Write a rows x cols float32 C-order array to `path` (v1 header). Returns 0,
 * or -1 with errno set; a failed write removes the partial file. */
int npy_write_f32(const char *path, const float *x, int64_t rows, int64_t cols);

#endif
