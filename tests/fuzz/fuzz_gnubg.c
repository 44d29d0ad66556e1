/* fuzz_gnubg.c: libFuzzer target for fpq_io_parse_gnubg (fuzz_common.h). */
#include "fuzz_common.h"

FPQ_FUZZ_PARSER(fpq_io_parse_gnubg, "fuzz.gnubg")
