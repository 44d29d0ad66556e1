/* train/optim.c: the optimizer's arithmetic in a chosen format (train.h):
 * SGD with momentum where every operation -- the gradient's conversion,
 * the unscaling, the weight decay, the momentum and the update -- is one
 * rounding into the format, through libfpq's bulk arithmetic
 * (fpq_arith_codes), the momentum buffer kept as the format's codes. */
#include "train.h"

#include <stdlib.h>
#include <string.h>

size_t fpq_nn_opt_size(const fpq_nn_opt *o, size_t n)
{
    return fpq_packed_size(&o->format, n > 0 ? n : 1);
}

int fpq_nn_opt_zero(const fpq_nn_opt *o, void *vcodes, size_t n, fpq_errbuf *err)
{
    float *z = calloc(n > 0 ? n : 1, sizeof *z);
    if (!z)
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory for the momentum buffer");
    fpq_rounding rne;
    fpq_rounding_default(&rne);
    int rc = fpq_encode_f32(vcodes, z, n, &o->format, &rne);
    free(z);
    if (rc != FPQ_OK)
        return fpq_err(err, rc, "zero into %s: %s", o->format.name, fpq_strerror(rc));
    return FPQ_OK;
}

/* What a step works in: codes of n values each. */
typedef struct opt_bufs {
    void *g, *t, *s; /* the gradient, a term, a scalar repeated n times */
    double *d;       /* n scalars before encoding */
} opt_bufs;

/* s: x rounded to nearest-even into the format, n times. */
static int scalar(opt_bufs *b, const fpq_nn_opt *o, double x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        b->d[i] = x;
    fpq_rounding rne;
    fpq_rounding_default(&rne);
    return fpq_encode_f64(b->s, b->d, n, &o->format, &rne);
}

/* r = a op b, operation k of the step (positions position + (k+1) 2^27 + i). */
static int op(void *r, const fpq_nn_opt *o, fpq_op f, const void *a, const void *b, size_t n,
              uint64_t position, unsigned k)
{
    fpq_rounding r0 = o->rnd;
    r0.position = position + ((uint64_t)(k + 1) << 27);
    return fpq_arith_codes(r, NULL, &o->format, f, &o->format, a, b, NULL, n, &r0);
}

int fpq_nn_opt_step(const fpq_nn_opt *o, void *vcodes, float *u, const float *dw, const float *w,
                    size_t n, double mu, double lr, double inv, double wd, uint64_t position,
                    fpq_errbuf *err)
{
    if (n == 0)
        return FPQ_OK;
    if (n >= (size_t)1 << 27)
        return fpq_err(err, FPQ_ERR_ARG, "the optimizer in %s: %zu values, at most 2^27 - 1 per "
                       "tensor", o->format.name, n);
    size_t bytes = fpq_nn_opt_size(o, n);
    opt_bufs b = {malloc(bytes), malloc(bytes), malloc(bytes), malloc(n * sizeof(double))};
    int rc = b.g && b.t && b.s && b.d ? FPQ_OK : FPQ_ERR_NO_MEMORY;
    fpq_rounding r0 = o->rnd;
    r0.position = position + (1u << 27);
    /* 0: the gradient into the format */
    if (rc == FPQ_OK)
        rc = fpq_encode_f32(b.g, dw, n, &o->format, &r0);
    /* 1: times the inverse loss scale */
    if (rc == FPQ_OK && inv != 1 && (rc = scalar(&b, o, inv, n)) == FPQ_OK)
        rc = op(b.g, o, FPQ_OP_MUL, b.g, b.s, n, position, 1);
    /* 2, 3, 4: plus wd times the weights, each into the format */
    if (rc == FPQ_OK && wd != 0) {
        r0.position = position + (3u << 27);
        rc = fpq_encode_f32(b.t, w, n, &o->format, &r0);
        if (rc == FPQ_OK && (rc = scalar(&b, o, wd, n)) == FPQ_OK)
            rc = op(b.t, o, FPQ_OP_MUL, b.s, b.t, n, position, 3);
        if (rc == FPQ_OK)
            rc = op(b.g, o, FPQ_OP_ADD, b.g, b.t, n, position, 4);
    }
    /* 5, 6: v = mu v + g */
    if (rc == FPQ_OK && (rc = scalar(&b, o, mu, n)) == FPQ_OK)
        rc = op(b.t, o, FPQ_OP_MUL, b.s, vcodes, n, position, 5);
    if (rc == FPQ_OK)
        rc = op(vcodes, o, FPQ_OP_ADD, b.t, b.g, n, position, 6);
    /* 7: u = lr v */
    if (rc == FPQ_OK && (rc = scalar(&b, o, lr, n)) == FPQ_OK)
        rc = op(b.t, o, FPQ_OP_MUL, b.s, vcodes, n, position, 7);
    if (rc == FPQ_OK)
        rc = fpq_decode_f32(u, b.t, n, &o->format);
    free(b.g), free(b.t), free(b.s), free(b.d);
    if (rc == FPQ_ERR_NO_MEMORY)
        return fpq_err(err, rc, "out of memory for the optimizer (%zu values)", n);
    if (rc != FPQ_OK)
        return fpq_err(err, rc, "the optimizer in %s: %s", o->format.name, fpq_strerror(rc));
    return FPQ_OK;
}
