/* fuzz_idx.c: libFuzzer target for fpq_io_parse_idx (fuzz_common.h). */
#include "fuzz_common.h"

FPQ_FUZZ_PARSER(fpq_io_parse_idx, "fuzz.idx")
