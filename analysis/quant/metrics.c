/* metrics.c: error metrics of a dequantized tensor against the original.
 *
 * Double path: per element e = x^ - x, e^2, x^2, x^^2, x x^ and |e|/|x| in
 * binary64; the sums are Neumaier-compensated, one partial sum per chunk of
 * CHUNK consecutive elements, and the partials combined in chunk order, so
 * the result does not depend on the number of threads.
 * Exact path (--exact): the same sums with every difference, product,
 * quotient and addition rounded once in MPFR at EXACT_PREC bits, combined
 * in the same order; the metrics are derived in MPFR and rounded once to
 * binary64.  With at most 2^40 terms each sum is then within 2^-200 of the
 * exact one relatively (terms of one sign) -- far below binary64.
 *
 * Both paths start from one scan of the values: the fractions flushed to
 * zero, overflowed and NaN, and the largest magnitude.  Outputs that are
 * not finite end the computation there (the error is infinite: the
 * convention of quant.h).  A largest magnitude beyond 2^+-500 sets a
 * power-of-two scale for the double path, so squares and sums cannot
 * overflow or underflow; SQNR, NMSE, cosine and relative error do not
 * depend on it, mse, rmse, max_abs_err and bias are scaled back.
 */
#include "quant.h"
#include "stats.h" /* fpq_nsum */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK 4096
#define EXACT_PREC 256

const char *const fpq_qmetric_names[FPQ_QMETRIC_COUNT] = {
    "mse",          "rmse",          "nmse",         "sqnr_db",          "lossless",
    "max_abs_err",  "mean_rel_err",  "cos_sim",      "bias",             "clipped_frac",
    "flushed_frac", "overflow_frac", "nan_frac",     "outlier_frac",     "bits_per_value",
};

double fpq_qmetric(const fpq_qmetrics *m, size_t i)
{
    switch (i) {
    case 0: return m->mse;
    case 1: return m->rmse;
    case 2: return m->nmse;
    case 3: return m->sqnr_db;
    case 4: return m->lossless;
    case 5: return m->max_abs_err;
    case 6: return m->mean_rel_err;
    case 7: return m->cos_sim;
    case 8: return m->bias;
    case 9: return m->clipped_frac;
    case 10: return m->flushed_frac;
    case 11: return m->overflow_frac;
    case 12: return m->nan_frac;
    case 13: return m->outlier_frac;
    case 14: return m->bits_per_value;
    default: return NAN;
    }
}

/* The sums of one chunk (or of all). */
enum { S_EE, S_XX, S_HH, S_XH, S_E, S_REL, NSUMS };

typedef struct part {
    fpq_nsum s[NSUMS];
    double max_abs;
    size_t nnz;
} part;

/* SQNR in dB of the sums, capped (quant.h). */
static double sqnr_capped(double sxx, double see)
{
    if (see <= 0)
        return FPQ_SQNR_CAP_DB;
    if (sxx <= 0)
        return -INFINITY;
    double db = 10.0 * log10(sxx / see);
    return db < FPQ_SQNR_CAP_DB ? db : FPQ_SQNR_CAP_DB;
}

/* The derived metrics from the sums of values multiplied by 2^k (double
 * path). */
static void derive(fpq_qmetrics *m, const double *s, double max_abs, size_t nnz, size_t n, int k)
{
    double see = s[S_EE], sxx = s[S_XX], shh = s[S_HH];
    m->mse = ldexp(see / (double)n, -2 * k);
    m->rmse = ldexp(sqrt(see / (double)n), -k);
    m->nmse = sxx > 0 ? see / sxx : (see > 0 ? INFINITY : 0.0);
    m->sqnr_db = sqnr_capped(sxx, see);
    m->lossless = see == 0;
    m->max_abs_err = ldexp(max_abs, -k);
    m->mean_rel_err = nnz ? s[S_REL] / (double)nnz : 0.0;
    if (sxx > 0 && shh > 0)
        m->cos_sim = s[S_XH] / sqrt(sxx * shh);
    else
        m->cos_sim = (sxx == 0 && shh == 0) ? 1.0 : 0.0;
    m->bias = ldexp(s[S_E] / (double)n, -k);
}

static int metrics_double(fpq_qmetrics *m, const double *x, const double *h, size_t n, int k)
{
    size_t nch = n / CHUNK + (n % CHUNK != 0);
    part *p = calloc(nch, sizeof *p);
    if (!p)
        return FPQ_ERR_NO_MEMORY;
#pragma omp parallel for schedule(static)
    for (size_t ch = 0; ch < nch; ch++) {
        part q;
        memset(&q, 0, sizeof q);
        size_t end = ch * CHUNK + CHUNK < n ? ch * CHUNK + CHUNK : n;
        for (size_t i = ch * CHUNK; i < end; i++) {
            double xi = k ? ldexp(x[i], k) : x[i], hi = k ? ldexp(h[i], k) : h[i];
            double e = hi - xi;
            fpq_nsum_add(&q.s[S_EE], e * e);
            fpq_nsum_add(&q.s[S_XX], xi * xi);
            fpq_nsum_add(&q.s[S_HH], hi * hi);
            fpq_nsum_add(&q.s[S_XH], xi * hi);
            fpq_nsum_add(&q.s[S_E], e);
            if (x[i] != 0) {
                /* the ratio from the values as they are (scale-free) */
                double r = fabs(h[i] - x[i]) / fabs(x[i]);
                fpq_nsum_add(&q.s[S_REL], isfinite(r) ? r : fabs(e) / fabs(xi));
                q.nnz++;
            }
            if (fabs(e) > q.max_abs)
                q.max_abs = fabs(e);
        }
        p[ch] = q;
    }
    part all;
    memset(&all, 0, sizeof all);
    for (size_t ch = 0; ch < nch; ch++) {
        for (int k = 0; k < NSUMS; k++)
            fpq_nsum_merge(&all.s[k], &p[ch].s[k]);
        if (p[ch].max_abs > all.max_abs)
            all.max_abs = p[ch].max_abs;
        all.nnz += p[ch].nnz;
    }
    free(p);
    double s[NSUMS];
    for (int k = 0; k < NSUMS; k++)
        s[k] = fpq_nsum_value(&all.s[k]);
    derive(m, s, all.max_abs, all.nnz, n, k);
    return FPQ_OK;
}

/* ---------------------------------------------------------------------- */
/* MPFR path.                                                             */

typedef struct xpart {
    mpfr_t s[NSUMS];
    mpfr_t max_abs;
    size_t nnz;
} xpart;

static void xpart_init(xpart *p)
{
    for (int k = 0; k < NSUMS; k++) {
        mpfr_init2(p->s[k], EXACT_PREC);
        mpfr_set_zero(p->s[k], 1);
    }
    mpfr_init2(p->max_abs, EXACT_PREC);
    mpfr_set_zero(p->max_abs, 1);
    p->nnz = 0;
}

static void xpart_clear(xpart *p)
{
    for (int k = 0; k < NSUMS; k++)
        mpfr_clear(p->s[k]);
    mpfr_clear(p->max_abs);
}

static int metrics_exact(fpq_qmetrics *m, const double *x, const double *h, size_t n)
{
    size_t nch = n / CHUNK + (n % CHUNK != 0);
    xpart *p = malloc(nch * sizeof *p);
    if (!p)
        return FPQ_ERR_NO_MEMORY;
#pragma omp parallel
    {
        mpfr_t e, t, xv, hv;
        mpfr_inits2(EXACT_PREC, e, t, (mpfr_ptr)0);
        mpfr_inits2(53, xv, hv, (mpfr_ptr)0);
#pragma omp for schedule(static)
        for (size_t ch = 0; ch < nch; ch++) {
            xpart *q = &p[ch];
            xpart_init(q);
            size_t end = ch * CHUNK + CHUNK < n ? ch * CHUNK + CHUNK : n;
            for (size_t i = ch * CHUNK; i < end; i++) {
                mpfr_set_d(xv, x[i], MPFR_RNDN); /* exact */
                mpfr_set_d(hv, h[i], MPFR_RNDN);
                mpfr_sub(e, hv, xv, MPFR_RNDN);
                mpfr_add(q->s[S_E], q->s[S_E], e, MPFR_RNDN);
                mpfr_sqr(t, e, MPFR_RNDN);
                mpfr_add(q->s[S_EE], q->s[S_EE], t, MPFR_RNDN);
                mpfr_sqr(t, xv, MPFR_RNDN);
                mpfr_add(q->s[S_XX], q->s[S_XX], t, MPFR_RNDN);
                mpfr_sqr(t, hv, MPFR_RNDN);
                mpfr_add(q->s[S_HH], q->s[S_HH], t, MPFR_RNDN);
                mpfr_mul(t, xv, hv, MPFR_RNDN);
                mpfr_add(q->s[S_XH], q->s[S_XH], t, MPFR_RNDN);
                mpfr_abs(e, e, MPFR_RNDN);
                if (mpfr_cmp(e, q->max_abs) > 0)
                    mpfr_set(q->max_abs, e, MPFR_RNDN);
                if (x[i] != 0) {
                    mpfr_div(t, e, xv, MPFR_RNDN);
                    mpfr_abs(t, t, MPFR_RNDN);
                    mpfr_add(q->s[S_REL], q->s[S_REL], t, MPFR_RNDN);
                    q->nnz++;
                }
            }
        }
        mpfr_clears(e, t, xv, hv, (mpfr_ptr)0);
    }
    xpart all;
    xpart_init(&all);
    for (size_t ch = 0; ch < nch; ch++) {
        for (int k = 0; k < NSUMS; k++)
            mpfr_add(all.s[k], all.s[k], p[ch].s[k], MPFR_RNDN);
        if (mpfr_cmp(p[ch].max_abs, all.max_abs) > 0)
            mpfr_set(all.max_abs, p[ch].max_abs, MPFR_RNDN);
        all.nnz += p[ch].nnz;
        xpart_clear(&p[ch]);
    }
    free(p);

    mpfr_t a, b, nn;
    mpfr_inits2(EXACT_PREC, a, b, nn, (mpfr_ptr)0);
    mpfr_set_ui(nn, 0, MPFR_RNDN);
    mpfr_add_d(nn, nn, (double)n, MPFR_RNDN); /* n < 2^53: exact */
    mpfr_ptr see = all.s[S_EE], sxx = all.s[S_XX], shh = all.s[S_HH];

    mpfr_div(a, see, nn, MPFR_RNDN);
    m->mse = mpfr_get_d(a, MPFR_RNDN);
    mpfr_sqrt(a, a, MPFR_RNDN);
    m->rmse = mpfr_get_d(a, MPFR_RNDN);
    if (mpfr_sgn(sxx) > 0) {
        mpfr_div(a, see, sxx, MPFR_RNDN);
        m->nmse = mpfr_get_d(a, MPFR_RNDN);
    } else {
        m->nmse = mpfr_sgn(see) > 0 ? INFINITY : 0.0;
    }
    m->lossless = mpfr_zero_p(see);
    if (mpfr_sgn(see) > 0) {
        if (mpfr_sgn(sxx) > 0) {
            mpfr_div(a, sxx, see, MPFR_RNDN);
            mpfr_log10(a, a, MPFR_RNDN);
            mpfr_mul_ui(a, a, 10, MPFR_RNDN);
            m->sqnr_db = mpfr_get_d(a, MPFR_RNDN);
            if (m->sqnr_db > FPQ_SQNR_CAP_DB)
                m->sqnr_db = FPQ_SQNR_CAP_DB;
        } else {
            m->sqnr_db = -INFINITY;
        }
    } else {
        m->sqnr_db = FPQ_SQNR_CAP_DB;
    }
    m->max_abs_err = mpfr_get_d(all.max_abs, MPFR_RNDN);
    if (all.nnz) {
        mpfr_set_ui(b, 0, MPFR_RNDN);
        mpfr_add_d(b, b, (double)all.nnz, MPFR_RNDN);
        mpfr_div(a, all.s[S_REL], b, MPFR_RNDN);
        m->mean_rel_err = mpfr_get_d(a, MPFR_RNDN);
    } else {
        m->mean_rel_err = 0;
    }
    if (mpfr_sgn(sxx) > 0 && mpfr_sgn(shh) > 0) {
        mpfr_mul(a, sxx, shh, MPFR_RNDN);
        mpfr_rec_sqrt(a, a, MPFR_RNDN);
        mpfr_mul(a, a, all.s[S_XH], MPFR_RNDN);
        m->cos_sim = mpfr_get_d(a, MPFR_RNDN);
    } else {
        m->cos_sim = (mpfr_zero_p(sxx) && mpfr_zero_p(shh)) ? 1.0 : 0.0;
    }
    mpfr_div(a, all.s[S_E], nn, MPFR_RNDN);
    m->bias = mpfr_get_d(a, MPFR_RNDN);
    mpfr_clears(a, b, nn, (mpfr_ptr)0);
    xpart_clear(&all);
    return FPQ_OK;
}

int fpq_qmetrics_compute(fpq_qmetrics *m, const fpq_tensor *x, const fpq_tensor *xhat, bool exact,
                         fpq_errbuf *err)
{
    if (!m || !x || !xhat)
        return fpq_err(err, FPQ_ERR_ARG, "metrics: a NULL argument");
    if (x->rows != xhat->rows || x->cols != xhat->cols)
        return fpq_err(err, FPQ_ERR_ARG, "metrics: shapes differ (%zu x %zu and %zu x %zu)", x->rows, x->cols,
                       xhat->rows, xhat->cols);
    size_t n = fpq_tensor_size(x);
    if (n == 0)
        return fpq_err(err, FPQ_LAB_ERR_EMPTY, "metrics of an empty tensor (%zu x %zu)", x->rows, x->cols);
    memset(m, 0, sizeof *m);
    m->n = n;
    m->clip_ratio = 1;
    const double *xv = x->data, *hv = xhat->data;
    size_t nflush = 0, novf = 0, nnan = 0;
    double big = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(hv[i]) && !isnan(xv[i]))
            nnan++;
        else if (isinf(hv[i]) && isfinite(xv[i]))
            novf++;
        else if (hv[i] == 0 && xv[i] != 0)
            nflush++;
        if (isfinite(xv[i]) && fabs(xv[i]) > big)
            big = fabs(xv[i]);
        if (isfinite(hv[i]) && fabs(hv[i]) > big)
            big = fabs(hv[i]);
    }
    m->flushed_frac = (double)nflush / (double)n;
    m->overflow_frac = (double)novf / (double)n;
    m->nan_frac = (double)nnan / (double)n;
    if (nnan || novf) {
        m->mse = m->rmse = m->nmse = m->max_abs_err = INFINITY;
        m->sqnr_db = -INFINITY;
        m->mean_rel_err = m->cos_sim = m->bias = NAN;
        return FPQ_OK;
    }
    /* a power-of-two scale bringing the largest magnitude near 1 */
    int k = 0;
    if (big > 0x1p+500 || (big > 0 && big < 0x1p-500))
        k = -ilogb(big);
    int st = exact ? metrics_exact(m, xv, hv, n) : metrics_double(m, xv, hv, n, k);
    if (st != FPQ_OK)
        return fpq_err(err, st, "metrics: out of memory");
    return FPQ_OK;
}
