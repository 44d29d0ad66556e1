/* fast-gemm32.c: the binary32 kernel of the fast GEMM (fast-gemm-impl.h),
 * for a binary32 accumulator in nearest-even.
 *
 * Why host binary32 arithmetic is the reference here.  fast-dot.c takes
 * this kernel only when the accumulator is binary32 (p = 24, emin = -126,
 * IEEE infinities and NaN, -0), the products and sums round to nearest-even
 * with overflow into infinity (FPQ_OVF_FORMAT), the products are exact (no
 * product format, or a binary32 one), the order is sequential, and every
 * product of two inputs is a binary32 normal number or zero: the inputs'
 * precisions add up to at most 24 bits (the product of a p_a-bit and a
 * p_b-bit significand has at most p_a + p_b bits) and the nonzero
 * magnitudes of A and B, checked once per GEMM, give min|a| min|b| >=
 * 2^-126 and max|a| max|b| < 2^128.  Then the host product a * b in
 * binary32 is exact, and every step of the reference (dot.c: the exact sum
 * acc + a b rounded once into binary32, nearest-even, overflow to Inf) is
 * by definition the IEEE 754 binary32 addition acc + RN(a b) = acc + a b
 * that the host performs.  A compiler that contracts the loop's a * b + acc
 * into a fused multiply-add changes nothing either: the fused result is
 * RN(a b + acc), the same value, as a b is exact.  (The build uses
 * -ffp-contract=off all the same.)  The host must round to nearest-even
 * without flush-to-zero or denormals-are-zero: the caller runs the kernel
 * between fp_enter and fp_leave.
 *
 * Flags.  A sum of two binary32 numbers that lands in the subnormal range
 * is exact (J. R. Hauser, "Handling floating-point exceptions in numeric
 * programs", ACM TOPLAS 18(2), 1996: x + y is exact when it is below
 * 2^(emin + 1), since both are multiples of the smallest subnormal), so
 * no step underflows.  A step is inexact exactly when its TwoSum error
 * (Knuth, TAOCP vol. 2, 4.2.2; exact in binary32 for finite operands) is
 * nonzero; the kernel computes it only when the caller asks for flags.  A
 * column whose sum overflows into Inf (NaN cannot arise: the products are
 * finite) is left to the reference by the caller, which gives its overflow
 * and inexact flags; the inexact errors the kernel saw in such a column
 * before and after are part of those flags too.
 *
 * The loop: G32_R rows of C by a strip of G32_W columns held in registers,
 * the terms (k) outside, each term one broadcast of A times the strip's
 * row of B added to every sum: sequential in k for every column, vectorised
 * over the columns (the AVX-512 and AVX2 clones and the baseline, the same
 * bits). */
#include "fast-gemm-impl.h"

#include <string.h>

#ifdef __GNUC__ /* and clang: the vector helpers are always inlined */
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

#if defined(__clang__)
#define G32_UNROLL _Pragma("clang loop unroll(full)")
#elif defined(__GNUC__)
#define G32_UNROLL _Pragma("GCC unroll 8")
#else
#define G32_UNROLL
#endif

enum { G32_VL = 16, G32_NV = G32_W / G32_VL };

typedef float vf __attribute__((vector_size(G32_VL * 4)));
typedef int32_t vi32 __attribute__((vector_size(G32_VL * 4)));

unsigned long fpq_fast_gemm32_calls;

FA_INLINE vf fsplat(float x)
{
    vf v;
    for (int l = 0; l < G32_VL; l++)
        v[l] = x;
    return v;
}

/* nr rows (a: nr rows of k values, stride k) by one strip (b: k rows of
 * G32_W values): the sums into out (nr rows of G32_W); with want, returns
 * whether a step was inexact. */
FA_INLINE bool block_rows(const float *a, size_t k, const float *b, float *out, const int nr, const bool want)
{
    vf s[G32_R][G32_NV];
    vi32 e = {0};
    G32_UNROLL
    for (int r = 0; r < nr; r++)
        G32_UNROLL
        for (int v = 0; v < G32_NV; v++)
            s[r][v] = fsplat(0);
    for (size_t q = 0; q < k; q++) {
        vf bv[G32_NV];
        G32_UNROLL
        for (int v = 0; v < G32_NV; v++)
            memcpy(&bv[v], b + q * G32_W + v * G32_VL, sizeof bv[v]);
        G32_UNROLL
        for (int r = 0; r < nr; r++) {
            const vf x = fsplat(a[(size_t)r * k + q]);
            G32_UNROLL
            for (int v = 0; v < G32_NV; v++) {
                const vf t = x * bv[v]; /* exact */
                if (want) {             /* TwoSum */
                    const vf y = s[r][v] + t, bb = y - s[r][v];
                    const vf err = (s[r][v] - (y - bb)) + (t - bb);
                    e |= (vi32)(err != 0);
                    s[r][v] = y;
                } else {
                    s[r][v] = s[r][v] + t;
                }
            }
        }
    }
    G32_UNROLL
    for (int r = 0; r < nr; r++)
        G32_UNROLL
        for (int v = 0; v < G32_NV; v++)
            memcpy(out + r * G32_W + v * G32_VL, &s[r][v], sizeof s[r][v]);
    int32_t any = 0;
    for (int l = 0; l < G32_VL; l++)
        any |= e[l];
    return any != 0;
}

/* static: clang 14 does not make the dispatcher of an external function
 * with target_clones */
HOT static bool block_clones(const float *a, size_t k, const float *b, float *out, int nr, bool want)
{
    if (want) {
        switch (nr) {
        case 1: return block_rows(a, k, b, out, 1, true);
        case 2: return block_rows(a, k, b, out, 2, true);
        case 3: return block_rows(a, k, b, out, 3, true);
        default: return block_rows(a, k, b, out, G32_R, true);
        }
    }
    switch (nr) {
    case 1: return block_rows(a, k, b, out, 1, false);
    case 2: return block_rows(a, k, b, out, 2, false);
    case 3: return block_rows(a, k, b, out, 3, false);
    default: return block_rows(a, k, b, out, G32_R, false);
    }
}

bool g32_block(const float *a, size_t k, const float *b, float *out, int nr, bool want)
{
    return block_clones(a, k, b, out, nr, want);
}
