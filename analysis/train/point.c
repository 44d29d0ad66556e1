/* train/point.c: the quantization points of training (train.h): a cast
 * into a format (libfpq's fpq_round_f32) or a quantization spec of the lab
 * (fpq_quantize), applied in place to a float tensor, with the counts of
 * values flushed to zero and overflowed. */
#include "train.h"

#include <math.h>
#include <stdlib.h>

static const char *const pt_names[FPQ_NN_PT_COUNT_] = {"weight", "act", "grad-act", "grad-w",
                                                       "update", "store"};
static const char *const pt_prefixes[FPQ_NN_PT_COUNT_] = {"w", "a", "ga", "gw", "u", "s"};

const char *fpq_nn_pt_name(fpq_nn_pt p)
{
    return (unsigned)p < FPQ_NN_PT_COUNT_ ? pt_names[p] : "?";
}

const char *fpq_nn_pt_prefix(fpq_nn_pt p)
{
    return (unsigned)p < FPQ_NN_PT_COUNT_ ? pt_prefixes[p] : "?";
}

/* Values of x that are not finite. */
static uint64_t count_nonfinite(const float *x, size_t n)
{
    uint64_t bad = 0;
#pragma omp parallel for schedule(static) reduction(+ : bad) if (n > 65536)
    for (ptrdiff_t i = 0; i < (ptrdiff_t)n; i++)
        bad += !isfinite(x[i]);
    return bad;
}

static int cast(const fpq_nn_point *p, float *x, size_t n, uint64_t position, fpq_nn_counts *c,
                fpq_errbuf *err)
{
    float *y = malloc(n * sizeof *y);
    if (!y)
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory (%zu values)", n);
    fpq_rounding r = p->q.rnd;
    r.position = position;
    r.overflow = FPQ_OVF_FORMAT; /* the format's own Inf or NaN, which loss scaling detects (a
                                    quantization spec's default is finite) */
    int rc = fpq_round_f32(y, x, n, &p->q.format, &r);
    if (rc != FPQ_OK) {
        free(y);
        return fpq_err(err, rc, "rounding into %s: %s", p->q.format.name, fpq_strerror(rc));
    }
    uint64_t fl = 0, ov = 0;
#pragma omp parallel for schedule(static) reduction(+ : fl, ov) if (n > 65536)
    for (ptrdiff_t i = 0; i < (ptrdiff_t)n; i++) {
        fl += x[i] != 0 && y[i] == 0;
        ov += !isfinite(y[i]);
        x[i] = y[i];
    }
    free(y);
    if (c) {
        c->n += n;
        c->flushed += fl;
        c->overflowed += ov;
    }
    return FPQ_OK;
}

static int quantize(const fpq_nn_point *p, float *x, size_t rows, size_t cols, uint64_t position,
                    fpq_nn_counts *c, fpq_errbuf *err)
{
    size_t n = rows * cols;
    fpq_tensor t, q = FPQ_TENSOR_INIT;
    if (fpq_tensor_alloc(&t, rows, cols) != FPQ_OK)
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory (%zu values)", n);
    for (size_t i = 0; i < n; i++)
        t.data[i] = x[i];
    fpq_qspec s = p->q;
    s.rnd.position = position;
    fpq_qmetrics m;
    /* the metrics only for the counts (they cost as much as the rounding) */
    int rc = fpq_quantize(&q, c ? &m : NULL, &t, NULL, &s, err);
    if (rc != FPQ_OK) {
        fpq_tensor_free(&t);
        return rc;
    }
    uint64_t fl = 0;
    for (size_t i = 0; i < n; i++) {
        float v = (float)q.data[i];
        fl += x[i] != 0 && v == 0;
        x[i] = v;
    }
    fpq_tensor_free(&t);
    fpq_tensor_free(&q);
    if (c) {
        c->n += n;
        c->flushed += fl;
        c->overflowed += m.n_clipped;
    }
    return FPQ_OK;
}

int fpq_nn_point_apply(const fpq_nn_point *p, float *x, size_t rows, size_t cols,
                       uint64_t position, fpq_nn_counts *c, fpq_errbuf *err)
{
    if (!p->on || rows * cols == 0)
        return FPQ_OK;
    size_t n = rows * cols;
    uint64_t bad = count_nonfinite(x, n);
    if (bad) {
        if (c) {
            c->n += n;
            c->overflowed += bad;
        }
        return FPQ_OK;
    }
    if (p->cast)
        return cast(p, x, n, position, c, err);
    return quantize(p, x, rows, cols, position, c, err);
}
