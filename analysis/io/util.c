/* util.c: what the tensor loaders share (io-impl.h) -- the type table,
 * names, bounded arithmetic, the tensor list, and reading files: mapping
 * them, or reading them whole. */
#include "io-impl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

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

int fpq_io_add_file_tensor(fpq_io_file *f, const fpq_io_tensor *t, fpq_errbuf *err)
{
    const char *base = strrchr(f->path, '/');
    base = base ? base + 1 : f->path;
    return fpq_io_add(f, t, base, strlen(base), err);
}

int fpq_io_tensor_init(fpq_io_tensor *t, size_t ndim, const fpq_io_file *f, const char *what,
                       const char *name, fpq_errbuf *err)
{
    memset(t, 0, sizeof *t);
    if (ndim > FPQ_IO_MAXDIM) {
        size_t namelen = strlen(name);
        return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s: %s '%.*s' has %zu dimensions (at most %d)",
                       f->path, what, (int)(namelen > 60 ? 60 : namelen), name, ndim,
                       FPQ_IO_MAXDIM);
    }
    t->ndim = (int)ndim;
    return FPQ_OK;
}

/* ---- files ----------------------------------------------------------------- */

int fpq_io_read_fd(char **data, size_t *len, int fd, const char *path, fpq_errbuf *err)
{
    *data = NULL;
    *len = 0;
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap + 1);
    if (!b)
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "%s: out of memory", path);
    for (;;) {
        if (n == cap) {
            char *nb = cap <= (SIZE_MAX - 1) / 2 ? realloc(b, cap * 2 + 1) : NULL;
            if (!nb) {
                free(b);
                return fpq_err(err, FPQ_ERR_NO_MEMORY, "%s: out of memory", path);
            }
            b = nb;
            cap *= 2;
        }
        ssize_t r = read(fd, b + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(b);
            return fpq_err(err, FPQ_LAB_ERR_IO, "%s: %s", path, strerror(e));
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    b[n] = '\0';
    *data = b;
    *len = n;
    return FPQ_OK;
}

/* Standard input's names: what is not a regular file is read only there. */
static bool stdin_name(const char *path)
{
    return strcmp(path, "/dev/stdin") == 0 || strncmp(path, "/dev/fd/", 8) == 0 ||
           strncmp(path, "/proc/self/fd/", 14) == 0;
}

/* Open path for reading (*fdp) without blocking on a FIFO, and fill *st.
 * A directory is refused, and so is what is not a regular file (a FIFO,
 * device or socket) unless stdin_name(path).  FPQ_OK or FPQ_LAB_ERR_IO. */
static int open_input(int *fdp, const char *path, struct stat *st, fpq_errbuf *err)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return fpq_err(err, FPQ_LAB_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    if (fstat(fd, st) != 0) {
        int e = errno;
        close(fd);
        return fpq_err(err, FPQ_LAB_ERR_IO, "%s: cannot stat: %s", path, strerror(e));
    }
    if (S_ISDIR(st->st_mode)) {
        close(fd);
        return fpq_err(err, FPQ_LAB_ERR_IO, "%s: is a directory", path);
    }
    if (!S_ISREG(st->st_mode) && !stdin_name(path)) {
        close(fd);
        return fpq_err(err, FPQ_LAB_ERR_IO, "%s: not a regular file (a FIFO, device or socket is "
                       "read only as /dev/stdin or /dev/fd/N)", path);
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    *fdp = fd;
    return FPQ_OK;
}

int fpq_io_slurp(const char *path, unsigned char **data, size_t *len, fpq_errbuf *err)
{
    *data = NULL;
    *len = 0;
    struct stat st;
    int fd;
    int rc0 = open_input(&fd, path, &st, err);
    if (rc0 != FPQ_OK)
        return rc0;
    char *buf;
    int rc = fpq_io_read_fd(&buf, len, fd, path, err);
    close(fd);
    *data = (unsigned char *)buf;
    return rc;
}

/* Map (or, for what is not a regular file, read) the whole file. */
static int load_bytes(fpq_io_file *f, const char *path, fpq_errbuf *err)
{
    struct stat st;
    int fd;
    int rc0 = open_input(&fd, path, &st, err);
    if (rc0 != FPQ_OK)
        return rc0;
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
    char *data;
    size_t len;
    int rc = fpq_io_read_fd(&data, &len, fd, path, err);
    close(fd);
    if (rc != FPQ_OK)
        return rc;
    if (len == 0) {
        free(data);
        return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s: empty file", path);
    }
    f->owned = (unsigned char *)data;
    f->buf = f->owned;
    f->len = len;
    return FPQ_OK;
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

