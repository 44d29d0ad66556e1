/* check_main.c: the one runner of libfpq's Check suites.
 *
 * Environment:
 *   FPQ_CHECK_SEED=N        seed of the randomized tests (default 20261126);
 *                           printed when any test fails, to reproduce the run.
 *   FPQ_CHECK_EXHAUSTIVE=1  also run the cases tagged "slow"
 *                           (make check-exhaustive).
 * Check's own variables (CK_RUN_SUITE, CK_RUN_CASE, CK_FORK, ...) apply.
 */
#include "check_fpq.h"

#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    uint64_t seed = fpq_check_seed();
    bool exhaustive = fpq_check_exhaustive();

    SRunner *sr = srunner_create(registry_suite());
    srunner_add_suite(sr, decode_suite());
    srunner_add_suite(sr, encode_suite());
    srunner_add_suite(sr, host_suite());
    srunner_add_suite(sr, arith_suite());
    srunner_add_suite(sr, fast_suite());
    srunner_add_suite(sr, fastarith_suite());
    srunner_add_suite(sr, dist_suite());
    srunner_add_suite(sr, io_suite());
    srunner_add_suite(sr, quant_suite());
    srunner_add_suite(sr, sweep_suite());
    srunner_add_suite(sr, matmul_suite());
    srunner_add_suite(sr, train_suite());
    srunner_add_suite(sr, p3109_suite());

    if (exhaustive)
        srunner_run_all(sr, CK_NORMAL);
    else
        srunner_run_tagged(sr, NULL, NULL, NULL, "slow", CK_NORMAL);

    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    if (failed)
        fprintf(stderr,
                "check_fpq: %d failed; rerun with FPQ_CHECK_SEED=%" PRIu64
                "%s to reproduce\n",
                failed, seed, exhaustive ? " FPQ_CHECK_EXHAUSTIVE=1" : "");
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
