/* fuzz_gguf.c: libFuzzer target for fpq_io_parse_gguf (fuzz_common.h). */
#include "fuzz_common.h"

FPQ_FUZZ_PARSER(fpq_io_parse_gguf, "fuzz.gguf")
