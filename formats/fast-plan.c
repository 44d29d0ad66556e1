/* fast-plan.c: a bulk call's plan -- the constants of its kernels, derived
 * from the format's fields and the rounding once per call, and the tables of
 * a lookup-table format (fast-impl.h describes the method). */
#include "fast-impl.h"

#include <float.h>

/* ---- special inputs ------------------------------------------------------------ */

/* Results of special inputs, per sign of the input (index 1: negative). */
typedef struct specials {
    uint64_t nan[2], inf[2], zero[2], ovf[2];
    uint64_t negu; /* negative nonzero into an unsigned format */
    uint64_t tiny; /* below the lowest binade of a format without zero */
} specials;

static bool toward_zero(fpq_rnd m, bool neg)
{
    return m == FPQ_RTZ || m == FPQ_RTO || (m == FPQ_RUP && neg) || (m == FPQ_RDN && !neg);
}

/* The codes special inputs give in a float format under rounding r. */
static void float_specials(specials *s, const fpq_format *f, const fpq_rounding *r)
{
    const uint64_t maxmag = fpq_max_finite_mag(f);
    for (int neg = 0; neg < 2; neg++) {
        const uint64_t sign = neg ? fpq_sign_bit(f) : 0;
        uint64_t nan = fpq_nan_bits(f, neg && f->is_signed);
        s->nan[neg] = nan != FPQ_NO_BITS ? nan : 0;
        if (f->specials == FPQ_SPECIALS_IEEE)
            s->inf[neg] = sign | (r->overflow == FPQ_OVF_SATURATE ? maxmag : fpq_exp_all_ones(f));
        else if (r->overflow == FPQ_OVF_FORMAT && f->specials != FPQ_SPECIALS_FINITE)
            s->inf[neg] = fpq_nan_bits(f, neg);
        else
            s->inf[neg] = sign | maxmag;
        s->zero[neg] = (f->subnormals && fpq_has_neg_zero(f)) ? sign : 0;
        if (r->overflow == FPQ_OVF_SATURATE || toward_zero(r->mode, neg) || f->specials == FPQ_SPECIALS_FINITE)
            s->ovf[neg] = sign | maxmag;
        else if (f->specials == FPQ_SPECIALS_IEEE)
            s->ovf[neg] = sign | fpq_exp_all_ones(f);
        else
            s->ovf[neg] = fpq_nan_bits(f, neg);
    }
    s->negu = 0;
    s->tiny = 0;
}

/* ---- setup ------------------------------------------------------------------------- */


/* Largest binade exponent of a float format. */
static int64_t float_emax(const fpq_format *f)
{
    return (int64_t)(fpq_max_finite_mag(f) >> f->mbits) - f->bias;
}

static void k64_init(k64 *p, const fpq_format *f, const fpq_rounding *r)
{
    memset(p, 0, sizeof *p);
    specials s;
    if (f->kind == FPQ_KIND_INT) {
        /* quantum 1 below 2^35; beyond 2^35 clamp (the range ends at 2^32) */
        p->M = 34;
        p->emin = p->emax = 34;
        p->maxmag = UINT64_MAX;
        p->ihi = f->is_signed ? (INT64_C(1) << (f->bits - 1)) - 1 : (INT64_C(1) << f->bits) - 1;
        p->ilo = f->is_signed ? -(INT64_C(1) << (f->bits - 1)) + (r->int_symmetric ? 1 : 0) : 0;
        p->mask = fpq_width_mask(f);
        s.nan[0] = s.nan[1] = s.zero[0] = s.zero[1] = 0;
        s.inf[0] = s.ovf[0] = (uint64_t)p->ihi & p->mask;
        s.inf[1] = s.ovf[1] = (uint64_t)p->ilo & p->mask;
        s.negu = s.tiny = 0;
        p->unsig = !f->is_signed;
    } else {
        p->M = f->mbits;
        p->emin = fpq_emin(f);
        p->emax = float_emax(f);
        p->sub_off = f->subnormals ? 0 : UINT64_C(1) << f->mbits;
        p->maxmag = fpq_max_finite_mag(f);
        p->signbit = fpq_sign_bit(f);
        p->negzero = fpq_has_neg_zero(f);
        p->unsig = !f->is_signed;
        p->nosub = !f->subnormals;
        float_specials(&s, f, r);
    }
    p->nan0 = s.nan[0], p->nan1 = s.nan[1], p->inf0 = s.inf[0], p->inf1 = s.inf[1];
    p->zero0 = s.zero[0], p->zero1 = s.zero[1], p->ovf0 = s.ovf[0], p->ovf1 = s.ovf[1];
    p->negu = s.negu, p->tiny = s.tiny;
}

/* Whether k32 encodes binary32 into f; *round: and rounds to f in binary32. */
static bool k32_fits(const fpq_format *f, bool *round)
{
    *round = f->kind == FPQ_KIND_INT && f->bits <= 24;
    if (*round)
        return true;
    if (f->kind != FPQ_KIND_FLOAT || f->mbits > 23 || f->bits > 32 || fpq_emin(f) < -126)
        return false;
    *round = float_emax(f) <= 127;
    return true;
}

static void kdec_init(kdec *p, const fpq_format *f, bool dbl, const double *lut);

/* binary32 bits of a float code (d decodes into binary32). */
static uint32_t dec32(const kdec *d, uint64_t c) { return (uint32_t)fpq_fast_dec_float_general(d, c); }

static void k32_init(k32 *p, const fpq_format *f, const fpq_rounding *r)
{
    memset(p, 0, sizeof *p);
    if (f->kind == FPQ_KIND_INT) {
        /* quantum 1 below 2^24 (see the top of the file) */
        p->emin = p->M = 23;
        p->ihi = f->is_signed ? (INT32_C(1) << (f->bits - 1)) - 1 : (INT32_C(1) << f->bits) - 1;
        p->ilo = f->is_signed ? -(INT32_C(1) << (f->bits - 1)) + (r->int_symmetric ? 1 : 0) : 0;
        p->mask = (uint32_t)fpq_width_mask(f);
        p->int_rne_ok = FLT_EVAL_METHOD == 0 && p->ilo >= -(INT32_C(1) << 22) && p->ihi <= INT32_C(1) << 22;
        p->flo = (float)p->ilo, p->fhi = (float)p->ihi; /* exact */
        return;
    }
    specials s;
    float_specials(&s, f, r);
    p->emin = (int32_t)fpq_emin(f);
    p->M = (int32_t)f->mbits;
    p->sub_off = f->subnormals ? 0 : 1u << f->mbits;
    p->maxmag = (uint32_t)fpq_max_finite_mag(f);
    p->signbit = (uint32_t)fpq_sign_bit(f);
    p->negzero = fpq_has_neg_zero(f);
    p->unsig = !f->is_signed;
    p->tiny_lim = f->subnormals ? 0 : p->emin > 127 ? 0x7f800000u : (uint32_t)(p->emin + 127) << 23;
    p->code.nan0 = (uint32_t)s.nan[0], p->code.nan1 = (uint32_t)s.nan[1];
    p->code.inf0 = (uint32_t)s.inf[0], p->code.inf1 = (uint32_t)s.inf[1];
    p->code.zero0 = (uint32_t)s.zero[0], p->code.zero1 = (uint32_t)s.zero[1];
    p->code.ovf0 = (uint32_t)s.ovf[0], p->code.ovf1 = (uint32_t)s.ovf[1];
    p->code.negu = (uint32_t)s.negu, p->code.tiny = (uint32_t)s.tiny;
    bool round;
    k32_fits(f, &round);
    if (!round)
        return;
    /* binary32 holds every value: normal codes are (code << (23 - M)) plus
     * the exponent offset; subnormal codes m are m * 2^(emin - M) */
    p->dshift = 23 - f->mbits;
    p->K = (uint32_t)(127 - f->bias) << 23;
    p->sub_lim = f->subnormals ? 1u << f->mbits : 0;
    p->scale = f32_from(p->emin - p->M >= -126 ? (uint32_t)(p->emin - p->M + 127) << 23
                                               : 1u << (p->emin - p->M + 149));
    kdec d;
    kdec_init(&d, f, false, NULL);
    p->bits.nan0 = dec32(&d, p->code.nan0), p->bits.nan1 = dec32(&d, p->code.nan1);
    p->bits.inf0 = dec32(&d, p->code.inf0), p->bits.inf1 = dec32(&d, p->code.inf1);
    p->bits.zero0 = dec32(&d, p->code.zero0), p->bits.zero1 = dec32(&d, p->code.zero1);
    p->bits.ovf0 = dec32(&d, p->code.ovf0), p->bits.ovf1 = dec32(&d, p->code.ovf1);
    p->bits.negu = dec32(&d, p->code.negu), p->bits.tiny = dec32(&d, p->code.tiny);
    p->max_bits = (p->maxmag << p->dshift) + p->K;
    p->nan_flip = p->bits.nan0 ^ p->bits.nan1;
    p->lean_ok = FLT_EVAL_METHOD == 0 && f->is_signed && p->negzero && f->subnormals && f->mbits >= 1 &&
                 f->mbits <= 22 && p->emin - p->M + 23 <= 127;
    p->rne_ok = p->lean_ok && p->bits.inf0 == p->bits.ovf0 && p->bits.inf1 == p->bits.ovf1 &&
                p->bits.ovf1 == (p->bits.ovf0 | 0x80000000u) && (p->nan_flip == 0 || p->nan_flip == 0x80000000u);
    if (p->lean_ok) {
        p->sh0 = 23 - f->mbits;
        p->half_m1 = (1u << (p->sh0 - 1)) - 1;
        p->keep = ~((1u << p->sh0) - 1);
        p->norm_bits = (uint32_t)(p->emin + 127) << 23;
        p->magic = f32_from((uint32_t)(p->emin - p->M + 23 + 127) << 23);
        p->code_off = (uint32_t)(127 - f->bias) << f->mbits;
        p->enc_rne_ok = p->code.inf0 == p->code.ovf0 && p->code.inf1 == p->code.ovf1;
        const int32_t qe = p->emin - p->M; /* >= -149 (k32_fits) */
        p->qbits = qe >= -126 ? (uint32_t)(qe + 127) << 23 : 1u << (qe + 149);
        p->halfq = f32_from(p->qbits) / 2; /* exact: q > 2^-149 as M <= 22 and emin >= -126 */
        /* k32_arith's thresholds: the format's grid at the top binade is
         * 2^sh0 binary32 units; at the binade below 2^emin, unit */
        p->arith_ok = f->specials == FPQ_SPECIALS_IEEE && qe >= -147;
        const uint32_t ulp = 1u << p->sh0, sub1 = p->emin - 1 >= -126 ? ulp : 1u << (qe - 1 + 149);
        const uint32_t half = ulp / 2, n = p->norm_bits;
        switch (r->mode) {
        case FPQ_RNE:
        case FPQ_RNA:
            p->ovf_t0 = p->ovf_t1 = p->max_bits + half;
            p->tiny_t0 = p->tiny_t1 = n - sub1 / 2;
            break;
        case FPQ_RUP:
            p->ovf_t0 = p->max_bits + 1, p->ovf_t1 = p->max_bits + ulp;
            p->tiny_t0 = n - sub1 + 1, p->tiny_t1 = n;
            break;
        case FPQ_RDN:
            p->ovf_t0 = p->max_bits + ulp, p->ovf_t1 = p->max_bits + 1;
            p->tiny_t0 = n, p->tiny_t1 = n - sub1 + 1;
            break;
        default: /* FPQ_RTZ, FPQ_RTO (FPQ_RSR: not used) */
            p->ovf_t0 = p->ovf_t1 = p->max_bits + ulp;
            p->tiny_t0 = p->tiny_t1 = n;
        }
    }
}

static void kdec_init(kdec *p, const fpq_format *f, bool dbl, const double *lut)
{
    memset(p, 0, sizeof *p);
    /* the destination as a format, so that the k64 rounding (nearest-even) takes a value into it */
    const fpq_format *to = dbl ? fpq_binary64 : fpq_binary32;
    p->kind = f->kind;
    p->dbl = dbl;
    p->signbit = fpq_sign_bit(f);
    p->lut = lut;
    if (f->kind != FPQ_KIND_FLOAT)
        return;
    p->magmask = fpq_mag_mask(f);
    p->M = f->mbits;
    p->emin = fpq_emin(f);
    p->bias = f->bias;
    p->sub = f->subnormals;
    switch (f->specials) {
    case FPQ_SPECIALS_IEEE:
        p->nan_thr = p->inf_mag = fpq_exp_all_ones(f);
        break;
    case FPQ_SPECIALS_FN:
        p->nan_thr = fpq_mag_mask(f) - 1;
        p->inf_mag = UINT64_MAX;
        break;
    default:
        p->nan_thr = p->inf_mag = UINT64_MAX;
        p->fnuz = f->specials == FPQ_SPECIALS_FNUZ;
    }
    p->dsign = fpq_sign_bit(to);
    p->dinf = fpq_exp_all_ones(to);
    p->dnan = fpq_nan_bits(to, false);
    fpq_rounding rne;
    fpq_rounding_default(&rne);
    k64_init(&p->to, to, &rne);
    const int64_t demin = fpq_emin(to), demax = float_emax(to);
    p->exact = f->mbits <= to->mbits && fpq_emin(f) >= demin && float_emax(f) <= demax;
    if (p->exact) {
        const int64_t q = p->emin - (int64_t)f->mbits; /* >= -1074 / -149 */
        p->dshift = to->mbits - f->mbits;
        p->K = (uint64_t)(to->bias - f->bias) << to->mbits;
        p->sub_lim = f->subnormals ? UINT64_C(1) << f->mbits : 0;
        p->scale = q >= -1022 ? f64_from((uint64_t)(q + 1023) << 52) : f64_from(UINT64_C(1) << (q + 1074));
    }
}

/* Fills a table format's entries from the reference decode; the midpoints of
 * neighbours are computed in binary64 and checked exact (two-sum). */
static int klut_init(klut *p, const fpq_format *f)
{
    p->f = f;
    p->n = (size_t)fpq_npatterns(f);
    MPFR_DECL_INIT(v, 64);
    for (size_t k = 0; k < p->n; k++) {
        if (fpq_decode(v, NULL, NULL, f, k) != FPQ_OK)
            return FPQ_ERR_ARG;
        p->val[k] = mpfr_get_d(v, MPFR_RNDN);
    }
    p->mids_exact = true;
    for (size_t k = 0; k + 1 < p->n; k++) {
        const double a = p->val[k], b = p->val[k + 1], s = a + b, bb = s - a;
        const double err = (a - (s - bb)) + (b - bb);
        p->mid[k] = s / 2;
        if (err != 0 || p->mid[k] * 2 != s || !(a < b))
            p->mids_exact = false;
    }
    /* NaN: the code of 0, else of the value nearest zero from above */
    p->nan = 0;
    for (size_t k = 0; k < p->n; k++)
        if (p->val[k] >= 0) {
            p->nan = k;
            break;
        }
    return FPQ_OK;
}

/* ---- the plan ------------------------------------------------------------------ */

int fpq_fast_plan_init(plan *pl, const fpq_format *f, const fpq_rounding *r, src_type st, bool want_dec, bool dbl)
{
    memset(pl, 0, sizeof *pl);
    pl->f = f;
    pl->r = r;
    pl->w = packed_width(f);
    if (f->kind == FPQ_KIND_LUT) {
        const fp_state fs = fp_enter(); /* klut_init computes midpoints in binary64 */
        const int st = klut_init(&pl->lut, f);
        fp_leave(fs);
        if (st != FPQ_OK)
            return FPQ_ERR_ARG;
    }
    if (r) {
        bool round = false;
        pl->use_k32 = st == SRC_F32 && k32_fits(f, &round);
        pl->k32_round = round;
        if (pl->use_k32)
            k32_init(&pl->p32, f, r);
        if (f->kind != FPQ_KIND_LUT)
            k64_init(&pl->p64, f, r);
        pl->norm = st == SRC_F64 && f->kind == FPQ_KIND_FLOAT && fpq_emin(f) < -1022;
    }
    if (want_dec) {
        kdec_init(&pl->dec, f, dbl, f->kind == FPQ_KIND_LUT ? pl->lut.val : NULL);
        kdec_init(&pl->dec64, f, true, f->kind == FPQ_KIND_LUT ? pl->lut.val : NULL);
    }
    return FPQ_OK;
}
