/* check_encode.c: rounding, overflow, special values, stochastic rounding,
 * parsing and conversion.
 *
 * The boundary oracle.  For every format of 16 bits or fewer, the finite
 * values on each side of zero are sorted by magnitude (zero first: +0 on the
 * positive side, -0 on the negative side where the format has it).  For each
 * pair of neighbours (inner, outer), and for the pair (largest, next value of
 * the grid extended beyond it), points are formed exactly in MPFR at 200 bits:
 * inner + d, mid - d, mid, mid + d, outer - d with d = (outer - inner) 2^-100,
 * plus the underflow threshold points next to the smallest normal.  The
 * expected pattern, ternary sign and flags come from inner, outer, their
 * patterns' last bits and the definitions in fpq.h alone:
 *   RNE  nearer one; at the midpoint the one whose pattern ends in 0
 *   RNA  nearer one; at the midpoint the outer (larger magnitude)
 *   RTZ  inner;  RUP / RDN  by direction;  RTO  the one whose pattern ends in 1
 *   an outer point beyond the largest finite is an overflow: saturate gives
 *   the largest; the format's policy gives the largest for the modes that round
 *   toward zero for x's sign and for RTO, else Inf, NaN or the largest, in
 *   that order of what the format has; integers clamp and raise invalid;
 *   underflow = tiny after rounding (at the format's precision, unbounded
 *   exponent range, as x86 detects it) and inexact;
 *   overflow = the rounded magnitude exceeds the largest finite, whatever the
 *   policy then returns (so saturation raises it too, as IEEE 754 does for
 *   the directed modes), and always with inexact.
 * The values and patterns come from the reference decoder (check_helpers.c),
 * never from the library.
 */
#include "check_fpq.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PREC 200
#define IX FPQ_FLAG_INEXACT
#define UF FPQ_FLAG_UNDERFLOW
#define OF FPQ_FLAG_OVERFLOW
#define NV FPQ_FLAG_INVALID
#define ALLF 0x1fu

static const fpq_rnd det_modes[] = {FPQ_RNE, FPQ_RNA, FPQ_RTZ,
                                    FPQ_RUP, FPQ_RDN, FPQ_RTO};
#define NDET (sizeof det_modes / sizeof det_modes[0])

static const fpq_format *small_or_fail(int i)
{
    const fpq_format *f = fpq_check_small((size_t)i);
    if (f == NULL)
        ck_abort_msg("format %s did not parse", fpq_check_small_label((size_t)i));
    return f;
}

/* One encode call with a fresh rounding struct. */
static int enc(uint64_t *bits, unsigned *flags, const fpq_format *f,
               mpfr_srcptr x, fpq_rnd mode, fpq_overflow ovf)
{
    fpq_rounding r;
    fpq_rounding_default(&r);
    r.mode = mode;
    r.overflow = ovf;
    *bits = UINT64_C(0xdeadbeefdeadbeef);
    *flags = 0x5a5a0000u;
    return fpq_encode(bits, flags, f, x, &r);
}

static int sgn(int t) { return (t > 0) - (t < 0); }

/* ------------------------------------------------------------------------ */
/* What the oracle knows about a format. */

typedef struct gpt {
    uint64_t code;
    double v; /* signed value */
} gpt;

typedef struct finfo {
    const fpq_format *f;
    bool tiny_rule;      /* float with subnormals and >= 1 mantissa bit */
    double mn;           /* smallest positive normal (tiny_rule) */
    mpfr_t t1, t2;       /* mn(1 - 2^-(M+1)), mn(1 - 2^-(M+2)) */
    uint64_t signbit;    /* float: the sign bit; else 0 */
    uint64_t magmask;    /* float: exponent and mantissa bits */
    uint64_t maxcode, lowcode;
    double maxv, lowv;
    bool has_virtual;    /* the grid extends beyond the largest finite */
    double vpos, vneg;   /* the next grid values beyond max / below lowest */
    mpfr_t vpos_m, vneg_m; /* the same, exactly (fp64's is 2^1024) */
    int vpos_par, vneg_par;
    /* sorted sides (small formats only) */
    gpt *pos, *neg;
    size_t npos, nneg;
} finfo;

static int cmp_mag(const void *a, const void *b)
{
    double x = fabs(((const gpt *)a)->v), y = fabs(((const gpt *)b)->v);
    return (x > y) - (x < y);
}

static void finfo_init(finfo *fi, const fpq_format *f, bool build_sides)
{
    memset(fi, 0, sizeof *fi);
    fi->f = f;
    mpfr_inits2(PREC, fi->t1, fi->t2, fi->vpos_m, fi->vneg_m, (mpfr_ptr)0);
    bool isf = f->kind == FPQ_KIND_FLOAT;
    if (isf) {
        fi->magmask = (UINT64_C(1) << (f->ebits + f->mbits)) - 1;
        fi->signbit = f->is_signed ? UINT64_C(1) << (f->ebits + f->mbits) : 0;
    }
    fi->tiny_rule = isf && f->subnormals && f->mbits >= 1;

    /* largest and lowest finite, straight from the reference decoder */
    uint64_t n = f->bits >= 64 ? 0 : UINT64_C(1) << f->bits;
    if (isf) {
        /* sign | magnitude: the largest magnitude below the specials */
        uint64_t m = fi->magmask;
        if (f->specials == FPQ_SPECIALS_IEEE)
            m -= UINT64_C(1) << f->mbits; /* exponent 11..10, mantissa 1..1 */
        else if (f->specials == FPQ_SPECIALS_FN)
            m -= 1;                       /* 1..10 */
        FPQ_CHECK(fpq_ref_decode(f, m).cls == FPQ_CLASS_NORMAL &&
                      fpq_ref_decode(f, m + 1).cls != FPQ_CLASS_NORMAL,
                  "oracle: %s largest 0x%" PRIx64, f->name, m);
        fi->maxcode = m;
        /* the smallest value of an unsigned float (E8M0) is pattern 0 */
        fi->lowcode = f->is_signed ? fi->signbit | m : 0;
        int ef = (int)((m >> f->mbits) & ((UINT64_C(1) << f->ebits) - 1));
        double step = ldexp(1.0, ef - f->bias - (int)f->mbits);
        fi->maxv = fpq_ref_decode(f, m).v;
        fi->lowv = fpq_ref_decode(f, fi->lowcode).v;
        fi->has_virtual = true;
        fi->vpos = fi->maxv + step;
        fi->vneg = -fi->vpos;
        mpfr_set_d(fi->vpos_m, step, MPFR_RNDN);
        mpfr_add_d(fi->vpos_m, fi->vpos_m, fi->maxv, MPFR_RNDN); /* exact */
        mpfr_neg(fi->vneg_m, fi->vpos_m, MPFR_RNDN);
        fi->vpos_par = fi->vneg_par = !(int)(m & 1);
        /* smallest normal: exponent field 1 (0 without subnormals) */
        fi->mn = fpq_ref_decode(f, (uint64_t)(f->subnormals ? 1 : 0) << f->mbits).v;
        if (fi->tiny_rule) {
            mpfr_set_d(fi->t1, fi->mn, MPFR_RNDN);
            mpfr_set_d(fi->t2, fi->mn, MPFR_RNDN);
            mpfr_t e;
            mpfr_init2(e, PREC);
            mpfr_set_d(e, fi->mn, MPFR_RNDN);
            mpfr_mul_2si(e, e, -(long)f->mbits - 1, MPFR_RNDN);
            mpfr_sub(fi->t1, fi->t1, e, MPFR_RNDN);
            mpfr_div_2ui(e, e, 1, MPFR_RNDN);
            mpfr_sub(fi->t2, fi->t2, e, MPFR_RNDN);
            mpfr_clear(e);
        }
    } else if (f->kind == FPQ_KIND_INT) {
        int64_t hi = f->is_signed ? (INT64_C(1) << (f->bits - 1)) - 1
                                  : (int64_t)(UINT64_C(1) << f->bits) - 1;
        int64_t lo = f->is_signed ? -(INT64_C(1) << (f->bits - 1)) : 0;
        fi->maxcode = (uint64_t)hi;
        fi->lowcode = (uint64_t)lo & fpq_check_mask(f);
        fi->maxv = (double)hi;
        fi->lowv = (double)lo;
        fi->has_virtual = true;
        fi->vpos = (double)hi + 1;
        fi->vneg = (double)lo - 1;
        mpfr_set_d(fi->vpos_m, fi->vpos, MPFR_RNDN);
        mpfr_set_d(fi->vneg_m, fi->vneg, MPFR_RNDN);
        fi->vpos_par = (int)((hi + 1) & 1);
        fi->vneg_par = (int)((lo - 1) & 1);
    } else {
        fi->maxcode = n - 1;
        fi->lowcode = 0;
        fi->maxv = fpq_ref_decode(f, n - 1).v;
        fi->lowv = fpq_ref_decode(f, 0).v;
        fi->has_virtual = false;
    }

    if (!build_sides)
        return;
    fi->pos = calloc(n, sizeof *fi->pos);
    fi->neg = calloc(n + 1, sizeof *fi->neg);
    ck_assert_ptr_nonnull(fi->pos);
    ck_assert_ptr_nonnull(fi->neg);
    bool has_nz = fpq_check_has_neg_zero(f);
    for (uint64_t b = 0; b < n; b++) {
        fpq_ref r = fpq_ref_decode(f, b);
        if (r.cls == FPQ_CLASS_NAN || r.cls == FPQ_CLASS_INF)
            continue;
        if (r.v > 0 || (r.v == 0 && !signbit(r.v)))
            fi->pos[fi->npos++] = (gpt){b, r.v};
        if (r.v < 0 || (r.v == 0 && (signbit(r.v) || !has_nz)))
            fi->neg[fi->nneg++] = (gpt){b, r.v};
    }
    qsort(fi->pos, fi->npos, sizeof *fi->pos, cmp_mag);
    qsort(fi->neg, fi->nneg, sizeof *fi->neg, cmp_mag);
    for (size_t k = 1; k < fi->npos; k++)
        ck_assert_msg(fi->pos[k].v > fi->pos[k - 1].v, "%s: equal values", f->name);
    for (size_t k = 1; k < fi->nneg; k++)
        ck_assert_msg(fi->neg[k].v < fi->neg[k - 1].v, "%s: equal values", f->name);
}

static void finfo_clear(finfo *fi)
{
    mpfr_clears(fi->t1, fi->t2, fi->vpos_m, fi->vneg_m, (mpfr_ptr)0);
    free(fi->pos);
    free(fi->neg);
}

/* ------------------------------------------------------------------------ */
/* The expectation for one point. */

typedef struct want {
    uint64_t bits;
    int tern;       /* sign */
    unsigned flags;
    unsigned mask;  /* which flag bits are checked */
} want;

/* Whether |x| < mn rounds (at precision M+1, unbounded exponent) below mn. */
static bool is_tiny(const finfo *fi, mpfr_srcptr x, fpq_rnd mode, int s)
{
    mpfr_t ax;
    mpfr_init2(ax, PREC);
    mpfr_abs(ax, x, MPFR_RNDN);
    bool tiny;
    if (mpfr_cmp_d(ax, fi->mn) >= 0)
        tiny = false;
    else if (mode == FPQ_RNE || mode == FPQ_RNA)
        tiny = mpfr_cmp(ax, fi->t2) < 0;
    else if ((mode == FPQ_RUP && s > 0) || (mode == FPQ_RDN && s < 0))
        tiny = mpfr_cmp(ax, fi->t1) <= 0;
    else
        tiny = true; /* RTZ, RTO, and rounding toward zero by direction */
    mpfr_clear(ax);
    return tiny;
}

/* NaN pattern of the format for a result of sign s (fn keeps the sign). */
static uint64_t nan_for(const finfo *fi, int s)
{
    const fpq_format *f = fi->f;
    if (f->specials == FPQ_SPECIALS_FNUZ)
        return fi->signbit;
    return (s < 0 ? fi->signbit : 0) | fi->magmask; /* fn, and E8M0's 0xff */
}

static uint64_t inf_for(const finfo *fi, int s)
{
    const fpq_format *f = fi->f;
    return (s < 0 ? fi->signbit : 0) |
           (((UINT64_C(1) << f->ebits) - 1) << f->mbits);
}

static bool format_has_nan(const fpq_format *f)
{
    return f->kind == FPQ_KIND_FLOAT && f->specials != FPQ_SPECIALS_FINITE;
}

/* The result when rounding chose the virtual value beyond the range. */
static want overflow_want(const finfo *fi, int s, fpq_rnd mode, fpq_overflow ovf)
{
    const fpq_format *f = fi->f;
    uint64_t edge = s > 0 ? fi->maxcode : fi->lowcode;
    want w = {edge, -s, OF | IX, ALLF};
    if (f->kind == FPQ_KIND_INT) {
        w.flags = NV; /* clamp; invalid is what SoftFloat raises */
        w.mask = NV;
        return w;
    }
    if (ovf == FPQ_OVF_SATURATE)
        return w;
    bool toward_zero = mode == FPQ_RTZ || mode == FPQ_RTO ||
                       (mode == FPQ_RDN && s > 0) || (mode == FPQ_RUP && s < 0);
    if (toward_zero)
        return w;
    if (f->specials == FPQ_SPECIALS_IEEE) {
        w.bits = inf_for(fi, s);
        w.tern = s;
    } else if (format_has_nan(f)) {
        w.bits = nan_for(fi, s);
        w.tern = 0;
    }
    return w;
}

/* kind of point: where |x| lies relative to the pair (inner, outer) */
enum { NEAR_INNER = -1, AT_MID = 0, NEAR_OUTER = 1, BEYOND = 2, EXACT_INNER = 3 };

static want point_want(const finfo *fi, mpfr_srcptr x, int s, const gpt *in,
                       const gpt *out, int out_par, bool out_virtual, int where,
                       fpq_rnd mode, fpq_overflow ovf)
{
    const fpq_format *f = fi->f;
    if (where == EXACT_INNER)
        return (want){in->code, 0, 0, ALLF};
    int in_par = (int)(in->code & 1);
    FPQ_CHECK(in_par != out_par, "oracle: %s neighbours 0x%" PRIx64
              " and 0x%" PRIx64 " have the same last bit", f->name, in->code,
              out->code);
    bool outer;
    switch (where == BEYOND ? -99 : (int)mode) {
    case -99: outer = true; break;
    case FPQ_RNE: outer = where > 0 || (where == 0 && out_par == 0); break;
    case FPQ_RNA: outer = where >= 0; break;
    case FPQ_RTZ: outer = false; break;
    case FPQ_RUP: outer = s > 0; break;
    case FPQ_RDN: outer = s < 0; break;
    case FPQ_RTO: outer = out_par == 1; break;
    default: ck_abort_msg("mode"); outer = false;
    }
    if (outer && out_virtual)
        return overflow_want(fi, s, mode, ovf);
    want w = {outer ? out->code : in->code, outer ? s : -s, IX, ALLF};
    if (fi->tiny_rule) {
        if (is_tiny(fi, x, mode, s))
            w.flags |= UF;
    } else if (f->kind != FPQ_KIND_INT) {
        w.mask &= ~(unsigned)UF; /* tininess undefined: no mantissa / table */
    }
    return w;
}

static void run_point(const finfo *fi, mpfr_srcptr x, int s, const gpt *in,
                      const gpt *out, int out_par, bool out_virtual, int where,
                      fpq_rnd mode, fpq_overflow ovf)
{
    want w = point_want(fi, x, s, in, out, out_par, out_virtual, where, mode, ovf);
    uint64_t got;
    unsigned flags;
    int t = enc(&got, &flags, fi->f, x, mode, ovf);
    FPQ_CHECK(got == w.bits && sgn(t) == w.tern && (flags & w.mask) == w.flags,
              "%s: encode(%s) %s%s = 0x%" PRIx64 " ternary %d flags 0x%x; "
              "expected 0x%" PRIx64 " ternary %d flags 0x%x (checked 0x%x); "
              "neighbours 0x%" PRIx64 " (%a) and %s0x%" PRIx64 " (%a)",
              fi->f->name, fpq_check_str(x), fpq_rnd_name(mode),
              ovf == FPQ_OVF_SATURATE ? " saturate" : "", got, t, flags, w.bits,
              w.tern, w.flags, w.mask, in->code, in->v,
              out_virtual ? "virtual " : "", out->code, out->v);
}

/* All points of one pair, in every deterministic mode. */
static void check_pair(const finfo *fi, int s, const gpt *in, const gpt *out,
                       int out_par, bool out_virtual, bool saturate_too,
                       mpfr_t *tmp /* 5 scratch at PREC */)
{
    mpfr_ptr x = tmp[0], mid = tmp[1], d = tmp[2], e = tmp[3], outv = tmp[4];
    int ex = 0;
    if (out_virtual)
        ex |= mpfr_set(outv, s > 0 ? fi->vpos_m : fi->vneg_m, MPFR_RNDN);
    else
        ex |= mpfr_set_d(outv, out->v, MPFR_RNDN);
    ex |= mpfr_set(d, outv, MPFR_RNDN);
    ex |= mpfr_sub_d(d, d, in->v, MPFR_RNDN);     /* outer - inner */
    ex |= mpfr_div_2ui(mid, d, 1, MPFR_RNDN);
    ex |= mpfr_add_d(mid, mid, in->v, MPFR_RNDN); /* midpoint */
    ex |= mpfr_div_2ui(d, d, 100, MPFR_RNDN);     /* tiny step, sign s */
    FPQ_CHECK(ex == 0, "oracle: inexact point construction for %s", fi->f->name);

    struct { int base; int k; int where; } plan[] = {
        /* base 0: inner, 1: mid, 2: outer; x = base + k*d */
        {0, 1, NEAR_INNER}, {1, -1, NEAR_INNER}, {1, 0, AT_MID},
        {1, 1, NEAR_OUTER}, {2, -1, NEAR_OUTER}, {0, 0, EXACT_INNER},
    };
    for (int o = 0; o < (saturate_too ? 2 : 1); o++) {
        fpq_overflow ovf = o ? FPQ_OVF_SATURATE : FPQ_OVF_FORMAT;
        for (size_t p = 0; p < sizeof plan / sizeof plan[0]; p++) {
            if (plan[p].where == EXACT_INNER && in->v == 0)
                continue; /* zeros have their own test */
            if (plan[p].base == 0)
                ex |= mpfr_set_d(x, in->v, MPFR_RNDN);
            else if (plan[p].base == 1)
                ex |= mpfr_set(x, mid, MPFR_RNDN);
            else
                ex |= mpfr_set(x, outv, MPFR_RNDN);
            if (plan[p].k > 0)
                ex |= mpfr_add(x, x, d, MPFR_RNDN);
            else if (plan[p].k < 0)
                ex |= mpfr_sub(x, x, d, MPFR_RNDN);
            FPQ_CHECK(ex == 0, "oracle: inexact point");
            for (size_t m = 0; m < NDET; m++)
                run_point(fi, x, s, in, out, out_par, out_virtual,
                          plan[p].where, det_modes[m], ovf);
        }
        /* the underflow threshold, between the midpoint and the smallest normal */
        if (fi->tiny_rule && !out_virtual && fabs(out->v) == fi->mn) {
            for (int k = -1; k <= 1; k++) {
                ex |= mpfr_mul_si(x, fi->t2, s, MPFR_RNDN);
                ex |= mpfr_mul_si(e, d, k, MPFR_RNDN);
                ex |= mpfr_add(x, x, e, MPFR_RNDN);
                FPQ_CHECK(ex == 0, "oracle: inexact threshold point");
                for (size_t m = 0; m < NDET; m++)
                    run_point(fi, x, s, in, out, out_par, false, NEAR_OUTER,
                              det_modes[m], ovf);
            }
        }
        /* at and beyond the virtual value: every mode overflows */
        if (out_virtual) {
            for (int k = 0; k < 3; k++) {
                if (k == 0)
                    ex |= mpfr_set(x, outv, MPFR_RNDN);
                else if (k == 1)
                    ex |= mpfr_mul_2ui(x, outv, 1, MPFR_RNDN);
                else
                    mpfr_set_si_2exp(x, s, 4096, MPFR_RNDN);
                FPQ_CHECK(ex == 0, "oracle: inexact far point");
                for (size_t m = 0; m < NDET; m++)
                    run_point(fi, x, s, in, out, out_par, true, BEYOND,
                              det_modes[m], ovf);
            }
        }
    }
}

/* Every pair of one side, then the pair beyond the largest. */
static void check_side(const finfo *fi, int s, mpfr_t *tmp)
{
    const gpt *pts = s > 0 ? fi->pos : fi->neg;
    size_t n = s > 0 ? fi->npos : fi->nneg;
    for (size_t k = 0; k + 1 < n; k++)
        check_pair(fi, s, &pts[k], &pts[k + 1], (int)(pts[k + 1].code & 1),
                   false, k + 2 == n, tmp);
    if (fi->has_virtual && n > 0) {
        bool at_edge = s > 0 ? pts[n - 1].code == fi->maxcode
                             : pts[n - 1].code == fi->lowcode;
        if (!at_edge)
            return; /* e.g. the negative side of an unsigned float */
        gpt virt = {FPQ_NO_BITS, s > 0 ? fi->vpos : fi->vneg};
        check_pair(fi, s, &pts[n - 1], &virt, s > 0 ? fi->vpos_par : fi->vneg_par,
                   true, true, tmp);
    }
}

START_TEST(rounding_is_correct_at_every_boundary)
{
    const fpq_format *f = small_or_fail(_i);
    finfo fi;
    finfo_init(&fi, f, true);
    mpfr_t tmp[5];
    for (int k = 0; k < 5; k++)
        mpfr_init2(tmp[k], PREC);
    check_side(&fi, +1, tmp);
    check_side(&fi, -1, tmp);
    for (int k = 0; k < 5; k++)
        mpfr_clear(tmp[k]);
    finfo_clear(&fi);
}
END_TEST

/* Wide formats: pairs of consecutive patterns at every exponent's first,
 * second, middle and last mantissas, and random ones, both signs. */
static const char *const wide_names[] = {"fp32", "fp64", "tf32"};

static void wide_pair(const finfo *fi, uint64_t c, mpfr_t *tmp)
{
    const fpq_format *f = fi->f;
    if (c > fi->maxcode)
        return;
    for (int s = 1; s >= -1; s -= 2) {
        uint64_t sb = s < 0 ? fi->signbit : 0;
        gpt in = {sb | c, fpq_ref_decode(f, sb | c).v};
        if (c == fi->maxcode) {
            gpt virt = {FPQ_NO_BITS, s * fi->vpos};
            check_pair(fi, s, &in, &virt, fi->vpos_par, true, true, tmp);
        } else {
            gpt out = {sb | (c + 1), fpq_ref_decode(f, sb | (c + 1)).v};
            check_pair(fi, s, &in, &out, (int)(out.code & 1), false,
                       c + 1 == fi->maxcode, tmp);
        }
    }
}

START_TEST(rounding_is_correct_at_sampled_boundaries_of_wide_formats)
{
    const fpq_format *f = fpq_check_need(wide_names[_i]);
    finfo fi;
    finfo_init(&fi, f, false);
    mpfr_t tmp[5];
    for (int k = 0; k < 5; k++)
        mpfr_init2(tmp[k], PREC);
    uint64_t mmax = (UINT64_C(1) << f->mbits) - 1;
    uint64_t nexp = UINT64_C(1) << f->ebits;
    uint64_t ms[] = {0, 1, mmax / 2, mmax - 1, mmax};
    for (uint64_t e = 0; e + 1 < nexp; e++)
        for (size_t k = 0; k < sizeof ms / sizeof ms[0]; k++)
            wide_pair(&fi, (e << f->mbits) | ms[k], tmp);
    fpq_check_rng rng;
    fpq_check_rng_init(&rng, 1000 + (uint64_t)_i);
    for (int k = 0; k < 2000; k++)
        wide_pair(&fi, fpq_check_rng_below(&rng, fi.maxcode + 1), tmp);
    for (int k = 0; k < 5; k++)
        mpfr_clear(tmp[k]);
    finfo_clear(&fi);
}
END_TEST

/* fp32 and fp64: 64 random mantissas at every exponent: slow set. */
START_TEST(rounding_is_correct_at_dense_boundaries_of_fp32_and_fp64)
{
    const fpq_format *f = fpq_check_need(_i ? "fp64" : "fp32");
    finfo fi;
    finfo_init(&fi, f, false);
    mpfr_t tmp[5];
    for (int k = 0; k < 5; k++)
        mpfr_init2(tmp[k], PREC);
    fpq_check_rng rng;
    fpq_check_rng_init(&rng, 1100 + (uint64_t)_i);
    uint64_t nexp = UINT64_C(1) << f->ebits;
    for (uint64_t e = 0; e + 1 < nexp; e++)
        for (int k = 0; k < 64; k++)
            wide_pair(&fi, (e << f->mbits) |
                               fpq_check_rng_below(&rng, UINT64_C(1) << f->mbits),
                      tmp);
    for (int k = 0; k < 5; k++)
        mpfr_clear(tmp[k]);
    finfo_clear(&fi);
}
END_TEST

/* Every pair of tf32 (19 bits): slow set. */
START_TEST(rounding_is_correct_at_every_boundary_of_tf32)
{
    const fpq_format *f = fpq_check_need("tf32");
    finfo fi;
    finfo_init(&fi, f, false);
    mpfr_t tmp[5];
    for (int k = 0; k < 5; k++)
        mpfr_init2(tmp[k], PREC);
    for (uint64_t c = 0; c <= fi.maxcode; c++)
        wide_pair(&fi, c, tmp);
    for (int k = 0; k < 5; k++)
        mpfr_clear(tmp[k]);
    finfo_clear(&fi);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Hand-derived cases, each from the specification's numbers. */

typedef struct hcase {
    const char *fmt;
    const char *x; /* hex-float or exact decimal, read exactly by MPFR */
    fpq_rnd mode;
    fpq_overflow ovf;
    uint64_t bits;
    int tern;
    unsigned flags, mask;
} hcase;

#define RNE FPQ_RNE
#define RNA FPQ_RNA
#define RTZ FPQ_RTZ
#define RUP FPQ_RUP
#define RDN FPQ_RDN
#define RTO FPQ_RTO
#define FMT FPQ_OVF_FORMAT
#define SAT FPQ_OVF_SATURATE

static const hcase hand[] = {
    /* OCP E4M3: 448 = 1.75*2^8 (0x7e, last bit 0); the grid extended above
     * has 480 = 1.875*2^8 (0x7f, last bit 1); midpoint 464. */
    {"fp8_e4m3", "448", RNE, FMT, 0x7e, 0, 0, ALLF},
    {"fp8_e4m3", "464", RNE, FMT, 0x7e, -1, IX, ALLF},
    {"fp8_e4m3", "0x1.d0000000000000000001p+8", RNE, FMT, 0x7f, 0, OF | IX, ALLF},
    {"fp8_e4m3", "0x1.cfffffffffffffffffffp+8", RNE, FMT, 0x7e, -1, IX, ALLF},
    {"fp8_e4m3", "464", RNA, FMT, 0x7f, 0, OF | IX, ALLF},
    {"fp8_e4m3", "0x1.cfffffffffffffffffffp+8", RNA, FMT, 0x7e, -1, IX, ALLF},
    {"fp8_e4m3", "-464", RNE, FMT, 0xfe, 1, IX, ALLF},
    {"fp8_e4m3", "-464", RNA, FMT, 0xff, 0, OF | IX, ALLF},
    {"fp8_e4m3", "1e6", RTZ, FMT, 0x7e, -1, OF | IX, ALLF},
    {"fp8_e4m3", "1e6", RDN, FMT, 0x7e, -1, OF | IX, ALLF},
    {"fp8_e4m3", "1e6", RUP, FMT, 0x7f, 0, OF | IX, ALLF},
    {"fp8_e4m3", "449", RUP, FMT, 0x7f, 0, OF | IX, ALLF},
    {"fp8_e4m3", "-1e6", RUP, FMT, 0xfe, 1, OF | IX, ALLF},
    {"fp8_e4m3", "-449", RDN, FMT, 0xff, 0, OF | IX, ALLF},
    {"fp8_e4m3", "450", RTO, FMT, 0x7e, -1, OF | IX, ALLF},
    {"fp8_e4m3", "1e6", RNE, SAT, 0x7e, -1, OF | IX, ALLF},
    {"fp8_e4m3", "0x1.d0000000000000000001p+8", RNE, SAT, 0x7e, -1, OF | IX, ALLF},
    {"fp8_e4m3", "-1e6", RNA, SAT, 0xfe, 1, OF | IX, ALLF},
    {"fp8_e4m3", "0x1p-10", RNE, FMT, 0x00, -1, UF | IX, ALLF},   /* tie 0 / 2^-9 */
    {"fp8_e4m3", "0x1.8p-10", RNE, FMT, 0x01, 1, UF | IX, ALLF},
    {"fp8_e4m3", "0x1.8p-9", RNE, FMT, 0x02, 1, UF | IX, ALLF},   /* tie 1/2 -> 2 */
    {"fp8_e4m3", "0x1.4p-9", RNE, FMT, 0x01, -1, UF | IX, ALLF},
    {"fp8_e4m3", "0x1.1p+0", RNE, FMT, 0x38, -1, IX, ALLF},        /* 1.0625 tie */
    {"fp8_e4m3", "0x1.3p+0", RNE, FMT, 0x3a, 1, IX, ALLF},         /* 1.1875 tie */
    {"fp8_e4m3", "0x1.1p+0", RTO, FMT, 0x39, 1, IX, ALLF},
    {"fp8_e4m3", "0x1.3p+0", RTO, FMT, 0x39, -1, IX, ALLF},
    /* OCP E5M2: 57344 = 1.75*2^15 (0x7b, last bit 1); spacing 2^13, so the next
     * grid value is 65536 (0x7c, last bit 0): the tie 61440 rounds to 65536,
     * which overflows to Inf. */
    {"fp8_e5m2", "57344", RNE, FMT, 0x7b, 0, 0, ALLF},
    {"fp8_e5m2", "61440", RNE, FMT, 0x7c, 1, OF | IX, ALLF},
    {"fp8_e5m2", "0x1.dfffffffffffffffffffp+15", RNE, FMT, 0x7b, -1, IX, ALLF},
    {"fp8_e5m2", "-61440", RNE, FMT, 0xfc, -1, OF | IX, ALLF},
    {"fp8_e5m2", "61440", RTZ, FMT, 0x7b, -1, IX, ALLF},  /* 57344: no overflow */
    {"fp8_e5m2", "57345", RUP, FMT, 0x7c, 1, OF | IX, ALLF},
    {"fp8_e5m2", "57345", RDN, FMT, 0x7b, -1, IX, ALLF},
    {"fp8_e5m2", "61440", RNE, SAT, 0x7b, -1, OF | IX, ALLF},
    {"fp8_e5m2", "0x1p-17", RNE, FMT, 0x00, -1, UF | IX, ALLF},
    /* fnuz: e4m3fnuz max 240 = 1.875*2^7 (0x7f, odd), next 256; tie 248 */
    {"fp8_e4m3fnuz", "248", RNE, FMT, 0x80, 0, OF | IX, ALLF},
    {"fp8_e4m3fnuz", "-248", RNE, FMT, 0x80, 0, OF | IX, ALLF},
    {"fp8_e4m3fnuz", "0x1.effffffffffffp+7", RNE, FMT, 0x7f, -1, IX, ALLF},
    {"fp8_e4m3fnuz", "248", RNE, SAT, 0x7f, -1, OF | IX, ALLF},
    {"fp8_e4m3fnuz", "-0x1p-20", RNE, FMT, 0x00, 1, UF | IX, ALLF},
    {"fp8_e4m3b11fnuz", "31", RNE, FMT, 0x80, 0, OF | IX, ALLF}, /* tie 30/32 */
    {"fp8_e4m3b11fnuz", "30.9", RNE, FMT, 0x7f, -1, IX, ALLF},
    /* IEEE binary16: 65504 (0x7bff, odd), next 65536; tie 65520 -> Inf */
    {"fp16", "65520", RNE, FMT, 0x7c00, 1, OF | IX, ALLF},
    {"fp16", "65519.99", RNE, FMT, 0x7bff, -1, IX, ALLF},
    {"fp16", "65520", RNA, FMT, 0x7c00, 1, OF | IX, ALLF},
    {"fp16", "1e6", RTZ, FMT, 0x7bff, -1, OF | IX, ALLF},
    {"fp16", "1e6", RDN, FMT, 0x7bff, -1, OF | IX, ALLF},
    {"fp16", "-1e6", RUP, FMT, 0xfbff, 1, OF | IX, ALLF},
    {"fp16", "-65505", RDN, FMT, 0xfc00, -1, OF | IX, ALLF},
    {"fp16", "65520", RNE, SAT, 0x7bff, -1, OF | IX, ALLF},
    {"fp16", "0x1.002p+0", RNE, FMT, 0x3c00, -1, IX, ALLF},   /* 1 + 2^-11 tie */
    {"fp16", "0x1.006p+0", RNE, FMT, 0x3c02, 1, IX, ALLF},    /* 1 + 3*2^-11 */
    {"fp16", "0x1.002p+0", RNA, FMT, 0x3c01, 1, IX, ALLF},
    {"fp16", "0x1p-25", RNE, FMT, 0x0000, -1, UF | IX, ALLF},  /* tie 0 / 2^-24 */
    {"fp16", "0x1.8p-25", RNE, FMT, 0x0001, 1, UF | IX, ALLF},
    {"fp16", "0x1p-25", RUP, FMT, 0x0001, 1, UF | IX, ALLF},
    /* 2^-14 - 2^-25 + 2^-27 rounds to 2^-14 but is tiny after rounding */
    {"fp16", "0x1.ffdp-15", RNE, FMT, 0x0400, 1, UF | IX, ALLF},
    /* 2^-14 - 2^-26 rounds at 11 bits to 2^-14: not tiny */
    {"fp16", "0x1.ffep-15", RNE, FMT, 0x0400, 1, IX, ALLF},
    /* OCP MX E2M1: grid 0 .5 1 1.5 2 3 4 6, then 8 (virtual, even) */
    {"fp4_e2m1", "5", RNE, FMT, 0x6, -1, IX, ALLF},          /* tie 4 (0x6) / 6 */
    {"fp4_e2m1", "5", RNA, FMT, 0x7, 1, IX, ALLF},
    {"fp4_e2m1", "2.5", RNE, FMT, 0x4, -1, IX, ALLF},        /* tie 2 (0x4) / 3 */
    {"fp4_e2m1", "3.5", RNE, FMT, 0x6, 1, IX, ALLF},         /* tie 3 / 4 (0x6) */
    {"fp4_e2m1", "0.25", RNE, FMT, 0x0, -1, UF | IX, ALLF},
    {"fp4_e2m1", "0.25", RNA, FMT, 0x1, 1, UF | IX, ALLF},
    {"fp4_e2m1", "0.75", RNE, FMT, 0x2, 1, UF | IX, ALLF},   /* tie .5/1 -> 1, tiny */
    {"fp4_e2m1", "0.9", RNE, FMT, 0x2, 1, IX, ALLF},         /* >= 0.875: not tiny */
    {"fp4_e2m1", "-5", RNE, FMT, 0xe, 1, IX, ALLF},
    {"fp4_e2m1", "7", RNE, FMT, 0x7, -1, OF | IX, ALLF},     /* tie 6/8 -> 8: over */
    {"fp4_e2m1", "6.9", RNE, FMT, 0x7, -1, IX, ALLF},
    {"fp4_e2m1", "6.1", RUP, FMT, 0x7, -1, OF | IX, ALLF},
    {"fp4_e2m1", "-100", RNE, FMT, 0xf, 1, OF | IX, ALLF},
    {"fp4_e2m1", "100", RNE, SAT, 0x7, -1, OF | IX, ALLF},
    /* OCP MX FP6 */
    {"fp6_e2m3", "7.75", RNE, FMT, 0x1f, -1, OF | IX, ALLF}, /* tie 7.5/8 -> 8 */
    {"fp6_e2m3", "0.0625", RNE, FMT, 0x00, -1, UF | IX, ALLF},
    {"fp6_e3m2", "30", RNE, FMT, 0x1f, -1, OF | IX, ALLF},   /* tie 28/32 -> 32 */
    {"fp6_e3m2", "29.9", RNE, FMT, 0x1f, -1, IX, ALLF},
    /* E8M0: 2 = 0x80, 4 = 0x81, 8 = 0x82; ties go to the even pattern */
    {"e8m0", "3", RNE, FMT, 0x80, -1, IX, IX | OF | NV},
    {"e8m0", "6", RNE, FMT, 0x82, 1, IX, IX | OF | NV},
    {"e8m0", "1.5", RNE, FMT, 0x80, 1, IX, IX | OF | NV},
    {"e8m0", "0.75", RNE, FMT, 0x7e, -1, IX, IX | OF | NV},
    {"e8m0", "3", RNA, FMT, 0x81, 1, IX, IX | OF | NV},
    {"e8m0", "3", RTZ, FMT, 0x80, -1, IX, IX | OF | NV},
    {"e8m0", "3", RUP, FMT, 0x81, 1, IX, IX | OF | NV},
    {"e8m0", "0x1.8p+127", RNE, FMT, 0xfe, -1, IX, IX | OF | NV},
    {"e8m0", "0x1.80000000001p+127", RNE, FMT, 0xff, 0, OF | IX, IX | OF | NV},
    {"e8m0", "0x1.80000000001p+127", RNE, SAT, 0xfe, -1, OF | IX, IX | OF | NV},
    {"e8m0", "0", RNE, FMT, 0x00, 1, 0, 0},
    {"e8m0", "0x1p-200", RNE, FMT, 0x00, 1, 0, 0},
    {"e8m0", "0x1p-200", RTZ, FMT, 0x00, 1, 0, 0},
    {"e8m0", "0x1p-128", RDN, FMT, 0x00, 1, 0, 0},
    {"e8m0", "-1", RNE, FMT, 0x00, 1, NV, NV},
    /* integers: round on the integer grid, then clamp (invalid) */
    {"int8", "2.5", RNE, FMT, 0x02, -1, IX, ALLF},
    {"int8", "3.5", RNE, FMT, 0x04, 1, IX, ALLF},
    {"int8", "-2.5", RNE, FMT, 0xfe, 1, IX, ALLF},
    {"int8", "-3.5", RNE, FMT, 0xfc, -1, IX, ALLF},
    {"int8", "2.5", RNA, FMT, 0x03, 1, IX, ALLF},
    {"int8", "2.5", RTO, FMT, 0x03, 1, IX, ALLF},
    {"int8", "3.5", RTO, FMT, 0x03, -1, IX, ALLF},
    {"int8", "-0.5", RNE, FMT, 0x00, 1, IX, ALLF},
    {"int8", "127.49", RNE, FMT, 0x7f, -1, IX, ALLF},
    {"int8", "127.5", RNE, FMT, 0x7f, -1, NV, NV},
    {"int8", "127.9", RTZ, FMT, 0x7f, -1, IX, ALLF},
    {"int8", "127.1", RUP, FMT, 0x7f, -1, NV, NV},
    {"int8", "-128.5", RNE, FMT, 0x80, 1, IX, ALLF},
    {"int8", "-128.51", RNE, FMT, 0x80, 1, NV, NV},
    {"int8", "1e30", RNE, FMT, 0x7f, -1, NV, NV},
    {"int8", "1e30", RNE, SAT, 0x7f, -1, NV, NV},
    {"int8", "-1e30", RTZ, FMT, 0x80, 1, NV, NV},
    {"uint8", "255.5", RNE, FMT, 0xff, -1, NV, NV},
    {"uint8", "255.9", RTZ, FMT, 0xff, -1, IX, ALLF},
    {"uint8", "-0.5", RNE, FMT, 0x00, 1, IX, ALLF},
    {"uint8", "-0.5", RNA, FMT, 0x00, 1, NV, NV},
    {"uint8", "-0.4", RDN, FMT, 0x00, 1, NV, NV},
    {"uint8", "-0.4", RTZ, FMT, 0x00, 1, IX, ALLF},
    {"uint8", "-3", RNE, FMT, 0x00, 1, NV, NV},
    {"int4", "7.5", RNE, FMT, 0x7, -1, NV, NV},
    {"int4", "-8.5", RNE, FMT, 0x8, 1, IX, ALLF},
    {"int2", "1.5", RNE, FMT, 0x1, -1, NV, NV},
    {"int2", "-2.5", RNE, FMT, 0x2, 1, IX, ALLF},
    {"uint2", "3.4", RNE, FMT, 0x3, -1, IX, ALLF},
    /* NF4: code 7 is 0 (last bit 1), code 8 is 0.0795802995562553 (0) */
    {"nf4", "0x1.4dep-5", RNE, FMT, 0x8, 1, IX, IX | OF | NV},
    {"nf4", "2", RNE, FMT, 0xf, -1, IX, IX | NV},
    {"nf4", "-2", RNE, FMT, 0x0, 1, IX, IX | NV},
    {"nf4", "2", RUP, FMT, 0xf, -1, IX, IX | NV},
};

START_TEST(hand_derived_cases_round_as_the_specifications_say)
{
    const hcase *h = &hand[_i];
    const fpq_format *f = fpq_check_need(h->fmt);
    mpfr_t x;
    mpfr_init2(x, PREC);
    ck_assert_msg(mpfr_set_str(x, h->x, 0, MPFR_RNDN) == 0, "bad literal %s",
                  h->x);
    uint64_t got;
    unsigned flags;
    int t = enc(&got, &flags, f, x, h->mode, h->ovf);
    ck_assert_msg(got == h->bits && sgn(t) == h->tern &&
                      (flags & h->mask) == h->flags,
                  "%s: encode(%s) %s%s = 0x%" PRIx64 " ternary %d flags 0x%x; "
                  "expected 0x%" PRIx64 " ternary %d flags 0x%x (checked 0x%x)",
                  f->name, h->x, fpq_rnd_name(h->mode),
                  h->ovf == SAT ? " saturate" : "", got, t, flags, h->bits,
                  h->tern, h->flags, h->mask);
    mpfr_clear(x);
}
END_TEST

/* The NF4 case above: 0x1.4dep-5 = 0.0407..., just above the midpoint
 * 0.0397901... of 0 and 0.0795803: it must round up.  Checked here against
 * the published decimal, not the library. */
START_TEST(nf4_midpoint_case_is_above_the_midpoint)
{
    double a = strtod("0.07958029955625534", NULL);
    ck_assert(0x1.4dep-5 > a / 2 && 0x1.4dep-5 < a);
}
END_TEST

/* Symmetric integer range -(2^(N-1)-1) .. 2^(N-1)-1. */
START_TEST(symmetric_integers_clamp_to_minus_127)
{
    static const struct { const char *fmt, *x; fpq_rnd m; uint64_t bits;
                          unsigned flags, mask; } c[] = {
        {"int8", "-128", RNE, 0x81, NV, NV},
        {"int8", "-127.5", RNE, 0x81, NV, NV},   /* ties to -128: out of range */
        {"int8", "-127.4", RNE, 0x81, IX, ALLF},
        {"int8", "-127.5", RTZ, 0x81, IX, ALLF},
        {"int8", "127.5", RNE, 0x7f, NV, NV},
        {"int8", "127", RNE, 0x7f, 0, ALLF},
        {"int8", "-127", RNE, 0x81, 0, ALLF},
        {"int4", "-8", RNE, 0x9, NV, NV},
        {"int4", "-7", RNE, 0x9, 0, ALLF},
    };
    for (size_t k = 0; k < sizeof c / sizeof c[0]; k++) {
        mpfr_t x;
        mpfr_init2(x, 64);
        mpfr_set_str(x, c[k].x, 10, MPFR_RNDN);
        fpq_rounding r;
        fpq_rounding_default(&r);
        r.mode = c[k].m;
        r.int_symmetric = true;
        uint64_t got = 0;
        unsigned flags = 0;
        fpq_encode(&got, &flags, fpq_check_need(c[k].fmt), x, &r);
        ck_assert_msg(got == c[k].bits && (flags & c[k].mask) == c[k].flags,
                      "%s symmetric %s: 0x%" PRIx64 " flags 0x%x", c[k].fmt,
                      c[k].x, got, flags);
        mpfr_clear(x);
    }
}
END_TEST

/* 32-bit integers (spellings, not presets): ties to even and the clamp at
 * both ends of the range. */
START_TEST(wide_integers_round_then_clamp)
{
    static const struct { const char *fmt, *x; fpq_rnd m; uint64_t bits;
                          int tern; unsigned flags, mask; } c[] = {
        {"int32", "2147483646.5", RNE, 0x7ffffffe, -1, IX, ALLF},
        {"int32", "2147483647.5", RNE, 0x7fffffff, -1, NV, NV}, /* to 2^31 */
        {"int32", "2147483647.5", RTZ, 0x7fffffff, -1, IX, ALLF},
        {"int32", "-2147483648.5", RNE, 0x80000000, 1, IX, ALLF},
        {"int32", "-2147483648.6", RNE, 0x80000000, 1, NV, NV},
        {"int32", "1e10", RNE, 0x7fffffff, -1, NV, NV},
        {"int32", "-0.5", RNA, 0xffffffff, -1, IX, ALLF},
        {"int32", "-0.5", RNE, 0x00000000, 1, IX, ALLF},
        {"uint32", "4294967295.4", RNE, 0xffffffff, -1, IX, ALLF},
        {"uint32", "4294967295.5", RNE, 0xffffffff, -1, NV, NV},
        {"uint32", "-0.5", RNE, 0x00000000, 1, IX, ALLF},
        {"uint32", "-1", RNE, 0x00000000, 1, NV, NV},
        {"uint32", "0x1p-2000", RUP, 0x00000001, 1, IX, ALLF},
    };
    for (size_t k = 0; k < sizeof c / sizeof c[0]; k++) {
        fpq_format f;
        ck_assert_int_eq(fpq_format_parse(&f, c[k].fmt), FPQ_OK);
        mpfr_t x;
        mpfr_init2(x, 128);
        ck_assert_int_eq(mpfr_set_str(x, c[k].x, 0, MPFR_RNDN), 0);
        uint64_t got;
        unsigned flags;
        int t = enc(&got, &flags, &f, x, c[k].m, FPQ_OVF_FORMAT);
        ck_assert_msg(got == c[k].bits && sgn(t) == c[k].tern &&
                          (flags & c[k].mask) == c[k].flags,
                      "%s: encode(%s) %s = 0x%" PRIx64 " t %d flags 0x%x; "
                      "expected 0x%" PRIx64 " t %d flags 0x%x", c[k].fmt, c[k].x,
                      fpq_rnd_name(c[k].m), got, t, flags, c[k].bits, c[k].tern,
                      c[k].flags);
        mpfr_clear(x);
    }
}
END_TEST

/* No finite input produces Inf or NaN under saturation, in any mode. */
START_TEST(saturate_never_produces_inf_or_nan)
{
    const fpq_format *f = small_or_fail(_i);
    finfo fi;
    finfo_init(&fi, f, false);
    mpfr_t x;
    mpfr_init2(x, PREC);
    /* the largest, the overflow midpoint, the next grid value, far out */
    double pos[] = {fi.maxv, fi.has_virtual ? (fi.maxv + fi.vpos) / 2 : 2 * fi.maxv,
                    fi.has_virtual ? fi.vpos : 4 * fi.maxv, 1e300};
    double neg[] = {fi.lowv, fi.has_virtual ? (fi.lowv + fi.vneg) / 2 : 2 * fi.lowv,
                    fi.has_virtual ? fi.vneg : 4 * fi.lowv, -1e300};
    for (size_t p = 0; p < 4; p++) {
        for (int s = 1; s >= -1; s -= 2) {
            if (s < 0 && !f->is_signed)
                continue;
            mpfr_set_d(x, s > 0 ? pos[p] : neg[p], MPFR_RNDN);
            for (size_t m = 0; m < NDET; m++) {
                uint64_t got;
                unsigned flags;
                enc(&got, &flags, f, x, det_modes[m], FPQ_OVF_SATURATE);
                fpq_ref r = fpq_ref_decode(f, got & fpq_check_mask(f));
                ck_assert_msg(r.cls != FPQ_CLASS_INF && r.cls != FPQ_CLASS_NAN &&
                                  got == (s > 0 ? fi.maxcode : fi.lowcode),
                              "%s: saturate %s %s gives 0x%" PRIx64, f->name,
                              fpq_check_str(x), fpq_rnd_name(det_modes[m]), got);
            }
        }
    }
    /* and Inf saturates to the largest finite */
    mpfr_set_inf(x, 1);
    uint64_t got;
    unsigned flags;
    int t = enc(&got, &flags, f, x, FPQ_RNE, FPQ_OVF_SATURATE);
    ck_assert_msg(got == fi.maxcode && t < 0, "%s: saturate(+Inf) = 0x%" PRIx64,
                  f->name, got);
    if (f->is_signed) {
        mpfr_set_inf(x, -1);
        t = enc(&got, &flags, f, x, FPQ_RNE, FPQ_OVF_SATURATE);
        ck_assert_msg(got == fi.lowcode && t > 0, "%s: saturate(-Inf) = 0x%" PRIx64,
                      f->name, got);
    }
    mpfr_clear(x);
    finfo_clear(&fi);
}
END_TEST

/* Zeros, infinities and NaN into every format (presets and customs). */
START_TEST(zeros_infinities_and_nan_map_as_the_format_allows)
{
    const fpq_format *f = fpq_check_format((size_t)_i);
    if (f == NULL)
        ck_abort_msg("format %s did not parse", fpq_check_label((size_t)_i));
    finfo fi;
    finfo_init(&fi, f, false);
    bool isf = f->kind == FPQ_KIND_FLOAT;
    bool e8m0_like = isf && !f->subnormals; /* no zero */
    mpfr_t x;
    mpfr_init2(x, 53);
    uint64_t got;
    unsigned flags;
    int t;

    /* the pattern of +0: floats 0, integers 0, tables the code of 0.0 */
    uint64_t zero = 0;
    if (f->kind == FPQ_KIND_LUT) {
        zero = FPQ_NO_BITS;
        for (uint64_t b = 0; b < (UINT64_C(1) << f->bits); b++)
            if (fpq_ref_decode(f, b).v == 0)
                zero = b;
        ck_assert_uint_ne(zero, FPQ_NO_BITS);
    }

    for (int o = 0; o < 2; o++) {
        fpq_overflow ovf = o ? FPQ_OVF_SATURATE : FPQ_OVF_FORMAT;
        if (!e8m0_like) {
            mpfr_set_zero(x, 1);
            t = enc(&got, &flags, f, x, FPQ_RNE, ovf);
            ck_assert_msg(got == zero && t == 0 && flags == 0,
                          "%s: +0 -> 0x%" PRIx64 " t %d flags 0x%x", f->name, got,
                          t, flags);
            mpfr_set_zero(x, -1);
            for (size_t m = 0; m < NDET; m++) {
                t = enc(&got, &flags, f, x, det_modes[m], ovf);
                uint64_t want = fpq_check_has_neg_zero(f) ? fi.signbit : zero;
                ck_assert_msg(got == want && t == 0 && flags == 0,
                              "%s: -0 %s -> 0x%" PRIx64 " t %d flags 0x%x, "
                              "expected 0x%" PRIx64, f->name,
                              fpq_rnd_name(det_modes[m]), got, t, flags, want);
            }
        }

        /* +Inf and -Inf */
        for (int s = 1; s >= -1; s -= 2) {
            if (s < 0 && isf && !f->is_signed)
                continue; /* -Inf into E8M0: both invalid rules apply */
            mpfr_set_inf(x, s);
            t = enc(&got, &flags, f, x, FPQ_RNE, ovf);
            uint64_t edge = s > 0 ? fi.maxcode : fi.lowcode;
            if (isf && f->specials == FPQ_SPECIALS_IEEE) {
                if (ovf == FPQ_OVF_FORMAT)
                    ck_assert_msg(got == inf_for(&fi, s) && t == 0 && flags == 0,
                                  "%s: %cInf -> 0x%" PRIx64 " t %d flags 0x%x",
                                  f->name, s > 0 ? '+' : '-', got, t, flags);
                else
                    ck_assert_msg(got == edge && sgn(t) == -s,
                                  "%s: saturate %cInf -> 0x%" PRIx64 " t %d",
                                  f->name, s > 0 ? '+' : '-', got, t);
            } else if (isf && format_has_nan(f) && ovf == FPQ_OVF_FORMAT) {
                ck_assert_msg(got == nan_for(&fi, s) && t == 0 && (flags & NV),
                              "%s: %cInf -> 0x%" PRIx64 " t %d flags 0x%x, expected"
                              " NaN 0x%" PRIx64 " with invalid", f->name,
                              s > 0 ? '+' : '-', got, t, flags, nan_for(&fi, s));
            } else {
                ck_assert_msg(got == edge && sgn(t) == -s && (flags & NV),
                              "%s: %cInf -> 0x%" PRIx64 " t %d flags 0x%x, expected"
                              " 0x%" PRIx64 " with invalid", f->name,
                              s > 0 ? '+' : '-', got, t, flags, edge);
            }
        }

        /* +NaN and -NaN */
        for (int s = 1; s >= -1; s -= 2) {
            mpfr_set_nan(x);
            mpfr_setsign(x, x, s < 0, MPFR_RNDN);
            t = enc(&got, &flags, f, x, FPQ_RNE, ovf);
            if (isf && f->specials == FPQ_SPECIALS_IEEE) {
                fpq_ref r = fpq_ref_decode(f, got & fpq_check_mask(f));
                ck_assert_msg(r.cls == FPQ_CLASS_NAN && got <= fpq_check_mask(f) &&
                                  ((got & fi.signbit) != 0) == (s < 0) && t == 0 &&
                                  flags == 0,
                              "%s: %cNaN -> 0x%" PRIx64 " t %d flags 0x%x", f->name,
                              s > 0 ? '+' : '-', got, t, flags);
            } else if (isf && format_has_nan(f)) {
                uint64_t want = f->is_signed ? nan_for(&fi, s) : nan_for(&fi, 1);
                ck_assert_msg(got == want && t == 0 && flags == 0,
                              "%s: %cNaN -> 0x%" PRIx64 " t %d flags 0x%x, expected"
                              " 0x%" PRIx64, f->name, s > 0 ? '+' : '-', got, t,
                              flags, want);
            } else {
                ck_assert_msg(got == zero && (flags & NV),
                              "%s: %cNaN -> 0x%" PRIx64 " flags 0x%x, expected +0 "
                              "pattern 0x%" PRIx64 " with invalid", f->name,
                              s > 0 ? '+' : '-', got, flags, zero);
            }
        }
    }
    mpfr_clear(x);
    finfo_clear(&fi);
}
END_TEST

/* Magnitudes far outside every format (2^+-100000) and the smallest steps. */
START_TEST(far_out_of_range_inputs_overflow_and_underflow)
{
    const fpq_format *f = fpq_check_format((size_t)_i);
    if (f == NULL)
        ck_abort_msg("format %s did not parse", fpq_check_label((size_t)_i));
    finfo fi;
    finfo_init(&fi, f, false);
    mpfr_t x;
    mpfr_init2(x, 53);
    uint64_t got;
    unsigned flags;
    int t;
    for (int s = 1; s >= -1; s -= 2) {
        if (s < 0 && !f->is_signed)
            continue;
        mpfr_set_si_2exp(x, s, 100000, MPFR_RNDN);
        for (size_t m = 0; m < NDET; m++) {
            if (f->kind == FPQ_KIND_LUT)
                break;
            want w = overflow_want(&fi, s, det_modes[m], FPQ_OVF_FORMAT);
            t = enc(&got, &flags, f, x, det_modes[m], FPQ_OVF_FORMAT);
            ck_assert_msg(got == w.bits && sgn(t) == w.tern &&
                              (flags & w.mask) == w.flags,
                          "%s: %s %s -> 0x%" PRIx64 " t %d flags 0x%x, expected"
                          " 0x%" PRIx64 " t %d flags 0x%x", f->name, fpq_check_str(x),
                          fpq_rnd_name(det_modes[m]), got, t, flags, w.bits,
                          w.tern, w.flags);
        }
        if (f->kind != FPQ_KIND_FLOAT || !f->subnormals)
            continue;
        /* 2^-100000: to the zero of x's sign, or the smallest subnormal */
        mpfr_set_si_2exp(x, s, -100000, MPFR_RNDN);
        uint64_t sb = s < 0 ? fi.signbit : 0;
        uint64_t z = fpq_check_has_neg_zero(f) ? sb : 0;
        for (size_t m = 0; m < NDET; m++) {
            fpq_rnd md = det_modes[m];
            bool away = md == FPQ_RTO || (md == FPQ_RUP && s > 0) ||
                        (md == FPQ_RDN && s < 0);
            uint64_t want = away ? sb | 1 : z;
            unsigned wflags = fi.tiny_rule ? (UF | IX) : IX;
            unsigned mask = fi.tiny_rule ? ALLF : ALLF & ~(unsigned)UF;
            t = enc(&got, &flags, f, x, md, FPQ_OVF_FORMAT);
            if (f->mbits == 0)
                want = away ? sb | (UINT64_C(1) << f->mbits) : z; /* code 1 */
            ck_assert_msg(got == want && sgn(t) == (away ? s : -s) &&
                              (flags & mask) == wflags,
                          "%s: %s %s -> 0x%" PRIx64 " t %d flags 0x%x, expected"
                          " 0x%" PRIx64 " flags 0x%x", f->name, fpq_check_str(x),
                          fpq_rnd_name(md), got, t, flags, want, wflags);
        }
    }
    mpfr_clear(x);
    finfo_clear(&fi);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Stochastic rounding. */

static int sr_enc(uint64_t *bits, const fpq_format *f, mpfr_srcptr x,
                  uint64_t seed, uint64_t pos, unsigned *flags)
{
    fpq_rounding r;
    fpq_rounding_default(&r);
    r.mode = FPQ_RSR;
    r.seed = seed;
    r.position = pos;
    *bits = UINT64_C(0xdeadbeef);
    return fpq_encode(bits, flags, f, x, &r);
}

/* Away from zero exactly when f * 2^64 > fpq_sr_bits(seed, i), with f the
 * discarded fraction of the gap: checked at random points of every pair of
 * every small format. */
START_TEST(stochastic_rounding_follows_the_documented_rule)
{
    const fpq_format *f = small_or_fail(_i);
    finfo fi;
    finfo_init(&fi, f, true);
    fpq_check_rng rng;
    fpq_check_rng_init(&rng, 2000 + (uint64_t)_i);
    uint64_t seed = fpq_check_seed();
    mpfr_t x, lhs, rhs, gap;
    mpfr_inits2(PREC, x, lhs, rhs, gap, (mpfr_ptr)0);
    for (int k = 0; k < 3000; k++) {
        int s = (fi.nneg > 1 && (fpq_check_rng_next(&rng) & 1)) ? -1 : 1;
        const gpt *pts = s > 0 ? fi.pos : fi.neg;
        size_t n = s > 0 ? fi.npos : fi.nneg;
        if (n < 2)
            continue;
        size_t j = (size_t)fpq_check_rng_below(&rng, n - 1);
        const gpt *in = &pts[j], *out = &pts[j + 1];
        /* x = inner + u * (outer - inner), u = q / 2^20, 0 < q < 2^20 */
        uint64_t q = 1 + fpq_check_rng_below(&rng, (UINT64_C(1) << 20) - 1);
        mpfr_set_d(gap, out->v, MPFR_RNDN);
        mpfr_sub_d(gap, gap, in->v, MPFR_RNDN);
        mpfr_mul_ui(x, gap, q, MPFR_RNDN);
        mpfr_div_2ui(x, x, 20, MPFR_RNDN);
        mpfr_add_d(x, x, in->v, MPFR_RNDN);
        mpfr_abs(gap, gap, MPFR_RNDN);
        for (int r = 0; r < 4; r++) {
            uint64_t pos = fpq_check_rng_next(&rng);
            uint64_t bitsr = fpq_sr_bits(seed, pos);
            /* away iff |x - inner| * 2^64 > bitsr * gap (exact at PREC bits) */
            mpfr_sub_d(lhs, x, in->v, MPFR_RNDN);
            mpfr_abs(lhs, lhs, MPFR_RNDN);
            mpfr_mul_2ui(lhs, lhs, 64, MPFR_RNDN);
            mpfr_set_uj(rhs, bitsr, MPFR_RNDN);
            mpfr_mul(rhs, rhs, gap, MPFR_RNDN);
            bool away = mpfr_cmp(lhs, rhs) > 0;
            uint64_t got;
            unsigned flags;
            int t = sr_enc(&got, f, x, seed, pos, &flags);
            uint64_t want = away ? out->code : in->code;
            FPQ_CHECK(got == want && sgn(t) == (away ? s : -s) && (flags & IX),
                      "%s: SR(%s, seed %" PRIu64 ", position %" PRIu64
                      ") = 0x%" PRIx64 " t %d flags 0x%x; sr_bits 0x%" PRIx64
                      " says %s: 0x%" PRIx64, f->name, fpq_check_str(x), seed, pos, got, t,
                      flags, bitsr, away ? "away" : "toward zero", want);
            /* same seed and position: the same result */
            uint64_t again;
            sr_enc(&again, f, x, seed, pos, &flags);
            FPQ_CHECK(again == got, "%s: SR not reproducible", f->name);
        }
    }
    mpfr_clears(x, lhs, rhs, gap, (mpfr_ptr)0);
    finfo_clear(&fi);
}
END_TEST

/* Over n = 100000 positions the fraction rounded away is within 5 sigma of
 * the fraction f of the gap, sigma = sqrt(f(1-f)/n) (about 0.0015 at
 * f = 0.3125, so the tolerance is about 0.0073). */
START_TEST(stochastic_rounding_is_unbiased_within_five_sigma)
{
    static const struct { const char *fmt, *x; uint64_t away; double f; } c[] = {
        /* 1 + 0.3125 * 0.125 between 1 (0x38) and 1.125 (0x39) */
        {"fp8_e4m3", "1.0390625", 0x39, 0.3125},
        {"fp8_e4m3", "-1.0390625", 0xb9, 0.3125},
        /* 1 + 3*2^-12: 3/4 of the way from 1 to 1 + 2^-10 */
        {"fp16", "0x1.003p+0", 0x3c01, 0.75},
        /* 5.5 between 4 (0x6) and 6 (0x7) */
        {"fp4_e2m1", "5.5", 0x7, 0.75},
        {"int8", "2.25", 0x03, 0.25},
        {"int8", "-2.25", 0xfd, 0.25},
        /* 2^-10 of the way: rare */
        {"fp8_e5m2", "0x1.001p+0", 0x3d, 1.0 / 1024},
    };
    const int n = 100000;
    uint64_t seed = fpq_check_seed();
    for (size_t k = 0; k < sizeof c / sizeof c[0]; k++) {
        const fpq_format *f = fpq_check_need(c[k].fmt);
        mpfr_t x;
        mpfr_init2(x, 64);
        ck_assert_int_eq(mpfr_set_str(x, c[k].x, 0, MPFR_RNDN), 0);
        int up = 0;
        for (int i = 0; i < n; i++) {
            uint64_t got;
            unsigned flags;
            sr_enc(&got, f, x, seed, (uint64_t)i, &flags);
            up += got == c[k].away;
        }
        double frac = (double)up / n, sd = sqrt(c[k].f * (1 - c[k].f) / n);
        ck_assert_msg(fabs(frac - c[k].f) <= 5 * sd,
                      "%s SR(%s): %d of %d away (%.5f), expected %.5f +- %.5f "
                      "(seed %" PRIu64 ")", c[k].fmt, c[k].x, up, n, frac,
                      c[k].f, 5 * sd, seed);
        mpfr_clear(x);
    }
}
END_TEST

START_TEST(stochastic_rounding_never_changes_exact_values)
{
    const fpq_format *f = small_or_fail(_i);
    mpfr_t v;
    mpfr_init2(v, 64);
    uint64_t n = UINT64_C(1) << f->bits;
    uint64_t seed = fpq_check_seed();
    for (uint64_t b = 0; b < n; b += 1 + n / 512) {
        fpq_ref r = fpq_ref_decode(f, b);
        if (r.cls == FPQ_CLASS_NAN || r.cls == FPQ_CLASS_INF)
            continue;
        mpfr_set_d(v, r.v, MPFR_RNDN);
        for (uint64_t pos = 0; pos < 64; pos++) {
            uint64_t got;
            unsigned flags;
            int t = sr_enc(&got, f, v, seed, pos * 0x9e3779b9u, &flags);
            FPQ_CHECK(got == b && t == 0 && flags == 0,
                      "%s: SR of exact 0x%" PRIx64 " gave 0x%" PRIx64, f->name, b,
                      got);
        }
    }
    mpfr_clear(v);
}
END_TEST

START_TEST(sr_bits_is_a_pure_function_of_seed_and_position)
{
    uint64_t seed = fpq_check_seed();
    uint64_t ones = 0, distinct_from_seed = 0;
    for (uint64_t i = 0; i < 100000; i++) {
        uint64_t a = fpq_sr_bits(seed, i);
        ck_assert_uint_eq(a, fpq_sr_bits(seed, i));
        ones += a >> 63;
        distinct_from_seed += a != fpq_sr_bits(seed + 1, i);
    }
    /* top bit set about half the time: 5 sigma = 5 * sqrt(25000) ~ 791 */
    ck_assert_msg(ones > 50000 - 791 && ones < 50000 + 791, "top bit %" PRIu64
                  " of 100000 (seed %" PRIu64 ")", ones, seed);
    ck_assert_uint_gt(distinct_from_seed, 99990);
}
END_TEST

/* fpq_sr_bits is frozen (fpq.h): key = splitmix64 finaliser of seed +
 * 0x9e3779b97f4a7c15, bits = finaliser of key + (position + 1) times that
 * constant (formats/encode.c).  Values from an independent implementation
 * (Python integers); a change here changes every stochastic result ever
 * published with fpq. */
START_TEST(sr_bits_values_are_frozen)
{
    static const uint64_t v[][3] = {
        {UINT64_C(0x0), UINT64_C(0x0), UINT64_C(0xa706dd2f4d197e6f)},
        {UINT64_C(0x0), UINT64_C(0x1), UINT64_C(0xb382a305f4414f5e)},
        {UINT64_C(0x1), UINT64_C(0x0), UINT64_C(0x5e41ab087439611e)},
        {UINT64_C(0x1352906), UINT64_C(0x0), UINT64_C(0xaf3c60f80c536c5b)},
        {UINT64_C(0x1352906), UINT64_C(0x3039), UINT64_C(0x4f353e159d77fee9)},
        {UINT64_C(0xffffffffffffffff), UINT64_C(0xffffffffffffffff),
         UINT64_C(0x445018e305810b78)},
        {UINT64_C(0xdeadbeef), UINT64_C(0x10000000000), UINT64_C(0x2483c83b6b9cf889)},
    };
    for (size_t k = 0; k < sizeof v / sizeof v[0]; k++)
        ck_assert_msg(fpq_sr_bits(v[k][0], v[k][1]) == v[k][2],
                      "fpq_sr_bits(0x%" PRIx64 ", 0x%" PRIx64 ") = 0x%016" PRIx64
                      ", frozen value 0x%016" PRIx64, v[k][0], v[k][1],
                      fpq_sr_bits(v[k][0], v[k][1]), v[k][2]);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Parsing text. */

static void parse_encode(const char *text, const char *fmt, fpq_rnd mode,
                         uint64_t want, bool want_exact)
{
    mpfr_t v;
    mpfr_init2(v, 53);
    bool exact = !want_exact;
    int st = fpq_parse_value(v, &exact, text);
    ck_assert_msg(st == FPQ_OK, "parse(%.60s...) status %d", text, st);
    ck_assert_int_eq(mpfr_get_prec(v), FPQ_PARSE_PREC);
    ck_assert_msg(exact == want_exact, "parse(%.60s...) exact=%d", text, exact);
    uint64_t got;
    unsigned flags;
    enc(&got, &flags, fpq_check_need(fmt), v, mode, FPQ_OVF_FORMAT);
    ck_assert_msg(got == want, "%s(%.80s%s) %s = 0x%" PRIx64 ", expected 0x%" PRIx64,
                  fmt, text, strlen(text) > 80 ? "..." : "", fpq_rnd_name(mode),
                  got, want);
    mpfr_clear(v);
}

/* 1 + 2^-53, the midpoint of 1 and the next binary64, written exactly. */
#define MID53 "1.00000000000000011102230246251565404236316680908203125"

START_TEST(decimal_text_rounds_once_to_every_format)
{
    parse_encode("0.1", "fp64", FPQ_RNE, UINT64_C(0x3fb999999999999a), false);
    parse_encode("0.1", "fp64", FPQ_RTZ, UINT64_C(0x3fb9999999999999), false);
    parse_encode("0.1", "fp64", FPQ_RUP, UINT64_C(0x3fb999999999999a), false);
    parse_encode("0.1", "fp32", FPQ_RNE, 0x3dcccccd, false);
    parse_encode("0.1", "fp32", FPQ_RDN, 0x3dcccccc, false);
    parse_encode("0.1", "fp16", FPQ_RNE, 0x2e66, false);
    parse_encode("0.1", "bf16", FPQ_RNE, 0x3dcd, false);
    parse_encode("-0.1", "fp64", FPQ_RNE, UINT64_C(0xbfb999999999999a), false);

    /* the exact midpoint ties to even (1); a hair above rounds up */
    parse_encode(MID53, "fp64", FPQ_RNE, UINT64_C(0x3ff0000000000000), true);
    parse_encode(MID53, "fp64", FPQ_RNA, UINT64_C(0x3ff0000000000001), true);
    parse_encode(MID53 "000000000000000000001", "fp64", FPQ_RNE,
                 UINT64_C(0x3ff0000000000001), false);
    parse_encode("1.000000000000000111022302462515654042363166809082031249999999",
                 "fp64", FPQ_RNE, UINT64_C(0x3ff0000000000000), false);
    /* 1 + 2^-24 is binary32's midpoint after 1 */
    parse_encode("1.000000059604644775390625", "fp32", FPQ_RNE, 0x3f800000, true);
    parse_encode("1.0000000596046447753906250000000000000000000000001", "fp32",
                 FPQ_RNE, 0x3f800001, false);
    parse_encode("1.000000059604644775390624999999999999999999999999", "fp32",
                 FPQ_RNA, 0x3f800000, false);

    /* a very long decimal: the midpoint, 3000 zeros, then 1 (round-to-odd
     * at FPQ_PARSE_PREC keeps the sticky bit); and with only zeros */
    size_t len = strlen(MID53) + 3000 + 2;
    char *s = malloc(len);
    ck_assert_ptr_nonnull(s);
    strcpy(s, MID53);
    memset(s + strlen(MID53), '0', 3000);
    s[strlen(MID53) + 3000] = '\0';
    parse_encode(s, "fp64", FPQ_RNE, UINT64_C(0x3ff0000000000000), true);
    strcat(s, "1");
    parse_encode(s, "fp64", FPQ_RNE, UINT64_C(0x3ff0000000000001), false);
    parse_encode(s, "fp64", FPQ_RTZ, UINT64_C(0x3ff0000000000000), false);
    free(s);

    /* hex-float, exponents, specials */
    parse_encode("0x1.8p-3", "fp16", FPQ_RNE, 0x3200, true);
    parse_encode("-0x1p-1074", "fp64", FPQ_RNE, UINT64_C(0x8000000000000001), true);
    parse_encode("1e-400", "fp64", FPQ_RNE, 0, false);
    parse_encode("1e-400", "fp64", FPQ_RUP, 1, false);
    parse_encode("1e400", "fp64", FPQ_RNE, UINT64_C(0x7ff0000000000000), false);
    parse_encode("  448  ", "fp8_e4m3", FPQ_RNE, 0x7e, true);
    parse_encode("464", "fp8_e4m3", FPQ_RNE, 0x7e, true);
    parse_encode("inf", "fp16", FPQ_RNE, 0x7c00, true);
    parse_encode("-inf", "fp16", FPQ_RNE, 0xfc00, true);
    parse_encode("-1e-3", "fp32", FPQ_RNE, 0xba83126f, false);

    mpfr_t v;
    mpfr_init2(v, 53);
    ck_assert_int_eq(fpq_parse_value(v, NULL, "nan"), FPQ_OK);
    ck_assert(mpfr_nan_p(v) && !mpfr_signbit(v));
    mpfr_clear(v);
}
END_TEST

/* "-nan" is a negative NaN: fpq_snprint_exact prints one back as "-nan", and
 * encoding keeps a NaN's sign where the format can (fpq.h, fpq_encode). */
START_TEST(negative_nan_text_keeps_its_sign)
{
    mpfr_t v;
    mpfr_init2(v, 53);
    ck_assert_int_eq(fpq_parse_value(v, NULL, "-nan"), FPQ_OK);
    ck_assert(mpfr_nan_p(v));
    uint64_t got;
    unsigned flags;
    enc(&got, &flags, fpq_check_need("fp16"), v, FPQ_RNE, FPQ_OVF_FORMAT);
    ck_assert_msg(mpfr_signbit(v) && (got & 0x8000),
                  "parse(\"-nan\") lost the sign: fp16 0x%04" PRIx64, got);
    mpfr_clear(v);
}
END_TEST

START_TEST(malformed_text_is_refused)
{
    static const char *const bad[] = {"", " ", "abc", "1.0x", "1e", "0x", "1 2",
                                      "--1", "1..2", "nanx", "0x1.8q3", "1,5",
                                      "inf inity", "+-1", "0x1p"};
    mpfr_t v;
    mpfr_init2(v, 53);
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
        ck_assert_msg(fpq_parse_value(v, NULL, bad[k]) == FPQ_ERR_PARSE,
                      "\"%s\" accepted", bad[k]);
    mpfr_clear(v);

    static const struct { const char *fmt, *text; int st; uint64_t bits; } b[] = {
        {"fp16", "0x3c00", FPQ_OK, 0x3c00},
        {"fp16", "3C00", FPQ_OK, 0x3c00},
        {"fp16", "0X3c00", FPQ_OK, 0x3c00},
        {"fp16", "0xffff", FPQ_OK, 0xffff},
        {"fp16", "0x10000", FPQ_ERR_BITS_WIDE, 0},
        {"fp8_e4m3", "0x100", FPQ_ERR_BITS_WIDE, 0},
        {"fp4_e2m1", "0xf", FPQ_OK, 0xf},
        {"fp4_e2m1", "0x10", FPQ_ERR_BITS_WIDE, 0},
        {"tf32", "0x7ffff", FPQ_OK, 0x7ffff},
        {"tf32", "0x80000", FPQ_ERR_BITS_WIDE, 0},
        {"fp64", "0xffffffffffffffff", FPQ_OK, UINT64_MAX},
        {"fp64", "0x10000000000000000", FPQ_ERR_BITS_WIDE, 0},
        {"fp64", "0x100000000000000000000000000000000", FPQ_ERR_BITS_WIDE, 0},
        {"fp16", "", FPQ_ERR_PARSE, 0},
        {"fp16", "0x", FPQ_ERR_PARSE, 0},
        {"fp16", "xyz", FPQ_ERR_PARSE, 0},
        {"fp16", "-1", FPQ_ERR_PARSE, 0},
        {"fp16", "0x3c00z", FPQ_ERR_PARSE, 0},
        {"fp16", "3c 00", FPQ_ERR_PARSE, 0},
        {"fp16", "0x-3c", FPQ_ERR_PARSE, 0},
    };
    for (size_t k = 0; k < sizeof b / sizeof b[0]; k++) {
        uint64_t bits = 12345;
        int st = fpq_parse_bits(&bits, fpq_check_need(b[k].fmt), b[k].text);
        ck_assert_msg(st == b[k].st, "%s parse_bits(\"%s\") status %d, expected %d",
                      b[k].fmt, b[k].text, st, b[k].st);
        if (st == FPQ_OK)
            ck_assert_msg(bits == b[k].bits, "%s parse_bits(\"%s\") = 0x%" PRIx64,
                          b[k].fmt, b[k].text, bits);
    }
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Conversion. */

#define ANYT 2 /* ternary not specified (NaN into a format without NaN) */

static void conv(const char *to, const char *from, uint64_t in, uint64_t want,
                 fpq_rnd mode, int want_tern, unsigned want_flags, unsigned mask)
{
    fpq_rounding r;
    fpq_rounding_default(&r);
    r.mode = mode;
    uint64_t got = UINT64_C(0xdeadbeef);
    unsigned flags = 0x5a5a0000u;
    int t = fpq_convert(&got, &flags, fpq_check_need(to), fpq_check_need(from),
                        in, &r);
    ck_assert_msg(got == want && (want_tern == ANYT || sgn(t) == want_tern) &&
                      (flags & mask) == want_flags,
                  "convert %s 0x%" PRIx64 " -> %s %s = 0x%" PRIx64
                  " t %d flags 0x%x; expected 0x%" PRIx64 " t %d flags 0x%x",
                  from, in, to, fpq_rnd_name(mode), got, t, flags, want, want_tern,
                  want_flags);
}

/* The two NaN policies of fpq.h: the bulk path gives fpq_encode's canonical
 * NaN of the sign (the decoded value re-encoded), fpq_convert keeps the
 * payload; in formats with one NaN per sign they agree. */
START_TEST(nan_policies_of_the_bulk_path_and_convert_are_as_documented)
{
    static const char *const to[] = {"fp16", "bf16", "fp8_e5m2", "tf32", "e3m4ieee", "fp8_e4m3", "fp8_e4m3fnuz", "fp64"};
    static const uint32_t in[] = {0x7fa12345u, 0xffc00001u, 0x7f800001u, 0x7fffffffu, 0xffc00000u};
    fpq_format f32;
    ck_assert_int_eq(fpq_format_parse(&f32, "fp32"), FPQ_OK);
    mpfr_t v;
    mpfr_init2(v, 64);
    for (size_t t = 0; t < sizeof to / sizeof to[0]; t++) {
        fpq_format f;
        ck_assert_int_eq(fpq_format_parse(&f, to[t]), FPQ_OK);
        for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
            float x;
            memcpy(&x, &in[i], sizeof x);
            uint64_t packed = 0, bulk, canon, payload;
            ck_assert_int_eq(fpq_encode_f32(&packed, &x, 1, &f, NULL), FPQ_OK);
            fpq_unpack(&bulk, &packed, 0, 1, &f);
            fpq_decode(v, NULL, NULL, &f32, in[i]);
            fpq_encode(&canon, NULL, &f, v, NULL);
            fpq_convert(&payload, NULL, &f, &f32, in[i], NULL);
            ck_assert_msg(bulk == canon, "%s %08x: bulk %llx, canonical %llx", to[t], in[i],
                          (unsigned long long)bulk, (unsigned long long)canon);
            if (f.specials != FPQ_SPECIALS_IEEE)
                ck_assert_msg(payload == canon, "%s %08x: one NaN per sign", to[t], in[i]);
        }
    }
    /* decode and round: the canonical binary32 NaN of the sign */
    fpq_format h;
    ck_assert_int_eq(fpq_format_parse(&h, "fp16"), FPQ_OK);
    const uint16_t c[2] = {0x7d01, 0xfe01};
    float y[2];
    ck_assert_int_eq(fpq_decode_f32(y, c, 2, &h), FPQ_OK);
    uint32_t yb[2];
    memcpy(yb, y, sizeof yb);
    ck_assert(yb[0] == 0x7fc00000u && yb[1] == 0xffc00000u);
    float x = 0, r;
    const uint32_t xb = 0x7fa12345u;
    memcpy(&x, &xb, sizeof x);
    ck_assert_int_eq(fpq_round_f32(&r, &x, 1, &h, NULL), FPQ_OK);
    memcpy(yb, &r, sizeof r);
    ck_assert(yb[0] == 0x7fc00000u);
    mpfr_clear(v);
}
END_TEST

START_TEST(nan_payloads_convert_as_f16c_and_softfloat_do)
{
    /* binary32 sNaN 0x7fa00001: mantissa 0x200001; its top 10 bits are
     * 0x200001 >> 13 = 0x100; with the quiet bit 0x200: 0x300, so binary16
     * 0x7c00 | 0x300 = 0x7f00 (x86 vcvtps2ph gives the same). */
    conv("fp16", "fp32", 0x7fa00001, 0x7f00, RNE, 0, 0, 0);
    conv("fp16", "fp32", 0xffa00001, 0xff00, RNE, 0, 0, 0);
    conv("fp16", "fp32", 0x7fc00000, 0x7e00, RNE, 0, 0, ALLF & ~NV);
    conv("fp16", "fp32", 0xffc00000, 0xfe00, RNE, 0, 0, ALLF & ~NV);
    conv("fp16", "fp32", 0x7f800001, 0x7e00, RNE, 0, 0, 0); /* payload below */
    conv("fp16", "fp32", 0x7fffffff, 0x7fff, RNE, 0, 0, ALLF & ~NV);
    /* binary16 sNaN 0x7d01: mantissa 0x101 << 13 = 0x202000, | quiet
     * 0x400000 = 0x602000: binary32 0x7fe02000 (vcvtph2ps agrees). */
    conv("fp32", "fp16", 0x7d01, 0x7fe02000, RNE, 0, 0, 0);
    conv("fp32", "fp16", 0xfc01, 0xffc02000, RNE, 0, 0, 0);
    conv("fp32", "fp16", 0x7e00, 0x7fc00000, RNE, 0, 0, ALLF & ~NV);
    /* binary64 -> binary32: top 23 of 52 payload bits (>> 29) */
    conv("fp32", "fp64", UINT64_C(0x7ff0000000000001), 0x7fc00000, RNE, 0, 0, 0);
    conv("fp32", "fp64", UINT64_C(0x7ff4000000000000), 0x7fe00000, RNE, 0, 0, 0);
    conv("fp32", "fp64", UINT64_C(0xfff8000000000000), 0xffc00000, RNE, 0, 0,
         ALLF & ~NV);
    conv("fp64", "fp32", 0x7fa00001, UINT64_C(0x7ffc000020000000), RNE, 0, 0, 0);
    /* binary32 -> bfloat16: >> 16: 0x20 | quiet 0x40 = 0x60 -> 0x7fe0 */
    conv("bf16", "fp32", 0x7fa00001, 0x7fe0, RNE, 0, 0, 0);
    /* binary32 / binary16 -> E5M2 (IEEE-style): >> 21 / >> 8, quiet 0x2 */
    conv("fp8_e5m2", "fp32", 0x7fa00001, 0x7f, RNE, 0, 0, 0);
    conv("fp8_e5m2", "fp32", 0xff800001, 0xfe, RNE, 0, 0, 0);
    conv("fp8_e5m2", "fp16", 0x7d01, 0x7f, RNE, 0, 0, 0);
    /* the same format: quieted, payload kept */
    conv("fp16", "fp16", 0x7d01, 0x7f01, RNE, 0, 0, 0);
    conv("fp16", "fp16", 0x7e01, 0x7e01, RNE, 0, 0, ALLF & ~NV);
    /* into E4M3 (fn): 0x7f / 0xff by sign; fnuz: 0x80; E8M0: 0xff */
    conv("fp8_e4m3", "fp32", 0x7fc00000, 0x7f, RNE, 0, 0, ALLF & ~NV);
    conv("fp8_e4m3", "fp32", 0xffc00000, 0xff, RNE, 0, 0, ALLF & ~NV);
    conv("fp8_e4m3", "fp32", 0x7fa00001, 0x7f, RNE, 0, 0, 0);
    conv("fp8_e4m3fnuz", "fp32", 0x7fc00000, 0x80, RNE, 0, 0, ALLF & ~NV);
    conv("fp8_e4m3fnuz", "fp32", 0xffc00000, 0x80, RNE, 0, 0, ALLF & ~NV);
    conv("fp8_e5m2fnuz", "fp16", 0xfe00, 0x80, RNE, 0, 0, ALLF & ~NV);
    conv("e8m0", "fp32", 0x7fc00000, 0xff, RNE, 0, 0, ALLF & ~NV);
    /* formats without NaN: the +0 pattern and invalid */
    conv("fp4_e2m1", "fp32", 0x7fc00000, 0x0, RNE, ANYT, NV, NV);
    conv("fp6_e3m2", "fp32", 0xffc00000, 0x00, RNE, ANYT, NV, NV);
    conv("int8", "fp32", 0x7fc00000, 0x00, RNE, ANYT, NV, NV);
    conv("uint8", "fp16", 0x7e00, 0x00, RNE, ANYT, NV, NV);
    conv("nf4", "fp32", 0x7fc00000, 0x7, RNE, ANYT, NV, NV);
}
END_TEST

/* From a format that is not IEEE-style, a NaN maps to the target's NaN,
 * keeping the sign where the target can (fpq.h, fpq_convert). */
START_TEST(nan_from_fn_formats_maps_to_the_target_nan_with_its_sign)
{
    const fpq_format *h = fpq_check_need("fp16");
    fpq_landmarks lm;
    ck_assert_int_eq(fpq_landmarks_get(&lm, h), FPQ_OK);
    uint64_t got;
    unsigned flags;
    ck_assert_int_eq(fpq_convert(&got, &flags, h, fpq_check_need("fp8_e4m3"),
                                 0x7f, NULL), 0);
    ck_assert_msg(got == lm.nan, "e4m3 0x7f -> fp16 0x%" PRIx64, got);
    ck_assert_int_eq(fpq_convert(&got, &flags, h, fpq_check_need("fp8_e4m3"),
                                 0xff, NULL), 0);
    ck_assert_msg(got == (lm.nan | 0x8000), "e4m3 0xff -> fp16 0x%" PRIx64, got);
    ck_assert_int_eq(fpq_convert(&got, &flags, h, fpq_check_need("fp8_e4m3fnuz"),
                                 0x80, NULL), 0);
    ck_assert_msg(fpq_ref_decode(h, got).cls == FPQ_CLASS_NAN,
                  "fnuz NaN -> fp16 0x%" PRIx64, got);
    ck_assert_int_eq(fpq_convert(&got, &flags, fpq_check_need("fp32"),
                                 fpq_check_need("e8m0"), 0xff, NULL), 0);
    ck_assert_msg(fpq_ref_decode(fpq_check_need("fp32"), got).cls == FPQ_CLASS_NAN,
                  "e8m0 NaN -> fp32 0x%" PRIx64, got);
}
END_TEST

START_TEST(conversion_rounds_once_like_encode)
{
    /* hand cases */
    conv("fp8_e4m3", "fp16", 0x5f40, 0x7e, RNE, -1, IX, ALLF);      /* 464 */
    conv("fp8_e4m3", "fp16", 0x5f41, 0x7f, RNE, 0, OF | IX, ALLF);  /* 464.5 */
    conv("fp8_e4m3", "fp16", 0x5f40, 0x7f, RNA, 0, OF | IX, ALLF);
    conv("fp16", "fp32", 0x3f801000, 0x3c00, RNE, -1, IX, ALLF);    /* 1+2^-11 */
    conv("fp16", "fp32", 0x3f803000, 0x3c02, RNE, 1, IX, ALLF);     /* 1+3*2^-11 */
    conv("fp16", "fp32", 0x477ff000, 0x7c00, RNE, 1, OF | IX, ALLF);   /* 65520 */
    conv("fp16", "fp32", 0x477fefff, 0x7bff, RNE, -1, IX, ALLF);
    conv("fp16", "fp32", 0x3f800000, 0x3c00, RNE, 0, 0, ALLF);
    conv("fp32", "fp16", 0x0001, 0x33800000, RNE, 0, 0, ALLF);      /* 2^-24 */
    conv("int8", "fp32", 0x40200000, 0x02, RNE, -1, IX, ALLF);      /* 2.5 */
    conv("bf16", "fp32", 0x3f808000, 0x3f80, RNE, -1, IX, ALLF);    /* tie */
    conv("bf16", "fp32", 0x3f818000, 0x3f82, RNE, 1, IX, ALLF);
    conv("fp4_e2m1", "fp8_e4m3", 0x4a, 0x6, RNE, -1, IX, ALLF);     /* 5 -> 4 */
    conv("tf32", "fp32", 0x3f801000, 0x1fc00, RNE, -1, IX, ALLF);   /* tie, even */
    conv("tf32", "fp32", 0x3f801000, 0x1fc01, RNA, 1, IX, ALLF);    /* NVIDIA rna */

    /* every binary16 pattern into several targets: convert == encode(decode) */
    static const char *const targets[] = {"fp8_e4m3", "fp8_e5m2", "fp4_e2m1",
                                          "int8", "e8m0", "nf4", "bf16",
                                          "fp8_e4m3fnuz"};
    const fpq_format *h = fpq_check_need("fp16");
    mpfr_t v;
    mpfr_init2(v, 11);
    for (size_t k = 0; k < sizeof targets / sizeof targets[0]; k++) {
        const fpq_format *to = fpq_check_need(targets[k]);
        for (uint64_t b = 0; b < 65536; b++) {
            fpq_class c;
            fpq_decode(v, &c, NULL, h, b);
            if (c == FPQ_CLASS_NAN)
                continue;
            uint64_t g1, g2;
            unsigned f1, f2;
            int t1 = enc(&g1, &f1, to, v, FPQ_RNE, FPQ_OVF_FORMAT);
            g2 = 0;
            f2 = 0x5a5a0000u;
            int t2 = fpq_convert(&g2, &f2, to, h, b, NULL);
            FPQ_CHECK(g1 == g2 && sgn(t1) == sgn(t2) && f1 == f2,
                      "fp16 0x%04" PRIx64 " -> %s: convert 0x%" PRIx64
                      " t %d flags 0x%x, encode 0x%" PRIx64 " t %d flags 0x%x",
                      b, to->name, g2, t2, f2, g1, t1, f1);
        }
    }
    mpfr_clear(v);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Contract edges. */

START_TEST(invalid_format_or_rounding_gives_zero_bits_and_invalid)
{
    fpq_format bad = *fpq_check_need("fp16");
    bad.ebits = 0;
    mpfr_t x;
    mpfr_init2(x, 53);
    mpfr_set_d(x, 1.5, MPFR_RNDN);
    uint64_t got = 99;
    unsigned flags = 0;
    int t = fpq_encode(&got, &flags, &bad, x, NULL);
    ck_assert_msg(got == 0 && flags == NV && t == 0, "bad format: 0x%" PRIx64
                  " flags 0x%x t %d", got, flags, t);

    fpq_rounding r;
    fpq_rounding_default(&r);
    r.mode = FPQ_RND_COUNT_;
    got = 99;
    flags = 0;
    t = fpq_encode(&got, &flags, fpq_check_need("fp16"), x, &r);
    ck_assert_msg(got == 0 && flags == NV && t == 0, "bad mode: 0x%" PRIx64
                  " flags 0x%x t %d", got, flags, t);
    mpfr_clear(x);
}
END_TEST

/* The library never changes MPFR's exponent range, including a range that is
 * not MPFR's default, and works correctly inside a narrower one. */
START_TEST(exponent_range_is_restored_even_when_not_the_default)
{
    mpfr_exp_t emin0 = mpfr_get_emin(), emax0 = mpfr_get_emax();
    ck_assert(mpfr_set_emin(-20000) == 0 && mpfr_set_emax(20000) == 0);
    mpfr_t x;
    mpfr_init2(x, 64);
    uint64_t got;
    unsigned flags;

    mpfr_set_str(x, "0x1.ffdp-15", 0, MPFR_RNDN);
    enc(&got, &flags, fpq_check_need("fp16"), x, FPQ_RNE, FPQ_OVF_FORMAT);
    ck_assert(got == 0x0400 && flags == (UF | IX));
    ck_assert(mpfr_get_emin() == -20000 && mpfr_get_emax() == 20000);

    mpfr_set_str(x, "0x1p-1074", 0, MPFR_RNDN);
    enc(&got, &flags, fpq_check_need("fp64"), x, FPQ_RNE, FPQ_OVF_FORMAT);
    ck_assert(got == 1 && flags == 0);
    ck_assert(mpfr_get_emin() == -20000 && mpfr_get_emax() == 20000);

    ck_assert_int_eq(fpq_decode(x, NULL, NULL, fpq_check_need("fp64"),
                                UINT64_C(0x7fefffffffffffff)), FPQ_OK);
    ck_assert(mpfr_cmp_d(x, 0x1.fffffffffffffp+1023) == 0);
    ck_assert(mpfr_get_emin() == -20000 && mpfr_get_emax() == 20000);

    ck_assert_int_eq(fpq_parse_value(x, NULL, "1e-300"), FPQ_OK);
    ck_assert(mpfr_get_emin() == -20000 && mpfr_get_emax() == 20000);

    fpq_convert(&got, &flags, fpq_check_need("fp8_e4m3"), fpq_check_need("fp32"),
                0x43e80000, NULL); /* 464 */
    ck_assert(got == 0x7e);
    ck_assert(mpfr_get_emin() == -20000 && mpfr_get_emax() == 20000);

    mpfr_clear(x);
    mpfr_set_emin(emin0);
    mpfr_set_emax(emax0);
}
END_TEST

Suite *encode_suite(void)
{
    Suite *s = suite_create("encode");
    int ns = (int)fpq_check_nsmall();
    int nf = (int)fpq_check_nformats();
    TCase *tc;

    tc = fpq_check_tcase("boundaries", 240);
    tcase_add_loop_test(tc, rounding_is_correct_at_every_boundary, 0, ns);
    tcase_add_loop_test(tc, rounding_is_correct_at_sampled_boundaries_of_wide_formats,
                        0, 3);
    suite_add_tcase(s, tc);

    tc = fpq_check_tcase("hand", 20);
    tcase_add_loop_test(tc, hand_derived_cases_round_as_the_specifications_say, 0,
                        (int)(sizeof hand / sizeof hand[0]));
    tcase_add_test(tc, nf4_midpoint_case_is_above_the_midpoint);
    tcase_add_test(tc, symmetric_integers_clamp_to_minus_127);
    tcase_add_test(tc, wide_integers_round_then_clamp);
    tcase_add_loop_test(tc, saturate_never_produces_inf_or_nan, 0, ns);
    tcase_add_loop_test(tc, zeros_infinities_and_nan_map_as_the_format_allows, 0, nf);
    tcase_add_loop_test(tc, far_out_of_range_inputs_overflow_and_underflow, 0, nf);
    tcase_add_test(tc, invalid_format_or_rounding_gives_zero_bits_and_invalid);
    tcase_add_test(tc, exponent_range_is_restored_even_when_not_the_default);
    suite_add_tcase(s, tc);

    tc = fpq_check_tcase("stochastic", 60);
    tcase_add_loop_test(tc, stochastic_rounding_follows_the_documented_rule, 0, ns);
    tcase_add_test(tc, stochastic_rounding_is_unbiased_within_five_sigma);
    tcase_add_loop_test(tc, stochastic_rounding_never_changes_exact_values, 0, ns);
    tcase_add_test(tc, sr_bits_is_a_pure_function_of_seed_and_position);
    tcase_add_test(tc, sr_bits_values_are_frozen);
    suite_add_tcase(s, tc);

    tc = fpq_check_tcase("text", 30);
    tcase_add_test(tc, decimal_text_rounds_once_to_every_format);
    tcase_add_test(tc, negative_nan_text_keeps_its_sign);
    tcase_add_test(tc, malformed_text_is_refused);
    suite_add_tcase(s, tc);

    tc = fpq_check_tcase("convert", 60);
    tcase_add_test(tc, nan_payloads_convert_as_f16c_and_softfloat_do);
    tcase_add_test(tc, nan_policies_of_the_bulk_path_and_convert_are_as_documented);
    tcase_add_test(tc, nan_from_fn_formats_maps_to_the_target_nan_with_its_sign);
    tcase_add_test(tc, conversion_rounds_once_like_encode);
    suite_add_tcase(s, tc);

    tc = fpq_check_tcase_slow("boundaries_exhaustive", 1200);
    tcase_add_test(tc, rounding_is_correct_at_every_boundary_of_tf32);
    tcase_add_loop_test(tc, rounding_is_correct_at_dense_boundaries_of_fp32_and_fp64,
                        0, 2);
    suite_add_tcase(s, tc);
    return s;
}
