/* transform.h: the activation-side transforms of a product X W that leave
 * it unchanged in exact arithmetic but move range between the operands or
 * spread it over the reduction dimension before quantization.
 *
 * X is tokens x K, W is K x N (matmul.h).  Both transforms are computed in
 * binary64: each transformed value is rounded to binary64 (the Hadamard
 * butterflies each round once), so (X T)(T^-1 W) equals X W up to those
 * roundings, a relative error of a few 2^-53 per element; a product
 * measured against the exact X W counts them as error.
 *
 * Hadamard rotation (QuaRot, Ashkboos et al. 2024; SpinQuant, Liu et al.
 * 2024): H block-diagonal over K with blocks of B (a power of two dividing
 * K), each the Sylvester-Hadamard matrix H_B[i][j] = (-1)^popcount(i & j)
 * / sqrt(B): symmetric and orthonormal, so X W = (X H)(H^T W).  X H and H^T
 * W are formed by the fast Walsh-Hadamard transform (log2 B stages of sums
 * and differences), then scaled by 1/sqrt(B) (exact when B is a power of 4).
 *
 * SmoothQuant (Xiao et al. 2023): per input channel j,
 *   s_j = max_t |X_cal[t][j]|^alpha / max_n |W[j][n]|^(1 - alpha),
 * X / s and s W (columns of X divided, rows of W multiplied); s_j = 1 where
 * either maximum is 0.  The maxima of X come from calibration activations.
 */
#ifndef FPQ_TRANSFORM_H
#define FPQ_TRANSFORM_H

#include <stddef.h>

#include "tensor.h"

/* The largest power of two dividing k (k >= 1), at most 2^30. */
size_t fpq_hadamard_default_block(size_t k);

/* h (b x b, row-major) = the unnormalized Sylvester-Hadamard matrix of
 * order b (a power of two): entries +1 and -1, h h^T = b I. */
void fpq_hadamard_matrix(double *h, size_t b);

/* In place, every `len`-long run of the vectors v[0 .. b-1] (each n
 * contiguous doubles, vector i at v + i n) replaced by the unnormalized
 * Walsh-Hadamard transform over its b vectors: v'_i = sum_j h[i][j] v_j.
 * b a power of two. */
void fpq_fwht(double *v, size_t b, size_t n);

/* t (tokens x K) into t H (in place), H orthonormal of block b as above.
 * FPQ_OK, or FPQ_LAB_ERR_SPEC when b is not a power of two dividing K. */
int fpq_rotate_x(fpq_tensor *t, size_t b, fpq_errbuf *err);
/* w (K x N) into H^T w (in place).  As fpq_rotate_x. */
int fpq_rotate_w(fpq_tensor *w, size_t b, fpq_errbuf *err);

/* s[0 .. K-1] = the SmoothQuant factors of calibration activations xcal
 * (tokens x K) and w (K x N), 0 <= alpha <= 1.  FPQ_OK, FPQ_ERR_ARG
 * (shapes), FPQ_LAB_ERR_SPEC (alpha). */
int fpq_smooth_factors(double *s, const fpq_tensor *xcal, const fpq_tensor *w, double alpha, fpq_errbuf *err);
/* Columns of t (tokens x K) divided by s. */
void fpq_smooth_x(fpq_tensor *t, const double *s);
/* Rows of w (K x N) multiplied by s. */
void fpq_smooth_w(fpq_tensor *w, const double *s);

#endif
