/* scalearith.c: the arithmetic of scales and quotients -- x / S rounded to
 * odd in binary64, one rounding of a quotient or product into the
 * arithmetic format of a quantizer (exact, fp32, fp64), and the MX scale
 * rule. */
#include "quant.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* The binary64 value v, whose bits past the last are sticky when odd,
 * rounded once to the arithmetic a (v rounded to odd at 53 bits rounds to
 * binary32 as the exact value does: 53 >= 24 + 2). */
static inline double to_arith(fpq_sarith a, double v)
{
    return a == FPQ_SARITH_FP32 ? (double)(float)v : v;
}

/* q = x op y rounded to nearest and r of the sign of the exact result
 * minus q (0 when q is exact, from an FMA): q rounded to odd instead. */
static inline double odd_from(double q, double r)
{
    if (r == 0)
        return q;
    uint64_t b;
    memcpy(&b, &q, sizeof b);
    if (b & 1)
        return q;
    return nextafter(q, r > 0 ? INFINITY : -INFINITY);
}

double fpq_quot(double x, double s, bool ro)
{
    double q = x / s;
    if (!ro || q == 0 || !isfinite(q) || fabs(q) < 0x1p-969 || fabs(x) < 0x1p-969)
        return q;
    return odd_from(q, fma(-q, s, x));
}

double fpq_sarith_div(fpq_sarith a, double x, double s)
{
    return a == FPQ_SARITH_FP32 ? to_arith(a, fpq_quot(x, s, true)) : x / s;
}

double fpq_sarith_mul(fpq_sarith a, double x, double y)
{
    double p = x * y;
    if (a != FPQ_SARITH_FP32)
        return p;
    if (p == 0 || !isfinite(p) || fabs(p) < 0x1p-969)
        return to_arith(a, p);
    /* the residual x y - p is exact: p is well above the underflow */
    return to_arith(a, odd_from(p, fma(x, y, -p)));
}

/* ---------------------------------------------------------------------- */
/* MX scale rules (quant.h has each one's source).                        */

int fpq_mx_scale_exp(double amax, double max_elem, unsigned mbits, fpq_mx_rule rule)
{
    if (isnan(amax) || isinf(amax))
        return 128; /* the E8M0 NaN */
    if (!(amax > 0) || !(max_elem > 0))
        return -127; /* an all-zero block takes the smallest scale */
    int e = ilogb(amax);     /* floor(log2 amax), exactly */
    int emax = ilogb(max_elem); /* emax_elem: 8 E4M3, 15 E5M2, 4 E3M2, 2 E2M3/E2M1, 0 INT8 */
    long k;
    switch (rule) {
    case FPQ_MX_CEIL: /* ceil(log2(amax) - emax) = ceil(log2 amax) - emax */
        k = (long)(amax == ldexp(1.0, e) ? e : e + 1) - emax;
        break;
    case FPQ_MX_RCEIL: /* the least k with 2^k max_elem >= amax */
        k = (long)e - emax - 1;
        while (ldexp(max_elem, (int)k) < amax)
            k++;
        break;
    case FPQ_MX_EVEN: /* significand m = amax 2^-e in [1, 2): up when it rounds to 2 at mbits */
        k = (long)e - emax + (ldexp(amax, -e) >= 2.0 - ldexp(1.0, -(int)mbits - 1));
        break;
    default: /* FPQ_MX_FLOOR (and the NVFP4 rules) */
        k = (long)e - emax;
        break;
    }
    if (k < -127)
        k = -127;
    if (k > 127)
        k = 127;
    return (int)k;
}

bool fpq_mx_rule_fits(fpq_mx_rule rule, fpq_scheme scheme)
{
    if (scheme == FPQ_SCHEME_MX)
        return rule <= FPQ_MX_EVEN;
    if (scheme == FPQ_SCHEME_NVFP4)
        return rule == FPQ_NV_SIX || rule == FPQ_NV_4OVER6;
    return true;
}
