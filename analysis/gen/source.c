/* source.c: a source's spelling parsed once into what it names, and the
 * one loader of that (source.h).  Generator specs go to dist.c, files to
 * the loaders of io/. */
#include "source.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && !S_ISDIR(st.st_mode);
}

static bool has_prefix(const char *s, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && memcmp(s, prefix, n) == 0;
}

/* The len bytes at s as a string, or NULL. */
static char *dup_n(const char *s, size_t len)
{
    char *p = malloc(len + 1);
    if (p) {
        memcpy(p, s, len);
        p[len] = '\0';
    }
    return p;
}

/* A row count of a slice; an empty one is dflt. */
static bool slice_bound(const char *p, const char *end, size_t dflt, size_t *v)
{
    if (p == end) {
        *v = dflt;
        return true;
    }
    size_t x = 0;
    for (; p < end; p++) {
        if (*p < '0' || *p > '9' || x > (SIZE_MAX - 9) / 10)
            return false;
        x = x * 10 + (size_t)(*p - '0');
    }
    *v = x;
    return true;
}

static int no_memory(fpq_errbuf *err)
{
    return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
}

/* How the len bytes of r->text at start read (source.h's rule), into r:
 * kind, path, name, slices.  A generator spec is only recognised here
 * (kind FPQ_SOURCE_GEN, nothing allocated), not parsed.  forced: after
 * file:, no generator spec and no layout. */
static int read_at(fpq_source_ref *r, size_t start, size_t len, bool forced, fpq_errbuf *err)
{
    const char *s = r->text + start;
    char *whole = dup_n(s, len);
    if (!whole)
        return no_memory(err);
    const bool raw = !forced && has_prefix(s, len, "raw:");
    const bool text = !forced && has_prefix(s, len, "text:");

    /* an existing file, whole */
    if (!raw && !text && is_file(whole)) {
        r->kind = FPQ_SOURCE_FILE;
        r->path = whole;
        return FPQ_OK;
    }

    /* S[A:B], when S reads as anything but a generator spec */
    const char *lb = len >= 3 && s[len - 1] == ']' ? memrchr(s, '[', len) : NULL;
    if (lb && lb != s) {
        const size_t base = (size_t)(lb - s);
        int rc = read_at(r, start, base, forced, err);
        if (rc != FPQ_OK || r->kind != FPQ_SOURCE_GEN) {
            free(whole);
            if (rc != FPQ_OK)
                return rc;
            const int bl = (int)(start + base);
            if (r->nslices == FPQ_SOURCE_MAXSLICE)
                return fpq_err(err, FPQ_LAB_ERR_SPEC, "%.*s: more than %d row ranges", bl,
                               r->text, FPQ_SOURCE_MAXSLICE);
            fpq_source_slice *sl = &r->slice[r->nslices++];
            sl->base_len = start + base;
            const char *end = s + len - 1, *colon = memchr(lb, ':', (size_t)(end - lb));
            if (!colon || !slice_bound(lb + 1, colon, 0, &sl->lo) ||
                !slice_bound(colon + 1, end, SIZE_MAX, &sl->hi))
                return fpq_err(err, FPQ_LAB_ERR_SPEC,
                               "%.*s: bad row range '%.*s' (rows A to B-1 are [A:B]; A and B "
                               "whole numbers, either may be left out)",
                               bl, r->text, (int)(len - base), lb);
            return FPQ_OK;
        }
    }

    /* the layouts */
    if (raw || text) {
        r->kind = raw ? FPQ_SOURCE_RAW : FPQ_SOURCE_TEXT;
        const size_t skip = raw ? 4 : 5;
        memmove(whole, whole + skip, len - skip + 1);
        r->path = whole;
        return FPQ_OK;
    }

    /* FILE::NAME: the first "::" whose left side is an existing file */
    for (char *p = strstr(whole, "::"); p; p = strstr(p + 1, "::")) {
        *p = '\0';
        if (is_file(whole)) {
            r->kind = FPQ_SOURCE_TENSOR;
            r->path = whole;
            r->name = p + 2;
            return FPQ_OK;
        }
        *p = ':';
    }

    if (!forced && fpq_gen_is_spec(whole)) {
        free(whole);
        r->kind = FPQ_SOURCE_GEN;
        return FPQ_OK;
    }

    /* no file by that name: a file all the same, whose loading says why
     * it cannot be opened */
    r->kind = FPQ_SOURCE_FILE;
    r->path = whole;
    return FPQ_OK;
}

void fpq_source_ref_free(fpq_source_ref *r)
{
    free(r->text);
    free(r->path);
    memset(r, 0, sizeof *r);
}

int fpq_source_parse(fpq_source_ref *out, const char *text, fpq_errbuf *err)
{
    memset(out, 0, sizeof *out);
    out->kind = FPQ_SOURCE_FILE;
    if (!text || !*text)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "empty source (a file, FILE::NAME, raw:FILE,..., "
                       "or a generator spec such as normal:n=1000)");
    if (!(out->text = strdup(text)))
        return no_memory(err);
    const bool forced = strncmp(text, "file:", 5) == 0;
    const size_t start = forced ? 5 : 0;
    int rc;
    if (forced && !text[5])
        rc = fpq_err(err, FPQ_LAB_ERR_SPEC, "file: missing FILE (file:FILE reads FILE as a file, "
                     "never as a generator spec)");
    else
        rc = read_at(out, start, strlen(text) - start, forced, err);
    if (rc == FPQ_OK && out->kind == FPQ_SOURCE_GEN)
        rc = fpq_gen_parse(&out->gen, text, err);
    if (rc != FPQ_OK) {
        const fpq_source_kind kind = out->kind;
        const size_t nslices = out->nslices;
        fpq_source_ref_free(out);
        out->kind = kind;
        out->nslices = nslices;
    }
    return rc;
}

int fpq_source_open(fpq_io_file *f, const fpq_source_ref *r, fpq_errbuf *err)
{
    switch (r->kind) {
    case FPQ_SOURCE_RAW: return fpq_io_open_raw(f, r->path, err);
    case FPQ_SOURCE_TEXT: return fpq_io_open_text(f, r->path, err);
    case FPQ_SOURCE_FILE:
    case FPQ_SOURCE_TENSOR: return fpq_io_open(f, r->path, err);
    default:
        memset(f, 0, sizeof *f);
        return fpq_err(err, FPQ_ERR_ARG, "%s: a generator spec names no file", r->text);
    }
}

/* The tensor of a file that r names, whole. */
static int read_file_tensor(fpq_tensor *out, const fpq_source_ref *r, fpq_errbuf *err)
{
    fpq_io_file f;
    int rc = fpq_source_open(&f, r, err);
    if (rc != FPQ_OK)
        return rc;
    size_t idx = 0;
    if (r->name) {
        rc = fpq_io_find(&f, r->name, &idx, err);
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

int fpq_source_read(fpq_tensor *out, const fpq_source_ref *r, fpq_errbuf *err)
{
    out->rows = out->cols = 0;
    out->data = NULL;
    if (r->kind == FPQ_SOURCE_GEN)
        return fpq_gen_fill(out, &r->gen, err);
    int rc = read_file_tensor(out, r, err);
    /* rows lo .. hi-1, innermost slice first */
    for (size_t k = 0; k < r->nslices && rc == FPQ_OK; k++) {
        const fpq_source_slice *sl = &r->slice[k];
        const size_t rows = out->rows, a = sl->lo, b = sl->hi == SIZE_MAX ? rows : sl->hi;
        if (a >= b || b > rows) {
            rc = fpq_err(err, FPQ_LAB_ERR_SPEC, "%.*s: row range [%zu:%zu] is empty or beyond its "
                         "%zu rows", (int)sl->base_len, r->text, a, b, rows);
            fpq_tensor_free(out);
        } else {
            memmove(out->data, out->data + a * out->cols, (b - a) * out->cols * sizeof *out->data);
            out->rows = b - a;
        }
    }
    return rc;
}

int fpq_source_load(fpq_tensor *out, const char *text, fpq_errbuf *err)
{
    out->rows = out->cols = 0;
    out->data = NULL;
    fpq_source_ref r;
    int rc = fpq_source_parse(&r, text, err);
    if (rc == FPQ_OK)
        rc = fpq_source_read(out, &r, err);
    fpq_source_ref_free(&r);
    return rc;
}

int fpq_source_is_gen(const char *text)
{
    fpq_source_ref r;
    fpq_source_parse(&r, text, NULL);
    const int gen = r.kind == FPQ_SOURCE_GEN;
    fpq_source_ref_free(&r);
    return gen;
}

int fpq_source_is_slice(const char *text)
{
    fpq_source_ref r;
    fpq_source_parse(&r, text, NULL);
    const int slice = r.nslices > 0;
    fpq_source_ref_free(&r);
    return slice;
}
