/* fast-arith-sr.c: the kernels of the bulk arithmetic in stochastic
 * rounding (fast-arith.c's sr_block): the exact result in binary64 where it
 * holds it, and the flags of its rounding.  Whole blocks, branch-free and
 * compiled for AVX-512, AVX2 and the baseline (HOT), so that GCC
 * vectorises them. */
#include "fast-arith-impl.h"

#include <float.h>

/* x0 + x1 by TwoSum (fa_two_sum); *m = 1 when its error term is not 0
 * (NaN too: an infinite term). */
static inline __attribute__((always_inline)) double two_sum_exact(uint64_t *m, double x0, double x1)
{
    double err;
    const double s = fa_two_sum(x0, x1, &err);
    *m = err != 0;
    return s;
}

/* y[i] = the exact result of op on v[0][i], v[1][i] (v[2][i]: fma's
 * addend) where binary64 holds it: products always (at most 24 + 24 bits
 * within [2^-298, 2^256]); sums, differences and fma (the exact product
 * plus the addend) when TwoSum's error term is 0; quotients and square
 * roots when the remainder (one fma) is 0.  Elsewhere bad[i] = 1 and y[i]
 * = 0: an inexact result, a NaN or infinite operand (v NaN or +-Inf),
 * x / 0, the square root of a negative number.  An exact zero sum comes
 * out of the host's nearest-even addition with IEEE 754's sign, -0 only
 * for two -0 terms, as fpq_zero_sum_negative gives it in every mode but
 * rdn. */
HOT static void sr_exact_block(double *restrict y, uint8_t *restrict bad, const double *restrict a,
                               const double *restrict b, const double *restrict c, fpq_op op)
{
    uint64_t m[BLOCK]; /* 1: not exact in binary64, or no finite result */
    switch (op) {
    case FPQ_OP_MUL:
        for (size_t i = 0; i < BLOCK; i++) {
            y[i] = a[i] * b[i];
            m[i] = 0;
        }
        break;
    case FPQ_OP_ADD:
    case FPQ_OP_SUB: {
        const double sg = op == FPQ_OP_SUB ? -1.0 : 1.0; /* -b exactly, -0 included */
        for (size_t i = 0; i < BLOCK; i++)
            y[i] = two_sum_exact(&m[i], a[i], b[i] * sg);
        break;
    }
    case FPQ_OP_FMA:
        for (size_t i = 0; i < BLOCK; i++)
            y[i] = two_sum_exact(&m[i], a[i] * b[i], c[i]);
        break;
    case FPQ_OP_DIV:
        for (size_t i = 0; i < BLOCK; i++) {
            const double q = a[i] / b[i];
            m[i] = (b[i] == 0) | (fma(-q, b[i], a[i]) != 0);
            y[i] = q;
        }
        break;
    default: /* FPQ_OP_SQRT: sqrt(-0) = -0 */
        for (size_t i = 0; i < BLOCK; i++) {
            const double s = sqrt(a[i]);
            m[i] = (a[i] < 0) | (fma(-s, s, a[i]) != 0);
            y[i] = s;
        }
        break;
    }
    for (size_t i = 0; i < BLOCK; i++) {
        const uint64_t no = m[i] | (uint64_t)!(fabs(y[i]) <= DBL_MAX); /* NaN, +-Inf */
        y[i] = seld(no, 0, y[i]);
        bad[i] = (uint8_t)(bad[i] | no);
    }
}

/* fl[i] = lean_sr_flags of y[i] with the draw u[i], i < len: the whole
 * block (a trip count known, 64-bit lanes throughout), then the copy. */
HOT static void sr_flags_block(uint8_t *restrict fl, const double *restrict y, const uint64_t *restrict u,
                               const lean *L, size_t len)
{
    const lean P = *L;
    uint64_t f[BLOCK];
    for (size_t i = 0; i < BLOCK; i++)
        f[i] = lean_sr_flags(&P, y[i], u[i]);
    for (size_t i = 0; i < len; i++)
        fl[i] = (uint8_t)f[i];
}

/* The exported entry points: plain functions around the clones (as in
 * fast-kernels.c; clang's target_clones do not give a hidden symbol the
 * plain name). */
void fpq_fast_sr_exact_block(double *restrict y, uint8_t *restrict bad, const double *restrict a,
                             const double *restrict b, const double *restrict c, fpq_op op)
{
    sr_exact_block(y, bad, a, b, c, op);
}

void fpq_fast_sr_flags_block(uint8_t *restrict fl, const double *restrict y, const uint64_t *restrict u,
                             const lean *L, size_t len)
{
    sr_flags_block(fl, y, u, L, len);
}
