/* train/eval.c: the accuracy of a network (train.h), in fp32 or through
 * quantization points, and post-training quantization of every layer's
 * product through the lab's fpq_matmul, against the fp32 network. */
#include "train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The largest width of a network's layers. */
static size_t widest(const fpq_nn *net)
{
    size_t w = 0;
    for (size_t l = 0; l <= net->nlayers; l++)
        w = net->size[l] > w ? net->size[l] : w;
    return w;
}

static int argmax(const float *z, size_t n)
{
    size_t best = 0;
    for (size_t j = 1; j < n; j++)
        if (z[j] > z[best])
            best = j;
    return (int)best;
}

int fpq_nn_accuracy(double *acc, int *pred, const fpq_nn *net, const fpq_nn_data *d,
                    const fpq_nn_point *w, const fpq_nn_point *a, const fpq_dot_spec *dot,
                    fpq_errbuf *err)
{
    *acc = 0;
    if (d->dim != net->size[0])
        return fpq_err(err, FPQ_ERR_ARG, "the images have %zu values, the network takes %zu",
                       d->dim, net->size[0]);
    const size_t L = net->nlayers, W = widest(net), R = FPQ_NN_EVAL_BATCH;
    float *x = malloc(R * W * sizeof *x), *z = malloc(R * W * sizeof *z);
    float *wq[FPQ_NN_MAXLAYERS] = {NULL};
    int rc = x && z ? FPQ_OK : FPQ_ERR_NO_MEMORY;
    for (size_t l = 0; l < L && rc == FPQ_OK; l++) {
        size_t nw = net->size[l] * net->size[l + 1];
        if (!(wq[l] = malloc(nw * sizeof(float)))) {
            rc = FPQ_ERR_NO_MEMORY;
            break;
        }
        memcpy(wq[l], net->w[l], nw * sizeof(float));
        if (w)
            rc = fpq_nn_point_apply(w, wq[l], net->size[l], net->size[l + 1], (uint64_t)l << 32,
                                    NULL, err);
    }
    if (rc == FPQ_ERR_NO_MEMORY)
        fpq_err(err, rc, "out of memory for the evaluation");
    size_t right = 0;
    for (size_t r0 = 0; r0 < d->n && rc == FPQ_OK; r0 += R) {
        size_t rows = d->n - r0 < R ? d->n - r0 : R;
        memcpy(x, d->x + r0 * d->dim, rows * d->dim * sizeof(float));
        for (size_t l = 0; l < L && rc == FPQ_OK; l++) {
            size_t in = net->size[l], out = net->size[l + 1];
            if (a)
                rc = fpq_nn_point_apply(a, x, rows, in, ((uint64_t)(L + l) << 32) + r0 * in, NULL,
                                        err);
            if (rc == FPQ_OK)
                rc = fpq_nn_linear(z, x, wq[l], net->b[l], rows, in, out, dot, err);
            if (rc == FPQ_OK && l + 1 < L)
                for (size_t i = 0; i < rows * out; i++)
                    x[i] = z[i] > 0 ? z[i] : 0;
        }
        for (size_t i = 0; i < rows && rc == FPQ_OK; i++) {
            int p = argmax(z + i * net->size[L], net->size[L]);
            right += (unsigned)p == d->y[r0 + i];
            if (pred)
                pred[r0 + i] = p;
        }
    }
    free(x), free(z);
    for (size_t l = 0; l < L; l++)
        free(wq[l]);
    if (rc == FPQ_OK)
        *acc = d->n ? (double)right / (double)d->n : 0;
    return rc;
}

/* One layer under mm: z (rows x out, float) = fpq_matmul(x, w) + b. */
static int ptq_layer(float *z, fpq_mm_metrics *m, const float *x, const float *w, const float *b,
                     size_t rows, size_t in, size_t out, const fpq_mm_spec *mm, fpq_errbuf *err)
{
    fpq_tensor tx, tw, ty = FPQ_TENSOR_INIT;
    if (fpq_tensor_alloc(&tx, rows, in) != FPQ_OK)
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory for the evaluation");
    if (fpq_tensor_alloc(&tw, in, out) != FPQ_OK) {
        fpq_tensor_free(&tx);
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory for the evaluation");
    }
    for (size_t i = 0; i < rows * in; i++)
        tx.data[i] = x[i];
    for (size_t i = 0; i < in * out; i++)
        tw.data[i] = w[i];
    int rc = fpq_matmul(&ty, m, NULL, &tx, &tw, NULL, mm, err);
    if (rc == FPQ_OK)
        for (size_t i = 0; i < rows; i++)
            for (size_t j = 0; j < out; j++)
                z[i * out + j] = (float)(ty.data[i * out + j] + b[j]);
    fpq_tensor_free(&tx), fpq_tensor_free(&tw), fpq_tensor_free(&ty);
    return rc;
}

int fpq_nn_eval(fpq_eval_result *r, const fpq_nn *net, const fpq_nn_data *d,
                const fpq_mm_spec *mm, fpq_errbuf *err)
{
    memset(r, 0, sizeof *r);
    if (d->dim != net->size[0])
        return fpq_err(err, FPQ_ERR_ARG, "the images have %zu values, the network takes %zu",
                       d->dim, net->size[0]);
    const size_t L = net->nlayers, W = widest(net), R = FPQ_NN_EVAL_BATCH, C = net->size[L];
    float *x = malloc(R * W * sizeof *x), *z = malloc(R * W * sizeof *z);
    float *xr = malloc(R * W * sizeof *xr), *zr = malloc(R * W * sizeof *zr);
    if (!x || !z || !xr || !zr) {
        free(x), free(z), free(xr), free(zr);
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory for the evaluation");
    }
    double sig[FPQ_NN_MAXLAYERS] = {0}, noise[FPQ_NN_MAXLAYERS] = {0}, outl = 0;
    size_t right = 0, right32 = 0, agree = 0, nmm = 0;
    int rc = FPQ_OK;
    for (size_t r0 = 0; r0 < d->n && rc == FPQ_OK; r0 += R) {
        size_t rows = d->n - r0 < R ? d->n - r0 : R;
        memcpy(x, d->x + r0 * d->dim, rows * d->dim * sizeof(float));
        memcpy(xr, x, rows * d->dim * sizeof(float));
        for (size_t l = 0; l < L && rc == FPQ_OK; l++) {
            size_t in = net->size[l], out = net->size[l + 1];
            fpq_mm_metrics m;
            rc = ptq_layer(z, &m, x, net->w[l], net->b[l], rows, in, out, mm, err);
            if (rc != FPQ_OK)
                break;
            rc = fpq_nn_linear(zr, xr, net->w[l], net->b[l], rows, in, out, NULL, err);
            if (l == 0) {
                r->bits_x = m.bits_x;
                r->bits_w = m.bits_w;
            }
            outl += m.outlier_frac;
            nmm++;
            for (size_t i = 0; i < rows * out; i++) {
                double e = (double)z[i] - (double)zr[i];
                sig[l] += (double)zr[i] * zr[i];
                noise[l] += e * e;
            }
            if (l + 1 < L)
                for (size_t i = 0; i < rows * out; i++) {
                    x[i] = z[i] > 0 ? z[i] : 0;
                    xr[i] = zr[i] > 0 ? zr[i] : 0;
                }
        }
        for (size_t i = 0; i < rows && rc == FPQ_OK; i++) {
            int p = argmax(z + i * C, C), p32 = argmax(zr + i * C, C);
            right += (unsigned)p == d->y[r0 + i];
            right32 += (unsigned)p32 == d->y[r0 + i];
            agree += p == p32;
        }
    }
    free(x), free(z), free(xr), free(zr);
    if (rc != FPQ_OK)
        return rc;
    r->test_acc = (double)right / (double)d->n;
    r->fp32_acc = (double)right32 / (double)d->n;
    r->agree = (double)agree / (double)d->n;
    r->outlier_frac = nmm ? outl / (double)nmm : 0;
    for (size_t l = 0; l < L; l++) {
        double db = noise[l] > 0 ? 10 * log10(sig[l] / noise[l]) : FPQ_SQNR_CAP_DB;
        r->sqnr_db[l] = db > FPQ_SQNR_CAP_DB ? FPQ_SQNR_CAP_DB : db;
    }
    return FPQ_OK;
}
