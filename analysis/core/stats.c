/* stats.c: summary statistics of a tensor (stats.h). */
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK 65536

typedef struct part {
    size_t n, nonfinite, beyond;
    fpq_nsum s1, s2, s4;
    double min, max;
} part;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* max / median of v[0..n), n > 0; v is sorted in place. */
static double spread(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    double med = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
    double mx = v[n - 1];
    if (med == 0)
        return mx == 0 ? NAN : INFINITY;
    return mx / med;
}

int fpq_stats_compute(fpq_stats *s, const fpq_tensor *t)
{
    memset(s, 0, sizeof *s);
    const size_t n = fpq_tensor_size(t);
    const double *x = t->data;
    const size_t nchunks = (n + CHUNK - 1) / CHUNK;
    part *p = nchunks ? calloc(nchunks, sizeof *p) : NULL;
    if (nchunks && !p)
        return FPQ_ERR_NO_MEMORY;

#pragma omp parallel for schedule(static)
    for (ptrdiff_t c = 0; c < (ptrdiff_t)nchunks; c++) {
        part *q = &p[c];
        q->min = INFINITY;
        q->max = -INFINITY;
        size_t end = ((size_t)c + 1) * CHUNK < n ? ((size_t)c + 1) * CHUNK : n;
        for (size_t i = (size_t)c * CHUNK; i < end; i++) {
            if (!isfinite(x[i])) {
                q->nonfinite++;
                continue;
            }
            q->n++;
            fpq_nsum_add(&q->s1, x[i]);
            if (x[i] < q->min)
                q->min = x[i];
            if (x[i] > q->max)
                q->max = x[i];
        }
    }
    fpq_nsum s1 = {0, 0};
    double mn = INFINITY, mx = -INFINITY;
    for (size_t c = 0; c < nchunks; c++) {
        s->n += p[c].n;
        s->nonfinite += p[c].nonfinite;
        fpq_nsum_add(&s1, fpq_nsum_value(&p[c].s1));
        mn = fmin(mn, p[c].min);
        mx = fmax(mx, p[c].max);
    }
    if (s->n == 0) {
        s->mean = s->std = s->min = s->max = s->absmax = s->kurtosis = s->frac_6std = NAN;
        s->row_spread = s->col_spread = NAN;
        free(p);
        return FPQ_OK;
    }
    const double mean = fpq_nsum_value(&s1) / (double)s->n;
#pragma omp parallel for schedule(static)
    for (ptrdiff_t c = 0; c < (ptrdiff_t)nchunks; c++) {
        part *q = &p[c];
        size_t end = ((size_t)c + 1) * CHUNK < n ? ((size_t)c + 1) * CHUNK : n;
        for (size_t i = (size_t)c * CHUNK; i < end; i++) {
            if (!isfinite(x[i]))
                continue;
            double d = x[i] - mean, d2 = d * d;
            fpq_nsum_add(&q->s2, d2);
            fpq_nsum_add(&q->s4, d2 * d2);
        }
    }
    fpq_nsum s2 = {0, 0}, s4 = {0, 0};
    for (size_t c = 0; c < nchunks; c++) {
        fpq_nsum_add(&s2, fpq_nsum_value(&p[c].s2));
        fpq_nsum_add(&s4, fpq_nsum_value(&p[c].s4));
    }
    double m2 = fpq_nsum_value(&s2) / (double)s->n, m4 = fpq_nsum_value(&s4) / (double)s->n;
    s->mean = mean;
    s->std = sqrt(m2);
    s->min = mn;
    s->max = mx;
    s->absmax = fmax(fabs(mn), fabs(mx));
    s->kurtosis = m4 / (m2 * m2);
    const double lim = 6 * s->std;
#pragma omp parallel for schedule(static)
    for (ptrdiff_t c = 0; c < (ptrdiff_t)nchunks; c++) {
        size_t end = ((size_t)c + 1) * CHUNK < n ? ((size_t)c + 1) * CHUNK : n;
        for (size_t i = (size_t)c * CHUNK; i < end; i++)
            if (isfinite(x[i]) && fabs(x[i] - mean) > lim)
                p[c].beyond++;
    }
    size_t beyond = 0;
    for (size_t c = 0; c < nchunks; c++)
        beyond += p[c].beyond;
    s->frac_6std = (double)beyond / (double)s->n;
    free(p);

    /* per-row and per-column absmax over finite values */
    double *rows = malloc(t->rows * sizeof *rows), *cols = calloc(t->cols, sizeof *cols);
    if (!rows || !cols) {
        free(rows);
        free(cols);
        return FPQ_ERR_NO_MEMORY;
    }
    for (size_t r = 0; r < t->rows; r++) {
        double m = 0;
        const double *row = x + r * t->cols;
        for (size_t c = 0; c < t->cols; c++)
            if (isfinite(row[c])) {
                double a = fabs(row[c]);
                if (a > m)
                    m = a;
                if (a > cols[c])
                    cols[c] = a;
            }
        rows[r] = m;
    }
    s->row_spread = spread(rows, t->rows);
    s->col_spread = spread(cols, t->cols);
    free(rows);
    free(cols);
    return FPQ_OK;
}
