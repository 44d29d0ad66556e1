/* dot.c: dot products and small matrix products as accelerators compute
 * them -- inputs in one format, products exact or rounded, sums rounded
 * into an accumulator format in a chosen order -- beside the exact result.
 *
 * Values travel as mpfr_t: a decoded input needs at most 53 bits, an exact
 * product of two at most TERM_PREC; every rounding goes through fpq_encode
 * (a sum first rounded to odd at FPQ_ARITH_PREC bits, as in arith.c) and the
 * rounded value is decoded back, exactly.  The exact dot product is
 * mpfr_sum at a precision computed from the terms' exponents. */
#include "fast-arith-impl.h"

#include <math.h>

#include <stdlib.h>
#include <string.h>

#define INPUT_PREC 64  /* every value of every format */
#define TERM_PREC 128  /* every product of two of them, exactly */

void fpq_dot_spec_default(fpq_dot_spec *s)
{
    memset(s, 0, sizeof *s);
    s->in = fpq_preset_find("fp16");
    s->in_b = NULL;
    s->prod = NULL;
    s->acc = fpq_binary32;
    s->out = NULL;
    s->order = FPQ_DOT_SEQ;
    s->block = 32;
    s->block_acc = fpq_binary32;
    fpq_rounding_default(&s->rnd_in);
    fpq_rounding_default(&s->rnd);
    fpq_rounding_default(&s->rnd_out);
}

static bool fmt_ok(const fpq_format *f, bool nullable)
{
    return f ? fpq_format_validate(f) == FPQ_OK : nullable;
}

int fpq_dot_spec_validate(const fpq_dot_spec *s)
{
    if (!s || !fmt_ok(s->in, false) || !fmt_ok(s->in_b, true) || !fmt_ok(s->prod, true) ||
        !fmt_ok(s->acc, true) || !fmt_ok(s->out, true) || !fmt_ok(s->block_acc, true))
        return FPQ_ERR_ARG;
    if (s->model)
        return fpq_acc_model_validate(s->model, NULL, 0) == FPQ_OK &&
                       fpq_rounding_validate(&s->rnd_in) == FPQ_OK && fpq_rounding_validate(&s->rnd) == FPQ_OK &&
                       fpq_rounding_validate(&s->rnd_out) == FPQ_OK
                   ? FPQ_OK
                   : FPQ_ERR_ARG;
    if (!s->acc && !s->out)
        return FPQ_ERR_ARG;
    if ((unsigned)s->order > FPQ_DOT_BLOCK || (s->order == FPQ_DOT_BLOCK && s->block == 0))
        return FPQ_ERR_ARG;
    if (fpq_rounding_validate(&s->rnd_in) != FPQ_OK || fpq_rounding_validate(&s->rnd) != FPQ_OK ||
        fpq_rounding_validate(&s->rnd_out) != FPQ_OK)
        return FPQ_ERR_ARG;
    return FPQ_OK;
}

static const fpq_format *in_b(const fpq_dot_spec *s) { return s->in_b ? s->in_b : s->in; }
const fpq_format *fpq_dot_out_format(const fpq_dot_spec *s)
{
    if (s->out)
        return s->out;
    if (s->model)
        return s->model->promote ? &s->model->promote_acc : &s->model->acc;
    return s->acc;
}

static const fpq_format *out_fmt(const fpq_dot_spec *s) { return fpq_dot_out_format(s); }

/* ---- one dot product ------------------------------------------------------ */

typedef struct dot_ctx {
    const fpq_dot_spec *s;
    fpq_rounding rnd; /* s->rnd, its position advanced by every rounding */
    unsigned flags;
} dot_ctx;

/* dst = fpq_encode(y) into f, decoded back (exactly: prec(dst) >= 64).  A
 * NaN is made positive first: dot products produce the canonical NaN. */
static void round_into(dot_ctx *c, mpfr_ptr dst, mpfr_ptr y, const fpq_format *f)
{
    uint64_t bits;
    unsigned fl = 0;
    if (mpfr_nan_p(y))
        mpfr_setsign(y, y, 0, MPFR_RNDN);
    fpq_encode(&bits, &fl, f, y, &c->rnd);
    c->rnd.position++;
    c->flags |= fl;
    fpq_decode(dst, NULL, NULL, f, bits);
}

/* dst = a + b rounded once into f.  dst may be a or b. */
static void add_into(dot_ctx *c, mpfr_ptr dst, mpfr_srcptr a, mpfr_srcptr b, const fpq_format *f)
{
    MPFR_DECL_INIT(y_float, FPQ_ARITH_PREC);
    MPFR_DECL_INIT(y_lut, FPQ_ARITH_PREC_LUT);
    mpfr_ptr y = f->kind == FPQ_KIND_LUT ? y_lut : y_float;
    if (mpfr_inf_p(a) && mpfr_inf_p(b) && mpfr_signbit(a) != mpfr_signbit(b))
        c->flags |= FPQ_FLAG_INVALID; /* Inf - Inf; a NaN operand was flagged where it arose */
    fpq_mpfr_odd(y, mpfr_add(y, a, b, MPFR_RNDZ));
    if (mpfr_zero_p(y))
        mpfr_setsign(y, y, fpq_zero_sum_negative(mpfr_signbit(a), mpfr_signbit(b), &c->rnd), MPFR_RNDN);
    round_into(c, dst, y, f);
}

/* s = t[0..n) summed sequentially from +0 in f (exactly when f is NULL). */
static int sum_seq(dot_ctx *c, mpfr_ptr s, mpfr_t *t, size_t n, const fpq_format *f)
{
    if (!f)
        return fpq_exact_sum(s, t, n);
    mpfr_set_prec(s, INPUT_PREC);
    mpfr_set_zero(s, 1);
    for (size_t i = 0; i < n; i++)
        add_into(c, s, s, t[i], f);
    return FPQ_OK;
}

/* s = the pairwise tree over t[0..n), n >= 2; prec(s) >= INPUT_PREC. */
static void sum_tree(dot_ctx *c, mpfr_ptr s, mpfr_t *t, size_t n, const fpq_format *f)
{
    size_t h = 1;
    while (2 * h < n)
        h *= 2;
    MPFR_DECL_INIT(l, INPUT_PREC);
    MPFR_DECL_INIT(r, INPUT_PREC);
    mpfr_srcptr lp = t[0], rp = t[h];
    if (h >= 2) {
        sum_tree(c, l, t, h, f);
        lp = l;
    }
    if (n - h >= 2) {
        sum_tree(c, r, t + h, n - h, f);
        rp = r;
    }
    add_into(c, s, lp, rp, f);
}

static int sum_pairwise(dot_ctx *c, mpfr_ptr s, mpfr_t *t, size_t n, const fpq_format *f)
{
    if (!f || n == 0)
        return fpq_exact_sum(s, t, n);
    mpfr_set_prec(s, INPUT_PREC);
    if (n == 1)
        round_into(c, s, t[0], f); /* t[0] may become a positive NaN */
    else
        sum_tree(c, s, t, n, f);
    return FPQ_OK;
}

static int sum_blocks(dot_ctx *c, mpfr_ptr s, mpfr_t *t, size_t n)
{
    const fpq_dot_spec *sp = c->s;
    size_t nb = (n + sp->block - 1) / sp->block;
    mpfr_t *b = malloc((nb ? nb : 1) * sizeof *b);
    if (!b)
        return FPQ_ERR_NO_MEMORY;
    int st = FPQ_OK;
    for (size_t j = 0; j < nb; j++) {
        mpfr_init2(b[j], INPUT_PREC);
        if (st == FPQ_OK) {
            size_t lo = j * sp->block, len = n - lo < sp->block ? n - lo : sp->block;
            st = sum_seq(c, b[j], t + lo, len, sp->acc);
        }
    }
    if (st == FPQ_OK)
        st = sum_seq(c, s, b, nb, sp->block_acc);
    for (size_t j = 0; j < nb; j++)
        mpfr_clear(b[j]);
    free(b);
    return st;
}

/* sum = the terms summed under s's accumulation model, from cval (may be
 * NULL); xv, yv (strides xs, ys) the inputs of the terms. */
static int sum_model(dot_ctx *c, mpfr_ptr sum, mpfr_t *terms, mpfr_t *xv, mpfr_t *yv, size_t xs, size_t ys,
                     size_t n, mpfr_srcptr cval)
{
    const fpq_dot_spec *s = c->s;
    long *te = malloc((n ? n : 1) * sizeof *te);
    if (!te)
        return FPQ_ERR_NO_MEMORY;
    for (size_t i = 0; i < n; i++) {
        if (!mpfr_regular_p(terms[i]))
            te[i] = 0;
        else if (s->prod)
            te[i] = (long)mpfr_get_exp(terms[i]) - 1; /* a rounded product: its own exponent */
        else
            te[i] = fpq_acc_term_exp(xv[i * xs], s->in, yv[i * ys], in_b(s));
    }
    int st = fpq_acc_model_sum(sum, &c->flags, terms, te, n, cval, s->model);
    free(te);
    return st;
}

/* The dot product of decoded inputs xv, yv; terms is scratch of n values at
 * TERM_PREC.  *out in the output format; exact as fpq_dot says.  cval: the
 * accumulator's start under a model (NULL: +0). */
static int dot_values(uint64_t *out, unsigned *flags, mpfr_ptr exact, mpfr_t *xv, mpfr_t *yv, size_t xs,
                      size_t ys, size_t n, mpfr_t *terms, const fpq_dot_spec *s, uint64_t position,
                      mpfr_srcptr cval)
{
    dot_ctx c = {.s = s, .rnd = s->rnd, .flags = 0};
    c.rnd.position = position;
    for (size_t i = 0; i < n; i++) {
        mpfr_mul(terms[i], xv[i * xs], yv[i * ys], MPFR_RNDN); /* exact */
        if (mpfr_nan_p(terms[i]) && !mpfr_nan_p(xv[i * xs]) && !mpfr_nan_p(yv[i * ys]))
            c.flags |= FPQ_FLAG_INVALID; /* 0 * Inf */
    }
    int st = FPQ_OK;
    if (exact)
        st = fpq_exact_sum(exact, terms, n);
    if (s->prod)
        for (size_t i = 0; i < n; i++)
            round_into(&c, terms[i], terms[i], s->prod);

    mpfr_t sum;
    mpfr_init2(sum, INPUT_PREC);
    if (st == FPQ_OK && s->model) {
        st = sum_model(&c, sum, terms, xv, yv, xs, ys, n, cval);
    } else if (st == FPQ_OK) {
        switch (s->order) {
        case FPQ_DOT_SEQ: st = sum_seq(&c, sum, terms, n, s->acc); break;
        case FPQ_DOT_PAIRWISE: st = sum_pairwise(&c, sum, terms, n, s->acc); break;
        case FPQ_DOT_BLOCK: st = sum_blocks(&c, sum, terms, n); break;
        }
    }
    if (st == FPQ_OK) {
        fpq_rounding ro = s->rnd_out;
        unsigned fl = 0;
        if (mpfr_nan_p(sum))
            mpfr_setsign(sum, sum, 0, MPFR_RNDN);
        fpq_encode(out, &fl, out_fmt(s), sum, &ro);
        c.flags |= fl;
        if (flags)
            *flags = c.flags;
    }
    mpfr_clear(sum);
    return st;
}

/* ---- arrays of inputs --------------------------------------------------------- */

static mpfr_t *values_new(size_t n, mpfr_prec_t prec)
{
    mpfr_t *v = malloc((n ? n : 1) * sizeof *v);
    if (v)
        for (size_t i = 0; i < n; i++)
            mpfr_init2(v[i], prec);
    return v;
}

static void values_free(mpfr_t *v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        mpfr_clear(v[i]);
    free(v);
}

/* Decode n patterns of f; FPQ_ERR_BITS_WIDE at the first one too wide. */
static int decode_all(mpfr_t *v, const uint64_t *bits, size_t n, const fpq_format *f)
{
    for (size_t i = 0; i < n; i++)
        if (fpq_decode(v[i], NULL, NULL, f, bits[i]) != FPQ_OK)
            return FPQ_ERR_BITS_WIDE;
    return FPQ_OK;
}

/* Encode n doubles into f at positions first, first + 1, ...; flags ORed. */
static void encode_all(uint64_t *bits, unsigned *flags, const double *x, size_t n, const fpq_format *f,
                       const fpq_rounding *rnd, uint64_t first)
{
    fpq_rounding r = *rnd;
    MPFR_DECL_INIT(v, 53);
    for (size_t i = 0; i < n; i++) {
        unsigned fl = 0;
        r.position = first + i;
        mpfr_set_d(v, x[i], MPFR_RNDN); /* exact, but for a NaN's sign: */
        mpfr_setsign(v, v, signbit(x[i]) != 0, MPFR_RNDN);
        fpq_encode(&bits[i], &fl, f, v, &r);
        *flags |= fl;
    }
}

int fpq_dot(uint64_t *out, unsigned *flags, mpfr_ptr exact, const uint64_t *x, const uint64_t *y, size_t n,
            const fpq_dot_spec *s)
{
    if (!out || (n && (!x || !y)) || fpq_dot_spec_validate(s) != FPQ_OK)
        return FPQ_ERR_ARG;
    /* the fast path (fast-dot.c: a 1 x n by n x 1 product) for the
     * emulated result; the exact one, if asked for, on MPFR below */
    uint8_t todo = 1;
    unsigned fl_fast = 0;
    uint64_t fast_out = 0;
    const bool fast = !s->model && fpq_fast_gemm(&fast_out, &todo, &fl_fast, x, y, 1, n, 1, s) && !todo;
    mpfr_t *xv = values_new(n, INPUT_PREC), *yv = values_new(n, INPUT_PREC), *t = values_new(n, TERM_PREC);
    int st = xv && yv && t ? FPQ_OK : FPQ_ERR_NO_MEMORY;
    if (st == FPQ_OK)
        st = decode_all(xv, x, n, s->in);
    if (st == FPQ_OK)
        st = decode_all(yv, y, n, in_b(s));
    if (st == FPQ_OK && fast) {
        for (size_t i = 0; exact && i < n; i++)
            mpfr_mul(t[i], xv[i], yv[i], MPFR_RNDN); /* exact; finite */
        if (exact)
            st = fpq_exact_sum(exact, t, n);
        if (st == FPQ_OK) {
            *out = fast_out;
            if (flags)
                *flags = fl_fast;
        }
    } else if (st == FPQ_OK) {
        st = dot_values(out, flags, exact, xv, yv, 1, 1, n, t, s, s->rnd.position, NULL);
    }
    values_free(xv, n);
    values_free(yv, n);
    values_free(t, n);
    return st;
}

int fpq_dot_c(uint64_t *out, unsigned *flags, const uint64_t *x, const uint64_t *y, size_t n, uint64_t c,
              const fpq_dot_spec *s)
{
    if (!out || (n && (!x || !y)) || fpq_dot_spec_validate(s) != FPQ_OK || !s->model)
        return FPQ_ERR_ARG;
    mpfr_t *xv = values_new(n, INPUT_PREC), *yv = values_new(n, INPUT_PREC), *t = values_new(n, TERM_PREC);
    mpfr_t cv;
    mpfr_init2(cv, INPUT_PREC);
    int st = xv && yv && t ? FPQ_OK : FPQ_ERR_NO_MEMORY;
    if (st == FPQ_OK)
        st = decode_all(xv, x, n, s->in);
    if (st == FPQ_OK)
        st = decode_all(yv, y, n, in_b(s));
    if (st == FPQ_OK && fpq_decode(cv, NULL, NULL, out_fmt(s), c) != FPQ_OK)
        st = FPQ_ERR_BITS_WIDE;
    if (st == FPQ_OK)
        st = dot_values(out, flags, NULL, xv, yv, 1, 1, n, t, s, s->rnd.position, cv);
    mpfr_clear(cv);
    values_free(xv, n);
    values_free(yv, n);
    values_free(t, n);
    return st;
}

int fpq_dot_f64(uint64_t *out, unsigned *flags, mpfr_ptr exact, const double *x, const double *y, size_t n,
                const fpq_dot_spec *s)
{
    if (!out || (n && (!x || !y)) || fpq_dot_spec_validate(s) != FPQ_OK)
        return FPQ_ERR_ARG;
    uint64_t *xb = malloc((n ? n : 1) * sizeof *xb), *yb = malloc((n ? n : 1) * sizeof *yb);
    int st = FPQ_ERR_NO_MEMORY;
    if (xb && yb) {
        unsigned fin = 0, fdot = 0;
        encode_all(xb, &fin, x, n, s->in, &s->rnd_in, s->rnd_in.position);
        encode_all(yb, &fin, y, n, in_b(s), &s->rnd_in, s->rnd_in.position + n);
        st = fpq_dot(out, &fdot, exact, xb, yb, n, s);
        if (st == FPQ_OK && flags)
            *flags = fin | fdot;
    }
    free(xb);
    free(yb);
    return st;
}

/* fpq_gemm; fast: try the fast path first (fast-dot.c), and compute on
 * MPFR only the elements it leaves. */
static int gemm(uint64_t *c, double *c_exact, unsigned *flags, const uint64_t *a, const uint64_t *b, size_t rows,
                size_t k, size_t cols, const fpq_dot_spec *s, bool fast)
{
    if (fpq_dot_spec_validate(s) != FPQ_OK || (rows && cols && !c) || (rows && k && !a) || (k && cols && !b))
        return FPQ_ERR_ARG;
    if (rows && k > SIZE_MAX / rows)
        return FPQ_ERR_ARG;
    if (k && cols > SIZE_MAX / k)
        return FPQ_ERR_ARG;
    if (rows && cols > SIZE_MAX / rows)
        return FPQ_ERR_ARG;
    uint8_t *todo = NULL;
    unsigned fl_fast = 0;
    if (fast && !s->model && !c_exact && rows && cols) {
        todo = malloc(rows * cols);
        /* no flags asked for: the fast path may leave them out */
        if (todo && !fpq_fast_gemm(c, todo, flags ? &fl_fast : NULL, a, b, rows, k, cols, s)) {
            free(todo);
            todo = NULL;
        }
        bool any = false;
        for (size_t e = 0; todo && e < rows * cols && !any; e++)
            any = todo[e];
        if (todo && !any) {
            free(todo);
            if (flags)
                *flags = fl_fast;
            return FPQ_OK;
        }
    }
    mpfr_t *av = values_new(rows * k, INPUT_PREC), *bv = values_new(k * cols, INPUT_PREC);
    int st = av && bv ? FPQ_OK : FPQ_ERR_NO_MEMORY;
    if (st == FPQ_OK)
        st = decode_all(av, a, rows * k, s->in);
    if (st == FPQ_OK)
        st = decode_all(bv, b, k * cols, in_b(s));
    unsigned fl_all = fl_fast;
    if (st == FPQ_OK && rows && cols) {
        const long long total = (long long)(rows * cols);
        const uint64_t stride = 3 * (uint64_t)k + 2;
        int err = FPQ_OK;
#ifdef _OPENMP
#pragma omp parallel reduction(| : fl_all)
#endif
        {
            mpfr_t *t = values_new(k, TERM_PREC);
            mpfr_t exv;
            mpfr_init2(exv, MPFR_PREC_MIN);
            if (!t) {
#ifdef _OPENMP
#pragma omp atomic write
#endif
                err = FPQ_ERR_NO_MEMORY;
            }
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 4)
#endif
            for (long long e = 0; e < total; e++) {
                if (!t || (todo && !todo[e]))
                    continue;
                const size_t i = (size_t)e / cols, j = (size_t)e % cols;
                unsigned fl = 0;
                fpq_dot_spec se = *s;
                se.rnd_out.position = s->rnd_out.position + (uint64_t)e;
                int r = dot_values(&c[e], &fl, c_exact ? exv : NULL, av + i * k, bv + j, 1, cols, k, t, &se,
                                   s->rnd.position + (uint64_t)e * stride, NULL);
                if (c_exact)
                    c_exact[e] = mpfr_get_d(exv, MPFR_RNDN);
                if (r != FPQ_OK) {
#ifdef _OPENMP
#pragma omp atomic write
#endif
                    err = r;
                }
                fl_all |= fl;
            }
            mpfr_clear(exv);
            values_free(t, k);
        }
        st = err;
    }
    values_free(av, rows * k);
    values_free(bv, k * cols);
    free(todo);
    if (st == FPQ_OK && flags)
        *flags = fl_all;
    return st;
}

int fpq_gemm(uint64_t *c, double *c_exact, unsigned *flags, const uint64_t *a, const uint64_t *b, size_t rows,
             size_t k, size_t cols, const fpq_dot_spec *s)
{
    return gemm(c, c_exact, flags, a, b, rows, k, cols, s, true);
}

int fpq_gemm_reference(uint64_t *c, double *c_exact, unsigned *flags, const uint64_t *a, const uint64_t *b,
                       size_t rows, size_t k, size_t cols, const fpq_dot_spec *s)
{
    return gemm(c, c_exact, flags, a, b, rows, k, cols, s, false);
}

/* Encode n doubles into f at positions first, first + 1, ... without
 * flags: the bulk path (fast.c, equal to fpq_encode bit for bit, NaN the
 * canonical NaN of its sign as encode_all gives it). */
static bool encode_bulk(uint64_t *bits, const double *x, size_t n, const fpq_format *f, const fpq_rounding *rnd,
                        uint64_t first)
{
    void *packed = malloc(fpq_packed_size(f, n ? n : 1));
    fpq_rounding r = *rnd;
    r.position = first;
    const bool ok = packed && fpq_encode_f64(packed, x, n, f, &r) == FPQ_OK &&
                    fpq_unpack(bits, packed, 0, n, f) == FPQ_OK;
    free(packed);
    return ok;
}

/* c[e] = the value of pattern cb[e] of f: the bulk decoder (fast.c), and
 * fpq_decode with mpfr_get_d for the NaN patterns (whose binary64 NaN the
 * bulk path makes canonical). */
static bool decode_bulk(double *c, const uint64_t *cb, size_t n, const fpq_format *f)
{
    void *packed = malloc(fpq_packed_size(f, n ? n : 1));
    const bool ok = packed && fpq_pack(packed, cb, 0, n, f) == FPQ_OK && fpq_decode_f64(c, packed, n, f) == FPQ_OK;
    free(packed);
    if (ok) {
        MPFR_DECL_INIT(v, INPUT_PREC);
        for (size_t e = 0; e < n; e++)
            if (isnan(c[e])) {
                fpq_decode(v, NULL, NULL, f, cb[e]);
                c[e] = mpfr_get_d(v, MPFR_RNDN);
            }
    }
    return ok;
}

int fpq_gemm_f64(double *c, double *c_exact, unsigned *flags, const double *a, const double *b, size_t rows,
                 size_t k, size_t cols, const fpq_dot_spec *s)
{
    if (fpq_dot_spec_validate(s) != FPQ_OK || (rows && cols && !c) || (rows && k && !a) || (k && cols && !b))
        return FPQ_ERR_ARG;
    if ((rows && k > SIZE_MAX / rows) || (k && cols > SIZE_MAX / k) || (rows && cols > SIZE_MAX / rows))
        return FPQ_ERR_ARG;
    if (!flags && !c_exact && fpq_fast_gemm_f64(c, a, b, rows, k, cols, s))
        return FPQ_OK;
    const size_t na = rows * k, nb = k * cols, nc = rows * cols;
    uint64_t *ab = malloc((na ? na : 1) * sizeof *ab), *bb = malloc((nb ? nb : 1) * sizeof *bb),
             *cb = malloc((nc ? nc : 1) * sizeof *cb);
    int st = FPQ_ERR_NO_MEMORY;
    if (ab && bb && cb) {
        unsigned fin = 0, fg = 0;
        if (flags) { /* the input roundings' flags: fpq_encode per element */
            encode_all(ab, &fin, a, na, s->in, &s->rnd_in, s->rnd_in.position);
            encode_all(bb, &fin, b, nb, in_b(s), &s->rnd_in, s->rnd_in.position + na);
        } else if (!encode_bulk(ab, a, na, s->in, &s->rnd_in, s->rnd_in.position) ||
                   !encode_bulk(bb, b, nb, in_b(s), &s->rnd_in, s->rnd_in.position + na)) {
            goto out;
        }
        st = fpq_gemm(cb, c_exact, flags ? &fg : NULL, ab, bb, rows, k, cols, s);
        if (st == FPQ_OK && !decode_bulk(c, cb, nc, out_fmt(s)))
            st = FPQ_ERR_NO_MEMORY;
        if (st == FPQ_OK && flags)
            *flags = fin | fg;
    }
out:
    free(ab);
    free(bb);
    free(cb);
    return st;
}
