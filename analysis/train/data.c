/* train/data.c: the image data sets of the engine (train.h), from IDX
 * files read through the lab's loaders (io/idx.c). */
#include "train.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io.h"

void fpq_nn_data_free(fpq_nn_data *d)
{
    free(d->x);
    free(d->y);
    memset(d, 0, sizeof *d);
}

/* The one u8 tensor of the IDX file at path, with its dimension count at
 * least min_dim (images) or exactly 1 (min_dim 1). */
static int open_u8(fpq_io_file *f, const fpq_io_tensor **t, const char *path, int min_dim,
                   fpq_errbuf *err)
{
    int rc = fpq_io_open(f, path, err);
    if (rc != FPQ_OK)
        return rc;
    if (strcmp(f->kind, "idx") != 0 || f->nt != 1)
        rc = fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s: not an IDX file (it reads as %s)", path, f->kind);
    else if (f->t[0].type != FPQ_IO_U8)
        rc = fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s: elements are %s, not u8", path,
                     fpq_io_type_name(f->t[0].type));
    else if (min_dim == 1 ? f->t[0].ndim != 1 : f->t[0].ndim < min_dim)
        rc = fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s: %d dimensions (%s)", path, f->t[0].ndim,
                     min_dim == 1 ? "labels have 1" : "images have 2 or more");
    if (rc != FPQ_OK) {
        fpq_io_close(f);
        return rc;
    }
    *t = &f->t[0];
    return FPQ_OK;
}

static int load_set(fpq_nn_data *d, const char *images, const char *labels, size_t limit,
                    fpq_errbuf *err)
{
    memset(d, 0, sizeof *d);
    fpq_io_file fi, fl;
    const fpq_io_tensor *ti, *tl;
    int rc = open_u8(&fi, &ti, images, 2, err);
    if (rc != FPQ_OK)
        return rc;
    if ((rc = open_u8(&fl, &tl, labels, 1, err)) != FPQ_OK) {
        fpq_io_close(&fi);
        return rc;
    }
    size_t n = (size_t)ti->shape[0], dim = n ? (size_t)(ti->n / n) : 0;
    if (tl->shape[0] != n || n == 0 || dim == 0)
        rc = fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s holds %zu images of %zu values, %s %llu labels",
                     images, n, dim, labels, (unsigned long long)tl->shape[0]);
    if (rc == FPQ_OK && limit > 0 && limit < n)
        n = limit;
    if (rc == FPQ_OK) {
        d->x = malloc(n * dim * sizeof *d->x);
        d->y = malloc(n);
        if (!d->x || !d->y)
            rc = fpq_err(err, FPQ_ERR_NO_MEMORY, "%s: out of memory", images);
    }
    if (rc == FPQ_OK) {
        const unsigned char *px = fi.buf + ti->offset, *py = fl.buf + tl->offset;
#pragma omp parallel for schedule(static)
        for (ptrdiff_t i = 0; i < (ptrdiff_t)(n * dim); i++)
            d->x[i] = (float)px[i] / 255.0f;
        size_t classes = 0;
        for (size_t i = 0; i < n; i++) {
            d->y[i] = py[i];
            if ((size_t)py[i] + 1 > classes)
                classes = (size_t)py[i] + 1;
        }
        d->n = n;
        d->dim = dim;
        d->classes = classes;
    } else {
        fpq_nn_data_free(d);
    }
    fpq_io_close(&fi);
    fpq_io_close(&fl);
    return rc;
}

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* dir/stem-idxN-ubyte, else dir/stem.idxN (N = 3 images, 1 labels). */
static void pick(char *buf, size_t n, const char *dir, const char *stem, int nd)
{
    snprintf(buf, n, "%s/%s-idx%d-ubyte", dir, stem, nd);
    if (!exists(buf)) {
        char alt[4200];
        int len = snprintf(alt, sizeof alt, "%s/%s.idx%d", dir, stem, nd);
        if (len > 0 && (size_t)len < sizeof alt && exists(alt))
            snprintf(buf, n, "%s", alt);
    }
}

int fpq_nn_data_open(fpq_nn_data *train, fpq_nn_data *test, const char *where, size_t limit,
                     fpq_errbuf *err)
{
    if (train)
        memset(train, 0, sizeof *train);
    memset(test, 0, sizeof *test);
    char dir[4096];
    if (strcmp(where, "fashion-mnist") == 0) {
        const char *env = getenv("FPQ_DATA");
        snprintf(dir, sizeof dir, "%s/fashion-mnist", env && *env ? env : "data");
        if (!is_dir(dir))
            return fpq_err(err, FPQ_LAB_ERR_IO, "%s: not found: the bundled Fashion-MNIST is "
                           "fetched by 'make data' (into data/; FPQ_DATA=DIR names another data "
                           "folder), or give --data a folder of IDX files", dir);
    } else {
        if (!is_dir(where))
            return fpq_err(err, FPQ_LAB_ERR_IO, "%s: not a folder (--data takes fashion-mnist or "
                           "a folder of IDX files)", where);
        snprintf(dir, sizeof dir, "%s", where);
    }
    char ti[4200], tl[4200], si[4200], sl[4200];
    pick(ti, sizeof ti, dir, "train-images", 3);
    pick(tl, sizeof tl, dir, "train-labels", 1);
    pick(si, sizeof si, dir, "t10k-images", 3);
    pick(sl, sizeof sl, dir, "t10k-labels", 1);
    if (!train)
        return load_set(test, si, sl, limit, err);
    int rc = load_set(train, ti, tl, limit, err);
    if (rc == FPQ_OK && (rc = load_set(test, si, sl, 0, err)) != FPQ_OK)
        fpq_nn_data_free(train);
    if (rc == FPQ_OK && test->dim != train->dim) {
        rc = fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s: test images have %zu values, training images "
                     "%zu", si, test->dim, train->dim);
        fpq_nn_data_free(train);
        fpq_nn_data_free(test);
    }
    return rc;
}
