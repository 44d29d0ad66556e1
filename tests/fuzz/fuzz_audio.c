/* fuzz_audio.c: libFuzzer target for fpq_io_parse_audio (fuzz_common.h). */
#include "fuzz_common.h"

FPQ_FUZZ_PARSER(fpq_io_parse_audio, "fuzz.audio")
