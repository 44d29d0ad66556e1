/* fast.c: the bulk path.  Round-to-format, encode and decode over arrays,
 * with integer bit manipulation and no MPFR in the per-element logic, split
 * across OpenMP threads.  It must equal fpq_encode / fpq_decode bit for bit
 * (tests/check_fast.c checks it on every rounding boundary of every format
 * and, with FPQ_CHECK_EXHAUSTIVE=1, on all 2^32 binary32 inputs).
 *
 * One rounding, two kernels of the same shape.  A finite nonzero |x| is a
 * significand sig with its top bit at a fixed place and a binade exponent
 * ex.  In the binade e = max(ex, emin) the format's quantum is 2^(e - M), so
 * sh = (top - M) + max(0, emin - ex) bits are discarded: kept = sig >> sh is
 * |x| truncated to the grid, and the discarded bits are compared with half
 * of 2^sh.  The code of the truncation is ((e - emin) << M) + kept (minus
 * 2^M without subnormals, where field 0 is an ordinary binade): the grid
 * "extended without bound" of fpq_encode, where one more is the next value
 * up, across a binade and past the largest finite value (overflow is judged
 * on the rounded code), and parity is that of the code (so for M = 0 that
 * of the exponent field).  A guard bit keeps sh >= 1; sh is clamped where
 * kept is 0 and the remainder below half already.  Stochastic rounding
 * compares the discarded fraction frac exactly with the draw u, frac * 2^64
 * > u: the remainder shifted to the top of a 64-bit word, or for tiny
 * inputs sig shifted right with a sticky bit.
 *
 * - k32: binary32 input, targets with M <= 23, emin >= -126 and at most 32
 *   bits (every preset but fp64 and e8m0): 32-bit lanes; binary32
 *   subnormals are the binade -126 without their leading bit.  Round-to-
 *   format stays in the binary32 bit domain when binary32 holds every value
 *   of the format (no table, no gather).
 *   Integers of at most 24 bits take k32 too: the float grid with quantum 1
 *   below 2^24 (M = emin = 23), where the rounded code is the integer
 *   itself, and binary32's own grid above (codes from 2^24 up, increasing),
 *   followed by a clamp to the range; every such range lies below 2^24.
 *   Nearest-even, the common case, has lean forms for most of these
 *   (k32_round_rne, k32_encode_rne, k32_int_rne): no per-lane shift counts,
 *   so that the x86-64 baseline vectorises them too.
 * - k64: everything else, including wider integers, which are the float
 *   grid with quantum 1 below 2^35 (M = emin = emax = 34) and a clamp.
 *   binary32 input is widened to binary64 (exact).  binary64 subnormals are
 *   normalised (count leading zeros) only for targets with emin < -1022.
 * - Lookup tables compare with the exact midpoints of adjacent entries in
 *   binary64; stochastic rounding into a table calls fpq_encode per element
 *   (as does a table whose midpoints binary64 cannot hold exactly).
 * The kernels are branch-free per element and specialised per rounding mode,
 * so that GCC vectorises them (the AVX2 and AVX-512 clones), and run in the
 * default floating-point environment whatever the caller's (fp_enter).
 *
 * What each special input gives (NaN, Inf, -0, overflow, values below an
 * unsigned or zero-less range) is derived here from the format's fields,
 * independently of encode.c, so the tests compare two implementations.
 *
 * Decoding: bit arithmetic when the destination holds every value of the
 * format (floats), a binary64 intermediate and one conversion when only
 * binary64 does, else k64 rounding to nearest-even into binary32 / binary64
 * described as formats; integers by conversion; tables from fpq_decode of
 * each entry, once per call.  Bits above a format's width in packed input
 * are ignored.  No state outlives a call, so every function is thread-safe. */
#include "fpq-impl.h"

#include <float.h>
#include <math.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

/* Hot kernels are compiled for AVX-512, AVX2 and the baseline, picked at
 * load time (GNU ifunc); FPQ_NO_CLONES=1 turns that off. */
#if defined(__GNUC__) && defined(__x86_64__) && defined(__GLIBC__) && !defined(FPQ_NO_CLONES) && \
    defined(__has_attribute)
#if __has_attribute(target_clones)
#define HOT __attribute__((target_clones("avx512f", "avx2", "default")))
#endif
#endif
#ifndef HOT
#define HOT
#endif
#define INLINE static inline __attribute__((always_inline))

/* The kernels assume the default floating-point environment: the few
 * conversions that round do so to nearest-even, and binary32/binary64
 * subnormals are neither flushed to zero nor read as zero (a program built
 * with -ffast-math turns on both).  Every call, and every thread for each
 * chunk it takes, sets that environment and then puts the caller's back,
 * exception flags included: the bulk path neither depends on nor changes
 * the caller's environment. */
#if defined(__x86_64__) || defined(__SSE2__)
#include <xmmintrin.h>
typedef unsigned fp_state;
static inline fp_state fp_enter(void)
{
    const fp_state s = _mm_getcsr();
    _mm_setcsr(0x1f80); /* exceptions masked, nearest-even, no FTZ/DAZ, no flags */
    return s;
}
static inline void fp_leave(fp_state s) { _mm_setcsr(s); }
#else
#include <fenv.h>
typedef fenv_t fp_state;
static inline fp_state fp_enter(void)
{
    fp_state s;
    fegetenv(&s);
    fesetenv(FE_DFL_ENV); /* glibc: also clears flush-to-zero where the FPU has it */
    return s;
}
static inline void fp_leave(fp_state s) { fesetenv(&s); }
#endif

enum {
    BLOCK = 512,   /* elements per inner kernel call (buffers on the stack) */
    CHUNK = 16384, /* elements per OpenMP work item; even, a multiple of BLOCK */
};

static uint32_t f32_bits(float x)
{
    uint32_t b;
    memcpy(&b, &x, sizeof b);
    return b;
}
static float f32_from(uint32_t b)
{
    float x;
    memcpy(&x, &b, sizeof x);
    return x;
}
static uint64_t f64_bits(double x)
{
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    return b;
}
static double f64_from(uint64_t b)
{
    double x;
    memcpy(&x, &b, sizeof x);
    return x;
}

/* ---- the rounding decision ------------------------------------------------ */

/* Whether to round away from zero: each mode one unsigned comparison of
 * integers (neg and odd are 0 or 1, the code of the truncation being odd;
 * rem + odd cannot wrap; half >= 1, so ties and "at least half" are
 * inexact).  Boolean arithmetic here would keep GCC from vectorising. */
#define DECIDE(T, mode, neg, rem, half, odd, sr_up)                                            \
    ((mode) == FPQ_RNE   ? (rem) + (odd) > (half) /* above half, or a tie and odd */          \
     : (mode) == FPQ_RNA ? (rem) >= (half)                                                    \
     : (mode) == FPQ_RTZ ? 0                                                                  \
     : (mode) == FPQ_RUP ? (rem) > (T)0 - (neg) /* inexact and positive */                    \
     : (mode) == FPQ_RDN ? (rem) > (T)(neg) - 1 /* inexact and negative */                    \
     : (mode) == FPQ_RTO ? (rem) > (T)0 - (odd) /* inexact and even */                        \
                         : (sr_up))

/* Selections as masks rather than conditional branches: a chain of
 * ternaries becomes one PHI node that GCC's if-conversion gives up on. */
INLINE uint32_t pick32(uint32_t c, uint32_t a, uint32_t b)
{
    const uint32_t m = 0u - c;
    return (a & m) | (b & ~m);
}
INLINE uint64_t pick64(uint64_t c, uint64_t a, uint64_t b)
{
    const uint64_t m = 0u - c;
    return (a & m) | (b & ~m);
}

/* Results of special inputs, per sign of the input (index 1: negative). */
typedef struct specials {
    uint64_t nan[2], inf[2], zero[2], ovf[2];
    uint64_t negu; /* negative nonzero into an unsigned format */
    uint64_t tiny; /* below the lowest binade of a format without zero */
} specials;

static bool toward_zero(fpq_rnd m, bool neg)
{
    return m == FPQ_RTZ || m == FPQ_RTO || (m == FPQ_RUP && neg) || (m == FPQ_RDN && !neg);
}


static void float_specials(specials *s, const fpq_format *f, const fpq_rounding *r)
{
    const uint64_t maxmag = fpq_max_finite_mag(f);
    for (int neg = 0; neg < 2; neg++) {
        const uint64_t sign = neg ? fpq_sign_bit(f) : 0;
        uint64_t nan = fpq_nan_bits(f, neg && f->is_signed);
        s->nan[neg] = nan != FPQ_NO_BITS ? nan : 0;
        if (f->specials == FPQ_SPECIALS_IEEE)
            s->inf[neg] = sign | (r->overflow == FPQ_OVF_SATURATE ? maxmag : fpq_exp_all_ones(f));
        else if (r->overflow == FPQ_OVF_FORMAT && f->specials != FPQ_SPECIALS_FINITE)
            s->inf[neg] = fpq_nan_bits(f, neg);
        else
            s->inf[neg] = sign | maxmag;
        s->zero[neg] = (f->subnormals && fpq_has_neg_zero(f)) ? sign : 0;
        if (r->overflow == FPQ_OVF_SATURATE || toward_zero(r->mode, neg) || f->specials == FPQ_SPECIALS_FINITE)
            s->ovf[neg] = sign | maxmag;
        else if (f->specials == FPQ_SPECIALS_IEEE)
            s->ovf[neg] = sign | fpq_exp_all_ones(f);
        else
            s->ovf[neg] = fpq_nan_bits(f, neg);
    }
    s->negu = 0;
    s->tiny = 0;
}

/* ---- k32: binary32 input, 32-bit lanes ------------------------------------ */

typedef struct k32 {
    int32_t emin, M;
    uint32_t sub_off;  /* 2^M without subnormals, else 0 */
    uint32_t maxmag, signbit;
    uint32_t negzero;  /* the format has -0 */
    uint32_t unsig;    /* the format has no sign */
    uint32_t tiny_lim; /* |x| bits below this: the format's smallest value (no zero) */
    uint32_t nan0, nan1, inf0, inf1, zero0, zero1, ovf0, ovf1, negu, tiny; /* codes */
    /* round-to-format, when binary32 holds every value of the format */
    uint32_t dshift, K, sub_lim;
    float scale;
    uint32_t rnan0, rnan1, rinf0, rinf1, rzero0, rzero1, rovf0, rovf1, rnegu, rtiny; /* binary32 bits */
    /* integers (at most 24 bits): the clamp and the code mask */
    int32_t ilo, ihi;
    uint32_t mask;
    bool int_rne_ok; /* k32_int_rne applies: the range lies in [-2^22, 2^22] */
    float flo, fhi;  /* the range, in binary32 */
    /* k32_round_rne: whether it applies, and its constants */
    bool rne_ok;
    uint32_t sh0, half_m1, keep; /* 23 - M; 2^(sh0 - 1) - 1; the kept bits' mask */
    uint32_t norm_bits;          /* binary32 bits of 2^emin */
    float magic;                 /* 2^(emin - M + 23) */
    uint32_t code_off;           /* (127 - bias) << M */
    bool enc_rne_ok;             /* k32_encode_rne applies too (Inf and overflow: one code) */
    uint32_t max_bits;           /* binary32 bits of the largest finite value */
    uint32_t nan_flip;           /* rnan0 ^ rnan1: the NaN result's sign follows the input's, or not */
} k32;

/* Rounded magnitude code of a finite binary32 magnitude a (bits, sign off). */
INLINE uint32_t k32_mag(const k32 *P, const int mode, uint32_t a, uint32_t neg, uint64_t u)
{
    const uint32_t E = a >> 23;
    const uint32_t sig = ((a & 0x7fffffu) | (E ? 0x800000u : 0)) << 1; /* < 2^25 */
    const int32_t exb = (int32_t)(E ? E : 1) - 127;
    int32_t d = P->emin - exb;
    d = d > 0 ? d : 0;
    const int32_t shr = 24 - P->M + d; /* >= 1 */
    const uint32_t sh = shr < 26 ? (uint32_t)shr : 26;
    const uint32_t kept = sig >> sh, rem = sig & ((1u << sh) - 1), half = 1u << (sh - 1);
    const int32_t e = exb > P->emin ? exb : P->emin;
    const uint32_t lo = ((uint32_t)(e - P->emin) << P->M) + kept - P->sub_off;
    uint32_t sr_up = 0;
    if (mode == FPQ_RSR) {
        /* frac * 2^64 = sig * 2^(64 - shr); rem == sig when shr > 26 */
        const uint32_t ls = shr <= 64 ? (uint32_t)(64 - shr) : 0;
        const uint32_t k = shr > 64 ? (shr - 64 < 31 ? (uint32_t)(shr - 64) : 31) : 0;
        /* exactly frac * 2^64 > u: ta when shr <= 64, else 2 tb + sticky
         * > 2 u, with u capped where tb (< 2^25) cannot reach it */
        const uint64_t ta = (uint64_t)rem << ls;
        const uint64_t tbs = (uint64_t)(sig >> k) * 2 + ((sig & ((1u << k) - 1)) != 0);
        const uint64_t uc = u < (UINT64_C(1) << 26) ? u : UINT64_C(1) << 26;
        sr_up = shr <= 64 ? ta > u : tbs > 2 * uc;
    }
    return lo + (uint32_t)DECIDE(uint32_t, mode, neg, rem, half, lo & 1, sr_up);
}

INLINE uint32_t k32_encode(const k32 *P, const int mode, uint32_t xb, uint64_t u)
{
    const uint32_t neg = xb >> 31, a = xb & 0x7fffffffu;
    const uint32_t mag = k32_mag(P, mode, a, neg, u);
    uint32_t r = pick32((mag == 0) & (P->negzero ^ 1), 0, (P->signbit & (0u - neg)) | mag);
    r = pick32(mag > P->maxmag, pick32(neg, P->ovf1, P->ovf0), r);
    r = pick32(a < P->tiny_lim, P->tiny, r);
    r = pick32(a == 0, pick32(neg, P->zero1, P->zero0), r);
    r = pick32(a == 0x7f800000u, pick32(neg, P->inf1, P->inf0), r);
    r = pick32(neg & P->unsig & (a != 0), P->negu, r);
    r = pick32(a > 0x7f800000u, pick32(neg, P->nan1, P->nan0), r);
    return r;
}

INLINE uint32_t k32_round(const k32 *P, const int mode, uint32_t xb, uint64_t u)
{
    const uint32_t neg = xb >> 31, a = xb & 0x7fffffffu;
    const uint32_t mag = k32_mag(P, mode, a, neg, u);
    /* mag < 2^31: normal codes by bit arithmetic, subnormal ones by an exact product */
    const uint32_t nb = (mag << P->dshift) + P->K;
    const uint32_t sb = f32_bits((float)(int32_t)mag * P->scale);
    const uint32_t sgn = (neg & ((mag != 0) | P->negzero)) << 31;
    uint32_t r = sgn | pick32(mag < P->sub_lim, sb, nb);
    r = pick32(mag > P->maxmag, pick32(neg, P->rovf1, P->rovf0), r);
    r = pick32(a < P->tiny_lim, P->rtiny, r);
    r = pick32(a == 0, pick32(neg, P->rzero1, P->rzero0), r);
    r = pick32(a == 0x7f800000u, pick32(neg, P->rinf1, P->rinf0), r);
    r = pick32(neg & P->unsig & (a != 0), P->rnegu, r);
    r = pick32(a > 0x7f800000u, pick32(neg, P->rnan1, P->rnan0), r);
    return r;
}

/* k32_round in nearest-even for the common case, in a few operations with
 * no per-lane shift counts (so that even SSE2 vectorises it): signed float
 * formats with -0, subnormals and 1 to 22 mantissa bits, held by binary32,
 * where Inf and overflow give the same result and overflow's is sign-
 * symmetric.  In the format's normal binades the discarded bits of |x| are
 * rounded in place (the last kept bit is the code's parity; a carry moves
 * into the exponent field by itself).  Below them the quantum q is fixed,
 * and binary32 arithmetic in nearest-even (fp_enter) rounds |x| to it:
 * |x| + C lies in [C, 1.5 C) for C = q 2^23, where the spacing is q, and
 * the subtraction of C is exact. */
INLINE uint32_t k32_round_rne(const k32 *P, uint32_t xb)
{
    const uint32_t a = xb & 0x7fffffffu;
    const uint32_t rn = (a + P->half_m1 + ((a >> P->sh0) & 1)) & P->keep;
    const uint32_t rs = f32_bits((f32_from(a) + P->magic) - P->magic);
    uint32_t mag = pick32(a < P->norm_bits, rs, rn);
    mag = pick32(mag > P->max_bits, P->rovf0, mag);
    const uint32_t r = mag | (xb & 0x80000000u);
    return pick32(a > 0x7f800000u, P->rnan0 ^ (xb & P->nan_flip), r);
}

/* k32_encode in nearest-even for the formats of k32_round_rne, the same
 * way: in the normal binades the rounded binary32 bits shifted down are
 * the code plus a constant (the exponent fields' bias difference); below
 * them the bits of |x| + C less those of C count the steps of q, which
 * is the code. */
INLINE uint32_t k32_encode_rne(const k32 *P, uint32_t xb)
{
    const uint32_t a = xb & 0x7fffffffu, neg = 0u - (xb >> 31);
    const uint32_t rn = (a + P->half_m1 + ((a >> P->sh0) & 1)) & P->keep;
    const uint32_t cn = (rn >> P->sh0) - P->code_off; /* wraps below the normal binades: not taken there */
    const uint32_t cs = f32_bits(f32_from(a) + P->magic) - f32_bits(P->magic);
    const uint32_t mag = pick32(a < P->norm_bits, cs, cn);
    uint32_t r = pick32(mag > P->maxmag, P->ovf0 ^ ((P->ovf0 ^ P->ovf1) & neg), mag | (P->signbit & neg));
    return pick32(a > 0x7f800000u, P->nan0 ^ ((P->nan0 ^ P->nan1) & neg), r);
}

/* k32_int in nearest-even for ranges within [-2^22, 2^22]: clamped first
 * (rounding is monotone and keeps the integer ends), then rounded by
 * adding and taking away 1.5 2^23 in binary32 (fp_enter: nearest-even),
 * exact for |v| <= 2^22; -0 and -0.3 give +0, NaN gives 0. */
INLINE float k32_int_rne(const k32 *P, float x)
{
    float v = x < P->flo ? P->flo : x;
    v = v > P->fhi ? P->fhi : v;
    const float r = (v + 0x1.8p23f) - 0x1.8p23f;
    return x == x ? r : 0.0f;
}

/* The clamped integer nearest a binary32 input by the mode; NaN gives 0,
 * infinities the ends of the range (mag of Inf is above 2^24). */
INLINE int32_t k32_int(const k32 *P, const int mode, uint32_t xb, uint64_t u)
{
    const uint32_t neg = xb >> 31, a = xb & 0x7fffffffu;
    const uint32_t mag = k32_mag(P, mode, a, neg, u); /* < 2^31 */
    int32_t v = (int32_t)((mag ^ (0u - neg)) + neg);  /* neg ? -mag : mag */
    v = v < P->ilo ? P->ilo : v;
    v = v > P->ihi ? P->ihi : v;
    return (int32_t)pick32(a > 0x7f800000u, 0, (uint32_t)v);
}

/* One loop per mode: the mode is a constant inside each. */
#define K32_LOOPS(BODY)                                                     \
    switch (mode) {                                                         \
    case FPQ_RNE: BODY(FPQ_RNE); break;                                     \
    case FPQ_RNA: BODY(FPQ_RNA); break;                                     \
    case FPQ_RTZ: BODY(FPQ_RTZ); break;                                     \
    case FPQ_RUP: BODY(FPQ_RUP); break;                                     \
    case FPQ_RDN: BODY(FPQ_RDN); break;                                     \
    case FPQ_RTO: BODY(FPQ_RTO); break;                                     \
    default: BODY(FPQ_RSR); break;                                          \
    }

/* The kernels below run on whole blocks of BLOCK elements: a trip count the
 * compiler knows, so even GCC's cheapest vectoriser cost model (-O2) takes
 * the loops.  Callers pad a short last block.  u: the stochastic draws of
 * the block (FPQ_RSR only; NULL otherwise). */
#define DRAW(MODE, i) ((MODE) == FPQ_RSR ? u[i] : 0)

HOT static void k32_encode_block(uint32_t *restrict codes, const float *restrict src, const uint64_t *restrict u,
                                 const k32 *pp, int is_int, fpq_rnd mode)
{
    const k32 P = *pp;
#define BODY(MODE)                                                              \
    if (is_int && (MODE) == FPQ_RNE && P.int_rne_ok)                            \
        for (size_t i = 0; i < BLOCK; i++)                                      \
            codes[i] = (uint32_t)(int32_t)k32_int_rne(&P, src[i]) & P.mask;    \
    else if (is_int)                                                            \
        for (size_t i = 0; i < BLOCK; i++)                                      \
            codes[i] = (uint32_t)k32_int(&P, MODE, f32_bits(src[i]), DRAW(MODE, i)) & P.mask; \
    else if ((MODE) == FPQ_RNE && P.rne_ok && P.enc_rne_ok)                     \
        for (size_t i = 0; i < BLOCK; i++)                                      \
            codes[i] = k32_encode_rne(&P, f32_bits(src[i]));                   \
    else                                                                        \
        for (size_t i = 0; i < BLOCK; i++)                                      \
            codes[i] = k32_encode(&P, MODE, f32_bits(src[i]), DRAW(MODE, i));
    K32_LOOPS(BODY)
#undef BODY
}

HOT static void k32_round_block(float *restrict dst, const float *restrict src, const uint64_t *restrict u,
                                const k32 *pp, int is_int, fpq_rnd mode)
{
    const k32 P = *pp;
#define BODY(MODE)                                                              \
    if (is_int && (MODE) == FPQ_RNE && P.int_rne_ok)                            \
        for (size_t i = 0; i < BLOCK; i++)                                      \
            dst[i] = k32_int_rne(&P, src[i]);                                   \
    else if (is_int)                                                            \
        for (size_t i = 0; i < BLOCK; i++)                                      \
            dst[i] = (float)k32_int(&P, MODE, f32_bits(src[i]), DRAW(MODE, i));  \
    else if ((MODE) == FPQ_RNE && P.rne_ok)                                     \
        for (size_t i = 0; i < BLOCK; i++)                                      \
            dst[i] = f32_from(k32_round_rne(&P, f32_bits(src[i])));            \
    else                                                                        \
        for (size_t i = 0; i < BLOCK; i++)                                      \
            dst[i] = f32_from(k32_round(&P, MODE, f32_bits(src[i]), DRAW(MODE, i)));
    K32_LOOPS(BODY)
#undef BODY
}

/* ---- k64: binary64 input (and everything k32 does not cover) ---------------- */

typedef struct k64 {
    int64_t emin, emax;
    uint64_t M, sub_off, maxmag, signbit, negzero, unsig, nosub;
    uint64_t nan0, nan1, inf0, inf1, zero0, zero1, ovf0, ovf1, negu, tiny;
    int64_t ilo, ihi; /* integers: the clamp */
    uint64_t mask;
} k64;

/* Rounded magnitude code of sig * 2^(ex - 61), sig < 2^62 (top bit at 61
 * when normalised). */
INLINE uint64_t k64_mag(const k64 *P, const int mode, uint64_t neg, uint64_t sig, int64_t ex, uint64_t u)
{
    int64_t d = P->emin - ex;
    d = d > 0 ? d : 0;
    const int64_t shr = 61 - (int64_t)P->M + d; /* >= 9 */
    const uint64_t sh = shr < 63 ? (uint64_t)shr : 63;
    const uint64_t kept = sig >> sh;
    /* the discarded bits at the top of a word: frac * 2^64 exactly when
     * shr <= 63, else below 2^63 (below half) and nonzero as it must be */
    const uint64_t rn = (sig - (kept << sh)) << (64 - sh);
    const int64_t e = ex > P->emin ? ex : P->emin;
    const uint64_t lo = ((uint64_t)(e - P->emin) << P->M) + kept - P->sub_off; /* wraps only on overflow */
    uint64_t sr_up = 0;
    if (mode == FPQ_RSR) {
        /* beyond shr = 63, as in k32_mag with tb < 2^62 */
        const uint64_t k = shr > 63 ? (shr - 64 < 63 ? (uint64_t)(shr - 64) : 63) : 0;
        const uint64_t tb = sig >> k;
        const uint64_t tbs = tb * 2 + ((tb << k) != sig);
        const uint64_t uc = u < (UINT64_C(1) << 62) ? u : UINT64_C(1) << 62;
        sr_up = shr <= 63 ? rn > u : tbs > 2 * uc;
    }
    return lo + (uint64_t)DECIDE(uint64_t, mode, neg, rn, UINT64_C(1) << 63, lo & 1, sr_up);
}

/* Code of a finite nonzero value for a float format, from its rounded mag. */
INLINE uint64_t k64_float_code(const k64 *P, uint64_t neg, uint64_t mag, int64_t ex)
{
    const uint64_t r = pick64((mag == 0) & (P->negzero ^ 1), 0, (P->signbit & (0u - neg)) | mag);
    return pick64((ex > P->emax) | (mag > P->maxmag), pick64(neg, P->ovf1, P->ovf0), r);
}

/* binary64 bits to a code.  NORM: normalise subnormal inputs (targets with
 * emin < -1022); otherwise they are the binade -1022 without leading bit.
 * INT: an integer format (P->M = P->emin = P->emax = 34). */
INLINE uint64_t k64_encode(const k64 *P, const int mode, const int NORM, const int INT, uint64_t xb, uint64_t u)
{
    const uint64_t neg = xb >> 63, a = xb & ~(UINT64_C(1) << 63);
    const uint64_t E = a >> 52, F = a & ((UINT64_C(1) << 52) - 1);
    uint64_t sig;
    int64_t ex;
    if (NORM) {
        const int lz = __builtin_clzll(F | 1); /* >= 12 */
        sig = E ? (F | (UINT64_C(1) << 52)) << 9 : F << (lz - 2);
        ex = E ? (int64_t)E - 1023 : -1074 + 63 - lz;
    } else {
        sig = (F | (E ? UINT64_C(1) << 52 : 0)) << 9;
        ex = (int64_t)(E ? E : 1) - 1023;
    }
    const uint64_t mag = k64_mag(P, mode, neg, sig, ex, u);
    uint64_t r;
    if (INT) {
        int64_t v = neg ? -(int64_t)mag : (int64_t)mag; /* mag <= 2^35 */
        v = v < P->ilo ? P->ilo : v;
        v = v > P->ihi ? P->ihi : v;
        r = pick64(ex > P->emax, pick64(neg, P->ovf1, P->ovf0), (uint64_t)v & P->mask);
    } else {
        r = k64_float_code(P, neg, mag, ex);
        r = pick64(P->nosub & ((ex < P->emin) | ((uint64_t)!NORM & (E == 0))), P->tiny, r);
    }
    r = pick64(a == 0, pick64(neg, P->zero1, P->zero0), r);
    r = pick64(a == UINT64_C(0x7ff0000000000000), pick64(neg, P->inf1, P->inf0), r);
    r = pick64(neg & P->unsig & (a != 0), P->negu, r);
    r = pick64(a > UINT64_C(0x7ff0000000000000), pick64(neg, P->nan1, P->nan0), r);
    return r;
}

HOT static void k64_encode_block(uint64_t *restrict codes, const double *restrict src, const uint64_t *restrict u,
                                 const k64 *pp, int norm, int is_int, fpq_rnd mode)
{
    const k64 P = *pp;
#define BODY_NI(MODE, NORM, INT)                                            \
    for (size_t i = 0; i < BLOCK; i++)                                      \
        codes[i] = k64_encode(&P, MODE, NORM, INT, f64_bits(src[i]), DRAW(MODE, i));
#define BODY(MODE)                                                          \
    if (is_int)                                                             \
        BODY_NI(MODE, 0, 1)                                                 \
    else if (norm)                                                          \
        BODY_NI(MODE, 1, 0)                                                 \
    else                                                                    \
        BODY_NI(MODE, 0, 0)
    K32_LOOPS(BODY)
#undef BODY
#undef BODY_NI
}

/* ---- decoding ---------------------------------------------------------------- */

/* Destination of a decode: binary32 or binary64, described as a format so
 * that the k64 rounding (nearest-even) takes a value into it. */
static const fpq_format host_binary32 = {.name = "binary32", .kind = FPQ_KIND_FLOAT, .bits = 32, .is_signed = true,
                                         .ebits = 8, .mbits = 23, .bias = 127, .specials = FPQ_SPECIALS_IEEE,
                                         .subnormals = true};
static const fpq_format host_binary64 = {.name = "binary64", .kind = FPQ_KIND_FLOAT, .bits = 64, .is_signed = true,
                                         .ebits = 11, .mbits = 52, .bias = 1023, .specials = FPQ_SPECIALS_IEEE,
                                         .subnormals = true};

typedef struct kdec {
    fpq_kind kind;
    bool dbl;   /* destination binary64 */
    bool exact; /* float: the destination holds every value; bit arithmetic */
    uint64_t signbit, magmask;
    uint64_t nan_thr, inf_mag; /* mag > nan_thr is NaN, mag == inf_mag Inf */
    uint64_t fnuz;             /* the NaN is the pattern signbit */
    unsigned M;
    int64_t emin, bias;
    bool sub;
    /* exact */
    uint64_t dshift, K, sub_lim;
    double scale;
    uint64_t dsign, dinf, dnan; /* destination patterns */
    /* inexact: rounding into the destination */
    k64 to;
    /* lookup tables */
    const double *lut;
} kdec;

/* Destination bits of a float code, rounded to nearest-even when needed. */
static uint64_t dec_float_general(const kdec *P, uint64_t c)
{
    const uint64_t neg = (c & P->signbit) != 0, mag = c & P->magmask;
    if (mag > P->nan_thr || (P->fnuz && c == P->signbit))
        return (neg && !P->fnuz ? P->dsign : 0) | P->dnan;
    const uint64_t sign = neg ? P->dsign : 0;
    if (mag == P->inf_mag)
        return sign | P->dinf;
    const uint64_t F = mag >> P->M, m = mag & ((UINT64_C(1) << P->M) - 1);
    if (P->sub && mag == 0)
        return sign;
    const bool subn = P->sub && F == 0;
    const uint64_t s = subn ? m : m | (UINT64_C(1) << P->M);
    const int64_t q = (subn ? P->emin : (int64_t)F - P->bias) - (int64_t)P->M; /* value s * 2^q */
    const int lz = __builtin_clzll(s);
    const uint64_t dm = k64_mag(&P->to, FPQ_RNE, neg, s << (lz - 2), q + 63 - lz, 0);
    return k64_float_code(&P->to, neg, dm, q + 63 - lz);
}

/* Exact decode of a float code by bit arithmetic (P->exact); sb: the
 * destination bits of mag * 2^(emin - M), used for subnormal codes. */
INLINE uint64_t dec_float_exact(const kdec *P, uint64_t c, uint64_t mag, uint64_t sb)
{
    const uint64_t sign = P->dsign & (0u - (uint64_t)((c & P->signbit) != 0));
    uint64_t r = sign | pick64(mag < P->sub_lim, sb, (mag << P->dshift) + P->K);
    r = pick64(mag == P->inf_mag, sign | P->dinf, r);
    return pick64((mag > P->nan_thr) | (P->fnuz & (c == P->signbit)), (sign & (0u - (P->fnuz ^ 1))) | P->dnan, r);
}

INLINE uint32_t dec_exact_f32(const kdec *P, uint64_t c)
{
    const uint64_t mag = c & P->magmask; /* subnormal: mag < 2^23 */
    return (uint32_t)dec_float_exact(P, c, mag, f32_bits((float)(int32_t)(uint32_t)mag * (float)P->scale));
}

INLINE uint64_t dec_exact_f64(const kdec *P, uint64_t c)
{
    const uint64_t mag = c & P->magmask; /* subnormal: mag < 2^52, so 2^52 + mag and the difference are exact */
    return dec_float_exact(P, c, mag,
                           f64_bits((f64_from(UINT64_C(0x4330000000000000) | mag) - 4503599627370496.0) * P->scale));
}

static int64_t int_value(const kdec *P, uint64_t c)
{
    if (P->kind == FPQ_KIND_INT && P->signbit)
        return (int64_t)(c ^ P->signbit) - (int64_t)P->signbit;
    return (int64_t)c;
}

/* pp decodes into binary32; pd into binary64, used when binary64 holds
 * every value and binary32 does not: one conversion then rounds to nearest
 * even, subnormals and overflow included (IEEE conversion in the default
 * rounding mode), and NaNs stay quiet NaNs of their sign. */
HOT static void dec_block_f32(float *restrict dst, const uint64_t *restrict codes, const kdec *pp, const kdec *pd)
{
    const kdec P = *pp;
    if (P.kind == FPQ_KIND_FLOAT && P.exact) {
        for (size_t i = 0; i < BLOCK; i++)
            dst[i] = f32_from(dec_exact_f32(&P, codes[i]));
    } else if (P.kind == FPQ_KIND_FLOAT && pd->exact) {
        const kdec D = *pd;
        for (size_t i = 0; i < BLOCK; i++)
            dst[i] = (float)f64_from(dec_exact_f64(&D, codes[i]));
    } else if (P.kind == FPQ_KIND_FLOAT) {
        for (size_t i = 0; i < BLOCK; i++)
            dst[i] = f32_from((uint32_t)dec_float_general(&P, codes[i]));
    } else if (P.kind == FPQ_KIND_INT) {
        for (size_t i = 0; i < BLOCK; i++)
            dst[i] = (float)int_value(&P, codes[i]); /* nearest-even beyond 2^24 (IEEE conversion) */
    } else {
        for (size_t i = 0; i < BLOCK; i++)
            dst[i] = (float)P.lut[codes[i]]; /* exact: table entries are binary32 values */
    }
}

HOT static void dec_block_f64(double *restrict dst, const uint64_t *restrict codes, const kdec *pp)
{
    const kdec P = *pp;
    if (P.kind == FPQ_KIND_FLOAT && P.exact) {
        for (size_t i = 0; i < BLOCK; i++)
            dst[i] = f64_from(dec_exact_f64(&P, codes[i]));
    } else if (P.kind == FPQ_KIND_FLOAT) {
        for (size_t i = 0; i < BLOCK; i++)
            dst[i] = f64_from(dec_float_general(&P, codes[i]));
    } else if (P.kind == FPQ_KIND_INT) {
        for (size_t i = 0; i < BLOCK; i++)
            dst[i] = (double)int_value(&P, codes[i]); /* exact: at most 32 bits */
    } else {
        for (size_t i = 0; i < BLOCK; i++)
            dst[i] = P.lut[codes[i]];
    }
}

/* ---- lookup tables -------------------------------------------------------------- */

typedef struct klut {
    const fpq_format *f;
    size_t n;
    double val[256], mid[255]; /* entries and the midpoints of neighbours, exact */
    bool mids_exact;           /* else every element goes to fpq_encode */
    uint64_t nan;              /* the code of 0, else of the smallest positive entry */
} klut;

INLINE uint64_t lut_encode(const klut *P, const int mode, double x)
{
    if (x != x)
        return P->nan;
    /* count of entries <= x (branchless binary search; n is a power of 2) */
    const double *base = P->val;
    for (size_t len = P->n; len > 1; len -= len / 2)
        base = base[len / 2 - 1] <= x ? base + len / 2 : base;
    const size_t cnt = (size_t)(base - P->val) + (base[0] <= x);
    if (cnt == 0)
        return 0;
    if (cnt == P->n)
        return P->n - 1;
    const size_t a = cnt - 1, b = cnt;
    if (P->val[a] == x)
        return a;
    const bool neg = x < 0;
    const int c = (x > P->mid[a]) - (x < P->mid[a]); /* > 0: nearer val[b] */
    const int hc = neg ? -c : c;                     /* > 0: nearer the one away from zero */
    const size_t toward = neg ? b : a, away = neg ? a : b;
    const bool odd = toward & 1;
    bool up;
    switch (mode) {
    case FPQ_RNE: up = hc > 0 || (hc == 0 && odd); break;
    case FPQ_RNA: up = hc >= 0; break;
    case FPQ_RTZ: up = false; break;
    case FPQ_RUP: up = !neg; break;
    case FPQ_RDN: up = neg; break;
    default: up = !odd; break; /* FPQ_RTO */
    }
    return up ? away : toward;
}

/* The reference, one element: stochastic rounding into a table, and tables
 * whose midpoints binary64 cannot hold. */
static uint64_t lut_encode_ref(const klut *P, const fpq_rounding *r, uint64_t pos, double x)
{
    MPFR_DECL_INIT(v, 53);
    mpfr_set_d(v, x, MPFR_RNDN); /* exact, but for a NaN's sign: */
    mpfr_setsign(v, v, signbit(x) != 0, MPFR_RNDN);
    fpq_rounding rr = *r;
    rr.position = pos;
    uint64_t code = 0;
    fpq_encode(&code, NULL, P->f, v, &rr);
    return code;
}

static void lut_encode_block(uint64_t *codes, const double *src, size_t n, const klut *P, const fpq_rounding *r,
                             uint64_t pos)
{
    memset(codes + n, 0, (BLOCK - n) * sizeof *codes);
    if (r->mode == FPQ_RSR || !P->mids_exact) {
        for (size_t i = 0; i < n; i++)
            codes[i] = lut_encode_ref(P, r, pos + i, src[i]);
        return;
    }
    const fpq_rnd mode = r->mode;
#define BODY(MODE)                                                          \
    for (size_t i = 0; i < n; i++)                                          \
        codes[i] = lut_encode(P, MODE, src[i]);
    K32_LOOPS(BODY)
#undef BODY
}

/* ---- packing ---------------------------------------------------------------------- */

/* Container width in bits of one packed pattern (4 for two per byte). */
static unsigned packed_width(const fpq_format *f)
{
    return f->bits <= 4 ? 4 : f->bits <= 8 ? 8 : f->bits <= 16 ? 16 : f->bits <= 32 ? 32 : 64;
}

size_t fpq_packed_size(const fpq_format *f, size_t n)
{
    if (fpq_format_validate(f) != FPQ_OK)
        return 0;
    unsigned w = packed_width(f);
    if (w == 4)
        return n / 2 + (n & 1);
    size_t bytes = w / 8;
    return n > SIZE_MAX / bytes ? SIZE_MAX : n * bytes;
}

/* Store n codes as elements i0.. of dst (i0 even when w = 4). */
#define DEFINE_PACK(NAME, T)                                                            \
    static void NAME(void *dst, size_t i0, const T *c, size_t n, unsigned w)            \
    {                                                                                   \
        switch (w) {                                                                    \
        case 4: {                                                                       \
            uint8_t *d = (uint8_t *)dst + i0 / 2;                                       \
            size_t i = 0;                                                               \
            for (; i + 1 < n; i += 2)                                                   \
                d[i / 2] = (uint8_t)((c[i] & 15) | (c[i + 1] & 15) << 4);               \
            if (i < n)                                                                  \
                d[i / 2] = (uint8_t)(c[i] & 15);                                        \
            break;                                                                      \
        }                                                                               \
        case 8:                                                                         \
            for (size_t i = 0; i < n; i++)                                              \
                ((uint8_t *)dst)[i0 + i] = (uint8_t)c[i];                               \
            break;                                                                      \
        case 16:                                                                        \
            for (size_t i = 0; i < n; i++)                                              \
                ((uint16_t *)dst)[i0 + i] = (uint16_t)c[i];                             \
            break;                                                                      \
        case 32:                                                                        \
            for (size_t i = 0; i < n; i++)                                              \
                ((uint32_t *)dst)[i0 + i] = (uint32_t)c[i];                             \
            break;                                                                      \
        default:                                                                        \
            for (size_t i = 0; i < n; i++)                                              \
                ((uint64_t *)dst)[i0 + i] = (uint64_t)c[i];                             \
        }                                                                               \
    }
DEFINE_PACK(pack32, uint32_t)
DEFINE_PACK(pack64, uint64_t)

/* Load elements i0.. of src, masked to the format's width. */
static void unpack(uint64_t *c, const void *src, size_t i0, size_t n, unsigned w, uint64_t mask)
{
    switch (w) {
    case 4:
        for (size_t i = 0; i < n; i++) {
            size_t k = i0 + i;
            c[i] = (((const uint8_t *)src)[k / 2] >> (k & 1 ? 4 : 0)) & mask;
        }
        break;
    case 8:
        for (size_t i = 0; i < n; i++)
            c[i] = ((const uint8_t *)src)[i0 + i] & mask;
        break;
    case 16:
        for (size_t i = 0; i < n; i++)
            c[i] = ((const uint16_t *)src)[i0 + i] & mask;
        break;
    case 32:
        for (size_t i = 0; i < n; i++)
            c[i] = ((const uint32_t *)src)[i0 + i] & mask;
        break;
    default:
        for (size_t i = 0; i < n; i++)
            c[i] = ((const uint64_t *)src)[i0 + i] & mask;
    }
}

/* ---- setup ------------------------------------------------------------------------- */

/* Largest binade exponent of a float format. */
static int64_t float_emax(const fpq_format *f)
{
    return (int64_t)(fpq_max_finite_mag(f) >> f->mbits) - f->bias;
}

static void k64_init(k64 *p, const fpq_format *f, const fpq_rounding *r)
{
    memset(p, 0, sizeof *p);
    specials s;
    if (f->kind == FPQ_KIND_INT) {
        /* quantum 1 below 2^35; beyond 2^35 clamp (the range ends at 2^32) */
        p->M = 34;
        p->emin = p->emax = 34;
        p->maxmag = UINT64_MAX;
        p->ihi = f->is_signed ? (INT64_C(1) << (f->bits - 1)) - 1 : (INT64_C(1) << f->bits) - 1;
        p->ilo = f->is_signed ? -(INT64_C(1) << (f->bits - 1)) + (r->int_symmetric ? 1 : 0) : 0;
        p->mask = fpq_width_mask(f);
        s.nan[0] = s.nan[1] = s.zero[0] = s.zero[1] = 0;
        s.inf[0] = s.ovf[0] = (uint64_t)p->ihi & p->mask;
        s.inf[1] = s.ovf[1] = (uint64_t)p->ilo & p->mask;
        s.negu = s.tiny = 0;
        p->unsig = !f->is_signed;
    } else {
        p->M = f->mbits;
        p->emin = fpq_emin(f);
        p->emax = float_emax(f);
        p->sub_off = f->subnormals ? 0 : UINT64_C(1) << f->mbits;
        p->maxmag = fpq_max_finite_mag(f);
        p->signbit = fpq_sign_bit(f);
        p->negzero = fpq_has_neg_zero(f);
        p->unsig = !f->is_signed;
        p->nosub = !f->subnormals;
        float_specials(&s, f, r);
    }
    p->nan0 = s.nan[0], p->nan1 = s.nan[1], p->inf0 = s.inf[0], p->inf1 = s.inf[1];
    p->zero0 = s.zero[0], p->zero1 = s.zero[1], p->ovf0 = s.ovf[0], p->ovf1 = s.ovf[1];
    p->negu = s.negu, p->tiny = s.tiny;
}

/* Whether k32 encodes binary32 into f; *round: and rounds to f in binary32. */
static bool k32_fits(const fpq_format *f, bool *round)
{
    *round = f->kind == FPQ_KIND_INT && f->bits <= 24;
    if (*round)
        return true;
    if (f->kind != FPQ_KIND_FLOAT || f->mbits > 23 || f->bits > 32 || fpq_emin(f) < -126)
        return false;
    *round = float_emax(f) <= 127;
    return true;
}

static void kdec_init(kdec *p, const fpq_format *f, bool dbl, const double *lut);

static void k32_init(k32 *p, const fpq_format *f, const fpq_rounding *r)
{
    memset(p, 0, sizeof *p);
    if (f->kind == FPQ_KIND_INT) {
        /* quantum 1 below 2^24 (see the top of the file) */
        p->emin = p->M = 23;
        p->ihi = f->is_signed ? (INT32_C(1) << (f->bits - 1)) - 1 : (INT32_C(1) << f->bits) - 1;
        p->ilo = f->is_signed ? -(INT32_C(1) << (f->bits - 1)) + (r->int_symmetric ? 1 : 0) : 0;
        p->mask = (uint32_t)fpq_width_mask(f);
        p->int_rne_ok = FLT_EVAL_METHOD == 0 && p->ilo >= -(INT32_C(1) << 22) && p->ihi <= INT32_C(1) << 22;
        p->flo = (float)p->ilo, p->fhi = (float)p->ihi; /* exact */
        return;
    }
    specials s;
    float_specials(&s, f, r);
    p->emin = (int32_t)fpq_emin(f);
    p->M = (int32_t)f->mbits;
    p->sub_off = f->subnormals ? 0 : 1u << f->mbits;
    p->maxmag = (uint32_t)fpq_max_finite_mag(f);
    p->signbit = (uint32_t)fpq_sign_bit(f);
    p->negzero = fpq_has_neg_zero(f);
    p->unsig = !f->is_signed;
    p->tiny_lim = f->subnormals ? 0 : p->emin > 127 ? 0x7f800000u : (uint32_t)(p->emin + 127) << 23;
    p->nan0 = (uint32_t)s.nan[0], p->nan1 = (uint32_t)s.nan[1];
    p->inf0 = (uint32_t)s.inf[0], p->inf1 = (uint32_t)s.inf[1];
    p->zero0 = (uint32_t)s.zero[0], p->zero1 = (uint32_t)s.zero[1];
    p->ovf0 = (uint32_t)s.ovf[0], p->ovf1 = (uint32_t)s.ovf[1];
    p->negu = (uint32_t)s.negu, p->tiny = (uint32_t)s.tiny;
    bool round;
    k32_fits(f, &round);
    if (!round)
        return;
    /* binary32 holds every value: normal codes are (code << (23 - M)) plus
     * the exponent offset; subnormal codes m are m * 2^(emin - M) */
    p->dshift = 23 - f->mbits;
    p->K = (uint32_t)(127 - f->bias) << 23;
    p->sub_lim = f->subnormals ? 1u << f->mbits : 0;
    p->scale = f32_from(p->emin - p->M >= -126 ? (uint32_t)(p->emin - p->M + 127) << 23
                                               : 1u << (p->emin - p->M + 149));
    kdec d;
    kdec_init(&d, f, false, NULL);
    p->rnan0 = (uint32_t)dec_float_general(&d, p->nan0), p->rnan1 = (uint32_t)dec_float_general(&d, p->nan1);
    p->rinf0 = (uint32_t)dec_float_general(&d, p->inf0), p->rinf1 = (uint32_t)dec_float_general(&d, p->inf1);
    p->rzero0 = (uint32_t)dec_float_general(&d, p->zero0), p->rzero1 = (uint32_t)dec_float_general(&d, p->zero1);
    p->rovf0 = (uint32_t)dec_float_general(&d, p->ovf0), p->rovf1 = (uint32_t)dec_float_general(&d, p->ovf1);
    p->rnegu = (uint32_t)dec_float_general(&d, p->negu), p->rtiny = (uint32_t)dec_float_general(&d, p->tiny);
    p->max_bits = (p->maxmag << p->dshift) + p->K;
    p->nan_flip = p->rnan0 ^ p->rnan1;
    p->rne_ok = FLT_EVAL_METHOD == 0 && f->is_signed && p->negzero && f->subnormals && f->mbits >= 1 &&
                f->mbits <= 22 && p->emin - p->M + 23 <= 127 && p->rinf0 == p->rovf0 && p->rinf1 == p->rovf1 &&
                p->rovf1 == (p->rovf0 | 0x80000000u) && (p->nan_flip == 0 || p->nan_flip == 0x80000000u);
    if (p->rne_ok) {
        p->sh0 = 23 - f->mbits;
        p->half_m1 = (1u << (p->sh0 - 1)) - 1;
        p->keep = ~((1u << p->sh0) - 1);
        p->norm_bits = (uint32_t)(p->emin + 127) << 23;
        p->magic = f32_from((uint32_t)(p->emin - p->M + 23 + 127) << 23);
        p->code_off = (uint32_t)(127 - f->bias) << f->mbits;
        p->enc_rne_ok = p->inf0 == p->ovf0 && p->inf1 == p->ovf1;
    }
}

static void kdec_init(kdec *p, const fpq_format *f, bool dbl, const double *lut)
{
    memset(p, 0, sizeof *p);
    const fpq_format *to = dbl ? &host_binary64 : &host_binary32;
    p->kind = f->kind;
    p->dbl = dbl;
    p->signbit = fpq_sign_bit(f);
    p->lut = lut;
    if (f->kind != FPQ_KIND_FLOAT)
        return;
    p->magmask = fpq_mag_mask(f);
    p->M = f->mbits;
    p->emin = fpq_emin(f);
    p->bias = f->bias;
    p->sub = f->subnormals;
    switch (f->specials) {
    case FPQ_SPECIALS_IEEE:
        p->nan_thr = p->inf_mag = fpq_exp_all_ones(f);
        break;
    case FPQ_SPECIALS_FN:
        p->nan_thr = fpq_mag_mask(f) - 1;
        p->inf_mag = UINT64_MAX;
        break;
    default:
        p->nan_thr = p->inf_mag = UINT64_MAX;
        p->fnuz = f->specials == FPQ_SPECIALS_FNUZ;
    }
    p->dsign = fpq_sign_bit(to);
    p->dinf = fpq_exp_all_ones(to);
    p->dnan = p->dinf | (UINT64_C(1) << (to->mbits - 1));
    fpq_rounding rne;
    fpq_rounding_default(&rne);
    k64_init(&p->to, to, &rne);
    const int64_t demin = fpq_emin(to), demax = float_emax(to);
    p->exact = f->mbits <= to->mbits && fpq_emin(f) >= demin && float_emax(f) <= demax;
    if (p->exact) {
        const int64_t q = p->emin - (int64_t)f->mbits; /* >= -1074 / -149 */
        p->dshift = to->mbits - f->mbits;
        p->K = (uint64_t)(to->bias - f->bias) << to->mbits;
        p->sub_lim = f->subnormals ? UINT64_C(1) << f->mbits : 0;
        p->scale = q >= -1022 ? f64_from((uint64_t)(q + 1023) << 52) : f64_from(UINT64_C(1) << (q + 1074));
    }
}

/* Fills a table format's entries from the reference decode; the midpoints of
 * neighbours are computed in binary64 and checked exact (two-sum). */
static int klut_init(klut *p, const fpq_format *f)
{
    p->f = f;
    p->n = (size_t)fpq_npatterns(f);
    MPFR_DECL_INIT(v, 64);
    for (size_t k = 0; k < p->n; k++) {
        if (fpq_decode(v, NULL, NULL, f, k) != FPQ_OK)
            return FPQ_ERR_ARG;
        p->val[k] = mpfr_get_d(v, MPFR_RNDN);
    }
    p->mids_exact = true;
    for (size_t k = 0; k + 1 < p->n; k++) {
        const double a = p->val[k], b = p->val[k + 1], s = a + b, bb = s - a;
        const double err = (a - (s - bb)) + (b - bb);
        p->mid[k] = s / 2;
        if (err != 0 || p->mid[k] * 2 != s || !(a < b))
            p->mids_exact = false;
    }
    /* NaN: the code of 0, else of the value nearest zero from above */
    p->nan = 0;
    for (size_t k = 0; k < p->n; k++)
        if (p->val[k] >= 0) {
            p->nan = k;
            break;
        }
    return FPQ_OK;
}

/* ---- entry points --------------------------------------------------------------- */

typedef enum { SRC_F32, SRC_F64 } src_type;

/* Whether [a, a+na) and [b, b+nb) share a byte. */
static bool overlap(const void *a, size_t na, const void *b, size_t nb)
{
    uintptr_t x = (uintptr_t)a, y = (uintptr_t)b;
    return na && nb && x < y + nb && y < x + na;
}

static int check_args(const void *dst, const void *src, size_t n, const fpq_format *f, const fpq_rounding **rnd,
                      fpq_rounding *def)
{
    if (fpq_format_validate(f) != FPQ_OK)
        return FPQ_ERR_ARG;
    if (rnd) {
        if (!*rnd) {
            fpq_rounding_default(def);
            *rnd = def;
        }
        if (fpq_rounding_validate(*rnd) != FPQ_OK)
            return FPQ_ERR_ARG;
    }
    if (n && (!dst || !src))
        return FPQ_ERR_ARG;
    return FPQ_OK;
}

/* Everything one call needs, built once before the loop. */
typedef struct plan {
    const fpq_format *f;
    const fpq_rounding *r;
    unsigned w;
    bool use_k32, k32_round;
    bool norm;
    k32 p32;
    k64 p64;
    kdec dec, dec64; /* into the destination; into binary64 (see dec_block_f32) */
    klut lut;
} plan;

static int plan_init(plan *pl, const fpq_format *f, const fpq_rounding *r, src_type st, bool want_dec, bool dbl)
{
    memset(pl, 0, sizeof *pl);
    pl->f = f;
    pl->r = r;
    pl->w = packed_width(f);
    if (f->kind == FPQ_KIND_LUT) {
        const fp_state fs = fp_enter(); /* klut_init computes midpoints in binary64 */
        const int st = klut_init(&pl->lut, f);
        fp_leave(fs);
        if (st != FPQ_OK)
            return FPQ_ERR_ARG;
    }
    if (r) {
        bool round = false;
        pl->use_k32 = st == SRC_F32 && k32_fits(f, &round);
        pl->k32_round = round;
        if (pl->use_k32)
            k32_init(&pl->p32, f, r);
        if (f->kind != FPQ_KIND_LUT)
            k64_init(&pl->p64, f, r);
        pl->norm = st == SRC_F64 && f->kind == FPQ_KIND_FLOAT && fpq_emin(f) < -1022;
    }
    if (want_dec) {
        kdec_init(&pl->dec, f, dbl, f->kind == FPQ_KIND_LUT ? pl->lut.val : NULL);
        kdec_init(&pl->dec64, f, true, f->kind == FPQ_KIND_LUT ? pl->lut.val : NULL);
    }
    return FPQ_OK;
}

/* The stochastic draws of elements pos .. pos+n-1, zero-padded to a block. */
static const uint64_t *draws(uint64_t *u, const fpq_rounding *r, uint64_t pos, size_t n)
{
    if (r->mode != FPQ_RSR)
        return NULL;
    for (size_t i = 0; i < BLOCK; i++)
        u[i] = i < n ? fpq_sr_bits(r->seed, pos + i) : 0;
    return u;
}

/* Codes of src[i0 .. i0+n) (n <= BLOCK) into c[0 .. BLOCK). */
static void encode_any(uint64_t *c, const plan *pl, const void *src, src_type st, size_t i0, size_t n)
{
    double tmp[BLOCK];
    const double *x = tmp;
    if (st == SRC_F32) {
        const float *s = (const float *)src + i0;
        for (size_t i = 0; i < BLOCK; i++)
            tmp[i] = i < n ? s[i] : 0; /* exact */
    } else if (n == BLOCK) {
        x = (const double *)src + i0;
    } else {
        memcpy(tmp, (const double *)src + i0, n * sizeof *tmp);
        memset(tmp + n, 0, (BLOCK - n) * sizeof *tmp);
    }
    const uint64_t pos = pl->r->position + i0;
    if (pl->f->kind == FPQ_KIND_LUT) {
        lut_encode_block(c, x, n, &pl->lut, pl->r, pos);
    } else {
        uint64_t u[BLOCK];
        k64_encode_block(c, x, draws(u, pl->r, pos, n), &pl->p64, pl->norm, pl->f->kind == FPQ_KIND_INT,
                         pl->r->mode);
    }
}

/* Binary32 elements i0 .. i0+n of src in a whole block: src itself or tmp. */
static const float *block_f32(float *tmp, const float *src, size_t i0, size_t n)
{
    if (n == BLOCK)
        return src + i0;
    memcpy(tmp, src + i0, n * sizeof *tmp);
    memset(tmp + n, 0, (BLOCK - n) * sizeof *tmp);
    return tmp;
}

static size_t nchunks(size_t n) { return n / CHUNK + (n % CHUNK != 0); }

/* One call of the bulk path: its arguments and its plan. */
typedef struct job {
    void *dst;
    const void *src;
    src_type st;
    bool dbl; /* decode and round: binary64 results */
    const fpq_format *f;
    const fpq_rounding *r;
    plan pl;
} job;

typedef void (*block_fn)(const job *j, size_t i0, size_t len);

/* fn on every block of elements 0 .. n-1: OpenMP threads take fixed chunks
 * of whole blocks (so no result depends on the thread count), each in the
 * default floating-point environment (fp_enter).  The calling thread's
 * environment is also put back after the parallel region: LLVM's OpenMP
 * runtime (libomp) clears the caller's exception flags when a region runs
 * serialized (one chunk, or one thread). */
static void for_blocks(const job *j, size_t n, block_fn fn)
{
    const size_t nc = nchunks(n);
    const fp_state caller = fp_enter();
#pragma omp parallel for schedule(static) if (nc > 1)
    for (size_t ch = 0; ch < nc; ch++) {
        const fp_state fs = fp_enter();
        const size_t end = ch * CHUNK + CHUNK < n ? ch * CHUNK + CHUNK : n;
        for (size_t i0 = ch * CHUNK; i0 < end; i0 += BLOCK)
            fn(j, i0, end - i0 < BLOCK ? end - i0 : BLOCK);
        fp_leave(fs);
    }
    fp_leave(caller);
}

static void encode_block(const job *j, size_t i0, size_t len)
{
    const plan *pl = &j->pl;
    if (pl->use_k32) {
        uint32_t c[BLOCK];
        float tmp[BLOCK];
        uint64_t u[BLOCK];
        k32_encode_block(c, block_f32(tmp, j->src, i0, len), draws(u, j->r, j->r->position + i0, len), &pl->p32,
                         j->f->kind == FPQ_KIND_INT, j->r->mode);
        pack32(j->dst, i0, c, len, pl->w);
    } else {
        uint64_t c[BLOCK];
        encode_any(c, pl, j->src, j->st, i0, len);
        pack64(j->dst, i0, c, len, pl->w);
    }
}

static int encode_array(void *dst, const void *src, src_type st, size_t n, const fpq_format *f,
                        const fpq_rounding *rnd)
{
    fpq_rounding def;
    int stt = check_args(dst, src, n, f, &rnd, &def);
    if (stt != FPQ_OK)
        return stt;
    if (n == 0)
        return FPQ_OK;
    if (overlap(dst, fpq_packed_size(f, n), src, n * (st == SRC_F32 ? sizeof(float) : sizeof(double))))
        return FPQ_ERR_ARG;
    job j = {.dst = dst, .src = src, .st = st, .f = f, .r = rnd};
    if ((stt = plan_init(&j.pl, f, rnd, st, false, false)) != FPQ_OK)
        return stt;
    for_blocks(&j, n, encode_block);
    return FPQ_OK;
}

int fpq_encode_f32(void *dst, const float *src, size_t n, const fpq_format *fmt, const fpq_rounding *rnd)
{
    return encode_array(dst, src, SRC_F32, n, fmt, rnd);
}

int fpq_encode_f64(void *dst, const double *src, size_t n, const fpq_format *fmt, const fpq_rounding *rnd)
{
    return encode_array(dst, src, SRC_F64, n, fmt, rnd);
}

/* Store a block's results: the first n of res as elements i0.. of dst. */
static void store(void *dst, bool dbl, size_t i0, const void *res, size_t n)
{
    const size_t esz = dbl ? sizeof(double) : sizeof(float);
    memcpy((char *)dst + i0 * esz, res, n * esz);
}

/* Decode the block's codes c into dst, straight or (a short block, or in
 * place) through res. */
static void decode_codes(const job *j, const uint64_t *c, size_t i0, size_t len, bool direct)
{
    double res[BLOCK]; /* room for BLOCK binary64 or binary32 results */
    if (j->dbl)
        dec_block_f64(direct ? (double *)j->dst + i0 : res, c, &j->pl.dec);
    else
        dec_block_f32(direct ? (float *)j->dst + i0 : (float *)res, c, &j->pl.dec, &j->pl.dec64);
    if (!direct)
        store(j->dst, j->dbl, i0, res, len);
}

static void decode_block(const job *j, size_t i0, size_t len)
{
    uint64_t c[BLOCK];
    unpack(c, j->src, i0, len, j->pl.w, fpq_width_mask(j->f));
    memset(c + len, 0, (BLOCK - len) * sizeof *c);
    decode_codes(j, c, i0, len, len == BLOCK);
}

static int decode_array(void *dst, bool dbl, const void *src, size_t n, const fpq_format *f)
{
    int stt = check_args(dst, src, n, f, NULL, NULL);
    if (stt != FPQ_OK)
        return stt;
    if (n == 0)
        return FPQ_OK;
    if (overlap(dst, n * (dbl ? sizeof(double) : sizeof(float)), src, fpq_packed_size(f, n)))
        return FPQ_ERR_ARG;
    job j = {.dst = dst, .src = src, .dbl = dbl, .f = f};
    if (plan_init(&j.pl, f, NULL, SRC_F32, true, dbl) != FPQ_OK)
        return FPQ_ERR_ARG;
    for_blocks(&j, n, decode_block);
    return FPQ_OK;
}

int fpq_decode_f32(float *dst, const void *src, size_t n, const fpq_format *fmt)
{
    return decode_array(dst, false, src, n, fmt);
}

int fpq_decode_f64(double *dst, const void *src, size_t n, const fpq_format *fmt)
{
    return decode_array(dst, true, src, n, fmt);
}

static void round_block(const job *j, size_t i0, size_t len)
{
    const plan *pl = &j->pl;
    /* in place, or a short block: results go through a buffer (the
     * kernels' pointers are restrict) */
    const bool direct = len == BLOCK && j->dst != j->src;
    if (pl->use_k32 && pl->k32_round) {
        float res[BLOCK], tmp[BLOCK];
        uint64_t u[BLOCK];
        k32_round_block(direct ? (float *)j->dst + i0 : res, block_f32(tmp, j->src, i0, len),
                        draws(u, j->r, j->r->position + i0, len), &pl->p32, j->f->kind == FPQ_KIND_INT,
                        j->r->mode);
        if (!direct)
            store(j->dst, false, i0, res, len);
    } else {
        uint64_t c[BLOCK];
        encode_any(c, pl, j->src, j->st, i0, len);
        decode_codes(j, c, i0, len, direct);
    }
}

static int round_array(void *dst, const void *src, src_type st, size_t n, const fpq_format *f,
                       const fpq_rounding *rnd)
{
    fpq_rounding def;
    int stt = check_args(dst, src, n, f, &rnd, &def);
    if (stt != FPQ_OK)
        return stt;
    if (n == 0)
        return FPQ_OK;
    const bool dbl = st == SRC_F64;
    const size_t esz = dbl ? sizeof(double) : sizeof(float);
    if (dst != src && overlap(dst, n * esz, src, n * esz))
        return FPQ_ERR_ARG;
    job j = {.dst = dst, .src = src, .st = st, .dbl = dbl, .f = f, .r = rnd};
    if (plan_init(&j.pl, f, rnd, st, true, dbl) != FPQ_OK)
        return FPQ_ERR_ARG;
    for_blocks(&j, n, round_block);
    return FPQ_OK;
}

int fpq_round_f32(float *dst, const float *src, size_t n, const fpq_format *fmt, const fpq_rounding *rnd)
{
    return round_array(dst, src, SRC_F32, n, fmt, rnd);
}

int fpq_round_f64(double *dst, const double *src, size_t n, const fpq_format *fmt, const fpq_rounding *rnd)
{
    return round_array(dst, src, SRC_F64, n, fmt, rnd);
}
