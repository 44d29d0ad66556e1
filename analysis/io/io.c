/* io.c: the dispatch of the tensor loaders (io.h) -- recognise a file's
 * format by its first bytes, else its extension, and hand it to the
 * loader; find a tensor by name; decode a tensor's elements to doubles. */
#include "io-impl.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "strset.h"

static int has_ext(const char *path, const char *ext)
{
    size_t lp = strlen(path), le = strlen(ext);
    return lp > le && strcasecmp(path + lp - le, ext) == 0;
}

/* Shards of a TF.js model, from the directory of model.json: each must
 * resolve (symlinks followed) to a file inside that directory, and none may
 * be read twice. */
typedef struct tfjs_ctx {
    const char *json;
    char *dir;        /* model.json's directory, resolved */
    fpq_strset seen;  /* resolved shard paths read so far */
} tfjs_ctx;

static int tfjs_read_shard(void *ctx, const char *rel, unsigned char **data, size_t *len,
                           fpq_errbuf *err)
{
    tfjs_ctx *c = ctx;
    const char *json = c->json;
    const char *slash = strrchr(json, '/');
    size_t dirlen = slash ? (size_t)(slash - json + 1) : 0;
    size_t rl = strlen(rel);
    char *p = malloc(dirlen + rl + 2);
    if (!p)
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "%s: out of memory", json);
    if (!c->dir) {
        memcpy(p, json, dirlen);
        strcpy(p + dirlen, ".");
        c->dir = realpath(p, NULL);
        if (!c->dir) {
            int e = errno;
            free(p);
            return fpq_err(err, FPQ_LAB_ERR_IO, "%s: cannot resolve its directory: %s", json, strerror(e));
        }
    }
    memcpy(p, json, dirlen);
    memcpy(p + dirlen, rel, rl + 1);
    char *real = realpath(p, NULL);
    if (!real) {
        int e = errno;
        int rc = fpq_err(err, FPQ_LAB_ERR_IO, "%s: cannot open: %s", p, strerror(e));
        free(p);
        return rc;
    }
    size_t dl = strlen(c->dir);
    if (strncmp(real, c->dir, dl) != 0 || (real[dl] != '/' && strcmp(c->dir, "/") != 0)) {
        int rc = fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s: shard '%.200s' resolves to %.200s, outside "
                         "the model's directory", json, rel, real);
        free(real);
        free(p);
        return rc;
    }
    bool found;
    if (fpq_strset_add(&c->seen, real, &found) != FPQ_OK) {
        free(p);
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "%s: out of memory", json);
    }
    if (found) {
        int rc = fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s: shard '%.200s' is listed twice (each shard "
                         "file may be read once)", json, rel);
        free(p);
        return rc;
    }
    int rc = fpq_io_slurp(p, data, len, err);
    free(p);
    return rc;
}

static int parse_tfjs(fpq_io_file *f, fpq_errbuf *err)
{
    tfjs_ctx c = {.json = f->path, .dir = NULL, .seen = FPQ_STRSET_INIT};
    int rc = fpq_io_parse_tfjs(f, tfjs_read_shard, &c, err);
    free(c.dir);
    fpq_strset_free(&c.seen);
    return rc;
}

static bool npy_magic(const unsigned char *b, size_t n)
{
    return n >= 6 && memcmp(b, "\x93NUMPY", 6) == 0;
}

static bool gguf_magic(const unsigned char *b, size_t n)
{
    return n >= 4 && memcmp(b, "GGUF", 4) == 0;
}

static bool gnubg_magic(const unsigned char *b, size_t n)
{
    return n >= 4 && fpq_io_ld32(b, 0) == 0x43EC3069u; /* 472.3782f */
}

/* IDX: two zero bytes, a known element type, 1 to 8 dimensions, and a
 * length that is exactly the header's (so that nothing else passes). */
static bool idx_magic(const unsigned char *b, size_t n)
{
    if (n < 4 || b[0] != 0 || b[1] != 0 || b[3] == 0 || b[3] > FPQ_IO_MAXDIM)
        return false;
    static const unsigned char codes[] = {0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e};
    static const unsigned char sizes[] = {1, 1, 2, 4, 4, 8};
    size_t size = 0;
    for (size_t i = 0; i < sizeof codes; i++)
        if (b[2] == codes[i])
            size = sizes[i];
    size_t start = 4 + 4 * (size_t)b[3];
    if (size == 0 || n < start)
        return false;
    uint64_t total = size;
    for (unsigned d = 0; d < b[3]; d++)
        if (!fpq_io_mul(&total, total, fpq_io_ld32(b + 4 + 4 * d, 1)))
            return false;
    return total == n - start;
}

static bool audio_magic(const unsigned char *b, size_t n)
{
    if (n >= 12 && memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "WAVE", 4) == 0)
        return true;
    if (n >= 12 && memcmp(b, "RF64", 4) == 0)
        return true;
    if (n >= 4 && (memcmp(b, "fLaC", 4) == 0 || memcmp(b, "OggS", 4) == 0 ||
                   memcmp(b, ".snd", 4) == 0))
        return true;
    return n >= 12 && memcmp(b, "FORM", 4) == 0 &&
           (memcmp(b + 8, "AIFF", 4) == 0 || memcmp(b + 8, "AIFC", 4) == 0);
}

/* The loaders: a file is theirs by its magic bytes first (in this order),
 * then by its extension. */
static const struct loader {
    int (*parse)(fpq_io_file *f, fpq_errbuf *err);
    bool (*magic)(const unsigned char *b, size_t n); /* NULL: none */
    const char *const ext[7];                        /* NULL-terminated */
} loaders[] = {
    {fpq_io_parse_npy, npy_magic, {".npy"}},
    {fpq_io_parse_gguf, gguf_magic, {".gguf"}},
    {fpq_io_parse_gnubg, gnubg_magic, {".wd"}},
    {fpq_io_parse_idx, idx_magic, {"-ubyte", ".idx"}},
    {fpq_io_parse_audio, audio_magic, {".wav", ".flac", ".ogg", ".aiff", ".aif", ".au"}},
    {fpq_io_parse_safetensors, NULL, {".safetensors"}},
    {parse_tfjs, NULL, {".json"}},
    {fpq_io_parse_text, NULL, {".txt"}},
};
#define NLOADERS (sizeof loaders / sizeof loaders[0])

/* The loader of the file at path whose first n bytes are b, or NULL. */
static const struct loader *find_loader(const char *path, const unsigned char *b, size_t n)
{
    for (size_t i = 0; i < NLOADERS; i++)
        if (loaders[i].magic && loaders[i].magic(b, n))
            return &loaders[i];
    for (size_t i = 0; i < NLOADERS; i++)
        for (const char *const *e = loaders[i].ext; *e; e++)
            if (has_ext(path, *e))
                return &loaders[i];
    return NULL;
}

int fpq_io_open(fpq_io_file *f, const char *path, fpq_errbuf *err)
{
    int rc = fpq_io_open_bytes(f, path, err);
    if (rc != FPQ_OK)
        return rc;
    const unsigned char *b = f->buf;
    size_t n = f->len;
    const struct loader *l = find_loader(path, b, n);
    if (l)
        rc = l->parse(f, err);
    /* no telling magic or extension: a safetensors header (u64 length, then '{') or JSON */
    else if (n >= 9 && b[8] == '{' && fpq_io_ld64(b, 0) <= n - 8)
        rc = fpq_io_parse_safetensors(f, err);
    else if (n >= 1 && b[0] == '{')
        rc = parse_tfjs(f, err);
    else
        rc = fpq_err(err, FPQ_LAB_ERR_FORMAT,
                     "%s: unrecognized file format (not .npy, .safetensors, .gguf, a "
                     "TF.js model.json, a gnubg .wd, IDX, audio or .txt); for raw binary write "
                     "raw:%s,dtype=f32 (see README.md, section Data)", path, path);
    if (rc != FPQ_OK)
        fpq_io_close(f);
    return rc;
}

int fpq_io_find(const fpq_io_file *f, const char *name, size_t *index, fpq_errbuf *err)
{
    for (size_t i = 0; i < f->nt; i++)
        if (strcmp(f->t[i].name, name) == 0) {
            *index = i;
            return FPQ_OK;
        }
    char some[200];
    size_t len = 0;
    some[0] = '\0';
    for (size_t i = 0; i < f->nt && i < 4 && len < sizeof some; i++)
        len += (size_t)snprintf(some + len, sizeof some - len, "%s%s", i ? ", " : "",
                                f->t[i].name);
    return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s: no tensor named '%s' (%zu tensors: %s%s; "
                   "'fpq inspect %s' lists them)", f->path, name, f->nt, some,
                   f->nt > 4 ? ", ..." : "", f->path);
}

/* ---- decoding ---------------------------------------------------------------- */

static double half_to_double(uint16_t h)
{
    int s = h >> 15, e = (h >> 10) & 0x1f, m = h & 0x3ff;
    double v;
    if (e == 0)
        v = ldexp(m, -24);
    else if (e == 31)
        v = m ? NAN : INFINITY;
    else
        v = ldexp(m + 1024, e - 25);
    return s ? -v : v;
}

static double load_elem(const unsigned char *p, fpq_io_type t, int be)
{
    switch (t) {
    case FPQ_IO_F64: {
        uint64_t u = fpq_io_ld64(p, be);
        double d;
        memcpy(&d, &u, 8);
        return d;
    }
    case FPQ_IO_F32: {
        uint32_t u = fpq_io_ld32(p, be);
        float x;
        memcpy(&x, &u, 4);
        return x;
    }
    case FPQ_IO_F16: return half_to_double(fpq_io_ld16(p, be));
    case FPQ_IO_BF16: {
        uint32_t u = (uint32_t)fpq_io_ld16(p, be) << 16;
        float x;
        memcpy(&x, &u, 4);
        return x;
    }
    case FPQ_IO_I8: return (int8_t)p[0];
    case FPQ_IO_U8: return p[0];
    case FPQ_IO_BOOL: return p[0] != 0;
    case FPQ_IO_I16: return (int16_t)fpq_io_ld16(p, be);
    case FPQ_IO_U16: return fpq_io_ld16(p, be);
    case FPQ_IO_I32: return (int32_t)fpq_io_ld32(p, be);
    case FPQ_IO_U32: return fpq_io_ld32(p, be);
    case FPQ_IO_I64: return (double)(int64_t)fpq_io_ld64(p, be);
    case FPQ_IO_U64: return (double)fpq_io_ld64(p, be);
    default: return NAN;
    }
}

int fpq_io_read(fpq_tensor *out, const fpq_io_file *f, size_t i, fpq_errbuf *err)
{
    out->rows = out->cols = 0;
    out->data = NULL;
    if (i >= f->nt)
        return fpq_err(err, FPQ_ERR_ARG, "%s: no tensor %zu", f->path, i);
    const fpq_io_tensor *t = &f->t[i];
    if (t->type == FPQ_IO_UNSUPPORTED)
        return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s::%s: %s", f->path, t->name, t->why);
    if (t->type == FPQ_IO_AUDIO)
        return fpq_io_read_audio(out, f, i, err);
    size_t size = fpq_io_type_size(t->type);
    uint64_t bytes;
    /* The loaders checked this; check again, cheaply, before reading. */
    if (!fpq_io_mul(&bytes, t->n, size) || t->offset > f->len || bytes > f->len - t->offset)
        return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s::%s: data past the end of the file",
                       f->path, t->name);
    uint64_t cols = t->ndim ? t->shape[t->ndim - 1] : 1;
    uint64_t rows = cols ? t->n / cols : 0;
    if (t->ndim <= 1)
        rows = 1;
    if (t->n == 0) {
        out->rows = (size_t)rows;
        out->cols = (size_t)cols;
        return FPQ_OK;
    }
    fpq_tensor r;
    if (fpq_tensor_alloc(&r, (size_t)rows, (size_t)cols) != FPQ_OK)
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "%s::%s: cannot allocate %llu doubles", f->path,
                       t->name, (unsigned long long)t->n);
    const unsigned char *base = f->buf + t->offset;
    const int be = t->big_endian;
    const fpq_io_type type = t->type;
    if (!t->fortran || t->ndim <= 1) {
        const ptrdiff_t n = (ptrdiff_t)t->n;
        double *x = r.data;
#pragma omp parallel for schedule(static) if (n > 65536)
        for (ptrdiff_t j = 0; j < n; j++)
            x[j] = load_elem(base + (size_t)j * size, type, be);
    } else {
        /* Fortran order: walk the C-order output, carrying the multi-index
         * and the matching column-major position. */
        uint64_t idx[FPQ_IO_MAXDIM] = {0}, fstride[FPQ_IO_MAXDIM];
        uint64_t s = 1;
        for (int d = 0; d < t->ndim; d++) {
            fstride[d] = s;
            s *= t->shape[d];
        }
        uint64_t pos = 0;
        for (uint64_t j = 0; j < t->n; j++) {
            r.data[j] = load_elem(base + pos * size, type, be);
            for (int d = t->ndim - 1; d >= 0; d--) {
                if (++idx[d] < t->shape[d]) {
                    pos += fstride[d];
                    break;
                }
                pos -= (t->shape[d] - 1) * fstride[d];
                idx[d] = 0;
            }
        }
    }
    *out = r;
    return FPQ_OK;
}
