/* encode.c: any real (an mpfr_t) to a bit pattern with exactly one rounding.
 *
 * Every kind of format funnels into one decision, round_away(): given where
 * |x| lies between two adjacent magnitudes lo < hi of the format (lo's bit
 * pattern, whether x is exactly lo, and how the remainder compares with half
 * the gap), it says whether the result is hi.  Magnitudes of a float format
 * are consecutive patterns, so hi's pattern is lo's plus one, also across a
 * binade and past the largest finite value (the grid "extended without
 * bound", where overflow is then judged). */
#include "fpq-impl.h"

#include <string.h>

/* ---- the one rounding decision -------------------------------------------- */

typedef struct split {
    bool exact;   /* |x| is lo itself */
    int half_cmp; /* sign of (remainder - gap/2); meaningful when !exact */
    bool sr_away; /* FPQ_RSR: the random draw says away from zero */
} split;

static bool round_away(const fpq_rounding *r, bool neg, split sp, bool lo_odd)
{
    if (sp.exact)
        return false;
    switch (r->mode) {
    case FPQ_RNE:
        return sp.half_cmp > 0 || (sp.half_cmp == 0 && lo_odd);
    case FPQ_RNA:
        return sp.half_cmp >= 0;
    case FPQ_RTZ:
        return false;
    case FPQ_RUP:
        return !neg;
    case FPQ_RDN:
        return neg;
    case FPQ_RTO:
        return !lo_odd;
    case FPQ_RSR:
    case FPQ_RSRA:
    case FPQ_RSRB:
    case FPQ_RSRC:
        return sp.sr_away;
    default:
        return false;
    }
}

static bool stochastic(fpq_rnd m) { return m == FPQ_RSR || m == FPQ_RSRA || m == FPQ_RSRB || m == FPQ_RSRC; }

/* P3109's stochastic roundings (fpq.h, FPQ_RSRA..C): whether the value at
 * distance d beyond the magnitude below it, with gap g to the next one (g
 * NULL: 1), goes away from zero.  With m = 2^N - R (the conditions in
 * integers, since R < 2^N): A: d 2^N >= m g; B: d 2^(N+1) >= (2m - 1) g;
 * C: RNE(d 2^N / g) >= m, that is 2 d 2^N > (2m - 1) g, or equal with m
 * even (the tie m - 1/2 goes to the even one of m - 1 and m).  d is
 * overwritten; g holds at most 320 significant bits. */
static bool sr_variant_away(mpfr_ptr d, mpfr_srcptr g, const fpq_rounding *r)
{
    const unsigned n = r->sr_n;
    const uint64_t R = r->sr_given ? r->sr_r : fpq_sr_bits(r->seed, r->position) >> (64 - n);
    const uint64_t m = (UINT64_C(1) << n) - R; /* 1 .. 2^N */
    MPFR_DECL_INIT(rhs, 448);
    /* rhs = (A: m, B and C: 2m - 1), exactly in 65 bits */
    mpfr_set_uj(rhs, m, MPFR_RNDN);
    if (r->mode != FPQ_RSRA) {
        mpfr_mul_2ui(rhs, rhs, 1, MPFR_RNDN);
        mpfr_sub_ui(rhs, rhs, 1, MPFR_RNDN);
    }
    if (g)
        mpfr_mul(rhs, rhs, g, MPFR_RNDN); /* exact: 65 + 320 bits */
    mpfr_mul_2ui(d, d, n + (r->mode == FPQ_RSRA ? 0 : 1), MPFR_RNDN); /* exact */
    const int c = mpfr_cmp(d, rhs);
    if (r->mode == FPQ_RSRC)
        return c > 0 || (c == 0 && (m & 1) == 0);
    return c >= 0;
}

/* Scratch big enough to hold |x| exactly. */
typedef struct scratch {
    mpfr_t heap;
    bool on_heap;
} scratch;

#define SMALL_PREC 320

/* s = floor(|x| / 2^q) and the split of the remainder, for a quantum 2^q
 * that keeps |x| / 2^q below 2^63.  t is scratch of precision >= prec(x). */
static uint64_t split_at(split *sp, mpfr_ptr t, mpfr_srcptr x, long q, const fpq_rounding *r)
{
    mpfr_abs(t, x, MPFR_RNDN);        /* exact: prec(t) >= prec(x) */
    mpfr_mul_2si(t, t, -q, MPFR_RNDN); /* exact: exponents stay in range */
    uint64_t s = mpfr_get_uj(t, MPFR_RNDZ);
    mpfr_frac(t, t, MPFR_RNDN); /* exact: the fraction has fewer bits */
    sp->exact = mpfr_zero_p(t);
    sp->half_cmp = sp->exact ? -1 : mpfr_cmp_ui_2exp(t, 1, -1);
    sp->sr_away = false;
    if (!sp->exact && r->mode == FPQ_RSR) {
        MPFR_DECL_INIT(u, 64);
        mpfr_set_uj_2exp(u, fpq_sr_bits(r->seed, r->position), -64, MPFR_RNDN);
        sp->sr_away = mpfr_cmp(t, u) > 0;
    } else if (!sp->exact && stochastic(r->mode)) {
        sp->sr_away = sr_variant_away(t, NULL, r);
    }
    return s;
}

/* ---- floats ---------------------------------------------------------------- */

/* Pattern of the value nearest zero, for NaN into a format without NaN:
 * a table's first zero entry, else its first positive one (its landmarks
 * zero and min_positive). */
static uint64_t zero_like(const fpq_format *f)
{
    if (f->kind != FPQ_KIND_LUT)
        return 0; /* +0, or the smallest value of a float format without zero */
    const uint64_t n = fpq_npatterns(f);
    uint64_t pos = FPQ_NO_BITS;
    MPFR_DECL_INIT(v, 64);
    for (uint64_t k = 0; k < n; k++) {
        mpfr_set_str(v, f->lut[k], 10, MPFR_RNDN);
        if (mpfr_zero_p(v))
            return k;
        if (mpfr_sgn(v) > 0 && pos == FPQ_NO_BITS)
            pos = k;
    }
    return pos;
}


/* Whether mode r rounds toward the largest finite value, not beyond, for a
 * value of that sign: P3109's SatNone rule (TowardZero, and the directed
 * mode toward zero for the sign). */
static bool toward_clamp(fpq_rnd m, bool neg)
{
    return m == FPQ_RTZ || (m == FPQ_RUP && neg) || (m == FPQ_RDN && !neg);
}

/* The overflow policy that applies to a float format: wrap is the integers'. */
static fpq_overflow float_policy(const fpq_rounding *r)
{
    return r->overflow == FPQ_OVF_WRAP ? FPQ_OVF_FORMAT : r->overflow;
}

/* The overflow result for a magnitude that rounded above the largest finite. */
static uint64_t float_overflow(const fpq_format *f, bool neg, const fpq_rounding *r)
{
    const uint64_t sign = neg ? fpq_sign_bit(f) : 0;
    const uint64_t max = sign | fpq_max_finite_mag(f);
    const fpq_overflow pol = float_policy(r);
    if (pol == FPQ_OVF_SATURATE || pol == FPQ_OVF_PROPAGATE)
        return max;
    if (f->p3109) /* SatNone: toward the clamp, else Inf, else NaN */
        return toward_clamp(r->mode, neg) ? max
               : f->specials == FPQ_SPECIALS_EXT ? sign | fpq_inf_mag(f)
                                                 : fpq_nan_bits(f, neg);
    if (toward_clamp(r->mode, neg) || r->mode == FPQ_RTO)
        return max;
    switch (f->specials) {
    case FPQ_SPECIALS_IEEE:
        return sign | fpq_exp_all_ones(f);
    case FPQ_SPECIALS_FN:
    case FPQ_SPECIALS_FNUZ:
    case FPQ_SPECIALS_EXT:
        return fpq_nan_bits(f, neg);
    default:
        return max;
    }
}

/* A negative value of a P3109 unsigned format that does not round to zero
 * (below the range's low end, 0): 0 under SatFinite and SatPropagate and
 * for the modes toward the clamp, else NaN; invalid either way. */
static uint64_t p3109_below_unsigned(unsigned *fl, const fpq_format *f, const fpq_rounding *r)
{
    *fl |= FPQ_FLAG_INVALID;
    const fpq_overflow pol = float_policy(r);
    return pol != FPQ_OVF_FORMAT || toward_clamp(r->mode, true) ? 0 : fpq_nan_bits(f, false);
}

/* +-Inf into a float format. */
static uint64_t float_inf(unsigned *fl, const fpq_format *f, bool neg, const fpq_rounding *r)
{
    const uint64_t sign = neg ? fpq_sign_bit(f) : 0;
    const uint64_t max = sign | fpq_max_finite_mag(f);
    const fpq_overflow pol = float_policy(r);
    const uint64_t inf = fpq_inf_mag(f);
    if (neg && !f->is_signed) { /* P3109 unsigned: -Inf is below the range; */
        *fl |= FPQ_FLAG_INVALID; /* SatNone has no clamp for it */
        return pol != FPQ_OVF_FORMAT ? 0 : fpq_nan_bits(f, false);
    }
    if (inf != FPQ_NO_BITS) {
        if (pol == FPQ_OVF_SATURATE) {
            *fl |= FPQ_FLAG_INEXACT;
            return max;
        }
        return sign | inf;
    }
    *fl |= FPQ_FLAG_INVALID;
    if (pol == FPQ_OVF_FORMAT && f->specials != FPQ_SPECIALS_FINITE)
        return fpq_nan_bits(f, neg);
    return max;
}

static uint64_t encode_float(unsigned *fl, const fpq_format *f, mpfr_srcptr x, const fpq_rounding *r, mpfr_ptr t)
{
    const bool neg = mpfr_signbit(x) != 0;
    const uint64_t sign = neg ? fpq_sign_bit(f) : 0;
    const long M = (long)f->mbits;
    const long emin = fpq_emin(f);
    const long emax = (long)(fpq_max_finite_mag(f) >> f->mbits) - f->bias; /* top binade */

    if (mpfr_nan_p(x)) {
        uint64_t nan = fpq_nan_bits(f, neg && f->is_signed);
        if (nan != FPQ_NO_BITS)
            return nan;
        *fl |= FPQ_FLAG_INVALID;
        return zero_like(f);
    }
    /* below the range of an unsigned format; P3109's formats round first */
    const bool neg_unsigned = neg && !f->is_signed && !mpfr_zero_p(x);
    if (neg_unsigned && !f->p3109) {
        *fl |= FPQ_FLAG_INVALID;
        return 0;
    }
    if (mpfr_inf_p(x))
        return float_inf(fl, f, neg, r);
    if (mpfr_zero_p(x)) {
        if (!f->subnormals) { /* no zero: the smallest value; zero is not tiny */
            *fl |= FPQ_FLAG_INEXACT;
            return 0;
        }
        return fpq_has_neg_zero(f) ? sign : 0;
    }

    const long ex = mpfr_get_exp(x) - 1; /* 2^ex <= |x| < 2^(ex+1) */
    if (ex > emax) {                     /* |x| >= 2^(emax+1) > max finite */
        if (neg_unsigned)
            return p3109_below_unsigned(fl, f, r);
        *fl |= FPQ_FLAG_OVERFLOW | FPQ_FLAG_INEXACT;
        return float_overflow(f, neg, r);
    }
    if (!f->subnormals && ex < emin) { /* below the lowest binade: no zero */
        *fl |= FPQ_FLAG_INEXACT | FPQ_FLAG_UNDERFLOW;
        return 0;
    }

    split sp;
    uint64_t lo;
    if (ex < emin - M - 1) { /* below half the smallest subnormal */
        sp = (split){.exact = false, .half_cmp = -1, .sr_away = false};
        if (stochastic(r->mode)) {
            /* the fraction is below 2^-1; decide on its exact value all the same */
            split_at(&sp, t, x, emin - M, r);
        }
        lo = 0;
    } else {
        const long e = ex > emin ? ex : emin;
        const uint64_t s = split_at(&sp, t, x, e - M, r);
        lo = ((uint64_t)(e - emin) << f->mbits) + s - (f->subnormals ? 0 : (UINT64_C(1) << f->mbits));
    }
    const uint64_t mag = lo + (round_away(r, neg, sp, lo & 1) ? 1 : 0);

    if (!sp.exact) {
        *fl |= FPQ_FLAG_INEXACT;
        /* Tiny after rounding: below 2^emin even when rounded to the full
         * precision M+1 with an unbounded exponent range. */
        if (f->subnormals && ex < emin) {
            bool tiny = true;
            if (ex == emin - 1 && !stochastic(r->mode)) {
                split s2;
                uint64_t s = split_at(&s2, t, x, emin - 1 - M, r);
                tiny = s + (round_away(r, neg, s2, s & 1) ? 1 : 0) < (UINT64_C(1) << (M + 1));
            }
            if (tiny)
                *fl |= FPQ_FLAG_UNDERFLOW;
        }
    }
    if (neg_unsigned && mag != 0) { /* invalid, not inexact (SoftFloat) */
        *fl &= ~(unsigned)(FPQ_FLAG_UNDERFLOW | FPQ_FLAG_INEXACT);
        return p3109_below_unsigned(fl, f, r);
    }
    if (mag > fpq_max_finite_mag(f)) {
        *fl |= FPQ_FLAG_OVERFLOW | FPQ_FLAG_INEXACT;
        return float_overflow(f, neg, r);
    }
    if (mag == 0 && !fpq_has_neg_zero(f))
        return 0;
    return sign | mag;
}

/* ---- integers ---------------------------------------------------------------- */

static uint64_t encode_int(unsigned *fl, const fpq_format *f, mpfr_srcptr x, const fpq_rounding *r, mpfr_ptr t)
{
    const int64_t hi = f->is_signed ? (INT64_C(1) << (f->bits - 1)) - 1 : (INT64_C(1) << f->bits) - 1;
    const int64_t lo = f->is_signed ? -(INT64_C(1) << (f->bits - 1)) + (r->int_symmetric ? 1 : 0) : 0;
    const uint64_t mask = fpq_width_mask(f);
    if (mpfr_nan_p(x)) {
        *fl |= FPQ_FLAG_INVALID;
        return 0;
    }
    const bool neg = mpfr_signbit(x) != 0;
    const bool wrap = r->overflow == FPQ_OVF_WRAP;
    int64_t v;
    if (mpfr_zero_p(x)) {
        v = 0;
    } else if (wrap && !mpfr_inf_p(x) && mpfr_get_exp(x) > (long)f->bits + 1) {
        /* |x| >= 2^(bits+1): round |x| mod 2^bits (the same parity, and the
         * same rounding since 2^bits is an integer), then modulo 2^bits */
        mpfr_t y;
        mpfr_init2(y, mpfr_get_prec(x));
        mpfr_abs(y, x, MPFR_RNDN);
        mpfr_div_2ui(y, y, f->bits, MPFR_RNDN);
        mpfr_frac(y, y, MPFR_RNDN);
        mpfr_mul_2ui(y, y, f->bits, MPFR_RNDN); /* all exact */
        split sp;
        uint64_t s = split_at(&sp, t, y, 0, r);
        s += round_away(r, neg, sp, s & 1) ? 1 : 0;
        mpfr_clear(y);
        *fl |= FPQ_FLAG_INVALID;
        return (neg ? 0 - s : s) & mask;
    } else if (mpfr_inf_p(x) || mpfr_get_exp(x) > (long)f->bits + 1) { /* |x| >= 2^(bits+1) */
        v = neg ? lo - 1 : hi + 1;
    } else {
        split sp;
        uint64_t s = split_at(&sp, t, x, 0, r);
        s += round_away(r, neg, sp, s & 1) ? 1 : 0;
        v = neg ? -(int64_t)s : (int64_t)s;
        if (!sp.exact && v >= lo && v <= hi)
            *fl |= FPQ_FLAG_INEXACT;
    }
    if (v < lo || v > hi) { /* SoftFloat: out of range is invalid, not inexact */
        *fl |= FPQ_FLAG_INVALID;
        if (wrap && !mpfr_inf_p(x))
            return (uint64_t)v & mask; /* two's complement: modulo 2^bits */
        v = v < lo ? lo : hi;
    }
    return (uint64_t)v & mask;
}

/* ---- lookup tables ------------------------------------------------------------- */

static uint64_t encode_lut(unsigned *fl, const fpq_format *f, mpfr_srcptr x, const fpq_rounding *r)
{
    const uint64_t n = fpq_npatterns(f);
    MPFR_DECL_INIT(v, 24);
    if (mpfr_nan_p(x)) {
        *fl |= FPQ_FLAG_INVALID;
        return zero_like(f);
    }
    /* largest code whose value is <= x (binary search; -1 when none) */
    int64_t a = -1, b = (int64_t)n; /* invariant: value(a) <= x < value(b) */
    while (b - a > 1) {
        int64_t m = a + (b - a) / 2;
        mpfr_set_str(v, f->lut[m], 10, MPFR_RNDN);
        if (mpfr_cmp(v, x) <= 0)
            a = m;
        else
            b = m;
    }
    if (a < 0 || b >= (int64_t)n) { /* beyond the table: clamp */
        bool exact = false;
        if (a >= 0) {
            mpfr_set_str(v, f->lut[a], 10, MPFR_RNDN);
            exact = mpfr_cmp(v, x) == 0;
        }
        if (!exact)
            *fl |= (mpfr_inf_p(x) ? FPQ_FLAG_INVALID : FPQ_FLAG_OVERFLOW | FPQ_FLAG_INEXACT);
        return a < 0 ? 0 : n - 1;
    }
    MPFR_DECL_INIT(lov, 24);
    MPFR_DECL_INIT(hiv, 24);
    mpfr_set_str(lov, f->lut[a], 10, MPFR_RNDN);
    mpfr_set_str(hiv, f->lut[b], 10, MPFR_RNDN);
    if (mpfr_cmp(lov, x) == 0)
        return (uint64_t)a;
    *fl |= FPQ_FLAG_INEXACT;
    /* Magnitude view: "lo" is the neighbour toward zero. */
    const bool neg = mpfr_sgn(x) < 0;
    const int64_t toward = neg ? b : a, away = neg ? a : b;
    /* Binary32 values span at most 2^127..2^-149: 320 bits hold sums exactly,
     * 448 bits their products with a 64-bit draw. */
    MPFR_DECL_INIT(mid, 320);
    mpfr_add(mid, lov, hiv, MPFR_RNDN);
    mpfr_div_2ui(mid, mid, 1, MPFR_RNDN);
    int c = mpfr_cmp(x, mid); /* > 0: x nearer hiv */
    split sp = {.exact = false, .half_cmp = neg ? -c : c, .sr_away = false};
    if (stochastic(r->mode) && r->mode != FPQ_RSR) {
        /* the distance, exact: x's bits and the 2^127 .. 2^-149 span */
        mpfr_t d;
        mpfr_init2(d, mpfr_get_prec(x) + 320);
        MPFR_DECL_INIT(g, 320);
        mpfr_sub(g, hiv, lov, MPFR_RNDN); /* exact, as mid */
        if (neg)
            mpfr_sub(d, hiv, x, MPFR_RNDN);
        else
            mpfr_sub(d, x, lov, MPFR_RNDN);
        sp.sr_away = sr_variant_away(d, g, r);
        mpfr_clear(d);
    } else if (r->mode == FPQ_RSR) {
        MPFR_DECL_INIT(thr, 448);
        mpfr_sub(thr, hiv, lov, MPFR_RNDN);
        MPFR_DECL_INIT(u, 64);
        mpfr_set_uj_2exp(u, fpq_sr_bits(r->seed, r->position), -64, MPFR_RNDN);
        mpfr_mul(thr, thr, u, MPFR_RNDN);
        if (neg) { /* away (lo) when hi - x > draw * gap */
            mpfr_sub(thr, hiv, thr, MPFR_RNDN);
            sp.sr_away = mpfr_cmp(x, thr) < 0;
        } else {
            mpfr_add(thr, lov, thr, MPFR_RNDN);
            sp.sr_away = mpfr_cmp(x, thr) > 0;
        }
    }
    /* Parity is judged on the codes: the tie goes to the even code. */
    bool toward_odd = toward & 1;
    bool up = round_away(r, neg, sp, toward_odd);
    return (uint64_t)(up ? away : toward);
}

/* ---- entry points ---------------------------------------------------------------- */

int fpq_encode(uint64_t *bits, unsigned *flags, const fpq_format *f, mpfr_srcptr x, const fpq_rounding *rnd)
{
    fpq_rounding def;
    if (!rnd) {
        fpq_rounding_default(&def);
        rnd = &def;
    }
    unsigned fl = 0;
    if (fpq_format_validate(f) != FPQ_OK || fpq_rounding_validate(rnd) != FPQ_OK) {
        *bits = 0;
        if (flags)
            *flags = FPQ_FLAG_INVALID;
        return 0;
    }
    MPFR_DECL_INIT(small, SMALL_PREC);
    scratch big = {.on_heap = false};
    mpfr_ptr t = small;
    if (mpfr_get_prec(x) > SMALL_PREC) {
        mpfr_init2(big.heap, mpfr_get_prec(x));
        big.on_heap = true;
        t = big.heap;
    }
    uint64_t out = 0;
    switch (f->kind) {
    case FPQ_KIND_FLOAT:
        out = encode_float(&fl, f, x, rnd, t);
        break;
    case FPQ_KIND_INT:
        out = encode_int(&fl, f, x, rnd, t);
        break;
    case FPQ_KIND_LUT:
        out = encode_lut(&fl, f, x, rnd);
        break;
    }
    if (big.on_heap)
        mpfr_clear(big.heap);
    *bits = out;
    if (flags)
        *flags = fl;

    /* The ternary value from the result itself: sign of (result - x). */
    if (mpfr_nan_p(x))
        return 0;
    MPFR_DECL_INIT(res, 64);
    fpq_class cls;
    fpq_decode(res, &cls, NULL, f, out);
    if (cls == FPQ_CLASS_NAN)
        return 0;
    int c = mpfr_cmp(res, x);
    return (c > 0) - (c < 0);
}

int fpq_convert(uint64_t *out, unsigned *flags, const fpq_format *to, const fpq_format *from, uint64_t bits,
                const fpq_rounding *rnd)
{
    MPFR_DECL_INIT(v, 64);
    fpq_class cls;
    if (fpq_format_validate(from) != FPQ_OK || fpq_decode(v, &cls, NULL, from, bits) != FPQ_OK) {
        *out = 0;
        if (flags)
            *flags = FPQ_FLAG_INVALID;
        return 0;
    }
    if (cls == FPQ_CLASS_NAN && from->kind == FPQ_KIND_FLOAT && from->specials == FPQ_SPECIALS_IEEE &&
        to->kind == FPQ_KIND_FLOAT && to->specials == FPQ_SPECIALS_IEEE && fpq_format_validate(to) == FPQ_OK) {
        /* Keep the sign and the top payload bits; set the quiet bit.  A
         * signalling NaN (quiet bit clear) raises invalid, as on x86. */
        const uint64_t mf = bits & ((UINT64_C(1) << from->mbits) - 1);
        const uint64_t quiet_from = fpq_quiet_bit(from);
        uint64_t mt = to->mbits <= from->mbits ? mf >> (from->mbits - to->mbits) : mf << (to->mbits - from->mbits);
        mt |= fpq_quiet_bit(to);
        bool neg = (bits & fpq_sign_bit(from)) != 0 && to->is_signed;
        *out = (neg ? fpq_sign_bit(to) : 0) | fpq_exp_all_ones(to) | mt;
        if (flags)
            *flags = (mf & quiet_from) ? 0 : FPQ_FLAG_INVALID;
        return 0;
    }
    return fpq_encode(out, flags, to, v, rnd);
}
