/* fuzz_npy.c: libFuzzer target for fpq_io_parse_npy (fuzz_common.h). */
#include "fuzz_common.h"

FPQ_FUZZ_PARSER(fpq_io_parse_npy, "fuzz.npy")
