/* arith.c: emulated arithmetic in fpq._fpq: element-wise operations on codes
 * (fpq_arith_codes, or fpq_arith_mixed when the operands' formats differ),
 * dot products and GEMMs (fpq_dot, fpq_gemm and their _f64 forms). */
#include <stdlib.h>
#include <string.h>

#include "fpqmod.h"

static int fmt_equal(const fpq_format *a, const fpq_format *b)
{
    return a->kind == b->kind && a->bits == b->bits && a->is_signed == b->is_signed && a->ebits == b->ebits &&
           a->mbits == b->mbits && a->bias == b->bias && a->specials == b->specials &&
           a->subnormals == b->subnormals && a->lut == b->lut;
}

typedef struct operand {
    fmt_opt f;
    PyObject *obj;
    Py_buffer v;
    int held;
} operand;

static void release(operand *o, int k)
{
    for (int i = 0; i < k; i++)
        if (o[i].held)
            PyBuffer_Release(&o[i].v);
}

/* Everything one bulk call needs, run without the GIL. */
typedef struct job {
    const fpq_format *to, *from[3];
    fpq_op op;
    unsigned arity;
    const void *x[3];
    size_t size[3], tsize, n;
    void *dst;
    uint8_t *flags;
    fpq_rounding r;
    int same;
} job;

static int run_same(job *j)
{
    /* One format for every operand: the bulk fpq_arith_codes on the
     * packed layout, through packed copies for widths below 5. */
    const fpq_format *f = j->from[0];
    const void *in[3] = {NULL, NULL, NULL};
    void *tmp[4] = {NULL, NULL, NULL, NULL};
    int st = FPQ_OK;
    for (unsigned i = 0; i < j->arity && st == FPQ_OK; i++) {
        in[i] = j->x[i];
        if (f->bits < 5) {
            tmp[i] = calloc(fpq_packed_size(f, j->n) + 1, 1);
            st = tmp[i] ? codes_to_packed(tmp[i], j->x[i], 1, j->n, f) : FPQ_ERR_NO_MEMORY;
            in[i] = tmp[i];
        }
    }
    void *out = j->dst;
    if (st == FPQ_OK && j->to->bits < 5) {
        tmp[3] = calloc(fpq_packed_size(j->to, j->n) + 1, 1);
        st = tmp[3] ? FPQ_OK : FPQ_ERR_NO_MEMORY;
        out = tmp[3];
    }
    if (st == FPQ_OK)
        st = fpq_arith_codes(out, j->flags, j->to, j->op, f, in[0], in[1], in[2], j->n, &j->r);
    if (st == FPQ_OK && out != j->dst)
        st = packed_to_codes(j->dst, j->tsize, out, j->n, j->to);
    for (int i = 0; i < 4; i++)
        free(tmp[i]);
    return st;
}

static void run_mixed(job *j)
{
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < j->n; i++) {
        uint64_t x[3] = {0, 0, 0}, res = 0;
        unsigned fl = 0;
        for (unsigned k = 0; k < j->arity; k++)
            x[k] = code_get(j->x[k], j->size[k], i);
        fpq_rounding ri = j->r;
        ri.position = j->r.position + i;
        fpq_arith_mixed(&res, &fl, j->to, j->op, j->from, x, &ri);
        code_put(j->dst, j->tsize, i, res);
        j->flags[i] = (uint8_t)fl;
    }
}

/* arith(to, op, fa, fb, fc, a, b, c, dst, flags, mode, saturate, seed,
 * symmetric): dst[i] = op(a[i], b[i], c[i]) rounded once into `to`; fb, fc,
 * b, c may be None where the operation does not take them. */
PyObject *py_arith(PyObject *self, PyObject *args)
{
    (void)self;
    fpq_format to;
    const char *opname, *mode;
    operand o[3];
    PyObject *dobj, *fobj;
    int sat, sym;
    unsigned long long seed;
    memset(o, 0, sizeof o);
    if (!PyArg_ParseTuple(args, "O&sO&O&O&OOOOOsiKp", fmt_conv, &to, &opname, fmt_or_none_conv, &o[0].f,
                          fmt_or_none_conv, &o[1].f, fmt_or_none_conv, &o[2].f, &o[0].obj, &o[1].obj, &o[2].obj,
                          &dobj, &fobj, &mode, &sat, &seed, &sym))
        return NULL;
    job j;
    memset(&j, 0, sizeof j);
    if (fpq_op_parse(&j.op, opname) != FPQ_OK) {
        PyErr_Format(PyExc_ValueError, "unknown operation '%s'", opname);
        return NULL;
    }
    j.arity = fpq_op_arity(j.op);
    for (unsigned i = 0; i < 3; i++) {
        int given = o[i].obj != Py_None;
        if (given != (i < j.arity) || (given && !o[i].f.set)) {
            PyErr_Format(PyExc_ValueError, "%s takes %u operand%s (a%s)", opname, j.arity, j.arity > 1 ? "s" : "",
                         j.arity == 1 ? "" : j.arity == 2 ? ", b" : ", b, c");
            return NULL;
        }
    }
    if (rounding_from(&j.r, mode, sat, seed, sym) != 0)
        return NULL;
    static const char *const names[3] = {"a", "b", "c"};
    Py_buffer d, fl;
    int nheld = 0;
    for (unsigned i = 0; i < j.arity; i++, nheld++) {
        j.from[i] = &o[i].f.fmt;
        j.size[i] = code_size(j.from[i]);
        if (get_buffer(&o[i].v, o[i].obj, names[i], 'u', (Py_ssize_t)j.size[i], 0) != 0) {
            release(o, (int)i);
            return NULL;
        }
        o[i].held = 1;
        j.x[i] = o[i].v.buf;
    }
    j.to = &to;
    j.tsize = code_size(&to);
    if (get_buffer(&d, dobj, "out", 'u', (Py_ssize_t)j.tsize, 1) != 0) {
        release(o, 3);
        return NULL;
    }
    if (get_buffer(&fl, fobj, "flags", 'u', 1, 1) != 0) {
        release(o, 3);
        PyBuffer_Release(&d);
        return NULL;
    }
    j.n = (size_t)(d.len / d.itemsize);
    j.dst = d.buf;
    j.flags = fl.buf;
    PyObject *ret = NULL;
    int bad = (size_t)fl.len != j.n;
    for (unsigned i = 0; i < j.arity; i++)
        bad |= (size_t)(o[i].v.len / o[i].v.itemsize) != j.n;
    size_t wide[3] = {j.n, j.n, j.n};
    if (bad) {
        PyErr_SetString(PyExc_ValueError, "arith: the operands, output and flags differ in length");
    } else {
        int st = FPQ_OK;
        j.same = 1;
        for (unsigned i = 1; i < j.arity; i++)
            j.same &= fmt_equal(j.from[i], j.from[0]);
        Py_BEGIN_ALLOW_THREADS
        for (unsigned i = 0; i < j.arity; i++)
            wide[i] = first_wide_code(j.x[i], j.size[i], j.n, j.from[i]);
        if (wide[0] == j.n && wide[1] == j.n && wide[2] == j.n) {
            if (j.same)
                st = run_same(&j);
            else
                run_mixed(&j);
        }
        Py_END_ALLOW_THREADS
        unsigned w = 0;
        while (w < j.arity && wide[w] == j.n)
            w++;
        if (w < j.arity)
            PyErr_Format(PyExc_ValueError, "%s: code %llu at element %zu has bits set above the %u bits of %s",
                         names[w], (unsigned long long)code_get(j.x[w], j.size[w], wide[w]), wide[w],
                         j.from[w]->bits, j.from[w]->name);
        else if (st != FPQ_OK)
            raise_status("arith", st);
        else
            ret = Py_NewRef(Py_None);
    }
    release(o, nheld);
    PyBuffer_Release(&d);
    PyBuffer_Release(&fl);
    return ret;
}

/* ---------------------------------------------------------------------- */
/* Dot products and GEMMs. */

typedef struct dotargs {
    fmt_opt in, in_b, prod, acc, out, block_acc;
    const char *order, *mode;
    Py_ssize_t block;
    int saturate;
    unsigned long long seed;
    fpq_dot_spec s;
} dotargs;

/* The spec from its keyword pieces; 0, or -1 with ValueError set. */
static int make_spec(dotargs *a)
{
    fpq_dot_spec *s = &a->s;
    fpq_dot_spec_default(s);
    s->in = &a->in.fmt;
    s->in_b = a->in_b.set ? &a->in_b.fmt : NULL;
    s->prod = a->prod.set ? &a->prod.fmt : NULL;
    s->acc = a->acc.set ? &a->acc.fmt : NULL;
    s->out = a->out.set ? &a->out.fmt : NULL;
    s->block_acc = a->block_acc.set ? &a->block_acc.fmt : NULL;
    if (!strcmp(a->order, "seq"))
        s->order = FPQ_DOT_SEQ;
    else if (!strcmp(a->order, "pairwise"))
        s->order = FPQ_DOT_PAIRWISE;
    else if (!strcmp(a->order, "block"))
        s->order = FPQ_DOT_BLOCK;
    else {
        PyErr_Format(PyExc_ValueError, "unknown order '%s' (one of: seq, pairwise, block)", a->order);
        return -1;
    }
    if (a->block < 1) {
        PyErr_Format(PyExc_ValueError, "block must be at least 1, not %zd", a->block);
        return -1;
    }
    s->block = (size_t)a->block;
    if (rounding_from(&s->rnd, a->mode, a->saturate, a->seed, 0) != 0)
        return -1;
    s->rnd_in = s->rnd;
    s->rnd_out = s->rnd;
    if (fpq_dot_spec_validate(s) != FPQ_OK) {
        PyErr_SetString(PyExc_ValueError, "invalid dot spec: an exact accumulator (acc=None) needs an output "
                                          "format (out_fmt)");
        return -1;
    }
    return 0;
}

#define DOT_KW "in_fmt", "b_fmt", "prod_fmt", "acc_fmt", "out_fmt", "order", "block", "block_acc", "rounding", \
               "saturate", "seed"
#define DOT_FMT "O&O&O&O&O&snO&spK"
#define DOT_ARGS(a)                                                                                              \
    fmt_conv, &(a).in.fmt, fmt_or_none_conv, &(a).in_b, fmt_or_none_conv, &(a).prod, fmt_or_none_conv,          \
        &(a).acc, fmt_or_none_conv, &(a).out, &(a).order, &(a).block, fmt_or_none_conv, &(a).block_acc,        \
        &(a).mode, &(a).saturate, &(a).seed

/* dot(a, b, exact, **spec): (code, flags, exact value or None); a and b
 * both float64 (encoded into in_fmt / b_fmt first) or both uint64 codes. */
PyObject *py_dot(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"a", "b", "exact", DOT_KW, NULL};
    dotargs a;
    memset(&a, 0, sizeof a);
    PyObject *ao, *bo;
    int want_exact;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOp" DOT_FMT, kwlist, &ao, &bo, &want_exact, DOT_ARGS(a)))
        return NULL;
    a.in.set = 1;
    if (make_spec(&a) != 0)
        return NULL;
    Py_buffer x, y;
    if (get_buffer(&x, ao, "a", 'x', 8, 0) != 0)
        return NULL;
    if (get_buffer(&y, bo, "b", 'x', 8, 0) != 0) {
        PyBuffer_Release(&x);
        return NULL;
    }
    int floats = x.format && strchr(x.format, 'd') != NULL;
    size_t n = (size_t)(x.len / 8);
    PyObject *ret = NULL;
    if ((size_t)(y.len / 8) != n) {
        PyErr_Format(PyExc_ValueError, "dot: a has %zu elements, b %zd", n, y.len / 8);
    } else {
        uint64_t out = 0;
        unsigned flags = 0;
        int st;
        mpfr_t ex;
        mpfr_init2(ex, 64);
        Py_BEGIN_ALLOW_THREADS
        st = floats ? fpq_dot_f64(&out, &flags, want_exact ? ex : NULL, x.buf, y.buf, n, &a.s)
                    : fpq_dot(&out, &flags, want_exact ? ex : NULL, x.buf, y.buf, n, &a.s);
        Py_END_ALLOW_THREADS
        if (st != FPQ_OK)
            raise_status("dot", st);
        else if (want_exact)
            ret = Py_BuildValue("(KId)", (unsigned long long)out, flags, mpfr_get_d(ex, MPFR_RNDN));
        else
            ret = Py_BuildValue("(KIO)", (unsigned long long)out, flags, Py_None);
        mpfr_clear(ex);
    }
    PyBuffer_Release(&x);
    PyBuffer_Release(&y);
    return ret;
}

/* gemm(A, B, C, C_exact, rows, k, cols, **spec): flags.  A, B float64 (C
 * float64, fpq_gemm_f64) or uint64 codes (C uint64 codes, fpq_gemm);
 * C_exact None or float64 rows x cols. */
PyObject *py_gemm(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"A", "B", "C", "C_exact", "rows", "k", "cols", DOT_KW, NULL};
    dotargs a;
    memset(&a, 0, sizeof a);
    PyObject *ao, *bo, *co, *eo;
    Py_ssize_t rows, k, cols;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOOOnnn" DOT_FMT, kwlist, &ao, &bo, &co, &eo, &rows, &k, &cols,
                                     DOT_ARGS(a)))
        return NULL;
    a.in.set = 1;
    if (make_spec(&a) != 0)
        return NULL;
    if (rows < 0 || k < 0 || cols < 0) {
        PyErr_SetString(PyExc_ValueError, "gemm: negative dimension");
        return NULL;
    }
    Py_buffer A, B, C, E;
    int have_e = eo != Py_None;
    if (get_buffer(&A, ao, "A", 'x', 8, 0) != 0)
        return NULL;
    if (get_buffer(&B, bo, "B", 'x', 8, 0) != 0) {
        PyBuffer_Release(&A);
        return NULL;
    }
    if (get_buffer(&C, co, "C", 'x', 8, 1) != 0) {
        PyBuffer_Release(&A);
        PyBuffer_Release(&B);
        return NULL;
    }
    if (have_e && get_buffer(&E, eo, "C_exact", 'f', 8, 1) != 0) {
        PyBuffer_Release(&A);
        PyBuffer_Release(&B);
        PyBuffer_Release(&C);
        return NULL;
    }
    int floats = A.format && strchr(A.format, 'd') != NULL;
    PyObject *ret = NULL;
    size_t r = (size_t)rows, kk = (size_t)k, c = (size_t)cols;
    if ((size_t)A.len != r * kk * 8 || (size_t)B.len != kk * c * 8 || (size_t)C.len != r * c * 8 ||
        (have_e && (size_t)E.len != r * c * 8)) {
        PyErr_SetString(PyExc_ValueError, "gemm: the arrays do not match rows x k, k x cols, rows x cols");
    } else {
        unsigned flags = 0;
        int st;
        double *ex = have_e ? E.buf : NULL;
        Py_BEGIN_ALLOW_THREADS
        st = floats ? fpq_gemm_f64(C.buf, ex, &flags, A.buf, B.buf, r, kk, c, &a.s)
                    : fpq_gemm(C.buf, ex, &flags, A.buf, B.buf, r, kk, c, &a.s);
        Py_END_ALLOW_THREADS
        if (st != FPQ_OK)
            raise_status("gemm", st);
        else
            ret = PyLong_FromUnsignedLong(flags);
    }
    PyBuffer_Release(&A);
    PyBuffer_Release(&B);
    PyBuffer_Release(&C);
    if (have_e)
        PyBuffer_Release(&E);
    return ret;
}
