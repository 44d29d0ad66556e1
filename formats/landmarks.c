/* landmarks.c: the landmark patterns of a format (fpq_landmarks_get):
 * largest and smallest values, zeros, one, Inf, NaN and the pattern counts,
 * from the format's fields (registry.c) and, for 1.0, one fpq_encode. */
#include "fpq-impl.h"

int fpq_landmarks_get(fpq_landmarks *o, const fpq_format *f)
{
    if (!o || fpq_format_validate(f) != FPQ_OK)
        return FPQ_ERR_ARG;
    const uint64_t n = fpq_npatterns(f);
    o->n_patterns = n;
    o->min_normal = o->min_subnormal = o->inf = o->nan = o->neg_zero = o->one = FPQ_NO_BITS;
    o->n_nan = o->n_inf = 0;
    switch (f->kind) {
    case FPQ_KIND_FLOAT: {
        const uint64_t sign = fpq_sign_bit(f);
        const uint64_t mant = (UINT64_C(1) << f->mbits) - 1;
        o->max_finite = fpq_max_finite_mag(f);
        o->zero = f->subnormals ? 0 : FPQ_NO_BITS;
        if (f->subnormals) {
            o->min_normal = UINT64_C(1) << f->mbits;
            o->min_subnormal = f->mbits ? 1 : FPQ_NO_BITS;
            o->min_positive = 1;
        } else {
            o->min_normal = 0;
            o->min_positive = 0;
        }
        if (f->subnormals && o->min_normal > o->max_finite) { /* binary2p1se: 0, Inf and NaN only */
            o->min_normal = o->min_positive = FPQ_NO_BITS;
            o->min_subnormal = FPQ_NO_BITS;
        }
        if (fpq_has_neg_zero(f))
            o->neg_zero = sign;
        /* unsigned, or only zero: pattern 0 */
        o->lowest = f->is_signed && o->max_finite ? (sign | o->max_finite) : 0;
        const uint64_t signs = f->is_signed ? 2 : 1;
        o->nan = fpq_nan_bits(f, false);
        switch (f->specials) {
        case FPQ_SPECIALS_IEEE:
            o->inf = fpq_exp_all_ones(f);
            o->n_inf = signs;
            o->n_nan = signs * mant;
            break;
        case FPQ_SPECIALS_FN:
            o->n_nan = signs;
            break;
        case FPQ_SPECIALS_FNUZ:
            o->n_nan = 1;
            break;
        case FPQ_SPECIALS_EXT:
            o->inf = fpq_inf_mag(f);
            o->n_inf = signs;
            o->n_nan = 1;
            break;
        case FPQ_SPECIALS_FINITE:
            break;
        }
        o->n_finite = n - o->n_nan - o->n_inf;
        /* 1.0, if it is a value of the format (it may be subnormal: E1M2). */
        MPFR_DECL_INIT(one, 2);
        mpfr_set_ui(one, 1, MPFR_RNDN);
        uint64_t b;
        if (fpq_encode(&b, NULL, f, one, NULL) == 0)
            o->one = b;
        break;
    }
    case FPQ_KIND_INT:
        o->zero = 0;
        o->one = 1;
        o->min_positive = 1;
        o->min_normal = 1;
        o->n_finite = n;
        if (f->is_signed) {
            o->max_finite = (n >> 1) - 1;
            o->lowest = n >> 1; /* the pattern of -2^(N-1) */
        } else {
            o->max_finite = n - 1;
            o->lowest = 0;
        }
        break;
    case FPQ_KIND_LUT: {
        o->n_finite = n;
        o->max_finite = n - 1;
        o->lowest = 0;
        o->zero = FPQ_NO_BITS;
        o->min_positive = FPQ_NO_BITS;
        MPFR_DECL_INIT(v, 64);
        for (uint64_t k = 0; k < n; k++) {
            mpfr_set_str(v, f->lut[k], 10, MPFR_RNDN);
            if (mpfr_zero_p(v) && o->zero == FPQ_NO_BITS)
                o->zero = k;
            if (mpfr_sgn(v) > 0 && o->min_positive == FPQ_NO_BITS)
                o->min_positive = k;
            if (mpfr_cmp_ui(v, 1) == 0)
                o->one = k;
        }
        o->min_normal = o->min_positive;
        break;
    }
    }
    return FPQ_OK;
}
