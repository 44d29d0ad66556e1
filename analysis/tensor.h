/* tensor.h: the error lab's tensor, shared by every module of analysis/
 * (distributions, loaders, quantization, sweeps).
 *
 * A tensor is rows x cols doubles, row-major.  Rows are tokens (or output
 * units), columns are features (channels); a vector is 1 x n.  Groups and
 * blocks run along a row unless axis 0 is asked for.
 *
 * Errors are reported as status.h says: a status (FPQ_OK, an FPQ_ERR_* of
 * fpq.h or an FPQ_LAB_ERR_*) and a sentence in an fpq_errbuf.
 */
#ifndef FPQ_TENSOR_H
#define FPQ_TENSOR_H

#include <stddef.h>

#include "status.h"

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

/* FPQ_OK when every value of t is finite; else FPQ_LAB_ERR_FORMAT with err
 * naming the first (row-major) that is not: "WHAT value at row R, column C
 * (element I) is NaN (or infinite); ... element [R, C] ...". */
int fpq_tensor_check_finite(const fpq_tensor *t, const char *what, fpq_errbuf *err);

#endif
