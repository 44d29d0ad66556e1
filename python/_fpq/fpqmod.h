/* fpqmod.h: the pieces the files of the extension module fpq._fpq share.
 *
 * The module is a thin layer over libfpq (fpq.h) and libfpqlab (fpqlab.h):
 * every bulk function takes contiguous buffers (the buffer protocol, so any
 * NumPy array of the right dtype), checks their kinds and lengths, releases
 * the GIL and calls the library once.  Argument handling, dtypes and
 * broadcasting are done by the Python package above it (fpq/__init__.py).
 */
#ifndef FPQMOD_H
#define FPQMOD_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "fpq.h"
#include "fpqlab.h"

/* fpq._fpq.Format: a parsed format. */
typedef struct {
    PyObject_HEAD
    fpq_format fmt;
} FormatObject;

extern PyTypeObject FpqFormat_Type;

/* "O&" converters.  fmt_conv: a Format or a name into *(fpq_format *);
 * fmt_or_none_conv: the same into a struct fmt_opt, None leaving it unset. */
int fmt_conv(PyObject *o, void *out);
typedef struct fmt_opt {
    fpq_format fmt;
    int set;
} fmt_opt;
int fmt_or_none_conv(PyObject *o, void *out);
/* A new Format object holding *f. */
PyObject *format_new(const fpq_format *f);

/* Rounding from its Python pieces: mode name, saturate, seed, symmetric.
 * 0, or -1 with ValueError set. */
int rounding_from(fpq_rounding *r, const char *mode, int saturate, unsigned long long seed, int symmetric);

/* Raise ValueError with "WHAT: the library's message" for status; NULL. */
PyObject *raise_status(const char *what, int status);

/* A contiguous buffer of o: kind 'f' (float32/float64), 'u' (unsigned
 * integers) or 'x' (any); itemsize 0 for any size; writable or not.  0, or
 * -1 with TypeError set naming `what`.  Release with PyBuffer_Release. */
int get_buffer(Py_buffer *v, PyObject *o, const char *what, char kind, Py_ssize_t itemsize, int writable);

/* The bytes of one unpacked code of fmt (1, 2, 4 or 8). */
size_t code_size(const fpq_format *f);
/* Code i of an array of unsigned integers of `size` bytes. */
static inline uint64_t code_get(const void *p, size_t size, size_t i)
{
    switch (size) {
    case 1: return ((const uint8_t *)p)[i];
    case 2: return ((const uint16_t *)p)[i];
    case 4: return ((const uint32_t *)p)[i];
    default: return ((const uint64_t *)p)[i];
    }
}
static inline void code_put(void *p, size_t size, size_t i, uint64_t v)
{
    switch (size) {
    case 1: ((uint8_t *)p)[i] = (uint8_t)v; break;
    case 2: ((uint16_t *)p)[i] = (uint16_t)v; break;
    case 4: ((uint32_t *)p)[i] = (uint32_t)v; break;
    default: ((uint64_t *)p)[i] = v; break;
    }
}

/* Codes (one per element, `size` bytes each) into the library's packed
 * layout and back; the packed buffer holds fpq_packed_size(f, n) bytes.
 * FPQ_OK or FPQ_ERR_NO_MEMORY.  Call without the GIL. */
int codes_to_packed(void *packed, const void *codes, size_t size, size_t n, const fpq_format *f);
int packed_to_codes(void *codes, size_t size, const void *packed, size_t n, const fpq_format *f);
/* The index of the first code with bits above f's width, or n. */
size_t first_wide_code(const void *codes, size_t size, size_t n, const fpq_format *f);

/* The functions of each file, for the method table in module.c. */
PyObject *py_round(PyObject *self, PyObject *args);
PyObject *py_encode(PyObject *self, PyObject *args);
PyObject *py_decode(PyObject *self, PyObject *args);
PyObject *py_convert(PyObject *self, PyObject *args);
PyObject *py_pack(PyObject *self, PyObject *args);
PyObject *py_unpack(PyObject *self, PyObject *args);
PyObject *py_boundaries(PyObject *self, PyObject *args);
PyObject *py_arith(PyObject *self, PyObject *args);
PyObject *py_dot(PyObject *self, PyObject *args, PyObject *kw);
PyObject *py_gemm(PyObject *self, PyObject *args, PyObject *kw);
PyObject *py_quantize(PyObject *self, PyObject *args, PyObject *kw);

#endif
