/* source.c: fpq_source_load -- a generator spec, or a tensor of a file
 * (source.h, io.h). */
#include "source.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dist.h"
#include "io.h"

static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && !S_ISDIR(st.st_mode);
}

int fpq_io_open_source(fpq_io_file *f, const char *source, const char **name,
                       fpq_errbuf *err)
{
    memset(f, 0, sizeof *f);
    *name = NULL;
    if (strncmp(source, "raw:", 4) == 0)
        return fpq_io_open_raw(f, source + 4, err);
    if (strncmp(source, "text:", 5) == 0)
        return fpq_io_open_text(f, source + 5, err);
    if (is_file(source))
        return fpq_io_open(f, source, err);
    /* FILE::NAME: the first "::" whose left side is a file */
    for (const char *p = strstr(source, "::"); p; p = strstr(p + 1, "::")) {
        size_t len = (size_t)(p - source);
        char *path = malloc(len + 1);
        if (!path)
            return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
        memcpy(path, source, len);
        path[len] = '\0';
        if (is_file(path)) {
            int rc = fpq_io_open(f, path, err);
            free(path);
            if (rc == FPQ_OK)
                *name = p + 2;
            return rc;
        }
        free(path);
    }
    return fpq_io_open(f, source, err); /* reports why it cannot be opened */
}

/* Reads a row count of a slice; an empty one is dflt. */
static int slice_bound(const char *p, const char *end, size_t dflt, size_t *v)
{
    if (p == end) {
        *v = dflt;
        return 1;
    }
    size_t x = 0;
    for (; p < end; p++) {
        if (*p < '0' || *p > '9' || x > (SIZE_MAX - 9) / 10)
            return 0;
        x = x * 10 + (size_t)(*p - '0');
    }
    *v = x;
    return 1;
}

int fpq_source_is_slice(const char *source)
{
    const size_t len = strlen(source);
    const char *lb = strrchr(source, '[');
    return len >= 3 && source[len - 1] == ']' && lb && lb != source && !fpq_gen_is_spec(source) &&
           !is_file(source);
}

/* FILE[A:B]: rows A .. B-1 of the tensor (a half-open range as in Python;
 * A defaults to 0, B to the row count).  Returns 0 when source is no
 * slice, else 1 with the status of the load in *rc. */
static int load_rows(fpq_tensor *out, const char *source, fpq_errbuf *err, int *rc)
{
    if (!fpq_source_is_slice(source))
        return 0;
    const size_t len = strlen(source);
    const char *lb = strrchr(source, '[');
    const char *colon = memchr(lb, ':', (size_t)(source + len - 1 - lb));
    char *base = malloc((size_t)(lb - source) + 1);
    if (!base) {
        *rc = fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
        return 1;
    }
    memcpy(base, source, (size_t)(lb - source));
    base[lb - source] = '\0';
    size_t a = 0, b = 0;
    if (!colon || !slice_bound(lb + 1, colon, 0, &a) || !slice_bound(colon + 1, source + len - 1, SIZE_MAX, &b)) {
        *rc = fpq_err(err, FPQ_LAB_ERR_SPEC, "%s: bad row range '%s' (rows A to B-1 are [A:B]; A and B "
                      "whole numbers, either may be left out)", base, lb);
        free(base);
        return 1;
    }
    *rc = fpq_source_load(out, base, err);
    if (*rc == FPQ_OK) {
        const size_t rows = out->rows;
        if (b == SIZE_MAX)
            b = rows;
        if (a >= b || b > rows) {
            *rc = fpq_err(err, FPQ_LAB_ERR_SPEC, "%s: row range [%zu:%zu] is empty or beyond its %zu rows",
                          base, a, b, rows);
            fpq_tensor_free(out);
        } else {
            memmove(out->data, out->data + a * out->cols, (b - a) * out->cols * sizeof *out->data);
            out->rows = b - a;
        }
    }
    free(base);
    return 1;
}

int fpq_source_load(fpq_tensor *out, const char *source, fpq_errbuf *err)
{
    out->rows = out->cols = 0;
    out->data = NULL;
    if (!source || !*source)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "empty source (a file, FILE::NAME, raw:FILE,..., "
                       "or a generator spec such as normal:n=1000)");
    int rc;
    if (load_rows(out, source, err, &rc))
        return rc;
    if (fpq_gen_is_spec(source))
        return fpq_gen(out, source, err);
    fpq_io_file f;
    const char *name;
    rc = fpq_io_open_source(&f, source, &name, err);
    if (rc != FPQ_OK)
        return rc;
    size_t idx = 0;
    if (name) {
        rc = fpq_io_find(&f, name, &idx, err);
    } else if (f.nt == 0) {
        rc = fpq_err(err, FPQ_LAB_ERR_EMPTY, "%s: the file holds no tensors", f.path);
    } else if (f.nt > 1) {
        rc = fpq_err(err, FPQ_LAB_ERR_SPEC,
                     "%s holds %zu tensors; name one as %s::NAME (e.g. %s::%s; "
                     "'fpq inspect %s' lists them)", f.path, f.nt, f.path, f.path,
                     f.t[0].name, f.path);
    }
    if (rc == FPQ_OK)
        rc = fpq_io_read(out, &f, idx, err);
    if (rc == FPQ_OK && fpq_tensor_size(out) == 0) {
        rc = fpq_err(err, FPQ_LAB_ERR_EMPTY, "%s::%s: the tensor has no elements", f.path,
                     f.t[idx].name);
        fpq_tensor_free(out);
    }
    fpq_io_close(&f);
    return rc;
}
