/* tensor.c: tensors and error messages of analysis/. */
#include "tensor.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int fpq_err(fpq_errbuf *err, int status, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return status;
}

int fpq_tensor_alloc(fpq_tensor *t, size_t rows, size_t cols)
{
    t->rows = t->cols = 0;
    t->data = NULL;
    if (rows != 0 && cols > SIZE_MAX / sizeof(double) / rows)
        return FPQ_ERR_NO_MEMORY;
    size_t n = rows * cols;
    if (n) {
        t->data = calloc(n, sizeof(double));
        if (!t->data)
            return FPQ_ERR_NO_MEMORY;
    }
    t->rows = rows;
    t->cols = cols;
    return FPQ_OK;
}

void fpq_tensor_free(fpq_tensor *t)
{
    free(t->data);
    t->data = NULL;
    t->rows = t->cols = 0;
}
