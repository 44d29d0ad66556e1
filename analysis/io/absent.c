/* io/absent.c: stand-ins for the loaders whose library was not found when
 * fpq was built.  The Makefile compiles this file in place of io/audio.c
 * with FPQ_NO_SNDFILE (libsndfile), and in place of io/safetensors.c and
 * io/tfjs.c with FPQ_NO_JANSSON (Jansson); it leaves it out when both are
 * found.  Each stand-in fails with FPQ_LAB_ERR_FORMAT and a message naming
 * the file, the library and the Debian package that brings it. */
#include "io-impl.h"

#if !defined(FPQ_NO_SNDFILE) && !defined(FPQ_NO_JANSSON)
#error "io/absent.c is compiled only with FPQ_NO_SNDFILE or FPQ_NO_JANSSON"
#endif

#define ABSENT(lib, pkg, what)                                                             \
    "%s: fpq was built without " lib ", which " what ": apt-get install " pkg " and rebuild"

#ifdef FPQ_NO_SNDFILE
#define NO_SNDFILE ABSENT("libsndfile", "libsndfile1-dev", "reads audio files")

int fpq_io_parse_audio(fpq_io_file *f, fpq_errbuf *err)
{
    f->kind = "audio";
    return fpq_err(err, FPQ_LAB_ERR_FORMAT, NO_SNDFILE, f->path);
}

int fpq_io_read_audio(fpq_tensor *out, const fpq_io_file *f, size_t i, fpq_errbuf *err)
{
    (void)out, (void)i;
    return fpq_err(err, FPQ_LAB_ERR_FORMAT, NO_SNDFILE, f->path);
}
#endif

#ifdef FPQ_NO_JANSSON
#define NO_JANSSON(what) ABSENT("Jansson", "libjansson-dev", "parses the JSON of " what)

int fpq_io_parse_safetensors(fpq_io_file *f, fpq_errbuf *err)
{
    f->kind = "safetensors";
    return fpq_err(err, FPQ_LAB_ERR_FORMAT, NO_JANSSON("safetensors headers"), f->path);
}

int fpq_io_parse_tfjs(fpq_io_file *f, fpq_io_shard_reader read_shard, void *ctx,
                      fpq_errbuf *err)
{
    (void)read_shard, (void)ctx;
    f->kind = "tfjs";
    return fpq_err(err, FPQ_LAB_ERR_FORMAT, NO_JANSSON("TF.js model.json files"), f->path);
}
#endif
