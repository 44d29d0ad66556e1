/* fuzz_tfjs.c: libFuzzer target for fpq_io_parse_tfjs: the input is
 * model.json; every shard path names the same 4 KiB shard of a repeating
 * float pattern, except paths starting with "x", which fail to open. */
#include <stdio.h>

#include "fuzz_common.h"

static int shard(void *ctx, const char *rel, unsigned char **data, size_t *len, fpq_errbuf *err)
{
    (void)ctx;
    if (rel[0] == 'x')
        return fpq_err(err, FPQ_LAB_ERR_IO, "%s: cannot open: fuzz", rel);
    *len = 4096;
    *data = malloc(*len);
    if (!*data)
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
    for (size_t i = 0; i < *len; i++)
        (*data)[i] = (unsigned char)(i % 4 == 3 ? 0x3f : i * 37);
    return FPQ_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fpq_io_file f;
    fpq_errbuf e;
    fuzz_file(&f, data, size, "tests/fuzz/model.json");
    if (fpq_io_parse_tfjs(&f, shard, NULL, &e) == FPQ_OK)
        fuzz_read_all(&f);
    fpq_io_close(&f);
    return 0;
}
