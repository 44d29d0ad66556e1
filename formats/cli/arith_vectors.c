/* arith_vectors.c: the arithmetic cases of `fpq vectors FMT OP` and
 * `fpq verify FMT OP` (vectors.h), in the spirit of TestFloat's generators.
 *
 * Operands: for formats of at most 8 bits every pattern (every pair for
 * binary operations; for fma every pair with c from a fixed set of eight);
 * unary operations on formats of at most 16 bits every pattern.  Otherwise
 * a core set (both zeros, the smallest and largest subnormals, the smallest
 * normal and its neighbour, 1 and its neighbours, 1.5, 2, 3, the largest
 * finite and its neighbour, Inf, NaNs with and without payload, each with
 * its negation) in every pair (every triple for fma); every power of two
 * 2^e of the format with both pattern neighbours, each with partners 1,
 * -1, the smallest normal, the largest finite, itself and its negation;
 * and constructed ties (a + half an ulp at 1, at the smallest normal and at
 * the largest finite; (1 + k ulp) * 1.5; subnormal k * 2^-sub * 0.5).  Then
 * v->count random operand patterns.  The reference is fpq_arith. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "vectors.h"

typedef struct tuples {
    uint64_t *x; /* 3 per case */
    size_t n, cap;
} tuples;

static void put(tuples *t, uint64_t a, uint64_t b, uint64_t c)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 4096;
        t->x = cli_xrealloc(t->x, t->cap * 3 * sizeof *t->x);
    }
    t->x[3 * t->n] = a;
    t->x[3 * t->n + 1] = b;
    t->x[3 * t->n + 2] = c;
    t->n++;
}

/* A pattern list, without repeats. */
typedef struct plist {
    uint64_t v[64];
    size_t n;
} plist;

static void padd(plist *l, uint64_t p, uint64_t mask)
{
    if (p == FPQ_NO_BITS || (p & ~mask) || l->n == sizeof l->v / sizeof l->v[0])
        return;
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i] == p)
            return;
    l->v[l->n++] = p;
}

/* The pattern of the exact value x in f, FPQ_NO_BITS when it has none. */
static uint64_t exact(const fpq_format *f, mpfr_srcptr x)
{
    uint64_t p;
    unsigned fl;
    fpq_encode(&p, &fl, f, x, NULL);
    return fl ? FPQ_NO_BITS : p;
}

/* The pattern of k * 2^e in f, FPQ_NO_BITS when not exact. */
static uint64_t scaled(const fpq_format *f, long k, long e)
{
    MPFR_DECL_INIT(x, 64);
    mpfr_set_si_2exp(x, k, e, MPFR_RNDN);
    return exact(f, x);
}

/* -p, FPQ_NO_BITS when p is absent or f has no sign */
static uint64_t negate(const fpq_format *f, uint64_t p)
{
    uint64_t r = FPQ_NO_BITS;
    if (p == FPQ_NO_BITS || !f->is_signed || fpq_neg(&r, NULL, f, p, NULL) != FPQ_OK)
        return FPQ_NO_BITS;
    return r;
}

/* A boundary case, unless an operand is absent (FPQ_NO_BITS). */
static void put_some(tuples *t, uint64_t a, uint64_t b, uint64_t c)
{
    if (a != FPQ_NO_BITS && b != FPQ_NO_BITS && c != FPQ_NO_BITS)
        put(t, a, b, c);
}

int cli_arith_cases(cli_vectors *v)
{
    const fpq_format *f = &v->from;
    if (f->kind != FPQ_KIND_FLOAT) {
        cli_error("FMT must be a float format for arithmetic vectors, not %s", f->name);
        return CLI_EXIT_USAGE;
    }
    if (f->bits > 64) {
        cli_error("FMT %s is wider than 64 bits", f->name);
        return CLI_EXIT_USAGE;
    }
    const fpq_op op = v->op;
    const unsigned arity = fpq_op_arity(op);
    const uint64_t mask = f->bits >= 64 ? UINT64_MAX : (UINT64_C(1) << f->bits) - 1;
    fpq_landmarks lm;
    fpq_landmarks_get(&lm, f);
    MPFR_DECL_INIT(mx, 64);
    fpq_decode(mx, NULL, NULL, f, lm.max_finite);
    const long emax = (long)mpfr_get_exp(mx) - 1;
    const long emin = f->subnormals ? 1 - f->bias : -f->bias;
    const long m = (long)f->mbits;

    plist core = {.n = 0};
    const uint64_t c0[] = {lm.zero, lm.min_subnormal, lm.min_subnormal + 1, lm.min_normal - 1, lm.min_normal,
                           lm.min_normal + 1, lm.one - 1, lm.one, lm.one + 1, scaled(f, 3, -1), scaled(f, 2, 0),
                           scaled(f, 3, 0), lm.max_finite - 1, lm.max_finite, lm.inf, lm.nan, lm.nan + 1,
                           lm.inf == FPQ_NO_BITS ? FPQ_NO_BITS : lm.inf + 1};
    for (size_t i = 0; i < sizeof c0 / sizeof c0[0]; i++)
        padd(&core, c0[i], mask); /* a neighbour of an absent landmark is some pattern */
    size_t npos = core.n;
    if (f->is_signed)
        for (size_t i = 0; i < npos; i++)
            padd(&core, negate(f, core.v[i]), mask);

    tuples t = {NULL, 0, 0};
    const bool small = f->bits <= 8, unary_all = arity == 1 && f->bits <= 16;
    if (unary_all || (small && arity == 1)) {
        for (uint64_t a = 0; a <= mask; a++)
            put(&t, a, 0, 0);
    } else if (small) {
        plist cs = {.n = 0};
        const uint64_t cc[] = {lm.zero, lm.neg_zero, lm.min_subnormal, lm.one,
                               lm.one == FPQ_NO_BITS ? FPQ_NO_BITS : negate(f, lm.one), lm.max_finite, lm.nan, lm.inf};
        for (size_t i = 0; i < sizeof cc / sizeof cc[0]; i++)
            padd(&cs, cc[i], mask);
        for (uint64_t a = 0; a <= mask; a++)
            for (uint64_t b = 0; b <= mask; b++)
                for (size_t k = 0; k < (arity == 3 ? cs.n : 1); k++)
                    put(&t, a, b, arity == 3 ? cs.v[k] : 0);
    } else {
        /* the core set, every pair or triple */
        for (size_t i = 0; i < core.n; i++)
            for (size_t j = 0; j < (arity >= 2 ? core.n : 1); j++)
                for (size_t k = 0; k < (arity == 3 ? core.n : 1); k++)
                    put(&t, core.v[i], core.v[j], core.v[k]);
        /* every power of two with its neighbours, and partners */
        const uint64_t none = lm.one == FPQ_NO_BITS ? FPQ_NO_BITS : negate(f, lm.one);
        for (long e = emin - m; e <= emax; e++) {
            uint64_t p = scaled(f, 1, e);
            if (p == FPQ_NO_BITS)
                continue;
            const uint64_t xs[3] = {p, p - 1, p + 1};
            for (int s = 0; s < 3; s++)
                for (int sign = 0; sign < (f->is_signed ? 2 : 1); sign++) {
                    uint64_t x = sign ? negate(f, xs[s]) : xs[s];
                    if (x & ~mask)
                        continue;
                    if (arity == 1) {
                        put_some(&t, x, 0, 0);
                        continue;
                    }
                    const uint64_t partners[6] = {lm.one, none, lm.min_normal, lm.max_finite, x, negate(f, x)};
                    for (int q = 0; q < 6; q++) {
                        if (partners[q] == FPQ_NO_BITS)
                            continue;
                        put_some(&t, x, partners[q], arity == 3 ? lm.zero : 0);
                        put_some(&t, partners[q], x, arity == 3 ? none : 0);
                    }
                }
        }
        /* ties: a + half an ulp of a, (1 + k ulp) * 1.5, k * 2^sub * 0.5 */
        if (arity >= 2) {
            const long at[3] = {0, emin, emax};
            for (int w = 0; w < 3; w++)
                for (long k = 0; k < 4; k++) {
                    const uint64_t p = scaled(f, 1, at[w]), h = scaled(f, 1, at[w] - m - 1);
                    uint64_t a = w == 2 ? lm.max_finite - (uint64_t)k : p + (uint64_t)k;
                    if (p == FPQ_NO_BITS)
                        continue;
                    if (a == FPQ_NO_BITS || h == FPQ_NO_BITS || (a & ~mask))
                        continue;
                    for (int sign = 0; sign < (f->is_signed ? 2 : 1); sign++) {
                        uint64_t sa = sign ? negate(f, a) : a, sh = sign ? negate(f, h) : h;
                        if (op == FPQ_OP_SUB)
                            sh = negate(f, sh);
                        if (arity == 3)
                            put_some(&t, sa, lm.one, sh);
                        else
                            put_some(&t, sa, sh, 0);
                    }
                }
            const uint64_t onehalf = scaled(f, 3, -1);
            for (long k = 1; k <= 4 && onehalf != FPQ_NO_BITS; k++) {
                uint64_t a = lm.one + (uint64_t)k, s = scaled(f, (long)(2 * k + 1), emin - m), half = scaled(f, 1, -1);
                if (lm.one != FPQ_NO_BITS)
                    put_some(&t, a, onehalf, arity == 3 ? lm.zero : 0);
                put_some(&t, s, half, arity == 3 ? lm.zero : 0);
            }
        }
    }
    const size_t nb = t.n;
    for (unsigned long long i = 0; i < v->count; i++)
        put(&t, fpq_sr_bits(v->rnd.seed ^ UINT64_C(0xa417), 3 * i) & mask,
            arity >= 2 ? fpq_sr_bits(v->rnd.seed ^ UINT64_C(0xa417), 3 * i + 1) & mask : 0,
            arity == 3 ? fpq_sr_bits(v->rnd.seed ^ UINT64_C(0xa417), 3 * i + 2) & mask : 0);

    uint64_t *r = cli_xmalloc((t.n ? t.n : 1) * sizeof *r);
    uint8_t *fl = cli_xmalloc(t.n ? t.n : 1);
    MPFR_DECL_INIT(y, 64);
    MPFR_DECL_INIT(mn, 64);
    if (lm.min_normal != FPQ_NO_BITS)
        fpq_decode(mn, NULL, NULL, f, lm.min_normal);
    for (size_t i = 0; i < t.n; i++) {
        fpq_rounding rnd = v->rnd;
        rnd.position = i;
        unsigned flags;
        fpq_arith(&r[i], &flags, f, op, f, &t.x[3 * i], &rnd);
        /* tininess before rounding: an inexact result rounded up to the
         * smallest normal whose exact value is below it; the result
         * toward zero tells (it is below the smallest normal exactly
         * when the exact result is) */
        if (v->tiny_before && op <= FPQ_OP_SQRT && lm.min_normal != FPQ_NO_BITS && (flags & FPQ_FLAG_INEXACT) &&
            !(flags & FPQ_FLAG_UNDERFLOW)) {
            fpq_decode(y, NULL, NULL, f, r[i]);
            if (mpfr_cmpabs(y, mn) == 0) {
                fpq_rounding tz = rnd;
                tz.mode = FPQ_RTZ;
                uint64_t z;
                fpq_arith(&z, NULL, f, op, f, &t.x[3 * i], &tz);
                fpq_decode(y, NULL, NULL, f, z);
                if (mpfr_cmpabs(y, mn) < 0)
                    flags |= FPQ_FLAG_UNDERFLOW;
            }
        }
        fl[i] = (uint8_t)flags;
    }
    v->opnd = t.x;
    v->exp = r;
    v->eflags = fl;
    v->n = t.n;
    v->nboundary = nb;
    return CLI_EXIT_OK;
}

/* One pattern: fpq's 0x form, or TestFloat's upper-case hex without 0x. */
static void pattern(char *buf, const fpq_format *f, uint64_t p, bool testfloat)
{
    fpq_sprint_bits(buf, f, p);
    if (testfloat) {
        memmove(buf, buf + 2, strlen(buf + 2) + 1);
        for (char *s = buf; *s; s++)
            if (*s >= 'a' && *s <= 'f')
                *s = (char)(*s - 'a' + 'A');
    }
}

static void operands(char *buf, size_t n, const cli_vectors *v, size_t i, bool testfloat)
{
    size_t len = 0;
    buf[0] = '\0';
    for (unsigned k = 0; k < fpq_op_arity(v->op); k++) {
        char p[24];
        pattern(p, &v->from, v->opnd[3 * i + k], testfloat);
        len += (size_t)snprintf(buf + len, len < n ? n - len : 0, "%s%s", k ? " " : "", p);
    }
}

void cli_arith_operands(char *buf, size_t n, const cli_vectors *v, size_t i)
{
    operands(buf, n, v, i, false);
}

int cli_arith_print(FILE *f, const cli_vectors *v)
{
    const bool cmp = v->op >= FPQ_OP_EQ;
    for (size_t i = 0; i < v->n; i++) {
        char a[80], r[24];
        operands(a, sizeof a, v, i, v->testfloat);
        if (cmp)
            snprintf(r, sizeof r, "%u", (unsigned)v->exp[i]);
        else
            pattern(r, &v->from, v->exp[i], v->testfloat);
        fprintf(f, "%s %s %02X\n", a, r, v->eflags[i]);
    }
    return fflush(f) != 0 || ferror(f) ? -1 : 0;
}

bool cli_nan_match(const cli_vectors *v, const fpq_format *f, uint64_t expected, uint64_t got)
{
    if (expected == got)
        return true;
    if (v->nan == CLI_NAN_PAYLOAD || f->kind != FPQ_KIND_FLOAT)
        return false;
    MPFR_DECL_INIT(x, 16);
    fpq_class ce, cg;
    fpq_decode(x, &ce, NULL, f, expected);
    fpq_decode(x, &cg, NULL, f, got);
    if (ce != FPQ_CLASS_NAN || cg != FPQ_CLASS_NAN)
        return false;
    if (v->nan == CLI_NAN_ANY)
        return true;
    fpq_landmarks lm;
    fpq_landmarks_get(&lm, f);
    return got == lm.nan;
}
