/* hqq.h: HQQ, half-quadratic quantization of weights (Badri and Shaji 2023,
 * "Half-Quadratic Quantization of Large Machine Learning Models"; the
 * proximal solver of its reference implementation, hqq/core/optimize.py).
 *
 * Calibration-free: each unit's zero-point is optimized so that the
 * dequantized weights w^ = (q - z) S, q = clamp(round(w/S + z), qmin, qmax),
 * minimize the unit's lp error sum |w - w^|^p (p < 1: a few large errors
 * cost less than many small ones).  The scale S stays fixed.
 *
 * Start: the spec's own zero-point quantization (fpq_quantize, scheme
 * zeropoint: S and the integer Z from min-max, or from the spec's range),
 * so z_0 = Z.  Then, for t = 0, 1, ..., with beta_0 = beta:
 *   e   = shrink(w - w^_t), shrink(d) = sign(d) max(|d| - |d|^(p-1)/beta_t, 0)
 *         (the proximal step of the lp term; |d| - 1/beta_t for p = 1)
 *   z   = mean over the unit of (q_t - (w - e)/S), rounded into the scale
 *         format (the zero-point is stored as a scale is: fp32 by default,
 *         binary64 with an exact scale)
 *   beta_{t+1} = kappa beta_t
 * for at most `iters` updates.  Early stop per unit: each new z is kept
 * only while the unit's lp error decreases strictly; the first z that does
 * not improve ends that unit's iteration, and the best z seen is the result
 * (the reference stops all units together when the tensor's mean absolute
 * error stops decreasing; per unit, the result is never worse than the
 * start on any unit, and does not depend on the others).  Quotients w/S,
 * the rounding to integers (to nearest, ties to even) and the sums are
 * binary64, element order within a unit.
 *
 * Defaults (the reference's): p 0.7, beta 10, kappa 1.01, iters 20.
 */
#ifndef FPQ_HQQ_H
#define FPQ_HQQ_H

#include <stddef.h>

#include "quant.h"

typedef struct fpq_hqq_opts {
    double p;       /* lp norm, 0 < p <= 1 (default 0.7) */
    double beta;    /* initial beta > 0 (default 10) */
    double kappa;   /* beta's growth per iteration, >= 1 (default 1.01) */
    unsigned iters; /* zero-point updates, >= 1 (default 20) */
} fpq_hqq_opts;

/* The defaults above. */
void fpq_hqq_opts_default(fpq_hqq_opts *o);

typedef struct fpq_hqq_stats {
    size_t units;          /* zero-points */
    size_t improved;       /* units whose zero-point moved from the start */
    double lp_start;       /* sum over units of the start's lp error */
    double lp_hqq;         /* the same for the result (<= lp_start) */
    unsigned iters_max;    /* the most updates any unit kept */
    double clipped_frac;   /* values with w/S + z beyond [qmin, qmax] by more
                              than half a step, / n */
    double bits_per_value; /* elements, plus a scale and a zero-point in the
                              scale format per unit */
} fpq_hqq_stats;

/* *wq (freed by the caller with fpq_tensor_free) receives W^, w's shape,
 * from w under the spec s (scheme zeropoint, integer elements, rounding to
 * nearest even, no outlier split; any granularity) and options o; *st (may
 * be NULL) the statistics.  FPQ_OK; FPQ_LAB_ERR_SPEC (a spec or an option
 * HQQ does not take: err says which); FPQ_LAB_ERR_EMPTY; FPQ_LAB_ERR_FORMAT
 * (NaN or Inf); FPQ_ERR_NO_MEMORY. */
int fpq_hqq(fpq_tensor *wq, fpq_hqq_stats *st, const fpq_tensor *w, const fpq_qspec *s, const fpq_hqq_opts *o,
            fpq_errbuf *err);

#endif
