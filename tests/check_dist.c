/* check_dist.c: the counter-based generator and the distributions (dist.h).
 *
 * Oracles: the Random123 known-answer vectors for Philox4x32-10; libm's
 * erfc for the normal CDF; closed-form CDFs, quantiles and moments written
 * here from the textbook formulas; tabulated normal quantiles.
 *
 * Statistical tolerances (samples of N = 200000 from the run's seed,
 * FPQ_CHECK_SEED):
 * - mean: |m - mu| <= 5 sigma / sqrt(N)  (CLT; two-sided 5-sigma, false
 *   alarm probability 6e-7 per check);
 * - variance: |s2 - sigma^2| <= 5 sqrt((mu4 - sigma^4) / N)  (the sample
 *   variance's own standard error; only where the 8th moment is finite);
 * - quantile p: |x_p^ - x_p| <= 5 sqrt(p (1 - p) / N) / f(x_p) + the
 *   spacing of the order statistics (asymptotic normality of sample
 *   quantiles);
 * - Kolmogorov-Smirnov: sqrt(N) D_N <= 2.5, where P(sqrt(N) D_N > t) ~
 *   2 exp(-2 t^2) = 7.5e-6 for a correct generator.
 * With about 40 such checks per run the chance of a false failure on some
 * seed is below 1e-4.
 */
#include "check_fpq.h"

#include <float.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dist.h"

#define NSAMPLE 200000
#define KS_BOUND 2.5
#define NSIGMA 5.0

/* ---- Philox and the frozen stream ----------------------------------------- */

/* Random123 kat_vectors, philox4x32 with 10 rounds: counter, key, result. */
static const uint32_t kat[][10] = {
    {0, 0, 0, 0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
    {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff,
     0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
    {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0,
     0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1},
};

START_TEST(philox_matches_random123_known_answers)
{
    uint32_t out[4];
    fpq_philox4x32(out, kat[_i], kat[_i] + 4);
    for (int k = 0; k < 4; k++)
        ck_assert_msg(out[k] == kat[_i][6 + k], "vector %d word %d: got %08x, want %08x", _i, k,
                      out[k], kat[_i][6 + k]);
}
END_TEST

/* The first values of the frozen stream.  A change here changes every
 * generated tensor of every past report: do not update these lightly. */
START_TEST(stream_is_frozen)
{
    static const struct {
        uint64_t seed;
        uint32_t stream;
        uint64_t i;
        unsigned tag;
        uint32_t draw;
        uint64_t w0, w1;
    } golden[] = {
#include "vectors/rng_golden.inc"
    };
    for (size_t k = 0; k < sizeof golden / sizeof golden[0]; k++) {
        uint64_t w[2];
        fpq_rng_u64x2(w, golden[k].seed, golden[k].stream, golden[k].i, golden[k].tag,
                      golden[k].draw);
        ck_assert_msg(w[0] == golden[k].w0 && w[1] == golden[k].w1,
                      "entry %zu: got %016" PRIx64 " %016" PRIx64, k, w[0], w[1]);
    }
    /* and through the distributions: normal:n=4,seed=1 as bit patterns */
    static const uint64_t normal_bits[] = {
#include "vectors/normal_golden.inc"
    };
    fpq_tensor t;
    fpq_errbuf e;
    ck_assert_int_eq(fpq_gen(&t, "normal:n=4,seed=1", &e), FPQ_OK);
    for (size_t k = 0; k < 4; k++)
        ck_assert_msg(fpq_check_dbits(t.data[k]) == normal_bits[k], "value %zu: %a", k,
                      t.data[k]);
    fpq_tensor_free(&t);
}
END_TEST

/* The layout of dist.h, re-derived from Philox itself. */
START_TEST(counter_layout_is_as_documented)
{
    uint64_t seed = UINT64_C(0x0123456789abcdef), i = UINT64_C(0xfedcba9876543210);
    uint32_t key[2] = {0x89abcdef, 0x01234567};
    uint32_t ctr[4] = {0x76543210, 0xfedcba98, 77, (3u << 24) | 5};
    uint32_t out[4];
    fpq_philox4x32(out, ctr, key);
    uint64_t w[2];
    fpq_rng_u64x2(w, seed, 77, i, 3, 5);
    ck_assert(w[0] == ((uint64_t)out[1] << 32 | out[0]));
    ck_assert(w[1] == ((uint64_t)out[3] << 32 | out[2]));
}
END_TEST

START_TEST(uniform_is_strictly_inside_the_unit_interval)
{
    ck_assert(fpq_rng_open01(0) == 0x1p-53);
    ck_assert(fpq_rng_open01(UINT64_MAX) == 1 - 0x1p-53);
    ck_assert(fpq_rng_open01(UINT64_C(0x8000000000000000)) == 0.5 + 0x1p-53);
    ck_assert(fpq_rng_open01(UINT64_MAX) < 1);
}
END_TEST

/* Phi(Phi^-1(p)) = p, with Phi from libm's erfc: the relative error of p
 * allowed is 64 eps (1 + x^2), x^2 being the condition number of Phi in
 * the tail. */
START_TEST(normal_quantile_inverts_erfc)
{
    for (int k = -300; k <= 300; k++) {
        double p = k < 0 ? ldexp(1.0, k / 4) * 0.999 : k == 0 ? 0.5 : 1 - ldexp(1.0, -k / 6) * 0.77;
        if (!(p > 0 && p < 1))
            continue;
        double x = fpq_norm_quantile(p);
        double back = 0.5 * erfc(-x / sqrt(2.0));
        double ref = p;
        if (p > 0.5) { /* compare upper tails, where they are exact */
            back = 0.5 * erfc(x / sqrt(2.0));
            ref = 1 - p;
        }
        double tol = 64 * DBL_EPSILON * (1 + x * x);
        ck_assert_msg(fabs(back - ref) <= tol * ref, "p=%a x=%.17g back=%.17g", p, x, back);
    }
    ck_assert(fpq_norm_quantile(0.5) == 0);
    ck_assert(isinf(fpq_norm_quantile(0)) && fpq_norm_quantile(0) < 0);
    ck_assert(isnan(fpq_norm_quantile(-0.1)));
    /* tabulated values */
    ck_assert(fabs(fpq_norm_quantile(0.975) - 1.959963984540054) < 1e-14);
    ck_assert(fabs(fpq_norm_quantile(1e-10) + 6.361340902404056) < 1e-13);
}
END_TEST

/* ---- distributions against closed forms ----------------------------------- */

static double Phi(double x) { return 0.5 * erfc(-x / sqrt(2.0)); }
static double phi(double x) { return exp(-0.5 * x * x) / sqrt(2 * M_PI); }

/* Standard normal quantiles, from tables. */
static const double P_LIST[5] = {0.01, 0.1, 0.5, 0.9, 0.99};
static const double Z_LIST[5] = {-2.3263478740408408, -1.2815515655446004, 0,
                                 1.2815515655446004, 2.3263478740408408};

static double cdf_uniform(double x) { return x < -2 ? 0 : x > 3 ? 1 : (x + 2) / 5; }
static double pdf_uniform(double x) { (void)x; return 0.2; }
static double q_uniform(int k) { return -2 + 5 * P_LIST[k]; }

static double cdf_normal(double x) { return Phi((x - 1) / 2); }
static double pdf_normal(double x) { return phi((x - 1) / 2) / 2; }
static double q_normal(int k) { return 1 + 2 * Z_LIST[k]; }

static double cdf_laplace(double x)
{
    double z = (x + 1) / 0.5;
    return z < 0 ? 0.5 * exp(z) : 1 - 0.5 * exp(-z);
}
static double pdf_laplace(double x) { return exp(-fabs(x + 1) / 0.5) / (2 * 0.5); }
static double q_laplace(int k)
{
    double p = P_LIST[k];
    return p < 0.5 ? -1 + 0.5 * log(2 * p) : -1 - 0.5 * log(2 * (1 - p));
}

static double cdf_t1(double x) { return 0.5 + atan(x) / M_PI; }
static double pdf_t1(double x) { return 1 / (M_PI * (1 + x * x)); }
static double q_t1(int k) { return tan(M_PI * (P_LIST[k] - 0.5)); }

static double cdf_t2(double x) { return 0.5 + x / (2 * sqrt(2 + x * x)); }
static double pdf_t2(double x) { return pow(2 + x * x, -1.5); }
static double q_t2(int k)
{
    double p = P_LIST[k];
    return (2 * p - 1) / sqrt(2 * p * (1 - p));
}

static double cdf_t3(double x)
{
    double s = sqrt(3.0);
    return 0.5 + (x / (s * (1 + x * x / 3)) + atan(x / s)) / M_PI;
}

static double cdf_lognormal(double x) { return x <= 0 ? 0 : Phi((log(x) - 0.5) / 0.5); }
static double pdf_lognormal(double x) { return x <= 0 ? 0 : phi((log(x) - 0.5) / 0.5) / (0.5 * x); }
static double q_lognormal(int k) { return exp(0.5 + 0.5 * Z_LIST[k]); }

static double cdf_relu(double x) { return x < 0 ? 0 : Phi(x); }
static double pdf_relu(double x) { return phi(x); }
static double q_relu(int k) { return P_LIST[k] <= 0.5 ? NAN : Z_LIST[k]; }

static double cdf_mix(double x)
{
    double l = x < 0 ? 0.5 * exp(x / 3) : 1 - 0.5 * exp(-x / 3);
    return 0.7 * Phi(x) + 0.3 * l;
}

typedef struct dist_case {
    const char *spec;
    double (*cdf)(double);
    double (*pdf)(double);
    double (*quantile)(int k); /* NULL: no closed form */
    double mean, var, mu4;     /* NAN: not checked (infinite or not finite enough) */
    double atom0;              /* probability of exactly 0 (relu) */
} dist_case;

#define LN_S2 0.25 /* lognormal sigma^2 */

static dist_case cases[] = {
    {"uniform:lo=-2,hi=3", cdf_uniform, pdf_uniform, q_uniform, 0.5, 25.0 / 12, 625.0 / 80, 0},
    {"normal:mean=1,std=2", cdf_normal, pdf_normal, q_normal, 1, 4, 48, 0},
    {"laplace:loc=-1,scale=0.5", cdf_laplace, pdf_laplace, q_laplace, -1, 0.5, 1.5, 0},
    {"t:nu=1", cdf_t1, pdf_t1, q_t1, NAN, NAN, NAN, 0},
    {"t:nu=2", cdf_t2, pdf_t2, q_t2, NAN, NAN, NAN, 0},
    {"t:nu=3", cdf_t3, NULL, NULL, 0, NAN, NAN, 0},
    /* nu = 10: variance nu/(nu-2), mu4 = 3 nu^2 / ((nu-2)(nu-4)) */
    {"t:nu=10", NULL, NULL, NULL, 0, 1.25, 6.25, 0},
    {"lognormal:mu=0.5,sigma=0.5", cdf_lognormal, pdf_lognormal, q_lognormal, 0, 0, 0, 0},
    {"relu:mean=0,std=1", cdf_relu, pdf_relu, q_relu, 0, 0, 0, 0.5},
    /* 0.7 N(0,1) + 0.3 Laplace(0, 3): variance 0.7 + 0.3 * 18 */
    {"mix:0.7*normal(std=1),0.3*laplace(scale=3)", cdf_mix, NULL, NULL, 0, 6.1, NAN, 0},
};
#define NCASES (int)(sizeof cases / sizeof cases[0])

/* Moments that take a line of algebra, filled in once. */
static void fill_moments(void)
{
    /* lognormal(mu, s): mean e^(mu + s^2/2), variance (e^(s^2) - 1) e^(2 mu + s^2),
     * excess kurtosis e^(4s^2) + 2 e^(3s^2) + 3 e^(2s^2) - 6 */
    dist_case *ln = &cases[7];
    ln->mean = exp(0.5 + LN_S2 / 2);
    ln->var = (exp(LN_S2) - 1) * exp(1 + LN_S2);
    ln->mu4 = ln->var * ln->var * (exp(4 * LN_S2) + 2 * exp(3 * LN_S2) + 3 * exp(2 * LN_S2) - 3);
    /* relu of N(0,1): E X = 1/sqrt(2 pi), E X^2 = 1/2, E X^3 = 2/sqrt(2 pi), E X^4 = 3/2 */
    dist_case *r = &cases[8];
    double m = 1 / sqrt(2 * M_PI);
    r->mean = m;
    r->var = 0.5 - m * m;
    r->mu4 = 1.5 - 4 * m * (2 * m) + 6 * m * m * 0.5 - 3 * m * m * m * m;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static fpq_tensor sample(const char *spec, uint64_t seed)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s,n=%d,seed=%" PRIu64, spec, NSAMPLE, seed);
    fpq_tensor t;
    fpq_errbuf e;
    int rc = fpq_gen(&t, buf, &e);
    ck_assert_msg(rc == FPQ_OK, "%s: %s", buf, e.msg);
    ck_assert(t.rows == 1 && t.cols == NSAMPLE);
    return t;
}

START_TEST(moments_match_closed_forms)
{
    fill_moments();
    const dist_case *c = &cases[_i];
    uint64_t seed = fpq_check_seed();
    fpq_tensor t = sample(c->spec, seed);
    double n = NSAMPLE, s1 = 0, s2 = 0;
    for (size_t k = 0; k < NSAMPLE; k++)
        s1 += t.data[k];
    double mean = s1 / n;
    for (size_t k = 0; k < NSAMPLE; k++)
        s2 += (t.data[k] - mean) * (t.data[k] - mean);
    double var = s2 / n;
    if (!isnan(c->mean)) {
        double sd = isnan(c->var) ? sqrt(3.0) /* t:nu=3 */ : sqrt(c->var);
        double tol = NSIGMA * sd / sqrt(n);
        ck_assert_msg(fabs(mean - c->mean) <= tol, "%s seed %" PRIu64 ": mean %.6g, want %.6g +- %.3g",
                      c->spec, seed, mean, c->mean, tol);
    }
    if (!isnan(c->var) && !isnan(c->mu4)) {
        double tol = NSIGMA * sqrt((c->mu4 - c->var * c->var) / n);
        ck_assert_msg(fabs(var - c->var) <= tol, "%s seed %" PRIu64 ": variance %.6g, want %.6g +- %.3g",
                      c->spec, seed, var, c->var, tol);
    } else if (!isnan(c->var)) { /* mixture: a looser bound from its 4th moment, <= 6 sigma^4 * 3 */
        double tol = NSIGMA * sqrt(18 * c->var * c->var / n);
        ck_assert_msg(fabs(var - c->var) <= tol, "%s: variance %.6g, want %.6g", c->spec, var, c->var);
    }
    fpq_tensor_free(&t);
}
END_TEST

START_TEST(kolmogorov_smirnov_statistic_is_small)
{
    const dist_case *c = &cases[_i];
    if (!c->cdf)
        return;
    uint64_t seed = fpq_check_seed();
    fpq_tensor t = sample(c->spec, seed);
    qsort(t.data, NSAMPLE, sizeof(double), cmp_double);
    double n = NSAMPLE, d = 0;
    size_t start = 0;
    if (c->atom0 > 0) { /* the atom at 0: compare its mass, then the continuous part */
        while (start < NSAMPLE && t.data[start] == 0)
            start++;
        d = fabs(start / n - c->atom0);
    }
    for (size_t k = start; k < NSAMPLE; k++) {
        double f = c->cdf(t.data[k]);
        double hi = (k + 1) / n - f, lo = f - k / n;
        if (hi > d)
            d = hi;
        if (lo > d)
            d = lo;
    }
    ck_assert_msg(sqrt(n) * d <= KS_BOUND, "%s seed %" PRIu64 ": sqrt(n) D = %.4f > %.2f",
                  c->spec, seed, sqrt(n) * d, KS_BOUND);
    fpq_tensor_free(&t);
}
END_TEST

START_TEST(quantiles_match_closed_forms)
{
    const dist_case *c = &cases[_i];
    if (!c->quantile || !c->pdf)
        return;
    uint64_t seed = fpq_check_seed();
    fpq_tensor t = sample(c->spec, seed);
    qsort(t.data, NSAMPLE, sizeof(double), cmp_double);
    for (int k = 0; k < 5; k++) {
        double want = c->quantile(k);
        if (isnan(want))
            continue;
        double p = P_LIST[k];
        size_t idx = (size_t)(p * (NSAMPLE - 1));
        double got = t.data[idx];
        double spacing = t.data[idx + 1] - t.data[idx - 1];
        double tol = NSIGMA * sqrt(p * (1 - p) / NSAMPLE) / c->pdf(want) + spacing;
        ck_assert_msg(fabs(got - want) <= tol, "%s seed %" PRIu64 ": quantile %g is %.6g, want %.6g +- %.3g",
                      c->spec, seed, p, got, want, tol);
    }
    fpq_tensor_free(&t);
}
END_TEST

/* sine, noise-free: the formula itself; its values follow the arcsine law
 * when the frequency is not commensurate with the rate. */
START_TEST(sine_follows_its_formula)
{
    fpq_tensor t;
    fpq_errbuf e;
    ck_assert_int_eq(fpq_gen(&t, "sine:n=48000,amp=0.5,freq=440,rate=16000,phase=0.25", &e), FPQ_OK);
    for (size_t i = 0; i < t.cols; i++) {
        double want = 0.5 * sin(2 * M_PI * 440.0 * (double)i / 16000 + 0.25);
        ck_assert_msg(fabs(t.data[i] - want) <= 1e-12, "i=%zu: %.17g vs %.17g", i, t.data[i], want);
    }
    fpq_tensor_free(&t);
    ck_assert_int_eq(fpq_gen(&t, "sine:n=100000,amp=2,freq=1234.5678,rate=16000", &e), FPQ_OK);
    qsort(t.data, t.cols, sizeof(double), cmp_double);
    double d = 0, n = (double)t.cols;
    for (size_t k = 0; k < t.cols; k++) {
        double f = 0.5 + asin(fmax(-1, fmin(1, t.data[k] / 2))) / M_PI;
        d = fmax(d, fmax((k + 1) / n - f, f - k / n));
    }
    ck_assert_msg(d < 0.01, "arcsine KS distance %g", d); /* equidistributed phases */
    fpq_tensor_free(&t);
    /* noise: the residual is N(0, noise^2) */
    fpq_tensor a, b;
    ck_assert_int_eq(fpq_gen(&a, "sine:n=100000,noise=0.1,seed=5", &e), FPQ_OK);
    ck_assert_int_eq(fpq_gen(&b, "sine:n=100000,seed=5", &e), FPQ_OK);
    double s2 = 0;
    for (size_t i = 0; i < a.cols; i++)
        s2 += (a.data[i] - b.data[i]) * (a.data[i] - b.data[i]);
    double var = s2 / 100000; /* 5 SE of a normal variance: 5 sqrt(2/n) sigma^2 */
    ck_assert_msg(fabs(var - 0.01) <= 5 * sqrt(2.0 / 100000) * 0.01, "noise variance %g", var);
    fpq_tensor_free(&a);
    fpq_tensor_free(&b);
}
END_TEST

START_TEST(outlier_columns_are_scaled_and_counted)
{
    fpq_tensor t, base;
    fpq_errbuf e;
    ck_assert_int_eq(fpq_gen(&t, "outliers:rows=256,cols=1000,frac=0.015,scale=40,seed=3", &e), FPQ_OK);
    ck_assert_int_eq(fpq_gen(&base, "normal:rows=256,cols=1000,seed=3", &e), FPQ_OK);
    fpq_gen_spec s;
    ck_assert_int_eq(fpq_gen_parse(&s, "outliers:rows=256,cols=1000,frac=0.015,scale=40,seed=3", &e), FPQ_OK);
    unsigned char mask[1000];
    fpq_gen_outlier_columns(mask, &s);
    size_t count = 0;
    for (size_t c = 0; c < 1000; c++)
        count += mask[c];
    ck_assert_uint_eq(count, 15); /* round(0.015 * 1000) */
    for (size_t r = 0; r < 256; r++)
        for (size_t c = 0; c < 1000; c++) {
            double want = base.data[r * 1000 + c] * (mask[c] ? 40 : 1);
            FPQ_CHECK(t.data[r * 1000 + c] == want, "(%zu, %zu)", r, c);
        }
    /* a different seed picks other columns */
    s.seed = 4;
    unsigned char mask2[1000];
    fpq_gen_outlier_columns(mask2, &s);
    ck_assert(memcmp(mask, mask2, 1000) != 0);
    fpq_tensor_free(&t);
    fpq_tensor_free(&base);
}
END_TEST

/* colstream: another draw of the values (stream 1) on the columns of
 * stream 0, as a calibration set of the same model would have them. */
START_TEST(outlier_columns_can_be_shared_between_streams)
{
    const char *a = "outliers:rows=64,cols=500,frac=0.02,scale=30,seed=5";
    const char *b = "outliers:rows=64,cols=500,frac=0.02,scale=30,seed=5,stream=1";
    const char *c = "outliers:rows=64,cols=500,frac=0.02,scale=30,seed=5,stream=1,colstream=0";
    fpq_gen_spec sa, sb, sc;
    fpq_errbuf e;
    ck_assert_int_eq(fpq_gen_parse(&sa, a, &e), FPQ_OK);
    ck_assert_int_eq(fpq_gen_parse(&sb, b, &e), FPQ_OK);
    ck_assert_int_eq(fpq_gen_parse(&sc, c, &e), FPQ_OK);
    unsigned char ma[500], mb[500], mc[500];
    fpq_gen_outlier_columns(ma, &sa);
    fpq_gen_outlier_columns(mb, &sb);
    fpq_gen_outlier_columns(mc, &sc);
    ck_assert(memcmp(ma, mb, 500) != 0);
    ck_assert(memcmp(ma, mc, 500) == 0);
    /* the values are stream 1's: c equals b's normal draw scaled on a's columns */
    fpq_tensor tc, base;
    ck_assert_int_eq(fpq_gen(&tc, c, &e), FPQ_OK);
    ck_assert_int_eq(fpq_gen(&base, "normal:rows=64,cols=500,seed=5,stream=1", &e), FPQ_OK);
    for (size_t i = 0; i < 64 * 500; i++)
        FPQ_CHECK(tc.data[i] == base.data[i] * (ma[i % 500] ? 30 : 1), "element %zu", i);
    /* the canonical spelling keeps colstream only where it differs */
    char d[256];
    fpq_gen_describe(d, sizeof d, &sc);
    ck_assert_ptr_nonnull(strstr(d, ",stream=1,colstream=0,"));
    fpq_gen_describe(d, sizeof d, &sb);
    ck_assert_ptr_null(strstr(d, "colstream"));
    fpq_tensor_free(&tc);
    fpq_tensor_free(&base);
}
END_TEST

/* ---- reproducibility -------------------------------------------------------- */

static const char *const thread_specs[] = {
    "uniform:n=100003,seed=9",
    "normal:rows=301,cols=333,seed=10,stream=2",
    "laplace:n=100003,seed=11",
    "t:nu=2.5,n=100003,seed=12",
    "lognormal:n=100003,seed=13",
    "relu:n=100003,seed=14",
    "sine:n=100003,noise=0.01,seed=15",
    "outliers:rows=97,cols=1031,frac=0.01,scale=30,seed=16",
    "ties:rows=97,cols=1031,fmt=fp8_e5m2,scale=0.5,group=1031,seed=18",
    "mix:n=100003,seed=17,0.5*normal,0.25*t(nu=3),0.25*uniform(lo=-1,hi=1)",
};

START_TEST(result_is_independent_of_thread_count)
{
    fpq_tensor ref, t;
    fpq_errbuf e;
    omp_set_num_threads(1);
    ck_assert_int_eq(fpq_gen(&ref, thread_specs[_i], &e), FPQ_OK);
    static const int threads[] = {2, 3, 8};
    for (size_t k = 0; k < 3; k++) {
        omp_set_num_threads(threads[k]);
        ck_assert_int_eq(fpq_gen(&t, thread_specs[_i], &e), FPQ_OK);
        ck_assert_msg(memcmp(ref.data, t.data, fpq_tensor_size(&t) * sizeof(double)) == 0,
                      "%s differs with %d threads", thread_specs[_i], threads[k]);
        fpq_tensor_free(&t);
    }
    fpq_tensor_free(&ref);
}
END_TEST

START_TEST(any_slice_is_the_same_values)
{
    fpq_tensor big, small;
    fpq_errbuf e;
    ck_assert_int_eq(fpq_gen(&big, "t:nu=3,n=5000,seed=21", &e), FPQ_OK);
    ck_assert_int_eq(fpq_gen(&small, "t:nu=3,n=17,seed=21", &e), FPQ_OK);
    ck_assert(memcmp(big.data, small.data, 17 * sizeof(double)) == 0);
    fpq_dist d = {FPQ_DIST_STUDENT_T, {3, 0, 1, 0, 0}};
    for (uint64_t i = 0; i < 5000; i += 499)
        ck_assert(fpq_dist_sample(&d, 21, 0, i) == big.data[i]);
    fpq_tensor_free(&big);
    fpq_tensor_free(&small);
    /* different seeds and streams differ */
    fpq_tensor a, b;
    ck_assert_int_eq(fpq_gen(&a, "normal:n=8,seed=1", &e), FPQ_OK);
    ck_assert_int_eq(fpq_gen(&b, "normal:n=8,seed=1,stream=1", &e), FPQ_OK);
    ck_assert(memcmp(a.data, b.data, 8 * sizeof(double)) != 0);
    fpq_tensor_free(&a);
    fpq_tensor_free(&b);
}
END_TEST

/* ---- specs ------------------------------------------------------------------- */

START_TEST(canonical_spelling_parses_back_to_the_same_spec)
{
    static const char *const specs[] = {
        "normal:n=1000000,std=1,seed=1",
        "outliers:rows=512,cols=4096,frac=0.002,scale=40,seed=3",
        "t:nu=3.5,rows=2,n=10,seed=0xffffffffffffffff",
        "sine:n=16000,amp=0.3,freq=1000,rate=48000,phase=1.5,noise=0.001",
        "mixture:n=1e6,seed=5,3*normal(mean=1,std=0.1),1*laplace(scale=4)",
        "uniform:lo=-0.1,hi=0.7,cols=7,rows=3",
        "ties:n=100,fmt=e4m3,scale=0.25,frac=0.75,group=10,seed=2",
        "grid:n=10",
    };
    for (size_t k = 0; k < sizeof specs / sizeof specs[0]; k++) {
        fpq_gen_spec a, b;
        fpq_errbuf e;
        char buf[512], buf2[512];
        ck_assert_msg(fpq_gen_parse(&a, specs[k], &e) == FPQ_OK, "%s: %s", specs[k], e.msg);
        fpq_gen_describe(buf, sizeof buf, &a);
        ck_assert_msg(fpq_gen_parse(&b, buf, &e) == FPQ_OK, "%s: %s", buf, e.msg);
        fpq_gen_describe(buf2, sizeof buf2, &b);
        ck_assert_str_eq(buf, buf2);
        ck_assert(memcmp(&a, &b, sizeof a) == 0);
    }
    fpq_gen_spec s;
    fpq_errbuf e;
    ck_assert_int_eq(fpq_gen_parse(&s, "normal:n=12,rows=3", &e), FPQ_OK);
    ck_assert(s.rows == 3 && s.cols == 4);
    ck_assert_int_eq(fpq_gen_parse(&s, "gaussian:cols=3,n=12", &e), FPQ_OK);
    ck_assert(s.rows == 4 && s.cols == 3 && s.dist.kind == FPQ_DIST_NORMAL);
    char buf[512];
    ck_assert_int_eq(fpq_gen_parse(&s, "normal:n=3", &e), FPQ_OK);
    fpq_gen_describe(buf, sizeof buf, &s);
    ck_assert_str_eq(buf, "normal:rows=1,cols=3,seed=0,stream=0,mean=0,std=1");
}
END_TEST

static const struct {
    const char *spec, *msg;
} bad_specs[] = {
    {"nromal:n=3", "unknown distribution 'nromal'"},
    {"normal:", "missing size"},
    {"normal:n=3,sdt=1", "unknown key 'sdt'"},
    {"normal:n=3,std=-1", "bad value -1 for key 'std' (a number > 0)"},
    {"normal:n=3,std=abc", "bad value 'abc' for key 'std'"},
    {"normal:n=3,std=nan", "bad value 'nan' for key 'std'"},
    {"normal:n=3,std=1,std=2", "key 'std' given twice"},
    {"normal:n=0", "bad value '0' for key 'n'"},
    {"normal:n=1.5", "bad value '1.5' for key 'n'"},
    {"normal:n=-3", "bad value '-3' for key 'n'"},
    {"normal:n=1e30", "bad value '1e30' for key 'n'"},
    {"normal:rows=65536,cols=1e10", "more than 2^48"},
    {"normal:n=10,rows=3", "not a multiple of rows=3"},
    {"normal:rows=3", "key 'rows' needs 'cols'"},
    {"normal:n=6,rows=2,cols=2", "n=6 disagrees with rows x cols = 4"},
    {"normal:n=3,seed=-1", "bad value '-1' for key 'seed'"},
    {"normal:n=3,seed=18446744073709551616", "bad value '18446744073709551616' for key 'seed'"},
    {"normal:n=3,stream=4294967296", "bad value '4294967296' for key 'stream'"},
    {"normal:n=3,,std=1", "empty item"},
    {"normal:n=3,std", "'std' is not key=value"},
    {"uniform:n=3,lo=1,hi=1", "key 'lo' (1) must be below 'hi' (1)"},
    {"outliers:rows=2,cols=2,frac=1.5", "bad value 1.5 for key 'frac' (a number in [0, 1])"},
    {"outliers:rows=2,cols=2,colstream=x", "bad value 'x' for key 'colstream'"},
    {"normal:rows=2,cols=2,colstream=1", "unknown key 'colstream'"},
    {"t:n=3,nu=0", "bad value 0 for key 'nu'"},
    {"ties:n=3,fmt=fp9", "ties: unknown format 'fp9' for key 'fmt'"},
    {"ties:n=3,fmt=fp32", "format fp32 has 32 bits"},
    {"ties:n=3,fmt=int4,fmt=int8", "key 'fmt' given twice"},
    {"ties:n=3,group=1.5", "group=1.5 is not a whole number"},
    {"ties:n=3,scale=0", "bad value 0 for key 'scale'"},
    {"normal:n=3,fmt=int4", "unknown key 'fmt'"},
    {"mix:n=3,0.5*ties", "unsupported component '0.5*ties'"},
    {"sine:n=3,rate=0", "bad value 0 for key 'rate'"},
    {"mix:n=3", "mix: no components"},
    {"mix:n=3,0.5*sine", "unsupported component '0.5*sine'"},
    {"mix:n=3,0.5*nope", "unknown component '0.5*nope'"},
    {"mix:n=3,-1*normal", "bad weight '-1'"},
    {"mix:n=3,normal(std=0)", "bad value 0 for key 'std'"},
    {"mix:n=3,normal(sd=1)", "unknown key 'sd' in component normal"},
    {"mix:n=3,normal(std=1", "lacks its ')'"},
    {"mix:n=3,1*normal,1*normal,1*normal,1*normal,1*normal,1*normal,1*normal,1*normal,1*normal",
     "more than 8 components"},
};

START_TEST(bad_specs_name_the_key_and_the_problem)
{
    fpq_gen_spec s;
    fpq_errbuf e;
    e.msg[0] = '\0';
    int rc = fpq_gen_parse(&s, bad_specs[_i].spec, &e);
    ck_assert_msg(rc == FPQ_LAB_ERR_SPEC, "%s: accepted", bad_specs[_i].spec);
    ck_assert_msg(strstr(e.msg, bad_specs[_i].msg) != NULL, "%s: message '%s' lacks '%s'",
                  bad_specs[_i].spec, e.msg, bad_specs[_i].msg);
}
END_TEST

START_TEST(generated_values_never_overflow)
{
    /* hi - lo overflows; the values stay finite and inside [lo, hi] */
    fpq_tensor t;
    fpq_errbuf e;
    ck_assert_int_eq(fpq_gen(&t, "uniform:n=1000,lo=-1e308,hi=1e308,seed=3", &e), FPQ_OK);
    for (size_t i = 0; i < 1000; i++)
        ck_assert_msg(isfinite(t.data[i]) && t.data[i] >= -1e308 && t.data[i] <= 1e308, "%zu: %g", i,
                      t.data[i]);
    fpq_tensor_free(&t);
    /* a narrow range keeps lo + (hi - lo) u exactly */
    ck_assert_int_eq(fpq_gen(&t, "uniform:n=4,lo=-1,hi=3,seed=3", &e), FPQ_OK);
    for (size_t i = 0; i < 4; i++)
        ck_assert(t.data[i] > -1 && t.data[i] < 3);
    fpq_tensor_free(&t);
    /* values beyond float64 are an error naming the distribution */
    ck_assert_int_eq(fpq_gen(&t, "lognormal:n=3,mu=800", &e), FPQ_LAB_ERR_SPEC);
    ck_assert_ptr_null(t.data);
    ck_assert_msg(strstr(e.msg, "lognormal: element 0 is inf") != NULL, "%s", e.msg);
}
END_TEST

/* Whether v is the midpoint of two consecutive values of f (MPFR's
 * roundings toward zero and away give them). */
static int is_midpoint(double v, const fpq_format *f)
{
    fpq_rounding lo, hi;
    fpq_rounding_default(&lo);
    fpq_rounding_default(&hi);
    lo.mode = FPQ_RDN;
    hi.mode = FPQ_RUP;
    double a, b;
    fpq_round_f64(&a, &v, 1, f, &lo);
    fpq_round_f64(&b, &v, 1, f, &hi);
    return a < b && v - a == b - v;
}

START_TEST(ties_are_midpoints_or_their_binary32_neighbours)
{
    static const struct { const char *spec, *fmt; double scale, max; } c[] = {
        {"ties:rows=64,cols=32,fmt=fp8_e4m3,scale=0.25,group=32,seed=3", "fp8_e4m3", 0.25, 448},
        {"ties:rows=64,cols=32,fmt=int4,scale=0.0625,frac=0.25,seed=4", "int4", 0.0625, 7},
        {"grid:n=4096,fmt=fp4_e2m1,scale=4,frac=1,seed=5", "fp4_e2m1", 4, 6},
    };
    fpq_format f;
    ck_assert_int_eq(fpq_format_parse(&f, c[_i].fmt), FPQ_OK);
    fpq_gen_spec sp;
    fpq_errbuf e;
    ck_assert_int_eq(fpq_gen_parse(&sp, c[_i].spec, &e), FPQ_OK);
    fpq_tensor t;
    ck_assert_int_eq(fpq_gen_fill(&t, &sp, &e), FPQ_OK);
    const size_t n = fpq_tensor_size(&t), group = (size_t)sp.dist.p[2];
    size_t ties = 0, others = 0;
    for (size_t i = 0; i < n; i++) {
        double v = t.data[i];
        if (group ? i % group == 0 : i == 0) {
            ck_assert_msg(v == c[_i].max * c[_i].scale, "%zu: %a", i, v);
            continue;
        }
        ck_assert_msg(fabs(v) < c[_i].max * c[_i].scale, "%zu: %a beyond the max", i, v);
        if (is_midpoint(v / c[_i].scale, &f)) {
            ties++;
            continue;
        }
        float m = (float)v;
        ck_assert_msg((double)m == v, "%zu: %a is not a binary32 value", i, v);
        ck_assert_msg(is_midpoint((double)nextafterf(m, INFINITY) / c[_i].scale, &f)
                          || is_midpoint((double)nextafterf(m, -INFINITY) / c[_i].scale, &f),
                      "%zu: %a is not next to a midpoint", i, v);
        others++;
    }
    double frac = (double)ties / (double)(ties + others);
    ck_assert_msg(fabs(frac - sp.dist.p[1]) < 0.05, "tie fraction %g, frac %g", frac, sp.dist.p[1]);
    fpq_tensor_free(&t);
}
END_TEST

Suite *dist_suite(void)
{
    Suite *s = suite_create("dist");
    TCase *tc = fpq_check_tcase("generator", 60);
    tcase_add_loop_test(tc, philox_matches_random123_known_answers, 0,
                        (int)(sizeof kat / sizeof kat[0]));
    tcase_add_test(tc, stream_is_frozen);
    tcase_add_test(tc, counter_layout_is_as_documented);
    tcase_add_test(tc, uniform_is_strictly_inside_the_unit_interval);
    tcase_add_test(tc, normal_quantile_inverts_erfc);
    suite_add_tcase(s, tc);

    tc = fpq_check_tcase("distributions", 120);
    tcase_add_loop_test(tc, moments_match_closed_forms, 0, NCASES);
    tcase_add_loop_test(tc, kolmogorov_smirnov_statistic_is_small, 0, NCASES);
    tcase_add_loop_test(tc, quantiles_match_closed_forms, 0, NCASES);
    tcase_add_test(tc, sine_follows_its_formula);
    tcase_add_test(tc, outlier_columns_are_scaled_and_counted);
    tcase_add_test(tc, outlier_columns_can_be_shared_between_streams);
    tcase_add_loop_test(tc, ties_are_midpoints_or_their_binary32_neighbours, 0, 3);
    suite_add_tcase(s, tc);

    tc = fpq_check_tcase("reproducibility", 120);
    tcase_add_loop_test(tc, result_is_independent_of_thread_count, 0,
                        (int)(sizeof thread_specs / sizeof thread_specs[0]));
    tcase_add_test(tc, any_slice_is_the_same_values);
    suite_add_tcase(s, tc);

    tc = fpq_check_tcase("specs", 30);
    tcase_add_test(tc, canonical_spelling_parses_back_to_the_same_spec);
    tcase_add_test(tc, generated_values_never_overflow);
    tcase_add_loop_test(tc, bad_specs_name_the_key_and_the_problem, 0,
                        (int)(sizeof bad_specs / sizeof bad_specs[0]));
    suite_add_tcase(s, tc);
    return s;
}
