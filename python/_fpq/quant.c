/* quant.c: fpq._fpq.quantize, libfpqlab's fpq_quantize on a rows x cols
 * float64 buffer: x^ into the caller's buffer, the metrics as a dict. */
#include <string.h>

#include "fpqmod.h"

static int set_quotient(fpq_qspec *s, const char *quotient, const char *scale_arith)
{
    /* How x/S is formed (fpq_quotient) and the arithmetic of the scale
     * (fpq_sarith), by the library's own names. */
    if (fpq_quotient_parse(&s->quotient, quotient) != FPQ_OK) {
        PyErr_Format(PyExc_ValueError, "unknown quotient '%s' (exact, div or recip)", quotient);
        return -1;
    }
    if (fpq_sarith_parse(&s->scale_arith, scale_arith) != FPQ_OK) {
        PyErr_Format(PyExc_ValueError, "unknown scale arithmetic '%s' (default, exact, fp32 or fp64)", scale_arith);
        return -1;
    }
    return 0;
}

/* A 2-D tensor's values as (rows, cols, bytearray of float64). */
static PyObject *tensor_tuple(const fpq_tensor *t)
{
    size_t n = t->rows * t->cols;
    return Py_BuildValue("(nnN)", (Py_ssize_t)t->rows, (Py_ssize_t)t->cols,
                         PyByteArray_FromStringAndSize((const char *)t->data, (Py_ssize_t)(n * sizeof(double))));
}

/* quantize(x, rows, cols, xhat, fmt, scheme, granularity, group,
 * scale_format, quotient, scale_arith, rounding, seed, symmetric, range, outlier,
 * kept_format, mx_rule, tensor_scale, scale_round, exact_metrics, calib,
 * calib_rows, calib_cols) -> (metrics dict, details dict, codes, scales,
 * zero_points): codes a bytearray of rows x cols int64, scales and
 * zero_points (rows, cols, bytearray of float64) in the library's unit
 * order (fpq_qparts).   fmt, granularity, group,
 * scale_format, kept_format, mx_rule, calib: None for the scheme's default. */
PyObject *py_quantize(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"x", "rows", "cols", "xhat", "fmt", "scheme", "granularity", "group",
                             "scale_format", "quotient", "scale_arith", "rounding", "seed", "symmetric", "range", "outlier",
                             "kept_format", "mx_rule", "tensor_scale", "scale_round", "exact_metrics", "calib",
                             "calib_rows", "calib_cols", NULL};
    PyObject *xo, *ho, *fo, *go, *groupo, *sfo, *ko, *mxo, *co;
    const char *scheme, *quotient, *sarith, *mode, *range, *scale_round;
    Py_ssize_t rows, cols, crows, ccols;
    unsigned long long seed;
    int sym, tscale, exact;
    double outlier;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OnnOOsOOOsssKpsdOOpspOnn", kwlist, &xo, &rows, &cols, &ho, &fo,
                                     &scheme, &go, &groupo, &sfo, &quotient, &sarith, &mode, &seed, &sym, &range, &outlier,
                                     &ko, &mxo, &tscale, &scale_round, &exact, &co, &crows, &ccols))
        return NULL;
    fpq_qspec s;
    fpq_qspec_default(&s);
    fpq_scheme sc;
    if (fpq_scheme_parse(&sc, scheme) != FPQ_OK) {
        PyErr_Format(PyExc_ValueError, "unknown scheme '%s' (absmax, zeropoint, mx or nvfp4)", scheme);
        return NULL;
    }
    fpq_qspec_set_scheme(&s, sc);
    if (fo != Py_None) {
        if (PyUnicode_Check(fo)) {
            const char *fix = fpq_qspec_block_alias_fix(PyUnicode_AsUTF8(fo));
            if (fix) {
                PyErr_SetString(PyExc_ValueError, fix);
                return NULL;
            }
        }
        if (!fmt_conv(fo, &s.format))
            return NULL;
    }
    if (go != Py_None) {
        const char *g = PyUnicode_Check(go) ? PyUnicode_AsUTF8(go) : NULL;
        if (g == NULL || fpq_gran_parse(&s.granularity, g) != FPQ_OK) {
            PyErr_Format(PyExc_ValueError, "unknown granularity %R (tensor, row, col or group)", go);
            return NULL;
        }
    }
    if (groupo != Py_None) {
        Py_ssize_t g = PyNumber_AsSsize_t(groupo, PyExc_OverflowError);
        if (g == -1 && PyErr_Occurred())
            return NULL;
        if (g < 0) {
            PyErr_Format(PyExc_ValueError, "group must be at least 2, not %zd", g);
            return NULL;
        }
        s.group = (size_t)g;
        if (go == Py_None)
            s.granularity = FPQ_GRAN_GROUP;
    }
    if (sfo != Py_None) {
        if (PyUnicode_Check(sfo) && strcmp(PyUnicode_AsUTF8(sfo), "exact") == 0)
            s.scale_exact = true;
        else if (!fmt_conv(sfo, &s.scale_format))
            return NULL;
        else
            s.scale_exact = false;
    }
    if (set_quotient(&s, quotient, sarith) != 0)
        return NULL;
    if (fpq_rnd_parse(&s.scale_round, scale_round) != FPQ_OK) {
        PyErr_Format(PyExc_ValueError, "unknown scale rounding '%s' (rne, rna, rtz, rup, rdn, odd)", scale_round);
        return NULL;
    }
    if (mxo != Py_None) {
        const char *r = PyUnicode_Check(mxo) ? PyUnicode_AsUTF8(mxo) : NULL;
        if (r == NULL || fpq_mx_rule_parse(&s.mx_rule, r) != FPQ_OK) {
            PyErr_Format(PyExc_ValueError, "unknown scale rule %R (mx: floor, ceil, rceil or even; nvfp4: 6 or 4over6)", mxo);
            return NULL;
        }
    }
    if (!tscale)
        s.tensor_scale = false;
    fpq_errbuf e = {""};
    if (fpq_range_parse(&s, range, &e) != FPQ_OK) {
        PyErr_SetString(PyExc_ValueError, e.msg);
        return NULL;
    }
    fpq_rounding r;
    if (rounding_from(&r, mode, 0, seed, sym) != 0)
        return NULL;
    s.rnd.mode = r.mode;
    s.rnd.seed = r.seed;
    s.rnd.int_symmetric = r.int_symmetric;
    s.outlier = outlier;
    if (ko != Py_None && !fmt_conv(ko, &s.kept_format))
        return NULL;
    s.exact_metrics = exact != 0;
    if (fpq_qspec_validate(&s, &e) != FPQ_OK) {
        PyErr_SetString(PyExc_ValueError, e.msg);
        return NULL;
    }
    if (rows < 0 || cols < 0 || crows < 0 || ccols < 0) {
        PyErr_SetString(PyExc_ValueError, "quantize: negative dimension");
        return NULL;
    }

    Py_buffer xb, hb, cb;
    if (get_buffer(&xb, xo, "x", 'f', 8, 0) != 0)
        return NULL;
    if (get_buffer(&hb, ho, "xhat", 'f', 8, 1) != 0) {
        PyBuffer_Release(&xb);
        return NULL;
    }
    int have_c = co != Py_None;
    if (have_c && get_buffer(&cb, co, "calib", 'f', 8, 0) != 0) {
        PyBuffer_Release(&xb);
        PyBuffer_Release(&hb);
        return NULL;
    }
    PyObject *ret = NULL;
    size_t n = (size_t)rows * (size_t)cols;
    if ((size_t)xb.len != n * 8 || (size_t)hb.len != n * 8 ||
        (have_c && (size_t)cb.len != (size_t)crows * (size_t)ccols * 8)) {
        PyErr_SetString(PyExc_ValueError, "quantize: the arrays do not match their shapes");
        goto out;
    }
    fpq_tensor x = {(size_t)rows, (size_t)cols, xb.buf};
    fpq_tensor c = {(size_t)crows, (size_t)ccols, have_c ? cb.buf : NULL};
    fpq_tensor xh = FPQ_TENSOR_INIT;
    fpq_qmetrics m;
    fpq_qparts parts;
    int st;
    Py_BEGIN_ALLOW_THREADS
    st = fpq_quantize_parts(&xh, &m, &parts, &x, have_c ? &c : NULL, &s, &e);
    if (st == FPQ_OK && n)
        memcpy(hb.buf, xh.data, n * sizeof(double));
    fpq_tensor_free(&xh);
    Py_END_ALLOW_THREADS
    if (st != FPQ_OK) {
        if (e.msg[0])
            PyErr_SetString(PyExc_ValueError, e.msg);
        else
            raise_status("quantize", st);
        goto out;
    }
    ret = PyDict_New();
    for (size_t i = 0; ret && i < FPQ_QMETRIC_COUNT; i++) {
        PyObject *v = PyFloat_FromDouble(fpq_qmetric(&m, i));
        if (v == NULL || PyDict_SetItemString(ret, fpq_qmetric_names[i], v) != 0)
            Py_CLEAR(ret);
        Py_XDECREF(v);
    }
    if (ret) {
        PyObject *details = Py_BuildValue("{s:d,s:n,s:n,s:n}", "clip_ratio", m.clip_ratio, "units",
                                          (Py_ssize_t)m.units, "n_clipped", (Py_ssize_t)m.n_clipped,
                                          "outlier_cols", (Py_ssize_t)m.outlier_cols);
        PyObject *codes = details ? PyByteArray_FromStringAndSize((const char *)parts.codes,
                                                                  (Py_ssize_t)(parts.n * sizeof(int64_t)))
                                  : NULL;
        PyObject *scales = codes ? tensor_tuple(&parts.scales) : NULL;
        PyObject *zps = scales ? tensor_tuple(&parts.zero_points) : NULL;
        PyObject *t = zps ? PyTuple_Pack(5, ret, details, codes, scales, zps) : NULL;
        Py_XDECREF(details);
        Py_XDECREF(codes);
        Py_XDECREF(scales);
        Py_XDECREF(zps);
        Py_SETREF(ret, t);
    }
    fpq_qparts_free(&parts);
out:
    PyBuffer_Release(&xb);
    PyBuffer_Release(&hb);
    if (have_c)
        PyBuffer_Release(&cb);
    return ret;
}
