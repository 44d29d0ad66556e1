/* source.h: where the error lab's tensors come from -- one parser of a
 * source's spelling, one loader of what it names.
 *
 * Spellings:
 *   DIST:key=value,...     a generator spec (dist.h), e.g. "normal:n=1000,
 *                          std=1,seed=1" or "outliers:rows=512,cols=4096,
 *                          frac=0.002,scale=40,seed=3"
 *   FILE                   the one tensor of a file (.npy, .safetensors,
 *                          .gguf, TensorFlow.js model.json, gnubg .wd,
 *                          audio, .txt; io.h)
 *   FILE::NAME             the tensor NAME of a file (the first "::" whose
 *                          left side is an existing file)
 *   raw:FILE,dtype=T,...   raw binary with the layout given (io.h)
 *   text:FILE              one number per line
 *   S[A:B]                 rows A to B-1 of the tensor S names (any of the
 *                          above but a generator spec, which takes rows=
 *                          instead; A defaults to 0, B to the row count)
 *   file:S                 S read as FILE, FILE::NAME or S[A:B], never as a
 *                          generator spec or a raw:/text: layout
 *
 * A spelling may read more than one way.  The rule: an existing file wins.
 * Text that names an existing file (not a directory) is that file, whole,
 * even when it also looks like a generator spec (a file called
 * "normal:x.npy") or ends like a row slice (a file called "x[0:2]"); then
 * a row slice or FILE::NAME whose file exists; only then a generator spec.
 * The prefixes raw: and text: are layouts whatever exists (write
 * file:raw:... for a file of that name), and file: forces a file.  Text
 * that reads none of these ways is taken as FILE, so loading it reports
 * why the file cannot be opened.
 *
 * Labels (LABEL=SOURCE) are a sweep's (sweep.h), not part of a source.
 */
#ifndef FPQ_SOURCE_H
#define FPQ_SOURCE_H

#include <stddef.h>

#include "dist.h"
#include "io.h"
#include "tensor.h"

typedef enum fpq_source_kind {
    FPQ_SOURCE_GEN,    /* a generator spec: gen */
    FPQ_SOURCE_FILE,   /* FILE: path, the file's only tensor */
    FPQ_SOURCE_TENSOR, /* FILE::NAME: path and name */
    FPQ_SOURCE_RAW,    /* raw:LAYOUT: path is LAYOUT, "FILE,dtype=T,..." */
    FPQ_SOURCE_TEXT    /* text:FILE: path */
} fpq_source_kind;

/* Row slices applied, innermost first (S[A:B][C:D] is rows C to D-1 of
 * rows A to B-1). */
#define FPQ_SOURCE_MAXSLICE 4

typedef struct fpq_source_slice {
    size_t lo, hi;    /* rows lo to hi-1; hi SIZE_MAX: to the last row */
    size_t base_len;  /* the spelling of what is sliced: text[0, base_len) */
} fpq_source_slice;

/* What a spelling names.  Filled by fpq_source_parse, released with
 * fpq_source_ref_free. */
typedef struct fpq_source_ref {
    fpq_source_kind kind;
    char *text;        /* the spelling as given (owned) */
    char *path;        /* FILE, TENSOR, TEXT: the file; RAW: the layout (owned) */
    const char *name;  /* TENSOR: the tensor's name (in path's allocation), else NULL */
    fpq_gen_spec gen;  /* GEN: the parsed spec */
    size_t nslices;
    fpq_source_slice slice[FPQ_SOURCE_MAXSLICE];
} fpq_source_ref;

/* Parse a spelling by the rule above.  Generator specs and row ranges are
 * checked here (FPQ_LAB_ERR_SPEC naming the key or the range); files are
 * only looked at (stat), not opened.  On failure nothing is left to free,
 * but out->kind and out->nslices still tell how text reads (kind
 * FPQ_SOURCE_GEN for an invalid generator spec).  FPQ_OK,
 * FPQ_LAB_ERR_SPEC or FPQ_ERR_NO_MEMORY. */
int fpq_source_parse(fpq_source_ref *out, const char *text, fpq_errbuf *err);
void fpq_source_ref_free(fpq_source_ref *r);

/* Open the file a reference names (any kind but FPQ_SOURCE_GEN, which is
 * FPQ_ERR_ARG), as fpq_io_open does; r->name is the tensor to take. */
int fpq_source_open(fpq_io_file *f, const fpq_source_ref *r, fpq_errbuf *err);

/* Fill *out (which the caller frees with fpq_tensor_free) with the tensor r
 * names, its slices applied.  A file holding several tensors needs
 * FILE::NAME (FPQ_LAB_ERR_SPEC); a tensor without elements is
 * FPQ_LAB_ERR_EMPTY.  On failure *out is empty and err says what is wrong
 * and where (file, offset, key or row range). */
int fpq_source_read(fpq_tensor *out, const fpq_source_ref *r, fpq_errbuf *err);

/* fpq_source_parse, then fpq_source_read. */
int fpq_source_load(fpq_tensor *out, const char *text, fpq_errbuf *err);

/* How text reads, by the rule above, without error messages: whether as
 * a generator spec; whether as a row slice of a file's tensor. */
int fpq_source_is_gen(const char *text);
int fpq_source_is_slice(const char *text);

#endif
