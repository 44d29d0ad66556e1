/* check_registry.c: the preset table, name parsing, and the published
 * constants of every preset.
 *
 * Every constant below is typed from the specification it cites (IEEE
 * 754-2019, OCP OFP8 1.0, OCP MX 1.0, QLoRA's NF4 table) as a
 * hex-float or exact literal; counts of patterns are derived by hand in the
 * comments.  None is computed by the library.
 */
#include "check_fpq.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NONE FPQ_NO_BITS
#define ANY_BIAS INT_MIN
#define QNAN (FPQ_NO_BITS - 1) /* "a quiet, positive NaN" (IEEE formats) */
#define NOVAL NAN              /* landmark that does not exist or is not pinned */

typedef struct preset_fact {
    const char *name;
    fpq_kind kind;
    unsigned bits;
    bool is_signed;
    unsigned ebits, mbits; /* floats only */
    int bias;              /* floats only; ANY_BIAS: not pinned by any spec */
    int specials;          /* -1: not pinned */
    bool subnormals;
    double max;
    uint64_t max_bits;
    double min_normal;
    uint64_t min_normal_bits;
    double min_sub;
    uint64_t min_sub_bits;
    uint64_t min_positive, lowest, one, zero, neg_zero, inf, nan;
    uint64_t n_finite, n_nan, n_inf;
} preset_fact;

#define F FPQ_KIND_FLOAT
#define I FPQ_KIND_INT
#define L FPQ_KIND_LUT
#define IEEE FPQ_SPECIALS_IEEE
#define FN FPQ_SPECIALS_FN
#define FNUZ FPQ_SPECIALS_FNUZ
#define FIN FPQ_SPECIALS_FINITE

/* Counts: an IEEE format of E exponent and M mantissa bits has 2*2^M patterns
 * with the exponent all ones: 2 Inf and 2*(2^M - 1) NaN.  fn has the two
 * all-ones magnitudes as NaN; fnuz has 0x80 only; finite formats none. */
static const preset_fact facts[] = {
    /* IEEE 754-2019 binary64: 2^64 - 2^53 finite, 2^53 - 2 NaN. */
    {"fp64", F, 64, true, 11, 52, 1023, IEEE, true,
     0x1.fffffffffffffp+1023, UINT64_C(0x7fefffffffffffff),
     0x1p-1022, UINT64_C(0x0010000000000000), 0x1p-1074, 1,
     1, UINT64_C(0xffefffffffffffff), UINT64_C(0x3ff0000000000000), 0,
     UINT64_C(0x8000000000000000), UINT64_C(0x7ff0000000000000), QNAN,
     UINT64_C(0xffe0000000000000), UINT64_C(0x1ffffffffffffe), 2},
    /* binary32: 2^32 - 2^24 finite, 2^24 - 2 NaN. */
    {"fp32", F, 32, true, 8, 23, 127, IEEE, true,
     0x1.fffffep+127, 0x7f7fffff, 0x1p-126, 0x00800000, 0x1p-149, 1,
     1, 0xff7fffff, 0x3f800000, 0, 0x80000000, 0x7f800000, QNAN,
     UINT64_C(4278190080), 16777214, 2},
    /* TF32: fp32's range, 10 mantissa bits, 19-bit patterns:
     * 2^19 - 2^11 finite, 2^11 - 2 NaN. */
    {"tf32", F, 19, true, 8, 10, 127, IEEE, true,
     0x1.ffcp+127, 0x3fbff, 0x1p-126, 0x400, 0x1p-136, 1,
     1, 0x7fbff, 0x1fc00, 0, 0x40000, 0x3fc00, QNAN,
     522240, 2046, 2},
    /* binary16: max 65504, 2^16 - 2^11 finite. */
    {"fp16", F, 16, true, 5, 10, 15, IEEE, true,
     0x1.ffcp+15, 0x7bff, 0x1p-14, 0x0400, 0x1p-24, 1,
     1, 0xfbff, 0x3c00, 0, 0x8000, 0x7c00, QNAN,
     63488, 2046, 2},
    /* bfloat16: 2^16 - 2^8 finite, 2^8 - 2 NaN. */
    {"bf16", F, 16, true, 8, 7, 127, IEEE, true,
     0x1.fep+127, 0x7f7f, 0x1p-126, 0x0080, 0x1p-133, 1,
     1, 0xff7f, 0x3f80, 0, 0x8000, 0x7f80, QNAN,
     65280, 254, 2},
    /* OCP OFP8 E4M3: S.1111.110 = 448, NaN S.1111.111 only. */
    {"fp8_e4m3", F, 8, true, 4, 3, 7, FN, true,
     0x1.cp+8, 0x7e, 0x1p-6, 0x08, 0x1p-9, 0x01,
     0x01, 0xfe, 0x38, 0x00, 0x80, NONE, 0x7f,
     254, 2, 0},
    /* OCP OFP8 E5M2: S.11110.11 = 57344, Inf S.11111.00, NaN S.11111.{01,10,11}. */
    {"fp8_e5m2", F, 8, true, 5, 2, 15, IEEE, true,
     0x1.cp+15, 0x7b, 0x1p-14, 0x04, 0x1p-16, 0x01,
     0x01, 0xfb, 0x3c, 0x00, 0x80, 0x7c, QNAN,
     248, 6, 2},
    /* e4m3fnuz: bias 8, max 1.875*2^7 = 240, NaN 0x80 only, no -0. */
    {"fp8_e4m3fnuz", F, 8, true, 4, 3, 8, FNUZ, true,
     0x1.ep+7, 0x7f, 0x1p-7, 0x08, 0x1p-10, 0x01,
     0x01, 0xff, 0x40, 0x00, NONE, NONE, 0x80,
     255, 1, 0},
    /* e5m2fnuz: bias 16, max 1.75*2^15 = 57344. */
    {"fp8_e5m2fnuz", F, 8, true, 5, 2, 16, FNUZ, true,
     0x1.cp+15, 0x7f, 0x1p-15, 0x04, 0x1p-17, 0x01,
     0x01, 0xff, 0x40, 0x00, NONE, NONE, 0x80,
     255, 1, 0},
    /* e4m3b11fnuz: bias 11, max 1.875*2^4 = 30. */
    {"fp8_e4m3b11fnuz", F, 8, true, 4, 3, 11, FNUZ, true,
     0x1.ep+4, 0x7f, 0x1p-10, 0x08, 0x1p-13, 0x01,
     0x01, 0xff, 0x58, 0x00, NONE, NONE, 0x80,
     255, 1, 0},
    /* e3m4 (IEEE-like): bias 3, max 1.9375*2^3 = 15.5, min sub 2^-6;
     * 2*16 all-ones patterns: 2 Inf, 30 NaN. */
    {"fp8_e3m4", F, 8, true, 3, 4, 3, IEEE, true,
     0x1.fp+3, 0x6f, 0x1p-2, 0x10, 0x1p-6, 0x01,
     0x01, 0xef, 0x30, 0x00, 0x80, 0x70, QNAN,
     224, 30, 2},
    /* OCP MX FP6 E2M3: bias 1, max 7.5, min subnormal 0.125. */
    {"fp6_e2m3", F, 6, true, 2, 3, 1, FIN, true,
     0x1.ep+2, 0x1f, 0x1p+0, 0x08, 0x1p-3, 0x01,
     0x01, 0x3f, 0x08, 0x00, 0x20, NONE, NONE,
     64, 0, 0},
    /* OCP MX FP6 E3M2: bias 3, max 28, min subnormal 0.0625. */
    {"fp6_e3m2", F, 6, true, 3, 2, 3, FIN, true,
     0x1.cp+4, 0x1f, 0x1p-2, 0x04, 0x1p-4, 0x01,
     0x01, 0x3f, 0x0c, 0x00, 0x20, NONE, NONE,
     64, 0, 0},
    /* OCP MX FP4 E2M1: bias 1, 0 0.5 1 1.5 2 3 4 6. */
    {"fp4_e2m1", F, 4, true, 2, 1, 1, FIN, true,
     0x1.8p+2, 0x7, 0x1p+0, 0x2, 0x1p-1, 0x1,
     0x1, 0xf, 0x2, 0x0, 0x8, NONE, NONE,
     16, 0, 0},
    /* FP4 E1M2 and E3M0: bias not standardised, shape checked elsewhere. */
    {"fp4_e1m2", F, 4, true, 1, 2, ANY_BIAS, FIN, true,
     NOVAL, 0x7, NOVAL, 0x4, NOVAL, 0x1,
     0x1, 0xf, NONE - 2, 0x0, 0x8, NONE, NONE,
     16, 0, 0},
    {"fp4_e3m0", F, 4, true, 3, 0, ANY_BIAS, FIN, true,
     NOVAL, 0x7, NOVAL, 0x1, NOVAL, NONE,
     0x1, 0xf, NONE - 2, 0x0, 0x8, NONE, NONE,
     16, 0, 0},
    /* OCP MX E8M0: unsigned, 2^(e-127) for e = 0..254, 0xff NaN, no zero. */
    {"e8m0", F, 8, false, 8, 0, 127, -1, false,
     0x1p+127, 0xfe, 0x1p-127, 0x00, NOVAL, NONE,
     0x00, 0x00, 0x7f, NONE, NONE, NONE, 0xff,
     255, 1, 0},
    {"int8", I, 8, true, 0, 0, ANY_BIAS, -1, false,
     127, 0x7f, NOVAL, NONE - 2, NOVAL, NONE - 2,
     0x01, 0x80, 0x01, 0x00, NONE, NONE, NONE,
     256, 0, 0},
    {"uint8", I, 8, false, 0, 0, ANY_BIAS, -1, false,
     255, 0xff, NOVAL, NONE - 2, NOVAL, NONE - 2,
     0x01, 0x00, 0x01, 0x00, NONE, NONE, NONE,
     256, 0, 0},
    {"int4", I, 4, true, 0, 0, ANY_BIAS, -1, false,
     7, 0x7, NOVAL, NONE - 2, NOVAL, NONE - 2,
     0x1, 0x8, 0x1, 0x0, NONE, NONE, NONE,
     16, 0, 0},
    {"uint4", I, 4, false, 0, 0, ANY_BIAS, -1, false,
     15, 0xf, NOVAL, NONE - 2, NOVAL, NONE - 2,
     0x1, 0x0, 0x1, 0x0, NONE, NONE, NONE,
     16, 0, 0},
    {"int2", I, 2, true, 0, 0, ANY_BIAS, -1, false,
     1, 0x1, NOVAL, NONE - 2, NOVAL, NONE - 2,
     0x1, 0x2, 0x1, 0x0, NONE, NONE, NONE,
     4, 0, 0},
    {"uint2", I, 2, false, 0, 0, ANY_BIAS, -1, false,
     3, 0x3, NOVAL, NONE - 2, NOVAL, NONE - 2,
     0x1, 0x0, 0x1, 0x0, NONE, NONE, NONE,
     4, 0, 0},
    /* NF4: 16 float32 values, -1 .. 1, zero at code 7. */
    {"nf4", L, 4, true, 0, 0, ANY_BIAS, -1, false,
     1, 0xf, NOVAL, NONE - 2, NOVAL, NONE - 2,
     0x8, 0x0, 0xf, 0x7, NONE, NONE, NONE,
     16, 0, 0},
};
/* NONE - 2 in a bits field: not pinned (ints and tables have no normal /
 * subnormal landmark, and E1M2/E3M0 have no agreed bias). */
#define UNPINNED (FPQ_NO_BITS - 2)

static const size_t nfacts = sizeof facts / sizeof facts[0];

/* Decode bits exactly into a 64-bit mpfr_t and compare with d (hex literal). */
static void expect_value(const fpq_format *f, uint64_t bits, double d,
                         const char *what)
{
    mpfr_t v;
    mpfr_init2(v, 64);
    fpq_class cls;
    int t = 12345;
    int st = fpq_decode(v, &cls, &t, f, bits);
    FPQ_CHECK(st == FPQ_OK, "%s: fpq_decode(%s, 0x%" PRIx64 ") returned %d",
              f->name, what, bits, st);
    FPQ_CHECK(t == 0, "%s: %s decode not exact (ternary %d)", f->name, what, t);
    FPQ_CHECK(mpfr_cmp_d(v, d) == 0 && !mpfr_nan_p(v),
              "%s: %s at 0x%" PRIx64 " decodes to %s, expected %a", f->name,
              what, bits, fpq_check_str(v), d);
    mpfr_clear(v);
}

static void expect_bits(const char *fname, const char *what, uint64_t got,
                        uint64_t want)
{
    if (want == UNPINNED)
        return;
    FPQ_CHECK(got == want, "%s: landmark %s is 0x%" PRIx64 ", expected 0x%" PRIx64,
              fname, what, got, want);
}

/* ---------------------------------------------------------------------- */

START_TEST(every_preset_parses_by_its_name_and_every_alias)
{
    const fpq_format *p = &fpq_presets[_i];
    fpq_format out;
    char upper[FPQ_NAME_MAX + 8];

    ck_assert_int_eq(fpq_format_parse(&out, p->name), FPQ_OK);
    ck_assert_str_eq(out.name, p->name);
    ck_assert_int_eq(out.kind, p->kind);
    ck_assert_uint_eq(out.bits, p->bits);
    ck_assert_int_eq(out.bias, p->bias);
    ck_assert_int_eq(out.specials, p->specials);

    size_t n = strlen(p->name);
    ck_assert_uint_lt(n, sizeof upper);
    for (size_t k = 0; k <= n; k++)
        upper[k] = (char)(p->name[k] >= 'a' && p->name[k] <= 'z'
                              ? p->name[k] - 'a' + 'A' : p->name[k]);
    ck_assert_msg(fpq_format_parse(&out, upper) == FPQ_OK &&
                      strcmp(out.name, p->name) == 0,
                  "upper-case %s does not parse to %s", upper, p->name);

    for (size_t a = 0; a < FPQ_ALIASES_MAX && p->aliases[a] != NULL; a++) {
        ck_assert_msg(p->aliases[a][0] != '\0', "%s: empty alias %zu",
                      p->name, a);
        int st = fpq_format_parse(&out, p->aliases[a]);
        ck_assert_msg(st == FPQ_OK && strcmp(out.name, p->name) == 0,
                      "alias %s of %s parses to %s (status %d)", p->aliases[a],
                      p->name, st == FPQ_OK ? out.name : "-", st);
    }
}
END_TEST

START_TEST(names_and_aliases_are_unique_across_presets)
{
    for (size_t i = 0; i < fpq_npresets; i++) {
        const fpq_format *p = &fpq_presets[i];
        const char *ni[1 + FPQ_ALIASES_MAX] = {p->name};
        size_t ci = 1;
        for (size_t a = 0; a < FPQ_ALIASES_MAX && p->aliases[a]; a++)
            ni[ci++] = p->aliases[a];
        for (size_t j = i + 1; j < fpq_npresets; j++) {
            const fpq_format *q = &fpq_presets[j];
            const char *nj[1 + FPQ_ALIASES_MAX] = {q->name};
            size_t cj = 1;
            for (size_t a = 0; a < FPQ_ALIASES_MAX && q->aliases[a]; a++)
                nj[cj++] = q->aliases[a];
            for (size_t x = 0; x < ci; x++)
                for (size_t y = 0; y < cj; y++)
                    ck_assert_msg(strcasecmp(ni[x], nj[y]) != 0,
                                  "name %s is used by both %s and %s", ni[x],
                                  p->name, q->name);
        }
    }
}
END_TEST

START_TEST(every_preset_of_the_design_is_present)
{
    static const char *const design[] = {
        "fp64", "fp32", "tf32", "fp16", "bf16", "fp8_e4m3", "fp8_e5m2",
        "fp8_e4m3fnuz", "fp8_e5m2fnuz", "fp8_e4m3b11fnuz", "fp8_e3m4",
        "fp6_e2m3", "fp6_e3m2", "fp4_e2m1", "fp4_e1m2", "fp4_e3m0", "e8m0",
        "int8", "uint8", "int4", "uint4", "int2", "uint2", "nf4"};
    for (size_t k = 0; k < sizeof design / sizeof design[0]; k++)
        ck_assert_msg(fpq_check_preset(design[k]) != NULL,
                      "preset %s missing", design[k]);
    /* every preset is covered by the facts table below */
    for (size_t i = 0; i < fpq_npresets; i++) {
        bool found = false;
        for (size_t k = 0; k < nfacts; k++)
            found |= strcmp(facts[k].name, fpq_presets[i].name) == 0;
        ck_assert_msg(found, "preset %s has no hand-derived facts in "
                             "check_registry.c", fpq_presets[i].name);
    }
}
END_TEST

START_TEST(every_preset_passes_validate)
{
    const fpq_format *p = &fpq_presets[_i];
    ck_assert_msg(fpq_format_validate(p) == FPQ_OK, "%s refused", p->name);
    ck_assert_msg(p->bits >= 2 && p->bits <= 64, "%s: bits %u", p->name,
                  p->bits);
}
END_TEST

START_TEST(preset_fields_match_the_published_definition)
{
    const preset_fact *x = &facts[_i];
    const fpq_format *f = fpq_check_need(x->name);

    ck_assert_int_eq(f->kind, x->kind);
    ck_assert_uint_eq(f->bits, x->bits);
    if (x->kind != FPQ_KIND_LUT)
        ck_assert_int_eq(f->is_signed, x->is_signed);
    if (x->kind == FPQ_KIND_FLOAT) {
        ck_assert_uint_eq(f->ebits, x->ebits);
        ck_assert_uint_eq(f->mbits, x->mbits);
        ck_assert_int_eq(f->subnormals, x->subnormals);
        if (x->bias != ANY_BIAS)
            ck_assert_int_eq(f->bias, x->bias);
        if (x->specials >= 0)
            ck_assert_int_eq(f->specials, x->specials);
        ck_assert_int_eq(fpq_format_precision(f), (long)x->mbits + 1);
    } else if (x->kind == FPQ_KIND_INT) {
        ck_assert_int_eq(fpq_format_precision(f), (long)x->bits);
    } else {
        ck_assert_int_eq(fpq_format_precision(f), 24);
        ck_assert_ptr_nonnull(f->lut);
    }
    ck_assert_uint_eq(fpq_format_hex_digits(f), (x->bits + 3) / 4);
}
END_TEST

START_TEST(landmarks_match_the_published_constants)
{
    const preset_fact *x = &facts[_i];
    const fpq_format *f = fpq_check_need(x->name);
    fpq_landmarks lm;
    ck_assert_int_eq(fpq_landmarks_get(&lm, f), FPQ_OK);

    expect_bits(f->name, "max_finite", lm.max_finite, x->max_bits);
    expect_bits(f->name, "min_normal", lm.min_normal, x->min_normal_bits);
    expect_bits(f->name, "min_subnormal", lm.min_subnormal, x->min_sub_bits);
    expect_bits(f->name, "min_positive", lm.min_positive, x->min_positive);
    expect_bits(f->name, "lowest", lm.lowest, x->lowest);
    expect_bits(f->name, "one", lm.one, x->one);
    expect_bits(f->name, "zero", lm.zero, x->zero);
    expect_bits(f->name, "neg_zero", lm.neg_zero, x->neg_zero);
    expect_bits(f->name, "inf", lm.inf, x->inf);

    if (!isnan(x->max))
        expect_value(f, x->max_bits, x->max, "max finite");
    if (!isnan(x->max))
        expect_value(f, lm.lowest, x->kind == FPQ_KIND_INT && !x->is_signed
                                       ? 0.0
                                       : x->kind == FPQ_KIND_INT
                                             ? -x->max - 1
                                             : x->is_signed ? -x->max
                                                            : x->min_normal,
                     "lowest");
    if (!isnan(x->min_normal))
        expect_value(f, x->min_normal_bits, x->min_normal, "min normal");
    if (!isnan(x->min_sub))
        expect_value(f, x->min_sub_bits, x->min_sub, "min subnormal");
    if (x->one != UNPINNED && x->one != NONE)
        expect_value(f, x->one, 1.0, "one");

    /* NaN: the pinned pattern, or for IEEE formats a positive quiet NaN. */
    if (x->nan == QNAN) {
        fpq_class c;
        ck_assert_uint_ne(lm.nan, NONE);
        ck_assert_int_eq(fpq_classify(&c, f, lm.nan), FPQ_OK);
        ck_assert_int_eq(c, FPQ_CLASS_NAN);
        ck_assert_msg((lm.nan >> (f->bits - 1)) == 0, "%s: NaN 0x%" PRIx64
                      " is negative", f->name, lm.nan);
        ck_assert_msg((lm.nan >> (f->mbits - 1)) & 1, "%s: NaN 0x%" PRIx64
                      " is not quiet", f->name, lm.nan);
    } else {
        expect_bits(f->name, "nan", lm.nan, x->nan);
    }

    /* Counts (hand-derived above); the total wraps for 64-bit patterns. */
    ck_assert_msg(lm.n_finite == x->n_finite, "%s: n_finite %" PRIu64
                  ", expected %" PRIu64, f->name, lm.n_finite, x->n_finite);
    ck_assert_msg(lm.n_nan == x->n_nan, "%s: n_nan %" PRIu64 ", expected %" PRIu64,
                  f->name, lm.n_nan, x->n_nan);
    ck_assert_msg(lm.n_inf == x->n_inf, "%s: n_inf %" PRIu64 ", expected %" PRIu64,
                  f->name, lm.n_inf, x->n_inf);
    if (x->bits < 64)
        ck_assert_uint_eq(lm.n_patterns, UINT64_C(1) << x->bits);
}
END_TEST

START_TEST(ocp_e4m3_has_nan_only_at_0x7f_and_0xff)
{
    const fpq_format *f = fpq_check_need("fp8_e4m3");
    for (uint64_t b = 0; b < 256; b++) {
        fpq_class c;
        ck_assert_int_eq(fpq_classify(&c, f, b), FPQ_OK);
        bool nan = b == 0x7f || b == 0xff;
        ck_assert_msg((c == FPQ_CLASS_NAN) == nan, "e4m3 0x%02" PRIx64
                      " class %d", b, (int)c);
        ck_assert_msg(c != FPQ_CLASS_INF, "e4m3 has no Inf (0x%02" PRIx64 ")", b);
    }
    expect_value(f, 0x07, 0x1.cp-7, "max subnormal 0.875*2^-6");
    expect_value(f, 0xfe, -0x1.cp+8, "-448");
    expect_value(f, 0x7d, 0x1.ap+8, "416");
}
END_TEST

START_TEST(ocp_e5m2_has_inf_at_0x7c_and_nan_above)
{
    const fpq_format *f = fpq_check_need("fp8_e5m2");
    for (uint64_t b = 0x7c; b <= 0x7f; b++) {
        for (uint64_t s = 0; s <= 0x80; s += 0x80) {
            fpq_class c;
            ck_assert_int_eq(fpq_classify(&c, f, b | s), FPQ_OK);
            ck_assert_int_eq(c, b == 0x7c ? FPQ_CLASS_INF : FPQ_CLASS_NAN);
        }
    }
    expect_value(f, 0x03, 0x1.8p-15, "max subnormal 0.75*2^-14");
    expect_value(f, 0x7a, 0x1.8p+15, "49152");
}
END_TEST

START_TEST(fnuz_formats_have_one_nan_at_0x80_and_no_negative_zero)
{
    static const char *const names[] = {"fp8_e4m3fnuz", "fp8_e5m2fnuz",
                                        "fp8_e4m3b11fnuz"};
    for (size_t k = 0; k < 3; k++) {
        const fpq_format *f = fpq_check_need(names[k]);
        for (uint64_t b = 0; b < 256; b++) {
            fpq_class c;
            mpfr_t v;
            mpfr_init2(v, 64);
            ck_assert_int_eq(fpq_decode(v, &c, NULL, f, b), FPQ_OK);
            if (b == 0x80)
                ck_assert_msg(c == FPQ_CLASS_NAN && mpfr_nan_p(v),
                              "%s: 0x80 is not NaN", f->name);
            else
                ck_assert_msg(c != FPQ_CLASS_NAN && c != FPQ_CLASS_INF &&
                                  mpfr_number_p(v),
                              "%s: 0x%02" PRIx64 " is not a number", f->name, b);
            if (c == FPQ_CLASS_ZERO)
                ck_assert_msg(b == 0 && !mpfr_signbit(v),
                              "%s: zero at 0x%02" PRIx64, f->name, b);
            mpfr_clear(v);
        }
    }
}
END_TEST

START_TEST(ocp_e2m1_decodes_to_the_published_table)
{
    /* OCP MX 1.0, FP4 E2M1: 0, 0.5, 1, 1.5, 2, 3, 4, 6 and negatives. */
    static const double mag[8] = {0x0p+0, 0x1p-1, 0x1p+0, 0x1.8p+0,
                                  0x1p+1, 0x1.8p+1, 0x1p+2, 0x1.8p+2};
    const fpq_format *f = fpq_check_need("fp4_e2m1");
    for (uint64_t b = 0; b < 16; b++) {
        mpfr_t v;
        mpfr_init2(v, 8);
        fpq_class c;
        ck_assert_int_eq(fpq_decode(v, &c, NULL, f, b), FPQ_OK);
        double want = b < 8 ? mag[b] : -mag[b - 8];
        ck_assert_msg(mpfr_cmp_d(v, want) == 0, "e2m1 0x%" PRIx64 " = %s",
                      b, fpq_check_str(v));
        ck_assert_msg(!!mpfr_signbit(v) == (b >= 8), "e2m1 0x%" PRIx64
                      " sign", b);
        ck_assert_int_eq(c, (b & 7) == 0 ? FPQ_CLASS_ZERO
                            : (b & 7) == 1 ? FPQ_CLASS_SUBNORMAL
                                           : FPQ_CLASS_NORMAL);
        mpfr_clear(v);
    }
}
END_TEST

START_TEST(e8m0_is_every_power_of_two_from_2m127_to_2p127_and_nan_at_0xff)
{
    const fpq_format *f = fpq_check_need("e8m0");
    for (uint64_t e = 0; e < 255; e++) {
        fpq_class c;
        ck_assert_int_eq(fpq_classify(&c, f, e), FPQ_OK);
        ck_assert_int_eq(c, FPQ_CLASS_NORMAL);
        expect_value(f, e, ldexp(1.0, (int)e - 127), "2^(e-127)");
    }
    fpq_class c;
    ck_assert_int_eq(fpq_classify(&c, f, 0xff), FPQ_OK);
    ck_assert_int_eq(c, FPQ_CLASS_NAN);
    ck_assert_int_eq(fpq_classify(&c, f, 0x100), FPQ_ERR_BITS_WIDE);
}
END_TEST

static double decode_d(const fpq_format *f, uint64_t b)
{
    mpfr_t v;
    mpfr_init2(v, 64);
    ck_assert_int_eq(fpq_decode(v, NULL, NULL, f, b), FPQ_OK);
    double d = mpfr_get_d(v, MPFR_RNDN);
    mpfr_clear(v);
    return d;
}

START_TEST(e1m2_is_a_uniform_grid_of_eight_magnitudes)
{
    const fpq_format *f = fpq_check_need("fp4_e1m2");
    double step = decode_d(f, 1);
    ck_assert_msg(step > 0, "e1m2 code 1 = %a", step);
    for (uint64_t k = 0; k < 8; k++) {
        ck_assert_msg(decode_d(f, k) == (double)k * step, "code %" PRIu64, k);
        ck_assert_msg(decode_d(f, 8 + k) == -(double)k * step, "code %" PRIu64,
                      8 + k);
    }
}
END_TEST

START_TEST(e3m0_is_zero_and_seven_powers_of_two)
{
    const fpq_format *f = fpq_check_need("fp4_e3m0");
    double lo = decode_d(f, 1);
    ck_assert_msg(lo > 0 && decode_d(f, 0) == 0, "e3m0 codes 0/1");
    for (uint64_t k = 1; k < 8; k++) {
        ck_assert_msg(decode_d(f, k) == ldexp(lo, (int)k - 1), "code %" PRIu64, k);
        ck_assert_msg(decode_d(f, 8 + k) == -ldexp(lo, (int)k - 1),
                      "code %" PRIu64, 8 + k);
    }
}
END_TEST

/* QLoRA NF4 table, as published (float32 values printed as float64). */
static const char *const nf4_published[16] = {
    "-1.0", "-0.6961928009986877", "-0.5250730514526367",
    "-0.39491748809814453", "-0.28444138169288635", "-0.18477343022823334",
    "-0.09105003625154495", "0.0", "0.07958029955625534",
    "0.16093020141124725", "0.24611230194568634", "0.33791524171829224",
    "0.44070982933044434", "0.5626170039176941", "0.7229568362236023", "1.0"};

START_TEST(nf4_decodes_to_the_published_float32_values)
{
    const fpq_format *f = fpq_check_need("nf4");
    for (uint64_t k = 0; k < 16; k++) {
        double d = strtod(nf4_published[k], NULL);
        float fl = (float)d;
        ck_assert_msg((double)fl == d, "published %s is not a float32",
                      nf4_published[k]);
        mpfr_t v;
        mpfr_init2(v, 24);
        int t = 1;
        ck_assert_int_eq(fpq_decode(v, NULL, &t, f, k), FPQ_OK);
        ck_assert_int_eq(t, 0);
        ck_assert_msg(mpfr_cmp_d(v, (double)fl) == 0,
                      "nf4 code %" PRIu64 ": %s, published %s", k,
                      fpq_check_str(v),
                      nf4_published[k]);
        mpfr_clear(v);
    }
}
END_TEST

START_TEST(integer_presets_cover_their_published_ranges)
{
    static const struct { const char *name; long lo, hi; } r[] = {
        {"int8", -128, 127}, {"uint8", 0, 255}, {"int4", -8, 7},
        {"uint4", 0, 15},    {"int2", -2, 1},   {"uint2", 0, 3}};
    for (size_t k = 0; k < sizeof r / sizeof r[0]; k++) {
        const fpq_format *f = fpq_check_need(r[k].name);
        uint64_t n = UINT64_C(1) << f->bits;
        ck_assert_uint_eq((uint64_t)(r[k].hi - r[k].lo + 1), n);
        for (uint64_t b = 0; b < n; b++) {
            /* two's complement by hand */
            long want = r[k].lo < 0 && b >= n / 2 ? (long)b - (long)n : (long)b;
            ck_assert_msg(decode_d(f, b) == (double)want,
                          "%s code %" PRIu64 " != %ld", f->name, b, want);
        }
    }
}
END_TEST

/* Custom spellings ---------------------------------------------------------- */

typedef struct spelling {
    const char *text;
    fpq_kind kind;
    unsigned bits;
    bool is_signed;
    unsigned ebits, mbits;
    int bias;
    fpq_specials specials;
} spelling;

static const spelling spellings[] = {
    /* default bias 2^(E-1)-1; specials ieee at >= 8 bits, finite below */
    {"e5m4", F, 10, true, 5, 4, 15, IEEE},
    {"e3m3fn", F, 7, true, 3, 3, 3, FN},
    {"e4m2fnuz", F, 7, true, 4, 2, 7, FNUZ},
    {"e2m2", F, 5, true, 2, 2, 1, FIN},
    {"e6m9b20", F, 16, true, 6, 9, 20, IEEE},
    {"e3m1b2finite", F, 5, true, 3, 1, 2, FIN},
    {"e5m10", F, 16, true, 5, 10, 15, IEEE},
    {"e8m23", F, 32, true, 8, 23, 127, IEEE},
    {"e11m52", F, 64, true, 11, 52, 1023, IEEE},
    {"e8m7", F, 16, true, 8, 7, 127, IEEE},
    {"e2m1ieee", F, 4, true, 2, 1, 1, IEEE},
    {"e4m3b9fn", F, 8, true, 4, 3, 9, FN},
    {"e5m3", F, 9, true, 5, 3, 15, IEEE},
    {"e3m3", F, 7, true, 3, 3, 3, FIN},
    {"int3", I, 3, true, 0, 0, 0, FIN},
    {"uint5", I, 5, false, 0, 0, 0, FIN},
    {"int12", I, 12, true, 0, 0, 0, FIN},
    {"int32", I, 32, true, 0, 0, 0, FIN},
    {"uint32", I, 32, false, 0, 0, 0, FIN},
};

START_TEST(custom_spellings_parse_to_their_fields)
{
    const spelling *s = &spellings[_i];
    fpq_format f;
    int st = fpq_format_parse(&f, s->text);
    ck_assert_msg(st == FPQ_OK, "%s: status %d", s->text, st);
    ck_assert_int_eq(f.kind, s->kind);
    ck_assert_uint_eq(f.bits, s->bits);
    ck_assert_int_eq(f.is_signed, s->is_signed);
    if (s->kind == FPQ_KIND_FLOAT) {
        ck_assert_uint_eq(f.ebits, s->ebits);
        ck_assert_uint_eq(f.mbits, s->mbits);
        ck_assert_int_eq(f.bias, s->bias);
        ck_assert_int_eq(f.specials, s->specials);
        ck_assert_int_eq(f.subnormals, true);
    }
    ck_assert_int_eq(fpq_format_validate(&f), FPQ_OK);
}
END_TEST

START_TEST(preset_short_names_give_the_preset)
{
    static const struct { const char *text, *preset; } m[] = {
        {"e4m3", "fp8_e4m3"}, {"e4m3fn", "fp8_e4m3"}, {"E4M3FN", "fp8_e4m3"},
        {"e2m1", "fp4_e2m1"}, {"e8m0", "e8m0"}};
    for (size_t k = 0; k < sizeof m / sizeof m[0]; k++) {
        fpq_format f;
        int st = fpq_format_parse(&f, m[k].text);
        ck_assert_msg(st == FPQ_OK && strcmp(f.name, m[k].preset) == 0,
                      "%s parses to %s (status %d), expected preset %s",
                      m[k].text, st == FPQ_OK ? f.name : "-", st, m[k].preset);
        /* and it is that preset's definition: OCP E4M3 is fn, max 448 */
        const fpq_format *p = fpq_check_need(m[k].preset);
        ck_assert_int_eq(f.specials, p->specials);
        ck_assert_int_eq(f.bias, p->bias);
        ck_assert_uint_eq(f.bits, p->bits);
    }
}
END_TEST

START_TEST(invalid_spellings_are_refused_with_the_right_code)
{
    static const struct { const char *text; int status; } bad[] = {
        /* eXmY / intN spellings with fields out of range */
        {"e0m3", FPQ_ERR_BAD_FORMAT},    {"e12m3", FPQ_ERR_BAD_FORMAT},
        {"e4m53", FPQ_ERR_BAD_FORMAT},   {"e11m53", FPQ_ERR_BAD_FORMAT},
        {"int1", FPQ_ERR_BAD_FORMAT},    {"int33", FPQ_ERR_BAD_FORMAT},
        {"int0", FPQ_ERR_BAD_FORMAT},    {"uint1", FPQ_ERR_BAD_FORMAT},
        {"uint33", FPQ_ERR_BAD_FORMAT},
        /* a bias marker without a bias: a spelling with a bad field */
        {"e4m3b", FPQ_ERR_BAD_FORMAT},
        /* not a spelling at all */
        {"garbage", FPQ_ERR_UNKNOWN_FORMAT},
        {"", FPQ_ERR_UNKNOWN_FORMAT},        {"e4", FPQ_ERR_UNKNOWN_FORMAT},
        {"e4m", FPQ_ERR_UNKNOWN_FORMAT},     {"m3", FPQ_ERR_UNKNOWN_FORMAT},
        {"int", FPQ_ERR_UNKNOWN_FORMAT},     {"intx", FPQ_ERR_UNKNOWN_FORMAT},
        {"e4m3fnx", FPQ_ERR_UNKNOWN_FORMAT}, {"fp7", FPQ_ERR_UNKNOWN_FORMAT},
        {"fp16x", FPQ_ERR_UNKNOWN_FORMAT},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        fpq_format f;
        int st = fpq_format_parse(&f, bad[k].text);
        ck_assert_msg(st == bad[k].status, "\"%s\": status %d (%s), expected %d (%s)",
                      bad[k].text, st, fpq_strerror(st), bad[k].status,
                      fpq_strerror(bad[k].status));
    }
}
END_TEST

START_TEST(suggest_returns_the_closest_preset_names_first)
{
    static const struct { const char *typo, *want; } m[] = {
        {"fp8_e4m3fnuzz", "fp8_e4m3fnuz"}, {"fp8_e5m2fnuzz", "fp8_e5m2fnuz"},
        {"bf17", "bf16"}, {"fp32x", "fp32"}, {"nf44", "nf4"},
        {"FP8_E4M3FNUZZ", "fp8_e4m3fnuz"}};
    for (size_t k = 0; k < sizeof m / sizeof m[0]; k++) {
        const char *out[4] = {NULL, NULL, NULL, NULL};
        size_t n = fpq_format_suggest(out, 3, m[k].typo);
        ck_assert_msg(n >= 1 && n <= 3, "%s: %zu suggestions", m[k].typo, n);
        for (size_t j = 0; j < n; j++) {
            fpq_format f;
            ck_assert_msg(out[j] != NULL &&
                              fpq_format_parse(&f, out[j]) == FPQ_OK,
                          "%s: suggestion %zu does not parse", m[k].typo, j);
        }
        ck_assert_ptr_null(out[3]);
        fpq_format f;
        fpq_format_parse(&f, out[0]);
        ck_assert_msg(strcmp(f.name, m[k].want) == 0,
                      "%s: first suggestion %s, expected %s", m[k].typo, out[0],
                      m[k].want);
    }
    const char *one[1] = {NULL};
    ck_assert_uint_eq(fpq_format_suggest(one, 0, "fp17"), 0);
    ck_assert_ptr_null(one[0]);
}
END_TEST

START_TEST(version_macros_agree_with_fpq_version)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%d.%d.%d", FPQ_VERSION_MAJOR, FPQ_VERSION_MINOR,
             FPQ_VERSION_PATCH);
    ck_assert_str_eq(buf, FPQ_VERSION_STRING);
    ck_assert_ptr_nonnull(fpq_version());
    ck_assert_str_eq(fpq_version(), FPQ_VERSION_STRING);
}
END_TEST

START_TEST(validate_refuses_inconsistent_structs)
{
    const fpq_format *h = fpq_check_need("fp16");
    fpq_format f;

    f = *h; f.ebits = 0; f.bits = 11;
    ck_assert_int_eq(fpq_format_validate(&f), FPQ_ERR_BAD_FORMAT);
    f = *h; f.ebits = 12; f.bits = 23;
    ck_assert_int_eq(fpq_format_validate(&f), FPQ_ERR_BAD_FORMAT);
    f = *h; f.mbits = 53; f.bits = 59;
    ck_assert_int_eq(fpq_format_validate(&f), FPQ_ERR_BAD_FORMAT);
    f = *h; f.bits = 17; /* not sign | exponent | mantissa */
    ck_assert_int_eq(fpq_format_validate(&f), FPQ_ERR_BAD_FORMAT);
    f = *h; f.specials = (fpq_specials)99;
    ck_assert_int_eq(fpq_format_validate(&f), FPQ_ERR_BAD_FORMAT);
    f = *h; f.kind = (fpq_kind)99;
    ck_assert_int_eq(fpq_format_validate(&f), FPQ_ERR_BAD_FORMAT);

    const fpq_format *i8 = fpq_check_need("int8");
    f = *i8; f.bits = 0;
    ck_assert_int_eq(fpq_format_validate(&f), FPQ_ERR_BAD_FORMAT);
    f = *i8; f.bits = 65;
    ck_assert_int_eq(fpq_format_validate(&f), FPQ_ERR_BAD_FORMAT);

    const fpq_format *nf = fpq_check_need("nf4");
    f = *nf; f.lut = NULL;
    ck_assert_int_eq(fpq_format_validate(&f), FPQ_ERR_BAD_FORMAT);
}
END_TEST

START_TEST(status_class_and_rounding_names_are_defined)
{
    for (int s = 0; s < FPQ_ERR_COUNT_; s++) {
        const char *t = fpq_strerror(s);
        ck_assert_msg(t != NULL && t[0] != '\0', "strerror(%d)", s);
        for (int u = 0; u < s; u++)
            ck_assert_msg(strcmp(t, fpq_strerror(u)) != 0,
                          "strerror(%d) == strerror(%d)", s, u);
    }
    ck_assert_ptr_nonnull(fpq_strerror(FPQ_ERR_COUNT_ + 7));
    ck_assert_ptr_nonnull(fpq_strerror(-1));

    ck_assert_str_eq(fpq_class_name(FPQ_CLASS_ZERO), "zero");
    ck_assert_str_eq(fpq_class_name(FPQ_CLASS_SUBNORMAL), "subnormal");
    ck_assert_str_eq(fpq_class_name(FPQ_CLASS_NORMAL), "normal");
    ck_assert_ptr_nonnull(fpq_class_name(FPQ_CLASS_INF));
    ck_assert_ptr_nonnull(fpq_class_name(FPQ_CLASS_NAN));

    static const char *const names[FPQ_RND_COUNT_] = {"rne", "rna", "rtz", "rup", "rdn",
                                                      "odd", "sr",  "sra", "srb", "src"};
    for (int r = 0; r < FPQ_RND_COUNT_; r++) {
        ck_assert_str_eq(fpq_rnd_name((fpq_rnd)r), names[r]);
        fpq_rnd back = FPQ_RND_COUNT_;
        ck_assert_int_eq(fpq_rnd_parse(&back, names[r]), FPQ_OK);
        ck_assert_int_eq(back, r);
    }
    fpq_rnd junk;
    ck_assert_int_ne(fpq_rnd_parse(&junk, "nearest-ish"), FPQ_OK);
    ck_assert_int_ne(fpq_rnd_parse(&junk, ""), FPQ_OK);

    fpq_rounding rd;
    memset(&rd, 0x55, sizeof rd);
    fpq_rounding_default(&rd);
    ck_assert_int_eq(rd.mode, FPQ_RNE);
    ck_assert_int_eq(rd.overflow, FPQ_OVF_FORMAT);
    ck_assert_int_eq(rd.int_symmetric, false);
    ck_assert_int_eq(fpq_rounding_validate(&rd), FPQ_OK);
    rd.mode = FPQ_RND_COUNT_;
    ck_assert_int_ne(fpq_rounding_validate(&rd), FPQ_OK);
    fpq_rounding_default(&rd);
    rd.overflow = (fpq_overflow)7;
    ck_assert_int_ne(fpq_rounding_validate(&rd), FPQ_OK);
}
END_TEST

START_TEST(kind_and_specials_names_are_the_spelled_ones)
{
    ck_assert_str_eq(fpq_kind_name(FPQ_KIND_FLOAT), "float");
    ck_assert_str_eq(fpq_kind_name(FPQ_KIND_INT), "int");
    ck_assert_str_eq(fpq_kind_name(FPQ_KIND_LUT), "lut");
    ck_assert_str_eq(fpq_kind_name((fpq_kind)9), "?");
    fpq_format f;
    static const struct { const char *name, *kind; } kinds[] = {
        {"fp16", "float"}, {"int8", "int"}, {"uint4", "uint"}, {"nf4", "lut"}, {"e8m0", "float"},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        ck_assert_int_eq(fpq_format_parse(&f, kinds[i].name), FPQ_OK);
        ck_assert_str_eq(fpq_format_kind_name(&f), kinds[i].kind);
    }

    static const char *const sp[] = {"ieee", "fn", "fnuz", "finite"};
    for (int k = 0; k < 4; k++) {
        ck_assert_str_eq(fpq_specials_name((fpq_specials)k), sp[k]);
        /* the name is the suffix the spelling parser reads */
        char name[32];
        snprintf(name, sizeof name, "e4m3%s", sp[k]);
        ck_assert_int_eq(fpq_format_parse(&f, name), FPQ_OK);
        ck_assert_int_eq(f.specials, k);
    }
    ck_assert_str_eq(fpq_specials_name((fpq_specials)9), "?");
}
END_TEST

START_TEST(host_width_is_binary32_or_binary64_by_fields)
{
    static const struct { const char *name; int width; } w[] = {
        {"fp32", 32}, {"binary32", 32}, {"e8m23", 32}, {"float", 32},
        {"fp64", 64}, {"double", 64}, {"e11m52", 64},
        {"fp16", 0}, {"bf16", 0}, {"tf32", 0}, {"e8m23fn", 0}, {"e8m23b126", 0},
        {"e11m52finite", 0}, {"int32", 0}, {"uint8", 0}, {"nf4", 0}, {"e8m0", 0},
    };
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
        fpq_format f;
        ck_assert_int_eq(fpq_format_parse(&f, w[i].name), FPQ_OK);
        ck_assert_msg(fpq_format_host_width(&f) == w[i].width, "%s: %d, want %d", w[i].name,
                      fpq_format_host_width(&f), w[i].width);
    }
    fpq_format f;
    ck_assert_int_eq(fpq_format_parse(&f, "fp32"), FPQ_OK);
    f.subnormals = false;
    ck_assert_int_eq(fpq_format_host_width(&f), 0);
    for (size_t i = 0; i < fpq_npresets; i++) {
        const char *nm = fpq_presets[i].name;
        int want = strcmp(nm, "fp32") == 0 ? 32 : strcmp(nm, "fp64") == 0 ? 64 : 0;
        ck_assert_msg(fpq_format_host_width(&fpq_presets[i]) == want, "%s", nm);
    }
}
END_TEST

START_TEST(rounding_mode_list_joins_the_names_in_order)
{
    char buf[128];
    ck_assert_uint_eq(fpq_rnd_list(buf, sizeof buf, ", "), strlen("rne, rna, rtz, rup, rdn, odd, sr, sra:N, srb:N, src:N"));
    ck_assert_str_eq(buf, "rne, rna, rtz, rup, rdn, odd, sr, sra:N, srb:N, src:N");
    ck_assert_uint_eq(fpq_rnd_list(buf, sizeof buf, "|"), strlen("rne|rna|rtz|rup|rdn|odd|sr|sra:N|srb:N|src:N"));
    ck_assert_str_eq(buf, "rne|rna|rtz|rup|rdn|odd|sr|sra:N|srb:N|src:N");
    /* snprintf contract: the full length, a truncated NUL-terminated text */
    ck_assert_uint_eq(fpq_rnd_list(NULL, 0, ", "), 53);
    memset(buf, 'x', sizeof buf);
    ck_assert_uint_eq(fpq_rnd_list(buf, 6, ", "), 53);
    ck_assert_str_eq(buf, "rne, ");
    ck_assert_uint_eq(fpq_rnd_list(buf, 1, ", "), 53);
    ck_assert_str_eq(buf, "");
}
END_TEST

START_TEST(seeds_are_decimal_or_hex_from_0_to_2p64_minus_1)
{
    static const struct { const char *text; uint64_t v; } good[] = {
        {"0", 0}, {"1", 1}, {"007", 7}, {"18446744073709551615", UINT64_MAX},
        {"0x0", 0}, {"0xff", 255}, {"0XfF", 255}, {"0xffffffffffffffff", UINT64_MAX},
        {"0x0123456789abcdef", UINT64_C(0x0123456789abcdef)},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        uint64_t v = 42;
        ck_assert_msg(fpq_seed_parse(&v, good[i].text, strlen(good[i].text)) == FPQ_OK, "%s", good[i].text);
        ck_assert_msg(v == good[i].v, "%s", good[i].text);
    }
    static const char *const bad[] = {
        "", "-1", "+1", " 1", "1 ", "1.0", "1e3", "0x", "0x-1", "0xg", "0x0x1", "x1",
        "18446744073709551616", "0x10000000000000000", "99999999999999999999999999999999",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint64_t v = 42;
        ck_assert_msg(fpq_seed_parse(&v, bad[i], strlen(bad[i])) == FPQ_ERR_PARSE, "'%s'", bad[i]);
        ck_assert_msg(v == 42, "'%s' changed the output", bad[i]);
    }
    /* only the len bytes count */
    uint64_t v = 0;
    ck_assert_int_eq(fpq_seed_parse(&v, "123,seed", 3), FPQ_OK);
    ck_assert_uint_eq(v, 123);
    ck_assert_int_eq(fpq_seed_parse(&v, "12x", 2), FPQ_OK);
    ck_assert_uint_eq(v, 12);
    ck_assert_int_eq(fpq_seed_parse(NULL, "1", 1), FPQ_ERR_ARG);
    ck_assert_int_eq(fpq_seed_parse(&v, NULL, 1), FPQ_ERR_ARG);
}
END_TEST

START_TEST(round_to_odd_finisher_sets_the_last_bit_of_a_truncation)
{
    mpfr_t x, a;
    mpfr_init2(x, 4);
    mpfr_init2(a, 64);
    /* 1 + 2^-5 truncates to 1 (last bit 0): odd is 1 + 2^-3, above */
    mpfr_set_d(a, 1.0 + 0x1p-5, MPFR_RNDN);
    int t = mpfr_set(x, a, MPFR_RNDZ);
    ck_assert_int_lt(t, 0);
    ck_assert_int_gt(fpq_mpfr_odd(x, t), 0);
    ck_assert(mpfr_cmp_d(x, 1.0 + 0x1p-3) == 0);
    /* negative: -(1 + 2^-5) gives -(1 + 2^-3), below */
    mpfr_neg(a, a, MPFR_RNDN);
    t = mpfr_set(x, a, MPFR_RNDZ);
    ck_assert_int_gt(t, 0);
    ck_assert_int_lt(fpq_mpfr_odd(x, t), 0);
    ck_assert(mpfr_cmp_d(x, -(1.0 + 0x1p-3)) == 0);
    /* 1.125 + 2^-5 truncates to 1.125 (last bit 1): kept */
    mpfr_set_d(a, 1.125 + 0x1p-5, MPFR_RNDN);
    t = mpfr_set(x, a, MPFR_RNDZ);
    ck_assert_int_lt(fpq_mpfr_odd(x, t), 0);
    ck_assert(mpfr_cmp_d(x, 1.125) == 0);
    /* exact: kept, ternary 0 */
    mpfr_set_d(a, 1.25, MPFR_RNDN);
    t = mpfr_set(x, a, MPFR_RNDZ);
    ck_assert_int_eq(fpq_mpfr_odd(x, t), 0);
    ck_assert(mpfr_cmp_d(x, 1.25) == 0);
    /* a zero with a nonzero ternary steps to the tiniest of the sign */
    mpfr_set_zero(x, 1);
    ck_assert_int_gt(fpq_mpfr_odd(x, -1), 0);
    ck_assert(mpfr_sgn(x) > 0 && mpfr_get_exp(x) == mpfr_get_emin());
    mpfr_set_zero(x, -1);
    ck_assert_int_lt(fpq_mpfr_odd(x, 1), 0);
    ck_assert(mpfr_sgn(x) < 0 && mpfr_get_exp(x) == mpfr_get_emin());
    /* NaN and Inf are left alone */
    mpfr_set_inf(x, 1);
    ck_assert_int_eq(fpq_mpfr_odd(x, 0), 0);
    ck_assert(mpfr_inf_p(x));
    mpfr_set_nan(x);
    fpq_mpfr_odd(x, 0);
    ck_assert(mpfr_nan_p(x));
    mpfr_clear(x);
    mpfr_clear(a);
}
END_TEST

START_TEST(epsilon_is_two_to_minus_mbits)
{
    static const struct { const char *name; double eps; } e[] = {
        {"fp64", 0x1p-52}, {"fp32", 0x1p-23}, {"tf32", 0x1p-10},
        {"fp16", 0x1p-10}, {"bf16", 0x1p-7},  {"fp8_e4m3", 0x1p-3},
        {"fp8_e5m2", 0x1p-2}, {"fp4_e2m1", 0x1p-1}, {"fp4_e3m0", 0x1p+0},
        {"e8m0", 0x1p+0}, {"int8", 1.0}, {"uint4", 1.0}};
    for (size_t k = 0; k < sizeof e / sizeof e[0]; k++) {
        mpfr_t v;
        mpfr_init2(v, 8);
        ck_assert_int_eq(fpq_epsilon(v, fpq_check_need(e[k].name)), 0);
        ck_assert_msg(mpfr_cmp_d(v, e[k].eps) == 0, "%s epsilon", e[k].name);
        mpfr_clear(v);
    }
}
END_TEST

/* Text output --------------------------------------------------------------- */

static void set_hex(mpfr_t x, const char *s)
{
    ck_assert_int_eq(mpfr_set_str(x, s, 0, MPFR_RNDN), 0);
}

START_TEST(bits_print_zero_padded_to_the_format_width)
{
    char buf[32];
    fpq_sprint_bits(buf, fpq_check_need("fp16"), 0x3c00);
    ck_assert_str_eq(buf, "0x3c00");
    fpq_sprint_bits(buf, fpq_check_need("fp16"), 0x1);
    ck_assert_str_eq(buf, "0x0001");
    fpq_sprint_bits(buf, fpq_check_need("fp4_e2m1"), 0x5);
    ck_assert_str_eq(buf, "0x5");
    fpq_sprint_bits(buf, fpq_check_need("fp6_e2m3"), 0x1f);
    ck_assert_str_eq(buf, "0x1f");
    fpq_sprint_bits(buf, fpq_check_need("tf32"), 0x1fc00);
    ck_assert_str_eq(buf, "0x1fc00");
    fpq_sprint_bits(buf, fpq_check_need("fp64"), 1);
    ck_assert_str_eq(buf, "0x0000000000000001");
    fpq_sprint_bits(buf, fpq_check_need("fp64"), UINT64_C(0xFFF8000000000000));
    ck_assert_str_eq(buf, "0xfff8000000000000");
}
END_TEST

START_TEST(exact_decimal_output_has_every_digit)
{
    mpfr_t x;
    mpfr_init2(x, 53);
    char buf[2048];

    mpfr_set_d(x, 0.1, MPFR_RNDN);
    size_t n = fpq_snprint_exact(buf, sizeof buf, x);
    ck_assert_str_eq(buf, "0.1000000000000000055511151231257827021181583404541015625");
    ck_assert_uint_eq(n, strlen(buf));

    mpfr_set_d(x, 448.0, MPFR_RNDN);
    fpq_snprint_exact(buf, sizeof buf, x);
    ck_assert_str_eq(buf, "448");
    mpfr_set_zero(x, -1);
    fpq_snprint_exact(buf, sizeof buf, x);
    ck_assert_str_eq(buf, "-0");
    mpfr_set_inf(x, 1);
    fpq_snprint_exact(buf, sizeof buf, x);
    ck_assert_str_eq(buf, "inf");
    mpfr_set_nan(x);
    fpq_snprint_exact(buf, sizeof buf, x);
    ck_assert_str_eq(buf, "nan");

    /* 2^-1074 = 4.9406564584124654...e-324: 751 significant digits, the
     * last ones ...7185...265625 (it is 5^1074 / 10^1074). */
    mpfr_set_d(x, 0x1p-1074, MPFR_RNDN);
    n = fpq_snprint_exact(buf, sizeof buf, x);
    ck_assert_uint_eq(n, strlen(buf));
    ck_assert_msg(strncmp(buf, "4.9406564584124654", 18) == 0, "%s", buf);
    ck_assert_msg(n > 5 && strcmp(buf + n - 5, "e-324") == 0, "%s", buf);
    ck_assert_msg(n > 11 && strncmp(buf + n - 11, "265625", 6) == 0, "%s", buf);
    /* digits between "4." and "e-324": 750 */
    ck_assert_uint_eq(n - 2 - 5, 750);

    /* snprintf contract: truncated, NUL-terminated, full length returned */
    mpfr_set_d(x, 0.1, MPFR_RNDN);
    char small[6];
    memset(small, 'x', sizeof small);
    n = fpq_snprint_exact(small, sizeof small, x);
    ck_assert_uint_eq(n, 57);
    ck_assert_str_eq(small, "0.100");
    ck_assert_uint_eq(fpq_snprint_exact(NULL, 0, x), 57);
    mpfr_clear(x);
}
END_TEST

START_TEST(hex_output_is_the_shortest_exact_hex_float)
{
    mpfr_t x;
    mpfr_init2(x, 53);
    char buf[64];
    static const struct { const char *in, *out; } h[] = {
        {"448", "0x1.cp+8"}, {"1", "0x1p+0"}, {"-0.75", "-0x1.8p-1"},
        {"0x1.999999999999ap-4", "0x1.999999999999ap-4"},
        {"0x1p-1074", "0x1p-1074"}, {"65504", "0x1.ffcp+15"}};
    for (size_t k = 0; k < sizeof h / sizeof h[0]; k++) {
        set_hex(x, h[k].in);
        size_t n = fpq_snprint_hex(buf, sizeof buf, x);
        ck_assert_str_eq(buf, h[k].out);
        ck_assert_uint_eq(n, strlen(h[k].out));
    }
    mpfr_set_zero(x, -1);
    fpq_snprint_hex(buf, sizeof buf, x);
    ck_assert_str_eq(buf, "-0x0p+0");
    mpfr_set_zero(x, 1);
    fpq_snprint_hex(buf, sizeof buf, x);
    ck_assert_str_eq(buf, "0x0p+0");
    mpfr_set_inf(x, 1);
    fpq_snprint_hex(buf, sizeof buf, x);
    ck_assert_str_eq(buf, "inf");
    mpfr_set_nan(x);
    fpq_snprint_hex(buf, sizeof buf, x);
    ck_assert_str_eq(buf, "nan");
    mpfr_clear(x);
}
END_TEST

/* ---- ml_dtypes names ------------------------------------------------------- */

/* Every ml_dtypes name fpq reads, the fpq format of the same values, and
 * the largest finite value ml_dtypes' README states (typed from it; NAN:
 * not stated there, integers: the range). */
static const struct {
    const char *ml, *fpq;
    double max;
} ml_names[] = {
    {"float8_e4m3fn", "fp8_e4m3", 448},     {"float8_e5m2", "fp8_e5m2", 57344},
    {"float8_e4m3fnuz", "fp8_e4m3fnuz", 240}, {"float8_e5m2fnuz", "fp8_e5m2fnuz", 57344},
    {"float8_e4m3b11fnuz", "fp8_e4m3b11fnuz", 30}, {"float8_e3m4", "fp8_e3m4", 15.5},
    {"float8_e4m3", "e4m3ieee", 240},        {"float8_e8m0fnu", "e8m0", 0x1p127},
    {"float6_e2m3fn", "fp6_e2m3", 7.5},      {"float6_e3m2fn", "fp6_e3m2", 28},
    {"float4_e2m1fn", "fp4_e2m1", 6},        {"bfloat16", "bf16", 0x1.fep127},
    {"float16", "fp16", 65504},              {"int2", "int2", 1},
    {"uint2", "uint2", 3},                   {"int4", "int4", 7},
    {"uint4", "uint4", 15},                  {"int8", "int8", 127},
    {"uint8", "uint8", 255},
};

/* The ml_dtypes name decodes every code as its fpq format does, and its
 * largest finite value is the one ml_dtypes states. */
START_TEST(ml_dtypes_names_decode_as_their_fpq_format)
{
    fpq_format a, b;
    ck_assert_msg(fpq_format_parse(&a, ml_names[_i].ml) == FPQ_OK, "%s", ml_names[_i].ml);
    ck_assert_int_eq(fpq_format_parse(&b, ml_names[_i].fpq), FPQ_OK);
    ck_assert_str_eq(a.name, b.name);
    ck_assert(a.bits <= 16);
    mpfr_t x, y;
    mpfr_inits2(64, x, y, (mpfr_ptr)0);
    double max = -INFINITY;
    for (uint64_t c = 0; c < (UINT64_C(1) << a.bits); c++) {
        fpq_class ca, cb;
        fpq_decode(x, &ca, NULL, &a, c);
        fpq_decode(y, &cb, NULL, &b, c);
        ck_assert_msg(ca == cb && (mpfr_nan_p(x) ? mpfr_nan_p(y) : mpfr_equal_p(x, y)
                                   && mpfr_signbit(x) == mpfr_signbit(y)),
                      "%s code %#llx", ml_names[_i].ml, (unsigned long long)c);
        if (mpfr_number_p(x) && mpfr_get_d(x, MPFR_RNDN) > max)
            max = mpfr_get_d(x, MPFR_RNDN);
    }
    ck_assert_msg(max == ml_names[_i].max, "%s: max %a, ml_dtypes says %a", ml_names[_i].ml, max,
                  ml_names[_i].max);
    mpfr_clears(x, y, (mpfr_ptr)0);
}
END_TEST

/* float8_e4m3 is IEEE-style: Inf at 0x78, NaN above; not OCP's E4M3. */
START_TEST(ml_dtypes_float8_e4m3_is_not_ocp_e4m3)
{
    fpq_format f;
    ck_assert_int_eq(fpq_format_parse(&f, "float8_e4m3"), FPQ_OK);
    ck_assert(f.specials == FPQ_SPECIALS_IEEE && f.bias == 7 && f.ebits == 4 && f.mbits == 3);
    fpq_class c;
    mpfr_t x;
    mpfr_init2(x, 64);
    fpq_decode(x, &c, NULL, &f, 0x78);
    ck_assert(c == FPQ_CLASS_INF && mpfr_sgn(x) > 0);
    fpq_decode(x, &c, NULL, &f, 0x79);
    ck_assert(c == FPQ_CLASS_NAN);
    mpfr_clear(x);
    /* the wide ml_dtypes names are the IEEE presets themselves */
    static const char *const wide[][2] = {{"float32", "fp32"}, {"float64", "fp64"}, {"float16", "fp16"}};
    for (size_t k = 0; k < sizeof wide / sizeof wide[0]; k++) {
        ck_assert_int_eq(fpq_format_parse(&f, wide[k][0]), FPQ_OK);
        ck_assert_str_eq(f.name, wide[k][1]);
    }
    /* names with no fpq format are refused with the reason */
    static const char *const refused[] = {"int1", "uint1", "INT1"};
    for (size_t k = 0; k < sizeof refused / sizeof refused[0]; k++) {
        ck_assert_int_eq(fpq_format_parse(&f, refused[k]), FPQ_ERR_BAD_FORMAT);
        const char *why = fpq_format_spelling_rule(refused[k]);
        ck_assert_msg(why && strstr(why, "has no fpq format"), "%s: %s", refused[k], why ? why : "(null)");
    }
    /* the table's targets parse; refused names have a note */
    for (size_t i = 0; i < fpq_nformat_aliases; i++) {
        ck_assert(fpq_format_aliases[i].note != NULL);
        if (fpq_format_aliases[i].target)
            ck_assert(fpq_format_parse(&f, fpq_format_aliases[i].target) == FPQ_OK);
        ck_assert_msg(fpq_format_parse(&f, fpq_format_aliases[i].name) != FPQ_ERR_UNKNOWN_FORMAT, "%s",
                      fpq_format_aliases[i].name);
    }
}
END_TEST

/* A family typed short suggests its members, in table order. */
START_TEST(suggest_lists_the_family_of_a_prefix)
{
    static const struct {
        const char *typo;
        size_t n;
        const char *want[7];
    } c[] = {
        {"fp8", 7, {"fp8_e4m3", "fp8_e5m2", "fp8_e4m3fnuz", "fp8_e5m2fnuz", "fp8_e4m3b11fnuz", "fp8_e3m4", "e8m0"}},
        {"float8", 7, {"fp8_e4m3", "fp8_e5m2", "fp8_e4m3fnuz", "fp8_e5m2fnuz", "fp8_e4m3b11fnuz", "fp8_e3m4", "e8m0"}},
        {"FP4", 3, {"fp4_e2m1", "fp4_e1m2", "fp4_e3m0"}},
        {"fp6", 3, {"fp6_e2m3", "fp6_e3m2", "fp64"}},
        {"int", 3, {"int8", "int4", "int2"}},
        {"float6", 3, {"fp6_e2m3", "fp6_e3m2", "fp64"}},
    };
    for (size_t k = 0; k < sizeof c / sizeof c[0]; k++) {
        const char *out[10] = {NULL};
        size_t n = fpq_format_suggest(out, 10, c[k].typo);
        ck_assert_msg(n == c[k].n, "%s: %zu suggestions", c[k].typo, n);
        for (size_t j = 0; j < n; j++)
            ck_assert_msg(strcmp(out[j], c[k].want[j]) == 0, "%s: suggestion %zu is %s, want %s", c[k].typo, j,
                          out[j], c[k].want[j]);
    }
    const char *two[2] = {NULL, NULL};
    ck_assert_uint_eq(fpq_format_suggest(two, 2, "fp8"), 2);
    ck_assert_str_eq(two[1], "fp8_e5m2");
}
END_TEST

Suite *registry_suite(void)
{
    Suite *s = suite_create("registry");
    TCase *tc;

    tc = fpq_check_tcase("presets", 20);
    tcase_add_loop_test(tc, every_preset_parses_by_its_name_and_every_alias, 0,
                        (int)fpq_npresets);
    tcase_add_test(tc, names_and_aliases_are_unique_across_presets);
    tcase_add_test(tc, every_preset_of_the_design_is_present);
    tcase_add_loop_test(tc, every_preset_passes_validate, 0, (int)fpq_npresets);
    suite_add_tcase(s, tc);

    tc = fpq_check_tcase("published", 20);
    tcase_add_loop_test(tc, preset_fields_match_the_published_definition, 0,
                        (int)nfacts);
    tcase_add_loop_test(tc, landmarks_match_the_published_constants, 0,
                        (int)nfacts);
    tcase_add_test(tc, ocp_e4m3_has_nan_only_at_0x7f_and_0xff);
    tcase_add_test(tc, ocp_e5m2_has_inf_at_0x7c_and_nan_above);
    tcase_add_test(tc, fnuz_formats_have_one_nan_at_0x80_and_no_negative_zero);
    tcase_add_test(tc, ocp_e2m1_decodes_to_the_published_table);
    tcase_add_test(tc, e8m0_is_every_power_of_two_from_2m127_to_2p127_and_nan_at_0xff);
    tcase_add_test(tc, e1m2_is_a_uniform_grid_of_eight_magnitudes);
    tcase_add_test(tc, e3m0_is_zero_and_seven_powers_of_two);
    tcase_add_test(tc, nf4_decodes_to_the_published_float32_values);
    tcase_add_test(tc, integer_presets_cover_their_published_ranges);
    tcase_add_test(tc, epsilon_is_two_to_minus_mbits);
    tcase_add_loop_test(tc, ml_dtypes_names_decode_as_their_fpq_format, 0, (int)(sizeof ml_names / sizeof ml_names[0]));
    tcase_add_test(tc, ml_dtypes_float8_e4m3_is_not_ocp_e4m3);
    tcase_add_test(tc, suggest_lists_the_family_of_a_prefix);
    suite_add_tcase(s, tc);

    tc = fpq_check_tcase("names", 20);
    tcase_add_loop_test(tc, custom_spellings_parse_to_their_fields, 0,
                        (int)(sizeof spellings / sizeof spellings[0]));
    tcase_add_test(tc, preset_short_names_give_the_preset);
    tcase_add_test(tc, invalid_spellings_are_refused_with_the_right_code);
    tcase_add_test(tc, suggest_returns_the_closest_preset_names_first);
    tcase_add_test(tc, version_macros_agree_with_fpq_version);
    tcase_add_test(tc, validate_refuses_inconsistent_structs);
    tcase_add_test(tc, status_class_and_rounding_names_are_defined);
    tcase_add_test(tc, kind_and_specials_names_are_the_spelled_ones);
    tcase_add_test(tc, host_width_is_binary32_or_binary64_by_fields);
    tcase_add_test(tc, rounding_mode_list_joins_the_names_in_order);
    tcase_add_test(tc, seeds_are_decimal_or_hex_from_0_to_2p64_minus_1);
    tcase_add_test(tc, round_to_odd_finisher_sets_the_last_bit_of_a_truncation);
    suite_add_tcase(s, tc);

    tc = fpq_check_tcase("text", 20);
    tcase_add_test(tc, bits_print_zero_padded_to_the_format_width);
    tcase_add_test(tc, exact_decimal_output_has_every_digit);
    tcase_add_test(tc, hex_output_is_the_shortest_exact_hex_float);
    suite_add_tcase(s, tc);
    return s;
}
