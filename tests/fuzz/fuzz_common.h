/* fuzz_common.h: the body shared by the libFuzzer targets of the file
 * parsers: parse the input as the named format from memory, then read
 * every tensor the parser accepted (bounded, so a valid huge shape does not
 * exhaust memory), then release everything.  A crash, a sanitizer report or
 * a leak is a finding; a refusal is the expected outcome for most inputs. */
#ifndef FPQ_FUZZ_COMMON_H
#define FPQ_FUZZ_COMMON_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/io-impl.h" /* the loaders' parsers, fpq_io_parse_* */

/* Elements read per tensor at most (larger tensors are only listed). */
#define FUZZ_MAX_READ (1u << 20)

static inline void fuzz_read_all(fpq_io_file *f)
{
    fpq_errbuf e;
    for (size_t i = 0; i < f->nt; i++) {
        char shape[160];
        fpq_io_shape_text(shape, sizeof shape, &f->t[i]);
        if (f->t[i].n > FUZZ_MAX_READ)
            continue;
        fpq_tensor t;
        if (fpq_io_read(&t, f, i, &e) == FPQ_OK)
            fpq_tensor_free(&t);
    }
}

/* A file over the fuzzer's bytes (not owned: the parsers only read them). */
static inline void fuzz_file(fpq_io_file *f, const uint8_t *data, size_t size, const char *name)
{
    memset(f, 0, sizeof *f);
    f->path = strdup(name);
    f->buf = data;
    f->len = size;
}

#define FPQ_FUZZ_PARSER(parse, name)                                            \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);              \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)               \
    {                                                                          \
        fpq_io_file f;                                                         \
        fpq_errbuf e;                                                          \
        fuzz_file(&f, data, size, name);                                       \
        if (parse(&f, &e) == FPQ_OK)                                           \
            fuzz_read_all(&f);                                                 \
        fpq_io_close(&f);                                                      \
        return 0;                                                              \
    }

#endif
