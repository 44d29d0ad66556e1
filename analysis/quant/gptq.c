/* gptq.c: GPTQ weight quantization (gptq.h): the inverse Hessian through
 * LAPACK's Cholesky routines (LAPACKE), the lazy block updates through
 * OpenBLAS's CBLAS (held at one thread while fpq_gptq runs), both loaded on
 * first use; every row quantized by fpq_quantize. */
#include "gptq.h"

#include <cblas.h>
#include <dlfcn.h>
#include <lapacke.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* LAPACKE and OpenBLAS are loaded on first use, not linked: OpenBLAS starts
 * its threads and reserves its buffers when loaded, which would cost every
 * fpq run (and fail under a small address-space limit). */
static struct {
    int (*potrf)(int, char, lapack_int, double *, lapack_int);
    int (*potri)(int, char, lapack_int, double *, lapack_int);
    void (*syrk)(enum CBLAS_ORDER, enum CBLAS_UPLO, enum CBLAS_TRANSPOSE, int, int, double, const double *, int,
                 double, double *, int);
    void (*ger)(enum CBLAS_ORDER, int, int, double, const double *, int, const double *, int, double *, int);
    void (*gemm)(enum CBLAS_ORDER, enum CBLAS_TRANSPOSE, enum CBLAS_TRANSPOSE, int, int, int, double,
                 const double *, int, const double *, int, double, double *, int);
    int (*get_threads)(void);
    void (*set_threads)(int);
    const char *missing;
} la;
static pthread_once_t la_once = PTHREAD_ONCE_INIT;

static void la_load(void)
{
    void *lp = dlopen("liblapacke.so.3", RTLD_NOW | RTLD_LOCAL);
    void *bp = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
    if (!lp || !bp) {
        la.missing = !lp ? "liblapacke.so.3 (Debian: liblapacke-dev)" : "libopenblas.so.0 (Debian: libopenblas-dev)";
        return;
    }
    *(void **)&la.potrf = dlsym(lp, "LAPACKE_dpotrf");
    *(void **)&la.potri = dlsym(lp, "LAPACKE_dpotri");
    *(void **)&la.syrk = dlsym(bp, "cblas_dsyrk");
    *(void **)&la.ger = dlsym(bp, "cblas_dger");
    *(void **)&la.gemm = dlsym(bp, "cblas_dgemm");
    *(void **)&la.get_threads = dlsym(bp, "openblas_get_num_threads");
    *(void **)&la.set_threads = dlsym(bp, "openblas_set_num_threads");
    if (!la.potrf || !la.potri || !la.syrk || !la.ger || !la.gemm || !la.get_threads || !la.set_threads)
        la.missing = "a LAPACKE or CBLAS function";
}

void fpq_gptq_opts_default(fpq_gptq_opts *o)
{
    o->damp = 0.01;
    o->block = 128;
    o->act_order = false;
}

/* How the rows find their scales (gptq.h). */
typedef enum unit_mode {
    UNIT_GROUP_COLS, /* axis-0 groups, absmax/zeropoint: per column of the group's rows */
    UNIT_GROUP_REP,  /* axis-0 groups, mx/nvfp4: the row repeated over the group's rows */
    UNIT_WHOLE,      /* per column or tensor: scales from all of W at the start */
    UNIT_ROW         /* per row, or groups along the row: the row alone */
} unit_mode;

typedef struct gptq_ctx {
    size_t k, n;
    unit_mode mode;
    size_t g;           /* group rows (UNIT_GROUP_*) */
    fpq_qspec spec;     /* the spec each row is quantized under */
    fpq_tensor ref;     /* the scales' source: the group's rows or all of W */
    fpq_tensor row;     /* the row to quantize (repeated for UNIT_GROUP_REP) */
    unsigned long long position; /* stochastic position of element 0 */
    size_t clipped;
} gptq_ctx;

static int quantize_row(gptq_ctx *c, double *q, const double *w, size_t orig_row, fpq_errbuf *err)
{
    size_t reps = c->mode == UNIT_GROUP_REP ? c->ref.rows : 1;
    c->row.rows = reps;
    for (size_t r = 0; r < reps; r++)
        memcpy(c->row.data + r * c->n, w, c->n * sizeof *w);
    c->spec.rnd.position = c->position + (unsigned long long)orig_row * c->n;
    fpq_tensor out = FPQ_TENSOR_INIT;
    fpq_qmetrics qm;
    int st = fpq_quantize(&out, &qm, &c->row, c->mode == UNIT_ROW ? NULL : &c->ref, &c->spec, err);
    if (st != FPQ_OK)
        return st;
    memcpy(q, out.data, c->n * sizeof *q);
    c->clipped += qm.n_clipped / reps; /* the repeats clip alike */
    fpq_tensor_free(&out);
    return FPQ_OK;
}

/* The upper Cholesky factor of (H + damp I)^-1 in place of h (k x k). */
static int inverse_factor(double *h, size_t k, double damp, fpq_errbuf *err)
{
    for (size_t i = 0; i < k; i++)
        h[i * k + i] += damp;
    lapack_int n = (lapack_int)k, info;
    if ((info = la.potrf(LAPACK_ROW_MAJOR, 'U', n, h, n)) != 0
        || (info = la.potri(LAPACK_ROW_MAJOR, 'U', n, h, n)) != 0
        || (info = la.potrf(LAPACK_ROW_MAJOR, 'U', n, h, n)) != 0)
        return fpq_err(err, info < 0 ? FPQ_ERR_NO_MEMORY : FPQ_LAB_ERR_SPEC,
                       info < 0 ? "LAPACK failed (%d)"
                                : "the dampened Hessian X^T X + damp I is not positive definite "
                                  "(LAPACK info %d): raise the dampening",
                       (int)info);
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < i; j++)
            h[i * k + j] = 0;
    return FPQ_OK;
}

static int check_args(const fpq_tensor *w, const fpq_tensor *xcal, const fpq_qspec *s, const fpq_gptq_opts *o,
                      fpq_errbuf *err)
{
    int st;
    if ((st = fpq_qspec_validate(s, err)) != FPQ_OK)
        return st;
    if (!(o->damp >= 0) || o->block == 0)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "GPTQ needs damp >= 0 (got %g) and block >= 1 (got %zu)", o->damp,
                       o->block);
    if (xcal->cols != w->rows)
        return fpq_err(err, FPQ_ERR_ARG,
                       "the calibration X is %zu x %zu and W is %zu x %zu: its columns must equal W's rows",
                       xcal->rows, xcal->cols, w->rows, w->cols);
    if (fpq_tensor_size(w) == 0 || fpq_tensor_size(xcal) == 0)
        return fpq_err(err, FPQ_LAB_ERR_EMPTY, "GPTQ needs values in W (%zu x %zu) and the calibration X (%zu x %zu)",
                       w->rows, w->cols, xcal->rows, xcal->cols);
    if ((st = fpq_tensor_check_finite(w, "W", err)) != FPQ_OK
        || (st = fpq_tensor_check_finite(xcal, "calibration X", err)) != FPQ_OK)
        return st;
    return FPQ_OK;
}

/* H = X^T X (k x k, both triangles); dead features fixed in h and w. */
static size_t hessian(double *h, double *w, const fpq_tensor *x, size_t n)
{
    size_t k = x->cols, dead = 0;
    la.syrk(CblasRowMajor, CblasUpper, CblasTrans, (int)k, (int)x->rows, 1.0, x->data, (int)k, 0.0,
                h, (int)k);
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < i; j++)
            h[i * k + j] = h[j * k + i];
    for (size_t i = 0; i < k; i++)
        if (h[i * k + i] == 0) {
            h[i * k + i] = 1;
            memset(w + i * n, 0, n * sizeof *w);
            dead++;
        }
    return dead;
}

typedef struct feature {
    double diag;
    size_t index;
} feature;

/* Decreasing diag H, ties in index order. */
static int by_diag(const void *a, const void *b)
{
    const feature *p = a, *q = b;
    return p->diag > q->diag ? -1 : p->diag < q->diag ? 1 : (p->index > q->index) - (p->index < q->index);
}

static void setup_units(gptq_ctx *c, const fpq_qspec *s)
{
    c->spec = *s;
    c->g = 0;
    if (s->granularity == FPQ_GRAN_GROUP && s->axis == 0) {
        c->g = s->group;
        if (s->scheme == FPQ_SCHEME_ABSMAX || s->scheme == FPQ_SCHEME_ZEROPOINT) {
            c->mode = UNIT_GROUP_COLS;
            c->spec.granularity = FPQ_GRAN_COL;
            c->spec.axis = 1;
        } else {
            c->mode = UNIT_GROUP_REP;
        }
    } else if (s->granularity == FPQ_GRAN_COL || s->granularity == FPQ_GRAN_TENSOR) {
        c->mode = UNIT_WHOLE;
    } else {
        c->mode = UNIT_ROW;
    }
}

/* Per column scales under range max depend only on each column's minimum
 * and maximum: t becomes those two rows (the same scales, fewer values for
 * fpq_quantize to scan per row). */
static void squeeze(fpq_tensor *t)
{
    size_t n = t->cols;
    for (size_t r = 1; r < t->rows; r++)
        for (size_t j = 0; j < n; j++) {
            double v = t->data[r * n + j];
            if (r == 1 && n) {
                double v0 = t->data[j];
                t->data[j] = v0 < v ? v0 : v;
                t->data[n + j] = v0 < v ? v : v0;
            } else {
                if (v < t->data[j])
                    t->data[j] = v;
                if (v > t->data[n + j])
                    t->data[n + j] = v;
            }
        }
    if (t->rows > 2)
        t->rows = 2;
}

/* The group starting at processing row i into c->ref: rows i .. i+G-1 with
 * every update so far, those past the block (from i2) given the block's
 * pending updates from the errors of rows i1 .. i-1. */
static void group_rows(gptq_ctx *c, const double *w, const double *u, const double *e, size_t i, size_t i1,
                       size_t i2)
{
    size_t k = c->k, n = c->n, end = i + c->g < k ? i + c->g : k;
    c->ref.rows = end - i;
    memcpy(c->ref.data, w + i * n, (end - i) * n * sizeof *w);
    if (end > i2 && i > i1)
        la.gemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)(end - i2), (int)n, (int)(i - i1),
                    -1.0, u + i1 * k + i2, (int)k, e, (int)n, 1.0, c->ref.data + (i2 - i) * n, (int)n);
    if (c->mode == UNIT_GROUP_COLS && c->spec.range == FPQ_RANGE_MAX)
        squeeze(&c->ref);
}

int fpq_gptq(fpq_tensor *wq, fpq_gptq_stats *st, const fpq_tensor *w, const fpq_tensor *xcal,
             const fpq_qspec *s, const fpq_gptq_opts *o, fpq_errbuf *err)
{
    *wq = (fpq_tensor)FPQ_TENSOR_INIT;
    int rc = check_args(w, xcal, s, o, err);
    if (rc != FPQ_OK)
        return rc;
    size_t k = w->rows, n = w->cols, b = o->block < k ? o->block : k;
    pthread_once(&la_once, la_load);
    if (la.missing)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "GPTQ needs %s, which could not be loaded", la.missing);
    /* OpenBLAS splits its sums over threads differently for different
     * thread counts: one thread, so the same data give the same W^. */
    int blas_threads = la.get_threads();
    la.set_threads(1);
    gptq_ctx c = {.k = k, .n = n, .position = s->rnd.position};
    setup_units(&c, s);
    size_t refrows = c.mode == UNIT_WHOLE ? k : c.g ? (c.g < k ? c.g : k) : 1;
    double *h = malloc(k * k * sizeof *h), *wp = malloc(k * n * sizeof *wp), *e = malloc(b * n * sizeof *e);
    double *diag = malloc(k * sizeof *diag);
    size_t *perm = malloc(k * sizeof *perm);
    fpq_tensor q = FPQ_TENSOR_INIT;
    if (!h || !wp || !e || !diag || !perm || fpq_tensor_alloc(&q, k, n) != FPQ_OK
        || fpq_tensor_alloc(&c.ref, refrows, n) != FPQ_OK
        || fpq_tensor_alloc(&c.row, c.mode == UNIT_GROUP_REP ? refrows : 1, n) != FPQ_OK) {
        rc = fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory for GPTQ (K %zu, N %zu)", k, n);
        goto done;
    }
    memcpy(q.data, w->data, k * n * sizeof *wp); /* W with dead rows zeroed, original order */
    size_t dead = hessian(h, q.data, xcal, n);
    double mean = 0;
    for (size_t i = 0; i < k; i++)
        perm[i] = i, diag[i] = h[i * k + i], mean += diag[i];
    mean /= (double)k;
    if (o->act_order) {
        feature *f = malloc(k * sizeof *f);
        double *hp = malloc(k * k * sizeof *hp);
        if (f)
            for (size_t i = 0; i < k; i++)
                f[i] = (feature){diag[i], i};
        if (f)
            qsort(f, k, sizeof *f, by_diag);
        if (f)
            for (size_t i = 0; i < k; i++)
                perm[i] = f[i].index;
        bool ok = f && hp;
        free(f);
        if (!ok) {
            free(hp);
            rc = fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory for GPTQ (K %zu)", k);
            goto done;
        }
        for (size_t i = 0; i < k; i++)
            for (size_t j = 0; j < k; j++)
                hp[i * k + j] = h[perm[i] * k + perm[j]];
        free(h);
        h = hp;
    }
    for (size_t i = 0; i < k; i++)
        memcpy(wp + i * n, q.data + perm[i] * n, n * sizeof *wp);
    if (c.mode == UNIT_WHOLE)
        memcpy(c.ref.data, q.data, k * n * sizeof *wp);
    if ((rc = inverse_factor(h, k, o->damp * mean, err)) != FPQ_OK)
        goto done;
    for (size_t i1 = 0; i1 < k; i1 += b) {
        size_t i2 = i1 + b < k ? i1 + b : k;
        for (size_t i = i1; i < i2; i++) {
            if (c.g && i % c.g == 0)
                group_rows(&c, wp, h, e, i, i1, i2);
            double *wi = wp + i * n, *qi = q.data + perm[i] * n, *ei = e + (i - i1) * n;
            if ((rc = quantize_row(&c, qi, wi, perm[i], err)) != FPQ_OK)
                goto done;
            double d = h[i * k + i];
            for (size_t j = 0; j < n; j++)
                ei[j] = (wi[j] - qi[j]) / d;
            if (i + 1 < i2)
                la.ger(CblasRowMajor, (int)(i2 - i - 1), (int)n, -1.0, h + i * k + i + 1, 1, ei, 1,
                           wp + (i + 1) * n, (int)n);
        }
        if (i2 < k)
            la.gemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)(k - i2), (int)n, (int)(i2 - i1),
                        -1.0, h + i1 * k + i2, (int)k, e, (int)n, 1.0, wp + i2 * n, (int)n);
    }
    if (st) {
        st->dead = dead;
        st->damp_abs = o->damp * mean;
        st->clipped_frac = (double)c.clipped / (double)(k * n);
    }
    *wq = q;
    q = (fpq_tensor)FPQ_TENSOR_INIT;
done:
    free(h), free(wp), free(e), free(diag), free(perm);
    la.set_threads(blas_threads);
    fpq_tensor_free(&q), fpq_tensor_free(&c.ref), fpq_tensor_free(&c.row);
    return rc;
}
