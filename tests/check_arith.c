/* check_arith.c: emulated arithmetic (arith.c) and dot products (dot.c).
 *
 * Oracles, none of which calls the code under test:
 * - a reference written here from the specifications: operands decoded by
 *   fpq_ref_decode (check_helpers.c; lookup tables through strtof), the
 *   exact result held in MPFR at a precision checked to be exact (a / b and
 *   sqrt(a) are never formed: comparing them with a threshold t compares a
 *   with t * b, or a with t * t, exactly), and the correctly rounded result
 *   found by walking the format's grid from its fields: neighbours, midpoint,
 *   stochastic threshold, overflow and tininess-after-rounding rules as
 *   fpq.h states them.  Every format of 8 bits or fewer is walked over all
 *   operand pairs (fma over random triples), fp16 and bf16 over random and
 *   boundary samples;
 * - the host's binary32 and binary64 arithmetic in the four IEEE rounding
 *   modes, flags from fetestexcept (x86 SSE detects tininess after rounding);
 * - GCC's _Float16: a float operation rounded to _Float16 is correctly
 *   rounded for + - * / sqrt (24 >= 2 * 11 + 2).  A compiler without
 *   _Float16 (no __FLT16_MANT_DIG__, e.g. clang 14 on x86-64) leaves this
 *   cross-check out and says so;
 * - hand-derived special cases and dot products.
 */
#include "check_fpq.h"

#include <fenv.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The modes this file's oracle implements (P3109's stochastic roundings,
 * sra/srb/src, are checked in check_p3109.c). */
#define NMODES (FPQ_RSR + 1)

static const char *const mode_names[NMODES] = {"rne", "rna", "rtz", "rup", "rdn", "odd", "sr"};

static int sgn(int c) { return (c > 0) - (c < 0); }

/* ---- the reference ------------------------------------------------------- */

/* fpq_sr_bits as the header freezes it (splitmix64's finaliser over a Weyl
 * sequence), written again so the oracle does not call the library. */
static uint64_t ref_mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static uint64_t ref_sr_bits(uint64_t seed, uint64_t position)
{
    const uint64_t g = UINT64_C(0x9e3779b97f4a7c15);
    return ref_mix64(ref_mix64(seed + g) + (position + 1) * g);
}

typedef struct expect {
    uint64_t bits;
    unsigned flags;
    int ternary; /* sign only */
} expect;

enum { EX_VALUE, EX_DIV, EX_SQRT };

/* Workspace of the reference: operand values, the exact result (or its
 * description) and scratch for thresholds. */
typedef struct ref_ws {
    mpfr_t x[3];    /* operand values, exact */
    mpfr_t v;       /* EX_VALUE: the exact result */
    int kind;       /* EX_VALUE, EX_DIV (x[0] / x[1]), EX_SQRT (sqrt x[0]) */
    mpfr_t t1, t2, t3, tn, prod; /* thresholds and products, all exact */
    float *lut;     /* lookup-table values (strtof), ascending */
    size_t nlut;
} ref_ws;

#define WS_PREC 4096    /* exact results of <= 32-bit formats and their products */
#define THR_PREC 1024   /* thresholds: grid values, midpoints, lo + u * gap */

static void ws_init(ref_ws *w, const fpq_format *f)
{
    for (int i = 0; i < 3; i++)
        mpfr_init2(w->x[i], 64);
    mpfr_inits2(WS_PREC, w->v, w->prod, (mpfr_ptr)0);
    mpfr_inits2(THR_PREC, w->t1, w->t2, w->t3, w->tn, (mpfr_ptr)0);
    w->lut = NULL;
    w->nlut = 0;
    if (f->kind == FPQ_KIND_LUT) {
        w->nlut = (size_t)1 << f->bits;
        w->lut = malloc(w->nlut * sizeof *w->lut);
        for (size_t k = 0; k < w->nlut; k++)
            w->lut[k] = strtof(f->lut[k], NULL);
    }
}

static void ws_clear(ref_ws *w)
{
    for (int i = 0; i < 3; i++)
        mpfr_clear(w->x[i]);
    mpfr_clears(w->v, w->prod, w->t1, w->t2, w->t3, w->tn, (mpfr_ptr)0);
    free(w->lut);
}

/* An MPFR step of the reference that must be exact. */
#define EXACT(call)                                                                   \
    do {                                                                              \
        int t_ = (call);                                                              \
        FPQ_CHECK(t_ == 0, "reference precision too small in %s", #call);             \
    } while (0)

/* sign(exact result - t) */
static int ex_cmp(ref_ws *w, mpfr_srcptr t)
{
    switch (w->kind) {
    case EX_DIV: {
        EXACT(mpfr_mul(w->prod, t, w->x[1], MPFR_RNDN));
        int c = sgn(mpfr_cmp(w->x[0], w->prod));
        return mpfr_sgn(w->x[1]) > 0 ? c : -c;
    }
    case EX_SQRT:
        if (mpfr_sgn(t) < 0)
            return 1;
        EXACT(mpfr_sqr(w->prod, t, MPFR_RNDN));
        return sgn(mpfr_cmp(w->x[0], w->prod));
    default:
        return sgn(mpfr_cmp(w->v, t));
    }
}

/* sign(|exact| - t) for t >= 0, the exact result having sign neg. */
static int ex_cmp_abs(ref_ws *w, mpfr_srcptr t, bool neg)
{
    if (!neg)
        return ex_cmp(w, t);
    mpfr_neg(w->tn, t, MPFR_RNDN);
    return -ex_cmp(w, w->tn);
}

/* Field arithmetic of a float format, from its fields. */
static uint64_t f_mmask(const fpq_format *f) { return (UINT64_C(1) << f->mbits) - 1; }
static uint64_t f_magmask(const fpq_format *f) { return (UINT64_C(1) << (f->ebits + f->mbits)) - 1; }
static uint64_t f_expall(const fpq_format *f) { return ((UINT64_C(1) << f->ebits) - 1) << f->mbits; }
static uint64_t f_sign(const fpq_format *f) { return f->is_signed ? UINT64_C(1) << (f->bits - 1) : 0; }
static long f_emin(const fpq_format *f) { return f->subnormals ? 1L - f->bias : -(long)f->bias; }

static uint64_t f_top(const fpq_format *f) /* magnitude pattern of the largest finite */
{
    switch (f->specials) {
    case FPQ_SPECIALS_IEEE: return f_expall(f) - 1;
    case FPQ_SPECIALS_FN: return f_magmask(f) - 1;
    default: return f_magmask(f);
    }
}

static uint64_t f_nan(const fpq_format *f, bool neg) /* FPQ_NO_BITS: none */
{
    uint64_t s = neg ? f_sign(f) : 0;
    switch (f->specials) {
    case FPQ_SPECIALS_IEEE: return s | f_expall(f) | (UINT64_C(1) << (f->mbits - 1));
    case FPQ_SPECIALS_FN: return s | f_magmask(f);
    case FPQ_SPECIALS_FNUZ: return f_sign(f);
    default: return FPQ_NO_BITS;
    }
}

static bool f_has_neg_zero(const fpq_format *f)
{
    return f->kind == FPQ_KIND_FLOAT && f->is_signed && f->subnormals && f->specials != FPQ_SPECIALS_FNUZ;
}

/* The value of magnitude pattern p on the grid extended without bound. */
static void mag_value(mpfr_ptr out, const fpq_format *f, uint64_t p)
{
    uint64_t e = p >> f->mbits, m = p & f_mmask(f);
    if (f->subnormals && e == 0)
        EXACT(mpfr_set_ui_2exp(out, m, f_emin(f) - (long)f->mbits, MPFR_RNDN));
    else
        EXACT(mpfr_set_ui_2exp(out, (UINT64_C(1) << f->mbits) | m, (long)e - f->bias - (long)f->mbits, MPFR_RNDN));
}

/* Whether rounding goes away from zero, from the facts of the spec. */
static bool decide(const fpq_rounding *r, bool neg, bool lo_odd, int cmp_mid, bool sr_away)
{
    switch (r->mode) {
    case FPQ_RNE: return cmp_mid > 0 || (cmp_mid == 0 && lo_odd);
    case FPQ_RNA: return cmp_mid >= 0;
    case FPQ_RTZ: return false;
    case FPQ_RUP: return !neg;
    case FPQ_RDN: return neg;
    case FPQ_RTO: return !lo_odd;
    default: return sr_away;
    }
}

/* t3 = lo + u * (hi - lo), u = sr_bits / 2^64: the stochastic threshold. */
static void sr_threshold(ref_ws *w, mpfr_srcptr lo, mpfr_srcptr hi, const fpq_rounding *r)
{
    EXACT(mpfr_sub(w->t3, hi, lo, MPFR_RNDN));
    EXACT(mpfr_mul_ui(w->t3, w->t3, 1, MPFR_RNDN));
    MPFR_DECL_INIT(u, 64);
    mpfr_set_uj_2exp(u, ref_sr_bits(r->seed, r->position), -64, MPFR_RNDN);
    EXACT(mpfr_mul(w->t3, w->t3, u, MPFR_RNDN));
    EXACT(mpfr_add(w->t3, w->t3, lo, MPFR_RNDN));
}

static uint64_t float_overflow(const fpq_format *f, bool neg, const fpq_rounding *r)
{
    uint64_t s = neg ? f_sign(f) : 0, max = s | f_top(f);
    if (r->overflow == FPQ_OVF_SATURATE)
        return max;
    if (r->mode == FPQ_RTZ || r->mode == FPQ_RTO || (r->mode == FPQ_RUP && neg) || (r->mode == FPQ_RDN && !neg))
        return max;
    uint64_t nan = f_nan(f, neg);
    if (f->specials == FPQ_SPECIALS_IEEE)
        return s | f_expall(f);
    return nan != FPQ_NO_BITS ? nan : max;
}

/* A nonzero finite exact result of sign neg, rounded into a float format. */
static expect round_float(ref_ws *w, const fpq_format *f, bool neg, const fpq_rounding *r)
{
    expect e = {0, 0, 0};
    if (neg && !f->is_signed) {
        e.flags = FPQ_FLAG_INVALID;
        return e;
    }
    const uint64_t top = f_top(f), s = neg ? f_sign(f) : 0;
    mag_value(w->t1, f, top + 1);
    if (ex_cmp_abs(w, w->t1, neg) >= 0) { /* at or beyond the first step past the top */
        e.bits = float_overflow(f, neg, r);
        e.flags = FPQ_FLAG_OVERFLOW | FPQ_FLAG_INEXACT;
        return e;
    }
    mag_value(w->t1, f, 0);
    if (ex_cmp_abs(w, w->t1, neg) < 0) { /* below the smallest value of a format without zero */
        e.flags = FPQ_FLAG_INEXACT | FPQ_FLAG_UNDERFLOW;
        return e;
    }
    uint64_t lo = 0, hi = top + 1; /* value(lo) <= |x| < value(hi) */
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        mag_value(w->t1, f, mid);
        if (ex_cmp_abs(w, w->t1, neg) >= 0)
            lo = mid;
        else
            hi = mid;
    }
    mag_value(w->t1, f, lo);
    uint64_t mag = lo;
    if (ex_cmp_abs(w, w->t1, neg) != 0) {
        mag_value(w->t2, f, lo + 1);
        EXACT(mpfr_add(w->t3, w->t1, w->t2, MPFR_RNDN));
        EXACT(mpfr_div_2ui(w->t3, w->t3, 1, MPFR_RNDN));
        int cmid = ex_cmp_abs(w, w->t3, neg);
        bool sr = false;
        if (r->mode == FPQ_RSR) {
            sr_threshold(w, w->t1, w->t2, r);
            sr = ex_cmp_abs(w, w->t3, neg) > 0;
        }
        mag = lo + (decide(r, neg, lo & 1, cmid, sr) ? 1 : 0);
        e.flags |= FPQ_FLAG_INEXACT;
        /* Tiny after rounding: |x| rounded to mbits + 1 bits with no bound
         * on the exponent is below 2^emin.  Only a value above g, the largest
         * such number below 2^emin (odd), can round up to 2^emin.  Stochastic
         * rounding: fpq.h's encoder judges |x| < 2^emin. */
        if (f->subnormals) {
            const long emin = f_emin(f);
            EXACT(mpfr_set_ui_2exp(w->t1, 1, emin, MPFR_RNDN));
            if (ex_cmp_abs(w, w->t1, neg) < 0) {
                bool tiny = true;
                if (r->mode != FPQ_RSR) {
                    EXACT(mpfr_set_ui_2exp(w->t2, 1, emin - 1 - (long)f->mbits, MPFR_RNDN));
                    EXACT(mpfr_sub(w->t2, w->t1, w->t2, MPFR_RNDN)); /* g */
                    if (ex_cmp_abs(w, w->t2, neg) > 0) {
                        EXACT(mpfr_add(w->t3, w->t1, w->t2, MPFR_RNDN));
                        EXACT(mpfr_div_2ui(w->t3, w->t3, 1, MPFR_RNDN));
                        tiny = !decide(r, neg, true, ex_cmp_abs(w, w->t3, neg), false);
                    }
                }
                if (tiny)
                    e.flags |= FPQ_FLAG_UNDERFLOW;
            }
        }
    }
    if (mag > top) {
        e.bits = float_overflow(f, neg, r);
        e.flags |= FPQ_FLAG_OVERFLOW | FPQ_FLAG_INEXACT;
        return e;
    }
    e.bits = (mag == 0 && !f_has_neg_zero(f)) ? 0 : s | mag;
    return e;
}

static int64_t int_hi(const fpq_format *f) { return f->is_signed ? (INT64_C(1) << (f->bits - 1)) - 1 : (INT64_C(1) << f->bits) - 1; }
static int64_t int_lo(const fpq_format *f, const fpq_rounding *r)
{
    return f->is_signed ? -(INT64_C(1) << (f->bits - 1)) + (r->int_symmetric ? 1 : 0) : 0;
}

/* A nonzero finite exact result into an integer format: round to an integer
 * (unbounded), then clamp with invalid (SoftFloat's convention). */
static expect round_int(ref_ws *w, const fpq_format *f, bool neg, const fpq_rounding *r)
{
    expect e = {0, 0, 0};
    const int64_t hi_v = int_hi(f), lo_v = int_lo(f, r);
    uint64_t lo = 0, hi = UINT64_C(1) << (f->bits + 1); /* |x| < hi, else clamp */
    EXACT(mpfr_set_uj(w->t1, hi, MPFR_RNDN));
    int64_t v;
    bool exact = false;
    if (ex_cmp_abs(w, w->t1, neg) >= 0) {
        v = neg ? lo_v - 1 : hi_v + 1;
    } else {
        while (hi - lo > 1) {
            uint64_t mid = lo + (hi - lo) / 2;
            EXACT(mpfr_set_uj(w->t1, mid, MPFR_RNDN));
            if (ex_cmp_abs(w, w->t1, neg) >= 0)
                lo = mid;
            else
                hi = mid;
        }
        EXACT(mpfr_set_uj(w->t1, lo, MPFR_RNDN));
        uint64_t mag = lo;
        exact = ex_cmp_abs(w, w->t1, neg) == 0;
        if (!exact) {
            EXACT(mpfr_set_uj(w->t2, lo + 1, MPFR_RNDN));
            EXACT(mpfr_add(w->t3, w->t1, w->t2, MPFR_RNDN));
            EXACT(mpfr_div_2ui(w->t3, w->t3, 1, MPFR_RNDN));
            int cmid = ex_cmp_abs(w, w->t3, neg);
            bool sr = false;
            if (r->mode == FPQ_RSR) {
                sr_threshold(w, w->t1, w->t2, r);
                sr = ex_cmp_abs(w, w->t3, neg) > 0;
            }
            mag += decide(r, neg, lo & 1, cmid, sr) ? 1 : 0;
        }
        v = neg ? -(int64_t)mag : (int64_t)mag;
    }
    if (v < lo_v || v > hi_v) {
        e.flags = FPQ_FLAG_INVALID;
        v = v < lo_v ? lo_v : hi_v;
    } else if (!exact) {
        e.flags = FPQ_FLAG_INEXACT;
    }
    e.bits = (uint64_t)v & fpq_check_mask(f);
    return e;
}

/* A finite exact result (zero included) into a lookup table: neighbours by
 * value, ties to the even code, beyond the ends clamp with overflow. */
static expect round_lut(ref_ws *w, const fpq_format *f, const fpq_rounding *r)
{
    (void)f;
    expect e = {0, 0, 0};
    const size_t n = w->nlut;
    long a = -1; /* largest code whose value is <= x */
    for (size_t k = 0; k < n; k++) {
        mpfr_set_flt(w->t1, w->lut[k], MPFR_RNDN);
        if (ex_cmp(w, w->t1) >= 0)
            a = (long)k;
    }
    if (a >= 0) {
        mpfr_set_flt(w->t1, w->lut[a], MPFR_RNDN);
        if (ex_cmp(w, w->t1) == 0) {
            e.bits = (uint64_t)a;
            return e;
        }
    }
    if (a < 0 || a == (long)n - 1) {
        e.bits = a < 0 ? 0 : n - 1;
        e.flags = FPQ_FLAG_OVERFLOW | FPQ_FLAG_INEXACT;
        return e;
    }
    const long b = a + 1;
    mpfr_set_zero(w->t3, 1);
    const bool neg = ex_cmp(w, w->t3) < 0;
    const long toward = neg ? b : a, away = neg ? a : b;
    mpfr_set_flt(w->t1, w->lut[a], MPFR_RNDN);
    mpfr_set_flt(w->t2, w->lut[b], MPFR_RNDN);
    EXACT(mpfr_add(w->t3, w->t1, w->t2, MPFR_RNDN));
    EXACT(mpfr_div_2ui(w->t3, w->t3, 1, MPFR_RNDN));
    int c = ex_cmp(w, w->t3);
    bool sr = false;
    if (r->mode == FPQ_RSR) {
        if (neg) { /* away (down) when x < hi - u * gap */
            sr_threshold(w, w->t1, w->t2, r);          /* lo + u * gap */
            EXACT(mpfr_sub(w->t3, w->t3, w->t1, MPFR_RNDN)); /* u * gap */
            EXACT(mpfr_sub(w->t3, w->t2, w->t3, MPFR_RNDN));
            sr = ex_cmp(w, w->t3) < 0;
        } else {
            sr_threshold(w, w->t1, w->t2, r);
            sr = ex_cmp(w, w->t3) > 0;
        }
    }
    bool up = decide(r, neg, toward & 1, neg ? -c : c, sr);
    e.bits = (uint64_t)(up ? away : toward);
    e.flags = FPQ_FLAG_INEXACT;
    return e;
}

static uint64_t lut_code_of_zero(const ref_ws *w)
{
    for (size_t k = 0; k < w->nlut; k++)
        if (w->lut[k] == 0.0f)
            return k;
    for (size_t k = 0; k < w->nlut; k++)
        if (w->lut[k] > 0.0f)
            return k;
    return 0;
}

/* The result classes of an operation, before the format is involved. */
enum { R_NAN, R_INF, R_ZERO, R_FINITE };

/* Such a result into format f as fpq.h's encoder rules state them. */
static expect into_format(ref_ws *w, const fpq_format *f, int cls, bool neg, const fpq_rounding *r)
{
    expect e = {0, 0, 0};
    if (cls == R_FINITE) {
        if (f->kind == FPQ_KIND_FLOAT)
            return round_float(w, f, neg, r);
        if (f->kind == FPQ_KIND_INT)
            return round_int(w, f, neg, r);
        return round_lut(w, f, r);
    }
    if (f->kind == FPQ_KIND_INT) {
        if (cls == R_NAN || cls == R_INF)
            e.flags = FPQ_FLAG_INVALID;
        if (cls == R_INF)
            e.bits = (uint64_t)(neg ? int_lo(f, r) : int_hi(f)) & fpq_check_mask(f);
        return e;
    }
    if (f->kind == FPQ_KIND_LUT) {
        if (cls == R_INF) {
            e.flags = FPQ_FLAG_INVALID;
            e.bits = neg ? 0 : w->nlut - 1;
        } else {
            e.flags = cls == R_NAN ? FPQ_FLAG_INVALID : 0;
            e.bits = lut_code_of_zero(w);
        }
        return e;
    }
    const uint64_t s = neg ? f_sign(f) : 0;
    switch (cls) {
    case R_NAN:
        e.bits = f_nan(f, false);
        if (e.bits == FPQ_NO_BITS) {
            e.bits = 0;
            e.flags = FPQ_FLAG_INVALID;
        }
        return e;
    case R_ZERO:
        if (!f->subnormals) { /* no zero: the smallest value; an exact zero is never tiny */
            e.flags = FPQ_FLAG_INEXACT;
            return e;
        }
        e.bits = f_has_neg_zero(f) ? s : 0;
        return e;
    default: /* R_INF */
        if (neg && !f->is_signed) {
            e.flags = FPQ_FLAG_INVALID;
            return e;
        }
        if (f->specials == FPQ_SPECIALS_IEEE) {
            if (r->overflow == FPQ_OVF_SATURATE) {
                e.bits = s | f_top(f);
                e.flags = FPQ_FLAG_INEXACT;
            } else {
                e.bits = s | f_expall(f);
            }
            return e;
        }
        e.flags = FPQ_FLAG_INVALID;
        e.bits = (r->overflow == FPQ_OVF_FORMAT && f->specials != FPQ_SPECIALS_FINITE) ? f_nan(f, neg) : s | f_top(f);
        return e;
    }
}

typedef struct ref_op {
    fpq_class cls;
    bool nan, snan, inf, zero, neg;
} ref_op;

static void ref_load(ref_ws *w, ref_op *o, int i, const fpq_format *f, uint64_t bits)
{
    if (f->kind == FPQ_KIND_LUT) {
        float v = w->lut[bits];
        mpfr_set_flt(w->x[i], v, MPFR_RNDN);
        o->cls = v == 0 ? FPQ_CLASS_ZERO : FPQ_CLASS_NORMAL;
    } else {
        fpq_ref r = fpq_ref_decode(f, bits);
        o->cls = r.cls;
        if (r.cls == FPQ_CLASS_NAN) {
            mpfr_set_nan(w->x[i]);
            mpfr_setsign(w->x[i], w->x[i], signbit(r.v) != 0, MPFR_RNDN);
        } else {
            EXACT(mpfr_set_d(w->x[i], r.v, MPFR_RNDN));
        }
    }
    o->nan = o->cls == FPQ_CLASS_NAN;
    o->inf = o->cls == FPQ_CLASS_INF;
    o->zero = o->cls == FPQ_CLASS_ZERO;
    o->neg = mpfr_signbit(w->x[i]) != 0;
    o->snan = o->nan && f->kind == FPQ_KIND_FLOAT && f->specials == FPQ_SPECIALS_IEEE &&
              !(bits & (UINT64_C(1) << (f->mbits - 1)));
}

/* The NaN operand as the result in its own format: quiet bit set. */
static uint64_t quieted(const fpq_format *f, uint64_t bits)
{
    return f->specials == FPQ_SPECIALS_IEEE ? bits | (UINT64_C(1) << (f->mbits - 1)) : bits;
}

static bool ref_is_nan(const fpq_format *f, uint64_t bits)
{
    return f->kind == FPQ_KIND_FLOAT && fpq_ref_decode(f, bits).cls == FPQ_CLASS_NAN;
}

/* Ternary of a result against the exact one: sign(result - exact). */
static int ref_ternary(ref_ws *w, const fpq_format *f, uint64_t bits, int cls, bool neg)
{
    if (ref_is_nan(f, bits) || cls == R_NAN)
        return 0;
    double rv = f->kind == FPQ_KIND_LUT ? (double)w->lut[bits] : fpq_ref_decode(f, bits).v;
    EXACT(mpfr_set_d(w->t1, rv, MPFR_RNDN));
    if (cls == R_INF) {
        if (isinf(rv))
            return 0;
        return neg ? 1 : -1;
    }
    if (cls == R_ZERO)
        return sgn(mpfr_sgn(w->t1));
    return -ex_cmp(w, w->t1);
}

static bool zero_sum_neg(bool s1, bool s2, const fpq_rounding *r) { return s1 == s2 ? s1 : r->mode == FPQ_RDN; }

/* The reference result of op on patterns x of format f, result in f. */
static expect reference(ref_ws *w, const fpq_format *f, fpq_op op, const uint64_t *x, const fpq_rounding *r)
{
    expect e = {0, 0, 0};
    ref_op o[3];
    memset(o, 0, sizeof o); /* unary ops leave o[1], o[2] as +0 */
    const unsigned n = op == FPQ_OP_FMA ? 3 : (op == FPQ_OP_SQRT || op == FPQ_OP_NEG || op == FPQ_OP_ABS) ? 1 : 2;
    bool any_nan = false, any_snan = false;
    for (unsigned i = 0; i < n; i++) {
        ref_load(w, &o[i], (int)i, f, x[i]);
        any_nan |= o[i].nan;
        any_snan |= o[i].snan;
    }
    w->kind = EX_VALUE;

    switch (op) {
    case FPQ_OP_EQ:
    case FPQ_OP_LT:
    case FPQ_OP_LE:
    case FPQ_OP_UNORDERED:
        if (any_nan) {
            e.bits = op == FPQ_OP_UNORDERED;
            e.flags = (any_snan || op == FPQ_OP_LT || op == FPQ_OP_LE) ? FPQ_FLAG_INVALID : 0;
        } else {
            int c = mpfr_cmp(w->x[0], w->x[1]);
            e.bits = op == FPQ_OP_EQ ? c == 0 : op == FPQ_OP_LT ? c < 0 : op == FPQ_OP_LE ? c <= 0 : 0;
        }
        return e;
    case FPQ_OP_NEG:
    case FPQ_OP_ABS:
        if (f->kind == FPQ_KIND_FLOAT && f->is_signed) {
            bool signless = f->specials == FPQ_SPECIALS_FNUZ && (o[0].zero || o[0].nan);
            e.bits = signless ? x[0] : op == FPQ_OP_NEG ? x[0] ^ f_sign(f) : x[0] & ~f_sign(f);
            return e;
        }
        if (o[0].nan) {
            e.bits = x[0];
            return e;
        }
        {
            bool neg = op == FPQ_OP_NEG ? !o[0].neg : false;
            int cls = o[0].zero ? R_ZERO : o[0].inf ? R_INF : R_FINITE;
            EXACT(mpfr_abs(w->v, w->x[0], MPFR_RNDN));
            if (neg)
                mpfr_neg(w->v, w->v, MPFR_RNDN);
            e = into_format(w, f, cls, neg, r);
            e.ternary = ref_ternary(w, f, e.bits, cls, neg);
            return e;
        }
    case FPQ_OP_MIN:
    case FPQ_OP_MAX:
    case FPQ_OP_MIN_NUM:
    case FPQ_OP_MAX_NUM: {
        const bool number = op == FPQ_OP_MIN_NUM || op == FPQ_OP_MAX_NUM;
        e.flags = any_snan ? FPQ_FLAG_INVALID : 0;
        if (o[0].nan && (!number || o[1].nan))
            e.bits = quieted(f, x[0]);
        else if (o[1].nan && !number)
            e.bits = quieted(f, x[1]);
        else if (o[0].nan)
            e.bits = x[1];
        else if (o[1].nan)
            e.bits = x[0];
        else {
            int c = mpfr_cmp(w->x[0], w->x[1]);
            if (c == 0 && o[0].zero && o[1].zero)
                c = (int)o[1].neg - (int)o[0].neg;
            bool take_a = (op == FPQ_OP_MIN || op == FPQ_OP_MIN_NUM) ? c <= 0 : c >= 0;
            e.bits = take_a ? x[0] : x[1];
        }
        return e;
    }
    default:
        break;
    }

    /* add, sub, mul, div, sqrt, fma */
    if (any_nan) {
        e.flags = any_snan ? FPQ_FLAG_INVALID : 0;
        if (op == FPQ_OP_FMA && !o[0].nan && !o[1].nan && ((o[0].zero && o[1].inf) || (o[0].inf && o[1].zero)))
            e.flags = FPQ_FLAG_INVALID;
        for (unsigned i = 0; i < n; i++)
            if (o[i].nan) {
                e.bits = quieted(f, x[i]);
                break;
            }
        return e;
    }
    int cls = R_FINITE;
    bool neg = false;
    unsigned extra = 0;
    const bool pneg = o[0].neg != o[1].neg; /* sign of a product or quotient */
    switch (op) {
    case FPQ_OP_ADD:
    case FPQ_OP_SUB: {
        bool bneg = op == FPQ_OP_SUB ? !o[1].neg : o[1].neg;
        if (o[0].inf && o[1].inf && o[0].neg != bneg)
            cls = R_NAN;
        else if (o[0].inf || o[1].inf)
            cls = R_INF, neg = o[0].inf ? o[0].neg : bneg;
        else {
            EXACT(op == FPQ_OP_ADD ? mpfr_add(w->v, w->x[0], w->x[1], MPFR_RNDN)
                                   : mpfr_sub(w->v, w->x[0], w->x[1], MPFR_RNDN));
            if (mpfr_zero_p(w->v))
                cls = R_ZERO, neg = zero_sum_neg(o[0].neg, bneg, r);
            else
                neg = mpfr_sgn(w->v) < 0;
        }
        break;
    }
    case FPQ_OP_MUL:
        if ((o[0].zero && o[1].inf) || (o[0].inf && o[1].zero))
            cls = R_NAN;
        else if (o[0].inf || o[1].inf)
            cls = R_INF, neg = pneg;
        else if (o[0].zero || o[1].zero)
            cls = R_ZERO, neg = pneg;
        else {
            EXACT(mpfr_mul(w->v, w->x[0], w->x[1], MPFR_RNDN));
            neg = pneg;
        }
        break;
    case FPQ_OP_DIV:
        if ((o[0].zero && o[1].zero) || (o[0].inf && o[1].inf))
            cls = R_NAN;
        else if (o[0].inf)
            cls = R_INF, neg = pneg;
        else if (o[1].inf || o[0].zero)
            cls = R_ZERO, neg = pneg;
        else if (o[1].zero)
            cls = R_INF, neg = pneg, extra = FPQ_FLAG_INFINITE;
        else
            w->kind = EX_DIV, neg = pneg;
        break;
    case FPQ_OP_SQRT:
        if (o[0].neg && !o[0].zero)
            cls = R_NAN;
        else if (o[0].inf)
            cls = R_INF;
        else if (o[0].zero)
            cls = R_ZERO, neg = o[0].neg;
        else
            w->kind = EX_SQRT;
        break;
    case FPQ_OP_FMA: {
        const bool pinf = o[0].inf || o[1].inf, pzero = o[0].zero || o[1].zero;
        if ((o[0].zero && o[1].inf) || (o[0].inf && o[1].zero) || (pinf && o[2].inf && pneg != o[2].neg))
            cls = R_NAN;
        else if (pinf)
            cls = R_INF, neg = pneg;
        else if (o[2].inf)
            cls = R_INF, neg = o[2].neg;
        else {
            EXACT(mpfr_fma(w->v, w->x[0], w->x[1], w->x[2], MPFR_RNDN));
            if (mpfr_zero_p(w->v))
                cls = R_ZERO, neg = zero_sum_neg(pzero ? pneg : pneg, o[2].neg, r);
            else
                neg = mpfr_sgn(w->v) < 0;
        }
        break;
    }
    default:
        break;
    }
    if (cls == R_ZERO)
        mpfr_set_zero(w->v, neg ? -1 : 1), w->kind = EX_VALUE;
    e = into_format(w, f, cls, neg, r);
    e.flags |= extra;
    if (cls == R_NAN)
        e.flags |= FPQ_FLAG_INVALID;
    e.ternary = ref_ternary(w, f, e.bits, cls, neg);
    return e;
}

/* ---- running cases against the reference ----------------------------------- */

static void describe_rnd(char *buf, size_t n, const fpq_rounding *r)
{
    snprintf(buf, n, "%s%s seed=%" PRIu64 " pos=%" PRIu64, mode_names[r->mode],
             r->overflow == FPQ_OVF_SATURATE ? " sat" : "", r->seed, r->position);
}

static void check_case(ref_ws *w, const fpq_format *f, fpq_op op, const uint64_t *x, const fpq_rounding *r)
{
    expect e = reference(w, f, op, x, r);
    uint64_t got = ~UINT64_C(0);
    unsigned fl = 0xdead;
    int t = fpq_arith(&got, &fl, f, op, f, x, r);
    if (got != e.bits || fl != e.flags || sgn(t) != e.ternary) {
        char rs[96];
        describe_rnd(rs, sizeof rs, r);
        ck_abort_msg("%s %s(0x%" PRIx64 ", 0x%" PRIx64 ", 0x%" PRIx64 ") [%s]: got 0x%" PRIx64
                     " flags %u ternary %d, expected 0x%" PRIx64 " flags %u ternary %d (FPQ_CHECK_SEED=%" PRIu64 ")",
                     f->name, fpq_op_name(op), x[0], fpq_op_arity(op) > 1 ? x[1] : 0,
                     fpq_op_arity(op) > 2 ? x[2] : 0, rs, got, fl, sgn(t), e.bits, e.flags, e.ternary,
                     fpq_check_seed());
    }
}

static void random_rounding(fpq_rounding *r, fpq_check_rng *g, bool any_mode)
{
    fpq_rounding_default(r);
    uint64_t u = fpq_check_rng_next(g);
    r->mode = any_mode ? (fpq_rnd)(u % NMODES) : FPQ_RNE;
    r->overflow = (u >> 8) & 1 ? FPQ_OVF_SATURATE : FPQ_OVF_FORMAT;
    r->seed = fpq_check_rng_next(g);
    r->position = fpq_check_rng_next(g);
}

/* Formats of at most 8 bits (presets and custom spellings), in a table of
 * their own so the loop index names them. */
static size_t tiny_index[64];
static size_t ntiny = SIZE_MAX;

static void build_tiny(void)
{
    if (ntiny != SIZE_MAX)
        return;
    ntiny = 0;
    for (size_t i = 0; i < fpq_check_nformats() && ntiny < 64; i++) {
        const fpq_format *f = fpq_check_format(i);
        if (f == NULL || f->bits <= 8)
            tiny_index[ntiny++] = i;
    }
}

static const fpq_format *tiny_format(int i)
{
    build_tiny();
    const fpq_format *f = (size_t)i < ntiny ? fpq_check_format(tiny_index[i]) : NULL;
    if (f == NULL)
        ck_abort_msg("format %s did not parse", fpq_check_label(tiny_index[i]));
    return f;
}

static const fpq_op binary_ops[] = {FPQ_OP_ADD, FPQ_OP_SUB, FPQ_OP_MUL, FPQ_OP_DIV};
static const fpq_op exact_ops[] = {FPQ_OP_MIN, FPQ_OP_MAX, FPQ_OP_MIN_NUM, FPQ_OP_MAX_NUM,
                                   FPQ_OP_EQ,  FPQ_OP_LT,  FPQ_OP_LE,      FPQ_OP_UNORDERED};
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Every pair, in round-to-nearest-even and once more in a mode, overflow
 * policy, seed and position drawn at random per pair. */
START_TEST(arith_of_every_operand_pair_is_correctly_rounded)
{
    const fpq_format *f = tiny_format(_i);
    ref_ws w;
    ws_init(&w, f);
    fpq_check_rng g;
    fpq_check_rng_init(&g, 0xa217 + (uint64_t)_i);
    const uint64_t n = UINT64_C(1) << f->bits;
    fpq_rounding rne, rr;
    fpq_rounding_default(&rne);
    for (size_t k = 0; k < NELEM(binary_ops); k++)
        for (uint64_t a = 0; a < n; a++)
            for (uint64_t b = 0; b < n; b++) {
                const uint64_t x[2] = {a, b};
                check_case(&w, f, binary_ops[k], x, &rne);
                random_rounding(&rr, &g, true);
                check_case(&w, f, binary_ops[k], x, &rr);
            }
    ws_clear(&w);
}
END_TEST

/* The slow companion: every pair in every mode under both policies. */
START_TEST(arith_of_every_pair_in_every_mode_and_policy)
{
    const fpq_format *f = tiny_format(_i);
    ref_ws w;
    ws_init(&w, f);
    const uint64_t n = UINT64_C(1) << f->bits;
    for (int m = 0; m < NMODES; m++)
        for (int pol = 0; pol < 2; pol++) {
            fpq_rounding r;
            fpq_rounding_default(&r);
            r.mode = (fpq_rnd)m;
            r.overflow = pol ? FPQ_OVF_SATURATE : FPQ_OVF_FORMAT;
            r.seed = 77;
            for (size_t k = 0; k < NELEM(binary_ops); k++)
                for (uint64_t a = 0; a < n; a++)
                    for (uint64_t b = 0; b < n; b++) {
                        const uint64_t x[2] = {a, b};
                        r.position = a * n + b;
                        check_case(&w, f, binary_ops[k], x, &r);
                    }
        }
    ws_clear(&w);
}
END_TEST

START_TEST(unary_ops_of_every_pattern_in_every_mode)
{
    const fpq_format *f = tiny_format(_i);
    ref_ws w;
    ws_init(&w, f);
    const uint64_t n = UINT64_C(1) << f->bits;
    const fpq_op ops[] = {FPQ_OP_SQRT, FPQ_OP_NEG, FPQ_OP_ABS};
    for (int m = 0; m < NMODES; m++)
        for (int pol = 0; pol < 2; pol++) {
            fpq_rounding r;
            fpq_rounding_default(&r);
            r.mode = (fpq_rnd)m;
            r.overflow = pol ? FPQ_OVF_SATURATE : FPQ_OVF_FORMAT;
            for (size_t k = 0; k < NELEM(ops); k++)
                for (uint64_t a = 0; a < n; a++) {
                    r.seed = a;
                    r.position = a;
                    check_case(&w, f, ops[k], &a, &r);
                }
        }
    ws_clear(&w);
}
END_TEST

START_TEST(min_max_and_compare_of_every_operand_pair)
{
    const fpq_format *f = tiny_format(_i);
    ref_ws w;
    ws_init(&w, f);
    const uint64_t n = UINT64_C(1) << f->bits;
    fpq_rounding r;
    fpq_rounding_default(&r);
    for (size_t k = 0; k < NELEM(exact_ops); k++)
        for (uint64_t a = 0; a < n; a++)
            for (uint64_t b = 0; b < n; b++) {
                const uint64_t x[2] = {a, b};
                check_case(&w, f, exact_ops[k], x, &r);
            }
    ws_clear(&w);
}
END_TEST

START_TEST(fma_of_random_triples_is_correctly_rounded)
{
    const fpq_format *f = tiny_format(_i);
    ref_ws w;
    ws_init(&w, f);
    fpq_check_rng g;
    fpq_check_rng_init(&g, 0xf3a + (uint64_t)_i);
    const uint64_t n = UINT64_C(1) << f->bits;
    const long count = fpq_check_exhaustive() ? 2000000 : f->bits <= 6 ? 50000 : 150000;
    if (f->bits <= 4) { /* all triples: 2^12 */
        for (uint64_t t = 0; t < n * n * n; t++) {
            const uint64_t x[3] = {t % n, (t / n) % n, t / (n * n)};
            fpq_rounding r;
            random_rounding(&r, &g, true);
            check_case(&w, f, FPQ_OP_FMA, x, &r);
        }
    } else {
        for (long i = 0; i < count; i++) {
            const uint64_t x[3] = {fpq_check_rng_below(&g, n), fpq_check_rng_below(&g, n),
                                   fpq_check_rng_below(&g, n)};
            fpq_rounding r;
            random_rounding(&r, &g, i % 2 == 1);
            check_case(&w, f, FPQ_OP_FMA, x, &r);
        }
    }
    ws_clear(&w);
}
END_TEST

/* ---- fp16, bf16: random and boundary samples ------------------------------- */

/* A random pattern of a float format biased toward the interesting: the
 * specials, the ends of the exponent range, all-ones and near-zero
 * mantissas. */
static uint64_t interesting(fpq_check_rng *g, const fpq_format *f)
{
    const uint64_t u = fpq_check_rng_next(g);
    const uint64_t sign = (u & 1) ? f_sign(f) : 0;
    const uint64_t emax_field = (UINT64_C(1) << f->ebits) - 1;
    uint64_t e = (u >> 1) % (emax_field + 1);
    uint64_t m = fpq_check_rng_next(g) & f_mmask(f);
    switch ((u >> 20) % 8) {
    case 0: e = (u >> 24) % 3; break;                   /* subnormal / lowest */
    case 1: e = emax_field - (u >> 24) % 3; break;       /* top, Inf, NaN */
    case 2: m = f_mmask(f) - ((u >> 24) % 3 & f_mmask(f)); break;
    case 3: m = (u >> 24) % 3 & f_mmask(f); break;
    default: break;
    }
    return sign | (e << f->mbits) | m;
}

/* A second operand placed so that the result lands near a rounding
 * boundary, the overflow threshold or the subnormal range. */
static uint64_t partner(fpq_check_rng *g, const fpq_format *f, fpq_op op, uint64_t a)
{
    const uint64_t u = fpq_check_rng_next(g);
    const long emax_field = (long)((UINT64_C(1) << f->ebits) - 1);
    const long ea = (long)((a & f_magmask(f)) >> f->mbits);
    long eb;
    if ((u & 3) == 0)
        return interesting(g, f);
    switch (op) {
    case FPQ_OP_ADD:
    case FPQ_OP_SUB:
    case FPQ_OP_FMA:
        eb = ea - (long)((u >> 2) % (f->mbits + 4)) + 1; /* operand tails near a's last bits */
        break;
    case FPQ_OP_MUL: { /* result exponent near the top or near the subnormals */
        long target = (u >> 2) & 1 ? emax_field - 1 + (long)((u >> 3) % 3) - 1 : (long)((u >> 3) % 4) - 1;
        eb = target - ea + f->bias;
        break;
    }
    default: { /* DIV */
        long target = (u >> 2) & 1 ? emax_field - 1 + (long)((u >> 3) % 3) - 1 : (long)((u >> 3) % 4) - 1;
        eb = ea - target + f->bias;
        break;
    }
    }
    if (eb < 0)
        eb = 0;
    if (eb > emax_field)
        eb = emax_field;
    uint64_t m = fpq_check_rng_next(g) & f_mmask(f);
    if ((u >> 6) % 4 == 0)
        m = f_mmask(f);
    uint64_t sign = (u >> 9) & 1 ? f_sign(f) : 0;
    return sign | ((uint64_t)eb << f->mbits) | m;
}

static const fpq_format *sixteen(int i) { return fpq_check_need(i == 0 ? "fp16" : "bf16"); }

START_TEST(fp16_and_bf16_random_and_boundary_samples)
{
    const fpq_format *f = sixteen(_i);
    ref_ws w;
    ws_init(&w, f);
    fpq_check_rng g;
    fpq_check_rng_init(&g, 0x1616 + (uint64_t)_i);
    const long count = fpq_check_exhaustive() ? 1000000 : 100000;
    const fpq_op ops[] = {FPQ_OP_ADD, FPQ_OP_SUB, FPQ_OP_MUL, FPQ_OP_DIV, FPQ_OP_FMA, FPQ_OP_SQRT};
    for (size_t k = 0; k < NELEM(ops); k++)
        for (long i = 0; i < count; i++) {
            uint64_t x[3];
            if (i % 3 == 0) { /* uniform patterns */
                for (int j = 0; j < 3; j++)
                    x[j] = fpq_check_rng_next(&g) & fpq_check_mask(f);
            } else {
                x[0] = interesting(&g, f);
                x[1] = partner(&g, f, ops[k], x[0]);
                x[2] = partner(&g, f, FPQ_OP_ADD, x[0]); /* fma: c near a's scale */
                if (ops[k] == FPQ_OP_FMA && i % 2 == 0) { /* c cancelling a * b */
                    MPFR_DECL_INIT(p, 64);
                    MPFR_DECL_INIT(a, 64);
                    MPFR_DECL_INIT(b, 64);
                    mpfr_set_d(a, fpq_ref_decode(f, x[0]).v, MPFR_RNDN);
                    mpfr_set_d(b, fpq_ref_decode(f, x[1]).v, MPFR_RNDN);
                    mpfr_mul(p, a, b, MPFR_RNDN);
                    if (mpfr_regular_p(p)) {
                        long ep = mpfr_get_exp(p) - 1 + f->bias;
                        if (ep > 0 && ep < (long)((UINT64_C(1) << f->ebits) - 1))
                            x[2] = (mpfr_signbit(p) ? 0 : f_sign(f)) | ((uint64_t)ep << f->mbits) |
                                   (fpq_check_rng_next(&g) & f_mmask(f));
                    }
                }
            }
            fpq_rounding r;
            random_rounding(&r, &g, i % 2 == 1);
            check_case(&w, f, ops[k], x, &r);
        }
    ws_clear(&w);
}
END_TEST

/* ---- fp32, fp64 against the host --------------------------------------------- */

static const int host_modes[4] = {FE_TONEAREST, FE_TOWARDZERO, FE_UPWARD, FE_DOWNWARD};
static const fpq_rnd fpq_modes[4] = {FPQ_RNE, FPQ_RTZ, FPQ_RUP, FPQ_RDN};

/* The host code below changes the rounding mode and reads the exception
 * flags, so it tells the compiler so: clang otherwise assumes the default
 * environment (it compiles a < b as a quiet comparison, which raises no
 * invalid flag for a quiet NaN).  GCC honours the environment without the
 * pragma (-ftrapping-math is its default) and warns that it ignores it. */
#ifdef __clang__
#define HOST_FENV_ACCESS _Pragma("STDC FENV_ACCESS ON")
#else
#define HOST_FENV_ACCESS
#endif

static unsigned host_flags(void)
{
    int e = fetestexcept(FE_ALL_EXCEPT);
    return ((e & FE_INEXACT) ? FPQ_FLAG_INEXACT : 0) | ((e & FE_UNDERFLOW) ? FPQ_FLAG_UNDERFLOW : 0) |
           ((e & FE_OVERFLOW) ? FPQ_FLAG_OVERFLOW : 0) | ((e & FE_DIVBYZERO) ? FPQ_FLAG_INFINITE : 0) |
           ((e & FE_INVALID) ? FPQ_FLAG_INVALID : 0);
}

/* The host's result bits of op; *flags from fetestexcept.  Operands pass
 * through volatile so nothing is folded at compile time. */
static uint64_t host_f32(unsigned *flags, fpq_op op, const uint64_t *x, int mode)
{
    HOST_FENV_ACCESS
    float a, b, c;
    uint32_t u[3] = {(uint32_t)x[0], (uint32_t)x[1], (uint32_t)x[2]};
    memcpy(&a, &u[0], 4);
    memcpy(&b, &u[1], 4);
    memcpy(&c, &u[2], 4);
    volatile float va = a, vb = b, vc = c;
    volatile float r = 0;
    volatile int cmp = 0;
    fesetround(mode);
    feclearexcept(FE_ALL_EXCEPT);
    switch (op) {
    case FPQ_OP_ADD: r = va + vb; break;
    case FPQ_OP_SUB: r = va - vb; break;
    case FPQ_OP_MUL: r = va * vb; break;
    case FPQ_OP_DIV: r = va / vb; break;
    case FPQ_OP_FMA: r = fmaf(va, vb, vc); break;
    case FPQ_OP_SQRT: r = sqrtf(va); break;
    case FPQ_OP_EQ: cmp = va == vb; break;
    case FPQ_OP_LT: cmp = va < vb; break;
    case FPQ_OP_LE: cmp = va <= vb; break;
    default: cmp = isunordered(va, vb); break;
    }
    *flags = host_flags();
    fesetround(FE_TONEAREST);
    if (op >= FPQ_OP_EQ)
        return (uint64_t)cmp;
    float rr = r;
    uint32_t o;
    memcpy(&o, &rr, 4);
    return o;
}

static uint64_t host_f64(unsigned *flags, fpq_op op, const uint64_t *x, int mode)
{
    HOST_FENV_ACCESS
    double a, b, c;
    memcpy(&a, &x[0], 8);
    memcpy(&b, &x[1], 8);
    memcpy(&c, &x[2], 8);
    volatile double va = a, vb = b, vc = c;
    volatile double r = 0;
    volatile int cmp = 0;
    fesetround(mode);
    feclearexcept(FE_ALL_EXCEPT);
    switch (op) {
    case FPQ_OP_ADD: r = va + vb; break;
    case FPQ_OP_SUB: r = va - vb; break;
    case FPQ_OP_MUL: r = va * vb; break;
    case FPQ_OP_DIV: r = va / vb; break;
    case FPQ_OP_FMA: r = fma(va, vb, vc); break;
    case FPQ_OP_SQRT: r = sqrt(va); break;
    case FPQ_OP_EQ: cmp = va == vb; break;
    case FPQ_OP_LT: cmp = va < vb; break;
    case FPQ_OP_LE: cmp = va <= vb; break;
    default: cmp = isunordered(va, vb); break;
    }
    *flags = host_flags();
    fesetround(FE_TONEAREST);
    if (op >= FPQ_OP_EQ)
        return (uint64_t)cmp;
    double rr = r;
    uint64_t o;
    memcpy(&o, &rr, 8);
    return o;
}

/* Compare fpq with the host on one case.  NaN results: the host's default
 * NaN is negative (x86) and fpq's positive, and the host may swap the
 * operands of + and *, so a NaN result must be a NaN, and when exactly one
 * operand is a quiet NaN, that NaN itself. */
static void host_case(const fpq_format *f, fpq_op op, const uint64_t *x, int mi)
{
    unsigned hf;
    const uint64_t h = f->bits == 32 ? host_f32(&hf, op, x, host_modes[mi]) : host_f64(&hf, op, x, host_modes[mi]);
    fpq_rounding r;
    fpq_rounding_default(&r);
    r.mode = fpq_modes[mi];
    uint64_t got;
    unsigned fl;
    fpq_arith(&got, &fl, f, op, f, x, &r);
    const unsigned arity = fpq_op_arity(op);
    int nnan = 0, nqnan = 0, qi = 0;
    for (unsigned i = 0; i < arity; i++)
        if (ref_is_nan(f, x[i])) {
            nnan++;
            if (x[i] & (UINT64_C(1) << (f->mbits - 1)))
                nqnan++, qi = (int)i;
        }
    bool ok;
    if (op < FPQ_OP_EQ && ref_is_nan(f, h))
        ok = ref_is_nan(f, got) && (!(nnan == 1 && nqnan == 1) || got == x[qi]);
    else
        ok = got == h;
    /* x86 FMA does not raise invalid for fma(0, Inf, qNaN); fpq does, as
     * SoftFloat does (IEEE 754-2019 7.2 leaves it to the implementation). */
    unsigned hf_cmp = hf;
    if (op == FPQ_OP_FMA && ref_is_nan(f, x[2]) && !ref_is_nan(f, x[0]) && !ref_is_nan(f, x[1])) {
        fpq_ref a = fpq_ref_decode(f, x[0]), b = fpq_ref_decode(f, x[1]);
        if ((a.cls == FPQ_CLASS_ZERO && b.cls == FPQ_CLASS_INF) || (a.cls == FPQ_CLASS_INF && b.cls == FPQ_CLASS_ZERO))
            hf_cmp |= FPQ_FLAG_INVALID;
    }
    if (!ok || fl != hf_cmp)
        ck_abort_msg("%s %s(0x%" PRIx64 ", 0x%" PRIx64 ", 0x%" PRIx64 ") %s: fpq 0x%" PRIx64 " flags %u, host 0x%" PRIx64
                     " flags %u (FPQ_CHECK_SEED=%" PRIu64 ")",
                     f->name, fpq_op_name(op), x[0], x[1], x[2], mode_names[fpq_modes[mi]], got, fl, h, hf,
                     fpq_check_seed());
}

static const fpq_format *wide(int i) { return fpq_check_need(i == 0 ? "fp32" : "fp64"); }

START_TEST(fp32_and_fp64_agree_with_the_host_in_all_ieee_modes)
{
    const fpq_format *f = wide(_i);
    fpq_check_rng g;
    fpq_check_rng_init(&g, 0x3264 + (uint64_t)_i);
    const long count = fpq_check_exhaustive() ? 1000000 : 50000;
    const fpq_op ops[] = {FPQ_OP_ADD, FPQ_OP_SUB, FPQ_OP_MUL, FPQ_OP_DIV, FPQ_OP_FMA,
                          FPQ_OP_SQRT, FPQ_OP_EQ, FPQ_OP_LT, FPQ_OP_LE, FPQ_OP_UNORDERED};
    for (size_t k = 0; k < NELEM(ops); k++)
        for (long i = 0; i < count; i++) {
            uint64_t x[3];
            if (i % 4 == 0) {
                for (int j = 0; j < 3; j++)
                    x[j] = fpq_check_rng_next(&g) & fpq_check_mask(f);
            } else {
                x[0] = interesting(&g, f);
                x[1] = partner(&g, f, ops[k], x[0]);
                x[2] = partner(&g, f, FPQ_OP_ADD, x[0]);
                if (ops[k] == FPQ_OP_FMA && i % 2 == 0)
                    x[2] = x[0] ^ f_sign(f); /* a * b - a: cancels when b is near 1 */
                if (ops[k] >= FPQ_OP_EQ && i % 3 == 0)
                    x[1] = x[0] ^ (i % 2 ? 0 : f_sign(f));
            }
            host_case(f, ops[k], x, (int)(i % 4));
        }
}
END_TEST

/* ---- fp16 against _Float16 --------------------------------------------------- */

#ifdef __FLT16_MANT_DIG__

static uint64_t host_f16(unsigned *flags, fpq_op op, uint64_t a16, uint64_t b16, int mode)
{
    HOST_FENV_ACCESS
    _Float16 ha, hb;
    uint16_t ua = (uint16_t)a16, ub = (uint16_t)b16;
    memcpy(&ha, &ua, 2);
    memcpy(&hb, &ub, 2);
    volatile float fa = (float)ha, fb = (float)hb; /* exact */
    volatile float r = 0;
    volatile _Float16 h;
    fesetround(mode);
    feclearexcept(FE_ALL_EXCEPT);
    switch (op) {
    case FPQ_OP_ADD: r = fa + fb; break;
    case FPQ_OP_SUB: r = fa - fb; break;
    case FPQ_OP_MUL: r = fa * fb; break;
    case FPQ_OP_DIV: r = fa / fb; break;
    default: r = sqrtf(fa); break;
    }
    h = (_Float16)r;
    *flags = host_flags();
    fesetround(FE_TONEAREST);
    _Float16 hh = h;
    uint16_t o;
    memcpy(&o, &hh, 2);
    return o;
}

START_TEST(fp16_agrees_with_float16_through_float)
{
    const fpq_format *f = fpq_check_need("fp16");
    fpq_check_rng g;
    fpq_check_rng_init(&g, 0xf16);
    const long count = fpq_check_exhaustive() ? 2000000 : 100000;
    const fpq_op ops[] = {FPQ_OP_ADD, FPQ_OP_SUB, FPQ_OP_MUL, FPQ_OP_DIV, FPQ_OP_SQRT};
    for (size_t k = 0; k < NELEM(ops); k++)
        for (long i = 0; i < count; i++) {
            uint64_t x[3] = {0, 0, 0};
            if (i % 3 == 0) {
                x[0] = fpq_check_rng_next(&g) & 0xffff;
                x[1] = fpq_check_rng_next(&g) & 0xffff;
            } else {
                x[0] = interesting(&g, f);
                x[1] = partner(&g, f, ops[k], x[0]);
            }
            if (ops[k] == FPQ_OP_SQRT)
                x[1] = 0; /* not read; the host would convert it */
            int mi = (int)(i % 4);
            unsigned hf;
            uint64_t h = host_f16(&hf, ops[k], x[0], x[1], host_modes[mi]);
            fpq_rounding r;
            fpq_rounding_default(&r);
            r.mode = fpq_modes[mi];
            uint64_t got;
            unsigned fl;
            fpq_arith(&got, &fl, f, ops[k], f, x, &r);
            bool ok = ref_is_nan(f, h) ? ref_is_nan(f, got) : got == h;
            /* libgcc's _Float16 -> float conversion quiets a signalling NaN
             * without raising invalid (IEEE 754 and x86 F16C raise it) */
            for (unsigned j = 0; j < fpq_op_arity(ops[k]); j++)
                if (ref_is_nan(f, x[j]) && !(x[j] & 0x200))
                    hf |= FPQ_FLAG_INVALID;
            if (!ok || fl != hf)
                ck_abort_msg("fp16 %s(0x%04" PRIx64 ", 0x%04" PRIx64 ") %s: fpq 0x%04" PRIx64 " flags %u, _Float16 0x%04" PRIx64
                             " flags %u (FPQ_CHECK_SEED=%" PRIu64 ")",
                             fpq_op_name(ops[k]), x[0], x[1], mode_names[fpq_modes[mi]], got, fl, h, hf,
                             fpq_check_seed());
        }
}
END_TEST

#endif /* __FLT16_MANT_DIG__ */

/* ---- special cases, by hand ---------------------------------------------------- */

#define ALL -1 /* every rounding mode */
#define INX FPQ_FLAG_INEXACT
#define UNF FPQ_FLAG_UNDERFLOW
#define OVF FPQ_FLAG_OVERFLOW
#define INF FPQ_FLAG_INFINITE
#define INV FPQ_FLAG_INVALID

typedef struct special {
    const char *fmt;
    fpq_op op;
    uint64_t a, b, c;
    int mode;      /* ALL or one fpq_rnd */
    bool saturate;
    uint64_t want;
    unsigned flags;
} special;

/* Values derived from the specifications (fpq.h's rules, IEEE 754-2019,
 * OCP OFP8), not from the code. fp16: 0x3c00 = 1, 0x7bff = 65504,
 * 0x0400 = 2^-14, 0x0001 = 2^-24, 0x7e00 canonical NaN, 0x7d00 sNaN. */
static const special specials[] = {
    /* exact zero sums: +0, except toward -Inf */
    {"fp16", FPQ_OP_ADD, 0x3c00, 0xbc00, 0, FPQ_RNE, false, 0x0000, 0},
    {"fp16", FPQ_OP_ADD, 0x3c00, 0xbc00, 0, FPQ_RNA, false, 0x0000, 0},
    {"fp16", FPQ_OP_ADD, 0x3c00, 0xbc00, 0, FPQ_RTZ, false, 0x0000, 0},
    {"fp16", FPQ_OP_ADD, 0x3c00, 0xbc00, 0, FPQ_RUP, false, 0x0000, 0},
    {"fp16", FPQ_OP_ADD, 0x3c00, 0xbc00, 0, FPQ_RDN, false, 0x8000, 0},
    {"fp16", FPQ_OP_ADD, 0x3c00, 0xbc00, 0, FPQ_RTO, false, 0x0000, 0},
    {"fp16", FPQ_OP_ADD, 0x3c00, 0xbc00, 0, FPQ_RSR, false, 0x0000, 0},
    {"fp16", FPQ_OP_SUB, 0x4000, 0x4000, 0, FPQ_RNE, false, 0x0000, 0},
    {"fp16", FPQ_OP_SUB, 0x4000, 0x4000, 0, FPQ_RDN, false, 0x8000, 0},
    {"fp16", FPQ_OP_ADD, 0x8000, 0x8000, 0, ALL, false, 0x8000, 0},
    {"fp16", FPQ_OP_ADD, 0x0000, 0x8000, 0, FPQ_RUP, false, 0x0000, 0},
    {"fp16", FPQ_OP_ADD, 0x0000, 0x8000, 0, FPQ_RDN, false, 0x8000, 0},
    {"fp16", FPQ_OP_SUB, 0x8000, 0x0000, 0, ALL, false, 0x8000, 0},
    {"fp16", FPQ_OP_SUB, 0x0000, 0x0000, 0, FPQ_RNE, false, 0x0000, 0},
    {"fp16", FPQ_OP_SUB, 0x0000, 0x0000, 0, FPQ_RDN, false, 0x8000, 0},
    {"fp16", FPQ_OP_FMA, 0x3c00, 0xbc00, 0x3c00, FPQ_RNE, false, 0x0000, 0}, /* 1*-1 + 1 */
    {"fp16", FPQ_OP_FMA, 0x3c00, 0xbc00, 0x3c00, FPQ_RDN, false, 0x8000, 0},
    {"fp16", FPQ_OP_FMA, 0x0000, 0xbc00, 0x8000, ALL, false, 0x8000, 0},     /* -0 + -0 */
    {"fp16", FPQ_OP_FMA, 0x8000, 0x3c00, 0x0000, FPQ_RUP, false, 0x0000, 0}, /* -0 + +0 */
    {"fp16", FPQ_OP_FMA, 0x8000, 0x3c00, 0x0000, FPQ_RDN, false, 0x8000, 0},
    {"fp16", FPQ_OP_MUL, 0x8000, 0x3c00, 0, ALL, false, 0x8000, 0},
    {"fp16", FPQ_OP_DIV, 0x0000, 0xbc00, 0, ALL, false, 0x8000, 0},
    {"fp16", FPQ_OP_SQRT, 0x8000, 0, 0, ALL, false, 0x8000, 0},
    {"fp16", FPQ_OP_SQRT, 0x7c00, 0, 0, ALL, false, 0x7c00, 0},
    /* invalid operations give the canonical NaN */
    {"fp16", FPQ_OP_ADD, 0x7c00, 0xfc00, 0, ALL, false, 0x7e00, INV},
    {"fp16", FPQ_OP_SUB, 0x7c00, 0x7c00, 0, ALL, false, 0x7e00, INV},
    {"fp16", FPQ_OP_MUL, 0x0000, 0xfc00, 0, ALL, false, 0x7e00, INV},
    {"fp16", FPQ_OP_DIV, 0x8000, 0x0000, 0, ALL, false, 0x7e00, INV},
    {"fp16", FPQ_OP_DIV, 0xfc00, 0x7c00, 0, ALL, false, 0x7e00, INV},
    {"fp16", FPQ_OP_SQRT, 0xbc00, 0, 0, ALL, false, 0x7e00, INV},
    {"fp16", FPQ_OP_SQRT, 0xfc00, 0, 0, ALL, false, 0x7e00, INV},
    {"fp16", FPQ_OP_FMA, 0x0000, 0x7c00, 0x3c00, ALL, false, 0x7e00, INV},
    {"fp16", FPQ_OP_FMA, 0x7c00, 0x3c00, 0xfc00, ALL, false, 0x7e00, INV},
    {"fp16", FPQ_OP_FMA, 0x7c00, 0x0000, 0x7e01, ALL, false, 0x7e01, INV}, /* SoftFloat's choice */
    {"fp16", FPQ_OP_FMA, 0x7c00, 0xbc00, 0xfc00, ALL, false, 0xfc00, 0},
    /* division by zero */
    {"fp16", FPQ_OP_DIV, 0x3c00, 0x0000, 0, ALL, false, 0x7c00, INF},
    {"fp16", FPQ_OP_DIV, 0x3c00, 0x8000, 0, ALL, false, 0xfc00, INF},
    {"fp16", FPQ_OP_DIV, 0x0001, 0x8000, 0, ALL, false, 0xfc00, INF},
    {"fp16", FPQ_OP_DIV, 0x7c00, 0x0000, 0, ALL, false, 0x7c00, 0},
    {"fp16", FPQ_OP_DIV, 0x3c00, 0x7c00, 0, ALL, false, 0x0000, 0},
    {"fp16", FPQ_OP_DIV, 0x3c00, 0x0000, 0, ALL, true, 0x7bff, INF | INX},
    /* NaN operands: first NaN, quieted; signalling raises invalid */
    {"fp16", FPQ_OP_ADD, 0x7e05, 0x3c00, 0, ALL, false, 0x7e05, 0},
    {"fp16", FPQ_OP_ADD, 0x3c00, 0xfd05, 0, ALL, false, 0xff05, INV},
    {"fp16", FPQ_OP_MUL, 0x7e01, 0x7e02, 0, ALL, false, 0x7e01, 0},
    {"fp16", FPQ_OP_MUL, 0x7e01, 0x7d02, 0, ALL, false, 0x7e01, INV},
    {"fp16", FPQ_OP_FMA, 0x3c00, 0x3c00, 0x7d00, ALL, false, 0x7f00, INV},
    {"fp16", FPQ_OP_SQRT, 0xfe00, 0, 0, ALL, false, 0xfe00, 0},
    {"fp32", FPQ_OP_ADD, 0x7f800001, 0x3f800000, 0, ALL, false, 0x7fc00001, INV},
    {"fp8_e5m2", FPQ_OP_ADD, 0x7d, 0x3c, 0, ALL, false, 0x7f, INV},
    {"fp8_e5m2", FPQ_OP_ADD, 0x7e, 0x3c, 0, ALL, false, 0x7e, 0},
    /* overflow: 65504 + 65504 and the overflow threshold 65520 */
    {"fp16", FPQ_OP_ADD, 0x7bff, 0x7bff, 0, FPQ_RNE, false, 0x7c00, OVF | INX},
    {"fp16", FPQ_OP_ADD, 0x7bff, 0x7bff, 0, FPQ_RNA, false, 0x7c00, OVF | INX},
    {"fp16", FPQ_OP_ADD, 0x7bff, 0x7bff, 0, FPQ_RTZ, false, 0x7bff, OVF | INX},
    {"fp16", FPQ_OP_ADD, 0x7bff, 0x7bff, 0, FPQ_RUP, false, 0x7c00, OVF | INX},
    {"fp16", FPQ_OP_ADD, 0x7bff, 0x7bff, 0, FPQ_RDN, false, 0x7bff, OVF | INX},
    {"fp16", FPQ_OP_ADD, 0x7bff, 0x7bff, 0, FPQ_RTO, false, 0x7bff, OVF | INX},
    {"fp16", FPQ_OP_ADD, 0x7bff, 0x7bff, 0, FPQ_RSR, false, 0x7c00, OVF | INX},
    {"fp16", FPQ_OP_ADD, 0x7bff, 0x7bff, 0, ALL, true, 0x7bff, OVF | INX},
    {"fp16", FPQ_OP_SUB, 0xfbff, 0x7bff, 0, FPQ_RNE, false, 0xfc00, OVF | INX},
    {"fp16", FPQ_OP_SUB, 0xfbff, 0x7bff, 0, FPQ_RUP, false, 0xfbff, OVF | INX},
    {"fp16", FPQ_OP_SUB, 0xfbff, 0x7bff, 0, FPQ_RDN, false, 0xfc00, OVF | INX},
    {"fp16", FPQ_OP_ADD, 0x7bff, 0x4c00, 0, FPQ_RNE, false, 0x7c00, OVF | INX}, /* 65504 + 16: tie to even 2^16 */
    {"fp16", FPQ_OP_ADD, 0x7bff, 0x4c00, 0, FPQ_RTZ, false, 0x7bff, INX},      /* no overflow toward zero */
    {"fp16", FPQ_OP_ADD, 0x7bff, 0x4800, 0, FPQ_RNE, false, 0x7bff, INX},      /* 65504 + 8 */
    {"fp16", FPQ_OP_ADD, 0x7bff, 0x4800, 0, FPQ_RUP, false, 0x7c00, OVF | INX},
    /* tininess after rounding: (1 + 2^-10)(2^-14 - 2^-24) = 2^-14 - 2^-34 */
    {"fp16", FPQ_OP_MUL, 0x3c01, 0x03ff, 0, FPQ_RNE, false, 0x0400, INX},
    {"fp16", FPQ_OP_MUL, 0x3c01, 0x03ff, 0, FPQ_RTZ, false, 0x03ff, INX | UNF},
    {"fp16", FPQ_OP_MUL, 0x3c01, 0x03ff, 0, FPQ_RUP, false, 0x0400, INX},
    {"fp16", FPQ_OP_MUL, 0x3c01, 0x03ff, 0, FPQ_RDN, false, 0x03ff, INX | UNF},
    {"fp16", FPQ_OP_MUL, 0x3c01, 0x03ff, 0, FPQ_RTO, false, 0x03ff, INX | UNF},
    {"fp16", FPQ_OP_MUL, 0x0400, 0x3bff, 0, FPQ_RNE, false, 0x0400, INX | UNF}, /* 2^-14 - 2^-25: tiny even so */
    {"fp16", FPQ_OP_MUL, 0x0400, 0x3800, 0, ALL, false, 0x0200, 0},             /* exact subnormal: no flag */
    /* underflow to zero: 2^-25 is the midpoint of 0 and 2^-24 */
    {"fp16", FPQ_OP_MUL, 0x0001, 0x3800, 0, FPQ_RNE, false, 0x0000, INX | UNF},
    {"fp16", FPQ_OP_MUL, 0x0001, 0x3800, 0, FPQ_RNA, false, 0x0001, INX | UNF},
    {"fp16", FPQ_OP_MUL, 0x0001, 0x3800, 0, FPQ_RTZ, false, 0x0000, INX | UNF},
    {"fp16", FPQ_OP_MUL, 0x0001, 0x3800, 0, FPQ_RUP, false, 0x0001, INX | UNF},
    {"fp16", FPQ_OP_MUL, 0x0001, 0x3800, 0, FPQ_RDN, false, 0x0000, INX | UNF},
    {"fp16", FPQ_OP_MUL, 0x0001, 0x3800, 0, FPQ_RTO, false, 0x0001, INX | UNF},
    {"fp16", FPQ_OP_MUL, 0x8001, 0x3800, 0, FPQ_RNE, false, 0x8000, INX | UNF},
    {"fp16", FPQ_OP_MUL, 0x8001, 0x3800, 0, FPQ_RDN, false, 0x8001, INX | UNF},
    {"fp16", FPQ_OP_MUL, 0x8001, 0x3400, 0, FPQ_RNE, false, 0x8000, INX | UNF}, /* 2^-26 */
    {"fp16", FPQ_OP_MUL, 0x8001, 0x3400, 0, FPQ_RNA, false, 0x8000, INX | UNF},
    /* OCP E4M3: max 448 (0x7e), NaN 0x7f, no Inf */
    {"fp8_e4m3", FPQ_OP_ADD, 0x7e, 0x58, 0, FPQ_RNE, false, 0x7e, INX},       /* 448 + 16 = 464: tie to 448 */
    {"fp8_e4m3", FPQ_OP_ADD, 0x7e, 0x58, 0, FPQ_RNA, false, 0x7f, OVF | INX},
    {"fp8_e4m3", FPQ_OP_ADD, 0x7e, 0x58, 0, FPQ_RNA, true, 0x7e, OVF | INX},
    {"fp8_e4m3", FPQ_OP_ADD, 0x7e, 0x60, 0, FPQ_RNE, false, 0x7f, OVF | INX}, /* 448 + 32 = 480 */
    {"fp8_e4m3", FPQ_OP_ADD, 0x7e, 0x60, 0, FPQ_RTZ, false, 0x7e, OVF | INX},
    {"fp8_e4m3", FPQ_OP_SUB, 0xfe, 0x60, 0, FPQ_RNE, false, 0xff, OVF | INX},
    {"fp8_e4m3", FPQ_OP_DIV, 0x38, 0x00, 0, ALL, false, 0x7f, INF | INV},     /* 1/0: Inf into a format without */
    {"fp8_e4m3", FPQ_OP_DIV, 0x38, 0x00, 0, ALL, true, 0x7e, INF | INV},
    {"fp8_e4m3", FPQ_OP_MUL, 0x00, 0x7f, 0, ALL, false, 0x7f, 0},             /* NaN propagates */
    {"fp8_e4m3", FPQ_OP_SUB, 0x38, 0x38, 0, FPQ_RDN, false, 0x80, 0},
    /* fnuz: one NaN 0x80, no -0 */
    {"fp8_e4m3fnuz", FPQ_OP_SUB, 0x40, 0x40, 0, FPQ_RDN, false, 0x00, 0},
    {"fp8_e4m3fnuz", FPQ_OP_MUL, 0x80 | 0x01, 0x00, 0, ALL, false, 0x00, 0},  /* -min * 0 = -0 -> +0 */
    {"fp8_e4m3fnuz", FPQ_OP_NEG, 0x00, 0, 0, ALL, false, 0x00, 0},
    {"fp8_e4m3fnuz", FPQ_OP_NEG, 0x80, 0, 0, ALL, false, 0x80, 0},
    {"fp8_e4m3fnuz", FPQ_OP_SQRT, 0xc0, 0, 0, ALL, false, 0x80, INV},
    {"fp8_e4m3fnuz", FPQ_OP_MUL, 0x7f, 0x7f, 0, FPQ_RNE, false, 0x80, OVF | INX},
    /* formats without NaN: fpq_encode's documented substitutes */
    {"fp4_e2m1", FPQ_OP_DIV, 0x0, 0x0, 0, ALL, false, 0x0, INV},
    {"fp4_e2m1", FPQ_OP_DIV, 0x2, 0x0, 0, ALL, false, 0x7, INF | INV},       /* 1/0 -> 6 */
    {"fp4_e2m1", FPQ_OP_DIV, 0x2, 0x8, 0, ALL, false, 0xf, INF | INV},       /* 1/-0 -> -6 */
    {"fp4_e2m1", FPQ_OP_ADD, 0x7, 0x7, 0, FPQ_RNE, false, 0x7, OVF | INX},   /* 6 + 6 */
    {"fp4_e2m1", FPQ_OP_SQRT, 0xa, 0, 0, ALL, false, 0x0, INV},              /* sqrt(-1) */
    {"fp4_e2m1", FPQ_OP_MUL, 0x3, 0x3, 0, FPQ_RNE, false, 0x4, INX},         /* 1.5^2 = 2.25 -> 2 */
    {"fp4_e2m1", FPQ_OP_MUL, 0x1, 0x1, 0, FPQ_RNE, false, 0x0, INX | UNF},   /* 0.25 -> 0 (tie, even) */
    {"fp4_e2m1", FPQ_OP_MUL, 0x1, 0x1, 0, FPQ_RUP, false, 0x1, INX | UNF},
    /* E8M0: unsigned, no zero: 2^-127 stands in */
    {"e8m0", FPQ_OP_SUB, 0x7f, 0x7f, 0, ALL, false, 0x00, INX},             /* exact 0: not tiny */
    {"e8m0", FPQ_OP_SUB, 0x7f, 0x80, 0, ALL, false, 0x00, INV},
    {"e8m0", FPQ_OP_MUL, 0x80, 0x80, 0, ALL, false, 0x81, 0},
    {"e8m0", FPQ_OP_MUL, 0xfe, 0xfe, 0, FPQ_RNE, false, 0xff, OVF | INX},
    {"e8m0", FPQ_OP_SQRT, 0x81, 0, 0, ALL, false, 0x80, 0},                  /* sqrt 4 = 2 */
    {"e8m0", FPQ_OP_SQRT, 0x80, 0, 0, FPQ_RNE, false, 0x7f, INX},            /* sqrt 2 -> 1 */
    {"e8m0", FPQ_OP_SQRT, 0x80, 0, 0, FPQ_RUP, false, 0x80, INX},
    /* integers: out of range clamps with invalid (SoftFloat) */
    {"int8", FPQ_OP_ADD, 100, 100, 0, ALL, false, 127, INV},
    {"int8", FPQ_OP_SUB, 0x9c, 100, 0, ALL, false, 0x80, INV},                 /* -100 - 100 */
    {"int8", FPQ_OP_DIV, 7, 2, 0, FPQ_RNE, false, 4, INX},
    {"int8", FPQ_OP_DIV, 5, 2, 0, FPQ_RNE, false, 2, INX},
    {"int8", FPQ_OP_DIV, 5, 2, 0, FPQ_RNA, false, 3, INX},
    {"int8", FPQ_OP_DIV, 0xfb, 2, 0, FPQ_RDN, false, 0xfd, INX},               /* -5/2 -> -3 */
    {"int8", FPQ_OP_DIV, 1, 0, 0, ALL, false, 127, INF | INV},
    {"int8", FPQ_OP_DIV, 0, 0, 0, ALL, false, 0, INV},
    {"int8", FPQ_OP_NEG, 0x80, 0, 0, ALL, false, 127, INV},
    {"int8", FPQ_OP_SQRT, 0xff, 0, 0, ALL, false, 0, INV},
    {"uint8", FPQ_OP_SUB, 1, 2, 0, ALL, false, 0, INV},
    /* minimum / maximum: -0 < +0, NaN wins; Number variants: NaN loses */
    {"fp16", FPQ_OP_MIN, 0x0000, 0x8000, 0, ALL, false, 0x8000, 0},
    {"fp16", FPQ_OP_MIN, 0x8000, 0x0000, 0, ALL, false, 0x8000, 0},
    {"fp16", FPQ_OP_MAX, 0x8000, 0x0000, 0, ALL, false, 0x0000, 0},
    {"fp16", FPQ_OP_MIN, 0x3c00, 0x7e01, 0, ALL, false, 0x7e01, 0},
    {"fp16", FPQ_OP_MAX, 0x7d01, 0x3c00, 0, ALL, false, 0x7f01, INV},
    {"fp16", FPQ_OP_MIN_NUM, 0x7e01, 0x3c00, 0, ALL, false, 0x3c00, 0},
    {"fp16", FPQ_OP_MAX_NUM, 0x3c00, 0x7d01, 0, ALL, false, 0x3c00, INV},
    {"fp16", FPQ_OP_MIN_NUM, 0xfc00, 0x7bff, 0, ALL, false, 0xfc00, 0},
    /* comparisons: eq and unordered quiet, lt and le signal */
    {"fp16", FPQ_OP_EQ, 0x0000, 0x8000, 0, ALL, false, 1, 0},
    {"fp16", FPQ_OP_EQ, 0x7e00, 0x7e00, 0, ALL, false, 0, 0},
    {"fp16", FPQ_OP_EQ, 0x7d00, 0x3c00, 0, ALL, false, 0, INV},
    {"fp16", FPQ_OP_LT, 0x7e00, 0x3c00, 0, ALL, false, 0, INV},
    {"fp16", FPQ_OP_LE, 0x3c00, 0x7e00, 0, ALL, false, 0, INV},
    {"fp16", FPQ_OP_UNORDERED, 0x7e00, 0x3c00, 0, ALL, false, 1, 0},
    {"fp16", FPQ_OP_LT, 0xfc00, 0xfbff, 0, ALL, false, 1, 0},
    {"fp16", FPQ_OP_LE, 0x8000, 0x0000, 0, ALL, false, 1, 0},
    {"fp16", FPQ_OP_LT, 0x8000, 0x0000, 0, ALL, false, 0, 0},
    /* neg / abs are bit operations in signed floats, NaN payload kept */
    {"fp16", FPQ_OP_NEG, 0x7d01, 0, 0, ALL, false, 0xfd01, 0},
    {"fp16", FPQ_OP_ABS, 0xfd01, 0, 0, ALL, false, 0x7d01, 0},
    {"fp16", FPQ_OP_NEG, 0x0000, 0, 0, ALL, false, 0x8000, 0},
};

START_TEST(special_cases_table)
{
    const special *s = &specials[_i];
    const fpq_format *f = fpq_check_need(s->fmt);
    for (int m = 0; m < NMODES; m++) {
        if (s->mode != ALL && s->mode != m)
            continue;
        fpq_rounding r;
        fpq_rounding_default(&r);
        r.mode = (fpq_rnd)m;
        r.overflow = s->saturate ? FPQ_OVF_SATURATE : FPQ_OVF_FORMAT;
        const uint64_t x[3] = {s->a, s->b, s->c};
        uint64_t got = ~UINT64_C(0);
        unsigned fl = 0xdead;
        fpq_arith(&got, &fl, f, s->op, f, x, &r);
        ck_assert_msg(got == s->want && fl == s->flags,
                      "row %d: %s %s(0x%" PRIx64 ", 0x%" PRIx64 ", 0x%" PRIx64 ") %s%s: got 0x%" PRIx64
                      " flags %u, expected 0x%" PRIx64 " flags %u",
                      _i, s->fmt, fpq_op_name(s->op), s->a, s->b, s->c, mode_names[m], s->saturate ? " sat" : "", got,
                      fl, s->want, s->flags);
    }
}
END_TEST

/* ---- the API around the operations -------------------------------------------- */

START_TEST(op_names_round_trip_and_arity)
{
    for (int i = 0; i < FPQ_OP_COUNT_; i++) {
        fpq_op op;
        ck_assert_int_eq(fpq_op_parse(&op, fpq_op_name((fpq_op)i)), FPQ_OK);
        ck_assert_int_eq(op, i);
        unsigned ar = fpq_op_arity((fpq_op)i);
        ck_assert(ar >= 1 && ar <= 3);
    }
    fpq_op op;
    ck_assert_int_eq(fpq_op_parse(&op, "plus"), FPQ_ERR_ARG);
    ck_assert_int_eq(fpq_op_arity(FPQ_OP_FMA), 3);
    ck_assert_int_eq(fpq_op_arity(FPQ_OP_SQRT), 1);
    ck_assert_int_eq(fpq_op_arity(FPQ_OP_COUNT_), 0);
    ck_assert_str_eq(fpq_op_name(FPQ_OP_COUNT_), "?");
}
END_TEST

START_TEST(precondition_failures_give_zero_and_invalid)
{
    const fpq_format *f = fpq_check_need("fp8_e4m3");
    uint64_t r = 123;
    unsigned fl = 0;
    const uint64_t wide_x[2] = {0x100, 0x01};
    ck_assert_int_eq(fpq_arith(&r, &fl, f, FPQ_OP_ADD, f, wide_x, NULL), 0);
    ck_assert_uint_eq(r, 0);
    ck_assert_uint_eq(fl, FPQ_FLAG_INVALID);
    const uint64_t x[2] = {0x38, 0x38};
    r = 123;
    ck_assert_int_eq(fpq_arith(&r, &fl, f, FPQ_OP_COUNT_, f, x, NULL), 0);
    ck_assert_uint_eq(r, 0);
    fpq_rounding bad;
    fpq_rounding_default(&bad);
    bad.mode = FPQ_RND_COUNT_;
    r = 123;
    fpq_arith(&r, &fl, f, FPQ_OP_ADD, f, x, &bad);
    ck_assert_uint_eq(r, 0);
    ck_assert_uint_eq(fl, FPQ_FLAG_INVALID);
    /* flags and rnd may be NULL */
    ck_assert_int_eq(fpq_add(&r, NULL, f, 0x38, 0x38, NULL), 0);
    ck_assert_uint_eq(r, 0x40); /* 1 + 1 = 2 */
}
END_TEST

/* fma of fp16 a, b and fp32 c into fp32 rounds once: the exact a*b + c. */
START_TEST(mixed_format_fma_rounds_once)
{
    const fpq_format *h = fpq_check_need("fp16"), *s = fpq_check_need("fp32");
    const fpq_format *from[3] = {h, h, s};
    /* (1 + 2^-10)^2 = 1 + 2^-9 + 2^-20; + 2^-23 (0x34000000): fits in fp32 exactly */
    const uint64_t x[3] = {0x3c01, 0x3c01, 0x34000000};
    uint64_t r;
    unsigned fl;
    ck_assert_int_eq(fpq_arith_mixed(&r, &fl, s, FPQ_OP_FMA, from, x, NULL), 0);
    ck_assert_uint_eq(r, 0x3f804009);
    ck_assert_uint_eq(fl, 0);
    /* the same in fp16 rounds to 1 + 2^-9 */
    const uint64_t y[3] = {0x3c01, 0x3c01, 0x0000};
    fpq_fma(&r, &fl, h, y[0], y[1], y[2], NULL);
    ck_assert_uint_eq(r, 0x3c02);
    ck_assert_uint_eq(fl, FPQ_FLAG_INEXACT);
    /* NaN from one format into another keeps sign and top payload bits */
    const fpq_format *nf[2] = {h, h};
    const uint64_t z[2] = {0xfe01, 0x3c00};
    fpq_arith_mixed(&r, &fl, s, FPQ_OP_ADD, nf, z, NULL);
    ck_assert_uint_eq(r, 0xffc02000);
    ck_assert_uint_eq(fl, 0);
    /* comparisons ignore the result format */
    const uint64_t c[2] = {0x3c00, 0x3c00};
    fpq_arith_mixed(&r, &fl, NULL, FPQ_OP_EQ, nf, c, NULL);
    ck_assert_uint_eq(r, 1);
}
END_TEST

START_TEST(predicates_and_wrappers_match_the_generic_entry)
{
    const fpq_format *f = fpq_check_need("bf16");
    unsigned fl;
    ck_assert(fpq_eq(&fl, f, 0x0000, 0x8000) && fl == 0);
    ck_assert(!fpq_lt(&fl, f, 0x7fc0, 0x3f80) && fl == FPQ_FLAG_INVALID);
    ck_assert(fpq_le(NULL, f, 0xbf80, 0x3f80));
    ck_assert(fpq_unordered(&fl, f, 0x7fc0, 0x7fc0) && fl == 0);
    uint64_t r;
    ck_assert_int_eq(fpq_sub(&r, &fl, f, 0x3f80, 0x3f80, NULL), 0);
    ck_assert_uint_eq(r, 0);
    fpq_mul(&r, &fl, f, 0x4040, 0x4040, NULL); /* 3 * 3 */
    ck_assert_uint_eq(r, 0x4110);
    ck_assert_int_gt(fpq_div(&r, &fl, f, 0x3f80, 0x4040, NULL), 0); /* 1/3 rounds up */
    ck_assert_uint_eq(r, 0x3eab);
    fpq_sqrt(&r, &fl, f, 0x4080, NULL);
    ck_assert_uint_eq(r, 0x4000);
    fpq_neg(&r, &fl, f, 0x4000, NULL);
    ck_assert_uint_eq(r, 0xc000);
    fpq_abs(&r, &fl, f, 0xc000, NULL);
    ck_assert_uint_eq(r, 0x4000);
    fpq_minimum(&r, &fl, f, 0x4000, 0xc000, NULL);
    ck_assert_uint_eq(r, 0xc000);
    fpq_maximum(&r, &fl, f, 0x4000, 0xc000, NULL);
    ck_assert_uint_eq(r, 0x4000);
    fpq_minimum_number(&r, &fl, f, 0x7fc0, 0xc000, NULL);
    ck_assert_uint_eq(r, 0xc000);
    fpq_maximum_number(&r, &fl, f, 0x7fc0, 0xc000, NULL);
    ck_assert_uint_eq(r, 0xc000);
}
END_TEST

/* ---- dot products ---------------------------------------------------------------- */

/* 1 followed by 1023 copies of 2^-11, dotted with ones, in fp16:
 *   exact     1 + 1023 * 2^-11 = 1.49951171875
 *   seq       1 + 2^-11 is a tie and rounds to 1 (even), every time: 1
 *   pairwise  the first pair loses its 2^-11 the same way; every other node
 *             is exact (sums of 2^-11 are powers of two, and 1 + k * 2^-10
 *             fits): 1 + 1022 * 2^-11 = 1 + 511/1024 = 1.4990234375 (0x3dff)
 *   block:32  block 0 stays 1, blocks 1..31 are 32 * 2^-11 = 2^-6 exactly;
 *             their fp32 sum is 1 + 31/64 = 1.484375 (0x3df0 in fp16) */
START_TEST(fp16_sequential_sum_loses_to_pairwise)
{
    enum { N = 1024 };
    static uint64_t x[N], y[N];
    for (int i = 0; i < N; i++) {
        x[i] = 0x3c00;
        y[i] = i == 0 ? 0x3c00 : 0x1000; /* 2^-11 */
    }
    fpq_dot_spec s;
    fpq_dot_spec_default(&s);
    s.in = s.acc = fpq_check_need("fp16");
    mpfr_t ex;
    mpfr_init2(ex, 2);
    uint64_t out;
    unsigned fl;

    s.order = FPQ_DOT_SEQ;
    ck_assert_int_eq(fpq_dot(&out, &fl, ex, x, y, N, &s), FPQ_OK);
    ck_assert_uint_eq(out, 0x3c00);
    ck_assert_uint_eq(fl, FPQ_FLAG_INEXACT);
    ck_assert(mpfr_cmp_d(ex, 1.49951171875) == 0);

    s.order = FPQ_DOT_PAIRWISE;
    ck_assert_int_eq(fpq_dot(&out, &fl, NULL, x, y, N, &s), FPQ_OK);
    ck_assert_uint_eq(out, 0x3dff);
    ck_assert_uint_eq(fl, FPQ_FLAG_INEXACT);

    s.order = FPQ_DOT_BLOCK;
    s.block = 32;
    ck_assert_int_eq(fpq_dot(&out, &fl, NULL, x, y, N, &s), FPQ_OK);
    ck_assert_uint_eq(out, 0x3df0);

    /* an fp32 accumulator holds every partial sum: all orders give exact */
    s.acc = fpq_check_need("fp32");
    s.out = fpq_check_need("fp32");
    const fpq_dot_order orders[] = {FPQ_DOT_SEQ, FPQ_DOT_PAIRWISE, FPQ_DOT_BLOCK};
    for (size_t k = 0; k < NELEM(orders); k++) {
        s.order = orders[k];
        ck_assert_int_eq(fpq_dot(&out, &fl, NULL, x, y, N, &s), FPQ_OK);
        ck_assert_uint_eq(out, 0x3fbff000); /* 1.49951171875 */
        ck_assert_uint_eq(fl, 0);
    }
    /* exact accumulation, fp16 output: 1.49951171875 is the midpoint of
     * 0x3dff and 0x3e00; ties to even */
    s.acc = NULL;
    s.out = fpq_check_need("fp16");
    ck_assert_int_eq(fpq_dot(&out, &fl, NULL, x, y, N, &s), FPQ_OK);
    ck_assert_uint_eq(out, 0x3e00);
    ck_assert_uint_eq(fl, FPQ_FLAG_INEXACT);
    mpfr_clear(ex);
}
END_TEST

/* Products rounded to a product format first: fp8 e4m3 inputs 1.125 * 1.125
 * = 1.265625 (exact 0x1.44p+0) rounds to 1.25 in e4m3. */
START_TEST(products_round_into_the_product_format)
{
    fpq_dot_spec s;
    fpq_dot_spec_default(&s);
    s.in = fpq_check_need("fp8_e4m3");
    s.prod = fpq_check_need("fp8_e4m3");
    s.acc = fpq_check_need("fp32");
    const uint64_t x[2] = {0x39, 0x39}, y[2] = {0x39, 0x39}; /* 1.125 */
    uint64_t out;
    unsigned fl;
    mpfr_t ex;
    mpfr_init2(ex, 2);
    ck_assert_int_eq(fpq_dot(&out, &fl, ex, x, y, 2, &s), FPQ_OK);
    ck_assert_uint_eq(out, 0x40200000); /* 2.5 */
    ck_assert_uint_eq(fl, FPQ_FLAG_INEXACT);
    ck_assert(mpfr_cmp_d(ex, 2.53125) == 0);
    s.prod = NULL;
    ck_assert_int_eq(fpq_dot(&out, &fl, NULL, x, y, 2, &s), FPQ_OK);
    ck_assert_uint_eq(out, 0x40220000); /* 2.53125 */
    ck_assert_uint_eq(fl, 0);
    /* int8 inputs, int32 accumulator: exact integer arithmetic */
    s.in = fpq_check_need("int8");
    s.acc = NULL;
    fpq_format i32;
    ck_assert_int_eq(fpq_format_parse(&i32, "int32"), FPQ_OK);
    s.acc = &i32;
    const uint64_t a[3] = {0x80, 0x7f, 0x02}, b[3] = {0x80, 0x7f, 0xfe}; /* -128^2 + 127^2 - 4 */
    ck_assert_int_eq(fpq_dot(&out, &fl, ex, a, b, 3, &s), FPQ_OK);
    ck_assert_uint_eq(out, 16384 + 16129 - 4);
    ck_assert_uint_eq(fl, 0);
    mpfr_clear(ex);
}
END_TEST

/* Sequential with exact products is an FMA chain from +0: compare with the
 * host's fmaf on random binary32 vectors; pairwise with products rounded to
 * fp32 is the host's float tree; blocks with a binary64 block accumulator. */
static float pair_tree(const float *t, size_t n)
{
    if (n == 1)
        return t[0];
    size_t h = 1;
    while (2 * h < n)
        h *= 2;
    volatile float l = pair_tree(t, h), r = pair_tree(t + h, n - h);
    return l + r;
}

START_TEST(fp32_dot_orders_agree_with_host_arithmetic)
{
    fpq_check_rng g;
    fpq_check_rng_init(&g, 0xd07);
    fpq_dot_spec s;
    fpq_dot_spec_default(&s);
    const fpq_format *f32 = fpq_check_need("fp32");
    s.in = s.acc = f32;
    enum { N = 100 };
    uint64_t xb[N], yb[N];
    float xf[N], yf[N], t[N];
    for (int trial = 0; trial < 200; trial++) {
        size_t n = 1 + fpq_check_rng_below(&g, N);
        for (size_t i = 0; i < n; i++) {
            /* values in [-4, 4) with 24-bit significands */
            float a = (float)((int64_t)(fpq_check_rng_next(&g) >> 40) - (INT64_C(1) << 23)) * 0x1p-21f;
            float b = (float)((int64_t)(fpq_check_rng_next(&g) >> 40) - (INT64_C(1) << 23)) * 0x1p-21f;
            xf[i] = a, yf[i] = b;
            uint32_t ua, ub;
            memcpy(&ua, &a, 4);
            memcpy(&ub, &b, 4);
            xb[i] = ua, yb[i] = ub;
        }
        uint64_t out;
        unsigned fl;
        uint32_t want;
        /* sequential: fmaf chain */
        volatile float acc = 0.0f;
        for (size_t i = 0; i < n; i++)
            acc = fmaf(xf[i], yf[i], acc);
        float accv = acc;
        memcpy(&want, &accv, 4);
        s.order = FPQ_DOT_SEQ;
        s.prod = NULL;
        ck_assert_int_eq(fpq_dot(&out, &fl, NULL, xb, yb, n, &s), FPQ_OK);
        ck_assert_msg(out == want, "seq n=%zu: 0x%08" PRIx64 " vs fmaf chain 0x%08" PRIx32, n, out, want);
        /* pairwise over rounded products */
        for (size_t i = 0; i < n; i++) {
            volatile float p = xf[i] * yf[i];
            t[i] = p;
        }
        float pw = pair_tree(t, n);
        memcpy(&want, &pw, 4);
        s.order = FPQ_DOT_PAIRWISE;
        s.prod = f32;
        ck_assert_int_eq(fpq_dot(&out, &fl, NULL, xb, yb, n, &s), FPQ_OK);
        if (n == 1) /* a lone term is rounded into acc: the product itself */
            memcpy(&want, &t[0], 4);
        ck_assert_msg(out == want, "pairwise n=%zu: 0x%08" PRIx64 " vs host tree 0x%08" PRIx32, n, out, want);
        /* blocks of 8 in fp32 (fmaf chains), block sums in binary64, output fp32 */
        s.order = FPQ_DOT_BLOCK;
        s.block = 8;
        s.prod = NULL;
        s.block_acc = fpq_check_need("fp64");
        volatile double tot = 0.0;
        for (size_t lo = 0; lo < n; lo += 8) {
            volatile float b = 0.0f;
            for (size_t i = lo; i < n && i < lo + 8; i++)
                b = fmaf(xf[i], yf[i], b);
            tot = tot + (double)b;
        }
        float tf = (float)tot;
        memcpy(&want, &tf, 4);
        ck_assert_int_eq(fpq_dot(&out, &fl, NULL, xb, yb, n, &s), FPQ_OK);
        ck_assert_msg(out == want, "block n=%zu: 0x%08" PRIx64 " vs host 0x%08" PRIx32, n, out, want);
        s.block_acc = f32;
    }
}
END_TEST

START_TEST(gemm_equals_dot_per_element_and_is_deterministic)
{
    fpq_dot_spec s;
    fpq_dot_spec_default(&s);
    s.in = fpq_check_need("fp8_e4m3");
    s.acc = fpq_check_need("bf16");
    s.out = fpq_check_need("fp16");
    s.order = FPQ_DOT_PAIRWISE;
    s.rnd.mode = FPQ_RSR;
    s.rnd.seed = 5;
    enum { R = 5, K = 13, C = 7 };
    uint64_t a[R * K], b[K * C], c1[R * C], c2[R * C];
    double cex[R * C];
    fpq_check_rng g;
    fpq_check_rng_init(&g, 0x6e3);
    for (int i = 0; i < R * K; i++)
        a[i] = fpq_check_rng_below(&g, 0x7f) | (fpq_check_rng_next(&g) & 0x80);
    for (int i = 0; i < K * C; i++)
        b[i] = fpq_check_rng_below(&g, 0x7f) | (fpq_check_rng_next(&g) & 0x80);
    unsigned fl1, fl2;
    ck_assert_int_eq(fpq_gemm(c1, cex, &fl1, a, b, R, K, C, &s), FPQ_OK);
    ck_assert_int_eq(fpq_gemm(c2, NULL, &fl2, a, b, R, K, C, &s), FPQ_OK);
    ck_assert_uint_eq(fl1, fl2);
    unsigned fl_or = 0;
    for (int i = 0; i < R; i++)
        for (int j = 0; j < C; j++) {
            uint64_t xr[K], yc[K], out;
            for (int t = 0; t < K; t++)
                xr[t] = a[i * K + t], yc[t] = b[t * C + j];
            fpq_dot_spec se = s;
            se.rnd.position = s.rnd.position + (uint64_t)(i * C + j) * (3 * K + 2);
            se.rnd_out.position = s.rnd_out.position + (uint64_t)(i * C + j);
            mpfr_t ex;
            mpfr_init2(ex, 2);
            unsigned fl;
            ck_assert_int_eq(fpq_dot(&out, &fl, ex, xr, yc, K, &se), FPQ_OK);
            fl_or |= fl;
            ck_assert_uint_eq(c1[i * C + j], out);
            ck_assert_uint_eq(c2[i * C + j], out);
            ck_assert(mpfr_cmp_d(ex, cex[i * C + j]) == 0); /* e4m3 products: exact in binary64 */
            mpfr_clear(ex);
        }
    ck_assert_uint_eq(fl1, fl_or);
}
END_TEST

START_TEST(gemm_f64_encodes_inputs_and_decodes_outputs)
{
    fpq_dot_spec s;
    fpq_dot_spec_default(&s);
    s.in = fpq_check_need("fp16");
    s.acc = fpq_check_need("fp32");
    /* [[1, 2, 3], [4, 5, 6]] x [[1, 0], [0, 1], [1, 1]]; 0.1 rounds in fp16 */
    const double a[6] = {1, 2, 3, 4, 5, 0.1}, b[6] = {1, 0, 0, 1, 1, 1};
    double c[4], ce[4];
    unsigned fl;
    ck_assert_int_eq(fpq_gemm_f64(c, ce, &fl, a, b, 2, 3, 2, &s), FPQ_OK);
    ck_assert(c[0] == 4 && c[1] == 5 && c[3] == 5 + 0x1.998p-4);
    ck_assert(c[2] == 4 + 0x1.998p-4 && ce[2] == 4 + 0x1.998p-4);
    ck_assert_uint_eq(fl, FPQ_FLAG_INEXACT); /* from encoding 0.1 */
    uint64_t out;
    mpfr_t ex;
    mpfr_init2(ex, 2);
    const double x[2] = {65504, 65504}, y[2] = {2, -2};
    ck_assert_int_eq(fpq_dot_f64(&out, &fl, ex, x, y, 2, &s), FPQ_OK);
    ck_assert_uint_eq(out, 0); /* 131008 - 131008 in fp32: exact cancellation */
    ck_assert(mpfr_zero_p(ex));
    mpfr_clear(ex);
}
END_TEST

START_TEST(dot_specials_and_argument_checks)
{
    fpq_dot_spec s;
    fpq_dot_spec_default(&s);
    ck_assert_int_eq(fpq_dot_spec_validate(&s), FPQ_OK);
    ck_assert_ptr_eq(s.in, fpq_check_need("fp16"));
    ck_assert_ptr_eq(s.acc, fpq_check_need("fp32"));
    ck_assert_ptr_eq(s.block_acc, fpq_check_need("fp32"));
    uint64_t out;
    unsigned fl;
    /* Inf * 0 is invalid; the NaN reaches the output */
    const uint64_t x[2] = {0x7c00, 0x3c00}, y[2] = {0x0000, 0x3c00};
    ck_assert_int_eq(fpq_dot(&out, &fl, NULL, x, y, 2, &s), FPQ_OK);
    ck_assert_uint_eq(out, 0x7fc00000);
    ck_assert_uint_eq(fl, FPQ_FLAG_INVALID);
    /* Inf - Inf in the sum */
    const uint64_t p[2] = {0x7c00, 0xfc00}, q[2] = {0x3c00, 0x3c00};
    ck_assert_int_eq(fpq_dot(&out, &fl, NULL, p, q, 2, &s), FPQ_OK);
    ck_assert_uint_eq(out, 0x7fc00000);
    ck_assert_uint_eq(fl, FPQ_FLAG_INVALID);
    /* the empty dot product is +0 */
    ck_assert_int_eq(fpq_dot(&out, &fl, NULL, NULL, NULL, 0, &s), FPQ_OK);
    ck_assert_uint_eq(out, 0);
    /* errors */
    const uint64_t w[1] = {0x10000};
    ck_assert_int_eq(fpq_dot(&out, &fl, NULL, w, q, 1, &s), FPQ_ERR_BITS_WIDE);
    fpq_dot_spec bad = s;
    bad.acc = NULL;
    ck_assert_int_eq(fpq_dot_spec_validate(&bad), FPQ_ERR_ARG);
    ck_assert_int_eq(fpq_dot(&out, &fl, NULL, q, q, 1, &bad), FPQ_ERR_ARG);
    bad = s;
    bad.order = FPQ_DOT_BLOCK;
    bad.block = 0;
    ck_assert_int_eq(fpq_dot_spec_validate(&bad), FPQ_ERR_ARG);
    bad = s;
    bad.in = NULL;
    ck_assert_int_eq(fpq_dot_spec_validate(&bad), FPQ_ERR_ARG);
}
END_TEST

/* ---- suite -------------------------------------------------------------------- */

Suite *arith_suite(void)
{
    build_tiny();
    Suite *s = suite_create("arith");
    TCase *tc = fpq_check_tcase("pairs", 600);
    tcase_add_loop_test(tc, arith_of_every_operand_pair_is_correctly_rounded, 0, (int)ntiny);
    tcase_add_loop_test(tc, unary_ops_of_every_pattern_in_every_mode, 0, (int)ntiny);
    tcase_add_loop_test(tc, min_max_and_compare_of_every_operand_pair, 0, (int)ntiny);
    tcase_add_loop_test(tc, fma_of_random_triples_is_correctly_rounded, 0, (int)ntiny);
    suite_add_tcase(s, tc);

    tc = fpq_check_tcase_slow("pairs_all_modes", 3600);
    tcase_add_loop_test(tc, arith_of_every_pair_in_every_mode_and_policy, 0, (int)ntiny);
    suite_add_tcase(s, tc);

    tc = fpq_check_tcase("samples", 600);
    tcase_add_loop_test(tc, fp16_and_bf16_random_and_boundary_samples, 0, 2);
    tcase_add_loop_test(tc, fp32_and_fp64_agree_with_the_host_in_all_ieee_modes, 0, 2);
#ifdef __FLT16_MANT_DIG__
    tcase_add_test(tc, fp16_agrees_with_float16_through_float);
#else
    fprintf(stderr, "check_fpq: this compiler has no _Float16: the fp16 arithmetic "
                    "cross-check against it is left out\n");
#endif
    suite_add_tcase(s, tc);

    tc = fpq_check_tcase("specials", 60);
    tcase_add_loop_test(tc, special_cases_table, 0, (int)NELEM(specials));
    tcase_add_test(tc, op_names_round_trip_and_arity);
    tcase_add_test(tc, precondition_failures_give_zero_and_invalid);
    tcase_add_test(tc, mixed_format_fma_rounds_once);
    tcase_add_test(tc, predicates_and_wrappers_match_the_generic_entry);
    suite_add_tcase(s, tc);

    tc = fpq_check_tcase("dot", 120);
    tcase_add_test(tc, fp16_sequential_sum_loses_to_pairwise);
    tcase_add_test(tc, products_round_into_the_product_format);
    tcase_add_test(tc, fp32_dot_orders_agree_with_host_arithmetic);
    tcase_add_test(tc, gemm_equals_dot_per_element_and_is_deterministic);
    tcase_add_test(tc, gemm_f64_encodes_inputs_and_decodes_outputs);
    tcase_add_test(tc, dot_specials_and_argument_checks);
    suite_add_tcase(s, tc);
    return s;
}
