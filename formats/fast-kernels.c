/* fast-kernels.c: the per-element kernels of the bulk path and the loops
 * over a block that run them (fast-impl.h describes the method).  Branch-
 * free per element and specialised per rounding mode, so that GCC
 * vectorises them. */
#include "fast-impl.h"

#include <math.h>

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

/* ---- k32: binary32 input, 32-bit lanes ------------------------------------ */

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

/* r, the result for a finite nonzero binary32 magnitude a of sign neg
 * (rounded magnitude code mag), or S's result where the input is special:
 * overflow, below a zero-less range, zero, Inf, negative into an unsigned
 * format, NaN. */
INLINE uint32_t k32_special(const k32 *P, const k32_sp *S, uint32_t r, uint32_t a, uint32_t neg, uint32_t mag)
{
    r = pick32(mag > P->maxmag, pick32(neg, S->ovf1, S->ovf0), r);
    r = pick32(a < P->tiny_lim, S->tiny, r);
    r = pick32(a == 0, pick32(neg, S->zero1, S->zero0), r);
    r = pick32(a == 0x7f800000u, pick32(neg, S->inf1, S->inf0), r);
    r = pick32(neg & P->unsig & (a != 0), S->negu, r);
    return pick32(a > 0x7f800000u, pick32(neg, S->nan1, S->nan0), r);
}

INLINE uint32_t k32_encode(const k32 *P, const int mode, uint32_t xb, uint64_t u)
{
    const uint32_t neg = xb >> 31, a = xb & 0x7fffffffu;
    const uint32_t mag = k32_mag(P, mode, a, neg, u);
    const uint32_t r = pick32((mag == 0) & (P->negzero ^ 1), 0, (P->signbit & (0u - neg)) | mag);
    return k32_special(P, &P->code, r, a, neg, mag);
}

INLINE uint32_t k32_round(const k32 *P, const int mode, uint32_t xb, uint64_t u)
{
    const uint32_t neg = xb >> 31, a = xb & 0x7fffffffu;
    const uint32_t mag = k32_mag(P, mode, a, neg, u);
    /* mag < 2^31: normal codes by bit arithmetic, subnormal ones by an exact product */
    const uint32_t nb = (mag << P->dshift) + P->K;
    const uint32_t sb = f32_bits((float)(int32_t)mag * P->scale);
    const uint32_t sgn = (neg & ((mag != 0) | P->negzero)) << 31;
    return k32_special(P, &P->bits, sgn | pick32(mag < P->sub_lim, sb, nb), a, neg, mag);
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
    mag = pick32(mag > P->max_bits, P->bits.ovf0, mag);
    const uint32_t r = mag | (xb & 0x80000000u);
    return pick32(a > 0x7f800000u, P->bits.nan0 ^ (xb & P->nan_flip), r);
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
    const k32_sp *S = &P->code;
    uint32_t r = pick32(mag > P->maxmag, S->ovf0 ^ ((S->ovf0 ^ S->ovf1) & neg), mag | (P->signbit & neg));
    return pick32(a > 0x7f800000u, S->nan0 ^ ((S->nan0 ^ S->nan1) & neg), r);
}

/* ---- the lean forms of the other modes ---------------------------------------
 *
 * The formats of k32_round_rne (without its condition on overflow, which
 * is taken per sign here), in every mode, and integers within [-2^22,
 * 2^22].  In the normal binades the discarded sh0 = 23 - M bits of |x| are
 * rounded in place by adding a mask and clearing them: 0 toward zero,
 * 2^sh0 - 1 away from zero when the sign says so (up, down), 2^(sh0 - 1)
 * (nearest, ties away); to odd ORs the sticky bit (any discarded bit) into
 * the last kept bit.  Stochastic rounding adds 2^sh0 - 1 - t, t the top
 * sh0 bits of the draw u: the sum carries exactly when rem > t, rem the
 * discarded bits, and rem 2^(64 - sh0) > u (the rule, frac 2^64 > u) holds
 * exactly when rem > floor(u / 2^(64 - sh0)) = t, as rem is an integer.
 * Below the normal binades (and for integers, where q = 1) the quantum q
 * is fixed: k32_fixq, and stochastic rounding there takes k32_sr_any. */

/* The code k of f = |x| on the grid of a fixed quantum q (k q rounded by
 * the mode), for 0 <= f < q 2^22, binary32 arithmetic in nearest-even
 * (fp_enter): f + C, C = q 2^23 (magic), lies in [C, 1.5 C) where the
 * spacing is q, so its bits less C's count the steps of the nearest
 * multiple of q; rem = f - that multiple is exact (both are multiples of
 * f's unit in the last place, and |rem| <= q / 2 <= f or the multiple is
 * 0), so the truncation, whether f was inexact and a tie are known
 * exactly.  halfq: q / 2.  Deterministic modes only (stochastic
 * rounding: k32_sr_any). */
INLINE uint32_t k32_fixq(const int mode, float f, uint32_t neg, float magic, float halfq)
{
    const float t = f + magic;
    const uint32_t cs = f32_bits(t) - f32_bits(magic);
    if (mode == FPQ_RNE)
        return cs;
    const float rem = f - (t - magic);
    const uint32_t below = rem < 0.0f, inexact = rem != 0.0f;
    const uint32_t kt = cs - below; /* the truncation */
    if (mode == FPQ_RNA)
        return cs + (rem == halfq);
    if (mode == FPQ_RTZ)
        return kt;
    if (mode == FPQ_RUP)
        return kt + (inexact & (neg ^ 1));
    if (mode == FPQ_RDN)
        return kt + (inexact & neg);
    return kt | inexact; /* FPQ_RTO */
}

/* Stochastic rounding of every finite magnitude in one form, with per-lane
 * shift counts and 32-bit lanes only (the draw split into its words uh,
 * ul).  For a = |x|'s binary32 bits with field E, the quantum at |x| is
 * 2^sh units of a's last place: sh = sh0 above 2^emin, sh0 + (emin - e)
 * below it (e = max(E, 1) - 127: binary32 subnormals are the binade -126
 * without leading bit), and e127 = emin + 127.  When sh <= 23 (the quantum
 * at most |x|'s leading bit) the low sh bits of a are the discarded ones
 * and clearing them is the truncation, as in k32_lean_norm; when sh >= 24
 * |x| is below one quantum: the truncation is 0 and the whole significand
 * is discarded.  Either way frac 2^64 = R 2^(64 - sh) with R the discarded
 * bits (R < 2^24), and sr_gt decides it against u exactly.  The result is
 * binary32 bits: the truncation plus one quantum when rounding away (qb,
 * q's bits, when the truncation is 0). */
INLINE uint32_t sr_gt(uint32_t R, uint32_t sh, uint32_t uh, uint32_t ul)
{
    /* sh <= 32: R 2^(64 - sh) > u exactly when R > floor(u / 2^(64 - sh)),
     * which is uh >> (32 - sh), as R is an integer.  sh = 0 discards nothing
     * (R = 0, never above): the shift is held at 31, as a shift by 32 is
     * undefined in C */
    const uint32_t c1 = sh == 0 ? 31 : sh < 32 ? 32 - sh : 0;
    const uint32_t up1 = R > (uh >> c1);
    /* 32 < sh <= 64: floor(u / 2^c), c = 64 - sh < 32, as two words: the
     * high one must be 0 (R < 2^24), the low one below R */
    const uint32_t c = sh < 64 ? 64 - sh : 0, cc = c < 32 ? c : 31;
    const uint32_t lo = (uh << (32 - cc < 31 ? 32 - cc : 31)) | (ul >> cc);
    const uint32_t up2 = ((uh >> cc) == 0) & (R > lo);
    /* sh > 64: R 2^-k > u, k = sh - 64, exactly when uh is 0 and R > ul
     * 2^k; only ul < 2^(24 - k) can be below R, and then ul 2^k < 2^24 */
    const uint32_t k = sh > 64 ? (sh - 64 < 24 ? sh - 64 : 24) : 0;
    const uint32_t up3 = (uh == 0) & ((ul >> (24 - k)) == 0) & (R > (ul << k));
    return pick32(sh <= 32, up1, pick32(sh <= 64, up2, up3));
}

INLINE uint32_t k32_sr_any(uint32_t a, uint32_t sh0, int32_t e127, uint32_t qb, uint64_t u)
{
    const uint32_t E = a >> 23;
    const int32_t d = e127 - (int32_t)(E ? E : 1);
    const uint32_t sh = sh0 + (uint32_t)(d > 0 ? d : 0);
    const uint32_t big = sh >= 24;
    const uint32_t low = (1u << (sh < 31 ? sh : 31)) - 1;
    const uint32_t sig = pick32(E != 0, (a & 0x7fffffu) | 0x800000u, a);
    const uint32_t R = pick32(big, sig, a & low);
    const uint32_t up = sr_gt(R, sh, (uint32_t)(u >> 32), (uint32_t)u);
    const uint32_t t = (a & ~low) + (up << (sh < 31 ? sh : 31));
    return pick32(big, qb & (0u - up), t);
}

/* The rounded binary32 bits of a = |x| >= 2^emin (normal binades of the
 * format) by the mode, possibly past the largest finite value. */
INLINE uint32_t k32_lean_norm(const k32 *P, const int mode, uint32_t a, uint32_t neg, uint64_t u)
{
    const uint32_t low = ~P->keep;
    uint32_t add;
    if (mode == FPQ_RTO)
        return (a & P->keep) | ((uint32_t)((a & low) != 0) << P->sh0);
    if (mode == FPQ_RNE)
        add = P->half_m1 + ((a >> P->sh0) & 1);
    else if (mode == FPQ_RNA)
        add = P->half_m1 + 1;
    else if (mode == FPQ_RTZ)
        add = 0;
    else if (mode == FPQ_RUP)
        add = low & (neg - 1);
    else if (mode == FPQ_RDN)
        add = low & (0u - neg);
    else
        add = low - ((uint32_t)(u >> 32) >> (32 - P->sh0));
    return (a + add) & P->keep;
}

/* k32_round for the lean formats in any mode; NORM: every input of the
 * block is at least 2^emin in magnitude (or Inf, NaN), so the fixed-quantum
 * part is skipped. */
INLINE uint32_t k32_round_lean(const k32 *P, const int mode, const int NORM, uint32_t xb, uint64_t u)
{
    const uint32_t a = xb & 0x7fffffffu, neg = xb >> 31;
    const uint32_t rn = k32_lean_norm(P, mode, a, neg, u);
    uint32_t mag = rn;
    if (mode == FPQ_RSR && !NORM) {
        mag = k32_sr_any(a, P->sh0, P->emin + 127, P->qbits, u);
    } else if (!NORM) {
        /* k quanta: C + k q exactly (C's last place is q, k <= 2^22), less C;
         * no multiplication by q, which may be a binary32 subnormal (bf16),
         * an operand that costs a microcode assist per vector on x86 */
        const uint32_t k = k32_fixq(mode, f32_from(a), neg, P->magic, P->halfq);
        mag = pick32(a < P->norm_bits, f32_bits(f32_from(f32_bits(P->magic) + k) - P->magic), rn);
    }
    uint32_t r = pick32(mag > P->max_bits, pick32(neg, P->bits.ovf1, P->bits.ovf0), mag | (xb & 0x80000000u));
    r = pick32(a == 0x7f800000u, pick32(neg, P->bits.inf1, P->bits.inf0), r);
    return pick32(a > 0x7f800000u, pick32(neg, P->bits.nan1, P->bits.nan0), r);
}

/* k32_encode for the lean formats in any mode (NORM as in k32_round_lean). */
INLINE uint32_t k32_encode_lean(const k32 *P, const int mode, const int NORM, uint32_t xb, uint64_t u)
{
    const uint32_t a = xb & 0x7fffffffu, neg = xb >> 31;
    uint32_t mag = (k32_lean_norm(P, mode, a, neg, u) >> P->sh0) - P->code_off;
    if (mode == FPQ_RSR && !NORM) {
        /* the rounded value's code: below 2^emin its count of quanta (the
         * bits of |y| + C less C's, exact as |y| lies on the grid of q) */
        const uint32_t y = k32_sr_any(a, P->sh0, P->emin + 127, P->qbits, u);
        const uint32_t cs = f32_bits(f32_from(y) + P->magic) - f32_bits(P->magic);
        mag = pick32(y < P->norm_bits, cs, (y >> P->sh0) - P->code_off);
    } else if (!NORM)
        mag = pick32(a < P->norm_bits, k32_fixq(mode, f32_from(a), neg, P->magic, P->halfq),
                     mag);
    const k32_sp *S = &P->code;
    uint32_t r = pick32(mag > P->maxmag, pick32(neg, S->ovf1, S->ovf0), mag | (P->signbit & (0u - neg)));
    r = pick32(a == 0x7f800000u, pick32(neg, S->inf1, S->inf0), r);
    return pick32(a > 0x7f800000u, pick32(neg, S->nan1, S->nan0), r);
}

/* k32_int for ranges within [-2^22, 2^22] in any mode: clamped first (every
 * mode is monotone and keeps the integer ends), then k32_fixq with q = 1
 * on the magnitude; NaN gives 0, -0 and values rounded to 0 give +0. */
INLINE int32_t k32_int_lean(const k32 *P, const int mode, float x, uint64_t u)
{
    float v = x < P->flo ? P->flo : x;
    v = v > P->fhi ? P->fhi : v;
    const uint32_t vb = f32_bits(v), neg = vb >> 31;
    /* stochastic: k32_sr_any with q = 1 (sh = 150 - max(E, 1): sh0 = 0,
     * e127 = 150); the rounded magnitude is an integer below 2^23 */
    const uint32_t k = mode == FPQ_RSR ? (uint32_t)(int32_t)f32_from(k32_sr_any(vb & 0x7fffffffu, 0, 150, 0x3f800000u, u))
                                       : k32_fixq(mode, f32_from(vb & 0x7fffffffu), neg, 0x1p23f, 0.5f);
    const uint32_t r = (k ^ (0u - neg)) + neg; /* neg ? -k : k */
    return (int32_t)pick32(x != x, 0, r);
}

/* ---- +, - and * of two codes of a lean format into the same format -------
 *
 * The exact result rounded to odd in binary32 (y), then rounded into the
 * format by k32_encode_lean.  Boldo and Melquiond ("Emulation of FMA and
 * correctly rounded sums: proved algorithms using rounding to odd", IEEE
 * Trans. Computers 57(4), 2008, Theorem 1): rounding to odd at a precision
 * of at least p + 2 bits followed by rounding to nearest or a directed
 * rounding to p bits is the correct rounding of the exact value.  Here
 * binary32's grid is at least 2 bits finer than the format's everywhere
 * (M <= 22, emin - M >= -147), subnormals included, so this holds; and y
 * lies strictly between the same two neighbours on binary32's grid as the
 * exact result (or equals it), so every comparison with a binary32 number
 * -- the format's values, their midpoints, the overflow and tininess
 * thresholds below -- says the same of y as of the exact result.
 *   Sum: s = RN(a + b) and its error by TwoSum (Knuth), exact in binary32
 * with subnormals (no underflow loses bits of a sum); y is s, or when the
 * error is nonzero and s even, s's neighbour on the error's side.  An exact
 * zero sum is +0 unless both terms are -0, or under rdn of opposite signs.
 *   Product: a b in binary64 is exact (at most 2 (M + 1) <= 46 bits, no
 * underflow); y = RN32(a b) stepped as above by the sign of a b - RN32(a
 * b), computed in binary64 (its sign is exact: no underflow to 0).
 *   Overflow of binary32 itself (s or RN32(a b) infinite) happens only for
 * an exact result of at least 2^128 (a sum of two multiples of 2^120, a
 * product of at most 46 bits); y is then +-FLT_MAX, which every mode rounds
 * as it rounds the exact result, and the overflow flag is set.
 *   Flags: inexact, when y is not a value of the format (discarded bits
 * nonzero) or on overflow; overflow, when |y| reaches the threshold of the
 * mode and sign (ovf_t: the midpoint past the largest value for the
 * nearest modes, else the largest value's successor on the format's grid
 * toward zero-ward modes, binary32's successor of it away from zero);
 * underflow, products only, when inexact and |y| lies below the tininess
 * threshold (tiny_t: the result rounded to M + 1 bits with unbounded
 * exponent is below 2^emin).  Sums never underflow: two multiples of
 * 2^(emin - M) add to one, exact when below 2^emin.  An infinite operand
 * gives the infinity of the exact result, without a flag (inexact when the
 * overflow policy saturates it to the largest value); NaN operands and
 * the invalid Inf - Inf and 0 Inf are marked in bad and left to the
 * caller. */

/* A code's binary32 value (finite codes; P->lean_ok formats hold them all). */
INLINE float k32_code_value(const k32 *P, uint32_t c)
{
    const uint32_t mag = c & (P->signbit - 1);
    const uint32_t nb = (mag << P->dshift) + P->K;
    const uint32_t sb = f32_bits((float)(int32_t)mag * P->scale);
    return f32_from(pick32(mag < P->sub_lim, sb, nb) | ((0u - (uint32_t)((c & P->signbit) != 0)) & 0x80000000u));
}

/* y's bits stepped to odd toward the error's side (err nonzero, yb even). */
INLINE uint32_t k32_odd_step(uint32_t yb, uint32_t nonzero, uint32_t err_pos)
{
    const uint32_t step = nonzero & ~yb & 1, away = err_pos ^ (yb >> 31); /* the error has y's sign */
    return yb + (step & away) - (step & (away ^ 1));
}

INLINE uint32_t k32_arith(const k32 *P, const int mode, const int op, const int RNE_LEAN, uint32_t ca, uint32_t cb,
                          uint8_t *fl, uint8_t *bad)
{
    const float a = k32_code_value(P, ca), b0 = k32_code_value(P, cb);
    uint32_t yb, o32;
    if (op == FPQ_OP_MUL) {
        const double p = (double)a * (double)b0;
        const float f = (float)p;
        const double e = p - (double)f;
        yb = k32_odd_step(f32_bits(f), e != 0, e > 0);
        o32 = (f32_bits(f) & 0x7fffffffu) == 0x7f800000u;
    } else {
        const float b = op == FPQ_OP_SUB ? -b0 : b0;
        const float s = a + b, t = s - a;
        const float err = (a - (s - t)) + (b - t);
        const uint32_t sa = f32_bits(a), sb = f32_bits(b);
        const uint32_t zneg = ((sa & sb) | ((sa ^ sb) & (0u - (uint32_t)(mode == FPQ_RDN)))) & 0x80000000u;
        o32 = (f32_bits(s) & 0x7fffffffu) == 0x7f800000u;
        yb = pick32(s == 0.0f, zneg, k32_odd_step(f32_bits(s), err != 0.0f, err > 0.0f));
    }
    const uint32_t neg = yb >> 31;
    yb = pick32(o32, (neg << 31) | 0x7f7fffffu, yb);
    const uint32_t ay = yb & 0x7fffffffu;
    const uint32_t in_n = (ay & ~P->keep) != 0;
    const uint32_t in_s = (f32_from(ay) + P->magic) - P->magic != f32_from(ay);
    const uint32_t ovf = o32 | (ay >= pick32(neg, P->ovf_t1, P->ovf_t0));
    const uint32_t inexact = pick32(ay < P->norm_bits, in_s, in_n) | ovf;
    const uint32_t tiny = (uint32_t)(op == FPQ_OP_MUL) & (ay < pick32(neg, P->tiny_t1, P->tiny_t0));
    const uint32_t fin = (uint32_t)(inexact * FPQ_FLAG_INEXACT | (inexact & tiny) * FPQ_FLAG_UNDERFLOW |
                                    ovf * FPQ_FLAG_OVERFLOW);
    /* infinite operands (IEEE specials: the Inf magnitude is the largest
     * finite one plus 1): an exact infinity, no flag; Inf - Inf, 0 Inf and
     * NaN operands are left to the caller */
    const uint32_t infm = P->maxmag + 1, ma = ca & (P->signbit - 1), mb = cb & (P->signbit - 1);
    const uint32_t ia = ma == infm, ib = mb == infm;
    const uint32_t sa = (ca & P->signbit) != 0, sb = ((cb & P->signbit) != 0) ^ (uint32_t)(op == FPQ_OP_SUB);
    const uint32_t inv = op == FPQ_OP_MUL ? (ia & (mb == 0)) | (ib & (ma == 0)) : ia & ib & (sa ^ sb);
    const uint32_t isign = op == FPQ_OP_MUL ? sa ^ sb : pick32(ia, sa, sb), inf = ia | ib;
    const uint32_t icode = pick32(isign, P->code.inf1, P->code.inf0); /* saturated: inexact */
    *fl = (uint8_t)pick32(inf, ((icode & (P->signbit - 1)) != infm) * FPQ_FLAG_INEXACT, fin);
    *bad = (uint8_t)((ma > infm) | (mb > infm) | inv);
    const uint32_t r = RNE_LEAN ? k32_encode_rne(P, yb) : k32_encode_lean(P, mode, 0, yb, 0);
    return pick32(inf, icode, r);
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
    return f32_from(f32_bits(r) & (0u - (uint32_t)(x == x))); /* a mask, not a branch: vectorised */
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

/* Whether every element of a block has |x| >= 2^emin (binary32 bits of
 * 2^emin: norm_bits); Inf and NaN count as such. */
INLINE bool all_normal(const float *restrict src, uint32_t norm_bits)
{
    uint32_t lo = UINT32_MAX;
    for (size_t i = 0; i < BLOCK; i++) {
        const uint32_t a = f32_bits(src[i]) & 0x7fffffffu;
        lo = a < lo ? a : lo;
    }
    return lo >= norm_bits;
}

/* The loops of a k32 kernel, one per case: integers in nearest-even by
 * k32_int_rne where it applies (INT_RNE), in the other modes by
 * k32_int_lean there (INT_LEAN), other integers by k32_int (INT); floats
 * in nearest-even by a lean kernel where LEAN_OK (LEAN), in the other
 * modes by the lean kernel of every mode where P.lean_ok (LEAN_ANY; for
 * stochastic rounding of a block whose inputs all lie in the format's
 * normal binades or beyond, its form without the fixed-quantum part,
 * LEAN_NORM), else by the general one (ANY); each an assignment of
 * element i. */
#define K32_BODY(MODE, LEAN_OK, INT_RNE, INT_LEAN, INT, LEAN, LEAN_NORM, LEAN_ANY, ANY) \
    if (is_int && (MODE) == FPQ_RNE && P.int_rne_ok)                            \
        for (size_t i = 0; i < BLOCK; i++)                                      \
            INT_RNE;                                                            \
    else if (is_int && P.int_rne_ok)                                            \
        for (size_t i = 0; i < BLOCK; i++)                                      \
            INT_LEAN;                                                           \
    else if (is_int)                                                            \
        for (size_t i = 0; i < BLOCK; i++)                                      \
            INT;                                                                \
    else if ((MODE) == FPQ_RNE && (LEAN_OK))                                    \
        for (size_t i = 0; i < BLOCK; i++)                                      \
            LEAN;                                                               \
    else if ((MODE) == FPQ_RSR && P.lean_ok && all_normal(src, P.norm_bits))    \
        for (size_t i = 0; i < BLOCK; i++)                                      \
            LEAN_NORM;                                                          \
    else if ((MODE) != FPQ_RNE && P.lean_ok)                                    \
        for (size_t i = 0; i < BLOCK; i++)                                      \
            LEAN_ANY;                                                           \
    else                                                                        \
        for (size_t i = 0; i < BLOCK; i++)                                      \
            ANY;

HOT static void k32_encode_block(uint32_t *restrict codes, const float *restrict src, const uint64_t *restrict u,
                                 const k32 *pp, int is_int, fpq_rnd mode)
{
    const k32 P = *pp;
#define BODY(MODE)                                                                                 \
    K32_BODY(MODE, P.rne_ok && P.enc_rne_ok, codes[i] = (uint32_t)(int32_t)k32_int_rne(&P, src[i]) & P.mask, \
             codes[i] = (uint32_t)k32_int_lean(&P, MODE, src[i], DRAW(MODE, i)) & P.mask,           \
             codes[i] = (uint32_t)k32_int(&P, MODE, f32_bits(src[i]), DRAW(MODE, i)) & P.mask,      \
             codes[i] = k32_encode_rne(&P, f32_bits(src[i])),                                       \
             codes[i] = k32_encode_lean(&P, MODE, 1, f32_bits(src[i]), DRAW(MODE, i)),              \
             codes[i] = k32_encode_lean(&P, MODE, 0, f32_bits(src[i]), DRAW(MODE, i)),              \
             codes[i] = k32_encode(&P, MODE, f32_bits(src[i]), DRAW(MODE, i)))
    K32_LOOPS(BODY)
#undef BODY
}

HOT static void k32_round_block(float *restrict dst, const float *restrict src, const uint64_t *restrict u,
                                const k32 *pp, int is_int, fpq_rnd mode)
{
    const k32 P = *pp;
#define BODY(MODE)                                                                                 \
    K32_BODY(MODE, P.rne_ok, dst[i] = k32_int_rne(&P, src[i]),                                     \
             dst[i] = (float)k32_int_lean(&P, MODE, src[i], DRAW(MODE, i)),                         \
             dst[i] = (float)k32_int(&P, MODE, f32_bits(src[i]), DRAW(MODE, i)),                    \
             dst[i] = f32_from(k32_round_rne(&P, f32_bits(src[i]))),                                \
             dst[i] = f32_from(k32_round_lean(&P, MODE, 1, f32_bits(src[i]), DRAW(MODE, i))),       \
             dst[i] = f32_from(k32_round_lean(&P, MODE, 0, f32_bits(src[i]), DRAW(MODE, i))),       \
             dst[i] = f32_from(k32_round(&P, MODE, f32_bits(src[i]), DRAW(MODE, i))))
    K32_LOOPS(BODY)
#undef BODY
}

/* k32_arith over a block (P->lean_ok and P->arith_ok; op +, - or *, a
 * deterministic mode); in nearest-even by k32_encode_rne where it applies. */
HOT static void k32_arith_block(uint32_t *restrict codes, uint8_t *restrict fl, uint8_t *restrict bad,
                                const uint32_t *restrict ca, const uint32_t *restrict cb, const k32 *pp, fpq_op op,
                                fpq_rnd mode)
{
    const k32 P = *pp;
#define BODY_OP(MODE, OP)                                                                      \
    if ((MODE) == FPQ_RNE && P.rne_ok && P.enc_rne_ok)                                         \
        for (size_t i = 0; i < BLOCK; i++)                                                     \
            codes[i] = k32_arith(&P, MODE, OP, 1, ca[i], cb[i], &fl[i], &bad[i]);              \
    else                                                                                       \
        for (size_t i = 0; i < BLOCK; i++)                                                     \
            codes[i] = k32_arith(&P, MODE, OP, 0, ca[i], cb[i], &fl[i], &bad[i]);
#define BODY(MODE)                                                                             \
    if (op == FPQ_OP_MUL)                                                                      \
        BODY_OP(MODE, FPQ_OP_MUL)                                                              \
    else if (op == FPQ_OP_SUB)                                                                 \
        BODY_OP(MODE, FPQ_OP_SUB)                                                              \
    else                                                                                       \
        BODY_OP(MODE, FPQ_OP_ADD)
    K32_LOOPS(BODY)
#undef BODY
#undef BODY_OP
}

/* The stochastic draws fpq_sr_bits(seed, pos + i) of a block, key =
 * fpq_sr_key(seed): the same mixer inline, so that it vectorises; elements
 * n .. BLOCK - 1 are 0. */
HOT_MUL64 static void sr_draws(uint64_t *restrict u, uint64_t key, uint64_t pos, size_t n)
{
    const uint64_t base = key + (pos + 1) * FPQ_SR_GOLDEN;
    for (size_t i = 0; i < BLOCK; i++)
        u[i] = fpq_sr_mix64(base + (uint64_t)i * FPQ_SR_GOLDEN);
    for (size_t i = n; i < BLOCK; i++)
        u[i] = 0;
}

/* ---- k64: binary64 input (and everything k32 does not cover) ---------------- */

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

/* The code of x in a table by the mode (not FPQ_RSR), from the exact
 * midpoints of neighbours. */
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

/* ---- entry points for the other files of the bulk path (fast-impl.h) -------- */

/* Plain functions: the kernels above stay static, so that their clones'
 * resolvers are no symbols of the library. */

uint64_t fpq_fast_dec_float_general(const kdec *P, uint64_t c) { return dec_float_general(P, c); }

void fpq_fast_k32_encode_block(uint32_t *restrict codes, const float *restrict src, const uint64_t *restrict u,
                               const k32 *pp, int is_int, fpq_rnd mode)
{
    if (!is_int && fpq_fast_k32_dir_encode_block(codes, src, pp, mode))
        return;
    k32_encode_block(codes, src, u, pp, is_int, mode);
}

void fpq_fast_k32_round_block(float *restrict dst, const float *restrict src, const uint64_t *restrict u,
                              const k32 *pp, int is_int, fpq_rnd mode)
{
    if (!is_int && fpq_fast_k32_dir_round_block(dst, src, pp, mode))
        return;
    k32_round_block(dst, src, u, pp, is_int, mode);
}

void fpq_fast_k64_encode_block(uint64_t *restrict codes, const double *restrict src, const uint64_t *restrict u,
                               const k64 *pp, int norm, int is_int, fpq_rnd mode)
{
    k64_encode_block(codes, src, u, pp, norm, is_int, mode);
}

void fpq_fast_dec_block_f32(float *restrict dst, const uint64_t *restrict codes, const kdec *pp, const kdec *pd)
{
    dec_block_f32(dst, codes, pp, pd);
}

void fpq_fast_dec_block_f64(double *restrict dst, const uint64_t *restrict codes, const kdec *pp)
{
    dec_block_f64(dst, codes, pp);
}

void fpq_fast_lut_encode_block(uint64_t *codes, const double *src, size_t n, const klut *P, const fpq_rounding *r,
                               uint64_t pos)
{
    lut_encode_block(codes, src, n, P, r, pos);
}

void fpq_fast_sr_draws(uint64_t *u, uint64_t key, uint64_t pos, size_t n) { sr_draws(u, key, pos, n); }

void fpq_fast_k32_arith_block(uint32_t *restrict codes, uint8_t *restrict fl, uint8_t *restrict bad,
                              const uint32_t *restrict ca, const uint32_t *restrict cb, const k32 *pp, fpq_op op,
                              fpq_rnd mode)
{
    k32_arith_block(codes, fl, bad, ca, cb, pp, op, mode);
}
