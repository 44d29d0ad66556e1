/* fast-arith16.c: +, - and * of fp16 (IEEE binary16) and bf16 (bfloat16)
 * arrays in nearest-even, sixteen elements per step (two halves of eight
 * binary32 lanes) with AVX2 (and F16C for fp16), for fpq_arith_codes
 * (fast-arith.c) when both operands and the result are in the same one of
 * these formats, the overflow policy is the format's own and the CPU has
 * the instructions.
 *
 * Method (the operands are binary32 numbers exactly: F16C's conversion for
 * fp16, the code shifted left by 16 for bf16):
 *
 *   Sum, both formats: s = RN32(a + b).  The exact sum rounded to nearest
 * in binary32 and then to nearest in a format of precision p is the
 * correctly rounded sum when 24 >= 2p + 2 (S. A. Figueroa, "When is double
 * rounding innocuous?", ACM SIGNUM Newsletter 30(3), 1995): p = 11 (fp16)
 * and p = 8 (bf16) both satisfy it.  A sum below the smallest normal of
 * either format is exact (two multiples of the format's quantum add to
 * one), so the theorem's unbounded-exponent setting covers every inexact
 * sum.  The flag inexact: s - a != b or s - b != a (the binary32 sum is
 * inexact; see sum_inexact), or s not being a value of the format; sums
 * never underflow.
 *   fp16 product: a b is exact in binary32 (at most 22 bits, no lower than
 * 2^-48), rounded once.  Underflow (tininess after rounding): inexact and
 * |a b| < 2^-14 (1 - 2^-12), the midpoint below 2^emin at 11 bits.
 *   bf16 product: a b has at most 16 bits, so RN32(a b) is exact whenever
 * it is a normal binary32 number or infinite (binary32 overflow happens
 * only beyond bf16's own overflow threshold, so the infinity is right).
 * A step in which some product of nonzero operands may fall below 2^-126
 * (judged from the codes' exponent fields) is done again in binary64: the
 * exact product, rounded to odd into binary32 (RN32, stepped to the odd
 * neighbour on the error's side), then rounded to nearest; rounding to
 * odd at p + 2 or more bits and then to p bits is the correct rounding of
 * the exact value (S. Boldo and G. Melquiond, "Emulation of FMA and
 * correctly rounded sums: proved algorithms using rounding to odd", IEEE
 * Trans. Computers 57(4), 2008, Theorem 1), here 16 more bits than bf16
 * on the same exponent range.  Underflow: inexact and |RO32(a b)| <
 * 2^-126 (1 - 2^-9) (an even binary32 number, so the comparison says the
 * same of the exact product).
 *   Rounding binary32 bits x to bf16 in nearest-even: (x + 0x7fff + bit 16
 * of x) >> 16, which carries into the exponent and to infinity by itself.
 * fp16: F16C's conversion in nearest-even.
 *   Overflow: an infinite result of an inexact rounding (bf16 products: an
 * infinite result of finite operands); inexact too.
 *   NaN and infinite operands, in the same lanes with no branch (a16_step
 * gives the details): the first NaN operand with its quiet bit set
 * (invalid when either is signalling), Inf - Inf and 0 * Inf the format's
 * default NaN with invalid (taken from fpq_arith_mixed at setup), other
 * infinities the binary32 result (exact, no flag) -- arith.c's rules.
 *
 * The steps are compiled for AVX2 and for AVX-512 (VL, BW, DQ: the same
 * operations with 32 registers), picked by the CPU at setup; with
 * FPQ_NO_CLONES, for the build's own target when it has AVX2 and F16C
 * (e.g. -march=haswell).  Everything else -- other modes and formats, the
 * saturating overflow policies, a CPU without AVX2/F16C, a build without
 * x86 intrinsics, or with FPQ_NO_CLONES for an older target -- takes
 * fast-arith.c's other paths.  The tests (tests/check_fastarith.c, make
 * check-exhaustive: every pair of finite operands; every NaN or infinite
 * operand against a boundary set, alone and in lanes among ordinary ones)
 * compare results and flags with the MPFR reference. */
#include "fast-arith-impl.h"

enum { A16_NONE, A16_FP16, A16_BF16 };

/* A16_X86: the kernels are built.  A16_PICK: the CPU is asked at setup
 * (AVX2 and F16C present? AVX-512 too?); without it (FPQ_NO_CLONES, a
 * build for AVX2 and F16C) the build's own target is taken as given. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(FPQ_NO_CLONES)
#define A16_X86 1
#define A16_PICK 1
#include <cpuid.h>
#include <immintrin.h>
#elif defined(__x86_64__) && defined(__GNUC__) && defined(__AVX2__) && defined(__F16C__)
#define A16_X86 1
#define A16_PICK 0
#include <immintrin.h>
#else
#define A16_X86 0
#define A16_PICK 0
#endif

/* Whether f has the layout of fp16 (e5m10) or bf16 (e8m7), IEEE specials,
 * subnormals and a sign: A16_FP16, A16_BF16 or A16_NONE. */
static int a16_class(const fpq_format *f)
{
    if (f->kind != FPQ_KIND_FLOAT || f->bits != 16 || !f->is_signed || f->specials != FPQ_SPECIALS_IEEE ||
        !f->subnormals || f->p3109)
        return A16_NONE;
    if (f->ebits == 5 && f->mbits == 10 && f->bias == 15)
        return A16_FP16;
    if (f->ebits == 8 && f->mbits == 7 && f->bias == 127)
        return A16_BF16;
    return A16_NONE;
}

#if A16_PICK
/* AVX2, and F16C for fp16 (CPUID leaf 1, ECX bit 29). */
static bool a16_cpu_ok(int cls)
{
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2"))
        return false;
    unsigned a, b, c, d;
    return cls != A16_FP16 || (__get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 29)));
}
#else
static bool a16_cpu_ok(int cls)
{
    (void)cls;
    return A16_X86;
}
#endif

bool fpq_fast_a16_init(a16 *K, const fpq_format *to, const fpq_format *from, fpq_op op, const fpq_rounding *r)
{
    memset(K, 0, sizeof *K);
    if ((op != FPQ_OP_ADD && op != FPQ_OP_SUB && op != FPQ_OP_MUL) || r->mode != FPQ_RNE ||
        (r->overflow != FPQ_OVF_FORMAT && r->overflow != FPQ_OVF_WRAP) || !fpq_format_same(to, from))
        return false;
    const int cls = a16_class(from);
    if (cls == A16_NONE || !a16_cpu_ok(cls))
        return false;
    K->cls = cls;
    K->op = op;
#if A16_PICK
    K->avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
                __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq");
#endif
    /* the default NaN of an invalid operation: Inf - Inf, whose flag must be invalid alone */
    const uint64_t inf = cls == A16_FP16 ? 0x7c00 : 0x7f80, x[3] = {inf, inf | 0x8000, 0};
    const fpq_format *fr[3] = {from, from, from};
    uint64_t res = 0;
    unsigned fl = 0;
    fpq_arith_mixed(&res, &fl, to, FPQ_OP_ADD, fr, x, r);
    K->cnan = (uint16_t)res;
    return fl == FPQ_FLAG_INVALID; /* the flag the steps raise for it */
}

#if A16_X86
#define TI static inline __attribute__((always_inline, target("avx2,f16c")))
#define TGT __attribute__((target("avx2,f16c")))

/* Sixteen codes c (at p) as two vectors of eight binary32 values.  fp16:
 * elements 0-7 and 8-15; bf16: 0-3, 8-11 and 4-7, 12-15 (the order of
 * unpacking within 128-bit lanes, which narrow16 and bf16_round16 undo). */
TI void widen16(const int CLS, const uint16_t *p, __m256i c, __m256 f[2])
{
    if (CLS == A16_FP16) {
        f[0] = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p));
        f[1] = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(p + 8)));
    } else {
        f[0] = _mm256_castsi256_ps(_mm256_unpacklo_epi16(_mm256_setzero_si256(), c));
        f[1] = _mm256_castsi256_ps(_mm256_unpackhi_epi16(_mm256_setzero_si256(), c));
    }
}

/* The 32-bit lanes of the two halves (values of int16_t's range: masks,
 * small flag sets, or any value whose nonzeroness is wanted: the signed
 * saturation keeps it) as sixteen 16-bit lanes in element order. */
TI __m256i narrow16(const int CLS, __m256i m0, __m256i m1)
{
    const __m256i p = _mm256_packs_epi32(m0, m1);
    return CLS == A16_FP16 ? _mm256_permute4x64_epi64(p, 0xd8) : p;
}

/* Binary32 bits x of the two halves rounded to bf16 codes in nearest-even,
 * in element order: (x + 0x7fff + bit 16 of x) >> 16, which carries into
 * the exponent and to infinity by itself. */
TI __m256i bf16_round16(const __m256i x[2])
{
    __m256i r[2];
    _Pragma("GCC unroll 2") for (int h = 0; h < 2; h++) {
        const __m256i odd = _mm256_and_si256(_mm256_srli_epi32(x[h], 16), _mm256_set1_epi32(1));
        r[h] = _mm256_srli_epi32(_mm256_add_epi32(_mm256_add_epi32(x[h], _mm256_set1_epi32(0x7fff)), odd), 16);
    }
    return _mm256_packus_epi32(r[0], r[1]);
}

/* x != 0 for eight binary32 lanes, as 32-bit masks (a NaN is not). */
TI __m256i nonzero(__m256 x) { return _mm256_castps_si256(_mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_NEQ_OQ)); }

/* The bf16 products of eight lanes in binary64, rounded to odd into
 * binary32 (fa, fb: the operands); *tiny: |RO32(a b)| < 2^-126 (1 - 2^-9). */
TI __m256i bf16_mul_odd(__m256 fa, __m256 fb, __m256i *tiny)
{
    __m128 f[2];
    __m256 e[2];
    _Pragma("GCC unroll 2") for (int h = 0; h < 2; h++) {
        const __m128 ha = h ? _mm256_extractf128_ps(fa, 1) : _mm256_castps256_ps128(fa);
        const __m128 hb = h ? _mm256_extractf128_ps(fb, 1) : _mm256_castps256_ps128(fb);
        const __m256d d = _mm256_mul_pd(_mm256_cvtps_pd(ha), _mm256_cvtps_pd(hb)); /* exact */
        f[h] = _mm256_cvtpd_ps(d);
        /* the error, exact in binary64, scaled so that binary32 keeps its sign and nonzeroness */
        const __m256d err = _mm256_mul_pd(_mm256_sub_pd(d, _mm256_cvtps_pd(f[h])), _mm256_set1_pd(0x1p200));
        e[h] = _mm256_castps128_ps256(_mm256_cvtpd_ps(err));
    }
    const __m256 ff = _mm256_insertf128_ps(_mm256_castps128_ps256(f[0]), f[1], 1);
    const __m256 ee = _mm256_insertf128_ps(e[0], _mm256_castps256_ps128(e[1]), 1);
    __m256i y = _mm256_castps_si256(ff);
    const __m256i nz = nonzero(ee);
    const __m256i pos = _mm256_castps_si256(_mm256_cmp_ps(ee, _mm256_setzero_ps(), _CMP_GT_OQ));
    /* an even y with a nonzero error steps to its neighbour on the error's side */
    const __m256i one = _mm256_set1_epi32(1);
    const __m256i step = _mm256_andnot_si256(y, _mm256_and_si256(nz, one));
    const __m256i away = _mm256_xor_si256(_mm256_srli_epi32(pos, 31), _mm256_srli_epi32(y, 31));
    const __m256i up = _mm256_and_si256(step, away), down = _mm256_andnot_si256(away, step);
    y = _mm256_sub_epi32(_mm256_add_epi32(y, up), down);
    const __m256i ay = _mm256_and_si256(y, _mm256_set1_epi32(0x7fffffff));
    *tiny = _mm256_cmpgt_epi32(_mm256_set1_epi32(0x7fc000) /* 2^-126 (1 - 2^-9) */, ay);
    return y;
}

/* Whether the binary32 sum s = RN32(a + b) (SUB: RN32(a - b)) is inexact,
 * as 32-bit masks: with |x| >= |y| and s = RN(x + y), s - x is exact
 * (Dekker's Fast2Sum), so the error y - (s - x) is nonzero exactly when
 * s - x != y; testing both orders covers either magnitude order.  Lanes
 * with a NaN or infinite operand or sum compare unordered or equal and
 * say exact, except a finite sum that overflows to infinity (s - x is
 * infinite, y is not), which is inexact. */
TI __m256i sum_inexact(const int OP, __m256 fa, __m256 fb, __m256 s)
{
    __m256 c0, c1;
    if (OP == FPQ_OP_SUB) { /* s = a - b: a - s != b, s + b != a */
        c0 = _mm256_cmp_ps(_mm256_sub_ps(fa, s), fb, _CMP_NEQ_OQ);
        c1 = _mm256_cmp_ps(_mm256_add_ps(s, fb), fa, _CMP_NEQ_OQ);
    } else {
        c0 = _mm256_cmp_ps(_mm256_sub_ps(s, fa), fb, _CMP_NEQ_OQ);
        c1 = _mm256_cmp_ps(_mm256_sub_ps(s, fb), fa, _CMP_NEQ_OQ);
    }
    return _mm256_castps_si256(_mm256_or_ps(c0, c1));
}

/* One step of sixteen elements: codes r (and flags fl when FLAGS).
 *
 * Per half, in binary32: the result, and a 32-bit value that is nonzero
 * exactly when the element's rounding is inexact (for products: the flag
 * bits inexact and underflow themselves).  Then, for all sixteen elements
 * in 16-bit lanes, the NaN and infinite cases with no branch:
 *   - an infinite operand with no NaN operand and no invalid operation:
 *     the binary32 operation gives the infinity of the right sign, exact
 *     (Fast2Sum compares unordered, the product is the rounded value), and
 *     no flag;
 *   - Inf - Inf, 0 * Inf: a NaN result with no NaN operand; it becomes the
 *     format's default NaN with invalid;
 *   - a NaN operand: the first NaN operand with its quiet bit set, invalid
 *     when either operand is signalling;
 *   - overflow: an infinite result of a finite inexact rounding (bf16
 *     products: an infinite result of finite operands). */
TI void a16_step(const a16 *K, const int CLS, const int OP, const int FLAGS, const uint16_t *pa, const uint16_t *pb,
                 uint16_t *pr, uint8_t *pf)
{
    const __m256i ca = _mm256_loadu_si256((const __m256i *)pa), cb = _mm256_loadu_si256((const __m256i *)pb);
    __m256 fa[2], fb[2];
    widen16(CLS, pa, ca, fa);
    widen16(CLS, pb, cb, fb);
    const __m256i magm = _mm256_set1_epi16(0x7fff), infc = _mm256_set1_epi16(CLS == A16_FP16 ? 0x7c00 : 0x7f80);
    const __m256i ma = _mm256_and_si256(ca, magm), mb = _mm256_and_si256(cb, magm);
    /* bf16 products: whether some product of nonzero operands may fall
     * below 2^-126, from the codes' magnitude bits m = e 2^7 + f (exponent
     * field e, fraction f < 2^7): m_a + m_b >= 135 * 2^7 implies
     * e_a + e_b >= 134, which keeps the product of two normal numbers at
     * or above 2^(e_a + e_b - 254) >= 2^-126 and a subnormal one (at least
     * 2^-133) times a normal one (at least 2^(134 - 127)) at or above
     * 2^-126 too */
    bool odd = false;
    if (OP == FPQ_OP_MUL && CLS == A16_BF16) {
        const __m256i sum = _mm256_add_epi16(ma, mb), lim = _mm256_set1_epi16(135 << 7);
        const __m256i big = _mm256_cmpeq_epi16(_mm256_max_epu16(sum, lim), sum);
        const __m256i zero = _mm256_cmpeq_epi16(_mm256_min_epu16(ma, mb), _mm256_setzero_si256());
        odd = !_mm256_testc_si256(_mm256_or_si256(big, zero), _mm256_set1_epi16(-1));
    }
    __m256i res, inx[2] = {_mm256_setzero_si256(), _mm256_setzero_si256()};
    __m128i r16[2];
    __m256i x[2];
    _Pragma("GCC unroll 2") for (int h = 0; h < 2; h++) {
        if (OP == FPQ_OP_MUL) {
            const __m256 p = _mm256_mul_ps(fa[h], fb[h]);
            if (CLS == A16_FP16) {
                /* a b is exact in binary32 (at most 22 bits, no lower than
                 * 2^-48), rounded once; underflow: inexact and |a b| below
                 * 2^-14 (1 - 2^-12), the midpoint below 2^emin at 11 bits */
                r16[h] = _mm256_cvtps_ph(p, _MM_FROUND_TO_NEAREST_INT);
                if (FLAGS) {
                    const __m256 ap = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), p);
                    const __m256 tiny = _mm256_cmp_ps(ap, _mm256_set1_ps(0x1.ffep-15f), _CMP_LT_OQ);
                    const __m256 ne = _mm256_cmp_ps(_mm256_cvtph_ps(r16[h]), p, _CMP_NEQ_OQ);
                    const __m256 bits = _mm256_blendv_ps(_mm256_castsi256_ps(_mm256_set1_epi32(FPQ_FLAG_INEXACT)),
                                                         _mm256_castsi256_ps(_mm256_set1_epi32(
                                                             FPQ_FLAG_INEXACT | FPQ_FLAG_UNDERFLOW)),
                                                         tiny);
                    inx[h] = _mm256_castps_si256(_mm256_and_ps(ne, bits));
                }
            } else {
                x[h] = _mm256_castps_si256(p);
                __m256i tiny = _mm256_setzero_si256();
                if (odd)
                    x[h] = bf16_mul_odd(fa[h], fb[h], &tiny);
                if (FLAGS) {
                    /* 1 when bits below bf16's are set (inexact), 3 when
                     * also tiny (underflow) */
                    const __m256i nz = _mm256_min_epu32(_mm256_slli_epi32(x[h], 16), _mm256_set1_epi32(1));
                    inx[h] = odd ? _mm256_or_si256(nz, _mm256_and_si256(tiny, _mm256_add_epi32(nz, nz))) : nz;
                }
            }
        } else {
            const __m256 s = OP == FPQ_OP_SUB ? _mm256_sub_ps(fa[h], fb[h]) : _mm256_add_ps(fa[h], fb[h]);
            const __m256i e = FLAGS ? sum_inexact(OP, fa[h], fb[h], s) : _mm256_setzero_si256();
            if (CLS == A16_FP16) {
                r16[h] = _mm256_cvtps_ph(s, _MM_FROUND_TO_NEAREST_INT);
                if (FLAGS)
                    inx[h] = _mm256_or_si256(e, _mm256_castps_si256(_mm256_cmp_ps(_mm256_cvtph_ps(r16[h]), s,
                                                                                   _CMP_NEQ_OQ)));
            } else {
                x[h] = _mm256_castps_si256(s);
                if (FLAGS)
                    inx[h] = _mm256_or_si256(e, _mm256_slli_epi32(x[h], 16));
            }
        }
    }
    if (CLS == A16_FP16)
        res = _mm256_inserti128_si256(_mm256_castsi128_si256(r16[0]), r16[1], 1);
    else
        res = bf16_round16(x);

    const __m256i q = _mm256_set1_epi16(CLS == A16_FP16 ? 0x0200 : 0x0040);
    const __m256i nana = _mm256_cmpgt_epi16(ma, infc), nan = _mm256_or_si256(nana, _mm256_cmpgt_epi16(mb, infc));
    const __m256i rm = _mm256_and_si256(res, magm), resnan = _mm256_cmpgt_epi16(rm, infc);
    const __m256i nanres = _mm256_or_si256(_mm256_blendv_epi8(cb, ca, nana), q);
    const __m256i nanval = _mm256_blendv_epi8(_mm256_set1_epi16((short)K->cnan), nanres, nan);
    res = _mm256_blendv_epi8(res, nanval, resnan);
    _mm256_storeu_si256((__m256i *)pr, res);
    if (!FLAGS)
        return;
    /* signalling: |c| + q above infc + q (a quiet NaN's sum wraps negative) */
    const __m256i sq = _mm256_add_epi16(infc, q);
    const __m256i snan = _mm256_or_si256(_mm256_cmpgt_epi16(_mm256_add_epi16(ma, q), sq),
                                         _mm256_cmpgt_epi16(_mm256_add_epi16(mb, q), sq));
    const __m256i inval = _mm256_or_si256(_mm256_andnot_si256(nan, resnan), snan);
    const __m256i resinf = _mm256_cmpeq_epi16(rm, infc);
    /* e: nonzero when inexact (the fp16 product's and bf16 product's: the
     * inexact and underflow bits themselves) */
    __m256i e = narrow16(CLS, inx[0], inx[1]);
    __m256i ovf;
    if (OP == FPQ_OP_MUL && CLS == A16_BF16) {
        /* a binary32 overflow leaves no bits below bf16's: an infinite
         * result of finite operands */
        const __m256i fin = _mm256_cmpgt_epi16(infc, _mm256_max_epu16(ma, mb));
        ovf = _mm256_and_si256(resinf, fin);
        e = _mm256_or_si256(e, _mm256_and_si256(ovf, _mm256_set1_epi16(FPQ_FLAG_INEXACT)));
    } else {
        ovf = _mm256_andnot_si256(_mm256_cmpeq_epi16(e, _mm256_setzero_si256()), resinf);
    }
    __m256i fl;
    if (OP == FPQ_OP_MUL) /* e holds the inexact and underflow bits */
        fl = e;
    else
        fl = _mm256_andnot_si256(_mm256_cmpeq_epi16(e, _mm256_setzero_si256()), _mm256_set1_epi16(FPQ_FLAG_INEXACT));
    fl = _mm256_or_si256(fl, _mm256_and_si256(ovf, _mm256_set1_epi16(FPQ_FLAG_OVERFLOW)));
    fl = _mm256_or_si256(fl, _mm256_and_si256(inval, _mm256_set1_epi16(FPQ_FLAG_INVALID)));
    _mm_storeu_si128((__m128i *)pf,
                     _mm_packus_epi16(_mm256_castsi256_si128(fl), _mm256_extracti128_si256(fl, 1)));
}

/* n elements, n a multiple of 16. */
TI void a16_loop(const a16 *K, const int CLS, const int OP, const int FLAGS, uint16_t *r, uint8_t *fl,
                 const uint16_t *a, const uint16_t *b, size_t n)
{
    for (size_t i = 0; i < n; i += 16)
        a16_step(K, CLS, OP, FLAGS, a + i, b + i, r + i, FLAGS ? fl + i : NULL);
}

#define A16_OPS(CLS, FLAGS)                                                                                \
    switch (K->op) {                                                                                       \
    case FPQ_OP_ADD: a16_loop(K, CLS, FPQ_OP_ADD, FLAGS, r, fl, a, b, n); break;                          \
    case FPQ_OP_SUB: a16_loop(K, CLS, FPQ_OP_SUB, FLAGS, r, fl, a, b, n); break;                          \
    default: a16_loop(K, CLS, FPQ_OP_MUL, FLAGS, r, fl, a, b, n); break;                                  \
    }

#define A16_RUN16                                                                                           \
    if (K->cls == A16_FP16 && fl)                                                                          \
        A16_OPS(A16_FP16, 1)                                                                               \
    else if (K->cls == A16_FP16)                                                                           \
        A16_OPS(A16_FP16, 0)                                                                               \
    else if (fl)                                                                                           \
        A16_OPS(A16_BF16, 1)                                                                               \
    else                                                                                                   \
        A16_OPS(A16_BF16, 0)

/* The same steps compiled for AVX2 and for AVX-512 (VL, BW, DQ: the same
 * operations with 32 registers). */
TGT static void a16_run16_avx2(const a16 *K, uint16_t *r, uint8_t *fl, const uint16_t *a, const uint16_t *b,
                              size_t n)
{
    A16_RUN16
}

#if A16_PICK
__attribute__((target("avx2,f16c,avx512f,avx512vl,avx512bw,avx512dq"))) static void
a16_run16_avx512(const a16 *K, uint16_t *r, uint8_t *fl, const uint16_t *a, const uint16_t *b, size_t n)
{
    A16_RUN16
}

static void a16_run16(const a16 *K, uint16_t *r, uint8_t *fl, const uint16_t *a, const uint16_t *b, size_t n)
{
    if (K->avx512)
        a16_run16_avx512(K, r, fl, a, b, n);
    else
        a16_run16_avx2(K, r, fl, a, b, n);
}
#else
static void a16_run16(const a16 *K, uint16_t *r, uint8_t *fl, const uint16_t *a, const uint16_t *b, size_t n)
{
    a16_run16_avx2(K, r, fl, a, b, n);
}
#endif
#undef A16_OPS
#undef A16_RUN16
#else
static void a16_run16(const a16 *K, uint16_t *r, uint8_t *fl, const uint16_t *a, const uint16_t *b, size_t n)
{
    (void)K, (void)r, (void)fl, (void)a, (void)b, (void)n; /* fpq_fast_a16_init never succeeds */
}
#endif

void fpq_fast_a16_run(const a16 *K, uint16_t *r, uint8_t *fl, const uint16_t *a, const uint16_t *b, size_t n)
{
    const size_t n16 = n & ~(size_t)15;
    a16_run16(K, r, fl, a, b, n16);
    if (n16 == n)
        return;
    /* the last 1 to 15 elements, padded with zeros */
    uint16_t ta[16] = {0}, tb[16] = {0}, tr[16];
    uint8_t tf[16];
    memcpy(ta, a + n16, (n - n16) * sizeof *a);
    memcpy(tb, b + n16, (n - n16) * sizeof *b);
    a16_run16(K, tr, fl ? tf : NULL, ta, tb, 16);
    memcpy(r + n16, tr, (n - n16) * sizeof *r);
    if (fl)
        memcpy(fl + n16, tf, n - n16);
}
