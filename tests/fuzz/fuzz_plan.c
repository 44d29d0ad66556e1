/* fuzz_plan.c: libFuzzer target for sweep plan files
 * (fpq_sweep_plan_parse): the input is the file's text, read in quant mode
 * and then in cast mode; an accepted plan is written back line by line
 * (fpq_sweep_plan_line) and read again, which must give as many cells. */
#include <stdint.h>
#include <stdlib.h>

#include "sweep.h"

static void one_mode(const uint8_t *data, size_t size, fpq_sweep_mode mode)
{
    fpq_sweep_plan p;
    fpq_errbuf e;
    fpq_sweep_plan_init(&p, mode);
    if (fpq_sweep_plan_parse(&p, (const char *)data, size, "fuzz.plan", &e) == FPQ_OK) {
        struct {
            char *p;
            size_t len;
        } text = {NULL, 0};
        for (size_t k = 0; k < p.ncells; k++) {
            size_t need = fpq_sweep_plan_line(NULL, 0, &p, k) + 2;
            char *line = realloc(text.p, text.len + need);
            if (!line)
                abort();
            text.p = line;
            fpq_sweep_plan_line(text.p + text.len, need, &p, k);
            text.len += need - 2;
            text.p[text.len++] = '\n';
        }
        fpq_sweep_plan q;
        fpq_sweep_plan_init(&q, mode);
        if (fpq_sweep_plan_parse(&q, text.p, text.len, "fuzz.plan.again", &e) != FPQ_OK ||
            q.ncells != p.ncells)
            abort();
        fpq_sweep_plan_free(&q);
        free(text.p);
    }
    fpq_sweep_plan_free(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    one_mode(data, size, FPQ_SWEEP_QUANT);
    one_mode(data, size, FPQ_SWEEP_CAST);
    return 0;
}
