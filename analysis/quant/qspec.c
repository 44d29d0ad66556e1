/* qspec.c: quantization specs -- names, defaults, validation, the range
 * choice as text, and the bits-per-value arithmetic. */
#include "quant.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dtoa.h"
#include "strset.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------------- */
/* Names.                                                                 */

static const char *const scheme_names[FPQ_SCHEME_COUNT_] = {"absmax", "zeropoint", "mx", "nvfp4"};
static const char *const gran_names[FPQ_GRAN_COUNT_] = {"tensor", "row", "col", "group"};
static const char *const mx_rule_names[FPQ_MX_RULE_COUNT_] = {"floor", "ceil", "rceil", "even", "6", "4over6"};
static const char *const quotient_names[FPQ_QUOTIENT_COUNT_] = {"exact", "div", "recip"};
static const char *const sarith_names[FPQ_SARITH_COUNT_] = {"default", "exact", "fp32", "fp64"};

typedef struct alias {
    const char *name;
    int value;
} alias;

static const alias scheme_aliases[] = {
    {"zero-point", FPQ_SCHEME_ZEROPOINT}, {"asym", FPQ_SCHEME_ZEROPOINT},
    {"asymmetric", FPQ_SCHEME_ZEROPOINT}, {"symmetric", FPQ_SCHEME_ABSMAX},
};
static const alias sarith_aliases[] = {
    {"binary32", FPQ_SARITH_FP32}, {"float32", FPQ_SARITH_FP32},
    {"binary64", FPQ_SARITH_FP64}, {"float64", FPQ_SARITH_FP64},
};
static const alias gran_aliases[] = {
    {"token", FPQ_GRAN_ROW},   {"column", FPQ_GRAN_COL},
    {"channel", FPQ_GRAN_COL}, {"per-tensor", FPQ_GRAN_TENSOR},
};

static int parse_name(int *out, const char *name, const char *const *names, size_t n, const alias *al,
                      size_t nal)
{
    if (!name)
        return FPQ_LAB_ERR_SPEC;
    long k = fpq_name_index(names, n, name);
    if (k >= 0) {
        *out = (int)k;
        return FPQ_OK;
    }
    for (size_t i = 0; i < nal; i++)
        if (strcasecmp(name, al[i].name) == 0) {
            *out = al[i].value;
            return FPQ_OK;
        }
    return FPQ_LAB_ERR_SPEC;
}

/* int NAME(TYPE *out, const char *name): parse_name over the names and
 * the NAL aliases into *out. */
#define DEFINE_PARSE(NAME, TYPE, NAMES, ALIASES, NAL)                        \
    int NAME(TYPE *out, const char *name)                                    \
    {                                                                        \
        int v;                                                               \
        int st = parse_name(&v, name, NAMES, NELEM(NAMES), ALIASES, NAL);    \
        if (st == FPQ_OK)                                                    \
            *out = (TYPE)v;                                                  \
        return st;                                                           \
    }

const char *fpq_scheme_name(fpq_scheme s)
{
    return (unsigned)s < FPQ_SCHEME_COUNT_ ? scheme_names[s] : "?";
}

const char *fpq_gran_name(fpq_gran g)
{
    return (unsigned)g < FPQ_GRAN_COUNT_ ? gran_names[g] : "?";
}

const char *fpq_mx_rule_name(fpq_mx_rule r)
{
    return (unsigned)r < FPQ_MX_RULE_COUNT_ ? mx_rule_names[r] : "?";
}

const char *fpq_quotient_name(fpq_quotient q)
{
    return (unsigned)q < FPQ_QUOTIENT_COUNT_ ? quotient_names[q] : "?";
}

const char *fpq_sarith_name(fpq_sarith a)
{
    return (unsigned)a < FPQ_SARITH_COUNT_ ? sarith_names[a] : "?";
}

DEFINE_PARSE(fpq_quotient_parse, fpq_quotient, quotient_names, NULL, 0)

DEFINE_PARSE(fpq_sarith_parse, fpq_sarith, sarith_names, sarith_aliases, NELEM(sarith_aliases))

fpq_sarith fpq_qspec_arith(const fpq_qspec *s)
{
    if (s->scale_arith != FPQ_SARITH_DEFAULT)
        return s->scale_arith;
    return s->quotient == FPQ_QUOTIENT_EXACT ? FPQ_SARITH_EXACT : FPQ_SARITH_FP32;
}

const char *fpq_qspec_block_alias_fix(const char *name)
{
    if (strcasecmp(name, "nvfp4") == 0)
        return "'nvfp4' as a format is the E2M1 element alone (one scale per tensor, not NVFP4's "
               "blocks); the NVFP4 scheme is --scheme nvfp4 --format fp4_e2m1";
    if (strcasecmp(name, "mxfp4") == 0)
        return "'mxfp4' as a format is the E2M1 element alone (one scale per tensor, not MXFP4's "
               "blocks); the MXFP4 scheme is --scheme mx --format fp4_e2m1";
    return NULL;
}

DEFINE_PARSE(fpq_scheme_parse, fpq_scheme, scheme_names, scheme_aliases, NELEM(scheme_aliases))

DEFINE_PARSE(fpq_gran_parse, fpq_gran, gran_names, gran_aliases, NELEM(gran_aliases))

DEFINE_PARSE(fpq_mx_rule_parse, fpq_mx_rule, mx_rule_names, NULL, 0)

/* ---------------------------------------------------------------------- */
/* Defaults.                                                              */

static void must_parse(fpq_format *f, const char *name)
{
    /* preset names: cannot fail */
    if (fpq_format_parse(f, name) != FPQ_OK)
        memset(f, 0, sizeof *f);
}

void fpq_qspec_default(fpq_qspec *s)
{
    memset(s, 0, sizeof *s);
    must_parse(&s->format, "int8");
    s->scheme = FPQ_SCHEME_ABSMAX;
    s->granularity = FPQ_GRAN_TENSOR;
    s->group = 32;
    s->axis = 1;
    must_parse(&s->scale_format, "fp32");
    s->scale_exact = false;
    s->scale_round = FPQ_RNE;
    s->mx_rule = FPQ_MX_FLOOR;
    s->tensor_scale = true;
    s->range = FPQ_RANGE_MAX;
    s->percentile = 99.9;
    s->mse_steps = 100;
    fpq_rounding_default(&s->rnd);
    s->rnd.overflow = FPQ_OVF_SATURATE;
    s->outlier = 0;
    must_parse(&s->kept_format, "fp16");
    s->exact_metrics = false;
    s->quotient = FPQ_QUOTIENT_EXACT;
    s->scale_arith = FPQ_SARITH_DEFAULT;
}

void fpq_qspec_set_scheme(fpq_qspec *s, fpq_scheme scheme)
{
    s->scheme = scheme;
    if (scheme == FPQ_SCHEME_MX) {
        s->granularity = FPQ_GRAN_GROUP;
        s->group = 32;
        s->scale_exact = false;
        must_parse(&s->scale_format, "e8m0");
        must_parse(&s->format, "fp4_e2m1");
        s->mx_rule = FPQ_MX_FLOOR;
    } else if (scheme == FPQ_SCHEME_NVFP4) {
        s->granularity = FPQ_GRAN_GROUP;
        s->group = 16;
        s->scale_exact = false;
        must_parse(&s->scale_format, "fp8_e4m3");
        must_parse(&s->format, "fp4_e2m1");
        s->mx_rule = FPQ_NV_SIX;
    }
}

/* ---------------------------------------------------------------------- */
/* Validation.                                                            */

/* Same numbers: the fields that define a format's values. */
static bool same_format(const fpq_format *a, const fpq_format *b)
{
    return a->kind == b->kind && a->bits == b->bits && a->is_signed == b->is_signed && a->ebits == b->ebits
           && a->mbits == b->mbits && a->bias == b->bias && a->specials == b->specials
           && a->subnormals == b->subnormals && a->lut == b->lut;
}

static bool same_as(const fpq_format *a, const char *name)
{
    fpq_format b;
    return fpq_format_parse(&b, name) == FPQ_OK && same_format(a, &b);
}

static const char *kind_word(const fpq_format *f)
{
    switch (f->kind) {
    case FPQ_KIND_FLOAT: return "a float format";
    case FPQ_KIND_INT: return f->is_signed ? "a signed integer format" : "an unsigned integer format";
    case FPQ_KIND_LUT: return "a lookup-table format";
    }
    return "a format";
}

/* Whether s has the fixed layout of a block scheme: groups of `block` along
 * the row, scales in scale_format; else a message in err ("scheme NAME
 * uses blocks of N<ref>, not ..." or "scheme NAME: <scale_rule>, not ..."). */
static bool block_layout_ok(const fpq_qspec *s, const char *name, size_t block, const char *ref,
                            const char *scale_format, const char *scale_rule, fpq_errbuf *err)
{
    if (s->granularity != FPQ_GRAN_GROUP || s->group != block) {
        fpq_err(err, FPQ_LAB_ERR_SPEC, "scheme %s uses blocks of %zu%s, not %s%s%.0zu", name, block, ref,
                fpq_gran_name(s->granularity), s->granularity == FPQ_GRAN_GROUP ? " " : "",
                s->granularity == FPQ_GRAN_GROUP ? s->group : 0);
        return false;
    }
    if (s->scale_exact || !same_as(&s->scale_format, scale_format)) {
        fpq_err(err, FPQ_LAB_ERR_SPEC, "scheme %s: %s, not %s", name, scale_rule,
                s->scale_exact ? "exact" : s->scale_format.name);
        return false;
    }
    return true;
}

int fpq_qspec_validate(const fpq_qspec *s, fpq_errbuf *err)
{
    const int E = FPQ_LAB_ERR_SPEC;
    if (!s)
        return fpq_err(err, E, "no spec");
    if ((unsigned)s->scheme >= FPQ_SCHEME_COUNT_)
        return fpq_err(err, E, "unknown scheme %d (absmax, zeropoint, mx or nvfp4)", (int)s->scheme);
    if ((unsigned)s->granularity >= FPQ_GRAN_COUNT_)
        return fpq_err(err, E, "unknown granularity %d (tensor, row, col or group)", (int)s->granularity);
    if ((unsigned)s->range >= FPQ_RANGE_COUNT_)
        return fpq_err(err, E, "unknown range choice %d (max, percentile:P or mse)", (int)s->range);
    if ((unsigned)s->mx_rule >= FPQ_MX_RULE_COUNT_)
        return fpq_err(err, E, "unknown block-scale rule %d (mx: floor, ceil, rceil or even; nvfp4: 6 or "
                       "4over6)", (int)s->mx_rule);
    if (!fpq_mx_rule_fits(s->mx_rule, s->scheme))
        return fpq_err(err, E, "scale rule %s does not apply to scheme %s (%s)", fpq_mx_rule_name(s->mx_rule),
                       fpq_scheme_name(s->scheme),
                       s->scheme == FPQ_SCHEME_MX ? "mx: floor, ceil, rceil or even" : "nvfp4: 6 or 4over6");
    if ((unsigned)s->quotient >= FPQ_QUOTIENT_COUNT_)
        return fpq_err(err, E, "unknown quotient %d (exact, div or recip)", (int)s->quotient);
    if ((unsigned)s->scale_arith >= FPQ_SARITH_COUNT_)
        return fpq_err(err, E, "unknown scale arithmetic %d (exact, fp32 or fp64)", (int)s->scale_arith);
    if (s->quotient != FPQ_QUOTIENT_EXACT && s->scale_arith == FPQ_SARITH_EXACT)
        return fpq_err(err, E, "quotient %s rounds x/S in the scale arithmetic, which is exact here: that is "
                       "quotient exact; use quotient exact, or scale arithmetic fp32 or fp64",
                       fpq_quotient_name(s->quotient));
    if (fpq_format_validate(&s->format) != FPQ_OK)
        return fpq_err(err, E, "element format '%s': inconsistent fields", s->format.name);
    if (fpq_rounding_validate(&s->rnd) != FPQ_OK)
        return fpq_err(err, E, "element rounding: invalid mode or overflow policy");
    if (s->rnd.overflow != FPQ_OVF_SATURATE && s->scheme == FPQ_SCHEME_ZEROPOINT)
        return fpq_err(err, E, "overflow %s: zeropoint clamps q + Z into the integer range itself; use overflow "
                       "finite", fpq_overflow_name(s->rnd.overflow));
    if (s->rnd.overflow == FPQ_OVF_WRAP && s->scheme == FPQ_SCHEME_MX && s->format.kind == FPQ_KIND_INT)
        return fpq_err(err, E, "overflow wrap: MX integers are symmetric (-2^(N-1) unused), which wrap does not "
                       "go with; use finite, none or propagate");

    const char *fn = s->format.name;
    if (s->granularity == FPQ_GRAN_GROUP && s->group < 2)
        return fpq_err(err, E, "group size %zu: a group holds at least 2 elements", s->group);
    if (s->axis > 1)
        return fpq_err(err, E, "axis %u: groups run along 1 (a row) or 0 (a column)", s->axis);
    if (s->axis == 0 && s->granularity != FPQ_GRAN_GROUP)
        return fpq_err(err, E, "axis 0 applies to groups; %s scales have no axis",
                       fpq_gran_name(s->granularity));

    /* the scale */
    if (!s->scale_exact) {
        if (fpq_format_validate(&s->scale_format) != FPQ_OK)
            return fpq_err(err, E, "scale format '%s': inconsistent fields", s->scale_format.name);
        if (s->scale_format.kind != FPQ_KIND_FLOAT)
            return fpq_err(err, E, "scale format %s is %s; a scale is a float format (fp32, fp16, bf16, "
                           "e8m0, fp8_e4m3, ...) or exact", s->scale_format.name, kind_word(&s->scale_format));
    }
    if ((unsigned)s->scale_round >= FPQ_RND_COUNT_ || s->scale_round == FPQ_RSR)
        return fpq_err(err, E, "scale rounding %s: a scale rounds deterministically (rne, rna, rtz, rup, "
                       "rdn or odd)", fpq_rnd_name(s->scale_round));
    if (s->scale_exact && s->scale_round != FPQ_RNE)
        return fpq_err(err, E, "an exact scale is the binary64 quotient, rounded to nearest: scale "
                       "rounding %s does not apply", fpq_rnd_name(s->scale_round));

    /* the range choice */
    if (s->range == FPQ_RANGE_PERCENTILE && !(s->percentile > 0 && s->percentile <= 100))
        return fpq_err(err, E, "percentile %g: P is in (0, 100]", s->percentile);
    if (s->range == FPQ_RANGE_MSE && (s->mse_steps < 2 || s->mse_steps > 1000))
        return fpq_err(err, E, "mse search with %u steps: 2 to 1000", s->mse_steps);

    /* the outlier split */
    if (!(s->outlier >= 0))
        return fpq_err(err, E, "outlier threshold %g: 0 (no split) or positive", s->outlier);
    if (s->outlier > 0 && fpq_format_validate(&s->kept_format) != FPQ_OK)
        return fpq_err(err, E, "kept format '%s': inconsistent fields", s->kept_format.name);

    switch (s->scheme) {
    case FPQ_SCHEME_ABSMAX:
        break;
    case FPQ_SCHEME_ZEROPOINT:
        if (s->format.kind != FPQ_KIND_INT)
            return fpq_err(err, E, "scheme zeropoint needs an integer element format (int8, uint8, int4, "
                           "...); %s is %s: use absmax", fn, kind_word(&s->format));
        if (s->format.bits > 24)
            return fpq_err(err, E, "scheme zeropoint: %s is wider than the 24 bits supported", fn);
        break;
    case FPQ_SCHEME_MX:
        if (!block_layout_ok(s, "mx", 32, " (OCP MX 1.0 §5.2)", "e8m0",
                             "the shared scale is E8M0 (OCP MX 1.0 §5.4)", err))
            return E;
        if (s->scale_round != FPQ_RNE)
            return fpq_err(err, E, "scheme mx: the scale follows the mx rule (floor, ceil, rceil), "
                           "not a rounding mode");
        if (!s->format.is_signed || s->format.kind == FPQ_KIND_LUT)
            return fpq_err(err, E, "scheme mx needs a signed float or integer element format "
                           "(OCP: fp8_e4m3, fp8_e5m2, fp6_e3m2, fp6_e2m3, fp4_e2m1, int8); %s is %s%s",
                           fn, s->format.is_signed ? "" : "unsigned ", kind_word(&s->format));
        if (s->range != FPQ_RANGE_MAX)
            return fpq_err(err, E, "scheme mx computes its scale from the block maximum: range max only");
        break;
    case FPQ_SCHEME_NVFP4:
        if (!block_layout_ok(s, "nvfp4", 16, "", "fp8_e4m3", "the block scale is fp8_e4m3", err))
            return E;
        if (s->format.kind != FPQ_KIND_FLOAT || !s->format.is_signed)
            return fpq_err(err, E, "scheme nvfp4 needs a signed float element format (fp4_e2m1); %s is %s",
                           fn, kind_word(&s->format));
        if (s->range != FPQ_RANGE_MAX)
            return fpq_err(err, E, "scheme nvfp4 computes its scales from the block maximum: range max only");
        break;
    default:
        break;
    }
    return FPQ_OK;
}

/* ---------------------------------------------------------------------- */
/* Range choice as text.                                                  */

size_t fpq_range_describe(char *buf, size_t n, const fpq_qspec *s)
{
    int len;
    char p[40];
    switch (s->range) {
    case FPQ_RANGE_PERCENTILE:
        fpq_dtoa_shortest(p, sizeof p, s->percentile);
        len = snprintf(buf, n, "percentile:%s", p);
        break;
    case FPQ_RANGE_MSE:
        len = s->mse_steps == 100 ? snprintf(buf, n, "mse") : snprintf(buf, n, "mse:%u", s->mse_steps);
        break;
    default: len = snprintf(buf, n, "max"); break;
    }
    return len < 0 ? 0 : (size_t)len;
}

int fpq_range_parse(fpq_qspec *s, const char *text, fpq_errbuf *err)
{
    const int E = FPQ_LAB_ERR_SPEC;
    if (strcmp(text, "max") == 0) {
        s->range = FPQ_RANGE_MAX;
        return FPQ_OK;
    }
    if (strncmp(text, "percentile:", 11) == 0 || strncmp(text, "p:", 2) == 0) {
        const char *v = strchr(text, ':') + 1;
        char *end;
        double p = strtod(v, &end);
        if (end == v || *end != '\0' || !(p > 0 && p <= 100))
            return fpq_err(err, E, "bad percentile '%s' (a number P with 0 < P <= 100, as in "
                           "percentile:99.9)", v);
        s->range = FPQ_RANGE_PERCENTILE;
        s->percentile = p;
        return FPQ_OK;
    }
    if (strcmp(text, "mse") == 0) {
        s->range = FPQ_RANGE_MSE;
        s->mse_steps = 100;
        return FPQ_OK;
    }
    if (strncmp(text, "mse:", 4) == 0) {
        char *end;
        unsigned long k = strtoul(text + 4, &end, 10);
        if (end == text + 4 || *end != '\0' || k < 2 || k > 1000)
            return fpq_err(err, E, "bad mse step count '%s' (an integer from 2 to 1000)", text + 4);
        s->range = FPQ_RANGE_MSE;
        s->mse_steps = (unsigned)k;
        return FPQ_OK;
    }
    return fpq_err(err, E, "unknown range choice '%s' (max, percentile:P or mse[:STEPS])", text);
}

/* ---------------------------------------------------------------------- */
/* Bits per value.                                                        */

static size_t ceil_div(size_t a, size_t b)
{
    return a / b + (a % b != 0);
}

double fpq_qspec_bits_per_value(const fpq_qspec *s, size_t rows, size_t cols, size_t outlier_cols)
{
    if (rows == 0 || cols == 0 || outlier_cols > cols)
        return 0;
    const size_t lc = cols - outlier_cols;
    const double n = (double)rows * (double)cols;
    const double nin = (double)rows * (double)lc;
    size_t units = 0;
    if (lc > 0) {
        switch (s->granularity) {
        case FPQ_GRAN_TENSOR: units = 1; break;
        case FPQ_GRAN_ROW: units = rows; break;
        case FPQ_GRAN_COL: units = lc; break;
        case FPQ_GRAN_GROUP:
            units = s->group < 1 ? 0
                    : s->axis == 0 ? lc * ceil_div(rows, s->group) : rows * ceil_div(lc, s->group);
            break;
        default: break;
        }
    }
    double scale_bits = s->scale_exact ? 64.0 : (double)s->scale_format.bits;
    double zp_bits = s->scheme == FPQ_SCHEME_ZEROPOINT ? (double)s->format.bits : 0.0;
    double bits = nin * s->format.bits + (double)units * (scale_bits + zp_bits);
    if (s->scheme == FPQ_SCHEME_NVFP4 && s->tensor_scale && lc > 0)
        bits += 32;
    if (outlier_cols > 0)
        bits += (double)rows * (double)outlier_cols * s->kept_format.bits + 32.0 * (double)outlier_cols;
    return bits / n;
}

bool fpq_qunit_too_small(char *buf, size_t n, const fpq_qspec *s, size_t rows, size_t cols)
{
    if (n)
        buf[0] = '\0';
    if (rows == 0 || cols == 0 || s->granularity == FPQ_GRAN_TENSOR)
        return false; /* per tensor is the coarsest there is */
    size_t units = 1, per;
    const char *what = "the tensor";
    char gw[64];
    switch (s->granularity) {
    case FPQ_GRAN_ROW: units = rows; what = "each row"; break;
    case FPQ_GRAN_COL: units = cols; what = "each column"; break;
    case FPQ_GRAN_GROUP:
        if (s->group < 1)
            return false;
        units = s->axis == 0 ? cols * ceil_div(rows, s->group) : rows * ceil_div(cols, s->group);
        snprintf(gw, sizeof gw, "each group of %zu along a %s", (size_t)s->group, s->axis == 0 ? "column" : "row");
        what = gw;
        break;
    default: break;
    }
    per = rows * cols / units;
    if (per >= FPQ_MIN_UNIT_VALUES)
        return false;
    snprintf(buf, n,
             "%s of the %zu x %zu tensor holds %zu value%s on average (fewer than %d): a scale per "
             "unit then stores nearly every value in the scale format, and the result measures that, "
             "not %s; use a coarser granularity%s",
             what, rows, cols, per, per == 1 ? "" : "s", FPQ_MIN_UNIT_VALUES, s->format.name,
             cols == 1 || rows == 1 ? " (this tensor is a vector: per tensor, or groups along its length)" : "");
    return true;
}

/* ---------------------------------------------------------------------- */
/* Calibration shapes.                                                    */

int fpq_qspec_check_calib(const fpq_tensor *x, const fpq_tensor *c, const fpq_qspec *s, fpq_errbuf *err)
{
    const int E = FPQ_LAB_ERR_SPEC;
    bool same_rows = x->rows == c->rows, same_cols = x->cols == c->cols;
    if (s->outlier > 0 && !same_cols)
        return fpq_err(err, E, "calibration tensor is %zu x %zu but the outlier split picks columns: it "
                       "needs the %zu columns of the input", c->rows, c->cols, x->cols);
    switch (s->granularity) {
    case FPQ_GRAN_TENSOR: return FPQ_OK;
    case FPQ_GRAN_ROW:
        if (!same_rows)
            return fpq_err(err, E, "calibration tensor is %zu x %zu but per-row scales need the %zu rows "
                           "of the input", c->rows, c->cols, x->rows);
        return FPQ_OK;
    case FPQ_GRAN_COL:
        if (!same_cols)
            return fpq_err(err, E, "calibration tensor is %zu x %zu but per-column scales need the %zu "
                           "columns of the input", c->rows, c->cols, x->cols);
        return FPQ_OK;
    default:
        if (!same_rows || !same_cols)
            return fpq_err(err, E, "calibration tensor is %zu x %zu but %s scales need the input's shape, "
                           "%zu x %zu", c->rows, c->cols,
                           s->scheme == FPQ_SCHEME_MX || s->scheme == FPQ_SCHEME_NVFP4 ? "block" : "group",
                           x->rows, x->cols);
        return FPQ_OK;
    }
}
