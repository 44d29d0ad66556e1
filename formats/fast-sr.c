/* fast-sr.c: stochastic rounding from binary32 in the bulk path, with the
 * draws computed inside the rounding loop (fast-impl.h describes the
 * method; fast-kernels.c has the kernels that take an array of draws).
 *
 * The rule is that of every stochastic rounding here: element i rounds
 * away from zero when frac 2^64 > u, frac the exact discarded fraction of
 * |x| in units of the quantum q at |x|, u = fpq_sr_bits(seed, position + i).
 * For a binary32 input the discarded bits R are at most 24 (frac = R 2^-sh,
 * sh the number of discarded bits counted from |x|'s last place), and the
 * comparison is decided by the draw's top word uh alone except in one case
 * of probability about 2^-32 per element:
 *
 * - sh <= 32: R 2^(64 - sh) > u exactly when R > floor(u / 2^(64 - sh)),
 *   which is uh >> (32 - sh) (R is an integer);
 * - sh > 32: with c = sh - 32 and t = floor(R / 2^c) (t = 0 for c >= 24),
 *   R 2^-c > uh + ul 2^-32 holds when t > uh and fails when t < uh, or
 *   t = uh and R = t 2^c; it depends on ul only when t = uh and R has bits
 *   below 2^c.
 *
 * So the loops compute only uh (splitmix64's finaliser has two 64-bit
 * multiplies; of the second only the top word is needed: three 32-bit
 * multiplies) and mark a block where some element is in that last case;
 * such a block is done again by the kernels of fast-kernels.c with the
 * whole draws (fpq_fast_sr_draws).  Results are bit-identical to those
 * kernels and to fpq_encode. */
#include "fast-impl.h"

INLINE uint32_t sel32(uint32_t c, uint32_t a, uint32_t b)
{
    const uint32_t m = 0u - c;
    return (a & m) | (b & ~m);
}

/* The top 32 bits of fpq_sr_mix64(z): of w = y * MUL2 only the top word
 * counts (w ^ (w >> 31) has top word wh ^ (wh >> 31)), the high half of
 * the low words' product plus the two cross products, modulo 2^32. */
INLINE uint32_t sr_mix64_hi(uint64_t z)
{
    z = (z ^ (z >> 30)) * FPQ_SR_MUL1;
    z ^= z >> 27;
    const uint32_t wh = (uint32_t)((z * FPQ_SR_MUL2) >> 32);
    return wh ^ (wh >> 31);
}

/* The top word of the draw of the loop's element: z = key + (pos + 1 +
 * i) * golden (fpq_sr_key), stepped by golden with i (an induction
 * variable, not a multiply per element). */
#define UH(i) sr_mix64_hi(z)

/* Stochastic rounding of 0 <= f < q 2^22 to the grid of a fixed quantum q
 * (magic = q 2^23; S1 S2 = 2^31 / q, two binary32 powers of 2, as 2^31 /
 * q may exceed binary32's range): the count k of quanta.  As in
 * fast-kernels.c's k32_fixq, t = f + magic (nearest-even, fp_enter) is
 * the nearest multiple of q plus magic and rem = f - (t - magic) is exact,
 * so the truncation is kt = (t's bits less magic's) - 1 when rem < 0; the
 * discarded fraction is frac = rem / q (+ 1 when rem < 0), and G = frac
 * 2^31 = rem S1 S2 (+ 2^31) is exact in binary32 (rem is a multiple of f's
 * last place, which is at least q 2^-24 when rem < 0, as then f > q / 2),
 * 0 <= G < 2^31.  With g = floor(G) and h = floor(uh / 2): frac 2^64 > u
 * (frac 2^32 = 2 G against uh + ul 2^-32) holds when g > h and fails when
 * g < h; g = h is left to the whole draw (*amb).  Other f (the normal
 * binades, Inf, NaN, where the caller takes another result) give some k,
 * G held at 0 where it is not below 2^31 (no conversion out of range),
 * and at worst a needless *amb. */
INLINE uint32_t sr_fixq_hi(float f, float magic, float S1, float S2, uint32_t uh, uint32_t *amb)
{
    const float t = f + magic;
    const float rem = f - (t - magic);
    const uint32_t below = rem < 0.0f;
    float G = rem * S1 * S2 + f32_from(sel32(below, 0x4f000000u, 0)); /* + 2^31 */
    G = G < 0x1p31f ? G : 0.0f;
    const uint32_t g = (uint32_t)(int32_t)G, h = uh >> 1;
    *amb |= g == h;
    return f32_bits(t) - f32_bits(magic) - below + (g > h);
}

/* Stochastic rounding of a = |x| >= 2^emin (the format's normal binades):
 * sh = sh0 <= 23, and R > uh >> (32 - sh0) exactly when R + 2^sh0 - 1 -
 * (uh >> (32 - sh0)) carries into the kept bits. */
INLINE uint32_t sr_norm_hi(const k32 *P, uint32_t a, uint32_t uh)
{
    return (a + ~P->keep - (uh >> (32 - P->sh0))) & P->keep;
}

/* A special input's result by sign: s0 for a positive input, s0 ^ d (d =
 * s0 ^ s1, s1 the negative one's) for a negative one; sm: all ones when
 * negative. */
#define BY_SIGN(s0, d, sm) ((s0) ^ ((d) & (sm)))

/* Binary32 bits of the result from the rounded magnitude's bits mag (all
 * of them: normal binades and below) for the input bits xb.  IN: the
 * input is finite and at most the largest finite value in magnitude, so
 * that mag is at most that too (it lies on the grid): no special case. */
INLINE uint32_t sr_round_out(const k32 *P, const int IN, uint32_t xb, uint32_t mag)
{
    if (IN)
        return mag | (xb & 0x80000000u);
    const uint32_t a = xb & 0x7fffffffu, sm = (uint32_t)((int32_t)xb >> 31);
    const k32_sp *S = &P->bits;
    uint32_t r = mag > P->max_bits ? BY_SIGN(S->ovf0, S->ovf0 ^ S->ovf1, sm) : mag | (xb & 0x80000000u);
    r = a == 0x7f800000u ? BY_SIGN(S->inf0, S->inf0 ^ S->inf1, sm) : r;
    return a > 0x7f800000u ? BY_SIGN(S->nan0, S->nan0 ^ S->nan1, sm) : r;
}

/* The code of the input bits xb from its rounded magnitude's code mag (IN
 * as in sr_round_out). */
INLINE uint32_t sr_encode_out(const k32 *P, const int IN, uint32_t xb, uint32_t mag)
{
    const uint32_t a = xb & 0x7fffffffu, sm = (uint32_t)((int32_t)xb >> 31);
    if (IN)
        return mag | (P->signbit & sm);
    const k32_sp *S = &P->code;
    uint32_t r = sel32(mag > P->maxmag, BY_SIGN(S->ovf0, S->ovf0 ^ S->ovf1, sm), mag | (P->signbit & sm));
    r = sel32(a == 0x7f800000u, BY_SIGN(S->inf0, S->inf0 ^ S->inf1, sm), r);
    return sel32(a > 0x7f800000u, BY_SIGN(S->nan0, S->nan0 ^ S->nan1, sm), r);
}
#undef BY_SIGN

/* Integers within [-2^22, 2^22] (int_rne_ok): clamped first, then the
 * magnitude to the grid of q = 1; NaN gives 0, -0 and values rounded to 0
 * give +0. */
INLINE int32_t sr_int_hi(const k32 *P, float x, uint32_t uh, uint32_t *amb)
{
    float v = x < P->flo ? P->flo : x;
    v = v > P->fhi ? P->fhi : v;
    const uint32_t vb = f32_bits(v), neg = vb >> 31;
    const uint32_t k = sr_fixq_hi(f32_from(vb & 0x7fffffffu), 0x1p23f, 0x1p31f, 1.0f, uh, amb);
    const uint32_t r = (k ^ (0u - neg)) + neg;
    return (int32_t)sel32(x != x, 0, r);
}

/* The rounded magnitude of a = |x| (bits) for the lean float formats:
 * sr_norm_hi in the normal binades, sr_fixq_hi below them; as binary32
 * bits (round) or as the format's code (encode, CODE). */
INLINE uint32_t sr_any_hi(const k32 *P, const int CODE, uint32_t a, float S2, uint32_t uh, uint32_t *amb)
{
    const uint32_t k = sr_fixq_hi(f32_from(a), P->magic, 0x1p64f, S2, uh, amb);
    const uint32_t y = sr_norm_hi(P, a, uh);
    if (CODE)
        return sel32(a < P->norm_bits, k, (y >> P->sh0) - P->code_off);
    /* k quanta: magic + k q exactly (magic's last place is q), less magic */
    return sel32(a < P->norm_bits, f32_bits(f32_from(f32_bits(P->magic) + k) - P->magic), y);
}

/* The least and the greatest |x| of a block, as bits (NaN above Inf). */
INLINE void block_range(const float *restrict src, uint32_t *lo_out, uint32_t *hi_out)
{
    uint32_t lo = UINT32_MAX, hi = 0;
    for (size_t i = 0; i < BLOCK; i++) {
        const uint32_t a = f32_bits(src[i]) & 0x7fffffffu;
        lo = a < lo ? a : lo;
        hi = a > hi ? a : hi;
    }
    *lo_out = lo;
    *hi_out = hi;
}

/* The loops: integers (INT), floats whose block lies in the normal binades
 * or beyond (NORM), other floats (ANY); each an assignment of element i,
 * where INT and ANY also OR into amb.  NORM and ANY in two forms each, IN
 * (a constant in each loop) set when every |x| of the block is at most
 * the largest finite value.  Returns amb. */
#define SR_LOOP(BODY)                                                           \
    for (size_t i = 0; i < BLOCK; i++, z += FPQ_SR_GOLDEN)                      \
        BODY;
#define SR_LOOPS(INT, NORM, ANY)                                                \
    const k32 P = *pp;                                                          \
    uint64_t z = key + (pos + 1) * FPQ_SR_GOLDEN;                               \
    uint32_t amb = 0, lo, hi;                                                   \
    /* 2^-64 2^31 / q, q = 2^(emin - M) */                                     \
    const float S2 = f32_from((uint32_t)(94 - (P.emin - (int32_t)P.M)) << 23);  \
    if (is_int) {                                                               \
        SR_LOOP(INT)                                                            \
        return amb;                                                             \
    }                                                                           \
    block_range(src, &lo, &hi);                                                 \
    if (lo >= P.norm_bits && hi <= P.max_bits) {                                \
        const int IN = 1;                                                       \
        SR_LOOP(NORM)                                                           \
    } else if (lo >= P.norm_bits) {                                             \
        const int IN = 0;                                                       \
        SR_LOOP(NORM)                                                           \
    } else if (hi <= P.max_bits) {                                              \
        const int IN = 1;                                                       \
        SR_LOOP(ANY)                                                            \
    } else {                                                                    \
        const int IN = 0;                                                       \
        SR_LOOP(ANY)                                                            \
    }                                                                           \
    return amb;

HOT_MUL64 static uint32_t sr_round_block(float *restrict dst, const float *restrict src, uint64_t key, uint64_t pos,
                                         const k32 *pp, int is_int)
{
    SR_LOOPS(dst[i] = (float)sr_int_hi(&P, src[i], UH(i), &amb),
             dst[i] = f32_from(sr_round_out(&P, IN, f32_bits(src[i]), sr_norm_hi(&P, f32_bits(src[i]) & 0x7fffffffu, UH(i)))),
             dst[i] = f32_from(sr_round_out(&P, IN, f32_bits(src[i]),
                                            sr_any_hi(&P, 0, f32_bits(src[i]) & 0x7fffffffu, S2, UH(i), &amb))))
}

HOT_MUL64 static uint32_t sr_encode_block(uint32_t *restrict codes, const float *restrict src, uint64_t key,
                                          uint64_t pos, const k32 *pp, int is_int)
{
    SR_LOOPS(codes[i] = (uint32_t)sr_int_hi(&P, src[i], UH(i), &amb) & P.mask,
             codes[i] = sr_encode_out(&P, IN, f32_bits(src[i]),
                                      (sr_norm_hi(&P, f32_bits(src[i]) & 0x7fffffffu, UH(i)) >> P.sh0) - P.code_off),
             codes[i] = sr_encode_out(&P, IN, f32_bits(src[i]),
                                      sr_any_hi(&P, 1, f32_bits(src[i]) & 0x7fffffffu, S2, UH(i), &amb)))
}
#undef SR_LOOPS
#undef SR_LOOP
#undef UH

/* One block into dst (round) or codes (encode; the other NULL): the loops
 * above for the lean formats of k32 (fast-kernels.c's k32_round_lean and
 * k32_encode_lean) and the integers of k32_int_lean, else, or where they
 * mark the block, fast-kernels.c's kernels on the whole draws. */
static void sr_block(float *restrict dst, uint32_t *restrict codes, const float *restrict src, uint64_t key,
                     uint64_t pos, const k32 *pp, int is_int)
{
    if ((is_int ? pp->int_rne_ok : pp->lean_ok) &&
        !(codes ? sr_encode_block(codes, src, key, pos, pp, is_int) : sr_round_block(dst, src, key, pos, pp, is_int)))
        return;
    uint64_t u[BLOCK];
    fpq_fast_sr_draws(u, key, pos, BLOCK);
    if (codes)
        fpq_fast_k32_encode_block(codes, src, u, pp, is_int, FPQ_RSR);
    else
        fpq_fast_k32_round_block(dst, src, u, pp, is_int, FPQ_RSR);
}

void fpq_fast_k32_sr_round_block(float *restrict dst, const float *restrict src, uint64_t key, uint64_t pos,
                                 const k32 *pp, int is_int)
{
    sr_block(dst, NULL, src, key, pos, pp, is_int);
}

void fpq_fast_k32_sr_encode_block(uint32_t *restrict codes, const float *restrict src, uint64_t key, uint64_t pos,
                                  const k32 *pp, int is_int)
{
    sr_block(NULL, codes, src, key, pos, pp, is_int);
}
