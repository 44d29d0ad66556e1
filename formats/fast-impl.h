/* fast-impl.h: private to the bulk path -- fast.c (the entry points, the
 * drivers and packing), fast-plan.c (a call's plan: the kernels' constants
 * and tables), fast-kernels.c (the per-element kernels) and fast-sr.c
 * (stochastic rounding from binary32 with the draws inside the loop).
 *
 * The bulk path: round-to-format, encode and decode over arrays,
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
#ifndef FPQ_FAST_IMPL_H
#define FPQ_FAST_IMPL_H

#include "fpq-impl.h"

#include <string.h>

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

/* Hot kernels are compiled for AVX-512, AVX2 and the baseline, picked at
 * load time (GNU ifunc); FPQ_NO_CLONES=1 turns that off. */
#if defined(__GNUC__) && defined(__x86_64__) && defined(__GLIBC__) && !defined(FPQ_NO_CLONES) && \
    defined(__has_attribute)
#if __has_attribute(target_clones)
#define HOT __attribute__((target_clones("avx512f", "avx2", "default")))
/* 64-bit multiplies (the stochastic draws): AVX-512DQ has them in one
 * instruction, AVX2 and AVX-512F build them from three 32-bit ones. */
#define HOT_MUL64 __attribute__((target_clones("arch=x86-64-v4", "avx2", "default")))
#endif
#endif
#ifndef HOT
#define HOT
#define HOT_MUL64
#endif
#define INLINE static inline __attribute__((always_inline))

enum {
    BLOCK = 512,   /* elements per inner kernel call (buffers on the stack) */
    CHUNK = 16384, /* elements per OpenMP work item; even, a multiple of BLOCK */
};

/* The bits of binary32 and binary64 values, and back. */
#define FPQ_BIT_CAST(NAME, TO, FROM)                                        \
    static inline TO NAME(FROM x)                                           \
    {                                                                       \
        TO y;                                                               \
        memcpy(&y, &x, sizeof y);                                           \
        return y;                                                           \
    }
FPQ_BIT_CAST(f32_bits, uint32_t, float)
FPQ_BIT_CAST(f32_from, float, uint32_t)
FPQ_BIT_CAST(f64_bits, uint64_t, double)
FPQ_BIT_CAST(f64_from, double, uint64_t)
#undef FPQ_BIT_CAST

/* Container width in bits of one packed pattern (4 for two per byte). */
static inline unsigned packed_width(const fpq_format *f)
{
    return f->bits <= 4 ? 4 : f->bits <= 8 ? 8 : f->bits <= 16 ? 16 : f->bits <= 32 ? 32 : 64;
}

/* ---- the kernels' constants (fast-plan.c fills them) ---------------------- */

/* The results of special inputs in k32, per sign where it matters (0: the
 * input is positive, 1: negative). */
typedef struct k32_sp {
    uint32_t nan0, nan1, inf0, inf1, zero0, zero1, ovf0, ovf1, negu, tiny;
} k32_sp;

typedef struct k32 {
    int32_t emin, M;
    uint32_t sub_off;  /* 2^M without subnormals, else 0 */
    uint32_t maxmag, signbit;
    uint32_t negzero;  /* the format has -0 */
    uint32_t unsig;    /* the format has no sign */
    uint32_t tiny_lim; /* |x| bits below this: the format's smallest value (no zero) */
    k32_sp code;       /* special inputs' codes */
    /* round-to-format, when binary32 holds every value of the format */
    uint32_t dshift, K, sub_lim;
    float scale;
    k32_sp bits;       /* special inputs' binary32 bits */
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
    uint32_t nan_flip;           /* bits.nan0 ^ bits.nan1: the NaN result's sign follows the input's, or not */
    /* k32_round_lean, k32_encode_lean: whether they apply, and k32_fixq's
     * constants below the normal binades (besides those above) */
    bool lean_ok;
    float halfq;                 /* q / 2, q = 2^(emin - M) */
    uint32_t qbits;              /* q's binary32 bits */
    /* k32_arith: whether it applies (lean_ok, IEEE specials, emin - M >= -147),
     * and the binary32 bits of |y| from which the result overflows and below
     * which it is tiny, per sign (fast-kernels.c) */
    bool arith_ok;
    uint32_t ovf_t0, ovf_t1, tiny_t0, tiny_t1;
} k32;

typedef struct k64 {
    int64_t emin, emax;
    uint64_t M, sub_off, maxmag, signbit, negzero, unsig, nosub;
    uint64_t nan0, nan1, inf0, inf1, zero0, zero1, ovf0, ovf1, negu, tiny;
    int64_t ilo, ihi; /* integers: the clamp */
    uint64_t mask;
} k64;

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

typedef struct klut {
    const fpq_format *f;
    size_t n;
    double val[256], mid[255]; /* entries and the midpoints of neighbours, exact */
    bool mids_exact;           /* else every element goes to fpq_encode */
    uint64_t nan;              /* the code of 0, else of the smallest positive entry */
} klut;

/* The host type of a source array. */
typedef enum { SRC_F32, SRC_F64 } src_type;

/* Everything one call needs, built once before the loop. */
typedef struct plan {
    const fpq_format *f;
    const fpq_rounding *r;
    unsigned w;
    bool use_k32, k32_round;
    bool norm;
    k32 p32;
    k64 p64;
    kdec dec, dec64; /* into the destination; into binary64 (see fpq_fast_dec_block_f32) */
    klut lut;
} plan;

/* ---- fast-plan.c ------------------------------------------------------------ */

/* Fill *pl for format f: the kernels of rounding r (NULL: none; from a
 * binary32 or binary64 source st) and, with want_dec, of decoding into
 * binary32 or binary64 (dbl).  FPQ_OK, or FPQ_ERR_ARG when a table entry
 * does not decode. */
FPQ_HIDDEN int fpq_fast_plan_init(plan *pl, const fpq_format *f, const fpq_rounding *r, src_type st, bool want_dec,
                                  bool dbl);

/* ---- fast.c ------------------------------------------------------------------ */

/* Store n codes as elements i0.. of the packed array dst of container
 * width w (packed_width; i0 even when w = 4). */
FPQ_HIDDEN void fpq_fast_pack(void *dst, size_t i0, const uint64_t *c, size_t n, unsigned w);

/* ---- fast-kernels.c ----------------------------------------------------------- */

/* Destination bits of a float code, rounded to nearest-even when needed. */
FPQ_HIDDEN uint64_t fpq_fast_dec_float_general(const kdec *P, uint64_t c);

/* Kernels on whole blocks of BLOCK elements (callers pad a short last
 * block); u: the block's stochastic draws (FPQ_RSR only, else NULL). */
FPQ_HIDDEN void fpq_fast_k32_encode_block(uint32_t *restrict codes, const float *restrict src,
                                          const uint64_t *restrict u, const k32 *pp, int is_int, fpq_rnd mode);
FPQ_HIDDEN void fpq_fast_k32_round_block(float *restrict dst, const float *restrict src, const uint64_t *restrict u,
                                         const k32 *pp, int is_int, fpq_rnd mode);
FPQ_HIDDEN void fpq_fast_k64_encode_block(uint64_t *restrict codes, const double *restrict src,
                                          const uint64_t *restrict u, const k64 *pp, int norm, int is_int,
                                          fpq_rnd mode);
/* pp decodes into binary32; pd into binary64 (see fast-kernels.c). */
FPQ_HIDDEN void fpq_fast_dec_block_f32(float *restrict dst, const uint64_t *restrict codes, const kdec *pp,
                                       const kdec *pd);
FPQ_HIDDEN void fpq_fast_dec_block_f64(double *restrict dst, const uint64_t *restrict codes, const kdec *pp);
/* +, - or * (op) of the codes ca, cb of a format with p->arith_ok into the
 * same format in a deterministic mode: codes, flags, and bad[i] = 1 where
 * an operand is NaN or the operation invalid (Inf - Inf, 0 Inf; codes[i]
 * and fl[i] then meaningless). */
FPQ_HIDDEN void fpq_fast_k32_arith_block(uint32_t *restrict codes, uint8_t *restrict fl, uint8_t *restrict bad,
                                         const uint32_t *restrict ca, const uint32_t *restrict cb, const k32 *pp,
                                         fpq_op op, fpq_rnd mode);
/* The stochastic draws fpq_sr_bits(seed, pos + i) of a block's first n
 * elements, key = fpq_sr_key(seed); the rest 0. */
FPQ_HIDDEN void fpq_fast_sr_draws(uint64_t *u, uint64_t key, uint64_t pos, size_t n);

/* The first n of a block into a table format; the rest of codes zeroed. */
FPQ_HIDDEN void fpq_fast_lut_encode_block(uint64_t *codes, const double *src, size_t n, const klut *P,
                                          const fpq_rounding *r, uint64_t pos);

/* ---- fast-kernels-dir.c ------------------------------------------------------- */

/* A block (BLOCK elements) rounded or encoded in a deterministic mode other
 * than nearest-even by the short kernels of fast-kernels-dir.c: true when
 * they apply to the plan and the block holds no Inf or NaN, else false (and
 * dst or codes meaningless: the caller runs the kernels above). */
FPQ_HIDDEN bool fpq_fast_k32_dir_round_block(float *restrict dst, const float *restrict src, const k32 *pp,
                                             fpq_rnd mode);
FPQ_HIDDEN bool fpq_fast_k32_dir_encode_block(uint32_t *restrict codes, const float *restrict src, const k32 *pp,
                                              fpq_rnd mode);

/* ---- fast-sr.c ----------------------------------------------------------------- */

/* Stochastic rounding of a whole block from binary32 with the draws
 * fpq_sr_bits(seed, pos + i), key = fpq_sr_key(seed), computed in the
 * loop: the same results as fpq_fast_k32_round_block /
 * fpq_fast_k32_encode_block with those draws, for every k32 plan (where
 * the fused loops do not serve the plan, and for a block where an element
 * needs a draw's low word, those kernels run on the whole draws). */
FPQ_HIDDEN void fpq_fast_k32_sr_round_block(float *restrict dst, const float *restrict src, uint64_t key,
                                            uint64_t pos, const k32 *pp, int is_int);
FPQ_HIDDEN void fpq_fast_k32_sr_encode_block(uint32_t *restrict codes, const float *restrict src, uint64_t key,
                                             uint64_t pos, const k32 *pp, int is_int);

#endif
