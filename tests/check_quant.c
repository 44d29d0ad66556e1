/* check_quant.c: the error lab's quantizers and metrics (quant.h).
 *
 * Oracles: closed forms (the uniform quantizer's noise power), values
 * worked by hand from OCP MX 1.0, the NVFP4 reference algorithm and the
 * LLM.int8 article (Dettmers et al. 2022), MPFR for exact quotients and for the
 * metrics' sums, and the host's binary64 for data built on a grid.  No
 * expected value is computed by the code under test.
 *
 * Tolerance of the metrics (documented in quant.h): the compensated binary64
 * sums and the MPFR ones agree to a relative 1e-12; the bias, whose sum
 * may cancel, to 1e-12 of mean |x^ - x|.
 */
#include "check_fpq.h"

#include <float.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quant.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers --------------------------------------------------------------- */

static fpq_tensor tensor(size_t rows, size_t cols)
{
    fpq_tensor t;
    ck_assert_int_eq(fpq_tensor_alloc(&t, rows, cols), FPQ_OK);
    return t;
}

static fpq_tensor from_array(size_t rows, size_t cols, const double *v)
{
    fpq_tensor t = tensor(rows, cols);
    memcpy(t.data, v, rows * cols * sizeof *v);
    return t;
}

static fpq_format fmt(const char *name)
{
    fpq_format f;
    ck_assert_msg(fpq_format_parse(&f, name) == FPQ_OK, "format %s", name);
    return f;
}

static double uniform01(fpq_check_rng *r)
{
    return (double)(fpq_check_rng_next(r) >> 11) * 0x1p-53;
}

/* Box-Muller: a standard normal draw. */
static double normal(fpq_check_rng *r)
{
    double u1 = ((double)(fpq_check_rng_next(r) >> 11) + 0.5) * 0x1p-53;
    double u2 = uniform01(r);
    return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

static void fill_normal(fpq_tensor *t, uint64_t stream)
{
    fpq_check_rng r;
    fpq_check_rng_init(&r, stream);
    for (size_t i = 0; i < fpq_tensor_size(t); i++)
        t->data[i] = normal(&r);
}

/* Quantize and check success; returns x^ (caller frees). */
static fpq_tensor quantize(fpq_qmetrics *m, const fpq_tensor *x, const fpq_tensor *calib, const fpq_qspec *s)
{
    fpq_tensor xh;
    fpq_errbuf err = {""};
    int st = fpq_quantize(&xh, m, x, calib, s, &err);
    ck_assert_msg(st == FPQ_OK, "fpq_quantize: status %d (%s): %s", st, fpq_lab_strerror(st), err.msg);
    return xh;
}

static double mse_of(const fpq_tensor *x, const fpq_qspec *s)
{
    fpq_qmetrics m;
    fpq_tensor xh = quantize(&m, x, NULL, s);
    fpq_tensor_free(&xh);
    return m.mse;
}

static bool same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* a / b rounded once to binary32 (MPFR as the oracle). */
static double fp32_quotient(double a, double b)
{
    mpfr_t v, w;
    mpfr_inits2(200, v, w, (mpfr_ptr)0);
    mpfr_set_d(v, a, MPFR_RNDN);
    mpfr_set_d(w, b, MPFR_RNDN);
    mpfr_div(v, v, w, MPFR_RNDN); /* 200 bits: the side of every binary32 midpoint kept */
    double r = mpfr_get_flt(v, MPFR_RNDN);
    mpfr_clears(v, w, (mpfr_ptr)0);
    return r;
}

/* x rounded once to binary16, ties to even: the host's _Float16 where the
 * compiler has it (__FLT16_MANT_DIG__), else MPFR at 11 bits in binary16's
 * exponent range with its subnormals. */
static double fp16_of(double x)
{
#ifdef __FLT16_MANT_DIG__
    return (double)(_Float16)x;
#else
    mpfr_exp_t emin = mpfr_get_emin(), emax = mpfr_get_emax();
    mpfr_set_emin(-23); /* 2^-24, the least subnormal, is 0.5 * 2^-23 */
    mpfr_set_emax(16);  /* 65504 is (1 - 2^-11) * 2^16 */
    mpfr_t v;
    mpfr_init2(v, 11);
    int t = mpfr_set_d(v, x, MPFR_RNDN);
    mpfr_subnormalize(v, t, MPFR_RNDN);
    double r = mpfr_get_d(v, MPFR_RNDN);
    mpfr_clear(v);
    mpfr_set_emin(emin);
    mpfr_set_emax(emax);
    return r;
#endif
}

/* ---- data on the grid ---------------------------------------------------------- */

/* e4m3 values (each times 2^r in row r); 448 is the row maximum. */
static const double e4m3_vals[] = {448, -0.5, 0x1p-6, 0x1p-9, 13, -240, 0, 0.875};
/* The 16 NF4 values as published (binary32). */
static const float nf4_vals[] = {
    -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f, -0.28444138169288635f,
    -0.18477343022823334f, -0.09105003625154495f, 0.0f, 0.07958029955625534f, 0.16093020141124725f,
    0.24611230194568634f, 0.33791524171829224f, 0.44070982933044434f, 0.5626170039176941f,
    0.7229568362236023f, 1.0f,
};
static const double e2m1_vals[] = {0, 0.5, 1, 1.5, 2, 3, 4, 6, -0.5, -1, -1.5, -2, -3, -4, -6, 6};

typedef struct grid_case {
    const char *label;
    void (*make)(fpq_tensor *x, fpq_qspec *s);
} grid_case;

static void g_int8(fpq_tensor *x, fpq_qspec *s)
{
    /* k / 8 for k = -127..127: S = (127/8) / 127 = 1/8 */
    *x = tensor(1, 255);
    for (int k = -127; k <= 127; k++)
        x->data[k + 127] = k / 8.0;
    (void)s;
}

static void g_int4_groups(fpq_tensor *x, fpq_qspec *s)
{
    /* groups of 4 along rows of 8: k 2^-g with 7 2^-g in each group */
    *x = tensor(3, 8);
    static const int k[8] = {7, -3, 0, 1, -7, 2, 5, -6};
    for (size_t r = 0; r < 3; r++)
        for (size_t c = 0; c < 8; c++)
            x->data[r * 8 + c] = ldexp(k[c], -(int)(r * 2 + c / 4));
    s->format = fmt("int4");
    s->granularity = FPQ_GRAN_GROUP;
    s->group = 4;
    s->scale_format = fmt("fp16");
}

static void g_e4m3_rows(fpq_tensor *x, fpq_qspec *s)
{
    *x = tensor(4, NELEM(e4m3_vals));
    for (size_t r = 0; r < 4; r++)
        for (size_t c = 0; c < NELEM(e4m3_vals); c++)
            x->data[r * NELEM(e4m3_vals) + c] = ldexp(e4m3_vals[c], (int)r - 2);
    s->format = fmt("fp8_e4m3");
    s->granularity = FPQ_GRAN_ROW;
}

static void g_nf4(fpq_tensor *x, fpq_qspec *s)
{
    *x = tensor(1, 16);
    for (size_t c = 0; c < 16; c++)
        x->data[c] = 3.0 * nf4_vals[c];
    s->format = fmt("nf4");
}

static void g_uint8_zp(fpq_tensor *x, fpq_qspec *s)
{
    /* (k - 37)/16: S = (255/16)/255 = 1/16, Z = round(0 + 37) = 37 */
    *x = tensor(1, 256);
    for (int k = 0; k < 256; k++)
        x->data[k] = (k - 37) / 16.0;
    s->format = fmt("uint8");
    s->scheme = FPQ_SCHEME_ZEROPOINT;
}

static void g_int8_zp(fpq_tensor *x, fpq_qspec *s)
{
    /* the same data: Z = round(-128 + 37) = -91 */
    g_uint8_zp(x, s);
    s->format = fmt("int8");
}

static void g_mxfp4(fpq_tensor *x, fpq_qspec *s)
{
    /* e2m1 values times 2^-3; amax 6/8: X = 2^(floor(log2 0.75) - 2) = 2^-3 */
    *x = tensor(1, 32);
    for (size_t c = 0; c < 32; c++)
        x->data[c] = e2m1_vals[c % 16] / 8;
    fpq_qspec_set_scheme(s, FPQ_SCHEME_MX);
}

static void g_mxint8(fpq_tensor *x, fpq_qspec *s)
{
    /* k/64 times 4 with k up to 127: amax 7.9375, X = 2^2 */
    *x = tensor(1, 32);
    for (int c = 0; c < 32; c++)
        x->data[c] = (c == 0 ? 127 : (c * 37) % 255 - 127) / 64.0 * 4;
    fpq_qspec_set_scheme(s, FPQ_SCHEME_MX);
    s->format = fmt("int8");
}

static void g_nvfp4(fpq_tensor *x, fpq_qspec *s)
{
    /* block 0: e2m1 x 448 (amax 2688: s_t = 1, s_b = 448); block 1: e2m1
     * x 0.5 (s_b = e4m3(3 / 6) = 0.5) */
    *x = tensor(1, 32);
    for (size_t c = 0; c < 16; c++) {
        x->data[c] = e2m1_vals[c] * 448;
        x->data[16 + c] = e2m1_vals[c] * 0.5;
    }
    fpq_qspec_set_scheme(s, FPQ_SCHEME_NVFP4);
}

static const grid_case grid_cases[] = {
    {"int8 absmax tensor", g_int8},       {"int4 groups of 4, fp16 scale", g_int4_groups},
    {"fp8_e4m3 per row", g_e4m3_rows},    {"nf4 tensor", g_nf4},
    {"uint8 zeropoint", g_uint8_zp},      {"int8 zeropoint", g_int8_zp},
    {"mxfp4", g_mxfp4},                   {"mxint8", g_mxint8},
    {"nvfp4", g_nvfp4},
};

START_TEST(data_on_the_grid_quantizes_with_zero_error)
{
    fpq_tensor x;
    fpq_qspec s;
    fpq_qspec_default(&s);
    grid_cases[_i].make(&x, &s);
    fpq_qmetrics m;
    fpq_tensor xh = quantize(&m, &x, NULL, &s);
    for (size_t i = 0; i < fpq_tensor_size(&x); i++)
        ck_assert_msg(same_bits(xh.data[i], x.data[i]), "%s: element %zu: %a -> %a", grid_cases[_i].label, i,
                      x.data[i], xh.data[i]);
    ck_assert_msg(m.mse == 0 && m.max_abs_err == 0 && m.n_clipped == 0 && m.sqnr_db == FPQ_SQNR_CAP_DB &&
                      m.lossless == 1 && m.cos_sim == 1,
                  "%s: mse %g max %g clipped %zu", grid_cases[_i].label, m.mse, m.max_abs_err, m.n_clipped);
    fpq_tensor_free(&x);
    fpq_tensor_free(&xh);
}
END_TEST

START_TEST(absmax_int8_on_integers_minus127_to_127_is_exact)
{
    fpq_tensor x = tensor(5, 51); /* 255 integers, shuffled by a stride */
    for (size_t i = 0; i < 255; i++)
        x.data[i] = (double)((i * 101) % 255) - 127;
    fpq_qspec s;
    fpq_qspec_default(&s);
    s.rnd.int_symmetric = _i;
    fpq_qmetrics m;
    fpq_tensor xh = quantize(&m, &x, NULL, &s);
    for (size_t i = 0; i < 255; i++)
        ck_assert_msg(xh.data[i] == x.data[i], "%g -> %g", x.data[i], xh.data[i]);
    ck_assert(m.mse == 0 && m.bias == 0 && m.clipped_frac == 0);
    fpq_tensor_free(&x);
    fpq_tensor_free(&xh);
}
END_TEST

/* ---- closed forms ---------------------------------------------------------- */

/* Uniform data on [-a, a], absmax int-b per tensor: the grid is k S, |k| <=
 * Q = 2^(b-1) - 1, S = a'/Q with a' = max|x| (a' -> a as n grows).  Every
 * value lies in [-a', a'], so each error is uniform on a cell of width
 * Delta = S (or on the half cell at either end, with the same mean square):
 * noise power Delta^2/12.  Signal power a^2/3.  Hence
 *     SQNR = (a^2/3) / (S^2/12) = 4 Q^2 (a/a')^2 -> (2Q)^2 = (2^b - 2)^2,
 *     SQNR_dB = 20 log10(2^b - 2),
 * 48.10 dB for int8 (the textbook 6.02 b = 48.16 counts 2^b levels over the
 * range; absmax uses 2^b - 1 of them) and 22.92 dB for int4 (24.08).  At
 * n = 10^6 the estimate's standard deviation is about 0.005 dB. */
START_TEST(uniform_data_sqnr_matches_the_closed_form)
{
    static const int bits[] = {4, 6, 8};
    int b = bits[_i];
    char name[16];
    snprintf(name, sizeof name, "int%d", b);
    fpq_tensor x = tensor(1, 1000000);
    fpq_check_rng r;
    fpq_check_rng_init(&r, 0x51a + (uint64_t)b);
    for (size_t i = 0; i < fpq_tensor_size(&x); i++)
        x.data[i] = 2 * uniform01(&r) - 1;
    fpq_qspec s;
    fpq_qspec_default(&s);
    s.format = fmt(name);
    fpq_qmetrics m;
    fpq_tensor xh = quantize(&m, &x, NULL, &s);
    double want = 20 * log10(ldexp(1, b) - 2);
    ck_assert_msg(fabs(m.sqnr_db - want) < 0.1, "int%d: SQNR %.4f dB, closed form %.4f dB", b, m.sqnr_db, want);
    ck_assert(m.n_clipped == 0);
    fpq_tensor_free(&x);
    fpq_tensor_free(&xh);
}
END_TEST

START_TEST(zeropoint_beats_absmax_on_shifted_data)
{
    /* uniform on [2, 3]: absmax int8 steps 3/127, zero-point 1/255 */
    fpq_tensor x = tensor(16, 256);
    fpq_check_rng r;
    fpq_check_rng_init(&r, 0x2e60);
    for (size_t i = 0; i < fpq_tensor_size(&x); i++)
        x.data[i] = 2 + uniform01(&r);
    fpq_qspec s;
    fpq_qspec_default(&s);
    double abs_mse = mse_of(&x, &s);
    s.scheme = FPQ_SCHEME_ZEROPOINT;
    double zp_mse = mse_of(&x, &s);
    s.format = fmt("uint8");
    double zpu_mse = mse_of(&x, &s);
    /* the ratio of the steps squared is (3 255 / 127)^2 = 36.3 */
    ck_assert_msg(zp_mse * 20 < abs_mse, "zeropoint %g, absmax %g", zp_mse, abs_mse);
    ck_assert_msg(zpu_mse * 20 < abs_mse, "zeropoint uint8 %g, absmax %g", zpu_mse, abs_mse);
    fpq_tensor_free(&x);
}
END_TEST

START_TEST(per_row_beats_per_tensor_on_rows_of_very_different_scale)
{
    fpq_tensor x = tensor(8, 512);
    fill_normal(&x, 0x7043);
    for (size_t r = 0; r < 8; r++)
        for (size_t c = 0; c < 512; c++)
            x.data[r * 512 + c] *= pow(10, (double)r - 4);
    fpq_qspec s;
    fpq_qspec_default(&s);
    fpq_qmetrics mt, mr;
    fpq_tensor a = quantize(&mt, &x, NULL, &s);
    s.granularity = FPQ_GRAN_ROW;
    fpq_tensor b = quantize(&mr, &x, NULL, &s);
    /* per tensor, rows 0..6 round almost entirely to 0: their relative
     * error is about 1; per row, each row has about 38 dB */
    ck_assert_msg(mr.mean_rel_err * 10 < mt.mean_rel_err, "per-row rel %g, per-tensor %g", mr.mean_rel_err,
                  mt.mean_rel_err);
    ck_assert_msg(mr.mse < mt.mse, "per-row mse %g, per-tensor %g", mr.mse, mt.mse);
    fpq_tensor_free(&x);
    fpq_tensor_free(&a);
    fpq_tensor_free(&b);
}
END_TEST

START_TEST(smaller_groups_never_lose_on_average_over_seeds)
{
    static const size_t groups[] = {256, 128, 64, 32, 16, 8, 4, 2};
    enum { NSEEDS = 8 };
    double mean[NELEM(groups)] = {0};
    fpq_qspec s;
    fpq_qspec_default(&s);
    s.format = fmt("int4");
    s.granularity = FPQ_GRAN_GROUP;
    s.scale_format = fmt("fp16");
    s.axis = (unsigned)_i;
    for (int seed = 0; seed < NSEEDS; seed++) {
        fpq_tensor x = tensor(32, 256);
        fill_normal(&x, 0x6000 + (uint64_t)seed);
        for (size_t g = 0; g < NELEM(groups); g++) {
            s.group = groups[g];
            mean[g] += mse_of(&x, &s) / NSEEDS;
        }
        fpq_tensor_free(&x);
    }
    for (size_t g = 1; g < NELEM(groups); g++)
        ck_assert_msg(mean[g] <= mean[g - 1], "axis %d: group %zu mean mse %g > group %zu %g", _i, groups[g],
                      mean[g], groups[g - 1], mean[g - 1]);
}
END_TEST

/* ---- outlier split ----------------------------------------------------------- */

START_TEST(outlier_split_beats_per_row_int8_and_its_counts_are_exact)
{
    enum { R = 16, C = 64 };
    fpq_tensor x = tensor(R, C);
    fill_normal(&x, 0x0171);
    static const size_t big[] = {3, 17, 40};
    for (size_t i = 0; i < fpq_tensor_size(&x); i++)
        x.data[i] = fmax(-5, fmin(5, x.data[i])); /* no |x| >= 6 ... */
    for (size_t r = 0; r < R; r++)
        for (size_t k = 0; k < NELEM(big); k++)
            x.data[r * C + big[k]] *= 20; /* ... but in these columns */
    x.data[5 * C + 3] = 7.5; /* column 3 qualifies by row 5 alone anyway */
    fpq_qspec s;
    fpq_qspec_default(&s);
    s.granularity = FPQ_GRAN_ROW;
    fpq_qmetrics plain, split;
    fpq_tensor a = quantize(&plain, &x, NULL, &s);
    s.outlier = 6.0;
    fpq_tensor b = quantize(&split, &x, NULL, &s);
    ck_assert_msg(split.mse * 10 < plain.mse, "split %g, plain %g", split.mse, plain.mse);
    ck_assert_uint_eq(split.outlier_cols, 3);
    ck_assert_uint_eq(split.n_outlier, 3 * R);
    ck_assert(split.outlier_frac == 3.0 / C);
    /* (inliers x 8 + one fp32 scale per row + kept x 16 + 32 per column index) / n */
    double want = ((double)R * (C - 3) * 8 + R * 32 + R * 3 * 16 + 3 * 32) / (R * C);
    ck_assert_msg(split.bits_per_value == want, "bits %.17g, want %.17g", split.bits_per_value, want);
    ck_assert(plain.outlier_frac == 0 && plain.bits_per_value == 8 + 32.0 / C);
    /* kept values are fp16(x), rounded to nearest even */
    for (size_t r = 0; r < R; r++)
        for (size_t k = 0; k < NELEM(big); k++) {
            double v = x.data[r * C + big[k]];
            ck_assert_msg(same_bits(b.data[r * C + big[k]], fp16_of(v)), "kept %a -> %a", v,
                          b.data[r * C + big[k]]);
        }
    fpq_tensor_free(&x);
    fpq_tensor_free(&a);
    fpq_tensor_free(&b);
}
END_TEST

/* ---- bits per value ----------------------------------------------------------- */

typedef struct bits_case {
    const char *label;
    const char *elem, *scale; /* scale "exact" for an exact scale */
    fpq_scheme scheme;
    fpq_gran gran;
    size_t group;
    unsigned axis;
    size_t rows, cols, ocols;
    double want;
} bits_case;

static const bits_case bits_cases[] = {
    {"int4 group 32 fp16", "int4", "fp16", FPQ_SCHEME_ABSMAX, FPQ_GRAN_GROUP, 32, 1, 4, 64, 0, 4 + 16.0 / 32},
    {"int4 group 32 e8m0", "int4", "e8m0", FPQ_SCHEME_ABSMAX, FPQ_GRAN_GROUP, 32, 1, 4, 64, 0, 4.25},
    {"int8 tensor fp32", "int8", "fp32", FPQ_SCHEME_ABSMAX, FPQ_GRAN_TENSOR, 0, 1, 4, 8, 0, 8 + 32.0 / 32},
    {"int8 row fp32", "int8", "fp32", FPQ_SCHEME_ABSMAX, FPQ_GRAN_ROW, 0, 1, 4, 8, 0, 8 + 4 * 32.0 / 32},
    {"int8 col bf16", "int8", "bf16", FPQ_SCHEME_ABSMAX, FPQ_GRAN_COL, 0, 1, 4, 8, 0, 8 + 8 * 16.0 / 32},
    {"int8 tensor exact", "int8", "exact", FPQ_SCHEME_ABSMAX, FPQ_GRAN_TENSOR, 0, 1, 4, 8, 0, 8 + 64.0 / 32},
    {"uint8 zeropoint row fp16", "uint8", "fp16", FPQ_SCHEME_ZEROPOINT, FPQ_GRAN_ROW, 0, 1, 4, 8, 0,
     8 + 4 * (16.0 + 8) / 32},
    {"int4 group 32, short last group", "int4", "fp16", FPQ_SCHEME_ABSMAX, FPQ_GRAN_GROUP, 32, 1, 2, 40, 0,
     4 + 4 * 16.0 / 80},
    {"int4 group 32 axis 0, short last group", "int4", "fp16", FPQ_SCHEME_ABSMAX, FPQ_GRAN_GROUP, 32, 0, 40, 2,
     0, 4 + 4 * 16.0 / 80},
    {"fp8_e4m3 row fp32, 2 outlier columns", "fp8_e4m3", "fp32", FPQ_SCHEME_ABSMAX, FPQ_GRAN_ROW, 0, 1, 4, 8, 2,
     (4 * 6 * 8 + 4 * 32 + 4 * 2 * 16 + 2 * 32) / 32.0},
    {"MXFP4", "fp4_e2m1", NULL, FPQ_SCHEME_MX, FPQ_GRAN_GROUP, 32, 1, 2, 64, 0, 4.25},
    {"MXFP6", "fp6_e3m2", NULL, FPQ_SCHEME_MX, FPQ_GRAN_GROUP, 32, 1, 2, 64, 0, 6.25},
    {"MXFP8", "fp8_e4m3", NULL, FPQ_SCHEME_MX, FPQ_GRAN_GROUP, 32, 1, 2, 64, 0, 8.25},
    {"MXINT8", "int8", NULL, FPQ_SCHEME_MX, FPQ_GRAN_GROUP, 32, 1, 2, 64, 0, 8.25},
    {"NVFP4 n = 64", "fp4_e2m1", NULL, FPQ_SCHEME_NVFP4, FPQ_GRAN_GROUP, 16, 1, 2, 32, 0, 4.5 + 32.0 / 64},
};

START_TEST(bits_per_value_arithmetic)
{
    const bits_case *b = &bits_cases[_i];
    fpq_qspec s;
    fpq_qspec_default(&s);
    if (b->scheme == FPQ_SCHEME_MX || b->scheme == FPQ_SCHEME_NVFP4)
        fpq_qspec_set_scheme(&s, b->scheme);
    s.scheme = b->scheme;
    s.format = fmt(b->elem);
    s.granularity = b->gran;
    if (b->group)
        s.group = b->group;
    s.axis = b->axis;
    if (b->scale && strcmp(b->scale, "exact") == 0)
        s.scale_exact = true;
    else if (b->scale)
        s.scale_format = fmt(b->scale);
    double got = fpq_qspec_bits_per_value(&s, b->rows, b->cols, b->ocols);
    ck_assert_msg(got == b->want, "%s: %.17g, want %.17g", b->label, got, b->want);
    if (b->ocols == 0) { /* and fpq_quantize reports the same */
        fpq_tensor x = tensor(b->rows, b->cols);
        fill_normal(&x, 0xb175);
        fpq_qmetrics m;
        fpq_tensor xh = quantize(&m, &x, NULL, &s);
        ck_assert_msg(m.bits_per_value == b->want, "%s: quantize says %.17g", b->label, m.bits_per_value);
        fpq_tensor_free(&x);
        fpq_tensor_free(&xh);
    }
}
END_TEST

/* ---- MX --------------------------------------------------------------------------- */

typedef struct mx_rule_case {
    double amax, max_elem;
    unsigned mbits; /* the element's fraction bits (EVEN) */
    fpq_mx_rule rule;
    int want;
} mx_rule_case;

/* (Hex constants one ulp below and above the boundaries.)  Elements: E2M1
 * (max 6, emax 2, 1 fraction bit), E4M3 (448, 8, 3), E5M2
 * (57344, 15, 2), MXINT8 (127/64, 0, 6).  Each rule at and on either side
 * of its boundary, the zero block, NaN and Inf (128: the E8M0 NaN). */
static const mx_rule_case mx_rule_cases[] = {
    /* FLOOR (OCP MX 1.0 §6.3): k = floor(log2 amax) - emax */
    {960, 448, 3, FPQ_MX_FLOOR, 1},     /* floor(log2 960) = 9, emax 8 */
    {448, 448, 3, FPQ_MX_FLOOR, 0},     {449, 448, 3, FPQ_MX_FLOOR, 0},
    {5, 6, 1, FPQ_MX_FLOOR, 0},         /* floor(log2 5) = 2, emax 2 */
    {7, 6, 1, FPQ_MX_FLOOR, 0},         {8, 6, 1, FPQ_MX_FLOOR, 1},
    {4, 6, 1, FPQ_MX_FLOOR, 0},         {0x1.fffffffffffffp+1, 6, 1, FPQ_MX_FLOOR, -1},
    {0x1.0000000000001p+2, 6, 1, FPQ_MX_FLOOR, 0},  {0x1.fffffffffffffp+2, 6, 1, FPQ_MX_FLOOR, 0},
    {57344, 57344, 2, FPQ_MX_FLOOR, 0}, /* e5m2: emax 15 */
    {1.0, 127.0 / 64, 6, FPQ_MX_FLOOR, 0}, /* MXINT8: emax 0 */
    {0.75, 127.0 / 64, 6, FPQ_MX_FLOOR, -1}, {0, 6, 1, FPQ_MX_FLOOR, -127}, /* all zero: smallest */
    {0x1p-140, 448, 3, FPQ_MX_FLOOR, -127}, /* -148 clamped */
    {0x1p200, 6, 1, FPQ_MX_FLOOR, 127},     /* 198 clamped */
    {NAN, 6, 1, FPQ_MX_FLOOR, 128},         {INFINITY, 6, 1, FPQ_MX_FLOOR, 128},
    /* CEIL: k = ceil(log2 amax) - emax */
    {7, 6, 1, FPQ_MX_CEIL, 1},          /* ceil(log2 7 - 2) = ceil(0.81) */
    {4, 6, 1, FPQ_MX_CEIL, 0},          /* log2 4 - 2 = 0 exactly */
    {0x1.0000000000001p+2, 6, 1, FPQ_MX_CEIL, 1},   {0x1.fffffffffffffp+1, 6, 1, FPQ_MX_CEIL, 0},
    {6, 6, 1, FPQ_MX_CEIL, 1},          {256, 448, 3, FPQ_MX_CEIL, 0},
    {0x1.0000000000001p+8, 448, 3, FPQ_MX_CEIL, 1}, {0, 6, 1, FPQ_MX_CEIL, -127},
    {NAN, 6, 1, FPQ_MX_CEIL, 128},      {-INFINITY, 6, 1, FPQ_MX_CEIL, 128},
    /* RCEIL: k = ceil(log2(amax / max_elem)) */
    {7, 6, 1, FPQ_MX_RCEIL, 1},         /* ceil(log2(7/6)) */
    {6, 6, 1, FPQ_MX_RCEIL, 0},         {6.000001, 6, 1, FPQ_MX_RCEIL, 1},
    {0x1.8000000000001p+2, 6, 1, FPQ_MX_RCEIL, 1},  {0x1.7ffffffffffffp+2, 6, 1, FPQ_MX_RCEIL, 0},
    {3, 6, 1, FPQ_MX_RCEIL, -1},        {0x1.8000000000001p+1, 6, 1, FPQ_MX_RCEIL, 0},
    {12, 6, 1, FPQ_MX_RCEIL, 1},        {896, 448, 3, FPQ_MX_RCEIL, 1},
    {0x1.c000000000001p+8, 448, 3, FPQ_MX_RCEIL, 1}, {0x1p-1074, 6, 1, FPQ_MX_RCEIL, -127},
    {0, 6, 1, FPQ_MX_RCEIL, -127},      {NAN, 448, 3, FPQ_MX_RCEIL, 128},
    {INFINITY, 448, 3, FPQ_MX_RCEIL, 128},
    /* EVEN: FLOOR of amax rounded to mbits + 1 bits: one up at significand
     * >= 2 - 2^-(mbits+1) (E2M1: 1.75, E4M3: 1.9375, MXINT8: 1.9921875) */
    {7, 6, 1, FPQ_MX_EVEN, 1},          /* 1.75 * 4: rounds to 8 */
    {0x1.bffffffffffffp+2, 6, 1, FPQ_MX_EVEN, 0},   {0x1.c000000000001p+2, 6, 1, FPQ_MX_EVEN, 1},
    {4, 6, 1, FPQ_MX_EVEN, 0},          {0x1.fffffffffffffp+1, 6, 1, FPQ_MX_EVEN, 0}, /* 3.99.. rounds to 4 */
    {3.5, 6, 1, FPQ_MX_EVEN, 0},        {0x1.bffffffffffffp+1, 6, 1, FPQ_MX_EVEN, -1},
    {6, 6, 1, FPQ_MX_EVEN, 0},          {496, 448, 3, FPQ_MX_EVEN, 1}, /* 1.9375 * 256 */
    {0x1.effffffffffffp+8, 448, 3, FPQ_MX_EVEN, 0}, {448, 448, 3, FPQ_MX_EVEN, 0},
    {1.9921875, 127.0 / 64, 6, FPQ_MX_EVEN, 1}, {0x1.fdfffffffffffp+0, 127.0 / 64, 6, FPQ_MX_EVEN, 0},
    {0, 6, 1, FPQ_MX_EVEN, -127},       {0x1p200 * 1.75, 6, 1, FPQ_MX_EVEN, 127}, /* 199 clamped */
    {NAN, 6, 1, FPQ_MX_EVEN, 128},      {INFINITY, 6, 1, FPQ_MX_EVEN, 128},
};

START_TEST(mx_shared_scale_rules_by_hand)
{
    const mx_rule_case *c = &mx_rule_cases[_i];
    int k = fpq_mx_scale_exp(c->amax, c->max_elem, c->mbits, c->rule);
    ck_assert_msg(k == c->want, "amax %a, max_elem %a, %s: k = %d, want %d", c->amax, c->max_elem,
                  fpq_mx_rule_name(c->rule), k, c->want);
}
END_TEST

START_TEST(scale_rules_fit_their_schemes)
{
    for (int r = 0; r < FPQ_MX_RULE_COUNT_; r++) {
        fpq_mx_rule back;
        ck_assert_int_eq(fpq_mx_rule_parse(&back, fpq_mx_rule_name((fpq_mx_rule)r)), FPQ_OK);
        ck_assert_int_eq(back, r);
        bool mx = r <= FPQ_MX_EVEN;
        ck_assert_int_eq(fpq_mx_rule_fits((fpq_mx_rule)r, FPQ_SCHEME_MX), mx);
        ck_assert_int_eq(fpq_mx_rule_fits((fpq_mx_rule)r, FPQ_SCHEME_NVFP4), !mx);
        fpq_qspec s;
        fpq_qspec_default(&s);
        fpq_qspec_set_scheme(&s, FPQ_SCHEME_MX);
        s.mx_rule = (fpq_mx_rule)r;
        ck_assert_int_eq(fpq_qspec_validate(&s, NULL), mx ? FPQ_OK : FPQ_LAB_ERR_SPEC);
        fpq_qspec_set_scheme(&s, FPQ_SCHEME_NVFP4);
        ck_assert_int_eq(s.mx_rule, FPQ_NV_SIX);
        s.mx_rule = (fpq_mx_rule)r;
        ck_assert_int_eq(fpq_qspec_validate(&s, NULL), mx ? FPQ_LAB_ERR_SPEC : FPQ_OK);
    }
}
END_TEST

/* Quantize a 1 x n vector under s and compare x^ with want (exact). */
static void check_vector(const char *label, const double *x, const double *want, size_t n,
                         const fpq_qspec *s, size_t want_clipped)
{
    fpq_tensor t = from_array(1, n, x);
    fpq_qmetrics m;
    fpq_tensor xh = quantize(&m, &t, NULL, s);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(same_bits(xh.data[i], want[i]), "%s: element %zu: %.17g -> %.17g, want %.17g", label, i,
                      x[i], xh.data[i], want[i]);
    ck_assert_msg(m.n_clipped == want_clipped, "%s: %zu clipped, want %zu", label, m.n_clipped, want_clipped);
    fpq_tensor_free(&t);
    fpq_tensor_free(&xh);
}

START_TEST(mx_e4m3_block_of_the_spec_example_saturates)
{
    /* OCP MX 1.0: 960 and 957 in an E4M3 block: X = 2^(9 - 8) = 2; 960/2 =
     * 480 and 957/2 = 478.5 both round above 448 (past 464) and saturate:
     * 896 each. */
    double x[32] = {960, 957, 1, -3}, want[32] = {896, 896, 1, -3}; /* 1/2, -3/2 exact */
    fpq_qspec s;
    fpq_qspec_default(&s);
    fpq_qspec_set_scheme(&s, FPQ_SCHEME_MX);
    s.format = fmt("fp8_e4m3");
    check_vector("mxfp8 e4m3", x, want, 32, &s, 2);
}
END_TEST

START_TEST(mx_elements_by_hand)
{
    fpq_qspec s;
    fpq_qspec_default(&s);
    fpq_qspec_set_scheme(&s, FPQ_SCHEME_MX);
    /* MXFP4, amax 5: X = 2^(2 - 2) = 1.  5 is the tie of 4 and 6: to even
     * (4, code 0110) or away (6); 1.25 ties 1 and 1.5: 1 or 1.5; 0.3 ->
     * 0.5 (nearer than 0). */
    double x[32] = {5, -5, 1.25, 0.3, -0.2};
    double rne[32] = {4, -4, 1, 0.5, -0.0};
    double rna[32] = {6, -6, 1.5, 0.5, -0.0};
    check_vector("mxfp4 rne", x, rne, 32, &s, 0);
    s.rnd.mode = FPQ_RNA;
    check_vector("mxfp4 rna", x, rna, 32, &s, 0);
    s.rnd.mode = FPQ_RNE;

    /* MXFP4 with CEIL: X = 2^ceil(log2 5 - 2) = 2: 5/2 = 2.5 ties 2 and 3
     * -> 2 (even) -> 4; 1.25/2 = 0.625 -> 0.5 -> 1; 0.3/2 = 0.15 -> 0 */
    double ceil_want[32] = {4, -4, 1, 0, -0.0};
    s.mx_rule = FPQ_MX_CEIL;
    check_vector("mxfp4 ceil", x, ceil_want, 32, &s, 0);
    s.mx_rule = FPQ_MX_FLOOR;

    /* MXFP4, amax 7.5: FLOOR gives X = 1; 7.5 and 7 both saturate to 6,
     * but only 7.5 lies beyond 6 + 2/2 (half the last step): clipped.  7
     * is the tie of 6 and the 8 past the end (to even: 8, saturated). */
    double y[32] = {7.5, 7}, y_want[32] = {6, 6};
    check_vector("mxfp4 saturation", y, y_want, 32, &s, 1);
    s.mx_rule = FPQ_MX_RCEIL; /* X = 2^ceil(log2(7.5/6)) = 2: 3.75 -> 4, 3.5 -> 4 (tie, even) */
    double y_rceil[32] = {8, 8};
    check_vector("mxfp4 rceil", y, y_rceil, 32, &s, 0);
    s.mx_rule = FPQ_MX_FLOOR;

    /* MXFP4 with EVEN, amax 7 = 1.75 * 4 rounds to 8: X = 2^(3 - 2) = 2:
     * 7/2 = 3.5 ties 3 and 4 -> 4 (even) -> 8; 1/2 -> 1; FLOOR: X = 1, 7 ->
     * 6 (saturated: the tie of 6 and 8, not clipped) */
    double e[32] = {7, 1}, e_even[32] = {8, 1}, e_floor[32] = {6, 1};
    s.mx_rule = FPQ_MX_EVEN;
    check_vector("mxfp4 even", e, e_even, 32, &s, 0);
    s.mx_rule = FPQ_MX_FLOOR;
    check_vector("mxfp4 even's block under floor", e, e_floor, 32, &s, 0);

    /* MXINT8 (OCP MX 1.0 §5.3.4: k/64, -128 unused), amax 1: X = 1;
     * 0.3 * 64 = 19.2 -> 19/64; -0.5 -> -32/64; 1.99 x 64 = 127.36 -> 127 */
    s.format = fmt("int8");
    double z[32] = {1.0, 0.3, -0.5, -1.0}, z_want[32] = {1.0, 19 / 64.0, -0.5, -1.0};
    check_vector("mxint8", z, z_want, 32, &s, 0);
    double w[32] = {1.99, -1.99}, w_want[32] = {127 / 64.0, -127 / 64.0};
    check_vector("mxint8 top", w, w_want, 32, &s, 0);

    /* A short last block has its own scale: 1 x 40, block 1 holds 8
     * elements with amax 0.75: X = 2^(-1 - 2) = 1/8; 0.1 x 8 = 0.8 -> 1
     * -> 0.125.  Block 0: X = 1, 0.3 -> 0.5. */
    s.format = fmt("fp4_e2m1");
    double v[40] = {6, 0.3}, v_want[40] = {6, 0.5};
    v[32] = 0.75, v[33] = 0.1;
    v_want[32] = 0.75, v_want[33] = 0.125;
    check_vector("mxfp4 short last block", v, v_want, 40, &s, 0);
    ck_assert(fpq_qspec_bits_per_value(&s, 1, 40, 0) == (40 * 4 + 2 * 8) / 40.0);
}
END_TEST

/* ---- NVFP4 ------------------------------------------------------------------------ */

START_TEST(nvfp4_scales_and_elements_by_hand)
{
    fpq_qspec s;
    fpq_qspec_default(&s);
    fpq_qspec_set_scheme(&s, FPQ_SCHEME_NVFP4);

    /* amax 2688 = 448 x 6: s_t = 1.  Block 0: s_b = e4m3(2688/6) = 448;
     * 1000/448 = 2.23 -> 2 -> 896.  Block 1: s_b = e4m3(3/6) = 0.5;
     * 1.3/0.5 = 2.6 -> 3 -> 1.5. */
    double a[32] = {2688, 1000}, a_want[32] = {2688, 896};
    a[16] = 3, a[17] = 1.3;
    a_want[16] = 3, a_want[17] = 1.5;
    check_vector("nvfp4 s_t = 1", a, a_want, 32, &s, 0);

    /* amax 2.625: s_t = fp32(2.625 / 2688) = 2^-10.  Block 1, amax 0.01:
     * 0.01 / (6 2^-10) = 1.7067 -> e4m3 1.75 (between 1.625 and 1.75);
     * S = 1.75 2^-10.  0.01/S = 5.85 -> 6 -> 0.01025390625; 0.004/S =
     * 2.34 -> 2 -> 0.00341796875. */
    double b[32] = {2.625}, b_want[32] = {2.625};
    b[16] = 0.01, b[17] = 0.004;
    b_want[16] = 0.01025390625, b_want[17] = 0.00341796875;
    check_vector("nvfp4 s_t = 2^-10", b, b_want, 32, &s, 0);

    /* Without the tensor scale: s_b = e4m3(clamp(amax/6, 2^-6, 448)).
     * Block 0: 2.625/6 = 0.4375 (an e4m3 value) -> 2.625 exact.  Block 1:
     * 0.01/6 < 2^-6 -> 2^-6; 0.64 -> 0.5 -> 0.0078125; 0.256 -> 0.5 (past
     * the midpoint 0.25) -> 0.0078125. */
    s.tensor_scale = false;
    double c_want[32] = {2.625};
    c_want[16] = 0.0078125, c_want[17] = 0.0078125;
    check_vector("nvfp4 without tensor scale", b, c_want, 32, &s, 0);
    ck_assert(fpq_qspec_bits_per_value(&s, 1, 32, 0) == 4.5);
    s.tensor_scale = true;
    ck_assert(fpq_qspec_bits_per_value(&s, 1, 32, 0) == 4.5 + 1);
}
END_TEST

/* Four Over Six (Cook et al. 2025): per block the scale mapping its max to
 * 6 or to 4, whichever has the lower sum of squared errors (6 on a tie). */
START_TEST(nvfp4_four_over_six_by_hand)
{
    fpq_qspec s;
    fpq_qspec_default(&s);
    fpq_qspec_set_scheme(&s, FPQ_SCHEME_NVFP4);
    /* Tensor amax 6: under 4over6 s_t = fp32(6 / (6 256)) = 2^-8.  Block 0
     * {6, 5}: to 6, s_b = 256, S = 1: 5 ties 4 and 6 -> 4, SSE 1; to 4,
     * s_b = e4m3(384) = 384, S = 1.5: 6 -> 4 -> 6, 5/1.5 = 3.33 -> 3 ->
     * 4.5, SSE 0.25: 4 wins.  Block 1 {4.8}: to 6, s_b = e4m3(204.8) = 208,
     * S = 0.8125: 5.91 -> 6 -> 4.875 (error 0.075); to 4, s_b = e4m3(307.2)
     * = 320, S = 1.25: 3.84 -> 4 -> 5 (0.2): 6 wins.  Block 1 under rule 6
     * (s_t = fp32(6/2688)): s_b = e4m3(358.4) = 352, 4.8/(352 s_t) = 6.11
     * -> 6; block 0: s_b = 448, S = 448 s_t (a hair above 1): {6, 4} S. */
    const double st6 = (double)(float)(6 / 2688.0); /* s_t under rule 6 */
    double x[32] = {6, 5}, want46[32] = {6, 4.5}, want6[32] = {6 * (448 * st6), 4 * (448 * st6)};
    x[16] = 4.8, want46[16] = 4.875;
    want6[16] = 6 * (352 * st6);
    s.mx_rule = FPQ_NV_4OVER6;
    check_vector("nvfp4 4over6", x, want46, 32, &s, 0);
    s.mx_rule = FPQ_NV_SIX;
    check_vector("nvfp4 6", x, want6, 32, &s, 0);
    /* A tie keeps 6: block {4, 4} without the tensor scale: to 6, s_b =
     * e4m3(0.667) = 0.6875, 4/0.6875 = 5.82 -> 6 -> 4.125; to 4, s_b = 1,
     * exact: 4 wins.  {0, ...}: both exact (SSE 0 each): 6 kept, S = 2^-6
     * (the clamp) either way. */
    s.tensor_scale = false;
    s.mx_rule = FPQ_NV_4OVER6;
    double y[32] = {4, 4}, ywant[32] = {4, 4};
    check_vector("nvfp4 4over6 no tensor scale", y, ywant, 32, &s, 0);
    fpq_tensor t = from_array(1, 32, y);
    fpq_qparts parts;
    fpq_tensor xh = FPQ_TENSOR_INIT;
    ck_assert_int_eq(fpq_quantize_parts(&xh, NULL, &parts, &t, NULL, &s, NULL), FPQ_OK);
    ck_assert_msg(parts.scales.data[0] == 1.0 && parts.scales.data[1] == 0x1p-6, "scales %g %g",
                  parts.scales.data[0], parts.scales.data[1]);
    fpq_qparts_free(&parts);
    fpq_tensor_free(&xh);
    fpq_tensor_free(&t);
}
END_TEST

/* ---- LLM.int8 worked example ----------------------------------------------------------- */

START_TEST(llm_int8_worked_example)
{
    /* The LLM.int8 article: absmax int8 of [1.2, -0.5, -4.3, 1.2, -3.1, 0.8, 2.4, 5.4]
     * gives [28, -12, -101, 28, -73, 19, 56, 127] with S = 5.4/127, here
     * the binary32 nearest 5.4/127 (computed with MPFR as the oracle). */
    static const double x[8] = {1.2, -0.5, -4.3, 1.2, -3.1, 0.8, 2.4, 5.4};
    static const int q[8] = {28, -12, -101, 28, -73, 19, 56, 127};
    double S = fp32_quotient(5.4, 127);
    double want[8];
    for (int i = 0; i < 8; i++)
        want[i] = q[i] * S;
    fpq_qspec s;
    fpq_qspec_default(&s);
    s.rnd.int_symmetric = true;
    check_vector("llm.int8", x, want, 8, &s, 0);
}
END_TEST

/* ---- static calibration ------------------------------------------------------------------ */

static void spec_variant(fpq_qspec *s, int k)
{
    fpq_qspec_default(s);
    switch (k) {
    case 0: break;
    case 1: s->granularity = FPQ_GRAN_ROW, s->format = fmt("int4"); break;
    case 2: s->granularity = FPQ_GRAN_COL, s->scheme = FPQ_SCHEME_ZEROPOINT, s->format = fmt("uint4"); break;
    case 3:
        s->granularity = FPQ_GRAN_GROUP, s->group = 8, s->format = fmt("fp4_e2m1");
        s->scale_format = fmt("e8m0");
        break;
    case 4: s->range = FPQ_RANGE_MSE, s->granularity = FPQ_GRAN_ROW, s->format = fmt("int4"); break;
    case 5: s->range = FPQ_RANGE_PERCENTILE, s->percentile = 99, s->format = fmt("nf4"); break;
    case 6: fpq_qspec_set_scheme(s, FPQ_SCHEME_MX); break;
    case 7: fpq_qspec_set_scheme(s, FPQ_SCHEME_NVFP4); break;
    case 8: s->outlier = 2.5, s->granularity = FPQ_GRAN_ROW; break;
    case 9:
        s->granularity = FPQ_GRAN_GROUP, s->axis = 0, s->group = 5, s->format = fmt("int4");
        s->rnd.mode = FPQ_RSR, s->rnd.seed = 77;
        break;
    case 10:
        s->scheme = FPQ_SCHEME_ZEROPOINT, s->range = FPQ_RANGE_MSE, s->mse_steps = 20;
        s->granularity = FPQ_GRAN_GROUP, s->group = 16, s->format = fmt("int3");
        break;
    default: break;
    }
}
#define NVARIANTS 11

START_TEST(static_calibration_on_x_equals_dynamic)
{
    fpq_tensor x = tensor(24, 48);
    fill_normal(&x, 0xca1);
    fpq_qspec s;
    spec_variant(&s, _i);
    fpq_qmetrics md, ms;
    fpq_tensor a = quantize(&md, &x, NULL, &s);
    fpq_tensor b = quantize(&ms, &x, &x, &s);
    for (size_t i = 0; i < fpq_tensor_size(&x); i++)
        ck_assert_msg(same_bits(a.data[i], b.data[i]), "variant %d, element %zu: %a != %a", _i, i, a.data[i],
                      b.data[i]);
    for (size_t k = 0; k < FPQ_QMETRIC_COUNT; k++)
        ck_assert_msg(same_bits(fpq_qmetric(&md, k), fpq_qmetric(&ms, k)), "variant %d: %s", _i,
                      fpq_qmetric_names[k]);
    fpq_tensor_free(&x);
    fpq_tensor_free(&a);
    fpq_tensor_free(&b);
}
END_TEST

START_TEST(static_calibration_clips_and_counts_values_outside_its_range)
{
    /* calibrated on [-1, 1] (max 1): S = 1/127; x holds 2 and -3 */
    double c[4] = {1, -0.5, 0.25, 0}, x[4] = {2, -3, 0.25, 1 / 127.0};
    fpq_tensor ct = from_array(1, 4, c), xt = from_array(1, 4, x);
    fpq_qspec s;
    fpq_qspec_default(&s);
    fpq_qmetrics m;
    fpq_tensor xh = quantize(&m, &xt, &ct, &s);
    double S = fp32_quotient(1, 127);
    ck_assert_uint_eq(m.n_clipped, 2);
    ck_assert(m.clipped_frac == 0.5);
    ck_assert(same_bits(xh.data[0], 127 * S));
    ck_assert(same_bits(xh.data[1], -128 * S)); /* int8 reaches -128 unless symmetric */
    ck_assert(same_bits(xh.data[2], 32 * S));   /* 0.25 / S = 31.75 */
    ck_assert(same_bits(xh.data[3], S));
    fpq_tensor_free(&xh);
    s.rnd.int_symmetric = true;
    xh = quantize(&m, &xt, &ct, &s);
    ck_assert(same_bits(xh.data[1], -127 * S));
    fpq_tensor_free(&xh);
    fpq_tensor_free(&ct);
    fpq_tensor_free(&xt);
}
END_TEST

START_TEST(static_calibration_tensor_may_have_another_shape_where_scales_allow)
{
    /* per tensor: any shape; per column: the same columns.  Calibration
     * max 4 (column 2 of c); x^ of x's values from S = 4/127 (binary32). */
    double c[15] = {1, -2, 4, 0.5, 0, 0, 3, -1, 0, 0, 0, 0, -2.5, 1, 0}; /* 3 x 5 */
    double x[14] = {1, 2, 3, 4, 5, 6, 7, -1, -2, -3, -4, -5, -6, -7};    /* 2 x 7 */
    fpq_tensor ct = from_array(3, 5, c), xt = from_array(2, 7, x);
    fpq_qspec s;
    fpq_qspec_default(&s);
    fpq_qmetrics m;
    fpq_tensor xh = quantize(&m, &xt, &ct, &s);
    double S = fp32_quotient(4, 127);
    for (size_t i = 0; i < 14; i++) {
        double q = fmin(127, fmax(-128, nearbyint(x[i] / S))); /* no ties here */
        ck_assert_msg(same_bits(xh.data[i], q * S), "element %zu: %.17g, want %g S", i, xh.data[i], q);
    }
    ck_assert_uint_eq(m.n_clipped, 6); /* |x| >= 5 */
    fpq_tensor_free(&xh);
    /* per column with 7 columns in x and 5 in c: refused */
    s.granularity = FPQ_GRAN_COL;
    fpq_errbuf err;
    ck_assert_int_eq(fpq_quantize(&xh, NULL, &xt, &ct, &s, &err), FPQ_LAB_ERR_SPEC);
    ck_assert_msg(strstr(err.msg, "per-column scales need the 7 columns"), "%s", err.msg);
    /* per column with 3 x 7 calibration rows: fine, each column its own */
    fpq_tensor c2 = tensor(3, 7);
    for (size_t j = 0; j < 7; j++)
        c2.data[j] = 127.0 / (double)(j + 1); /* column j: max 127/(j+1) */
    xh = quantize(&m, &xt, &c2, &s);
    for (size_t i = 0; i < 14; i++) {
        double Sj = fp32_quotient(c2.data[i % 7], 127);
        double q = fmin(127, fmax(-128, nearbyint(x[i] / Sj)));
        ck_assert_msg(same_bits(xh.data[i], q * Sj), "per column, element %zu: %.17g", i, xh.data[i]);
    }
    fpq_tensor_free(&xh);
    fpq_tensor_free(&c2);
    fpq_tensor_free(&ct);
    fpq_tensor_free(&xt);
}
END_TEST

/* ---- range choices ------------------------------------------------------------------------- */

START_TEST(percentile_clips_at_the_nearest_rank)
{
    /* 1..1000, percentile 90: c = the 900th value = 900, S = fp32(900/127);
     * clipped: x/S > 127.5, i.e. x > 903.5...: 904..1000, 97 values */
    fpq_tensor x = tensor(1, 1000);
    for (size_t i = 0; i < 1000; i++)
        x.data[i] = (double)(i + 1);
    fpq_qspec s;
    fpq_qspec_default(&s);
    fpq_errbuf err;
    ck_assert_int_eq(fpq_range_parse(&s, "percentile:90", &err), FPQ_OK);
    fpq_qmetrics m;
    fpq_tensor xh = quantize(&m, &x, NULL, &s);
    ck_assert_uint_eq(m.n_clipped, 97);
    ck_assert(m.clip_ratio == 0.9);
    ck_assert(xh.data[999] == xh.data[903] && xh.data[999] == 127 * fp32_quotient(900, 127));
    fpq_tensor_free(&xh);
    /* 99.9 of 1000 is the 999th value, despite 99.9's binary value */
    ck_assert_int_eq(fpq_range_parse(&s, "percentile:99.9", &err), FPQ_OK);
    xh = quantize(&m, &x, NULL, &s);
    ck_assert(m.clip_ratio == 0.999);
    fpq_tensor_free(&xh);
    fpq_tensor_free(&x);
}
END_TEST

START_TEST(mse_range_never_loses_to_max_and_reports_its_ratio)
{
    /* Laplace-like heavy tails (normal cubed): clipping pays at 4 bits */
    fpq_tensor x = tensor(8, 256);
    fill_normal(&x, 0x3e5e);
    for (size_t i = 0; i < fpq_tensor_size(&x); i++)
        x.data[i] = x.data[i] * x.data[i] * x.data[i];
    fpq_qspec s;
    fpq_qspec_default(&s);
    s.format = fmt("int4");
    s.granularity = FPQ_GRAN_ROW;
    fpq_qmetrics mmax, mmse;
    fpq_tensor a = quantize(&mmax, &x, NULL, &s);
    s.range = FPQ_RANGE_MSE;
    fpq_tensor b = quantize(&mmse, &x, NULL, &s);
    ck_assert_msg(mmse.mse < mmax.mse, "mse search %g, max %g", mmse.mse, mmax.mse);
    ck_assert_msg(mmse.clip_ratio < 1 && mmse.clip_ratio > 0.05, "ratio %g", mmse.clip_ratio);
    ck_assert(mmse.n_clipped > 0 && mmax.n_clipped == 0);
    fpq_tensor_free(&a);
    fpq_tensor_free(&b);
    /* on-grid data: no clipping is best, ratio 1 */
    fpq_tensor g;
    grid_cases[0].make(&g, &s);
    s.format = fmt("int8");
    s.granularity = FPQ_GRAN_TENSOR;
    fpq_tensor c = quantize(&mmse, &g, NULL, &s);
    ck_assert(mmse.clip_ratio == 1 && mmse.mse == 0);
    fpq_tensor_free(&c);
    fpq_tensor_free(&g);
    fpq_tensor_free(&x);
}
END_TEST

/* ---- rounding ------------------------------------------------------------------------------- */

/* The element codes are the rounding of the exact quotient x/S: checked
 * against fpq_encode of x/S computed in MPFR, for every deterministic mode,
 * on random data and on data within an ulp of the midpoints. */
START_TEST(elements_round_the_exact_quotient_in_every_mode)
{
    static const fpq_rnd modes[] = {FPQ_RNE, FPQ_RNA, FPQ_RTZ, FPQ_RUP, FPQ_RDN, FPQ_RTO};
    fpq_rnd mode = modes[_i];
    enum { N = 4000 };
    fpq_tensor x = tensor(1, N);
    fpq_check_rng r;
    fpq_check_rng_init(&r, 0x90 + (uint64_t)_i);
    /* S = amax / 7 exactly in binary64 with amax = 7: S = 1 would be too
     * easy; amax = 7 * 0.1 gives an S with a long significand */
    const double amax = 0.7;
    for (size_t i = 0; i < N; i++) {
        double v;
        if (i % 2 == 0) {
            v = (2 * uniform01(&r) - 1) * amax;
        } else { /* next to a midpoint (k + 1/2) S, one or two ulps off or on */
            double S = amax / 7;
            double k = (double)(fpq_check_rng_below(&r, 14)) - 7 + 0.5;
            v = k * S;
            int d = (int)fpq_check_rng_below(&r, 5) - 2;
            for (; d > 0; d--)
                v = nextafter(v, INFINITY);
            for (; d < 0; d++)
                v = nextafter(v, -INFINITY);
            v = fmax(-amax, fmin(amax, v));
        }
        x.data[i] = v;
    }
    x.data[0] = amax;
    fpq_qspec s;
    fpq_qspec_default(&s);
    s.format = fmt("int4");
    s.scale_exact = true;
    s.rnd.mode = mode;
    fpq_qmetrics m;
    fpq_tensor xh = quantize(&m, &x, NULL, &s);
    const double S = amax / 7; /* the host's correctly rounded quotient: the exact scale */
    fpq_format i4 = fmt("int4");
    fpq_rounding rr;
    fpq_rounding_default(&rr);
    rr.mode = mode;
    rr.overflow = FPQ_OVF_SATURATE;
    mpfr_t a, b;
    mpfr_inits2(300, a, b, (mpfr_ptr)0);
    for (size_t i = 0; i < N; i++) {
        mpfr_set_d(a, x.data[i], MPFR_RNDN);
        mpfr_set_d(b, S, MPFR_RNDN);
        mpfr_div(a, a, b, MPFR_RNDN); /* at 300 bits: ties and directions preserved for 4-bit targets */
        uint64_t bits;
        fpq_encode(&bits, NULL, &i4, a, &rr);
        int64_t q = (int64_t)(bits & 0xf);
        if (q >= 8)
            q -= 16;
        ck_assert_msg(same_bits(xh.data[i], (double)q * S), "%s: x = %a: got %a, want %lld * S",
                      fpq_rnd_name(mode), x.data[i], xh.data[i], (long long)q);
    }
    mpfr_clears(a, b, (mpfr_ptr)0);
    fpq_tensor_free(&x);
    fpq_tensor_free(&xh);
}
END_TEST

START_TEST(stochastic_rounding_uses_the_element_index_as_position)
{
    /* S = 2^-4 (amax 7/16, int4): x/S is exact; element i rounds with
     * position i of the seed's stream, as fpq_encode says */
    enum { R = 4, C = 50 };
    fpq_tensor x = tensor(R, C);
    fpq_check_rng r;
    fpq_check_rng_init(&r, 0x5a);
    for (size_t i = 0; i < R * C; i++)
        x.data[i] = (2 * uniform01(&r) - 1) * 7 / 16;
    x.data[0] = 7.0 / 16;
    fpq_qspec s;
    fpq_qspec_default(&s);
    s.format = fmt("int4");
    s.rnd.mode = FPQ_RSR;
    s.rnd.seed = 12345;
    fpq_qmetrics m;
    fpq_tensor xh = quantize(&m, &x, NULL, &s);
    fpq_format i4 = fmt("int4");
    fpq_rounding rr = s.rnd;
    rr.overflow = FPQ_OVF_SATURATE;
    mpfr_t a;
    mpfr_init2(a, 64);
    size_t inexact = 0;
    for (size_t i = 0; i < R * C; i++) {
        mpfr_set_d(a, x.data[i] * 16, MPFR_RNDN);
        rr.position = i;
        uint64_t bits;
        fpq_encode(&bits, NULL, &i4, a, &rr);
        int q = (int)(bits & 0xf);
        if (q >= 8)
            q -= 16;
        ck_assert_msg(xh.data[i] == q / 16.0, "element %zu: %a -> %a, want %d/16", i, x.data[i], xh.data[i], q);
        inexact += xh.data[i] != x.data[i];
    }
    mpfr_clear(a);
    ck_assert(inexact > R * C / 2);
    fpq_tensor_free(&x);
    fpq_tensor_free(&xh);
}
END_TEST

START_TEST(results_do_not_depend_on_the_thread_count)
{
    fpq_tensor x = tensor(64, 300);
    fill_normal(&x, 0x7447);
    fpq_qspec s;
    spec_variant(&s, _i);
    s.exact_metrics = _i % 2;
    int saved = omp_get_max_threads();
    omp_set_num_threads(1);
    fpq_qmetrics m1, m3;
    fpq_tensor a = quantize(&m1, &x, NULL, &s);
    omp_set_num_threads(3);
    fpq_tensor b = quantize(&m3, &x, NULL, &s);
    omp_set_num_threads(saved);
    for (size_t i = 0; i < fpq_tensor_size(&x); i++)
        ck_assert_msg(same_bits(a.data[i], b.data[i]), "variant %d element %zu", _i, i);
    for (size_t k = 0; k < FPQ_QMETRIC_COUNT; k++)
        ck_assert_msg(same_bits(fpq_qmetric(&m1, k), fpq_qmetric(&m3, k)), "variant %d: %s %.17g vs %.17g", _i,
                      fpq_qmetric_names[k], fpq_qmetric(&m1, k), fpq_qmetric(&m3, k));
    fpq_tensor_free(&x);
    fpq_tensor_free(&a);
    fpq_tensor_free(&b);
}
END_TEST

/* ---- metrics -------------------------------------------------------------------------------- */

START_TEST(metrics_of_a_hand_example)
{
    /* x = [1, 2, 3, 4], x^ = [1, 2, 3, 5]: e = [0, 0, 0, 1] */
    double xv[4] = {1, 2, 3, 4}, hv[4] = {1, 2, 3, 5};
    fpq_tensor x = from_array(2, 2, xv), h = from_array(2, 2, hv);
    for (int exact = 0; exact <= 1; exact++) {
        fpq_qmetrics m;
        ck_assert_int_eq(fpq_qmetrics_compute(&m, &x, &h, exact, NULL), FPQ_OK);
        ck_assert(m.mse == 0.25 && m.rmse == 0.5 && m.bias == 0.25 && m.max_abs_err == 1);
        ck_assert(m.nmse == 1.0 / 30);
        ck_assert(m.mean_rel_err == 0.0625);
        ck_assert_msg(fabs(m.sqnr_db - 10 * log10(30.0)) < 1e-14, "sqnr %.17g", m.sqnr_db);
        ck_assert_msg(fabs(m.cos_sim - 34 / sqrt(30.0 * 39)) < 1e-15, "cos %.17g", m.cos_sim);
    }
    fpq_tensor_free(&x);
    fpq_tensor_free(&h);
}
END_TEST

static bool close_rel(double a, double b, double tol)
{
    if (a == b)
        return true;
    return fabs(a - b) <= tol * fmax(fabs(a), fabs(b));
}

START_TEST(compensated_metrics_agree_with_mpfr)
{
    /* a large tensor of mixed magnitudes, quantized coarsely */
    fpq_tensor x = tensor(200, 500);
    fill_normal(&x, 0xe8ac + (uint64_t)_i);
    for (size_t i = 0; i < fpq_tensor_size(&x); i++)
        x.data[i] *= ldexp(1, (int)(i % 37) - 18);
    fpq_qspec s;
    spec_variant(&s, _i);
    fpq_qmetrics md, mx;
    fpq_tensor xh = quantize(&md, &x, NULL, &s);
    ck_assert_int_eq(fpq_qmetrics_compute(&mx, &x, &xh, true, NULL), FPQ_OK);
    for (size_t k = 0; k < 8; k++) {
        double a = fpq_qmetric(&md, k), b = fpq_qmetric(&mx, k);
        if (k == 7) { /* bias: relative to mean |e| */
            double mean_abs = 0;
            for (size_t i = 0; i < fpq_tensor_size(&x); i++)
                mean_abs += fabs(xh.data[i] - x.data[i]);
            mean_abs /= (double)fpq_tensor_size(&x);
            ck_assert_msg(fabs(a - b) <= 1e-12 * mean_abs, "bias %.17g vs %.17g", a, b);
        } else {
            ck_assert_msg(close_rel(a, b, 1e-12), "variant %d: %s: double %.17g, mpfr %.17g", _i,
                          fpq_qmetric_names[k], a, b);
        }
    }
    fpq_tensor_free(&x);
    fpq_tensor_free(&xh);
}
END_TEST

/* ---- errors --------------------------------------------------------------------------------- */

typedef struct bad_case {
    const char *label;
    void (*mutate)(fpq_qspec *s);
    const char *want; /* in the message */
} bad_case;

static void b_group0(fpq_qspec *s) { s->granularity = FPQ_GRAN_GROUP, s->group = 0; }
static void b_scheme(fpq_qspec *s) { s->scheme = (fpq_scheme)17; }
static void b_zp_float(fpq_qspec *s) { s->scheme = FPQ_SCHEME_ZEROPOINT, s->format = fmt("fp8_e4m3"); }
static void b_zp_lut(fpq_qspec *s) { s->scheme = FPQ_SCHEME_ZEROPOINT, s->format = fmt("nf4"); }
static void b_zp_wide(fpq_qspec *s) { s->scheme = FPQ_SCHEME_ZEROPOINT, s->format = fmt("int32"); }
static void b_axis(fpq_qspec *s) { s->axis = 2; }
static void b_axis_row(fpq_qspec *s) { s->axis = 0, s->granularity = FPQ_GRAN_ROW; }
static void b_scale_int(fpq_qspec *s) { s->scale_format = fmt("int8"); }
static void b_scale_sr(fpq_qspec *s) { s->scale_round = FPQ_RSR; }
static void b_pct(fpq_qspec *s) { s->range = FPQ_RANGE_PERCENTILE, s->percentile = 0; }
static void b_pct_nan(fpq_qspec *s) { s->range = FPQ_RANGE_PERCENTILE, s->percentile = NAN; }
static void b_steps(fpq_qspec *s) { s->range = FPQ_RANGE_MSE, s->mse_steps = 1; }
static void b_outlier(fpq_qspec *s) { s->outlier = -1; }
static void b_mx_group(fpq_qspec *s) { fpq_qspec_set_scheme(s, FPQ_SCHEME_MX), s->group = 16; }
static void b_mx_scale(fpq_qspec *s) { fpq_qspec_set_scheme(s, FPQ_SCHEME_MX), s->scale_format = fmt("fp16"); }
static void b_mx_elem(fpq_qspec *s) { fpq_qspec_set_scheme(s, FPQ_SCHEME_MX), s->format = fmt("nf4"); }
static void b_mx_range(fpq_qspec *s) { fpq_qspec_set_scheme(s, FPQ_SCHEME_MX), s->range = FPQ_RANGE_MSE; }
static void b_nv_elem(fpq_qspec *s) { fpq_qspec_set_scheme(s, FPQ_SCHEME_NVFP4), s->format = fmt("int4"); }
static void b_nv_group(fpq_qspec *s) { fpq_qspec_set_scheme(s, FPQ_SCHEME_NVFP4), s->group = 32; }
static void b_exact_round(fpq_qspec *s) { s->scale_exact = true, s->scale_round = FPQ_RUP; }

static const bad_case bad_cases[] = {
    {"group 0", b_group0, "group size 0: a group holds at least 2 elements"},
    {"unknown scheme", b_scheme, "unknown scheme 17"},
    {"zeropoint fp8", b_zp_float, "scheme zeropoint needs an integer element format"},
    {"zeropoint nf4", b_zp_lut, "nf4 is a lookup-table format"},
    {"zeropoint int32", b_zp_wide, "wider than the 24 bits"},
    {"axis 2", b_axis, "axis 2"},
    {"axis 0 per row", b_axis_row, "axis 0 applies to groups"},
    {"int scale", b_scale_int, "scale format int8 is a signed integer format"},
    {"sr scale", b_scale_sr, "scale rounding sr"},
    {"percentile 0", b_pct, "percentile 0: P is in (0, 100]"},
    {"percentile nan", b_pct_nan, "percentile nan"},
    {"mse steps 1", b_steps, "mse search with 1 steps"},
    {"negative outlier", b_outlier, "outlier threshold -1"},
    {"mx group 16", b_mx_group, "scheme mx uses blocks of 32"},
    {"mx fp16 scale", b_mx_scale, "the shared scale is E8M0"},
    {"mx nf4", b_mx_elem, "scheme mx needs a signed float or integer element format"},
    {"mx mse", b_mx_range, "range max only"},
    {"nvfp4 int4", b_nv_elem, "scheme nvfp4 needs a signed float element format"},
    {"nvfp4 group 32", b_nv_group, "scheme nvfp4 uses blocks of 16, not group 32"},
    {"exact scale rounded up", b_exact_round, "scale rounding rup does not apply"},
};

START_TEST(bad_specs_give_clear_errors)
{
    fpq_qspec s;
    fpq_qspec_default(&s);
    bad_cases[_i].mutate(&s);
    fpq_errbuf err = {""};
    ck_assert_int_eq(fpq_qspec_validate(&s, &err), FPQ_LAB_ERR_SPEC);
    ck_assert_msg(strstr(err.msg, bad_cases[_i].want) != NULL, "%s: message '%s' lacks '%s'",
                  bad_cases[_i].label, err.msg, bad_cases[_i].want);
    /* and fpq_quantize refuses it the same way, leaving xhat empty */
    fpq_tensor x = tensor(2, 32), xh;
    fpq_errbuf err2 = {""};
    ck_assert_int_eq(fpq_quantize(&xh, NULL, &x, NULL, &s, &err2), FPQ_LAB_ERR_SPEC);
    ck_assert_str_eq(err.msg, err2.msg);
    ck_assert(xh.data == NULL && xh.rows == 0);
    fpq_tensor_free(&x);
}
END_TEST

START_TEST(bad_data_gives_clear_errors)
{
    fpq_qspec s;
    fpq_qspec_default(&s);
    fpq_errbuf err = {""};
    fpq_tensor xh, empty = FPQ_TENSOR_INIT;
    empty.rows = 3; /* 3 x 0 */
    ck_assert_int_eq(fpq_quantize(&xh, NULL, &empty, NULL, &s, &err), FPQ_LAB_ERR_EMPTY);
    ck_assert_msg(strstr(err.msg, "the input tensor is empty (3 x 0)"), "%s", err.msg);

    fpq_tensor x = tensor(3, 4);
    x.data[6] = NAN;
    ck_assert_int_eq(fpq_quantize(&xh, NULL, &x, NULL, &s, &err), FPQ_LAB_ERR_FORMAT);
    ck_assert_msg(strstr(err.msg, "input value at row 1, column 2 (element 6) is NaN"), "%s", err.msg);
    x.data[6] = -INFINITY;
    ck_assert_int_eq(fpq_quantize(&xh, NULL, &x, NULL, &s, &err), FPQ_LAB_ERR_FORMAT);
    ck_assert_msg(strstr(err.msg, "is infinite"), "%s", err.msg);
    x.data[6] = 0;

    fpq_tensor c = tensor(2, 4);
    s.granularity = FPQ_GRAN_ROW;
    ck_assert_int_eq(fpq_quantize(&xh, NULL, &x, &c, &s, &err), FPQ_LAB_ERR_SPEC);
    ck_assert_msg(strstr(err.msg, "per-row scales need the 3 rows"), "%s", err.msg);
    s.granularity = FPQ_GRAN_COL; /* 4 columns: fine */
    fpq_qmetrics m;
    ck_assert_int_eq(fpq_quantize(&xh, &m, &x, &c, &s, &err), FPQ_OK);
    fpq_tensor_free(&xh);
    c.data[1] = NAN;
    ck_assert_int_eq(fpq_quantize(&xh, NULL, &x, &c, &s, &err), FPQ_LAB_ERR_FORMAT);
    ck_assert_msg(strstr(err.msg, "calibration value at row 0, column 1"), "%s", err.msg);

    /* data far from zero for its range: the zero-point does not fit */
    double far[4] = {1e9, 1e9 + 1, 1e9 + 0.5, 1e9};
    fpq_tensor f = from_array(1, 4, far);
    s.granularity = FPQ_GRAN_TENSOR;
    s.scheme = FPQ_SCHEME_ZEROPOINT;
    s.format = fmt("uint8");
    ck_assert_int_eq(fpq_quantize(&xh, NULL, &f, NULL, &s, &err), FPQ_LAB_ERR_FORMAT);
    ck_assert_msg(strstr(err.msg, "zero-point of the unit at row 0, column 0 lies beyond"), "%s", err.msg);
    ck_assert(xh.data == NULL);
    fpq_tensor_free(&f);
    fpq_tensor_free(&x);
    fpq_tensor_free(&c);
}
END_TEST

START_TEST(names_and_range_text_round_trip)
{
    for (int k = 0; k < FPQ_SCHEME_COUNT_; k++) {
        fpq_scheme v;
        ck_assert_int_eq(fpq_scheme_parse(&v, fpq_scheme_name((fpq_scheme)k)), FPQ_OK);
        ck_assert_int_eq(v, k);
    }
    for (int k = 0; k < FPQ_GRAN_COUNT_; k++) {
        fpq_gran v;
        ck_assert_int_eq(fpq_gran_parse(&v, fpq_gran_name((fpq_gran)k)), FPQ_OK);
        ck_assert_int_eq(v, k);
    }
    fpq_scheme sc;
    ck_assert_int_eq(fpq_scheme_parse(&sc, "absmin"), FPQ_LAB_ERR_SPEC);
    static const char *const texts[] = {"max", "percentile:99.9", "percentile:50", "mse", "mse:20"};
    for (size_t i = 0; i < NELEM(texts); i++) {
        fpq_qspec s;
        fpq_qspec_default(&s);
        ck_assert_int_eq(fpq_range_parse(&s, texts[i], NULL), FPQ_OK);
        char buf[64];
        fpq_range_describe(buf, sizeof buf, &s);
        ck_assert_str_eq(buf, texts[i]);
    }
    fpq_qspec s;
    fpq_errbuf err;
    ck_assert_int_eq(fpq_range_parse(&s, "percentile:120", &err), FPQ_LAB_ERR_SPEC);
    ck_assert_int_eq(fpq_range_parse(&s, "median", &err), FPQ_LAB_ERR_SPEC);
    ck_assert_msg(strstr(err.msg, "unknown range choice 'median'"), "%s", err.msg);
}
END_TEST


/* The error vocabulary: an exact result has the capped SQNR and lossless 1;
 * NaN or infinite outputs are counted and make SQNR -inf; values far beyond
 * 2^500 give the same SQNR as the same values scaled down (no overflow in
 * the squares); values flushed to zero are counted. */
START_TEST(metrics_never_report_infinite_sqnr_silently)
{
    fpq_errbuf err;
    fpq_qmetrics m;
    double xv[4] = {1, -2, 3, 0.5};
    fpq_tensor x = from_array(1, 4, xv);
    ck_assert_int_eq(fpq_qmetrics_compute(&m, &x, &x, false, &err), FPQ_OK);
    ck_assert(m.sqnr_db == FPQ_SQNR_CAP_DB && m.lossless == 1 && isfinite(m.sqnr_db));
    ck_assert_int_eq(fpq_qmetrics_compute(&m, &x, &x, true, &err), FPQ_OK);
    ck_assert(m.sqnr_db == FPQ_SQNR_CAP_DB && m.lossless == 1);

    double hv[4] = {1, NAN, INFINITY, 0};
    fpq_tensor h = from_array(1, 4, hv);
    for (int exact = 0; exact < 2; exact++) {
        ck_assert_int_eq(fpq_qmetrics_compute(&m, &x, &h, exact, &err), FPQ_OK);
        ck_assert(m.nan_frac == 0.25 && m.overflow_frac == 0.25 && m.flushed_frac == 0.25);
        ck_assert(m.sqnr_db == -INFINITY && m.lossless == 0 && isinf(m.mse));
    }

    /* std 1e160: squares beyond the double range; SQNR as at 1 */
    double big[4], bh[4], sm[4], sh[4];
    for (int i = 0; i < 4; i++) {
        sm[i] = xv[i];
        sh[i] = xv[i] * (1 + 0.01 * (i + 1));
        big[i] = ldexp(sm[i], 600);
        bh[i] = ldexp(sh[i], 600);
    }
    fpq_tensor xs = from_array(1, 4, sm), hs = from_array(1, 4, sh), xb = from_array(1, 4, big),
               hb = from_array(1, 4, bh);
    fpq_qmetrics ms, mb;
    for (int exact = 0; exact < 2; exact++) {
        ck_assert_int_eq(fpq_qmetrics_compute(&ms, &xs, &hs, exact, &err), FPQ_OK);
        ck_assert_int_eq(fpq_qmetrics_compute(&mb, &xb, &hb, exact, &err), FPQ_OK);
        ck_assert_msg(fabs(ms.sqnr_db - mb.sqnr_db) < 1e-9 && isfinite(mb.sqnr_db), "%g %g", ms.sqnr_db,
                      mb.sqnr_db);
        ck_assert_msg(fabs(ms.nmse - mb.nmse) < 1e-12 * ms.nmse && mb.nmse > 0, "%g %g", ms.nmse, mb.nmse);
        ck_assert_msg(fabs(ldexp(ms.rmse, 600) / mb.rmse - 1) < 1e-12, "%g %g", ms.rmse, mb.rmse);
        ck_assert(isinf(mb.mse)); /* beyond the largest double, honestly */
    }

    /* the quantizer on such data: finite SQNR, the clipping counted */
    fpq_qspec s;
    fpq_qspec_default(&s);
    ck_assert_int_eq(fpq_quantize(NULL, &m, &xb, NULL, &s, &err), FPQ_OK);
    ck_assert_msg(isfinite(m.sqnr_db) && m.clipped_frac == 1 && m.lossless == 0, "%g %g", m.sqnr_db,
                  m.clipped_frac);

    /* the cast refuses NaN and infinite input, as the quantizer does */
    fpq_cast_spec c;
    fpq_cast_spec_default(&c);
    ck_assert_int_eq(fpq_cast(NULL, &m, NULL, &h, &c, &err), FPQ_LAB_ERR_FORMAT);
    ck_assert_msg(strstr(err.msg, "is NaN"), "%s", err.msg);
    fpq_tensor_free(&x);
    fpq_tensor_free(&h);
    fpq_tensor_free(&xs);
    fpq_tensor_free(&hs);
    fpq_tensor_free(&xb);
    fpq_tensor_free(&hb);
}
END_TEST

/* -f nvfp4 / mxfp4 name the element only: refused with the scheme's spelling;
 * units of fewer than FPQ_MIN_UNIT_VALUES values are reported. */
START_TEST(block_names_and_tiny_units_are_caught)
{
    ck_assert_ptr_null(fpq_qspec_block_alias_fix("fp4_e2m1"));
    ck_assert_msg(strstr(fpq_qspec_block_alias_fix("nvfp4"), "--scheme nvfp4 --format fp4_e2m1"), "nvfp4");
    ck_assert_msg(strstr(fpq_qspec_block_alias_fix("MXFP4"), "--scheme mx --format fp4_e2m1"), "mxfp4");
    fpq_qspec s;
    fpq_qspec_default(&s);
    char why[320];
    s.granularity = FPQ_GRAN_COL;
    ck_assert(fpq_qunit_too_small(why, sizeof why, &s, 1, 48000));
    ck_assert_msg(strstr(why, "holds 1 value"), "%s", why);
    ck_assert(!fpq_qunit_too_small(why, sizeof why, &s, 48000, 1)); /* audio: frames x channels */
    s.granularity = FPQ_GRAN_TENSOR;
    ck_assert(!fpq_qunit_too_small(why, sizeof why, &s, 1, 4));
    s.granularity = FPQ_GRAN_GROUP;
    s.group = 32;
    ck_assert(fpq_qunit_too_small(why, sizeof why, &s, 48000, 1));
    s.axis = 0;
    ck_assert(!fpq_qunit_too_small(why, sizeof why, &s, 48000, 1));
}
END_TEST

/* ---- quotients as implementations form them ------------------------------- */

/* x * y rounded once to binary32 (MPFR as the oracle). */
static double fp32_product(double a, double b)
{
    mpfr_t v;
    mpfr_init2(v, 200);
    mpfr_set_d(v, a, MPFR_RNDN);
    mpfr_mul_d(v, v, b, MPFR_RNDN); /* exact at 200 bits */
    double r = mpfr_get_flt(v, MPFR_RNDN);
    mpfr_clear(v);
    return r;
}

/* fpq_sarith_div and _mul round once: random operands, and operands whose
 * quotient or product lies on or next to a binary32 midpoint. */
START_TEST(scale_arithmetic_rounds_once_as_mpfr)
{
    fpq_check_rng r;
    fpq_check_rng_init(&r, 0x5a5a);
    for (int i = 0; i < 200000; i++) {
        double s = ldexp(1 + uniform01(&r), (int)fpq_check_rng_below(&r, 60) - 30);
        s = (double)(float)s;
        double x;
        if (i % 2) { /* (a 25-bit midpoint, one ulp off or on) times s */
            double m = ldexp((double)(fpq_check_rng_next(&r) >> 39 | 1), -24);
            x = m * s;
            x = i % 4 == 1 ? x : nextafter(x, i % 8 == 3 ? INFINITY : -INFINITY);
        } else {
            x = ldexp(2 * uniform01(&r) - 1, (int)fpq_check_rng_below(&r, 80) - 40);
        }
        ck_assert_msg(same_bits(fpq_sarith_div(FPQ_SARITH_FP32, x, s), fp32_quotient(x, s)),
                      "fp32 %a / %a", x, s);
        ck_assert_msg(same_bits(fpq_sarith_mul(FPQ_SARITH_FP32, x, 1 / s), fp32_product(x, 1 / s)),
                      "fp32 %a * %a", x, 1 / s);
        ck_assert(same_bits(fpq_sarith_div(FPQ_SARITH_FP64, x, s), x / s));
        ck_assert(same_bits(fpq_sarith_mul(FPQ_SARITH_FP64, x, s), x * s));
    }
    /* underflow into binary32's subnormals rounds once too */
    ck_assert(same_bits(fpq_sarith_div(FPQ_SARITH_FP32, 0x1.8p-140, 0x1p10), fp32_quotient(0x1.8p-140, 0x1p10)));
    ck_assert(same_bits(fpq_sarith_div(FPQ_SARITH_FP32, 0x1.4p-149, 1), 0x1p-149));
}
END_TEST

/* Quotient div and recip against the host's float arithmetic: int4 absmax
 * per group of 32, S = (float)amax / 7, q = rint(x / S) or rint(x * (1 /
 * S)), on binary32 data with many ties of the rounded quotient. */
START_TEST(quotient_div_and_recip_match_float32_kernels)
{
    const fpq_quotient quo = _i ? FPQ_QUOTIENT_RECIP : FPQ_QUOTIENT_DIV;
    enum { R = 64, C = 64, G = 32 };
    fpq_tensor x = tensor(R, C);
    fpq_check_rng r;
    fpq_check_rng_init(&r, 0x77 + (uint64_t)_i);
    for (size_t i = 0; i < R * C; i++) /* small integers times 2^-4: ties */
        x.data[i] = (float)((double)fpq_check_rng_below(&r, 321) - 160) / 16;
    fpq_qspec s;
    fpq_qspec_default(&s);
    s.format = fmt("int4");
    s.granularity = FPQ_GRAN_GROUP;
    s.group = G;
    s.quotient = quo;
    fpq_qparts parts;
    fpq_tensor xh;
    fpq_errbuf e = {""};
    ck_assert_int_eq(fpq_quantize_parts(&xh, NULL, &parts, &x, NULL, &s, &e), FPQ_OK);
    ck_assert(parts.scales.rows == R && parts.scales.cols == C / G && parts.zero_points.data == NULL);
    size_t differ = 0;
    for (size_t g = 0; g < R * C / G; g++) {
        float amax = 0;
        for (size_t k = 0; k < G; k++)
            amax = fmaxf(amax, fabsf((float)x.data[g * G + k]));
        float S = amax / 7.0f, inv = 1.0f / S;
        ck_assert(same_bits(parts.scales.data[g], (double)S));
        for (size_t k = 0; k < G; k++) {
            size_t i = g * G + k;
            float y = quo == FPQ_QUOTIENT_DIV ? (float)x.data[i] / S : (float)x.data[i] * inv;
            float q = fminf(7, fmaxf(-8, rintf(y)));
            ck_assert_msg(parts.codes[i] == (int64_t)q, "element %zu: x = %a, code %lld, want %g", i,
                          x.data[i], (long long)parts.codes[i], (double)q);
            ck_assert(xh.data[i] == (double)q * S); /* +0 where rintf gives -0: int4 has no -0 */
            /* the exact quotient, rounded once (MPFR): differs at some ties */
            mpfr_t ex;
            mpfr_init2(ex, 200);
            mpfr_set_d(ex, x.data[i], MPFR_RNDN);
            mpfr_div_d(ex, ex, (double)S, MPFR_RNDN);
            mpfr_rint(ex, ex, MPFR_RNDN);
            differ += (double)q != fmin(7, fmax(-8, mpfr_get_d(ex, MPFR_RNDN)));
            mpfr_clear(ex);
        }
    }
    ck_assert_msg(differ > 0, "no element where the rounded quotient changes the code");
    fpq_qparts_free(&parts);
    fpq_tensor_free(&xh);
    fpq_tensor_free(&x);
}
END_TEST

/* The worked example: x = 80 in a unit whose max is 160, int4: S =
 * fp32(160/7); the exact 80/S is just below 3.5 (code 3), fp32(80/S) = 3.5
 * rounds to even (code 4); in binary64 80/S rounds below 3.5 (code 3). */
START_TEST(the_eighty_over_s_tie)
{
    static const struct {
        fpq_quotient q;
        fpq_sarith a;
        int64_t code;
    } cases[] = {
        {FPQ_QUOTIENT_EXACT, FPQ_SARITH_DEFAULT, 3}, {FPQ_QUOTIENT_DIV, FPQ_SARITH_DEFAULT, 4},
        {FPQ_QUOTIENT_RECIP, FPQ_SARITH_DEFAULT, 4}, {FPQ_QUOTIENT_DIV, FPQ_SARITH_FP32, 4},
        {FPQ_QUOTIENT_DIV, FPQ_SARITH_FP64, 3},      {FPQ_QUOTIENT_EXACT, FPQ_SARITH_FP32, 3},
    };
    const double v[2] = {80, 160};
    fpq_tensor x = from_array(1, 2, v);
    fpq_qspec s;
    fpq_qspec_default(&s);
    s.format = fmt("int4");
    s.quotient = cases[_i].q;
    s.scale_arith = cases[_i].a;
    fpq_qparts parts;
    fpq_errbuf e = {""};
    ck_assert_int_eq(fpq_quantize_parts(NULL, NULL, &parts, &x, NULL, &s, &e), FPQ_OK);
    ck_assert_msg(parts.codes[0] == cases[_i].code, "%s/%s: code %lld", fpq_quotient_name(s.quotient),
                  fpq_sarith_name(s.scale_arith), (long long)parts.codes[0]);
    ck_assert_int_eq(parts.codes[1], 7);
    ck_assert(same_bits(parts.scales.data[0], (double)(160.0f / 7.0f)));
    fpq_qparts_free(&parts);
    fpq_tensor_free(&x);
}
END_TEST

/* Codes of every kind of element, scales and zero-points of every layout. */
START_TEST(parts_hold_codes_scales_and_zero_points)
{
    const double v[6] = {448, -1, 0.5, -448, 3, 2};
    fpq_tensor x = from_array(2, 3, v);
    fpq_qspec s;
    fpq_qspec_default(&s);
    s.format = fmt("fp8_e4m3");
    s.granularity = FPQ_GRAN_COL;
    fpq_qparts p;
    fpq_errbuf e = {""};
    ck_assert_int_eq(fpq_quantize_parts(NULL, NULL, &p, &x, NULL, &s, &e), FPQ_OK);
    /* columns {448, -448} (S 1), {-1, 3} (S fp32(3/448)), {0.5, 2} (S fp32(2/448)):
     * each column's max is code 0x7e (448), -448 is 0xfe */
    ck_assert(p.n == 6 && p.scales.rows == 1 && p.scales.cols == 3);
    ck_assert(p.scales.data[0] == 1 && p.scales.data[2] == (double)(2.0f / 448.0f));
    ck_assert_int_eq(p.codes[0], 0x7e);
    ck_assert_int_eq(p.codes[3], 0xfe);
    ck_assert_int_eq(p.codes[4], 0x7e);
    ck_assert_int_eq(p.codes[5], 0x7e);
    ck_assert_int_eq(p.codes[2], 0x6e); /* 0.5 / (2/448) = 112 = 1.75 2^6: 0 1101 110 */
    fpq_qparts_free(&p);
    ck_assert_ptr_null(p.codes);

    /* zeropoint uint4 per row, groups along axis 0 */
    fpq_qspec_default(&s);
    s.format = fmt("uint4");
    s.scheme = FPQ_SCHEME_ZEROPOINT;
    s.granularity = FPQ_GRAN_ROW;
    const double w[4] = {-1, 2, 0, 15};
    fpq_tensor y = from_array(2, 2, w);
    ck_assert_int_eq(fpq_quantize_parts(NULL, NULL, &p, &y, NULL, &s, &e), FPQ_OK);
    ck_assert(p.scales.rows == 2 && p.scales.cols == 1 && p.zero_points.rows == 2);
    ck_assert(p.scales.data[0] == 0.2f && p.zero_points.data[0] == 5);
    ck_assert(p.codes[0] == 0 && p.codes[1] == 15 && p.codes[2] == 0 && p.codes[3] == 15);
    fpq_qparts_free(&p);
    s.scheme = FPQ_SCHEME_ABSMAX;
    s.format = fmt("int8");
    s.granularity = FPQ_GRAN_GROUP;
    s.group = 2;
    s.axis = 0;
    ck_assert_int_eq(fpq_quantize_parts(NULL, NULL, &p, &y, NULL, &s, &e), FPQ_OK);
    ck_assert(p.scales.rows == 1 && p.scales.cols == 2);
    ck_assert(p.codes[0] == -127 && p.codes[2] == 0 && p.codes[1] == 17 && p.codes[3] == 127);
    fpq_qparts_free(&p);

    /* kept outlier columns hold the kept format's patterns (fp16 1.5 is
     * 0x3e00, -20 0xcd00); the other column's units only */
    fpq_qspec_default(&s);
    s.format = fmt("int8");
    s.outlier = 10;
    const double o[4] = {1.5, 1, -20, 0.5};
    fpq_tensor z = from_array(2, 2, o); /* column 0 holds -20: kept */
    ck_assert_int_eq(fpq_quantize_parts(NULL, NULL, &p, &z, NULL, &s, &e), FPQ_OK);
    ck_assert(p.codes[0] == 0x3e00 && p.codes[2] == 0xcd00);
    ck_assert(p.codes[1] == 127 && p.codes[3] == 64); /* S = 1/127: 0.5 -> 63.5 -> 64 */
    ck_assert(p.scales.rows == 1 && p.scales.cols == 1);
    fpq_qparts_free(&p);

    /* mx: the scales are 2^k, the codes E2M1 patterns: a block of 32
     * with max 6 has X = 2^(2 - 2) = 1 */
    fpq_qspec_default(&s);
    fpq_qspec_set_scheme(&s, FPQ_SCHEME_MX);
    fpq_tensor b = tensor(1, 32);
    b.data[0] = 6;
    b.data[1] = -0.5;
    ck_assert_int_eq(fpq_quantize_parts(NULL, NULL, &p, &b, NULL, &s, &e), FPQ_OK);
    ck_assert(p.scales.rows == 1 && p.scales.cols == 1 && p.scales.data[0] == 1);
    ck_assert(p.codes[0] == 0x7 && p.codes[1] == 0x9 && p.codes[2] == 0);
    fpq_qparts_free(&p);
    fpq_tensor_free(&z);
    fpq_tensor_free(&b);
    fpq_tensor_free(&x);
    fpq_tensor_free(&y);
}
END_TEST

START_TEST(quotient_names_and_validation)
{
    fpq_quotient q;
    fpq_sarith a;
    ck_assert(fpq_quotient_parse(&q, "RECIP") == FPQ_OK && q == FPQ_QUOTIENT_RECIP);
    ck_assert(fpq_quotient_parse(&q, "half") != FPQ_OK);
    ck_assert(fpq_sarith_parse(&a, "float32") == FPQ_OK && a == FPQ_SARITH_FP32);
    ck_assert_str_eq(fpq_sarith_name(FPQ_SARITH_FP64), "fp64");
    ck_assert_str_eq(fpq_quotient_name(FPQ_QUOTIENT_DIV), "div");
    fpq_qspec s;
    fpq_qspec_default(&s);
    ck_assert(s.quotient == FPQ_QUOTIENT_EXACT && fpq_qspec_arith(&s) == FPQ_SARITH_EXACT);
    s.quotient = FPQ_QUOTIENT_DIV;
    ck_assert(fpq_qspec_arith(&s) == FPQ_SARITH_FP32);
    s.scale_arith = FPQ_SARITH_EXACT;
    fpq_errbuf e = {""};
    ck_assert_int_eq(fpq_qspec_validate(&s, &e), FPQ_LAB_ERR_SPEC);
    ck_assert_msg(strstr(e.msg, "quotient div rounds x/S") != NULL, "%s", e.msg);
    s.quotient = (fpq_quotient)7;
    ck_assert_int_eq(fpq_qspec_validate(&s, &e), FPQ_LAB_ERR_SPEC);
}
END_TEST

Suite *quant_suite(void)
{
    Suite *s = suite_create("quant");
    TCase *tc = fpq_check_tcase("grid", 60);
    tcase_add_loop_test(tc, data_on_the_grid_quantizes_with_zero_error, 0, (int)NELEM(grid_cases));
    tcase_add_loop_test(tc, absmax_int8_on_integers_minus127_to_127_is_exact, 0, 2);
    tcase_add_test(tc, llm_int8_worked_example);
    suite_add_tcase(s, tc);

    tc = fpq_check_tcase("closed forms", 120);
    tcase_add_loop_test(tc, uniform_data_sqnr_matches_the_closed_form, 0, 3);
    tcase_add_test(tc, zeropoint_beats_absmax_on_shifted_data);
    tcase_add_test(tc, per_row_beats_per_tensor_on_rows_of_very_different_scale);
    tcase_add_loop_test(tc, smaller_groups_never_lose_on_average_over_seeds, 0, 2);
    tcase_add_test(tc, outlier_split_beats_per_row_int8_and_its_counts_are_exact);
    suite_add_tcase(s, tc);

    tc = fpq_check_tcase("blocks", 60);
    tcase_add_loop_test(tc, bits_per_value_arithmetic, 0, (int)NELEM(bits_cases));
    tcase_add_loop_test(tc, mx_shared_scale_rules_by_hand, 0, (int)NELEM(mx_rule_cases));
    tcase_add_test(tc, mx_e4m3_block_of_the_spec_example_saturates);
    tcase_add_test(tc, mx_elements_by_hand);
    tcase_add_test(tc, nvfp4_scales_and_elements_by_hand);
    tcase_add_test(tc, nvfp4_four_over_six_by_hand);
    tcase_add_test(tc, scale_rules_fit_their_schemes);
    suite_add_tcase(s, tc);

    tc = fpq_check_tcase("calibration and range", 120);
    tcase_add_loop_test(tc, static_calibration_on_x_equals_dynamic, 0, NVARIANTS);
    tcase_add_test(tc, static_calibration_clips_and_counts_values_outside_its_range);
    tcase_add_test(tc, static_calibration_tensor_may_have_another_shape_where_scales_allow);
    tcase_add_test(tc, percentile_clips_at_the_nearest_rank);
    tcase_add_test(tc, mse_range_never_loses_to_max_and_reports_its_ratio);
    suite_add_tcase(s, tc);

    tc = fpq_check_tcase("rounding and metrics", 120);
    tcase_add_loop_test(tc, elements_round_the_exact_quotient_in_every_mode, 0, 6);
    tcase_add_test(tc, scale_arithmetic_rounds_once_as_mpfr);
    tcase_add_loop_test(tc, quotient_div_and_recip_match_float32_kernels, 0, 2);
    tcase_add_loop_test(tc, the_eighty_over_s_tie, 0, 6);
    tcase_add_test(tc, parts_hold_codes_scales_and_zero_points);
    tcase_add_test(tc, quotient_names_and_validation);
    tcase_add_test(tc, stochastic_rounding_uses_the_element_index_as_position);
    tcase_add_loop_test(tc, results_do_not_depend_on_the_thread_count, 0, NVARIANTS);
    tcase_add_test(tc, metrics_of_a_hand_example);
    tcase_add_loop_test(tc, compensated_metrics_agree_with_mpfr, 0, NVARIANTS);
    suite_add_tcase(s, tc);

    tc = fpq_check_tcase("errors", 30);
    tcase_add_loop_test(tc, bad_specs_give_clear_errors, 0, (int)NELEM(bad_cases));
    tcase_add_test(tc, bad_data_gives_clear_errors);
    tcase_add_test(tc, names_and_range_text_round_trip);
    tcase_add_test(tc, metrics_never_report_infinite_sqnr_silently);
    tcase_add_test(tc, block_names_and_tiny_units_are_caught);
    suite_add_tcase(s, tc);
    return s;
}
