/* check_train.c: the IDX loader (io/idx.c) and the network engine of the
 * lab (train.h).
 *
 * IDX files are made here byte by byte in a fresh temporary directory; the
 * expected values are the ones written.  The engine is run on small data
 * sets made here too (no test reads the bundled data). */
#include "check_fpq.h"

#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <omp.h>

#include "io.h"
#include "io/io-impl.h" /* fpq_io_parse_idx on bytes in memory */
#include "source.h"
#include "train.h"

/* ---- scratch directory ------------------------------------------------------ */

static char tmpdir[256];

static void dir_setup(void)
{
    fpq_check_mkdtemp(tmpdir, sizeof tmpdir, "train");
}

static void dir_teardown(void)
{
    fpq_check_rmtree(tmpdir);
}

static const char *tpath(const char *name)
{
    static char bufs[4][512];
    static int k;
    char *b = bufs[k++ % 4];
    snprintf(b, 512, "%s/%s", tmpdir, name);
    return b;
}

static const char *write_file(const char *name, const void *p, size_t n)
{
    const char *path = tpath(name);
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    ck_assert_uint_eq(fwrite(p, 1, n, f), n);
    ck_assert_int_eq(fclose(f), 0);
    return path;
}

/* An IDX header: type code, dims (big-endian u32 each). */
static size_t idx_header(unsigned char *b, unsigned code, unsigned ndim, const uint32_t *dims)
{
    b[0] = b[1] = 0;
    b[2] = (unsigned char)code;
    b[3] = (unsigned char)ndim;
    for (unsigned d = 0; d < ndim; d++) {
        b[4 + 4 * d] = (unsigned char)(dims[d] >> 24);
        b[5 + 4 * d] = (unsigned char)(dims[d] >> 16);
        b[6 + 4 * d] = (unsigned char)(dims[d] >> 8);
        b[7 + 4 * d] = (unsigned char)dims[d];
    }
    return 4 + 4 * (size_t)ndim;
}

static fpq_tensor load_ok(const char *src)
{
    fpq_tensor t;
    fpq_errbuf e;
    int rc = fpq_source_load(&t, src, &e);
    ck_assert_msg(rc == FPQ_OK, "%s: %s", src, e.msg);
    return t;
}

/* ---- IDX ---------------------------------------------------------------------- */

START_TEST(idx_images_and_labels_are_read_by_name)
{
    unsigned char b[64];
    uint32_t dims[3] = {2, 2, 3};
    size_t h = idx_header(b, 0x08, 3, dims);
    for (unsigned i = 0; i < 12; i++)
        b[h + i] = (unsigned char)(i * 20);
    const char *img = write_file("img-idx3-ubyte", b, h + 12);
    uint32_t n = 3;
    h = idx_header(b, 0x08, 1, &n);
    b[h] = 7, b[h + 1] = 0, b[h + 2] = 9;
    const char *lab = write_file("lab.idx", b, h + 3);

    fpq_io_file f;
    fpq_errbuf e;
    ck_assert_msg(fpq_io_open(&f, img, &e) == FPQ_OK, "%s", e.msg);
    ck_assert_str_eq(f.kind, "idx");
    ck_assert_uint_eq(f.nt, 1);
    ck_assert_str_eq(f.t[0].name, "images");
    ck_assert_int_eq(f.t[0].ndim, 3);
    ck_assert_uint_eq(f.t[0].shape[0], 2);
    ck_assert_uint_eq(f.t[0].shape[2], 3);
    fpq_io_close(&f);

    char src[600];
    snprintf(src, sizeof src, "%s::images", img);
    fpq_tensor t = load_ok(src);
    ck_assert_uint_eq(t.rows, 4);
    ck_assert_uint_eq(t.cols, 3);
    for (unsigned i = 0; i < 12; i++)
        ck_assert_double_eq(t.data[i], i * 20.0);
    fpq_tensor_free(&t);
    snprintf(src, sizeof src, "%s::labels", lab);
    t = load_ok(src);
    ck_assert_uint_eq(t.rows, 1);
    ck_assert_uint_eq(t.cols, 3);
    ck_assert_double_eq(t.data[0], 7);
    ck_assert_double_eq(t.data[2], 9);
    fpq_tensor_free(&t);

    /* other element types, big-endian: i16 -2, f32 1.5, f64 -0.25 */
    h = idx_header(b, 0x0b, 1, (uint32_t[]){1});
    b[h] = 0xff, b[h + 1] = 0xfe;
    t = load_ok(write_file("i16-ubyte", b, h + 2));
    ck_assert_double_eq(t.data[0], -2);
    fpq_tensor_free(&t);
    h = idx_header(b, 0x0d, 2, (uint32_t[]){1, 1});
    memcpy(b + h, "\x3f\xc0\x00\x00", 4);
    snprintf(src, sizeof src, "%s::images", write_file("f32.idx", b, h + 4));
    t = load_ok(src);
    ck_assert_double_eq(t.data[0], 1.5);
    fpq_tensor_free(&t);
    h = idx_header(b, 0x0e, 1, (uint32_t[]){1});
    memcpy(b + h, "\xbf\xd0\0\0\0\0\0\0", 8);
    t = load_ok(write_file("f64.idx", b, h + 8));
    ck_assert_double_eq(t.data[0], -0.25);
    fpq_tensor_free(&t);
}
END_TEST

static void idx_fails(const unsigned char *b, size_t n, const char *want)
{
    fpq_io_file f;
    memset(&f, 0, sizeof f);
    f.path = (char *)"x.idx";
    f.buf = b;
    f.len = n;
    fpq_errbuf e;
    int rc = fpq_io_parse_idx(&f, &e);
    for (size_t i = 0; i < f.nt; i++)
        free(f.t[i].name);
    free(f.t);
    ck_assert_int_eq(rc, FPQ_LAB_ERR_FORMAT);
    ck_assert_msg(strstr(e.msg, want) != NULL, "'%s' lacks '%s'", e.msg, want);
    ck_assert_msg(strncmp(e.msg, "x.idx: ", 7) == 0, "'%s' does not name the file", e.msg);
}

START_TEST(idx_malformed_headers_are_refused_by_name)
{
    unsigned char b[64] = {0};
    idx_fails(b, 3, "the header alone takes 4");
    b[0] = 1, b[2] = 8, b[3] = 1;
    idx_fails(b, 12, "first two bytes are 0x01 0x00");
    b[0] = 0, b[2] = 0x0a;
    idx_fails(b, 12, "element type 0x0a at byte 2");
    b[2] = 8, b[3] = 0;
    idx_fails(b, 12, "gives 0 dimensions");
    b[3] = 9;
    idx_fails(b, 64, "gives 9 dimensions");
    b[3] = 3;
    idx_fails(b, 10, "3 dimensions need 16 bytes, the file holds 10");
    size_t h = idx_header(b, 0x08, 2, (uint32_t[]){2, 3});
    idx_fails(b, h + 5, "shape 2x3 of u8 needs 6 bytes of data after the 12-byte header, the file holds 5");
    idx_fails(b, h + 7, "needs 6 bytes of data after the 12-byte header, the file holds 7");
    h = idx_header(b, 0x0e, 3, (uint32_t[]){0xffffffffu, 0xffffffffu, 0xffffffffu});
    idx_fails(b, h, "shape too large");
    /* every proper prefix of a valid file fails */
    h = idx_header(b, 0x0c, 1, (uint32_t[]){2});
    for (size_t n = 0; n < h + 8; n++)
        idx_fails(b, n, "");
}
END_TEST

START_TEST(idx_is_recognised_by_content_or_name)
{
    /* by content, whatever the name */
    unsigned char b[32];
    size_t h = idx_header(b, 0x08, 1, (uint32_t[]){2});
    b[h] = 1, b[h + 1] = 2;
    fpq_io_file f;
    fpq_errbuf e;
    ck_assert_msg(fpq_io_open(&f, write_file("noext", b, h + 2), &e) == FPQ_OK, "%s", e.msg);
    ck_assert_str_eq(f.kind, "idx");
    fpq_io_close(&f);
    /* by name: a truncated one gets the IDX loader's message */
    ck_assert_int_eq(fpq_io_open(&f, write_file("bad-idx1-ubyte", b, h + 1), &e), FPQ_LAB_ERR_FORMAT);
    ck_assert_msg(strstr(e.msg, "needs 2 bytes of data") != NULL, "%s", e.msg);
}
END_TEST

/* ---- the engine: rounding points against libfpq's MPFR reference ------------- */

static fpq_format fmt(const char *name)
{
    fpq_format f;
    ck_assert_msg(fpq_format_parse(&f, name) == FPQ_OK, "%s", name);
    return f;
}

/* x (binary64) into f by fpq_encode on MPFR at `position`. */
static uint64_t ref_enc(double x, const fpq_format *f, const fpq_rounding *r0, uint64_t position)
{
    mpfr_t v;
    mpfr_init2(v, 128);
    mpfr_set_d(v, x, MPFR_RNDN);
    fpq_rounding r = *r0;
    r.position = position;
    uint64_t bits;
    fpq_encode(&bits, NULL, f, v, &r);
    mpfr_clear(v);
    return bits;
}

/* x rounded into f by fpq_encode on MPFR (element at `position`), decoded
 * back to float through MPFR. */
static float ref_round(float x, const fpq_format *f, const fpq_rounding *r0, uint64_t position)
{
    mpfr_t v;
    mpfr_init2(v, 128);
    fpq_decode(v, NULL, NULL, f, ref_enc(x, f, r0, position));
    float y = mpfr_get_flt(v, MPFR_RNDN);
    mpfr_clear(v);
    return y;
}

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005u + 1442695040888963407u;
    return *s >> 11;
}

/* values from 2^-30 to 2^20 in magnitude, both signs, and some zeros */
static void fill(float *x, size_t n, uint64_t seed)
{
    uint64_t s = seed;
    for (size_t i = 0; i < n; i++) {
        uint64_t u = lcg(&s);
        if (u % 17 == 0) {
            x[i] = 0;
            continue;
        }
        double m = 1 + (double)(u % 1000003) / 1000003.0;
        int e = (int)(lcg(&s) % 51) - 30;
        x[i] = (float)ldexp(u & 1 ? -m : m, e);
    }
}

START_TEST(cast_points_match_the_mpfr_reference)
{
    const char *fmts[] = {"fp16", "bf16", "fp8_e4m3", "fp8_e5m2", "int8"};
    const fpq_rnd modes[] = {FPQ_RNE, FPQ_RTZ, FPQ_RSR};
    enum { N = 600 };
    for (size_t fi = 0; fi < sizeof fmts / sizeof *fmts; fi++)
        for (size_t mi = 0; mi < 3; mi++) {
            fpq_nn_point p;
            memset(&p, 0, sizeof p);
            p.on = p.cast = true;
            fpq_qspec_default(&p.q);
            p.q.format = fmt(fmts[fi]);
            p.q.rnd.mode = modes[mi];
            p.q.rnd.seed = 7;
            p.q.rnd.overflow = FPQ_OVF_FORMAT; /* a cast's: the format's own (the reference's rnd) */
            float x[N], y[N];
            fill(x, N, 100 + fi * 3 + mi);
            memcpy(y, x, sizeof x);
            fpq_nn_counts c = {0, 0, 0};
            fpq_errbuf e;
            ck_assert_msg(fpq_nn_point_apply(&p, y, 20, 30, 1000, &c, &e) == FPQ_OK, "%s", e.msg);
            uint64_t fl = 0, ov = 0;
            for (size_t i = 0; i < N; i++) {
                float r = ref_round(x[i], &p.q.format, &p.q.rnd, 1000 + i);
                FPQ_CHECK(memcmp(&r, &y[i], 4) == 0 || (isnan(r) && isnan(y[i])),
                          "%s mode %d: x %a: point %a, reference %a", fmts[fi], (int)modes[mi],
                          (double)x[i], (double)y[i], (double)r);
                fl += x[i] != 0 && r == 0;
                ov += !isfinite(r);
            }
            ck_assert_uint_eq(c.n, N);
            ck_assert_uint_eq(c.flushed, fl);
            ck_assert_uint_eq(c.overflowed, ov);
        }
}
END_TEST

START_TEST(spec_points_are_the_labs_quantizer)
{
    enum { R = 12, C = 20 };
    float x[R * C], y[R * C];
    fill(x, R * C, 5);
    memcpy(y, x, sizeof x);
    fpq_nn_point p;
    memset(&p, 0, sizeof p);
    p.on = true;
    fpq_qspec_default(&p.q);
    p.q.format = fmt("int4");
    p.q.granularity = FPQ_GRAN_COL;
    p.q.rnd.mode = FPQ_RSR;
    p.q.rnd.seed = 3;
    fpq_errbuf e;
    ck_assert_msg(fpq_nn_point_apply(&p, y, R, C, 77, NULL, &e) == FPQ_OK, "%s", e.msg);
    fpq_tensor t, q;
    ck_assert_int_eq(fpq_tensor_alloc(&t, R, C), FPQ_OK);
    for (size_t i = 0; i < R * C; i++)
        t.data[i] = x[i];
    fpq_qspec s = p.q;
    s.rnd.position = 77;
    ck_assert_int_eq(fpq_quantize(&q, NULL, &t, NULL, &s, &e), FPQ_OK);
    for (size_t i = 0; i < R * C; i++)
        ck_assert_msg((float)q.data[i] == y[i], "element %zu", i);
    fpq_tensor_free(&t), fpq_tensor_free(&q);
    /* a tensor holding an Inf is left as it is and counted */
    y[3] = INFINITY;
    fpq_nn_counts c = {0, 0, 0};
    float keep = y[4];
    ck_assert_int_eq(fpq_nn_point_apply(&p, y, R, C, 0, &c, &e), FPQ_OK);
    ck_assert(y[4] == keep);
    ck_assert_uint_eq(c.overflowed, 1);
}
END_TEST

/* op(A) op(B) through fpq_nn_matmul_emu against fpq_gemm_reference on the
 * same patterns. */
START_TEST(emulated_products_match_the_gemm_reference)
{
    const char *ins[] = {"bf16", "fp16", "fp8_e4m3"}, *accs[] = {"fp32", "fp16", "bf16"};
    enum { M = 5, K = 37, N = 6 };
    for (int v = 0; v < 3; v++)
        for (int tr = 0; tr < 4; tr++) {
            bool ta = tr & 1, tb = tr & 2;
            fpq_format fin = fmt(ins[v]), facc = fmt(accs[v]);
            fpq_dot_spec d;
            fpq_dot_spec_default(&d);
            d.in = &fin;
            d.acc = &facc;
            float a[M * K], b[K * N], c[M * N];
            uint64_t s = 11 + (uint64_t)(v * 4 + tr);
            for (size_t i = 0; i < M * K; i++)
                a[i] = (float)((double)(lcg(&s) % 2001) / 1000.0 - 1);
            for (size_t i = 0; i < K * N; i++)
                b[i] = (float)((double)(lcg(&s) % 2001) / 500.0 - 2);
            fpq_errbuf e;
            ck_assert_msg(fpq_nn_matmul_emu(c, a, b, M, K, N, ta, tb, &d, &e) == FPQ_OK, "%s", e.msg);
            uint64_t pa[M * K], pb[K * N], pc[M * N];
            mpfr_t t;
            mpfr_init2(t, 64);
            for (size_t i = 0; i < M; i++)
                for (size_t k = 0; k < K; k++) {
                    mpfr_set_flt(t, ta ? a[k * M + i] : a[i * K + k], MPFR_RNDN);
                    fpq_encode(&pa[i * K + k], NULL, &fin, t, &d.rnd_in);
                }
            for (size_t k = 0; k < K; k++)
                for (size_t j = 0; j < N; j++) {
                    mpfr_set_flt(t, tb ? b[j * K + k] : b[k * N + j], MPFR_RNDN);
                    fpq_encode(&pb[k * N + j], NULL, &fin, t, &d.rnd_in);
                }
            ck_assert_int_eq(fpq_gemm_reference(pc, NULL, NULL, pa, pb, M, K, N, &d), FPQ_OK);
            for (size_t i = 0; i < M * N; i++) {
                fpq_decode(t, NULL, NULL, &facc, pc[i]);
                float r = mpfr_get_flt(t, MPFR_RNDN);
                FPQ_CHECK(memcmp(&r, &c[i], 4) == 0, "%s/%s ta %d tb %d: C[%zu] %a, reference %a",
                          ins[v], accs[v], ta, tb, i, (double)c[i], (double)r);
            }
            mpfr_clear(t);
        }
}
END_TEST

/* c (rows x cols) is within 1e-5 of the sum of |terms| of the binary64
 * product X Y, X rows x inner (xt: stored inner x rows), Y inner x cols. */
static void close_to_binary64(const float *c, const float *x, const float *y, size_t rows,
                              size_t inner, size_t cols, bool xt, const char *what)
{
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++) {
            double s = 0, sa = 0;
            for (size_t t = 0; t < inner; t++) {
                double p = (double)(xt ? x[t * rows + i] : x[i * inner + t]) * y[t * cols + j];
                s += p;
                sa += fabs(p);
            }
            FPQ_CHECK(fabs(s - c[i * cols + j]) <= 1e-5 * sa + 1e-30, "%s [%zu][%zu]", what, i, j);
        }
}

/* Product _i: 0 the loops, 1 OpenBLAS (skipped with a note when
 * libopenblas.so.0 does not load).  false when skipped. */
static bool use_blas(int i)
{
    fpq_errbuf e;
    if (i == 0) {
        ck_assert_int_eq(fpq_nn_blas_set(FPQ_NN_BLAS_LOOPS, &e), FPQ_OK);
        ck_assert_str_eq(fpq_nn_blas_name(NULL), "loops");
        return true;
    }
    if (fpq_nn_blas_set(FPQ_NN_BLAS_OPENBLAS, &e) != FPQ_OK) {
        ck_assert(strstr(e.msg, "libopenblas.so.0") != NULL);
        fprintf(stderr, "check_train: OpenBLAS not tested: %s\n", e.msg);
        fpq_nn_blas_set(FPQ_NN_BLAS_AUTO, &e);
        return false;
    }
    ck_assert_str_eq(fpq_nn_blas_name(NULL), "openblas");
    return true;
}

/* The fp32 products, on the loops and on OpenBLAS: close to binary64 and
 * the same bits on 1 and 2 threads. */
START_TEST(fp32_products_do_not_depend_on_threads)
{
    if (!use_blas(_i))
        return;
    enum { M = 100, K = 70, N = 9 };
    static float a[M * K], b[K * N], g[M * N], c1[M * N], c2[M * N], w1[K * N], w2[K * N];
    static float scratch[4 * K * N];
    fill(a, M * K, 21);
    fill(b, K * N, 22);
    fill(g, M * N, 23);
    for (size_t i = 0; i < M * K; i++)
        a[i] = ldexpf(a[i], -(int)(i % 7)) * 1e-3f;
    for (size_t i = 0; i < K * N; i++)
        b[i] = b[i] * 1e-3f;
    for (size_t i = 0; i < M * N; i++)
        g[i] = g[i] * 1e-3f;
    int saved = omp_get_max_threads();
    omp_set_num_threads(1);
    fpq_nn_matmul(c1, a, b, M, K, N, false);
    fpq_nn_matmul_tn(w1, a, g, M, K, N, scratch);
    omp_set_num_threads(2);
    fpq_nn_matmul(c2, a, b, M, K, N, false);
    fpq_nn_matmul_tn(w2, a, g, M, K, N, scratch);
    omp_set_num_threads(saved);
    ck_assert(memcmp(c1, c2, sizeof c1) == 0);
    ck_assert(memcmp(w1, w2, sizeof w1) == 0);
    /* A B, and A (B^T)^T from B's transpose */
    static float bt[N * K];
    for (size_t k = 0; k < K; k++)
        for (size_t j = 0; j < N; j++)
            bt[j * K + k] = b[k * N + j];
    fpq_nn_matmul(c2, a, bt, M, K, N, true);
    close_to_binary64(c1, a, b, M, K, N, false, "A B");
    close_to_binary64(c2, a, b, M, K, N, false, "A B^T");
    close_to_binary64(w1, a, g, K, M, N, true, "A^T G");
    fpq_errbuf e;
    fpq_nn_blas_set(FPQ_NN_BLAS_AUTO, &e);
}
END_TEST

/* ---- the optimizer's arithmetic in a format against MPFR ---------------------- */

/* a op b in f on MPFR (fpq_arith_reference) at `position`. */
static uint64_t ref_op(fpq_op op, uint64_t a, uint64_t b, const fpq_format *f,
                       const fpq_rounding *r0, uint64_t position)
{
    fpq_rounding r = *r0;
    r.position = position;
    const fpq_format *from[2] = {f, f};
    uint64_t x[2] = {a, b}, out;
    fpq_arith_reference(&out, NULL, f, op, from, x, &r);
    return out;
}

/* Two steps of fpq_nn_opt_step (loss scale and weight decay on, then off)
 * against the same operations one by one on MPFR: the momentum codes and
 * the updates bit for bit, per format and kind of rounding. */
START_TEST(optimizer_steps_match_the_mpfr_reference)
{
    const char *fmts[] = {"bf16", "fp16", "fp8_e4m3", "fp32"};
    const fpq_rnd modes[] = {FPQ_RNE, FPQ_RTZ, FPQ_RSR};
    enum { N = 300 };
    const uint64_t P = 5ull << 32;
    for (size_t fi = 0; fi < sizeof fmts / sizeof *fmts; fi++)
        for (size_t mi = 0; mi < 3; mi++) {
            fpq_nn_opt o;
            o.on = true;
            o.format = fmt(fmts[fi]);
            fpq_rounding_default(&o.rnd);
            o.rnd.mode = modes[mi];
            o.rnd.seed = 9;
            const fpq_format *f = &o.format;
            fpq_rounding rne;
            fpq_rounding_default(&rne);
            float dw[N], w[N], u[N];
            uint64_t v[N], vc[N];
            fpq_errbuf e;
            void *codes = malloc(fpq_nn_opt_size(&o, N));
            ck_assert_ptr_nonnull(codes);
            ck_assert_int_eq(fpq_nn_opt_zero(&o, codes, N, &e), FPQ_OK);
            for (size_t i = 0; i < N; i++)
                v[i] = ref_enc(0, f, &rne, 0);
            for (int step = 0; step < 2; step++) {
                const double mu = 0.9, lr = 0.05 / (step + 1), inv = step ? 1 : 1.0 / 1024,
                             wd = step ? 0 : 5e-4;
                fill(dw, N, 300 + fi * 7 + mi * 2 + (size_t)step);
                fill(w, N, 400 + fi * 7 + mi);
                for (size_t i = 0; i < N; i++)
                    dw[i] = ldexpf(dw[i], step ? -12 : -2), w[i] = ldexpf(w[i], -14);
                ck_assert_msg(fpq_nn_opt_step(&o, codes, u, dw, w, N, mu, lr, inv, wd, P, &e)
                              == FPQ_OK, "%s", e.msg);
                const uint64_t smu = ref_enc(mu, f, &rne, 0), slr = ref_enc(lr, f, &rne, 0);
                const uint64_t sinv = ref_enc(inv, f, &rne, 0), swd = ref_enc(wd, f, &rne, 0);
                ck_assert_int_eq(fpq_unpack(vc, codes, 0, N, f), FPQ_OK);
                for (size_t i = 0; i < N; i++) {
                    uint64_t g = ref_enc(dw[i], f, &o.rnd, P + (1ull << 27) + i);
                    if (inv != 1)
                        g = ref_op(FPQ_OP_MUL, g, sinv, f, &o.rnd, P + (2ull << 27) + i);
                    if (wd != 0) {
                        uint64_t t = ref_enc(w[i], f, &o.rnd, P + (3ull << 27) + i);
                        t = ref_op(FPQ_OP_MUL, swd, t, f, &o.rnd, P + (4ull << 27) + i);
                        g = ref_op(FPQ_OP_ADD, g, t, f, &o.rnd, P + (5ull << 27) + i);
                    }
                    uint64_t t = ref_op(FPQ_OP_MUL, smu, v[i], f, &o.rnd, P + (6ull << 27) + i);
                    v[i] = ref_op(FPQ_OP_ADD, t, g, f, &o.rnd, P + (7ull << 27) + i);
                    uint64_t ub = ref_op(FPQ_OP_MUL, slr, v[i], f, &o.rnd, P + (8ull << 27) + i);
                    mpfr_t d;
                    mpfr_init2(d, 64);
                    fpq_decode(d, NULL, NULL, f, ub);
                    float want = mpfr_get_flt(d, MPFR_RNDN);
                    mpfr_clear(d);
                    FPQ_CHECK(vc[i] == v[i], "%s mode %d step %d: v[%zu] %#llx, reference %#llx",
                              fmts[fi], (int)modes[mi], step, i, (unsigned long long)vc[i],
                              (unsigned long long)v[i]);
                    FPQ_CHECK(memcmp(&want, &u[i], 4) == 0 || (isnan(want) && isnan(u[i])),
                              "%s mode %d step %d: u[%zu] %a, "
                              "reference %a", fmts[fi], (int)modes[mi], step, i, (double)u[i],
                              (double)want);
                }
            }
            free(codes);
        }
}
END_TEST

/* ---- the engine: training on a small data set made here ----------------------- */

/* n images of 8 x 8 in 4 classes: class k lights quadrant k (values 150 ..
 * 255), noise elsewhere (0 .. 99); the labels. */
static void write_set(const char *stem, size_t n, uint64_t seed)
{
    size_t h;
    unsigned char *b = malloc(16 + n * 64);
    h = idx_header(b, 0x08, 3, (uint32_t[]){(uint32_t)n, 8, 8});
    unsigned char *lab = malloc(8 + n);
    size_t hl = idx_header(lab, 0x08, 1, (uint32_t[]){(uint32_t)n});
    uint64_t s = seed;
    for (size_t i = 0; i < n; i++) {
        unsigned k = (unsigned)(lcg(&s) % 4);
        lab[hl + i] = (unsigned char)k;
        for (unsigned r = 0; r < 8; r++)
            for (unsigned c = 0; c < 8; c++) {
                bool on = (r / 4) * 2 + c / 4 == k && lcg(&s) % 3 != 0;
                b[h + i * 64 + r * 8 + c] = (unsigned char)(on ? 150 + lcg(&s) % 106 : lcg(&s) % 100);
            }
    }
    char name[64];
    snprintf(name, sizeof name, "%s-images-idx3-ubyte", stem);
    write_file(name, b, h + n * 64);
    snprintf(name, sizeof name, "%s-labels-idx1-ubyte", stem);
    write_file(name, lab, hl + n);
    free(b), free(lab);
}

typedef struct record {
    fpq_train_epoch e[4];
    unsigned n;
} record;

static int keep_epoch(void *ctx, const fpq_train_epoch *e)
{
    record *r = ctx;
    r->e[r->n] = *e;
    r->e[r->n].seconds = 0; /* the one field that may differ */
    r->n++;
    return FPQ_OK;
}

/* Train 64-16-4 for `epochs` on the set of tmpdir with threads threads;
 * init (may be NULL): the initial weights rounded into it first (MPFR,
 * nearest-even). */
static void run_from(fpq_nn *net, record *rec, const fpq_train_spec *s, int threads,
                     const fpq_format *init)
{
    fpq_nn_data tr, te;
    fpq_errbuf e;
    ck_assert_msg(fpq_nn_data_open(&tr, &te, tmpdir, 0, &e) == FPQ_OK, "%s", e.msg);
    ck_assert_uint_eq(tr.dim, 64);
    ck_assert_uint_eq(tr.classes, 4);
    size_t sizes[3] = {64, 16, 4};
    ck_assert_int_eq(fpq_nn_alloc(net, sizes, 2, &e), FPQ_OK);
    fpq_nn_init(net, s->seed);
    if (init) {
        fpq_rounding rne;
        fpq_rounding_default(&rne);
        for (size_t l = 0; l < net->nlayers; l++)
            for (size_t i = 0; i < net->size[l] * net->size[l + 1]; i++)
                net->w[l][i] = ref_round(net->w[l][i], init, &rne, 0);
    }
    memset(rec, 0, sizeof *rec);
    fpq_train_hooks h = {rec, keep_epoch, NULL};
    int saved = omp_get_max_threads();
    omp_set_num_threads(threads);
    int rc = fpq_train_run(net, &tr, &te, s, &h, &e);
    omp_set_num_threads(saved);
    ck_assert_msg(rc == FPQ_OK, "%s", e.msg);
    fpq_nn_data_free(&tr), fpq_nn_data_free(&te);
}

static void run(fpq_nn *net, record *rec, const fpq_train_spec *s, int threads)
{
    run_from(net, rec, s, threads, NULL);
}

static bool same_net(const fpq_nn *a, const fpq_nn *b)
{
    if (a->nlayers != b->nlayers)
        return false;
    for (size_t l = 0; l < a->nlayers; l++)
        if (memcmp(a->w[l], b->w[l], a->size[l] * a->size[l + 1] * 4) != 0 ||
            memcmp(a->b[l], b->b[l], a->size[l + 1] * 4) != 0)
            return false;
    return true;
}

START_TEST(training_learns_and_is_the_same_on_1_and_2_threads)
{
    /* _i: 0, 1 fp32 on the loops, on OpenBLAS; 2, 3 fp16 gradients (the
       same two products) */
    if (!use_blas(_i & 1))
        return;
    write_set("train", 300, 1);
    write_set("t10k", 200, 2);
    fpq_train_spec s;
    fpq_train_spec_default(&s);
    s.epochs = 2;
    s.batch = 40;
    s.lr = 0.1;
    if (_i >= 2) { /* fp16 everywhere in the backward pass, dynamic loss scaling, SR */
        for (int p = FPQ_NN_PT_GRAD_ACT; p <= FPQ_NN_PT_GRAD_W; p++) {
            s.pt[p].on = s.pt[p].cast = true;
            s.pt[p].q.format = fmt("fp16");
            s.pt[p].q.rnd.mode = FPQ_RSR;
        }
        s.scaling = FPQ_NN_SCALE_DYNAMIC;
    }
    fpq_nn n1, n2;
    record r1, r2;
    run(&n1, &r1, &s, 1);
    run(&n2, &r2, &s, 2);
    ck_assert_uint_eq(r1.n, 2);
    ck_assert(memcmp(&r1, &r2, sizeof r1) == 0);
    ck_assert(same_net(&n1, &n2));
    ck_assert_msg(r1.e[1].train_loss < r1.e[0].train_loss, "loss %g then %g", r1.e[0].train_loss,
                  r1.e[1].train_loss);
    ck_assert_msg(r1.e[1].test_acc > 0.8, "test accuracy %g", r1.e[1].test_acc);
    /* the model file reads back bit for bit */
    const char *path = tpath("m.safetensors");
    fpq_errbuf e;
    ck_assert_msg(fpq_nn_save(&n1, path, 0, &e) == FPQ_OK, "%s", e.msg);
    fpq_nn back;
    ck_assert_msg(fpq_nn_load(&back, path, &e) == FPQ_OK, "%s", e.msg);
    ck_assert(same_net(&n1, &back));
    ck_assert_int_eq(fpq_nn_save(&n1, path, 0, &e), FPQ_LAB_ERR_IO); /* exists: needs FORCE */
    fpq_nn_free(&n1), fpq_nn_free(&n2), fpq_nn_free(&back);
    fpq_nn_blas_set(FPQ_NN_BLAS_AUTO, &e);
}
END_TEST

/* Stored weights in bf16: with and without the master copy every weight is
 * a bf16 value at the end; without it, under RNE, small updates are lost
 * (the weights move less than with SR). */
START_TEST(stored_weights_are_in_their_format)
{
    write_set("train", 200, 3);
    write_set("t10k", 100, 4);
    fpq_format bf = fmt("bf16");
    for (int master = 0; master < 2; master++) {
        fpq_train_spec s;
        fpq_train_spec_default(&s);
        s.epochs = 1;
        s.batch = 50;
        s.lr = 0.001;
        s.master = master;
        fpq_nn_point *p = &s.pt[FPQ_NN_PT_STORE];
        p->on = p->cast = true;
        p->q.format = bf;
        fpq_nn n;
        record r;
        run(&n, &r, &s, 2);
        fpq_rounding rne;
        fpq_rounding_default(&rne);
        for (size_t l = 0; l < n.nlayers; l++)
            for (size_t i = 0; i < n.size[l] * n.size[l + 1]; i++) {
                float v = n.w[l][i];
                FPQ_CHECK(ref_round(v, &bf, &rne, 0) == v, "master %d: w %a is not bf16", master,
                          (double)v);
            }
        fpq_nn_free(&n);
    }
}
END_TEST

/* One step of SGD from bf16 weights: the stored weights without a master
 * copy are the fp32 step's weights rounded into bf16 by the MPFR
 * reference (nearest-even, toward zero), and with a master copy the
 * master is the fp32 step's weights themselves. */
START_TEST(one_step_of_stored_weights_matches_the_reference)
{
    write_set("train", 64, 7);
    write_set("t10k", 32, 8);
    fpq_format bf = fmt("bf16");
    const fpq_rnd modes[2] = {FPQ_RNE, FPQ_RTZ};
    fpq_train_spec s;
    fpq_train_spec_default(&s);
    s.epochs = 1;
    s.batch = 64; /* one step */
    s.lr = 0.5;
    fpq_nn ref;
    record r;
    run_from(&ref, &r, &s, 2, &bf);
    for (int mi = 0; mi < 2; mi++) {
        fpq_nn_point *p = &s.pt[FPQ_NN_PT_STORE];
        p->on = p->cast = true;
        p->q.format = bf;
        p->q.rnd.mode = modes[mi];
        s.master = false;
        fpq_nn n;
        run_from(&n, &r, &s, 2, &bf);
        size_t moved = 0;
        for (size_t l = 0; l < n.nlayers; l++)
            for (size_t i = 0; i < n.size[l] * n.size[l + 1]; i++) {
                float want = ref_round(ref.w[l][i], &bf, &p->q.rnd, 0);
                FPQ_CHECK(memcmp(&want, &n.w[l][i], 4) == 0, "mode %d layer %zu weight %zu: %a, "
                          "reference %a", (int)modes[mi], l, i, (double)n.w[l][i], (double)want);
                moved += n.w[l][i] != ref_round(n.w[l][i], &bf, &p->q.rnd, 0);
            }
        ck_assert_uint_eq(moved, 0);
        fpq_nn_free(&n);
    }
    fpq_nn_free(&ref);
}
END_TEST

/* The optimizer in fp32 with nearest-even is the fp32 optimizer bit for
 * bit (the same operations in the same order); in bf16 with stochastic
 * rounding it gives the same network on 1 and 2 threads, and another one. */
START_TEST(optimizer_format_trains_as_specified)
{
    write_set("train", 160, 9);
    write_set("t10k", 80, 10);
    fpq_train_spec s;
    fpq_train_spec_default(&s);
    s.epochs = 2, s.batch = 40, s.weight_decay = 1e-3;
    s.scaling = FPQ_NN_SCALE_STATIC;
    s.scale = 256;
    fpq_nn ref, n1, n2;
    record r0, r1, r2;
    run(&ref, &r0, &s, 2);
    s.opt.on = true;
    s.opt.format = fmt("fp32");
    fpq_rounding_default(&s.opt.rnd);
    run(&n1, &r1, &s, 1);
    ck_assert(same_net(&ref, &n1));
    ck_assert(memcmp(&r0, &r1, sizeof r0) == 0);
    fpq_nn_free(&n1);
    s.opt.format = fmt("bf16");
    s.opt.rnd.mode = FPQ_RSR;
    s.opt.rnd.seed = 4;
    run(&n1, &r1, &s, 1);
    run(&n2, &r2, &s, 2);
    ck_assert(same_net(&n1, &n2));
    ck_assert(memcmp(&r1, &r2, sizeof r1) == 0);
    ck_assert(!same_net(&n1, &ref));
    fpq_nn_free(&ref), fpq_nn_free(&n1), fpq_nn_free(&n2);
}
END_TEST

/* A static loss scale that overflows fp16 gradients: the dynamic scaler
 * skips those steps and backs off. */
START_TEST(dynamic_scaling_backs_off_on_overflow)
{
    write_set("train", 200, 5);
    write_set("t10k", 100, 6);
    fpq_train_spec s;
    fpq_train_spec_default(&s);
    s.epochs = 1;
    s.batch = 20;
    fpq_nn_point *p = &s.pt[FPQ_NN_PT_GRAD_ACT];
    p->on = p->cast = true;
    p->q.format = fmt("fp16");
    s.scaling = FPQ_NN_SCALE_DYNAMIC;
    s.scale = 0x1p24;
    fpq_nn n;
    record r;
    run(&n, &r, &s, 1);
    ck_assert_msg(r.e[0].skipped_steps > 0, "no step skipped");
    ck_assert_msg(r.e[0].loss_scale < 0x1p24, "scale %g", r.e[0].loss_scale);
    ck_assert(r.e[0].grad_overflow_frac > 0);
    for (size_t l = 0; l < n.nlayers; l++)
        for (size_t i = 0; i < n.size[l] * n.size[l + 1]; i++)
            FPQ_CHECK(isfinite(n.w[l][i]), "weight %zu of layer %zu", i, l);
    fpq_nn_free(&n);
}
END_TEST

Suite *train_suite(void)
{
    Suite *s = suite_create("train");
    TCase *tc = fpq_check_tcase("idx", 30);
    tcase_add_checked_fixture(tc, dir_setup, dir_teardown);
    tcase_add_test(tc, idx_images_and_labels_are_read_by_name);
    tcase_add_test(tc, idx_malformed_headers_are_refused_by_name);
    tcase_add_test(tc, idx_is_recognised_by_content_or_name);
    suite_add_tcase(s, tc);

    tc = fpq_check_tcase("points", 60);
    tcase_add_test(tc, cast_points_match_the_mpfr_reference);
    tcase_add_test(tc, spec_points_are_the_labs_quantizer);
    tcase_add_test(tc, emulated_products_match_the_gemm_reference);
    tcase_add_loop_test(tc, fp32_products_do_not_depend_on_threads, 0, 2);
    tcase_add_test(tc, optimizer_steps_match_the_mpfr_reference);
    suite_add_tcase(s, tc);

    tc = fpq_check_tcase("engine", 120);
    tcase_add_checked_fixture(tc, dir_setup, dir_teardown);
    tcase_add_loop_test(tc, training_learns_and_is_the_same_on_1_and_2_threads, 0, 4);
    tcase_add_test(tc, stored_weights_are_in_their_format);
    tcase_add_test(tc, dynamic_scaling_backs_off_on_overflow);
    tcase_add_test(tc, optimizer_format_trains_as_specified);
    tcase_add_test(tc, one_step_of_stored_weights_matches_the_reference);
    suite_add_tcase(s, tc);
    return s;
}
