/* gptq.h: GPTQ weight quantization (Frantar, Ashkboos, Hoefler and Alistarh
 * 2022, "GPTQ: Accurate Post-Training Quantization for Generative
 * Pre-trained Transformers", Algorithm 1).
 *
 * W is features x outputs (K x N, as in matmul.h), so the paper's columns
 * (input features) are W's rows here.  From calibration activations X
 * (tokens x K):
 *   H = X^T X; a feature with H[j][j] = 0 (dead) has its row of W set to
 *   zero and H[j][j] = 1; with act_order the features are processed in
 *   order of decreasing H[j][j] (stable, ties in index order), else in
 *   index order; H += damp mean(diag H) I; U is the upper Cholesky factor
 *   of H^-1 (H^-1 = U^T U, both through LAPACK).  Row by row, in processing
 *   order: q = the quantized current row, e = (w - q) / U[i][i], and every
 *   later row r gets w_r -= U[i][r] e.  The updates are lazy: applied at
 *   once inside a block of `block` rows, and to the rows after the block by
 *   one matrix product (BLAS) when the block is done; the result does not
 *   depend on the block size beyond rounding.
 * Each row is quantized by fpq_quantize under the spec, with the scales of
 * the unit it belongs to taken from the current (error-updated) weights:
 *   groups along the input dimension (group, axis 0; also mx and nvfp4
 *   with axis 0): when a group's first row is reached in processing order,
 *   from that row and the next G - 1 (with every update so far applied);
 *   with act_order the groups are consecutive in processing order;
 *   per column (output channel) or per tensor: from all of W at the start
 *   (dead rows zeroed);
 *   per row or groups along a row (axis 1): from the row itself.
 * The nvfp4 tensor scale of axis-0 groups is that of the group's rows.
 */
#ifndef FPQ_GPTQ_H
#define FPQ_GPTQ_H

#include <stdbool.h>
#include <stddef.h>

#include "matmul.h"

typedef struct fpq_gptq_opts {
    double damp;    /* relative dampening, >= 0 (default 0.01) */
    size_t block;   /* lazy-update block, >= 1 (default 128) */
    bool act_order; /* decreasing diag H first (default false) */
} fpq_gptq_opts;

/* The defaults above. */
void fpq_gptq_opts_default(fpq_gptq_opts *o);

typedef struct fpq_gptq_stats {
    size_t dead;         /* features with H[j][j] = 0 */
    double damp_abs;     /* the dampening added to diag H */
    double clipped_frac; /* clipped values of the rows' quantizations / (K N) */
} fpq_gptq_stats;

/* *wq (freed by the caller with fpq_tensor_free) receives W^, K x N, from w
 * (K x N) and the calibration activations xcal (tokens x K) under the
 * element/scale spec s and options o; *st (may be NULL) the statistics.
 * FPQ_OK; FPQ_ERR_ARG (shapes); FPQ_LAB_ERR_SPEC (spec or options invalid,
 * or H + damp is not positive definite: err says to raise damp);
 * FPQ_LAB_ERR_EMPTY; FPQ_LAB_ERR_FORMAT (NaN or Inf); FPQ_ERR_NO_MEMORY. */
int fpq_gptq(fpq_tensor *wq, fpq_gptq_stats *st, const fpq_tensor *w, const fpq_tensor *xcal,
             const fpq_qspec *s, const fpq_gptq_opts *o, fpq_errbuf *err);

#endif
