/* fpq-impl.h: private to the files of formats/: registry.c's functions and
 * data for the other files, and the bit-field arithmetic of a format,
 * derived from its fields only. */
#ifndef FPQ_IMPL_H
#define FPQ_IMPL_H

#include "fpq.h"

/* Functions shared between the files of formats/ but not part of the API:
 * kept out of the shared library's exported symbols. */
#if defined(__GNUC__)
#define FPQ_HIDDEN __attribute__((visibility("hidden")))
#else
#define FPQ_HIDDEN
#endif

/* ---- registry.c ------------------------------------------------------------ */

/* The presets fp32 and fp64: binary32 and binary64 as formats. */
FPQ_HIDDEN extern const fpq_format *const fpq_binary32;
FPQ_HIDDEN extern const fpq_format *const fpq_binary64;

/* The preset named name or one of its aliases (case-insensitive), or NULL. */
FPQ_HIDDEN const fpq_format *fpq_preset_find(const char *name);

/* Whether a and b are the same format: every field but the name, aliases,
 * hw and note equal (a table's entries by their pointer). */
FPQ_HIDDEN bool fpq_format_same(const fpq_format *a, const fpq_format *b);

/* ---- bulk-ref.c ------------------------------------------------------------ */

/* Whether the bulk entry points (fast.c) compute on the reference for f and
 * r (r NULL: decoding): P3109 formats, the P3109 stochastic roundings, and
 * the overflow mode propagate, which the kernels do not cover. */
FPQ_HIDDEN bool fpq_bulk_needs_reference(const fpq_format *f, const fpq_rounding *r);

/* One bulk call on the reference: r NULL decodes n packed patterns of src
 * into binary64 (dbl) or binary32 values in dst; otherwise encodes n host
 * values of src with r (element i at position r->position + i) into packed
 * patterns, or, when decode_result, into their decoded values (round).
 * Arguments checked by the caller.  Returns FPQ_OK. */
FPQ_HIDDEN int fpq_bulk_reference(void *dst, const void *src, bool dbl, size_t n, const fpq_format *f,
                                  const fpq_rounding *r, bool decode_result);

/* ---- bit fields ---------------------------------------------------------------- */

/* 2^bits: how many patterns the format has. */
static inline uint64_t fpq_npatterns(const fpq_format *f)
{
    return f->bits >= 64 ? 0 : UINT64_C(1) << f->bits; /* 0 stands for 2^64 */
}

/* Mask of all valid pattern bits. */
static inline uint64_t fpq_width_mask(const fpq_format *f)
{
    return f->bits >= 64 ? UINT64_MAX : (UINT64_C(1) << f->bits) - 1;
}

/* The sign bit of a signed float or table format (0 when unsigned). */
static inline uint64_t fpq_sign_bit(const fpq_format *f)
{
    return f->is_signed ? UINT64_C(1) << (f->bits - 1) : 0;
}

/* Mask of the exponent and mantissa fields of a float format. */
static inline uint64_t fpq_mag_mask(const fpq_format *f)
{
    unsigned w = f->ebits + f->mbits;
    return w >= 64 ? UINT64_MAX : (UINT64_C(1) << w) - 1;
}

/* Exponent field all ones, mantissa zero. */
static inline uint64_t fpq_exp_all_ones(const fpq_format *f)
{
    return ((UINT64_C(1) << f->ebits) - 1) << f->mbits;
}

/* Magnitude pattern of the largest finite value of a float format. */
static inline uint64_t fpq_max_finite_mag(const fpq_format *f)
{
    switch (f->specials) {
    case FPQ_SPECIALS_IEEE:
        return fpq_exp_all_ones(f) - 1;
    case FPQ_SPECIALS_FN:
        return fpq_mag_mask(f) - 1;
    case FPQ_SPECIALS_EXT: /* signed: all ones is Inf; unsigned: NaN, then Inf */
        return fpq_mag_mask(f) - (f->is_signed ? 1 : 2);
    default:
        return fpq_mag_mask(f);
    }
}

/* Magnitude pattern of Inf of a float format, FPQ_NO_BITS when it has none. */
static inline uint64_t fpq_inf_mag(const fpq_format *f)
{
    switch (f->specials) {
    case FPQ_SPECIALS_IEEE:
        return fpq_exp_all_ones(f);
    case FPQ_SPECIALS_EXT:
        return fpq_max_finite_mag(f) + 1;
    default:
        return FPQ_NO_BITS;
    }
}

/* Exponent of the lowest binade: values of field 0 are multiples of
 * 2^(emin - mbits).  With subnormals field 0 shares the exponent of field 1. */
static inline long fpq_emin(const fpq_format *f)
{
    return f->subnormals ? 1L - f->bias : -(long)f->bias;
}

/* Whether a float pattern's magnitude is a NaN of the format. */
static inline bool fpq_float_is_nan(const fpq_format *f, uint64_t bits)
{
    uint64_t mag = bits & fpq_mag_mask(f);
    switch (f->specials) {
    case FPQ_SPECIALS_IEEE:
        return (mag & fpq_exp_all_ones(f)) == fpq_exp_all_ones(f) && mag != fpq_exp_all_ones(f);
    case FPQ_SPECIALS_FN:
        return mag == fpq_mag_mask(f);
    case FPQ_SPECIALS_FNUZ:
        return bits == fpq_sign_bit(f);
    case FPQ_SPECIALS_EXT:
        return f->is_signed ? bits == fpq_sign_bit(f) : mag == fpq_mag_mask(f);
    default:
        return false;
    }
}

/* The quiet bit of an IEEE-style NaN: the top mantissa bit. */
static inline uint64_t fpq_quiet_bit(const fpq_format *f) { return UINT64_C(1) << (f->mbits - 1); }

/* Whether the format has a negative zero. */
static inline bool fpq_has_neg_zero(const fpq_format *f)
{
    return f->kind == FPQ_KIND_FLOAT && f->is_signed && f->subnormals && f->specials != FPQ_SPECIALS_FNUZ &&
           f->specials != FPQ_SPECIALS_EXT;
}

/* The NaN pattern a float format produces, of the given sign where the format
 * keeps one: IEEE quiet NaN (exponent all ones, top mantissa bit), fn's
 * all-ones magnitude, fnuz's 100...0, ext's one NaN; FPQ_NO_BITS for finite
 * formats.  The one place this convention is decided. */
static inline uint64_t fpq_nan_bits(const fpq_format *f, bool neg)
{
    const uint64_t sign = neg ? fpq_sign_bit(f) : 0;
    switch (f->specials) {
    case FPQ_SPECIALS_IEEE:
        return sign | fpq_exp_all_ones(f) | fpq_quiet_bit(f);
    case FPQ_SPECIALS_FN:
        return sign | fpq_mag_mask(f);
    case FPQ_SPECIALS_FNUZ:
        return fpq_sign_bit(f);
    case FPQ_SPECIALS_EXT:
        return f->is_signed ? fpq_sign_bit(f) : fpq_mag_mask(f);
    default:
        return FPQ_NO_BITS;
    }
}

/* The stochastic draws (fpq_sr_bits): splitmix64's finaliser (Steele, Lea
 * and Flood 2014) of key + (position + 1) * golden, key = mix64(seed +
 * golden).  Here so that the bulk path's draw loop inlines and vectorises
 * it; rounding.c's fpq_sr_bits is the definition of record. */
#define FPQ_SR_GOLDEN UINT64_C(0x9e3779b97f4a7c15)
#define FPQ_SR_MUL1 UINT64_C(0xbf58476d1ce4e5b9)
#define FPQ_SR_MUL2 UINT64_C(0x94d049bb133111eb)
static inline uint64_t fpq_sr_mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * FPQ_SR_MUL1;
    z = (z ^ (z >> 27)) * FPQ_SR_MUL2;
    return z ^ (z >> 31);
}
static inline uint64_t fpq_sr_key(uint64_t seed) { return fpq_sr_mix64(seed + FPQ_SR_GOLDEN); }

#endif
