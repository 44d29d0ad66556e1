/* decode.c: bit pattern to exact value, and classification. */
#include "fpq-impl.h"

/* Class of a float pattern; the caller has checked the width. */
static fpq_class float_class(const fpq_format *f, uint64_t bits)
{
    if (fpq_float_is_nan(f, bits))
        return FPQ_CLASS_NAN;
    uint64_t mag = bits & fpq_mag_mask(f);
    if (mag == fpq_inf_mag(f))
        return FPQ_CLASS_INF;
    if (!f->subnormals)
        return FPQ_CLASS_NORMAL;
    if (mag == 0)
        return FPQ_CLASS_ZERO;
    return (mag >> f->mbits) == 0 ? FPQ_CLASS_SUBNORMAL : FPQ_CLASS_NORMAL;
}

/* The binary32 value a table entry's decimal denotes (see registry.c). */
static int lut_value(mpfr_ptr rop, const fpq_format *f, uint64_t code)
{
    MPFR_DECL_INIT(v, 24);
    mpfr_set_str(v, f->lut[code], 10, MPFR_RNDN);
    return mpfr_set(rop, v, MPFR_RNDN);
}

int fpq_classify(fpq_class *cls, const fpq_format *f, uint64_t bits)
{
    if (bits & ~fpq_width_mask(f))
        return FPQ_ERR_BITS_WIDE;
    switch (f->kind) {
    case FPQ_KIND_FLOAT:
        *cls = float_class(f, bits);
        break;
    case FPQ_KIND_INT:
        *cls = bits == 0 ? FPQ_CLASS_ZERO : FPQ_CLASS_NORMAL;
        break;
    case FPQ_KIND_LUT: {
        MPFR_DECL_INIT(v, 24);
        lut_value(v, f, bits);
        *cls = mpfr_zero_p(v) ? FPQ_CLASS_ZERO : FPQ_CLASS_NORMAL;
        break;
    }
    }
    return FPQ_OK;
}

int fpq_decode(mpfr_ptr rop, fpq_class *cls, int *ternary, const fpq_format *f, uint64_t bits)
{
    fpq_class c;
    int st = fpq_classify(&c, f, bits);
    if (st != FPQ_OK)
        return st;
    if (cls)
        *cls = c;
    int t = 0;
    switch (f->kind) {
    case FPQ_KIND_FLOAT: {
        const int neg = (bits & fpq_sign_bit(f)) != 0;
        const uint64_t mag = bits & fpq_mag_mask(f);
        const uint64_t e = mag >> f->mbits, m = mag & ((UINT64_C(1) << f->mbits) - 1);
        if (c == FPQ_CLASS_NAN) {
            mpfr_set_nan(rop); /* fnuz's and ext's NaN sits at the -0 pattern but has no sign */
            mpfr_setsign(rop, rop, neg && f->specials != FPQ_SPECIALS_FNUZ && f->specials != FPQ_SPECIALS_EXT,
                         MPFR_RNDN);
        } else if (c == FPQ_CLASS_INF) {
            mpfr_set_inf(rop, neg ? -1 : 1);
        } else if (c == FPQ_CLASS_ZERO) {
            mpfr_set_zero(rop, neg ? -1 : 1);
        } else {
            /* value = s * 2^q with s the significand as an integer */
            uint64_t s = (f->subnormals && e == 0) ? m : (m | (UINT64_C(1) << f->mbits));
            long q = (f->subnormals && e == 0 ? fpq_emin(f) : (long)e - f->bias) - (long)f->mbits;
            t = mpfr_set_uj_2exp(rop, s, q, MPFR_RNDN);
            if (neg) {
                mpfr_neg(rop, rop, MPFR_RNDN); /* exact */
                t = -t;
            }
        }
        break;
    }
    case FPQ_KIND_INT:
        if (f->is_signed && (bits & fpq_sign_bit(f)))
            t = mpfr_set_sj(rop, (intmax_t)bits - (intmax_t)fpq_npatterns(f), MPFR_RNDN);
        else
            t = mpfr_set_uj(rop, bits, MPFR_RNDN);
        break;
    case FPQ_KIND_LUT:
        t = lut_value(rop, f, bits);
        break;
    }
    if (ternary)
        *ternary = t;
    return FPQ_OK;
}
