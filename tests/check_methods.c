/* check_methods.c: HQQ, Hadamard rotation and SmoothQuant (analysis/hqq.h,
 * transform.h, method.h).
 *
 * Oracles: integer sums for the Sylvester-Hadamard matrix and the fast
 * transform (exact in binary64 for small integers); the exact product for
 * a transform without quantization (only binary64 rounding may differ);
 * HQQ's own objective, sum |w - w^|^p per unit, recomputed here from the
 * dequantized tensors of fpq_hqq and of the zero-point quantization it
 * starts from.  The NumPy comparisons are tests/gptq/check_methods.py.
 * Random cases use FPQ_CHECK_SEED.
 */
#include "check_fpq.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "method.h"
#include "transform.h"

static double uni(fpq_check_rng *r, double lo, double hi)
{
    return lo + (hi - lo) * (double)(fpq_check_rng_next(r) >> 11) * 0x1p-53;
}

static void fill(fpq_tensor *t, size_t rows, size_t cols, fpq_check_rng *r, double lo, double hi)
{
    ck_assert_int_eq(fpq_tensor_alloc(t, rows, cols), FPQ_OK);
    for (size_t e = 0; e < rows * cols; e++)
        t->data[e] = uni(r, lo, hi);
}

/* H H^T = B I exactly (integer entries) for B = 1 .. 1024; the orthonormal
 * H (the rotation of the identity) has H^T H = I exactly when 1/sqrt(B) is
 * a power of two (B = 4^k), and within 4 ulp otherwise. */
START_TEST(hadamard_is_orthogonal)
{
    for (size_t b = 1; b <= 1024; b *= 2) {
        double *h = malloc(b * b * sizeof *h);
        fpq_hadamard_matrix(h, b);
        for (size_t i = 0; i < b; i++)
            for (size_t j = 0; j < b; j++) {
                double s = 0;
                for (size_t t = 0; t < b; t++)
                    s += h[i * b + t] * h[j * b + t];
                FPQ_CHECK(s == (i == j ? (double)b : 0), "B %zu: (H H^T)[%zu][%zu] = %g", b, i, j, s);
            }
        free(h);
        if (b > 256)
            continue;
        fpq_tensor q = FPQ_TENSOR_INIT;
        fpq_errbuf e = {""};
        ck_assert_int_eq(fpq_tensor_alloc(&q, b, b), FPQ_OK);
        for (size_t i = 0; i < b; i++)
            q.data[i * b + i] = 1;
        ck_assert_int_eq(fpq_rotate_x(&q, b, &e), FPQ_OK); /* I H = H */
        bool pow4 = (__builtin_ctzll(b) % 2) == 0;
        for (size_t i = 0; i < b; i++)
            for (size_t j = 0; j < b; j++) {
                double s = 0;
                for (size_t t = 0; t < b; t++)
                    s += q.data[t * b + i] * q.data[t * b + j];
                double want = i == j ? 1 : 0;
                if (pow4)
                    FPQ_CHECK(s == want, "B %zu: (H^T H)[%zu][%zu] = %.17g", b, i, j, s);
                else
                    FPQ_CHECK(fabs(s - want) <= 4 * 0x1p-52, "B %zu: (H^T H)[%zu][%zu] = %.17g", b, i, j, s);
            }
        fpq_tensor_free(&q);
    }
}
END_TEST

/* The fast transform equals the product with the matrix, on vectors of
 * small integers (every sum exact), with n = 1 and n = 3 lanes. */
START_TEST(fwht_equals_the_matrix_product)
{
    fpq_check_rng r;
    fpq_check_rng_init(&r, fpq_check_seed() + 811);
    for (size_t b = 1; b <= 256; b *= 2) {
        double *h = malloc(b * b * sizeof *h), *v = malloc(3 * b * sizeof *v), *f = malloc(3 * b * sizeof *f);
        fpq_hadamard_matrix(h, b);
        for (size_t e = 0; e < 3 * b; e++)
            v[e] = f[e] = (double)((int)(fpq_check_rng_next(&r) % 2001) - 1000);
        fpq_fwht(f, b, 3);
        for (size_t i = 0; i < b; i++)
            for (size_t l = 0; l < 3; l++) {
                double s = 0;
                for (size_t j = 0; j < b; j++)
                    s += h[i * b + j] * v[j * 3 + l];
                FPQ_CHECK(f[i * 3 + l] == s, "B %zu: row %zu lane %zu: %g, want %g", b, i, l, f[i * 3 + l], s);
            }
        free(h), free(v), free(f);
    }
}
END_TEST

/* Without quantization the rotated (and smoothed) product is X W up to the
 * rounding of the transforms: relative error below 1e-14. */
START_TEST(transforms_alone_change_only_rounding)
{
    static const struct { size_t block; bool smooth; double alpha; } cases[] = {
        {0, false, 0}, {1, false, 0}, {2, false, 0}, {32, false, 0}, {0, true, 0.5}, {16, true, 0.8}, {0, true, 0},
    };
    fpq_check_rng r;
    fpq_check_rng_init(&r, fpq_check_seed() + 812);
    fpq_tensor x = FPQ_TENSOR_INIT, w = FPQ_TENSOR_INIT;
    fill(&x, 20, 96, &r, -2, 2);
    fill(&w, 96, 7, &r, -0.1, 0.1);
    for (size_t j = 0; j < 20; j++)
        x.data[j * 96 + 5] *= 50; /* an outlier channel */
    fpq_mm_spec s;
    fpq_mm_spec_default(&s);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        fpq_mm_method mt;
        fpq_mm_method_default(&mt);
        mt.rotate = _i == 0 || cases[c].block != 0;
        mt.rotate_block = cases[c].block;
        mt.smooth = cases[c].smooth;
        mt.alpha = cases[c].alpha;
        fpq_mm_metrics m;
        fpq_mm_method_stats ms;
        fpq_errbuf e = {""};
        ck_assert_msg(fpq_matmul_method(NULL, &m, &ms, NULL, &x, &w, NULL, NULL, &s, &mt, &e) == FPQ_OK, "%s",
                      e.msg);
        ck_assert_msg(m.rel_err < 1e-14, "case %zu: rel_err %g", c, m.rel_err);
        if (mt.rotate)
            ck_assert_uint_eq(ms.rotate_block, cases[c].block ? cases[c].block : 32);
    }
    fpq_tensor_free(&x), fpq_tensor_free(&w);
}
END_TEST

/* SmoothQuant's factors: s_j = max|X_j|^a / max|W_j|^(1-a), 1 where a
 * maximum is 0; alpha outside [0, 1] refused. */
START_TEST(smooth_factors_follow_the_formula)
{
    double xd[] = {1, -4, 0, 2, 0.5, 0, -8, 1, 0};
    double wd[] = {0.5, -2, 0, 0, 0, 0, 0.25, 0.125, 0};
    fpq_tensor x = {3, 3, xd}, w = {3, 3, wd};
    double s[3];
    fpq_errbuf e = {""};
    ck_assert_int_eq(fpq_smooth_factors(s, &x, &w, 0.5, &e), FPQ_OK);
    ck_assert_double_eq_tol(s[0], 2.0, 1e-15); /* sqrt(8) / sqrt(2) */
    ck_assert_double_eq(s[1], 1.0); /* W's row 1 is 0 */
    ck_assert_double_eq(s[2], 1.0); /* X's column 2 is 0 */
    ck_assert_int_eq(fpq_smooth_factors(s, &x, &w, 1.0, &e), FPQ_OK);
    ck_assert_double_eq(s[0], 8.0);
    ck_assert_int_eq(fpq_smooth_factors(s, &x, &w, 1.5, &e), FPQ_LAB_ERR_SPEC);
    ck_assert_ptr_nonnull(strstr(e.msg, "alpha"));
}
END_TEST

START_TEST(bad_rotations_are_refused)
{
    fpq_tensor x = FPQ_TENSOR_INIT;
    ck_assert_int_eq(fpq_tensor_alloc(&x, 2, 96), FPQ_OK);
    fpq_errbuf e = {""};
    ck_assert_int_eq(fpq_rotate_x(&x, 64, &e), FPQ_LAB_ERR_SPEC);
    ck_assert_ptr_nonnull(strstr(e.msg, "the largest is 32"));
    ck_assert_int_eq(fpq_rotate_x(&x, 3, &e), FPQ_LAB_ERR_SPEC);
    ck_assert_uint_eq(fpq_hadamard_default_block(96), 32);
    ck_assert_uint_eq(fpq_hadamard_default_block(1536), 512);
    ck_assert_uint_eq(fpq_hadamard_default_block(7), 1);
    fpq_tensor_free(&x);
}
END_TEST

/* HQQ's objective, sum |w - w^|^p, unit by unit: never above the
 * zero-point quantization it starts from, and below it in total. */
START_TEST(hqq_never_raises_a_units_lp_error)
{
    fpq_qspec q;
    fpq_qspec_default(&q);
    fpq_format_parse(&q.format, "int4");
    q.scheme = FPQ_SCHEME_ZEROPOINT;
    size_t k = 256, n = 64, g = 32;
    switch (_i) {
    case 0: q.granularity = FPQ_GRAN_GROUP, q.group = g, q.axis = 0; break;
    case 1: q.granularity = FPQ_GRAN_GROUP, q.group = g, q.axis = 1; break;
    case 2: q.granularity = FPQ_GRAN_COL; break;
    case 3: fpq_format_parse(&q.format, "uint3"), q.granularity = FPQ_GRAN_ROW; break;
    case 4: q.granularity = FPQ_GRAN_GROUP, q.group = g, q.axis = 0, q.scale_exact = true; break;
    }
    fpq_check_rng r;
    fpq_check_rng_init(&r, fpq_check_seed() + 813 + (uint64_t)_i);
    fpq_tensor w = FPQ_TENSOR_INIT, start = FPQ_TENSOR_INIT, wq = FPQ_TENSOR_INIT;
    fill(&w, k, n, &r, -1, 1);
    for (size_t e = 0; e < k * n; e++) /* heavy tails: cubes of uniforms, a few spikes */
        w.data[e] = w.data[e] * w.data[e] * w.data[e] * (e % 97 == 0 ? 6 : 1);
    fpq_errbuf e = {""};
    ck_assert_int_eq(fpq_quantize(&start, NULL, &w, NULL, &q, &e), FPQ_OK);
    fpq_hqq_opts o;
    fpq_hqq_opts_default(&o);
    fpq_hqq_stats st;
    ck_assert_msg(fpq_hqq(&wq, &st, &w, &q, &o, &e) == FPQ_OK, "%s", e.msg);
    size_t nu = q.granularity == FPQ_GRAN_COL ? n : q.granularity == FPQ_GRAN_ROW ? k : k * n / g;
    ck_assert_uint_eq(st.units, nu);
    double *a = calloc(nu, sizeof *a), *b = calloc(nu, sizeof *b);
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < n; j++) {
            size_t u = q.granularity == FPQ_GRAN_COL   ? j
                       : q.granularity == FPQ_GRAN_ROW ? i
                       : q.axis == 0                   ? (i / g) * n + j
                                                       : i * (n / g) + j / g;
            a[u] += pow(fabs(w.data[i * n + j] - start.data[i * n + j]), o.p);
            b[u] += pow(fabs(w.data[i * n + j] - wq.data[i * n + j]), o.p);
        }
    double ta = 0, tb = 0;
    size_t better = 0;
    for (size_t u = 0; u < nu; u++) {
        ck_assert_msg(b[u] <= a[u] * (1 + 1e-13), "spec %d unit %zu: HQQ %.17g, start %.17g", _i, u, b[u], a[u]);
        better += b[u] < a[u];
        ta += a[u], tb += b[u];
    }
    /* per column (units of 256 values, spikes 6 times the rest) the start
     * is a fixed point here: equal is allowed there, nowhere else */
    if (_i != 2)
        ck_assert_msg(tb < ta && better > 0, "spec %d: HQQ %.9g, start %.9g in total", _i, tb, ta);
    else
        ck_assert_msg(tb <= ta, "spec %d: HQQ %.9g, start %.9g in total", _i, tb, ta);
    ck_assert_uint_eq(better, st.improved);
    ck_assert_double_eq_tol(st.lp_start, ta, 1e-9 * ta);
    ck_assert_double_eq_tol(st.lp_hqq, tb, 1e-9 * ta);
    free(a), free(b);
    fpq_tensor_free(&w), fpq_tensor_free(&start), fpq_tensor_free(&wq);
}
END_TEST

START_TEST(hqq_refuses_what_it_does_not_take)
{
    fpq_qspec q;
    fpq_qspec_default(&q);
    fpq_tensor w = FPQ_TENSOR_INIT, wq;
    ck_assert_int_eq(fpq_tensor_alloc(&w, 4, 4), FPQ_OK);
    fpq_hqq_opts o;
    fpq_hqq_opts_default(&o);
    fpq_errbuf e = {""};
    ck_assert_int_eq(fpq_hqq(&wq, NULL, &w, &q, &o, &e), FPQ_LAB_ERR_SPEC); /* absmax */
    ck_assert_ptr_nonnull(strstr(e.msg, "zeropoint"));
    q.scheme = FPQ_SCHEME_ZEROPOINT;
    o.p = 1.5;
    ck_assert_int_eq(fpq_hqq(&wq, NULL, &w, &q, &o, &e), FPQ_LAB_ERR_SPEC);
    ck_assert_ptr_nonnull(strstr(e.msg, "0 < p <= 1"));
    o.p = 1;
    ck_assert_int_eq(fpq_hqq(&wq, NULL, &w, &q, &o, &e), FPQ_OK); /* all zeros */
    for (size_t i = 0; i < 16; i++)
        ck_assert_double_eq(wq.data[i], 0);
    fpq_tensor_free(&wq), fpq_tensor_free(&w);
}
END_TEST

Suite *methods_suite(void)
{
    Suite *s = suite_create("methods");
    TCase *tc = fpq_check_tcase("hadamard and smoothquant", 60);
    tcase_add_test(tc, hadamard_is_orthogonal);
    tcase_add_test(tc, fwht_equals_the_matrix_product);
    tcase_add_loop_test(tc, transforms_alone_change_only_rounding, 0, 1);
    tcase_add_test(tc, smooth_factors_follow_the_formula);
    tcase_add_test(tc, bad_rotations_are_refused);
    suite_add_tcase(s, tc);
    tc = fpq_check_tcase("hqq", 60);
    tcase_add_loop_test(tc, hqq_never_raises_a_units_lp_error, 0, 5);
    tcase_add_test(tc, hqq_refuses_what_it_does_not_take);
    suite_add_tcase(s, tc);
    return s;
}
