/* check_fpq.h: helpers shared by the Check suites of libfpq (private to tests/).
 *
 * - the seed of randomized tests (FPQ_CHECK_SEED, else a fixed default) and a
 *   small generator of our own, so no test depends on fpq_sr_bits;
 * - a test case constructor whose checked fixture fails any test that leaves
 *   MPFR's exponent range changed (STYLE habit 4);
 * - the list of formats every per-format loop walks: all presets, then custom
 *   spellings of 16 bits or fewer;
 * - a reference decoder written from the format's fields and nothing else, the
 *   independent oracle for decode and for the neighbours used by encode tests.
 */
#ifndef FPQ_CHECK_FPQ_H
#define FPQ_CHECK_FPQ_H

#include <check.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <mpfr.h>

#include "fpq.h"

/* Suites, one per file. */
Suite *registry_suite(void);
Suite *decode_suite(void);
Suite *encode_suite(void);
Suite *host_suite(void);
Suite *arith_suite(void);
Suite *fast_suite(void);
Suite *fastarith_suite(void);
Suite *dist_suite(void);
Suite *io_suite(void);
Suite *quant_suite(void);
Suite *sweep_suite(void);
Suite *matmul_suite(void);
Suite *train_suite(void);
Suite *p3109_suite(void);

/* A failed condition aborts the test with a message; unlike ck_assert_msg it
 * does not record a mark point on success, so it is cheap in hot loops. */
#define FPQ_CHECK(cond, ...)                                                  \
    do {                                                                      \
        if (!(cond))                                                          \
            _ck_assert_failed(__FILE__, __LINE__,                             \
                              "Assertion '" #cond "' failed", __VA_ARGS__);   \
    } while (0)

/* Randomized tests ------------------------------------------------------ */

#define FPQ_CHECK_DEFAULT_SEED UINT64_C(20261126)

/* The run's seed: FPQ_CHECK_SEED (decimal or 0x hex) or the default. */
uint64_t fpq_check_seed(void);

/* True when FPQ_CHECK_EXHAUSTIVE=1: suites add their cases tagged "slow". */
bool fpq_check_exhaustive(void);

/* True when running under valgrind (its preload library is in LD_PRELOAD):
 * valgrind does not emulate the FP status flags or every rounding mode, so
 * the host-oracle tests that need them are left out (check_host.c). */
bool fpq_check_under_valgrind(void);

/* splitmix64 stream seeded from the run's seed and a per-test stream id. */
typedef struct fpq_check_rng {
    uint64_t state;
} fpq_check_rng;
void fpq_check_rng_init(fpq_check_rng *r, uint64_t stream);
uint64_t fpq_check_rng_next(fpq_check_rng *r);
uint64_t fpq_check_rng_below(fpq_check_rng *r, uint64_t n); /* [0, n), n > 0 */

/* Scratch directories ---------------------------------------------------- */

/* A fresh directory $TMPDIR/fpq-check-TAG.XXXXXX (TMPDIR default /tmp)
 * into dir (n bytes); fails the test when it cannot be made. */
void fpq_check_mkdtemp(char *dir, size_t n, const char *tag);
/* Remove dir and everything in it (links not followed). */
void fpq_check_rmtree(const char *dir);

/* Test cases ------------------------------------------------------------ */

/* A TCase with the exponent-range fixture and the given timeout (seconds).
 * Cases tagged slow get the tag "slow". */
TCase *fpq_check_tcase(const char *name, double timeout);
TCase *fpq_check_tcase_slow(const char *name, double timeout);

/* Formats --------------------------------------------------------------- */

/* Custom spellings of 16 bits or fewer, exercised beside the presets. */
extern const char *const fpq_check_custom_names[];
extern const size_t fpq_check_ncustom;

/* Every preset, then every custom spelling.  fpq_check_format returns NULL
 * (and the test should fail with the label) if a custom did not parse. */
size_t fpq_check_nformats(void);
const fpq_format *fpq_check_format(size_t i);
const char *fpq_check_label(size_t i);

/* The same list restricted to formats of 16 bits or fewer (index space of
 * its own, for tcase_add_loop_test). */
size_t fpq_check_nsmall(void);
const fpq_format *fpq_check_small(size_t i);
const char *fpq_check_small_label(size_t i);

/* A preset by canonical name, or NULL. */
const fpq_format *fpq_check_preset(const char *name);
/* A preset by name that must exist: fails the test otherwise. */
const fpq_format *fpq_check_need(const char *name);

/* Reference decoder --------------------------------------------------------
 * Value of a bit pattern from the format's fields alone: sign | exponent |
 * mantissa with the format's bias, specials and subnormal rule; two's
 * complement or plain binary integers; lookup tables through strtod of the
 * table's strings.  Every value of every supported format (at most 11
 * exponent and 52 mantissa bits, integers up to 53 bits) is a double. */
typedef struct fpq_ref {
    fpq_class cls;
    double v; /* signed zeros, +-Inf; NaN carries the pattern's sign */
} fpq_ref;
fpq_ref fpq_ref_decode(const fpq_format *fmt, uint64_t bits);

/* Mask of fmt->bits ones; the sign bit of a signed float or LUT-free format. */
uint64_t fpq_check_mask(const fpq_format *fmt);
/* Whether the format has a negative zero pattern (signed float, not fnuz). */
bool fpq_check_has_neg_zero(const fpq_format *fmt);

/* Bits of a double, for messages. */
uint64_t fpq_check_dbits(double d);

/* x as a hex-float ("%Ra"), in one of 8 rotating static buffers: messages. */
const char *fpq_check_str(mpfr_srcptr x);

#endif /* FPQ_CHECK_FPQ_H */
