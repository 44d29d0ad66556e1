/* transform.c: Hadamard rotation and SmoothQuant factors (transform.h). */
#include "transform.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

size_t fpq_hadamard_default_block(size_t k)
{
    size_t b = 1;
    while (b < ((size_t)1 << 30) && k % (2 * b) == 0)
        b *= 2;
    return b;
}

void fpq_hadamard_matrix(double *h, size_t b)
{
    for (size_t i = 0; i < b; i++)
        for (size_t j = 0; j < b; j++)
            h[i * b + j] = __builtin_popcountll((unsigned long long)(i & j)) % 2 ? -1.0 : 1.0;
}

void fpq_fwht(double *v, size_t b, size_t n)
{
    for (size_t h = 1; h < b; h *= 2)
        for (size_t i = 0; i < b; i += 2 * h)
            for (size_t j = i; j < i + h; j++) {
                double *a = v + j * n, *c = v + (j + h) * n;
                for (size_t t = 0; t < n; t++) {
                    double x = a[t], y = c[t];
                    a[t] = x + y;
                    c[t] = x - y;
                }
            }
}

static bool pow2(size_t b)
{
    return b && (b & (b - 1)) == 0;
}

static int check_block(size_t k, size_t b, fpq_errbuf *err)
{
    if (!pow2(b) || k % b != 0)
        return fpq_err(err, FPQ_LAB_ERR_SPEC,
                       "the Hadamard block must be a power of two dividing K = %zu (got %zu; the largest is %zu)", k,
                       b, fpq_hadamard_default_block(k ? k : 1));
    return FPQ_OK;
}

int fpq_rotate_x(fpq_tensor *t, size_t b, fpq_errbuf *err)
{
    size_t k = t->cols;
    int st = check_block(k, b, err);
    if (st != FPQ_OK)
        return st;
    const double sc = 1.0 / sqrt((double)b);
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < t->rows; i++)
        for (size_t c = 0; c < k; c += b) {
            double *v = t->data + i * k + c;
            fpq_fwht(v, b, 1);
            for (size_t j = 0; j < b; j++)
                v[j] *= sc;
        }
    return FPQ_OK;
}

int fpq_rotate_w(fpq_tensor *w, size_t b, fpq_errbuf *err)
{
    size_t k = w->rows, n = w->cols;
    int st = check_block(k, b, err);
    if (st != FPQ_OK)
        return st;
    const double sc = 1.0 / sqrt((double)b);
    for (size_t r = 0; r < k; r += b)
        fpq_fwht(w->data + r * n, b, n);
    for (size_t e = 0; e < k * n; e++)
        w->data[e] *= sc;
    return FPQ_OK;
}

int fpq_smooth_factors(double *s, const fpq_tensor *xcal, const fpq_tensor *w, double alpha, fpq_errbuf *err)
{
    if (!(alpha >= 0 && alpha <= 1))
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "the SmoothQuant alpha must lie in [0, 1], not %g", alpha);
    if (xcal->cols != w->rows)
        return fpq_err(err, FPQ_ERR_ARG, "the calibration X has %zu columns and W %zu rows: they must be equal",
                       xcal->cols, w->rows);
    size_t k = w->rows, n = w->cols;
    for (size_t j = 0; j < k; j++) {
        double mx = 0, mw = 0;
        for (size_t t = 0; t < xcal->rows; t++)
            mx = fmax(mx, fabs(xcal->data[t * k + j]));
        for (size_t c = 0; c < n; c++)
            mw = fmax(mw, fabs(w->data[j * n + c]));
        double f = mx > 0 && mw > 0 ? pow(mx, alpha) / pow(mw, 1 - alpha) : 1.0;
        s[j] = f > 0 && isfinite(f) ? f : 1.0; /* beyond binary64: left alone */
    }
    return FPQ_OK;
}

void fpq_smooth_x(fpq_tensor *t, const double *s)
{
    for (size_t i = 0; i < t->rows; i++)
        for (size_t j = 0; j < t->cols; j++)
            t->data[i * t->cols + j] /= s[j];
}

void fpq_smooth_w(fpq_tensor *w, const double *s)
{
    for (size_t j = 0; j < w->rows; j++)
        for (size_t c = 0; c < w->cols; c++)
            w->data[j * w->cols + c] *= s[j];
}
