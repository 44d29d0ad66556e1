/* fast-gemm-impl.h: the column kernels of the fast GEMM
 * (fast-gemm-kernels.c), driven by fast-dot.c.
 *
 * A strip is GK_W consecutive columns of one row of C.  Its sums are
 * binary64 values, one per column, held in vectors of GK_VL lanes; the
 * loop over the terms (k) is outside the loop over the strip's vectors, so
 * every step is the same operation on every lane: the term x * B[q][j]
 * (exact in binary64), maybe rounded into the product format, then the
 * sum rounded into the accumulator format.  The rounding of a sum is the
 * one of fast-arith-impl.h: the exact sum rounded to odd in binary64
 * (TwoSum), then rounded once into the format; here on the bits of all
 * lanes at once, without branches, for the binades from the format's emin
 * up (the lanes' common case), and lane by lane (lean_round) for a step in
 * which some lane is tiny or overflows. */
#ifndef FPQ_FAST_GEMM_IMPL_H
#define FPQ_FAST_GEMM_IMPL_H

#include "fast-arith-impl.h"

enum {
    GK_VL = 8,              /* binary64 lanes per vector */
    GK_NV = 2,              /* vectors per strip */
    GK_W = GK_VL * GK_NV,   /* columns per strip */
    GK_STACK = 66,          /* pairwise partial sums held at once: one per bit of k, and one more */
};

/* A host-exact format for the column kernels. */
typedef struct gk_fmt {
    lean L;            /* the lane-wise rounding */
    int sh;            /* 52 - M: the bits of a binary64 significand below the format's, from emin up */
    uint64_t low;      /* 2^sh - 1 */
    uint64_t half_m1;  /* 2^(sh - 1) - 1 */
    uint64_t minnorm;  /* the bits of 2^emin (UINT64_MAX: every nonzero lane takes the lane-wise path) */
    uint64_t maxbits;  /* the bits of the largest finite value */
} gk_fmt;

/* One GEMM for the kernels: B decoded in strips, value (q, j) at
 * b[(j / GK_W * k + q) * GK_W + j % GK_W] (k rows of GK_W values a strip,
 * zeros past the last column; NaN and infinite values replaced by 0). */
typedef struct gk_job {
    gk_fmt acc, prod, bacc;
    bool has_prod;
    int mode; /* a deterministic fpq_rnd */
    fpq_dot_order order;
    size_t k, block;
    const double *b;
} gk_job;

/* Fill *G for F under r (deterministic mode). */
FPQ_HIDDEN void gk_fmt_init(gk_fmt *G, const fa_fmt *F, const fpq_rounding *r);

/* The strip of columns j0 .. j0 + GK_W - 1 of the row of C whose row of A
 * is arow (k finite values): the sums into s[], which are the values of
 * the accumulator (the block accumulator for the blocked order) before
 * the output rounding.  bad[] (0 or 1 per column) comes in set for the
 * columns the caller leaves to the reference, and is set for every column
 * whose sum became NaN or infinite.  Returns the flags of the roundings of
 * the columns that are not bad. */
FPQ_HIDDEN unsigned gk_strip(const gk_job *g, const double *arow, size_t j0, double *s, uint64_t *bad);

/* The binary32 kernel (fast-gemm32.c, which gives the conditions under
 * which host binary32 arithmetic is the reference): nr <= G32_R rows of A
 * (a, k values each, stride k, finite) times a strip of G32_W columns of B
 * (b: k rows of G32_W finite values, zeros past the last column), summed
 * sequentially in binary32 into out (nr rows of G32_W).  A sum may become
 * infinite (the caller leaves that element to the reference).  With want,
 * returns whether any step was inexact (else false).  Host rounding
 * nearest-even, no flush-to-zero (fp_enter). */
enum { G32_R = 4, G32_W = 32 };
FPQ_HIDDEN bool g32_block(const float *a, size_t k, const float *b, float *out, int nr, bool want);

/* GEMMs fpq_fast_gemm and fpq_fast_gemm_f64 have run on the binary32
 * kernel (a count for the tests, incremented atomically). */
FPQ_HIDDEN extern unsigned long fpq_fast_gemm32_calls;

#endif
