/* fuzz_spec.c: libFuzzer target for the generator-spec parser: parse the
 * input as DIST:key=value,..., check that its canonical spelling parses to
 * the same spec, and generate it when small. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    fpq_gen_spec a, b;
    fpq_errbuf e;
    if (fpq_gen_parse(&a, s, &e) == FPQ_OK) {
        char d[1024];
        size_t n = fpq_gen_describe(d, sizeof d, &a);
        if (n < sizeof d) {
            char d2[1024];
            int rc = fpq_gen_parse(&b, d, &e);
            assert(rc == FPQ_OK);
            fpq_gen_describe(d2, sizeof d2, &b);
            assert(strcmp(d, d2) == 0);
        }
        if (a.rows * a.cols <= 4096) {
            fpq_tensor t;
            if (fpq_gen_fill(&t, &a, &e) == FPQ_OK)
                fpq_tensor_free(&t);
        }
    }
    free(s);
    return 0;
}
