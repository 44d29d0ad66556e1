/* method.h: a quantized product X W with a weight method (round to nearest,
 * GPTQ or HQQ) and the activation-side transforms (SmoothQuant, Hadamard
 * rotation) in front of any product of matmul.h, LLM.int8 included.
 *
 * Order: the SmoothQuant factors s (from the calibration activations and
 * W), X / s and s W; then X H and H^T W; then W^ by the weight method on
 * the transformed W (GPTQ with the transformed calibration activations);
 * then the product of the transformed X and W^ as fpq_matmul forms it, X
 * quantized under s->x (static scales from the transformed calib when
 * given; per-token scales stay the token's own when calib has other rows
 * than x, as in LLM.int8).  The error is always measured against the exact product of the
 * untransformed X and W (fpq_matmul_ref), so the rounding of the
 * transforms to binary64 (transform.h) is counted in it.
 */
#ifndef FPQ_METHOD_H
#define FPQ_METHOD_H

#include <stdbool.h>
#include <stddef.h>

#include "gptq.h"
#include "hqq.h"
#include "matmul.h"

typedef enum fpq_wmethod {
    FPQ_WMETHOD_RTN,  /* round to nearest: fpq_quantize under s->w */
    FPQ_WMETHOD_GPTQ, /* fpq_gptq */
    FPQ_WMETHOD_HQQ,  /* fpq_hqq */
    FPQ_WMETHOD_COUNT_
} fpq_wmethod;

const char *fpq_wmethod_name(fpq_wmethod m); /* "rtn", "gptq", "hqq" */
/* FPQ_OK or FPQ_LAB_ERR_SPEC. */
int fpq_wmethod_parse(fpq_wmethod *out, const char *name);

typedef struct fpq_mm_method {
    fpq_wmethod w_method; /* default rtn */
    fpq_gptq_opts gptq;   /* fpq_gptq_opts_default */
    fpq_hqq_opts hqq;     /* fpq_hqq_opts_default */
    bool rotate;          /* Hadamard rotation (default false) */
    size_t rotate_block;  /* its block B; 0: fpq_hadamard_default_block(K) */
    bool smooth;          /* SmoothQuant (default false) */
    double alpha;         /* its migration strength, 0..1 (default 0.5) */
} fpq_mm_method;

/* The defaults above. */
void fpq_mm_method_default(fpq_mm_method *m);

/* What the method did, beside the product's metrics. */
typedef struct fpq_mm_method_stats {
    size_t rotate_block;      /* the Hadamard block used (0: none) */
    fpq_gptq_stats gptq;      /* GPTQ's, when used */
    fpq_hqq_stats hqq;        /* HQQ's, when used */
} fpq_mm_method_stats;

/* W^ of w (features x outputs) by the weight method wm under s with the
 * method's default options (rtn: fpq_quantize; gptq: fpq_gptq with the
 * activations acts, tokens x features; hqq: fpq_hqq), and the metrics of
 * W^ against w (fpq_qmetrics_compute, exact when s->exact_metrics), with
 * clipped_frac and bits_per_value from the method.  wh (may be NULL; else
 * freed by the caller with fpq_tensor_free).  GPTQ needs acts and RTN takes
 * none (FPQ_LAB_ERR_SPEC).  Returns as the method does. */
int fpq_quantize_method(fpq_tensor *wh, fpq_qmetrics *m, const fpq_tensor *w, const fpq_tensor *acts,
                        const fpq_qspec *s, fpq_wmethod wm, fpq_errbuf *err);

/* Y^ of x (rows x K) and w (K x N) under s and the method mt.  calib (may
 * be NULL): static activation scales (and LLM.int8 dimensions), as for
 * fpq_matmul.  acts: the calibration activations of GPTQ and SmoothQuant
 * (tokens x K; NULL: x itself).  y, m, row_err as fpq_matmul's; *ms (may be
 * NULL) the statistics above.  GPTQ and HQQ need a W spec and refuse
 * LLM.int8 (FPQ_LAB_ERR_SPEC).  Returns as fpq_matmul, fpq_gptq and
 * fpq_hqq. */
int fpq_matmul_method(fpq_tensor *y, fpq_mm_metrics *m, fpq_mm_method_stats *ms, double *row_err,
                      const fpq_tensor *x, const fpq_tensor *w, const fpq_tensor *calib, const fpq_tensor *acts,
                      const fpq_mm_spec *s, const fpq_mm_method *mt, fpq_errbuf *err);

#endif
