/* matmul.h: quantized matrix products Y = X W and their error.
 *
 * X is tokens x features (rows x K), W is features x outputs (K x N), Y is
 * rows x N.  Each operand is either exact or quantized by fpq_quantize
 * under its own spec (quant.h); the product is then computed the way the
 * hardware would, and compared with the exact product of the unquantized
 * X and W.  Three ways to form the product, chosen from the specs:
 *
 *   integer   both operands integer (at most 16 bits), absmax, X per tensor
 *             or per row (token), W per tensor or per column (output
 *             channel), no outlier split: the codes q = x^/S are multiplied
 *             and summed exactly in int32 (wrapping like hardware; each
 *             overflow is counted) or int64, then rescaled:
 *             Y[i][j] = S_x[i] S_w[j] acc[i][j] in binary64, one rounding
 *             when S_x S_w is exact in binary64 (fp32, fp16, bf16 scales).
 *   codes     the same scale layout with float (or mixed int/float) codes,
 *             e.g. fp8 x fp8: the codes are multiplied and summed in the
 *             accumulator (default fp32, every addition rounded, sequential
 *             order) and rescaled in binary64 as above.
 *   dequant   anything else (weight-only, groups, zero-point, lookup tables,
 *             one operand exact): X^ (or X) times W^, both first rounded into
 *             the `in` format when one is given, summed in the accumulator
 *             (default: exactly, see below).
 * Float sums are emulated with libfpq's fpq_gemm_f64 (MPFR, correctly
 * rounded at every step), or bit for bit the same at host speed where the
 * products are exact in an fp32 accumulator (operands of 12 significant
 * bits or fewer, round to nearest even).
 *
 * LLM.int8 (Dettmers et al. 2022): the feature dimensions (columns of X,
 * rows of W) where any |x| >= threshold -- found on the calibration X when
 * one is given -- are multiplied in the kept format (fp16) with an fp32
 * accumulator (or `acc`), the other dimensions under the X and W specs
 * (vector-wise int8 by default: X per row, W per column, scales over the
 * remaining dimensions only), and the two products added in binary64.
 *
 * "Exact" products (the reference, and acc exact) are Ogita-Rump-Oishi Dot2
 * sums of the binary64 products: as accurate as a sum in twice the working
 * precision, then rounded to binary64 (relative error ~1e-16 unless the sum
 * cancels almost entirely).
 *
 * Not supported: NaN or Inf in any operand; operands of more than 2^31
 * elements per dimension; integer accumulators other than int32 and int64.
 */
#ifndef FPQ_MATMUL_H
#define FPQ_MATMUL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quant.h"

typedef enum fpq_mm_path {
    FPQ_MM_PATH_EXACT,   /* neither operand quantized, no in/acc rounding */
    FPQ_MM_PATH_INT,     /* integer codes, exact integer accumulation */
    FPQ_MM_PATH_CODES,   /* float codes, float accumulator */
    FPQ_MM_PATH_DEQUANT, /* dequantized operands, float GEMM */
    FPQ_MM_PATH_COUNT_
} fpq_mm_path;

const char *fpq_mm_path_name(fpq_mm_path p); /* "exact", "int", "codes", "dequant" */

typedef struct fpq_mm_spec {
    bool quant_x, quant_w; /* false: the operand stays exact (default both) */
    fpq_qspec x;           /* X's spec: rows are tokens (row = per token) */
    fpq_qspec w;           /* W's spec: rows are input features, so per
                              output channel is FPQ_GRAN_COL and groups along
                              the input dimension are axis 0 */
    bool llm_int8;         /* LLM.int8 decomposition (default false) */
    double threshold;      /* its outlier threshold, > 0 (default 6) */
    fpq_format kept;       /* its kept format (default fp16) */
    bool has_in;           /* dequant path: round X^, W^ into `in` first */
    fpq_format in;
    bool has_acc;          /* float accumulator; default: exact for the
                              dequant path, fp32 for codes and the kept part */
    fpq_format acc;
    bool int_acc64;        /* integer path: int64 (default false: int32) */
    bool has_acc_model;    /* float codes and dequant paths: sum as this
                              accumulation model (fpq.h's fpq_acc_model)
                              instead of `acc`; the result is in its acc */
    fpq_acc_model acc_model;
} fpq_mm_spec;

/* Defaults: both operands exact, X int8 per row and W int8 per column as
 * their specs (used once quant_x / quant_w are set), no LLM.int8, threshold
 * 6, kept fp16, no `in`, default accumulators, int32. */
void fpq_mm_spec_default(fpq_mm_spec *s);

/* The LLM.int8 preset: quant_x, quant_w, llm_int8 on, X int8 absmax per row,
 * W int8 absmax per column (other fields unchanged). */
void fpq_mm_spec_llm_int8(fpq_mm_spec *s, double threshold);

/* FPQ_OK or FPQ_LAB_ERR_SPEC with a sentence in err. */
int fpq_mm_spec_validate(const fpq_mm_spec *s, fpq_errbuf *err);

typedef struct fpq_mm_metrics {
    double rel_err;        /* ||Y^ - Y||_F / ||Y||_F (0 if both are 0) */
    double sqnr_db;        /* 10 log10(sum Y^2 / sum (Y^ - Y)^2); +inf without error */
    double max_abs_err;    /* max |Y^ - Y| */
    double outlier_frac;   /* LLM.int8: outlier dimensions / K (the share of
                              multiply-adds done in the kept format) */
    double bits_x, bits_w; /* storage per value: fpq_qspec_bits_per_value
                              (with kept outliers and their indices, counted
                              on X); an exact operand: 64, or `in`'s width */
    double clipped_frac_x, clipped_frac_w; /* from fpq_quantize (static X) */
    size_t outlier_dims;   /* LLM.int8: how many */
    size_t int_overflows;  /* int32 accumulator: partial sums that wrapped */
    fpq_mm_path path;      /* how the (inlier) product was formed */
} fpq_mm_metrics;

/* Y^ = the quantized product of x (rows x K) and w (K x N) under s.
 * *y (may be NULL; else freed by the caller with fpq_tensor_free) receives
 * Y^; *m (may be NULL) the metrics; row_err (may be NULL; rows entries)
 * the relative error of each row, ||Y^_i - Y_i|| / ||Y_i|| (0 for an exact
 * zero row without error, +inf for a zero row with error).
 * calib NULL: dynamic activation scales, from x.  calib (rows' x K, same
 * rows as x for per-row X scales): static, X's scales, ranges and the
 * LLM.int8 outlier dimensions from calib, applied to x (clipping counted).
 * Returns FPQ_OK, FPQ_ERR_ARG (shapes do not chain), FPQ_LAB_ERR_SPEC,
 * FPQ_LAB_ERR_EMPTY, FPQ_LAB_ERR_FORMAT (NaN/Inf), FPQ_ERR_NO_MEMORY. */
int fpq_matmul(fpq_tensor *y, fpq_mm_metrics *m, double *row_err, const fpq_tensor *x,
               const fpq_tensor *w, const fpq_tensor *calib, const fpq_mm_spec *s, fpq_errbuf *err);

/* rel_err, sqnr_db and max_abs_err of yh against the reference yr (same
 * shape) into *m (other fields unchanged), and row_err (may be NULL) as
 * fpq_matmul's.  FPQ_OK, or a status of fpq_qmetrics_compute. */
int fpq_mm_compare(fpq_mm_metrics *m, double *row_err, const fpq_tensor *yr, const fpq_tensor *yh,
                   fpq_errbuf *err);

/* The reference product x w (Dot2, rounded to binary64) into *y. */
int fpq_matmul_ref(fpq_tensor *y, const fpq_tensor *x, const fpq_tensor *w, fpq_errbuf *err);

/* Integer GEMM: c (rows x cols) = a (rows x k) b (k x cols), row-major, as
 * an integer matrix unit does: products exact, summed in order t = 0..k-1
 * in int64 (acc64) or in int32 with two's complement wrap-around, in which
 * case *overflows (may be NULL) counts the partial sums that left the int32
 * range.  Entries must satisfy |v| <= 2^16.  FPQ_OK or FPQ_ERR_NO_MEMORY. */
int fpq_igemm(int64_t *c, size_t *overflows, const int32_t *a, const int32_t *b, size_t rows, size_t k,
              size_t cols, bool acc64);

#endif
