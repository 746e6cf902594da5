/* qdq_stream.c: `ridge qdq`'s pipeline, overlapping input, compute and output.
 *
 * The input goes by chunks of QS_CHUNK_BYTES through QS_SLOTS buffers:
 *   - a reader thread read()s chunk k + 2 into its slot (pipes; a regular
 *     file is mapped instead and its chunks are ready at once),
 *   - compute threads take units of chunk k + 1 (whole scale groups, handed
 *     out one at a time, so a thread that gets less CPU on a shared machine
 *     takes fewer) and run rg_quant_qdq on one thread each,
 *   - the calling thread write()s chunk k as soon as its last unit is done.
 * Every unit carries its global offset, so the bytes equal rg_quant_qdq on
 * the whole input for any thread count or chunking (quant.h). A format with
 * a tensor-wide scale (NVFP4, per-tensor) needs the whole input first: its
 * amax is taken by the same threads, then it streams like the others.
 *
 * The threads are POSIX threads that sleep on a condition variable when
 * idle, not an OpenMP team: idle OpenMP threads spin (OMP_WAIT_POLICY can
 * only be chosen before the runtime starts), and on a busy 2-core machine a
 * spinning thread takes the core the reader, the writer or a compute thread
 * needs; measured, mxfp8_e4m3 on 256 MiB took 216 ms with spinning and
 * 90 ms with OMP_WAIT_POLICY=passive. */
#include "qdq_stream.h"

#include <errno.h>
#include <fcntl.h>
#include <omp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define QS_SLOTS       3
#define QS_CHUNK_BYTES ((int64_t)8 << 20)   /* 2 Mi float32 per chunk */
#define QS_UNIT        ((int64_t)256 << 10) /* elements per unit of work */
#define QS_MAX_THREADS 256

typedef struct qs {
    rg_quant q; /* a copy with tensor_amax set where the format needs it */
    int in_fd, out_fd;
    const float *whole; /* the input in memory (mapped or read), or NULL: streamed */
    int64_t n_whole;
    int64_t chunk, unit; /* elements; multiples of rg_quant_chunk_align */
    float *buf[QS_SLOTS];
    pthread_mutex_t mu;
    pthread_cond_t cv; /* broadcast on every change below */
    /* under mu */
    int64_t filled;  /* chunks 0 .. filled-1 have their input */
    int64_t total;   /* number of chunks; -1 until the input's end is known */
    int64_t written; /* chunks 0 .. written-1 are written (their slots are free) */
    int64_t len[QS_SLOTS];
    int64_t done[QS_SLOTS]; /* units finished of the chunk in the slot */
    int64_t claim_chunk, claim_unit;
    uint32_t amax_bits; /* tensor amax phase: running max, units claimed and done */
    int64_t amax_next, amax_done;
    int status; /* first failure's exit status; 0 while all is well */
} qs;

static int64_t chunk_len(const qs *s, int64_t k) {
    if (!s->whole)
        return s->len[k % QS_SLOTS];
    int64_t lo = k * s->chunk;
    return s->n_whole - lo < s->chunk ? s->n_whole - lo : s->chunk;
}

static int64_t chunk_units(const qs *s, int64_t k) { return (chunk_len(s, k) + s->unit - 1) / s->unit; }

/* Record the first failure and wake everyone. Caller holds mu. */
static void fail_locked(qs *s, int status) {
    if (!s->status)
        s->status = status;
    pthread_cond_broadcast(&s->cv);
}

static void fail(qs *s, int status) {
    pthread_mutex_lock(&s->mu);
    fail_locked(s, status);
    pthread_mutex_unlock(&s->mu);
}

/* Read up to `bytes` (stops early only at end of input). Returns the bytes
 * read, or -1 (errno set). */
static ssize_t read_full(int fd, void *p, size_t bytes) {
    size_t got = 0;
    while (got < bytes) {
        ssize_t r = read(fd, (char *)p + got, bytes - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

static int write_all(int fd, const void *p, size_t len) {
    const char *c = p;
    while (len > 0) {
        ssize_t w = write(fd, c, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        c += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Reader thread (streamed input): fills slots as they are written out. */
static void *reader_main(void *arg) {
    qs *s = arg;
    size_t bytes = (size_t)s->chunk * 4;
    for (int64_t k = 0;; k++) {
        pthread_mutex_lock(&s->mu);
        while (!s->status && k - s->written >= QS_SLOTS)
            pthread_cond_wait(&s->cv, &s->mu);
        int stop = s->status != 0;
        pthread_mutex_unlock(&s->mu);
        if (stop)
            break;
        ssize_t got = read_full(s->in_fd, s->buf[k % QS_SLOTS], bytes);
        if (got < 0) {
            fprintf(stderr, "ridge qdq: cannot read stdin: %s\n", strerror(errno));
            fail(s, 1);
            break;
        }
        if (got % 4) {
            fprintf(stderr, "ridge qdq: input is not a whole number of float32 values\n");
            fail(s, 2);
            break;
        }
        pthread_mutex_lock(&s->mu);
        s->len[k % QS_SLOTS] = got / 4;
        if (got > 0)
            s->filled = k + 1;
        if ((size_t)got < bytes)
            s->total = s->filled;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
        if ((size_t)got < bytes)
            break;
    }
    return NULL;
}

/* Compute thread: first its share of the tensor amax (when the format needs
 * one and the input is in memory), then units of the oldest unfinished chunk
 * whose input is there and whose output slot is free. */
static void *worker_main(void *arg) {
    qs *s = arg;
    pthread_mutex_lock(&s->mu);
    if (s->whole && rg_quant_needs_whole(&s->q)) {
        int64_t nu = (s->n_whole + s->unit - 1) / s->unit;
        while (s->amax_next < nu) {
            int64_t u = s->amax_next++;
            pthread_mutex_unlock(&s->mu);
            int64_t lo = u * s->unit, m = s->n_whole - lo < s->unit ? s->n_whole - lo : s->unit;
            float a = rg_quant_tensor_amax(s->whole + lo, m, 1);
            uint32_t b;
            memcpy(&b, &a, 4);
            pthread_mutex_lock(&s->mu);
            s->amax_bits = b > s->amax_bits ? b : s->amax_bits;
            if (++s->amax_done == nu)
                pthread_cond_broadcast(&s->cv);
        }
        while (s->amax_done < nu)
            pthread_cond_wait(&s->cv, &s->mu);
        if (!(s->q.tensor_amax > 0.0f)) { /* the first thread past the barrier sets it */
            float a;
            memcpy(&a, &s->amax_bits, 4);
            /* all zero: the smallest amax gives scale 1, as amax 0 does */
            s->q.tensor_amax = a > 0.0f ? a : 0x1p-149f;
        }
    }
    for (;;) {
        if (s->status)
            break;
        int64_t c = s->claim_chunk;
        if (s->total >= 0 && c >= s->total)
            break;
        if (c < s->filled && c < s->written + QS_SLOTS && !(s->whole && rg_quant_needs_whole(&s->q))) {
            int64_t nu = chunk_units(s, c), u = s->claim_unit++;
            if (s->claim_unit == nu) {
                s->claim_chunk++;
                s->claim_unit = 0;
            }
            int64_t len = chunk_len(s, c);
            pthread_mutex_unlock(&s->mu);
            int64_t lo = u * s->unit, m = len - lo < s->unit ? len - lo : s->unit;
            float *out = s->buf[c % QS_SLOTS] + lo;
            const float *in = s->whole ? s->whole + c * s->chunk + lo : out;
            int rc = rg_quant_qdq(&s->q, in, out, m, c * s->chunk + lo, 1);
            pthread_mutex_lock(&s->mu);
            if (rc < 0) {
                fprintf(stderr, "ridge qdq: internal error %d\n", rc);
                fail_locked(s, 1);
            }
            if (++s->done[c % QS_SLOTS] == nu)
                pthread_cond_broadcast(&s->cv);
            continue;
        }
        pthread_cond_wait(&s->cv, &s->mu);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* The calling thread: writes chunks in order as they complete. */
static void write_loop(qs *s) {
    for (int64_t k = 0;; k++) {
        pthread_mutex_lock(&s->mu);
        for (;;) {
            if (s->status || (s->total >= 0 && k >= s->total))
                break;
            if (k < s->filled && s->done[k % QS_SLOTS] == chunk_units(s, k))
                break;
            pthread_cond_wait(&s->cv, &s->mu);
        }
        int stop = s->status || (s->total >= 0 && k >= s->total);
        int64_t len = stop ? 0 : chunk_len(s, k);
        pthread_mutex_unlock(&s->mu);
        if (stop)
            return;
        if (write_all(s->out_fd, s->buf[k % QS_SLOTS], (size_t)len * 4) < 0) {
            fprintf(stderr, "ridge qdq: write failed: %s\n", strerror(errno));
            fail(s, 1);
            return;
        }
        pthread_mutex_lock(&s->mu);
        s->done[k % QS_SLOTS] = 0;
        s->written = k + 1;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
    }
}

/* Map in_fd when it is a regular file read from its start. Returns the
 * mapping (length in *len) or NULL. */
static void *map_input(int fd, size_t *len) {
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 || lseek(fd, 0, SEEK_CUR) != 0)
        return NULL;
    void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED)
        return NULL;
    (void)madvise(m, (size_t)st.st_size, MADV_WILLNEED); /* start reading ahead of the threads */
    *len = (size_t)st.st_size;
    return m;
}

/* Read all of fd (a pipe whose format needs the whole tensor) into an
 * anonymous mapping grown by doubling with mremap, asking for transparent
 * huge pages: one page fault per 2 MiB instead of per 4 KiB. Returns the
 * mapping, of *cap bytes with *len read, which the caller munmaps; or NULL
 * (errno set). */
static char *read_all(int fd, size_t *len, size_t *cap) {
    size_t n = 0, c = (size_t)64 << 20;
    char *p = mmap(NULL, c, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    (void)madvise(p, c, MADV_HUGEPAGE);
    for (;;) {
        if (n == c) {
            char *np = mremap(p, c, 2 * c, MREMAP_MAYMOVE);
            if (np == MAP_FAILED) {
                int saved = errno;
                munmap(p, c);
                errno = saved;
                return NULL;
            }
            p = np;
            (void)madvise(p + c, c, MADV_HUGEPAGE);
            c *= 2;
        }
        ssize_t r = read(fd, p + n, c - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int saved = errno;
            munmap(p, c);
            errno = saved;
            return NULL;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    *len = n;
    *cap = c;
    return p;
}

int qdq_stream(const rg_quant *q, int in_fd, int out_fd, int threads) {
    qs s;
    memset(&s, 0, sizeof s);
    s.q = *q;
    s.in_fd = in_fd;
    s.out_fd = out_fd;
    s.total = -1;
    int status = 1, nworkers = 0, reader = 0;
    pthread_t tid[QS_MAX_THREADS], rtid;
    size_t map_len = 0;
    char *all = NULL; /* a pipe read whole: a mapping of all_cap bytes */
    size_t all_cap = 0;
    void *map = map_input(in_fd, &map_len);
    /* bigger pipe buffers: fewer wake-ups of the writer feeding us and the
     * reader we feed (the kernel caps this at /proc/sys/fs/pipe-max-size) */
    (void)fcntl(in_fd, F_SETPIPE_SZ, 1 << 20);
    (void)fcntl(out_fd, F_SETPIPE_SZ, 1 << 20);
    size_t in_bytes = map_len;
    if (!map && rg_quant_needs_whole(q)) { /* a pipe and a tensor-wide scale: read it all */
        all = read_all(in_fd, &in_bytes, &all_cap);
        if (!all) {
            fprintf(stderr, "ridge qdq: cannot read stdin: %s\n", strerror(errno));
            return 1;
        }
    }
    if ((map || all) && in_bytes % 4) {
        fprintf(stderr, "ridge qdq: input: %zu bytes is not a whole number of float32 values\n", in_bytes);
        status = 2;
        goto out;
    }
    int64_t align = rg_quant_chunk_align(q);
    s.chunk = QS_CHUNK_BYTES / 4 / align * align;
    s.chunk = s.chunk < align ? align : s.chunk;
    s.unit = QS_UNIT / align * align;
    s.unit = s.unit < align ? align : s.unit;
    s.chunk = s.chunk / s.unit * s.unit; /* whole units (unit <= chunk: both at least one align) */
    if (map || all) {
        s.whole = map ? (const float *)map : (const float *)(void *)all; /* page-aligned */
        s.n_whole = (int64_t)(in_bytes / 4);
        s.total = (s.n_whole + s.chunk - 1) / s.chunk;
        s.filled = s.total;
    }
    size_t bytes = ((size_t)s.chunk * 4 + 63) / 64 * 64;
    for (int i = 0; i < QS_SLOTS; i++) {
        if (posix_memalign((void **)&s.buf[i], 64, bytes) != 0) {
            s.buf[i] = NULL;
            fprintf(stderr, "ridge qdq: out of memory (%zu-byte buffers)\n", bytes);
            goto out;
        }
    }
    if (pthread_mutex_init(&s.mu, NULL) != 0 || pthread_cond_init(&s.cv, NULL) != 0) {
        fprintf(stderr, "ridge qdq: cannot create a lock\n");
        goto out;
    }
    int want = threads > 0 ? threads : omp_get_max_threads();
    want = want < 1 ? 1 : (want > QS_MAX_THREADS ? QS_MAX_THREADS : want);
    if (!s.whole) {
        if (pthread_create(&rtid, NULL, reader_main, &s) != 0) {
            fprintf(stderr, "ridge qdq: cannot start a thread\n");
            fail(&s, 1);
            goto done;
        }
        reader = 1;
    }
    for (; nworkers < want; nworkers++)
        if (pthread_create(&tid[nworkers], NULL, worker_main, &s) != 0)
            break;
    if (nworkers == 0) {
        fprintf(stderr, "ridge qdq: cannot start a thread\n");
        fail(&s, 1);
    } else {
        write_loop(&s);
    }
done:
    if (reader)
        pthread_join(rtid, NULL);
    for (int i = 0; i < nworkers; i++)
        pthread_join(tid[i], NULL);
    status = s.status;
    pthread_cond_destroy(&s.cv);
    pthread_mutex_destroy(&s.mu);
out:
    for (int i = 0; i < QS_SLOTS; i++)
        free(s.buf[i]);
    if (map)
        munmap(map, map_len);
    if (all)
        munmap(all, all_cap);
    return status;
}
