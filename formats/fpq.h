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

/* sizeof the public struct `name` ("fpq_format", "fpq_rounding",
 * "fpq_landmarks", "fpq_dot_spec") as this library was built; 0 for another
 * name.  A binding compares it and fpq_version() with what it was compiled
 * against, and refuses a library built from a different fpq.h. */
size_t fpq_struct_size(const char *name);

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

/* What the top of the exponent range means (formats are data: registry.c). */
typedef enum fpq_specials {
    FPQ_SPECIALS_IEEE,  /* exponent all ones: Inf (mantissa 0) or NaN */
    FPQ_SPECIALS_FN,    /* no Inf; only the all-ones magnitude is NaN */
    FPQ_SPECIALS_FNUZ,  /* no Inf, no -0; 100...0 is the only NaN */
    FPQ_SPECIALS_FINITE, /* every pattern is a number */
    FPQ_SPECIALS_EXT    /* IEEE P3109's extended domain: one NaN (100...0
                           signed, all ones unsigned), no -0, and the
                           largest other magnitude is Inf (of either sign) */
} fpq_specials;

/* The names the library and the CLI spell: "float", "int", "lut"; "ieee",
 * "fn", "fnuz", "finite" (the suffixes fpq_format_parse reads), "ext"; "?"
 * for a value out of range. */
const char *fpq_kind_name(fpq_kind k);
const char *fpq_specials_name(fpq_specials s);

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
    bool p3109;         /* float: an IEEE P3109 format (binaryKpP[su][ef]):
                           exponent field 1..16 bits, and fpq_encode applies
                           P3109's projection rules (see there) */
} fpq_format;

/* The preset table, in display order, and its length. */
extern const fpq_format fpq_presets[];
extern const size_t fpq_npresets;

/* Names other libraries give formats (ml_dtypes), beside the presets' own
 * aliases: target is the fpq name or spelling of the same values, or NULL
 * for a name refused because no fpq format means the same (note says why;
 * fpq_format_parse gives FPQ_ERR_BAD_FORMAT and fpq_format_spelling_rule
 * the note).  fpq_format_parse reads them after the presets. */
typedef struct fpq_format_alias {
    const char *name, *target, *note;
} fpq_format_alias;
extern const fpq_format_alias fpq_format_aliases[];
extern const size_t fpq_nformat_aliases;

/* Find a format by name: a preset name or alias (case-insensitive), else a
 * spelling eXmY[bBIAS][ieee|fn|fnuz|finite|ext] (default specials: ieee at 8
 * bits or more, finite below), intN / uintN (2 <= N <= 32), or IEEE P3109's
 * binaryKpP followed by s (signed) or u (unsigned) and e (extended domain)
 * or f (finite domain), 2 <= K <= 16, 1 <= P <= K-1 signed, P <= K
 * unsigned: K bits, precision P (P-1 mantissa bits), bias 2^(K-P-1) signed
 * or 2^(K-P) unsigned, subnormals, one zero, one NaN (specials fnuz / fn in
 * the finite domain, ext in the extended one) and p3109 set.  Fills *out.
 * Returns FPQ_OK, FPQ_ERR_UNKNOWN_FORMAT or FPQ_ERR_BAD_FORMAT. */
int fpq_format_parse(fpq_format *out, const char *name);

/* For a name fpq_format_parse refuses with FPQ_ERR_BAD_FORMAT, the rule of
 * the spelling it breaks (a static text); NULL otherwise. */
const char *fpq_format_spelling_rule(const char *name);

/* Up to max preset names for an unknown name: those with a name or alias
 * that starts with it (a family typed short: fp8, float8, int), in table
 * order; if none, the closest by edit distance over names and aliases,
 * closest first.  Returns how many were written to out. */
size_t fpq_format_suggest(const char **out, size_t max, const char *name);

/* Check a format struct's fields for consistency.  FPQ_OK or FPQ_ERR_BAD_FORMAT. */
int fpq_format_validate(const fpq_format *fmt);

/* Bits of precision needed to hold every value of fmt exactly in an mpfr_t:
 * mbits + 1 for floats, bits for integers, 24 for lookup tables. */
mpfr_prec_t fpq_format_precision(const fpq_format *fmt);

/* Number of hex digits of a zero-padded bit pattern: ceil(bits / 4). */
unsigned fpq_format_hex_digits(const fpq_format *fmt);

/* fpq_kind_name of fmt's kind, except "uint" for an unsigned integer format. */
const char *fpq_format_kind_name(const fpq_format *fmt);

/* 32 or 64 when fmt is binary32 or binary64 by its fields (whatever its
 * name), else 0: the formats the host's float and double hold. */
int fpq_format_host_width(const fpq_format *fmt);

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
    uint64_t n_patterns;    /* 2^bits; 0 stands for 2^64 (64-bit formats) */
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
    /* IEEE P3109's stochastic roundings with N random bits R (0 <= R < 2^N,
     * fpq_rounding's sr_n and sr_r): with v in [0, 1) the distance of |x|
     * beyond the magnitude below it, in units of the gap to the next one,
     * the result is the next magnitude (away from zero) when
     *   FPQ_RSRA: floor(v 2^N) + R >= 2^N,
     *   FPQ_RSRB: floor(v 2^(N+1)) + 2R + 1 >= 2^(N+1),
     *   FPQ_RSRC: RNE(v 2^N) + R >= 2^N (RNE: to nearest, ties to even),
     * else the magnitude below.  Exact values stay. */
    FPQ_RSRA,
    FPQ_RSRB,
    FPQ_RSRC,
    FPQ_RND_COUNT_
} fpq_rnd;

/* Short names used by the CLI: "rne", "rna", "rtz", "rup", "rdn", "odd", "sr",
 * "sra", "srb", "src" (the last three spelled "sra:N" etc. with their bit
 * count on the command line: fpq_rounding_parse_mode). */
const char *fpq_rnd_name(fpq_rnd r);
int fpq_rnd_parse(fpq_rnd *out, const char *name);

/* The mode names in fpq_rnd order joined by sep ("rne, rna, ..., sr" for
 * ", "; the P3109 stochastic modes as "sra:N", "srb:N", "src:N").  snprintf
 * contract: returns the length the full text needs; writes at most n bytes,
 * NUL-terminated when n > 0; buf may be NULL when n is 0. */
size_t fpq_rnd_list(char *buf, size_t n, const char *sep);

/* What happens to a value beyond the format's range (IEEE P3109's
 * saturation modes; fpq_encode gives the details). */
typedef enum fpq_overflow {
    FPQ_OVF_FORMAT,    /* P3109 SatNone: the format's own: Inf (IEEE, by
                          rounding direction), NaN (fn, fnuz), largest finite
                          (finite, integers); P3109 formats: P3109's rules */
    FPQ_OVF_SATURATE,  /* P3109 SatFinite: clamp to +-largest finite; +-Inf
                          too (CUDA satfinite) */
    FPQ_OVF_PROPAGATE, /* P3109 SatPropagate: finite values clamp to
                          +-largest finite, +-Inf stays Inf where the format
                          has it (else clamps) */
    FPQ_OVF_WRAP,      /* integer formats: two's complement, modulo 2^N (Inf
                          clamps); other formats as FPQ_OVF_FORMAT */
    FPQ_OVF_COUNT_
} fpq_overflow;

/* "none", "finite", "propagate", "wrap" (P3109's SatNone, SatFinite,
 * SatPropagate, and integer wrap-around); "?" out of range. */
const char *fpq_overflow_name(fpq_overflow o);
/* FPQ_OK and *out set, or FPQ_ERR_ARG for another name. */
int fpq_overflow_parse(fpq_overflow *out, const char *name);

/* How to round.  Fill with fpq_rounding_default(), then change fields. */
typedef struct fpq_rounding {
    fpq_rnd mode;          /* default FPQ_RNE */
    fpq_overflow overflow; /* default FPQ_OVF_FORMAT */
    bool int_symmetric;    /* signed integers: use -(2^(N-1)-1) .. 2^(N-1)-1
                              (not with FPQ_OVF_WRAP) */
    uint64_t seed;         /* FPQ_RSR and FPQ_RSRA..C: the random stream ... */
    uint64_t position;     /* ... and the element's index in it */
    unsigned sr_n;         /* FPQ_RSRA..C: N, the random bits, 1..63;
                              default 8 */
    bool sr_given;         /* FPQ_RSRA..C: R is sr_r (the caller's bits);
                              false: R = fpq_sr_bits(seed, position) >> (64 - N) */
    uint64_t sr_r;         /* the caller's R, below 2^sr_n */
} fpq_rounding;

/* A mode as the CLI spells it into r->mode (and r->sr_n): a name of
 * fpq_rnd_parse, where sra, srb and src take ":N" (1 <= N <= 63) and the
 * others none.  FPQ_OK, or FPQ_ERR_ARG with r unchanged. */
int fpq_rounding_parse_mode(fpq_rounding *r, const char *spec);

void fpq_rounding_default(fpq_rounding *r);
int fpq_rounding_validate(const fpq_rounding *r);

/* The 64 random bits FPQ_RSR uses for (seed, position).  Frozen: with
 * mix(z) the splitmix64 finaliser (z ^= z >> 30; z *= 0xbf58476d1ce4e5b9;
 * z ^= z >> 27; z *= 0x94d049bb133111eb; z ^= z >> 31) and g = 0x9e3779b97f4a7c15,
 * bits = mix(mix(seed + g) + (position + 1) * g), all modulo 2^64;
 * the value at position i rounds away from zero when the discarded
 * fraction f in [0,1) satisfies f * 2^64 > fpq_sr_bits(seed, i). */
uint64_t fpq_sr_bits(uint64_t seed, uint64_t position);

/* A seed as every option and key spells it: decimal or 0x-hex, 0 to
 * 2^64 - 1, nothing else (no sign, space or octal), the len bytes at s.
 * Returns FPQ_OK and sets *out, FPQ_ERR_PARSE (*out unchanged), or
 * FPQ_ERR_ARG for a NULL pointer. */
int fpq_seed_parse(uint64_t *out, const char *s, size_t len);

/* Round to odd, the finisher: x holds an MPFR result rounded toward zero
 * (MPFR_RNDZ) and ternary is MPFR's ternary value for it.  If inexact and
 * x's last bit is 0 (or x is a zero that MPFR's exponent range underflowed
 * to), x steps one ulp away from zero, so x becomes the exact value rounded
 * to odd at x's precision.  NaN and Inf are left alone.  Returns the
 * ternary value of the result (0 exactly when the input ternary was 0). */
int fpq_mpfr_odd(mpfr_ptr x, int ternary);

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
 * first.  Tininess is detected after rounding (as x86 does), except under
 * FPQ_RSR, where |x| < 2^emin counts as tiny (before rounding).
 *
 * Values that cannot be represented: NaN into a format without NaN gives the
 * pattern of +0 (or of the value nearest 0); -0 into a format without -0
 * gives +0; Inf into a format without Inf gives NaN (FPQ_OVF_FORMAT, where
 * the format has one) or the largest finite value; numbers below the range
 * of an integer or unsigned format clamp to its smallest value.  Each of these
 * except -0 raises FPQ_FLAG_INVALID, so the caller can tell.
 *
 * FPQ_OVF_PROPAGATE: an overflow gives the largest finite value (all
 * modes); Inf stays Inf where the format has it, else as FPQ_OVF_SATURATE.
 * FPQ_OVF_WRAP: integers keep the rounded value modulo 2^bits (two's
 * complement; invalid), Inf clamps; other formats as FPQ_OVF_FORMAT.
 *
 * P3109 formats (fmt->p3109) follow the P3109 draft's projection (its
 * formal specification's wRoundToPrecision, wSaturate, wEncode): round as
 * above, then with m the largest finite value, under FPQ_OVF_FORMAT
 * (SatNone) a value beyond +m gives m for FPQ_RTZ and FPQ_RDN, else +Inf
 * (extended domain) or NaN (finite domain), and below -m likewise with
 * FPQ_RTZ and FPQ_RUP giving -m; a negative value of an unsigned format
 * that does not round to 0 gives 0 for FPQ_RTZ and FPQ_RUP, else NaN
 * (invalid); -Inf into an unsigned format is NaN; Inf into the finite
 * domain is NaN.  FPQ_OVF_SATURATE clamps to -m (0 unsigned) .. m, Inf
 * included; FPQ_OVF_PROPAGATE clamps finite values and keeps the
 * infinities the format has.  The one zero is +0; the one NaN is the
 * result for a NaN of either sign.
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
 * Precondition as fpq_encode, and bits within from's width.
 *
 * NaN payloads, the two policies:
 *   payload    fpq_convert: sign and top payload bits kept, quiet bit set,
 *              between formats that have payloads (IEEE-style specials);
 *   canonical  fpq_encode (an MPFR NaN has no payload) and the whole bulk
 *              path (fpq_encode_f32/_f64, fpq_decode_f32/_f64,
 *              fpq_round_f32/_f64): the target's canonical NaN of the
 *              input's sign (fnuz: its one NaN).
 * The other policy from each: fpq_convert of the NaN elements after the
 * bulk path gives payload (what `fpq convert` does by default); fpq_decode
 * then fpq_encode gives canonical (`fpq convert --nan canonical`).  In
 * formats with one NaN per sign (fn, fnuz) the two agree. */
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

/* Read elements i0 .. i0+n-1 of packed patterns of fmt (the layout above)
 * into dst, with the bits above fmt's width cleared, as fpq_decode_f32
 * reads them.  Returns FPQ_OK or FPQ_ERR_ARG. */
int fpq_unpack(uint64_t *dst, const void *src, size_t i0, size_t n, const fpq_format *fmt);

/* Write src[0 .. n-1] (bit patterns of fmt, within its width) as elements i0 .. i0+n-1 of the packed array dst, the inverse
 * of fpq_unpack; the other elements of dst are left as they are.  Returns
 * FPQ_OK or FPQ_ERR_ARG. */
int fpq_pack(void *dst, const uint64_t *src, size_t i0, size_t n, const fpq_format *fmt);

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

/* Boundary inputs for converting binary32 (binary64) into fmt, ascending
 * (totalOrder) without duplicates, then 10 NaNs with several payloads: for
 * formats of at most 20 bits, every exact midpoint between adjacent values
 * that the source can hold and the source's neighbours on both sides of
 * every midpoint and of every value, the overflow threshold and its
 * neighbours, the subnormal boundaries, +-0 and +-Inf; wider formats (fp32,
 * fp64, int32) are sampled per binade, so their set is not complete.
 * Writes at most max; returns the full count (max = 0 sizes the buffer; 0
 * for an invalid format or an allocation failure). */
size_t fpq_boundaries_f32(float *out, size_t max, const fpq_format *fmt);
size_t fpq_boundaries_f64(double *out, size_t max, const fpq_format *fmt);

/* ---------------------------------------------------------------------- */
/* Emulated arithmetic (arith.c, dot.c)                                    */
/*                                                                         */
/* Operands are bit patterns; the exact result is computed with MPFR      */
/* (rounded to odd at FPQ_PARSE_PREC bits or more where it is not exact,   */
/* which changes no rounding) and rounded once by fpq_encode into the      */
/* result format -- or, for +, -, *, /, sqrt and fma in host-exact float   */
/* formats, in binary64 with the same outcome (fpq_arith_reference) --:   */
/* correct rounding in every mode, stochastic included,                    */
/* under either overflow policy, tininess after rounding.  Integer and     */
/* lookup-table formats compute on their values the same way.             */
/*                                                                         */
/* IEEE 754-2019 rules: an exact zero sum (x + -x, fma's a*b + c) is +0,   */
/* -0 under FPQ_RDN, and keeps the sign when both terms have it;           */
/* sqrt(-0) = -0.  Invalid operations (Inf - Inf, 0 * Inf, 0 / 0,          */
/* Inf / Inf, sqrt(x < 0), fma(0, Inf, c) even for a quiet NaN c) give     */
/* fpq_encode(+NaN) -- the format's canonical NaN, or +0 where it has none */
/* -- and raise FPQ_FLAG_INVALID.  x / 0 for finite x != 0 gives           */
/* fpq_encode(+-Inf) -- Inf, or the format's substitute and flags -- and   */
/* raises FPQ_FLAG_INFINITE.  NaN operands: the first NaN (in operand      */
/* order) propagates, with its quiet bit set (x86 SSE, SoftFloat), or      */
/* converted by fpq_convert when the result format differs; a signalling   */
/* NaN (IEEE-style formats, quiet bit clear) raises FPQ_FLAG_INVALID.      */
/* Flags are raised by the operation and by its one rounding; the return   */
/* is that rounding's ternary value (0 for a NaN and for comparisons).     */
/*                                                                         */
/* Precondition, as for fpq_encode: valid formats and rounding, patterns   */
/* within their widths, a known op; otherwise *r = 0, flags =              */
/* FPQ_FLAG_INVALID and the return is 0.  Never changes MPFR's exponent    */
/* range; thread-safe.                                                     */

typedef enum fpq_op {
    FPQ_OP_ADD,       /* a + b */
    FPQ_OP_SUB,       /* a - b */
    FPQ_OP_MUL,       /* a * b */
    FPQ_OP_DIV,       /* a / b */
    FPQ_OP_FMA,       /* a * b + c, one rounding */
    FPQ_OP_SQRT,      /* sqrt(a) */
    FPQ_OP_NEG,       /* -a: a sign flip (no flags, NaN payload kept) in signed
                         float formats; fnuz's 0 and NaN are unchanged; other
                         formats round -a like fpq_encode (int8: -(-128) = 127
                         and invalid) */
    FPQ_OP_ABS,       /* |a|, likewise */
    FPQ_OP_MIN,       /* IEEE 754-2019 minimum: NaN if either is NaN, -0 < +0 */
    FPQ_OP_MAX,       /* maximum */
    FPQ_OP_MIN_NUM,   /* minimumNumber: a NaN operand loses to a number */
    FPQ_OP_MAX_NUM,   /* maximumNumber */
    FPQ_OP_EQ,        /* comparisons: the result is 1 or 0; eq and unordered */
    FPQ_OP_LT,        /* are quiet (invalid only for a signalling NaN), lt and */
    FPQ_OP_LE,        /* le signal invalid on any NaN (SoftFloat's f32_eq, */
    FPQ_OP_UNORDERED, /* f32_lt, f32_le); -0 == +0 */
    FPQ_OP_COUNT_
} fpq_op;

/* "add", "sub", "mul", "div", "fma", "sqrt", "neg", "abs", "min", "max",
 * "minnum", "maxnum", "eq", "lt", "le", "unordered". */
const char *fpq_op_name(fpq_op op);
int fpq_op_parse(fpq_op *out, const char *name); /* FPQ_OK or FPQ_ERR_ARG */
unsigned fpq_op_arity(fpq_op op);                /* 1, 2 or 3; 0 if unknown */

/* *r = op(x[0], x[1], x[2]) rounded once into `to`; operand i is a pattern
 * of from[i] (only the first fpq_op_arity(op) are read), so mixed-format
 * operations round once too: fma of fp16 a, b and fp32 c into fp32.  min,
 * max and neg/abs of signed floats return an operand's own pattern when
 * `to` is its format.  For comparisons `to` is ignored (may be NULL) and
 * *r is 1 or 0.  flags may be NULL; rnd NULL means the defaults. */
int fpq_arith_mixed(uint64_t *r, unsigned *flags, const fpq_format *to, fpq_op op,
                    const fpq_format *const from[], const uint64_t *x,
                    const fpq_rounding *rnd);

/* fpq_arith_mixed computed on MPFR only: the reference that the fast path
 * (+, -, *, /, sqrt and fma in host-exact float formats, computed in
 * binary64 and rounded once; arith.c and fast-arith-impl.h) is tested
 * against.  Same results, flags and return value, slower. */
int fpq_arith_reference(uint64_t *r, unsigned *flags, const fpq_format *to, fpq_op op,
                        const fpq_format *const from[], const uint64_t *x, const fpq_rounding *rnd);

/* fpq_arith_mixed with every operand in `from`. */
int fpq_arith(uint64_t *r, unsigned *flags, const fpq_format *to, fpq_op op,
              const fpq_format *from, const uint64_t *x, const fpq_rounding *rnd);

/* Bulk arithmetic (fast-arith.c): element i of the packed arrays a, b, c
 * (patterns of from, in fpq_packed_size's layout; only the first
 * fpq_op_arity(op) are read, the others may be NULL) gives element i of r
 * (patterns of to, same layout; comparisons store 1 or 0) as fpq_arith
 * gives it, for i < n.  flags: NULL, or n bytes, flags[i] the FPQ_FLAG_*
 * of element i.  Stochastic rounding: element i at position
 * rnd->position + i.  r may be one of the inputs (in place); no other
 * overlap.  Runs on OpenMP threads over fixed chunks; the results do not
 * depend on their number.  Returns FPQ_OK or FPQ_ERR_ARG. */
int fpq_arith_codes(void *r, uint8_t *flags, const fpq_format *to, fpq_op op, const fpq_format *from,
                    const void *a, const void *b, const void *c, size_t n, const fpq_rounding *rnd);

/* The operations within one format f, in SoftFloat's grammar. */
int fpq_add(uint64_t *r, unsigned *flags, const fpq_format *f, uint64_t a, uint64_t b, const fpq_rounding *rnd);
int fpq_sub(uint64_t *r, unsigned *flags, const fpq_format *f, uint64_t a, uint64_t b, const fpq_rounding *rnd);
int fpq_mul(uint64_t *r, unsigned *flags, const fpq_format *f, uint64_t a, uint64_t b, const fpq_rounding *rnd);
int fpq_div(uint64_t *r, unsigned *flags, const fpq_format *f, uint64_t a, uint64_t b, const fpq_rounding *rnd);
int fpq_fma(uint64_t *r, unsigned *flags, const fpq_format *f, uint64_t a, uint64_t b, uint64_t c,
            const fpq_rounding *rnd);
int fpq_sqrt(uint64_t *r, unsigned *flags, const fpq_format *f, uint64_t a, const fpq_rounding *rnd);
int fpq_neg(uint64_t *r, unsigned *flags, const fpq_format *f, uint64_t a, const fpq_rounding *rnd);
int fpq_abs(uint64_t *r, unsigned *flags, const fpq_format *f, uint64_t a, const fpq_rounding *rnd);
int fpq_minimum(uint64_t *r, unsigned *flags, const fpq_format *f, uint64_t a, uint64_t b, const fpq_rounding *rnd);
int fpq_maximum(uint64_t *r, unsigned *flags, const fpq_format *f, uint64_t a, uint64_t b, const fpq_rounding *rnd);
int fpq_minimum_number(uint64_t *r, unsigned *flags, const fpq_format *f, uint64_t a, uint64_t b,
                       const fpq_rounding *rnd);
int fpq_maximum_number(uint64_t *r, unsigned *flags, const fpq_format *f, uint64_t a, uint64_t b,
                       const fpq_rounding *rnd);
bool fpq_eq(unsigned *flags, const fpq_format *f, uint64_t a, uint64_t b);
bool fpq_lt(unsigned *flags, const fpq_format *f, uint64_t a, uint64_t b);
bool fpq_le(unsigned *flags, const fpq_format *f, uint64_t a, uint64_t b);
bool fpq_unordered(unsigned *flags, const fpq_format *f, uint64_t a, uint64_t b);

/* Dot products and small matrix products as accelerators compute them.
 * The terms are the products x[i] * y[i], exact, or each rounded into
 * `prod`.  They are summed in the accumulator format `acc` (every addition
 * rounded once), or exactly when acc is NULL, in one of these orders:
 *   FPQ_DOT_SEQ       s = +0; s = acc(s + t[i]) for i = 0 .. n-1 (an FMA
 *                     chain from zero when the products are exact);
 *   FPQ_DOT_PAIRWISE  a tree: a range of m >= 2 terms is acc(left + right),
 *                     left the first h terms, h the largest power of two
 *                     below m, and a range of one term is the term itself
 *                     (a lone term is rounded into acc); n = 0 gives +0;
 *   FPQ_DOT_BLOCK     blocks of `block` consecutive terms each summed as
 *                     FPQ_DOT_SEQ, then the block sums summed as
 *                     FPQ_DOT_SEQ in `block_acc` (fp32 by default; NULL:
 *                     exactly).
 * The sum is then rounded into `out` (NULL: acc's format) with rnd_out.
 * NaNs and infinities follow MPFR's (IEEE) rules; an invalid step yields
 * the canonical NaN and raises invalid.  Each rounding of a dot product
 * with stochastic rounding takes the next position after rnd.position
 * (products, then sums, in evaluation order). */
typedef enum fpq_dot_order { FPQ_DOT_SEQ, FPQ_DOT_PAIRWISE, FPQ_DOT_BLOCK } fpq_dot_order;

/* An accumulation model (accmodel.c): how a matrix unit sums products
 * without rounding every addition (fpq_dot_spec.model).  The products
 * (exact, or rounded into spec.prod) are taken `block` at a time; the
 * products of a block and the running sum S (the accumulator C of the
 * first block) are aligned to E, the largest of their exponents -- the
 * exponent of an exact product x*y is ex + ey, the exponents of its inputs
 * (floor(log2|v|), at least the input format's minimum normal exponent),
 * so its significand lies in [1, 4); the exponent of a rounded product or
 * of S is its own --; each addend keeps the bits of weight at least
 * 2^(E - (p - 1) - extra), p the precision of `acc`, the rest truncated
 * (align_round FPQ_RTZ) or rounded to nearest even (FPQ_RNE); the kept
 * addends are summed exactly (unbounded carry bits); the block's sum is
 * normalised and rounded into `acc` with norm_round (norm_end false), or
 * carried exactly into the next block (norm_end true: rounded into acc
 * only at a promotion and at the end).  promote > 0: after every promote
 * products the partial sum (in acc) is added into a second accumulator in
 * promote_acc, rounded with promote_round, and the first one restarts
 * from zero (C starts the second accumulator then).  The final sum is
 * rounded into spec.out (NULL: promote_acc when promote > 0, else acc)
 * with spec.rnd_out.  A NaN or infinite
 * addend makes its block the IEEE sum of the block's addends (rounded into
 * acc).  Not modelled: limited carry bits, sticky bits, flushing of
 * subnormals, lower limits on E. */
typedef struct fpq_acc_model {
    size_t block;          /* products per fused block, >= 1; default 4 */
    bool align_exact;      /* true: no addend loses bits (extra ignored) */
    int extra;             /* F: extra alignment bits, may be negative;
                              default 0 */
    fpq_rnd align_round;   /* FPQ_RTZ (default) or FPQ_RNE */
    fpq_format acc;        /* the accumulator: a float format; default fp32 */
    fpq_rnd norm_round;    /* FPQ_RTZ (default) or FPQ_RNE */
    bool norm_end;         /* default false: normalise after each block */
    size_t promote;        /* 0 (default): none; else a multiple of block */
    fpq_format promote_acc; /* default fp32 */
    fpq_rnd promote_round; /* FPQ_RTZ or FPQ_RNE (default) */
} fpq_acc_model;

/* The defaults above. */
void fpq_acc_model_default(fpq_acc_model *m);
/* FPQ_OK, or FPQ_ERR_ARG with a sentence in why (may be NULL; len bytes). */
int fpq_acc_model_validate(const fpq_acc_model *m, char *why, size_t len);

/* The named models (presets), in table order: name, the input format the
 * source measured it for, the model as fpq_acc_model_parse items, and the
 * source (a citation). */
typedef struct fpq_acc_preset {
    const char *name, *input, *model, *source;
} fpq_acc_preset;
extern const fpq_acc_preset fpq_acc_presets[];
extern const size_t fpq_acc_npresets;

/* Read an accumulation model: a preset name, or key=value items separated
 * by commas, or a preset followed by items that change it:
 *   block=K  extra=F|exact  align=rtz|rne  acc=FMT  norm=block|end
 *   round=rtz|rne  promote=N|none  promote-acc=FMT  promote-round=rtz|rne
 * Items start from fpq_acc_model_default.  FPQ_OK, or FPQ_ERR_ARG with a
 * sentence naming the item in why (may be NULL; len bytes). */
int fpq_acc_model_parse(fpq_acc_model *m, const char *text, char *why, size_t len);

typedef struct fpq_dot_spec {
    const fpq_format *in;        /* x (GEMM: A); default fp16 */
    const fpq_format *in_b;      /* y (GEMM: B); NULL: same as in (default) */
    const fpq_format *prod;      /* NULL: exact products (default) */
    const fpq_format *acc;       /* NULL: exact sum; default fp32 */
    const fpq_format *out;       /* NULL: same as acc (default); required
                                    when acc is NULL */
    fpq_dot_order order;         /* default FPQ_DOT_SEQ */
    size_t block;                /* FPQ_DOT_BLOCK: terms per block, >= 1;
                                    default 32 */
    const fpq_format *block_acc; /* FPQ_DOT_BLOCK: default fp32 */
    fpq_rounding rnd_in;         /* the _f64 entry points: doubles into in */
    fpq_rounding rnd;            /* products and sums */
    fpq_rounding rnd_out;        /* the one rounding into out */
    const fpq_acc_model *model;  /* NULL (default): the orders above; else
                                    the accumulation model (order, block,
                                    acc and block_acc ignored; out NULL
                                    means model->promote_acc when it
                                    promotes, else model->acc) */
} fpq_dot_spec;

/* Fill every field with the defaults above (all roundings the defaults of
 * fpq_rounding_default). */
void fpq_dot_spec_default(fpq_dot_spec *s);
/* FPQ_OK, or FPQ_ERR_ARG (a NULL or invalid format, block 0, a bad
 * rounding or order, acc and out both NULL). */
int fpq_dot_spec_validate(const fpq_dot_spec *s);
/* The format of the result of s: out, else the model's (see model), else
 * acc. */
const fpq_format *fpq_dot_out_format(const fpq_dot_spec *s);

/* The emulated dot product of n patterns x (in) and y (in_b) into *out (a
 * pattern of the output format).  *flags (may be NULL): OR of the flags of
 * every step.  exact (may be NULL): its precision is set so that it holds
 * the exact dot product of the same inputs (the fused result, no rounding
 * anywhere).  Returns FPQ_OK, FPQ_ERR_ARG, FPQ_ERR_BITS_WIDE or
 * FPQ_ERR_NO_MEMORY. */
int fpq_dot(uint64_t *out, unsigned *flags, mpfr_ptr exact, const uint64_t *x, const uint64_t *y,
            size_t n, const fpq_dot_spec *s);

/* D = C + x.y as a matrix unit computes it: fpq_dot with the accumulator
 * starting from c, a pattern of the output format, which the model aligns
 * with the first block's products (after a promotion: the second
 * accumulator's start).  Requires s->model; else FPQ_ERR_ARG. */
int fpq_dot_c(uint64_t *out, unsigned *flags, const uint64_t *x, const uint64_t *y, size_t n, uint64_t c,
              const fpq_dot_spec *s);

/* fpq_dot on doubles, first encoded into in (x[i]: position
 * rnd_in.position + i) and in_b (y[i]: position rnd_in.position + n + i). */
int fpq_dot_f64(uint64_t *out, unsigned *flags, mpfr_ptr exact, const double *x, const double *y,
                size_t n, const fpq_dot_spec *s);

/* C = A B: A rows x k, B k x cols, C rows x cols, all row-major; C[i][j] is
 * fpq_dot of row i of A and column j of B, its stochastic positions
 * starting at rnd.position + (i * cols + j) * (3 * k + 2), its output
 * rounding at rnd_out.position + i * cols + j.  c_exact (may be NULL): the
 * exact products rounded to nearest binary64.  flags: OR over all of C.
 * Runs on OpenMP threads; the result does not depend on their number. */
int fpq_gemm(uint64_t *c, double *c_exact, unsigned *flags, const uint64_t *a, const uint64_t *b,
             size_t rows, size_t k, size_t cols, const fpq_dot_spec *s);

/* fpq_gemm computed on MPFR only: the reference that fpq_gemm's fast path
 * (fast-dot.c: host-exact product, accumulator and output formats, inputs
 * of at most 24 bits within binary32's range, deterministic rounding, no
 * exact sum and c_exact NULL) is tested against.  Same results and flags. */
int fpq_gemm_reference(uint64_t *c, double *c_exact, unsigned *flags, const uint64_t *a, const uint64_t *b,
                       size_t rows, size_t k, size_t cols, const fpq_dot_spec *s);

/* fpq_gemm on doubles: A[i][t] encoded at position rnd_in.position + i * k
 * + t, B[t][j] at rnd_in.position + rows * k + t * cols + j; C the output
 * patterns decoded to binary64 (exact for every preset but fp64's NaN
 * payloads). */
int fpq_gemm_f64(double *c, double *c_exact, unsigned *flags, const double *a, const double *b,
                 size_t rows, size_t k, size_t cols, const fpq_dot_spec *s);

#ifdef __cplusplus
}
#endif
#endif /* FPQ_H */
