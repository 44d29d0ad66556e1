/* train/blas.c: the products of the network engine (train.h) -- fp32
 * through OpenBLAS's CBLAS (libopenblas.so.0, loaded with dlopen on first
 * use and held at one thread, so the OpenMP chunks of the callers are the
 * only parallelism) or plain loops when it cannot be loaded or loops are
 * asked for, and the emulated product through libfpq's fpq_gemm_f64. */
#include "train.h"

#include <cblas.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* OpenBLAS is loaded on first use, not linked: loaded, it starts its
 * threads and reserves its buffers, which would cost every fpq run (and
 * fail under a small address-space limit). */
static struct {
    void (*sgemm)(enum CBLAS_ORDER, enum CBLAS_TRANSPOSE, enum CBLAS_TRANSPOSE, int, int, int, float,
                  const float *, int, const float *, int, float, float *, int);
    void (*set_threads)(int);
    const char *missing; /* why not, when it could not be loaded */
} ob;
static pthread_once_t ob_once = PTHREAD_ONCE_INIT;
static fpq_nn_blas chosen = FPQ_NN_BLAS_AUTO;

static void ob_load(void)
{
    void *h = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        ob.missing = "libopenblas.so.0 could not be loaded (Debian: libopenblas0)";
        return;
    }
    *(void **)&ob.sgemm = dlsym(h, "cblas_sgemm");
    *(void **)&ob.set_threads = dlsym(h, "openblas_set_num_threads");
    if (!ob.sgemm || !ob.set_threads) {
        ob.missing = "libopenblas.so.0 lacks cblas_sgemm or openblas_set_num_threads";
        ob.sgemm = NULL;
        return;
    }
    /* one thread: OpenBLAS splits a product's sums over its threads
       differently for different counts; the callers' chunks are the
       parallelism */
    ob.set_threads(1);
}

int fpq_nn_blas_parse(fpq_nn_blas *out, const char *name)
{
    static const char *const names[] = {"auto", "openblas", "loops"};
    for (int i = 0; i < 3; i++)
        if (strcmp(name, names[i]) == 0) {
            *out = (fpq_nn_blas)i;
            return FPQ_OK;
        }
    return FPQ_ERR_ARG;
}

int fpq_nn_blas_set(fpq_nn_blas which, fpq_errbuf *err)
{
    if (which == FPQ_NN_BLAS_OPENBLAS) {
        pthread_once(&ob_once, ob_load);
        if (!ob.sgemm)
            return fpq_err(err, FPQ_LAB_ERR_SPEC, "OpenBLAS asked for: %s", ob.missing);
    }
    chosen = which;
    return FPQ_OK;
}

/* Whether the products run on OpenBLAS now (loading it under AUTO). */
static bool use_openblas(void)
{
    if (chosen == FPQ_NN_BLAS_LOOPS)
        return false;
    pthread_once(&ob_once, ob_load);
    return ob.sgemm != NULL;
}

const char *fpq_nn_blas_name(const char **why)
{
    bool o = use_openblas();
    if (why)
        *why = o ? "libopenblas.so.0, one thread per call"
                 : chosen == FPQ_NN_BLAS_LOOPS ? "asked for" : ob.missing;
    return o ? "openblas" : "loops";
}

/* C (m x n) = A B in float, B k x n, summing over t = 0 .. k-1 in order
 * (a row of C at a time, so the loop over j vectorizes). */
static void loops_nn(float *c, const float *a, const float *b, size_t m, size_t k, size_t n)
{
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
static void loops_tn(float *c, const float *a, const float *g, size_t m, size_t k, size_t n)
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

int fpq_nn_matmul(float *c, const float *a, const float *b, size_t m, size_t k, size_t n, bool tb)
{
    float *bt = NULL;
    const bool o = use_openblas();
    /* the loops take B^T (B n x k) as a k x n copy, so that every product
       sums in index order along rows that vectorize */
    if (!o && tb) {
        if (!(bt = malloc((k * n > 0 ? k * n : 1) * sizeof *bt)))
            return FPQ_ERR_NO_MEMORY;
#pragma omp parallel for schedule(static) if (k * n > 65536)
        for (ptrdiff_t t = 0; t < (ptrdiff_t)k; t++)
            for (size_t j = 0; j < n; j++)
                bt[(size_t)t * n + j] = b[j * k + (size_t)t];
        b = bt;
        tb = false;
    }
    const ptrdiff_t chunks = (ptrdiff_t)((m + FPQ_NN_CHUNK - 1) / FPQ_NN_CHUNK);
#pragma omp parallel for schedule(static)
    for (ptrdiff_t q = 0; q < chunks; q++) {
        size_t r0 = (size_t)q * FPQ_NN_CHUNK;
        size_t rows = m - r0 < FPQ_NN_CHUNK ? m - r0 : FPQ_NN_CHUNK;
        if (o)
            ob.sgemm(CblasRowMajor, CblasNoTrans, tb ? CblasTrans : CblasNoTrans, (int)rows, (int)n,
                     (int)k, 1.0f, a + r0 * k, (int)k, b, tb ? (int)k : (int)n, 0.0f, c + r0 * n,
                     (int)n);
        else
            loops_nn(c + r0 * n, a + r0 * k, b, rows, k, n);
    }
    free(bt);
    return FPQ_OK;
}

void fpq_nn_matmul_tn(float *c, const float *a, const float *g, size_t m, size_t k, size_t n,
                      float *scratch)
{
    const bool o = use_openblas();
    const size_t chunks = (m + FPQ_NN_CHUNK - 1) / FPQ_NN_CHUNK;
    const size_t kn = k * n;
#pragma omp parallel for schedule(static)
    for (ptrdiff_t q = 0; q < (ptrdiff_t)chunks; q++) {
        size_t r0 = (size_t)q * FPQ_NN_CHUNK;
        size_t rows = m - r0 < FPQ_NN_CHUNK ? m - r0 : FPQ_NN_CHUNK;
        float *cq = scratch + (size_t)q * kn;
        if (o)
            ob.sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)k, (int)n, (int)rows, 1.0f,
                     a + r0 * k, (int)k, g + r0 * n, (int)n, 0.0f, cq, (int)n);
        else
            loops_tn(cq, a + r0 * k, g + r0 * n, rows, k, n);
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
    /* no flags: the products' flags are not reported, and without them
       fpq_gemm_f64 takes the bulk encoder and the fast path's lean loops */
    int rc = fpq_gemm_f64(cd, NULL, NULL, ad, bd, m, k, n, dot);
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
