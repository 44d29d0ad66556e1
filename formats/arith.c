/* arith.c: emulated arithmetic on bit patterns, rounded once.
 *
 * Every operation funnels into one path: decode the operands exactly, deal
 * with NaNs, invalid operations and division by zero from the operands'
 * classes, compute the real result with MPFR rounded to odd at FPQ_ARITH_PREC
 * bits (truncate, then set the last bit when anything was cut), and hand it
 * to fpq_encode.  A result rounded to odd at P bits lies strictly between the
 * same two numbers of at most P - 1 bits as the exact one (Boldo and
 * Melquiond), and every number fpq_encode compares against -- a value of the
 * format, a midpoint, the tininess threshold, a stochastic threshold lo +
 * u * gap with a 64-bit u -- has at most 53 + 64 + 1 bits for floats and
 * integers, so the one rounding is the correct rounding of the exact result,
 * with the same flags and the same ternary value.  Lookup-table values are
 * binary32 numbers; their thresholds span at most 128 + 149 + 64 bits, hence
 * FPQ_ARITH_PREC_LUT.  MPFR's exponent range is never touched: decoded values of
 * a valid format stay far inside it, and so do products and quotients.
 *
 * fpq_arith_mixed first tries the fast exact path (fast-arith-impl.h: the
 * same result, flags and ternary value from binary64 arithmetic, for +,
 * -, *, /, sqrt and fma in host-exact float formats in the deterministic
 * modes); fpq_arith_reference is the MPFR path alone. */
#include "fast-arith-impl.h"

#include <string.h>

#define OPERAND_PREC 64 /* holds every value of every format exactly */

static const struct {
    const char *name;
    unsigned arity;
} op_table[FPQ_OP_COUNT_] = {
    [FPQ_OP_ADD] = {"add", 2},        [FPQ_OP_SUB] = {"sub", 2},
    [FPQ_OP_MUL] = {"mul", 2},        [FPQ_OP_DIV] = {"div", 2},
    [FPQ_OP_FMA] = {"fma", 3},        [FPQ_OP_SQRT] = {"sqrt", 1},
    [FPQ_OP_NEG] = {"neg", 1},        [FPQ_OP_ABS] = {"abs", 1},
    [FPQ_OP_MIN] = {"min", 2},        [FPQ_OP_MAX] = {"max", 2},
    [FPQ_OP_MIN_NUM] = {"minnum", 2}, [FPQ_OP_MAX_NUM] = {"maxnum", 2},
    [FPQ_OP_EQ] = {"eq", 2},          [FPQ_OP_LT] = {"lt", 2},
    [FPQ_OP_LE] = {"le", 2},          [FPQ_OP_UNORDERED] = {"unordered", 2},
};

const char *fpq_op_name(fpq_op op) { return (unsigned)op < FPQ_OP_COUNT_ ? op_table[op].name : "?"; }

unsigned fpq_op_arity(fpq_op op) { return (unsigned)op < FPQ_OP_COUNT_ ? op_table[op].arity : 0; }

int fpq_op_parse(fpq_op *out, const char *name)
{
    if (!out || !name)
        return FPQ_ERR_ARG;
    for (int i = 0; i < FPQ_OP_COUNT_; i++)
        if (strcmp(name, op_table[i].name) == 0) {
            *out = (fpq_op)i;
            return FPQ_OK;
        }
    return FPQ_ERR_ARG;
}

static bool is_compare(fpq_op op) { return op >= FPQ_OP_EQ && op <= FPQ_OP_UNORDERED; }

/* ---- operands ------------------------------------------------------------ */

typedef struct operand {
    const fpq_format *f;
    uint64_t bits;
    fpq_class cls;
    bool nan, snan, inf, zero, neg;
} operand;

/* A signalling NaN: IEEE-style formats only, quiet bit (top mantissa bit) clear. */
static bool is_snan(const fpq_format *f, uint64_t bits)
{
    return f->kind == FPQ_KIND_FLOAT && f->specials == FPQ_SPECIALS_IEEE && fpq_float_is_nan(f, bits) &&
           !(bits & fpq_quiet_bit(f));
}

static void load(operand *o, mpfr_ptr v, const fpq_format *f, uint64_t bits)
{
    o->f = f;
    o->bits = bits;
    fpq_decode(v, &o->cls, NULL, f, bits); /* exact: prec(v) = OPERAND_PREC */
    o->nan = o->cls == FPQ_CLASS_NAN;
    o->snan = o->nan && is_snan(f, bits);
    o->inf = o->cls == FPQ_CLASS_INF;
    o->zero = mpfr_zero_p(v) != 0;
    o->neg = mpfr_signbit(v) != 0;
}

/* A float format whose negation is a flip of the sign bit. */
static bool sign_flips(const fpq_format *f) { return f->kind == FPQ_KIND_FLOAT && f->is_signed; }

/* ---- results ---------------------------------------------------------------- */

/* The operand NaN o, as a result in `to`: in its own format with the quiet
 * bit set (x86 SSE and SoftFloat), else converted by fpq_convert.  The
 * caller has raised invalid for signalling operands. */
static int nan_result(uint64_t *r, unsigned *fl, const fpq_format *to, const operand *o, const fpq_rounding *rnd)
{
    if (fpq_format_same(to, o->f)) {
        *r = o->f->specials == FPQ_SPECIALS_IEEE ? o->bits | fpq_quiet_bit(o->f) : o->bits;
        return 0;
    }
    unsigned f2 = 0;
    int t = fpq_convert(r, &f2, to, o->f, o->bits, rnd);
    *fl |= f2;
    return t;
}

/* The default NaN of an invalid operation: fpq_encode of a positive NaN
 * (the format's canonical quiet NaN, or its documented substitute), and
 * the invalid flag. */
static int invalid_result(uint64_t *r, unsigned *fl, const fpq_format *to, const fpq_rounding *rnd)
{
    MPFR_DECL_INIT(nan, 2);
    mpfr_set_nan(nan);
    unsigned f2 = 0;
    int t = fpq_encode(r, &f2, to, nan, rnd);
    *fl |= f2 | FPQ_FLAG_INVALID;
    return t;
}

static int encode_into(uint64_t *r, unsigned *fl, const fpq_format *to, mpfr_srcptr y, const fpq_rounding *rnd)
{
    unsigned f2 = 0;
    int t = fpq_encode(r, &f2, to, y, rnd);
    *fl |= f2;
    return t;
}

/* An operand (or its value) as the result: its own pattern when the formats
 * agree, else one rounding into `to`. */
static int pick(uint64_t *r, unsigned *fl, const fpq_format *to, const operand *o, mpfr_srcptr v,
                const fpq_rounding *rnd)
{
    if (fpq_format_same(to, o->f)) {
        *r = o->bits;
        return 0;
    }
    if (o->nan)
        return nan_result(r, fl, to, o, rnd);
    return encode_into(r, fl, to, v, rnd);
}

/* ---- the operations ------------------------------------------------------ */

static int compare(uint64_t *r, unsigned *fl, fpq_op op, const operand *a, const operand *b, mpfr_srcptr va,
                   mpfr_srcptr vb)
{
    if (a->nan || b->nan) {
        /* eq and unordered are quiet (invalid only for signalling NaNs);
         * lt and le signal on every NaN (IEEE 754-2019 5.11, SoftFloat). */
        if (a->snan || b->snan || op == FPQ_OP_LT || op == FPQ_OP_LE)
            *fl |= FPQ_FLAG_INVALID;
        *r = op == FPQ_OP_UNORDERED;
        return 0;
    }
    int c = mpfr_cmp(va, vb); /* -0 == +0; Inf compare as numbers */
    switch (op) {
    case FPQ_OP_EQ: *r = c == 0; break;
    case FPQ_OP_LT: *r = c < 0; break;
    case FPQ_OP_LE: *r = c <= 0; break;
    default: *r = 0; break;
    }
    return 0;
}

static int sign_op(uint64_t *r, unsigned *fl, const fpq_format *to, fpq_op op, const operand *a, mpfr_ptr va,
                   const fpq_rounding *rnd)
{
    const fpq_format *f = a->f;
    if (sign_flips(f)) {
        const uint64_t sb = fpq_sign_bit(f);
        uint64_t nb = a->bits;
        /* fnuz: the pattern 100...0 is NaN, so zero and NaN have no sign */
        bool signless = f->specials == FPQ_SPECIALS_FNUZ && (a->zero || a->nan);
        if (!signless)
            nb = op == FPQ_OP_NEG ? nb ^ sb : nb & ~sb;
        if (fpq_format_same(to, f)) { /* a quiet-computational bit operation: no flags */
            *r = nb;
            return 0;
        }
        unsigned f2 = 0;
        int t = fpq_convert(r, &f2, to, f, nb, rnd);
        *fl |= f2;
        return t;
    }
    if (a->nan) /* unsigned float formats: E8M0's NaN has no sign */
        return nan_result(r, fl, to, a, rnd);
    if (op == FPQ_OP_NEG)
        mpfr_neg(va, va, MPFR_RNDN); /* exact */
    else
        mpfr_abs(va, va, MPFR_RNDN);
    return encode_into(r, fl, to, va, rnd);
}

/* IEEE 754-2019 minimum, maximum, minimumNumber, maximumNumber. */
static int min_max(uint64_t *r, unsigned *fl, const fpq_format *to, fpq_op op, const operand *a,
                   const operand *b, mpfr_srcptr va, mpfr_srcptr vb, const fpq_rounding *rnd)
{
    if (a->snan || b->snan)
        *fl |= FPQ_FLAG_INVALID;
    const bool number = op == FPQ_OP_MIN_NUM || op == FPQ_OP_MAX_NUM;
    if (a->nan && (!number || b->nan))
        return nan_result(r, fl, to, a, rnd);
    if (b->nan && !number)
        return nan_result(r, fl, to, b, rnd);
    if (a->nan)
        return pick(r, fl, to, b, vb, rnd);
    if (b->nan)
        return pick(r, fl, to, a, va, rnd);
    const bool want_min = op == FPQ_OP_MIN || op == FPQ_OP_MIN_NUM;
    int c = mpfr_cmp(va, vb);
    if (c == 0 && a->zero && b->zero) /* -0 < +0 */
        c = (int)b->neg - (int)a->neg;
    bool take_a = want_min ? c <= 0 : c >= 0;
    return take_a ? pick(r, fl, to, a, va, rnd) : pick(r, fl, to, b, vb, rnd);
}

static int compute(uint64_t *r, unsigned *fl, const fpq_format *to, fpq_op op, const operand *o,
                   mpfr_ptr v[3], const fpq_rounding *rnd)
{
    const unsigned n = op_table[op].arity;
    /* NaN operands: the first one propagates. */
    bool any_nan = false, any_snan = false;
    for (unsigned i = 0; i < n; i++) {
        any_nan |= o[i].nan;
        any_snan |= o[i].snan;
    }
    if (any_nan) {
        if (any_snan)
            *fl |= FPQ_FLAG_INVALID;
        /* fma(0, Inf, qNaN): IEEE leaves invalid to the implementation;
         * SoftFloat raises it, and so do we. */
        if (op == FPQ_OP_FMA && !o[0].nan && !o[1].nan &&
            ((o[0].zero && o[1].inf) || (o[0].inf && o[1].zero)))
            *fl |= FPQ_FLAG_INVALID;
        for (unsigned i = 0; i < n; i++)
            if (o[i].nan)
                return nan_result(r, fl, to, &o[i], rnd);
    }

    /* Invalid operations. */
    bool invalid = false;
    switch (op) {
    case FPQ_OP_ADD:
        invalid = o[0].inf && o[1].inf && o[0].neg != o[1].neg;
        break;
    case FPQ_OP_SUB:
        invalid = o[0].inf && o[1].inf && o[0].neg == o[1].neg;
        break;
    case FPQ_OP_MUL:
        invalid = (o[0].zero && o[1].inf) || (o[0].inf && o[1].zero);
        break;
    case FPQ_OP_DIV:
        invalid = (o[0].zero && o[1].zero) || (o[0].inf && o[1].inf);
        break;
    case FPQ_OP_SQRT:
        invalid = o[0].neg && !o[0].zero;
        break;
    case FPQ_OP_FMA:
        invalid = (o[0].zero && o[1].inf) || (o[0].inf && o[1].zero) ||
                  ((o[0].inf || o[1].inf) && o[2].inf && (o[0].neg != o[1].neg) != o[2].neg);
        break;
    default:
        break;
    }
    if (invalid)
        return invalid_result(r, fl, to, rnd);

    MPFR_DECL_INIT(y_float, FPQ_ARITH_PREC);
    MPFR_DECL_INIT(y_lut, FPQ_ARITH_PREC_LUT);
    mpfr_ptr y = to->kind == FPQ_KIND_LUT ? y_lut : y_float;
    int t = 0;
    bool zero_neg = false, fix_zero = false;
    switch (op) {
    case FPQ_OP_ADD:
        t = mpfr_add(y, v[0], v[1], MPFR_RNDZ);
        fix_zero = true;
        zero_neg = fpq_zero_sum_negative(o[0].neg, o[1].neg, rnd);
        break;
    case FPQ_OP_SUB:
        t = mpfr_sub(y, v[0], v[1], MPFR_RNDZ);
        fix_zero = true;
        zero_neg = fpq_zero_sum_negative(o[0].neg, !o[1].neg, rnd);
        break;
    case FPQ_OP_MUL:
        t = mpfr_mul(y, v[0], v[1], MPFR_RNDZ);
        break;
    case FPQ_OP_DIV:
        if (o[1].zero && !o[0].inf) /* finite nonzero / 0: exactly +-Inf */
            *fl |= FPQ_FLAG_INFINITE;
        t = mpfr_div(y, v[0], v[1], MPFR_RNDZ);
        break;
    case FPQ_OP_SQRT:
        t = mpfr_sqrt(y, v[0], MPFR_RNDZ); /* sqrt(-0) = -0 */
        break;
    case FPQ_OP_FMA:
        t = mpfr_fma(y, v[0], v[1], v[2], MPFR_RNDZ);
        fix_zero = true;
        zero_neg = fpq_zero_sum_negative(o[0].neg != o[1].neg, o[2].neg, rnd);
        break;
    default:
        break;
    }
    fpq_mpfr_odd(y, t);
    if (fix_zero && mpfr_zero_p(y)) /* exact zero: IEEE 754-2019 6.3 */
        mpfr_setsign(y, y, zero_neg, MPFR_RNDN);
    return encode_into(r, fl, to, y, rnd);
}

/* ---- entry points ---------------------------------------------------------- */

/* The fast exact path (fast-arith-impl.h) when it covers the operation:
 * true with *r, *flags and *t set. */
static bool try_fast(uint64_t *r, unsigned *flags, int *t, const fpq_format *to, fpq_op op,
                     const fpq_format *const from[], const uint64_t *x, const fpq_rounding *rnd)
{
    if (!fa_op_ok(op, rnd))
        return false;
    const unsigned n = op_table[op].arity;
    fa_fmt ft, ff[3];
    const fa_fmt *fp[3] = {&ff[0], &ff[1], &ff[2]};
    if (!fa_init(&ft, to))
        return false;
    for (unsigned i = 0; i < n; i++)
        if (!fa_init(&ff[i], from[i]))
            return false;
    unsigned fl = 0;
    const fp_state fs = fp_enter();
    const bool done = fa_compute(r, &fl, t, &ft, op, fp, x, n, rnd);
    fp_leave(fs);
    if (done && flags)
        *flags = fl;
    return done;
}

static int arith_mixed(uint64_t *r, unsigned *flags, const fpq_format *to, fpq_op op,
                       const fpq_format *const from[], const uint64_t *x, const fpq_rounding *rnd, bool fast)
{
    fpq_rounding def;
    if (!rnd) {
        fpq_rounding_default(&def);
        rnd = &def;
    }
    unsigned fl = 0;
    uint64_t out = 0;
    bool ok = r && (unsigned)op < FPQ_OP_COUNT_ && from && x && fpq_rounding_validate(rnd) == FPQ_OK &&
              (is_compare(op) || fpq_format_validate(to) == FPQ_OK);
    const unsigned n = ok ? op_table[op].arity : 0;
    for (unsigned i = 0; ok && i < n; i++)
        ok = from[i] && fpq_format_validate(from[i]) == FPQ_OK && !(x[i] & ~fpq_width_mask(from[i]));
    if (!ok) {
        if (r)
            *r = 0;
        if (flags)
            *flags = FPQ_FLAG_INVALID;
        return 0;
    }
    int t = 0;
    if (fast && try_fast(r, flags, &t, to, op, from, x, rnd))
        return t;

    MPFR_DECL_INIT(v0, OPERAND_PREC);
    MPFR_DECL_INIT(v1, OPERAND_PREC);
    MPFR_DECL_INIT(v2, OPERAND_PREC);
    mpfr_ptr v[3] = {v0, v1, v2};
    operand o[3];
    for (unsigned i = 0; i < n; i++)
        load(&o[i], v[i], from[i], x[i]);

    switch (op) {
    case FPQ_OP_EQ:
    case FPQ_OP_LT:
    case FPQ_OP_LE:
    case FPQ_OP_UNORDERED:
        t = compare(&out, &fl, op, &o[0], &o[1], v[0], v[1]);
        break;
    case FPQ_OP_NEG:
    case FPQ_OP_ABS:
        t = sign_op(&out, &fl, to, op, &o[0], v[0], rnd);
        break;
    case FPQ_OP_MIN:
    case FPQ_OP_MAX:
    case FPQ_OP_MIN_NUM:
    case FPQ_OP_MAX_NUM:
        t = min_max(&out, &fl, to, op, &o[0], &o[1], v[0], v[1], rnd);
        break;
    default:
        t = compute(&out, &fl, to, op, o, v, rnd);
        break;
    }
    *r = out;
    if (flags)
        *flags = fl;
    return t;
}

int fpq_arith_mixed(uint64_t *r, unsigned *flags, const fpq_format *to, fpq_op op,
                    const fpq_format *const from[], const uint64_t *x, const fpq_rounding *rnd)
{
    return arith_mixed(r, flags, to, op, from, x, rnd, true);
}

int fpq_arith_reference(uint64_t *r, unsigned *flags, const fpq_format *to, fpq_op op,
                        const fpq_format *const from[], const uint64_t *x, const fpq_rounding *rnd)
{
    return arith_mixed(r, flags, to, op, from, x, rnd, false);
}

int fpq_arith(uint64_t *r, unsigned *flags, const fpq_format *to, fpq_op op, const fpq_format *from,
              const uint64_t *x, const fpq_rounding *rnd)
{
    const fpq_format *fr[3] = {from, from, from};
    return fpq_arith_mixed(r, flags, to, op, fr, x, rnd);
}

#define BINARY(name, OP)                                                                                   \
    int name(uint64_t *r, unsigned *flags, const fpq_format *f, uint64_t a, uint64_t b,                    \
             const fpq_rounding *rnd)                                                                      \
    {                                                                                                      \
        const uint64_t x[2] = {a, b};                                                                      \
        return fpq_arith(r, flags, f, OP, f, x, rnd);                                                      \
    }
BINARY(fpq_add, FPQ_OP_ADD)
BINARY(fpq_sub, FPQ_OP_SUB)
BINARY(fpq_mul, FPQ_OP_MUL)
BINARY(fpq_div, FPQ_OP_DIV)
BINARY(fpq_minimum, FPQ_OP_MIN)
BINARY(fpq_maximum, FPQ_OP_MAX)
BINARY(fpq_minimum_number, FPQ_OP_MIN_NUM)
BINARY(fpq_maximum_number, FPQ_OP_MAX_NUM)
#undef BINARY

int fpq_fma(uint64_t *r, unsigned *flags, const fpq_format *f, uint64_t a, uint64_t b, uint64_t c,
            const fpq_rounding *rnd)
{
    const uint64_t x[3] = {a, b, c};
    return fpq_arith(r, flags, f, FPQ_OP_FMA, f, x, rnd);
}

#define UNARY(name, OP)                                                                                    \
    int name(uint64_t *r, unsigned *flags, const fpq_format *f, uint64_t a, const fpq_rounding *rnd)       \
    {                                                                                                      \
        return fpq_arith(r, flags, f, OP, f, &a, rnd);                                                     \
    }
UNARY(fpq_sqrt, FPQ_OP_SQRT)
UNARY(fpq_neg, FPQ_OP_NEG)
UNARY(fpq_abs, FPQ_OP_ABS)
#undef UNARY

#define PREDICATE(name, OP)                                                                                \
    bool name(unsigned *flags, const fpq_format *f, uint64_t a, uint64_t b)                                \
    {                                                                                                      \
        const uint64_t x[2] = {a, b};                                                                      \
        uint64_t r;                                                                                        \
        fpq_arith(&r, flags, f, OP, f, x, NULL);                                                           \
        return r != 0;                                                                                     \
    }
PREDICATE(fpq_eq, FPQ_OP_EQ)
PREDICATE(fpq_lt, FPQ_OP_LT)
PREDICATE(fpq_le, FPQ_OP_LE)
PREDICATE(fpq_unordered, FPQ_OP_UNORDERED)
#undef PREDICATE
