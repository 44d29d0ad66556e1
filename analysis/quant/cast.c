/* cast.c: the cast experiment (quant.h): x * s rounded into a format by
 * libfpq's bulk path, divided back, measured by fpq_qmetrics_compute, and
 * the values that underflowed, became subnormal or overflowed counted
 * against the format's landmarks. */
#include "quant.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

void fpq_cast_spec_default(fpq_cast_spec *c)
{
    memset(c, 0, sizeof *c);
    if (fpq_format_parse(&c->format, "fp16") != FPQ_OK) /* a preset: cannot fail */
        memset(&c->format, 0, sizeof c->format);
    fpq_rounding_default(&c->rnd);
    c->loss_scale = 1;
}

/* The value of the pattern bits of f (fpq_decode_f64), or none when f has
 * no such pattern (FPQ_NO_BITS). */
static double pattern_value(const fpq_format *f, uint64_t bits, double none)
{
    if (bits == FPQ_NO_BITS)
        return none;
    /* one packed pattern (fpq_packed_size): the low nibble or a whole word */
    union {
        uint8_t u8;
        uint16_t u16;
        uint32_t u32;
        uint64_t u64;
    } p;
    switch (fpq_packed_size(f, 1)) {
    case 1: p.u8 = (uint8_t)bits; break;
    case 2: p.u16 = (uint16_t)bits; break;
    case 4: p.u32 = (uint32_t)bits; break;
    default: p.u64 = bits; break;
    }
    double v;
    return fpq_decode_f64(&v, &p, 1, f) == FPQ_OK ? v : none;
}

int fpq_cast(fpq_tensor *xhat, fpq_qmetrics *m, fpq_cast_stats *st, const fpq_tensor *x,
             const fpq_cast_spec *c, fpq_errbuf *err)
{
    if (xhat)
        *xhat = (fpq_tensor)FPQ_TENSOR_INIT;
    const size_t n = fpq_tensor_size(x);
    if (n == 0)
        return fpq_err(err, FPQ_LAB_ERR_EMPTY, "the input tensor is empty (%zu x %zu): nothing to cast",
                       x->rows, x->cols);
    /* the same rule as fpq_quantize: NaN or infinite input is refused */
    int rc = fpq_tensor_check_finite(x, "input", err);
    if (rc != FPQ_OK)
        return rc;
    fpq_tensor y = FPQ_TENSOR_INIT;
    rc = fpq_tensor_alloc(&y, x->rows, x->cols);
    if (rc != FPQ_OK)
        return fpq_err(err, rc, "out of memory");
    const double s = c->loss_scale;
    for (size_t i = 0; i < n; i++)
        y.data[i] = x->data[i] * s;
    if ((rc = fpq_round_f64(y.data, y.data, n, &c->format, &c->rnd)) != FPQ_OK) {
        fpq_tensor_free(&y);
        return fpq_err(err, rc, "format %s: %s", c->format.name, fpq_strerror(rc));
    }

    /* the largest finite value and, with subnormals, the smallest normal */
    double maxf = INFINITY, minnorm = 0;
    fpq_landmarks lm;
    if (fpq_landmarks_get(&lm, &c->format) == FPQ_OK) {
        maxf = pattern_value(&c->format, lm.max_finite, INFINITY);
        if (c->format.kind == FPQ_KIND_FLOAT && c->format.subnormals)
            minnorm = pattern_value(&c->format, lm.min_normal, 0);
    }
    size_t nu = 0, ns = 0, no = 0;
    for (size_t i = 0; i < n; i++) {
        double xs = x->data[i] * s, r = y.data[i];
        if (x->data[i] != 0 && r == 0)
            nu++;
        else if (r != 0 && fabs(r) < minnorm)
            ns++;
        if (fabs(xs) > maxf)
            no++;
        y.data[i] = r / s;
    }

    fpq_qmetrics mm;
    rc = fpq_qmetrics_compute(&mm, x, &y, false, err);
    if (rc != FPQ_OK) {
        fpq_tensor_free(&y);
        return rc;
    }
    mm.n_clipped = no;
    mm.clipped_frac = (double)no / (double)n;
    mm.outlier_frac = 0;
    mm.bits_per_value = c->format.bits;
    if (m)
        *m = mm;
    if (st) {
        st->underflow_frac = (double)nu / (double)n;
        st->subnormal_frac = (double)ns / (double)n;
        st->overflow_frac = (double)no / (double)n;
    }
    if (xhat)
        *xhat = y;
    else
        fpq_tensor_free(&y);
    return FPQ_OK;
}
