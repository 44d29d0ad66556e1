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

#endif
