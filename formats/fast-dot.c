/* fast-dot.c: fpq_gemm on the fast exact path (fast-arith-impl.h).
 *
 * Applies when the products and sums are covered by the fast arithmetic:
 * inputs whose values and pairwise products binary64 holds exactly (float
 * formats of at most 23 mantissa bits within binary32's range, integers of
 * at most 24 bits, lookup tables of binary32 values), the product,
 * accumulator, block accumulator and output formats host-exact, no exact
 * (unrounded) sum, deterministic rounding modes, and no exact result
 * asked for.  Then every rounding of the reference (dot.c: products into
 * prod, each addition into acc or block_acc, the sum into out) is made the
 * same way, on binary64 values: the exact product, or the exact sum of
 * two values rounded to odd (TwoSum), rounded once by fa_encode and read
 * back.  Same order, same roundings, same flags.
 *
 * Sequential and blocked orders run over a row of C at a time, the inner
 * loop over its columns (one accumulator per column; lean_round: the
 * rounding of fa_encode in the value domain, without branches, for the
 * vectoriser, which GCC 12 does not yet apply to it), rows on OpenMP
 * threads; the pairwise order per element with fa_encode.  An element that meets a NaN
 * or infinite input, or whose accumulator overflows to a non-finite value,
 * is left to the reference (todo[e] = 1); the flags raised before are the
 * reference's too. */
#include "fast-arith-impl.h"

#include <stdlib.h>


/* ---- the lean column loop ------------------------------------------------------ */

/* The exact sum s + t rounded to odd in binary64 (t finite, s finite);
 * an exact zero sum gets the sign rule of arith.c. */
INLINE double lean_odd_sum(double s, double t, uint64_t rdn)
{
    const double y = s + t, bb = y - s;
    const double err = (s - (y - bb)) + (t - bb);
    uint64_t yb = f64_bits(y);
    const uint64_t step = (uint64_t)(err != 0) & ~yb & 1;
    const uint64_t up = (uint64_t)((err > 0) == !(yb >> 63));
    yb += step & up;
    yb -= step & ~up & 1;
    const uint64_t sa = f64_bits(s), st = f64_bits(t);
    const uint64_t zneg = ((sa & st) | ((sa ^ st) & ((uint64_t)0 - rdn))) & (UINT64_C(1) << 63);
    return f64_from(sel(y == 0, zneg, yb));
}

/* acc[j] = round(acc[j] + x * brow[j]) over the columns, the products
 * exact or rounded into prod (P non-NULL). */
INLINE unsigned cols_body(double *restrict acc, uint64_t *restrict bad, const double *restrict brow, double x,
                          size_t cols, const lean *A, const lean *P, const int mode, uint64_t rdn)
{
    uint64_t fl = 0;
    for (size_t j = 0; j < cols; j++) {
        double p = x * brow[j];
        const uint64_t fin = (f64_bits(p) & UINT64_C(0x7ff0000000000000)) != UINT64_C(0x7ff0000000000000);
        uint64_t b = bad[j] | (fin ^ 1);
        p = seld(fin, p, 0);
        if (P)
            p = lean_round(P, mode, p, &fl, &b);
        acc[j] = lean_round(A, mode, lean_odd_sum(acc[j], p, rdn), &fl, &b);
        bad[j] = b;
    }
    return (unsigned)fl;
}

#define COLS_MODE(MODE)                                                                                    \
    (P ? cols_body(acc, bad, brow, x, cols, A, P, MODE, rdn) : cols_body(acc, bad, brow, x, cols, A, NULL, MODE, rdn))

HOT static unsigned cols_step(double *restrict acc, uint64_t *restrict bad, const double *restrict brow, double x,
                              size_t cols, const lean *A, const lean *P, int mode, uint64_t rdn)
{
    switch (mode) {
    case FPQ_RNE: return COLS_MODE(FPQ_RNE);
    case FPQ_RNA: return COLS_MODE(FPQ_RNA);
    case FPQ_RTZ: return COLS_MODE(FPQ_RTZ);
    case FPQ_RUP: return COLS_MODE(FPQ_RUP);
    case FPQ_RDN: return COLS_MODE(FPQ_RDN);
    default: return COLS_MODE(FPQ_RTO);
    }
}
#undef COLS_MODE

/* Whether binary64 holds every value of f and every product of two such
 * values exactly (at most 24 bits, within binary32's range). */
static bool input_ok(const fpq_format *f)
{
    switch (f->kind) {
    case FPQ_KIND_INT: return f->bits <= 24;
    case FPQ_KIND_LUT: return true; /* binary32 values */
    default: break;
    }
    if (f->mbits > 23)
        return false;
    const long emin = fpq_emin(f), top = (long)(fpq_max_finite_mag(f) >> f->mbits) - f->bias;
    return emin - (long)f->mbits >= -149 && top <= 127;
}

typedef struct gjob {
    const fpq_dot_spec *s;
    fa_fmt acc, prod, out, bacc;
    lean lacc, lprod, lbacc;
    size_t k, cols;
    const double *av, *bv;  /* A and B decoded */
    uint64_t *c;
    uint8_t *todo;
} gjob;

/* x rounded into F and read back; *bad when the result is not finite. */
static inline double rnd_val(const fa_fmt *F, double x, const fpq_rounding *r, unsigned *fl, bool *bad)
{
    const uint64_t code = fa_encode(F, x, r, fl);
    if (fa_special(F, code)) {
        *bad = true;
        return 0;
    }
    return fa_value(F, code);
}

/* acc(s + t): the exact sum rounded to odd, then into F. */
static inline double add_val(const fa_fmt *F, double s, double t, const fpq_rounding *r, unsigned *fl, bool *bad)
{
    const double v[3] = {s, t, 0};
    double y;
    fa_exact_odd(&y, FPQ_OP_ADD, v, r);
    return rnd_val(F, y, r, fl, bad);
}

/* The term of a product: exact, or rounded into prod. */
static inline double term(const gjob *g, double x, double y, unsigned *fl, bool *bad)
{
    const double p = x * y; /* exact */
    return g->s->prod ? rnd_val(&g->prod, p, &g->s->rnd, fl, bad) : p;
}

/* The pairwise tree over t[0..n), n >= 2. */
static double tree(const gjob *g, const double *t, size_t n, unsigned *fl, bool *bad)
{
    size_t h = 1;
    while (2 * h < n)
        h *= 2;
    const double l = h >= 2 ? tree(g, t, h, fl, bad) : t[0];
    const double r = n - h >= 2 ? tree(g, t + h, n - h, fl, bad) : t[h];
    return add_val(&g->acc, l, r, &g->s->rnd, fl, bad);
}

/* Row i of C; s, bs: a value per column; t: k terms; bad: a mask per column. */
static unsigned gemm_row(const gjob *g, size_t i, double *s, double *bs, double *t, uint64_t *bad)
{
    const fpq_dot_spec *sp = g->s;
    const fpq_rounding *r = &sp->rnd;
    const size_t k = g->k, cols = g->cols;
    const double *arow = g->av + i * k;
    unsigned fl = 0;
    uint64_t row_bad = 0;
    /* a NaN or infinite input: the reference takes the element */
    for (size_t q = 0; q < k; q++)
        row_bad |= !isfinite(arow[q]);
    for (size_t j = 0; j < cols; j++) {
        s[j] = 0;
        bad[j] = row_bad;
    }
    if (sp->order == FPQ_DOT_PAIRWISE) {
        for (size_t j = 0; j < cols; j++) {
            bool b = bad[j];
            for (size_t q = 0; q < k && !b; q++) {
                if (!isfinite(g->bv[q * cols + j]))
                    b = true;
                else
                    t[q] = term(g, arow[q], g->bv[q * cols + j], &fl, &b);
            }
            if (!b)
                s[j] = k == 0 ? 0 : k == 1 ? rnd_val(&g->acc, t[0], r, &fl, &b) : tree(g, t, k, &fl, &b);
            bad[j] = b;
        }
    } else {
        const size_t block = sp->order == FPQ_DOT_BLOCK ? sp->block : k ? k : 1;
        double *acc = sp->order == FPQ_DOT_BLOCK ? bs : s;
        const lean *P = sp->prod ? &g->lprod : NULL;
        const uint64_t rdn = r->mode == FPQ_RDN;
        for (size_t q0 = 0; q0 < k; q0 += block) {
            const size_t q1 = q0 + block < k ? q0 + block : k;
            if (acc == bs)
                for (size_t j = 0; j < cols; j++)
                    bs[j] = 0;
            for (size_t q = q0; q < q1; q++)
                fl |= cols_step(acc, bad, g->bv + q * cols, arow[q], cols, &g->lacc, P, r->mode, rdn);
            if (acc == bs) /* s = block_acc(s + the block's sum): the product 1 * bs[j] is exact */
                fl |= cols_step(s, bad, bs, 1.0, cols, &g->lbacc, NULL, r->mode, rdn);
        }
    }
    for (size_t j = 0; j < cols; j++) {
        const size_t e = i * cols + j;
        g->todo[e] = (uint8_t)bad[j];
        if (!bad[j])
            g->c[e] = fa_encode(&g->out, s[j], &sp->rnd_out, &fl);
    }
    return fl;
}

/* Decode n patterns of f into binary64 (NaN, +-Inf kept). */
static bool decode(double *dst, const uint64_t *src, size_t n, const fpq_format *f)
{
    void *packed = malloc(fpq_packed_size(f, n ? n : 1));
    if (!packed)
        return false;
    fpq_pack(packed, src, 0, n, f);
    const bool ok = fpq_decode_f64(dst, packed, n, f) == FPQ_OK;
    free(packed);
    return ok;
}

int fpq_fast_gemm(uint64_t *c, uint8_t *todo, unsigned *flags, const uint64_t *a, const uint64_t *b, size_t rows,
                  size_t k, size_t cols, const fpq_dot_spec *s)
{
    const fpq_format *in_b = s->in_b ? s->in_b : s->in, *out = s->out ? s->out : s->acc;
    gjob g = {.s = s, .k = k, .cols = cols, .c = c, .todo = todo};
    if (!input_ok(s->in) || !input_ok(in_b) || !s->acc || !fa_init(&g.acc, s->acc) || !fa_init(&g.out, out) ||
        (s->prod && !fa_init(&g.prod, s->prod)) || !fa_op_ok(FPQ_OP_FMA, &s->rnd) || !fa_op_ok(FPQ_OP_FMA, &s->rnd_out))
        return 0;
    if (s->order == FPQ_DOT_BLOCK && (!s->block_acc || !fa_init(&g.bacc, s->block_acc)))
        return 0;
    const uint64_t ma = ~fpq_width_mask(s->in), mb = ~fpq_width_mask(in_b);
    for (size_t e = 0; e < rows * k; e++)
        if (a[e] & ma)
            return 0; /* the reference reports the pattern */
    for (size_t e = 0; e < k * cols; e++)
        if (b[e] & mb)
            return 0;
    const size_t na = rows * k, nb = k * cols;
    double *av = malloc((na ? na : 1) * sizeof *av), *bv = malloc((nb ? nb : 1) * sizeof *bv);
    if (!av || !bv || !decode(av, a, rows * k, s->in) || !decode(bv, b, k * cols, in_b)) {
        free(av);
        free(bv);
        return 0;
    }
    g.av = av;
    g.bv = bv;
    lean_init(&g.lacc, &g.acc, &s->rnd);
    if (s->prod)
        lean_init(&g.lprod, &g.prod, &s->rnd);
    if (s->order == FPQ_DOT_BLOCK)
        lean_init(&g.lbacc, &g.bacc, &s->rnd);
    unsigned fl_all = 0;
    int ok = 1;
#pragma omp parallel reduction(| : fl_all)
    {
        double *sv = malloc((cols ? cols : 1) * sizeof *sv), *bs = malloc((cols ? cols : 1) * sizeof *bs),
               *t = malloc((k ? k : 1) * sizeof *t);
        uint64_t *bad = malloc((cols ? cols : 1) * sizeof *bad);
        if (!sv || !bs || !t || !bad) {
#pragma omp atomic write
            ok = 0;
        }
        const fp_state fs = fp_enter();
#pragma omp for schedule(dynamic, 1)
        for (size_t i = 0; i < rows; i++)
            if (sv && bs && t && bad)
                fl_all |= gemm_row(&g, i, sv, bs, t, bad);
        fp_leave(fs);
        free(sv);
        free(bs);
        free(t);
        free(bad);
    }
    free(av);
    free(bv);
    if (ok)
        *flags = fl_all;
    return ok;
}
