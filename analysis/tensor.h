/* tensor.h: the error lab's tensor and error report, shared by every module
 * of analysis/ (distributions, loaders, quantization, sweeps).
 *
 * A tensor is rows x cols doubles, row-major.  Rows are tokens (or output
 * units), columns are features (channels); a vector is 1 x n.  Groups and
 * blocks run along a row unless axis 0 is asked for.
 *
 * analysis/ reports errors like the library does: a status code (FPQ_OK or
 * an FPQ_ERR_* of fpq.h, or the FPQ_LAB_* codes below) and, where a message
 * helps, a sentence in an fpq_errbuf naming what is wrong and where.  Nothing
 * here prints or exits.
 */
#ifndef FPQ_TENSOR_H
#define FPQ_TENSOR_H

#include <stdarg.h>
#include <stddef.h>

#include "fpq.h"

/* Status codes of analysis/, after fpq.h's. */
enum {
    FPQ_LAB_ERR_IO = 100, /* a file could not be read or written */
    FPQ_LAB_ERR_FORMAT,   /* a file's contents are malformed or unsupported */
    FPQ_LAB_ERR_SPEC,     /* a generator, source or quantization spec is invalid */
    FPQ_LAB_ERR_EMPTY     /* an empty tensor where values are needed */
};

typedef struct fpq_errbuf {
    char msg[512];
} fpq_errbuf;

/* Write a message into err (when non-NULL) and return status. */
int fpq_err(fpq_errbuf *err, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

typedef struct fpq_tensor {
    size_t rows, cols;
    double *data; /* rows * cols values, row-major; owned */
} fpq_tensor;

#define FPQ_TENSOR_INIT {0, 0, NULL}

/* Allocate rows x cols zeros.  FPQ_ERR_NO_MEMORY also when rows * cols
 * overflows.  A 0 x 0 tensor is allowed (data NULL). */
int fpq_tensor_alloc(fpq_tensor *t, size_t rows, size_t cols);
void fpq_tensor_free(fpq_tensor *t);
static inline size_t fpq_tensor_size(const fpq_tensor *t) { return t->rows * t->cols; }

#endif
