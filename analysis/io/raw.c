/* io/raw.c: raw binary with an explicit layout, written as a source:
 *
 *   raw:FILE,dtype=T[,endian=little|big][,offset=BYTES][,shape=AxBx...][,order=c|f]
 *
 * T is one of f64 f32 f16 bf16 i8 u8 i16 u16 i32 u32 i64 u64.  Without
 * shape, every element from offset to the end of the file, as a vector (the
 * remaining bytes must be a whole number of elements).  FILE is everything
 * before the first comma (so it may not contain one). */
#include "io-impl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    fpq_io_type type;
} raw_types[] = {
    {"f64", FPQ_IO_F64}, {"f32", FPQ_IO_F32}, {"f16", FPQ_IO_F16}, {"bf16", FPQ_IO_BF16},
    {"i8", FPQ_IO_I8},   {"u8", FPQ_IO_U8},   {"i16", FPQ_IO_I16}, {"u16", FPQ_IO_U16},
    {"i32", FPQ_IO_I32}, {"u32", FPQ_IO_U32}, {"i64", FPQ_IO_I64}, {"u64", FPQ_IO_U64},
};

static int parse_u64(const char *s, size_t n, uint64_t *out)
{
    if (n == 0 || n > 20 || strspn(s, "0123456789") < n)
        return 0;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (x > (UINT64_MAX - d) / 10)
            return 0;
        x = x * 10 + d;
    }
    *out = x;
    return 1;
}

#define RAW_SYNTAX "raw:FILE,dtype=T[,endian=little|big][,offset=BYTES][,shape=AxB...][,order=c|f]"

int fpq_io_open_raw(fpq_io_file *f, const char *spec, fpq_errbuf *err)
{
    memset(f, 0, sizeof *f);
    const char *comma = strchr(spec, ',');
    size_t plen = comma ? (size_t)(comma - spec) : strlen(spec);
    if (plen == 0)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "raw: missing FILE (" RAW_SYNTAX ")");
    fpq_io_tensor t;
    memset(&t, 0, sizeof t);
    t.type = FPQ_IO_UNSUPPORTED;
    uint64_t offset = 0;
    int have_shape = 0, have_dtype = 0, have_endian = 0, have_offset = 0, have_order = 0;
    const char *p = comma;
    while (p && *p) {
        p++;
        const char *next = strchr(p, ',');
        size_t ilen = next ? (size_t)(next - p) : strlen(p);
        const char *eq = memchr(p, '=', ilen);
        if (!eq)
            return fpq_err(err, FPQ_LAB_ERR_SPEC, "raw: '%.*s' is not key=value (" RAW_SYNTAX ")",
                           (int)ilen, p);
        size_t klen = (size_t)(eq - p);
        const char *v = eq + 1;
        size_t vlen = ilen - klen - 1;
#define KEY(lit) (klen == sizeof(lit) - 1 && memcmp(p, lit, klen) == 0)
#define DUP(flag, lit)                                                                       \
    do {                                                                                     \
        if (flag)                                                                            \
            return fpq_err(err, FPQ_LAB_ERR_SPEC, "raw: key '%s' given twice", lit);         \
        flag = 1;                                                                            \
    } while (0)
        if (KEY("dtype")) {
            DUP(have_dtype, "dtype");
            for (size_t i = 0; i < sizeof raw_types / sizeof raw_types[0]; i++)
                if (strlen(raw_types[i].name) == vlen && memcmp(raw_types[i].name, v, vlen) == 0)
                    t.type = raw_types[i].type;
            if (t.type == FPQ_IO_UNSUPPORTED)
                return fpq_err(err, FPQ_LAB_ERR_SPEC,
                               "raw: bad value '%.*s' for key 'dtype' (one of f64 f32 f16 bf16 "
                               "i8 u8 i16 u16 i32 u32 i64 u64)", (int)vlen, v);
        } else if (KEY("endian")) {
            DUP(have_endian, "endian");
            if (vlen == 6 && memcmp(v, "little", 6) == 0)
                t.big_endian = 0;
            else if (vlen == 3 && memcmp(v, "big", 3) == 0)
                t.big_endian = 1;
            else
                return fpq_err(err, FPQ_LAB_ERR_SPEC,
                               "raw: bad value '%.*s' for key 'endian' (little or big)",
                               (int)vlen, v);
        } else if (KEY("offset")) {
            DUP(have_offset, "offset");
            if (!parse_u64(v, vlen, &offset))
                return fpq_err(err, FPQ_LAB_ERR_SPEC,
                               "raw: bad value '%.*s' for key 'offset' (a byte count)",
                               (int)vlen, v);
        } else if (KEY("order")) {
            DUP(have_order, "order");
            if (vlen == 1 && (v[0] == 'c' || v[0] == 'f'))
                t.fortran = v[0] == 'f';
            else
                return fpq_err(err, FPQ_LAB_ERR_SPEC,
                               "raw: bad value '%.*s' for key 'order' (c or f)", (int)vlen, v);
        } else if (KEY("shape")) {
            DUP(have_shape, "shape");
            const char *q = v, *end = v + vlen;
            while (q <= end) {
                const char *x = memchr(q, 'x', (size_t)(end - q));
                size_t dl = x ? (size_t)(x - q) : (size_t)(end - q);
                uint64_t d;
                if (t.ndim == FPQ_IO_MAXDIM || !parse_u64(q, dl, &d))
                    return fpq_err(err, FPQ_LAB_ERR_SPEC,
                                   "raw: bad value '%.*s' for key 'shape' (AxBx... with at "
                                   "most %d whole numbers)", (int)vlen, v, FPQ_IO_MAXDIM);
                t.shape[t.ndim++] = d;
                if (!x)
                    break;
                q = x + 1;
            }
        } else {
            return fpq_err(err, FPQ_LAB_ERR_SPEC,
                           "raw: unknown key '%.*s' (keys: dtype, endian, offset, shape, order)",
                           (int)klen, p);
        }
#undef KEY
#undef DUP
        p = next;
    }
    if (!have_dtype)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "raw: missing dtype= (" RAW_SYNTAX ")");

    char *path = malloc(plen + 1);
    if (!path)
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
    memcpy(path, spec, plen);
    path[plen] = '\0';
    int rc = fpq_io_open_bytes(f, path, err);
    free(path);
    if (rc != FPQ_OK)
        return rc;
    f->kind = "raw";
    size_t size = fpq_io_type_size(t.type);
    if (offset > f->len) {
        rc = fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s: offset %llu is past the end of the file "
                     "(%zu bytes)", f->path, (unsigned long long)offset, f->len);
        goto fail;
    }
    uint64_t avail = f->len - offset;
    if (!have_shape) {
        if (avail % size != 0) {
            rc = fpq_err(err, FPQ_LAB_ERR_FORMAT,
                         "%s: the %llu bytes after offset %llu are not a whole number of "
                         "%zu-byte elements; give shape=", f->path, (unsigned long long)avail,
                         (unsigned long long)offset, size);
            goto fail;
        }
        t.ndim = 1;
        t.shape[0] = avail / size;
    }
    t.offset = (size_t)offset;
    rc = fpq_io_add_file_tensor(f, &t, err);
    if (rc != FPQ_OK)
        goto fail;
    uint64_t bytes;
    if (!fpq_io_mul(&bytes, f->t[0].n, size) || bytes > avail) {
        char shape[128];
        fpq_io_shape_text(shape, sizeof shape, &f->t[0]);
        rc = fpq_err(err, FPQ_LAB_ERR_FORMAT,
                     "%s: shape %s of %s needs more bytes than the %llu after offset %llu",
                     f->path, shape, fpq_io_type_name(t.type), (unsigned long long)avail,
                     (unsigned long long)offset);
        goto fail;
    }
    return FPQ_OK;
fail:
    fpq_io_close(f);
    return rc;
}
