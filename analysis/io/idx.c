/* io/idx.c: IDX files, the format of the MNIST and Fashion-MNIST images
 * and labels (train-images-idx3-ubyte, ...), all big-endian:
 *
 *   byte 0, 1   zero
 *   byte 2      element type: 0x08 u8, 0x09 i8, 0x0b i16, 0x0c i32,
 *               0x0d f32, 0x0e f64
 *   byte 3      number of dimensions, 1 to 8
 *   then        one u32 per dimension (slowest first), then the elements
 *               in C order, nothing after them.
 *
 * The file holds one tensor: "labels" when it has one dimension, "images"
 * otherwise (so FILE::images and FILE::labels name them; a file of images
 * of shape N x 28 x 28 is read as a (28 N) x 28 matrix like any 3-D
 * tensor). */
#include "io-impl.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const struct {
    unsigned code;
    fpq_io_type type;
} idx_types[] = {
    {0x08, FPQ_IO_U8}, {0x09, FPQ_IO_I8}, {0x0b, FPQ_IO_I16},
    {0x0c, FPQ_IO_I32}, {0x0d, FPQ_IO_F32}, {0x0e, FPQ_IO_F64},
};

static bool idx_type(unsigned code, fpq_io_type *t)
{
    for (size_t i = 0; i < sizeof idx_types / sizeof idx_types[0]; i++)
        if (idx_types[i].code == code) {
            *t = idx_types[i].type;
            return true;
        }
    return false;
}

int fpq_io_parse_idx(fpq_io_file *f, fpq_errbuf *err)
{
    f->kind = "idx";
    const unsigned char *b = f->buf;
    size_t len = f->len;
    if (len < 4)
        return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s: not an IDX file: %zu bytes, the header "
                       "alone takes 4", f->path, len);
    if (b[0] != 0 || b[1] != 0)
        return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s: not an IDX file: its first two bytes are "
                       "0x%02x 0x%02x, not zero", f->path, b[0], b[1]);
    fpq_io_type type;
    if (!idx_type(b[2], &type))
        return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s: IDX element type 0x%02x at byte 2 is not "
                       "one of 0x08 (u8), 0x09 (i8), 0x0b (i16), 0x0c (i32), 0x0d (f32), "
                       "0x0e (f64)", f->path, b[2]);
    unsigned ndim = b[3];
    if (ndim == 0 || ndim > FPQ_IO_MAXDIM)
        return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s: IDX header at byte 3 gives %u dimensions "
                       "(1 to %d)", f->path, ndim, FPQ_IO_MAXDIM);
    size_t start = 4 + 4 * (size_t)ndim;
    if (len < start)
        return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s: truncated IDX header: %u dimensions need "
                       "%zu bytes, the file holds %zu", f->path, ndim, start, len);
    const char *name = ndim == 1 ? "labels" : "images";
    fpq_io_tensor t;
    int rc = fpq_io_tensor_init(&t, ndim, f, "tensor", name, err);
    if (rc != FPQ_OK)
        return rc;
    t.type = type;
    t.big_endian = 1;
    t.offset = start;
    uint64_t n = 1;
    for (unsigned d = 0; d < ndim; d++) {
        t.shape[d] = fpq_io_ld32(b + 4 + 4 * d, 1);
        if (!fpq_io_mul(&n, n, t.shape[d]))
            return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s: IDX shape too large (size overflows)",
                           f->path);
    }
    uint64_t bytes;
    if (!fpq_io_mul(&bytes, n, fpq_io_type_size(type)))
        return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s: IDX shape too large (size overflows)",
                       f->path);
    if (bytes != len - start) {
        char shape[128];
        fpq_io_shape_text(shape, sizeof shape, &t);
        return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s: the IDX header's shape %s of %s needs "
                       "%llu bytes of data after the %zu-byte header, the file holds %zu",
                       f->path, shape, fpq_io_type_name(type), (unsigned long long)bytes, start,
                       len - start);
    }
    return fpq_io_add(f, &t, name, strlen(name), err);
}
