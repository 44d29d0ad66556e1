/* boundaries.c: the inputs where a conversion from binary32 / binary64 into
 * a format can change its result, built from the format's decoded values
 * (fpq_decode) with exact MPFR arithmetic.  They are test vectors: the bulk
 * path is checked against the reference on every one of them.
 *
 * A format with at most 2^20 patterns is enumerated: every value, every
 * midpoint of adjacent values.  A wider one (fp32, fp64, int32, ...) is
 * sampled: in each binade (integers: around each power of two and the range
 * ends) the first and last few patterns, the middle ones and a few fixed
 * pseudo-random ones, with their neighbours; two sampled values count as
 * adjacent when fpq_encode, rounding their midpoint down and up, gives the
 * two of them.  For every such value and midpoint t the source's values
 * nearest t from below and above are taken, and when the source holds t
 * exactly, t and its neighbours on both sides.  Added: the overflow
 * thresholds (the midpoint between the largest finite value and the next
 * value of the grid extended without bound, and that next value; for
 * integers the same past both ends), +-0, +-Inf, the source's largest,
 * smallest normal and smallest subnormal magnitudes, and then the negation
 * of every point.  Sorted in totalOrder (-0 before +0), without duplicates;
 * NaNs (quiet and signalling, several payloads, both signs) come last. */
#include "fpq-impl.h"

#include <stdlib.h>
#include <string.h>

#define ENUM_BITS 20 /* formats of at most this many bits are enumerated */
#define MID_PREC 448 /* holds exactly the sum of two binary32 values, or of
                        two adjacent values of a format */

/* A growable array: codes of the format, or source patterns held as
 * totalOrder keys (so that sorting them as integers sorts the values). */
typedef struct keys {
    uint64_t *v;
    size_t n, cap;
    bool failed;
} keys;

static void keys_push(keys *k, uint64_t x)
{
    if (k->failed)
        return;
    if (k->n == k->cap) {
        size_t cap = k->cap ? 2 * k->cap : 4096;
        uint64_t *v = realloc(k->v, cap * sizeof *v);
        if (!v) {
            k->failed = true;
            return;
        }
        k->v = v;
        k->cap = cap;
    }
    k->v[k->n++] = x;
}

/* The source: binary32 (top bit 31) or binary64 (top bit 63). */
typedef struct source {
    bool dbl;
    unsigned top;
} source;

static uint64_t to_key(const source *s, uint64_t b)
{
    const uint64_t sign = UINT64_C(1) << s->top, all = s->dbl ? UINT64_MAX : UINT32_MAX;
    return (b & sign) ? ~b & all : b | sign;
}

static uint64_t from_key(const source *s, uint64_t k)
{
    const uint64_t sign = UINT64_C(1) << s->top, all = s->dbl ? UINT64_MAX : UINT32_MAX;
    return (k & sign) ? k & ~sign : ~k & all;
}

static uint64_t src_bits(const source *s, mpfr_srcptr t, mpfr_rnd_t r)
{
    if (s->dbl) {
        double d = mpfr_get_d(t, r);
        uint64_t b;
        memcpy(&b, &d, sizeof b);
        return b;
    }
    float f = mpfr_get_flt(t, r);
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    return b;
}

/* t's neighbours in the source; t itself and its neighbours when exact. */
static void add_points(keys *k, const source *s, mpfr_srcptr t)
{
    uint64_t lo = to_key(s, src_bits(s, t, MPFR_RNDD)), hi = to_key(s, src_bits(s, t, MPFR_RNDU));
    keys_push(k, lo);
    keys_push(k, hi);
    if (lo == hi) { /* exact; a finite value has finite neighbours or +-Inf */
        keys_push(k, lo - 1);
        keys_push(k, lo + 1);
    }
}

/* Codes whose values are sampled when the format is too wide to enumerate. */
static void sample_codes(keys *c, const fpq_format *f)
{
    if (f->kind == FPQ_KIND_INT) {
        const int64_t hi = f->is_signed ? (INT64_C(1) << (f->bits - 1)) - 1 : (INT64_C(1) << f->bits) - 1;
        const int64_t lo = f->is_signed ? -hi - 1 : 0;
        const uint64_t mask = fpq_width_mask(f);
        for (int64_t d = -8; d <= 8; d++) {
            const int64_t v[3] = {lo + 8 + d, hi - 8 + d, d};
            for (int j = 0; j < 3; j++)
                if (v[j] >= lo && v[j] <= hi)
                    keys_push(c, (uint64_t)v[j] & mask);
        }
        for (unsigned e = 1; e < f->bits; e++)
            for (int64_t d = -2; d <= 2; d++)
                for (int sg = -1; sg <= 1; sg += 2) {
                    int64_t v = sg * (INT64_C(1) << e) + d;
                    if (v >= lo && v <= hi)
                        keys_push(c, (uint64_t)v & mask);
                }
        return;
    }
    /* floats: per exponent field, a set of mantissas and their neighbours */
    const unsigned M = f->mbits;
    const uint64_t mmax = (UINT64_C(1) << M) - 1, magmax = fpq_mag_mask(f);
    for (uint64_t F = 0; F < (UINT64_C(1) << f->ebits); F++) {
        uint64_t ms[14] = {0, 1, 2, 3, mmax / 2 - 1, mmax / 2, mmax / 2 + 1, mmax - 3, mmax - 2, mmax - 1, mmax};
        uint64_t h = (F + 1) * UINT64_C(0x9e3779b97f4a7c15);
        for (int j = 11; j < 14; j++) {
            h ^= h >> 29;
            h *= UINT64_C(0xbf58476d1ce4e5b9);
            ms[j] = h & mmax;
        }
        for (int j = 0; j < 14; j++) {
            if (ms[j] > mmax)
                continue;
            uint64_t mag = (F << M) | ms[j];
            for (int d = -1; d <= 1; d++) {
                if ((d < 0 && mag == 0) || (d > 0 && mag == magmax))
                    continue;
                uint64_t m2 = mag + (uint64_t)(int64_t)d;
                keys_push(c, m2);
                if (f->is_signed)
                    keys_push(c, m2 | fpq_sign_bit(f));
            }
        }
    }
}

static int cmp_mpfr(const void *a, const void *b)
{
    return mpfr_cmp(*(mpfr_t const *)a, *(mpfr_t const *)b);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Whether no value of f lies strictly between a < b (the reference decides). */
static bool adjacent(const fpq_format *f, mpfr_srcptr a, mpfr_srcptr b, mpfr_srcptr mid)
{
    if (mpfr_cmp(a, mid) >= 0 || mpfr_cmp(mid, b) >= 0)
        return false;
    fpq_rounding r;
    fpq_rounding_default(&r);
    MPFR_DECL_INIT(v, 64);
    uint64_t code;
    r.mode = FPQ_RDN;
    fpq_encode(&code, NULL, f, mid, &r);
    fpq_decode(v, NULL, NULL, f, code);
    if (mpfr_cmp(v, a) != 0)
        return false;
    r.mode = FPQ_RUP;
    fpq_encode(&code, NULL, f, mid, &r);
    fpq_decode(v, NULL, NULL, f, code);
    return mpfr_cmp(v, b) == 0;
}

/* Boundary points of f for source s, keys sorted and unique in *out. */
static bool build(keys *out, const fpq_format *f, const source *s)
{
    keys codes = {0};
    const bool enumerate = f->bits <= ENUM_BITS;
    if (enumerate) {
        for (uint64_t c = 0; c < fpq_npatterns(f); c++)
            keys_push(&codes, c);
    } else {
        sample_codes(&codes, f);
    }
    if (codes.failed) {
        free(codes.v);
        return false;
    }

    /* the finite values, sorted, one per value (-0 and +0 are one) */
    mpfr_t *val = malloc((codes.n ? codes.n : 1) * sizeof *val);
    if (!val) {
        free(codes.v);
        return false;
    }
    size_t nv = 0;
    for (size_t i = 0; i < codes.n; i++) {
        fpq_class cls;
        mpfr_init2(val[nv], 64);
        fpq_decode(val[nv], &cls, NULL, f, codes.v[i]);
        if (cls == FPQ_CLASS_NAN || cls == FPQ_CLASS_INF)
            mpfr_clear(val[nv]);
        else
            nv++;
    }
    free(codes.v);
    qsort(val, nv, sizeof *val, cmp_mpfr);
    size_t u = 0;
    for (size_t i = 0; i < nv; i++) {
        if (u > 0 && mpfr_cmp(val[u - 1], val[i]) == 0) {
            mpfr_clear(val[i]);
            continue;
        }
        if (u != i)
            memcpy(val[u], val[i], sizeof val[i]); /* move the mpfr_t */
        u++;
    }
    nv = u;

    MPFR_DECL_INIT(t, MID_PREC);
    for (size_t i = 0; i < nv; i++) {
        add_points(out, s, val[i]);
        if (i + 1 == nv)
            break;
        int inexact = mpfr_add(t, val[i], val[i + 1], MPFR_RNDN);
        mpfr_div_2ui(t, t, 1, MPFR_RNDN);
        if (!enumerate && !adjacent(f, val[i], val[i + 1], t))
            continue;
        if (!inexact)
            add_points(out, s, t);
    }

    /* overflow thresholds: the midpoint to the next value of the grid
     * extended without bound, and that value; integers past both ends */
    if (nv > 0 && f->kind != FPQ_KIND_LUT) {
        MPFR_DECL_INIT(h, 64); /* half the gap past the largest value */
        const long eh = f->kind == FPQ_KIND_FLOAT ? mpfr_get_exp(val[nv - 1]) - 2 - (long)f->mbits : -1;
        mpfr_set_si_2exp(h, 1, eh, MPFR_RNDN);
        for (unsigned k = 1; k <= 2; k++) {
            mpfr_mul_ui(t, h, k, MPFR_RNDN);
            mpfr_add(t, t, val[nv - 1], MPFR_RNDN);
            add_points(out, s, t);
            if (f->kind == FPQ_KIND_INT) {
                mpfr_mul_ui(t, h, k, MPFR_RNDN);
                mpfr_sub(t, val[0], t, MPFR_RNDN);
                add_points(out, s, t);
            }
        }
        if (f->kind == FPQ_KIND_INT) { /* where fpq_encode stops rounding and clamps */
            mpfr_set_ui_2exp(t, 1, f->bits + 1, MPFR_RNDN);
            add_points(out, s, t);
        }
    }
    for (size_t i = 0; i < nv; i++)
        mpfr_clear(val[i]);
    free(val);

    /* fixed points: +0, +Inf, the source's landmarks (negated below) */
    const uint64_t fixed32[] = {0, 0x7f800000, 0x7f7fffff, 0x00800000, 0x00000001, 0x3f800000};
    const uint64_t fixed64[] = {0, UINT64_C(0x7ff0000000000000), UINT64_C(0x7fefffffffffffff),
                                UINT64_C(0x0010000000000000), 1, UINT64_C(0x3ff0000000000000)};
    for (size_t i = 0; i < 6; i++)
        keys_push(out, to_key(s, s->dbl ? fixed64[i] : fixed32[i]));

    /* both signs */
    const size_t n = out->n;
    const uint64_t sign = UINT64_C(1) << s->top;
    for (size_t i = 0; i < n && !out->failed; i++)
        keys_push(out, to_key(s, from_key(s, out->v[i]) ^ sign));
    if (out->failed)
        return false;
    qsort(out->v, out->n, sizeof *out->v, cmp_u64);
    u = 0;
    for (size_t i = 0; i < out->n; i++)
        if (u == 0 || out->v[u - 1] != out->v[i])
            out->v[u++] = out->v[i];
    out->n = u;
    return true;
}

/* NaNs appended after the sorted points: quiet, payloads, signalling; both signs. */
static const uint32_t nans32[] = {0x7fc00000, 0xffc00000, 0x7fc00001, 0xffc00001, 0x7fffffff,
                                  0xffffffff, 0x7f800001, 0xff800001, 0x7fa00000, 0xffa00000};
static const uint64_t nans64[] = {
    UINT64_C(0x7ff8000000000000), UINT64_C(0xfff8000000000000), UINT64_C(0x7ff8000000000001),
    UINT64_C(0xfff8000000000001), UINT64_C(0x7fffffffffffffff), UINT64_C(0xffffffffffffffff),
    UINT64_C(0x7ff0000000000001), UINT64_C(0xfff0000000000001), UINT64_C(0x7ff4000000000000),
    UINT64_C(0xfff4000000000000)};
#define NNANS (sizeof nans32 / sizeof nans32[0])

/* The points for a binary32 (dbl false) or binary64 source into out. */
static size_t boundaries(void *out, size_t max, const fpq_format *fmt, bool dbl)
{
    if (fpq_format_validate(fmt) != FPQ_OK || (max && !out))
        return 0;
    const source s = {.dbl = dbl, .top = dbl ? 63 : 31};
    keys k = {0};
    if (!build(&k, fmt, &s)) {
        free(k.v);
        return 0;
    }
    for (size_t i = 0; i < k.n + NNANS && i < max; i++) {
        uint64_t b = i < k.n ? from_key(&s, k.v[i]) : dbl ? nans64[i - k.n] : nans32[i - k.n];
        if (dbl) {
            memcpy((double *)out + i, &b, sizeof(double));
        } else {
            uint32_t b32 = (uint32_t)b;
            memcpy((float *)out + i, &b32, sizeof b32);
        }
    }
    size_t total = k.n + NNANS;
    free(k.v);
    return total;
}

size_t fpq_boundaries_f32(float *out, size_t max, const fpq_format *fmt) { return boundaries(out, max, fmt, false); }

size_t fpq_boundaries_f64(double *out, size_t max, const fpq_format *fmt) { return boundaries(out, max, fmt, true); }
