/* check_accmodel.c: accumulation models (fpq_acc_model, fpq_dot_c).
 *
 * - The presets reproduce the tensor cores' outputs measured by Khattak and
 *   Mikaitis (the files in tests/accmodel/: inputs, C and the GPU's D), and each
 *   file tells the preset from its neighbours (one extra bit more or less,
 *   rounding instead of truncation, a smaller block): the data is
 *   distinguishing.
 * - Hand-made examples whose outcome the model's rules fix: the extra
 *   alignment bits, truncation against rounding, the normalisation points,
 *   promotion.
 * - At its limits the model is the existing paths, bit for bit, on random
 *   inputs: one block with exact alignment and RNE is the exact sum rounded
 *   once; blocks of one product are the sequential sum (FPQ_DOT_SEQ) in
 *   RNE and RTZ, with exact or rounded products; promotion with blocks of
 *   one is FPQ_DOT_BLOCK.
 * - fpq_gemm under a model equals fpq_dot element by element and does not
 *   depend on the thread count.
 */
#include "check_fpq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#define MAXK 64

static fpq_format fmt(const char *name)
{
    fpq_format f;
    ck_assert_int_eq(fpq_format_parse(&f, name), FPQ_OK);
    return f;
}

static fpq_acc_model model(const char *text)
{
    fpq_acc_model m;
    char why[200] = "";
    FPQ_CHECK(fpq_acc_model_parse(&m, text, why, sizeof why) == FPQ_OK, "%s: %s", text, why);
    return m;
}

/* ---- the measured vectors ------------------------------------------------ */

typedef struct vec_file {
    char preset[64], in[32];
    size_t k, rows;
    uint32_t (*x)[MAXK], (*y)[MAXK], *c, *d;
} vec_file;

static void vec_load(vec_file *v, const char *path)
{
    FILE *f = fopen(path, "r");
    FPQ_CHECK(f != NULL, "cannot open %s (run from the source tree)", path);
    memset(v, 0, sizeof *v);
    char line[8192];
    size_t cap = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        if (sscanf(line, "preset %63s", v->preset) == 1 || sscanf(line, "in %31s", v->in) == 1 ||
            sscanf(line, "k %zu", &v->k) == 1)
            continue;
        FPQ_CHECK(v->k > 0 && v->k <= MAXK, "%s: k missing", path);
        if (v->rows == cap) {
            cap = cap ? 2 * cap : 128;
            v->x = realloc(v->x, cap * sizeof *v->x);
            v->y = realloc(v->y, cap * sizeof *v->y);
            v->c = realloc(v->c, cap * sizeof *v->c);
            v->d = realloc(v->d, cap * sizeof *v->d);
            ck_assert(v->x && v->y && v->c && v->d);
        }
        char *p = line, *e;
        for (size_t i = 0; i < 2 * v->k + 2; i++) {
            unsigned long w = strtoul(p, &e, 16);
            FPQ_CHECK(e != p, "%s: short line %zu", path, v->rows + 1);
            p = e;
            if (i < v->k)
                v->x[v->rows][i] = (uint32_t)w;
            else if (i < 2 * v->k)
                v->y[v->rows][i - v->k] = (uint32_t)w;
            else if (i == 2 * v->k)
                v->c[v->rows] = (uint32_t)w;
            else
                v->d[v->rows] = (uint32_t)w;
        }
        v->rows++;
    }
    fclose(f);
    FPQ_CHECK(v->rows > 0 && v->preset[0] && v->in[0], "%s: no data", path);
}

static void vec_free(vec_file *v)
{
    free(v->x);
    free(v->y);
    free(v->c);
    free(v->d);
}

/* The binary32 pattern w as a pattern of f (exact: the files hold values
 * of the input format). */
static uint64_t from_binary32(uint32_t w, const fpq_format *f)
{
    static const fpq_format *fp32;
    static fpq_format b32;
    if (!fp32) {
        b32 = fmt("fp32");
        fp32 = &b32;
    }
    MPFR_DECL_INIT(v, 64);
    fpq_decode(v, NULL, NULL, fp32, w);
    fpq_rounding r;
    fpq_rounding_default(&r);
    uint64_t bits;
    unsigned fl = 0;
    fpq_encode(&bits, &fl, f, v, &r);
    FPQ_CHECK(fl == 0, "0x%08x is not a value of %s", w, f->name);
    return bits;
}

/* How many rows of v the model m gets wrong. */
static size_t vec_mismatches(const vec_file *v, const fpq_acc_model *m)
{
    fpq_format in = fmt(v->in), fp32 = fmt("fp32");
    fpq_dot_spec s;
    fpq_dot_spec_default(&s);
    s.in = &in;
    s.model = m;
    s.out = &fp32;
    size_t bad = 0;
    for (size_t r = 0; r < v->rows; r++) {
        uint64_t x[MAXK], y[MAXK], out = 0;
        for (size_t i = 0; i < v->k; i++) {
            x[i] = from_binary32(v->x[r][i], &in);
            y[i] = from_binary32(v->y[r][i], &in);
        }
        unsigned fl;
        ck_assert_int_eq(fpq_dot_c(&out, &fl, x, y, v->k, v->c[r], &s), FPQ_OK);
        bad += out != v->d[r];
    }
    return bad;
}

static const char *const vec_files[] = {
    "v100-fp16", "a100-fp16", "a100-bf16", "a100-tf32", "h100-fp16", "h100-bf16",
    "h100-tf32", "h100-e4m3", "h100-e5m2", "b200-fp16", "b200-bf16", "b200-tf32",
};
#define NVEC (sizeof vec_files / sizeof vec_files[0])

START_TEST(presets_reproduce_the_measured_tensor_cores)
{
    char path[128];
    snprintf(path, sizeof path, "tests/accmodel/%s.txt", vec_files[_i]);
    vec_file v;
    vec_load(&v, path);
    fpq_acc_model m = model(v.preset);
    FPQ_CHECK(vec_mismatches(&v, &m) == 0, "%s: preset %s", path, v.preset);

    /* the data tells the preset from its neighbours */
    char alt[5][128];
    snprintf(alt[0], sizeof alt[0], "%s,extra=%d", v.preset, m.extra + 1);
    snprintf(alt[1], sizeof alt[1], "%s,extra=%d", v.preset, m.extra - 1);
    snprintf(alt[2], sizeof alt[2], "%s,round=rne", v.preset);
    snprintf(alt[3], sizeof alt[3], "%s,align=rne", v.preset);
    snprintf(alt[4], sizeof alt[4], "%s,block=%zu", v.preset, m.block / 2);
    for (int a = 0; a < 5; a++) {
        if (a == 4 && (m.block < 2 || m.block / 2 >= v.k))
            continue;
        fpq_acc_model n = model(alt[a]);
        FPQ_CHECK(vec_mismatches(&v, &n) > 0, "%s: %s reproduces it too", path, alt[a]);
    }
    vec_free(&v);
}
END_TEST

/* ---- hand-made examples ---------------------------------------------------- */

/* The model's result for text pairs, as a binary32 pattern (out fp32). */
static uint64_t run(const char *mtext, const char *in, const double *x, const double *y, size_t n, double c)
{
    fpq_format fi = fmt(in), fp32 = fmt("fp32");
    fpq_acc_model m = model(mtext);
    fpq_dot_spec s;
    fpq_dot_spec_default(&s);
    s.in = &fi;
    s.model = &m;
    s.out = &fp32;
    uint64_t xb[MAXK], yb[MAXK], cb, out;
    fpq_rounding r;
    fpq_rounding_default(&r);
    MPFR_DECL_INIT(v, 64);
    unsigned fl;
    for (size_t i = 0; i < n; i++) {
        mpfr_set_d(v, x[i], MPFR_RNDN);
        fpq_encode(&xb[i], &fl, &fi, v, &r);
        ck_assert_uint_eq(fl, 0);
        mpfr_set_d(v, y[i], MPFR_RNDN);
        fpq_encode(&yb[i], &fl, &fi, v, &r);
        ck_assert_uint_eq(fl, 0);
    }
    mpfr_set_d(v, c, MPFR_RNDN);
    fpq_encode(&cb, &fl, &fp32, v, &r);
    ck_assert_uint_eq(fl, 0);
    ck_assert_int_eq(fpq_dot_c(&out, &fl, xb, yb, n, cb, &s), FPQ_OK);
    return out;
}

START_TEST(examples_that_reveal_the_model)
{
    /* 1 - 2^-25: the small product sits 25 bits below the large one; it
     * survives alignment only with 2 or more extra bits (h100, b200), and
     * then the result truncates to the binary32 below 1 */
    const double x1[] = {1, -0x1p-12}, y1[] = {1, 0x1p-13};
    ck_assert_uint_eq(run("v100", "fp16", x1, y1, 2, 0), 0x3f800000);
    ck_assert_uint_eq(run("a100-fp16", "fp16", x1, y1, 2, 0), 0x3f800000);
    ck_assert_uint_eq(run("h100-fp16", "fp16", x1, y1, 2, 0), 0x3f7fffff);
    ck_assert_uint_eq(run("b200-fp16", "fp16", x1, y1, 2, 0), 0x3f7fffff);
    /* 2^-24 below 1 is kept by a100 (1 extra bit) but not by v100 */
    const double y2[] = {1, 0x1p-12};
    ck_assert_uint_eq(run("v100", "fp16", x1, y2, 2, 0), 0x3f800000);
    ck_assert_uint_eq(run("a100-fp16", "fp16", x1, y2, 2, 0), 0x3f7fffff);
    /* truncation of the aligned addends against rounding them: -3/4 of a
     * kept ulp (2^-23) truncates to 0 and rounds to -1 ulp */
    const double x3[] = {1, -0x1.8p-12}, y3[] = {1, 0x1p-12};
    ck_assert_uint_eq(run("v100", "fp16", x3, y3, 2, 0), 0x3f800000);
    ck_assert_uint_eq(run("v100,align=rne", "fp16", x3, y3, 2, 0), 0x3f7ffffe);
    /* the exponent of an exact product is ex + ey (significand in [1, 4)):
     * 1.5 * 1.5 = 2.25 aligns at 2^0, not 2^1, so two products of 2^-23
     * are kept (2.25 + 2^-22); aligned at 2^1 they would be lost */
    const double x4[] = {1.5, 0x1p-12, 0x1p-12}, y4[] = {1.5, 0x1p-11, 0x1p-11};
    ck_assert_uint_eq(run("v100", "fp16", x4, y4, 3, 0), 0x40100001);
    /* normalisation after each block against once at the end: blocks of one
     * with 1 and then 8 times 2^-24 (each lost alone when added to 1 with
     * RTZ, kept when carried) */
    double x5[9], y5[9];
    x5[0] = 1, y5[0] = 1;
    for (int i = 1; i < 9; i++)
        x5[i] = 0x1p-12, y5[i] = 0x1p-12;
    ck_assert_uint_eq(run("block=1,extra=exact", "fp16", x5, y5, 9, 0), 0x3f800000);
    ck_assert_uint_eq(run("block=1,extra=exact,norm=end", "fp16", x5, y5, 9, 0), 0x3f800004);
    ck_assert_uint_eq(run("block=9,extra=2", "fp16", x5, y5, 9, 0), 0x3f800004);
    /* the accumulator C joins the first block's alignment: with C = 2^10 the
     * product -2^-14 is cut below 2^(10-23) and lost (1025); added to the
     * exact sum of the products after it, it would give 1025 - 2^-13 */
    const double x6[] = {1, -0x1p-7}, y6[] = {1, 0x1p-7};
    ck_assert_uint_eq(run("v100", "fp16", x6, y6, 2, 1024), 0x44802000);
}
END_TEST

START_TEST(the_fp8_accumulator_keeps_14_bits_and_promotion_restores_fp32)
{
    /* 1 then 300 products of 2^-14 (e4m3 2^-7 * 2^-7): with 13 fraction bits
     * kept (h100-fp8) each small product is cut below 2^-13 once the sum is
     * near 1, so the sum stays 1; promotion every 128 products adds the
     * partial sums (exact in e8m13 while they are small) into fp32 */
    double x[301], y[301];
    x[0] = y[0] = 1;
    for (int i = 1; i < 301; i++)
        x[i] = y[i] = 0x1p-7;
    fpq_format e4 = fmt("fp8_e4m3"), fp32 = fmt("fp32");
    fpq_dot_spec s;
    fpq_dot_spec_default(&s);
    s.in = &e4;
    s.out = &fp32;
    uint64_t out;
    unsigned fl;
    fpq_acc_model h = model("h100-fp8"), p = model("fp8-14bit-promote128"), b = model("b200-fp8");
    MPFR_DECL_INIT(v, 64);
    s.model = &h;
    ck_assert_int_eq(fpq_dot_f64(&out, &fl, NULL, x, y, 301, &s), FPQ_OK);
    ck_assert_uint_eq(out, 0x3f800000); /* 1: all 300 small products lost */
    s.model = &p;
    ck_assert_int_eq(fpq_dot_f64(&out, &fl, NULL, x, y, 301, &s), FPQ_OK);
    fpq_decode(v, NULL, NULL, &fp32, out);
    /* the first interval (1 and 127 products) loses them; the next two hold
     * 128 and 45 products of 2^-14 exactly and add them in fp32 */
    ck_assert(mpfr_cmp_d(v, 1 + 173 * 0x1p-14) == 0);
    s.model = &b;
    ck_assert_int_eq(fpq_dot_f64(&out, &fl, NULL, x, y, 301, &s), FPQ_OK);
    fpq_decode(v, NULL, NULL, &fp32, out);
    ck_assert(mpfr_cmp_d(v, 1 + 300 * 0x1p-14) == 0); /* 25 bits kept: nothing lost */
}
END_TEST

/* ---- the limits -------------------------------------------------------------- */

/* n random finite patterns of f with magnitudes within a few binades. */
static void random_inputs(uint64_t *x, size_t n, const fpq_format *f, fpq_check_rng *g)
{
    fpq_rounding r;
    fpq_rounding_default(&r);
    MPFR_DECL_INIT(v, 64);
    for (size_t i = 0; i < n; i++) {
        double m = (double)(fpq_check_rng_next(g) >> 11) * 0x1p-53 + 0.5;
        int e = (int)fpq_check_rng_below(g, 12) - 6;
        double val = ldexp(m, e) * (fpq_check_rng_below(g, 2) ? -1 : 1);
        if (fpq_check_rng_below(g, 16) == 0)
            val = 0;
        mpfr_set_d(v, val, MPFR_RNDN);
        unsigned fl;
        fpq_encode(&x[i], &fl, f, v, &r);
    }
}

static const char *const limit_inputs[] = {"fp16", "bf16", "fp8_e4m3", "fp8_e5m2", "tf32"};

START_TEST(model_limits_are_the_existing_paths)
{
    fpq_check_rng g;
    fpq_check_rng_init(&g, fpq_check_seed() ^ (uint64_t)_i);
    fpq_format in = fmt(limit_inputs[_i]), fp32 = fmt("fp32"), bf16 = fmt("bf16");
    uint64_t x[300], y[300];
    for (int trial = 0; trial < 60; trial++) {
        size_t n = 1 + (size_t)fpq_check_rng_below(&g, 300);
        random_inputs(x, n, &in, &g);
        random_inputs(y, n, &in, &g);
        char text[128];
        uint64_t a, b;
        unsigned fa, fb;
        fpq_dot_spec s, t;
        fpq_dot_spec_default(&s);
        s.in = &in;
        t = s;

        /* one block, exact alignment, RNE: the exact sum rounded once */
        snprintf(text, sizeof text, "block=%zu,extra=exact,round=rne", n);
        fpq_acc_model m1 = model(text);
        s.model = &m1;
        t.acc = NULL;
        t.out = &fp32;
        ck_assert_int_eq(fpq_dot(&a, &fa, NULL, x, y, n, &s), FPQ_OK);
        ck_assert_int_eq(fpq_dot(&b, &fb, NULL, x, y, n, &t), FPQ_OK);
        FPQ_CHECK(a == b, "%s n=%zu: one block %#llx, exact-then-round %#llx", in.name, n, (unsigned long long)a,
                  (unsigned long long)b);

        /* blocks of one product: the sequential sum in RNE and RTZ, with
         * exact products and with products rounded into bf16 */
        for (int mode = 0; mode < 4; mode++) {
            bool rtz = mode & 1, prod = mode & 2;
            fpq_acc_model m2 = model(rtz ? "block=1,extra=exact,round=rtz" : "block=1,extra=exact,round=rne");
            fpq_dot_spec_default(&s);
            s.in = &in;
            s.prod = prod ? &bf16 : NULL;
            s.rnd.mode = rtz ? FPQ_RTZ : FPQ_RNE;
            t = s;
            s.model = &m2;
            t.acc = &fp32;
            t.order = FPQ_DOT_SEQ;
            ck_assert_int_eq(fpq_dot(&a, &fa, NULL, x, y, n, &s), FPQ_OK);
            ck_assert_int_eq(fpq_dot(&b, &fb, NULL, x, y, n, &t), FPQ_OK);
            FPQ_CHECK(a == b, "%s n=%zu mode %d: blocks of one %#llx, sequential %#llx", in.name, n, mode,
                      (unsigned long long)a, (unsigned long long)b);
        }

        /* promotion every N with blocks of one: FPQ_DOT_BLOCK with block N */
        size_t pn = 1 + (size_t)fpq_check_rng_below(&g, 64);
        snprintf(text, sizeof text, "block=1,extra=exact,round=rne,promote=%zu,promote-acc=fp32", pn);
        fpq_acc_model m3 = model(text);
        fpq_dot_spec_default(&s);
        s.in = &in;
        t = s;
        s.model = &m3;
        t.order = FPQ_DOT_BLOCK;
        t.block = pn;
        t.block_acc = &fp32;
        ck_assert_int_eq(fpq_dot(&a, &fa, NULL, x, y, n, &s), FPQ_OK);
        ck_assert_int_eq(fpq_dot(&b, &fb, NULL, x, y, n, &t), FPQ_OK);
        FPQ_CHECK(a == b, "%s n=%zu promote %zu: %#llx, blocked %#llx", in.name, n, pn, (unsigned long long)a,
                  (unsigned long long)b);
    }
}
END_TEST

START_TEST(gemm_under_a_model_is_fpq_dot_whatever_the_threads)
{
    fpq_check_rng g;
    fpq_check_rng_init(&g, fpq_check_seed() ^ 0x5eed);
    fpq_format e4 = fmt("fp8_e4m3");
    enum { R = 5, K = 300, C = 7 };
    uint64_t a[R * K], b[K * C], c1[R * C], c2[R * C], col[K];
    random_inputs(a, R * K, &e4, &g);
    random_inputs(b, K * C, &e4, &g);
    fpq_acc_model m = model("fp8-14bit-promote128");
    fpq_dot_spec s;
    fpq_dot_spec_default(&s);
    s.in = &e4;
    s.model = &m;
    unsigned fl;
#ifdef _OPENMP
    int saved = omp_get_max_threads();
    omp_set_num_threads(1);
#endif
    ck_assert_int_eq(fpq_gemm(c1, NULL, &fl, a, b, R, K, C, &s), FPQ_OK);
#ifdef _OPENMP
    omp_set_num_threads(3);
#endif
    ck_assert_int_eq(fpq_gemm(c2, NULL, &fl, a, b, R, K, C, &s), FPQ_OK);
#ifdef _OPENMP
    omp_set_num_threads(saved);
#endif
    ck_assert_mem_eq(c1, c2, sizeof c1);
    for (int i = 0; i < R; i++)
        for (int j = 0; j < C; j++) {
            for (int t = 0; t < K; t++)
                col[t] = b[t * C + j];
            uint64_t d;
            ck_assert_int_eq(fpq_dot(&d, &fl, NULL, a + i * K, col, K, &s), FPQ_OK);
            ck_assert_uint_eq(d, c1[i * C + j]);
        }
}
END_TEST

START_TEST(parse_and_validate)
{
    fpq_acc_model m;
    char why[200];
    ck_assert_int_eq(fpq_acc_model_parse(&m, "h100-fp8,promote=128", why, sizeof why), FPQ_OK);
    ck_assert_uint_eq(m.block, 32);
    ck_assert_uint_eq(m.acc.mbits, 13);
    ck_assert_uint_eq(m.promote, 128);
    ck_assert_int_eq(fpq_acc_model_parse(&m, "block=3,promote=128", why, sizeof why), FPQ_ERR_ARG);
    ck_assert(strstr(why, "multiple") != NULL);
    ck_assert_int_eq(fpq_acc_model_parse(&m, "nosuch", why, sizeof why), FPQ_ERR_ARG);
    ck_assert_int_eq(fpq_acc_model_parse(&m, "block=4,v100", why, sizeof why), FPQ_ERR_ARG);
    ck_assert_int_eq(fpq_acc_model_parse(&m, "acc=int8", why, sizeof why), FPQ_ERR_ARG);
    ck_assert_int_eq(fpq_acc_model_parse(&m, "extra=-30", why, sizeof why), FPQ_ERR_ARG);
    ck_assert_int_eq(fpq_acc_model_parse(&m, "round=rup", why, sizeof why), FPQ_ERR_ARG);
    ck_assert_int_eq(fpq_acc_model_parse(&m, "", why, sizeof why), FPQ_ERR_ARG);
    for (size_t i = 0; i < fpq_acc_npresets; i++)
        FPQ_CHECK(fpq_acc_model_parse(&m, fpq_acc_presets[i].name, why, sizeof why) == FPQ_OK, "%s: %s",
                  fpq_acc_presets[i].name, why);
    /* fpq_dot_c needs a model */
    fpq_dot_spec s;
    fpq_dot_spec_default(&s);
    uint64_t out, x = 0x3c00;
    ck_assert_int_eq(fpq_dot_c(&out, NULL, &x, &x, 1, 0, &s), FPQ_ERR_ARG);
}
END_TEST

Suite *accmodel_suite(void)
{
    Suite *s = suite_create("accmodel");
    TCase *tc = fpq_check_tcase("models", 300);
    tcase_add_loop_test(tc, presets_reproduce_the_measured_tensor_cores, 0, (int)NVEC);
    tcase_add_test(tc, examples_that_reveal_the_model);
    tcase_add_test(tc, the_fp8_accumulator_keeps_14_bits_and_promotion_restores_fp32);
    tcase_add_loop_test(tc, model_limits_are_the_existing_paths, 0,
                        (int)(sizeof limit_inputs / sizeof limit_inputs[0]));
    tcase_add_test(tc, gemm_under_a_model_is_fpq_dot_whatever_the_threads);
    tcase_add_test(tc, parse_and_validate);
    suite_add_tcase(s, tc);
    return s;
}
