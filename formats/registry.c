/* registry.c: the preset table, the names of statuses, classes, kinds and
 * specials, name parsing, validation and the constants derived from a
 * format's fields.  Every per-format question elsewhere is answered from
 * these fields (landmarks.c: the landmark patterns). */
#include "fpq-impl.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *fpq_version(void) { return FPQ_VERSION_STRING; }

/* The 16 NormalFloat-4 levels of QLoRA (Dettmers et al. 2023), as published:
 * each decimal is the shortest round-trip text of a binary32 value. */
static const char *const nf4_levels[16] = {
    "-1.0", "-0.6961928009986877", "-0.5250730514526367",
    "-0.39491748809814453", "-0.28444138169288635", "-0.18477343022823334",
    "-0.09105003625154495", "0.0", "0.07958029955625534",
    "0.16093020141124725", "0.24611230194568634", "0.33791524171829224",
    "0.44070982933044434", "0.5626170039176941", "0.7229568362236023", "1.0",
};

#define HW_SINCE_VOLTA (FPQ_HW_VOLTA | FPQ_HW_TURING | FPQ_HW_AMPERE | FPQ_HW_HOPPER | FPQ_HW_BLACKWELL)
#define HW_SINCE_TURING (FPQ_HW_TURING | FPQ_HW_AMPERE | FPQ_HW_HOPPER | FPQ_HW_BLACKWELL)
#define HW_SINCE_AMPERE (FPQ_HW_AMPERE | FPQ_HW_HOPPER | FPQ_HW_BLACKWELL)
#define HW_SINCE_HOPPER (FPQ_HW_HOPPER | FPQ_HW_BLACKWELL)

#define FLOAT(nm, b, sg, e, m, bi, sp, sub) \
    .name = nm, .kind = FPQ_KIND_FLOAT, .bits = b, .is_signed = sg, .ebits = e, \
    .mbits = m, .bias = bi, .specials = FPQ_SPECIALS_##sp, .subnormals = sub
#define INT(nm, b, sg) .name = nm, .kind = FPQ_KIND_INT, .bits = b, .is_signed = sg

/* Positions of the presets that other files take by pointer (fpq-impl.h). */
enum { AT_FP64 = 0, AT_FP32 = 1 };

/* Landmarks in hex-float: max finite, min normal, min subnormal; NaN, Inf. */
const fpq_format fpq_presets[] = {
    /* 0x1.fffffffffffffp+1023, 0x1p-1022, 0x1p-1074; NaN 0x7ff8000000000000, Inf 0x7ff0000000000000 */
    [AT_FP64] = {FLOAT("fp64", 64, true, 11, 52, 1023, IEEE, true), .aliases = {"binary64", "double", "float64", "e11m52"},
     .note = "IEEE 754-2019 binary64"},
    /* 0x1.fffffep+127, 0x1p-126, 0x1p-149; NaN 0x7fc00000, Inf 0x7f800000 */
    [AT_FP32] = {FLOAT("fp32", 32, true, 8, 23, 127, IEEE, true), .aliases = {"binary32", "single", "float", "float32", "e8m23"},
     .note = "IEEE 754-2019 binary32"},
    /* 0x1.ffcp+127, 0x1p-126, 0x1p-136; NaN 0x3fe00, Inf 0x3fc00 (19-bit patterns) */
    {FLOAT("tf32", 19, true, 8, 10, 127, IEEE, true), .aliases = {"e8m10", "tensorfloat32"}, .hw = HW_SINCE_AMPERE,
     .note = "NVIDIA TensorFloat-32: fp32 range, fp16 precision; 19 bits, held in 32"},
    /* 0x1.ffcp+15 = 65504, 0x1p-14, 0x1p-24; NaN 0x7e00, Inf 0x7c00 */
    {FLOAT("fp16", 16, true, 5, 10, 15, IEEE, true), .aliases = {"binary16", "half", "float16", "e5m10"},
     .hw = HW_SINCE_VOLTA, .note = "IEEE 754-2019 binary16"},
    /* 0x1.fep+127, 0x1p-126, 0x1p-133; NaN 0x7fc0, Inf 0x7f80 */
    {FLOAT("bf16", 16, true, 8, 7, 127, IEEE, true), .aliases = {"bfloat16", "e8m7"}, .hw = HW_SINCE_AMPERE,
     .note = "Google Brain bfloat16: the top half of binary32"},
    /* 0x1.cp+8 = 448, 0x1p-6, 0x1p-9; NaN 0x7f (and 0xff), no Inf */
    {FLOAT("fp8_e4m3", 8, true, 4, 3, 7, FN, true), .aliases = {"e4m3", "e4m3fn", "float8_e4m3fn", "ocp_e4m3"},
     .hw = HW_SINCE_HOPPER, .note = "OCP OFP8 1.0 E4M3 (also an MX element format)"},
    /* 0x1.cp+15 = 57344, 0x1p-14, 0x1p-16; NaN 0x7d..0x7f, Inf 0x7c */
    {FLOAT("fp8_e5m2", 8, true, 5, 2, 15, IEEE, true), .aliases = {"e5m2", "float8_e5m2", "ocp_e5m2"},
     .hw = HW_SINCE_HOPPER, .note = "OCP OFP8 1.0 E5M2 (also an MX element format)"},
    /* 0x1.ep+7 = 240, 0x1p-7, 0x1p-10; NaN 0x80 only, no Inf, no -0 */
    {FLOAT("fp8_e4m3fnuz", 8, true, 4, 3, 8, FNUZ, true), .aliases = {"e4m3fnuz", "float8_e4m3fnuz"},
     .note = "Graphcore / AMD CDNA3 FP8 E4M3, bias 8"},
    /* 0x1.cp+15 = 57344, 0x1p-15, 0x1p-17; NaN 0x80 only, no Inf, no -0 */
    {FLOAT("fp8_e5m2fnuz", 8, true, 5, 2, 16, FNUZ, true), .aliases = {"e5m2fnuz", "float8_e5m2fnuz"},
     .note = "Graphcore / AMD CDNA3 FP8 E5M2, bias 16"},
    /* 0x1.ep+4 = 30, 0x1p-10, 0x1p-13; NaN 0x80 only, no Inf, no -0 */
    {FLOAT("fp8_e4m3b11fnuz", 8, true, 4, 3, 11, FNUZ, true), .aliases = {"e4m3b11fnuz", "float8_e4m3b11fnuz"},
     .note = "E4M3 with bias 11 (ml_dtypes float8_e4m3b11fnuz)"},
    /* 0x1.fp+3 = 15.5, 0x1p-2, 0x1p-6; NaN 0x71..0x7f, Inf 0x70 */
    {FLOAT("fp8_e3m4", 8, true, 3, 4, 3, IEEE, true), .aliases = {"e3m4", "float8_e3m4"},
     .note = "IEEE-like E3M4 (ml_dtypes float8_e3m4)"},
    /* 0x1.ep+2 = 7.5, 0x1p+0, 0x1p-3; no NaN, no Inf */
    {FLOAT("fp6_e2m3", 6, true, 2, 3, 1, FINITE, true), .aliases = {"e2m3", "float6_e2m3fn"},
     .hw = FPQ_HW_BLACKWELL, .note = "OCP MX 1.0 FP6 E2M3"},
    /* 0x1.cp+4 = 28, 0x1p-2, 0x1p-4; no NaN, no Inf */
    {FLOAT("fp6_e3m2", 6, true, 3, 2, 3, FINITE, true), .aliases = {"e3m2", "float6_e3m2fn"},
     .hw = FPQ_HW_BLACKWELL, .note = "OCP MX 1.0 FP6 E3M2"},
    /* 0x1.8p+2 = 6, 0x1p+0, 0x1p-1; no NaN, no Inf */
    {FLOAT("fp4_e2m1", 4, true, 2, 1, 1, FINITE, true), .aliases = {"e2m1", "float4_e2m1fn", "mxfp4", "nvfp4"},
     .hw = FPQ_HW_BLACKWELL, .note = "OCP MX 1.0 FP4 E2M1 (MXFP4 and NVFP4 elements)"},
    /* 0x1.cp+1 = 3.5, 0x1p+1, 0x1p-1; no NaN, no Inf: a uniform grid, the INT4 shape */
    {FLOAT("fp4_e1m2", 4, true, 1, 2, 0, FINITE, true), .aliases = {"e1m2"},
     .note = "not standardised; all codes finite, bias 0 (research literature)"},
    /* 0x1p+4 = 16, 0x1p-2, none; no NaN, no Inf: zero and seven powers of two */
    {FLOAT("fp4_e3m0", 4, true, 3, 0, 3, FINITE, true), .aliases = {"e3m0"},
     .note = "not standardised; all codes finite, bias 3 (research literature)"},
    /* 0x1p+127, 0x1p-127, none; NaN 0xff; no zero, no Inf, no sign */
    {FLOAT("e8m0", 8, false, 8, 0, 127, FN, false), .aliases = {"fp8_e8m0", "e8m0fnu", "float8_e8m0fnu", "ue8m0"},
     .hw = FPQ_HW_BLACKWELL, .note = "OCP MX 1.0 shared scale: 2^(e-127), 0xff NaN"},
    {INT("int8", 8, true), .aliases = {"i8", "s8"}, .hw = HW_SINCE_TURING, .note = "two's complement, -128..127"},
    {INT("uint8", 8, false), .aliases = {"u8"}, .hw = HW_SINCE_TURING, .note = "0..255"},
    {INT("int4", 4, true), .aliases = {"i4", "s4"}, .hw = FPQ_HW_TURING | FPQ_HW_AMPERE,
     .note = "two's complement, -8..7"},
    {INT("uint4", 4, false), .aliases = {"u4"}, .hw = FPQ_HW_TURING | FPQ_HW_AMPERE, .note = "0..15"},
    {INT("int2", 2, true), .aliases = {"i2"}, .note = "two's complement, -2..1"},
    {INT("uint2", 2, false), .aliases = {"u2"}, .note = "0..3"},
    /* -1 .. 1, 0 at code 7 */
    {.name = "nf4", .kind = FPQ_KIND_LUT, .bits = 4, .is_signed = true, .lut = nf4_levels,
     .aliases = {"normalfloat4"}, .note = "QLoRA NormalFloat-4: 16 quantiles of N(0,1), scaled to [-1, 1]"},
};
const size_t fpq_npresets = sizeof fpq_presets / sizeof fpq_presets[0];

/* Names other libraries give formats, beside the presets' own aliases
 * (whose ml_dtypes names -- float8_e4m3fn, float8_e5m2, float8_e4m3fnuz,
 * float8_e5m2fnuz, float8_e4m3b11fnuz, float8_e3m4, float8_e8m0fnu,
 * float6_e2m3fn, float6_e3m2fn, float4_e2m1fn, bfloat16, float16,
 * float32, float64 -- and int2, uint2, int4, uint4, int8, uint8 mean what
 * ml_dtypes' README specifies for them).  Checked against ml_dtypes'
 * README: float8_e4m3 is E4M3 with bias 7 and IEEE 754 Inf and NaN, the
 * eXmY spelling e4m3ieee, not OCP's fp8_e4m3 (no Inf, max 448); int1 and
 * uint1 have no fpq format. */
const fpq_format_alias fpq_format_aliases[] = {
    {"float8_e4m3", "e4m3ieee", "ml_dtypes float8_e4m3: E4M3, bias 7, IEEE 754 Inf and NaN, max 240"},
    {"int1", NULL, "ml_dtypes int1 (one bit, -1 and 0) has no fpq format: integers are int2 to int32"},
    {"uint1", NULL, "ml_dtypes uint1 (one bit, 0 and 1) has no fpq format: integers are uint2 to uint32"},
};
const size_t fpq_nformat_aliases = sizeof fpq_format_aliases / sizeof fpq_format_aliases[0];

const fpq_format *const fpq_binary32 = &fpq_presets[AT_FP32];
const fpq_format *const fpq_binary64 = &fpq_presets[AT_FP64];

static const char *const status_text[FPQ_ERR_COUNT_] = {
    [FPQ_OK] = "success",
    [FPQ_ERR_ARG] = "invalid argument",
    [FPQ_ERR_UNKNOWN_FORMAT] = "unknown format",
    [FPQ_ERR_BAD_FORMAT] = "invalid format description",
    [FPQ_ERR_PARSE] = "not a number",
    [FPQ_ERR_BITS_WIDE] = "bit pattern wider than the format",
    [FPQ_ERR_NOT_FLOAT] = "defined only for floating-point formats",
    [FPQ_ERR_NO_MEMORY] = "out of memory",
};

const char *fpq_strerror(int status)
{
    if (status < 0 || status >= FPQ_ERR_COUNT_)
        return "unknown error";
    return status_text[status];
}

static const char *const class_text[] = {"zero", "subnormal", "normal", "inf", "nan"};

const char *fpq_class_name(fpq_class c)
{
    return (unsigned)c < sizeof class_text / sizeof class_text[0] ? class_text[c] : "?";
}

static const char *const kind_text[] = {[FPQ_KIND_FLOAT] = "float", [FPQ_KIND_INT] = "int", [FPQ_KIND_LUT] = "lut"};

const char *fpq_kind_name(fpq_kind k)
{
    return (unsigned)k < sizeof kind_text / sizeof kind_text[0] ? kind_text[k] : "?";
}

const char *fpq_format_kind_name(const fpq_format *f)
{
    return f->kind == FPQ_KIND_INT && !f->is_signed ? "uint" : fpq_kind_name(f->kind);
}

/* The specials' names, also the suffixes of an eXmY spelling. */
static const char *const specials_text[] = {
    [FPQ_SPECIALS_IEEE] = "ieee",
    [FPQ_SPECIALS_FN] = "fn",
    [FPQ_SPECIALS_FNUZ] = "fnuz",
    [FPQ_SPECIALS_FINITE] = "finite",
    [FPQ_SPECIALS_EXT] = "ext",
};
#define N_SPECIALS (sizeof specials_text / sizeof specials_text[0])

const char *fpq_specials_name(fpq_specials s)
{
    return (unsigned)s < N_SPECIALS ? specials_text[s] : "?";
}

int fpq_format_validate(const fpq_format *f)
{
    if (!f || !f->name[0] || memchr(f->name, '\0', FPQ_NAME_MAX) == NULL)
        return FPQ_ERR_BAD_FORMAT;
    switch (f->kind) {
    case FPQ_KIND_FLOAT:
        if (f->ebits < 1 || f->ebits > (f->p3109 ? 16u : 11u) || f->mbits > 52)
            return FPQ_ERR_BAD_FORMAT;
        if (f->bits != f->ebits + f->mbits + (f->is_signed ? 1u : 0u))
            return FPQ_ERR_BAD_FORMAT;
        if ((unsigned)f->specials > FPQ_SPECIALS_EXT)
            return FPQ_ERR_BAD_FORMAT;
        /* IEEE NaNs live in nonzero mantissas; fnuz's NaN is the -0 pattern. */
        if (f->specials == FPQ_SPECIALS_IEEE && (f->mbits == 0 || f->ebits < 2))
            return FPQ_ERR_BAD_FORMAT;
        if (f->specials == FPQ_SPECIALS_FNUZ && !f->is_signed)
            return FPQ_ERR_BAD_FORMAT;
        if (f->specials == FPQ_SPECIALS_FN && f->ebits + f->mbits < 2)
            return FPQ_ERR_BAD_FORMAT;
        /* ext: an unsigned format needs room for NaN and Inf beside zero. */
        if (f->specials == FPQ_SPECIALS_EXT && !f->is_signed && f->ebits + f->mbits < 2)
            return FPQ_ERR_BAD_FORMAT;
        /* P3109 formats have one zero and subnormals. */
        if (f->p3109 && (!f->subnormals || f->specials == FPQ_SPECIALS_IEEE || f->specials == FPQ_SPECIALS_FINITE))
            return FPQ_ERR_BAD_FORMAT;
        /* Keep every exponent well inside MPFR's default range. */
        if (f->bias < -100000 || f->bias > 100000)
            return FPQ_ERR_BAD_FORMAT;
        return FPQ_OK;
    case FPQ_KIND_INT:
        return f->bits >= 2 && f->bits <= 32 ? FPQ_OK : FPQ_ERR_BAD_FORMAT;
    case FPQ_KIND_LUT:
        if (!f->lut || f->bits < 1 || f->bits > 8)
            return FPQ_ERR_BAD_FORMAT;
        return FPQ_OK;
    }
    return FPQ_ERR_BAD_FORMAT;
}

/* ---- names ------------------------------------------------------------ */

static bool name_eq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return false;
    return *a == *b;
}

const fpq_format *fpq_preset_find(const char *name)
{
    for (size_t i = 0; i < fpq_npresets; i++) {
        const fpq_format *p = &fpq_presets[i];
        if (name_eq(p->name, name))
            return p;
        for (size_t a = 0; a < FPQ_ALIASES_MAX && p->aliases[a]; a++)
            if (name_eq(p->aliases[a], name))
                return p;
    }
    return NULL;
}

/* Reads decimal digits at *s into *v (at most 6 digits); false if none. */
static bool read_uint(const char **s, long *v)
{
    const char *p = *s;
    long x = 0;
    int n = 0;
    while (isdigit((unsigned char)*p) && n < 7) {
        x = 10 * x + (*p++ - '0');
        n++;
    }
    if (n == 0 || n == 7)
        return false;
    *s = p;
    *v = x;
    return true;
}

/* Why a float's fields break fpq_format_validate, in the spelling's terms;
 * NULL when they do not. */
static const char *float_rule(const fpq_format *f)
{
    if (f->specials == FPQ_SPECIALS_IEEE && (f->mbits == 0 || f->ebits < 2))
        return "ieee specials need m >= 1 and e >= 2 (NaNs are the nonzero mantissas of the top "
               "exponent); use fn or finite";
    if (f->specials == FPQ_SPECIALS_FN && f->ebits + f->mbits < 2)
        return "fn specials need e + m >= 2 (the all-ones code is NaN); use finite";
    if (f->bias < -100000 || f->bias > 100000)
        return "the bias is from -100000 to 100000";
    return NULL;
}

/* eXmY[bBIAS][ieee|fn|fnuz|finite].  *why (when non-NULL) names the rule a
 * refused spelling breaks. */
static int parse_float_spelling(fpq_format *out, const char *name, const char **why)
{
    const char *s = name;
    long e, m, bias;
    bool have_bias = false;
    if (tolower((unsigned char)*s++) != 'e' || !read_uint(&s, &e))
        return FPQ_ERR_UNKNOWN_FORMAT;
    if (tolower((unsigned char)*s++) != 'm' || !read_uint(&s, &m))
        return FPQ_ERR_UNKNOWN_FORMAT;
    if (tolower((unsigned char)*s) == 'b') {
        bool neg = false;
        s++;
        if (*s == '-') {
            neg = true;
            s++;
        }
        if (!read_uint(&s, &bias)) {
            *why = "the bias bBIAS is from -100000 to 100000 (at most 6 digits)";
            return FPQ_ERR_BAD_FORMAT;
        }
        if (neg)
            bias = -bias;
        have_bias = true;
    }
    unsigned total = (unsigned)(e + m + 1);
    fpq_specials sp = total >= 8 ? FPQ_SPECIALS_IEEE : FPQ_SPECIALS_FINITE;
    if (*s != '\0') {
        size_t k = 0;
        while (k < N_SPECIALS && !name_eq(s, specials_text[k]))
            k++;
        if (k == N_SPECIALS)
            return FPQ_ERR_UNKNOWN_FORMAT;
        sp = (fpq_specials)k;
    }
    if (e < 1 || e > 11 || m > 52) {
        *why = "floats are eXmY with 1 <= X <= 11 and 0 <= Y <= 52";
        return FPQ_ERR_BAD_FORMAT;
    }
    memset(out, 0, sizeof *out);
    out->kind = FPQ_KIND_FLOAT;
    out->is_signed = true;
    out->ebits = (unsigned)e;
    out->mbits = (unsigned)m;
    out->bits = total;
    out->bias = have_bias ? (int)bias : (1 << (e - 1)) - 1;
    out->specials = sp;
    out->subnormals = true;
    snprintf(out->name, sizeof out->name, "%s", name);
    for (char *c = out->name; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    int st = fpq_format_validate(out);
    if (st != FPQ_OK)
        *why = float_rule(out);
    return st;
}

static int parse_int_spelling(fpq_format *out, const char *name, const char **why)
{
    const char *s = name;
    bool is_signed = true;
    long n;
    if (tolower((unsigned char)*s) == 'u') {
        is_signed = false;
        s++;
    }
    if (strncasecmp(s, "int", 3) != 0)
        return FPQ_ERR_UNKNOWN_FORMAT;
    s += 3;
    if (!read_uint(&s, &n) || *s)
        return FPQ_ERR_UNKNOWN_FORMAT;
    if (n < 2 || n > 32) {
        *why = "integers are intN and uintN with 2 <= N <= 32";
        return FPQ_ERR_BAD_FORMAT;
    }
    memset(out, 0, sizeof *out);
    out->kind = FPQ_KIND_INT;
    out->bits = (unsigned)n;
    out->is_signed = is_signed;
    snprintf(out->name, sizeof out->name, "%sint%ld", is_signed ? "" : "u", n);
    return FPQ_OK;
}

/* IEEE P3109's binaryKpP{s|u}{e|f} (interim report, section 3; the formal
 * specification's Format and Float modules): K bits, precision P, signed
 * or unsigned, extended (with +-Inf) or finite domain. */
static int parse_p3109_spelling(fpq_format *out, const char *name, const char **why)
{
    const char *s = name;
    long k, p;
    if (strncasecmp(s, "binary", 6) != 0)
        return FPQ_ERR_UNKNOWN_FORMAT;
    s += 6;
    if (!read_uint(&s, &k) || tolower((unsigned char)*s++) != 'p' || !read_uint(&s, &p))
        return FPQ_ERR_UNKNOWN_FORMAT;
    const int sg = tolower((unsigned char)s[0]), dm = s[0] ? tolower((unsigned char)s[1]) : 0;
    if ((sg != 's' && sg != 'u') || (dm != 'e' && dm != 'f') || s[2] != '\0')
        return FPQ_ERR_UNKNOWN_FORMAT;
    const bool is_signed = sg == 's';
    if (k < 2 || k > 16 || p < 1 || p > (is_signed ? k - 1 : k)) {
        *why = "P3109 formats are binaryKpP{s|u}{e|f} with 2 <= K <= 16 and 1 <= P <= K-1 (signed) "
               "or 1 <= P <= K (unsigned)";
        return FPQ_ERR_BAD_FORMAT;
    }
    memset(out, 0, sizeof *out);
    out->kind = FPQ_KIND_FLOAT;
    out->p3109 = true;
    out->bits = (unsigned)k;
    out->is_signed = is_signed;
    out->mbits = (unsigned)(p - 1);
    out->ebits = (unsigned)(k - p + (is_signed ? 0 : 1));
    out->bias = 1 << (k - p - (is_signed ? 1 : 0));
    out->subnormals = true;
    out->specials = dm == 'e' ? FPQ_SPECIALS_EXT : is_signed ? FPQ_SPECIALS_FNUZ : FPQ_SPECIALS_FN;
    snprintf(out->name, sizeof out->name, "binary%ldp%ld%c%c", k, p, sg, dm);
    return fpq_format_validate(out);
}

static int parse_why(fpq_format *out, const char *name, const char **why)
{ /* (recursive once: an alias's target is a preset or a spelling) */
    *why = NULL;
    if (!out || !name)
        return FPQ_ERR_ARG;
    if (strlen(name) >= FPQ_NAME_MAX)
        return FPQ_ERR_UNKNOWN_FORMAT;
    const fpq_format *p = fpq_preset_find(name);
    if (p) {
        *out = *p;
        return FPQ_OK;
    }
    for (size_t i = 0; i < fpq_nformat_aliases; i++)
        if (name_eq(fpq_format_aliases[i].name, name)) {
            if (fpq_format_aliases[i].target)
                return parse_why(out, fpq_format_aliases[i].target, why);
            *why = fpq_format_aliases[i].note;
            return FPQ_ERR_BAD_FORMAT;
        }
    int st = parse_int_spelling(out, name, why);
    if (st != FPQ_ERR_UNKNOWN_FORMAT)
        return st;
    st = parse_p3109_spelling(out, name, why);
    if (st != FPQ_ERR_UNKNOWN_FORMAT)
        return st;
    return parse_float_spelling(out, name, why);
}

int fpq_format_parse(fpq_format *out, const char *name)
{
    const char *why;
    return parse_why(out, name, &why);
}

const char *fpq_format_spelling_rule(const char *name)
{
    fpq_format f;
    const char *why;
    return parse_why(&f, name, &why) == FPQ_ERR_BAD_FORMAT ? why : NULL;
}

/* Optimal string alignment distance, case-insensitive, capped strings. */
static unsigned edit_distance(const char *a, const char *b)
{
    enum { L = FPQ_NAME_MAX };
    unsigned d[L + 1][L + 1];
    size_t n = 0, m = 0;
    while (n < L && a[n])
        n++;
    while (m < L && b[m])
        m++;
    for (size_t i = 0; i <= n; i++)
        d[i][0] = (unsigned)i;
    for (size_t j = 0; j <= m; j++)
        d[0][j] = (unsigned)j;
    for (size_t i = 1; i <= n; i++)
        for (size_t j = 1; j <= m; j++) {
            unsigned c = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            unsigned v = d[i - 1][j - 1] + c;
            if (d[i - 1][j] + 1 < v)
                v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[n][m];
}

/* Whether a name or alias of p starts with text (case-insensitive), and
 * with family true, continues with '_' (fp8 -> fp8_e4m3, not fp64). */
static bool preset_has_prefix(const fpq_format *p, const char *text, size_t len, bool family)
{
    if (strncasecmp(p->name, text, len) == 0 && (!family || p->name[len] == '_'))
        return true;
    for (size_t a = 0; a < FPQ_ALIASES_MAX && p->aliases[a]; a++)
        if (strncasecmp(p->aliases[a], text, len) == 0 && (!family || p->aliases[a][len] == '_'))
            return true;
    return false;
}

size_t fpq_format_suggest(const char **out, size_t max, const char *name)
{
    if (!out || !name || max == 0)
        return 0;
    /* A family typed short (fp8, float8, fp4, int): the presets whose name
     * or an alias starts with it, in table order, those continuing with
     * '_' first. */
    size_t len = strlen(name), np = 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; len >= 2 && i < fpq_npresets && np < max; i++)
            if (preset_has_prefix(&fpq_presets[i], name, len, pass == 0)
                && (pass == 0 || !preset_has_prefix(&fpq_presets[i], name, len, true)))
                out[np++] = fpq_presets[i].name;
    if (np > 0)
        return np;
    /* Distance of a preset = its best over name and aliases; keep those
     * within about a third of the typed length, closest first. */
    unsigned dist[sizeof fpq_presets / sizeof fpq_presets[0]];
    unsigned limit = (unsigned)strlen(name) / 3 + 2;
    for (size_t i = 0; i < fpq_npresets; i++) {
        const fpq_format *p = &fpq_presets[i];
        unsigned best = edit_distance(name, p->name);
        for (size_t a = 0; a < FPQ_ALIASES_MAX && p->aliases[a]; a++) {
            unsigned d = edit_distance(name, p->aliases[a]);
            if (d < best)
                best = d;
        }
        dist[i] = best;
    }
    size_t n = 0;
    for (unsigned d = 0; d <= limit && n < max; d++)
        for (size_t i = 0; i < fpq_npresets && n < max; i++)
            if (dist[i] == d)
                out[n++] = fpq_presets[i].name;
    return n;
}

/* ---- derived constants --------------------------------------------------- */

mpfr_prec_t fpq_format_precision(const fpq_format *f)
{
    switch (f->kind) {
    case FPQ_KIND_FLOAT:
        return (mpfr_prec_t)f->mbits + 1;
    case FPQ_KIND_INT:
        return (mpfr_prec_t)f->bits;
    case FPQ_KIND_LUT:
        return 24;
    }
    return 64;
}

unsigned fpq_format_hex_digits(const fpq_format *f) { return (f->bits + 3) / 4; }

bool fpq_format_same(const fpq_format *a, const fpq_format *b)
{
    if (a == b)
        return true;
    return a->kind == b->kind && a->bits == b->bits && a->is_signed == b->is_signed && a->ebits == b->ebits &&
           a->mbits == b->mbits && a->bias == b->bias && a->specials == b->specials &&
           a->subnormals == b->subnormals && a->lut == b->lut && a->p3109 == b->p3109;
}

int fpq_format_host_width(const fpq_format *f)
{
    return fpq_format_same(f, fpq_binary32) ? 32 : fpq_format_same(f, fpq_binary64) ? 64 : 0;
}

int fpq_epsilon(mpfr_ptr rop, const fpq_format *f)
{
    if (f->kind == FPQ_KIND_FLOAT)
        return mpfr_set_si_2exp(rop, 1, -(long)f->mbits, MPFR_RNDN);
    return mpfr_set_ui(rop, 1, MPFR_RNDN);
}
