/* qdq_stream.h: `ridge qdq`'s streaming pipeline, raw float32 from one file
 * descriptor to another (see qdq_stream.c for how the work overlaps). */
#ifndef RG_QDQ_STREAM_H
#define RG_QDQ_STREAM_H

#include "quant.h"

/* Quantize-dequantize every float32 of in_fd onto out_fd, in order, on
 * `threads` compute threads (<= 0: the OpenMP default). The bytes written
 * equal rg_quant_qdq on the whole input, whatever the thread count. Returns
 * the exit status: 0, 2 (input not a whole number of float32 values), 1
 * (read, write or memory failure); a message is printed on stderr. */
int qdq_stream(const rg_quant *q, int in_fd, int out_fd, int threads);

#endif
