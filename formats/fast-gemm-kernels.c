/* fast-gemm-kernels.c: the column kernels of the fast GEMM
 * (fast-gemm-impl.h).
 *
 * Every rounding of a step is made on all lanes of a vector at once (GNU C
 * vector types: the AVX-512 and AVX2 clones of gk_strip, picked at load
 * time, and the same code on the x86-64 baseline, which gives the same
 * bits):
 *
 * 1. The exact sum s + t of two binary64 values rounded to odd in
 *    binary64: y = RN(s + t) and its error e by TwoSum (Knuth, TAOCP vol. 2,
 *    4.2.2; exact for any finite binary64 operands, no FMA contraction:
 *    -ffp-contract=off); when e != 0 and y's last bit is 0, |y| moves one
 *    unit towards the exact sum.  An exact zero sum takes arith.c's sign.
 * 2. The odd value x rounded once into the format, on the bits of |x|:
 *    from 2^emin up the format's quantum is the binary64 one times 2^sh
 *    (sh = 52 - M), so the rounding adds an increment to |x|'s bits and
 *    clears the low sh bits (the increment: 2^(sh-1) - 1 plus the kept
 *    last bit for nearest-even, 2^(sh-1) for nearest-away, 2^sh - 1 away
 *    from zero for the directed modes, 0 toward zero; to odd sets the kept
 *    last bit when any low bit is set).  A carry out of the significand
 *    moves into the exponent field, which is the next binade's first
 *    value.  Boldo and Melquiond ("Emulation of FMA and correctly rounded
 *    sums: proved algorithms using rounding to odd", IEEE Trans. Computers
 *    57(4), 2008, Theorem 1): rounding to odd at p + 2 or more bits
 *    followed by this rounding to p <= 24 bits is the correct rounding of
 *    the exact sum in every mode (fast-arith-impl.h gives the argument for
 *    the flags and the binades); inexact is any low bit set.
 * 3. A lane below 2^emin (the format's subnormals: a shift that depends on
 *    the lane, and the underflow flag) or above the largest finite value
 *    (overflow) sends the whole step to lean_round lane by lane, and a
 *    lane that becomes NaN or infinite (bad) sends the rest of its strip
 *    there, so that the flags of a bad lane's later steps are left out as
 *    the reference's are.  Formats with M = 0 always take lean_round (the
 *    parity of a code is not the binary64 exponent's).
 *
 * Nearest-even alone would not need step 1's error term in most cases
 * (S. A. Figueroa, "When is double rounding innocuous?", ACM SIGNUM
 * Newsletter 30(3), 1995: RN_p(RN_53(a + b)) = RN_p(a + b) for a, b of
 * precision p when 53 >= 2p + 1), but a term here is an exact product of
 * up to 48 bits, not a value of the accumulator's precision, and a tiny
 * sum beside a term that is a midpoint of the format breaks the double
 * rounding; so every mode uses the odd intermediate. */
#include "fast-gemm-impl.h"

#include <string.h>

/* The vector helpers below are always inlined, so the ABI of vector
 * arguments, which GCC warns about for the baseline, never applies. */
#ifdef __GNUC__ /* and clang */
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

/* The loops over a strip's vectors unrolled, so that the vectors stay in
 * registers. */
#if defined(__clang__)
#define GK_UNROLL _Pragma("clang loop unroll(full)")
#elif defined(__GNUC__)
#define GK_UNROLL _Pragma("GCC unroll 4")
#else
#define GK_UNROLL
#endif

typedef double vd __attribute__((vector_size(GK_VL * 8)));
typedef uint64_t vu __attribute__((vector_size(GK_VL * 8)));
typedef int64_t vi __attribute__((vector_size(GK_VL * 8)));

#define SIGN UINT64_C(0x8000000000000000)

void gk_fmt_init(gk_fmt *G, const fa_fmt *F, const fpq_rounding *r)
{
    lean_init(&G->L, F, r);
    G->sh = 52 - F->M;
    G->low = (UINT64_C(1) << G->sh) - 1;
    G->half_m1 = (UINT64_C(1) << (G->sh - 1)) - 1;
    G->minnorm = F->M == 0 ? UINT64_MAX : f64_bits(ldexp(1.0, F->emin));
    G->maxbits = f64_bits(fa_value(F, F->maxmag));
}

FA_INLINE vd vload(const double *p)
{
    vd v;
    memcpy(&v, p, sizeof v);
    return v;
}

FA_INLINE vd vsplat(double x)
{
    vd v;
    for (int l = 0; l < GK_VL; l++)
        v[l] = x;
    return v;
}

FA_INLINE vu usplat(uint64_t x)
{
    vu v;
    for (int l = 0; l < GK_VL; l++)
        v[l] = x;
    return v;
}

FA_INLINE bool vany(vu m)
{
    uint64_t o = 0;
    for (int l = 0; l < GK_VL; l++)
        o |= m[l];
    return o != 0;
}

/* Step 2 on the magnitude bits a (of an odd value) and the sign bits sgn;
 * *inex collects the discarded bits, *slow the lanes for lean_round. */
FA_INLINE vd round_bits(const gk_fmt *G, const int mode, vu a, vu sgn, vu *inex, vu *slow)
{
    const vu low = usplat(G->low), rem = a & low;
    vu r;
    switch (mode) {
    case FPQ_RNE: r = (a + (((a >> G->sh) & 1) + G->half_m1)) & ~low; break;
    case FPQ_RNA: r = (a + (G->half_m1 + 1)) & ~low; break;
    case FPQ_RTZ: r = a & ~low; break;
    case FPQ_RUP: r = (a + (low & (vu)(sgn == 0))) & ~low; break;
    case FPQ_RDN: r = (a + (low & (vu)(sgn != 0))) & ~low; break;
    default: r = (a & ~low) | ((vu)(rem != 0) & (G->low + 1)); break; /* FPQ_RTO */
    }
    *inex |= rem;
    *slow |= (vu)(a - 1 < G->minnorm - 1) | (vu)((vi)r > (vi)usplat(G->maxbits));
    if (!G->L.negzero)
        sgn &= (vu)(a != 0); /* no -0: +0 */
    return (vd)(r | sgn);
}

/* Steps 1 and 2: s + t rounded into G.  errs NULL: with step 1's
 * correction; else without it, the bits of the errors ORed into *errs
 * (the result is right when the errors are all 0; +-0 has no bit but the
 * sign). */
FA_INLINE vd sum_fast(const gk_fmt *G, const int mode, vd s, vd t, vu *inex, vu *slow, vu *errs)
{
    const vd y = s + t, bb = y - s;
    const vd err = (s - (y - bb)) + (t - bb);
    const vu yb = (vu)y;
    vu a = yb & ~SIGN;
    if (errs) {
        *errs |= (vu)err;
    } else { /* to odd: |y| - 1 then | 1 when the error points to 0, | 1 when away */
        const vu nz = (vu)(err != 0), down = nz & (vu)((vi)((vu)err ^ yb) < 0);
        a = (a + down) | (nz >> 63);
    }
    vu sgn = yb & SIGN;
    if (mode == FPQ_RDN) { /* an exact zero sum is -0 unless both are +0 */
        const vu z = (vu)(y == 0);
        sgn = (z & ((vu)s | (vu)t) & SIGN) | (~z & sgn);
    }
    return round_bits(G, mode, a, sgn, inex, slow);
}

/* Step 2 alone: the exact binary64 value t rounded into G. */
FA_INLINE vd round_fast(const gk_fmt *G, const int mode, vd t, vu *inex, vu *slow)
{
    const vu tb = (vu)t;
    return round_bits(G, mode, tb & ~SIGN, tb & SIGN, inex, slow);
}

/* The exact sum s + t rounded to odd in binary64, one lane (step 1). */
INLINE double lane_odd_sum(double s, double t, uint64_t rdn)
{
    const double y = s + t, bb = y - s;
    const double err = (s - (y - bb)) + (t - bb);
    uint64_t yb = f64_bits(y);
    if (err != 0 && !(yb & 1))
        yb += ((err > 0) == !(yb >> 63)) ? 1 : (uint64_t)-1;
    if (y == 0) {
        const uint64_t sa = f64_bits(s), st = f64_bits(t);
        yb = ((sa & st) | ((sa ^ st) & ((uint64_t)0 - rdn))) & SIGN;
    }
    return f64_from(yb);
}

/* The state of a strip. */
typedef struct strip {
    vu inex;      /* the discarded bits of the vector steps */
    unsigned fl;  /* the flags of the lane-wise steps */
    bool careful; /* a lane became bad: every step lane by lane */
    uint64_t *bad;
} strip;

/* x[v] = G(s[v] + t[v]) (sum) or G(t[v]) for the strip's vectors. */
FA_INLINE void step(strip *S, const gk_fmt *G, const int mode, vd *x, const vd *s, const vd *t, bool sum)
{
    if (!S->careful) {
        vu in = usplat(0), sl = usplat(0);
        vd r[GK_NV];
        GK_UNROLL
        for (int v = 0; v < GK_NV; v++)
            r[v] = sum ? sum_fast(G, mode, s[v], t[v], &in, &sl, NULL) : round_fast(G, mode, t[v], &in, &sl);
        if (!vany(sl)) {
            S->inex |= in;
            GK_UNROLL
            for (int v = 0; v < GK_NV; v++)
                x[v] = r[v];
            return;
        }
    }
    uint64_t fl = 0, newbad = 0;
    GK_UNROLL
    for (int v = 0; v < GK_NV; v++) {
        vd r;
        for (int l = 0; l < GK_VL; l++) {
            uint64_t *bp = &S->bad[v * GK_VL + l], b = *bp, f = 0;
            const double y = sum ? lane_odd_sum(s[v][l], t[v][l], mode == FPQ_RDN) : t[v][l];
            r[l] = lean_round(&G->L, mode, y, &f, &b);
            fl |= f & (*bp - 1); /* a lane bad before: its flags are not the reference's */
            newbad |= b & ~*bp;
            *bp = b;
        }
        x[v] = r;
    }
    S->fl |= (unsigned)fl;
    S->careful |= newbad != 0;
}

/* The terms x * B[q][j0 ..], rounded into the product format if any. */
FA_INLINE void terms(strip *S, const gk_job *g, const int mode, vd *t, double x, size_t q, size_t j0)
{
    const vd xv = vsplat(x);
    const double *brow = g->b + (j0 / GK_W * g->k + q) * GK_W;
    GK_UNROLL
    for (int v = 0; v < GK_NV; v++)
        t[v] = xv * vload(brow + v * GK_VL); /* exact */
    if (g->has_prod)
        step(S, &g->prod, mode, t, NULL, t, false);
}

FA_INLINE void zero(vd *x)
{
    GK_UNROLL
    for (int v = 0; v < GK_NV; v++)
        x[v] = vsplat(0);
}

/* The sequential sum of the terms q0 .. q1 - 1 into s.  Optimistic, CHUNK
 * terms at a time: the vector steps without a test and without step 1's
 * correction, then one test of whether any sum of the chunk was inexact
 * in binary64 or any lane needed lean_round; if so, the chunk again from
 * its start, step by step (step).  With the products of narrow inputs
 * and narrow accumulators a sum is seldom inexact in binary64 (the
 * exponents of the two would have to be about 53 - 24 apart). */
FA_INLINE void seq(strip *S, const gk_job *g, const int mode, vd *s, const double *arow, size_t q0, size_t q1,
                   size_t j0)
{
    enum { CHUNK = 16 };
    vd t[GK_NV];
    for (size_t c0 = q0; c0 < q1; c0 += CHUNK) {
        const size_t c1 = q1 - c0 > CHUNK ? c0 + CHUNK : q1;
        if (!S->careful) {
            vd x[GK_NV];
            vu in = usplat(0), sl = usplat(0), errs = usplat(0);
            GK_UNROLL
            for (int v = 0; v < GK_NV; v++)
                x[v] = s[v];
            for (size_t q = c0; q < c1; q++) {
                const vd xv = vsplat(arow[q]);
                const double *brow = g->b + (j0 / GK_W * g->k + q) * GK_W;
                GK_UNROLL
                for (int v = 0; v < GK_NV; v++) {
                    vd tv = xv * vload(brow + v * GK_VL); /* exact */
                    if (g->has_prod)
                        tv = round_fast(&g->prod, mode, tv, &in, &sl);
                    x[v] = sum_fast(&g->acc, mode, x[v], tv, &in, &sl, &errs);
                }
            }
            if (!vany(sl | (errs << 1))) {
                S->inex |= in;
                GK_UNROLL
                for (int v = 0; v < GK_NV; v++)
                    s[v] = x[v];
                continue;
            }
        }
        for (size_t q = c0; q < c1; q++) {
            terms(S, g, mode, t, arow[q], q, j0);
            step(S, &g->acc, mode, s, s, t, true);
        }
    }
}

FA_INLINE unsigned strip_mode(const gk_job *g, const double *arow, size_t j0, double *s_out, uint64_t *bad,
                              const int mode)
{
    strip S = {.inex = usplat(0), .fl = 0, .careful = false, .bad = bad};
    vd s[GK_NV], t[GK_NV];
    zero(s);
    const size_t k = g->k;
    if (g->order == FPQ_DOT_SEQ) {
        seq(&S, g, mode, s, arow, 0, k, j0);
    } else if (g->order == FPQ_DOT_BLOCK) {
        for (size_t q0 = 0; q0 < k; q0 += g->block) {
            const size_t q1 = k - q0 > g->block ? q0 + g->block : k;
            vd bs[GK_NV];
            zero(bs);
            seq(&S, g, mode, bs, arow, q0, q1, j0);
            step(&S, &g->bacc, mode, s, s, bs, true);
        }
    } else if (k == 1) { /* pairwise: one term, rounded into acc */
        terms(&S, g, mode, t, arow[0], 0, j0);
        step(&S, &g->acc, mode, s, NULL, t, false);
    } else if (k > 1) {
        /* pairwise: dot.c's tree, built left to right: a stack of complete
         * trees of 2^size[d] terms, the two on top joined while equal, then
         * the rest from the top down (the tree of n terms joins the tree
         * of the largest power of two below n with the tree of the rest) */
        vd stk[GK_STACK][GK_NV];
        unsigned size[GK_STACK];
        int d = 0;
        for (size_t q = 0; q < k; q++) {
            terms(&S, g, mode, stk[d], arow[q], q, j0);
            size[d++] = 0;
            while (d >= 2 && size[d - 1] == size[d - 2]) {
                step(&S, &g->acc, mode, stk[d - 2], stk[d - 2], stk[d - 1], true);
                size[d - 2]++;
                d--;
            }
        }
        while (d >= 2) {
            step(&S, &g->acc, mode, stk[d - 2], stk[d - 2], stk[d - 1], true);
            d--;
        }
        GK_UNROLL
        for (int v = 0; v < GK_NV; v++)
            s[v] = stk[0][v];
    }
    GK_UNROLL
    for (int v = 0; v < GK_NV; v++)
        memcpy(s_out + v * GK_VL, &s[v], sizeof s[v]);
    return S.fl | (vany(S.inex) ? FPQ_FLAG_INEXACT : 0);
}

/* static: clang 14 does not make the dispatcher of an external function
 * with target_clones */
HOT static unsigned strip_clones(const gk_job *g, const double *arow, size_t j0, double *s, uint64_t *bad)
{
    switch (g->mode) {
    case FPQ_RNE: return strip_mode(g, arow, j0, s, bad, FPQ_RNE);
    case FPQ_RNA: return strip_mode(g, arow, j0, s, bad, FPQ_RNA);
    case FPQ_RTZ: return strip_mode(g, arow, j0, s, bad, FPQ_RTZ);
    case FPQ_RUP: return strip_mode(g, arow, j0, s, bad, FPQ_RUP);
    case FPQ_RDN: return strip_mode(g, arow, j0, s, bad, FPQ_RDN);
    default: return strip_mode(g, arow, j0, s, bad, FPQ_RTO);
    }
}

unsigned gk_strip(const gk_job *g, const double *arow, size_t j0, double *s, uint64_t *bad)
{
    return strip_clones(g, arow, j0, s, bad);
}
