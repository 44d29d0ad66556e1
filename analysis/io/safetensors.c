/* io/safetensors.c: Hugging Face safetensors files.
 *
 * Layout: N (u64 little-endian), then N bytes of UTF-8 JSON -- an object
 * mapping each tensor name to {"dtype": D, "shape": [...], "data_offsets":
 * [BEGIN, END]} plus an optional "__metadata__" object of strings -- then
 * the data; offsets are relative to byte 8 + N, and END - BEGIN must be
 * the tensor's size.  Elements are little-endian, row-major.  The JSON is
 * parsed with jansson.  Tensors are listed in the order of their data. */
#include "io-impl.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    fpq_io_type type;
    unsigned bits; /* for refused types: element size, to check the range */
} st_types[] = {
    {"F64", FPQ_IO_F64, 64},  {"F32", FPQ_IO_F32, 32},   {"F16", FPQ_IO_F16, 16},
    {"BF16", FPQ_IO_BF16, 16}, {"I8", FPQ_IO_I8, 8},     {"U8", FPQ_IO_U8, 8},
    {"I16", FPQ_IO_I16, 16},  {"U16", FPQ_IO_U16, 16},   {"I32", FPQ_IO_I32, 32},
    {"U32", FPQ_IO_U32, 32},  {"I64", FPQ_IO_I64, 64},   {"U64", FPQ_IO_U64, 64},
    {"BOOL", FPQ_IO_BOOL, 8}, {"F8_E4M3", FPQ_IO_UNSUPPORTED, 8},
    {"F8_E5M2", FPQ_IO_UNSUPPORTED, 8}, {"F8_E8M0", FPQ_IO_UNSUPPORTED, 8},
    {"F4", FPQ_IO_UNSUPPORTED, 4}, {"F6_E2M3", FPQ_IO_UNSUPPORTED, 6},
    {"F6_E3M2", FPQ_IO_UNSUPPORTED, 6}, {"C64", FPQ_IO_UNSUPPORTED, 64},
};

static int by_offset(const void *a, const void *b)
{
    const fpq_io_tensor *x = a, *y = b;
    if (x->offset != y->offset)
        return x->offset < y->offset ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* A JSON integer that is a valid non-negative count. */
static int json_count(const json_t *v, uint64_t *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return 0;
    *out = (uint64_t)json_integer_value(v);
    return 1;
}

int fpq_io_parse_safetensors(fpq_io_file *f, fpq_errbuf *err)
{
    f->kind = "safetensors";
    if (f->len < 8)
        return fpq_err(err, FPQ_LAB_ERR_FORMAT,
                       "%s: not a safetensors file (shorter than its 8-byte header size)", f->path);
    uint64_t hn = fpq_io_ld64(f->buf, 0);
    if (hn > f->len - 8)
        return fpq_err(err, FPQ_LAB_ERR_FORMAT,
                       "%s: header size %llu is larger than the %zu bytes after it", f->path,
                       (unsigned long long)hn, f->len - 8);
    if (hn < 2)
        return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s: header of %llu bytes cannot be a JSON object",
                       f->path, (unsigned long long)hn);
    if (!fpq_io_utf8_ok((const char *)f->buf + 8, (size_t)hn, 1))
        return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s: the JSON header is not UTF-8 text", f->path);
    size_t data0 = 8 + (size_t)hn;
    size_t dlen = f->len - data0;
    json_error_t je;
    json_t *root = json_loadb((const char *)f->buf + 8, (size_t)hn, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s: malformed JSON header: %s (line %d, column %d)",
                       f->path, je.text, je.line, je.column);
    int rc = FPQ_OK;
    if (!json_is_object(root)) {
        rc = fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s: the JSON header is not an object", f->path);
        goto done;
    }
    const char *name;
    json_t *v;
    json_object_foreach(root, name, v) {
        if (strcmp(name, "__metadata__") == 0)
            continue;
        size_t namelen = strlen(name);
        int nl = (int)(namelen > 60 ? 60 : namelen);
        if (!fpq_io_name_ok(name, namelen)) {
            rc = fpq_err(err, FPQ_LAB_ERR_FORMAT,
                         "%s: a tensor name holds control characters", f->path);
            goto done;
        }
        json_t *jd = json_object_get(v, "dtype"), *js = json_object_get(v, "shape"),
               *jo = json_object_get(v, "data_offsets");
        if (!json_is_object(v) || !json_is_string(jd) || !json_is_array(js) ||
            !json_is_array(jo) || json_array_size(jo) != 2) {
            rc = fpq_err(err, FPQ_LAB_ERR_FORMAT,
                         "%s: tensor '%.*s' lacks dtype (string), shape (array) or "
                         "data_offsets (two integers)", f->path, nl, name);
            goto done;
        }
        fpq_io_tensor t;
        if ((rc = fpq_io_tensor_init(&t, json_array_size(js), f, "tensor", name, err)) != FPQ_OK)
            goto done;
        for (int d = 0; d < t.ndim; d++)
            if (!json_count(json_array_get(js, (size_t)d), &t.shape[d])) {
                rc = fpq_err(err, FPQ_LAB_ERR_FORMAT,
                             "%s: tensor '%.*s': shape holds something other than "
                             "non-negative integers", f->path, nl, name);
                goto done;
            }
        uint64_t b0, b1;
        if (!json_count(json_array_get(jo, 0), &b0) || !json_count(json_array_get(jo, 1), &b1) ||
            b1 < b0) {
            rc = fpq_err(err, FPQ_LAB_ERR_FORMAT,
                         "%s: tensor '%.*s': data_offsets are not two increasing non-negative "
                         "integers", f->path, nl, name);
            goto done;
        }
        if (b1 > dlen) {
            rc = fpq_err(err, FPQ_LAB_ERR_FORMAT,
                         "%s: tensor '%.*s': data_offsets end at %llu, past the %zu bytes of "
                         "data", f->path, nl, name, (unsigned long long)b1, dlen);
            goto done;
        }
        const char *ds = json_string_value(jd);
        unsigned bits = 0;
        t.type = FPQ_IO_UNSUPPORTED;
        int known = 0;
        for (size_t k = 0; k < sizeof st_types / sizeof st_types[0]; k++)
            if (strcmp(ds, st_types[k].name) == 0) {
                t.type = st_types[k].type;
                bits = st_types[k].bits;
                known = 1;
            }
        snprintf(t.dtype, sizeof t.dtype, "%s", known ? ds : "?");
        if (!known) {
            snprintf(t.dtype, sizeof t.dtype, "%.20s", ds);
            if (!fpq_io_name_ok(t.dtype, strlen(t.dtype)))
                snprintf(t.dtype, sizeof t.dtype, "?");
            snprintf(t.why, sizeof t.why, "unknown dtype '%s'", t.dtype);
        } else if (t.type == FPQ_IO_UNSUPPORTED) {
            snprintf(t.why, sizeof t.why,
                     "dtype %s is not supported (F64 F32 F16 BF16 I8 U8 I16 U16 I32 U32 I64 "
                     "U64 BOOL)", ds);
        } else {
            snprintf(t.dtype, sizeof t.dtype, "%s", fpq_io_type_name(t.type));
        }
        t.offset = data0 + (size_t)b0;
        rc = fpq_io_add(f, &t, name, namelen, err);
        if (rc != FPQ_OK)
            goto done;
        /* END - BEGIN must be exactly the tensor's size */
        if (bits) {
            uint64_t nbits;
            if (!fpq_io_mul(&nbits, f->t[f->nt - 1].n, bits)) {
                rc = fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s: tensor '%.*s': shape too large "
                             "(its size overflows)", f->path, nl, name);
                goto done;
            }
            if ((nbits + 7) / 8 != b1 - b0) {
                rc = fpq_err(err, FPQ_LAB_ERR_FORMAT,
                             "%s: tensor '%.*s': data_offsets span %llu bytes, but %s of its "
                             "shape takes %llu", f->path, nl, name,
                             (unsigned long long)(b1 - b0), ds,
                             (unsigned long long)((nbits + 7) / 8));
                goto done;
            }
        }
    }
    if (f->nt > 1) /* f->t is NULL when there is no tensor */
        qsort(f->t, f->nt, sizeof *f->t, by_offset);
done:
    json_decref(root);
    return rc;
}
