/* check_decode.c: every encoding of every format of 16 bits or fewer (all
 * presets and the custom spellings of check_helpers.c), and a dense sample of
 * the wide ones, decoded and compared with the reference decoder written from
 * the format's fields (check_helpers.c, fpq_ref_decode).
 */
#include "check_fpq.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const fpq_format *small_or_fail(int i)
{
    const fpq_format *f = fpq_check_small((size_t)i);
    if (f == NULL)
        ck_abort_msg("format %s did not parse", fpq_check_small_label((size_t)i));
    return f;
}

static const char *class_str(fpq_class c)
{
    static const char *const n[] = {"zero", "subnormal", "normal", "inf", "nan"};
    return (unsigned)c < 5 ? n[c] : "?";
}

/* Compare fpq_decode of one pattern with the reference, at the format's own
 * precision (which must be exact) and at 64 bits. */
static void check_one_decode(const fpq_format *f, uint64_t b, mpfr_t v)
{
    fpq_ref r = fpq_ref_decode(f, b);
    fpq_class c = (fpq_class)-1;
    int t = 99;
    int st = fpq_decode(v, &c, &t, f, b);
    FPQ_CHECK(st == FPQ_OK, "%s 0x%" PRIx64 ": status %d", f->name, b, st);
    FPQ_CHECK(c == r.cls, "%s 0x%" PRIx64 ": class %s, expected %s", f->name, b,
              class_str(c), class_str(r.cls));
    if (r.cls == FPQ_CLASS_NAN) {
        FPQ_CHECK(mpfr_nan_p(v), "%s 0x%" PRIx64 ": not NaN", f->name, b);
        FPQ_CHECK(t == 0, "%s 0x%" PRIx64 ": NaN ternary %d", f->name, b, t);
        return;
    }
    FPQ_CHECK(t == 0, "%s 0x%" PRIx64 ": ternary %d, decode must be exact",
              f->name, b, t);
    FPQ_CHECK(!mpfr_nan_p(v) && mpfr_cmp_d(v, r.v) == 0 &&
                  !!mpfr_signbit(v) == !!signbit(r.v),
              "%s 0x%" PRIx64 ": got %s, expected %a", f->name, b,
              fpq_check_str(v), r.v);
}

START_TEST(decode_equals_the_field_formula_for_every_pattern)
{
    const fpq_format *f = small_or_fail(_i);
    mpfr_t own, wide;
    mpfr_init2(own, fpq_format_precision(f));
    mpfr_init2(wide, 64);
    uint64_t n = UINT64_C(1) << f->bits;
    for (uint64_t b = 0; b < n; b++) {
        check_one_decode(f, b, own);
        check_one_decode(f, b, wide);
    }
    /* cls and ternary may be NULL */
    ck_assert_int_eq(fpq_decode(own, NULL, NULL, f, n - 1), FPQ_OK);
    mpfr_clears(own, wide, (mpfr_ptr)0);
}
END_TEST

START_TEST(classify_agrees_with_decode)
{
    const fpq_format *f = small_or_fail(_i);
    mpfr_t v;
    mpfr_init2(v, 64);
    uint64_t n = UINT64_C(1) << f->bits;
    for (uint64_t b = 0; b < n; b++) {
        fpq_class c1 = (fpq_class)-1, c2 = (fpq_class)-2;
        FPQ_CHECK(fpq_classify(&c1, f, b) == FPQ_OK, "%s 0x%" PRIx64, f->name, b);
        FPQ_CHECK(fpq_decode(v, &c2, NULL, f, b) == FPQ_OK, "%s 0x%" PRIx64,
                  f->name, b);
        FPQ_CHECK(c1 == c2, "%s 0x%" PRIx64 ": classify %s, decode %s", f->name,
                  b, class_str(c1), class_str(c2));
    }
    mpfr_clear(v);
}
END_TEST

/* Class counts straight from the definition of the fields:
 * s = 2 signs (1 for unsigned floats), 2^E exponent fields, 2^M mantissas;
 * subnormals: field 0 holds s zeros and s(2^M - 1) subnormals;
 * ieee: field 2^E - 1 holds s Inf and s(2^M - 1) NaN;
 * fn: the s all-ones magnitudes are NaN; fnuz: -0 is the one NaN. */
typedef struct counts {
    uint64_t zero, sub, normal, inf, nan;
} counts;

static counts expected_counts(const fpq_format *f)
{
    counts c = {0, 0, 0, 0, 0};
    if (f->kind == FPQ_KIND_INT) {
        c.zero = 1;
        c.normal = (UINT64_C(1) << f->bits) - 1;
        return c;
    }
    if (f->kind == FPQ_KIND_LUT) {
        uint64_t n = UINT64_C(1) << f->bits;
        for (uint64_t k = 0; k < n; k++) {
            if (strtod(f->lut[k], NULL) == 0)
                c.zero++;
            else
                c.normal++;
        }
        return c;
    }
    uint64_t s = f->is_signed ? 2 : 1;
    uint64_t nm = UINT64_C(1) << f->mbits, ne = UINT64_C(1) << f->ebits;
    if (f->subnormals) {
        c.zero = s;
        c.sub = s * (nm - 1);
        c.normal = s * (ne - 1) * nm;
    } else {
        c.normal = s * ne * nm;
    }
    switch (f->specials) {
    case FPQ_SPECIALS_IEEE:
        c.normal -= s * nm;
        c.inf = s;
        c.nan = s * (nm - 1);
        break;
    case FPQ_SPECIALS_FN:
        c.normal -= s;
        c.nan = s;
        break;
    case FPQ_SPECIALS_FNUZ:
        c.zero -= 1;
        c.nan = 1;
        break;
    case FPQ_SPECIALS_EXT: /* signed: -0 is NaN, +-all ones Inf; unsigned: all ones NaN, the next Inf */
        c.zero -= s - 1;
        c.normal -= 2;
        c.nan = 1;
        c.inf = f->is_signed ? 2 : 1;
        break;
    case FPQ_SPECIALS_FINITE:
        break;
    }
    return c;
}

START_TEST(class_counts_match_the_format_definition)
{
    const fpq_format *f = small_or_fail(_i);
    counts want = expected_counts(f), got = {0, 0, 0, 0, 0};
    uint64_t n = UINT64_C(1) << f->bits;
    for (uint64_t b = 0; b < n; b++) {
        fpq_class c;
        FPQ_CHECK(fpq_classify(&c, f, b) == FPQ_OK, "%s 0x%" PRIx64, f->name, b);
        switch (c) {
        case FPQ_CLASS_ZERO: got.zero++; break;
        case FPQ_CLASS_SUBNORMAL: got.sub++; break;
        case FPQ_CLASS_NORMAL: got.normal++; break;
        case FPQ_CLASS_INF: got.inf++; break;
        case FPQ_CLASS_NAN: got.nan++; break;
        default: ck_abort_msg("%s 0x%" PRIx64 ": class %d", f->name, b, (int)c);
        }
    }
    ck_assert_msg(memcmp(&got, &want, sizeof got) == 0,
                  "%s: zero/sub/normal/inf/nan = %" PRIu64 "/%" PRIu64 "/%" PRIu64
                  "/%" PRIu64 "/%" PRIu64 ", expected %" PRIu64 "/%" PRIu64
                  "/%" PRIu64 "/%" PRIu64 "/%" PRIu64,
                  f->name, got.zero, got.sub, got.normal, got.inf, got.nan,
                  want.zero, want.sub, want.normal, want.inf, want.nan);

    fpq_landmarks lm;
    ck_assert_int_eq(fpq_landmarks_get(&lm, f), FPQ_OK);
    ck_assert_uint_eq(lm.n_patterns, n);
    ck_assert_uint_eq(lm.n_finite, want.zero + want.sub + want.normal);
    ck_assert_uint_eq(lm.n_nan, want.nan);
    ck_assert_uint_eq(lm.n_inf, want.inf);
}
END_TEST

static double dec_d(const fpq_format *f, uint64_t b, mpfr_t v, fpq_class *c)
{
    FPQ_CHECK(fpq_decode(v, c, NULL, f, b) == FPQ_OK, "%s 0x%" PRIx64, f->name, b);
    return mpfr_get_d(v, MPFR_RNDN); /* exact: v has 64 bits, values fit */
}

START_TEST(finite_values_increase_with_the_encoding_order)
{
    const fpq_format *f = small_or_fail(_i);
    mpfr_t v;
    mpfr_init2(v, 64);
    uint64_t n = UINT64_C(1) << f->bits;
    fpq_class c;

    if (f->kind == FPQ_KIND_LUT || (f->kind == FPQ_KIND_INT && !f->is_signed) ||
        (f->kind == FPQ_KIND_FLOAT && !f->is_signed)) {
        double prev = -INFINITY;
        for (uint64_t b = 0; b < n; b++) {
            double d = dec_d(f, b, v, &c);
            if (c == FPQ_CLASS_NAN)
                continue;
            FPQ_CHECK(d > prev, "%s: 0x%" PRIx64 " (%a) not above %a", f->name,
                      b, d, prev);
            prev = d;
        }
    } else if (f->kind == FPQ_KIND_INT) {
        /* two's complement: each half ascends, and -1 (all ones) < 0 */
        double prev = -INFINITY;
        for (uint64_t k = 0; k < n; k++) {
            uint64_t b = (k + n / 2) % n; /* from 100..0 up to 011..1 */
            double d = dec_d(f, b, v, &c);
            FPQ_CHECK(d > prev, "%s: 0x%" PRIx64 " (%a) not above %a", f->name,
                      b, d, prev);
            prev = d;
        }
    } else {
        /* sign | magnitude: positive codes ascend, negative codes descend */
        uint64_t half = n / 2;
        double prev = -INFINITY;
        for (uint64_t b = 0; b < half; b++) {
            double d = dec_d(f, b, v, &c);
            if (c == FPQ_CLASS_NAN)
                continue;
            FPQ_CHECK(d > prev && !signbit(d), "%s: 0x%" PRIx64 " (%a) after %a",
                      f->name, b, d, prev);
            prev = d;
        }
        prev = INFINITY;
        for (uint64_t b = half; b < n; b++) {
            double d = dec_d(f, b, v, &c);
            if (c == FPQ_CLASS_NAN)
                continue;
            FPQ_CHECK(d < prev && signbit(d), "%s: 0x%" PRIx64 " (%a) after %a",
                      f->name, b, d, prev);
            prev = d;
        }
    }
    mpfr_clear(v);
}
END_TEST

static const fpq_rnd all_modes[] = {FPQ_RNE, FPQ_RNA, FPQ_RTZ, FPQ_RUP,
                                    FPQ_RDN, FPQ_RTO, FPQ_RSR};

/* Encoding the exact value of a pattern gives the pattern back, exactly, in
 * every mode and under both overflow policies. */
static void check_identity(const fpq_format *f, uint64_t b, mpfr_t v)
{
    fpq_class c;
    FPQ_CHECK(fpq_decode(v, &c, NULL, f, b) == FPQ_OK, "%s 0x%" PRIx64, f->name, b);
    if (c == FPQ_CLASS_NAN)
        return;
    for (size_t m = 0; m < sizeof all_modes / sizeof all_modes[0]; m++) {
        for (int ovf = 0; ovf < 2; ovf++) {
            if (ovf && c == FPQ_CLASS_INF)
                continue; /* saturate maps Inf to the largest finite */
            fpq_rounding rnd;
            fpq_rounding_default(&rnd);
            rnd.mode = all_modes[m];
            rnd.overflow = ovf ? FPQ_OVF_SATURATE : FPQ_OVF_FORMAT;
            rnd.seed = 7;
            rnd.position = b;
            uint64_t out = ~b;
            unsigned flags = 0x5a5a0000u;
            int t = fpq_encode(&out, &flags, f, v, &rnd);
            FPQ_CHECK(out == b && t == 0 && flags == 0,
                      "%s: pattern 0x%" PRIx64 " (%s) encodes back to 0x%" PRIx64
                      " ternary %d flags 0x%x under %s%s",
                      f->name, b, fpq_check_str(v),
                      out, t, flags, fpq_rnd_name(all_modes[m]),
                      ovf ? " saturate" : "");
        }
    }
    /* NULL rounding means the defaults */
    uint64_t out = ~b;
    unsigned flags = 1;
    int t = fpq_encode(&out, &flags, f, v, NULL);
    FPQ_CHECK(out == b && t == 0 && flags == 0, "%s 0x%" PRIx64 " rnd NULL",
              f->name, b);
    /* flags may be NULL */
    out = ~b;
    t = fpq_encode(&out, NULL, f, v, NULL);
    FPQ_CHECK(out == b && t == 0, "%s 0x%" PRIx64 " flags NULL", f->name, b);
}

START_TEST(decode_then_encode_is_the_identity)
{
    const fpq_format *f = small_or_fail(_i);
    mpfr_t v;
    mpfr_init2(v, fpq_format_precision(f));
    uint64_t n = UINT64_C(1) << f->bits;
    for (uint64_t b = 0; b < n; b++)
        check_identity(f, b, v);
    mpfr_clear(v);
}
END_TEST

START_TEST(bits_wider_than_the_format_are_refused)
{
    const fpq_format *f = small_or_fail(_i);
    mpfr_t v;
    mpfr_init2(v, 64);
    uint64_t wide[] = {UINT64_C(1) << f->bits, (UINT64_C(1) << f->bits) | 1,
                       UINT64_C(1) << 63, UINT64_MAX};
    for (size_t k = 0; k < 4; k++) {
        fpq_class c;
        ck_assert_int_eq(fpq_decode(v, &c, NULL, f, wide[k]), FPQ_ERR_BITS_WIDE);
        ck_assert_int_eq(fpq_classify(&c, f, wide[k]), FPQ_ERR_BITS_WIDE);
    }
    mpfr_clear(v);
}
END_TEST

START_TEST(landmarks_agree_with_the_decoded_table)
{
    const fpq_format *f = small_or_fail(_i);
    fpq_landmarks lm;
    ck_assert_int_eq(fpq_landmarks_get(&lm, f), FPQ_OK);
    uint64_t n = UINT64_C(1) << f->bits;

    /* scan the reference table for each landmark */
    uint64_t maxb = FPQ_NO_BITS, lowb = FPQ_NO_BITS, minpos = FPQ_NO_BITS;
    uint64_t minnorm = FPQ_NO_BITS, minsub = FPQ_NO_BITS, one = FPQ_NO_BITS;
    uint64_t zero = FPQ_NO_BITS, nzero = FPQ_NO_BITS, inf = FPQ_NO_BITS;
    double maxv = -INFINITY, lowv = INFINITY, minposv = INFINITY;
    double minnormv = INFINITY, minsubv = INFINITY;
    bool has_nan = false;
    for (uint64_t b = 0; b < n; b++) {
        fpq_ref r = fpq_ref_decode(f, b);
        if (r.cls == FPQ_CLASS_NAN) {
            has_nan = true;
            continue;
        }
        if (r.cls == FPQ_CLASS_INF) {
            if (r.v > 0)
                inf = b;
            continue;
        }
        if (r.v > maxv) maxv = r.v, maxb = b;
        if (r.v < lowv) lowv = r.v, lowb = b;
        if (r.v > 0 && r.v < minposv) minposv = r.v, minpos = b;
        if (r.cls == FPQ_CLASS_NORMAL && r.v > 0 && r.v < minnormv)
            minnormv = r.v, minnorm = b;
        if (r.cls == FPQ_CLASS_SUBNORMAL && r.v > 0 && r.v < minsubv)
            minsubv = r.v, minsub = b;
        if (r.v == 1.0) one = b;
        if (r.v == 0 && !signbit(r.v)) zero = b;
        if (r.v == 0 && signbit(r.v)) nzero = b;
    }
#define LM_EQ(field, want)                                                    \
    ck_assert_msg(lm.field == (want), "%s: landmark " #field " is 0x%" PRIx64   \
                  ", the table says 0x%" PRIx64, f->name, lm.field,           \
                  (uint64_t)(want))
    LM_EQ(max_finite, maxb);
    LM_EQ(lowest, lowb);
    LM_EQ(min_positive, minpos);
    if (f->kind == FPQ_KIND_FLOAT) {
        LM_EQ(min_normal, minnorm);
        LM_EQ(min_subnormal, minsub);
    }
    LM_EQ(one, one);
    LM_EQ(zero, zero);
    LM_EQ(neg_zero, nzero);
    LM_EQ(inf, inf);
#undef LM_EQ
    if (has_nan) {
        fpq_ref r = fpq_ref_decode(f, lm.nan);
        ck_assert_msg(lm.nan < n && r.cls == FPQ_CLASS_NAN,
                      "%s: nan landmark 0x%" PRIx64, f->name, lm.nan);
    } else {
        ck_assert_uint_eq(lm.nan, FPQ_NO_BITS);
    }
}
END_TEST

/* Into a destination narrower than the format, decode rounds to nearest even
 * and reports MPFR's ternary: compare with MPFR's own rounding of the exact
 * value. */
START_TEST(short_precision_decode_rounds_to_nearest_even)
{
    const fpq_format *f = small_or_fail(_i);
    mpfr_prec_t p = fpq_format_precision(f);
    if (p <= 2)
        return;
    mpfr_t exact, shortv, want;
    mpfr_init2(exact, p);
    mpfr_init2(shortv, 2);
    mpfr_init2(want, 2);
    uint64_t n = UINT64_C(1) << f->bits;
    for (uint64_t b = 0; b < n; b++) {
        fpq_class c;
        FPQ_CHECK(fpq_decode(exact, &c, NULL, f, b) == FPQ_OK, "0x%" PRIx64, b);
        if (c == FPQ_CLASS_NAN)
            continue;
        int t = 99;
        FPQ_CHECK(fpq_decode(shortv, NULL, &t, f, b) == FPQ_OK, "0x%" PRIx64, b);
        int tw = mpfr_set(want, exact, MPFR_RNDN);
        FPQ_CHECK(mpfr_equal_p(shortv, want) &&
                      (t > 0) == (tw > 0) && (t < 0) == (tw < 0),
                  "%s 0x%" PRIx64 ": 2-bit decode %s ternary %d, expected %s %d",
                  f->name, b, fpq_check_str(shortv),
                  t, fpq_check_str(want), tw);
    }
    mpfr_clears(exact, shortv, want, (mpfr_ptr)0);
}
END_TEST

/* Wide formats (over 16 bits): every exponent field with the first, second,
 * middle, second-to-last and last mantissa, both signs, and random patterns. */
static const char *const wide_names[] = {"fp32", "fp64", "tf32"};

static void wide_patterns(const fpq_format *f, uint64_t stream,
                          void (*fn)(const fpq_format *, uint64_t, mpfr_t),
                          mpfr_t v)
{
    uint64_t mmax = (UINT64_C(1) << f->mbits) - 1;
    uint64_t nexp = UINT64_C(1) << f->ebits;
    uint64_t ms[] = {0, 1, 2, mmax / 2, mmax / 2 + 1, mmax - 1, mmax};
    for (uint64_t s = 0; s < 2; s++)
        for (uint64_t e = 0; e < nexp; e++)
            for (size_t k = 0; k < sizeof ms / sizeof ms[0]; k++)
                fn(f, (s << (f->bits - 1)) | (e << f->mbits) | ms[k], v);
    fpq_check_rng rng;
    fpq_check_rng_init(&rng, stream);
    uint64_t mask = fpq_check_mask(f);
    for (int k = 0; k < 20000; k++)
        fn(f, fpq_check_rng_next(&rng) & mask, v);
}

static void decode_both(const fpq_format *f, uint64_t b, mpfr_t v)
{
    check_one_decode(f, b, v);
    fpq_class c1, c2;
    FPQ_CHECK(fpq_classify(&c1, f, b) == FPQ_OK, "0x%" PRIx64, b);
    FPQ_CHECK(fpq_decode(v, &c2, NULL, f, b) == FPQ_OK && c1 == c2,
              "%s 0x%" PRIx64 " classify %s decode %s", f->name, b,
              class_str(c1), class_str(c2));
}

START_TEST(wide_formats_decode_to_the_field_formula)
{
    const fpq_format *f = fpq_check_need(wide_names[_i]);
    mpfr_t v;
    mpfr_init2(v, fpq_format_precision(f));
    wide_patterns(f, 100 + (uint64_t)_i, decode_both, v);
    mpfr_clear(v);
    mpfr_init2(v, 64);
    wide_patterns(f, 200 + (uint64_t)_i, decode_both, v);
    mpfr_clear(v);
    if (f->bits < 64) {
        fpq_class cl;
        ck_assert_int_eq(fpq_classify(&cl, f, UINT64_C(1) << f->bits),
                         FPQ_ERR_BITS_WIDE);
        ck_assert_int_eq(fpq_decode(v, &cl, NULL, f, UINT64_C(1) << f->bits),
                         FPQ_ERR_BITS_WIDE);
    }
}
END_TEST

START_TEST(wide_formats_decode_then_encode_is_the_identity)
{
    const fpq_format *f = fpq_check_need(wide_names[_i]);
    mpfr_t v;
    mpfr_init2(v, fpq_format_precision(f));
    wide_patterns(f, 300 + (uint64_t)_i, check_identity, v);
    mpfr_clear(v);
}
END_TEST

/* tf32 is 19 bits: every pattern, in the slow set. */
START_TEST(tf32_every_pattern_decodes_and_encodes_back)
{
    const fpq_format *f = fpq_check_need("tf32");
    mpfr_t v;
    mpfr_init2(v, fpq_format_precision(f));
    for (uint64_t b = 0; b < (UINT64_C(1) << 19); b++) {
        check_one_decode(f, b, v);
        check_identity(f, b, v);
    }
    mpfr_clear(v);
}
END_TEST

Suite *decode_suite(void)
{
    Suite *s = suite_create("decode");
    int ns = (int)fpq_check_nsmall();
    TCase *tc;

    tc = fpq_check_tcase("every_pattern", 60);
    tcase_add_loop_test(tc, decode_equals_the_field_formula_for_every_pattern, 0, ns);
    tcase_add_loop_test(tc, classify_agrees_with_decode, 0, ns);
    tcase_add_loop_test(tc, class_counts_match_the_format_definition, 0, ns);
    tcase_add_loop_test(tc, finite_values_increase_with_the_encoding_order, 0, ns);
    tcase_add_loop_test(tc, landmarks_agree_with_the_decoded_table, 0, ns);
    tcase_add_loop_test(tc, bits_wider_than_the_format_are_refused, 0, ns);
    tcase_add_loop_test(tc, short_precision_decode_rounds_to_nearest_even, 0, ns);
    suite_add_tcase(s, tc);

    tc = fpq_check_tcase("round_trip", 120);
    tcase_add_loop_test(tc, decode_then_encode_is_the_identity, 0, ns);
    suite_add_tcase(s, tc);

    tc = fpq_check_tcase("wide", 60);
    tcase_add_loop_test(tc, wide_formats_decode_to_the_field_formula, 0, 3);
    tcase_add_loop_test(tc, wide_formats_decode_then_encode_is_the_identity, 0, 3);
    suite_add_tcase(s, tc);

    tc = fpq_check_tcase_slow("wide_exhaustive", 600);
    tcase_add_test(tc, tf32_every_pattern_decodes_and_encodes_back);
    suite_add_tcase(s, tc);
    return s;
}
