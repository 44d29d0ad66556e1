/* tensor.c: tensors of analysis/ (tensor.h). */
#include "tensor.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

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

int fpq_tensor_check_finite(const fpq_tensor *t, const char *what, fpq_errbuf *err)
{
    size_t n = fpq_tensor_size(t);
    for (size_t i = 0; i < n; i++)
        if (!isfinite(t->data[i]))
            return fpq_err(err, FPQ_LAB_ERR_FORMAT,
                           "%s value at row %zu, column %zu (element %zu) is %s; the quantizers need "
                           "finite values (drop or replace element [%zu, %zu] first)",
                           what, i / t->cols, i % t->cols, i, isnan(t->data[i]) ? "NaN" : "infinite",
                           i / t->cols, i % t->cols);
    return FPQ_OK;
}
