/* quant.c: fpq_quantize -- scales per unit, element rounding, dequantization.
 *
 * The tensor is seen through a "logical" matrix: rows x lc, where lc are
 * the columns left after the outlier split (all of them without one) and
 * column j of the logical matrix is physical column cmap[j].  A unit (the
 * elements sharing one scale) is a rectangle of the logical matrix: all of
 * it (tensor), a row, a column, or a group of G consecutive logical columns
 * of a row (axis 1) / rows of a column (axis 0); the last group of a row
 * (column) holds the remaining lc mod G (rows mod G) elements, if any, and
 * is scaled by its own maximum like the others.
 *
 * The steps:
 *   1. parameters per unit (scale S, zero-point Z, the range [qlo, qhi] of
 *      the scaled domain), from the calibration tensor or x itself;
 *   2. y = x / S rounded to odd in binary64 (see quant.h), per element;
 *   3. one bulk fpq_round_f64 of all of y into the element format (for
 *      zeropoint: into int32, the integers, then + Z and the clamp), with
 *      stochastic position = element index in the row-major tensor;
 *   4. x^ = q S (zeropoint: (q - Z) S);
 *   5. kept outlier columns: fpq_round_f64 of x into the kept format.
 * Steps 2 and 4 run on OpenMP threads over chunks of elements, the
 * parameters over units; every result is independent of the thread count
 * (counts are integer sums, the MSE search compares per-unit sums each
 * computed by one thread in a fixed order).
 *
 * Clipping is counted in the scaled domain: an element is clipped when the
 * exact x/S lies beyond an extreme value of the grid by more than half of
 * the grid's last step there (so that rounding to nearest on the grid
 * extended past its end would not return the extreme): int8 below -128.5
 * or above 127.5, e4m3 above 464, e2m1 above 7, (-Z-shifted) integers
 * likewise for zeropoint.  A maximum that the rounding of the scale pushed
 * a hair past the extreme is not clipped; a value that saturates is.  The
 * comparisons are exact: a quotient rounded to odd at 53 bits compares
 * with a number of at most 52 significant bits as the exact quotient does.
 */
#include "quant.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK 8192
/* Bits of the exact differences of binary64 values in MPFR (any two
 * doubles differ by an exact number of at most 2098 significant bits). */
#define WIDE_PREC 2200
/* Precision of MPFR quotients rounded to odd before one rounding into a
 * format of at most 53 bits (>= p + 2). */
#define ODD_PREC 128

static double value_of(const fpq_format *f, uint64_t bits)
{
    mpfr_t v;
    mpfr_init2(v, 64);
    fpq_decode(v, NULL, NULL, f, bits);
    double d = mpfr_get_d(v, MPFR_RNDN);
    mpfr_clear(v);
    return d;
}

/* Round v (an MPFR value rounded to odd, or exact) into f and return the
 * result as a double; *flags the flags. */
static double encode_value(const fpq_format *f, mpfr_srcptr v, const fpq_rounding *r, unsigned *flags)
{
    uint64_t bits;
    fpq_encode(&bits, flags, f, v, r);
    return value_of(f, bits);
}

/* ---------------------------------------------------------------------- */
/* Layout: the logical matrix and its units.                              */

typedef struct qlayout {
    size_t rows, cols;  /* physical shape */
    size_t lc;          /* logical columns */
    const size_t *cmap; /* logical -> physical column; NULL: identity */
    fpq_gran gran;
    size_t G;
    unsigned axis;
    size_t ng;     /* groups per row (axis 1) or per column (axis 0) */
    size_t nunits;
} qlayout;

static size_t ceil_div(size_t a, size_t b)
{
    return a / b + (a % b != 0);
}

static void layout_init(qlayout *L, size_t rows, size_t cols, size_t lc, const size_t *cmap,
                        const fpq_qspec *s)
{
    L->rows = rows;
    L->cols = cols;
    L->lc = lc;
    L->cmap = cmap;
    L->gran = s->granularity;
    L->G = s->group;
    L->axis = s->axis;
    L->ng = 0;
    if (rows == 0 || lc == 0) {
        L->nunits = 0;
        return;
    }
    switch (L->gran) {
    case FPQ_GRAN_TENSOR: L->nunits = 1; break;
    case FPQ_GRAN_ROW: L->nunits = rows; break;
    case FPQ_GRAN_COL: L->nunits = lc; break;
    default:
        if (L->axis == 0) {
            L->ng = ceil_div(rows, L->G);
            L->nunits = L->ng * lc;
        } else {
            L->ng = ceil_div(lc, L->G);
            L->nunits = rows * L->ng;
        }
        break;
    }
}

static inline size_t unit_of(const qlayout *L, size_t r, size_t j)
{
    switch (L->gran) {
    case FPQ_GRAN_TENSOR: return 0;
    case FPQ_GRAN_ROW: return r;
    case FPQ_GRAN_COL: return j;
    default: return L->axis == 0 ? (r / L->G) * L->lc + j : r * L->ng + j / L->G;
    }
}

/* Unit u's rectangle: rows [r0, r1), logical columns [j0, j1). */
static void unit_rect(const qlayout *L, size_t u, size_t *r0, size_t *r1, size_t *j0, size_t *j1)
{
    *r0 = 0;
    *r1 = L->rows;
    *j0 = 0;
    *j1 = L->lc;
    switch (L->gran) {
    case FPQ_GRAN_TENSOR: break;
    case FPQ_GRAN_ROW: *r0 = u, *r1 = u + 1; break;
    case FPQ_GRAN_COL: *j0 = u, *j1 = u + 1; break;
    default:
        if (L->axis == 0) {
            size_t g = u / L->lc, j = u % L->lc;
            *j0 = j, *j1 = j + 1;
            *r0 = g * L->G;
            *r1 = *r0 + L->G < L->rows ? *r0 + L->G : L->rows;
        } else {
            size_t r = u / L->ng, g = u % L->ng;
            *r0 = r, *r1 = r + 1;
            *j0 = g * L->G;
            *j1 = *j0 + L->G < L->lc ? *j0 + L->G : L->lc;
        }
        break;
    }
}

static inline size_t pidx(const qlayout *L, size_t r, size_t j)
{
    return r * L->cols + (L->cmap ? L->cmap[j] : j);
}

/* ---------------------------------------------------------------------- */
/* The quantizer's constants.                                             */

typedef struct uparam {
    double s;        /* scale */
    double z;        /* zero-point (zeropoint) */
    double qlo, qhi; /* y = x / s below qlo or above qhi is clipped */
    double ratio;    /* clip value / max (for clip_ratio) */
} uparam;

typedef struct qctx {
    const fpq_qspec *s;
    fpq_format elem;  /* the format of the element pass (int32 for zeropoint) */
    fpq_rounding rnd; /* its rounding: the spec's, saturating */
    bool ro;          /* quotients x / S rounded to odd */
    fpq_quotient quotient;
    fpq_sarith arith; /* fpq_qspec_arith */
    double qmax;      /* largest finite element value (mx int: in codes) */
    double qlowest;   /* lowest finite element value (mx int: in codes) */
    double clip_lo, clip_hi; /* clipping thresholds of y (but zeropoint) */
    double qmin_i, qmax_i;  /* zeropoint: the integer range */
    double mx_unit;   /* mx: value of element code 1 relative to X (int: 2^-(N-2)) */
    double max_elem;  /* mx/nvfp4: the element's largest value relative to X */
    unsigned mbits;   /* mx: the element's fraction bits (the EVEN rule) */
    /* scale rounding */
    fpq_format sfmt;
    fpq_rounding srnd;
    bool s_ro;
    double s_minpos, s_max;
} qctx;

static int ctx_init(qctx *c, const fpq_qspec *s)
{
    memset(c, 0, sizeof *c);
    c->s = s;
    c->rnd = s->rnd;
    const fpq_format *f = &s->format;
    fpq_landmarks lm;
    if (fpq_landmarks_get(&lm, f) != FPQ_OK)
        return FPQ_ERR_ARG;
    c->qmax = value_of(f, lm.max_finite);
    c->qlowest = value_of(f, lm.lowest);
    /* the grid's last steps: below the max, above the lowest */
    const double top_step = c->qmax - value_of(f, lm.max_finite - 1);
    const uint64_t lb = f->kind == FPQ_KIND_FLOAT && f->is_signed ? lm.lowest - 1 : lm.lowest + 1;
    const double low_step = value_of(f, lb) - c->qlowest;
    bool sym = f->kind == FPQ_KIND_INT && f->is_signed
               && (c->rnd.int_symmetric || s->scheme == FPQ_SCHEME_MX);
    if (sym)
        c->qlowest = -c->qmax;
    c->clip_hi = c->qmax + top_step / 2;
    c->clip_lo = sym ? -c->clip_hi : c->qlowest - low_step / 2;
    c->elem = *f;
    c->ro = fpq_format_precision(f) <= 51;
    c->quotient = s->quotient;
    c->arith = fpq_qspec_arith(s);

    switch (s->scheme) {
    case FPQ_SCHEME_ZEROPOINT:
        if (fpq_format_parse(&c->elem, "int32") != FPQ_OK)
            return FPQ_ERR_ARG;
        c->rnd.int_symmetric = false;
        c->ro = true;
        c->qmin_i = c->qlowest;
        c->qmax_i = c->qmax;
        break;
    case FPQ_SCHEME_MX:
        if (f->kind == FPQ_KIND_INT) {
            /* MXINT8: two's complement, -128 unused, code k means k/64
             * (OCP MX 1.0 §5.3.4); intN likewise with k / 2^(N-2). */
            c->rnd.int_symmetric = true;
            c->mx_unit = ldexp(1.0, -(int)(f->bits - 2));
            c->mbits = f->bits - 2;
        } else {
            c->mx_unit = 1.0;
            c->mbits = fpq_format_precision(f) - 1;
        }
        c->max_elem = c->qmax * c->mx_unit;
        break;
    case FPQ_SCHEME_NVFP4:
        c->max_elem = c->qmax;
        break;
    default:
        break;
    }

    if (s->scale_exact) {
        if (fpq_format_parse(&c->sfmt, "fp64") != FPQ_OK)
            return FPQ_ERR_ARG;
        c->s_ro = false;
        c->s_minpos = DBL_MIN;
        c->s_max = DBL_MAX;
        fpq_rounding_default(&c->srnd);
    } else {
        c->sfmt = s->scale_format;
        c->s_ro = fpq_format_precision(&c->sfmt) <= 51;
        fpq_landmarks slm;
        if (fpq_landmarks_get(&slm, &c->sfmt) != FPQ_OK)
            return FPQ_ERR_ARG;
        c->s_minpos = value_of(&c->sfmt, slm.min_positive);
        c->s_max = value_of(&c->sfmt, slm.max_finite);
        fpq_rounding_default(&c->srnd);
        c->srnd.mode = s->scale_round;
    }
    c->srnd.overflow = FPQ_OVF_SATURATE;
    return FPQ_OK;
}

/* ---------------------------------------------------------------------- */
/* Unit statistics.                                                       */

typedef struct ustat {
    double amax, mn, mx;
} ustat;

static void unit_stats(ustat *st, const fpq_tensor *t, const qlayout *L)
{
#pragma omp parallel for schedule(static)
    for (size_t u = 0; u < L->nunits; u++) {
        size_t r0, r1, j0, j1;
        unit_rect(L, u, &r0, &r1, &j0, &j1);
        double amax = 0, mn = INFINITY, mx = -INFINITY;
        for (size_t r = r0; r < r1; r++)
            for (size_t j = j0; j < j1; j++) {
                double v = t->data[pidx(L, r, j)];
                if (fabs(v) > amax)
                    amax = fabs(v);
                if (v < mn)
                    mn = v;
                if (v > mx)
                    mx = v;
            }
        st[u].amax = amax;
        st[u].mn = mn;
        st[u].mx = mx;
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest rank: the k-th smallest of m values, k = ceil(P m / 100), with
 * P m / 100 within 1e-9 of an integer taken as that integer (so that
 * percentile:99.9 of 1000 values is the 999th, despite 99.9's binary
 * value); 1 <= k <= m. */
static size_t nearest_rank(double p, size_t m)
{
    double t = p * (double)m / 100.0;
    double k = ceil(t - 1e-9);
    if (k < 1)
        k = 1;
    if (k > (double)m)
        k = (double)m;
    return (size_t)k;
}

/* Percentile clip values per unit: absmax: c[u] of |x|; zeropoint: lo[u]
 * and hi[u] of x, the mirrored ranks m + 1 - k and k. */
static int unit_percentiles(double *c, double *lo, double *hi, const fpq_tensor *t, const qlayout *L,
                            double p, bool signed_range)
{
    int fail = 0;
#pragma omp parallel for schedule(dynamic, 16)
    for (size_t u = 0; u < L->nunits; u++) {
        size_t r0, r1, j0, j1;
        unit_rect(L, u, &r0, &r1, &j0, &j1);
        size_t m = (r1 - r0) * (j1 - j0), i = 0;
        double *buf = malloc(m * sizeof *buf);
        if (!buf) {
#pragma omp atomic write
            fail = 1;
            continue;
        }
        for (size_t r = r0; r < r1; r++)
            for (size_t j = j0; j < j1; j++) {
                double v = t->data[pidx(L, r, j)];
                buf[i++] = signed_range ? v : fabs(v);
            }
        qsort(buf, m, sizeof *buf, cmp_double);
        size_t k = nearest_rank(p, m);
        if (signed_range) {
            hi[u] = buf[k - 1];
            lo[u] = buf[m - k];
        } else {
            c[u] = buf[k - 1];
        }
        free(buf);
    }
    return fail ? FPQ_ERR_NO_MEMORY : FPQ_OK;
}

/* ---------------------------------------------------------------------- */
/* Parameters from clip values.                                           */

/* absmax: S = c / qmax rounded once into the scale format (c = 0: the
 * format's least positive value); under an arithmetic format, c / qmax is
 * rounded to it first. */
static int absmax_params(uparam *P, const double *c, const ustat *st, size_t U, const qctx *q)
{
    double *sv = calloc(U ? U : 1, sizeof *sv);
    if (!sv)
        return FPQ_ERR_NO_MEMORY;
    for (size_t u = 0; u < U; u++)
        sv[u] = !(c[u] > 0) ? 0
                : q->arith == FPQ_SARITH_EXACT ? fpq_quot(c[u], q->qmax, q->s_ro)
                                               : fpq_sarith_div(q->arith, c[u], q->qmax);
    if (!q->s->scale_exact)
        fpq_round_f64(sv, sv, U, &q->sfmt, &q->srnd);
    for (size_t u = 0; u < U; u++) {
        P[u].s = c[u] > 0 && sv[u] > 0 ? sv[u] : q->s_minpos;
        P[u].z = 0;
        P[u].qlo = q->clip_lo;
        P[u].qhi = q->clip_hi;
        P[u].ratio = st[u].amax > 0 ? c[u] / st[u].amax : 1.0;
    }
    free(sv);
    return FPQ_OK;
}

/* *f the preset called name and *r round to nearest even, saturating.
 * FPQ_ERR_ARG when name is no format. */
static int saturating_rne(fpq_format *f, fpq_rounding *r, const char *name)
{
    fpq_rounding_default(r);
    r->overflow = FPQ_OVF_SATURATE;
    return fpq_format_parse(f, name) == FPQ_OK ? FPQ_OK : FPQ_ERR_ARG;
}

/* zeropoint on [lo, hi]: S = (hi - lo) / (qmax - qmin) and Z = round(qmin -
 * lo / S) (nearest even), each computed exactly and rounded once; a range
 * of one value is widened to include 0, and [0, 0] takes the least
 * positive scale (Z = qmin).  Returns FPQ_LAB_ERR_FORMAT when |Z| > 2^30,
 * with *bad_u the unit. */
static int zeropoint_params(uparam *P, const double *lo, const double *hi, const ustat *st, size_t U,
                            const qctx *q, size_t *bad_u)
{
    int status = FPQ_OK;
    size_t bad = SIZE_MAX;
    fpq_format i32;
    fpq_rounding rne;
    if (saturating_rne(&i32, &rne, "int32") != FPQ_OK)
        return FPQ_ERR_ARG;
#pragma omp parallel
    {
        mpfr_t d, t, qq, sv;
        mpfr_inits2(WIDE_PREC, d, t, (mpfr_ptr)0);
        mpfr_inits2(ODD_PREC, qq, (mpfr_ptr)0);
        mpfr_init2(sv, 64);
#pragma omp for schedule(static)
        for (size_t u = 0; u < U; u++) {
            double l = lo[u], h = hi[u];
            if (l == h) {
                l = fmin(l, 0);
                h = fmax(h, 0);
            }
            double S, Z;
            if (l == h) { /* all zero */
                S = q->s_minpos;
                Z = q->qmin_i;
            } else {
                mpfr_set_d(d, h, MPFR_RNDN);
                mpfr_sub_d(d, d, l, MPFR_RNDN); /* exact at WIDE_PREC */
                mpfr_set_d(t, q->qmax_i - q->qmin_i, MPFR_RNDN);
                if (q->arith == FPQ_SARITH_EXACT)
                    fpq_mpfr_odd(qq, mpfr_div(qq, d, t, MPFR_RNDZ)); /* rounded to odd */
                else { /* fl(fl(hi - lo) / (qmax - qmin)) */
                    double dd = q->arith == FPQ_SARITH_FP32 ? (double)mpfr_get_flt(d, MPFR_RNDN)
                                                           : mpfr_get_d(d, MPFR_RNDN);
                    mpfr_set_d(qq, fpq_sarith_div(q->arith, dd, q->qmax_i - q->qmin_i), MPFR_RNDN);
                }
                unsigned fl;
                S = encode_value(&q->sfmt, qq, &q->srnd, &fl);
                if (!(S > 0))
                    S = q->s_minpos;
                /* Z = round((qmin S - lo) / S) */
                mpfr_set_d(sv, S, MPFR_RNDN);
                mpfr_mul_d(t, sv, q->qmin_i, MPFR_RNDN); /* exact: <= 53 + 25 bits */
                mpfr_sub_d(t, t, l, MPFR_RNDN);          /* exact at WIDE_PREC */
                fpq_mpfr_odd(qq, mpfr_div(qq, t, sv, MPFR_RNDZ));
                Z = encode_value(&i32, qq, &rne, &fl);
                if (fabs(Z) > 0x1p30) {
#pragma omp critical(fpq_zp_bad)
                    {
                        if (u < bad)
                            bad = u;
                    }
                }
            }
            P[u].s = S;
            P[u].z = Z;
            P[u].qlo = q->qmin_i - Z - 0.5;
            P[u].qhi = q->qmax_i - Z + 0.5;
            double span = st[u].mx - st[u].mn;
            P[u].ratio = span > 0 ? (h - l) / span : 1.0;
        }
        mpfr_clears(d, t, qq, sv, (mpfr_ptr)0);
    }
    if (bad != SIZE_MAX) {
        *bad_u = bad;
        status = FPQ_LAB_ERR_FORMAT;
    }
    return status;
}

/* mx: X = 2^k by the rule; elements are codes of X * mx_unit. */
static void mx_params(uparam *P, const ustat *st, size_t U, const qctx *q)
{
    for (size_t u = 0; u < U; u++) {
        int k = fpq_mx_scale_exp(st[u].amax, q->max_elem, q->mbits, q->s->mx_rule);
        P[u].s = ldexp(q->mx_unit, k);
        P[u].z = 0;
        P[u].qlo = q->clip_lo;
        P[u].qhi = q->clip_hi;
        P[u].ratio = 1.0;
    }
}

/* nvfp4 (NVIDIA NVFP4): s_t = fp32(amax / (tmax max_elem)) (1 without the
 * tensor scale, or for an all-zero tensor), s_b = e4m3(clamp(amax_b /
 * (top s_t), 2^-6, 448)), S = s_t s_b (exact in binary64).  tmax: 448 (the
 * scale format's largest value), 256 under 4over6; top: the element value
 * the block max maps to, max_elem (6) or 4. */
static int nvfp4_params(uparam *P, const ustat *st, size_t U, const qctx *q, double top)
{
    double amax = 0;
    for (size_t u = 0; u < U; u++)
        if (st[u].amax > amax)
            amax = st[u].amax;
    fpq_landmarks slm;
    if (fpq_landmarks_get(&slm, &q->sfmt) != FPQ_OK)
        return FPQ_ERR_ARG;
    const double smax = value_of(&q->sfmt, slm.max_finite);  /* 448 */
    const double smin = value_of(&q->sfmt, slm.min_normal);  /* 2^-6 */
    const double tmax = q->s->mx_rule == FPQ_NV_4OVER6 ? 256 : smax;
    double s_t = 1.0;
    if (q->s->tensor_scale && amax > 0) {
        fpq_format f32;
        fpq_rounding r;
        if (saturating_rne(&f32, &r, "fp32") != FPQ_OK)
            return FPQ_ERR_ARG;
        double v = fpq_quot(amax, tmax * q->max_elem, true); /* 448 * 6 exact */
        fpq_round_f64(&s_t, &v, 1, &f32, &r);
        if (!(s_t > 0))
            s_t = 0x1p-149;
    }
    double *sv = calloc(U ? U : 1, sizeof *sv);
    if (!sv)
        return FPQ_ERR_NO_MEMORY;
    const double d = top * s_t; /* exact: 24-bit s_t times a short max */
    for (size_t u = 0; u < U; u++) {
        double v = q->arith == FPQ_SARITH_EXACT ? fpq_quot(st[u].amax, d, true)
                                                : fpq_sarith_div(q->arith, st[u].amax, d);
        sv[u] = v < smin ? smin : v > smax ? smax : v;
    }
    fpq_round_f64(sv, sv, U, &q->sfmt, &q->srnd);
    for (size_t u = 0; u < U; u++) {
        P[u].s = s_t * sv[u];
        P[u].z = 0;
        P[u].qlo = q->clip_lo;
        P[u].qhi = q->clip_hi;
        P[u].ratio = 1.0;
    }
    free(sv);
    return FPQ_OK;
}

/* ---------------------------------------------------------------------- */
/* Applying parameters.                                                   */

/* A walk over the elements of chunk ch (CHUNK consecutive elements of the
 * logical rows x lc layout) in order: element i, logical row r, column j. */
typedef struct walk {
    size_t i, end, r, j;
} walk;

static inline walk walk_start(const qlayout *L, size_t ch, size_t total)
{
    const size_t i = ch * CHUNK;
    walk w = {i, i + CHUNK < total ? i + CHUNK : total, i / L->lc, i % L->lc};
    return w;
}

static inline void walk_next(walk *w, const qlayout *L)
{
    w->i++;
    if (++w->j == L->lc) {
        w->j = 0;
        w->r++;
    }
}

/* The quotient y = x / s as q->quotient forms it. */
static inline double quotient(double x, double s, const qctx *q)
{
    switch (q->quotient) {
    case FPQ_QUOTIENT_DIV: return fpq_sarith_div(q->arith, x, s);
    case FPQ_QUOTIENT_RECIP: return fpq_sarith_mul(q->arith, x, fpq_sarith_div(q->arith, 1.0, s));
    default: return fpq_quot(x, s, q->ro);
    }
}

/* xh (physical shape of x) = x^ under P for the logical elements of x;
 * other positions of xh are left to the caller (they are rounded with the
 * rest, so they must hold finite values).  *nclip: elements outside their
 * unit's range.  codes (may be NULL): the codes of every position. */
static int apply(double *xh, size_t *nclip, int64_t *codes, const fpq_tensor *x, const qlayout *L,
                 const uparam *P, const qctx *q)
{
    const size_t total = L->rows * L->lc;
    const size_t nch = ceil_div(total, CHUNK);
    const bool zp = q->s->scheme == FPQ_SCHEME_ZEROPOINT;
    size_t clip = 0;
#pragma omp parallel for schedule(static) reduction(+ : clip)
    for (size_t ch = 0; ch < nch; ch++)
        for (walk w = walk_start(L, ch, total); w.i < w.end; walk_next(&w, L)) {
            const uparam *p = &P[unit_of(L, w.r, w.j)];
            size_t k = pidx(L, w.r, w.j);
            double y = quotient(x->data[k], p->s, q);
            if (y < p->qlo || y > p->qhi)
                clip++;
            xh[k] = y;
        }
    size_t n = fpq_tensor_size(x);
    int st = fpq_round_f64(xh, xh, n, &q->elem, &q->rnd);
    if (st == FPQ_OK && codes && !zp)
        st = fpq_qcodes(codes, xh, n, &q->elem);
    if (st != FPQ_OK)
        return st;
#pragma omp parallel for schedule(static)
    for (size_t ch = 0; ch < nch; ch++)
        for (walk w = walk_start(L, ch, total); w.i < w.end; walk_next(&w, L)) {
            const uparam *p = &P[unit_of(L, w.r, w.j)];
            size_t k = pidx(L, w.r, w.j);
            if (zp) {
                double v = xh[k] + p->z; /* |q0| <= 2^31, |Z| <= 2^30: exact */
                v = v < q->qmin_i ? q->qmin_i : v > q->qmax_i ? q->qmax_i : v;
                if (codes)
                    codes[k] = (int64_t)v;
                xh[k] = (v - p->z) * p->s;
            } else {
                xh[k] = xh[k] * p->s;
            }
        }
    *nclip = clip;
    return FPQ_OK;
}

/* Sum of squared errors per unit (plain binary64 in the unit's fixed
 * order: a search criterion only). */
static void unit_sse(double *sse, const double *xh, const fpq_tensor *x, const qlayout *L)
{
#pragma omp parallel for schedule(static)
    for (size_t u = 0; u < L->nunits; u++) {
        size_t r0, r1, j0, j1;
        unit_rect(L, u, &r0, &r1, &j0, &j1);
        double s = 0;
        for (size_t r = r0; r < r1; r++)
            for (size_t j = j0; j < j1; j++) {
                size_t k = pidx(L, r, j);
                double e = xh[k] - x->data[k];
                s += e * e;
            }
        sse[u] = s;
    }
}

/* Parameters of every unit from the clip ratio ratio[u] (absmax: c = r
 * amax; zeropoint: [r min, r max]). */
static int params_from_ratios(uparam *P, const double *ratio, const ustat *st, size_t U, const qctx *q,
                              double *c, double *lo, double *hi, size_t *bad_u)
{
    if (q->s->scheme == FPQ_SCHEME_ZEROPOINT) {
        for (size_t u = 0; u < U; u++) {
            lo[u] = ratio[u] * st[u].mn;
            hi[u] = ratio[u] * st[u].mx;
        }
        return zeropoint_params(P, lo, hi, st, U, q, bad_u);
    }
    for (size_t u = 0; u < U; u++)
        c[u] = ratio[u] * st[u].amax;
    return absmax_params(P, c, st, U, q);
}

/* The parameters of every unit from the reference tensor t. */
static int compute_params(uparam *P, const fpq_tensor *t, const qlayout *L,
                          const qctx *q, size_t *bad_u)
{
    const fpq_qspec *s = q->s;
    const size_t U = L->nunits;
    const size_t U1 = U ? U : 1;
    int st = FPQ_OK;
    ustat *us = malloc(U1 * sizeof *us);
    double *c = malloc(U1 * sizeof *c), *lo = malloc(U1 * sizeof *lo), *hi = malloc(U1 * sizeof *hi);
    double *ratio = malloc(U1 * sizeof *ratio);
    double *best = NULL, *sse = NULL, *scratch = NULL, *best_r = NULL;
    uparam *cand = NULL;
    if (!us || !c || !lo || !hi || !ratio) {
        st = FPQ_ERR_NO_MEMORY;
        goto done;
    }
    unit_stats(us, t, L);

    if (s->scheme == FPQ_SCHEME_MX) {
        mx_params(P, us, U, q);
        goto done;
    }
    if (s->scheme == FPQ_SCHEME_NVFP4) {
        st = nvfp4_params(P, us, U, q, q->max_elem);
        if (st != FPQ_OK || s->mx_rule != FPQ_NV_4OVER6)
            goto done;
        /* Four Over Six: the block max to 4 where that has the lower sum of
         * squared errors (6 on a tie) */
        sse = malloc(U1 * sizeof *sse), best = malloc(U1 * sizeof *best);
        cand = malloc(U1 * sizeof *cand), scratch = calloc(fpq_tensor_size(t), sizeof *scratch);
        size_t nclip;
        if (!sse || !best || !cand || !scratch)
            st = FPQ_ERR_NO_MEMORY;
        if (st == FPQ_OK && (st = apply(scratch, &nclip, NULL, t, L, P, q)) == FPQ_OK) {
            unit_sse(best, scratch, t, L);
            if ((st = nvfp4_params(cand, us, U, q, 4.0)) == FPQ_OK
                && (st = apply(scratch, &nclip, NULL, t, L, cand, q)) == FPQ_OK) {
                unit_sse(sse, scratch, t, L);
                for (size_t u = 0; u < U; u++)
                    if (sse[u] < best[u])
                        P[u] = cand[u];
            }
        }
        goto done;
    }
    const bool zp = s->scheme == FPQ_SCHEME_ZEROPOINT;
    switch (s->range) {
    case FPQ_RANGE_PERCENTILE:
        st = unit_percentiles(c, lo, hi, t, L, s->percentile, zp);
        if (st == FPQ_OK)
            st = zp ? zeropoint_params(P, lo, hi, us, U, q, bad_u) : absmax_params(P, c, us, U, q);
        break;
    case FPQ_RANGE_MSE: {
        /* ratios k / steps from 1 down; a unit keeps the first ratio of
         * least squared error (ties go to the larger ratio) */
        best = malloc(U1 * sizeof *best);
        sse = malloc(U1 * sizeof *sse);
        cand = malloc(U1 * sizeof *cand);
        scratch = calloc(fpq_tensor_size(t), sizeof *scratch);
        best_r = malloc(U1 * sizeof *best_r);
        if (!best || !sse || !cand || !scratch || !best_r) {
            st = FPQ_ERR_NO_MEMORY;
            break;
        }
        for (unsigned k = s->mse_steps; k >= 1 && st == FPQ_OK; k--) {
            double r = (double)k / (double)s->mse_steps;
            for (size_t u = 0; u < U; u++)
                ratio[u] = r;
            st = params_from_ratios(cand, ratio, us, U, q, c, lo, hi, bad_u);
            if (st == FPQ_LAB_ERR_FORMAT && k < s->mse_steps) {
                /* a clipped range may push a zero-point out of reach:
                 * the ratio is skipped for every unit */
                st = FPQ_OK;
                continue;
            }
            if (st != FPQ_OK)
                break;
            size_t nclip;
            if ((st = apply(scratch, &nclip, NULL, t, L, cand, q)) != FPQ_OK)
                break;
            unit_sse(sse, scratch, t, L);
            for (size_t u = 0; u < U; u++)
                if (k == s->mse_steps || sse[u] < best[u]) {
                    best[u] = sse[u];
                    best_r[u] = r;
                }
        }
        if (st == FPQ_OK)
            st = params_from_ratios(P, best_r, us, U, q, c, lo, hi, bad_u);
        break;
    }
    default:
        if (zp) {
            for (size_t u = 0; u < U; u++) {
                lo[u] = us[u].mn;
                hi[u] = us[u].mx;
            }
            st = zeropoint_params(P, lo, hi, us, U, q, bad_u);
        } else {
            for (size_t u = 0; u < U; u++)
                c[u] = us[u].amax;
            st = absmax_params(P, c, us, U, q);
        }
        break;
    }
done:
    free(us), free(c), free(lo), free(hi), free(ratio);
    free(best), free(sse), free(cand), free(scratch), free(best_r);
    return st;
}

/* ---------------------------------------------------------------------- */
/* The driver.                                                            */

/* Outlier columns of t: any |x| >= T.  out[c] = 1 for those. */
static size_t outlier_columns(unsigned char *out, const fpq_tensor *t, double T)
{
    memset(out, 0, t->cols);
    if (!(T > 0))
        return 0;
    for (size_t r = 0; r < t->rows; r++)
        for (size_t c = 0; c < t->cols; c++)
            if (fabs(t->data[r * t->cols + c]) >= T)
                out[c] = 1;
    size_t k = 0;
    for (size_t c = 0; c < t->cols; c++)
        k += out[c];
    return k;
}

/* Kept columns: x^ = x rounded to nearest even in the kept format,
 * saturating; *nclip: x beyond an extreme value by more than half the
 * last step there. */
static int keep_outliers(double *xh, size_t *nclip, const fpq_tensor *x, const unsigned char *mask,
                         const fpq_qspec *s)
{
    fpq_rounding r;
    fpq_rounding_default(&r);
    r.overflow = FPQ_OVF_SATURATE;
    fpq_landmarks lm;
    if (fpq_landmarks_get(&lm, &s->kept_format) != FPQ_OK)
        return FPQ_ERR_ARG;
    const fpq_format *f = &s->kept_format;
    double kmax = value_of(f, lm.max_finite), klow = value_of(f, lm.lowest);
    kmax += (kmax - value_of(f, lm.max_finite - 1)) / 2;
    const uint64_t lb = f->kind == FPQ_KIND_FLOAT && f->is_signed ? lm.lowest - 1 : lm.lowest + 1;
    klow -= (value_of(f, lb) - klow) / 2;
    size_t clip = 0;
    for (size_t row = 0; row < x->rows; row++) {
        size_t c = 0;
        while (c < x->cols) {
            if (!mask[c]) {
                c++;
                continue;
            }
            size_t c0 = c;
            while (c < x->cols && mask[c])
                c++;
            size_t k = row * x->cols + c0;
            for (size_t i = k; i < k + (c - c0); i++)
                clip += x->data[i] > kmax || x->data[i] < klow;
            r.position = s->rnd.position + k;
            int st = fpq_round_f64(xh + k, x->data + k, c - c0, &s->kept_format, &r);
            if (st != FPQ_OK)
                return st;
        }
    }
    *nclip = clip;
    return FPQ_OK;
}

/* The scales (and zero-points) of the units of L into parts, shaped as
 * quant.h says. */
static int parts_units(fpq_qparts *parts, const qlayout *L, const uparam *P, bool zp)
{
    size_t r = 1, c = 1;
    switch (L->gran) {
    case FPQ_GRAN_TENSOR: break;
    case FPQ_GRAN_ROW: r = L->rows; break;
    case FPQ_GRAN_COL: c = L->lc; break;
    default:
        r = L->axis == 0 ? L->ng : L->rows;
        c = L->axis == 0 ? L->lc : L->ng;
        break;
    }
    if (L->nunits == 0)
        return FPQ_OK;
    int st = fpq_tensor_alloc(&parts->scales, r, c);
    if (st == FPQ_OK && zp)
        st = fpq_tensor_alloc(&parts->zero_points, r, c);
    for (size_t u = 0; st == FPQ_OK && u < L->nunits; u++) {
        parts->scales.data[u] = P[u].s;
        if (zp)
            parts->zero_points.data[u] = P[u].z;
    }
    return st;
}

int fpq_quantize(fpq_tensor *xhat, fpq_qmetrics *m, const fpq_tensor *x, const fpq_tensor *calib,
                 const fpq_qspec *s, fpq_errbuf *err)
{
    return fpq_quantize_parts(xhat, m, NULL, x, calib, s, err);
}

int fpq_quantize_parts(fpq_tensor *xhat, fpq_qmetrics *m, fpq_qparts *parts, const fpq_tensor *x,
                       const fpq_tensor *calib, const fpq_qspec *s, fpq_errbuf *err)
{
    if (xhat) {
        xhat->rows = xhat->cols = 0;
        xhat->data = NULL;
    }
    if (parts)
        memset(parts, 0, sizeof *parts);
    if (!x)
        return fpq_err(err, FPQ_ERR_ARG, "no input tensor");
    int st = fpq_qspec_validate(s, err);
    if (st != FPQ_OK)
        return st;
    if (fpq_tensor_size(x) == 0)
        return fpq_err(err, FPQ_LAB_ERR_EMPTY, "the input tensor is empty (%zu x %zu): nothing to quantize",
                       x->rows, x->cols);
    if (calib && fpq_tensor_size(calib) == 0)
        return fpq_err(err, FPQ_LAB_ERR_EMPTY, "the calibration tensor is empty (%zu x %zu)", calib->rows,
                       calib->cols);
    if ((st = fpq_tensor_check_finite(x, "input", err)) != FPQ_OK)
        return st;
    if (calib && (st = fpq_tensor_check_finite(calib, "calibration", err)) != FPQ_OK)
        return st;
    if (calib && (st = fpq_qspec_check_calib(x, calib, s, err)) != FPQ_OK)
        return st;
    const fpq_tensor *ref = calib ? calib : x;
    const size_t n = fpq_tensor_size(x);

    qctx q;
    if (ctx_init(&q, s) != FPQ_OK)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "spec: a format without landmarks");

    unsigned char *mask = calloc(x->cols, 1);
    size_t *cmap = malloc(x->cols * sizeof *cmap);
    uparam *P = NULL;
    fpq_tensor out = FPQ_TENSOR_INIT;
    if (!mask || !cmap) {
        st = FPQ_ERR_NO_MEMORY;
        goto fail;
    }
    /* outlier columns from ref, which has x's columns (fpq_qspec_check_calib) */
    size_t ocols = s->outlier > 0 ? outlier_columns(mask, ref, s->outlier) : 0;
    size_t lc = 0;
    for (size_t c = 0; c < x->cols; c++)
        if (!mask[c])
            cmap[lc++] = c;

    qlayout Lx, Lr;
    layout_init(&Lx, x->rows, x->cols, lc, ocols ? cmap : NULL, s);
    layout_init(&Lr, ref->rows, ref->cols, ref->cols - ocols, ocols ? cmap : NULL, s);
    /* the same units by fpq_qspec_check_calib (tensor granularity: one each) */
    P = malloc((Lr.nunits ? Lr.nunits : 1) * sizeof *P);
    if (!P) {
        st = FPQ_ERR_NO_MEMORY;
        goto fail;
    }
    size_t bad_u = 0;
    st = compute_params(P, ref, &Lr, &q, &bad_u);
    if (st == FPQ_LAB_ERR_FORMAT) {
        size_t r0, r1, j0, j1;
        unit_rect(&Lr, bad_u, &r0, &r1, &j0, &j1);
        fpq_err(err, st, "zero-point of the unit at row %zu, column %zu lies beyond +-2^30: the %s data's "
                "offset from zero is too large for its range; use absmax or center the data",
                r0, Lr.cmap ? Lr.cmap[j0] : j0, calib ? "calibration" : "input");
        goto fail_quiet;
    }
    if (st != FPQ_OK)
        goto fail;

    if ((st = fpq_tensor_alloc(&out, x->rows, x->cols)) != FPQ_OK)
        goto fail;
    size_t nclip = 0, kclip = 0;
    if (parts) {
        parts->n = n;
        if (!(parts->codes = calloc(n, sizeof *parts->codes))) {
            st = FPQ_ERR_NO_MEMORY;
            goto fail;
        }
        if ((st = parts_units(parts, &Lx, P, s->scheme == FPQ_SCHEME_ZEROPOINT)) != FPQ_OK)
            goto fail;
    }
    if ((st = apply(out.data, &nclip, parts ? parts->codes : NULL, x, &Lx, P, &q)) != FPQ_OK)
        goto fail;
    if (ocols && (st = keep_outliers(out.data, &kclip, x, mask, s)) != FPQ_OK)
        goto fail;
    for (size_t k = 0; parts && ocols && k < n && st == FPQ_OK; k++)
        if (mask[k % x->cols])
            st = fpq_qcodes(parts->codes + k, out.data + k, 1, &s->kept_format);
    if (st != FPQ_OK)
        goto fail;

    if (m) {
        st = fpq_qmetrics_compute(m, x, &out, s->exact_metrics, err);
        if (st != FPQ_OK)
            goto fail_quiet;
        m->n_clipped = nclip + kclip;
        m->clipped_frac = (double)m->n_clipped / (double)n;
        m->outlier_cols = ocols;
        m->n_outlier = ocols * x->rows;
        m->outlier_frac = (double)m->n_outlier / (double)n;
        m->bits_per_value = fpq_qspec_bits_per_value(s, x->rows, x->cols, ocols);
        m->units = Lx.nunits;
        double rs = 0;
        for (size_t u = 0; u < Lr.nunits; u++)
            rs += P[u].ratio;
        m->clip_ratio = Lr.nunits ? rs / (double)Lr.nunits : 1.0;
    }
    free(mask);
    free(cmap);
    free(P);
    if (xhat)
        *xhat = out;
    else
        fpq_tensor_free(&out);
    return FPQ_OK;

fail:
    fpq_err(err, st, "quantize: %s", fpq_lab_strerror(st));
fail_quiet:
    free(mask);
    free(cmap);
    free(P);
    fpq_tensor_free(&out);
    fpq_qparts_free(parts);
    return st;
}
