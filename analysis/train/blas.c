/* train/blas.c: the products of the network engine (train.h) -- fp32
 * through CBLAS (OpenBLAS, one thread per call, so the OpenMP chunks of
 * the callers are the only parallelism) or plain loops when the build has
 * no BLAS (FPQ_NO_BLAS), and the emulated product through libfpq's
 * fpq_gemm_f64. */
#include "train.h"

#include <stdlib.h>
#include <string.h>

#ifndef FPQ_NO_BLAS
#include <cblas.h>
#endif

#ifdef FPQ_NO_BLAS
const char *fpq_nn_blas_name(void)
{
    return "loops";
}

/* C (m x n) = A B in float, B k x n, summing over t = 0 .. k-1 in order
 * (a row of C at a time, so the loop over j vectorizes). */
static void sgemm_nn(float *c, const float *a, const float *b, size_t m, size_t k, size_t n, bool tb)
{
    (void)tb; /* B^T was transposed by the caller */
    for (size_t i = 0; i < m; i++) {
        float *ci = c + i * n;
        memset(ci, 0, n * sizeof *ci);
        for (size_t t = 0; t < k; t++) {
            float av = a[i * k + t];
            const float *bt = b + t * n;
            for (size_t j = 0; j < n; j++)
                ci[j] += av * bt[j];
        }
    }
}

/* C (k x n) = A^T G, A m x k, G m x n, summing over i = 0 .. m-1 in order. */
static void sgemm_tn(float *c, const float *a, const float *g, size_t m, size_t k, size_t n)
{
    memset(c, 0, k * n * sizeof *c);
    for (size_t i = 0; i < m; i++)
        for (size_t t = 0; t < k; t++) {
            float av = a[i * k + t];
            float *ct = c + t * n;
            const float *gi = g + i * n;
            for (size_t j = 0; j < n; j++)
                ct[j] += av * gi[j];
        }
}
#else
const char *fpq_nn_blas_name(void)
{
    return "openblas";
}

/* OpenBLAS's own (not in cblas.h of every BLAS) */
void openblas_set_num_threads(int n);

static void one_thread(void)
{
    static int done;
    int d;
#pragma omp atomic read
    d = done;
    if (!d) {
#pragma omp critical(fpq_nn_blas)
        if (!done) {
            openblas_set_num_threads(1);
#pragma omp atomic write
            done = 1;
        }
    }
}

static void sgemm_nn(float *c, const float *a, const float *b, size_t m, size_t k, size_t n, bool tb)
{
    cblas_sgemm(CblasRowMajor, CblasNoTrans, tb ? CblasTrans : CblasNoTrans, (int)m, (int)n, (int)k,
                1.0f, a, (int)k, b, tb ? (int)k : (int)n, 0.0f, c, (int)n);
}

static void sgemm_tn(float *c, const float *a, const float *g, size_t m, size_t k, size_t n)
{
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)k, (int)n, (int)m, 1.0f, a, (int)k, g,
                (int)n, 0.0f, c, (int)n);
}
#endif

int fpq_nn_matmul(float *c, const float *a, const float *b, size_t m, size_t k, size_t n, bool tb)
{
    float *bt = NULL;
#ifndef FPQ_NO_BLAS
    one_thread();
#else
    /* the loops take B^T (B n x k) as a k x n copy, so that every product
       sums in index order along rows that vectorize */
    if (tb) {
        if (!(bt = malloc((k * n > 0 ? k * n : 1) * sizeof *bt)))
            return FPQ_ERR_NO_MEMORY;
#pragma omp parallel for schedule(static) if (k * n > 65536)
        for (ptrdiff_t t = 0; t < (ptrdiff_t)k; t++)
            for (size_t j = 0; j < n; j++)
                bt[(size_t)t * n + j] = b[j * k + (size_t)t];
        b = bt;
        tb = false;
    }
#endif
    const ptrdiff_t chunks = (ptrdiff_t)((m + FPQ_NN_CHUNK - 1) / FPQ_NN_CHUNK);
#pragma omp parallel for schedule(static)
    for (ptrdiff_t q = 0; q < chunks; q++) {
        size_t r0 = (size_t)q * FPQ_NN_CHUNK;
        size_t rows = m - r0 < FPQ_NN_CHUNK ? m - r0 : FPQ_NN_CHUNK;
        sgemm_nn(c + r0 * n, a + r0 * k, b, rows, k, n, tb);
    }
    free(bt);
    return FPQ_OK;
}

void fpq_nn_matmul_tn(float *c, const float *a, const float *g, size_t m, size_t k, size_t n,
                      float *scratch)
{
#ifndef FPQ_NO_BLAS
    one_thread();
#endif
    const size_t chunks = (m + FPQ_NN_CHUNK - 1) / FPQ_NN_CHUNK;
    const size_t kn = k * n;
#pragma omp parallel for schedule(static)
    for (ptrdiff_t q = 0; q < (ptrdiff_t)chunks; q++) {
        size_t r0 = (size_t)q * FPQ_NN_CHUNK;
        size_t rows = m - r0 < FPQ_NN_CHUNK ? m - r0 : FPQ_NN_CHUNK;
        sgemm_tn(scratch + (size_t)q * kn, a + r0 * k, g + r0 * n, rows, k, n);
    }
    /* the chunks' sum, in chunk order for every element */
#pragma omp parallel for schedule(static)
    for (ptrdiff_t e = 0; e < (ptrdiff_t)kn; e++) {
        float s = scratch[e];
        for (size_t q = 1; q < chunks; q++)
            s += scratch[q * kn + (size_t)e];
        c[e] = s;
    }
}

int fpq_nn_matmul_emu(float *c, const float *a, const float *b, size_t m, size_t k, size_t n,
                      bool ta, bool tb, const fpq_dot_spec *dot, fpq_errbuf *err)
{
    double *ad = malloc((m * k + k * n + m * n) * sizeof *ad);
    if (!ad)
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "emulated product: out of memory (%zu x %zu x %zu)",
                       m, k, n);
    double *bd = ad + m * k, *cd = bd + k * n;
#pragma omp parallel for schedule(static)
    for (ptrdiff_t i = 0; i < (ptrdiff_t)m; i++)
        for (size_t t = 0; t < k; t++)
            ad[(size_t)i * k + t] = ta ? a[t * m + (size_t)i] : a[(size_t)i * k + t];
#pragma omp parallel for schedule(static)
    for (ptrdiff_t t = 0; t < (ptrdiff_t)k; t++)
        for (size_t j = 0; j < n; j++)
            bd[(size_t)t * n + j] = tb ? b[j * k + (size_t)t] : b[(size_t)t * n + j];
    unsigned flags = 0;
    int rc = fpq_gemm_f64(cd, NULL, &flags, ad, bd, m, k, n, dot);
    if (rc != FPQ_OK) {
        free(ad);
        return fpq_err(err, rc, "emulated product (%zu x %zu x %zu): %s", m, k, n, fpq_strerror(rc));
    }
    for (size_t i = 0; i < m * n; i++)
        c[i] = (float)cd[i];
    free(ad);
    return FPQ_OK;
}

int fpq_nn_linear(float *z, const float *a, const float *w, const float *b, size_t rows, size_t in,
                  size_t out, const fpq_dot_spec *dot, fpq_errbuf *err)
{
    if (dot) {
        int rc = fpq_nn_matmul_emu(z, a, w, rows, in, out, false, false, dot, err);
        if (rc != FPQ_OK)
            return rc;
    } else if (fpq_nn_matmul(z, a, w, rows, in, out, false) != FPQ_OK) {
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory for a product");
    }
#pragma omp parallel for schedule(static) if (rows * out > 65536)
    for (ptrdiff_t i = 0; i < (ptrdiff_t)rows; i++)
        for (size_t j = 0; j < out; j++)
            z[(size_t)i * out + j] += b[j];
    return FPQ_OK;
}
