/* arith-impl.h: private helpers shared by arith.c and dot.c. */
#ifndef FPQ_ARITH_IMPL_H
#define FPQ_ARITH_IMPL_H

#include "fpq-impl.h"

/* Working precision of a result rounded to odd before fpq_encode: enough
 * for every float and integer format (see arith.c), and for lookup tables
 * of binary32 values. */
#define FPQ_ARITH_PREC FPQ_PARSE_PREC
#define FPQ_ARITH_PREC_LUT 512

/* The sign of an exact zero sum of two terms of signs s1 and s2 (IEEE
 * 754-2019 6.3): their common sign, else + except when rounding down. */
static inline bool fpq_zero_sum_negative(bool s1, bool s2, const fpq_rounding *rnd)
{
    return s1 == s2 ? s1 : rnd->mode == FPQ_RDN;
}

/* accmodel.c, used by dot.c: */
/* dst = the exact sum of t[0..n); dst's precision is set to hold it.  An
 * empty or all-zero sum is +0 (IEEE: -0 when every term is -0). */
FPQ_HIDDEN int fpq_exact_sum(mpfr_ptr dst, mpfr_t *t, size_t n);
/* The lowest exponent floor(log2|v|) the model gives a value of f: the
 * minimum normal exponent of a float format; very low for other kinds. */
FPQ_HIDDEN long fpq_acc_exp_floor(const fpq_format *f);
/* The alignment exponent of the exact product x*y (fpq_acc_model): the sum
 * of the inputs' exponents, each at least fpq_acc_exp_floor of its format.
 * x, y regular. */
FPQ_HIDDEN long fpq_acc_term_exp(mpfr_srcptr x, const fpq_format *fx, mpfr_srcptr y, const fpq_format *fy);
/* sum = the n terms t (te[i]: the alignment exponent of t[i], read when
 * t[i] is regular) accumulated under m, from c (NULL: +0); sum's precision
 * is set here; *flags ORed with the roundings' flags (and inexact where an
 * addend loses bits).  FPQ_OK or FPQ_ERR_NO_MEMORY. */
FPQ_HIDDEN int fpq_acc_model_sum(mpfr_ptr sum, unsigned *flags, mpfr_t *t, const long *te, size_t n,
                                 mpfr_srcptr c, const fpq_acc_model *m);

#endif
