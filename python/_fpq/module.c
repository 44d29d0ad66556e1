/* module.c: the extension module fpq._fpq: the Format type, the shared
 * helpers of fpqmod.h, the method table and the layout check at import. */
#include <string.h>

#include "fpqmod.h"

/* ---------------------------------------------------------------------- */
/* Errors and rounding. */

PyObject *raise_status(const char *what, int status)
{
    PyErr_Format(PyExc_ValueError, "%s: %s", what, fpq_lab_strerror(status));
    return NULL;
}

int rounding_from(fpq_rounding *r, const char *mode, int saturate, unsigned long long seed, int symmetric)
{
    fpq_rounding_default(r);
    if (fpq_rnd_parse(&r->mode, mode) != FPQ_OK) {
        char list[128];
        fpq_rnd_list(list, sizeof list, ", ");
        PyErr_Format(PyExc_ValueError, "unknown rounding mode '%s' (one of: %s)", mode, list);
        return -1;
    }
    r->overflow = saturate ? FPQ_OVF_SATURATE : FPQ_OVF_FORMAT;
    r->seed = (uint64_t)seed;
    r->int_symmetric = symmetric != 0;
    return 0;
}

/* ---------------------------------------------------------------------- */
/* Formats. */

static int parse_format(fpq_format *out, const char *name)
{
    int st = fpq_format_parse(out, name);
    if (st == FPQ_OK)
        return 0;
    if (st == FPQ_ERR_UNKNOWN_FORMAT) {
        const char *near[5];
        size_t n = fpq_format_suggest(near, sizeof near / sizeof near[0], name);
        char list[5 * (FPQ_NAME_MAX + 2)] = "";
        for (size_t i = 0; i < n; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", near[i]);
        if (n)
            PyErr_Format(PyExc_ValueError, "unknown format '%s'; did you mean: %s?", name, list);
        else
            PyErr_Format(PyExc_ValueError, "unknown format '%s' (fpq.formats() lists the presets)", name);
        return -1;
    }
    const char *rule = fpq_format_spelling_rule(name);
    if (rule)
        PyErr_Format(PyExc_ValueError, "bad format '%s': %s", name, rule);
    else
        PyErr_Format(PyExc_ValueError, "bad format '%s': %s", name, fpq_strerror(st));
    return -1;
}

int fmt_conv(PyObject *o, void *out)
{
    if (PyObject_TypeCheck(o, &FpqFormat_Type)) {
        *(fpq_format *)out = ((FormatObject *)o)->fmt;
        return 1;
    }
    if (!PyUnicode_Check(o)) {
        PyErr_Format(PyExc_TypeError, "a format is an fpq.Format or a name, not %.80s", Py_TYPE(o)->tp_name);
        return 0;
    }
    const char *name = PyUnicode_AsUTF8(o);
    if (name == NULL || parse_format(out, name) != 0)
        return 0;
    return 1;
}

int fmt_or_none_conv(PyObject *o, void *out)
{
    fmt_opt *f = out;
    f->set = 0;
    if (o == Py_None)
        return 1;
    if (!fmt_conv(o, &f->fmt))
        return 0;
    f->set = 1;
    return 1;
}

PyObject *format_new(const fpq_format *f)
{
    FormatObject *o = PyObject_New(FormatObject, &FpqFormat_Type);
    if (o)
        o->fmt = *f;
    return (PyObject *)o;
}

static PyObject *format_tp_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"name", NULL};
    fpq_format f;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O&:Format", kwlist, fmt_conv, &f))
        return NULL;
    FormatObject *o = (FormatObject *)type->tp_alloc(type, 0);
    if (o)
        o->fmt = f;
    return (PyObject *)o;
}

/* Pattern bits of f as a Python float (exponent false) or as the binary
 * exponent e of its value, 2^e <= |value| < 2^(e+1) (exponent true); None
 * for FPQ_NO_BITS. */
static PyObject *landmark(const fpq_format *f, uint64_t bits, int exponent)
{
    if (bits == FPQ_NO_BITS)
        Py_RETURN_NONE;
    mpfr_t v;
    mpfr_init2(v, 64);
    fpq_decode(v, NULL, NULL, f, bits);
    PyObject *o = !exponent ? PyFloat_FromDouble(mpfr_get_d(v, MPFR_RNDN))
                            : PyLong_FromLong(mpfr_zero_p(v) ? 0 : (long)mpfr_get_exp(v) - 1);
    mpfr_clear(v);
    return o;
}

static PyObject *format_get(PyObject *self, void *closure)
{
    const fpq_format *f = &((FormatObject *)self)->fmt;
    const char *what = closure;
    fpq_landmarks lm;
    if (fpq_landmarks_get(&lm, f) != FPQ_OK)
        return raise_status(f->name, FPQ_ERR_BAD_FORMAT);
    if (!strcmp(what, "name"))
        return PyUnicode_FromString(f->name);
    if (!strcmp(what, "bits"))
        return PyLong_FromUnsignedLong(f->bits);
    if (!strcmp(what, "kind"))
        return PyUnicode_FromString(fpq_format_kind_name(f));
    if (!strcmp(what, "specials"))
        return PyUnicode_FromString(f->kind == FPQ_KIND_FLOAT ? fpq_specials_name(f->specials) : "finite");
    if (!strcmp(what, "ebits"))
        return PyLong_FromUnsignedLong(f->kind == FPQ_KIND_FLOAT ? f->ebits : 0);
    if (!strcmp(what, "mbits"))
        return PyLong_FromUnsignedLong(f->kind == FPQ_KIND_FLOAT ? f->mbits : 0);
    if (!strcmp(what, "bias")) {
        if (f->kind != FPQ_KIND_FLOAT)
            Py_RETURN_NONE;
        return PyLong_FromLong(f->bias);
    }
    if (!strcmp(what, "is_signed"))
        return PyBool_FromLong(f->is_signed);
    if (!strcmp(what, "subnormals"))
        return PyBool_FromLong(f->kind == FPQ_KIND_FLOAT && f->subnormals);
    if (!strcmp(what, "max"))
        return landmark(f, lm.max_finite, 0);
    if (!strcmp(what, "lowest"))
        return landmark(f, lm.lowest, 0);
    if (!strcmp(what, "min_normal"))
        return landmark(f, lm.min_normal, 0);
    if (!strcmp(what, "min_subnormal"))
        return landmark(f, lm.min_subnormal, 0);
    if (!strcmp(what, "emax"))
        return landmark(f, lm.max_finite, 1);
    if (!strcmp(what, "emin"))
        return landmark(f, lm.min_normal, 1);
    if (!strcmp(what, "note")) {
        if (f->note == NULL)
            Py_RETURN_NONE;
        return PyUnicode_FromString(f->note);
    }
    if (!strcmp(what, "aliases")) {
        PyObject *t = PyList_New(0);
        for (size_t i = 0; t && i < FPQ_ALIASES_MAX && f->aliases[i]; i++) {
            PyObject *s = PyUnicode_FromString(f->aliases[i]);
            if (s == NULL || PyList_Append(t, s) != 0) {
                Py_XDECREF(s);
                Py_CLEAR(t);
                break;
            }
            Py_DECREF(s);
        }
        if (t == NULL)
            return NULL;
        PyObject *tup = PyList_AsTuple(t);
        Py_DECREF(t);
        return tup;
    }
    if (!strcmp(what, "nan_code"))
        return lm.nan == FPQ_NO_BITS ? Py_NewRef(Py_None) : PyLong_FromUnsignedLongLong(lm.nan);
    if (!strcmp(what, "inf_code"))
        return lm.inf == FPQ_NO_BITS ? Py_NewRef(Py_None) : PyLong_FromUnsignedLongLong(lm.inf);
    PyErr_SetString(PyExc_AttributeError, what);
    return NULL;
}

#define GET(n, doc) {n, format_get, NULL, doc, n}
static PyGetSetDef format_getset[] = {
    GET("name", "canonical name, e.g. 'fp8_e4m3'"),
    GET("bits", "width of a bit pattern"),
    GET("kind", "'float', 'int', 'uint' or 'lut'"),
    GET("specials", "'ieee', 'fn', 'fnuz' or 'finite' (integers: 'finite')"),
    GET("ebits", "exponent field width (0 for non-floats)"),
    GET("mbits", "mantissa field width (0 for non-floats)"),
    GET("bias", "exponent bias (None for non-floats)"),
    GET("is_signed", "has a sign bit / two's complement"),
    GET("subnormals", "exponent field 0 holds subnormals"),
    GET("max", "largest finite value"),
    GET("lowest", "most negative finite value"),
    GET("min_normal", "smallest positive normal value (None where there is none)"),
    GET("min_subnormal", "smallest positive subnormal value (None where there is none)"),
    GET("emax", "binary exponent of max: 2**emax <= max < 2**(emax+1)"),
    GET("emin", "binary exponent of min_normal (None where there is none)"),
    GET("aliases", "other names of the format"),
    GET("note", "where the format comes from, or None"),
    GET("nan_code", "the canonical NaN pattern, or None"),
    GET("inf_code", "the +Inf pattern, or None"),
    {NULL, NULL, NULL, NULL, NULL},
};

static PyObject *format_repr(PyObject *self)
{
    return PyUnicode_FromFormat("fpq.Format('%s')", ((FormatObject *)self)->fmt.name);
}

/* Two formats are equal when every field that defines their values is. */
static int same_format(const fpq_format *a, const fpq_format *b)
{
    return a->kind == b->kind && a->bits == b->bits && a->is_signed == b->is_signed &&
           a->ebits == b->ebits && a->mbits == b->mbits && a->bias == b->bias &&
           a->specials == b->specials && a->subnormals == b->subnormals && a->lut == b->lut;
}

static PyObject *format_richcompare(PyObject *a, PyObject *b, int op)
{
    if ((op != Py_EQ && op != Py_NE) || !PyObject_TypeCheck(b, &FpqFormat_Type))
        Py_RETURN_NOTIMPLEMENTED;
    int eq = same_format(&((FormatObject *)a)->fmt, &((FormatObject *)b)->fmt);
    return PyBool_FromLong(op == Py_EQ ? eq : !eq);
}

static Py_hash_t format_hash(PyObject *self)
{
    const fpq_format *f = &((FormatObject *)self)->fmt;
    Py_hash_t h = (Py_hash_t)(f->kind * 1000003u + f->bits * 10007u + f->ebits * 101u + f->mbits * 7u +
                              (unsigned)f->specials) ^ (Py_hash_t)f->bias;
    return h == -1 ? -2 : h;
}

PyTypeObject FpqFormat_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "fpq.Format",
    .tp_basicsize = sizeof(FormatObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Format(name): a number format of libfpq.\n\n"
              "name is any name `fpq formats` lists (or an alias, e.g. 'float8_e4m3fn'),\n"
              "a float spelled eXmY[bBIAS][ieee|fn|fnuz|finite] ('e5m4b10fn') or an\n"
              "integer intN / uintN.  Equal formats compare equal whatever their names.",
    .tp_new = format_tp_new,
    .tp_getset = format_getset,
    .tp_repr = format_repr,
    .tp_richcompare = format_richcompare,
    .tp_hash = format_hash,
};

/* ---------------------------------------------------------------------- */
/* Buffers and codes. */

int get_buffer(Py_buffer *v, PyObject *o, const char *what, char kind, Py_ssize_t itemsize, int writable)
{
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(o, v, flags) != 0) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "%s: a C-contiguous%s array is needed, not %.80s", what,
                     writable ? " writable" : "", Py_TYPE(o)->tp_name);
        return -1;
    }
    const char *fmt = v->format ? v->format : "B";
    while (*fmt == '@' || *fmt == '=' || *fmt == '<')
        fmt++;
    int ok = fmt[0] != '\0' && fmt[1] == '\0';
    if (ok && kind == 'f')
        ok = (fmt[0] == 'f' && v->itemsize == 4) || (fmt[0] == 'd' && v->itemsize == 8);
    else if (ok && kind == 'u')
        ok = strchr("BHILQ", fmt[0]) != NULL;
    if (ok && itemsize)
        ok = v->itemsize == itemsize;
    if (!ok) {
        PyErr_Format(PyExc_TypeError, "%s: an array of %s%s is needed (buffer format '%s', %zd bytes each)",
                     what, kind == 'f' ? "float32 or float64" : kind == 'u' ? "unsigned integers" : "items",
                     itemsize ? " of the format's width" : "", v->format ? v->format : "B", v->itemsize);
        PyBuffer_Release(v);
        return -1;
    }
    return 0;
}

size_t code_size(const fpq_format *f)
{
    return f->bits <= 8 ? 1 : f->bits <= 16 ? 2 : f->bits <= 32 ? 4 : 8;
}

enum { CHUNK = 4096 };

int codes_to_packed(void *packed, const void *codes, size_t size, size_t n, const fpq_format *f)
{
    uint64_t tmp[CHUNK];
    for (size_t i = 0; i < n; i += CHUNK) {
        size_t m = n - i < CHUNK ? n - i : CHUNK;
        for (size_t j = 0; j < m; j++)
            tmp[j] = code_get(codes, size, i + j);
        if (fpq_pack(packed, tmp, i, m, f) != FPQ_OK)
            return FPQ_ERR_ARG;
    }
    return FPQ_OK;
}

int packed_to_codes(void *codes, size_t size, const void *packed, size_t n, const fpq_format *f)
{
    uint64_t tmp[CHUNK];
    for (size_t i = 0; i < n; i += CHUNK) {
        size_t m = n - i < CHUNK ? n - i : CHUNK;
        if (fpq_unpack(tmp, packed, i, m, f) != FPQ_OK)
            return FPQ_ERR_ARG;
        for (size_t j = 0; j < m; j++)
            code_put(codes, size, i + j, tmp[j]);
    }
    return FPQ_OK;
}

size_t first_wide_code(const void *codes, size_t size, size_t n, const fpq_format *f)
{
    if (f->bits >= 64)
        return n;
    uint64_t mask = ~((UINT64_C(1) << f->bits) - 1);
    for (size_t i = 0; i < n; i++)
        if (code_get(codes, size, i) & mask)
            return i;
    return n;
}

/* ---------------------------------------------------------------------- */
/* The presets, the names of the library, the method table. */

static PyObject *py_formats(PyObject *self, PyObject *noargs)
{
    (void)self;
    (void)noargs;
    PyObject *l = PyList_New((Py_ssize_t)fpq_npresets);
    for (size_t i = 0; l && i < fpq_npresets; i++) {
        PyObject *s = PyUnicode_FromString(fpq_presets[i].name);
        if (s == NULL) {
            Py_CLEAR(l);
            break;
        }
        PyList_SET_ITEM(l, (Py_ssize_t)i, s);
    }
    return l;
}

static PyObject *py_ops(PyObject *self, PyObject *noargs)
{
    (void)self;
    (void)noargs;
    PyObject *d = PyDict_New();
    for (int op = 0; d && op < FPQ_OP_COUNT_; op++) {
        PyObject *v = Py_BuildValue("(iI)", op, fpq_op_arity((fpq_op)op));
        if (v == NULL || PyDict_SetItemString(d, fpq_op_name((fpq_op)op), v) != 0) {
            Py_XDECREF(v);
            Py_CLEAR(d);
            break;
        }
        Py_DECREF(v);
    }
    return d;
}

static PyObject *py_rounding_modes(PyObject *self, PyObject *noargs)
{
    (void)self;
    (void)noargs;
    PyObject *l = PyList_New(FPQ_RND_COUNT_);
    for (int r = 0; l && r < FPQ_RND_COUNT_; r++) {
        PyObject *s = PyUnicode_FromString(fpq_rnd_name((fpq_rnd)r));
        if (s == NULL) {
            Py_CLEAR(l);
            break;
        }
        PyList_SET_ITEM(l, r, s);
    }
    return l;
}

static PyMethodDef methods[] = {
    {"formats", py_formats, METH_NOARGS, "The preset names, in display order."},
    {"ops", py_ops, METH_NOARGS, "{op name: (fpq_op value, arity)}."},
    {"rounding_modes", py_rounding_modes, METH_NOARGS, "The rounding mode names."},
    {"round", py_round, METH_VARARGS, NULL},
    {"encode", py_encode, METH_VARARGS, NULL},
    {"decode", py_decode, METH_VARARGS, NULL},
    {"convert", py_convert, METH_VARARGS, NULL},
    {"pack", py_pack, METH_VARARGS, NULL},
    {"unpack", py_unpack, METH_VARARGS, NULL},
    {"boundaries", py_boundaries, METH_VARARGS, NULL},
    {"arith", py_arith, METH_VARARGS, NULL},
    {"dot", (PyCFunction)(void (*)(void))py_dot, METH_VARARGS | METH_KEYWORDS, NULL},
    {"gemm", (PyCFunction)(void (*)(void))py_gemm, METH_VARARGS | METH_KEYWORDS, NULL},
    {"quantize", (PyCFunction)(void (*)(void))py_quantize, METH_VARARGS | METH_KEYWORDS, NULL},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef moddef = {
    PyModuleDef_HEAD_INIT, "fpq._fpq",
    "The C layer of the fpq package over libfpq and libfpqlab (use the package fpq).", -1, methods,
    NULL, NULL, NULL, NULL,
};

/* The layout check: the library loaded at run time must have been built
 * from the headers this module was compiled with (same version, same
 * struct sizes); anything else would corrupt memory, so import fails. */
static int check_layout(void)
{
    static const struct {
        const char *name;
        size_t size;
        int lab;
    } structs[] = {
        {"fpq_format", sizeof(fpq_format), 0},      {"fpq_rounding", sizeof(fpq_rounding), 0},
        {"fpq_landmarks", sizeof(fpq_landmarks), 0}, {"fpq_dot_spec", sizeof(fpq_dot_spec), 0},
        {"fpq_tensor", sizeof(fpq_tensor), 1},      {"fpq_errbuf", sizeof(fpq_errbuf), 1},
        {"fpq_qspec", sizeof(fpq_qspec), 1},        {"fpq_qmetrics", sizeof(fpq_qmetrics), 1},
    };
    if (strcmp(fpq_version(), FPQ_VERSION_STRING) != 0) {
        PyErr_Format(PyExc_ImportError,
                     "fpq: the module was built against libfpq %s but libfpq %s was loaded; rebuild it",
                     FPQ_VERSION_STRING, fpq_version());
        return -1;
    }
    for (size_t i = 0; i < sizeof structs / sizeof structs[0]; i++) {
        size_t got = structs[i].lab ? fpq_lab_struct_size(structs[i].name) : fpq_struct_size(structs[i].name);
        if (got != structs[i].size) {
            PyErr_Format(PyExc_ImportError,
                         "fpq: %s is %zu bytes in the loaded %s but %zu in the headers the module was "
                         "built with; rebuild the module against the installed library",
                         structs[i].name, got, structs[i].lab ? "libfpqlab" : "libfpq", structs[i].size);
            return -1;
        }
    }
    return 0;
}

static int add_int(PyObject *m, const char *name, long v)
{
    return PyModule_AddIntConstant(m, name, v);
}

PyMODINIT_FUNC PyInit__fpq(void)
{
    if (check_layout() != 0)
        return NULL;
    if (PyType_Ready(&FpqFormat_Type) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&moddef);
    if (m == NULL)
        return NULL;
    if (PyModule_AddObjectRef(m, "Format", (PyObject *)&FpqFormat_Type) < 0 ||
        PyModule_AddStringConstant(m, "VERSION", FPQ_VERSION_STRING) < 0 ||
        PyModule_AddStringConstant(m, "LIBRARY_VERSION", fpq_version()) < 0 ||
        add_int(m, "FLAG_INEXACT", FPQ_FLAG_INEXACT) < 0 || add_int(m, "FLAG_UNDERFLOW", FPQ_FLAG_UNDERFLOW) < 0 ||
        add_int(m, "FLAG_OVERFLOW", FPQ_FLAG_OVERFLOW) < 0 || add_int(m, "FLAG_INFINITE", FPQ_FLAG_INFINITE) < 0 ||
        add_int(m, "FLAG_INVALID", FPQ_FLAG_INVALID) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    PyObject *names = PyTuple_New(FPQ_QMETRIC_COUNT);
    for (Py_ssize_t i = 0; names && i < FPQ_QMETRIC_COUNT; i++)
        PyTuple_SET_ITEM(names, i, PyUnicode_FromString(fpq_qmetric_names[i]));
    if (names == NULL || PyModule_AddObject(m, "METRIC_NAMES", names) < 0) {
        Py_XDECREF(names);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
