/* source.h: where the error lab's tensors come from.
 *
 * A source is either a generator spec, DIST:key=value,... (for example
 * "normal:n=1000000,std=1,seed=1" or "outliers:rows=512,cols=4096,frac=0.002,
 * scale=40,seed=3"; see dist.h), or a file: FILE, or FILE::NAME for one
 * tensor of a multi-tensor file (.npy, .safetensors, .gguf, TensorFlow.js
 * model.json, .wav and other audio, raw binary, text), either of them
 * followed by [A:B] for rows A to B-1 only.
 */
#ifndef FPQ_SOURCE_H
#define FPQ_SOURCE_H

#include "tensor.h"

/* Fill *out (which the caller frees with fpq_tensor_free) from a source.
 * On failure *out is empty and err says what is wrong and where (file,
 * offset or key). */
int fpq_source_load(fpq_tensor *out, const char *source, fpq_errbuf *err);

/* Whether a source is a row slice of a file's tensor, FILE[A:B] or
 * FILE::NAME[A:B]: rows A to B-1 (A defaults to 0, B to the row count),
 * which fpq_source_load takes like any source (a file whose name itself
 * ends so is read whole). */
int fpq_source_is_slice(const char *source);

/* Write t as a .npy file (version 1.0, little-endian '<f8', or '<f4' when
 * f32 is nonzero), C order, 2-D shape (rows, cols).  Written to PATH.tmp
 * then renamed, so an existing file is replaced whole or not at all. */
int fpq_npy_write(const char *path, const fpq_tensor *t, int f32, fpq_errbuf *err);

#endif
