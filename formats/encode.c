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
        return sp.sr_away;
    default:
        return false;
    }
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


/* The overflow result for a magnitude that rounded above the largest finite. */
static uint64_t float_overflow(const fpq_format *f, bool neg, const fpq_rounding *r)
{
    const uint64_t sign = neg ? fpq_sign_bit(f) : 0;
    const uint64_t max = sign | fpq_max_finite_mag(f);
    if (r->overflow == FPQ_OVF_SATURATE)
        return max;
    bool toward_zero = r->mode == FPQ_RTZ || r->mode == FPQ_RTO || (r->mode == FPQ_RUP && neg) ||
                       (r->mode == FPQ_RDN && !neg);
    if (toward_zero)
        return max;
    switch (f->specials) {
    case FPQ_SPECIALS_IEEE:
        return sign | fpq_exp_all_ones(f);
    case FPQ_SPECIALS_FN:
    case FPQ_SPECIALS_FNUZ:
        return fpq_nan_bits(f, neg);
    default:
        return max;
    }
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
    if (neg && !f->is_signed && !mpfr_zero_p(x)) {
        *fl |= FPQ_FLAG_INVALID; /* below the range of an unsigned format */
        return 0;
    }
    if (mpfr_inf_p(x)) {
        if (f->specials == FPQ_SPECIALS_IEEE) {
            if (r->overflow == FPQ_OVF_SATURATE) {
                *fl |= FPQ_FLAG_INEXACT;
                return sign | fpq_max_finite_mag(f);
            }
            return sign | fpq_exp_all_ones(f);
        }
        *fl |= FPQ_FLAG_INVALID;
        if (r->overflow == FPQ_OVF_FORMAT && f->specials != FPQ_SPECIALS_FINITE)
            return fpq_nan_bits(f, neg);
        return sign | fpq_max_finite_mag(f);
    }
    if (mpfr_zero_p(x)) {
        if (!f->subnormals) { /* no zero: the smallest value; zero is not tiny */
            *fl |= FPQ_FLAG_INEXACT;
            return 0;
        }
        return fpq_has_neg_zero(f) ? sign : 0;
    }

    const long ex = mpfr_get_exp(x) - 1; /* 2^ex <= |x| < 2^(ex+1) */
    if (ex > emax) {                     /* |x| >= 2^(emax+1) > max finite */
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
        if (r->mode == FPQ_RSR) {
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
            if (ex == emin - 1 && r->mode != FPQ_RSR) {
                split s2;
                uint64_t s = split_at(&s2, t, x, emin - 1 - M, r);
                tiny = s + (round_away(r, neg, s2, s & 1) ? 1 : 0) < (UINT64_C(1) << (M + 1));
            }
            if (tiny)
                *fl |= FPQ_FLAG_UNDERFLOW;
        }
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
    int64_t v;
    if (mpfr_zero_p(x)) {
        v = 0;
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
    if (r->mode == FPQ_RSR) {
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
