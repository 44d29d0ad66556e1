/* train/net.c: the network of the engine (train.h) -- allocation, He
 * initialisation from the lab's Philox generator, and the model file
 * (safetensors, written here, read back through the lab's loaders). */
#include "train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dist.h"
#include "io.h"
#include "outfile.h"
#include "strbuf.h"

int fpq_nn_alloc(fpq_nn *n, const size_t *sizes, size_t nlayers, fpq_errbuf *err)
{
    memset(n, 0, sizeof *n);
    if (nlayers < 1 || nlayers > FPQ_NN_MAXLAYERS)
        return fpq_err(err, FPQ_ERR_ARG, "a network has 1 to %d layers, not %zu", FPQ_NN_MAXLAYERS,
                       nlayers);
    for (size_t l = 0; l <= nlayers; l++)
        if (sizes[l] < 1 || sizes[l] > 1u << 20)
            return fpq_err(err, FPQ_ERR_ARG, "layer size %zu out of range (1 to 1048576)", sizes[l]);
    n->nlayers = nlayers;
    memcpy(n->size, sizes, (nlayers + 1) * sizeof *sizes);
    for (size_t l = 0; l < nlayers; l++) {
        n->w[l] = calloc(sizes[l] * sizes[l + 1], sizeof(float));
        n->b[l] = calloc(sizes[l + 1], sizeof(float));
        if (!n->w[l] || !n->b[l]) {
            fpq_nn_free(n);
            return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory for the network");
        }
    }
    return FPQ_OK;
}

void fpq_nn_free(fpq_nn *n)
{
    for (size_t l = 0; l < FPQ_NN_MAXLAYERS; l++) {
        free(n->w[l]);
        free(n->b[l]);
    }
    memset(n, 0, sizeof *n);
}

void fpq_nn_init(fpq_nn *n, uint64_t seed)
{
    for (size_t l = 0; l < n->nlayers; l++) {
        size_t cnt = n->size[l] * n->size[l + 1];
        double sd = sqrt(2.0 / (double)n->size[l]);
        float *w = n->w[l];
#pragma omp parallel for schedule(static)
        for (ptrdiff_t i = 0; i < (ptrdiff_t)cnt; i++) {
            uint64_t u[2];
            fpq_rng_u64x2(u, seed, (uint32_t)l, (uint64_t)i, FPQ_RNG_TAG_VALUE, 0);
            w[i] = (float)(sd * fpq_norm_quantile(fpq_rng_open01(u[0])));
        }
        memset(n->b[l], 0, n->size[l + 1] * sizeof(float));
    }
}

int fpq_nn_copy(fpq_nn *dst, const fpq_nn *src, fpq_errbuf *err)
{
    int rc = fpq_nn_alloc(dst, src->size, src->nlayers, err);
    if (rc != FPQ_OK)
        return rc;
    for (size_t l = 0; l < src->nlayers; l++) {
        memcpy(dst->w[l], src->w[l], src->size[l] * src->size[l + 1] * sizeof(float));
        memcpy(dst->b[l], src->b[l], src->size[l + 1] * sizeof(float));
    }
    return FPQ_OK;
}

/* ---- the model file -------------------------------------------------------------- */

int fpq_nn_save(const fpq_nn *n, const char *path, unsigned flags, fpq_errbuf *err)
{
    fpq_strbuf h = FPQ_STRBUF_INIT;
    char sizes[256];
    size_t sl = 0;
    for (size_t l = 0; l <= n->nlayers && sl < sizeof sizes; l++)
        sl += (size_t)snprintf(sizes + sl, sizeof sizes - sl, "%s%zu", l ? "-" : "", n->size[l]);
    fpq_sb_printf(&h, "{\"__metadata__\":{\"fpq\":\"mlp\",\"sizes\":\"%s\"}", sizes);
    size_t off = 0;
    for (size_t l = 0; l < n->nlayers; l++) {
        size_t wb = n->size[l] * n->size[l + 1] * 4, bb = n->size[l + 1] * 4;
        fpq_sb_printf(&h, ",\"fc%zu.weight\":{\"dtype\":\"F32\",\"shape\":[%zu,%zu],"
                        "\"data_offsets\":[%zu,%zu]}", l + 1, n->size[l], n->size[l + 1], off,
                        off + wb);
        off += wb;
        fpq_sb_printf(&h, ",\"fc%zu.bias\":{\"dtype\":\"F32\",\"shape\":[%zu],"
                        "\"data_offsets\":[%zu,%zu]}", l + 1, n->size[l + 1], off, off + bb);
        off += bb;
    }
    fpq_sb_printf(&h, "}");
    while (h.len % 8)
        fpq_sb_printf(&h, " ");
    if (h.oom) {
        fpq_sb_free(&h);
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "%s: out of memory", path);
    }
    fpq_outfile f;
    int rc = fpq_out_open(&f, path, flags, err);
    if (rc != FPQ_OK) {
        fpq_sb_free(&h);
        return rc;
    }
    unsigned char len8[8];
    for (int i = 0; i < 8; i++)
        len8[i] = (unsigned char)((uint64_t)h.len >> (8 * i));
    rc = fpq_out_write(&f, len8, 8, err);
    if (rc == FPQ_OK)
        rc = fpq_out_write(&f, h.p, h.len, err);
    fpq_sb_free(&h);
    /* little-endian float32: the host's layout on the machines fpq builds on
       is checked once here */
    const uint32_t one = 1;
    unsigned char probe;
    memcpy(&probe, &one, 1);
    for (size_t l = 0; l < n->nlayers && rc == FPQ_OK; l++) {
        size_t cnt[2] = {n->size[l] * n->size[l + 1], n->size[l + 1]};
        const float *src[2] = {n->w[l], n->b[l]};
        for (int p = 0; p < 2 && rc == FPQ_OK; p++) {
            if (probe == 1) {
                rc = fpq_out_write(&f, src[p], cnt[p] * 4, err);
                continue;
            }
            for (size_t i = 0; i < cnt[p] && rc == FPQ_OK; i++) {
                uint32_t u;
                memcpy(&u, &src[p][i], 4);
                unsigned char b[4] = {(unsigned char)u, (unsigned char)(u >> 8),
                                      (unsigned char)(u >> 16), (unsigned char)(u >> 24)};
                rc = fpq_out_write(&f, b, 4, err);
            }
        }
    }
    if (rc != FPQ_OK) {
        fpq_out_abort(&f);
        return rc;
    }
    return fpq_out_commit(&f, err);
}

/* Tensor `name` of f into a float array of exactly rows x cols values. */
static int read_part(float *dst, const fpq_io_file *f, const char *name, size_t rows, size_t cols,
                     fpq_errbuf *err)
{
    size_t i;
    int rc = fpq_io_find(f, name, &i, err);
    if (rc != FPQ_OK)
        return rc;
    fpq_tensor t;
    if ((rc = fpq_io_read(&t, f, i, err)) != FPQ_OK)
        return rc;
    if (fpq_tensor_size(&t) != rows * cols || (cols > 1 && t.cols != cols)) {
        rc = fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s::%s is %zu x %zu, the network needs %zu x %zu",
                     f->path, name, t.rows, t.cols, rows, cols);
        fpq_tensor_free(&t);
        return rc;
    }
    for (size_t j = 0; j < rows * cols; j++)
        dst[j] = (float)t.data[j];
    fpq_tensor_free(&t);
    return FPQ_OK;
}

int fpq_nn_load(fpq_nn *n, const char *path, fpq_errbuf *err)
{
    memset(n, 0, sizeof *n);
    fpq_io_file f;
    int rc = fpq_io_open(&f, path, err);
    if (rc != FPQ_OK)
        return rc;
    size_t sizes[FPQ_NN_MAXLAYERS + 1], nl = 0;
    for (; nl < FPQ_NN_MAXLAYERS; nl++) {
        char name[32];
        snprintf(name, sizeof name, "fc%zu.weight", nl + 1);
        size_t i;
        fpq_errbuf e2;
        if (fpq_io_find(&f, name, &i, &e2) != FPQ_OK)
            break;
        const fpq_io_tensor *t = &f.t[i];
        if (t->ndim != 2) {
            rc = fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s::%s has %d dimensions, not 2", path, name,
                         t->ndim);
            goto out;
        }
        if (nl > 0 && t->shape[0] != sizes[nl]) {
            rc = fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s::%s has %llu inputs, the layer before gives "
                         "%zu", path, name, (unsigned long long)t->shape[0], sizes[nl]);
            goto out;
        }
        sizes[nl] = (size_t)t->shape[0];
        sizes[nl + 1] = (size_t)t->shape[1];
    }
    if (nl == 0) {
        rc = fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s: no tensor fc1.weight: not a network of fpq "
                     "train", path);
        goto out;
    }
    if ((rc = fpq_nn_alloc(n, sizes, nl, err)) != FPQ_OK)
        goto out;
    for (size_t l = 0; l < nl && rc == FPQ_OK; l++) {
        char name[32];
        snprintf(name, sizeof name, "fc%zu.weight", l + 1);
        rc = read_part(n->w[l], &f, name, sizes[l], sizes[l + 1], err);
        snprintf(name, sizeof name, "fc%zu.bias", l + 1);
        if (rc == FPQ_OK)
            rc = read_part(n->b[l], &f, name, 1, sizes[l + 1], err);
    }
    if (rc != FPQ_OK)
        fpq_nn_free(n);
out:
    fpq_io_close(&f);
    return rc;
}
