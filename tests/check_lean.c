/* check_lean.c: the bulk path's lean binary32 kernels against its general
 * binary32 kernel, bit for bit.
 *
 * formats/fast-kernels.c has, besides the general kernels of round-to-
 * format and encode from binary32 (k32_round, k32_encode, k32_int: one
 * per-lane shift count, every format k32 covers), lean forms for the
 * common formats in every mode: k32_round_rne / k32_encode_rne,
 * k32_round_lean / k32_encode_lean (with k32_fixq below the normal
 * binades, k32_sr_any for stochastic rounding), k32_int_rne and
 * k32_int_lean.  A plan picks the lean form when its flags (lean_ok,
 * rne_ok, int_rne_ok) say it applies; with the flags cleared the same plan
 * runs the general kernel.  This file runs both on the same inputs and the
 * same stochastic draws (fpq_sr_bits(seed, position), position = the
 * element's index) and compares their results and codes.
 *
 * The general kernel is itself compared with the MPFR reference in
 * check_fast.c (every rounding boundary of every format in every mode, the
 * stochastic threshold of each boundary, and with FPQ_CHECK_EXHAUSTIVE=1
 * all 2^32 binary32 inputs in rne and rtz); together these show the lean
 * kernels equal to the reference.
 *
 *   make check: every binary32 boundary of each format (fpq_boundaries_f32)
 *   and every binary32 whose top 16 bits are those of a boundary point
 *   near 2^emin, 1 and the largest value (the low bits run through all
 *   2^16 values), in every mode, both overflow policies.
 *   FPQ_CHECK_EXHAUSTIVE=1: all 2^32 binary32 inputs, every mode (or those
 *   of FPQ_CHECK_LEAN_FORMATS and FPQ_CHECK_LEAN_MODES), the
 *   format's own overflow policy (the lean kernels take the results of
 *   overflow, Inf and NaN from the same plan constants as the general one,
 *   which the boundary cases check under both policies).
 *   FPQ_CHECK_LEAN_CASES=fp16/sr,int8/sr (format/mode, comma-separated)
 *   runs only those of the exhaustive cases.
 *
 * Stochastic rounding has a third kernel, the loops of fast-sr.c with the
 * draws computed inside (fpq_fast_k32_sr_round_block / _encode_block),
 * compared with the other two wherever they run in sr.
 *
 * Formats without a lean kernel (no mantissa bits such as e3m0 and e8m0,
 * formats without -0 or subnormals, binary64 sources, integers beyond
 * 2^22) have none to compare; the suite asserts that every format listed
 * here does take a lean kernel. */
#include "check_fpq.h"

#include "fast-impl.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const lean_formats[] = {
    "fp16",  "bf16",  "fp8_e4m3", "fp8_e5m2", "fp6_e2m3", "fp6_e3m2", "fp4_e2m1", "int8",
    "int4",  "uint8", "int16",    "e8m1",     "e2m22",
};
#define NLEAN (sizeof lean_formats / sizeof lean_formats[0])

static const fpq_rnd lean_modes[] = {FPQ_RNE, FPQ_RNA, FPQ_RTZ, FPQ_RUP, FPQ_RDN, FPQ_RTO, FPQ_RSR};
#define NMODES (sizeof lean_modes / sizeof lean_modes[0])

static void *xcalloc(size_t n, size_t sz)
{
    void *p = calloc(n ? n : 1, sz ? sz : 1);
    ck_assert_msg(p != NULL, "out of memory");
    return p;
}

/* The plan of f in rounding r, and a copy with the lean flags cleared. */
static void plans(const fpq_format *f, const fpq_rounding *r, k32 *lean, k32 *gen)
{
    plan pl;
    ck_assert_int_eq(fpq_fast_plan_init(&pl, f, r, SRC_F32, true, false), FPQ_OK);
    ck_assert_msg(pl.use_k32 && pl.k32_round, "%s: not on the binary32 kernels", f->name);
    ck_assert_msg(f->kind == FPQ_KIND_INT ? pl.p32.int_rne_ok : pl.p32.lean_ok, "%s: no lean kernel", f->name);
    *lean = pl.p32;
    *gen = pl.p32;
    gen->lean_ok = gen->rne_ok = gen->enc_rne_ok = gen->int_rne_ok = false;
}

/* The results of one block, src (BLOCK binary32 values at positions pos..),
 * by the lean kernels (rl, cl), the general ones (rg, cg) and, in sr, the
 * loops with the draws inside (rf, cf; otherwise copies of rl, cl). */
typedef struct block_out {
    float rl[BLOCK], rg[BLOCK], rf[BLOCK];
    uint32_t cl[BLOCK], cg[BLOCK], cf[BLOCK];
} block_out;

static void run_block(block_out *o, const float *src, uint64_t pos, const k32 *lean, const k32 *gen,
                      const fpq_format *f, const fpq_rounding *r)
{
    uint64_t u[BLOCK];
    const uint64_t *d = NULL;
    if (r->mode == FPQ_RSR) {
        fpq_fast_sr_draws(u, fpq_sr_key(r->seed), pos, BLOCK);
        d = u;
    }
    const int is_int = f->kind == FPQ_KIND_INT;
    fpq_fast_k32_round_block(o->rl, src, d, lean, is_int, r->mode);
    fpq_fast_k32_round_block(o->rg, src, d, gen, is_int, r->mode);
    fpq_fast_k32_encode_block(o->cl, src, d, lean, is_int, r->mode);
    fpq_fast_k32_encode_block(o->cg, src, d, gen, is_int, r->mode);
    if (r->mode == FPQ_RSR) { /* the loops with the draws inside */
        fpq_fast_k32_sr_round_block(o->rf, src, fpq_sr_key(r->seed), pos, lean, is_int);
        fpq_fast_k32_sr_encode_block(o->cf, src, fpq_sr_key(r->seed), pos, lean, is_int);
    } else {
        memcpy(o->rf, o->rl, sizeof o->rf);
        memcpy(o->cf, o->cl, sizeof o->cf);
    }
}

/* One block through the kernels: the index of the first difference, or
 * BLOCK. */
static size_t compare_block(const float *src, uint64_t pos, const k32 *lean, const k32 *gen, const fpq_format *f,
                            const fpq_rounding *r)
{
    block_out o;
    run_block(&o, src, pos, lean, gen, f, r);
    for (size_t i = 0; i < BLOCK; i++)
        if (memcmp(&o.rl[i], &o.rg[i], 4) != 0 || o.cl[i] != o.cg[i] || memcmp(&o.rf[i], &o.rg[i], 4) != 0 ||
            o.cf[i] != o.cg[i])
            return i;
    return BLOCK;
}

static void report(const float *src, size_t i, uint64_t pos, const k32 *lean, const k32 *gen, const fpq_format *f,
                   const fpq_rounding *r, const char *label)
{
    block_out o;
    run_block(&o, src, pos, lean, gen, f, r);
    uint32_t x, a, b, c;
    memcpy(&x, &src[i], 4);
    memcpy(&a, &o.rl[i], 4);
    memcpy(&b, &o.rg[i], 4);
    memcpy(&c, &o.rf[i], 4);
    ck_abort_msg("%s, %s, %s, overflow %s: binary32 0x%08" PRIx32 " (%a) at position %" PRIu64
                 ": lean round 0x%08" PRIx32 " code 0x%" PRIx32 ", general round 0x%08" PRIx32 " code 0x%" PRIx32
                 ", fused sr round 0x%08" PRIx32 " code 0x%" PRIx32,
                 label, f->name, fpq_rnd_name(r->mode), fpq_overflow_name(r->overflow), x, (double)src[i], pos + i,
                 a, o.cl[i], b, o.cg[i], c, o.cf[i]);
}

/* The roundings of a case: mode m, overflow policy o, seed of the run. */
static fpq_rounding rounding(fpq_rnd m, fpq_overflow o)
{
    fpq_rounding r;
    fpq_rounding_default(&r);
    r.mode = m;
    r.overflow = o;
    r.seed = fpq_check_seed();
    return r;
}

/* make check: the boundaries and the 2^16 binary32 values around some of
 * them, in every mode and both overflow policies; positions are the
 * inputs' indices in the list. */
START_TEST(lean_equals_general_on_boundaries)
{
    fpq_format f;
    ck_assert_int_eq(fpq_format_parse(&f, lean_formats[_i]), FPQ_OK);
    size_t nb = fpq_boundaries_f32(NULL, 0, &f);
    ck_assert(nb > 0);
    float *b = xcalloc(nb, sizeof *b);
    ck_assert_uint_eq(fpq_boundaries_f32(b, nb, &f), nb);
    /* the points at 2^emin, 1 and the largest finite value, each with all
     * 2^16 binary32 values sharing its top 16 bits, both signs */
    double anchors[3] = {f.kind == FPQ_KIND_INT ? 1.0 : ldexp(1.0, (int)fpq_emin(&f)), 1.0, 0};
    {
        fpq_landmarks lm;
        ck_assert_int_eq(fpq_landmarks_get(&lm, &f), FPQ_OK);
        MPFR_DECL_INIT(m, 64);
        fpq_class cls;
        fpq_decode(m, &cls, NULL, &f, lm.max_finite);
        anchors[2] = mpfr_get_d(m, MPFR_RNDN);
    }
    const size_t nx = nb + 6 * 65536;
    const size_t n = (nx + BLOCK - 1) / BLOCK * BLOCK;
    float *x = xcalloc(n, sizeof *x);
    memcpy(x, b, nb * sizeof *x);
    for (size_t k = 0; k < 6; k++) {
        const float v = (float)anchors[k / 2];
        uint32_t vb;
        memcpy(&vb, &v, 4);
        vb = (vb & 0x7fff0000u) | (k % 2 ? 0x80000000u : 0);
        for (uint32_t j = 0; j < 65536; j++) {
            const uint32_t w = vb | j;
            memcpy(&x[nb + k * 65536 + j], &w, 4);
        }
    }
    for (size_t mi = 0; mi < NMODES; mi++)
        for (int o = 0; o < 2; o++) {
            const fpq_rounding r = rounding(lean_modes[mi], o ? FPQ_OVF_SATURATE : FPQ_OVF_FORMAT);
            k32 lean, gen;
            plans(&f, &r, &lean, &gen);
            const fp_state fs = fp_enter();
            for (size_t i0 = 0; i0 < n; i0 += BLOCK) {
                const size_t i = compare_block(x + i0, i0, &lean, &gen, &f, &r);
                if (i < BLOCK) {
                    fp_leave(fs);
                    report(x + i0, i, i0, &lean, &gen, &f, &r, "boundaries");
                }
            }
            fp_leave(fs);
        }
    free(x);
    free(b);
}
END_TEST

/* Whether name is in the comma-separated list of environment variable var
 * (unset or empty: every name is). */
static bool selected(const char *var, const char *name)
{
    const char *s = getenv(var);
    if (s == NULL || *s == '\0')
        return true;
    const size_t n = strlen(name);
    for (const char *p = s; *p != '\0';) {
        const size_t len = strcspn(p, ",");
        if (len == n && strncmp(p, name, n) == 0)
            return true;
        p += len + (p[len] == ',');
    }
    return false;
}

/* The fused stochastic loops decide by a draw's top word uh: below 2^emin
 * (and for integers) with g = floor(frac 2^31) against floor(uh / 2),
 * frac the discarded fraction, and where they are equal the block is done
 * again with whole draws.  Here |x| = R 2^(e - 23) with R = uh 2^c + 1
 * (uh in [2^(23-c), 2^(24-c)), so that R is a binary32 significand) and e
 * chosen so that |x| is 2^(32 + c) times smaller than the quantum: frac =
 * R 2^-(32+c), g = floor(uh / 2) is that case, and x rounds away from zero
 * exactly when R 2^(32-c) > u, that is when u's low word is below
 * 2^(32-c).  Element 37 of a block; positions are searched for both
 * outcomes, c in {1, 8}, formats int8, fp8_e4m3 and fp16, both signs;
 * results are checked against that rule and against the general kernel,
 * and through fpq_round_f32 / fpq_encode_f32 with the element first of a
 * call of 1 and of 600 elements. */
START_TEST(fused_sr_low_word)
{
    static const char *const names[] = {"int8", "fp8_e4m3", "fp16"};
    fpq_format f;
    ck_assert_int_eq(fpq_format_parse(&f, names[_i]), FPQ_OK);
    const fpq_rounding r = rounding(FPQ_RSR, FPQ_OVF_FORMAT);
    k32 lean, gen;
    plans(&f, &r, &lean, &gen);
    const int is_int = f.kind == FPQ_KIND_INT;
    /* sh = sh0 + (emin - e) below 2^emin; integers: sh0 = 0, emin = 23 */
    const int sh0 = is_int ? 0 : 23 - (int)f.mbits, emin = is_int ? 23 : (int)fpq_emin(&f);
    const double q = is_int ? 1.0 : ldexp(1.0, emin - (int)f.mbits);
    for (unsigned c = 1; c <= 8; c += 7) {
        const int e = emin - (32 + (int)c - sh0);
        int found[2] = {0, 0};
        for (uint64_t p = 37; p < (UINT64_C(1) << 32) && !(found[0] && found[1]); p++) {
            const uint64_t u = fpq_sr_bits(r.seed, p);
            const uint32_t uh = (uint32_t)(u >> 32), ul = (uint32_t)u;
            if (uh >> (23 - c) != 1)
                continue;
            const int up = ul < (UINT32_C(1) << (32 - c));
            if (found[up])
                continue;
            found[up] = 1;
            const double R = ldexp((double)uh, (int)c) + 1;
            for (int neg = 0; neg < 2; neg++) {
                const float xv = (float)ldexp(neg ? -R : R, e - 23);
                ck_assert_msg((double)fabsf(xv) == ldexp(R, e - 23), "not exact");
                float x[BLOCK];
                for (size_t i = 0; i < BLOCK; i++)
                    x[i] = (float)i / 7; /* other elements: anything */
                x[37] = xv;
                const fp_state fs = fp_enter();
                const size_t bad = compare_block(x, p - 37, &lean, &gen, &f, &r);
                if (bad < BLOCK) {
                    fp_leave(fs);
                    report(x, bad, p - 37, &lean, &gen, &f, &r, "low word");
                }
                float y[BLOCK];
                fpq_fast_k32_sr_round_block(y, x, fpq_sr_key(r.seed), p - 37, &lean, is_int);
                fp_leave(fs);
                const double want = up ? (neg ? -q : q) : 0.0;
                ck_assert_msg((double)y[37] == want, "%s, c %u, position %" PRIu64 ": %a rounds to %a, not %a",
                              f.name, c, p, (double)xv, (double)y[37], want);
                /* the public entry points, the element first of a call */
                fpq_rounding rp = r;
                rp.position = p;
                float *src = xcalloc(600, sizeof *src), *dst = xcalloc(600, sizeof *dst);
                uint8_t *codes = xcalloc(600, 8);
                for (size_t i = 0; i < 600; i++)
                    src[i] = x[(37 + i) % BLOCK];
                for (size_t n = 1; n <= 600; n += 599) {
                    ck_assert_int_eq(fpq_round_f32(dst, src, n, &f, &rp), FPQ_OK);
                    ck_assert_msg((double)dst[0] == want, "%s, fpq_round_f32 of %zu at %" PRIu64 ": %a, not %a",
                                  f.name, n, p, (double)dst[0], want);
                    ck_assert_int_eq(fpq_encode_f32(codes, src, n, &f, &rp), FPQ_OK);
                    uint32_t cg[BLOCK];
                    uint64_t u2[BLOCK];
                    fpq_fast_sr_draws(u2, fpq_sr_key(r.seed), p - 37, BLOCK);
                    fpq_fast_k32_encode_block(cg, x, u2, &gen, is_int, FPQ_RSR);
                    uint64_t code = 0;
                    memcpy(&code, codes, (size_t)(fpq_packed_size(&f, 1)));
                    ck_assert_msg(code == cg[37], "%s, fpq_encode_f32 of %zu at %" PRIu64 ": code 0x%" PRIx64
                                  ", general kernel 0x%" PRIx32, f.name, n, p, code, cg[37]);
                }
                free(src);
                free(dst);
                free(codes);
            }
        }
        ck_assert_msg(found[0] && found[1], "%s, c %u: no positions found", f.name, c);
    }
}
END_TEST

/* Whether FPQ_CHECK_LEAN_CASES (a comma-separated list of format/mode,
 * e.g. fp16/sr,int8/sr) names the case; unset: every case. */
static bool case_selected(const char *format, const char *mode)
{
    char want[64];
    snprintf(want, sizeof want, "%s/%s", format, mode);
    return selected("FPQ_CHECK_LEAN_CASES", want);
}

/* FPQ_CHECK_EXHAUSTIVE=1: all 2^32 binary32 inputs in order of their bits
 * (position = the bits), case _i = format * NMODES + mode; only the formats
 * and modes named in FPQ_CHECK_LEAN_FORMATS and FPQ_CHECK_LEAN_MODES when
 * these are set (comma-separated names, as fpq_format_parse and
 * fpq_rnd_name spell them), the other cases passing at once. */
START_TEST(lean_equals_general_on_all_binary32)
{
    fpq_format f;
    ck_assert_int_eq(fpq_format_parse(&f, lean_formats[_i / NMODES]), FPQ_OK);
    if (!selected("FPQ_CHECK_LEAN_FORMATS", lean_formats[_i / NMODES]) ||
        !selected("FPQ_CHECK_LEAN_MODES", fpq_rnd_name(lean_modes[_i % NMODES])))
        return;
    const fpq_rounding r = rounding(lean_modes[_i % NMODES], FPQ_OVF_FORMAT);
    if (!case_selected(f.name, fpq_rnd_name(r.mode)))
        return;
    k32 lean, gen;
    plans(&f, &r, &lean, &gen);
    const int64_t nblocks = (int64_t)((UINT64_C(1) << 32) / BLOCK);
    uint64_t bad = UINT64_MAX, draws_bad = UINT64_MAX;
#pragma omp parallel for schedule(dynamic, 1024) reduction(min : bad, draws_bad)
    for (int64_t blk = 0; blk < nblocks; blk++) {
        const fp_state fs = fp_enter();
        const uint64_t pos = (uint64_t)blk * BLOCK;
        float x[BLOCK];
        for (size_t i = 0; i < BLOCK; i++) {
            const uint32_t w = (uint32_t)(pos + i);
            memcpy(&x[i], &w, 4);
        }
        const size_t i = compare_block(x, pos, &lean, &gen, &f, &r);
        if (i < BLOCK && pos + i < bad)
            bad = pos + i;
        if (r.mode == FPQ_RSR && blk % 4096 == 0) {
            /* the vectorised draws are fpq_sr_bits, the definition of record */
            uint64_t u[BLOCK];
            fpq_fast_sr_draws(u, fpq_sr_key(r.seed), pos, BLOCK);
            for (size_t j = 0; j < BLOCK; j++)
                if (u[j] != fpq_sr_bits(r.seed, pos + j) && pos + j < draws_bad)
                    draws_bad = pos + j;
        }
        fp_leave(fs);
    }
    ck_assert_msg(draws_bad == UINT64_MAX, "draw %" PRIu64 " of seed %" PRIu64 " is not fpq_sr_bits", draws_bad,
                  r.seed);
    if (bad == UINT64_MAX) /* a record of the long run, case by case */
        fprintf(stderr, "lean_exhaustive: %s %s: lean equals general on all 2^32 binary32 inputs\n", f.name,
                fpq_rnd_name(r.mode));
    if (bad != UINT64_MAX) {
        const uint64_t pos = bad / BLOCK * BLOCK;
        float x[BLOCK];
        for (size_t i = 0; i < BLOCK; i++) {
            const uint32_t w = (uint32_t)(pos + i);
            memcpy(&x[i], &w, 4);
        }
        const fp_state fs = fp_enter();
        (void)fs;
        report(x, (size_t)(bad - pos), pos, &lean, &gen, &f, &r, "all binary32");
    }
}
END_TEST

Suite *lean_suite(void)
{
    Suite *s = suite_create("lean");
    TCase *tc = fpq_check_tcase("lean_boundaries", 300);
    tcase_add_loop_test(tc, lean_equals_general_on_boundaries, 0, (int)NLEAN);
    suite_add_tcase(s, tc);
    tc = fpq_check_tcase("lean_sr_low_word", 300);
    tcase_add_loop_test(tc, fused_sr_low_word, 0, 3);
    suite_add_tcase(s, tc);
    if (fpq_check_exhaustive()) {
        tc = fpq_check_tcase_slow("lean_exhaustive", 14400);
        tcase_add_loop_test(tc, lean_equals_general_on_all_binary32, 0, (int)(NLEAN * NMODES));
        suite_add_tcase(s, tc);
    }
    return s;
}
