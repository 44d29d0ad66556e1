/* fuzz_sweepcsv.c: libFuzzer target for the sweep CSV reader (the header
 * and plan line check and the row parser that --resume and fpq merge use):
 * the input is the file's text; rows of any mode the header names are
 * parsed and sorted. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sweep.h"
#include "sweep/sweep-impl.h" /* sweep_check_header, sweep_parse_rows */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1); /* NUL-terminated, as sweep_read_file gives it */
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    fpq_errbuf e;
    size_t body;
    int mode;
    sweep_planline pl;
    if (sweep_check_header(&body, &mode, &pl, buf, size, -1, "fuzz.csv", &e) == FPQ_OK) {
        sweep_row *rows = NULL;
        size_t n = 0, torn = 0;
        if (sweep_parse_rows(&rows, &n, &torn, buf, size, body, (fpq_sweep_mode)mode, "fuzz.csv", 1, &e) ==
            FPQ_OK) {
            if (n > 1)
                qsort(rows, n, sizeof *rows, sweep_row_cmp);
            free(rows);
        }
    }
    free(buf);
    return 0;
}
