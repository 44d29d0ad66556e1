/* train.h: a small network engine of the error lab (analysis/train/): a
 * multilayer perceptron trained on IDX image data (Fashion-MNIST) with
 * every tensor of training able to pass through a quantization point of
 * the lab (quant.h), and its test accuracy.
 *
 * The network: layers l = 0 .. L-1, each Z = A W + b with W of size
 * in x out (inputs are rows, as fpq matmul's W), ReLU between layers,
 * softmax cross-entropy on the last.  Weights start He-normal (standard
 * deviation sqrt(2 / in), from the lab's Philox generator and the seed),
 * biases zero.
 *
 * Training: SGD with momentum mu (v = mu v + g + wd w, w -= lr v) on
 * batches of B images taken in an order shuffled each epoch (Fisher-Yates
 * on Philox draws of (seed, epoch)); the learning rate follows a cosine
 * from lr down to 0 over all steps: lr_t = lr (1 + cos(pi t / T)) / 2.
 *
 * Products in fp32 go through OpenBLAS's CBLAS (libopenblas.so.0, loaded
 * with dlopen on first use, so libfpqlab does not link it; one thread per
 * call) when it loads, else plain loops (summing over the inner index in
 * order): the two give different last bits, each the same run after run.
 * Rows of a batch are split into fixed chunks of FPQ_NN_CHUNK rows run on
 * OpenMP threads, and the weight gradient is the sum of the chunks'
 * products in chunk order, so the result does not depend on the number of
 * threads.  With an emulated product (in/acc formats) every product is
 * libfpq's fpq_gemm_f64, which is thread-count independent itself.
 */
#ifndef FPQ_TRAIN_H
#define FPQ_TRAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fpq.h"
#include "matmul.h"
#include "quant.h"
#include "status.h"

#define FPQ_NN_MAXLAYERS 8
#define FPQ_NN_CHUNK 32

/* ---- the network (net.c) ------------------------------------------------------ */

typedef struct fpq_nn {
    size_t nlayers;
    size_t size[FPQ_NN_MAXLAYERS + 1]; /* size[0] inputs .. size[nlayers] classes */
    float *w[FPQ_NN_MAXLAYERS];        /* size[l] x size[l+1], row-major */
    float *b[FPQ_NN_MAXLAYERS];        /* size[l+1] */
} fpq_nn;

/* Allocate a network of nlayers layers (1 .. FPQ_NN_MAXLAYERS) with the
 * nlayers + 1 sizes given, weights and biases zero.  FPQ_OK, FPQ_ERR_ARG
 * (err says why), FPQ_ERR_NO_MEMORY. */
int fpq_nn_alloc(fpq_nn *n, const size_t *sizes, size_t nlayers, fpq_errbuf *err);
void fpq_nn_free(fpq_nn *n);
/* He-normal weights from seed, biases zero. */
void fpq_nn_init(fpq_nn *n, uint64_t seed);
/* dst: a new copy of src. */
int fpq_nn_copy(fpq_nn *dst, const fpq_nn *src, fpq_errbuf *err);

/* Write the network as safetensors: F32 tensors fcK.weight (in x out) and
 * fcK.bias for K = 1 .. L, and __metadata__ {"fpq": "mlp", "sizes":
 * "784-256-128-10"}, under outfile.h's rules (flags: FPQ_OUT_FORCE). */
int fpq_nn_save(const fpq_nn *n, const char *path, unsigned flags, fpq_errbuf *err);
/* Read a network written by fpq_nn_save (or any file of the lab's loaders
 * holding fcK.weight and fcK.bias tensors that chain). */
int fpq_nn_load(fpq_nn *n, const char *path, fpq_errbuf *err);

/* ---- data (data.c) -------------------------------------------------------------- */

typedef struct fpq_nn_data {
    size_t n, dim;    /* images, values per image */
    float *x;         /* n x dim, grey levels / 255: [0, 1] */
    unsigned char *y; /* n labels, each below classes */
    size_t classes;   /* 1 + the largest label */
} fpq_nn_data;

/* The training and test sets from `where`: "fashion-mnist" (the bundled
 * copy: $FPQ_DATA/fashion-mnist/, else data/fashion-mnist/) or a folder
 * holding train-images-idx3-ubyte, train-labels-idx1-ubyte,
 * t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (or the same with
 * train-images.idx3, ... t10k-labels.idx1).  limit > 0 keeps the first
 * limit training images (the test set stays whole); train NULL: the test
 * set only, limit applying to it.  Images must be u8 IDX of
 * 2 or more dimensions, labels u8 of one, the same count.  FPQ_OK,
 * FPQ_LAB_ERR_IO / _FORMAT naming the file, FPQ_ERR_NO_MEMORY. */
int fpq_nn_data_open(fpq_nn_data *train, fpq_nn_data *test, const char *where, size_t limit,
                     fpq_errbuf *err);
void fpq_nn_data_free(fpq_nn_data *d);

/* ---- quantization points (point.c) ------------------------------------------------ */

typedef enum fpq_nn_pt {
    FPQ_NN_PT_WEIGHT,   /* weights as the forward and backward products use them */
    FPQ_NN_PT_ACT,      /* each layer's input activations (the images too) */
    FPQ_NN_PT_GRAD_ACT, /* each layer's output gradient dL/dZ (loss-scaled) */
    FPQ_NN_PT_GRAD_W,   /* each weight gradient (loss-scaled) */
    FPQ_NN_PT_UPDATE,   /* the step lr v subtracted from the weights */
    FPQ_NN_PT_STORE,    /* the stored weights after each step */
    FPQ_NN_PT_COUNT_
} fpq_nn_pt;

/* "weight", "act", "grad-act", "grad-w", "update", "store"; the option
 * prefixes of fpq train: "w", "a", "ga", "gw", "u", "s". */
const char *fpq_nn_pt_name(fpq_nn_pt p);
const char *fpq_nn_pt_prefix(fpq_nn_pt p);

typedef struct fpq_nn_point {
    bool on;
    bool cast;    /* plain rounding of each value into q.format with q.rnd
                     (libfpq's fpq_round_f32; overflow: the format's own),
                     no scale; otherwise fpq_quantize under q */
    fpq_qspec q;
} fpq_nn_point;

typedef struct fpq_nn_counts {
    uint64_t n;          /* values through the point */
    uint64_t flushed;    /* x != 0 became 0 */
    uint64_t overflowed; /* x finite became infinite or NaN (cast), or was
                            clipped at the grid's end (quant spec) */
} fpq_nn_counts;

/* Apply p to x (rows x cols floats, in place); stochastic rounding at
 * positions position + i.  A point that is off leaves x.  Values that are
 * not finite are left and counted as overflowed (quantizing skips such a
 * tensor).  c (may be NULL) accumulates the counts.  FPQ_OK or an error of
 * fpq_quantize / fpq_round_f32. */
int fpq_nn_point_apply(const fpq_nn_point *p, float *x, size_t rows, size_t cols,
                       uint64_t position, fpq_nn_counts *c, fpq_errbuf *err);

/* ---- the optimizer's arithmetic in a format (optim.c) ----------------------------- */

typedef struct fpq_nn_opt {
    bool on;
    fpq_format format; /* the momentum buffer's and every operation's format */
    fpq_rounding rnd;  /* each operation's rounding (sr: with rnd.seed) */
} fpq_nn_opt;

/* Bytes of the momentum buffer of n values (packed codes of o->format). */
size_t fpq_nn_opt_size(const fpq_nn_opt *o, size_t n);
/* The buffer of n values set to +0. */
int fpq_nn_opt_zero(const fpq_nn_opt *o, void *vcodes, size_t n, fpq_errbuf *err);

/* One step of SGD with momentum on n values, every operation rounded once
 * into F = o->format under o->rnd (libfpq's fpq_encode_f32 and
 * fpq_arith_codes), the scalars mu, lr, inv, wd rounded into F to nearest
 * even first:
 *   0  g = F(dw)                      the gradient into F
 *   1  g = g * inv                    only when inv != 1 (loss scale undone)
 *   2  t = F(w)                       only when wd != 0, and
 *   3  t = wd * t                       the weight decay
 *   4  g = g + t
 *   5  t = mu * v                     v: vcodes, the momentum buffer in F
 *   6  v = t + g
 *   7  u = lr * v                     decoded to fp32 (fpq_decode_f32)
 * Stochastic rounding: operation k rounds element i at position position +
 * (k + 1) 2^27 + i, so n must be below 2^27.  FPQ_OK, FPQ_ERR_ARG (err
 * says why), FPQ_ERR_NO_MEMORY. */
int fpq_nn_opt_step(const fpq_nn_opt *o, void *vcodes, float *u, const float *dw, const float *w,
                    size_t n, double mu, double lr, double inv, double wd, uint64_t position,
                    fpq_errbuf *err);

/* ---- products (blas.c) ------------------------------------------------------------- */

typedef enum fpq_nn_blas {
    FPQ_NN_BLAS_AUTO,     /* OpenBLAS when libopenblas.so.0 loads, else loops (default) */
    FPQ_NN_BLAS_OPENBLAS, /* OpenBLAS or an error */
    FPQ_NN_BLAS_LOOPS     /* the loops */
} fpq_nn_blas;

/* "auto", "openblas", "loops" into *out: FPQ_OK or FPQ_ERR_ARG. */
int fpq_nn_blas_parse(fpq_nn_blas *out, const char *name);
/* Choose the fp32 product for the whole process (not thread-safe: before
 * training or evaluating).  FPQ_OK, or FPQ_LAB_ERR_SPEC for OPENBLAS when
 * libopenblas.so.0 or its cblas_sgemm / openblas_set_num_threads cannot be
 * loaded (err says which; the choice is then unchanged). */
int fpq_nn_blas_set(fpq_nn_blas which, fpq_errbuf *err);
/* The fp32 product the next call uses, "openblas" or "loops" (loading
 * OpenBLAS under AUTO); *why (may be NULL) a phrase on why. */
const char *fpq_nn_blas_name(const char **why);
/* C (m x n) = A (m x k) op(B), op(B) = B (k x n) or, tb, B^T with B n x k
 * (the loops transpose it into a copy first); rows in chunks of FPQ_NN_CHUNK on OpenMP
 * threads.  FPQ_OK or FPQ_ERR_NO_MEMORY. */
int fpq_nn_matmul(float *c, const float *a, const float *b, size_t m, size_t k, size_t n, bool tb);
/* C (k x n) = A^T G, A m x k, G m x n: the sum over chunks of FPQ_NN_CHUNK
 * rows of the chunks' products, in chunk order; scratch holds
 * ceil(m / FPQ_NN_CHUNK) k n floats. */
void fpq_nn_matmul_tn(float *c, const float *a, const float *g, size_t m, size_t k, size_t n,
                      float *scratch);

/* C (m x n) = op(A) op(B) through fpq_gemm_f64 under dot (every value of A
 * and B rounded into dot->in first, then products and sums as dot says),
 * op(A) = A (m x k) or, ta, A^T with A k x m; op(B) likewise (k x n, or
 * n x k with tb).  Stochastic positions from dot's roundings.  FPQ_OK, a
 * status of fpq_gemm_f64 (err names it) or FPQ_ERR_NO_MEMORY. */
int fpq_nn_matmul_emu(float *c, const float *a, const float *b, size_t m, size_t k, size_t n,
                      bool ta, bool tb, const fpq_dot_spec *dot, fpq_errbuf *err);

/* Z (rows x out) = A W + b, the product fp32 (dot NULL) or emulated under
 * dot, the bias added in fp32. */
int fpq_nn_linear(float *z, const float *a, const float *w, const float *b, size_t rows, size_t in,
                  size_t out, const fpq_dot_spec *dot, fpq_errbuf *err);

/* ---- training (train.c) ----------------------------------------------------------- */

typedef enum fpq_nn_scaling {
    FPQ_NN_SCALE_NONE,
    FPQ_NN_SCALE_STATIC,  /* the loss times `scale`, gradients divided back */
    FPQ_NN_SCALE_DYNAMIC  /* start at `scale`; a step whose gradients hold an
                             Inf or NaN is skipped and the scale halved (not
                             below 1); after `growth_interval` good steps in
                             a row it doubles (at most 2^24) */
} fpq_nn_scaling;

typedef struct fpq_train_spec {
    size_t batch;               /* default 128 */
    unsigned epochs;            /* default 10 */
    double lr, momentum, weight_decay; /* default 0.05, 0.9, 0 */
    uint64_t seed;              /* weights (unless init) and shuffling; default 1 */
    fpq_nn_point pt[FPQ_NN_PT_COUNT_];
    bool master;                /* with the store point: an fp32 master copy
                                   takes the update and the weights are its
                                   rounding (default true); false: the
                                   stored weights take the update and are
                                   rounded again */
    fpq_nn_scaling scaling;     /* default none */
    double scale;               /* default 65536 */
    unsigned growth_interval;   /* default 2000 */
    fpq_nn_opt opt;             /* on: the optimizer's arithmetic in a format
                                   (fpq_nn_opt_step; positions: the update
                                   point's range of each layer, biases from
                                   2^31 on); off: fp32 */
    bool emulate;               /* products through fpq_gemm_f64 */
    fpq_dot_spec dot;           /* their spec (in, acc, ...), when emulate */
} fpq_train_spec;

void fpq_train_spec_default(fpq_train_spec *s);

typedef struct fpq_train_epoch {
    unsigned epoch;          /* 1 .. epochs */
    double train_loss;       /* mean cross-entropy over the epoch's batches */
    double train_acc;        /* of the batches as trained */
    double test_acc;         /* of the network at the epoch's end */
    double lr;               /* the last step's learning rate */
    double loss_scale;       /* at the epoch's end (1 without scaling) */
    double grad_flush_frac;  /* gradient values (grad-act, grad-w points)
                                flushed to zero, / those through them */
    double grad_overflow_frac; /* ... overflowed; 0 without a gradient
                                  point and with no Inf/NaN gradient */
    uint64_t skipped_steps;  /* steps skipped by the dynamic scaler */
    double seconds;          /* wall time of the epoch's training */
} fpq_train_epoch;

typedef struct fpq_train_hooks {
    void *ctx;
    /* after each epoch; a nonzero return stops training with that status */
    int (*epoch)(void *ctx, const fpq_train_epoch *e);
    /* now and then during an epoch (may be NULL) */
    void (*progress)(void *ctx, unsigned epoch, size_t step, size_t steps);
} fpq_train_hooks;

/* Train net (initialised by the caller) on train, measuring on test after
 * each epoch.  FPQ_OK, FPQ_ERR_ARG (spec or data do not fit the network),
 * an error of a point or of fpq_gemm_f64, FPQ_ERR_NO_MEMORY, or a hook's
 * status. */
int fpq_train_run(fpq_nn *net, const fpq_nn_data *train, const fpq_nn_data *test,
                  const fpq_train_spec *s, const fpq_train_hooks *h, fpq_errbuf *err);

/* ---- evaluation (eval.c) ------------------------------------------------------------ */

/* Rows per batch of the evaluation (dynamic activation scales are taken
 * over such a batch). */
#define FPQ_NN_EVAL_BATCH 1000

/* The accuracy of net on d: the fraction of right top-1 predictions, with
 * the weights through w and each layer's input through a (NULL or off:
 * fp32), products under dot (NULL: fp32); pred (may be NULL) receives the
 * predictions.  Stochastic points use positions from 0. */
int fpq_nn_accuracy(double *acc, int *pred, const fpq_nn *net, const fpq_nn_data *d,
                    const fpq_nn_point *w, const fpq_nn_point *a, const fpq_dot_spec *dot,
                    fpq_errbuf *err);

typedef struct fpq_eval_result {
    double test_acc;                   /* under the spec */
    double fp32_acc;                   /* of the fp32 network */
    double agree;                      /* top-1 agreement of the two */
    double sqnr_db[FPQ_NN_MAXLAYERS];  /* each layer's output Z against the
                                          fp32 network's, over the data set
                                          (FPQ_SQNR_CAP_DB when equal) */
    double bits_x, bits_w;             /* of the last batch's first layer
                                          (fpq_mm_metrics) */
    double outlier_frac;               /* LLM.int8: mean over layers */
} fpq_eval_result;

/* Post-training quantization: every layer's product Z = A W through
 * fpq_matmul under mm (A's spec: x, W's: w, LLM.int8, in/acc formats), in
 * batches of FPQ_NN_EVAL_BATCH rows, the bias added in binary64 and
 * rounded to fp32; against the same network in fp32. */
int fpq_nn_eval(fpq_eval_result *r, const fpq_nn *net, const fpq_nn_data *d,
                const fpq_mm_spec *mm, fpq_errbuf *err);

#endif
