/* io/gguf.c: GGUF files (llama.cpp / ggml), versions 2 and 3.
 *
 * Layout: "GGUF", version (u32), tensor count (u64), metadata count (u64);
 * the metadata key/value pairs (key: u64 length + bytes; value type u32;
 * value: fixed-size scalars, strings as u64 length + bytes, arrays as
 * element type u32 + count u64 + elements); then per tensor: name (string),
 * n_dims (u32), ne[n_dims] (u64, fastest-varying first), ggml type (u32),
 * offset (u64, from the start of the data section); then padding to the
 * alignment (metadata general.alignment, u32, default 32) and the data.
 * Version 3 files may be big-endian (the version then reads byte-swapped);
 * their numbers and elements are big-endian.  Version 1 (u32 counts) is
 * refused.
 *
 * Readable types: F32 F16 BF16 F64 I8 I16 I32 I64.  Quantized types (Q4_0,
 * Q8_0, the K-quants, the IQ types, ...) are listed by name and refused.
 * Shapes are listed slowest axis first, i.e. ne[] reversed: a PyTorch
 * weight [out, in] has ne = {in, out} and is listed out x in. */
#include "io-impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct cursor {
    const fpq_io_file *f;
    size_t pos;
    int be;
    fpq_errbuf *err;
    int rc;
} cursor;

static int need(cursor *c, size_t n, const char *what)
{
    if (c->rc != FPQ_OK)
        return 0;
    if (n > c->f->len - c->pos) {
        c->rc = fpq_err(c->err, FPQ_LAB_ERR_FORMAT,
                        "%s: truncated at byte %zu while reading %s (%zu bytes needed, %zu left)",
                        c->f->path, c->pos, what, n, c->f->len - c->pos);
        return 0;
    }
    return 1;
}

/* The next n bytes (4 or 8) as a number in the file's byte order; 0 when
 * they are not there. */
static uint64_t rd(cursor *c, size_t n, const char *what)
{
    if (!need(c, n, what))
        return 0;
    const unsigned char *p = c->f->buf + c->pos;
    c->pos += n;
    return n == 4 ? fpq_io_ld32(p, c->be) : fpq_io_ld64(p, c->be);
}

static uint32_t rd32(cursor *c, const char *what) { return (uint32_t)rd(c, 4, what); }
static uint64_t rd64(cursor *c, const char *what) { return rd(c, 8, what); }

/* A string: returns its bytes (not terminated) and length. */
static const char *rdstr(cursor *c, size_t *len, const char *what)
{
    uint64_t n = rd64(c, what);
    if (c->rc != FPQ_OK || !need(c, n, what))
        return NULL;
    const char *s = (const char *)c->f->buf + c->pos;
    c->pos += (size_t)n;
    *len = (size_t)n;
    return s;
}

/* Sizes of the metadata value types 0..12 (0: string/array). */
static const unsigned kv_size[13] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};

static void skip_value(cursor *c, uint32_t type, int depth)
{
    if (c->rc != FPQ_OK)
        return;
    if (type > 12) {
        c->rc = fpq_err(c->err, FPQ_LAB_ERR_FORMAT,
                        "%s: unknown metadata value type %u at byte %zu", c->f->path, type,
                        c->pos - 4);
        return;
    }
    if (type == 8) {
        size_t len;
        rdstr(c, &len, "a metadata string");
        return;
    }
    if (type != 9) {
        if (need(c, kv_size[type], "a metadata value"))
            c->pos += kv_size[type];
        return;
    }
    if (depth >= 4) {
        c->rc = fpq_err(c->err, FPQ_LAB_ERR_FORMAT,
                        "%s: metadata arrays nested more than 4 deep at byte %zu", c->f->path,
                        c->pos);
        return;
    }
    uint32_t et = rd32(c, "a metadata array type");
    uint64_t count = rd64(c, "a metadata array length");
    if (c->rc != FPQ_OK)
        return;
    if (et > 12) {
        c->rc = fpq_err(c->err, FPQ_LAB_ERR_FORMAT,
                        "%s: unknown metadata array element type %u at byte %zu", c->f->path, et,
                        c->pos - 12);
        return;
    }
    if (et != 8 && et != 9) {
        uint64_t bytes;
        if (!fpq_io_mul(&bytes, count, kv_size[et]) || bytes > c->f->len - c->pos) {
            c->rc = fpq_err(c->err, FPQ_LAB_ERR_FORMAT,
                            "%s: metadata array at byte %zu claims %llu elements, more than "
                            "the file holds", c->f->path, c->pos - 12, (unsigned long long)count);
            return;
        }
        c->pos += (size_t)bytes;
        return;
    }
    /* strings take at least 8 bytes each, arrays 12: bound the loop first */
    if (count > (c->f->len - c->pos) / (et == 8 ? 8 : 12)) {
        c->rc = fpq_err(c->err, FPQ_LAB_ERR_FORMAT,
                        "%s: metadata array at byte %zu claims %llu elements, more than the "
                        "file holds", c->f->path, c->pos - 12, (unsigned long long)count);
        return;
    }
    for (uint64_t i = 0; i < count && c->rc == FPQ_OK; i++)
        skip_value(c, et, depth + 1);
}

typedef struct ggml_type {
    const char *name;
    fpq_io_type type;
} ggml_type;

static const ggml_type ggml_types[] = {
    [0] = {"F32", FPQ_IO_F32},        [1] = {"F16", FPQ_IO_F16},
    [2] = {"Q4_0", FPQ_IO_UNSUPPORTED}, [3] = {"Q4_1", FPQ_IO_UNSUPPORTED},
    [6] = {"Q5_0", FPQ_IO_UNSUPPORTED}, [7] = {"Q5_1", FPQ_IO_UNSUPPORTED},
    [8] = {"Q8_0", FPQ_IO_UNSUPPORTED}, [9] = {"Q8_1", FPQ_IO_UNSUPPORTED},
    [10] = {"Q2_K", FPQ_IO_UNSUPPORTED}, [11] = {"Q3_K", FPQ_IO_UNSUPPORTED},
    [12] = {"Q4_K", FPQ_IO_UNSUPPORTED}, [13] = {"Q5_K", FPQ_IO_UNSUPPORTED},
    [14] = {"Q6_K", FPQ_IO_UNSUPPORTED}, [15] = {"Q8_K", FPQ_IO_UNSUPPORTED},
    [16] = {"IQ2_XXS", FPQ_IO_UNSUPPORTED}, [17] = {"IQ2_XS", FPQ_IO_UNSUPPORTED},
    [18] = {"IQ3_XXS", FPQ_IO_UNSUPPORTED}, [19] = {"IQ1_S", FPQ_IO_UNSUPPORTED},
    [20] = {"IQ4_NL", FPQ_IO_UNSUPPORTED}, [21] = {"IQ3_S", FPQ_IO_UNSUPPORTED},
    [22] = {"IQ2_S", FPQ_IO_UNSUPPORTED}, [23] = {"IQ4_XS", FPQ_IO_UNSUPPORTED},
    [24] = {"I8", FPQ_IO_I8},          [25] = {"I16", FPQ_IO_I16},
    [26] = {"I32", FPQ_IO_I32},        [27] = {"I64", FPQ_IO_I64},
    [28] = {"F64", FPQ_IO_F64},        [29] = {"IQ1_M", FPQ_IO_UNSUPPORTED},
    [30] = {"BF16", FPQ_IO_BF16},      [34] = {"TQ1_0", FPQ_IO_UNSUPPORTED},
    [35] = {"TQ2_0", FPQ_IO_UNSUPPORTED}, [39] = {"MXFP4", FPQ_IO_UNSUPPORTED},
};
#define NGGML (sizeof ggml_types / sizeof ggml_types[0])

int fpq_io_parse_gguf(fpq_io_file *f, fpq_errbuf *err)
{
    f->kind = "gguf";
    cursor c = {f, 0, 0, err, FPQ_OK};
    if (f->len < 4 || memcmp(f->buf, "GGUF", 4) != 0)
        return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s: not a GGUF file (bad magic)", f->path);
    c.pos = 4;
    uint32_t version = rd32(&c, "the version");
    if (c.rc != FPQ_OK)
        return c.rc;
    if (version != 2 && version != 3) {
        uint32_t sw = __builtin_bswap32(version);
        if (sw == 3 || sw == 2) {
            c.be = 1;
            version = sw;
        } else {
            return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s: GGUF version %u is not supported (2, 3)",
                           f->path, version);
        }
    }
    uint64_t ntensors = rd64(&c, "the tensor count");
    uint64_t nkv = rd64(&c, "the metadata count");
    if (c.rc != FPQ_OK)
        return c.rc;
    /* a key/value takes at least 13 bytes, a tensor info at least 24 */
    if (nkv > (f->len - c.pos) / 13 || ntensors > (f->len - c.pos) / 24)
        return fpq_err(err, FPQ_LAB_ERR_FORMAT,
                       "%s: header claims %llu tensors and %llu metadata entries, more than the "
                       "%zu bytes of the file can hold", f->path, (unsigned long long)ntensors,
                       (unsigned long long)nkv, f->len);
    uint64_t alignment = 32;
    for (uint64_t k = 0; k < nkv && c.rc == FPQ_OK; k++) {
        size_t klen;
        const char *key = rdstr(&c, &klen, "a metadata key");
        uint32_t type = rd32(&c, "a metadata value type");
        if (c.rc != FPQ_OK)
            break;
        if (klen == 17 && memcmp(key, "general.alignment", 17) == 0) {
            if (type != 4)
                return fpq_err(err, FPQ_LAB_ERR_FORMAT,
                               "%s: general.alignment is not a u32 (type %u)", f->path, type);
            alignment = rd32(&c, "general.alignment");
            if (c.rc == FPQ_OK && (alignment == 0 || (alignment & (alignment - 1)) != 0))
                return fpq_err(err, FPQ_LAB_ERR_FORMAT,
                               "%s: general.alignment %llu is not a power of two", f->path,
                               (unsigned long long)alignment);
            continue;
        }
        skip_value(&c, type, 0);
    }
    if (c.rc != FPQ_OK)
        return c.rc;

    size_t first = f->nt;
    uint64_t *offsets = NULL;
    if (ntensors) {
        offsets = malloc((size_t)ntensors * sizeof *offsets);
        if (!offsets)
            return fpq_err(err, FPQ_ERR_NO_MEMORY, "%s: out of memory", f->path);
    }
    for (uint64_t k = 0; k < ntensors && c.rc == FPQ_OK; k++) {
        size_t nlen;
        const char *name = rdstr(&c, &nlen, "a tensor name");
        uint32_t ndims = rd32(&c, "a tensor's dimension count");
        if (c.rc != FPQ_OK)
            break;
        if (ndims > FPQ_IO_MAXDIM) {
            c.rc = fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s: tensor %llu has %u dimensions (at most %d)",
                           f->path, (unsigned long long)k, ndims, FPQ_IO_MAXDIM);
            break;
        }
        fpq_io_tensor t;
        memset(&t, 0, sizeof t);
        t.ndim = (int)ndims;
        for (uint32_t d = 0; d < ndims; d++)
            t.shape[ndims - 1 - d] = rd64(&c, "a tensor dimension");
        uint32_t type = rd32(&c, "a tensor type");
        offsets[k] = rd64(&c, "a tensor offset");
        if (c.rc != FPQ_OK)
            break;
        t.big_endian = c.be;
        if (type < NGGML && ggml_types[type].name) {
            t.type = ggml_types[type].type;
            snprintf(t.dtype, sizeof t.dtype, "%s", ggml_types[type].name);
            if (t.type == FPQ_IO_UNSUPPORTED)
                snprintf(t.why, sizeof t.why,
                         "quantized GGML type %s is not supported (F32 F16 BF16 F64 I8 I16 I32 "
                         "I64 are)", ggml_types[type].name);
        } else {
            t.type = FPQ_IO_UNSUPPORTED;
            snprintf(t.dtype, sizeof t.dtype, "type%u", type);
            snprintf(t.why, sizeof t.why, "unknown GGML type %u", type);
        }
        if (t.type != FPQ_IO_UNSUPPORTED)
            snprintf(t.dtype, sizeof t.dtype, "%s", fpq_io_type_name(t.type));
        c.rc = fpq_io_add(f, &t, name, nlen, err);
    }
    if (c.rc == FPQ_OK) {
        /* the data section starts at the next multiple of the alignment */
        size_t data0 = c.pos + (size_t)((alignment - c.pos % alignment) % alignment);
        for (size_t k = first; k < f->nt && c.rc == FPQ_OK; k++) {
            fpq_io_tensor *t = &f->t[k];
            uint64_t off = offsets[k - first], bytes;
            if (off % alignment != 0) {
                c.rc = fpq_err(err, FPQ_LAB_ERR_FORMAT,
                               "%s: tensor '%s': offset %llu is not a multiple of the alignment "
                               "%llu", f->path, t->name, (unsigned long long)off,
                               (unsigned long long)alignment);
                break;
            }
            if (t->type == FPQ_IO_UNSUPPORTED)
                continue;
            if (data0 > f->len || off > f->len - data0 ||
                !fpq_io_mul(&bytes, t->n, fpq_io_type_size(t->type)) ||
                bytes > f->len - data0 - off) {
                c.rc = fpq_err(err, FPQ_LAB_ERR_FORMAT,
                               "%s: tensor '%s' (%s, %llu elements at data offset %llu) runs "
                               "past the end of the file", f->path, t->name, t->dtype,
                               (unsigned long long)t->n, (unsigned long long)off);
                break;
            }
            t->offset = data0 + (size_t)off;
        }
    }
    free(offsets);
    (void)version;
    return c.rc;
}
