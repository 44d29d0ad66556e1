/* check_fastarith.c: the fast exact arithmetic (formats/fast-arith-impl.h,
 * formats/fast-arith.c) against the MPFR reference (fpq_arith_reference).
 *
 * fpq_arith takes the fast path where it applies; fpq_arith_codes takes it
 * for arrays, with a flags array (every element through the flagged path)
 * and without (the lean path).  Each is compared with the reference:
 * result, flags and (one operation at a time) the ternary value.
 * - formats of at most 8 bits: every operand pair (sqrt: every operand;
 *   fma: every pair with a set of addends) in every deterministic mode and
 *   both overflow policies; the 7- and 8-bit formats so only with
 *   FPQ_CHECK_EXHAUSTIVE=1, else every 11th pair in rne, rtz and rup and
 *   every 143rd in the other modes;
 * - formats of 9 to 16 bits: a boundary-complete set of pairs for each
 *   operation (every exponent gap up to p + 3 with the mantissas 0, 1,
 *   half, max - 1, max; products and quotients at the overflow and
 *   underflow thresholds), and every rounding boundary of the format
 *   (fpq_boundaries_f32) reached as x + 0, x + a sticky bit and x * 1 with
 *   binary32 operands (every 31st of them, all with FPQ_CHECK_EXHAUSTIVE=1);
 * - wider formats and mixed operands: random patterns.
 * The same batches in stochastic rounding (sr; check_sr), with several
 * seeds and start positions, both overflow policies and every operation
 * (formats of at most 8 bits: every pair of the formats up to 6 bits,
 * every 5th of the 7- and 8-bit ones, every pair with
 * FPQ_CHECK_EXHAUSTIVE=1), the table path and the NaN and infinite
 * operands of fp16 and bf16 arrays, and, as a supplement, the mean.
 * With FPQ_CHECK_EXHAUSTIVE=1, every pair of finite fp16 and bf16 operands
 * for add and mul in rne and rtz, against an oracle of its own: the exact
 * result in binary64 (bf16 sums with an exponent gap above 44: the smaller
 * operand replaced by a sticky proxy, which changes no rounding), rounded
 * by fpq_encode_f64 (proven equal to fpq_encode in check_fast.c), and the
 * flags from thresholds written here.  NaN and infinite operands go to the
 * reference by the fast path's construction and are covered above. */
#include "check_fpq.h"
#include "fast-gemm-impl.h" /* fpq_fast_gemm32_calls */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

static const fpq_rnd det_modes[] = {FPQ_RNE, FPQ_RNA, FPQ_RTZ, FPQ_RUP, FPQ_RDN, FPQ_RTO};
#define NMODES (sizeof det_modes / sizeof det_modes[0])

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    ck_assert_ptr_nonnull(p);
    return p;
}

/* Packed layout of fpq.h (fpq_packed_size), written out here. */
static void put(void *buf, const fpq_format *f, size_t i, uint64_t v)
{
    if (f->bits <= 4) {
        uint8_t *b = (uint8_t *)buf + i / 2;
        *b = (uint8_t)(i & 1 ? (*b & 15) | (v << 4) : (*b & 0xf0) | v);
    } else if (f->bits <= 8) {
        ((uint8_t *)buf)[i] = (uint8_t)v;
    } else if (f->bits <= 16) {
        ((uint16_t *)buf)[i] = (uint16_t)v;
    } else if (f->bits <= 32) {
        ((uint32_t *)buf)[i] = (uint32_t)v;
    } else {
        ((uint64_t *)buf)[i] = v;
    }
}

static uint64_t get(const void *buf, const fpq_format *f, size_t i)
{
    if (f->bits <= 4)
        return (((const uint8_t *)buf)[i / 2] >> (i & 1 ? 4 : 0)) & 15;
    if (f->bits <= 8)
        return ((const uint8_t *)buf)[i];
    if (f->bits <= 16)
        return ((const uint16_t *)buf)[i];
    if (f->bits <= 32)
        return ((const uint32_t *)buf)[i];
    return ((const uint64_t *)buf)[i];
}

/* A batch of operations of one format: operands x[k][i], n of them. */
typedef struct batch {
    size_t n, cap;
    uint64_t *x[3];
} batch;

static void batch_init(batch *b, size_t cap)
{
    b->n = 0;
    b->cap = cap;
    for (int k = 0; k < 3; k++)
        b->x[k] = xmalloc(cap * sizeof(uint64_t));
}

static void batch_add(batch *b, uint64_t x0, uint64_t x1, uint64_t x2)
{
    if (b->n == b->cap) {
        b->cap *= 2;
        for (int k = 0; k < 3; k++) {
            b->x[k] = realloc(b->x[k], b->cap * sizeof(uint64_t));
            ck_assert_ptr_nonnull(b->x[k]);
        }
    }
    b->x[0][b->n] = x0;
    b->x[1][b->n] = x1;
    b->x[2][b->n] = x2;
    b->n++;
}

static void batch_free(batch *b)
{
    for (int k = 0; k < 3; k++)
        free(b->x[k]);
}

/* Every stride-th operation of the batch, one at a time and as arrays
 * (with flags and without), equals the reference: result, flags, ternary. */
static void check_batch(const fpq_format *f, fpq_op op, const batch *b, const fpq_rounding *r, size_t stride)
{
    const size_t n = b->n;
    const unsigned ar = fpq_op_arity(op);
    void *in[3], *out = xmalloc(fpq_packed_size(f, n)), *out2 = xmalloc(fpq_packed_size(f, n));
    uint8_t *fl = xmalloc(n);
    for (unsigned k = 0; k < 3; k++) {
        in[k] = xmalloc(fpq_packed_size(f, n));
        memset(in[k], 0, fpq_packed_size(f, n));
        for (size_t i = 0; i < n; i++)
            put(in[k], f, i, b->x[k][i]);
    }
    ck_assert_int_eq(fpq_arith_codes(out, fl, f, op, f, in[0], ar > 1 ? in[1] : NULL, ar > 2 ? in[2] : NULL, n, r),
                     FPQ_OK);
    ck_assert_int_eq(fpq_arith_codes(out2, NULL, f, op, f, in[0], ar > 1 ? in[1] : NULL, ar > 2 ? in[2] : NULL, n, r),
                     FPQ_OK);
    const fpq_format *fr[3] = {f, f, f};
    for (size_t i = 0; i < n; i += stride) {
        const uint64_t x[3] = {b->x[0][i], b->x[1][i], b->x[2][i]};
        uint64_t want, got;
        unsigned wf, gf;
        fpq_rounding ri = *r;
        ri.position += i;
        const int wt = fpq_arith_reference(&want, &wf, f, op, fr, x, &ri);
        FPQ_CHECK(get(out, f, i) == want && fl[i] == wf,
                  "%s %s %s ovf=%d (0x%llx, 0x%llx, 0x%llx): arrays 0x%llx flags %u, reference 0x%llx flags %u",
                  f->name, fpq_op_name(op), fpq_rnd_name(r->mode), (int)r->overflow, (unsigned long long)x[0],
                  (unsigned long long)x[1], (unsigned long long)x[2], (unsigned long long)get(out, f, i), fl[i],
                  (unsigned long long)want, wf);
        FPQ_CHECK(get(out2, f, i) == want, "%s %s %s ovf=%d (0x%llx, 0x%llx, 0x%llx): lean 0x%llx, reference 0x%llx",
                  f->name, fpq_op_name(op), fpq_rnd_name(r->mode), (int)r->overflow, (unsigned long long)x[0],
                  (unsigned long long)x[1], (unsigned long long)x[2], (unsigned long long)get(out2, f, i),
                  (unsigned long long)want);
        const int gt = fpq_arith_mixed(&got, &gf, f, op, fr, x, &ri);
        FPQ_CHECK(got == want && gf == wf && gt == wt,
                  "%s %s %s ovf=%d (0x%llx, 0x%llx, 0x%llx): 0x%llx flags %u ternary %d, reference 0x%llx flags %u "
                  "ternary %d",
                  f->name, fpq_op_name(op), fpq_rnd_name(r->mode), (int)r->overflow, (unsigned long long)x[0],
                  (unsigned long long)x[1], (unsigned long long)x[2], (unsigned long long)got, gf, gt,
                  (unsigned long long)want, wf, wt);
    }
    for (unsigned k = 0; k < 3; k++)
        free(in[k]);
    free(out);
    free(out2);
    free(fl);
}

/* Every mode and overflow policy on a batch per operation, built by fill. */
typedef void (*fill_fn)(batch *b, const fpq_format *f, fpq_op op, fpq_check_rng *g);

static void check_ops_modes(const fpq_format *f, fill_fn fill, size_t cap, size_t stride, bool all_modes,
                            uint64_t stream, size_t nops, size_t nmodes)
{
    static const fpq_op ops[] = {FPQ_OP_ADD, FPQ_OP_SUB, FPQ_OP_MUL, FPQ_OP_DIV, FPQ_OP_SQRT, FPQ_OP_FMA};
    fpq_check_rng g;
    fpq_check_rng_init(&g, stream);
    for (size_t o = 0; o < nops; o++) {
        batch b;
        batch_init(&b, cap);
        fill(&b, f, ops[o], &g);
        for (size_t m = 0; m < nmodes; m++)
            for (int ov = 0; ov < 2; ov++) {
                fpq_rounding r;
                fpq_rounding_default(&r);
                r.mode = det_modes[m];
                r.overflow = ov ? FPQ_OVF_SATURATE : FPQ_OVF_FORMAT;
                const bool full = all_modes || r.mode == FPQ_RNE || r.mode == FPQ_RTZ || r.mode == FPQ_RUP;
                check_batch(f, ops[o], &b, &r, full ? stride : 13 * stride);
            }
        batch_free(&b);
    }
}

/* ---- stochastic rounding: exact binary64 results through the k64 kernel --------------
 *
 * The same batches as the deterministic tests above (check_batch: arrays
 * with and without flags, element i at position rnd.position + i), in sr
 * with several seeds and start positions (0 and others, so that an element
 * reading another element's draw shows), under both overflow policies,
 * for every operation (division, square root and the inexact sums take
 * the reference per element: they are compared all the same). */

static const struct {
    uint64_t seed, position;
} sr_cases[] = {
    {0, 0}, {7, 1000}, {UINT64_C(0x9e3779b97f4a7c15), 12345}, {42, (UINT64_C(1) << 40) + 3},
};
#define NSR (sizeof sr_cases / sizeof sr_cases[0])

static void check_sr(const fpq_format *f, fill_fn fill, size_t cap, size_t stride, size_t nseeds, uint64_t stream)
{
    static const fpq_op ops[] = {FPQ_OP_ADD, FPQ_OP_SUB, FPQ_OP_MUL, FPQ_OP_DIV, FPQ_OP_SQRT, FPQ_OP_FMA};
    fpq_check_rng g;
    fpq_check_rng_init(&g, stream);
    for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++) {
        batch b;
        batch_init(&b, cap);
        fill(&b, f, ops[o], &g);
        /* division, square root and fma: mostly the reference, so fewer */
        const bool main_op = ops[o] == FPQ_OP_ADD || ops[o] == FPQ_OP_SUB || ops[o] == FPQ_OP_MUL;
        for (size_t c = 0; c < (main_op ? nseeds : 1); c++)
            for (int ov = 0; ov < 2; ov++) {
                fpq_rounding r;
                fpq_rounding_default(&r);
                r.mode = FPQ_RSR;
                r.seed = sr_cases[(c + o) % NSR].seed;
                r.position = sr_cases[(c + o) % NSR].position;
                r.overflow = ov ? FPQ_OVF_SATURATE : FPQ_OVF_FORMAT;
                check_batch(f, ops[o], &b, &r, main_op ? stride : 7 * stride);
            }
        batch_free(&b);
    }
}

/* The same for all six operations in every deterministic mode. */
static void check_all_modes(const fpq_format *f, fill_fn fill, size_t cap, size_t stride, bool all_modes,
                            uint64_t stream)
{
    check_ops_modes(f, fill, cap, stride, all_modes, stream, 6, NMODES);
}

/* ---- formats of at most 8 bits: every pair ----------------------------------- */

static void fill_all_pairs(batch *b, const fpq_format *f, fpq_op op, fpq_check_rng *g)
{
    const uint64_t np = UINT64_C(1) << f->bits;
    if (op == FPQ_OP_SQRT) {
        for (uint64_t a = 0; a < np; a++)
            batch_add(b, a, 0, 0);
        return;
    }
    /* fma: every pair with 6 addends: +-0, +-1-ish, and random patterns */
    const unsigned nc = op == FPQ_OP_FMA ? 6 : 1;
    uint64_t cs[6] = {0, fpq_check_mask(f) & (UINT64_C(1) << (f->bits - 1)), 0, 0, 0, 0};
    for (unsigned k = 2; k < 6; k++)
        cs[k] = fpq_check_rng_below(g, np);
    for (uint64_t a = 0; a < np; a++)
        for (uint64_t x = 0; x < np; x++)
            for (unsigned k = 0; k < nc; k++)
                batch_add(b, a, x, cs[k]);
}

START_TEST(small_formats_all_pairs)
{
    const fpq_format *f = fpq_check_format((size_t)_i);
    ck_assert_msg(f != NULL, "%s does not parse", fpq_check_label((size_t)_i));
    if (f->bits > 8)
        return;
    const bool quick = f->bits <= 6;
    if (!quick && !fpq_check_exhaustive() && f->kind != FPQ_KIND_FLOAT)
        return; /* integers and tables never take the fast path: compared in full with FPQ_CHECK_EXHAUSTIVE=1 */
    /* 7 and 8 bits: every 11th pair in rne, rtz and rup, every 143rd in the
     * other modes (odd strides: every residue of the operands' low bits);
     * every pair with FPQ_CHECK_EXHAUSTIVE=1 */
    const bool full = quick || fpq_check_exhaustive();
    check_all_modes(f, fill_all_pairs, 1 << 12, full ? 1 : 11, full, 100 + (uint64_t)_i);
    /* stochastic: every 5th pair of the 7- and 8-bit formats with two
     * seeds; every pair and every seed with FPQ_CHECK_EXHAUSTIVE=1 */
    check_sr(f, fill_all_pairs, 1 << 12, full ? 1 : 5, fpq_check_exhaustive() ? NSR : 2, 800 + (uint64_t)_i);
}
END_TEST

/* ---- 9 to 16 bits: boundary-complete pairs --------------------------------------- */

/* A pattern of sign s, exponent field e and mantissa m. */
static uint64_t pat(const fpq_format *f, int s, uint64_t e, uint64_t m)
{
    return (s ? UINT64_C(1) << (f->bits - 1) : 0) | e << f->mbits | m;
}

static uint64_t mant_pick(const fpq_format *f, fpq_check_rng *g)
{
    const uint64_t mm = (UINT64_C(1) << f->mbits) - 1;
    switch (fpq_check_rng_below(g, 7)) {
    case 0: return 0;
    case 1: return mm ? 1 : 0;
    case 2: return (mm + 1) / 2;
    case 3: return mm ? mm - 1 : 0;
    case 4: return mm;
    default: return fpq_check_rng_next(g) & mm;
    }
}

static void fill_boundary(batch *b, const fpq_format *f, fpq_op op, fpq_check_rng *g)
{
    const uint64_t emax_field = (UINT64_C(1) << f->ebits) - 1;
    const unsigned p = f->mbits + 1;
    if (op == FPQ_OP_SQRT) {
        for (uint64_t e = 0; e <= emax_field; e++)
            for (int k = 0; k < 7; k++)
                batch_add(b, pat(f, k == 6, e, mant_pick(f, g)), 0, 0);
        return;
    }
    /* every exponent field against every gap within p + 3 (add, sub, fma's
     * addend), or every sum of exponents near the overflow and underflow
     * thresholds (mul, div), with the mantissas that make ties and carries */
    for (uint64_t ea = 0; ea <= emax_field; ea++) {
        for (int d = -(int)p - 3; d <= (int)p + 3; d++) {
            for (int rep = 0; rep < 2; rep++) {
                long eb;
                if (op == FPQ_OP_MUL || op == FPQ_OP_DIV) {
                    /* a * b near 2^(emax+1) (d >= 0) or near 2^emin (d < 0) */
                    const long bias = f->bias;
                    const long target = d >= 0 ? (long)emax_field + d - (long)p : d;
                    eb = op == FPQ_OP_MUL ? target - (long)ea + bias : (long)ea - target + bias;
                } else {
                    eb = (long)ea - d;
                }
                if (eb < 0 || eb > (long)emax_field)
                    continue;
                const uint64_t a = pat(f, (int)fpq_check_rng_below(g, 2), ea, mant_pick(f, g));
                const uint64_t x = pat(f, (int)fpq_check_rng_below(g, 2), (uint64_t)eb, mant_pick(f, g));
                if (op == FPQ_OP_FMA) /* a * 1-ish + x: the product's gap to the addend */
                    batch_add(b, a, pat(f, 0, (uint64_t)f->bias + (fpq_check_rng_below(g, 3)), mant_pick(f, g)), x);
                else
                    batch_add(b, a, x, 0);
            }
        }
    }
}

START_TEST(mid_formats_boundary_pairs)
{
    const fpq_format *f = fpq_check_format((size_t)_i);
    ck_assert_msg(f != NULL, "%s does not parse", fpq_check_label((size_t)_i));
    if (f->bits <= 8 || f->bits > 16 || f->kind != FPQ_KIND_FLOAT)
        return;
    check_all_modes(f, fill_boundary, 1 << 14, 1, true, 200 + (uint64_t)_i);
    check_sr(f, fill_boundary, 1 << 14, 1, NSR, 900 + (uint64_t)_i);
}
END_TEST

/* Every rounding boundary of f as a binary32 result: x + 0, x + 2^-149 *
 * sign, x * 1 with binary32 operands x into f. */
START_TEST(boundaries_through_binary32_operands)
{
    const fpq_format *f = fpq_check_format((size_t)_i);
    ck_assert_msg(f != NULL, "%s does not parse", fpq_check_label((size_t)_i));
    if (f->bits > 16 || f->kind != FPQ_KIND_FLOAT)
        return;
    const fpq_format *b32 = fpq_check_need("fp32");
    size_t nb = fpq_boundaries_f32(NULL, 0, f);
    float *v = xmalloc(nb * sizeof *v);
    fpq_boundaries_f32(v, nb, f);
    const fpq_format *fr[3] = {b32, b32, b32};
    /* every boundary with FPQ_CHECK_EXHAUSTIVE=1, else every 31st (a
     * different residue per mode and policy) */
    const size_t stride = fpq_check_exhaustive() ? 1 : 31;
    for (size_t m = 0; m < NMODES; m++)
        for (int ov = 0; ov < 2; ov++) {
            fpq_rounding r;
            fpq_rounding_default(&r);
            r.mode = det_modes[m];
            r.overflow = ov ? FPQ_OVF_SATURATE : FPQ_OVF_FORMAT;
            for (size_t i = (m * 2 + (size_t)ov) % stride; i < nb; i += stride) {
                uint32_t xb;
                memcpy(&xb, &v[i], 4);
                const uint64_t second[4] = {0, 1, 0x80000001u, 0x3f800000u}; /* +0, +-2^-149, 1 */
                for (int k = 0; k < 4; k++) {
                    const fpq_op op = k == 3 ? FPQ_OP_MUL : FPQ_OP_ADD;
                    const uint64_t x[3] = {xb, second[k], 0};
                    uint64_t want, got;
                    unsigned wf, gf;
                    const int wt = fpq_arith_reference(&want, &wf, f, op, fr, x, &r);
                    const int gt = fpq_arith_mixed(&got, &gf, f, op, fr, x, &r);
                    FPQ_CHECK(got == want && gf == wf && gt == wt,
                              "%s %s %s ovf=%d binary32 0x%08x, 0x%llx: 0x%llx flags %u ternary %d, reference "
                              "0x%llx flags %u ternary %d",
                              f->name, fpq_op_name(op), fpq_rnd_name(r.mode), ov, xb,
                              (unsigned long long)second[k], (unsigned long long)got, gf, gt,
                              (unsigned long long)want, wf, wt);
                }
            }
        }
    free(v);
}
END_TEST

/* ---- the rest: random patterns, mixed formats ------------------------------------- */

static void fill_random(batch *b, const fpq_format *f, fpq_op op, fpq_check_rng *g)
{
    (void)op;
    const uint64_t mask = fpq_check_mask(f);
    for (int i = 0; i < 3000; i++)
        batch_add(b, fpq_check_rng_next(g) & mask, fpq_check_rng_next(g) & mask, fpq_check_rng_next(g) & mask);
}

START_TEST(wide_formats_random)
{
    const fpq_format *f = fpq_check_format((size_t)_i);
    ck_assert_msg(f != NULL, "%s does not parse", fpq_check_label((size_t)_i));
    if (f->bits <= 16)
        return;
    check_all_modes(f, fill_random, 4096, 1, true, 300 + (uint64_t)_i);
    check_sr(f, fill_random, 4096, 1, 2, 1000 + (uint64_t)_i);
}
END_TEST

START_TEST(mixed_formats_random)
{
    static const char *const names[][4] = {
        {"fp32", "fp16", "fp16", "fp32"}, {"fp32", "bf16", "bf16", "fp32"}, {"bf16", "fp32", "fp16", "fp8_e4m3"},
        {"fp16", "fp8_e5m2", "fp8_e4m3", "fp32"}, {"fp8_e4m3", "fp32", "fp32", "fp32"}, {"fp64", "fp16", "fp16", "fp16"},
    };
    fpq_check_rng g;
    fpq_check_rng_init(&g, 400);
    for (size_t t = 0; t < sizeof names / sizeof names[0]; t++) {
        const fpq_format *to = fpq_check_need(names[t][0]);
        const fpq_format *fr[3] = {fpq_check_need(names[t][1]), fpq_check_need(names[t][2]),
                                   fpq_check_need(names[t][3])};
        for (int op = FPQ_OP_ADD; op <= FPQ_OP_SQRT; op++)
            for (size_t m = 0; m < NMODES; m++)
                for (int i = 0; i < 2000; i++) {
                    fpq_rounding r;
                    fpq_rounding_default(&r);
                    r.mode = det_modes[m];
                    r.overflow = i & 1 ? FPQ_OVF_SATURATE : FPQ_OVF_FORMAT;
                    uint64_t x[3];
                    for (int k = 0; k < 3; k++)
                        x[k] = fpq_check_rng_next(&g) & fpq_check_mask(fr[k]);
                    uint64_t want, got;
                    unsigned wf, gf;
                    const int wt = fpq_arith_reference(&want, &wf, to, (fpq_op)op, fr, x, &r);
                    const int gt = fpq_arith_mixed(&got, &gf, to, (fpq_op)op, fr, x, &r);
                    FPQ_CHECK(got == want && gf == wf && gt == wt,
                              "%s = %s(%s, %s, %s) %s (0x%llx, 0x%llx, 0x%llx): 0x%llx flags %u ternary %d, "
                              "reference 0x%llx flags %u ternary %d",
                              to->name, fpq_op_name((fpq_op)op), fr[0]->name, fr[1]->name, fr[2]->name,
                              fpq_rnd_name(r.mode), (unsigned long long)x[0], (unsigned long long)x[1],
                              (unsigned long long)x[2], (unsigned long long)got, gf, gt, (unsigned long long)want,
                              wf, wt);
                }
    }
}
END_TEST

/* Arrays of 2^16 elements or more from formats of at most 16 bits: the
 * table path, with flags and without; every 7th element against the
 * reference. */
static void fill_random_big(batch *b, const fpq_format *f, fpq_op op, fpq_check_rng *g)
{
    (void)op;
    const uint64_t mask = fpq_check_mask(f);
    for (int i = 0; i < 70000; i++)
        batch_add(b, fpq_check_rng_next(g) & mask, fpq_check_rng_next(g) & mask, 0);
}

START_TEST(arrays_table_path_16_bits)
{
    /* +, - and * (the first three operations) */
    check_ops_modes(fpq_check_need(_i ? "bf16" : "fp16"), fill_random_big, 1 << 17, 7, true, 700 + (uint64_t)_i, 3,
                    NMODES);
}
END_TEST

/* Stochastic rounding (the reference's path), in arrays: element i at
 * position rnd.position + i, whatever the slice. */
START_TEST(arrays_stochastic_positions)
{
    const fpq_format *f = fpq_check_need("bf16");
    fpq_check_rng g;
    fpq_check_rng_init(&g, 500);
    batch b;
    batch_init(&b, 1024);
    fill_random(&b, f, FPQ_OP_ADD, &g);
    fpq_rounding r;
    fpq_rounding_default(&r);
    r.mode = FPQ_RSR;
    r.seed = 7;
    r.position = 1000;
    check_batch(f, FPQ_OP_ADD, &b, &r, 1);
    check_batch(f, FPQ_OP_MUL, &b, &r, 1);
    batch_free(&b);
}
END_TEST

/* ---- GEMM: the fast path against fpq_gemm_reference ------------------------------ */

static const struct gemm_case {
    const char *in, *in_b, *prod, *acc, *out, *bacc;
    fpq_dot_order order;
    fpq_rnd mode;
    bool saturate, specials;
    size_t rows, k, cols;
} gemm_cases[] = {
    /* the configurations of the benchmark, 64 x 256 x 64 */
    {"bf16", NULL, NULL, "bf16", NULL, NULL, FPQ_DOT_SEQ, FPQ_RNE, false, false, 64, 256, 64},
    {"fp8_e4m3", NULL, NULL, "fp32", NULL, NULL, FPQ_DOT_SEQ, FPQ_RNE, false, false, 64, 256, 64},
    {"fp16", NULL, NULL, "fp16", NULL, NULL, FPQ_DOT_SEQ, FPQ_RNE, false, false, 64, 256, 64},
    /* orders, rounded products, modes, policies, integers, specials */
    {"bf16", NULL, "bf16", "bf16", "fp8_e4m3", NULL, FPQ_DOT_PAIRWISE, FPQ_RTZ, false, false, 16, 100, 16},
    {"fp16", "fp8_e5m2", NULL, "fp16", "fp32", "fp32", FPQ_DOT_BLOCK, FPQ_RUP, true, false, 16, 100, 16},
    {"int8", "int4", NULL, "bf16", NULL, "fp16", FPQ_DOT_BLOCK, FPQ_RNE, false, false, 16, 70, 16},
    {"fp8_e5m2", NULL, "fp8_e4m3", "fp16", NULL, NULL, FPQ_DOT_SEQ, FPQ_RDN, false, true, 16, 64, 16},
    {"fp16", NULL, NULL, "fp8_e4m3", NULL, NULL, FPQ_DOT_SEQ, FPQ_RTO, true, true, 16, 64, 16},
    {"fp16", NULL, NULL, "fp8_e5m2", NULL, NULL, FPQ_DOT_PAIRWISE, FPQ_RNA, false, true, 16, 65, 16},
};

/* fpq_gemm (one thread and two) against fpq_gemm_reference: every pattern
 * of C and the flags. */
static void gemm_compare(const fpq_dot_spec *s, const uint64_t *a, const uint64_t *b, size_t rows, size_t k,
                         size_t cols, const char *what, int id)
{
    const size_t nc = rows * cols;
    uint64_t *c = xmalloc((nc ? nc : 1) * sizeof *c), *want = xmalloc((nc ? nc : 1) * sizeof *want);
    uint64_t *c2 = xmalloc((nc ? nc : 1) * sizeof *c2);
    unsigned fl = 0, fl2 = 0, wfl = 0;
#ifdef _OPENMP
    const int nt = omp_get_max_threads();
    omp_set_num_threads(1);
#endif
    ck_assert_int_eq(fpq_gemm(c, NULL, &fl, a, b, rows, k, cols, s), FPQ_OK);
#ifdef _OPENMP
    omp_set_num_threads(2);
#endif
    ck_assert_int_eq(fpq_gemm(c2, NULL, &fl2, a, b, rows, k, cols, s), FPQ_OK);
#ifdef _OPENMP
    omp_set_num_threads(nt);
#endif
    ck_assert_int_eq(fpq_gemm_reference(want, NULL, &wfl, a, b, rows, k, cols, s), FPQ_OK);
    for (size_t e = 0; e < nc; e++) {
        FPQ_CHECK(c[e] == want[e], "%s %d: C[%zu] = 0x%llx, reference 0x%llx", what, id, e, (unsigned long long)c[e],
                  (unsigned long long)want[e]);
        FPQ_CHECK(c2[e] == c[e], "%s %d: C[%zu] = 0x%llx with 2 threads, 0x%llx with 1", what, id, e,
                  (unsigned long long)c2[e], (unsigned long long)c[e]);
    }
    FPQ_CHECK(fl == wfl, "%s %d: flags %u, reference %u", what, id, fl, wfl);
    FPQ_CHECK(fl2 == fl, "%s %d: flags %u with 2 threads, %u with 1", what, id, fl2, fl);
    free(c);
    free(c2);
    free(want);
}

START_TEST(gemm_equals_reference)
{
    const struct gemm_case *gc = &gemm_cases[_i];
    fpq_dot_spec s;
    fpq_dot_spec_default(&s);
    s.in = fpq_check_need(gc->in);
    s.in_b = gc->in_b ? fpq_check_need(gc->in_b) : NULL;
    s.prod = gc->prod ? fpq_check_need(gc->prod) : NULL;
    s.acc = fpq_check_need(gc->acc);
    s.out = gc->out ? fpq_check_need(gc->out) : NULL;
    s.block_acc = gc->bacc ? fpq_check_need(gc->bacc) : NULL;
    s.order = gc->order;
    s.block = 16;
    s.rnd.mode = s.rnd_out.mode = gc->mode;
    s.rnd.overflow = s.rnd_out.overflow = gc->saturate ? FPQ_OVF_SATURATE : FPQ_OVF_FORMAT;
    const size_t na = gc->rows * gc->k, nb = gc->k * gc->cols;
    uint64_t *a = xmalloc(na * sizeof *a), *b = xmalloc(nb * sizeof *b);
    fpq_check_rng g;
    fpq_check_rng_init(&g, 600 + (uint64_t)_i);
    const fpq_format *fb = s.in_b ? s.in_b : s.in;
    for (int m = 0; m < 2; m++) {
        const fpq_format *f = m ? fb : s.in;
        uint64_t *x = m ? b : a;
        const size_t n = m ? nb : na;
        MPFR_DECL_INIT(v, 64);
        for (size_t e = 0; e < n; e++) {
            /* values of a few binades around 1, and a share of raw patterns */
            const uint64_t u = fpq_check_rng_next(&g);
            if (gc->specials && u % 97 == 0) {
                x[e] = fpq_check_rng_next(&g) & fpq_check_mask(f);
                continue;
            }
            const double d = ldexp((double)(u >> 11) * 0x1p-53 - 0.5, (int)(u % 7) - 2) * (f->kind == FPQ_KIND_INT ? 16 : 1);
            mpfr_set_d(v, d, MPFR_RNDN);
            fpq_encode(&x[e], NULL, f, v, NULL);
        }
    }
    gemm_compare(&s, a, b, gc->rows, gc->k, gc->cols, "gemm case", _i);
    free(a);
    free(b);
}
END_TEST

/* Inputs rich in the accumulator's boundaries: products near its largest
 * finite value (sums overflow into Inf, NaN or saturation), near its
 * smallest subnormal and its smallest normal (subnormal sums, underflow),
 * ties of its precision (1 + 2^-(M+1) and its multiples), exact
 * cancellation (zero sums of either sign), the input's own extremes and a
 * share of raw patterns (NaN, Inf).  Every order, deterministic mode and
 * overflow policy; columns not a multiple of a strip, blocks that do not
 * divide k. */
static const char *const bnd_in[] = {"fp16", "bf16", "fp8_e4m3", "fp8_e5m2", "int8", "fp6_e2m3"};
static const char *const bnd_acc[] = {"fp16", "bf16", "fp8_e4m3", "fp8_e5m2", "fp32", "fp8_e4m3fnuz", "fp6_e3m2", "fp4_e3m0"};
#define NBND (3 * NMODES * 2)
#define NACC (int)(sizeof bnd_acc / sizeof bnd_acc[0])

/* The value of a finite pattern. */
static double value_of(const fpq_format *f, uint64_t bits)
{
    MPFR_DECL_INIT(v, 64);
    fpq_decode(v, NULL, NULL, f, bits);
    return mpfr_get_d(v, MPFR_RNDN);
}

static double bnd_value(fpq_check_rng *g, const fpq_format *in, const fpq_format *acc)
{
    fpq_landmarks li, la;
    fpq_landmarks_get(&li, in);
    fpq_landmarks_get(&la, acc);
    const double amax = value_of(acc, la.max_finite), imax = value_of(in, li.max_finite);
    const double asub = value_of(acc, la.min_subnormal), anorm = value_of(acc, la.min_normal);
    const double half_ulp = ldexp(1.0, -(int)acc->mbits - 1);
    const uint64_t u = fpq_check_rng_next(g), w = fpq_check_rng_next(g);
    const double r = 0.75 + (double)(w >> 11) * 0x1p-54; /* [0.75, 1.25) */
    const double sg = (u >> 63) ? -1.0 : 1.0;
    switch (u % 16) {
    case 0: return sg * sqrt(amax) * r;       /* products about the largest finite value */
    case 1: return sg * sqrt(amax) * ldexp(r, -2);
    case 2: return sg * sqrt(asub) * r;       /* products about the smallest subnormal */
    case 3: return sg * sqrt(anorm) * r;      /* and the smallest normal */
    case 4: return sg * (1 + half_ulp);       /* ties */
    case 5: return sg * 3 * half_ulp;
    case 6: return sg;
    case 7: return sg * imax;
    case 8: return sg * value_of(in, li.min_positive);
    case 9: return sg * 0.0; /* +-0 */
    default: return ldexp((double)(u >> 11) * 0x1p-53 - 0.5, (int)(w % 5) - 1);
    }
}

START_TEST(gemm_boundary_inputs)
{
    const int order = _i % 3, mode = (_i / 3) % (int)NMODES, sat = _i / (3 * (int)NMODES);
    fpq_dot_spec s;
    fpq_dot_spec_default(&s);
    s.in = fpq_check_need(bnd_in[_i % 6]);
    s.in_b = _i % 5 == 0 ? fpq_check_need(bnd_in[(_i + 1) % 6]) : NULL;
    s.acc = fpq_check_need(bnd_acc[_i % NACC]);
    s.prod = _i % 4 == 1 ? fpq_check_need(bnd_acc[(_i + 2) % NACC]) : NULL;
    s.out = _i % 3 == 2 ? fpq_check_need(bnd_acc[(_i + 3) % NACC]) : NULL;
    s.block_acc = fpq_check_need(bnd_acc[(_i + 4) % NACC]);
    s.order = (fpq_dot_order)order;
    s.block = 7;
    s.rnd.mode = s.rnd_out.mode = det_modes[mode];
    s.rnd.overflow = s.rnd_out.overflow = sat ? FPQ_OVF_SATURATE : FPQ_OVF_FORMAT;
    const size_t rows = 9, k = 40 + (size_t)(_i % 3), cols = 37;
    const size_t na = rows * k, nb = k * cols;
    uint64_t *a = xmalloc(na * sizeof *a), *b = xmalloc(nb * sizeof *b);
    fpq_check_rng g;
    fpq_check_rng_init(&g, 900 + (uint64_t)_i);
    MPFR_DECL_INIT(v, 64);
    for (int m = 0; m < 2; m++) {
        const fpq_format *f = m && s.in_b ? s.in_b : s.in;
        uint64_t *x = m ? b : a;
        for (size_t e = 0; e < (m ? nb : na); e++) {
            if (fpq_check_rng_below(&g, 400) == 0) { /* a rare raw pattern: NaN, Inf, anything */
                x[e] = fpq_check_rng_next(&g) & fpq_check_mask(f);
                continue;
            }
            mpfr_set_d(v, bnd_value(&g, f, s.acc), MPFR_RNDN);
            fpq_encode(&x[e], NULL, f, v, NULL);
        }
    }
    gemm_compare(&s, a, b, rows, k, cols, "gemm boundary case", _i);
    /* k = 0, k = 1 */
    gemm_compare(&s, a, b, rows, 0, cols, "gemm boundary case, k = 0,", _i);
    gemm_compare(&s, a, b, rows, 1, cols, "gemm boundary case, k = 1,", _i);
    /* fpq_dot (the fast path with an exact sum beside it) against the
     * reference GEMM of each row of A with the column j = _i % cols of B */
    uint64_t *y = xmalloc(k * sizeof *y), want[9];
    unsigned wfl[9];
    for (size_t q = 0; q < k; q++)
        y[q] = b[q * cols + (size_t)_i % cols];
    mpfr_t ex;
    mpfr_init2(ex, 2);
    for (size_t i = 0; i < rows; i++) {
        uint64_t got;
        unsigned fl = 0;
        ck_assert_int_eq(fpq_gemm_reference(&want[i], NULL, &wfl[i], a + i * k, y, 1, k, 1, &s), FPQ_OK);
        ck_assert_int_eq(fpq_dot(&got, &fl, ex, a + i * k, y, k, &s), FPQ_OK);
        FPQ_CHECK(got == want[i] && fl == wfl[i], "dot case %d, row %zu: 0x%llx flags %u, reference 0x%llx flags %u",
                  _i, i, (unsigned long long)got, fl, (unsigned long long)want[i], wfl[i]);
    }
    mpfr_clear(ex);
    free(y);
    free(a);
    free(b);
}
END_TEST

/* An accumulator that overflows into Inf is left to the reference, and
 * the steps after it raise no flags of their own: fp16, column 0 sums max
 * + max (Inf; the fast lanes hold max), - max (Inf; the fast lanes 0) and
 * a tiny inexact product (Inf; the fast lanes would underflow); columns 1
 * and 2 are exact.  The flags are overflow and inexact only. */
START_TEST(gemm_no_flags_after_overflow)
{
    const fpq_format *f = fpq_check_need("fp16");
    fpq_dot_spec s;
    fpq_dot_spec_default(&s);
    s.in = s.acc = f;
    s.order = _i ? FPQ_DOT_BLOCK : FPQ_DOT_SEQ;
    s.block = 8;
    s.block_acc = f;
    MPFR_DECL_INIT(v, 64);
    const double u = ldexp(1 + 0x1p-10, -12), mx = 65504;
    const double av[4] = {1, 1, 1, u}, bv[4][3] = {{mx, 1, 0}, {mx, 2, 1}, {-mx, 3, 2}, {u, 0, 0}};
    uint64_t a[4], b[12];
    for (int q = 0; q < 4; q++) {
        mpfr_set_d(v, av[q], MPFR_RNDN);
        fpq_encode(&a[q], NULL, f, v, NULL);
        for (int j = 0; j < 3; j++) {
            mpfr_set_d(v, bv[q][j], MPFR_RNDN);
            fpq_encode(&b[q * 3 + j], NULL, f, v, NULL);
        }
    }
    gemm_compare(&s, a, b, 1, 4, 3, "gemm after overflow", _i);
    unsigned fl = 0;
    uint64_t c[3];
    ck_assert_int_eq(fpq_gemm(c, NULL, &fl, a, b, 1, 4, 3, &s), FPQ_OK);
    ck_assert_uint_eq(fl, FPQ_FLAG_OVERFLOW | FPQ_FLAG_INEXACT);
}
END_TEST

/* A zero sum in an accumulator without -0 is +0, which an output format
 * with -0 shows: pairwise, fp8_e4m3fnuz accumulator, fp16 output, k = 2
 * and k = 1, terms -0 (column 0), +0 (column 1) and 1 (column 2). */
START_TEST(gemm_zero_in_format_without_negative_zero)
{
    fpq_dot_spec s;
    fpq_dot_spec_default(&s);
    s.in = s.out = fpq_check_need("fp16");
    s.acc = fpq_check_need("fp8_e4m3fnuz");
    s.order = FPQ_DOT_PAIRWISE;
    const uint64_t a[2] = {0x8000, 0x8000}, b[6] = {0x3c00, 0x8000, 0x3c00, 0x3c00, 0x8000, 0x3c00};
    for (size_t k = 1; k <= 2; k++) {
        gemm_compare(&s, a, b, 1, k, 3, "gemm zero without -0, k =", (int)k);
        uint64_t c[3];
        ck_assert_int_eq(fpq_gemm(c, NULL, NULL, a, b, 1, k, 3, &s), FPQ_OK);
        ck_assert_uint_eq(c[0], 0);
    }
}
END_TEST

/* ---- the binary32 kernel (formats/fast-gemm32.c) ------------------------------- */

/* fp16, bf16, fp8_e4m3 and fp8_e5m2 inputs into an fp32 accumulator (the
 * binary32 kernel's case) against the reference: every pattern and the
 * flags (one and two threads), fpq_gemm without flags (the kernel's loop
 * without TwoSum), and fpq_gemm_f64 without flags (fpq_fast_gemm_f64) on
 * doubles that need rounding into the input format.  The values: a few
 * binades around 1 with +-0, and columns of A repeated with the row of B
 * negated (exact cancellation to +0, -0 products); per variant: raw
 * patterns of the top exponent field (NaN, Inf), the range check's limits on both sides for bf16
 * (min|a| min|b| = 2^-126 and about 2^-149, max|a| max|b| = (2 - 2^-7) 2^127 and
 * 2^128) and the other formats' extremes (always within), and sums that
 * overflow into Inf.  fpq_fast_gemm32_calls shows whether the kernel ran:
 * it must when the limits hold, and must not past them. */
enum { B32_PLAIN, B32_SPECIALS, B32_LOW_IN, B32_LOW_OUT, B32_HIGH_IN, B32_HIGH_OUT, B32_OVERFLOW, B32_NVAR };
static const char *const b32_in[] = {"fp16", "bf16", "fp8_e4m3", "fp8_e5m2"};

static uint64_t enc(const fpq_format *f, double d)
{
    MPFR_DECL_INIT(v, 64);
    uint64_t x;
    mpfr_set_d(v, d, MPFR_RNDN);
    fpq_encode(&x, NULL, f, v, NULL);
    return x;
}

START_TEST(gemm_b32_kernel)
{
    const int var = _i % B32_NVAR;
    const fpq_format *f = fpq_check_need(b32_in[_i / B32_NVAR]);
    const bool bf16 = strcmp(f->name, "bf16") == 0;
    fpq_dot_spec s;
    fpq_dot_spec_default(&s);
    s.in = f;
    s.acc = fpq_check_need("fp32");
    fpq_check_rng g;
    fpq_check_rng_init(&g, 1300 + (uint64_t)_i);
    const size_t rows = 1 + fpq_check_rng_below(&g, 9), cols = 1 + fpq_check_rng_below(&g, 70);
    const size_t k = _i % 3 == 0 ? 1 : 2 + fpq_check_rng_below(&g, 70);
    const size_t na = rows * k, nb = k * cols, nc = rows * cols;
    double *ad = xmalloc(na * sizeof *ad), *bd = xmalloc(nb * sizeof *bd);
    for (size_t e = 0; e < na + nb; e++) {
        const uint64_t u = fpq_check_rng_next(&g);
        double *d = e < na ? &ad[e] : &bd[e - na];
        *d = u % 10 == 0 ? ((u >> 8) & 1 ? -0.0 : 0.0)
                         : ldexp((double)(u >> 11) * 0x1p-53 - 0.5, (int)(u % 7) - 3) * (1 + 0x1p-13);
    }
    for (size_t q = 1; q < k; q += 4) { /* column q of A = column q - 1, row q of B = -(row q - 1) */
        for (size_t i = 0; i < rows; i++)
            ad[i * k + q] = ad[i * k + q - 1];
        for (size_t j = 0; j < cols; j++)
            bd[q * cols + j] = -bd[(q - 1) * cols + j];
    }
    fpq_landmarks lm;
    fpq_landmarks_get(&lm, f);
    const double fmax = value_of(f, lm.max_finite), fmin = value_of(f, lm.min_positive);
    switch (var) {
    case B32_LOW_IN: ad[0] = bf16 ? 0x1p-63 : fmin, bd[0] = bf16 ? 0x1p-63 : fmin; break;
    case B32_LOW_OUT: /* bf16: the product 0x1.fc02p-151 is no binary32 number (the reference: 2^-149, underflow) */
        ad[0] = bf16 ? 0x1.fep-76 : fmin, bd[0] = bf16 ? 0x1.fep-76 : fmin;
        break;
    case B32_HIGH_IN: ad[0] = bf16 ? 0x1.fcp63 : fmax, bd[0] = bf16 ? 0x1p64 : -fmax; break;
    case B32_HIGH_OUT: ad[0] = bf16 ? 0x1p64 : fmax, bd[0] = bf16 ? 0x1p64 : fmax; break;
    case B32_OVERFLOW: /* row 0 times column 0: k products of 1.125 2^127 (bf16) */
        for (size_t q = 0; q < k; q++)
            ad[q] = bd[q * cols] = bf16 ? 0x1.8p63 : fmax;
        break;
    default: break;
    }
    uint64_t *a = xmalloc(na * sizeof *a), *b = xmalloc(nb * sizeof *b);
    for (size_t e = 0; e < na; e++)
        a[e] = enc(f, ad[e]);
    for (size_t e = 0; e < nb; e++)
        b[e] = enc(f, bd[e]);
    if (var == B32_SPECIALS)
        for (size_t e = 0; e < na + nb; e++)
            if (fpq_check_rng_below(&g, 30) == 0) {
                uint64_t *x = e < na ? &a[e] : &b[e - na];
                /* the top exponent field: NaN and Inf (fp8_e4m3: its NaN and finite values) */
                *x = (fpq_check_rng_next(&g) | ((UINT64_C(1) << f->ebits) - 1) << f->mbits) & fpq_check_mask(f);
                double *d = e < na ? &ad[e] : &bd[e - na];
                *d = value_of(f, *x);
            }
    const bool taken = !(bf16 && (var == B32_LOW_OUT || var == B32_HIGH_OUT));
    unsigned long n0 = fpq_fast_gemm32_calls;
    gemm_compare(&s, a, b, rows, k, cols, "binary32 kernel", _i);
    FPQ_CHECK(fpq_fast_gemm32_calls - n0 == (taken ? 2u : 0u), "binary32 kernel %d: ran %lu times, not %d", _i,
              fpq_fast_gemm32_calls - n0, taken ? 2 : 0);
    uint64_t *c = xmalloc(nc * sizeof *c), *want = xmalloc(nc * sizeof *want);
    unsigned wfl;
    ck_assert_int_eq(fpq_gemm_reference(want, NULL, &wfl, a, b, rows, k, cols, &s), FPQ_OK);
    n0 = fpq_fast_gemm32_calls;
    ck_assert_int_eq(fpq_gemm(c, NULL, NULL, a, b, rows, k, cols, &s), FPQ_OK);
    FPQ_CHECK(fpq_fast_gemm32_calls - n0 == (taken ? 1u : 0u), "binary32 kernel %d without flags: ran %lu times", _i,
              fpq_fast_gemm32_calls - n0);
    for (size_t e = 0; e < nc; e++)
        FPQ_CHECK(c[e] == want[e], "binary32 kernel %d without flags: C[%zu] = 0x%llx, reference 0x%llx", _i, e,
                  (unsigned long long)c[e], (unsigned long long)want[e]);
    /* fpq_gemm_f64: the doubles (not all of them values of f) rounded
     * into f as fpq_encode does, then the reference */
    double *cd = xmalloc(nc * sizeof *cd);
    for (size_t e = 0; e < na; e++)
        a[e] = enc(f, ad[e]);
    for (size_t e = 0; e < nb; e++)
        b[e] = enc(f, bd[e]);
    ck_assert_int_eq(fpq_gemm_reference(want, NULL, &wfl, a, b, rows, k, cols, &s), FPQ_OK);
    n0 = fpq_fast_gemm32_calls;
    ck_assert_int_eq(fpq_gemm_f64(cd, NULL, NULL, ad, bd, rows, k, cols, &s), FPQ_OK);
    bool over = false;
    for (size_t e = 0; e < nc; e++) {
        const double w = value_of(s.acc, want[e]);
        over |= isinf(w);
        FPQ_CHECK(f64_bits(cd[e]) == f64_bits(w) || (isnan(cd[e]) && isnan(w)),
                  "binary32 kernel %d, fpq_gemm_f64: C[%zu] = %a, reference %a", _i, e, cd[e], w);
    }
    if (var != B32_SPECIALS) /* fpq_fast_gemm_f64 runs the kernel, and leaves an overflow to the rest */
        FPQ_CHECK(fpq_fast_gemm32_calls - n0 == (taken ? 1u + over : 0u), "binary32 kernel %d, fpq_gemm_f64: ran %lu times",
                  _i, fpq_fast_gemm32_calls - n0);
    free(cd);
    free(c);
    free(want);
    free(a);
    free(b);
    free(ad);
    free(bd);
}
END_TEST

/* ---- fp16 and bf16: NaN and infinite operands ------------------------------------ */

/* Every pattern with the exponent field all ones (Inf, every NaN, quiet
 * and signalling, both signs) against zeros, ones, the extremes, and the
 * infinities and a quiet and a signalling NaN of each sign, in both
 * orders: in nearest-even under the format's policy the arrays take
 * fast-arith16.c's kernels, whose special lanes these are. */
static void fill_specials(batch *b, const fpq_format *f, fpq_op op, fpq_check_rng *g)
{
    (void)op, (void)g;
    const uint64_t sign = UINT64_C(1) << (f->bits - 1), emax = ((UINT64_C(1) << f->ebits) - 1) << f->mbits;
    const uint64_t quiet = UINT64_C(1) << (f->mbits - 1), one = (uint64_t)f->bias << f->mbits;
    const uint64_t others[] = {0, 1, quiet, one, emax - 1, UINT64_C(1) << f->mbits, emax, emax | quiet, emax | 1,
                               emax | quiet | 5};
    for (uint64_t m = 0; m < (UINT64_C(1) << f->mbits); m++)
        for (int s = 0; s < 2; s++) {
            const uint64_t x = emax | m | (s ? sign : 0);
            for (size_t k = 0; k < sizeof others / sizeof others[0]; k++)
                for (int t = 0; t < 2; t++) {
                    const uint64_t y = others[k] | (t ? sign : 0);
                    batch_add(b, x, y, 0);
                    batch_add(b, y, x, 0);
                }
        }
}

START_TEST(specials_fp16_bf16)
{
    /* +, - and *, nearest-even (the first mode) */
    check_ops_modes(fpq_check_need(_i ? "bf16" : "fp16"), fill_specials, 1 << 12, 1, true, 0, 3, 1);
}
END_TEST

/* Every special operand (both infinities; quiet NaNs with payload 0, a
 * small payload and every payload bit; signalling NaNs with payload 1 and
 * the largest payload; each with either sign) against one operand of every
 * class (+-0, the smallest, a middle and the largest subnormal, the
 * smallest normal, 1, a normal with fraction bits, the largest finite, and
 * the specials themselves), in both orders, each pair in a lane of its own
 * among ordinary ones: the other lanes of its 16-element step (the kernels'
 * width; two 8-lane halves) hold random finite pairs, with products and
 * sums that overflow, underflow or are inexact among them, so that one
 * vector has special, flagged and exact lanes at once.  The pair's lane
 * moves through all 16 positions; the array's length is no multiple of 16
 * (the padded last step). */
static void fill_specials_mixed(batch *b, const fpq_format *f, fpq_op op, fpq_check_rng *g)
{
    (void)op;
    const uint64_t sign = UINT64_C(1) << (f->bits - 1), emax = ((UINT64_C(1) << f->ebits) - 1) << f->mbits;
    const uint64_t quiet = UINT64_C(1) << (f->mbits - 1), fmask = (UINT64_C(1) << f->mbits) - 1;
    const uint64_t one = (uint64_t)f->bias << f->mbits, minnorm = UINT64_C(1) << f->mbits;
    const uint64_t specials[] = {emax, emax | quiet, emax | quiet | 5, emax | fmask, emax | 1, emax | (quiet - 1)};
    const uint64_t classes[] = {0, 1, quiet | 3, fmask, minnorm, one, one | (fmask & 0x2b5),
                                emax - 1};
    const size_t ns = sizeof specials / sizeof specials[0], nc = sizeof classes / sizeof classes[0];
    size_t lane = 0;
    for (size_t i = 0; i < 2 * ns; i++)
        for (size_t j = 0; j < 2 * (nc + ns); j++)
            for (int order = 0; order < 2; order++) {
                const uint64_t x = specials[i / 2] | (i % 2 ? sign : 0);
                const uint64_t y = (j / 2 < nc ? classes[j / 2] : specials[j / 2 - nc]) | (j % 2 ? sign : 0);
                for (size_t k = 0; k < 16; k++) {
                    if (k == lane % 16) {
                        batch_add(b, order ? y : x, order ? x : y, 0);
                        continue;
                    }
                    /* an ordinary pair: random finite codes, one in four near
                     * the largest finite or the smallest normal */
                    uint64_t o[2];
                    for (int t = 0; t < 2; t++) {
                        const uint64_t u = fpq_check_rng_next(g);
                        uint64_t m = u % emax;
                        if ((u >> 32) % 4 == 0)
                            m = (u >> 40) % 2 ? emax - 1 - (u >> 48) % 4 : minnorm + (u >> 48) % 4;
                        o[t] = m | ((u >> 63) ? sign : 0);
                    }
                    batch_add(b, o[0], o[1], 0);
                }
                lane++;
            }
    for (int k = 0; k < 5; k++) /* an unaligned end */
        batch_add(b, emax | (k % 2 ? sign : 0), (uint64_t)k, 0);
}

START_TEST(specials_mixed_lanes_fp16_bf16)
{
    /* +, - and *, nearest-even (the first mode) */
    check_ops_modes(fpq_check_need(_i ? "bf16" : "fp16"), fill_specials_mixed, 1 << 14, 1, true, 1500 + (uint64_t)_i,
                    3, 1);
}
END_TEST

/* fp16 and bf16 arrays of 2^16 elements and more (the table path), and
 * their NaN and infinite operands. */
START_TEST(sr_table_path_16_bits)
{
    static const char *const names[] = {"fp16", "bf16"};
    const fpq_format *f = fpq_check_need(names[_i]);
    fpq_check_rng g;
    fpq_check_rng_init(&g, 1100 + (uint64_t)_i);
    for (int o = FPQ_OP_ADD; o <= FPQ_OP_MUL; o++) {
        for (int k = 0; k < 2; k++) {
            batch b;
            batch_init(&b, 1 << 17);
            (k ? fill_specials : fill_random_big)(&b, f, (fpq_op)o, &g);
            for (int ov = 0; ov < 2; ov++) {
                fpq_rounding r;
                fpq_rounding_default(&r);
                r.mode = FPQ_RSR;
                r.seed = sr_cases[(size_t)(o + k + ov) % NSR].seed;
                r.position = sr_cases[(size_t)(o + k + ov) % NSR].position;
                r.overflow = ov ? FPQ_OVF_SATURATE : FPQ_OVF_FORMAT;
                check_batch(f, (fpq_op)o, &b, &r, k ? 1 : 7);
            }
            batch_free(&b);
        }
    }
}
END_TEST

/* Arrays in sr from one format into another (random operands, every
 * operation, both policies): element i against the reference. */
START_TEST(sr_arrays_across_formats)
{
    static const char *const names[][2] = {
        {"fp8_e4m3", "fp16"}, {"fp8_e5m2", "bf16"}, {"bf16", "fp32"}, {"fp16", "fp8_e4m3"}, {"fp4_e2m1", "fp16"},
    };
    fpq_check_rng g;
    fpq_check_rng_init(&g, 1200);
    const size_t n = 3000;
    for (size_t t = 0; t < sizeof names / sizeof names[0]; t++) {
        const fpq_format *to = fpq_check_need(names[t][0]), *from = fpq_check_need(names[t][1]);
        const fpq_format *fr[3] = {from, from, from};
        void *in[3], *out = xmalloc(fpq_packed_size(to, n));
        uint8_t *fl = xmalloc(n);
        for (int k = 0; k < 3; k++) {
            in[k] = xmalloc(fpq_packed_size(from, n));
            for (size_t i = 0; i < n; i++)
                put(in[k], from, i, fpq_check_rng_next(&g) & fpq_check_mask(from));
        }
        for (int op = FPQ_OP_ADD; op <= FPQ_OP_SQRT; op++)
            for (int ov = 0; ov < 2; ov++) {
                fpq_rounding r;
                fpq_rounding_default(&r);
                r.mode = FPQ_RSR;
                r.seed = sr_cases[(t + (size_t)op) % NSR].seed;
                r.position = sr_cases[(t + (size_t)op) % NSR].position;
                r.overflow = ov ? FPQ_OVF_SATURATE : FPQ_OVF_FORMAT;
                ck_assert_int_eq(fpq_arith_codes(out, fl, to, (fpq_op)op, from, in[0], in[1], in[2], n, &r), FPQ_OK);
                for (size_t i = 0; i < n; i++) {
                    const uint64_t x[3] = {get(in[0], from, i), get(in[1], from, i), get(in[2], from, i)};
                    fpq_rounding ri = r;
                    ri.position += i;
                    uint64_t want;
                    unsigned wf;
                    fpq_arith_reference(&want, &wf, to, (fpq_op)op, fr, x, &ri);
                    FPQ_CHECK(get(out, to, i) == want && fl[i] == wf,
                              "%s = %s(%s) sr ovf=%d (0x%llx, 0x%llx, 0x%llx): arrays 0x%llx flags %u, reference "
                              "0x%llx flags %u",
                              to->name, fpq_op_name((fpq_op)op), from->name, ov, (unsigned long long)x[0],
                              (unsigned long long)x[1], (unsigned long long)x[2], (unsigned long long)get(out, to, i),
                              fl[i], (unsigned long long)want, wf);
                }
            }
        for (int k = 0; k < 3; k++)
            free(in[k]);
        free(out);
        free(fl);
    }
}
END_TEST

/* A supplement to the comparisons: the rounding is unbiased.  fp8 e4m3
 * 1 + 2^-5 = 1.03125 lies a quarter of the way from 1 to 1.125, so about
 * a quarter of 2^16 draws round it up (within 6 standard deviations). */
START_TEST(sr_unbiased)
{
    const fpq_format *f = fpq_check_need("fp8_e4m3");
    const size_t n = (size_t)1 << 16;
    uint8_t *a = xmalloc(n), *b = xmalloc(n), *r = xmalloc(n);
    memset(a, 0x38, n); /* 1 */
    memset(b, 0x10, n); /* 2^-5 */
    fpq_rounding rnd;
    fpq_rounding_default(&rnd);
    rnd.mode = FPQ_RSR;
    rnd.seed = 3;
    ck_assert_int_eq(fpq_arith_codes(r, NULL, f, FPQ_OP_ADD, f, a, b, NULL, n, &rnd), FPQ_OK);
    size_t up = 0;
    for (size_t i = 0; i < n; i++) {
        ck_assert(r[i] == 0x38 || r[i] == 0x39);
        up += r[i] == 0x39;
    }
    const double sd = sqrt(0.25 * 0.75 * (double)n);
    FPQ_CHECK(fabs((double)up - 0.25 * (double)n) < 6 * sd, "%zu of %zu rounded up, expected about %zu", up, n,
              n / 4);
    free(a);
    free(b);
    free(r);
}
END_TEST

/* ---- exhaustive: fp16 and bf16, add and mul, rne and rtz --------------------------- */

typedef struct ex_fmt {
    double max, ulp_top, two_emin, tiny_rne;
    int p;
} ex_fmt;

/* The oracle's flags for an exact finite result e and the result code's
 * value v (NaN/Inf decoded as such). */
static unsigned oracle_flags(const ex_fmt *X, double e, double v, fpq_rnd mode)
{
    unsigned fl = 0;
    const double a = fabs(e);
    if (v != e)
        fl |= FPQ_FLAG_INEXACT;
    const bool ovf = mode == FPQ_RNE ? a >= X->max + X->ulp_top / 2 : a >= X->max + X->ulp_top;
    if (ovf)
        fl |= FPQ_FLAG_OVERFLOW | FPQ_FLAG_INEXACT;
    const bool tiny = mode == FPQ_RNE ? a < X->tiny_rne : a < X->two_emin;
    if ((fl & FPQ_FLAG_INEXACT) && tiny)
        fl |= FPQ_FLAG_UNDERFLOW;
    return fl;
}

static void exhaustive_one(const char *name, fpq_op op, fpq_rnd mode)
{
    const fpq_format *f = fpq_check_need(name);
    const size_t N = 65536;
    ex_fmt X;
    fpq_landmarks lm;
    fpq_landmarks_get(&lm, f);
    X.max = fpq_ref_decode(f, lm.max_finite).v;
    X.p = (int)f->mbits + 1;
    X.ulp_top = ldexp(1.0, ilogb(X.max) - (int)f->mbits);
    X.two_emin = fpq_ref_decode(f, lm.min_normal).v;
    X.tiny_rne = X.two_emin - ldexp(X.two_emin, -X.p - 1);
    double *val = xmalloc(N * sizeof *val);
    bool *fin = xmalloc(N * sizeof *fin);
    for (size_t c = 0; c < N; c++) {
        fpq_ref r = fpq_ref_decode(f, c);
        val[c] = r.v;
        fin[c] = r.cls != FPQ_CLASS_NAN && r.cls != FPQ_CLASS_INF;
    }
    uint16_t *bcol = xmalloc(N * sizeof *bcol);
    for (size_t c = 0; c < N; c++)
        bcol[c] = (uint16_t)c;
    fpq_rounding r;
    fpq_rounding_default(&r);
    r.mode = mode;
    unsigned long long bad = 0, first_a = 0, first_b = 0;
#pragma omp parallel
    {
        uint16_t *arow = xmalloc(N * sizeof *arow), *res = xmalloc(N * sizeof *res), *lean = xmalloc(N * 2),
                 *want = xmalloc(N * sizeof *want);
        uint8_t *fl = xmalloc(N);
        double *ex = xmalloc(N * sizeof *ex);
#pragma omp for schedule(dynamic, 16) reduction(+ : bad)
        for (size_t a = 0; a < N; a++) {
            if (!fin[a])
                continue;
            for (size_t c = 0; c < N; c++)
                arow[c] = (uint16_t)a;
            fpq_arith_codes(res, fl, f, op, f, arow, bcol, NULL, N, &r);
            fpq_arith_codes(lean, NULL, f, op, f, arow, bcol, NULL, N, &r);
            const double va = val[a];
            for (size_t c = 0; c < N; c++) {
                const double vb = val[c];
                double e;
                if (op == FPQ_OP_MUL) {
                    e = va * vb; /* exact: at most 22 bits, no underflow */
                } else {
                    double s = va, t = vb;
                    if (s != 0 && t != 0 && abs(ilogb(s) - ilogb(t)) > 44) { /* sticky proxy of the smaller */
                        if (fabs(s) < fabs(t)) {
                            double k = s;
                            s = t;
                            t = k;
                        }
                        t = copysign(ldexp(1.0, ilogb(s) - 40), t);
                    }
                    e = s + t; /* exact */
                    if (e == 0) /* an exact zero sum: +0, or -0 for two -0 */
                        e = signbit(va) && signbit(vb) ? -0.0 : 0.0;
                }
                ex[c] = fin[c] ? e : 0;
            }
            fpq_encode_f64(want, ex, N, f, &r);
            for (size_t c = 0; c < N; c++) {
                if (!fin[c])
                    continue;
                const fpq_ref got = fpq_ref_decode(f, res[c]);
                const unsigned wf = oracle_flags(&X, ex[c], got.v, mode);
                if (res[c] != want[c] || lean[c] != want[c] || fl[c] != wf) {
                    if (!bad) {
#pragma omp critical
                        {
                            first_a = a;
                            first_b = c;
                        }
                    }
                    bad++;
                }
            }
        }
        free(arow);
        free(res);
        free(lean);
        free(want);
        free(fl);
        free(ex);
    }
    free(val);
    free(fin);
    free(bcol);
    /* one line per case as it ends: the run is long */
    fprintf(stderr, "fastarith all pairs: %s %s %s: %llu pairs differ\n", name, fpq_op_name(op), fpq_rnd_name(mode),
            bad);
    FPQ_CHECK(bad == 0, "%s %s %s: %llu pairs differ, e.g. (0x%04llx, 0x%04llx)", name, fpq_op_name(op),
              fpq_rnd_name(mode), bad, first_a, first_b);
}

static const struct {
    const char *f;
    fpq_op op;
    fpq_rnd mode;
} ex_cases[] = { /* nearest-even (fast-arith16.c's kernels) first */
    {"fp16", FPQ_OP_ADD, FPQ_RNE}, {"fp16", FPQ_OP_MUL, FPQ_RNE}, {"bf16", FPQ_OP_ADD, FPQ_RNE},
    {"bf16", FPQ_OP_MUL, FPQ_RNE}, {"fp16", FPQ_OP_ADD, FPQ_RTZ}, {"fp16", FPQ_OP_MUL, FPQ_RTZ},
    {"bf16", FPQ_OP_ADD, FPQ_RTZ}, {"bf16", FPQ_OP_MUL, FPQ_RTZ},
};

START_TEST(all_pairs_fp16_bf16)
{
    exhaustive_one(ex_cases[_i].f, ex_cases[_i].op, ex_cases[_i].mode);
}
END_TEST

Suite *fastarith_suite(void)
{
    Suite *s = suite_create("fastarith");
    const int nf = (int)fpq_check_nformats();
    TCase *tc = fpq_check_tcase("fastarith_equals_reference", 600);
    tcase_add_loop_test(tc, small_formats_all_pairs, 0, nf);
    tcase_add_loop_test(tc, mid_formats_boundary_pairs, 0, nf);
    tcase_add_loop_test(tc, boundaries_through_binary32_operands, 0, nf);
    tcase_add_loop_test(tc, wide_formats_random, 0, nf);
    tcase_add_test(tc, mixed_formats_random);
    tcase_add_test(tc, arrays_stochastic_positions);
    tcase_add_loop_test(tc, arrays_table_path_16_bits, 0, 2);
    tcase_add_loop_test(tc, specials_fp16_bf16, 0, 2);
    tcase_add_loop_test(tc, specials_mixed_lanes_fp16_bf16, 0, 2);
    tcase_add_loop_test(tc, gemm_equals_reference, 0, (int)(sizeof gemm_cases / sizeof gemm_cases[0]));
    tcase_add_loop_test(tc, gemm_boundary_inputs, 0, (int)NBND);
    tcase_add_loop_test(tc, gemm_no_flags_after_overflow, 0, 2);
    tcase_add_test(tc, gemm_zero_in_format_without_negative_zero);
    tcase_add_loop_test(tc, gemm_b32_kernel, 0, 4 * B32_NVAR);
    suite_add_tcase(s, tc);
    tc = fpq_check_tcase("fastarith_stochastic", 600);
    tcase_add_loop_test(tc, sr_table_path_16_bits, 0, 2);
    tcase_add_test(tc, sr_arrays_across_formats);
    tcase_add_test(tc, sr_unbiased);
    suite_add_tcase(s, tc);
    if (fpq_check_exhaustive()) {
        tc = fpq_check_tcase_slow("fastarith_all_pairs", 7200);
        tcase_add_loop_test(tc, all_pairs_fp16_bf16, 0, (int)(sizeof ex_cases / sizeof ex_cases[0]));
        suite_add_tcase(s, tc);
    }
    return s;
}
