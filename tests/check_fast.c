/* check_fast.c: the bulk path (formats/fast.c) against the MPFR reference.
 *
 * The oracle is fpq_encode / fpq_decode, one element at a time; the
 * boundary sets come from fpq_boundaries_*, whose completeness is checked
 * separately with the helpers' field-only decoder (fpq_ref_decode), so no
 * test takes its expected values from the code under test.  Packed buffers
 * are laid out and read here from the documented layout, not with fast.c.
 *
 * Exhaustive cases (FPQ_CHECK_EXHAUSTIVE=1, tagged slow) walk all 2^32
 * binary32 inputs; see the comment above fast_encode_is_monotone_... for
 * why that proves the fast encoder equal to the reference everywhere.
 */
#include "check_fpq.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

/* ---- formats ------------------------------------------------------------- */

/* Beyond the shared list: wider formats, and the corners of the kernels
 * (emin below binary32's and binary64's, values beyond binary32's range or
 * below its subnormals, negative bias, no mantissa; the widest integers of
 * the 32-bit kernel's lean nearest-even form, of the kernel, and the
 * narrowest beyond it). */
static const char *const extra_names[] = {
    "e11m4",    "int16",      "uint32",   "int32",    "e8m23",    "e11m52b1100",
    "e8m3b100", "e4m3b200fn", "e5m2b-20", "e3m0b-100", "e2m1b130", "e6m9b20fnuz",
    "int23",    "uint22",     "int24",    "uint24",   "int25",
};
#define NEXTRA (sizeof extra_names / sizeof extra_names[0])

static size_t nall(void)
{
    return fpq_check_nformats() + NEXTRA;
}

/* Format i of the shared list followed by the extras; *f is filled. */
static const char *format_at(fpq_format *f, size_t i)
{
    if (i < fpq_check_nformats()) {
        const fpq_format *p = fpq_check_format(i);
        ck_assert_msg(p != NULL, "format %s does not parse", fpq_check_label(i));
        *f = *p;
        return fpq_check_label(i);
    }
    const char *name = extra_names[i - fpq_check_nformats()];
    ck_assert_msg(fpq_format_parse(f, name) == FPQ_OK, "format %s does not parse", name);
    return name;
}

/* Width of format i, without asserting (suites are built outside tests);
 * a format that does not parse counts as small so that its tests fail. */
static unsigned bits_at(size_t i)
{
    fpq_format f;
    if (i < fpq_check_nformats()) {
        const fpq_format *p = fpq_check_format(i);
        return p ? p->bits : 0;
    }
    return fpq_format_parse(&f, extra_names[i - fpq_check_nformats()]) == FPQ_OK ? f.bits : 0;
}

/* Formats of at most 16 bits in the same order (their own index space). */
static size_t nsmall_all(void)
{
    size_t k = 0;
    for (size_t i = 0; i < nall(); i++)
        k += bits_at(i) <= 16;
    return k;
}

static const char *small_at(fpq_format *f, size_t j)
{
    for (size_t i = 0; i < nall(); i++)
        if (bits_at(i) <= 16 && j-- == 0)
            return format_at(f, i);
    ck_abort_msg("small format index out of range");
    return NULL;
}

/* ---- bits, keys, packing (from the documented layout) -------------------- */

static uint32_t fbits(float x)
{
    uint32_t b;
    memcpy(&b, &x, sizeof b);
    return b;
}
static float ffrom(uint32_t b)
{
    float x;
    memcpy(&x, &b, sizeof x);
    return x;
}
static uint64_t dbits(double x)
{
    return fpq_check_dbits(x);
}
static double dfrom(uint64_t b)
{
    double x;
    memcpy(&x, &b, sizeof x);
    return x;
}

/* totalOrder keys: -NaN < -Inf < ... < -0 < +0 < ... < +Inf < +NaN */
static uint64_t key32(uint32_t b)
{
    return (b >> 31) ? (uint32_t)~b : b | 0x80000000u;
}
static uint64_t key64(uint64_t b)
{
    return (b >> 63) ? ~b : b | (UINT64_C(1) << 63);
}

/* Bytes per element, 0 for two per byte. */
static size_t width_bytes(const fpq_format *f)
{
    return f->bits <= 4 ? 0 : f->bits <= 8 ? 1 : f->bits <= 16 ? 2 : f->bits <= 32 ? 4 : 8;
}

static uint64_t get_code(const void *buf, size_t i, const fpq_format *f)
{
    const uint8_t *b = buf;
    switch (width_bytes(f)) {
    case 0: return (b[i / 2] >> (4 * (i & 1))) & 15;
    case 1: return b[i];
    case 2: {
        uint16_t v;
        memcpy(&v, b + 2 * i, 2);
        return v;
    }
    case 4: {
        uint32_t v;
        memcpy(&v, b + 4 * i, 4);
        return v;
    }
    default: {
        uint64_t v;
        memcpy(&v, b + 8 * i, 8);
        return v;
    }
    }
}

static void put_code(void *buf, size_t i, const fpq_format *f, uint64_t c)
{
    uint8_t *b = buf;
    switch (width_bytes(f)) {
    case 0: b[i / 2] = (uint8_t)((b[i / 2] & (i & 1 ? 0x0f : 0xf0)) | (c & 15) << (4 * (i & 1))); break;
    case 1: b[i] = (uint8_t)c; break;
    case 2: {
        uint16_t v = (uint16_t)c;
        memcpy(b + 2 * i, &v, 2);
        break;
    }
    case 4: {
        uint32_t v = (uint32_t)c;
        memcpy(b + 4 * i, &v, 4);
        break;
    }
    default: memcpy(b + 8 * i, &c, 8);
    }
}

static size_t buf_bytes(const fpq_format *f, size_t n)
{
    size_t w = width_bytes(f);
    return w ? n * w : (n + 1) / 2;
}

static void *xcalloc(size_t n, size_t sz)
{
    void *p = calloc(n ? n : 1, sz ? sz : 1);
    ck_assert_msg(p != NULL, "out of memory");
    return p;
}

/* ---- the reference, one element ----------------------------------------- */

/* x exactly as an mpfr_t; mpfr_set_flt and mpfr_set_d leave a NaN's sign
 * unset, so it is copied by hand (fpq_encode keeps it where it can). */
static uint64_t ref_encode_f32(const fpq_format *f, float x, const fpq_rounding *r)
{
    MPFR_DECL_INIT(v, 24);
    mpfr_set_flt(v, x, MPFR_RNDN); /* exact */
    mpfr_setsign(v, v, signbit(x) != 0, MPFR_RNDN);
    uint64_t c = 0;
    fpq_encode(&c, NULL, f, v, r);
    return c;
}

static uint64_t ref_encode_f64(const fpq_format *f, double x, const fpq_rounding *r)
{
    MPFR_DECL_INIT(v, 53);
    mpfr_set_d(v, x, MPFR_RNDN); /* exact */
    mpfr_setsign(v, v, signbit(x) != 0, MPFR_RNDN);
    uint64_t c = 0;
    fpq_encode(&c, NULL, f, v, r);
    return c;
}

/* fpq_decode's value rounded to nearest-even binary32 / binary64, NaNs as
 * the quiet NaN of their sign (the header's contract). */
static uint32_t ref_value_f32(const fpq_format *f, uint64_t code)
{
    MPFR_DECL_INIT(v, 64);
    fpq_class cls;
    FPQ_CHECK(fpq_decode(v, &cls, NULL, f, code) == FPQ_OK, "code 0x%" PRIx64 " out of range", code);
    if (cls == FPQ_CLASS_NAN)
        return mpfr_signbit(v) ? 0xffc00000u : 0x7fc00000u;
    return fbits(mpfr_get_flt(v, MPFR_RNDN));
}

static uint64_t ref_value_f64(const fpq_format *f, uint64_t code)
{
    MPFR_DECL_INIT(v, 64);
    fpq_class cls;
    FPQ_CHECK(fpq_decode(v, &cls, NULL, f, code) == FPQ_OK, "code 0x%" PRIx64 " out of range", code);
    if (cls == FPQ_CLASS_NAN)
        return mpfr_signbit(v) ? UINT64_C(0xfff8000000000000) : UINT64_C(0x7ff8000000000000);
    return dbits(mpfr_get_d(v, MPFR_RNDN));
}

/* Reference decodes of every code of a format of at most 20 bits, or NULL. */
typedef struct ref_table {
    uint32_t *v32;
    uint64_t *v64;
} ref_table;

static ref_table ref_table_make(const fpq_format *f)
{
    ref_table t = {NULL, NULL};
    if (f->bits > 20)
        return t;
    const size_t n = (size_t)1 << f->bits;
    t.v32 = xcalloc(n, sizeof *t.v32);
    t.v64 = xcalloc(n, sizeof *t.v64);
#pragma omp parallel for schedule(static)
    for (size_t c = 0; c < n; c++) {
        t.v32[c] = ref_value_f32(f, c);
        t.v64[c] = ref_value_f64(f, c);
    }
    return t;
}

static void ref_table_free(ref_table *t)
{
    free(t->v32);
    free(t->v64);
}

static const char *const ovf_names[] = {"format", "saturate"};

/* ---- fast == reference on boundary sets ------------------------------------ */

/* Every mode, both overflow policies, and for signed integers both ranges. */
static size_t configs(fpq_rounding *out, const fpq_format *f, uint64_t sr_seed, uint64_t pos)
{
    size_t n = 0;
    const int nsym = f->kind == FPQ_KIND_INT && f->is_signed ? 2 : 1;
    for (int m = 0; m < FPQ_RND_COUNT_; m++)
        for (int o = 0; o < 2; o++)
            for (int s = 0; s < nsym; s++) {
                fpq_rounding_default(&out[n]);
                out[n].mode = (fpq_rnd)m;
                out[n].overflow = (fpq_overflow)o;
                out[n].int_symmetric = s;
                out[n].seed = sr_seed;
                out[n].position = pos;
                n++;
            }
    return n;
}

/* Encode and round n binary32 inputs fast and compare each with the
 * reference; fails with the first mismatch. */
static void compare_f32(const fpq_format *f, const char *label, const float *x, size_t n, const fpq_rounding *r,
                        const ref_table *t, const char *what)
{
    void *codes = xcalloc(buf_bytes(f, n), 1);
    float *rounded = xcalloc(n, sizeof *rounded);
    ck_assert_int_eq(fpq_encode_f32(codes, x, n, f, r), FPQ_OK);
    ck_assert_int_eq(fpq_round_f32(rounded, x, n, f, r), FPQ_OK);
    size_t bad = SIZE_MAX;
#pragma omp parallel for schedule(dynamic, 256) reduction(min : bad) if (n > 8192)
    for (size_t i = 0; i < n; i++) {
        fpq_rounding ri = *r;
        ri.position = r->position + i;
        const uint64_t want = ref_encode_f32(f, x[i], &ri);
        const uint32_t wv = t->v32 ? t->v32[want] : ref_value_f32(f, want);
        if (get_code(codes, i, f) != want || fbits(rounded[i]) != wv)
            bad = i < bad ? i : bad;
    }
    if (bad != SIZE_MAX) {
        fpq_rounding ri = *r;
        ri.position = r->position + bad;
        const uint64_t want = ref_encode_f32(f, x[bad], &ri);
        ck_abort_msg("%s, %s: binary32 0x%08" PRIx32 " (%a) in %s, overflow %s, symmetric %d, position %" PRIu64
                     ": fast code 0x%" PRIx64 " round 0x%08" PRIx32 ", reference code 0x%" PRIx64 " value 0x%08" PRIx32
                     " (seed %" PRIu64 ")",
                     label, what, fbits(x[bad]), (double)x[bad], fpq_rnd_name(r->mode), ovf_names[r->overflow],
                     (int)r->int_symmetric, ri.position, get_code(codes, bad, f), fbits(rounded[bad]), want,
                     t->v32 ? t->v32[want] : ref_value_f32(f, want), fpq_check_seed());
    }
    free(codes);
    free(rounded);
}

static void compare_f64(const fpq_format *f, const char *label, const double *x, size_t n, const fpq_rounding *r,
                        const ref_table *t, const char *what)
{
    void *codes = xcalloc(buf_bytes(f, n), 1);
    double *rounded = xcalloc(n, sizeof *rounded);
    ck_assert_int_eq(fpq_encode_f64(codes, x, n, f, r), FPQ_OK);
    ck_assert_int_eq(fpq_round_f64(rounded, x, n, f, r), FPQ_OK);
    size_t bad = SIZE_MAX;
#pragma omp parallel for schedule(dynamic, 256) reduction(min : bad) if (n > 8192)
    for (size_t i = 0; i < n; i++) {
        fpq_rounding ri = *r;
        ri.position = r->position + i;
        const uint64_t want = ref_encode_f64(f, x[i], &ri);
        const uint64_t wv = t->v64 ? t->v64[want] : ref_value_f64(f, want);
        if (get_code(codes, i, f) != want || dbits(rounded[i]) != wv)
            bad = i < bad ? i : bad;
    }
    if (bad != SIZE_MAX) {
        fpq_rounding ri = *r;
        ri.position = r->position + bad;
        const uint64_t want = ref_encode_f64(f, x[bad], &ri);
        ck_abort_msg("%s, %s: binary64 0x%016" PRIx64 " (%a) in %s, overflow %s, symmetric %d, position %" PRIu64
                     ": fast code 0x%" PRIx64 " round 0x%016" PRIx64 ", reference code 0x%" PRIx64
                     " value 0x%016" PRIx64 " (seed %" PRIu64 ")",
                     label, what, dbits(x[bad]), x[bad], fpq_rnd_name(r->mode), ovf_names[r->overflow],
                     (int)r->int_symmetric, ri.position, get_code(codes, bad, f), dbits(rounded[bad]), want,
                     t->v64 ? t->v64[want] : ref_value_f64(f, want), fpq_check_seed());
    }
    free(codes);
    free(rounded);
}

static float *boundaries32(const fpq_format *f, size_t *n)
{
    *n = fpq_boundaries_f32(NULL, 0, f);
    ck_assert_msg(*n > 0, "%s: no binary32 boundaries", f->name);
    float *b = xcalloc(*n, sizeof *b);
    ck_assert_uint_eq(fpq_boundaries_f32(b, *n, f), *n);
    return b;
}

static double *boundaries64(const fpq_format *f, size_t *n)
{
    *n = fpq_boundaries_f64(NULL, 0, f);
    ck_assert_msg(*n > 0, "%s: no binary64 boundaries", f->name);
    double *b = xcalloc(*n, sizeof *b);
    ck_assert_uint_eq(fpq_boundaries_f64(b, *n, f), *n);
    return b;
}

/* Keeps, of a sorted boundary set of more than 2^21 points (2^14 under
 * valgrind), those within 4096 of either end or of the middle (overflow,
 * NaNs, Inf; zero and the subnormals) and one run of 64 points in every 8
 * (64 under valgrind), the runs chosen by the seed: make check's share of
 * tf32's three million points.  The full set runs under
 * FPQ_CHECK_EXHAUSTIVE=1. */
#define THIN(T)                                                                                                        \
    static size_t thin_##T(T *b, size_t n)                                                                             \
    {                                                                                                                  \
        const bool vg = fpq_check_under_valgrind();                                                                    \
        if (n <= ((size_t)1 << (vg ? 14 : 21)) || fpq_check_exhaustive())                                              \
            return n;                                                                                                  \
        const size_t every = vg ? 64 : 8, phase = (size_t)(fpq_check_seed() % every), mid = n / 2;                     \
        size_t k = 0;                                                                                                  \
        for (size_t i = 0; i < n; i++)                                                                                 \
            if (i < 4096 || n - i <= 4096 || (i > mid - 4096 && i < mid + 4096) || (i / 64) % every == phase)          \
                b[k++] = b[i];                                                                                         \
        return k;                                                                                                      \
    }
THIN(float)
THIN(double)

/* Every preset and custom format, every mode, both overflow policies (and
 * both integer ranges), binary32 and binary64 sources: encode and round. */
START_TEST(bulk_equals_reference_on_every_boundary)
{
    fpq_format f;
    const char *label = format_at(&f, (size_t)_i);
    ref_table t = ref_table_make(&f);
    size_t n32, n64;
    float *b32 = boundaries32(&f, &n32);
    double *b64 = boundaries64(&f, &n64);
    n32 = thin_float(b32, n32);
    n64 = thin_double(b64, n64);
    fpq_rounding cf[FPQ_RND_COUNT_ * 4];
    const size_t nc = configs(cf, &f, fpq_check_seed(), UINT64_C(1) << 40);
    for (size_t k = 0; k < nc; k++) {
        compare_f32(&f, label, b32, n32, &cf[k], &t, "binary32 boundaries");
        compare_f64(&f, label, b64, n64, &cf[k], &t, "binary64 boundaries");
    }
    free(b32);
    free(b64);
    ref_table_free(&t);
}
END_TEST

/* Random inputs spread over the format's range and beyond (values near
 * decoded codes, scaled by random factors, and random bit patterns). */
START_TEST(bulk_equals_reference_on_random_inputs)
{
    fpq_format f;
    const char *label = format_at(&f, (size_t)_i);
    fpq_check_rng rng;
    fpq_check_rng_init(&rng, 0xfa57 + (uint64_t)_i);
    enum { N = 3000 };
    float *x32 = xcalloc(N, sizeof *x32);
    double *x64 = xcalloc(N, sizeof *x64);
    const uint64_t mask = fpq_check_mask(&f);
    for (size_t i = 0; i < N; i++) {
        uint64_t u = fpq_check_rng_next(&rng);
        if (i % 4 == 0) {
            x32[i] = ffrom((uint32_t)u);
            x64[i] = dfrom(u);
            continue;
        }
        fpq_ref v = fpq_ref_decode(&f, u & mask);
        double s = ldexp(1.0 + (double)(fpq_check_rng_next(&rng) >> 11) * 0x1p-53 - 0.5, (int)(i % 7) - 3);
        double y = i % 4 == 1 ? v.v : v.v * s;
        x64[i] = y;
        x32[i] = (float)y;
    }
    ref_table t = ref_table_make(&f);
    fpq_rounding cf[FPQ_RND_COUNT_ * 4];
    const size_t nc = configs(cf, &f, fpq_check_seed() + 1, fpq_check_rng_next(&rng));
    for (size_t k = 0; k < nc; k++) {
        compare_f32(&f, label, x32, N, &cf[k], &t, "random");
        compare_f64(&f, label, x64, N, &cf[k], &t, "random");
    }
    ref_table_free(&t);
    free(x32);
    free(x64);
}
END_TEST

/* ---- the boundary sets themselves ------------------------------------------ */

/* Whether x is among the numbers of a boundary set (NaNs at the end skipped). */
static bool has32(const float *b, size_t n, float x)
{
    while (n > 0 && isnan(b[n - 1]))
        n--;
    uint64_t k = key32(fbits(x));
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t m = lo + (hi - lo) / 2;
        if (key32(fbits(b[m])) < k)
            lo = m + 1;
        else
            hi = m;
    }
    return lo < n && fbits(b[lo]) == fbits(x);
}

static bool has64(const double *b, size_t n, double x)
{
    while (n > 0 && isnan(b[n - 1]))
        n--;
    uint64_t k = key64(dbits(x));
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t m = lo + (hi - lo) / 2;
        if (key64(dbits(b[m])) < k)
            lo = m + 1;
        else
            hi = m;
    }
    return lo < n && dbits(b[lo]) == dbits(x);
}

/* t (a double, exact) must be present through its binary32 neighbours:
 * itself and both neighbours when binary32 holds it, else the binary32
 * values just below and just above it.  And the same for -t. */
static void need32(const float *b, size_t n, double t, const char *label, const char *what)
{
    for (int s = 0; s < 2; s++, t = -t) {
        float f = (float)t;
        float lo, hi;
        if ((double)f == t) {
            lo = nextafterf(f, -INFINITY);
            hi = nextafterf(f, INFINITY);
            FPQ_CHECK(has32(b, n, f), "%s: binary32 boundaries lack %s %a", label, what, t);
        } else if ((double)f > t) {
            lo = nextafterf(f, -INFINITY);
            hi = f;
        } else {
            lo = f;
            hi = nextafterf(f, INFINITY);
        }
        FPQ_CHECK(has32(b, n, lo) && has32(b, n, hi), "%s: binary32 boundaries lack a neighbour of %s %a (%a or %a)",
                  label, what, t, (double)lo, (double)hi);
    }
}

static void need64(const double *b, size_t n, double t, const char *label, const char *what)
{
    for (int s = 0; s < 2; s++, t = -t)
        FPQ_CHECK(has64(b, n, t) && has64(b, n, nextafter(t, -INFINITY)) && has64(b, n, nextafter(t, INFINITY)),
                  "%s: binary64 boundaries lack %s %a or a neighbour", label, what, t);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Ascending (totalOrder) and unique, NaNs only at the end, +-0 and +-Inf in. */
static void check_order32(const float *b, size_t n, const char *label)
{
    size_t i = 0;
    for (; i < n && !isnan(b[i]); i++)
        FPQ_CHECK(i == 0 || key32(fbits(b[i - 1])) < key32(fbits(b[i])), "%s: binary32 boundaries not ascending at %zu",
                  label, i);
    ck_assert_msg(n - i >= 4, "%s: fewer than 4 NaNs", label);
    for (; i < n; i++)
        FPQ_CHECK(isnan(b[i]), "%s: a number after the NaNs", label);
    ck_assert(has32(b, n, 0.0f) && has32(b, n, -0.0f) && has32(b, n, INFINITY) && has32(b, n, -INFINITY));
}

static void check_order64(const double *b, size_t n, const char *label)
{
    size_t i = 0;
    for (; i < n && !isnan(b[i]); i++)
        FPQ_CHECK(i == 0 || key64(dbits(b[i - 1])) < key64(dbits(b[i])), "%s: binary64 boundaries not ascending at %zu",
                  label, i);
    ck_assert_msg(n - i >= 4, "%s: fewer than 4 NaNs", label);
    for (; i < n; i++)
        FPQ_CHECK(isnan(b[i]), "%s: a number after the NaNs", label);
    ck_assert(has64(b, n, 0.0) && has64(b, n, -0.0) && has64(b, n, INFINITY) && has64(b, n, -INFINITY));
}

/* For every format of at most 16 bits: the values from the helpers'
 * field-only decoder, every midpoint of adjacent values (exact in binary64,
 * checked), the overflow thresholds, each with its source neighbours, for
 * both signs, are in fpq_boundaries_f32 and _f64. */
START_TEST(boundaries_hold_every_value_midpoint_and_neighbour)
{
    fpq_format f;
    const char *label = small_at(&f, (size_t)_i);
    size_t n32, n64;
    float *b32 = boundaries32(&f, &n32);
    double *b64 = boundaries64(&f, &n64);
    check_order32(b32, n32, label);
    check_order64(b64, n64, label);

    const size_t np = (size_t)1 << f.bits;
    double *v = xcalloc(np, sizeof *v);
    size_t nv = 0;
    for (size_t c = 0; c < np; c++) {
        fpq_ref r = fpq_ref_decode(&f, c);
        if (r.cls != FPQ_CLASS_NAN && r.cls != FPQ_CLASS_INF)
            v[nv++] = r.v == 0 ? 0.0 : r.v;
    }
    qsort(v, nv, sizeof *v, cmp_double);
    size_t u = 0;
    for (size_t i = 0; i < nv; i++)
        if (u == 0 || v[u - 1] != v[i])
            v[u++] = v[i];
    nv = u;
    for (size_t i = 0; i < nv; i++) {
        need32(b32, n32, v[i], label, "value");
        need64(b64, n64, v[i], label, "value");
        if (i + 1 == nv)
            break;
        /* adjacent values: b - a is exact (Sterbenz, or both tiny), and so
         * is the midpoint when it checks out */
        const double a = v[i], b = v[i + 1], h = (b - a) / 2, m = a + h;
        FPQ_CHECK(b - (b - a) == a && m - a == h && b - m == h,
                  "%s: midpoint of %a and %a is not a double; extend the test", label, a, b);
        need32(b32, n32, m, label, "midpoint");
        need64(b64, n64, m, label, "midpoint");
    }
    /* overflow thresholds, from the fields: the gap past the largest value
     * is 2^(emax - M) for floats and 1 for integers (both ends) */
    if (f.kind != FPQ_KIND_LUT) {
        const double top = v[nv - 1];
        const double gap = f.kind == FPQ_KIND_FLOAT ? ldexp(1, ilogb(top) - (int)f.mbits) : 1;
        need32(b32, n32, top + gap / 2, label, "overflow threshold");
        need32(b32, n32, top + gap, label, "next value past the largest");
        need64(b64, n64, top + gap / 2, label, "overflow threshold");
        need64(b64, n64, top + gap, label, "next value past the largest");
        if (f.kind == FPQ_KIND_INT) {
            need32(b32, n32, v[0] - 0.5, label, "lower threshold");
            need64(b64, n64, v[0] - 0.5, label, "lower threshold");
        }
    }
    free(v);
    free(b32);
    free(b64);
}
END_TEST

/* ---- decoding ----------------------------------------------------------------- */

static void check_decode(const fpq_format *f, const char *label, const uint64_t *codes, size_t n)
{
    void *buf = xcalloc(buf_bytes(f, n), 1);
    for (size_t i = 0; i < n; i++)
        put_code(buf, i, f, codes[i]);
    float *d32 = xcalloc(n, sizeof *d32);
    double *d64 = xcalloc(n, sizeof *d64);
    ck_assert_int_eq(fpq_decode_f32(d32, buf, n, f), FPQ_OK);
    ck_assert_int_eq(fpq_decode_f64(d64, buf, n, f), FPQ_OK);
    size_t bad = SIZE_MAX;
#pragma omp parallel for schedule(dynamic, 256) reduction(min : bad) if (n > 8192)
    for (size_t i = 0; i < n; i++)
        if (fbits(d32[i]) != ref_value_f32(f, codes[i]) || dbits(d64[i]) != ref_value_f64(f, codes[i]))
            bad = i < bad ? i : bad;
    if (bad != SIZE_MAX)
        ck_abort_msg("%s: code 0x%" PRIx64 " decodes to 0x%08" PRIx32 " / 0x%016" PRIx64 ", reference 0x%08" PRIx32
                     " / 0x%016" PRIx64,
                     label, codes[bad], fbits(d32[bad]), dbits(d64[bad]), ref_value_f32(f, codes[bad]),
                     ref_value_f64(f, codes[bad]));
    free(buf);
    free(d32);
    free(d64);
}

/* Every code of every format of at most 20 bits (so tf32 too), and random
 * codes of the wider ones, decode to binary32 and binary64 as fpq_decode's
 * value rounded to nearest-even, NaNs to the quiet NaN of their sign. */
START_TEST(decode_equals_reference_for_every_encoding)
{
    fpq_format f;
    const char *label = format_at(&f, (size_t)_i);
    size_t n = f.bits <= 20 ? (size_t)1 << f.bits : 100000;
    uint64_t *c = xcalloc(n, sizeof *c);
    fpq_check_rng rng;
    fpq_check_rng_init(&rng, 0xdec0 + (uint64_t)_i);
    for (size_t i = 0; i < n; i++)
        c[i] = f.bits <= 20 ? i : fpq_check_rng_next(&rng) & fpq_check_mask(&f);
    check_decode(&f, label, c, n);
    free(c);
}
END_TEST

/* ---- properties of the array API -------------------------------------------------- */

static float *random_floats(size_t n, uint64_t stream, bool small)
{
    fpq_check_rng rng;
    fpq_check_rng_init(&rng, stream);
    float *x = xcalloc(n, sizeof *x);
    for (size_t i = 0; i < n; i++) {
        uint64_t u = fpq_check_rng_next(&rng);
        /* half raw patterns (NaN, Inf, subnormals), half moderate values */
        x[i] = (u & 1) || !small ? ffrom((uint32_t)(u >> 32))
                                 : ldexpf((float)(int32_t)(u >> 32) * 0x1p-31f, (int)(u >> 8 & 31) - 16);
    }
    return x;
}

static const char *const api_formats[] = {"fp8_e4m3", "bf16", "fp16",  "fp4_e2m1", "int8", "uint4",
                                          "nf4",      "e8m0", "e11m4", "e8m3b100", "fp64", "tf32"};
#define NAPI (sizeof api_formats / sizeof api_formats[0])

static void api_format(fpq_format *f, size_t i)
{
    ck_assert_msg(fpq_format_parse(f, api_formats[i]) == FPQ_OK, "%s", api_formats[i]);
}

/* dst == src gives what a separate dst gives, both precisions, with a
 * length that ends in a partial block. */
START_TEST(round_in_place_equals_out_of_place)
{
    fpq_format f;
    api_format(&f, (size_t)_i);
    enum { N = 5003 };
    float *x = random_floats(N, 0x1a + (uint64_t)_i, true);
    float *y = xcalloc(N, sizeof *y), *z = xcalloc(N, sizeof *z);
    double *xd = xcalloc(N, sizeof *xd), *yd = xcalloc(N, sizeof *yd), *zd = xcalloc(N, sizeof *zd);
    for (size_t i = 0; i < N; i++)
        xd[i] = x[i] * 1.000001;
    const fpq_rnd modes[] = {FPQ_RNE, FPQ_RSR, FPQ_RTO};
    for (size_t m = 0; m < 3; m++) {
        fpq_rounding r;
        fpq_rounding_default(&r);
        r.mode = modes[m];
        r.seed = fpq_check_seed();
        ck_assert_int_eq(fpq_round_f32(y, x, N, &f, &r), FPQ_OK);
        memcpy(z, x, N * sizeof *z);
        ck_assert_int_eq(fpq_round_f32(z, z, N, &f, &r), FPQ_OK);
        ck_assert_msg(memcmp(y, z, N * sizeof *z) == 0, "%s %s: binary32 in place differs (seed %" PRIu64 ")", f.name,
                      fpq_rnd_name(r.mode), fpq_check_seed());
        ck_assert_int_eq(fpq_round_f64(yd, xd, N, &f, &r), FPQ_OK);
        memcpy(zd, xd, N * sizeof *zd);
        ck_assert_int_eq(fpq_round_f64(zd, zd, N, &f, &r), FPQ_OK);
        ck_assert_msg(memcmp(yd, zd, N * sizeof *zd) == 0, "%s %s: binary64 in place differs (seed %" PRIu64 ")",
                      f.name, fpq_rnd_name(r.mode), fpq_check_seed());
    }
    free(x), free(y), free(z), free(xd), free(yd), free(zd);
}
END_TEST

#ifdef _OPENMP
/* The same call with 1, 2 and 3 threads gives the same bytes: encode,
 * round and decode, binary32 and binary64, on an odd length. */
START_TEST(result_does_not_depend_on_thread_count)
{
    fpq_format f;
    api_format(&f, (size_t)_i);
    /* several OpenMP chunks; fewer for tables, whose stochastic rounding
     * calls the reference per element */
    const size_t n = f.kind == FPQ_KIND_LUT ? 50001 : ((size_t)1 << 20) + 12345;
    float *x = random_floats(n, 0x7d + (uint64_t)_i, true);
    double *xd = xcalloc(n, sizeof *xd);
    for (size_t i = 0; i < n; i++)
        xd[i] = (double)x[i] * (1 + 0x1p-40);
    const size_t nb = buf_bytes(&f, n);
    void *c[3], *cd[3];
    float *y[3], *z[3];
    double *yd[3], *zd[3];
    const int saved = omp_get_max_threads();
    const fpq_rnd modes[] = {FPQ_RNE, FPQ_RSR};
    for (size_t m = 0; m < 2; m++) {
        fpq_rounding r;
        fpq_rounding_default(&r);
        r.mode = modes[m];
        r.seed = fpq_check_seed();
        r.position = 77;
        for (int t = 0; t < 3; t++) {
            omp_set_num_threads(t + 1);
            c[t] = xcalloc(nb, 1), cd[t] = xcalloc(nb, 1);
            y[t] = xcalloc(n, sizeof *y[t]), z[t] = xcalloc(n, sizeof *z[t]);
            yd[t] = xcalloc(n, sizeof *yd[t]), zd[t] = xcalloc(n, sizeof *zd[t]);
            ck_assert_int_eq(fpq_encode_f32(c[t], x, n, &f, &r), FPQ_OK);
            ck_assert_int_eq(fpq_encode_f64(cd[t], xd, n, &f, &r), FPQ_OK);
            ck_assert_int_eq(fpq_round_f32(y[t], x, n, &f, &r), FPQ_OK);
            ck_assert_int_eq(fpq_round_f64(yd[t], xd, n, &f, &r), FPQ_OK);
            ck_assert_int_eq(fpq_decode_f32(z[t], cd[t], n, &f), FPQ_OK);
            ck_assert_int_eq(fpq_decode_f64(zd[t], cd[t], n, &f), FPQ_OK);
            if (t == 0)
                continue;
            ck_assert_msg(memcmp(c[0], c[t], nb) == 0, "%s: encode_f32 differs with %d threads (seed %" PRIu64 ")",
                          f.name, t + 1, fpq_check_seed());
            ck_assert_msg(memcmp(cd[0], cd[t], nb) == 0, "%s: encode_f64 differs with %d threads (seed %" PRIu64 ")",
                          f.name, t + 1, fpq_check_seed());
            ck_assert_msg(memcmp(y[0], y[t], n * sizeof *y[0]) == 0, "%s: round_f32 differs (seed %" PRIu64 ")", f.name,
                          fpq_check_seed());
            ck_assert_msg(memcmp(yd[0], yd[t], n * sizeof *yd[0]) == 0, "%s: round_f64 differs (seed %" PRIu64 ")",
                          f.name, fpq_check_seed());
            ck_assert_msg(memcmp(z[0], z[t], n * sizeof *z[0]) == 0, "%s: decode_f32 differs (seed %" PRIu64 ")",
                          f.name, fpq_check_seed());
            ck_assert_msg(memcmp(zd[0], zd[t], n * sizeof *zd[0]) == 0, "%s: decode_f64 differs (seed %" PRIu64 ")",
                          f.name, fpq_check_seed());
        }
        for (int t = 0; t < 3; t++)
            free(c[t]), free(cd[t]), free(y[t]), free(z[t]), free(yd[t]), free(zd[t]);
    }
    omp_set_num_threads(saved);
    free(x);
    free(xd);
}
END_TEST
#endif

/* Stochastic rounding is a function of (seed, position): a rerun gives the
 * same bits, and slices called with position + offset give the whole. */
START_TEST(stochastic_rounding_reruns_and_slices_agree)
{
    fpq_format f;
    api_format(&f, (size_t)_i);
    const size_t n = 40000;
    float *x = random_floats(n, 0x5c + (uint64_t)_i, true);
    fpq_rounding r;
    fpq_rounding_default(&r);
    r.mode = FPQ_RSR;
    r.seed = fpq_check_seed() ^ 0xabcdef;
    r.position = UINT64_MAX - 1000; /* positions wrap around */
    const size_t nb = buf_bytes(&f, n);
    uint8_t *c1 = xcalloc(nb, 1), *c2 = xcalloc(nb, 1), *c3 = xcalloc(nb, 1);
    float *y1 = xcalloc(n, sizeof *y1), *y2 = xcalloc(n, sizeof *y2);
    ck_assert_int_eq(fpq_encode_f32(c1, x, n, &f, &r), FPQ_OK);
    ck_assert_int_eq(fpq_encode_f32(c2, x, n, &f, &r), FPQ_OK);
    ck_assert_msg(memcmp(c1, c2, nb) == 0, "%s: rerun differs (seed %" PRIu64 ")", f.name, fpq_check_seed());
    ck_assert_int_eq(fpq_round_f32(y1, x, n, &f, &r), FPQ_OK);
    const size_t cuts[] = {1, 511, 512, 513, 16383, 16384, 20001};
    for (size_t k = 0; k < sizeof cuts / sizeof cuts[0]; k++) {
        const size_t cut = cuts[k];
        fpq_rounding r2 = r;
        ck_assert_int_eq(fpq_round_f32(y2, x, cut, &f, &r2), FPQ_OK);
        r2.position = r.position + cut;
        ck_assert_int_eq(fpq_round_f32(y2 + cut, x + cut, n - cut, &f, &r2), FPQ_OK);
        ck_assert_msg(memcmp(y1, y2, n * sizeof *y1) == 0, "%s: round slices at %zu differ (seed %" PRIu64 ")", f.name,
                      cut, fpq_check_seed());
        if (width_bytes(&f) == 0 && cut % 2)
            continue; /* two per byte: a slice must start on a byte */
        const size_t w = width_bytes(&f), off = w ? cut * w : cut / 2;
        memset(c3, 0, nb);
        r2.position = r.position;
        ck_assert_int_eq(fpq_encode_f32(c3, x, cut, &f, &r2), FPQ_OK);
        r2.position = r.position + cut;
        ck_assert_int_eq(fpq_encode_f32(c3 + off, x + cut, n - cut, &f, &r2), FPQ_OK);
        ck_assert_msg(memcmp(c1, c3, nb) == 0, "%s: encode slices at %zu differ (seed %" PRIu64 ")", f.name, cut,
                      fpq_check_seed());
    }
    free(x), free(c1), free(c2), free(c3), free(y1), free(y2);
}
END_TEST

/* ---- stochastic rounding at its threshold ------------------------------------
 *
 * Element x at position p rounds away from zero when frac 2^64 >
 * fpq_sr_bits(seed, p).  The draws are splitmix64's finaliser of key + (p +
 * 1) golden (fpq.h freezes them), a bijection of p, so a position whose
 * draw is any chosen u exists and is computed here by inverting the
 * mixer.  For each input the test finds with the reference alone the
 * largest draw T that still rounds away (a binary search on u), then
 * compares the bulk path with the reference at T - 1 .. T + 2 and at the
 * extremes: the comparison with all 64 bits of the draw, exactly. */

/* The inverse of x ^= x >> k. */
static uint64_t unxorshift(uint64_t y, unsigned k)
{
    uint64_t x = y;
    for (unsigned s = k; s < 64; s += k)
        x ^= y >> s;
    return x;
}

/* The inverse of an odd number modulo 2^64 (Newton's iteration). */
static uint64_t inv64(uint64_t c)
{
    uint64_t v = c;
    for (int i = 0; i < 6; i++)
        v *= 2 - c * v;
    return v;
}

/* The inverse of the mixer: z with mix64(z) = u. */
static uint64_t unmix64(uint64_t u)
{
    uint64_t z = unxorshift(u, 31);
    z = unxorshift(z * inv64(UINT64_C(0x94d049bb133111eb)), 27);
    return unxorshift(z * inv64(UINT64_C(0xbf58476d1ce4e5b9)), 30);
}

/* The position whose draw under seed is u: the key from the draw of
 * position 2^64 - 1, mix64(key + 0 golden). */
static uint64_t position_of_draw(uint64_t seed, uint64_t u)
{
    const uint64_t golden = UINT64_C(0x9e3779b97f4a7c15);
    const uint64_t key = unmix64(fpq_sr_bits(seed, UINT64_MAX));
    const uint64_t p = (unmix64(u) - key) * inv64(golden) - 1;
    ck_assert_uint_eq(fpq_sr_bits(seed, p), u);
    return p;
}

static uint64_t ref_at_draw(const fpq_format *f, float x, fpq_rounding *r, uint64_t u)
{
    r->position = position_of_draw(r->seed, u);
    return ref_encode_f32(f, x, r);
}

/* The bulk path against the reference for x at a position of draw u. */
static void compare_at_draw(const fpq_format *f, const char *label, float x, fpq_rounding *r, const ref_table *t,
                            uint64_t u)
{
    r->position = position_of_draw(r->seed, u);
    compare_f32(f, label, &x, 1, r, t, "stochastic threshold");
}

START_TEST(stochastic_rounding_equals_reference_at_the_threshold)
{
    fpq_format f;
    const char *label = format_at(&f, (size_t)_i);
    if (f.kind == FPQ_KIND_LUT)
        return; /* tables round stochastically by the reference itself */
    ref_table t = ref_table_make(&f);
    size_t nb;
    float *b = boundaries32(&f, &nb);
    /* at most 96 boundary points, spread evenly, and inputs far below the
     * quantum (the sticky bit of a draw below 2^24) */
    const float tiny[] = {0x1p-149f, 0x3p-149f, 0x1.fffffep-127f, 0x1.000002p-100f, 0x1.8p-80f, 0x1.234568p-60f};
    const size_t step = nb / 96 + 1, ntiny = sizeof tiny / sizeof tiny[0];
    fpq_rounding r;
    fpq_rounding_default(&r);
    r.mode = FPQ_RSR;
    r.seed = fpq_check_seed();
    for (size_t k = 0; k < nb / step + 2 * ntiny; k++) {
        const float x = k < nb / step ? b[k * step] : (k % 2 ? -1 : 1) * tiny[(k - nb / step) / 2];
        const uint64_t up = ref_at_draw(&f, x, &r, 0);
        uint64_t lo = 0, hi = UINT64_MAX; /* lo rounds as draw 0 does; find the last such */
        if (ref_at_draw(&f, x, &r, hi) == up) {
            lo = hi;
        } else {
            while (hi - lo > 1) {
                const uint64_t mid = lo + (hi - lo) / 2;
                if (ref_at_draw(&f, x, &r, mid) == up)
                    lo = mid;
                else
                    hi = mid;
            }
        }
        const uint64_t us[] = {0, 1, lo - 1, lo, lo + 1, lo + 2, UINT64_MAX - 1, UINT64_MAX};
        for (size_t j = 0; j < sizeof us / sizeof us[0]; j++)
            compare_at_draw(&f, label, x, &r, &t, us[j]);
    }
    free(b);
    ref_table_free(&t);
}
END_TEST

/* Over n = 2^20 positions (2^16 for the table, which calls the reference
 * per element) the share rounded away from zero is the distance to the
 * value toward zero, in units of the gap: within 6 standard deviations of a
 * binomial(n, p), plus 1/n (at most 0.003, and 0.012 for the table). */
START_TEST(stochastic_up_share_matches_distance)
{
    static const struct {
        const char *fmt;
        double lo, gap; /* neighbours lo and lo + gap */
    } cases[] = {
        {"fp8_e4m3", 1.0, 0.125},
        {"fp8_e4m3", -1.0, -0.125},
        {"bf16", 3.0, 0x1p-6},
        {"e11m4", 0x1p-1020, 0x1p-1024},
        {"int8", 2.0, 1.0},
        {"int8", -100.0, -1.0},
        {"fp4_e2m1", 4.0, 2.0},
        {"e8m0", 0x1p-127, 0x1p-127},
        {"nf4", 0.0, 0x1.45f5fep-4 /* 0.07958029955625534 */},
    };
    const double fracs[] = {0.125, 0.3, 0.5, 0.75, 0.96875};
    const size_t nmax = (size_t)1 << 20;
    float *x = xcalloc(nmax, sizeof *x);
    double *xd = xcalloc(nmax, sizeof *xd);
    float *y = xcalloc(nmax, sizeof *y);
    double *yd = xcalloc(nmax, sizeof *yd);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        fpq_format f;
        ck_assert_int_eq(fpq_format_parse(&f, cases[c].fmt), FPQ_OK);
        const size_t n = f.kind == FPQ_KIND_LUT ? nmax >> 4 : nmax;
        for (size_t k = 0; k < sizeof fracs / sizeof fracs[0]; k++) {
            const double xv = cases[c].lo + fracs[k] * cases[c].gap;
            const float x32 = (float)xv;
            /* the share expected: the exact distance of the input actually rounded */
            const double p32 = ((double)x32 - cases[c].lo) / cases[c].gap, p64 = fracs[k];
            for (size_t i = 0; i < n; i++)
                x[i] = x32, xd[i] = xv;
            fpq_rounding r;
            fpq_rounding_default(&r);
            r.mode = FPQ_RSR;
            r.seed = fpq_check_seed() + c * 31 + k;
            r.position = 1000 * c;
            ck_assert_int_eq(fpq_round_f32(y, x, n, &f, &r), FPQ_OK);
            ck_assert_int_eq(fpq_round_f64(yd, xd, n, &f, &r), FPQ_OK);
            size_t up32 = 0, up64 = 0;
            const float away32 = (float)(cases[c].lo + cases[c].gap);
            for (size_t i = 0; i < n; i++) {
                up32 += y[i] == away32;
                up64 += yd[i] == cases[c].lo + cases[c].gap;
            }
            for (int s = 0; s < 2; s++) {
                const double p = s ? p64 : p32, got = (double)(s ? up64 : up32) / (double)n;
                if (!(p > 0 && p < 1)) /* binary32 could not hold the input between the two */
                    continue;
                const double tol = 6 * sqrt(p * (1 - p) / (double)n) + 1.0 / (double)n;
                ck_assert_msg(fabs(got - p) <= tol,
                              "%s at %a (%s): away share %.6f, distance %.6f, tolerance %.6f (seed %" PRIu64 ")",
                              f.name, s ? xv : (double)x32, s ? "binary64" : "binary32", got, p, tol, fpq_check_seed());
            }
        }
    }
    free(x), free(xd), free(y), free(yd);
}
END_TEST

/* Two 4-bit patterns per byte, element 2i in the low nibble, and a last odd
 * element leaves the high nibble 0; codes hand-derived from OCP MX 1.0
 * (E2M1: 0.5 = 0x1, 1 = 0x2, 6 = 0x7, -1 = 0xa, 3 = 0x5) and two's
 * complement (int4: -1 = 0xf, 7 = 0x7, -8 = 0x8). */
START_TEST(packed_nibbles_low_first)
{
    const fpq_format *e2m1 = fpq_check_need("fp4_e2m1");
    const fpq_format *int4 = fpq_check_need("int4");
    const float x[5] = {0.5f, 1.0f, 6.0f, -1.0f, 3.0f};
    uint8_t b[3] = {0xee, 0xee, 0xee};
    ck_assert_int_eq(fpq_encode_f32(b, x, 5, e2m1, NULL), FPQ_OK);
    ck_assert_msg(b[0] == 0x21 && b[1] == 0xa7 && b[2] == 0x05, "fp4_e2m1 bytes %02x %02x %02x", b[0], b[1], b[2]);
    const double xd[3] = {-1.0, 7.0, -8.0};
    ck_assert_int_eq(fpq_encode_f64(b, xd, 3, int4, NULL), FPQ_OK);
    ck_assert_msg(b[0] == 0x7f && b[1] == 0x08, "int4 bytes %02x %02x", b[0], b[1]);
    const uint8_t in[3] = {0x21, 0xa7, 0xf5}; /* the high nibble past n is ignored */
    float y[5];
    ck_assert_int_eq(fpq_decode_f32(y, in, 5, e2m1), FPQ_OK);
    for (int i = 0; i < 5; i++)
        FPQ_CHECK(fbits(y[i]) == fbits(x[i]), "decoded element %d: %a", i, (double)y[i]);
    /* sizes */
    fpq_format f;
    static const struct {
        const char *name;
        size_t n, bytes;
    } sz[] = {{"fp4_e2m1", 5, 3}, {"int2", 3, 2},  {"fp6_e2m3", 7, 7}, {"fp8_e4m3", 9, 9}, {"e5m4", 3, 6},
              {"fp16", 3, 6},     {"tf32", 3, 12}, {"fp32", 2, 8},     {"uint32", 2, 8},   {"fp64", 3, 24},
              {"nf4", 4, 2},      {"int12", 1, 2}, {"fp4_e2m1", 0, 0}};
    for (size_t i = 0; i < sizeof sz / sizeof sz[0]; i++) {
        ck_assert_int_eq(fpq_format_parse(&f, sz[i].name), FPQ_OK);
        ck_assert_msg(fpq_packed_size(&f, sz[i].n) == sz[i].bytes, "%s x %zu: %zu bytes", sz[i].name, sz[i].n,
                      fpq_packed_size(&f, sz[i].n));
    }
}
END_TEST

/* fpq_unpack reads back what the encoders pack, at any offset, with the
 * bits above the width cleared; codes as in packed_nibbles_low_first. */
START_TEST(unpack_reads_the_packed_layout)
{
    const uint8_t nib[3] = {0x21, 0xa7, 0xf5};
    const uint64_t want4[6] = {0x1, 0x2, 0x7, 0xa, 0x5, 0xf};
    uint64_t c[6];
    ck_assert_int_eq(fpq_unpack(c, nib, 0, 6, fpq_check_need("fp4_e2m1")), FPQ_OK);
    for (int i = 0; i < 6; i++)
        FPQ_CHECK(c[i] == want4[i], "nibble %d: %" PRIx64, i, c[i]);
    ck_assert_int_eq(fpq_unpack(c, nib, 3, 2, fpq_check_need("int4")), FPQ_OK);
    ck_assert(c[0] == 0xa && c[1] == 0x5);
    fpq_format f;
    ck_assert_int_eq(fpq_format_parse(&f, "int2"), FPQ_OK); /* 2 bits in a nibble: the top two cleared */
    ck_assert_int_eq(fpq_unpack(c, nib, 0, 2, &f), FPQ_OK);
    ck_assert(c[0] == 0x1 && c[1] == 0x2);
    ck_assert_int_eq(fpq_format_parse(&f, "fp6_e2m3"), FPQ_OK); /* 6 bits in a byte */
    ck_assert_int_eq(fpq_unpack(c, nib, 1, 2, &f), FPQ_OK);
    ck_assert(c[0] == 0x27 && c[1] == 0x35);
    /* round trips through the encoders, every container width */
    static const char *const names[] = {"fp4_e2m1", "fp8_e4m3", "fp16", "tf32", "fp32", "fp64", "int12"};
    const double x[5] = {0.5, -1.0, 3.0, 448.0, -0.0};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        ck_assert_int_eq(fpq_format_parse(&f, names[k]), FPQ_OK);
        uint64_t packed[5] = {0}, got[5];
        ck_assert_int_eq(fpq_encode_f64(packed, x, 5, &f, NULL), FPQ_OK);
        ck_assert_int_eq(fpq_unpack(got, packed, 0, 5, &f), FPQ_OK);
        for (int i = 0; i < 5; i++) {
            MPFR_DECL_INIT(v, 64);
            uint64_t want;
            mpfr_set_d(v, x[i], MPFR_RNDN);
            fpq_encode(&want, NULL, &f, v, NULL);
            FPQ_CHECK(got[i] == want, "%s element %d: %" PRIx64 ", want %" PRIx64, names[k], i, got[i], want);
        }
    }
    ck_assert_int_eq(fpq_unpack(NULL, nib, 0, 0, &f), FPQ_OK);
    ck_assert_int_eq(fpq_unpack(c, NULL, 0, 1, &f), FPQ_ERR_ARG);
    ck_assert_int_eq(fpq_unpack(NULL, nib, 0, 1, &f), FPQ_ERR_ARG);
    ck_assert_int_eq(fpq_format_parse(&f, "fp8_e4m3"), FPQ_OK);
    f.mbits = 60;
    ck_assert_int_eq(fpq_unpack(c, nib, 0, 1, &f), FPQ_ERR_ARG);
}
END_TEST

START_TEST(bad_arguments_are_refused)
{
    const fpq_format *f = fpq_check_need("fp8_e4m3");
    float x[4] = {1, 2, 3, 4}, y[4];
    uint8_t c[4];
    fpq_rounding r;
    fpq_rounding_default(&r);
    ck_assert_int_eq(fpq_encode_f32(NULL, x, 4, f, &r), FPQ_ERR_ARG);
    ck_assert_int_eq(fpq_encode_f32(c, NULL, 4, f, &r), FPQ_ERR_ARG);
    ck_assert_int_eq(fpq_encode_f32(NULL, NULL, 0, f, &r), FPQ_OK);
    ck_assert_int_eq(fpq_encode_f32(c, x, 4, NULL, &r), FPQ_ERR_ARG);
    ck_assert_int_eq(fpq_decode_f32(y, NULL, 4, f), FPQ_ERR_ARG);
    ck_assert_int_eq(fpq_round_f64(NULL, NULL, 0, f, NULL), FPQ_OK);
    fpq_format bad = *f;
    bad.mbits = 60;
    ck_assert_int_eq(fpq_round_f32(y, x, 4, &bad, &r), FPQ_ERR_ARG);
    ck_assert_uint_eq(fpq_packed_size(&bad, 4), 0);
    ck_assert_uint_eq(fpq_boundaries_f32(NULL, 0, &bad), 0);
    r.mode = FPQ_RND_COUNT_;
    ck_assert_int_eq(fpq_round_f32(y, x, 4, f, &r), FPQ_ERR_ARG);
    fpq_rounding_default(&r);
    r.overflow = (fpq_overflow)7;
    ck_assert_int_eq(fpq_encode_f32(c, x, 4, f, &r), FPQ_ERR_ARG);
    fpq_rounding_default(&r);
    /* overlap: encode's dst inside src; round with dst = src + 1 */
    ck_assert_int_eq(fpq_encode_f32((uint8_t *)x + 1, x, 4, f, &r), FPQ_ERR_ARG);
    ck_assert_int_eq(fpq_round_f32(x + 1, x, 3, f, &r), FPQ_ERR_ARG);
    ck_assert_int_eq(fpq_round_f32(x, x, 4, f, &r), FPQ_OK);
}
END_TEST

/* ---- the caller's floating-point environment ------------------------------- */

#if defined(__x86_64__) || defined(__SSE2__)
#include <xmmintrin.h>
/* flush-to-zero, denormals-are-zero (what -ffast-math sets), round upward,
 * and the inexact flag raised: the worst environment a caller can hand us */
#define HOSTILE_CSR (0x1f80u | 0x8000u | 0x0040u | 0x4000u | 0x0020u)
static unsigned fp_get(void) { return _mm_getcsr(); }
static void fp_set(unsigned c) { _mm_setcsr(c); }
#else
#include <fenv.h>
#define HOSTILE_CSR ((unsigned)FE_UPWARD)
static unsigned fp_get(void) { return (unsigned)fegetround(); }
static void fp_set(unsigned c) { fesetround((int)c); }
#endif

/* The bulk path neither depends on nor changes the caller's environment:
 * under FTZ/DAZ and upward rounding every result equals the reference
 * (computed beforehand in the default environment), on the boundary set,
 * which is full of binary32 subnormals, and the environment, flags
 * included, is as it was after each call. */
static const char *const env_formats[] = {"bf16", "e8m3", "fp8_e4m3", "e8m0", "int8", "nf4", "e9m3", "fp4_e2m1"};

START_TEST(bulk_path_keeps_out_of_the_callers_fp_environment)
{
    fpq_format fmt;
    ck_assert_int_eq(fpq_format_parse(&fmt, env_formats[_i]), FPQ_OK);
    const fpq_format *f = &fmt;
    size_t n;
    float *x = boundaries32(f, &n);
    const fpq_rnd modes[] = {FPQ_RNE, FPQ_RTZ, FPQ_RUP};
    void *codes = xcalloc(buf_bytes(f, n), 1), *want_codes = xcalloc(buf_bytes(f, n), 1);
    uint32_t *want32 = xcalloc(n, sizeof *want32);
    uint64_t *want64 = xcalloc(n, sizeof *want64);
    float *y = xcalloc(n, sizeof *y);
    double *y64 = xcalloc(n, sizeof *y64);
    for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
        fpq_rounding r;
        fpq_rounding_default(&r);
        r.mode = modes[m];
        for (size_t i = 0; i < n; i++) {
            const uint64_t c = ref_encode_f32(f, x[i], &r);
            put_code(want_codes, i, f, c);
            want32[i] = ref_value_f32(f, c);
            want64[i] = ref_value_f64(f, c);
        }
        const unsigned saved = fp_get();
        fp_set(HOSTILE_CSR);
        const int s1 = fpq_encode_f32(codes, x, n, f, &r);
        const unsigned e1 = fp_get();
        fp_set(HOSTILE_CSR);
        const int s2 = fpq_round_f32(y, x, n, f, &r);
        const unsigned e2 = fp_get();
        fp_set(HOSTILE_CSR);
        const int s3 = fpq_decode_f64(y64, want_codes, n, f);
        const unsigned e3 = fp_get();
        fp_set(saved);
        ck_assert_int_eq(s1 | s2 | s3, FPQ_OK);
        FPQ_CHECK(e1 == HOSTILE_CSR && e2 == HOSTILE_CSR && e3 == HOSTILE_CSR,
                  "%s: the environment changed: 0x%x 0x%x 0x%x, not 0x%x", f->name, e1, e2, e3, HOSTILE_CSR);
        for (size_t i = 0; i < n; i++) {
            FPQ_CHECK(get_code(codes, i, f) == get_code(want_codes, i, f) && fbits(y[i]) == want32[i] &&
                          dbits(y64[i]) == want64[i],
                      "%s %s, binary32 0x%08x: under FTZ/DAZ/upward code 0x%" PRIx64 " round 0x%08x decode "
                      "0x%016" PRIx64 ", reference 0x%" PRIx64 " 0x%08x 0x%016" PRIx64,
                      f->name, fpq_rnd_name(modes[m]), fbits(x[i]), get_code(codes, i, f), fbits(y[i]),
                      dbits(y64[i]), get_code(want_codes, i, f), want32[i], want64[i]);
        }
        /* decoding into binary32 too */
        fp_set(HOSTILE_CSR);
        const int s4 = fpq_decode_f32(y, want_codes, n, f);
        fp_set(saved);
        ck_assert_int_eq(s4, FPQ_OK);
        for (size_t i = 0; i < n; i++)
            FPQ_CHECK(fbits(y[i]) == want32[i], "%s: decode_f32 of 0x%" PRIx64 " under FTZ/DAZ/upward: 0x%08x, "
                      "reference 0x%08x", f->name, get_code(want_codes, i, f), fbits(y[i]), want32[i]);
    }
    free(x);
    free(codes);
    free(want_codes);
    free(want32);
    free(want64);
    free(y);
    free(y64);
}
END_TEST

/* ---- exhaustive (FPQ_CHECK_EXHAUSTIVE=1) -------------------------------------- */

/* Why monotone + equal at the boundary set + NaNs => equal everywhere.
 *
 * In rne and rtz the reference is a step function of the input: between two
 * binary32 neighbours y < y' its result changes only where a midpoint (rne)
 * or a value (rtz) of the format, an overflow threshold (the midpoint or the
 * next value past the largest, on the grid extended without bound), +-0 or
 * +-Inf lies in [y, y'], and fpq_boundaries_f32 holds every such y and y'
 * (boundaries_hold_every_value_midpoint_and_neighbour checks it against a
 * decoder written from the fields alone).  So for consecutive boundary
 * points b < b', the reference is constant on [b, b'] unless b and b' are
 * binary32 neighbours (then there is nothing between them).  The test
 * orders the format's non-NaN codes by value (-0 before +0), which is one
 * to one; a NaN result of a number (overflow into fn and fnuz formats, an
 * infinity into formats without Inf) takes a rank below or above all, by
 * its side, and must be the one NaN the reference gives such a number of
 * that sign.  If the fast encoder is non-decreasing in that
 * rank along binary32's order from -Inf to +Inf and equals the reference at
 * b and b', then on [b, b'] it is squeezed between two equal codes, so it
 * equals the reference there: everywhere, since the boundary set includes
 * +-Inf.  NaN inputs are compared with the reference directly.  Sign
 * symmetry f(-x) = -f(x) is checked besides (floats: the sign flip, fnuz's
 * 0 and NaN unchanged; integers: negation unless clamped at the ends). */

struct item {
    double v;
    uint32_t code;
};

/* By value, -0 before +0. */
static int cmp_item(const void *pa, const void *pb)
{
    const struct item *a = pa, *b = pb;
    if (a->v != b->v)
        return a->v < b->v ? -1 : 1;
    return (signbit(b->v) != 0) - (signbit(a->v) != 0);
}

/* rank[code] in value order (NaN codes: UINT32_MAX); count of ranks. */
static uint32_t *ranks(const fpq_format *f, uint32_t *nrank)
{
    const size_t n = (size_t)1 << f->bits;
    struct item *it = xcalloc(n, sizeof *it);
    uint32_t *rank = xcalloc(n, sizeof *rank);
    size_t k = 0;
    for (size_t c = 0; c < n; c++) {
        MPFR_DECL_INIT(v, 64);
        fpq_class cls;
        fpq_decode(v, &cls, NULL, f, c);
        rank[c] = UINT32_MAX;
        if (cls == FPQ_CLASS_NAN)
            continue;
        /* every value of a format of at most 16 bits is a double; -0 sorts first */
        it[k].v = mpfr_get_d(v, MPFR_RNDN);
        it[k].code = (uint32_t)c;
        k++;
    }
    qsort(it, k, sizeof *it, cmp_item);
    for (size_t i = 0; i < k; i++) {
        FPQ_CHECK(i == 0 || it[i - 1].v < it[i].v || (it[i - 1].v == 0 && signbit(it[i - 1].v) && !signbit(it[i].v)),
                  "%s: two codes with one value", f->name);
        rank[it[i].code] = (uint32_t)i;
    }
    free(it);
    *nrank = (uint32_t)k;
    return rank;
}

/* The i-th binary32 pattern in totalOrder among non-NaNs, i in [0, 2^32 - 2^24 + 2). */
static uint32_t ordered(uint64_t i)
{
    /* -Inf = 0xff800000 down to -0 = 0x80000000, then +0 up to +Inf */
    const uint64_t nneg = UINT64_C(0x7f800001);
    return i < nneg ? (uint32_t)(0xff800000u - i) : (uint32_t)(i - nneg);
}

static uint64_t negate_code(const fpq_format *f, uint64_t c)
{
    if (f->kind == FPQ_KIND_INT)
        return (uint64_t)(-(int64_t)((c ^ (UINT64_C(1) << (f->bits - 1))) - (UINT64_C(1) << (f->bits - 1)))) &
               fpq_check_mask(f);
    const uint64_t sign = UINT64_C(1) << (f->bits - 1);
    if (f->specials == FPQ_SPECIALS_FNUZ && (c & (sign - 1)) == 0)
        return c; /* 0 and the NaN */
    return c ^ sign;
}

/* Codes of a packed buffer as 32-bit words (the width's switch hoisted). */
static void codes_u32(uint32_t *k, const void *buf, size_t n, const fpq_format *f)
{
    const uint8_t *b = buf;
    switch (width_bytes(f)) {
    case 0:
#pragma omp parallel for schedule(static)
        for (size_t i = 0; i < n; i++)
            k[i] = (b[i / 2] >> (4 * (i & 1))) & 15;
        break;
    case 1:
#pragma omp parallel for schedule(static)
        for (size_t i = 0; i < n; i++)
            k[i] = b[i];
        break;
    default: /* 2: at most 16 bits here */
#pragma omp parallel for schedule(static)
        for (size_t i = 0; i < n; i++) {
            uint16_t v;
            memcpy(&v, b + 2 * i, 2);
            k[i] = v;
        }
    }
}

/* The rank of code along the walk: its value's, or for a NaN code (which
 * must be the reference's NaN for an overflow or an infinity of that side)
 * below or above all. */
static int64_t walk_rank(const uint32_t *rank, uint32_t nrank, uint32_t code, int neg, const uint64_t *ovf_nan,
                         size_t *bad, size_t i)
{
    if (rank[code] != UINT32_MAX)
        return rank[code];
    if (code != ovf_nan[neg] && i < *bad)
        *bad = i;
    return neg ? -1 : (int64_t)nrank;
}

/* fpq_round_f32 of x[0..n) against fpq_decode_f32 of its codes c: the
 * same bits (y, z: scratch of n floats). */
static void round_is_decode_of_encode(const fpq_format *f, const char *label, const fpq_rounding *r,
                                      const float *x, const void *c, float *y, float *z, size_t n)
{
    ck_assert_int_eq(fpq_round_f32(y, x, n, f, r), FPQ_OK);
    ck_assert_int_eq(fpq_decode_f32(z, c, n, f), FPQ_OK);
    size_t bad = SIZE_MAX;
#pragma omp parallel for schedule(static) reduction(min : bad)
    for (size_t i = 0; i < n; i++)
        if (fbits(y[i]) != fbits(z[i]))
            bad = i < bad ? i : bad;
    FPQ_CHECK(bad == SIZE_MAX, "%s %s: round(0x%08" PRIx32 ") = 0x%08" PRIx32 ", decode(encode) = 0x%08" PRIx32,
              label, fpq_rnd_name(r->mode), fbits(x[bad]), fbits(y[bad]), fbits(z[bad]));
}

START_TEST(fast_encode_is_monotone_and_symmetric_over_all_binary32)
{
    fpq_format f;
    const char *label = small_at(&f, (size_t)_i / 2);
    fpq_rounding r;
    fpq_rounding_default(&r);
    r.mode = _i % 2 ? FPQ_RTZ : FPQ_RNE;
    uint32_t nrank;
    uint32_t *rank = ranks(&f, &nrank);
    const bool signed_sym = f.is_signed && f.kind != FPQ_KIND_LUT;

    /* the NaN the reference gives a number of each sign, if any: for an
     * overflow (fn, fnuz) or an infinity (formats without Inf); one code per
     * sign, so ranks stay one to one */
    uint64_t ovf_nan[2];
    for (int s = 0; s < 2; s++) {
        const uint64_t co = ref_encode_f64(&f, s ? -DBL_MAX : DBL_MAX, &r);
        const uint64_t ci = ref_encode_f64(&f, s ? -INFINITY : INFINITY, &r);
        const bool no = rank[co] == UINT32_MAX, ni = rank[ci] == UINT32_MAX;
        ck_assert_msg(!(no && ni) || co == ci, "%s: two NaN codes for one side", label);
        ovf_nan[s] = no ? co : ni ? ci : UINT64_MAX;
    }
    /* the boundary set: equal there (so this case stands on its own) */
    size_t nb;
    float *b = boundaries32(&f, &nb);
    ref_table t = ref_table_make(&f);
    compare_f32(&f, label, b, nb, &r, &t, "binary32 boundaries");
    ref_table_free(&t);
    free(b);

    const size_t chunk = (size_t)1 << 24;
    const uint64_t total = UINT64_C(0xff000002), nneg = UINT64_C(0x7f800001); /* non-NaNs; negatives */
    float *x = xcalloc(chunk, sizeof *x), *y = xcalloc(chunk, sizeof *y), *z = xcalloc(chunk, sizeof *z);
    uint32_t *k = xcalloc(chunk, sizeof *k), *kn = xcalloc(chunk, sizeof *kn);
    void *c = xcalloc(buf_bytes(&f, chunk), 1), *cn = xcalloc(buf_bytes(&f, chunk), 1);
    const uint64_t top = f.kind == FPQ_KIND_INT ? (UINT64_C(1) << (f.bits - 1)) - 1 : 0;
    int64_t prev = -1;
    for (uint64_t base = 0; base < total; base += chunk) {
        const size_t n = total - base < chunk ? (size_t)(total - base) : chunk;
        size_t bad_nan = SIZE_MAX, bad_mono = SIZE_MAX, bad_sym = SIZE_MAX;
#pragma omp parallel for schedule(static)
        for (size_t i = 0; i < n; i++)
            x[i] = ffrom(ordered(base + i));
        ck_assert_int_eq(fpq_encode_f32(c, x, n, &f, &r), FPQ_OK);
        codes_u32(k, c, n, &f);
        /* round-to-format, a kernel of its own, is decode(encode(x)):
         * with encode shown equal to the reference here and decode on
         * every code (decode_equals_reference_for_every_encoding), it is
         * then equal to the reference's value everywhere too */
        round_is_decode_of_encode(&f, label, &r, x, c, y, z, n);
        /* ranks, non-decreasing along the walk; a NaN code must be the
         * reference's overflow NaN of its side.  Each thread walks a slice,
         * starting from the rank just before it. */
#pragma omp parallel reduction(min : bad_nan, bad_mono)
        {
            size_t lo = 0, hi = n;
#ifdef _OPENMP
            const size_t nt = (size_t)omp_get_num_threads(), t = (size_t)omp_get_thread_num();
            lo = n * t / nt, hi = n * (t + 1) / nt;
#endif
            int64_t rp = lo ? walk_rank(rank, nrank, k[lo - 1], signbit(x[lo - 1]) != 0, ovf_nan, &bad_nan, lo - 1)
                            : prev;
            for (size_t i = lo; i < hi; i++) {
                const int64_t rk = walk_rank(rank, nrank, k[i], signbit(x[i]) != 0, ovf_nan, &bad_nan, i);
                if (rk < rp && i < bad_mono)
                    bad_mono = i;
                rp = rk;
            }
        }
        FPQ_CHECK(bad_nan == SIZE_MAX, "%s %s: %a gives NaN code 0x%" PRIx32, label, fpq_rnd_name(r.mode),
                  (double)x[bad_nan], k[bad_nan]);
        FPQ_CHECK(bad_mono == SIZE_MAX, "%s %s: not monotone at %a (0x%08" PRIx32 "): code 0x%" PRIx32, label,
                  fpq_rnd_name(r.mode), (double)x[bad_mono], fbits(x[bad_mono]), k[bad_mono]);
        prev = walk_rank(rank, nrank, k[n - 1], signbit(x[n - 1]) != 0, ovf_nan, &bad_nan, n - 1);
        if (!signed_sym || base + n <= nneg)
            continue;
            /* symmetry, on the chunks of +0 .. +Inf: f(-x) against f(x) */
#pragma omp parallel for schedule(static)
        for (size_t i = 0; i < n; i++)
            x[i] = -x[i];
        ck_assert_int_eq(fpq_encode_f32(cn, x, n, &f, &r), FPQ_OK);
        codes_u32(kn, cn, n, &f);
#pragma omp parallel for schedule(static) reduction(min : bad_sym)
        for (size_t i = base < nneg ? (size_t)(nneg - base) : 0; i < n; i++) {
            const uint64_t a = k[i], an = kn[i];
            const bool clamped = f.kind == FPQ_KIND_INT && (a == top || an == top) &&
                                 ((a ^ an) & (UINT64_C(1) << (f.bits - 1))); /* hi against lo */
            if (an != negate_code(&f, a) && !clamped)
                bad_sym = i < bad_sym ? i : bad_sym;
        }
        FPQ_CHECK(bad_sym == SIZE_MAX, "%s %s: f(-x) != -f(x) at %a: 0x%" PRIx32 ", 0x%" PRIx32, label,
                  fpq_rnd_name(r.mode), (double)-x[bad_sym], k[bad_sym], kn[bad_sym]);
    }
    /* NaN inputs: every payload, both signs, as the reference */
    const uint64_t nan_want[2] = {ref_encode_f32(&f, ffrom(0x7fc00000), &r), ref_encode_f32(&f, ffrom(0xffc00000), &r)};
    for (int s = 0; s < 2; s++) {
        const size_t n = (1u << 23) - 1;
        size_t bad = SIZE_MAX;
        for (size_t i = 0; i < n; i++)
            x[i] = ffrom((s ? 0xff800001u : 0x7f800001u) + (uint32_t)i);
        ck_assert_int_eq(fpq_encode_f32(c, x, n, &f, &r), FPQ_OK);
        round_is_decode_of_encode(&f, label, &r, x, c, y, z, n);
#pragma omp parallel for schedule(static) reduction(min : bad)
        for (size_t i = 0; i < n; i++)
            if (get_code(c, i, &f) != nan_want[s])
                bad = i < bad ? i : bad;
        FPQ_CHECK(bad == SIZE_MAX, "%s: NaN 0x%08" PRIx32 " gives 0x%" PRIx64, label, fbits(x[bad]),
                  get_code(c, bad, &f));
    }
    free(k);
    free(kn);
    free(cn);
    free(x);
    free(y);
    free(z);
    free(c);
    free(rank);
}
END_TEST

/* fp8_e4m3 in rne: fast == reference on all 2^32 binary32 patterns, directly. */
START_TEST(fp8_e4m3_rne_equals_reference_on_all_binary32)
{
    const fpq_format *f = fpq_check_need("fp8_e4m3");
    fpq_rounding r;
    fpq_rounding_default(&r);
    const size_t chunk = (size_t)1 << 24;
    float *x = xcalloc(chunk, sizeof *x);
    uint8_t *c = xcalloc(chunk, 1);
    for (uint64_t base = 0; base < (UINT64_C(1) << 32); base += chunk) {
        for (size_t i = 0; i < chunk; i++)
            x[i] = ffrom((uint32_t)(base + i));
        ck_assert_int_eq(fpq_encode_f32(c, x, chunk, f, &r), FPQ_OK);
        size_t bad = SIZE_MAX;
#pragma omp parallel for schedule(dynamic, 4096) reduction(min : bad)
        for (size_t i = 0; i < chunk; i++)
            if (c[i] != ref_encode_f32(f, x[i], &r))
                bad = i < bad ? i : bad;
        ck_assert_msg(bad == SIZE_MAX, "0x%08" PRIx32 ": fast 0x%02x, reference 0x%02" PRIx64, fbits(x[bad]), c[bad],
                      ref_encode_f32(f, x[bad], &r));
    }
    free(x);
    free(c);
}
END_TEST

/* Overflow wrap into an integer format: two's complement modulo 2^N, as
 * fpq_encode gives it, on the bulk path too. */
START_TEST(bulk_round_wraps_integers)
{
    fpq_format f;
    ck_assert_int_eq(fpq_format_parse(&f, "int8"), FPQ_OK);
    fpq_rounding r;
    fpq_rounding_default(&r);
    r.overflow = FPQ_OVF_WRAP;
    const double x[4] = {300, 254, -381, 127.4}, want[4] = {44, -2, -125, 127};
    double y[4];
    ck_assert_int_eq(fpq_round_f64(y, x, 4, &f, &r), FPQ_OK);
    for (int i = 0; i < 4; i++)
        ck_assert_msg(y[i] == want[i], "int8 wrap of %g: %g, want %g", x[i], y[i], want[i]);
}
END_TEST

Suite *fast_suite(void)
{
    Suite *s = suite_create("fast");
    TCase *tc = fpq_check_tcase("fast_equals_reference", 300);
    tcase_add_loop_test(tc, bulk_equals_reference_on_every_boundary, 0, (int)nall());
    tcase_add_loop_test(tc, bulk_equals_reference_on_random_inputs, 0, (int)nall());
    tcase_add_loop_test(tc, decode_equals_reference_for_every_encoding, 0, (int)nall());
    suite_add_tcase(s, tc);

    tc = fpq_check_tcase("fast_boundaries", 120);
    tcase_add_loop_test(tc, boundaries_hold_every_value_midpoint_and_neighbour, 0, (int)nsmall_all());
    suite_add_tcase(s, tc);

    tc = fpq_check_tcase("fast_api", 120);
    tcase_add_loop_test(tc, round_in_place_equals_out_of_place, 0, (int)NAPI);
#ifdef _OPENMP
    tcase_add_loop_test(tc, result_does_not_depend_on_thread_count, 0, (int)NAPI);
#endif
    tcase_add_loop_test(tc, stochastic_rounding_reruns_and_slices_agree, 0, (int)NAPI);
    tcase_add_test(tc, stochastic_up_share_matches_distance);
    tcase_add_loop_test(tc, stochastic_rounding_equals_reference_at_the_threshold, 0, (int)nall());
    tcase_add_test(tc, packed_nibbles_low_first);
    tcase_add_test(tc, unpack_reads_the_packed_layout);
    tcase_add_test(tc, bad_arguments_are_refused);
    tcase_add_test(tc, bulk_round_wraps_integers);
    tcase_add_loop_test(tc, bulk_path_keeps_out_of_the_callers_fp_environment, 0,
                        (int)(sizeof env_formats / sizeof env_formats[0]));
    suite_add_tcase(s, tc);

    if (fpq_check_exhaustive()) {
        tc = fpq_check_tcase_slow("fast_exhaustive", 7200);
        tcase_add_loop_test(tc, fast_encode_is_monotone_and_symmetric_over_all_binary32, 0, 2 * (int)nsmall_all());
        tcase_add_test(tc, fp8_e4m3_rne_equals_reference_on_all_binary32);
        suite_add_tcase(s, tc);
    }
    return s;
}
