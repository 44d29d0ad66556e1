/* io-impl.h: what the tensor loaders of io/ share, private to io/ (and to
 * the tests and fuzz targets that drive the loaders directly).
 *
 * Three levels, each using only the ones below it:
 *   util.c     opening and mapping a file, reading whole files, the tensor
 *              list, names, bounded arithmetic, byte loads, shared checks;
 *   NAME.c     one loader per format (npy, safetensors, gguf, tfjs, gnubg,
 *              idx, audio, raw, text), each using util.c only;
 *   io.c       the dispatch: fpq_io_open picks a loader by magic or
 *              extension, fpq_io_read decodes a tensor (audio through
 *              audio.c).
 */
#ifndef FPQ_IO_IMPL_H
#define FPQ_IO_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "io.h"

/* ---- util.c ---------------------------------------------------------------- */

/* Set f->path and map (or read) the file's bytes, without parsing them;
 * an empty file is an error.  On failure f is closed. */
int fpq_io_open_bytes(fpq_io_file *f, const char *path, fpq_errbuf *err);

/* Read a whole file into malloc'd memory (for shards); err names it. */
int fpq_io_slurp(const char *path, unsigned char **data, size_t *len, fpq_errbuf *err);

/* Append a tensor (name copied); its n is computed from the shape with
 * overflow checking.  FPQ_OK, FPQ_ERR_NO_MEMORY or FPQ_LAB_ERR_FORMAT. */
int fpq_io_add(fpq_io_file *f, const fpq_io_tensor *t, const char *name, size_t namelen,
               fpq_errbuf *err);

/* fpq_io_add of a file's only tensor, named after the file (the base name
 * of f->path). */
int fpq_io_add_file_tensor(fpq_io_file *f, const fpq_io_tensor *t, fpq_errbuf *err);

/* Clear *t and set t->ndim to ndim, or FPQ_LAB_ERR_FORMAT when ndim is
 * above FPQ_IO_MAXDIM: "FILE: WHAT 'NAME' has N dimensions (at most 8)",
 * NAME cut to 60 bytes. */
int fpq_io_tensor_init(fpq_io_tensor *t, size_t ndim, const fpq_io_file *f, const char *what,
                       const char *name, fpq_errbuf *err);

/* Whether the len bytes at s are UTF-8 (without control characters unless
 * allow_controls); fpq_io_name_ok(s, len) is fpq_io_utf8_ok(s, len, 0). */
int fpq_io_utf8_ok(const char *s, size_t len, int allow_controls);
int fpq_io_name_ok(const char *s, size_t len);

/* a * b with overflow check; 0 on overflow (*out unchanged). */
int fpq_io_mul(uint64_t *out, uint64_t a, uint64_t b);

/* Little/big-endian loads from a byte pointer. */
static inline uint16_t fpq_io_ld16(const unsigned char *p, int be)
{
    return be ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}
static inline uint32_t fpq_io_ld32(const unsigned char *p, int be)
{
    return be ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
              : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}
static inline uint64_t fpq_io_ld64(const unsigned char *p, int be)
{
    uint64_t a = fpq_io_ld32(p, be), b = fpq_io_ld32(p + 4, be);
    return be ? a << 32 | b : b << 32 | a;
}

/* ---- the loaders ------------------------------------------------------------- */

/* Parsers of an in-memory file: f->path (for messages), f->buf and f->len
 * are set; they fill f->kind and the tensor list.  One per io/NAME.c. */
int fpq_io_parse_npy(fpq_io_file *f, fpq_errbuf *err);
int fpq_io_parse_safetensors(fpq_io_file *f, fpq_errbuf *err);
int fpq_io_parse_gguf(fpq_io_file *f, fpq_errbuf *err);
int fpq_io_parse_gnubg(fpq_io_file *f, fpq_errbuf *err);
int fpq_io_parse_idx(fpq_io_file *f, fpq_errbuf *err);
int fpq_io_parse_audio(fpq_io_file *f, fpq_errbuf *err);
int fpq_io_parse_text(fpq_io_file *f, fpq_errbuf *err);

/* TF.js: f->buf holds model.json; read_shard fetches a shard named by a
 * manifest path (already checked to be relative, without ".."); the
 * shards of all groups are concatenated into f->owned. */
typedef int (*fpq_io_shard_reader)(void *ctx, const char *relpath, unsigned char **data,
                                   size_t *len, fpq_errbuf *err);
int fpq_io_parse_tfjs(fpq_io_file *f, fpq_io_shard_reader read_shard, void *ctx,
                      fpq_errbuf *err);

/* audio.c: decode tensor i of an audio file (type FPQ_IO_AUDIO) through
 * libsndfile, for fpq_io_read. */
int fpq_io_read_audio(fpq_tensor *out, const fpq_io_file *f, size_t i, fpq_errbuf *err);

#endif
