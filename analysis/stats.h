/* stats.h: summary statistics of a tensor, for `fpq inspect` and reports.
 *
 * Over the finite values (NaN and +-Inf are counted apart):
 *   mean, std (population: divided by n), min, max, absmax = max |x|,
 *   kurtosis = m4 / m2^2 with central moments m_k = mean((x - mean)^k)
 *   (plain, not excess: 3 for a Gaussian, 6 for Laplace, 1.8 for uniform),
 *   frac_6std = fraction of values with |x - mean| > 6 std,
 *   row_spread / col_spread = max / median of the per-row (per-column)
 *   absmax, the median of an even count being the mean of the middle two
 *   (1 for a single row or column; +Inf when the median is 0 and the max
 *   is not; NaN when both are 0 or there are no values).
 * Sums are compensated (Neumaier) over fixed chunks of 65536 values
 * combined in order, so the result does not depend on the thread count.
 */
#ifndef FPQ_STATS_H
#define FPQ_STATS_H

#include <math.h>

#include "tensor.h"

/* Neumaier's compensated sum (the "improved Kahan-Babuska" sum): add
 * values with fpq_nsum_add, combine partial sums with fpq_nsum_merge (both
 * of the other's parts added), read it with fpq_nsum_value.  Start from
 * {0, 0}.  Used by the statistics here and the error metrics (quant.h). */
typedef struct fpq_nsum {
    double s, c; /* the sum and the running compensation */
} fpq_nsum;

static inline void fpq_nsum_add(fpq_nsum *a, double v)
{
    double t = a->s + v;
    if (fabs(a->s) >= fabs(v))
        a->c += (a->s - t) + v;
    else
        a->c += (v - t) + a->s;
    a->s = t;
}

static inline void fpq_nsum_merge(fpq_nsum *a, const fpq_nsum *b)
{
    fpq_nsum_add(a, b->s);
    fpq_nsum_add(a, b->c);
}

static inline double fpq_nsum_value(const fpq_nsum *a) { return a->s + a->c; }

typedef struct fpq_stats {
    size_t n;         /* finite values */
    size_t nonfinite; /* NaN and infinite values, left out of the rest */
    double mean, std, min, max, absmax, kurtosis, frac_6std;
    double row_spread, col_spread;
} fpq_stats;

/* Fill *s from t.  FPQ_OK, or FPQ_ERR_NO_MEMORY (the spreads need a
 * copy of the per-row and per-column maxima).  With no finite values the
 * statistics are NaN and n is 0. */
int fpq_stats_compute(fpq_stats *s, const fpq_tensor *t);

#endif
