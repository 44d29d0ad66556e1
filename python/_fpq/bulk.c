/* bulk.c: the element-wise bulk functions of fpq._fpq: round, encode,
 * decode, convert, pack, unpack, boundaries.  Each checks its buffers,
 * releases the GIL and calls libfpq's bulk path (fpq_round_f32, ...). */
#include <stdlib.h>
#include <string.h>

#include "fpqmod.h"


static int same_length(const Py_buffer *a, const Py_buffer *b, const char *what)
{
    if (a->len / a->itemsize == b->len / b->itemsize)
        return 0;
    PyErr_Format(PyExc_ValueError, "%s: the output holds %zd elements, the input %zd", what,
                 b->len / b->itemsize, a->len / a->itemsize);
    return -1;
}

/* The arguments of round and encode, (fmt, src, dst, mode, saturate, seed,
 * symmetric): src floats; dst floats of src's width (codes false) or codes
 * of fmt (codes true), as long as src.  0 with both buffers held, or -1
 * with an exception set and nothing held. */
static int values_args(PyObject *args, const char *what, int codes, fpq_format *f, fpq_rounding *r, Py_buffer *s,
                       Py_buffer *d)
{
    PyObject *so, *dobj;
    const char *mode;
    int sat, sym;
    unsigned long long seed;
    if (!PyArg_ParseTuple(args, "O&OOsiKp", fmt_conv, f, &so, &dobj, &mode, &sat, &seed, &sym))
        return -1;
    if (rounding_from(r, mode, sat, seed, sym) != 0)
        return -1;
    if (get_buffer(s, so, "x", 'f', 0, 0) != 0)
        return -1;
    if (get_buffer(d, dobj, "out", codes ? 'u' : 'f', codes ? (Py_ssize_t)code_size(f) : s->itemsize, 1) != 0) {
        PyBuffer_Release(s);
        return -1;
    }
    if (same_length(s, d, what) != 0) {
        PyBuffer_Release(s);
        PyBuffer_Release(d);
        return -1;
    }
    return 0;
}

/* round(fmt, src, dst, mode, saturate, seed, symmetric): dst = the values of
 * src rounded to fmt, float32 or float64 (both the same). */
PyObject *py_round(PyObject *self, PyObject *args)
{
    (void)self;
    fpq_format f;
    fpq_rounding r;
    Py_buffer s, d;
    if (values_args(args, "round", 0, &f, &r, &s, &d) != 0)
        return NULL;
    int st;
    size_t n = (size_t)(s.len / s.itemsize);
    Py_BEGIN_ALLOW_THREADS
    st = s.itemsize == 4 ? fpq_round_f32(d.buf, s.buf, n, &f, &r) : fpq_round_f64(d.buf, s.buf, n, &f, &r);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&s);
    PyBuffer_Release(&d);
    if (st != FPQ_OK)
        return raise_status(f.name, st);
    Py_RETURN_NONE;
}

/* encode(fmt, src, dst, mode, saturate, seed, symmetric): dst = the codes of
 * src in fmt, one per element (uint8/16/32/64 by width). */
PyObject *py_encode(PyObject *self, PyObject *args)
{
    (void)self;
    fpq_format f;
    fpq_rounding r;
    Py_buffer s, d;
    if (values_args(args, "encode", 1, &f, &r, &s, &d) != 0)
        return NULL;
    int st = FPQ_OK;
    size_t n = (size_t)(s.len / s.itemsize);
    Py_BEGIN_ALLOW_THREADS
    void *packed = d.buf;
    if (f.bits < 5 && (packed = malloc(fpq_packed_size(&f, n) + 1)) == NULL)
        st = FPQ_ERR_NO_MEMORY;
    if (st == FPQ_OK)
        st = s.itemsize == 4 ? fpq_encode_f32(packed, s.buf, n, &f, &r) : fpq_encode_f64(packed, s.buf, n, &f, &r);
    if (st == FPQ_OK && packed != d.buf)
        st = packed_to_codes(d.buf, 1, packed, n, &f);
    if (packed != d.buf)
        free(packed);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&s);
    PyBuffer_Release(&d);
    if (st != FPQ_OK)
        return raise_status(f.name, st);
    Py_RETURN_NONE;
}

/* The arguments (fmt, src, dst) of decode, pack and unpack: src named
 * sname of kind skind, dst ("out", writable) of kind dkind; each of them
 * of fmt's code size where its *codes flag is set, of any size otherwise.
 * 0 with both buffers held, or -1 with an exception set and nothing held. */
static int pair_args(PyObject *args, fpq_format *f, Py_buffer *s, const char *sname, char skind, int scodes,
                     Py_buffer *d, char dkind, int dcodes)
{
    PyObject *so, *dobj;
    if (!PyArg_ParseTuple(args, "O&OO", fmt_conv, f, &so, &dobj))
        return -1;
    Py_ssize_t size = (Py_ssize_t)code_size(f);
    if (get_buffer(s, so, sname, skind, scodes ? size : 0, 0) != 0)
        return -1;
    if (get_buffer(d, dobj, "out", dkind, dcodes ? size : 0, 1) != 0) {
        PyBuffer_Release(s);
        return -1;
    }
    return 0;
}

static PyObject *wide_error(const fpq_format *f, const void *codes, size_t size, size_t i)
{
    PyErr_Format(PyExc_ValueError, "code %llu at element %zu has bits set above the %u bits of %s",
                 (unsigned long long)code_get(codes, size, i), i, f->bits, f->name);
    return NULL;
}

/* decode(fmt, codes, dst): dst = the values of codes (float32 or float64). */
PyObject *py_decode(PyObject *self, PyObject *args)
{
    (void)self;
    fpq_format f;
    Py_buffer s, d;
    if (pair_args(args, &f, &s, "codes", 'u', 1, &d, 'f', 0) != 0)
        return NULL;
    size_t size = code_size(&f);
    int st = same_length(&s, &d, "decode") == 0 ? FPQ_OK : -1;
    size_t n = (size_t)(s.len / s.itemsize), wide = n;
    if (st == FPQ_OK) {
        Py_BEGIN_ALLOW_THREADS
        wide = first_wide_code(s.buf, size, n, &f);
        if (wide == n) {
            const void *packed = s.buf;
            void *tmp = NULL;
            if (f.bits < 5) {
                tmp = calloc(fpq_packed_size(&f, n) + 1, 1);
                st = tmp ? codes_to_packed(tmp, s.buf, 1, n, &f) : FPQ_ERR_NO_MEMORY;
                packed = tmp;
            }
            if (st == FPQ_OK)
                st = d.itemsize == 4 ? fpq_decode_f32(d.buf, packed, n, &f) : fpq_decode_f64(d.buf, packed, n, &f);
            free(tmp);
        }
        Py_END_ALLOW_THREADS
    }
    PyObject *ret = NULL;
    if (st == FPQ_OK && wide < n)
        wide_error(&f, s.buf, size, wide);
    else if (st != FPQ_OK && st != -1)
        raise_status(f.name, st);
    else if (st == FPQ_OK)
        ret = Py_NewRef(Py_None);
    PyBuffer_Release(&s);
    PyBuffer_Release(&d);
    return ret;
}

/* convert(from, to, src, dst, flags, mode, saturate, seed, symmetric): dst[i]
 * = fpq_convert of src[i] (stochastic position i), flags[i] its flags. */
PyObject *py_convert(PyObject *self, PyObject *args)
{
    (void)self;
    fpq_format from, to;
    PyObject *so, *dobj, *fobj;
    const char *mode;
    int sat, sym;
    unsigned long long seed;
    if (!PyArg_ParseTuple(args, "O&O&OOOsiKp", fmt_conv, &from, fmt_conv, &to, &so, &dobj, &fobj, &mode, &sat,
                          &seed, &sym))
        return NULL;
    fpq_rounding r;
    if (rounding_from(&r, mode, sat, seed, sym) != 0)
        return NULL;
    size_t fs = code_size(&from), ts = code_size(&to);
    Py_buffer s, d, fl;
    if (get_buffer(&s, so, "codes", 'u', (Py_ssize_t)fs, 0) != 0)
        return NULL;
    if (get_buffer(&d, dobj, "out", 'u', (Py_ssize_t)ts, 1) != 0) {
        PyBuffer_Release(&s);
        return NULL;
    }
    if (get_buffer(&fl, fobj, "flags", 'u', 1, 1) != 0) {
        PyBuffer_Release(&s);
        PyBuffer_Release(&d);
        return NULL;
    }
    PyObject *ret = NULL;
    size_t n = (size_t)(s.len / s.itemsize), wide = n;
    if (same_length(&s, &d, "convert") == 0 && same_length(&s, &fl, "convert flags") == 0) {
        Py_BEGIN_ALLOW_THREADS
        wide = first_wide_code(s.buf, fs, n, &from);
        if (wide == n) {
            const void *src = s.buf;
            void *dst = d.buf;
            uint8_t *flg = fl.buf;
#pragma omp parallel for schedule(static)
            for (size_t i = 0; i < n; i++) {
                fpq_rounding ri = r;
                ri.position = i;
                uint64_t out = 0;
                unsigned fi = 0;
                fpq_convert(&out, &fi, &to, &from, code_get(src, fs, i), &ri);
                code_put(dst, ts, i, out);
                flg[i] = (uint8_t)fi;
            }
        }
        Py_END_ALLOW_THREADS
        if (wide < n)
            wide_error(&from, s.buf, fs, wide);
        else
            ret = Py_NewRef(Py_None);
    }
    PyBuffer_Release(&s);
    PyBuffer_Release(&d);
    PyBuffer_Release(&fl);
    return ret;
}

/* pack(fmt, codes, dst): dst (fpq_packed_size bytes) = codes in the
 * library's packed layout (widths 1..4: two per byte, low nibble first). */
PyObject *py_pack(PyObject *self, PyObject *args)
{
    (void)self;
    fpq_format f;
    Py_buffer s, d;
    if (pair_args(args, &f, &s, "codes", 'u', 1, &d, 'x', 0) != 0)
        return NULL;
    size_t size = code_size(&f);
    size_t n = (size_t)(s.len / s.itemsize), wide = n;
    int st = (size_t)d.len == fpq_packed_size(&f, n) ? FPQ_OK : FPQ_ERR_ARG;
    if (st == FPQ_OK) {
        Py_BEGIN_ALLOW_THREADS
        wide = first_wide_code(s.buf, size, n, &f);
        if (wide == n) {
            memset(d.buf, 0, (size_t)d.len);
            st = codes_to_packed(d.buf, s.buf, size, n, &f);
        }
        Py_END_ALLOW_THREADS
    }
    PyObject *ret = NULL;
    if (wide < n)
        wide_error(&f, s.buf, size, wide);
    else if (st != FPQ_OK)
        raise_status("pack", st);
    else
        ret = Py_NewRef(Py_None);
    PyBuffer_Release(&s);
    PyBuffer_Release(&d);
    return ret;
}

/* unpack(fmt, src, dst): dst (len(dst) codes) = the first len(dst) elements
 * of the packed bytes src. */
PyObject *py_unpack(PyObject *self, PyObject *args)
{
    (void)self;
    fpq_format f;
    Py_buffer s, d;
    if (pair_args(args, &f, &s, "packed", 'x', 0, &d, 'u', 1) != 0)
        return NULL;
    size_t size = code_size(&f);
    size_t n = (size_t)(d.len / d.itemsize);
    int st = FPQ_OK;
    if ((size_t)s.len < fpq_packed_size(&f, n)) {
        PyErr_Format(PyExc_ValueError, "unpack: %zd bytes hold fewer than %zu elements of %s", s.len, n, f.name);
        st = -1;
    } else {
        Py_BEGIN_ALLOW_THREADS
        st = packed_to_codes(d.buf, size, s.buf, n, &f);
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&s);
    PyBuffer_Release(&d);
    if (st == -1)
        return NULL;
    if (st != FPQ_OK)
        return raise_status("unpack", st);
    Py_RETURN_NONE;
}

/* boundaries(fmt, width): fpq_boundaries_f32 (width 32) or _f64 (64) as
 * bytes of floats in host order. */
PyObject *py_boundaries(PyObject *self, PyObject *args)
{
    (void)self;
    fpq_format f;
    int width;
    if (!PyArg_ParseTuple(args, "O&i", fmt_conv, &f, &width))
        return NULL;
    if (width != 32 && width != 64) {
        PyErr_SetString(PyExc_ValueError, "boundaries: dtype must be float32 or float64");
        return NULL;
    }
    size_t n = width == 32 ? fpq_boundaries_f32(NULL, 0, &f) : fpq_boundaries_f64(NULL, 0, &f);
    size_t sz = width / 8;
    PyObject *b = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(n * sz));
    if (b == NULL)
        return NULL;
    void *p = PyBytes_AS_STRING(b);
    size_t got;
    Py_BEGIN_ALLOW_THREADS
    got = width == 32 ? fpq_boundaries_f32(p, n, &f) : fpq_boundaries_f64(p, n, &f);
    Py_END_ALLOW_THREADS
    if (got != n || n == 0) {
        Py_DECREF(b);
        return raise_status(f.name, FPQ_ERR_NO_MEMORY);
    }
    return b;
}
