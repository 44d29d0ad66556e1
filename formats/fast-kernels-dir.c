/* fast-kernels-dir.c: round-to-format and encode from binary32 in the
 * deterministic modes other than nearest-even (ties away, toward zero, up,
 * down, to odd), in few operations per element, for the formats of the lean
 * kernels of fast-kernels.c (k32 lean_ok: signed, with -0 and subnormals, 1
 * to 22 mantissa bits, held by binary32) with emin = -126 or whose quantum
 * below 2^emin, q = 2^(emin - M), and its inverse are normal binary32
 * numbers and q <= 1.
 *
 * In the format's normal binades (|x| >= 2^emin) the discarded sh0 = 23 - M
 * bits of a = |x|'s bits are rounded in place, as k32_lean_norm does: a mask
 * added and the discarded bits cleared (toward zero: nothing added; ties
 * away: half of 2^sh0; away from zero when the mode and sign say so: 2^sh0 -
 * 1; to odd: the sticky bit ORed into the last kept bit, which is bit sh0 of
 * a + 2^sh0 - 1 when that bit of a is 0), a carry moving into the exponent
 * field by itself.  Below 2^emin the quantum is fixed: s = min(|x|, 2^emin) /
 * q is exact (a product by the power of 2 1/q >= 1: kdir_init takes only
 * formats with q <= 1; s <= 2^M <= 2^22), and the rounded count of quanta k
 * is s's truncation t (a conversion to an integer, which truncates) plus what
 * the mode adds: 1 when s is inexact (s != t) and the mode rounds the
 * magnitude away (up for positive x, down for negative); for ties away the
 * truncation of s + (1/2 - 2^-25), which is floor(s + 1/2) for every binary32
 * 0 <= s < 2^22 (the one sum that rounds across an integer, at s = 1/2 -
 * 2^-25, is kept below 1 by the constant's deficit; the sum at a tie rounds
 * up to the integer); for odd t with its last bit set when s is inexact.
 * Round-to-format takes k q (exact), encode k itself; in the normal binades
 * encode takes the rounded bits shifted down less the exponent fields' bias
 * difference.  When emin = -126 the format's grid below 2^emin is binary32's
 * subnormal grid coarsened by 2^sh0, so the in- place rounding holds there
 * too and no fixed-quantum part is needed.
 *
 * Overflow: the in-place rounded magnitude beyond the largest finite value
 * takes the plan's overflow result of the sign.  Inf and NaN inputs are left
 * out: a block holding any returns false, and the caller runs its general
 * lean kernel on it (k32_round_lean, k32_encode_lean).  Branch-free per
 * element, per mode, so that GCC vectorises the loops. */
#include "fast-impl.h"

/* The constants of a block's loop, from the plan. */
typedef struct kdir {
    uint32_t keep, low, half, ulp, sh0;
    uint32_t norm_bits, max_bits, code_off, signbit;
    uint32_t ovf0, ovfx;   /* round: overflow's binary32 bits, positive; xor with the negative's */
    uint32_t covf0, covfx; /* encode: the same for codes */
    float invq, q;
} kdir;

#define DIR_TIE 0x1.fffffep-2f /* 1/2 - 2^-25 */

/* c ? a : b, c 0 or 1, as b ^ ((a ^ b) & -c): a chain of ternaries
 * becomes one PHI node that GCC's if-conversion gives up on, so that the
 * loop would not be vectorised. */
static inline __attribute__((always_inline)) uint32_t dir_pick(uint32_t c, uint32_t a, uint32_t b)
{
    return b ^ ((a ^ b) & (0u - c));
}

/* Whether the kernels apply to plan P, and their constants. */
static bool kdir_init(kdir *D, const k32 *P)
{
    /* emin = -126: no fixed-quantum part, so q and 1/q are not needed */
    /* s = min(|x|, 2^emin) / q is exact only when q <= 1 (a larger q
     * would push the smallest binary32 subnormals' bits out of s), and q
     * and 1/q must be binary32 normals */
    if (!P->lean_ok || (P->emin > -126 && (P->emin - P->M < -126 || P->emin - P->M > 0)))
        return false;
    D->sh0 = P->sh0;
    D->keep = P->keep;
    D->low = ~P->keep;
    D->ulp = D->low + 1;
    D->half = D->ulp >> 1;
    D->norm_bits = P->norm_bits;
    D->max_bits = P->max_bits;
    D->code_off = P->code_off;
    D->signbit = P->signbit;
    D->ovf0 = P->bits.ovf0, D->ovfx = P->bits.ovf0 ^ P->bits.ovf1;
    D->covf0 = P->code.ovf0, D->covfx = P->code.ovf0 ^ P->code.ovf1;
    D->q = D->invq = 0;
    if (P->emin > -126) {
        D->q = f32_from((uint32_t)(P->emin - P->M + 127) << 23);
        D->invq = f32_from((uint32_t)(P->M - P->emin + 127) << 23);
    }
    return true;
}

/* The rounded bits of a = |x| in the normal binades (m = DIR_NEG(xb)),
 * possibly past the largest finite value. */
#define DIR_NORM(D, mode, a, m)                                                           \
    ((mode) == FPQ_RTZ   ? (a) & (D)->keep                                               \
     : (mode) == FPQ_RNA ? ((a) + (D)->half) & (D)->keep                                 \
     : (mode) == FPQ_RUP || (mode) == FPQ_RDN ? ((a) + DIR_AWAY(mode, (D)->low, m)) & (D)->keep \
                         : ((((a) + (D)->low) & (D)->ulp) | (a)) & (D)->keep)

/* All ones when xb is negative, else 0 (an arithmetic shift). */
#define DIR_NEG(xb) ((uint32_t)((int32_t)(xb) >> 31))

/* v where a directed mode rounds away from zero (up: positive inputs,
 * down: negative ones; m = DIR_NEG(xb)), else 0. */
#define DIR_AWAY(mode, v, m) ((mode) == FPQ_RUP ? (v) & ~(m) : (v) & (m))

/* x < y for x, y < 2^31, as a signed comparison: one instruction where
 * vectors have no unsigned one (AVX2). */
#define DIR_LT(x, y) ((int32_t)(x) < (int32_t)(y))

/* The rounded count of quanta of min(a, 2^emin) (a = |x|'s bits, m as
 * above): below 2^22 + 1. */
static inline __attribute__((always_inline)) uint32_t dir_count(const kdir *D, const int mode, uint32_t a,
                                                                uint32_t m)
{
    const uint32_t ac = a < D->norm_bits ? a : D->norm_bits; /* a minimum, no blend */
    const float s = f32_from(ac) * D->invq;
    if (mode == FPQ_RNA)
        return (uint32_t)(int32_t)(s + DIR_TIE);
    const uint32_t t = (uint32_t)(int32_t)s;
    if (mode == FPQ_RTZ)
        return t;
    const uint32_t inexact = 0u - (uint32_t)((float)(int32_t)t != s); /* a mask */
    if (mode == FPQ_RUP || mode == FPQ_RDN)
        return t - DIR_AWAY(mode, inexact, m);
    return t | (inexact & 1); /* FPQ_RTO */
}

static inline __attribute__((always_inline)) uint32_t dir_round(const kdir *D, const int mode, const int SUB,
                                                                uint32_t xb)
{
    const uint32_t a = xb & 0x7fffffffu, m = DIR_NEG(xb);
    const uint32_t rn = DIR_NORM(D, mode, a, m);
    uint32_t mag = rn;
    if (SUB) {
        const uint32_t sb = f32_bits((float)(int32_t)dir_count(D, mode, a, m) * D->q);
        mag = dir_pick(DIR_LT(a, D->norm_bits), sb, rn);
    }
    return dir_pick(DIR_LT(D->max_bits, rn), D->ovf0 ^ (D->ovfx & m), mag | (xb ^ a));
}

static inline __attribute__((always_inline)) uint32_t dir_encode(const kdir *D, const int mode, const int SUB,
                                                                 uint32_t xb)
{
    const uint32_t a = xb & 0x7fffffffu, m = DIR_NEG(xb);
    const uint32_t rn = DIR_NORM(D, mode, a, m);
    uint32_t mag = (rn >> D->sh0) - D->code_off; /* wraps below 2^emin: not taken there */
    if (SUB)
        mag = dir_pick(DIR_LT(a, D->norm_bits), dir_count(D, mode, a, m), mag);
    return dir_pick(DIR_LT(D->max_bits, rn), D->covf0 ^ (D->covfx & m), mag | (D->signbit & m));
}

/* The loop of a block in one mode: element i's result by ASSIGN(MODE,
 * SUB, xb), with the fixed-quantum part (SUB) when emin > -126; hi: the
 * largest |x| bits of the block (Inf, NaN: at least 0x7f800000). */
#define DIR_LOOP(ASSIGN, MODE)                                              \
    for (size_t i = 0; i < BLOCK; i++) {                                    \
        const uint32_t xb = f32_bits(src[i]), a = xb & 0x7fffffffu;         \
        hi = a > hi ? a : hi;                                               \
        ASSIGN(MODE, xb);                                                   \
    }
#define DIR_SUB(ASSIGN, MODE)                                               \
    if (D.norm_bits > 0x00800000u) {                                        \
        DIR_LOOP(ASSIGN##_SUB, MODE)                                        \
    } else {                                                                \
        DIR_LOOP(ASSIGN, MODE)                                              \
    }                                                                       \
    break

/* A block in the mode, one loop per mode (a constant inside each); true
 * when the block holds no Inf or NaN. */
#define DIR_BLOCK(ASSIGN)                                                   \
    const kdir D = *dp;                                                     \
    uint32_t hi = 0;                                                        \
    switch (mode) {                                                         \
    case FPQ_RNA: DIR_SUB(ASSIGN, FPQ_RNA);                                 \
    case FPQ_RTZ: DIR_SUB(ASSIGN, FPQ_RTZ);                                 \
    case FPQ_RUP: DIR_SUB(ASSIGN, FPQ_RUP);                                 \
    case FPQ_RDN: DIR_SUB(ASSIGN, FPQ_RDN);                                 \
    default: DIR_SUB(ASSIGN, FPQ_RTO);                                      \
    }                                                                       \
    return hi < 0x7f800000u

HOT static bool dir_round_block(float *restrict dst, const float *restrict src, const kdir *dp, fpq_rnd mode)
{
#define ROUND(MODE, xb) dst[i] = f32_from(dir_round(&D, MODE, 0, xb))
#define ROUND_SUB(MODE, xb) dst[i] = f32_from(dir_round(&D, MODE, 1, xb))
    DIR_BLOCK(ROUND);
#undef ROUND
#undef ROUND_SUB
}

HOT static bool dir_encode_block(uint32_t *restrict codes, const float *restrict src, const kdir *dp, fpq_rnd mode)
{
#define ENCODE(MODE, xb) codes[i] = dir_encode(&D, MODE, 0, xb)
#define ENCODE_SUB(MODE, xb) codes[i] = dir_encode(&D, MODE, 1, xb)
    DIR_BLOCK(ENCODE);
#undef ENCODE
#undef ENCODE_SUB
}

bool fpq_fast_k32_dir_round_block(float *restrict dst, const float *restrict src, const k32 *pp, fpq_rnd mode)
{
    kdir D;
    return mode != FPQ_RNE && mode != FPQ_RSR && kdir_init(&D, pp) && dir_round_block(dst, src, &D, mode);
}

bool fpq_fast_k32_dir_encode_block(uint32_t *restrict codes, const float *restrict src, const k32 *pp,
                                   fpq_rnd mode)
{
    kdir D;
    return mode != FPQ_RNE && mode != FPQ_RSR && kdir_init(&D, pp) && dir_encode_block(codes, src, &D, mode);
}
