/* fpq.h: the public interface of libfpq, a bit-exact emulator of numeric
 * formats from FP64 down to 4-bit floats and integers, defined on GNU MPFR.
 *
 * Contracts that hold throughout:
 * - A format is a value of fpq_format; presets and parsed names are the same
 *   struct, and nothing in the library special-cases a format by name.
 * - Encoded values travel as uint64_t bit patterns beside their format.  The
 *   pattern occupies the low fmt->bits bits; higher bits must be zero.
 * - Every rounding function returns MPFR's ternary value: negative, zero or
 *   positive when the result is below, equal to or above the exact input
 *   (zero for a NaN result).  Flags come back through an out-parameter.
 * - The library never prints, exits, or keeps hidden state, and never
 *   changes MPFR's exponent range.  It is thread-safe for distinct outputs.
 *
 * Not supported: formats wider than 64 bits; float formats with more than
 * 52 mantissa bits or more than 11 exponent bits; formats whose bit patterns
 * are not ordered as sign | exponent | mantissa; decimal floating point.
 */
#ifndef FPQ_H
#define FPQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <mpfr.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FPQ_VERSION_MAJOR 0
#define FPQ_VERSION_MINOR 1
#define FPQ_VERSION_PATCH 0
#define FPQ_VERSION_STRING "0.1.0"

/* The version of the library linked at run time, "MAJOR.MINOR.PATCH". */
const char *fpq_version(void);

/* ---------------------------------------------------------------------- */
/* Status codes.  Every function that can fail returns one; 0 is success.  */

typedef enum fpq_status {
    FPQ_OK = 0,
    FPQ_ERR_ARG,            /* a NULL pointer or an out-of-range argument */
    FPQ_ERR_UNKNOWN_FORMAT, /* a name that is no preset and no eXmY/intN spelling */
    FPQ_ERR_BAD_FORMAT,     /* a spelling or struct whose fields are out of range */
    FPQ_ERR_PARSE,          /* text that is not a number, or has trailing characters */
    FPQ_ERR_BITS_WIDE,      /* a bit pattern with bits set above the format's width */
    FPQ_ERR_NOT_FLOAT,      /* an operation defined only for float formats */
    FPQ_ERR_NO_MEMORY,
    FPQ_ERR_COUNT_          /* number of codes; not a code */
} fpq_status;

/* A static English sentence fragment for a status code ("unknown format"). */
const char *fpq_strerror(int status);

/* ---------------------------------------------------------------------- */
/* Formats.                                                                */

typedef enum fpq_kind {
    FPQ_KIND_FLOAT, /* sign | exponent | mantissa, binary floating point */
    FPQ_KIND_INT,   /* two's complement (signed) or plain binary (unsigned) */
    FPQ_KIND_LUT    /* code k means lut[k]; lut ascending, 2^bits entries */
} fpq_kind;

/* What the top of the exponent range means (DESIGN.md, "Formats are data"). */
typedef enum fpq_specials {
    FPQ_SPECIALS_IEEE,  /* exponent all ones: Inf (mantissa 0) or NaN */
    FPQ_SPECIALS_FN,    /* no Inf; only the all-ones magnitude is NaN */
    FPQ_SPECIALS_FNUZ,  /* no Inf, no -0; 100...0 is the only NaN */
    FPQ_SPECIALS_FINITE /* every pattern is a number */
} fpq_specials;

/* NVIDIA tensor-core generations that compute in a format natively. */
enum {
    FPQ_HW_VOLTA = 1u << 0,
    FPQ_HW_TURING = 1u << 1,
    FPQ_HW_AMPERE = 1u << 2,
    FPQ_HW_HOPPER = 1u << 3,
    FPQ_HW_BLACKWELL = 1u << 4
};

#define FPQ_NAME_MAX 32
#define FPQ_ALIASES_MAX 6

typedef struct fpq_format {
    char name[FPQ_NAME_MAX];      /* canonical name, e.g. "fp8_e4m3" */
    const char *aliases[FPQ_ALIASES_MAX]; /* NULL-terminated early if fewer */
    fpq_kind kind;
    unsigned bits;      /* width of a bit pattern (tf32: 19) */
    bool is_signed;     /* has a sign bit (float, lut) / two's complement (int) */
    unsigned ebits;     /* float: exponent field width, 1..11 */
    unsigned mbits;     /* float: mantissa field width, 0..52 */
    int bias;           /* float: value of an exponent field e is 2^(e - bias) */
    fpq_specials specials;
    bool subnormals;    /* float: exponent field 0 is subnormal (and holds zero);
                           false: field 0 is an ordinary binade and the format
                           has no zero, as in E8M0 */
    const char *const *lut; /* kind LUT: 2^bits decimal strings, ascending,
                               each exactly a binary32 value */
    unsigned hw;        /* FPQ_HW_* mask */
    const char *note;   /* one line: where the format comes from, or NULL */
} fpq_format;

/* The preset table, in display order, and its length. */
extern const fpq_format fpq_presets[];
extern const size_t fpq_npresets;

/* Find a format by name: a preset name or alias (case-insensitive), else a
 * spelling eXmY[bBIAS][ieee|fn|fnuz|finite] (default specials: ieee at 8 bits
 * or more, finite below) or intN / uintN (2 <= N <= 32).  Fills *out.
 * Returns FPQ_OK, FPQ_ERR_UNKNOWN_FORMAT or FPQ_ERR_BAD_FORMAT. */
int fpq_format_parse(fpq_format *out, const char *name);

/* Up to max preset names closest to an unknown name (edit distance over names
 * and aliases, closest first).  Returns how many were written to out. */
size_t fpq_format_suggest(const char **out, size_t max, const char *name);

/* Check a format struct's fields for consistency.  FPQ_OK or FPQ_ERR_BAD_FORMAT. */
int fpq_format_validate(const fpq_format *fmt);

/* Bits of precision needed to hold every value of fmt exactly in an mpfr_t:
 * mbits + 1 for floats, bits for integers, 24 for lookup tables. */
mpfr_prec_t fpq_format_precision(const fpq_format *fmt);

/* Number of hex digits of a zero-padded bit pattern: ceil(bits / 4). */
unsigned fpq_format_hex_digits(const fpq_format *fmt);

/* Landmarks of a format as bit patterns.  Patterns that do not exist are
 * FPQ_NO_BITS.  Positive patterns; the negative ones follow from the sign. */
#define FPQ_NO_BITS UINT64_MAX
typedef struct fpq_landmarks {
    uint64_t max_finite;    /* largest finite value */
    uint64_t min_normal;    /* smallest positive normal (floats) */
    uint64_t min_subnormal; /* smallest positive subnormal, if any */
    uint64_t min_positive;  /* smallest positive value of any kind */
    uint64_t lowest;        /* most negative finite value */
    uint64_t one;           /* the value 1, if representable */
    uint64_t zero;          /* +0, if the format has a zero */
    uint64_t neg_zero;      /* -0, if the format has one */
    uint64_t inf;           /* +Inf, if any */
    uint64_t nan;           /* canonical (quiet, positive where possible) NaN */
    uint64_t n_patterns;    /* 2^bits */
    uint64_t n_finite;      /* patterns that are numbers (both zeros counted) */
    uint64_t n_nan;         /* patterns that are NaN */
    uint64_t n_inf;         /* patterns that are infinite */
} fpq_landmarks;
int fpq_landmarks_get(fpq_landmarks *out, const fpq_format *fmt);

/* Machine epsilon of a float format, 2^-mbits, exactly in rop; for integer
 * formats 1.  Returns MPFR's ternary (0 when rop has at least 1 bit). */
int fpq_epsilon(mpfr_ptr rop, const fpq_format *fmt);

/* ---------------------------------------------------------------------- */
/* Decoding: bit pattern to exact value.                                   */

typedef enum fpq_class {
    FPQ_CLASS_ZERO,
    FPQ_CLASS_SUBNORMAL,
    FPQ_CLASS_NORMAL,   /* every nonzero integer and table value is "normal" */
    FPQ_CLASS_INF,
    FPQ_CLASS_NAN
} fpq_class;

const char *fpq_class_name(fpq_class c); /* "zero", "subnormal", ... */

/* Classify a bit pattern without decoding it.  Bits above the width are an
 * error (FPQ_ERR_BITS_WIDE); *cls is set on FPQ_OK. */
int fpq_classify(fpq_class *cls, const fpq_format *fmt, uint64_t bits);

/* Decode bits to its value in rop (NaN, +-Inf, +-0 included).  Exact when
 * mpfr_get_prec(rop) >= fpq_format_precision(fmt); otherwise rounded to
 * nearest-even.  *ternary (may be NULL) receives MPFR's ternary value, 0 when
 * exact.  cls may be NULL.  Returns FPQ_OK or FPQ_ERR_BITS_WIDE. */
int fpq_decode(mpfr_ptr rop, fpq_class *cls, int *ternary,
               const fpq_format *fmt, uint64_t bits);

/* ---------------------------------------------------------------------- */
/* Encoding: any real to a bit pattern with exactly one rounding.          */

typedef enum fpq_rnd {
    FPQ_RNE, /* to nearest, ties to the even bit pattern (default) */
    FPQ_RNA, /* to nearest, ties away from zero */
    FPQ_RTZ, /* toward zero */
    FPQ_RUP, /* toward +Inf */
    FPQ_RDN, /* toward -Inf */
    FPQ_RTO, /* to odd: if inexact, the neighbour whose last bit is 1 */
    FPQ_RSR, /* stochastic: away from zero with probability = distance / gap */
    FPQ_RND_COUNT_
} fpq_rnd;

/* Short names used by the CLI: "rne", "rna", "rtz", "rup", "rdn", "odd", "sr". */
const char *fpq_rnd_name(fpq_rnd r);
int fpq_rnd_parse(fpq_rnd *out, const char *name);

typedef enum fpq_overflow {
    FPQ_OVF_FORMAT,  /* the format's own: Inf (IEEE, by rounding direction),
                        NaN (fn, fnuz), largest finite (finite, integers) */
    FPQ_OVF_SATURATE /* clamp to +-largest finite; +-Inf too (CUDA satfinite) */
} fpq_overflow;

/* How to round.  Fill with fpq_rounding_default(), then change fields. */
typedef struct fpq_rounding {
    fpq_rnd mode;          /* default FPQ_RNE */
    fpq_overflow overflow; /* default FPQ_OVF_FORMAT */
    bool int_symmetric;    /* signed integers: use -(2^(N-1)-1) .. 2^(N-1)-1 */
    uint64_t seed;         /* FPQ_RSR: the random stream ... */
    uint64_t position;     /* ... and the element's index in it */
} fpq_rounding;

void fpq_rounding_default(fpq_rounding *r);
int fpq_rounding_validate(const fpq_rounding *r);

/* The 64 random bits FPQ_RSR uses for (seed, position).  Frozen: a pure
 * function of its arguments (splitmix64 finaliser over a Weyl sequence);
 * the value at position i rounds away from zero when the discarded
 * fraction f in [0,1) satisfies f * 2^64 > fpq_sr_bits(seed, i). */
uint64_t fpq_sr_bits(uint64_t seed, uint64_t position);

/* Exception flags, with Berkeley SoftFloat's bit values. */
enum {
    FPQ_FLAG_INEXACT = 1,
    FPQ_FLAG_UNDERFLOW = 2, /* tiny after rounding, and inexact */
    FPQ_FLAG_OVERFLOW = 4,  /* rounded magnitude above the largest finite */
    FPQ_FLAG_INFINITE = 8,  /* divide by zero (arithmetic only) */
    FPQ_FLAG_INVALID = 16   /* NaN into a format without NaN, Inf into a format
                               without Inf, negative into unsigned, integer
                               out of range (SoftFloat's convention) */
};

/* Encode x into fmt with exactly one rounding.  *bits receives the pattern;
 * *flags (may be NULL) is overwritten with the FPQ_FLAG_* raised.  Returns
 * the ternary value.  rnd may be NULL for the defaults.
 *
 * Rounding is defined as: round |x| to the format's grid extended without
 * bound above the largest binade (ties and parity judged on the bit
 * pattern's last bit, so for 0 mantissa bits on the exponent's), then apply
 * the overflow policy if the rounded magnitude exceeds the largest finite
 * value.  Under FPQ_OVF_FORMAT an overflow gives the largest finite value
 * for the modes that round toward zero for x's sign (and for FPQ_RTO), and
 * otherwise Inf, NaN or the largest finite value, whichever the format has
 * first.  Tininess is detected after rounding (as x86 does).
 *
 * Values that cannot be represented: NaN into a format without NaN gives the
 * pattern of +0 (or of the value nearest 0); -0 into a format without -0
 * gives +0; Inf into a format without Inf gives NaN (FPQ_OVF_FORMAT, where
 * the format has one) or the largest finite value; numbers below the range
 * of an integer or unsigned format clamp to its smallest value.  Each of these
 * except -0 raises FPQ_FLAG_INVALID, so the caller can tell.
 *
 * Precondition: fmt passes fpq_format_validate (every preset and every
 * fpq_format_parse result does) and rnd passes fpq_rounding_validate;
 * otherwise *bits = 0, *flags = FPQ_FLAG_INVALID and the return is 0. */
int fpq_encode(uint64_t *bits, unsigned *flags, const fpq_format *fmt,
               mpfr_srcptr x, const fpq_rounding *rnd);

/* Convert a bit pattern of one format into another with one rounding, as
 * fpq_encode of its exact value.  A NaN keeps its sign and the top payload
 * bits, with the quiet bit set, between IEEE-style formats (x86 F16C and
 * Berkeley SoftFloat); otherwise it maps to the target's NaN, or as
 * fpq_encode says for formats without NaN.  Returns the ternary value.
 * Precondition as fpq_encode, and bits within from's width. */
int fpq_convert(uint64_t *out, unsigned *flags, const fpq_format *to,
                const fpq_format *from, uint64_t bits,
                const fpq_rounding *rnd);

/* ---------------------------------------------------------------------- */
/* Text.                                                                   */

/* Precision at which fpq_parse_value holds a number: the text is rounded to
 * odd at this many bits, which rounds to every format (precision <= 64)
 * exactly as the decimal itself would, in every mode including stochastic
 * (Boldo and Melquiond's round-to-odd property; needs >= p + 66 bits). */
#define FPQ_PARSE_PREC 256

/* Parse a decimal or hex-float number ("0.1", "-1e-3", "0x1.8p-3", "inf",
 * "-nan"), surrounding spaces allowed, nothing else.  rop's precision is set
 * to FPQ_PARSE_PREC.  Returns FPQ_OK or FPQ_ERR_PARSE; *exact (may be NULL)
 * tells whether the text's value was held without rounding. */
int fpq_parse_value(mpfr_ptr rop, bool *exact, const char *text);

/* Parse a bit pattern in hex, "0x3c00" or "3c00" (case-insensitive).
 * FPQ_ERR_PARSE for anything else, FPQ_ERR_BITS_WIDE when it does not fit. */
int fpq_parse_bits(uint64_t *bits, const fpq_format *fmt, const char *text);

/* Write x's exact decimal value ("0.1000000000000000055511151231257827021181583404541015625",
 * "448", "-0", "inf", "nan"); large and tiny magnitudes in exact scientific
 * form ("4.9406564584124654...e-324", every digit).  snprintf contract:
 * returns the length the full text needs; writes at most n bytes. */
size_t fpq_snprint_exact(char *buf, size_t n, mpfr_srcptr x);

/* Write x as a normalised hex-float, shortest exact ("0x1.cp+8", "-0x0p+0",
 * "inf", "nan").  snprintf contract as above. */
size_t fpq_snprint_hex(char *buf, size_t n, mpfr_srcptr x);

/* Write bits as "0x" and fpq_format_hex_digits(fmt) lowercase hex digits.
 * buf must hold at least 19 bytes. */
void fpq_sprint_bits(char *buf, const fpq_format *fmt, uint64_t bits);

/* ---------------------------------------------------------------------- */
/* Fast bulk path (fast.c): the same results as fpq_encode/fpq_decode, bit  */
/* for bit, at memory speed.  Arrays are split across OpenMP threads; the   */
/* result never depends on the thread count.  Element i of a call uses the  */
/* stochastic-rounding position rnd->position + i, so a slice gives the     */
/* same values as the whole array.  All return FPQ_OK or FPQ_ERR_ARG.       */

/* Bytes needed for n packed bit patterns: widths 1..4 two per byte (element
 * 2i in the low nibble, 2i+1 in the high nibble; a last odd element leaves
 * the high nibble 0), 5..8 one byte, 9..16 a uint16_t, 17..32 a uint32_t,
 * 33..64 a uint64_t, in host byte order. */
size_t fpq_packed_size(const fpq_format *fmt, size_t n);

/* Encode n values into packed patterns of fmt.  dst must not overlap src. */
int fpq_encode_f32(void *dst, const float *src, size_t n, const fpq_format *fmt, const fpq_rounding *rnd);
int fpq_encode_f64(void *dst, const double *src, size_t n, const fpq_format *fmt, const fpq_rounding *rnd);

/* Decode n packed patterns.  Values that binary32 (binary64) cannot hold are
 * rounded to nearest-even; every NaN becomes the quiet NaN of its sign
 * (0x7fc00000 / 0xffc00000; fnuz's NaN is positive).  No overlap. */
int fpq_decode_f32(float *dst, const void *src, size_t n, const fpq_format *fmt);
int fpq_decode_f64(double *dst, const void *src, size_t n, const fpq_format *fmt);

/* Round to format: dst[i] = decode(encode(src[i])), the quantize-dequantize
 * that error studies use most.  dst may equal src (in place). */
int fpq_round_f32(float *dst, const float *src, size_t n, const fpq_format *fmt, const fpq_rounding *rnd);
int fpq_round_f64(double *dst, const double *src, size_t n, const fpq_format *fmt, const fpq_rounding *rnd);

/* Boundary-complete inputs for converting binary32 (binary64) into fmt, in
 * ascending order without duplicates: every exact midpoint between adjacent
 * values of fmt that the source can hold and the source's neighbours on both
 * sides of every midpoint and of every value, the overflow threshold and its
 * neighbours, the subnormal boundaries, +-0, +-Inf and NaNs with several
 * payloads, for both signs.  Writes at most max; returns the full count
 * (call with max = 0 to size the buffer). */
size_t fpq_boundaries_f32(float *out, size_t max, const fpq_format *fmt);
size_t fpq_boundaries_f64(double *out, size_t max, const fpq_format *fmt);

#ifdef __cplusplus
}
#endif
#endif /* FPQ_H */
