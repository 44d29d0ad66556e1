/* source.c: fpq_source_load -- a generator spec, or a tensor of a file
 * (source.h, io.h). */
#include "source.h"

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

int fpq_source_load(fpq_tensor *out, const char *source, fpq_errbuf *err)
{
    out->rows = out->cols = 0;
    out->data = NULL;
    if (!source || !*source)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "empty source (a file, FILE::NAME, raw:FILE,..., "
                       "or a generator spec such as normal:n=1000)");
    if (fpq_gen_is_spec(source))
        return fpq_gen(out, source, err);
    fpq_io_file f;
    const char *name;
    int rc = fpq_io_open_source(&f, source, &name, err);
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
