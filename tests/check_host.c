/* check_host.c: independent cross-checks against the host's own arithmetic.
 *
 * Oracles: the C compiler's double -> float conversion under each of the four
 * IEEE rounding modes (fesetround; operands are volatile so every conversion
 * runs at run time, and host_rounding_modes_take_effect_at_run_time proves
 * it), glibc's strtod (correctly rounded in every mode), and GCC's _Float16
 * (libgcc's soft-fp conversions honour the rounding mode and raise flags).
 * x86 detects tininess after rounding, as fpq.h specifies, so flags are
 * compared too.  No #pragma STDC FENV_ACCESS: GCC ignores it and -Werror
 * would refuse the warning; volatile does the work.
 */
#include "check_fpq.h"

#include <fenv.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const int host_modes[4] = {FE_TONEAREST, FE_TOWARDZERO, FE_UPWARD,
                                  FE_DOWNWARD};
static const fpq_rnd fpq_modes[4] = {FPQ_RNE, FPQ_RTZ, FPQ_RUP, FPQ_RDN};

static unsigned host_flags(void)
{
    unsigned f = 0;
    if (fetestexcept(FE_INEXACT))
        f |= FPQ_FLAG_INEXACT;
    if (fetestexcept(FE_UNDERFLOW))
        f |= FPQ_FLAG_UNDERFLOW;
    if (fetestexcept(FE_OVERFLOW))
        f |= FPQ_FLAG_OVERFLOW;
    return f;
}

static const unsigned cmp_flags =
    FPQ_FLAG_INEXACT | FPQ_FLAG_UNDERFLOW | FPQ_FLAG_OVERFLOW;

static uint32_t fbits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static float bitsf(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static double bitsd(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

/* double -> float on the host, in a given mode, with its flags. */
static float host_d2f(double x, int mode, unsigned *flags)
{
    volatile double vx = x;
    volatile float r;
    fesetround(mode);
    feclearexcept(FE_ALL_EXCEPT);
    r = (float)vx;
    *flags = host_flags();
    fesetround(FE_TONEAREST);
    return r;
}

static int sgn(int t) { return (t > 0) - (t < 0); }

static uint64_t fpq_enc_mpfr(const fpq_format *f, mpfr_srcptr x, fpq_rnd mode,
                             unsigned *flags, int *tern)
{
    fpq_rounding r;
    fpq_rounding_default(&r);
    r.mode = mode;
    uint64_t b = UINT64_C(0xdeadbeef);
    *tern = fpq_encode(&b, flags, f, x, &r);
    return b;
}

START_TEST(host_rounding_modes_take_effect_at_run_time)
{
    unsigned fl;
    /* 1 + 2^-30 is between binary32's 1 and 1 + 2^-23 */
    ck_assert_uint_eq(fbits(host_d2f(1.0 + 0x1p-30, FE_UPWARD, &fl)), 0x3f800001);
    ck_assert_uint_eq(fl, FPQ_FLAG_INEXACT);
    ck_assert_uint_eq(fbits(host_d2f(1.0 + 0x1p-30, FE_DOWNWARD, &fl)), 0x3f800000);
    ck_assert_uint_eq(fbits(host_d2f(-1.0 - 0x1p-30, FE_DOWNWARD, &fl)), 0xbf800001);
    ck_assert_uint_eq(fbits(host_d2f(1.0 + 0x1p-24, FE_TONEAREST, &fl)), 0x3f800000);
    ck_assert_uint_eq(fbits(host_d2f(1.0 + 0x1p-24, FE_TOWARDZERO, &fl)), 0x3f800000);
    /* after-rounding tininess: 2^-126 - 2^-150 + 2^-160 rounds to 2^-126 and
     * raises underflow; 2^-126 - 2^-151 + 2^-160 does not */
    ck_assert_uint_eq(fbits(host_d2f(0x1p-126 - 0x1p-150 + 0x1p-160, FE_TONEAREST,
                                     &fl)), 0x00800000);
    ck_assert_uint_eq(fl, FPQ_FLAG_INEXACT | FPQ_FLAG_UNDERFLOW);
    host_d2f(0x1p-126 - 0x1p-151 + 0x1p-160, FE_TONEAREST, &fl);
    ck_assert_uint_eq(fl, FPQ_FLAG_INEXACT);
    ck_assert_int_eq(fegetround(), FE_TONEAREST);
}
END_TEST

/* Check one double against the host in all four modes. */
static void check_d2f(double x, mpfr_t m)
{
    const fpq_format *f32 = fpq_check_need("fp32");
    mpfr_set_d(m, x, MPFR_RNDN);
    for (int k = 0; k < 4; k++) {
        unsigned hf, ff = 0x5a5a0000u;
        float h = host_d2f(x, host_modes[k], &hf);
        int t;
        uint64_t b = fpq_enc_mpfr(f32, m, fpq_modes[k], &ff, &t);
        /* the host result against the exact input: the ternary's sign */
        int ht = (double)h > x ? 1 : (double)h < x ? -1 : 0;
        FPQ_CHECK(b == fbits(h) && (ff & cmp_flags) == hf && sgn(t) == ht,
                  "fp32 encode(%a) %s: 0x%08" PRIx64 " flags 0x%x t %d; host "
                  "0x%08" PRIx32 " flags 0x%x t %d", x, fpq_rnd_name(fpq_modes[k]),
                  b, ff, t, fbits(h), hf, ht);
    }
}

START_TEST(fp32_encode_matches_the_host_conversion_in_four_modes)
{
    mpfr_t m;
    mpfr_init2(m, 53);
    fpq_check_rng rng;
    fpq_check_rng_init(&rng, 3000);

    /* fixed boundaries */
    static const double fixed[] = {
        0.0, 0x1p-150, 0x1.8p-150, 0x1p-149, 0x1p-151, 0x1p-1074, 0x1.fffffep+127,
        0x1.ffffffp+127, 0x1p+128, 0x1.ffffffp+127 + 0x1p+75,
        0x1.ffffffp+127 - 0x1p+75, DBL_MAX, 0x1p-126, 0x1p-126 - 0x1p-150,
        0x1p-126 - 0x1p-151, 0x1p-126 - 0x1p-151 - 0x1p-170,
        0x1p-126 - 0x1p-151 + 0x1p-170, 0x1p-126 - 0x1p-150 + 0x1p-170,
        0x1.fffffcp-127, 0x1p-127 + 0x1p-150, 1.0, 1.0 + 0x1p-24, 0.1, 1e38, 1e39};
    for (size_t k = 0; k < sizeof fixed / sizeof fixed[0]; k++) {
        check_d2f(fixed[k], m);
        check_d2f(-fixed[k], m);
    }
    check_d2f(INFINITY, m);
    check_d2f(-INFINITY, m);

    /* every neighbour pair of random binary32 patterns: the midpoint, one
     * double ulp either side, and the neighbours' own one-ulp steps */
    for (int i = 0; i < 8000; i++) {
        uint32_t c = (uint32_t)fpq_check_rng_below(&rng, 0x7f7fffff + 1u);
        double a = (double)bitsf(c);
        double b = c == 0x7f7fffff ? 0x1p+128 : (double)bitsf(c + 1);
        double mid = a + (b - a) / 2; /* 25 bits: exact in double */
        double pts[] = {mid, nextafter(mid, INFINITY), nextafter(mid, -INFINITY),
                        nextafter(a, INFINITY), nextafter(b, -INFINITY)};
        for (size_t p = 0; p < 5; p++) {
            check_d2f(pts[p], m);
            check_d2f(-pts[p], m);
        }
    }
    /* random doubles around binary32's range */
    for (int i = 0; i < 40000; i++) {
        uint64_t r = fpq_check_rng_next(&rng);
        int e = (int)fpq_check_rng_below(&rng, 290) - 160;
        double x = ldexp(1.0 + (double)(r >> 12) * 0x1p-52, e);
        check_d2f((r & 1) ? -x : x, m);
    }
    ck_assert_int_eq(fegetround(), FE_TONEAREST);
    mpfr_clear(m);
}
END_TEST

/* fp64 from decimal text: fpq_parse_value + fpq_encode vs glibc strtod. */
static void check_strtod(const char *s, mpfr_t v)
{
    const fpq_format *f64 = fpq_check_need("fp64");
    FPQ_CHECK(fpq_parse_value(v, NULL, s) == FPQ_OK, "parse(%s)", s);
    for (int k = 0; k < 4; k++) {
        fesetround(host_modes[k]);
        volatile double h = strtod(s, NULL);
        fesetround(FE_TONEAREST);
        unsigned ff;
        int t;
        uint64_t b = fpq_enc_mpfr(f64, v, fpq_modes[k], &ff, &t);
        FPQ_CHECK(b == fpq_check_dbits(h),
                  "fp64(\"%.100s%s\") %s: 0x%016" PRIx64 "; strtod 0x%016" PRIx64,
                  s, strlen(s) > 100 ? "..." : "", fpq_rnd_name(fpq_modes[k]), b,
                  fpq_check_dbits(h));
    }
}

START_TEST(fp64_encode_of_decimal_text_matches_strtod_in_four_modes)
{
    mpfr_t v, mid, chk;
    mpfr_init2(v, 53);
    mpfr_init2(mid, 60);
    mpfr_init2(chk, 60);
    fpq_check_rng rng;
    fpq_check_rng_init(&rng, 3100);
    char buf[2048];

    /* random decimals: 1..40 digits, exponents -345..310 */
    for (int i = 0; i < 4000; i++) {
        int nd = 1 + (int)fpq_check_rng_below(&rng, 40);
        char *p = buf;
        if (fpq_check_rng_next(&rng) & 1)
            *p++ = '-';
        *p++ = (char)('1' + fpq_check_rng_below(&rng, 9));
        *p++ = '.';
        for (int d = 1; d < nd; d++)
            *p++ = (char)('0' + fpq_check_rng_below(&rng, 10));
        int e = (int)fpq_check_rng_below(&rng, 656) - 345;
        snprintf(p, sizeof buf - (size_t)(p - buf), "e%d", e);
        check_strtod(buf, v);
    }

    /* exact decimal midpoints of random binary64 neighbours, and a hair
     * either side (800 significant digits hold every such midpoint) */
    for (int i = 0; i < 1500; i++) {
        uint64_t c = fpq_check_rng_below(&rng, UINT64_C(0x7fefffffffffffff));
        mpfr_set_d(mid, bitsd(c), MPFR_RNDN);
        mpfr_add_d(mid, mid, bitsd(c + 1), MPFR_RNDN);
        mpfr_div_2ui(mid, mid, 1, MPFR_RNDN); /* exact at 60 bits */
        mpfr_exp_t ex;
        char *digits = mpfr_get_str(NULL, &ex, 10, 800, mid, MPFR_RNDN);
        size_t nd = strlen(digits);
        while (nd > 1 && digits[nd - 1] == '0')
            digits[--nd] = '\0';
        /* "0.DIGITSe<ex>" */
        snprintf(buf, sizeof buf, "0.%se%ld", digits, (long)ex);
        ck_assert_msg(mpfr_set_str(chk, buf, 10, MPFR_RNDN) == 0 &&
                          mpfr_equal_p(chk, mid),
                      "oracle: midpoint text %s is not exact", buf);
        check_strtod(buf, v);
        /* a hair above: one more digit */
        snprintf(buf, sizeof buf, "0.%s1e%ld", digits, (long)ex);
        check_strtod(buf, v);
        /* a hair below: last digit minus one, then nines */
        char low[1024];
        ck_assert_uint_lt(nd, sizeof low);
        memcpy(low, digits, nd + 1);
        low[nd - 1] = (char)(low[nd - 1] - 1);
        snprintf(buf, sizeof buf, "0.%s99999e%ld", low, (long)ex);
        check_strtod(buf, v);
        mpfr_free_str(digits);
    }
    ck_assert_int_eq(fegetround(), FE_TONEAREST);
    mpfr_clears(v, mid, chk, (mpfr_ptr)0);
}
END_TEST

/* Decode of binary32 / binary64 patterns equals the host's reading of them. */
START_TEST(fp32_and_fp64_decode_equal_the_host_reading_of_the_bits)
{
    const fpq_format *f32 = fpq_check_need("fp32"), *f64 = fpq_check_need("fp64");
    mpfr_t v;
    mpfr_init2(v, 64);
    fpq_check_rng rng;
    fpq_check_rng_init(&rng, 3200);
    for (int i = 0; i < 40000; i++) {
        uint64_t r = fpq_check_rng_next(&rng);
        const fpq_format *f = (i & 1) ? f64 : f32;
        uint64_t b = (i & 1) ? r : (r & 0xffffffffu);
        double h = (i & 1) ? bitsd(b) : (double)bitsf((uint32_t)b);
        fpq_class c;
        FPQ_CHECK(fpq_decode(v, &c, NULL, f, b) == FPQ_OK, "0x%" PRIx64, b);
        int hc = fpclassify(h);
        fpq_class want = hc == FP_NAN ? FPQ_CLASS_NAN
                         : hc == FP_INFINITE ? FPQ_CLASS_INF
                         : hc == FP_ZERO ? FPQ_CLASS_ZERO
                         : hc == FP_SUBNORMAL ? FPQ_CLASS_SUBNORMAL
                                              : FPQ_CLASS_NORMAL;
        /* binary32 subnormals are normal doubles: classify on the float */
        if (!(i & 1)) {
            int fc = fpclassify(bitsf((uint32_t)b));
            want = fc == FP_NAN ? FPQ_CLASS_NAN
                   : fc == FP_INFINITE ? FPQ_CLASS_INF
                   : fc == FP_ZERO ? FPQ_CLASS_ZERO
                   : fc == FP_SUBNORMAL ? FPQ_CLASS_SUBNORMAL
                                        : FPQ_CLASS_NORMAL;
        }
        FPQ_CHECK(c == want, "%s 0x%" PRIx64 ": class %d, host %d", f->name, b,
                  (int)c, (int)want);
        if (want == FPQ_CLASS_NAN)
            FPQ_CHECK(mpfr_nan_p(v), "%s 0x%" PRIx64, f->name, b);
        else
            FPQ_CHECK(mpfr_cmp_d(v, h) == 0 &&
                          !!mpfr_signbit(v) == !!signbit(h),
                      "%s 0x%" PRIx64 ": %s vs host %a", f->name, b,
                      fpq_check_str(v), h);
    }
    mpfr_clear(v);
}
END_TEST

/* NaN payloads: x86's cvtss2sd / cvtsd2ss quiet the NaN and keep the top
 * payload bits, as fpq.h specifies for IEEE-style formats. */
START_TEST(nan_conversions_between_fp32_and_fp64_match_the_host)
{
    const fpq_format *f32 = fpq_check_need("fp32"), *f64 = fpq_check_need("fp64");
    fpq_check_rng rng;
    fpq_check_rng_init(&rng, 3300);
    for (int i = 0; i < 2000; i++) {
        uint64_t r = fpq_check_rng_next(&rng);
        uint32_t nan32 = (uint32_t)((r & 0x807fffffu) | 0x7f800000u);
        if ((nan32 & 0x7fffff) == 0)
            nan32 |= 1;
        volatile float vf = bitsf(nan32);
        volatile double wd = (double)vf;
        uint64_t got;
        unsigned fl;
        fpq_convert(&got, &fl, f64, f32, nan32, NULL);
        FPQ_CHECK(got == fpq_check_dbits(wd), "fp32 0x%08" PRIx32 " -> fp64 "
                  "0x%016" PRIx64 ", host 0x%016" PRIx64, nan32, got,
                  fpq_check_dbits(wd));

        uint64_t nan64 = (r & UINT64_C(0x800fffffffffffff)) |
                         UINT64_C(0x7ff0000000000000);
        if ((nan64 & UINT64_C(0xfffffffffffff)) == 0)
            nan64 |= 1;
        volatile double vd = bitsd(nan64);
        volatile float nf = (float)vd;
        fpq_convert(&got, &fl, f32, f64, nan64, NULL);
        FPQ_CHECK(got == fbits(nf), "fp64 0x%016" PRIx64 " -> fp32 0x%08" PRIx64
                  ", host 0x%08" PRIx32, nan64, got, fbits(nf));
    }
}
END_TEST

#ifdef __FLT16_MANT_DIG__

static uint16_t hbits(_Float16 h)
{
    uint16_t u;
    memcpy(&u, &h, sizeof u);
    return u;
}

static _Float16 bitsh(uint16_t u)
{
    _Float16 h;
    memcpy(&h, &u, sizeof h);
    return h;
}

static uint16_t host_f2h(float x, int mode, unsigned *flags)
{
    volatile float vx = x;
    volatile _Float16 r;
    fesetround(mode);
    feclearexcept(FE_ALL_EXCEPT);
    r = (_Float16)vx;
    *flags = host_flags();
    fesetround(FE_TONEAREST);
    return hbits(r);
}

static uint16_t host_d2h(double x, int mode, unsigned *flags)
{
    volatile double vx = x;
    volatile _Float16 r;
    fesetround(mode);
    feclearexcept(FE_ALL_EXCEPT);
    r = (_Float16)vx;
    *flags = host_flags();
    fesetround(FE_TONEAREST);
    return hbits(r);
}

START_TEST(host_float16_honours_the_rounding_mode)
{
    unsigned fl;
    /* 1 + 2^-12 is between binary16's 1 (0x3c00) and 1 + 2^-10 (0x3c01) */
    ck_assert_uint_eq(host_f2h(1.0f + 0x1p-12f, FE_UPWARD, &fl), 0x3c01);
    ck_assert_uint_eq(fl, FPQ_FLAG_INEXACT);
    ck_assert_uint_eq(host_f2h(1.0f + 0x1p-12f, FE_TONEAREST, &fl), 0x3c00);
    ck_assert_uint_eq(host_f2h(-1.0f - 0x1p-12f, FE_DOWNWARD, &fl), 0xbc01);
    ck_assert_uint_eq(host_f2h(70000.0f, FE_TOWARDZERO, &fl), 0x7bff);
    ck_assert_uint_eq(fl, FPQ_FLAG_INEXACT | FPQ_FLAG_OVERFLOW);
    ck_assert_uint_eq(host_d2h(1.0 + 0x1p-40, FE_UPWARD, &fl), 0x3c01);
}
END_TEST

static void check_f2h(float x, int k, mpfr_t m, bool with_flags)
{
    const fpq_format *f16 = fpq_check_need("fp16");
    unsigned hf, ff = 0x5a5a0000u;
    uint16_t h = host_f2h(x, host_modes[k], &hf);
    mpfr_set_flt(m, x, MPFR_RNDN);
    int t;
    uint64_t b = fpq_enc_mpfr(f16, m, fpq_modes[k], &ff, &t);
    float hv = (float)bitsh(h);
    int ht = isinf(hv) ? (hv > 0 ? 1 : -1) * (isinf(x) ? 0 : 1)
             : hv > x ? 1 : hv < x ? -1 : 0;
    FPQ_CHECK(b == h && sgn(t) == ht &&
                  (!with_flags || (ff & cmp_flags) == hf),
              "fp16 encode(%a) %s: 0x%04" PRIx64 " flags 0x%x t %d; host _Float16 "
              "0x%04x flags 0x%x t %d", (double)x, fpq_rnd_name(fpq_modes[k]), b,
              ff, t, h, hf, ht);
}

/* Every binary16 midpoint, its binary32 neighbours (nextafterf), each
 * binary16 value's one-ulp binary32 neighbours, both signs. */
static void fp16_boundaries(int k, bool with_flags)
{
    mpfr_t m;
    mpfr_init2(m, 24);
    for (uint32_t c = 0; c <= 0x7bff; c++) {
        float a = (float)bitsh((uint16_t)c);
        float b = c == 0x7bff ? 65536.0f : (float)bitsh((uint16_t)(c + 1));
        float mid = a + (b - a) / 2; /* 12 bits: exact */
        float pts[] = {mid, nextafterf(mid, INFINITY), nextafterf(mid, -INFINITY),
                       nextafterf(a, INFINITY), nextafterf(b, -INFINITY), b};
        for (size_t p = 0; p < sizeof pts / sizeof pts[0]; p++) {
            check_f2h(pts[p], k, m, with_flags);
            check_f2h(-pts[p], k, m, with_flags);
        }
    }
    static const float far[] = {0.0f, 0x1p-30f, 0x1p-126f, 0x1p-149f, 1e10f,
                                FLT_MAX, INFINITY};
    for (size_t p = 0; p < sizeof far / sizeof far[0]; p++) {
        check_f2h(far[p], k, m, with_flags);
        check_f2h(-far[p], k, m, with_flags);
    }
    mpfr_clear(m);
}

START_TEST(fp16_encode_matches_host_float16_at_every_boundary)
{
    fp16_boundaries(0, true); /* the default mode */
    ck_assert_int_eq(fegetround(), FE_TONEAREST);
}
END_TEST

START_TEST(fp16_encode_matches_host_float16_at_every_boundary_in_every_mode)
{
    fp16_boundaries(_i, true);
    ck_assert_int_eq(fegetround(), FE_TONEAREST);
}
END_TEST

/* double -> binary16 directly (one rounding, libgcc __truncdfhf2). */
START_TEST(fp16_encode_of_random_doubles_matches_host_float16)
{
    const fpq_format *f16 = fpq_check_need("fp16");
    mpfr_t m;
    mpfr_init2(m, 53);
    fpq_check_rng rng;
    fpq_check_rng_init(&rng, 3400);
    for (int i = 0; i < 30000; i++) {
        uint64_t r = fpq_check_rng_next(&rng);
        int e = (int)fpq_check_rng_below(&rng, 50) - 30;
        double x = ldexp(1.0 + (double)(r >> 12) * 0x1p-52, e);
        if (r & 1)
            x = -x;
        mpfr_set_d(m, x, MPFR_RNDN);
        for (int k = 0; k < 4; k++) {
            unsigned hf, ff;
            uint16_t h = host_d2h(x, host_modes[k], &hf);
            int t;
            uint64_t b = fpq_enc_mpfr(f16, m, fpq_modes[k], &ff, &t);
            FPQ_CHECK(b == h && (ff & cmp_flags) == hf,
                      "fp16 encode(%a) %s: 0x%04" PRIx64 " flags 0x%x; host "
                      "0x%04x flags 0x%x", x, fpq_rnd_name(fpq_modes[k]), b, ff,
                      h, hf);
        }
    }
    mpfr_clear(m);
}
END_TEST

/* Every binary16 pattern widened by the host: decode gives the same value,
 * and fpq_convert to fp32 gives the same bits (NaN payloads included). */
START_TEST(every_fp16_pattern_widens_like_host_float16)
{
    const fpq_format *f16 = fpq_check_need("fp16"), *f32 = fpq_check_need("fp32");
    mpfr_t v;
    mpfr_init2(v, 11);
    for (uint32_t c = 0; c < 65536; c++) {
        volatile _Float16 h = bitsh((uint16_t)c);
        volatile float w = (float)h;
        fpq_class cls;
        FPQ_CHECK(fpq_decode(v, &cls, NULL, f16, c) == FPQ_OK, "0x%04" PRIx32, c);
        if (isnan(w)) {
            FPQ_CHECK(cls == FPQ_CLASS_NAN && mpfr_nan_p(v), "0x%04" PRIx32, c);
        } else {
            float d = mpfr_get_flt(v, MPFR_RNDN);
            FPQ_CHECK(fbits(d) == fbits(w), "fp16 0x%04" PRIx32 ": decode %a, "
                      "host %a", c, (double)d, (double)w);
        }
        uint64_t got;
        unsigned fl;
        int t = fpq_convert(&got, &fl, f32, f16, c, NULL);
        FPQ_CHECK(got == fbits(w) && t == 0, "fp16 0x%04" PRIx32 " -> fp32 0x%08"
                  PRIx64 " t %d, host 0x%08" PRIx32, c, got, t, fbits(w));
    }
    mpfr_clear(v);
}
END_TEST

START_TEST(fp32_nan_to_fp16_keeps_payload_like_host_float16)
{
    const fpq_format *f16 = fpq_check_need("fp16"), *f32 = fpq_check_need("fp32");
    fpq_check_rng rng;
    fpq_check_rng_init(&rng, 3500);
    for (int i = 0; i < 4000; i++) {
        uint32_t r = (uint32_t)fpq_check_rng_next(&rng);
        uint32_t nan32 = (r & 0x807fffffu) | 0x7f800000u;
        if ((nan32 & 0x7fffff) == 0)
            nan32 |= 0x400000;
        unsigned hf;
        uint16_t h = host_f2h(bitsf(nan32), FE_TONEAREST, &hf);
        uint64_t got;
        unsigned fl;
        fpq_convert(&got, &fl, f16, f32, nan32, NULL);
        FPQ_CHECK(got == h, "fp32 0x%08" PRIx32 " -> fp16 0x%04" PRIx64
                  ", host 0x%04x", nan32, got, h);
    }
}
END_TEST

#endif /* __FLT16_MANT_DIG__ */

Suite *host_suite(void)
{
    Suite *s = suite_create("host");
    TCase *tc;
    /* Under valgrind the FP environment is emulated: no status flags, and not
     * every rounding mode.  Keep only the checks that need neither. */
    bool fenv_ok = !fpq_check_under_valgrind();
    if (!fenv_ok)
        fprintf(stderr, "check_fpq: under valgrind: host rounding-mode and "
                        "flag cross-checks left out\n");

    tc = fpq_check_tcase("binary32_binary64", 120);
    if (fenv_ok) {
        tcase_add_test(tc, host_rounding_modes_take_effect_at_run_time);
        tcase_add_test(tc, fp32_encode_matches_the_host_conversion_in_four_modes);
        tcase_add_test(tc, fp64_encode_of_decimal_text_matches_strtod_in_four_modes);
    }
    tcase_add_test(tc, fp32_and_fp64_decode_equal_the_host_reading_of_the_bits);
    tcase_add_test(tc, nan_conversions_between_fp32_and_fp64_match_the_host);
    suite_add_tcase(s, tc);

#ifdef __FLT16_MANT_DIG__
    tc = fpq_check_tcase("float16", 120);
    if (fenv_ok) {
        tcase_add_test(tc, host_float16_honours_the_rounding_mode);
        tcase_add_test(tc, fp16_encode_matches_host_float16_at_every_boundary);
        tcase_add_test(tc, fp16_encode_of_random_doubles_matches_host_float16);
        tcase_add_loop_test(
            tc, fp16_encode_matches_host_float16_at_every_boundary_in_every_mode,
            1, 4);
    }
    tcase_add_test(tc, every_fp16_pattern_widens_like_host_float16);
    tcase_add_test(tc, fp32_nan_to_fp16_keeps_payload_like_host_float16);
    suite_add_tcase(s, tc);
#else
    fprintf(stderr, "check_fpq: this compiler has no _Float16: the host float16 "
                    "cross-checks are left out\n");
#endif
    return s;
}
