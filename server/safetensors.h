/* safetensors.h: reading tensors from .safetensors checkpoints (the format
 * Hugging Face checkpoints ship in) for `ridge quantize` and `ridge matmul`.
 *
 * Layout (huggingface/safetensors, "Format"): an unsigned little-endian
 * 64-bit header length N, N bytes of a JSON object mapping each tensor name
 * to {"dtype", "shape", "data_offsets": [begin, end]} (offsets into the
 * byte buffer after the header; an optional "__metadata__" entry maps
 * strings to strings), then the buffer. Everything is checked before any
 * value is read: the header length against the file and the format's 100 MB
 * limit, every entry's fields, the offsets against the buffer, and each
 * tensor's byte count against its shape and dtype. BF16, F16, F32 and F64
 * tensors convert to float32 (exact for the first three; F64 rounds to
 * nearest); other dtypes are listed but not read. */
#ifndef RG_SAFETENSORS_H
#define RG_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#define ST_MAX_DIMS 8

typedef struct st_tensor {
    char *name; /* owned by the st_file */
    char dtype[12];
    int esize; /* bytes per element */
    int ndim;
    int64_t shape[ST_MAX_DIMS];
    int64_t count;
    uint64_t begin, end; /* offsets into the data buffer */
} st_tensor;

typedef struct st_file {
    st_tensor *t;
    int n;
    size_t data_off; /* where the buffer starts in the file */
} st_file;

/* Parse the header of a file held in p[0, len). Returns 0, or -1 with a
 * message in why[0, cap) (nothing to free then). On success free with
 * st_free. */
int st_parse(const unsigned char *p, size_t len, st_file *f, char *why, size_t cap);
void st_free(st_file *f);

/* The tensor called `name`, or NULL. */
const st_tensor *st_find(const st_file *f, const char *name);

/* Convert tensor t of the file p into out[0, t->count) float32. Returns 0,
 * or -1 (unsupported dtype) with a message in why. */
int st_read_f32(const unsigned char *p, const st_file *f, const st_tensor *t, float *out, char *why,
                size_t cap);

#endif
