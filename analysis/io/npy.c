/* io/npy.c: NumPy .npy files, versions 1.0, 2.0 and 3.0 (reader), and the
 * .npy writer fpq_npy_write (io.h).
 *
 * Layout: "\x93NUMPY", major, minor, header length (u16 LE in 1.x, u32 LE
 * in 2.x and 3.x), then the header -- a Python dict literal with exactly the
 * keys 'descr', 'fortran_order', 'shape' (latin-1 in 1.x/2.x, UTF-8 in 3.x)
 * -- then the elements.  The header is parsed here by hand: it is a Python
 * literal, not JSON. */
#include "io-impl.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct hdr {
    const char *p, *end;
} hdr;

static void skip_ws(hdr *h)
{
    while (h->p < h->end && (*h->p == ' ' || *h->p == '\t' || *h->p == '\n' || *h->p == '\r'))
        h->p++;
}

static int eat(hdr *h, char c)
{
    skip_ws(h);
    if (h->p < h->end && *h->p == c) {
        h->p++;
        return 1;
    }
    return 0;
}

/* A quoted string ('...' or "...", no escapes); *s, *n point into the header. */
static int quoted(hdr *h, const char **s, size_t *n)
{
    skip_ws(h);
    if (h->p >= h->end || (*h->p != '\'' && *h->p != '"'))
        return 0;
    char q = *h->p++;
    const char *start = h->p;
    while (h->p < h->end && *h->p != q) {
        if (*h->p == '\\')
            return 0;
        h->p++;
    }
    if (h->p >= h->end)
        return 0;
    *s = start;
    *n = (size_t)(h->p - start);
    h->p++;
    return 1;
}

static int word(hdr *h, const char *w)
{
    skip_ws(h);
    size_t n = strlen(w);
    if ((size_t)(h->end - h->p) >= n && memcmp(h->p, w, n) == 0) {
        h->p += n;
        return 1;
    }
    return 0;
}

/* A non-negative integer (Python 2 headers may end it with L). */
static int integer(hdr *h, uint64_t *v)
{
    skip_ws(h);
    if (h->p >= h->end || !isdigit((unsigned char)*h->p))
        return 0;
    uint64_t x = 0;
    while (h->p < h->end && isdigit((unsigned char)*h->p)) {
        unsigned d = (unsigned)(*h->p - '0');
        if (x > (UINT64_MAX - d) / 10)
            return 0;
        x = x * 10 + d;
        h->p++;
    }
    if (h->p < h->end && *h->p == 'L')
        h->p++;
    *v = x;
    return 1;
}

/* Map a descr ("<f4") to a type and byte order; 0 when unsupported. */
static int parse_descr(const char *s, size_t n, fpq_io_type *type, int *be)
{
    if (n < 3)
        return 0;
    char order = s[0], kind = s[1];
    char num[8];
    if (n - 2 >= sizeof num)
        return 0;
    memcpy(num, s + 2, n - 2);
    num[n - 2] = '\0';
    if (strspn(num, "0123456789") != n - 2)
        return 0;
    int size = atoi(num);
    static const struct {
        char kind;
        int size;
        fpq_io_type type;
    } map[] = {
        {'f', 2, FPQ_IO_F16}, {'f', 4, FPQ_IO_F32}, {'f', 8, FPQ_IO_F64},
        {'i', 1, FPQ_IO_I8},  {'i', 2, FPQ_IO_I16}, {'i', 4, FPQ_IO_I32}, {'i', 8, FPQ_IO_I64},
        {'u', 1, FPQ_IO_U8},  {'u', 2, FPQ_IO_U16}, {'u', 4, FPQ_IO_U32}, {'u', 8, FPQ_IO_U64},
        {'b', 1, FPQ_IO_BOOL},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (map[i].kind != kind || map[i].size != size)
            continue;
        if (order == '<' || order == '=')
            *be = 0; /* '=' is the writer's native order; fpq assumes little */
        else if (order == '>')
            *be = 1;
        else if (order == '|' && size == 1)
            *be = 0;
        else
            return 0;
        *type = map[i].type;
        return 1;
    }
    return 0;
}

int fpq_io_parse_npy(fpq_io_file *f, fpq_errbuf *err)
{
    const unsigned char *b = f->buf;
    size_t len = f->len;
    f->kind = "npy";
    if (len < 10 || memcmp(b, "\x93NUMPY", 6) != 0)
        return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s: not a .npy file (%s)", f->path,
                       len < 10 ? "shorter than the 10-byte preamble" : "bad magic");
    unsigned major = b[6], minor = b[7];
    if (major < 1 || major > 3)
        return fpq_err(err, FPQ_LAB_ERR_FORMAT,
                       "%s: .npy version %u.%u is not supported (1.0, 2.0, 3.0)", f->path,
                       major, minor);
    size_t start, hlen;
    if (major == 1) {
        start = 10;
        hlen = fpq_io_ld16(b + 8, 0);
    } else {
        if (len < 12)
            return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s: truncated .npy preamble", f->path);
        start = 12;
        hlen = fpq_io_ld32(b + 8, 0);
    }
    if (hlen > len - start)
        return fpq_err(err, FPQ_LAB_ERR_FORMAT,
                       "%s: header claims %zu bytes but the file holds %zu after the preamble",
                       f->path, hlen, len - start);
    hdr h = {(const char *)b + start, (const char *)b + start + hlen};
    if (major == 3 && !fpq_io_utf8_ok(h.p, (size_t)(h.end - h.p), 1))
        return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s: version 3.0 header is not UTF-8", f->path);

    const char *descr = NULL;
    size_t descr_len = 0;
    int fortran = -1, have_shape = 0;
    fpq_io_tensor t;
    memset(&t, 0, sizeof t);
    if (!eat(&h, '{'))
        return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s: header is not a dict (no '{')", f->path);
    for (;;) {
        if (eat(&h, '}'))
            break;
        const char *key;
        size_t klen;
        if (!quoted(&h, &key, &klen) || !eat(&h, ':'))
            return fpq_err(err, FPQ_LAB_ERR_FORMAT,
                           "%s: malformed header at byte %zu (expected 'key': value)", f->path,
                           start + (size_t)(h.p - (const char *)b - start));
        if (klen == 5 && memcmp(key, "descr", 5) == 0) {
            skip_ws(&h);
            if (h.p < h.end && (*h.p == '[' || *h.p == '('))
                return fpq_err(err, FPQ_LAB_ERR_FORMAT,
                               "%s: structured dtypes are not supported (descr is a list)",
                               f->path);
            if (descr || !quoted(&h, &descr, &descr_len))
                return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s: malformed 'descr' in header",
                               f->path);
        } else if (klen == 13 && memcmp(key, "fortran_order", 13) == 0) {
            if (fortran >= 0)
                return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s: 'fortran_order' given twice",
                               f->path);
            if (word(&h, "True"))
                fortran = 1;
            else if (word(&h, "False"))
                fortran = 0;
            else
                return fpq_err(err, FPQ_LAB_ERR_FORMAT,
                               "%s: 'fortran_order' is neither True nor False", f->path);
        } else if (klen == 5 && memcmp(key, "shape", 5) == 0) {
            if (have_shape || !eat(&h, '('))
                return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s: malformed 'shape' in header",
                               f->path);
            have_shape = 1;
            while (!eat(&h, ')')) {
                uint64_t d;
                if (!integer(&h, &d))
                    return fpq_err(err, FPQ_LAB_ERR_FORMAT,
                                   "%s: 'shape' holds something other than non-negative "
                                   "integers", f->path);
                if (t.ndim == FPQ_IO_MAXDIM)
                    return fpq_err(err, FPQ_LAB_ERR_FORMAT,
                                   "%s: more than %d dimensions are not supported", f->path,
                                   FPQ_IO_MAXDIM);
                t.shape[t.ndim++] = d;
                if (!eat(&h, ',')) {
                    if (!eat(&h, ')'))
                        return fpq_err(err, FPQ_LAB_ERR_FORMAT,
                                       "%s: malformed 'shape' in header", f->path);
                    break;
                }
            }
        } else {
            return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s: unexpected key '%.*s' in header",
                           f->path, (int)(klen > 40 ? 40 : klen), key);
        }
        if (!eat(&h, ',')) {
            if (!eat(&h, '}'))
                return fpq_err(err, FPQ_LAB_ERR_FORMAT,
                               "%s: malformed header (expected ',' or '}')", f->path);
            break;
        }
    }
    if (!descr || fortran < 0 || !have_shape)
        return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s: header lacks '%s'", f->path,
                       !descr ? "descr" : fortran < 0 ? "fortran_order" : "shape");
    t.fortran = fortran;
    t.offset = start + hlen;
    /* every byte of descr shown: a NUL or other control byte as \xNN */
    size_t dl = 0;
    for (size_t i = 0; i < descr_len && dl + 5 < sizeof t.dtype; i++) {
        unsigned char ch = (unsigned char)descr[i];
        if (ch >= 0x20 && ch < 0x7f)
            t.dtype[dl++] = (char)ch;
        else
            dl += (size_t)snprintf(t.dtype + dl, sizeof t.dtype - dl, "\\x%02x", ch);
    }
    if (dl + 5 >= sizeof t.dtype && descr_len > 0)
        dl += (size_t)snprintf(t.dtype + dl, sizeof t.dtype - dl, "...");
    t.dtype[dl < sizeof t.dtype ? dl : sizeof t.dtype - 1] = '\0';
    if (!parse_descr(descr, descr_len, &t.type, &t.big_endian)) {
        t.type = FPQ_IO_UNSUPPORTED;
        snprintf(t.why, sizeof t.why,
                 "dtype '%s' is not supported (f2 f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1)", t.dtype);
    } else {
        t.dtype[0] = '\0'; /* listed by fpq's name: f32, i16, ... */
    }
    int rc = fpq_io_add_file_tensor(f, &t, err);
    if (rc != FPQ_OK)
        return rc;
    fpq_io_tensor *added = &f->t[f->nt - 1];
    if (added->type != FPQ_IO_UNSUPPORTED) {
        uint64_t bytes;
        if (!fpq_io_mul(&bytes, added->n, fpq_io_type_size(added->type)))
            return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s: shape too large (size overflows)",
                           f->path);
        if (bytes > len - t.offset)
            return fpq_err(err, FPQ_LAB_ERR_FORMAT,
                           "%s: truncated: the header's shape needs %llu bytes of data, the "
                           "file holds %zu", f->path, (unsigned long long)bytes,
                           len - t.offset);
    }
    return FPQ_OK;
}

/* ---- writer ---------------------------------------------------------------- */

/* A rows x cols .npy of descr ('<f4', '<f8', '<i8'): the elements from d
 * (as binary32 when f32) or, when d is NULL, from iv. */
static int npy_write(const char *path, const char *descr, size_t rows, size_t cols, const double *d,
                     const int64_t *iv, int f32, unsigned flags, fpq_errbuf *err)
{
    char header[256];
    int hl = snprintf(header, sizeof header,
                      "{'descr': '%s', 'fortran_order': False, 'shape': (%zu, %zu), }", descr, rows, cols);
    /* pad with spaces so that preamble + header is a multiple of 64, then '\n' */
    size_t total = 10 + (size_t)hl + 1;
    size_t pad = (64 - total % 64) % 64;
    memset(header + hl, ' ', pad);
    header[hl + (int)pad] = '\n';
    size_t hlen = (size_t)hl + pad + 1;

    fpq_outfile of;
    int rc = fpq_out_open(&of, path, flags, err);
    if (rc != FPQ_OK)
        return rc;
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                             (unsigned char)(hlen & 0xff), (unsigned char)(hlen >> 8)};
    rc = fpq_out_write(&of, pre, 10, err);
    if (rc == FPQ_OK)
        rc = fpq_out_write(&of, header, hlen, err);
    size_t n = rows * cols;
    unsigned char buf[8 * 1024];
    size_t esz = f32 ? 4 : 8, fill = 0;
    for (size_t i = 0; rc == FPQ_OK && i < n; i++) {
        uint64_t u;
        if (!d) {
            u = (uint64_t)iv[i];
        } else if (f32) {
            float x = (float)d[i];
            uint32_t v;
            memcpy(&v, &x, 4);
            u = v;
        } else {
            memcpy(&u, &d[i], 8);
        }
        for (size_t k = 0; k < esz; k++)
            buf[fill + k] = (unsigned char)(u >> (8 * k));
        fill += esz;
        if (fill == sizeof buf) {
            rc = fpq_out_write(&of, buf, fill, err);
            fill = 0;
        }
    }
    if (rc == FPQ_OK && fill)
        rc = fpq_out_write(&of, buf, fill, err);
    if (rc != FPQ_OK) {
        fpq_out_abort(&of);
        return rc;
    }
    return fpq_out_commit(&of, err);
}

int fpq_npy_write(const char *path, const fpq_tensor *t, int f32, unsigned flags, fpq_errbuf *err)
{
    return npy_write(path, f32 ? "<f4" : "<f8", t->rows, t->cols, t->data, NULL, f32, flags, err);
}

int fpq_npy_write_i64(const char *path, const int64_t *v, size_t rows, size_t cols, unsigned flags,
                      fpq_errbuf *err)
{
    return npy_write(path, "<i8", rows, cols, NULL, v, 0, flags, err);
}
