/* fast-arith-impl.h: the fast exact path of the emulated arithmetic, shared
 * by arith.c (one operation) and fast-arith.c (arrays).
 *
 * Scope.  +, -, *, /, sqrt and fma whose operands and result are in float
 * formats that are "host-exact": signed, with subnormals, at most 23
 * mantissa bits and an exponent range within binary32's (every value is a
 * binary32 number; fp16, bf16, tf32, the fp8/fp6/fp4 presets and binary32
 * itself), every operand finite, no division by zero, no square root of a
 * negative number, and a deterministic rounding mode.  Everything else --
 * NaN and infinite operands, the invalid operations, x / 0, stochastic
 * rounding, integer and lookup-table formats, binary64 and other formats
 * wider than binary32 -- goes to the MPFR reference (arith.c), because no
 * theorem below covers it with binary64 as the host format.  (Arrays of
 * +, - and * of fp16 and bf16 in nearest-even have kernels of their own,
 * NaN and infinite operands included: fast-arith16.c.  Arrays in
 * stochastic rounding round the exact result where binary64 holds it:
 * fast-arith.c's sr_block, fast-arith-sr.c.)
 *
 * Method.  The operands are binary64 numbers exactly.  Binary64 holds the
 * exact result of the operation as an unevaluated pair: the product of two
 * operands has at most 24 + 24 bits and lies within [2^-298, 2^256], so it
 * is exact; a sum hi + lo comes from TwoSum (Knuth), exact whatever the
 * operands; a quotient q = RN(a / b) and a square root s = RN(sqrt(a)) have
 * an exact remainder a - q b and a - s^2 (one fma each; exact because no
 * intermediate underflows in this range), whose sign is the sign of the
 * error.  fma's a b + c is TwoSum of the exact product and c.
 *
 * From the pair, the binary64 number x rounded to odd (RO) is built: hi
 * when the error is zero or hi's last bit is 1, else hi's neighbour on the
 * error's side.  Boldo and Melquiond ("Emulation of FMA and correctly
 * rounded sums: proved algorithms using rounding to odd", IEEE Trans.
 * Computers 57(4), 2008, Theorem 1): rounding to odd at a precision of at
 * least p + 2 bits, followed by any rounding to nearest or directed
 * rounding to p bits, gives the correct rounding of the exact value.  Here
 * more holds: x lies strictly inside the same interval between consecutive
 * 52-bit numbers as the exact result (or equals it), and every number the
 * one rounding compares against -- a value of the target format, a
 * midpoint of two, 2^emin, the midpoint that decides tininess after
 * rounding at full precision -- has at most 24 + 1 bits and lies in
 * binary64's normal range, so the rounding of x into the target, its
 * flags (inexact, underflow with tininess after rounding, overflow) and its
 * ternary value are those of the exact result.  The reference (arith.c)
 * does the same with an MPFR result rounded to odd at FPQ_ARITH_PREC bits.
 *
 * For nearest-even the pair is not even needed for the value: a result
 * rounded to nearest in binary64 and then to nearest in a format of
 * precision p is the correctly rounded result when 53 >= 2p + 2 for +, -,
 * *, / and sqrt (S. A. Figueroa, "When is double rounding innocuous?",
 * ACM SIGNUM Newsletter 30(3), 1995), which holds for every host-exact
 * format (p <= 24).  fast-arith.c's lean nearest-even kernels, which
 * compute no flags, rely on it; with flags, the error term is needed all
 * the same (an inexact sum may round to a binary64 number of the format).
 *
 * The rounding into the target, fa_encode, is fpq_encode's float rounding
 * (encode.c) on a binary64 input, written again with integers; the tests
 * (tests/check_fastarith.c, make check-exhaustive) compare every result,
 * flag and ternary value with the reference.  The host's rounding mode
 * must be nearest-even (callers use fp_enter). */
#ifndef FPQ_FAST_ARITH_IMPL_H
#define FPQ_FAST_ARITH_IMPL_H

#include "arith-impl.h"
#include "fast-impl.h"

#include <math.h>

/* A host-exact float format, as the fast path reads it. */
typedef struct fa_fmt {
    int M;                /* mantissa bits */
    int emin, emax;       /* exponents of the lowest and the top binade */
    uint64_t signbit, magmask, mmask, expones, maxmag;
    fpq_specials specials;
    bool negzero;         /* the format has -0 */
    uint64_t nan0, nan1;  /* NaN patterns of either sign (FPQ_NO_BITS: none) */
    double sub_scale;     /* 2^(emin - M): the quantum of field 0 */
} fa_fmt;

/* Fill *F and return true when f is host-exact (see above). */
static inline bool fa_init(fa_fmt *F, const fpq_format *f)
{
    if (!f || f->kind != FPQ_KIND_FLOAT || !f->is_signed || !f->subnormals || f->mbits > 23 || f->p3109)
        return false;
    const long emin = fpq_emin(f);
    const long emax = (long)(fpq_max_finite_mag(f) >> f->mbits) - f->bias;
    if (emin - (long)f->mbits < -149 || emax > 127 || emax < emin)
        return false;
    F->M = (int)f->mbits;
    F->emin = (int)emin;
    F->emax = (int)emax;
    F->signbit = fpq_sign_bit(f);
    F->magmask = fpq_mag_mask(f);
    F->mmask = (UINT64_C(1) << f->mbits) - 1;
    F->expones = fpq_exp_all_ones(f);
    F->maxmag = fpq_max_finite_mag(f);
    F->specials = f->specials;
    F->negzero = fpq_has_neg_zero(f);
    const bool fn = f->specials == FPQ_SPECIALS_FN || f->specials == FPQ_SPECIALS_FNUZ;
    F->nan0 = fn ? fpq_nan_bits(f, false) : FPQ_NO_BITS; /* used by fa_overflow only */
    F->nan1 = fn ? fpq_nan_bits(f, true) : FPQ_NO_BITS;
    F->sub_scale = ldexp(1.0, F->emin - F->M);
    return true;
}

/* Whether a pattern is NaN or infinite. */
static inline bool fa_special(const fa_fmt *F, uint64_t bits)
{
    const uint64_t mag = bits & F->magmask;
    switch (F->specials) {
    case FPQ_SPECIALS_IEEE: return (mag & F->expones) == F->expones;
    case FPQ_SPECIALS_FN: return mag == F->magmask;
    case FPQ_SPECIALS_FNUZ: return bits == F->signbit;
    default: return false;
    }
}

/* The value of a finite pattern, exactly. */
static inline double fa_value(const fa_fmt *F, uint64_t bits)
{
    const uint64_t mag = bits & F->magmask;
    const uint64_t e = mag >> F->M, m = mag & F->mmask;
    double v;
    if (e) /* binade emin + e - 1: binary64 bits straight */
        v = f64_from((uint64_t)(F->emin + (int)e - 1 + 1023) << 52 | m << (52 - F->M));
    else
        v = (double)m * F->sub_scale;
    return (bits & F->signbit) ? -v : v;
}

/* fpq_encode's round_away (encode.c) for the deterministic modes. */
static inline bool fa_away(fpq_rnd mode, bool neg, bool exact, int half_cmp, bool odd)
{
    if (exact)
        return false;
    switch (mode) {
    case FPQ_RNE: return half_cmp > 0 || (half_cmp == 0 && odd);
    case FPQ_RNA: return half_cmp >= 0;
    case FPQ_RUP: return !neg;
    case FPQ_RDN: return neg;
    case FPQ_RTO: return !odd;
    default: return false; /* FPQ_RTZ */
    }
}

/* encode.c's float_overflow. */
static inline uint64_t fa_overflow(const fa_fmt *F, bool neg, const fpq_rounding *r)
{
    const uint64_t sign = neg ? F->signbit : 0;
    if (r->overflow == FPQ_OVF_SATURATE)
        return sign | F->maxmag;
    const fpq_rnd m = r->mode;
    if (m == FPQ_RTZ || m == FPQ_RTO || (m == FPQ_RUP && neg) || (m == FPQ_RDN && !neg))
        return sign | F->maxmag;
    switch (F->specials) {
    case FPQ_SPECIALS_IEEE: return sign | F->expones;
    case FPQ_SPECIALS_FN:
    case FPQ_SPECIALS_FNUZ: return neg ? F->nan1 : F->nan0;
    default: return sign | F->maxmag;
    }
}

/* Split a 53-bit significand sig at sh discarded bits (sh >= 1): the kept
 * part, whether nothing was cut, and the remainder against half. */
static inline uint64_t fa_split(uint64_t sig, int sh, bool *exact, int *half_cmp)
{
    if (sh > 54) { /* sig < 2^53 <= half */
        *exact = false;
        *half_cmp = -1;
        return 0;
    }
    const uint64_t rem = sig & ((UINT64_C(1) << sh) - 1), half = UINT64_C(1) << (sh - 1);
    *exact = rem == 0;
    *half_cmp = rem < half ? -1 : rem > half;
    return sig >> sh;
}

/* The pattern of x rounded into F under r (deterministic modes), as
 * fpq_encode gives it for a finite x in binary64's normal range or zero;
 * flags ORed into *fl. */
static inline uint64_t fa_encode(const fa_fmt *F, double x, const fpq_rounding *r, unsigned *fl)
{
    const uint64_t xb = f64_bits(x);
    const bool neg = xb >> 63;
    const uint64_t sign = neg ? F->signbit : 0;
    if (x == 0)
        return F->negzero ? sign : 0;
    const int ex = (int)((xb >> 52) & 0x7ff) - 1023;
    if (ex > F->emax) {
        *fl |= FPQ_FLAG_OVERFLOW | FPQ_FLAG_INEXACT;
        return fa_overflow(F, neg, r);
    }
    const uint64_t sig = (xb & ((UINT64_C(1) << 52) - 1)) | UINT64_C(1) << 52;
    const int e = ex > F->emin ? ex : F->emin;
    bool exact;
    int half_cmp;
    const uint64_t s = fa_split(sig, 52 - F->M + (e - ex), &exact, &half_cmp);
    const uint64_t lo = ((uint64_t)(e - F->emin) << F->M) + s;
    const uint64_t mag = lo + fa_away(r->mode, neg, exact, half_cmp, lo & 1);
    if (!exact) {
        *fl |= FPQ_FLAG_INEXACT;
        if (ex < F->emin) { /* tiny after rounding to M + 1 bits, unbounded exponent */
            bool tiny = true;
            if (ex == F->emin - 1) {
                bool ex2;
                int hc2;
                const uint64_t s2 = fa_split(sig, 52 - F->M, &ex2, &hc2);
                tiny = s2 + fa_away(r->mode, neg, ex2, hc2, s2 & 1) < (UINT64_C(2) << F->M);
            }
            if (tiny)
                *fl |= FPQ_FLAG_UNDERFLOW;
        }
    }
    if (mag > F->maxmag) {
        *fl |= FPQ_FLAG_OVERFLOW | FPQ_FLAG_INEXACT;
        return fa_overflow(F, neg, r);
    }
    if (mag == 0 && !F->negzero)
        return 0;
    return sign | mag;
}

/* fpq_encode's ternary value: the sign of (the result's value - x); 0 for
 * a NaN result. */
static inline int fa_ternary(const fa_fmt *F, uint64_t res, double x)
{
    double v;
    if (fa_special(F, res)) {
        if (F->specials != FPQ_SPECIALS_IEEE || (res & F->magmask) != F->expones)
            return 0; /* NaN */
        v = (res & F->signbit) ? -INFINITY : INFINITY;
    } else {
        v = fa_value(F, res);
    }
    return (v > x) - (v < x);
}

/* hi rounded to odd given the sign of the error (exact - hi): err_sign 0
 * when hi is exact.  hi is finite and nonzero when err_sign != 0. */
static inline double fa_odd(double hi, int err_sign)
{
    uint64_t b = f64_bits(hi);
    if (err_sign != 0 && !(b & 1)) {
        const bool up_mag = (err_sign < 0) == (bool)(b >> 63); /* away from zero */
        b += up_mag ? 1 : (uint64_t)-1;
    }
    return f64_from(b);
}

/* TwoSum (Knuth): s + *err == a + b exactly, s = RN(a + b). */
static inline double fa_two_sum(double a, double b, double *err)
{
    const double s = a + b, bb = s - a;
    *err = (a - (s - bb)) + (b - bb);
    return s;
}

static inline int fa_sgn(double v) { return (v > 0) - (v < 0); }

/* The exact result of op on finite host-exact operands v[] rounded to odd
 * in binary64 (the sign of an exact zero sum as arith.c gives it); false
 * when the fast path does not cover the operation (the caller falls back
 * to the reference). */
static inline bool fa_exact_odd(double *out, fpq_op op, const double *v, const fpq_rounding *rnd)
{
    double s, err;
    switch (op) {
    case FPQ_OP_ADD:
    case FPQ_OP_SUB: {
        const double b = op == FPQ_OP_SUB ? -v[1] : v[1];
        s = fa_two_sum(v[0], b, &err);
        if (s == 0) {
            *out = fpq_zero_sum_negative(signbit(v[0]) != 0, signbit(b) != 0, rnd) ? -0.0 : 0.0;
            return true;
        }
        *out = fa_odd(s, fa_sgn(err));
        return true;
    }
    case FPQ_OP_MUL:
        *out = v[0] * v[1]; /* exact: at most 48 bits, no underflow */
        return true;
    case FPQ_OP_DIV:
        if (v[1] == 0)
            return false;
        s = v[0] / v[1];
        if (s == 0) {
            *out = s;
            return true;
        }
        err = fma(-s, v[1], v[0]); /* the exact remainder a - q b */
        *out = fa_odd(s, fa_sgn(err) * fa_sgn(v[1]));
        return true;
    case FPQ_OP_SQRT:
        if (v[0] < 0)
            return false;
        s = sqrt(v[0]); /* sqrt(-0) = -0 */
        if (s == 0) {
            *out = s;
            return true;
        }
        *out = fa_odd(s, fa_sgn(fma(-s, s, v[0])));
        return true;
    case FPQ_OP_FMA: {
        const double p = v[0] * v[1]; /* exact */
        s = fa_two_sum(p, v[2], &err);
        if (s == 0) {
            *out = fpq_zero_sum_negative(signbit(p) != 0, signbit(v[2]) != 0, rnd) ? -0.0 : 0.0;
            return true;
        }
        *out = fa_odd(s, fa_sgn(err));
        return true;
    }
    default:
        return false;
    }
}

/* Whether the fast path can take op and rounding at all (formats aside). */
static inline bool fa_op_ok(fpq_op op, const fpq_rounding *rnd)
{
    return rnd->mode < FPQ_RSR && rnd->overflow != FPQ_OVF_PROPAGATE && (op == FPQ_OP_ADD || op == FPQ_OP_SUB || op == FPQ_OP_MUL ||
                                    op == FPQ_OP_DIV || op == FPQ_OP_SQRT || op == FPQ_OP_FMA);
}

/* One operation on the fast path: operands x[i] of from[i] (n of them),
 * result into `to`.  True with *r, *fl (ORed) and *ternary (unless NULL)
 * set; false when
 * an operand is NaN or infinite or the operation is not covered (nothing
 * written).  Host rounding to nearest-even. */
static inline bool fa_compute(uint64_t *r, unsigned *fl, int *ternary, const fa_fmt *to, fpq_op op,
                              const fa_fmt *const from[3], const uint64_t *x, unsigned n, const fpq_rounding *rnd)
{
    double v[3] = {0, 0, 0};
    for (unsigned i = 0; i < n; i++) {
        if (fa_special(from[i], x[i]))
            return false;
        v[i] = fa_value(from[i], x[i]);
    }
    double y;
    if (!fa_exact_odd(&y, op, v, rnd))
        return false;
    unsigned f2 = 0;
    const uint64_t res = fa_encode(to, y, rnd, &f2);
    *r = res;
    *fl |= f2;
    if (ternary)
        *ternary = f2 & FPQ_FLAG_INEXACT ? fa_ternary(to, res, y) : 0;
    return true;
}

/* ---- the rounding in the value domain, without branches ------------------ */

#define FA_INLINE static inline __attribute__((always_inline))

/* Selections as masks (c is 0 or 1): ternaries in a loop keep GCC's
 * if-conversion, and so the vectoriser, away (as in fast-kernels.c). */
FA_INLINE uint64_t sel(uint64_t c, uint64_t a, uint64_t b)
{
    const uint64_t m = (uint64_t)0 - c;
    return (a & m) | (b & ~m);
}
FA_INLINE double seld(uint64_t c, double a, double b) { return f64_from(sel(c, f64_bits(a), f64_bits(b))); }

/* A host-exact format for rounding binary64 values in the value domain. */
typedef struct lean {
    int64_t emin, M;
    double max;
    uint64_t to_max; /* overflow gives +-max (saturate, or the mode rounds toward zero): 1 per sign */
    uint64_t to_max_neg;
    uint64_t negzero; /* the format has -0 */
    double ovf_at;    /* max + 2^(emax - M), the grid's next value: from here on every rounding overflows */
} lean;

static inline void lean_init(lean *L, const fa_fmt *F, const fpq_rounding *r)
{
    L->emin = F->emin;
    L->M = F->M;
    L->max = fa_value(F, F->maxmag);
    const bool sat = r->overflow == FPQ_OVF_SATURATE || F->specials == FPQ_SPECIALS_FINITE;
    const fpq_rnd m = r->mode;
    L->to_max = sat || m == FPQ_RTZ || m == FPQ_RTO || m == FPQ_RDN;
    L->to_max_neg = sat || m == FPQ_RTZ || m == FPQ_RTO || m == FPQ_RUP;
    L->negzero = F->negzero;
    L->ovf_at = L->max + ldexp(1.0, F->emax - F->M);
}

/* fa_encode then fa_value, for a finite binary64 x in the normal range or
 * zero, without branches: the value, the flags ORed into *fl, and *bad
 * set when the result is not finite (overflow into Inf or NaN). */
/* x's split at the format's quantum: its binade ex, the binade e =
 * max(ex, emin) of the grid, its significand sig (53 bits), the kept part
 * and the remainder rn shifted to the top of a word (no 1 << sh, which the
 * vectoriser narrows: half is 2^63, as in fast-kernels.c).  Beyond 62
 * discarded bits kept is 0 and rn nonzero below half. */
typedef struct lean_split {
    int64_t ex, e;
    uint64_t sig, kept, rn;
} lean_split;
FA_INLINE lean_split lean_split_at(const lean *L, uint64_t xb)
{
    lean_split s;
    const int64_t ef = (int64_t)((xb >> 52) & 0x7ff);
    s.ex = ef - 1023;
    s.e = (int64_t)sel(s.ex > L->emin, (uint64_t)s.ex, (uint64_t)L->emin);
    int64_t sh = 52 - L->M + (s.e - s.ex);
    sh = (int64_t)sel(sh < 62, (uint64_t)sh, 62);
    s.sig = (xb & ((UINT64_C(1) << 52) - 1)) | ((uint64_t)(ef != 0) << 52);
    s.kept = s.sig >> sh;
    s.rn = (s.sig - (s.kept << sh)) << (64 - sh);
    return s;
}

FA_INLINE double lean_round(const lean *L, const int mode, double x, uint64_t *fl, uint64_t *bad)
{
    const uint64_t xb = f64_bits(x), neg = xb >> 63;
    const lean_split sp = lean_split_at(L, xb);
    const int64_t ex = sp.ex, e = sp.e;
    const uint64_t sig = sp.sig, kept = sp.kept, rn = sp.rn;
#define LEAN_AWAY(rn, odd)                                                                                 \
    (mode == FPQ_RNE   ? (uint64_t)((rn) + (odd) > (UINT64_C(1) << 63))                                   \
     : mode == FPQ_RNA ? (uint64_t)((rn) >= (UINT64_C(1) << 63))                                          \
     : mode == FPQ_RTZ ? 0                                                                                \
     : mode == FPQ_RUP ? (uint64_t)((rn) > (uint64_t)0 - neg)                                             \
     : mode == FPQ_RDN ? (uint64_t)((rn) > neg - 1)                                                       \
                       : (uint64_t)((rn) > (uint64_t)0 - (odd)))
    /* parity of the code ((e - emin) << M) + kept: for M = 0 the exponent's */
    const uint64_t odd = (kept + (uint64_t)((e - L->emin) & (L->M == 0))) & 1;
    const uint64_t q = kept + LEAN_AWAY(rn, odd);
    /* q < 2^26: its binary64 value through the bits of 2^52 + q */
    const double qd = f64_from(UINT64_C(0x4330000000000000) | q) - 0x1p52;
    const double quantum = f64_from((uint64_t)(e - L->M + 1023) << 52);
    const double v = qd * quantum;
    /* tiny after rounding to M + 1 bits with an unbounded exponent */
    const uint64_t sh2 = (uint64_t)(52 - L->M);
    const uint64_t k2 = sig >> sh2, r2 = (sig - (k2 << sh2)) << (64 - sh2);
    const uint64_t q2 = k2 + LEAN_AWAY(r2, k2 & 1);
#undef LEAN_AWAY
    const uint64_t tiny = (uint64_t)(ex < L->emin - 1) | ((uint64_t)(ex == L->emin - 1) & (uint64_t)(q2 < (UINT64_C(2) << L->M)));
    const uint64_t inexact = rn != 0;
    const uint64_t ovf = v > L->max;
    const uint64_t tomax = sel(neg, L->to_max_neg, L->to_max);
    *fl |= inexact * FPQ_FLAG_INEXACT | (inexact & tiny) * FPQ_FLAG_UNDERFLOW |
           ovf * (FPQ_FLAG_OVERFLOW | FPQ_FLAG_INEXACT);
    *bad |= ovf & ~tomax;
    const double mag = seld(ovf, L->max, v);
    const uint64_t sgn = neg & ((uint64_t)(mag != 0) | L->negzero); /* no -0: +0 */
    return f64_from(f64_bits(mag) | sgn << 63);
}

/* The flags of rounding x stochastically (FPQ_RSR) into L with the draw u,
 * for a finite binary64 x in the normal range or zero, as fpq_encode gives
 * them (encode.c): inexact when bits below the format's quantum are set,
 * underflow when inexact and |x| < 2^emin (for the stochastic modes every
 * such x is tiny), overflow (and inexact) when |x| truncated to the grid
 * extended without bound lies above the largest finite value (|x| at least
 * the grid's next value), or when |x| lies between the two and the draw
 * sends it up: its discarded fraction, at most 52 bits at the top of a
 * 64-bit word, above u -- the comparison of the bulk path's k64 kernel
 * (fast-kernels.c). */
FA_INLINE uint64_t lean_sr_flags(const lean *L, double x, uint64_t u)
{
    const lean_split sp = lean_split_at(L, f64_bits(x));
    const int64_t ex = sp.ex;
    const uint64_t rn = sp.rn;
    const double ax = fabs(x);
    const uint64_t inexact = rn != 0;
    const uint64_t ovf = (uint64_t)(ax >= L->ovf_at) | ((uint64_t)(ax > L->max) & (uint64_t)(rn > u));
    const uint64_t tiny = ex < L->emin;
    return (inexact | ovf) * FPQ_FLAG_INEXACT | (inexact & tiny) * FPQ_FLAG_UNDERFLOW | ovf * FPQ_FLAG_OVERFLOW;
}

/* fast-arith-sr.c: the exact results of a block of BLOCK operations in
 * binary64 (bad[i] ORed with 1 where binary64 does not hold one), and the
 * flags of their stochastic rounding into L. */
FPQ_HIDDEN void fpq_fast_sr_exact_block(double *restrict y, uint8_t *restrict bad, const double *restrict a,
                                        const double *restrict b, const double *restrict c, fpq_op op);
FPQ_HIDDEN void fpq_fast_sr_flags_block(uint8_t *restrict fl, const double *restrict y, const uint64_t *restrict u,
                                        const lean *L, size_t len);

/* fpq_gemm on the fast path (fast-dot.c), with c_exact NULL: 0 when it
 * does not apply (nothing written); else 1, with c and *flags set, and
 * todo[e] = 1 for every element e that the reference must compute (its
 * c[e] unset). */
FPQ_HIDDEN int fpq_fast_gemm(uint64_t *c, uint8_t *todo, unsigned *flags, const uint64_t *a, const uint64_t *b,
                             size_t rows, size_t k, size_t cols, const fpq_dot_spec *s);

/* fpq_gemm_f64 without flags or an exact result on the binary32 kernel
 * (fast-dot.c): the inputs rounded into in and in_b by fpq_round_f64 (the
 * positions of fpq_gemm_f64), C the output values.  0 when it does not
 * apply: not the kernel's case, a NaN or infinite input, a sum that
 * overflows, or out of memory (c may be partly written: the caller
 * computes all of C again). */
FPQ_HIDDEN int fpq_fast_gemm_f64(double *c, const double *a, const double *b, size_t rows, size_t k, size_t cols,
                                 const fpq_dot_spec *s);

/* +, - and * of same-format fp16 or bf16 arrays in nearest-even
 * (fast-arith16.c, which gives the method): set up by
 * fpq_fast_a16_init, false when it does not apply (other op, mode,
 * formats or overflow policy, or no AVX2/F16C); fpq_fast_a16_run computes
 * r[i] and, when fl is not NULL, fl[i] for i < n, every element. */
typedef struct a16 {
    int cls;        /* fp16 or bf16 layout */
    fpq_op op;      /* FPQ_OP_ADD, FPQ_OP_SUB or FPQ_OP_MUL */
    uint16_t cnan;  /* the result of an invalid operation (its flag: invalid alone) */
    bool avx512;    /* the kernels compiled for AVX-512 (else AVX2) */
} a16;
FPQ_HIDDEN bool fpq_fast_a16_init(a16 *K, const fpq_format *to, const fpq_format *from, fpq_op op,
                                  const fpq_rounding *r);
FPQ_HIDDEN void fpq_fast_a16_run(const a16 *K, uint16_t *r, uint8_t *fl, const uint16_t *a, const uint16_t *b,
                                 size_t n);

#endif
