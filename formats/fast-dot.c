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
 * two values rounded to odd (TwoSum), rounded once into the format and
 * read back.  Same order, same roundings, same flags.
 *
 * A row of C at a time (rows on OpenMP threads, dynamically: each row's
 * result depends on nothing but its inputs, so C and the flags are the
 * same for any number of threads), in strips of GK_W columns
 * (fast-gemm-kernels.c: the loop over the terms outside, every step one
 * vector operation over the strip's columns).  B is decoded once into
 * rows of a stride that is a multiple of GK_W, with zeros past the last
 * column.  An element that meets a NaN or infinite input, or whose sum
 * becomes NaN or infinite, is left to the reference (todo[e] = 1): a NaN
 * or infinite value of B is replaced by 0 in the decoded copy and its
 * column is bad from the start; a row of A with one is not computed here
 * at all.  The flags raised before an element goes bad are the
 * reference's too.  The output rounding is fa_encode per element.
 *
 * A binary32 accumulator in nearest-even with exact products, sequential
 * order and products within binary32's normal range (b32_spec_ok,
 * b32_range_ok) takes the binary32 kernel instead (fast-gemm32.c: there
 * the host's binary32 additions are the reference's steps), the same way:
 * NaN and infinite inputs and sums that overflow left to the reference.
 * fpq_fast_gemm_f64 is that kernel for fpq_gemm_f64 without flags, on
 * doubles rounded by fpq_round_f64, with no bit patterns in between. */
#include "fast-gemm-impl.h"

#include <stdlib.h>

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

enum { ROW_BLOCK = 8 }; /* rows of C per OpenMP work item */

typedef struct gjob {
    gk_job k;
    fa_fmt out;
    const fpq_rounding *rnd_out;
    size_t cols;
    const double *av;       /* A decoded */
    const uint8_t *row_bad; /* a NaN or infinite value in the row of A */
    const uint64_t *col_bad;
    uint64_t *c;
    uint8_t *todo;
} gjob;

/* Rows i0 .. i1 - 1 of C, a strip at a time for all of them (the strip of
 * B is read from the cache for all but the first). */
static unsigned gemm_rows(const gjob *g, size_t i0, size_t i1)
{
    const size_t cols = g->cols;
    unsigned fl = 0;
    for (size_t i = i0; i < i1; i++)
        if (g->row_bad[i])
            memset(g->todo + i * cols, 1, cols);
    for (size_t j0 = 0; j0 < cols; j0 += GK_W) {
        const size_t n = cols - j0 < GK_W ? cols - j0 : GK_W;
        for (size_t i = i0; i < i1; i++) {
            if (g->row_bad[i])
                continue;
            double s[GK_W];
            uint64_t bad[GK_W];
            memcpy(bad, g->col_bad + j0, sizeof bad);
            fl |= gk_strip(&g->k, g->av + i * g->k.k, j0, s, bad);
            for (size_t j = 0; j < n; j++) {
                const size_t e = i * cols + j0 + j;
                g->todo[e] = (uint8_t)bad[j];
                if (!bad[j])
                    g->c[e] = fa_encode(&g->out, s[j], g->rnd_out, &fl);
            }
        }
    }
    return fl;
}

/* Where B's value (q, j) lies in a copy of B held in strips of w columns
 * (k rows of w values a strip, fast-gemm-impl.h). */
static inline size_t strip_at(size_t q, size_t j, size_t k, size_t w)
{
    return (j / w * k + q) * w + j % w;
}

/* Whether F is binary32 itself. */
static bool is_b32(const fa_fmt *F)
{
    return F->M == 23 && F->emin == -126 && F->emax == 127 && F->specials == FPQ_SPECIALS_IEEE && F->negzero;
}

/* The nonzero finite magnitudes of v[0 .. n-1]: *lo the least, *hi the
 * greatest (0 when there is none); returns whether every value is finite.
 * On the bits (the order of nonnegative binary64 numbers), so that it
 * vectorises. */
static bool mag_range(const double *v, size_t n, double *lo, double *hi)
{
    const uint64_t inf = UINT64_C(0x7ff0000000000000);
    uint64_t l = UINT64_MAX, h = 0, nonfin = 0;
    for (size_t e = 0; e < n; e++) {
        const uint64_t u = f64_bits(v[e]) & ~(UINT64_C(1) << 63), big = u >= inf;
        const uint64_t lu = u | ((uint64_t)0 - ((u == 0) | big)), hu = u & (big - 1);
        l = lu < l ? lu : l;
        h = hu > h ? hu : h;
        nonfin |= big;
    }
    *lo = l == UINT64_MAX ? INFINITY : f64_from(l);
    *hi = f64_from(h);
    return !nonfin;
}

/* Whether the binary32 kernel (fast-gemm32.c, which gives the argument)
 * computes this GEMM: a binary32 accumulator, exact products (none, or
 * rounded into binary32), sequential order, nearest-even with overflow to
 * Inf, float inputs of at most 24 bits of precision together, and every
 * product of nonzero finite inputs a binary32 normal number: min|a| min|b|
 * >= 2^-126 and max|a| max|b| < 2^128 (the products are exact in
 * binary64). */
static bool b32_spec_ok(const fpq_dot_spec *s, const fa_fmt *acc, const fa_fmt *prod)
{
    const fpq_format *fa = s->in, *fb = s->in_b ? s->in_b : s->in;
    if (fa->kind != FPQ_KIND_FLOAT || fb->kind != FPQ_KIND_FLOAT || fa->mbits + fb->mbits + 2 > 24)
        return false;
    return is_b32(acc) && (!s->prod || is_b32(prod)) && s->order == FPQ_DOT_SEQ && s->rnd.mode == FPQ_RNE &&
           s->rnd.overflow == FPQ_OVF_FORMAT;
}

/* The range check of b32_spec_ok's comment on the magnitudes of mag_range. */
static bool b32_range_ok(double la, double ha, double lb, double hb)
{
    if (ha == 0 || hb == 0)
        return true; /* every product is 0 */
    return la * lb >= 0x1p-126 && ha * hb < 0x1p128;
}

static bool b32_ok(const fpq_dot_spec *s, const fa_fmt *acc, const fa_fmt *prod, const double *av, size_t na,
                   const double *bv, size_t nb)
{
    double la, ha, lb, hb;
    (void)mag_range(av, na, &la, &ha);
    (void)mag_range(bv, nb, &lb, &hb);
    return b32_spec_ok(s, acc, prod) && b32_range_ok(la, ha, lb, hb);
}

enum { ROW_BLOCK32 = 4 * G32_R }; /* rows of C per OpenMP work item */

/* af (rows x k) and bf (B in strips of G32_W columns, zeros past the last
 * column) in binary32 from the values av and bv (exact), with the rows and
 * columns that row_bad and col_bad mark (may be NULL) all 0; false when out
 * of memory. */
static bool to_b32(float **af, float **bf, const double *av, const double *bv, size_t rows, size_t k, size_t cols,
                   const uint8_t *row_bad, const uint64_t *col_bad)
{
    const size_t stride = (cols + G32_W - 1) / G32_W * G32_W;
    *af = NULL;
    *bf = NULL;
    if (k && stride > SIZE_MAX / sizeof(float) / k)
        return false;
    *af = malloc((rows * k != 0 ? rows * k : 1) * sizeof **af);
    *bf = calloc(k * stride != 0 ? k * stride : 1, sizeof **bf);
    if (!*af || !*bf)
        return false;
    for (size_t i = 0; i < rows; i++)
        for (size_t q = 0; q < k; q++)
            (*af)[i * k + q] = row_bad && row_bad[i] ? 0.0f : (float)av[i * k + q];
    for (size_t q = 0; q < k; q++)
        for (size_t j = 0; j < cols; j++)
            (*bf)[strip_at(q, j, k, G32_W)] = col_bad && col_bad[j] ? 0.0f : (float)bv[q * cols + j];
    return true;
}

/* cf (rows x cols) = the sums of the binary32 kernel, rows of C on OpenMP
 * threads (each element depends on its inputs alone); with want, returns
 * whether any step was inexact. */
static bool run_b32(float *cf, double *cd, const float *af, const float *bf, size_t rows, size_t k, size_t cols,
                    bool want)
{
    bool inex = false;
    __atomic_fetch_add(&fpq_fast_gemm32_calls, 1, __ATOMIC_RELAXED); /* GEMMs may run at once */
#pragma omp parallel reduction(|| : inex)
    {
        const fp_state fs = fp_enter();
        float out[G32_R * G32_W];
#pragma omp for schedule(dynamic, 1)
        for (size_t i0 = 0; i0 < rows; i0 += ROW_BLOCK32) {
            const size_t i1 = rows - i0 < ROW_BLOCK32 ? rows : i0 + ROW_BLOCK32;
            for (size_t j0 = 0; j0 < cols; j0 += G32_W) {
                const size_t n = cols - j0 < G32_W ? cols - j0 : G32_W;
                for (size_t i = i0; i < i1; i += G32_R) {
                    const int nr = i1 - i < G32_R ? (int)(i1 - i) : G32_R;
                    inex = g32_block(af + i * k, k, bf + j0 * k, out, nr, want) || inex;
                    for (int r = 0; r < nr; r++) {
                        const size_t e = (i + (size_t)r) * cols + j0;
                        if (cf)
                            memcpy(cf + e, out + r * G32_W, n * sizeof *out);
                        else
                            for (size_t j = 0; j < n; j++)
                                cd[e + j] = out[r * G32_W + j];
                    }
                }
            }
        }
        fp_leave(fs);
    }
    return inex;
}

/* The GEMM of fpq_fast_gemm on the binary32 kernel; false when out of
 * memory. */
static bool gemm32(gjob *g, const double *av, const double *bv, size_t rows, bool want, unsigned *flags)
{
    const size_t k = g->k.k, cols = g->cols;
    float *af, *bf, *cf = malloc((rows * cols != 0 ? rows * cols : 1) * sizeof *cf);
    bool ok = to_b32(&af, &bf, av, bv, rows, k, cols, g->row_bad, g->col_bad) && cf;
    if (ok) {
        unsigned fl = run_b32(cf, NULL, af, bf, rows, k, cols, want) ? FPQ_FLAG_INEXACT : 0;
        const bool same = is_b32(&g->out); /* C's patterns are the sums' binary32 bits */
        for (size_t i = 0; i < rows; i++)
            for (size_t j = 0; j < cols; j++) {
                const size_t e = i * cols + j;
                const float v = cf[e];
                const bool bad = g->row_bad[i] || g->col_bad[j] || !isfinite(v);
                g->todo[e] = bad;
                if (bad)
                    continue;
                if (same) {
                    uint32_t u;
                    memcpy(&u, &v, sizeof u);
                    g->c[e] = u;
                } else {
                    g->c[e] = fa_encode(&g->out, v, g->rnd_out, &fl);
                }
            }
        *flags = fl;
    }
    free(af);
    free(bf);
    free(cf);
    return ok;
}

enum { CHUNK64 = 8192 }; /* doubles rounded at a time by fpq_fast_gemm_f64 */

/* x[0 .. n-1] rounded into f by fpq_round_f64 (element e at position
 * r->position + e), CHUNK64 at a time through tmp, into dst in binary32
 * (exact): as they are, or (strips) as B's k x cols values in strips of
 * G32_W columns; the magnitudes' range (mag_range) into *lo, *hi.  False
 * on a NaN or infinite result.  In chunks, so that no binary64 copy of
 * the whole matrix is made. */
static bool round_b32(float *dst, bool strips, size_t k, size_t cols, const double *x, size_t n, const fpq_format *f,
                      const fpq_rounding *r, double *tmp, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = 0;
    for (size_t e0 = 0; e0 < n; e0 += CHUNK64) {
        const size_t m = n - e0 < CHUNK64 ? n - e0 : CHUNK64;
        fpq_rounding rc = *r;
        rc.position += e0;
        double l, h;
        if (fpq_round_f64(tmp, x + e0, m, f, &rc) != FPQ_OK || !mag_range(tmp, m, &l, &h))
            return false;
        *lo = l < *lo ? l : *lo;
        *hi = h > *hi ? h : *hi;
        if (!strips) {
            for (size_t e = 0; e < m; e++)
                dst[e0 + e] = (float)tmp[e]; /* exact */
            continue;
        }
        for (size_t e = 0; e < m; e++) { /* B[q][j] into its strip */
            const size_t q = (e0 + e) / cols, j = (e0 + e) % cols;
            dst[strip_at(q, j, k, G32_W)] = (float)tmp[e];
        }
    }
    return true;
}

int fpq_fast_gemm_f64(double *c, const double *a, const double *b, size_t rows, size_t k, size_t cols,
                      const fpq_dot_spec *s)
{
    const fpq_format *in_b = s->in_b ? s->in_b : s->in, *out = s->out ? s->out : s->acc;
    fa_fmt acc, prod, fo;
    if (s->model || !input_ok(s->in) || !input_ok(in_b) || !s->acc || !fa_init(&acc, s->acc) ||
        !fa_init(&fo, out) || (s->prod && !fa_init(&prod, s->prod)) || !fa_op_ok(FPQ_OP_FMA, &s->rnd) ||
        !fa_op_ok(FPQ_OP_FMA, &s->rnd_out) || !b32_spec_ok(s, &acc, &prod))
        return 0;
    const size_t na = rows * k, nb = k * cols, nc = rows * cols, stride = (cols + G32_W - 1) / G32_W * G32_W;
    if (k && stride > SIZE_MAX / sizeof(float) / k)
        return 0;
    double *tmp = malloc(CHUNK64 * sizeof *tmp);
    float *af = malloc((na != 0 ? na : 1) * sizeof *af), *bf = calloc(k * stride != 0 ? k * stride : 1, sizeof *bf);
    fpq_rounding rb = s->rnd_in;
    rb.position += na;
    double la, ha, lb, hb;
    int ok = tmp && af && bf && round_b32(af, false, k, cols, a, na, s->in, &s->rnd_in, tmp, &la, &ha) &&
             round_b32(bf, true, k, cols, b, nb, in_b, &rb, tmp, &lb, &hb) && b32_range_ok(la, ha, lb, hb);
    if (ok) {
        run_b32(NULL, c, af, bf, rows, k, cols, false);
        const bool same = is_b32(&fo);
        unsigned fl = 0;
        for (size_t e = 0; ok && e < nc; e++) {
            if (!(ok = isfinite(c[e])) || same)
                continue;
            const uint64_t p = fa_encode(&fo, c[e], &s->rnd_out, &fl); /* an overflow: the reference */
            ok = !fa_special(&fo, p);
            c[e] = fa_value(&fo, p);
        }
    }
    free(tmp);
    free(af);
    free(bf);
    return ok;
}

int fpq_fast_gemm(uint64_t *c, uint8_t *todo, unsigned *flags, const uint64_t *a, const uint64_t *b, size_t rows,
                  size_t k, size_t cols, const fpq_dot_spec *s)
{
    const fpq_format *in_b = s->in_b ? s->in_b : s->in, *out = s->out ? s->out : s->acc;
    fa_fmt acc, prod, bacc;
    gjob g = {.rnd_out = &s->rnd_out, .cols = cols, .c = c, .todo = todo};
    if (!input_ok(s->in) || !input_ok(in_b) || !s->acc || !fa_init(&acc, s->acc) || !fa_init(&g.out, out) ||
        (s->prod && !fa_init(&prod, s->prod)) || !fa_op_ok(FPQ_OP_FMA, &s->rnd) || !fa_op_ok(FPQ_OP_FMA, &s->rnd_out))
        return 0;
    if (s->order == FPQ_DOT_BLOCK && (!s->block_acc || !fa_init(&bacc, s->block_acc)))
        return 0;
    const uint64_t ma = ~fpq_width_mask(s->in), mb = ~fpq_width_mask(in_b);
    for (size_t e = 0; e < rows * k; e++)
        if (a[e] & ma)
            return 0; /* the reference reports the pattern */
    for (size_t e = 0; e < k * cols; e++)
        if (b[e] & mb)
            return 0;
    const size_t stride = (cols + GK_W - 1) / GK_W * GK_W; /* columns with the padding */
    if (k && stride > SIZE_MAX / sizeof(double) / k)
        return 0;
    const size_t na = rows * k, nb = k * cols;
    double *av = malloc((na ? na : 1) * sizeof *av), *bv = malloc((nb ? nb : 1) * sizeof *bv);
    double *bp = NULL;
    uint8_t *row_bad = calloc(rows, 1);
    uint64_t *col_bad = calloc(stride, sizeof *col_bad);
    int ok = av && bv && row_bad && col_bad && decode(av, a, na, s->in) && decode(bv, b, nb, in_b);
    if (ok) {
        for (size_t i = 0; i < rows; i++)
            for (size_t q = 0; q < k; q++)
                row_bad[i] |= !isfinite(av[i * k + q]);
        for (size_t q = 0; q < k; q++)
            for (size_t j = 0; j < cols; j++)
                col_bad[j] |= !isfinite(bv[q * cols + j]);
        g.k = (gk_job){.has_prod = s->prod != NULL, .mode = s->rnd.mode, .order = s->order,
                       .k = k, .block = s->block};
        g.av = av;
        g.row_bad = row_bad;
        g.col_bad = col_bad;
        unsigned fl_all = 0;
        if (b32_ok(s, &acc, &prod, av, na, bv, nb)) {
            ok = gemm32(&g, av, bv, rows, flags != NULL, &fl_all);
            goto done;
        }
        bp = calloc(k && stride ? k * stride : 1, sizeof *bp);
        if (!(ok = bp != NULL))
            goto done;
        for (size_t q = 0; q < k; q++)
            for (size_t j = 0; j < cols; j++) {
                const double v = bv[q * cols + j];
                bp[strip_at(q, j, k, GK_W)] = isfinite(v) ? v : 0;
            }
        g.k.b = bp;
        gk_fmt_init(&g.k.acc, &acc, &s->rnd);
        if (s->prod)
            gk_fmt_init(&g.k.prod, &prod, &s->rnd);
        if (s->order == FPQ_DOT_BLOCK)
            gk_fmt_init(&g.k.bacc, &bacc, &s->rnd);
#pragma omp parallel reduction(| : fl_all)
        {
            const fp_state fs = fp_enter();
#pragma omp for schedule(dynamic, 1)
            for (size_t i0 = 0; i0 < rows; i0 += ROW_BLOCK)
                fl_all |= gemm_rows(&g, i0, rows - i0 < ROW_BLOCK ? rows : i0 + ROW_BLOCK);
            fp_leave(fs);
        }
    done:
        if (ok && flags)
            *flags = fl_all;
    }
    free(av);
    free(bv);
    free(bp);
    free(row_bad);
    free(col_bad);
    return ok;
}
