/* quant.h: the error lab's quantizers and error metrics.
 *
 * One function, fpq_quantize, takes a tensor (rows x cols, rows are tokens,
 * columns are channels) and a quantization spec, and returns the dequantized
 * tensor x^ and the metrics of x^ against x.  Every rounding into a format
 * (elements, scales, zero-points, kept outliers) is libfpq's: the bulk path
 * fpq_round_f64, or fpq_encode where an exact quotient is needed.
 *
 * Schemes, for a unit of elements sharing one scale (the whole tensor, a row,
 * a column, a group of G along a row or down a column, an MX/NVFP4 block):
 *   absmax     S = c / qmax (c the clip value: max|x| by default; qmax the
 *              element format's largest finite value), q = round(x/S) in
 *              the element format, saturating, x^ = q S.  For float and
 *              lookup-table elements this maps the range onto the format's
 *              finite range and the elements round in the format itself.
 *   zeropoint  integer elements only: S = (hi - lo)/(qmax - qmin),
 *              Z = round(qmin - lo/S), q = clamp(round(x/S) + Z, qmin, qmax),
 *              x^ = (q - Z) S, with [lo, hi] = [min x, max x] by default.
 *   mx         OCP MX 1.0: blocks of 32, E8M0 scale 2^(floor(log2 amax) -
 *              emax_elem) (or the CEIL / RCEIL / EVEN rules), elements
 *              saturate.
 *   nvfp4      blocks of 16, E4M3 block scale, FP32 tensor scale (NVIDIA NVFP4;
 *              or Four Over Six's choice of 4 or 6 per block).
 *
 * Quotients x/S are formed in binary64 and rounded to odd (Boldo and
 * Melquiond) before the one rounding into a format of at most 51 bits of
 * precision, so q is the correct rounding of the exact quotient in every
 * deterministic mode; under stochastic rounding the draw is compared with
 * the fraction of that 53-bit quotient.  (Quotients below 2^-969 in
 * magnitude, which only the tiniest data meet, are taken as rounded.)
 * That is the default, the exact quotient (quotient exact).  Real
 * implementations round the quotient first: quotient div rounds x/S once in
 * the arithmetic format (fp32 by default), quotient recip rounds 1/S and
 * then x * (1/S); y is then rounded into the element format as above.
 * x^ = q S is rounded to binary64, exact whenever q's and S's significands
 * fit in 53 bits together (every case but 53-bit scales).
 *
 * Not supported: NaN or infinite input (an error naming the first one);
 * zero-point with float or lookup-table elements, or integers wider than
 * 24 bits; range choices other than max for mx and nvfp4; tensors of more
 * than 2^53 elements.
 */
#ifndef FPQ_QUANT_H
#define FPQ_QUANT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tensor.h"

typedef enum fpq_scheme {
    FPQ_SCHEME_ABSMAX,
    FPQ_SCHEME_ZEROPOINT,
    FPQ_SCHEME_MX,
    FPQ_SCHEME_NVFP4,
    FPQ_SCHEME_COUNT_
} fpq_scheme;

typedef enum fpq_gran {
    FPQ_GRAN_TENSOR, /* one scale */
    FPQ_GRAN_ROW,    /* one per row (per token) */
    FPQ_GRAN_COL,    /* one per column (per channel) */
    FPQ_GRAN_GROUP,  /* one per G consecutive elements along `axis` */
    FPQ_GRAN_COUNT_
} fpq_gran;

typedef enum fpq_range {
    FPQ_RANGE_MAX,        /* c = max|x| (zeropoint: [min, max]) */
    FPQ_RANGE_PERCENTILE, /* c = the P-th percentile of |x| (nearest rank) */
    FPQ_RANGE_MSE,        /* c = r max|x|, r the ratio of least squared error */
    FPQ_RANGE_COUNT_
} fpq_range;

/* Block-scale rules (--scale-rule; the spec field mx_rule).  MX (E8M0
 * scale X = 2^k, amax the block's max |x|, emax_elem the exponent of the
 * element's largest power of two, m its fraction bits: precision - 1 for
 * floats, N - 2 for MX intN):
 *   FLOOR  k = floor(log2 amax) - emax_elem       (OCP MX 1.0 §6.3; torchao
 *          ScaleCalculationMode.FLOOR)
 *   CEIL   k = ceil(log2 amax) - emax_elem        (torchao CEIL)
 *   RCEIL  k = ceil(log2(amax / max_elem)): the quotient rounded up to a
 *          power of two (cuDNN block_scale_quantize "quantize_round_up(
 *          amax / vmax)", cuBLAS UE8M0 scales, torchao RCEIL)
 *   EVEN   k = floor(log2 amax') - emax_elem, amax' = amax rounded to m + 1
 *          significant bits, ties away from zero: FLOOR but one up when
 *          amax's significand is >= 2 - 2^-(m+1) (torchao EVEN)
 * NVFP4 (E4M3 block scale s_b, FP32 tensor scale s_t):
 *   SIX     s_t = amax / (6 * 448), s_b = e4m3(amax_b / (6 s_t)): the block
 *           max maps to 6 (NVIDIA's recipe; the nvfp4 default)
 *   4OVER6  Four Over Six (Cook et al. 2025, arXiv 2512.02010): s_t = amax
 *           / (6 * 256); per block both s_b = e4m3(amax_b / (6 s_t)) and
 *           e4m3(amax_b / (4 s_t)) are tried, and the one of lower sum of
 *           squared block error kept (6 on a tie) */
typedef enum fpq_mx_rule {
    FPQ_MX_FLOOR,
    FPQ_MX_CEIL,
    FPQ_MX_RCEIL,
    FPQ_MX_EVEN,
    FPQ_NV_SIX,
    FPQ_NV_4OVER6,
    FPQ_MX_RULE_COUNT_
} fpq_mx_rule;

/* How the element quotient y = x / S is formed before its one rounding
 * into the element format (public quantizers differ here, and a tie of the
 * exact quotient can round either way after an inexact one):
 *   EXACT  the exact real x / S (default)
 *   DIV    x / S rounded once in the arithmetic format (fl(x / S)), as a
 *          kernel that divides in fp32
 *   RECIP  x * (1 / S) with 1 / S rounded first: fl(x * fl(1 / S)), as a
 *          kernel that multiplies by an inverse scale */
typedef enum fpq_quotient {
    FPQ_QUOTIENT_EXACT,
    FPQ_QUOTIENT_DIV,
    FPQ_QUOTIENT_RECIP,
    FPQ_QUOTIENT_COUNT_
} fpq_quotient;

/* The arithmetic format of the scale computation and of the DIV and RECIP
 * quotients: each operation's exact result is rounded once to it (to
 * nearest even; operands are taken as the binary64 values they are).
 *   DEFAULT  EXACT with FPQ_QUOTIENT_EXACT, FP32 with DIV and RECIP
 *   EXACT    the scale quotient is exact before its one rounding into the
 *            scale format (fpq's behaviour before this choice existed)
 *   FP32     binary32: S = round_scale(fl32(c / qmax)), as a quantizer
 *            computing in fp32
 *   FP64     binary64, as a NumPy float64 quantizer */
typedef enum fpq_sarith {
    FPQ_SARITH_DEFAULT,
    FPQ_SARITH_EXACT,
    FPQ_SARITH_FP32,
    FPQ_SARITH_FP64,
    FPQ_SARITH_COUNT_
} fpq_sarith;

const char *fpq_scheme_name(fpq_scheme s);   /* "absmax", "zeropoint", "mx", "nvfp4" */
const char *fpq_gran_name(fpq_gran g);       /* "tensor", "row", "col", "group" */
const char *fpq_mx_rule_name(fpq_mx_rule r); /* "floor", "ceil", "rceil", "even", "6", "4over6" */
/* Parse a name (aliases: zero-point, asym; token; column, channel).
 * FPQ_OK or FPQ_LAB_ERR_SPEC. */
int fpq_scheme_parse(fpq_scheme *out, const char *name);
/* The block-scheme names libfpq also accepts as element formats (nvfp4,
 * mxfp4: aliases of fp4_e2m1): for them a sentence saying what they would
 * mean and the spelling of the scheme, else NULL.  The quantizing commands
 * refuse them as --format with it. */
const char *fpq_qspec_block_alias_fix(const char *name);
int fpq_gran_parse(fpq_gran *out, const char *name);
int fpq_mx_rule_parse(fpq_mx_rule *out, const char *name);
const char *fpq_quotient_name(fpq_quotient q); /* "exact", "div", "recip" */
const char *fpq_sarith_name(fpq_sarith a);     /* "default", "exact", "fp32", "fp64" */
int fpq_quotient_parse(fpq_quotient *out, const char *name);
/* Names as above; "binary32", "float32", "binary64", "float64" too. */
int fpq_sarith_parse(fpq_sarith *out, const char *name);

/* A quantization spec.  Fill with fpq_qspec_default (and, for mx and nvfp4,
 * fpq_qspec_set_scheme), change fields, check with fpq_qspec_validate. */
typedef struct fpq_qspec {
    fpq_format format;       /* element format; default int8 */
    fpq_scheme scheme;       /* default absmax */
    fpq_gran granularity;    /* default tensor; mx and nvfp4: group */
    size_t group;            /* G >= 2 for FPQ_GRAN_GROUP (default 32; mx 32,
                                nvfp4 16 and nothing else); the last group of
                                a row (column) may be shorter and has its own
                                scale */
    unsigned axis;           /* groups run along 1: a row (default), 0: a column */
    fpq_format scale_format; /* default fp32; mx: e8m0; nvfp4: fp8_e4m3 */
    bool scale_exact;        /* the scale is the binary64 quotient, stored as
                                64 bits; scale_format is then unused */
    fpq_rnd scale_round;     /* the scale's one rounding into scale_format:
                                any mode but sr; default rne.  A scale that
                                rounds to 0 becomes the format's least positive
                                value; one above its range, its largest */
    fpq_mx_rule mx_rule;     /* the block-scale rule: mx: floor (default), ceil,
                                rceil, even; nvfp4: 6 (default), 4over6 */
    bool tensor_scale;       /* nvfp4: with the FP32 tensor scale (default) */
    fpq_range range;         /* default max */
    double percentile;       /* FPQ_RANGE_PERCENTILE: P in (0, 100]; default 99.9 */
    unsigned mse_steps;      /* FPQ_RANGE_MSE: ratios k/steps, k = steps..1;
                                2 <= steps <= 1000, default 100 */
    fpq_rounding rnd;        /* elements: mode (default rne), seed, and the
                                stochastic position of element 0 (element i
                                of the row-major tensor uses position + i);
                                int_symmetric: signed integers without their
                                most negative value; overflow: elements past
                                the grid, default FPQ_OVF_SATURATE (the clamp,
                                P3109 SatFinite); FPQ_OVF_FORMAT the format's
                                own (Inf or NaN; integers clamp), PROPAGATE,
                                WRAP (integers: two's complement; not with
                                zeropoint, which must saturate, nor MX
                                integers) */
    double outlier;          /* LLM.int8 split: columns with any |x| >= outlier
                                are kept in kept_format; 0 (default): no split */
    fpq_format kept_format;  /* default fp16; kept values round to nearest
                                even and saturate */
    bool exact_metrics;      /* metrics recomputed with MPFR (fpq_qmetrics_compute) */
    fpq_quotient quotient;   /* how x / S is formed; default exact */
    fpq_sarith scale_arith;  /* arithmetic of the scale and of the div and
                                recip quotients; default: exact with quotient
                                exact, fp32 otherwise (fpq_qspec_arith) */
} fpq_qspec;

/* The arithmetic s uses: s->scale_arith, or for FPQ_SARITH_DEFAULT exact
 * with quotient exact and fp32 with div and recip. */
fpq_sarith fpq_qspec_arith(const fpq_qspec *s);

/* Every field to its default above: int8 absmax per tensor, fp32 scale. */
void fpq_qspec_default(fpq_qspec *s);

/* Set the scheme and the fields it fixes: mx: granularity group, group 32,
 * e8m0 scale, element fp4_e2m1 (MXFP4; set format afterwards for MXFP8,
 * MXFP6 or MXINT8), rule floor; nvfp4: granularity group, group 16,
 * fp8_e4m3 scale, element fp4_e2m1, rule 6.  absmax and zeropoint: the scheme only. */
void fpq_qspec_set_scheme(fpq_qspec *s, fpq_scheme scheme);

/* FPQ_OK, or FPQ_LAB_ERR_SPEC with a sentence in err (may be NULL) naming
 * the field and what would be valid. */
int fpq_qspec_validate(const fpq_qspec *s, fpq_errbuf *err);

/* Whether calibration tensor c's shape fits input x's under s (fpq_quantize
 * with calib): FPQ_OK, or FPQ_LAB_ERR_SPEC with a sentence in err. */
int fpq_qspec_check_calib(const fpq_tensor *x, const fpq_tensor *c, const fpq_qspec *s, fpq_errbuf *err);

/* The range choice as text: "max", "percentile:99.9", "mse" ("mse:50" for
 * other step counts); the percentile in the shortest text that reads back
 * as the same double (fpq_dtoa_shortest: percentile:33.333333333333336),
 * so fpq_range_parse of the text gives the same choice.  snprintf
 * contract. */
size_t fpq_range_describe(char *buf, size_t n, const fpq_qspec *s);
/* Parse that text into s->range, s->percentile, s->mse_steps.
 * FPQ_OK or FPQ_LAB_ERR_SPEC (err says why). */
int fpq_range_parse(fpq_qspec *s, const char *text, fpq_errbuf *err);

/* Effective storage per value of a rows x cols tensor of which outlier_cols
 * columns are kept: (elements x element bits + units x (scale bits + zero-
 * point bits) + kept elements x kept bits + 32 per outlier column index +
 * 32 for an nvfp4 tensor scale) / (rows cols).  Scale bits: the scale
 * format's width, 64 for an exact scale; zero-point bits: the element
 * width (zeropoint only).  Units: 1, rows, cols, rows ceil(C'/G) or C'
 * ceil(rows/G) (axis 0), C' = cols - outlier_cols.  0 for an empty tensor.
 * Example: int4, groups of 32, fp16 scale: 4 + 16/32 = 4.5; MXFP4: 4.25;
 * NVFP4: 4.5 + 32/n. */
double fpq_qspec_bits_per_value(const fpq_qspec *s, size_t rows, size_t cols, size_t outlier_cols);

/* Units of a scale hold at least this many values in a meaningful
 * quantization: below it, a scale per unit measures the scale format more
 * than the element format (one value per unit: every value is its scale). */
#define FPQ_MIN_UNIT_VALUES 8

/* Whether the units of s on a rows x cols tensor (granularity row, col or
 * group) hold fewer than FPQ_MIN_UNIT_VALUES values on average (n /
 * units); if so, a sentence in
 * buf saying so, why it matters, and what to use instead (snprintf
 * contract on buf). */
bool fpq_qunit_too_small(char *buf, size_t n, const fpq_qspec *s, size_t rows, size_t cols);

/* ---------------------------------------------------------------------- */
/* Metrics.                                                                */

typedef struct fpq_qmetrics {
    /* the error of x^ against x, over all n values */
    double mse;          /* sum (x^ - x)^2 / n */
    double rmse;         /* sqrt(mse) */
    double nmse;         /* sum (x^ - x)^2 / sum x^2 (0 when both are 0, +inf
                            when only the signal is) */
    double sqnr_db;      /* 10 log10(sum x^2 / sum (x^ - x)^2), at most
                            FPQ_SQNR_CAP_DB (a result without error has the
                            cap and lossless 1); -inf when some x^ is NaN or
                            infinite (nan_frac, overflow_frac say which) */
    double lossless;     /* 1 when x^ = x for every value, else 0 */
    double max_abs_err;  /* max |x^ - x| */
    double mean_rel_err; /* mean of |x^ - x| / |x| over the x != 0; 0 if none */
    double cos_sim;      /* sum x x^ / sqrt(sum x^2 sum x^^2); 1 when both are
                            zero, 0 when one is */
    double bias;         /* sum (x^ - x) / n */
    /* from the quantizer (fpq_quantize; fpq_qmetrics_compute sets them 0) */
    double clipped_frac;   /* values whose x/S lies beyond an extreme of the
                              grid by more than half its last step (int8:
                              outside [-128.5, 127.5]; kept outliers: beyond
                              the kept format likewise), / n */
    double outlier_frac;   /* values kept in kept_format, / n */
    /* from the values (fpq_qmetrics_compute) */
    double flushed_frac;   /* x != 0 but x^ = 0, / n */
    double overflow_frac;  /* x finite but x^ infinite, / n */
    double nan_frac;       /* x not NaN but x^ NaN, / n */
    double bits_per_value; /* fpq_qspec_bits_per_value */
    /* details (not in the metric table) */
    double clip_ratio;     /* mean over units of clip value / max|x| (1 for
                              range max; zeropoint: (hi-lo)/(max-min)) */
    size_t n, n_clipped, n_outlier, outlier_cols, units;
} fpq_qmetrics;

/* SQNR is reported up to this many dB: a result without error (lossless 1)
 * has exactly this value, never +inf. */
#define FPQ_SQNR_CAP_DB 999.0

/* The metric names in table order: mse, rmse, nmse, sqnr_db, lossless,
 * max_abs_err, mean_rel_err, cos_sim, bias, clipped_frac, flushed_frac,
 * overflow_frac, nan_frac, outlier_frac, bits_per_value. */
#define FPQ_QMETRIC_COUNT 15
extern const char *const fpq_qmetric_names[FPQ_QMETRIC_COUNT];
/* Metric i of m (in the order of fpq_qmetric_names); NaN past the end. */
double fpq_qmetric(const fpq_qmetrics *m, size_t i);

/* The error metrics (mse .. bias, lossless, flushed_frac, overflow_frac,
 * nan_frac) of xhat against x, same shape, n > 0.  The sums are taken in a
 * scale that cannot overflow: when the largest |x| or |x^| is beyond
 * 2^+-500 both are multiplied by a power of two first (exact), and mse,
 * rmse, max_abs_err and bias scaled back (mse is +inf only when it is
 * beyond the largest double).  When some x^ is NaN or infinite (x finite),
 * mse, rmse, nmse and max_abs_err are +inf, sqnr_db -inf, mean_rel_err,
 * cos_sim and bias NaN, and nan_frac or overflow_frac is above 0.
 * exact false: products and differences in binary64, sums compensated
 * (Neumaier) in a fixed order of chunks, whatever the thread count.
 * exact true: every difference, product and partial sum in MPFR at 256
 * bits, the derived values rounded once to binary64.  The two agree to a
 * relative 1e-12 (bias: 1e-12 of mean |x^ - x|; tests/check_quant.c).
 * FPQ_OK, FPQ_ERR_ARG (shapes differ), FPQ_LAB_ERR_EMPTY, FPQ_ERR_NO_MEMORY. */
int fpq_qmetrics_compute(fpq_qmetrics *m, const fpq_tensor *x, const fpq_tensor *xhat, bool exact,
                         fpq_errbuf *err);

/* ---------------------------------------------------------------------- */
/* Scale arithmetic (scalearith.c; exposed for tests and other modules).   */

/* x / s (s > 0) in binary64, rounded to odd when ro (one rounding of it
 * into a format of at most 51 bits of precision is then the correct
 * rounding of the exact quotient), else to nearest even.  Quotients below
 * 2^-969 in magnitude are taken as rounded to nearest. */
double fpq_quot(double x, double s, bool ro);
/* x / s and x * y rounded once to the arithmetic a (FP32: the binary32
 * value, as a double; FP64 and EXACT: binary64, to nearest even). */
double fpq_sarith_div(fpq_sarith a, double x, double s);
double fpq_sarith_mul(fpq_sarith a, double x, double y);

/* Block scales (exposed for tests and for other modules).                 */

/* The MX shared-scale exponent k (X = 2^k) of a block with max|x| = amax
 * for an element format with largest finite value max_elem and mbits
 * fraction bits (EVEN) under an MX rule; clamped to [-127, 127]; amax = 0
 * gives -127 (OCP MX 1.0 §6.3); a NaN or infinite amax gives 128, the
 * E8M0 NaN (code 0xFF), as torchao and cuBLAS produce; an NVFP4 rule
 * counts as FLOOR. */
int fpq_mx_scale_exp(double amax, double max_elem, unsigned mbits, fpq_mx_rule rule);
/* Whether rule is one of scheme's (mx: floor .. even; nvfp4: 6, 4over6). */
bool fpq_mx_rule_fits(fpq_mx_rule rule, fpq_scheme scheme);

/* ---------------------------------------------------------------------- */

/* Quantize x under spec s: *xhat (may be NULL; else the caller frees it
 * with fpq_tensor_free) receives x^, *m (may be NULL) the metrics.
 * calib NULL: dynamic, every range from x.  calib given: static, every
 * data-dependent choice (scales, zero-points, clip ranges, MSE ratios,
 * outlier columns, the nvfp4 tensor scale) from calib, applied to x;
 * values of x outside those ranges are clipped and counted.  calib must
 * have x's rows for per-row scales, x's columns for per-column scales and
 * outlier splits, and x's shape for groups and blocks.
 * Returns FPQ_OK; FPQ_LAB_ERR_SPEC (invalid spec, or calib's shape does not
 * fit); FPQ_LAB_ERR_EMPTY (x or calib has no values); FPQ_LAB_ERR_FORMAT
 * (NaN or Inf in x or calib, or a zero-point beyond +-2^30: err names the
 * element); FPQ_ERR_NO_MEMORY.  On failure *xhat is empty. */
int fpq_quantize(fpq_tensor *xhat, fpq_qmetrics *m, const fpq_tensor *x, const fpq_tensor *calib,
                 const fpq_qspec *s, fpq_errbuf *err);

/* What a quantizer stores, so that another implementation can be compared
 * with it element by element and unit by unit (fpq_quantize_parts). */
typedef struct fpq_qparts {
    int64_t *codes;  /* n values, row-major as x: for integer elements the
                        integer (zeropoint: the stored q, Z added and
                        clamped; mx intN: the code k of k 2^-(N-2)); for
                        float and lookup-table elements the bit pattern;
                        kept outlier columns hold the kept format's,
                        likewise.  x^ = (value of code - Z) S */
    size_t n;
    fpq_tensor scales; /* S per unit, in unit order: 1 x 1 (tensor), rows x 1
                          (row), 1 x C' (col), rows x ceil(C'/G) (groups
                          along a row), ceil(rows/G) x C' (axis 0), C' the
                          columns left after the outlier split.  mx: 2^k
                          (times 2^-(N-2) for intN); nvfp4: s_t s_b */
    fpq_tensor zero_points; /* zeropoint: Z per unit, shaped as scales; else
                               empty */
} fpq_qparts;

/* fpq_quantize, and when parts is not NULL the codes, scales and
 * zero-points into *parts (free with fpq_qparts_free; empty on failure). */
int fpq_quantize_parts(fpq_tensor *xhat, fpq_qmetrics *m, fpq_qparts *parts, const fpq_tensor *x,
                       const fpq_tensor *calib, const fpq_qspec *s, fpq_errbuf *err);
void fpq_qparts_free(fpq_qparts *p);

/* codes[0 .. n-1] = the codes of the n values v of f, as fpq_qparts holds
 * them: for an integer format the integer, else the bit pattern (each v[i]
 * a value of f; another is rounded to nearest even first) (codes.c).
 * FPQ_OK, FPQ_ERR_ARG or FPQ_ERR_NO_MEMORY. */
int fpq_qcodes(int64_t *codes, const double *v, size_t n, const fpq_format *f);

/* ---------------------------------------------------------------------- */
/* The cast experiment (cast.c): no scale, the mixed-precision question of
 * what underflows and what overflows when x, multiplied by a loss scale s,
 * is cast into a narrower format: x^ = round(x s) / s, the rounding
 * libfpq's fpq_round_f64 (its overflow policy applies: the format's own
 * Inf or NaN, or saturation), the division in binary64. */

typedef struct fpq_cast_spec {
    fpq_format format;   /* the target format; default fp16 */
    fpq_rounding rnd;    /* mode (default rne), seed, overflow (default
                            FPQ_OVF_FORMAT); element i uses stochastic
                            position rnd.position + i */
    double loss_scale;   /* s > 0; default 1 */
} fpq_cast_spec;

/* Every field to its default above. */
void fpq_cast_spec_default(fpq_cast_spec *c);

/* What the cast lost, each a fraction of the n values. */
typedef struct fpq_cast_stats {
    double underflow_frac; /* x != 0 but round(x s) = 0 */
    double subnormal_frac; /* round(x s) != 0 below the smallest normal
                              (float formats with subnormals) */
    double overflow_frac;  /* |x s| above the largest finite value */
} fpq_cast_stats;

/* Cast x under c: *xhat (may be NULL; else the caller frees it with
 * fpq_tensor_free) receives x^, *m (may be NULL) the metrics of
 * fpq_qmetrics_compute (double path) with clipped_frac (and n_clipped) the
 * overflows, outlier_frac 0 and bits_per_value the format's width, *st
 * (may be NULL) the fractions above.  x must hold finite values, as for
 * fpq_quantize.  FPQ_OK; a status of fpq_round_f64 (err names the format);
 * FPQ_LAB_ERR_FORMAT (a NaN or infinite input value, err names it);
 * FPQ_LAB_ERR_EMPTY (x has no values);
 * FPQ_ERR_NO_MEMORY.  On failure *xhat is empty. */
int fpq_cast(fpq_tensor *xhat, fpq_qmetrics *m, fpq_cast_stats *st, const fpq_tensor *x,
             const fpq_cast_spec *c, fpq_errbuf *err);

/* ---------------------------------------------------------------------- */
/* The Lloyd-Max quantizer (lloydmax.c): a reference curve of the figures. */

/* The Lloyd-Max quantizer of a unit Gaussian with 2^bits levels (1 <= bits
 * <= 12), found by Lloyd's iteration (Lloyd 1957/1982, Max 1960): cell
 * boundaries at the midpoints of the levels, each level at the centroid
 * of its cell, from Panter and Dite's companded start until no level moves
 * by more than 1e-13 (at most max_iter rounds; 0: 1000000).  levels (may
 * be NULL) receives the 2^bits levels in ascending order; *mse the mean
 * squared error E[(X - Q(X))^2]; *iters (may be NULL) the rounds taken.
 * Cell probabilities and centroids come from erfc and the density, so the
 * tails are accurate.  FPQ_OK, FPQ_ERR_ARG (bits out of range),
 * FPQ_ERR_NO_MEMORY, or FPQ_LAB_ERR_SPEC when it did not converge. */
int fpq_lloydmax_gauss(double *levels, double *mse, unsigned *iters, unsigned bits, unsigned max_iter,
                       fpq_errbuf *err);

#endif
