/* io.c: what the tensor loaders share -- opening and mapping a file,
 * recognising its format, the tensor list, and decoding elements to
 * doubles (io.h). */
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int fpq_io_read_audio(fpq_tensor *out, const fpq_io_file *f, size_t i, fpq_errbuf *err);

/* ---- types ----------------------------------------------------------------- */

static const struct {
    const char *name;
    size_t size;
} type_info[] = {
    [FPQ_IO_F64] = {"f64", 8}, [FPQ_IO_F32] = {"f32", 4},   [FPQ_IO_F16] = {"f16", 2},
    [FPQ_IO_BF16] = {"bf16", 2}, [FPQ_IO_I8] = {"i8", 1},   [FPQ_IO_U8] = {"u8", 1},
    [FPQ_IO_I16] = {"i16", 2},  [FPQ_IO_U16] = {"u16", 2},  [FPQ_IO_I32] = {"i32", 4},
    [FPQ_IO_U32] = {"u32", 4},  [FPQ_IO_I64] = {"i64", 8},  [FPQ_IO_U64] = {"u64", 8},
    [FPQ_IO_BOOL] = {"bool", 1}, [FPQ_IO_AUDIO] = {"audio", 0},
    [FPQ_IO_UNSUPPORTED] = {"unsupported", 0},
};

size_t fpq_io_type_size(fpq_io_type t)
{
    return (unsigned)t <= FPQ_IO_UNSUPPORTED ? type_info[t].size : 0;
}

const char *fpq_io_type_name(fpq_io_type t)
{
    return (unsigned)t <= FPQ_IO_UNSUPPORTED ? type_info[t].name : "?";
}

int fpq_io_mul(uint64_t *out, uint64_t a, uint64_t b)
{
    if (a != 0 && b > UINT64_MAX / a)
        return 0;
    *out = a * b;
    return 1;
}

void fpq_io_shape_text(char *buf, size_t n, const fpq_io_tensor *t)
{
    size_t len = 0;
    buf[0] = '\0';
    if (t->ndim == 0) {
        snprintf(buf, n, "scalar");
        return;
    }
    for (int d = 0; d < t->ndim && len < n; d++)
        len += (size_t)snprintf(buf + len, n - len, "%s%llu", d ? "x" : "",
                                (unsigned long long)t->shape[d]);
}

/* ---- names ----------------------------------------------------------------- */

int fpq_io_name_ok(const char *s, size_t len)
{
    return fpq_io_utf8_ok(s, len, 0);
}

int fpq_io_utf8_ok(const char *s, size_t len, int allow_controls)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned c = p[i];
        if ((c < 0x20 || c == 0x7f) && !allow_controls)
            return 0;
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t k;
        unsigned min;
        uint32_t cp;
        if ((c & 0xe0) == 0xc0) {
            k = 1, min = 0x80, cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            k = 2, min = 0x800, cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            k = 3, min = 0x10000, cp = c & 0x07;
        } else {
            return 0;
        }
        if (len - i <= k)
            return 0;
        for (size_t j = 1; j <= k; j++) {
            if ((p[i + j] & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (p[i + j] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        if (cp >= 0x80 && cp < 0xa0 && !allow_controls) /* C1 controls */
            return 0;
        i += k + 1;
    }
    return 1;
}

/* ---- the tensor list ------------------------------------------------------- */

int fpq_io_add(fpq_io_file *f, const fpq_io_tensor *t, const char *name, size_t namelen,
               fpq_errbuf *err)
{
    if (!fpq_io_name_ok(name, namelen))
        return fpq_err(err, FPQ_LAB_ERR_FORMAT,
                       "%s: tensor %zu has a name that is not UTF-8 text (invalid bytes or "
                       "control characters)", f->path, f->nt);
    if (t->ndim < 0 || t->ndim > FPQ_IO_MAXDIM)
        return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s: tensor '%.*s' has %d dimensions (at most %d)",
                       f->path, (int)namelen, name, t->ndim, FPQ_IO_MAXDIM);
    uint64_t n = 1;
    for (int d = 0; d < t->ndim; d++)
        if (!fpq_io_mul(&n, n, t->shape[d]))
            return fpq_err(err, FPQ_LAB_ERR_FORMAT,
                           "%s: tensor '%.*s': the product of its shape overflows 64 bits",
                           f->path, (int)namelen, name);
    if (f->nt == f->cap) {
        size_t cap = f->cap ? 2 * f->cap : 16;
        fpq_io_tensor *nt = realloc(f->t, cap * sizeof *nt);
        if (!nt)
            return fpq_err(err, FPQ_ERR_NO_MEMORY, "%s: out of memory", f->path);
        f->t = nt;
        f->cap = cap;
    }
    char *copy = malloc(namelen + 1);
    if (!copy)
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "%s: out of memory", f->path);
    memcpy(copy, name, namelen);
    copy[namelen] = '\0';
    fpq_io_tensor *dst = &f->t[f->nt++];
    *dst = *t;
    dst->name = copy;
    dst->n = n;
    if (dst->dtype[0] == '\0')
        snprintf(dst->dtype, sizeof dst->dtype, "%s", fpq_io_type_name(t->type));
    return FPQ_OK;
}

void fpq_io_close(fpq_io_file *f)
{
    for (size_t i = 0; i < f->nt; i++)
        free(f->t[i].name);
    free(f->t);
    if (f->map)
        munmap(f->map, f->maplen);
    free(f->owned);
    free(f->path);
    memset(f, 0, sizeof *f);
}

/* ---- files ----------------------------------------------------------------- */

int fpq_io_slurp(const char *path, unsigned char **data, size_t *len, fpq_errbuf *err)
{
    *data = NULL;
    *len = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return fpq_err(err, FPQ_LAB_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 0, n = 0;
    unsigned char *buf = NULL;
    for (;;) {
        if (n == cap) {
            size_t ncap = cap ? 2 * cap : 65536;
            unsigned char *nb = ncap > cap ? realloc(buf, ncap) : NULL;
            if (!nb) {
                free(buf);
                fclose(fp);
                return fpq_err(err, FPQ_ERR_NO_MEMORY, "%s: out of memory", path);
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + n, 1, cap - n, fp);
        n += got;
        if (got == 0)
            break;
    }
    int bad = ferror(fp);
    fclose(fp);
    if (bad) {
        free(buf);
        return fpq_err(err, FPQ_LAB_ERR_IO, "%s: read error", path);
    }
    *data = buf;
    *len = n;
    return FPQ_OK;
}

/* Map (or, for what is not a regular file, read) the whole file. */
static int load_bytes(fpq_io_file *f, const char *path, fpq_errbuf *err)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return fpq_err(err, FPQ_LAB_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return fpq_err(err, FPQ_LAB_ERR_IO, "%s: cannot stat: %s", path, strerror(e));
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return fpq_err(err, FPQ_LAB_ERR_IO, "%s: is a directory", path);
    }
    if (S_ISREG(st.st_mode)) {
        if (st.st_size == 0) {
            close(fd);
            return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s: empty file", path);
        }
        if ((uint64_t)st.st_size > SIZE_MAX) {
            close(fd);
            return fpq_err(err, FPQ_LAB_ERR_IO, "%s: too large to map", path);
        }
        void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        int e = errno;
        close(fd);
        if (m == MAP_FAILED)
            return fpq_err(err, FPQ_LAB_ERR_IO, "%s: cannot map: %s", path, strerror(e));
        f->map = m;
        f->maplen = (size_t)st.st_size;
        f->buf = m;
        f->len = (size_t)st.st_size;
        return FPQ_OK;
    }
    close(fd);
    unsigned char *data;
    size_t len;
    int rc = fpq_io_slurp(path, &data, &len, err);
    if (rc != FPQ_OK)
        return rc;
    if (len == 0) {
        free(data);
        return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s: empty file", path);
    }
    f->owned = data;
    f->buf = data;
    f->len = len;
    return FPQ_OK;
}

static int has_ext(const char *path, const char *ext)
{
    size_t lp = strlen(path), le = strlen(ext);
    return lp > le && strcasecmp(path + lp - le, ext) == 0;
}

/* Shards of a TF.js model, from the directory of model.json. */
static int tfjs_read_shard(void *ctx, const char *rel, unsigned char **data, size_t *len,
                           fpq_errbuf *err)
{
    const char *json = ctx;
    const char *slash = strrchr(json, '/');
    size_t dirlen = slash ? (size_t)(slash - json + 1) : 0;
    size_t rl = strlen(rel);
    char *p = malloc(dirlen + rl + 1);
    if (!p)
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "%s: out of memory", json);
    memcpy(p, json, dirlen);
    memcpy(p + dirlen, rel, rl + 1);
    int rc = fpq_io_slurp(p, data, len, err);
    free(p);
    return rc;
}

static int is_audio_magic(const unsigned char *b, size_t n)
{
    if (n >= 12 && memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "WAVE", 4) == 0)
        return 1;
    if (n >= 12 && memcmp(b, "RF64", 4) == 0)
        return 1;
    if (n >= 4 && (memcmp(b, "fLaC", 4) == 0 || memcmp(b, "OggS", 4) == 0 ||
                   memcmp(b, ".snd", 4) == 0))
        return 1;
    if (n >= 12 && memcmp(b, "FORM", 4) == 0 &&
        (memcmp(b + 8, "AIFF", 4) == 0 || memcmp(b + 8, "AIFC", 4) == 0))
        return 1;
    return 0;
}

int fpq_io_open_bytes(fpq_io_file *f, const char *path, fpq_errbuf *err)
{
    memset(f, 0, sizeof *f);
    f->path = strdup(path);
    if (!f->path)
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
    int rc = load_bytes(f, path, err);
    if (rc != FPQ_OK)
        fpq_io_close(f);
    return rc;
}

int fpq_io_open(fpq_io_file *f, const char *path, fpq_errbuf *err)
{
    int rc = fpq_io_open_bytes(f, path, err);
    if (rc != FPQ_OK)
        return rc;
    const unsigned char *b = f->buf;
    size_t n = f->len;
    if (n >= 6 && memcmp(b, "\x93NUMPY", 6) == 0)
        rc = fpq_io_parse_npy(f, err);
    else if (n >= 4 && memcmp(b, "GGUF", 4) == 0)
        rc = fpq_io_parse_gguf(f, err);
    else if (n >= 4 && fpq_io_ld32(b, 0) == 0x43EC3069u) /* 472.3782f: gnubg */
        rc = fpq_io_parse_gnubg(f, err);
    else if (is_audio_magic(b, n))
        rc = fpq_io_parse_audio(f, err);
    else if (has_ext(path, ".npy"))
        rc = fpq_io_parse_npy(f, err);
    else if (has_ext(path, ".gguf"))
        rc = fpq_io_parse_gguf(f, err);
    else if (has_ext(path, ".wd"))
        rc = fpq_io_parse_gnubg(f, err);
    else if (has_ext(path, ".safetensors"))
        rc = fpq_io_parse_safetensors(f, err);
    else if (has_ext(path, ".json"))
        rc = fpq_io_parse_tfjs(f, tfjs_read_shard, f->path, err);
    else if (has_ext(path, ".txt"))
        rc = fpq_io_parse_text(f, err);
    else if (has_ext(path, ".wav") || has_ext(path, ".flac") || has_ext(path, ".ogg") ||
             has_ext(path, ".aiff") || has_ext(path, ".aif") || has_ext(path, ".au"))
        rc = fpq_io_parse_audio(f, err);
    /* no telling extension: a safetensors header (u64 length, then '{') or JSON */
    else if (n >= 9 && b[8] == '{' && fpq_io_ld64(b, 0) <= n - 8)
        rc = fpq_io_parse_safetensors(f, err);
    else if (b[0] == '{')
        rc = fpq_io_parse_tfjs(f, tfjs_read_shard, f->path, err);
    else
        rc = fpq_err(err, FPQ_LAB_ERR_FORMAT,
                     "%s: unrecognized file format (not .npy, .safetensors, .gguf, a "
                     "TF.js model.json, a gnubg .wd, audio or .txt); for raw binary write "
                     "raw:%s,dtype=f32 (see README-data.md)", path, path);
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
