/* dist.h: the counter-based generator and the synthetic distributions of
 * the error lab.
 *
 * Generator (frozen; tests/check_dist.c pins its first values and the
 * Random123 known answers): Philox4x32-10 (Salmon, Moraes, Dror, Shaw,
 * "Parallel random numbers: as easy as 1, 2, 3", SC'11), a keyed bijection
 * of a 128-bit counter.  For a seed s, a stream k, an element index i, a
 * purpose tag t and a draw number d:
 *
 *     key     = (s mod 2^32, s >> 32)
 *     counter = (i mod 2^32, i >> 32, k, t << 24 | d)      d < 2^24, t < 256
 *     block   = Philox4x32-10(counter, key) = (w0, w1, w2, w3)
 *     u64[0]  = w0 | w1 << 32,   u64[1] = w2 | w3 << 32
 *     uniform = ((u64 >> 12) + 0.5) * 2^-52, in (0, 1), never 0 or 1
 *               (the midpoints of 2^52 equal cells: u and 1 - u both occur).
 *
 * So value i of a stream depends only on (seed, stream, i): any slice can be
 * computed alone, on any thread or machine, with the same result.  Tags:
 * FPQ_RNG_TAG_VALUE for an element's own draws, FPQ_RNG_TAG_CHOICE for a
 * mixture's choice of component, FPQ_RNG_TAG_COLUMNS for the choice of
 * outlier columns (element index = step of the shuffle).
 *
 * Distributions and methods (u, u1, u2 uniforms of the element's draw 0):
 *   uniform   lo + (hi - lo) u                                  (inverse CDF)
 *   normal    mean + std z, z = Phi^-1(u) by Wichura's AS241   (inverse CDF,
 *             relative error about 1e-16)
 *   laplace   loc - scale sgn(u - 1/2) ln(1 - 2|u - 1/2|)       (inverse CDF)
 *   t         loc + scale T, T by Bailey's polar method (1994): draws d =
 *             0, 1, ... give (U, V) = (2u1 - 1, 2u2 - 1) until W = U^2 + V^2
 *             is in (0, 1); T = U sqrt(nu (W^(-2/nu) - 1) / W)   (exact)
 *   lognormal exp(mu + sigma z)                                 (inverse CDF)
 *   relu      max(0, mean + std z)                              (inverse CDF)
 *   sine      amp sin(2 pi frac(freq i / rate) + phase) + noise z
 *             (i is the element index, the sample number)
 *   outliers  rows x cols of mean + std z; round(frac cols) columns, chosen
 *             by a partial Fisher-Yates shuffle driven by tag COLUMNS, are
 *             multiplied by scale (channel outliers of LLM activations)
 *   ties      values on and next to the rounding midpoints of a format
 *             (key fmt=NAME, default int8; at most 16 bits) times scale:
 *             the midpoints m_j between consecutive finite values of the
 *             format in [-max, max] (max its largest finite value), j by
 *             the uniform of the first word of draw 0; with probability
 *             frac (the uniform of its second word) the tie m_j scale
 *             itself, else its binary32 neighbour below or above (the same
 *             uniform decides which; beyond binary32's range the tie
 *             itself).  Every element i with
 *             i mod group == 0 (group 0: element 0 only) is max scale, the
 *             format's largest finite value times scale, so an absmax
 *             quantizer whose units are aligned to group finds the scale
 *             max scale / max = scale, and with scale a power of two every
 *             tie is exact in any binary arithmetic
 *   mix       component j with probability w_j / sum w, chosen by the
 *             uniform of tag CHOICE; the value is component j's sample
 *             from tag VALUE (so choice and value are independent)
 *
 * Not supported: mixtures of sine, outliers, ties or mixtures; more than
 * FPQ_MIX_MAX components; tensors of more than 2^48 elements.
 */
#ifndef FPQ_DIST_H
#define FPQ_DIST_H

#include <stddef.h>
#include <stdint.h>

#include "tensor.h"

/* ---- generator ---------------------------------------------------------- */

enum { FPQ_RNG_TAG_VALUE = 0, FPQ_RNG_TAG_CHOICE = 1, FPQ_RNG_TAG_COLUMNS = 2 };

/* Philox4x32-10: out = the 10-round bijection of ctr under key. */
void fpq_philox4x32(uint32_t out[4], const uint32_t ctr[4], const uint32_t key[2]);

/* The two 64-bit words of the block at (seed, stream, i, tag, draw), as
 * laid out above.  draw must be below 2^24. */
void fpq_rng_u64x2(uint64_t out[2], uint64_t seed, uint32_t stream, uint64_t i,
                   unsigned tag, uint32_t draw);

/* A 64-bit word as a uniform double in (0, 1): ((x >> 12) + 0.5) 2^-52,
 * from 2^-53 to 1 - 2^-53, all exact.  (With 53 bits the top value would
 * round to 1.) */
static inline double fpq_rng_open01(uint64_t x)
{
    return ((double)(x >> 12) + 0.5) * 0x1p-52;
}

/* The standard normal quantile Phi^-1(p) for p in (0, 1) (AS241, PPND16);
 * -Inf at 0, +Inf at 1, NaN outside [0, 1]. */
double fpq_norm_quantile(double p);

/* ---- distributions ------------------------------------------------------- */

typedef enum fpq_dist_kind {
    FPQ_DIST_UNIFORM,
    FPQ_DIST_NORMAL,
    FPQ_DIST_LAPLACE,
    FPQ_DIST_STUDENT_T,
    FPQ_DIST_LOGNORMAL,
    FPQ_DIST_RELU_NORMAL,
    FPQ_DIST_SINE,
    FPQ_DIST_OUTLIERS,
    FPQ_DIST_MIX,
    FPQ_DIST_TIES,
    FPQ_DIST_COUNT_
} fpq_dist_kind;

#define FPQ_DIST_NPARAM 5
#define FPQ_MIX_MAX 8

/* One distribution: its kind and its parameters, in the order of the
 * kind's keys (fpq_dist_param_name). */
typedef struct fpq_dist {
    fpq_dist_kind kind;
    double p[FPQ_DIST_NPARAM];
} fpq_dist;

/* A generator spec: the distribution (or mixture), the shape, the seed and
 * the stream. */
typedef struct fpq_gen_spec {
    fpq_dist dist;                   /* kind FPQ_DIST_MIX: see comp */
    size_t ncomp;                    /* mixture: number of components */
    double weight[FPQ_MIX_MAX];      /* mixture: weights, summing to 1 */
    fpq_dist comp[FPQ_MIX_MAX];      /* mixture: components */
    size_t rows, cols;
    uint64_t seed;                   /* default 0 */
    uint32_t stream;                 /* default 0 */
    uint32_t col_stream;             /* outliers: the stream that picks the
                                        columns (key colstream; default
                                        stream), so that draws with other
                                        values can share them */
    char fmt[32];                    /* ties: the format's name (key fmt) */
} fpq_gen_spec;

/* The name of a kind ("normal"), and of its parameter j (NULL past the
 * last).  Names of kinds accepted in specs: these and the aliases
 * "gaussian", "student-t", "student", "studentt", "log-normal",
 * "relu-normal", "mixture". */
const char *fpq_dist_name(fpq_dist_kind k);
const char *fpq_dist_param_name(fpq_dist_kind k, size_t j);
double fpq_dist_param_default(fpq_dist_kind k, size_t j);

/* Whether text has the shape of a generator spec, NAME: with NAME a kind
 * or alias above.  (How a source reads -- a spec, or a file whose name
 * looks like one -- is fpq_source_parse's rule, source.h.) */
int fpq_gen_is_spec(const char *source);

/* Parse "DIST:key=value,..." (README.md, section Data).  Shape keys: n= (a
 * 1 x n vector) or rows= and cols=; seed=, stream=; the kind's own keys;
 * for mix, components W*DIST(key=value,...) at the top level.  Returns
 * FPQ_OK or FPQ_LAB_ERR_SPEC with err naming the key and what is wrong. */
int fpq_gen_parse(fpq_gen_spec *out, const char *text, fpq_errbuf *err);

/* The canonical spelling of a spec, every parameter written out with
 * %.17g (parsing it gives the same spec).  Returns the length snprintf
 * would have written. */
size_t fpq_gen_describe(char *buf, size_t n, const fpq_gen_spec *s);

/* Element i (0-based, row-major) of the tensor a spec describes, for the
 * kinds other than outliers (whose value depends on the column set). */
double fpq_dist_sample(const fpq_dist *d, uint64_t seed, uint32_t stream, uint64_t i);

/* Fill *out (freed by the caller) with the spec's rows x cols values, on
 * OpenMP threads; the result does not depend on the number of threads.
 * FPQ_OK, FPQ_ERR_NO_MEMORY or FPQ_LAB_ERR_SPEC (an invalid spec). */
int fpq_gen_fill(fpq_tensor *out, const fpq_gen_spec *s, fpq_errbuf *err);

/* Mark the outlier columns of an outliers spec: mask[c] = 1 for the
 * round(frac cols) chosen columns, else 0.  mask holds s->cols bytes. */
void fpq_gen_outlier_columns(unsigned char *mask, const fpq_gen_spec *s);

/* fpq_gen_parse then fpq_gen_fill. */
int fpq_gen(fpq_tensor *out, const char *spec, fpq_errbuf *err);

#endif
